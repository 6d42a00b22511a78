/*
 * store_sqlite_rows.c: what every kind of document shares in the SQLite adapter.
 *
 * Each document is stored whole as a BSON blob, next to the columns store.h names (copied
 * from the document on every write by its kind's bind function) for lookups, unique keys and
 * ordering. Inserts store version 1; updates are compare-and-set: UPDATE ... WHERE key = ? AND
 * version = ? inside BEGIN IMMEDIATE, and when no row changed, the same transaction tells a
 * missing document (MT_ERR_NOT_FOUND) from a newer one (MT_ERR_STALE). Deletes check the
 * version first under the same write lock. Rows derived from a document (member_networks,
 * the full-text row of a listing) are rewritten in the same transaction as the document.
 * The stored document's "version" field is rewritten in place (same position, int64) so that
 * it always equals the column. Immutable records (kind->unversioned: messages, audit entries,
 * notifications) have no version: they are stored exactly as given and never updated.
 */
#include "store_sqlite_private.h"

#include <string.h>

/* ---- Errors ------------------------------------------------------------------------------ */

/*
 * Messages name a kind in both languages; both formats of mt_error_set take the same
 * arguments, so they pass (fr, en) and each language skips the other with "%.0s".
 */
bool
mt_sqlite_not_found (const mt_sqlite_kind_t *kind, mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_NOT_FOUND, "%s introuvable%.0s", "no such %.0s%s",
                kind->fr, kind->en);
  return false;
}

bool
mt_sqlite_out_of_memory (mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL, "mémoire épuisée", "out of memory");
  return false;
}

/* ---- Reading fields of documents --------------------------------------------------------- */

bool
mt_sqlite_field_text (const bson_t *doc, const char *key, bool required,
                      const mt_sqlite_kind_t *kind, mt_sqlite_text_t *out, mt_error_t *error)
{
  bson_iter_t it;
  bson_iter_t found;
  uint32_t len = 0;
  bool present;

  out->str = NULL;
  out->len = 0;
  if (strchr (key, '.')) {
    present = bson_iter_init (&it, doc) && bson_iter_find_descendant (&it, key, &found);
  } else {
    present = bson_iter_init_find (&found, doc, key);
  }
  if (!present || BSON_ITER_HOLDS_NULL (&found)) {
    return required ? mt_sqlite_bad_document (kind->en, key, error) : true;
  }
  if (!BSON_ITER_HOLDS_UTF8 (&found)) {
    return mt_sqlite_bad_document (kind->en, key, error);
  }
  out->str = bson_iter_utf8 (&found, &len);
  out->len = (int) len;
  return true;
}

/* The document's key (kind->key_field): a non-empty string without NUL bytes. */
static bool
mt_sqlite_field_key (const bson_t *doc, const mt_sqlite_kind_t *kind, mt_sqlite_text_t *out,
                     mt_error_t *error)
{
  if (!mt_sqlite_field_text (doc, kind->key_field, true, kind, out, error)) {
    return false;
  }
  if (out->len == 0 || strlen (out->str) != (size_t) out->len) {
    return mt_sqlite_bad_document (kind->en, kind->key_field, error);
  }
  return true;
}

/* An update's document must describe the document it replaces. */
static bool
mt_sqlite_same_key (const mt_sqlite_text_t *doc_key, const char *key, const mt_sqlite_kind_t *kind,
                    mt_error_t *error)
{
  if ((size_t) doc_key->len != strlen (key) ||
      memcmp (doc_key->str, key, (size_t) doc_key->len) != 0) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                  "document invalide (%s%.0s) : son « %s » diffère de celui de la mise à jour",
                  "bad document (%.0s%s): its \"%s\" differs from the one being updated", kind->fr,
                  kind->en, kind->key_field);
    return false;
  }
  return true;
}

bool
mt_sqlite_doc_has_key (const bson_t *doc, const mt_sqlite_kind_t *kind, const char *key,
                       mt_error_t *error)
{
  mt_sqlite_text_t doc_key;

  if (!doc) {
    return mt_sqlite_bad_document (kind->en, kind->key_field, error);
  }
  return mt_sqlite_field_key (doc, kind, &doc_key, error) &&
         mt_sqlite_same_key (&doc_key, key, kind, error);
}

/* ---- Binding ----------------------------------------------------------------------------- */

bool
mt_sqlite_bound (mt_sqlite_store_t *store, int rc, mt_error_t *error)
{
  return rc == SQLITE_OK ? true : mt_sqlite_fail (store->db, rc, "bind", error);
}

bool
mt_sqlite_bind_text (mt_sqlite_store_t *store, sqlite3_stmt *stmt, int index,
                     const mt_sqlite_text_t *text, mt_error_t *error)
{
  int rc = text->str ? sqlite3_bind_text (stmt, index, text->str, text->len, SQLITE_STATIC)
                     : sqlite3_bind_null (stmt, index);
  return mt_sqlite_bound (store, rc, error);
}

bool
mt_sqlite_bind_field (mt_sqlite_store_t *store, sqlite3_stmt *stmt, int index, const bson_t *doc,
                      const char *key, bool required, const mt_sqlite_kind_t *kind,
                      mt_error_t *error)
{
  mt_sqlite_text_t text;

  return mt_sqlite_field_text (doc, key, required, kind, &text, error) &&
         mt_sqlite_bind_text (store, stmt, index, &text, error);
}

bool
mt_sqlite_bind_cstr (mt_sqlite_store_t *store, sqlite3_stmt *stmt, int index, const char *text,
                     mt_error_t *error)
{
  return mt_sqlite_bound (store, sqlite3_bind_text (stmt, index, text, -1, SQLITE_STATIC), error);
}

bool
mt_sqlite_bind_int64 (mt_sqlite_store_t *store, sqlite3_stmt *stmt, int index, int64_t value,
                      mt_error_t *error)
{
  return mt_sqlite_bound (store, sqlite3_bind_int64 (stmt, index, value), error);
}

bool
mt_sqlite_bind_document (mt_sqlite_store_t *store, sqlite3_stmt *stmt, int index, const bson_t *doc,
                         mt_error_t *error)
{
  return mt_sqlite_bound (
    store, sqlite3_bind_blob (stmt, index, bson_get_data (doc), (int) doc->len, SQLITE_STATIC),
    error);
}

bool
mt_sqlite_bind_sort_key (mt_sqlite_store_t *store, sqlite3_stmt *stmt, int index, const bson_t *doc,
                         const char *key, const mt_sqlite_kind_t *kind, mt_error_t *error)
{
  bson_iter_t it;
  const char *str;
  uint32_t len = 0;
  int rc;

  if (!bson_iter_init_find (&it, doc, key)) {
    return mt_sqlite_bound (store, sqlite3_bind_null (stmt, index), error);
  }
  switch (bson_iter_type (&it)) {
  case BSON_TYPE_NULL:
    rc = sqlite3_bind_null (stmt, index);
    break;
  case BSON_TYPE_INT32:
    rc = sqlite3_bind_int64 (stmt, index, bson_iter_int32 (&it));
    break;
  case BSON_TYPE_INT64:
    rc = sqlite3_bind_int64 (stmt, index, bson_iter_int64 (&it));
    break;
  case BSON_TYPE_DATE_TIME:
    rc = sqlite3_bind_int64 (stmt, index, bson_iter_date_time (&it));
    break;
  case BSON_TYPE_DOUBLE:
    rc = sqlite3_bind_double (stmt, index, bson_iter_double (&it));
    break;
  case BSON_TYPE_UTF8:
    str = bson_iter_utf8 (&it, &len);
    rc = sqlite3_bind_text (stmt, index, str, (int) len, SQLITE_STATIC);
    break;
  case BSON_TYPE_EOD:
  case BSON_TYPE_DOCUMENT:
  case BSON_TYPE_ARRAY:
  case BSON_TYPE_BINARY:
  case BSON_TYPE_UNDEFINED:
  case BSON_TYPE_OID:
  case BSON_TYPE_BOOL:
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
    return mt_sqlite_bad_document (kind->en, key, error);
  }
  return mt_sqlite_bound (store, rc, error);
}

bool
mt_sqlite_bind_date (mt_sqlite_store_t *store, sqlite3_stmt *stmt, int index, const bson_t *doc,
                     const char *key, bool required, const mt_sqlite_kind_t *kind,
                     mt_error_t *error)
{
  bson_iter_t it;

  if (!bson_iter_init_find (&it, doc, key) || BSON_ITER_HOLDS_NULL (&it)) {
    return required ? mt_sqlite_bad_document (kind->en, key, error)
                    : mt_sqlite_bound (store, sqlite3_bind_null (stmt, index), error);
  }
  if (!BSON_ITER_HOLDS_DATE_TIME (&it)) {
    return mt_sqlite_bad_document (kind->en, key, error);
  }
  return mt_sqlite_bound (store, sqlite3_bind_int64 (stmt, index, bson_iter_date_time (&it)),
                          error);
}

bool
mt_sqlite_bind_integer (mt_sqlite_store_t *store, sqlite3_stmt *stmt, int index, const bson_t *doc,
                        const char *key, const mt_sqlite_kind_t *kind, mt_error_t *error)
{
  bson_iter_t it;
  int rc;

  if (!bson_iter_init_find (&it, doc, key) || BSON_ITER_HOLDS_NULL (&it)) {
    rc = sqlite3_bind_null (stmt, index);
  } else if (BSON_ITER_HOLDS_INT32 (&it)) {
    rc = sqlite3_bind_int64 (stmt, index, bson_iter_int32 (&it));
  } else if (BSON_ITER_HOLDS_INT64 (&it)) {
    rc = sqlite3_bind_int64 (stmt, index, bson_iter_int64 (&it));
  } else {
    return mt_sqlite_bad_document (kind->en, key, error);
  }
  return mt_sqlite_bound (store, rc, error);
}

/* ---- Documents in and out ---------------------------------------------------------------- */

/*
 * Initialises @out with a copy of @doc whose "version" is the int64 @version, at the place
 * the field had (appended when absent; later duplicates dropped).
 */
static bool
mt_sqlite_with_version (const bson_t *doc, int64_t version, const mt_sqlite_kind_t *kind,
                        bson_t *out, mt_error_t *error)
{
  bson_iter_t it;
  bool seen = false;

  bson_init (out);
  if (!bson_iter_init (&it, doc)) {
    return mt_sqlite_bad_document (kind->en, "version", error);
  }
  while (bson_iter_next (&it)) {
    if (strcmp (bson_iter_key (&it), "version") == 0) {
      if (!seen && !bson_append_int64 (out, "version", 7, version)) {
        goto too_large;
      }
      seen = true;
    } else if (!bson_append_iter (out, NULL, 0, &it)) {
      goto too_large;
    }
  }
  if (!seen && !bson_append_int64 (out, "version", 7, version)) {
    goto too_large;
  }
  return true;
too_large:
  mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL, "document trop volumineux (%s%.0s)",
                "document too large (%.0s%s)", kind->fr, kind->en);
  return false;
}

bool
mt_sqlite_column_view (sqlite3_stmt *stmt, int col, bson_t *view, mt_error_t *error)
{
  const uint8_t *data = sqlite3_column_blob (stmt, col);
  int len = sqlite3_column_bytes (stmt, col);

  if (!data || len <= 0 || !bson_init_static (view, data, (size_t) len)) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                  "document stocké illisible (BSON invalide)",
                  "stored document unreadable (invalid BSON)");
    return false;
  }
  return true;
}

bool
mt_sqlite_page_append (mt_store_page_t *page, sqlite3_stmt *stmt, int col, mt_error_t *error)
{
  char buf[16];
  const char *key = NULL;
  size_t key_len;
  bson_t view;

  if (!mt_sqlite_column_view (stmt, col, &view, error)) {
    return false;
  }
  key_len = bson_uint32_to_string (page->count, &key, buf, sizeof buf);
  if (!bson_append_document (&page->items, key, (int) key_len, &view)) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL, "page trop volumineuse",
                  "page too large");
    return false;
  }
  page->count++;
  return true;
}

bool
mt_sqlite_page_fill (mt_sqlite_store_t *store, sqlite3_stmt *stmt, uint32_t limit, int name_col,
                     int id_col, mt_store_page_t *out, const char *what, mt_error_t *error)
{
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
    if (out->count == limit) {
      break;
    }
    if (!mt_sqlite_page_append (out, stmt, 0, error)) {
      return false;
    }
    /* Remember this row's key in case the next one is beyond the page. */
    mt_sqlite_cursor_encode (name_col < 0 ? NULL
                                          : (const char *) sqlite3_column_text (stmt, name_col),
                             name_col < 0 ? 0 : (size_t) sqlite3_column_bytes (stmt, name_col),
                             (const char *) sqlite3_column_text (stmt, id_col),
                             (size_t) sqlite3_column_bytes (stmt, id_col), out->next_cursor);
  }
  if (rc != SQLITE_ROW) {
    /* No row beyond this page: it is the last one. */
    out->next_cursor[0] = '\0';
    if (rc != SQLITE_DONE) {
      return mt_sqlite_fail (store->db, rc, what, error);
    }
  }
  return true;
}

bool
mt_sqlite_list_window (mt_sqlite_list_t list, const char *cursor, uint32_t limit, uint32_t *clamped,
                       mt_sqlite_row_key_t *after, bool *has_after, mt_error_t *error)
{
  memset (after, 0, sizeof *after);
  *has_after = false;
  *clamped = limit > MT_STORE_PAGE_MAX ? MT_STORE_PAGE_MAX : limit;
  if (limit == 0) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_BAD_REQUEST, "taille de page invalide (1 à %d)",
                  "invalid page size (1 to %d)", MT_STORE_PAGE_MAX);
    return false;
  }
  if (cursor && *cursor) {
    if (!mt_sqlite_row_cursor_decode (cursor, list, after, error)) {
      return false;
    }
    *has_after = true;
  }
  return true;
}

bool
mt_sqlite_page_fill_rows (mt_sqlite_store_t *store, sqlite3_stmt *stmt, mt_sqlite_list_t list,
                          uint32_t limit, mt_store_page_t *out, const char *what, mt_error_t *error)
{
  mt_sqlite_row_key_t last;
  const unsigned char *id;
  int id_len;
  int rc;

  memset (&last, 0, sizeof last);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
    if (out->count == limit) {
      /* One row beyond the page: the next one starts after the last row kept. */
      if (!mt_sqlite_row_cursor_encode (list, &last, out->next_cursor)) {
        goto unfit;
      }
      return true;
    }
    if (!mt_sqlite_page_append (out, stmt, 0, error)) {
      return false;
    }
    id = sqlite3_column_text (stmt, 2);
    id_len = sqlite3_column_bytes (stmt, 2);
    if (!id || id_len <= 0 || (size_t) id_len >= sizeof last.id) {
      goto unfit;
    }
    last.at = sqlite3_column_int64 (stmt, 1);
    memcpy (last.id, id, (size_t) id_len);
    last.id[id_len] = '\0';
    last.id_len = (size_t) id_len;
  }
  out->next_cursor[0] = '\0';
  if (rc != SQLITE_DONE) {
    return mt_sqlite_fail (store->db, rc, what, error);
  }
  return true;
unfit:
  mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                "identifiant impropre à la pagination (%s)", "id unfit for pagination (%s)", what);
  return false;
}

bool
mt_sqlite_get_one (mt_sqlite_store_t *store, mt_sql_id_t sql, const char *key,
                   const mt_sqlite_kind_t *kind, bson_t *out, mt_error_t *error)
{
  sqlite3_stmt *stmt = NULL;
  bson_t view;
  bool ok = false;
  int rc;

  bson_init (out);
  if (!key) {
    return mt_sqlite_not_found (kind, error);
  }
  if (!mt_sqlite_stmt (store, sql, &stmt, error) ||
      !mt_sqlite_bind_cstr (store, stmt, 1, key, error)) {
    goto done;
  }
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE) {
    mt_sqlite_not_found (kind, error);
    goto done;
  }
  if (rc != SQLITE_ROW) {
    mt_sqlite_fail (store->db, rc, kind->en, error);
    goto done;
  }
  if (!mt_sqlite_column_view (stmt, 0, &view, error)) {
    goto done;
  }
  bson_destroy (out);
  bson_copy_to (&view, out);
  ok = true;
done:
  mt_sqlite_release (stmt);
  return ok;
}

/* ---- Writes ------------------------------------------------------------------------------ */

/*
 * Reads the stored version of document @key (kind->version_sql). True when it equals
 * @expected_version; otherwise sets MT_ERR_NOT_FOUND (absent) or MT_ERR_STALE and returns
 * false.
 */
static bool
mt_sqlite_check_version (mt_sqlite_store_t *store, const mt_sqlite_kind_t *kind, const char *key,
                         int64_t expected_version, mt_error_t *error)
{
  sqlite3_stmt *stmt = NULL;
  int64_t stored;
  bool ok = false;
  int rc;

  if (!mt_sqlite_stmt (store, kind->version_sql, &stmt, error) ||
      !mt_sqlite_bind_cstr (store, stmt, 1, key, error)) {
    goto done;
  }
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE) {
    mt_sqlite_not_found (kind, error);
  } else if (rc != SQLITE_ROW) {
    mt_sqlite_fail (store->db, rc, kind->en, error);
  } else if ((stored = sqlite3_column_int64 (stmt, 0)) != expected_version) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_STALE,
                  "%s%.0s modifié entre-temps (version %lld attendue, %lld enregistrée)",
                  "%.0s%s changed concurrently (expected version %lld, stored %lld)", kind->fr,
                  kind->en, (long long) expected_version, (long long) stored);
  } else {
    ok = true;
  }
done:
  mt_sqlite_release (stmt);
  return ok;
}

bool
mt_sqlite_doc_insert_row (mt_sqlite_store_t *store, const mt_sqlite_kind_t *kind, const bson_t *doc,
                          mt_error_t *error)
{
  mt_sqlite_text_t key;
  bson_t row = BSON_INITIALIZER;
  const bson_t *stored = &row; /* what is written: @doc with version 1, or @doc itself */
  sqlite3_stmt *stmt = NULL;
  bool ok = false;

  if (!doc) {
    mt_sqlite_bad_document (kind->en, kind->key_field, error);
    goto done;
  }
  if (!mt_sqlite_field_key (doc, kind, &key, error)) {
    goto done;
  }
  bson_destroy (&row);
  if (kind->unversioned) {
    bson_init (&row);
    stored = doc;
  } else if (!mt_sqlite_with_version (doc, 1, kind, &row, error)) {
    goto done;
  }
  /* ?3 (the version) is bound for every kind: unversioned statements leave it unused. */
  if (!mt_sqlite_stmt (store, kind->insert_sql, &stmt, error) ||
      !mt_sqlite_bind_text (store, stmt, 1, &key, error) ||
      !mt_sqlite_bind_int64 (store, stmt, 3, 1, error) ||
      !kind->bind (store, stmt, stored, error)) {
    goto done;
  }
  ok = mt_sqlite_step_done (store, stmt, kind->en, error);
  stmt = NULL;
  if (ok && kind->write_derived) {
    /* The key is read again from the stored copy, which outlives the derived writes. */
    ok = mt_sqlite_field_key (stored, kind, &key, error) &&
         kind->write_derived (store, key.str, stored, true, error);
  }
done:
  mt_sqlite_release (stmt);
  bson_destroy (&row);
  return ok;
}

bool
mt_sqlite_doc_insert (mt_sqlite_store_t *store, const mt_sqlite_kind_t *kind, const bson_t *doc,
                      mt_error_t *error)
{
  bool ok = false;

  if (!kind->write_derived) {
    /* One statement: atomic on its own. */
    return mt_sqlite_doc_insert_row (store, kind, doc, error);
  }
  if (!mt_sqlite_begin (store, error)) {
    return false;
  }
  ok = mt_sqlite_doc_insert_row (store, kind, doc, error) && mt_sqlite_commit (store, error);
  if (!ok) {
    mt_sqlite_rollback (store);
  }
  return ok;
}

bool
mt_sqlite_doc_update (mt_sqlite_store_t *store, const mt_sqlite_kind_t *kind, const char *key,
                      int64_t expected_version, const bson_t *doc, mt_error_t *error)
{
  bson_t row = BSON_INITIALIZER;
  sqlite3_stmt *stmt = NULL;
  bool stepped = false;
  bool changed = false;
  bool ok = false;

  if (!key) {
    mt_sqlite_not_found (kind, error);
    goto done;
  }
  if (!mt_sqlite_doc_has_key (doc, kind, key, error)) {
    goto done;
  }
  bson_destroy (&row);
  /* INT64_MAX can be no stored version (it would overflow): no UPDATE, only the diagnosis. */
  if (!mt_sqlite_with_version (doc, expected_version == INT64_MAX ? 0 : expected_version + 1, kind,
                               &row, error) ||
      !mt_sqlite_begin (store, error)) {
    goto done;
  }
  if (expected_version != INT64_MAX) {
    if (!mt_sqlite_stmt (store, kind->update_sql, &stmt, error) ||
        !mt_sqlite_bind_cstr (store, stmt, 1, key, error) ||
        !mt_sqlite_bind_int64 (store, stmt, 2, expected_version, error) ||
        !mt_sqlite_bind_int64 (store, stmt, 3, expected_version + 1, error) ||
        !kind->bind (store, stmt, &row, error)) {
      goto done;
    }
    stepped = mt_sqlite_step_done (store, stmt, kind->en, error);
    stmt = NULL;
    if (!stepped) {
      goto done;
    }
    changed = sqlite3_changes (store->db) > 0;
  }
  if (!changed) {
    /* Under the write lock the version cannot have come back: this sets the error. */
    if (mt_sqlite_check_version (store, kind, key, expected_version, error)) {
      mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL, "mise à jour sans effet (%s%.0s)",
                    "update without effect (%.0s%s)", kind->fr, kind->en);
    }
    goto done;
  }
  if (kind->write_derived && !kind->write_derived (store, key, &row, false, error)) {
    goto done;
  }
  if (!mt_sqlite_commit (store, error)) {
    goto done;
  }
  ok = true;
done:
  mt_sqlite_release (stmt);
  if (!ok) {
    mt_sqlite_rollback (store);
  }
  bson_destroy (&row);
  return ok;
}

bool
mt_sqlite_doc_delete (mt_sqlite_store_t *store, const mt_sqlite_kind_t *kind, const char *key,
                      int64_t expected_version, mt_error_t *error)
{
  sqlite3_stmt *stmt = NULL;
  bool ok = false;

  if (!key) {
    return mt_sqlite_not_found (kind, error);
  }
  if (!mt_sqlite_begin (store, error)) {
    return false;
  }
  if (!mt_sqlite_check_version (store, kind, key, expected_version, error) ||
      (kind->delete_derived && !kind->delete_derived (store, key, error))) {
    goto done;
  }
  if (!mt_sqlite_stmt (store, kind->delete_sql, &stmt, error) ||
      !mt_sqlite_bind_cstr (store, stmt, 1, key, error)) {
    goto done;
  }
  ok = mt_sqlite_step_done (store, stmt, kind->en, error) && mt_sqlite_commit (store, error);
  stmt = NULL;
done:
  mt_sqlite_release (stmt);
  if (!ok) {
    mt_sqlite_rollback (store);
  }
  return ok;
}
