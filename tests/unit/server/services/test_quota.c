/*
 * Unit tests of server/services/quota.c: the decision alone (no limit, under the limit, at
 * the limit with its Retry-After in whole seconds rounded up, the window's edge to the
 * millisecond, the window sliding item after item), the policy read from the config, and
 * the check wired into the creation of reservations, service bookings and needs against a
 * real SQLite store (the N+1th refused with 429 and nothing stored, every account of the
 * member counted together, another member and an administrator unaffected, 0 = no limit,
 * the window passing). Every context carries an explicit instant: nothing reads the clock.
 */
#include "loans_fixture.h"

#include "bookings.h"
#include "listings.h"
#include "mt_json.h"
#include "mt_time.h"
#include "needs.h"
#include "quota.h"
#include "reservations.h"

#define HOUR INT64_C (3600000)
#define DAY (24 * HOUR)

/* ---- mt_quota_decide -------------------------------------------------------------------- */

static void
test_decide_no_limit (void **state)
{
  int64_t created[3] = { FX_NOW_MS, FX_NOW_MS, FX_NOW_MS };
  uint32_t retry = 99;

  (void) state;
  assert_true (mt_quota_decide (0, HOUR, FX_NOW_MS, created, 3, &retry));
  assert_int_equal (retry, 0);
}

static void
test_decide_under_limit (void **state)
{
  int64_t created[2] = { FX_NOW_MS - 1000, FX_NOW_MS - 2000 };
  uint32_t retry = 99;

  (void) state;
  assert_true (mt_quota_decide (3, HOUR, FX_NOW_MS, created, 0, &retry));
  assert_int_equal (retry, 0);
  assert_true (mt_quota_decide (3, HOUR, FX_NOW_MS, created, 2, &retry));
  assert_int_equal (retry, 0);
  assert_true (mt_quota_decide (3, HOUR, FX_NOW_MS, created, 2, NULL));
}

static void
test_decide_at_limit_retry_after (void **state)
{
  /* Newest first; the 3rd newest decides. */
  int64_t created[3] = { FX_NOW_MS, FX_NOW_MS - 5000, FX_NOW_MS - 10 * 60000 };
  uint32_t retry = 0;

  (void) state;
  assert_false (mt_quota_decide (3, HOUR, FX_NOW_MS, created, 3, &retry));
  assert_int_equal (retry, 50 * 60); /* 10 minutes old: 50 minutes left */
  assert_false (mt_quota_decide (2, HOUR, FX_NOW_MS, created, 3, &retry));
  assert_int_equal (retry, 3600 - 5);
  assert_false (mt_quota_decide (1, HOUR, FX_NOW_MS, created, 3, &retry));
  assert_int_equal (retry, 3600); /* just created: the whole window */
  /* Part of a second is a whole second. */
  created[2] = FX_NOW_MS - HOUR + 1500;
  assert_false (mt_quota_decide (3, HOUR, FX_NOW_MS, created, 3, &retry));
  assert_int_equal (retry, 2);
  created[2] = FX_NOW_MS - HOUR + 2000;
  assert_false (mt_quota_decide (3, HOUR, FX_NOW_MS, created, 3, &retry));
  assert_int_equal (retry, 2);
  /* Created "later" than now (another instance's clock ahead): still counted. */
  created[2] = FX_NOW_MS + 1000;
  assert_false (mt_quota_decide (3, HOUR, FX_NOW_MS, created, 3, &retry));
  assert_int_equal (retry, 3601);
}

static void
test_decide_window_edge (void **state)
{
  int64_t created[2] = { FX_NOW_MS - 1000, FX_NOW_MS - HOUR + 1 };
  uint32_t retry = 0;

  (void) state;
  /* One millisecond left: refused, Retry-After 1 (never 0). */
  assert_false (mt_quota_decide (2, HOUR, FX_NOW_MS, created, 2, &retry));
  assert_int_equal (retry, 1);
  /* Exactly one window old: no longer counted. */
  created[1] = FX_NOW_MS - HOUR;
  assert_true (mt_quota_decide (2, HOUR, FX_NOW_MS, created, 2, &retry));
  assert_int_equal (retry, 0);
}

static void
test_decide_window_slides (void **state)
{
  const int64_t t0 = FX_NOW_MS;
  int64_t created[3] = { t0 + 20 * 60000, t0 + 10 * 60000, t0 }; /* newest first */
  uint32_t retry = 0;

  (void) state;
  /* Limit 2: the 2nd newest (t0 + 10 min) decides. */
  assert_false (mt_quota_decide (2, HOUR, t0 + 30 * 60000, created, 3, &retry));
  assert_int_equal (retry, 40 * 60);
  assert_false (mt_quota_decide (2, HOUR, t0 + HOUR + 10 * 60000 - 1, created, 3, &retry));
  assert_int_equal (retry, 1);
  assert_true (mt_quota_decide (2, HOUR, t0 + HOUR + 10 * 60000, created, 3, &retry));
  /* Limit 3: the oldest (t0) decides; once it leaves, one slot is free. */
  assert_false (mt_quota_decide (3, HOUR, t0 + 30 * 60000, created, 3, &retry));
  assert_int_equal (retry, 30 * 60);
  assert_true (mt_quota_decide (3, HOUR, t0 + HOUR, created, 3, &retry));
}

/* ---- mt_quota_policy -------------------------------------------------------------------- */

static void
test_policy (void **state)
{
  mt_config_t config;
  uint32_t limit = 0;
  int64_t window = 0;

  (void) state;
  mt_config_defaults (&config);
  mt_quota_policy (&config, MT_QUOTA_RESERVATIONS, &limit, &window);
  assert_int_equal (limit, 20);
  assert_int_equal (window, HOUR);
  mt_quota_policy (&config, MT_QUOTA_BOOKINGS, &limit, &window);
  assert_int_equal (limit, 20);
  assert_int_equal (window, HOUR);
  mt_quota_policy (&config, MT_QUOTA_NEEDS, &limit, &window);
  assert_int_equal (limit, 10);
  assert_int_equal (window, DAY);
  mt_quota_policy (NULL, MT_QUOTA_NEEDS, &limit, &window);
  assert_int_equal (limit, MT_QUOTA_DEFAULT_NEEDS_PER_DAY);
  assert_int_equal (window, DAY);
  config.quota_hour_s = 2;
  config.reservations_per_hour = 0;
  config.needs_per_day = 7;
  mt_quota_policy (&config, MT_QUOTA_RESERVATIONS, &limit, &window);
  assert_int_equal (limit, 0);
  assert_int_equal (window, 2000);
  mt_quota_policy (&config, MT_QUOTA_NEEDS, &limit, &window);
  assert_int_equal (limit, 7);
  assert_int_equal (window, 48000);
}

/* ---- Creations against the store -------------------------------------------------------- */

/* A caller of @account_id whose context carries the fixture's config, at @now. */
static void
caller_at (lx_t *lx, const char *account_id, int64_t now, fx_caller_t *c)
{
  fx_caller (lx->fx, account_id, c);
  c->ctx.env = &lx->env;
  c->ctx.now_ms = now;
}

static void
jdoc (const char *text, bson_t *out)
{
  char buf[2048];
  size_t len = strlen (text);
  mt_error_t error;

  assert_true (len < sizeof buf);
  for (size_t i = 0; i <= len; i++) {
    buf[i] = text[i] == '\'' ? '"' : text[i];
  }
  if (!mt_json_parse_object (buf, len, MT_JSON_STRICT, out, &error)) {
    fail_msg ("bad test JSON (%s): %s", error.message, buf);
  }
}

/* A published good of the fixture's owner, 100 units, created through the service (so that
 * it is visible as the service reads listings); its id replaces the fixture's listing id. */
static void
good (lx_t *lx)
{
  fx_caller_t owner;
  bson_t body, out;

  caller_at (lx, lx->owner_account, FX_NOW_MS, &owner);
  jdoc ("{'kind':'good','title':'Tente de réception','category':'tentes-barnums',"
        "'status':'published','quantity':100}",
        &body);
  OK (mt_listing_create (&owner.ctx, &body, &out, lx->listing, &fx_err));
  bson_destroy (&body);
  bson_destroy (&out);
  fx_caller_destroy (&owner);
}

/* mt_reservation_create of one day of the good of good (), three days after @c's instant;
 * error in fx_err. */
static bool
reserve (lx_t *lx, fx_caller_t *c)
{
  char s[MT_TIME_RFC3339_MAX], e[MT_TIME_RFC3339_MAX], text[512], id[MT_ID_SIZE];
  bson_t body, out;
  bool ok;

  mt_time_format_rfc3339 (c->ctx.now_ms + 3 * DAY, s);
  mt_time_format_rfc3339 (c->ctx.now_ms + 4 * DAY, e);
  snprintf (text, sizeof text, "{'listing_id':'%s','start':'%s','end':'%s'}", lx->listing, s, e);
  jdoc (text, &body);
  mt_error_clear (&fx_err);
  ok = mt_reservation_create (&c->ctx, &body, &out, id, &fx_err);
  bson_destroy (&body);
  bson_destroy (&out);
  return ok;
}

/* Number of reservations of @member in the store. */
static uint32_t
reservations_of (lx_t *lx, const char *member)
{
  mt_store_reservation_query_t query = { .borrower_member_id = member, .limit = 100 };
  mt_store_page_t page;
  uint32_t n;

  mt_store_page_init (&page);
  OK (lx->fx->store->ops->reservation_list (lx->fx->store, &query, &page, &fx_err));
  n = page.count;
  mt_store_page_destroy (&page);
  return n;
}

/* The fixture with reservations_per_hour 3 and room for many active reservations. */
static void
small_quota (lx_t *lx)
{
  lx->config.reservations_per_hour = 3;
  lx->config.bookings_per_hour = 2;
  lx->config.needs_per_day = 2;
  lx->config.max_active_reservations = 1000;
  good (lx);
}

static void
test_reservations_limit (void **state)
{
  lx_t *lx = *state;
  fx_caller_t borrower;
  fx_caller_t colleague;
  char colleague_account[MT_ID_SIZE];

  small_quota (lx);
  fx_account (lx->fx, lx->borrower, "staff", "active", NULL, colleague_account);
  caller_at (lx, lx->borrower_account, FX_NOW_MS, &borrower);
  caller_at (lx, colleague_account, FX_NOW_MS + 10 * 60000, &colleague);
  assert_true (reserve (lx, &borrower));
  borrower.ctx.now_ms += 60000;
  assert_true (reserve (lx, &borrower));
  /* Another account of the same member counts with it. */
  assert_true (reserve (lx, &colleague));
  assert_int_equal (reservations_of (lx, lx->borrower), 3);
  borrower.ctx.now_ms = FX_NOW_MS + 20 * 60000;
  assert_false (reserve (lx, &borrower));
  assert_int_equal (fx_err.code, MT_ERR_RATE_LIMITED);
  assert_int_equal (mt_error_http_status (&fx_err), 429);
  assert_int_equal (fx_err.retry_after, 40 * 60); /* the first leaves at FX_NOW_MS + 1 h */
  assert_non_null (strstr (fx_err.message, "3"));
  assert_false (reserve (lx, &colleague));
  assert_int_equal (fx_err.code, MT_ERR_RATE_LIMITED);
  assert_int_equal (reservations_of (lx, lx->borrower), 3); /* nothing stored */
  /* One millisecond before the first leaves the window: still refused, 1 s to wait. */
  borrower.ctx.now_ms = FX_NOW_MS + HOUR - 1;
  assert_false (reserve (lx, &borrower));
  assert_int_equal (fx_err.retry_after, 1);
  /* When it leaves, one slot frees: one more, then refused until the second leaves. */
  borrower.ctx.now_ms = FX_NOW_MS + HOUR;
  assert_true (reserve (lx, &borrower));
  assert_false (reserve (lx, &borrower));
  assert_int_equal (fx_err.retry_after, 60);
  assert_int_equal (reservations_of (lx, lx->borrower), 4);
  fx_caller_destroy (&borrower);
  fx_caller_destroy (&colleague);
}

static void
test_reservations_others_unaffected (void **state)
{
  lx_t *lx = *state;
  const char *networks[2] = { lx->network, NULL };
  char other[MT_ID_SIZE], other_account[MT_ID_SIZE];
  fx_caller_t borrower, stranger, admin;

  small_quota (lx);
  fx_member (lx->fx, "active", NULL, networks, other, other_account);
  caller_at (lx, lx->borrower_account, FX_NOW_MS, &borrower);
  caller_at (lx, other_account, FX_NOW_MS, &stranger);
  caller_at (lx, lx->admin_account, FX_NOW_MS, &admin);
  assert_true (admin.principal.is_admin);
  for (int i = 0; i < 3; i++) {
    assert_true (reserve (lx, &borrower));
  }
  assert_false (reserve (lx, &borrower));
  assert_int_equal (fx_err.code, MT_ERR_RATE_LIMITED);
  /* Another member has its own count. */
  for (int i = 0; i < 3; i++) {
    assert_true (reserve (lx, &stranger));
  }
  assert_false (reserve (lx, &stranger));
  /* An administrator is never limited. */
  for (int i = 0; i < 5; i++) {
    assert_true (reserve (lx, &admin));
  }
  assert_int_equal (reservations_of (lx, lx->admin_member), 5);
  /* 0 is no limit. */
  lx->config.reservations_per_hour = 0;
  assert_true (reserve (lx, &borrower));
  assert_int_equal (reservations_of (lx, lx->borrower), 4);
  fx_caller_destroy (&borrower);
  fx_caller_destroy (&stranger);
  fx_caller_destroy (&admin);
}

/* Cancelled reservations still count: what is limited is the rate of creation. */
static void
test_reservations_cancelled_count (void **state)
{
  lx_t *lx = *state;
  fx_caller_t borrower;
  char id[MT_ID_SIZE];

  small_quota (lx);
  for (int i = 0; i < 3; i++) {
    lx_reservation (lx,
                    &(lx_res_t){ .status = "cancelled",
                                 .start = FX_NOW_MS + 3 * DAY,
                                 .end = FX_NOW_MS + 4 * DAY,
                                 .created_at = FX_NOW_MS - 30 * 60000 + i },
                    id);
  }
  caller_at (lx, lx->borrower_account, FX_NOW_MS, &borrower);
  assert_false (reserve (lx, &borrower));
  assert_int_equal (fx_err.code, MT_ERR_RATE_LIMITED);
  assert_int_equal (fx_err.retry_after, 30 * 60);
  /* Older than the window: not counted. */
  borrower.ctx.now_ms = FX_NOW_MS + 30 * 60000;
  assert_true (reserve (lx, &borrower));
  fx_caller_destroy (&borrower);
}

static bool
book (fx_caller_t *c, const char *listing)
{
  char s[MT_TIME_RFC3339_MAX], text[512], id[MT_ID_SIZE];
  bson_t body, out;
  bool ok;

  mt_time_format_rfc3339 (c->ctx.now_ms + 3 * DAY, s);
  snprintf (text, sizeof text, "{'listing_id':'%s','start':'%s'}", listing, s);
  jdoc (text, &body);
  mt_error_clear (&fx_err);
  ok = mt_booking_create (&c->ctx, &body, &out, id, &fx_err);
  bson_destroy (&body);
  bson_destroy (&out);
  return ok;
}

static void
test_bookings_limit (void **state)
{
  lx_t *lx = *state;
  fx_caller_t owner, borrower, admin;
  char service[MT_ID_SIZE];
  bson_t body, out;

  small_quota (lx);
  caller_at (lx, lx->owner_account, FX_NOW_MS, &owner);
  caller_at (lx, lx->borrower_account, FX_NOW_MS, &borrower);
  caller_at (lx, lx->admin_account, FX_NOW_MS, &admin);
  jdoc ("{'kind':'service','title':'Animation d\\u2019assemblée générale',"
        "'category':'animation-facilitation','status':'published'}",
        &body);
  OK (mt_listing_create (&owner.ctx, &body, &out, service, &fx_err));
  bson_destroy (&body);
  bson_destroy (&out);
  assert_true (book (&borrower, service));
  borrower.ctx.now_ms += 1000;
  assert_true (book (&borrower, service));
  assert_false (book (&borrower, service));
  assert_int_equal (fx_err.code, MT_ERR_RATE_LIMITED);
  assert_int_equal (fx_err.retry_after, 3600 - 1);
  for (int i = 0; i < 3; i++) {
    assert_true (book (&admin, service));
  }
  borrower.ctx.now_ms = FX_NOW_MS + HOUR;
  assert_true (book (&borrower, service));
  fx_caller_destroy (&owner);
  fx_caller_destroy (&borrower);
  fx_caller_destroy (&admin);
}

static bool
post_need (fx_caller_t *c)
{
  char id[MT_ID_SIZE];
  bson_t body, out;
  bool ok;

  jdoc ("{'kind':'good','title':'Sono pour la fête'}", &body);
  mt_error_clear (&fx_err);
  ok = mt_need_create (&c->ctx, &body, &out, id, &fx_err);
  bson_destroy (&body);
  bson_destroy (&out);
  return ok;
}

static void
test_needs_limit_per_day (void **state)
{
  lx_t *lx = *state;
  fx_caller_t borrower, owner;

  small_quota (lx);
  caller_at (lx, lx->borrower_account, FX_NOW_MS, &borrower);
  caller_at (lx, lx->owner_account, FX_NOW_MS, &owner);
  assert_true (post_need (&borrower));
  borrower.ctx.now_ms += HOUR;
  assert_true (post_need (&borrower));
  borrower.ctx.now_ms = FX_NOW_MS + 23 * HOUR;
  assert_false (post_need (&borrower));
  assert_int_equal (fx_err.code, MT_ERR_RATE_LIMITED);
  assert_int_equal (fx_err.retry_after, 3600);
  assert_true (post_need (&owner)); /* another member */
  borrower.ctx.now_ms = FX_NOW_MS + DAY;
  assert_true (post_need (&borrower));
  assert_false (post_need (&borrower));
  assert_int_equal (fx_err.retry_after, 3600);
  fx_caller_destroy (&borrower);
  fx_caller_destroy (&owner);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("quota/decide/no_limit", test_decide_no_limit),
    MT_TEST ("quota/decide/under_limit", test_decide_under_limit),
    MT_TEST ("quota/decide/at_limit_retry_after", test_decide_at_limit_retry_after),
    MT_TEST ("quota/decide/window_edge", test_decide_window_edge),
    MT_TEST ("quota/decide/window_slides", test_decide_window_slides),
    MT_TEST ("quota/policy/config", test_policy),
    LX_TEST ("quota/reservations/limit_window_and_accounts", test_reservations_limit),
    LX_TEST ("quota/reservations/others_admin_zero", test_reservations_others_unaffected),
    LX_TEST ("quota/reservations/cancelled_count", test_reservations_cancelled_count),
    LX_TEST ("quota/bookings/limit", test_bookings_limit),
    LX_TEST ("quota/needs/limit_per_day", test_needs_limit_per_day),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
