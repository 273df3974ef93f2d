/*
 * layout.c - prints every declaration of ABI 1.0 as the compiler lays it out: the sizes of the structs that
 * cannot grow, the offset and size of every field, and the value of every constant. Built once against the
 * frozen 1.0 header and once against the current one; a difference is an ABI break.
 */
#include <stddef.h>
#include <stdio.h>

#include "gateway_plugin.h"

#define FIELD(type, field) printf("field " #type "." #field " offset %zu size %zu\n", offsetof(type, field), sizeof(((type *)0)->field))
#define SIZE(type) printf("size " #type " %zu\n", sizeof(type))
#define VALUE(name) printf("value " #name " %lld\n", (long long)(name))

int main(void) {
    /* Structs without struct_size never grow. */
    SIZE(gw_str);
    SIZE(gw_error);
    FIELD(gw_str, ptr); FIELD(gw_str, len);
    FIELD(gw_error, code); FIELD(gw_error, message);
    FIELD(gw_host_api, struct_size); FIELD(gw_host_api, abi_version); FIELD(gw_host_api, host_ctx); FIELD(gw_host_api, log);
    FIELD(gw_instance_config, struct_size); FIELD(gw_instance_config, reserved); FIELD(gw_instance_config, base_url);
    FIELD(gw_instance_config, api_key); FIELD(gw_instance_config, options_json);
    FIELD(gw_request, struct_size); FIELD(gw_request, flags); FIELD(gw_request, model); FIELD(gw_request, body_json);
    FIELD(gw_request, request_id);
    FIELD(gw_response, struct_size); FIELD(gw_response, status); FIELD(gw_response, content_type); FIELD(gw_response, body);
    FIELD(gw_usage, struct_size); FIELD(gw_usage, reserved); FIELD(gw_usage, prompt_tokens); FIELD(gw_usage, completion_tokens);
    FIELD(gw_usage, reasoning_tokens); FIELD(gw_usage, cached_tokens);
    FIELD(gw_output, struct_size); FIELD(gw_output, kind); FIELD(gw_output, flags); FIELD(gw_output, status);
    FIELD(gw_output, name); FIELD(gw_output, value); FIELD(gw_output, usage);
    FIELD(gw_plugin_descriptor, struct_size); FIELD(gw_plugin_descriptor, abi_version); FIELD(gw_plugin_descriptor, name);
    FIELD(gw_plugin_descriptor, version); FIELD(gw_plugin_descriptor, display_name); FIELD(gw_plugin_descriptor, default_base_url);
    FIELD(gw_plugin_descriptor, capabilities); FIELD(gw_plugin_descriptor, create_instance);
    FIELD(gw_plugin_descriptor, destroy_instance); FIELD(gw_plugin_descriptor, translate_request);
    FIELD(gw_plugin_descriptor, translate_response); FIELD(gw_plugin_descriptor, translate_error);
    FIELD(gw_plugin_descriptor, create_stream); FIELD(gw_plugin_descriptor, feed_stream);
    FIELD(gw_plugin_descriptor, finish_stream); FIELD(gw_plugin_descriptor, destroy_stream);
    VALUE(GW_ABI_MAJOR);
    VALUE(GW_ERROR_MESSAGE_MAX);
    VALUE(GW_DESCRIPTOR_V1_0_SIZE);
    VALUE(GW_OK); VALUE(GW_ERR_INVALID_REQUEST); VALUE(GW_ERR_UNSUPPORTED); VALUE(GW_ERR_UPSTREAM_FORMAT);
    VALUE(GW_ERR_CONFIG); VALUE(GW_ERR_ABORTED); VALUE(GW_ERR_INTERNAL);
    VALUE(GW_LOG_DEBUG); VALUE(GW_LOG_INFO); VALUE(GW_LOG_WARN); VALUE(GW_LOG_ERROR);
    VALUE(GW_REQ_STREAM); VALUE(GW_REQ_INCLUDE_USAGE);
    VALUE(GW_OUT_HTTP_METHOD); VALUE(GW_OUT_HTTP_PATH); VALUE(GW_OUT_HTTP_HEADER); VALUE(GW_OUT_BODY);
    VALUE(GW_OUT_RESPONSE); VALUE(GW_OUT_CHUNK); VALUE(GW_OUT_USAGE); VALUE(GW_OUT_MODEL); VALUE(GW_OUT_ERROR); VALUE(GW_OUT_FINISH);
    VALUE(GW_CHUNK_USAGE_ONLY); VALUE(GW_ERROR_NO_RETRY);
    VALUE(GW_CAP_STREAMING); VALUE(GW_CAP_TOOLS); VALUE(GW_CAP_REASONING); VALUE(GW_CAP_VISION); VALUE(GW_CAP_JSON_MODE);
    printf("string GW_ENTRY_SYMBOL %s\n", GW_ENTRY_SYMBOL);
    return 0;
}
