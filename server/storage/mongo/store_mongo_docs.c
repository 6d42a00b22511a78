/*
 * store_mongo_docs.c: what every kind of document shares in the MongoDB adapter: the stored
 * form ("_id" + the document + "version" + internal fields), insert, get, compare-and-set
 * update and delete, counts, aggregations, and keyset pages with their opaque cursors.
 *
 * Compare-and-set is one replaceOne/deleteOne whose filter holds both "_id" and "version":
 * the server applies it atomically to the one document, so of two writers that read the same
 * version exactly one matches. When nothing matched, a read tells a missing document
 * (NOT_FOUND) from a newer version (STALE).
 */
#include "store_mongo_private.h"

#include "mt_b64.h"

#include <string.h>

/* ---- Fields ------------------------------------------------------------------------------ */

const char *
mt_mongo_doc_str (const bson_t *doc, const char *key)
{
  bson_iter_t iter;

  if (bson_iter_init_find (&iter, doc, key) && BSON_ITER_HOLDS_UTF8 (&iter)) {
    return bson_iter_utf8 (&iter, NULL);
  }
  return NULL;
}

static bool
mt_mongo_iter_int64 (const bson_iter_t *iter, int64_t *out)
{
  if (BSON_ITER_HOLDS_INT32 (iter) || BSON_ITER_HOLDS_INT64 (iter)) {
    *out = bson_iter_as_int64 (iter);
    return true;
  }
  if (BSON_ITER_HOLDS_DOUBLE (iter)) {
    double d = bson_iter_double (iter);
    if (d >= -9007199254740992.0 && d <= 9007199254740992.0 && d == (double) (int64_t) d) {
      *out = (int64_t) d;
      return true;
    }
  }
  return false;
}

bool
mt_mongo_doc_int64 (const bson_t *doc, const char *key, int64_t *out)
{
  bson_iter_t iter;

  return bson_iter_init_find (&iter, doc, key) && mt_mongo_iter_int64 (&iter, out);
}

bool
mt_mongo_doc_date (const bson_t *doc, const char *key, int64_t *out)
{
  bson_iter_t iter;

  if (bson_iter_init_find (&iter, doc, key) && BSON_ITER_HOLDS_DATE_TIME (&iter)) {
    *out = bson_iter_date_time (&iter);
    return true;
  }
  return false;
}

bool
mt_mongo_check_fields (const bson_t *doc, const mt_mongo_field_t *fields, const char *kind,
                       mt_error_t *error)
{
  for (const mt_mongo_field_t *field = fields; field->name; field++) {
    bson_iter_t iter;
    bool present = bson_iter_init_find (&iter, doc, field->name) && !BSON_ITER_HOLDS_NULL (&iter);
    bool ok = present ? bson_iter_type (&iter) == field->type ||
                          (field->type == BSON_TYPE_INT64 && BSON_ITER_HOLDS_INT32 (&iter))
                      : !field->required;
    if (ok && present && field->type == BSON_TYPE_ARRAY) {
      bson_iter_t child;
      ok = bson_iter_recurse (&iter, &child);
      while (ok && bson_iter_next (&child)) {
        ok = BSON_ITER_HOLDS_UTF8 (&child);
      }
    }
    if (!ok) {
      mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                    "document %s invalide : champ « %s » manquant ou de mauvais type",
                    "invalid %s document: field \"%s\" missing or of the wrong type", kind,
                    field->name);
      return false;
    }
  }
  return true;
}

int64_t
mt_mongo_clamp_date (int64_t ms)
{
  /* 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999Z */
  const int64_t first = -62135596800000LL;
  const int64_t last = 253402300799999LL;

  return ms < first ? first : ms > last ? last : ms;
}

/* ---- Stored and public forms ------------------------------------------------------------- */

const char *
mt_mongo_key_field (mt_mongo_coll_t coll)
{
  return coll == MT_MONGO_CALENDARS ? "listing_id" : "id";
}

bool
mt_mongo_stored_doc (const bson_t *doc, const char *key_field, int64_t version, const bson_t *extra,
                     bson_t *out, mt_error_t *error)
{
  bson_iter_t iter;
  const char *id = mt_mongo_doc_str (doc, key_field);
  bool seen_version = false;

  bson_init (out);
  if (!id || id[0] == '\0' || strlen (id) > 255) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                  "document invalide : clé « %s » manquante ou invalide",
                  "invalid document: missing or invalid key \"%s\"", key_field);
    return false;
  }
  BSON_APPEND_UTF8 (out, "_id", id);
  /* "version" at the place the field had (appended when absent; later duplicates dropped),
   * so that a document reads back exactly as given. */
  if (bson_iter_init (&iter, doc)) {
    while (bson_iter_next (&iter)) {
      const char *key = bson_iter_key (&iter);
      if (key[0] == '_') {
        continue;
      }
      if (version > 0 && strcmp (key, "version") == 0) {
        if (!seen_version) {
          BSON_APPEND_INT64 (out, "version", version);
        }
        seen_version = true;
        continue;
      }
      bson_append_iter (out, key, -1, &iter);
    }
  }
  if (version > 0 && !seen_version) {
    BSON_APPEND_INT64 (out, "version", version);
  }
  if (extra && bson_iter_init (&iter, extra)) {
    while (bson_iter_next (&iter)) {
      bson_append_iter (out, bson_iter_key (&iter), -1, &iter);
    }
  }
  return true;
}

void
mt_mongo_public_doc (const bson_t *stored, bson_t *out)
{
  bson_iter_t iter;

  bson_init (out);
  if (!bson_iter_init (&iter, stored)) {
    return;
  }
  while (bson_iter_next (&iter)) {
    const char *key = bson_iter_key (&iter);
    if (key[0] == '_') {
      continue;
    }
    if (strcmp (key, "version") == 0 && BSON_ITER_HOLDS_INT32 (&iter)) {
      /* A server or tool may have narrowed it; the port promises an int64. */
      BSON_APPEND_INT64 (out, key, bson_iter_int32 (&iter));
      continue;
    }
    bson_append_iter (out, key, -1, &iter);
  }
}

/* ---- Single documents -------------------------------------------------------------------- */

bool
mt_mongo_insert (mt_store_t *store, mt_mongo_coll_t coll, const bson_t *doc, bool versioned,
                 const bson_t *extra, mt_error_t *error)
{
  bson_t stored;
  bson_t reply;
  bson_error_t bson_error;
  bool ok;

  if (!mt_mongo_stored_doc (doc, mt_mongo_key_field (coll), versioned ? 1 : 0, extra, &stored,
                            error)) {
    bson_destroy (&stored);
    return false;
  }
  ok =
    mongoc_collection_insert_one (mt_mongo_coll (store, coll), &stored, NULL, &reply, &bson_error);
  if (!ok) {
    mt_mongo_error (&bson_error, &reply, mt_mongo_coll_names[coll], error);
  }
  bson_destroy (&reply);
  bson_destroy (&stored);
  return ok;
}

bool
mt_mongo_find_one (mt_store_t *store, mt_mongo_coll_t coll, const bson_t *filter, bool raw,
                   bson_t *out, bool *found, mt_error_t *error)
{
  bson_t opts = BSON_INITIALIZER;
  const bson_t *doc;
  bson_error_t bson_error;
  mongoc_cursor_t *cursor;
  bool ok = true;

  bson_init (out);
  *found = false;
  BSON_APPEND_INT64 (&opts, "limit", 1);
  BSON_APPEND_BOOL (&opts, "singleBatch", true);
  cursor = mongoc_collection_find_with_opts (mt_mongo_coll (store, coll), filter, &opts, NULL);
  if (mongoc_cursor_next (cursor, &doc)) {
    bson_destroy (out);
    if (raw) {
      bson_copy_to (doc, out);
    } else {
      mt_mongo_public_doc (doc, out);
    }
    *found = true;
  }
  if (mongoc_cursor_error (cursor, &bson_error)) {
    mt_mongo_error (&bson_error, NULL, mt_mongo_coll_names[coll], error);
    bson_reinit (out);
    *found = false;
    ok = false;
  }
  mongoc_cursor_destroy (cursor);
  bson_destroy (&opts);
  return ok;
}

bool
mt_mongo_get_by (mt_store_t *store, mt_mongo_coll_t coll, const char *field, const char *value,
                 bson_t *out, mt_error_t *error)
{
  bson_t filter = BSON_INITIALIZER;
  bool found;
  bool ok;

  BSON_APPEND_UTF8 (&filter, field, value ? value : "");
  ok = mt_mongo_find_one (store, coll, &filter, false, out, &found, error);
  bson_destroy (&filter);
  if (ok && !found) {
    mt_mongo_not_found (error);
    return false;
  }
  return ok;
}

bool
mt_mongo_get (mt_store_t *store, mt_mongo_coll_t coll, const char *id, bson_t *out,
              mt_error_t *error)
{
  return mt_mongo_get_by (store, coll, "_id", id, out, error);
}

/* After a compare-and-set that matched nothing: NOT_FOUND or STALE. */
static bool
mt_mongo_cas_missed (mt_store_t *store, mt_mongo_coll_t coll, const char *id, mt_error_t *error)
{
  bson_t filter = BSON_INITIALIZER;
  bson_t doc;
  bool found;

  BSON_APPEND_UTF8 (&filter, "_id", id);
  if (mt_mongo_find_one (store, coll, &filter, true, &doc, &found, error)) {
    if (found) {
      mt_mongo_stale (error);
    } else {
      mt_mongo_not_found (error);
    }
  }
  bson_destroy (&doc);
  bson_destroy (&filter);
  return false;
}

/* The "matchedCount" or "deletedCount" of a write reply. */
static int64_t
mt_mongo_reply_count (const bson_t *reply, const char *key)
{
  int64_t n = 0;

  return mt_mongo_doc_int64 (reply, key, &n) ? n : 0;
}

bool
mt_mongo_update_cas (mt_store_t *store, mt_mongo_coll_t coll, const char *id,
                     int64_t expected_version, const bson_t *doc, const bson_t *extra,
                     mt_error_t *error)
{
  bson_t filter = BSON_INITIALIZER;
  bson_t stored;
  bson_t reply;
  bson_error_t bson_error;
  const char *doc_id = mt_mongo_doc_str (doc, mt_mongo_key_field (coll));
  bool ok;

  if (!doc_id || strcmp (doc_id, id) != 0) {
    mt_mongo_bad_document ("\"id\" différent de la clé / \"id\" differs from the key", error);
    bson_destroy (&filter);
    return false;
  }
  if (expected_version < 1 || expected_version == INT64_MAX) {
    /* No stored document has such a version (and the next one would overflow). */
    bson_destroy (&filter);
    return mt_mongo_cas_missed (store, coll, id, error);
  }
  if (!mt_mongo_stored_doc (doc, mt_mongo_key_field (coll), expected_version + 1, extra, &stored,
                            error)) {
    bson_destroy (&stored);
    bson_destroy (&filter);
    return false;
  }
  BSON_APPEND_UTF8 (&filter, "_id", id);
  BSON_APPEND_INT64 (&filter, "version", expected_version);
  ok = mongoc_collection_replace_one (mt_mongo_coll (store, coll), &filter, &stored, NULL, &reply,
                                      &bson_error);
  if (!ok) {
    mt_mongo_error (&bson_error, &reply, mt_mongo_coll_names[coll], error);
  } else if (mt_mongo_reply_count (&reply, "matchedCount") == 0) {
    ok = mt_mongo_cas_missed (store, coll, id, error);
  }
  bson_destroy (&reply);
  bson_destroy (&stored);
  bson_destroy (&filter);
  return ok;
}

bool
mt_mongo_delete_cas (mt_store_t *store, mt_mongo_coll_t coll, const char *id,
                     int64_t expected_version, mt_error_t *error)
{
  bson_t filter = BSON_INITIALIZER;
  bson_t reply;
  bson_error_t bson_error;
  bool ok;

  BSON_APPEND_UTF8 (&filter, "_id", id);
  if (expected_version >= 0) {
    BSON_APPEND_INT64 (&filter, "version", expected_version);
  }
  ok =
    mongoc_collection_delete_one (mt_mongo_coll (store, coll), &filter, NULL, &reply, &bson_error);
  if (!ok) {
    mt_mongo_error (&bson_error, &reply, mt_mongo_coll_names[coll], error);
  } else if (mt_mongo_reply_count (&reply, "deletedCount") == 0) {
    ok = mt_mongo_cas_missed (store, coll, id, error);
  }
  bson_destroy (&reply);
  bson_destroy (&filter);
  return ok;
}

bool
mt_mongo_delete_many (mt_store_t *store, mt_mongo_coll_t coll, const bson_t *filter,
                      int64_t *deleted, mt_error_t *error)
{
  bson_t reply;
  bson_error_t bson_error;
  bool ok;

  ok =
    mongoc_collection_delete_many (mt_mongo_coll (store, coll), filter, NULL, &reply, &bson_error);
  if (!ok) {
    mt_mongo_error (&bson_error, &reply, mt_mongo_coll_names[coll], error);
  } else if (deleted) {
    *deleted = mt_mongo_reply_count (&reply, "deletedCount");
  }
  bson_destroy (&reply);
  return ok;
}

bool
mt_mongo_count (mt_store_t *store, mt_mongo_coll_t coll, const bson_t *filter, int64_t *count,
                mt_error_t *error)
{
  bson_error_t bson_error;
  int64_t n;

  *count = 0;
  n = mongoc_collection_count_documents (mt_mongo_coll (store, coll), filter, NULL, NULL, NULL,
                                         &bson_error);
  if (n < 0) {
    mt_mongo_error (&bson_error, NULL, mt_mongo_coll_names[coll], error);
    return false;
  }
  *count = n;
  return true;
}

bool
mt_mongo_aggregate (mt_store_t *store, mt_mongo_coll_t coll, const bson_t *pipeline,
                    bool (*each) (const bson_t *doc, void *arg), void *arg, mt_error_t *error)
{
  mongoc_cursor_t *cursor;
  const bson_t *doc;
  bson_error_t bson_error;
  bool ok = true;

  cursor = mongoc_collection_aggregate (mt_mongo_coll (store, coll), MONGOC_QUERY_NONE, pipeline,
                                        NULL, NULL);
  while (mongoc_cursor_next (cursor, &doc)) {
    if (!each (doc, arg)) {
      break;
    }
  }
  if (mongoc_cursor_error (cursor, &bson_error)) {
    mt_mongo_error (&bson_error, NULL, mt_mongo_coll_names[coll], error);
    ok = false;
  }
  mongoc_cursor_destroy (cursor);
  return ok;
}

/* ---- Cursors ----------------------------------------------------------------------------- */

/* The most bytes whose base64url text fits in a cursor with its NUL. */
#define MT_MONGO_CURSOR_RAW_MAX ((MT_STORE_CURSOR_MAX - 1) / 4 * 3)

bool
mt_mongo_cursor_encode (uint8_t form, const bson_t *values, char out[MT_STORE_CURSOR_MAX])
{
  bson_t raw = BSON_INITIALIZER;
  bool ok = false;

  out[0] = '\0';
  BSON_APPEND_INT32 (&raw, "f", form);
  BSON_APPEND_ARRAY (&raw, "k", values);
  if (raw.len <= MT_MONGO_CURSOR_RAW_MAX) {
    mt_b64url_encode (bson_get_data (&raw), raw.len, out);
    ok = true;
  }
  bson_destroy (&raw);
  return ok;
}

bool
mt_mongo_cursor_decode (const char *text, uint8_t form, size_t key_count, bson_t *values,
                        mt_error_t *error)
{
  uint8_t raw[MT_MONGO_CURSOR_RAW_MAX];
  size_t text_len = strnlen (text, MT_STORE_CURSOR_MAX);
  size_t raw_len = 0;
  bson_t doc;
  bson_iter_t iter;
  bson_iter_t child;
  size_t n = 0;

  bson_init (values);
  if (text_len == 0 || text_len >= MT_STORE_CURSOR_MAX ||
      !mt_b64url_decode (text, text_len, raw, sizeof raw, &raw_len) ||
      !bson_init_static (&doc, raw, raw_len) || !bson_validate (&doc, BSON_VALIDATE_NONE, NULL)) {
    mt_mongo_bad_cursor (error);
    return false;
  }
  if (!bson_iter_init_find (&iter, &doc, "f") || !BSON_ITER_HOLDS_INT32 (&iter) ||
      bson_iter_int32 (&iter) != form || !bson_iter_init_find (&iter, &doc, "k") ||
      !BSON_ITER_HOLDS_ARRAY (&iter) || !bson_iter_recurse (&iter, &child)) {
    mt_mongo_bad_cursor (error);
    return false;
  }
  while (bson_iter_next (&child)) {
    char key[16];
    const char *key_str;
    bson_uint32_to_string ((uint32_t) n, &key_str, key, sizeof key);
    bson_append_iter (values, key_str, -1, &child);
    n++;
  }
  if (n != key_count) {
    bson_reinit (values);
    mt_mongo_bad_cursor (error);
    return false;
  }
  return true;
}

/* Appends the value @n of the array @values under @key to @doc. */
static void
mt_mongo_append_value (bson_t *doc, const char *key, const bson_t *values, size_t n)
{
  bson_iter_t iter;
  char index[16];
  const char *index_str;

  bson_uint32_to_string ((uint32_t) n, &index_str, index, sizeof index);
  if (bson_iter_init_find (&iter, values, index_str)) {
    bson_append_iter (doc, key, -1, &iter);
  }
}

void
mt_mongo_append_after (bson_t *filter, const mt_mongo_order_t *order, const bson_t *values)
{
  bson_t or_array;
  char index[16];
  const char *index_str;

  /* (k1 > v1) or (k1 = v1 and k2 > v2) or ... , ">" meaning "after" in each key's direction. */
  BSON_APPEND_ARRAY_BEGIN (filter, "$or", &or_array);
  for (size_t i = 0; i < order->key_count; i++) {
    bson_t clause;
    bson_t cmp;
    bson_uint32_to_string ((uint32_t) i, &index_str, index, sizeof index);
    BSON_APPEND_DOCUMENT_BEGIN (&or_array, index_str, &clause);
    for (size_t j = 0; j < i; j++) {
      mt_mongo_append_value (&clause, order->keys[j].field, values, j);
    }
    BSON_APPEND_DOCUMENT_BEGIN (&clause, order->keys[i].field, &cmp);
    mt_mongo_append_value (&cmp, order->keys[i].direction > 0 ? "$gt" : "$lt", values, i);
    bson_append_document_end (&clause, &cmp);
    bson_append_document_end (&or_array, &clause);
  }
  bson_append_array_end (filter, &or_array);
}

bool
mt_mongo_page_append (mt_store_page_t *page, const bson_t *stored, mt_error_t *error)
{
  bson_t doc;
  char index[16];
  const char *index_str;
  bool ok;

  mt_mongo_public_doc (stored, &doc);
  bson_uint32_to_string (page->count, &index_str, index, sizeof index);
  ok = BSON_APPEND_DOCUMENT (&page->items, index_str, &doc);
  bson_destroy (&doc);
  if (!ok) {
    mt_mongo_out_of_memory (error);
    return false;
  }
  page->count++;
  return true;
}

/* The values of @order's keys in the stored document @doc, as a cursor's "k" array. */
static bool
mt_mongo_sort_values (const bson_t *doc, const mt_mongo_order_t *order, bson_t *values)
{
  bson_init (values);
  for (size_t i = 0; i < order->key_count; i++) {
    bson_iter_t iter;
    char index[16];
    const char *index_str;
    bson_uint32_to_string ((uint32_t) i, &index_str, index, sizeof index);
    if (!bson_iter_init (&iter, doc) ||
        !bson_iter_find_descendant (&iter, order->keys[i].field, &iter)) {
      BSON_APPEND_NULL (values, index_str);
      continue;
    }
    bson_append_iter (values, index_str, -1, &iter);
  }
  return true;
}

/* The id-only form of a cursor: the "_id" of the last document of the page. */
static bool
mt_mongo_cursor_encode_id (uint8_t form, const bson_t *last, char out[MT_STORE_CURSOR_MAX])
{
  bson_t raw = BSON_INITIALIZER;
  const char *id = mt_mongo_doc_str (last, "_id");
  bool ok = false;

  out[0] = '\0';
  BSON_APPEND_INT32 (&raw, "f", form);
  BSON_APPEND_UTF8 (&raw, "i", id ? id : "");
  if (id && raw.len <= MT_MONGO_CURSOR_RAW_MAX) {
    mt_b64url_encode (bson_get_data (&raw), raw.len, out);
    ok = true;
  }
  bson_destroy (&raw);
  return ok;
}

/* The sort values of @cursor: carried by it, or read back from the document it names. */
static bool
mt_mongo_list_cursor (mt_store_t *store, mt_mongo_coll_t coll, const mt_mongo_order_t *order,
                      const char *cursor, bson_t *values, mt_error_t *error)
{
  uint8_t raw[MT_MONGO_CURSOR_RAW_MAX];
  size_t raw_len = 0;
  size_t text_len = strnlen (cursor, MT_STORE_CURSOR_MAX);
  bson_t doc;
  bson_t filter = BSON_INITIALIZER;
  bson_t stored;
  bson_iter_t iter;
  bool found = false;
  bool ok;

  if (text_len == 0 || text_len >= MT_STORE_CURSOR_MAX ||
      !mt_b64url_decode (cursor, text_len, raw, sizeof raw, &raw_len) ||
      !bson_init_static (&doc, raw, raw_len) || !bson_validate (&doc, BSON_VALIDATE_NONE, NULL) ||
      !bson_iter_init_find (&iter, &doc, "i")) {
    bson_destroy (&filter);
    return mt_mongo_cursor_decode (cursor, order->form, order->key_count, values, error);
  }
  bson_init (values);
  if (!BSON_ITER_HOLDS_UTF8 (&iter) || !bson_iter_init_find (&iter, &doc, "f") ||
      !BSON_ITER_HOLDS_INT32 (&iter) || bson_iter_int32 (&iter) != order->form) {
    bson_destroy (&filter);
    mt_mongo_bad_cursor (error);
    return false;
  }
  bson_iter_init_find (&iter, &doc, "i");
  BSON_APPEND_UTF8 (&filter, "_id", bson_iter_utf8 (&iter, NULL));
  ok = mt_mongo_find_one (store, coll, &filter, true, &stored, &found, error);
  if (ok && !found) {
    mt_mongo_bad_cursor (error);
    ok = false;
  }
  if (ok) {
    bson_destroy (values);
    mt_mongo_sort_values (&stored, order, values);
  }
  bson_destroy (&stored);
  bson_destroy (&filter);
  return ok;
}

bool
mt_mongo_list (mt_store_t *store, mt_mongo_coll_t coll, const bson_t *filter,
               const mt_mongo_order_t *order, const char *cursor, uint32_t limit,
               mt_store_page_t *out, mt_error_t *error)
{
  bson_t query = BSON_INITIALIZER;
  bson_t opts = BSON_INITIALIZER;
  bson_t sort;
  bson_t last = BSON_INITIALIZER;
  bson_error_t bson_error;
  mongoc_cursor_t *results;
  const bson_t *doc;
  bool more = false;
  bool ok = true;

  mt_store_page_init (out);
  if (limit == 0) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_BAD_REQUEST, "limite de page nulle",
                  "page limit of 0");
    ok = false;
    goto done;
  }
  if (limit == MT_MONGO_LIST_ALL) {
    limit = MT_MONGO_LIST_ALL_MAX;
  } else if (limit > MT_STORE_PAGE_MAX) {
    limit = MT_STORE_PAGE_MAX;
  }
  if (filter && !bson_empty (filter)) {
    bson_t and_array;
    BSON_APPEND_ARRAY_BEGIN (&query, "$and", &and_array);
    BSON_APPEND_DOCUMENT (&and_array, "0", filter);
    if (cursor && cursor[0]) {
      bson_t after = BSON_INITIALIZER;
      bson_t values;
      if (!mt_mongo_list_cursor (store, coll, order, cursor, &values, error)) {
        bson_destroy (&values);
        bson_destroy (&after);
        bson_append_array_end (&query, &and_array);
        ok = false;
        goto done;
      }
      mt_mongo_append_after (&after, order, &values);
      BSON_APPEND_DOCUMENT (&and_array, "1", &after);
      bson_destroy (&values);
      bson_destroy (&after);
    }
    bson_append_array_end (&query, &and_array);
  } else if (cursor && cursor[0]) {
    bson_t values;
    if (!mt_mongo_list_cursor (store, coll, order, cursor, &values, error)) {
      bson_destroy (&values);
      ok = false;
      goto done;
    }
    mt_mongo_append_after (&query, order, &values);
    bson_destroy (&values);
  }

  BSON_APPEND_DOCUMENT_BEGIN (&opts, "sort", &sort);
  for (size_t i = 0; i < order->key_count; i++) {
    BSON_APPEND_INT32 (&sort, order->keys[i].field, order->keys[i].direction);
  }
  bson_append_document_end (&opts, &sort);
  BSON_APPEND_INT64 (&opts, "limit", (int64_t) limit + 1);

  results = mongoc_collection_find_with_opts (mt_mongo_coll (store, coll), &query, &opts, NULL);
  while (mongoc_cursor_next (results, &doc)) {
    if (out->count == limit) {
      more = true;
      break;
    }
    if (!mt_mongo_page_append (out, doc, error)) {
      ok = false;
      break;
    }
    bson_destroy (&last);
    bson_copy_to (doc, &last);
  }
  if (ok && mongoc_cursor_error (results, &bson_error)) {
    mt_mongo_error (&bson_error, NULL, mt_mongo_coll_names[coll], error);
    ok = false;
  }
  mongoc_cursor_destroy (results);
  if (ok && more) {
    bson_t values;
    mt_mongo_sort_values (&last, order, &values);
    if (!mt_mongo_cursor_encode (order->form, &values, out->next_cursor) &&
        !mt_mongo_cursor_encode_id (order->form, &last, out->next_cursor)) {
      mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL, "clé de tri trop longue",
                    "sort key too long for a cursor");
      ok = false;
    }
    bson_destroy (&values);
  }

done:
  if (!ok) {
    mt_store_page_destroy (out);
    mt_store_page_init (out);
  }
  bson_destroy (&last);
  bson_destroy (&opts);
  bson_destroy (&query);
  return ok;
}
