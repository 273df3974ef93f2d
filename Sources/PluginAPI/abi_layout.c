/* Compile-time checks of the ABI layout on this platform. The numbers are the ABI: a change here
 * means adapters built against an earlier header would break, so it needs a new GW_ABI_MAJOR. */
#include "gateway_plugin.h"

#if UINTPTR_MAX == 0xffffffffffffffffu
_Static_assert(sizeof(gw_str) == 16, "gw_str layout changed");
_Static_assert(sizeof(gw_error) == 4 + GW_ERROR_MESSAGE_MAX, "gw_error layout changed");
_Static_assert(sizeof(gw_usage) == 40, "gw_usage layout changed");
_Static_assert(sizeof(gw_output) == 56, "gw_output layout changed");
_Static_assert(sizeof(gw_request) == 56, "gw_request layout changed");
_Static_assert(sizeof(gw_response) == 40, "gw_response layout changed");
_Static_assert(sizeof(gw_instance_config) == 56, "gw_instance_config layout changed");
_Static_assert(sizeof(gw_host_api) == 24, "gw_host_api layout changed");
_Static_assert(offsetof(gw_plugin_descriptor, create_instance) == 48, "descriptor head layout changed");
_Static_assert(GW_DESCRIPTOR_V1_0_SIZE == 120, "descriptor 1.0 size changed");
#endif

/* Exported for hosts and tools written in languages that cannot read C macros. */
uint32_t gw_header_abi_version(void) { return GW_ABI_VERSION; }
