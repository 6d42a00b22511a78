/*
 * Integration tests of mutuad's HTTP layer over real sockets: replies, problem documents,
 * security headers, request ids, routing answers (404/405/OPTIONS/HEAD), metrics, and hostile
 * HTTP (NUL bytes, smuggling shapes, oversized headers and bodies, slowloris, too many
 * connections), pipelining order and graceful shutdown.
 */
#include "mt_test.h"

#include "mt_http_client.h"
#include "mt_json.h"
#include "mt_test_server.h"
#include "mt_test_store.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static mt_test_server_t server;

static int
start_server (void **state)
{
  const char *args[] = { "--max-body-bytes",
                         "4096",
                         "--max-header-bytes",
                         "2048",
                         "--header-timeout-s",
                         "1",
                         "--max-connections",
                         "6",
                         NULL };
  (void) state;
  if (!mt_test_server_start (&server, args, NULL)) {
    mt_test_server_destroy (&server);
    return -1;
  }
  return 0;
}

static int
stop_server (void **state)
{
  int status = mt_test_server_stop (&server);
  (void) state;
  mt_test_server_destroy (&server);
  return status == 0 ? 0 : -1;
}

static void
get (const char *path, const char *const *headers, mt_http_response_t *resp)
{
  assert_true (mt_http_request (server.port, "GET", path, headers, NULL, 0, resp));
}

/* Sends raw bytes on a new connection and reads one response. */
static void
raw (const void *bytes, size_t len, mt_http_response_t *resp, int *fd_out)
{
  mt_error_t error;
  int fd = mt_http_connect (server.port, &error);

  assert_true (fd >= 0);
  assert_true (mt_http_send (fd, bytes, len, &error));
  assert_true (mt_http_read_response (fd, "GET", 0, resp));
  if (fd_out) {
    *fd_out = fd;
  } else {
    mt_http_close (fd);
  }
}

/* The response is a problem document of @status and @slug, and the connection is closed. */
static void
assert_refused (const void *bytes, size_t len, int status, const char *slug)
{
  mt_http_response_t resp;
  int fd;
  char type[128];

  raw (bytes, len, &resp, &fd);
  assert_int_equal (resp.status, status);
  assert_string_equal (mt_http_header (&resp, "Content-Type"),
                       "application/problem+json; charset=utf-8");
  snprintf (type, sizeof type, "urn:mutua:problem:%s", slug);
  assert_string_equal (mt_http_json_string (&resp, "type"), type);
  assert_true (resp.closing);
  assert_true (mt_http_peer_closed (fd, 5000));
  mt_http_close (fd);
  mt_http_response_destroy (&resp);
}

#define REFUSED(literal, status, slug) assert_refused (literal, sizeof (literal) - 1, status, slug)

static void
healthz_answers_json_with_security_headers (void **state)
{
  mt_http_response_t resp;

  get ("/healthz", NULL, &resp);
  assert_int_equal (resp.status, 200);
  assert_string_equal (mt_http_header (&resp, "Content-Type"), "application/json; charset=utf-8");
  assert_string_equal (mt_http_json_string (&resp, "status"), "ok");
  assert_string_equal (mt_http_header (&resp, "X-Content-Type-Options"), "nosniff");
  assert_string_equal (mt_http_header (&resp, "X-Frame-Options"), "DENY");
  assert_string_equal (mt_http_header (&resp, "Referrer-Policy"), "no-referrer");
  assert_string_equal (mt_http_header (&resp, "Cache-Control"), "no-store");
  assert_non_null (
    strstr (mt_http_header (&resp, "Content-Security-Policy"), "default-src 'none'"));
  assert_true (strlen (mt_http_header (&resp, "X-Request-Id")) >= 16);
  mt_http_response_destroy (&resp);
}

static void
request_ids_are_kept_when_plain_and_replaced_otherwise (void **state)
{
  mt_http_response_t resp;
  const char *plain[] = { "X-Request-Id: abc-123.DEF_4", NULL };
  const char *hostile[] = { "X-Request-Id: a\"b{c}", NULL };

  get ("/healthz", plain, &resp);
  assert_string_equal (mt_http_header (&resp, "X-Request-Id"), "abc-123.DEF_4");
  mt_http_response_destroy (&resp);
  get ("/healthz", hostile, &resp);
  assert_string_not_equal (mt_http_header (&resp, "X-Request-Id"), "a\"b{c}");
  mt_http_response_destroy (&resp);
}

static void
unknown_paths_get_a_problem_in_french_or_english (void **state)
{
  mt_http_response_t resp;
  const char *english[] = { "Accept-Language: en-GB,en;q=0.9,fr;q=0.5", NULL };
  const char *french[] = { "Accept-Language: de, fr;q=0.8, en;q=0.2", NULL };

  get ("/v1/nowhere", NULL, &resp);
  assert_int_equal (resp.status, 404);
  assert_string_equal (mt_http_header (&resp, "Content-Type"),
                       "application/problem+json; charset=utf-8");
  assert_string_equal (mt_http_json_string (&resp, "type"), "urn:mutua:problem:not-found");
  assert_string_equal (mt_http_json_string (&resp, "title"), "Introuvable");
  assert_string_equal (mt_http_json_string (&resp, "instance"), "/v1/nowhere");
  assert_string_equal (mt_http_json_string (&resp, "request_id"),
                       mt_http_header (&resp, "X-Request-Id"));
  assert_string_equal (mt_http_header (&resp, "Content-Language"), "fr");
  mt_http_response_destroy (&resp);

  get ("/v1/nowhere", english, &resp);
  assert_string_equal (mt_http_json_string (&resp, "title"), "Not found");
  assert_string_equal (mt_http_header (&resp, "Content-Language"), "en");
  mt_http_response_destroy (&resp);

  get ("/v1/nowhere", french, &resp);
  assert_string_equal (mt_http_json_string (&resp, "title"), "Introuvable");
  mt_http_response_destroy (&resp);
}

static void
wrong_methods_get_405_with_allow_and_options_lists_them (void **state)
{
  mt_http_response_t resp;

  assert_true (mt_http_request (server.port, "DELETE", "/healthz", NULL, NULL, 0, &resp));
  assert_int_equal (resp.status, 405);
  assert_string_equal (mt_http_header (&resp, "Allow"), "GET, HEAD, OPTIONS");
  assert_string_equal (mt_http_json_string (&resp, "type"), "urn:mutua:problem:method-not-allowed");
  mt_http_response_destroy (&resp);

  assert_true (mt_http_request (server.port, "OPTIONS", "/healthz", NULL, NULL, 0, &resp));
  assert_int_equal (resp.status, 204);
  assert_string_equal (mt_http_header (&resp, "Allow"), "GET, HEAD, OPTIONS");
  mt_http_response_destroy (&resp);

  assert_true (mt_http_request (server.port, "HEAD", "/healthz", NULL, NULL, 0, &resp));
  assert_int_equal (resp.status, 200);
  assert_int_equal (resp.body_len, 0);
  mt_http_response_destroy (&resp);
}

static void
readiness_and_openapi (void **state)
{
  mt_http_response_t resp;

  get ("/readyz", NULL, &resp);
  assert_int_equal (resp.status, 200);
  assert_string_equal (mt_http_json_string (&resp, "status"), "ready");
  assert_string_equal (mt_http_json_string (&resp, "store"),
                       mt_test_store_is_mongodb () ? "mongodb" : "sqlite");
  mt_http_response_destroy (&resp);

  get ("/v1/openapi.json", NULL, &resp);
  assert_int_equal (resp.status, 200);
  assert_true (resp.has_json);
  assert_non_null (mt_http_json_string (&resp, "openapi"));
  mt_http_response_destroy (&resp);

  get ("/v1/schemas/common.json", NULL, &resp);
  assert_int_equal (resp.status, 200);
  assert_string_equal (mt_http_header (&resp, "Content-Type"), "application/schema+json");
  mt_http_response_destroy (&resp);

  get ("/v1/schemas/nothing.json", NULL, &resp);
  assert_int_equal (resp.status, 404);
  mt_http_response_destroy (&resp);
}

static void
keep_alive_serves_several_requests (void **state)
{
  mt_error_t error;
  int fd = mt_http_connect (server.port, &error);

  assert_true (fd >= 0);
  for (int i = 0; i < 5; i++) {
    mt_http_response_t resp;
    assert_true (mt_http_request_on (fd, "GET", "/healthz", NULL, NULL, 0, &resp));
    assert_int_equal (resp.status, 200);
    assert_false (resp.closing);
    mt_http_response_destroy (&resp);
  }
  mt_http_close (fd);
}

static void
refuses_nul_bytes_in_headers (void **state)
{
  REFUSED ("GET /healthz HTTP/1.1\r\nHost: a\r\nX-Note: a\0b\r\n\r\n", 400, "bad-request");
}

static void
refuses_smuggling_shapes (void **state)
{
  REFUSED ("POST /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab",
           400, "bad-request");
  REFUSED ("POST /healthz HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 400,
           "bad-request");
  REFUSED ("POST /healthz HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", 400,
           "bad-request");
  REFUSED (
    "POST /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n"
    "\r\n0\r\n\r\n",
    400, "bad-request");
  REFUSED ("GET /healthz HTTP/1.1\r\nHost: a\r\nX-Folded: a\r\n b\r\n\r\n", 400, "bad-request");
  REFUSED ("GET /healthz HTTP/1.1\r\n\r\n", 400, "bad-request");
  REFUSED ("BREW /healthz HTTP/1.1\r\nHost: a\r\n\r\n", 501, "not-implemented");
}

static void
accepts_a_plain_chunked_body (void **state)
{
  /* The guard lets a well-formed chunked body through; the route then refuses the method. */
  static const char req[] =
    "POST /healthz HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
    "4\r\nabcd\r\n0\r\n\r\n";
  mt_http_response_t resp;

  raw (req, sizeof req - 1, &resp, NULL);
  assert_int_equal (resp.status, 405);
  mt_http_response_destroy (&resp);
}

static void
refuses_oversized_headers_and_bodies (void **state)
{
  char big[4096];
  size_t n;
  mt_http_response_t resp;
  static const char chunked[] =
    "POST /healthz HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
    "800\r\n";

  n = (size_t) snprintf (big, sizeof big, "GET /healthz HTTP/1.1\r\nHost: a\r\nX-Big: ");
  memset (big + n, 'x', 2500);
  n += 2500;
  memcpy (big + n, "\r\n\r\n", 4);
  assert_refused (big, n + 4, 431, "headers-too-large");

  REFUSED ("POST /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: 4097\r\n\r\n", 413, "too-large");
  /* 0x800 + 0x800 bytes of chunks exceed the 4096-byte limit as soon as the second size is read. */
  {
    char body[2048 + 64];
    size_t m = sizeof chunked - 1;
    mt_error_t error;
    int fd = mt_http_connect (server.port, &error);
    memcpy (body, chunked, m);
    assert_true (mt_http_send (fd, body, m, &error));
    memset (body, 'y', 2048);
    assert_true (mt_http_send (fd, body, 2048, &error));
    assert_true (mt_http_send_str (fd, "\r\n801\r\n", &error));
    assert_true (mt_http_read_response (fd, "POST", 0, &resp));
    assert_int_equal (resp.status, 413);
    mt_http_response_destroy (&resp);
    mt_http_close (fd);
  }
}

static void
cuts_off_a_slowloris_client (void **state)
{
  const char *req = "GET /healthz HTTP/1.1\r\nHost: slow\r\n\r\n";
  mt_error_t error;
  mt_http_response_t resp;
  int fd = mt_http_connect (server.port, &error);
  bool refused = false;

  /* One byte every 300 ms against a 1 s header deadline: the server must answer 408 and
   * close before the request is complete. */
  for (size_t i = 0; req[i] && !refused; i++) {
    struct pollfd p = { .fd = fd, .events = POLLIN };
    if (!mt_http_send (fd, req + i, 1, &error)) {
      break; /* the server closed: read what it said */
    }
    refused = poll (&p, 1, 300) == 1;
  }
  assert_true (mt_http_read_response (fd, "GET", 0, &resp));
  assert_int_equal (resp.status, 408);
  assert_string_equal (mt_http_json_string (&resp, "type"), "urn:mutua:problem:request-timeout");
  assert_true (mt_http_peer_closed (fd, 5000));
  mt_http_response_destroy (&resp);
  mt_http_close (fd);
}

/* Waits until the server counts at most @n open connections (the asking one included):
 * it notices closed connections asynchronously. */
static void
wait_for_connections_at_most (int n)
{
  char expected[64];

  snprintf (expected, sizeof expected, "mutua_http_connections %d\n", n);
  for (int attempt = 0; attempt < 200; attempt++) {
    mt_http_response_t resp;
    bool done;
    get ("/metrics", NULL, &resp);
    done = resp.status == 200 && strstr (resp.body, expected) != NULL;
    mt_http_response_destroy (&resp);
    if (done) {
      return;
    }
    usleep (25000);
  }
  fail_msg ("connections from earlier tests never closed");
}

static void
refuses_connections_over_the_limit (void **state)
{
  int fds[6];
  mt_error_t error;
  mt_http_response_t resp;

  wait_for_connections_at_most (1);

  /* The limit is 6: hold 6 open connections (each proven served), the 7th gets 503. */
  for (int i = 0; i < 6; i++) {
    fds[i] = mt_http_connect (server.port, &error);
    assert_true (fds[i] >= 0);
    assert_true (mt_http_request_on (fds[i], "GET", "/healthz", NULL, NULL, 0, &resp));
    assert_int_equal (resp.status, 200);
    mt_http_response_destroy (&resp);
  }
  {
    int extra = mt_http_connect (server.port, &error);
    assert_true (mt_http_read_response (extra, "GET", 0, &resp));
    assert_int_equal (resp.status, 503);
    assert_non_null (mt_http_header (&resp, "Retry-After"));
    assert_true (mt_http_peer_closed (extra, 5000));
    mt_http_response_destroy (&resp);
    mt_http_close (extra);
  }
  for (int i = 0; i < 6; i++) {
    mt_http_close (fds[i]);
  }
  /* Once they are gone, new connections are served again (closing is noticed asynchronously). */
  for (int attempt = 0; attempt < 100; attempt++) {
    bool ok;
    mt_http_request (server.port, "GET", "/healthz", NULL, NULL, 0, &resp);
    ok = resp.status == 200;
    mt_http_response_destroy (&resp);
    if (ok) {
      return;
    }
    usleep (50000);
  }
  fail_msg ("connections never freed");
}

static void
answers_pipelined_requests_in_order_before_refusing (void **state)
{
  static const char reqs[] = "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"
                             "GET /nowhere HTTP/1.1\r\nHost: a\r\n\r\n"
                             "GET /healthz HTTP/1.1\r\nHost: a\r\nX: \0\r\n\r\n";
  mt_error_t error;
  mt_http_response_t resp;
  int fd = mt_http_connect (server.port, &error);

  assert_true (mt_http_send (fd, reqs, sizeof reqs - 1, &error));
  assert_true (mt_http_read_response (fd, "GET", 0, &resp));
  assert_int_equal (resp.status, 200);
  mt_http_response_destroy (&resp);
  assert_true (mt_http_read_response (fd, "GET", 0, &resp));
  assert_int_equal (resp.status, 404);
  mt_http_response_destroy (&resp);
  assert_true (mt_http_read_response (fd, "GET", 0, &resp));
  assert_int_equal (resp.status, 400);
  mt_http_response_destroy (&resp);
  assert_true (mt_http_peer_closed (fd, 5000));
  mt_http_close (fd);
}

static void
metrics_count_requests_by_route_and_status (void **state)
{
  mt_http_response_t resp;

  get ("/healthz", NULL, &resp);
  mt_http_response_destroy (&resp);
  get ("/metrics", NULL, &resp);
  assert_int_equal (resp.status, 200);
  assert_string_equal (mt_http_header (&resp, "Content-Type"),
                       "text/plain; version=0.0.4; charset=utf-8");
  assert_non_null (
    strstr (resp.body, "mutua_http_requests_total{route=\"GET /healthz\",status=\"200\"}"));
  assert_non_null (
    strstr (resp.body, "mutua_http_requests_total{route=\"unmatched\",status=\"404\"}"));
  assert_non_null (strstr (
    resp.body, "mutua_http_request_duration_seconds_bucket{route=\"GET /healthz\",le=\"+Inf\"}"));
  assert_non_null (strstr (resp.body, "mutua_http_connections "));
  mt_http_response_destroy (&resp);
}

static void
logs_are_json_lines_without_query_strings (void **state)
{
  mt_http_response_t resp;
  size_t len = 0;
  char *log;
  char *line;
  char *save = NULL;
  int requests = 0;

  get ("/healthz?secret-looking=value-123", NULL, &resp);
  mt_http_response_destroy (&resp);
  usleep (100000);
  log = mt_test_server_log (&server, &len);
  assert_non_null (log);
  assert_null (strstr (log, "value-123"));
  for (line = strtok_r (log, "\n", &save); line; line = strtok_r (NULL, "\n", &save)) {
    bson_t doc;
    mt_error_t error;
    if (line[0] != '{') {
      continue; /* the harness keeps stdout (the start-up banner) in the same file */
    }
    if (!mt_json_parse_object (line, strlen (line), MT_JSON_TRUSTED, &doc, &error)) {
      fail_msg ("log line is not JSON: %s", line);
    }
    if (strstr (line, "\"msg\":\"request\"")) {
      requests++;
    }
    bson_destroy (&doc);
  }
  assert_true (requests > 0);
  free (log);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("http/healthz/json_with_security_headers", healthz_answers_json_with_security_headers),
    MT_TEST ("http/request_id/kept_or_replaced",
             request_ids_are_kept_when_plain_and_replaced_otherwise),
    MT_TEST ("http/problem/french_or_english", unknown_paths_get_a_problem_in_french_or_english),
    MT_TEST ("http/routing/405_allow_options_head",
             wrong_methods_get_405_with_allow_and_options_lists_them),
    MT_TEST ("http/ops/readiness_openapi_schemas", readiness_and_openapi),
    MT_TEST ("http/keep_alive", keep_alive_serves_several_requests),
    MT_TEST ("http/hostile/nul_in_headers", refuses_nul_bytes_in_headers),
    MT_TEST ("http/hostile/smuggling_shapes", refuses_smuggling_shapes),
    MT_TEST ("http/chunked/plain_body_accepted", accepts_a_plain_chunked_body),
    MT_TEST ("http/hostile/oversized_headers_and_bodies", refuses_oversized_headers_and_bodies),
    MT_TEST ("http/hostile/slowloris", cuts_off_a_slowloris_client),
    MT_TEST ("http/hostile/connection_limit", refuses_connections_over_the_limit),
    MT_TEST ("http/pipelining/in_order_before_refusing",
             answers_pipelined_requests_in_order_before_refusing),
    MT_TEST ("http/metrics/by_route_and_status", metrics_count_requests_by_route_and_status),
    MT_TEST ("http/logs/json_lines_without_query_strings",
             logs_are_json_lines_without_query_strings),
  };
  return cmocka_run_group_tests_name ("integration/http", tests, start_server, stop_server);
}
