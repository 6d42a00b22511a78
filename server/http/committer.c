/*
 * committer: one thread takes the queued write requests by batches, runs their handlers
 * inside one unit of its own store handle and commits once (committer.h).
 */
#include "committer.h"

#include "http_private.h"
#include "mt_log.h"
#include "mt_time.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MT_LOG_DOMAIN "http"

struct mt_committer {
  mt_store_t *store;
  size_t batch_max;
  mt_request_t **batch; /* the batch being run (the thread's own) */
  pthread_mutex_t lock;
  pthread_cond_t queued_cond;
  mt_request_t **queue; /* FIFO of waiting requests, queue[0] first */
  size_t queued;
  size_t capacity;
  bool stopping;
  bool started;
  pthread_t thread;
  atomic_llong batches;
  atomic_llong requests;
};

/* Sends @r back to its loop; a completion queue only fails when memory runs out, and the
 * request must be answered on its loop: try again until it goes. */
static void
mt_committer_return (mt_request_t *r)
{
  while (!mt_completion_queue_post (mt_request_completions (r), mt_request_batch_done, r)) {
    usleep (1000);
  }
}

static void
mt_committer_run_batch (mt_committer_t *committer, mt_request_t **batch, size_t count)
{
  mt_store_t *store = committer->store;
  mt_error_t error = { 0 };
  bool ok = store->ops->unit_begin (store, &error);
  int64_t now_ms = mt_time_now_ms ();

  if (ok) {
    for (size_t i = 0; i < count; i++) {
      mt_request_run_in_batch (batch[i], store, now_ms);
    }
    ok = store->ops->unit_commit (store, &error);
  }
  if (!ok) {
    /* Nothing of the batch was written: every request may be made again. */
    MT_WARN ("write batch of %zu request(s) not committed: %s", count, error.message);
    error.code = MT_ERR_UNAVAILABLE;
    if (!error.retry_after) {
      error.retry_after = 1;
    }
  }
  atomic_fetch_add (&committer->batches, 1);
  atomic_fetch_add (&committer->requests, (long long) count);
  for (size_t i = 0; i < count; i++) {
    mt_request_batch_result (batch[i], ok ? NULL : &error);
    mt_committer_return (batch[i]);
  }
}

static void *
mt_committer_main (void *arg)
{
  mt_committer_t *committer = arg;

  pthread_mutex_lock (&committer->lock);
  while (true) {
    size_t count;
    while (committer->queued == 0 && !committer->stopping) {
      pthread_cond_wait (&committer->queued_cond, &committer->lock);
    }
    if (committer->queued == 0) {
      break; /* stopping, and nothing left */
    }
    count = committer->queued < committer->batch_max ? committer->queued : committer->batch_max;
    memcpy (committer->batch, committer->queue, count * sizeof *committer->batch);
    committer->queued -= count;
    memmove (committer->queue, committer->queue + count,
             committer->queued * sizeof *committer->queue);
    pthread_mutex_unlock (&committer->lock);
    mt_committer_run_batch (committer, committer->batch, count);
    pthread_mutex_lock (&committer->lock);
  }
  pthread_mutex_unlock (&committer->lock);
  return NULL;
}

mt_committer_t *
mt_committer_new (mt_app_t *app, int batch_max, mt_error_t *error)
{
  mt_committer_t *committer = calloc (1, sizeof *committer);

  if (!committer) {
    mt_error_set (error, MT_DOMAIN_HTTP, MT_ERR_INTERNAL, "mémoire insuffisante", "out of memory");
    return NULL;
  }
  committer->batch_max = (size_t) batch_max;
  pthread_mutex_init (&committer->lock, NULL);
  pthread_cond_init (&committer->queued_cond, NULL);
  committer->batch = calloc (committer->batch_max, sizeof *committer->batch);
  if (!committer->batch) {
    mt_error_set (error, MT_DOMAIN_HTTP, MT_ERR_INTERNAL, "mémoire insuffisante", "out of memory");
    mt_committer_destroy (committer);
    return NULL;
  }
  committer->store = mt_store_open (app->backend, error);
  if (!committer->store) {
    mt_committer_destroy (committer);
    return NULL;
  }
  if (pthread_create (&committer->thread, NULL, mt_committer_main, committer) != 0) {
    mt_error_set (error, MT_DOMAIN_HTTP, MT_ERR_INTERNAL,
                  "impossible de lancer le fil des écritures groupées",
                  "cannot start the write batch thread");
    mt_committer_destroy (committer);
    return NULL;
  }
  committer->started = true;
  return committer;
}

void
mt_committer_destroy (mt_committer_t *committer)
{
  if (!committer) {
    return;
  }
  pthread_mutex_lock (&committer->lock);
  committer->stopping = true;
  pthread_cond_signal (&committer->queued_cond);
  pthread_mutex_unlock (&committer->lock);
  if (committer->started) {
    pthread_join (committer->thread, NULL);
  }
  mt_store_close (committer->store);
  free (committer->batch);
  free (committer->queue);
  pthread_cond_destroy (&committer->queued_cond);
  pthread_mutex_destroy (&committer->lock);
  free (committer);
}

bool
mt_committer_submit (mt_committer_t *committer, mt_request_t *r)
{
  bool queued = false;

  pthread_mutex_lock (&committer->lock);
  if (!committer->stopping) {
    if (committer->queued == committer->capacity) {
      size_t capacity = committer->capacity ? committer->capacity * 2 : 64;
      mt_request_t **grown = realloc (committer->queue, capacity * sizeof *grown);
      if (grown) {
        committer->queue = grown;
        committer->capacity = capacity;
      }
    }
    if (committer->queued < committer->capacity) {
      committer->queue[committer->queued++] = r;
      pthread_cond_signal (&committer->queued_cond);
      queued = true;
    }
  }
  pthread_mutex_unlock (&committer->lock);
  return queued;
}

void
mt_committer_counts (mt_committer_t *committer, int64_t *batches, int64_t *requests)
{
  *batches = committer ? (int64_t) atomic_load (&committer->batches) : 0;
  *requests = committer ? (int64_t) atomic_load (&committer->requests) : 0;
}
