/*
 * Integration tests of the creation quotas over HTTP (services/quota.h), against the real
 * mutuad on loopback. Two servers, one after the other:
 *   - reservations_per_hour 2, bookings_per_hour 1, needs_per_day 1 (hours of 3600 s): the
 *     N+1th creation is 429 rate-limited with a Retry-After within the hour, counted per
 *     member (its accounts together), another member and an administrator unaffected, an
 *     idempotent retry of a created reservation replayed without counting;
 *   - reservations_per_hour 1 with hours of 2 s: after Retry-After seconds the member
 *     reserves again, and a 429 answered under an Idempotency-Key is not replayed.
 * No test asserts how long anything took: the only wait is the Retry-After the server gave.
 */
#include "loans_helpers.h"

static int
setup_hour (void **state)
{
  static const char *const args[] = { "--reservations-per-hour",
                                      "2",
                                      "--bookings-per-hour",
                                      "1",
                                      "--needs-per-day",
                                      "1",
                                      "--max-active-reservations",
                                      "1000",
                                      NULL };

  (void) state;
  return lh_start (args) ? 0 : -1;
}

static int
setup_short (void **state)
{
  static const char *const args[] = {
    "--reservations-per-hour", "1", "--quota-hour-s", "2", "--max-active-reservations", "1000", NULL
  };

  (void) state;
  return lh_start (args) ? 0 : -1;
}

/* A POST of a reservation of one day of @listing, @days ahead, with the Idempotency-Key
 * @key (NULL: none); the caller destroys @resp. */
static void
post_reservation (const char *token, const char *listing, int days, const char *key,
                  mt_http_response_t *resp)
{
  char body[512], s[MT_TIME_RFC3339_MAX], e[MT_TIME_RFC3339_MAX], header[192];
  const char *headers[2] = { NULL, NULL };
  static int64_t today; /* fixed once, so that a retry sends the same body */
  int64_t start;

  if (!today) {
    today = mt_time_now_ms () / LH_DAY * LH_DAY;
  }
  start = today + days * LH_DAY;

  mt_time_format_rfc3339 (start, s);
  mt_time_format_rfc3339 (start + LH_DAY, e);
  snprintf (body, sizeof body, "{\"listing_id\":\"%s\",\"start\":\"%s\",\"end\":\"%s\"}", listing,
            s, e);
  if (key) {
    snprintf (header, sizeof header, "Idempotency-Key: %s", key);
    headers[0] = header;
  }
  it_call (token, "POST", "/v1/reservations", headers, body, resp);
}

/* @resp is 429 rate-limited with a Retry-After of 1 to @max_s seconds; returns it. */
static unsigned
assert_rate_limited (const mt_http_response_t *resp, unsigned max_s)
{
  const char *retry = mt_http_header (resp, "Retry-After");
  char *end = NULL;
  unsigned long value;

  it_assert_status (resp, 429, "POST", "(creation)");
  assert_non_null (mt_http_json_string (resp, "type"));
  assert_string_equal (mt_http_json_string (resp, "type"), "urn:mutua:problem:rate-limited");
  assert_non_null (retry);
  value = strtoul (retry, &end, 10);
  assert_true (end != retry && *end == '\0');
  assert_in_range (value, 1, max_s);
  return (unsigned) value;
}

/* Number of reservations of @token's member as borrower (first page of 100). */
static unsigned
borrowed (const char *token)
{
  mt_http_response_t resp;
  unsigned n = 0;
  char key[32];

  it_call (token, "GET", "/v1/reservations?role=borrower&limit=100", NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", "/v1/reservations");
  for (;; n++) {
    snprintf (key, sizeof key, "items.%u.id", n);
    if (!mt_http_json_string (&resp, key)) {
      break;
    }
  }
  mt_http_response_destroy (&resp);
  return n;
}

typedef struct {
  it_person_t owner, borrower, colleague, other;
  char listing[MT_ID_SIZE];
} world_t;

static void
make_world (world_t *w)
{
  char net[MT_ID_SIZE], nets[64];

  it_network (net);
  it_networks1 (nets, net);
  it_signup (nets, true, &w->owner);
  it_signup (nets, true, &w->borrower);
  it_colleague (&w->borrower, "staff", &w->colleague);
  it_signup (nets, true, &w->other);
  lh_good (&w->owner, "Tente de réception", 50, w->listing);
}

static void
destroy_world (world_t *w)
{
  it_person_destroy (&w->owner);
  it_person_destroy (&w->borrower);
  it_person_destroy (&w->colleague);
  it_person_destroy (&w->other);
}

static void
reservations_limited (void **state)
{
  world_t w;
  mt_http_response_t resp;
  char first[MT_ID_SIZE];
  char key[64];

  (void) state;
  make_world (&w);
  snprintf (key, sizeof key, "quota-%u", (unsigned) getpid ());
  post_reservation (w.borrower.token, w.listing, 2, key, &resp);
  it_assert_status (&resp, 201, "POST", "/v1/reservations");
  snprintf (first, sizeof first, "%s", mt_http_json_string (&resp, "id"));
  mt_http_response_destroy (&resp);
  /* The colleague's reservation counts for the same member: the limit (2) is reached. */
  post_reservation (w.colleague.token, w.listing, 3, NULL, &resp);
  it_assert_status (&resp, 201, "POST", "/v1/reservations");
  mt_http_response_destroy (&resp);
  /* The retry of the first request gets its stored answer, not a 429, and counts nothing. */
  post_reservation (w.borrower.token, w.listing, 2, key, &resp);
  it_assert_status (&resp, 201, "POST", "/v1/reservations");
  assert_string_equal (mt_http_json_string (&resp, "id"), first);
  mt_http_response_destroy (&resp);
  /* The third: 429, for either account, with or without a key. */
  post_reservation (w.borrower.token, w.listing, 4, NULL, &resp);
  assert_rate_limited (&resp, 3600);
  mt_http_response_destroy (&resp);
  post_reservation (w.colleague.token, w.listing, 4, "another-key", &resp);
  assert_rate_limited (&resp, 3600);
  mt_http_response_destroy (&resp);
  assert_int_equal (borrowed (w.borrower.token), 2); /* nothing more stored */
  /* Another member has its own count. */
  for (int i = 0; i < 2; i++) {
    post_reservation (w.other.token, w.listing, 5 + i, NULL, &resp);
    it_assert_status (&resp, 201, "POST", "/v1/reservations");
    mt_http_response_destroy (&resp);
  }
  post_reservation (w.other.token, w.listing, 7, NULL, &resp);
  assert_rate_limited (&resp, 3600);
  mt_http_response_destroy (&resp);
  /* The administrator is not limited. */
  for (int i = 0; i < 3; i++) {
    post_reservation (it_admin, w.listing, 8 + i, NULL, &resp);
    it_assert_status (&resp, 201, "POST", "/v1/reservations");
    mt_http_response_destroy (&resp);
  }
  destroy_world (&w);
}

static void
bookings_and_needs_limited (void **state)
{
  world_t w;
  mt_http_response_t resp;
  char service[MT_ID_SIZE], body[512], s[MT_TIME_RFC3339_MAX];
  static const char need[] = "{\"kind\":\"good\",\"title\":\"Sono pour la fête\"}";

  (void) state;
  make_world (&w);
  it_call (w.owner.token, "POST", "/v1/listings", NULL,
           "{\"kind\":\"service\",\"title\":\"Animation d'assemblée générale\","
           "\"category\":\"animation-facilitation\",\"status\":\"published\"}",
           &resp);
  it_assert_status (&resp, 201, "POST", "/v1/listings");
  snprintf (service, sizeof service, "%s", mt_http_json_string (&resp, "id"));
  mt_http_response_destroy (&resp);
  mt_time_format_rfc3339 (mt_time_now_ms () + 3 * LH_DAY, s);
  snprintf (body, sizeof body, "{\"listing_id\":\"%s\",\"start\":\"%s\"}", service, s);
  it_expect (w.borrower.token, "POST", "/v1/bookings", body, 201);
  it_call (w.colleague.token, "POST", "/v1/bookings", NULL, body, &resp);
  assert_rate_limited (&resp, 3600);
  mt_http_response_destroy (&resp);
  it_expect (w.other.token, "POST", "/v1/bookings", body, 201);
  it_expect (it_admin, "POST", "/v1/bookings", body, 201);
  it_expect (it_admin, "POST", "/v1/bookings", body, 201);
  /* Needs: one a day. */
  it_expect (w.borrower.token, "POST", "/v1/needs", need, 201);
  it_call (w.borrower.token, "POST", "/v1/needs", NULL, need, &resp);
  assert_rate_limited (&resp, 24 * 3600);
  mt_http_response_destroy (&resp);
  it_expect (w.other.token, "POST", "/v1/needs", need, 201);
  destroy_world (&w);
}

static void
after_the_window (void **state)
{
  world_t w;
  mt_http_response_t resp;
  unsigned retry = 0;
  int refused_days = 0;
  char key[64];

  (void) state;
  make_world (&w);
  snprintf (key, sizeof key, "after-window-%u", (unsigned) getpid ());
  /* Reserve until refused: with one reservation per window of 2 s, the request right after a
   * creation is refused unless the window passed in between (then it is one more creation). */
  for (int attempt = 0; attempt < 20 && retry == 0; attempt++) {
    post_reservation (w.borrower.token, w.listing, 2 + attempt, key, &resp);
    if (resp.status == 429) {
      retry = assert_rate_limited (&resp, 2);
      refused_days = 2 + attempt;
    } else {
      it_assert_status (&resp, 201, "POST", "/v1/reservations");
      snprintf (key, sizeof key, "after-window-%u-%d", (unsigned) getpid (), attempt);
    }
    mt_http_response_destroy (&resp);
  }
  assert_int_not_equal (retry, 0);
  /* Once Retry-After has passed, the same request (same key, same body) is executed again,
   * not replayed as the 429, and succeeds. */
  lh_sleep_ms ((int) retry * 1000);
  post_reservation (w.borrower.token, w.listing, refused_days, key, &resp);
  it_assert_status (&resp, 201, "POST", "/v1/reservations");
  mt_http_response_destroy (&resp);
  destroy_world (&w);
}

int
main (void)
{
  const struct CMUnitTest hour[] = {
    MT_TEST ("quota/http/reservations_limited", reservations_limited),
    MT_TEST ("quota/http/bookings_and_needs_limited", bookings_and_needs_limited),
  };
  const struct CMUnitTest short_window[] = {
    MT_TEST ("quota/http/after_the_window", after_the_window),
  };
  int failed = cmocka_run_group_tests_name ("integration/quota", hour, setup_hour, it_stop);

  return failed + cmocka_run_group_tests_name ("integration/quota_window", short_window,
                                               setup_short, it_stop);
}
