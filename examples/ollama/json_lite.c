/* json_lite.c - see json_lite.h. */
#include "json_lite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JL_MAX_DEPTH 64

typedef struct {
    jl_doc *doc;
    const unsigned char *p;
    const unsigned char *end;
} jl_parser;

static int32_t new_node(jl_parser *ps, jl_type type, const unsigned char *start) {
    jl_doc *doc = ps->doc;
    if (doc->count == doc->capacity) {
        int32_t cap = doc->capacity ? doc->capacity * 2 : 64;
        jl_node *grown = realloc(doc->nodes, (size_t)cap * sizeof *grown);
        if (!grown) {
            doc->error = "out of memory";
            return -1;
        }
        doc->nodes = grown;
        doc->capacity = cap;
    }
    int32_t i = doc->count++;
    jl_node *n = &doc->nodes[i];
    memset(n, 0, sizeof *n);
    n->type = type;
    n->first = -1;
    n->next = -1;
    n->raw = (const char *)start;
    return i;
}

static void skip_space(jl_parser *ps) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) ps->p++;
}

static int fail(jl_parser *ps, const char *why) {
    if (!ps->doc->error) ps->doc->error = why;
    return -1;
}

/* Length of the UTF-8 sequence at p (1-4), or 0 when it is not valid UTF-8. */
static size_t utf8_length(const unsigned char *p, const unsigned char *end) {
    unsigned char c = p[0];
    if (c < 0x80) return 1;
    size_t n;
    unsigned int min;
    unsigned int cp;
    if (c >= 0xC2 && c <= 0xDF) { n = 2; cp = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 3; cp = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 4; cp = c & 0x07; min = 0x10000; }
    else return 0;
    if ((size_t)(end - p) < n) return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

static int hex4(const unsigned char *p, unsigned int *out) {
    unsigned int v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned int)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned int)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned int)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

/* Checks a string starting at the opening quote; leaves ps->p after the closing quote. */
static int scan_string(jl_parser *ps) {
    ps->p++; /* opening quote */
    while (ps->p < ps->end) {
        unsigned char c = *ps->p;
        if (c == '"') {
            ps->p++;
            return 0;
        }
        if (c < 0x20) return fail(ps, "a control character in a string");
        if (c == '\\') {
            if (ps->end - ps->p < 2) return fail(ps, "a truncated escape");
            unsigned char e = ps->p[1];
            if (e == 'u') {
                unsigned int cp;
                if (ps->end - ps->p < 6 || hex4(ps->p + 2, &cp) != 0) return fail(ps, "a bad \\u escape");
                ps->p += 6;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    unsigned int low;
                    if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u' || hex4(ps->p + 2, &low) != 0 || low < 0xDC00 || low > 0xDFFF)
                        return fail(ps, "an unpaired surrogate escape");
                    ps->p += 6;
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    return fail(ps, "an unpaired surrogate escape");
                }
                continue;
            }
            if (!strchr("\"\\/bfnrt", e) || e == 0) return fail(ps, "a bad escape");
            ps->p += 2;
            continue;
        }
        size_t n = utf8_length(ps->p, ps->end);
        if (n == 0) return fail(ps, "invalid UTF-8");
        ps->p += n;
    }
    return fail(ps, "an unterminated string");
}

static int scan_number(jl_parser *ps) {
    const unsigned char *p = ps->p;
    if (p < ps->end && *p == '-') p++;
    if (p >= ps->end) return fail(ps, "a bad number");
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (p < ps->end && *p >= '0' && *p <= '9') p++;
    } else {
        return fail(ps, "a bad number");
    }
    if (p < ps->end && *p == '.') {
        p++;
        if (p >= ps->end || *p < '0' || *p > '9') return fail(ps, "a bad number");
        while (p < ps->end && *p >= '0' && *p <= '9') p++;
    }
    if (p < ps->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < ps->end && (*p == '+' || *p == '-')) p++;
        if (p >= ps->end || *p < '0' || *p > '9') return fail(ps, "a bad number");
        while (p < ps->end && *p >= '0' && *p <= '9') p++;
    }
    ps->p = p;
    return 0;
}

static int32_t parse_value(jl_parser *ps, int depth);

static int32_t parse_container(jl_parser *ps, int depth, int object) {
    int32_t self = new_node(ps, object ? JL_OBJECT : JL_ARRAY, ps->p);
    if (self < 0) return -1;
    ps->p++;
    skip_space(ps);
    int32_t last = -1;
    unsigned char close = object ? '}' : ']';
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        goto done;
    }
    for (;;) {
        const unsigned char *key = NULL;
        size_t key_len = 0;
        if (object) {
            skip_space(ps);
            if (ps->p >= ps->end || *ps->p != '"') return fail(ps, "an object key must be a string");
            const unsigned char *start = ps->p;
            if (scan_string(ps) != 0) return -1;
            key = start + 1;
            key_len = (size_t)(ps->p - start) - 2;
            skip_space(ps);
            if (ps->p >= ps->end || *ps->p != ':') return fail(ps, "a missing ':' in an object");
            ps->p++;
        }
        int32_t child = parse_value(ps, depth + 1);
        if (child < 0) return -1;
        ps->doc->nodes[child].key = (const char *)key;
        ps->doc->nodes[child].key_len = key_len;
        if (last < 0) ps->doc->nodes[self].first = child;
        else ps->doc->nodes[last].next = child;
        last = child;
        skip_space(ps);
        if (ps->p >= ps->end) return fail(ps, "an unterminated array or object");
        if (*ps->p == ',') {
            ps->p++;
            continue;
        }
        if (*ps->p == close) {
            ps->p++;
            break;
        }
        return fail(ps, "a missing ',' in an array or object");
    }
done:
    ps->doc->nodes[self].raw_len = (size_t)(ps->p - (const unsigned char *)ps->doc->nodes[self].raw);
    return self;
}

static int32_t parse_value(jl_parser *ps, int depth) {
    if (depth > JL_MAX_DEPTH) {
        fail(ps, "nesting too deep");
        return -1;
    }
    skip_space(ps);
    if (ps->p >= ps->end) {
        fail(ps, "unexpected end of input");
        return -1;
    }
    const unsigned char *start = ps->p;
    unsigned char c = *ps->p;
    int32_t node;
    if (c == '{' || c == '[') return parse_container(ps, depth, c == '{');
    if (c == '"') {
        node = new_node(ps, JL_STRING, start);
        if (node < 0 || scan_string(ps) != 0) return -1;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        node = new_node(ps, JL_NUMBER, start);
        if (node < 0 || scan_number(ps) != 0) return -1;
    } else {
        static const struct { const char *word; jl_type type; } words[] = {{"true", JL_TRUE}, {"false", JL_FALSE}, {"null", JL_NULL}};
        node = -1;
        for (size_t i = 0; i < 3; i++) {
            size_t n = strlen(words[i].word);
            if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, words[i].word, n) == 0) {
                node = new_node(ps, words[i].type, start);
                if (node < 0) return -1;
                ps->p += n;
                break;
            }
        }
        if (node < 0) {
            fail(ps, "an unexpected character");
            return -1;
        }
    }
    ps->doc->nodes[node].raw_len = (size_t)(ps->p - start);
    return node;
}

int32_t jl_parse(jl_doc *doc, const char *text, size_t len) {
    memset(doc, 0, sizeof *doc);
    jl_parser ps = {doc, (const unsigned char *)text, (const unsigned char *)text + len};
    if (!text && len) {
        doc->error = "no input";
        return -1;
    }
    int32_t root = parse_value(&ps, 0);
    if (root < 0) return -1;
    skip_space(&ps);
    if (ps.p != ps.end) {
        doc->error = "unexpected bytes after the JSON value";
        return -1;
    }
    return root;
}

void jl_free(jl_doc *doc) {
    free(doc->nodes);
    memset(doc, 0, sizeof *doc);
}

jl_type jl_type_of(const jl_doc *doc, int32_t node) {
    return node < 0 ? JL_NULL : doc->nodes[node].type;
}

/* Decodes the escapes of a validated string body (without quotes). */
static int decode(const char *s, size_t len, jl_buf *out) {
    size_t i = 0;
    while (i < len) {
        size_t run = i;
        while (run < len && s[run] != '\\') run++;
        if (run > i && jl_buf_put(out, s + i, run - i) != 0) return -1;
        i = run;
        if (i >= len) break;
        char e = s[i + 1];
        if (e == 'u') {
            unsigned int cp;
            hex4((const unsigned char *)s + i + 2, &cp);
            i += 6;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                unsigned int low;
                hex4((const unsigned char *)s + i + 2, &low);
                i += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            }
            char utf8[4];
            size_t n;
            if (cp < 0x80) { utf8[0] = (char)cp; n = 1; }
            else if (cp < 0x800) { utf8[0] = (char)(0xC0 | (cp >> 6)); utf8[1] = (char)(0x80 | (cp & 0x3F)); n = 2; }
            else if (cp < 0x10000) {
                utf8[0] = (char)(0xE0 | (cp >> 12)); utf8[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); utf8[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
            } else {
                utf8[0] = (char)(0xF0 | (cp >> 18)); utf8[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
                utf8[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); utf8[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
            }
            if (jl_buf_put(out, utf8, n) != 0) return -1;
            continue;
        }
        char c;
        switch (e) {
        case 'b': c = '\b'; break;
        case 'f': c = '\f'; break;
        case 'n': c = '\n'; break;
        case 'r': c = '\r'; break;
        case 't': c = '\t'; break;
        default: c = e; break; /* " \ / */
        }
        if (jl_buf_put(out, &c, 1) != 0) return -1;
        i += 2;
    }
    return 0;
}

int jl_decode_string(const jl_doc *doc, int32_t node, jl_buf *out) {
    if (jl_type_of(doc, node) != JL_STRING) return -1;
    const jl_node *n = &doc->nodes[node];
    return decode(n->raw + 1, n->raw_len - 2, out);
}

static int text_equals_escaped(const char *escaped, size_t len, const char *text) {
    if (!memchr(escaped, '\\', len)) return strlen(text) == len && memcmp(escaped, text, len) == 0;
    jl_buf b = {0};
    int equal = decode(escaped, len, &b) == 0 && b.len == strlen(text) && (b.len == 0 || memcmp(b.data, text, b.len) == 0);
    jl_buf_free(&b);
    return equal;
}

int jl_string_equals(const jl_doc *doc, int32_t node, const char *text) {
    if (jl_type_of(doc, node) != JL_STRING) return 0;
    const jl_node *n = &doc->nodes[node];
    return text_equals_escaped(n->raw + 1, n->raw_len - 2, text);
}

int32_t jl_get(const jl_doc *doc, int32_t obj, const char *key) {
    if (jl_type_of(doc, obj) != JL_OBJECT) return -1;
    int32_t found = -1; /* the last duplicate wins, as in most parsers */
    for (int32_t c = doc->nodes[obj].first; c >= 0; c = doc->nodes[c].next) {
        if (text_equals_escaped(doc->nodes[c].key, doc->nodes[c].key_len, key)) found = c;
    }
    return found;
}

long long jl_integer(const jl_doc *doc, int32_t node, long long fallback) {
    if (jl_type_of(doc, node) != JL_NUMBER) return fallback;
    const jl_node *n = &doc->nodes[node];
    char text[64];
    if (n->raw_len >= sizeof text) return fallback;
    memcpy(text, n->raw, n->raw_len);
    text[n->raw_len] = '\0';
    char *end = NULL;
    double d = strtod(text, &end);
    if (end != text + n->raw_len || !(d < 9.0e18 && d > -9.0e18) || d != (double)(long long)d) return fallback;
    return (long long)d;
}

/* ---- writer ---------------------------------------------------------------------------------------------- */

int jl_buf_put(jl_buf *b, const char *bytes, size_t len) {
    if (len == 0) return 0;
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + len) cap *= 2;
        char *grown = realloc(b->data, cap);
        if (!grown) return -1;
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, bytes, len);
    b->len += len;
    return 0;
}

int jl_buf_puts(jl_buf *b, const char *text) { return jl_buf_put(b, text, strlen(text)); }

int jl_buf_put_string(jl_buf *b, const char *text, size_t len) {
    if (jl_buf_put(b, "\"", 1) != 0) return -1;
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        if (jl_buf_put(b, text + run, i - run) != 0) return -1;
        char escape[8];
        switch (c) {
        case '"': strcpy(escape, "\\\""); break;
        case '\\': strcpy(escape, "\\\\"); break;
        case '\n': strcpy(escape, "\\n"); break;
        case '\r': strcpy(escape, "\\r"); break;
        case '\t': strcpy(escape, "\\t"); break;
        default: snprintf(escape, sizeof escape, "\\u%04x", c); break;
        }
        if (jl_buf_puts(b, escape) != 0) return -1;
        run = i + 1;
    }
    if (jl_buf_put(b, text + run, len - run) != 0) return -1;
    return jl_buf_put(b, "\"", 1);
}

int jl_buf_put_int(jl_buf *b, long long value) {
    char text[32];
    int n = snprintf(text, sizeof text, "%lld", value);
    return jl_buf_put(b, text, (size_t)n);
}

void jl_buf_free(jl_buf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
