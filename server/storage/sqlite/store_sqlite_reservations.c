/*
 * store_sqlite_reservations.c: reservations and idempotency records in the SQLite adapter.
 *
 * Both are mutable documents handled by the generic insert, compare-and-set update and get of
 * store_sqlite_rows.c. A reservation row copies "listing_id", "borrower_member_id",
 * "owner_member_id", "status", "units" and the dates "start", "end", "expires_at",
 * "returned_at", "created_at" (as milliseconds, NULL when absent) into columns (see migration
 * 3); an idempotency record copies its "created_at", by which idempotency_purge forgets it.
 *
 * reservation_list builds its SQL per query shape (which filters are set, how many statuses,
 * which due field, whether there is a cursor) from fixed fragments and parameter numbers
 * only, and each handle keeps the statements of its last MT_SQLITE_SHAPE_CACHE shapes.
 * Parameters:
 *   ?1 listing_id   ?2 borrower_member_id   ?3 owner_member_id   ?4 due_before
 *   ?5 ?6 the cursor: created_at, id   ?7 limit + 1   ?8... the statuses
 * Rows are (doc, created_at_ms, id), ordered (created_at_ms DESC, id DESC); a cursor holds
 * the key of the last row and the next page is every row strictly after it, so rows inserted
 * meanwhile never shift the others.
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

/* Flags of a query shape; the due field is in bits 8-11, the number of statuses in 16-23. */
#define MT_RES_LISTING (1u << 0)
#define MT_RES_BORROWER (1u << 1)
#define MT_RES_OWNER (1u << 2)
#define MT_RES_STATUSES (1u << 3)
#define MT_RES_CURSOR (1u << 4)
/* Always set, so that no shape is 0 (a free cache slot). */
#define MT_RES_SHAPE (1u << 31)

/* At most this many statuses in a query (beyond: MT_ERR_BAD_REQUEST). */
#define MT_RES_STATUSES_MAX 16
#define MT_RES_FIRST_STATUS_PARAM 8
#define MT_RES_SQL_MAX 1024

/* The column of a due field; NULL for MT_RESERVATION_DUE_NONE and unknown values. */
static const char *
mt_res_due_column (mt_reservation_due_t due)
{
  switch (due) {
  case MT_RESERVATION_DUE_EXPIRES:
    return "expires_at_ms";
  case MT_RESERVATION_DUE_START:
    return "start_ms";
  case MT_RESERVATION_DUE_END:
    return "end_ms";
  case MT_RESERVATION_DUE_RETURNED:
    return "returned_at_ms";
  case MT_RESERVATION_DUE_CREATED:
    return "created_at_ms";
  case MT_RESERVATION_DUE_NONE:
  default:
    return NULL;
  }
}

/* Writes the SQL of the shape (@flags, @due, @statuses) into @sql (a pure function of it). */
static void
mt_res_sql (mt_buf_t *sql, uint32_t flags, mt_reservation_due_t due, uint32_t statuses)
{
  const char *due_column = mt_res_due_column (due);
  uint32_t i;

  mt_buf_append_str (sql, "SELECT doc, created_at_ms, id FROM reservations WHERE 1");
  if (flags & MT_RES_LISTING) {
    mt_buf_append_str (sql, " AND listing_id = ?1");
  }
  if (flags & MT_RES_BORROWER) {
    mt_buf_append_str (sql, " AND borrower_member_id = ?2");
  }
  if (flags & MT_RES_OWNER) {
    mt_buf_append_str (sql, " AND owner_member_id = ?3");
  }
  if (flags & MT_RES_STATUSES) {
    /* An empty list is "IN ()": nothing matches. */
    mt_buf_append_str (sql, " AND status IN (");
    for (i = 0; i < statuses; i++) {
      mt_buf_appendf (sql, "%s?%u", i ? ", " : "", MT_RES_FIRST_STATUS_PARAM + i);
    }
    mt_buf_append_str (sql, ")");
  }
  if (due_column) {
    /* A reservation without that date (NULL) is never due. */
    mt_buf_appendf (sql, " AND %s <= ?4", due_column);
  }
  if (flags & MT_RES_CURSOR) {
    mt_buf_append_str (sql, " AND (created_at_ms, id) < (?5, ?6)");
  }
  mt_buf_append_str (sql, " ORDER BY created_at_ms DESC, id DESC LIMIT ?7");
}

/* The cached statement of the shape, prepared (and cached) when missing. */
static bool
mt_res_stmt (mt_sqlite_store_t *store, uint32_t flags, mt_reservation_due_t due, uint32_t statuses,
             sqlite3_stmt **out, mt_error_t *error)
{
  uint64_t key = (uint64_t) flags | (uint64_t) due << 8 | (uint64_t) statuses << 16;
  mt_buf_t sql;
  bool ok = false;

  *out = mt_sqlite_shape_find (&store->reservations, key);
  if (*out) {
    return true;
  }
  mt_buf_init (&sql, MT_RES_SQL_MAX);
  mt_res_sql (&sql, flags, due, statuses);
  if (sql.failed) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL, "requête de réservations trop longue",
                  "reservation query too long");
    goto done;
  }
  ok =
    mt_sqlite_shape_add (store, &store->reservations, key, mt_buf_cstr (&sql), sql.len, out, error);
done:
  mt_buf_destroy (&sql);
  return ok;
}

static bool
mt_res_bind_opt (mt_sqlite_store_t *store, sqlite3_stmt *stmt, int index, const char *value,
                 mt_error_t *error)
{
  return !value || mt_sqlite_bind_cstr (store, stmt, index, value, error);
}

bool
mt_sqlite_reservation_list (mt_store_t *base, const mt_store_reservation_query_t *query,
                            mt_store_page_t *out, mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);
  mt_sqlite_row_key_t after;
  sqlite3_stmt *stmt = NULL;
  mt_reservation_due_t due;
  bool has_after = false;
  uint32_t statuses = 0;
  uint32_t flags = MT_RES_SHAPE;
  uint32_t limit = 0;
  uint32_t i;
  bool ok = false;

  mt_store_page_init (out);
  if (!query) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_BAD_REQUEST, "requête de réservations manquante",
                  "missing reservation query");
    goto done;
  }
  if (!mt_sqlite_list_window (MT_SQLITE_LIST_RESERVATIONS, query->cursor, query->limit, &limit,
                              &after, &has_after, error)) {
    goto done;
  }
  due = query->due;
  if (due != MT_RESERVATION_DUE_NONE && !mt_res_due_column (due)) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_BAD_REQUEST, "champ d'échéance inconnu (%d)",
                  "unknown due field (%d)", (int) due);
    goto done;
  }
  if (query->statuses) {
    flags |= MT_RES_STATUSES;
    while (query->statuses[statuses] && statuses <= MT_RES_STATUSES_MAX) {
      statuses++;
    }
    if (statuses > MT_RES_STATUSES_MAX) {
      mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_BAD_REQUEST,
                    "trop de statuts dans la requête (%d au plus)",
                    "too many statuses in the query (at most %d)", MT_RES_STATUSES_MAX);
      goto done;
    }
  }
  flags |= query->listing_id ? MT_RES_LISTING : 0;
  flags |= query->borrower_member_id ? MT_RES_BORROWER : 0;
  flags |= query->owner_member_id ? MT_RES_OWNER : 0;
  flags |= has_after ? MT_RES_CURSOR : 0;

  if (!mt_res_stmt (store, flags, due, statuses, &stmt, error) ||
      !mt_res_bind_opt (store, stmt, 1, query->listing_id, error) ||
      !mt_res_bind_opt (store, stmt, 2, query->borrower_member_id, error) ||
      !mt_res_bind_opt (store, stmt, 3, query->owner_member_id, error) ||
      (due != MT_RESERVATION_DUE_NONE &&
       !mt_sqlite_bind_int64 (store, stmt, 4, query->due_before, error)) ||
      !mt_sqlite_bind_int64 (store, stmt, 7, (int64_t) limit + 1, error)) {
    goto done;
  }
  if (has_after &&
      (!mt_sqlite_bind_int64 (store, stmt, 5, after.at, error) ||
       !mt_sqlite_bound (
         store, sqlite3_bind_text (stmt, 6, after.id, (int) after.id_len, SQLITE_STATIC), error))) {
    goto done;
  }
  for (i = 0; i < statuses; i++) {
    if (!mt_sqlite_bind_cstr (store, stmt, (int) (MT_RES_FIRST_STATUS_PARAM + i),
                              query->statuses[i], error)) {
      goto done;
    }
  }
  ok = mt_sqlite_page_fill_rows (store, stmt, MT_SQLITE_LIST_RESERVATIONS, limit, out,
                                 "reservation list", error);
done:
  mt_sqlite_release (stmt);
  if (!ok) {
    mt_store_page_destroy (out);
    mt_store_page_init (out);
  }
  return ok;
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
