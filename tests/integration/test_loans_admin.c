/*
 * Integration tests of the administration of loans and of one's notifications over HTTP
 * against the real mutuad: administrators only (403 for members, 401 anonymous), the review
 * queue with its reasons, the review of returned loans (follow-up, close, 409, 412, 400, 404),
 * the audit log (entity filter, pages and Link), the loans CSV export, and notifications
 * (reminders written by the timers; an account never sees another's). The server runs its
 * timers every second; waits are bounded polls, never timing assertions.
 */
#include "loans_helpers.h"

static char net[MT_ID_SIZE], nets[64];

static int
setup (void **state)
{
  static const char *const args[] = { "--sweep-interval-s", "1", NULL };

  (void) state;
  return lh_start (args) ? 0 : -1;
}

static int
teardown (void **state)
{
  return it_stop (state);
}

typedef struct {
  it_person_t owner, borrower, third;
  char listing[MT_ID_SIZE];
} world_t;

static void
make_world (world_t *w)
{
  if (!net[0]) {
    it_network (net);
    it_networks1 (nets, net);
  }
  it_signup (nets, true, &w->owner);
  it_signup (nets, true, &w->borrower);
  it_signup (nets, true, &w->third);
  lh_good (&w->owner, "Barnum =4x4", 10, w->listing);
}

static void
world_destroy (world_t *w)
{
  it_person_destroy (&w->owner);
  it_person_destroy (&w->borrower);
  it_person_destroy (&w->third);
}

/* A start a few days ahead, in whole seconds, different for each call. */
static int64_t
future (void)
{
  static int64_t n;
  return (mt_time_now_ms () / 1000) * 1000 + 3 * LH_DAY + (n++) * LH_DAY / 4;
}

static void
admin_only (void **state)
{
  world_t w;
  const char *const paths[] = { "/v1/admin/reviews", "/v1/admin/audit",
                                "/v1/admin/export/loans.csv" };

  (void) state;
  make_world (&w);
  for (size_t i = 0; i < 3; i++) {
    it_expect_problem (w.owner.token, "GET", paths[i], NULL, 403, "forbidden");
    it_expect (NULL, "GET", paths[i], NULL, 401);
    it_expect (it_admin, "GET", paths[i], NULL, 200);
  }
  it_expect_problem (w.owner.token, "POST",
                     "/v1/admin/reservations/res_AAAAAAAAAAAAAAAAAAAAAA/review",
                     "{\"decision\":\"close\",\"note\":\"ok\"}", 403, "forbidden");
  it_expect (NULL, "POST", "/v1/admin/reservations/res_AAAAAAAAAAAAAAAAAAAAAA/review",
             "{\"decision\":\"close\",\"note\":\"ok\"}", 401);
  world_destroy (&w);
}

/* The reason of reservation @id in the review queue ("" when absent), walking every page of
 * @limit items. */
static void
queue_reason (const char *id, const char *limit, char *out, size_t size)
{
  char path[LH_CURSOR_MAX + 64];
  char cursor[LH_CURSOR_MAX + 8] = "";
  int pages = 0;

  out[0] = '\0';
  do {
    mt_http_response_t resp;
    const char *next;
    snprintf (path, sizeof path, "/v1/admin/reviews?limit=%s%s%s", limit,
              cursor[0] ? "&cursor=" : "", cursor);
    it_call (it_admin, "GET", path, NULL, NULL, &resp);
    it_assert_status (&resp, 200, "GET", path);
    for (int i = 0; i < 100; i++) {
      char key[48];
      const char *value;
      snprintf (key, sizeof key, "items.%d.reservation.id", i);
      value = mt_http_json_string (&resp, key);
      if (!value) {
        break;
      }
      if (strcmp (value, id) == 0) {
        snprintf (key, sizeof key, "items.%d.reason", i);
        snprintf (out, size, "%s", mt_http_json_string (&resp, key));
      }
    }
    next = mt_http_json_string (&resp, "next_cursor");
    if (next) {
      /* Cursors are letters, digits, ':', '-', '_' and '=' here: safe in a query string. */
      snprintf (cursor, sizeof cursor, "%s", next);
      assert_non_null (mt_http_header (&resp, "Link"));
    } else {
      cursor[0] = '\0';
    }
    mt_http_response_destroy (&resp);
    assert_true (++pages < 1000);
  } while (cursor[0]);
}

static void
review_queue_and_decisions (void **state)
{
  world_t w;
  char with_incident[MT_ID_SIZE], plain[MT_ID_SIZE], pending[MT_ID_SIZE];
  char reason[32], path[128], status[32];
  mt_http_response_t resp;

  (void) state;
  make_world (&w);
  lh_returned (&w.owner, &w.borrower, w.listing, future (), true, with_incident);
  lh_returned (&w.owner, &w.borrower, w.listing, future (), false, plain);
  lh_reserve (w.borrower.token, w.listing, future (), future () + LH_DAY, pending);

  queue_reason (with_incident, "100", reason, sizeof reason);
  assert_string_equal (reason, "incident");
  queue_reason (plain, "1", reason, sizeof reason);
  assert_string_equal (reason, "returned");
  queue_reason (pending, "100", reason, sizeof reason); /* a fresh request waits for its owner */
  assert_string_equal (reason, "");

  /* follow-up keeps it returned, with the note */
  snprintf (path, sizeof path, "/v1/admin/reservations/%s/review", with_incident);
  it_call (it_admin, "POST", path, NULL,
           "{\"decision\":\"follow_up\",\"note\":\"relancer le prêteur pour la sardine\"}", &resp);
  it_assert_status (&resp, 200, "POST", path);
  assert_string_equal (mt_http_json_string (&resp, "status"), "returned");
  assert_string_equal (mt_http_json_string (&resp, "review.decision"), "follow_up");
  assert_string_equal (mt_http_json_string (&resp, "review.note"),
                       "relancer le prêteur pour la sardine");
  assert_string_equal (mt_http_header (&resp, "ETag"), "W/\"5\"");
  mt_http_response_destroy (&resp);
  queue_reason (with_incident, "100", reason, sizeof reason);
  assert_string_equal (reason, "incident");

  /* a stale If-Match is 412; the right one closes it */
  {
    const char *stale[] = { "If-Match: W/\"4\"", NULL };
    const char *fresh[] = { "If-Match: W/\"5\"", NULL };
    it_call (it_admin, "POST", path, stale, "{\"decision\":\"close\",\"note\":\"réglé\"}", &resp);
    it_assert_status (&resp, 412, "POST", path);
    mt_http_response_destroy (&resp);
    it_call (it_admin, "POST", path, fresh, "{\"decision\":\"close\",\"note\":\"réglé\"}", &resp);
    it_assert_status (&resp, 200, "POST", path);
    assert_string_equal (mt_http_json_string (&resp, "status"), "closed");
    mt_http_response_destroy (&resp);
  }
  queue_reason (with_incident, "100", reason, sizeof reason);
  assert_string_equal (reason, "");
  it_expect_problem (it_admin, "POST", path, "{\"decision\":\"close\",\"note\":\"encore\"}", 409,
                     "conflict");

  /* the borrower sees the closed loan */
  snprintf (path, sizeof path, "/v1/reservations/%s", with_incident);
  lh_get_string (w.borrower.token, path, "status", status, sizeof status);
  assert_string_equal (status, "closed");

  /* bad bodies, unknown ids, states that cannot be reviewed */
  snprintf (path, sizeof path, "/v1/admin/reservations/%s/review", plain);
  it_expect_problem (it_admin, "POST", path, "{\"decision\":\"archive\",\"note\":\"x\"}", 400,
                     "validation");
  it_expect_problem (it_admin, "POST", path, "{\"decision\":\"close\"}", 400, "validation");
  it_expect_problem (it_admin, "POST", path,
                     "{\"decision\":\"close\",\"note\":\"x\",\"status\":\"closed\"}", 400,
                     "validation");
  it_expect_problem (it_admin, "POST", "/v1/admin/reservations/res_AAAAAAAAAAAAAAAAAAAAAA/review",
                     "{\"decision\":\"close\",\"note\":\"x\"}", 404, "not-found");
  snprintf (path, sizeof path, "/v1/admin/reservations/%s/review", pending);
  it_expect_problem (it_admin, "POST", path, "{\"decision\":\"close\",\"note\":\"x\"}", 409,
                     "conflict");
  snprintf (path, sizeof path, "/v1/admin/reservations/%s/review", plain);
  it_expect (it_admin, "POST", path, "{\"decision\":\"close\",\"note\":\"rien à signaler\"}", 200);
  it_expect_problem (it_admin, "GET", "/v1/admin/reviews?limit=0", NULL, 400, "bad-request");
  it_expect_problem (it_admin, "GET", "/v1/admin/reviews?cursor=zz", NULL, 400, "bad-request");
  world_destroy (&w);
}

static void
audit_log (void **state)
{
  world_t w;
  char id[MT_ID_SIZE], path[LH_CURSOR_MAX + 128], next[LH_CURSOR_MAX];
  mt_http_response_t resp;
  int total = 0;

  (void) state;
  make_world (&w);
  lh_returned (&w.owner, &w.borrower, w.listing, future (), false, id);
  snprintf (path, sizeof path, "/v1/admin/reservations/%s/review", id);
  it_expect (it_admin, "POST", path, "{\"decision\":\"follow_up\",\"note\":\"photo demandée\"}",
             200);

  snprintf (path, sizeof path, "/v1/admin/audit?entity_id=%s", id);
  it_call (it_admin, "GET", path, NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", path);
  /* newest first: the follow-up, then return, checkout, approve, creation */
  assert_string_equal (mt_http_json_string (&resp, "items.0.reason"), "follow_up: photo demandée");
  assert_string_equal (mt_http_json_string (&resp, "items.0.from"), "returned");
  assert_string_equal (mt_http_json_string (&resp, "items.0.to"), "returned");
  assert_string_equal (mt_http_json_string (&resp, "items.1.to"), "returned");
  assert_string_equal (mt_http_json_string (&resp, "items.1.from"), "checked_out");
  assert_string_equal (mt_http_json_string (&resp, "items.1.actor"), w.owner.account_id);
  assert_string_equal (mt_http_json_string (&resp, "items.4.to"), "requested");
  assert_string_equal (mt_http_json_string (&resp, "items.4.actor"), w.borrower.account_id);
  assert_string_equal (mt_http_json_string (&resp, "items.4.entity"), "reservation");
  assert_null (mt_http_json_string (&resp, "items.5.id"));
  mt_http_response_destroy (&resp);

  /* pages of two, with Link */
  snprintf (path, sizeof path, "/v1/admin/audit?entity_id=%s&limit=2", id);
  for (int page = 0; page < 10; page++) {
    it_call (it_admin, "GET", path, NULL, NULL, &resp);
    it_assert_status (&resp, 200, "GET", path);
    for (int i = 0; i < 2; i++) {
      char key[32];
      snprintf (key, sizeof key, "items.%d.id", i);
      total += mt_http_json_string (&resp, key) ? 1 : 0;
    }
    if (!mt_http_json_string (&resp, "next_cursor")) {
      mt_http_response_destroy (&resp);
      break;
    }
    assert_non_null (mt_http_header (&resp, "Link"));
    snprintf (next, sizeof next, "%s", mt_http_json_string (&resp, "next_cursor"));
    snprintf (path, sizeof path, "/v1/admin/audit?entity_id=%s&limit=2&cursor=%s", id, next);
    mt_http_response_destroy (&resp);
  }
  assert_int_equal (total, 5);
  it_expect_problem (it_admin, "GET", "/v1/admin/audit?cursor=forged", NULL, 400, "bad-request");
  it_expect (it_admin, "GET", "/v1/admin/audit?limit=101", NULL, 200); /* capped at 100 */
  it_expect_problem (it_admin, "GET", "/v1/admin/audit?limit=0", NULL, 400, "bad-request");
  world_destroy (&w);
}

static void
loans_export (void **state)
{
  world_t w;
  char id[MT_ID_SIZE], owner_name[200], borrower_name[200], path[128];
  mt_http_response_t resp;
  const char *line;

  (void) state;
  make_world (&w);
  lh_returned (&w.owner, &w.borrower, w.listing, future (), true, id);
  snprintf (path, sizeof path, "/v1/members/%s", w.owner.member_id);
  lh_get_string (w.owner.token, path, "name", owner_name, sizeof owner_name);
  snprintf (path, sizeof path, "/v1/members/%s", w.borrower.member_id);
  lh_get_string (w.borrower.token, path, "name", borrower_name, sizeof borrower_name);

  it_call (it_admin, "GET", "/v1/admin/export/loans.csv", NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", "/v1/admin/export/loans.csv");
  assert_string_equal (mt_http_header (&resp, "Content-Type"), "text/csv; charset=utf-8");
  assert_non_null (strstr (mt_http_header (&resp, "Content-Disposition"), "mutua-loans.csv"));
  assert_true (resp.body_len > 3 && memcmp (resp.body, "\xEF\xBB\xBF", 3) == 0);
  assert_int_equal (strncmp (resp.body + 3,
                             "id;listing_id;listing_title;owner_member_id;owner_name;",
                             strlen ("id;listing_id;listing_title;owner_member_id;owner_name;")),
                    0);
  line = strstr (resp.body, id);
  assert_non_null (line);
  {
    char expected[1024];
    snprintf (expected, sizeof expected, "%s;%s;Barnum =4x4;%s;%s;%s;%s;1;", id, w.listing,
              w.owner.member_id, owner_name, w.borrower.member_id, borrower_name);
    assert_int_equal (strncmp (line, expected, strlen (expected)), 0);
    assert_non_null (strstr (line, ";returned;false;"));
    /* a text starting like a formula is guarded with ' */
    assert_non_null (strstr (line, ";missing_part;'=une sardine manquante;"));
  }
  mt_http_response_destroy (&resp);
  world_destroy (&w);
}

static void
notifications_are_ones_own (void **state)
{
  world_t w;
  char id[MT_ID_SIZE], mine[160], owners[160];
  mt_http_response_t resp;
  bool seen = false;
  int64_t start = (mt_time_now_ms () / 1000) * 1000 + 2 * LH_HOUR;

  (void) state;
  make_world (&w);
  /* approved, starting within the reminder lead (24 h): the timers remind both sides */
  lh_reserve (w.borrower.token, w.listing, start, start + LH_DAY, id);
  lh_act (w.owner.token, id, "approve", "{}", 200);
  snprintf (mine, sizeof mine, "%s:reminder-start:%s", id, w.borrower.account_id);
  snprintf (owners, sizeof owners, "%s:reminder-start:%s", id, w.owner.account_id);
  for (int waited = 0; waited < LH_POLL_MAX_MS && !seen; waited += 200) {
    seen = lh_has_notification (w.borrower.token, mine);
    if (!seen) {
      lh_sleep_ms (200);
    }
  }
  assert_true (seen);
  assert_true (lh_has_notification (w.owner.token, owners));
  /* never another account's */
  assert_false (lh_has_notification (w.borrower.token, owners));
  assert_false (lh_has_notification (w.owner.token, mine));
  assert_false (lh_has_notification (w.third.token, mine));
  assert_false (lh_has_notification (it_admin, mine));
  it_call (w.third.token, "GET", "/v1/me/notifications", NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", "/v1/me/notifications");
  assert_null (mt_http_json_string (&resp, "items.0.id"));
  mt_http_response_destroy (&resp);

  it_call (w.borrower.token, "GET", "/v1/me/notifications", NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", "/v1/me/notifications");
  assert_string_equal (mt_http_json_string (&resp, "items.0.account_id"), w.borrower.account_id);
  assert_string_equal (mt_http_json_string (&resp, "items.0.kind"), "reminder_start");
  assert_string_equal (mt_http_json_string (&resp, "items.0.entity_id"), id);
  assert_non_null (strstr (mt_http_json_string (&resp, "items.0.text_fr"), "Barnum =4x4"));
  assert_non_null (mt_http_json_string (&resp, "items.0.text_en"));
  mt_http_response_destroy (&resp);

  /* there is no parameter naming another account: it is ignored */
  {
    char path[160];
    snprintf (path, sizeof path, "/v1/me/notifications?account_id=%s", w.owner.account_id);
    it_call (w.third.token, "GET", path, NULL, NULL, &resp);
    it_assert_status (&resp, 200, "GET", path);
    assert_null (mt_http_json_string (&resp, "items.0.id"));
    mt_http_response_destroy (&resp);
  }
  it_expect_problem (w.borrower.token, "GET", "/v1/me/notifications?limit=0", NULL, 400,
                     "bad-request");
  it_expect_problem (w.borrower.token, "GET", "/v1/me/notifications?cursor=forged", NULL, 400,
                     "bad-request");
  it_expect (NULL, "GET", "/v1/me/notifications", NULL, 401);
  world_destroy (&w);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("loans/http/admin_only", admin_only),
    MT_TEST ("loans/http/review_queue_and_decisions", review_queue_and_decisions),
    MT_TEST ("loans/http/audit_log", audit_log),
    MT_TEST ("loans/http/export", loans_export),
    MT_TEST ("notifications/http/ones_own", notifications_are_ones_own),
  };
  return cmocka_run_group_tests_name ("integration/loans_admin", tests, setup, teardown);
}
