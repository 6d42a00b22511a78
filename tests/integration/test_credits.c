/*
 * The credits ledger against the real mutuad with credits enabled (--credits-enabled; the
 * monthly grant set to 0 so that every balance is known): GET /v1/me/ledger (balance, floor,
 * pages newest first with next_cursor and a Link header, only the caller's member's entries),
 * POST /v1/admin/ledger/grants (administrators only: 403 for a member; unknown member 404;
 * bad amounts 400 with nothing written), POST /v1/admin/ledger/entries/{id}/reverse (201,
 * twice 409, unknown 404), the welcome grant at the approval, a priced good reserved (422 when
 * the balance does not cover it) and returned over HTTP (the borrower pays the owner; refused
 * by the floor: the return is 200, flagged "credits_due" and in the review queue with reason
 * "credits"), and after the stop the store itself (opened through the port): the sum of all
 * balances is zero and every balance matches its entries.
 * No wall-clock threshold anywhere.
 */
#include "loans_helpers.h"

#include "store.h"

static char net[MT_ID_SIZE];
static char nets[64];

static int
setup (void **state)
{
  static const char *const args[] = { "--credits-enabled", "--credits-monthly-grant", "0", NULL };

  (void) state;
  if (!lh_start (args)) {
    return -1;
  }
  it_network (net);
  it_networks1 (nets, net);
  return 0;
}

static int
teardown (void **state)
{
  int status = 0;

  (void) state;
  free (it_admin);
  it_admin = NULL;
  if (it_server.pid > 0) {
    status = mt_test_server_stop (&it_server);
  }
  mt_test_server_destroy (&it_server);
  return status == 0 ? 0 : -1;
}

/* GET /v1/me/ledger's balance for @token. */
static int64_t
balance (const char *token)
{
  mt_http_response_t resp;
  int64_t b;

  it_call (token, "GET", "/v1/me/ledger", NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", "/v1/me/ledger");
  assert_true (mt_bson_bool (&resp.json, "enabled", false));
  assert_int_equal (mt_bson_int (&resp.json, "floor", -1), 0);
  b = mt_bson_int (&resp.json, "balance", INT64_MIN);
  mt_http_response_destroy (&resp);
  return b;
}

/* POST /v1/admin/ledger/grants of @amount to @member as the administrator; the entry id to
 * @id (may be NULL). */
static void
admin_grant (const char *member, int amount, char *id, size_t size)
{
  mt_http_response_t resp;
  char body[256];

  snprintf (body, sizeof body, "{\"member_id\":\"%s\",\"amount\":%d,\"reason\":\"Coup de pouce\"}",
            member, amount);
  it_call (it_admin, "POST", "/v1/admin/ledger/grants", NULL, body, &resp);
  it_assert_status (&resp, 201, "POST", "/v1/admin/ledger/grants");
  assert_string_equal (mt_http_json_string (&resp, "from"), "system");
  assert_string_equal (mt_http_json_string (&resp, "to"), member);
  assert_int_equal (mt_bson_int (&resp.json, "amount", 0), amount);
  if (id) {
    snprintf (id, size, "%s", mt_http_json_string (&resp, "id"));
  }
  mt_http_response_destroy (&resp);
}

/* Every entry of @token's statement, following next_cursor with pages of @limit: ids into
 * @ids (up to @max), their count returned. Checks newest first and that each entry names
 * @member as payer or payee. */
static int
statement (const char *token, const char *member, int limit, char ids[][300], int max)
{
  char path[1024];
  int count = 0;
  int64_t last = INT64_MAX;

  snprintf (path, sizeof path, "/v1/me/ledger?limit=%d", limit);
  for (int pages = 0; pages < 100; pages++) {
    mt_http_response_t resp;
    const char *next;
    int i;
    it_call (token, "GET", path, NULL, NULL, &resp);
    it_assert_status (&resp, 200, "GET", path);
    for (i = 0; i < limit; i++) {
      char key[48];
      const char *from, *to, *id;
      int64_t at;
      snprintf (key, sizeof key, "items.%d.id", i);
      if (!(id = mt_http_json_string (&resp, key))) {
        break;
      }
      snprintf (key, sizeof key, "items.%d.from", i);
      from = mt_http_json_string (&resp, key);
      snprintf (key, sizeof key, "items.%d.to", i);
      to = mt_http_json_string (&resp, key);
      assert_true (strcmp (from, member) == 0 || strcmp (to, member) == 0);
      snprintf (key, sizeof key, "items.%d.created_at", i);
      assert_non_null (mt_http_json_string (&resp, key));
      assert_true (mt_time_parse_rfc3339 (mt_http_json_string (&resp, key),
                                          strlen (mt_http_json_string (&resp, key)), &at));
      assert_true (at <= last);
      last = at;
      assert_true (count < max);
      snprintf (ids[count++], 300, "%s", id);
    }
    next = mt_http_json_string (&resp, "next_cursor");
    if (!next) {
      assert_null (mt_http_header (&resp, "Link"));
      mt_http_response_destroy (&resp);
      return count;
    }
    assert_int_equal (i, limit); /* every page but the last is full */
    assert_non_null (mt_http_header (&resp, "Link"));
    assert_non_null (strstr (mt_http_header (&resp, "Link"), "rel=\"next\""));
    snprintf (path, sizeof path, "/v1/me/ledger?limit=%d&cursor=%s", limit, next);
    mt_http_response_destroy (&resp);
  }
  fail_msg ("statement: too many pages");
  return count;
}

static bool
contains (char ids[][300], int n, const char *id)
{
  for (int i = 0; i < n; i++) {
    if (strcmp (ids[i], id) == 0) {
      return true;
    }
  }
  return false;
}

/* ---- Statement ------------------------------------------------------------------------------ */

static void
statement_is_ones_own_newest_first (void **state)
{
  it_person_t a, b, a_staff;
  char ids[64][300], grant_ids[7][64], welcome[64];
  int n;

  (void) state;
  it_signup (nets, true, &a);
  it_signup (nets, true, &b);
  it_colleague (&a, "staff", &a_staff);
  for (int i = 0; i < 7; i++) {
    /* 2 ms apart: each grant its own "created_at" millisecond, so that "newest first" has
     * one answer (entries of one millisecond are ordered by their random ids). */
    struct timespec apart = { 0, 2000000 };
    nanosleep (&apart, NULL);
    admin_grant (a.member_id, i + 1, grant_ids[i], sizeof grant_ids[i]);
  }
  admin_grant (b.member_id, 100, NULL, 0);
  assert_int_equal (balance (a.token), 50 + 28);
  assert_int_equal (balance (a_staff.token), 50 + 28); /* the member's balance, any account */
  assert_int_equal (balance (b.token), 150);
  n = statement (a.token, a.member_id, 3, ids, 64);
  assert_int_equal (n, 8);
  snprintf (welcome, sizeof welcome, "welcome:%s", a.member_id);
  assert_string_equal (ids[7], welcome); /* the oldest */
  for (int i = 0; i < 7; i++) {
    assert_true (contains (ids, n, grant_ids[i]));
  }
  /* B's entries are never in A's statement, and the other way round */
  n = statement (b.token, b.member_id, 100, ids, 64);
  assert_int_equal (n, 2);
  for (int i = 0; i < 7; i++) {
    assert_false (contains (ids, n, grant_ids[i]));
  }
  /* the first entry in full */
  {
    mt_http_response_t resp;
    it_call (a.token, "GET", "/v1/me/ledger?limit=1", NULL, NULL, &resp);
    it_assert_status (&resp, 200, "GET", "/v1/me/ledger");
    assert_string_equal (mt_http_json_string (&resp, "items.0.id"), grant_ids[6]);
    assert_int_equal (mt_bson_int (&resp.json, "items.0.amount", 0), 7);
    assert_string_equal (mt_http_json_string (&resp, "items.0.reason"), "Coup de pouce");
    assert_non_null (mt_http_json_string (&resp, "next_cursor"));
    mt_http_response_destroy (&resp);
  }
  /* bad parameters, no token */
  it_expect_problem (a.token, "GET", "/v1/me/ledger?limit=0", NULL, 400, "bad-request");
  it_expect_problem (a.token, "GET", "/v1/me/ledger?cursor=abc", NULL, 400, "bad-request");
  it_expect (NULL, "GET", "/v1/me/ledger", NULL, 401);
  /* a large limit is capped, not refused */
  assert_int_equal (statement (a.token, a.member_id, 100, ids, 64), 8);
  it_expect (a.token, "GET", "/v1/me/ledger?limit=100000", NULL, 200);
  it_person_destroy (&a);
  it_person_destroy (&b);
  it_person_destroy (&a_staff);
}

/* ---- Grants and reversals -------------------------------------------------------------------- */

static void
grants_are_for_administrators_and_validated (void **state)
{
  it_person_t a;
  char body[256], unknown[MT_ID_SIZE];
  static const char *const bad_amounts[] = {
    "0", "-5", "1000001", "\"10\"", "1.5", "null", "99999999999999999999", NULL
  };

  (void) state;
  it_signup (nets, true, &a);
  snprintf (body, sizeof body, "{\"member_id\":\"%s\",\"amount\":10,\"reason\":\"x\"}",
            a.member_id);
  it_expect_problem (a.token, "POST", "/v1/admin/ledger/grants", body, 403, "forbidden");
  it_expect (NULL, "POST", "/v1/admin/ledger/grants", body, 401);
  for (const char *const *amount = bad_amounts; *amount; amount++) {
    mt_http_response_t resp;
    snprintf (body, sizeof body, "{\"member_id\":\"%s\",\"amount\":%s,\"reason\":\"x\"}",
              a.member_id, *amount);
    it_call (it_admin, "POST", "/v1/admin/ledger/grants", NULL, body, &resp);
    if (resp.status != 400) {
      fail_msg ("amount %s: status %d: %s", *amount, resp.status, resp.body ? resp.body : "");
    }
    mt_http_response_destroy (&resp);
  }
  snprintf (body, sizeof body, "{\"member_id\":\"%s\",\"reason\":\"x\"}", a.member_id);
  it_expect_problem (it_admin, "POST", "/v1/admin/ledger/grants", body, 400, "validation");
  snprintf (body, sizeof body, "{\"member_id\":\"%s\",\"amount\":5}", a.member_id);
  it_expect_problem (it_admin, "POST", "/v1/admin/ledger/grants", body, 400, "validation");
  snprintf (body, sizeof body, "{\"member_id\":\"%s\",\"amount\":5,\"reason\":\"x\",\"to\":\"y\"}",
            a.member_id);
  it_expect_problem (it_admin, "POST", "/v1/admin/ledger/grants", body, 400, "validation");
  mt_id_new ("mem", unknown);
  snprintf (body, sizeof body, "{\"member_id\":\"%s\",\"amount\":5,\"reason\":\"x\"}", unknown);
  it_expect_problem (it_admin, "POST", "/v1/admin/ledger/grants", body, 404, "not-found");
  assert_int_equal (balance (a.token), 50); /* nothing written */
  admin_grant (a.member_id, 1000000, NULL, 0);
  assert_int_equal (balance (a.token), 1000050);
  it_person_destroy (&a);
}

static void
reversal_over_http (void **state)
{
  it_person_t a;
  char grant_id[64], path[256], reversal[80];
  mt_http_response_t resp;

  (void) state;
  it_signup (nets, true, &a);
  admin_grant (a.member_id, 30, grant_id, sizeof grant_id);
  assert_int_equal (balance (a.token), 80);
  snprintf (path, sizeof path, "/v1/admin/ledger/entries/%s/reverse", grant_id);
  it_expect_problem (a.token, "POST", path, "{\"reason\":\"erreur\"}", 403, "forbidden");
  it_expect_problem (it_admin, "POST", path, "{}", 400, "validation");
  it_call (it_admin, "POST", path, NULL, "{\"reason\":\"erreur de saisie\"}", &resp);
  it_assert_status (&resp, 201, "POST", path);
  snprintf (reversal, sizeof reversal, "reverse:%s", grant_id);
  assert_string_equal (mt_http_json_string (&resp, "id"), reversal);
  assert_string_equal (mt_http_json_string (&resp, "from"), a.member_id);
  assert_string_equal (mt_http_json_string (&resp, "to"), "system");
  assert_string_equal (mt_http_json_string (&resp, "reverses"), grant_id);
  assert_int_equal (mt_bson_int (&resp.json, "amount", 0), 30);
  mt_http_response_destroy (&resp);
  assert_int_equal (balance (a.token), 50);
  it_expect_problem (it_admin, "POST", path, "{\"reason\":\"encore\"}", 409, "conflict");
  assert_int_equal (balance (a.token), 50);
  it_expect_problem (it_admin, "POST", "/v1/admin/ledger/entries/grant_inconnu/reverse",
                     "{\"reason\":\"x\"}", 404, "not-found");
  /* the welcome grant cannot be taken back once it is spent below the floor... */
  {
    char welcome[96];
    snprintf (welcome, sizeof welcome, "/v1/admin/ledger/entries/welcome:%s/reverse", a.member_id);
    admin_grant (a.member_id, 1, NULL, 0); /* 51 */
    it_call (it_admin, "POST", welcome, NULL, "{\"reason\":\"doublon\"}", &resp);
    it_assert_status (&resp, 201, "POST", welcome); /* 51 - 50 = 1: fine */
    mt_http_response_destroy (&resp);
    assert_int_equal (balance (a.token), 1);
    /* ...and reversing its reversal would need the system only: never refused */
    snprintf (welcome, sizeof welcome, "/v1/admin/ledger/entries/reverse:welcome:%s/reverse",
              a.member_id);
    it_expect (it_admin, "POST", welcome, "{\"reason\":\"annulation\"}", 201);
    assert_int_equal (balance (a.token), 51);
  }
  it_person_destroy (&a);
}

static void
reversal_refused_by_the_floor (void **state)
{
  it_person_t a, b;
  char grant_id[64], path[256];

  (void) state;
  it_signup (nets, true, &a);
  it_signup (nets, true, &b);
  admin_grant (a.member_id, 40, grant_id, sizeof grant_id);
  /* A spends everything: 90 credits for a 90-credit loan */
  {
    char good[MT_ID_SIZE], res[MT_ID_SIZE], body[1024], text[1024];
    mt_http_response_t resp;
    int64_t start = (mt_time_now_ms () / 1000) * 1000 + LH_DAY;
    snprintf (text, sizeof text,
              "{'kind':'good','title':'Barnum 3x3','category':'tentes-barnums',"
              "'status':'published','quantity':1,'credit_price_per_day':45,"
              "'loan_rules':{'min_notice_hours':0,'max_days':7,'horizon_days':60}}");
    it_call (b.token, "POST", "/v1/listings", NULL, lh_q (text, body, sizeof body), &resp);
    it_assert_status (&resp, 201, "POST", "/v1/listings");
    snprintf (good, sizeof good, "%s", mt_http_json_string (&resp, "id"));
    mt_http_response_destroy (&resp);
    lh_reserve (a.token, good, start, start + 2 * LH_DAY, res);
    lh_act (b.token, res, "approve", "{}", 200);
    lh_act (b.token, res, "checkout", LH_NOTE, 200);
    lh_act (b.token, res, "return", LH_NOTE, 200);
  }
  assert_int_equal (balance (a.token), 0);
  snprintf (path, sizeof path, "/v1/admin/ledger/entries/%s/reverse", grant_id);
  it_expect_problem (it_admin, "POST", path, "{\"reason\":\"x\"}", 422, "unprocessable");
  assert_int_equal (balance (a.token), 0);
  assert_int_equal (balance (b.token), 140);
  it_person_destroy (&a);
  it_person_destroy (&b);
}

/* ---- Welcome grant --------------------------------------------------------------------------- */

static void
welcome_grant_at_approval (void **state)
{
  it_person_t p;
  char path[128], ids[8][300];

  (void) state;
  it_signup (nets, false, &p);
  {
    mt_http_response_t resp;
    it_call (p.token, "GET", "/v1/me/ledger", NULL, NULL, &resp);
    it_assert_status (&resp, 200, "GET", "/v1/me/ledger");
    assert_int_equal (mt_bson_int (&resp.json, "balance", -1), 0);
    assert_false (mt_bson_has (&resp.json, "items.0"));
    mt_http_response_destroy (&resp);
  }
  snprintf (path, sizeof path, "/v1/admin/members/%s/approve", p.member_id);
  it_expect (it_admin, "POST", path, NULL, 200);
  assert_int_equal (balance (p.token), 50);
  snprintf (path, sizeof path, "/v1/admin/members/%s/suspend", p.member_id);
  it_expect (it_admin, "POST", path, "{\"reason\":\"contrôle\"}", 200);
  snprintf (path, sizeof path, "/v1/admin/members/%s/approve", p.member_id);
  it_expect (it_admin, "POST", path, NULL, 200);
  free (p.token); /* the suspension ended the sessions */
  p.token = it_login (p.email, IT_PASSWORD);
  assert_non_null (p.token);
  assert_int_equal (balance (p.token), 50); /* once per member */
  assert_int_equal (statement (p.token, p.member_id, 10, ids, 8), 1);
  snprintf (path, sizeof path, "welcome:%s", p.member_id);
  assert_string_equal (ids[0], path);
  it_person_destroy (&p);
}

/* ---- Loans ------------------------------------------------------------------------------------ */

/* A published good of @owner at @price credits a day; its id to @id. */
static void
priced_good (const it_person_t *owner, int price, char id[MT_ID_SIZE])
{
  mt_http_response_t resp;
  char text[1024], body[1024];

  snprintf (
    text, sizeof text,
    "{'kind':'good','title':'Tente de réception','category':'tentes-barnums','status':'published',"
    "'quantity':5,'credit_price_per_day':%d,"
    "'loan_rules':{'min_notice_hours':0,'max_days':7,'horizon_days':60}}",
    price);
  it_call (owner->token, "POST", "/v1/listings", NULL, lh_q (text, body, sizeof body), &resp);
  it_assert_status (&resp, 201, "POST", "/v1/listings");
  snprintf (id, MT_ID_SIZE, "%s", mt_http_json_string (&resp, "id"));
  mt_http_response_destroy (&resp);
}

/* The reason of reservation @id in the review queue ("" when absent). */
static void
review_reason (const char *id, char reason[32])
{
  char path[700] = "/v1/admin/reviews?limit=100";

  reason[0] = '\0';
  for (int pages = 0; pages < 100; pages++) {
    mt_http_response_t resp;
    const char *next;
    it_call (it_admin, "GET", path, NULL, NULL, &resp);
    it_assert_status (&resp, 200, "GET", path);
    for (int i = 0; i < 100; i++) {
      char key[48], rkey[48];
      snprintf (key, sizeof key, "items.%d.reason", i);
      snprintf (rkey, sizeof rkey, "items.%d.reservation.id", i);
      if (!mt_bson_has (&resp.json, key)) {
        break;
      }
      if (mt_bson_str_eq (&resp.json, rkey, id)) {
        snprintf (reason, 32, "%s", mt_bson_str (&resp.json, key));
      }
    }
    next = mt_http_json_string (&resp, "next_cursor");
    if (!next) {
      mt_http_response_destroy (&resp);
      return;
    }
    snprintf (path, sizeof path, "/v1/admin/reviews?limit=100&cursor=%s", next);
    mt_http_response_destroy (&resp);
  }
}

static void
loan_charged_at_return (void **state)
{
  it_person_t owner, borrower;
  char good[MT_ID_SIZE], res[MT_ID_SIZE], due[MT_ID_SIZE], path[128], reason[32];
  char ids[16][300], entry[64];
  mt_http_response_t resp;
  int64_t start = (mt_time_now_ms () / 1000) * 1000 + LH_DAY;
  char body[512], s[MT_TIME_RFC3339_MAX], e[MT_TIME_RFC3339_MAX];

  (void) state;
  it_signup (nets, true, &owner);
  it_signup (nets, true, &borrower);
  priced_good (&owner, 6, good);
  /* 9 days would cost 54 > 50: refused at the request, nothing reserved */
  mt_time_format_rfc3339 (start, s);
  mt_time_format_rfc3339 (start + 9 * LH_DAY - 1, e);
  snprintf (body, sizeof body, "{\"listing_id\":\"%s\",\"start\":\"%s\",\"end\":\"%s\"}", good, s,
            e);
  it_expect_problem (borrower.token, "POST", "/v1/reservations", body, 422, "unprocessable");
  /* 3 days and an hour: 4 started days at 6 = 24 */
  lh_reserve (borrower.token, good, start, start + 3 * LH_DAY + LH_HOUR, res);
  snprintf (path, sizeof path, "/v1/reservations/%s", res);
  it_call (borrower.token, "GET", path, NULL, NULL, &resp);
  assert_int_equal (mt_bson_int (&resp.json, "credit_price_per_day", 0), 6);
  mt_http_response_destroy (&resp);
  assert_int_equal (balance (borrower.token), 50); /* nothing spent before the return */
  lh_act (owner.token, res, "approve", "{}", 200);
  lh_act (owner.token, res, "checkout", LH_NOTE, 200);
  lh_act (owner.token, res, "return", LH_NOTE, 200);
  assert_int_equal (balance (borrower.token), 26);
  assert_int_equal (balance (owner.token), 74);
  snprintf (entry, sizeof entry, "reservation:%s", res);
  assert_true (contains (ids, statement (borrower.token, borrower.member_id, 10, ids, 16), entry));
  assert_true (contains (ids, statement (owner.token, owner.member_id, 10, ids, 16), entry));
  it_call (owner.token, "GET", path, NULL, NULL, &resp);
  assert_false (mt_bson_bool (&resp.json, "credits_due", false));
  mt_http_response_destroy (&resp);
  /* the price is the one agreed at the request: a later change does not apply */
  snprintf (path, sizeof path, "/v1/listings/%s", good);
  lh_reserve (borrower.token, good, start + 10 * LH_DAY, start + 14 * LH_DAY, due); /* 24 */
  {
    char etag[64], header[96];
    const char *headers[] = { header, NULL };
    it_call (owner.token, "GET", path, NULL, NULL, &resp);
    it_assert_status (&resp, 200, "GET", path);
    snprintf (etag, sizeof etag, "%s", mt_http_header (&resp, "ETag"));
    mt_http_response_destroy (&resp);
    snprintf (header, sizeof header, "If-Match: %s", etag);
    it_call (owner.token, "PATCH", path, headers, "{\"credit_price_per_day\":1}", &resp);
    it_assert_status (&resp, 200, "PATCH", path);
    assert_int_equal (mt_bson_int (&resp.json, "credit_price_per_day", 0), 1);
    mt_http_response_destroy (&resp);
  }
  lh_act (owner.token, due, "approve", "{}", 200);
  lh_act (owner.token, due, "checkout", LH_NOTE, 200);
  /* meanwhile the borrower spends: 26 - 20 = 6 left, short of 24 */
  {
    char other[MT_ID_SIZE], other_good[MT_ID_SIZE];
    priced_good (&owner, 20, other_good);
    lh_reserve (borrower.token, other_good, start, start + LH_DAY, other);
    lh_act (owner.token, other, "approve", "{}", 200);
    lh_act (owner.token, other, "checkout", LH_NOTE, 200);
    lh_act (owner.token, other, "return", LH_NOTE, 200);
  }
  assert_int_equal (balance (borrower.token), 6);
  /* the return goes on; the loan is flagged and queued for review; nothing moved */
  snprintf (path, sizeof path, "/v1/reservations/%s/return", due);
  it_call (owner.token, "POST", path, NULL, LH_NOTE, &resp);
  it_assert_status (&resp, 200, "POST", path);
  assert_string_equal (mt_http_json_string (&resp, "status"), "returned");
  assert_true (mt_bson_bool (&resp.json, "credits_due", false));
  assert_true (mt_bson_bool (&resp.json, "review_required", false));
  mt_http_response_destroy (&resp);
  assert_int_equal (balance (borrower.token), 6);
  assert_int_equal (balance (owner.token), 94);
  review_reason (due, reason);
  assert_string_equal (reason, "credits");
  review_reason (res, reason);
  assert_string_equal (reason, "returned");
  it_person_destroy (&owner);
  it_person_destroy (&borrower);
}

/* ---- The store after the stop ----------------------------------------------------------------- */

static void
ledger_sums_to_zero_in_the_store (void **state)
{
  mt_store_backend_t *backend;
  mt_store_t *store;
  mt_error_t error;
  char uri[PATH_MAX + 512];
  int64_t sum = -1, entries = 0;

  (void) state;
  assert_int_equal (mt_test_server_stop (&it_server), 0);
  snprintf (uri, sizeof uri, "%s", mt_test_server_store_uri (&it_server));
  backend = mt_store_backend_new (uri, &error);
  store = backend ? mt_store_open (backend, &error) : NULL;
  if (!store) {
    fail_msg ("store: %s", error.message);
    return;
  }
  if (!store->ops->ledger_sum (store, &sum, &entries, &error)) {
    fail_msg ("ledger_sum: %s", error.message);
  }
  fprintf (stderr, "credits: ledger of %lld entries, sum of balances %lld\n", (long long) entries,
           (long long) sum);
  assert_int_equal (sum, 0);
  assert_true (entries > 20);
  assert_true (store->ops->check_integrity (store, &error));
  mt_store_close (store);
  mt_store_backend_destroy (backend);
  assert_true (mt_test_server_restart (&it_server));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("credits/statement_own_newest_first", statement_is_ones_own_newest_first),
    MT_TEST ("credits/grants_admin_only_validated", grants_are_for_administrators_and_validated),
    MT_TEST ("credits/reversal", reversal_over_http),
    MT_TEST ("credits/reversal_refused_by_floor", reversal_refused_by_the_floor),
    MT_TEST ("credits/welcome_at_approval", welcome_grant_at_approval),
    MT_TEST ("credits/loan_charged_at_return", loan_charged_at_return),
    MT_TEST ("credits/ledger_sums_to_zero", ledger_sums_to_zero_in_the_store),
  };

  return cmocka_run_group_tests (tests, setup, teardown);
}
