/*
 * Unit tests of server/services/ratelimit.c: counting within a window opened by the first
 * failure, Retry-After, reset and release, attempts in flight, eviction of the oldest
 * entries of a full set, and exact limits under concurrent threads. Time is always passed
 * in: no test reads the clock.
 */
#include "mt_test.h"

#include "ratelimit.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 INT64_C (1781254800000) /* 2026-06-12T09:00:00Z */
#define WINDOW_S 60
#define WINDOW_MS (INT64_C (1000) * WINDOW_S)

/* Fails @key @n times through check + fail, each check being allowed. */
static void
fail_n (mt_ratelimit_t *rl, const char *key, int n, int64_t now_ms)
{
  for (int i = 0; i < n; i++) {
    uint32_t retry = 99;
    assert_true (mt_ratelimit_check (rl, key, now_ms, &retry));
    assert_int_equal (retry, 0);
    mt_ratelimit_fail (rl, key, now_ms);
  }
}

static void
new_rejects_bad_arguments (void **state)
{
  (void) state;
  assert_null (mt_ratelimit_new (0, WINDOW_S, 16));
  assert_null (mt_ratelimit_new (3, 0, 16));
  assert_null (mt_ratelimit_new (3, WINDOW_S, 0));
  assert_null (mt_ratelimit_new (3, WINDOW_S, SIZE_MAX));
  mt_ratelimit_destroy (NULL);
}

static void
capacity_rounds_up_to_whole_sets (void **state)
{
  mt_ratelimit_t *a = mt_ratelimit_new (3, WINDOW_S, 1);
  mt_ratelimit_t *b = mt_ratelimit_new (3, WINDOW_S, MT_RATELIMIT_WAYS + 1);

  (void) state;
  assert_int_equal (mt_ratelimit_capacity (a), MT_RATELIMIT_WAYS);
  assert_int_equal (mt_ratelimit_capacity (b), 2 * MT_RATELIMIT_WAYS);
  mt_ratelimit_destroy (a);
  mt_ratelimit_destroy (b);
}

static void
check_refuses_after_limit_with_retry_after (void **state)
{
  mt_ratelimit_t *rl = mt_ratelimit_new (3, WINDOW_S, 64);
  uint32_t retry = 0;

  (void) state;
  fail_n (rl, "camille@velo-solidaire.fr", 3, T0);
  assert_false (mt_ratelimit_check (rl, "camille@velo-solidaire.fr", T0, &retry));
  assert_int_equal (retry, WINDOW_S);
  /* Retry-After counts down, rounded up to whole seconds. */
  assert_false (mt_ratelimit_check (rl, "camille@velo-solidaire.fr", T0 + 58500, &retry));
  assert_int_equal (retry, 2);
  assert_false (mt_ratelimit_check (rl, "camille@velo-solidaire.fr", T0 + WINDOW_MS - 1, &retry));
  assert_int_equal (retry, 1);
  /* A refused check reserves nothing and counts nothing. */
  assert_true (mt_ratelimit_check (rl, "camille@velo-solidaire.fr", T0 + WINDOW_MS, &retry));
  assert_int_equal (retry, 0);
  mt_ratelimit_destroy (rl);
}

static void
window_opens_at_the_first_failure (void **state)
{
  mt_ratelimit_t *rl = mt_ratelimit_new (3, WINDOW_S, 64);
  uint32_t retry = 0;

  (void) state;
  fail_n (rl, "k", 1, T0);
  fail_n (rl, "k", 1, T0 + 20000);
  fail_n (rl, "k", 1, T0 + 40000);
  assert_false (mt_ratelimit_check (rl, "k", T0 + 40000, &retry));
  assert_int_equal (retry, 20); /* the window ends 60 s after the first failure */
  /* Once passed, the old failures are forgotten: three more are allowed. */
  fail_n (rl, "k", 2, T0 + WINDOW_MS);
  assert_true (mt_ratelimit_check (rl, "k", T0 + WINDOW_MS, &retry));
  mt_ratelimit_fail (rl, "k", T0 + WINDOW_MS);
  assert_false (mt_ratelimit_check (rl, "k", T0 + WINDOW_MS + 1, &retry));
  assert_int_equal (retry, WINDOW_S);
  mt_ratelimit_destroy (rl);
}

static void
keys_are_independent (void **state)
{
  mt_ratelimit_t *rl = mt_ratelimit_new (2, WINDOW_S, 64);
  uint32_t retry = 0;

  (void) state;
  fail_n (rl, "a@x.fr", 2, T0);
  assert_false (mt_ratelimit_check (rl, "a@x.fr", T0, &retry));
  assert_true (mt_ratelimit_check (rl, "b@x.fr", T0, &retry));
  mt_ratelimit_release (rl, "b@x.fr");
  assert_true (mt_ratelimit_check (rl, "", T0, &retry));
  mt_ratelimit_release (rl, "");
  mt_ratelimit_destroy (rl);
}

static void
reset_forgets_failures (void **state)
{
  mt_ratelimit_t *rl = mt_ratelimit_new (3, WINDOW_S, 64);
  uint32_t retry = 0;

  (void) state;
  fail_n (rl, "k", 2, T0);
  assert_true (mt_ratelimit_check (rl, "k", T0, &retry));
  mt_ratelimit_reset (rl, "k"); /* the attempt succeeded */
  fail_n (rl, "k", 3, T0 + 1000);
  assert_false (mt_ratelimit_check (rl, "k", T0 + 1000, &retry));
  /* Resetting an unknown key is harmless. */
  mt_ratelimit_reset (rl, "never-seen");
  mt_ratelimit_destroy (rl);
}

static void
release_counts_nothing (void **state)
{
  mt_ratelimit_t *rl = mt_ratelimit_new (2, WINDOW_S, 64);
  uint32_t retry = 0;

  (void) state;
  for (int i = 0; i < 10; i++) {
    assert_true (mt_ratelimit_check (rl, "k", T0, &retry));
    mt_ratelimit_release (rl, "k");
  }
  fail_n (rl, "k", 1, T0);
  assert_true (mt_ratelimit_check (rl, "k", T0, &retry));
  mt_ratelimit_release (rl, "k");
  /* Releasing more than was reserved neither underflows nor frees the failures. */
  mt_ratelimit_release (rl, "k");
  mt_ratelimit_release (rl, "k");
  fail_n (rl, "k", 1, T0);
  assert_false (mt_ratelimit_check (rl, "k", T0, &retry));
  mt_ratelimit_destroy (rl);
}

static void
attempts_in_flight_count_against_the_limit (void **state)
{
  mt_ratelimit_t *rl = mt_ratelimit_new (2, WINDOW_S, 64);
  uint32_t retry = 0;

  (void) state;
  assert_true (mt_ratelimit_check (rl, "k", T0, &retry));
  assert_true (mt_ratelimit_check (rl, "k", T0, &retry));
  /* Two attempts are being verified: a third must wait, briefly. */
  assert_false (mt_ratelimit_check (rl, "k", T0, &retry));
  assert_int_equal (retry, 1);
  mt_ratelimit_release (rl, "k");
  assert_true (mt_ratelimit_check (rl, "k", T0, &retry));
  mt_ratelimit_fail (rl, "k", T0);
  mt_ratelimit_fail (rl, "k", T0);
  assert_false (mt_ratelimit_check (rl, "k", T0, &retry));
  assert_int_equal (retry, WINDOW_S);
  mt_ratelimit_destroy (rl);
}

static void
full_set_evicts_the_oldest_entry (void **state)
{
  mt_ratelimit_t *rl = mt_ratelimit_new (1, WINDOW_S, MT_RATELIMIT_WAYS); /* one set */
  char key[32];
  uint32_t retry = 0;

  (void) state;
  for (int i = 0; i <= MT_RATELIMIT_WAYS; i++) {
    snprintf (key, sizeof key, "key-%d", i);
    mt_ratelimit_fail (rl, key, T0 + i * 1000);
  }
  /* key-0, the oldest, made room for key-8; every other key is still blocked. */
  for (int i = 1; i <= MT_RATELIMIT_WAYS; i++) {
    snprintf (key, sizeof key, "key-%d", i);
    assert_false (mt_ratelimit_check (rl, key, T0 + 10000, &retry));
  }
  assert_true (mt_ratelimit_check (rl, "key-0", T0 + 10000, &retry));
  mt_ratelimit_destroy (rl);
}

static void
eviction_spares_attempts_in_flight (void **state)
{
  mt_ratelimit_t *rl = mt_ratelimit_new (2, WINDOW_S, MT_RATELIMIT_WAYS);
  char key[32];
  uint32_t retry = 0;

  (void) state;
  /* key-0 is the oldest but has an attempt in flight. */
  fail_n (rl, "key-0", 1, T0);
  assert_true (mt_ratelimit_check (rl, "key-0", T0, &retry));
  for (int i = 1; i < MT_RATELIMIT_WAYS; i++) {
    snprintf (key, sizeof key, "key-%d", i);
    fail_n (rl, key, 2, T0 + i * 1000);
  }
  mt_ratelimit_fail (rl, "newcomer", T0 + 9000);
  /* key-1 (oldest without an attempt in flight) went; key-0 and key-2.. stayed. */
  assert_false (mt_ratelimit_check (rl, "key-2", T0 + 10000, &retry));
  assert_false (mt_ratelimit_check (rl, "key-0", T0 + 10000, &retry));
  assert_true (mt_ratelimit_check (rl, "key-1", T0 + 10000, &retry));
  mt_ratelimit_destroy (rl);
}

/* --- threads ---------------------------------------------------------------------------------- */

#define THREADS 8
#define TRIES 500
#define LIMIT 100

typedef struct {
  mt_ratelimit_t *rl;
  int allowed;
} worker_t;

static void *
worker_main (void *arg)
{
  worker_t *w = arg;

  for (int i = 0; i < TRIES; i++) {
    uint32_t retry;
    if (mt_ratelimit_check (w->rl, "shared", T0, &retry)) {
      w->allowed++;
      sched_yield (); /* as a password verification would: others check meanwhile */
      mt_ratelimit_fail (w->rl, "shared", T0);
    }
    /* Other keys churn through the table meanwhile. */
    char other[32];
    snprintf (other, sizeof other, "other-%d", i % 50);
    if (mt_ratelimit_check (w->rl, other, T0, &retry)) {
      mt_ratelimit_release (w->rl, other);
    }
  }
  return NULL;
}

static void
concurrent_attempts_never_exceed_the_limit (void **state)
{
  mt_ratelimit_t *rl = mt_ratelimit_new (LIMIT, WINDOW_S, 1024);
  pthread_t threads[THREADS];
  worker_t workers[THREADS];
  int total = 0;

  (void) state;
  for (int i = 0; i < THREADS; i++) {
    workers[i] = (worker_t){ .rl = rl, .allowed = 0 };
    assert_int_equal (pthread_create (&threads[i], NULL, worker_main, &workers[i]), 0);
  }
  for (int i = 0; i < THREADS; i++) {
    pthread_join (threads[i], NULL);
    total += workers[i].allowed;
  }
  assert_int_equal (total, LIMIT);
  mt_ratelimit_destroy (rl);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("ratelimit/new/rejects_bad_arguments", new_rejects_bad_arguments),
    MT_TEST ("ratelimit/new/capacity_rounds_up_to_whole_sets", capacity_rounds_up_to_whole_sets),
    MT_TEST ("ratelimit/check/refuses_after_limit_with_retry_after",
             check_refuses_after_limit_with_retry_after),
    MT_TEST ("ratelimit/window/opens_at_the_first_failure", window_opens_at_the_first_failure),
    MT_TEST ("ratelimit/keys/are_independent", keys_are_independent),
    MT_TEST ("ratelimit/reset/forgets_failures", reset_forgets_failures),
    MT_TEST ("ratelimit/release/counts_nothing", release_counts_nothing),
    MT_TEST ("ratelimit/check/attempts_in_flight_count_against_the_limit",
             attempts_in_flight_count_against_the_limit),
    MT_TEST ("ratelimit/evict/full_set_evicts_the_oldest_entry", full_set_evicts_the_oldest_entry),
    MT_TEST ("ratelimit/evict/spares_attempts_in_flight", eviction_spares_attempts_in_flight),
    MT_TEST ("ratelimit/threads/concurrent_attempts_never_exceed_the_limit",
             concurrent_attempts_never_exceed_the_limit),
  };
  return cmocka_run_group_tests_name ("ratelimit", tests, NULL, NULL);
}
