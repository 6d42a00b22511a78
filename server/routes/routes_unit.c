/*
 * routes_unit: one write request = one durable step of the store (store.h: units).
 *
 * A handler that writes several documents opens a unit on the request's store handle (the
 * handle of its loop, used by one request at a time: the handler runs to its answer on the
 * loop thread without yielding), calls its service, then commits the unit BEFORE answering:
 * a write is never acknowledged before it is durable. The unit is committed whether the
 * service succeeded or refused: services do not rely on units to undo (a refusal may record
 * something, such as a refused payment put in the review queue), so both adapters keep the
 * same data. A commit that fails has written nothing; the request is answered 503 with
 * Retry-After (retrying is safe) rather than its answer. Routes that hash passwords (Argon2)
 * must not hold a unit: it holds the write lock.
 *
 * With group commit (http/committer.h), mt_route_unit_begin hands the request to the
 * committer and returns false; the committer runs the handler again inside its batch's
 * unit, where mt_route_unit_begin and mt_route_unit_commit return true at once and the reply
 * waits for the batch's commit. A handler therefore begins its unit before doing anything
 * else, so that running it twice does nothing twice.
 */
#include "routes.h"

bool
mt_route_unit_begin (mt_request_t *r)
{
  mt_store_t *store = mt_request_ctx (r)->store;
  mt_error_t error = { 0 };

  switch (mt_request_unit_place (r)) {
  case MT_UNIT_INSIDE:
    return true;
  case MT_UNIT_QUEUED:
  case MT_UNIT_REPLIED:
    return false;
  case MT_UNIT_HERE:
    break;
  }
  if (!store->ops->unit_begin (store, &error)) {
    mt_reply_problem (r, &error);
    return false;
  }
  return true;
}

bool
mt_route_unit_commit (mt_request_t *r)
{
  mt_store_t *store = mt_request_ctx (r)->store;
  mt_error_t error = { 0 };

  if (mt_request_in_batch (r)) {
    return true; /* the committer commits the batch, then sends the reply or a 503 */
  }
  if (!store->ops->unit_commit (store, &error)) {
    /* Nothing was written: the same request may be made again. */
    error.code = MT_ERR_UNAVAILABLE;
    if (!error.retry_after) {
      error.retry_after = 1;
    }
    mt_reply_problem (r, &error);
    return false;
  }
  return true;
}
