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
 * The output names each target that ran or was skipped, and why.
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
