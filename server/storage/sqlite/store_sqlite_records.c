/*
 * store_sqlite_records.c: immutable records in the SQLite adapter: messages of reservations,
 * audit entries and in-app notifications.
 *
 * Records have no version: the generic insert stores them exactly as given (kind->unversioned)
 * and an id already stored is MT_ERR_DUPLICATE, which lets callers record idempotently with
 * deterministic ids. Each is listed through one index in its order, with (time, id) keyset
 * cursors:
 *   messages       "reservation_id", ("created_at", "id") ascending: oldest first
 *   audit entries  all, or one "entity_id", ("at", "id") descending: newest first
 *   notifications  "account_id", ("created_at", "id") descending: newest first
 * Required fields: "id" and the time ("created_at" or "at", a date-time); messages need
 * "reservation_id", notifications "account_id" (strings); an audit entry's "entity_id" is an
 * optional string. message_list and notification_list of a NULL owner give an empty page;
 * audit_list of a NULL entity_id lists every entry.
 *
 * The one change a record knows: notification_mark_read rewrites a notification's document
 * with its "read_at" date (a BSON date-time), once: marking it again keeps the first date.
 */
#include "store_sqlite_private.h"

/* ---- Kinds ------------------------------------------------------------------------------- */

/* ?4 reservation_id, ?5 created_at, ?6 doc. */
static bool
mt_sqlite_message_bind (mt_sqlite_store_t *store, sqlite3_stmt *stmt, const bson_t *doc,
                        mt_error_t *error)
{
  const mt_sqlite_kind_t *kind = &mt_sqlite_kind_message;

  return mt_sqlite_bind_field (store, stmt, 4, doc, "reservation_id", true, kind, error) &&
         mt_sqlite_bind_date (store, stmt, 5, doc, "created_at", true, kind, error) &&
         mt_sqlite_bind_document (store, stmt, 6, doc, error);
}

const mt_sqlite_kind_t mt_sqlite_kind_message = {
  .en = "message",
  .fr = "message",
  .key_field = "id",
  .insert_sql = MT_SQL_MESSAGE_INSERT,
  .update_sql = MT_SQL_COUNT,
  .version_sql = MT_SQL_COUNT,
  .delete_sql = MT_SQL_COUNT,
  .get_sql = MT_SQL_COUNT,
  .columns_sql = MT_SQL_CHECK_MESSAGE,
  .unversioned = true,
  .bind = mt_sqlite_message_bind,
  .write_derived = NULL,
  .delete_derived = NULL,
};

/* ?4 at, ?5 entity_id, ?6 doc. */
static bool
mt_sqlite_audit_bind (mt_sqlite_store_t *store, sqlite3_stmt *stmt, const bson_t *doc,
                      mt_error_t *error)
{
  const mt_sqlite_kind_t *kind = &mt_sqlite_kind_audit;

  return mt_sqlite_bind_date (store, stmt, 4, doc, "at", true, kind, error) &&
         mt_sqlite_bind_field (store, stmt, 5, doc, "entity_id", false, kind, error) &&
         mt_sqlite_bind_document (store, stmt, 6, doc, error);
}

const mt_sqlite_kind_t mt_sqlite_kind_audit = {
  .en = "audit entry",
  .fr = "entrée d'audit",
  .key_field = "id",
  .insert_sql = MT_SQL_AUDIT_INSERT,
  .update_sql = MT_SQL_COUNT,
  .version_sql = MT_SQL_COUNT,
  .delete_sql = MT_SQL_COUNT,
  .get_sql = MT_SQL_COUNT,
  .columns_sql = MT_SQL_CHECK_AUDIT,
  .unversioned = true,
  .bind = mt_sqlite_audit_bind,
  .write_derived = NULL,
  .delete_derived = NULL,
};

/* ?4 account_id, ?5 created_at, ?6 doc. */
static bool
mt_sqlite_notification_bind (mt_sqlite_store_t *store, sqlite3_stmt *stmt, const bson_t *doc,
                             mt_error_t *error)
{
  const mt_sqlite_kind_t *kind = &mt_sqlite_kind_notification;

  return mt_sqlite_bind_field (store, stmt, 4, doc, "account_id", true, kind, error) &&
         mt_sqlite_bind_date (store, stmt, 5, doc, "created_at", true, kind, error) &&
         mt_sqlite_bind_document (store, stmt, 6, doc, error);
}

const mt_sqlite_kind_t mt_sqlite_kind_notification = {
  .en = "notification",
  .fr = "notification",
  .key_field = "id",
  .insert_sql = MT_SQL_NOTIFICATION_INSERT,
  .update_sql = MT_SQL_COUNT,
  .version_sql = MT_SQL_COUNT,
  .delete_sql = MT_SQL_COUNT,
  .get_sql = MT_SQL_COUNT,
  .columns_sql = MT_SQL_CHECK_NOTIFICATION,
  .unversioned = true,
  .bind = mt_sqlite_notification_bind,
  .write_derived = NULL,
  .delete_derived = NULL,
};

/* ---- Lists ------------------------------------------------------------------------------- */

bool
mt_sqlite_records_page (mt_sqlite_store_t *store, mt_sqlite_list_t list, mt_sql_id_t first,
                        mt_sql_id_t next, const char *owner, bool all_when_null, const char *cursor,
                        uint32_t limit, mt_store_page_t *out, const char *what, mt_error_t *error)
{
  mt_sqlite_row_key_t after;
  sqlite3_stmt *stmt = NULL;
  bool has_after = false;
  bool ok = false;

  mt_store_page_init (out);
  if (!mt_sqlite_list_window (list, cursor, limit, &limit, &after, &has_after, error)) {
    goto done;
  }
  if (!owner && !all_when_null) {
    ok = true;
    goto done;
  }
  if (!mt_sqlite_stmt (store, has_after ? next : first, &stmt, error) ||
      (owner && !mt_sqlite_bind_cstr (store, stmt, 1, owner, error)) ||
      !mt_sqlite_bind_int64 (store, stmt, 4, (int64_t) limit + 1, error)) {
    goto done;
  }
  if (has_after &&
      (!mt_sqlite_bind_int64 (store, stmt, 2, after.at, error) ||
       !mt_sqlite_bound (
         store, sqlite3_bind_text (stmt, 3, after.id, (int) after.id_len, SQLITE_STATIC), error))) {
    goto done;
  }
  ok = mt_sqlite_page_fill_rows (store, stmt, list, limit, out, what, error);
done:
  mt_sqlite_release (stmt);
  if (!ok) {
    mt_store_page_destroy (out);
    mt_store_page_init (out);
  }
  return ok;
}

/* ---- Ops --------------------------------------------------------------------------------- */

bool
mt_sqlite_message_insert (mt_store_t *base, const bson_t *message, mt_error_t *error)
{
  return mt_sqlite_doc_insert (mt_sqlite_store (base), &mt_sqlite_kind_message, message, error);
}

bool
mt_sqlite_message_list (mt_store_t *base, const char *reservation_id, const char *cursor,
                        uint32_t limit, mt_store_page_t *out, mt_error_t *error)
{
  return mt_sqlite_records_page (mt_sqlite_store (base), MT_SQLITE_LIST_MESSAGES,
                                 MT_SQL_MESSAGE_LIST, MT_SQL_MESSAGE_LIST_AFTER, reservation_id,
                                 false, cursor, limit, out, "message list", error);
}

bool
mt_sqlite_audit_insert (mt_store_t *base, const bson_t *entry, mt_error_t *error)
{
  return mt_sqlite_doc_insert (mt_sqlite_store (base), &mt_sqlite_kind_audit, entry, error);
}

bool
mt_sqlite_audit_list (mt_store_t *base, const char *entity_id, const char *cursor, uint32_t limit,
                      mt_store_page_t *out, mt_error_t *error)
{
  return mt_sqlite_records_page (mt_sqlite_store (base), MT_SQLITE_LIST_AUDIT,
                                 entity_id ? MT_SQL_AUDIT_LIST_ENTITY : MT_SQL_AUDIT_LIST,
                                 entity_id ? MT_SQL_AUDIT_LIST_ENTITY_AFTER
                                           : MT_SQL_AUDIT_LIST_AFTER,
                                 entity_id, true, cursor, limit, out, "audit list", error);
}

bool
mt_sqlite_notification_insert (mt_store_t *base, const bson_t *notification, mt_error_t *error)
{
  return mt_sqlite_doc_insert (mt_sqlite_store (base), &mt_sqlite_kind_notification, notification,
                               error);
}

bool
mt_sqlite_notification_list (mt_store_t *base, const char *account_id, const char *cursor,
                             uint32_t limit, mt_store_page_t *out, mt_error_t *error)
{
  return mt_sqlite_records_page (mt_sqlite_store (base), MT_SQLITE_LIST_NOTIFICATIONS,
                                 MT_SQL_NOTIFICATION_LIST, MT_SQL_NOTIFICATION_LIST_AFTER,
                                 account_id, false, cursor, limit, out, "notification list", error);
}

bool
mt_sqlite_notification_mark_read (mt_store_t *base, const char *account_id, const char *id,
                                  int64_t at_ms, mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);
  const mt_sqlite_kind_t *kind = &mt_sqlite_kind_notification;
  bson_t updated = BSON_INITIALIZER;
  sqlite3_stmt *stmt = NULL;
  bson_iter_t it;
  bson_t view;
  bool ok = false;
  int rc;

  if (!account_id || !id) {
    return mt_sqlite_not_found (kind, error);
  }
  if (!mt_sqlite_begin (store, error)) {
    goto done;
  }
  if (!mt_sqlite_stmt (store, MT_SQL_NOTIFICATION_GET_OWN, &stmt, error) ||
      !mt_sqlite_bind_cstr (store, stmt, 1, id, error) ||
      !mt_sqlite_bind_cstr (store, stmt, 2, account_id, error)) {
    goto done;
  }
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE) {
    /* Absent, or another account's: the same answer. */
    mt_sqlite_not_found (kind, error);
    goto done;
  }
  if (rc != SQLITE_ROW) {
    mt_sqlite_fail (store->db, rc, "notification mark read", error);
    goto done;
  }
  if (!mt_sqlite_column_view (stmt, 0, &view, error)) {
    goto done;
  }
  if (bson_iter_init_find (&it, &view, "read_at") && !BSON_ITER_HOLDS_NULL (&it)) {
    /* Already read: the first time stays. */
    mt_sqlite_release (stmt);
    stmt = NULL;
    ok = mt_sqlite_commit (store, error);
    goto done;
  }
  bson_copy_to_excluding_noinit (&view, &updated, "read_at", NULL);
  mt_sqlite_release (stmt);
  stmt = NULL;
  if (!BSON_APPEND_DATE_TIME (&updated, "read_at", at_ms)) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL, "document trop volumineux (%s%.0s)",
                  "document too large (%.0s%s)", kind->fr, kind->en);
    goto done;
  }
  if (!mt_sqlite_stmt (store, MT_SQL_NOTIFICATION_REWRITE, &stmt, error) ||
      !mt_sqlite_bind_cstr (store, stmt, 1, id, error) ||
      !mt_sqlite_bind_document (store, stmt, 2, &updated, error)) {
    goto done;
  }
  ok = mt_sqlite_step_done (store, stmt, "notification mark read", error);
  stmt = NULL;
  ok = ok && mt_sqlite_commit (store, error);
done:
  mt_sqlite_release (stmt);
  if (!ok) {
    mt_sqlite_rollback (store);
  }
  bson_destroy (&updated);
  return ok;
}
