/*
 * store_sqlite_private.h: internals of the SQLite adapter of the store port, shared by the
 * files of server/storage/sqlite/ and by nothing else.
 *
 *   store_sqlite.c             backend, connections, PRAGMAs, migrations runner, statement
 *                              cache, error mapping, transactions, ping, check_integrity
 *   store_sqlite_migrations.c  the numbered schema migrations
 *   store_sqlite_documents.c   networks, members and accounts (documents as BSON blobs)
 *   store_sqlite_tokens.c      revoked token ids
 *   store_sqlite_cursor.c      opaque keyset cursors of member_list
 */
#ifndef MT_STORE_SQLITE_PRIVATE_H
#define MT_STORE_SQLITE_PRIVATE_H

#include "store.h"

#include <sqlite3.h>
#include <stddef.h>

/* How long a connection waits for another one's write lock before MT_ERR_UNAVAILABLE. */
#define MT_SQLITE_BUSY_TIMEOUT_MS 5000

/* PRAGMA application_id of mutua databases ("mtua"); 0 is a fresh file. */
#define MT_SQLITE_APPLICATION_ID 0x6d747561

/*
 * Bound of the lists the port gives no cursor parameter (network_list,
 * account_list_by_member): at most this many documents; next_cursor is set when more exist.
 */
#define MT_SQLITE_LIST_ALL_MAX 1000

/* Seconds a caller is told to wait after MT_ERR_UNAVAILABLE. */
#define MT_SQLITE_RETRY_AFTER_S 1

/* ---- Migrations -------------------------------------------------------------------------- */

typedef struct {
  int version;      /* 1, 2, 3... in order; the database's PRAGMA user_version afterwards */
  const char *name; /* for the log */
  const char *sql;  /* one or more statements, run inside the migration transaction */
} mt_sqlite_migration_t;

extern const mt_sqlite_migration_t mt_sqlite_migrations[];
extern const size_t mt_sqlite_migration_count;

/* ---- Prepared statements ----------------------------------------------------------------- */

/* Every statement a handle may cache; the SQL text of each is in store_sqlite.c. */
typedef enum {
  MT_SQL_BEGIN_IMMEDIATE = 0,
  MT_SQL_COMMIT,
  MT_SQL_ROLLBACK,
  MT_SQL_PING,

  MT_SQL_NETWORK_INSERT,
  MT_SQL_NETWORK_GET,
  MT_SQL_NETWORK_LIST,

  MT_SQL_MEMBER_INSERT,
  MT_SQL_MEMBER_GET,
  MT_SQL_MEMBER_UPDATE,
  MT_SQL_MEMBER_VERSION,
  MT_SQL_MEMBER_NAME,
  MT_SQL_MEMBER_NETWORK_INSERT,
  MT_SQL_MEMBER_NETWORK_DELETE,
  /* The eight member_list variants, in this order: offset = MT_SQL_LIST_* flags below. */
  MT_SQL_MEMBER_LIST,
  MT_SQL_MEMBER_LIST_S,
  MT_SQL_MEMBER_LIST_N,
  MT_SQL_MEMBER_LIST_NS,
  MT_SQL_MEMBER_LIST_C,
  MT_SQL_MEMBER_LIST_SC,
  MT_SQL_MEMBER_LIST_NC,
  MT_SQL_MEMBER_LIST_NSC,

  MT_SQL_ACCOUNT_INSERT,
  MT_SQL_ACCOUNT_GET,
  MT_SQL_ACCOUNT_GET_BY_EMAIL,
  MT_SQL_ACCOUNT_UPDATE,
  MT_SQL_ACCOUNT_VERSION,
  MT_SQL_ACCOUNT_LIST_BY_MEMBER,
  MT_SQL_ACCOUNT_COUNT_ADMINS,

  MT_SQL_TOKEN_REVOKE,
  MT_SQL_TOKEN_IS_REVOKED,
  MT_SQL_TOKEN_PURGE,

  MT_SQL_COUNT
} mt_sql_id_t;

/* Flags selecting a member_list variant (added to MT_SQL_MEMBER_LIST). */
#define MT_SQL_LIST_STATUS 1
#define MT_SQL_LIST_NETWORK 2
#define MT_SQL_LIST_AFTER 4

/* One handle: one connection, used by one thread. */
typedef struct {
  mt_store_t base; /* first: a mt_sqlite_store_t * is a mt_store_t * */
  sqlite3 *db;
  sqlite3_stmt *stmts[MT_SQL_COUNT]; /* prepared on first use, finalized by close */
} mt_sqlite_store_t;

static inline mt_sqlite_store_t *
mt_sqlite_store (mt_store_t *store)
{
  return (mt_sqlite_store_t *) store;
}

/*
 * Returns in *@out the cached statement @id of @store, preparing it on first use. The
 * statement is reset and has no bindings; give it back with mt_sqlite_release.
 */
bool mt_sqlite_stmt (mt_sqlite_store_t *store, mt_sql_id_t id, sqlite3_stmt **out,
                     mt_error_t *error);

/* Resets @stmt and clears its bindings (no-op on NULL). */
void mt_sqlite_release (sqlite3_stmt *stmt);

/*
 * Sets @error from the result code @rc of a call on @db and returns false:
 * SQLITE_BUSY/LOCKED -> MT_ERR_UNAVAILABLE, UNIQUE/PRIMARY KEY constraint -> MT_ERR_DUPLICATE,
 * anything else -> MT_ERR_INTERNAL. @what names the operation (never document content).
 */
bool mt_sqlite_fail (sqlite3 *db, int rc, const char *what, mt_error_t *error);

/* Steps @stmt once expecting SQLITE_DONE, then releases it. */
bool mt_sqlite_step_done (mt_sqlite_store_t *store, sqlite3_stmt *stmt, const char *what,
                          mt_error_t *error);

/* BEGIN IMMEDIATE / COMMIT through the statement cache; rollback is a no-op outside one. */
bool mt_sqlite_begin (mt_sqlite_store_t *store, mt_error_t *error);
bool mt_sqlite_commit (mt_sqlite_store_t *store, mt_error_t *error);
void mt_sqlite_rollback (mt_sqlite_store_t *store);

/* Sets MT_ERR_INTERNAL "bad document" naming the offending field, and returns false. */
bool mt_sqlite_bad_document (const char *what, const char *field, mt_error_t *error);

/* ---- Cursors ----------------------------------------------------------------------------- */

/* A decoded cursor: the sort key of the last row of the previous page. */
typedef struct {
  uint8_t raw[MT_STORE_CURSOR_MAX];
  const char *id; /* points into raw */
  size_t id_len;
  const char *name; /* points into raw; NULL when the cursor holds the id only */
  size_t name_len;
} mt_sqlite_cursor_t;

/*
 * Writes into @out (MT_STORE_CURSOR_MAX bytes) the cursor after the row (@name, @id).
 * When @name is NULL or too long to fit, the cursor holds only @id and the name is read back
 * from the row when the cursor is used. Returns false when @id itself cannot fit.
 */
bool mt_sqlite_cursor_encode (const char *name, size_t name_len, const char *id, size_t id_len,
                              char out[MT_STORE_CURSOR_MAX]);

/* Decodes @text; MT_ERR_BAD_REQUEST when it is not a cursor of this adapter. */
bool mt_sqlite_cursor_decode (const char *text, mt_sqlite_cursor_t *out, mt_error_t *error);

/* ---- Ops (store_sqlite_documents.c, store_sqlite_tokens.c) -------------------------------- */

bool mt_sqlite_network_insert (mt_store_t *store, const bson_t *network, mt_error_t *error);
bool mt_sqlite_network_get (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error);
bool mt_sqlite_network_list (mt_store_t *store, mt_store_page_t *out, mt_error_t *error);

bool mt_sqlite_member_insert (mt_store_t *store, const bson_t *member, const bson_t *first_account,
                              mt_error_t *error);
bool mt_sqlite_member_get (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error);
bool mt_sqlite_member_update (mt_store_t *store, const char *id, int64_t expected_version,
                              const bson_t *member, mt_error_t *error);
bool mt_sqlite_member_list (mt_store_t *store, const mt_store_member_query_t *query,
                            mt_store_page_t *out, mt_error_t *error);

bool mt_sqlite_account_insert (mt_store_t *store, const bson_t *account, mt_error_t *error);
bool mt_sqlite_account_get (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error);
bool mt_sqlite_account_find_by_email (mt_store_t *store, const char *email_key, bson_t *out,
                                      mt_error_t *error);
bool mt_sqlite_account_update (mt_store_t *store, const char *id, int64_t expected_version,
                               const bson_t *account, mt_error_t *error);
bool mt_sqlite_account_list_by_member (mt_store_t *store, const char *member_id,
                                       mt_store_page_t *out, mt_error_t *error);
bool mt_sqlite_account_count_admins (mt_store_t *store, int64_t *count, mt_error_t *error);

bool mt_sqlite_token_revoke (mt_store_t *store, const char *jti, int64_t expires_at_ms,
                             mt_error_t *error);
bool mt_sqlite_token_is_revoked (mt_store_t *store, const char *jti, bool *revoked,
                                 mt_error_t *error);
bool mt_sqlite_token_purge (mt_store_t *store, int64_t now_ms, mt_error_t *error);

#endif
