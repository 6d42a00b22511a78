/*
 * store_sqlite_listings.c: listings, their photos and their calendars in the SQLite adapter.
 *
 * A listing row holds the document and the columns store.h indexes (owner_id, kind,
 * category, status, visibility, territory.departement as "departement", created_at in
 * milliseconds); its full-text row in listings_fts (title, description, tags joined by
 * newlines) has the listing's rowid "seq" and is rewritten in the transaction of every write
 * of the listing: insert, update, delete. Photos and the calendar reference the listing with
 * ON DELETE CASCADE (foreign_keys is ON on every connection), so deleting a listing removes
 * them in the same statement. calendar_list pages through the calendars by listing_id (for the
 * reconciliation of calendars with reservations).
 *
 * Needs (store_sqlite_needs.c) are laid out like listings, with their own FTS5 table: the
 * columns, the texts and the full-text row writes are shared (mt_sqlite_searchable_t).
 */
#include "store_sqlite_private.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* ---- What listings and needs share ------------------------------------------------------ */

bool
mt_sqlite_searchable_texts (const mt_sqlite_kind_t *kind, const bson_t *doc,
                            mt_sqlite_text_t *title, mt_sqlite_text_t *description, mt_buf_t *tags,
                            mt_error_t *error)
{
  bson_iter_t it;
  bson_iter_t child;
  const char *tag;
  uint32_t len = 0;
  bool first = true;

  if (!mt_sqlite_field_text (doc, "title", false, kind, title, error) ||
      !mt_sqlite_field_text (doc, "description", false, kind, description, error)) {
    return false;
  }
  if (!bson_iter_init_find (&it, doc, "tags") || BSON_ITER_HOLDS_NULL (&it)) {
    return true;
  }
  if (!BSON_ITER_HOLDS_ARRAY (&it) || !bson_iter_recurse (&it, &child)) {
    return mt_sqlite_bad_document (kind->en, "tags", error);
  }
  while (bson_iter_next (&child)) {
    if (!BSON_ITER_HOLDS_UTF8 (&child)) {
      return mt_sqlite_bad_document (kind->en, "tags", error);
    }
    tag = bson_iter_utf8 (&child, &len);
    if (!first) {
      mt_buf_append_char (tags, '\n');
    }
    mt_buf_append (tags, tag, len);
    first = false;
  }
  if (tags->failed) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                  "document invalide (%s%.0s) : étiquettes trop longues",
                  "bad document (%.0s%s): tags too long", kind->fr, kind->en);
    return false;
  }
  return true;
}

bool
mt_sqlite_searchable_bind (const mt_sqlite_searchable_t *s, mt_sqlite_store_t *store,
                           sqlite3_stmt *stmt, const bson_t *doc, mt_error_t *error)
{
  const mt_sqlite_kind_t *kind = s->kind;
  bson_iter_t it;
  int64_t created_at;

  /* "territory": absent, null or a document (its "departement" is indexed). */
  if (bson_iter_init_find (&it, doc, "territory") && !BSON_ITER_HOLDS_NULL (&it) &&
      !BSON_ITER_HOLDS_DOCUMENT (&it)) {
    return mt_sqlite_bad_document (kind->en, "territory", error);
  }
  /* "created_at": a date-time (or an integer of milliseconds); it orders every search. */
  if (!bson_iter_init_find (&it, doc, "created_at")) {
    return mt_sqlite_bad_document (kind->en, "created_at", error);
  }
  if (BSON_ITER_HOLDS_DATE_TIME (&it)) {
    created_at = bson_iter_date_time (&it);
  } else if (BSON_ITER_HOLDS_INT64 (&it)) {
    created_at = bson_iter_int64 (&it);
  } else if (BSON_ITER_HOLDS_INT32 (&it)) {
    created_at = bson_iter_int32 (&it);
  } else {
    return mt_sqlite_bad_document (kind->en, "created_at", error);
  }
  return mt_sqlite_bind_field (store, stmt, 4, doc, "owner_id", true, kind, error) &&
         mt_sqlite_bind_field (store, stmt, 5, doc, "kind", false, kind, error) &&
         mt_sqlite_bind_field (store, stmt, 6, doc, "category", false, kind, error) &&
         mt_sqlite_bind_field (store, stmt, 7, doc, "status", false, kind, error) &&
         mt_sqlite_bind_field (store, stmt, 8, doc, "visibility", false, kind, error) &&
         mt_sqlite_bind_field (store, stmt, 9, doc, "territory.departement", false, kind, error) &&
         mt_sqlite_bind_int64 (store, stmt, 10, created_at, error) &&
         mt_sqlite_bind_document (store, stmt, 11, doc, error);
}

bool
mt_sqlite_searchable_text_delete (const mt_sqlite_searchable_t *s, mt_sqlite_store_t *store,
                                  const char *id, mt_error_t *error)
{
  sqlite3_stmt *stmt = NULL;

  if (!mt_sqlite_stmt (store, s->text_delete, &stmt, error) ||
      !mt_sqlite_bind_cstr (store, stmt, 1, id, error)) {
    mt_sqlite_release (stmt);
    return false;
  }
  return mt_sqlite_step_done (store, stmt, s->fts, error);
}

bool
mt_sqlite_searchable_text_write (const mt_sqlite_searchable_t *s, mt_sqlite_store_t *store,
                                 const char *id, const bson_t *doc, bool is_new, mt_error_t *error)
{
  mt_sqlite_text_t title, description;
  sqlite3_stmt *stmt = NULL;
  mt_buf_t tags;
  bool ok = false;

  mt_buf_init (&tags, MT_SQLITE_TAGS_MAX);
  if (!mt_sqlite_searchable_texts (s->kind, doc, &title, &description, &tags, error) ||
      (!is_new && !mt_sqlite_searchable_text_delete (s, store, id, error))) {
    goto done;
  }
  if (!mt_sqlite_stmt (store, s->text_insert, &stmt, error) ||
      !mt_sqlite_bind_cstr (store, stmt, 1, id, error) ||
      !mt_sqlite_bind_text (store, stmt, 2, &title, error) ||
      !mt_sqlite_bind_text (store, stmt, 3, &description, error) ||
      !mt_sqlite_bound (
        store, sqlite3_bind_text (stmt, 4, mt_buf_cstr (&tags), (int) tags.len, SQLITE_STATIC),
        error)) {
    goto done;
  }
  ok = mt_sqlite_step_done (store, stmt, s->fts, error);
  stmt = NULL;
  if (ok && sqlite3_changes (store->db) != 1) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                  "%s%.0s sans ligne plein texte après écriture",
                  "%.0s%s without its full-text row after a write", s->kind->fr, s->kind->en);
    ok = false;
  }
done:
  mt_sqlite_release (stmt);
  mt_buf_destroy (&tags);
  return ok;
}

/* ---- Listings ---------------------------------------------------------------------------- */

const mt_sqlite_searchable_t mt_sqlite_listings = {
  .kind = &mt_sqlite_kind_listing,
  .table = "listings",
  .fts = "listings_fts",
  .text_insert = MT_SQL_LISTING_TEXT_INSERT,
  .text_delete = MT_SQL_LISTING_TEXT_DELETE,
  .need = false,
  .what = "listing search",
};

static bool
mt_sqlite_listing_bind (mt_sqlite_store_t *store, sqlite3_stmt *stmt, const bson_t *doc,
                        mt_error_t *error)
{
  return mt_sqlite_searchable_bind (&mt_sqlite_listings, store, stmt, doc, error);
}

static bool
mt_sqlite_listing_text_write (mt_sqlite_store_t *store, const char *id, const bson_t *doc,
                              bool is_new, mt_error_t *error)
{
  return mt_sqlite_searchable_text_write (&mt_sqlite_listings, store, id, doc, is_new, error);
}

static bool
mt_sqlite_listing_text_delete (mt_sqlite_store_t *store, const char *id, mt_error_t *error)
{
  return mt_sqlite_searchable_text_delete (&mt_sqlite_listings, store, id, error);
}

const mt_sqlite_kind_t mt_sqlite_kind_listing = {
  .en = "listing",
  .fr = "annonce",
  .key_field = "id",
  .insert_sql = MT_SQL_LISTING_INSERT,
  .update_sql = MT_SQL_LISTING_UPDATE,
  .version_sql = MT_SQL_LISTING_VERSION,
  .delete_sql = MT_SQL_LISTING_DELETE,
  .get_sql = MT_SQL_LISTING_GET,
  .columns_sql = MT_SQL_CHECK_LISTING,
  .bind = mt_sqlite_listing_bind,
  .write_derived = mt_sqlite_listing_text_write,
  .delete_derived = mt_sqlite_listing_text_delete,
};

bool
mt_sqlite_listing_insert (mt_store_t *base, const bson_t *listing, mt_error_t *error)
{
  return mt_sqlite_doc_insert (mt_sqlite_store (base), &mt_sqlite_kind_listing, listing, error);
}

bool
mt_sqlite_listing_insert_many (mt_store_t *base, const bson_t *const *listings, size_t count,
                               mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);
  bool ok = false;
  size_t i;

  if (count == 0) {
    return true;
  }
  if (!listings) {
    return mt_sqlite_bad_document ("listing", "id", error);
  }
  if (!mt_sqlite_begin (store, error)) {
    return false;
  }
  for (i = 0; i < count; i++) {
    if (!mt_sqlite_doc_insert_row (store, &mt_sqlite_kind_listing, listings[i], error)) {
      goto done;
    }
  }
  ok = mt_sqlite_commit (store, error);
done:
  if (!ok) {
    mt_sqlite_rollback (store);
  }
  return ok;
}

bool
mt_sqlite_listing_get (mt_store_t *base, const char *id, bson_t *out, mt_error_t *error)
{
  return mt_sqlite_get_one (mt_sqlite_store (base), MT_SQL_LISTING_GET, id, &mt_sqlite_kind_listing,
                            out, error);
}

bool
mt_sqlite_listing_update (mt_store_t *base, const char *id, int64_t expected_version,
                          const bson_t *listing, mt_error_t *error)
{
  return mt_sqlite_doc_update (mt_sqlite_store (base), &mt_sqlite_kind_listing, id,
                               expected_version, listing, error);
}

bool
mt_sqlite_listing_delete (mt_store_t *base, const char *id, int64_t expected_version,
                          mt_error_t *error)
{
  /* Photos and calendar go with the row (ON DELETE CASCADE). */
  return mt_sqlite_doc_delete (mt_sqlite_store (base), &mt_sqlite_kind_listing, id,
                               expected_version, error);
}

/* ---- Photos ------------------------------------------------------------------------------ */

/* For messages; photos are not versioned documents (written once, then deleted). */
static const mt_sqlite_kind_t mt_sqlite_kind_photo = {
  .en = "photo",
  .fr = "photo",
  .key_field = "id",
  .insert_sql = MT_SQL_PHOTO_INSERT,
  .update_sql = MT_SQL_COUNT,
  .version_sql = MT_SQL_COUNT,
  .delete_sql = MT_SQL_PHOTO_DELETE,
  .get_sql = MT_SQL_PHOTO_GET,
  .columns_sql = MT_SQL_COUNT,
  .bind = NULL,
  .write_derived = NULL,
  .delete_derived = NULL,
};

bool
mt_sqlite_photo_insert (mt_store_t *base, const bson_t *meta, const uint8_t *data, size_t len,
                        mt_error_t *error)
{
  const mt_sqlite_kind_t *kind = &mt_sqlite_kind_photo;
  mt_sqlite_store_t *store = mt_sqlite_store (base);
  mt_sqlite_text_t id, listing_id;
  sqlite3_stmt *stmt = NULL;
  bool ok = false;

  if (!meta || (!data && len > 0)) {
    return mt_sqlite_bad_document (kind->en, "id", error);
  }
  if (len > INT_MAX) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL, "photo trop volumineuse",
                  "photo too large");
    return false;
  }
  if (!mt_sqlite_field_text (meta, "id", true, kind, &id, error) ||
      !mt_sqlite_field_text (meta, "listing_id", true, kind, &listing_id, error)) {
    goto done;
  }
  if (id.len == 0 || listing_id.len == 0) {
    mt_sqlite_bad_document (kind->en, id.len == 0 ? "id" : "listing_id", error);
    goto done;
  }
  /* A zero-length blob needs a non-NULL pointer (NULL binds SQL NULL). */
  if (!mt_sqlite_stmt (store, MT_SQL_PHOTO_INSERT, &stmt, error) ||
      !mt_sqlite_bind_text (store, stmt, 1, &id, error) ||
      !mt_sqlite_bind_text (store, stmt, 2, &listing_id, error) ||
      !mt_sqlite_bind_document (store, stmt, 3, meta, error) ||
      !mt_sqlite_bound (
        store,
        sqlite3_bind_blob (stmt, 4, len ? (const void *) data : "", (int) len, SQLITE_STATIC),
        error)) {
    goto done;
  }
  ok = mt_sqlite_step_done (store, stmt, "photo insert", error);
  stmt = NULL;
done:
  mt_sqlite_release (stmt);
  return ok;
}

bool
mt_sqlite_photo_get (mt_store_t *base, const char *id, bson_t *meta_out, uint8_t **data_out,
                     size_t *len_out, mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);
  sqlite3_stmt *stmt = NULL;
  const void *blob;
  uint8_t *copy = NULL;
  bson_t view;
  bool ok = false;
  int bytes;
  int rc;

  bson_init (meta_out);
  *data_out = NULL;
  *len_out = 0;
  if (!id) {
    return mt_sqlite_not_found (&mt_sqlite_kind_photo, error);
  }
  if (!mt_sqlite_stmt (store, MT_SQL_PHOTO_GET, &stmt, error) ||
      !mt_sqlite_bind_cstr (store, stmt, 1, id, error)) {
    goto done;
  }
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE) {
    mt_sqlite_not_found (&mt_sqlite_kind_photo, error);
    goto done;
  }
  if (rc != SQLITE_ROW) {
    mt_sqlite_fail (store->db, rc, "photo", error);
    goto done;
  }
  if (!mt_sqlite_column_view (stmt, 0, &view, error)) {
    goto done;
  }
  blob = sqlite3_column_blob (stmt, 1);
  bytes = sqlite3_column_bytes (stmt, 1);
  if (bytes < 0 || (!blob && bytes > 0)) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL, "photo stockée illisible",
                  "stored photo unreadable");
    goto done;
  }
  copy = malloc (bytes > 0 ? (size_t) bytes : 1);
  if (!copy) {
    mt_sqlite_out_of_memory (error);
    goto done;
  }
  if (bytes > 0) {
    memcpy (copy, blob, (size_t) bytes);
  }
  bson_destroy (meta_out);
  bson_copy_to (&view, meta_out);
  *data_out = copy;
  *len_out = (size_t) bytes;
  copy = NULL;
  ok = true;
done:
  free (copy);
  mt_sqlite_release (stmt);
  return ok;
}

bool
mt_sqlite_photo_delete (mt_store_t *base, const char *id, mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);
  sqlite3_stmt *stmt = NULL;

  if (!id) {
    return mt_sqlite_not_found (&mt_sqlite_kind_photo, error);
  }
  if (!mt_sqlite_stmt (store, MT_SQL_PHOTO_DELETE, &stmt, error) ||
      !mt_sqlite_bind_cstr (store, stmt, 1, id, error)) {
    mt_sqlite_release (stmt);
    return false;
  }
  if (!mt_sqlite_step_done (store, stmt, "photo delete", error)) {
    return false;
  }
  if (sqlite3_changes (store->db) == 0) {
    return mt_sqlite_not_found (&mt_sqlite_kind_photo, error);
  }
  return true;
}

/* ---- Calendars --------------------------------------------------------------------------- */

/* ?4 doc: a calendar indexes nothing but its listing. */
static bool
mt_sqlite_calendar_bind (mt_sqlite_store_t *store, sqlite3_stmt *stmt, const bson_t *doc,
                         mt_error_t *error)
{
  return mt_sqlite_bind_document (store, stmt, 4, doc, error);
}

const mt_sqlite_kind_t mt_sqlite_kind_calendar = {
  .en = "calendar",
  .fr = "calendrier",
  .key_field = "listing_id",
  .insert_sql = MT_SQL_CALENDAR_INSERT,
  .update_sql = MT_SQL_CALENDAR_UPDATE,
  .version_sql = MT_SQL_CALENDAR_VERSION,
  .delete_sql = MT_SQL_COUNT,
  .get_sql = MT_SQL_CALENDAR_GET,
  .columns_sql = MT_SQL_COUNT,
  .bind = mt_sqlite_calendar_bind,
  .write_derived = NULL,
  .delete_derived = NULL,
};

bool
mt_sqlite_calendar_get (mt_store_t *base, const char *listing_id, bson_t *out, mt_error_t *error)
{
  mt_error_t local;
  bson_t entries;

  mt_error_clear (&local);
  if (!listing_id) {
    bson_init (out);
    return mt_sqlite_not_found (&mt_sqlite_kind_listing, error);
  }
  if (mt_sqlite_get_one (mt_sqlite_store (base), MT_SQL_CALENDAR_GET, listing_id,
                         &mt_sqlite_kind_calendar, out, &local)) {
    return true;
  }
  if (local.code != MT_ERR_NOT_FOUND) {
    mt_error_copy (error, &local);
    return false;
  }
  /* None stored: the empty calendar, version 0 (calendar_put with 0 creates it). */
  bson_reinit (out);
  BSON_APPEND_UTF8 (out, "listing_id", listing_id);
  BSON_APPEND_INT64 (out, "version", 0);
  BSON_APPEND_ARRAY_BEGIN (out, "entries", &entries);
  bson_append_array_end (out, &entries);
  return true;
}

/* Turns a lost race into MT_ERR_STALE: a calendar that is not stored has version 0. */
static bool
mt_sqlite_calendar_stale (int64_t expected_version, mt_error_t *error)
{
  mt_error_set (
    error, MT_DOMAIN_STORE, MT_ERR_STALE, "calendrier modifié entre-temps (version %lld attendue)",
    "calendar changed concurrently (expected version %lld)", (long long) expected_version);
  return false;
}

bool
mt_sqlite_calendar_put (mt_store_t *base, const char *listing_id, int64_t expected_version,
                        const bson_t *calendar, mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);
  const mt_sqlite_kind_t *kind = &mt_sqlite_kind_calendar;
  mt_error_t local;

  mt_error_clear (&local);
  if (!listing_id) {
    return mt_sqlite_not_found (&mt_sqlite_kind_listing, error);
  }
  if (!mt_sqlite_doc_has_key (calendar, kind, listing_id, error)) {
    return false;
  }
  if (expected_version < 0) {
    return mt_sqlite_calendar_stale (expected_version, error);
  }
  if (expected_version == 0) {
    /* Creation: one statement. A calendar already there: someone else created it first. A
     * listing that does not exist: MT_ERR_NOT_FOUND (foreign key). */
    if (mt_sqlite_doc_insert_row (store, kind, calendar, &local)) {
      return true;
    }
    if (local.code == MT_ERR_DUPLICATE) {
      return mt_sqlite_calendar_stale (expected_version, error);
    }
  } else {
    if (mt_sqlite_doc_update (store, kind, listing_id, expected_version, calendar, &local)) {
      return true;
    }
    if (local.code == MT_ERR_NOT_FOUND) {
      /* No calendar stored: its version is 0, not the one expected. */
      return mt_sqlite_calendar_stale (expected_version, error);
    }
  }
  mt_error_copy (error, &local);
  return false;
}

bool
mt_sqlite_calendar_list (mt_store_t *base, const char *cursor, uint32_t limit, mt_store_page_t *out,
                         mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);
  mt_sqlite_row_key_t after;
  sqlite3_stmt *stmt = NULL;
  bool has_after = false;
  bool ok = false;

  mt_store_page_init (out);
  if (!mt_sqlite_list_window (MT_SQLITE_LIST_CALENDARS, cursor, limit, &limit, &after, &has_after,
                              error) ||
      !mt_sqlite_stmt (store, has_after ? MT_SQL_CALENDAR_LIST_AFTER : MT_SQL_CALENDAR_LIST, &stmt,
                       error) ||
      (has_after &&
       !mt_sqlite_bound (
         store, sqlite3_bind_text (stmt, 2, after.id, (int) after.id_len, SQLITE_STATIC), error)) ||
      !mt_sqlite_bind_int64 (store, stmt, 3, (int64_t) limit + 1, error)) {
    goto done;
  }
  ok = mt_sqlite_page_fill_rows (store, stmt, MT_SQLITE_LIST_CALENDARS, limit, out, "calendar list",
                                 error);
done:
  mt_sqlite_release (stmt);
  if (!ok) {
    mt_store_page_destroy (out);
    mt_store_page_init (out);
  }
  return ok;
}
