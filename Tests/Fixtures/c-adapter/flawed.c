/*
 * flawed.c - fault injection for the conformance checker's tests.
 *
 * It wraps the Ollama example adapter (examples/ollama), which passes the checker, and breaks exactly one rule,
 * chosen at build time, so a test can prove that the checker notices:
 *
 *   cc -std=c11 -shared -fPIC -fvisibility=hidden -D_GNU_SOURCE -I Sources/PluginAPI/include -I examples/ollama \
 *      -DFLAW_TRUNCATION_OK Tests/Fixtures/c-adapter/flawed.c examples/ollama/json_lite.c -o flawed.so
 *
 * Without a FLAW_* define it is the example itself.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway_plugin.h"

/* The example, with its entry function renamed so this file can put its own in front of it. */
#define gateway_plugin_entry ollama_entry
#include "ollama_adapter.c"
#undef gateway_plugin_entry

__attribute__((visibility("default")))
const gw_plugin_descriptor *gateway_plugin_entry(uint32_t host_abi_version, const gw_host_api *host);

static const gw_plugin_descriptor *real;
static gw_plugin_descriptor wrapped;
static const gw_host_api *shim_host;

/* ---- emit filtering (FLAW_NO_USAGE) ---- */
typedef struct {
    gw_emit_fn emit;
    void *ctx;
} relay;

static int32_t relay_emit(void *ctx, const gw_output *out) {
    relay *r = ctx;
#ifdef FLAW_NO_USAGE
    if (out->kind == GW_OUT_USAGE) return 0;
    if (out->kind == GW_OUT_CHUNK && (out->flags & GW_CHUNK_USAGE_ONLY)) return 0;
#endif
    return r->emit(r->ctx, out);
}

static gw_status create_instance(const gw_instance_config *config, gw_instance **out, gw_error *err) {
#ifdef FLAW_ACCEPTS_BAD_OPTIONS
    gw_instance_config relaxed = *config;
    relaxed.options_json.ptr = "{}";
    relaxed.options_json.len = 2;
    return real->create_instance(&relaxed, out, err);
#else
#ifdef FLAW_LOGS_KEY
    if (shim_host && shim_host->log) {
        char line[512];
        int n = snprintf(line, sizeof line, "creating an instance with key %.*s", (int)config->api_key.len, config->api_key.ptr);
        gw_str s = {line, (size_t)n};
        shim_host->log(shim_host->host_ctx, GW_LOG_INFO, s);
    }
#endif
    gw_status status = real->create_instance(config, out, err);
#ifdef FLAW_SILENT_FAILURE
    if (status != GW_OK && err) err->message[0] = '\0';
#endif
    return status;
#endif
}

static gw_status translate_request(const gw_instance *inst, const gw_request *req, gw_emit_fn emit, void *ctx, gw_error *err) {
#ifdef FLAW_SHARED_BUFFER
    /* Not reentrant: every call goes through one static buffer, and takes its time doing so. */
    static char body[1 << 16];
    static size_t body_len;
    body_len = req->body_json.len < sizeof body ? req->body_json.len : sizeof body;
    memcpy(body, req->body_json.ptr, body_len);
    usleep(200);
    gw_request copy = *req;
    copy.body_json.ptr = body;
    copy.body_json.len = body_len;
    return real->translate_request(inst, &copy, emit, ctx, err);
#else
    return real->translate_request(inst, req, emit, ctx, err);
#endif
}

static gw_status translate_response(const gw_instance *inst, const gw_request *req, const gw_response *resp, gw_emit_fn emit, void *ctx,
                                    gw_error *err) {
    relay r = {emit, ctx};
    return real->translate_response(inst, req, resp, relay_emit, &r, err);
}

typedef struct {
    gw_stream *inner;
    void *leak;
} wrapped_stream;

static gw_status create_stream(const gw_instance *inst, const gw_request *req, gw_stream **out, gw_error *err) {
    *out = NULL;
    wrapped_stream *w = calloc(1, sizeof *w);
    if (!w) return GW_ERR_INTERNAL;
    gw_status status = real->create_stream(inst, req, &w->inner, err);
    if (status != GW_OK) {
        free(w);
        return status;
    }
#ifdef FLAW_LEAKS
    /* Never freed: the pointer goes through a volatile global, so the compiler cannot drop the allocation. */
    static void *volatile last_leak;
    last_leak = malloc(96);
    w->leak = last_leak;
    w->leak = NULL;
#endif
    *out = (gw_stream *)w;
    return GW_OK;
}

static gw_status feed_stream(gw_stream *s, gw_str bytes, gw_emit_fn emit, void *ctx, gw_error *err) {
    wrapped_stream *w = (wrapped_stream *)s;
#ifdef FLAW_CRASH_ON_HTML
    if (bytes.len >= 5 && memmem(bytes.ptr, bytes.len, "<html", 5)) {
        volatile int *nowhere = NULL;
        *nowhere = 1;
    }
#endif
#ifdef FLAW_SPLIT_DEPENDENT
    if (bytes.len == 1 && bytes.ptr[0] == '\n') {
        static const char extra[] = "{\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"!\"},\"finish_reason\":null}]}";
        gw_output out;
        memset(&out, 0, sizeof out);
        out.struct_size = sizeof out;
        out.kind = GW_OUT_CHUNK;
        out.value.ptr = extra;
        out.value.len = sizeof extra - 1;
        if (emit(ctx, &out)) return GW_ERR_ABORTED;
    }
#endif
    relay r = {emit, ctx};
    return real->feed_stream(w->inner, bytes, relay_emit, &r, err);
}

static gw_status finish_stream(gw_stream *s, gw_emit_fn emit, void *ctx, gw_error *err) {
    wrapped_stream *w = (wrapped_stream *)s;
    relay r = {emit, ctx};
    gw_status status = real->finish_stream(w->inner, relay_emit, &r, err);
#ifdef FLAW_TRUNCATION_OK
    (void)status;
    return GW_OK;
#else
    return status;
#endif
}

static void destroy_stream(gw_stream *s) {
    wrapped_stream *w = (wrapped_stream *)s;
    real->destroy_stream(w->inner);
    free(w);
}

const gw_plugin_descriptor *gateway_plugin_entry(uint32_t host_abi_version, const gw_host_api *host) {
#ifdef FLAW_IGNORES_MAJOR
    host_abi_version = GW_ABI_VERSION;
#endif
    real = ollama_entry(host_abi_version, host);
    if (!real) return NULL;
    shim_host = host;
    wrapped = *real;
    wrapped.name = "flawed";
    wrapped.create_instance = create_instance;
    wrapped.translate_request = translate_request;
    wrapped.translate_response = translate_response;
    wrapped.create_stream = create_stream;
    wrapped.feed_stream = feed_stream;
    wrapped.finish_stream = finish_stream;
    wrapped.destroy_stream = destroy_stream;
    return &wrapped;
}
