/*
 * Unit tests of server/services/bookings.c against a real SQLite store: the schemas of the
 * bodies and of the document, every creation rule at its boundary (visibility, kind, status,
 * own service, start in the future, the credits estimate against the floor), every transition
 * from every status (legal and illegal), rights (404 / 403, administrators), history and audit
 * ids, If-Match and lost races, hours and amounts, the payment at confirmation (transfer first
 * under "booking:<id>", found again after a crash, refused by the floor: stays completed,
 * marked, in the review queue, confirmed once credits arrive), the automatic confirmation by
 * the timers at its boundary (mt_booking_sweep_page and the sweeps' pass), credits disabled,
 * lists. Every context carries an explicit instant: nothing reads the clock.
 */
#include "members_fixture.h"

#include "audit.h"
#include "bookings.h"
#include "config.h"
#include "credits.h"
#include "listings.h"
#include "loans_admin.h"
#include "mt_embed.h"
#include "mt_json.h"
#include "mt_schema.h"
#include "mt_time.h"
#include "sweeps.h"

#include <math.h>

extern const mt_embed_file_t mutua_schema_files[];

static mt_schema_registry_t *registry;

#define HOUR INT64_C (3600000)
#define DAY INT64_C (86400000)

static int
group_setup (void **state)
{
  mt_error_t error;

  (void) state;
  registry = mt_schema_registry_new (MT_SCHEMA_ASSERT_FORMAT);
  if (!registry || !mt_schema_registry_add_embedded (registry, mutua_schema_files, &error)) {
    fprintf (stderr, "schemas: %s\n", registry ? error.message : "no memory");
    return -1;
  }
  return 0;
}

static int
group_teardown (void **state)
{
  (void) state;
  mt_schema_registry_destroy (registry);
  return 0;
}

/* ---- Helpers ------------------------------------------------------------------------------ */

static void
jdoc (const char *text, bson_t *out)
{
  char buf[4096];
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

/* @doc, written as JSON and read back, is valid for @schema. */
static void
assert_valid_as_json (const char *schema, const bson_t *doc)
{
  char *json = mt_json_from_bson (doc, NULL);
  bson_t parsed;
  mt_error_t error;

  assert_non_null (json);
  if (!mt_json_parse_object (json, strlen (json), MT_JSON_STRICT, &parsed, &error)) {
    fail_msg ("reparse: %s", error.message);
  }
  if (!mt_schema_validate (mt_schema_registry_get (registry, schema), &parsed, &error)) {
    fail_msg ("%s: %s at %s in %s", schema, error.message, error.path, json);
  }
  bson_destroy (&parsed);
  free (json);
}

/* @text is valid for @schema when @valid, else invalid. */
static void
check_body (const char *schema, const char *text, bool valid)
{
  bson_t doc;
  mt_error_t error;
  const mt_schema_t *s = mt_schema_registry_get (registry, schema);

  assert_non_null (s);
  jdoc (text, &doc);
  if (mt_schema_validate (s, &doc, &error) != valid) {
    fail_msg ("%s %s %s", schema, valid ? "refuses" : "accepts", text);
  }
  bson_destroy (&doc);
}

static char net1[MT_ID_SIZE];
static char net2[MT_ID_SIZE];
static mt_config_t config;
static mt_service_env_t env;

typedef struct {
  char a[MT_ID_SIZE], a_manager[MT_ID_SIZE], a_staff[MT_ID_SIZE]; /* the provider, net1 */
  char b[MT_ID_SIZE], b_manager[MT_ID_SIZE], b_staff[MT_ID_SIZE]; /* a requester, net1 + net2 */
  char c[MT_ID_SIZE], c_manager[MT_ID_SIZE];                      /* net2 only: a stranger */
  char d[MT_ID_SIZE], d_manager[MT_ID_SIZE];                      /* a third member of net1 */
  char p[MT_ID_SIZE], p_manager[MT_ID_SIZE];                      /* pending, net1 */
  char adm[MT_ID_SIZE], admin[MT_ID_SIZE];                        /* platform administrator */
  fx_caller_t provider, provider_staff, requester, requester_staff, stranger, third, pending,
    administrator;
} world_t;

static void
caller (fx_t *fx, const char *account, fx_caller_t *c)
{
  fx_caller (fx, account, c);
  c->ctx.env = &env;
}

static void
make_world (fx_t *fx, world_t *w)
{
  const char *const n1[] = { net1, NULL };
  const char *const n2[] = { net2, NULL };
  const char *const n12[] = { net1, net2, NULL };

  mt_config_defaults (&config);
  config.bookings_per_hour = 0; /* many creations per member and hour (quotas: test_quota.c) */
  memset (&env, 0, sizeof env);
  env.config = &config;
  fx_network (fx, "apes", net1);
  fx_network (fx, "mres", net2);
  fx_member (fx, "active", NULL, n1, w->a, w->a_manager);
  fx_account (fx, w->a, "staff", "active", NULL, w->a_staff);
  fx_member (fx, "active", NULL, n12, w->b, w->b_manager);
  fx_account (fx, w->b, "staff", "active", NULL, w->b_staff);
  fx_member (fx, "active", NULL, n2, w->c, w->c_manager);
  fx_member (fx, "active", NULL, n1, w->d, w->d_manager);
  fx_member (fx, "pending", NULL, n1, w->p, w->p_manager);
  fx_member (fx, "active", "platform", NULL, w->adm, w->admin);
  caller (fx, w->a_manager, &w->provider);
  caller (fx, w->a_staff, &w->provider_staff);
  caller (fx, w->b_manager, &w->requester);
  caller (fx, w->b_staff, &w->requester_staff);
  caller (fx, w->c_manager, &w->stranger);
  caller (fx, w->d_manager, &w->third);
  caller (fx, w->p_manager, &w->pending);
  caller (fx, w->admin, &w->administrator);
}

static void
world_destroy (world_t *w)
{
  fx_caller_destroy (&w->provider);
  fx_caller_destroy (&w->provider_staff);
  fx_caller_destroy (&w->requester);
  fx_caller_destroy (&w->requester_staff);
  fx_caller_destroy (&w->stranger);
  fx_caller_destroy (&w->third);
  fx_caller_destroy (&w->pending);
  fx_caller_destroy (&w->administrator);
}

/* A listing of @c's member: a published service (unless @extra says otherwise), networks,
 * with @extra fields (JSON, ',' first). */
static void
listing (fx_caller_t *c, const char *extra, char id[MT_ID_SIZE])
{
  char text[2048];
  bson_t body;
  bson_t out;

  snprintf (text, sizeof text,
            "{'kind':'service','title':'Animation d\\u2019assemblée générale',"
            "'category':'animation-facilitation'%s%s}",
            extra && strstr (extra, "'status'") ? "" : ",'status':'published'", extra ? extra : "");
  jdoc (text, &body);
  OK (mt_listing_create (&c->ctx, &body, &out, id, &fx_err));
  bson_destroy (&out);
  bson_destroy (&body);
}

/* The standard service of the provider: 90 minutes at 10 credits an hour. */
static void
service (world_t *w, char id[MT_ID_SIZE])
{
  listing (&w->provider, ",'duration_minutes':90,'credit_rate_per_hour':10", id);
}

/* The body of a booking of @listing_id starting at @start (ms); @extra: ',' first, or NULL. */
static void
booking_body (const char *listing_id, int64_t start, const char *extra, bson_t *out)
{
  char s[MT_TIME_RFC3339_MAX];
  char text[1024];

  mt_time_format_rfc3339 (start, s);
  snprintf (text, sizeof text, "{'listing_id':'%s','start':'%s'%s}", listing_id, s,
            extra ? extra : "");
  jdoc (text, out);
}

/* mt_booking_create as @c at @now; the id to @id (when it succeeds); error in fx_err. */
static bool
book_at (fx_caller_t *c, int64_t now, const char *listing_id, int64_t start, const char *extra,
         char id[MT_ID_SIZE])
{
  mt_ctx_t ctx = c->ctx;
  bson_t body;
  bson_t out;
  char local[MT_ID_SIZE];
  bool ok;

  ctx.now_ms = now;
  booking_body (listing_id, start, extra, &body);
  mt_error_clear (&fx_err);
  ok = mt_booking_create (&ctx, &body, &out, id ? id : local, &fx_err);
  if (ok) {
    assert_valid_as_json ("booking.json", &out);
    assert_int_equal (mt_bson_int (&out, "version", 0), 1);
  }
  bson_destroy (&out);
  bson_destroy (&body);
  return ok;
}

static bool
book (fx_caller_t *c, const char *listing_id, const char *extra, char id[MT_ID_SIZE])
{
  return book_at (c, FX_NOW_MS, listing_id, FX_NOW_MS + DAY, extra, id);
}

/* mt_booking_act as @c at @now with the body @text (NULL: none); error in fx_err. */
static bool
act_at (fx_caller_t *c, int64_t now, const char *id, mt_booking_action_t action, const char *text,
        const char *if_match)
{
  mt_ctx_t ctx = c->ctx;
  bson_t body;
  bson_t out;
  bool ok;

  ctx.now_ms = now;
  if (text) {
    jdoc (text, &body);
  }
  mt_error_clear (&fx_err);
  ok = mt_booking_act (&ctx, id, action, text ? &body : NULL, if_match, &out, &fx_err);
  if (ok) {
    assert_valid_as_json ("booking.json", &out);
  } else {
    assert_true (bson_empty (&out));
  }
  bson_destroy (&out);
  if (text) {
    bson_destroy (&body);
  }
  return ok;
}

static bool
act (fx_caller_t *c, const char *id, mt_booking_action_t action, const char *text)
{
  return act_at (c, FX_NOW_MS, id, action, text, NULL);
}

static void
stored (fx_t *fx, const char *id, bson_t *out)
{
  mt_error_t error;

  if (!fx->store->ops->booking_get (fx->store, id, out, &error)) {
    fail_msg ("booking_get %s: %s", id, error.message);
  }
}

static const char *
status_of (fx_t *fx, const char *id, char buf[32])
{
  bson_t doc;

  stored (fx, id, &doc);
  snprintf (buf, 32, "%s", mt_bson_str (&doc, "status"));
  bson_destroy (&doc);
  return buf;
}

/* The audit entries of @entity_id into @out (array-shaped, newest first). */
static uint32_t
audit_of (fx_t *fx, const char *entity_id, bson_t *out)
{
  mt_store_page_t page;
  mt_error_t error;
  uint32_t n;

  mt_store_page_init (&page);
  mt_store_page_destroy (&page);
  if (!fx->store->ops->audit_list (fx->store, entity_id, NULL, 100, &page, &error)) {
    fail_msg ("audit_list: %s", error.message);
  }
  bson_copy_to (&page.items, out);
  n = page.count;
  mt_store_page_destroy (&page);
  return n;
}

/* Notifications of @account about booking @booking of kind @kind ("booking_requested"...). */
static int
notifications_of (fx_t *fx, const char *account, const char *booking, const char *kind)
{
  mt_store_page_t page;
  mt_error_t error;
  bson_iter_t it;
  int n = 0;

  mt_store_page_init (&page);
  mt_store_page_destroy (&page);
  if (!fx->store->ops->notification_list (fx->store, account, NULL, 100, &page, &error)) {
    fail_msg ("notification_list: %s", error.message);
  }
  if (bson_iter_init (&it, &page.items)) {
    while (bson_iter_next (&it)) {
      bson_t note;
      const uint8_t *data;
      uint32_t len;
      bson_iter_document (&it, &len, &data);
      assert_true (bson_init_static (&note, data, len));
      if (mt_bson_str_eq (&note, "entity_id", booking) && mt_bson_str_eq (&note, "kind", kind)) {
        n++;
      }
    }
  }
  mt_store_page_destroy (&page);
  return n;
}

/* Credits helpers (credits enabled in the configuration by the test). */
static void
grant (fx_t *fx, const char *member, int64_t amount, const char *tag)
{
  mt_ctx_t ctx = { .env = &env, .store = fx->store, .now_ms = FX_NOW_MS, .client_addr = "" };
  char id[96];

  snprintf (id, sizeof id, "test-grant:%s:%s", tag, member);
  OK (mt_credits_transfer (&ctx, id, MT_CREDITS_SYSTEM, member, amount, "grant", NULL, NULL,
                           &fx_err));
}

static int64_t
balance (fx_t *fx, const char *member)
{
  mt_ctx_t ctx = { .env = &env, .store = fx->store, .now_ms = FX_NOW_MS, .client_addr = "" };
  int64_t b = 0;

  OK (mt_credits_balance (&ctx, member, &b, &fx_err));
  return b;
}

static void
assert_ledger_sum_zero (fx_t *fx, int64_t expected_entries)
{
  int64_t sum = 1, entries = -1;
  mt_error_t error;

  if (!fx->store->ops->ledger_sum (fx->store, &sum, &entries, &error)) {
    fail_msg ("ledger_sum: %s", error.message);
  }
  assert_int_equal (sum, 0);
  assert_int_equal (entries, expected_entries);
}

/* A booking of @listing_id by the requester brought to @status (each step at FX_NOW_MS). */
static void
bring_to (world_t *w, const char *listing_id, const char *status, char id[MT_ID_SIZE])
{
  if (!book (&w->requester, listing_id, NULL, id)) {
    fail_msg ("book: %s", fx_err.message);
  }
  if (strcmp (status, "declined") == 0) {
    OK (act (&w->provider, id, MT_BOOKING_DECLINE, "{}"));
  } else if (strcmp (status, "cancelled") == 0) {
    OK (act (&w->requester, id, MT_BOOKING_CANCEL, "{'reason':'plus besoin'}"));
  } else if (strcmp (status, "requested") != 0) {
    OK (act (&w->provider, id, MT_BOOKING_ACCEPT, "{}"));
    if (strcmp (status, "accepted") != 0) {
      OK (act (&w->provider, id, MT_BOOKING_COMPLETE, "{}"));
      if (strcmp (status, "completed") != 0) {
        OK (act (&w->requester, id, MT_BOOKING_CONFIRM, "{}"));
      }
    }
  }
}

/* ---- Schemas and pure rules -------------------------------------------------------------- */

static void
schemas_of_bodies (void **state)
{
  (void) state;
  check_body ("booking_create.json",
              "{'listing_id':'lst_aaaaaaaaaaaaaaaaaaaaaa',"
              "'start':'2026-06-12T09:00:00Z'}",
              true);
  check_body ("booking_create.json",
              "{'listing_id':'lst_aaaaaaaaaaaaaaaaaaaaaa','start':'2026-06-12T09:00:00Z',"
              "'duration_minutes':90,'message':'Bonjour'}",
              true);
  /* mass assignment: every server-owned field is refused */
  static const char *const owned[] = { "'status':'confirmed'",
                                       "'provider_member_id':'mem_aaaaaaaaaaaaaaaaaaaaaa'",
                                       "'requester_member_id':'mem_aaaaaaaaaaaaaaaaaaaaaa'",
                                       "'requested_by':'acc_aaaaaaaaaaaaaaaaaaaaaa'",
                                       "'rate':0",
                                       "'hours':1",
                                       "'payment':{'amount':1}",
                                       "'version':7",
                                       "'history':[]",
                                       "'id':'bkg_aaaaaaaaaaaaaaaaaaaaaa'",
                                       NULL };
  for (const char *const *f = owned; *f; f++) {
    char text[512];
    snprintf (text, sizeof text,
              "{'listing_id':'lst_aaaaaaaaaaaaaaaaaaaaaa','start':'2026-06-12T09:00:00Z',%s}", *f);
    check_body ("booking_create.json", text, false);
  }
  check_body ("booking_create.json", "{'listing_id':'lst_aaaaaaaaaaaaaaaaaaaaaa'}", false);
  check_body ("booking_create.json",
              "{'listing_id':'lst_aaaaaaaaaaaaaaaaaaaaaa','start':'2026-06-12T09:00:00Z',"
              "'duration_minutes':14}",
              false);
  check_body ("booking_create.json",
              "{'listing_id':'lst_aaaaaaaaaaaaaaaaaaaaaa','start':'2026-06-12T09:00:00Z',"
              "'duration_minutes':10081}",
              false);
  check_body ("booking.json#/$defs/empty", "{}", true);
  check_body ("booking.json#/$defs/empty", "{'note':'ok'}", false);
  check_body ("booking.json#/$defs/empty", "{'status':'confirmed'}", false);
  check_body ("booking_decline.json", "{}", true);
  check_body ("booking_decline.json", "{'reason':'pas dispo'}", true);
  check_body ("booking_decline.json", "{'reason':''}", false);
  check_body ("booking_cancel.json", "{}", false);
  check_body ("booking_cancel.json", "{'reason':'no'}", false);
  check_body ("booking_cancel.json", "{'reason':'plus besoin'}", true);
  check_body ("booking_complete.json", "{}", true);
  check_body ("booking_complete.json", "{'hours':2.5}", true);
  check_body ("booking_complete.json", "{'hours':0.25}", true);
  check_body ("booking_complete.json", "{'hours':168}", true);
  check_body ("booking_complete.json", "{'hours':0}", false);
  check_body ("booking_complete.json", "{'hours':1.1}", false);
  check_body ("booking_complete.json", "{'hours':168.25}", false);
  check_body ("booking_complete.json", "{'hours':1,'amount':3}", false);
}

static void
pure_rules (void **state)
{
  static const char *const all[] = { "requested", "accepted",  "declined",
                                     "cancelled", "completed", "confirmed" };
  int allowed = 0;
  char id[64];

  (void) state;
  for (size_t i = 0; i < 6; i++) {
    assert_true (mt_booking_status_known (all[i]));
    for (size_t j = 0; j < 6; j++) {
      allowed += mt_booking_transition_allowed (all[i], all[j]) ? 1 : 0;
    }
  }
  assert_int_equal (allowed, 6);
  assert_false (mt_booking_status_known ("approved"));
  assert_false (mt_booking_status_known (NULL));
  assert_true (mt_booking_transition_allowed ("requested", "accepted"));
  assert_true (mt_booking_transition_allowed ("requested", "declined"));
  assert_true (mt_booking_transition_allowed ("requested", "cancelled"));
  assert_true (mt_booking_transition_allowed ("accepted", "completed"));
  assert_true (mt_booking_transition_allowed ("accepted", "cancelled"));
  assert_true (mt_booking_transition_allowed ("completed", "confirmed"));
  assert_false (mt_booking_transition_allowed ("completed", "cancelled"));
  assert_false (mt_booking_transition_allowed ("requested", "completed"));
  /* ceil (minutes × rate / 60) */
  assert_int_equal (mt_booking_amount (90, 10), 15);
  assert_int_equal (mt_booking_amount (60, 7), 7);
  assert_int_equal (mt_booking_amount (61, 60), 61);
  assert_int_equal (mt_booking_amount (50, 10), 9); /* 8.33 -> 9 */
  assert_int_equal (mt_booking_amount (15, 1), 1);  /* 0.25 -> 1 */
  assert_int_equal (mt_booking_amount (0, 10), 0);
  assert_int_equal (mt_booking_amount (90, 0), 0);
  assert_int_equal (mt_booking_amount (INT64_MAX / 2, 1000000), INT64_MAX);
  mt_booking_payment_id ("bkg_x", id, sizeof id);
  assert_string_equal (id, "booking:bkg_x");
}

/* ---- Creation ----------------------------------------------------------------------------- */

static void
create_document_history_audit (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char lst[MT_ID_SIZE], id[MT_ID_SIZE];
  bson_t doc, audit;

  make_world (fx, &w);
  service (&w, lst);
  OK (book (&w.requester_staff, lst, ",'message':'Pour notre AG du 20 juin'", id));
  assert_true (mt_id_is_valid (id, "bkg"));
  stored (fx, id, &doc);
  assert_string_equal (mt_bson_str (&doc, "id"), id);
  assert_string_equal (mt_bson_str (&doc, "listing_id"), lst);
  assert_string_equal (mt_bson_str (&doc, "listing_title"), "Animation d\u2019assemblée générale");
  assert_string_equal (mt_bson_str (&doc, "provider_member_id"), w.a);
  assert_string_equal (mt_bson_str (&doc, "requester_member_id"), w.b);
  assert_string_equal (mt_bson_str (&doc, "requested_by"), w.b_staff);
  assert_int_equal (mt_bson_date (&doc, "start", 0), FX_NOW_MS + DAY);
  assert_int_equal (mt_bson_int (&doc, "duration_minutes", 0), 90);
  assert_int_equal (mt_bson_int (&doc, "rate", -1), 10);
  assert_string_equal (mt_bson_str (&doc, "message"), "Pour notre AG du 20 juin");
  assert_string_equal (mt_bson_str (&doc, "status"), "requested");
  assert_int_equal (mt_bson_date (&doc, "created_at", 0), FX_NOW_MS);
  assert_int_equal (mt_bson_date (&doc, "updated_at", 0), FX_NOW_MS);
  assert_int_equal (mt_bson_int (&doc, "history.0.seq", 0), 1);
  assert_string_equal (mt_bson_str (&doc, "history.0.actor"), w.b_staff);
  assert_string_equal (mt_bson_str (&doc, "history.0.to"), "requested");
  assert_true (mt_bson_has (&doc, "history.0.from") && !mt_bson_str (&doc, "history.0.from"));
  assert_false (mt_bson_has (&doc, "history.1"));
  assert_false (mt_bson_has (&doc, "hours") || mt_bson_has (&doc, "payment"));
  assert_valid_as_json ("booking.json", &doc);
  bson_destroy (&doc);
  assert_int_equal (audit_of (fx, id, &audit), 1);
  {
    char entry_id[64];
    snprintf (entry_id, sizeof entry_id, "%s:1", id);
    assert_string_equal (mt_bson_str (&audit, "0.id"), entry_id);
    assert_string_equal (mt_bson_str (&audit, "0.entity"), "booking");
    assert_string_equal (mt_bson_str (&audit, "0.actor"), w.b_staff);
    assert_string_equal (mt_bson_str (&audit, "0.to"), "requested");
  }
  bson_destroy (&audit);
  /* the event: the provider's accounts are told, the requester's are not */
  assert_int_equal (notifications_of (fx, w.a_manager, id, "booking_requested"), 1);
  assert_int_equal (notifications_of (fx, w.a_staff, id, "booking_requested"), 1);
  assert_int_equal (notifications_of (fx, w.b_staff, id, "booking_requested"), 0);
  assert_int_equal (notifications_of (fx, w.b_manager, id, "booking_requested"), 0);
  /* every account of both members and administrators see it; the body's duration wins */
  OK (mt_booking_get (&w.provider_staff.ctx, id, &doc, &fx_err));
  bson_destroy (&doc);
  OK (mt_booking_get (&w.requester.ctx, id, &doc, &fx_err));
  bson_destroy (&doc);
  OK (mt_booking_get (&w.administrator.ctx, id, &doc, &fx_err));
  bson_destroy (&doc);
  OK (book (&w.requester, lst, ",'duration_minutes':45", id));
  stored (fx, id, &doc);
  assert_int_equal (mt_bson_int (&doc, "duration_minutes", 0), 45);
  bson_destroy (&doc);
  /* no duration on the listing: 60; no rate: 0 */
  listing (&w.provider, NULL, lst);
  OK (book (&w.requester, lst, NULL, id));
  stored (fx, id, &doc);
  assert_int_equal (mt_bson_int (&doc, "duration_minutes", 0), 60);
  assert_int_equal (mt_bson_int (&doc, "rate", -1), 0);
  assert_false (mt_bson_has (&doc, "message"));
  bson_destroy (&doc);
  world_destroy (&w);
}

static void
create_rules_at_their_boundaries (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char lst[MT_ID_SIZE], good[MT_ID_SIZE], draft[MT_ID_SIZE], paused[MT_ID_SIZE];
  char id[MT_ID_SIZE];

  make_world (fx, &w);
  service (&w, lst);
  listing (&w.provider, ",'status':'draft'", draft);
  listing (&w.provider, ",'status':'paused'", paused);
  {
    bson_t body, out;
    jdoc ("{'kind':'good','title':'Vélo cargo','category':'velos-cargo','status':'published'}",
          &body);
    OK (mt_listing_create (&w.provider.ctx, &body, &out, good, &fx_err));
    bson_destroy (&body);
    bson_destroy (&out);
  }
  /* 404: unknown, another network only, a draft or paused listing of another member */
  assert_false (book (&w.requester, "lst_aaaaaaaaaaaaaaaaaaaaaa", NULL, id));
  assert_int_equal (fx_err.code, MT_ERR_NOT_FOUND);
  assert_false (book (&w.stranger, lst, NULL, id));
  assert_int_equal (fx_err.code, MT_ERR_NOT_FOUND);
  assert_false (book (&w.requester, draft, NULL, id));
  assert_int_equal (fx_err.code, MT_ERR_NOT_FOUND);
  assert_false (book (&w.requester, paused, NULL, id));
  assert_int_equal (fx_err.code, MT_ERR_NOT_FOUND);
  /* the pending member: 403 (before anything else) */
  assert_false (book (&w.pending, lst, NULL, id));
  assert_int_equal (fx_err.code, MT_ERR_FORBIDDEN);
  /* 422: a good; its own service (even paused: the owner sees it); the start */
  assert_false (book (&w.requester, good, NULL, id));
  assert_int_equal (fx_err.code, MT_ERR_UNPROCESSABLE);
  assert_string_equal (fx_err.path, "/listing_id");
  assert_false (book (&w.provider_staff, lst, NULL, id));
  assert_int_equal (fx_err.code, MT_ERR_UNPROCESSABLE);
  assert_string_equal (fx_err.path, "/listing_id");
  assert_false (book (&w.provider, paused, NULL, id));
  assert_int_equal (fx_err.code, MT_ERR_UNPROCESSABLE);
  assert_string_equal (fx_err.path, "/listing_id");
  assert_false (book_at (&w.requester, FX_NOW_MS, lst, FX_NOW_MS, NULL, id));
  assert_int_equal (fx_err.code, MT_ERR_UNPROCESSABLE);
  assert_string_equal (fx_err.path, "/start");
  assert_false (book_at (&w.requester, FX_NOW_MS, lst, FX_NOW_MS - DAY, NULL, id));
  assert_int_equal (fx_err.code, MT_ERR_UNPROCESSABLE);
  assert_true (book_at (&w.requester, FX_NOW_MS, lst, FX_NOW_MS + 1000, NULL, id));
  /* any other member sharing a network may book */
  assert_true (book (&w.third, lst, NULL, id));
  world_destroy (&w);
}

static void
create_credits_estimate_against_floor (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char lst[MT_ID_SIZE], free_lst[MT_ID_SIZE], id[MT_ID_SIZE];

  make_world (fx, &w);
  config.credits_enabled = true;
  service (&w, lst); /* 90 minutes at 10: 15 credits */
  listing (&w.provider, ",'duration_minutes':90", free_lst);
  grant (fx, w.b, 14, "a");
  assert_false (book (&w.requester, lst, NULL, id));
  assert_int_equal (fx_err.code, MT_ERR_UNPROCESSABLE);
  assert_string_equal (fx_err.path, "/duration_minutes");
  /* a shorter booking fits: 80 minutes -> 13.3 -> 14 */
  assert_true (book (&w.requester, lst, ",'duration_minutes':80", id));
  assert_false (book (&w.requester, lst, ",'duration_minutes':90", id));
  grant (fx, w.b, 1, "b");
  assert_true (book (&w.requester, lst, NULL, id)); /* exactly the estimate */
  /* a service without a rate needs no credits */
  assert_true (book (&w.third, free_lst, NULL, id));
  /* a floor below zero lets the balance go under 0 by that much */
  config.credits_floor = -20;
  assert_true (book (&w.third, lst, NULL, id));
  config.credits_floor = -14;
  assert_false (book (&w.third, lst, NULL, id));
  assert_int_equal (fx_err.code, MT_ERR_UNPROCESSABLE);
  /* nothing was spent by requesting */
  assert_int_equal (balance (fx, w.b), 15);
  /* credits disabled: no check */
  config.credits_enabled = false;
  config.credits_floor = 0;
  assert_true (book (&w.third, lst, NULL, id));
  world_destroy (&w);
}

/* ---- Transitions -------------------------------------------------------------------------- */

static void
transitions_from_every_status (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char lst[MT_ID_SIZE];
  static const char *const statuses[] = { "requested", "accepted",  "declined",
                                          "cancelled", "completed", "confirmed" };
  static const struct {
    mt_booking_action_t action;
    const char *body;
    const char *to;
    bool by_requester;
  } actions[] = {
    { MT_BOOKING_ACCEPT, "{}", "accepted", false },
    { MT_BOOKING_DECLINE, "{'reason':'complet'}", "declined", false },
    { MT_BOOKING_CANCEL, "{'reason':'plus besoin'}", "cancelled", true },
    { MT_BOOKING_COMPLETE, "{'hours':1.5}", "completed", false },
    { MT_BOOKING_CONFIRM, "{}", "confirmed", true },
  };
  int legal = 0;

  make_world (fx, &w);
  service (&w, lst);
  for (size_t s = 0; s < 6; s++) {
    for (size_t a = 0; a < sizeof actions / sizeof actions[0]; a++) {
      char id[MT_ID_SIZE];
      char status[32];
      bool allowed = mt_booking_transition_allowed (statuses[s], actions[a].to);
      bool ok;
      bring_to (&w, lst, statuses[s], id);
      assert_string_equal (status_of (fx, id, status), statuses[s]);
      ok = act (actions[a].by_requester ? &w.requester : &w.provider, id, actions[a].action,
                actions[a].body);
      if (ok != allowed) {
        fail_msg ("%s from %s: %s", actions[a].to, statuses[s], ok ? "allowed" : fx_err.message);
      }
      if (allowed) {
        legal++;
        assert_string_equal (status_of (fx, id, status), actions[a].to);
      } else {
        assert_int_equal (fx_err.code, MT_ERR_CONFLICT);
        assert_string_equal (status_of (fx, id, status), statuses[s]);
      }
    }
  }
  assert_int_equal (legal, 6);
  /* cancel by the provider too, from requested and from accepted */
  {
    char id[MT_ID_SIZE], status[32];
    bring_to (&w, lst, "accepted", id);
    OK (act (&w.provider_staff, id, MT_BOOKING_CANCEL, "{'reason':'formatrice malade'}"));
    assert_string_equal (status_of (fx, id, status), "cancelled");
    bring_to (&w, lst, "requested", id);
    OK (act (&w.provider, id, MT_BOOKING_CANCEL, "{'reason':'indisponibles'}"));
  }
  world_destroy (&w);
}

static void
transition_rights (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char lst[MT_ID_SIZE], id[MT_ID_SIZE], status[32];
  bson_t doc;
  static const mt_booking_action_t all[] = { MT_BOOKING_ACCEPT, MT_BOOKING_DECLINE,
                                             MT_BOOKING_CANCEL, MT_BOOKING_COMPLETE,
                                             MT_BOOKING_CONFIRM };
  static const char *const bodies[] = { "{}", "{}", "{'reason':'plus besoin'}", "{}", "{}" };

  make_world (fx, &w);
  service (&w, lst);
  bring_to (&w, lst, "requested", id);
  /* third member (sees the listing), stranger, pending: 404 on everything, like no booking */
  FAILS (mt_booking_get (&w.third.ctx, id, &doc, &fx_err), MT_ERR_NOT_FOUND);
  bson_destroy (&doc);
  FAILS (mt_booking_get (&w.stranger.ctx, id, &doc, &fx_err), MT_ERR_NOT_FOUND);
  bson_destroy (&doc);
  FAILS (mt_booking_get (&w.requester.ctx, "bkg_aaaaaaaaaaaaaaaaaaaaaa", &doc, &fx_err),
         MT_ERR_NOT_FOUND);
  bson_destroy (&doc);
  for (size_t i = 0; i < 5; i++) {
    assert_false (act (&w.third, id, all[i], bodies[i]));
    assert_int_equal (fx_err.code, MT_ERR_NOT_FOUND);
    assert_false (act (&w.stranger, id, all[i], bodies[i]));
    assert_int_equal (fx_err.code, MT_ERR_NOT_FOUND);
    assert_false (act (&w.pending, id, all[i], bodies[i]));
    assert_int_equal (fx_err.code, MT_ERR_NOT_FOUND);
  }
  /* the requester may not accept, decline, complete: 403 before the status is looked at */
  assert_false (act (&w.requester, id, MT_BOOKING_ACCEPT, "{}"));
  assert_int_equal (fx_err.code, MT_ERR_FORBIDDEN);
  assert_false (act (&w.requester_staff, id, MT_BOOKING_DECLINE, "{}"));
  assert_int_equal (fx_err.code, MT_ERR_FORBIDDEN);
  assert_false (act (&w.requester, id, MT_BOOKING_COMPLETE, "{}"));
  assert_int_equal (fx_err.code, MT_ERR_FORBIDDEN);
  /* the provider may not confirm (its own payment): 403, even from requested */
  assert_false (act (&w.provider, id, MT_BOOKING_CONFIRM, "{}"));
  assert_int_equal (fx_err.code, MT_ERR_FORBIDDEN);
  assert_string_equal (status_of (fx, id, status), "requested");
  /* administrators may do what either party does */
  OK (act (&w.administrator, id, MT_BOOKING_ACCEPT, "{}"));
  OK (act (&w.administrator, id, MT_BOOKING_COMPLETE, "{'hours':2}"));
  assert_false (act (&w.provider_staff, id, MT_BOOKING_CONFIRM, "{}"));
  assert_int_equal (fx_err.code, MT_ERR_FORBIDDEN);
  OK (act (&w.administrator, id, MT_BOOKING_CONFIRM, "{}"));
  stored (fx, id, &doc);
  assert_string_equal (mt_bson_str (&doc, "accepted_by"), w.admin);
  assert_string_equal (mt_bson_str (&doc, "confirmed_by"), w.admin);
  bson_destroy (&doc);
  /* cancel needs a reason (the schema says so; the service checks too) */
  bring_to (&w, lst, "requested", id);
  assert_false (act (&w.requester, id, MT_BOOKING_CANCEL, "{}"));
  assert_int_equal (fx_err.code, MT_ERR_VALIDATION);
  assert_string_equal (fx_err.path, "/reason");
  assert_false (act (&w.requester, id, MT_BOOKING_CANCEL, NULL));
  assert_int_equal (fx_err.code, MT_ERR_VALIDATION);
  /* an anonymous caller: 404 */
  {
    mt_ctx_t anon = w.requester.ctx;
    anon.principal = NULL;
    FAILS (mt_booking_get (&anon, id, &doc, &fx_err), MT_ERR_NOT_FOUND);
    bson_destroy (&doc);
  }
  world_destroy (&w);
}

static void
lifecycle_history_audit_hours (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char lst[MT_ID_SIZE], id[MT_ID_SIZE];
  bson_t doc, audit;
  static const char *const to[] = { "requested", "accepted", "completed", "confirmed" };

  make_world (fx, &w);
  service (&w, lst);
  OK (book (&w.requester, lst, NULL, id));
  OK (act_at (&w.provider_staff, FX_NOW_MS + 1000, id, MT_BOOKING_ACCEPT, "{}", NULL));
  OK (act_at (&w.provider, FX_NOW_MS + 2 * DAY, id, MT_BOOKING_COMPLETE, "{}", "W/\"2\""));
  OK (act_at (&w.requester_staff, FX_NOW_MS + 3 * DAY, id, MT_BOOKING_CONFIRM, "{}", NULL));
  stored (fx, id, &doc);
  assert_int_equal (mt_bson_int (&doc, "version", 0), 4);
  assert_int_equal (mt_bson_date (&doc, "accepted_at", 0), FX_NOW_MS + 1000);
  assert_string_equal (mt_bson_str (&doc, "accepted_by"), w.a_staff);
  assert_int_equal (mt_bson_date (&doc, "completed_at", 0), FX_NOW_MS + 2 * DAY);
  assert_string_equal (mt_bson_str (&doc, "completed_by"), w.a_manager);
  /* the booked duration by default: 90 minutes */
  {
    bson_iter_t it;
    assert_true (bson_iter_init_find (&it, &doc, "hours") && BSON_ITER_HOLDS_DOUBLE (&it));
    assert_true (fabs (bson_iter_double (&it) - 1.5) < 1e-9);
  }
  assert_int_equal (mt_bson_date (&doc, "confirmed_at", 0), FX_NOW_MS + 3 * DAY);
  assert_string_equal (mt_bson_str (&doc, "confirmed_by"), w.b_staff);
  assert_int_equal (mt_bson_date (&doc, "updated_at", 0), FX_NOW_MS + 3 * DAY);
  /* credits disabled: no payment */
  assert_false (mt_bson_has (&doc, "payment"));
  assert_false (mt_bson_has (&doc, "payment_refused"));
  for (int i = 0; i < 4; i++) {
    char key[32];
    snprintf (key, sizeof key, "history.%d.seq", i);
    assert_int_equal (mt_bson_int (&doc, key, 0), i + 1);
    snprintf (key, sizeof key, "history.%d.to", i);
    assert_string_equal (mt_bson_str (&doc, key), to[i]);
    if (i > 0) {
      snprintf (key, sizeof key, "history.%d.from", i);
      assert_string_equal (mt_bson_str (&doc, key), to[i - 1]);
    }
  }
  assert_string_equal (mt_bson_str (&doc, "history.3.actor"), w.b_staff);
  assert_false (mt_bson_has (&doc, "history.4"));
  assert_valid_as_json ("booking.json", &doc);
  bson_destroy (&doc);
  /* one audit entry per history item, newest first */
  assert_int_equal (audit_of (fx, id, &audit), 4);
  for (int i = 0; i < 4; i++) {
    char key[16], entry_id[64];
    snprintf (key, sizeof key, "%d.id", i);
    snprintf (entry_id, sizeof entry_id, "%s:%d", id, 4 - i);
    assert_string_equal (mt_bson_str (&audit, key), entry_id);
    snprintf (key, sizeof key, "%d.to", i);
    assert_string_equal (mt_bson_str (&audit, key), to[3 - i]);
  }
  bson_destroy (&audit);
  /* hours given in the body; a decline's and a cancel's reasons */
  bring_to (&w, lst, "accepted", id);
  OK (act (&w.provider, id, MT_BOOKING_COMPLETE, "{'hours':2.25}"));
  stored (fx, id, &doc);
  {
    bson_iter_t it;
    assert_true (bson_iter_init_find (&it, &doc, "hours"));
    assert_true (fabs (bson_iter_as_double (&it) - 2.25) < 1e-9);
  }
  bson_destroy (&doc);
  bring_to (&w, lst, "requested", id);
  OK (act (&w.provider, id, MT_BOOKING_DECLINE, "{'reason':'complet ce jour-là'}"));
  stored (fx, id, &doc);
  assert_string_equal (mt_bson_str (&doc, "decline_reason"), "complet ce jour-là");
  assert_string_equal (mt_bson_str (&doc, "history.1.reason"), "complet ce jour-là");
  assert_string_equal (mt_bson_str (&doc, "declined_by"), w.a_manager);
  bson_destroy (&doc);
  bring_to (&w, lst, "requested", id);
  OK (act (&w.provider, id, MT_BOOKING_DECLINE, "{}"));
  stored (fx, id, &doc);
  assert_false (mt_bson_has (&doc, "decline_reason"));
  assert_null (mt_bson_str (&doc, "history.1.reason"));
  bson_destroy (&doc);
  assert_int_equal (notifications_of (fx, w.b_manager, id, "booking_declined"), 1);
  bring_to (&w, lst, "accepted", id);
  OK (act (&w.requester, id, MT_BOOKING_CANCEL, "{'reason':'AG reportée'}"));
  assert_int_equal (notifications_of (fx, w.a_manager, id, "booking_cancelled"), 1);
  assert_int_equal (notifications_of (fx, w.b_staff, id, "booking_cancelled"), 0);
  stored (fx, id, &doc);
  assert_string_equal (mt_bson_str (&doc, "cancel_reason"), "AG reportée");
  assert_string_equal (mt_bson_str (&doc, "cancelled_by"), w.b_manager);
  assert_string_equal (mt_bson_str (&doc, "history.2.reason"), "AG reportée");
  bson_destroy (&doc);
  world_destroy (&w);
}

static void
if_match_and_lost_races (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char lst[MT_ID_SIZE], id[MT_ID_SIZE], status[32];
  bson_t doc, audit;

  make_world (fx, &w);
  service (&w, lst);
  bring_to (&w, lst, "requested", id);
  /* a stale If-Match: 409 stale, nothing written */
  assert_false (act_at (&w.provider, FX_NOW_MS, id, MT_BOOKING_ACCEPT, "{}", "W/\"2\""));
  assert_int_equal (fx_err.code, MT_ERR_STALE);
  assert_string_equal (status_of (fx, id, status), "requested");
  /* two changes decided on version 1: the first wins, the second is stale */
  OK (act_at (&w.provider, FX_NOW_MS, id, MT_BOOKING_ACCEPT, "{}", "W/\"1\""));
  assert_false (
    act_at (&w.requester, FX_NOW_MS, id, MT_BOOKING_CANCEL, "{'reason':'trop tard'}", "W/\"1\""));
  assert_int_equal (fx_err.code, MT_ERR_STALE);
  assert_string_equal (status_of (fx, id, status), "accepted");
  /* without If-Match a cancel after the acceptance is legal */
  OK (act (&w.requester, id, MT_BOOKING_CANCEL, "{'reason':'finalement non'}"));
  stored (fx, id, &doc);
  assert_int_equal (mt_bson_int (&doc, "version", 0), 3);
  assert_false (mt_bson_has (&doc, "history.3"));
  bson_destroy (&doc);
  assert_int_equal (audit_of (fx, id, &audit), 3);
  bson_destroy (&audit);
  /* the compare-and-set itself: a write on an old version is refused by the store */
  {
    bson_t old;
    mt_error_t error;
    stored (fx, id, &old);
    assert_false (fx->store->ops->booking_update (fx->store, id, 2, &old, &error));
    assert_int_equal (error.code, MT_ERR_STALE);
    bson_destroy (&old);
  }
  world_destroy (&w);
}

/* ---- Payment ------------------------------------------------------------------------------ */

static void
confirmation_pays_the_provider (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char lst[MT_ID_SIZE], id[MT_ID_SIZE], entry[64];
  bson_t doc;

  make_world (fx, &w);
  config.credits_enabled = true;
  service (&w, lst);
  grant (fx, w.b, 100, "a");
  OK (book (&w.requester, lst, NULL, id));
  OK (act (&w.provider, id, MT_BOOKING_ACCEPT, "{}"));
  OK (act (&w.provider, id, MT_BOOKING_COMPLETE, "{'hours':2.5}")); /* 25 credits */
  assert_int_equal (balance (fx, w.b), 100);                        /* nothing before */
  OK (act_at (&w.requester, FX_NOW_MS + HOUR, id, MT_BOOKING_CONFIRM, "{}", NULL));
  assert_int_equal (balance (fx, w.b), 75);
  assert_int_equal (balance (fx, w.a), 25);
  assert_ledger_sum_zero (fx, 2);
  stored (fx, id, &doc);
  mt_booking_payment_id (id, entry, sizeof entry);
  assert_string_equal (mt_bson_str (&doc, "status"), "confirmed");
  assert_string_equal (mt_bson_str (&doc, "payment.entry_id"), entry);
  assert_int_equal (mt_bson_int (&doc, "payment.amount", 0), 25);
  assert_int_equal (mt_bson_date (&doc, "payment.at", 0), FX_NOW_MS + HOUR);
  assert_false (mt_bson_has (&doc, "payment_refused"));
  assert_valid_as_json ("booking.json", &doc);
  bson_destroy (&doc);
  /* the entry: from the requester to the provider, reason booking, ref the booking */
  {
    mt_store_page_t page;
    mt_error_t error;
    mt_store_page_init (&page);
    mt_store_page_destroy (&page);
    if (!fx->store->ops->ledger_list (fx->store, w.a, NULL, 10, &page, &error)) {
      fail_msg ("ledger_list: %s", error.message);
    }
    assert_int_equal (page.count, 1);
    assert_string_equal (mt_bson_str (&page.items, "0.id"), entry);
    assert_string_equal (mt_bson_str (&page.items, "0.from"), w.b);
    assert_string_equal (mt_bson_str (&page.items, "0.to"), w.a);
    assert_int_equal (mt_bson_int (&page.items, "0.amount", 0), 25);
    assert_string_equal (mt_bson_str (&page.items, "0.reason"), "booking");
    assert_string_equal (mt_bson_str (&page.items, "0.ref"), id);
    mt_store_page_destroy (&page);
  }
  /* confirming again: 409, nothing moves */
  assert_false (act (&w.requester, id, MT_BOOKING_CONFIRM, "{}"));
  assert_int_equal (fx_err.code, MT_ERR_CONFLICT);
  assert_int_equal (balance (fx, w.b), 75);
  assert_ledger_sum_zero (fx, 2);
  /* a service without a rate: confirmed, nothing moves, no payment */
  listing (&w.provider, NULL, lst);
  bring_to (&w, lst, "confirmed", id);
  stored (fx, id, &doc);
  assert_false (mt_bson_has (&doc, "payment"));
  bson_destroy (&doc);
  assert_ledger_sum_zero (fx, 2);
  /* a stale If-Match on confirm: refused before anything is paid */
  service (&w, lst);
  bring_to (&w, lst, "completed", id);
  assert_false (act_at (&w.requester, FX_NOW_MS, id, MT_BOOKING_CONFIRM, "{}", "W/\"1\""));
  assert_int_equal (fx_err.code, MT_ERR_STALE);
  assert_ledger_sum_zero (fx, 2);
  assert_int_equal (balance (fx, w.b), 75);
  world_destroy (&w);
}

static void
payment_first_found_again_after_a_crash (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char lst[MT_ID_SIZE], id[MT_ID_SIZE], entry[64];
  bson_t doc;
  mt_ctx_t ctx;

  make_world (fx, &w);
  config.credits_enabled = true;
  service (&w, lst);
  grant (fx, w.b, 15, "a"); /* exactly the price: the retry must not be refused by the floor */
  bring_to (&w, lst, "completed", id);
  /* a confirmation paid, then the process stopped before the booking was written */
  mt_booking_payment_id (id, entry, sizeof entry);
  ctx = w.requester.ctx;
  OK (mt_credits_transfer (&ctx, entry, w.b, w.a, 15, "booking", id, NULL, &fx_err));
  assert_int_equal (balance (fx, w.b), 0);
  stored (fx, id, &doc);
  assert_string_equal (mt_bson_str (&doc, "status"), "completed");
  bson_destroy (&doc);
  /* the next confirmation finds the entry and records it: paid once */
  OK (act (&w.requester, id, MT_BOOKING_CONFIRM, "{}"));
  assert_int_equal (balance (fx, w.b), 0);
  assert_int_equal (balance (fx, w.a), 15);
  assert_ledger_sum_zero (fx, 2);
  stored (fx, id, &doc);
  assert_string_equal (mt_bson_str (&doc, "status"), "confirmed");
  assert_string_equal (mt_bson_str (&doc, "payment.entry_id"), entry);
  assert_int_equal (mt_bson_int (&doc, "payment.amount", 0), 15);
  bson_destroy (&doc);
  world_destroy (&w);
}

/* The review-queue items of reason "booking_payment" naming @id (all pages, limit 1). */
static int
in_review_queue (world_t *w, const char *id)
{
  char cursor[MT_LOANS_CURSOR_MAX] = "";
  int found = 0;

  for (int pages = 0; pages < 50; pages++) {
    bson_t items;
    char next[MT_LOANS_CURSOR_MAX];
    bson_iter_t it;
    OK (mt_loans_reviews (&w->administrator.ctx, cursor[0] ? cursor : NULL, "1", &items, next,
                          &fx_err));
    assert_true (bson_count_keys (&items) <= 1);
    if (bson_iter_init (&it, &items)) {
      while (bson_iter_next (&it)) {
        bson_t item;
        const uint8_t *data;
        uint32_t len;
        bson_iter_document (&it, &len, &data);
        assert_true (bson_init_static (&item, data, len));
        if (mt_bson_str_eq (&item, "reason", "booking_payment") &&
            mt_bson_str_eq (&item, "booking.id", id)) {
          assert_true (mt_bson_has (&item, "since"));
          assert_true (mt_bson_has (&item, "booking.payment_refused"));
          found++;
        }
      }
    }
    bson_destroy (&items);
    if (!next[0]) {
      return found;
    }
    snprintf (cursor, sizeof cursor, "%s", next);
  }
  fail_msg ("review queue: too many pages");
  return found;
}

static void
payment_refused_by_the_floor (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char lst[MT_ID_SIZE], id[MT_ID_SIZE], other[MT_ID_SIZE];
  bson_t doc;
  int64_t version;

  make_world (fx, &w);
  config.credits_enabled = true;
  service (&w, lst);
  grant (fx, w.b, 15, "a");
  bring_to (&w, lst, "completed", id);
  bring_to (&w, lst, "completed", other); /* not refused: never in the queue */
  /* the requester spends its credits elsewhere meanwhile: only 5 left */
  {
    mt_ctx_t ctx = w.requester.ctx;
    OK (mt_credits_transfer (&ctx, "test-spend", w.b, w.d, 10, "test", NULL, NULL, &fx_err));
  }
  assert_false (act_at (&w.requester, FX_NOW_MS + HOUR, id, MT_BOOKING_CONFIRM, "{}", NULL));
  assert_int_equal (fx_err.code, MT_ERR_UNPROCESSABLE);
  assert_int_equal (balance (fx, w.b), 5);
  assert_ledger_sum_zero (fx, 2);
  stored (fx, id, &doc);
  assert_string_equal (mt_bson_str (&doc, "status"), "completed");
  assert_int_equal (mt_bson_date (&doc, "payment_refused.at", 0), FX_NOW_MS + HOUR);
  assert_int_equal (mt_bson_int (&doc, "payment_refused.amount", 0), 15);
  assert_false (mt_bson_has (&doc, "payment"));
  assert_false (mt_bson_has (&doc, "history.3")); /* no history item for a refusal */
  version = mt_bson_int (&doc, "version", 0);
  assert_valid_as_json ("booking.json", &doc);
  bson_destroy (&doc);
  /* in the review queue (once), the other completed booking not */
  assert_int_equal (in_review_queue (&w, id), 1);
  assert_int_equal (in_review_queue (&w, other), 0);
  /* refused again: the mark keeps its first instant, the booking is not rewritten */
  assert_false (act_at (&w.requester, FX_NOW_MS + 2 * HOUR, id, MT_BOOKING_CONFIRM, "{}", NULL));
  assert_int_equal (fx_err.code, MT_ERR_UNPROCESSABLE);
  stored (fx, id, &doc);
  assert_int_equal (mt_bson_int (&doc, "version", 0), version);
  assert_int_equal (mt_bson_date (&doc, "payment_refused.at", 0), FX_NOW_MS + HOUR);
  bson_destroy (&doc);
  /* credits arrive: the confirmation pays, the mark goes, the queue forgets it */
  grant (fx, w.b, 10, "b");
  OK (act_at (&w.requester, FX_NOW_MS + 3 * HOUR, id, MT_BOOKING_CONFIRM, "{}", NULL));
  stored (fx, id, &doc);
  assert_string_equal (mt_bson_str (&doc, "status"), "confirmed");
  assert_false (mt_bson_has (&doc, "payment_refused"));
  assert_int_equal (mt_bson_int (&doc, "payment.amount", 0), 15);
  bson_destroy (&doc);
  assert_int_equal (balance (fx, w.b), 0);
  assert_int_equal (balance (fx, w.a), 15);
  assert_ledger_sum_zero (fx, 4);
  assert_int_equal (in_review_queue (&w, id), 0);
  /* the queue's cursor of the bookings group: anything else is 400 */
  {
    bson_t items;
    char next[MT_LOANS_CURSOR_MAX];
    FAILS (mt_loans_reviews (&w.administrator.ctx, "b:nonsense", NULL, &items, next, &fx_err),
           MT_ERR_BAD_REQUEST);
    assert_string_equal (fx_err.path, "cursor");
    bson_destroy (&items);
  }
  world_destroy (&w);
}

/* ---- Timers -------------------------------------------------------------------------------- */

static void
sweep_page (fx_t *fx, int64_t now, mt_booking_sweep_report_t *report)
{
  mt_ctx_t ctx = { .env = &env, .store = fx->store, .now_ms = now, .client_addr = "" };
  char cursor[MT_STORE_CURSOR_MAX] = "";
  char next[MT_STORE_CURSOR_MAX];

  memset (report, 0, sizeof *report);
  for (int pages = 0; pages < 100; pages++) {
    mt_booking_sweep_page (&ctx, cursor, next, report);
    if (!next[0]) {
      return;
    }
    memcpy (cursor, next, sizeof cursor);
  }
  fail_msg ("sweep: too many pages");
}

static void
automatic_confirmation (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char lst[MT_ID_SIZE], id[MT_ID_SIZE], late[MT_ID_SIZE], poor[MT_ID_SIZE], status[32];
  const int64_t completed_at = FX_NOW_MS + 2 * DAY;
  const int64_t due = completed_at + 7 * DAY;
  mt_booking_sweep_report_t report;
  bson_t doc, audit;

  make_world (fx, &w);
  config.credits_enabled = true;
  service (&w, lst);
  grant (fx, w.b, 30, "a");
  grant (fx, w.d, 5, "a");
  OK (book (&w.requester, lst, NULL, id));
  OK (act (&w.provider, id, MT_BOOKING_ACCEPT, "{}"));
  OK (act_at (&w.provider, completed_at, id, MT_BOOKING_COMPLETE, "{}", NULL));
  OK (book (&w.requester, lst, NULL, late));
  OK (act (&w.provider, late, MT_BOOKING_ACCEPT, "{}"));
  OK (act_at (&w.provider, completed_at + 1, late, MT_BOOKING_COMPLETE, "{}", NULL));
  OK (book (&w.third, lst, ",'duration_minutes':30", poor)); /* 5 credits */
  OK (act (&w.provider, poor, MT_BOOKING_ACCEPT, "{}"));
  OK (act_at (&w.provider, completed_at, poor, MT_BOOKING_COMPLETE, "{'hours':0.5}", NULL));
  /* the third member spends what it had */
  {
    mt_ctx_t ctx = w.third.ctx;
    OK (mt_credits_transfer (&ctx, "test-spend", w.d, w.b, 5, "test", NULL, NULL, &fx_err));
  }
  /* one millisecond before: nothing */
  sweep_page (fx, due - 1, &report);
  assert_int_equal (report.confirmed, 0);
  assert_int_equal (report.refused, 0);
  assert_string_equal (status_of (fx, id, status), "completed");
  /* at the due instant: the first is confirmed by "system" and paid; the second not yet due;
   * the third refused by the floor and left completed */
  sweep_page (fx, due, &report);
  assert_int_equal (report.confirmed, 1);
  assert_int_equal (report.refused, 1);
  assert_int_equal (report.errors, 0);
  stored (fx, id, &doc);
  assert_string_equal (mt_bson_str (&doc, "status"), "confirmed");
  assert_string_equal (mt_bson_str (&doc, "confirmed_by"), "system");
  assert_int_equal (mt_bson_date (&doc, "confirmed_at", 0), due);
  assert_string_equal (mt_bson_str (&doc, "history.3.actor"), "system");
  assert_string_equal (mt_bson_str (&doc, "history.3.reason"), "auto_confirmation");
  assert_int_equal (mt_bson_int (&doc, "payment.amount", 0), 15);
  bson_destroy (&doc);
  assert_int_equal (audit_of (fx, id, &audit), 4);
  assert_string_equal (mt_bson_str (&audit, "0.actor"), "system");
  bson_destroy (&audit);
  /* events: each change told to the other party; the timers' confirmation to both */
  assert_int_equal (notifications_of (fx, w.b_manager, id, "booking_accepted"), 1);
  assert_int_equal (notifications_of (fx, w.a_manager, id, "booking_accepted"), 0);
  assert_int_equal (notifications_of (fx, w.b_staff, id, "booking_completed"), 1);
  assert_int_equal (notifications_of (fx, w.a_staff, id, "booking_completed"), 0);
  assert_int_equal (notifications_of (fx, w.a_manager, id, "booking_confirmed"), 1);
  assert_int_equal (notifications_of (fx, w.b_manager, id, "booking_confirmed"), 1);
  assert_string_equal (status_of (fx, late, status), "completed");
  stored (fx, poor, &doc);
  assert_string_equal (mt_bson_str (&doc, "status"), "completed");
  assert_int_equal (mt_bson_date (&doc, "payment_refused.at", 0), due);
  bson_destroy (&doc);
  assert_int_equal (in_review_queue (&w, poor), 1);
  assert_int_equal (balance (fx, w.a), 15);
  /* the next pass through the sweeps (the timers' registration): the late one is due, the
   * poor one is tried again and still refused */
  {
    mt_ctx_t ctx = { .env = &env, .store = fx->store, .now_ms = due + 1, .client_addr = "" };
    mt_sweep_report_t sweeps;
    mt_sweeps_run (&ctx, &sweeps);
    assert_int_equal (sweeps.errors, 0);
    assert_true (sweeps.examined >= 2);
  }
  assert_string_equal (status_of (fx, late, status), "confirmed");
  assert_string_equal (status_of (fx, poor, status), "completed");
  assert_int_equal (balance (fx, w.a), 30);
  assert_int_equal (balance (fx, w.b), 5); /* 30 - 15 - 15 + 5 */
  /* credits come: the following pass confirms it */
  grant (fx, w.d, 5, "b");
  sweep_page (fx, due + 2, &report);
  assert_int_equal (report.confirmed, 1);
  assert_string_equal (status_of (fx, poor, status), "confirmed");
  assert_int_equal (in_review_queue (&w, poor), 0);
  assert_int_equal (balance (fx, w.a), 35);
  assert_int_equal (balance (fx, w.d), 0);
  assert_ledger_sum_zero (fx, 7);
  /* nothing left: confirmed bookings are not examined again */
  sweep_page (fx, due + 3, &report);
  assert_int_equal (report.examined, 0);
  /* booking_confirm_after_days is read from the configuration */
  config.booking_confirm_after_days = 1;
  grant (fx, w.b, 15, "c");
  bring_to (&w, lst, "completed", id);
  sweep_page (fx, FX_NOW_MS + DAY - 1, &report);
  assert_string_equal (status_of (fx, id, status), "completed");
  sweep_page (fx, FX_NOW_MS + DAY, &report);
  assert_string_equal (status_of (fx, id, status), "confirmed");
  world_destroy (&w);
}

static void
automatic_confirmation_credits_disabled (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char lst[MT_ID_SIZE], id[MT_ID_SIZE];
  mt_booking_sweep_report_t report;
  bson_t doc;

  make_world (fx, &w);
  service (&w, lst);
  bring_to (&w, lst, "completed", id);
  sweep_page (fx, FX_NOW_MS + 7 * DAY, &report);
  assert_int_equal (report.confirmed, 1);
  stored (fx, id, &doc);
  assert_string_equal (mt_bson_str (&doc, "status"), "confirmed");
  assert_false (mt_bson_has (&doc, "payment"));
  assert_false (mt_bson_has (&doc, "payment_refused"));
  bson_destroy (&doc);
  assert_ledger_sum_zero (fx, 0);
  /* the requester confirming afterwards: 409 */
  assert_false (act (&w.requester, id, MT_BOOKING_CONFIRM, "{}"));
  assert_int_equal (fx_err.code, MT_ERR_CONFLICT);
  world_destroy (&w);
}

/* ---- Lists -------------------------------------------------------------------------------- */

static uint32_t
list_count (fx_caller_t *c, const char *role, const char *status, const char *limit,
            const char *cursor, char next[MT_STORE_CURSOR_MAX])
{
  mt_booking_list_query_t q = { .role = role, .status = status, .limit = limit, .cursor = cursor };
  bson_t items;
  uint32_t n;

  OK (mt_booking_list (&c->ctx, &q, &items, next, &fx_err));
  n = bson_count_keys (&items);
  bson_destroy (&items);
  return n;
}

static void
list_by_role_and_status (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char lst[MT_ID_SIZE], id[MT_ID_SIZE], next[MT_STORE_CURSOR_MAX];

  make_world (fx, &w);
  service (&w, lst);
  bring_to (&w, lst, "requested", id);
  bring_to (&w, lst, "accepted", id);
  bring_to (&w, lst, "completed", id);
  OK (book (&w.third, lst, NULL, id));
  assert_int_equal (list_count (&w.requester, NULL, NULL, NULL, NULL, next), 3);
  assert_int_equal (list_count (&w.requester_staff, "requester", NULL, NULL, NULL, next), 3);
  assert_int_equal (list_count (&w.requester, "provider", NULL, NULL, NULL, next), 0);
  assert_int_equal (list_count (&w.provider, "provider", NULL, NULL, NULL, next), 4);
  assert_int_equal (list_count (&w.provider, NULL, NULL, NULL, NULL, next), 0);
  assert_int_equal (list_count (&w.provider, "provider", "requested", NULL, NULL, next), 2);
  assert_int_equal (list_count (&w.provider, "provider", "accepted,completed", NULL, NULL, next),
                    2);
  assert_int_equal (list_count (&w.third, NULL, NULL, NULL, NULL, next), 1);
  assert_int_equal (list_count (&w.stranger, NULL, NULL, NULL, NULL, next), 0);
  /* pages */
  assert_int_equal (list_count (&w.provider, "provider", NULL, "3", NULL, next), 3);
  assert_true (next[0] != '\0');
  {
    char cursor[MT_STORE_CURSOR_MAX];
    snprintf (cursor, sizeof cursor, "%s", next);
    assert_int_equal (list_count (&w.provider, "provider", NULL, "3", cursor, next), 1);
    assert_string_equal (next, "");
  }
  /* bad parameters: 400 naming them */
  {
    mt_booking_list_query_t q = { .role = "borrower" };
    bson_t items;
    FAILS (mt_booking_list (&w.provider.ctx, &q, &items, next, &fx_err), MT_ERR_BAD_REQUEST);
    assert_string_equal (fx_err.path, "role");
    bson_destroy (&items);
    q = (mt_booking_list_query_t){ .status = "requested,approved" };
    FAILS (mt_booking_list (&w.provider.ctx, &q, &items, next, &fx_err), MT_ERR_BAD_REQUEST);
    assert_string_equal (fx_err.path, "status");
    bson_destroy (&items);
    q = (mt_booking_list_query_t){ .limit = "0" };
    FAILS (mt_booking_list (&w.provider.ctx, &q, &items, next, &fx_err), MT_ERR_BAD_REQUEST);
    assert_string_equal (fx_err.path, "limit");
    bson_destroy (&items);
    q = (mt_booking_list_query_t){ .cursor = "nonsense" };
    FAILS (mt_booking_list (&w.provider.ctx, &q, &items, next, &fx_err), MT_ERR_BAD_REQUEST);
    assert_string_equal (fx_err.path, "cursor");
    bson_destroy (&items);
  }
  world_destroy (&w);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("bookings/schemas/bodies", schemas_of_bodies),
    MT_TEST ("bookings/rules/pure", pure_rules),
    { "bookings/create/document_history_audit", create_document_history_audit, fx_setup,
      fx_teardown, NULL },
    { "bookings/create/rules_at_boundaries", create_rules_at_their_boundaries, fx_setup,
      fx_teardown, NULL },
    { "bookings/create/credits_estimate", create_credits_estimate_against_floor, fx_setup,
      fx_teardown, NULL },
    { "bookings/transitions/from_every_status", transitions_from_every_status, fx_setup,
      fx_teardown, NULL },
    { "bookings/transitions/rights", transition_rights, fx_setup, fx_teardown, NULL },
    { "bookings/transitions/lifecycle_history_audit_hours", lifecycle_history_audit_hours, fx_setup,
      fx_teardown, NULL },
    { "bookings/transitions/if_match_and_races", if_match_and_lost_races, fx_setup, fx_teardown,
      NULL },
    { "bookings/payment/pays_the_provider", confirmation_pays_the_provider, fx_setup, fx_teardown,
      NULL },
    { "bookings/payment/found_again_after_a_crash", payment_first_found_again_after_a_crash,
      fx_setup, fx_teardown, NULL },
    { "bookings/payment/refused_by_the_floor", payment_refused_by_the_floor, fx_setup, fx_teardown,
      NULL },
    { "bookings/sweep/automatic_confirmation", automatic_confirmation, fx_setup, fx_teardown,
      NULL },
    { "bookings/sweep/credits_disabled", automatic_confirmation_credits_disabled, fx_setup,
      fx_teardown, NULL },
    { "bookings/list/role_status_pages", list_by_role_and_status, fx_setup, fx_teardown, NULL },
  };

  return cmocka_run_group_tests (tests, group_setup, group_teardown);
}
