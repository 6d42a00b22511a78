/*
 * mt_json: strict JSON -> BSON parsing for request bodies, and BSON -> JSON for responses.
 *
 * Parsing (RFC 8259) rejects, with the byte offset in the message: duplicate keys, trailing
 * data, nesting deeper than MT_JSON_MAX_DEPTH, invalid UTF-8 (overlongs, surrogates, beyond
 * U+10FFFF), lone surrogate escapes, raw control characters, numbers outside the double
 * range, and a byte order mark. Without MT_JSON_TRUSTED it also rejects "\u0000" and keys
 * that start with '$' or contain '.', which rules out Extended JSON ({"$date": ...}) and
 * MongoDB operators. Integers become int32 when they fit, else int64, else double; numbers
 * with a fraction or an exponent become double.
 *
 * Output writes ids and dates as plain strings: BSON date-times as RFC 3339 UTC, ObjectIds
 * as 24 hex digits, binary as standard base64. Non-finite doubles become null.
 */
#ifndef MT_JSON_H
#define MT_JSON_H

#include "mt_buf.h"
#include "mt_error.h"

#include <bson/bson.h>
#include <stdbool.h>
#include <stddef.h>

#define MT_JSON_MAX_DEPTH 32          /* request bodies */
#define MT_JSON_TRUSTED_MAX_DEPTH 512 /* schemas and test data */

typedef enum {
  MT_JSON_STRICT = 0,
  /* Trusted documents (schemas, test vectors): '$' and '.' in keys and "\u0000" in strings
   * are allowed, and nesting may go to MT_JSON_TRUSTED_MAX_DEPTH. */
  MT_JSON_TRUSTED = 1 << 0,
} mt_json_flags_t;

/*
 * Parses @len bytes holding exactly one JSON object into @out.
 * @out is always initialised (empty on failure); the caller destroys it.
 * Errors: MT_DOMAIN_JSON / MT_ERR_BAD_REQUEST.
 */
bool mt_json_parse_object (const char *data, size_t len, int flags, bson_t *out, mt_error_t *error);

/*
 * Parses @len bytes holding exactly one JSON value of any type and appends it to @parent
 * under @key. On failure @parent may hold a partial value under @key.
 */
bool mt_json_parse_value (const char *data, size_t len, int flags, bson_t *parent, const char *key,
                          mt_error_t *error);

/* Appends @doc as a JSON object. Returns false if @buf failed (too long). */
bool mt_json_append_document (mt_buf_t *buf, const bson_t *doc);

/* Appends @doc as a JSON array (keys ignored). */
bool mt_json_append_array (mt_buf_t *buf, const bson_t *doc);

/* Appends the value at @iter. */
bool mt_json_append_value (mt_buf_t *buf, const bson_iter_t *iter);

/* Appends @len bytes of UTF-8 @str as a quoted, escaped JSON string. */
bool mt_json_append_string (mt_buf_t *buf, const char *str, size_t len);

/* Convenience: @doc as a malloc'd JSON object text (free() it); NULL on allocation failure. */
char *mt_json_from_bson (const bson_t *doc, size_t *len);

/* True when @len bytes at @data are valid UTF-8 (no surrogates, no overlongs). */
bool mt_utf8_is_valid (const char *data, size_t len);

/* Number of code points in valid UTF-8 @data. */
size_t mt_utf8_length (const char *data, size_t len);

#endif
