/*
 * Integration tests of /v1/networks over HTTP against the real mutuad: the public list, and
 * creation by administrators only (duplicate slugs, validation, mass assignment).
 */
#include "members_helpers.h"

static void
list_is_public_and_create_is_for_administrators (void **state)
{
  mt_http_response_t resp;
  char slug[64];
  char body[256];
  char location[96];

  (void) state;
  snprintf (slug, sizeof slug, "apes-%u", (unsigned) getpid ());
  snprintf (body, sizeof body,
            "{\"slug\":\"%s\",\"name\":\"Apes Hauts-de-France\",\"description\":\"Acteurs pour "
            "une économie solidaire\"}",
            slug);
  it_call (it_admin, "POST", "/v1/networks", NULL, body, &resp);
  it_assert_status (&resp, 201, "POST", "/v1/networks");
  assert_true (mt_id_is_valid (mt_http_json_string (&resp, "id"), "net"));
  assert_string_equal (mt_http_json_string (&resp, "slug"), slug);
  assert_string_equal (mt_http_json_string (&resp, "name"), "Apes Hauts-de-France");
  snprintf (location, sizeof location, "/v1/networks/%s", mt_http_json_string (&resp, "id"));
  assert_string_equal (mt_http_header (&resp, "Location"), location);
  mt_http_response_destroy (&resp);
  /* anyone lists them, without signing in */
  it_call (NULL, "GET", "/v1/networks", NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", "/v1/networks");
  assert_string_equal (mt_http_json_string (&resp, "items.0.slug"), slug);
  assert_string_equal (mt_http_json_string (&resp, "items.0.description"),
                       "Acteurs pour une économie solidaire");
  assert_string_equal (location + strlen ("/v1/networks/"),
                       mt_http_json_string (&resp, "items.0.id"));
  assert_null (mt_http_json_string (&resp, "next_cursor"));
  assert_null (strstr (resp.body, "\"version\""));
  mt_http_response_destroy (&resp);
  /* a taken slug */
  it_expect_problem (it_admin, "POST", "/v1/networks", body, 409, "duplicate");
}

static void
create_refuses_non_administrators_and_bad_bodies (void **state)
{
  static const char *const bad[] = {
    "{\"slug\":\"Majuscules\",\"name\":\"Réseau\"}",
    "{\"slug\":\"-tiret\",\"name\":\"Réseau\"}",
    "{\"slug\":\"ok-slug\"}",
    "{\"name\":\"Réseau\"}",
    "{\"slug\":\"ok-slug\",\"name\":\"Réseau\",\"id\":\"net_AAAAAAAAAAAAAAAAAAAAAA\"}",
    "{\"slug\":\"ok-slug\",\"name\":\"Réseau\",\"version\":3}",
    "{\"slug\":\"ok-slug\",\"name\":\"Réseau\",\"members\":[]}",
    NULL,
  };
  char net[MT_ID_SIZE];
  char nets[64];
  it_person_t m;
  mt_http_response_t resp;

  (void) state;
  it_network (net);
  it_networks1 (nets, net);
  it_signup (nets, true, &m);
  it_expect_problem (m.token, "POST", "/v1/networks", "{\"slug\":\"pirate\",\"name\":\"Pirate\"}",
                     403, "forbidden");
  it_expect_problem (NULL, "POST", "/v1/networks", "{\"slug\":\"pirate\",\"name\":\"Pirate\"}", 401,
                     "unauthenticated");
  for (const char *const *b = bad; *b; b++) {
    it_call (it_admin, "POST", "/v1/networks", NULL, *b, &resp);
    if (resp.status != 400) {
      fail_msg ("POST /v1/networks %s: %d", *b, resp.status);
    }
    mt_http_response_destroy (&resp);
  }
  it_call (NULL, "GET", "/v1/networks", NULL, NULL, &resp);
  assert_null (strstr (resp.body, "pirate"));
  assert_null (strstr (resp.body, "ok-slug"));
  mt_http_response_destroy (&resp);
  it_person_destroy (&m);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("networks/list_public_create_admin", list_is_public_and_create_is_for_administrators),
    MT_TEST ("networks/create/refusals", create_refuses_non_administrators_and_bad_bodies),
  };

  return cmocka_run_group_tests (tests, it_start, it_stop);
}
