/*
 * The MongoDB test double (tests/support/mongo_double.py) driven through the real
 * mongo-c-driver: a client pool (error API v2) over a real socket, as mutuad's MongoDB adapter
 * uses it. Skipped, with the reason, when /usr/bin/python3, pymongo or mongomock is missing.
 */
#include "mt_mongo_double.h"
#include "mt_test.h"

#include <mongoc/mongoc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define CAS_THREADS 8
#define CAS_ATTEMPTS 200
#define CURSOR_DOCS 1000
#define CURSOR_BATCH 100

typedef struct {
  mt_mongo_double_t dbl;
  mongoc_uri_t *uri;
  mongoc_client_pool_t *pool;
  atomic_int get_more_started;
  bool available;
  char why[256];
} fixture_t;

static fixture_t fx;

static void
count_get_more (const mongoc_apm_command_started_t *event)
{
  fixture_t *f = mongoc_apm_command_started_get_context (event);

  if (strcmp (mongoc_apm_command_started_get_command_name (event), "getMore") == 0) {
    atomic_fetch_add (&f->get_more_started, 1);
  }
}

static int
group_setup (void **state)
{
  char uri[256];
  mongoc_apm_callbacks_t *callbacks = NULL;

  (void) state;
  mongoc_init ();
  fx.available = mt_mongo_double_available (fx.why, sizeof fx.why);
  if (!fx.available) {
    return 0;
  }
  if (!mt_mongo_double_start (&fx.dbl) ||
      !mt_mongo_double_uri (&fx.dbl, "admin", uri, sizeof uri)) {
    return -1;
  }
  fx.uri = mongoc_uri_new (uri);
  fx.pool = fx.uri ? mongoc_client_pool_new (fx.uri) : NULL;
  if (!fx.pool) {
    return -1;
  }
  mongoc_client_pool_set_error_api (fx.pool, MONGOC_ERROR_API_VERSION_2);
  callbacks = mongoc_apm_callbacks_new ();
  mongoc_apm_set_command_started_cb (callbacks, count_get_more);
  mongoc_client_pool_set_apm_callbacks (fx.pool, callbacks, &fx);
  mongoc_apm_callbacks_destroy (callbacks);
  return 0;
}

static int
group_teardown (void **state)
{
  int status = 0;

  (void) state;
  if (fx.pool) {
    mongoc_client_pool_destroy (fx.pool);
  }
  mongoc_uri_destroy (fx.uri);
  if (fx.available) {
    status = mt_mongo_double_stop (&fx.dbl);
  }
  mongoc_cleanup ();
  if (status != 0) {
    fprintf (stderr, "the mongo double exited with %d\n", status);
  }
  return status == 0 ? 0 : -1;
}

#define NEED_DOUBLE()                                                                              \
  do {                                                                                             \
    if (!fx.available) {                                                                           \
      mt_test_say_skip ("mongo double", fx.why);                                                   \
      skip ();                                                                                     \
    }                                                                                              \
  } while (0)

/* A client of the pool and a collection of database @db (each test has its own); skips the
 * test when the double cannot run. */
static mongoc_collection_t *
open_collection (mongoc_client_t **client, const char *db, const char *name)
{
  NEED_DOUBLE ();
  *client = mongoc_client_pool_pop (fx.pool);
  assert_non_null (*client);
  return mongoc_client_get_collection (*client, db, name);
}

static void
close_collection (mongoc_client_t *client, mongoc_collection_t *coll)
{
  mongoc_collection_destroy (coll);
  mongoc_client_pool_push (fx.pool, client);
}

static void
say_error (const char *what, const bson_error_t *error)
{
  fprintf (stderr, "%s: domain %u code %u: %s\n", what, error->domain, error->code, error->message);
}

static void
insert_ok (mongoc_collection_t *coll, const bson_t *doc)
{
  bson_error_t error;
  bool ok = mongoc_collection_insert_one (coll, doc, NULL, NULL, &error);

  if (!ok) {
    say_error ("insert_one", &error);
  }
  assert_true (ok);
}

/* The only document matching @filter, copied into @out (initialised by this function). */
static bool
find_one (mongoc_collection_t *coll, const bson_t *filter, bson_t *out)
{
  mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (coll, filter, NULL, NULL);
  const bson_t *doc = NULL;
  bool found = mongoc_cursor_next (cursor, &doc);

  bson_init (out);
  if (found) {
    bson_copy_to_excluding_noinit (doc, out, "", NULL);
  }
  mongoc_cursor_destroy (cursor);
  return found;
}

static int64_t
get_int64 (const bson_t *doc, const char *path, bson_type_t *type)
{
  bson_iter_t it;

  *type = BSON_TYPE_EOD;
  if (!bson_iter_init (&it, doc) || !bson_iter_find_descendant (&it, path, &it)) {
    return -1;
  }
  *type = bson_iter_type (&it);
  return bson_iter_as_int64 (&it);
}

/* ---- tests ------------------------------------------------------------------------------- */

static void
test_round_trip_types (void **state)
{
  static const uint8_t bytes[] = { 0, 1, 2, 0xfe, 0xff };
  static const uint8_t uuid[16] = { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0x4d, 0xef,
                                    0x81, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
  mongoc_client_t *client;
  mongoc_collection_t *coll = open_collection (&client, "t_round_trip", "docs");
  bson_t *doc = BCON_NEW (
    "_id", BCON_UTF8 ("a"), "i32", BCON_INT32 (-7), "i64", BCON_INT64 (INT64_C (9007199254740993)),
    "small64", BCON_INT64 (3), "d", BCON_DOUBLE (2.5), "when",
    BCON_DATE_TIME (INT64_C (1717171717123)), "text", BCON_UTF8 ("réservation ✓"), "bin",
    BCON_BIN (BSON_SUBTYPE_BINARY, bytes, sizeof bytes), "uuid",
    BCON_BIN (BSON_SUBTYPE_UUID, uuid, sizeof uuid), "tags", "[", BCON_UTF8 ("x"), BCON_INT32 (1),
    "]", "sub", "{", "z", BCON_INT32 (1), "a", BCON_BOOL (true), "n", BCON_NULL, "}");
  bson_t *filter = BCON_NEW ("_id", BCON_UTF8 ("a"));
  bson_t found;

  (void) state;
  insert_ok (coll, doc);
  assert_true (find_one (coll, filter, &found));
  /* byte for byte: types, key order, dates to the millisecond */
  if (!bson_equal (&found, doc)) {
    char *a = bson_as_canonical_extended_json (doc, NULL);
    char *b = bson_as_canonical_extended_json (&found, NULL);
    fprintf (stderr, "sent  %s\nfound %s\n", a, b);
    bson_free (a);
    bson_free (b);
  }
  assert_true (bson_equal (&found, doc));
  bson_destroy (&found);
  bson_destroy (filter);
  bson_destroy (doc);
  close_collection (client, coll);
}

static void
test_unique_index_duplicate (void **state)
{
  mongoc_client_t *client;
  mongoc_collection_t *coll = open_collection (&client, "t_unique", "members");
  bson_t *keys = BCON_NEW ("email", BCON_INT32 (1));
  bson_t *cmd = BCON_NEW ("createIndexes", BCON_UTF8 ("members"), "indexes", "[", "{", "key",
                          BCON_DOCUMENT (keys), "name", BCON_UTF8 ("email_unique"), "unique",
                          BCON_BOOL (true), "}", "]");
  bson_t *first = BCON_NEW ("_id", BCON_INT32 (1), "email", BCON_UTF8 ("a@x.fr"));
  bson_t *second = BCON_NEW ("_id", BCON_INT32 (2), "email", BCON_UTF8 ("a@x.fr"));
  bson_t reply;
  bson_error_t error;

  (void) state;
  assert_true (mongoc_collection_write_command_with_opts (coll, cmd, NULL, NULL, &error));
  insert_ok (coll, first);
  assert_false (mongoc_collection_insert_one (coll, second, NULL, &reply, &error));
  assert_int_equal (error.domain, MONGOC_ERROR_SERVER);
  assert_int_equal (error.code, 11000);
  assert_non_null (strstr (error.message, "index: email_unique"));
  bson_destroy (&reply);
  /* the same _id */
  assert_false (mongoc_collection_insert_one (coll, first, NULL, NULL, &error));
  assert_int_equal (error.code, 11000);
  assert_non_null (strstr (error.message, "index: _id_"));
  bson_destroy (second);
  bson_destroy (first);
  bson_destroy (cmd);
  bson_destroy (keys);
  close_collection (client, coll);
}

static void
test_unique_index_on_duplicates_fails (void **state)
{
  mongoc_client_t *client;
  mongoc_collection_t *coll = open_collection (&client, "t_unique_late", "members");
  bson_t *cmd = BCON_NEW ("createIndexes", BCON_UTF8 ("members"), "indexes", "[", "{", "key", "{",
                          "email", BCON_INT32 (1), "}", "name", BCON_UTF8 ("email_unique"),
                          "unique", BCON_BOOL (true), "}", "]");
  bson_error_t error;

  (void) state;
  for (int i = 0; i < 2; i++) {
    bson_t *doc = BCON_NEW ("_id", BCON_INT32 (i), "email", BCON_UTF8 ("same@x.fr"));
    insert_ok (coll, doc);
    bson_destroy (doc);
  }
  assert_false (mongoc_collection_write_command_with_opts (coll, cmd, NULL, NULL, &error));
  assert_int_equal (error.domain, MONGOC_ERROR_SERVER);
  assert_int_equal (error.code, 11000);
  bson_destroy (cmd);
  close_collection (client, coll);
}

typedef struct {
  int thread;
  int successes;
  bool failed;
} cas_worker_t;

static void *
cas_worker (void *arg)
{
  cas_worker_t *w = arg;
  mongoc_client_t *client = mongoc_client_pool_pop (fx.pool);
  mongoc_collection_t *coll = mongoc_client_get_collection (client, "t_cas", "counters");
  bson_t *id_filter = BCON_NEW ("_id", BCON_UTF8 ("c"));

  for (int i = 0; i < CAS_ATTEMPTS && !w->failed; i++) {
    bson_t doc, reply;
    bson_type_t type;
    bson_error_t error;
    int64_t version;

    if (!find_one (coll, id_filter, &doc)) {
      w->failed = true;
      bson_destroy (&doc);
      break;
    }
    version = get_int64 (&doc, "version", &type);
    bson_destroy (&doc);
    bson_t *filter = BCON_NEW ("_id", BCON_UTF8 ("c"), "version", BCON_INT64 (version));
    bson_t *update = BCON_NEW ("$set", "{", "owner", BCON_INT32 (w->thread), "}", "$inc", "{",
                               "version", BCON_INT64 (1), "}");
    if (!mongoc_collection_update_one (coll, filter, update, NULL, &reply, &error)) {
      say_error ("update_one", &error);
      w->failed = true;
    } else {
      int64_t modified = get_int64 (&reply, "modifiedCount", &type);
      if (modified == 1) {
        w->successes++;
      } else if (modified != 0) {
        w->failed = true;
      }
    }
    bson_destroy (&reply);
    bson_destroy (update);
    bson_destroy (filter);
  }
  bson_destroy (id_filter);
  mongoc_collection_destroy (coll);
  mongoc_client_pool_push (fx.pool, client);
  return NULL;
}

static void
test_compare_and_set_races (void **state)
{
  mongoc_client_t *client;
  mongoc_collection_t *coll = open_collection (&client, "t_cas", "counters");
  bson_t *doc = BCON_NEW ("_id", BCON_UTF8 ("c"), "version", BCON_INT64 (0));
  bson_t *filter = BCON_NEW ("_id", BCON_UTF8 ("c"));
  pthread_t threads[CAS_THREADS];
  cas_worker_t workers[CAS_THREADS];
  int total = 0;
  bson_t found;
  bson_type_t type;

  (void) state;
  insert_ok (coll, doc);
  for (int i = 0; i < CAS_THREADS; i++) {
    workers[i] = (cas_worker_t){ .thread = i };
    assert_int_equal (pthread_create (&threads[i], NULL, cas_worker, &workers[i]), 0);
  }
  for (int i = 0; i < CAS_THREADS; i++) {
    assert_int_equal (pthread_join (threads[i], NULL), 0);
    assert_false (workers[i].failed);
    total += workers[i].successes;
  }
  assert_true (find_one (coll, filter, &found));
  assert_int_equal (get_int64 (&found, "version", &type), total);
  assert_int_equal (type, BSON_TYPE_INT64);
  /* every attempt either won or lost to another thread's win: at least one win per round */
  assert_true (total >= CAS_ATTEMPTS);
  assert_true (total <= CAS_THREADS * CAS_ATTEMPTS);
  bson_destroy (&found);
  bson_destroy (filter);
  bson_destroy (doc);
  close_collection (client, coll);
}

static void
test_find_and_modify_upsert_new (void **state)
{
  mongoc_client_t *client;
  mongoc_collection_t *coll = open_collection (&client, "t_fam", "seq");
  bson_t *query = BCON_NEW ("_id", BCON_UTF8 ("invoice"));
  bson_t *update = BCON_NEW ("$inc", "{", "n", BCON_INT64 (1), "}");
  mongoc_find_and_modify_opts_t *opts = mongoc_find_and_modify_opts_new ();
  bson_t reply;
  bson_error_t error;
  bson_type_t type;

  (void) state;
  mongoc_find_and_modify_opts_set_update (opts, update);
  mongoc_find_and_modify_opts_set_flags (opts, MONGOC_FIND_AND_MODIFY_UPSERT |
                                                 MONGOC_FIND_AND_MODIFY_RETURN_NEW);
  assert_true (mongoc_collection_find_and_modify_with_opts (coll, query, opts, &reply, &error));
  assert_int_equal (get_int64 (&reply, "value.n", &type), 1);
  assert_int_equal (type, BSON_TYPE_INT64);
  assert_int_equal (get_int64 (&reply, "lastErrorObject.n", &type), 1);
  bson_iter_t it;
  assert_true (bson_iter_init (&it, &reply) &&
               bson_iter_find_descendant (&it, "lastErrorObject.upserted", &it));
  bson_destroy (&reply);
  /* second call: an update of the existing document */
  assert_true (mongoc_collection_find_and_modify_with_opts (coll, query, opts, &reply, &error));
  assert_int_equal (get_int64 (&reply, "value.n", &type), 2);
  assert_true (bson_iter_init (&it, &reply) &&
               bson_iter_find_descendant (&it, "lastErrorObject.updatedExisting", &it) &&
               bson_iter_as_bool (&it));
  bson_destroy (&reply);
  mongoc_find_and_modify_opts_destroy (opts);
  bson_destroy (update);
  bson_destroy (query);
  close_collection (client, coll);
}

static void
test_cursor_spans_get_more_batches (void **state)
{
  mongoc_client_t *client;
  mongoc_collection_t *coll = open_collection (&client, "t_cursor", "items");
  bson_t *docs[CURSOR_DOCS];
  const bson_t *const_docs[CURSOR_DOCS];
  bson_t *opts =
    BCON_NEW ("sort", "{", "i", BCON_INT32 (-1), "}", "batchSize", BCON_INT32 (CURSOR_BATCH));
  bson_t filter = BSON_INITIALIZER;
  bson_error_t error;
  const bson_t *doc;
  int expected = CURSOR_DOCS - 1;
  int before;

  (void) state;
  /* inserted in a shuffled order: the sort does the work */
  for (int i = 0; i < CURSOR_DOCS; i++) {
    docs[i] = BCON_NEW ("i", BCON_INT32 ((i * 7919) % CURSOR_DOCS));
    const_docs[i] = docs[i];
  }
  assert_true (mongoc_collection_insert_many (coll, const_docs, CURSOR_DOCS, NULL, NULL, &error));
  before = atomic_load (&fx.get_more_started);
  mongoc_cursor_t *cursor = mongoc_collection_find_with_opts (coll, &filter, opts, NULL);
  while (mongoc_cursor_next (cursor, &doc)) {
    bson_type_t type;
    assert_int_equal (get_int64 (doc, "i", &type), expected);
    expected--;
  }
  assert_false (mongoc_cursor_error (cursor, &error));
  assert_int_equal (expected, -1);
  assert_int_equal (atomic_load (&fx.get_more_started) - before, CURSOR_DOCS / CURSOR_BATCH - 1);
  mongoc_cursor_destroy (cursor);
  for (int i = 0; i < CURSOR_DOCS; i++) {
    bson_destroy (docs[i]);
  }
  bson_destroy (opts);
  close_collection (client, coll);
}

static void
test_int64_stays_int64 (void **state)
{
  mongoc_client_t *client;
  mongoc_collection_t *coll = open_collection (&client, "t_int64", "ledger");
  bson_t *pipeline = BCON_NEW ("pipeline", "[", "{", "$group", "{", "_id", BCON_UTF8 ("$member"),
                               "total", "{", "$sum", BCON_UTF8 ("$amount"), "}", "}", "}", "]");
  bson_t *filter = BCON_NEW ("_id", BCON_INT32 (0));
  bson_t *inc = BCON_NEW ("$inc", "{", "amount", BCON_INT32 (1), "}");
  bson_error_t error;
  bson_type_t type;
  const bson_t *doc;
  bson_t found;
  int groups = 0;

  (void) state;
  for (int i = 0; i < 4; i++) {
    bson_t *entry =
      BCON_NEW ("_id", BCON_INT32 (i), "member", BCON_UTF8 ("m1"), "amount", BCON_INT64 (10 + i));
    insert_ok (coll, entry);
    bson_destroy (entry);
  }
  mongoc_cursor_t *cursor =
    mongoc_collection_aggregate (coll, MONGOC_QUERY_NONE, pipeline, NULL, NULL);
  while (mongoc_cursor_next (cursor, &doc)) {
    assert_int_equal (get_int64 (doc, "total", &type), 46);
    assert_int_equal (type, BSON_TYPE_INT64);
    groups++;
  }
  assert_false (mongoc_cursor_error (cursor, &error));
  assert_int_equal (groups, 1);
  mongoc_cursor_destroy (cursor);
  /* $inc of an int64 by an int32 */
  assert_true (mongoc_collection_update_one (coll, filter, inc, NULL, NULL, &error));
  assert_true (find_one (coll, filter, &found));
  assert_int_equal (get_int64 (&found, "amount", &type), 11);
  assert_int_equal (type, BSON_TYPE_INT64);
  bson_destroy (&found);
  bson_destroy (inc);
  bson_destroy (filter);
  bson_destroy (pipeline);
  close_collection (client, coll);
}

static void
test_write_concern_majority_journal (void **state)
{
  mongoc_client_t *client;
  mongoc_collection_t *coll = open_collection (&client, "t_wc", "w");
  mongoc_write_concern_t *wc = mongoc_write_concern_new ();
  bson_t *doc = BCON_NEW ("x", BCON_INT32 (1));
  bson_t opts = BSON_INITIALIZER;
  bson_t reply;
  bson_error_t error;
  bson_type_t type;

  (void) state;
  mongoc_write_concern_set_wmajority (wc, 0);
  mongoc_write_concern_set_journal (wc, true);
  assert_true (mongoc_write_concern_append (wc, &opts));
  assert_true (mongoc_collection_insert_one (coll, doc, &opts, &reply, &error));
  assert_int_equal (get_int64 (&reply, "insertedCount", &type), 1);
  bson_destroy (&reply);
  bson_destroy (&opts);
  bson_destroy (doc);
  mongoc_write_concern_destroy (wc);
  close_collection (client, coll);
}

static void
test_command_error_has_code (void **state)
{
  mongoc_client_t *client;
  mongoc_collection_t *coll = open_collection (&client, "t_cmd", "x");
  bson_t *cmd = BCON_NEW ("noSuchCommand", BCON_INT32 (1));
  bson_t reply;
  bson_error_t error;

  (void) state;
  assert_false (mongoc_client_command_simple (client, "t_cmd", cmd, NULL, &reply, &error));
  assert_int_equal (error.domain, MONGOC_ERROR_SERVER);
  assert_int_equal (error.code, 59);
  bson_destroy (&reply);
  bson_destroy (cmd);
  close_collection (client, coll);
}

static void
test_transaction_fails_cleanly (void **state)
{
  mongoc_client_t *client;
  mongoc_collection_t *coll = open_collection (&client, "t_txn", "x");
  bson_t *doc = BCON_NEW ("x", BCON_INT32 (1));
  bson_t opts = BSON_INITIALIZER;
  bson_t empty = BSON_INITIALIZER;
  bson_error_t error;
  mongoc_client_session_t *session;

  (void) state;
  session = mongoc_client_start_session (client, NULL, &error);
  if (!session) {
    say_error ("start_session", &error);
  }
  assert_non_null (session);
  if (mongoc_client_session_start_transaction (session, NULL, &error)) {
    assert_true (mongoc_client_session_append (session, &opts, &error));
    assert_false (mongoc_collection_insert_one (coll, doc, &opts, NULL, &error));
    assert_int_equal (error.domain, MONGOC_ERROR_SERVER);
    assert_int_equal (error.code, 20);
    (void) mongoc_client_session_abort_transaction (session, NULL);
  } else {
    say_error ("start_transaction refused by the driver", &error);
  }
  /* nothing was written */
  assert_int_equal (mongoc_collection_count_documents (coll, &empty, NULL, NULL, NULL, &error), 0);
  mongoc_client_session_destroy (session);
  bson_destroy (&opts);
  bson_destroy (doc);
  close_collection (client, coll);
}

static void
test_fault_injection (void **state)
{
  mongoc_client_t *client;
  mongoc_collection_t *coll = open_collection (&client, "t_fault", "x");
  bson_t *fail = BCON_NEW ("mutuaDoubleFail", BCON_INT32 (1), "fail", BCON_UTF8 ("insert"), "times",
                           BCON_INT32 (1), "code", BCON_INT32 (91));
  bson_t *close_conn = BCON_NEW ("mutuaDoubleFail", BCON_INT32 (1), "fail", BCON_UTF8 ("insert"),
                                 "times", BCON_INT32 (1), "code", BCON_INT32 (0));
  bson_t *doc = BCON_NEW ("x", BCON_INT32 (1));
  bson_t empty = BSON_INITIALIZER;
  bson_error_t error;

  (void) state;
  assert_true (mongoc_client_command_simple (client, "admin", fail, NULL, NULL, &error));
  assert_false (mongoc_collection_insert_one (coll, doc, NULL, NULL, &error));
  assert_int_equal (error.domain, MONGOC_ERROR_SERVER);
  assert_int_equal (error.code, 91);
  /* once only */
  insert_ok (coll, doc);
  assert_true (mongoc_client_command_simple (client, "admin", close_conn, NULL, NULL, &error));
  assert_false (mongoc_collection_insert_one (coll, doc, NULL, NULL, &error));
  assert_int_equal (error.domain, MONGOC_ERROR_STREAM);
  insert_ok (coll, doc);
  assert_int_equal (mongoc_collection_count_documents (coll, &empty, NULL, NULL, NULL, &error), 2);
  bson_destroy (doc);
  bson_destroy (close_conn);
  bson_destroy (fail);
  close_collection (client, coll);
}

static void
test_json_schema_validator (void **state)
{
  mongoc_client_t *client;
  mongoc_collection_t *coll = open_collection (&client, "t_validator", "members");
  bson_t *create = BCON_NEW ("create", BCON_UTF8 ("members"), "validator", "{", "$jsonSchema", "{",
                             "bsonType", BCON_UTF8 ("object"), "required", "[", BCON_UTF8 ("name"),
                             "]", "properties", "{", "name", "{", "bsonType", BCON_UTF8 ("string"),
                             "minLength", BCON_INT32 (1), "}", "credits", "{", "bsonType",
                             BCON_UTF8 ("long"), "minimum", BCON_INT32 (0), "}", "}", "}", "}");
  bson_t *good =
    BCON_NEW ("_id", BCON_INT32 (1), "name", BCON_UTF8 ("Ana"), "credits", BCON_INT64 (5));
  bson_t *nameless = BCON_NEW ("_id", BCON_INT32 (2), "credits", BCON_INT64 (5));
  bson_t *filter = BCON_NEW ("_id", BCON_INT32 (1));
  bson_t *overdraw = BCON_NEW ("$inc", "{", "credits", BCON_INT64 (-6), "}");
  bson_t *blank = BCON_NEW ("$set", "{", "name", BCON_UTF8 (""), "}");
  mongoc_find_and_modify_opts_t *fam = mongoc_find_and_modify_opts_new ();
  bson_t found, reply;
  bson_error_t error;

  (void) state;
  assert_true (mongoc_client_command_simple (client, "t_validator", create, NULL, NULL, &error));
  insert_ok (coll, good);
  assert_false (mongoc_collection_insert_one (coll, nameless, NULL, NULL, &error));
  assert_int_equal (error.domain, MONGOC_ERROR_SERVER);
  assert_int_equal (error.code, 121);
  assert_false (mongoc_collection_update_one (coll, filter, overdraw, NULL, NULL, &error));
  assert_int_equal (error.code, 121);
  mongoc_find_and_modify_opts_set_update (fam, blank);
  assert_false (mongoc_collection_find_and_modify_with_opts (coll, filter, fam, &reply, &error));
  assert_int_equal (error.code, 121);
  bson_destroy (&reply);
  /* the rejected writes left the document as it was */
  assert_true (find_one (coll, filter, &found));
  assert_true (bson_equal (&found, good));
  bson_destroy (&found);
  mongoc_find_and_modify_opts_destroy (fam);
  bson_destroy (blank);
  bson_destroy (overdraw);
  bson_destroy (filter);
  bson_destroy (nameless);
  bson_destroy (good);
  bson_destroy (create);
  close_collection (client, coll);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("mongo_double/round_trip/keeps_types_order_and_milliseconds", test_round_trip_types),
    MT_TEST ("mongo_double/unique/duplicate_insert_is_11000", test_unique_index_duplicate),
    MT_TEST ("mongo_double/unique/index_on_duplicates_fails",
             test_unique_index_on_duplicates_fails),
    MT_TEST ("mongo_double/update/compare_and_set_races", test_compare_and_set_races),
    MT_TEST ("mongo_double/find_and_modify/upsert_then_update", test_find_and_modify_upsert_new),
    MT_TEST ("mongo_double/find/cursor_spans_get_more_batches", test_cursor_spans_get_more_batches),
    MT_TEST ("mongo_double/int64/sum_and_inc_stay_int64", test_int64_stays_int64),
    MT_TEST ("mongo_double/validator/json_schema_enforced_on_every_write",
             test_json_schema_validator),
    MT_TEST ("mongo_double/write_concern/majority_journal_accepted",
             test_write_concern_majority_journal),
    MT_TEST ("mongo_double/errors/command_error_has_code", test_command_error_has_code),
    MT_TEST ("mongo_double/transactions/fail_cleanly", test_transaction_fails_cleanly),
    MT_TEST ("mongo_double/faults/injected_error_and_closed_connection", test_fault_injection),
  };

  return cmocka_run_group_tests_name ("mongo_double", tests, group_setup, group_teardown);
}
