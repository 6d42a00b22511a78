/*
 * Integration tests of mutuad's life cycle: the first administrator (generated password
 * printed once, never logged), the demo data set (loaded once; its catalogue is searchable
 * as the visibility rules say; its loans show to their lenders and in the administrators'
 * review queue), signing-key rotation with SIGHUP (old tokens keep working
 * until their key is removed), and graceful shutdown with a request in flight (it is
 * answered, then mutuad exits 0).
 */
#include "mt_test.h"

#include "demo.h"
#include "mt_b64.h"
#include "mt_http_client.h"
#include "mt_json.h"
#include "mt_test_server.h"

#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEMO_MANAGER "camille.lefebvre@mains-guidon.exemple.fr"
/* A member of another demo organisation (La Recyclerie du Pile, network Apes). */
#define DEMO_NEIGHBOUR "nadia.haddad@recyclerie-pile.exemple.fr"
#define DEMO_BAKFIETS "Vélo cargo biporteur Bakfiets avec bâche"
#define DEMO_TRIPORTEUR "Vélo cargo triporteur à assistance électrique"
#define DEMO_CARGO_SEARCH "/v1/listings?q=velo%20cargo&limit=100"
#define DEMO_LENDER_LIST "/v1/reservations?role=lender&limit=100"
#define DEMO_REVIEWS "/v1/admin/reviews?limit=100"

/* The value after "password (shown once, change it) : " in the log, or "" (malloc'd). */
static char *
generated_password (const mt_test_server_t *srv)
{
  char *log = mt_test_server_log (srv, NULL);
  const char *marker = "password (shown once, change it) : ";
  char *at = log ? strstr (log, marker) : NULL;
  char *out;

  if (!at) {
    free (log);
    return strdup ("");
  }
  at += strlen (marker);
  out = strndup (at, strcspn (at, "\n"));
  free (log);
  return out;
}

static void
first_admin_password_is_generated_printed_once_and_never_logged (void **state)
{
  mt_test_server_t srv;
  const char *env[] = { "MUTUA_ADMIN_PASSWORD", NULL }; /* unset: mutuad generates one */
  char *password;
  char *token;
  char *log;
  char *line;
  char *save = NULL;
  int occurrences = 0;

  assert_true (mt_test_server_start (&srv, NULL, env));
  password = generated_password (&srv);
  assert_true (strlen (password) >= 16);
  token = mt_test_server_login (&srv, MT_TEST_ADMIN_EMAIL, password);
  assert_non_null (token);
  free (token);

  /* A restart on the same store creates no other administrator and prints no password. */
  assert_true (mt_test_server_restart (&srv));
  log = mt_test_server_log (&srv, NULL);
  for (line = strtok_r (log, "\n", &save); line; line = strtok_r (NULL, "\n", &save)) {
    if (strstr (line, password)) {
      occurrences++;
      assert_true (line[0] != '{'); /* the banner on stdout, never a JSON log line */
    }
  }
  assert_int_equal (occurrences, 1);
  free (log);
  token = mt_test_server_login (&srv, MT_TEST_ADMIN_EMAIL, password);
  assert_non_null (token);
  free (token);
  free (password);
  assert_int_equal (mt_test_server_stop (&srv), 0);
  mt_test_server_destroy (&srv);
}

static void
demo_loads_networks_members_and_accounts_once (void **state)
{
  mt_test_server_t srv;
  const char *args[] = { "--demo", NULL };
  mt_http_response_t resp;
  char *token;
  char *neighbour;
  char *admin;
  size_t first_count;
  size_t first_search;
  size_t first_lender;
  size_t first_reviews;

  assert_true (mt_test_server_start (&srv, args, NULL));
  token = mt_test_server_login (&srv, DEMO_MANAGER, MT_DEMO_PASSWORD);
  assert_non_null (token);
  assert_true (mt_test_server_request (&srv, NULL, "GET", "/v1/networks", NULL, NULL, &resp));
  assert_int_equal (resp.status, 200);
  assert_non_null (strstr (resp.body, "\"slug\":\"apes\""));
  assert_non_null (strstr (resp.body, "\"slug\":\"mres\""));
  mt_http_response_destroy (&resp);
  assert_true (
    mt_test_server_request (&srv, token, "GET", "/v1/members?limit=100", NULL, NULL, &resp));
  assert_int_equal (resp.status, 200);
  assert_non_null (strstr (resp.body, "Les Mains dans le Guidon"));
  first_count = resp.body_len;
  mt_http_response_destroy (&resp);
  admin = mt_test_server_login_admin (&srv);
  assert_true (mt_test_server_request (&srv, admin, "GET", "/v1/admin/members?status=pending", NULL,
                                       NULL, &resp));
  assert_int_equal (resp.status, 200);
  assert_non_null (mt_http_json_string (&resp, "items.0.id")); /* the review queue is not empty */
  mt_http_response_destroy (&resp);
  free (admin);
  free (token);

  /* The catalogue: a member of another demo organisation finds both cargo bikes (the
   * Bakfiets is shown to the networks only), without their pickup address... */
  neighbour = mt_test_server_login (&srv, DEMO_NEIGHBOUR, MT_DEMO_PASSWORD);
  assert_non_null (neighbour);
  assert_true (
    mt_test_server_request (&srv, neighbour, "GET", DEMO_CARGO_SEARCH, NULL, NULL, &resp));
  assert_int_equal (resp.status, 200);
  assert_non_null (strstr (resp.body, DEMO_BAKFIETS));
  assert_non_null (strstr (resp.body, DEMO_TRIPORTEUR));
  assert_null (strstr (resp.body, "\"pickup\""));
  first_search = resp.body_len;
  mt_http_response_destroy (&resp);
  /* ...an anonymous visitor finds only the public one. */
  assert_true (mt_test_server_request (&srv, NULL, "GET", DEMO_CARGO_SEARCH, NULL, NULL, &resp));
  assert_int_equal (resp.status, 200);
  assert_non_null (strstr (resp.body, DEMO_TRIPORTEUR));
  assert_null (strstr (resp.body, DEMO_BAKFIETS));
  assert_null (strstr (resp.body, "\"visibility\":\"networks\""));
  mt_http_response_destroy (&resp);
  free (neighbour);

  /* The demo's loans: the lending organisation of the Bakfiets sees the request waiting for
   * its answer... */
  token = mt_test_server_login (&srv, DEMO_MANAGER, MT_DEMO_PASSWORD);
  assert_true (mt_test_server_request (&srv, token, "GET", DEMO_LENDER_LIST, NULL, NULL, &resp));
  assert_int_equal (resp.status, 200);
  assert_non_null (mt_http_json_string (&resp, "items.0.id"));
  assert_non_null (strstr (resp.body, DEMO_BAKFIETS));
  assert_non_null (strstr (resp.body, "\"status\":\"requested\""));
  first_lender = resp.body_len;
  mt_http_response_destroy (&resp);
  free (token);
  /* ...and the administrators' review queue holds the overdue trailer and the torn tent. */
  admin = mt_test_server_login_admin (&srv);
  assert_true (mt_test_server_request (&srv, admin, "GET", DEMO_REVIEWS, NULL, NULL, &resp));
  assert_int_equal (resp.status, 200);
  assert_non_null (mt_http_json_string (&resp, "items.0.reason"));
  assert_non_null (strstr (resp.body, "\"reason\":\"overdue\""));
  assert_non_null (strstr (resp.body, "\"reason\":\"incident\""));
  first_reviews = resp.body_len;
  mt_http_response_destroy (&resp);
  free (admin);

  /* Loading again changes nothing. */
  assert_true (mt_test_server_restart (&srv));
  token = mt_test_server_login (&srv, DEMO_MANAGER, MT_DEMO_PASSWORD);
  assert_true (
    mt_test_server_request (&srv, token, "GET", "/v1/members?limit=100", NULL, NULL, &resp));
  assert_int_equal (resp.body_len, first_count);
  mt_http_response_destroy (&resp);
  free (token);
  neighbour = mt_test_server_login (&srv, DEMO_NEIGHBOUR, MT_DEMO_PASSWORD);
  assert_true (
    mt_test_server_request (&srv, neighbour, "GET", DEMO_CARGO_SEARCH, NULL, NULL, &resp));
  assert_int_equal (resp.body_len, first_search);
  mt_http_response_destroy (&resp);
  free (neighbour);
  token = mt_test_server_login (&srv, DEMO_MANAGER, MT_DEMO_PASSWORD);
  assert_true (mt_test_server_request (&srv, token, "GET", DEMO_LENDER_LIST, NULL, NULL, &resp));
  assert_int_equal (resp.body_len, first_lender);
  mt_http_response_destroy (&resp);
  free (token);
  admin = mt_test_server_login_admin (&srv);
  assert_true (mt_test_server_request (&srv, admin, "GET", DEMO_REVIEWS, NULL, NULL, &resp));
  assert_int_equal (resp.body_len, first_reviews);
  mt_http_response_destroy (&resp);
  free (admin);
  assert_int_equal (mt_test_server_stop (&srv), 0);
  mt_test_server_destroy (&srv);
}

/* The footer ("kid") of a token, decoded, as a malloc'd string. */
static char *
token_kid (const char *token)
{
  const char *dot = strrchr (token, '.');
  char footer[256];
  size_t n = 0;
  bson_t doc;
  mt_error_t error;
  char *kid = NULL;

  assert_true (
    mt_b64url_decode (dot + 1, strlen (dot + 1), (uint8_t *) footer, sizeof footer - 1, &n));
  assert_true (mt_json_parse_object (footer, n, MT_JSON_TRUSTED, &doc, &error));
  {
    bson_iter_t it;
    assert_true (bson_iter_init_find (&it, &doc, "kid"));
    kid = strdup (bson_iter_utf8 (&it, NULL));
  }
  bson_destroy (&doc);
  return kid;
}

static int
status_of (const mt_test_server_t *srv, const char *token, const char *path)
{
  mt_http_response_t resp;
  int status;
  assert_true (mt_test_server_request (srv, token, "GET", path, NULL, NULL, &resp));
  status = resp.status;
  mt_http_response_destroy (&resp);
  return status;
}

static void
run_rotate_key (const mt_test_server_t *srv)
{
  pid_t pid = fork ();
  int status = 0;

  if (pid == 0) {
    execl (getenv ("MUTUA_TEST_MUTUAD"), "mutuad", "rotate-key", "--data-dir", srv->dir,
           (char *) NULL);
    _exit (127);
  }
  assert_true (pid > 0);
  assert_int_equal (waitpid (pid, &status, 0), pid);
  assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
}

/* Name of the oldest key file in DIR/keys (names sort by creation time). */
static void
oldest_key_file (const mt_test_server_t *srv, char *out, size_t size)
{
  char dir[PATH_MAX + 8];
  DIR *d;
  struct dirent *e;
  char best[256] = "";

  snprintf (dir, sizeof dir, "%s/keys", srv->dir);
  d = opendir (dir);
  assert_non_null (d);
  while ((e = readdir (d))) {
    if (e->d_name[0] != '.' && strstr (e->d_name, ".k4.secret") &&
        (!best[0] || strcmp (e->d_name, best) < 0)) {
      snprintf (best, sizeof best, "%s", e->d_name);
    }
  }
  closedir (d);
  assert_true (best[0] != '\0');
  snprintf (out, size, "%s/%s", dir, best);
}

static void
key_rotation_keeps_sessions_until_the_old_key_is_retired (void **state)
{
  mt_test_server_t srv;
  char *old_token;
  char *new_token = NULL;
  char *old_kid;
  char *new_kid = NULL;
  char old_file[PATH_MAX + 300];

  assert_true (mt_test_server_start (&srv, NULL, NULL));
  old_token = mt_test_server_login_admin (&srv);
  old_kid = token_kid (old_token);
  oldest_key_file (&srv, old_file, sizeof old_file);

  run_rotate_key (&srv);
  assert_int_equal (kill (srv.pid, SIGHUP), 0);
  /* The reload is asynchronous: sign in until tokens carry the new key id. */
  for (int attempt = 0; attempt < 200; attempt++) {
    free (new_token);
    free (new_kid);
    new_token = mt_test_server_login_admin (&srv);
    new_kid = token_kid (new_token);
    if (strcmp (new_kid, old_kid) != 0) {
      break;
    }
    usleep (25000);
  }
  assert_string_not_equal (new_kid, old_kid);
  assert_int_equal (status_of (&srv, old_token, "/v1/me"), 200); /* still verifies */
  assert_int_equal (status_of (&srv, new_token, "/v1/me"), 200);

  /* Retiring the old key ends the sessions it signed. */
  assert_int_equal (unlink (old_file), 0);
  assert_int_equal (kill (srv.pid, SIGHUP), 0);
  for (int attempt = 0; attempt < 200 && status_of (&srv, old_token, "/v1/me") != 401; attempt++) {
    usleep (25000);
  }
  assert_int_equal (status_of (&srv, old_token, "/v1/me"), 401);
  assert_int_equal (status_of (&srv, new_token, "/v1/me"), 200);

  free (old_token);
  free (new_token);
  free (old_kid);
  free (new_kid);
  assert_int_equal (mt_test_server_stop (&srv), 0);
  mt_test_server_destroy (&srv);
}

/* The value of a gauge in /metrics (the line "<name> <value>"), or -1. */
static long
gauge (const mt_test_server_t *srv, const char *name)
{
  mt_http_response_t resp;
  long value = -1;
  char needle[128];
  char *at;

  snprintf (needle, sizeof needle, "\n%s ", name);
  assert_true (mt_test_server_request (srv, NULL, "GET", "/metrics", NULL, NULL, &resp));
  at = strstr (resp.body, needle);
  if (at) {
    value = strtol (at + strlen (needle), NULL, 10);
  }
  mt_http_response_destroy (&resp);
  return value;
}

static void
sigterm_answers_the_request_in_flight_then_exits_zero (void **state)
{
  mt_test_server_t srv;
  /* Costly hashing keeps the sign-in on the worker pool long enough to be caught in flight;
   * the drain waits for it however slow the machine (under valgrind it takes over 10 s). */
  const char *args[] = { "--password-opslimit",
                         "6",
                         "--password-memlimit-kib",
                         "131072",
                         "--drain-timeout-s",
                         "300",
                         NULL };
  const char *body =
    "{\"email\":\"" MT_TEST_ADMIN_EMAIL "\",\"password\":\"" MT_TEST_ADMIN_PASSWORD "\"}";
  const char *headers[] = { "Content-Type: application/json", NULL };
  mt_error_t error;
  mt_http_response_t resp;
  int fd;
  bool in_flight = false;

  assert_true (mt_test_server_start (&srv, args, NULL));
  fd = mt_http_connect (srv.port, &error);
  assert_true (fd >= 0);
  {
    char request[1024];
    int n =
      snprintf (request, sizeof request,
                "POST /v1/auth/login HTTP/1.1\r\nHost: t\r\n%s\r\nContent-Length: %zu\r\n\r\n%s",
                headers[0], strlen (body), body);
    assert_true (mt_http_send (fd, request, (size_t) n, &error));
  }
  /* The metrics request itself is one request in flight; the sign-in makes two. */
  for (int attempt = 0; attempt < 400 && !in_flight; attempt++) {
    in_flight = gauge (&srv, "mutua_http_requests_in_flight") >= 2;
    if (!in_flight) {
      usleep (5000);
    }
  }
  assert_true (in_flight);
  assert_int_equal (kill (srv.pid, SIGTERM), 0);
  assert_true (mt_http_read_response (fd, "POST", 0, &resp));
  assert_int_equal (resp.status, 200);
  assert_non_null (mt_http_json_string (&resp, "token"));
  assert_true (resp.closing); /* draining: Connection: close */
  mt_http_response_destroy (&resp);
  mt_http_close (fd);
  assert_int_equal (mt_test_server_stop (&srv), 0);
  mt_test_server_destroy (&srv);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("lifecycle/first_admin/generated_printed_once_never_logged",
             first_admin_password_is_generated_printed_once_and_never_logged),
    MT_TEST ("lifecycle/demo/loads_once", demo_loads_networks_members_and_accounts_once),
    MT_TEST ("lifecycle/keys/rotation_with_sighup",
             key_rotation_keeps_sessions_until_the_old_key_is_retired),
    MT_TEST ("lifecycle/sigterm/drains_in_flight_requests",
             sigterm_answers_the_request_in_flight_then_exits_zero),
  };
  return cmocka_run_group_tests_name ("integration/lifecycle", tests, NULL, NULL);
}
