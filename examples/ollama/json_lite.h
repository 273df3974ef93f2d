/*
 * json_lite.h - a small, strict JSON reader and writer in C11 for the example adapter.
 *
 * Reader: parses a whole document into an array of nodes that point into the source text (nothing is copied
 * until asked), validating everything an adapter must not trust: syntax, UTF-8, escapes, nesting depth.
 * Writer: a growable byte buffer with JSON string escaping.
 *
 * A production adapter can use any JSON library instead (cJSON, yyjson, jansson); this one exists so the example
 * builds with nothing but a C compiler.
 */
#ifndef JSON_LITE_H
#define JSON_LITE_H

#include <stddef.h>
#include <stdint.h>

typedef enum { JL_NULL, JL_FALSE, JL_TRUE, JL_NUMBER, JL_STRING, JL_ARRAY, JL_OBJECT } jl_type;

/* One value. `raw` is its exact text in the source (for strings: with the quotes). Children of arrays and
 * objects form a list through `first` and `next` (indices into the document's nodes, -1 for none); in objects,
 * `key` is the member name as written (without quotes, escapes not decoded). */
typedef struct {
    jl_type type;
    int32_t first;
    int32_t next;
    const char *raw;
    size_t raw_len;
    const char *key;
    size_t key_len;
} jl_node;

typedef struct {
    jl_node *nodes;
    int32_t count;
    int32_t capacity;
    const char *error; /* why parsing failed (static text) */
} jl_doc;

/* Parses `len` bytes. Returns the root node index (0), or -1 with doc->error set. Free with jl_free. */
int32_t jl_parse(jl_doc *doc, const char *text, size_t len);
void jl_free(jl_doc *doc);

/* The member `key` of object `obj`, or -1. Keys are compared after decoding escapes. */
int32_t jl_get(const jl_doc *doc, int32_t obj, const char *key);
/* The type of a node, or JL_NULL for -1 (so absent and null read alike). */
jl_type jl_type_of(const jl_doc *doc, int32_t node);

/* A growable byte buffer. All functions return 0 on success and -1 when out of memory (the buffer then stays
 * valid and can be freed). */
typedef struct {
    char *data;
    size_t len;
    size_t cap;
} jl_buf;

int jl_buf_put(jl_buf *b, const char *bytes, size_t len);
int jl_buf_puts(jl_buf *b, const char *text);
/* Appends `text` as a JSON string literal, with quotes. `text` must be valid UTF-8. */
int jl_buf_put_string(jl_buf *b, const char *text, size_t len);
int jl_buf_put_int(jl_buf *b, long long value);
void jl_buf_free(jl_buf *b);

/* Decodes string node `node` (escapes resolved) into `out` (appended, not NUL-terminated). Returns 0, or -1 when
 * the node is not a string or memory ran out. */
int jl_decode_string(const jl_doc *doc, int32_t node, jl_buf *out);
/* Whether string node `node` equals `text` after decoding. */
int jl_string_equals(const jl_doc *doc, int32_t node, const char *text);
/* The value of an integer number node, or `fallback` when the node is not a number with an integral value. */
long long jl_integer(const jl_doc *doc, int32_t node, long long fallback);

#endif
