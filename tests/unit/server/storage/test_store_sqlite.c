/*
 * Unit tests of the SQLite adapter of the store port (server/storage/sqlite/): the shared
 * conformance suite with a factory making fresh database files in a temporary directory,
 * then what only SQLite has: PRAGMAs, migrations, refusing unknown files, integrity checks
 * on tampered rows, durability across reopen, and a busy database.
 */
#include "mt_test.h"

#include "store.h"
#include "store_conformance.h"

#include "mt_log.h"

#include "sqlite/store_sqlite_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- Temporary directory and factory ------------------------------------------------------ */

typedef struct {
  char dir[64];
  unsigned counter;
  char path[128]; /* the database of the backend alive, if any */
} mt_sqlite_env_t;

static mt_sqlite_env_t env;

static void
remove_database (const char *path)
{
  char side[160];

  unlink (path);
  snprintf (side, sizeof side, "%s-wal", path);
  unlink (side);
  snprintf (side, sizeof side, "%s-shm", path);
  unlink (side);
  snprintf (side, sizeof side, "%s-journal", path);
  unlink (side);
}

/* Names a fresh database file in the temporary directory. */
static const char *
next_path (void)
{
  snprintf (env.path, sizeof env.path, "%s/store-%u.sqlite", env.dir, env.counter++);
  return env.path;
}

static mt_store_backend_t *
factory_create (void *user_data, mt_error_t *error)
{
  return mt_store_sqlite_backend_new (next_path (), error);
}

static void
factory_destroy (mt_store_backend_t *backend, void *user_data)
{
  mt_store_backend_destroy (backend);
  remove_database (env.path);
}

/* ---- Helpers ------------------------------------------------------------------------------ */

static mt_error_t err;

#define OK(call)                                                                                   \
  do {                                                                                             \
    mt_error_clear (&err);                                                                         \
    if (!(call)) {                                                                                 \
      fail_msg ("%s failed: %s", #call, err.message);                                              \
    }                                                                                              \
  } while (0)

static sqlite3 *
raw_open (const char *path)
{
  sqlite3 *db = NULL;

  assert_int_equal (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

static void
raw_exec (sqlite3 *db, const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK) {
    fail_msg ("%s: %s", sql, message ? message : "?");
  }
}

/* The text of the first column of the first row of @sql ("" when none) into @out. */
static void
raw_text (sqlite3 *db, const char *sql, char *out, size_t size)
{
  sqlite3_stmt *stmt = NULL;

  out[0] = '\0';
  assert_int_equal (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_text (stmt, 0)) {
    snprintf (out, size, "%s", (const char *) sqlite3_column_text (stmt, 0));
  }
  sqlite3_finalize (stmt);
}

static int64_t
raw_int (sqlite3 *db, const char *sql)
{
  char text[64];

  raw_text (db, sql, text, sizeof text);
  return strtoll (text, NULL, 10);
}

static void
insert_member (mt_store_t *st, const char *id, const char *name)
{
  bson_t doc = BSON_INITIALIZER;
  bson_t nets;

  BSON_APPEND_UTF8 (&doc, "id", id);
  BSON_APPEND_UTF8 (&doc, "name", name);
  BSON_APPEND_UTF8 (&doc, "status", "active");
  BSON_APPEND_ARRAY_BEGIN (&doc, "networks", &nets);
  BSON_APPEND_UTF8 (&nets, "0", "net_one");
  bson_append_array_end (&doc, &nets);
  OK (st->ops->member_insert (st, &doc, NULL, &err));
  bson_destroy (&doc);
}

static int
setup_fresh (void **state)
{
  mt_error_clear (&err);
  next_path ();
  return 0;
}

static int
teardown_fresh (void **state)
{
  remove_database (env.path);
  return 0;
}

/* ---- Tests -------------------------------------------------------------------------------- */

static void
pragmas_are_set (void **state)
{
  mt_store_backend_t *backend = NULL;
  mt_store_t *st;
  sqlite3 *raw;
  char text[32];

  backend = mt_store_sqlite_backend_new (env.path, &err);
  assert_non_null (backend);
  st = mt_store_open (backend, &err);
  assert_non_null (st);

  /* File-level settings, seen by any connection. */
  raw = raw_open (env.path);
  raw_text (raw, "PRAGMA journal_mode", text, sizeof text);
  assert_string_equal (text, "wal");
  assert_int_equal (raw_int (raw, "PRAGMA user_version"),
                    mt_sqlite_migrations[mt_sqlite_migration_count - 1].version);
  assert_int_equal (raw_int (raw, "PRAGMA application_id"), MT_SQLITE_APPLICATION_ID);
  sqlite3_close (raw);

  /* Connection-level settings, on the handle's own connection. */
  raw = mt_sqlite_store (st)->db;
  assert_int_equal (raw_int (raw, "PRAGMA synchronous"), 2); /* FULL */
  assert_int_equal (raw_int (raw, "PRAGMA foreign_keys"), 1);
  assert_int_equal (raw_int (raw, "PRAGMA busy_timeout"), MT_SQLITE_BUSY_TIMEOUT_MS);
  assert_int_equal (raw_int (raw, "PRAGMA temp_store"), 2); /* MEMORY */

  mt_store_close (st);
  mt_store_backend_destroy (backend);
}

static void
store_uri_selects_sqlite (void **state)
{
  char uri[160];
  mt_store_backend_t *backend;
  mt_store_t *st;

  snprintf (uri, sizeof uri, "sqlite:%s", env.path);
  backend = mt_store_backend_new (uri, &err);
  assert_non_null (backend);
  st = mt_store_open (backend, &err);
  assert_non_null (st);
  assert_string_equal (st->ops->name, "sqlite");
  OK (st->ops->ping (st, &err));
  mt_store_close (st);
  mt_store_backend_destroy (backend);
}

static void
unusable_paths_are_refused (void **state)
{
  char path[160];

  assert_null (mt_store_sqlite_backend_new (":memory:", &err));
  assert_int_not_equal (err.code, MT_ERR_NONE);
  assert_null (mt_store_sqlite_backend_new ("", &err));
  snprintf (path, sizeof path, "%s/no/such/dir/db.sqlite", env.dir);
  mt_error_clear (&err);
  assert_null (mt_store_sqlite_backend_new (path, &err));
  assert_int_equal (err.code, MT_ERR_INTERNAL);
  assert_non_null (strstr (err.message, "cannot open"));
}

static void
migrations_are_idempotent_and_data_survives_reopen (void **state)
{
  mt_store_backend_t *backend;
  mt_store_t *st;
  sqlite3 *raw;
  int64_t objects;
  bson_t out;
  int i;

  backend = mt_store_sqlite_backend_new (env.path, &err);
  assert_non_null (backend);
  st = mt_store_open (backend, &err);
  insert_member (st, "mem_durable", "Durable");
  OK (st->ops->token_revoke (st, "jti-kept", 99999, &err));
  mt_store_close (st);
  mt_store_backend_destroy (backend);

  raw = raw_open (env.path);
  objects = raw_int (raw, "SELECT count(*) FROM sqlite_schema");
  sqlite3_close (raw);
  assert_true (objects > 0);

  for (i = 0; i < 2; i++) {
    bool revoked = false;

    backend = mt_store_sqlite_backend_new (env.path, &err);
    assert_non_null (backend);
    st = mt_store_open (backend, &err);
    assert_non_null (st);
    OK (st->ops->member_get (st, "mem_durable", &out, &err));
    bson_destroy (&out);
    OK (st->ops->token_is_revoked (st, "jti-kept", &revoked, &err));
    assert_true (revoked);
    OK (st->ops->check_integrity (st, &err));
    mt_store_close (st);
    mt_store_backend_destroy (backend);
  }

  raw = raw_open (env.path);
  assert_int_equal (raw_int (raw, "SELECT count(*) FROM sqlite_schema"), objects);
  assert_int_equal (raw_int (raw, "PRAGMA user_version"),
                    mt_sqlite_migrations[mt_sqlite_migration_count - 1].version);
  sqlite3_close (raw);
}

static void
database_from_the_future_is_refused (void **state)
{
  mt_store_backend_t *backend;
  sqlite3 *raw;

  backend = mt_store_sqlite_backend_new (env.path, &err);
  assert_non_null (backend);
  mt_store_backend_destroy (backend);

  raw = raw_open (env.path);
  raw_exec (raw, "PRAGMA user_version = 99");
  sqlite3_close (raw);

  mt_error_clear (&err);
  assert_null (mt_store_sqlite_backend_new (env.path, &err));
  assert_int_equal (err.code, MT_ERR_INTERNAL);
  assert_int_equal (err.domain, MT_DOMAIN_STORE);
  assert_non_null (strstr (err.message, "newer"));
  assert_non_null (strstr (err.message, "99"));

  /* Nothing was changed by the refusal. */
  raw = raw_open (env.path);
  assert_int_equal (raw_int (raw, "PRAGMA user_version"), 99);
  sqlite3_close (raw);
}

static void
foreign_file_is_refused (void **state)
{
  sqlite3 *raw = NULL;

  assert_int_equal (
    sqlite3_open_v2 (env.path, &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL), SQLITE_OK);
  raw_exec (raw, "PRAGMA application_id = 1234; CREATE TABLE t (x)");
  sqlite3_close (raw);

  mt_error_clear (&err);
  assert_null (mt_store_sqlite_backend_new (env.path, &err));
  assert_non_null (strstr (err.message, "not a mutua database"));
}

static void
integrity_detects_tampered_version (void **state)
{
  mt_store_backend_t *backend;
  mt_store_t *st;
  sqlite3 *raw;

  backend = mt_store_sqlite_backend_new (env.path, &err);
  st = mt_store_open (backend, &err);
  assert_non_null (st);
  insert_member (st, "mem_tampered", "Tampered");
  OK (st->ops->check_integrity (st, &err));

  raw = raw_open (env.path);
  raw_exec (raw, "UPDATE members SET version = 7 WHERE id = 'mem_tampered'");
  sqlite3_close (raw);

  mt_error_clear (&err);
  assert_false (st->ops->check_integrity (st, &err));
  assert_int_equal (err.code, MT_ERR_INTERNAL);
  assert_non_null (strstr (err.message, "version"));
  assert_non_null (strstr (err.message, "mem_tampered"));

  mt_store_close (st);
  mt_store_backend_destroy (backend);
}

static void
integrity_detects_bad_blob_and_broken_reference (void **state)
{
  mt_store_backend_t *backend;
  mt_store_t *st;
  sqlite3 *raw;
  bson_t out;

  backend = mt_store_sqlite_backend_new (env.path, &err);
  st = mt_store_open (backend, &err);
  assert_non_null (st);
  insert_member (st, "mem_blob", "Blob");

  raw = raw_open (env.path);
  raw_exec (raw, "UPDATE members SET doc = x'0500000001' WHERE id = 'mem_blob'");
  mt_error_clear (&err);
  assert_false (st->ops->check_integrity (st, &err));
  assert_int_equal (err.code, MT_ERR_INTERNAL);
  assert_non_null (strstr (err.message, "BSON"));
  mt_error_clear (&err);
  assert_false (st->ops->member_get (st, "mem_blob", &out, &err));
  assert_int_equal (err.code, MT_ERR_INTERNAL);
  assert_true (bson_empty (&out));
  bson_destroy (&out);

  /* A derived row pointing at no member (written with foreign keys off). */
  raw_exec (raw, "DELETE FROM members WHERE id = 'mem_blob'");
  raw_exec (raw, "PRAGMA foreign_keys = OFF;"
                 "INSERT INTO member_networks (network_id, member_id) VALUES ('n', 'mem_gone')");
  sqlite3_close (raw);
  mt_error_clear (&err);
  assert_false (st->ops->check_integrity (st, &err));
  assert_int_equal (err.code, MT_ERR_INTERNAL);
  assert_non_null (strstr (err.message, "member_networks"));

  mt_store_close (st);
  mt_store_backend_destroy (backend);
}

/* While another connection holds the write lock past busy_timeout, writes are UNAVAILABLE. */
static void
busy_database_is_unavailable (void **state)
{
  mt_store_backend_t *backend;
  mt_store_t *st;
  sqlite3 *raw;
  bson_t out;

  backend = mt_store_sqlite_backend_new (env.path, &err);
  st = mt_store_open (backend, &err);
  assert_non_null (st);
  insert_member (st, "mem_before", "Before");

  raw = raw_open (env.path);
  raw_exec (raw, "BEGIN IMMEDIATE");
  mt_error_clear (&err);
  assert_false (st->ops->token_revoke (st, "jti-busy", 1, &err));
  assert_int_equal (err.code, MT_ERR_UNAVAILABLE);
  assert_true (err.retry_after > 0);
  /* Readers are not blocked in WAL mode. */
  OK (st->ops->ping (st, &err));
  OK (st->ops->member_get (st, "mem_before", &out, &err));
  bson_destroy (&out);
  raw_exec (raw, "ROLLBACK");
  sqlite3_close (raw);

  OK (st->ops->token_revoke (st, "jti-busy", 1, &err));
  mt_store_close (st);
  mt_store_backend_destroy (backend);
}

/* A cursor naming a member that does not exist (id-only form) is refused. */
static void
cursor_of_unknown_member_is_refused (void **state)
{
  mt_store_member_query_t query = { .limit = 5 };
  char cursor[MT_STORE_CURSOR_MAX];
  mt_store_backend_t *backend;
  mt_store_page_t page;
  mt_store_t *st;

  backend = mt_store_sqlite_backend_new (env.path, &err);
  st = mt_store_open (backend, &err);
  assert_non_null (st);
  insert_member (st, "mem_a", "A");
  assert_true (mt_sqlite_cursor_encode (NULL, 0, "mem_zz", 6, cursor));
  query.cursor = cursor;
  mt_error_clear (&err);
  assert_false (st->ops->member_list (st, &query, &page, &err));
  assert_int_equal (err.code, MT_ERR_BAD_REQUEST);
  mt_store_page_destroy (&page);

  /* The (name, id) form needs no row. */
  assert_true (mt_sqlite_cursor_encode ("", 0, "mem_0", 5, cursor));
  OK (st->ops->member_list (st, &query, &page, &err));
  assert_int_equal (page.count, 1);
  mt_store_page_destroy (&page);

  mt_store_close (st);
  mt_store_backend_destroy (backend);
}

#define SQLITE_TEST(name, fn)                                                                      \
  {                                                                                                \
    name, fn, setup_fresh, teardown_fresh, NULL                                                    \
  }

int
main (void)
{
  const mt_store_conformance_factory_t factory = {
    .name = "sqlite",
    .create = factory_create,
    .destroy = factory_destroy,
    .user_data = &env,
  };
  const struct CMUnitTest tests[] = {
    SQLITE_TEST ("store/sqlite/pragmas/wal_full_foreign_keys", pragmas_are_set),
    SQLITE_TEST ("store/sqlite/uri/selects_sqlite", store_uri_selects_sqlite),
    SQLITE_TEST ("store/sqlite/open/refuses_unusable_paths", unusable_paths_are_refused),
    SQLITE_TEST ("store/sqlite/migrations/idempotent_and_data_survives_reopen",
                 migrations_are_idempotent_and_data_survives_reopen),
    SQLITE_TEST ("store/sqlite/migrations/refuses_newer_database",
                 database_from_the_future_is_refused),
    SQLITE_TEST ("store/sqlite/open/refuses_foreign_file", foreign_file_is_refused),
    SQLITE_TEST ("store/sqlite/integrity/detects_tampered_version",
                 integrity_detects_tampered_version),
    SQLITE_TEST ("store/sqlite/integrity/detects_bad_blob_and_broken_reference",
                 integrity_detects_bad_blob_and_broken_reference),
    SQLITE_TEST ("store/sqlite/busy/write_is_unavailable", busy_database_is_unavailable),
    SQLITE_TEST ("store/sqlite/cursor/refuses_unknown_member", cursor_of_unknown_member_is_refused),
  };
  int failed;

  snprintf (env.dir, sizeof env.dir, "/tmp/mutua-store-XXXXXX");
  if (!mkdtemp (env.dir)) {
    perror ("mkdtemp");
    return 1;
  }
  mt_log_set_level (MT_LOG_WARN);
  failed = mt_store_conformance_run (&factory);
  failed += cmocka_run_group_tests_name ("store/sqlite/adapter", tests, NULL, NULL);
  if (rmdir (env.dir) != 0) {
    perror ("rmdir");
    failed++;
  }
  return failed;
}
