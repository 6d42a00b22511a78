/*
 * store_sqlite_documents.c: networks, members and accounts in the SQLite adapter.
 *
 * Each document is stored whole as a BSON blob, next to the columns store.h names (copied
 * from the document on every write) for lookups, unique keys and ordering. Inserts store
 * version 1; updates are compare-and-set: UPDATE ... WHERE id = ? AND version = ? inside
 * BEGIN IMMEDIATE, and when no row changed, the same transaction tells a missing document
 * (MT_ERR_NOT_FOUND) from a newer one (MT_ERR_STALE). The stored document's "version" field
 * is rewritten in place (same position, int64) so that it always equals the column.
 */
#include "store_sqlite_private.h"

#include <string.h>

/*
 * Names of a kind of document, for messages. Both formats of mt_error_set take the same
 * arguments, so messages pass (fr, en) and each language skips the other with "%.0s".
 */
typedef struct {
  const char *en;
  const char *fr;
} mt_sqlite_kind_t;

static const mt_sqlite_kind_t mt_sqlite_network = { "network", "réseau" };
static const mt_sqlite_kind_t mt_sqlite_member = { "member", "membre" };
static const mt_sqlite_kind_t mt_sqlite_account = { "account", "compte" };

/* A string field of a document (points into the document); str is NULL when absent/null. */
typedef struct {
  const char *str;
  int len;
} mt_sqlite_text_t;

/* ---- Reading fields of documents --------------------------------------------------------- */

/*
 * Reads the string @key of @doc into @out. An absent or null field gives str = NULL, which
 * is an error when @required. Any other type is a bad document.
 */
static bool
mt_sqlite_field_text (const bson_t *doc, const char *key, bool required,
                      const mt_sqlite_kind_t *kind, mt_sqlite_text_t *out, mt_error_t *error)
{
  bson_iter_t it;
  uint32_t len = 0;

  out->str = NULL;
  out->len = 0;
  if (!bson_iter_init_find (&it, doc, key) || BSON_ITER_HOLDS_NULL (&it)) {
    return required ? mt_sqlite_bad_document (kind->en, key, error) : true;
  }
  if (!BSON_ITER_HOLDS_UTF8 (&it)) {
    return mt_sqlite_bad_document (kind->en, key, error);
  }
  out->str = bson_iter_utf8 (&it, &len);
  out->len = (int) len;
  return true;
}

/* The document's "id": a non-empty string. */
static bool
mt_sqlite_field_id (const bson_t *doc, const mt_sqlite_kind_t *kind, mt_sqlite_text_t *out,
                    mt_error_t *error)
{
  if (!mt_sqlite_field_text (doc, "id", true, kind, out, error)) {
    return false;
  }
  if (out->len == 0) {
    return mt_sqlite_bad_document (kind->en, "id", error);
  }
  return true;
}

/* An update's document must describe the document it replaces. */
static bool
mt_sqlite_same_id (const mt_sqlite_text_t *doc_id, const char *id, const mt_sqlite_kind_t *kind,
                   mt_error_t *error)
{
  if ((size_t) doc_id->len != strlen (id) || memcmp (doc_id->str, id, (size_t) doc_id->len) != 0) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                  "document invalide (%s%.0s) : son « id » diffère de celui de la mise à jour",
                  "bad document (%.0s%s): its \"id\" differs from the id being updated", kind->fr,
                  kind->en);
    return false;
  }
  return true;
}

/* ---- Binding ----------------------------------------------------------------------------- */

static bool
mt_sqlite_bound (mt_sqlite_store_t *store, int rc, mt_error_t *error)
{
  return rc == SQLITE_OK ? true : mt_sqlite_fail (store->db, rc, "bind", error);
}

/* Binds @text (NULL binds SQL NULL); the text must outlive the statement's use. */
static bool
mt_sqlite_bind_text (mt_sqlite_store_t *store, sqlite3_stmt *stmt, int index,
                     const mt_sqlite_text_t *text, mt_error_t *error)
{
  int rc = text->str ? sqlite3_bind_text (stmt, index, text->str, text->len, SQLITE_STATIC)
                     : sqlite3_bind_null (stmt, index);
  return mt_sqlite_bound (store, rc, error);
}

static bool
mt_sqlite_bind_cstr (mt_sqlite_store_t *store, sqlite3_stmt *stmt, int index, const char *text,
                     mt_error_t *error)
{
  return mt_sqlite_bound (store, sqlite3_bind_text (stmt, index, text, -1, SQLITE_STATIC), error);
}

static bool
mt_sqlite_bind_int64 (mt_sqlite_store_t *store, sqlite3_stmt *stmt, int index, int64_t value,
                      mt_error_t *error)
{
  return mt_sqlite_bound (store, sqlite3_bind_int64 (stmt, index, value), error);
}

static bool
mt_sqlite_bind_document (mt_sqlite_store_t *store, sqlite3_stmt *stmt, int index, const bson_t *doc,
                         mt_error_t *error)
{
  return mt_sqlite_bound (
    store, sqlite3_bind_blob (stmt, index, bson_get_data (doc), (int) doc->len, SQLITE_STATIC),
    error);
}

/*
 * Binds the sort key @key of @doc keeping its kind, so that SQLite orders values as BSON
 * does (null < numbers < strings): absent/null -> NULL, int32/int64/date-time -> INTEGER,
 * double -> REAL, string -> TEXT. Other types are a bad document.
 */
static bool
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

/* Views column @col of the current row as a document; false when it is not BSON. */
static bool
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

/* Appends the document of column @col to @page under the next array index. */
static bool
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

/*
 * Runs @sql (one text parameter @key) and copies the document of its first row into @out
 * (always initialised). No row: MT_ERR_NOT_FOUND.
 */
static bool
mt_sqlite_get_one (mt_store_t *base, mt_sql_id_t sql, const char *key, const mt_sqlite_kind_t *kind,
                   bson_t *out, mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);
  sqlite3_stmt *stmt = NULL;
  bson_t view;
  bool ok = false;
  int rc;

  bson_init (out);
  if (!key) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_NOT_FOUND, "%s introuvable%.0s", "no such %.0s%s",
                  kind->fr, kind->en);
    return false;
  }
  if (!mt_sqlite_stmt (store, sql, &stmt, error) ||
      !mt_sqlite_bind_cstr (store, stmt, 1, key, error)) {
    goto done;
  }
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_NOT_FOUND, "%s introuvable%.0s", "no such %.0s%s",
                  kind->fr, kind->en);
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

/*
 * After an UPDATE ... WHERE id = ? AND version = ? changed nothing: sets MT_ERR_NOT_FOUND when
 * @id is absent, MT_ERR_STALE when its version differs, and returns false.
 */
static bool
mt_sqlite_explain_unchanged (mt_sqlite_store_t *store, mt_sql_id_t version_sql, const char *id,
                             int64_t expected_version, const mt_sqlite_kind_t *kind,
                             mt_error_t *error)
{
  sqlite3_stmt *stmt = NULL;
  int64_t stored;
  int rc;

  if (!mt_sqlite_stmt (store, version_sql, &stmt, error) ||
      !mt_sqlite_bind_cstr (store, stmt, 1, id, error)) {
    goto done;
  }
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_NOT_FOUND, "%s introuvable%.0s", "no such %.0s%s",
                  kind->fr, kind->en);
  } else if (rc == SQLITE_ROW) {
    stored = sqlite3_column_int64 (stmt, 0);
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_STALE,
                  "%s%.0s modifié entre-temps (version %lld attendue, %lld enregistrée)",
                  "%.0s%s changed concurrently (expected version %lld, stored %lld)", kind->fr,
                  kind->en, (long long) expected_version, (long long) stored);
  } else {
    mt_sqlite_fail (store->db, rc, kind->en, error);
  }
done:
  mt_sqlite_release (stmt);
  return false;
}

/*
 * Steps the prepared compare-and-set UPDATE @stmt. Sets *@changed when it matched the row;
 * releases @stmt.
 */
static bool
mt_sqlite_step_update (mt_sqlite_store_t *store, sqlite3_stmt *stmt, const char *what,
                       bool *changed, mt_error_t *error)
{
  bool ok = mt_sqlite_step_done (store, stmt, what, error);

  *changed = ok && sqlite3_changes (store->db) > 0;
  return ok;
}

/* ---- Networks ---------------------------------------------------------------------------- */

bool
mt_sqlite_network_insert (mt_store_t *base, const bson_t *network, mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);
  const mt_sqlite_kind_t *kind = &mt_sqlite_network;
  mt_sqlite_text_t id, slug, name;
  bson_t doc = BSON_INITIALIZER;
  sqlite3_stmt *stmt = NULL;
  bool ok = false;

  if (!mt_sqlite_field_id (network, kind, &id, error) ||
      !mt_sqlite_field_text (network, "slug", true, kind, &slug, error) ||
      !mt_sqlite_field_text (network, "name", true, kind, &name, error)) {
    goto done;
  }
  bson_destroy (&doc);
  if (!mt_sqlite_with_version (network, 1, kind, &doc, error) ||
      !mt_sqlite_stmt (store, MT_SQL_NETWORK_INSERT, &stmt, error) ||
      !mt_sqlite_bind_text (store, stmt, 1, &id, error) ||
      !mt_sqlite_bind_text (store, stmt, 2, &slug, error) ||
      !mt_sqlite_bind_text (store, stmt, 3, &name, error) ||
      !mt_sqlite_bind_document (store, stmt, 4, &doc, error)) {
    goto done;
  }
  ok = mt_sqlite_step_done (store, stmt, "network insert", error);
  stmt = NULL;
done:
  mt_sqlite_release (stmt);
  bson_destroy (&doc);
  return ok;
}

bool
mt_sqlite_network_get (mt_store_t *base, const char *id, bson_t *out, mt_error_t *error)
{
  return mt_sqlite_get_one (base, MT_SQL_NETWORK_GET, id, &mt_sqlite_network, out, error);
}

bool
mt_sqlite_network_list (mt_store_t *base, mt_store_page_t *out, mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);
  sqlite3_stmt *stmt = NULL;
  bool ok = false;
  int rc;

  mt_store_page_init (out);
  if (!mt_sqlite_stmt (store, MT_SQL_NETWORK_LIST, &stmt, error) ||
      !mt_sqlite_bind_int64 (store, stmt, 1, MT_SQLITE_LIST_ALL_MAX + 1, error)) {
    goto done;
  }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
    if (out->count == MT_SQLITE_LIST_ALL_MAX) {
      break;
    }
    if (!mt_sqlite_page_append (out, stmt, 0, error)) {
      goto done;
    }
    /* Remember this row's key in case the next one is beyond the bound. */
    mt_sqlite_cursor_encode ((const char *) sqlite3_column_text (stmt, 1),
                             (size_t) sqlite3_column_bytes (stmt, 1),
                             (const char *) sqlite3_column_text (stmt, 2),
                             (size_t) sqlite3_column_bytes (stmt, 2), out->next_cursor);
  }
  if (rc != SQLITE_ROW) {
    out->next_cursor[0] = '\0';
    if (rc != SQLITE_DONE) {
      mt_sqlite_fail (store->db, rc, "network list", error);
      goto done;
    }
  }
  ok = true;
done:
  mt_sqlite_release (stmt);
  if (!ok) {
    mt_store_page_destroy (out);
    mt_store_page_init (out);
  }
  return ok;
}

/* ---- Members ----------------------------------------------------------------------------- */

/* The indexed fields of a member. */
typedef struct {
  mt_sqlite_text_t id;
  mt_sqlite_text_t name;
  mt_sqlite_text_t status;
} mt_sqlite_member_keys_t;

static bool
mt_sqlite_member_keys (const bson_t *member, mt_sqlite_member_keys_t *keys, mt_error_t *error)
{
  const mt_sqlite_kind_t *kind = &mt_sqlite_member;
  bson_iter_t it;
  bson_iter_t child;

  if (!mt_sqlite_field_id (member, kind, &keys->id, error) ||
      !mt_sqlite_field_text (member, "name", true, kind, &keys->name, error) ||
      !mt_sqlite_field_text (member, "status", false, kind, &keys->status, error)) {
    return false;
  }
  /* "networks": absent, null, or an array of network ids. */
  if (!bson_iter_init_find (&it, member, "networks") || BSON_ITER_HOLDS_NULL (&it)) {
    return true;
  }
  if (!BSON_ITER_HOLDS_ARRAY (&it) || !bson_iter_recurse (&it, &child)) {
    return mt_sqlite_bad_document (kind->en, "networks", error);
  }
  while (bson_iter_next (&child)) {
    if (!BSON_ITER_HOLDS_UTF8 (&child)) {
      return mt_sqlite_bad_document (kind->en, "networks", error);
    }
  }
  return true;
}

/* Writes the member_networks rows of @member (whose keys were checked). */
static bool
mt_sqlite_member_write_networks (mt_sqlite_store_t *store, const mt_sqlite_member_keys_t *keys,
                                 const bson_t *member, mt_error_t *error)
{
  sqlite3_stmt *stmt = NULL;
  bson_iter_t it;
  bson_iter_t child;
  mt_sqlite_text_t network;
  uint32_t len = 0;

  if (!bson_iter_init_find (&it, member, "networks") || !BSON_ITER_HOLDS_ARRAY (&it) ||
      !bson_iter_recurse (&it, &child)) {
    return true;
  }
  while (bson_iter_next (&child)) {
    network.str = bson_iter_utf8 (&child, &len);
    network.len = (int) len;
    if (!mt_sqlite_stmt (store, MT_SQL_MEMBER_NETWORK_INSERT, &stmt, error) ||
        !mt_sqlite_bind_text (store, stmt, 1, &keys->id, error) ||
        !mt_sqlite_bind_text (store, stmt, 2, &network, error)) {
      mt_sqlite_release (stmt);
      return false;
    }
    if (!mt_sqlite_step_done (store, stmt, "member networks", error)) {
      return false;
    }
  }
  return true;
}

static bool mt_sqlite_account_insert_row (mt_sqlite_store_t *store, const bson_t *account,
                                          mt_error_t *error);

bool
mt_sqlite_member_insert (mt_store_t *base, const bson_t *member, const bson_t *first_account,
                         mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);
  mt_sqlite_member_keys_t keys;
  bson_t doc = BSON_INITIALIZER;
  sqlite3_stmt *stmt = NULL;
  bool ok = false;

  if (!mt_sqlite_member_keys (member, &keys, error)) {
    goto done;
  }
  bson_destroy (&doc);
  if (!mt_sqlite_with_version (member, 1, &mt_sqlite_member, &doc, error) ||
      !mt_sqlite_begin (store, error)) {
    goto done;
  }
  if (!mt_sqlite_stmt (store, MT_SQL_MEMBER_INSERT, &stmt, error) ||
      !mt_sqlite_bind_text (store, stmt, 1, &keys.id, error) ||
      !mt_sqlite_bind_text (store, stmt, 2, &keys.status, error) ||
      !mt_sqlite_bind_text (store, stmt, 3, &keys.name, error) ||
      !mt_sqlite_bind_document (store, stmt, 4, &doc, error)) {
    goto done;
  }
  if (!mt_sqlite_step_done (store, stmt, "member insert", error)) {
    stmt = NULL;
    goto done;
  }
  stmt = NULL;
  if (!mt_sqlite_member_write_networks (store, &keys, member, error) ||
      (first_account && !mt_sqlite_account_insert_row (store, first_account, error)) ||
      !mt_sqlite_commit (store, error)) {
    goto done;
  }
  ok = true;
done:
  mt_sqlite_release (stmt);
  if (!ok) {
    mt_sqlite_rollback (store);
  }
  bson_destroy (&doc);
  return ok;
}

bool
mt_sqlite_member_get (mt_store_t *base, const char *id, bson_t *out, mt_error_t *error)
{
  return mt_sqlite_get_one (base, MT_SQL_MEMBER_GET, id, &mt_sqlite_member, out, error);
}

bool
mt_sqlite_member_update (mt_store_t *base, const char *id, int64_t expected_version,
                         const bson_t *member, mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);
  const mt_sqlite_kind_t *kind = &mt_sqlite_member;
  mt_sqlite_member_keys_t keys;
  bson_t doc = BSON_INITIALIZER;
  sqlite3_stmt *stmt = NULL;
  bool stepped = false;
  bool changed = false;
  bool ok = false;

  if (!id) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_NOT_FOUND, "%s introuvable%.0s", "no such %.0s%s",
                  kind->fr, kind->en);
    goto done;
  }
  if (!mt_sqlite_member_keys (member, &keys, error) ||
      !mt_sqlite_same_id (&keys.id, id, kind, error)) {
    goto done;
  }
  bson_destroy (&doc);
  if (!mt_sqlite_with_version (member, expected_version == INT64_MAX ? 0 : expected_version + 1,
                               kind, &doc, error) ||
      !mt_sqlite_begin (store, error)) {
    goto done;
  }
  if (expected_version != INT64_MAX) {
    if (!mt_sqlite_stmt (store, MT_SQL_MEMBER_UPDATE, &stmt, error) ||
        !mt_sqlite_bind_cstr (store, stmt, 1, id, error) ||
        !mt_sqlite_bind_int64 (store, stmt, 2, expected_version, error) ||
        !mt_sqlite_bind_int64 (store, stmt, 3, expected_version + 1, error) ||
        !mt_sqlite_bind_text (store, stmt, 4, &keys.status, error) ||
        !mt_sqlite_bind_text (store, stmt, 5, &keys.name, error) ||
        !mt_sqlite_bind_document (store, stmt, 6, &doc, error)) {
      goto done;
    }
    stepped = mt_sqlite_step_update (store, stmt, "member update", &changed, error);
    stmt = NULL;
    if (!stepped) {
      goto done;
    }
  }
  if (!changed) {
    mt_sqlite_explain_unchanged (store, MT_SQL_MEMBER_VERSION, id, expected_version, kind, error);
    goto done;
  }
  if (!mt_sqlite_stmt (store, MT_SQL_MEMBER_NETWORK_DELETE, &stmt, error) ||
      !mt_sqlite_bind_cstr (store, stmt, 1, id, error)) {
    goto done;
  }
  if (!mt_sqlite_step_done (store, stmt, "member networks", error)) {
    stmt = NULL;
    goto done;
  }
  stmt = NULL;
  if (!mt_sqlite_member_write_networks (store, &keys, member, error) ||
      !mt_sqlite_commit (store, error)) {
    goto done;
  }
  ok = true;
done:
  mt_sqlite_release (stmt);
  if (!ok) {
    mt_sqlite_rollback (store);
  }
  bson_destroy (&doc);
  return ok;
}

/*
 * Binds the cursor of @query to ?3 (name) and ?4 (id) of @stmt. An id-only cursor reads the
 * name back from the member it names; a member that no longer exists makes the cursor invalid.
 */
static bool
mt_sqlite_member_bind_cursor (mt_sqlite_store_t *store, sqlite3_stmt *list,
                              const mt_sqlite_cursor_t *cursor, mt_error_t *error)
{
  sqlite3_stmt *stmt = NULL;
  bool ok = false;
  int rc;

  if (!mt_sqlite_bound (
        store, sqlite3_bind_text (list, 4, cursor->id, (int) cursor->id_len, SQLITE_TRANSIENT),
        error)) {
    goto done;
  }
  if (cursor->name) {
    ok = mt_sqlite_bound (
      store, sqlite3_bind_text (list, 3, cursor->name, (int) cursor->name_len, SQLITE_TRANSIENT),
      error);
    goto done;
  }
  if (!mt_sqlite_stmt (store, MT_SQL_MEMBER_NAME, &stmt, error) ||
      !mt_sqlite_bound (
        store, sqlite3_bind_text (stmt, 1, cursor->id, (int) cursor->id_len, SQLITE_STATIC),
        error)) {
    goto done;
  }
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_BAD_REQUEST, "curseur de pagination périmé",
                  "stale pagination cursor");
    goto done;
  }
  if (rc != SQLITE_ROW) {
    mt_sqlite_fail (store->db, rc, "member list cursor", error);
    goto done;
  }
  ok = mt_sqlite_bound (store,
                        sqlite3_bind_text (list, 3, (const char *) sqlite3_column_text (stmt, 0),
                                           sqlite3_column_bytes (stmt, 0), SQLITE_TRANSIENT),
                        error);
done:
  mt_sqlite_release (stmt);
  return ok;
}

bool
mt_sqlite_member_list (mt_store_t *base, const mt_store_member_query_t *query, mt_store_page_t *out,
                       mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);
  mt_sqlite_cursor_t cursor;
  sqlite3_stmt *stmt = NULL;
  uint32_t limit;
  int flags = 0;
  bool ok = false;
  int rc;

  mt_store_page_init (out);
  if (!query || query->limit == 0) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_BAD_REQUEST, "taille de page invalide (1 à %d)",
                  "invalid page size (1 to %d)", MT_STORE_PAGE_MAX);
    goto done;
  }
  limit = query->limit > MT_STORE_PAGE_MAX ? MT_STORE_PAGE_MAX : query->limit;
  if (query->cursor && *query->cursor) {
    if (!mt_sqlite_cursor_decode (query->cursor, &cursor, error)) {
      goto done;
    }
    flags |= MT_SQL_LIST_AFTER;
  }
  flags |= query->status ? MT_SQL_LIST_STATUS : 0;
  flags |= query->network_id ? MT_SQL_LIST_NETWORK : 0;
  if (!mt_sqlite_stmt (store, (mt_sql_id_t) (MT_SQL_MEMBER_LIST + flags), &stmt, error) ||
      (query->status && !mt_sqlite_bind_cstr (store, stmt, 1, query->status, error)) ||
      (query->network_id && !mt_sqlite_bind_cstr (store, stmt, 2, query->network_id, error)) ||
      ((flags & MT_SQL_LIST_AFTER) &&
       !mt_sqlite_member_bind_cursor (store, stmt, &cursor, error)) ||
      !mt_sqlite_bind_int64 (store, stmt, 5, (int64_t) limit + 1, error)) {
    goto done;
  }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
    if (out->count == limit) {
      break;
    }
    if (!mt_sqlite_page_append (out, stmt, 0, error)) {
      goto done;
    }
    mt_sqlite_cursor_encode ((const char *) sqlite3_column_text (stmt, 1),
                             (size_t) sqlite3_column_bytes (stmt, 1),
                             (const char *) sqlite3_column_text (stmt, 2),
                             (size_t) sqlite3_column_bytes (stmt, 2), out->next_cursor);
  }
  if (rc != SQLITE_ROW) {
    /* No row beyond this page: it is the last one. */
    out->next_cursor[0] = '\0';
    if (rc != SQLITE_DONE) {
      mt_sqlite_fail (store->db, rc, "member list", error);
      goto done;
    }
  }
  ok = true;
done:
  mt_sqlite_release (stmt);
  if (!ok) {
    mt_store_page_destroy (out);
    mt_store_page_init (out);
  }
  return ok;
}

/* ---- Accounts ---------------------------------------------------------------------------- */

/* The indexed fields of an account ("created_at" is bound separately as a sort key). */
typedef struct {
  mt_sqlite_text_t id;
  mt_sqlite_text_t email_key;
  mt_sqlite_text_t member_id;
  mt_sqlite_text_t platform_role;
  mt_sqlite_text_t status;
} mt_sqlite_account_keys_t;

static bool
mt_sqlite_account_keys (const bson_t *account, mt_sqlite_account_keys_t *keys, mt_error_t *error)
{
  const mt_sqlite_kind_t *kind = &mt_sqlite_account;

  return mt_sqlite_field_id (account, kind, &keys->id, error) &&
         mt_sqlite_field_text (account, "email_key", true, kind, &keys->email_key, error) &&
         mt_sqlite_field_text (account, "member_id", false, kind, &keys->member_id, error) &&
         mt_sqlite_field_text (account, "platform_role", false, kind, &keys->platform_role,
                               error) &&
         mt_sqlite_field_text (account, "status", false, kind, &keys->status, error);
}

/* Inserts the row of @account with version 1 (within the caller's transaction, if any). */
static bool
mt_sqlite_account_insert_row (mt_sqlite_store_t *store, const bson_t *account, mt_error_t *error)
{
  const mt_sqlite_kind_t *kind = &mt_sqlite_account;
  mt_sqlite_account_keys_t keys;
  bson_t doc = BSON_INITIALIZER;
  sqlite3_stmt *stmt = NULL;
  bool ok = false;

  if (!mt_sqlite_account_keys (account, &keys, error)) {
    goto done;
  }
  bson_destroy (&doc);
  if (!mt_sqlite_with_version (account, 1, kind, &doc, error) ||
      !mt_sqlite_stmt (store, MT_SQL_ACCOUNT_INSERT, &stmt, error) ||
      !mt_sqlite_bind_text (store, stmt, 1, &keys.id, error) ||
      !mt_sqlite_bind_text (store, stmt, 2, &keys.email_key, error) ||
      !mt_sqlite_bind_text (store, stmt, 3, &keys.member_id, error) ||
      !mt_sqlite_bind_text (store, stmt, 4, &keys.platform_role, error) ||
      !mt_sqlite_bind_text (store, stmt, 5, &keys.status, error) ||
      !mt_sqlite_bind_sort_key (store, stmt, 6, account, "created_at", kind, error) ||
      !mt_sqlite_bind_document (store, stmt, 7, &doc, error)) {
    goto done;
  }
  ok = mt_sqlite_step_done (store, stmt, "account insert", error);
  stmt = NULL;
done:
  mt_sqlite_release (stmt);
  bson_destroy (&doc);
  return ok;
}

bool
mt_sqlite_account_insert (mt_store_t *base, const bson_t *account, mt_error_t *error)
{
  return mt_sqlite_account_insert_row (mt_sqlite_store (base), account, error);
}

bool
mt_sqlite_account_get (mt_store_t *base, const char *id, bson_t *out, mt_error_t *error)
{
  return mt_sqlite_get_one (base, MT_SQL_ACCOUNT_GET, id, &mt_sqlite_account, out, error);
}

bool
mt_sqlite_account_find_by_email (mt_store_t *base, const char *email_key, bson_t *out,
                                 mt_error_t *error)
{
  return mt_sqlite_get_one (base, MT_SQL_ACCOUNT_GET_BY_EMAIL, email_key, &mt_sqlite_account, out,
                            error);
}

bool
mt_sqlite_account_update (mt_store_t *base, const char *id, int64_t expected_version,
                          const bson_t *account, mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);
  const mt_sqlite_kind_t *kind = &mt_sqlite_account;
  mt_sqlite_account_keys_t keys;
  bson_t doc = BSON_INITIALIZER;
  sqlite3_stmt *stmt = NULL;
  bool stepped = false;
  bool changed = false;
  bool ok = false;

  if (!id) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_NOT_FOUND, "%s introuvable%.0s", "no such %.0s%s",
                  kind->fr, kind->en);
    goto done;
  }
  if (!mt_sqlite_account_keys (account, &keys, error) ||
      !mt_sqlite_same_id (&keys.id, id, kind, error)) {
    goto done;
  }
  bson_destroy (&doc);
  if (!mt_sqlite_with_version (account, expected_version == INT64_MAX ? 0 : expected_version + 1,
                               kind, &doc, error) ||
      !mt_sqlite_begin (store, error)) {
    goto done;
  }
  if (expected_version != INT64_MAX) {
    if (!mt_sqlite_stmt (store, MT_SQL_ACCOUNT_UPDATE, &stmt, error) ||
        !mt_sqlite_bind_cstr (store, stmt, 1, id, error) ||
        !mt_sqlite_bind_int64 (store, stmt, 2, expected_version, error) ||
        !mt_sqlite_bind_int64 (store, stmt, 3, expected_version + 1, error) ||
        !mt_sqlite_bind_text (store, stmt, 4, &keys.email_key, error) ||
        !mt_sqlite_bind_text (store, stmt, 5, &keys.member_id, error) ||
        !mt_sqlite_bind_text (store, stmt, 6, &keys.platform_role, error) ||
        !mt_sqlite_bind_text (store, stmt, 7, &keys.status, error) ||
        !mt_sqlite_bind_sort_key (store, stmt, 8, account, "created_at", kind, error) ||
        !mt_sqlite_bind_document (store, stmt, 9, &doc, error)) {
      goto done;
    }
    stepped = mt_sqlite_step_update (store, stmt, "account update", &changed, error);
    stmt = NULL;
    if (!stepped) {
      goto done;
    }
  }
  if (!changed) {
    mt_sqlite_explain_unchanged (store, MT_SQL_ACCOUNT_VERSION, id, expected_version, kind, error);
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
  bson_destroy (&doc);
  return ok;
}

bool
mt_sqlite_account_list_by_member (mt_store_t *base, const char *member_id, mt_store_page_t *out,
                                  mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);
  sqlite3_stmt *stmt = NULL;
  bool ok = false;
  int rc;

  mt_store_page_init (out);
  if (!member_id) {
    ok = true;
    goto done;
  }
  if (!mt_sqlite_stmt (store, MT_SQL_ACCOUNT_LIST_BY_MEMBER, &stmt, error) ||
      !mt_sqlite_bind_cstr (store, stmt, 1, member_id, error) ||
      !mt_sqlite_bind_int64 (store, stmt, 2, MT_SQLITE_LIST_ALL_MAX + 1, error)) {
    goto done;
  }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
    if (out->count == MT_SQLITE_LIST_ALL_MAX) {
      break;
    }
    if (!mt_sqlite_page_append (out, stmt, 0, error)) {
      goto done;
    }
    mt_sqlite_cursor_encode (NULL, 0, (const char *) sqlite3_column_text (stmt, 1),
                             (size_t) sqlite3_column_bytes (stmt, 1), out->next_cursor);
  }
  if (rc != SQLITE_ROW) {
    out->next_cursor[0] = '\0';
    if (rc != SQLITE_DONE) {
      mt_sqlite_fail (store->db, rc, "account list", error);
      goto done;
    }
  }
  ok = true;
done:
  mt_sqlite_release (stmt);
  if (!ok) {
    mt_store_page_destroy (out);
    mt_store_page_init (out);
  }
  return ok;
}

bool
mt_sqlite_account_count_admins (mt_store_t *base, int64_t *count, mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);
  sqlite3_stmt *stmt = NULL;
  bool ok = false;
  int rc;

  *count = 0;
  if (!mt_sqlite_stmt (store, MT_SQL_ACCOUNT_COUNT_ADMINS, &stmt, error)) {
    goto done;
  }
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW) {
    mt_sqlite_fail (store->db, rc, "count admins", error);
    goto done;
  }
  *count = sqlite3_column_int64 (stmt, 0);
  ok = true;
done:
  mt_sqlite_release (stmt);
  return ok;
}
