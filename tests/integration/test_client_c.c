/*
 * Integration tests of libmutua-client (clients/c, linked as the shared library integrators
 * use) against the real mutuad on loopback: every function succeeds on a real scenario
 * (sign-in, token reuse by a second client, me, listings search/get/create/availability,
 * reservations with an idempotency key and every action, bookings, needs, the administrators'
 * reviews, review, statistics and exports), and every error class reaches the caller as the
 * right mutua_error_t: 401, 403, 404, 409, 412, 422, 429 (the server runs with
 * --login-account-limit 3), a refused connection, a timeout, and answers that break the API's
 * promise (not JSON, too large).
 *
 * Members and listings are set up through the test harness (members_helpers.h,
 * loans_helpers.h); everything asserted goes through the library.
 */
#include "loans_helpers.h"

#include "mutua/client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

/* ---- Helpers --------------------------------------------------------------------------------- */

static int
setup (void **state)
{
  static const char *const args[] = { "--login-account-limit", "3", NULL };

  (void) state;
  return lh_start (args) ? 0 : -1;
}

/* A client of the test server, with @token when not NULL. */
static mutua_client_t *
client_new (const char *token)
{
  char url[64];
  mutua_error_t error;
  mutua_client_t *client;

  snprintf (url, sizeof url, "http://127.0.0.1:%u", (unsigned) it_server.port);
  client = mutua_client_new (url, &error);
  if (!client) {
    fail_msg ("mutua_client_new: %s", error.detail);
  }
  if (token) {
    assert_true (mutua_client_set_token (client, token, &error));
  }
  return client;
}

/* Fails with the error when @ok is false. */
static void
check_ok (bool ok, const mutua_error_t *error, const char *what)
{
  if (!ok) {
    fail_msg ("%s: %s %d %s: %s", what, mutua_error_kind_name (error->kind), error->status,
              error->type, error->detail);
  }
  assert_int_equal (error->kind, MUTUA_ERROR_NONE);
}

/* Asserts an HTTP error @status with the problem type urn:mutua:problem:@slug. */
static void
check_problem (bool ok, const mutua_error_t *error, int status, const char *slug)
{
  char type[96];

  assert_false (ok);
  if (error->kind != MUTUA_ERROR_HTTP || error->status != status) {
    fail_msg ("expected HTTP %d, got %s %d: %s", status, mutua_error_kind_name (error->kind),
              error->status, error->detail);
  }
  snprintf (type, sizeof type, "urn:mutua:problem:%s", slug);
  assert_string_equal (error->type, type);
  assert_true (strlen (error->detail) > 0);
}

/* The UTF-8 string at @dotted key of @doc, or "" when absent. */
static const char *
str (const bson_t *doc, const char *dotted)
{
  bson_iter_t iter, found;

  if (bson_iter_init (&iter, doc) && bson_iter_find_descendant (&iter, dotted, &found) &&
      BSON_ITER_HOLDS_UTF8 (&found)) {
    return bson_iter_utf8 (&found, NULL);
  }
  return "";
}

/* True when the "items" of the list @doc hold one whose @key is @value. */
static bool
items_have (const bson_t *doc, const char *key, const char *value)
{
  bson_iter_t iter, items;

  if (!bson_iter_init_find (&iter, doc, "items") || !BSON_ITER_HOLDS_ARRAY (&iter) ||
      !bson_iter_recurse (&iter, &items)) {
    return false;
  }
  while (bson_iter_next (&items)) {
    bson_iter_t field;
    if (BSON_ITER_HOLDS_DOCUMENT (&items) && bson_iter_recurse (&items, &field) &&
        bson_iter_find (&field, key) && BSON_ITER_HOLDS_UTF8 (&field) &&
        strcmp (bson_iter_utf8 (&field, NULL), value) == 0) {
      return true;
    }
  }
  return false;
}

/* A BSON document from trusted JSON written with ' for ". */
static void
doc_from (const char *text, bson_t *out)
{
  char json[2048];
  bson_error_t error;

  lh_q (text, json, sizeof json);
  if (!bson_init_from_json (out, json, -1, &error)) {
    fail_msg ("bad test JSON: %s", error.message);
  }
}

/* RFC 3339 of now + @ms. */
static void
at (int64_t ms, char out[MT_TIME_RFC3339_MAX])
{
  mt_time_format_rfc3339 (mt_time_now_ms () + ms, out);
}

/* A published good of @owner through the library; its id to @id. */
static void
good (mutua_client_t *owner, const char *title, char id[MT_ID_SIZE])
{
  char text[512];
  bson_t listing, out;
  mutua_error_t error;

  snprintf (text, sizeof text,
            "{'kind':'good','title':'%s','category':'tentes-barnums','status':'published',"
            "'quantity':1,'loan_rules':{'min_notice_hours':0,'max_days':7,'horizon_days':60}}",
            title);
  doc_from (text, &listing);
  check_ok (mutua_listing_create (owner, &listing, &out, &error), &error, "listing_create");
  snprintf (id, MT_ID_SIZE, "%s", str (&out, "id"));
  assert_true (strncmp (id, "lst_", 4) == 0);
  bson_destroy (&listing);
  bson_destroy (&out);
}

/* A JSON array text of the one network every test's members share (made on first use). */
static const char *
nets (void)
{
  static char net[MT_ID_SIZE], text[64];

  if (!net[0]) {
    it_network (net);
    it_networks1 (text, net);
  }
  return text;
}

/* ---- Sessions -------------------------------------------------------------------------------- */

static void
test_login_token_reuse_me_logout (void **state)
{
  it_person_t person;
  mutua_client_t *first, *second;
  mutua_error_t error;
  bson_t out;

  (void) state;
  it_signup (nets (), false, &person);
  first = client_new (NULL);
  assert_null (mutua_client_token (first));
  check_ok (mutua_login (first, person.email, IT_PASSWORD, &out, &error), &error, "login");
  assert_string_equal (str (&out, "token_type"), "Bearer");
  assert_string_equal (str (&out, "account.id"), person.account_id);
  assert_non_null (mutua_client_token (first));
  assert_string_equal (mutua_client_token (first), str (&out, "token"));
  bson_destroy (&out);

  check_ok (mutua_me (first, &out, &error), &error, "me");
  assert_string_equal (str (&out, "account.id"), person.account_id);
  assert_string_equal (str (&out, "member.id"), person.member_id);
  assert_true (strncmp (mutua_client_etag (first), "W/\"", 3) == 0);
  bson_destroy (&out);

  /* A second client given the token (a token kept from an earlier run) is the same account. */
  second = client_new (mutua_client_token (first));
  check_ok (mutua_me (second, &out, &error), &error, "me (second client)");
  assert_string_equal (str (&out, "account.id"), person.account_id);
  bson_destroy (&out);

  /* Logout revokes the token: the first client forgets it, the second is refused. */
  check_ok (mutua_logout (first, &error), &error, "logout");
  assert_null (mutua_client_token (first));
  check_problem (mutua_me (second, &out, &error), &error, 401, "unauthenticated");
  assert_true (bson_empty (&out));
  bson_destroy (&out);
  /* Without a token at all: 401 too. */
  check_problem (mutua_me (first, &out, &error), &error, 401, "unauthenticated");
  bson_destroy (&out);

  mutua_client_destroy (first);
  mutua_client_destroy (second);
  it_person_destroy (&person);
}

static void
test_bad_token_is_401 (void **state)
{
  mutua_client_t *client = client_new ("v4.public.bm90LWEtdG9rZW4");
  mutua_error_t error;
  bson_t out;

  (void) state;
  check_problem (mutua_me (client, &out, &error), &error, 401, "unauthenticated");
  bson_destroy (&out);
  mutua_client_destroy (client);
}

static void
test_login_failures_401_then_429 (void **state)
{
  it_person_t person;
  mutua_client_t *client = client_new (NULL);
  mutua_error_t error;
  bson_t out;

  (void) state;
  it_signup (nets (), false, &person);
  /* --login-account-limit 3: three failures are 401, the fourth attempt 429. */
  for (int i = 0; i < 3; i++) {
    check_problem (mutua_login (client, person.email, "mauvais-mot-de-passe", &out, &error), &error,
                   401, "unauthenticated");
    assert_true (bson_empty (&out));
    bson_destroy (&out);
  }
  check_problem (mutua_login (client, person.email, IT_PASSWORD, &out, &error), &error, 429,
                 "rate-limited");
  assert_true (error.retry_after > 0);
  assert_true (bson_empty (&out));
  assert_null (mutua_client_token (client));
  bson_destroy (&out);
  mutua_client_destroy (client);
  it_person_destroy (&person);
}

static void
test_language_changes_the_detail (void **state)
{
  mutua_client_t *client = client_new (NULL);
  mutua_error_t error;
  char french[MUTUA_ERROR_TEXT_MAX];
  bson_t out;

  (void) state;
  check_problem (mutua_me (client, &out, &error), &error, 401, "unauthenticated");
  bson_destroy (&out);
  snprintf (french, sizeof french, "%s", error.detail);
  assert_true (mutua_client_set_language (client, "en", &error));
  check_problem (mutua_me (client, &out, &error), &error, 401, "unauthenticated");
  bson_destroy (&out);
  assert_string_not_equal (error.detail, french);
  mutua_client_destroy (client);
}

/* ---- Listings -------------------------------------------------------------------------------- */

static void
test_listings_create_get_search_availability (void **state)
{
  char net[MT_ID_SIZE], nets[64], id[MT_ID_SIZE], title[96], from[MT_TIME_RFC3339_MAX],
    to[MT_TIME_RFC3339_MAX];
  it_person_t owner, reader;
  mutua_client_t *o, *r;
  mutua_listing_query_t query;
  mutua_error_t error;
  bson_t out;

  (void) state;
  it_network (net);
  it_networks1 (nets, net);
  it_signup (nets, true, &owner);
  it_signup (nets, true, &reader);
  o = client_new (owner.token);
  r = client_new (reader.token);
  snprintf (title, sizeof title, "Barnum pliant %u", (unsigned) getpid ());
  good (o, title, id);

  check_ok (mutua_listing_get (r, id, &out, &error), &error, "listing_get");
  assert_string_equal (str (&out, "id"), id);
  assert_string_equal (str (&out, "title"), title);
  bson_destroy (&out);

  /* Full text with a space and free over a range (query values percent-encoded). */
  at (2 * LH_DAY, from);
  at (4 * LH_DAY, to);
  memset (&query, 0, sizeof query);
  query.q = "barnum pliant";
  query.kind = "good";
  query.available_from = from;
  query.available_to = to;
  query.limit = 100;
  check_ok (mutua_listings_search (r, &query, &out, &error), &error, "listings_search");
  assert_true (items_have (&out, "id", id));
  bson_destroy (&out);
  query.q = "velo cargo introuvable";
  check_ok (mutua_listings_search (r, &query, &out, &error), &error, "listings_search (none)");
  assert_false (items_have (&out, "id", id));
  bson_destroy (&out);

  check_ok (mutua_listing_availability (r, id, from, to, &out, &error), &error, "availability");
  assert_string_equal (str (&out, "listing_id"), id);
  bson_destroy (&out);

  /* 404: unknown (and an id that needs encoding stays one path segment). */
  check_problem (mutua_listing_get (r, "lst_inexistant", &out, &error), &error, 404, "not-found");
  bson_destroy (&out);
  check_problem (mutua_listing_get (r, "lst é?q=1#x", &out, &error), &error, 404, "not-found");
  bson_destroy (&out);

  mutua_client_destroy (o);
  mutua_client_destroy (r);
  it_person_destroy (&owner);
  it_person_destroy (&reader);
}

static void
test_listing_patch_if_match_via_request (void **state)
{
  char id[MT_ID_SIZE], path[96], etag[128];
  it_person_t owner;
  mutua_client_t *o;
  mutua_error_t error;
  bson_t patch, out;

  (void) state;
  it_signup (nets (), true, &owner);
  o = client_new (owner.token);
  good (o, "Tente de réception", id);
  check_ok (mutua_listing_get (o, id, &out, &error), &error, "listing_get");
  bson_destroy (&out);
  snprintf (etag, sizeof etag, "%s", mutua_client_etag (o));
  assert_string_equal (etag, "W/\"1\"");

  snprintf (path, sizeof path, "/v1/listings/%s", id);
  doc_from ("{'title':'Tente de réception 6x3'}", &patch);
  check_ok (mutua_request (o, "PATCH", path, &patch, etag, NULL, &out, &error), &error, "PATCH");
  assert_string_equal (str (&out, "title"), "Tente de réception 6x3");
  assert_string_equal (mutua_client_etag (o), "W/\"2\"");
  bson_destroy (&out);

  /* The same ETag again is stale: 412, nothing changed. */
  bson_destroy (&patch);
  doc_from ("{'title':'Écrasé'}", &patch);
  check_problem (mutua_request (o, "PATCH", path, &patch, etag, NULL, &out, &error), &error, 412,
                 "precondition-failed");
  bson_destroy (&out);
  check_ok (mutua_listing_get (o, id, &out, &error), &error, "listing_get");
  assert_string_equal (str (&out, "title"), "Tente de réception 6x3");
  bson_destroy (&out);

  bson_destroy (&patch);
  mutua_client_destroy (o);
  it_person_destroy (&owner);
}

/* ---- Reservations ---------------------------------------------------------------------------- */

static void
test_reservations_every_function_and_action (void **state)
{
  char net[MT_ID_SIZE], nets[64], listing[MT_ID_SIZE], res[MT_ID_SIZE], other[MT_ID_SIZE],
    start[MT_TIME_RFC3339_MAX], end[MT_TIME_RFC3339_MAX], key[64], etag[128];
  it_person_t owner, borrower, third;
  mutua_client_t *o, *b, *t, *admin;
  mutua_error_t error;
  bson_t out, body;

  (void) state;
  it_network (net);
  it_networks1 (nets, net);
  it_signup (nets, true, &owner);
  it_signup (nets, true, &borrower);
  it_signup (nets, true, &third);
  o = client_new (owner.token);
  b = client_new (borrower.token);
  t = client_new (third.token);
  admin = client_new (it_admin);
  good (o, "Barnum 3x3", listing);

  /* Create with an idempotency key; the retry gets the same reservation. */
  at (2 * LH_DAY, start);
  at (3 * LH_DAY, end);
  snprintf (key, sizeof key, "cle-%u-1", (unsigned) getpid ());
  check_ok (mutua_reservation_create (b, listing, start, end, 1, "Pour la fête", key, &out, &error),
            &error, "reservation_create");
  snprintf (res, sizeof res, "%s", str (&out, "id"));
  assert_string_equal (str (&out, "status"), "requested");
  bson_destroy (&out);
  check_ok (mutua_reservation_create (b, listing, start, end, 1, "Pour la fête", key, &out, &error),
            &error, "reservation_create (retry)");
  assert_string_equal (str (&out, "id"), res);
  bson_destroy (&out);
  /* The same key with another body: 422 naming the key. */
  check_problem (
    mutua_reservation_create (b, listing, start, end, 1, "Autre message", key, &out, &error),
    &error, 422, "unprocessable");
  assert_string_equal (error.path, "Idempotency-Key");
  bson_destroy (&out);
  /* The units are taken: another request over the same days is 409. */
  check_problem (mutua_reservation_create (t, listing, start, end, 0, NULL, NULL, &out, &error),
                 &error, 409, "conflict");
  bson_destroy (&out);

  check_ok (mutua_reservations_list (b, NULL, NULL, NULL, 0, &out, &error), &error, "list");
  assert_true (items_have (&out, "id", res));
  bson_destroy (&out);
  check_ok (mutua_reservations_list (o, "lender", "requested,approved", NULL, 10, &out, &error),
            &error, "list lender");
  assert_true (items_have (&out, "id", res));
  bson_destroy (&out);
  check_ok (mutua_reservations_list (o, "borrower", NULL, NULL, 0, &out, &error), &error,
            "list borrower");
  assert_false (items_have (&out, "id", res));
  bson_destroy (&out);
  check_problem (mutua_reservations_list (b, "voisin", NULL, NULL, 0, &out, &error), &error, 400,
                 "bad-request");
  bson_destroy (&out);

  check_ok (mutua_reservation_get (b, res, &out, &error), &error, "reservation_get");
  assert_string_equal (str (&out, "listing_id"), listing);
  bson_destroy (&out);
  snprintf (etag, sizeof etag, "%s", mutua_client_etag (b));

  /* BOLA: a third member of the same network gets 404, as for an unknown id. */
  check_problem (mutua_reservation_get (t, res, &out, &error), &error, 404, "not-found");
  bson_destroy (&out);
  check_problem (mutua_reservation_act (t, res, "approve", NULL, NULL, &out, &error), &error, 404,
                 "not-found");
  bson_destroy (&out);
  /* 403: the borrower sees it but may not approve it. */
  check_problem (mutua_reservation_act (b, res, "approve", NULL, NULL, &out, &error), &error, 403,
                 "forbidden");
  bson_destroy (&out);

  /* approve with the ETag read, checkout, return. */
  check_ok (mutua_reservation_act (o, res, "approve", NULL, etag, &out, &error), &error, "approve");
  assert_string_equal (str (&out, "status"), "approved");
  bson_destroy (&out);
  /* 409: approving again is an illegal transition. */
  check_problem (mutua_reservation_act (o, res, "approve", NULL, NULL, &out, &error), &error, 409,
                 "conflict");
  bson_destroy (&out);
  doc_from ("{'condition_note':'bon état'}", &body);
  check_ok (mutua_reservation_act (o, res, "checkout", &body, NULL, &out, &error), &error,
            "checkout");
  assert_string_equal (str (&out, "status"), "checked_out");
  bson_destroy (&out);
  check_ok (mutua_reservation_act (o, res, "return", &body, NULL, &out, &error), &error, "return");
  assert_string_equal (str (&out, "status"), "returned");
  bson_destroy (&out);
  bson_destroy (&body);

  /* The administrators' queue holds it; the review closes it. */
  check_ok (mutua_admin_reviews (admin, NULL, 100, &out, &error), &error, "admin_reviews");
  assert_true (items_have (&out, "reason", "returned"));
  bson_destroy (&out);
  check_problem (mutua_admin_reviews (o, NULL, 0, &out, &error), &error, 403, "forbidden");
  bson_destroy (&out);
  check_ok (mutua_admin_review (admin, res, "close", "Rendu complet", &out, &error), &error,
            "admin_review");
  assert_string_equal (str (&out, "status"), "closed");
  bson_destroy (&out);
  check_problem (mutua_admin_review (admin, res, "close", "Encore", &out, &error), &error, 409,
                 "conflict");
  bson_destroy (&out);

  /* decline and cancel on two more requests. */
  at (10 * LH_DAY, start);
  at (11 * LH_DAY, end);
  check_ok (mutua_reservation_create (b, listing, start, end, 0, NULL, NULL, &out, &error), &error,
            "reservation_create 2");
  snprintf (other, sizeof other, "%s", str (&out, "id"));
  bson_destroy (&out);
  check_ok (mutua_reservation_act (o, other, "decline", NULL, NULL, &out, &error), &error,
            "decline");
  assert_string_equal (str (&out, "status"), "declined");
  bson_destroy (&out);
  check_ok (mutua_reservation_create (b, listing, start, end, 0, NULL, NULL, &out, &error), &error,
            "reservation_create 3");
  snprintf (other, sizeof other, "%s", str (&out, "id"));
  bson_destroy (&out);
  doc_from ("{'reason':'La fête est reportée'}", &body);
  check_ok (mutua_reservation_act (b, other, "cancel", &body, NULL, &out, &error), &error,
            "cancel");
  assert_string_equal (str (&out, "status"), "cancelled");
  bson_destroy (&out);
  bson_destroy (&body);

  mutua_client_destroy (o);
  mutua_client_destroy (b);
  mutua_client_destroy (t);
  mutua_client_destroy (admin);
  it_person_destroy (&owner);
  it_person_destroy (&borrower);
  it_person_destroy (&third);
}

/* ---- Bookings and needs ---------------------------------------------------------------------- */

static void
test_bookings_and_needs (void **state)
{
  char net[MT_ID_SIZE], nets[64], service[MT_ID_SIZE], booking[MT_ID_SIZE], need[MT_ID_SIZE],
    start[MT_TIME_RFC3339_MAX], key[64];
  it_person_t provider, requester;
  mutua_client_t *p, *r;
  mutua_listing_query_t query;
  mutua_error_t error;
  bson_t out, doc;

  (void) state;
  it_network (net);
  it_networks1 (nets, net);
  it_signup (nets, true, &provider);
  it_signup (nets, true, &requester);
  p = client_new (provider.token);
  r = client_new (requester.token);
  doc_from ("{'kind':'service','title':'Animation d\\u2019assemblée générale',"
            "'category':'animation-facilitation','duration_minutes':90,'status':'published'}",
            &doc);
  check_ok (mutua_listing_create (p, &doc, &out, &error), &error, "service");
  snprintf (service, sizeof service, "%s", str (&out, "id"));
  bson_destroy (&out);
  bson_destroy (&doc);

  /* 422: a start in the past, naming the field; nothing created. */
  at (-LH_DAY, start);
  check_problem (mutua_booking_create (r, service, start, 0, NULL, NULL, &out, &error), &error, 422,
                 "unprocessable");
  assert_string_equal (error.path, "/start");
  bson_destroy (&out);
  check_ok (mutua_bookings_list (r, NULL, NULL, NULL, 0, &out, &error), &error, "bookings_list");
  assert_false (items_have (&out, "listing_id", service));
  bson_destroy (&out);

  at (5 * LH_DAY, start);
  snprintf (key, sizeof key, "reservation-%u-b", (unsigned) getpid ());
  check_ok (mutua_booking_create (r, service, start, 120, "Pour notre AG", key, &out, &error),
            &error, "booking_create");
  snprintf (booking, sizeof booking, "%s", str (&out, "id"));
  assert_string_equal (str (&out, "status"), "requested");
  bson_destroy (&out);
  check_ok (mutua_booking_create (r, service, start, 120, "Pour notre AG", key, &out, &error),
            &error, "booking_create (retry)");
  assert_string_equal (str (&out, "id"), booking);
  bson_destroy (&out);

  check_ok (mutua_bookings_list (p, "provider", "requested", NULL, 5, &out, &error), &error,
            "bookings_list provider");
  assert_true (items_have (&out, "id", booking));
  bson_destroy (&out);
  check_ok (mutua_booking_get (r, booking, &out, &error), &error, "booking_get");
  assert_string_equal (str (&out, "listing_id"), service);
  bson_destroy (&out);

  check_problem (mutua_booking_act (r, booking, "accept", NULL, NULL, &out, &error), &error, 403,
                 "forbidden");
  bson_destroy (&out);
  check_ok (mutua_booking_act (p, booking, "accept", NULL, NULL, &out, &error), &error, "accept");
  assert_string_equal (str (&out, "status"), "accepted");
  bson_destroy (&out);
  check_ok (mutua_booking_act (p, booking, "complete", NULL, NULL, &out, &error), &error,
            "complete");
  assert_string_equal (str (&out, "status"), "completed");
  bson_destroy (&out);
  check_ok (mutua_booking_act (r, booking, "confirm", NULL, NULL, &out, &error), &error, "confirm");
  assert_string_equal (str (&out, "status"), "confirmed");
  bson_destroy (&out);
  check_problem (mutua_booking_act (r, booking, "confirm", NULL, NULL, &out, &error), &error, 409,
                 "conflict");
  bson_destroy (&out);

  /* Needs: create, search, get, answer. */
  doc_from ("{'kind':'good','title':'Sono pour un concert','category':'tentes-barnums'}", &doc);
  check_ok (mutua_need_create (r, &doc, &out, &error), &error, "need_create");
  snprintf (need, sizeof need, "%s", str (&out, "id"));
  assert_string_equal (str (&out, "status"), "open");
  bson_destroy (&out);
  bson_destroy (&doc);
  memset (&query, 0, sizeof query);
  query.q = "sono concert";
  query.limit = 100;
  check_ok (mutua_needs_search (p, &query, &out, &error), &error, "needs_search");
  assert_true (items_have (&out, "id", need));
  bson_destroy (&out);
  check_ok (mutua_need_answer (p, need, NULL, "Nous avons une sono à prêter", &out, &error), &error,
            "need_answer");
  assert_string_equal (str (&out, "need_id"), need);
  bson_destroy (&out);
  check_problem (mutua_need_answer (r, need, NULL, "Moi-même", &out, &error), &error, 422,
                 "unprocessable");
  bson_destroy (&out);
  check_ok (mutua_need_get (r, need, &out, &error), &error, "need_get");
  assert_string_equal (str (&out, "answers.0.text"), "Nous avons une sono à prêter");
  bson_destroy (&out);

  mutua_client_destroy (p);
  mutua_client_destroy (r);
  it_person_destroy (&provider);
  it_person_destroy (&requester);
}

/* ---- Administration -------------------------------------------------------------------------- */

static void
test_admin_stats_and_exports (void **state)
{
  char from[MT_TIME_RFC3339_MAX], to[MT_TIME_RFC3339_MAX], listing[MT_ID_SIZE];
  it_person_t member;
  mutua_client_t *admin = client_new (it_admin), *m;
  mutua_error_t error;
  bson_t out;
  char *csv = NULL;
  size_t len = 0;

  (void) state;
  it_signup (nets (), true, &member);
  m = client_new (member.token);
  good (m, "Barnum pour export", listing);
  at (-30 * LH_DAY, from);
  at (LH_DAY, to);
  check_ok (mutua_admin_stats (admin, from, to, NULL, "59", &out, &error), &error, "stats");
  assert_false (bson_empty (&out));
  bson_destroy (&out);
  check_problem (mutua_admin_stats (admin, to, from, NULL, NULL, &out, &error), &error, 400,
                 "bad-request");
  bson_destroy (&out);
  check_problem (mutua_admin_stats (m, NULL, NULL, NULL, NULL, &out, &error), &error, 403,
                 "forbidden");
  bson_destroy (&out);

  check_ok (mutua_admin_export (admin, "listings", &csv, &len, &error), &error, "export");
  assert_non_null (csv);
  assert_int_equal (strlen (csv), len);
  assert_non_null (strstr (csv, "Barnum pour export"));
  free (csv);
  check_ok (mutua_admin_export (admin, "loans", &csv, &len, &error), &error, "export loans");
  assert_true (len > 0);
  free (csv);
  check_ok (mutua_admin_export (admin, "members", &csv, &len, &error), &error, "export members");
  assert_non_null (strstr (csv, "id;name;kind;status;"));
  free (csv);
  check_problem (mutua_admin_export (admin, "people", &csv, &len, &error), &error, 404,
                 "not-found");
  assert_null (csv);
  free (csv);
  csv = NULL;
  check_problem (mutua_admin_export (m, "listings", &csv, &len, &error), &error, 403, "forbidden");
  assert_null (csv);

  mutua_client_destroy (admin);
  mutua_client_destroy (m);
  it_person_destroy (&member);
}

/* ---- Transport failures ---------------------------------------------------------------------- */

/* A loopback socket bound to port 0, listening when @listen_too; its port to @port. */
static int
loopback_socket (bool listen_too, uint16_t *port)
{
  struct sockaddr_in addr;
  socklen_t len = sizeof addr;
  int fd = socket (AF_INET, SOCK_STREAM, 0);

  assert_true (fd >= 0);
  memset (&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  assert_int_equal (bind (fd, (struct sockaddr *) &addr, sizeof addr), 0);
  if (listen_too) {
    assert_int_equal (listen (fd, 8), 0);
  }
  assert_int_equal (getsockname (fd, (struct sockaddr *) &addr, &len), 0);
  *port = ntohs (addr.sin_port);
  return fd;
}

static mutua_client_t *
client_at (uint16_t port)
{
  char url[64];
  mutua_client_t *client;

  snprintf (url, sizeof url, "http://127.0.0.1:%u", (unsigned) port);
  client = mutua_client_new (url, NULL);
  assert_non_null (client);
  return client;
}

static void
test_connection_refused (void **state)
{
  uint16_t port;
  int fd = loopback_socket (false, &port);
  mutua_client_t *client;
  mutua_error_t error;
  bson_t out;

  (void) state;
  close (fd); /* the port was bound, then closed: nobody listens there */
  client = client_at (port);
  assert_false (mutua_me (client, &out, &error));
  assert_int_equal (error.kind, MUTUA_ERROR_CONNECT);
  assert_int_equal (error.status, 0);
  assert_true (bson_empty (&out));
  bson_destroy (&out);
  mutua_client_destroy (client);
}

static void
test_timeout (void **state)
{
  uint16_t port;
  int fd = loopback_socket (true, &port); /* the kernel accepts; nobody ever answers */
  mutua_client_t *client = client_at (port);
  mutua_error_t error;
  bson_t out;

  (void) state;
  mutua_client_set_timeout (client, 200);
  assert_false (mutua_me (client, &out, &error));
  assert_int_equal (error.kind, MUTUA_ERROR_TIMEOUT);
  assert_true (bson_empty (&out));
  bson_destroy (&out);
  /* The client is usable afterwards (here: the same timeout again). */
  assert_false (mutua_listing_get (client, "lst_x", &out, &error));
  assert_int_equal (error.kind, MUTUA_ERROR_TIMEOUT);
  bson_destroy (&out);
  mutua_client_destroy (client);
  close (fd);
}

/* A one-shot fake server: accepts one connection, reads the request head, writes @answer
 * (then, when @filler > 0, that many more bytes of 'x'), closes. */
typedef struct {
  int fd;
  const char *answer;
  size_t filler;
} fake_t;

static void *
fake_serve (void *arg)
{
  fake_t *fake = arg;
  char buf[8192];
  int conn = accept (fake->fd, NULL, NULL);

  if (conn >= 0) {
    ssize_t n = recv (conn, buf, sizeof buf, 0);
    (void) n;
    if (send (conn, fake->answer, strlen (fake->answer), MSG_NOSIGNAL) > 0) {
      memset (buf, 'x', sizeof buf);
      for (size_t sent = 0; sent < fake->filler;) {
        ssize_t w = send (conn, buf, sizeof buf, MSG_NOSIGNAL);
        if (w <= 0) {
          break;
        }
        sent += (size_t) w;
      }
    }
    close (conn);
  }
  return NULL;
}

/* One mutua_me against a fake server answering @answer; the error to @error. */
static void
me_against (const char *answer, size_t filler, mutua_error_t *error)
{
  fake_t fake = { .answer = answer, .filler = filler };
  uint16_t port;
  pthread_t thread;
  mutua_client_t *client;
  bson_t out;

  fake.fd = loopback_socket (true, &port);
  client = client_at (port);
  assert_int_equal (pthread_create (&thread, NULL, fake_serve, &fake), 0);
  assert_false (mutua_me (client, &out, error));
  assert_true (bson_empty (&out));
  bson_destroy (&out);
  mutua_client_destroy (client);
  pthread_join (thread, NULL);
  close (fake.fd);
}

static void
test_protocol_errors (void **state)
{
  mutua_error_t error;
  char head[256];

  (void) state;
  me_against ("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 6\r\n\r\n<html>", 0,
              &error);
  assert_int_equal (error.kind, MUTUA_ERROR_PROTOCOL);
  me_against ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n"
              "{\"a\":tru",
              0, &error);
  assert_int_equal (error.kind, MUTUA_ERROR_PROTOCOL);
  me_against ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 3\r\n\r\n[1]",
              0, &error);
  assert_int_equal (error.kind, MUTUA_ERROR_PROTOCOL);
  /* Over 16 MiB: refused, whatever the body. */
  snprintf (head, sizeof head,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %u\r\n\r\n",
            (unsigned) (17u * 1024u * 1024u));
  me_against (head, 17u * 1024u * 1024u, &error);
  assert_int_equal (error.kind, MUTUA_ERROR_PROTOCOL);
  /* A truncated body (the connection closes early). */
  me_against ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
              "{\"a\":",
              0, &error);
  assert_int_equal (error.kind, MUTUA_ERROR_PROTOCOL);
  /* A 5xx from a proxy that is not a problem document is still HTTP with its status. */
  me_against ("HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: 6\r\n\r\n"
              "<html>",
              0, &error);
  assert_int_equal (error.kind, MUTUA_ERROR_HTTP);
  assert_int_equal (error.status, 502);
  assert_string_equal (error.detail, "HTTP 502");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("client_c/session/login_token_reuse_me_logout", test_login_token_reuse_me_logout),
    MT_TEST ("client_c/session/bad_token_is_401", test_bad_token_is_401),
    MT_TEST ("client_c/session/login_failures_401_then_429", test_login_failures_401_then_429),
    MT_TEST ("client_c/session/language_changes_the_detail", test_language_changes_the_detail),
    MT_TEST ("client_c/listings/create_get_search_availability",
             test_listings_create_get_search_availability),
    MT_TEST ("client_c/listings/patch_if_match_via_request",
             test_listing_patch_if_match_via_request),
    MT_TEST ("client_c/reservations/every_function_and_action",
             test_reservations_every_function_and_action),
    MT_TEST ("client_c/bookings_and_needs", test_bookings_and_needs),
    MT_TEST ("client_c/admin/stats_and_exports", test_admin_stats_and_exports),
    MT_TEST ("client_c/transport/connection_refused", test_connection_refused),
    MT_TEST ("client_c/transport/timeout", test_timeout),
    MT_TEST ("client_c/transport/protocol_errors", test_protocol_errors),
  };
  return cmocka_run_group_tests (tests, setup, it_stop);
}
