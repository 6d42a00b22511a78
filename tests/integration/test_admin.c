/*
 * Integration tests of /v1/admin/members over HTTP against the real mutuad: the review list
 * by status with its pagination and bounds, approval and suspension with every refused
 * transition, the CSV export of members, and the administrators-only rule.
 */
#include "members_helpers.h"

static char net[MT_ID_SIZE];
static char nets[64];

static void
need_network (void)
{
  if (!net[0]) {
    it_network (net);
    it_networks1 (nets, net);
  }
}

static void
list_by_status_with_pagination (void **state)
{
  it_person_t p1, p2, p3, active;
  mt_http_response_t resp;
  char next[600] = "/v1/admin/members?limit=1";
  int found = 0, pages = 0;

  (void) state;
  need_network ();
  it_signup (nets, false, &p1);
  it_signup (nets, false, &p2);
  it_signup (nets, false, &p3);
  it_signup (nets, true, &active);
  /* pending by default, one per page following Link */
  while (next[0] && pages < 100) {
    const char *link;
    it_call (it_admin, "GET", next, NULL, NULL, &resp);
    it_assert_status (&resp, 200, "GET", next);
    assert_non_null (mt_http_json_string (&resp, "items.0.id"));
    assert_null (mt_http_json_string (&resp, "items.1.id"));
    assert_string_equal (mt_http_json_string (&resp, "items.0.status"), "pending");
    found += strstr (resp.body, p1.member_id) || strstr (resp.body, p2.member_id) ||
             strstr (resp.body, p3.member_id);
    assert_null (strstr (resp.body, active.member_id));
    link = mt_http_header (&resp, "Link");
    next[0] = '\0';
    if (link) {
      const char *end = strstr (link, ">; rel=\"next\"");
      assert_non_null (end);
      snprintf (next, sizeof next, "%.*s", (int) (end - link - 1), link + 1);
    }
    mt_http_response_destroy (&resp);
    pages++;
  }
  assert_int_equal (found, 3);
  assert_int_equal (pages, 3);
  it_call (it_admin, "GET", "/v1/admin/members?status=active&limit=100", NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", "/v1/admin/members?status=active");
  assert_non_null (strstr (resp.body, active.member_id));
  assert_null (strstr (resp.body, p1.member_id));
  mt_http_response_destroy (&resp);
  it_expect_problem (it_admin, "GET", "/v1/admin/members?status=approved", NULL, 400,
                     "bad-request");
  it_expect_problem (it_admin, "GET", "/v1/admin/members?limit=0", NULL, 400, "bad-request");
  it_expect (it_admin, "GET", "/v1/admin/members?limit=101", NULL, 200); /* capped at 100 */
  it_expect_problem (it_admin, "GET", "/v1/admin/members?limit=0", NULL, 400, "bad-request");
  it_expect_problem (it_admin, "GET", "/v1/admin/members?limit=-1", NULL, 400, "bad-request");
  it_expect_problem (it_admin, "GET", "/v1/admin/members?cursor=zzz", NULL, 400, "bad-request");
  it_expect_problem (active.token, "GET", "/v1/admin/members", NULL, 403, "forbidden");
  it_expect_problem (NULL, "GET", "/v1/admin/members", NULL, 401, "unauthenticated");
  it_person_destroy (&p1);
  it_person_destroy (&p2);
  it_person_destroy (&p3);
  it_person_destroy (&active);
}

static void
approve_and_suspend_transitions (void **state)
{
  it_person_t m;
  mt_http_response_t resp;
  char approve[96], suspend[96], path[96];
  const char *me_id;

  (void) state;
  need_network ();
  it_signup (nets, false, &m);
  snprintf (approve, sizeof approve, "/v1/admin/members/%s/approve", m.member_id);
  snprintf (suspend, sizeof suspend, "/v1/admin/members/%s/suspend", m.member_id);
  snprintf (path, sizeof path, "/v1/members/%s", m.member_id);
  /* pending: reaches only its own member */
  it_expect (m.token, "GET", "/v1/members", NULL, 403);
  /* non-administrators, including the member itself */
  it_expect_problem (m.token, "POST", approve, NULL, 403, "forbidden");
  it_expect_problem (m.token, "POST", suspend, "{\"reason\":\"auto\"}", 403, "forbidden");
  /* pending -> active */
  it_call (it_admin, "POST", approve, NULL, NULL, &resp);
  it_assert_status (&resp, 200, "POST", approve);
  assert_string_equal (mt_http_json_string (&resp, "status"), "active");
  assert_non_null (mt_http_json_string (&resp, "approved_at"));
  assert_string_equal (mt_http_header (&resp, "ETag"), "W/\"2\"");
  mt_http_response_destroy (&resp);
  it_expect (m.token, "GET", "/v1/members", NULL, 200);
  it_expect_problem (it_admin, "POST", approve, NULL, 409, "conflict");
  /* suspension needs a reason, and only a reason */
  it_expect (it_admin, "POST", suspend, NULL, 415);
  it_expect_problem (it_admin, "POST", suspend, "{}", 400, "validation");
  it_expect_problem (it_admin, "POST", suspend, "{\"reason\":\"ok\",\"status\":\"active\"}", 400,
                     "validation");
  it_call (it_admin, "POST", suspend, NULL, "{\"reason\":\"Tentes rendues abîmées\"}", &resp);
  it_assert_status (&resp, 200, "POST", suspend);
  assert_string_equal (mt_http_json_string (&resp, "status"), "suspended");
  assert_string_equal (mt_http_json_string (&resp, "status_reason"), "Tentes rendues abîmées");
  mt_http_response_destroy (&resp);
  it_expect_problem (m.token, "GET", "/v1/me", NULL, 401, "unauthenticated");
  it_expect_problem (it_admin, "POST", suspend, "{\"reason\":\"encore\"}", 409, "conflict");
  it_call (it_admin, "GET", "/v1/admin/members?status=suspended&limit=100", NULL, NULL, &resp);
  assert_non_null (strstr (resp.body, m.member_id));
  mt_http_response_destroy (&resp);
  /* suspended -> active: sessions from before the suspension stay dead; a new one works */
  it_call (it_admin, "POST", approve, NULL, NULL, &resp);
  it_assert_status (&resp, 200, "POST", approve);
  assert_null (mt_http_json_string (&resp, "status_reason"));
  mt_http_response_destroy (&resp);
  it_expect_problem (m.token, "GET", "/v1/me", NULL, 401, "unauthenticated");
  {
    char *fresh = it_login (m.email, IT_PASSWORD);
    assert_non_null (fresh);
    it_expect (fresh, "GET", "/v1/me", NULL, 200);
    free (fresh);
  }
  /* unknown members */
  it_expect_problem (it_admin, "POST", "/v1/admin/members/mem_AAAAAAAAAAAAAAAAAAAAAA/approve", NULL,
                     404, "not-found");
  /* the platform's own member, which is also the administrator's own */
  it_call (it_admin, "GET", "/v1/me", NULL, NULL, &resp);
  me_id = mt_http_json_string (&resp, "member.id");
  snprintf (suspend, sizeof suspend, "/v1/admin/members/%s/suspend", me_id);
  mt_http_response_destroy (&resp);
  it_expect_problem (it_admin, "POST", suspend, "{\"reason\":\"essai\"}", 409, "conflict");
  it_expect (it_admin, "GET", "/v1/me", NULL, 200);
  it_person_destroy (&m);
}

static void
deleted_member_cannot_be_approved (void **state)
{
  it_person_t m;
  char path[96];

  (void) state;
  need_network ();
  it_signup (nets, false, &m);
  it_expect (m.token, "DELETE", "/v1/me", NULL, 204); /* withdraws the sign-up */
  snprintf (path, sizeof path, "/v1/admin/members/%s/approve", m.member_id);
  it_expect_problem (it_admin, "POST", path, NULL, 409, "conflict");
  snprintf (path, sizeof path, "/v1/admin/members/%s/suspend", m.member_id);
  it_expect_problem (it_admin, "POST", path, "{\"reason\":\"motif\"}", 409, "conflict");
  it_person_destroy (&m);
}

/* GET /v1/admin/export/members.csv: administrators only; organisations, not people. */
static void
export_members_csv (void **state)
{
  it_person_t m;
  mt_http_response_t resp;
  static const char header[] = "id;name;kind;status;departement;commune;networks;contact_email;"
                               "contact_phone;website;created_at;approved_at;suspended_at;"
                               "deleted_at\r\n";
  const char *line;

  (void) state;
  need_network ();
  it_signup (nets, true, &m);
  it_expect_problem (m.token, "GET", "/v1/admin/export/members.csv", NULL, 403, "forbidden");
  it_expect (NULL, "GET", "/v1/admin/export/members.csv", NULL, 401);
  it_call (it_admin, "GET", "/v1/admin/export/members.csv", NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", "/v1/admin/export/members.csv");
  assert_string_equal (mt_http_header (&resp, "Content-Type"), "text/csv; charset=utf-8");
  assert_non_null (strstr (mt_http_header (&resp, "Content-Disposition"), "mutua-members.csv"));
  assert_true (resp.body_len > 3 && memcmp (resp.body, "\xEF\xBB\xBF", 3) == 0);
  assert_int_equal (strncmp (resp.body + 3, header, strlen (header)), 0);
  line = strstr (resp.body, m.member_id);
  assert_non_null (line);
  assert_non_null (strstr (line, ";active;"));
  assert_null (strstr (resp.body, m.email)); /* the account's e-mail is not exported */
  mt_http_response_destroy (&resp);
  it_person_destroy (&m);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("admin/members/list_by_status_with_pagination", list_by_status_with_pagination),
    MT_TEST ("admin/members/approve_and_suspend", approve_and_suspend_transitions),
    MT_TEST ("admin/members/deleted_cannot_be_approved", deleted_member_cannot_be_approved),
    MT_TEST ("admin/members/export_csv", export_members_csv),
  };

  return cmocka_run_group_tests (tests, it_start, it_stop);
}
