/*
 * Unit tests of the MongoDB adapter of the store port (server/storage/mongo/): the shared
 * conformance suite, run against
 *
 *   - the wire-protocol double (tests/support/mongo_double.py) over a real socket, always
 *     when the double can run here (its absence is reported as a skip, with the reason);
 *   - a real MongoDB server as well when MUTUA_TEST_MONGODB_URI is set (e.g.
 *     "mongodb://127.0.0.1:27017/?replicaSet=rs0"); each backend then gets its own database,
 *     dropped afterwards.
 *
 * The output names each target that ran or was skipped, and why. Then what only this
 * adapter has, against the double: a validator's refusal (121) is UNPROCESSABLE, an injected
 * "shutdown in progress" (91) is UNAVAILABLE with a retry delay, an unreachable server is
 * UNAVAILABLE within the selection timeout, a URI asking for unacknowledged writes is
 * refused, a database of a newer schema is refused, and the start-up repair settles a member
 * left without its first account.
 */
#include "mt_test.h"

#include "store.h"
#include "store_conformance.h"

#include "mt_log.h"
#include "mt_mongo_double.h"
#include "mt_test_store.h"

#include <mongoc/mongoc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  const char *base_uri; /* "mongodb://host:port/?options" without a database */
  unsigned counter;
  char uri[512];    /* of the backend alive */
  char db_name[64]; /* its database */
} mt_mongo_env_t;

static mt_store_backend_t *
factory_create (void *user_data, mt_error_t *error)
{
  mt_mongo_env_t *env = user_data;

  snprintf (env->db_name, sizeof env->db_name, "conformance_%ld_%u", (long) getpid (),
            env->counter++);
  if (!mt_test_store_with_database (env->base_uri, env->db_name, env->uri, sizeof env->uri)) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL, "URI trop longue", "URI too long");
    return NULL;
  }
  return mt_store_backend_new (env->uri, error);
}

/* Drops the database of the backend (the data of one test). */
static void
factory_destroy (mt_store_backend_t *backend, void *user_data)
{
  mt_mongo_env_t *env = user_data;
  mongoc_client_t *client;
  mongoc_database_t *db;
  bson_error_t bson_error;

  mt_store_backend_destroy (backend);
  client = mongoc_client_new (env->uri);
  if (!client) {
    return;
  }
  db = mongoc_client_get_database (client, env->db_name);
  if (!mongoc_database_drop (db, &bson_error)) {
    fprintf (stderr, "# dropping %s: %s\n", env->db_name, bson_error.message);
  }
  mongoc_database_destroy (db);
  mongoc_client_destroy (client);
}

static int
run_against (const char *target, const char *base_uri)
{
  mt_mongo_env_t env = { .base_uri = base_uri };
  char name[64];
  const mt_store_conformance_factory_t factory = {
    .name = name,
    .create = factory_create,
    .destroy = factory_destroy,
    .user_data = &env,
  };

  snprintf (name, sizeof name, "mongodb-%s", target);
  printf ("# store conformance against %s (%s)\n", target,
          strchr (base_uri, '@') ? "mongodb://***" : base_uri);
  return mt_store_conformance_run (&factory);
}

/* ---- What only this adapter has ------------------------------------------------------- */

static mt_mongo_double_t adapter_double;
static unsigned adapter_counter;

typedef struct {
  char uri[512];
  char db[64];
} adapter_db_t;

static void
adapter_db (adapter_db_t *a)
{
  snprintf (a->db, sizeof a->db, "adapter_%ld_%u", (long) getpid (), adapter_counter++);
  assert_true (mt_test_store_with_database (adapter_double.base_uri, a->db, a->uri, sizeof a->uri));
}

/* Runs @command on the database of @a (or admin when @admin) with the driver directly. */
static void
adapter_command (const adapter_db_t *a, bool admin, const bson_t *command)
{
  mongoc_client_t *client = mongoc_client_new (a->uri);
  bson_error_t error;
  bson_t reply;

  assert_non_null (client);
  if (!mongoc_client_command_simple (client, admin ? "admin" : a->db, command, NULL, &reply,
                                     &error)) {
    fail_msg ("command: %s", error.message);
  }
  bson_destroy (&reply);
  mongoc_client_destroy (client);
}

/* Inserts @doc into @collection of @a with the driver directly. */
static void
adapter_insert (const adapter_db_t *a, const char *collection, const bson_t *doc)
{
  mongoc_client_t *client = mongoc_client_new (a->uri);
  mongoc_collection_t *coll = mongoc_client_get_collection (client, a->db, collection);
  bson_error_t error;

  if (!mongoc_collection_insert_one (coll, doc, NULL, NULL, &error)) {
    fail_msg ("insert into %s: %s", collection, error.message);
  }
  mongoc_collection_destroy (coll);
  mongoc_client_destroy (client);
}

static void
validator_refusal_is_unprocessable (void **state)
{
  adapter_db_t a;
  mt_error_t error;
  mt_store_backend_t *backend;
  mt_store_t *store;
  bson_t message = BSON_INITIALIZER;
  bson_t out;

  (void) state;
  adapter_db (&a);
  backend = mt_store_backend_new (a.uri, &error);
  assert_non_null (backend);
  store = mt_store_open (backend, &error);
  assert_non_null (store);
  /* The adapter's own checks pass (strings, a date); schemas/mongodb/validators.json allows
   * only "email" and "webhook" as kinds. */
  BSON_APPEND_UTF8 (&message, "id", "out_sms");
  BSON_APPEND_UTF8 (&message, "kind", "sms");
  BSON_APPEND_UTF8 (&message, "status", "pending");
  BSON_APPEND_DATE_TIME (&message, "next_attempt_at", 1700000000000);
  BSON_APPEND_DATE_TIME (&message, "created_at", 1700000000000);
  assert_false (store->ops->outbox_insert (store, &message, &error));
  assert_int_equal (error.code, MT_ERR_UNPROCESSABLE);
  assert_false (store->ops->outbox_get (store, "out_sms", &out, &error));
  assert_int_equal (error.code, MT_ERR_NOT_FOUND);
  bson_destroy (&out);
  bson_destroy (&message);
  mt_store_close (store);
  mt_store_backend_destroy (backend);
}

static void
injected_shutdown_is_unavailable (void **state)
{
  adapter_db_t a;
  mt_error_t error;
  mt_store_backend_t *backend;
  mt_store_t *store;
  bson_t fail = BSON_INITIALIZER;
  bson_t webhook = BSON_INITIALIZER;
  bson_t out;

  (void) state;
  adapter_db (&a);
  backend = mt_store_backend_new (a.uri, &error);
  assert_non_null (backend);
  store = mt_store_open (backend, &error);
  assert_non_null (store);
  BSON_APPEND_INT32 (&fail, "mutuaDoubleFail", 1);
  BSON_APPEND_UTF8 (&fail, "fail", "insert");
  BSON_APPEND_UTF8 (&fail, "collection", "webhooks");
  BSON_APPEND_INT32 (&fail, "times", 1);
  BSON_APPEND_INT32 (&fail, "code", 91);
  adapter_command (&a, true, &fail);
  BSON_APPEND_UTF8 (&webhook, "id", "whk_1");
  BSON_APPEND_UTF8 (&webhook, "url", "http://127.0.0.1:9/hook");
  BSON_APPEND_DATE_TIME (&webhook, "created_at", 1700000000000);
  assert_false (store->ops->webhook_insert (store, &webhook, &error));
  assert_int_equal (error.code, MT_ERR_UNAVAILABLE);
  assert_true (error.retry_after > 0);
  /* The fault has passed: the same write goes through. */
  assert_true (store->ops->webhook_insert (store, &webhook, &error));
  assert_true (store->ops->webhook_get (store, "whk_1", &out, &error));
  bson_destroy (&out);
  bson_destroy (&webhook);
  bson_destroy (&fail);
  mt_store_close (store);
  mt_store_backend_destroy (backend);
}

static void
unreachable_server_and_bad_uris (void **state)
{
  mt_error_t error;

  (void) state;
  /* Nothing listens on port 1: a selection failure, reported as unavailable (503). */
  assert_null (mt_store_backend_new (
    "mongodb://127.0.0.1:1/x?serverSelectionTimeoutMS=300&connectTimeoutMS=300", &error));
  assert_int_equal (error.code, MT_ERR_UNAVAILABLE);
  /* Refused before any connection. */
  assert_null (mt_store_backend_new ("mongodb://127.0.0.1:1/x?w=0", &error));
  assert_int_equal (error.code, MT_ERR_BAD_REQUEST);
  assert_null (mt_store_backend_new ("mongodb://", &error));
  assert_int_equal (error.code, MT_ERR_BAD_REQUEST);
}

static void
newer_schema_is_refused (void **state)
{
  adapter_db_t a;
  mt_error_t error;
  bson_t meta = BSON_INITIALIZER;

  (void) state;
  adapter_db (&a);
  BSON_APPEND_UTF8 (&meta, "_id", "schema");
  BSON_APPEND_INT64 (&meta, "version", 99);
  adapter_insert (&a, "mutua_meta", &meta);
  assert_null (mt_store_backend_new (a.uri, &error));
  assert_int_equal (error.code, MT_ERR_INTERNAL);
  assert_non_null (strstr (error.message, "newer than this mutuad"));
  bson_destroy (&meta);
}

/* A member marked "_pending_account" long ago, as a crash between the member's insert and its
 * first account's leaves it. */
static void
insert_pending_member (const adapter_db_t *a, const char *member_id, const char *account_id)
{
  bson_t member = BSON_INITIALIZER;
  bson_t marker;

  BSON_APPEND_UTF8 (&member, "_id", member_id);
  BSON_APPEND_UTF8 (&member, "id", member_id);
  BSON_APPEND_UTF8 (&member, "name", "Association interrompue");
  BSON_APPEND_UTF8 (&member, "status", "pending");
  BSON_APPEND_INT64 (&member, "version", 1);
  BSON_APPEND_DOCUMENT_BEGIN (&member, "_pending_account", &marker);
  BSON_APPEND_UTF8 (&marker, "id", account_id);
  BSON_APPEND_DATE_TIME (&marker, "at", 1700000000000); /* long before the grace period */
  bson_append_document_end (&member, &marker);
  adapter_insert (a, "members", &member);
  bson_destroy (&member);
}

static void
start_up_settles_members_without_their_account (void **state)
{
  adapter_db_t a;
  mt_error_t error;
  mt_store_backend_t *backend;
  mt_store_t *store;
  mt_store_member_query_t query = { .limit = 10 };
  mt_store_page_t page;
  bson_t account = BSON_INITIALIZER;
  bson_t out;

  (void) state;
  adapter_db (&a);
  /* First start: collections, validators and indexes exist. */
  backend = mt_store_backend_new (a.uri, &error);
  assert_non_null (backend);
  mt_store_backend_destroy (backend);
  insert_pending_member (&a, "mem_lost", "acc_never");
  insert_pending_member (&a, "mem_kept", "acc_there");
  BSON_APPEND_UTF8 (&account, "_id", "acc_there");
  BSON_APPEND_UTF8 (&account, "id", "acc_there");
  BSON_APPEND_UTF8 (&account, "email_key", "there@asso.example");
  BSON_APPEND_UTF8 (&account, "member_id", "mem_kept");
  BSON_APPEND_INT64 (&account, "version", 1);
  adapter_insert (&a, "accounts", &account);

  backend = mt_store_backend_new (a.uri, &error); /* the repair runs here */
  assert_non_null (backend);
  store = mt_store_open (backend, &error);
  assert_non_null (store);
  assert_false (store->ops->member_get (store, "mem_lost", &out, &error));
  assert_int_equal (error.code, MT_ERR_NOT_FOUND);
  bson_destroy (&out);
  assert_true (store->ops->member_list (store, &query, &page, &error));
  assert_int_equal (page.count, 1); /* mem_kept, listed again now that it is settled */
  mt_store_page_destroy (&page);
  bson_destroy (&account);
  mt_store_close (store);
  mt_store_backend_destroy (backend);
}

static int
run_adapter_tests (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("store/mongodb/adapter/validator_refusal_is_unprocessable",
             validator_refusal_is_unprocessable),
    MT_TEST ("store/mongodb/adapter/injected_shutdown_is_unavailable",
             injected_shutdown_is_unavailable),
    MT_TEST ("store/mongodb/adapter/unreachable_server_and_bad_uris",
             unreachable_server_and_bad_uris),
    MT_TEST ("store/mongodb/adapter/newer_schema_is_refused", newer_schema_is_refused),
    MT_TEST ("store/mongodb/adapter/start_up_settles_members_without_their_account",
             start_up_settles_members_without_their_account),
  };
  return cmocka_run_group_tests_name ("store/mongodb/adapter", tests, NULL, NULL);
}

int
main (void)
{
  const char *real_uri = getenv ("MUTUA_TEST_MONGODB_URI");
  char why[256];
  int failed = 0;

  mt_log_set_level (MT_LOG_ERROR);
  mongoc_init ();
  if (mt_mongo_double_available (why, sizeof why)) {
    mt_mongo_double_t dbl;
    if (!mt_mongo_double_start (&dbl)) {
      fprintf (stderr, "# the MongoDB double did not start\n");
      return 1;
    }
    failed += run_against ("double", dbl.base_uri);
    adapter_double = dbl;
    failed += run_adapter_tests ();
    if (mt_mongo_double_stop (&dbl) != 0) {
      fprintf (stderr, "# the MongoDB double did not stop cleanly\n");
      failed++;
    }
  } else {
    mt_test_say_skip ("store conformance against the MongoDB double", why);
  }
  if (real_uri && real_uri[0]) {
    failed += run_against ("server", real_uri);
  } else {
    mt_test_say_skip ("store conformance against a real MongoDB server",
                      "MUTUA_TEST_MONGODB_URI is not set");
  }
  mongoc_cleanup ();
  return failed;
}
