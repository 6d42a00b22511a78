/*
 * Group commit (server/http/committer.h) against the real mutuad on SQLite: write requests
 * made at the same moment share one transaction and one sync, nothing is answered before
 * that sync, and a sync that fails answers 503 to the whole batch and writes none of it.
 *
 * The disk is made slow or failing by strace attached to mutuad (strace_helpers.h): every
 * fdatasync waits 300 ms (delay_exit), or fails with EIO. While one batch waits on its sync,
 * the other requests of the round (released together by a barrier) queue behind it, so the
 * batches are fewer than the requests: counted by /metrics (mutua_write_batches_total and
 * mutua_write_batch_requests_total), not by time. The test skips, saying why, when strace is
 * absent or cannot attach.
 *
 * 1. one_sync_for_many: 24 reservations of distinct goods and 8 of one good of quantity 1
 *    over the same slot, all at once under slow syncs: the 24 and exactly one of the 8 are
 *    201, the 7 others 409 (the batch's earlier writes decide, as between batches); fewer
 *    than half as many batches as requests; after a restart every 201 is there.
 * 2. failed_sync_fails_the_batch: 16 reservations at once while fdatasync fails: every
 *    answer is 503 with Retry-After, none is there after the fault nor after a restart, and
 *    the same 16 then succeed.
 * 3. off: with --write-batch-max 0 each request commits on its own loop: the writes work and
 *    the batch counters stay at 0.
 */
#include "strace_helpers.h"

#include <pthread.h>

#define DISTINCT 24
#define CONTENDING 8
#define RACERS (DISTINCT + CONTENDING)
#define SLOW_SYNC "fdatasync,fsync:delay_exit=300000"
#define FAILING_SYNC "fdatasync,fsync:error=EIO"

static it_person_t owner;
static it_person_t borrowers[RACERS];
static char goods[DISTINCT + 1][MT_ID_SIZE]; /* goods[DISTINCT] is the contended one */
static int64_t slot_ms;                      /* whole hours, two days ahead */

static int
start_world (const char *const *args)
{
  char net[MT_ID_SIZE], nets[64];

  if (!lh_start (args)) {
    return -1;
  }
  it_network (net);
  it_networks1 (nets, net);
  it_signup (nets, true, &owner);
  for (int i = 0; i < RACERS; i++) {
    it_signup (nets, true, &borrowers[i]);
  }
  for (int i = 0; i <= DISTINCT; i++) {
    lh_good (&owner, "Barnum 3x3", 1, goods[i]);
  }
  slot_ms = (mt_time_now_ms () / LH_HOUR) * LH_HOUR + 2 * LH_DAY;
  return 0;
}

static int
setup (void **state)
{
  static const char *const args[] = { "--threads", "2", "--reservations-per-hour", "0", NULL };

  (void) state;
  return start_world (args);
}

static int
teardown (void **state)
{
  int status = 0;

  (void) state;
  sh_strace_kill ();
  for (int i = 0; i < RACERS; i++) {
    it_person_destroy (&borrowers[i]);
  }
  it_person_destroy (&owner);
  free (it_admin);
  it_admin = NULL;
  if (it_server.pid > 0) {
    status = mt_test_server_stop (&it_server); /* a sanitizer report makes it non-zero */
  }
  mt_test_server_destroy (&it_server);
  return status == 0 ? 0 : -1;
}

/* The value of counter @name in /metrics. */
static long long
metric (const char *name)
{
  mt_http_response_t resp;
  char prefix[128];
  const char *at;
  long long value = -1;

  it_call (NULL, "GET", "/metrics", NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", "/metrics");
  snprintf (prefix, sizeof prefix, "\n%s ", name);
  at = strstr (resp.body, prefix);
  assert_non_null (at);
  value = strtoll (at + strlen (prefix), NULL, 10);
  mt_http_response_destroy (&resp);
  return value;
}

/* ---- Racing reservations --------------------------------------------------------------------- */

typedef struct {
  pthread_barrier_t *barrier;
  const char *token;
  char body[1024];
  int status; /* 0 when no answer was read */
  bool retry_after;
  char id[MT_ID_SIZE];
} racer_t;

static void *
race (void *arg)
{
  racer_t *racer = arg;
  mt_http_response_t resp;

  pthread_barrier_wait (racer->barrier);
  if (mt_test_server_request (&it_server, racer->token, "POST", "/v1/reservations", NULL,
                              racer->body, &resp)) {
    const char *id = resp.status == 201 ? mt_http_json_string (&resp, "id") : NULL;
    racer->status = resp.status;
    racer->retry_after = mt_http_header (&resp, "Retry-After") != NULL;
    snprintf (racer->id, sizeof racer->id, "%s", id ? id : "");
  }
  mt_http_response_destroy (&resp);
  return NULL;
}

/* Racer i asks for @listing over the slot @day days after slot_ms, as borrower i. */
static void
racer_init (racer_t *racer, pthread_barrier_t *barrier, int i, const char *listing, int day)
{
  char start[MT_TIME_RFC3339_MAX], end[MT_TIME_RFC3339_MAX];

  memset (racer, 0, sizeof *racer);
  racer->barrier = barrier;
  racer->token = borrowers[i].token;
  mt_time_format_rfc3339 (slot_ms + day * LH_DAY, start);
  mt_time_format_rfc3339 (slot_ms + day * LH_DAY + 2 * LH_HOUR, end);
  snprintf (racer->body, sizeof racer->body,
            "{\"listing_id\":\"%s\",\"start\":\"%s\",\"end\":\"%s\"}", listing, start, end);
}

/* Sends the @count requests of @racers at once and waits for every answer. */
static void
race_all (racer_t *racers, int count)
{
  pthread_t threads[RACERS];

  for (int i = 0; i < count; i++) {
    assert_int_equal (pthread_create (&threads[i], NULL, race, &racers[i]), 0);
  }
  for (int i = 0; i < count; i++) {
    pthread_join (threads[i], NULL);
  }
}

/* GET /v1/reservations/@id as borrower i: the status code. */
static int
reservation_status (int i, const char *id)
{
  mt_http_response_t resp;
  char path[128];
  int status;

  snprintf (path, sizeof path, "/v1/reservations/%s", id);
  it_call (borrowers[i].token, "GET", path, NULL, NULL, &resp);
  status = resp.status;
  mt_http_response_destroy (&resp);
  return status;
}

/* The number of reservations borrower i holds. */
static int
reservations_held (int i)
{
  mt_http_response_t resp;
  bson_iter_t iter, items;
  int count = 0;

  it_call (borrowers[i].token, "GET", "/v1/reservations?role=borrower&limit=100", NULL, NULL,
           &resp);
  it_assert_status (&resp, 200, "GET", "/v1/reservations");
  assert_true (resp.has_json);
  assert_true (bson_iter_init_find (&iter, &resp.json, "items"));
  assert_true (bson_iter_recurse (&iter, &items));
  while (bson_iter_next (&items)) {
    count++;
  }
  mt_http_response_destroy (&resp);
  return count;
}

static void
one_sync_for_many (void **state)
{
  racer_t racers[RACERS];
  pthread_barrier_t barrier;
  long long batches_before = metric ("mutua_write_batches_total");
  long long requests_before = metric ("mutua_write_batch_requests_total");
  long long batches, requests;
  int created = 0, refused = 0;

  (void) state;
  pthread_barrier_init (&barrier, NULL, RACERS);
  for (int i = 0; i < DISTINCT; i++) {
    racer_init (&racers[i], &barrier, i, goods[i], 0);
  }
  for (int i = DISTINCT; i < RACERS; i++) {
    racer_init (&racers[i], &barrier, i, goods[DISTINCT], 0);
  }
  if (!sh_fault_on (it_server.pid, "fdatasync,fsync", SLOW_SYNC, "group_commit")) {
    pthread_barrier_destroy (&barrier);
    skip ();
  }
  race_all (racers, RACERS);
  sh_fault_off (it_server.pid);
  pthread_barrier_destroy (&barrier);

  for (int i = 0; i < DISTINCT; i++) {
    assert_int_equal (racers[i].status, 201);
  }
  for (int i = DISTINCT; i < RACERS; i++) {
    created += racers[i].status == 201;
    refused += racers[i].status == 409;
  }
  assert_int_equal (created, 1);
  assert_int_equal (refused, CONTENDING - 1);

  batches = metric ("mutua_write_batches_total") - batches_before;
  requests = metric ("mutua_write_batch_requests_total") - requests_before;
  printf ("# %lld write requests in %lld batches under 300 ms syncs\n", requests, batches);
  assert_int_equal (requests, RACERS);
  assert_true (batches >= 1);
  assert_true (batches * 2 <= requests);

  /* Every 201 was durable: there after a restart. */
  assert_true (mt_test_server_restart (&it_server));
  for (int i = 0; i < RACERS; i++) {
    if (racers[i].status == 201) {
      assert_int_equal (reservation_status (i, racers[i].id), 200);
    }
  }
}

static void
failed_sync_fails_the_batch (void **state)
{
  enum { COUNT = 16 };
  racer_t racers[COUNT];
  pthread_barrier_t barrier;
  int held_before[COUNT];

  (void) state;
  pthread_barrier_init (&barrier, NULL, COUNT);
  for (int i = 0; i < COUNT; i++) {
    held_before[i] = reservations_held (i);
    racer_init (&racers[i], &barrier, i, goods[i], 3);
  }
  if (!sh_fault_on (it_server.pid, "fdatasync,fsync", FAILING_SYNC, "group_commit")) {
    pthread_barrier_destroy (&barrier);
    skip ();
  }
  race_all (racers, COUNT);
  sh_fault_off (it_server.pid);
  pthread_barrier_destroy (&barrier);

  for (int i = 0; i < COUNT; i++) {
    assert_int_equal (racers[i].status, 503);
    assert_true (racers[i].retry_after);
    assert_int_equal (reservations_held (i), held_before[i]);
  }
  assert_true (mt_test_server_restart (&it_server));
  for (int i = 0; i < COUNT; i++) {
    assert_int_equal (reservations_held (i), held_before[i]);
  }

  /* The same requests, the disk healthy again: all made. */
  pthread_barrier_init (&barrier, NULL, COUNT);
  for (int i = 0; i < COUNT; i++) {
    racers[i].barrier = &barrier;
  }
  race_all (racers, COUNT);
  pthread_barrier_destroy (&barrier);
  for (int i = 0; i < COUNT; i++) {
    assert_int_equal (racers[i].status, 201);
    assert_int_equal (reservations_held (i), held_before[i] + 1);
  }
}

static void
off (void **state)
{
  static const char *const args[] = { "--reservations-per-hour", "0", "--write-batch-max", "0",
                                      NULL };
  racer_t racers[RACERS];
  pthread_barrier_t barrier;

  assert_int_equal (teardown (state), 0);
  assert_int_equal (start_world (args), 0);
  pthread_barrier_init (&barrier, NULL, RACERS);
  for (int i = 0; i < RACERS; i++) {
    racer_init (&racers[i], &barrier, i, goods[i % (DISTINCT + 1)], 1 + i / (DISTINCT + 1));
  }
  race_all (racers, RACERS);
  pthread_barrier_destroy (&barrier);
  for (int i = 0; i < RACERS; i++) {
    assert_int_equal (racers[i].status, 201);
    assert_int_equal (reservation_status (i, racers[i].id), 200);
  }
  assert_int_equal (metric ("mutua_write_batches_total"), 0);
  assert_int_equal (metric ("mutua_write_batch_requests_total"), 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("group_commit/one_sync_for_many", one_sync_for_many),
    MT_TEST ("group_commit/failed_sync_fails_the_batch", failed_sync_fails_the_batch),
    MT_TEST ("group_commit/off", off),
  };
  return cmocka_run_group_tests_name ("integration/group_commit", tests, setup, teardown);
}
