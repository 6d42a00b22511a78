/*
 * Integration tests of /v1/reservations over HTTP against the real mutuad: creation with
 * every rule and its status code, mass assignment refused, the transitions and their rights
 * (BOLA: a third member gets 404 on every route with an id, the borrower 403 on the owner's
 * actions), If-Match on transitions, lists with role, status and pages, the pickup shown to
 * the borrower once approved, listings with reservations archived, and the Idempotency-Key
 * (same key and body: identical status, body, Location and ETag, one reservation only;
 * another body: 422; bad keys: 400; keys per account). The in-flight branch (409 while the
 * first request is handled) and the takeover of a stale in-flight record are tested at service
 * level only (tests/unit/server/services/test_idempotency.c): over HTTP a request cannot be
 * held in flight deterministically.
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

/* The owner (manager + staff colleague) and a borrower in net1, a third member in net1 too
 * (it sees the listing but not the reservations), a member in net2 only, a pending one. */
typedef struct {
  it_person_t owner, colleague, borrower, third, unrelated, pending;
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
  it_signup (nets1, true, &w->owner);
  it_colleague (&w->owner, "staff", &w->colleague);
  it_signup (nets1, true, &w->borrower);
  it_signup (nets1, true, &w->third);
  it_signup (nets2, true, &w->unrelated);
  it_signup (nets1, false, &w->pending);
}

static void
world_destroy (world_t *w)
{
  it_person_destroy (&w->owner);
  it_person_destroy (&w->colleague);
  it_person_destroy (&w->borrower);
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
assert_reservation_schema (const mt_http_response_t *resp)
{
  mt_error_t error;

  assert_true (resp->has_json);
  if (!mt_schema_validate (mt_schema_registry_get (registry, "reservation.json"), &resp->json,
                           &error)) {
    fail_msg ("reservation.json: %s at %s in %s", error.message, error.path, resp->body);
  }
}

/* A published good of @owner: quantity @quantity, no notice, with @extra fields (',' first);
 * its id to @id. */
static void
good (const it_person_t *owner, int quantity, const char *extra, char id[MT_ID_SIZE])
{
  mt_http_response_t resp;
  char text[1536], body[1536];

  snprintf (text, sizeof text,
            "{'kind':'good','title':'Tente de réception 5x8','category':'tentes-barnums',"
            "'status':'published','quantity':%d,'loan_rules':{'min_notice_hours':0,"
            "'max_days':7,'horizon_days':60},'pickup':{'address':'5 place du Marché, Lille',"
            "'instructions':'Demander Sacha'}%s}",
            quantity, extra ? extra : "");
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

/* The body of a request; @extra: more members (',' first) or NULL. */
static void
request_json (const char *listing, int64_t start, int64_t end, int units, const char *extra,
              char *out, size_t size)
{
  char s[MT_TIME_RFC3339_MAX], e[MT_TIME_RFC3339_MAX];

  snprintf (out, size, "{\"listing_id\":\"%s\",\"start\":\"%s\",\"end\":\"%s\",\"units\":%d%s}",
            listing, at (start, s), at (end, e), units, extra ? extra : "");
}

/* POST /v1/reservations as @token; must answer @status; the id to @id when 201. */
static void
reserve (const char *token, const char *listing, int64_t start, int64_t end, int units, int status,
         const char *slug, char id[MT_ID_SIZE])
{
  mt_http_response_t resp;
  char body[512];

  request_json (listing, start, end, units, NULL, body, sizeof body);
  it_call (token, "POST", "/v1/reservations", NULL, body, &resp);
  it_assert_status (&resp, status, "POST", "/v1/reservations");
  if (slug) {
    char type[96];
    snprintf (type, sizeof type, "urn:mutua:problem:%s", slug);
    if (!mt_http_json_string (&resp, "type") ||
        strcmp (mt_http_json_string (&resp, "type"), type)) {
      fail_msg ("POST /v1/reservations: %s, expected %s", resp.body, type);
    }
  }
  if (status == 201) {
    char location[96];
    char local[MT_ID_SIZE];
    if (!id) {
      id = local;
    }
    assert_reservation_schema (&resp);
    snprintf (id, MT_ID_SIZE, "%s", mt_http_json_string (&resp, "id"));
    snprintf (location, sizeof location, "/v1/reservations/%s", id);
    assert_string_equal (mt_http_header (&resp, "Location"), location);
    assert_string_equal (mt_http_header (&resp, "ETag"), "W/\"1\"");
  }
  mt_http_response_destroy (&resp);
}

static void
res_path (char *out, size_t size, const char *id, const char *action)
{
  snprintf (out, size, "/v1/reservations/%s%s%s", id, action ? "/" : "", action ? action : "");
}

/* POST /v1/reservations/{id}/@action with @json; must answer @status. */
static void
act (const char *token, const char *id, const char *action, const char *json, int status)
{
  char path[128];

  res_path (path, sizeof path, id, action);
  it_expect (token, "POST", path, json, status);
}

/* The status of reservation @id as @token sees it. */
static void
expect_status (const char *token, const char *id, const char *expected)
{
  mt_http_response_t resp;
  char path[128];

  res_path (path, sizeof path, id, NULL);
  it_call (token, "GET", path, NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", path);
  assert_string_equal (mt_http_json_string (&resp, "status"), expected);
  mt_http_response_destroy (&resp);
}

#define CANCEL "{\"reason\":\"plus besoin\"}"
#define NOTE "{\"condition_note\":\"bon état\"}"

/* ---- Creation ----------------------------------------------------------------------------- */

static void
create_and_read (void **state)
{
  world_t w;
  mt_http_response_t resp;
  char listing[MT_ID_SIZE], id[MT_ID_SIZE], path[128], body[512], s[MT_TIME_RFC3339_MAX];

  (void) state;
  make_world (&w);
  good (&w.owner, 2, NULL, listing);
  request_json (listing, 0, DAY, 2, ",\"message\":\"Pour notre assemblée générale\"", body,
                sizeof body);
  it_call (w.borrower.token, "POST", "/v1/reservations", NULL, body, &resp);
  it_assert_status (&resp, 201, "POST", "/v1/reservations");
  assert_reservation_schema (&resp);
  snprintf (id, sizeof id, "%s", mt_http_json_string (&resp, "id"));
  assert_string_equal (mt_http_json_string (&resp, "status"), "requested");
  assert_string_equal (mt_http_json_string (&resp, "listing_id"), listing);
  assert_string_equal (mt_http_json_string (&resp, "owner_member_id"), w.owner.member_id);
  assert_string_equal (mt_http_json_string (&resp, "borrower_member_id"), w.borrower.member_id);
  assert_string_equal (mt_http_json_string (&resp, "requested_by"), w.borrower.account_id);
  assert_string_equal (mt_http_json_string (&resp, "start"), at (0, s));
  assert_string_equal (mt_http_json_string (&resp, "end"), at (DAY, s));
  assert_string_equal (mt_http_json_string (&resp, "message"), "Pour notre assemblée générale");
  assert_string_equal (mt_http_json_string (&resp, "history.0.to"), "requested");
  assert_string_equal (mt_http_json_string (&resp, "history.0.actor"), w.borrower.account_id);
  assert_int_equal (mt_bson_int (&resp.json, "units", 0), 2);
  assert_null (mt_http_json_string (&resp, "pickup.address"));
  mt_http_response_destroy (&resp);
  res_path (path, sizeof path, id, NULL);
  /* the borrower, every account of the owner, administrators */
  it_call (w.borrower.token, "GET", path, NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", path);
  assert_string_equal (mt_http_header (&resp, "ETag"), "W/\"1\"");
  assert_reservation_schema (&resp);
  mt_http_response_destroy (&resp);
  it_expect (w.colleague.token, "GET", path, NULL, 200);
  it_expect (it_admin, "GET", path, NULL, 200);
  /* nobody else, and unknown ids alike */
  it_expect_problem (w.third.token, "GET", path, NULL, 404, "not-found");
  it_expect_problem (w.unrelated.token, "GET", path, NULL, 404, "not-found");
  it_expect_problem (w.borrower.token, "GET", "/v1/reservations/res_AAAAAAAAAAAAAAAAAAAAAA", NULL,
                     404, "not-found");
  it_expect (NULL, "GET", path, NULL, 401);
  /* a pending member reaches nothing */
  it_expect (w.pending.token, "GET", path, NULL, 403);
  world_destroy (&w);
}

static void
create_rules_and_codes (void **state)
{
  world_t w;
  char listing[MT_ID_SIZE], other[MT_ID_SIZE], closed[MT_ID_SIZE], id[MT_ID_SIZE];
  char extra[256], s[MT_TIME_RFC3339_MAX], e[MT_TIME_RFC3339_MAX], body[512];

  (void) state;
  make_world (&w);
  good (&w.owner, 2, ",'visibility':'networks'", listing);
  /* 404: unknown, or not visible (another network) */
  reserve (w.borrower.token, "lst_AAAAAAAAAAAAAAAAAAAAAA", 0, DAY, 1, 404, "not-found", NULL);
  reserve (w.unrelated.token, listing, 0, DAY, 1, 404, "not-found", NULL);
  /* 422: the owner's own good (any of its accounts) */
  reserve (w.colleague.token, listing, 0, DAY, 1, 422, "unprocessable", NULL);
  /* 422: start >= end, longer than max_days (7), beyond the horizon (60 days), in the past
   * (notice 0), more units than the quantity */
  reserve (w.borrower.token, listing, DAY, DAY, 1, 422, "unprocessable", NULL);
  reserve (w.borrower.token, listing, 0, 7 * DAY + 1000, 1, 422, "unprocessable", NULL);
  reserve (w.borrower.token, listing, 0, 7 * DAY, 1, 201, NULL, id);
  act (w.borrower.token, id, "cancel", CANCEL, 200);
  reserve (w.borrower.token, listing, 58 * DAY, 59 * DAY, 1, 422, "unprocessable", NULL);
  reserve (w.borrower.token, listing, -4 * DAY, -3 * DAY + HOUR, 1, 422, "unprocessable", NULL);
  reserve (w.borrower.token, listing, 0, DAY, 3, 422, "unprocessable", NULL);
  /* 409: the units are taken (2 + 1 > 2), back-to-back is fine */
  reserve (w.borrower.token, listing, 0, DAY, 2, 201, NULL, id);
  reserve (w.third.token, listing, DAY - 1000, 2 * DAY, 1, 409, "conflict", NULL);
  reserve (w.third.token, listing, DAY, 2 * DAY, 2, 201, NULL, NULL);
  /* 409: a blackout */
  snprintf (extra, sizeof extra, ",'blackouts':[{'start':'%s','end':'%s'}]", at (10 * DAY, s),
            at (12 * DAY, e));
  good (&w.owner, 1, extra, closed);
  reserve (w.borrower.token, closed, 11 * DAY, 13 * DAY, 1, 409, "conflict", NULL);
  reserve (w.borrower.token, closed, 12 * DAY, 13 * DAY, 1, 201, NULL, NULL);
  /* services are not reserved here */
  {
    mt_http_response_t resp;
    char b[512];
    it_call (w.owner.token, "POST", "/v1/listings", NULL,
             q ("{'kind':'service','title':'Animation de réunion','category':"
                "'animation-facilitation','status':'published'}",
                b, sizeof b),
             &resp);
    it_assert_status (&resp, 201, "POST", "/v1/listings");
    snprintf (other, sizeof other, "%s", mt_http_json_string (&resp, "id"));
    mt_http_response_destroy (&resp);
  }
  reserve (w.borrower.token, other, 0, DAY, 1, 422, "unprocessable", NULL);
  /* 401, 403 (pending member), 400 (malformed, bad dates, unknown listing id shape), 415 */
  request_json (listing, 20 * DAY, 21 * DAY, 1, NULL, body, sizeof body);
  it_expect (NULL, "POST", "/v1/reservations", body, 401);
  it_expect (w.pending.token, "POST", "/v1/reservations", body, 403);
  it_expect_problem (w.borrower.token, "POST", "/v1/reservations", "{\"listing_id\":", 400,
                     "bad-request");
  snprintf (body, sizeof body,
            "{\"listing_id\":\"%s\",\"start\":\"demain\",\"end\":\"2026-07-01T00:00:00Z\"}",
            listing);
  it_expect_problem (w.borrower.token, "POST", "/v1/reservations", body, 400, "validation");
  {
    mt_http_response_t resp;
    const char *headers[] = { "Content-Type: text/plain", NULL };
    request_json (listing, 20 * DAY, 21 * DAY, 1, NULL, body, sizeof body);
    it_call (w.borrower.token, "POST", "/v1/reservations", headers, body, &resp);
    it_assert_status (&resp, 415, "POST", "/v1/reservations");
    mt_http_response_destroy (&resp);
  }
  world_destroy (&w);
}

static void
mass_assignment_refused (void **state)
{
  static const char *const fields[] = {
    ",\"status\":\"approved\"",
    ",\"owner_member_id\":\"mem_AAAAAAAAAAAAAAAAAAAAAA\"",
    ",\"borrower_member_id\":\"mem_AAAAAAAAAAAAAAAAAAAAAA\"",
    ",\"requested_by\":\"acc_AAAAAAAAAAAAAAAAAAAAAA\"",
    ",\"version\":9",
    ",\"history\":[{\"seq\":1,\"to\":\"approved\"}]",
    ",\"id\":\"res_AAAAAAAAAAAAAAAAAAAAAA\"",
    ",\"expires_at\":\"2030-01-01T00:00:00Z\"",
  };
  world_t w;
  char listing[MT_ID_SIZE], body[512];
  mt_http_response_t resp;

  (void) state;
  make_world (&w);
  good (&w.owner, 1, NULL, listing);
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
    request_json (listing, 0, DAY, 1, fields[i], body, sizeof body);
    it_call (w.borrower.token, "POST", "/v1/reservations", NULL, body, &resp);
    it_assert_status (&resp, 400, "POST", "/v1/reservations");
    assert_string_equal (mt_http_json_string (&resp, "type"), "urn:mutua:problem:validation");
    mt_http_response_destroy (&resp);
  }
  /* nothing was stored */
  it_call (w.borrower.token, "GET", "/v1/reservations", NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", "/v1/reservations");
  assert_null (mt_http_json_string (&resp, "items.0.id"));
  mt_http_response_destroy (&resp);
  /* transitions too: a body cannot set the status or anything else */
  {
    char id[MT_ID_SIZE];
    reserve (w.borrower.token, listing, 0, DAY, 1, 201, NULL, id);
    act (w.owner.token, id, "approve", "{\"status\":\"checked_out\"}", 400);
    act (w.borrower.token, id, "cancel", "{\"reason\":\"non\",\"cancelled_by\":\"system\"}", 400);
    expect_status (w.borrower.token, id, "requested");
  }
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
  good (&w.owner, 3, NULL, listing);
  reserve (w.borrower.token, listing, 0, DAY, 1, 201, NULL, id);
  /* approve and decline need a JSON object, {} at least */
  res_path (path, sizeof path, id, "approve");
  it_expect (w.owner.token, "POST", path, NULL, 415);
  act (w.owner.token, id, "checkout", NOTE, 409); /* not approved yet */
  act (w.owner.token, id, "return", NOTE, 409);
  it_call (w.colleague.token, "POST", path, NULL, "{\"note\":\"Bonne fête !\"}", &resp);
  it_assert_status (&resp, 200, "POST", path);
  assert_string_equal (mt_http_json_string (&resp, "status"), "approved");
  assert_string_equal (mt_http_json_string (&resp, "approval_note"), "Bonne fête !");
  assert_string_equal (mt_http_header (&resp, "ETag"), "W/\"2\"");
  assert_reservation_schema (&resp);
  mt_http_response_destroy (&resp);
  act (w.owner.token, id, "approve", "{}", 409);
  act (w.owner.token, id, "decline", "{}", 409);
  act (w.owner.token, id, "return", NOTE, 409);
  /* checkout needs a condition note */
  act (w.owner.token, id, "checkout", "{}", 400);
  act (w.owner.token, id, "checkout", NOTE, 200);
  act (w.borrower.token, id, "cancel", CANCEL, 409); /* checked out: no more cancelling */
  res_path (path, sizeof path, id, "return");
  act (w.owner.token, id, "return",
       "{\"condition_note\":\"bâche déchirée\",\"incident\":{\"type\":\"lessons\",\"text\":\"x\"}}",
       400);
  it_call (w.owner.token, "POST", path, NULL,
           "{\"condition_note\":\"bâche déchirée\",\"incident\":{\"type\":\"damage\","
           "\"text\":\"Déchirure de 20 cm\"}}",
           &resp);
  it_assert_status (&resp, 200, "POST", path);
  assert_string_equal (mt_http_json_string (&resp, "status"), "returned");
  assert_true (mt_bson_bool (&resp.json, "review_required", false));
  assert_string_equal (mt_http_json_string (&resp, "return.incident.type"), "damage");
  assert_string_equal (mt_http_json_string (&resp, "history.3.to"), "returned");
  assert_string_equal (mt_http_json_string (&resp, "history.3.actor"), w.owner.account_id);
  assert_string_equal (mt_http_header (&resp, "ETag"), "W/\"4\"");
  assert_reservation_schema (&resp);
  mt_http_response_destroy (&resp);
  act (w.owner.token, id, "return", NOTE, 409);
  /* decline; cancel needs a reason; cancel by the owner */
  reserve (w.borrower.token, listing, 0, DAY, 1, 201, NULL, id);
  act (w.owner.token, id, "decline", "{\"reason\":\"déjà prêtée ce jour-là\"}", 200);
  act (w.borrower.token, id, "cancel", CANCEL, 409);
  reserve (w.borrower.token, listing, 0, DAY, 1, 201, NULL, id);
  act (w.borrower.token, id, "cancel", "{}", 400);
  act (w.borrower.token, id, "cancel", "{\"reason\":\"\"}", 400);
  act (w.owner.token, id, "approve", "{}", 200);
  act (w.colleague.token, id, "cancel", "{\"reason\":\"tente abîmée\"}", 200);
  expect_status (w.borrower.token, id, "cancelled");
  act (w.owner.token, id, "checkout", NOTE, 409);
  /* If-Match: the change is made on the version seen, else 409 stale */
  reserve (w.borrower.token, listing, 0, DAY, 1, 201, NULL, id);
  res_path (path, sizeof path, id, "approve");
  {
    const char *stale[] = { "If-Match: W/\"2\"", NULL };
    const char *fresh[] = { "If-Match: W/\"1\"", NULL };
    it_call (w.owner.token, "POST", path, stale, "{}", &resp);
    it_assert_status (&resp, 409, "POST", path);
    assert_string_equal (mt_http_json_string (&resp, "type"), "urn:mutua:problem:stale");
    mt_http_response_destroy (&resp);
    it_call (w.owner.token, "POST", path, fresh, "{}", &resp);
    it_assert_status (&resp, 200, "POST", path);
    mt_http_response_destroy (&resp);
    res_path (path, sizeof path, id, "cancel");
    it_call (w.borrower.token, "POST", path, fresh, CANCEL, &resp);
    it_assert_status (&resp, 409, "POST", path);
    assert_string_equal (mt_http_json_string (&resp, "type"), "urn:mutua:problem:stale");
    mt_http_response_destroy (&resp);
  }
  expect_status (w.borrower.token, id, "approved");
  world_destroy (&w);
}

static void
bola_on_every_route_with_an_id (void **state)
{
  static const struct {
    const char *action;
    const char *json;
  } actions[] = {
    { "approve", "{}" },  { "decline", "{}" }, { "cancel", CANCEL },
    { "checkout", NOTE }, { "return", NOTE },
  };
  world_t w;
  char listing[MT_ID_SIZE], id[MT_ID_SIZE], path[128];

  (void) state;
  make_world (&w);
  good (&w.owner, 1, NULL, listing);
  reserve (w.borrower.token, listing, 0, DAY, 1, 201, NULL, id);
  /* a third member (who sees the listing) and a member of another network: 404 everywhere,
   * whatever the state would allow, exactly as for an unknown id */
  res_path (path, sizeof path, id, NULL);
  it_expect_problem (w.third.token, "GET", path, NULL, 404, "not-found");
  for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
    res_path (path, sizeof path, id, actions[i].action);
    it_expect_problem (w.third.token, "POST", path, actions[i].json, 404, "not-found");
    it_expect_problem (w.unrelated.token, "POST", path, actions[i].json, 404, "not-found");
    res_path (path, sizeof path, "res_AAAAAAAAAAAAAAAAAAAAAA", actions[i].action);
    it_expect_problem (w.third.token, "POST", path, actions[i].json, 404, "not-found");
  }
  /* the borrower sees it and may not act as the owner: 403 */
  for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
    if (strcmp (actions[i].action, "cancel") == 0) {
      continue;
    }
    res_path (path, sizeof path, id, actions[i].action);
    it_expect_problem (w.borrower.token, "POST", path, actions[i].json, 403, "forbidden");
  }
  expect_status (w.owner.token, id, "requested");
  /* and after approval, checkout and return stay the owner's */
  act (w.owner.token, id, "approve", "{}", 200);
  res_path (path, sizeof path, id, "checkout");
  it_expect_problem (w.borrower.token, "POST", path, NOTE, 403, "forbidden");
  act (w.owner.token, id, "checkout", NOTE, 200);
  res_path (path, sizeof path, id, "return");
  it_expect_problem (w.borrower.token, "POST", path, NOTE, 403, "forbidden");
  it_expect_problem (w.third.token, "POST", path, NOTE, 404, "not-found");
  expect_status (w.owner.token, id, "checked_out");
  /* administrators act as the owner */
  act (it_admin, id, "return", NOTE, 200);
  world_destroy (&w);
}

/* ---- Lists, pickup, listings ---------------------------------------------------------------- */

static int
count_items (const mt_http_response_t *resp)
{
  bson_iter_t it, child;
  int n = 0;

  if (bson_iter_init_find (&it, &resp->json, "items") && bson_iter_recurse (&it, &child)) {
    while (bson_iter_next (&child)) {
      n++;
    }
  }
  return n;
}

/* Every item of a list is a valid reservation.json. */
static void
assert_items_schema (const mt_http_response_t *resp)
{
  bson_iter_t it, child;
  mt_error_t error;

  assert_true (bson_iter_init_find (&it, &resp->json, "items") && bson_iter_recurse (&it, &child));
  while (bson_iter_next (&child)) {
    bson_t item;
    const uint8_t *data;
    uint32_t len;
    assert_true (BSON_ITER_HOLDS_DOCUMENT (&child));
    bson_iter_document (&child, &len, &data);
    assert_true (bson_init_static (&item, data, len));
    if (!mt_schema_validate (mt_schema_registry_get (registry, "reservation.json"), &item,
                             &error)) {
      fail_msg ("reservation.json: %s at %s in %s", error.message, error.path, resp->body);
    }
  }
}

static int
list (const char *token, const char *query, int status)
{
  mt_http_response_t resp;
  char path[256];
  int n;

  snprintf (path, sizeof path, "/v1/reservations%s", query);
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
  good (&w.owner, 10, NULL, listing);
  reserve (w.borrower.token, listing, 0, DAY, 1, 201, NULL, id);
  act (w.owner.token, id, "approve", "{}", 200);
  reserve (w.borrower.token, listing, 0, DAY, 1, 201, NULL, id);
  reserve (w.third.token, listing, 0, DAY, 1, 201, NULL, id);
  act (w.third.token, id, "cancel", CANCEL, 200);
  assert_int_equal (list (w.borrower.token, "", 200), 2);
  assert_int_equal (list (w.borrower.token, "?role=borrower&status=approved", 200), 1);
  assert_int_equal (list (w.borrower.token, "?status=requested,approved", 200), 2);
  assert_int_equal (list (w.borrower.token, "?role=lender", 200), 0);
  assert_int_equal (list (w.colleague.token, "?role=lender", 200), 3);
  assert_int_equal (list (w.owner.token, "?role=lender&status=cancelled", 200), 1);
  assert_int_equal (list (w.unrelated.token, "?role=lender", 200), 0);
  list (w.owner.token, "?role=owner", 400);
  list (w.owner.token, "?status=lost", 400);
  list (w.owner.token, "?limit=0", 400);
  list (w.owner.token, "?cursor=nope", 400);
  list (NULL, "", 401);
  /* pages: Link rel=next keeps role */
  it_call (w.owner.token, "GET", "/v1/reservations?role=lender&limit=2", NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", "/v1/reservations");
  assert_int_equal (count_items (&resp), 2);
  assert_items_schema (&resp);
  link = mt_http_header (&resp, "Link");
  assert_non_null (link);
  assert_non_null (strstr (link, "role=lender"));
  assert_true (link[0] == '<' && strchr (link, '>'));
  snprintf (path, sizeof path, "%.*s", (int) (strchr (link, '>') - link - 1), link + 1);
  mt_http_response_destroy (&resp);
  it_call (w.owner.token, "GET", path, NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", path);
  assert_int_equal (count_items (&resp), 1);
  assert_null (mt_http_header (&resp, "Link"));
  assert_null (mt_http_json_string (&resp, "next_cursor"));
  mt_http_response_destroy (&resp);
  world_destroy (&w);
}

static bool
has_pickup (const char *token, const char *path)
{
  mt_http_response_t resp;
  bool has;

  it_call (token, "GET", path, NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", path);
  has = mt_http_json_string (&resp, "pickup.address") != NULL;
  if (has) {
    assert_string_equal (mt_http_json_string (&resp, "pickup.address"), "5 place du Marché, Lille");
  }
  mt_http_response_destroy (&resp);
  return has;
}

static void
pickup_after_approval_only (void **state)
{
  world_t w;
  char listing[MT_ID_SIZE], id[MT_ID_SIZE], rpath[128], lpath[128];

  (void) state;
  make_world (&w);
  good (&w.owner, 2, NULL, listing);
  snprintf (lpath, sizeof lpath, "/v1/listings/%s", listing);
  reserve (w.borrower.token, listing, 0, DAY, 1, 201, NULL, id);
  res_path (rpath, sizeof rpath, id, NULL);
  assert_false (has_pickup (w.borrower.token, rpath));
  assert_false (has_pickup (w.borrower.token, lpath));
  assert_true (has_pickup (w.owner.token, rpath));
  assert_true (has_pickup (it_admin, rpath));
  act (w.owner.token, id, "approve", "{}", 200);
  assert_true (has_pickup (w.borrower.token, rpath));
  assert_true (has_pickup (w.borrower.token, lpath));
  assert_false (has_pickup (w.third.token, lpath));
  act (w.owner.token, id, "checkout", NOTE, 200);
  assert_true (has_pickup (w.borrower.token, rpath));
  act (w.owner.token, id, "return", NOTE, 200);
  assert_false (has_pickup (w.borrower.token, rpath));
  assert_false (has_pickup (w.borrower.token, lpath));
  world_destroy (&w);
}

static void
listing_with_reservations_is_archived (void **state)
{
  world_t w;
  mt_http_response_t resp;
  char listing[MT_ID_SIZE], id[MT_ID_SIZE], lpath[128];

  (void) state;
  make_world (&w);
  good (&w.owner, 1, NULL, listing);
  reserve (w.borrower.token, listing, 0, DAY, 1, 201, NULL, id);
  act (w.borrower.token, id, "cancel", CANCEL, 200);
  snprintf (lpath, sizeof lpath, "/v1/listings/%s", listing);
  it_call (w.owner.token, "DELETE", lpath, NULL, NULL, &resp);
  it_assert_status (&resp, 200, "DELETE", lpath);
  assert_string_equal (mt_http_json_string (&resp, "status"), "archived");
  mt_http_response_destroy (&resp);
  expect_status (w.borrower.token, id, "cancelled");
  /* an archived good is not reservable */
  reserve (w.borrower.token, listing, 0, DAY, 1, 404, "not-found", NULL);
  world_destroy (&w);
}

/* ---- Idempotency-Key -------------------------------------------------------------------- */

/* POST /v1/reservations with Idempotency-Key @key; the caller destroys @resp. */
static void
post_with_key (const char *token, const char *key, const char *body, mt_http_response_t *resp)
{
  char header[256];
  const char *headers[] = { header, NULL };

  snprintf (header, sizeof header, "Idempotency-Key: %s", key);
  it_call (token, "POST", "/v1/reservations", headers, body, resp);
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
  /* each answer has its own request id */
  assert_string_not_equal (mt_http_header (a, "X-Request-Id"), mt_http_header (b, "X-Request-Id"));
}

static void
idempotency_key_over_http (void **state)
{
  world_t w;
  mt_http_response_t first, again, other;
  char listing[MT_ID_SIZE], body[512], body2[512], key[200];
  char spaced[600];

  (void) state;
  make_world (&w);
  good (&w.owner, 1, NULL, listing);
  request_json (listing, 0, DAY, 1, NULL, body, sizeof body);
  post_with_key (w.borrower.token, "cle-0001", body, &first);
  it_assert_status (&first, 201, "POST", "/v1/reservations");
  assert_non_null (mt_http_header (&first, "Location"));
  /* the same key and body: the same answer, byte for byte; one reservation only */
  post_with_key (w.borrower.token, "cle-0001", body, &again);
  assert_same_answer (&first, &again);
  mt_http_response_destroy (&again);
  /* the same body written with other white space is the same request */
  snprintf (spaced, sizeof spaced, "  %s\n", body);
  post_with_key (w.borrower.token, "cle-0001", spaced, &again);
  assert_same_answer (&first, &again);
  mt_http_response_destroy (&again);
  assert_int_equal (list (w.borrower.token, "", 200), 1);
  /* another body with the key: 422 */
  request_json (listing, 2 * DAY, 3 * DAY, 1, NULL, body2, sizeof body2);
  post_with_key (w.borrower.token, "cle-0001", body2, &other);
  it_assert_status (&other, 422, "POST", "/v1/reservations");
  assert_string_equal (mt_http_json_string (&other, "type"), "urn:mutua:problem:unprocessable");
  mt_http_response_destroy (&other);
  /* a colleague of another member using the same key: its own record (here a 409 conflict,
   * the unit is taken), which is itself replayed identically, problem document included */
  post_with_key (w.third.token, "cle-0001", body, &other);
  it_assert_status (&other, 409, "POST", "/v1/reservations");
  post_with_key (w.third.token, "cle-0001", body, &again);
  assert_same_answer (&other, &again);
  assert_string_equal (mt_http_json_string (&again, "request_id"),
                       mt_http_json_string (&other, "request_id"));
  mt_http_response_destroy (&again);
  mt_http_response_destroy (&other);
  /* even after the first reservation is cancelled, the key replays its first answer */
  {
    char id[MT_ID_SIZE];
    snprintf (id, sizeof id, "%s", mt_http_json_string (&first, "id"));
    act (w.borrower.token, id, "cancel", CANCEL, 200);
    post_with_key (w.borrower.token, "cle-0001", body, &again);
    assert_same_answer (&first, &again);
    mt_http_response_destroy (&again);
  }
  assert_int_equal (list (w.borrower.token, "", 200), 1);
  mt_http_response_destroy (&first);
  /* bad keys: 400, nothing stored */
  memset (key, 'k', sizeof key);
  key[129] = '\0';
  post_with_key (w.borrower.token, key, body2, &other);
  it_assert_status (&other, 400, "POST", "/v1/reservations");
  assert_string_equal (mt_http_json_string (&other, "errors.0.path"), "Idempotency-Key");
  mt_http_response_destroy (&other);
  key[128] = '\0';
  post_with_key (w.borrower.token, key, body2, &other);
  it_assert_status (&other, 201, "POST", "/v1/reservations");
  mt_http_response_destroy (&other);
  post_with_key (w.borrower.token, "caf\xc3\xa9", body2, &other);
  it_assert_status (&other, 400, "POST", "/v1/reservations");
  mt_http_response_destroy (&other);
  /* without a key, the same body twice is two requests */
  request_json (listing, 20 * DAY, 21 * DAY, 1, NULL, body, sizeof body);
  it_expect (w.borrower.token, "POST", "/v1/reservations", body, 201);
  it_expect (w.borrower.token, "POST", "/v1/reservations", body, 409);
  world_destroy (&w);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("reservations/create/and_read", create_and_read),
    MT_TEST ("reservations/create/rules_and_codes", create_rules_and_codes),
    MT_TEST ("reservations/create/mass_assignment", mass_assignment_refused),
    MT_TEST ("reservations/transitions/lifecycle_and_illegal", lifecycle_and_illegal_transitions),
    MT_TEST ("reservations/transitions/bola", bola_on_every_route_with_an_id),
    MT_TEST ("reservations/list/role_status_pages", lists_by_role_status_and_pages),
    MT_TEST ("reservations/pickup/after_approval_only", pickup_after_approval_only),
    MT_TEST ("reservations/listing/archived", listing_with_reservations_is_archived),
    MT_TEST ("reservations/idempotency/over_http", idempotency_key_over_http),
  };

  return cmocka_run_group_tests (tests, setup, teardown);
}
