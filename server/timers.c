/*
 * timers: sweep and reconciliation passes, one store page per step, on loop 0; see timers.h.
 */
#include "timers.h"

#include "credits.h"
#include "mt_log.h"
#include "reconcile.h"
#include "reservations.h"
#include "sweeps.h"

#include <stdlib.h>

#define MT_LOG_DOMAIN "timers"

struct mt_timers {
  bool sweeping;           /* a sweep pass is in progress */
  bool reconciling;        /* a reconciliation pass is in progress */
  uint64_t passes;         /* sweep passes finished */
  int64_t orphan_grace_ms; /* config orphan_grace_s */
  mt_sweep_state_t sweep;
  mt_reconcile_state_t reconcile;
  mt_credits_monthly_t monthly; /* the monthly grant of credits (its own periodic task) */
};

static void
mt_timers_log_sweep (const mt_sweep_report_t *report)
{
  bson_t fields = BSON_INITIALIZER;
  bool changed = report->expired || report->overdue || report->reminded_start ||
                 report->reminded_end || report->closed || report->errors || report->truncated;
  mt_log_level_t level = report->errors ? MT_LOG_WARN : changed ? MT_LOG_INFO : MT_LOG_DEBUG;

  if (mt_log_enabled (level)) {
    BSON_APPEND_INT64 (&fields, "examined", report->examined);
    BSON_APPEND_INT64 (&fields, "expired", report->expired);
    BSON_APPEND_INT64 (&fields, "overdue", report->overdue);
    BSON_APPEND_INT64 (&fields, "reminded_start", report->reminded_start);
    BSON_APPEND_INT64 (&fields, "reminded_end", report->reminded_end);
    BSON_APPEND_INT64 (&fields, "closed", report->closed);
    BSON_APPEND_INT64 (&fields, "notifications", report->notifications);
    BSON_APPEND_INT64 (&fields, "skipped", report->skipped);
    BSON_APPEND_INT64 (&fields, "errors", report->errors);
    BSON_APPEND_BOOL (&fields, "truncated", report->truncated);
    mt_log_fields (level, MT_LOG_DOMAIN, "sweep", &fields);
  }
  bson_destroy (&fields);
}

static void
mt_timers_log_reconcile (const mt_reconcile_report_t *report)
{
  bson_t fields;
  mt_log_level_t level = report->errors                                ? MT_LOG_WARN
                         : (report->removed || report->audit_recorded) ? MT_LOG_INFO
                                                                       : MT_LOG_DEBUG;

  if (mt_log_enabled (level)) {
    mt_reconcile_report_bson (report, &fields);
    mt_log_fields (level, MT_LOG_DOMAIN, "reconciliation", &fields);
    bson_destroy (&fields);
  }
}

/* One step on loop 0; true while the current pass has more steps. */
static bool
mt_timers_tick (const mt_ctx_t *ctx, void *arg)
{
  mt_timers_t *timers = arg;

  if (timers->reconciling) {
    if (!mt_reconcile_step (ctx, &timers->reconcile)) {
      return true;
    }
    timers->reconciling = false;
    mt_timers_log_reconcile (&timers->reconcile.report);
    return false;
  }
  if (!timers->sweeping) {
    mt_sweep_state_init (&timers->sweep);
    timers->sweeping = true;
  }
  if (!mt_sweeps_step (ctx, &timers->sweep)) {
    return true;
  }
  timers->sweeping = false;
  timers->passes++;
  mt_timers_log_sweep (&timers->sweep.report);
  if (timers->passes % MT_TIMERS_RECONCILE_EVERY == 0) {
    mt_reconcile_state_init (&timers->reconcile, MT_RECONCILE_REPAIR, timers->orphan_grace_ms);
    timers->reconciling = true;
    return true;
  }
  return false;
}

/* The monthly grant of credits (credits.h): one page of members per call. */
static bool
mt_timers_monthly_tick (const mt_ctx_t *ctx, void *arg)
{
  return mt_credits_monthly_step (ctx, arg);
}

mt_timers_t *
mt_timers_start (mt_server_t *server, const mt_config_t *config, mt_error_t *error)
{
  mt_timers_t *timers = calloc (1, sizeof *timers);

  if (!timers) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "mémoire insuffisante",
                  "out of memory");
    return NULL;
  }
  timers->orphan_grace_ms = config->orphan_grace_s * 1000;
  if (!mt_server_add_periodic (server, config->sweep_interval_s * 1000, mt_timers_tick, timers,
                               error)) {
    free (timers);
    return NULL;
  }
  if (!mt_server_add_periodic (server, config->sweep_interval_s * 1000, mt_timers_monthly_tick,
                               &timers->monthly, error)) {
    return NULL; /* out of memory: @timers stays, the sweep task holds it until the server goes */
  }
  MT_INFO ("timers every %lld s (reconciliation every %d passes)",
           (long long) config->sweep_interval_s, MT_TIMERS_RECONCILE_EVERY);
  return timers;
}

void
mt_timers_destroy (mt_timers_t *timers)
{
  free (timers);
}
