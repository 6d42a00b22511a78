/*
 * store_mongo_listings.c: listings, their photos, needs and need answers in the MongoDB
 * adapter.
 *
 * Listings and needs are stored with their search keys "_w" (store_mongo_search.c), rewritten
 * by every insert and update. Their required fields are checked before any write: "owner_id"
 * a string, "created_at" a date-time (it orders every search), "territory" a document and
 * "title", "description", "tags" of their types when present (MT_ERR_INTERNAL otherwise).
 *
 * listing_insert_many stores all or none without a transaction: each listing carries an
 * internal marker "_batch": {"id", "at"} that every read ignores the listing by. One ordered
 * insert_many writes them; on a failure the batch is deleted. On success "_batch.commit" is set
 * on all of them (the point of no return), then "_batch" is removed. A crash leaves a batch
 * invisible; mt_mongo_listings_repair finishes a committed batch (a listing marked committed
 * proves that every one was inserted) and deletes the others, once older than the grace
 * period.
 *
 * Photos: metadata in "photos" ("_id" the photo id), bytes in "photo_chunks" as chunks of
 * MT_MONGO_CHUNK_BYTES {"_id": "<photo id>:<n>", "photo_id", "n", "data", "at"}. The chunks
 * are written first, then the metadata: a photo exists once its metadata does; photo_delete
 * removes the metadata first. listing_delete removes the listing (compare-and-set), then its
 * photos and chunks and its calendar. What a crash leaves between those steps (chunks without
 * metadata, photos and calendars of a missing listing) is removed by the repair; chunks only
 * once older than the grace period, since an insert in progress has chunks before metadata.
 *
 * Need answers are immutable records listed oldest first ("created_at", then "_id").
 */
#include "store_mongo_private.h"

#include "mt_id.h"
#include "mt_time.h"

#include <stdlib.h>
#include <string.h>

/* Bytes of a photo chunk (255 KiB, as GridFS: room for the rest of a 16 MiB document). */
#define MT_MONGO_CHUNK_BYTES (255 * 1024)
/* Distinct ids handled per step of a repair (each step reads then writes this many). */
#define MT_MONGO_REPAIR_STEP 256
/* Steps of one repair pass over a kind of leftover (the rest waits for the next pass). */
#define MT_MONGO_REPAIR_STEPS_MAX 1000

/* Cursor form of need_answer_list (distinct from every other list). */
#define MT_MONGO_FORM_NEED_ANSWERS 0x55

/* ---- Listings and needs: checks and search keys ------------------------------------------ */

/* True when @key of @doc is absent, null, or of @type. */
static bool
mt_mongo_field_is (const bson_t *doc, const char *key, bson_type_t type)
{
  bson_iter_t it;

  return !bson_iter_init_find (&it, doc, key) || BSON_ITER_HOLDS_NULL (&it) ||
         bson_iter_type (&it) == type;
}

/*
 * Checks the fields the adapter relies on and builds the internal fields of @doc into
 * @extra (initialised by the callee): its search keys, then @batch (may be NULL) as "_batch".
 */
static bool
mt_mongo_searchable_extra (const bson_t *doc, const bson_t *batch, bson_t *extra, mt_error_t *error)
{
  int64_t created_at;

  bson_init (extra);
  if (!doc || !mt_mongo_doc_str (doc, "owner_id")) {
    mt_mongo_bad_document ("owner_id", error);
    return false;
  }
  if (!mt_mongo_doc_date (doc, "created_at", &created_at)) {
    mt_mongo_bad_document ("created_at", error);
    return false;
  }
  if (!mt_mongo_field_is (doc, "territory", BSON_TYPE_DOCUMENT)) {
    mt_mongo_bad_document ("territory", error);
    return false;
  }
  if (!mt_mongo_search_keys (doc, extra, error)) {
    return false;
  }
  if (batch) {
    BSON_APPEND_DOCUMENT (extra, "_batch", batch);
  }
  return true;
}

static bool
mt_mongo_searchable_insert (mt_store_t *store, mt_mongo_coll_t coll, const bson_t *doc,
                            mt_error_t *error)
{
  bson_t extra;
  bool ok;

  ok = mt_mongo_searchable_extra (doc, NULL, &extra, error) &&
       mt_mongo_insert (store, coll, doc, true, &extra, error);
  bson_destroy (&extra);
  return ok;
}

static bool
mt_mongo_searchable_update (mt_store_t *store, mt_mongo_coll_t coll, const char *id,
                            int64_t expected_version, const bson_t *doc, mt_error_t *error)
{
  bson_t extra;
  bool ok;

  if (!id) {
    mt_mongo_not_found (error);
    return false;
  }
  ok = mt_mongo_searchable_extra (doc, NULL, &extra, error) &&
       mt_mongo_update_cas (store, coll, id, expected_version, doc, &extra, error);
  bson_destroy (&extra);
  return ok;
}

/* The document @id of @coll unless it belongs to an unfinished batch (NOT_FOUND then). */
static bool
mt_mongo_visible_get (mt_store_t *store, mt_mongo_coll_t coll, const char *id, bson_t *out,
                      mt_error_t *error)
{
  bson_t filter = BSON_INITIALIZER, child;
  bool found = false;
  bool ok;

  if (!id) {
    bson_init (out);
    mt_mongo_not_found (error);
    return false;
  }
  BSON_APPEND_UTF8 (&filter, "_id", id);
  BSON_APPEND_DOCUMENT_BEGIN (&filter, "_batch", &child);
  BSON_APPEND_BOOL (&child, "$exists", false);
  bson_append_document_end (&filter, &child);
  ok = mt_mongo_find_one (store, coll, &filter, false, out, &found, error);
  bson_destroy (&filter);
  if (ok && !found) {
    mt_mongo_not_found (error);
    ok = false;
  }
  return ok;
}

/* ---- Listings ---------------------------------------------------------------------------- */

static bool
mt_mongo_listing_insert (mt_store_t *store, const bson_t *listing, mt_error_t *error)
{
  return mt_mongo_searchable_insert (store, MT_MONGO_LISTINGS, listing, error);
}

/* Runs update_many(@filter, @update) on listings. */
static bool
mt_mongo_listings_update_many (mt_store_t *store, const bson_t *filter, const bson_t *update,
                               mt_error_t *error)
{
  bson_error_t bson_error;
  bson_t reply;
  bool ok;

  ok = mongoc_collection_update_many (mt_mongo_coll (store, MT_MONGO_LISTINGS), filter, update,
                                      NULL, &reply, &bson_error);
  if (!ok) {
    mt_mongo_error (&bson_error, &reply, "update of a batch of listings", error);
  }
  bson_destroy (&reply);
  return ok;
}

/* {"_batch.id": @batch_id} */
static void
mt_mongo_batch_filter (bson_t *filter, const char *batch_id)
{
  bson_init (filter);
  BSON_APPEND_UTF8 (filter, "_batch.id", batch_id);
}

/* Sets "_batch.commit" on the listings of @batch_id (commit) or removes "_batch" (finish). */
static bool
mt_mongo_batch_mark (mt_store_t *store, const char *batch_id, bool finish, mt_error_t *error)
{
  bson_t filter, update = BSON_INITIALIZER, child;
  bool ok;

  mt_mongo_batch_filter (&filter, batch_id);
  BSON_APPEND_DOCUMENT_BEGIN (&update, finish ? "$unset" : "$set", &child);
  if (finish) {
    BSON_APPEND_UTF8 (&child, "_batch", "");
  } else {
    BSON_APPEND_BOOL (&child, "_batch.commit", true);
  }
  bson_append_document_end (&update, &child);
  ok = mt_mongo_listings_update_many (store, &filter, &update, error);
  bson_destroy (&filter);
  bson_destroy (&update);
  return ok;
}

/* Deletes the listings of the batch @batch_id (best effort: the repair does it otherwise). */
static void
mt_mongo_batch_undo (mt_store_t *store, const char *batch_id)
{
  bson_t filter;

  mt_mongo_batch_filter (&filter, batch_id);
  mt_mongo_delete_many (store, MT_MONGO_LISTINGS, &filter, NULL, NULL);
  bson_destroy (&filter);
}

/* Builds the stored form of every listing of @listings (marked with @batch) into @docs;
 * *@built tells how many are initialised. */
static bool
mt_mongo_batch_docs (const bson_t *const *listings, size_t count, const bson_t *batch, bson_t *docs,
                     size_t *built, mt_error_t *error)
{
  bson_t extra;
  bool ok = true;

  for (*built = 0; ok && *built < count; (*built)++) {
    ok = mt_mongo_searchable_extra (listings[*built], batch, &extra, error) &&
         mt_mongo_stored_doc (listings[*built], "id", 1, &extra, &docs[*built], error);
    bson_destroy (&extra);
  }
  return ok;
}

static bool
mt_mongo_listing_insert_many (mt_store_t *store, const bson_t *const *listings, size_t count,
                              mt_error_t *error)
{
  char batch_id[MT_ID_SIZE];
  bson_t batch = BSON_INITIALIZER, opts = BSON_INITIALIZER, reply = BSON_INITIALIZER;
  bson_t *docs = NULL;
  const bson_t **views = NULL;
  bson_error_t bson_error;
  size_t built = 0, i;
  bool ok = false;

  if (count == 0) {
    bson_destroy (&reply);
    return true;
  }
  docs = calloc (count, sizeof *docs);
  views = calloc (count, sizeof *views);
  if (!listings || !docs || !views) {
    listings ? mt_mongo_out_of_memory (error) : mt_mongo_bad_document ("id", error);
    goto done;
  }
  mt_id_new ("bat", batch_id);
  BSON_APPEND_UTF8 (&batch, "id", batch_id);
  BSON_APPEND_DATE_TIME (&batch, "at", mt_time_now_ms ());
  if (!mt_mongo_batch_docs (listings, count, &batch, docs, &built, error)) {
    goto done;
  }
  for (i = 0; i < count; i++) {
    views[i] = &docs[i];
  }
  BSON_APPEND_BOOL (&opts, "ordered", true);
  bson_destroy (&reply);
  if (!mongoc_collection_insert_many (mt_mongo_coll (store, MT_MONGO_LISTINGS), views, count, &opts,
                                      &reply, &bson_error)) {
    mt_mongo_error (&bson_error, &reply, "insert into listings", error);
    mt_mongo_batch_undo (store, batch_id);
    goto done;
  }
  if (!mt_mongo_batch_mark (store, batch_id, false, error)) {
    mt_mongo_batch_undo (store, batch_id);
    goto done;
  }
  /* Committed: if this fails, the repair finishes it. */
  ok = mt_mongo_batch_mark (store, batch_id, true, error);
done:
  for (i = 0; i < built; i++) {
    bson_destroy (&docs[i]);
  }
  free (docs);
  free (views);
  bson_destroy (&batch);
  bson_destroy (&opts);
  bson_destroy (&reply);
  return ok;
}

static bool
mt_mongo_listing_get (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error)
{
  return mt_mongo_visible_get (store, MT_MONGO_LISTINGS, id, out, error);
}

static bool
mt_mongo_listing_update (mt_store_t *store, const char *id, int64_t expected_version,
                         const bson_t *listing, mt_error_t *error)
{
  return mt_mongo_searchable_update (store, MT_MONGO_LISTINGS, id, expected_version, listing,
                                     error);
}

/* Deletes the chunks of the photos whose ids are the strings of the array @ids. */
static bool
mt_mongo_chunks_delete (mt_store_t *store, const bson_t *ids, const bson_t *extra_cond,
                        mt_error_t *error)
{
  bson_t filter = BSON_INITIALIZER, child;
  bool ok;

  BSON_APPEND_DOCUMENT_BEGIN (&filter, "photo_id", &child);
  BSON_APPEND_ARRAY (&child, "$in", ids);
  bson_append_document_end (&filter, &child);
  if (extra_cond) {
    bson_concat (&filter, extra_cond);
  }
  ok = mt_mongo_delete_many (store, MT_MONGO_PHOTO_CHUNKS, &filter, NULL, error);
  bson_destroy (&filter);
  return ok;
}

/*
 * Reads the distinct string values of @field of the documents of @coll matching @filter
 * into the array @out (initialised by the callee), at most @max of them.
 */
static bool
mt_mongo_distinct_strings (mt_store_t *store, mt_mongo_coll_t coll, const bson_t *filter,
                           const char *field, size_t max, bson_t *out, size_t *count,
                           mt_error_t *error)
{
  bson_t opts = BSON_INITIALIZER, child;
  mongoc_cursor_t *cursor;
  bson_error_t bson_error;
  const bson_t *doc;
  const char *value, *key;
  char **seen = NULL;
  char index[16];
  size_t i;
  bool dup;
  bool ok = false;

  bson_init (out);
  *count = 0;
  seen = calloc (max, sizeof *seen);
  if (!seen) {
    mt_mongo_out_of_memory (error);
    bson_destroy (&opts);
    return false;
  }
  BSON_APPEND_DOCUMENT_BEGIN (&opts, "projection", &child);
  BSON_APPEND_INT32 (&child, field, 1);
  bson_append_document_end (&opts, &child);
  cursor = mongoc_collection_find_with_opts (mt_mongo_coll (store, coll), filter, &opts, NULL);
  while (*count < max && mongoc_cursor_next (cursor, &doc)) {
    value = mt_mongo_doc_str (doc, field);
    if (!value) {
      continue;
    }
    for (i = 0, dup = false; i < *count && !dup; i++) {
      dup = strcmp (seen[i], value) == 0;
    }
    if (!dup) {
      seen[*count] = bson_strdup (value);
      bson_uint32_to_string ((uint32_t) *count, &key, index, sizeof index);
      bson_append_utf8 (out, key, -1, value, -1);
      (*count)++;
    }
  }
  if (mongoc_cursor_error (cursor, &bson_error)) {
    mt_mongo_error (&bson_error, NULL, "find", error);
    goto done;
  }
  ok = true;
done:
  for (i = 0; i < *count; i++) {
    bson_free (seen[i]);
  }
  free (seen);
  mongoc_cursor_destroy (cursor);
  bson_destroy (&opts);
  if (!ok) {
    bson_reinit (out);
    *count = 0;
  }
  return ok;
}

/* Deletes the photos (metadata, then chunks) of the listings whose ids are in @listing_ids. */
static bool
mt_mongo_photos_of_listings_delete (mt_store_t *store, const bson_t *listing_ids, mt_error_t *error)
{
  bson_t filter = BSON_INITIALIZER, child, photo_ids;
  size_t count = 0;
  int steps;
  bool ok = true;

  BSON_APPEND_DOCUMENT_BEGIN (&filter, "listing_id", &child);
  BSON_APPEND_ARRAY (&child, "$in", listing_ids);
  bson_append_document_end (&filter, &child);
  for (steps = 0; ok && steps < MT_MONGO_REPAIR_STEPS_MAX; steps++) {
    ok = mt_mongo_distinct_strings (store, MT_MONGO_PHOTOS, &filter, "_id", MT_MONGO_REPAIR_STEP,
                                    &photo_ids, &count, error);
    if (ok && count > 0) {
      bson_t by_id = BSON_INITIALIZER;

      BSON_APPEND_DOCUMENT_BEGIN (&by_id, "_id", &child);
      BSON_APPEND_ARRAY (&child, "$in", &photo_ids);
      bson_append_document_end (&by_id, &child);
      ok = mt_mongo_delete_many (store, MT_MONGO_PHOTOS, &by_id, NULL, error) &&
           mt_mongo_chunks_delete (store, &photo_ids, NULL, error);
      bson_destroy (&by_id);
    }
    bson_destroy (&photo_ids);
    if (count < MT_MONGO_REPAIR_STEP) {
      break;
    }
  }
  bson_destroy (&filter);
  return ok;
}

/* Deletes the calendars of the listings whose ids are in @listing_ids. */
static bool
mt_mongo_calendars_of_listings_delete (mt_store_t *store, const bson_t *listing_ids,
                                       mt_error_t *error)
{
  bson_t filter = BSON_INITIALIZER, child;
  bool ok;

  BSON_APPEND_DOCUMENT_BEGIN (&filter, "_id", &child);
  BSON_APPEND_ARRAY (&child, "$in", listing_ids);
  bson_append_document_end (&filter, &child);
  ok = mt_mongo_delete_many (store, MT_MONGO_CALENDARS, &filter, NULL, error);
  bson_destroy (&filter);
  return ok;
}

static bool
mt_mongo_listing_delete (mt_store_t *store, const char *id, int64_t expected_version,
                         mt_error_t *error)
{
  bson_t ids = BSON_INITIALIZER;
  bool ok;

  if (!id) {
    mt_mongo_not_found (error);
    return false;
  }
  BSON_APPEND_UTF8 (&ids, "0", id);
  /* The listing first (compare-and-set): what follows is left to the repair on a crash. */
  ok = mt_mongo_delete_cas (store, MT_MONGO_LISTINGS, id, expected_version, error) &&
       mt_mongo_photos_of_listings_delete (store, &ids, error) &&
       mt_mongo_calendars_of_listings_delete (store, &ids, error);
  bson_destroy (&ids);
  return ok;
}

/* ---- Photos ------------------------------------------------------------------------------ */

/* Writes the chunks of @data (@len bytes) of the photo @id. */
static bool
mt_mongo_chunks_insert (mt_store_t *store, const char *id, const uint8_t *data, size_t len,
                        mt_error_t *error)
{
  size_t count = (len + MT_MONGO_CHUNK_BYTES - 1) / MT_MONGO_CHUNK_BYTES;
  bson_t **chunks = NULL;
  const bson_t **views = NULL;
  bson_t reply = BSON_INITIALIZER;
  bson_error_t bson_error;
  int64_t now = mt_time_now_ms ();
  char chunk_id[320];
  size_t i, n;
  bool ok = false;

  if (count == 0) {
    return true;
  }
  chunks = calloc (count, sizeof *chunks);
  views = calloc (count, sizeof *views);
  if (!chunks || !views) {
    free (chunks);
    free (views);
    bson_destroy (&reply);
    mt_mongo_out_of_memory (error);
    return false;
  }
  for (i = 0; i < count; i++) {
    n = len - i * MT_MONGO_CHUNK_BYTES < MT_MONGO_CHUNK_BYTES ? len - i * MT_MONGO_CHUNK_BYTES
                                                              : MT_MONGO_CHUNK_BYTES;
    snprintf (chunk_id, sizeof chunk_id, "%s:%zu", id, i);
    chunks[i] = bson_new ();
    BSON_APPEND_UTF8 (chunks[i], "_id", chunk_id);
    BSON_APPEND_UTF8 (chunks[i], "photo_id", id);
    BSON_APPEND_INT32 (chunks[i], "n", (int32_t) i);
    BSON_APPEND_BINARY (chunks[i], "data", BSON_SUBTYPE_BINARY, data + i * MT_MONGO_CHUNK_BYTES,
                        (uint32_t) n);
    BSON_APPEND_DATE_TIME (chunks[i], "at", now);
    views[i] = chunks[i];
  }
  bson_destroy (&reply);
  ok = mongoc_collection_insert_many (mt_mongo_coll (store, MT_MONGO_PHOTO_CHUNKS), views, count,
                                      NULL, &reply, &bson_error);
  if (!ok) {
    mt_mongo_error (&bson_error, &reply, "insert into photo_chunks", error);
  }
  for (i = 0; i < count; i++) {
    bson_destroy (chunks[i]);
  }
  free (chunks);
  free (views);
  bson_destroy (&reply);
  return ok;
}

static bool
mt_mongo_photo_insert (mt_store_t *store, const bson_t *meta, const uint8_t *data, size_t len,
                       mt_error_t *error)
{
  bson_t listing, ids = BSON_INITIALIZER;
  const char *id, *listing_id;
  int64_t bytes;
  bool ok = false;

  bson_init (&listing);
  id = meta ? mt_mongo_doc_str (meta, "id") : NULL;
  listing_id = meta ? mt_mongo_doc_str (meta, "listing_id") : NULL;
  if (!id || !*id || strlen (id) > 255 || !listing_id || (!data && len > 0) ||
      !mt_mongo_doc_int64 (meta, "bytes", &bytes) || bytes < 0) {
    mt_mongo_bad_document (!id || !*id || strlen (id) > 255 ? "id"
                           : !listing_id                    ? "listing_id"
                                                            : "bytes",
                           error);
    goto done;
  }
  bson_destroy (&listing);
  if (!mt_mongo_visible_get (store, MT_MONGO_LISTINGS, listing_id, &listing, error) ||
      !mt_mongo_chunks_insert (store, id, data, len, error)) {
    goto done;
  }
  if (!mt_mongo_insert (store, MT_MONGO_PHOTOS, meta, false, NULL, error)) {
    /* Its chunks would block the id: remove them (the repair does it otherwise). */
    BSON_APPEND_UTF8 (&ids, "0", id);
    mt_mongo_chunks_delete (store, &ids, NULL, NULL);
    goto done;
  }
  ok = true;
done:
  bson_destroy (&listing);
  bson_destroy (&ids);
  return ok;
}

/* Reads the chunks of photo @id into a malloc'd buffer of @bytes bytes. */
static bool
mt_mongo_chunks_read (mt_store_t *store, const char *id, size_t bytes, uint8_t **data,
                      mt_error_t *error)
{
  bson_t filter = BSON_INITIALIZER, opts = BSON_INITIALIZER, child;
  mongoc_cursor_t *cursor;
  bson_error_t bson_error;
  const bson_t *doc;
  const uint8_t *chunk;
  bson_subtype_t subtype;
  uint32_t chunk_len = 0;
  size_t used = 0;
  int64_t n, expected = 0;
  bson_iter_t it;
  bool ok = false;

  *data = malloc (bytes > 0 ? bytes : 1);
  if (!*data) {
    mt_mongo_out_of_memory (error);
    bson_destroy (&filter);
    bson_destroy (&opts);
    return false;
  }
  BSON_APPEND_UTF8 (&filter, "photo_id", id);
  BSON_APPEND_DOCUMENT_BEGIN (&opts, "sort", &child);
  BSON_APPEND_INT32 (&child, "n", 1);
  bson_append_document_end (&opts, &child);
  cursor = mongoc_collection_find_with_opts (mt_mongo_coll (store, MT_MONGO_PHOTO_CHUNKS), &filter,
                                             &opts, NULL);
  while (mongoc_cursor_next (cursor, &doc)) {
    if (!mt_mongo_doc_int64 (doc, "n", &n) || n != expected ||
        !bson_iter_init_find (&it, doc, "data") || !BSON_ITER_HOLDS_BINARY (&it)) {
      goto corrupt;
    }
    bson_iter_binary (&it, &subtype, &chunk_len, &chunk);
    if (chunk_len > bytes - used) {
      goto corrupt;
    }
    memcpy (*data + used, chunk, chunk_len);
    used += chunk_len;
    expected++;
  }
  if (mongoc_cursor_error (cursor, &bson_error)) {
    mt_mongo_error (&bson_error, NULL, "find in photo_chunks", error);
    goto done;
  }
  if (used != bytes) {
    goto corrupt;
  }
  ok = true;
  goto done;
corrupt:
  mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                "octets de la photo %s incomplets ou en désordre",
                "bytes of photo %s missing or out of order", id);
done:
  if (!ok) {
    free (*data);
    *data = NULL;
  }
  mongoc_cursor_destroy (cursor);
  bson_destroy (&filter);
  bson_destroy (&opts);
  return ok;
}

static bool
mt_mongo_photo_get (mt_store_t *store, const char *id, bson_t *meta_out, uint8_t **data_out,
                    size_t *len_out, mt_error_t *error)
{
  int64_t bytes;

  *data_out = NULL;
  *len_out = 0;
  if (!id) {
    bson_init (meta_out);
    mt_mongo_not_found (error);
    return false;
  }
  if (!mt_mongo_get (store, MT_MONGO_PHOTOS, id, meta_out, error)) {
    return false;
  }
  if (!mt_mongo_doc_int64 (meta_out, "bytes", &bytes) || bytes < 0 ||
      !mt_mongo_chunks_read (store, id, (size_t) bytes, data_out, error)) {
    if (error && error->code != MT_ERR_INTERNAL && error->code != MT_ERR_UNAVAILABLE) {
      mt_mongo_bad_document ("bytes", error);
    }
    bson_reinit (meta_out);
    return false;
  }
  *len_out = (size_t) bytes;
  return true;
}

static bool
mt_mongo_photo_delete (mt_store_t *store, const char *id, mt_error_t *error)
{
  bson_t ids = BSON_INITIALIZER;
  bool ok;

  if (!id) {
    mt_mongo_not_found (error);
    return false;
  }
  BSON_APPEND_UTF8 (&ids, "0", id);
  /* The metadata first: without it the photo is gone, chunks left are repaired. */
  ok = mt_mongo_delete_cas (store, MT_MONGO_PHOTOS, id, -1, error) &&
       mt_mongo_chunks_delete (store, &ids, NULL, error);
  bson_destroy (&ids);
  return ok;
}

/* ---- Needs ------------------------------------------------------------------------------- */

static bool
mt_mongo_need_insert (mt_store_t *store, const bson_t *need, mt_error_t *error)
{
  return mt_mongo_searchable_insert (store, MT_MONGO_NEEDS, need, error);
}

static bool
mt_mongo_need_get (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error)
{
  return mt_mongo_visible_get (store, MT_MONGO_NEEDS, id, out, error);
}

static bool
mt_mongo_need_update (mt_store_t *store, const char *id, int64_t expected_version,
                      const bson_t *need, mt_error_t *error)
{
  return mt_mongo_searchable_update (store, MT_MONGO_NEEDS, id, expected_version, need, error);
}

static bool
mt_mongo_need_answer_insert (mt_store_t *store, const bson_t *answer, mt_error_t *error)
{
  int64_t created_at;

  if (!answer || !mt_mongo_doc_str (answer, "need_id")) {
    mt_mongo_bad_document ("need_id", error);
    return false;
  }
  if (!mt_mongo_doc_date (answer, "created_at", &created_at)) {
    mt_mongo_bad_document ("created_at", error);
    return false;
  }
  return mt_mongo_insert (store, MT_MONGO_NEED_ANSWERS, answer, false, NULL, error);
}

static const mt_mongo_sort_key_t mt_mongo_answer_keys[] = {
  { "created_at", 1 },
  { "_id", 1 },
};

static bool
mt_mongo_need_answer_list (mt_store_t *store, const char *need_id, const char *cursor,
                           uint32_t limit, mt_store_page_t *out, mt_error_t *error)
{
  const mt_mongo_order_t order = { MT_MONGO_FORM_NEED_ANSWERS, mt_mongo_answer_keys, 2 };
  bson_t filter = BSON_INITIALIZER;
  bool ok;

  /* A NULL need lists nothing: a filter no answer matches (limit and cursor still checked). */
  if (need_id) {
    BSON_APPEND_UTF8 (&filter, "need_id", need_id);
  } else {
    BSON_APPEND_NULL (&filter, "_id");
  }
  ok = mt_mongo_list (store, MT_MONGO_NEED_ANSWERS, &filter, &order, cursor, limit, out, error);
  bson_destroy (&filter);
  return ok;
}

/* ---- Repair ------------------------------------------------------------------------------ */

/* The "_batch.id" of the stored listing @doc, or NULL. */
static const char *
mt_mongo_batch_id (const bson_t *doc)
{
  bson_iter_t it, id;

  if (!bson_iter_init (&it, doc) || !bson_iter_find_descendant (&it, "_batch.id", &id) ||
      !BSON_ITER_HOLDS_UTF8 (&id)) {
    return NULL;
  }
  return bson_iter_utf8 (&id, NULL);
}

/* Finishes the batch @batch_id when it was committed, deletes it otherwise. */
static bool
mt_mongo_batch_repair (mt_store_t *store, const char *batch_id, mt_error_t *error)
{
  bson_t committed = BSON_INITIALIZER, by_batch;
  int64_t n = 0;
  bool ok;

  BSON_APPEND_UTF8 (&committed, "_batch.id", batch_id);
  BSON_APPEND_BOOL (&committed, "_batch.commit", true);
  ok = mt_mongo_count (store, MT_MONGO_LISTINGS, &committed, &n, error);
  bson_destroy (&committed);
  if (ok && n > 0) {
    return mt_mongo_batch_mark (store, batch_id, true, error);
  }
  if (ok) {
    mt_mongo_batch_filter (&by_batch, batch_id);
    ok = mt_mongo_delete_many (store, MT_MONGO_LISTINGS, &by_batch, NULL, error);
    bson_destroy (&by_batch);
  }
  return ok;
}

/* Repairs the batches marked before @older_than_ms, one at a time. */
static bool
mt_mongo_batches_repair (mt_store_t *store, int64_t older_than_ms, mt_error_t *error)
{
  bson_t filter = BSON_INITIALIZER, child, marker;
  const char *batch_id;
  bool found = true;
  bool ok = true;
  int steps;

  BSON_APPEND_DOCUMENT_BEGIN (&filter, "_batch.at", &child);
  BSON_APPEND_DATE_TIME (&child, "$lt", older_than_ms);
  bson_append_document_end (&filter, &child);
  for (steps = 0; ok && found && steps < MT_MONGO_REPAIR_STEPS_MAX; steps++) {
    ok = mt_mongo_find_one (store, MT_MONGO_LISTINGS, &filter, true, &marker, &found, error);
    if (ok && found) {
      batch_id = mt_mongo_batch_id (&marker);
      ok = batch_id ? mt_mongo_batch_repair (store, batch_id, error)
                    : (mt_mongo_bad_document ("_batch", error), false);
    }
    bson_destroy (&marker);
  }
  bson_destroy (&filter);
  return ok;
}

/* What to do with the ids (an array) of missing parents. */
typedef bool (*mt_mongo_orphans_fn) (mt_store_t *store, const bson_t *ids, void *arg,
                                     mt_error_t *error);

/* Collects into @missing (an array, at index *@n) the strings of @values (an array) that are
 * not the "_id" of a document of @parent. */
static bool
mt_mongo_missing (mt_store_t *store, mt_mongo_coll_t parent, const bson_t *values, bson_t *missing,
                  uint32_t *n, mt_error_t *error)
{
  bson_t filter = BSON_INITIALIZER, child, found = BSON_INITIALIZER;
  bson_iter_t it;
  const char *value, *key;
  char index[16];
  size_t found_count = 0;
  bool ok;

  BSON_APPEND_DOCUMENT_BEGIN (&filter, "_id", &child);
  BSON_APPEND_ARRAY (&child, "$in", values);
  bson_append_document_end (&filter, &child);
  ok = mt_mongo_distinct_strings (store, parent, &filter, "_id", MT_MONGO_REPAIR_STEP, &found,
                                  &found_count, error);
  if (ok && bson_iter_init (&it, values)) {
    while (bson_iter_next (&it)) {
      bson_iter_t f;
      bool present = false;

      value = bson_iter_utf8 (&it, NULL);
      if (bson_iter_init (&f, &found)) {
        while (!present && bson_iter_next (&f)) {
          present = strcmp (bson_iter_utf8 (&f, NULL), value) == 0;
        }
      }
      if (!present) {
        bson_uint32_to_string ((*n)++, &key, index, sizeof index);
        bson_append_utf8 (missing, key, -1, value, -1);
      }
    }
  }
  bson_destroy (&found);
  bson_destroy (&filter);
  return ok;
}

/*
 * Walks the documents of @coll matching @base (may be empty) in the order of their string
 * field @field, MT_MONGO_REPAIR_STEP distinct values at a time, and calls @each with the
 * values that are not the "_id" of a document of @parent.
 */
static bool
mt_mongo_orphans_repair (mt_store_t *store, mt_mongo_coll_t coll, const char *field,
                         const bson_t *base, mt_mongo_coll_t parent, mt_mongo_orphans_fn each,
                         void *arg, mt_error_t *error)
{
  char last[512] = "";
  bson_t filter, opts = BSON_INITIALIZER, child, values, missing;
  mongoc_cursor_t *cursor;
  bson_error_t bson_error;
  const bson_t *doc;
  const char *value, *key;
  char index[16];
  uint32_t count, n;
  int steps;
  bool more = true;
  bool ok = true;

  BSON_APPEND_DOCUMENT_BEGIN (&opts, "sort", &child);
  BSON_APPEND_INT32 (&child, field, 1);
  bson_append_document_end (&opts, &child);
  BSON_APPEND_DOCUMENT_BEGIN (&opts, "projection", &child);
  BSON_APPEND_INT32 (&child, field, 1);
  bson_append_document_end (&opts, &child);
  for (steps = 0; ok && more && steps < MT_MONGO_REPAIR_STEPS_MAX; steps++) {
    bson_copy_to (base, &filter);
    BSON_APPEND_DOCUMENT_BEGIN (&filter, field, &child);
    BSON_APPEND_UTF8 (&child, "$gt", last);
    bson_append_document_end (&filter, &child);
    bson_init (&values);
    bson_init (&missing);
    count = 0;
    n = 0;
    more = false;
    cursor = mongoc_collection_find_with_opts (mt_mongo_coll (store, coll), &filter, &opts, NULL);
    while (mongoc_cursor_next (cursor, &doc)) {
      value = mt_mongo_doc_str (doc, field);
      if (!value || strlen (value) >= sizeof last || strcmp (value, last) == 0) {
        continue;
      }
      if (count == MT_MONGO_REPAIR_STEP) {
        more = true;
        break;
      }
      snprintf (last, sizeof last, "%s", value);
      bson_uint32_to_string (count++, &key, index, sizeof index);
      bson_append_utf8 (&values, key, -1, value, -1);
    }
    if (mongoc_cursor_error (cursor, &bson_error)) {
      mt_mongo_error (&bson_error, NULL, "repair scan", error);
      ok = false;
    }
    mongoc_cursor_destroy (cursor);
    ok = ok && (count == 0 || mt_mongo_missing (store, parent, &values, &missing, &n, error)) &&
         (n == 0 || each (store, &missing, arg, error));
    bson_destroy (&values);
    bson_destroy (&missing);
    bson_destroy (&filter);
  }
  bson_destroy (&opts);
  return ok;
}

static bool
mt_mongo_orphan_photos (mt_store_t *store, const bson_t *listing_ids, void *arg, mt_error_t *error)
{
  return mt_mongo_photos_of_listings_delete (store, listing_ids, error);
}

static bool
mt_mongo_orphan_calendars (mt_store_t *store, const bson_t *listing_ids, void *arg,
                           mt_error_t *error)
{
  return mt_mongo_calendars_of_listings_delete (store, listing_ids, error);
}

static bool
mt_mongo_orphan_chunks (mt_store_t *store, const bson_t *photo_ids, void *arg, mt_error_t *error)
{
  return mt_mongo_chunks_delete (store, photo_ids, arg, error);
}

bool
mt_mongo_listings_repair (mt_store_t *store, int64_t older_than_ms, mt_error_t *error)
{
  bson_t none = BSON_INITIALIZER, old = BSON_INITIALIZER, child;
  bool ok;

  /* Chunks are written before their metadata: only old ones can be orphans. */
  BSON_APPEND_DOCUMENT_BEGIN (&old, "at", &child);
  BSON_APPEND_DATE_TIME (&child, "$lt", older_than_ms);
  bson_append_document_end (&old, &child);
  ok = mt_mongo_batches_repair (store, older_than_ms, error) &&
       mt_mongo_orphans_repair (store, MT_MONGO_PHOTOS, "listing_id", &none, MT_MONGO_LISTINGS,
                                mt_mongo_orphan_photos, NULL, error) &&
       mt_mongo_orphans_repair (store, MT_MONGO_CALENDARS, "_id", &none, MT_MONGO_LISTINGS,
                                mt_mongo_orphan_calendars, NULL, error) &&
       mt_mongo_orphans_repair (store, MT_MONGO_PHOTO_CHUNKS, "photo_id", &old, MT_MONGO_PHOTOS,
                                mt_mongo_orphan_chunks, &old, error);
  bson_destroy (&none);
  bson_destroy (&old);
  return ok;
}

void
mt_mongo_listings_ops (mt_store_ops_t *ops)
{
  ops->listing_insert = mt_mongo_listing_insert;
  ops->listing_insert_many = mt_mongo_listing_insert_many;
  ops->listing_get = mt_mongo_listing_get;
  ops->listing_update = mt_mongo_listing_update;
  ops->listing_delete = mt_mongo_listing_delete;
  ops->photo_insert = mt_mongo_photo_insert;
  ops->photo_get = mt_mongo_photo_get;
  ops->photo_delete = mt_mongo_photo_delete;
  ops->need_insert = mt_mongo_need_insert;
  ops->need_get = mt_mongo_need_get;
  ops->need_update = mt_mongo_need_update;
  ops->need_answer_insert = mt_mongo_need_answer_insert;
  ops->need_answer_list = mt_mongo_need_answer_list;
}
