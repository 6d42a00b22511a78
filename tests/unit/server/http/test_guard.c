/* Unit tests of server/http/guard.c: the strict validator of the raw HTTP stream. */
#include "mt_test.h"

#include "guard.h"

#include <string.h>

#define SEC 1000000

static size_t
upload_limit (const char *method, const char *target, void *arg)
{
  (void) arg;
  return strcmp (method, "POST") == 0 && strncmp (target, "/upload", 7) == 0 ? 1000 : 0;
}

static void
init (mt_guard_t *g)
{
  mt_guard_limits_t limits = {
    .max_header_bytes = 512,
    .max_body_bytes = 100,
    .body_limit = upload_limit,
    .header_timeout_us = 10 * SEC,
    .body_timeout_us = 60 * SEC,
  };
  mt_guard_init (g, &limits);
}

/* Feeds a whole string; returns the bytes released. */
static size_t
feed (mt_guard_t *g, const char *text, size_t len)
{
  mt_guard_feed (g, (const uint8_t *) text, len, 0);
  return mt_guard_take_releasable (g);
}

static size_t
feed_str (mt_guard_t *g, const char *text)
{
  return feed (g, text, strlen (text));
}

static void
assert_verdict (const char *text, size_t len, mt_error_code_t code)
{
  mt_guard_t g;
  init (&g);
  feed (&g, text, len);
  if (g.state != MT_GUARD_REJECTED || g.verdict != code) {
    fail_msg ("expected verdict %d, got state %d verdict %d for: %.*s", code, g.state, g.verdict,
              (int) len, text);
  }
  mt_guard_destroy (&g);
}

#define REJECTS(text, code) assert_verdict (text, sizeof (text) - 1, code)

static void
releases_complete_requests_only (void **state)
{
  mt_guard_t g;
  const char *req = "GET /v1/me HTTP/1.1\r\nHost: a\r\n\r\n";

  init (&g);
  assert_int_equal (feed (&g, req, 20), 0); /* half a header block is held back */
  assert_int_equal (g.state, MT_GUARD_HEAD);
  assert_int_equal (feed (&g, req + 20, strlen (req) - 20), strlen (req));
  assert_int_equal (g.state, MT_GUARD_IDLE);
  assert_int_equal (g.requests, 1);
  mt_guard_destroy (&g);
}

static void
releases_pipelined_requests (void **state)
{
  mt_guard_t g;
  const char *two = "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\nGET /c";

  init (&g);
  /* The third request is incomplete and must stay held back. */
  assert_int_equal (feed_str (&g, two), strlen (two) - strlen ("GET /c"));
  assert_int_equal (g.requests, 2);
  assert_int_equal (g.complete_requests, 2);
  mt_guard_destroy (&g);
}

static void
releases_body_as_it_comes (void **state)
{
  mt_guard_t g;
  const char *head = "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n";

  init (&g);
  assert_int_equal (feed_str (&g, head), strlen (head));
  assert_int_equal (g.state, MT_GUARD_BODY);
  assert_int_equal (g.requests, 1);
  assert_int_equal (g.complete_requests, 0); /* the body is still to come */
  assert_int_equal (feed_str (&g, "01234"), 5);
  /* NUL bytes are fine in a body. */
  assert_int_equal (feed (&g,
                          "5\0"
                          "789GET",
                          8),
                    5);
  assert_int_equal (g.state, MT_GUARD_HEAD);
  mt_guard_destroy (&g);
}

static void
accepts_lf_only_line_ends (void **state)
{
  mt_guard_t g;
  const char *req = "GET / HTTP/1.1\nHost: a\n\n";

  init (&g);
  assert_int_equal (feed_str (&g, req), strlen (req));
  assert_int_equal (g.state, MT_GUARD_IDLE);
  mt_guard_destroy (&g);
}

static void
follows_chunked_bodies (void **state)
{
  mt_guard_t g;
  const char *req = "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "5\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Trailer: yes\r\n\r\n";

  init (&g);
  /* Byte by byte: the result must be the same as all at once. */
  for (size_t i = 0; i < strlen (req); i++) {
    mt_guard_feed (&g, (const uint8_t *) req + i, 1, 0);
    assert_int_not_equal (g.state, MT_GUARD_REJECTED);
  }
  assert_int_equal (mt_guard_take_releasable (&g), strlen (req));
  assert_int_equal (g.state, MT_GUARD_IDLE);
  assert_int_equal (g.body_seen, 15);
  assert_int_equal (g.complete_requests, 1);
  mt_guard_destroy (&g);
}

static void
rejects_nul_in_headers (void **state)
{
  REJECTS ("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\0c\r\n\r\n", MT_ERR_BAD_REQUEST);
  REJECTS ("GET /\0 HTTP/1.1\r\nHost: a\r\n\r\n", MT_ERR_BAD_REQUEST);
  REJECTS ("\0GET / HTTP/1.1\r\n\r\n", MT_ERR_BAD_REQUEST);
}

static void
rejects_request_smuggling_shapes (void **state)
{
  REJECTS ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
           MT_ERR_BAD_REQUEST);
  REJECTS ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
           MT_ERR_BAD_REQUEST);
  REJECTS ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", MT_ERR_BAD_REQUEST);
  REJECTS ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
           MT_ERR_BAD_REQUEST);
  REJECTS ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
           "chunked\r\n\r\n",
           MT_ERR_BAD_REQUEST);
  REJECTS ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
           MT_ERR_BAD_REQUEST);
  REJECTS ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\n", MT_ERR_BAD_REQUEST);
  REJECTS ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3 4\r\n\r\n", MT_ERR_BAD_REQUEST);
  REJECTS ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n", MT_ERR_BAD_REQUEST);
  REJECTS ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length : 3\r\n\r\n", MT_ERR_BAD_REQUEST);
  REJECTS (
    "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\n\r\n",
    MT_ERR_BAD_REQUEST);
  REJECTS (
    "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n",
    MT_ERR_BAD_REQUEST);
  REJECTS ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX0\r\n\r\n",
           MT_ERR_BAD_REQUEST);
  REJECTS ("HEAD / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc", MT_ERR_BAD_REQUEST);
}

static void
rejects_malformed_header_blocks (void **state)
{
  REJECTS ("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n", MT_ERR_BAD_REQUEST); /* fold */
  REJECTS ("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", MT_ERR_BAD_REQUEST);           /* bare CR */
  REJECTS ("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", MT_ERR_BAD_REQUEST);
  REJECTS ("GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n", MT_ERR_BAD_REQUEST);
  REJECTS ("GET / HTTP/1.1\r\nHost: a\r\nX-A: \x01\r\n\r\n", MT_ERR_BAD_REQUEST);
  REJECTS ("GET / HTTP/1.1\r\n\r\n", MT_ERR_BAD_REQUEST);                       /* no Host */
  REJECTS ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", MT_ERR_BAD_REQUEST); /* two Hosts */
  REJECTS ("GET /  HTTP/1.1\r\nHost: a\r\n\r\n", MT_ERR_BAD_REQUEST);
  REJECTS ("GET / HTTP/2.0\r\nHost: a\r\n\r\n", MT_ERR_BAD_REQUEST);
  REJECTS ("GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", MT_ERR_BAD_REQUEST);
  REJECTS ("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", MT_ERR_BAD_REQUEST);
  REJECTS ("BREW / HTTP/1.1\r\nHost: a\r\n\r\n", MT_ERR_NOT_IMPLEMENTED);
  REJECTS ("TRACE / HTTP/1.1\r\nHost: a\r\n\r\n", MT_ERR_NOT_IMPLEMENTED);
}

static void
accepts_http10_without_host (void **state)
{
  mt_guard_t g;
  const char *req = "GET / HTTP/1.0\r\n\r\n";

  init (&g);
  assert_int_equal (feed_str (&g, req), strlen (req));
  mt_guard_destroy (&g);
}

static void
enforces_header_limits (void **state)
{
  char big[700];
  mt_guard_t g;

  memset (big, 'a', sizeof big);
  memcpy (big, "GET / HTTP/1.1\r\nHost: a\r\nX: ", 28);
  assert_verdict (big, sizeof big, MT_ERR_HEADERS_TOO_LARGE);

  init (&g);
  feed_str (&g, "GET / HTTP/1.1\r\nHost: a\r\n");
  for (int i = 0; i < 100; i++) {
    feed_str (&g, "A:\r\n");
  }
  feed_str (&g, "\r\n");
  assert_int_equal (g.state, MT_GUARD_REJECTED);
  assert_int_equal (g.verdict, MT_ERR_HEADERS_TOO_LARGE);
  mt_guard_destroy (&g);
}

static void
enforces_body_limits_by_route (void **state)
{
  mt_guard_t g;

  REJECTS ("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 101\r\n\r\n", MT_ERR_TOO_LARGE);
  REJECTS ("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 1001\r\n\r\n", MT_ERR_TOO_LARGE);
  REJECTS ("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n",
           MT_ERR_BAD_REQUEST);
  REJECTS ("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
           "40\r\n0123456789012345678901234567890123456789012345678901234567890123\r\n40\r\n",
           MT_ERR_TOO_LARGE);
  REJECTS (
    "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n",
    MT_ERR_TOO_LARGE);

  init (&g);
  assert_true (feed_str (&g, "POST /upload/1 HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n") >
               0);
  assert_int_equal (g.state, MT_GUARD_BODY);
  mt_guard_destroy (&g);
}

static void
enforces_deadlines (void **state)
{
  mt_guard_t g;

  init (&g);
  assert_int_equal (mt_guard_deadline_us (&g), 0); /* idle connections have no deadline */
  mt_guard_feed (&g, (const uint8_t *) "GET / HT", 8, 5 * SEC);
  assert_true (mt_guard_deadline_us (&g) == 15 * SEC);
  assert_false (mt_guard_check_deadline (&g, 15 * SEC - 1));
  assert_true (mt_guard_check_deadline (&g, 15 * SEC));
  assert_int_equal (g.verdict, MT_ERR_REQUEST_TIMEOUT);
  mt_guard_destroy (&g);

  init (&g);
  mt_guard_feed (&g, (const uint8_t *) "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\n",
                 48, 1 * SEC);
  assert_int_equal (g.state, MT_GUARD_BODY);
  assert_true (mt_guard_deadline_us (&g) == 61 * SEC);
  mt_guard_destroy (&g);
}

static void
forced_verdict_stops_everything (void **state)
{
  mt_guard_t g;

  init (&g);
  mt_guard_reject (&g, MT_ERR_UNAVAILABLE, "over the connection limit");
  assert_int_equal (
    mt_guard_feed (&g, (const uint8_t *) "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 27, 0), 0);
  assert_int_equal (mt_guard_take_releasable (&g), 0);
  assert_int_equal (g.verdict, MT_ERR_UNAVAILABLE);
  mt_guard_destroy (&g);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("guard/releases_complete_requests_only", releases_complete_requests_only),
    MT_TEST ("guard/releases_pipelined_requests", releases_pipelined_requests),
    MT_TEST ("guard/releases_body_as_it_comes", releases_body_as_it_comes),
    MT_TEST ("guard/accepts_lf_only_line_ends", accepts_lf_only_line_ends),
    MT_TEST ("guard/follows_chunked_bodies", follows_chunked_bodies),
    MT_TEST ("guard/rejects_nul_in_headers", rejects_nul_in_headers),
    MT_TEST ("guard/rejects_request_smuggling_shapes", rejects_request_smuggling_shapes),
    MT_TEST ("guard/rejects_malformed_header_blocks", rejects_malformed_header_blocks),
    MT_TEST ("guard/accepts_http10_without_host", accepts_http10_without_host),
    MT_TEST ("guard/enforces_header_limits", enforces_header_limits),
    MT_TEST ("guard/enforces_body_limits_by_route", enforces_body_limits_by_route),
    MT_TEST ("guard/enforces_deadlines", enforces_deadlines),
    MT_TEST ("guard/forced_verdict_stops_everything", forced_verdict_stops_everything),
  };
  return cmocka_run_group_tests_name ("server/http/guard", tests, NULL, NULL);
}
