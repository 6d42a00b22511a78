/*
 * GET /v1/admin/stats against the real mutuad (--credits-enabled, monthly grant off so that
 * the ledger holds only what this program makes). One small world is built over HTTP, in two
 * phases split by an instant t1 (whole seconds):
 *
 *   networks N1, N2; A (N1, 59), B (N1, 62), C (N2, 62), D (N2, 59), approved (welcome
 *   grants of 50 each, in phase 1);
 *   phase 1: listings: A's cargo bike (velos-cargo, 59, 2 units, 4 credits a day), C's
 *     gazebo (tentes-barnums, 62), C's room (salles, 62, no impact factor), C's facilitation
 *     service (62, 90 min at 10 credits an hour); loan L1: B borrows 2 cargo bikes for 3 days,
 *     approved, checked out and returned (charge 3 × 4 = 12 credits B -> A);
 *   phase 2: L2: D borrows the gazebo for 2 days, checked out (still out); L3: D borrows the
 *     room for 1 day, returned; a booking of C's service by B accepted, completed in 1.5 h and
 *     confirmed (payment 15 credits B -> C); an administrator's grant of 20 to D;
 *     and what must not count: a reservation only approved, one only requested, a booking
 *     only accepted (all within their network).
 *
 * Then the figures are checked exactly for the default period, the two phases, an empty
 * period, each network, the département 62, and N2 with 62 (impact in euros and kg computed
 * here from the factor table read from schemas/impact-factors.json); the factors' sources and
 * assumptions are the table's; every answer validates against schemas/stats.json. Members
 * and unauthenticated callers are refused; bad parameters give 400 problem+json naming the
 * parameter.
 */
#include "loans_helpers.h"

#include "mt_embed.h"
#include "mt_json.h"
#include "mt_schema.h"
#include "mt_time.h"

#include <math.h>

extern const mt_embed_file_t mutua_schema_files[];

#define HOUR INT64_C (3600000)
#define DAY INT64_C (86400000)

static mt_schema_registry_t *registry;
static bson_t factors_file; /* schemas/impact-factors.json */

static int
setup (void **state)
{
  static const char *const args[] = { "--credits-enabled", "--credits-monthly-grant", "0", NULL };
  const mt_embed_file_t *file = mt_embed_find (mutua_schema_files, "impact-factors.json");
  mt_error_t error;

  (void) state;
  bson_init (&factors_file);
  registry = mt_schema_registry_new (MT_SCHEMA_ASSERT_FORMAT);
  if (!registry || !mt_schema_registry_add_embedded (registry, mutua_schema_files, &error) ||
      !file) {
    fprintf (stderr, "schemas: %s\n", file ? error.message : "no impact-factors.json");
    return -1;
  }
  bson_destroy (&factors_file);
  if (!mt_json_parse_object ((const char *) file->data, file->len, MT_JSON_TRUSTED, &factors_file,
                             &error)) {
    fprintf (stderr, "impact-factors.json: %s\n", error.message);
    return -1;
  }
  return lh_start (args) ? 0 : -1;
}

static int
teardown (void **state)
{
  mt_schema_registry_destroy (registry);
  bson_destroy (&factors_file);
  return it_stop (state);
}

/* ---- The world ------------------------------------------------------------------------------ */

typedef struct {
  bool built;
  char n1[MT_ID_SIZE], n2[MT_ID_SIZE];
  it_person_t a, b, c, d;
  char cargo[MT_ID_SIZE], tent[MT_ID_SIZE], room[MT_ID_SIZE], service[MT_ID_SIZE];
  int64_t t0, t1, t2; /* before phase 1, between the phases, after phase 2 (whole seconds) */
} world_t;

static world_t w;

static int64_t
whole_second_after (int64_t ms)
{
  return (ms / 1000 + 1) * 1000;
}

/* Sleeps until the clock is past @instant. */
static void
wait_past (int64_t instant)
{
  while (mt_time_now_ms () <= instant) {
    lh_sleep_ms (20);
  }
}

static void
set_departement (const it_person_t *p, const char *dep, const char *commune)
{
  char path[96], body[256];

  snprintf (path, sizeof path, "/v1/members/%s", p->member_id);
  snprintf (body, sizeof body, "{\"territory\":{\"departement\":\"%s\",\"commune\":\"%s\"}}", dep,
            commune);
  it_expect (p->token, "PATCH", path, body, 200);
}

/* A published listing of @owner from @fields (' for "); its id to @id. */
static void
listing (const it_person_t *owner, const char *fields, char id[MT_ID_SIZE])
{
  mt_http_response_t resp;
  char body[1024];

  it_call (owner->token, "POST", "/v1/listings", NULL, lh_q (fields, body, sizeof body), &resp);
  it_assert_status (&resp, 201, "POST", "/v1/listings");
  snprintf (id, MT_ID_SIZE, "%s", mt_http_json_string (&resp, "id"));
  mt_http_response_destroy (&resp);
}

/* A reservation of @units of @listing for @days days from @start_ms; the id to @id. */
static void
reserve (const it_person_t *borrower, const char *listing_id, int64_t start_ms, int days, int units,
         char id[MT_ID_SIZE])
{
  mt_http_response_t resp;
  char body[512], s[MT_TIME_RFC3339_MAX], e[MT_TIME_RFC3339_MAX];

  mt_time_format_rfc3339 (start_ms, s);
  mt_time_format_rfc3339 (start_ms + days * DAY, e);
  snprintf (body, sizeof body,
            "{\"listing_id\":\"%s\",\"start\":\"%s\",\"end\":\"%s\",\"units\":%d}", listing_id, s,
            e, units);
  it_call (borrower->token, "POST", "/v1/reservations", NULL, body, &resp);
  it_assert_status (&resp, 201, "POST", body);
  snprintf (id, MT_ID_SIZE, "%s", mt_http_json_string (&resp, "id"));
  mt_http_response_destroy (&resp);
}

/* A booking of @service_id by @requester starting at @start_ms; the id to @id. */
static void
book (const it_person_t *requester, const char *service_id, int64_t start_ms, char id[MT_ID_SIZE])
{
  mt_http_response_t resp;
  char body[256], s[MT_TIME_RFC3339_MAX];

  mt_time_format_rfc3339 (start_ms, s);
  snprintf (body, sizeof body, "{\"listing_id\":\"%s\",\"start\":\"%s\"}", service_id, s);
  it_call (requester->token, "POST", "/v1/bookings", NULL, body, &resp);
  it_assert_status (&resp, 201, "POST", "/v1/bookings");
  snprintf (id, MT_ID_SIZE, "%s", mt_http_json_string (&resp, "id"));
  mt_http_response_destroy (&resp);
}

static void
booking_act (const it_person_t *who, const char *id, const char *action, const char *json)
{
  char path[128];

  snprintf (path, sizeof path, "/v1/bookings/%s/%s", id, action);
  it_expect (who->token, "POST", path, json, 200);
}

/* The balance of @p's member. */
static int64_t
balance (const it_person_t *p)
{
  mt_http_response_t resp;
  int64_t value;

  it_call (p->token, "GET", "/v1/me/ledger", NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", "/v1/me/ledger");
  value = mt_bson_int (&resp.json, "balance", -1);
  mt_http_response_destroy (&resp);
  return value;
}

static void
world (void)
{
  char nets[64], id[MT_ID_SIZE], body[256];
  mt_http_response_t resp;
  int64_t start;

  if (w.built) {
    return;
  }
  w.t0 = (mt_time_now_ms () / 1000) * 1000;
  it_network (w.n1);
  it_network (w.n2);
  it_networks1 (nets, w.n1);
  it_signup (nets, true, &w.a);
  it_signup (nets, true, &w.b);
  it_networks1 (nets, w.n2);
  it_signup (nets, true, &w.c);
  it_signup (nets, true, &w.d);
  set_departement (&w.b, "62", "Arras");
  set_departement (&w.c, "62", "Lens");
  listing (&w.a,
           "{'kind':'good','title':'Vélo cargo biporteur','category':'velos-cargo',"
           "'status':'published','quantity':2,'credit_price_per_day':4,"
           "'territory':{'departement':'59','commune':'Lille'},"
           "'loan_rules':{'min_notice_hours':0,'max_days':7,'horizon_days':60}}",
           w.cargo);
  listing (&w.c,
           "{'kind':'good','title':'Barnum 3 × 3 m','category':'tentes-barnums',"
           "'status':'published','quantity':1,'territory':{'departement':'62','commune':'Lens'},"
           "'loan_rules':{'min_notice_hours':0,'max_days':7,'horizon_days':60}}",
           w.tent);
  listing (&w.c,
           "{'kind':'good','title':'Salle de réunion','category':'salles','status':'published',"
           "'quantity':1,'territory':{'departement':'62','commune':'Lens'},"
           "'loan_rules':{'min_notice_hours':0,'max_days':7,'horizon_days':60}}",
           w.room);
  listing (&w.c,
           "{'kind':'service','title':'Animation d\\u2019assemblée générale',"
           "'category':'animation-facilitation','status':'published','duration_minutes':90,"
           "'credit_rate_per_hour':10,'visibility':'public','territory':{'departement':'62','"
           "commune':'Lens'}}",
           w.service);
  /* L1: 2 cargo bikes for 3 days, 12 credits from B to A at return */
  start = whole_second_after (mt_time_now_ms ()) + HOUR;
  reserve (&w.b, w.cargo, start, 3, 2, id);
  lh_act (w.a.token, id, "approve", "{}", 200);
  lh_act (w.a.token, id, "checkout", LH_NOTE, 200);
  lh_act (w.a.token, id, "return", LH_NOTE, 200);
  assert_int_equal (balance (&w.b), 50 - 12);
  assert_int_equal (balance (&w.a), 50 + 12);

  w.t1 = whole_second_after (mt_time_now_ms ());
  wait_past (w.t1);

  /* L2: the gazebo for 2 days, out; L3: the room for a day, back */
  reserve (&w.d, w.tent, start, 2, 1, id);
  lh_act (w.c.token, id, "approve", "{}", 200);
  lh_act (w.c.token, id, "checkout", LH_NOTE, 200);
  reserve (&w.d, w.room, start, 1, 1, id);
  lh_act (w.c.token, id, "approve", "{}", 200);
  lh_act (w.c.token, id, "checkout", LH_NOTE, 200);
  lh_act (w.c.token, id, "return", LH_NOTE, 200);
  /* not loans: approved only, requested only */
  reserve (&w.d, w.tent, start + 10 * DAY, 2, 1, id);
  lh_act (w.c.token, id, "approve", "{}", 200);
  reserve (&w.b, w.cargo, start + 10 * DAY, 1, 1, id);
  /* the booking B -> C, confirmed: 1.5 h × 10 = 15 credits */
  book (&w.b, w.service, start + DAY, id);
  booking_act (&w.c, id, "accept", "{}");
  booking_act (&w.c, id, "complete", "{\"hours\":1.5}");
  booking_act (&w.b, id, "confirm", "{}");
  assert_int_equal (balance (&w.b), 50 - 12 - 15);
  assert_int_equal (balance (&w.c), 50 + 15);
  /* not a service counted: accepted only */
  book (&w.d, w.service, start + 2 * DAY, id);
  booking_act (&w.c, id, "accept", "{}");
  /* a grant of 20 to D */
  snprintf (body, sizeof body,
            "{\"member_id\":\"%s\",\"amount\":20,\"reason\":\"Soutien au lancement\"}",
            w.d.member_id);
  it_call (it_admin, "POST", "/v1/admin/ledger/grants", NULL, body, &resp);
  it_assert_status (&resp, 201, "POST", "/v1/admin/ledger/grants");
  mt_http_response_destroy (&resp);
  assert_int_equal (balance (&w.d), 50 + 20);

  w.t2 = whole_second_after (mt_time_now_ms ());
  wait_past (w.t2);
  w.built = true;
}

/* ---- Reading the answer --------------------------------------------------------------------- */

/* GET /v1/admin/stats?@query as @token; must answer @status; 200 answers are validated
 * against stats.json. */
static void
get_stats (const char *token, const char *query, int status, mt_http_response_t *resp)
{
  char path[512];
  mt_error_t error;

  snprintf (path, sizeof path, "/v1/admin/stats%s%s", query[0] ? "?" : "", query);
  it_call (token, "GET", path, NULL, NULL, resp);
  it_assert_status (resp, status, "GET", path);
  if (status == 200 &&
      !mt_schema_validate (mt_schema_registry_get (registry, "stats.json"), &resp->json, &error)) {
    fail_msg ("stats.json: %s at %s in %s", error.message, error.path, resp->body);
  }
}

/* The number at @key (integer or double); fails when absent. */
static double
num (const bson_t *doc, const char *key)
{
  bson_iter_t it;

  if (!bson_iter_init (&it, doc) || !bson_iter_find_descendant (&it, key, &it) ||
      !BSON_ITER_HOLDS_NUMBER (&it)) {
    fail_msg ("no number at %s", key);
  }
  return bson_iter_as_double (&it);
}

static void
expect_num (const bson_t *doc, const char *key, double expected)
{
  double got = num (doc, key);

  if (fabs (got - expected) > 1e-9) {
    fail_msg ("%s: %g, expected %g", key, got, expected);
  }
}

/* The figures one query must give. */
typedef struct {
  int loans, units, loan_days, borrowers, lenders;
  int bookings;
  double hours;
  int requesters, providers;
  int listings;
  int active;
  int with_active_status; /* -1: not checked */
  int grants, granted, transfers, transferred, reversals, reversed;
  int cargo_units, tent_units, room_units; /* the units lent by category */
} expected_t;

/* A factor of the table file: price in cents, kg in tenths, share in thousandths. */
static void
file_factor (const char *category, int64_t *price_cents, int64_t *kg_tenths, int64_t *share_pm)
{
  bson_iter_t it, row;

  assert_true (bson_iter_init_find (&it, &factors_file, "factors") && BSON_ITER_HOLDS_ARRAY (&it));
  assert_true (bson_iter_recurse (&it, &row));
  while (bson_iter_next (&row)) {
    bson_t entry;
    const uint8_t *data;
    uint32_t len;
    bson_iter_document (&row, &len, &data);
    assert_true (bson_init_static (&entry, data, len));
    if (mt_bson_str_eq (&entry, "category", category)) {
      *price_cents = llround (num (&entry, "price_eur") * 100);
      *kg_tenths = llround (num (&entry, "kg_co2e") * 10);
      *share_pm = llround (num (&entry, "avoided_purchase_share") * 1000);
      return;
    }
  }
  fail_msg ("no factor for %s in impact-factors.json", category);
}

/* Checks the impact of @units lent of @category (NULL: the totals) at @prefix of @doc. */
static void
expect_impact (const bson_t *doc, const char *prefix, const char *const *categories,
               const int *units, size_t n)
{
  int64_t milli = 0, eur_e5 = 0, kg_e4 = 0;
  char key[128];

  for (size_t i = 0; i < n; i++) {
    int64_t price = 0, kg = 0, share = 0;
    file_factor (categories[i], &price, &kg, &share);
    milli += units[i] * share;
    eur_e5 += units[i] * share * price;
    kg_e4 += units[i] * share * kg;
  }
  snprintf (key, sizeof key, "%s.purchases_avoided", prefix);
  expect_num (doc, key, (double) ((milli + 50) / 100) / 10.0);
  snprintf (key, sizeof key, "%s.eur", prefix);
  expect_num (doc, key, (double) ((eur_e5 + 50000) / 100000));
  snprintf (key, sizeof key, "%s.kg_co2e", prefix);
  expect_num (doc, key, (double) ((kg_e4 + 5000) / 10000));
}

/* The by_category row of @category, as a key prefix ("impact.by_category.<i>"), or fails. */
static void
category_row (const bson_t *doc, const char *category, char *prefix, size_t size)
{
  for (int i = 0; i < 32; i++) {
    char key[64];
    const char *value;
    snprintf (key, sizeof key, "impact.by_category.%d.category", i);
    value = mt_bson_str (doc, key);
    if (value && strcmp (value, category) == 0) {
      snprintf (prefix, size, "impact.by_category.%d", i);
      return;
    }
  }
  fail_msg ("no by_category row for %s", category);
}

/* The number of by_category rows. */
static int
category_rows (const bson_t *doc)
{
  int n = 0;
  char key[64];

  snprintf (key, sizeof key, "impact.by_category.%d", n);
  while (mt_bson_has (doc, key)) {
    snprintf (key, sizeof key, "impact.by_category.%d", ++n);
  }
  return n;
}

static void
expect_figures (const bson_t *doc, const expected_t *e)
{
  const char *cats[3];
  int units[3];
  size_t n = 0;
  int rows = 0;
  char prefix[64], key[96];

  expect_num (doc, "loans.count", e->loans);
  expect_num (doc, "loans.units", e->units);
  expect_num (doc, "loans.loan_days", e->loan_days);
  expect_num (doc, "loans.borrowers", e->borrowers);
  expect_num (doc, "loans.lenders", e->lenders);
  expect_num (doc, "services.bookings", e->bookings);
  expect_num (doc, "services.hours", e->hours);
  expect_num (doc, "services.requesters", e->requesters);
  expect_num (doc, "services.providers", e->providers);
  expect_num (doc, "listings.created", e->listings);
  expect_num (doc, "members.active", e->active);
  if (e->with_active_status >= 0) {
    expect_num (doc, "members.with_active_status", e->with_active_status);
  }
  assert_true (mt_bson_bool (doc, "credits.enabled", false));
  expect_num (doc, "credits.grants.count", e->grants);
  expect_num (doc, "credits.grants.amount", e->granted);
  expect_num (doc, "credits.transfers.count", e->transfers);
  expect_num (doc, "credits.transfers.amount", e->transferred);
  expect_num (doc, "credits.reversals.count", e->reversals);
  expect_num (doc, "credits.reversals.amount", e->reversed);
  assert_true (mt_bson_bool (doc, "limits.complete", false));
  /* impact: per category, then the totals from the exact sums */
  if (e->cargo_units) {
    cats[n] = "velos-cargo";
    units[n++] = e->cargo_units;
  }
  if (e->tent_units) {
    cats[n] = "tentes-barnums";
    units[n++] = e->tent_units;
  }
  for (size_t i = 0; i < n; i++) {
    category_row (doc, cats[i], prefix, sizeof prefix);
    snprintf (key, sizeof key, "%s.units", prefix);
    expect_num (doc, key, units[i]);
    snprintf (key, sizeof key, "%s.has_factor", prefix);
    assert_true (mt_bson_bool (doc, key, false));
    expect_impact (doc, prefix, &cats[i], &units[i], 1);
    rows++;
  }
  if (e->room_units) {
    category_row (doc, "salles", prefix, sizeof prefix);
    snprintf (key, sizeof key, "%s.units", prefix);
    expect_num (doc, key, e->room_units);
    snprintf (key, sizeof key, "%s.has_factor", prefix);
    assert_false (mt_bson_bool (doc, key, true));
    snprintf (key, sizeof key, "%s.eur", prefix);
    expect_num (doc, key, 0);
    snprintf (key, sizeof key, "%s.label_fr", prefix);
    assert_string_equal (mt_bson_str (doc, key), "Salles");
    rows++;
  }
  assert_int_equal (category_rows (doc), rows);
  expect_impact (doc, "impact", cats, units, n);
  expect_num (doc, "impact.units_with_factor", e->cargo_units + e->tent_units);
  expect_num (doc, "impact.units_without_factor", e->room_units);
}

/* GET with @query; the figures must be @e. */
static void
check (const char *query, const expected_t *e)
{
  mt_http_response_t resp;

  get_stats (it_admin, query, 200, &resp);
  expect_figures (&resp.json, e);
  mt_http_response_destroy (&resp);
}

/* ---- Tests ---------------------------------------------------------------------------------- */

/* Everything of the world, default period (the year before now), no filter. */
static const expected_t all = {
  .loans = 3,
  .units = 4,
  .loan_days = 6,
  .borrowers = 2,
  .lenders = 2,
  .bookings = 1,
  .hours = 1.5,
  .requesters = 1,
  .providers = 1,
  .listings = 4,
  .active = 4,
  .with_active_status = -1,
  .grants = 5,
  .granted = 220,
  .transfers = 2,
  .transferred = 27,
  .cargo_units = 2,
  .tent_units = 1,
  .room_units = 1,
};

static void
default_period_no_filter (void **state)
{
  mt_http_response_t resp;
  int64_t now_before, now_after;

  (void) state;
  world ();
  now_before = mt_time_now_ms ();
  get_stats (it_admin, "", 200, &resp);
  now_after = mt_time_now_ms ();
  expect_figures (&resp.json, &all);
  /* the organisations of this world and the first administrator's, all active */
  expect_num (&resp.json, "members.with_active_status", 5);
  assert_null (mt_bson_str (&resp.json, "filters.network"));
  assert_null (mt_bson_str (&resp.json, "filters.departement"));
  /* to = now, from = a year before */
  {
    int64_t from = 0, to = 0;
    const char *t = mt_bson_str (&resp.json, "period.to");
    const char *f = mt_bson_str (&resp.json, "period.from");
    assert_true (t && mt_time_parse_rfc3339 (t, strlen (t), &to));
    assert_true (f && mt_time_parse_rfc3339 (f, strlen (f), &from));
    assert_true (to >= now_before - 1000 && to <= now_after + 1000);
    assert_true (to - from >= 365 * DAY && to - from <= 366 * DAY);
  }
  mt_http_response_destroy (&resp);
  /* the same with an explicit period covering the world */
  {
    char query[160], f[MT_TIME_RFC3339_MAX], t[MT_TIME_RFC3339_MAX];
    mt_time_format_rfc3339 (w.t0, f);
    mt_time_format_rfc3339 (w.t2, t);
    snprintf (query, sizeof query, "from=%s&to=%s", f, t);
    check (query, &all);
  }
}

static void
periods (void **state)
{
  static const expected_t phase1 = {
    .loans = 1,
    .units = 2,
    .loan_days = 3,
    .borrowers = 1,
    .lenders = 1,
    .listings = 4,
    .active = 3, /* A, B (the loan), C (its listings) */
    .with_active_status = -1,
    .grants = 4,
    .granted = 200,
    .transfers = 1,
    .transferred = 12,
    .cargo_units = 2,
  };
  static const expected_t phase2 = {
    .loans = 2,
    .units = 2,
    .loan_days = 3,
    .borrowers = 1,
    .lenders = 1,
    .bookings = 1,
    .hours = 1.5,
    .requesters = 1,
    .providers = 1,
    .active = 3, /* D, C (the loans), B (the service) */
    .with_active_status = -1,
    .grants = 1,
    .granted = 20,
    .transfers = 1,
    .transferred = 15,
    .tent_units = 1,
    .room_units = 1,
  };
  static const expected_t nothing = { .with_active_status = -1 };
  char query[200], a[MT_TIME_RFC3339_MAX], b[MT_TIME_RFC3339_MAX];
  mt_http_response_t resp;

  (void) state;
  world ();
  mt_time_format_rfc3339 (w.t0, a);
  mt_time_format_rfc3339 (w.t1, b);
  snprintf (query, sizeof query, "from=%s&to=%s", a, b);
  check (query, &phase1);
  get_stats (it_admin, query, 200, &resp);
  assert_string_equal (mt_bson_str (&resp.json, "period.from"), a);
  assert_string_equal (mt_bson_str (&resp.json, "period.to"), b);
  mt_http_response_destroy (&resp);
  mt_time_format_rfc3339 (w.t2, a);
  snprintf (query, sizeof query, "from=%s&to=%s", b, a);
  check (query, &phase2);
  /* the day before the world: nothing; to alone: from is a year before it */
  mt_time_format_rfc3339 (w.t0 - DAY, a);
  mt_time_format_rfc3339 (w.t0, b);
  snprintf (query, sizeof query, "from=%s&to=%s", a, b);
  check (query, &nothing);
  snprintf (query, sizeof query, "to=%s", b);
  check (query, &nothing);
  /* from alone: to is now */
  snprintf (query, sizeof query, "from=%s", b);
  check (query, &all);
}

static void
networks (void **state)
{
  static const expected_t n1 = {
    .loans = 1,
    .units = 2,
    .loan_days = 3,
    .borrowers = 1,
    .lenders = 1,
    /* C, the provider, is outside N1 but kept as the partner */
    .bookings = 1,
    .hours = 1.5,
    .requesters = 1,
    .providers = 1,
    .listings = 1,
    .active = 2,
    .with_active_status = 2,
    .grants = 2,
    .granted = 100,
    .transfers = 2,
    .transferred = 27,
    .cargo_units = 2,
  };
  static const expected_t n2 = {
    .loans = 2,
    .units = 2,
    .loan_days = 3,
    .borrowers = 1,
    .lenders = 1,
    .bookings = 1,
    .hours = 1.5,
    .requesters = 1,
    .providers = 1,
    .listings = 3,
    .active = 2,
    .with_active_status = 2,
    .grants = 3,
    .granted = 120,
    .transfers = 1,
    .transferred = 15,
    .tent_units = 1,
    .room_units = 1,
  };
  char query[160];
  mt_http_response_t resp;

  (void) state;
  world ();
  snprintf (query, sizeof query, "network=%s", w.n1);
  check (query, &n1);
  get_stats (it_admin, query, 200, &resp);
  assert_string_equal (mt_bson_str (&resp.json, "filters.network"), w.n1);
  mt_http_response_destroy (&resp);
  snprintf (query, sizeof query, "network=%s", w.n2);
  check (query, &n2);
}

static void
departements (void **state)
{
  static const expected_t d62 = {
    .loans = 2,
    .units = 2,
    .loan_days = 3,
    .borrowers = 1,
    .lenders = 1,
    .bookings = 1,
    .hours = 1.5,
    .requesters = 1,
    .providers = 1,
    .listings = 3,
    .active = 3,             /* D, C, B */
    .with_active_status = 2, /* B and C are in 62 */
    .grants = 2,
    .granted = 100,
    .transfers = 2,
    .transferred = 27,
    .tent_units = 1,
    .room_units = 1,
  };
  static const expected_t d59 = {
    .loans = 1,
    .units = 2,
    .loan_days = 3,
    .borrowers = 1,
    .lenders = 1,
    .listings = 1,
    .active = 2,             /* A, B */
    .with_active_status = 3, /* A, D and the first administrator's organisation */
    /* welcome A, D and the grant to D; L1 to A */
    .grants = 3,
    .granted = 120,
    .transfers = 1,
    .transferred = 12,
    .cargo_units = 2,
  };
  static const expected_t n2_62 = {
    .loans = 2,
    .units = 2,
    .loan_days = 3,
    .borrowers = 1,
    .lenders = 1,
    .bookings = 1,
    .hours = 1.5,
    .requesters = 1,
    .providers = 1,
    .listings = 3,
    .active = 2,             /* C, D: network members only */
    .with_active_status = 1, /* C */
    .grants = 1,
    .granted = 50,
    .transfers = 1,
    .transferred = 15,
    .tent_units = 1,
    .room_units = 1,
  };
  static const expected_t n1_62_none_lent = {
    .bookings = 1,
    .hours = 1.5,
    .requesters = 1,
    .providers = 1,
    .active = 1, /* B, the requester */
    .with_active_status = 1,
    .grants = 1,
    .granted = 50,
    .transfers = 2,
    .transferred = 27,
  };
  char query[160];
  mt_http_response_t resp;

  (void) state;
  world ();
  check ("departement=62", &d62);
  get_stats (it_admin, "departement=62", 200, &resp);
  assert_string_equal (mt_bson_str (&resp.json, "filters.departement"), "62");
  mt_http_response_destroy (&resp);
  check ("departement=59", &d59);
  /* "territory" is a synonym (the name SPEC gives the filter) */
  check ("territory=62", &d62);
  check ("territory=59&departement=59", &d59);
  snprintf (query, sizeof query, "network=%s&departement=62", w.n2);
  check (query, &n2_62);
  snprintf (query, sizeof query, "departement=62&network=%s", w.n1);
  check (query, &n1_62_none_lent);
  /* a département without anything */
  {
    static const expected_t none = { .with_active_status = 0 };
    check ("departement=2A", &none);
  }
}

/* The factor table is returned as it is in schemas/impact-factors.json, sources and
 * assumptions included, with its warning and method. */
static void
factors_returned (void **state)
{
  mt_http_response_t resp;
  bson_iter_t it, row;
  int i = 0;

  (void) state;
  world ();
  get_stats (it_admin, "", 200, &resp);
  assert_string_equal (mt_bson_str (&resp.json, "impact.factors.version"),
                       mt_bson_str (&factors_file, "version"));
  assert_string_equal (mt_bson_str (&resp.json, "impact.factors.warning"),
                       mt_bson_str (&factors_file, "warning"));
  assert_string_equal (mt_bson_str (&resp.json, "impact.factors.method"),
                       mt_bson_str (&factors_file, "method"));
  assert_string_equal (mt_bson_str (&resp.json, "impact.factors.sources.0"),
                       mt_bson_str (&factors_file, "sources.0"));
  assert_true (bson_iter_init_find (&it, &factors_file, "factors") &&
               bson_iter_recurse (&it, &row));
  while (bson_iter_next (&row)) {
    static const char *const texts[] = { "category", "item", "source", "assumption" };
    static const char *const numbers[] = { "price_eur", "kg_co2e", "avoided_purchase_share" };
    char got[96], want[64];
    for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++) {
      snprintf (got, sizeof got, "impact.factors.items.%d.%s", i, texts[k]);
      snprintf (want, sizeof want, "factors.%d.%s", i, texts[k]);
      assert_non_null (mt_bson_str (&resp.json, got));
      assert_string_equal (mt_bson_str (&resp.json, got), mt_bson_str (&factors_file, want));
    }
    for (size_t k = 0; k < sizeof numbers / sizeof numbers[0]; k++) {
      snprintf (got, sizeof got, "impact.factors.items.%d.%s", i, numbers[k]);
      snprintf (want, sizeof want, "factors.%d.%s", i, numbers[k]);
      expect_num (&resp.json, got, num (&factors_file, want));
    }
    i++;
  }
  assert_true (i >= 2);
  {
    char key[64];
    snprintf (key, sizeof key, "impact.factors.items.%d", i);
    assert_false (mt_bson_has (&resp.json, key));
  }
  assert_string_equal (mt_bson_str (&resp.json, "impact.factors.without_factor.0.category"),
                       mt_bson_str (&factors_file, "without_factor.0.category"));
  assert_string_equal (mt_bson_str (&resp.json, "impact.factors.without_factor.0.reason"),
                       mt_bson_str (&factors_file, "without_factor.0.reason"));
  mt_http_response_destroy (&resp);
}

static void
rights (void **state)
{
  it_person_t staff;

  (void) state;
  world ();
  it_expect_problem (w.a.token, "GET", "/v1/admin/stats", NULL, 403, "forbidden");
  it_colleague (&w.c, "staff", &staff);
  it_expect_problem (staff.token, "GET", "/v1/admin/stats", NULL, 403, "forbidden");
  it_person_destroy (&staff);
  it_expect (NULL, "GET", "/v1/admin/stats", NULL, 401);
}

/* @query answers 400 problem+json whose error names @param. */
static void
bad (const char *query, const char *param)
{
  mt_http_response_t resp;
  const char *type;

  get_stats (it_admin, query, 400, &resp);
  type = mt_http_header (&resp, "Content-Type");
  assert_non_null (type);
  if (strncmp (type, "application/problem+json", 24) != 0) {
    fail_msg ("%s: Content-Type %s", query, type);
  }
  assert_string_equal (mt_http_json_string (&resp, "type"), "urn:mutua:problem:bad-request");
  expect_num (&resp.json, "status", 400);
  assert_non_null (mt_http_json_string (&resp, "detail"));
  if (!mt_http_json_string (&resp, "errors.0.path") ||
      !strstr (mt_http_json_string (&resp, "errors.0.path"), param)) {
    fail_msg ("%s: the error does not name %s: %s", query, param, resp.body);
  }
  mt_http_response_destroy (&resp);
}

static void
bad_parameters (void **state)
{
  char query[200];

  (void) state;
  world ();
  bad ("from=hier", "from");
  bad ("from=2026-02-30T00:00:00Z", "from");
  bad ("to=2026-13-01T00:00:00Z", "to");
  bad ("to=", "to");
  bad ("from=2026-06-01T00:00:00Z&to=2026-06-01T00:00:00Z", "to");
  bad ("from=2026-06-02T00:00:00Z&to=2026-06-01T00:00:00Z", "to");
  bad ("from=2000-01-01T00:00:00Z&to=2026-06-01T00:00:00Z", "from");
  bad ("network=reseau", "network");
  bad ("network=net_AAAAAAAAAAAAAAAAAAAAAA", "network");
  bad ("departement=96", "departement");
  bad ("departement=99", "departement");
  bad ("departement=6", "departement");
  snprintf (query, sizeof query, "network=%s&departement=977", w.n1);
  bad (query, "departement");
  bad ("territory=96", "territory");
  bad ("territory=62&departement=59", "territory");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("stats/figures/default_period", default_period_no_filter),
    MT_TEST ("stats/figures/periods", periods),
    MT_TEST ("stats/figures/networks", networks),
    MT_TEST ("stats/figures/departements", departements),
    MT_TEST ("stats/impact/factors_returned", factors_returned),
    MT_TEST ("stats/rights/admin_only", rights),
    MT_TEST ("stats/parameters/bad", bad_parameters),
  };

  return cmocka_run_group_tests (tests, setup, teardown);
}
