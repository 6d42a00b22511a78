/*
 * Integration tests of mutuad's timers (server/timers.h) against the real server, with
 * --sweep-interval-s 1: an unanswered request whose start is a few seconds away expires at its
 * start (its expires_at) and its units come back; a checked-out good whose end passes is flagged
 * overdue and both sides are told; the timers keep running after a restart. There is no test
 * hook in mutuad: the reservations are simply made close to now (min_notice_hours 0), and
 * every wait is a bounded poll, never an assertion on how long something took.
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

/* Polls GET @path as @token until the string at @key equals @expected (bounded). */
static bool
poll_string (const char *token, const char *path, const char *key, const char *expected)
{
  char value[64];

  for (int waited = 0; waited < LH_POLL_MAX_MS; waited += 200) {
    lh_get_string (token, path, key, value, sizeof value);
    if (strcmp (value, expected) == 0) {
      return true;
    }
    lh_sleep_ms (200);
  }
  fprintf (stderr, "%s: %s is still \"%s\", expected \"%s\"\n", path, key, value, expected);
  return false;
}

/* Polls the notifications of @token until one has the id @id (bounded). */
static bool
poll_notification (const char *token, const char *id)
{
  for (int waited = 0; waited < LH_POLL_MAX_MS; waited += 200) {
    if (lh_has_notification (token, id)) {
      return true;
    }
    lh_sleep_ms (200);
  }
  fprintf (stderr, "notification %s never came\n", id);
  return false;
}

/* The "free" units of @listing over [@start, @end). */
static int64_t
free_units (const char *listing, int64_t start, int64_t end)
{
  mt_http_response_t resp;
  char path[256], s[MT_TIME_RFC3339_MAX], e[MT_TIME_RFC3339_MAX];
  int64_t units;

  mt_time_format_rfc3339 (start, s);
  mt_time_format_rfc3339 (end, e);
  snprintf (path, sizeof path, "/v1/listings/%s/availability?from=%s&to=%s", listing, s, e);
  it_call (it_admin, "GET", path, NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", path);
  units = mt_bson_int (&resp.json, "free", -1);
  mt_http_response_destroy (&resp);
  return units;
}

typedef struct {
  it_person_t owner, borrower;
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
  lh_good (&w->owner, "Vélo cargo", 1, w->listing);
}

static void
world_destroy (world_t *w)
{
  it_person_destroy (&w->owner);
  it_person_destroy (&w->borrower);
}

static void
unanswered_request_expires_at_its_start (void **state)
{
  world_t w;
  char id[MT_ID_SIZE], path[96], expires[MT_TIME_RFC3339_MAX], start_text[MT_TIME_RFC3339_MAX];
  char notice[160];
  int64_t start = (mt_time_now_ms () / 1000) * 1000 + 3000;

  (void) state;
  make_world (&w);
  lh_reserve (w.borrower.token, w.listing, start, start + LH_DAY, id);
  snprintf (path, sizeof path, "/v1/reservations/%s", id);
  lh_get_string (w.borrower.token, path, "expires_at", expires, sizeof expires);
  mt_time_format_rfc3339 (start, start_text);
  assert_string_equal (expires, start_text); /* min(start, created + request_ttl) */
  assert_int_equal (free_units (w.listing, start, start + LH_DAY), 0);

  assert_true (poll_string (w.borrower.token, path, "status", "expired"));
  lh_get_string (w.owner.token, path, "history.1.actor", notice, sizeof notice);
  assert_string_equal (notice, "system");
  /* the units are free again and the owner cannot act on it any more */
  assert_int_equal (free_units (w.listing, start, start + LH_DAY), 1);
  lh_act (w.owner.token, id, "approve", "{}", 409);
  snprintf (notice, sizeof notice, "%s:expired:%s", id, w.borrower.account_id);
  assert_true (poll_notification (w.borrower.token, notice));
  snprintf (notice, sizeof notice, "%s:expired:%s", id, w.owner.account_id);
  assert_true (poll_notification (w.owner.token, notice));
  world_destroy (&w);
}

static void
late_good_is_flagged_overdue (void **state)
{
  world_t w;
  char id[MT_ID_SIZE], path[96], notice[160];
  int64_t start;

  (void) state;
  make_world (&w);
  /* approved at once, long before its start (it would expire at its start otherwise) */
  start = (mt_time_now_ms () / 1000) * 1000 + 5000;
  lh_reserve (w.borrower.token, w.listing, start, start + 2000, id);
  lh_act (w.owner.token, id, "approve", "{}", 200);
  lh_act (w.owner.token, id, "checkout", LH_NOTE, 200);
  snprintf (notice, sizeof notice, "%s:overdue:%s", id, w.borrower.account_id);
  assert_true (poll_notification (w.borrower.token, notice));
  snprintf (notice, sizeof notice, "%s:overdue:%s", id, w.owner.account_id);
  assert_true (poll_notification (w.owner.token, notice));
  snprintf (path, sizeof path, "/v1/reservations/%s", id);
  {
    mt_http_response_t resp;
    it_call (w.owner.token, "GET", path, NULL, NULL, &resp);
    it_assert_status (&resp, 200, "GET", path);
    assert_true (mt_bson_bool (&resp.json, "overdue", false));
    assert_string_equal (mt_http_json_string (&resp, "status"), "checked_out");
    mt_http_response_destroy (&resp);
  }
  /* still lent: returning it releases the calendar */
  lh_act (w.owner.token, id, "return", LH_NOTE, 200);
  assert_int_equal (free_units (w.listing, start, start + 2000), 1);
  world_destroy (&w);
}

static void
timers_run_again_after_a_restart (void **state)
{
  world_t w;
  char id[MT_ID_SIZE], path[96];
  int64_t start;

  (void) state;
  make_world (&w);
  assert_int_equal (mt_test_server_stop (&it_server), 0);
  assert_true (mt_test_server_restart (&it_server));
  start = (mt_time_now_ms () / 1000) * 1000 + 2000;
  lh_reserve (w.borrower.token, w.listing, start, start + LH_DAY, id);
  snprintf (path, sizeof path, "/v1/reservations/%s", id);
  assert_true (poll_string (w.borrower.token, path, "status", "expired"));
  {
    char *log = mt_test_server_log (&it_server, NULL);
    assert_non_null (log);
    assert_non_null (strstr (log, "start-up reconciliation"));
    assert_non_null (strstr (log, "timers every 1 s"));
    free (log);
  }
  world_destroy (&w);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("timers/expire/at_start", unanswered_request_expires_at_its_start),
    MT_TEST ("timers/overdue/flagged_and_told", late_good_is_flagged_overdue),
    MT_TEST ("timers/restart", timers_run_again_after_a_restart),
  };
  return cmocka_run_group_tests_name ("integration/timers", tests, setup, teardown);
}
