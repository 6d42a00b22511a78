/*
 * Integration tests of the web app's serving (server/routes/routes_web.c): GET / and
 * GET /admin give the pages with the strict Content-Security-Policy, GET /assets/<path>
 * every other embedded file of clients/web with its type, an ETag that revalidates to 304,
 * "Cache-Control: no-cache", and 404 for anything else. The files themselves are checked
 * against what the CSP allows: no inline script or style, no other host.
 */
#include "mt_test.h"

#include "mt_embed.h"
#include "mt_http_client.h"
#include "mt_test_server.h"

#include <stdlib.h>
#include <string.h>

extern const mt_embed_file_t mutua_web_files[];

#define WEB_CSP                                                                                    \
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "                \
  "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; "                     \
  "frame-ancestors 'none'"

static mt_test_server_t server;

static int
start_server (void **state)
{
  (void) state;
  if (!mt_test_server_start (&server, NULL, NULL)) {
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

static const mt_embed_file_t *
embedded (const char *name)
{
  const mt_embed_file_t *file = mt_embed_find (mutua_web_files, name);
  if (!file) {
    fail_msg ("clients/web/%s is not embedded", name);
  }
  return file;
}

static void
pages_have_the_strict_csp (void **state)
{
  const char *pages[][2] = { { "/", "index.html" }, { "/admin", "admin.html" } };

  for (size_t i = 0; i < 2; i++) {
    const mt_embed_file_t *file = embedded (pages[i][1]);
    mt_http_response_t resp;
    get (pages[i][0], NULL, &resp);
    assert_int_equal (resp.status, 200);
    assert_string_equal (mt_http_header (&resp, "Content-Type"), "text/html; charset=utf-8");
    assert_string_equal (mt_http_header (&resp, "Content-Security-Policy"), WEB_CSP);
    assert_int_equal (mt_http_header_count (&resp, "Content-Security-Policy"), 1);
    assert_string_equal (mt_http_header (&resp, "Cache-Control"), "no-cache");
    assert_string_equal (mt_http_header (&resp, "X-Frame-Options"), "DENY");
    assert_int_equal (resp.body_len, file->len);
    assert_memory_equal (resp.body, file->data, file->len);
    mt_http_response_destroy (&resp);
  }
}

static void
etag_revalidates_to_304 (void **state)
{
  mt_http_response_t resp;
  char etag[128];
  char if_none_match[160];
  const char *same[] = { if_none_match, NULL };
  const char *other[] = { "If-None-Match: \"0000\"", NULL };
  const char *any[] = { "If-None-Match: *", NULL };

  get ("/assets/js/app.js", NULL, &resp);
  assert_int_equal (resp.status, 200);
  assert_non_null (mt_http_header (&resp, "ETag"));
  snprintf (etag, sizeof etag, "%s", mt_http_header (&resp, "ETag"));
  /* A strong tag: the quoted hexadecimal BLAKE2b-256 of the bytes. */
  assert_int_equal (strlen (etag), 66);
  assert_int_equal (etag[0], '"');
  mt_http_response_destroy (&resp);

  snprintf (if_none_match, sizeof if_none_match, "If-None-Match: %s", etag);
  get ("/assets/js/app.js", same, &resp);
  assert_int_equal (resp.status, 304);
  assert_int_equal (resp.body_len, 0);
  assert_string_equal (mt_http_header (&resp, "ETag"), etag);
  assert_string_equal (mt_http_header (&resp, "Cache-Control"), "no-cache");
  mt_http_response_destroy (&resp);

  get ("/assets/js/app.js", any, &resp);
  assert_int_equal (resp.status, 304);
  mt_http_response_destroy (&resp);

  get ("/assets/js/app.js", other, &resp);
  assert_int_equal (resp.status, 200);
  assert_true (resp.body_len > 0);
  mt_http_response_destroy (&resp);

  /* Another file has another tag. */
  get ("/assets/css/app.css", NULL, &resp);
  assert_int_equal (resp.status, 200);
  assert_string_not_equal (mt_http_header (&resp, "ETag"), etag);
  mt_http_response_destroy (&resp);
}

static void
assets_have_their_type (void **state)
{
  const char *cases[][2] = {
    { "/assets/css/app.css", "text/css; charset=utf-8" },
    { "/assets/js/app.js", "text/javascript; charset=utf-8" },
    { "/assets/js/screens/login.js", "text/javascript; charset=utf-8" },
    { "/assets/img/icon.svg", "image/svg+xml" },
  };

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    mt_http_response_t resp;
    get (cases[i][0], NULL, &resp);
    assert_int_equal (resp.status, 200);
    assert_string_equal (mt_http_header (&resp, "Content-Type"), cases[i][1]);
    assert_string_equal (mt_http_header (&resp, "X-Content-Type-Options"), "nosniff");
    assert_string_equal (mt_http_header (&resp, "Cache-Control"), "no-cache");
    mt_http_response_destroy (&resp);
  }
}

static void
every_embedded_file_is_served (void **state)
{
  size_t count = 0;

  for (const mt_embed_file_t *file = mutua_web_files; file->name; file++) {
    char path[512];
    mt_http_response_t resp;
    snprintf (path, sizeof path, "/assets/%s", file->name);
    get (path, NULL, &resp);
    if (resp.status != 200) {
      fail_msg ("%s answered %d", path, resp.status);
    }
    assert_int_equal (resp.body_len, file->len);
    assert_memory_equal (resp.body, file->data, file->len);
    mt_http_response_destroy (&resp);
    count++;
  }
  assert_true (count >= 10);
}

static void
head_gives_the_length_without_the_body (void **state)
{
  const mt_embed_file_t *file = embedded ("index.html");
  mt_http_response_t resp;
  char length[32];

  assert_true (mt_http_request (server.port, "HEAD", "/", NULL, NULL, 0, &resp));
  assert_int_equal (resp.status, 200);
  assert_int_equal (resp.body_len, 0);
  snprintf (length, sizeof length, "%zu", file->len);
  assert_string_equal (mt_http_header (&resp, "Content-Length"), length);
  mt_http_response_destroy (&resp);
}

static void
anything_else_is_404 (void **state)
{
  const char *misses[] = { "/assets/js/nothing.js",
                           "/assets/nothing",
                           "/assets/a/b/c/d.js",
                           "/assets/js/screens/",
                           "/assets/..%2Findex.html",
                           "/assets/js/..%2F..%2Findex.html",
                           "/assets/%2e%2e/index.html",
                           "/assets/js/app.js%00.png",
                           "/index.html",
                           "/admin/",
                           "/admin/x" };

  for (size_t i = 0; i < sizeof misses / sizeof misses[0]; i++) {
    mt_http_response_t resp;
    get (misses[i], NULL, &resp);
    if (resp.status != 404) {
      fail_msg ("%s answered %d", misses[i], resp.status);
    }
    assert_string_equal (mt_http_json_string (&resp, "type"), "urn:mutua:problem:not-found");
    /* Problems keep the API's policy, not the pages'. */
    assert_string_equal (mt_http_header (&resp, "Content-Security-Policy"),
                         "default-src 'none'; frame-ancestors 'none'");
    mt_http_response_destroy (&resp);
  }
}

/* What the CSP would block must not be in the files: inline scripts, inline styles, event
 * handler attributes, other hosts; and data goes through textContent, never innerHTML. */
static void
files_respect_the_csp (void **state)
{
  const char *forbidden_everywhere[] = { "http://", "https://", "//cdn", "eval(", "new Function" };
  const char *forbidden_html[] = { "<script>",  "<style",   " style=",
                                   " onclick=", " onload=", "javascript:" };
  const char *forbidden_js[] = { ".innerHTML", ".outerHTML", "insertAdjacentHTML", "document.write",
                                 ".style." };

  for (const mt_embed_file_t *file = mutua_web_files; file->name; file++) {
    const char *text = (const char *) file->data;
    const char *dot = strrchr (file->name, '.');
    for (size_t i = 0; i < sizeof forbidden_everywhere / sizeof forbidden_everywhere[0]; i++) {
      /* The SVG namespace is an identifier, not a request. */
      const char *hit = strstr (text, forbidden_everywhere[i]);
      if (hit && strncmp (hit, "http://www.w3.org/2000/svg", 26) != 0) {
        fail_msg ("%s holds %s", file->name, forbidden_everywhere[i]);
      }
    }
    if (dot && strcmp (dot, ".html") == 0) {
      for (size_t i = 0; i < sizeof forbidden_html / sizeof forbidden_html[0]; i++) {
        if (strstr (text, forbidden_html[i])) {
          fail_msg ("%s holds %s", file->name, forbidden_html[i]);
        }
      }
    }
    if (dot && strcmp (dot, ".js") == 0) {
      for (size_t i = 0; i < sizeof forbidden_js / sizeof forbidden_js[0]; i++) {
        if (strstr (text, forbidden_js[i])) {
          fail_msg ("%s holds %s", file->name, forbidden_js[i]);
        }
      }
    }
  }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("web/pages_have_the_strict_csp", pages_have_the_strict_csp),
    MT_TEST ("web/etag_revalidates_to_304", etag_revalidates_to_304),
    MT_TEST ("web/assets_have_their_type", assets_have_their_type),
    MT_TEST ("web/every_embedded_file_is_served", every_embedded_file_is_served),
    MT_TEST ("web/head_gives_the_length_without_the_body", head_gives_the_length_without_the_body),
    MT_TEST ("web/anything_else_is_404", anything_else_is_404),
    MT_TEST ("web/files_respect_the_csp", files_respect_the_csp),
  };
  return cmocka_run_group_tests_name ("integration/web", tests, start_server, stop_server);
}
