/*
 * store_sqlite.c: the SQLite adapter of the store port (embedded default of mutuad).
 *
 * One database file. The backend opens it once to set it to WAL and run the migrations;
 * each thread then opens its own connection (mt_store_open) with synchronous=FULL (an
 * acknowledged write survives power loss), foreign_keys=ON and a busy timeout, and caches its
 * prepared statements. Read-check-write sequences run in BEGIN IMMEDIATE so that a writer
 * takes the write lock before reading what it checks, and never meets SQLITE_BUSY_SNAPSHOT.
 *
 * This file holds the machinery and check_integrity; the ops are in the other files of this
 * directory (see store_sqlite_private.h). The adapter keeps
 * no business rule: it stores documents and indexes the fields store.h names.
 */
#define MT_LOG_DOMAIN "store"

#include "store_sqlite_private.h"

#include "mt_log.h"
#include "mt_time.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  mt_store_backend_t base; /* first */
  char *path;
} mt_sqlite_backend_t;

/* ---- SQL of the cached statements ------------------------------------------------------- */

#define MT_SQL_MEMBER_COLUMNS "SELECT m.doc, m.name, m.id FROM members AS m "
#define MT_SQL_MEMBER_JOIN                                                                         \
  "SELECT m.doc, m.name, m.id FROM member_networks AS mn JOIN members AS m"                        \
  " ON m.id = mn.member_id WHERE mn.network_id = ?2 "
#define MT_SQL_MEMBER_AFTER "(m.name, m.id) > (?3, ?4) "
#define MT_SQL_MEMBER_ORDER "ORDER BY m.name, m.id LIMIT ?5"

/*
 * Writes of documents: ?1 key, ?2 expected version, ?3 version written, ?4... indexed columns,
 * the document last (see mt_sqlite_kind_t). Parameters of member_list: ?1 status, ?2 network
 * id, ?3 ?4 cursor (name, id), ?5 limit. Lists of records (messages, audit, notifications):
 * ?1 whose records, ?2 ?3 cursor (time, id), ?4 limit; their rows are (doc, time, id), as are
 * calendar_list's (doc, 0, listing_id; ?2 cursor, ?3 limit).
 */
static const char *const mt_sqlite_sql[MT_SQL_COUNT] = {
  [MT_SQL_BEGIN_IMMEDIATE] = "BEGIN IMMEDIATE",
  [MT_SQL_COMMIT] = "COMMIT",
  [MT_SQL_ROLLBACK] = "ROLLBACK",
  [MT_SQL_SAVEPOINT] = "SAVEPOINT op",
  [MT_SQL_RELEASE] = "RELEASE op",
  [MT_SQL_ROLLBACK_TO] = "ROLLBACK TO op",
  [MT_SQL_PING] = "SELECT 1",

  [MT_SQL_NETWORK_INSERT] =
    "INSERT INTO networks (id, version, slug, name, doc) VALUES (?1, ?3, ?4, ?5, ?6)",
  [MT_SQL_NETWORK_GET] = "SELECT doc FROM networks WHERE id = ?1",
  [MT_SQL_NETWORK_LIST] = "SELECT doc, name, id FROM networks ORDER BY name, id LIMIT ?1",

  [MT_SQL_MEMBER_INSERT] =
    "INSERT INTO members (id, version, status, name, doc) VALUES (?1, ?3, ?4, ?5, ?6)",
  [MT_SQL_MEMBER_GET] = "SELECT doc FROM members WHERE id = ?1",
  [MT_SQL_MEMBER_UPDATE] = "UPDATE members SET version = ?3, status = ?4, name = ?5, doc = ?6"
                           " WHERE id = ?1 AND version = ?2",
  [MT_SQL_MEMBER_VERSION] = "SELECT version FROM members WHERE id = ?1",
  [MT_SQL_MEMBER_NAME] = "SELECT name FROM members WHERE id = ?1",
  [MT_SQL_MEMBER_NETWORK_INSERT] =
    "INSERT OR IGNORE INTO member_networks (member_id, network_id) VALUES (?1, ?2)",
  [MT_SQL_MEMBER_NETWORK_DELETE] = "DELETE FROM member_networks WHERE member_id = ?1",
  [MT_SQL_MEMBER_LIST] = MT_SQL_MEMBER_COLUMNS MT_SQL_MEMBER_ORDER,
  [MT_SQL_MEMBER_LIST_S] = MT_SQL_MEMBER_COLUMNS "WHERE m.status = ?1 " MT_SQL_MEMBER_ORDER,
  [MT_SQL_MEMBER_LIST_N] = MT_SQL_MEMBER_JOIN MT_SQL_MEMBER_ORDER,
  [MT_SQL_MEMBER_LIST_NS] = MT_SQL_MEMBER_JOIN "AND m.status = ?1 " MT_SQL_MEMBER_ORDER,
  [MT_SQL_MEMBER_LIST_C] = MT_SQL_MEMBER_COLUMNS "WHERE " MT_SQL_MEMBER_AFTER MT_SQL_MEMBER_ORDER,
  [MT_SQL_MEMBER_LIST_SC] =
    MT_SQL_MEMBER_COLUMNS "WHERE m.status = ?1 AND " MT_SQL_MEMBER_AFTER MT_SQL_MEMBER_ORDER,
  [MT_SQL_MEMBER_LIST_NC] = MT_SQL_MEMBER_JOIN "AND " MT_SQL_MEMBER_AFTER MT_SQL_MEMBER_ORDER,
  [MT_SQL_MEMBER_LIST_NSC] =
    MT_SQL_MEMBER_JOIN "AND m.status = ?1 AND " MT_SQL_MEMBER_AFTER MT_SQL_MEMBER_ORDER,

  [MT_SQL_ACCOUNT_INSERT] = "INSERT INTO accounts (id, version, email_key, member_id,"
                            " platform_role, status, created_at, calendar_token_hash, doc)"
                            " VALUES (?1, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
  [MT_SQL_ACCOUNT_GET] = "SELECT doc FROM accounts WHERE id = ?1",
  [MT_SQL_ACCOUNT_GET_BY_EMAIL] = "SELECT doc FROM accounts WHERE email_key = ?1",
  [MT_SQL_ACCOUNT_UPDATE] = "UPDATE accounts SET version = ?3, email_key = ?4, member_id = ?5,"
                            " platform_role = ?6, status = ?7, created_at = ?8,"
                            " calendar_token_hash = ?9, doc = ?10"
                            " WHERE id = ?1 AND version = ?2",
  [MT_SQL_ACCOUNT_VERSION] = "SELECT version FROM accounts WHERE id = ?1",
  [MT_SQL_ACCOUNT_LIST_BY_MEMBER] = "SELECT doc, id FROM accounts WHERE member_id = ?1"
                                    " ORDER BY created_at, id LIMIT ?2",
  [MT_SQL_ACCOUNT_COUNT_ADMINS] =
    "SELECT count(*) FROM accounts WHERE platform_role = 'admin' AND status = 'active'",
  [MT_SQL_ACCOUNT_GET_BY_CALENDAR_TOKEN] =
    "SELECT doc FROM accounts WHERE calendar_token_hash = ?1",

  [MT_SQL_LISTING_INSERT] = "INSERT INTO listings (id, version, owner_id, kind, category, status,"
                            " visibility, departement, created_at, doc)"
                            " VALUES (?1, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
  [MT_SQL_LISTING_GET] = "SELECT doc FROM listings WHERE id = ?1",
  [MT_SQL_LISTING_UPDATE] = "UPDATE listings SET version = ?3, owner_id = ?4, kind = ?5,"
                            " category = ?6, status = ?7, visibility = ?8, departement = ?9,"
                            " created_at = ?10, doc = ?11 WHERE id = ?1 AND version = ?2",
  [MT_SQL_LISTING_VERSION] = "SELECT version FROM listings WHERE id = ?1",
  [MT_SQL_LISTING_DELETE] = "DELETE FROM listings WHERE id = ?1",
  [MT_SQL_LISTING_TEXT_INSERT] = "INSERT INTO listings_fts (rowid, title, description, tags)"
                                 " SELECT seq, ?2, ?3, ?4 FROM listings WHERE id = ?1",
  [MT_SQL_LISTING_TEXT_DELETE] =
    "DELETE FROM listings_fts WHERE rowid = (SELECT seq FROM listings WHERE id = ?1)",

  [MT_SQL_PHOTO_INSERT] = "INSERT INTO photos (id, listing_id, meta, data) VALUES (?1, ?2, ?3, ?4)",
  [MT_SQL_PHOTO_GET] = "SELECT meta, data FROM photos WHERE id = ?1",
  [MT_SQL_PHOTO_DELETE] = "DELETE FROM photos WHERE id = ?1",

  [MT_SQL_CALENDAR_INSERT] = "INSERT INTO calendars (listing_id, version, doc) VALUES (?1, ?3, ?4)",
  [MT_SQL_CALENDAR_GET] = "SELECT doc FROM calendars WHERE listing_id = ?1",
  [MT_SQL_CALENDAR_UPDATE] =
    "UPDATE calendars SET version = ?3, doc = ?4 WHERE listing_id = ?1 AND version = ?2",
  [MT_SQL_CALENDAR_VERSION] = "SELECT version FROM calendars WHERE listing_id = ?1",
  [MT_SQL_CALENDAR_LIST] = "SELECT doc, 0, listing_id FROM calendars ORDER BY listing_id LIMIT ?3",
  [MT_SQL_CALENDAR_LIST_AFTER] = "SELECT doc, 0, listing_id FROM calendars WHERE listing_id > ?2"
                                 " ORDER BY listing_id LIMIT ?3",

  [MT_SQL_RESERVATION_INSERT] =
    "INSERT INTO reservations (id, version, listing_id, borrower_member_id, owner_member_id,"
    " status, start_ms, end_ms, units, expires_at_ms, returned_at_ms, created_at_ms, doc)"
    " VALUES (?1, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
  [MT_SQL_RESERVATION_GET] = "SELECT doc FROM reservations WHERE id = ?1",
  [MT_SQL_RESERVATION_UPDATE] =
    "UPDATE reservations SET version = ?3, listing_id = ?4, borrower_member_id = ?5,"
    " owner_member_id = ?6, status = ?7, start_ms = ?8, end_ms = ?9, units = ?10,"
    " expires_at_ms = ?11, returned_at_ms = ?12, created_at_ms = ?13, doc = ?14"
    " WHERE id = ?1 AND version = ?2",
  [MT_SQL_RESERVATION_VERSION] = "SELECT version FROM reservations WHERE id = ?1",
  [MT_SQL_RESERVATION_COUNT] = "SELECT count(*) FROM reservations WHERE listing_id = ?1",

  [MT_SQL_IDEMPOTENCY_INSERT] =
    "INSERT INTO idempotency (id, version, created_at_ms, doc) VALUES (?1, ?3, ?4, ?5)",
  [MT_SQL_IDEMPOTENCY_GET] = "SELECT doc FROM idempotency WHERE id = ?1",
  [MT_SQL_IDEMPOTENCY_UPDATE] = "UPDATE idempotency SET version = ?3, created_at_ms = ?4, doc = ?5"
                                " WHERE id = ?1 AND version = ?2",
  [MT_SQL_IDEMPOTENCY_VERSION] = "SELECT version FROM idempotency WHERE id = ?1",
  [MT_SQL_IDEMPOTENCY_PURGE] = "DELETE FROM idempotency WHERE created_at_ms < ?1",

  [MT_SQL_MESSAGE_INSERT] =
    "INSERT INTO messages (id, reservation_id, created_at_ms, doc) VALUES (?1, ?4, ?5, ?6)",
  [MT_SQL_MESSAGE_LIST] = "SELECT doc, created_at_ms, id FROM messages WHERE reservation_id = ?1"
                          " ORDER BY created_at_ms, id LIMIT ?4",
  [MT_SQL_MESSAGE_LIST_AFTER] =
    "SELECT doc, created_at_ms, id FROM messages WHERE reservation_id = ?1"
    " AND (created_at_ms, id) > (?2, ?3) ORDER BY created_at_ms, id LIMIT ?4",
  [MT_SQL_AUDIT_INSERT] = "INSERT INTO audit (id, at_ms, entity_id, doc) VALUES (?1, ?4, ?5, ?6)",
  [MT_SQL_AUDIT_LIST] = "SELECT doc, at_ms, id FROM audit ORDER BY at_ms DESC, id DESC LIMIT ?4",
  [MT_SQL_AUDIT_LIST_AFTER] = "SELECT doc, at_ms, id FROM audit WHERE (at_ms, id) < (?2, ?3)"
                              " ORDER BY at_ms DESC, id DESC LIMIT ?4",
  [MT_SQL_AUDIT_LIST_ENTITY] = "SELECT doc, at_ms, id FROM audit WHERE entity_id = ?1"
                               " ORDER BY at_ms DESC, id DESC LIMIT ?4",
  [MT_SQL_AUDIT_LIST_ENTITY_AFTER] =
    "SELECT doc, at_ms, id FROM audit WHERE entity_id = ?1 AND (at_ms, id) < (?2, ?3)"
    " ORDER BY at_ms DESC, id DESC LIMIT ?4",
  [MT_SQL_NOTIFICATION_INSERT] =
    "INSERT INTO notifications (id, account_id, created_at_ms, doc) VALUES (?1, ?4, ?5, ?6)",
  [MT_SQL_NOTIFICATION_LIST] =
    "SELECT doc, created_at_ms, id FROM notifications WHERE account_id = ?1"
    " ORDER BY created_at_ms DESC, id DESC LIMIT ?4",
  [MT_SQL_NOTIFICATION_LIST_AFTER] =
    "SELECT doc, created_at_ms, id FROM notifications WHERE account_id = ?1"
    " AND (created_at_ms, id) < (?2, ?3) ORDER BY created_at_ms DESC, id DESC LIMIT ?4",
  [MT_SQL_NOTIFICATION_GET_OWN] = "SELECT doc FROM notifications WHERE id = ?1 AND account_id = ?2",
  [MT_SQL_NOTIFICATION_REWRITE] = "UPDATE notifications SET doc = ?2 WHERE id = ?1",

  [MT_SQL_BOOKING_INSERT] =
    "INSERT INTO bookings (id, version, listing_id, requester_member_id, provider_member_id,"
    " status, start_ms, completed_at_ms, created_at_ms, doc)"
    " VALUES (?1, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
  [MT_SQL_BOOKING_GET] = "SELECT doc FROM bookings WHERE id = ?1",
  [MT_SQL_BOOKING_UPDATE] =
    "UPDATE bookings SET version = ?3, listing_id = ?4, requester_member_id = ?5,"
    " provider_member_id = ?6, status = ?7, start_ms = ?8, completed_at_ms = ?9,"
    " created_at_ms = ?10, doc = ?11 WHERE id = ?1 AND version = ?2",
  [MT_SQL_BOOKING_VERSION] = "SELECT version FROM bookings WHERE id = ?1",

  [MT_SQL_NEED_INSERT] = "INSERT INTO needs (id, version, owner_id, kind, category, status,"
                         " visibility, departement, created_at, doc)"
                         " VALUES (?1, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
  [MT_SQL_NEED_GET] = "SELECT doc FROM needs WHERE id = ?1",
  [MT_SQL_NEED_UPDATE] = "UPDATE needs SET version = ?3, owner_id = ?4, kind = ?5,"
                         " category = ?6, status = ?7, visibility = ?8, departement = ?9,"
                         " created_at = ?10, doc = ?11 WHERE id = ?1 AND version = ?2",
  [MT_SQL_NEED_VERSION] = "SELECT version FROM needs WHERE id = ?1",
  [MT_SQL_NEED_TEXT_INSERT] = "INSERT INTO needs_fts (rowid, title, description, tags)"
                              " SELECT seq, ?2, ?3, ?4 FROM needs WHERE id = ?1",
  [MT_SQL_NEED_TEXT_DELETE] =
    "DELETE FROM needs_fts WHERE rowid = (SELECT seq FROM needs WHERE id = ?1)",
  [MT_SQL_NEED_ANSWER_INSERT] =
    "INSERT INTO need_answers (id, need_id, created_at_ms, doc) VALUES (?1, ?4, ?5, ?6)",
  [MT_SQL_NEED_ANSWER_LIST] = "SELECT doc, created_at_ms, id FROM need_answers WHERE need_id = ?1"
                              " ORDER BY created_at_ms, id LIMIT ?4",
  [MT_SQL_NEED_ANSWER_LIST_AFTER] =
    "SELECT doc, created_at_ms, id FROM need_answers WHERE need_id = ?1"
    " AND (created_at_ms, id) > (?2, ?3) ORDER BY created_at_ms, id LIMIT ?4",

  [MT_SQL_LEDGER_INSERT] = "INSERT INTO ledger (id, from_id, to_id, amount, created_at_ms, doc)"
                           " VALUES (?1, ?4, ?5, ?6, ?7, ?8)",
  [MT_SQL_LEDGER_EXISTS] = "SELECT 1 FROM ledger WHERE id = ?1",
  [MT_SQL_LEDGER_BALANCE] = "SELECT balance FROM ledger_balances WHERE member_id = ?1",
  [MT_SQL_LEDGER_BALANCE_PUT] = "INSERT INTO ledger_balances (member_id, balance) VALUES (?1, ?2)"
                                " ON CONFLICT (member_id) DO UPDATE SET balance = excluded.balance",
  /* A member's entries: the newest of each side (a transfer to oneself once), merged. */
  [MT_SQL_LEDGER_LIST] =
    "SELECT doc, created_at_ms, id FROM ("
    "SELECT * FROM (SELECT doc, created_at_ms, id FROM ledger WHERE from_id = ?1"
    " ORDER BY created_at_ms DESC, id DESC LIMIT ?4)"
    " UNION ALL "
    "SELECT * FROM (SELECT doc, created_at_ms, id FROM ledger WHERE to_id = ?1 AND from_id <> ?1"
    " ORDER BY created_at_ms DESC, id DESC LIMIT ?4)"
    ") ORDER BY created_at_ms DESC, id DESC LIMIT ?4",
  [MT_SQL_LEDGER_LIST_AFTER] =
    "SELECT doc, created_at_ms, id FROM ("
    "SELECT * FROM (SELECT doc, created_at_ms, id FROM ledger WHERE from_id = ?1"
    " AND (created_at_ms, id) < (?2, ?3) ORDER BY created_at_ms DESC, id DESC LIMIT ?4)"
    " UNION ALL "
    "SELECT * FROM (SELECT doc, created_at_ms, id FROM ledger WHERE to_id = ?1 AND from_id <> ?1"
    " AND (created_at_ms, id) < (?2, ?3) ORDER BY created_at_ms DESC, id DESC LIMIT ?4)"
    ") ORDER BY created_at_ms DESC, id DESC LIMIT ?4",
  [MT_SQL_LEDGER_SUM] = "SELECT (SELECT coalesce (sum (balance), 0) FROM ledger_balances),"
                        " (SELECT count(*) FROM ledger)",
  [MT_SQL_LEDGER_GET] = "SELECT doc FROM ledger WHERE id = ?1",

  [MT_SQL_WEBHOOK_INSERT] = "INSERT INTO webhooks (id, created_at_ms, doc) VALUES (?1, ?4, ?5)",
  [MT_SQL_WEBHOOK_GET] = "SELECT doc FROM webhooks WHERE id = ?1",
  [MT_SQL_WEBHOOK_DELETE] = "DELETE FROM webhooks WHERE id = ?1",
  [MT_SQL_WEBHOOK_LIST] =
    "SELECT doc, created_at_ms, id FROM webhooks ORDER BY created_at_ms, id LIMIT ?4",
  [MT_SQL_WEBHOOK_LIST_AFTER] = "SELECT doc, created_at_ms, id FROM webhooks"
                                " WHERE (created_at_ms, id) > (?2, ?3)"
                                " ORDER BY created_at_ms, id LIMIT ?4",

  [MT_SQL_OUTBOX_INSERT] = "INSERT INTO outbox (id, version, kind, webhook_id, status,"
                           " next_attempt_at_ms, doc) VALUES (?1, ?3, ?4, ?5, ?6, ?7, ?8)",
  [MT_SQL_OUTBOX_GET] = "SELECT doc FROM outbox WHERE id = ?1",
  [MT_SQL_OUTBOX_UPDATE] = "UPDATE outbox SET version = ?3, kind = ?4, webhook_id = ?5,"
                           " status = ?6, next_attempt_at_ms = ?7, doc = ?8"
                           " WHERE id = ?1 AND version = ?2",
  [MT_SQL_OUTBOX_VERSION] = "SELECT version FROM outbox WHERE id = ?1",

  [MT_SQL_CHECK_NETWORK] =
    "SELECT 1 FROM networks WHERE id = ?1 AND slug IS ?4 AND name IS ?5 AND doc IS ?6",
  [MT_SQL_CHECK_MEMBER] =
    "SELECT 1 FROM members WHERE id = ?1 AND status IS ?4 AND name IS ?5 AND doc IS ?6",
  [MT_SQL_CHECK_ACCOUNT] =
    "SELECT 1 FROM accounts WHERE id = ?1 AND email_key IS ?4 AND member_id IS ?5"
    " AND platform_role IS ?6 AND status IS ?7 AND created_at IS ?8"
    " AND calendar_token_hash IS ?9 AND doc IS ?10",
  [MT_SQL_CHECK_LISTING] =
    "SELECT 1 FROM listings WHERE id = ?1 AND owner_id IS ?4 AND kind IS ?5 AND category IS ?6"
    " AND status IS ?7 AND visibility IS ?8 AND departement IS ?9 AND created_at IS ?10"
    " AND doc IS ?11",
  [MT_SQL_CHECK_RESERVATION] =
    "SELECT 1 FROM reservations WHERE id = ?1 AND listing_id IS ?4 AND borrower_member_id IS ?5"
    " AND owner_member_id IS ?6 AND status IS ?7 AND start_ms IS ?8 AND end_ms IS ?9"
    " AND units IS ?10 AND expires_at_ms IS ?11 AND returned_at_ms IS ?12"
    " AND created_at_ms IS ?13 AND doc IS ?14",
  [MT_SQL_CHECK_IDEMPOTENCY] =
    "SELECT 1 FROM idempotency WHERE id = ?1 AND created_at_ms IS ?4 AND doc IS ?5",
  [MT_SQL_CHECK_MESSAGE] = "SELECT 1 FROM messages WHERE id = ?1 AND reservation_id IS ?4"
                           " AND created_at_ms IS ?5 AND doc IS ?6",
  [MT_SQL_CHECK_AUDIT] =
    "SELECT 1 FROM audit WHERE id = ?1 AND at_ms IS ?4 AND entity_id IS ?5 AND doc IS ?6",
  [MT_SQL_CHECK_NOTIFICATION] = "SELECT 1 FROM notifications WHERE id = ?1 AND account_id IS ?4"
                                " AND created_at_ms IS ?5 AND doc IS ?6",
  [MT_SQL_CHECK_BOOKING] =
    "SELECT 1 FROM bookings WHERE id = ?1 AND listing_id IS ?4 AND requester_member_id IS ?5"
    " AND provider_member_id IS ?6 AND status IS ?7 AND start_ms IS ?8"
    " AND completed_at_ms IS ?9 AND created_at_ms IS ?10 AND doc IS ?11",
  [MT_SQL_CHECK_NEED] =
    "SELECT 1 FROM needs WHERE id = ?1 AND owner_id IS ?4 AND kind IS ?5 AND category IS ?6"
    " AND status IS ?7 AND visibility IS ?8 AND departement IS ?9 AND created_at IS ?10"
    " AND doc IS ?11",
  [MT_SQL_CHECK_NEED_ANSWER] = "SELECT 1 FROM need_answers WHERE id = ?1 AND need_id IS ?4"
                               " AND created_at_ms IS ?5 AND doc IS ?6",
  [MT_SQL_CHECK_LEDGER] =
    "SELECT 1 FROM ledger WHERE id = ?1 AND from_id IS ?4 AND to_id IS ?5 AND amount IS ?6"
    " AND created_at_ms IS ?7 AND doc IS ?8",
  [MT_SQL_CHECK_WEBHOOK] = "SELECT 1 FROM webhooks WHERE id = ?1 AND created_at_ms IS ?4"
                           " AND doc IS ?5",
  [MT_SQL_CHECK_OUTBOX] =
    "SELECT 1 FROM outbox WHERE id = ?1 AND kind IS ?4 AND webhook_id IS ?5 AND status IS ?6"
    " AND next_attempt_at_ms IS ?7 AND doc IS ?8",

  [MT_SQL_TOKEN_REVOKE] = "INSERT INTO revoked_tokens (jti, expires_at_ms) VALUES (?1, ?2)"
                          " ON CONFLICT (jti) DO UPDATE"
                          " SET expires_at_ms = max (expires_at_ms, excluded.expires_at_ms)",
  [MT_SQL_TOKEN_IS_REVOKED] = "SELECT 1 FROM revoked_tokens WHERE jti = ?1",
  [MT_SQL_TOKEN_PURGE] = "DELETE FROM revoked_tokens WHERE expires_at_ms < ?1",
};

/* ---- Errors ------------------------------------------------------------------------------ */

bool
mt_sqlite_fail (sqlite3 *db, int rc, const char *what, mt_error_t *error)
{
  const char *detail = db ? sqlite3_errmsg (db) : sqlite3_errstr (rc);

  switch (rc & 0xff) {
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_UNAVAILABLE,
                  "base de données occupée (%s : %s), réessayer plus tard",
                  "database busy (%s: %s), retry later", what, detail);
    if (error) {
      error->retry_after = MT_SQLITE_RETRY_AFTER_S;
    }
    break;
  case SQLITE_CONSTRAINT:
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
      mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_DUPLICATE, "clé unique déjà prise (%s : %s)",
                    "unique key already taken (%s: %s)", what, detail);
      break;
    }
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
      /* A photo or calendar of a listing that does not exist (any more). */
      mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_NOT_FOUND, "document référencé introuvable (%s)",
                    "referenced document not found (%s)", what);
      break;
    }
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL, "contrainte SQLite violée (%s : %s)",
                  "SQLite constraint violated (%s: %s)", what, detail);
    break;
  default:
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL, "erreur SQLite (%s : %s)",
                  "SQLite error (%s: %s)", what, detail);
    break;
  }
  return false;
}

bool
mt_sqlite_bad_document (const char *what, const char *field, mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                "document invalide (%s) : champ « %s » absent ou mal typé",
                "bad document (%s): field \"%s\" missing or of the wrong type", what, field);
  return false;
}

/* ---- Statement cache and transactions ---------------------------------------------------- */

/* Sets MT_ERR_INTERNAL: the unit's transaction is gone (SQLite rolled it back after an I/O
 * error inside it), and returns false. */
static bool
mt_sqlite_unit_lost (mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                "unité d'écriture annulée par SQLite après une erreur",
                "write unit rolled back by SQLite after an error");
  return false;
}

bool
mt_sqlite_stmt (mt_sqlite_store_t *store, mt_sql_id_t id, sqlite3_stmt **out, mt_error_t *error)
{
  int rc;

  *out = NULL;
  /* Inside a unit whose transaction SQLite has rolled back (after an I/O error or a full
   * disk), no statement runs: it would write on its own, outside the unit that failed, and
   * with group commit outside the batch that is about to answer 503. */
  if (store->base.in_unit && sqlite3_get_autocommit (store->db)) {
    return mt_sqlite_unit_lost (error);
  }
  if (id < 0 || id >= MT_SQL_COUNT || !mt_sqlite_sql[id]) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL, "requête SQL inconnue (%d)",
                  "unknown SQL statement (%d)", (int) id);
    return false;
  }
  if (!store->stmts[id]) {
    rc = sqlite3_prepare_v3 (store->db, mt_sqlite_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                             &store->stmts[id], NULL);
    if (rc != SQLITE_OK) {
      store->stmts[id] = NULL;
      return mt_sqlite_fail (store->db, rc, "prepare", error);
    }
  }
  *out = store->stmts[id];
  return true;
}

sqlite3_stmt *
mt_sqlite_shape_find (mt_sqlite_shape_cache_t *cache, uint64_t shape)
{
  size_t i;

  for (i = 0; i < MT_SQLITE_SHAPE_CACHE; i++) {
    if (cache->slots[i].shape == shape && shape != 0) {
      return cache->slots[i].stmt;
    }
  }
  return NULL;
}

bool
mt_sqlite_shape_add (mt_sqlite_store_t *store, mt_sqlite_shape_cache_t *cache, uint64_t shape,
                     const char *sql, size_t len, sqlite3_stmt **out, mt_error_t *error)
{
  mt_sqlite_cached_t *slot;
  sqlite3_stmt *stmt = NULL;
  int rc;

  *out = NULL;
  if (shape == 0 || len > (size_t) INT_MAX) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL, "forme de requête invalide",
                  "invalid query shape");
    return false;
  }
  rc = sqlite3_prepare_v3 (store->db, sql, (int) len, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK) {
    return mt_sqlite_fail (store->db, rc, "prepare", error);
  }
  slot = &cache->slots[cache->next];
  cache->next = (cache->next + 1) % MT_SQLITE_SHAPE_CACHE;
  sqlite3_finalize (slot->stmt);
  slot->shape = shape;
  slot->stmt = stmt;
  *out = stmt;
  return true;
}

void
mt_sqlite_shape_finalize (mt_sqlite_shape_cache_t *cache)
{
  size_t i;

  for (i = 0; i < MT_SQLITE_SHAPE_CACHE; i++) {
    sqlite3_finalize (cache->slots[i].stmt);
    cache->slots[i].stmt = NULL;
    cache->slots[i].shape = 0;
  }
  cache->next = 0;
}

void
mt_sqlite_release (sqlite3_stmt *stmt)
{
  if (stmt) {
    sqlite3_reset (stmt);
    sqlite3_clear_bindings (stmt);
  }
}

bool
mt_sqlite_step_done (mt_sqlite_store_t *store, sqlite3_stmt *stmt, const char *what,
                     mt_error_t *error)
{
  int rc = sqlite3_step (stmt);
  bool ok = rc == SQLITE_DONE;

  if (!ok) {
    mt_sqlite_fail (store->db, rc, what, error);
  }
  mt_sqlite_release (stmt);
  return ok;
}

static bool
mt_sqlite_run (mt_sqlite_store_t *store, mt_sql_id_t id, const char *what, mt_error_t *error)
{
  sqlite3_stmt *stmt = NULL;

  if (!mt_sqlite_stmt (store, id, &stmt, error)) {
    return false;
  }
  return mt_sqlite_step_done (store, stmt, what, error);
}

bool
mt_sqlite_begin (mt_sqlite_store_t *store, mt_error_t *error)
{
  if (!store->base.in_unit) {
    return mt_sqlite_run (store, MT_SQL_BEGIN_IMMEDIATE, "begin", error);
  }
  /* In a unit SQLite has rolled back, mt_sqlite_stmt refuses the savepoint. */
  store->op_savepoint = mt_sqlite_run (store, MT_SQL_SAVEPOINT, "savepoint", error);
  return store->op_savepoint;
}

bool
mt_sqlite_commit (mt_sqlite_store_t *store, mt_error_t *error)
{
  if (store->base.in_unit) {
    store->op_savepoint = false;
    return mt_sqlite_run (store, MT_SQL_RELEASE, "release", error);
  }
  return mt_sqlite_run (store, MT_SQL_COMMIT, "commit", error);
}

void
mt_sqlite_rollback (mt_sqlite_store_t *store)
{
  if (sqlite3_get_autocommit (store->db)) {
    store->op_savepoint = false;
    return;
  }
  if (store->base.in_unit) {
    if (store->op_savepoint) {
      store->op_savepoint = false;
      mt_sqlite_run (store, MT_SQL_ROLLBACK_TO, "rollback to", NULL);
      mt_sqlite_run (store, MT_SQL_RELEASE, "release", NULL);
    }
    return;
  }
  mt_sqlite_run (store, MT_SQL_ROLLBACK, "rollback", NULL);
}

/* ---- Connections ------------------------------------------------------------------------- */

/* Runs @sql (no result rows wanted) on @db. */
static bool
mt_sqlite_exec (sqlite3 *db, const char *sql, const char *what, mt_error_t *error)
{
  int rc = sqlite3_exec (db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK) {
    return mt_sqlite_fail (db, rc, what, error);
  }
  return true;
}

/*
 * Called on each row of mt_sqlite_each_row; returns false (with @error set) to stop there
 * and fail.
 */
typedef bool (*mt_sqlite_row_fn) (sqlite3_stmt *stmt, void *ctx, mt_error_t *error);

/*
 * Prepares @sql on @db (one statement, not cached), calls @fn on each of its rows, and
 * finalizes it. *@rows (may be NULL) receives how many rows @fn accepted.
 */
static bool
mt_sqlite_each_row (sqlite3 *db, const char *sql, const char *what, mt_sqlite_row_fn fn, void *ctx,
                    int64_t *rows, mt_error_t *error)
{
  sqlite3_stmt *stmt = NULL;
  int64_t seen = 0;
  bool ok = false;
  int rc;

  rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK) {
    mt_sqlite_fail (db, rc, what, error);
    goto done;
  }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
    if (!fn (stmt, ctx, error)) {
      goto done;
    }
    seen++;
  }
  if (rc != SQLITE_DONE) {
    mt_sqlite_fail (db, rc, what, error);
    goto done;
  }
  ok = true;
done:
  sqlite3_finalize (stmt);
  if (rows) {
    *rows = seen;
  }
  return ok;
}

/* Row function: the first column of the first row, as an integer (int64_t *ctx). */
static bool
mt_sqlite_row_int (sqlite3_stmt *stmt, void *ctx, mt_error_t *error)
{
  *(int64_t *) ctx = sqlite3_column_int64 (stmt, 0);
  return true;
}

/* Runs a statement returning one integer (a PRAGMA, a count). */
static bool
mt_sqlite_query_int (sqlite3 *db, const char *sql, int64_t *value, mt_error_t *error)
{
  int64_t rows = 0;

  *value = 0;
  if (!mt_sqlite_each_row (db, sql, sql, mt_sqlite_row_int, value, &rows, error)) {
    return false;
  }
  if (rows != 1) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL, "réponse inattendue de SQLite (%s)",
                  "unexpected answer from SQLite (%s)", sql);
    return false;
  }
  return true;
}

/* Row function: the journal mode PRAGMA journal_mode = WAL answers must be "wal". */
static bool
mt_sqlite_row_wal (sqlite3_stmt *stmt, void *ctx, mt_error_t *error)
{
  const char *mode = (const char *) sqlite3_column_text (stmt, 0);

  if (!mode || strcmp (mode, "wal") != 0) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                  "la base SQLite refuse le mode WAL (mode « %s ») : un fichier sur un disque "
                  "local est nécessaire",
                  "the SQLite database refuses WAL mode (mode \"%s\"): a file on a local disk "
                  "is needed",
                  mode ? mode : "?");
    return false;
  }
  return true;
}

/* Switches @db to WAL and checks that it took (it cannot for in-memory databases). */
static bool
mt_sqlite_set_wal (sqlite3 *db, mt_error_t *error)
{
  int64_t rows = 0;

  if (!mt_sqlite_each_row (db, "PRAGMA journal_mode = WAL", "journal_mode", mt_sqlite_row_wal, NULL,
                           &rows, error)) {
    return false;
  }
  if (rows != 1) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL, "mode WAL sans réponse",
                  "WAL mode without an answer");
    return false;
  }
  return true;
}

/*
 * The busy handler of every connection: waits for the write lock at most
 * MT_SQLITE_BUSY_TIMEOUT_MS, polling every 100 µs for the first 20 ms, then every
 * millisecond. SQLite's own (sqlite3_busy_timeout) sleeps 1, 2, 5... up to 100 ms between
 * tries: a writer then often sleeps for milliseconds after a lock held for 0.2 ms (one
 * commit of the committer or of the outbox dispatcher), which capped the group commit and
 * lengthened its tail. The wait's start is per thread: a connection is used by one thread at
 * a time, and a thread waits for one lock at a time.
 */
static int
mt_sqlite_busy (void *arg, int count)
{
  static _Thread_local int64_t waiting_since_us;
  int64_t now_us = mt_time_monotonic_us ();
  int64_t waited_us;

  (void) arg;
  if (count == 0) {
    waiting_since_us = now_us;
  }
  waited_us = now_us - waiting_since_us;
  if (waited_us >= (int64_t) MT_SQLITE_BUSY_TIMEOUT_MS * 1000) {
    return 0; /* SQLITE_BUSY: the caller answers 503 */
  }
  usleep (waited_us < 20000 ? 100 : 1000);
  return 1;
}

/*
 * Opens a connection to @path with the settings every connection of mutua has. The
 * connection is for one thread (SQLITE_OPEN_NOMUTEX). *@out is NULL on failure.
 */
static bool
mt_sqlite_connect (const char *path, sqlite3 **out, mt_error_t *error)
{
  sqlite3 *db = NULL;
  int64_t foreign_keys = 0;
  int64_t synchronous = 0;
  bool ok = false;
  int rc;

  *out = NULL;
  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL);
  if (rc != SQLITE_OK) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                  "impossible d'ouvrir la base SQLite « %s » : %s",
                  "cannot open the SQLite database \"%s\": %s", path,
                  db ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
    goto done;
  }
  sqlite3_extended_result_codes (db, 1);
  sqlite3_busy_handler (db, mt_sqlite_busy, NULL);
  /* No writable_schema tricks, no shadow-table writes: SQL cannot corrupt the file. */
  sqlite3_db_config (db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
  if (!mt_sqlite_exec (db,
                       "PRAGMA foreign_keys = ON;"
                       "PRAGMA synchronous = FULL;"
                       "PRAGMA temp_store = MEMORY;"
                       "PRAGMA trusted_schema = OFF;",
                       "pragmas", error) ||
      !mt_sqlite_set_wal (db, error) || !mt_sqlite_fts_register (db, error) ||
      !mt_sqlite_query_int (db, "PRAGMA foreign_keys", &foreign_keys, error) ||
      !mt_sqlite_query_int (db, "PRAGMA synchronous", &synchronous, error)) {
    goto done;
  }
  if (foreign_keys != 1 || synchronous != 2) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                  "SQLite refuse foreign_keys=ON ou synchronous=FULL",
                  "SQLite refuses foreign_keys=ON or synchronous=FULL");
    goto done;
  }
  *out = db;
  db = NULL;
  ok = true;
done:
  sqlite3_close_v2 (db);
  return ok;
}

/* ---- Migrations -------------------------------------------------------------------------- */

static int
mt_sqlite_latest_version (void)
{
  return mt_sqlite_migrations[mt_sqlite_migration_count - 1].version;
}

/* Refuses a file of another application, or a schema newer than this binary knows. */
static bool
mt_sqlite_check_file (sqlite3 *db, int64_t *user_version, mt_error_t *error)
{
  int64_t application_id = 0;

  if (!mt_sqlite_query_int (db, "PRAGMA application_id", &application_id, error) ||
      !mt_sqlite_query_int (db, "PRAGMA user_version", user_version, error)) {
    return false;
  }
  if (application_id != 0 && application_id != MT_SQLITE_APPLICATION_ID) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                  "ce fichier SQLite n'est pas une base mutua (application_id %lld)",
                  "this SQLite file is not a mutua database (application_id %lld)",
                  (long long) application_id);
    return false;
  }
  if (*user_version > mt_sqlite_latest_version () || *user_version < 0) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                  "le schéma de la base (version %lld) est plus récent que celui de ce mutuad "
                  "(version %d) : mettre mutuad à jour",
                  "the database schema (version %lld) is newer than this mutuad knows "
                  "(version %d): upgrade mutuad",
                  (long long) *user_version, mt_sqlite_latest_version ());
    return false;
  }
  return true;
}

/*
 * Applies the pending migrations of @db in one BEGIN IMMEDIATE transaction (another process
 * migrating the same file at the same time waits, then finds nothing left to do).
 */
static bool
mt_sqlite_migrate (sqlite3 *db, mt_error_t *error)
{
  int64_t current = 0;
  char sql[96];
  bool ok = false;
  size_t i;

  for (i = 0; i < mt_sqlite_migration_count; i++) {
    if (mt_sqlite_migrations[i].version != (int) i + 1) {
      mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL, "migrations SQLite mal numérotées",
                    "SQLite migrations are misnumbered");
      return false;
    }
  }
  if (!mt_sqlite_check_file (db, &current, error)) {
    return false;
  }
  if (current == mt_sqlite_latest_version ()) {
    return true;
  }
  if (!mt_sqlite_exec (db, "BEGIN IMMEDIATE", "begin migrations", error)) {
    return false;
  }
  /* Re-read under the write lock: someone may have migrated meanwhile. */
  if (!mt_sqlite_check_file (db, &current, error)) {
    goto done;
  }
  for (i = (size_t) current; i < mt_sqlite_migration_count; i++) {
    MT_INFO ("applying SQLite migration %d (%s)", mt_sqlite_migrations[i].version,
             mt_sqlite_migrations[i].name);
    if (!mt_sqlite_exec (db, mt_sqlite_migrations[i].sql, "migration", error) ||
        (mt_sqlite_migrations[i].after && !mt_sqlite_migrations[i].after (db, error))) {
      goto done;
    }
  }
  snprintf (sql, sizeof sql, "PRAGMA user_version = %d; PRAGMA application_id = %d;",
            mt_sqlite_latest_version (), MT_SQLITE_APPLICATION_ID);
  if (!mt_sqlite_exec (db, sql, "record migrations", error) ||
      !mt_sqlite_exec (db, "COMMIT", "commit migrations", error)) {
    goto done;
  }
  MT_INFO ("SQLite schema at version %d (was %lld)", mt_sqlite_latest_version (),
           (long long) current);
  ok = true;
done:
  if (!ok && !sqlite3_get_autocommit (db)) {
    sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  }
  return ok;
}

/* ---- Handle ops: close, ping, check_integrity -------------------------------------------- */

static void
mt_sqlite_close (mt_store_t *base)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);
  size_t i;

  if (!store) {
    return;
  }
  for (i = 0; i < MT_SQL_COUNT; i++) {
    sqlite3_finalize (store->stmts[i]);
  }
  mt_sqlite_shape_finalize (&store->search);
  mt_sqlite_shape_finalize (&store->reservations);
  mt_sqlite_shape_finalize (&store->need_search);
  mt_sqlite_shape_finalize (&store->bookings);
  mt_sqlite_shape_finalize (&store->outbox);
  sqlite3_close_v2 (store->db);
  free (store);
}

/*
 * Readiness: a SELECT 1 would not even touch the file, so the probe takes the write lock
 * (BEGIN IMMEDIATE reads the WAL index and waits at most the busy timeout) and gives it back
 * at once; it writes nothing. Another process holding the lock (a stuck backup, a shell inside
 * a transaction) makes it fail with MT_ERR_UNAVAILABLE, as every write would.
 */
static bool
mt_sqlite_ping (mt_store_t *base, mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);

  if (!mt_sqlite_begin (store, error)) {
    return false;
  }
  mt_sqlite_rollback (store);
  return true;
}

/* Units (store.h): one BEGIN IMMEDIATE transaction, one sync at its COMMIT. */
static bool
mt_sqlite_unit_begin (mt_store_t *base, mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);

  if (base->in_unit || !sqlite3_get_autocommit (store->db)) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL, "unité d'écriture déjà ouverte",
                  "write unit already open");
    return false;
  }
  if (!mt_sqlite_run (store, MT_SQL_BEGIN_IMMEDIATE, "begin", error)) {
    return false;
  }
  base->in_unit = true;
  store->op_savepoint = false;
  return true;
}

/* A failed COMMIT (the WAL could not be made durable) is rolled back: nothing was written. */
static bool
mt_sqlite_unit_commit (mt_store_t *base, mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);

  if (!base->in_unit) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL, "aucune unité d'écriture ouverte",
                  "no write unit open");
    return false;
  }
  base->in_unit = false;
  store->op_savepoint = false;
  if (sqlite3_get_autocommit (store->db)) {
    return mt_sqlite_unit_lost (error);
  }
  if (!mt_sqlite_run (store, MT_SQL_COMMIT, "commit", error)) {
    mt_sqlite_rollback (store);
    return false;
  }
  return true;
}

static void
mt_sqlite_unit_abort (mt_store_t *base)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);

  if (base->in_unit) {
    base->in_unit = false;
    store->op_savepoint = false;
    mt_sqlite_rollback (store);
  }
}

/* Row function of PRAGMA integrity_check: one row "ok", or rows describing problems. */
static bool
mt_sqlite_row_pages_ok (sqlite3_stmt *stmt, void *ctx, mt_error_t *error)
{
  const char *row = (const char *) sqlite3_column_text (stmt, 0);

  if (!row || strcmp (row, "ok") != 0) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                  "base SQLite corrompue (integrity_check : %s)",
                  "corrupted SQLite database (integrity_check: %s)", row ? row : "?");
    return false;
  }
  return true;
}

/* Row function of PRAGMA foreign_key_check: any row is a broken reference. */
static bool
mt_sqlite_row_broken_reference (sqlite3_stmt *stmt, void *ctx, mt_error_t *error)
{
  const char *table = (const char *) sqlite3_column_text (stmt, 0);

  mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                "référence brisée dans la table SQLite « %s »",
                "broken reference in SQLite table \"%s\"", table ? table : "?");
  return false;
}

/* A table of documents, for mt_sqlite_check_documents. */
typedef struct {
  const char *table;
  const char *key_column; /* and the document's key field of the same name */
  const char *doc_column;
  bool versioned;               /* the document's int64 "version" equals the "version" column */
  const mt_sqlite_kind_t *kind; /* its indexed columns are checked (kind->columns_sql); or NULL */
} mt_sqlite_doc_table_t;

static const mt_sqlite_doc_table_t mt_sqlite_doc_tables[] = {
  { "networks", "id", "doc", true, &mt_sqlite_kind_network },
  { "members", "id", "doc", true, &mt_sqlite_kind_member },
  { "accounts", "id", "doc", true, &mt_sqlite_kind_account },
  { "listings", "id", "doc", true, &mt_sqlite_kind_listing },
  { "calendars", "listing_id", "doc", true, NULL },
  { "photos", "id", "meta", false, NULL },
  { "reservations", "id", "doc", true, &mt_sqlite_kind_reservation },
  { "idempotency", "id", "doc", true, &mt_sqlite_kind_idempotency },
  { "messages", "id", "doc", false, &mt_sqlite_kind_message },
  { "audit", "id", "doc", false, &mt_sqlite_kind_audit },
  { "notifications", "id", "doc", false, &mt_sqlite_kind_notification },
  { "bookings", "id", "doc", true, &mt_sqlite_kind_booking },
  { "needs", "id", "doc", true, &mt_sqlite_kind_need },
  { "need_answers", "id", "doc", false, &mt_sqlite_kind_need_answer },
  { "ledger", "id", "doc", false, &mt_sqlite_kind_ledger },
  { "webhooks", "id", "doc", false, &mt_sqlite_kind_webhook },
  { "outbox", "id", "doc", true, &mt_sqlite_kind_outbox },
};

typedef struct {
  mt_sqlite_store_t *store;
  const mt_sqlite_doc_table_t *table;
} mt_sqlite_doc_check_t;

/*
 * The indexed columns of row @key of @t are those a write of @doc would give them: the
 * kind's bind function derives them from the document into its columns statement, which
 * finds the row only if every column IS its value.
 */
static bool
mt_sqlite_check_columns (mt_sqlite_store_t *store, const mt_sqlite_doc_table_t *t, const char *key,
                         const bson_t *doc, mt_error_t *error)
{
  sqlite3_stmt *stmt = NULL;
  mt_error_t local;
  bool ok = false;
  int rc;

  mt_error_clear (&local);
  if (!mt_sqlite_stmt (store, t->kind->columns_sql, &stmt, error) ||
      !mt_sqlite_bind_cstr (store, stmt, 1, key, error)) {
    goto done;
  }
  if (!t->kind->bind (store, stmt, doc, &local)) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL, "%s %s : %s%.0s", "%s %s: %.0s%s",
                  t->table, key, local.message_fr, local.message);
    goto done;
  }
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                  "%s %s : les colonnes indexées ne suivent pas le document",
                  "%s %s: the indexed columns are out of step with the document", t->table, key);
    goto done;
  }
  if (rc != SQLITE_ROW) {
    mt_sqlite_fail (store->db, rc, t->table, error);
    goto done;
  }
  ok = true;
done:
  mt_sqlite_release (stmt);
  return ok;
}

/*
 * Row function over (key, version, doc): the document is valid BSON whose key field and
 * int64 "version" equal the columns, and so do its indexed columns.
 */
static bool
mt_sqlite_row_document (sqlite3_stmt *stmt, void *ctx, mt_error_t *error)
{
  const mt_sqlite_doc_check_t *check = ctx;
  const mt_sqlite_doc_table_t *t = check->table;
  const char *key = (const char *) sqlite3_column_text (stmt, 0);
  int64_t version = sqlite3_column_int64 (stmt, 1);
  const uint8_t *data = sqlite3_column_blob (stmt, 2);
  int len = sqlite3_column_bytes (stmt, 2);
  uint32_t doc_key_len = 0;
  const char *doc_key;
  bson_iter_t it;
  bson_t doc;

  key = key ? key : "?";
  if (!data || len <= 0 || !bson_init_static (&doc, data, (size_t) len) ||
      !bson_validate (&doc, BSON_VALIDATE_UTF8 | BSON_VALIDATE_EMPTY_KEYS, NULL)) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL, "%s %s : document BSON invalide",
                  "%s %s: invalid BSON document", t->table, key);
    return false;
  }
  if (t->versioned && (sqlite3_column_type (stmt, 1) != SQLITE_INTEGER ||
                       !bson_iter_init_find (&it, &doc, "version") ||
                       !BSON_ITER_HOLDS_INT64 (&it) || bson_iter_int64 (&it) != version)) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                  "%s %s : la version du document diffère de la colonne « version » (%lld)",
                  "%s %s: the document's version differs from the \"version\" column (%lld)",
                  t->table, key, (long long) version);
    return false;
  }
  if (!bson_iter_init_find (&it, &doc, t->key_column) || !BSON_ITER_HOLDS_UTF8 (&it) ||
      !(doc_key = bson_iter_utf8 (&it, &doc_key_len)) || doc_key_len != strlen (key) ||
      memcmp (doc_key, key, doc_key_len) != 0) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                  "%s %s : le champ « %s » du document diffère de sa colonne",
                  "%s %s: the document's \"%s\" differs from its column", t->table, key,
                  t->key_column);
    return false;
  }
  if (t->kind && t->kind->columns_sql != MT_SQL_COUNT) {
    return mt_sqlite_check_columns (check->store, t, key, &doc, error);
  }
  return true;
}

static bool
mt_sqlite_check_documents (mt_sqlite_store_t *store, const mt_sqlite_doc_table_t *t,
                           mt_error_t *error)
{
  mt_sqlite_doc_check_t check = { store, t };
  char sql[128];

  snprintf (sql, sizeof sql, "SELECT %s, %s, %s FROM %s", t->key_column,
            t->versioned ? "version" : "NULL", t->doc_column, t->table);
  return mt_sqlite_each_row (store->db, sql, t->table, mt_sqlite_row_document, &check, NULL, error);
}

/* Text column @col of the current row equals @text (NULL text: SQL NULL). */
static bool
mt_sqlite_column_is (sqlite3_stmt *stmt, int col, const char *text, size_t len)
{
  const unsigned char *value;

  if (sqlite3_column_type (stmt, col) == SQLITE_NULL) {
    return text == NULL;
  }
  value = sqlite3_column_text (stmt, col);
  return text && value && (size_t) sqlite3_column_bytes (stmt, col) == len &&
         memcmp (value, text, len) == 0;
}

/*
 * Row function over (id, doc, full-text rowid, title, description, tags) of a searchable
 * table (ctx): the document has its full-text row and it holds the document's current texts.
 */
static bool
mt_sqlite_row_searchable_text (sqlite3_stmt *stmt, void *ctx, mt_error_t *error)
{
  const mt_sqlite_searchable_t *s = ctx;
  const char *id = (const char *) sqlite3_column_text (stmt, 0);
  mt_sqlite_text_t title, description;
  mt_buf_t tags;
  bson_t doc;
  bool ok = false;

  mt_buf_init (&tags, MT_SQLITE_TAGS_MAX);
  id = id ? id : "?";
  if (!mt_sqlite_column_view (stmt, 1, &doc, error) ||
      !mt_sqlite_searchable_texts (s->kind, &doc, &title, &description, &tags, error)) {
    goto done;
  }
  if (sqlite3_column_type (stmt, 2) == SQLITE_NULL ||
      !mt_sqlite_column_is (stmt, 3, title.str, (size_t) title.len) ||
      !mt_sqlite_column_is (stmt, 4, description.str, (size_t) description.len) ||
      !mt_sqlite_column_is (stmt, 5, mt_buf_cstr (&tags), tags.len)) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                  "%s %s : l'index plein texte ne suit pas le document",
                  "%s %s: the full-text index is out of step with the document", s->table, id);
    goto done;
  }
  ok = true;
done:
  mt_buf_destroy (&tags);
  return ok;
}

/*
 * The full-text index of @s is in step with its table: one row per document, holding its
 * texts, and no other row.
 */
static bool
mt_sqlite_check_searchable_texts (sqlite3 *db, const mt_sqlite_searchable_t *s, mt_error_t *error)
{
  mt_sqlite_searchable_t copy = *s; /* the row function's context */
  int64_t documents = 0;
  int64_t texts = 0;
  char sql[256];

  snprintf (sql, sizeof sql,
            "SELECT l.id, l.doc, f.rowid, f.title, f.description, f.tags"
            " FROM %s AS l LEFT JOIN %s AS f ON f.rowid = l.seq",
            s->table, s->fts);
  if (!mt_sqlite_each_row (db, sql, s->fts, mt_sqlite_row_searchable_text, &copy, &documents,
                           error)) {
    return false;
  }
  snprintf (sql, sizeof sql, "SELECT count(*) FROM %s", s->fts);
  if (!mt_sqlite_query_int (db, sql, &texts, error)) {
    return false;
  }
  if (texts != documents) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                  "l'index plein texte %s a %lld lignes pour %lld documents",
                  "the full-text index %s has %lld rows for %lld documents", s->fts,
                  (long long) texts, (long long) documents);
    return false;
  }
  return true;
}

/* Row function over the members whose stored balance is not the sum of their entries. */
static bool
mt_sqlite_row_wrong_balance (sqlite3_stmt *stmt, void *ctx, mt_error_t *error)
{
  const char *member = (const char *) sqlite3_column_text (stmt, 0);

  mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                "ledger_balances %s : le solde enregistré diffère de la somme des écritures",
                "ledger_balances %s: the stored balance differs from the sum of the entries",
                member ? member : "?");
  return false;
}

/*
 * Every stored balance is the sum of the member's entries (received - sent), and every member
 * with entries has one. sum() fails on an integer overflow rather than rounding.
 */
static const char mt_sqlite_check_balances_sql[] =
  "WITH sums (member_id, total) AS ("
  " SELECT member_id, sum (delta) FROM ("
  "  SELECT to_id AS member_id, amount AS delta FROM ledger"
  "  UNION ALL SELECT from_id, - amount FROM ledger"
  " ) GROUP BY member_id)"
  " SELECT s.member_id FROM sums AS s LEFT JOIN ledger_balances AS b USING (member_id)"
  " WHERE b.balance IS NOT s.total"
  " UNION ALL"
  " SELECT b.member_id FROM ledger_balances AS b LEFT JOIN sums AS s USING (member_id)"
  " WHERE s.member_id IS NULL";

static bool
mt_sqlite_check_integrity (mt_store_t *base, mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);
  bool ok = false;
  size_t i;

  /* FTS5's own check of its indexes against their content. It is written as an INSERT, so it
   * runs on its own, before the read transaction. */
  if (!mt_sqlite_exec (store->db,
                       "INSERT INTO listings_fts (listings_fts) VALUES ('integrity-check');"
                       "INSERT INTO needs_fts (needs_fts) VALUES ('integrity-check');",
                       "full-text index integrity-check", error)) {
    return false;
  }
  /* One read transaction: every other check sees the same snapshot. */
  if (!mt_sqlite_exec (store->db, "BEGIN", "begin integrity check", error)) {
    return false;
  }
  if (!mt_sqlite_each_row (store->db, "PRAGMA integrity_check", "integrity_check",
                           mt_sqlite_row_pages_ok, NULL, NULL, error) ||
      !mt_sqlite_each_row (store->db, "PRAGMA foreign_key_check", "foreign_key_check",
                           mt_sqlite_row_broken_reference, NULL, NULL, error)) {
    goto done;
  }
  for (i = 0; i < sizeof mt_sqlite_doc_tables / sizeof mt_sqlite_doc_tables[0]; i++) {
    if (!mt_sqlite_check_documents (store, &mt_sqlite_doc_tables[i], error)) {
      goto done;
    }
  }
  if (!mt_sqlite_check_searchable_texts (store->db, &mt_sqlite_listings, error) ||
      !mt_sqlite_check_searchable_texts (store->db, &mt_sqlite_needs, error) ||
      !mt_sqlite_each_row (store->db, mt_sqlite_check_balances_sql, "ledger_balances",
                           mt_sqlite_row_wrong_balance, NULL, NULL, error)) {
    goto done;
  }
  ok = true;
done:
  sqlite3_exec (store->db, "COMMIT", NULL, NULL, NULL);
  return ok;
}

static const mt_store_ops_t mt_sqlite_store_ops = {
  .name = "sqlite",
  .group_commit = true,
  .close = mt_sqlite_close,
  .ping = mt_sqlite_ping,
  .check_integrity = mt_sqlite_check_integrity,
  .unit_begin = mt_sqlite_unit_begin,
  .unit_commit = mt_sqlite_unit_commit,
  .unit_abort = mt_sqlite_unit_abort,
  .network_insert = mt_sqlite_network_insert,
  .network_get = mt_sqlite_network_get,
  .network_list = mt_sqlite_network_list,
  .member_insert = mt_sqlite_member_insert,
  .member_get = mt_sqlite_member_get,
  .member_update = mt_sqlite_member_update,
  .member_list = mt_sqlite_member_list,
  .account_insert = mt_sqlite_account_insert,
  .account_get = mt_sqlite_account_get,
  .account_find_by_email = mt_sqlite_account_find_by_email,
  .account_update = mt_sqlite_account_update,
  .account_list_by_member = mt_sqlite_account_list_by_member,
  .account_count_admins = mt_sqlite_account_count_admins,
  .listing_insert = mt_sqlite_listing_insert,
  .listing_insert_many = mt_sqlite_listing_insert_many,
  .listing_get = mt_sqlite_listing_get,
  .listing_update = mt_sqlite_listing_update,
  .listing_delete = mt_sqlite_listing_delete,
  .listing_search = mt_sqlite_listing_search,
  .photo_insert = mt_sqlite_photo_insert,
  .photo_get = mt_sqlite_photo_get,
  .photo_delete = mt_sqlite_photo_delete,
  .calendar_get = mt_sqlite_calendar_get,
  .calendar_put = mt_sqlite_calendar_put,
  .calendar_list = mt_sqlite_calendar_list,
  .reservation_insert = mt_sqlite_reservation_insert,
  .reservation_get = mt_sqlite_reservation_get,
  .reservation_update = mt_sqlite_reservation_update,
  .reservation_list = mt_sqlite_reservation_list,
  .reservation_count = mt_sqlite_reservation_count,
  .idempotency_insert = mt_sqlite_idempotency_insert,
  .idempotency_get = mt_sqlite_idempotency_get,
  .idempotency_update = mt_sqlite_idempotency_update,
  .idempotency_purge = mt_sqlite_idempotency_purge,
  .message_insert = mt_sqlite_message_insert,
  .message_list = mt_sqlite_message_list,
  .audit_insert = mt_sqlite_audit_insert,
  .audit_list = mt_sqlite_audit_list,
  .notification_insert = mt_sqlite_notification_insert,
  .notification_list = mt_sqlite_notification_list,
  .account_find_by_calendar_token = mt_sqlite_account_find_by_calendar_token,
  .notification_mark_read = mt_sqlite_notification_mark_read,
  .booking_insert = mt_sqlite_booking_insert,
  .booking_get = mt_sqlite_booking_get,
  .booking_update = mt_sqlite_booking_update,
  .booking_list = mt_sqlite_booking_list,
  .need_insert = mt_sqlite_need_insert,
  .need_get = mt_sqlite_need_get,
  .need_update = mt_sqlite_need_update,
  .need_search = mt_sqlite_need_search,
  .need_answer_insert = mt_sqlite_need_answer_insert,
  .need_answer_list = mt_sqlite_need_answer_list,
  .ledger_append = mt_sqlite_ledger_append,
  .ledger_balance = mt_sqlite_ledger_balance,
  .ledger_list = mt_sqlite_ledger_list,
  .ledger_sum = mt_sqlite_ledger_sum,
  .ledger_get = mt_sqlite_ledger_get,
  .webhook_insert = mt_sqlite_webhook_insert,
  .webhook_get = mt_sqlite_webhook_get,
  .webhook_list = mt_sqlite_webhook_list,
  .webhook_delete = mt_sqlite_webhook_delete,
  .outbox_insert = mt_sqlite_outbox_insert,
  .outbox_get = mt_sqlite_outbox_get,
  .outbox_update = mt_sqlite_outbox_update,
  .outbox_list = mt_sqlite_outbox_list,
  .token_revoke = mt_sqlite_token_revoke,
  .token_is_revoked = mt_sqlite_token_is_revoked,
  .token_purge = mt_sqlite_token_purge,
};

/* ---- Backend ----------------------------------------------------------------------------- */

static mt_store_t *
mt_sqlite_open (mt_store_backend_t *base, mt_error_t *error)
{
  mt_sqlite_backend_t *backend = (mt_sqlite_backend_t *) base;
  mt_sqlite_store_t *store = calloc (1, sizeof *store);

  if (!store) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL, "mémoire épuisée", "out of memory");
    return NULL;
  }
  store->base.ops = &mt_sqlite_store_ops;
  if (!mt_sqlite_connect (backend->path, &store->db, error)) {
    free (store);
    return NULL;
  }
  return &store->base;
}

static void
mt_sqlite_backend_destroy (mt_store_backend_t *base)
{
  mt_sqlite_backend_t *backend = (mt_sqlite_backend_t *) base;

  if (backend) {
    free (backend->path);
    free (backend);
  }
}

static const mt_store_backend_ops_t mt_sqlite_backend_ops = {
  .name = "sqlite",
  .open = mt_sqlite_open,
  .destroy = mt_sqlite_backend_destroy,
};

mt_store_backend_t *
mt_store_sqlite_backend_new (const char *path, mt_error_t *error)
{
  mt_sqlite_backend_t *backend = NULL;
  sqlite3 *db = NULL;
  bool ok = false;

  if (!path || !*path || strcmp (path, ":memory:") == 0) {
    mt_error_set (error, MT_DOMAIN_CONFIG, MT_ERR_BAD_REQUEST,
                  "chemin de base SQLite manquant ou en mémoire",
                  "SQLite database path missing or in-memory");
    goto done;
  }
  if (!sqlite3_threadsafe ()) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                  "la bibliothèque SQLite n'est pas compilée pour les threads",
                  "the SQLite library is not built thread-safe");
    goto done;
  }
  backend = calloc (1, sizeof *backend);
  if (!backend || !(backend->path = strdup (path))) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL, "mémoire épuisée", "out of memory");
    goto done;
  }
  backend->base.ops = &mt_sqlite_backend_ops;
  if (!mt_sqlite_connect (path, &db, error) || !mt_sqlite_migrate (db, error)) {
    goto done;
  }
  ok = true;
done:
  sqlite3_close_v2 (db);
  if (!ok) {
    mt_sqlite_backend_destroy (backend ? &backend->base : NULL);
    backend = NULL;
  }
  return backend ? &backend->base : NULL;
}
