/*
 * store_sqlite_needs.c: needs and their answers in the SQLite adapter.
 *
 * A need is laid out like a listing (mt_sqlite_searchable_t, migration 4): a row in "needs"
 * with the columns owner_id, kind, category, status, visibility, departement, created_at, and
 * a full-text row in needs_fts (title, description, tags joined by newlines) under its "seq",
 * rewritten in the transaction of every write of the need. need_search is listing_search over
 * these tables (store_sqlite_search.c). Needs are never deleted.
 *
 * Answers are immutable records (stored as given, DUPLICATE on an id already stored), listed
 * oldest first per need ("created_at", then "id"); a NULL need_id lists nothing.
 */
#include "store_sqlite_private.h"

/* ---- Needs ------------------------------------------------------------------------------- */

const mt_sqlite_searchable_t mt_sqlite_needs = {
  .kind = &mt_sqlite_kind_need,
  .table = "needs",
  .fts = "needs_fts",
  .text_insert = MT_SQL_NEED_TEXT_INSERT,
  .text_delete = MT_SQL_NEED_TEXT_DELETE,
  .need = true,
  .what = "need search",
};

static bool
mt_sqlite_need_bind (mt_sqlite_store_t *store, sqlite3_stmt *stmt, const bson_t *doc,
                     mt_error_t *error)
{
  return mt_sqlite_searchable_bind (&mt_sqlite_needs, store, stmt, doc, error);
}

static bool
mt_sqlite_need_text_write (mt_sqlite_store_t *store, const char *id, const bson_t *doc, bool is_new,
                           mt_error_t *error)
{
  return mt_sqlite_searchable_text_write (&mt_sqlite_needs, store, id, doc, is_new, error);
}

const mt_sqlite_kind_t mt_sqlite_kind_need = {
  .en = "need",
  .fr = "besoin",
  .key_field = "id",
  .insert_sql = MT_SQL_NEED_INSERT,
  .update_sql = MT_SQL_NEED_UPDATE,
  .version_sql = MT_SQL_NEED_VERSION,
  .delete_sql = MT_SQL_COUNT,
  .get_sql = MT_SQL_NEED_GET,
  .columns_sql = MT_SQL_CHECK_NEED,
  .unversioned = false,
  .bind = mt_sqlite_need_bind,
  .write_derived = mt_sqlite_need_text_write,
  .delete_derived = NULL,
};

bool
mt_sqlite_need_insert (mt_store_t *base, const bson_t *need, mt_error_t *error)
{
  return mt_sqlite_doc_insert (mt_sqlite_store (base), &mt_sqlite_kind_need, need, error);
}

bool
mt_sqlite_need_get (mt_store_t *base, const char *id, bson_t *out, mt_error_t *error)
{
  return mt_sqlite_get_one (mt_sqlite_store (base), MT_SQL_NEED_GET, id, &mt_sqlite_kind_need, out,
                            error);
}

bool
mt_sqlite_need_update (mt_store_t *base, const char *id, int64_t expected_version,
                       const bson_t *need, mt_error_t *error)
{
  return mt_sqlite_doc_update (mt_sqlite_store (base), &mt_sqlite_kind_need, id, expected_version,
                               need, error);
}

/* ---- Answers ----------------------------------------------------------------------------- */

/* ?4 need_id, ?5 created_at, ?6 doc. */
static bool
mt_sqlite_need_answer_bind (mt_sqlite_store_t *store, sqlite3_stmt *stmt, const bson_t *doc,
                            mt_error_t *error)
{
  const mt_sqlite_kind_t *kind = &mt_sqlite_kind_need_answer;

  return mt_sqlite_bind_field (store, stmt, 4, doc, "need_id", true, kind, error) &&
         mt_sqlite_bind_date (store, stmt, 5, doc, "created_at", true, kind, error) &&
         mt_sqlite_bind_document (store, stmt, 6, doc, error);
}

const mt_sqlite_kind_t mt_sqlite_kind_need_answer = {
  .en = "need answer",
  .fr = "réponse à un besoin",
  .key_field = "id",
  .insert_sql = MT_SQL_NEED_ANSWER_INSERT,
  .update_sql = MT_SQL_COUNT,
  .version_sql = MT_SQL_COUNT,
  .delete_sql = MT_SQL_COUNT,
  .get_sql = MT_SQL_COUNT,
  .columns_sql = MT_SQL_CHECK_NEED_ANSWER,
  .unversioned = true,
  .bind = mt_sqlite_need_answer_bind,
  .write_derived = NULL,
  .delete_derived = NULL,
};

bool
mt_sqlite_need_answer_insert (mt_store_t *base, const bson_t *answer, mt_error_t *error)
{
  return mt_sqlite_doc_insert (mt_sqlite_store (base), &mt_sqlite_kind_need_answer, answer, error);
}

bool
mt_sqlite_need_answer_list (mt_store_t *base, const char *need_id, const char *cursor,
                            uint32_t limit, mt_store_page_t *out, mt_error_t *error)
{
  return mt_sqlite_records_page (mt_sqlite_store (base), MT_SQLITE_LIST_NEED_ANSWERS,
                                 MT_SQL_NEED_ANSWER_LIST, MT_SQL_NEED_ANSWER_LIST_AFTER, need_id,
                                 false, cursor, limit, out, "need answer list", error);
}
