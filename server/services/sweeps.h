/*
 * sweeps: the automatic changes of reservations and the purges, run by the timers
 * (server/timers.h) every sweep_interval_s on one loop of each mutuad instance.
 *
 * Tasks, in this order (docs/OPERATIONS.md, "Timers"):
 *   expire        "requested" with expires_at <= now -> "expired" (actor "system", reason
 *                 "no_answer", expired_at); the calendar entry is released by
 *                 mt_reservation_apply; borrower and owner are notified ("expired").
 *   overdue       "checked_out" with end <= now and not yet flagged: overdue = true (a flag,
 *                 not a status: no history item); borrower and owner are notified.
 *   remind_start  "approved" with now < start <= now + reminder_lead_hours and not reminded:
 *                 reminded_start = true, then the "reminder-start" notification.
 *   remind_end    "checked_out" with now < end <= now + reminder_lead_hours and not reminded:
 *                 reminded_end = true, then the "reminder-end" notification.
 *   close         "returned" with returned_at <= now - close_after_days, without incident
 *                 (review_required false, no return.incident) and not kept open by an
 *                 administrator (review.decision "follow_up") -> "closed" (actor "system",
 *                 reason "no_incident", closed_at, closed_by "system").
 *   purge         idempotency records older than 24 hours; revocations of tokens already
 *                 expired (token_purge).
 *
 * Safe on several instances at once: every change is one compare-and-set of the reservation
 * (mt_reservation_apply on the version read); the loser of a race gets MT_ERR_STALE (or finds
 * the reservation no longer listed) and skips it: each reservation changes once. Notifications
 * follow the winning write and have deterministic ids, so they are stored at most once; a
 * crash between the write and the notification loses that notification (never duplicates it).
 *
 * Bounded work: each task reads pages of MT_SWEEP_PAGE_SIZE reservations, at most
 * MT_SWEEP_PAGES_MAX pages per pass; what is left waits for the next pass. One step
 * (mt_sweeps_step) handles one page, so that the event loop running the timers serves requests
 * between pages. Failures are counted and logged, never fatal: the next pass retries.
 */
#ifndef MT_SWEEPS_H
#define MT_SWEEPS_H

#include "mt_error.h"
#include "service.h"
#include "store.h"

#include <stdbool.h>
#include <stdint.h>

#define MT_SWEEP_PAGE_SIZE 10
#define MT_SWEEP_PAGES_MAX 100
#define MT_SWEEP_IDEMPOTENCY_TTL_MS INT64_C (86400000) /* 24 hours */

typedef enum {
  MT_SWEEP_EXPIRE = 0,
  MT_SWEEP_OVERDUE,
  MT_SWEEP_REMIND_START,
  MT_SWEEP_REMIND_END,
  MT_SWEEP_CLOSE,
  MT_SWEEP_PURGE,
  MT_SWEEP_TASK_COUNT,
} mt_sweep_task_t;

/* Counts of one pass (or of one task). */
typedef struct {
  uint32_t examined;       /* reservations read */
  uint32_t expired;        /* requested -> expired */
  uint32_t overdue;        /* flagged overdue */
  uint32_t reminded_start; /* reminders before the start */
  uint32_t reminded_end;   /* reminders before the end */
  uint32_t closed;         /* returned -> closed */
  uint32_t notifications;  /* in-app notifications stored */
  uint32_t skipped;        /* lost races (another instance or a user changed it first) */
  uint32_t errors;         /* store or notification failures (retried next pass) */
  uint32_t purges;         /* purge operations done (idempotency, tokens) */
  bool truncated;          /* a task stopped at MT_SWEEP_PAGES_MAX with more to do */
} mt_sweep_report_t;

/* Where a pass is; only the timers' loop touches it. */
typedef struct {
  mt_sweep_task_t task;
  uint32_t pages; /* pages of the current task in this pass */
  char cursor[MT_STORE_CURSOR_MAX];
  mt_sweep_report_t report;
} mt_sweep_state_t;

/* Starts a new pass. */
void mt_sweep_state_init (mt_sweep_state_t *state);

/*
 * Runs one page of the current task of @state at ctx->now_ms (ctx->principal is ignored:
 * changes are made as "system"). @return true when the pass is over (state->report then holds
 * its counts), false when more steps remain.
 */
bool mt_sweeps_step (const mt_ctx_t *ctx, mt_sweep_state_t *state);

/* A whole pass (every task, every page within the bounds) at ctx->now_ms; @report set. */
void mt_sweeps_run (const mt_ctx_t *ctx, mt_sweep_report_t *report);

/* Every page (within the bounds) of one task at ctx->now_ms; @report is added to. */
void mt_sweeps_run_task (const mt_ctx_t *ctx, mt_sweep_task_t task, mt_sweep_report_t *report);

/* The task's name, for logs ("expire", "overdue", ...). */
const char *mt_sweep_task_name (mt_sweep_task_t task);

#endif
