/*
 * Unit tests of libmutua-client's pure parts (no server): percent-encoding, paths with query
 * strings, problem documents into mutua_error_t, base URLs, header values, and the argument
 * checks of the API functions (which fail before any I/O).
 */
#include "mt_test.h"

#include "internal.h"
#include "mutua/client.h"

#include <stdlib.h>
#include <string.h>

static void
test_percent_encode_keeps_unreserved (void **state)
{
  char out[64];

  (void) state;
  assert_true (mutua_percent_encode ("lst_AZaz09-._~", 14, out, sizeof out));
  assert_string_equal (out, "lst_AZaz09-._~");
}

static void
test_percent_encode_escapes_the_rest (void **state)
{
  char out[128];
  const char *in = "vélo cargo/?&=#%+\n";

  (void) state;
  assert_true (mutua_percent_encode (in, strlen (in), out, sizeof out));
  assert_string_equal (out, "v%C3%A9lo%20cargo%2F%3F%26%3D%23%25%2B%0A");
}

static void
test_percent_encode_refuses_overflow (void **state)
{
  char out[6];

  (void) state;
  /* "a b" needs 5 bytes + NUL = 6: fits; "ab c" needs 7: does not. */
  assert_true (mutua_percent_encode ("a b", 3, out, sizeof out));
  assert_string_equal (out, "a%20b");
  assert_false (mutua_percent_encode ("ab c", 4, out, sizeof out));
  assert_string_equal (out, "");
  assert_false (mutua_percent_encode ("abcdef", 6, out, sizeof out));
  assert_string_equal (out, "");
}

static void
test_path_query_joins_and_skips_absent (void **state)
{
  mutua_path_t path;

  (void) state;
  mutua_path_init (&path);
  mutua_path_add (&path, "/v1/listings/");
  mutua_path_add_segment (&path, "lst/../x");
  mutua_path_add_query (&path, "q", NULL);
  mutua_path_add_query (&path, "from", "2026-06-01T00:00:00+02:00");
  mutua_path_add_query_u32 (&path, "limit", 0);
  mutua_path_add_query (&path, "q", "vélo & tente");
  mutua_path_add_query_u32 (&path, "limit", 25);
  assert_false (path.overflow);
  assert_string_equal (path.data, "/v1/listings/lst%2F..%2Fx?from=2026-06-01T00%3A00%3A00%2B02%"
                                  "3A00&q=v%C3%A9lo%20%26%20tente&limit=25");
}

static void
test_path_overflow_is_flagged (void **state)
{
  mutua_path_t path;
  char *big = malloc (MUTUA_PATH_MAX);

  (void) state;
  assert_non_null (big);
  memset (big, 'a', MUTUA_PATH_MAX - 1);
  big[MUTUA_PATH_MAX - 1] = '\0';
  mutua_path_init (&path);
  mutua_path_add (&path, "/v1/x?");
  mutua_path_add (&path, big);
  assert_true (path.overflow);
  mutua_path_init (&path);
  mutua_path_add (&path, "/");
  big[MUTUA_PATH_MAX / 2] = '\0';
  mutua_path_add_segment (&path, "é");
  mutua_path_add_query (&path, "q", big);
  assert_false (path.overflow);
  mutua_path_add_query (&path, "r", big);
  assert_true (path.overflow);
  free (big);
}

static void
test_problem_parse_full (void **state)
{
  mutua_error_t error;
  const char *body =
    "{\"type\":\"urn:mutua:problem:validation\",\"title\":\"Requête invalide\",\"status\":400,"
    "\"detail\":\"La date de fin doit suivre le début\",\"errors\":[{\"path\":\"/end\","
    "\"message\":\"m\"},{\"path\":\"/start\",\"message\":\"m\"}]}";

  (void) state;
  mutua_problem_parse (400, body, strlen (body), NULL, &error);
  assert_int_equal (error.kind, MUTUA_ERROR_HTTP);
  assert_int_equal (error.status, 400);
  assert_string_equal (error.type, "urn:mutua:problem:validation");
  assert_string_equal (error.detail, "La date de fin doit suivre le début");
  assert_string_equal (error.path, "/end");
  assert_int_equal (error.retry_after, 0);
}

static void
test_problem_parse_title_and_retry_after (void **state)
{
  mutua_error_t error;
  const char *body = "  {\"type\":\"urn:mutua:problem:rate-limited\",\"title\":\"Trop\"}";

  (void) state;
  mutua_problem_parse (429, body, strlen (body), " 900 ", &error);
  assert_string_equal (error.type, "urn:mutua:problem:rate-limited");
  assert_string_equal (error.detail, "Trop");
  assert_string_equal (error.path, "");
  assert_int_equal (error.retry_after, 900);
  /* An HTTP date, a negative or a malformed value is not a number of seconds. */
  mutua_problem_parse (503, body, strlen (body), "Wed, 21 Oct 2026 07:28:00 GMT", &error);
  assert_int_equal (error.retry_after, 0);
  mutua_problem_parse (503, body, strlen (body), "-5", &error);
  assert_int_equal (error.retry_after, 0);
  mutua_problem_parse (503, body, strlen (body), "12abc", &error);
  assert_int_equal (error.retry_after, 0);
  mutua_problem_parse (503, body, strlen (body), "99999999999", &error);
  assert_int_equal (error.retry_after, UINT32_MAX);
}

static void
test_problem_parse_not_json (void **state)
{
  mutua_error_t error;
  const char *html = "<html>Bad gateway</html>";
  const char *array = "[{\"type\":\"x\"}]";

  (void) state;
  mutua_problem_parse (502, html, strlen (html), NULL, &error);
  assert_int_equal (error.kind, MUTUA_ERROR_HTTP);
  assert_int_equal (error.status, 502);
  assert_string_equal (error.type, "");
  assert_string_equal (error.detail, "HTTP 502");
  mutua_problem_parse (500, array, strlen (array), NULL, &error);
  assert_string_equal (error.type, "");
  assert_string_equal (error.detail, "HTTP 500");
  mutua_problem_parse (404, NULL, 0, NULL, &error);
  assert_string_equal (error.detail, "HTTP 404");
  /* Wrong types are ignored, not trusted. */
  mutua_problem_parse (409, "{\"type\":7,\"detail\":[1],\"errors\":{\"path\":\"/x\"}}", 46, NULL,
                       &error);
  assert_string_equal (error.type, "");
  assert_string_equal (error.detail, "HTTP 409");
  assert_string_equal (error.path, "");
}

static void
test_problem_parse_cuts_on_character_boundary (void **state)
{
  mutua_error_t error;
  size_t n = MUTUA_ERROR_TEXT_MAX; /* "é" (2 bytes) n times: longer than detail */
  char *body = malloc (2 * n + 32);
  size_t len = 0;

  (void) state;
  assert_non_null (body);
  memcpy (body, "{\"detail\":\"", 11);
  len = 11;
  for (size_t i = 0; i < n; i++) {
    body[len++] = '\xc3';
    body[len++] = '\xa9';
  }
  memcpy (body + len, "\"}", 3);
  len += 2;
  mutua_problem_parse (422, body, len, NULL, &error);
  /* 511 bytes of room: 255 whole characters (510 bytes), never half of one. */
  assert_int_equal (strlen (error.detail), 510);
  assert_int_equal ((unsigned char) error.detail[509], 0xa9);
  free (body);
}

static void
test_base_url_parse (void **state)
{
  char host[64], prefix[64];
  uint16_t port = 0;

  (void) state;
  assert_true (mutua_base_url_parse ("http://127.0.0.1:8080", host, sizeof host, &port, prefix,
                                     sizeof prefix));
  assert_string_equal (host, "127.0.0.1");
  assert_int_equal (port, 8080);
  assert_string_equal (prefix, "");
  assert_true (mutua_base_url_parse ("HTTP://mutua.example/api/", host, sizeof host, &port, prefix,
                                     sizeof prefix));
  assert_string_equal (host, "mutua.example");
  assert_int_equal (port, 80);
  assert_string_equal (prefix, "/api");
  assert_true (
    mutua_base_url_parse ("http://[::1]:9000/", host, sizeof host, &port, prefix, sizeof prefix));
  assert_string_equal (host, "::1");
  assert_int_equal (port, 9000);
  assert_string_equal (prefix, "");

  const char *bad[] = {
    NULL,
    "",
    "https://127.0.0.1:8443",
    "ftp://host",
    "127.0.0.1:8080",
    "http://",
    "http://:80",
    "http://user@host",
    "http://host:0",
    "http://host:65536",
    "http://host:80x",
    "http://host:",
    "http://host/a?b=c",
    "http://host/a#frag",
    "http://host/a b",
    "http://[::1",
    "http://[zz]:80",
    "http://host\r\nX: y",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    if (mutua_base_url_parse (bad[i], host, sizeof host, &port, prefix, sizeof prefix)) {
      fail_msg ("accepted %s", bad[i] ? bad[i] : "NULL");
    }
  }
}

static void
test_header_value_ok (void **state)
{
  (void) state;
  assert_true (mutua_header_value_ok ("W/\"3\"", 256));
  assert_false (mutua_header_value_ok ("", 256));
  assert_false (mutua_header_value_ok (NULL, 256));
  assert_false (mutua_header_value_ok ("a\r\nX-Evil: 1", 256));
  assert_false (mutua_header_value_ok ("caf\xc3\xa9", 256));
  assert_false (mutua_header_value_ok ("abcd", 3));
}

static void
test_error_kind_names (void **state)
{
  (void) state;
  assert_string_equal (mutua_error_kind_name (MUTUA_ERROR_NONE), "none");
  assert_string_equal (mutua_error_kind_name (MUTUA_ERROR_INVALID), "invalid");
  assert_string_equal (mutua_error_kind_name (MUTUA_ERROR_CONNECT), "connect");
  assert_string_equal (mutua_error_kind_name (MUTUA_ERROR_TIMEOUT), "timeout");
  assert_string_equal (mutua_error_kind_name (MUTUA_ERROR_PROTOCOL), "protocol");
  assert_string_equal (mutua_error_kind_name (MUTUA_ERROR_HTTP), "http");
  assert_string_equal (mutua_error_kind_name (MUTUA_ERROR_MEMORY), "memory");
}

static void
test_client_argument_errors (void **state)
{
  mutua_error_t error;
  mutua_client_t *client;
  bson_t out;
  char dummy[] = "x";
  char *data = dummy;
  size_t len = 7;

  (void) state;
  assert_null (mutua_client_new ("https://127.0.0.1:1", &error));
  assert_int_equal (error.kind, MUTUA_ERROR_INVALID);

  /* out is initialised even when the client is NULL. */
  assert_false (mutua_me (NULL, &out, &error));
  assert_int_equal (error.kind, MUTUA_ERROR_INVALID);
  assert_true (bson_empty (&out));
  bson_destroy (&out);

  /* Port 1 on loopback: nothing is sent when the arguments are refused first. */
  client = mutua_client_new ("http://127.0.0.1:1", &error);
  assert_non_null (client);
  assert_int_equal (error.kind, MUTUA_ERROR_NONE);
  assert_null (mutua_client_token (client));
  assert_true (mutua_client_set_token (client, "v4.public.abc", &error));
  assert_false (mutua_client_set_token (client, "v4.public.abc\r\nX-Admin: 1", &error));
  assert_int_equal (error.kind, MUTUA_ERROR_INVALID);
  assert_string_equal (mutua_client_token (client), "v4.public.abc");
  assert_true (mutua_client_set_token (client, NULL, &error));
  assert_null (mutua_client_token (client));
  assert_false (mutua_client_set_language (client, "fr\nX: y", &error));
  assert_int_equal (error.kind, MUTUA_ERROR_INVALID);

  assert_false (mutua_listing_get (client, NULL, &out, &error));
  assert_int_equal (error.kind, MUTUA_ERROR_INVALID);
  assert_true (bson_empty (&out));
  bson_destroy (&out);
  assert_false (mutua_listing_get (client, "", &out, &error));
  assert_int_equal (error.kind, MUTUA_ERROR_INVALID);
  bson_destroy (&out);
  assert_false (mutua_request (client, "GET", "v1/me", NULL, NULL, NULL, &out, &error));
  assert_int_equal (error.kind, MUTUA_ERROR_INVALID);
  bson_destroy (&out);
  assert_false (mutua_request (client, "GET", "/v1/me x", NULL, NULL, NULL, &out, &error));
  assert_int_equal (error.kind, MUTUA_ERROR_INVALID);
  bson_destroy (&out);
  assert_false (mutua_request (client, "TRACE", "/v1/me", NULL, NULL, NULL, &out, &error));
  assert_int_equal (error.kind, MUTUA_ERROR_INVALID);
  bson_destroy (&out);
  assert_false (
    mutua_request (client, "GET", "/v1/me", NULL, "W/\"1\"\r\nX: y", NULL, &out, &error));
  assert_int_equal (error.kind, MUTUA_ERROR_INVALID);
  bson_destroy (&out);
  assert_false (mutua_login (client, "a@b.example", NULL, &out, &error));
  assert_int_equal (error.kind, MUTUA_ERROR_INVALID);
  bson_destroy (&out);
  assert_false (mutua_reservation_create (client, "lst_x", NULL, "2026-06-02T00:00:00Z", 0, NULL,
                                          NULL, &out, &error));
  assert_int_equal (error.kind, MUTUA_ERROR_INVALID);
  bson_destroy (&out);
  assert_false (mutua_reservation_act (client, "res_x", NULL, NULL, NULL, &out, &error));
  assert_int_equal (error.kind, MUTUA_ERROR_INVALID);
  bson_destroy (&out);
  assert_false (mutua_admin_export (client, "../me", &data, &len, &error));
  assert_int_equal (error.kind, MUTUA_ERROR_INVALID);
  assert_null (data);
  assert_int_equal (len, 0);
  mutua_client_destroy (client);
  mutua_client_destroy (NULL);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("client/percent/keeps_unreserved", test_percent_encode_keeps_unreserved),
    MT_TEST ("client/percent/escapes_the_rest", test_percent_encode_escapes_the_rest),
    MT_TEST ("client/percent/refuses_overflow", test_percent_encode_refuses_overflow),
    MT_TEST ("client/path/query_joins_and_skips_absent", test_path_query_joins_and_skips_absent),
    MT_TEST ("client/path/overflow_is_flagged", test_path_overflow_is_flagged),
    MT_TEST ("client/problem/full", test_problem_parse_full),
    MT_TEST ("client/problem/title_and_retry_after", test_problem_parse_title_and_retry_after),
    MT_TEST ("client/problem/not_json", test_problem_parse_not_json),
    MT_TEST ("client/problem/cuts_on_character_boundary",
             test_problem_parse_cuts_on_character_boundary),
    MT_TEST ("client/base_url/parse", test_base_url_parse),
    MT_TEST ("client/header_value_ok", test_header_value_ok),
    MT_TEST ("client/error_kind_names", test_error_kind_names),
    MT_TEST ("client/arguments/refused_before_any_io", test_client_argument_errors),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
