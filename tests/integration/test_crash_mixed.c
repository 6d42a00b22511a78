/*
 * The mixed crash test: mutuad is killed with SIGKILL at pseudo-random moments (fixed seed)
 * while five client threads make the five kinds of durable write at once (reservations,
 * service bookings, ledger grants by the administrator, needs, messages in a reservation's
 * thread), and restarted each time on the same data directory. Afterwards every write answered
 * 2xx is read back through the API (each reservation, booking and need by its id; each grant in
 * the requester's ledger; each message in the thread), and `mutuad check` (integrity, foreign
 * keys, calendars, audit) passes on the stopped store.
 * Kill moments are chosen by counting acknowledged writes, plus a pseudo-random delay of a few
 * milliseconds: no timing is asserted, and every wait is bounded. test_crash.c does the same
 * with reservations alone and checks the calendars entry by entry.
 */
#include "faults_helpers.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#define MIXED_KILLS 6
#define MIXED_PER_KIND_MAX 900 /* reservations stay below max_active_reservations (1000) */
#define MIXED_SEED UINT32_C (20261123)

typedef struct {
  fh_kind_t kind;
  char (*ids)[MT_ID_SIZE]; /* acknowledged writes (2xx) */
  atomic_int acked;
  int attempts;
  pthread_t thread;
} loader_t;

static fh_world_t world;
static loader_t loaders[FH_KINDS];
static atomic_int current_port; /* 0 while the server restarts */
static atomic_bool stop_load;
static uint32_t rng_state = MIXED_SEED;

static uint32_t
rng (void)
{
  rng_state = rng_state * UINT32_C (1664525) + UINT32_C (1013904223);
  return rng_state >> 8;
}

static int
setup (void **state)
{
  static const char *const args[] = { FH_SERVER_ARGS, NULL };

  (void) state;
  return lh_start (args) ? 0 : -1;
}

static int
teardown (void **state)
{
  (void) state;
  free (it_admin);
  it_admin = NULL;
  mt_test_server_destroy (&it_server);
  return 0;
}

static int
total_acked (void)
{
  int total = 0;

  for (int i = 0; i < FH_KINDS; i++) {
    total += atomic_load (&loaders[i].acked);
  }
  return total;
}

/* One loader: writes of its kind one after the other, recording those answered 2xx. */
static void *
loader_main (void *arg)
{
  loader_t *l = arg;

  while (!atomic_load (&stop_load) && atomic_load (&l->acked) < MIXED_PER_KIND_MAX) {
    int port = atomic_load (&current_port);
    char id[MT_ID_SIZE];
    int status;

    if (port == 0) {
      lh_sleep_ms (5);
      continue;
    }
    status = fh_write ((uint16_t) port, &world, it_admin, l->kind, l->attempts++, id, NULL, 0);
    if (status >= 200 && status <= 299 && id[0]) {
      int k = atomic_load (&l->acked);
      snprintf (l->ids[k], MT_ID_SIZE, "%s", id);
      atomic_store (&l->acked, k + 1);
    } else if (status == 0) {
      lh_sleep_ms (5); /* killed or restarting */
    }
  }
  return NULL;
}

static void
acknowledged_mixed_writes_survive_kills (void **state)
{
  fh_ids_t acked[FH_KINDS] = { 0 };
  char output[8192];
  int target;
  int check;

  (void) state;
  fh_world_setup (&world);
  atomic_store (&current_port, it_server.port);
  atomic_store (&stop_load, false);
  for (int i = 0; i < FH_KINDS; i++) {
    loaders[i].kind = (fh_kind_t) i;
    loaders[i].ids = calloc (MIXED_PER_KIND_MAX, MT_ID_SIZE);
    assert_non_null (loaders[i].ids);
    atomic_init (&loaders[i].acked, 0);
    assert_int_equal (pthread_create (&loaders[i].thread, NULL, loader_main, &loaders[i]), 0);
  }
  for (int kills = 0; kills < MIXED_KILLS; kills++) {
    /* Kill once 20 to 60 more writes were acknowledged, a few milliseconds later. */
    target = total_acked () + 20 + (int) (rng () % 41);
    for (int waited = 0; total_acked () < target && waited < LH_POLL_MAX_MS; waited++) {
      lh_sleep_ms (1);
    }
    assert_true (total_acked () >= target);
    lh_sleep_ms ((int) (rng () % 15));
    mt_test_server_kill (&it_server);
    atomic_store (&current_port, 0);
    assert_int_equal (it_server.exit_status, 128 + SIGKILL);
    assert_true (mt_test_server_restart (&it_server));
    atomic_store (&current_port, it_server.port);
  }
  target = total_acked () + 20;
  for (int waited = 0; total_acked () < target && waited < LH_POLL_MAX_MS; waited++) {
    lh_sleep_ms (1);
  }
  atomic_store (&stop_load, true);
  for (int i = 0; i < FH_KINDS; i++) {
    pthread_join (loaders[i].thread, NULL);
    /* Every kind was acknowledged at least once: the load really was mixed. */
    assert_true (atomic_load (&loaders[i].acked) > 0);
    for (int k = 0; k < atomic_load (&loaders[i].acked); k++) {
      fh_ids_add (&acked[i], loaders[i].ids[k]);
    }
  }

  fh_assert_present (&world, acked);
  assert_int_equal (mt_test_server_stop (&it_server), 0);
  check = fh_run_check (output, sizeof output);
  if (check != 0) {
    fail_msg ("mutuad check exited %d:\n%s", check, output);
  }
  fprintf (stderr,
           "mixed crash test: %d kills; acknowledged and present: %zu reservations, %zu "
           "bookings, %zu grants, %zu needs, %zu messages\n",
           MIXED_KILLS, acked[FH_RESERVATION].len, acked[FH_BOOKING].len, acked[FH_GRANT].len,
           acked[FH_NEED].len, acked[FH_MESSAGE].len);
  for (int i = 0; i < FH_KINDS; i++) {
    fh_ids_destroy (&acked[i]);
    free (loaders[i].ids);
    loaders[i].ids = NULL;
  }
  fh_world_destroy (&world);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("crash_mixed/acknowledged_mixed_writes_survive_kills",
             acknowledged_mixed_writes_survive_kills),
  };
  return cmocka_run_group_tests_name ("integration/crash_mixed", tests, setup, teardown);
}
