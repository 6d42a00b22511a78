/*
 * mt_bson: small readers and writers over libbson used across services and routes, so that
 * the same "get a string field or NULL" logic is written once.
 */
#ifndef MT_BSON_H
#define MT_BSON_H

#include <bson/bson.h>
#include <stdbool.h>
#include <stdint.h>

/* The UTF-8 string at @key (dotted paths allowed: "territory.departement"), or NULL when
 * absent or not a string. Borrowed from @doc. */
const char *mt_bson_str (const bson_t *doc, const char *key);

/* True when the string at @key exists and equals @value. */
bool mt_bson_str_eq (const bson_t *doc, const char *key, const char *value);

/* The integer at @key (int32, int64, or a double with no fraction), or @def. */
int64_t mt_bson_int (const bson_t *doc, const char *key, int64_t def);

/* The boolean at @key, or @def. */
bool mt_bson_bool (const bson_t *doc, const char *key, bool def);

/* The date-time at @key in ms since the epoch, or @def. */
int64_t mt_bson_date (const bson_t *doc, const char *key, int64_t def);

/* True when @key is present (any type, null included). */
bool mt_bson_has (const bson_t *doc, const char *key);

/* True when the array at @key contains the string @value. */
bool mt_bson_array_has_str (const bson_t *doc, const char *key, const char *value);

/*
 * Copies @src into @dst (initialised here) leaving out the top-level keys listed in
 * @exclude (NULL-terminated).
 */
void mt_bson_copy_without (const bson_t *src, bson_t *dst, const char *const *exclude);

/*
 * Builds in @dst (initialised here) @base with the top-level fields of @patch applied:
 * fields of @patch replace those of @base (keeping @base's order, new ones appended); a
 * field of @patch whose value is null removes that field.
 */
void mt_bson_merge (const bson_t *base, const bson_t *patch, bson_t *dst);

/* Appends a string array built from @values (NULL-terminated). */
void mt_bson_append_str_array (bson_t *doc, const char *key, const char *const *values);

#endif
