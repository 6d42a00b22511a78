/*
 * Two mutuad on ONE store run their timers and dispatchers at once (instances_helpers.h;
 * MUTUA_TEST_STORE chooses SQLite, the default, or MongoDB): every automatic change still
 * happens exactly once.
 *
 * Phase 1 (timers every 86400 s, so no sweep runs): the world is built over HTTP on both
 * instances: members (credits on), a webhook to the test's receiver, reservation requests
 * and loans, service bookings completed. Then both stop; through the storage port the test
 * dates the completions of the bookings and the returns of some loans two days back.
 * Phase 2 (timers every second, dispatchers every 50 ms): both start again. Due at once or
 * within a few seconds, while both sweep: N_EXPIRE requests whose start comes (expiry),
 * N_OVERDUE checked-out loans whose end comes (overdue, and maybe a reminder before),
 * N_REMIND_START approved loans starting within the reminder lead, N_REMIND_END loans due
 * back within it, N_CLOSE returned loans to close, N_BOOKINGS bookings to confirm and pay,
 * and every member's monthly grant of credits.
 *
 * Checked from the store: each change made once (status, flags, one history item, one audit
 * entry, one notification per account and kind), one ledger entry "booking:<id>" per
 * booking and one "monthly:<member>:<month>" per member, exact balances, a ledger summing
 * to 0; every outbox message sent after exactly one attempt, received exactly once (e-mails
 * by the stand-in sendmail, deliveries by the receiver); the sums of the instances' logs
 * equal to those counts (what each instance did is counted once, by the winner); both
 * instances did part of the sweeping; `mutuad check` is clean while both run and after;
 * with SQLite, a third mutuad without store_shared is refused beside them.
 */
#include "instances_helpers.h"

#define N_BORROWERS 4
#define N_IDLE 20
#define N_EXPIRE 40
#define N_OVERDUE 30
#define N_REMIND_START 20
#define N_REMIND_END 10
#define N_CLOSE 10
#define N_BOOKINGS 20
#define BOOKING_PRICE 2                      /* 60 minutes at 2 credits an hour */
#define WELCOME 50                           /* credits_welcome_grant (default) */
#define MONTHLY 30                           /* credits_monthly_grant (default) */
#define STAGGER_MS 100                       /* between two due instants in phase 2 */
#define PHASE2_LEAD_MS INT64_C (25000)       /* from building the timed loans to their first due */
#define EXTRA_PASSES 3                       /* sweeps of each instance once everything is done */
#define N_MEMBERS (2 + N_BORROWERS + N_IDLE) /* owner, provider... see world_t */

#define CONFIG_COMMON                                                                              \
  "credits_enabled = true\n"                                                                       \
  "reservations_per_hour = 0\n"                                                                    \
  "bookings_per_hour = 0\n"                                                                        \
  "max_active_reservations = 1000\n"                                                               \
  "reminder_lead_hours = 1\n"                                                                      \
  "close_after_days = 1\n"                                                                         \
  "booking_confirm_after_days = 1\n"                                                               \
  "outbox_interval_ms = 50\n"                                                                      \
  "outbox_retry_base_s = 1\n"                                                                      \
  "webhook_timeout_s = 10\n"

static mt_test_server_t srv_b; /* it_server is instance "a" */
static bool skipped;
static char skip_reason[256];

static int
setup (void **state)
{
  (void) state;
  if (!ih_store_choose (skip_reason, sizeof skip_reason)) {
    if (ih_store.mongodb) {
      skipped = true; /* said by the test, which skips */
      return 0;
    }
    fprintf (stderr, "instances: %s\n", skip_reason);
    return -1;
  }
  if (!ih_write_sendmail () || !ih_receiver_start ()) {
    return -1;
  }
  return 0;
}

static int
teardown (void **state)
{
  (void) state;
  free (it_admin);
  it_admin = NULL;
  mt_test_server_destroy (&it_server);
  mt_test_server_destroy (&srv_b);
  ih_receiver_stop ();
  ih_work_remove ();
  return 0;
}

/* ---- requests on either instance -------------------------------------------------------- */

/* One request to @srv that must answer @status; the id of the answer to @id (may be NULL). */
static void
call_on (const mt_test_server_t *srv, const char *token, const char *method, const char *path,
         const char *json, int status, char id[MT_ID_SIZE])
{
  mt_http_response_t resp;

  if (!mt_test_server_request (srv, token, method, path, NULL, json, &resp)) {
    fail_msg ("%s %s: no response", method, path);
  }
  it_assert_status (&resp, status, method, path);
  if (id) {
    snprintf (id, MT_ID_SIZE, "%s", mt_http_json_string (&resp, "id"));
  }
  mt_http_response_destroy (&resp);
}

/* A reservation of [@start, @end) on @listing by @borrower through @srv; id to @id. */
static void
reserve_on (const mt_test_server_t *srv, const it_person_t *borrower, const char *listing,
            int64_t start, int64_t end, char id[MT_ID_SIZE])
{
  char body[512], s[MT_TIME_RFC3339_MAX], e[MT_TIME_RFC3339_MAX];

  mt_time_format_rfc3339 (start, s);
  mt_time_format_rfc3339 (end, e);
  snprintf (body, sizeof body, "{\"listing_id\":\"%s\",\"start\":\"%s\",\"end\":\"%s\"}", listing,
            s, e);
  call_on (srv, borrower->token, "POST", "/v1/reservations", body, 201, id);
}

/* POST /v1/<@kind>/{id}/@action through @srv, 200 expected. */
static void
act_on (const mt_test_server_t *srv, const char *token, const char *kind, const char *id,
        const char *action, const char *json)
{
  char path[160];

  snprintf (path, sizeof path, "/v1/%s/%s/%s", kind, id, action);
  call_on (srv, token, "POST", path, json, 200, NULL);
}

/* Instance "a" for even @i, "b" for odd: the requests are spread over both. */
static const mt_test_server_t *
either (int i)
{
  return i % 2 ? &srv_b : &it_server;
}

/* ---- the world --------------------------------------------------------------------------- */

typedef struct {
  it_person_t owner;                  /* lends the goods */
  it_person_t provider;               /* gives the services */
  it_person_t borrowers[N_BORROWERS]; /* borrow and book */
  it_person_t idle[N_IDLE];           /* only get their monthly grant */
  char goods[MT_ID_SIZE], service[MT_ID_SIZE];
  char expire[N_EXPIRE][MT_ID_SIZE];
  char overdue[N_OVERDUE][MT_ID_SIZE];
  char remind_start[N_REMIND_START][MT_ID_SIZE];
  char remind_end[N_REMIND_END][MT_ID_SIZE];
  char close[N_CLOSE][MT_ID_SIZE];
  char bookings[N_BOOKINGS][MT_ID_SIZE];
  int64_t last_due; /* the last instant something of phase 2 becomes due */
} world_t;

static const it_person_t *
borrower (const world_t *w, int i)
{
  return &w->borrowers[i % N_BORROWERS];
}

static void
make_people (world_t *w)
{
  char net[MT_ID_SIZE], nets[64];
  char body[256];

  it_network (net);
  it_networks1 (nets, net);
  it_signup (nets, true, &w->owner);
  it_signup (nets, true, &w->provider);
  for (int i = 0; i < N_BORROWERS; i++) {
    it_signup (nets, true, &w->borrowers[i]);
  }
  for (int i = 0; i < N_IDLE; i++) {
    it_signup (nets, true, &w->idle[i]);
  }
  /* Every reservation and booking event of phase 2 goes to the receiver too. */
  snprintf (body, sizeof body,
            "{\"url\":\"http://127.0.0.1:%u/hooks\",\"events\":[\"reservation.requested\","
            "\"reservation.expired\",\"reservation.overdue\",\"reservation.reminder\","
            "\"booking.completed\",\"booking.confirmed\"]}",
            (unsigned) ih_receiver.port);
  call_on (&it_server, it_admin, "POST", "/v1/admin/webhooks", body, 201, NULL);
}

static void
make_listings (world_t *w)
{
  char body[1024];

  lh_good (&w->owner, "Barnum 3x3", 1000, w->goods);
  lh_q ("{'kind':'service','title':'Atelier réparation','category':'animation-facilitation',"
        "'duration_minutes':60,'credit_rate_per_hour':2,'status':'published'}",
        body, sizeof body);
  call_on (&it_server, w->provider.token, "POST", "/v1/listings", body, 201, w->service);
}

/* Bookings completed now (their completion is dated back later), over both instances. */
static void
make_bookings (world_t *w)
{
  char body[256], s[MT_TIME_RFC3339_MAX];

  mt_time_format_rfc3339 ((mt_time_now_ms () / 1000) * 1000 + 2 * LH_DAY, s);
  for (int i = 0; i < N_BOOKINGS; i++) {
    snprintf (body, sizeof body, "{\"listing_id\":\"%s\",\"start\":\"%s\"}", w->service, s);
    call_on (either (i), borrower (w, i)->token, "POST", "/v1/bookings", body, 201, w->bookings[i]);
    act_on (either (i + 1), w->provider.token, "bookings", w->bookings[i], "accept", "{}");
    act_on (either (i), w->provider.token, "bookings", w->bookings[i], "complete", "{}");
  }
}

/* Loans that do not depend on the moment phase 2 starts: reminders due for a long while,
 * returned loans (their return is dated back later). */
static void
make_untimed_loans (world_t *w)
{
  int64_t now = (mt_time_now_ms () / 1000) * 1000;

  for (int i = 0; i < N_REMIND_START; i++) {
    int64_t start = now + 30 * 60000 + i * 1000;
    reserve_on (either (i), borrower (w, i), w->goods, start, start + LH_HOUR, w->remind_start[i]);
    act_on (either (i + 1), w->owner.token, "reservations", w->remind_start[i], "approve", "{}");
  }
  for (int i = 0; i < N_REMIND_END; i++) {
    int64_t start = mt_time_now_ms () + 5000;
    reserve_on (either (i), borrower (w, i), w->goods, start, now + 40 * 60000, w->remind_end[i]);
    act_on (either (i + 1), w->owner.token, "reservations", w->remind_end[i], "approve", "{}");
    act_on (either (i), w->owner.token, "reservations", w->remind_end[i], "checkout", LH_NOTE);
  }
  for (int i = 0; i < N_CLOSE; i++) {
    int64_t start = mt_time_now_ms () + 5000;
    reserve_on (either (i), borrower (w, i), w->goods, start, start + LH_HOUR, w->close[i]);
    act_on (either (i + 1), w->owner.token, "reservations", w->close[i], "approve", "{}");
    act_on (either (i), w->owner.token, "reservations", w->close[i], "checkout", LH_NOTE);
    act_on (either (i + 1), w->owner.token, "reservations", w->close[i], "return", LH_NOTE);
  }
}

/*
 * Requests that expire and loans that become overdue one after the other, STAGGER_MS apart,
 * from PHASE2_LEAD_MS on: while both instances sweep, not in one batch at start.
 */
static void
make_timed_loans (world_t *w)
{
  int64_t first = mt_time_now_ms () + PHASE2_LEAD_MS;

  for (int i = 0; i < N_EXPIRE; i++) {
    int64_t start = first + i * 2 * STAGGER_MS;
    reserve_on (either (i), borrower (w, i), w->goods, start, start + LH_HOUR, w->expire[i]);
  }
  for (int i = 0; i < N_OVERDUE; i++) {
    /* due at its end: between the expiries */
    int64_t start = first - 1000 + STAGGER_MS + i * 2 * STAGGER_MS;
    reserve_on (either (i), borrower (w, i), w->goods, start, start + 1000, w->overdue[i]);
    act_on (either (i + 1), w->owner.token, "reservations", w->overdue[i], "approve", "{}");
    act_on (either (i), w->owner.token, "reservations", w->overdue[i], "checkout", LH_NOTE);
  }
  w->last_due = first + N_EXPIRE * 2 * STAGGER_MS;
  /* Everything must have been made before the first is due (otherwise the machine is far
   * slower than any developer's: a failure, said as such). */
  if (mt_time_now_ms () >= first - 5000) {
    fail_msg ("building the timed loans took more than %lld ms", (long long) PHASE2_LEAD_MS);
  }
}

static void
world_destroy (world_t *w)
{
  it_person_destroy (&w->owner);
  it_person_destroy (&w->provider);
  for (int i = 0; i < N_BORROWERS; i++) {
    it_person_destroy (&w->borrowers[i]);
  }
  for (int i = 0; i < N_IDLE; i++) {
    it_person_destroy (&w->idle[i]);
  }
}

/* ---- the store, read and dated back ---------------------------------------------------- */

typedef enum { KIND_RESERVATION, KIND_BOOKING } kind_t;

static void
get_doc (const ih_handle_t *h, kind_t kind, const char *id, bson_t *out)
{
  mt_error_t error;
  bool ok = kind == KIND_RESERVATION ? h->store->ops->reservation_get (h->store, id, out, &error)
                                     : h->store->ops->booking_get (h->store, id, out, &error);
  if (!ok) {
    fail_msg ("%s: %s", id, error.message);
  }
}

/* Moves the date @field of @id @by_ms back (compare-and-set on the version read). */
static void
date_back (const ih_handle_t *h, kind_t kind, const char *id, const char *field, int64_t by_ms)
{
  const char *const without[] = { field, NULL };
  bson_t doc, changed = BSON_INITIALIZER;
  mt_error_t error;
  bool ok;

  get_doc (h, kind, id, &doc);
  assert_true (mt_bson_has (&doc, field));
  mt_bson_copy_without (&doc, &changed, without);
  BSON_APPEND_DATE_TIME (&changed, field, mt_bson_date (&doc, field, 0) - by_ms);
  ok = kind == KIND_RESERVATION
         ? h->store->ops->reservation_update (h->store, id, mt_bson_int (&doc, "version", 0),
                                              &changed, &error)
         : h->store->ops->booking_update (h->store, id, mt_bson_int (&doc, "version", 0), &changed,
                                          &error);
  if (!ok) {
    fail_msg ("%s: %s", id, error.message);
  }
  bson_destroy (&doc);
  bson_destroy (&changed);
}

/* The number of messages of the outbox with status @status (NULL: any). */
static int
outbox_count (const ih_handle_t *h, const char *status)
{
  const char *const statuses[] = { status, NULL };
  char cursor[MT_STORE_CURSOR_MAX] = "";
  int n = 0;

  do {
    mt_store_outbox_query_t query = { .statuses = status ? statuses : NULL,
                                      .cursor = cursor[0] ? cursor : NULL,
                                      .limit = MT_STORE_PAGE_MAX };
    mt_store_page_t page;
    mt_error_t error;
    if (!h->store->ops->outbox_list (h->store, &query, &page, &error)) {
      fail_msg ("outbox: %s", error.message);
    }
    n += (int) page.count;
    memcpy (cursor, page.next_cursor, sizeof cursor);
    mt_store_page_destroy (&page);
  } while (cursor[0]);
  return n;
}

/* Waits (bounded) until the outbox has nothing pending. */
static void
wait_outbox_drained (const ih_handle_t *h)
{
  for (int waited = 0; waited < LH_POLL_MAX_MS; waited += 200) {
    if (outbox_count (h, "pending") == 0) {
      return;
    }
    lh_sleep_ms (200);
  }
  fail_msg ("the outbox still has %d pending messages", outbox_count (h, "pending"));
}

/* The number of history items of @doc whose "to" is @to (and whose actor is @actor, unless
 * NULL). */
static int
history_to (const bson_t *doc, const char *to, const char *actor)
{
  bson_iter_t it, child;
  int n = 0;

  if (bson_iter_init_find (&it, doc, "history") && bson_iter_recurse (&it, &child)) {
    while (bson_iter_next (&child)) {
      bson_t item;
      uint32_t len;
      const uint8_t *data;
      bson_iter_document (&child, &len, &data);
      if (bson_init_static (&item, data, len) && mt_bson_str_eq (&item, "to", to) &&
          (!actor || mt_bson_str_eq (&item, "actor", actor))) {
        n++;
      }
    }
  }
  return n;
}

/* Calls @fn on every document of a paged store list; @list fills one page from @cursor. */
typedef bool (*list_fn_t) (const ih_handle_t *h, const char *key, const char *cursor,
                           mt_store_page_t *page, mt_error_t *error);

static void
each_doc (const ih_handle_t *h, list_fn_t list, const char *key,
          void (*fn) (const bson_t *doc, void *arg), void *arg)
{
  char cursor[MT_STORE_CURSOR_MAX] = "";

  do {
    mt_store_page_t page;
    mt_error_t error;
    bson_iter_t it;
    if (!list (h, key, cursor[0] ? cursor : NULL, &page, &error)) {
      fail_msg ("list %s: %s", key, error.message);
    }
    if (bson_iter_init (&it, &page.items)) {
      while (bson_iter_next (&it)) {
        bson_t doc;
        uint32_t len;
        const uint8_t *data;
        bson_iter_document (&it, &len, &data);
        if (bson_init_static (&doc, data, len)) {
          fn (&doc, arg);
        }
      }
    }
    memcpy (cursor, page.next_cursor, sizeof cursor);
    mt_store_page_destroy (&page);
  } while (cursor[0]);
}

static bool
list_audit (const ih_handle_t *h, const char *key, const char *cursor, mt_store_page_t *page,
            mt_error_t *error)
{
  return h->store->ops->audit_list (h->store, key, cursor, MT_STORE_PAGE_MAX, page, error);
}

static bool
list_notifications (const ih_handle_t *h, const char *key, const char *cursor,
                    mt_store_page_t *page, mt_error_t *error)
{
  return h->store->ops->notification_list (h->store, key, cursor, MT_STORE_PAGE_MAX, page, error);
}

static bool
list_ledger (const ih_handle_t *h, const char *key, const char *cursor, mt_store_page_t *page,
             mt_error_t *error)
{
  return h->store->ops->ledger_list (h->store, key, cursor, MT_STORE_PAGE_MAX, page, error);
}

/* Counts the documents whose @field equals @value and whose @field2 (may be NULL) equals
 * @value2 (a prefix when @prefix). */
typedef struct {
  const char *field, *value, *field2, *value2;
  bool prefix;
  int count;
} match_t;

static void
count_match (const bson_t *doc, void *arg)
{
  match_t *m = arg;
  const char *v2 = m->field2 ? mt_bson_str (doc, m->field2) : NULL;

  if (!mt_bson_str_eq (doc, m->field, m->value)) {
    return;
  }
  if (m->field2 && (!v2 || (m->prefix ? strncmp (v2, m->value2, strlen (m->value2)) != 0
                                      : strcmp (v2, m->value2) != 0))) {
    return;
  }
  m->count++;
}

/* The audit entries of @entity_id that record a change to @to. */
static int
audit_to (const ih_handle_t *h, const char *entity_id, const char *to)
{
  match_t m = { .field = "entity_id", .value = entity_id, .field2 = "to", .value2 = to };

  each_doc (h, list_audit, entity_id, count_match, &m);
  return m.count;
}

/* The notifications of @account of kind @kind about @entity_id. */
static int
notifications_of (const ih_handle_t *h, const char *account, const char *kind,
                  const char *entity_id)
{
  match_t m = { .field = "kind", .value = kind, .field2 = "entity_id", .value2 = entity_id };

  each_doc (h, list_notifications, account, count_match, &m);
  return m.count;
}

/* The ledger entries of @member whose id starts with @prefix. */
static int
ledger_entries (const ih_handle_t *h, const char *member, const char *prefix)
{
  match_t m = { .field = "to", .value = member, .field2 = "id", .value2 = prefix, .prefix = true };
  match_t sent = {
    .field = "from", .value = member, .field2 = "id", .value2 = prefix, .prefix = true
  };

  each_doc (h, list_ledger, member, count_match, &m);
  each_doc (h, list_ledger, member, count_match, &sent);
  return m.count + sent.count;
}

/* ---- phase 2: waiting ------------------------------------------------------------------- */

/* What is done so far, read from the store. */
typedef struct {
  int expired, overdue, reminded_start, reminded_end, closed, confirmed, granted, pending;
} progress_t;

static void
progress (const ih_handle_t *h, const world_t *w, const char *month, progress_t *p)
{
  char prefix[160];

  memset (p, 0, sizeof *p);
  for (int i = 0; i < N_EXPIRE; i++) {
    bson_t doc;
    get_doc (h, KIND_RESERVATION, w->expire[i], &doc);
    p->expired += mt_bson_str_eq (&doc, "status", "expired");
    bson_destroy (&doc);
  }
  for (int i = 0; i < N_OVERDUE; i++) {
    bson_t doc;
    get_doc (h, KIND_RESERVATION, w->overdue[i], &doc);
    p->overdue += mt_bson_bool (&doc, "overdue", false);
    bson_destroy (&doc);
  }
  for (int i = 0; i < N_REMIND_START; i++) {
    bson_t doc;
    get_doc (h, KIND_RESERVATION, w->remind_start[i], &doc);
    p->reminded_start += mt_bson_bool (&doc, "reminded_start", false);
    bson_destroy (&doc);
  }
  for (int i = 0; i < N_REMIND_END; i++) {
    bson_t doc;
    get_doc (h, KIND_RESERVATION, w->remind_end[i], &doc);
    p->reminded_end += mt_bson_bool (&doc, "reminded_end", false);
    bson_destroy (&doc);
  }
  for (int i = 0; i < N_CLOSE; i++) {
    bson_t doc;
    get_doc (h, KIND_RESERVATION, w->close[i], &doc);
    p->closed += mt_bson_str_eq (&doc, "status", "closed");
    bson_destroy (&doc);
  }
  for (int i = 0; i < N_BOOKINGS; i++) {
    bson_t doc;
    get_doc (h, KIND_BOOKING, w->bookings[i], &doc);
    p->confirmed += mt_bson_str_eq (&doc, "status", "confirmed");
    bson_destroy (&doc);
  }
  {
    bson_t entry;
    mt_error_t error;
    const it_person_t *all[] = { &w->owner, &w->provider };
    for (int i = 0; i < 2 + N_BORROWERS + N_IDLE; i++) {
      const it_person_t *m = i < 2                 ? all[i]
                             : i < 2 + N_BORROWERS ? &w->borrowers[i - 2]
                                                   : &w->idle[i - 2 - N_BORROWERS];
      snprintf (prefix, sizeof prefix, "monthly:%s:%s", m->member_id, month);
      if (h->store->ops->ledger_get (h->store, prefix, &entry, &error)) {
        p->granted++;
      }
      bson_destroy (&entry);
    }
  }
  p->pending = outbox_count (h, "pending");
}

static bool
progress_done (const progress_t *p)
{
  return p->expired == N_EXPIRE && p->overdue == N_OVERDUE && p->reminded_start == N_REMIND_START &&
         p->reminded_end >= N_REMIND_END && p->closed == N_CLOSE && p->confirmed == N_BOOKINGS &&
         p->granted == N_MEMBERS && p->pending == 0;
}

/* Waits (bounded) until everything due is done and the outbox is empty. */
static void
wait_all_done (const ih_handle_t *h, const world_t *w, const char *month)
{
  progress_t p;

  for (int waited = 0; waited < LH_POLL_MAX_MS; waited += 250) {
    progress (h, w, month, &p);
    if (progress_done (&p) && mt_time_now_ms () > w->last_due + 2000) {
      return;
    }
    lh_sleep_ms (250);
  }
  fail_msg ("not done: expired %d/%d, overdue %d/%d, reminded_start %d/%d, reminded_end %d/%d, "
            "closed %d/%d, confirmed %d/%d, monthly %d/%d, outbox pending %d",
            p.expired, N_EXPIRE, p.overdue, N_OVERDUE, p.reminded_start, N_REMIND_START,
            p.reminded_end, N_REMIND_END, p.closed, N_CLOSE, p.confirmed, N_BOOKINGS, p.granted,
            N_MEMBERS, p.pending);
}

/* Waits (bounded) until each instance has logged EXTRA_PASSES more sweeps. */
static void
wait_more_sweeps (void)
{
  int64_t a0 = 0, b0 = 0, a = 0, b = 0;

  ih_log_sum (&it_server, "sweep", "examined", &a0);
  ih_log_sum (&srv_b, "sweep", "examined", &b0);
  for (int waited = 0; waited < LH_POLL_MAX_MS; waited += 250) {
    ih_log_sum (&it_server, "sweep", "examined", &a);
    ih_log_sum (&srv_b, "sweep", "examined", &b);
    if (a >= a0 + EXTRA_PASSES && b >= b0 + EXTRA_PASSES) {
      return;
    }
    lh_sleep_ms (250);
  }
  fail_msg ("sweeps logged after the work: a %lld, b %lld", (long long) (a - a0),
            (long long) (b - b0));
}

/* ---- phase 2: checking ------------------------------------------------------------------ */

/* Reservation @id: in @status, one history item to @to (when @to), one audit entry of it;
 * @flag (may be NULL) true; one notification of @kind (may be NULL) for each side. */
static void
check_reservation (const ih_handle_t *h, const world_t *w, int borrower_index, const char *id,
                   const char *status, const char *to, const char *flag, const char *kind)
{
  bson_t doc;

  get_doc (h, KIND_RESERVATION, id, &doc);
  if (!mt_bson_str_eq (&doc, "status", status)) {
    fail_msg ("%s is %s, expected %s", id, mt_bson_str (&doc, "status"), status);
  }
  if (to) {
    assert_int_equal (history_to (&doc, to, NULL), 1);
    assert_int_equal (history_to (&doc, to, "system"), 1);
    assert_int_equal (audit_to (h, id, to), 1);
  }
  if (flag) {
    assert_true (mt_bson_bool (&doc, flag, false));
  }
  if (kind) {
    assert_int_equal (notifications_of (h, w->owner.account_id, kind, id), 1);
    assert_int_equal (notifications_of (h, borrower (w, borrower_index)->account_id, kind, id), 1);
  }
  bson_destroy (&doc);
}

static void
check_reservations (const ih_handle_t *h, const world_t *w, int *overdue_reminded)
{
  for (int i = 0; i < N_EXPIRE; i++) {
    check_reservation (h, w, i, w->expire[i], "expired", "expired", NULL, "reservation_expired");
  }
  *overdue_reminded = 0;
  for (int i = 0; i < N_OVERDUE; i++) {
    bson_t doc;
    int told;
    check_reservation (h, w, i, w->overdue[i], "checked_out", NULL, "overdue",
                       "reservation_overdue");
    /* a sweep may have reminded it before its end passed: then once, else never */
    get_doc (h, KIND_RESERVATION, w->overdue[i], &doc);
    told = notifications_of (h, w->owner.account_id, "reminder_end", w->overdue[i]);
    assert_int_equal (told, mt_bson_bool (&doc, "reminded_end", false) ? 1 : 0);
    *overdue_reminded += told;
    bson_destroy (&doc);
  }
  for (int i = 0; i < N_REMIND_START; i++) {
    check_reservation (h, w, i, w->remind_start[i], "approved", NULL, "reminded_start",
                       "reminder_start");
  }
  for (int i = 0; i < N_REMIND_END; i++) {
    check_reservation (h, w, i, w->remind_end[i], "checked_out", NULL, "reminded_end",
                       "reminder_end");
  }
  for (int i = 0; i < N_CLOSE; i++) {
    check_reservation (h, w, i, w->close[i], "closed", "closed", NULL, NULL);
  }
}

/* Each booking confirmed once by "system", paid once under "booking:<id>". */
static void
check_bookings (const ih_handle_t *h, const world_t *w)
{
  for (int i = 0; i < N_BOOKINGS; i++) {
    char entry_id[96];
    bson_t doc, entry;
    mt_error_t error;
    get_doc (h, KIND_BOOKING, w->bookings[i], &doc);
    assert_string_equal (mt_bson_str (&doc, "status"), "confirmed");
    assert_string_equal (mt_bson_str (&doc, "confirmed_by"), "system");
    assert_int_equal (history_to (&doc, "confirmed", NULL), 1);
    assert_int_equal (history_to (&doc, "confirmed", "system"), 1);
    assert_int_equal (audit_to (h, w->bookings[i], "confirmed"), 1);
    snprintf (entry_id, sizeof entry_id, "booking:%s", w->bookings[i]);
    assert_string_equal (mt_bson_str (&doc, "payment.entry_id"), entry_id);
    assert_true (h->store->ops->ledger_get (h->store, entry_id, &entry, &error));
    assert_int_equal (mt_bson_int (&entry, "amount", 0), BOOKING_PRICE);
    assert_string_equal (mt_bson_str (&entry, "from"), borrower (w, i)->member_id);
    assert_string_equal (mt_bson_str (&entry, "to"), w->provider.member_id);
    bson_destroy (&entry);
    bson_destroy (&doc);
  }
}

/* One monthly grant of @month per member, every balance exact, the ledger summing to 0. */
static void
check_ledger (const ih_handle_t *h, const world_t *w, const char *month)
{
  int64_t sum = -1, entries = 0, balance = 0;
  mt_error_t error;
  char prefix[128];

  for (int i = 0; i < N_MEMBERS; i++) {
    const it_person_t *m = i == 0                ? &w->owner
                           : i == 1              ? &w->provider
                           : i < 2 + N_BORROWERS ? &w->borrowers[i - 2]
                                                 : &w->idle[i - 2 - N_BORROWERS];
    int64_t expected = WELCOME + MONTHLY;
    snprintf (prefix, sizeof prefix, "monthly:%s:", m->member_id);
    assert_int_equal (ledger_entries (h, m->member_id, prefix), 1);
    snprintf (prefix, sizeof prefix, "monthly:%s:%s", m->member_id, month);
    assert_int_equal (ledger_entries (h, m->member_id, prefix), 1);
    assert_int_equal (ledger_entries (h, m->member_id, "booking:"), i == 1 ? N_BOOKINGS
                                                                    : i >= 2 && i < 2 + N_BORROWERS
                                                                      ? N_BOOKINGS / N_BORROWERS
                                                                      : 0);
    if (i == 1) {
      expected += N_BOOKINGS * BOOKING_PRICE;
    } else if (i >= 2 && i < 2 + N_BORROWERS) {
      expected -= (N_BOOKINGS / N_BORROWERS) * BOOKING_PRICE;
    }
    assert_true (h->store->ops->ledger_balance (h->store, m->member_id, &balance, &error));
    assert_int_equal (balance, expected);
  }
  assert_true (h->store->ops->ledger_sum (h->store, &sum, &entries, &error));
  assert_int_equal (sum, 0);
}

typedef struct {
  int emails, webhooks;
  const ih_mail_t *mails;
  int mail_count;
  int bad;
} outbox_check_t;

/* Every message sent after one attempt, and received once. */
static void
check_message (const bson_t *msg, void *arg)
{
  outbox_check_t *c = arg;
  const char *id = mt_bson_str (msg, "id");
  const char *kind = mt_bson_str (msg, "kind");
  int received = 0;

  if (!mt_bson_str_eq (msg, "status", "sent") || mt_bson_int (msg, "attempts", 0) != 1 ||
      !mt_bson_str_eq (msg, "log.0.outcome", "sent") || mt_bson_has (msg, "log.1")) {
    fprintf (stderr, "outbox %s: status %s after %lld attempts\n", id, mt_bson_str (msg, "status"),
             (long long) mt_bson_int (msg, "attempts", 0));
    c->bad++;
    return;
  }
  if (kind && strcmp (kind, "email") == 0) {
    c->emails++;
    for (int i = 0; i < c->mail_count; i++) {
      received += strcmp (c->mails[i].message_id, id) == 0;
    }
  } else {
    c->webhooks++;
    received = ih_received (id);
  }
  if (received != 1) {
    fprintf (stderr, "outbox %s (%s): received %d times\n", id, kind, received);
    c->bad++;
  }
}

static bool
list_outbox (const ih_handle_t *h, const char *key, const char *cursor, mt_store_page_t *page,
             mt_error_t *error)
{
  mt_store_outbox_query_t query = { .cursor = cursor, .limit = MT_STORE_PAGE_MAX };

  (void) key;
  return h->store->ops->outbox_list (h->store, &query, page, error);
}

/* Returns the number of messages sent by instance @tag in @c (sendmail) for the report. */
static int
mails_of (const outbox_check_t *c, const char *tag)
{
  int n = 0;

  for (int i = 0; i < c->mail_count; i++) {
    n += strcmp (c->mails[i].tag, tag) == 0;
  }
  return n;
}

static void
check_outbox (const ih_handle_t *h, int *messages)
{
  ih_mail_t *mails = calloc (IH_MAIL_MAX, sizeof *mails);
  outbox_check_t c = { .mails = mails };

  assert_non_null (mails);
  c.mail_count = ih_mails (mails, IH_MAIL_MAX);
  each_doc (h, list_outbox, "outbox", check_message, &c);
  fprintf (stderr, "instances: outbox %d e-mails (sent by a %d, b %d) and %d webhook deliveries\n",
           c.emails, mails_of (&c, "a"), mails_of (&c, "b"), c.webhooks);
  assert_int_equal (c.bad, 0);
  assert_int_equal (c.mail_count, c.emails);
  assert_int_equal (ih_received_total (), c.webhooks);
  assert_true (c.emails > 0 && c.webhooks > 0);
  *messages = c.emails + c.webhooks;
  free (mails);
}

/* What one instance's log says it did. */
typedef struct {
  int64_t expired, overdue, reminded_start, reminded_end, closed, confirmed, granted, sent;
} did_t;

static void
add_granted (const bson_t *line, void *arg)
{
  unsigned granted = 0;
  const char *msg = mt_bson_str (line, "msg");
  const char *colon = msg ? strchr (msg, ':') : NULL;

  if (colon && sscanf (colon, ": %u granted", &granted) == 1) {
    *(int64_t *) arg += granted;
  }
}

static void
instance_did (const mt_test_server_t *srv, did_t *d)
{
  memset (d, 0, sizeof *d);
  d->expired = ih_log_sum (srv, "sweep", "expired", NULL);
  d->overdue = ih_log_sum (srv, "sweep", "overdue", NULL);
  d->reminded_start = ih_log_sum (srv, "sweep", "reminded_start", NULL);
  d->reminded_end = ih_log_sum (srv, "sweep", "reminded_end", NULL);
  d->closed = ih_log_sum (srv, "sweep", "closed", NULL);
  d->sent = ih_log_sum (srv, "outbox pass", "sent", NULL);
  d->confirmed = ih_log_count (srv, ": completed -> confirmed\"");
  ih_log_each (srv, "monthly grant ", add_granted, &d->granted);
}

static int64_t
sweep_work (const did_t *d)
{
  return d->expired + d->overdue + d->reminded_start + d->reminded_end + d->closed + d->confirmed +
         d->granted;
}

static void
check_logs (int overdue_reminded, int messages)
{
  did_t a, b;

  instance_did (&it_server, &a);
  instance_did (&srv_b, &b);
  fprintf (stderr,
           "instances: a did expired %lld overdue %lld reminders %lld+%lld closed %lld "
           "confirmed %lld granted %lld sent %lld\n"
           "instances: b did expired %lld overdue %lld reminders %lld+%lld closed %lld "
           "confirmed %lld granted %lld sent %lld\n",
           (long long) a.expired, (long long) a.overdue, (long long) a.reminded_start,
           (long long) a.reminded_end, (long long) a.closed, (long long) a.confirmed,
           (long long) a.granted, (long long) a.sent, (long long) b.expired, (long long) b.overdue,
           (long long) b.reminded_start, (long long) b.reminded_end, (long long) b.closed,
           (long long) b.confirmed, (long long) b.granted, (long long) b.sent);
  assert_int_equal (a.expired + b.expired, N_EXPIRE);
  assert_int_equal (a.overdue + b.overdue, N_OVERDUE);
  assert_int_equal (a.reminded_start + b.reminded_start, N_REMIND_START);
  assert_int_equal (a.reminded_end + b.reminded_end, N_REMIND_END + overdue_reminded);
  assert_int_equal (a.closed + b.closed, N_CLOSE);
  assert_int_equal (a.confirmed + b.confirmed, N_BOOKINGS);
  assert_int_equal (a.granted + b.granted, N_MEMBERS);
  assert_int_equal (a.sent + b.sent, messages);
  /* Both instances took part, so that the counts above come from two instances racing. Which
   * one wins each sweep action depends on the machine's timing (on a loaded machine one may
   * win every sweep race), so their outbox sends, raced the same way by compare-and-set
   * claims, count too. */
  assert_true (sweep_work (&a) + a.sent > 0);
  assert_true (sweep_work (&b) + b.sent > 0);
  if (sweep_work (&a) == 0 || sweep_work (&b) == 0) {
    fprintf (stderr, "instances: one instance won every sweep race this time (timing)\n");
  }
}

/* ---- the test --------------------------------------------------------------------------- */

static void
start_both (void)
{
  assert_true (ih_start (&it_server, "a", NULL));
  assert_true (ih_start (&srv_b, "b", NULL));
  ih_share_keys (&it_server, &srv_b);
  it_admin = mt_test_server_login_admin (&it_server);
  assert_non_null (it_admin);
  /* a token of one instance is good on the other */
  call_on (&srv_b, it_admin, "GET", "/v1/me", NULL, 200, NULL);
}

/* With SQLite, a mutuad without store_shared is refused beside the shared ones. */
static void
exclusive_instance_is_refused (void)
{
  mt_test_server_t third;
  const char *args[IH_ARGS_MAX];
  size_t n = 0;
  char *log;

  if (ih_store.mongodb) {
    return;
  }
  args[n++] = "--config";
  args[n++] = ih_config;
  args[n++] = "--store";
  args[n++] = ih_store.arg_store;
  args[n] = NULL;
  fprintf (stderr, "instances: a third mutuad without store_shared must be refused (its log "
                   "follows)\n");
  assert_false (mt_test_server_start (&third, args, NULL));
  log = mt_test_server_log (&third, NULL);
  assert_non_null (log);
  assert_non_null (strstr (log, "another mutuad already uses this database"));
  free (log);
  mt_test_server_destroy (&third);
}

static void
sweeps_happen_once_on_two_instances (void **state)
{
  world_t *w = calloc (1, sizeof *w);
  ih_handle_t h = { 0 };
  char month[32];
  char output[4096];
  int overdue_reminded = 0;
  int messages = 0;

  (void) state;
  if (skipped) {
    mt_test_say_skip ("integration/sweeps_instances", skip_reason);
    free (w);
    skip ();
  }
  assert_non_null (w);
  fprintf (stderr, "instances: store %s\n", ih_store.name);
  ih_write_config (CONFIG_COMMON "sweep_interval_s = 86400\n");
  start_both ();

  /* Phase 1: the world, over both instances; no sweep runs. */
  make_people (w);
  make_listings (w);
  make_bookings (w);
  make_untimed_loans (w);
  make_timed_loans (w);
  ih_handle_open (&h);
  wait_outbox_drained (&h);
  assert_int_equal (mt_test_server_stop (&it_server), 0);
  assert_int_equal (mt_test_server_stop (&srv_b), 0);
  for (int i = 0; i < N_BOOKINGS; i++) {
    date_back (&h, KIND_BOOKING, w->bookings[i], "completed_at", 2 * LH_DAY);
  }
  for (int i = 0; i < N_CLOSE; i++) {
    date_back (&h, KIND_RESERVATION, w->close[i], "returned_at", 2 * LH_DAY);
  }

  /* Phase 2: both sweep every second. */
  ih_write_config (CONFIG_COMMON "sweep_interval_s = 1\nlog_level = debug\n");
  assert_true (mt_test_server_restart (&it_server));
  assert_true (mt_test_server_restart (&srv_b));
  exclusive_instance_is_refused ();
  {
    time_t t = (time_t) (mt_time_now_ms () / 1000);
    struct tm tm;
    gmtime_r (&t, &tm);
    snprintf (month, sizeof month, "%04d-%02d", tm.tm_year + 1900, tm.tm_mon + 1);
  }
  wait_all_done (&h, w, month);
  wait_more_sweeps ();
  wait_outbox_drained (&h);

  check_reservations (&h, w, &overdue_reminded);
  check_bookings (&h, w);
  check_ledger (&h, w, month);
  check_outbox (&h, &messages);
  check_logs (overdue_reminded, messages);
  assert_int_equal (ih_check (&it_server, output, sizeof output), 0);

  ih_handle_close (&h);
  assert_int_equal (mt_test_server_stop (&it_server), 0);
  assert_int_equal (mt_test_server_stop (&srv_b), 0);
  if (ih_check (&it_server, output, sizeof output) != 0) {
    fail_msg ("mutuad check after the stop:\n%s", output);
  }
  world_destroy (w);
  free (w);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("instances/sweeps_once", sweeps_happen_once_on_two_instances),
  };
  return cmocka_run_group_tests_name ("integration/sweeps_instances", tests, setup, teardown);
}
