/*
 * mt_mongo_double: the MongoDB wire-protocol test double (tests/support/mongo_double.py) as
 * a child process, so that tests drive MongoDB code through the real mongo-c-driver over a
 * real socket on a machine without MongoDB. What it emulates: docs/HACKING.md.
 *
 * The child runs
 *
 *   /usr/bin/python3 $MUTUA_TEST_SOURCE_DIR/tests/support/mongo_double.py --port 0
 *                    --exit-on-stdin-eof
 *
 * with a pipe on its stdin (it exits when the test process goes away: the pipe reaches EOF)
 * and PR_SET_PDEATHSIG (SIGKILL when the thread that started it ends); its stderr is the
 * test's. Every wait is bounded.
 *
 * Typical use:
 *   char why[256];
 *   if (!mt_mongo_double_available (why, sizeof why)) {
 *     mt_test_say_skip ("mongo double", why);
 *     skip ();
 *   }
 *   mt_mongo_double_t d;
 *   assert_true (mt_mongo_double_start (&d));
 *   mt_mongo_double_uri (&d, "test_x", uri, sizeof uri);   -> mongoc_uri_new (uri)
 *   ...
 *   assert_int_equal (mt_mongo_double_stop (&d), 0);
 */
#ifndef MT_MONGO_DOUBLE_H
#define MT_MONGO_DOUBLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MT_MONGO_DOUBLE_PYTHON "/usr/bin/python3"
#define MT_MONGO_DOUBLE_START_TIMEOUT_MS 20000 /* until "port=N" is read */
#define MT_MONGO_DOUBLE_STOP_TIMEOUT_MS 10000  /* from SIGTERM until SIGKILL */

typedef struct {
  pid_t pid;         /* the running child, or -1 */
  int stdin_fd;      /* the write end of the child's stdin, or -1 */
  uint16_t port;     /* its port, 0 when not running */
  char base_uri[64]; /* "mongodb://127.0.0.1:N" */
} mt_mongo_double_t;

/*
 * True when the double can run: /usr/bin/python3 exists and imports bson (pymongo) and
 * mongomock, and MUTUA_TEST_SOURCE_DIR holds the script. Otherwise false with the reason
 * in @why (NUL-terminated, truncated to @size).
 */
bool mt_mongo_double_available (char *why, size_t size);

/*
 * Starts the double and waits (at most MT_MONGO_DOUBLE_START_TIMEOUT_MS) for its port.
 * @d is always initialised; on false the reason is on stderr and nothing is left running.
 */
bool mt_mongo_double_start (mt_mongo_double_t *d);

/*
 * A URI for database @dbname (each test uses its own), with short server selection and
 * connect timeouts: "mongodb://127.0.0.1:N/<dbname>?serverSelectionTimeoutMS=...". False
 * when it does not fit in @size.
 */
bool mt_mongo_double_uri (const mt_mongo_double_t *d, const char *dbname, char *buf, size_t size);

/*
 * SIGTERM, then SIGKILL after MT_MONGO_DOUBLE_STOP_TIMEOUT_MS. Safe when not running.
 * @return the exit code (0 after a clean stop), 128 + the signal when killed, -1 when it
 * was not running.
 */
int mt_mongo_double_stop (mt_mongo_double_t *d);

#endif
