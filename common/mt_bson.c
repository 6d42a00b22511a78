/* mt_bson: field readers and document builders shared by services and routes. */
#include "mt_bson.h"

#include <string.h>

static bool
mt_bson_find (const bson_t *doc, const char *key, bson_iter_t *it)
{
  if (!doc || !bson_iter_init (it, doc)) {
    return false;
  }
  return strchr (key, '.') ? bson_iter_find_descendant (it, key, it) : bson_iter_find (it, key);
}

const char *
mt_bson_str (const bson_t *doc, const char *key)
{
  bson_iter_t it;
  return mt_bson_find (doc, key, &it) && BSON_ITER_HOLDS_UTF8 (&it) ? bson_iter_utf8 (&it, NULL)
                                                                    : NULL;
}

bool
mt_bson_str_eq (const bson_t *doc, const char *key, const char *value)
{
  const char *s = mt_bson_str (doc, key);
  return s && strcmp (s, value) == 0;
}

int64_t
mt_bson_int (const bson_t *doc, const char *key, int64_t def)
{
  bson_iter_t it;

  if (!mt_bson_find (doc, key, &it)) {
    return def;
  }
  switch (bson_iter_type (&it)) {
  case BSON_TYPE_INT32:
    return bson_iter_int32 (&it);
  case BSON_TYPE_INT64:
    return bson_iter_int64 (&it);
  case BSON_TYPE_DOUBLE: {
    double v = bson_iter_double (&it);
    if (v == (double) (int64_t) v) {
      return (int64_t) v;
    }
    return def;
  }
  case BSON_TYPE_EOD:
  case BSON_TYPE_UTF8:
  case BSON_TYPE_DOCUMENT:
  case BSON_TYPE_ARRAY:
  case BSON_TYPE_BINARY:
  case BSON_TYPE_UNDEFINED:
  case BSON_TYPE_OID:
  case BSON_TYPE_BOOL:
  case BSON_TYPE_DATE_TIME:
  case BSON_TYPE_NULL:
  case BSON_TYPE_REGEX:
  case BSON_TYPE_DBPOINTER:
  case BSON_TYPE_CODE:
  case BSON_TYPE_SYMBOL:
  case BSON_TYPE_CODEWSCOPE:
  case BSON_TYPE_TIMESTAMP:
  case BSON_TYPE_DECIMAL128:
  case BSON_TYPE_MAXKEY:
  case BSON_TYPE_MINKEY:
  default:
    return def;
  }
}

bool
mt_bson_bool (const bson_t *doc, const char *key, bool def)
{
  bson_iter_t it;
  return mt_bson_find (doc, key, &it) && BSON_ITER_HOLDS_BOOL (&it) ? bson_iter_bool (&it) : def;
}

int64_t
mt_bson_date (const bson_t *doc, const char *key, int64_t def)
{
  bson_iter_t it;
  return mt_bson_find (doc, key, &it) && BSON_ITER_HOLDS_DATE_TIME (&it) ? bson_iter_date_time (&it)
                                                                         : def;
}

bool
mt_bson_has (const bson_t *doc, const char *key)
{
  bson_iter_t it;
  return mt_bson_find (doc, key, &it);
}

bool
mt_bson_array_has_str (const bson_t *doc, const char *key, const char *value)
{
  bson_iter_t it;
  bson_iter_t child;

  if (!mt_bson_find (doc, key, &it) || !BSON_ITER_HOLDS_ARRAY (&it) ||
      !bson_iter_recurse (&it, &child)) {
    return false;
  }
  while (bson_iter_next (&child)) {
    if (BSON_ITER_HOLDS_UTF8 (&child) && strcmp (bson_iter_utf8 (&child, NULL), value) == 0) {
      return true;
    }
  }
  return false;
}

static bool
mt_bson_listed (const char *key, const char *const *list)
{
  for (; list && *list; list++) {
    if (strcmp (key, *list) == 0) {
      return true;
    }
  }
  return false;
}

void
mt_bson_copy_without (const bson_t *src, bson_t *dst, const char *const *exclude)
{
  bson_iter_t it;

  bson_init (dst);
  if (!bson_iter_init (&it, src)) {
    return;
  }
  while (bson_iter_next (&it)) {
    if (!mt_bson_listed (bson_iter_key (&it), exclude)) {
      bson_append_iter (dst, bson_iter_key (&it), -1, &it);
    }
  }
}

void
mt_bson_merge (const bson_t *base, const bson_t *patch, bson_t *dst)
{
  bson_iter_t it;
  bson_iter_t p;

  bson_init (dst);
  if (bson_iter_init (&it, base)) {
    while (bson_iter_next (&it)) {
      const char *key = bson_iter_key (&it);
      if (bson_iter_init_find (&p, patch, key)) {
        if (!BSON_ITER_HOLDS_NULL (&p)) {
          bson_append_iter (dst, key, -1, &p);
        }
      } else {
        bson_append_iter (dst, key, -1, &it);
      }
    }
  }
  if (bson_iter_init (&p, patch)) {
    while (bson_iter_next (&p)) {
      if (!bson_has_field (base, bson_iter_key (&p)) && !BSON_ITER_HOLDS_NULL (&p)) {
        bson_append_iter (dst, bson_iter_key (&p), -1, &p);
      }
    }
  }
}

void
mt_bson_append_str_array (bson_t *doc, const char *key, const char *const *values)
{
  bson_t arr;
  uint32_t i = 0;

  bson_append_array_begin (doc, key, -1, &arr);
  for (; values && *values; values++) {
    char keybuf[16];
    const char *k;
    size_t n = bson_uint32_to_string (i++, &k, keybuf, sizeof keybuf);
    bson_append_utf8 (&arr, k, (int) n, *values, -1);
  }
  bson_append_array_end (doc, &arr);
}
