/*
 * adapter_v1_0.c - an adapter built against the frozen ABI 1.0 header in this folder, never against the current
 * one. It forwards OpenAI-compatible requests and answers as they are, reports the usage it finds, and tags its
 * answers with "abi":"1.0" so a test can see it served them.
 */
#include <stdlib.h>
#include <string.h>

#include "gateway_plugin.h"

struct gw_instance {
    char authorization[512];
};
struct gw_stream {
    char line[65536];
    size_t len;
    int done;
};

static gw_status fail(gw_error *err, gw_status code, const char *message) {
    if (err) {
        err->code = code;
        strncpy(err->message, message, GW_ERROR_MESSAGE_MAX - 1);
        err->message[GW_ERROR_MESSAGE_MAX - 1] = '\0';
    }
    return code;
}

static int put(gw_emit_fn emit, void *ctx, gw_output_kind kind, const char *name, const char *value, size_t len, int32_t status) {
    gw_output out;
    memset(&out, 0, sizeof out);
    out.struct_size = sizeof out;
    out.kind = kind;
    out.status = status;
    if (name) {
        out.name.ptr = name;
        out.name.len = strlen(name);
    }
    out.value.ptr = value;
    out.value.len = len;
    return emit(ctx, &out);
}

/* {"abi":"1.0", + the rest of a JSON object */
static int put_tagged(gw_emit_fn emit, void *ctx, gw_output_kind kind, const char *json, size_t len) {
    static const char tag[] = "{\"abi\":\"1.0\",";
    char *buffer = malloc(sizeof tag + len);
    if (!buffer) return 1;
    memcpy(buffer, tag, sizeof tag - 1);
    memcpy(buffer + sizeof tag - 1, json + 1, len - 1);
    int rc = put(emit, ctx, kind, NULL, buffer, sizeof tag - 1 + len - 1, 0);
    free(buffer);
    return rc;
}

static long long number_after(const char *text, size_t len, const char *key) {
    size_t k = strlen(key);
    for (size_t i = 0; i + k < len; i++) {
        if (memcmp(text + i, key, k) != 0) continue;
        long long value = 0;
        for (size_t j = i + k; j < len && text[j] >= '0' && text[j] <= '9'; j++) value = value * 10 + (text[j] - '0');
        return value;
    }
    return -1;
}

static int put_usage(gw_emit_fn emit, void *ctx, const char *json, size_t len) {
    long long prompt = number_after(json, len, "\"prompt_tokens\":");
    if (prompt < 0) return 0;
    gw_usage usage = {sizeof usage, 0, prompt, number_after(json, len, "\"completion_tokens\":"), -1, -1};
    gw_output out;
    memset(&out, 0, sizeof out);
    out.struct_size = sizeof out;
    out.kind = GW_OUT_USAGE;
    out.usage = &usage;
    return emit(ctx, &out);
}

static gw_status create_instance(const gw_instance_config *config, gw_instance **out, gw_error *err) {
    *out = NULL;
    if (config->api_key.len > 400) return fail(err, GW_ERR_CONFIG, "the API key is too long");
    gw_instance *inst = calloc(1, sizeof *inst);
    if (!inst) return fail(err, GW_ERR_INTERNAL, "out of memory");
    memcpy(inst->authorization, "Bearer ", 7);
    memcpy(inst->authorization + 7, config->api_key.ptr, config->api_key.len);
    *out = inst;
    return GW_OK;
}

static void destroy_instance(gw_instance *inst) { free(inst); }

static gw_status translate_request(const gw_instance *inst, const gw_request *req, gw_emit_fn emit, void *ctx, gw_error *err) {
    if (put(emit, ctx, GW_OUT_HTTP_PATH, NULL, "/chat/completions", 17, 0) ||
        put(emit, ctx, GW_OUT_HTTP_HEADER, "Authorization", inst->authorization, strlen(inst->authorization), 0) ||
        put(emit, ctx, GW_OUT_HTTP_HEADER, "Content-Type", "application/json", 16, 0) ||
        put(emit, ctx, GW_OUT_BODY, NULL, req->body_json.ptr, req->body_json.len, 0))
        return fail(err, GW_ERR_ABORTED, "aborted");
    return GW_OK;
}

static gw_status translate_response(const gw_instance *inst, const gw_request *req, const gw_response *resp, gw_emit_fn emit, void *ctx,
                                    gw_error *err) {
    (void)inst;
    (void)req;
    if (resp->body.len < 2 || resp->body.ptr[0] != '{') return fail(err, GW_ERR_UPSTREAM_FORMAT, "not a JSON object");
    if (put_usage(emit, ctx, resp->body.ptr, resp->body.len) || put_tagged(emit, ctx, GW_OUT_RESPONSE, resp->body.ptr, resp->body.len))
        return fail(err, GW_ERR_ABORTED, "aborted");
    return GW_OK;
}

static gw_status translate_error(const gw_instance *inst, const gw_request *req, const gw_response *resp, gw_emit_fn emit, void *ctx,
                                 gw_error *err) {
    (void)inst;
    (void)req;
    static const char body[] = "{\"error\":{\"message\":\"upstream error\",\"type\":\"upstream_error\",\"param\":null,\"code\":null}}";
    int32_t status = resp->status >= 400 && resp->status <= 599 ? resp->status : 502;
    return put(emit, ctx, GW_OUT_ERROR, NULL, body, sizeof body - 1, status) ? fail(err, GW_ERR_ABORTED, "aborted") : GW_OK;
}

static gw_status create_stream(const gw_instance *inst, const gw_request *req, gw_stream **out, gw_error *err) {
    (void)inst;
    (void)req;
    *out = calloc(1, sizeof **out);
    return *out ? GW_OK : fail(err, GW_ERR_INTERNAL, "out of memory");
}

static gw_status line(gw_stream *s, gw_emit_fn emit, void *ctx, gw_error *err) {
    const char *text = s->line;
    size_t len = s->len;
    if (len && text[len - 1] == '\r') len--;
    if (len < 6 || memcmp(text, "data: ", 6) != 0) return GW_OK;
    text += 6;
    len -= 6;
    if (len == 6 && memcmp(text, "[DONE]", 6) == 0) {
        s->done = 1;
        return GW_OK;
    }
    if (!len || text[0] != '{') return fail(err, GW_ERR_UPSTREAM_FORMAT, "an event that is not JSON");
    if (put_usage(emit, ctx, text, len) || put_tagged(emit, ctx, GW_OUT_CHUNK, text, len)) return fail(err, GW_ERR_ABORTED, "aborted");
    return GW_OK;
}

static gw_status feed_stream(gw_stream *s, gw_str bytes, gw_emit_fn emit, void *ctx, gw_error *err) {
    for (size_t i = 0; i < bytes.len; i++) {
        if (bytes.ptr[i] == '\n') {
            gw_status status = line(s, emit, ctx, err);
            s->len = 0;
            if (status != GW_OK) return status;
        } else if (s->len == sizeof s->line) {
            return fail(err, GW_ERR_UPSTREAM_FORMAT, "a line is too long");
        } else {
            s->line[s->len++] = bytes.ptr[i];
        }
    }
    return GW_OK;
}

static gw_status finish_stream(gw_stream *s, gw_emit_fn emit, void *ctx, gw_error *err) {
    (void)emit;
    (void)ctx;
    return s->done ? GW_OK : fail(err, GW_ERR_UPSTREAM_FORMAT, "the stream ended before [DONE]");
}

static void destroy_stream(gw_stream *s) { free(s); }

static const gw_plugin_descriptor descriptor = {
    .struct_size = sizeof(gw_plugin_descriptor),
    .abi_version = GW_ABI_VERSION,
    .name = "abi10",
    .version = "1.0.0",
    .display_name = "Built against ABI 1.0",
    .default_base_url = NULL,
    .capabilities = GW_CAP_STREAMING,
    .create_instance = create_instance,
    .destroy_instance = destroy_instance,
    .translate_request = translate_request,
    .translate_response = translate_response,
    .translate_error = translate_error,
    .create_stream = create_stream,
    .feed_stream = feed_stream,
    .finish_stream = finish_stream,
    .destroy_stream = destroy_stream,
};

__attribute__((visibility("default")))
const gw_plugin_descriptor *gateway_plugin_entry(uint32_t host_abi_version, const gw_host_api *host) {
    (void)host;
    return GW_ABI_VERSION_MAJOR(host_abi_version) == 1 ? &descriptor : NULL;
}
