/* Unit tests of server/workers.c: jobs run off the loop, completions run on it, the queue is
 * bounded. */
#include "mt_test.h"

#include "workers.h"

#include <event2/event.h>
#include <event2/thread.h>
#include <pthread.h>
#include <stdatomic.h>

typedef struct {
  pthread_t loop_thread;
  atomic_int worked;
  int done;
  bool done_on_loop;
  struct event_base *base;
  int expected;
  pthread_mutex_t gate; /* held by the test to keep workers busy */
} counter_t;

static void
work (void *arg)
{
  counter_t *c = arg;
  pthread_mutex_lock (&c->gate);
  pthread_mutex_unlock (&c->gate);
  atomic_fetch_add (&c->worked, 1);
}

static void
done (void *arg)
{
  counter_t *c = arg;
  c->done++;
  c->done_on_loop = c->done_on_loop && pthread_equal (pthread_self (), c->loop_thread);
  if (c->done == c->expected) {
    event_base_loopbreak (c->base);
  }
}

static void
runs_jobs_and_completes_on_the_loop (void **state)
{
  counter_t c = { .done_on_loop = true, .expected = 50 };
  mt_workers_t *workers = mt_workers_new (3, 100);
  mt_completion_queue_t *queue;

  c.base = event_base_new ();
  c.loop_thread = pthread_self ();
  pthread_mutex_init (&c.gate, NULL);
  queue = mt_completion_queue_new (c.base);
  for (int i = 0; i < c.expected; i++) {
    assert_true (mt_workers_submit (workers, queue, work, done, &c));
  }
  event_base_loop (c.base, EVLOOP_NO_EXIT_ON_EMPTY);
  assert_int_equal (atomic_load (&c.worked), c.expected);
  assert_int_equal (c.done, c.expected);
  assert_true (c.done_on_loop);
  mt_workers_destroy (workers);
  mt_completion_queue_destroy (queue);
  event_base_free (c.base);
  pthread_mutex_destroy (&c.gate);
}

static void
refuses_when_the_queue_is_full (void **state)
{
  counter_t c = { .done_on_loop = true, .expected = -1 };
  mt_workers_t *workers = mt_workers_new (1, 2);
  mt_completion_queue_t *queue;
  int accepted = 0;

  c.base = event_base_new ();
  pthread_mutex_init (&c.gate, NULL);
  pthread_mutex_lock (&c.gate); /* the one thread blocks on its first job */
  queue = mt_completion_queue_new (c.base);
  for (int i = 0; i < 10; i++) {
    accepted += mt_workers_submit (workers, queue, work, done, &c);
  }
  /* One running (maybe not yet taken) plus at most two waiting. */
  assert_true (accepted >= 2 && accepted <= 3);
  assert_true (mt_workers_pending (workers) == (size_t) accepted);
  pthread_mutex_unlock (&c.gate);
  mt_workers_destroy (workers); /* finishes the accepted jobs */
  assert_int_equal (atomic_load (&c.worked), accepted);
  mt_completion_queue_destroy (queue);
  event_base_free (c.base);
  pthread_mutex_destroy (&c.gate);
}

static int
setup (void **state)
{
  return evthread_use_pthreads ();
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("workers/runs_jobs_and_completes_on_the_loop", runs_jobs_and_completes_on_the_loop),
    MT_TEST ("workers/refuses_when_the_queue_is_full", refuses_when_the_queue_is_full),
  };
  return cmocka_run_group_tests_name ("server/workers", tests, setup, NULL);
}
