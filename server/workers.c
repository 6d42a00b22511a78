/*
 * workers: a fixed set of threads taking jobs from one bounded FIFO; completions go to the
 * submitting loop's queue and wake it with event_active (thread-safe with evthread).
 */
#include "workers.h"

#include <event2/event.h>
#include <pthread.h>
#include <stdlib.h>

typedef struct mt_job {
  struct mt_job *next;
  mt_job_fn work;
  mt_job_fn done;
  void *arg;
  mt_completion_queue_t *queue;
} mt_job_t;

struct mt_completion_queue {
  pthread_mutex_t lock;
  mt_job_t *head;
  mt_job_t *tail;
  struct event *wakeup;
};

struct mt_workers {
  pthread_mutex_t lock;
  pthread_cond_t ready;
  mt_job_t *head;
  mt_job_t *tail;
  size_t queued;  /* waiting in the FIFO */
  size_t running; /* taken by a thread */
  size_t queue_max;
  bool stopping;
  int thread_count;
  pthread_t *threads;
};

static void
mt_completion_queue_push (mt_completion_queue_t *queue, mt_job_t *job)
{
  job->next = NULL;
  pthread_mutex_lock (&queue->lock);
  if (queue->tail) {
    queue->tail->next = job;
  } else {
    queue->head = job;
  }
  queue->tail = job;
  pthread_mutex_unlock (&queue->lock);
  event_active (queue->wakeup, EV_READ, 0);
}

static void
mt_completion_queue_run (evutil_socket_t fd, short what, void *arg)
{
  mt_completion_queue_t *queue = arg;
  mt_job_t *job;

  (void) fd;
  (void) what;
  pthread_mutex_lock (&queue->lock);
  job = queue->head;
  queue->head = queue->tail = NULL;
  pthread_mutex_unlock (&queue->lock);
  while (job) {
    mt_job_t *next = job->next;
    job->done (job->arg);
    free (job);
    job = next;
  }
}

bool
mt_completion_queue_post (mt_completion_queue_t *queue, mt_job_fn done, void *arg)
{
  mt_job_t *job = calloc (1, sizeof *job);

  if (!job) {
    return false;
  }
  job->done = done;
  job->arg = arg;
  job->queue = queue;
  mt_completion_queue_push (queue, job);
  return true;
}

mt_completion_queue_t *
mt_completion_queue_new (struct event_base *base)
{
  mt_completion_queue_t *queue = calloc (1, sizeof *queue);

  if (!queue) {
    return NULL;
  }
  pthread_mutex_init (&queue->lock, NULL);
  queue->wakeup = event_new (base, -1, 0, mt_completion_queue_run, queue);
  if (!queue->wakeup) {
    pthread_mutex_destroy (&queue->lock);
    free (queue);
    return NULL;
  }
  return queue;
}

void
mt_completion_queue_destroy (mt_completion_queue_t *queue)
{
  mt_job_t *job;

  if (!queue) {
    return;
  }
  event_free (queue->wakeup);
  job = queue->head;
  while (job) {
    mt_job_t *next = job->next;
    free (job);
    job = next;
  }
  pthread_mutex_destroy (&queue->lock);
  free (queue);
}

static void *
mt_workers_main (void *arg)
{
  mt_workers_t *workers = arg;

  pthread_mutex_lock (&workers->lock);
  while (true) {
    mt_job_t *job;
    while (!workers->head && !workers->stopping) {
      pthread_cond_wait (&workers->ready, &workers->lock);
    }
    if (!workers->head) {
      break; /* stopping and nothing left */
    }
    job = workers->head;
    workers->head = job->next;
    if (!workers->head) {
      workers->tail = NULL;
    }
    workers->queued--;
    workers->running++;
    pthread_mutex_unlock (&workers->lock);

    job->work (job->arg);
    mt_completion_queue_push (job->queue, job);

    pthread_mutex_lock (&workers->lock);
    workers->running--;
  }
  pthread_mutex_unlock (&workers->lock);
  return NULL;
}

mt_workers_t *
mt_workers_new (int threads, int queue_max)
{
  mt_workers_t *workers = calloc (1, sizeof *workers);

  if (!workers) {
    return NULL;
  }
  pthread_mutex_init (&workers->lock, NULL);
  pthread_cond_init (&workers->ready, NULL);
  workers->queue_max = (size_t) queue_max;
  workers->threads = calloc ((size_t) threads, sizeof *workers->threads);
  if (!workers->threads) {
    mt_workers_destroy (workers);
    return NULL;
  }
  for (int i = 0; i < threads; i++) {
    if (pthread_create (&workers->threads[i], NULL, mt_workers_main, workers) != 0) {
      mt_workers_destroy (workers);
      return NULL;
    }
    workers->thread_count++;
  }
  return workers;
}

void
mt_workers_destroy (mt_workers_t *workers)
{
  if (!workers) {
    return;
  }
  pthread_mutex_lock (&workers->lock);
  workers->stopping = true;
  pthread_cond_broadcast (&workers->ready);
  pthread_mutex_unlock (&workers->lock);
  for (int i = 0; i < workers->thread_count; i++) {
    pthread_join (workers->threads[i], NULL);
  }
  free (workers->threads);
  pthread_cond_destroy (&workers->ready);
  pthread_mutex_destroy (&workers->lock);
  free (workers);
}

bool
mt_workers_submit (mt_workers_t *workers, mt_completion_queue_t *queue, mt_job_fn work,
                   mt_job_fn done, void *arg)
{
  mt_job_t *job;

  pthread_mutex_lock (&workers->lock);
  if (workers->stopping || workers->queued >= workers->queue_max) {
    pthread_mutex_unlock (&workers->lock);
    return false;
  }
  job = calloc (1, sizeof *job);
  if (!job) {
    pthread_mutex_unlock (&workers->lock);
    return false;
  }
  job->work = work;
  job->done = done;
  job->arg = arg;
  job->queue = queue;
  if (workers->tail) {
    workers->tail->next = job;
  } else {
    workers->head = job;
  }
  workers->tail = job;
  workers->queued++;
  pthread_cond_signal (&workers->ready);
  pthread_mutex_unlock (&workers->lock);
  return true;
}

size_t
mt_workers_pending (mt_workers_t *workers)
{
  size_t n;

  pthread_mutex_lock (&workers->lock);
  n = workers->queued + workers->running;
  pthread_mutex_unlock (&workers->lock);
  return n;
}
