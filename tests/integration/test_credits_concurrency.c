/*
 * 32 clients spend from one balance at once against the real mutuad (--credits-enabled, 4
 * event loops, one SQLite file, the monthly grant off so that every balance is known, room
 * for 32 loans at once per member), and the floor (0) is never crossed.
 *
 * Each round, a new member holds B credits (its welcome grant plus an administrator's grant)
 * and has 32 spends of c credits each ready, B / c < 32; 32 threads released together by a
 * barrier each make one spend. Two ways to spend through the API, alternating:
 *   - bookings: 32 completed service bookings of price c, confirmed at once by the
 *     requester's manager: exactly floor(B / c) confirmations answer 200 (paid), the others
 *     422 "unprocessable" (nothing paid, the booking stays completed);
 *   - loans: 32 checked-out loans of a good at c credits a day for one day, returned at once
 *     by the owner's manager: every return answers 200, exactly floor(B / c) are charged and
 *     the others come back with "credits_due" (nothing charged).
 * After each round: the balance is B - k·c >= 0, the owner received k·c, and the spender's
 * statement holds exactly one entry for each successful spend and none for the others.
 * After the last round, the store itself (opened through the port after the stop): the sum of
 * all balances is zero, every balance matches its entries, and every entry of every spender
 * is one of the successful spends, present once.
 * No wall-clock threshold anywhere: only counts and states are asserted.
 */
#include "loans_helpers.h"

#include "store.h"

#include <pthread.h>

#define SPENDERS 32
#define ROUNDS 4

static char net[MT_ID_SIZE];
static char nets[64];
static it_person_t provider;
static int64_t base_ms; /* whole seconds, a day ahead */

/* One round: the spender, its balance B, the price c, the spends and their outcome. */
typedef struct {
  it_person_t spender;
  int64_t start_balance;
  int64_t price;
  bool loans; /* reservations returned, else bookings confirmed */
  char ids[SPENDERS][MT_ID_SIZE];
  bool paid[SPENDERS];
} round_t;

static round_t rounds[ROUNDS];

static int
setup (void **state)
{
  static const char *const args[] = { "--threads",
                                      "4",
                                      "--credits-enabled",
                                      "--credits-monthly-grant",
                                      "0",
                                      "--max-active-reservations",
                                      "100",
                                      "--reservations-per-hour",
                                      "0",
                                      "--bookings-per-hour",
                                      "0",
                                      NULL };

  (void) state;
  if (!lh_start (args)) {
    return -1;
  }
  it_network (net);
  it_networks1 (nets, net);
  it_signup (nets, true, &provider);
  base_ms = (mt_time_now_ms () / 1000) * 1000 + LH_DAY;
  return 0;
}

static int
teardown (void **state)
{
  int status = 0;

  (void) state;
  for (int r = 0; r < ROUNDS; r++) {
    it_person_destroy (&rounds[r].spender);
  }
  it_person_destroy (&provider);
  free (it_admin);
  it_admin = NULL;
  if (it_server.pid > 0) {
    status = mt_test_server_stop (&it_server);
  }
  mt_test_server_destroy (&it_server);
  return status == 0 ? 0 : -1;
}

static int64_t
balance (const char *token)
{
  mt_http_response_t resp;
  int64_t b;

  it_call (token, "GET", "/v1/me/ledger", NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", "/v1/me/ledger");
  b = mt_bson_int (&resp.json, "balance", INT64_MIN);
  mt_http_response_destroy (&resp);
  return b;
}

/* A new listing of the provider from @text (JSON with '); its id to @id. */
static void
listing (const char *text, char id[MT_ID_SIZE])
{
  mt_http_response_t resp;
  char body[1024];

  it_call (provider.token, "POST", "/v1/listings", NULL, lh_q (text, body, sizeof body), &resp);
  it_assert_status (&resp, 201, "POST", "/v1/listings");
  snprintf (id, MT_ID_SIZE, "%s", mt_http_json_string (&resp, "id"));
  mt_http_response_destroy (&resp);
}

/* Every entry id of @token's statement whose id starts with @prefix into @ids (up to @max);
 * their count. */
static int
spends (const char *token, const char *prefix, char ids[][64], int max)
{
  char path[1024] = "/v1/me/ledger?limit=100";
  int count = 0;

  for (int pages = 0; pages < 100; pages++) {
    mt_http_response_t resp;
    const char *next;
    it_call (token, "GET", path, NULL, NULL, &resp);
    it_assert_status (&resp, 200, "GET", path);
    for (int i = 0; i < 100; i++) {
      char key[48];
      const char *id;
      snprintf (key, sizeof key, "items.%d.id", i);
      if (!(id = mt_http_json_string (&resp, key))) {
        break;
      }
      if (strncmp (id, prefix, strlen (prefix)) == 0) {
        assert_true (count < max);
        snprintf (ids[count++], 64, "%s", id);
      }
    }
    next = mt_http_json_string (&resp, "next_cursor");
    if (!next) {
      mt_http_response_destroy (&resp);
      return count;
    }
    snprintf (path, sizeof path, "/v1/me/ledger?limit=100&cursor=%s", next);
    mt_http_response_destroy (&resp);
  }
  fail_msg ("statement: too many pages");
  return count;
}

/* ---- The race ---------------------------------------------------------------------------- */

typedef struct {
  pthread_barrier_t *barrier;
  const char *token;
  char path[128];
  const char *body;
  int status;       /* 0 when no answer was read */
  char type[64];    /* the problem type, "" on success */
  bool credits_due; /* in the answer */
} job_t;

static void *
run_job (void *arg)
{
  job_t *job = arg;
  mt_http_response_t resp;

  pthread_barrier_wait (job->barrier);
  if (mt_test_server_request (&it_server, job->token, "POST", job->path, NULL, job->body, &resp)) {
    const char *type = mt_http_json_string (&resp, "type");
    job->status = resp.status;
    snprintf (job->type, sizeof job->type, "%s", type ? type : "");
    job->credits_due = mt_bson_bool (&resp.json, "credits_due", false);
  }
  mt_http_response_destroy (&resp);
  return NULL;
}

static void
race (job_t jobs[SPENDERS])
{
  pthread_barrier_t barrier;
  pthread_t threads[SPENDERS];

  assert_int_equal (pthread_barrier_init (&barrier, NULL, SPENDERS), 0);
  for (int i = 0; i < SPENDERS; i++) {
    jobs[i].barrier = &barrier;
    jobs[i].status = 0;
    assert_int_equal (pthread_create (&threads[i], NULL, run_job, &jobs[i]), 0);
  }
  for (int i = 0; i < SPENDERS; i++) {
    pthread_join (threads[i], NULL);
  }
  pthread_barrier_destroy (&barrier);
}

/* The 32 spends of @round made ready: completed bookings or checked-out loans. */
static void
prepare (round_t *round, int n)
{
  char text[1024], item[MT_ID_SIZE];

  if (round->loans) {
    snprintf (text, sizeof text,
              "{'kind':'good','title':'Tente %d','category':'tentes-barnums',"
              "'status':'published','quantity':%d,'credit_price_per_day':%lld,"
              "'loan_rules':{'min_notice_hours':0,'max_days':7,'horizon_days':60}}",
              n, SPENDERS, (long long) round->price);
    listing (text, item);
    for (int i = 0; i < SPENDERS; i++) {
      int64_t start = base_ms + (int64_t) n * 2 * LH_DAY;
      lh_reserve (round->spender.token, item, start, start + LH_DAY, round->ids[i]);
      lh_act (provider.token, round->ids[i], "approve", "{}", 200);
      lh_act (provider.token, round->ids[i], "checkout", LH_NOTE, 200);
    }
  } else {
    snprintf (text, sizeof text,
              "{'kind':'service','title':'Animation %d','category':'animation-facilitation',"
              "'status':'published','duration_minutes':60,'credit_rate_per_hour':%lld}",
              n, (long long) round->price);
    listing (text, item);
    for (int i = 0; i < SPENDERS; i++) {
      mt_http_response_t resp;
      char body[256], s[MT_TIME_RFC3339_MAX], path[128];
      mt_time_format_rfc3339 (base_ms + (int64_t) (n * SPENDERS + i) * LH_HOUR, s);
      snprintf (body, sizeof body, "{\"listing_id\":\"%s\",\"start\":\"%s\"}", item, s);
      it_call (round->spender.token, "POST", "/v1/bookings", NULL, body, &resp);
      it_assert_status (&resp, 201, "POST", "/v1/bookings");
      snprintf (round->ids[i], MT_ID_SIZE, "%s", mt_http_json_string (&resp, "id"));
      mt_http_response_destroy (&resp);
      snprintf (path, sizeof path, "/v1/bookings/%s/accept", round->ids[i]);
      it_expect (provider.token, "POST", path, "{}", 200);
      snprintf (path, sizeof path, "/v1/bookings/%s/complete", round->ids[i]);
      it_expect (provider.token, "POST", path, "{}", 200);
    }
  }
}

static void
spend_from_one_balance (void **state)
{
  static const int64_t extra[ROUNDS] = { 0, 13, 7, 21 }; /* granted on top of the welcome 50 */
  static const int64_t price[ROUNDS] = { 7, 9, 5, 11 };

  (void) state;
  for (int n = 0; n < ROUNDS; n++) {
    round_t *round = &rounds[n];
    job_t jobs[SPENDERS];
    int64_t provider_before, expected, k = 0;
    char found[SPENDERS + 1][64];
    int entries;
    const char *prefix;

    round->loans = n % 2 == 1;
    round->price = price[n];
    it_signup (nets, true, &round->spender);
    if (extra[n] > 0) {
      char body[256];
      snprintf (body, sizeof body,
                "{\"member_id\":\"%.*s\",\"amount\":%lld,\"reason\":\"Dotation de test\"}",
                MT_ID_LEN, round->spender.member_id, (long long) extra[n]);
      it_expect (it_admin, "POST", "/v1/admin/ledger/grants", body, 201);
    }
    round->start_balance = balance (round->spender.token);
    assert_int_equal (round->start_balance, 50 + extra[n]);
    expected = round->start_balance / round->price;
    assert_true (expected < SPENDERS);
    prepare (round, n);
    assert_int_equal (balance (round->spender.token), round->start_balance); /* nothing yet */
    provider_before = balance (provider.token);

    memset (jobs, 0, sizeof jobs);
    for (int i = 0; i < SPENDERS; i++) {
      if (round->loans) {
        jobs[i].token = provider.token;
        snprintf (jobs[i].path, sizeof jobs[i].path, "/v1/reservations/%s/return", round->ids[i]);
        jobs[i].body = LH_NOTE;
      } else {
        jobs[i].token = round->spender.token;
        snprintf (jobs[i].path, sizeof jobs[i].path, "/v1/bookings/%s/confirm", round->ids[i]);
        jobs[i].body = "{}";
      }
    }
    race (jobs);
    for (int i = 0; i < SPENDERS; i++) {
      if (round->loans) {
        if (jobs[i].status != 200) {
          fail_msg ("round %d: return %d answered %d (%s)", n, i, jobs[i].status, jobs[i].type);
        }
        round->paid[i] = !jobs[i].credits_due;
      } else {
        if (jobs[i].status == 200) {
          round->paid[i] = true;
        } else if (jobs[i].status == 422 &&
                   strcmp (jobs[i].type, "urn:mutua:problem:unprocessable") == 0) {
          round->paid[i] = false;
        } else {
          fail_msg ("round %d: confirmation %d answered %d (%s)", n, i, jobs[i].status,
                    jobs[i].type);
        }
      }
      k += round->paid[i] ? 1 : 0;
    }
    fprintf (stderr, "round %d (%s): balance %lld, price %lld: %lld of %d paid\n", n,
             round->loans ? "loans returned" : "bookings confirmed",
             (long long) round->start_balance, (long long) round->price, (long long) k, SPENDERS);
    assert_int_equal (k, expected);
    assert_int_equal (balance (round->spender.token), round->start_balance - k * round->price);
    assert_true (balance (round->spender.token) >= 0);
    assert_int_equal (balance (provider.token), provider_before + k * round->price);
    /* exactly one entry per paid spend, none for the others */
    prefix = round->loans ? "reservation:" : "booking:";
    entries = spends (round->spender.token, prefix, found, SPENDERS + 1);
    assert_int_equal (entries, k);
    for (int i = 0; i < SPENDERS; i++) {
      char id[64];
      int seen = 0;
      snprintf (id, sizeof id, "%s%s", prefix, round->ids[i]);
      for (int j = 0; j < entries; j++) {
        seen += strcmp (found[j], id) == 0 ? 1 : 0;
      }
      assert_int_equal (seen, round->paid[i] ? 1 : 0);
    }
    /* the refused ones are as documented: completed bookings / returned loans flagged */
    for (int i = 0; i < SPENDERS; i++) {
      mt_http_response_t resp;
      char path[128];
      snprintf (path, sizeof path, round->loans ? "/v1/reservations/%s" : "/v1/bookings/%s",
                round->ids[i]);
      it_call (provider.token, "GET", path, NULL, NULL, &resp);
      it_assert_status (&resp, 200, "GET", path);
      if (round->loans) {
        assert_string_equal (mt_http_json_string (&resp, "status"), "returned");
        assert_int_equal (mt_bson_bool (&resp.json, "credits_due", false), !round->paid[i]);
      } else {
        assert_string_equal (mt_http_json_string (&resp, "status"),
                             round->paid[i] ? "confirmed" : "completed");
      }
      mt_http_response_destroy (&resp);
    }
  }
}

/* ---- The store after the stop ----------------------------------------------------------------- */

static void
store_is_consistent (void **state)
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
  for (int n = 0; n < ROUNDS; n++) {
    round_t *round = &rounds[n];
    char cursor[MT_STORE_CURSOR_MAX] = "";
    int spent = 0, pages = 0;
    int64_t b = 0;
    do {
      mt_store_page_t page;
      bson_iter_t it;
      mt_store_page_init (&page);
      mt_store_page_destroy (&page);
      if (!store->ops->ledger_list (store, round->spender.member_id, cursor[0] ? cursor : NULL, 100,
                                    &page, &error)) {
        fail_msg ("ledger_list: %s", error.message);
      }
      if (bson_iter_init (&it, &page.items)) {
        while (bson_iter_next (&it)) {
          bson_t entry;
          const uint8_t *data;
          uint32_t len;
          const char *id;
          const char *ref;
          int match = -1;
          bson_iter_document (&it, &len, &data);
          assert_true (bson_init_static (&entry, data, len));
          id = mt_bson_str (&entry, "id");
          if (mt_bson_str_eq (&entry, "to", round->spender.member_id)) {
            continue; /* the grants */
          }
          /* every payment by the spender is one of the paid spends, to the provider */
          ref = strchr (id, ':');
          assert_non_null (ref);
          for (int i = 0; i < SPENDERS; i++) {
            if (strcmp (ref + 1, round->ids[i]) == 0) {
              match = i;
            }
          }
          assert_true (match >= 0);
          assert_true (round->paid[match]);
          assert_string_equal (mt_bson_str (&entry, "to"), provider.member_id);
          assert_int_equal (mt_bson_int (&entry, "amount", 0), round->price);
          spent++;
        }
      }
      snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
      mt_store_page_destroy (&page);
    } while (cursor[0] && ++pages < 100);
    assert_int_equal (spent, round->start_balance / round->price);
    assert_true (store->ops->ledger_balance (store, round->spender.member_id, &b, &error));
    assert_int_equal (b, round->start_balance - spent * round->price);
  }
  if (!store->ops->ledger_sum (store, &sum, &entries, &error)) {
    fail_msg ("ledger_sum: %s", error.message);
  }
  fprintf (stderr, "credits_concurrency: ledger of %lld entries, sum of balances %lld\n",
           (long long) entries, (long long) sum);
  assert_int_equal (sum, 0);
  assert_true (store->ops->check_integrity (store, &error));
  mt_store_close (store);
  mt_store_backend_destroy (backend);
  assert_true (mt_test_server_restart (&it_server));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("credits_concurrency/spend_from_one_balance", spend_from_one_balance),
    MT_TEST ("credits_concurrency/store_is_consistent", store_is_consistent),
  };

  return cmocka_run_group_tests (tests, setup, teardown);
}
