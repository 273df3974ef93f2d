/*
 * misbehaving.c - an adapter that breaks the ABI's rules on purpose, to test that the host copes without
 * trapping. The configured API key selects the misbehaviour (see `mode`); "well-behaved" does nothing odd.
 *
 * Build: cc -std=c11 -shared -fPIC -O2 -I Sources/PluginAPI/include -o misbehaving.so misbehaving.c
 */
#include <stdlib.h>
#include <string.h>

#include "gateway_plugin.h"

static const gw_host_api *g_host;

struct gw_instance {
    char mode[64];
};
struct gw_stream {
    int unused;
};

static int is(const gw_instance *i, const char *mode) { return strcmp(i->mode, mode) == 0; }

static int emit_kind(gw_emit_fn emit, void *ctx, gw_output_kind kind, const char *value, size_t len, int32_t status) {
    gw_output out;
    memset(&out, 0, sizeof out);
    out.struct_size = sizeof out;
    out.kind = kind;
    out.status = status;
    out.value.ptr = value;
    out.value.len = len;
    return emit(ctx, &out);
}

static gw_status create_instance(const gw_instance_config *config, gw_instance **out, gw_error *err) {
    *out = NULL;
    gw_instance *i = calloc(1, sizeof *i);
    if (!i) return GW_ERR_INTERNAL;
    size_t n = config->api_key.len < sizeof i->mode - 1 ? config->api_key.len : sizeof i->mode - 1;
    memcpy(i->mode, config->api_key.ptr, n);
    if (is(i, "fail-create-silently")) {
        free(i);
        return GW_ERR_CONFIG; /* no message at all */
    }
    if (is(i, "fail-create-unterminated")) {
        free(i);
        err->code = GW_ERR_CONFIG;
        memset(err->message, 'x', GW_ERROR_MESSAGE_MAX); /* no NUL terminator */
        return GW_ERR_CONFIG;
    }
    if (is(i, "create-ok-null")) {
        free(i);
        return GW_OK; /* claims success, gives nothing */
    }
    *out = i;
    return GW_OK;
}

static void destroy_instance(gw_instance *i) { free(i); }

static gw_status translate_request(const gw_instance *i, const gw_request *r, gw_emit_fn emit, void *ctx, gw_error *err) {
    (void)r;
    (void)err;
    if (is(i, "log-bad-ctx") && g_host) {
        gw_str m = {"hello", 5};
        g_host->log((void *)0x1234, GW_LOG_INFO, m); /* not our host_ctx */
        g_host->log(NULL, GW_LOG_INFO, m);
        gw_str broken = {NULL, 99};
        g_host->log(g_host->host_ctx, GW_LOG_WARN, broken);
        gw_str evil = {"line one\nforged line\x1b[31m", 25};
        g_host->log(g_host->host_ctx, 42, evil);
    }
    if (is(i, "null-value")) return emit_kind(emit, ctx, GW_OUT_HTTP_PATH, NULL, 5, 0) ? GW_ERR_ABORTED : GW_OK;
    if (is(i, "no-path")) return emit_kind(emit, ctx, GW_OUT_BODY, "{}", 2, 0) ? GW_ERR_ABORTED : GW_OK;
    if (is(i, "bad-path")) return emit_kind(emit, ctx, GW_OUT_HTTP_PATH, "chat completions", 16, 0) ? GW_ERR_ABORTED : GW_OK;
    if (is(i, "null-output")) return emit(ctx, NULL) ? GW_ERR_ABORTED : GW_OK;
    if (is(i, "crlf-header")) {
        gw_output out;
        memset(&out, 0, sizeof out);
        out.struct_size = sizeof out;
        out.kind = GW_OUT_HTTP_HEADER;
        out.name.ptr = "X-Test";
        out.name.len = 6;
        out.value.ptr = "a\r\nX-Evil: 1";
        out.value.len = 12;
        if (emit_kind(emit, ctx, GW_OUT_HTTP_PATH, "/x", 2, 0)) return GW_ERR_ABORTED;
        return emit(ctx, &out) ? GW_ERR_ABORTED : GW_OK;
    }
    if (is(i, "huge")) {
        /* 65 x 1 MiB: the host must stop us at 64 MiB. */
        static char mib[1 << 20];
        if (emit_kind(emit, ctx, GW_OUT_HTTP_PATH, "/x", 2, 0)) return GW_ERR_ABORTED;
        for (int k = 0; k < 65; k++)
            if (emit_kind(emit, ctx, GW_OUT_BODY, mib, sizeof mib, 0)) return GW_ERR_ABORTED;
        return GW_OK;
    }
    if (is(i, "ignore-abort")) {
        /* Keeps going (and returns OK) after the host said stop. */
        emit(ctx, NULL);
        emit_kind(emit, ctx, GW_OUT_HTTP_PATH, "/x", 2, 0);
        return GW_OK;
    }
    if (is(i, "small-output")) {
        /* struct_size covers only struct_size and kind: value lies outside and must be treated as absent. */
        gw_output out;
        memset(&out, 0, sizeof out);
        out.struct_size = 8;
        out.kind = GW_OUT_HTTP_PATH;
        out.value.ptr = "/should-not-be-read";
        out.value.len = 19;
        return emit(ctx, &out) ? GW_ERR_ABORTED : GW_OK;
    }
    /* well-behaved, plus odd-but-legal items: a future output kind and a kind that belongs elsewhere */
    if (emit_kind(emit, ctx, 99, "future", 6, 0)) return GW_ERR_ABORTED;
    if (emit_kind(emit, ctx, GW_OUT_CHUNK, "{}", 2, 0)) return GW_ERR_ABORTED;
    if (emit_kind(emit, ctx, GW_OUT_HTTP_PATH, "/ok", 3, 0)) return GW_ERR_ABORTED;
    return GW_OK;
}

static gw_status translate_response(const gw_instance *i, const gw_request *r, const gw_response *p, gw_emit_fn emit, void *ctx, gw_error *err) {
    (void)r;
    (void)p;
    (void)err;
    if (is(i, "two-responses")) {
        if (emit_kind(emit, ctx, GW_OUT_RESPONSE, "{}", 2, 0)) return GW_ERR_ABORTED;
        return emit_kind(emit, ctx, GW_OUT_RESPONSE, "{}", 2, 0) ? GW_ERR_ABORTED : GW_OK;
    }
    if (is(i, "weird-usage")) {
        gw_usage u = {.struct_size = 16, .prompt_tokens = 7, .completion_tokens = 9, .reasoning_tokens = 1, .cached_tokens = 2};
        gw_output out;
        memset(&out, 0, sizeof out);
        out.struct_size = sizeof out;
        out.kind = GW_OUT_USAGE;
        out.usage = &u; /* struct_size 16: only prompt_tokens is inside */
        if (emit(ctx, &out)) return GW_ERR_ABORTED;
        return emit_kind(emit, ctx, GW_OUT_RESPONSE, "{}", 2, 0) ? GW_ERR_ABORTED : GW_OK;
    }
    return GW_OK; /* emits nothing at all */
}

static gw_status translate_error(const gw_instance *i, const gw_request *r, const gw_response *p, gw_emit_fn emit, void *ctx, gw_error *err) {
    (void)r;
    (void)p;
    if (is(i, "error-status-200")) return emit_kind(emit, ctx, GW_OUT_ERROR, "{\"error\":{}}", 12, 200) ? GW_ERR_ABORTED : GW_OK;
    if (is(i, "error-fails")) {
        strcpy(err->message, "cannot translate");
        return GW_ERR_INTERNAL;
    }
    return GW_OK; /* emits nothing */
}

static gw_status create_stream(const gw_instance *i, const gw_request *r, gw_stream **out, gw_error *err) {
    (void)r;
    (void)err;
    *out = NULL;
    if (is(i, "stream-ok-null")) return GW_OK;
    *out = calloc(1, sizeof **out);
    return *out ? GW_OK : GW_ERR_INTERNAL;
}

static gw_status feed_stream(gw_stream *s, gw_str b, gw_emit_fn emit, void *ctx, gw_error *err) {
    (void)s;
    (void)err;
    /* Echo the bytes as a chunk, plus an item that does not belong in a stream. */
    if (emit_kind(emit, ctx, GW_OUT_HTTP_PATH, "/nope", 5, 0)) return GW_ERR_ABORTED;
    if (b.len >= 4 && memcmp(b.ptr, "fail", 4) == 0) {
        strcpy(err->message, "bad bytes");
        return GW_ERR_UPSTREAM_FORMAT;
    }
    return emit_kind(emit, ctx, GW_OUT_CHUNK, b.ptr, b.len, 0) ? GW_ERR_ABORTED : GW_OK;
}

static gw_status finish_stream(gw_stream *s, gw_emit_fn emit, void *ctx, gw_error *err) {
    (void)s;
    (void)emit;
    (void)ctx;
    (void)err;
    return GW_ERR_UPSTREAM_FORMAT; /* always "cut short", with no message */
}

static int destroyed_streams;
static void destroy_stream(gw_stream *s) {
    destroyed_streams++;
    free(s);
}

/* For tests: how many streams were destroyed (checks "exactly once"). */
int misbehaving_destroyed_streams(void) { return destroyed_streams; }

static const gw_plugin_descriptor descriptor = {
    .struct_size = sizeof(gw_plugin_descriptor),
    .abi_version = GW_ABI_VERSION,
    .name = "misbehaving",
    .version = "0.0.1",
    .display_name = NULL,
    .default_base_url = "",
    .capabilities = GW_CAP_STREAMING | (1ull << 40), /* an unknown future capability bit */
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
    return &descriptor;
}
