/*
 * sweeps: the automatic changes of reservations and the purges; see sweeps.h. The rules of a
 * change (allowed transitions, history, audit, calendar release) are reservations.h's
 * (mt_reservation_apply); this file only decides which reservations are due.
 */
#include "sweeps.h"

#include "bookings.h"
#include "mt_bson.h"
#include "mt_log.h"
#include "notifications.h"
#include "reservations.h"

#include <string.h>

#define MT_LOG_DOMAIN "sweeps"
#define MT_SWEEP_HOUR_MS INT64_C (3600000)
#define MT_SWEEP_DAY_MS INT64_C (86400000)

static const char *const mt_sweep_names[MT_SWEEP_TASK_COUNT] = {
  "expire", "overdue", "remind_start", "remind_end", "close", "purge",
};

const char *
mt_sweep_task_name (mt_sweep_task_t task)
{
  return task < MT_SWEEP_TASK_COUNT ? mt_sweep_names[task] : "?";
}

void
mt_sweep_state_init (mt_sweep_state_t *state)
{
  memset (state, 0, sizeof *state);
  state->task = MT_SWEEP_EXPIRE;
}

/* The store query of a reservation task at ctx->now_ms. */
static void
mt_sweep_query (const mt_ctx_t *ctx, mt_sweep_task_t task, const char *const **statuses,
                mt_store_reservation_query_t *query)
{
  static const char *const requested[] = { MT_RESERVATION_REQUESTED, NULL };
  static const char *const approved[] = { MT_RESERVATION_APPROVED, NULL };
  static const char *const checked_out[] = { MT_RESERVATION_CHECKED_OUT, NULL };
  static const char *const returned[] = { MT_RESERVATION_RETURNED, NULL };
  const mt_config_t *config = ctx->env->config;
  int64_t lead = config->reminder_lead_hours * MT_SWEEP_HOUR_MS;

  memset (query, 0, sizeof *query);
  query->limit = MT_SWEEP_PAGE_SIZE;
  switch (task) {
  case MT_SWEEP_EXPIRE:
    *statuses = requested;
    query->due = MT_RESERVATION_DUE_EXPIRES;
    query->due_before = ctx->now_ms;
    break;
  case MT_SWEEP_OVERDUE:
    *statuses = checked_out;
    query->due = MT_RESERVATION_DUE_END;
    query->due_before = ctx->now_ms;
    break;
  case MT_SWEEP_REMIND_START:
    *statuses = approved;
    query->due = MT_RESERVATION_DUE_START;
    query->due_before = ctx->now_ms + lead;
    break;
  case MT_SWEEP_REMIND_END:
    *statuses = checked_out;
    query->due = MT_RESERVATION_DUE_END;
    query->due_before = ctx->now_ms + lead;
    break;
  case MT_SWEEP_CLOSE:
    *statuses = returned;
    query->due = MT_RESERVATION_DUE_RETURNED;
    query->due_before = ctx->now_ms - config->close_after_days * MT_SWEEP_DAY_MS;
    break;
  case MT_SWEEP_PURGE:
  case MT_SWEEP_TASK_COUNT:
  default:
    *statuses = NULL;
    break;
  }
  query->statuses = *statuses;
}

/* True when a returned loan has an incident or was kept open by an administrator. */
static bool
mt_sweep_keep_returned (const bson_t *reservation)
{
  return mt_bson_bool (reservation, "review_required", false) ||
         mt_bson_has (reservation, "return.incident") ||
         mt_bson_str_eq (reservation, "review.decision", "follow_up");
}

/* Counts the outcome of a failed write: a lost race is skipped, anything else an error. */
static void
mt_sweep_failed (mt_sweep_task_t task, const char *id, const mt_error_t *error,
                 mt_sweep_report_t *report)
{
  if (error->code == MT_ERR_STALE || error->code == MT_ERR_CONFLICT ||
      error->code == MT_ERR_NOT_FOUND) {
    report->skipped++;
    return;
  }
  report->errors++;
  mt_log_printf (MT_LOG_WARN, MT_LOG_DOMAIN, "%s %s: %s", mt_sweep_task_name (task), id,
                 error->message);
}

/* Notifies @event about @reservation after a won write. */
static void
mt_sweep_notify (const mt_ctx_t *ctx, const bson_t *reservation, mt_reservation_event_t event,
                 mt_sweep_report_t *report)
{
  mt_error_t error = { 0 };
  int stored = 0;
  bool ok = mt_notify_reservation (ctx, reservation, event, &stored, &error);

  report->notifications += (uint32_t) stored;
  if (!ok) {
    report->errors++;
    mt_log_printf (MT_LOG_WARN, MT_LOG_DOMAIN, "notification of %s: %s",
                   mt_bson_str (reservation, "id"), error.message);
  }
}

/*
 * Handles one listed reservation for @task: decides whether it is due, writes the change by
 * compare-and-set on the version read, notifies after a won write.
 */
static void
mt_sweep_one (const mt_ctx_t *ctx, mt_sweep_task_t task, const bson_t *stored,
              mt_sweep_report_t *report)
{
  const char *id = mt_bson_str (stored, "id");
  const char *status = mt_bson_str (stored, "status");
  bson_t set = BSON_INITIALIZER;
  mt_reservation_change_t change;
  mt_error_t error = { 0 };
  int64_t now = ctx->now_ms;
  int64_t lead = ctx->env->config->reminder_lead_hours * MT_SWEEP_HOUR_MS;
  bool notify = false;
  mt_reservation_event_t event = MT_NOTIFY_EXPIRED;
  uint32_t *counter = NULL;

  memset (&change, 0, sizeof change);
  change.actor = MT_RESERVATION_SYSTEM;
  change.set = &set;
  if (!id || !status) {
    report->errors++;
    goto done;
  }
  switch (task) {
  case MT_SWEEP_EXPIRE:
    if (strcmp (status, MT_RESERVATION_REQUESTED) != 0 ||
        mt_bson_date (stored, "expires_at", INT64_MAX) > now) {
      goto done;
    }
    change.to = MT_RESERVATION_EXPIRED;
    change.reason = "no_answer";
    BSON_APPEND_DATE_TIME (&set, "expired_at", now);
    counter = &report->expired;
    notify = true;
    event = MT_NOTIFY_EXPIRED;
    break;
  case MT_SWEEP_OVERDUE:
    if (strcmp (status, MT_RESERVATION_CHECKED_OUT) != 0 ||
        mt_bson_bool (stored, "overdue", false) || mt_bson_date (stored, "end", INT64_MAX) > now) {
      goto done;
    }
    BSON_APPEND_BOOL (&set, "overdue", true);
    counter = &report->overdue;
    notify = true;
    event = MT_NOTIFY_OVERDUE;
    break;
  case MT_SWEEP_REMIND_START: {
    int64_t start = mt_bson_date (stored, "start", INT64_MIN);
    if (strcmp (status, MT_RESERVATION_APPROVED) != 0 ||
        mt_bson_bool (stored, "reminded_start", false) || start <= now || start > now + lead) {
      goto done;
    }
    BSON_APPEND_BOOL (&set, "reminded_start", true);
    counter = &report->reminded_start;
    notify = true;
    event = MT_NOTIFY_REMINDER_START;
    break;
  }
  case MT_SWEEP_REMIND_END: {
    int64_t end = mt_bson_date (stored, "end", INT64_MIN);
    if (strcmp (status, MT_RESERVATION_CHECKED_OUT) != 0 ||
        mt_bson_bool (stored, "reminded_end", false) || end <= now || end > now + lead) {
      goto done;
    }
    BSON_APPEND_BOOL (&set, "reminded_end", true);
    counter = &report->reminded_end;
    notify = true;
    event = MT_NOTIFY_REMINDER_END;
    break;
  }
  case MT_SWEEP_CLOSE:
    if (strcmp (status, MT_RESERVATION_RETURNED) != 0 || mt_sweep_keep_returned (stored) ||
        mt_bson_date (stored, "returned_at", INT64_MAX) >
          now - ctx->env->config->close_after_days * MT_SWEEP_DAY_MS) {
      goto done;
    }
    change.to = MT_RESERVATION_CLOSED;
    change.reason = "no_incident";
    BSON_APPEND_DATE_TIME (&set, "closed_at", now);
    BSON_APPEND_UTF8 (&set, "closed_by", MT_RESERVATION_SYSTEM);
    counter = &report->closed;
    break;
  case MT_SWEEP_PURGE:
  case MT_SWEEP_TASK_COUNT:
  default:
    goto done;
  }
  if (!mt_reservation_apply (ctx, stored, &change, NULL, &error)) {
    mt_sweep_failed (task, id, &error, report);
    goto done;
  }
  (*counter)++;
  if (notify) {
    mt_sweep_notify (ctx, stored, event, report);
  }
done:
  bson_destroy (&set);
}

/* The purges: idempotency records older than 24 hours, expired token revocations. */
static void
mt_sweep_purge (const mt_ctx_t *ctx, mt_sweep_report_t *report)
{
  mt_error_t error = { 0 };

  if (ctx->store->ops->idempotency_purge (ctx->store, ctx->now_ms - MT_SWEEP_IDEMPOTENCY_TTL_MS,
                                          &error)) {
    report->purges++;
  } else {
    report->errors++;
    mt_log_printf (MT_LOG_WARN, MT_LOG_DOMAIN, "idempotency purge: %s", error.message);
  }
  mt_error_clear (&error);
  if (ctx->store->ops->token_purge (ctx->store, ctx->now_ms, &error)) {
    report->purges++;
  } else {
    report->errors++;
    mt_log_printf (MT_LOG_WARN, MT_LOG_DOMAIN, "token purge: %s", error.message);
  }
}

/*
 * One page of @task from @cursor ("" = first). @next (MT_STORE_CURSOR_MAX bytes) receives
 * the next cursor, "" when the task has nothing more.
 */
static void
mt_sweep_page (const mt_ctx_t *ctx, mt_sweep_task_t task, const char *cursor, char *next,
               mt_sweep_report_t *report)
{
  mt_store_reservation_query_t query;
  const char *const *statuses = NULL;
  mt_store_page_t page;
  mt_error_t error = { 0 };
  bson_iter_t it;

  next[0] = '\0';
  mt_store_page_init (&page);
  if (task == MT_SWEEP_PURGE) {
    /* The purges on the first page, then the automatic confirmation of service bookings,
     * one page per step (bookings.h, mt_booking_sweep_page; it logs what it confirms). */
    mt_booking_sweep_report_t bookings = { 0 };
    if (!cursor[0]) {
      mt_sweep_purge (ctx, report);
    }
    mt_booking_sweep_page (ctx, cursor, next, &bookings);
    report->examined += bookings.examined;
    report->skipped += bookings.skipped;
    report->errors += bookings.errors;
    goto done;
  }
  mt_sweep_query (ctx, task, &statuses, &query);
  query.cursor = cursor[0] ? cursor : NULL;
  mt_store_page_destroy (&page);
  if (!ctx->store->ops->reservation_list (ctx->store, &query, &page, &error)) {
    report->errors++;
    mt_log_printf (MT_LOG_WARN, MT_LOG_DOMAIN, "%s: %s", mt_sweep_task_name (task), error.message);
    goto done;
  }
  if (bson_iter_init (&it, &page.items)) {
    while (bson_iter_next (&it)) {
      const uint8_t *data;
      uint32_t len;
      bson_t item;
      if (!BSON_ITER_HOLDS_DOCUMENT (&it)) {
        continue;
      }
      bson_iter_document (&it, &len, &data);
      if (bson_init_static (&item, data, len)) {
        report->examined++;
        mt_sweep_one (ctx, task, &item, report);
      }
    }
  }
  memcpy (next, page.next_cursor, sizeof page.next_cursor);
done:
  mt_store_page_destroy (&page);
}

bool
mt_sweeps_step (const mt_ctx_t *ctx, mt_sweep_state_t *state)
{
  char next[MT_STORE_CURSOR_MAX];

  if (state->task >= MT_SWEEP_TASK_COUNT) {
    return true;
  }
  mt_sweep_page (ctx, state->task, state->cursor, next, &state->report);
  state->pages++;
  if (next[0] && state->pages >= MT_SWEEP_PAGES_MAX) {
    state->report.truncated = true;
    next[0] = '\0';
  }
  if (next[0]) {
    memcpy (state->cursor, next, sizeof state->cursor);
  } else {
    state->task++;
    state->pages = 0;
    state->cursor[0] = '\0';
  }
  return state->task >= MT_SWEEP_TASK_COUNT;
}

void
mt_sweeps_run_task (const mt_ctx_t *ctx, mt_sweep_task_t task, mt_sweep_report_t *report)
{
  char cursor[MT_STORE_CURSOR_MAX] = "";
  char next[MT_STORE_CURSOR_MAX];

  for (uint32_t pages = 0; pages < MT_SWEEP_PAGES_MAX; pages++) {
    mt_sweep_page (ctx, task, cursor, next, report);
    if (!next[0]) {
      return;
    }
    memcpy (cursor, next, sizeof cursor);
  }
  report->truncated = true;
}

void
mt_sweeps_run (const mt_ctx_t *ctx, mt_sweep_report_t *report)
{
  mt_sweep_state_t state;

  mt_sweep_state_init (&state);
  while (!mt_sweeps_step (ctx, &state)) {
  }
  *report = state.report;
}
