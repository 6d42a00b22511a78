/*
 * Unit tests of the SQLite adapter of the store port (server/storage/sqlite/): the shared
 * conformance suite with a factory making fresh database files in a temporary directory,
 * then what only SQLite has: PRAGMAs, migrations (1 -> 2 keeps data), refusing unknown files,
 * integrity checks on tampered rows and on a full-text index out of step, durability across
 * reopen, a busy database, foreign keys of photos and calendars, cursors tied to their
 * search, the statement cache of searches, and the search query builder (a pure function:
 * exact outputs, agreement with unicode61, and FTS5 accepting whatever it builds).
 * Migration 3: 2 -> 3 keeps data and fills accounts' calendar token hashes (refusing a hash
 * shared by two accounts), an independent overlap query over the reservations' columns,
 * indexed columns out of step with their documents, cursors tied to their list, bounds of
 * reservation_list, query plans walking indexes, and the reservation statement cache.
 * Units: outside one each write is a commit, inside one the writes are a single commit
 * (counted by the WAL hook) hidden from other handles until then, a failing op inside undoes
 * only itself, unit_abort undoes them all, and a busy database makes unit_begin UNAVAILABLE.
 */
#include "mt_test.h"

#include "store.h"
#include "store_conformance.h"

#include "mt_log.h"

#include "sqlite/store_sqlite_private.h"
#include "store_text.h"

#include <pthread.h>
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
  /* The store's own busy handler waits instead (busy/waits_for_a_brief_lock). */
  assert_int_equal (raw_int (raw, "PRAGMA busy_timeout"), 0);
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
  /* The readiness probe needs the write lock: unavailable too. Readers are not blocked in
   * WAL mode. */
  mt_error_clear (&err);
  assert_false (st->ops->ping (st, &err));
  assert_int_equal (err.code, MT_ERR_UNAVAILABLE);
  OK (st->ops->member_get (st, "mem_before", &out, &err));
  bson_destroy (&out);
  raw_exec (raw, "ROLLBACK");
  sqlite3_close (raw);

  OK (st->ops->token_revoke (st, "jti-busy", 1, &err));
  mt_store_close (st);
  mt_store_backend_destroy (backend);
}

/* Holds the write lock of another connection for 50 ms, then releases it. */
static void *
hold_write_lock_briefly (void *arg)
{
  sqlite3 *raw = arg;

  usleep (50 * 1000);
  raw_exec (raw, "COMMIT");
  return NULL;
}

/* A lock held for a moment by another connection (a commit of the committer or of the
 * dispatcher) is waited for: the write succeeds once it is released, well within the busy
 * timeout. */
static void
busy_waits_for_a_brief_lock (void **state)
{
  mt_store_backend_t *backend;
  mt_store_t *st;
  sqlite3 *raw;
  pthread_t holder;

  backend = mt_store_sqlite_backend_new (env.path, &err);
  st = mt_store_open (backend, &err);
  assert_non_null (st);
  raw = raw_open (env.path);
  raw_exec (raw, "BEGIN IMMEDIATE");
  assert_int_equal (pthread_create (&holder, NULL, hold_write_lock_briefly, raw), 0);
  OK (st->ops->token_revoke (st, "jti-waited", 1, &err));
  pthread_join (holder, NULL);
  sqlite3_close (raw);
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

/* ---- Listings: what only SQLite has ------------------------------------------------------- */

/* A listing document as the listings service writes it (the fields the adapter reads). */
static void
listing_doc (bson_t *doc, const char *id, const char *owner, const char *title, int64_t created_at)
{
  bson_t child;

  bson_init (doc);
  BSON_APPEND_UTF8 (doc, "id", id);
  BSON_APPEND_INT64 (doc, "version", 1);
  BSON_APPEND_UTF8 (doc, "owner_id", owner);
  BSON_APPEND_UTF8 (doc, "kind", "good");
  BSON_APPEND_UTF8 (doc, "title", title);
  BSON_APPEND_UTF8 (doc, "description", "Description de l'objet.");
  BSON_APPEND_UTF8 (doc, "category", "divers");
  BSON_APPEND_ARRAY_BEGIN (doc, "tags", &child);
  BSON_APPEND_UTF8 (&child, "0", "prêt");
  BSON_APPEND_UTF8 (&child, "1", "entraide");
  bson_append_array_end (doc, &child);
  BSON_APPEND_DOCUMENT_BEGIN (doc, "territory", &child);
  BSON_APPEND_UTF8 (&child, "departement", "59");
  bson_append_document_end (doc, &child);
  BSON_APPEND_UTF8 (doc, "visibility", "public");
  BSON_APPEND_UTF8 (doc, "status", "published");
  BSON_APPEND_DATE_TIME (doc, "created_at", created_at);
}

static void
insert_listing (mt_store_t *st, const char *id, const char *owner, const char *title,
                int64_t created_at)
{
  bson_t doc;

  listing_doc (&doc, id, owner, title, created_at);
  OK (st->ops->listing_insert (st, &doc, &err));
  bson_destroy (&doc);
}

/* How many listings @terms find (one page of up to 100), any visibility. */
static uint32_t
count_found (mt_store_t *st, const char *const *terms)
{
  mt_store_listing_query_t query = { .terms = terms, .any_visibility = true, .limit = 100 };
  mt_store_page_t page;
  uint32_t count;

  OK (st->ops->listing_search (st, &query, &page, &err));
  count = page.count;
  mt_store_page_destroy (&page);
  return count;
}

static mt_store_t *
open_store (mt_store_backend_t **backend)
{
  mt_store_t *st;

  *backend = mt_store_sqlite_backend_new (env.path, &err);
  assert_non_null (*backend);
  st = mt_store_open (*backend, &err);
  assert_non_null (st);
  return st;
}

static void
close_store (mt_store_t *st, mt_store_backend_t *backend)
{
  mt_store_close (st);
  mt_store_backend_destroy (backend);
}

/* A database left at migration 1 with data is upgraded and keeps its data. */
static void
migration_1_to_2_keeps_data (void **state)
{
  const char *velo[] = { "velo", NULL };
  const char *nets[] = { "net_one", NULL };
  mt_store_member_query_t members = { .network_id = "net_one", .limit = 10 };
  mt_store_listing_query_t search = { .terms = velo, .visible_networks = nets, .limit = 10 };
  mt_store_backend_t *backend;
  mt_store_page_t page;
  sqlite3_stmt *stmt = NULL;
  bool revoked = false;
  mt_store_t *st;
  sqlite3 *raw = NULL;
  bson_t doc = BSON_INITIALIZER, child, out;
  char sql[128];

  /* The file as a mutuad of migration 1 left it. */
  assert_int_equal (
    sqlite3_open_v2 (env.path, &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL), SQLITE_OK);
  raw_exec (raw, "PRAGMA journal_mode = WAL");
  raw_exec (raw, mt_sqlite_migrations[0].sql);
  snprintf (sql, sizeof sql, "PRAGMA user_version = 1; PRAGMA application_id = %d;",
            MT_SQLITE_APPLICATION_ID);
  raw_exec (raw, sql);
  BSON_APPEND_UTF8 (&doc, "id", "mem_old");
  BSON_APPEND_INT64 (&doc, "version", 3);
  BSON_APPEND_UTF8 (&doc, "name", "Ancienne association");
  BSON_APPEND_UTF8 (&doc, "status", "active");
  BSON_APPEND_ARRAY_BEGIN (&doc, "networks", &child);
  BSON_APPEND_UTF8 (&child, "0", "net_one");
  bson_append_array_end (&doc, &child);
  assert_int_equal (sqlite3_prepare_v2 (raw,
                                        "INSERT INTO members (id, version, status, name, doc)"
                                        " VALUES ('mem_old', 3, 'active', 'Ancienne association',"
                                        " ?1)",
                                        -1, &stmt, NULL),
                    SQLITE_OK);
  sqlite3_bind_blob (stmt, 1, bson_get_data (&doc), (int) doc.len, SQLITE_STATIC);
  assert_int_equal (sqlite3_step (stmt), SQLITE_DONE);
  sqlite3_finalize (stmt);
  raw_exec (raw, "INSERT INTO member_networks VALUES ('net_one', 'mem_old');"
                 "INSERT INTO revoked_tokens VALUES ('jti-old', 99999999)");
  sqlite3_close (raw);

  /* Opening migrates; everything is still there, byte for byte, and listings work. */
  st = open_store (&backend);
  OK (st->ops->member_get (st, "mem_old", &out, &err));
  assert_int_equal (out.len, doc.len);
  assert_memory_equal (bson_get_data (&out), bson_get_data (&doc), doc.len);
  bson_destroy (&out);
  bson_destroy (&doc);
  OK (st->ops->member_list (st, &members, &page, &err));
  assert_int_equal (page.count, 1);
  mt_store_page_destroy (&page);
  OK (st->ops->token_is_revoked (st, "jti-old", &revoked, &err));
  assert_true (revoked);
  OK (st->ops->check_integrity (st, &err));
  /* Visible through the old member's network, found without the accent. */
  insert_listing (st, "lst_new", "mem_old", "Vélo cargo", 1000);
  OK (st->ops->listing_search (st, &search, &page, &err));
  assert_int_equal (page.count, 1);
  mt_store_page_destroy (&page);
  OK (st->ops->check_integrity (st, &err));
  close_store (st, backend);

  raw = raw_open (env.path);
  assert_int_equal (raw_int (raw, "PRAGMA user_version"),
                    mt_sqlite_migrations[mt_sqlite_migration_count - 1].version);
  assert_int_equal (raw_int (raw, "SELECT count(*) FROM sqlite_schema WHERE name IN"
                                  " ('listings', 'listings_fts', 'photos', 'calendars')"),
                    4);
  sqlite3_close (raw);
}

/* The full-text rows follow inserts, updates and deletes, and check_integrity proves it. */
static void
full_text_stays_in_step (void **state)
{
  const char *vieux[] = { "vieux", NULL };
  const char *neuf[] = { "neuf", NULL };
  const char *pret[] = { "pret", NULL };
  mt_store_backend_t *backend;
  mt_store_t *st = open_store (&backend);
  const bson_t *batch[2];
  bson_t doc, docs[2];
  sqlite3 *raw;

  insert_listing (st, "lst_a", "mem_x", "Vieux vélo", 1);
  insert_listing (st, "lst_b", "mem_x", "Vieille tente", 2);
  listing_doc (&docs[0], "lst_c", "mem_x", "Vieux diable", 3);
  listing_doc (&docs[1], "lst_d", "mem_x", "Vieille scie", 4);
  batch[0] = &docs[0], batch[1] = &docs[1];
  OK (st->ops->listing_insert_many (st, batch, 2, &err));
  bson_destroy (&docs[0]);
  bson_destroy (&docs[1]);
  assert_int_equal (count_found (st, vieux), 2);
  assert_int_equal (count_found (st, pret), 4);

  listing_doc (&doc, "lst_a", "mem_x", "Vélo neuf", 1);
  OK (st->ops->listing_update (st, "lst_a", 1, &doc, &err));
  bson_destroy (&doc);
  /* An update that loses its race leaves the text alone. */
  listing_doc (&doc, "lst_c", "mem_x", "Diable neuf", 3);
  mt_error_clear (&err);
  assert_false (st->ops->listing_update (st, "lst_c", 7, &doc, &err));
  bson_destroy (&doc);
  OK (st->ops->listing_delete (st, "lst_b", 1, &err));
  mt_error_clear (&err);
  assert_false (st->ops->listing_delete (st, "lst_d", 2, &err));
  assert_int_equal (count_found (st, vieux), 1);
  assert_int_equal (count_found (st, neuf), 1);
  assert_int_equal (count_found (st, pret), 3);
  OK (st->ops->check_integrity (st, &err));

  raw = raw_open (env.path);
  assert_int_equal (raw_int (raw, "SELECT count(*) FROM listings_fts"), 3);
  assert_int_equal (raw_int (raw, "SELECT count(*) FROM listings_fts WHERE listings_fts MATCH"
                                  " 'title : vieux'"),
                    1);

  /* A full-text row that says something else than its listing. */
  raw_exec (raw, "UPDATE listings_fts SET title = 'Autre chose'"
                 " WHERE rowid = (SELECT seq FROM listings WHERE id = 'lst_c')");
  mt_error_clear (&err);
  assert_false (st->ops->check_integrity (st, &err));
  assert_int_equal (err.code, MT_ERR_INTERNAL);
  assert_non_null (strstr (err.message, "full-text"));
  assert_non_null (strstr (err.message, "lst_c"));
  raw_exec (raw, "UPDATE listings_fts SET title = 'Vieux diable'"
                 " WHERE rowid = (SELECT seq FROM listings WHERE id = 'lst_c')");
  OK (st->ops->check_integrity (st, &err));

  /* A listing without its row; a row without its listing. */
  raw_exec (raw, "DELETE FROM listings_fts WHERE rowid = (SELECT seq FROM listings WHERE id ="
                 " 'lst_d')");
  mt_error_clear (&err);
  assert_false (st->ops->check_integrity (st, &err));
  assert_non_null (strstr (err.message, "lst_d"));
  raw_exec (raw, "INSERT INTO listings_fts (rowid, title, description, tags)"
                 " SELECT seq, 'Vieille scie', 'Description de l''objet.', 'prêt' || char(10)"
                 " || 'entraide' FROM listings WHERE id = 'lst_d'");
  OK (st->ops->check_integrity (st, &err));
  raw_exec (raw, "INSERT INTO listings_fts (rowid, title) VALUES (99999, 'Fantôme')");
  mt_error_clear (&err);
  assert_false (st->ops->check_integrity (st, &err));
  assert_non_null (strstr (err.message, "full-text"));
  raw_exec (raw, "DELETE FROM listings_fts WHERE rowid = 99999");
  OK (st->ops->check_integrity (st, &err));

  /* FTS5's own check: an index that no longer matches its content. */
  raw_exec (raw, "PRAGMA writable_schema = ON;"
                 "DELETE FROM listings_fts_data WHERE id > 10;");
  sqlite3_close (raw);
  mt_error_clear (&err);
  assert_false (st->ops->check_integrity (st, &err));
  assert_int_equal (err.code, MT_ERR_INTERNAL);
  close_store (st, backend);
}

/* Photos and calendars of a listing that does not exist; documents naming another key. */
static void
photos_and_calendars_need_their_listing (void **state)
{
  mt_store_backend_t *backend;
  mt_store_t *st = open_store (&backend);
  const uint8_t byte = 7;
  bson_t meta, cal, out;

  bson_init (&meta);
  BSON_APPEND_UTF8 (&meta, "id", "pho_1");
  BSON_APPEND_UTF8 (&meta, "listing_id", "lst_none");
  mt_error_clear (&err);
  assert_false (st->ops->photo_insert (st, &meta, &byte, 1, &err));
  assert_int_equal (err.code, MT_ERR_NOT_FOUND);
  bson_destroy (&meta);
  bson_init (&meta);
  BSON_APPEND_UTF8 (&meta, "id", "pho_2");
  mt_error_clear (&err);
  assert_false (st->ops->photo_insert (st, &meta, &byte, 1, &err));
  assert_int_equal (err.code, MT_ERR_INTERNAL);
  bson_destroy (&meta);

  bson_init (&cal);
  BSON_APPEND_UTF8 (&cal, "listing_id", "lst_none");
  BSON_APPEND_ARRAY_BEGIN (&cal, "entries", &out);
  bson_append_array_end (&cal, &out);
  mt_error_clear (&err);
  assert_false (st->ops->calendar_put (st, "lst_none", 0, &cal, &err));
  assert_int_equal (err.code, MT_ERR_NOT_FOUND);

  insert_listing (st, "lst_real", "mem_x", "Réel", 1);
  mt_error_clear (&err);
  assert_false (st->ops->calendar_put (st, "lst_real", 0, &cal, &err));
  assert_int_equal (err.code, MT_ERR_INTERNAL);
  assert_non_null (strstr (err.message, "listing_id"));
  bson_destroy (&cal);
  OK (st->ops->calendar_get (st, "lst_real", &out, &err));
  bson_destroy (&out);

  /* A photo of no length is stored as such. */
  bson_init (&meta);
  BSON_APPEND_UTF8 (&meta, "id", "pho_empty");
  BSON_APPEND_UTF8 (&meta, "listing_id", "lst_real");
  OK (st->ops->photo_insert (st, &meta, NULL, 0, &err));
  bson_destroy (&meta);
  {
    uint8_t *data = NULL;
    size_t len = 1;

    OK (st->ops->photo_get (st, "pho_empty", &out, &data, &len, &err));
    assert_non_null (data);
    assert_int_equal (len, 0);
    free (data);
    bson_destroy (&out);
  }
  OK (st->ops->check_integrity (st, &err));
  close_store (st, backend);
}

/* What the adapter needs of a listing: id, owner_id, created_at; fields of the right type. */
static void
listing_fields_are_checked (void **state)
{
  static const char *const removed[] = { "id", "owner_id", "created_at" };
  mt_store_backend_t *backend;
  mt_store_t *st = open_store (&backend);
  bson_t doc, bad;
  size_t i;

  for (i = 0; i < sizeof removed / sizeof removed[0]; i++) {
    listing_doc (&doc, "lst_x", "mem_x", "Titre", 1);
    bson_init (&bad);
    bson_copy_to_excluding_noinit (&doc, &bad, removed[i], NULL);
    mt_error_clear (&err);
    assert_false (st->ops->listing_insert (st, &bad, &err));
    assert_int_equal (err.code, MT_ERR_INTERNAL);
    assert_non_null (strstr (err.message, removed[i]));
    bson_destroy (&bad);
    bson_destroy (&doc);
  }
  /* Wrong types. */
  {
    static const char *const fields[] = { "created_at", "tags", "title", "territory", "status" };

    for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
      bson_t tags;

      listing_doc (&doc, "lst_x", "mem_x", "Titre", 1);
      bson_init (&bad);
      bson_copy_to_excluding_noinit (&doc, &bad, fields[i], NULL);
      if (i == 1) {
        BSON_APPEND_ARRAY_BEGIN (&bad, "tags", &tags);
        BSON_APPEND_INT32 (&tags, "0", 5);
        bson_append_array_end (&bad, &tags);
      } else {
        BSON_APPEND_BOOL (&bad, fields[i], true);
      }
      mt_error_clear (&err);
      assert_false (st->ops->listing_insert (st, &bad, &err));
      assert_int_equal (err.code, MT_ERR_INTERNAL);
      assert_non_null (strstr (err.message, fields[i]));
      bson_destroy (&bad);
      bson_destroy (&doc);
    }
  }
  /* created_at may be an integer of milliseconds; tags and territory may be absent. */
  bson_init (&doc);
  BSON_APPEND_UTF8 (&doc, "id", "lst_min");
  BSON_APPEND_UTF8 (&doc, "owner_id", "mem_x");
  BSON_APPEND_INT64 (&doc, "created_at", 42);
  OK (st->ops->listing_insert (st, &doc, &err));
  bson_destroy (&doc);
  assert_int_equal (count_found (st, NULL), 1);
  OK (st->ops->check_integrity (st, &err));
  close_store (st, backend);
}

/* Cursors of another list, or of another query by relevance, are refused. */
static void
listing_cursors_are_tied_to_their_search (void **state)
{
  const char *tente[] = { "tente", NULL };
  const char *tentes[] = { "tentes", NULL };
  mt_store_listing_query_t q = {
    .terms = tente, .any_visibility = true, .limit = 1, .sort = MT_LISTING_SORT_RELEVANCE
  };
  mt_store_member_query_t members = { .limit = 1 };
  char listing_cursor[MT_STORE_CURSOR_MAX], member_cursor[MT_STORE_CURSOR_MAX];
  mt_store_backend_t *backend;
  mt_store_t *st = open_store (&backend);
  mt_store_page_t page;

  insert_member (st, "mem_a", "A");
  insert_member (st, "mem_b", "B");
  insert_listing (st, "lst_a", "mem_a", "Tentes", 1);
  insert_listing (st, "lst_b", "mem_a", "Tentes", 2);

  OK (st->ops->listing_search (st, &q, &page, &err));
  snprintf (listing_cursor, sizeof listing_cursor, "%s", page.next_cursor);
  mt_store_page_destroy (&page);
  OK (st->ops->member_list (st, &members, &page, &err));
  snprintf (member_cursor, sizeof member_cursor, "%s", page.next_cursor);
  mt_store_page_destroy (&page);
  assert_string_not_equal (listing_cursor, "");
  assert_string_not_equal (member_cursor, "");

  q.cursor = member_cursor;
  mt_error_clear (&err);
  assert_false (st->ops->listing_search (st, &q, &page, &err));
  assert_int_equal (err.code, MT_ERR_BAD_REQUEST);
  mt_store_page_destroy (&page);
  members.cursor = listing_cursor;
  mt_error_clear (&err);
  assert_false (st->ops->member_list (st, &members, &page, &err));
  assert_int_equal (err.code, MT_ERR_BAD_REQUEST);
  mt_store_page_destroy (&page);
  /* Other terms: the scores are of another query. */
  q.cursor = listing_cursor;
  q.terms = tentes;
  mt_error_clear (&err);
  assert_false (st->ops->listing_search (st, &q, &page, &err));
  assert_int_equal (err.code, MT_ERR_BAD_REQUEST);
  mt_store_page_destroy (&page);
  q.terms = tente;
  OK (st->ops->listing_search (st, &q, &page, &err));
  assert_int_equal (page.count, 1);
  assert_string_equal (page.next_cursor, "");
  mt_store_page_destroy (&page);
  close_store (st, backend);
}

/* More query shapes than the statement cache holds: each search is still right. */
static void
search_statement_cache_turns_over (void **state)
{
  const char *statuses[] = { "published", "draft", "paused", "archived", NULL };
  const char *networks[] = { "net_one", "net_two", "net_three", NULL };
  mt_store_backend_t *backend;
  mt_store_t *st = open_store (&backend);
  uint32_t first[64];
  int round, shape;

  insert_member (st, "mem_a", "A");
  insert_listing (st, "lst_1", "mem_a", "Vélo", 1);
  insert_listing (st, "lst_2", "mem_b", "Vélo rouge", 2);
  for (round = 0; round < 2; round++) {
    for (shape = 0; shape < 64; shape++) {
      mt_store_listing_query_t q = { .limit = 5 };
      mt_store_page_t page;

      q.terms = shape & 1 ? (const char *[]){ "velo", NULL } : NULL;
      q.sort = shape & 2 ? MT_LISTING_SORT_RELEVANCE : MT_LISTING_SORT_RECENT;
      q.kind = shape & 4 ? "good" : NULL;
      q.statuses = shape & 8 ? statuses + (shape % 4) : NULL;
      q.visible_networks = shape & 16 ? networks + (shape % 3) : NULL;
      q.own_member_id = shape & 32 ? "mem_b" : NULL;
      q.any_visibility = shape % 5 == 0;
      OK (st->ops->listing_search (st, &q, &page, &err));
      if (round == 0) {
        first[shape] = page.count;
      } else {
        assert_int_equal (page.count, first[shape]);
      }
      mt_store_page_destroy (&page);
    }
  }
  /* Spot checks: everything is public and published. */
  assert_int_equal (first[0], 2);
  assert_int_equal (first[1], 2);
  close_store (st, backend);
}

/* Terms of bytes that are not UTF-8 are searched without an error. */
static void
search_survives_bytes_that_are_not_utf8 (void **state)
{
  const char *terms[] = { "v\xffl\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80velo", NULL };
  const char *one[] = { "v\xe9lo", NULL };
  mt_store_backend_t *backend;
  mt_store_t *st = open_store (&backend);

  insert_listing (st, "lst_1", "mem_a", "Vélo", 1);
  assert_int_equal (count_found (st, terms), 0);
  /* Four bytes above U+10FFFF: separators before "velo", which is found. */
  assert_int_equal (count_found (st, terms + 1), 1);
  /* Latin-1 "vélo": "v" then "lo" as two words of one phrase. */
  assert_int_equal (count_found (st, one), 0);
  close_store (st, backend);
}

/* ---- Migration 3: reservations and records, what only SQLite has -------------------------- */

/* Runs @sql on @db with @doc bound to ?1 as a BSON blob. */
static void
raw_exec_doc (sqlite3 *db, const char *sql, const bson_t *doc)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK) {
    fail_msg ("%s: %s", sql, sqlite3_errmsg (db));
  }
  sqlite3_bind_blob (stmt, 1, bson_get_data (doc), (int) doc->len, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_DONE) {
    fail_msg ("%s: %s", sql, sqlite3_errmsg (db));
  }
  sqlite3_finalize (stmt);
}

static void
old_account_doc (bson_t *doc, const char *id, const char *email_key, const char *hash)
{
  bson_init (doc);
  BSON_APPEND_UTF8 (doc, "id", id);
  BSON_APPEND_INT64 (doc, "version", 2);
  BSON_APPEND_UTF8 (doc, "email_key", email_key);
  BSON_APPEND_UTF8 (doc, "member_id", "mem_old");
  BSON_APPEND_UTF8 (doc, "platform_role", "member");
  BSON_APPEND_UTF8 (doc, "status", "active");
  BSON_APPEND_DATE_TIME (doc, "created_at", 1000);
  if (hash) {
    BSON_APPEND_UTF8 (doc, "calendar_token_hash", hash);
  }
}

/* Writes an account row as a mutuad of migration 2 did (no calendar_token_hash column). */
static void
raw_insert_old_account (sqlite3 *raw, const char *id, const char *email_key, const char *hash)
{
  char sql[256];
  bson_t doc;

  old_account_doc (&doc, id, email_key, hash);
  snprintf (sql, sizeof sql,
            "INSERT INTO accounts (id, version, email_key, member_id, platform_role, status,"
            " created_at, doc) VALUES ('%s', 2, '%s', 'mem_old', 'member', 'active', 1000, ?1)",
            id, email_key);
  raw_exec_doc (raw, sql, &doc);
  bson_destroy (&doc);
}

/* Creates env.path as a mutuad of migration 2 left it: a member, a listing (with its
 * full-text row) and its calendar, and the accounts written by @accounts. */
static void
raw_database_at_migration_2 (void (*accounts) (sqlite3 *raw))
{
  sqlite3 *raw = NULL;
  bson_t doc, entries;
  char sql[128];

  assert_int_equal (
    sqlite3_open_v2 (env.path, &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL), SQLITE_OK);
  raw_exec (raw, "PRAGMA journal_mode = WAL");
  raw_exec (raw, mt_sqlite_migrations[0].sql);
  raw_exec (raw, mt_sqlite_migrations[1].sql);
  snprintf (sql, sizeof sql, "PRAGMA user_version = 2; PRAGMA application_id = %d;",
            MT_SQLITE_APPLICATION_ID);
  raw_exec (raw, sql);

  bson_init (&doc);
  BSON_APPEND_UTF8 (&doc, "id", "mem_old");
  BSON_APPEND_INT64 (&doc, "version", 1);
  BSON_APPEND_UTF8 (&doc, "name", "Ancienne");
  BSON_APPEND_UTF8 (&doc, "status", "active");
  raw_exec_doc (raw,
                "INSERT INTO members (id, version, status, name, doc)"
                " VALUES ('mem_old', 1, 'active', 'Ancienne', ?1)",
                &doc);
  bson_destroy (&doc);

  listing_doc (&doc, "lst_old", "mem_old", "Vélo ancien", 1000);
  raw_exec_doc (raw,
                "INSERT INTO listings (id, version, owner_id, kind, category, status, visibility,"
                " departement, created_at, doc) VALUES ('lst_old', 1, 'mem_old', 'good', 'divers',"
                " 'published', 'public', '59', 1000, ?1)",
                &doc);
  bson_destroy (&doc);
  raw_exec (raw, "INSERT INTO listings_fts (rowid, title, description, tags)"
                 " SELECT seq, 'Vélo ancien', 'Description de l''objet.', 'prêt' || char(10)"
                 " || 'entraide' FROM listings WHERE id = 'lst_old'");

  bson_init (&doc);
  BSON_APPEND_UTF8 (&doc, "listing_id", "lst_old");
  BSON_APPEND_INT64 (&doc, "version", 1);
  BSON_APPEND_ARRAY_BEGIN (&doc, "entries", &entries);
  bson_append_array_end (&doc, &entries);
  raw_exec_doc (raw, "INSERT INTO calendars (listing_id, version, doc) VALUES ('lst_old', 1, ?1)",
                &doc);
  bson_destroy (&doc);

  accounts (raw);
  sqlite3_close (raw);
}

static void
two_old_accounts (sqlite3 *raw)
{
  raw_insert_old_account (raw, "acc_old", "old@example.org", "hash-old");
  raw_insert_old_account (raw, "acc_plain", "plain@example.org", NULL);
}

static void
two_old_accounts_with_one_hash (sqlite3 *raw)
{
  raw_insert_old_account (raw, "acc_one", "one@example.org", "hash-same");
  raw_insert_old_account (raw, "acc_two", "two@example.org", "hash-same");
}

/* A database left at migration 2 with data is upgraded to 3 and keeps its data; accounts'
 * calendar token hashes are filled from their documents. */
static void
migration_2_to_3_keeps_data (void **state)
{
  const char *velo[] = { "velo", NULL };
  mt_store_listing_query_t search = { .terms = velo, .any_visibility = true, .limit = 10 };
  mt_store_reservation_query_t mine = { .listing_id = "lst_old", .limit = 10 };
  mt_store_backend_t *backend;
  mt_store_page_t page;
  mt_store_t *st;
  sqlite3 *raw;
  bson_t expected, out, res, changed;
  int64_t count = -1;

  raw_database_at_migration_2 (two_old_accounts);

  st = open_store (&backend);
  old_account_doc (&expected, "acc_old", "old@example.org", "hash-old");
  OK (st->ops->account_get (st, "acc_old", &out, &err));
  assert_int_equal (out.len, expected.len);
  assert_memory_equal (bson_get_data (&out), bson_get_data (&expected), expected.len);
  bson_destroy (&out);
  OK (st->ops->account_find_by_calendar_token (st, "hash-old", &out, &err));
  assert_int_equal (out.len, expected.len);
  bson_destroy (&out);
  mt_error_clear (&err);
  assert_false (st->ops->account_find_by_calendar_token (st, "hash-none", &out, &err));
  assert_int_equal (err.code, MT_ERR_NOT_FOUND);
  bson_destroy (&out);
  OK (st->ops->account_find_by_email (st, "plain@example.org", &out, &err));
  bson_destroy (&out);
  OK (st->ops->check_integrity (st, &err));

  /* Listings, calendars and search still work; the new ops work beside them. */
  OK (st->ops->listing_search (st, &search, &page, &err));
  assert_int_equal (page.count, 1);
  mt_store_page_destroy (&page);
  OK (st->ops->calendar_list (st, NULL, 10, &page, &err));
  assert_int_equal (page.count, 1);
  mt_store_page_destroy (&page);
  bson_init (&res);
  BSON_APPEND_UTF8 (&res, "id", "res_new");
  BSON_APPEND_UTF8 (&res, "listing_id", "lst_old");
  BSON_APPEND_UTF8 (&res, "status", "requested");
  BSON_APPEND_DATE_TIME (&res, "start", 5000);
  BSON_APPEND_DATE_TIME (&res, "end", 6000);
  BSON_APPEND_INT32 (&res, "units", 1);
  BSON_APPEND_DATE_TIME (&res, "created_at", 2000);
  OK (st->ops->reservation_insert (st, &res, &err));
  bson_destroy (&res);
  OK (st->ops->reservation_list (st, &mine, &page, &err));
  assert_int_equal (page.count, 1);
  mt_store_page_destroy (&page);
  OK (st->ops->reservation_count (st, "lst_old", &count, &err));
  assert_int_equal (count, 1);

  /* Revoking the old feed frees its hash. */
  bson_init (&changed);
  bson_copy_to_excluding_noinit (&expected, &changed, "calendar_token_hash", NULL);
  OK (st->ops->account_update (st, "acc_old", 2, &changed, &err));
  bson_destroy (&changed);
  mt_error_clear (&err);
  assert_false (st->ops->account_find_by_calendar_token (st, "hash-old", &out, &err));
  assert_int_equal (err.code, MT_ERR_NOT_FOUND);
  bson_destroy (&out);
  bson_destroy (&expected);
  OK (st->ops->check_integrity (st, &err));
  close_store (st, backend);

  raw = raw_open (env.path);
  assert_int_equal (raw_int (raw, "PRAGMA user_version"),
                    mt_sqlite_migrations[mt_sqlite_migration_count - 1].version);
  assert_int_equal (raw_int (raw, "SELECT count(*) FROM sqlite_schema WHERE name IN"
                                  " ('reservations', 'idempotency', 'messages', 'audit',"
                                  " 'notifications', 'accounts_by_calendar_token')"),
                    6);
  sqlite3_close (raw);
}

/* Two old accounts with the same hash cannot be migrated: nothing changes, the file stays at
 * migration 2 and the error says why. */
static void
migration_3_refuses_a_shared_calendar_token (void **state)
{
  sqlite3 *raw;

  raw_database_at_migration_2 (two_old_accounts_with_one_hash);
  mt_error_clear (&err);
  assert_null (mt_store_sqlite_backend_new (env.path, &err));
  assert_int_equal (err.code, MT_ERR_DUPLICATE);

  raw = raw_open (env.path);
  assert_int_equal (raw_int (raw, "PRAGMA user_version"), 2);
  assert_int_equal (raw_int (raw, "SELECT count(*) FROM sqlite_schema WHERE name ="
                                  " 'reservations'"),
                    0);
  /* Fixed by hand, the migration goes through. */
  raw_exec (raw, "DELETE FROM accounts WHERE id = 'acc_two'");
  sqlite3_close (raw);
  {
    mt_store_backend_t *backend;
    mt_store_t *st = open_store (&backend);
    bson_t out;

    OK (st->ops->account_find_by_calendar_token (st, "hash-same", &out, &err));
    bson_destroy (&out);
    OK (st->ops->check_integrity (st, &err));
    close_store (st, backend);
  }
}

/* A reservation document as the reservations service writes it (the fields the adapter reads). */
static void
reservation_doc (bson_t *doc, const char *id, const char *listing, const char *status,
                 int64_t start, int64_t end, int32_t units, int64_t created_at)
{
  bson_init (doc);
  BSON_APPEND_UTF8 (doc, "id", id);
  BSON_APPEND_INT64 (doc, "version", 1);
  BSON_APPEND_UTF8 (doc, "listing_id", listing);
  BSON_APPEND_UTF8 (doc, "borrower_member_id", "mem_b");
  BSON_APPEND_UTF8 (doc, "owner_member_id", "mem_o");
  BSON_APPEND_UTF8 (doc, "status", status);
  BSON_APPEND_DATE_TIME (doc, "start", start);
  BSON_APPEND_DATE_TIME (doc, "end", end);
  BSON_APPEND_INT32 (doc, "units", units);
  BSON_APPEND_DATE_TIME (doc, "created_at", created_at);
}

static void
insert_reservation (mt_store_t *st, const char *id, const char *listing, const char *status,
                    int64_t start, int64_t end, int32_t units, int64_t created_at)
{
  bson_t doc;

  reservation_doc (&doc, id, listing, status, start, end, units, created_at);
  OK (st->ops->reservation_insert (st, &doc, &err));
  bson_destroy (&doc);
}

/*
 * An example of independent SQL over the columns of reservations (see migration 3): the
 * blocking reservations of a listing whose period starts at an instant where the blocking
 * reservations, [start_ms, end_ms) half-open, hold more than @capacity units. The peak of a
 * sum of half-open periods is always reached at the start of one of them, so no row means
 * no instant over capacity.
 */
static const char overlap_sql[] =
  "SELECT a.id, sum (b.units) AS used"
  " FROM reservations AS a JOIN reservations AS b"
  "   ON b.listing_id = a.listing_id"
  "  AND b.status IN ('requested', 'approved', 'checked_out')"
  "  AND b.start_ms <= a.start_ms AND a.start_ms < b.end_ms"
  " WHERE a.listing_id = ?1 AND a.status IN ('requested', 'approved', 'checked_out')"
  " GROUP BY a.id HAVING used > ?2 ORDER BY a.id";

/* The reservations of @listing starting over @capacity, joined by "|" into @out. */
static void
over_capacity (sqlite3 *db, const char *listing, int64_t capacity, char *out, size_t size)
{
  sqlite3_stmt *stmt = NULL;
  size_t used = 0;

  out[0] = '\0';
  assert_int_equal (sqlite3_prepare_v2 (db, overlap_sql, -1, &stmt, NULL), SQLITE_OK);
  sqlite3_bind_text (stmt, 1, listing, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, capacity);
  while (sqlite3_step (stmt) == SQLITE_ROW) {
    used += (size_t) snprintf (out + used, size - used, "%s%s=%lld", used ? "|" : "",
                               (const char *) sqlite3_column_text (stmt, 0),
                               (long long) sqlite3_column_int64 (stmt, 1));
    assert_true (used < size);
  }
  sqlite3_finalize (stmt);
}

static void
reservations_columns_answer_an_overlap_query (void **state)
{
  mt_store_backend_t *backend;
  mt_store_t *st = open_store (&backend);
  char found[256];
  sqlite3 *raw;
  bson_t doc;

  /* Capacity 2: [0,10) 1, [5,15) 1, back to back [10,20) 1, and what does not block. */
  insert_reservation (st, "res_a", "lst_1", "approved", 0, 10, 1, 1);
  insert_reservation (st, "res_b", "lst_1", "checked_out", 5, 15, 1, 2);
  insert_reservation (st, "res_c", "lst_1", "requested", 10, 20, 1, 3);
  insert_reservation (st, "res_d", "lst_1", "cancelled", 0, 100, 5, 4);
  insert_reservation (st, "res_e", "lst_1", "returned", 0, 100, 5, 5);
  insert_reservation (st, "res_f", "lst_2", "approved", 0, 100, 5, 6);

  raw = raw_open (env.path);
  over_capacity (raw, "lst_1", 2, found, sizeof found);
  assert_string_equal (found, "");
  over_capacity (raw, "lst_1", 1, found, sizeof found);
  assert_string_equal (found, "res_b=2|res_c=2");

  /* [12,14) 1 unit: three at once from 12 on. */
  insert_reservation (st, "res_g", "lst_1", "requested", 12, 14, 1, 7);
  over_capacity (raw, "lst_1", 2, found, sizeof found);
  assert_string_equal (found, "res_g=3");

  /* Declined, it no longer blocks: the columns follow the update. */
  reservation_doc (&doc, "res_g", "lst_1", "declined", 12, 14, 1, 7);
  OK (st->ops->reservation_update (st, "res_g", 1, &doc, &err));
  bson_destroy (&doc);
  over_capacity (raw, "lst_1", 2, found, sizeof found);
  assert_string_equal (found, "");
  /* Moved to [0,3) with 2 units: 3 at instant 0 with res_a. */
  reservation_doc (&doc, "res_g", "lst_1", "approved", 0, 3, 2, 7);
  OK (st->ops->reservation_update (st, "res_g", 2, &doc, &err));
  bson_destroy (&doc);
  over_capacity (raw, "lst_1", 2, found, sizeof found);
  assert_string_equal (found, "res_a=3|res_g=3");
  sqlite3_close (raw);
  close_store (st, backend);
}

/* Columns that say something else than their document are found by check_integrity. */
static void
integrity_detects_columns_out_of_step (void **state)
{
  static const struct {
    const char *tamper;
    const char *restore;
    const char *id;
  } cases[] = {
    { "UPDATE reservations SET start_ms = start_ms + 1", "UPDATE reservations SET start_ms = 100",
      "res_1" },
    { "UPDATE reservations SET units = NULL", "UPDATE reservations SET units = 2", "res_1" },
    { "UPDATE reservations SET expires_at_ms = 5", "UPDATE reservations SET expires_at_ms = NULL",
      "res_1" },
    { "UPDATE reservations SET status = 'approved'", "UPDATE reservations SET status = 'requested'",
      "res_1" },
    { "UPDATE accounts SET calendar_token_hash = 'other'",
      "UPDATE accounts SET calendar_token_hash = 'hash-1'", "acc_1" },
    { "UPDATE accounts SET calendar_token_hash = NULL",
      "UPDATE accounts SET calendar_token_hash = 'hash-1'", "acc_1" },
    { "UPDATE messages SET reservation_id = 'res_2'",
      "UPDATE messages SET reservation_id = 'res_1'", "msg_1" },
    { "UPDATE audit SET at_ms = 1", "UPDATE audit SET at_ms = 50", "aud_1" },
    { "UPDATE notifications SET account_id = 'acc_2'",
      "UPDATE notifications SET account_id = 'acc_1'", "ntf_1" },
    { "UPDATE idempotency SET created_at_ms = 0", "UPDATE idempotency SET created_at_ms = 70",
      "k_1" },
    { "UPDATE listings SET status = 'draft'", "UPDATE listings SET status = 'published'", "lst_1" },
    { "UPDATE members SET status = 'deleted'", "UPDATE members SET status = 'active'", "mem_1" },
  };
  mt_store_backend_t *backend;
  mt_store_t *st = open_store (&backend);
  bson_t doc;
  sqlite3 *raw;
  size_t i;

  insert_member (st, "mem_1", "Un");
  insert_listing (st, "lst_1", "mem_1", "Vélo", 1);
  insert_reservation (st, "res_1", "lst_1", "requested", 100, 200, 2, 10);
  bson_init (&doc);
  BSON_APPEND_UTF8 (&doc, "id", "acc_1");
  BSON_APPEND_UTF8 (&doc, "email_key", "a@example.org");
  BSON_APPEND_UTF8 (&doc, "calendar_token_hash", "hash-1");
  OK (st->ops->account_insert (st, &doc, &err));
  bson_destroy (&doc);
  bson_init (&doc);
  BSON_APPEND_UTF8 (&doc, "id", "msg_1");
  BSON_APPEND_UTF8 (&doc, "reservation_id", "res_1");
  BSON_APPEND_DATE_TIME (&doc, "created_at", 30);
  OK (st->ops->message_insert (st, &doc, &err));
  bson_destroy (&doc);
  bson_init (&doc);
  BSON_APPEND_UTF8 (&doc, "id", "aud_1");
  BSON_APPEND_DATE_TIME (&doc, "at", 50);
  BSON_APPEND_UTF8 (&doc, "entity_id", "res_1");
  OK (st->ops->audit_insert (st, &doc, &err));
  bson_destroy (&doc);
  bson_init (&doc);
  BSON_APPEND_UTF8 (&doc, "id", "ntf_1");
  BSON_APPEND_UTF8 (&doc, "account_id", "acc_1");
  BSON_APPEND_DATE_TIME (&doc, "created_at", 60);
  OK (st->ops->notification_insert (st, &doc, &err));
  bson_destroy (&doc);
  bson_init (&doc);
  BSON_APPEND_UTF8 (&doc, "id", "k_1");
  BSON_APPEND_DATE_TIME (&doc, "created_at", 70);
  OK (st->ops->idempotency_insert (st, &doc, &err));
  bson_destroy (&doc);
  OK (st->ops->check_integrity (st, &err));

  raw = raw_open (env.path);
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    raw_exec (raw, cases[i].tamper);
    mt_error_clear (&err);
    if (st->ops->check_integrity (st, &err)) {
      fail_msg ("check_integrity missed: %s", cases[i].tamper);
    }
    assert_int_equal (err.code, MT_ERR_INTERNAL);
    assert_non_null (strstr (err.message, "out of step"));
    assert_non_null (strstr (err.message, cases[i].id));
    raw_exec (raw, cases[i].restore);
    OK (st->ops->check_integrity (st, &err));
  }

  /* A stored document whose field has the wrong type: named in the error. */
  reservation_doc (&doc, "res_1", "lst_1", "requested", 100, 200, 2, 10);
  {
    bson_t bad = BSON_INITIALIZER;

    bson_copy_to_excluding_noinit (&doc, &bad, "end", NULL);
    BSON_APPEND_UTF8 (&bad, "end", "tomorrow");
    raw_exec_doc (raw, "UPDATE reservations SET doc = ?1 WHERE id = 'res_1'", &bad);
    bson_destroy (&bad);
  }
  bson_destroy (&doc);
  mt_error_clear (&err);
  assert_false (st->ops->check_integrity (st, &err));
  assert_non_null (strstr (err.message, "res_1"));
  assert_non_null (strstr (err.message, "end"));
  sqlite3_close (raw);
  close_store (st, backend);
}

/* A cursor of one list is refused by every other list, and so are forged ones. */
static void
record_cursors_are_tied_to_their_list (void **state)
{
  mt_store_reservation_query_t rq = { .limit = 1 };
  mt_store_member_query_t members = { .limit = 1 };
  mt_sqlite_row_key_t key = { .at = 5, .id = "lst_1", .id_len = 5 };
  char cursors[5][MT_STORE_CURSOR_MAX], forged[MT_STORE_CURSOR_MAX];
  mt_store_backend_t *backend;
  mt_store_t *st = open_store (&backend);
  mt_store_page_t page;
  bson_t doc;
  int i, j;

  for (i = 0; i < 2; i++) {
    char id[16];

    snprintf (id, sizeof id, "res_%d", i);
    insert_reservation (st, id, "lst_1", "requested", 1, 2, 1, 10 + i);
    snprintf (id, sizeof id, "lst_%d", i);
    insert_listing (st, id, "mem_x", "Vélo", 1 + i);
    bson_init (&doc);
    BSON_APPEND_UTF8 (&doc, "listing_id", id);
    OK (st->ops->calendar_put (st, id, 0, &doc, &err));
    bson_destroy (&doc);
    bson_init (&doc);
    snprintf (id, sizeof id, "rec_%d", i);
    BSON_APPEND_UTF8 (&doc, "id", id);
    BSON_APPEND_UTF8 (&doc, "reservation_id", "res_0");
    BSON_APPEND_UTF8 (&doc, "entity_id", "res_0");
    BSON_APPEND_UTF8 (&doc, "account_id", "acc_0");
    BSON_APPEND_DATE_TIME (&doc, "created_at", 100 + i);
    BSON_APPEND_DATE_TIME (&doc, "at", 100 + i);
    OK (st->ops->message_insert (st, &doc, &err));
    OK (st->ops->audit_insert (st, &doc, &err));
    OK (st->ops->notification_insert (st, &doc, &err));
    bson_destroy (&doc);
  }
  /* One real cursor of each list. */
  OK (st->ops->reservation_list (st, &rq, &page, &err));
  snprintf (cursors[0], sizeof cursors[0], "%s", page.next_cursor);
  mt_store_page_destroy (&page);
  OK (st->ops->message_list (st, "res_0", NULL, 1, &page, &err));
  snprintf (cursors[1], sizeof cursors[1], "%s", page.next_cursor);
  mt_store_page_destroy (&page);
  OK (st->ops->audit_list (st, "res_0", NULL, 1, &page, &err));
  snprintf (cursors[2], sizeof cursors[2], "%s", page.next_cursor);
  mt_store_page_destroy (&page);
  OK (st->ops->notification_list (st, "acc_0", NULL, 1, &page, &err));
  snprintf (cursors[3], sizeof cursors[3], "%s", page.next_cursor);
  mt_store_page_destroy (&page);
  OK (st->ops->calendar_list (st, NULL, 1, &page, &err));
  snprintf (cursors[4], sizeof cursors[4], "%s", page.next_cursor);
  mt_store_page_destroy (&page);

  for (i = 0; i < 5; i++) {
    assert_true (cursors[i][0] != '\0');
    for (j = 0; j < 5; j++) {
      bool ok;

      mt_error_clear (&err);
      rq.cursor = cursors[i];
      switch (j) {
      case 0:
        ok = st->ops->reservation_list (st, &rq, &page, &err);
        break;
      case 1:
        ok = st->ops->message_list (st, "res_0", cursors[i], 1, &page, &err);
        break;
      case 2:
        ok = st->ops->audit_list (st, "res_0", cursors[i], 1, &page, &err);
        break;
      case 3:
        ok = st->ops->notification_list (st, "acc_0", cursors[i], 1, &page, &err);
        break;
      default:
        ok = st->ops->calendar_list (st, cursors[i], 1, &page, &err);
        break;
      }
      if (ok != (i == j)) {
        fail_msg ("cursor of list %d given to list %d: %s", i, j, ok ? "accepted" : err.message);
      }
      if (i == j) {
        assert_int_equal (page.count, 1);
        assert_string_equal (page.next_cursor, "");
      } else {
        assert_int_equal (err.code, MT_ERR_BAD_REQUEST);
      }
      mt_store_page_destroy (&page);
    }
    /* Nor does member_list take them, nor listing_search. */
    members.cursor = cursors[i];
    mt_error_clear (&err);
    assert_false (st->ops->member_list (st, &members, &page, &err));
    assert_int_equal (err.code, MT_ERR_BAD_REQUEST);
    mt_store_page_destroy (&page);
  }
  /* A calendar cursor carries no time. */
  assert_true (mt_sqlite_row_cursor_encode (MT_SQLITE_LIST_CALENDARS, &key, forged));
  mt_error_clear (&err);
  assert_false (st->ops->calendar_list (st, forged, 1, &page, &err));
  assert_int_equal (err.code, MT_ERR_BAD_REQUEST);
  mt_store_page_destroy (&page);
  close_store (st, backend);
}

/* Bounds of reservation_list this adapter sets: 16 statuses, known due fields. */
static void
reservation_list_bounds (void **state)
{
  const char *statuses[18];
  mt_store_reservation_query_t q = { .statuses = statuses, .limit = 10 };
  mt_store_backend_t *backend;
  mt_store_t *st = open_store (&backend);
  mt_store_page_t page;
  int i;

  insert_reservation (st, "res_1", "lst_1", "s15", 1, 2, 1, 10);
  for (i = 0; i < 17; i++) {
    statuses[i] = i == 15 ? "s15" : "other";
  }
  statuses[16] = NULL;
  OK (st->ops->reservation_list (st, &q, &page, &err));
  assert_int_equal (page.count, 1);
  mt_store_page_destroy (&page);
  statuses[16] = "other";
  statuses[17] = NULL;
  mt_error_clear (&err);
  assert_false (st->ops->reservation_list (st, &q, &page, &err));
  assert_int_equal (err.code, MT_ERR_BAD_REQUEST);
  mt_store_page_destroy (&page);

  q.statuses = NULL;
  q.due = (mt_reservation_due_t) 99;
  mt_error_clear (&err);
  assert_false (st->ops->reservation_list (st, &q, &page, &err));
  assert_int_equal (err.code, MT_ERR_BAD_REQUEST);
  mt_store_page_destroy (&page);
  close_store (st, backend);
}

/* Each line of EXPLAIN QUERY PLAN of @sql, joined by "; ", into @out. */
static void
query_plan (sqlite3 *db, const char *sql, char *out, size_t size)
{
  sqlite3_stmt *stmt = NULL;
  char explain[2048];
  size_t used = 0;

  snprintf (explain, sizeof explain, "EXPLAIN QUERY PLAN %s", sql);
  out[0] = '\0';
  assert_int_equal (sqlite3_prepare_v2 (db, explain, -1, &stmt, NULL), SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW) {
    used += (size_t) snprintf (out + used, size - used, "%s%s", used ? "; " : "",
                               (const char *) sqlite3_column_text (stmt, 3));
    assert_true (used < size);
  }
  sqlite3_finalize (stmt);
}

/*
 * Every list of migration 3 walks an index: a filter on a member, a listing or statuses
 * searches one (no full scan), and each one-owner list of records is read in its order from
 * its index, without sorting.
 */
static void
lists_walk_their_indexes (void **state)
{
  const char *one[] = { "requested", NULL };
  const char *two[] = { "requested", "approved", NULL };
  const struct {
    mt_store_reservation_query_t q;
    bool search; /* an equality filter: SEARCH, not SCAN */
    bool sorted; /* read in order from the index: no temporary B-tree */
  } shapes[] = {
    { { .limit = 5 }, false, true },
    { { .listing_id = "lst_1", .limit = 5 }, true, true },
    { { .borrower_member_id = "mem_b", .limit = 5 }, true, true },
    { { .owner_member_id = "mem_o", .limit = 5 }, true, true },
    { { .statuses = one, .limit = 5 }, true, true },
    { { .statuses = two, .limit = 5 }, true, false },
    { { .statuses = one, .due = MT_RESERVATION_DUE_EXPIRES, .due_before = 9, .limit = 5 },
      true,
      false },
    { { .statuses = two, .due = MT_RESERVATION_DUE_END, .due_before = 9, .limit = 5 },
      true,
      false },
    { { .due = MT_RESERVATION_DUE_CREATED, .due_before = 9, .limit = 5 }, false, true },
    { { .listing_id = "lst_1", .statuses = two, .limit = 5 }, true, false },
  };
  static const mt_sql_id_t records[] = {
    MT_SQL_MESSAGE_LIST,      MT_SQL_MESSAGE_LIST_AFTER,      MT_SQL_AUDIT_LIST,
    MT_SQL_AUDIT_LIST_AFTER,  MT_SQL_AUDIT_LIST_ENTITY,       MT_SQL_AUDIT_LIST_ENTITY_AFTER,
    MT_SQL_NOTIFICATION_LIST, MT_SQL_NOTIFICATION_LIST_AFTER, MT_SQL_CALENDAR_LIST_AFTER,
    MT_SQL_RESERVATION_COUNT, MT_SQL_IDEMPOTENCY_PURGE,
  };
  mt_store_backend_t *backend;
  mt_store_t *st = open_store (&backend);
  mt_sqlite_store_t *sq = mt_sqlite_store (st);
  mt_store_page_t page;
  sqlite3_stmt *stmt;
  char plan[2048], cursor[MT_STORE_CURSOR_MAX];
  size_t i, k;

  insert_reservation (st, "res_1", "lst_1", "requested", 1, 2, 1, 10);
  insert_reservation (st, "res_2", "lst_1", "requested", 1, 2, 1, 11);
  for (i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
    for (k = 0; k < 2; k++) {
      mt_store_reservation_query_t q = shapes[i].q;

      mt_sqlite_shape_finalize (&sq->reservations);
      q.limit = 1;
      q.cursor = NULL;
      if (k == 1) {
        /* The page after a cursor. */
        OK (st->ops->reservation_list (st, &q, &page, &err));
        snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
        mt_store_page_destroy (&page);
        mt_sqlite_shape_finalize (&sq->reservations);
        q.cursor = cursor[0] ? cursor : NULL;
      }
      OK (st->ops->reservation_list (st, &q, &page, &err));
      mt_store_page_destroy (&page);
      stmt = sq->reservations.slots[0].stmt;
      assert_non_null (stmt);
      query_plan (sq->db, sqlite3_sql (stmt), plan, sizeof plan);
      if (!strstr (plan, "INDEX") || (shapes[i].search && strstr (plan, "SCAN")) ||
          (shapes[i].sorted && strstr (plan, "TEMP B-TREE"))) {
        fail_msg ("shape %zu (cursor %zu): plan \"%s\" of \"%s\"", i, k, plan, sqlite3_sql (stmt));
      }
    }
  }
  for (i = 0; i < sizeof records / sizeof records[0]; i++) {
    OK (mt_sqlite_stmt (sq, records[i], &stmt, &err));
    query_plan (sq->db, sqlite3_sql (stmt), plan, sizeof plan);
    mt_sqlite_release (stmt);
    if ((!strstr (plan, "INDEX") && !strstr (plan, "PRIMARY KEY")) ||
        strstr (plan, "TEMP B-TREE")) {
      fail_msg ("records %zu: plan \"%s\" of \"%s\"", i, plan, sqlite3_sql (stmt));
    }
  }
  close_store (st, backend);
}

/* More reservation query shapes than the statement cache holds: each list is still right. */
static void
reservation_statement_cache_turns_over (void **state)
{
  const char *statuses[] = { "requested", "approved", "checked_out", "returned", NULL };
  mt_store_backend_t *backend;
  mt_store_t *st = open_store (&backend);
  uint32_t first[64];
  int round, shape;

  insert_reservation (st, "res_1", "lst_1", "requested", 10, 20, 1, 1);
  insert_reservation (st, "res_2", "lst_2", "approved", 20, 30, 1, 2);
  for (round = 0; round < 2; round++) {
    for (shape = 0; shape < 64; shape++) {
      mt_store_reservation_query_t q = { .limit = 5 };
      mt_store_page_t page;

      q.listing_id = shape & 1 ? "lst_1" : NULL;
      q.owner_member_id = shape & 2 ? "mem_o" : NULL;
      q.statuses = shape & 4 ? statuses + (shape % 4) : NULL;
      q.due = (mt_reservation_due_t) ((shape >> 3) % 6);
      q.due_before = 15;
      OK (st->ops->reservation_list (st, &q, &page, &err));
      if (round == 0) {
        first[shape] = page.count;
      } else {
        assert_int_equal (page.count, first[shape]);
      }
      mt_store_page_destroy (&page);
    }
  }
  /* Spot checks. */
  assert_int_equal (first[0], 2);
  assert_int_equal (first[1], 1);
  assert_int_equal (first[8], 0);  /* expires_at: none has one */
  assert_int_equal (first[16], 1); /* start <= 15 */
  close_store (st, backend);
}

/* ---- The search query builder (a pure function) ------------------------------------------- */

/* Asserts that @terms build @expected and keep @kept terms. */
static void
builds (const char *const *terms, const char *expected, size_t kept)
{
  char out[MT_SQLITE_FTS_QUERY_MAX];
  size_t n = mt_sqlite_fts_query (terms, out);

  assert_string_equal (out, expected);
  assert_int_equal (n, kept);
}

static void
query_builder_quotes_every_term (void **state)
{
  char long_term[1001], expected[256], edge[160], many_out[MT_SQLITE_FTS_QUERY_MAX];
  const char *many[41];
  size_t i;

  builds (NULL, "", 0);
  builds ((const char *[]){ NULL }, "", 0);
  builds ((const char *[]){ "velo", NULL }, "\"velo\"*", 1);
  builds ((const char *[]){ "Vélo", "cargo", NULL }, "\"Vélo\"* \"cargo\"*", 2);
  /* Quotes are doubled; nothing else is special inside a phrase. */
  builds ((const char *[]){ "say\"hi", NULL }, "\"say\"\"hi\"*", 1);
  builds ((const char *[]){ "\"velo\"", NULL }, "\"\"\"velo\"\"\"*", 1);
  builds ((const char *[]){ "NEAR(a", "b)", "OR", NULL }, "\"NEAR(a\"* \"b)\"* \"OR\"*", 3);
  builds ((const char *[]){ "title:x", "-y", "^z", "w*", NULL },
          "\"title:x\"* \"-y\"* \"^z\"* \"w*\"*", 4);
  builds ((const char *[]){ "'; DROP TABLE listings; --", NULL }, "\"'; DROP TABLE listings; --\"*",
          1);
  /* Terms without a letter or digit are ignored. */
  builds ((const char *[]){ "-", "*", "\"", "()", "", "   ", "🚲", "«»", "…", "€", NULL }, "", 0);
  builds ((const char *[]){ "🚲", "velo", "\"\"", NULL }, "\"velo\"*", 1);
  builds ((const char *[]){ "vélo🚲", NULL }, "\"vélo🚲\"*", 1);
  builds ((const char *[]){ "自行车", "٣", "²", NULL }, "\"自行车\"* \"٣\"* \"²\"*", 3);
  /* Control characters and bytes that are not UTF-8 become spaces. */
  builds ((const char *[]){ "ab\xff"
                            "cd",
                            NULL },
          "\"ab cd\"*", 1);
  builds ((const char *[]){ "a\x01"
                            "b",
                            "c\td", NULL },
          "\"a b\"* \"c d\"*", 2);
  builds ((const char *[]){ "\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", NULL }, "", 0);
  builds ((const char *[]){ "\xc3"
                            "a",
                            NULL },
          "\" a\"*", 1);

  /* Long terms are cut at MT_SQLITE_FTS_TERM_BYTES, at a character boundary. */
  memset (long_term, 'a', sizeof long_term - 1);
  long_term[sizeof long_term - 1] = '\0';
  snprintf (expected, sizeof expected, "\"%.*s\"*", MT_SQLITE_FTS_TERM_BYTES, long_term);
  builds ((const char *[]){ long_term, NULL }, expected, 1);
  snprintf (edge, sizeof edge, "%.*sé", MT_SQLITE_FTS_TERM_BYTES - 1, long_term);
  snprintf (expected, sizeof expected, "\"%.*s\"*", MT_SQLITE_FTS_TERM_BYTES - 1, long_term);
  builds ((const char *[]){ edge, NULL }, expected, 1);
  snprintf (edge, sizeof edge, "%.*sé", MT_SQLITE_FTS_TERM_BYTES - 2, long_term);
  snprintf (expected, sizeof expected, "\"%s\"*", edge);
  builds ((const char *[]){ edge, NULL }, expected, 1);

  /* At most MT_SQLITE_FTS_TERMS_MAX terms are kept. */
  for (i = 0; i < 40; i++) {
    many[i] = i % 2 ? "t" : "?";
  }
  many[40] = NULL;
  assert_int_equal (mt_sqlite_fts_query (many, many_out), 20);
  for (i = 0; i < 40; i++) {
    many[i] = "t";
  }
  assert_int_equal (mt_sqlite_fts_query (many, many_out), MT_SQLITE_FTS_TERMS_MAX);
  assert_int_equal (strlen (many_out), MT_SQLITE_FTS_TERMS_MAX * 5 - 1);

  /* The longest expression fits: every term all quotes but one letter. */
  memset (long_term, '"', sizeof long_term - 1);
  long_term[MT_SQLITE_FTS_TERM_BYTES - 1] = 'x';
  for (i = 0; i < 40; i++) {
    many[i] = long_term;
  }
  assert_int_equal (mt_sqlite_fts_query (many, many_out), MT_SQLITE_FTS_TERMS_MAX);
  assert_int_equal (strlen (many_out),
                    MT_SQLITE_FTS_TERMS_MAX * (2 * MT_SQLITE_FTS_TERM_BYTES + 3) - 1);
  assert_true (strlen (many_out) < MT_SQLITE_FTS_QUERY_MAX);

  assert_int_equal (mt_sqlite_fts_fingerprint (""), 2166136261u);
  assert_int_not_equal (mt_sqlite_fts_fingerprint ("\"tente\"*"),
                        mt_sqlite_fts_fingerprint ("\"tentes\"*"));
}

/* An in-memory FTS5 table tokenized like listings_fts, and its vocabulary. */
static sqlite3 *
scratch_fts (void)
{
  sqlite3 *db = NULL;

  assert_int_equal (sqlite3_open (":memory:", &db), SQLITE_OK);
  raw_exec (db, "CREATE VIRTUAL TABLE t USING fts5 (x, tokenize = 'unicode61 remove_diacritics 2');"
                "CREATE VIRTUAL TABLE v USING fts5vocab (t, 'instance');");
  return db;
}

/* Writes the UTF-8 form of @cp (not a surrogate, at most U+10FFFF) into @out. */
static void
utf8_of (uint32_t cp, char out[5])
{
  char *p = out;

  if (cp < 0x80) {
    *p++ = (char) cp;
  } else if (cp < 0x800) {
    *p++ = (char) (0xC0 | (cp >> 6));
    *p++ = (char) (0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *p++ = (char) (0xE0 | (cp >> 12));
    *p++ = (char) (0x80 | ((cp >> 6) & 0x3F));
    *p++ = (char) (0x80 | (cp & 0x3F));
  } else {
    *p++ = (char) (0xF0 | (cp >> 18));
    *p++ = (char) (0x80 | ((cp >> 12) & 0x3F));
    *p++ = (char) (0x80 | ((cp >> 6) & 0x3F));
    *p++ = (char) (0x80 | (cp & 0x3F));
  }
  *p = '\0';
}

/*
 * The builder's idea of a word character is unicode61's: every code point of the BMP, and
 * one in 61 beyond, makes a token on its own exactly when mt_text_word_char says so.
 */
static void
query_builder_agrees_with_unicode61 (void **state)
{
  static uint8_t token[0x110000 / 8];
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char text[5];
  uint32_t cp;

  memset (token, 0, sizeof token);
  assert_int_equal (sqlite3_open (":memory:", &db), SQLITE_OK);
  raw_exec (db, "CREATE VIRTUAL TABLE t USING fts5 (x, detail = none,"
                " tokenize = 'unicode61 remove_diacritics 2');"
                "CREATE VIRTUAL TABLE v USING fts5vocab (t, 'instance');"
                "BEGIN");
  assert_int_equal (
    sqlite3_prepare_v2 (db, "INSERT INTO t (rowid, x) VALUES (?1, ?2)", -1, &stmt, NULL),
    SQLITE_OK);
  for (cp = 1; cp <= 0x10FFFF; cp = cp < 0xFFFF ? cp + 1 : cp + 61) {
    if (cp >= 0xD800 && cp <= 0xDFFF) {
      continue;
    }
    utf8_of (cp, text);
    sqlite3_bind_int64 (stmt, 1, cp);
    sqlite3_bind_text (stmt, 2, text, -1, SQLITE_STATIC);
    assert_int_equal (sqlite3_step (stmt), SQLITE_DONE);
    sqlite3_reset (stmt);
  }
  sqlite3_finalize (stmt);
  raw_exec (db, "COMMIT");
  assert_int_equal (sqlite3_prepare_v2 (db, "SELECT DISTINCT doc FROM v", -1, &stmt, NULL),
                    SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW) {
    cp = (uint32_t) sqlite3_column_int64 (stmt, 0);
    token[cp / 8] |= (uint8_t) (1u << (cp % 8));
  }
  sqlite3_finalize (stmt);
  for (cp = 1; cp <= 0x10FFFF; cp = cp < 0xFFFF ? cp + 1 : cp + 61) {
    bool tokenized = (token[cp / 8] >> (cp % 8)) & 1;

    if (cp >= 0xD800 && cp <= 0xDFFF) {
      continue;
    }
    if (mt_text_word_char (cp) != tokenized) {
      fail_msg ("U+%04X: the builder says %s, unicode61 %s", (unsigned) cp,
                tokenized ? "separator" : "word", tokenized ? "makes a token" : "none");
    }
  }
  assert_false (mt_text_word_char (0x110000));
  assert_false (mt_text_word_char (0xD800));
  sqlite3_close (db);
}

/* Whatever the bytes of the terms, FTS5 accepts the expression (no syntax error). */
static void
query_builder_output_is_always_valid_fts5 (void **state)
{
  static const char alphabet[] = "\"'()*^:-+{}[],.;NEARORANDOT aé\xc3\xa9\xf0\x9f\x9a\xb2\xff\x01";
  char terms_text[4][64], out[MT_SQLITE_FTS_QUERY_MAX];
  const char *terms[5];
  sqlite3 *db = scratch_fts ();
  sqlite3_stmt *stmt = NULL;
  uint32_t seed = 7;
  int round, t, rc;
  size_t j, len;

  raw_exec (db, "INSERT INTO t (x) VALUES ('Vélo cargo'), ('NEAR OR AND NOT title')");
  assert_int_equal (
    sqlite3_prepare_v2 (db, "SELECT count(*) FROM t WHERE t MATCH ?1", -1, &stmt, NULL), SQLITE_OK);
  for (round = 0; round < 3000; round++) {
    for (t = 0; t < 4; t++) {
      seed = seed * 1103515245u + 12345u;
      len = (seed >> 16) % 20;
      for (j = 0; j < len; j++) {
        seed = seed * 1103515245u + 12345u;
        terms_text[t][j] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
      }
      terms_text[t][len] = '\0';
      terms[t] = terms_text[t];
    }
    terms[4] = NULL;
    if (mt_sqlite_fts_query (terms, out) == 0) {
      continue;
    }
    sqlite3_bind_text (stmt, 1, out, -1, SQLITE_STATIC);
    rc = sqlite3_step (stmt);
    if (rc != SQLITE_ROW) {
      fail_msg ("FTS5 refused %s: %s", out, sqlite3_errmsg (db));
    }
    sqlite3_reset (stmt);
  }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

/* ---- Units ------------------------------------------------------------------------------- */

/* Counts the commits of a connection (WAL hook: called once per committed transaction, each
 * one a sync of the WAL with synchronous=FULL). */
static int
count_commit (void *count, sqlite3 *db, const char *name, int pages)
{
  (void) db;
  (void) name;
  (void) pages;
  (*(int *) count)++;
  return SQLITE_OK;
}

/* A member with its first account (email_key @email). */
static bool
insert_member_with_account (mt_store_t *st, const char *member_id, const char *account_id,
                            const char *email)
{
  bson_t member = BSON_INITIALIZER;
  bson_t account = BSON_INITIALIZER;
  bool ok;

  BSON_APPEND_UTF8 (&member, "id", member_id);
  BSON_APPEND_UTF8 (&member, "name", member_id);
  BSON_APPEND_UTF8 (&account, "id", account_id);
  BSON_APPEND_UTF8 (&account, "email_key", email);
  BSON_APPEND_UTF8 (&account, "member_id", member_id);
  mt_error_clear (&err);
  ok = st->ops->member_insert (st, &member, &account, &err);
  bson_destroy (&account);
  bson_destroy (&member);
  return ok;
}

static bool
revoked (mt_store_t *st, const char *jti)
{
  bool is = false;

  OK (st->ops->token_is_revoked (st, jti, &is, &err));
  return is;
}

static bool
member_exists (mt_store_t *st, const char *id)
{
  bson_t out;
  bool found = st->ops->member_get (st, id, &out, &err);

  bson_destroy (&out);
  return found;
}

/* Outside a unit each write is its own commit; inside one, the writes are one commit that
 * the other handles do not see before it, and a failing op undoes only itself. */
static void
unit_is_one_commit_hidden_until_then (void **state)
{
  mt_store_backend_t *backend = mt_store_sqlite_backend_new (env.path, &err);
  mt_store_t *st = mt_store_open (backend, &err);
  mt_store_t *other = mt_store_open (backend, &err);
  int commits = 0;

  assert_non_null (other);
  sqlite3_wal_hook (mt_sqlite_store (st)->db, count_commit, &commits);
  OK (st->ops->token_revoke (st, "jti-a", 1, &err));
  OK (st->ops->token_revoke (st, "jti-b", 1, &err));
  assert_true (insert_member_with_account (st, "mem_a", "acc_a", "a@example.org"));
  assert_int_equal (commits, 3);

  commits = 0;
  OK (st->ops->unit_begin (st, &err));
  OK (st->ops->token_revoke (st, "jti-c", 1, &err));
  assert_true (insert_member_with_account (st, "mem_b", "acc_b", "b@example.org"));
  /* The member row is written before the account's e-mail is found taken: the op is undone,
   * the unit goes on. */
  assert_false (insert_member_with_account (st, "mem_c", "acc_c", "b@example.org"));
  assert_int_equal (err.code, MT_ERR_DUPLICATE);
  assert_false (member_exists (st, "mem_c"));
  assert_true (member_exists (st, "mem_b"));
  assert_true (revoked (st, "jti-c"));
  assert_false (revoked (other, "jti-c"));
  assert_false (member_exists (other, "mem_b"));
  assert_int_equal (commits, 0);
  OK (st->ops->unit_commit (st, &err));
  assert_int_equal (commits, 1);
  assert_true (revoked (other, "jti-c"));
  assert_true (member_exists (other, "mem_b"));
  assert_false (member_exists (other, "mem_c"));
  OK (other->ops->check_integrity (other, &err));

  mt_store_close (other);
  mt_store_close (st);
  mt_store_backend_destroy (backend);
}

/* unit_abort undoes every write of the unit, on its own handle too. */
static void
unit_abort_undoes_every_write (void **state)
{
  mt_store_backend_t *backend = mt_store_sqlite_backend_new (env.path, &err);
  mt_store_t *st = mt_store_open (backend, &err);
  int commits = 0;

  assert_non_null (st);
  sqlite3_wal_hook (mt_sqlite_store (st)->db, count_commit, &commits);
  OK (st->ops->unit_begin (st, &err));
  OK (st->ops->token_revoke (st, "jti-x", 1, &err));
  assert_true (insert_member_with_account (st, "mem_x", "acc_x", "x@example.org"));
  st->ops->unit_abort (st);
  assert_int_equal (commits, 0);
  assert_false (revoked (st, "jti-x"));
  assert_false (member_exists (st, "mem_x"));
  /* The handle works on as before: the same writes, each its own commit. */
  assert_true (insert_member_with_account (st, "mem_x", "acc_x", "x@example.org"));
  assert_int_equal (commits, 1);
  OK (st->ops->check_integrity (st, &err));

  mt_store_close (st);
  mt_store_backend_destroy (backend);
}

/* A unit whose transaction SQLite rolled back by itself (as after an I/O error or a full
 * disk; here a ROLLBACK on the connection) writes nothing more: every later op of the unit
 * fails instead of running on its own, and the commit reports the loss. */
static void
unit_lost_writes_nothing_more (void **state)
{
  mt_store_backend_t *backend = mt_store_sqlite_backend_new (env.path, &err);
  mt_store_t *st = mt_store_open (backend, &err);

  assert_non_null (st);
  OK (st->ops->unit_begin (st, &err));
  OK (st->ops->token_revoke (st, "jti-before-loss", 1, &err));
  assert_int_equal (sqlite3_exec (mt_sqlite_store (st)->db, "ROLLBACK", NULL, NULL, NULL),
                    SQLITE_OK);
  mt_error_clear (&err);
  assert_false (st->ops->token_revoke (st, "jti-after-loss", 1, &err));
  assert_int_equal (err.code, MT_ERR_INTERNAL);
  assert_false (insert_member_with_account (st, "mem_lost", "acc_lost", "lost@example.org"));
  mt_error_clear (&err);
  assert_false (st->ops->unit_commit (st, &err));
  assert_int_equal (err.code, MT_ERR_INTERNAL);
  assert_false (revoked (st, "jti-before-loss"));
  assert_false (revoked (st, "jti-after-loss"));
  assert_false (member_exists (st, "mem_lost"));
  /* The handle works on. */
  OK (st->ops->token_revoke (st, "jti-after-loss", 1, &err));
  assert_true (revoked (st, "jti-after-loss"));

  mt_store_close (st);
  mt_store_backend_destroy (backend);
}

/* Another process holding the write lock: unit_begin is UNAVAILABLE (after the busy
 * timeout) and no unit is left open. */
static void
unit_begin_on_busy_database_is_unavailable (void **state)
{
  mt_store_backend_t *backend = mt_store_sqlite_backend_new (env.path, &err);
  mt_store_t *st = mt_store_open (backend, &err);
  sqlite3 *raw;

  assert_non_null (st);
  raw = raw_open (env.path);
  raw_exec (raw, "BEGIN IMMEDIATE");
  mt_error_clear (&err);
  assert_false (st->ops->unit_begin (st, &err));
  assert_int_equal (err.code, MT_ERR_UNAVAILABLE);
  assert_true (err.retry_after > 0);
  mt_error_clear (&err);
  assert_false (st->ops->unit_commit (st, &err));
  assert_int_equal (err.code, MT_ERR_INTERNAL);
  raw_exec (raw, "ROLLBACK");
  sqlite3_close (raw);

  OK (st->ops->unit_begin (st, &err));
  OK (st->ops->token_revoke (st, "jti-after", 1, &err));
  OK (st->ops->unit_commit (st, &err));
  assert_true (revoked (st, "jti-after"));
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
    SQLITE_TEST ("store/sqlite/busy/waits_for_a_brief_lock", busy_waits_for_a_brief_lock),
    SQLITE_TEST ("store/sqlite/unit/one_commit_hidden_until_then",
                 unit_is_one_commit_hidden_until_then),
    SQLITE_TEST ("store/sqlite/unit/abort_undoes_every_write", unit_abort_undoes_every_write),
    SQLITE_TEST ("store/sqlite/unit/lost_writes_nothing_more", unit_lost_writes_nothing_more),
    SQLITE_TEST ("store/sqlite/unit/begin_on_busy_database_is_unavailable",
                 unit_begin_on_busy_database_is_unavailable),
    SQLITE_TEST ("store/sqlite/cursor/refuses_unknown_member", cursor_of_unknown_member_is_refused),
    SQLITE_TEST ("store/sqlite/migrations/1_to_2_keeps_data", migration_1_to_2_keeps_data),
    SQLITE_TEST ("store/sqlite/listing/full_text_stays_in_step", full_text_stays_in_step),
    SQLITE_TEST ("store/sqlite/listing/photos_and_calendars_need_their_listing",
                 photos_and_calendars_need_their_listing),
    SQLITE_TEST ("store/sqlite/listing/fields_are_checked", listing_fields_are_checked),
    SQLITE_TEST ("store/sqlite/listing/cursors_are_tied_to_their_search",
                 listing_cursors_are_tied_to_their_search),
    SQLITE_TEST ("store/sqlite/listing/search_statement_cache_turns_over",
                 search_statement_cache_turns_over),
    SQLITE_TEST ("store/sqlite/listing/search_survives_bytes_that_are_not_utf8",
                 search_survives_bytes_that_are_not_utf8),
    SQLITE_TEST ("store/sqlite/migrations/2_to_3_keeps_data", migration_2_to_3_keeps_data),
    SQLITE_TEST ("store/sqlite/migrations/3_refuses_a_shared_calendar_token",
                 migration_3_refuses_a_shared_calendar_token),
    SQLITE_TEST ("store/sqlite/reservation/columns_answer_an_overlap_query",
                 reservations_columns_answer_an_overlap_query),
    SQLITE_TEST ("store/sqlite/integrity/detects_columns_out_of_step",
                 integrity_detects_columns_out_of_step),
    SQLITE_TEST ("store/sqlite/cursor/records_tied_to_their_list",
                 record_cursors_are_tied_to_their_list),
    SQLITE_TEST ("store/sqlite/reservation/list_bounds", reservation_list_bounds),
    SQLITE_TEST ("store/sqlite/lists/walk_their_indexes", lists_walk_their_indexes),
    SQLITE_TEST ("store/sqlite/reservation/statement_cache_turns_over",
                 reservation_statement_cache_turns_over),
    MT_TEST ("store/sqlite/fts/query_builder_quotes_every_term", query_builder_quotes_every_term),
    MT_TEST ("store/sqlite/fts/query_builder_agrees_with_unicode61",
             query_builder_agrees_with_unicode61),
    MT_TEST ("store/sqlite/fts/query_builder_output_is_always_valid_fts5",
             query_builder_output_is_always_valid_fts5),
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
