/*
 * store_sqlite_search.c: listing_search and need_search in the SQLite adapter.
 *
 * Both run the same code over their own tables (mt_sqlite_searchable_t: listings and
 * listings_fts, needs and needs_fts), each with its own statement cache and its own cursors
 * (a cursor of one is refused by the other).
 *
 * The SQL of a search depends on its shape: which filters are set, how many statuses and
 * visible networks it lists, whether it has terms, its order, whether it has a cursor. The
 * text is built from fixed fragments and parameter numbers only (every value, the MATCH
 * expression included, is bound), so that each filter is a plain comparison SQLite can serve
 * from an index. Each handle keeps the statements of its last MT_SQLITE_SHAPE_CACHE shapes.
 *
 * Parameters:
 *   ?1 MATCH expression   ?2 kind      ?3 category   ?4 departement   ?5 owner_id
 *   ?6 network_id         ?7 own_member_id
 *   ?8 ?9 ?10 the cursor: score (relevance only), created_at, id
 *   ?11 limit + 1 (one row more tells whether a next page exists)
 *   ?12... the statuses, then the visible networks
 * Columns: doc, created_at, id, score (0 when sorted by recency).
 *
 * Orders: relevance is (mt_listing_score DESC, created_at DESC, id DESC), recency
 * (created_at DESC, id DESC); a cursor holds the key of the last row and the next page is
 * every row strictly after it, so rows inserted meanwhile never shift the others.
 */
#include "store_sqlite_private.h"

#include <string.h>

/* Flags of a query shape. */
#define MT_SEARCH_TEXT (1u << 0)
#define MT_SEARCH_RELEVANCE (1u << 1)
#define MT_SEARCH_KIND (1u << 2)
#define MT_SEARCH_CATEGORY (1u << 3)
#define MT_SEARCH_DEPARTEMENT (1u << 4)
#define MT_SEARCH_OWNER (1u << 5)
#define MT_SEARCH_NETWORK (1u << 6)
#define MT_SEARCH_STATUSES (1u << 7)
#define MT_SEARCH_VISIBILITY (1u << 8) /* restricted: not any_visibility */
#define MT_SEARCH_OWN (1u << 9)
#define MT_SEARCH_CURSOR (1u << 10)
/* Always set, so that no shape is 0 (a free cache slot). */
#define MT_SEARCH_SHAPE (1u << 15)

/* Bounds of the lists of a query (beyond: MT_ERR_BAD_REQUEST). */
#define MT_SEARCH_STATUSES_MAX 16
#define MT_SEARCH_NETWORKS_MAX 256

#define MT_SEARCH_FIRST_LIST_PARAM 12

/* Longest SQL of a search: the fixed text plus each list parameter ("?NNN, "). */
#define MT_SEARCH_SQL_MAX (4096 + 8 * (MT_SEARCH_STATUSES_MAX + MT_SEARCH_NETWORKS_MAX))

typedef struct {
  uint32_t flags;
  uint32_t statuses; /* how many */
  uint32_t networks; /* how many visible networks */
} mt_search_shape_t;

static uint64_t
mt_search_shape_key (const mt_search_shape_t *shape)
{
  return (uint64_t) shape->flags | (uint64_t) shape->statuses << 16 |
         (uint64_t) shape->networks << 32;
}

/* Appends "?first, ?first+1, ..." (@count parameters) to @sql. */
static void
mt_search_params (mt_buf_t *sql, uint32_t first, uint32_t count)
{
  uint32_t i;

  for (i = 0; i < count; i++) {
    mt_buf_appendf (sql, "%s?%u", i ? ", " : "", first + i);
  }
}

/* The filters shared by both orders (after a WHERE clause already opened; the table is "l"). */
static void
mt_search_filters (mt_buf_t *sql, const mt_search_shape_t *shape)
{
  uint32_t f = shape->flags;

  if (f & MT_SEARCH_KIND) {
    mt_buf_append_str (sql, " AND l.kind = ?2");
  }
  if (f & MT_SEARCH_CATEGORY) {
    mt_buf_append_str (sql, " AND l.category = ?3");
  }
  if (f & MT_SEARCH_DEPARTEMENT) {
    mt_buf_append_str (sql, " AND l.departement = ?4");
  }
  if (f & MT_SEARCH_OWNER) {
    mt_buf_append_str (sql, " AND l.owner_id = ?5");
  }
  if (f & MT_SEARCH_NETWORK) {
    mt_buf_append_str (sql, " AND EXISTS (SELECT 1 FROM member_networks AS mn"
                            " WHERE mn.network_id = ?6 AND mn.member_id = l.owner_id)");
  }
  if (f & MT_SEARCH_STATUSES) {
    /* An empty list is "IN ()": nothing matches. */
    mt_buf_append_str (sql, " AND l.status IN (");
    mt_search_params (sql, MT_SEARCH_FIRST_LIST_PARAM, shape->statuses);
    mt_buf_append_str (sql, ")");
  }
  if (f & MT_SEARCH_VISIBILITY) {
    mt_buf_append_str (sql, " AND (l.visibility = 'public'");
    if (f & MT_SEARCH_OWN) {
      mt_buf_append_str (sql, " OR l.owner_id = ?7");
    }
    if (shape->networks > 0) {
      mt_buf_append_str (sql, " OR EXISTS (SELECT 1 FROM member_networks AS vn"
                              " WHERE vn.member_id = l.owner_id AND vn.network_id IN (");
      mt_search_params (sql, MT_SEARCH_FIRST_LIST_PARAM + shape->statuses, shape->networks);
      mt_buf_append_str (sql, "))");
    }
    mt_buf_append_str (sql, ")");
  }
}

/* Writes the SQL of @shape over @s into @sql (a pure function of both). */
static void
mt_search_sql (mt_buf_t *sql, const mt_sqlite_searchable_t *s, const mt_search_shape_t *shape)
{
  const char *t = s->table;
  const char *fts = s->fts;
  uint32_t f = shape->flags;

  /* With text, the full-text index is the outer loop (CROSS JOIN fixes SQLite's join
   * order): otherwise the planner may walk listings in date order and run the MATCH once per
   * row, which is a hundred times slower. */
  if (f & MT_SEARCH_RELEVANCE) {
    /* Sort the keys of the matches only, then fetch the documents of the page. */
    mt_buf_appendf (sql,
                    "SELECT l.doc, page.created_at, page.id, page.score FROM ("
                    "SELECT seq, created_at, id, score FROM ("
                    "SELECT l.seq AS seq, l.created_at AS created_at, l.id AS id,"
                    " mt_listing_score (%s) AS score"
                    " FROM %s CROSS JOIN %s AS l ON l.seq = %s.rowid WHERE %s MATCH ?1",
                    fts, fts, t, fts, fts);
    mt_search_filters (sql, shape);
    mt_buf_append_str (sql, ")");
    if (f & MT_SEARCH_CURSOR) {
      mt_buf_append_str (sql, " WHERE (score, created_at, id) < (?8, ?9, ?10)");
    }
    mt_buf_appendf (sql,
                    " ORDER BY score DESC, created_at DESC, id DESC LIMIT ?11"
                    ") AS page CROSS JOIN %s AS l ON l.seq = page.seq"
                    " ORDER BY page.score DESC, page.created_at DESC, page.id DESC",
                    t);
    return;
  }
  if (f & MT_SEARCH_TEXT) {
    mt_buf_appendf (sql,
                    "SELECT l.doc, l.created_at, l.id, 0 FROM %s CROSS JOIN %s AS l"
                    " ON l.seq = %s.rowid WHERE %s MATCH ?1",
                    fts, t, fts, fts);
  } else {
    mt_buf_appendf (sql, "SELECT l.doc, l.created_at, l.id, 0 FROM %s AS l WHERE 1", t);
  }
  mt_search_filters (sql, shape);
  if (f & MT_SEARCH_CURSOR) {
    mt_buf_append_str (sql, " AND (l.created_at, l.id) < (?9, ?10)");
  }
  mt_buf_append_str (sql, " ORDER BY l.created_at DESC, l.id DESC LIMIT ?11");
}

/* The cached statement of @shape, prepared (and cached, evicting the oldest) when missing. */
static bool
mt_search_stmt (mt_sqlite_store_t *store, const mt_sqlite_searchable_t *s,
                mt_sqlite_shape_cache_t *cache, const mt_search_shape_t *shape, sqlite3_stmt **out,
                mt_error_t *error)
{
  uint64_t key = mt_search_shape_key (shape);
  mt_buf_t sql;
  bool ok = false;

  *out = mt_sqlite_shape_find (cache, key);
  if (*out) {
    return true;
  }
  mt_buf_init (&sql, MT_SEARCH_SQL_MAX);
  mt_search_sql (&sql, s, shape);
  if (sql.failed) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL, "requête de recherche trop longue",
                  "search query too long");
    goto done;
  }
  ok = mt_sqlite_shape_add (store, cache, key, mt_buf_cstr (&sql), sql.len, out, error);
done:
  mt_buf_destroy (&sql);
  return ok;
}

/* Number of strings of the NULL-terminated list @list (0 for NULL). */
static uint32_t
mt_search_count (const char *const *list, uint32_t max)
{
  uint32_t n = 0;

  while (list && list[n] && n <= max) {
    n++;
  }
  return n;
}

static bool
mt_search_bind_opt (mt_sqlite_store_t *store, sqlite3_stmt *stmt, int index, const char *value,
                    mt_error_t *error)
{
  return !value || mt_sqlite_bind_cstr (store, stmt, index, value, error);
}

/* Binds the values of @query to @stmt of @shape. */
static bool
mt_search_bind (mt_sqlite_store_t *store, sqlite3_stmt *stmt, const mt_search_shape_t *shape,
                const mt_store_listing_query_t *query, const char *match,
                const mt_sqlite_listing_key_t *after, uint32_t limit, mt_error_t *error)
{
  uint32_t f = shape->flags;
  uint32_t i;

  if (((f & MT_SEARCH_TEXT) && !mt_sqlite_bind_cstr (store, stmt, 1, match, error)) ||
      !mt_search_bind_opt (store, stmt, 2, query->kind, error) ||
      !mt_search_bind_opt (store, stmt, 3, query->category, error) ||
      !mt_search_bind_opt (store, stmt, 4, query->departement, error) ||
      !mt_search_bind_opt (store, stmt, 5, query->owner_id, error) ||
      !mt_search_bind_opt (store, stmt, 6, query->network_id, error) ||
      ((f & MT_SEARCH_OWN) && !mt_sqlite_bind_cstr (store, stmt, 7, query->own_member_id, error)) ||
      !mt_sqlite_bind_int64 (store, stmt, 11, (int64_t) limit + 1, error)) {
    return false;
  }
  if (f & MT_SEARCH_CURSOR) {
    if (((f & MT_SEARCH_RELEVANCE) &&
         !mt_sqlite_bind_int64 (store, stmt, 8, after->score, error)) ||
        !mt_sqlite_bind_int64 (store, stmt, 9, after->created_at, error) ||
        !mt_sqlite_bound (
          store, sqlite3_bind_text (stmt, 10, after->id, (int) after->id_len, SQLITE_STATIC),
          error)) {
      return false;
    }
  }
  for (i = 0; i < shape->statuses; i++) {
    if (!mt_sqlite_bind_cstr (store, stmt, (int) (MT_SEARCH_FIRST_LIST_PARAM + i),
                              query->statuses[i], error)) {
      return false;
    }
  }
  for (i = 0; i < shape->networks; i++) {
    if (!mt_sqlite_bind_cstr (store, stmt, (int) (MT_SEARCH_FIRST_LIST_PARAM + shape->statuses + i),
                              query->visible_networks[i], error)) {
      return false;
    }
  }
  return true;
}

/* Reads the sort key of the current row of @stmt into @key. */
static bool
mt_search_row_key (sqlite3_stmt *stmt, mt_sqlite_listing_key_t *key, mt_error_t *error)
{
  const unsigned char *id = sqlite3_column_text (stmt, 2);
  int id_len = sqlite3_column_bytes (stmt, 2);

  key->created_at = sqlite3_column_int64 (stmt, 1);
  key->score = sqlite3_column_int64 (stmt, 3);
  if (!id || id_len <= 0 || (size_t) id_len >= sizeof key->id) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL, "identifiant impropre à la pagination",
                  "id unfit for pagination");
    return false;
  }
  memcpy (key->id, id, (size_t) id_len);
  key->id[id_len] = '\0';
  key->id_len = (size_t) id_len;
  return true;
}

bool
mt_sqlite_search (mt_sqlite_store_t *store, const mt_sqlite_searchable_t *s,
                  mt_sqlite_shape_cache_t *cache, const mt_store_listing_query_t *query,
                  mt_store_page_t *out, mt_error_t *error)
{
  mt_search_shape_t shape = { MT_SEARCH_SHAPE, 0, 0 };
  mt_sqlite_listing_key_t after, last;
  char match[MT_SQLITE_FTS_QUERY_MAX];
  sqlite3_stmt *stmt = NULL;
  uint32_t fingerprint = 0;
  uint32_t limit;
  bool ok = false;
  int rc;

  mt_store_page_init (out);
  memset (&after, 0, sizeof after);
  memset (&last, 0, sizeof last);
  if (!query || query->limit == 0) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_BAD_REQUEST, "taille de page invalide (1 à %d)",
                  "invalid page size (1 to %d)", MT_STORE_PAGE_MAX);
    goto done;
  }
  limit = query->limit > MT_STORE_PAGE_MAX ? MT_STORE_PAGE_MAX : query->limit;

  /* The shape. */
  if (mt_sqlite_fts_query (query->terms, match) > 0) {
    shape.flags |= MT_SEARCH_TEXT;
    if (query->sort == MT_LISTING_SORT_RELEVANCE) {
      shape.flags |= MT_SEARCH_RELEVANCE;
      fingerprint = mt_sqlite_fts_fingerprint (match);
    }
  }
  shape.flags |= query->kind ? MT_SEARCH_KIND : 0;
  shape.flags |= query->category ? MT_SEARCH_CATEGORY : 0;
  shape.flags |= query->departement ? MT_SEARCH_DEPARTEMENT : 0;
  shape.flags |= query->owner_id ? MT_SEARCH_OWNER : 0;
  shape.flags |= query->network_id ? MT_SEARCH_NETWORK : 0;
  if (query->statuses) {
    shape.flags |= MT_SEARCH_STATUSES;
    shape.statuses = mt_search_count (query->statuses, MT_SEARCH_STATUSES_MAX);
  }
  if (!query->any_visibility) {
    shape.flags |= MT_SEARCH_VISIBILITY;
    shape.flags |= query->own_member_id ? MT_SEARCH_OWN : 0;
    shape.networks = mt_search_count (query->visible_networks, MT_SEARCH_NETWORKS_MAX);
  }
  if (shape.statuses > MT_SEARCH_STATUSES_MAX || shape.networks > MT_SEARCH_NETWORKS_MAX) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_BAD_REQUEST,
                  "trop de statuts (%d au plus) ou de réseaux (%d au plus) dans la recherche",
                  "too many statuses (at most %d) or networks (at most %d) in the search",
                  MT_SEARCH_STATUSES_MAX, MT_SEARCH_NETWORKS_MAX);
    goto done;
  }

  /* The cursor must come from the same order (and, by relevance, the same terms). */
  if (query->cursor && *query->cursor) {
    if (!mt_sqlite_listing_cursor_decode (query->cursor, &after, error)) {
      goto done;
    }
    if (after.need != s->need || after.relevance != ((shape.flags & MT_SEARCH_RELEVANCE) != 0) ||
        after.fingerprint != fingerprint) {
      mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_BAD_REQUEST,
                    "curseur de pagination d'une autre recherche",
                    "pagination cursor of another search");
      goto done;
    }
    shape.flags |= MT_SEARCH_CURSOR;
  }

  if (!mt_search_stmt (store, s, cache, &shape, &stmt, error) ||
      !mt_search_bind (store, stmt, &shape, query, match, &after, limit, error)) {
    goto done;
  }
  last.need = s->need;
  last.relevance = (shape.flags & MT_SEARCH_RELEVANCE) != 0;
  last.fingerprint = fingerprint;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
    if (out->count == limit) {
      /* One row beyond the page: there is a next one, after the last row kept. */
      if (!mt_sqlite_listing_cursor_encode (&last, out->next_cursor)) {
        mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                      "identifiant impropre à la pagination", "id unfit for pagination");
        goto done;
      }
      break;
    }
    if (!mt_sqlite_page_append (out, stmt, 0, error) || !mt_search_row_key (stmt, &last, error)) {
      goto done;
    }
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    mt_sqlite_fail (store->db, rc, s->what, error);
    goto done;
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
mt_sqlite_listing_search (mt_store_t *base, const mt_store_listing_query_t *query,
                          mt_store_page_t *out, mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);

  return mt_sqlite_search (store, &mt_sqlite_listings, &store->search, query, out, error);
}

bool
mt_sqlite_need_search (mt_store_t *base, const mt_store_listing_query_t *query,
                       mt_store_page_t *out, mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);

  return mt_sqlite_search (store, &mt_sqlite_needs, &store->need_search, query, out, error);
}
