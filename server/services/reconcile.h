/*
 * reconcile: the repair of what a crash between two writes may leave behind (SPEC §2,
 * reservations.h "Crash safety"), and the same walk in read-only mode for `mutuad check`.
 *
 * Two phases, each walking the store in pages:
 *   calendars      every calendar (calendar_list). REPAIR: mt_reservation_calendar_reconcile
 *                  on each (entries older than now - grace whose reservation is absent or no
 *                  longer blocking are removed). CHECK: the same entries are counted, nothing
 *                  is written: "orphans" (reservation absent), "stale" (reservation not
 *                  blocking), "recent" (either, but younger than the grace period: a request
 *                  may be between its two writes; not an inconsistency).
 *   reservations   every reservation (reservation_list). Audit: each history item must have
 *                  its audit entry "<id>:<seq>", and an administrator's "follow_up" review its
 *                  entry "<id>:follow-up:<review.at ms>"; REPAIR records the missing ones
 *                  (mt_audit_record_reservation, idempotent), CHECK counts them. CHECK also
 *                  counts the blocking reservations whose listing's calendar has no entry for
 *                  them ("unbooked": never produced by the order of the writes; reported, never
 *                  repaired, since adding an entry could overbook).
 *
 * Safe to run concurrently with requests and with other instances: repairs are
 * compare-and-set (calendars) or idempotent inserts (audit), and the grace period protects
 * creations in flight. The start-up run of mutuad may use a grace of 0 when it knows no other
 * process writes the store (an embedded SQLite database locked by this process, see main.c).
 *
 * A consistent store gives a report where mt_reconcile_report_clean is true.
 */
#ifndef MT_RECONCILE_H
#define MT_RECONCILE_H

#include "mt_error.h"
#include "service.h"
#include "store.h"

#include <bson/bson.h>
#include <stdbool.h>
#include <stdint.h>

#define MT_RECONCILE_PAGE_SIZE 10 /* calendars or reservations per step */

typedef enum {
  MT_RECONCILE_REPAIR = 0, /* remove stale and orphan entries, re-record audit entries */
  MT_RECONCILE_CHECK,      /* count them, write nothing */
} mt_reconcile_mode_t;

typedef struct {
  uint64_t calendars;      /* calendars examined */
  uint64_t entries;        /* calendar entries examined (CHECK) */
  uint64_t removed;        /* entries removed (REPAIR) */
  uint64_t orphans;        /* entries whose reservation does not exist (CHECK) */
  uint64_t stale;          /* entries whose reservation does not block (CHECK) */
  uint64_t recent;         /* orphan or stale entries within the grace period (CHECK) */
  uint64_t reservations;   /* reservations examined */
  uint64_t unbooked;       /* blocking reservations without a calendar entry (CHECK) */
  uint64_t audit_missing;  /* audit entries missing (CHECK) */
  uint64_t audit_recorded; /* audit entries recorded again (REPAIR) */
  uint64_t errors;         /* store failures (the walk goes on) */
} mt_reconcile_report_t;

/* A walk in progress; only one thread touches it. */
typedef struct {
  mt_reconcile_mode_t mode;
  int64_t grace_ms;
  int phase; /* 0 calendars, 1 reservations, 2 done */
  char cursor[MT_STORE_CURSOR_MAX];
  mt_reconcile_report_t report;
} mt_reconcile_state_t;

/* Starts a walk in @mode with entries younger than @grace_ms left alone. */
void mt_reconcile_state_init (mt_reconcile_state_t *state, mt_reconcile_mode_t mode,
                              int64_t grace_ms);

/*
 * One page of the walk at ctx->now_ms. @return true when the walk is over (state->report is
 * final), false when more steps remain. Store failures are counted in report.errors and the
 * walk goes on with the next page (or ends when a page cannot be read).
 */
bool mt_reconcile_step (const mt_ctx_t *ctx, mt_reconcile_state_t *state);

/* The whole walk at ctx->now_ms; @report set. */
void mt_reconcile_run (const mt_ctx_t *ctx, mt_reconcile_mode_t mode, int64_t grace_ms,
                       mt_reconcile_report_t *report);

/* True when a CHECK report shows no inconsistency (recent entries are not one). */
bool mt_reconcile_report_clean (const mt_reconcile_report_t *report);

/* The counts as a document, for logs and for `mutuad check` (@out initialised here). */
void mt_reconcile_report_bson (const mt_reconcile_report_t *report, bson_t *out);

#endif
