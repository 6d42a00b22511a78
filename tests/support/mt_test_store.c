/*
 * mt_test_store: which store the integration tests run mutuad on (see mt_test_store.h).
 */
#include "mt_test_store.h"

#include "mt_mongo_double.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t mt_test_store_lock = PTHREAD_MUTEX_INITIALIZER;
static mt_mongo_double_t mt_test_store_double;
static bool mt_test_store_double_started;
static bool mt_test_store_said; /* the real server's line was printed */

bool
mt_test_store_is_mongodb (void)
{
  const char *store = getenv ("MUTUA_TEST_STORE");

  return store && strcmp (store, "mongodb") == 0;
}

static const char *
mt_test_store_real_uri (void)
{
  const char *uri = getenv ("MUTUA_TEST_MONGODB_URI");

  return uri && uri[0] ? uri : NULL;
}

const char *
mt_test_store_describe (void)
{
  if (!mt_test_store_is_mongodb ()) {
    return "SQLite";
  }
  return mt_test_store_real_uri () ? "a real MongoDB server" : "the MongoDB double";
}

bool
mt_test_store_with_database (const char *base, const char *db, char *out, size_t size)
{
  const char *hosts = strstr (base, "://");
  const char *end;
  const char *options;
  int n;

  if (!hosts) {
    return false;
  }
  hosts += 3;
  end = hosts + strcspn (hosts, "/?");
  options = strchr (end, '?');
  n = snprintf (out, size, "%.*s/%s%s", (int) (end - base), base, db, options ? options : "");
  return n > 0 && (size_t) n < size;
}

bool
mt_test_store_mongodb_uri (const char *db_name, char *out, size_t size)
{
  const char *real = mt_test_store_real_uri ();
  char why[256];
  bool ok = true;

  if (real) {
    pthread_mutex_lock (&mt_test_store_lock);
    if (!mt_test_store_said) {
      fprintf (stderr, "# mutuad runs on a real MongoDB server (MUTUA_TEST_MONGODB_URI); the "
                       "double is not used\n");
      mt_test_store_said = true;
    }
    pthread_mutex_unlock (&mt_test_store_lock);
    return mt_test_store_with_database (real, db_name, out, size);
  }
  pthread_mutex_lock (&mt_test_store_lock);
  if (!mt_test_store_double_started) {
    if (!mt_mongo_double_available (why, sizeof why)) {
      fprintf (stderr, "mt_test_store: the MongoDB double cannot run: %s\n", why);
      ok = false;
    } else if (!mt_mongo_double_start (&mt_test_store_double)) {
      fprintf (stderr, "mt_test_store: the MongoDB double did not start\n");
      ok = false;
    } else {
      mt_test_store_double_started = true;
      fprintf (stderr,
               "# mutuad runs on the MongoDB double (port %u); a real server: skipped "
               "(MUTUA_TEST_MONGODB_URI is not set)\n",
               (unsigned) mt_test_store_double.port);
    }
  }
  pthread_mutex_unlock (&mt_test_store_lock);
  return ok && mt_mongo_double_uri (&mt_test_store_double, db_name, out, size);
}

bool
mt_test_store_stop_double (void)
{
  bool stopped = false;

  pthread_mutex_lock (&mt_test_store_lock);
  if (mt_test_store_double_started) {
    stopped = mt_mongo_double_stop (&mt_test_store_double) == 0;
    mt_test_store_double_started = false;
  }
  pthread_mutex_unlock (&mt_test_store_lock);
  return stopped;
}
