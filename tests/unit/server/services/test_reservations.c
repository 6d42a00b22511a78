/*
 * Unit tests of server/services/reservations.c and reservations_engine.c against a real
 * SQLite store: every creation rule at its boundary (max_days, min_notice, horizon, units,
 * the per-member limit, the owner borrowing its own good, blackout edges, buffers), every
 * transition from every status (legal and illegal), rights (404 / 403), history and audit
 * ids, the calendar entry written before and released after, the pickup shown once approved,
 * lists, If-Match and lost races, reconciliation of orphan and stale entries, the schemas.
 */
#include "members_fixture.h"

#include "audit.h"
#include "config.h"
#include "listings.h"
#include "mt_embed.h"
#include "mt_json.h"
#include "mt_schema.h"
#include "mt_time.h"
#include "reservations.h"

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
  char a[MT_ID_SIZE], a_manager[MT_ID_SIZE], a_staff[MT_ID_SIZE]; /* the lender, net1 */
  char b[MT_ID_SIZE], b_manager[MT_ID_SIZE], b_staff[MT_ID_SIZE]; /* a borrower, net1 + net2 */
  char c[MT_ID_SIZE], c_manager[MT_ID_SIZE];                      /* net2 only: a stranger */
  char d[MT_ID_SIZE], d_manager[MT_ID_SIZE];                      /* another borrower, net1 */
  char adm[MT_ID_SIZE], admin[MT_ID_SIZE];                        /* platform administrator */
  fx_caller_t owner, owner_staff, borrower, borrower_staff, stranger, other, administrator;
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
  config.reservations_per_hour = 0; /* many creations per member and hour (quotas: test_quota.c) */
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
  fx_member (fx, "active", "platform", NULL, w->adm, w->admin);
  caller (fx, w->a_manager, &w->owner);
  caller (fx, w->a_staff, &w->owner_staff);
  caller (fx, w->b_manager, &w->borrower);
  caller (fx, w->b_staff, &w->borrower_staff);
  caller (fx, w->c_manager, &w->stranger);
  caller (fx, w->d_manager, &w->other);
  caller (fx, w->admin, &w->administrator);
}

static void
world_destroy (world_t *w)
{
  fx_caller_destroy (&w->owner);
  fx_caller_destroy (&w->owner_staff);
  fx_caller_destroy (&w->borrower);
  fx_caller_destroy (&w->borrower_staff);
  fx_caller_destroy (&w->stranger);
  fx_caller_destroy (&w->other);
  fx_caller_destroy (&w->administrator);
}

/* A good of the owner: published (unless @extra sets a status), networks, pickup, with @extra
 * fields (JSON, ',' first). */
static void
good (world_t *w, const char *extra, char id[MT_ID_SIZE])
{
  char text[2048];
  bson_t body;
  bson_t out;

  snprintf (text, sizeof text,
            "{'kind':'good','title':'Vélo cargo','category':'velos-cargo',%s"
            "'pickup':{'address':'12 rue des Arts, Roubaix'}%s}",
            extra && strstr (extra, "'status'") ? "" : "'status':'published',", extra ? extra : "");
  jdoc (text, &body);
  OK (mt_listing_create (&w->owner.ctx, &body, &out, id, &fx_err));
  bson_destroy (&out);
  bson_destroy (&body);
}

static void
rfc3339 (int64_t ms, char out[MT_TIME_RFC3339_MAX])
{
  mt_time_format_rfc3339 (ms, out);
}

/* The body of a request for @listing over [start, end) (ms) of @units units. */
static void
request_body (const char *listing, int64_t start, int64_t end, int units, bson_t *out)
{
  char s[MT_TIME_RFC3339_MAX], e[MT_TIME_RFC3339_MAX];

  rfc3339 (start, s);
  rfc3339 (end, e);
  bson_init (out);
  BSON_APPEND_UTF8 (out, "listing_id", listing);
  BSON_APPEND_UTF8 (out, "start", s);
  BSON_APPEND_UTF8 (out, "end", e);
  if (units > 0) {
    BSON_APPEND_INT32 (out, "units", units);
  }
}

/* mt_reservation_create as @c; the error in fx_err; the id to @id (may be NULL). */
static bool
reserve (fx_caller_t *c, const char *listing, int64_t start, int64_t end, int units,
         char id[MT_ID_SIZE])
{
  bson_t body;
  bson_t out;
  char local[MT_ID_SIZE];
  bool ok;

  request_body (listing, start, end, units, &body);
  mt_error_clear (&fx_err);
  ok = mt_reservation_create (&c->ctx, &body, &out, id ? id : local, &fx_err);
  if (ok) {
    assert_valid_as_json ("reservation.json", &out);
  }
  bson_destroy (&out);
  bson_destroy (&body);
  return ok;
}

/* A default window: three days ahead, two days long. */
#define START (FX_NOW_MS + 3 * DAY)
#define END (FX_NOW_MS + 5 * DAY)

static void
stored (fx_t *fx, const char *id, bson_t *out)
{
  mt_error_t error;

  if (!fx->store->ops->reservation_get (fx->store, id, out, &error)) {
    fail_msg ("reservation_get %s: %s", id, error.message);
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

/* Number of entries of @listing's calendar; *has tells whether @reservation has one. */
static uint32_t
calendar_entries (fx_t *fx, const char *listing, const char *reservation, bool *has)
{
  bson_t calendar;
  bson_iter_t it, child;
  uint32_t n = 0;
  mt_error_t error;

  if (has) {
    *has = false;
  }
  if (!fx->store->ops->calendar_get (fx->store, listing, &calendar, &error)) {
    fail_msg ("calendar_get: %s", error.message);
  }
  if (bson_iter_init_find (&it, &calendar, "entries") && bson_iter_recurse (&it, &child)) {
    while (bson_iter_next (&child)) {
      bson_iter_t field;
      n++;
      if (has && reservation && bson_iter_recurse (&child, &field) &&
          bson_iter_find (&field, "reservation_id") &&
          strcmp (bson_iter_utf8 (&field, NULL), reservation) == 0) {
        *has = true;
      }
    }
  }
  bson_destroy (&calendar);
  return n;
}

/* The audit ids of @reservation, as "id:seq" joined by ' ' in @out. */
static void
audit_ids (fx_t *fx, const char *reservation, char *out, size_t size)
{
  mt_store_page_t page;
  bson_iter_t it;
  size_t used = 0;
  char *ids[32];
  size_t n = 0;
  mt_error_t error;

  out[0] = '\0';
  mt_store_page_init (&page);
  mt_store_page_destroy (&page);
  if (!fx->store->ops->audit_list (fx->store, reservation, NULL, 100, &page, &error)) {
    fail_msg ("audit_list: %s", error.message);
  }
  if (bson_iter_init (&it, &page.items)) {
    while (bson_iter_next (&it) && n < 32) {
      bson_iter_t f;
      bson_iter_recurse (&it, &f);
      if (bson_iter_find (&f, "id")) {
        ids[n++] = strdup (bson_iter_utf8 (&f, NULL));
      }
    }
  }
  /* Newest first in the store; sort by seq for a stable text. */
  for (size_t i = 0; i < n; i++) {
    for (size_t j = i + 1; j < n; j++) {
      if (strtol (strrchr (ids[j], ':') + 1, NULL, 10) <
          strtol (strrchr (ids[i], ':') + 1, NULL, 10)) {
        char *t = ids[i];
        ids[i] = ids[j];
        ids[j] = t;
      }
    }
  }
  for (size_t i = 0; i < n; i++) {
    used +=
      (size_t) snprintf (out + used, size - used, "%s%s", i ? " " : "", strrchr (ids[i], ':'));
    free (ids[i]);
  }
  mt_store_page_destroy (&page);
}

/* mt_reservation_act as @c with the body @text (NULL: none); error in fx_err. */
static bool
act (fx_caller_t *c, const char *id, mt_reservation_action_t action, const char *text,
     const char *if_match)
{
  bson_t body;
  bson_t out;
  bool ok;

  if (text) {
    jdoc (text, &body);
  }
  mt_error_clear (&fx_err);
  ok = mt_reservation_act (&c->ctx, id, action, text ? &body : NULL, if_match, &out, &fx_err);
  if (ok) {
    assert_valid_as_json ("reservation.json", &out);
  }
  bson_destroy (&out);
  if (text) {
    bson_destroy (&body);
  }
  return ok;
}

#define CANCEL_BODY "{'reason':'plus besoin'}"
#define NOTE_BODY "{'condition_note':'bon état'}"

/* ---- Creation ----------------------------------------------------------------------------- */

static void
create_writes_entry_history_and_audit (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char listing[MT_ID_SIZE], id[MT_ID_SIZE], ids[256];
  bson_t doc, body, out;
  bson_iter_t it;
  bool has;

  make_world (fx, &w);
  good (&w, NULL, listing);
  request_body (listing, START, END, 0, &body);
  BSON_APPEND_UTF8 (&body, "message", "Pour la fête de quartier");
  OK (mt_reservation_create (&w.borrower_staff.ctx, &body, &out, id, &fx_err));
  assert_true (mt_id_is_valid (id, "res"));
  assert_string_equal (mt_bson_str (&out, "status"), "requested");
  assert_false (mt_bson_has (&out, "pickup")); /* not approved yet */
  assert_valid_as_json ("reservation.json", &out);
  bson_destroy (&out);
  bson_destroy (&body);
  stored (fx, id, &doc);
  assert_int_equal (mt_bson_int (&doc, "version", 0), 1);
  assert_string_equal (mt_bson_str (&doc, "listing_id"), listing);
  assert_string_equal (mt_bson_str (&doc, "listing_title"), "Vélo cargo");
  assert_string_equal (mt_bson_str (&doc, "owner_member_id"), w.a);
  assert_string_equal (mt_bson_str (&doc, "borrower_member_id"), w.b);
  assert_string_equal (mt_bson_str (&doc, "requested_by"), w.b_staff);
  assert_string_equal (mt_bson_str (&doc, "message"), "Pour la fête de quartier");
  assert_int_equal (mt_bson_int (&doc, "units", 0), 1);
  assert_true (mt_bson_date (&doc, "start", 0) == START);
  assert_true (mt_bson_date (&doc, "end", 0) == END);
  /* start is 3 days away, beyond the 72 h of request_ttl_hours */
  assert_true (mt_bson_date (&doc, "expires_at", 0) == FX_NOW_MS + 72 * HOUR);
  assert_false (mt_bson_bool (&doc, "overdue", true));
  assert_false (mt_bson_bool (&doc, "reminded_start", true));
  assert_int_equal (mt_bson_int (&doc, "history.0.seq", 0), 1);
  {
    bson_iter_t from;
    assert_true (bson_iter_init (&it, &doc) &&
                 bson_iter_find_descendant (&it, "history.0.from", &from) &&
                 BSON_ITER_HOLDS_NULL (&from));
  }
  assert_string_equal (mt_bson_str (&doc, "history.0.to"), "requested");
  assert_string_equal (mt_bson_str (&doc, "history.0.actor"), w.b_staff);
  assert_false (mt_bson_has (&doc, "history.1"));
  bson_destroy (&doc);
  assert_int_equal (calendar_entries (fx, listing, id, &has), 1);
  assert_true (has);
  audit_ids (fx, id, ids, sizeof ids);
  assert_string_equal (ids, ":1");
  /* a sooner start: expires at the start */
  OK (reserve (&w.other, listing, FX_NOW_MS + 30 * HOUR, FX_NOW_MS + 40 * HOUR, 1, id));
  stored (fx, id, &doc);
  assert_true (mt_bson_date (&doc, "expires_at", 0) == FX_NOW_MS + 30 * HOUR);
  bson_destroy (&doc);
  world_destroy (&w);
}

static void
create_auto_approval (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char listing[MT_ID_SIZE], id[MT_ID_SIZE], ids[256];
  bson_t doc, out;

  make_world (fx, &w);
  good (&w, ",'approval':'auto'", listing);
  OK (reserve (&w.borrower, listing, START, END, 1, id));
  stored (fx, id, &doc);
  assert_string_equal (mt_bson_str (&doc, "status"), "approved");
  assert_string_equal (mt_bson_str (&doc, "approved_by"), "system");
  assert_string_equal (mt_bson_str (&doc, "history.1.from"), "requested");
  assert_string_equal (mt_bson_str (&doc, "history.1.to"), "approved");
  assert_string_equal (mt_bson_str (&doc, "history.1.actor"), "system");
  assert_string_equal (mt_bson_str (&doc, "history.1.reason"), "auto_approval");
  assert_int_equal (mt_bson_int (&doc, "history.1.seq", 0), 2);
  bson_destroy (&doc);
  audit_ids (fx, id, ids, sizeof ids);
  assert_string_equal (ids, ":1 :2");
  /* approved at once: the borrower sees the pickup */
  OK (mt_reservation_get (&w.borrower.ctx, id, &out, &fx_err));
  assert_string_equal (mt_bson_str (&out, "pickup.address"), "12 rue des Arts, Roubaix");
  bson_destroy (&out);
  world_destroy (&w);
}

static void
create_rules_at_their_boundaries (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char listing[MT_ID_SIZE], draft[MT_ID_SIZE], service[MT_ID_SIZE], id[MT_ID_SIZE];
  bson_t out;
  char l4[MT_ID_SIZE];

  make_world (fx, &w);
  /* max_days 3, min_notice 24 h, horizon 30 days, quantity 2 */
  good (&w, ",'quantity':2,'loan_rules':{'max_days':3,'min_notice_hours':24,'horizon_days':30}",
        listing);
  /* not visible / unknown */
  FAILS (reserve (&w.stranger, listing, START, END, 1, NULL), MT_ERR_NOT_FOUND);
  FAILS (reserve (&w.borrower, "lst_AAAAAAAAAAAAAAAAAAAAAA", START, END, 1, NULL),
         MT_ERR_NOT_FOUND);
  /* a draft is not visible to others (404), only to its owner */
  {
    bson_t b;
    jdoc ("{'kind':'good','title':'Brouillon','category':'outillage'}", &b);
    OK (mt_listing_create (&w.owner.ctx, &b, &out, draft, &fx_err));
    bson_destroy (&out);
    bson_destroy (&b);
    jdoc ("{'kind':'service','title':'Conseil','category':'juridique','status':'published'}", &b);
    OK (mt_listing_create (&w.owner.ctx, &b, &out, service, &fx_err));
    bson_destroy (&out);
    bson_destroy (&b);
  }
  FAILS (reserve (&w.borrower, draft, START, END, 1, NULL), MT_ERR_NOT_FOUND);
  FAILS (reserve (&w.borrower, service, START, END, 1, NULL), MT_ERR_UNPROCESSABLE);
  assert_string_equal (fx_err.path, "/listing_id");
  /* the owner's accounts see the draft, and may not borrow their own goods */
  FAILS (reserve (&w.owner, draft, START, END, 1, NULL), MT_ERR_UNPROCESSABLE);
  FAILS (reserve (&w.owner_staff, listing, START, END, 1, NULL), MT_ERR_UNPROCESSABLE);
  assert_string_equal (fx_err.path, "/listing_id");
  /* start < end */
  FAILS (reserve (&w.borrower, listing, START, START, 1, NULL), MT_ERR_UNPROCESSABLE);
  assert_string_equal (fx_err.path, "/end");
  FAILS (reserve (&w.borrower, listing, END, START, 1, NULL), MT_ERR_UNPROCESSABLE);
  /* max_days exactly, and one millisecond more */
  FAILS (reserve (&w.borrower, listing, START, START + 3 * DAY + 1, 1, NULL), MT_ERR_UNPROCESSABLE);
  assert_string_equal (fx_err.path, "/end");
  OK (reserve (&w.borrower, listing, START, START + 3 * DAY, 1, id));
  OK (act (&w.borrower, id, MT_RESERVATION_CANCEL, CANCEL_BODY, NULL));
  /* min_notice exactly, and one millisecond less */
  FAILS (reserve (&w.borrower, listing, FX_NOW_MS + 24 * HOUR - 1, FX_NOW_MS + 25 * HOUR, 1, NULL),
         MT_ERR_UNPROCESSABLE);
  assert_string_equal (fx_err.path, "/start");
  OK (reserve (&w.borrower, listing, FX_NOW_MS + 24 * HOUR, FX_NOW_MS + 25 * HOUR, 1, id));
  OK (act (&w.borrower, id, MT_RESERVATION_CANCEL, CANCEL_BODY, NULL));
  /* horizon exactly, and one millisecond more */
  FAILS (reserve (&w.borrower, listing, FX_NOW_MS + 30 * DAY + 1, FX_NOW_MS + 31 * DAY, 1, NULL),
         MT_ERR_UNPROCESSABLE);
  assert_string_equal (fx_err.path, "/start");
  OK (reserve (&w.borrower, listing, FX_NOW_MS + 30 * DAY, FX_NOW_MS + 31 * DAY, 1, id));
  OK (act (&w.borrower, id, MT_RESERVATION_CANCEL, CANCEL_BODY, NULL));
  /* units = quantity, and one more */
  FAILS (reserve (&w.borrower, listing, START, END, 3, NULL), MT_ERR_UNPROCESSABLE);
  assert_string_equal (fx_err.path, "/units");
  OK (reserve (&w.borrower, listing, START, END, 2, id));
  /* the units are taken now: 409 (a rule of the calendar comes after the others) */
  FAILS (reserve (&w.other, listing, START, END, 1, NULL), MT_ERR_CONFLICT);
  /* ... but the 422 rules are checked first */
  FAILS (reserve (&w.other, listing, START, END, 3, NULL), MT_ERR_UNPROCESSABLE);
  OK (act (&w.borrower, id, MT_RESERVATION_CANCEL, CANCEL_BODY, NULL));
  OK (reserve (&w.other, listing, START, END, 1, NULL));
  /* a leap second passes the schema's format but is no instant */
  {
    bson_t b2 = BSON_INITIALIZER;
    BSON_APPEND_UTF8 (&b2, "listing_id", listing);
    BSON_APPEND_UTF8 (&b2, "start", "2026-06-30T23:59:60Z");
    BSON_APPEND_UTF8 (&b2, "end", "2026-07-01T10:00:00Z");
    FAILS (mt_reservation_create (&w.borrower.ctx, &b2, &out, id, &fx_err), MT_ERR_VALIDATION);
    assert_string_equal (fx_err.path, "/start");
    bson_destroy (&out);
    bson_destroy (&b2);
  }
  /* a paused listing is not published: its owner sees it, others do not */
  good (&w, ",'status':'paused'", l4);
  FAILS (reserve (&w.borrower, l4, START, END, 1, NULL), MT_ERR_NOT_FOUND);
  world_destroy (&w);
}

static void
create_member_limit (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char listing[MT_ID_SIZE], ids[4][MT_ID_SIZE], other_listing[MT_ID_SIZE];

  make_world (fx, &w);
  config.max_active_reservations = 3;
  good (&w, ",'quantity':10", listing);
  good (&w, ",'quantity':10", other_listing);
  OK (reserve (&w.borrower, listing, START, END, 1, ids[0]));
  OK (reserve (&w.borrower_staff, other_listing, START, END, 1, ids[1]));
  OK (reserve (&w.borrower, listing, START + DAY, END + DAY, 1, ids[2]));
  /* the limit counts the member, whichever account asks */
  FAILS (reserve (&w.borrower_staff, listing, START, END, 1, NULL), MT_ERR_UNPROCESSABLE);
  /* another member is not affected */
  OK (reserve (&w.other, listing, START, END, 1, NULL));
  /* a non-blocking reservation frees a slot; an approved or checked out one does not */
  OK (act (&w.owner, ids[0], MT_RESERVATION_APPROVE, "{}", NULL));
  OK (act (&w.owner, ids[0], MT_RESERVATION_CHECKOUT, NOTE_BODY, NULL));
  FAILS (reserve (&w.borrower, listing, START, END, 1, NULL), MT_ERR_UNPROCESSABLE);
  OK (act (&w.owner, ids[1], MT_RESERVATION_DECLINE, "{}", NULL));
  OK (reserve (&w.borrower, listing, START, END, 1, ids[3]));
  FAILS (reserve (&w.borrower, listing, START, END, 1, NULL), MT_ERR_UNPROCESSABLE);
  OK (act (&w.owner, ids[0], MT_RESERVATION_RETURN, NOTE_BODY, NULL));
  OK (reserve (&w.borrower, listing, START, END, 1, NULL));
  world_destroy (&w);
}

static void
create_calendar_rules (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char plain[MT_ID_SIZE], buffered[MT_ID_SIZE], closed[MT_ID_SIZE], id[MT_ID_SIZE];
  int64_t bs = FX_NOW_MS + 10 * DAY; /* blackout [bs, bs + 2 days) */
  char extra[512], s[MT_TIME_RFC3339_MAX], e[MT_TIME_RFC3339_MAX];

  make_world (fx, &w);
  good (&w, NULL, plain); /* quantity 1, buffer 0 */
  good (&w, ",'loan_rules':{'buffer_hours':2}", buffered);
  rfc3339 (bs, s);
  rfc3339 (bs + 2 * DAY, e);
  snprintf (extra, sizeof extra, ",'quantity':3,'blackouts':[{'start':'%s','end':'%s'}]", s, e);
  good (&w, extra, closed);

  /* quantity 1: overlap refused, back-to-back fine without buffer */
  OK (reserve (&w.borrower, plain, START, END, 1, NULL));
  FAILS (reserve (&w.other, plain, END - 1, END + DAY, 1, NULL), MT_ERR_CONFLICT);
  FAILS (reserve (&w.other, plain, START - DAY, START + 1, 1, NULL), MT_ERR_CONFLICT);
  OK (reserve (&w.other, plain, END, END + DAY, 1, NULL));
  OK (reserve (&w.other, plain, START - DAY, START, 1, NULL));
  assert_int_equal (calendar_entries (fx, plain, NULL, NULL), 3);

  /* buffer 2 h: the next loan starts 2 h after the end at the earliest */
  OK (reserve (&w.borrower, buffered, START, END, 1, NULL));
  FAILS (reserve (&w.other, buffered, END + 2 * HOUR - 1, END + DAY, 1, NULL), MT_ERR_CONFLICT);
  FAILS (reserve (&w.other, buffered, START - DAY, START - 2 * HOUR + 1, 1, NULL), MT_ERR_CONFLICT);
  OK (reserve (&w.other, buffered, END + 2 * HOUR, END + DAY, 1, NULL));
  OK (reserve (&w.other, buffered, START - DAY, START - 2 * HOUR, 1, NULL));

  /* blackout: any overlap refused, touching edges fine, whatever the units free */
  FAILS (reserve (&w.borrower, closed, bs - DAY, bs + 1, 1, NULL), MT_ERR_CONFLICT);
  FAILS (reserve (&w.borrower, closed, bs + 2 * DAY - 1, bs + 3 * DAY, 1, NULL), MT_ERR_CONFLICT);
  FAILS (reserve (&w.borrower, closed, bs + HOUR, bs + 2 * HOUR, 1, NULL), MT_ERR_CONFLICT);
  OK (reserve (&w.borrower, closed, bs - DAY, bs, 3, id));
  OK (reserve (&w.other, closed, bs + 2 * DAY, bs + 3 * DAY, 3, NULL));
  /* a refused request leaves the calendar as it was */
  assert_int_equal (calendar_entries (fx, closed, NULL, NULL), 2);
  world_destroy (&w);
}

/* ---- Transitions -------------------------------------------------------------------------- */

/* A reservation of @listing by the borrower brought to @status. */
static void
bring_to (world_t *w, const char *listing, const char *status, int64_t offset, char id[MT_ID_SIZE])
{
  OK (reserve (&w->borrower, listing, START + offset, END + offset, 1, id));
  if (strcmp (status, "requested") == 0) {
    return;
  }
  if (strcmp (status, "declined") == 0) {
    OK (act (&w->owner, id, MT_RESERVATION_DECLINE, "{'reason':'déjà prêté'}", NULL));
    return;
  }
  if (strcmp (status, "cancelled") == 0) {
    OK (act (&w->borrower, id, MT_RESERVATION_CANCEL, CANCEL_BODY, NULL));
    return;
  }
  OK (act (&w->owner, id, MT_RESERVATION_APPROVE, "{}", NULL));
  if (strcmp (status, "approved") == 0) {
    return;
  }
  OK (act (&w->owner, id, MT_RESERVATION_CHECKOUT, NOTE_BODY, NULL));
  if (strcmp (status, "checked_out") == 0) {
    return;
  }
  OK (act (&w->owner, id, MT_RESERVATION_RETURN, NOTE_BODY, NULL));
}

static void
transitions_from_every_status (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char listing[MT_ID_SIZE], id[MT_ID_SIZE], buf[32];
  static const char *const statuses[] = { "requested", "approved",    "declined",
                                          "cancelled", "checked_out", "returned" };
  static const struct {
    mt_reservation_action_t action;
    const char *body;
    const char *to;
  } actions[] = {
    { MT_RESERVATION_APPROVE, "{}", "approved" },
    { MT_RESERVATION_DECLINE, "{}", "declined" },
    { MT_RESERVATION_CANCEL, CANCEL_BODY, "cancelled" },
    { MT_RESERVATION_CHECKOUT, NOTE_BODY, "checked_out" },
    { MT_RESERVATION_RETURN, NOTE_BODY, "returned" },
  };
  int64_t offset = 0;

  make_world (fx, &w);
  config.max_active_reservations = 1000;
  good (&w, ",'quantity':1000", listing);
  for (size_t s = 0; s < sizeof statuses / sizeof statuses[0]; s++) {
    for (size_t a = 0; a < sizeof actions / sizeof actions[0]; a++) {
      bool legal = mt_reservation_transition_allowed (statuses[s], actions[a].to);
      bson_t before, after;
      bring_to (&w, listing, statuses[s], offset, id);
      offset += HOUR;
      stored (fx, id, &before);
      if (legal) {
        OK (act (&w.owner, id, actions[a].action, actions[a].body, NULL));
        assert_string_equal (status_of (fx, id, buf), actions[a].to);
        stored (fx, id, &after);
        assert_int_equal (mt_bson_int (&after, "version", 0),
                          mt_bson_int (&before, "version", 0) + 1);
        bson_destroy (&after);
      } else {
        FAILS (act (&w.owner, id, actions[a].action, actions[a].body, NULL), MT_ERR_CONFLICT);
        assert_string_equal (status_of (fx, id, buf), statuses[s]);
        stored (fx, id, &after);
        assert_int_equal (mt_bson_int (&after, "version", 0), mt_bson_int (&before, "version", 0));
        bson_destroy (&after);
      }
      bson_destroy (&before);
    }
  }
  /* the table itself */
  assert_true (mt_reservation_transition_allowed ("requested", "expired"));
  assert_true (mt_reservation_transition_allowed ("returned", "closed"));
  assert_false (mt_reservation_transition_allowed ("approved", "expired"));
  assert_false (mt_reservation_transition_allowed ("checked_out", "cancelled"));
  assert_false (mt_reservation_transition_allowed ("closed", "returned"));
  assert_false (mt_reservation_transition_allowed ("expired", "approved"));
  assert_true (mt_reservation_status_blocks ("requested"));
  assert_true (mt_reservation_status_blocks ("approved"));
  assert_true (mt_reservation_status_blocks ("checked_out"));
  assert_false (mt_reservation_status_blocks ("returned"));
  assert_false (mt_reservation_status_blocks ("cancelled"));
  assert_false (mt_reservation_status_blocks (NULL));
  world_destroy (&w);
}

static void
transition_rights (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char listing[MT_ID_SIZE], id[MT_ID_SIZE], buf[32];
  bson_t out;

  make_world (fx, &w);
  good (&w, ",'quantity':10", listing);
  OK (reserve (&w.borrower, listing, START, END, 1, id));
  /* strangers and other members: 404 on everything, get included */
  FAILS (mt_reservation_get (&w.stranger.ctx, id, &out, &fx_err), MT_ERR_NOT_FOUND);
  bson_destroy (&out);
  FAILS (mt_reservation_get (&w.other.ctx, id, &out, &fx_err), MT_ERR_NOT_FOUND);
  bson_destroy (&out);
  FAILS (act (&w.other, id, MT_RESERVATION_APPROVE, "{}", NULL), MT_ERR_NOT_FOUND);
  FAILS (act (&w.other, id, MT_RESERVATION_DECLINE, "{}", NULL), MT_ERR_NOT_FOUND);
  FAILS (act (&w.other, id, MT_RESERVATION_CANCEL, CANCEL_BODY, NULL), MT_ERR_NOT_FOUND);
  FAILS (act (&w.other, id, MT_RESERVATION_CHECKOUT, NOTE_BODY, NULL), MT_ERR_NOT_FOUND);
  FAILS (act (&w.other, id, MT_RESERVATION_RETURN, NOTE_BODY, NULL), MT_ERR_NOT_FOUND);
  FAILS (act (&w.stranger, "res_AAAAAAAAAAAAAAAAAAAAAA", MT_RESERVATION_CANCEL, CANCEL_BODY, NULL),
         MT_ERR_NOT_FOUND);
  /* the borrower sees it and may not act as the owner: 403 (even where illegal anyway) */
  FAILS (act (&w.borrower, id, MT_RESERVATION_APPROVE, "{}", NULL), MT_ERR_FORBIDDEN);
  FAILS (act (&w.borrower_staff, id, MT_RESERVATION_DECLINE, "{}", NULL), MT_ERR_FORBIDDEN);
  FAILS (act (&w.borrower, id, MT_RESERVATION_CHECKOUT, NOTE_BODY, NULL), MT_ERR_FORBIDDEN);
  FAILS (act (&w.borrower, id, MT_RESERVATION_RETURN, NOTE_BODY, NULL), MT_ERR_FORBIDDEN);
  assert_string_equal (status_of (fx, id, buf), "requested");
  /* any account of the owner approves; the administrator checks out */
  OK (act (&w.owner_staff, id, MT_RESERVATION_APPROVE, "{'note':'Avec plaisir'}", NULL));
  OK (act (&w.administrator, id, MT_RESERVATION_CHECKOUT, NOTE_BODY, NULL));
  {
    bson_t doc;
    stored (fx, id, &doc);
    assert_string_equal (mt_bson_str (&doc, "approved_by"), w.a_staff);
    assert_string_equal (mt_bson_str (&doc, "approval_note"), "Avec plaisir");
    assert_string_equal (mt_bson_str (&doc, "history.1.reason"), "Avec plaisir");
    assert_string_equal (mt_bson_str (&doc, "checkout.by"), w.admin);
    assert_string_equal (mt_bson_str (&doc, "checkout.condition_note"), "bon état");
    bson_destroy (&doc);
  }
  /* cancel: the borrower (any account) and the owner, administrators too */
  OK (reserve (&w.borrower, listing, START, END, 1, id));
  OK (act (&w.borrower_staff, id, MT_RESERVATION_CANCEL, CANCEL_BODY, NULL));
  OK (reserve (&w.borrower, listing, START, END, 1, id));
  OK (act (&w.owner, id, MT_RESERVATION_APPROVE, "{}", NULL));
  OK (act (&w.owner_staff, id, MT_RESERVATION_CANCEL, "{'reason':'vélo en panne'}", NULL));
  {
    bson_t doc;
    stored (fx, id, &doc);
    assert_string_equal (mt_bson_str (&doc, "cancelled_by"), w.a_staff);
    assert_string_equal (mt_bson_str (&doc, "cancel_reason"), "vélo en panne");
    assert_string_equal (mt_bson_str (&doc, "history.2.reason"), "vélo en panne");
    bson_destroy (&doc);
  }
  OK (reserve (&w.borrower, listing, START, END, 1, id));
  OK (act (&w.administrator, id, MT_RESERVATION_CANCEL, CANCEL_BODY, NULL));
  /* cancel needs a reason */
  OK (reserve (&w.borrower, listing, START, END, 1, id));
  FAILS (act (&w.borrower, id, MT_RESERVATION_CANCEL, "{}", NULL), MT_ERR_VALIDATION);
  FAILS (act (&w.borrower, id, MT_RESERVATION_CANCEL, NULL, NULL), MT_ERR_VALIDATION);
  /* approve and decline take no body too (NULL) */
  OK (act (&w.owner, id, MT_RESERVATION_DECLINE, NULL, NULL));
  world_destroy (&w);
}

static void
releases_history_and_audit (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char listing[MT_ID_SIZE], id[MT_ID_SIZE], ids[256];
  bool has;
  bson_t doc;

  make_world (fx, &w);
  good (&w, NULL, listing);
  /* decline releases the units */
  OK (reserve (&w.borrower, listing, START, END, 1, id));
  FAILS (reserve (&w.other, listing, START, END, 1, NULL), MT_ERR_CONFLICT);
  OK (act (&w.owner, id, MT_RESERVATION_DECLINE, "{'reason':'déjà prêté'}", NULL));
  calendar_entries (fx, listing, id, &has);
  assert_false (has);
  stored (fx, id, &doc);
  assert_string_equal (mt_bson_str (&doc, "decline_reason"), "déjà prêté");
  assert_string_equal (mt_bson_str (&doc, "declined_by"), w.a_manager);
  assert_true (mt_bson_date (&doc, "declined_at", 0) == FX_NOW_MS);
  bson_destroy (&doc);
  audit_ids (fx, id, ids, sizeof ids);
  assert_string_equal (ids, ":1 :2");
  /* approve and checkout keep them; return releases them */
  OK (reserve (&w.other, listing, START, END, 1, id));
  OK (act (&w.owner, id, MT_RESERVATION_APPROVE, "{}", NULL));
  calendar_entries (fx, listing, id, &has);
  assert_true (has);
  OK (act (&w.owner, id, MT_RESERVATION_CHECKOUT, NOTE_BODY, NULL));
  calendar_entries (fx, listing, id, &has);
  assert_true (has);
  FAILS (reserve (&w.borrower, listing, START, END, 1, NULL), MT_ERR_CONFLICT);
  OK (act (&w.owner, id, MT_RESERVATION_RETURN,
           "{'condition_note':'roue voilée','incident':{'type':'damage','text':'Roue avant "
           "voilée'}}",
           NULL));
  calendar_entries (fx, listing, id, &has);
  assert_false (has);
  OK (reserve (&w.borrower, listing, START, END, 1, NULL));
  stored (fx, id, &doc);
  assert_string_equal (mt_bson_str (&doc, "status"), "returned");
  assert_true (mt_bson_bool (&doc, "review_required", false));
  assert_string_equal (mt_bson_str (&doc, "return.incident.type"), "damage");
  assert_string_equal (mt_bson_str (&doc, "return.condition_note"), "roue voilée");
  assert_true (mt_bson_date (&doc, "returned_at", 0) == FX_NOW_MS);
  for (int i = 0; i < 4; i++) {
    char key[32];
    snprintf (key, sizeof key, "history.%d.seq", i);
    assert_int_equal (mt_bson_int (&doc, key, 0), i + 1);
  }
  assert_string_equal (mt_bson_str (&doc, "history.3.from"), "checked_out");
  assert_string_equal (mt_bson_str (&doc, "history.3.to"), "returned");
  assert_string_equal (mt_bson_str (&doc, "history.3.reason"), "damage");
  assert_false (mt_bson_has (&doc, "history.4"));
  assert_int_equal (mt_bson_int (&doc, "version", 0), 4);
  bson_destroy (&doc);
  audit_ids (fx, id, ids, sizeof ids);
  assert_string_equal (ids, ":1 :2 :3 :4");
  /* a return without incident needs no review; cancel releases */
  OK (reserve (&w.other, listing, START + 10 * DAY, END + 10 * DAY, 1, id));
  OK (act (&w.other, id, MT_RESERVATION_CANCEL, CANCEL_BODY, NULL));
  calendar_entries (fx, listing, id, &has);
  assert_false (has);
  world_destroy (&w);
}

static void
races_if_match_and_apply (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char listing[MT_ID_SIZE], id[MT_ID_SIZE], buf[32], ids[256];
  bson_t read_before, out;
  mt_reservation_change_t change;

  make_world (fx, &w);
  good (&w, ",'quantity':5", listing);
  OK (reserve (&w.borrower, listing, START, END, 1, id));
  /* If-Match: the version the caller saw */
  FAILS (act (&w.owner, id, MT_RESERVATION_APPROVE, "{}", "W/\"2\""), MT_ERR_STALE);
  OK (act (&w.owner, id, MT_RESERVATION_APPROVE, "{}", "W/\"1\""));
  FAILS (act (&w.borrower, id, MT_RESERVATION_CANCEL, CANCEL_BODY, "W/\"1\""), MT_ERR_STALE);
  assert_string_equal (status_of (fx, id, buf), "approved");
  /* two changes decided on the same version: the second loses (STALE), nothing written */
  stored (fx, id, &read_before);
  change = (mt_reservation_change_t){ .to = "checked_out", .actor = w.a_manager };
  OK (mt_reservation_apply (&w.owner.ctx, &read_before, &change, &out, &fx_err));
  assert_int_equal (mt_bson_int (&out, "version", 0), 3);
  bson_destroy (&out);
  change = (mt_reservation_change_t){ .to = "cancelled", .actor = w.b_manager, .reason = "x" };
  FAILS (mt_reservation_apply (&w.borrower.ctx, &read_before, &change, &out, &fx_err),
         MT_ERR_STALE);
  bson_destroy (&out);
  bson_destroy (&read_before);
  assert_string_equal (status_of (fx, id, buf), "checked_out");
  audit_ids (fx, id, ids, sizeof ids);
  assert_string_equal (ids, ":1 :2 :3");
  /* fields only (the timers' flags): no history item, no audit entry */
  stored (fx, id, &read_before);
  {
    bson_t set = BSON_INITIALIZER;
    BSON_APPEND_BOOL (&set, "overdue", true);
    change = (mt_reservation_change_t){ .to = NULL, .actor = "system", .set = &set };
    OK (mt_reservation_apply (&w.owner.ctx, &read_before, &change, &out, &fx_err));
    assert_true (mt_bson_bool (&out, "overdue", false));
    assert_string_equal (mt_bson_str (&out, "status"), "checked_out");
    assert_false (mt_bson_has (&out, "history.3"));
    bson_destroy (&out);
    bson_destroy (&set);
  }
  bson_destroy (&read_before);
  /* an illegal transition through apply */
  stored (fx, id, &read_before);
  change = (mt_reservation_change_t){ .to = "expired", .actor = "system" };
  FAILS (mt_reservation_apply (&w.owner.ctx, &read_before, &change, NULL, &fx_err),
         MT_ERR_CONFLICT);
  bson_destroy (&read_before);
  world_destroy (&w);
}

/* ---- Reading ------------------------------------------------------------------------------ */

static void
get_pickup_and_overdue (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char listing[MT_ID_SIZE], id[MT_ID_SIZE];
  bson_t out;

  make_world (fx, &w);
  good (&w, ",'quantity':5", listing);
  OK (reserve (&w.borrower, listing, START, END, 1, id));
  OK (mt_reservation_get (&w.borrower.ctx, id, &out, &fx_err));
  assert_false (mt_bson_has (&out, "pickup"));
  assert_valid_as_json ("reservation.json", &out);
  bson_destroy (&out);
  OK (mt_reservation_get (&w.owner_staff.ctx, id, &out, &fx_err));
  assert_string_equal (mt_bson_str (&out, "pickup.address"), "12 rue des Arts, Roubaix");
  bson_destroy (&out);
  OK (mt_reservation_get (&w.administrator.ctx, id, &out, &fx_err));
  assert_true (mt_bson_has (&out, "pickup"));
  bson_destroy (&out);
  /* the listing itself hides the pickup from the borrower until approval */
  OK (mt_listing_get (&w.borrower_staff.ctx, listing, &out, &fx_err));
  assert_false (mt_bson_has (&out, "pickup"));
  bson_destroy (&out);
  OK (act (&w.owner, id, MT_RESERVATION_APPROVE, "{}", NULL));
  OK (mt_reservation_get (&w.borrower_staff.ctx, id, &out, &fx_err));
  assert_string_equal (mt_bson_str (&out, "pickup.address"), "12 rue des Arts, Roubaix");
  assert_false (mt_bson_bool (&out, "overdue", true));
  bson_destroy (&out);
  OK (mt_listing_get (&w.borrower_staff.ctx, listing, &out, &fx_err));
  assert_true (mt_bson_has (&out, "pickup"));
  bson_destroy (&out);
  OK (mt_listing_get (&w.other.ctx, listing, &out, &fx_err));
  assert_false (mt_bson_has (&out, "pickup"));
  bson_destroy (&out);
  /* checked out and past its end: overdue, derived on read */
  OK (act (&w.owner, id, MT_RESERVATION_CHECKOUT, NOTE_BODY, NULL));
  w.borrower.ctx.now_ms = END - 1;
  OK (mt_reservation_get (&w.borrower.ctx, id, &out, &fx_err));
  assert_false (mt_bson_bool (&out, "overdue", true));
  assert_true (mt_bson_has (&out, "pickup"));
  bson_destroy (&out);
  w.borrower.ctx.now_ms = END;
  OK (mt_reservation_get (&w.borrower.ctx, id, &out, &fx_err));
  assert_true (mt_bson_bool (&out, "overdue", false));
  bson_destroy (&out);
  /* returned: the borrower no longer sees the pickup */
  OK (act (&w.owner, id, MT_RESERVATION_RETURN, NOTE_BODY, NULL));
  OK (mt_reservation_get (&w.borrower.ctx, id, &out, &fx_err));
  assert_false (mt_bson_has (&out, "pickup"));
  assert_false (mt_bson_bool (&out, "overdue", true));
  bson_destroy (&out);
  world_destroy (&w);
}

static uint32_t
list_count (fx_caller_t *c, const char *role, const char *status, const char *limit,
            char cursor[MT_STORE_CURSOR_MAX])
{
  mt_reservation_list_query_t q = { .role = role, .status = status, .limit = limit };
  bson_t items;
  uint32_t n;

  OK (mt_reservation_list (&c->ctx, &q, &items, cursor, &fx_err));
  n = bson_count_keys (&items);
  bson_destroy (&items);
  return n;
}

static void
list_by_role_and_status (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char listing[MT_ID_SIZE], id[MT_ID_SIZE], cursor[MT_STORE_CURSOR_MAX];
  mt_reservation_list_query_t q = { 0 };
  bson_t items;

  make_world (fx, &w);
  good (&w, ",'quantity':10", listing);
  OK (reserve (&w.borrower, listing, START, END, 1, id));
  OK (act (&w.owner, id, MT_RESERVATION_APPROVE, "{}", NULL));
  OK (reserve (&w.borrower_staff, listing, START, END, 1, NULL));
  OK (reserve (&w.other, listing, START, END, 1, id));
  OK (act (&w.other, id, MT_RESERVATION_CANCEL, CANCEL_BODY, NULL));
  assert_int_equal (list_count (&w.borrower, NULL, NULL, NULL, cursor), 2);
  assert_string_equal (cursor, "");
  assert_int_equal (list_count (&w.borrower, "borrower", "approved", NULL, cursor), 1);
  assert_int_equal (list_count (&w.borrower, "borrower", "requested,approved", NULL, cursor), 2);
  assert_int_equal (list_count (&w.borrower, "lender", NULL, NULL, cursor), 0);
  assert_int_equal (list_count (&w.owner_staff, "lender", NULL, NULL, cursor), 3);
  assert_int_equal (list_count (&w.owner, "lender", "cancelled", NULL, cursor), 1);
  assert_int_equal (list_count (&w.stranger, "lender", NULL, NULL, cursor), 0);
  /* pages */
  assert_int_equal (list_count (&w.owner, "lender", NULL, "2", cursor), 2);
  assert_string_not_equal (cursor, "");
  q = (mt_reservation_list_query_t){ .role = "lender", .limit = "2", .cursor = cursor };
  OK (mt_reservation_list (&w.owner.ctx, &q, &items, cursor, &fx_err));
  assert_int_equal (bson_count_keys (&items), 1);
  assert_string_equal (cursor, "");
  bson_destroy (&items);
  /* bad parameters: 400 naming them */
  q = (mt_reservation_list_query_t){ .role = "owner" };
  FAILS (mt_reservation_list (&w.owner.ctx, &q, &items, cursor, &fx_err), MT_ERR_BAD_REQUEST);
  assert_string_equal (fx_err.path, "role");
  bson_destroy (&items);
  q = (mt_reservation_list_query_t){ .status = "requested,lost" };
  FAILS (mt_reservation_list (&w.owner.ctx, &q, &items, cursor, &fx_err), MT_ERR_BAD_REQUEST);
  assert_string_equal (fx_err.path, "status");
  bson_destroy (&items);
  q = (mt_reservation_list_query_t){ .status = "" };
  FAILS (mt_reservation_list (&w.owner.ctx, &q, &items, cursor, &fx_err), MT_ERR_BAD_REQUEST);
  bson_destroy (&items);
  q = (mt_reservation_list_query_t){ .limit = "0" };
  FAILS (mt_reservation_list (&w.owner.ctx, &q, &items, cursor, &fx_err), MT_ERR_BAD_REQUEST);
  assert_string_equal (fx_err.path, "limit");
  bson_destroy (&items);
  q = (mt_reservation_list_query_t){ .cursor = "not-a-cursor" };
  FAILS (mt_reservation_list (&w.owner.ctx, &q, &items, cursor, &fx_err), MT_ERR_BAD_REQUEST);
  bson_destroy (&items);
  world_destroy (&w);
}

/* ---- Listings with reservations, reconciliation, audit ------------------------------------ */

static void
listing_with_reservations_is_archived (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char listing[MT_ID_SIZE], id[MT_ID_SIZE];
  mt_listing_removal_t removal;
  bson_t out;

  make_world (fx, &w);
  good (&w, NULL, listing);
  OK (reserve (&w.borrower, listing, START, END, 1, id));
  OK (act (&w.borrower, id, MT_RESERVATION_CANCEL, CANCEL_BODY, NULL));
  assert_int_equal (calendar_entries (fx, listing, NULL, NULL), 0);
  /* no calendar entry left, but a (cancelled) reservation: archived, not deleted */
  OK (mt_listing_delete (&w.owner.ctx, listing, NULL, &removal, &out, &fx_err));
  assert_int_equal (removal, MT_LISTING_ARCHIVED);
  bson_destroy (&out);
  /* the reservation stays readable */
  OK (mt_reservation_get (&w.borrower.ctx, id, &out, &fx_err));
  bson_destroy (&out);
  /* without any reservation: deleted */
  good (&w, NULL, listing);
  OK (mt_listing_delete (&w.owner.ctx, listing, NULL, &removal, &out, &fx_err));
  assert_int_equal (removal, MT_LISTING_REMOVED);
  bson_destroy (&out);
  world_destroy (&w);
}

/* Adds an entry for @reservation_id created at @created to @listing's calendar. */
static void
add_entry (fx_t *fx, const char *listing, const char *reservation_id, int64_t created)
{
  bson_t calendar, next;
  bson_t entries, entry;
  bson_iter_t it, child;
  uint32_t i = 0;
  char key[16];
  mt_error_t error;

  assert_true (fx->store->ops->calendar_get (fx->store, listing, &calendar, &error));
  bson_init (&next);
  BSON_APPEND_UTF8 (&next, "listing_id", listing);
  BSON_APPEND_ARRAY_BEGIN (&next, "entries", &entries);
  if (bson_iter_init_find (&it, &calendar, "entries") && bson_iter_recurse (&it, &child)) {
    while (bson_iter_next (&child)) {
      snprintf (key, sizeof key, "%u", i++);
      bson_append_iter (&entries, key, -1, &child);
    }
  }
  snprintf (key, sizeof key, "%u", i);
  BSON_APPEND_DOCUMENT_BEGIN (&entries, key, &entry);
  BSON_APPEND_UTF8 (&entry, "reservation_id", reservation_id);
  BSON_APPEND_DATE_TIME (&entry, "start", START + 20 * DAY);
  BSON_APPEND_DATE_TIME (&entry, "end", END + 20 * DAY);
  BSON_APPEND_INT32 (&entry, "units", 1);
  BSON_APPEND_DATE_TIME (&entry, "created_at", created);
  bson_append_document_end (&entries, &entry);
  bson_append_array_end (&next, &entries);
  if (!fx->store->ops->calendar_put (fx->store, listing, mt_bson_int (&calendar, "version", 0),
                                     &next, &error)) {
    fail_msg ("calendar_put: %s", error.message);
  }
  bson_destroy (&calendar);
  bson_destroy (&next);
}

static void
reconciliation_removes_orphans_and_stale_entries (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char listing[MT_ID_SIZE], kept[MT_ID_SIZE], gone[MT_ID_SIZE], ids[256];
  uint32_t removed = 0;
  bool has;
  mt_reservation_change_t change;
  bson_t doc;
  mt_ctx_t timers;

  make_world (fx, &w);
  good (&w, ",'quantity':10", listing);
  OK (reserve (&w.borrower, listing, START, END, 1, kept));
  OK (reserve (&w.other, listing, START, END, 1, gone));
  /* a crash between the reservation's write and the release: a stale entry */
  stored (fx, gone, &doc);
  {
    /* write "cancelled" without the engine, as a crash would leave it */
    bson_t next = BSON_INITIALIZER;
    static const char *const skip[] = { "status", NULL };
    bson_destroy (&next);
    mt_bson_copy_without (&doc, &next, skip);
    BSON_APPEND_UTF8 (&next, "status", "cancelled");
    OK (fx->store->ops->reservation_update (fx->store, gone, 1, &next, &fx_err));
    bson_destroy (&next);
  }
  bson_destroy (&doc);
  /* a crash between the calendar write and the insert: orphans, one young, one old */
  add_entry (fx, listing, "res_OrphanOrphanOrphan0001", FX_NOW_MS - 11 * 60 * 1000);
  add_entry (fx, listing, "res_OrphanOrphanOrphan0002", FX_NOW_MS + 5 * 60 * 1000);
  assert_int_equal (calendar_entries (fx, listing, NULL, NULL), 4);
  /* ten minutes later than the creations: the stale entry and the old orphan go */
  timers = w.owner.ctx;
  timers.principal = NULL;
  timers.now_ms = FX_NOW_MS + MT_RESERVATION_ORPHAN_GRACE_MS;
  OK (mt_reservation_calendar_reconcile (&timers, listing, MT_RESERVATION_ORPHAN_GRACE_MS, &removed,
                                         &fx_err));
  assert_int_equal (removed, 2);
  assert_int_equal (calendar_entries (fx, listing, kept, &has), 2);
  assert_true (has);
  calendar_entries (fx, listing, gone, &has);
  assert_false (has);
  calendar_entries (fx, listing, "res_OrphanOrphanOrphan0002", &has);
  assert_true (has);
  /* with no grace at all the young orphan goes too; blocking reservations never do */
  OK (mt_reservation_calendar_reconcile (&timers, listing, 0, &removed, &fx_err));
  assert_int_equal (removed, 1);
  assert_int_equal (calendar_entries (fx, listing, kept, &has), 1);
  assert_true (has);
  /* release is idempotent */
  OK (mt_reservation_calendar_release (&timers, listing, gone, &fx_err));
  OK (mt_reservation_calendar_release (&timers, "lst_AAAAAAAAAAAAAAAAAAAAAA", gone, &fx_err));
  /* expiry by the timers: a system change through the engine releases the units */
  stored (fx, kept, &doc);
  {
    bson_t set = BSON_INITIALIZER;
    BSON_APPEND_DATE_TIME (&set, "expired_at", timers.now_ms);
    change = (mt_reservation_change_t){
      .to = "expired", .actor = "system", .reason = "no_answer", .set = &set
    };
    OK (mt_reservation_apply (&timers, &doc, &change, NULL, &fx_err));
    bson_destroy (&set);
  }
  bson_destroy (&doc);
  assert_int_equal (calendar_entries (fx, listing, NULL, NULL), 0);
  audit_ids (fx, kept, ids, sizeof ids);
  assert_string_equal (ids, ":1 :2");
  stored (fx, kept, &doc);
  assert_string_equal (mt_bson_str (&doc, "history.1.actor"), "system");
  bson_destroy (&doc);
  world_destroy (&w);
}

static void
audit_rerecords_missing_entries (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char listing[MT_ID_SIZE], id[MT_ID_SIZE], ids[256];
  uint32_t recorded = 99;
  bson_t doc;
  mt_store_page_t page;

  make_world (fx, &w);
  good (&w, NULL, listing);
  OK (reserve (&w.borrower, listing, START, END, 1, id));
  OK (act (&w.owner, id, MT_RESERVATION_APPROVE, "{}", NULL));
  stored (fx, id, &doc);
  /* everything is recorded already: nothing new, no error */
  OK (mt_audit_record_reservation (fx->store, &doc, 1, &recorded, &fx_err));
  assert_int_equal (recorded, 0);
  bson_destroy (&doc);
  /* a reservation whose audit was lost (stored straight, as after a crash) */
  {
    bson_t copy = BSON_INITIALIZER;
    static const char *const skip[] = { "id", NULL };
    stored (fx, id, &doc);
    bson_destroy (&copy);
    mt_bson_copy_without (&doc, &copy, skip);
    BSON_APPEND_UTF8 (&copy, "id", "res_CrashCrashCrashCrash00");
    OK (fx->store->ops->reservation_insert (fx->store, &copy, &fx_err));
    OK (mt_audit_record_reservation (fx->store, &copy, 1, &recorded, &fx_err));
    assert_int_equal (recorded, 2);
    OK (mt_audit_record_reservation (fx->store, &copy, 1, &recorded, &fx_err));
    assert_int_equal (recorded, 0);
    bson_destroy (&copy);
    bson_destroy (&doc);
  }
  audit_ids (fx, "res_CrashCrashCrashCrash00", ids, sizeof ids);
  assert_string_equal (ids, ":1 :2");
  /* the entries carry from, to, actor, entity, reason */
  mt_store_page_init (&page);
  mt_store_page_destroy (&page);
  OK (fx->store->ops->audit_list (fx->store, id, NULL, 10, &page, &fx_err));
  assert_int_equal (page.count, 2);
  assert_string_equal (mt_bson_str (&page.items, "0.entity"), "reservation");
  assert_string_equal (mt_bson_str (&page.items, "0.entity_id"), id);
  {
    /* newest first; both at the same instant, then by id descending: ":2" first */
    assert_string_equal (mt_bson_str (&page.items, "0.to"), "approved");
    assert_string_equal (mt_bson_str (&page.items, "0.from"), "requested");
    assert_string_equal (mt_bson_str (&page.items, "0.actor"), w.a_manager);
    assert_string_equal (mt_bson_str (&page.items, "1.to"), "requested");
  }
  mt_store_page_destroy (&page);
  world_destroy (&w);
}

/* ---- Schemas ---------------------------------------------------------------------------- */

static void
schemas_of_bodies (void **state)
{
  (void) state;
  check_body ("reservation_create.json",
              "{'listing_id':'lst_AAAAAAAAAAAAAAAAAAAAAA','start':'2026-07-01T09:00:00Z',"
              "'end':'2026-07-02T09:00:00Z','units':2,'message':'Merci !'}",
              true);
  check_body ("reservation_create.json",
              "{'listing_id':'lst_AAAAAAAAAAAAAAAAAAAAAA','start':'2026-07-01T09:00:00Z',"
              "'end':'2026-07-02T09:00:00Z'}",
              true);
  /* mass assignment: every server-owned field is refused */
  static const char *const owned[] = { "'status':'approved'",
                                       "'owner_member_id':'mem_AAAAAAAAAAAAAAAAAAAAAA'",
                                       "'borrower_member_id':'mem_AAAAAAAAAAAAAAAAAAAAAA'",
                                       "'requested_by':'acc_AAAAAAAAAAAAAAAAAAAAAA'",
                                       "'version':7",
                                       "'history':[]",
                                       "'id':'res_AAAAAAAAAAAAAAAAAAAAAA'",
                                       "'expires_at':'2026-07-01T09:00:00Z'" };
  for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++) {
    char text[512];
    snprintf (text, sizeof text,
              "{'listing_id':'lst_AAAAAAAAAAAAAAAAAAAAAA','start':'2026-07-01T09:00:00Z',"
              "'end':'2026-07-02T09:00:00Z',%s}",
              owned[i]);
    check_body ("reservation_create.json", text, false);
  }
  check_body ("reservation_create.json",
              "{'listing_id':'lst_AAAAAAAAAAAAAAAAAAAAAA','start':'demain',"
              "'end':'2026-07-02T09:00:00Z'}",
              false);
  check_body ("reservation_create.json",
              "{'listing_id':'lst_AAAAAAAAAAAAAAAAAAAAAA','start':'2026-07-01T09:00:00Z',"
              "'end':'2026-07-02T09:00:00Z','units':0}",
              false);
  check_body ("reservation_create.json",
              "{'listing_id':'x','start':'2026-07-01T09:00:00Z','end':'2026-07-02T09:00:00Z'}",
              false);
  check_body ("reservation_create.json", "{'start':'2026-07-01T09:00:00Z'}", false);
  check_body ("reservation_approve.json", "{}", true);
  check_body ("reservation_approve.json", "{'note':'ok'}", true);
  check_body ("reservation_approve.json", "{'status':'approved'}", false);
  check_body ("reservation_decline.json", "{'reason':'non'}", true);
  check_body ("reservation_cancel.json", "{}", false);
  check_body ("reservation_cancel.json", "{'reason':'plus besoin'}", true);
  check_body ("reservation_checkout.json", "{}", false);
  check_body ("reservation_checkout.json", "{'condition_note':'ok'}", true);
  check_body ("reservation_return.json", "{'condition_note':'ok'}", true);
  check_body ("reservation_return.json",
              "{'condition_note':'ok','incident':{'type':'loss','text':'perdu'}}", true);
  check_body ("reservation_return.json",
              "{'condition_note':'ok','incident':{'type':'theft','text':'volé'}}", false);
  check_body ("reservation_return.json", "{'condition_note':'ok','incident':{'type':'loss'}}",
              false);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("reservations/schemas/bodies", schemas_of_bodies),
    { "reservations/create/entry_history_audit", create_writes_entry_history_and_audit, fx_setup,
      fx_teardown, NULL },
    { "reservations/create/auto_approval", create_auto_approval, fx_setup, fx_teardown, NULL },
    { "reservations/create/rules_at_boundaries", create_rules_at_their_boundaries, fx_setup,
      fx_teardown, NULL },
    { "reservations/create/member_limit", create_member_limit, fx_setup, fx_teardown, NULL },
    { "reservations/create/calendar_rules", create_calendar_rules, fx_setup, fx_teardown, NULL },
    { "reservations/transitions/from_every_status", transitions_from_every_status, fx_setup,
      fx_teardown, NULL },
    { "reservations/transitions/rights", transition_rights, fx_setup, fx_teardown, NULL },
    { "reservations/transitions/releases_history_audit", releases_history_and_audit, fx_setup,
      fx_teardown, NULL },
    { "reservations/transitions/races_if_match_apply", races_if_match_and_apply, fx_setup,
      fx_teardown, NULL },
    { "reservations/get/pickup_and_overdue", get_pickup_and_overdue, fx_setup, fx_teardown, NULL },
    { "reservations/list/role_status_pages", list_by_role_and_status, fx_setup, fx_teardown, NULL },
    { "reservations/listing/archived_with_reservations", listing_with_reservations_is_archived,
      fx_setup, fx_teardown, NULL },
    { "reservations/reconcile/orphans_and_stale", reconciliation_removes_orphans_and_stale_entries,
      fx_setup, fx_teardown, NULL },
    { "reservations/audit/rerecords_missing", audit_rerecords_missing_entries, fx_setup,
      fx_teardown, NULL },
  };

  return cmocka_run_group_tests (tests, group_setup, group_teardown);
}
