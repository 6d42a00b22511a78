/*
 * reconcile: repairs (or, for `mutuad check`, counts) what a crash between two writes may
 * leave behind; see reconcile.h. What an entry to remove is, and how it is removed, is
 * reservations.h's (mt_reservation_calendar_reconcile, mt_reservation_status_blocks); audit
 * entries are recorded by audit.h.
 */
#include "reconcile.h"

#include "audit.h"
#include "loans_admin.h"
#include "mt_bson.h"
#include "mt_log.h"
#include "reservations.h"

#include <stdio.h>
#include <string.h>

#define MT_LOG_DOMAIN "reconcile"
#define MT_RECONCILE_AUDIT_PAGES 10  /* pages of 100 audit entries read per reservation */
#define MT_RECONCILE_EXPECTED_MAX 64 /* audit entries of one reservation checked at most */
#define MT_RECONCILE_AUDIT_ID_MAX 160

void
mt_reconcile_state_init (mt_reconcile_state_t *state, mt_reconcile_mode_t mode, int64_t grace_ms)
{
  memset (state, 0, sizeof *state);
  state->mode = mode;
  state->grace_ms = grace_ms < 0 ? 0 : grace_ms;
}

/* Moves @it to its next document value, viewed as @doc; false at the end. */
static bool
mt_reconcile_next_doc (bson_iter_t *it, bson_t *doc)
{
  while (bson_iter_next (it)) {
    const uint8_t *data;
    uint32_t len;
    if (BSON_ITER_HOLDS_DOCUMENT (it)) {
      bson_iter_document (it, &len, &data);
      if (bson_init_static (doc, data, len)) {
        return true;
      }
    }
  }
  return false;
}

static void
mt_reconcile_failed (mt_reconcile_state_t *state, const char *what, const char *id,
                     const mt_error_t *error)
{
  state->report.errors++;
  mt_log_printf (MT_LOG_WARN, MT_LOG_DOMAIN, "%s %s: %s", what, id ? id : "?", error->message);
}

/* CHECK: classifies the entries of one calendar without writing. */
static void
mt_reconcile_check_calendar (const mt_ctx_t *ctx, mt_reconcile_state_t *state,
                             const bson_t *calendar)
{
  bson_iter_t it;
  bson_iter_t entry_it;
  bson_t entry;

  if (!bson_iter_init_find (&it, calendar, "entries") || !BSON_ITER_HOLDS_ARRAY (&it) ||
      !bson_iter_recurse (&it, &entry_it)) {
    return;
  }
  while (mt_reconcile_next_doc (&entry_it, &entry)) {
    bson_t reservation = BSON_INITIALIZER;
    mt_error_t error = { 0 };
    const char *reservation_id;
    bool orphan = false;
    bool stale = false;

    state->report.entries++;
    reservation_id = mt_bson_str (&entry, "reservation_id");
    bson_destroy (&reservation);
    if (!reservation_id) {
      orphan = true;
      bson_init (&reservation);
    } else if (!ctx->store->ops->reservation_get (ctx->store, reservation_id, &reservation,
                                                  &error)) {
      if (error.code == MT_ERR_NOT_FOUND) {
        orphan = true;
      } else {
        mt_reconcile_failed (state, "reservation", reservation_id, &error);
      }
    } else if (!mt_reservation_status_blocks (mt_bson_str (&reservation, "status"))) {
      stale = true;
    }
    if (orphan || stale) {
      /* reservations.h's rule: only entries older than now - grace are inconsistent. */
      if (ctx->now_ms - mt_bson_date (&entry, "created_at", 0) < state->grace_ms) {
        state->report.recent++;
      } else if (orphan) {
        state->report.orphans++;
      } else {
        state->report.stale++;
      }
    }
    bson_destroy (&reservation);
  }
}

static void
mt_reconcile_calendars_page (const mt_ctx_t *ctx, mt_reconcile_state_t *state)
{
  mt_store_page_t page;
  mt_error_t error = { 0 };
  bson_iter_t it;
  bson_t calendar;

  if (!ctx->store->ops->calendar_list (ctx->store, state->cursor[0] ? state->cursor : NULL,
                                       MT_RECONCILE_PAGE_SIZE, &page, &error)) {
    mt_reconcile_failed (state, "calendar_list", "", &error);
    state->cursor[0] = '\0'; /* the walk cannot go on: next phase */
    state->phase++;
    goto done;
  }
  if (bson_iter_init (&it, &page.items)) {
    while (mt_reconcile_next_doc (&it, &calendar)) {
      const char *listing_id = mt_bson_str (&calendar, "listing_id");
      state->report.calendars++;
      if (!listing_id) {
        continue;
      }
      if (state->mode == MT_RECONCILE_CHECK) {
        mt_reconcile_check_calendar (ctx, state, &calendar);
      } else {
        uint32_t removed = 0;
        mt_error_t one = { 0 };
        if (!mt_reservation_calendar_reconcile (ctx, listing_id, state->grace_ms, &removed, &one)) {
          mt_reconcile_failed (state, "calendar", listing_id, &one);
        }
        state->report.removed += removed;
      }
    }
  }
  memcpy (state->cursor, page.next_cursor, sizeof state->cursor);
  if (!state->cursor[0]) {
    state->phase++;
  }
done:
  mt_store_page_destroy (&page);
}

/*
 * Counts the audit entries @reservation should have and does not: one per history item, and
 * one for a follow-up review. @missing_out receives the count; false on a store error.
 */
static bool
mt_reconcile_audit_missing (const mt_ctx_t *ctx, const bson_t *reservation, uint64_t *missing_out,
                            mt_error_t *error)
{
  char expected[MT_RECONCILE_EXPECTED_MAX][MT_RECONCILE_AUDIT_ID_MAX];
  bool found[MT_RECONCILE_EXPECTED_MAX];
  const char *id = mt_bson_str (reservation, "id");
  char cursor[MT_STORE_CURSOR_MAX] = "";
  size_t count = 0;
  uint64_t missing = 0;
  bson_iter_t it;
  bson_iter_t item;
  bson_t doc;
  bool ok = false;

  if (bson_iter_init_find (&it, reservation, "history") && BSON_ITER_HOLDS_ARRAY (&it) &&
      bson_iter_recurse (&it, &item)) {
    while (count < MT_RECONCILE_EXPECTED_MAX - 1 && mt_reconcile_next_doc (&item, &doc)) {
      int64_t seq = mt_bson_int (&doc, "seq", 0);
      if (seq >= 1) {
        snprintf (expected[count++], MT_RECONCILE_AUDIT_ID_MAX, "%s:%lld", id, (long long) seq);
      }
    }
  }
  if (mt_loans_follow_up_audit_id (reservation, expected[count], MT_RECONCILE_AUDIT_ID_MAX)) {
    count++;
  }
  memset (found, 0, sizeof found);
  for (int pages = 0; count > 0 && pages < MT_RECONCILE_AUDIT_PAGES; pages++) {
    mt_store_page_t page;
    bool listed = ctx->store->ops->audit_list (ctx->store, id, cursor[0] ? cursor : NULL,
                                               MT_STORE_PAGE_MAX, &page, error);
    if (listed && bson_iter_init (&it, &page.items)) {
      while (mt_reconcile_next_doc (&it, &doc)) {
        const char *entry_id = mt_bson_str (&doc, "id");
        for (size_t i = 0; entry_id && i < count; i++) {
          found[i] = found[i] || strcmp (expected[i], entry_id) == 0;
        }
      }
      memcpy (cursor, page.next_cursor, sizeof cursor);
    }
    mt_store_page_destroy (&page);
    if (!listed) {
      goto done;
    }
    if (!cursor[0]) {
      break;
    }
  }
  for (size_t i = 0; i < count; i++) {
    missing += found[i] ? 0 : 1;
  }
  ok = true;
done:
  *missing_out = missing;
  return ok;
}

/* True when @listing_id's calendar holds an entry of @reservation_id. */
static bool
mt_reconcile_is_booked (const mt_ctx_t *ctx, const char *listing_id, const char *reservation_id,
                        bool *booked, mt_error_t *error)
{
  bson_t calendar;
  bson_iter_t it;
  bson_iter_t entry;
  bool ok;

  *booked = false;
  ok = ctx->store->ops->calendar_get (ctx->store, listing_id, &calendar, error);
  if (ok && bson_iter_init_find (&it, &calendar, "entries") && BSON_ITER_HOLDS_ARRAY (&it) &&
      bson_iter_recurse (&it, &entry)) {
    while (!*booked && bson_iter_next (&entry)) {
      bson_iter_t field;
      if (BSON_ITER_HOLDS_DOCUMENT (&entry) && bson_iter_recurse (&entry, &field) &&
          bson_iter_find (&field, "reservation_id") && BSON_ITER_HOLDS_UTF8 (&field) &&
          strcmp (bson_iter_utf8 (&field, NULL), reservation_id) == 0) {
        *booked = true;
      }
    }
  }
  bson_destroy (&calendar);
  return ok;
}

static void
mt_reconcile_reservation (const mt_ctx_t *ctx, mt_reconcile_state_t *state,
                          const bson_t *reservation)
{
  const char *id = mt_bson_str (reservation, "id");
  const char *listing_id = mt_bson_str (reservation, "listing_id");
  mt_error_t error = { 0 };
  uint64_t missing = 0;

  state->report.reservations++;
  if (!id) {
    return;
  }
  if (!mt_reconcile_audit_missing (ctx, reservation, &missing, &error)) {
    mt_reconcile_failed (state, "audit_list", id, &error);
    return;
  }
  if (state->mode == MT_RECONCILE_CHECK) {
    state->report.audit_missing += missing;
    if (listing_id && mt_reservation_status_blocks (mt_bson_str (reservation, "status"))) {
      bool booked = false;
      if (!mt_reconcile_is_booked (ctx, listing_id, id, &booked, &error)) {
        mt_reconcile_failed (state, "calendar", listing_id, &error);
      } else if (!booked) {
        state->report.unbooked++;
        mt_log_printf (MT_LOG_WARN, MT_LOG_DOMAIN, "reservation %s blocks without a calendar entry",
                       id);
      }
    }
  } else if (missing > 0) {
    if (mt_audit_record_reservation (ctx->store, reservation, 1, NULL, &error) &&
        mt_loans_record_follow_up (ctx->store, reservation, &error)) {
      state->report.audit_recorded += missing;
    } else {
      mt_reconcile_failed (state, "audit", id, &error);
    }
  }
}

static void
mt_reconcile_reservations_page (const mt_ctx_t *ctx, mt_reconcile_state_t *state)
{
  mt_store_reservation_query_t query;
  mt_store_page_t page;
  mt_error_t error = { 0 };
  bson_iter_t it;
  bson_t reservation;

  memset (&query, 0, sizeof query);
  query.cursor = state->cursor[0] ? state->cursor : NULL;
  query.limit = MT_RECONCILE_PAGE_SIZE;
  if (!ctx->store->ops->reservation_list (ctx->store, &query, &page, &error)) {
    mt_reconcile_failed (state, "reservation_list", "", &error);
    state->cursor[0] = '\0';
    state->phase++;
    goto done;
  }
  if (bson_iter_init (&it, &page.items)) {
    while (mt_reconcile_next_doc (&it, &reservation)) {
      mt_reconcile_reservation (ctx, state, &reservation);
    }
  }
  memcpy (state->cursor, page.next_cursor, sizeof state->cursor);
  if (!state->cursor[0]) {
    state->phase++;
  }
done:
  mt_store_page_destroy (&page);
}

bool
mt_reconcile_step (const mt_ctx_t *ctx, mt_reconcile_state_t *state)
{
  if (state->phase == 0) {
    mt_reconcile_calendars_page (ctx, state);
  } else if (state->phase == 1) {
    mt_reconcile_reservations_page (ctx, state);
  }
  return state->phase >= 2;
}

void
mt_reconcile_run (const mt_ctx_t *ctx, mt_reconcile_mode_t mode, int64_t grace_ms,
                  mt_reconcile_report_t *report)
{
  mt_reconcile_state_t state;

  mt_reconcile_state_init (&state, mode, grace_ms);
  while (!mt_reconcile_step (ctx, &state)) {
  }
  *report = state.report;
}

bool
mt_reconcile_report_clean (const mt_reconcile_report_t *report)
{
  return report->orphans == 0 && report->stale == 0 && report->unbooked == 0 &&
         report->audit_missing == 0 && report->errors == 0;
}

void
mt_reconcile_report_bson (const mt_reconcile_report_t *report, bson_t *out)
{
  bson_init (out);
  BSON_APPEND_INT64 (out, "calendars", (int64_t) report->calendars);
  BSON_APPEND_INT64 (out, "entries", (int64_t) report->entries);
  BSON_APPEND_INT64 (out, "removed", (int64_t) report->removed);
  BSON_APPEND_INT64 (out, "orphans", (int64_t) report->orphans);
  BSON_APPEND_INT64 (out, "stale", (int64_t) report->stale);
  BSON_APPEND_INT64 (out, "recent", (int64_t) report->recent);
  BSON_APPEND_INT64 (out, "reservations", (int64_t) report->reservations);
  BSON_APPEND_INT64 (out, "unbooked", (int64_t) report->unbooked);
  BSON_APPEND_INT64 (out, "audit_missing", (int64_t) report->audit_missing);
  BSON_APPEND_INT64 (out, "audit_recorded", (int64_t) report->audit_recorded);
  BSON_APPEND_INT64 (out, "errors", (int64_t) report->errors);
}
