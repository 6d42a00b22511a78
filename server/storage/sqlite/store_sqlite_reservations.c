/*
 * store_sqlite_reservations.c: reservations and idempotency records in the SQLite adapter.
 *
 * Both are mutable documents handled by the generic insert, compare-and-set update and get of
 * store_sqlite_rows.c. A reservation row copies "listing_id", "borrower_member_id",
 * "owner_member_id", "status", "units" and the dates "start", "end", "expires_at",
 * "returned_at", "created_at" (as milliseconds, NULL when absent) into columns (see migration
 * 3); an idempotency record copies its "created_at", by which idempotency_purge forgets it.
 *
 * reservation_list is a filtered list of store_sqlite_lists.c (SQL built per query shape):
 * filters ?1 listing_id, ?2 borrower_member_id, ?3 owner_member_id, a due column among the
 * dates, ordered (created_at_ms DESC, id DESC).
 */
#include "store_sqlite_private.h"

#include <string.h>

/* ---- Reservations ------------------------------------------------------------------------ */

/* ?4 listing_id, ?5 borrower_member_id, ?6 owner_member_id, ?7 status, ?8 start, ?9 end,
 * ?10 units, ?11 expires_at, ?12 returned_at, ?13 created_at, ?14 doc. */
static bool
mt_sqlite_reservation_bind (mt_sqlite_store_t *store, sqlite3_stmt *stmt, const bson_t *doc,
                            mt_error_t *error)
{
  const mt_sqlite_kind_t *kind = &mt_sqlite_kind_reservation;

  return mt_sqlite_bind_field (store, stmt, 4, doc, "listing_id", true, kind, error) &&
         mt_sqlite_bind_field (store, stmt, 5, doc, "borrower_member_id", false, kind, error) &&
         mt_sqlite_bind_field (store, stmt, 6, doc, "owner_member_id", false, kind, error) &&
         mt_sqlite_bind_field (store, stmt, 7, doc, "status", false, kind, error) &&
         mt_sqlite_bind_date (store, stmt, 8, doc, "start", false, kind, error) &&
         mt_sqlite_bind_date (store, stmt, 9, doc, "end", false, kind, error) &&
         mt_sqlite_bind_integer (store, stmt, 10, doc, "units", kind, error) &&
         mt_sqlite_bind_date (store, stmt, 11, doc, "expires_at", false, kind, error) &&
         mt_sqlite_bind_date (store, stmt, 12, doc, "returned_at", false, kind, error) &&
         mt_sqlite_bind_date (store, stmt, 13, doc, "created_at", true, kind, error) &&
         mt_sqlite_bind_document (store, stmt, 14, doc, error);
}

const mt_sqlite_kind_t mt_sqlite_kind_reservation = {
  .en = "reservation",
  .fr = "réservation",
  .key_field = "id",
  .insert_sql = MT_SQL_RESERVATION_INSERT,
  .update_sql = MT_SQL_RESERVATION_UPDATE,
  .version_sql = MT_SQL_RESERVATION_VERSION,
  .delete_sql = MT_SQL_COUNT,
  .get_sql = MT_SQL_RESERVATION_GET,
  .columns_sql = MT_SQL_CHECK_RESERVATION,
  .unversioned = false,
  .bind = mt_sqlite_reservation_bind,
  .write_derived = NULL,
  .delete_derived = NULL,
};

bool
mt_sqlite_reservation_insert (mt_store_t *base, const bson_t *reservation, mt_error_t *error)
{
  return mt_sqlite_doc_insert (mt_sqlite_store (base), &mt_sqlite_kind_reservation, reservation,
                               error);
}

bool
mt_sqlite_reservation_get (mt_store_t *base, const char *id, bson_t *out, mt_error_t *error)
{
  return mt_sqlite_get_one (mt_sqlite_store (base), MT_SQL_RESERVATION_GET, id,
                            &mt_sqlite_kind_reservation, out, error);
}

bool
mt_sqlite_reservation_update (mt_store_t *base, const char *id, int64_t expected_version,
                              const bson_t *reservation, mt_error_t *error)
{
  return mt_sqlite_doc_update (mt_sqlite_store (base), &mt_sqlite_kind_reservation, id,
                               expected_version, reservation, error);
}

bool
mt_sqlite_reservation_count (mt_store_t *base, const char *listing_id, int64_t *count,
                             mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);
  sqlite3_stmt *stmt = NULL;
  bool ok = false;
  int rc;

  *count = 0;
  if (!listing_id) {
    return true;
  }
  if (!mt_sqlite_stmt (store, MT_SQL_RESERVATION_COUNT, &stmt, error) ||
      !mt_sqlite_bind_cstr (store, stmt, 1, listing_id, error)) {
    goto done;
  }
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW) {
    mt_sqlite_fail (store->db, rc, "reservation count", error);
    goto done;
  }
  *count = sqlite3_column_int64 (stmt, 0);
  ok = true;
done:
  mt_sqlite_release (stmt);
  return ok;
}

/* ---- reservation_list -------------------------------------------------------------------- */

/* The due columns, by mt_reservation_due_t. */
static const char *const mt_res_due_columns[] = {
  [MT_RESERVATION_DUE_NONE] = NULL,
  [MT_RESERVATION_DUE_EXPIRES] = "expires_at_ms",
  [MT_RESERVATION_DUE_START] = "start_ms",
  [MT_RESERVATION_DUE_END] = "end_ms",
  [MT_RESERVATION_DUE_RETURNED] = "returned_at_ms",
  [MT_RESERVATION_DUE_CREATED] = "created_at_ms",
};

static const mt_sqlite_filtered_list_t mt_res_list = {
  .table = "reservations",
  .time_column = "created_at_ms",
  .descending = true,
  .list = MT_SQLITE_LIST_RESERVATIONS,
  .filter_columns = { "listing_id", "borrower_member_id", "owner_member_id" },
  .due_columns = mt_res_due_columns,
  .due_count = sizeof mt_res_due_columns / sizeof mt_res_due_columns[0],
  .what = "reservation list",
};

bool
mt_sqlite_reservation_list (mt_store_t *base, const mt_store_reservation_query_t *query,
                            mt_store_page_t *out, mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);
  mt_sqlite_filtered_query_t q;

  if (!query) {
    mt_store_page_init (out);
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_BAD_REQUEST, "requête de réservations manquante",
                  "missing reservation query");
    return false;
  }
  memset (&q, 0, sizeof q);
  q.filters[0] = query->listing_id;
  q.filters[1] = query->borrower_member_id;
  q.filters[2] = query->owner_member_id;
  q.statuses = query->statuses;
  q.due = (int) query->due;
  q.due_before = query->due_before;
  q.cursor = query->cursor;
  q.limit = query->limit;
  return mt_sqlite_filtered_list (store, &mt_res_list, &store->reservations, &q, out, error);
}

/* ---- Idempotency records ----------------------------------------------------------------- */

/* ?4 created_at, ?5 doc. */
static bool
mt_sqlite_idempotency_bind (mt_sqlite_store_t *store, sqlite3_stmt *stmt, const bson_t *doc,
                            mt_error_t *error)
{
  return mt_sqlite_bind_date (store, stmt, 4, doc, "created_at", true, &mt_sqlite_kind_idempotency,
                              error) &&
         mt_sqlite_bind_document (store, stmt, 5, doc, error);
}

const mt_sqlite_kind_t mt_sqlite_kind_idempotency = {
  .en = "idempotency record",
  .fr = "enregistrement d'idempotence",
  .key_field = "id",
  .insert_sql = MT_SQL_IDEMPOTENCY_INSERT,
  .update_sql = MT_SQL_IDEMPOTENCY_UPDATE,
  .version_sql = MT_SQL_IDEMPOTENCY_VERSION,
  .delete_sql = MT_SQL_COUNT,
  .get_sql = MT_SQL_IDEMPOTENCY_GET,
  .columns_sql = MT_SQL_CHECK_IDEMPOTENCY,
  .unversioned = false,
  .bind = mt_sqlite_idempotency_bind,
  .write_derived = NULL,
  .delete_derived = NULL,
};

bool
mt_sqlite_idempotency_insert (mt_store_t *base, const bson_t *record, mt_error_t *error)
{
  return mt_sqlite_doc_insert (mt_sqlite_store (base), &mt_sqlite_kind_idempotency, record, error);
}

bool
mt_sqlite_idempotency_get (mt_store_t *base, const char *id, bson_t *out, mt_error_t *error)
{
  return mt_sqlite_get_one (mt_sqlite_store (base), MT_SQL_IDEMPOTENCY_GET, id,
                            &mt_sqlite_kind_idempotency, out, error);
}

bool
mt_sqlite_idempotency_update (mt_store_t *base, const char *id, int64_t expected_version,
                              const bson_t *record, mt_error_t *error)
{
  return mt_sqlite_doc_update (mt_sqlite_store (base), &mt_sqlite_kind_idempotency, id,
                               expected_version, record, error);
}

bool
mt_sqlite_idempotency_purge (mt_store_t *base, int64_t before_ms, mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);
  sqlite3_stmt *stmt = NULL;

  if (!mt_sqlite_stmt (store, MT_SQL_IDEMPOTENCY_PURGE, &stmt, error) ||
      !mt_sqlite_bind_int64 (store, stmt, 1, before_ms, error)) {
    mt_sqlite_release (stmt);
    return false;
  }
  return mt_sqlite_step_done (store, stmt, "idempotency purge", error);
}
