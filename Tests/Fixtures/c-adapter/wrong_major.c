/* wrong_major.c - an adapter that only speaks ABI major 2: its entry returns NULL for any other host.
 * The host must refuse it with a clear reason and keep running. */
#include <stddef.h>

#include "gateway_plugin.h"

static const gw_plugin_descriptor descriptor = {
    .struct_size = sizeof(gw_plugin_descriptor),
    .abi_version = 2u << 16,
    .name = "future",
    .version = "2.0.0",
};

const gw_plugin_descriptor *gateway_plugin_entry(uint32_t host_abi_version, const gw_host_api *host) {
    (void)host;
    return GW_ABI_VERSION_MAJOR(host_abi_version) == 2 ? &descriptor : NULL;
}
