/*
 * store_sqlite_ledger.c: the credits ledger in the SQLite adapter.
 *
 * Entries are immutable records {"id", "from", "to", "amount", "created_at", ...} stored as
 * given in "ledger" (migration 4) with the columns from_id, to_id, amount (an integer > 0)
 * and created_at_ms; "ledger_balances" holds each member's balance (received - sent).
 *
 * ledger_append is one BEGIN IMMEDIATE transaction: an id already stored is DUPLICATE (checked
 * first, so that replaying an entry that went through answers DUPLICATE even when its floor
 * check would now fail); then the balances of "from" and "to" are read, the new ones computed
 * in C (an overflow is refused: SQLite would turn it into a REAL), the floor checked when
 * asked (MT_ERR_UNPROCESSABLE, nothing written), and the entry and both balances written.
 * Writers are serialised by the write lock, so two appends from the same member can never
 * both pass a floor check that only one of them fits.
 *
 * ledger_balance reads one row (0 for a member without entries); ledger_sum adds up every
 * balance (0 when the ledger is consistent) and counts the entries in one statement (one
 * snapshot); check_integrity verifies every balance against the entries. ledger_get reads one
 * entry by id. ledger_list gives a
 * member's entries, sent or received, newest first: the two per-side indexes each give their
 * newest limit + 1 rows after the cursor, merged.
 */
#include "store_sqlite_private.h"

#include <string.h>

/* The "amount" of @entry: an int32 or int64 > 0; otherwise a bad document. */
static bool
mt_sqlite_ledger_amount (const bson_t *entry, int64_t *amount, mt_error_t *error)
{
  bson_iter_t it;

  *amount = 0;
  if (bson_iter_init_find (&it, entry, "amount")) {
    if (BSON_ITER_HOLDS_INT64 (&it)) {
      *amount = bson_iter_int64 (&it);
    } else if (BSON_ITER_HOLDS_INT32 (&it)) {
      *amount = bson_iter_int32 (&it);
    }
  }
  if (*amount <= 0) {
    return mt_sqlite_bad_document (mt_sqlite_kind_ledger.en, "amount", error);
  }
  return true;
}

/* ?4 from_id, ?5 to_id, ?6 amount, ?7 created_at, ?8 doc. */
static bool
mt_sqlite_ledger_bind (mt_sqlite_store_t *store, sqlite3_stmt *stmt, const bson_t *doc,
                       mt_error_t *error)
{
  const mt_sqlite_kind_t *kind = &mt_sqlite_kind_ledger;
  int64_t amount;

  return mt_sqlite_bind_field (store, stmt, 4, doc, "from", true, kind, error) &&
         mt_sqlite_bind_field (store, stmt, 5, doc, "to", true, kind, error) &&
         mt_sqlite_ledger_amount (doc, &amount, error) &&
         mt_sqlite_bind_int64 (store, stmt, 6, amount, error) &&
         mt_sqlite_bind_date (store, stmt, 7, doc, "created_at", true, kind, error) &&
         mt_sqlite_bind_document (store, stmt, 8, doc, error);
}

const mt_sqlite_kind_t mt_sqlite_kind_ledger = {
  .en = "ledger entry",
  .fr = "écriture du registre de crédits",
  .key_field = "id",
  .insert_sql = MT_SQL_LEDGER_INSERT,
  .update_sql = MT_SQL_COUNT,
  .version_sql = MT_SQL_COUNT,
  .delete_sql = MT_SQL_COUNT,
  .get_sql = MT_SQL_LEDGER_GET,
  .columns_sql = MT_SQL_CHECK_LEDGER,
  .unversioned = true,
  .bind = mt_sqlite_ledger_bind,
  .write_derived = NULL,
  .delete_derived = NULL,
};

/* The stored balance of @member (0 when it has none) into *@balance. */
static bool
mt_sqlite_ledger_read (mt_sqlite_store_t *store, const mt_sqlite_text_t *member, int64_t *balance,
                       mt_error_t *error)
{
  sqlite3_stmt *stmt = NULL;
  bool ok = false;
  int rc;

  *balance = 0;
  if (!mt_sqlite_stmt (store, MT_SQL_LEDGER_BALANCE, &stmt, error) ||
      !mt_sqlite_bind_text (store, stmt, 1, member, error)) {
    goto done;
  }
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW) {
    *balance = sqlite3_column_int64 (stmt, 0);
  } else if (rc != SQLITE_DONE) {
    mt_sqlite_fail (store->db, rc, "ledger balance", error);
    goto done;
  }
  ok = true;
done:
  mt_sqlite_release (stmt);
  return ok;
}

static bool
mt_sqlite_ledger_write (mt_sqlite_store_t *store, const mt_sqlite_text_t *member, int64_t balance,
                        mt_error_t *error)
{
  sqlite3_stmt *stmt = NULL;

  if (!mt_sqlite_stmt (store, MT_SQL_LEDGER_BALANCE_PUT, &stmt, error) ||
      !mt_sqlite_bind_text (store, stmt, 1, member, error) ||
      !mt_sqlite_bind_int64 (store, stmt, 2, balance, error)) {
    mt_sqlite_release (stmt);
    return false;
  }
  return mt_sqlite_step_done (store, stmt, "ledger balance", error);
}

/* True when the entry @id is stored (in the caller's transaction). */
static bool
mt_sqlite_ledger_exists (mt_sqlite_store_t *store, const mt_sqlite_text_t *id, bool *exists,
                         mt_error_t *error)
{
  sqlite3_stmt *stmt = NULL;
  bool ok = false;
  int rc;

  *exists = false;
  if (!mt_sqlite_stmt (store, MT_SQL_LEDGER_EXISTS, &stmt, error) ||
      !mt_sqlite_bind_text (store, stmt, 1, id, error)) {
    goto done;
  }
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    mt_sqlite_fail (store->db, rc, "ledger entry", error);
    goto done;
  }
  *exists = rc == SQLITE_ROW;
  ok = true;
done:
  mt_sqlite_release (stmt);
  return ok;
}

static bool
mt_sqlite_ledger_overflow (mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                "solde hors des bornes d'un entier de 64 bits",
                "balance out of the range of a 64-bit integer");
  return false;
}

bool
mt_sqlite_ledger_append (mt_store_t *base, const bson_t *entry, bool check_floor, int64_t floor,
                         mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);
  const mt_sqlite_kind_t *kind = &mt_sqlite_kind_ledger;
  mt_sqlite_text_t id, from, to;
  int64_t amount, from_balance, to_balance, from_after, to_after;
  bool exists = false;
  bool same;
  bool ok = false;

  if (!entry) {
    return mt_sqlite_bad_document (kind->en, "id", error);
  }
  /* The fields the balances need (the insert checks the others). */
  if (!mt_sqlite_field_text (entry, "id", true, kind, &id, error) ||
      !mt_sqlite_field_text (entry, "from", true, kind, &from, error) ||
      !mt_sqlite_field_text (entry, "to", true, kind, &to, error) ||
      !mt_sqlite_ledger_amount (entry, &amount, error)) {
    return false;
  }
  if (id.len == 0 || strlen (id.str) != (size_t) id.len) {
    return mt_sqlite_bad_document (kind->en, "id", error);
  }
  same = from.len == to.len && memcmp (from.str, to.str, (size_t) from.len) == 0;

  if (!mt_sqlite_begin (store, error)) {
    return false;
  }
  if (!mt_sqlite_ledger_exists (store, &id, &exists, error)) {
    goto done;
  }
  if (exists) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_DUPLICATE, "écriture déjà enregistrée (%s)",
                  "entry already recorded (%s)", id.str);
    goto done;
  }
  if (!mt_sqlite_ledger_read (store, &from, &from_balance, error) ||
      !mt_sqlite_ledger_read (store, &to, &to_balance, error)) {
    goto done;
  }
  if (same) {
    /* To oneself: the balance does not move. */
    from_after = to_after = from_balance;
  } else if (__builtin_sub_overflow (from_balance, amount, &from_after) ||
             __builtin_add_overflow (to_balance, amount, &to_after)) {
    mt_sqlite_ledger_overflow (error);
    goto done;
  }
  if (check_floor && from_after < floor) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_UNPROCESSABLE,
                  "solde insuffisant : il passerait à %lld, sous le plancher de %lld",
                  "insufficient balance: it would become %lld, below the floor of %lld",
                  (long long) from_after, (long long) floor);
    goto done;
  }
  if (!mt_sqlite_doc_insert_row (store, kind, entry, error) ||
      !mt_sqlite_ledger_write (store, &from, from_after, error) ||
      (!same && !mt_sqlite_ledger_write (store, &to, to_after, error)) ||
      !mt_sqlite_commit (store, error)) {
    goto done;
  }
  ok = true;
done:
  if (!ok) {
    mt_sqlite_rollback (store);
  }
  return ok;
}

bool
mt_sqlite_ledger_balance (mt_store_t *base, const char *member_id, int64_t *balance,
                          mt_error_t *error)
{
  mt_sqlite_text_t member = { member_id, member_id ? (int) strlen (member_id) : 0 };

  *balance = 0;
  if (!member_id) {
    return true;
  }
  return mt_sqlite_ledger_read (mt_sqlite_store (base), &member, balance, error);
}

bool
mt_sqlite_ledger_list (mt_store_t *base, const char *member_id, const char *cursor, uint32_t limit,
                       mt_store_page_t *out, mt_error_t *error)
{
  return mt_sqlite_records_page (mt_sqlite_store (base), MT_SQLITE_LIST_LEDGER, MT_SQL_LEDGER_LIST,
                                 MT_SQL_LEDGER_LIST_AFTER, member_id, false, cursor, limit, out,
                                 "ledger list", error);
}

bool
mt_sqlite_ledger_sum (mt_store_t *base, int64_t *sum, int64_t *entries, mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);
  sqlite3_stmt *stmt = NULL;
  bool ok = false;
  int rc;

  *sum = 0;
  *entries = 0;
  if (!mt_sqlite_stmt (store, MT_SQL_LEDGER_SUM, &stmt, error)) {
    goto done;
  }
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW) {
    mt_sqlite_fail (store->db, rc, "ledger sum", error);
    goto done;
  }
  *sum = sqlite3_column_int64 (stmt, 0);
  *entries = sqlite3_column_int64 (stmt, 1);
  ok = true;
done:
  mt_sqlite_release (stmt);
  return ok;
}

bool
mt_sqlite_ledger_get (mt_store_t *base, const char *id, bson_t *out, mt_error_t *error)
{
  return mt_sqlite_get_one (mt_sqlite_store (base), MT_SQL_LEDGER_GET, id, &mt_sqlite_kind_ledger,
                            out, error);
}
