/*
 * store_sqlite_outbox.c: webhooks and the outbox of e-mails and webhook deliveries in the
 * SQLite adapter.
 *
 * Webhooks are immutable records (stored as given, DUPLICATE on an id already stored) with a
 * required "created_at" date, listed by ("created_at", "id") ascending; webhook_delete removes
 * one (NOT_FOUND when there is none). Deleting a webhook leaves its outbox messages: they are
 * its delivery log.
 *
 * Outbox messages are mutable documents (version, compare-and-set updates) whose "kind",
 * "webhook_id", "status" (optional strings) and "next_attempt_at" (a required date) are
 * copied into columns (migration 4). outbox_list is a filtered list of store_sqlite_lists.c:
 * filters ?1 kind, ?2 webhook_id, the statuses, and next_attempt_at_ms <= due_before unless
 * it is 0, ordered (next_attempt_at_ms, id) ascending: the next message to send comes first.
 */
#include "store_sqlite_private.h"

#include <string.h>

/* ---- Webhooks ---------------------------------------------------------------------------- */

/* ?4 created_at, ?5 doc. */
static bool
mt_sqlite_webhook_bind (mt_sqlite_store_t *store, sqlite3_stmt *stmt, const bson_t *doc,
                        mt_error_t *error)
{
  return mt_sqlite_bind_date (store, stmt, 4, doc, "created_at", true, &mt_sqlite_kind_webhook,
                              error) &&
         mt_sqlite_bind_document (store, stmt, 5, doc, error);
}

const mt_sqlite_kind_t mt_sqlite_kind_webhook = {
  .en = "webhook",
  .fr = "webhook",
  .key_field = "id",
  .insert_sql = MT_SQL_WEBHOOK_INSERT,
  .update_sql = MT_SQL_COUNT,
  .version_sql = MT_SQL_COUNT,
  .delete_sql = MT_SQL_WEBHOOK_DELETE,
  .get_sql = MT_SQL_WEBHOOK_GET,
  .columns_sql = MT_SQL_CHECK_WEBHOOK,
  .unversioned = true,
  .bind = mt_sqlite_webhook_bind,
  .write_derived = NULL,
  .delete_derived = NULL,
};

bool
mt_sqlite_webhook_insert (mt_store_t *base, const bson_t *webhook, mt_error_t *error)
{
  return mt_sqlite_doc_insert (mt_sqlite_store (base), &mt_sqlite_kind_webhook, webhook, error);
}

bool
mt_sqlite_webhook_get (mt_store_t *base, const char *id, bson_t *out, mt_error_t *error)
{
  return mt_sqlite_get_one (mt_sqlite_store (base), MT_SQL_WEBHOOK_GET, id, &mt_sqlite_kind_webhook,
                            out, error);
}

bool
mt_sqlite_webhook_list (mt_store_t *base, const char *cursor, uint32_t limit, mt_store_page_t *out,
                        mt_error_t *error)
{
  return mt_sqlite_records_page (mt_sqlite_store (base), MT_SQLITE_LIST_WEBHOOKS,
                                 MT_SQL_WEBHOOK_LIST, MT_SQL_WEBHOOK_LIST_AFTER, NULL, true, cursor,
                                 limit, out, "webhook list", error);
}

bool
mt_sqlite_webhook_delete (mt_store_t *base, const char *id, mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);
  sqlite3_stmt *stmt = NULL;

  if (!id) {
    return mt_sqlite_not_found (&mt_sqlite_kind_webhook, error);
  }
  if (!mt_sqlite_stmt (store, MT_SQL_WEBHOOK_DELETE, &stmt, error) ||
      !mt_sqlite_bind_cstr (store, stmt, 1, id, error)) {
    mt_sqlite_release (stmt);
    return false;
  }
  if (!mt_sqlite_step_done (store, stmt, "webhook delete", error)) {
    return false;
  }
  if (sqlite3_changes (store->db) == 0) {
    return mt_sqlite_not_found (&mt_sqlite_kind_webhook, error);
  }
  return true;
}

/* ---- Outbox ------------------------------------------------------------------------------ */

/* ?4 kind, ?5 webhook_id, ?6 status, ?7 next_attempt_at, ?8 doc. */
static bool
mt_sqlite_outbox_bind (mt_sqlite_store_t *store, sqlite3_stmt *stmt, const bson_t *doc,
                       mt_error_t *error)
{
  const mt_sqlite_kind_t *kind = &mt_sqlite_kind_outbox;

  return mt_sqlite_bind_field (store, stmt, 4, doc, "kind", false, kind, error) &&
         mt_sqlite_bind_field (store, stmt, 5, doc, "webhook_id", false, kind, error) &&
         mt_sqlite_bind_field (store, stmt, 6, doc, "status", false, kind, error) &&
         mt_sqlite_bind_date (store, stmt, 7, doc, "next_attempt_at", true, kind, error) &&
         mt_sqlite_bind_document (store, stmt, 8, doc, error);
}

const mt_sqlite_kind_t mt_sqlite_kind_outbox = {
  .en = "outbox message",
  .fr = "message en attente d'envoi",
  .key_field = "id",
  .insert_sql = MT_SQL_OUTBOX_INSERT,
  .update_sql = MT_SQL_OUTBOX_UPDATE,
  .version_sql = MT_SQL_OUTBOX_VERSION,
  .delete_sql = MT_SQL_COUNT,
  .get_sql = MT_SQL_OUTBOX_GET,
  .columns_sql = MT_SQL_CHECK_OUTBOX,
  .unversioned = false,
  .bind = mt_sqlite_outbox_bind,
  .write_derived = NULL,
  .delete_derived = NULL,
};

bool
mt_sqlite_outbox_insert (mt_store_t *base, const bson_t *message, mt_error_t *error)
{
  return mt_sqlite_doc_insert (mt_sqlite_store (base), &mt_sqlite_kind_outbox, message, error);
}

bool
mt_sqlite_outbox_get (mt_store_t *base, const char *id, bson_t *out, mt_error_t *error)
{
  return mt_sqlite_get_one (mt_sqlite_store (base), MT_SQL_OUTBOX_GET, id, &mt_sqlite_kind_outbox,
                            out, error);
}

bool
mt_sqlite_outbox_update (mt_store_t *base, const char *id, int64_t expected_version,
                         const bson_t *message, mt_error_t *error)
{
  return mt_sqlite_doc_update (mt_sqlite_store (base), &mt_sqlite_kind_outbox, id, expected_version,
                               message, error);
}

/* The due column: index 1 when due_before is set (not 0). */
static const char *const mt_outbox_due_columns[] = { NULL, "next_attempt_at_ms" };

static const mt_sqlite_filtered_list_t mt_outbox_list = {
  .table = "outbox",
  .time_column = "next_attempt_at_ms",
  .descending = false,
  .list = MT_SQLITE_LIST_OUTBOX,
  .filter_columns = { "kind", "webhook_id", NULL },
  .due_columns = mt_outbox_due_columns,
  .due_count = sizeof mt_outbox_due_columns / sizeof mt_outbox_due_columns[0],
  .what = "outbox list",
};

bool
mt_sqlite_outbox_list (mt_store_t *base, const mt_store_outbox_query_t *query, mt_store_page_t *out,
                       mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);
  mt_sqlite_filtered_query_t q;

  if (!query) {
    mt_store_page_init (out);
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_BAD_REQUEST,
                  "requête de la file d'envoi manquante", "missing outbox query");
    return false;
  }
  memset (&q, 0, sizeof q);
  q.filters[0] = query->kind;
  q.filters[1] = query->webhook_id;
  q.statuses = query->statuses;
  q.due = query->due_before != 0 ? 1 : 0;
  q.due_before = query->due_before;
  q.cursor = query->cursor;
  q.limit = query->limit;
  return mt_sqlite_filtered_list (store, &mt_outbox_list, &store->outbox, &q, out, error);
}
