/*
 * Unit tests of the SQLite adapter of the store port (server/storage/sqlite/): the shared
 * conformance suite with a factory making fresh database files in a temporary directory,
 * then what only SQLite has: PRAGMAs, migrations (1 -> 2 keeps data), refusing unknown files,
 * integrity checks on tampered rows and on a full-text index out of step, durability across
 * reopen, a busy database, foreign keys of photos and calendars, cursors tied to their
 * search, the statement cache of searches, and the search query builder (a pure function:
 * exact outputs, agreement with unicode61, and FTS5 accepting whatever it builds).
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
 * one in 61 beyond, makes a token on its own exactly when mt_sqlite_fts_word_char says so.
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
    if (mt_sqlite_fts_word_char (cp) != tokenized) {
      fail_msg ("U+%04X: the builder says %s, unicode61 %s", (unsigned) cp,
                tokenized ? "separator" : "word", tokenized ? "makes a token" : "none");
    }
  }
  assert_false (mt_sqlite_fts_word_char (0x110000));
  assert_false (mt_sqlite_fts_word_char (0xD800));
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
