/*
 * committer: group commit of write requests (one thread, one store handle of its own).
 *
 * A handler that writes opens a unit (routes_unit.c). When the store can share one unit
 * between requests (mt_store_ops_t.group_commit: SQLite) and write_batch_max is not 0, the
 * request is not run on its loop: it is queued here. The committer's thread takes every
 * request queued (at most write_batch_max), opens ONE unit on its handle, runs their handlers
 * one after the other inside it (each keeps the reply it makes), commits once, then sends
 * each request back to its loop: the kept reply goes out when the commit succeeded, a 503
 * with Retry-After (nothing was written) when it failed. While one batch syncs, the next one
 * queues: one sync makes many writes durable, and no event loop waits on the disk.
 *
 * Handlers run one at a time, on one connection that sees the batch's earlier writes: the
 * store's own checks (unique keys, calendar capacity, compare-and-set) decide between
 * requests of one batch exactly as between batches. Nothing is answered before it is
 * durable; a commit that fails answers 503 to the whole batch, whose writes are all undone.
 */
#ifndef MT_COMMITTER_H
#define MT_COMMITTER_H

#include "mt_error.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct mt_committer mt_committer_t;
typedef struct mt_request mt_request_t;
typedef struct mt_app mt_app_t;

/* Opens the committer's store handle and starts its thread; NULL and @error on failure. */
mt_committer_t *mt_committer_new (mt_app_t *app, int batch_max, mt_error_t *error);

/* Runs what is queued, then stops the thread and closes the handle. Loops must still run
 * (the last replies go through their completion queues). */
void mt_committer_destroy (mt_committer_t *committer);

/* Queues @r (its handler runs again on the committer). False when the committer is
 * stopping or out of memory: the caller answers. */
bool mt_committer_submit (mt_committer_t *committer, mt_request_t *r);

/* Batches committed or failed, and the requests they carried (for /metrics). */
void mt_committer_counts (mt_committer_t *committer, int64_t *batches, int64_t *requests);

#endif
