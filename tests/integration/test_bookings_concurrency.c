/*
 * Service bookings against the real mutuad with credits enabled (--credits-enabled, 4 event
 * loops, one SQLite file):
 *
 * 1. Payment. A confirmation pays the provider hours × rate from the requester (balances read
 *    through GET /v1/me/ledger, the booking's "payment"); a confirmation the floor refuses is
 *    422, leaves the booking completed with "payment_refused" and puts it in the
 *    administrators' review queue (reason "booking_payment"); once the requester has earned
 *    credits (by giving a service itself), the confirmation pays and the queue forgets it.
 *
 * 2. Racing transitions, 200 rounds each, two threads released at once by a barrier:
 *    accept (provider) against cancel (requester), both with If-Match on the version they
 *    saw; complete (provider) against cancel (requester) from accepted, without If-Match
 *    (after either, the other is illegal); confirm (requester) against confirm (an
 *    administrator) from completed, which both pay first under the same ledger id. Each
 *    round: exactly one 200 and one 409, the final status is the winner's and the history
 *    holds one item for that change. After the stop, the store itself (opened by this
 *    program through the port) shows for every booking one audit entry per history item
 *    ("<id>:<seq>", the last one to the winner's status), every confirmation paid exactly
 *    once (one "booking:<id>" entry of 1 credit each, the provider's balance up by exactly the
 *    number of rounds), and the sum of all balances zero.
 *
 * No wall-clock threshold anywhere: only counts and states are asserted.
 */
#include "members_helpers.h"

#include "mt_time.h"
#include "store.h"

#include <pthread.h>

#define HOUR INT64_C (3600000)
#define DAY INT64_C (86400000)

#define CLIENTS 8
#define RACES 200
#define KINDS 3

static char net[MT_ID_SIZE];
static char nets[64];
static it_person_t provider;
static it_person_t clients[CLIENTS];
static int64_t base_ms; /* whole seconds, a day ahead */

static int
setup (void **state)
{
  /* No monthly grant: it would land in the balances the test compares whenever the test runs
   * longer than one sweep interval (60 s; under valgrind it does). No booking quota either. */
  static const char *const args[] = {
    "--threads", "4", "--credits-enabled", "--credits-monthly-grant", "0", "--bookings-per-hour",
    "0",         NULL
  };

  (void) state;
  if (!mt_test_server_start (&it_server, args, NULL)) {
    mt_test_server_destroy (&it_server);
    return -1;
  }
  it_admin = mt_test_server_login_admin (&it_server);
  if (!it_admin) {
    return -1;
  }
  it_network (net);
  it_networks1 (nets, net);
  it_signup (nets, true, &provider);
  for (int i = 0; i < CLIENTS; i++) {
    it_signup (nets, true, &clients[i]);
  }
  base_ms = (mt_time_now_ms () / 1000) * 1000 + DAY;
  return 0;
}

static int
teardown (void **state)
{
  int status = 0;

  for (int i = 0; i < CLIENTS; i++) {
    it_person_destroy (&clients[i]);
  }
  it_person_destroy (&provider);
  free (it_admin);
  it_admin = NULL;
  if (it_server.pid > 0) {
    status = mt_test_server_stop (&it_server); /* a sanitizer report makes it non-zero */
  }
  mt_test_server_destroy (&it_server);
  (void) state;
  return status == 0 ? 0 : -1;
}

/* A published service of @owner: @minutes long at @rate credits an hour; its id to @id. */
static void
service (const it_person_t *owner, int minutes, int rate, char id[MT_ID_SIZE])
{
  mt_http_response_t resp;
  char body[512];

  snprintf (body, sizeof body,
            "{\"kind\":\"service\",\"title\":\"Accompagnement à la transition\","
            "\"category\":\"transition-ecologique\",\"status\":\"published\","
            "\"duration_minutes\":%d,\"credit_rate_per_hour\":%d}",
            minutes, rate);
  it_call (owner->token, "POST", "/v1/listings", NULL, body, &resp);
  it_assert_status (&resp, 201, "POST", "/v1/listings");
  snprintf (id, MT_ID_SIZE, "%s", mt_http_json_string (&resp, "id"));
  mt_http_response_destroy (&resp);
}

/* POST /v1/bookings of @listing by @token (start @n hours after base); its id. */
static void
book (const char *token, const char *listing, unsigned n, char id[MT_ID_SIZE])
{
  mt_http_response_t resp;
  char body[256], s[MT_TIME_RFC3339_MAX];

  mt_time_format_rfc3339 (base_ms + (int64_t) (n % 500) * HOUR, s);
  snprintf (body, sizeof body, "{\"listing_id\":\"%s\",\"start\":\"%s\"}", listing, s);
  it_call (token, "POST", "/v1/bookings", NULL, body, &resp);
  it_assert_status (&resp, 201, "POST", "/v1/bookings");
  snprintf (id, MT_ID_SIZE, "%s", mt_http_json_string (&resp, "id"));
  mt_http_response_destroy (&resp);
}

static void
act (const char *token, const char *id, const char *action, const char *json, int status)
{
  char path[128];

  snprintf (path, sizeof path, "/v1/bookings/%.26s/%s", id, action);
  it_expect (token, "POST", path, json, status);
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
  b = mt_bson_int (&resp.json, "balance", INT64_MIN);
  mt_http_response_destroy (&resp);
  return b;
}

/* How many review-queue items name booking @id with reason booking_payment (every page). */
static int
in_review_queue (const char *id)
{
  char path[700] = "/v1/admin/reviews?limit=100";
  int found = 0;

  for (int pages = 0; pages < 100; pages++) {
    mt_http_response_t resp;
    const char *next;
    it_call (it_admin, "GET", path, NULL, NULL, &resp);
    it_assert_status (&resp, 200, "GET", path);
    for (int i = 0; i < 100; i++) {
      char key[48], bkey[48];
      snprintf (key, sizeof key, "items.%d.reason", i);
      snprintf (bkey, sizeof bkey, "items.%d.booking.id", i);
      if (!mt_bson_has (&resp.json, key)) {
        break;
      }
      if (mt_bson_str_eq (&resp.json, key, "booking_payment") &&
          mt_bson_str_eq (&resp.json, bkey, id)) {
        found++;
      }
    }
    next = mt_http_json_string (&resp, "next_cursor");
    if (!next) {
      mt_http_response_destroy (&resp);
      return found;
    }
    snprintf (path, sizeof path, "/v1/admin/reviews?limit=100&cursor=%s", next);
    mt_http_response_destroy (&resp);
  }
  fail_msg ("review queue: too many pages");
  return found;
}

/* ---- Payment --------------------------------------------------------------------------------- */

static void
confirmation_pays_and_refusal_is_reviewed (void **state)
{
  it_person_t giver, asker;
  char expensive[MT_ID_SIZE], cheap[MT_ID_SIZE], first[MT_ID_SIZE], second[MT_ID_SIZE];
  char back[MT_ID_SIZE], path[128];
  mt_http_response_t resp;
  int64_t giver_start, asker_start;

  (void) state;
  it_signup (nets, true, &giver);
  it_signup (nets, true, &asker);
  giver_start = balance (giver.token);
  asker_start = balance (asker.token);
  assert_int_equal (asker_start, 50);  /* the welcome grant */
  service (&giver, 60, 40, expensive); /* 40 credits */
  book (asker.token, expensive, 1, first);
  book (asker.token, expensive, 2, second); /* each estimate fits the balance: nothing spent */
  assert_int_equal (balance (asker.token), 50);
  act (giver.token, first, "accept", "{}", 200);
  act (giver.token, first, "complete", "{}", 200);
  act (giver.token, second, "accept", "{}", 200);
  act (giver.token, second, "complete", "{\"hours\":1.25}", 200); /* 50 credits */
  /* the first confirmation pays 40 */
  snprintf (path, sizeof path, "/v1/bookings/%s/confirm", first);
  it_call (asker.token, "POST", path, NULL, "{}", &resp);
  it_assert_status (&resp, 200, "POST", path);
  assert_int_equal (mt_bson_int (&resp.json, "payment.amount", 0), 40);
  {
    char entry[64];
    snprintf (entry, sizeof entry, "booking:%s", first);
    assert_string_equal (mt_http_json_string (&resp, "payment.entry_id"), entry);
  }
  mt_http_response_destroy (&resp);
  assert_int_equal (balance (asker.token), asker_start - 40);
  assert_int_equal (balance (giver.token), giver_start + 40);
  /* the second (50) is refused: 10 left */
  snprintf (path, sizeof path, "/v1/bookings/%s/confirm", second);
  it_expect_problem (asker.token, "POST", path, "{}", 422, "unprocessable");
  assert_int_equal (balance (asker.token), 10);
  snprintf (path, sizeof path, "/v1/bookings/%s", second);
  it_call (giver.token, "GET", path, NULL, NULL, &resp);
  assert_string_equal (mt_http_json_string (&resp, "status"), "completed");
  assert_int_equal (mt_bson_int (&resp.json, "payment_refused.amount", 0), 50);
  assert_false (mt_bson_has (&resp.json, "payment"));
  mt_http_response_destroy (&resp);
  assert_int_equal (in_review_queue (second), 1);
  assert_int_equal (in_review_queue (first), 0);
  /* the asker earns 40 by giving a service to the giver */
  service (&asker, 60, 40, cheap);
  book (giver.token, cheap, 3, back);
  act (asker.token, back, "accept", "{}", 200);
  act (asker.token, back, "complete", "{}", 200);
  act (giver.token, back, "confirm", "{}", 200);
  assert_int_equal (balance (asker.token), 50);
  /* now the refused one pays, and leaves the queue */
  snprintf (path, sizeof path, "/v1/bookings/%s/confirm", second);
  it_call (asker.token, "POST", path, NULL, "{}", &resp);
  it_assert_status (&resp, 200, "POST", path);
  assert_int_equal (mt_bson_int (&resp.json, "payment.amount", 0), 50);
  assert_false (mt_bson_has (&resp.json, "payment_refused"));
  mt_http_response_destroy (&resp);
  assert_int_equal (balance (asker.token), 0);
  assert_int_equal (balance (giver.token), giver_start + 40 - 40 + 50);
  assert_int_equal (in_review_queue (second), 0);
  /* paid once: confirming again is 409 and moves nothing */
  it_expect_problem (asker.token, "POST", path, "{}", 409, "conflict");
  assert_int_equal (balance (asker.token), 0);
  it_person_destroy (&giver);
  it_person_destroy (&asker);
}

/* ---- Racing transitions ---------------------------------------------------------------------- */

typedef struct {
  pthread_barrier_t *barrier;
  const char *token;
  char path[128];
  char body[128];
  char header[64]; /* "" or one header line */
  int status;      /* 0 when no answer was read */
  bool stale;      /* a 409 "stale" (lost the compare-and-set or If-Match) */
} job_t;

static void *
run_job (void *arg)
{
  job_t *job = arg;
  const char *headers[] = { job->header, NULL };
  mt_http_response_t resp;

  pthread_barrier_wait (job->barrier);
  if (mt_test_server_request (&it_server, job->token, "POST", job->path,
                              job->header[0] ? headers : NULL, job->body, &resp)) {
    const char *type = mt_http_json_string (&resp, "type");
    job->status = resp.status;
    job->stale = type && strcmp (type, "urn:mutua:problem:stale") == 0;
  }
  mt_http_response_destroy (&resp);
  return NULL;
}

static void
race (job_t jobs[2])
{
  pthread_barrier_t barrier;
  pthread_t threads[2];

  assert_int_equal (pthread_barrier_init (&barrier, NULL, 2), 0);
  for (size_t i = 0; i < 2; i++) {
    jobs[i].barrier = &barrier;
    jobs[i].status = 0;
    assert_int_equal (pthread_create (&threads[i], NULL, run_job, &jobs[i]), 0);
  }
  for (size_t i = 0; i < 2; i++) {
    pthread_join (threads[i], NULL);
  }
  pthread_barrier_destroy (&barrier);
}

typedef struct {
  char id[MT_ID_SIZE];
  const char *winner_status;
  int items; /* history items (and audit entries) expected */
  int kind;
} race_record_t;

static race_record_t records[KINDS * RACES];

/* Status and number of history items of booking @id. */
static void
read_back (const char *id, char status[32], int *items)
{
  mt_http_response_t resp;
  char path[96], key[32];

  snprintf (path, sizeof path, "/v1/bookings/%.26s", id);
  it_call (provider.token, "GET", path, NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", path);
  snprintf (status, 32, "%s", mt_http_json_string (&resp, "status"));
  *items = 0;
  for (;;) {
    snprintf (key, sizeof key, "history.%d.seq", *items);
    if (!mt_bson_has (&resp.json, key)) {
      break;
    }
    (*items)++;
  }
  mt_http_response_destroy (&resp);
}

static const char *const kind_names[KINDS] = { "accept/cancel", "complete/cancel",
                                               "confirm/confirm" };

static void
racing_transitions (void **state)
{
  char listing[MT_ID_SIZE];
  int wins[KINDS][2] = { { 0 } };
  int stale[KINDS] = { 0 };
  int64_t provider_start;
  int64_t clients_start = 0;
  mt_store_backend_t *backend = NULL;
  mt_store_t *store = NULL;
  mt_error_t error;
  char uri[PATH_MAX + 512];

  (void) state;
  service (&provider, 15, 1, listing); /* a quarter of an hour at 1 credit: 1 credit */
  provider_start = balance (provider.token);
  for (int c = 0; c < CLIENTS; c++) {
    clients_start += balance (clients[c].token);
  }
  for (unsigned n = 0; n < KINDS * RACES; n++) {
    int kind = (int) (n / RACES);
    unsigned c = n % CLIENTS;
    race_record_t *rec = &records[n];
    job_t jobs[2];
    char status[32];
    int items, winner;

    rec->kind = kind;
    book (clients[c].token, listing, n, rec->id);
    if (kind >= 1) {
      act (provider.token, rec->id, "accept", "{}", 200);
    }
    if (kind == 2) {
      act (provider.token, rec->id, "complete", "{}", 200);
    }
    memset (jobs, 0, sizeof jobs);
    switch (kind) {
    case 0: /* both decided on version 1: after an acceptance, a cancel is legal again */
      jobs[0].token = provider.token;
      snprintf (jobs[0].path, sizeof jobs[0].path, "/v1/bookings/%.26s/accept", rec->id);
      snprintf (jobs[0].body, sizeof jobs[0].body, "{}");
      snprintf (jobs[0].header, sizeof jobs[0].header, "If-Match: W/\"1\"");
      jobs[1].token = clients[c].token;
      snprintf (jobs[1].path, sizeof jobs[1].path, "/v1/bookings/%.26s/cancel", rec->id);
      snprintf (jobs[1].body, sizeof jobs[1].body, "{\"reason\":\"course %u\"}", n);
      snprintf (jobs[1].header, sizeof jobs[1].header, "If-Match: W/\"1\"");
      break;
    case 1: /* from accepted: after either, the other is illegal */
      jobs[0].token = provider.token;
      snprintf (jobs[0].path, sizeof jobs[0].path, "/v1/bookings/%.26s/complete", rec->id);
      snprintf (jobs[0].body, sizeof jobs[0].body, "{}");
      jobs[1].token = clients[c].token;
      snprintf (jobs[1].path, sizeof jobs[1].path, "/v1/bookings/%.26s/cancel", rec->id);
      snprintf (jobs[1].body, sizeof jobs[1].body, "{\"reason\":\"course %u\"}", n);
      break;
    default: /* two confirmations: both pay first, under the same ledger id */
      jobs[0].token = clients[c].token;
      snprintf (jobs[0].path, sizeof jobs[0].path, "/v1/bookings/%.26s/confirm", rec->id);
      snprintf (jobs[0].body, sizeof jobs[0].body, "{}");
      jobs[1].token = it_admin;
      snprintf (jobs[1].path, sizeof jobs[1].path, "/v1/bookings/%.26s/confirm", rec->id);
      snprintf (jobs[1].body, sizeof jobs[1].body, "{}");
      break;
    }
    race (jobs);
    if (!((jobs[0].status == 200 && jobs[1].status == 409) ||
          (jobs[0].status == 409 && jobs[1].status == 200))) {
      fail_msg ("race %u (%s): statuses %d and %d, expected one 200 and one 409", n,
                kind_names[kind], jobs[0].status, jobs[1].status);
    }
    winner = jobs[0].status == 200 ? 0 : 1;
    wins[kind][winner]++;
    stale[kind] += jobs[1 - winner].stale ? 1 : 0;
    switch (kind) {
    case 0:
      rec->winner_status = winner == 0 ? "accepted" : "cancelled";
      rec->items = 2;
      break;
    case 1:
      rec->winner_status = winner == 0 ? "completed" : "cancelled";
      rec->items = 3;
      break;
    default:
      rec->winner_status = "confirmed";
      rec->items = 4;
      break;
    }
    read_back (rec->id, status, &items);
    if (strcmp (status, rec->winner_status) != 0 || items != rec->items) {
      fail_msg ("race %u (%s): status %s with %d history items, expected %s with %d", n,
                kind_names[kind], status, items, rec->winner_status, rec->items);
    }
  }
  fprintf (stderr,
           "racing_transitions: %d rounds each; accept/cancel: accept won %d, cancel won %d "
           "(%d losers stale); complete/cancel: complete won %d, cancel won %d (%d losers "
           "stale, the others refused as illegal); confirm/confirm: requester won %d, "
           "administrator won %d (%d losers stale)\n",
           RACES, wins[0][0], wins[0][1], stale[0], wins[1][0], wins[1][1], stale[1], wins[2][0],
           wins[2][1], stale[2]);
  /* the provider was paid once per confirmation race; nobody else lost or won anything */
  assert_int_equal (balance (provider.token), provider_start + RACES);
  {
    int64_t clients_now = 0;
    for (int c = 0; c < CLIENTS; c++) {
      clients_now += balance (clients[c].token);
    }
    assert_int_equal (clients_now, clients_start - RACES);
  }

  /* The store itself, after the stop: audit entries, ledger entries, the sum of balances. */
  assert_int_equal (mt_test_server_stop (&it_server), 0);
  snprintf (uri, sizeof uri, "%s", mt_test_server_store_uri (&it_server));
  backend = mt_store_backend_new (uri, &error);
  store = backend ? mt_store_open (backend, &error) : NULL;
  if (!store) {
    fail_msg ("store: %s", error.message);
  }
  for (unsigned n = 0; n < KINDS * RACES; n++) {
    race_record_t *rec = &records[n];
    mt_store_page_t page;
    bson_t booking;
    char key[32], expected[64];
    mt_store_page_init (&page);
    mt_store_page_destroy (&page);
    if (!store->ops->audit_list (store, rec->id, NULL, 100, &page, &error)) {
      fail_msg ("audit_list: %s", error.message);
    }
    if ((int) page.count != rec->items) {
      fail_msg ("booking %s (%s): %u audit entries, expected %d", rec->id, kind_names[rec->kind],
                page.count, rec->items);
    }
    for (int i = 0; i < rec->items; i++) {
      snprintf (key, sizeof key, "%d.id", i);
      snprintf (expected, sizeof expected, "%.*s:%d", MT_ID_LEN, rec->id,
                rec->items - i); /* newest first */
      assert_string_equal (mt_bson_str (&page.items, key), expected);
      snprintf (key, sizeof key, "%d.entity", i);
      assert_string_equal (mt_bson_str (&page.items, key), "booking");
    }
    assert_string_equal (mt_bson_str (&page.items, "0.to"), rec->winner_status);
    mt_store_page_destroy (&page);
    if (!store->ops->booking_get (store, rec->id, &booking, &error)) {
      fail_msg ("booking_get: %s", error.message);
    }
    if (rec->kind == 2) {
      snprintf (expected, sizeof expected, "booking:%.*s", MT_ID_LEN, rec->id);
      assert_string_equal (mt_bson_str (&booking, "payment.entry_id"), expected);
      assert_int_equal (mt_bson_int (&booking, "payment.amount", 0), 1);
    } else {
      assert_false (mt_bson_has (&booking, "payment"));
    }
    bson_destroy (&booking);
  }
  /* every payment entry received by the provider: exactly one per confirmation race */
  {
    char cursor[MT_STORE_CURSOR_MAX] = "";
    int payments = 0;
    int pages = 0;
    do {
      mt_store_page_t page;
      bson_iter_t it;
      mt_store_page_init (&page);
      mt_store_page_destroy (&page);
      if (!store->ops->ledger_list (store, provider.member_id, cursor[0] ? cursor : NULL, 100,
                                    &page, &error)) {
        fail_msg ("ledger_list: %s", error.message);
      }
      if (bson_iter_init (&it, &page.items)) {
        while (bson_iter_next (&it)) {
          bson_t entry;
          const uint8_t *data;
          uint32_t len;
          const char *entry_id;
          bson_iter_document (&it, &len, &data);
          assert_true (bson_init_static (&entry, data, len));
          entry_id = mt_bson_str (&entry, "id");
          if (entry_id && strncmp (entry_id, "booking:", 8) == 0) {
            bool known = false;
            for (unsigned n = 2 * RACES; n < KINDS * RACES && !known; n++) {
              known = strcmp (entry_id + 8, records[n].id) == 0;
            }
            assert_true (known);
            assert_int_equal (mt_bson_int (&entry, "amount", 0), 1);
            assert_string_equal (mt_bson_str (&entry, "to"), provider.member_id);
            payments++;
          }
        }
      }
      snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
      mt_store_page_destroy (&page);
    } while (cursor[0] && ++pages < 100);
    assert_int_equal (payments, RACES);
  }
  {
    int64_t sum = -1, entries = 0;
    if (!store->ops->ledger_sum (store, &sum, &entries, &error)) {
      fail_msg ("ledger_sum: %s", error.message);
    }
    fprintf (stderr, "racing_transitions: ledger of %lld entries, sum of balances %lld\n",
             (long long) entries, (long long) sum);
    assert_int_equal (sum, 0);
  }
  assert_true (store->ops->check_integrity (store, &error));
  mt_store_close (store);
  mt_store_backend_destroy (backend);
  assert_true (mt_test_server_restart (&it_server));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("bookings_concurrency/payment_and_review_queue",
             confirmation_pays_and_refusal_is_reviewed),
    MT_TEST ("bookings_concurrency/racing_transitions", racing_transitions),
  };

  return cmocka_run_group_tests (tests, setup, teardown);
}
