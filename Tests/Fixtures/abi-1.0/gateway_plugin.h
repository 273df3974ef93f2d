/*
 * gateway_plugin.h - the C ABI between the LLM gateway host and provider adapters.
 *
 * This header is the whole contract. An adapter is a shared library (.so) that exports one
 * function, `gateway_plugin_entry`, and translates between the unified request format (OpenAI
 * chat-completions JSON) and one provider's wire format. The host owns networking, routing,
 * authentication, caching and statistics; an adapter only translates bytes.
 *
 * Adapters may be written in C, C++, Rust, Zig, Swift or anything that can export a C function.
 * docs/plugins.md is the guide for adapter authors.
 *
 * ---------------------------------------------------------------------------------------------
 * VERSIONING
 *   GW_ABI_VERSION = (major << 16) | minor.
 *   - The host passes its version to the entry function. An adapter returns NULL when it does not
 *     support the host's MAJOR; the host logs the refusal and keeps running with other adapters.
 *   - MINOR versions only append fields at the end of structs. Every growing struct starts with
 *     `struct_size`; a reader uses only fields that lie inside the struct_size it was given, and
 *     treats the rest as absent (zero / NULL). Enum values are only ever added, never renumbered.
 *   - The host accepts any descriptor whose major equals its own and whose struct_size covers
 *     every callback of ABI 1.0 (GW_DESCRIPTOR_V1_0_SIZE).
 *
 * OWNERSHIP
 *   - gw_str is pointer + length, NOT NUL-terminated. Every gw_str and struct pointer passed INTO
 *     an adapter is BORROWED for the duration of that call only; copy what you need to keep.
 *   - Adapter output leaves ONLY through the gw_emit_fn callback. The host copies everything it
 *     needs before the callback returns, so the adapter may pass pointers into its own stack or
 *     buffers. No allocator crosses the boundary; the host never frees adapter memory and the
 *     adapter never frees host memory.
 *   - Objects the adapter creates (gw_instance, gw_stream) are owned by the adapter and released
 *     only through the matching destroy function. The host ALWAYS calls destroy exactly once for
 *     every successfully created object, on error paths and client disconnects too.
 *   - The descriptor returned by the entry function and its strings must stay valid and unchanged
 *     until the process exits (make them static).
 *
 * ERRORS
 *   - Functions return a gw_status. On failure they may fill the caller-owned gw_error
 *     (NUL-terminated message, at most GW_ERROR_MESSAGE_MAX bytes including the NUL).
 *   - Error messages may reach client-facing logs: never put API keys or other secrets in them.
 *   - NOTHING may unwind across this boundary: no C++ exceptions, no longjmp, no Rust panics,
 *     no Swift traps. A crash in an adapter is a crash of the gateway.
 *
 * THREADS
 *   - The entry function is called once per load, from one thread.
 *   - create_instance / destroy_instance are never called concurrently for the same instance.
 *   - translate_request, translate_response, translate_error and create_stream are REENTRANT: they
 *     may run concurrently on the same instance from several threads. Treat the instance as
 *     read-only after creation (or synchronise internally).
 *   - A gw_stream is EXTERNALLY SYNCHRONISED: the host never calls two functions on the same
 *     stream at once, but consecutive calls may come from different threads, so do not keep
 *     per-stream state in thread-local storage.
 *   - The host services (gw_host_api) are thread-safe and valid until the process exits.
 *   - An emit callback and its emit_ctx are valid only during the call that received them.
 * --------------------------------------------------------------------------------------------- */
#ifndef GATEWAY_PLUGIN_H
#define GATEWAY_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GW_ABI_MAJOR 1u
#define GW_ABI_MINOR 0u
#define GW_ABI_VERSION ((GW_ABI_MAJOR << 16) | GW_ABI_MINOR)
#define GW_ABI_VERSION_MAJOR(v) ((uint32_t)(v) >> 16)
#define GW_ABI_VERSION_MINOR(v) ((uint32_t)(v) & 0xffffu)

/** Name of the one exported function (type gw_plugin_entry_fn). */
#define GW_ENTRY_SYMBOL "gateway_plugin_entry"

#define GW_ERROR_MESSAGE_MAX 256

/** A byte string: pointer + length, not NUL-terminated. ptr may be NULL when len is 0. */
typedef struct gw_str {
    const char *ptr;
    size_t len;
} gw_str;

/* ------------------------------------------------------------------------------------------ */
/* Status codes                                                                               */
/* ------------------------------------------------------------------------------------------ */

typedef int32_t gw_status;
enum {
    GW_OK = 0,
    /** The unified request cannot be sent to this provider (client gets 400). */
    GW_ERR_INVALID_REQUEST = 1,
    /** The request uses a feature the provider does not have (client gets 400). */
    GW_ERR_UNSUPPORTED = 2,
    /** Upstream bytes are not in the provider's documented format, or a stream was cut short
     *  (client gets 502, or a final error event in a stream). */
    GW_ERR_UPSTREAM_FORMAT = 3,
    /** Instance configuration is invalid (the provider is marked unusable). */
    GW_ERR_CONFIG = 4,
    /** An emit callback returned non-zero; stop work and return this status. */
    GW_ERR_ABORTED = 5,
    /** Anything else (out of memory, a bug). Client gets 500. */
    GW_ERR_INTERNAL = 6
};

/** Caller-owned error buffer, filled by the adapter on failure. */
typedef struct gw_error {
    gw_status code;
    char message[GW_ERROR_MESSAGE_MAX];
} gw_error;

/* ------------------------------------------------------------------------------------------ */
/* Host services: lent to the adapter at entry, valid until process exit, thread-safe.        */
/* ------------------------------------------------------------------------------------------ */

typedef int32_t gw_log_level;
enum { GW_LOG_DEBUG = 0, GW_LOG_INFO = 1, GW_LOG_WARN = 2, GW_LOG_ERROR = 3 };

typedef struct gw_host_api {
    uint32_t struct_size;
    uint32_t abi_version;  /** the host's GW_ABI_VERSION */
    void *host_ctx;        /** pass back to every host function */
    /** Writes one line to the gateway log, tagged with the adapter's name. The message is copied.
     *  Never log secrets or full request bodies. */
    void (*log)(void *host_ctx, gw_log_level level, gw_str message);
} gw_host_api;

/* ------------------------------------------------------------------------------------------ */
/* Values passed into the adapter (all borrowed for the call)                                  */
/* ------------------------------------------------------------------------------------------ */

/** Configuration of one provider instance, as the admin entered it. */
typedef struct gw_instance_config {
    uint32_t struct_size;
    uint32_t reserved;
    gw_str base_url;      /** e.g. "https://api.deepseek.com", never ends with '/' */
    gw_str api_key;       /** the provider credential in plain text; keep it in memory only */
    gw_str options_json;  /** adapter-specific options, a JSON object ("{}" when none) */
} gw_instance_config;

/** Request flags. */
enum {
    /** The host will send the upstream answer through a gw_stream (client asked for SSE). */
    GW_REQ_STREAM = 1u << 0,
    /** The client asked for stream usage (stream_options.include_usage). Informational: the host
     *  itself drops chunks flagged GW_CHUNK_USAGE_ONLY when the client did not ask. */
    GW_REQ_INCLUDE_USAGE = 1u << 1
};

/** One unified request. */
typedef struct gw_request {
    uint32_t struct_size;
    uint32_t flags;       /** GW_REQ_* bits */
    gw_str model;         /** the model the host resolved for this request */
    /** OpenAI chat-completions JSON. The host has already applied the endpoint's model, system
     *  prompt and stream policy: "model" equals the model above and "stream" matches GW_REQ_STREAM. */
    gw_str body_json;
    gw_str request_id;    /** the host's request id (ASCII, unique), for providers that want one */
} gw_request;

/** An upstream HTTP answer (whole body), for translate_response and translate_error. */
typedef struct gw_response {
    uint32_t struct_size;
    int32_t status;       /** upstream HTTP status */
    gw_str content_type;  /** upstream Content-Type header, empty when absent */
    gw_str body;
} gw_response;

/* ------------------------------------------------------------------------------------------ */
/* Output: everything an adapter produces goes through gw_emit_fn                              */
/* ------------------------------------------------------------------------------------------ */

/** Token counts as the provider reported them; -1 means "not reported". */
typedef struct gw_usage {
    uint32_t struct_size;
    uint32_t reserved;
    int64_t prompt_tokens;      /** all input tokens, cached ones included */
    int64_t completion_tokens;  /** all output tokens, reasoning ones included */
    int64_t reasoning_tokens;   /** part of completion_tokens spent on reasoning */
    int64_t cached_tokens;      /** part of prompt_tokens served from the provider's cache */
} gw_usage;

typedef int32_t gw_output_kind;
enum {
    /* --- translate_request: describe the upstream HTTP request ------------------------------ */
    /** value: HTTP method, e.g. "POST". Optional; default POST. */
    GW_OUT_HTTP_METHOD = 1,
    /** value: path and query appended to the instance base URL, starting with '/'. Required. */
    GW_OUT_HTTP_PATH = 2,
    /** name, value: one request header (authentication, content type, ...). May repeat. */
    GW_OUT_HTTP_HEADER = 3,
    /** value: request body bytes. May repeat; the pieces are concatenated. */
    GW_OUT_BODY = 4,

    /* --- translate_response, translate_error and streams ------------------------------------ */
    /** value: one complete OpenAI `chat.completion` JSON object (non-stream answer). */
    GW_OUT_RESPONSE = 10,
    /** value: one OpenAI `chat.completion.chunk` JSON object, without "data: " framing.
     *  flags: GW_CHUNK_USAGE_ONLY when the chunk only carries usage (choices: []). */
    GW_OUT_CHUNK = 11,
    /** usage: the provider's token counts. Emit once per answer, as soon as they are known.
     *  In streams, a later GW_OUT_USAGE replaces an earlier one. */
    GW_OUT_USAGE = 12,
    /** value: the model name the upstream says answered (may differ from the requested one). */
    GW_OUT_MODEL = 13,
    /** status: HTTP status for the client; value: an OpenAI error body {"error":{...}}.
     *  flags: GW_ERROR_NO_RETRY when retrying cannot help (billing, bad key).
     *  In a stream, this ends the stream: the host sends it as a final event. */
    GW_OUT_ERROR = 14,
    /** value: the OpenAI finish_reason the answer ended with ("stop", "length", ...). */
    GW_OUT_FINISH = 15
};

/** Flags of GW_OUT_CHUNK. */
enum { GW_CHUNK_USAGE_ONLY = 1u << 0 };
/** Flags of GW_OUT_ERROR. */
enum { GW_ERROR_NO_RETRY = 1u << 0 };

/** One output item. Fields that do not apply to `kind` are zero. */
typedef struct gw_output {
    uint32_t struct_size;
    gw_output_kind kind;
    uint32_t flags;
    int32_t status;          /** GW_OUT_ERROR: HTTP status for the client */
    gw_str name;             /** GW_OUT_HTTP_HEADER: header name */
    gw_str value;            /** see the kinds above */
    const gw_usage *usage;   /** GW_OUT_USAGE only */
} gw_output;

/**
 * Called by the adapter for each output item. The host copies what it needs before returning.
 * Returns 0 to continue; non-zero asks the adapter to stop and return GW_ERR_ABORTED.
 */
typedef int32_t (*gw_emit_fn)(void *emit_ctx, const gw_output *out);

/* ------------------------------------------------------------------------------------------ */
/* The descriptor                                                                             */
/* ------------------------------------------------------------------------------------------ */

typedef struct gw_instance gw_instance; /* opaque, adapter-owned */
typedef struct gw_stream gw_stream;     /* opaque, adapter-owned */

/** Capability bits, shown to admins and used to refuse requests early. */
enum {
    GW_CAP_STREAMING = 1u << 0,
    GW_CAP_TOOLS = 1u << 1,
    GW_CAP_REASONING = 1u << 2,
    GW_CAP_VISION = 1u << 3,
    GW_CAP_JSON_MODE = 1u << 4
};

typedef struct gw_plugin_descriptor {
    uint32_t struct_size;      /** sizeof(gw_plugin_descriptor) as the adapter was compiled */
    uint32_t abi_version;      /** GW_ABI_VERSION the adapter was compiled against */
    const char *name;          /** unique adapter name: [a-z0-9_-], 1..32 chars, e.g. "deepseek" */
    const char *version;       /** adapter version, semantic versioning, e.g. "1.2.0" */
    const char *display_name;  /** human-readable, e.g. "DeepSeek" */
    /** base URL used when the admin leaves it empty, e.g. "https://api.deepseek.com"; may be NULL */
    const char *default_base_url;
    uint64_t capabilities;     /** GW_CAP_* bits */

    /** Creates a provider instance from its configuration. Called when a provider is created or
     *  changed. On failure returns non-OK, fills err, and leaves *out NULL. */
    gw_status (*create_instance)(const gw_instance_config *config, gw_instance **out, gw_error *err);
    /** Releases an instance. No other call on it is running or will follow. */
    void (*destroy_instance)(gw_instance *instance);

    /** Unified request -> provider HTTP request: emits GW_OUT_HTTP_* and GW_OUT_BODY. */
    gw_status (*translate_request)(const gw_instance *instance, const gw_request *request,
                                   gw_emit_fn emit, void *emit_ctx, gw_error *err);

    /** Provider 2xx non-stream body -> emits exactly one GW_OUT_RESPONSE, plus GW_OUT_USAGE and
     *  GW_OUT_MODEL when known. A body that is not a valid answer returns GW_ERR_UPSTREAM_FORMAT.
     *  A 2xx body that is really an error (some providers do this) may emit GW_OUT_ERROR instead. */
    gw_status (*translate_response)(const gw_instance *instance, const gw_request *request,
                                    const gw_response *response,
                                    gw_emit_fn emit, void *emit_ctx, gw_error *err);

    /** Provider non-2xx answer -> emits exactly one GW_OUT_ERROR with the status the client should
     *  see and an OpenAI-shaped error body. Must cope with bodies that are not JSON. */
    gw_status (*translate_error)(const gw_instance *instance, const gw_request *request,
                                 const gw_response *response,
                                 gw_emit_fn emit, void *emit_ctx, gw_error *err);

    /** Starts translating one streamed (2xx) answer. */
    gw_status (*create_stream)(const gw_instance *instance, const gw_request *request,
                               gw_stream **out, gw_error *err);
    /** Feeds upstream body bytes in arbitrary splits (one byte or megabytes; events and UTF-8
     *  sequences may be cut anywhere). Emits zero or more GW_OUT_CHUNK (plus USAGE, MODEL, FINISH,
     *  ERROR) as soon as complete events are available. A non-OK status ends the stream. */
    gw_status (*feed_stream)(gw_stream *stream, gw_str bytes,
                             gw_emit_fn emit, void *emit_ctx, gw_error *err);
    /** The upstream body ended. Flushes buffered data. Returns GW_OK when the provider's stream
     *  completed normally, GW_ERR_UPSTREAM_FORMAT when it was cut short. */
    gw_status (*finish_stream)(gw_stream *stream, gw_emit_fn emit, void *emit_ctx, gw_error *err);
    /** Releases a stream. Always called once for every created stream, finished or not. */
    void (*destroy_stream)(gw_stream *stream);
} gw_plugin_descriptor;

/** Size of the ABI 1.0 descriptor: the host requires struct_size >= this value. */
#define GW_DESCRIPTOR_V1_0_SIZE (offsetof(gw_plugin_descriptor, destroy_stream) + sizeof(void (*)(gw_stream *)))

/**
 * The one exported function, named GW_ENTRY_SYMBOL ("gateway_plugin_entry").
 * Returns the adapter's static descriptor, or NULL when GW_ABI_VERSION_MAJOR(host_abi_version) is
 * not a major version the adapter supports. `host` is valid until process exit; keep the pointer.
 */
typedef const gw_plugin_descriptor *(*gw_plugin_entry_fn)(uint32_t host_abi_version, const gw_host_api *host);

#ifdef __cplusplus
}
#endif

#endif /* GATEWAY_PLUGIN_H */
