/*
 * ollama_adapter.c - an adapter for Ollama's native chat API (POST /api/chat), in plain C11.
 *
 * It shows a third party the whole path: the one header (gateway_plugin.h), a build line, the conformance check
 * and the drop-in (README.md next to this file). Ollama's stream is not SSE but newline-delimited JSON: one
 * object per line, `"done": true` on the last one, which also carries the token counts (`prompt_eval_count`,
 * `eval_count`). The adapter turns it into OpenAI chat-completion chunks.
 *
 * Build:  cc -std=c11 -O2 -Wall -Wextra -shared -fPIC -fvisibility=hidden -I ../../Sources/PluginAPI/include \
 *             -o ollama.so ollama_adapter.c json_lite.c
 *
 * Instance configuration:
 *   base_url   the Ollama server, e.g. http://127.0.0.1:11434 (the default)
 *   api_key    optional; sent as "Authorization: Bearer <key>" for a proxy in front of Ollama
 *   options    {"keep_alive": "5m", "num_ctx": 8192}, both optional
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gateway_plugin.h"
#include "json_lite.h"

#define ADAPTER_VERSION "1.0.0"
/* Longest NDJSON line the stream keeps while waiting for its end (a line is one event: small). */
#define MAX_LINE (8u << 20)

/* Exported; the prototype keeps -Wmissing-prototypes quiet and checks the signature. */
__attribute__((visibility("default")))
const gw_plugin_descriptor *gateway_plugin_entry(uint32_t host_abi_version, const gw_host_api *host);

static const gw_host_api *host_api; /* lent by the host at entry, valid until exit */

/* ---- small helpers -------------------------------------------------------------------------------------- */

static gw_status fail(gw_error *err, gw_status code, const char *message) {
    if (err) {
        err->code = code;
        snprintf(err->message, GW_ERROR_MESSAGE_MAX, "%s", message);
    }
    return code;
}

static void log_line(gw_log_level level, const char *text) {
    if (host_api && host_api->struct_size >= sizeof(gw_host_api) && host_api->log) {
        gw_str s = {text, strlen(text)};
        host_api->log(host_api->host_ctx, level, s);
    }
}

static int emit_value(gw_emit_fn emit, void *ctx, gw_output_kind kind, const char *value, size_t len, uint32_t flags,
                      int32_t status) {
    gw_output out;
    memset(&out, 0, sizeof out);
    out.struct_size = sizeof out;
    out.kind = kind;
    out.flags = flags;
    out.status = status;
    out.value.ptr = value;
    out.value.len = len;
    return emit(ctx, &out);
}

static int emit_header(gw_emit_fn emit, void *ctx, const char *name, const char *value) {
    gw_output out;
    memset(&out, 0, sizeof out);
    out.struct_size = sizeof out;
    out.kind = GW_OUT_HTTP_HEADER;
    out.name.ptr = name;
    out.name.len = strlen(name);
    out.value.ptr = value;
    out.value.len = strlen(value);
    return emit(ctx, &out);
}

static int emit_usage(gw_emit_fn emit, void *ctx, long long prompt, long long completion) {
    gw_usage usage = {sizeof usage, 0, prompt, completion, -1, -1};
    gw_output out;
    memset(&out, 0, sizeof out);
    out.struct_size = sizeof out;
    out.kind = GW_OUT_USAGE;
    out.usage = &usage;
    return emit(ctx, &out);
}

/* "2025-10-23T10:12:13.123456Z" -> seconds since 1970 (0 when it cannot be read). */
static long long parse_timestamp(const jl_doc *doc, int32_t node) {
    jl_buf text = {0};
    long long seconds = 0;
    if (jl_decode_string(doc, node, &text) == 0 && jl_buf_put(&text, "", 1) == 0) {
        int y, mo, d, h, mi, s;
        if (sscanf(text.data, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) == 6 && mo >= 1 && mo <= 12) {
            /* Days from civil (Howard Hinnant's algorithm): no timegm, no locale, no time zone. */
            int yy = y - (mo <= 2);
            long long era = (yy >= 0 ? yy : yy - 399) / 400;
            long long yoe = yy - era * 400;
            long long doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
            long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
            long long days = era * 146097 + doe - 719468;
            seconds = days * 86400 + h * 3600 + mi * 60 + s;
        }
    }
    jl_buf_free(&text);
    return seconds;
}

/* Whether `text` (len bytes) has control characters (they cannot go into an HTTP header). */
static int has_control(const char *text, size_t len) {
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) return 1;
    }
    return 0;
}

/* ---- instances ------------------------------------------------------------------------------------------- */

struct gw_instance {
    char *authorization;    /* "Bearer <key>", or NULL */
    char *keep_alive_json;  /* JSON value for "keep_alive", or NULL */
    long long num_ctx;      /* 0 when not set */
};

static void ollama_destroy_instance(gw_instance *inst) {
    if (!inst) return;
    free(inst->authorization);
    free(inst->keep_alive_json);
    free(inst);
}

static gw_status ollama_create_instance(const gw_instance_config *config, gw_instance **out, gw_error *err) {
    if (!out) return fail(err, GW_ERR_INTERNAL, "create_instance got a NULL out pointer");
    *out = NULL;
    if (!config) return fail(err, GW_ERR_CONFIG, "create_instance got no configuration");
    gw_instance *inst = calloc(1, sizeof *inst);
    if (!inst) return fail(err, GW_ERR_INTERNAL, "out of memory");

    if (config->api_key.len > 0) {
        if (has_control(config->api_key.ptr, config->api_key.len)) {
            ollama_destroy_instance(inst);
            return fail(err, GW_ERR_CONFIG, "the API key contains control characters");
        }
        inst->authorization = malloc(config->api_key.len + 8);
        if (!inst->authorization) {
            ollama_destroy_instance(inst);
            return fail(err, GW_ERR_INTERNAL, "out of memory");
        }
        memcpy(inst->authorization, "Bearer ", 7);
        memcpy(inst->authorization + 7, config->api_key.ptr, config->api_key.len);
        inst->authorization[config->api_key.len + 7] = '\0';
    }

    /* options_json: a JSON object with known keys only, so a typo is an error the admin sees. */
    jl_doc doc;
    const char *options = config->options_json.len ? config->options_json.ptr : "{}";
    size_t options_len = config->options_json.len ? config->options_json.len : 2;
    int32_t root = jl_parse(&doc, options, options_len);
    gw_status status = GW_OK;
    const char *why = NULL;
    if (root < 0 || jl_type_of(&doc, root) != JL_OBJECT) {
        status = GW_ERR_CONFIG;
        why = "options must be a JSON object";
    } else {
        for (int32_t c = doc.nodes[root].first; c >= 0 && status == GW_OK; c = doc.nodes[c].next) {
            const jl_node *member = &doc.nodes[c];
            if (member->key_len == 10 && memcmp(member->key, "keep_alive", 10) == 0) {
                if (member->type != JL_STRING && member->type != JL_NUMBER) {
                    status = GW_ERR_CONFIG;
                    why = "option keep_alive must be a duration string (\"5m\") or a number of seconds";
                } else if ((inst->keep_alive_json = malloc(member->raw_len + 1)) != NULL) {
                    memcpy(inst->keep_alive_json, member->raw, member->raw_len);
                    inst->keep_alive_json[member->raw_len] = '\0';
                } else {
                    status = GW_ERR_INTERNAL;
                    why = "out of memory";
                }
            } else if (member->key_len == 7 && memcmp(member->key, "num_ctx", 7) == 0) {
                inst->num_ctx = jl_integer(&doc, c, -1);
                if (inst->num_ctx <= 0) {
                    status = GW_ERR_CONFIG;
                    why = "option num_ctx must be a positive integer";
                }
            } else {
                status = GW_ERR_CONFIG;
                why = "unknown option (known: keep_alive, num_ctx)";
            }
        }
    }
    jl_free(&doc);
    if (status != GW_OK) {
        ollama_destroy_instance(inst);
        return fail(err, status, why);
    }
    *out = inst;
    return GW_OK;
}

/* ---- requests: OpenAI chat completions -> Ollama /api/chat --------------------------------------------- */

/* Appends the text of a message's content (a string, or the text parts of an array) as one JSON string, and
 * collects base64 images of data-URL image parts into `images` (a JSON array body, without brackets). */
static gw_status content_to_ollama(const jl_doc *doc, int32_t content, jl_buf *out, jl_buf *images, gw_error *err) {
    jl_buf text = {0};
    gw_status status = GW_OK;
    if (jl_type_of(doc, content) == JL_STRING) {
        if (jl_decode_string(doc, content, &text) != 0) status = fail(err, GW_ERR_INTERNAL, "out of memory");
    } else if (jl_type_of(doc, content) == JL_ARRAY) {
        for (int32_t part = doc->nodes[content].first; part >= 0 && status == GW_OK; part = doc->nodes[part].next) {
            int32_t type = jl_get(doc, part, "type");
            if (jl_string_equals(doc, type, "text")) {
                if (jl_decode_string(doc, jl_get(doc, part, "text"), &text) != 0)
                    status = fail(err, GW_ERR_INVALID_REQUEST, "a text part without text");
            } else if (jl_string_equals(doc, type, "image_url")) {
                int32_t image = jl_get(doc, part, "image_url");
                int32_t url = jl_type_of(doc, image) == JL_OBJECT ? jl_get(doc, image, "url") : image;
                jl_buf value = {0};
                if (jl_decode_string(doc, url, &value) != 0) {
                    status = fail(err, GW_ERR_INVALID_REQUEST, "an image part without a url");
                } else {
                    const char *comma = value.len > 5 && memcmp(value.data, "data:", 5) == 0 ? memchr(value.data, ',', value.len) : NULL;
                    if (!comma || comma - value.data < 12 || memcmp(comma - 7, ";base64", 7) != 0) {
                        status = fail(err, GW_ERR_UNSUPPORTED, "Ollama takes images as base64 data URLs (data:image/png;base64,...), not links");
                    } else if ((images->len && jl_buf_puts(images, ",") != 0) ||
                               jl_buf_put_string(images, comma + 1, value.len - (size_t)(comma + 1 - value.data)) != 0) {
                        status = fail(err, GW_ERR_INTERNAL, "out of memory");
                    }
                }
                jl_buf_free(&value);
            } else if (!jl_string_equals(doc, type, "refusal")) {
                status = fail(err, GW_ERR_UNSUPPORTED, "a content part of a type Ollama does not take (only text and images)");
            }
        }
    } else if (jl_type_of(doc, content) != JL_NULL) {
        status = fail(err, GW_ERR_INVALID_REQUEST, "message content must be a string or an array of parts");
    }
    if (status == GW_OK && jl_buf_put_string(out, text.len ? text.data : "", text.len) != 0)
        status = fail(err, GW_ERR_INTERNAL, "out of memory");
    jl_buf_free(&text);
    return status;
}

/* Assistant tool_calls -> Ollama tool_calls (arguments as a JSON object, not a string). */
static gw_status tool_calls_to_ollama(const jl_doc *doc, int32_t calls, jl_buf *out, gw_error *err) {
    if (jl_buf_puts(out, ",\"tool_calls\":[") != 0) return fail(err, GW_ERR_INTERNAL, "out of memory");
    int first = 1;
    for (int32_t call = doc->nodes[calls].first; call >= 0; call = doc->nodes[call].next) {
        int32_t function = jl_get(doc, call, "function");
        int32_t name = jl_get(doc, function, "name");
        if (jl_type_of(doc, name) != JL_STRING) return fail(err, GW_ERR_INVALID_REQUEST, "a tool call without a function name");
        jl_buf arguments = {0};
        jl_decode_string(doc, jl_get(doc, function, "arguments"), &arguments);
        jl_doc args;
        int32_t root = arguments.len ? jl_parse(&args, arguments.data, arguments.len) : -1;
        int ok = !arguments.len || (root >= 0 && jl_type_of(&args, root) == JL_OBJECT);
        int rc = 0;
        if (ok) {
            rc |= jl_buf_puts(out, first ? "{\"function\":{\"name\":" : ",{\"function\":{\"name\":");
            rc |= jl_buf_put(out, doc->nodes[name].raw, doc->nodes[name].raw_len);
            rc |= jl_buf_puts(out, ",\"arguments\":");
            rc |= arguments.len ? jl_buf_put(out, arguments.data, arguments.len) : jl_buf_puts(out, "{}");
            rc |= jl_buf_puts(out, "}}");
        }
        if (arguments.len) jl_free(&args);
        jl_buf_free(&arguments);
        if (!ok) return fail(err, GW_ERR_INVALID_REQUEST, "tool call arguments must be a JSON object");
        if (rc) return fail(err, GW_ERR_INTERNAL, "out of memory");
        first = 0;
    }
    return jl_buf_puts(out, "]") ? fail(err, GW_ERR_INTERNAL, "out of memory") : GW_OK;
}

/* The name of the function a tool result answers, found among the assistant tool calls before it. */
static int32_t tool_name_for(const jl_doc *doc, int32_t messages, int32_t upto, int32_t call_id) {
    int32_t found = -1;
    for (int32_t m = doc->nodes[messages].first; m >= 0 && m != upto; m = doc->nodes[m].next) {
        int32_t calls = jl_get(doc, m, "tool_calls");
        if (jl_type_of(doc, calls) != JL_ARRAY) continue;
        for (int32_t call = doc->nodes[calls].first; call >= 0; call = doc->nodes[call].next) {
            int32_t id = jl_get(doc, call, "id");
            if (jl_type_of(doc, id) == JL_STRING && doc->nodes[id].raw_len == doc->nodes[call_id].raw_len &&
                memcmp(doc->nodes[id].raw, doc->nodes[call_id].raw, doc->nodes[id].raw_len) == 0)
                found = jl_get(doc, jl_get(doc, call, "function"), "name");
        }
    }
    return found;
}

/* Appends `"key":<raw value of node>` to an options object body. */
static int put_raw_member(jl_buf *out, int *first, const char *key, const jl_doc *doc, int32_t node) {
    int rc = jl_buf_puts(out, *first ? "\"" : ",\"");
    rc |= jl_buf_puts(out, key);
    rc |= jl_buf_puts(out, "\":");
    rc |= jl_buf_put(out, doc->nodes[node].raw, doc->nodes[node].raw_len);
    *first = 0;
    return rc;
}

static gw_status build_body(const gw_instance *inst, const gw_request *req, const jl_doc *doc, int32_t root, jl_buf *out, gw_error *err) {
    int32_t messages = jl_get(doc, root, "messages");
    if (jl_type_of(doc, messages) != JL_ARRAY || doc->nodes[messages].first < 0)
        return fail(err, GW_ERR_INVALID_REQUEST, "messages must be a non-empty array");
    int32_t n = jl_get(doc, root, "n");
    if (jl_integer(doc, n, 1) > 1) return fail(err, GW_ERR_UNSUPPORTED, "Ollama returns one choice per request (n must be 1)");

    int rc = jl_buf_puts(out, "{\"model\":");
    rc |= jl_buf_put_string(out, req->model.len ? req->model.ptr : "", req->model.len);
    rc |= jl_buf_puts(out, ",\"messages\":[");
    int first = 1;
    for (int32_t m = doc->nodes[messages].first; m >= 0; m = doc->nodes[m].next) {
        int32_t role = jl_get(doc, m, "role");
        const char *ollama_role;
        if (jl_string_equals(doc, role, "system") || jl_string_equals(doc, role, "developer")) ollama_role = "system";
        else if (jl_string_equals(doc, role, "user")) ollama_role = "user";
        else if (jl_string_equals(doc, role, "assistant")) ollama_role = "assistant";
        else if (jl_string_equals(doc, role, "tool")) ollama_role = "tool";
        else return fail(err, GW_ERR_UNSUPPORTED, "a message role Ollama does not have (system, user, assistant, tool)");

        rc |= jl_buf_puts(out, first ? "{\"role\":\"" : ",{\"role\":\"");
        rc |= jl_buf_puts(out, ollama_role);
        rc |= jl_buf_puts(out, "\",\"content\":");
        jl_buf images = {0};
        gw_status status = content_to_ollama(doc, jl_get(doc, m, "content"), out, &images, err);
        if (status == GW_OK && images.len) {
            rc |= jl_buf_puts(out, ",\"images\":[");
            rc |= jl_buf_put(out, images.data, images.len);
            rc |= jl_buf_puts(out, "]");
        }
        jl_buf_free(&images);
        if (status != GW_OK) return status;
        int32_t calls = jl_get(doc, m, "tool_calls");
        if (jl_type_of(doc, calls) == JL_ARRAY && doc->nodes[calls].first >= 0) {
            status = tool_calls_to_ollama(doc, calls, out, err);
            if (status != GW_OK) return status;
        }
        int32_t call_id = jl_get(doc, m, "tool_call_id");
        if (jl_type_of(doc, call_id) == JL_STRING) {
            int32_t name = tool_name_for(doc, messages, m, call_id);
            if (name >= 0 && jl_type_of(doc, name) == JL_STRING) {
                rc |= jl_buf_puts(out, ",\"tool_name\":");
                rc |= jl_buf_put(out, doc->nodes[name].raw, doc->nodes[name].raw_len);
            }
        }
        rc |= jl_buf_puts(out, "}");
        first = 0;
    }
    rc |= jl_buf_puts(out, "],\"stream\":");
    rc |= jl_buf_puts(out, (req->flags & GW_REQ_STREAM) ? "true" : "false");

    /* Sampling parameters go into "options", under Ollama's names. */
    rc |= jl_buf_puts(out, ",\"options\":{");
    int first_option = 1;
    static const struct { const char *openai; const char *ollama; } same[] = {
        {"temperature", "temperature"}, {"top_p", "top_p"}, {"seed", "seed"},
        {"frequency_penalty", "frequency_penalty"}, {"presence_penalty", "presence_penalty"},
        {"max_completion_tokens", "num_predict"}, {"max_tokens", "num_predict"}};
    int have_num_predict = 0;
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        int32_t v = jl_get(doc, root, same[i].openai);
        if (jl_type_of(doc, v) != JL_NUMBER) continue;
        if (strcmp(same[i].ollama, "num_predict") == 0) {
            if (have_num_predict) continue;
            have_num_predict = 1;
        }
        rc |= put_raw_member(out, &first_option, same[i].ollama, doc, v);
    }
    int32_t stop = jl_get(doc, root, "stop");
    if (jl_type_of(doc, stop) == JL_STRING) {
        rc |= jl_buf_puts(out, first_option ? "\"stop\":[" : ",\"stop\":[");
        rc |= jl_buf_put(out, doc->nodes[stop].raw, doc->nodes[stop].raw_len);
        rc |= jl_buf_puts(out, "]");
        first_option = 0;
    } else if (jl_type_of(doc, stop) == JL_ARRAY) {
        rc |= put_raw_member(out, &first_option, "stop", doc, stop);
    }
    if (inst->num_ctx > 0) {
        rc |= jl_buf_puts(out, first_option ? "\"num_ctx\":" : ",\"num_ctx\":");
        rc |= jl_buf_put_int(out, inst->num_ctx);
    }
    rc |= jl_buf_puts(out, "}");

    /* Tools have the same shape in both APIs. */
    int32_t tools = jl_get(doc, root, "tools");
    if (jl_type_of(doc, tools) == JL_ARRAY) {
        rc |= jl_buf_puts(out, ",\"tools\":");
        rc |= jl_buf_put(out, doc->nodes[tools].raw, doc->nodes[tools].raw_len);
    }
    int32_t format = jl_get(doc, root, "response_format");
    int32_t format_type = jl_get(doc, format, "type");
    if (jl_string_equals(doc, format_type, "json_object")) {
        rc |= jl_buf_puts(out, ",\"format\":\"json\"");
    } else if (jl_string_equals(doc, format_type, "json_schema")) {
        int32_t schema = jl_get(doc, jl_get(doc, format, "json_schema"), "schema");
        if (jl_type_of(doc, schema) != JL_OBJECT) return fail(err, GW_ERR_INVALID_REQUEST, "response_format.json_schema.schema must be an object");
        rc |= jl_buf_puts(out, ",\"format\":");
        rc |= jl_buf_put(out, doc->nodes[schema].raw, doc->nodes[schema].raw_len);
    }
    if (inst->keep_alive_json) {
        rc |= jl_buf_puts(out, ",\"keep_alive\":");
        rc |= jl_buf_puts(out, inst->keep_alive_json);
    }
    rc |= jl_buf_puts(out, "}");
    return rc ? fail(err, GW_ERR_INTERNAL, "out of memory") : GW_OK;
}

static gw_status ollama_translate_request(const gw_instance *inst, const gw_request *req, gw_emit_fn emit, void *ctx, gw_error *err) {
    if (!inst || !req || !emit) return fail(err, GW_ERR_INTERNAL, "translate_request got a NULL argument");
    jl_doc doc;
    int32_t root = jl_parse(&doc, req->body_json.ptr, req->body_json.len);
    if (root < 0 || jl_type_of(&doc, root) != JL_OBJECT) {
        jl_free(&doc);
        return fail(err, GW_ERR_INVALID_REQUEST, "the request body is not a JSON object");
    }
    jl_buf body = {0};
    gw_status status = build_body(inst, req, &doc, root, &body, err);
    jl_free(&doc);
    if (status == GW_OK) {
        static const char path[] = "/api/chat";
        if (emit_value(emit, ctx, GW_OUT_HTTP_METHOD, "POST", 4, 0, 0) ||
            emit_value(emit, ctx, GW_OUT_HTTP_PATH, path, sizeof path - 1, 0, 0) ||
            emit_header(emit, ctx, "Content-Type", "application/json") ||
            emit_header(emit, ctx, "Accept", (req->flags & GW_REQ_STREAM) ? "application/x-ndjson" : "application/json") ||
            (inst->authorization && emit_header(emit, ctx, "Authorization", inst->authorization)) ||
            emit_value(emit, ctx, GW_OUT_BODY, body.data, body.len, 0, 0))
            status = fail(err, GW_ERR_ABORTED, "aborted by the host");
    }
    jl_buf_free(&body);
    return status;
}

/* ---- answers: Ollama -> OpenAI ------------------------------------------------------------------------- */

/* done_reason -> finish_reason. */
static const char *finish_reason(const jl_doc *doc, int32_t reason, int tool_calls) {
    if (jl_string_equals(doc, reason, "length")) return "length";
    if (tool_calls) return "tool_calls";
    return "stop";
}

/* Appends OpenAI tool_calls for Ollama's `tool_calls` array. `stream` adds an index to every call (chunks). */
static int put_tool_calls(jl_buf *out, const jl_doc *doc, int32_t calls, int *count, const char *request_id) {
    int rc = jl_buf_puts(out, "\"tool_calls\":[");
    int first = 1;
    for (int32_t call = doc->nodes[calls].first; call >= 0; call = doc->nodes[call].next) {
        int32_t function = jl_get(doc, call, "function");
        int32_t name = jl_get(doc, function, "name");
        int32_t arguments = jl_get(doc, function, "arguments");
        if (jl_type_of(doc, name) != JL_STRING) return -2;
        char id[96];
        snprintf(id, sizeof id, "call_%d_%.64s", *count, request_id);
        rc |= jl_buf_puts(out, first ? "{\"index\":" : ",{\"index\":");
        rc |= jl_buf_put_int(out, *count);
        rc |= jl_buf_puts(out, ",\"id\":");
        rc |= jl_buf_put_string(out, id, strlen(id));
        rc |= jl_buf_puts(out, ",\"type\":\"function\",\"function\":{\"name\":");
        rc |= jl_buf_put(out, doc->nodes[name].raw, doc->nodes[name].raw_len);
        rc |= jl_buf_puts(out, ",\"arguments\":");
        /* OpenAI carries arguments as JSON text inside a string. */
        if (jl_type_of(doc, arguments) == JL_STRING) rc |= jl_buf_put(out, doc->nodes[arguments].raw, doc->nodes[arguments].raw_len);
        else if (arguments >= 0) rc |= jl_buf_put_string(out, doc->nodes[arguments].raw, doc->nodes[arguments].raw_len);
        else rc |= jl_buf_puts(out, "\"{}\"");
        rc |= jl_buf_puts(out, "}}");
        (*count)++;
        first = 0;
    }
    rc |= jl_buf_puts(out, "]");
    return rc;
}

/* An error body in the OpenAI shape from Ollama's {"error": "..."} (or anything else). */
static int put_error_body(jl_buf *out, const char *message, size_t len, const char *type, const char *code) {
    int rc = jl_buf_puts(out, "{\"error\":{\"message\":");
    rc |= jl_buf_put_string(out, message, len);
    rc |= jl_buf_puts(out, ",\"type\":\"");
    rc |= jl_buf_puts(out, type);
    rc |= jl_buf_puts(out, "\",\"param\":null,\"code\":");
    if (code) {
        rc |= jl_buf_puts(out, "\"");
        rc |= jl_buf_puts(out, code);
        rc |= jl_buf_puts(out, "\"");
    } else {
        rc |= jl_buf_puts(out, "null");
    }
    rc |= jl_buf_puts(out, "}}");
    return rc;
}

/* The message of Ollama's "error" member (a string, or an object with "message"), decoded into `out`. */
static void error_message(const jl_doc *doc, int32_t error, jl_buf *out) {
    if (jl_type_of(doc, error) == JL_STRING) jl_decode_string(doc, error, out);
    else jl_decode_string(doc, jl_get(doc, error, "message"), out);
}

static gw_status ollama_translate_response(const gw_instance *inst, const gw_request *req, const gw_response *resp,
                                           gw_emit_fn emit, void *ctx, gw_error *err) {
    (void)inst;
    if (!req || !resp || !emit) return fail(err, GW_ERR_INTERNAL, "translate_response got a NULL argument");
    jl_doc doc;
    int32_t root = jl_parse(&doc, resp->body.ptr, resp->body.len);
    if (root < 0 || jl_type_of(&doc, root) != JL_OBJECT) {
        jl_free(&doc);
        return fail(err, GW_ERR_UPSTREAM_FORMAT, "the upstream answer is not a JSON object");
    }
    gw_status status = GW_OK;
    jl_buf out = {0};
    int32_t error = jl_get(&doc, root, "error");
    int32_t message = jl_get(&doc, root, "message");
    int32_t model = jl_get(&doc, root, "model");
    int32_t done = jl_get(&doc, root, "done");
    if (error >= 0 && jl_type_of(&doc, error) != JL_NULL) {
        jl_buf text = {0};
        error_message(&doc, error, &text);
        int rc = put_error_body(&out, text.len ? text.data : "the upstream reported an error", text.len ? text.len : 30, "upstream_error", "upstream_error");
        jl_buf_free(&text);
        if (rc || emit_value(emit, ctx, GW_OUT_ERROR, out.data, out.len, 0, 502)) status = fail(err, GW_ERR_ABORTED, "aborted by the host");
    } else if (jl_type_of(&doc, message) != JL_OBJECT || jl_type_of(&doc, model) != JL_STRING || jl_type_of(&doc, done) != JL_TRUE) {
        status = fail(err, GW_ERR_UPSTREAM_FORMAT, "the upstream answer is not a finished Ollama chat answer (message, model, done: true)");
    } else {
        int32_t content = jl_get(&doc, message, "content");
        int32_t thinking = jl_get(&doc, message, "thinking");
        int32_t calls = jl_get(&doc, message, "tool_calls");
        int has_calls = jl_type_of(&doc, calls) == JL_ARRAY && doc.nodes[calls].first >= 0;
        long long prompt = jl_integer(&doc, jl_get(&doc, root, "prompt_eval_count"), 0);
        long long completion = jl_integer(&doc, jl_get(&doc, root, "eval_count"), 0);
        const char *finish = finish_reason(&doc, jl_get(&doc, root, "done_reason"), has_calls);
        char id[96];
        snprintf(id, sizeof id, "chatcmpl-%.*s", (int)(req->request_id.len > 64 ? 64 : req->request_id.len), req->request_id.ptr ? req->request_id.ptr : "");
        int count = 0;
        int rc = jl_buf_puts(&out, "{\"id\":");
        rc |= jl_buf_put_string(&out, id, strlen(id));
        rc |= jl_buf_puts(&out, ",\"object\":\"chat.completion\",\"created\":");
        rc |= jl_buf_put_int(&out, parse_timestamp(&doc, jl_get(&doc, root, "created_at")));
        rc |= jl_buf_puts(&out, ",\"model\":");
        rc |= jl_buf_put(&out, doc.nodes[model].raw, doc.nodes[model].raw_len);
        rc |= jl_buf_puts(&out, ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":");
        if (jl_type_of(&doc, content) == JL_STRING) rc |= jl_buf_put(&out, doc.nodes[content].raw, doc.nodes[content].raw_len);
        else rc |= jl_buf_puts(&out, has_calls ? "null" : "\"\"");
        rc |= jl_buf_puts(&out, ",\"refusal\":null");
        if (jl_type_of(&doc, thinking) == JL_STRING && doc.nodes[thinking].raw_len > 2) {
            rc |= jl_buf_puts(&out, ",\"reasoning_content\":");
            rc |= jl_buf_put(&out, doc.nodes[thinking].raw, doc.nodes[thinking].raw_len);
        }
        if (has_calls) {
            rc |= jl_buf_puts(&out, ",");
            int r = put_tool_calls(&out, &doc, calls, &count, id);
            if (r == -2) status = fail(err, GW_ERR_UPSTREAM_FORMAT, "a tool call without a function name");
            rc |= r < 0 ? 0 : r;
        }
        rc |= jl_buf_puts(&out, "},\"logprobs\":null,\"finish_reason\":\"");
        rc |= jl_buf_puts(&out, finish);
        rc |= jl_buf_puts(&out, "\"}],\"usage\":{\"prompt_tokens\":");
        rc |= jl_buf_put_int(&out, prompt);
        rc |= jl_buf_puts(&out, ",\"completion_tokens\":");
        rc |= jl_buf_put_int(&out, completion);
        rc |= jl_buf_puts(&out, ",\"total_tokens\":");
        rc |= jl_buf_put_int(&out, prompt + completion);
        rc |= jl_buf_puts(&out, "}}");
        if (status == GW_OK) {
            if (rc) {
                status = fail(err, GW_ERR_INTERNAL, "out of memory");
            } else if (emit_value(emit, ctx, GW_OUT_MODEL, doc.nodes[model].raw + 1, doc.nodes[model].raw_len - 2, 0, 0) ||
                       emit_usage(emit, ctx, prompt, completion) ||
                       emit_value(emit, ctx, GW_OUT_FINISH, finish, strlen(finish), 0, 0) ||
                       emit_value(emit, ctx, GW_OUT_RESPONSE, out.data, out.len, 0, 0)) {
                status = fail(err, GW_ERR_ABORTED, "aborted by the host");
            }
        }
    }
    jl_buf_free(&out);
    jl_free(&doc);
    return status;
}

static gw_status ollama_translate_error(const gw_instance *inst, const gw_request *req, const gw_response *resp,
                                        gw_emit_fn emit, void *ctx, gw_error *err) {
    (void)inst;
    (void)req;
    if (!resp || !emit) return fail(err, GW_ERR_INTERNAL, "translate_error got a NULL argument");
    int32_t status = (resp->status >= 400 && resp->status <= 599) ? resp->status : 502;
    const char *type = "upstream_error";
    const char *code = NULL;
    switch (status) {
    case 400: type = "invalid_request_error"; break;
    case 401: type = "authentication_error"; code = "invalid_api_key"; break;
    case 403: type = "permission_error"; break;
    case 404: type = "invalid_request_error"; code = "model_not_found"; break;
    case 429: type = "rate_limit_error"; code = "rate_limit_exceeded"; break;
    default: if (status >= 500) type = "server_error"; break;
    }
    jl_doc doc;
    jl_buf text = {0};
    int32_t root = jl_parse(&doc, resp->body.ptr, resp->body.len);
    if (root >= 0) error_message(&doc, jl_get(&doc, root, "error"), &text);
    jl_free(&doc);
    char fallback[64];
    snprintf(fallback, sizeof fallback, "upstream returned HTTP %d", (int)resp->status);
    jl_buf out = {0};
    int rc = text.len ? put_error_body(&out, text.data, text.len, type, code) : put_error_body(&out, fallback, strlen(fallback), type, code);
    jl_buf_free(&text);
    uint32_t flags = (status == 400 || status == 401 || status == 403 || status == 404) ? GW_ERROR_NO_RETRY : 0;
    gw_status result = GW_OK;
    if (rc) result = fail(err, GW_ERR_INTERNAL, "out of memory");
    else if (emit_value(emit, ctx, GW_OUT_ERROR, out.data, out.len, flags, status)) result = fail(err, GW_ERR_ABORTED, "aborted by the host");
    jl_buf_free(&out);
    return result;
}

/* ---- streams: one JSON object per line ------------------------------------------------------------------ */

struct gw_stream {
    jl_buf line;          /* the line being received */
    char request_id[80];
    char id[96];          /* chatcmpl-<request id> */
    jl_buf model;         /* the model's JSON string literal, from the first line */
    long long created;
    int started;          /* the role chunk was sent */
    int tool_calls;       /* tool calls sent so far */
    int done;             /* saw "done": true */
    int errored;          /* sent an error event */
};

static gw_status ollama_create_stream(const gw_instance *inst, const gw_request *req, gw_stream **out, gw_error *err) {
    if (!out) return fail(err, GW_ERR_INTERNAL, "create_stream got a NULL out pointer");
    *out = NULL;
    if (!inst || !req) return fail(err, GW_ERR_INTERNAL, "create_stream got a NULL argument");
    gw_stream *s = calloc(1, sizeof *s);
    if (!s) return fail(err, GW_ERR_INTERNAL, "out of memory");
    size_t n = req->request_id.len < sizeof s->request_id - 1 ? req->request_id.len : sizeof s->request_id - 1;
    if (n) memcpy(s->request_id, req->request_id.ptr, n);
    snprintf(s->id, sizeof s->id, "chatcmpl-%s", s->request_id);
    *out = s;
    return GW_OK;
}

static void ollama_destroy_stream(gw_stream *s) {
    if (!s) return;
    jl_buf_free(&s->line);
    jl_buf_free(&s->model);
    free(s);
}

/* `{"id":...,"object":"chat.completion.chunk","created":...,"model":...,"choices":[` */
static int chunk_head(gw_stream *s, jl_buf *out) {
    int rc = jl_buf_puts(out, "{\"id\":");
    rc |= jl_buf_put_string(out, s->id, strlen(s->id));
    rc |= jl_buf_puts(out, ",\"object\":\"chat.completion.chunk\",\"created\":");
    rc |= jl_buf_put_int(out, s->created);
    rc |= jl_buf_puts(out, ",\"model\":");
    rc |= s->model.len ? jl_buf_put(out, s->model.data, s->model.len) : jl_buf_puts(out, "\"\"");
    rc |= jl_buf_puts(out, ",\"choices\":[");
    return rc;
}

/* Emits a chunk whose delta is `delta` (a JSON object body without braces) and finish reason `finish` (or null). */
static int emit_chunk(gw_stream *s, const char *delta, size_t delta_len, const char *finish, gw_emit_fn emit, void *ctx) {
    jl_buf out = {0};
    int rc = chunk_head(s, &out);
    rc |= jl_buf_puts(&out, "{\"index\":0,\"delta\":{");
    rc |= jl_buf_put(&out, delta, delta_len);
    rc |= jl_buf_puts(&out, "},\"logprobs\":null,\"finish_reason\":");
    if (finish) {
        rc |= jl_buf_puts(&out, "\"");
        rc |= jl_buf_puts(&out, finish);
        rc |= jl_buf_puts(&out, "\"");
    } else {
        rc |= jl_buf_puts(&out, "null");
    }
    rc |= jl_buf_puts(&out, "}]}");
    if (rc == 0) rc = emit_value(emit, ctx, GW_OUT_CHUNK, out.data, out.len, 0, 0) ? 1 : 0;
    jl_buf_free(&out);
    return rc;
}

/* One complete line. */
static gw_status handle_line(gw_stream *s, const char *line, size_t len, gw_emit_fn emit, void *ctx, gw_error *err) {
    while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t')) len--;
    size_t start = 0;
    while (start < len && (line[start] == ' ' || line[start] == '\t')) start++;
    if (start == len || s->done || s->errored) return GW_OK; /* blank lines, and nothing after the end */
    jl_doc doc;
    int32_t root = jl_parse(&doc, line + start, len - start);
    if (root < 0 || jl_type_of(&doc, root) != JL_OBJECT) {
        jl_free(&doc);
        return fail(err, GW_ERR_UPSTREAM_FORMAT, "a stream line is not a JSON object");
    }
    gw_status status = GW_OK;
    jl_buf delta = {0};
    int32_t error = jl_get(&doc, root, "error");
    int32_t done = jl_get(&doc, root, "done");
    int32_t message = jl_get(&doc, root, "message");
    if (error >= 0 && jl_type_of(&doc, error) != JL_NULL) {
        /* An error after the 200: the final event of the stream. */
        jl_buf text = {0}, out = {0};
        error_message(&doc, error, &text);
        int rc = put_error_body(&out, text.len ? text.data : "the upstream stream reported an error", text.len ? text.len : 37, "server_error", "upstream_error");
        s->errored = 1;
        if (rc) status = fail(err, GW_ERR_INTERNAL, "out of memory");
        else if (emit_value(emit, ctx, GW_OUT_ERROR, out.data, out.len, 0, 502)) status = fail(err, GW_ERR_ABORTED, "aborted by the host");
        jl_buf_free(&text);
        jl_buf_free(&out);
        jl_free(&doc);
        return status;
    }
    if ((jl_type_of(&doc, done) != JL_TRUE && jl_type_of(&doc, done) != JL_FALSE) ||
        (message >= 0 && jl_type_of(&doc, message) != JL_OBJECT)) {
        jl_free(&doc);
        return fail(err, GW_ERR_UPSTREAM_FORMAT, "a stream line is not an Ollama chat chunk (done must be a boolean, message an object)");
    }
    if (!s->started) {
        int32_t model = jl_get(&doc, root, "model");
        if (jl_type_of(&doc, model) == JL_STRING) {
            jl_buf_put(&s->model, doc.nodes[model].raw, doc.nodes[model].raw_len);
            if (emit_value(emit, ctx, GW_OUT_MODEL, doc.nodes[model].raw + 1, doc.nodes[model].raw_len - 2, 0, 0)) status = GW_ERR_ABORTED;
        }
        s->created = parse_timestamp(&doc, jl_get(&doc, root, "created_at"));
        static const char role[] = "\"role\":\"assistant\",\"content\":\"\"";
        if (status == GW_OK && emit_chunk(s, role, sizeof role - 1, NULL, emit, ctx)) status = GW_ERR_ABORTED;
        s->started = 1;
    }
    int32_t content = jl_get(&doc, message, "content");
    int32_t thinking = jl_get(&doc, message, "thinking");
    int32_t calls = jl_get(&doc, message, "tool_calls");
    if (status == GW_OK && jl_type_of(&doc, thinking) == JL_STRING && doc.nodes[thinking].raw_len > 2) {
        int rc = jl_buf_puts(&delta, "\"reasoning_content\":");
        rc |= jl_buf_put(&delta, doc.nodes[thinking].raw, doc.nodes[thinking].raw_len);
        if (rc || emit_chunk(s, delta.data, delta.len, NULL, emit, ctx)) status = GW_ERR_ABORTED;
        delta.len = 0;
    }
    if (status == GW_OK && jl_type_of(&doc, content) == JL_STRING && doc.nodes[content].raw_len > 2) {
        int rc = jl_buf_puts(&delta, "\"content\":");
        rc |= jl_buf_put(&delta, doc.nodes[content].raw, doc.nodes[content].raw_len);
        if (rc || emit_chunk(s, delta.data, delta.len, NULL, emit, ctx)) status = GW_ERR_ABORTED;
        delta.len = 0;
    } else if (status == GW_OK && content >= 0 && jl_type_of(&doc, content) != JL_STRING && jl_type_of(&doc, content) != JL_NULL) {
        status = fail(err, GW_ERR_UPSTREAM_FORMAT, "message.content of a stream line is not a string");
    }
    if (status == GW_OK && jl_type_of(&doc, calls) == JL_ARRAY && doc.nodes[calls].first >= 0) {
        int r = put_tool_calls(&delta, &doc, calls, &s->tool_calls, s->request_id);
        if (r == -2) status = fail(err, GW_ERR_UPSTREAM_FORMAT, "a tool call without a function name");
        else if (r || emit_chunk(s, delta.data, delta.len, NULL, emit, ctx)) status = GW_ERR_ABORTED;
        delta.len = 0;
    }
    if (status == GW_OK && jl_type_of(&doc, done) == JL_TRUE) {
        /* The last line: the finish reason, then the token counts as a usage-only chunk. */
        const char *finish = finish_reason(&doc, jl_get(&doc, root, "done_reason"), s->tool_calls > 0);
        long long prompt = jl_integer(&doc, jl_get(&doc, root, "prompt_eval_count"), 0);
        long long completion = jl_integer(&doc, jl_get(&doc, root, "eval_count"), 0);
        jl_buf usage = {0};
        int rc = chunk_head(s, &usage);
        rc |= jl_buf_puts(&usage, "],\"usage\":{\"prompt_tokens\":");
        rc |= jl_buf_put_int(&usage, prompt);
        rc |= jl_buf_puts(&usage, ",\"completion_tokens\":");
        rc |= jl_buf_put_int(&usage, completion);
        rc |= jl_buf_puts(&usage, ",\"total_tokens\":");
        rc |= jl_buf_put_int(&usage, prompt + completion);
        rc |= jl_buf_puts(&usage, "}}");
        if (rc || emit_chunk(s, "", 0, finish, emit, ctx) ||
            emit_value(emit, ctx, GW_OUT_FINISH, finish, strlen(finish), 0, 0) ||
            emit_value(emit, ctx, GW_OUT_CHUNK, usage.data, usage.len, GW_CHUNK_USAGE_ONLY, 0) ||
            emit_usage(emit, ctx, prompt, completion))
            status = GW_ERR_ABORTED;
        jl_buf_free(&usage);
        s->done = 1;
    }
    if (status == GW_ERR_ABORTED) fail(err, GW_ERR_ABORTED, "aborted by the host");
    jl_buf_free(&delta);
    jl_free(&doc);
    return status;
}

static gw_status ollama_feed_stream(gw_stream *s, gw_str bytes, gw_emit_fn emit, void *ctx, gw_error *err) {
    if (!s || !emit) return fail(err, GW_ERR_INTERNAL, "feed_stream got a NULL argument");
    if (bytes.len && !bytes.ptr) return fail(err, GW_ERR_INTERNAL, "feed_stream got NULL bytes");
    size_t start = 0;
    for (size_t i = 0; i < bytes.len; i++) {
        if (bytes.ptr[i] != '\n') continue;
        gw_status status;
        if (s->line.len) { /* the line began in an earlier piece */
            if (jl_buf_put(&s->line, bytes.ptr + start, i - start) != 0) return fail(err, GW_ERR_INTERNAL, "out of memory");
            status = handle_line(s, s->line.data, s->line.len, emit, ctx, err);
            s->line.len = 0;
        } else {
            status = handle_line(s, bytes.ptr + start, i - start, emit, ctx, err);
        }
        if (status != GW_OK) return status;
        start = i + 1;
    }
    if (s->line.len + (bytes.len - start) > MAX_LINE) return fail(err, GW_ERR_UPSTREAM_FORMAT, "a stream line is longer than 8 MiB");
    if (jl_buf_put(&s->line, bytes.ptr + start, bytes.len - start) != 0) return fail(err, GW_ERR_INTERNAL, "out of memory");
    return GW_OK;
}

static gw_status ollama_finish_stream(gw_stream *s, gw_emit_fn emit, void *ctx, gw_error *err) {
    if (!s || !emit) return fail(err, GW_ERR_INTERNAL, "finish_stream got a NULL argument");
    if (s->line.len) { /* a last line without a line break */
        gw_status status = handle_line(s, s->line.data, s->line.len, emit, ctx, err);
        s->line.len = 0;
        if (status != GW_OK) return status;
    }
    if (s->done || s->errored) return GW_OK;
    return fail(err, GW_ERR_UPSTREAM_FORMAT, "the stream ended before a line with \"done\": true (cut short)");
}

/* ---- the descriptor and the entry point ----------------------------------------------------------------- */

static const gw_plugin_descriptor descriptor = {
    .struct_size = sizeof(gw_plugin_descriptor),
    .abi_version = GW_ABI_VERSION,
    .name = "ollama",
    .version = ADAPTER_VERSION,
    .display_name = "Ollama (native API)",
    .default_base_url = "http://127.0.0.1:11434",
    .capabilities = GW_CAP_STREAMING | GW_CAP_TOOLS | GW_CAP_VISION | GW_CAP_JSON_MODE | GW_CAP_REASONING,
    .create_instance = ollama_create_instance,
    .destroy_instance = ollama_destroy_instance,
    .translate_request = ollama_translate_request,
    .translate_response = ollama_translate_response,
    .translate_error = ollama_translate_error,
    .create_stream = ollama_create_stream,
    .feed_stream = ollama_feed_stream,
    .finish_stream = ollama_finish_stream,
    .destroy_stream = ollama_destroy_stream,
};

const gw_plugin_descriptor *gateway_plugin_entry(uint32_t host_abi_version, const gw_host_api *host) {
    if (GW_ABI_VERSION_MAJOR(host_abi_version) != GW_ABI_MAJOR) return NULL; /* the host logs the refusal */
    host_api = host;
    log_line(GW_LOG_INFO, "ollama adapter " ADAPTER_VERSION " ready");
    return &descriptor;
}
