/*
 * Integration tests of /v1/me over HTTP against the real mutuad: reading and updating one's
 * account (If-Match, mass assignment), the export, and deletion with its anonymisation, its
 * refusals (last manager, last administrator) and the end of the session; a suspended
 * member's token stops working at once.
 */
#include "members_helpers.h"

#include "mt_json.h"

static char net[MT_ID_SIZE];
static char nets[64];

static int
setup (void **state)
{
  if (it_start (state) != 0) {
    return -1;
  }
  return 0;
}

/* The network is created by the first test that needs it (setup cannot assert). */
static void
need_network (void)
{
  if (!net[0]) {
    it_network (net);
    it_networks1 (nets, net);
  }
}

static void
get_me_shows_account_and_member_without_secrets (void **state)
{
  it_person_t m;
  mt_http_response_t resp;

  (void) state;
  need_network ();
  it_signup (nets, false, &m); /* a pending member's account reaches /v1/me */
  it_call (m.token, "GET", "/v1/me", NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", "/v1/me");
  assert_string_equal (mt_http_json_string (&resp, "account.id"), m.account_id);
  assert_string_equal (mt_http_json_string (&resp, "account.email"), m.email);
  assert_string_equal (mt_http_json_string (&resp, "account.member_role"), "manager");
  assert_string_equal (mt_http_json_string (&resp, "member.id"), m.member_id);
  assert_string_equal (mt_http_json_string (&resp, "member.status"), "pending");
  assert_string_equal (mt_http_header (&resp, "ETag"), "W/\"1\"");
  assert_null (strstr (resp.body, "password_hash"));
  assert_null (strstr (resp.body, "email_key"));
  assert_null (strstr (resp.body, "tokens_not_before"));
  mt_http_response_destroy (&resp);
  it_expect_problem (NULL, "GET", "/v1/me", NULL, 401, "unauthenticated");
  it_expect_problem ("v4.public.bogus", "GET", "/v1/me", NULL, 401, "unauthenticated");
  it_person_destroy (&m);
}

static void
patch_me_updates_name_and_lang_with_if_match (void **state)
{
  it_person_t m;
  mt_http_response_t resp;
  const char *stale[] = { "If-Match: W/\"9\"", NULL };
  const char *fresh[] = { "If-Match: W/\"2\"", NULL };

  (void) state;
  need_network ();
  it_signup (nets, true, &m);
  it_call (m.token, "PATCH", "/v1/me", NULL, "{\"name\":\"Camille M.\",\"lang\":\"en\"}", &resp);
  it_assert_status (&resp, 200, "PATCH", "/v1/me");
  assert_string_equal (mt_http_json_string (&resp, "name"), "Camille M.");
  assert_string_equal (mt_http_json_string (&resp, "lang"), "en");
  assert_string_equal (mt_http_header (&resp, "ETag"), "W/\"2\"");
  assert_null (strstr (resp.body, "password_hash"));
  mt_http_response_destroy (&resp);
  /* a stale ETag changes nothing */
  it_call (m.token, "PATCH", "/v1/me", stale, "{\"name\":\"Autre\"}", &resp);
  it_assert_status (&resp, 412, "PATCH", "/v1/me");
  assert_string_equal (mt_http_json_string (&resp, "type"),
                       "urn:mutua:problem:precondition-failed");
  mt_http_response_destroy (&resp);
  it_call (m.token, "PATCH", "/v1/me", fresh, "{\"name\":\"Camille Martin\"}", &resp);
  it_assert_status (&resp, 200, "PATCH", "/v1/me");
  assert_string_equal (mt_http_header (&resp, "ETag"), "W/\"3\"");
  mt_http_response_destroy (&resp);
  it_call (m.token, "GET", "/v1/me", NULL, NULL, &resp);
  assert_string_equal (mt_http_json_string (&resp, "account.name"), "Camille Martin");
  assert_string_equal (mt_http_header (&resp, "ETag"), "W/\"3\"");
  mt_http_response_destroy (&resp);
  it_person_destroy (&m);
}

static void
patch_me_refuses_server_owned_fields (void **state)
{
  static const char *const bodies[] = {
    "{\"status\":\"active\"}",
    "{\"member_role\":\"manager\"}",
    "{\"platform_role\":\"admin\"}",
    "{\"role\":\"admin\"}",
    "{\"member_id\":\"mem_AAAAAAAAAAAAAAAAAAAAAA\"}",
    "{\"version\":7}",
    "{\"id\":\"acc_AAAAAAAAAAAAAAAAAAAAAA\"}",
    "{\"email\":\"autre@asso.example\"}",
    "{\"password_hash\":\"x\"}",
    "{\"name\":\"Ok\",\"platform_role\":\"admin\"}",
    "{\"lang\":\"de\"}",
    "{}",
    NULL,
  };
  it_person_t m, s;
  mt_http_response_t resp;

  (void) state;
  need_network ();
  it_signup (nets, true, &m);
  it_colleague (&m, "staff", &s);
  for (const char *const *body = bodies; *body; body++) {
    it_call (s.token, "PATCH", "/v1/me", NULL, *body, &resp);
    if (resp.status != 400) {
      fail_msg ("PATCH /v1/me %s: %d", *body, resp.status);
    }
    mt_http_response_destroy (&resp);
  }
  it_call (s.token, "GET", "/v1/me", NULL, NULL, &resp);
  assert_string_equal (mt_http_json_string (&resp, "account.member_role"), "staff");
  assert_string_equal (mt_http_json_string (&resp, "account.platform_role"), "member");
  assert_string_equal (mt_http_json_string (&resp, "account.status"), "active");
  assert_string_equal (mt_http_header (&resp, "ETag"), "W/\"2\""); /* 1 + acceptance */
  mt_http_response_destroy (&resp);
  it_person_destroy (&m);
  it_person_destroy (&s);
}

static void
export_is_an_attachment_with_everything_but_secrets (void **state)
{
  it_person_t m, s;
  mt_http_response_t resp;
  char disposition[160];

  (void) state;
  need_network ();
  it_signup (nets, true, &m);
  it_colleague (&m, "staff", &s);
  it_call (m.token, "GET", "/v1/me/export", NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", "/v1/me/export");
  snprintf (disposition, sizeof disposition, "attachment; filename=\"mutua-export-%s.json\"",
            m.account_id);
  assert_string_equal (mt_http_header (&resp, "Content-Disposition"), disposition);
  assert_non_null (mt_http_json_string (&resp, "exported_at"));
  assert_string_equal (mt_http_json_string (&resp, "account.id"), m.account_id);
  assert_string_equal (mt_http_json_string (&resp, "account.email"), m.email);
  assert_string_equal (mt_http_json_string (&resp, "member.id"), m.member_id);
  assert_string_equal (mt_http_json_string (&resp, "member.territory.commune"), "Lille");
  assert_string_equal (mt_http_json_string (&resp, "colleagues.0.id"), s.account_id);
  assert_string_equal (mt_http_json_string (&resp, "colleagues.0.email"), s.email);
  assert_string_equal (mt_http_json_string (&resp, "colleagues.0.member_role"), "staff");
  assert_string_equal (mt_http_json_string (&resp, "networks.0.id"), net);
  assert_non_null (mt_http_json_string (&resp, "networks.0.slug"));
  assert_null (strstr (resp.body, "password_hash"));
  assert_null (strstr (resp.body, "token_hash"));
  assert_null (strstr (resp.body, "email_key"));
  mt_http_response_destroy (&resp);
  it_expect (NULL, "GET", "/v1/me/export", NULL, 401);
  it_person_destroy (&m);
  it_person_destroy (&s);
}

/* The account @account_id as an administrator sees it among its member's accounts. */
static void
admin_view_of_account (const char *member_id, const char *account_id, mt_http_response_t *member,
                       char *key_prefix, size_t size)
{
  char path[96];

  snprintf (path, sizeof path, "/v1/members/%s", member_id);
  it_call (it_admin, "GET", path, NULL, NULL, member);
  it_assert_status (member, 200, "GET", path);
  key_prefix[0] = '\0';
  for (int i = 0; i < 20; i++) {
    char key[48];
    const char *id;
    snprintf (key, sizeof key, "accounts.%d.id", i);
    id = mt_http_json_string (member, key);
    if (!id) {
      break;
    }
    if (strcmp (id, account_id) == 0) {
      snprintf (key_prefix, size, "accounts.%d.", i);
      return;
    }
  }
  fail_msg ("account %s not listed for the administrator", account_id);
}

static const char *
field (const mt_http_response_t *resp, const char *prefix, const char *name)
{
  char key[96];

  snprintf (key, sizeof key, "%s%s", prefix, name);
  return mt_http_json_string (resp, key);
}

static void
delete_me_erases_account_and_ends_session (void **state)
{
  it_person_t m, s;
  mt_http_response_t resp;
  char prefix[32];
  char placeholder[96];
  char *token;

  (void) state;
  need_network ();
  it_signup (nets, true, &m);
  it_colleague (&m, "staff", &s);
  it_call (s.token, "DELETE", "/v1/me", NULL, NULL, &resp);
  it_assert_status (&resp, 204, "DELETE", "/v1/me");
  assert_string_equal (mt_http_header (&resp, "Set-Cookie"),
                       "mutua_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
  mt_http_response_destroy (&resp);
  /* the session is over, and the e-mail no longer signs in */
  it_expect_problem (s.token, "GET", "/v1/me", NULL, 401, "unauthenticated");
  token = it_login (s.email, IT_PASSWORD);
  assert_null (token);
  {
    char body[256];
    snprintf (body, sizeof body, "{\"email\":\"%s\",\"password\":\"" IT_PASSWORD "\"}", s.email);
    it_expect_problem (NULL, "POST", "/v1/auth/login", body, 401, "unauthenticated");
  }
  /* the administrator sees an anonymous record; the member lives on */
  admin_view_of_account (m.member_id, s.account_id, &resp, prefix, sizeof prefix);
  snprintf (placeholder, sizeof placeholder, "deleted+%s@invalid", s.account_id);
  assert_string_equal (field (&resp, prefix, "status"), "deleted");
  assert_string_equal (field (&resp, prefix, "name"), "Compte supprimé");
  assert_string_equal (field (&resp, prefix, "email"), placeholder);
  assert_null (strstr (resp.body, s.email));
  assert_string_equal (mt_http_json_string (&resp, "status"), "active");
  mt_http_response_destroy (&resp);
  /* the colleagues no longer list it */
  {
    char path[96];
    snprintf (path, sizeof path, "/v1/members/%s", m.member_id);
    it_call (m.token, "GET", path, NULL, NULL, &resp);
    assert_null (strstr (resp.body, s.account_id));
    mt_http_response_destroy (&resp);
  }
  it_person_destroy (&m);
  it_person_destroy (&s);
}

static void
delete_me_refuses_last_manager_with_colleagues (void **state)
{
  it_person_t m, s, m2;

  (void) state;
  need_network ();
  it_signup (nets, true, &m);
  it_colleague (&m, "staff", &s);
  it_expect_problem (m.token, "DELETE", "/v1/me", NULL, 409, "conflict");
  it_expect (m.token, "GET", "/v1/me", NULL, 200); /* still there */
  /* with a second manager, the first may go */
  it_colleague (&m, "manager", &m2);
  it_expect (m.token, "DELETE", "/v1/me", NULL, 204);
  it_expect (m.token, "GET", "/v1/me", NULL, 401);
  it_expect (m2.token, "GET", "/v1/me", NULL, 200);
  it_person_destroy (&m);
  it_person_destroy (&s);
  it_person_destroy (&m2);
}

static void
delete_me_of_last_account_anonymises_member (void **state)
{
  it_person_t m;
  mt_http_response_t resp;
  char path[96];
  char body[256];

  (void) state;
  need_network ();
  it_signup (nets, true, &m);
  it_expect (m.token, "DELETE", "/v1/me", NULL, 204);
  snprintf (path, sizeof path, "/v1/members/%s", m.member_id);
  it_call (it_admin, "GET", path, NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", path);
  assert_string_equal (mt_http_json_string (&resp, "status"), "deleted");
  assert_string_equal (mt_http_json_string (&resp, "name"), "Structure supprimée");
  assert_null (mt_http_json_string (&resp, "description"));
  assert_null (mt_http_json_string (&resp, "contact.email"));
  assert_string_equal (mt_http_json_string (&resp, "territory.departement"), "59");
  assert_null (mt_http_json_string (&resp, "territory.commune"));
  assert_string_equal (mt_http_json_string (&resp, "networks.0"), net);
  assert_string_equal (mt_http_json_string (&resp, "accounts.0.status"), "deleted");
  assert_null (strstr (resp.body, m.email));
  assert_null (strstr (resp.body, "Atelier"));
  mt_http_response_destroy (&resp);
  /* the deleted member is listed as such for administrators */
  it_call (it_admin, "GET", "/v1/admin/members?status=deleted&limit=100", NULL, NULL, &resp);
  assert_non_null (strstr (resp.body, m.member_id));
  mt_http_response_destroy (&resp);
  snprintf (body, sizeof body, "{\"email\":\"%s\",\"password\":\"" IT_PASSWORD "\"}", m.email);
  it_expect_problem (NULL, "POST", "/v1/auth/login", body, 401, "unauthenticated");
  it_person_destroy (&m);
}

static void
delete_me_refuses_last_administrator (void **state)
{
  (void) state;
  it_expect_problem (it_admin, "DELETE", "/v1/me", NULL, 409, "conflict");
  it_expect (it_admin, "GET", "/v1/me", NULL, 200);
}

static void
suspended_member_token_stops_at_once (void **state)
{
  it_person_t m;
  char path[96];

  (void) state;
  need_network ();
  it_signup (nets, true, &m);
  it_expect (m.token, "GET", "/v1/me", NULL, 200);
  snprintf (path, sizeof path, "/v1/admin/members/%s/suspend", m.member_id);
  it_expect (it_admin, "POST", path, "{\"reason\":\"Matériel non rendu\"}", 200);
  it_expect_problem (m.token, "GET", "/v1/me", NULL, 401, "unauthenticated");
  snprintf (path, sizeof path, "/v1/admin/members/%s/approve", m.member_id);
  it_expect (it_admin, "POST", path, NULL, 200);
  /* Re-approval does not revive the sessions the suspension ended. */
  it_expect_problem (m.token, "GET", "/v1/me", NULL, 401, "unauthenticated");
  it_person_destroy (&m);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("me/get/account_and_member_without_secrets",
             get_me_shows_account_and_member_without_secrets),
    MT_TEST ("me/patch/name_and_lang_with_if_match", patch_me_updates_name_and_lang_with_if_match),
    MT_TEST ("me/patch/refuses_server_owned_fields", patch_me_refuses_server_owned_fields),
    MT_TEST ("me/export/attachment_without_secrets",
             export_is_an_attachment_with_everything_but_secrets),
    MT_TEST ("me/delete/erases_account_and_ends_session",
             delete_me_erases_account_and_ends_session),
    MT_TEST ("me/delete/refuses_last_manager_with_colleagues",
             delete_me_refuses_last_manager_with_colleagues),
    MT_TEST ("me/delete/last_account_anonymises_member",
             delete_me_of_last_account_anonymises_member),
    MT_TEST ("me/delete/refuses_last_administrator", delete_me_refuses_last_administrator),
    MT_TEST ("me/suspended_member_token_is_refused", suspended_member_token_stops_at_once),
  };

  return cmocka_run_group_tests (tests, setup, it_stop);
}
