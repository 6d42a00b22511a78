/*
 * store_sqlite_tokens.c: revoked token ids (PASETO "jti") in the SQLite adapter. A revocation
 * is kept until the token's own expiry; revoking twice keeps the later expiry.
 */
#include "store_sqlite_private.h"

static bool
mt_sqlite_jti_present (const char *jti, mt_error_t *error)
{
  if (!jti || !*jti) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL, "identifiant de jeton manquant",
                  "missing token id");
    return false;
  }
  return true;
}

bool
mt_sqlite_token_revoke (mt_store_t *base, const char *jti, int64_t expires_at_ms, mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (!mt_sqlite_jti_present (jti, error) ||
      !mt_sqlite_stmt (store, MT_SQL_TOKEN_REVOKE, &stmt, error)) {
    return false;
  }
  rc = sqlite3_bind_text (stmt, 1, jti, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) {
    rc = sqlite3_bind_int64 (stmt, 2, expires_at_ms);
  }
  if (rc != SQLITE_OK) {
    mt_sqlite_release (stmt);
    return mt_sqlite_fail (store->db, rc, "bind", error);
  }
  return mt_sqlite_step_done (store, stmt, "token revoke", error);
}

bool
mt_sqlite_token_is_revoked (mt_store_t *base, const char *jti, bool *revoked, mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);
  sqlite3_stmt *stmt = NULL;
  bool ok = false;
  int rc;

  *revoked = false;
  if (!mt_sqlite_jti_present (jti, error) ||
      !mt_sqlite_stmt (store, MT_SQL_TOKEN_IS_REVOKED, &stmt, error)) {
    goto done;
  }
  rc = sqlite3_bind_text (stmt, 1, jti, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step (stmt);
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    mt_sqlite_fail (store->db, rc, "token lookup", error);
    goto done;
  }
  *revoked = rc == SQLITE_ROW;
  ok = true;
done:
  mt_sqlite_release (stmt);
  return ok;
}

bool
mt_sqlite_token_purge (mt_store_t *base, int64_t now_ms, mt_error_t *error)
{
  mt_sqlite_store_t *store = mt_sqlite_store (base);
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (!mt_sqlite_stmt (store, MT_SQL_TOKEN_PURGE, &stmt, error)) {
    return false;
  }
  rc = sqlite3_bind_int64 (stmt, 1, now_ms);
  if (rc != SQLITE_OK) {
    mt_sqlite_release (stmt);
    return mt_sqlite_fail (store->db, rc, "bind", error);
  }
  return mt_sqlite_step_done (store, stmt, "token purge", error);
}
