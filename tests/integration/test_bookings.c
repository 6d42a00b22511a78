/*
 * Integration tests of /v1/bookings over HTTP against the real mutuad (credits disabled, the
 * default): creation with every rule and its status code, mass assignment refused, every
 * transition and the illegal ones, bodies ({} at least for accept and confirm, nothing else),
 * If-Match, rights (BOLA: a third member of the same network and a member of another one get
 * 404 on every route with an id, like an unknown id; the requester 403 on the provider's
 * actions, the provider 403 on confirm; administrators act for either), history and audit
 * log (GET /v1/admin/audit), notifications of the other party, lists with role, status and
 * pages, and the Idempotency-Key (same key and body: identical answer, one booking; another
 * body: 422; bad keys: 400; keys per account). Payment, the review queue and races are in
 * test_bookings_concurrency.c (a server with --credits-enabled).
 */
#include "members_helpers.h"

#include "mt_embed.h"
#include "mt_json.h"
#include "mt_schema.h"
#include "mt_time.h"

extern const mt_embed_file_t mutua_schema_files[];

#define HOUR INT64_C (3600000)
#define DAY INT64_C (86400000)

static mt_schema_registry_t *registry;
static char net1[MT_ID_SIZE], net2[MT_ID_SIZE];
static char nets1[64], nets2[64];

static int
setup (void **state)
{
  mt_error_t error;

  registry = mt_schema_registry_new (MT_SCHEMA_ASSERT_FORMAT);
  if (!registry || !mt_schema_registry_add_embedded (registry, mutua_schema_files, &error)) {
    return -1;
  }
  return it_start (state);
}

static int
teardown (void **state)
{
  mt_schema_registry_destroy (registry);
  return it_stop (state);
}

/* The provider (manager + staff colleague) and a requester (manager + staff) in net1, a third
 * member in net1 too (it sees the listing but not the bookings), a member in net2 only, a
 * pending one. */
typedef struct {
  it_person_t provider, provider_staff, requester, requester_staff, third, unrelated, pending;
} world_t;

static void
make_world (world_t *w)
{
  if (!net1[0]) {
    it_network (net1);
    it_network (net2);
    it_networks1 (nets1, net1);
    it_networks1 (nets2, net2);
  }
  it_signup (nets1, true, &w->provider);
  it_colleague (&w->provider, "staff", &w->provider_staff);
  it_signup (nets1, true, &w->requester);
  it_colleague (&w->requester, "staff", &w->requester_staff);
  it_signup (nets1, true, &w->third);
  it_signup (nets2, true, &w->unrelated);
  it_signup (nets1, false, &w->pending);
}

static void
world_destroy (world_t *w)
{
  it_person_destroy (&w->provider);
  it_person_destroy (&w->provider_staff);
  it_person_destroy (&w->requester);
  it_person_destroy (&w->requester_staff);
  it_person_destroy (&w->third);
  it_person_destroy (&w->unrelated);
  it_person_destroy (&w->pending);
}

/* @text with ' turned into " ; returns @buf. */
static const char *
q (const char *text, char *buf, size_t size)
{
  size_t len = strlen (text);

  assert_true (len < size);
  for (size_t i = 0; i <= len; i++) {
    buf[i] = text[i] == '\'' ? '"' : text[i];
  }
  return buf;
}

static void
assert_booking_schema (const bson_t *doc, const char *body)
{
  mt_error_t error;

  if (!mt_schema_validate (mt_schema_registry_get (registry, "booking.json"), doc, &error)) {
    fail_msg ("booking.json: %s at %s in %s", error.message, error.path, body);
  }
}

/* A listing of @owner: a published service of 90 minutes at 10 credits an hour unless @extra
 * (',' first) says otherwise; its id to @id. */
static void
service (const it_person_t *owner, const char *extra, char id[MT_ID_SIZE])
{
  mt_http_response_t resp;
  char text[1536], body[1536];

  snprintf (text, sizeof text,
            "{'kind':'service','title':'Animation d\\u2019assemblée générale',"
            "'category':'animation-facilitation','duration_minutes':90,"
            "'credit_rate_per_hour':10%s%s}",
            extra && strstr (extra, "'status'") ? "" : ",'status':'published'", extra ? extra : "");
  it_call (owner->token, "POST", "/v1/listings", NULL, q (text, body, sizeof body), &resp);
  it_assert_status (&resp, 201, "POST", "/v1/listings");
  snprintf (id, MT_ID_SIZE, "%s", mt_http_json_string (&resp, "id"));
  mt_http_response_destroy (&resp);
}

/* Now + @offset as RFC 3339, in @out; whole seconds so that texts compare. */
static const char *
at (int64_t offset, char out[MT_TIME_RFC3339_MAX])
{
  static int64_t base;

  if (!base) {
    base = (mt_time_now_ms () / 1000) * 1000 + 3 * DAY;
  }
  mt_time_format_rfc3339 (base + offset, out);
  return out;
}

/* The body of a booking of @listing starting at @start; @extra: more members (',' first). */
static void
booking_json (const char *listing, int64_t start, const char *extra, char *out, size_t size)
{
  char s[MT_TIME_RFC3339_MAX];

  snprintf (out, size, "{\"listing_id\":\"%s\",\"start\":\"%s\"%s}", listing, at (start, s),
            extra ? extra : "");
}

/* POST /v1/bookings as @token; must answer @status (and @slug when given); id to @id. */
static void
book (const char *token, const char *listing, int64_t start, const char *extra, int status,
      const char *slug, char id[MT_ID_SIZE])
{
  mt_http_response_t resp;
  char body[1024];

  booking_json (listing, start, extra, body, sizeof body);
  it_call (token, "POST", "/v1/bookings", NULL, body, &resp);
  it_assert_status (&resp, status, "POST", "/v1/bookings");
  if (slug) {
    char type[96];
    snprintf (type, sizeof type, "urn:mutua:problem:%s", slug);
    if (!mt_http_json_string (&resp, "type") ||
        strcmp (mt_http_json_string (&resp, "type"), type)) {
      fail_msg ("POST /v1/bookings: %s, expected %s", resp.body, type);
    }
  }
  if (status == 201) {
    char location[96];
    char local[MT_ID_SIZE];
    if (!id) {
      id = local;
    }
    assert_booking_schema (&resp.json, resp.body);
    snprintf (id, MT_ID_SIZE, "%s", mt_http_json_string (&resp, "id"));
    snprintf (location, sizeof location, "/v1/bookings/%s", id);
    assert_string_equal (mt_http_header (&resp, "Location"), location);
    assert_string_equal (mt_http_header (&resp, "ETag"), "W/\"1\"");
  }
  mt_http_response_destroy (&resp);
}

static void
bkg_path (char *out, size_t size, const char *id, const char *action)
{
  snprintf (out, size, "/v1/bookings/%s%s%s", id, action ? "/" : "", action ? action : "");
}

/* POST /v1/bookings/{id}/@action with @json; must answer @status. */
static void
act (const char *token, const char *id, const char *action, const char *json, int status)
{
  char path[128];

  bkg_path (path, sizeof path, id, action);
  it_expect (token, "POST", path, json, status);
}

/* The same, checking the problem type. */
static void
act_problem (const char *token, const char *id, const char *action, const char *json, int status,
             const char *slug)
{
  char path[128];

  bkg_path (path, sizeof path, id, action);
  it_expect_problem (token, "POST", path, json, status, slug);
}

/* The status of booking @id as @token sees it. */
static void
expect_status (const char *token, const char *id, const char *expected)
{
  mt_http_response_t resp;
  char path[128];

  bkg_path (path, sizeof path, id, NULL);
  it_call (token, "GET", path, NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", path);
  assert_string_equal (mt_http_json_string (&resp, "status"), expected);
  mt_http_response_destroy (&resp);
}

#define CANCEL "{\"reason\":\"plus besoin\"}"

/* ---- Creation ----------------------------------------------------------------------------- */

static void
create_and_read (void **state)
{
  world_t w;
  mt_http_response_t resp;
  char listing[MT_ID_SIZE], id[MT_ID_SIZE], path[128], body[512], s[MT_TIME_RFC3339_MAX];

  (void) state;
  make_world (&w);
  service (&w.provider, NULL, listing);
  booking_json (listing, 0, ",\"message\":\"Pour notre AG de juin\"", body, sizeof body);
  it_call (w.requester_staff.token, "POST", "/v1/bookings", NULL, body, &resp);
  it_assert_status (&resp, 201, "POST", "/v1/bookings");
  assert_booking_schema (&resp.json, resp.body);
  snprintf (id, sizeof id, "%s", mt_http_json_string (&resp, "id"));
  assert_true (mt_id_is_valid (id, "bkg"));
  assert_string_equal (mt_http_json_string (&resp, "status"), "requested");
  assert_string_equal (mt_http_json_string (&resp, "listing_id"), listing);
  assert_string_equal (mt_http_json_string (&resp, "listing_title"),
                       "Animation d\u2019assemblée générale");
  assert_string_equal (mt_http_json_string (&resp, "provider_member_id"), w.provider.member_id);
  assert_string_equal (mt_http_json_string (&resp, "requester_member_id"), w.requester.member_id);
  assert_string_equal (mt_http_json_string (&resp, "requested_by"), w.requester_staff.account_id);
  assert_string_equal (mt_http_json_string (&resp, "start"), at (0, s));
  assert_int_equal (mt_bson_int (&resp.json, "duration_minutes", 0), 90);
  assert_int_equal (mt_bson_int (&resp.json, "rate", -1), 10);
  assert_string_equal (mt_http_json_string (&resp, "message"), "Pour notre AG de juin");
  assert_string_equal (mt_http_json_string (&resp, "history.0.to"), "requested");
  assert_string_equal (mt_http_json_string (&resp, "history.0.actor"),
                       w.requester_staff.account_id);
  assert_false (mt_bson_has (&resp.json, "history.0.from") &&
                mt_http_json_string (&resp, "history.0.from"));
  mt_http_response_destroy (&resp);
  bkg_path (path, sizeof path, id, NULL);
  /* the requester's and the provider's accounts, administrators */
  it_call (w.requester.token, "GET", path, NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", path);
  assert_string_equal (mt_http_header (&resp, "ETag"), "W/\"1\"");
  assert_booking_schema (&resp.json, resp.body);
  mt_http_response_destroy (&resp);
  it_expect (w.provider.token, "GET", path, NULL, 200);
  it_expect (w.provider_staff.token, "GET", path, NULL, 200);
  it_expect (it_admin, "GET", path, NULL, 200);
  /* nobody else, and unknown ids alike */
  it_expect_problem (w.third.token, "GET", path, NULL, 404, "not-found");
  it_expect_problem (w.unrelated.token, "GET", path, NULL, 404, "not-found");
  it_expect_problem (w.requester.token, "GET", "/v1/bookings/bkg_AAAAAAAAAAAAAAAAAAAAAA", NULL, 404,
                     "not-found");
  it_expect (NULL, "GET", path, NULL, 401);
  it_expect (w.pending.token, "GET", path, NULL, 403);
  /* the duration of the body wins over the listing's */
  book (w.requester.token, listing, DAY, ",\"duration_minutes\":45", 201, NULL, id);
  bkg_path (path, sizeof path, id, NULL);
  it_call (w.provider.token, "GET", path, NULL, NULL, &resp);
  assert_int_equal (mt_bson_int (&resp.json, "duration_minutes", 0), 45);
  mt_http_response_destroy (&resp);
  /* the provider's accounts were told (in-app notification), the requester's were not */
  it_call (w.provider_staff.token, "GET", "/v1/me/notifications", NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", "/v1/me/notifications");
  assert_string_equal (mt_http_json_string (&resp, "items.0.kind"), "booking_requested");
  assert_string_equal (mt_http_json_string (&resp, "items.0.entity_id"), id);
  mt_http_response_destroy (&resp);
  it_call (w.requester_staff.token, "GET", "/v1/me/notifications", NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", "/v1/me/notifications");
  assert_null (mt_http_json_string (&resp, "items.0.id"));
  mt_http_response_destroy (&resp);
  world_destroy (&w);
}

static void
create_rules_and_codes (void **state)
{
  world_t w;
  char listing[MT_ID_SIZE], draft[MT_ID_SIZE], good[MT_ID_SIZE], body[512];
  int64_t now_offset;

  (void) state;
  make_world (&w);
  service (&w.provider, ",'visibility':'networks'", listing);
  service (&w.provider, ",'status':'draft'", draft);
  {
    mt_http_response_t resp;
    char b[512];
    it_call (w.provider.token, "POST", "/v1/listings", NULL,
             q ("{'kind':'good','title':'Vélo cargo','category':'velos-cargo',"
                "'status':'published'}",
                b, sizeof b),
             &resp);
    it_assert_status (&resp, 201, "POST", "/v1/listings");
    snprintf (good, sizeof good, "%s", mt_http_json_string (&resp, "id"));
    mt_http_response_destroy (&resp);
  }
  /* 404: unknown, another network, another member's draft */
  book (w.requester.token, "lst_AAAAAAAAAAAAAAAAAAAAAA", 0, NULL, 404, "not-found", NULL);
  book (w.unrelated.token, listing, 0, NULL, 404, "not-found", NULL);
  book (w.requester.token, draft, 0, NULL, 404, "not-found", NULL);
  /* 422: a good, its own service (any of its accounts), a start already passed */
  book (w.requester.token, good, 0, NULL, 422, "unprocessable", NULL);
  book (w.provider_staff.token, listing, 0, NULL, 422, "unprocessable", NULL);
  book (w.provider.token, draft, 0, NULL, 422, "unprocessable", NULL);
  now_offset = -3 * DAY - HOUR; /* an hour ago */
  {
    mt_http_response_t resp;
    booking_json (listing, now_offset, NULL, body, sizeof body);
    it_call (w.requester.token, "POST", "/v1/bookings", NULL, body, &resp);
    it_assert_status (&resp, 422, "POST", "/v1/bookings");
    assert_string_equal (mt_http_json_string (&resp, "errors.0.path"), "/start");
    mt_http_response_destroy (&resp);
  }
  /* credits are disabled here: no balance needed, whatever the rate */
  book (w.requester.token, listing, 0, NULL, 201, NULL, NULL);
  /* 401, 403 (pending member), 400 (malformed, bad date, bad duration), 415 */
  booking_json (listing, DAY, NULL, body, sizeof body);
  it_expect (NULL, "POST", "/v1/bookings", body, 401);
  it_expect (w.pending.token, "POST", "/v1/bookings", body, 403);
  it_expect_problem (w.requester.token, "POST", "/v1/bookings", "{\"listing_id\":", 400,
                     "bad-request");
  snprintf (body, sizeof body, "{\"listing_id\":\"%s\",\"start\":\"demain\"}", listing);
  it_expect_problem (w.requester.token, "POST", "/v1/bookings", body, 400, "validation");
  snprintf (body, sizeof body, "{\"listing_id\":\"%s\"}", listing);
  it_expect_problem (w.requester.token, "POST", "/v1/bookings", body, 400, "validation");
  booking_json (listing, DAY, ",\"duration_minutes\":10", body, sizeof body);
  it_expect_problem (w.requester.token, "POST", "/v1/bookings", body, 400, "validation");
  {
    mt_http_response_t resp;
    const char *headers[] = { "Content-Type: text/plain", NULL };
    booking_json (listing, DAY, NULL, body, sizeof body);
    it_call (w.requester.token, "POST", "/v1/bookings", headers, body, &resp);
    it_assert_status (&resp, 415, "POST", "/v1/bookings");
    mt_http_response_destroy (&resp);
  }
  world_destroy (&w);
}

static void
mass_assignment_refused (void **state)
{
  static const char *const fields[] = {
    ",\"status\":\"confirmed\"",
    ",\"provider_member_id\":\"mem_AAAAAAAAAAAAAAAAAAAAAA\"",
    ",\"requester_member_id\":\"mem_AAAAAAAAAAAAAAAAAAAAAA\"",
    ",\"requested_by\":\"acc_AAAAAAAAAAAAAAAAAAAAAA\"",
    ",\"rate\":0",
    ",\"hours\":1",
    ",\"payment\":{\"amount\":1}",
    ",\"version\":9",
    ",\"history\":[{\"seq\":1,\"to\":\"confirmed\"}]",
    ",\"id\":\"bkg_AAAAAAAAAAAAAAAAAAAAAA\"",
    ",\"confirmed_by\":\"system\"",
  };
  world_t w;
  char listing[MT_ID_SIZE], id[MT_ID_SIZE], body[512];
  mt_http_response_t resp;

  (void) state;
  make_world (&w);
  service (&w.provider, NULL, listing);
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
    booking_json (listing, 0, fields[i], body, sizeof body);
    it_call (w.requester.token, "POST", "/v1/bookings", NULL, body, &resp);
    it_assert_status (&resp, 400, "POST", "/v1/bookings");
    assert_string_equal (mt_http_json_string (&resp, "type"), "urn:mutua:problem:validation");
    mt_http_response_destroy (&resp);
  }
  /* nothing was stored */
  it_call (w.requester.token, "GET", "/v1/bookings", NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", "/v1/bookings");
  assert_null (mt_http_json_string (&resp, "items.0.id"));
  mt_http_response_destroy (&resp);
  /* transitions too: a body sets nothing but what its action takes */
  book (w.requester.token, listing, 0, NULL, 201, NULL, id);
  act_problem (w.provider.token, id, "accept", "{\"status\":\"confirmed\"}", 400, "validation");
  act_problem (w.provider.token, id, "accept", "{\"note\":\"ok\"}", 400, "validation");
  act_problem (w.provider.token, id, "decline", "{\"reason\":\"non\",\"declined_by\":\"system\"}",
               400, "validation");
  act (w.provider.token, id, "accept", "{}", 200);
  act_problem (w.provider.token, id, "complete", "{\"hours\":1,\"rate\":1000}", 400, "validation");
  act_problem (w.provider.token, id, "complete", "{\"hours\":1.1}", 400, "validation");
  act_problem (w.provider.token, id, "complete", "{\"hours\":0}", 400, "validation");
  act (w.provider.token, id, "complete", "{\"hours\":2}", 200);
  act_problem (w.requester.token, id, "confirm", "{\"payment\":{\"amount\":0}}", 400, "validation");
  expect_status (w.requester.token, id, "completed");
  world_destroy (&w);
}

/* ---- Transitions -------------------------------------------------------------------------- */

static void
lifecycle_and_illegal_transitions (void **state)
{
  world_t w;
  mt_http_response_t resp;
  char listing[MT_ID_SIZE], id[MT_ID_SIZE], path[128];

  (void) state;
  make_world (&w);
  service (&w.provider, NULL, listing);
  book (w.requester.token, listing, 0, NULL, 201, NULL, id);
  /* accept and confirm need a JSON object, {} at least */
  bkg_path (path, sizeof path, id, "accept");
  it_expect (w.provider.token, "POST", path, NULL, 415);
  act_problem (w.provider.token, id, "complete", "{}", 409, "conflict"); /* not accepted yet */
  act_problem (w.requester.token, id, "confirm", "{}", 409, "conflict");
  it_call (w.provider_staff.token, "POST", path, NULL, "{}", &resp);
  it_assert_status (&resp, 200, "POST", path);
  assert_string_equal (mt_http_json_string (&resp, "status"), "accepted");
  assert_string_equal (mt_http_json_string (&resp, "accepted_by"), w.provider_staff.account_id);
  assert_string_equal (mt_http_header (&resp, "ETag"), "W/\"2\"");
  assert_booking_schema (&resp.json, resp.body);
  mt_http_response_destroy (&resp);
  act_problem (w.provider.token, id, "accept", "{}", 409, "conflict");
  act_problem (w.provider.token, id, "decline", "{}", 409, "conflict");
  act_problem (w.requester.token, id, "confirm", "{}", 409, "conflict");
  bkg_path (path, sizeof path, id, "complete");
  it_call (w.provider.token, "POST", path, NULL, "{\"hours\":2.5}", &resp);
  it_assert_status (&resp, 200, "POST", path);
  assert_string_equal (mt_http_json_string (&resp, "status"), "completed");
  {
    bson_iter_t it;
    assert_true (bson_iter_init_find (&it, &resp.json, "hours"));
    assert_true (bson_iter_as_double (&it) == 2.5);
  }
  assert_string_equal (mt_http_header (&resp, "ETag"), "W/\"3\"");
  mt_http_response_destroy (&resp);
  /* a completed booking can no longer be cancelled, by anyone */
  act_problem (w.requester.token, id, "cancel", CANCEL, 409, "conflict");
  act_problem (w.provider.token, id, "cancel", CANCEL, 409, "conflict");
  act_problem (w.provider.token, id, "complete", "{}", 409, "conflict");
  bkg_path (path, sizeof path, id, "confirm");
  it_expect (w.requester.token, "POST", path, NULL, 415);
  it_call (w.requester_staff.token, "POST", path, NULL, "{}", &resp);
  it_assert_status (&resp, 200, "POST", path);
  assert_string_equal (mt_http_json_string (&resp, "status"), "confirmed");
  assert_string_equal (mt_http_json_string (&resp, "confirmed_by"), w.requester_staff.account_id);
  assert_null (mt_http_json_string (&resp, "payment.entry_id")); /* credits disabled */
  assert_string_equal (mt_http_json_string (&resp, "history.3.to"), "confirmed");
  assert_string_equal (mt_http_json_string (&resp, "history.3.from"), "completed");
  assert_string_equal (mt_http_header (&resp, "ETag"), "W/\"4\"");
  assert_booking_schema (&resp.json, resp.body);
  mt_http_response_destroy (&resp);
  act_problem (w.requester.token, id, "confirm", "{}", 409, "conflict");
  /* the audit log: one entry per history item, ids <id>:<seq> */
  {
    char apath[160];
    snprintf (apath, sizeof apath, "/v1/admin/audit?entity_id=%s", id);
    it_call (it_admin, "GET", apath, NULL, NULL, &resp);
    it_assert_status (&resp, 200, "GET", apath);
    for (int i = 0; i < 4; i++) {
      static const char *const to[] = { "confirmed", "completed", "accepted", "requested" };
      char key[32], expected[64];
      snprintf (key, sizeof key, "items.%d.id", i);
      snprintf (expected, sizeof expected, "%s:%d", id, 4 - i);
      assert_string_equal (mt_http_json_string (&resp, key), expected);
      snprintf (key, sizeof key, "items.%d.to", i);
      assert_string_equal (mt_http_json_string (&resp, key), to[i]);
      snprintf (key, sizeof key, "items.%d.entity", i);
      assert_string_equal (mt_http_json_string (&resp, key), "booking");
    }
    assert_null (mt_http_json_string (&resp, "items.4.id"));
    mt_http_response_destroy (&resp);
  }
  /* decline with and without a reason; cancel needs a reason; cancel by either party */
  book (w.requester.token, listing, 0, NULL, 201, NULL, id);
  act (w.provider.token, id, "decline", "{\"reason\":\"déjà pris ce jour-là\"}", 200);
  act_problem (w.requester.token, id, "cancel", CANCEL, 409, "conflict");
  act_problem (w.provider.token, id, "accept", "{}", 409, "conflict");
  book (w.requester.token, listing, 0, NULL, 201, NULL, id);
  act (w.provider.token, id, "decline", "{}", 200);
  book (w.requester.token, listing, 0, NULL, 201, NULL, id);
  act (w.requester.token, id, "cancel", "{}", 400);
  act (w.requester.token, id, "cancel", "{\"reason\":\"ab\"}", 400);
  act (w.requester.token, id, "cancel", CANCEL, 200);
  act_problem (w.provider.token, id, "accept", "{}", 409, "conflict");
  book (w.requester.token, listing, 0, NULL, 201, NULL, id);
  act (w.provider.token, id, "accept", "{}", 200);
  act (w.provider_staff.token, id, "cancel", "{\"reason\":\"animatrice malade\"}", 200);
  expect_status (w.requester.token, id, "cancelled");
  act_problem (w.provider.token, id, "complete", "{}", 409, "conflict");
  /* If-Match: the change is made on the version seen, else 409 stale */
  book (w.requester.token, listing, 0, NULL, 201, NULL, id);
  bkg_path (path, sizeof path, id, "accept");
  {
    const char *stale[] = { "If-Match: W/\"2\"", NULL };
    const char *fresh[] = { "If-Match: W/\"1\"", NULL };
    it_call (w.provider.token, "POST", path, stale, "{}", &resp);
    it_assert_status (&resp, 409, "POST", path);
    assert_string_equal (mt_http_json_string (&resp, "type"), "urn:mutua:problem:stale");
    mt_http_response_destroy (&resp);
    it_call (w.provider.token, "POST", path, fresh, "{}", &resp);
    it_assert_status (&resp, 200, "POST", path);
    mt_http_response_destroy (&resp);
    bkg_path (path, sizeof path, id, "cancel");
    it_call (w.requester.token, "POST", path, fresh, CANCEL, &resp);
    it_assert_status (&resp, 409, "POST", path);
    assert_string_equal (mt_http_json_string (&resp, "type"), "urn:mutua:problem:stale");
    mt_http_response_destroy (&resp);
  }
  expect_status (w.requester.token, id, "accepted");
  /* the requester was told of the acceptance */
  it_call (w.requester.token, "GET", "/v1/me/notifications", NULL, NULL, &resp);
  assert_string_equal (mt_http_json_string (&resp, "items.0.kind"), "booking_accepted");
  assert_string_equal (mt_http_json_string (&resp, "items.0.entity_id"), id);
  mt_http_response_destroy (&resp);
  world_destroy (&w);
}

static void
bola_on_every_route_with_an_id (void **state)
{
  static const struct {
    const char *action;
    const char *json;
    bool requester_may; /* the requester may do it (else 403) */
    bool provider_may;
  } actions[] = {
    { "accept", "{}", false, true },  { "decline", "{}", false, true },
    { "cancel", CANCEL, true, true }, { "complete", "{}", false, true },
    { "confirm", "{}", true, false },
  };
  world_t w;
  char listing[MT_ID_SIZE], id[MT_ID_SIZE], path[128];

  (void) state;
  make_world (&w);
  service (&w.provider, NULL, listing);
  book (w.requester.token, listing, 0, NULL, 201, NULL, id);
  /* a third member (who sees the listing) and a member of another network: 404 everywhere,
   * whatever the state would allow, exactly as for an unknown id */
  bkg_path (path, sizeof path, id, NULL);
  it_expect_problem (w.third.token, "GET", path, NULL, 404, "not-found");
  it_expect_problem (w.unrelated.token, "GET", path, NULL, 404, "not-found");
  for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
    bkg_path (path, sizeof path, id, actions[i].action);
    it_expect_problem (w.third.token, "POST", path, actions[i].json, 404, "not-found");
    it_expect_problem (w.unrelated.token, "POST", path, actions[i].json, 404, "not-found");
    it_expect (w.pending.token, "POST", path, actions[i].json, 403);
    it_expect (NULL, "POST", path, actions[i].json, 401);
    bkg_path (path, sizeof path, "bkg_AAAAAAAAAAAAAAAAAAAAAA", actions[i].action);
    it_expect_problem (w.third.token, "POST", path, actions[i].json, 404, "not-found");
    it_expect_problem (w.requester.token, "POST", path, actions[i].json, 404, "not-found");
  }
  /* each party sees it and may not act as the other: 403, whatever the status */
  for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
    bkg_path (path, sizeof path, id, actions[i].action);
    if (!actions[i].requester_may) {
      it_expect_problem (w.requester.token, "POST", path, actions[i].json, 403, "forbidden");
      it_expect_problem (w.requester_staff.token, "POST", path, actions[i].json, 403, "forbidden");
    }
    if (!actions[i].provider_may) {
      it_expect_problem (w.provider.token, "POST", path, actions[i].json, 403, "forbidden");
      it_expect_problem (w.provider_staff.token, "POST", path, actions[i].json, 403, "forbidden");
    }
  }
  expect_status (w.provider.token, id, "requested");
  /* through the life of the booking the rights stay the same */
  act (w.provider.token, id, "accept", "{}", 200);
  act_problem (w.requester.token, id, "complete", "{}", 403, "forbidden");
  act_problem (w.third.token, id, "complete", "{}", 404, "not-found");
  act (w.provider.token, id, "complete", "{}", 200);
  act_problem (w.provider.token, id, "confirm", "{}", 403, "forbidden");
  act_problem (w.third.token, id, "confirm", "{}", 404, "not-found");
  expect_status (w.provider.token, id, "completed");
  /* administrators act for either party */
  act (it_admin, id, "confirm", "{}", 200);
  book (w.requester.token, listing, 0, NULL, 201, NULL, id);
  act (it_admin, id, "accept", "{}", 200);
  act (it_admin, id, "cancel", "{\"reason\":\"doublon signalé\"}", 200);
  world_destroy (&w);
}

/* ---- Lists --------------------------------------------------------------------------------- */

static int
count_items (const mt_http_response_t *resp)
{
  bson_iter_t it, child;
  int n = 0;

  if (bson_iter_init_find (&it, &resp->json, "items") && bson_iter_recurse (&it, &child)) {
    while (bson_iter_next (&child)) {
      bson_t item;
      const uint8_t *data;
      uint32_t len;
      assert_true (BSON_ITER_HOLDS_DOCUMENT (&child));
      bson_iter_document (&child, &len, &data);
      assert_true (bson_init_static (&item, data, len));
      assert_booking_schema (&item, resp->body);
      n++;
    }
  }
  return n;
}

static int
list (const char *token, const char *query, int status)
{
  mt_http_response_t resp;
  char path[256];
  int n;

  snprintf (path, sizeof path, "/v1/bookings%s", query);
  it_call (token, "GET", path, NULL, NULL, &resp);
  it_assert_status (&resp, status, "GET", path);
  n = status == 200 ? count_items (&resp) : -1;
  mt_http_response_destroy (&resp);
  return n;
}

static void
lists_by_role_status_and_pages (void **state)
{
  world_t w;
  mt_http_response_t resp;
  char listing[MT_ID_SIZE], id[MT_ID_SIZE], path[512];
  const char *link;

  (void) state;
  make_world (&w);
  service (&w.provider, NULL, listing);
  book (w.requester.token, listing, 0, NULL, 201, NULL, id);
  act (w.provider.token, id, "accept", "{}", 200);
  book (w.requester_staff.token, listing, 0, NULL, 201, NULL, id);
  book (w.third.token, listing, 0, NULL, 201, NULL, id);
  act (w.third.token, id, "cancel", CANCEL, 200);
  assert_int_equal (list (w.requester.token, "", 200), 2);
  assert_int_equal (list (w.requester_staff.token, "?role=requester&status=accepted", 200), 1);
  assert_int_equal (list (w.requester.token, "?status=requested,accepted", 200), 2);
  assert_int_equal (list (w.requester.token, "?role=provider", 200), 0);
  assert_int_equal (list (w.provider_staff.token, "?role=provider", 200), 3);
  assert_int_equal (list (w.provider.token, "?role=provider&status=cancelled", 200), 1);
  assert_int_equal (list (w.provider.token, "", 200), 0);
  assert_int_equal (list (w.unrelated.token, "?role=provider", 200), 0);
  list (w.provider.token, "?role=lender", 400);
  list (w.provider.token, "?status=approved", 400);
  list (w.provider.token, "?limit=0", 400);
  list (w.provider.token, "?limit=abc", 400);
  list (w.provider.token, "?cursor=nope", 400);
  list (NULL, "", 401);
  list (w.pending.token, "", 403);
  /* pages: Link rel=next keeps the role */
  it_call (w.provider.token, "GET", "/v1/bookings?role=provider&limit=2", NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", "/v1/bookings");
  assert_int_equal (count_items (&resp), 2);
  link = mt_http_header (&resp, "Link");
  assert_non_null (link);
  assert_non_null (strstr (link, "role=provider"));
  assert_true (link[0] == '<' && strchr (link, '>'));
  snprintf (path, sizeof path, "%.*s", (int) (strchr (link, '>') - link - 1), link + 1);
  mt_http_response_destroy (&resp);
  it_call (w.provider.token, "GET", path, NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", path);
  assert_int_equal (count_items (&resp), 1);
  assert_null (mt_http_header (&resp, "Link"));
  assert_null (mt_http_json_string (&resp, "next_cursor"));
  mt_http_response_destroy (&resp);
  world_destroy (&w);
}

/* ---- Idempotency-Key ---------------------------------------------------------------------- */

static void
post_with_key (const char *token, const char *key, const char *body, mt_http_response_t *resp)
{
  char header[256];
  const char *headers[] = { header, NULL };

  snprintf (header, sizeof header, "Idempotency-Key: %s", key);
  it_call (token, "POST", "/v1/bookings", headers, body, resp);
}

static void
assert_same_answer (const mt_http_response_t *a, const mt_http_response_t *b)
{
  const char *names[] = { "Location", "ETag", "Content-Type", "Content-Language" };

  assert_int_equal (a->status, b->status);
  assert_int_equal (a->body_len, b->body_len);
  assert_memory_equal (a->body, b->body, a->body_len);
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    const char *x = mt_http_header (a, names[i]);
    const char *y = mt_http_header (b, names[i]);
    if (!x || !y) {
      assert_true (x == y);
    } else {
      assert_string_equal (x, y);
    }
  }
  assert_string_not_equal (mt_http_header (a, "X-Request-Id"), mt_http_header (b, "X-Request-Id"));
}

static void
idempotency_key_over_http (void **state)
{
  world_t w;
  mt_http_response_t first, again, other;
  char listing[MT_ID_SIZE], body[512], body2[512], key[200], spaced[600];

  (void) state;
  make_world (&w);
  service (&w.provider, NULL, listing);
  booking_json (listing, 0, NULL, body, sizeof body);
  post_with_key (w.requester.token, "cle-0001", body, &first);
  it_assert_status (&first, 201, "POST", "/v1/bookings");
  assert_non_null (mt_http_header (&first, "Location"));
  /* the same key and body: the same answer, byte for byte; one booking only */
  post_with_key (w.requester.token, "cle-0001", body, &again);
  assert_same_answer (&first, &again);
  mt_http_response_destroy (&again);
  snprintf (spaced, sizeof spaced, "  %s\n", body);
  post_with_key (w.requester.token, "cle-0001", spaced, &again);
  assert_same_answer (&first, &again);
  mt_http_response_destroy (&again);
  assert_int_equal (list (w.requester.token, "", 200), 1);
  /* the key belongs to the account: the colleague's own request, executed */
  post_with_key (w.requester_staff.token, "cle-0001", body, &other);
  it_assert_status (&other, 201, "POST", "/v1/bookings");
  assert_string_not_equal (mt_http_json_string (&other, "id"), mt_http_json_string (&first, "id"));
  mt_http_response_destroy (&other);
  assert_int_equal (list (w.requester.token, "", 200), 2);
  /* another body with the key: 422 */
  booking_json (listing, DAY, NULL, body2, sizeof body2);
  post_with_key (w.requester.token, "cle-0001", body2, &other);
  it_assert_status (&other, 422, "POST", "/v1/bookings");
  assert_string_equal (mt_http_json_string (&other, "errors.0.path"), "Idempotency-Key");
  mt_http_response_destroy (&other);
  /* refusals are replayed too, problem document (request_id) included */
  post_with_key (w.provider.token, "cle-0002", body, &other);
  it_assert_status (&other, 422, "POST", "/v1/bookings"); /* its own service */
  post_with_key (w.provider.token, "cle-0002", body, &again);
  assert_same_answer (&other, &again);
  assert_string_equal (mt_http_json_string (&again, "request_id"),
                       mt_http_json_string (&other, "request_id"));
  mt_http_response_destroy (&again);
  mt_http_response_destroy (&other);
  /* the first answer is replayed even after the booking changed */
  {
    char id[MT_ID_SIZE];
    snprintf (id, sizeof id, "%s", mt_http_json_string (&first, "id"));
    act (w.requester.token, id, "cancel", CANCEL, 200);
    post_with_key (w.requester.token, "cle-0001", body, &again);
    assert_same_answer (&first, &again);
    mt_http_response_destroy (&again);
  }
  mt_http_response_destroy (&first);
  assert_int_equal (list (w.requester.token, "", 200), 2);
  /* bad keys: 400, nothing stored */
  memset (key, 'k', sizeof key);
  key[129] = '\0';
  post_with_key (w.requester.token, key, body2, &other);
  it_assert_status (&other, 400, "POST", "/v1/bookings");
  assert_string_equal (mt_http_json_string (&other, "errors.0.path"), "Idempotency-Key");
  mt_http_response_destroy (&other);
  post_with_key (w.requester.token, "caf\xc3\xa9", body2, &other);
  it_assert_status (&other, 400, "POST", "/v1/bookings");
  mt_http_response_destroy (&other);
  assert_int_equal (list (w.requester.token, "", 200), 2);
  key[128] = '\0';
  post_with_key (w.requester.token, key, body2, &other);
  it_assert_status (&other, 201, "POST", "/v1/bookings");
  mt_http_response_destroy (&other);
  /* without a key, the same body twice is two bookings */
  it_expect (w.requester.token, "POST", "/v1/bookings", body2, 201);
  assert_int_equal (list (w.requester.token, "", 200), 4);
  world_destroy (&w);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("bookings/create/and_read", create_and_read),
    MT_TEST ("bookings/create/rules_and_codes", create_rules_and_codes),
    MT_TEST ("bookings/create/mass_assignment", mass_assignment_refused),
    MT_TEST ("bookings/transitions/lifecycle_and_illegal", lifecycle_and_illegal_transitions),
    MT_TEST ("bookings/transitions/bola", bola_on_every_route_with_an_id),
    MT_TEST ("bookings/list/role_status_pages", lists_by_role_status_and_pages),
    MT_TEST ("bookings/idempotency/over_http", idempotency_key_over_http),
  };

  return cmocka_run_group_tests (tests, setup, teardown);
}
