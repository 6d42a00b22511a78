/*
 * workers: a bounded pool of threads for slow work (Argon2id, image decoding), so that no
 * event loop blocks on it. Each job's completion runs back on the loop that submitted it,
 * through that loop's mt_completion_queue_t.
 */
#ifndef MT_WORKERS_H
#define MT_WORKERS_H

#include <stdbool.h>
#include <stddef.h>

struct event_base;

typedef struct mt_workers mt_workers_t;
typedef struct mt_completion_queue mt_completion_queue_t;

typedef void (*mt_job_fn) (void *arg);

/* Starts @threads threads; at most @queue_max jobs wait at once. NULL on failure. */
mt_workers_t *mt_workers_new (int threads, int queue_max);

/* Finishes the queued jobs (their completions are dropped if their loop is gone), joins the
 * threads and frees the pool. */
void mt_workers_destroy (mt_workers_t *workers);

/*
 * Queues @work(@arg); when it is done, @done(@arg) runs on the thread of @queue's event loop.
 * Returns false, without queuing, when the queue is full or the pool is stopping.
 */
bool mt_workers_submit (mt_workers_t *workers, mt_completion_queue_t *queue, mt_job_fn work,
                        mt_job_fn done, void *arg);

/* Runs @done(@arg) on the thread of @queue's event loop, from any thread. Returns false only
 * when memory runs out. */
bool mt_completion_queue_post (mt_completion_queue_t *queue, mt_job_fn done, void *arg);

/* Jobs waiting or running right now (for /metrics). */
size_t mt_workers_pending (mt_workers_t *workers);

/* A loop's completion queue. evthread_use_pthreads() must have been called. */
mt_completion_queue_t *mt_completion_queue_new (struct event_base *base);
/* Runs nothing more; completions still queued are dropped without running. */
void mt_completion_queue_destroy (mt_completion_queue_t *queue);

#endif
