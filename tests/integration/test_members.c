/*
 * Integration tests of /v1/members over HTTP against the real mutuad: profiles and who sees
 * them (BOLA: another member's data is never reachable), updates by managers (staff 403,
 * If-Match, mass assignment), invitations, removal of colleagues, and the directory with its
 * pagination.
 */
#include "members_helpers.h"

static char net1[MT_ID_SIZE], net2[MT_ID_SIZE];
static char nets1[64], nets2[64];

static void
need_networks (void)
{
  if (!net1[0]) {
    it_network (net1);
    it_network (net2);
    it_networks1 (nets1, net1);
    it_networks1 (nets2, net2);
  }
}

static void
path_of (char *out, size_t size, const char *member_id, const char *suffix)
{
  snprintf (out, size, "/v1/members/%s%s", member_id, suffix);
}

/* ---- Profiles ----------------------------------------------------------------------------- */

static void
own_member_lists_colleagues_without_secrets (void **state)
{
  it_person_t m, s;
  mt_http_response_t resp;
  char path[96];

  (void) state;
  need_networks ();
  it_signup (nets1, true, &m);
  it_colleague (&m, "staff", &s);
  path_of (path, sizeof path, m.member_id, "");
  it_call (s.token, "GET", path, NULL, NULL, &resp); /* staff see their colleagues too */
  it_assert_status (&resp, 200, "GET", path);
  assert_string_equal (mt_http_json_string (&resp, "id"), m.member_id);
  assert_string_equal (mt_http_json_string (&resp, "status"), "active");
  assert_string_equal (mt_http_header (&resp, "ETag"), "W/\"2\""); /* signed up, approved */
  assert_string_equal (mt_http_json_string (&resp, "accounts.0.id"), m.account_id);
  assert_string_equal (mt_http_json_string (&resp, "accounts.0.email"), m.email);
  assert_string_equal (mt_http_json_string (&resp, "accounts.0.member_role"), "manager");
  assert_string_equal (mt_http_json_string (&resp, "accounts.1.id"), s.account_id);
  assert_string_equal (mt_http_json_string (&resp, "accounts.1.status"), "active");
  assert_null (strstr (resp.body, "password_hash"));
  assert_null (strstr (resp.body, "email_key"));
  assert_null (strstr (resp.body, "tokens_not_before"));
  assert_null (strstr (resp.body, "invitation"));
  mt_http_response_destroy (&resp);
  it_person_destroy (&m);
  it_person_destroy (&s);
}

static void
other_member_shows_public_profile_only (void **state)
{
  it_person_t a, b;
  mt_http_response_t resp;
  char path[96];

  (void) state;
  need_networks ();
  it_signup (nets1, true, &a);
  it_signup (nets1, true, &b);
  path_of (path, sizeof path, b.member_id, "");
  it_call (a.token, "GET", path, NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", path);
  assert_string_equal (mt_http_json_string (&resp, "id"), b.member_id);
  assert_string_equal (mt_http_json_string (&resp, "kind"), "association");
  assert_string_equal (mt_http_json_string (&resp, "territory.commune"), "Lille");
  assert_non_null (mt_http_json_string (&resp, "description"));
  assert_non_null (mt_http_json_string (&resp, "contact.email"));
  assert_string_equal (mt_http_json_string (&resp, "networks.0"), net1);
  /* no accounts, no e-mail of a person, no status nor version */
  assert_null (strstr (resp.body, "\"accounts\""));
  assert_null (strstr (resp.body, b.email));
  assert_null (strstr (resp.body, b.account_id));
  assert_null (mt_http_json_string (&resp, "status"));
  assert_null (mt_http_header (&resp, "ETag"));
  mt_http_response_destroy (&resp);
  it_person_destroy (&a);
  it_person_destroy (&b);
}

static void
bola_another_members_data_is_unreachable (void **state)
{
  it_person_t a, pending, suspended, elsewhere, b, b_staff;
  char path[128];
  char invite[] = "{\"email\":\"intrus@pirate.example\",\"name\":\"Intrus\"}";

  (void) state;
  need_networks ();
  it_signup (nets1, true, &a);
  it_signup (nets1, false, &pending);
  it_signup (nets1, true, &suspended);
  it_signup (nets2, true, &elsewhere);
  it_signup (nets1, true, &b);
  it_colleague (&b, "staff", &b_staff);
  snprintf (path, sizeof path, "/v1/admin/members/%s/suspend", suspended.member_id);
  it_expect (it_admin, "POST", path, "{\"reason\":\"Enquête en cours\"}", 200);

  /* GET: pending, suspended, other network, unknown: one answer, 404 */
  path_of (path, sizeof path, pending.member_id, "");
  it_expect_problem (a.token, "GET", path, NULL, 404, "not-found");
  path_of (path, sizeof path, suspended.member_id, "");
  it_expect_problem (a.token, "GET", path, NULL, 404, "not-found");
  path_of (path, sizeof path, elsewhere.member_id, "");
  it_expect_problem (a.token, "GET", path, NULL, 404, "not-found");
  it_expect_problem (a.token, "GET", "/v1/members/mem_AAAAAAAAAAAAAAAAAAAAAA", NULL, 404,
                     "not-found");
  /* b is visible, but not its accounts, and nothing of it may be changed by a */
  path_of (path, sizeof path, b.member_id, "");
  it_expect_problem (a.token, "PATCH", path, "{\"name\":\"Piratée\"}", 404, "not-found");
  path_of (path, sizeof path, elsewhere.member_id, "");
  it_expect_problem (a.token, "PATCH", path, "{\"name\":\"Piratée\"}", 404, "not-found");
  path_of (path, sizeof path, b.member_id, "/accounts");
  it_expect_problem (a.token, "POST", path, invite, 404, "not-found");
  snprintf (path, sizeof path, "/v1/members/%s/accounts/%s", b.member_id, b_staff.account_id);
  it_expect_problem (a.token, "DELETE", path, NULL, 404, "not-found");
  /* nor through a's own path */
  snprintf (path, sizeof path, "/v1/members/%s/accounts/%s", a.member_id, b_staff.account_id);
  it_expect_problem (a.token, "DELETE", path, NULL, 404, "not-found");
  it_expect (b_staff.token, "GET", "/v1/me", NULL, 200);
  /* a pending member's account reaches only its own member */
  path_of (path, sizeof path, b.member_id, "");
  it_expect_problem (pending.token, "GET", path, NULL, 403, "forbidden");
  path_of (path, sizeof path, pending.member_id, "");
  it_expect (pending.token, "GET", path, NULL, 200);
  it_expect (b.token, "GET", path, NULL, 404);
  it_person_destroy (&a);
  it_person_destroy (&pending);
  it_person_destroy (&suspended);
  it_person_destroy (&elsewhere);
  it_person_destroy (&b);
  it_person_destroy (&b_staff);
}

/* ---- PATCH -------------------------------------------------------------------------------- */

static void
patch_by_managers_with_if_match (void **state)
{
  it_person_t m, s;
  mt_http_response_t resp;
  char path[96];
  const char *stale[] = { "If-Match: W/\"2\"", NULL };
  const char *fresh[] = { "If-Match: W/\"3\"", NULL };

  (void) state;
  need_networks ();
  it_signup (nets1, true, &m);
  it_colleague (&m, "staff", &s);
  path_of (path, sizeof path, m.member_id, "");
  it_expect_problem (s.token, "PATCH", path, "{\"name\":\"Par le salarié\"}", 403, "forbidden");
  it_call (m.token, "PATCH", path, NULL,
           "{\"name\":\"Vélo Solidaire\",\"territory\":{\"departement\":\"62\",\"commune\":"
           "\"Arras\"},\"description\":null}",
           &resp);
  it_assert_status (&resp, 200, "PATCH", path);
  assert_string_equal (mt_http_json_string (&resp, "name"), "Vélo Solidaire");
  assert_string_equal (mt_http_json_string (&resp, "territory.departement"), "62");
  assert_null (mt_http_json_string (&resp, "description"));
  assert_string_equal (mt_http_json_string (&resp, "status"), "active");
  assert_string_equal (mt_http_header (&resp, "ETag"), "W/\"3\"");
  mt_http_response_destroy (&resp);
  /* the ETag read before that change is stale */
  it_call (m.token, "PATCH", path, stale, "{\"name\":\"Trop tard\"}", &resp);
  it_assert_status (&resp, 412, "PATCH", path);
  mt_http_response_destroy (&resp);
  it_call (m.token, "PATCH", path, fresh, "{\"name\":\"À jour\"}", &resp);
  it_assert_status (&resp, 200, "PATCH", path);
  assert_string_equal (mt_http_header (&resp, "ETag"), "W/\"4\"");
  mt_http_response_destroy (&resp);
  /* an administrator may change any member */
  it_expect (it_admin, "PATCH", path, "{\"kind\":\"cooperative\"}", 200);
  it_call (s.token, "GET", path, NULL, NULL, &resp);
  assert_string_equal (mt_http_json_string (&resp, "name"), "À jour");
  assert_string_equal (mt_http_json_string (&resp, "kind"), "cooperative");
  mt_http_response_destroy (&resp);
  it_person_destroy (&m);
  it_person_destroy (&s);
}

static void
patch_refuses_server_owned_fields (void **state)
{
  static const char *const bodies[] = {
    "{\"status\":\"active\"}",
    "{\"id\":\"mem_AAAAAAAAAAAAAAAAAAAAAA\"}",
    "{\"version\":9}",
    "{\"member_id\":\"mem_AAAAAAAAAAAAAAAAAAAAAA\"}",
    "{\"created_at\":\"2026-01-01T00:00:00Z\"}",
    "{\"approved_by\":\"acc_AAAAAAAAAAAAAAAAAAAAAA\"}",
    "{\"accounts\":[]}",
    "{\"kind\":\"platform\"}",
    "{\"name\":\"Ok\",\"status\":\"active\"}",
    "{\"territory\":{\"departement\":\"59\",\"commune\":\"Lille\",\"extra\":1}}",
    "{}",
    NULL,
  };
  it_person_t p;
  mt_http_response_t resp;
  char path[96];
  char networks[128];

  (void) state;
  need_networks ();
  it_signup (nets1, false, &p); /* pending: the attempt must not approve it */
  path_of (path, sizeof path, p.member_id, "");
  for (const char *const *body = bodies; *body; body++) {
    it_call (p.token, "PATCH", path, NULL, *body, &resp);
    if (resp.status != 400) {
      fail_msg ("PATCH %s: %d", *body, resp.status);
    }
    mt_http_response_destroy (&resp);
  }
  /* networks: administrators only */
  snprintf (networks, sizeof networks, "{\"networks\":[\"%s\",\"%s\"]}", net1, net2);
  it_expect_problem (p.token, "PATCH", path, networks, 400, "validation");
  it_call (p.token, "GET", path, NULL, NULL, &resp);
  assert_string_equal (mt_http_json_string (&resp, "status"), "pending");
  assert_null (mt_http_json_string (&resp, "networks.1"));
  assert_string_equal (mt_http_header (&resp, "ETag"), "W/\"1\"");
  mt_http_response_destroy (&resp);
  it_call (it_admin, "PATCH", path, NULL, networks, &resp);
  it_assert_status (&resp, 200, "PATCH", path);
  assert_string_equal (mt_http_json_string (&resp, "networks.1"), net2);
  mt_http_response_destroy (&resp);
  it_expect_problem (it_admin, "PATCH", path, "{\"networks\":[\"net_AAAAAAAAAAAAAAAAAAAAAA\"]}",
                     422, "unprocessable");
  it_person_destroy (&p);
}

/* ---- Invitations and removal -------------------------------------------------------------- */

static void
invitations_by_managers (void **state)
{
  static const char *const bad[] = {
    "{\"email\":\"a@asso.example\",\"name\":\"A\",\"platform_role\":\"admin\"}",
    "{\"email\":\"a@asso.example\",\"name\":\"A\",\"status\":\"active\"}",
    "{\"email\":\"a@asso.example\",\"name\":\"A\",\"member_id\":\"mem_AAAAAAAAAAAAAAAAAAAAAA\"}",
    "{\"email\":\"a@asso.example\",\"name\":\"A\",\"member_role\":\"admin\"}",
    "{\"email\":\"a@asso.example\",\"name\":\"A\",\"password\":\"0123456789ab\"}",
    "{\"email\":\"pas-une-adresse\",\"name\":\"A\"}",
    "{\"name\":\"A\"}",
    NULL,
  };
  it_person_t m, s, c;
  mt_http_response_t resp;
  char path[96];
  char location[160];
  char body[256];

  (void) state;
  need_networks ();
  it_signup (nets1, true, &m);
  it_colleague (&m, "staff", &s);
  path_of (path, sizeof path, m.member_id, "/accounts");
  for (const char *const *b = bad; *b; b++) {
    it_call (m.token, "POST", path, NULL, *b, &resp);
    if (resp.status != 400) {
      fail_msg ("POST %s %s: %d", path, *b, resp.status);
    }
    mt_http_response_destroy (&resp);
  }
  it_expect_problem (s.token, "POST", path, "{\"email\":\"z@asso.example\",\"name\":\"Z\"}", 403,
                     "forbidden");
  it_call (m.token, "POST", path, NULL,
           "{\"email\":\"Claude.Bernard@Asso.example\",\"name\":\"Claude\"}", &resp);
  it_assert_status (&resp, 201, "POST", path);
  snprintf (location, sizeof location, "/v1/members/%s/accounts/%s", m.member_id,
            mt_http_json_string (&resp, "account.id"));
  assert_string_equal (mt_http_header (&resp, "Location"), location);
  assert_string_equal (mt_http_json_string (&resp, "account.status"), "invited");
  assert_string_equal (mt_http_json_string (&resp, "account.member_role"), "staff");
  assert_string_equal (mt_http_json_string (&resp, "account.platform_role"), "member");
  assert_string_equal (mt_http_json_string (&resp, "account.email"), "claude.bernard@asso.example");
  assert_non_null (mt_http_json_string (&resp, "invitation.token"));
  assert_non_null (mt_http_json_string (&resp, "invitation.expires_at"));
  assert_null (strstr (resp.body, "token_hash"));
  mt_http_response_destroy (&resp);
  /* the same e-mail again, whatever its case, and an existing account's e-mail */
  it_expect_problem (m.token, "POST", path,
                     "{\"email\":\"claude.bernard@asso.example\",\"name\":\"Claude\"}", 409,
                     "duplicate");
  snprintf (body, sizeof body, "{\"email\":\"%s\",\"name\":\"Quelqu'un\"}", s.email);
  it_expect_problem (m.token, "POST", path, body, 409, "duplicate");
  /* an invited manager can accept, sign in and invite in turn */
  it_colleague (&m, "manager", &c);
  it_expect (c.token, "POST", path, "{\"email\":\"d@asso.example\",\"name\":\"D\"}", 201);
  it_person_destroy (&m);
  it_person_destroy (&s);
  it_person_destroy (&c);
}

static void
removal_of_colleagues (void **state)
{
  it_person_t m, s, s2;
  mt_http_response_t resp;
  char path[128];
  char body[256];

  (void) state;
  need_networks ();
  it_signup (nets1, true, &m);
  it_colleague (&m, "staff", &s);
  it_colleague (&m, "staff", &s2);
  /* staff cannot remove; the last manager cannot be removed */
  snprintf (path, sizeof path, "/v1/members/%s/accounts/%s", m.member_id, s2.account_id);
  it_expect_problem (s.token, "DELETE", path, NULL, 403, "forbidden");
  snprintf (path, sizeof path, "/v1/members/%s/accounts/%s", m.member_id, m.account_id);
  it_expect_problem (m.token, "DELETE", path, NULL, 409, "conflict");
  it_expect_problem (it_admin, "DELETE", path, NULL, 409, "conflict");
  /* a manager removes a colleague: erased, sessions over */
  snprintf (path, sizeof path, "/v1/members/%s/accounts/%s", m.member_id, s.account_id);
  it_expect (m.token, "DELETE", path, NULL, 204);
  it_expect_problem (s.token, "GET", "/v1/me", NULL, 401, "unauthenticated");
  snprintf (body, sizeof body, "{\"email\":\"%s\",\"password\":\"" IT_PASSWORD "\"}", s.email);
  it_expect_problem (NULL, "POST", "/v1/auth/login", body, 401, "unauthenticated");
  it_expect_problem (m.token, "DELETE", path, NULL, 404, "not-found");
  /* an administrator removes another */
  snprintf (path, sizeof path, "/v1/members/%s/accounts/%s", m.member_id, s2.account_id);
  it_expect (it_admin, "DELETE", path, NULL, 204);
  it_expect (s2.token, "GET", "/v1/me", NULL, 401);
  path_of (path, sizeof path, m.member_id, "");
  it_call (it_admin, "GET", path, NULL, NULL, &resp);
  assert_null (strstr (resp.body, s.email));
  assert_null (strstr (resp.body, s2.email));
  assert_non_null (strstr (resp.body, "Compte supprimé"));
  assert_non_null (strstr (resp.body, "\"removed\""));
  mt_http_response_destroy (&resp);
  it_person_destroy (&m);
  it_person_destroy (&s);
  it_person_destroy (&s2);
}

/* ---- Directory ---------------------------------------------------------------------------- */

static void
directory_pages_through_shared_networks (void **state)
{
  it_person_t a, b, c, d, pending;
  mt_http_response_t resp;
  char path[1024];
  char both[128];
  int seen_a = 0, seen_b = 0, seen_c = 0, pages = 0;
  char next[600] = "/v1/members?limit=1";

  (void) state;
  need_networks ();
  snprintf (both, sizeof both, "[\"%s\",\"%s\"]", net1, net2);
  it_signup (both, true, &a);
  it_signup (nets1, true, &b);
  it_signup (nets2, true, &c);
  it_signup (nets1, false, &pending);
  /* a shares net1 with b and net2 with c: walk its directory one by one via Link */
  while (next[0] && pages < 200) {
    const char *link;
    it_call (a.token, "GET", next, NULL, NULL, &resp);
    it_assert_status (&resp, 200, "GET", next);
    assert_true (mt_http_json (&resp) != NULL);
    if (strstr (resp.body, a.member_id)) {
      seen_a++;
    }
    if (strstr (resp.body, b.member_id)) {
      seen_b++;
    }
    if (strstr (resp.body, c.member_id)) {
      seen_c++;
    }
    assert_null (strstr (resp.body, pending.member_id));
    assert_null (strstr (resp.body, "\"accounts\""));
    assert_null (strstr (resp.body, "\"status\""));
    link = mt_http_header (&resp, "Link");
    next[0] = '\0';
    if (link) {
      const char *end = strstr (link, ">; rel=\"next\"");
      assert_true (link[0] == '<' && end);
      snprintf (next, sizeof next, "%.*s", (int) (end - link - 1), link + 1);
      assert_non_null (mt_http_json_string (&resp, "next_cursor"));
    } else {
      assert_null (mt_http_json_string (&resp, "next_cursor"));
    }
    mt_http_response_destroy (&resp);
    pages++;
  }
  assert_int_equal (seen_a, 1);
  assert_int_equal (seen_b, 1);
  assert_int_equal (seen_c, 1);
  /* b (net1 only) sees a but not c */
  it_signup (nets1, true, &d);
  it_call (b.token, "GET", "/v1/members?limit=100", NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", "/v1/members");
  assert_non_null (strstr (resp.body, a.member_id));
  assert_non_null (strstr (resp.body, d.member_id));
  assert_null (strstr (resp.body, c.member_id));
  mt_http_response_destroy (&resp);
  /* network filter: one's own network; another one is 404 */
  snprintf (path, sizeof path, "/v1/members?network=%s&limit=100", net2);
  it_call (a.token, "GET", path, NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", path);
  assert_non_null (strstr (resp.body, c.member_id));
  assert_null (strstr (resp.body, b.member_id));
  mt_http_response_destroy (&resp);
  it_expect_problem (b.token, "GET", path, NULL, 404, "not-found");
  /* bad queries; pending members; status filter for administrators only */
  it_expect_problem (a.token, "GET", "/v1/members?limit=0", NULL, 400, "bad-request");
  it_expect (a.token, "GET", "/v1/members?limit=101", NULL, 200); /* capped at 100 */
  it_expect_problem (a.token, "GET", "/v1/members?limit=0", NULL, 400, "bad-request");
  it_expect_problem (a.token, "GET", "/v1/members?limit=dix", NULL, 400, "bad-request");
  it_expect_problem (a.token, "GET", "/v1/members?cursor=n'importe", NULL, 400, "bad-request");
  it_expect_problem (a.token, "GET", "/v1/members?status=pending", NULL, 403, "forbidden");
  it_expect_problem (pending.token, "GET", "/v1/members", NULL, 403, "forbidden");
  it_expect_problem (NULL, "GET", "/v1/members", NULL, 401, "unauthenticated");
  it_call (it_admin, "GET", "/v1/members?status=pending&limit=100", NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", "/v1/members?status=pending");
  assert_non_null (strstr (resp.body, pending.member_id));
  assert_null (strstr (resp.body, a.member_id));
  mt_http_response_destroy (&resp);
  it_person_destroy (&a);
  it_person_destroy (&b);
  it_person_destroy (&c);
  it_person_destroy (&d);
  it_person_destroy (&pending);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("members/get/own_lists_colleagues_without_secrets",
             own_member_lists_colleagues_without_secrets),
    MT_TEST ("members/get/other_is_public_profile", other_member_shows_public_profile_only),
    MT_TEST ("members/bola/other_members_data_unreachable",
             bola_another_members_data_is_unreachable),
    MT_TEST ("members/patch/managers_with_if_match", patch_by_managers_with_if_match),
    MT_TEST ("members/patch/refuses_server_owned_fields", patch_refuses_server_owned_fields),
    MT_TEST ("members/invite/by_managers", invitations_by_managers),
    MT_TEST ("members/remove/colleagues", removal_of_colleagues),
    MT_TEST ("members/directory/pages_through_shared_networks",
             directory_pages_through_shared_networks),
  };

  return cmocka_run_group_tests (tests, it_start, it_stop);
}
