/*
 * Concurrency of reservations against the real mutuad (4 event loops, one SQLite file):
 *
 * 1. Never double-booked. 32 members, each its own account and thread, request the same good
 *    (quantity 3, buffer 1 hour) at the same moment (a pthread barrier releases them), over
 *    ranges that all share a core period, 50 rounds with new ranges each round. Every answer
 *    is 201 or 409 (no 5xx), and the units granted in a round are exactly 3: at most 3
 *    because every range holds the core; at least 3 because a one-unit request is refused
 *    only when the good is full somewhere in its range. Then the server is stopped and the
 *    SQLite file is queried directly (the reservations table's columns): at no instant do
 *    the blocking reservations, each followed by its buffer, hold more than 3 units.
 *
 * 2. Racing transitions, 200 rounds each: approve against cancel (both with If-Match on the
 *    version they saw), and checkout against cancel (no If-Match: only one of the two is
 *    legal after the other), sent at the same moment by two threads. Each round: exactly one
 *    200 and one 409, the final status is the winner's, the history holds one item for that
 *    change, and the audit table (read from the SQLite file after the stop) exactly one entry.
 *
 * No wall-clock threshold anywhere: only counts and states are asserted.
 */
#include "members_helpers.h"

#include "mt_time.h"
#include "store.h"

#include <pthread.h>

#define HOUR INT64_C (3600000)
#define DAY INT64_C (86400000)

#define CLIENTS 32
#define ROUNDS 50
#define QUANTITY 3
#define BUFFER_HOURS 1
#define RACES 200

static char net[MT_ID_SIZE];
static char nets[64];
static it_person_t owner;
static it_person_t clients[CLIENTS];
static int64_t base_ms; /* whole seconds, a day ahead */

static int
setup (void **state)
{
  static const char *const args[] = {
    "--threads", "4", "--max-active-reservations", "1000", "--reservations-per-hour", "0", NULL
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
  it_signup (nets, true, &owner);
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
  it_person_destroy (&owner);
  /* the tests stop and restart the server to read its file */
  free (it_admin);
  it_admin = NULL;
  if (it_server.pid > 0) {
    status = mt_test_server_stop (&it_server); /* a sanitizer report makes it non-zero */
  }
  mt_test_server_destroy (&it_server);
  (void) state;
  return status == 0 ? 0 : -1;
}

/* A published good of the owner; its id to @id. */
static void
good (int quantity, int buffer_hours, char id[MT_ID_SIZE])
{
  mt_http_response_t resp;
  char body[512];

  snprintf (body, sizeof body,
            "{\"kind\":\"good\",\"title\":\"Barnum 3x3\",\"category\":\"tentes-barnums\","
            "\"status\":\"published\",\"quantity\":%d,\"loan_rules\":{\"min_notice_hours\":0,"
            "\"max_days\":7,\"buffer_hours\":%d,\"horizon_days\":365}}",
            quantity, buffer_hours);
  it_call (owner.token, "POST", "/v1/listings", NULL, body, &resp);
  it_assert_status (&resp, 201, "POST", "/v1/listings");
  snprintf (id, MT_ID_SIZE, "%s", mt_http_json_string (&resp, "id"));
  mt_http_response_destroy (&resp);
}

/* ---- Racing requests ------------------------------------------------------------------------- */

/* One request sent by its own thread once every racer is ready. */
typedef struct {
  pthread_barrier_t *barrier;
  const char *token;
  const char *path;
  char body[512];
  char header[64]; /* "" or one header line */
  int status;      /* 0 when no answer was read */
  char id[MT_ID_SIZE];
  bool stale; /* a 409 "stale": lost the compare-and-set (or If-Match), not an illegal state */
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
    const char *id = mt_http_json_string (&resp, "id");
    const char *type = mt_http_json_string (&resp, "type");
    job->status = resp.status;
    job->stale = type && strcmp (type, "urn:mutua:problem:stale") == 0;
    snprintf (job->id, sizeof job->id, "%s", resp.status == 201 && id ? id : "");
  }
  mt_http_response_destroy (&resp);
  return NULL;
}

/* Runs @n jobs at once. */
static void
race (job_t *jobs, size_t n)
{
  pthread_barrier_t barrier;
  pthread_t threads[CLIENTS];

  assert_true (n <= CLIENTS);
  assert_int_equal (pthread_barrier_init (&barrier, NULL, (unsigned) n), 0);
  for (size_t i = 0; i < n; i++) {
    jobs[i].barrier = &barrier;
    jobs[i].status = 0;
    assert_int_equal (pthread_create (&threads[i], NULL, run_job, &jobs[i]), 0);
  }
  for (size_t i = 0; i < n; i++) {
    pthread_join (threads[i], NULL);
  }
  pthread_barrier_destroy (&barrier);
}

/* A deterministic spread of offsets (no randomness: the same test every time). */
static int64_t
spread (unsigned round, unsigned client, unsigned salt, int64_t range)
{
  uint64_t x = (uint64_t) round * 2654435761u + (uint64_t) client * 40503u + salt * 97u + 12345u;
  x ^= x >> 13;
  x *= 0x9E3779B97F4A7C15ull;
  x ^= x >> 29;
  return (int64_t) (x % (uint64_t) (range / 60000)) * 60000; /* whole minutes */
}

/* A blocking reservation as stored: its range and units. */
typedef struct {
  int64_t start;
  int64_t end;
  int units;
} held_t;

/*
 * Reads, through the store port (SQLite file or MongoDB, as the server ran), every blocking
 * reservation of @listing into @held (at most @max); returns their number.
 */
static size_t
read_blocking (const char *listing, held_t *held, size_t max)
{
  static const char *const blocking[] = { "requested", "approved", "checked_out", NULL };
  mt_store_reservation_query_t query = { .listing_id = listing,
                                         .statuses = blocking,
                                         .limit = MT_STORE_PAGE_MAX };
  char cursor[MT_STORE_CURSOR_MAX] = "";
  mt_error_t error;
  size_t n = 0;
  mt_store_backend_t *backend =
    mt_store_backend_new (mt_test_server_store_uri (&it_server), &error);
  mt_store_t *store = backend ? mt_store_open (backend, &error) : NULL;

  if (!store) {
    fail_msg ("store %s: %s", mt_test_server_store_uri (&it_server), error.message);
  }
  do {
    mt_store_page_t page;
    bson_iter_t it;
    query.cursor = cursor;
    if (!store->ops->reservation_list (store, &query, &page, &error)) {
      fail_msg ("reservation_list: %s", error.message);
    }
    bson_iter_init (&it, &page.items);
    while (bson_iter_next (&it) && n < max) {
      const uint8_t *data;
      uint32_t len;
      bson_t doc;
      bson_iter_t f;
      bson_iter_document (&it, &len, &data);
      bson_init_static (&doc, data, len);
      assert_true (bson_iter_init_find (&f, &doc, "start") && BSON_ITER_HOLDS_DATE_TIME (&f));
      held[n].start = bson_iter_date_time (&f);
      assert_true (bson_iter_init_find (&f, &doc, "end") && BSON_ITER_HOLDS_DATE_TIME (&f));
      held[n].end = bson_iter_date_time (&f);
      assert_true (bson_iter_init_find (&f, &doc, "units"));
      held[n].units = (int) bson_iter_as_int64 (&f);
      n++;
    }
    snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
    mt_store_page_destroy (&page);
  } while (cursor[0]);
  mt_store_close (store);
  mt_store_backend_destroy (backend);
  return n;
}

static void
never_double_booked (void **state)
{
  char listing[MT_ID_SIZE];
  static job_t jobs[CLIENTS];
  int total_201 = 0, total_409 = 0, total_units = 0;
  (void) state;
  good (QUANTITY, BUFFER_HOURS, listing);
  for (unsigned round = 0; round < ROUNDS; round++) {
    /* every range holds the core [round + 20 h, round + 28 h) */
    int64_t round_ms = base_ms + (int64_t) round * 3 * DAY;
    int units_granted = 0;
    for (unsigned i = 0; i < CLIENTS; i++) {
      char s[MT_TIME_RFC3339_MAX], e[MT_TIME_RFC3339_MAX];
      int units = i % 4 == 0 ? 2 : 1;
      mt_time_format_rfc3339 (round_ms + spread (round, i, 1, 20 * HOUR), s);
      mt_time_format_rfc3339 (round_ms + 28 * HOUR + spread (round, i, 2, 20 * HOUR), e);
      jobs[i].token = clients[i].token;
      jobs[i].path = "/v1/reservations";
      jobs[i].header[0] = '\0';
      snprintf (jobs[i].body, sizeof jobs[i].body,
                "{\"listing_id\":\"%s\",\"start\":\"%s\",\"end\":\"%s\",\"units\":%d}", listing, s,
                e, units);
    }
    race (jobs, CLIENTS);
    for (unsigned i = 0; i < CLIENTS; i++) {
      if (jobs[i].status == 201) {
        units_granted += i % 4 == 0 ? 2 : 1;
        total_201++;
      } else if (jobs[i].status == 409) {
        total_409++;
      } else {
        fail_msg ("round %u, client %u: status %d (only 201 and 409 are expected)", round, i,
                  jobs[i].status);
      }
    }
    if (units_granted != QUANTITY) {
      fail_msg ("round %u: %d units granted, expected exactly %d", round, units_granted, QUANTITY);
    }
    total_units += units_granted;
  }
  fprintf (stderr,
           "never_double_booked: %d rounds x %d clients = %d requests: %d x 201 (%d units), "
           "%d x 409\n",
           ROUNDS, CLIENTS, ROUNDS * CLIENTS, total_201, total_units, total_409);

  /* Stop the server, then ask the store itself. */
  assert_int_equal (mt_test_server_stop (&it_server), 0);
  {
    static held_t held[ROUNDS * CLIENTS];
    size_t n = read_blocking (listing, held, ROUNDS * CLIENTS);
    int units = 0, most = 0;
    /* every granted request is one blocking reservation, nothing else is stored */
    for (size_t i = 0; i < n; i++) {
      units += held[i].units;
    }
    assert_int_equal ((int) n, total_201);
    assert_int_equal (units, total_units);
    /* at every instant where a loan starts (where the step function of used units can
     * rise), the loans holding it, each followed by its buffer ([start, end + buffer)),
     * hold at most the quantity; the maximum over all instants is reached at one of these */
    for (size_t a = 0; a < n; a++) {
      int used = 0;
      for (size_t o = 0; o < n; o++) {
        if (held[o].start <= held[a].start &&
            held[a].start < held[o].end + (int64_t) BUFFER_HOURS * HOUR) {
          used += held[o].units;
        }
      }
      most = used > most ? used : most;
    }
    fprintf (stderr, "never_double_booked: most units used at one instant: %d (quantity %d)\n",
             most, QUANTITY);
    assert_int_equal (most, QUANTITY);
  }
  assert_true (mt_test_server_restart (&it_server));
}

/* ---- Racing transitions ------------------------------------------------------------------ */

typedef struct {
  char id[MT_ID_SIZE];
  const char *winner_status; /* the status the winner set */
  int entries;               /* audit entries expected for the reservation */
} race_record_t;

static race_record_t records[2 * RACES];

/* Creates a reservation of @listing by client @c (offset keeps ranges apart); its id. */
static void
create_one (const char *listing, unsigned c, unsigned n, char id[MT_ID_SIZE])
{
  mt_http_response_t resp;
  char body[512], s[MT_TIME_RFC3339_MAX], e[MT_TIME_RFC3339_MAX];

  mt_time_format_rfc3339 (base_ms + 200 * DAY + (int64_t) (n % 50) * HOUR, s);
  mt_time_format_rfc3339 (base_ms + 201 * DAY + (int64_t) (n % 50) * HOUR, e);
  snprintf (body, sizeof body, "{\"listing_id\":\"%s\",\"start\":\"%s\",\"end\":\"%s\"}", listing,
            s, e);
  it_call (clients[c].token, "POST", "/v1/reservations", NULL, body, &resp);
  it_assert_status (&resp, 201, "POST", "/v1/reservations");
  snprintf (id, MT_ID_SIZE, "%s", mt_http_json_string (&resp, "id"));
  mt_http_response_destroy (&resp);
}

/* Status and number of history items of reservation @id. */
static void
read_back (const char *id, char status[32], int *items)
{
  mt_http_response_t resp;
  char path[96];
  char key[32];

  snprintf (path, sizeof path, "/v1/reservations/%.26s", id);
  it_call (owner.token, "GET", path, NULL, NULL, &resp);
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

static void
racing_transitions (void **state)
{
  char listing[MT_ID_SIZE];
  job_t jobs[2];
  char paths[2][128];
  int wins[2][2] = { { 0, 0 }, { 0, 0 } }; /* [kind][which job won] */
  int stale[2] = { 0, 0 };                 /* [kind]: losers that lost the compare-and-set */
  (void) state;
  good (1000, 0, listing);
  for (unsigned n = 0; n < 2 * RACES; n++) {
    bool checkout_race = n >= RACES;
    unsigned c = n % CLIENTS;
    race_record_t *rec = &records[n];
    char status[32];
    int items, winner;

    create_one (listing, c, n, rec->id);
    if (checkout_race) {
      char path[128];
      snprintf (path, sizeof path, "/v1/reservations/%.26s/approve", rec->id);
      it_expect (owner.token, "POST", path, "{}", 200);
    }
    /* job 0: the owner (approve or checkout); job 1: the borrower cancels */
    snprintf (paths[0], sizeof paths[0], "/v1/reservations/%.26s/%s", rec->id,
              checkout_race ? "checkout" : "approve");
    snprintf (paths[1], sizeof paths[1], "/v1/reservations/%.26s/cancel", rec->id);
    jobs[0] = (job_t){ .token = owner.token, .path = paths[0] };
    jobs[1] = (job_t){ .token = clients[c].token, .path = paths[1] };
    snprintf (jobs[0].body, sizeof jobs[0].body, "%s",
              checkout_race ? "{\"condition_note\":\"complet\"}" : "{}");
    snprintf (jobs[1].body, sizeof jobs[1].body, "{\"reason\":\"course %u\"}", n);
    if (!checkout_race) {
      /* both decided on the version they saw: after an approval, cancelling is legal again,
       * so without If-Match a cancel arriving after the approval would also succeed */
      snprintf (jobs[0].header, sizeof jobs[0].header, "If-Match: W/\"1\"");
      snprintf (jobs[1].header, sizeof jobs[1].header, "If-Match: W/\"1\"");
    }
    race (jobs, 2);
    if (!((jobs[0].status == 200 && jobs[1].status == 409) ||
          (jobs[0].status == 409 && jobs[1].status == 200))) {
      fail_msg ("race %u (%s): statuses %d and %d, expected one 200 and one 409", n,
                checkout_race ? "checkout/cancel" : "approve/cancel", jobs[0].status,
                jobs[1].status);
    }
    winner = jobs[0].status == 200 ? 0 : 1;
    wins[checkout_race][winner]++;
    stale[checkout_race] += jobs[1 - winner].stale ? 1 : 0;
    rec->winner_status = winner == 1 ? "cancelled" : (checkout_race ? "checked_out" : "approved");
    rec->entries = checkout_race ? 3 : 2;
    read_back (rec->id, status, &items);
    if (strcmp (status, rec->winner_status) != 0 || items != rec->entries) {
      fail_msg ("race %u: status %s with %d history items, expected %s with %d", n, status, items,
                rec->winner_status, rec->entries);
    }
  }
  fprintf (stderr,
           "racing_transitions: approve/cancel %d rounds: approve won %d, cancel won %d (%d "
           "losers stale); checkout/cancel %d rounds: checkout won %d, cancel won %d (%d losers "
           "stale, the others refused as illegal after the winner)\n",
           RACES, wins[0][0], wins[0][1], stale[0], RACES, wins[1][0], wins[1][1], stale[1]);

  /* The audit log, read from the store: one entry per change, the winner's only. */
  assert_int_equal (mt_test_server_stop (&it_server), 0);
  {
    mt_error_t error;
    mt_store_backend_t *backend =
      mt_store_backend_new (mt_test_server_store_uri (&it_server), &error);
    mt_store_t *store = backend ? mt_store_open (backend, &error) : NULL;
    if (!store) {
      fail_msg ("store %s: %s", mt_test_server_store_uri (&it_server), error.message);
    }
    for (unsigned n = 0; n < 2 * RACES; n++) {
      race_record_t *rec = &records[n];
      mt_store_page_t page;
      bson_iter_t it;
      int count = 0;
      int changes_to_winner = 0;
      if (!store->ops->audit_list (store, rec->id, NULL, MT_STORE_PAGE_MAX, &page, &error)) {
        fail_msg ("audit_list: %s", error.message);
      }
      /* newest first: entry "<id>:<k>" is at position count - k */
      bson_iter_init (&it, &page.items);
      while (bson_iter_next (&it)) {
        char expected_id[64];
        const uint8_t *data;
        uint32_t len;
        bson_t doc;
        bson_iter_document (&it, &len, &data);
        assert_true (bson_init_static (&doc, data, len));
        snprintf (expected_id, sizeof expected_id, "%.26s:%u", rec->id,
                  page.count - (unsigned) count);
        assert_string_equal (mt_bson_str (&doc, "id"), expected_id);
        if (count == 0) {
          changes_to_winner += mt_bson_str_eq (&doc, "to", rec->winner_status) ? 1 : 0;
        }
        assert_string_equal (mt_bson_str (&doc, "entity"), "reservation");
        count++;
      }
      mt_store_page_destroy (&page);
      if (count != rec->entries || changes_to_winner != 1) {
        fail_msg ("reservation %s: %d audit entries (expected %d), last to %s: %d", rec->id, count,
                  rec->entries, rec->winner_status, changes_to_winner);
      }
    }
    mt_store_close (store);
    mt_store_backend_destroy (backend);
  }
  assert_true (mt_test_server_restart (&it_server));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("reservations_concurrency/never_double_booked", never_double_booked),
    MT_TEST ("reservations_concurrency/racing_transitions", racing_transitions),
  };

  return cmocka_run_group_tests (tests, setup, teardown);
}
