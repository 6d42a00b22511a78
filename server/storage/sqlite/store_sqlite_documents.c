/*
 * store_sqlite_documents.c: networks, members and accounts in the SQLite adapter.
 *
 * Each kind is described by a mt_sqlite_kind_t (its statements, how its indexed columns are
 * bound, its derived rows); the generic insert, compare-and-set update and get of
 * store_sqlite_rows.c do the rest. Members derive their member_networks rows from their
 * "networks" array. Accounts index their optional "calendar_token_hash" (unique where
 * present: the secret address of a calendar feed is looked up by its hash).
 */
#include "store_sqlite_private.h"

#include <string.h>

/* ---- Networks ---------------------------------------------------------------------------- */

/* ?4 slug, ?5 name, ?6 doc. */
static bool
mt_sqlite_network_bind (mt_sqlite_store_t *store, sqlite3_stmt *stmt, const bson_t *doc,
                        mt_error_t *error)
{
  const mt_sqlite_kind_t *kind = &mt_sqlite_kind_network;

  return mt_sqlite_bind_field (store, stmt, 4, doc, "slug", true, kind, error) &&
         mt_sqlite_bind_field (store, stmt, 5, doc, "name", true, kind, error) &&
         mt_sqlite_bind_document (store, stmt, 6, doc, error);
}

const mt_sqlite_kind_t mt_sqlite_kind_network = {
  .en = "network",
  .fr = "réseau",
  .key_field = "id",
  .insert_sql = MT_SQL_NETWORK_INSERT,
  .update_sql = MT_SQL_COUNT,
  .version_sql = MT_SQL_COUNT,
  .delete_sql = MT_SQL_COUNT,
  .get_sql = MT_SQL_NETWORK_GET,
  .columns_sql = MT_SQL_CHECK_NETWORK,
  .bind = mt_sqlite_network_bind,
  .write_derived = NULL,
  .delete_derived = NULL,
};

bool
mt_sqlite_network_insert (mt_store_t *base, const bson_t *network, mt_error_t *error)
{
  return mt_sqlite_doc_insert (mt_sqlite_store (base), &mt_sqlite_kind_network, network, error);
}

bool
mt_sqlite_network_get (mt_store_t *base, const char *id, bson_t *out, mt_error_t *error)
{
  return mt_sqlite_get_one (mt_sqlite_store (base), MT_SQL_NETWORK_GET, id, &mt_sqlite_kind_network,
                            out, error);
}

bool
mt_sqlite_network_list (mt_store_t *base, mt_store_page_t *out, mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);
  sqlite3_stmt *stmt = NULL;
  bool ok = false;

  mt_store_page_init (out);
  if (!mt_sqlite_stmt (store, MT_SQL_NETWORK_LIST, &stmt, error) ||
      !mt_sqlite_bind_int64 (store, stmt, 1, MT_SQLITE_LIST_ALL_MAX + 1, error)) {
    goto done;
  }
  ok = mt_sqlite_page_fill (store, stmt, MT_SQLITE_LIST_ALL_MAX, 1, 2, out, "network list", error);
done:
  mt_sqlite_release (stmt);
  if (!ok) {
    mt_store_page_destroy (out);
    mt_store_page_init (out);
  }
  return ok;
}

/* ---- Members ----------------------------------------------------------------------------- */

/* "networks": absent, null, or an array of network ids (strings). */
static bool
mt_sqlite_member_check_networks (const bson_t *member, mt_error_t *error)
{
  bson_iter_t it;
  bson_iter_t child;

  if (!bson_iter_init_find (&it, member, "networks") || BSON_ITER_HOLDS_NULL (&it)) {
    return true;
  }
  if (!BSON_ITER_HOLDS_ARRAY (&it) || !bson_iter_recurse (&it, &child)) {
    return mt_sqlite_bad_document ("member", "networks", error);
  }
  while (bson_iter_next (&child)) {
    if (!BSON_ITER_HOLDS_UTF8 (&child)) {
      return mt_sqlite_bad_document ("member", "networks", error);
    }
  }
  return true;
}

/* ?4 status, ?5 name, ?6 doc; checks "networks" too (written by the derived rows). */
static bool
mt_sqlite_member_bind (mt_sqlite_store_t *store, sqlite3_stmt *stmt, const bson_t *doc,
                       mt_error_t *error)
{
  const mt_sqlite_kind_t *kind = &mt_sqlite_kind_member;

  return mt_sqlite_bind_field (store, stmt, 5, doc, "name", true, kind, error) &&
         mt_sqlite_bind_field (store, stmt, 4, doc, "status", false, kind, error) &&
         mt_sqlite_member_check_networks (doc, error) &&
         mt_sqlite_bind_document (store, stmt, 6, doc, error);
}

/* Rewrites the member_networks rows of member @id from its "networks" (already checked). */
static bool
mt_sqlite_member_write_networks (mt_sqlite_store_t *store, const char *id, const bson_t *member,
                                 bool is_new, mt_error_t *error)
{
  sqlite3_stmt *stmt = NULL;
  bson_iter_t it;
  bson_iter_t child;
  mt_sqlite_text_t network;
  uint32_t len = 0;

  if (!is_new) {
    if (!mt_sqlite_stmt (store, MT_SQL_MEMBER_NETWORK_DELETE, &stmt, error) ||
        !mt_sqlite_bind_cstr (store, stmt, 1, id, error)) {
      mt_sqlite_release (stmt);
      return false;
    }
    if (!mt_sqlite_step_done (store, stmt, "member networks", error)) {
      return false;
    }
  }
  if (!bson_iter_init_find (&it, member, "networks") || !BSON_ITER_HOLDS_ARRAY (&it) ||
      !bson_iter_recurse (&it, &child)) {
    return true;
  }
  while (bson_iter_next (&child)) {
    network.str = bson_iter_utf8 (&child, &len);
    network.len = (int) len;
    if (!mt_sqlite_stmt (store, MT_SQL_MEMBER_NETWORK_INSERT, &stmt, error) ||
        !mt_sqlite_bind_cstr (store, stmt, 1, id, error) ||
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

const mt_sqlite_kind_t mt_sqlite_kind_member = {
  .en = "member",
  .fr = "membre",
  .key_field = "id",
  .insert_sql = MT_SQL_MEMBER_INSERT,
  .update_sql = MT_SQL_MEMBER_UPDATE,
  .version_sql = MT_SQL_MEMBER_VERSION,
  .delete_sql = MT_SQL_COUNT,
  .get_sql = MT_SQL_MEMBER_GET,
  .columns_sql = MT_SQL_CHECK_MEMBER,
  .bind = mt_sqlite_member_bind,
  .write_derived = mt_sqlite_member_write_networks,
  .delete_derived = NULL,
};

bool
mt_sqlite_member_insert (mt_store_t *base, const bson_t *member, const bson_t *first_account,
                         mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);
  bool ok = false;

  if (!mt_sqlite_begin (store, error)) {
    return false;
  }
  ok = mt_sqlite_doc_insert_row (store, &mt_sqlite_kind_member, member, error) &&
       (!first_account ||
        mt_sqlite_doc_insert_row (store, &mt_sqlite_kind_account, first_account, error)) &&
       mt_sqlite_commit (store, error);
  if (!ok) {
    mt_sqlite_rollback (store);
  }
  return ok;
}

bool
mt_sqlite_member_get (mt_store_t *base, const char *id, bson_t *out, mt_error_t *error)
{
  return mt_sqlite_get_one (mt_sqlite_store (base), MT_SQL_MEMBER_GET, id, &mt_sqlite_kind_member,
                            out, error);
}

bool
mt_sqlite_member_update (mt_store_t *base, const char *id, int64_t expected_version,
                         const bson_t *member, mt_error_t *error)
{
  return mt_sqlite_doc_update (mt_sqlite_store (base), &mt_sqlite_kind_member, id, expected_version,
                               member, error);
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
  ok = mt_sqlite_page_fill (store, stmt, limit, 1, 2, out, "member list", error);
done:
  mt_sqlite_release (stmt);
  if (!ok) {
    mt_store_page_destroy (out);
    mt_store_page_init (out);
  }
  return ok;
}

/* ---- Accounts ---------------------------------------------------------------------------- */

/* ?4 email_key, ?5 member_id, ?6 platform_role, ?7 status, ?8 created_at,
 * ?9 calendar_token_hash, ?10 doc. */
static bool
mt_sqlite_account_bind (mt_sqlite_store_t *store, sqlite3_stmt *stmt, const bson_t *doc,
                        mt_error_t *error)
{
  const mt_sqlite_kind_t *kind = &mt_sqlite_kind_account;

  return mt_sqlite_bind_field (store, stmt, 4, doc, "email_key", true, kind, error) &&
         mt_sqlite_bind_field (store, stmt, 5, doc, "member_id", false, kind, error) &&
         mt_sqlite_bind_field (store, stmt, 6, doc, "platform_role", false, kind, error) &&
         mt_sqlite_bind_field (store, stmt, 7, doc, "status", false, kind, error) &&
         mt_sqlite_bind_sort_key (store, stmt, 8, doc, "created_at", kind, error) &&
         mt_sqlite_bind_field (store, stmt, 9, doc, "calendar_token_hash", false, kind, error) &&
         mt_sqlite_bind_document (store, stmt, 10, doc, error);
}

const mt_sqlite_kind_t mt_sqlite_kind_account = {
  .en = "account",
  .fr = "compte",
  .key_field = "id",
  .insert_sql = MT_SQL_ACCOUNT_INSERT,
  .update_sql = MT_SQL_ACCOUNT_UPDATE,
  .version_sql = MT_SQL_ACCOUNT_VERSION,
  .delete_sql = MT_SQL_COUNT,
  .get_sql = MT_SQL_ACCOUNT_GET,
  .columns_sql = MT_SQL_CHECK_ACCOUNT,
  .bind = mt_sqlite_account_bind,
  .write_derived = NULL,
  .delete_derived = NULL,
};

bool
mt_sqlite_account_insert (mt_store_t *base, const bson_t *account, mt_error_t *error)
{
  return mt_sqlite_doc_insert (mt_sqlite_store (base), &mt_sqlite_kind_account, account, error);
}

bool
mt_sqlite_account_get (mt_store_t *base, const char *id, bson_t *out, mt_error_t *error)
{
  return mt_sqlite_get_one (mt_sqlite_store (base), MT_SQL_ACCOUNT_GET, id, &mt_sqlite_kind_account,
                            out, error);
}

bool
mt_sqlite_account_find_by_email (mt_store_t *base, const char *email_key, bson_t *out,
                                 mt_error_t *error)
{
  return mt_sqlite_get_one (mt_sqlite_store (base), MT_SQL_ACCOUNT_GET_BY_EMAIL, email_key,
                            &mt_sqlite_kind_account, out, error);
}

bool
mt_sqlite_account_find_by_calendar_token (mt_store_t *base, const char *hash, bson_t *out,
                                          mt_error_t *error)
{
  return mt_sqlite_get_one (mt_sqlite_store (base), MT_SQL_ACCOUNT_GET_BY_CALENDAR_TOKEN, hash,
                            &mt_sqlite_kind_account, out, error);
}

bool
mt_sqlite_account_update (mt_store_t *base, const char *id, int64_t expected_version,
                          const bson_t *account, mt_error_t *error)
{
  return mt_sqlite_doc_update (mt_sqlite_store (base), &mt_sqlite_kind_account, id,
                               expected_version, account, error);
}

bool
mt_sqlite_account_list_by_member (mt_store_t *base, const char *member_id, mt_store_page_t *out,
                                  mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);
  sqlite3_stmt *stmt = NULL;
  bool ok = false;

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
  ok = mt_sqlite_page_fill (store, stmt, MT_SQLITE_LIST_ALL_MAX, -1, 1, out, "account list", error);
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
