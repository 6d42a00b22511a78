/*
 * Unit tests of server/services/search.c: splitting q into words (hostile inputs), ranges,
 * every parameter's validation (400 naming the parameter), the mapping of the caller to the
 * store's visibility filter, and the page loop of mt_search_run against a fake store that
 * records what it is asked: visibility re-checked with the owner, the availability filter,
 * cursors exactly after the last examined candidate, the bound on candidates, errors.
 * The same plan and loop over the needs' target (needs.h): statuses open and closed, closed
 * needs seen by members only, no availability range, the needs' store search.
 */
#include "mt_test.h"

#include "mt_bson.h"
#include "mt_id.h"
#include "mt_json.h"
#include "needs.h"
#include "principal.h"
#include "search.h"
#include "service.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 INT64_C (1780272000000) /* 2026-06-01T00:00:00Z; tests never read the clock */
#define HOUR INT64_C (3600000)

/* --- Words ------------------------------------------------------------------------------ */

static void
assert_terms (const char *q, const char *const *expected)
{
  mt_search_terms_t terms;
  mt_error_t error = { 0 };
  size_t n = 0;

  if (!mt_search_terms_split (q, &terms, &error)) {
    fail_msg ("split of \"%s\" failed: %s", q ? q : "(null)", error.message);
  }
  while (expected[n]) {
    n++;
  }
  if (terms.count != n) {
    fail_msg ("\"%s\": %zu words, expected %zu", q ? q : "(null)", terms.count, n);
  }
  for (size_t i = 0; i < n; i++) {
    assert_string_equal (terms.terms[i], expected[i]);
  }
  assert_null (terms.terms[n]);
}

static void
terms_split_on_white_space (void **state)
{
  static const char *const none[] = { NULL };
  static const char *const two[] = { "velo", "cargo", NULL };
  static const char *const accents[] = { "Vélo", "CARGO", NULL };

  (void) state;
  assert_terms (NULL, none);
  assert_terms ("", none);
  assert_terms ("   \t\r\n ", none);
  assert_terms ("velo cargo", two);
  assert_terms ("  velo\t\tcargo\n", two);
  assert_terms ("velo\x01"
                "cargo",
                two); /* control characters separate words */
  assert_terms ("velo\x7f"
                "cargo",
                two);
  assert_terms ("Vélo CARGO", accents); /* kept as given: the store ignores case and accents */
}

static void
terms_hostile_inputs (void **state)
{
  static const char *const syntax[] = {
    "\"velo\"", "(cargo)", "NEAR", "OR", "title:x", "a*", NULL
  };
  static const char *const none[] = { NULL };
  static const char *const emoji[] = { "🚲", "vélo🚲", NULL };
  static const char *const sql[] = { "x');", "DROP", "TABLE", "listings;--", NULL };

  (void) state;
  /* FTS and query syntax stays plain words (the store quotes them); lone punctuation
   * matches no word and is dropped. */
  assert_terms ("\"velo\" (cargo) NEAR OR * title:x a* \" ( ) -- ^ ' ;", syntax);
  assert_terms ("\" \"\" ( ) * - + : ^ ~ ' ; , . !", none);
  assert_terms ("🚲 vélo🚲", emoji);
  assert_terms ("x'); DROP TABLE listings;--", sql);
}

static void
terms_are_capped (void **state)
{
  static const char *const ten[] = { "w1", "w2", "w3", "w4",  "w5", "w6",
                                     "w7", "w8", "w9", "w10", NULL };
  char q[400];
  char expected[80];
  const char *const one[] = { expected, NULL };

  (void) state;
  assert_terms ("w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12", ten);
  /* Dropped punctuation does not count against the cap. */
  assert_terms ("* w1 ( w2 w3 w4 w5 w6 w7 w8 w9 w10 w11", ten);

  /* 100 ASCII letters: cut to 64 bytes. */
  memset (q, 'a', 100);
  q[100] = '\0';
  memset (expected, 'a', 64);
  expected[64] = '\0';
  assert_terms (q, one);

  /* A 2-byte character across the limit (bytes 63-64) is left out whole. */
  memset (q, 'a', 63);
  memcpy (q + 63, "é", 2);
  q[65] = '\0';
  memset (expected, 'a', 63);
  expected[63] = '\0';
  assert_terms (q, one);

  /* A 2-byte character ending exactly at the limit stays. */
  memset (q, 'a', 62);
  memcpy (q + 62, "éz", 3);
  q[65] = '\0';
  memset (expected, 'a', 62);
  memcpy (expected + 62, "é", 3);
  assert_terms (q, one);

  /* A 3-byte and a 4-byte character across the limit. */
  memset (q, 'a', 62);
  memcpy (q + 62, "€", 4);
  memset (expected, 'a', 62);
  expected[62] = '\0';
  assert_terms (q, one);
  memset (q, 'a', 61);
  memcpy (q + 61, "🚲", 5);
  memset (expected, 'a', 61);
  expected[61] = '\0';
  assert_terms (q, one);
}

static void
terms_refuse_bad_input (void **state)
{
  static const char *const bad[] = {
    "\xC3",             /* truncated sequence */
    "velo \xC0\xAF",    /* overlong */
    "\xED\xA0\x80",     /* surrogate */
    "\xF4\x90\x80\x80", /* beyond U+10FFFF */
    "\xFF",
  };
  char *long_q = malloc (MT_SEARCH_Q_MAX_BYTES + 2);
  mt_search_terms_t terms;
  mt_error_t error;

  (void) state;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    mt_error_clear (&error);
    assert_false (mt_search_terms_split (bad[i], &terms, &error));
    assert_int_equal (error.code, MT_ERR_BAD_REQUEST);
    assert_string_equal (error.path, "q");
    assert_int_equal (terms.count, 0);
  }
  assert_non_null (long_q);
  memset (long_q, 'a', MT_SEARCH_Q_MAX_BYTES + 1);
  for (size_t i = 9; i < MT_SEARCH_Q_MAX_BYTES; i += 10) {
    long_q[i] = ' ';
  }
  long_q[MT_SEARCH_Q_MAX_BYTES + 1] = '\0';
  mt_error_clear (&error);
  assert_false (mt_search_terms_split (long_q, &terms, &error));
  assert_string_equal (error.path, "q");
  long_q[MT_SEARCH_Q_MAX_BYTES] = '\0'; /* exactly the limit is fine */
  assert_true (mt_search_terms_split (long_q, &terms, &error));
  assert_int_equal (terms.count, MT_SEARCH_TERMS_MAX);
  free (long_q);
}

/* --- Ranges ------------------------------------------------------------------------------ */

static void
expect_range_error (const char *from, const char *to, const char *path)
{
  int64_t f = 1;
  int64_t t = 1;
  mt_error_t error = { 0 };

  if (mt_search_range_parse (from, to, "from", "to", &f, &t, &error)) {
    fail_msg ("range %s .. %s accepted", from ? from : "(null)", to ? to : "(null)");
  }
  assert_int_equal (error.code, MT_ERR_BAD_REQUEST);
  assert_string_equal (error.path, path);
  assert_true (f == 0 && t == 0);
}

static void
ranges (void **state)
{
  int64_t f = 0;
  int64_t t = 0;

  (void) state;
  assert_true (mt_search_range_parse ("2026-06-01T00:00:00Z", "2026-06-02T00:00:00+02:00", "from",
                                      "to", &f, &t, NULL));
  assert_true (f == T0);
  assert_true (t == T0 + 22 * HOUR);
  /* 366 days exactly, and one millisecond more. */
  assert_true (mt_search_range_parse ("2026-06-01T00:00:00Z", "2027-06-02T00:00:00Z", "from", "to",
                                      &f, &t, NULL));
  expect_range_error ("2026-06-01T00:00:00Z", "2027-06-02T00:00:00.001Z", "to");
  expect_range_error (NULL, "2026-06-02T00:00:00Z", "from");
  expect_range_error ("2026-06-01T00:00:00Z", NULL, "to");
  expect_range_error ("2026-06-01", "2026-06-02T00:00:00Z", "from");
  expect_range_error ("2026-06-01T00:00:00Z", "demain", "to");
  expect_range_error ("", "2026-06-02T00:00:00Z", "from");
  expect_range_error ("2026-06-01T00:00:00Z", "2026-06-01T00:00:00Z", "to");
  expect_range_error ("2026-06-02T00:00:00Z", "2026-06-01T00:00:00Z", "to");
  expect_range_error ("2026-02-30T00:00:00Z", "2026-03-02T00:00:00Z", "from");
}

/* --- Plans ------------------------------------------------------------------------------- */

static char own_member[MT_ID_SIZE];
static char other_member[MT_ID_SIZE];
static char net1[MT_ID_SIZE];
static char net2[MT_ID_SIZE];

/* A caller of member @member_id, active or not, admin or not, in @networks (NULL-ended). */
static void
make_principal (mt_principal_t *p, const char *member_id, bool active, bool admin,
                const char *const *networks)
{
  mt_principal_init (p);
  mt_id_new ("acc", p->account_id);
  snprintf (p->member_id, sizeof p->member_id, "%s", member_id);
  p->member_active = active;
  p->is_admin = admin;
  BSON_APPEND_UTF8 (&p->member, "id", member_id);
  BSON_APPEND_UTF8 (&p->member, "status", active ? "active" : "pending");
  mt_bson_append_str_array (&p->member, "networks", networks);
}

static int
setup_ids (void **state)
{
  (void) state;
  mt_id_new ("mem", own_member);
  mt_id_new ("mem", other_member);
  mt_id_new ("net", net1);
  mt_id_new ("net", net2);
  return 0;
}

static void
expect_param_error (const mt_search_params_t *params, const char *path)
{
  mt_search_plan_t plan;
  mt_error_t error = { 0 };

  if (mt_search_plan_build (NULL, params, &plan, &error)) {
    mt_search_plan_destroy (&plan);
    fail_msg ("parameters accepted, expected a 400 on %s", path);
  }
  assert_int_equal (error.code, MT_ERR_BAD_REQUEST);
  assert_string_equal (error.path, path);
  assert_null (plan.visible_networks);
}

static void
plan_rejects_bad_parameters (void **state)
{
  char long_cursor[MT_SEARCH_CURSOR_MAX_BYTES + 2];
  static const struct {
    size_t offset;
    const char *value;
    const char *path;
  } bad[] = {
    { offsetof (mt_search_params_t, q), "\xC3", "q" },
    { offsetof (mt_search_params_t, kind), "goods", "kind" },
    { offsetof (mt_search_params_t, kind), "", "kind" },
    { offsetof (mt_search_params_t, kind), "GOOD", "kind" },
    { offsetof (mt_search_params_t, category), "pas-une-categorie", "category" },
    { offsetof (mt_search_params_t, category), "", "category" },
    { offsetof (mt_search_params_t, departement), "00", "departement" },
    { offsetof (mt_search_params_t, departement), "96", "departement" },
    { offsetof (mt_search_params_t, departement), "2C", "departement" },
    { offsetof (mt_search_params_t, departement), "2a", "departement" },
    { offsetof (mt_search_params_t, departement), "977", "departement" },
    { offsetof (mt_search_params_t, departement), "5", "departement" },
    { offsetof (mt_search_params_t, departement), "590", "departement" },
    { offsetof (mt_search_params_t, departement), "", "departement" },
    { offsetof (mt_search_params_t, owner), "mem_x", "owner" },
    { offsetof (mt_search_params_t, owner), "' OR 1=1 --", "owner" },
    { offsetof (mt_search_params_t, network), "", "network" },
    { offsetof (mt_search_params_t, status), "deleted", "status" },
    { offsetof (mt_search_params_t, status), "", "status" },
    { offsetof (mt_search_params_t, sort), "price", "sort" },
    { offsetof (mt_search_params_t, limit), "0", "limit" },
    { offsetof (mt_search_params_t, limit), "-1", "limit" },
    { offsetof (mt_search_params_t, limit), "10abc", "limit" },
    { offsetof (mt_search_params_t, limit), "", "limit" },
    { offsetof (mt_search_params_t, limit), "+5", "limit" },
    { offsetof (mt_search_params_t, cursor), "a b", "cursor" },
    { offsetof (mt_search_params_t, cursor), "\x01", "cursor" },
    { offsetof (mt_search_params_t, cursor), "é", "cursor" },
    { offsetof (mt_search_params_t, available_from), "2026-06-01T00:00:00Z", "available_to" },
    { offsetof (mt_search_params_t, available_to), "2026-06-01T00:00:00Z", "available_from" },
  };

  (void) state;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    mt_search_params_t params = { 0 };
    memcpy ((char *) &params + bad[i].offset, &bad[i].value, sizeof (const char *));
    expect_param_error (&params, bad[i].path);
  }
  memset (long_cursor, 'c', sizeof long_cursor - 1);
  long_cursor[sizeof long_cursor - 1] = '\0';
  {
    mt_search_params_t params = { .cursor = long_cursor };
    expect_param_error (&params, "cursor");
  }
  {
    mt_search_params_t params = { .available_from = "2026-06-02T00:00:00Z",
                                  .available_to = "2026-06-01T00:00:00Z" };
    expect_param_error (&params, "available_to");
  }
  {
    mt_search_params_t params = { .available_from = "2026-06-01T00:00:00Z",
                                  .available_to = "2027-06-03T00:00:00Z" };
    expect_param_error (&params, "available_to");
  }
  {
    mt_search_params_t params = { .available_from = "hier",
                                  .available_to = "2026-06-01T00:00:00Z" };
    expect_param_error (&params, "available_from");
  }
}

static void
plan_accepts_good_parameters (void **state)
{
  mt_search_params_t params = {
    .q = "vélo cargo",
    .kind = "good",
    .category = "velos-cargo",
    .departement = "2A",
    .owner = other_member,
    .network = net1,
    .sort = "recent",
    .limit = "100",
    .cursor = "abc_DEF-123:=",
    .available_from = "2026-06-01T00:00:00Z",
    .available_to = "2026-06-03T00:00:00Z",
  };
  static const char *const departements[] = { "01", "59", "95", "2B", "971", "976" };
  mt_search_plan_t plan;
  mt_error_t error = { 0 };

  (void) state;
  assert_true (mt_search_plan_build (NULL, &params, &plan, &error));
  assert_int_equal (plan.terms.count, 2);
  assert_ptr_equal (plan.query.terms, plan.terms.terms);
  assert_string_equal (plan.query.kind, "good");
  assert_string_equal (plan.query.category, "velos-cargo");
  assert_string_equal (plan.query.departement, "2A");
  assert_string_equal (plan.query.owner_id, other_member);
  assert_string_equal (plan.query.network_id, net1);
  assert_int_equal (plan.query.sort, MT_LISTING_SORT_RECENT);
  assert_int_equal (plan.limit, 100);
  assert_int_equal (plan.query.limit, 100);
  assert_string_equal (plan.query.cursor, "abc_DEF-123:=");
  assert_true (plan.has_range);
  assert_true (plan.from_ms == T0 && plan.to_ms == T0 + 48 * HOUR);
  mt_search_plan_destroy (&plan);

  for (size_t i = 0; i < sizeof departements / sizeof departements[0]; i++) {
    mt_search_params_t p = { .departement = departements[i] };
    assert_true (mt_search_plan_build (NULL, &p, &plan, &error));
    mt_search_plan_destroy (&plan);
  }
}

static void
plan_defaults_and_sort (void **state)
{
  mt_search_params_t params = { 0 };
  mt_search_plan_t plan;

  (void) state;
  assert_true (mt_search_plan_build (NULL, &params, &plan, NULL));
  assert_int_equal (plan.limit, 20);
  assert_null (plan.query.terms);
  assert_null (plan.query.cursor);
  assert_false (plan.has_range);
  assert_int_equal (plan.query.sort, MT_LISTING_SORT_RECENT);
  mt_search_plan_destroy (&plan);

  params.q = "vélo";
  assert_true (mt_search_plan_build (NULL, &params, &plan, NULL));
  assert_int_equal (plan.query.sort, MT_LISTING_SORT_RELEVANCE);
  mt_search_plan_destroy (&plan);

  params.sort = "recent";
  assert_true (mt_search_plan_build (NULL, &params, &plan, NULL));
  assert_int_equal (plan.query.sort, MT_LISTING_SORT_RECENT);
  mt_search_plan_destroy (&plan);

  /* relevance without words is recent; so is a q of punctuation only. */
  params.q = "* ( )";
  params.sort = "relevance";
  assert_true (mt_search_plan_build (NULL, &params, &plan, NULL));
  assert_null (plan.query.terms);
  assert_int_equal (plan.query.sort, MT_LISTING_SORT_RECENT);
  mt_search_plan_destroy (&plan);

  /* An empty cursor is the first page. */
  params.cursor = "";
  assert_true (mt_search_plan_build (NULL, &params, &plan, NULL));
  assert_null (plan.query.cursor);
  mt_search_plan_destroy (&plan);
}

static void
assert_statuses (const mt_search_plan_t *plan, const char *only)
{
  if (!only) {
    assert_null (plan->query.statuses);
  } else {
    assert_non_null (plan->query.statuses);
    assert_string_equal (plan->query.statuses[0], only);
    assert_null (plan->query.statuses[1]);
  }
}

static void
plan_visibility_anonymous (void **state)
{
  mt_search_params_t params = { 0 };
  mt_search_plan_t plan;

  (void) state;
  assert_true (mt_search_plan_build (NULL, &params, &plan, NULL));
  assert_false (plan.nothing);
  assert_false (plan.query.any_visibility);
  assert_null (plan.query.visible_networks);
  assert_null (plan.query.own_member_id);
  assert_null (plan.query.owner_id);
  assert_statuses (&plan, "published");
  mt_search_plan_destroy (&plan);

  params.status = "published";
  assert_true (mt_search_plan_build (NULL, &params, &plan, NULL));
  assert_false (plan.nothing);
  assert_statuses (&plan, "published");
  mt_search_plan_destroy (&plan);

  /* Drafts are nobody's to see anonymously; owner= does not widen anything. */
  params.status = "draft";
  assert_true (mt_search_plan_build (NULL, &params, &plan, NULL));
  assert_true (plan.nothing);
  mt_search_plan_destroy (&plan);
  params.status = NULL;
  params.owner = other_member;
  assert_true (mt_search_plan_build (NULL, &params, &plan, NULL));
  assert_false (plan.nothing);
  assert_statuses (&plan, "published");
  assert_string_equal (plan.query.owner_id, other_member);
  mt_search_plan_destroy (&plan);
}

static void
plan_visibility_member (void **state)
{
  const char *const networks[] = { net1, net2, NULL };
  mt_principal_t p;
  mt_search_params_t params = { 0 };
  mt_search_plan_t plan;

  (void) state;
  make_principal (&p, own_member, true, false, networks);
  assert_true (mt_search_plan_build (&p, &params, &plan, NULL));
  assert_false (plan.nothing);
  assert_false (plan.query.any_visibility);
  assert_non_null (plan.query.visible_networks);
  assert_string_equal (plan.query.visible_networks[0], net1);
  assert_string_equal (plan.query.visible_networks[1], net2);
  assert_null (plan.query.visible_networks[2]);
  assert_string_equal (plan.query.own_member_id, own_member);
  assert_null (plan.query.owner_id);
  assert_statuses (&plan, "published");
  mt_search_plan_destroy (&plan);

  /* status=draft: only its own member's drafts. */
  params.status = "draft";
  assert_true (mt_search_plan_build (&p, &params, &plan, NULL));
  assert_false (plan.nothing);
  assert_statuses (&plan, "draft");
  assert_string_equal (plan.query.owner_id, own_member);
  mt_search_plan_destroy (&plan);

  /* ...never another member's. */
  params.owner = other_member;
  assert_true (mt_search_plan_build (&p, &params, &plan, NULL));
  assert_true (plan.nothing);
  mt_search_plan_destroy (&plan);

  /* owner=own without status: every status of its own listings. */
  params.status = NULL;
  params.owner = own_member;
  assert_true (mt_search_plan_build (&p, &params, &plan, NULL));
  assert_false (plan.nothing);
  assert_statuses (&plan, NULL);
  assert_string_equal (plan.query.owner_id, own_member);
  mt_search_plan_destroy (&plan);

  /* owner=other without status: its published listings only. */
  params.owner = other_member;
  assert_true (mt_search_plan_build (&p, &params, &plan, NULL));
  assert_statuses (&plan, "published");
  assert_string_equal (plan.query.owner_id, other_member);
  mt_search_plan_destroy (&plan);

  /* status=published&owner=own. */
  params.owner = own_member;
  params.status = "published";
  assert_true (mt_search_plan_build (&p, &params, &plan, NULL));
  assert_statuses (&plan, "published");
  assert_string_equal (plan.query.owner_id, own_member);
  mt_search_plan_destroy (&plan);
  mt_principal_destroy (&p);

  /* A member without networks sees public and its own. */
  make_principal (&p, own_member, true, false, NULL);
  params = (mt_search_params_t){ 0 };
  assert_true (mt_search_plan_build (&p, &params, &plan, NULL));
  assert_null (plan.query.visible_networks);
  assert_string_equal (plan.query.own_member_id, own_member);
  mt_search_plan_destroy (&plan);
  mt_principal_destroy (&p);
}

static void
plan_visibility_pending_member (void **state)
{
  const char *const networks[] = { net1, NULL };
  mt_principal_t p;
  mt_search_params_t params = { 0 };
  mt_search_plan_t plan;

  (void) state;
  make_principal (&p, own_member, false, false, networks);
  assert_true (mt_search_plan_build (&p, &params, &plan, NULL));
  assert_null (plan.query.visible_networks); /* not approved: no network listing */
  assert_string_equal (plan.query.own_member_id, own_member);
  assert_statuses (&plan, "published");
  mt_search_plan_destroy (&plan);
  mt_principal_destroy (&p);
}

static void
plan_visibility_admin (void **state)
{
  mt_principal_t p;
  mt_search_params_t params = { 0 };
  mt_search_plan_t plan;

  (void) state;
  make_principal (&p, own_member, true, true, NULL);
  assert_true (mt_search_plan_build (&p, &params, &plan, NULL));
  assert_true (plan.query.any_visibility);
  assert_statuses (&plan, "published");
  mt_search_plan_destroy (&plan);

  params.owner = other_member;
  assert_true (mt_search_plan_build (&p, &params, &plan, NULL));
  assert_statuses (&plan, NULL);
  assert_string_equal (plan.query.owner_id, other_member);
  mt_search_plan_destroy (&plan);

  params.owner = NULL;
  params.status = "archived";
  assert_true (mt_search_plan_build (&p, &params, &plan, NULL));
  assert_false (plan.nothing);
  assert_statuses (&plan, "archived");
  assert_null (plan.query.owner_id);
  mt_search_plan_destroy (&plan);
  mt_principal_destroy (&p);
}

/* --- Plans over the needs' target ----------------------------------------------------------- */

static void
needs_plan_parameters (void **state)
{
  mt_search_plan_t plan;
  mt_error_t error = { 0 };
  static const char *const bad_statuses[] = { "published", "draft", "archived", "OPEN", "" };

  (void) state;
  for (size_t i = 0; i < sizeof bad_statuses / sizeof bad_statuses[0]; i++) {
    mt_search_params_t params = { .status = bad_statuses[i] };
    mt_error_clear (&error);
    assert_false (mt_search_plan_build_for (&mt_search_needs, NULL, &params, &plan, &error));
    assert_int_equal (error.code, MT_ERR_BAD_REQUEST);
    assert_string_equal (error.path, "status");
    assert_non_null (strstr (error.message, "open"));
  }
  /* The listings' statuses stay the listings' own. */
  {
    mt_search_params_t params = { .status = "open" };
    mt_error_clear (&error);
    assert_false (mt_search_plan_build (NULL, &params, &plan, &error));
    assert_string_equal (error.path, "status");
    assert_non_null (strstr (error.message, "published"));
  }
  /* Needs have no availability range: the parameters are not even read. */
  {
    mt_search_params_t params = { .available_from = "hier", .available_to = NULL };
    assert_true (mt_search_plan_build_for (&mt_search_needs, NULL, &params, &plan, &error));
    assert_false (plan.has_range);
    mt_search_plan_destroy (&plan);
  }
  /* The other parameters are checked as for listings. */
  {
    mt_search_params_t params = { .q = "sono", .kind = "need" };
    assert_false (mt_search_plan_build_for (&mt_search_needs, NULL, &params, &plan, &error));
    assert_string_equal (error.path, "kind");
    params = (mt_search_params_t){ .q = "\xC3" };
    assert_false (mt_search_plan_build_for (&mt_search_needs, NULL, &params, &plan, &error));
    assert_string_equal (error.path, "q");
  }
  {
    mt_search_params_t params = { .q = "sono",
                                  .kind = "good",
                                  .category = "sonorisation-video",
                                  .departement = "59",
                                  .limit = "5" };
    assert_true (mt_search_plan_build_for (&mt_search_needs, NULL, &params, &plan, &error));
    assert_int_equal (plan.query.sort, MT_LISTING_SORT_RELEVANCE);
    assert_int_equal (plan.limit, 5);
    assert_statuses (&plan, "open");
    mt_search_plan_destroy (&plan);
  }
}

static void
needs_plan_visibility (void **state)
{
  const char *const networks[] = { net1, NULL };
  mt_principal_t member;
  mt_principal_t pending;
  mt_principal_t admin;
  mt_search_plan_t plan;

  (void) state;
  make_principal (&member, own_member, true, false, networks);
  make_principal (&pending, own_member, false, false, networks);
  make_principal (&admin, other_member, true, true, NULL);

  /* Without status: open needs, for everyone. */
  {
    mt_search_params_t params = { 0 };
    assert_true (mt_search_plan_build_for (&mt_search_needs, NULL, &params, &plan, NULL));
    assert_statuses (&plan, "open");
    assert_false (plan.nothing);
    assert_null (plan.query.own_member_id);
    mt_search_plan_destroy (&plan);
    assert_true (mt_search_plan_build_for (&mt_search_needs, &member, &params, &plan, NULL));
    assert_statuses (&plan, "open");
    assert_non_null (plan.query.visible_networks);
    assert_string_equal (plan.query.own_member_id, own_member);
    mt_search_plan_destroy (&plan);
  }
  /* status=closed: members see others' closed needs... */
  {
    mt_search_params_t params = { .status = "closed" };
    assert_true (mt_search_plan_build_for (&mt_search_needs, &member, &params, &plan, NULL));
    assert_false (plan.nothing);
    assert_statuses (&plan, "closed");
    assert_null (plan.query.owner_id);
    mt_search_plan_destroy (&plan);
    params.owner = other_member;
    assert_true (mt_search_plan_build_for (&mt_search_needs, &member, &params, &plan, NULL));
    assert_false (plan.nothing);
    assert_string_equal (plan.query.owner_id, other_member);
    mt_search_plan_destroy (&plan);
  }
  /* ...anonymous visitors none, accounts of pending members only their own. */
  {
    mt_search_params_t params = { .status = "closed" };
    assert_true (mt_search_plan_build_for (&mt_search_needs, NULL, &params, &plan, NULL));
    assert_true (plan.nothing);
    mt_search_plan_destroy (&plan);
    assert_true (mt_search_plan_build_for (&mt_search_needs, &pending, &params, &plan, NULL));
    assert_false (plan.nothing);
    assert_string_equal (plan.query.owner_id, own_member);
    assert_null (plan.query.visible_networks);
    mt_search_plan_destroy (&plan);
    params.owner = other_member;
    assert_true (mt_search_plan_build_for (&mt_search_needs, &pending, &params, &plan, NULL));
    assert_true (plan.nothing);
    mt_search_plan_destroy (&plan);
  }
  /* owner=own: every status; administrators: any owner's every status. */
  {
    mt_search_params_t params = { .owner = own_member };
    assert_true (mt_search_plan_build_for (&mt_search_needs, &member, &params, &plan, NULL));
    assert_statuses (&plan, NULL);
    mt_search_plan_destroy (&plan);
    assert_true (mt_search_plan_build_for (&mt_search_needs, &admin, &params, &plan, NULL));
    assert_statuses (&plan, NULL);
    assert_true (plan.query.any_visibility);
    mt_search_plan_destroy (&plan);
  }
  mt_principal_destroy (&member);
  mt_principal_destroy (&pending);
  mt_principal_destroy (&admin);
}

/* --- Running against a fake store -------------------------------------------------------- */

#define FAKE_MAX 700

typedef struct {
  mt_store_t base;
  bson_t listings[FAKE_MAX]; /* in the store's order */
  size_t count;
  bson_t members[8];
  size_t member_count;
  bson_t calendars[FAKE_MAX]; /* by listing index; empty = none */
  /* What was asked. */
  unsigned search_calls;
  unsigned need_search_calls;
  unsigned member_calls;
  unsigned calendar_calls;
  uint32_t last_limit;
  size_t returned;              /* listings handed out in total */
  mt_error_code_t fail_members; /* member_get fails with this code when not 0 */
} fake_t;

static fake_t *fake;

static bool
fake_search (mt_store_t *store, const mt_store_listing_query_t *q, mt_store_page_t *out,
             mt_error_t *error)
{
  fake_t *f = (fake_t *) store;
  size_t start = 0;

  mt_store_page_init (out);
  f->search_calls++;
  f->last_limit = q->limit;
  if (q->cursor) {
    char *end = NULL;
    if (strncmp (q->cursor, "i:", 2) != 0) {
      mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_BAD_REQUEST, "curseur inconnu",
                    "unknown cursor");
      return false;
    }
    start = strtoul (q->cursor + 2, &end, 10);
  }
  assert_true (q->limit >= 1 && q->limit <= MT_STORE_PAGE_MAX);
  for (size_t i = start; i < f->count && out->count < q->limit; i++) {
    char key[16];
    snprintf (key, sizeof key, "%u", out->count++);
    BSON_APPEND_DOCUMENT (&out->items, key, &f->listings[i]);
    f->returned++;
  }
  if (start + out->count < f->count) {
    snprintf (out->next_cursor, sizeof out->next_cursor, "i:%zu", start + out->count);
  }
  return true;
}

/* Needs live in the same table of the fake: only the entry point differs. */
static bool
fake_need_search (mt_store_t *store, const mt_store_listing_query_t *q, mt_store_page_t *out,
                  mt_error_t *error)
{
  fake_t *f = (fake_t *) store;
  bool ok = fake_search (store, q, out, error);

  f->search_calls--;
  f->need_search_calls++;
  return ok;
}

static bool
fake_member_get (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error)
{
  fake_t *f = (fake_t *) store;

  f->member_calls++;
  if (f->fail_members) {
    bson_init (out);
    mt_error_set (error, MT_DOMAIN_STORE, f->fail_members, "indisponible", "unavailable");
    return false;
  }
  for (size_t i = 0; i < f->member_count; i++) {
    if (mt_bson_str_eq (&f->members[i], "id", id)) {
      bson_copy_to (&f->members[i], out);
      return true;
    }
  }
  bson_init (out);
  mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_NOT_FOUND, "introuvable", "not found");
  return false;
}

static bool
fake_calendar_get (mt_store_t *store, const char *listing_id, bson_t *out, mt_error_t *error)
{
  fake_t *f = (fake_t *) store;

  (void) error;
  f->calendar_calls++;
  for (size_t i = 0; i < f->count; i++) {
    if (mt_bson_str_eq (&f->listings[i], "id", listing_id)) {
      bson_copy_to (&f->calendars[i], out);
      return true;
    }
  }
  bson_init (out);
  return true;
}

/* No reservations (asked by mt_listing_may_see_pickup for callers who are not the owner). */
static bool
fake_reservation_list (mt_store_t *store, const mt_store_reservation_query_t *q,
                       mt_store_page_t *out, mt_error_t *error)
{
  (void) store;
  (void) q;
  (void) error;
  mt_store_page_init (out);
  return true;
}

static const mt_store_ops_t fake_ops = {
  .name = "fake",
  .listing_search = fake_search,
  .need_search = fake_need_search,
  .member_get = fake_member_get,
  .calendar_get = fake_calendar_get,
  .reservation_list = fake_reservation_list,
};

static int
fake_setup (void **state)
{
  (void) state;
  fake = calloc (1, sizeof *fake);
  if (!fake) {
    return -1;
  }
  fake->base.ops = &fake_ops;
  return 0;
}

static int
fake_teardown (void **state)
{
  (void) state;
  for (size_t i = 0; i < fake->count; i++) {
    bson_destroy (&fake->listings[i]);
    bson_destroy (&fake->calendars[i]);
  }
  for (size_t i = 0; i < fake->member_count; i++) {
    bson_destroy (&fake->members[i]);
  }
  free (fake);
  fake = NULL;
  return 0;
}

static void
fake_member (const char *id, const char *status, const char *const *networks)
{
  bson_t *m = &fake->members[fake->member_count++];
  bson_init (m);
  BSON_APPEND_UTF8 (m, "id", id);
  BSON_APPEND_UTF8 (m, "status", status);
  mt_bson_append_str_array (m, "networks", networks);
}

/* A listing appended to the store's order; @extra: more JSON members ("" for none). Its id
 * goes to @id_out (may be NULL). Returns its index. */
static size_t
fake_listing (const char *owner, const char *kind, const char *status, const char *visibility,
              const char *extra, char id_out[MT_ID_SIZE])
{
  char id[MT_ID_SIZE];
  char json[2048];
  mt_error_t error = { 0 };
  size_t i = fake->count++;

  assert_true (i < FAKE_MAX);
  mt_id_new ("lst", id);
  snprintf (json, sizeof json,
            "{\"id\":\"%s\",\"owner_id\":\"%s\",\"kind\":\"%s\",\"status\":\"%s\","
            "\"visibility\":\"%s\",\"title\":\"Annonce %zu\","
            "\"pickup\":{\"address\":\"1 rue secrète\"}%s%s}",
            id, owner, kind, status, visibility, i, extra[0] ? "," : "", extra);
  if (!mt_json_parse_object (json, strlen (json), MT_JSON_TRUSTED, &fake->listings[i], &error)) {
    fail_msg ("bad listing JSON: %s", error.message);
  }
  bson_init (&fake->calendars[i]);
  if (id_out) {
    snprintf (id_out, MT_ID_SIZE, "%s", id);
  }
  return i;
}

/* A calendar entry of @units over [T0 + from h, T0 + to h) for listing @index. */
static void
fake_entry (size_t index, int from, int to, int units)
{
  bson_t *cal = &fake->calendars[index];
  bson_t entries;
  bson_t entry;

  bson_reinit (cal);
  BSON_APPEND_UTF8 (cal, "listing_id", mt_bson_str (&fake->listings[index], "id"));
  BSON_APPEND_INT64 (cal, "version", 1);
  BSON_APPEND_ARRAY_BEGIN (cal, "entries", &entries);
  BSON_APPEND_DOCUMENT_BEGIN (&entries, "0", &entry);
  BSON_APPEND_UTF8 (&entry, "reservation_id", "res_x");
  BSON_APPEND_DATE_TIME (&entry, "start", T0 + from * HOUR);
  BSON_APPEND_DATE_TIME (&entry, "end", T0 + to * HOUR);
  BSON_APPEND_INT32 (&entry, "units", units);
  bson_append_document_end (&entries, &entry);
  bson_append_array_end (cal, &entries);
}

typedef struct {
  mt_principal_t principal;
  mt_ctx_t ctx;
} caller_t;

/* @p may be NULL (anonymous). */
static void
caller_for (caller_t *c, const mt_principal_t *p)
{
  memset (&c->ctx, 0, sizeof c->ctx);
  c->ctx.store = &fake->base;
  c->ctx.now_ms = T0;
  c->ctx.principal = p;
}

/* Runs a search and returns the ids of the items, in order, in @ids (count returned). */
static size_t
run (const caller_t *c, const mt_search_params_t *params, char ids[][MT_ID_SIZE], size_t max,
     char next[MT_STORE_CURSOR_MAX])
{
  bson_t items;
  bson_iter_t it;
  size_t n = 0;
  mt_error_t error = { 0 };

  if (!mt_search_run (&c->ctx, params, &items, next, &error)) {
    fail_msg ("search failed: %s", error.message);
  }
  assert_true (bson_iter_init (&it, &items));
  while (bson_iter_next (&it)) {
    bson_t doc;
    const uint8_t *data;
    uint32_t len;
    assert_true (BSON_ITER_HOLDS_DOCUMENT (&it));
    bson_iter_document (&it, &len, &data);
    assert_true (bson_init_static (&doc, data, len));
    assert_true (n < max);
    snprintf (ids[n++], MT_ID_SIZE, "%s", mt_bson_str (&doc, "id"));
    /* Nobody but the owner (or an administrator) sees the pickup address. */
    if (!c->ctx.principal || (!c->ctx.principal->is_admin &&
                              !mt_bson_str_eq (&doc, "owner_id", c->ctx.principal->member_id))) {
      assert_false (bson_has_field (&doc, "pickup"));
    } else {
      assert_true (bson_has_field (&doc, "pickup"));
    }
  }
  bson_destroy (&items);
  return n;
}

static bool
contains (char ids[][MT_ID_SIZE], size_t n, const char *id)
{
  bool found = false;
  for (size_t i = 0; i < n && !found; i++) {
    found = strcmp (ids[i], id) == 0;
  }
  return found;
}

/* The store's filter is coarse: the service re-checks each candidate as GET does. */
static void
run_rechecks_visibility_with_the_owner (void **state)
{
  const char *const n1[] = { net1, NULL };
  const char *const n2[] = { net2, NULL };
  char suspended[MT_ID_SIZE];
  char stranger[MT_ID_SIZE];
  char pub[MT_ID_SIZE], shared[MT_ID_SIZE], foreign[MT_ID_SIZE], susp[MT_ID_SIZE],
    mine_draft[MT_ID_SIZE], others_draft[MT_ID_SIZE], orphan[MT_ID_SIZE];
  char ids[16][MT_ID_SIZE];
  char next[MT_STORE_CURSOR_MAX];
  mt_principal_t p;
  caller_t c;
  mt_search_params_t params = { 0 };
  size_t n;

  (void) state;
  mt_id_new ("mem", suspended);
  mt_id_new ("mem", stranger);
  fake_member (own_member, "active", n1);
  fake_member (other_member, "active", n1);
  fake_member (stranger, "active", n2);
  fake_member (suspended, "suspended", n1);
  fake_listing (other_member, "good", "published", "public", "", pub);
  fake_listing (other_member, "good", "published", "networks", "", shared);
  fake_listing (stranger, "good", "published", "networks", "", foreign);
  fake_listing (suspended, "good", "published", "public", "", susp);
  fake_listing (own_member, "good", "draft", "networks", "", mine_draft);
  fake_listing (other_member, "good", "draft", "public", "", others_draft);
  fake_listing ("mem_gone", "good", "published", "public", "", orphan);

  make_principal (&p, own_member, true, false, n1);
  caller_for (&c, &p);
  n = run (&c, &params, ids, 16, next);
  assert_int_equal (n, 3);
  assert_string_equal (ids[0], pub);
  assert_string_equal (ids[1], shared);
  assert_string_equal (ids[2], mine_draft);
  assert_string_equal (next, "");
  /* Owners are read once each (own listings need no read). */
  assert_int_equal (fake->member_calls, 4);

  caller_for (&c, NULL);
  n = run (&c, &params, ids, 16, next);
  assert_int_equal (n, 1);
  assert_string_equal (ids[0], pub);
  assert_false (contains (ids, n, susp));
  assert_false (contains (ids, n, orphan));
  mt_principal_destroy (&p);

  /* Administrators see everything the store gives. */
  make_principal (&p, stranger, true, true, NULL);
  caller_for (&c, &p);
  n = run (&c, &params, ids, 16, next);
  assert_int_equal (n, 7);
  assert_true (contains (ids, n, others_draft));
  mt_principal_destroy (&p);
}

static void
run_filters_goods_by_availability (void **state)
{
  const char *const n1[] = { net1, NULL };
  char free_good[MT_ID_SIZE], busy_good[MT_ID_SIZE], blacked[MT_ID_SIZE], edge[MT_ID_SIZE],
    half[MT_ID_SIZE], service[MT_ID_SIZE], buffered[MT_ID_SIZE];
  char ids[16][MT_ID_SIZE];
  char next[MT_STORE_CURSOR_MAX];
  caller_t c;
  size_t i;
  mt_search_params_t params = {
    .available_from = "2026-06-01T10:00:00Z",
    .available_to = "2026-06-01T12:00:00Z",
  };
  size_t n;

  (void) state;
  fake_member (other_member, "active", n1);
  fake_listing (other_member, "good", "published", "public", "", free_good);
  i = fake_listing (other_member, "good", "published", "public", "", busy_good);
  fake_entry (i, 11, 15, 1);
  fake_listing (other_member, "good", "published", "public",
                "\"blackouts\":[{\"start\":\"2026-06-01T11:59:00Z\","
                "\"end\":\"2026-06-02T00:00:00Z\"}]",
                blacked);
  /* A blackout and a loan that only touch the range do not make it busy. */
  i = fake_listing (other_member, "good", "published", "public",
                    "\"blackouts\":[{\"start\":\"2026-06-01T12:00:00Z\","
                    "\"end\":\"2026-06-02T00:00:00Z\"}]",
                    edge);
  fake_entry (i, 8, 10, 1);
  i = fake_listing (other_member, "good", "published", "public", "\"quantity\":2", half);
  fake_entry (i, 9, 11, 1);
  fake_listing (other_member, "service", "published", "public", "", service);
  /* A loan ending 1 hour before the range, with 2 hours of buffer. */
  i = fake_listing (other_member, "good", "published", "public",
                    "\"loan_rules\":{\"buffer_hours\":2}", buffered);
  fake_entry (i, 5, 9, 1);

  caller_for (&c, NULL);
  n = run (&c, &params, ids, 16, next);
  assert_int_equal (n, 4);
  assert_string_equal (ids[0], free_good);
  assert_string_equal (ids[1], edge);
  assert_string_equal (ids[2], half);
  assert_string_equal (ids[3], service);
  assert_false (contains (ids, n, busy_good));
  assert_false (contains (ids, n, blacked));
  assert_false (contains (ids, n, buffered));
  /* Services are not looked up. */
  assert_int_equal (fake->calendar_calls, 6);

  /* Without a range nothing is filtered and no calendar is read. */
  fake->calendar_calls = 0;
  params.available_from = NULL;
  params.available_to = NULL;
  n = run (&c, &params, ids, 16, next);
  assert_int_equal (n, 7);
  assert_int_equal (fake->calendar_calls, 0);
}

/* Pages: the store is asked for what is missing only, so that its cursor is exactly after
 * the last examined candidate; following the cursors yields every kept listing once. */
static void
run_pages_with_filtered_candidates (void **state)
{
  const char *const n1[] = { net1, NULL };
  char expected[40][MT_ID_SIZE];
  size_t expected_count = 0;
  char seen[40][MT_ID_SIZE];
  size_t seen_count = 0;
  char next[MT_STORE_CURSOR_MAX] = "";
  char cursor[MT_STORE_CURSOR_MAX] = "";
  caller_t c;
  int pages = 0;

  (void) state;
  fake_member (other_member, "active", n1);
  for (int i = 0; i < 30; i++) {
    char id[MT_ID_SIZE];
    /* Every third listing is a draft of someone else: dropped by the service. */
    bool visible = i % 3 != 1;
    fake_listing (other_member, "good", visible ? "published" : "draft", "public", "", id);
    if (visible) {
      snprintf (expected[expected_count++], MT_ID_SIZE, "%s", id);
    }
  }
  caller_for (&c, NULL);
  do {
    mt_search_params_t params = { .limit = "4", .cursor = cursor[0] ? cursor : NULL };
    char ids[8][MT_ID_SIZE];
    size_t n = run (&c, &params, ids, 8, next);
    assert_true (n <= 4);
    assert_true (fake->last_limit <= 4);
    if (next[0]) {
      assert_int_equal (n, 4); /* filled, since enough candidates remain */
    }
    for (size_t i = 0; i < n; i++) {
      assert_false (contains (seen, seen_count, ids[i]));
      memcpy (seen[seen_count++], ids[i], MT_ID_SIZE);
    }
    snprintf (cursor, sizeof cursor, "%s", next);
    pages++;
    assert_true (pages < 20);
  } while (cursor[0]);
  assert_int_equal (seen_count, expected_count);
  for (size_t i = 0; i < expected_count; i++) {
    assert_string_equal (seen[i], expected[i]);
  }
  /* Every listing of the store was handed out exactly once over all pages. */
  assert_int_equal (fake->returned, 30);
}

static void
run_bounds_the_candidates (void **state)
{
  const char *const n1[] = { net1, NULL };
  char ids[100][MT_ID_SIZE];
  char next[MT_STORE_CURSOR_MAX];
  char last[MT_ID_SIZE];
  caller_t c;
  size_t n;

  (void) state;
  fake_member (other_member, "active", n1);
  for (int i = 0; i < 650; i++) {
    fake_listing (other_member, "good", "draft", "public", "", NULL);
  }
  fake_listing (other_member, "good", "published", "public", "", last);
  caller_for (&c, NULL);
  {
    mt_search_params_t params = { .limit = "100" };
    n = run (&c, &params, ids, 100, next);
    assert_int_equal (n, 0);
    assert_int_equal (fake->returned, MT_SEARCH_CANDIDATES_MAX);
    assert_string_equal (next, "i:500");
  }
  {
    mt_search_params_t params = { .limit = "100", .cursor = next };
    char cursor[MT_STORE_CURSOR_MAX];
    snprintf (cursor, sizeof cursor, "%s", next);
    params.cursor = cursor;
    n = run (&c, &params, ids, 100, next);
    assert_int_equal (n, 1);
    assert_string_equal (ids[0], last);
    assert_string_equal (next, "");
  }
  /* With a small limit the number of store calls is bounded too. */
  {
    mt_search_params_t params = { .limit = "1" };
    fake->search_calls = 0;
    n = run (&c, &params, ids, 100, next);
    assert_int_equal (n, 0);
    assert_true (fake->search_calls <= 20);
    assert_true (next[0] != '\0');
  }
}

static void
run_errors (void **state)
{
  const char *const n1[] = { net1, NULL };
  caller_t c;
  bson_t items;
  char next[MT_STORE_CURSOR_MAX];
  mt_error_t error = { 0 };

  (void) state;
  fake_member (other_member, "active", n1);
  fake_listing (other_member, "good", "published", "public", "", NULL);
  caller_for (&c, NULL);

  /* A cursor the store did not produce. */
  {
    mt_search_params_t params = { .cursor = "forged" };
    assert_false (mt_search_run (&c.ctx, &params, &items, next, &error));
    assert_int_equal (error.code, MT_ERR_BAD_REQUEST);
    assert_string_equal (error.path, "cursor");
    assert_true (bson_empty (&items));
    assert_string_equal (next, "");
    bson_destroy (&items);
  }
  /* Bad parameters never reach the store. */
  {
    mt_search_params_t params = { .kind = "thing" };
    fake->search_calls = 0;
    mt_error_clear (&error);
    assert_false (mt_search_run (&c.ctx, &params, &items, next, &error));
    assert_string_equal (error.path, "kind");
    assert_int_equal (fake->search_calls, 0);
    bson_destroy (&items);
  }
  /* Nothing to see: no store call either. */
  {
    mt_search_params_t params = { .status = "draft" };
    assert_true (mt_search_run (&c.ctx, &params, &items, next, &error));
    assert_true (bson_empty (&items));
    assert_string_equal (next, "");
    assert_int_equal (fake->search_calls, 0);
    bson_destroy (&items);
  }
  /* A store failure while reading owners is the request's failure. */
  {
    mt_search_params_t params = { 0 };
    fake->fail_members = MT_ERR_UNAVAILABLE;
    mt_error_clear (&error);
    assert_false (mt_search_run (&c.ctx, &params, &items, next, &error));
    assert_int_equal (error.code, MT_ERR_UNAVAILABLE);
    assert_true (bson_empty (&items));
    bson_destroy (&items);
  }
}

/* Runs a needs search and returns the ids of the items, in order, in @ids (count returned). */
static size_t
run_needs_ids (const caller_t *c, const mt_search_params_t *params, char ids[][MT_ID_SIZE],
               size_t max)
{
  char next[MT_STORE_CURSOR_MAX];
  bson_t items;
  bson_iter_t it;
  size_t n = 0;
  mt_error_t error = { 0 };

  if (!mt_search_run_for (&mt_search_needs, &c->ctx, params, &items, next, &error)) {
    fail_msg ("needs search failed: %s", error.message);
  }
  assert_true (bson_iter_init (&it, &items));
  while (bson_iter_next (&it)) {
    bson_t doc;
    const uint8_t *data;
    uint32_t len;
    bson_iter_document (&it, &len, &data);
    assert_true (bson_init_static (&doc, data, len));
    assert_true (n < max);
    snprintf (ids[n++], MT_ID_SIZE, "%s", mt_bson_str (&doc, "id"));
    /* Needs are shown as stored (nothing to hide). */
    assert_true (bson_has_field (&doc, "pickup"));
  }
  bson_destroy (&items);
  return n;
}

/* Needs: the service re-checks each candidate with mt_need_visible, through need_search. */
static void
run_needs (void **state)
{
  const char *const n1[] = { net1, NULL };
  const char *const n2[] = { net2, NULL };
  char stranger[MT_ID_SIZE], gone[MT_ID_SIZE];
  char open_pub[MT_ID_SIZE], open_net[MT_ID_SIZE], closed_pub[MT_ID_SIZE], closed_net[MT_ID_SIZE],
    foreign[MT_ID_SIZE], mine_closed[MT_ID_SIZE], suspended[MT_ID_SIZE];
  char ids[16][MT_ID_SIZE];
  mt_search_params_t params = { 0 };
  mt_principal_t p;
  caller_t c;
  size_t n;

  (void) state;
  mt_id_new ("mem", stranger);
  mt_id_new ("mem", gone);
  fake_member (own_member, "active", n1);
  fake_member (other_member, "active", n1);
  fake_member (stranger, "active", n2);
  fake_member (gone, "suspended", n1);
  fake_listing (other_member, "good", "open", "public", "", open_pub);
  fake_listing (other_member, "service", "open", "networks", "", open_net);
  fake_listing (other_member, "good", "closed", "public", "", closed_pub);
  fake_listing (other_member, "good", "closed", "networks", "", closed_net);
  fake_listing (stranger, "good", "open", "networks", "", foreign);
  fake_listing (own_member, "good", "closed", "networks", "", mine_closed);
  fake_listing (gone, "good", "open", "public", "", suspended);

  /* The fake store does not filter: every candidate goes through mt_need_visible. A member
   * sees open and closed needs of its networks and public ones, and its own. */
  make_principal (&p, own_member, true, false, n1);
  caller_for (&c, &p);
  n = run_needs_ids (&c, &params, ids, 16);
  assert_int_equal (fake->need_search_calls, 1);
  assert_int_equal (fake->search_calls, 0);
  assert_int_equal (n, 5);
  assert_string_equal (ids[0], open_pub);
  assert_string_equal (ids[1], open_net);
  assert_string_equal (ids[2], closed_pub);
  assert_string_equal (ids[3], closed_net);
  assert_string_equal (ids[4], mine_closed);
  mt_principal_destroy (&p);

  /* Anonymous visitors: the public open need of an active author only. */
  caller_for (&c, NULL);
  n = run_needs_ids (&c, &params, ids, 16);
  assert_int_equal (n, 1);
  assert_string_equal (ids[0], open_pub);

  /* An account of a pending member: public open needs and its own. */
  make_principal (&p, own_member, false, false, n1);
  caller_for (&c, &p);
  n = run_needs_ids (&c, &params, ids, 16);
  assert_int_equal (n, 2);
  assert_string_equal (ids[0], open_pub);
  assert_string_equal (ids[1], mine_closed);
  mt_principal_destroy (&p);

  /* Administrators: everything, the suspended author's need included. */
  make_principal (&p, stranger, true, true, NULL);
  caller_for (&c, &p);
  n = run_needs_ids (&c, &params, ids, 16);
  assert_int_equal (n, 7);
  assert_true (contains (ids, n, suspended));
  assert_true (contains (ids, n, foreign));
  mt_principal_destroy (&p);
}

/* A test run on a fresh fake store. */
#define FAKE_TEST(name, fn)                                                                        \
  {                                                                                                \
    name, fn, fake_setup, fake_teardown, NULL                                                      \
  }

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("search/terms/split_on_white_space", terms_split_on_white_space),
    MT_TEST ("search/terms/hostile_inputs", terms_hostile_inputs),
    MT_TEST ("search/terms/are_capped", terms_are_capped),
    MT_TEST ("search/terms/refuse_bad_input", terms_refuse_bad_input),
    MT_TEST ("search/ranges", ranges),
    MT_TEST ("search/plan/rejects_bad_parameters", plan_rejects_bad_parameters),
    MT_TEST ("search/plan/accepts_good_parameters", plan_accepts_good_parameters),
    MT_TEST ("search/plan/defaults_and_sort", plan_defaults_and_sort),
    MT_TEST ("search/plan/visibility/anonymous", plan_visibility_anonymous),
    MT_TEST ("search/plan/visibility/member", plan_visibility_member),
    MT_TEST ("search/plan/visibility/pending_member", plan_visibility_pending_member),
    MT_TEST ("search/plan/visibility/admin", plan_visibility_admin),
    FAKE_TEST ("search/run/rechecks_visibility_with_the_owner",
               run_rechecks_visibility_with_the_owner),
    FAKE_TEST ("search/run/filters_goods_by_availability", run_filters_goods_by_availability),
    FAKE_TEST ("search/run/pages_with_filtered_candidates", run_pages_with_filtered_candidates),
    FAKE_TEST ("search/run/bounds_the_candidates", run_bounds_the_candidates),
    FAKE_TEST ("search/run/errors", run_errors),
    MT_TEST ("search/needs/plan/parameters", needs_plan_parameters),
    MT_TEST ("search/needs/plan/visibility", needs_plan_visibility),
    FAKE_TEST ("search/needs/run/rechecks_visibility", run_needs),
  };
  return cmocka_run_group_tests_name ("search", tests, setup_ids, NULL);
}
