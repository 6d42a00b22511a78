/* Unit tests of server/http/router.c: matching, parameters, 405/Allow and body limits. */
#include "mt_test.h"

#include "router.h"

#include <string.h>

static void
noop (mt_request_t *r)
{
  (void) r;
}

static const mt_route_t routes[] = {
  { "GET", "/", noop, MT_AUTH_NONE, NULL, 0, "root" },
  { "GET", "/v1/members", noop, MT_AUTH_MEMBER, NULL, 0, "list" },
  { "GET", "/v1/members/{id}", noop, MT_AUTH_ACCOUNT, NULL, 0, "get" },
  { "PATCH", "/v1/members/{id}", noop, MT_AUTH_ACCOUNT, "member_patch.json", 0, "patch" },
  { "DELETE", "/v1/members/{id}/accounts/{aid}", noop, MT_AUTH_ACCOUNT, NULL, 0, "remove" },
  { "POST", "/v1/listings/{id}/photos", noop, MT_AUTH_MEMBER, NULL, 5 * 1024 * 1024, "photo" },
};

static mt_router_t *
make (void)
{
  mt_error_t error;
  mt_router_t *router = mt_router_new (routes, sizeof routes / sizeof routes[0], &error);
  if (!router) {
    fail_msg ("%s", error.message);
  }
  return router;
}

static void
matches_literals_and_parameters (void **state)
{
  mt_router_t *router = make ();
  mt_route_match_t m;
  char allow[128];

  assert_int_equal (mt_router_match (router, "GET", "/", &m, allow, sizeof allow), MT_ROUTE_FOUND);
  assert_int_equal (m.index, 0);
  assert_int_equal (mt_router_match (router, "GET", "/v1/members", &m, allow, sizeof allow),
                    MT_ROUTE_FOUND);
  assert_int_equal (m.index, 1);
  assert_int_equal (mt_router_match (router, "GET", "/v1/members/mem_x", &m, allow, sizeof allow),
                    MT_ROUTE_FOUND);
  assert_int_equal (m.index, 2);
  assert_int_equal (m.param_count, 1);
  assert_string_equal (m.params[0].name, "id");
  assert_string_equal (m.params[0].value, "mem_x");
  assert_int_equal (
    mt_router_match (router, "DELETE", "/v1/members/a%20b/accounts/acc_1", &m, allow, sizeof allow),
    MT_ROUTE_FOUND);
  assert_string_equal (m.params[0].value, "a b");
  assert_string_equal (m.params[1].name, "aid");
  assert_string_equal (m.params[1].value, "acc_1");
  /* HEAD is served by GET. */
  assert_int_equal (mt_router_match (router, "HEAD", "/v1/members", &m, allow, sizeof allow),
                    MT_ROUTE_FOUND);
  mt_router_destroy (router);
}

static void
is_exact (void **state)
{
  mt_router_t *router = make ();
  mt_route_match_t m;
  const char *misses[] = { "/v1/members/",
                           "/v1//members",
                           "/v1/members/x/y",
                           "/v1/member",
                           "/v1/membersx",
                           "/V1/members",
                           "",
                           "/v1/members/%zz",
                           "/v1/members/%2F",
                           "/v1/members/%00" };

  for (size_t i = 0; i < sizeof misses / sizeof misses[0]; i++) {
    /* Not found, rather than "method not allowed": no route has this path (a segment
     * that does not decode included). */
    if (mt_router_match (router, "GET", misses[i], &m, NULL, 0) != MT_ROUTE_NOT_FOUND) {
      fail_msg ("%s is not reported as not found", misses[i]);
    }
    /* with another method, still no such path (404, not 405) */
    if (mt_router_match (router, "DELETE", misses[i], &m, NULL, 0) != MT_ROUTE_NOT_FOUND) {
      fail_msg ("%s is known to DELETE", misses[i]);
    }
  }
  mt_router_destroy (router);
}

static void
reports_allowed_methods (void **state)
{
  mt_router_t *router = make ();
  mt_route_match_t m;
  char allow[128];

  assert_int_equal (mt_router_match (router, "POST", "/v1/members/x", &m, allow, sizeof allow),
                    MT_ROUTE_METHOD_NOT_ALLOWED);
  assert_string_equal (allow, "GET, HEAD, PATCH, OPTIONS");
  assert_int_equal (mt_router_match (router, "GET", "/nowhere", &m, allow, sizeof allow),
                    MT_ROUTE_NOT_FOUND);
  mt_router_destroy (router);
}

static void
gives_body_limits_by_route (void **state)
{
  mt_router_t *router = make ();

  assert_int_equal (mt_router_max_body (router, "POST", "/v1/listings/lst_1/photos"),
                    5 * 1024 * 1024);
  assert_int_equal (mt_router_max_body (router, "POST", "/v1/listings/lst_1/photos?x=1"),
                    5 * 1024 * 1024);
  assert_int_equal (mt_router_max_body (router, "PATCH", "/v1/members/x"), 0);
  assert_int_equal (mt_router_max_body (router, "POST", "/unknown"), 0);
  assert_string_equal (mt_router_label (router, 2), "GET /v1/members/{id}");
  assert_string_equal (mt_router_label (router, 99), "unmatched");
  mt_router_destroy (router);
}

static void
refuses_bad_tables (void **state)
{
  const mt_route_t dup[] = {
    { "GET", "/a", noop, MT_AUTH_NONE, NULL, 0, "" },
    { "GET", "/a", noop, MT_AUTH_NONE, NULL, 0, "" },
  };
  const mt_route_t bad[] = { { "GET", "a/b", noop, MT_AUTH_NONE, NULL, 0, "" } };
  const mt_route_t empty_param[] = { { "GET", "/a/{}", noop, MT_AUTH_NONE, NULL, 0, "" } };
  mt_error_t error;

  assert_null (mt_router_new (dup, 2, &error));
  assert_non_null (strstr (error.message, "duplicate"));
  assert_null (mt_router_new (bad, 1, &error));
  assert_null (mt_router_new (empty_param, 1, &error));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("router/matches_literals_and_parameters", matches_literals_and_parameters),
    MT_TEST ("router/is_exact", is_exact),
    MT_TEST ("router/reports_allowed_methods", reports_allowed_methods),
    MT_TEST ("router/gives_body_limits_by_route", gives_body_limits_by_route),
    MT_TEST ("router/refuses_bad_tables", refuses_bad_tables),
  };
  return cmocka_run_group_tests_name ("server/http/router", tests, NULL, NULL);
}
