/*
 * store_sqlite_bookings.c: service bookings in the SQLite adapter.
 *
 * Mutable documents handled by the generic insert, compare-and-set update and get of
 * store_sqlite_rows.c. A booking row copies "listing_id" (required), "requester_member_id",
 * "provider_member_id", "status" and the dates "start", "completed_at", "created_at"
 * (required) as milliseconds (NULL when absent) into columns (migration 4).
 *
 * booking_list is a filtered list of store_sqlite_lists.c (SQL built per query shape):
 * filters ?1 listing_id, ?2 requester_member_id, ?3 provider_member_id, a due column among
 * the dates, ordered (created_at_ms DESC, id DESC).
 */
#include "store_sqlite_private.h"

#include <string.h>

/* ?4 listing_id, ?5 requester_member_id, ?6 provider_member_id, ?7 status, ?8 start,
 * ?9 completed_at, ?10 created_at, ?11 doc. */
static bool
mt_sqlite_booking_bind (mt_sqlite_store_t *store, sqlite3_stmt *stmt, const bson_t *doc,
                        mt_error_t *error)
{
  const mt_sqlite_kind_t *kind = &mt_sqlite_kind_booking;

  return mt_sqlite_bind_field (store, stmt, 4, doc, "listing_id", true, kind, error) &&
         mt_sqlite_bind_field (store, stmt, 5, doc, "requester_member_id", false, kind, error) &&
         mt_sqlite_bind_field (store, stmt, 6, doc, "provider_member_id", false, kind, error) &&
         mt_sqlite_bind_field (store, stmt, 7, doc, "status", false, kind, error) &&
         mt_sqlite_bind_date (store, stmt, 8, doc, "start", false, kind, error) &&
         mt_sqlite_bind_date (store, stmt, 9, doc, "completed_at", false, kind, error) &&
         mt_sqlite_bind_date (store, stmt, 10, doc, "created_at", true, kind, error) &&
         mt_sqlite_bind_document (store, stmt, 11, doc, error);
}

const mt_sqlite_kind_t mt_sqlite_kind_booking = {
  .en = "booking",
  .fr = "demande de service",
  .key_field = "id",
  .insert_sql = MT_SQL_BOOKING_INSERT,
  .update_sql = MT_SQL_BOOKING_UPDATE,
  .version_sql = MT_SQL_BOOKING_VERSION,
  .delete_sql = MT_SQL_COUNT,
  .get_sql = MT_SQL_BOOKING_GET,
  .columns_sql = MT_SQL_CHECK_BOOKING,
  .unversioned = false,
  .bind = mt_sqlite_booking_bind,
  .write_derived = NULL,
  .delete_derived = NULL,
};

bool
mt_sqlite_booking_insert (mt_store_t *base, const bson_t *booking, mt_error_t *error)
{
  return mt_sqlite_doc_insert (mt_sqlite_store (base), &mt_sqlite_kind_booking, booking, error);
}

bool
mt_sqlite_booking_get (mt_store_t *base, const char *id, bson_t *out, mt_error_t *error)
{
  return mt_sqlite_get_one (mt_sqlite_store (base), MT_SQL_BOOKING_GET, id, &mt_sqlite_kind_booking,
                            out, error);
}

bool
mt_sqlite_booking_update (mt_store_t *base, const char *id, int64_t expected_version,
                          const bson_t *booking, mt_error_t *error)
{
  return mt_sqlite_doc_update (mt_sqlite_store (base), &mt_sqlite_kind_booking, id,
                               expected_version, booking, error);
}

/* The due columns, by mt_booking_due_t. */
static const char *const mt_booking_due_columns[] = {
  [MT_BOOKING_DUE_NONE] = NULL,
  [MT_BOOKING_DUE_START] = "start_ms",
  [MT_BOOKING_DUE_COMPLETED] = "completed_at_ms",
  [MT_BOOKING_DUE_CREATED] = "created_at_ms",
};

static const mt_sqlite_filtered_list_t mt_booking_list = {
  .table = "bookings",
  .time_column = "created_at_ms",
  .descending = true,
  .list = MT_SQLITE_LIST_BOOKINGS,
  .filter_columns = { "listing_id", "requester_member_id", "provider_member_id" },
  .due_columns = mt_booking_due_columns,
  .due_count = sizeof mt_booking_due_columns / sizeof mt_booking_due_columns[0],
  .what = "booking list",
};

bool
mt_sqlite_booking_list (mt_store_t *base, const mt_store_booking_query_t *query,
                        mt_store_page_t *out, mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);
  mt_sqlite_filtered_query_t q;

  if (!query) {
    mt_store_page_init (out);
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_BAD_REQUEST,
                  "requête de demandes de service manquante", "missing booking query");
    return false;
  }
  memset (&q, 0, sizeof q);
  q.filters[0] = query->listing_id;
  q.filters[1] = query->requester_member_id;
  q.filters[2] = query->provider_member_id;
  q.statuses = query->statuses;
  q.due = (int) query->due;
  q.due_before = query->due_before;
  q.cursor = query->cursor;
  q.limit = query->limit;
  return mt_sqlite_filtered_list (store, &mt_booking_list, &store->bookings, &q, out, error);
}
