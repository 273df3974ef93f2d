/* bad_descriptor.c - entry points that return descriptors the host must refuse.
 * Default: struct_size smaller than GW_DESCRIPTOR_V1_0_SIZE. Variants (compile with -D...):
 *   BAD_MAJOR         descriptor abi_version says major 2 although the entry accepted major 1
 *   MISSING_CALLBACK  translate_error is NULL
 *   BAD_NAME          name "Bad Name" (not [a-z0-9_-]{1,32})
 *   BAD_UTF8_VERSION  version is not valid UTF-8 */
#include <stddef.h>

#include "gateway_plugin.h"

static gw_status create_instance(const gw_instance_config *c, gw_instance **out, gw_error *e) { (void)c; (void)e; *out = NULL; return GW_ERR_CONFIG; }
static void destroy_instance(gw_instance *i) { (void)i; }
static gw_status translate_request(const gw_instance *i, const gw_request *r, gw_emit_fn f, void *c, gw_error *e) { (void)i; (void)r; (void)f; (void)c; (void)e; return GW_ERR_INTERNAL; }
static gw_status translate_response(const gw_instance *i, const gw_request *r, const gw_response *p, gw_emit_fn f, void *c, gw_error *e) { (void)i; (void)r; (void)p; (void)f; (void)c; (void)e; return GW_ERR_INTERNAL; }
#ifndef MISSING_CALLBACK
static gw_status translate_error(const gw_instance *i, const gw_request *r, const gw_response *p, gw_emit_fn f, void *c, gw_error *e) { (void)i; (void)r; (void)p; (void)f; (void)c; (void)e; return GW_ERR_INTERNAL; }
#endif
static gw_status create_stream(const gw_instance *i, const gw_request *r, gw_stream **o, gw_error *e) { (void)i; (void)r; (void)e; *o = NULL; return GW_ERR_INTERNAL; }
static gw_status feed_stream(gw_stream *s, gw_str b, gw_emit_fn f, void *c, gw_error *e) { (void)s; (void)b; (void)f; (void)c; (void)e; return GW_ERR_INTERNAL; }
static gw_status finish_stream(gw_stream *s, gw_emit_fn f, void *c, gw_error *e) { (void)s; (void)f; (void)c; (void)e; return GW_ERR_INTERNAL; }
static void destroy_stream(gw_stream *s) { (void)s; }

static const gw_plugin_descriptor descriptor = {
#if defined(BAD_MAJOR) || defined(MISSING_CALLBACK) || defined(BAD_NAME) || defined(BAD_UTF8_VERSION)
    .struct_size = sizeof(gw_plugin_descriptor),
#else
    .struct_size = 64,
#endif
#ifdef BAD_MAJOR
    .abi_version = 2u << 16,
#else
    .abi_version = GW_ABI_VERSION,
#endif
#ifdef BAD_NAME
    .name = "Bad Name",
#else
    .name = "bad-descriptor",
#endif
#ifdef BAD_UTF8_VERSION
    .version = "1.0\xff",
#else
    .version = "1.0.0",
#endif
    .display_name = "Bad descriptor",
    .create_instance = create_instance,
    .destroy_instance = destroy_instance,
    .translate_request = translate_request,
    .translate_response = translate_response,
#ifndef MISSING_CALLBACK
    .translate_error = translate_error,
#endif
    .create_stream = create_stream,
    .feed_stream = feed_stream,
    .finish_stream = finish_stream,
    .destroy_stream = destroy_stream,
};

const gw_plugin_descriptor *gateway_plugin_entry(uint32_t host_abi_version, const gw_host_api *host) {
    (void)host;
    return GW_ABI_VERSION_MAJOR(host_abi_version) == GW_ABI_MAJOR ? &descriptor : NULL;
}
