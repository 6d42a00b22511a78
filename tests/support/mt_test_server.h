/*
 * mt_test_server: runs the real mutuad as a child process for the integration tests.
 *
 * Each server gets a fresh data directory ($TMPDIR or /tmp, "mutua-test-XXXXXX") that also
 * holds its log ("mutuad.log": the child's stdout and stderr, kept across restarts) and its
 * port file ("mutuad.port"). The child runs
 *
 *   $MUTUA_TEST_MUTUAD --listen 127.0.0.1:0 --data-dir DIR --port-file DIR/mutuad.port
 *                      --threads 2 --password-opslimit 1 --password-memlimit-kib 8 EXTRA...
 *
 * with MUTUA_ADMIN_EMAIL / MUTUA_ADMIN_PASSWORD set to the MT_TEST_ADMIN_* values, so that
 * the first admin exists on the empty store. A default flag is left out when @extra_args
 * holds the same flag (--listen, --threads, --password-opslimit, --password-memlimit-kib);
 * --data-dir and --port-file are always the harness's.
 *
 * MUTUA_TEST_WRAPPER, when set, is a command (words split on spaces and tabs, no quoting) put
 * before that command line at every (re)start, e.g. for valgrind (scripts/valgrind.sh):
 *
 *   MUTUA_TEST_WRAPPER="valgrind --error-exitcode=99 --leak-check=full ..."
 *
 * mt_test_server_stop then returns the wrapper's exit code (99 when valgrind found an error
 * or a definite leak), which the tests assert to be 0; the start and stop waits, and the
 * HTTP client's timeout (mt_http_client_set_timeout), are ten times longer. srv->pid is the wrapper's process (valgrind runs mutuad in its own process).
 *
 * The child gets SIGKILL if the test thread that started it dies (PR_SET_PDEATHSIG), so a
 * crashed test never leaves a server behind. Every wait is bounded.
 *
 * Typical use:
 *   mt_test_server_t srv;
 *   assert_true (mt_test_server_start (&srv, NULL, NULL));
 *   char *token = mt_test_server_login_admin (&srv);
 *   ...
 *   assert_int_equal (mt_test_server_stop (&srv), 0);
 *   mt_test_server_destroy (&srv);
 */
#ifndef MT_TEST_SERVER_H
#define MT_TEST_SERVER_H

#include "mt_http_client.h"

#include <bson/bson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define MT_TEST_ADMIN_EMAIL "admin@mutua.test"
#define MT_TEST_ADMIN_PASSWORD "admin-password-123"

#define MT_TEST_SERVER_START_TIMEOUT_MS 20000 /* until the port file appears */
#define MT_TEST_SERVER_STOP_TIMEOUT_MS 20000  /* from SIGTERM until SIGKILL */

typedef struct {
  pid_t pid;                /* the running child, or -1 */
  uint16_t port;            /* its port, 0 when not running */
  int exit_status;          /* of the last child that ended (see mt_test_server_stop), -1 before */
  char dir[PATH_MAX];       /* the data dir */
  char log_path[PATH_MAX];  /* DIR/mutuad.log */
  char port_path[PATH_MAX]; /* DIR/mutuad.port */
  char store_uri[PATH_MAX + 512]; /* the store mutuad runs on (see mt_test_server_store_uri) */
  char **argv;                    /* owned, NULL-terminated: the command line of every (re)start */
  char **envp;                    /* owned, NULL-terminated: the child's environment */
  char **wrapper;                 /* owned, NULL-terminated: MUTUA_TEST_WRAPPER's words, or NULL */
  char **exec_argv;               /* owned, NULL-terminated: wrapper then argv, what is executed */
} mt_test_server_t;

/*
 * Creates the data dir and starts mutuad, waiting (at most MT_TEST_SERVER_START_TIMEOUT_MS)
 * until it has written its port.
 * @extra_args: more arguments ("--demo", "--log-level", "debug"...), NULL-terminated, or NULL.
 * @extra_env: "NAME=value" strings that override the environment (the admin variables
 * included), or "NAME" alone to remove NAME; NULL-terminated, or NULL.
 * @return true when the server is ready. On false the reason and the tail of the log are on
 * stderr. Either way @srv is initialised and the caller calls mt_test_server_destroy.
 */
bool mt_test_server_start (mt_test_server_t *srv, const char *const *extra_args,
                           const char *const *extra_env);

/*
 * The store the server runs on, as mutuad's --store takes it: "sqlite:DIR/mutua.db", or the
 * mongodb:// URI of the server's own database when MUTUA_TEST_STORE=mongodb (mt_test_store.h:
 * the harness then passes "--store mongodb --mongodb-uri URI" unless the test gives --store).
 * Tests open the same store with mt_store_backend_new (mt_test_server_store_uri (srv)).
 */
const char *mt_test_server_store_uri (const mt_test_server_t *srv);

/*
 * Sends SIGTERM and waits for the exit (SIGKILL after MT_TEST_SERVER_STOP_TIMEOUT_MS).
 * @return the exit code, 128 + the signal number when the child was killed by a signal
 * (137 after the SIGKILL fallback), or the last status when it was not running (-1 if it
 * never ran). Prints the tail of the log when the result is not 0. A sanitizer report
 * makes it non-zero: tests assert 0.
 */
int mt_test_server_stop (mt_test_server_t *srv);

/* SIGKILL, for crash tests; waits for the child. Records exit_status. */
void mt_test_server_kill (mt_test_server_t *srv);

/*
 * Stops the server if it runs (its status goes to srv->exit_status), then starts it again
 * on the same data dir with the same arguments; it gets a new port (srv->port).
 */
bool mt_test_server_restart (mt_test_server_t *srv);

/*
 * Kills the child if it still runs, removes the data dir unless MUTUA_TEST_KEEP=1 (then
 * its path is printed), frees what @srv owns. Safe on a failed start and twice.
 */
void mt_test_server_destroy (mt_test_server_t *srv);

/* The whole log so far as a malloc'd NUL-terminated string (free() it), or NULL. */
char *mt_test_server_log (const mt_test_server_t *srv, size_t *len);

/* Prints the last @max_bytes of the log on stderr, framed, for failure diagnostics. */
void mt_test_server_print_log_tail (const mt_test_server_t *srv, size_t max_bytes);

/*
 * POST /v1/auth/login with {"email": @email, "password": @password}.
 * @return the "token" string of a 2xx JSON answer, malloc'd (free() it), or NULL after
 * printing the status and the problem's "type" (never the password).
 */
char *mt_test_server_login (const mt_test_server_t *srv, const char *email, const char *password);

/* mt_test_server_login with MT_TEST_ADMIN_EMAIL and MT_TEST_ADMIN_PASSWORD. */
char *mt_test_server_login_admin (const mt_test_server_t *srv);

/*
 * One request on a new connection, with "Authorization: Bearer @token" when @token is not
 * NULL and, when @json is not NULL, @json as the body with "Content-Type: application/json"
 * (unless @headers has a Content-Type). @headers: more "Name: value" lines, or NULL.
 * @out: always initialised; the caller destroys it. False only when no response was read.
 */
bool mt_test_server_request (const mt_test_server_t *srv, const char *token, const char *method,
                             const char *path, const char *const *headers, const char *json,
                             mt_http_response_t *out);

/* mt_test_server_request with @body (may be NULL) written as JSON. */
bool mt_test_server_request_bson (const mt_test_server_t *srv, const char *token,
                                  const char *method, const char *path, const char *const *headers,
                                  const bson_t *body, mt_http_response_t *out);

#endif
