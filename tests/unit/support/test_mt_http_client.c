/*
 * Unit tests of tests/support/mt_http_client.c against a canned in-process server: a
 * thread listening on 127.0.0.1 (port 0) that answers each connection, in order, with the
 * bytes of one script entry and records what it received.
 */
#define _GNU_SOURCE /* strcasestr */
#include "mt_test.h"

#include "mt_buf.h"
#include "mt_http_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define FAKE_MAX_CONNECTIONS 4
#define FAKE_WAIT_MS 10000 /* safety net: the fake server never waits longer */

typedef struct {
  const char *reply; /* sent once a whole request has arrived; "" sends nothing */
  bool hold_open;    /* keep the connection open (no FIN) until the client closes */
} canned_t;

typedef struct {
  int listen_fd;
  uint16_t port;
  pthread_t thread;
  const canned_t *script;
  size_t n_script;
  mt_buf_t received[FAKE_MAX_CONNECTIONS]; /* read by the test after fake_stop */
} fake_server_t;

static bool
fake_wait_readable (int fd)
{
  struct pollfd pfd = { .fd = fd, .events = POLLIN, .revents = 0 };

  return poll (&pfd, 1, FAKE_WAIT_MS) > 0;
}

/* Reads until a request head and the Content-Length bytes after it have arrived. */
static void
fake_read_request (int fd, mt_buf_t *in)
{
  char chunk[4096];

  for (;;) {
    const char *end = strstr (mt_buf_cstr (in), "\r\n\r\n");
    ssize_t n;

    if (end) {
      const char *cl = strcasestr (mt_buf_cstr (in), "\r\nContent-Length:");
      size_t head_len = (size_t) (end - mt_buf_cstr (in)) + 4;
      size_t body_len = cl && cl < end ? strtoul (cl + 17, NULL, 10) : 0;

      if (in->len >= head_len + body_len) {
        return;
      }
    }
    if (!fake_wait_readable (fd) || (n = recv (fd, chunk, sizeof chunk, 0)) <= 0 ||
        !mt_buf_append (in, chunk, (size_t) n)) {
      return;
    }
  }
}

static void *
fake_main (void *arg)
{
  fake_server_t *fake = arg;
  char chunk[4096];

  for (size_t i = 0; i < fake->n_script; i++) {
    const canned_t *c = &fake->script[i];
    int fd;

    if (!fake_wait_readable (fake->listen_fd) || (fd = accept (fake->listen_fd, NULL, NULL)) < 0) {
      break;
    }
    fake_read_request (fd, &fake->received[i]);
    if (*c->reply) {
      (void) send (fd, c->reply, strlen (c->reply), MSG_NOSIGNAL);
    }
    if (!c->hold_open) {
      shutdown (fd, SHUT_WR);
    }
    /* Read everything the client sends until it closes: closing with unread bytes would
     * make the kernel send a reset, which could destroy the reply before it is read. */
    for (;;) {
      ssize_t n = fake_wait_readable (fd) ? recv (fd, chunk, sizeof chunk, 0) : -1;

      if (n <= 0) {
        break;
      }
      mt_buf_append (&fake->received[i], chunk, (size_t) n);
    }
    close (fd);
  }
  return NULL;
}

static void
fake_start (fake_server_t *fake, const canned_t *script, size_t n_script)
{
  struct sockaddr_in sin;
  socklen_t len = sizeof sin;

  assert_true (n_script <= FAKE_MAX_CONNECTIONS);
  memset (fake, 0, sizeof *fake);
  fake->script = script;
  fake->n_script = n_script;
  for (size_t i = 0; i < FAKE_MAX_CONNECTIONS; i++) {
    mt_buf_init (&fake->received[i], 1 << 20);
  }
  memset (&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  fake->listen_fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  assert_true (fake->listen_fd >= 0);
  assert_int_equal (bind (fake->listen_fd, (struct sockaddr *) &sin, sizeof sin), 0);
  assert_int_equal (listen (fake->listen_fd, 8), 0);
  assert_int_equal (getsockname (fake->listen_fd, (struct sockaddr *) &sin, &len), 0);
  fake->port = ntohs (sin.sin_port);
  assert_int_equal (pthread_create (&fake->thread, NULL, fake_main, fake), 0);
}

/* Waits for the server thread; the connections must have been closed by the client. */
static void
fake_stop (fake_server_t *fake)
{
  pthread_join (fake->thread, NULL);
  close (fake->listen_fd);
}

static void
fake_destroy (fake_server_t *fake)
{
  for (size_t i = 0; i < FAKE_MAX_CONNECTIONS; i++) {
    mt_buf_destroy (&fake->received[i]);
  }
}

static int
connect_or_fail (uint16_t port)
{
  mt_error_t error;
  int fd = mt_http_connect (port, &error);

  if (fd < 0) {
    fail_msg ("connect: %s", error.message);
  }
  return fd;
}

/* ---- tests ----------------------------------------------------------------------------- */

static void
content_length_and_request_shape (void **state)
{
  static const canned_t script[] = {
    { "HTTP/1.1 201 Created\r\n"
      "Content-Type: application/json; charset=utf-8\r\n"
      "Set-Cookie: a=1\r\n"
      "X-Empty:\r\n"
      "set-cookie:   b=2  \r\n"
      "Content-Length: 32\r\n"
      "\r\n"
      "{\"token\":\"abc\",\"n\":{\"s\":\"deep\"}}",
      false },
  };
  const char *const headers[] = { "X-Test: 1", "Accept: application/json", NULL };
  fake_server_t fake;
  mt_http_response_t resp;
  char host[64];
  const char *req;

  fake_start (&fake, script, 1);
  if (!mt_http_request (fake.port, "POST", "/v1/things?x=1", headers, "{}", 2, &resp)) {
    fail_msg ("request: %s", resp.error.message);
  }
  fake_stop (&fake);

  assert_int_equal (resp.status, 201);
  assert_int_equal (resp.minor_version, 1);
  assert_string_equal (resp.reason, "Created");
  assert_int_equal (resp.n_headers, 5);
  assert_string_equal (resp.headers[0].name, "Content-Type");
  assert_string_equal (resp.headers[2].name, "X-Empty");
  assert_string_equal (resp.headers[2].value, "");
  assert_string_equal (resp.headers[3].name, "set-cookie");
  assert_string_equal (resp.headers[3].value, "b=2");
  assert_int_equal (mt_http_header_count (&resp, "SET-COOKIE"), 2);
  assert_string_equal (mt_http_header (&resp, "set-cookie"), "a=1");
  assert_null (mt_http_header (&resp, "X-Absent"));
  assert_int_equal (resp.body_len, 32);
  assert_false (resp.chunked);
  assert_false (resp.until_close);
  assert_false (resp.closing);
  assert_true (resp.has_json);
  assert_non_null (mt_http_json (&resp));
  assert_string_equal (mt_http_json_string (&resp, "token"), "abc");
  assert_string_equal (mt_http_json_string (&resp, "n.s"), "deep");
  assert_null (mt_http_json_string (&resp, "n"));

  req = mt_buf_cstr (&fake.received[0]);
  snprintf (host, sizeof host, "\r\nHost: 127.0.0.1:%u\r\n", (unsigned) fake.port);
  assert_true (strncmp (req, "POST /v1/things?x=1 HTTP/1.1\r\n", 30) == 0);
  assert_non_null (strstr (req, host));
  assert_non_null (strstr (req, "\r\nX-Test: 1\r\nAccept: application/json\r\n"));
  assert_non_null (strstr (req, "\r\nContent-Length: 2\r\n"));
  assert_non_null (strstr (req, "\r\nConnection: close\r\n"));
  assert_true (fake.received[0].len > 6);
  assert_string_equal (req + fake.received[0].len - 6, "\r\n\r\n{}");

  mt_http_response_destroy (&resp);
  fake_destroy (&fake);
}

static void
caller_headers_replace_defaults (void **state)
{
  static const canned_t script[] = {
    { "HTTP/1.1 204 No Content\r\n\r\n", false },
  };
  const char *const headers[] = { "host: example.test", "Content-Length: 5",
                                  "Connection: keep-alive", NULL };
  fake_server_t fake;
  mt_http_response_t resp;
  const char *req;

  fake_start (&fake, script, 1);
  assert_true (mt_http_request (fake.port, "PUT", "/x", headers, "hello", 5, &resp));
  fake_stop (&fake);
  assert_int_equal (resp.status, 204);
  assert_int_equal (resp.body_len, 0);
  assert_string_equal (resp.body, "");
  assert_false (resp.has_json);

  req = mt_buf_cstr (&fake.received[0]);
  assert_null (strcasestr (req, "Host: 127.0.0.1"));
  assert_null (strstr (req, "Connection: close"));
  assert_non_null (strstr (req, "\r\nContent-Length: 5\r\n"));
  assert_null (strstr (strstr (req, "Content-Length: 5") + 1, "Content-Length"));
  mt_http_response_destroy (&resp);
  fake_destroy (&fake);
}

static void
chunked_with_extensions_and_trailers (void **state)
{
  static const canned_t script[] = {
    { "HTTP/1.1 200 OK\r\n"
      "Transfer-Encoding: gzip, chunked\r\n"
      "\r\n"
      "5;name=value\r\nhello\r\n"
      "7 ; x=\"y\"\r\n, world\r\n"
      "A\r\n0123456789\r\n"
      "0;last\r\n"
      "X-Trailer: t\r\n"
      "\r\n",
      false },
  };
  fake_server_t fake;
  mt_http_response_t resp;

  fake_start (&fake, script, 1);
  if (!mt_http_request (fake.port, "GET", "/chunked", NULL, NULL, 0, &resp)) {
    fail_msg ("request: %s", resp.error.message);
  }
  fake_stop (&fake);
  assert_int_equal (resp.status, 200);
  assert_true (resp.chunked);
  assert_int_equal (resp.body_len, 22);
  assert_string_equal (resp.body, "hello, world0123456789");
  assert_int_equal (resp.n_trailers, 1);
  assert_string_equal (mt_http_trailer (&resp, "x-trailer"), "t");
  assert_null (strstr (mt_buf_cstr (&fake.received[0]), "Content-Length"));
  mt_http_response_destroy (&resp);
  fake_destroy (&fake);
}

static void
body_until_close (void **state)
{
  static const canned_t script[] = {
    { "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end", false },
  };
  fake_server_t fake;
  mt_http_response_t resp;

  fake_start (&fake, script, 1);
  assert_true (mt_http_request (fake.port, "GET", "/", NULL, NULL, 0, &resp));
  fake_stop (&fake);
  assert_int_equal (resp.minor_version, 0);
  assert_true (resp.until_close);
  assert_true (resp.closing);
  assert_string_equal (resp.body, "until the end");
  assert_false (resp.has_json);
  assert_null (mt_http_json (&resp));
  mt_http_response_destroy (&resp);
  fake_destroy (&fake);
}

static void
continue_then_final (void **state)
{
  static const canned_t script[] = {
    { "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
      false },
    { "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
      false },
  };
  const char *const headers[] = { "Expect: 100-continue", NULL };
  static const char raw[] = "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
  fake_server_t fake;
  mt_http_response_t resp;
  mt_error_t error;
  int fd;

  fake_start (&fake, script, 2);
  assert_true (mt_http_request (fake.port, "POST", "/up", headers, "abc", 3, &resp));
  assert_int_equal (resp.status, 200);
  assert_int_equal (resp.interim_count, 1);
  assert_int_equal (resp.interim_status, 100);
  assert_string_equal (resp.body, "ok");
  mt_http_response_destroy (&resp);

  /* Asked for, the interim response comes on its own, then the final one. */
  fd = connect_or_fail (fake.port);
  assert_true (mt_http_send (fd, raw, sizeof raw - 1, &error));
  assert_true (mt_http_read_response (fd, "POST", MT_HTTP_READ_INTERIM, &resp));
  assert_int_equal (resp.status, 100);
  assert_int_equal (resp.body_len, 0);
  mt_http_response_destroy (&resp);
  assert_true (mt_http_read_response (fd, "POST", MT_HTTP_READ_INTERIM, &resp));
  assert_int_equal (resp.status, 200);
  assert_string_equal (resp.body, "ok");
  mt_http_response_destroy (&resp);
  mt_http_close (fd);
  fake_stop (&fake);
  fake_destroy (&fake);
}

static void
pipelined_responses (void **state)
{
  static const canned_t script[] = {
    { "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 8\r\n\r\n"
      "{\"a\":1}\n"
      "HTTP/1.1 404 Not Found\r\nContent-Type: application/problem+json\r\n"
      "Content-Length: 36\r\nConnection: close\r\n\r\n"
      "{\"type\":\"urn:mutua:problem:x\",\"s\":1}",
      false },
  };
  static const char two[] = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n";
  fake_server_t fake;
  mt_http_response_t resp;
  mt_error_t error;
  int fd;

  fake_start (&fake, script, 1);
  fd = connect_or_fail (fake.port);
  assert_true (mt_http_send_str (fd, two, &error));
  if (!mt_http_read_response (fd, "GET", 0, &resp)) {
    fail_msg ("first: %s", resp.error.message);
  }
  assert_int_equal (resp.status, 200);
  assert_string_equal (resp.body, "{\"a\":1}\n");
  assert_true (resp.has_json);
  assert_false (resp.closing);
  mt_http_response_destroy (&resp);

  if (!mt_http_read_response (fd, "GET", 0, &resp)) {
    fail_msg ("second: %s", resp.error.message);
  }
  assert_int_equal (resp.status, 404);
  assert_true (resp.closing);
  assert_string_equal (mt_http_json_string (&resp, "type"), "urn:mutua:problem:x");
  mt_http_response_destroy (&resp);

  assert_true (mt_http_peer_closed (fd, FAKE_WAIT_MS));
  mt_http_close (fd);
  fake_stop (&fake);
  fake_destroy (&fake);
}

static void
head_response_has_no_body (void **state)
{
  static const canned_t script[] = {
    { "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nContent-Type: application/json\r\n\r\n"
      "HTTP/1.1 304 Not Modified\r\nETag: \"v2\"\r\n\r\n",
      true },
  };
  fake_server_t fake;
  mt_http_response_t resp;
  int fd;

  fake_start (&fake, script, 1);
  fd = connect_or_fail (fake.port);
  assert_true (mt_http_request_on (fd, "HEAD", "/r", NULL, NULL, 0, &resp));
  assert_int_equal (resp.status, 200);
  assert_string_equal (mt_http_header (&resp, "Content-Length"), "1000");
  assert_int_equal (resp.body_len, 0);
  assert_false (resp.has_json);
  mt_http_response_destroy (&resp);

  assert_true (mt_http_read_response (fd, "GET", 0, &resp));
  assert_int_equal (resp.status, 304);
  assert_string_equal (mt_http_header (&resp, "etag"), "\"v2\"");
  mt_http_response_destroy (&resp);

  /* The server holds the connection: it is not closed. */
  assert_false (mt_http_peer_closed (fd, 100));
  mt_http_close (fd);
  fake_stop (&fake);
  assert_non_null (strstr (mt_buf_cstr (&fake.received[0]), "HEAD /r HTTP/1.1\r\n"));
  assert_null (strstr (mt_buf_cstr (&fake.received[0]), "Connection: close"));
  fake_destroy (&fake);
}

static void
rejects_bad_framing (void **state)
{
  static const canned_t script[] = {
    { "HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n", false },
    { "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", false },
    { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", false },
    { "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", false },
  };
  static const char *const expected[] = { "too large", "conflicting", "chunk size",
                                          "before the end of the body" };
  fake_server_t fake;
  mt_http_response_t resp;

  fake_start (&fake, script, 4);
  for (size_t i = 0; i < 4; i++) {
    assert_false (mt_http_request (fake.port, "GET", "/", NULL, NULL, 0, &resp));
    if (!strstr (resp.error.message, expected[i])) {
      fail_msg ("case %zu: \"%s\" lacks \"%s\"", i, resp.error.message, expected[i]);
    }
    assert_non_null (resp.body);
    mt_http_response_destroy (&resp);
  }
  fake_stop (&fake);
  fake_destroy (&fake);
}

static void
rejects_malformed_head (void **state)
{
  static const canned_t script[] = {
    { "HTTP/2 200 OK\r\n\r\n", false },
    { "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n", false },
    { "HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\n\r\n", false },
  };
  static const char *const expected[] = { "status line", "header line", "folding" };
  fake_server_t fake;
  mt_http_response_t resp;

  fake_start (&fake, script, 3);
  for (size_t i = 0; i < 3; i++) {
    assert_false (mt_http_request (fake.port, "GET", "/", NULL, NULL, 0, &resp));
    if (!strstr (resp.error.message, expected[i])) {
      fail_msg ("case %zu: \"%s\" lacks \"%s\"", i, resp.error.message, expected[i]);
    }
    mt_http_response_destroy (&resp);
  }
  fake_stop (&fake);
  fake_destroy (&fake);
}

static void
close_without_response_and_timeout (void **state)
{
  static const canned_t script[] = {
    { "", false },
    { "", true },
  };
  fake_server_t fake;
  mt_http_response_t resp;

  fake_start (&fake, script, 2);
  assert_false (mt_http_request (fake.port, "GET", "/", NULL, NULL, 0, &resp));
  assert_non_null (strstr (resp.error.message, "without a response"));
  assert_int_equal (resp.status, 0);
  mt_http_response_destroy (&resp);

  /* A silent server: the client gives up at its deadline instead of hanging. */
  mt_http_client_set_timeout (200);
  assert_false (mt_http_request (fake.port, "GET", "/", NULL, NULL, 0, &resp));
  mt_http_client_set_timeout (0);
  assert_non_null (strstr (resp.error.message, "timed out"));
  mt_http_response_destroy (&resp);
  fake_stop (&fake);
  fake_destroy (&fake);
}

static void
connect_failure_is_reported (void **state)
{
  mt_http_response_t resp;
  mt_error_t error;
  fake_server_t fake;
  uint16_t port;

  /* A port that was just free: listen, note it, close. */
  fake_start (&fake, NULL, 0);
  fake_stop (&fake);
  port = fake.port;
  fake_destroy (&fake);

  assert_false (mt_http_request (port, "GET", "/", NULL, NULL, 0, &resp));
  assert_non_null (strstr (resp.error.message, "connect"));
  mt_http_response_destroy (&resp);
  assert_int_equal (mt_http_connect_to ("not-an-address", port, &error), -1);
  assert_non_null (strstr (error.message, "invalid address"));
}

static void
connects_over_ipv6_loopback (void **state)
{
  mt_error_t error;
  int fd;
  int listen_fd = socket (AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in6 sin6;
  socklen_t len = sizeof sin6;

  memset (&sin6, 0, sizeof sin6);
  sin6.sin6_family = AF_INET6;
  sin6.sin6_addr = in6addr_loopback;
  if (listen_fd < 0 || bind (listen_fd, (struct sockaddr *) &sin6, sizeof sin6) != 0) {
    mt_test_say_skip ("http_client/connect/ipv6", "no IPv6 loopback on this machine");
    if (listen_fd >= 0) {
      close (listen_fd);
    }
    skip ();
  }
  assert_int_equal (listen (listen_fd, 1), 0);
  assert_int_equal (getsockname (listen_fd, (struct sockaddr *) &sin6, &len), 0);
  fd = mt_http_connect_to ("[::1]", ntohs (sin6.sin6_port), &error);
  assert_true (fd >= 0);
  mt_http_close (fd);
  close (listen_fd);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("http_client/content_length/and_request_shape", content_length_and_request_shape),
    MT_TEST ("http_client/request/caller_headers_replace_defaults",
             caller_headers_replace_defaults),
    MT_TEST ("http_client/chunked/extensions_and_trailers", chunked_with_extensions_and_trailers),
    MT_TEST ("http_client/body/until_close", body_until_close),
    MT_TEST ("http_client/interim/continue_then_final", continue_then_final),
    MT_TEST ("http_client/keep_alive/pipelined_responses", pipelined_responses),
    MT_TEST ("http_client/keep_alive/head_has_no_body", head_response_has_no_body),
    MT_TEST ("http_client/errors/bad_framing", rejects_bad_framing),
    MT_TEST ("http_client/errors/malformed_head", rejects_malformed_head),
    MT_TEST ("http_client/errors/close_and_timeout", close_without_response_and_timeout),
    MT_TEST ("http_client/errors/connect_failure", connect_failure_is_reported),
    MT_TEST ("http_client/connect/ipv6_loopback", connects_over_ipv6_loopback),
  };
  return cmocka_run_group_tests_name ("support/mt_http_client", tests, NULL, NULL);
}
