/*
 * store_sqlite_lists.c: the filtered keyset lists of the SQLite adapter (reservation_list,
 * booking_list, outbox_list).
 *
 * Each list reads one table in (time, id) order, descending or ascending, with equality
 * filters on up to MT_SQLITE_FILTERS_MAX columns, a "status IN (...)" filter and a due bound
 * on one date column. Its SQL depends on the query's shape (which filters are set, how many
 * statuses, which due column, whether there is a cursor) and is built from fixed fragments,
 * column names of the list's definition and parameter numbers only: every value is bound.
 * Each handle keeps the statements of the last MT_SQLITE_SHAPE_CACHE shapes of each list.
 * Parameters:
 *   ?1 ?2 ?3 the equality filters   ?4 due_before   ?5 ?6 the cursor: time, id
 *   ?7 limit + 1 (one row more tells whether a next page exists)   ?8... the statuses
 * Rows are (doc, time, id); a cursor holds the key of the last row and the next page is
 * every row strictly after it, so rows inserted meanwhile never shift the others.
 */
#include "store_sqlite_private.h"

#include <string.h>

/* Flags of a query shape; the due field is in bits 8-15, the number of statuses in 16-23. */
#define MT_LIST_FILTER(i) (1u << (i)) /* i < MT_SQLITE_FILTERS_MAX */
#define MT_LIST_STATUSES (1u << 4)
#define MT_LIST_CURSOR (1u << 5)
/* Always set, so that no shape is 0 (a free cache slot). */
#define MT_LIST_SHAPE (1u << 31)

#define MT_LIST_FIRST_STATUS_PARAM 8
#define MT_LIST_SQL_MAX 1024

/* Writes the SQL of the shape (@flags, @due, @statuses) into @sql (a pure function of it). */
static void
mt_list_sql (mt_buf_t *sql, const mt_sqlite_filtered_list_t *def, uint32_t flags, int due,
             uint32_t statuses)
{
  const char *order = def->descending ? "DESC" : "ASC";
  uint32_t i;

  mt_buf_appendf (sql, "SELECT doc, %s, id FROM %s WHERE 1", def->time_column, def->table);
  for (i = 0; i < MT_SQLITE_FILTERS_MAX; i++) {
    if (flags & MT_LIST_FILTER (i)) {
      mt_buf_appendf (sql, " AND %s = ?%u", def->filter_columns[i], i + 1);
    }
  }
  if (flags & MT_LIST_STATUSES) {
    /* An empty list is "IN ()": nothing matches. */
    mt_buf_append_str (sql, " AND status IN (");
    for (i = 0; i < statuses; i++) {
      mt_buf_appendf (sql, "%s?%u", i ? ", " : "", MT_LIST_FIRST_STATUS_PARAM + i);
    }
    mt_buf_append_str (sql, ")");
  }
  if (due > 0) {
    /* A row without that date (NULL) is never due. */
    mt_buf_appendf (sql, " AND %s <= ?4", def->due_columns[due]);
  }
  if (flags & MT_LIST_CURSOR) {
    mt_buf_appendf (sql, " AND (%s, id) %s (?5, ?6)", def->time_column,
                    def->descending ? "<" : ">");
  }
  mt_buf_appendf (sql, " ORDER BY %s %s, id %s LIMIT ?7", def->time_column, order, order);
}

/* The cached statement of the shape, prepared (and cached) when missing. */
static bool
mt_list_stmt (mt_sqlite_store_t *store, const mt_sqlite_filtered_list_t *def,
              mt_sqlite_shape_cache_t *cache, uint32_t flags, int due, uint32_t statuses,
              sqlite3_stmt **out, mt_error_t *error)
{
  uint64_t key = (uint64_t) flags | (uint64_t) due << 8 | (uint64_t) statuses << 16;
  mt_buf_t sql;
  bool ok = false;

  *out = mt_sqlite_shape_find (cache, key);
  if (*out) {
    return true;
  }
  mt_buf_init (&sql, MT_LIST_SQL_MAX);
  mt_list_sql (&sql, def, flags, due, statuses);
  if (sql.failed) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL, "requête de liste trop longue (%s)",
                  "list query too long (%s)", def->what);
    goto done;
  }
  ok = mt_sqlite_shape_add (store, cache, key, mt_buf_cstr (&sql), sql.len, out, error);
done:
  mt_buf_destroy (&sql);
  return ok;
}

bool
mt_sqlite_filtered_list (mt_sqlite_store_t *store, const mt_sqlite_filtered_list_t *def,
                         mt_sqlite_shape_cache_t *cache, const mt_sqlite_filtered_query_t *query,
                         mt_store_page_t *out, mt_error_t *error)
{
  mt_sqlite_row_key_t after;
  sqlite3_stmt *stmt = NULL;
  bool has_after = false;
  uint32_t statuses = 0;
  uint32_t flags = MT_LIST_SHAPE;
  uint32_t limit = 0;
  uint32_t i;
  bool ok = false;

  mt_store_page_init (out);
  if (!mt_sqlite_list_window (def->list, query->cursor, query->limit, &limit, &after, &has_after,
                              error)) {
    goto done;
  }
  if (query->due < 0 || (size_t) query->due >= def->due_count ||
      (query->due > 0 && !def->due_columns[query->due])) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_BAD_REQUEST, "champ d'échéance inconnu (%d)",
                  "unknown due field (%d)", query->due);
    goto done;
  }
  if (query->statuses) {
    flags |= MT_LIST_STATUSES;
    while (query->statuses[statuses] && statuses <= MT_SQLITE_STATUSES_MAX) {
      statuses++;
    }
    if (statuses > MT_SQLITE_STATUSES_MAX) {
      mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_BAD_REQUEST,
                    "trop de statuts dans la requête (%d au plus)",
                    "too many statuses in the query (at most %d)", MT_SQLITE_STATUSES_MAX);
      goto done;
    }
  }
  for (i = 0; i < MT_SQLITE_FILTERS_MAX; i++) {
    if (query->filters[i] && def->filter_columns[i]) {
      flags |= MT_LIST_FILTER (i);
    }
  }
  flags |= has_after ? MT_LIST_CURSOR : 0;

  if (!mt_list_stmt (store, def, cache, flags, query->due, statuses, &stmt, error) ||
      (query->due > 0 && !mt_sqlite_bind_int64 (store, stmt, 4, query->due_before, error)) ||
      !mt_sqlite_bind_int64 (store, stmt, 7, (int64_t) limit + 1, error)) {
    goto done;
  }
  for (i = 0; i < MT_SQLITE_FILTERS_MAX; i++) {
    if ((flags & MT_LIST_FILTER (i)) &&
        !mt_sqlite_bind_cstr (store, stmt, (int) i + 1, query->filters[i], error)) {
      goto done;
    }
  }
  if (has_after &&
      (!mt_sqlite_bind_int64 (store, stmt, 5, after.at, error) ||
       !mt_sqlite_bound (
         store, sqlite3_bind_text (stmt, 6, after.id, (int) after.id_len, SQLITE_STATIC), error))) {
    goto done;
  }
  for (i = 0; i < statuses; i++) {
    if (!mt_sqlite_bind_cstr (store, stmt, (int) (MT_LIST_FIRST_STATUS_PARAM + i),
                              query->statuses[i], error)) {
      goto done;
    }
  }
  ok = mt_sqlite_page_fill_rows (store, stmt, def->list, limit, out, def->what, error);
done:
  mt_sqlite_release (stmt);
  if (!ok) {
    mt_store_page_destroy (out);
    mt_store_page_init (out);
  }
  return ok;
}
