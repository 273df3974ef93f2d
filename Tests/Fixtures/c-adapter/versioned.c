/*
 * versioned.c - the pass-through adapter of passthrough.c with a name and a version chosen at build time, which
 * it writes into every answer and chunk as "x_adapter_version", so hot-loading tests can tell which loaded
 * version served a request (and that a stream finished on the version it started with).
 *
 * Build: cc -std=c11 -shared -fPIC -O2 -I Sources/PluginAPI/include -DADAPTER_NAME='"hot"' \
 *        -DADAPTER_VERSION='"1.0.0"' -o hot.so versioned.c
 */
#include <stdlib.h>
#include <string.h>

#include "gateway_plugin.h"

#ifndef ADAPTER_NAME
#define ADAPTER_NAME "hot"
#endif
#ifndef ADAPTER_VERSION
#define ADAPTER_VERSION "1.0.0"
#endif
/* Different bytes for the same version (a rebuild), e.g. -DVARIANT='"rebuilt"'. */
#ifndef VARIANT
#define VARIANT ""
#endif

/* `{"x_adapter_version":"<version>",` replaces the opening brace of every answer and chunk. */
static const char version_tag[] = "{\"x_adapter_version\":\"" ADAPTER_VERSION "\",";

#define LINE_MAX_BYTES 65536

static const gw_host_api *g_host;

struct gw_instance {
    char *api_key;
    size_t api_key_len;
};

struct gw_stream {
    size_t len;      /* bytes in line */
    int done;        /* saw data: [DONE] */
    char line[LINE_MAX_BYTES];
};

static void host_log(gw_log_level level, const char *text) {
    if (g_host && g_host->struct_size >= sizeof(gw_host_api) && g_host->log) {
        gw_str s = {text, strlen(text)};
        g_host->log(g_host->host_ctx, level, s);
    }
}

static gw_status fail(gw_error *err, gw_status code, const char *message) {
    if (err) {
        err->code = code;
        strncpy(err->message, message, GW_ERROR_MESSAGE_MAX - 1);
        err->message[GW_ERROR_MESSAGE_MAX - 1] = '\0';
    }
    return code;
}

static int emit_value(gw_emit_fn emit, void *ctx, gw_output_kind kind, const char *ptr, size_t len, uint32_t flags, int32_t status) {
    gw_output out;
    memset(&out, 0, sizeof out);
    out.struct_size = sizeof out;
    out.kind = kind;
    out.flags = flags;
    out.status = status;
    out.value.ptr = ptr;
    out.value.len = len;
    return emit(ctx, &out);
}

/* Emits a JSON object (starting with '{') with the version tag in front of its first member. */
static int emit_tagged(gw_emit_fn emit, void *ctx, gw_output_kind kind, const char *json, size_t len) {
    size_t tag = sizeof version_tag - 1;
    char *buffer = malloc(tag + len);
    if (!buffer) return 1;
    memcpy(buffer, version_tag, tag);
    memcpy(buffer + tag, json + 1, len - 1);
    int rc = emit_value(emit, ctx, kind, buffer, tag + len - 1, 0, 0);
    free(buffer);
    return rc;
}

static int emit_header(gw_emit_fn emit, void *ctx, const char *name, const char *value, size_t value_len) {
    gw_output out;
    memset(&out, 0, sizeof out);
    out.struct_size = sizeof out;
    out.kind = GW_OUT_HTTP_HEADER;
    out.name.ptr = name;
    out.name.len = strlen(name);
    out.value.ptr = value;
    out.value.len = value_len;
    return emit(ctx, &out);
}

static gw_status create_instance(const gw_instance_config *config, gw_instance **out, gw_error *err) {
    if (!out) return fail(err, GW_ERR_INTERNAL, "NULL out");
    *out = NULL;
    if (!config) return fail(err, GW_ERR_CONFIG, "NULL config");
    for (size_t i = 0; i < config->api_key.len; i++) {
        unsigned char c = (unsigned char)config->api_key.ptr[i];
        if (c < 0x20 || c == 0x7f) return fail(err, GW_ERR_CONFIG, "the API key contains control characters");
    }
    gw_instance *inst = calloc(1, sizeof *inst);
    if (!inst) return fail(err, GW_ERR_INTERNAL, "out of memory");
    inst->api_key_len = config->api_key.len;
    inst->api_key = malloc(inst->api_key_len + 8);
    if (!inst->api_key) {
        free(inst);
        return fail(err, GW_ERR_INTERNAL, "out of memory");
    }
    memcpy(inst->api_key, "Bearer ", 7);
    if (inst->api_key_len) memcpy(inst->api_key + 7, config->api_key.ptr, inst->api_key_len);
    inst->api_key_len += 7;
    *out = inst;
    return GW_OK;
}

static void destroy_instance(gw_instance *inst) {
    if (!inst) return;
    free(inst->api_key);
    free(inst);
}

static gw_status translate_request(const gw_instance *inst, const gw_request *req, gw_emit_fn emit, void *ctx, gw_error *err) {
    if (!inst || !req || !emit) return fail(err, GW_ERR_INTERNAL, "NULL argument");
    if (req->body_json.len == 0) return fail(err, GW_ERR_INVALID_REQUEST, "empty request body");
    static const char path[] = "/chat/completions";
    static const char type[] = "application/json";
    if (emit_value(emit, ctx, GW_OUT_HTTP_METHOD, "POST", 4, 0, 0) ||
        emit_value(emit, ctx, GW_OUT_HTTP_PATH, path, sizeof path - 1, 0, 0) ||
        (inst->api_key_len > 7 && emit_header(emit, ctx, "Authorization", inst->api_key, inst->api_key_len)) ||
        emit_header(emit, ctx, "Content-Type", type, sizeof type - 1) ||
        emit_value(emit, ctx, GW_OUT_BODY, req->body_json.ptr, req->body_json.len, 0, 0))
        return fail(err, GW_ERR_ABORTED, "aborted by the host");
    return GW_OK;
}

static gw_status translate_response(const gw_instance *inst, const gw_request *req, const gw_response *resp,
                                    gw_emit_fn emit, void *ctx, gw_error *err) {
    (void)req;
    if (!inst || !resp || !emit) return fail(err, GW_ERR_INTERNAL, "NULL argument");
    size_t i = 0;
    while (i < resp->body.len && (resp->body.ptr[i] == ' ' || resp->body.ptr[i] == '\n' || resp->body.ptr[i] == '\r')) i++;
    if (i == resp->body.len || resp->body.ptr[i] != '{') return fail(err, GW_ERR_UPSTREAM_FORMAT, "the upstream answer is not a JSON object");
    if (emit_tagged(emit, ctx, GW_OUT_RESPONSE, resp->body.ptr + i, resp->body.len - i)) return fail(err, GW_ERR_ABORTED, "aborted by the host");
    return GW_OK;
}

static gw_status translate_error(const gw_instance *inst, const gw_request *req, const gw_response *resp,
                                 gw_emit_fn emit, void *ctx, gw_error *err) {
    (void)req;
    if (!inst || !resp || !emit) return fail(err, GW_ERR_INTERNAL, "NULL argument");
    int32_t status = (resp->status >= 400 && resp->status <= 599) ? resp->status : 502;
    int rc;
    if (resp->body.len > 0 && resp->body.ptr[0] == '{') {
        rc = emit_value(emit, ctx, GW_OUT_ERROR, resp->body.ptr, resp->body.len, 0, status);
    } else {
        static const char generic[] = "{\"error\":{\"message\":\"upstream error\",\"type\":\"upstream_error\",\"param\":null,\"code\":null}}";
        rc = emit_value(emit, ctx, GW_OUT_ERROR, generic, sizeof generic - 1, 0, status);
    }
    return rc ? fail(err, GW_ERR_ABORTED, "aborted by the host") : GW_OK;
}

static gw_status create_stream(const gw_instance *inst, const gw_request *req, gw_stream **out, gw_error *err) {
    (void)req;
    if (!out) return fail(err, GW_ERR_INTERNAL, "NULL out");
    *out = NULL;
    if (!inst) return fail(err, GW_ERR_INTERNAL, "NULL instance");
    gw_stream *s = calloc(1, sizeof *s);
    if (!s) return fail(err, GW_ERR_INTERNAL, "out of memory");
    *out = s;
    return GW_OK;
}

/* One complete line (without its line end). */
static gw_status handle_line(gw_stream *s, const char *line, size_t len, gw_emit_fn emit, void *ctx, gw_error *err) {
    if (len > 0 && line[len - 1] == '\r') len--;
    if (len < 5 || memcmp(line, "data:", 5) != 0) return GW_OK; /* blank lines, comments, other fields */
    line += 5;
    len -= 5;
    if (len > 0 && line[0] == ' ') {
        line++;
        len--;
    }
    if (len == 6 && memcmp(line, "[DONE]", 6) == 0) {
        s->done = 1;
        return GW_OK;
    }
    if (s->done || len == 0) return GW_OK;
    if (line[0] != '{') return fail(err, GW_ERR_UPSTREAM_FORMAT, "a stream event is not a JSON object");
    if (emit_tagged(emit, ctx, GW_OUT_CHUNK, line, len)) return fail(err, GW_ERR_ABORTED, "aborted by the host");
    return GW_OK;
}

static gw_status feed_stream(gw_stream *s, gw_str bytes, gw_emit_fn emit, void *ctx, gw_error *err) {
    if (!s || !emit) return fail(err, GW_ERR_INTERNAL, "NULL argument");
    for (size_t i = 0; i < bytes.len; i++) {
        char c = bytes.ptr[i];
        if (c == '\n') {
            gw_status st = handle_line(s, s->line, s->len, emit, ctx, err);
            s->len = 0;
            if (st != GW_OK) return st;
        } else {
            if (s->len == LINE_MAX_BYTES) return fail(err, GW_ERR_UPSTREAM_FORMAT, "a stream line is longer than 64 KiB");
            s->line[s->len++] = c;
        }
    }
    return GW_OK;
}

static gw_status finish_stream(gw_stream *s, gw_emit_fn emit, void *ctx, gw_error *err) {
    if (!s || !emit) return fail(err, GW_ERR_INTERNAL, "NULL argument");
    if (s->len > 0) {
        gw_status st = handle_line(s, s->line, s->len, emit, ctx, err);
        s->len = 0;
        if (st != GW_OK) return st;
    }
    if (!s->done) return fail(err, GW_ERR_UPSTREAM_FORMAT, "the stream ended before data: [DONE]");
    return GW_OK;
}

static void destroy_stream(gw_stream *s) { free(s); }

static const gw_plugin_descriptor descriptor = {
    .struct_size = sizeof(gw_plugin_descriptor),
    .abi_version = GW_ABI_VERSION,
    .name = ADAPTER_NAME,
    .version = ADAPTER_VERSION,
    .display_name = "Versioned pass-through " ADAPTER_VERSION " " VARIANT,
    .default_base_url = NULL,
    .capabilities = GW_CAP_STREAMING | GW_CAP_TOOLS,
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

const gw_plugin_descriptor *gateway_plugin_entry(uint32_t host_abi_version, const gw_host_api *host) {
    if (GW_ABI_VERSION_MAJOR(host_abi_version) != GW_ABI_MAJOR) return NULL;
    g_host = host;
    host_log(GW_LOG_INFO, ADAPTER_NAME " " ADAPTER_VERSION " ready");
    return &descriptor;
}
