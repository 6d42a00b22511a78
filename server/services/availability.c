/* availability: busy segments and free units of a good over a range (see availability.h). */
#include "availability.h"

#include "mt_bson.h"
#include "mt_time.h"

#include <stdlib.h>
#include <string.h>

/* One change of state of the sweep: at @t, @units more (or fewer) units are used and
 * @blackouts more (or fewer) blackouts are in force. */
typedef struct {
  int64_t t;
  int64_t units;
  int32_t blackouts;
} mt_avail_event_t;

const char *
mt_avail_reason_name (mt_avail_reason_t reason)
{
  return reason == MT_AVAIL_BLACKOUT ? "blackout" : "reservation";
}

static bool
mt_avail_instant_ok (int64_t t)
{
  return t >= MT_AVAIL_TIME_MIN && t <= MT_AVAIL_TIME_MAX;
}

static bool
mt_avail_intervals_ok (const mt_avail_interval_t *items, size_t count, bool with_units)
{
  bool ok = count <= MT_AVAIL_INTERVALS_MAX && (count == 0 || items);

  for (size_t i = 0; ok && i < count; i++) {
    const mt_avail_interval_t *iv = &items[i];
    ok = mt_avail_instant_ok (iv->start_ms) && mt_avail_instant_ok (iv->end_ms) &&
         iv->start_ms < iv->end_ms &&
         (!with_units || (iv->units >= 1 && iv->units <= MT_AVAIL_UNITS_MAX));
  }
  return ok;
}

static bool
mt_avail_check (const mt_avail_calendar_t *calendar, int64_t from_ms, int64_t to_ms,
                mt_error_t *error)
{
  bool ok = false;

  if (!mt_avail_instant_ok (from_ms) || !mt_avail_instant_ok (to_ms) || from_ms > to_ms) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_BAD_REQUEST,
                  "période invalide (début après la fin ou hors des années 0000 à 9999)",
                  "invalid range (start after end, or outside the years 0000 to 9999)");
  } else if (!calendar || calendar->quantity > MT_AVAIL_UNITS_MAX ||
             calendar->buffer_hours > MT_AVAIL_BUFFER_HOURS_MAX ||
             !mt_avail_intervals_ok (calendar->entries, calendar->entry_count, true) ||
             !mt_avail_intervals_ok (calendar->blackouts, calendar->blackout_count, false)) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "calendrier invalide",
                  "invalid calendar");
  } else {
    ok = true;
  }
  return ok;
}

static int
mt_avail_event_cmp (const void *a, const void *b)
{
  const mt_avail_event_t *x = a;
  const mt_avail_event_t *y = b;
  return (x->t > y->t) - (x->t < y->t);
}

/* Adds the events of [start, end) clipped to [from, to), when they overlap. */
static void
mt_avail_push (mt_avail_event_t *events, size_t *n, int64_t start, int64_t end, int64_t from,
               int64_t to, int64_t units, int32_t blackouts)
{
  if (end <= from || start >= to) {
    return;
  }
  events[*n] = (mt_avail_event_t){ start > from ? start : from, units, blackouts };
  events[*n + 1] = (mt_avail_event_t){ end < to ? end : to, -units, -blackouts };
  *n += 2;
}

/* Appends [start, end) to @busy, merged with the last segment when they touch and match.
 * @busy->items has room for every segment of the sweep (allocated by the caller). */
static void
mt_avail_emit (mt_avail_busy_t *busy, int64_t start, int64_t end, uint32_t units,
               mt_avail_reason_t reason)
{
  if (busy->count > 0) {
    mt_avail_segment_t *last = &busy->items[busy->count - 1];
    if (last->end_ms == start && last->units == units && last->reason == reason) {
      last->end_ms = end;
      return;
    }
  }
  busy->items[busy->count++] = (mt_avail_segment_t){ start, end, units, reason };
}

/*
 * The sweep behind both public functions: the state (units used, blackouts in force) is
 * constant between two consecutive event instants. Fills @busy (when not NULL; its items
 * are allocated here) and @summary.
 */
static bool
mt_avail_sweep (const mt_avail_calendar_t *calendar, int64_t from_ms, int64_t to_ms,
                mt_avail_busy_t *busy, mt_avail_summary_t *summary, mt_error_t *error)
{
  const int64_t buffer_ms = (int64_t) calendar->buffer_hours * MT_AVAIL_HOUR_MS;
  const size_t capacity = 2 * (calendar->entry_count + calendar->blackout_count);
  mt_avail_event_t *events = NULL;
  size_t n = 0;
  int64_t used = 0;
  int64_t max_used = 0;
  int32_t blackouts = 0;
  bool blackout_seen = false;
  bool ok = false;

  if (capacity == 0 || from_ms == to_ms) {
    ok = true;
    goto summarise;
  }
  events = calloc (capacity, sizeof *events);
  if (!events) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "mémoire insuffisante",
                  "out of memory");
    goto done;
  }
  for (size_t i = 0; i < calendar->entry_count; i++) {
    const mt_avail_interval_t *e = &calendar->entries[i];
    /* In bounds (checked): the widened instants stay far from the int64 limits. */
    mt_avail_push (events, &n, e->start_ms - buffer_ms, e->end_ms + buffer_ms, from_ms, to_ms,
                   (int64_t) e->units, 0);
  }
  for (size_t i = 0; i < calendar->blackout_count; i++) {
    const mt_avail_interval_t *b = &calendar->blackouts[i];
    mt_avail_push (events, &n, b->start_ms, b->end_ms, from_ms, to_ms, 0, 1);
  }
  if (n > 0) {
    qsort (events, n, sizeof *events, mt_avail_event_cmp);
  }
  if (busy && n > 0) {
    /* At most one segment between two consecutive events. */
    busy->items = calloc (n, sizeof *busy->items);
    if (!busy->items) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "mémoire insuffisante",
                    "out of memory");
      goto done;
    }
  }
  for (size_t i = 0; i < n;) {
    const int64_t t = events[i].t;
    while (i < n && events[i].t == t) {
      used += events[i].units;
      blackouts += events[i].blackouts;
      i++;
    }
    if (i == n) {
      break; /* every event ends at or before to_ms: nothing is in force after the last */
    }
    /* [t, events[i].t) is non-empty and its state is (used, blackouts). */
    if (used > max_used) {
      max_used = used;
    }
    if (blackouts > 0) {
      blackout_seen = true;
    }
    if (busy && blackouts > 0) {
      mt_avail_emit (busy, t, events[i].t, calendar->quantity, MT_AVAIL_BLACKOUT);
    } else if (busy && used > 0) {
      mt_avail_emit (busy, t, events[i].t, (uint32_t) used, MT_AVAIL_RESERVATION);
    }
  }
  ok = true;

summarise:
  summary->blackout = blackout_seen;
  summary->max_used = (uint32_t) max_used; /* at most MT_AVAIL_INTERVALS_MAX * UNITS_MAX */
  summary->free = (blackout_seen || max_used >= (int64_t) calendar->quantity)
                    ? 0
                    : calendar->quantity - (uint32_t) max_used;
done:
  free (events);
  return ok;
}

bool
mt_avail_busy (const mt_avail_calendar_t *calendar, int64_t from_ms, int64_t to_ms,
               mt_avail_busy_t *busy, mt_error_t *error)
{
  mt_avail_summary_t summary;
  bool ok = false;

  memset (busy, 0, sizeof *busy);
  if (!mt_avail_check (calendar, from_ms, to_ms, error)) {
    goto done;
  }
  ok = mt_avail_sweep (calendar, from_ms, to_ms, busy, &summary, error);
done:
  if (!ok) {
    mt_avail_busy_destroy (busy);
  }
  return ok;
}

void
mt_avail_busy_destroy (mt_avail_busy_t *busy)
{
  if (busy) {
    free (busy->items);
    busy->items = NULL;
    busy->count = 0;
  }
}

bool
mt_avail_summarise (const mt_avail_calendar_t *calendar, int64_t from_ms, int64_t to_ms,
                    mt_avail_summary_t *summary, mt_error_t *error)
{
  bool ok = false;

  memset (summary, 0, sizeof *summary);
  if (!mt_avail_check (calendar, from_ms, to_ms, error)) {
    goto done;
  }
  ok = mt_avail_sweep (calendar, from_ms, to_ms, NULL, summary, error);
  if (!ok) {
    memset (summary, 0, sizeof *summary);
  }
done:
  return ok;
}

/* --- From stored documents --------------------------------------------------------------- */

/* An instant stored as a BSON date-time or an RFC 3339 string. */
static bool
mt_avail_read_instant (const bson_t *doc, const char *key, int64_t *ms)
{
  bson_iter_t it;
  bool ok = false;

  if (bson_iter_init_find (&it, doc, key)) {
    if (BSON_ITER_HOLDS_DATE_TIME (&it)) {
      *ms = bson_iter_date_time (&it);
      ok = true;
    } else if (BSON_ITER_HOLDS_UTF8 (&it)) {
      uint32_t len = 0;
      const char *text = bson_iter_utf8 (&it, &len);
      ok = mt_time_parse_rfc3339 (text, len, ms);
    }
  }
  return ok;
}

/*
 * Reads the array at @key of @doc (absent or null: none) into a malloc'd array of intervals.
 * Entries need "units"; an entry whose "reservation_id" is @skip is left out.
 */
static bool
mt_avail_read_intervals (const bson_t *doc, const char *key, bool with_units, const char *skip,
                         mt_avail_interval_t **out, size_t *count)
{
  bson_iter_t it;
  bson_iter_t child;
  size_t n = 0;
  bool ok = false;

  *out = NULL;
  *count = 0;
  if (!doc || !bson_iter_init_find (&it, doc, key) || BSON_ITER_HOLDS_NULL (&it)) {
    ok = true; /* none */
    goto done;
  }
  if (!BSON_ITER_HOLDS_ARRAY (&it) || !bson_iter_recurse (&it, &child)) {
    goto done;
  }
  while (bson_iter_next (&child)) {
    n++;
  }
  if (n == 0 || n > MT_AVAIL_INTERVALS_MAX) {
    ok = n == 0;
    goto done;
  }
  *out = calloc (n, sizeof **out);
  if (!*out || !bson_iter_recurse (&it, &child)) {
    goto done;
  }
  while (bson_iter_next (&child)) {
    mt_avail_interval_t iv = { 0 };
    const uint8_t *data = NULL;
    uint32_t len = 0;
    bson_t item;
    int64_t units = 1;
    if (!BSON_ITER_HOLDS_DOCUMENT (&child)) {
      goto done;
    }
    bson_iter_document (&child, &len, &data);
    if (!bson_init_static (&item, data, len)) {
      goto done;
    }
    if (!mt_avail_read_instant (&item, "start", &iv.start_ms) ||
        !mt_avail_read_instant (&item, "end", &iv.end_ms)) {
      goto done;
    }
    if (with_units) {
      const char *reservation = mt_bson_str (&item, "reservation_id");
      if (skip && reservation && strcmp (skip, reservation) == 0) {
        continue;
      }
      units = mt_bson_int (&item, "units", 0);
      if (units < 1 || units > (int64_t) MT_AVAIL_UNITS_MAX) {
        goto done;
      }
    }
    iv.units = (uint32_t) units;
    (*out)[(*count)++] = iv;
  }
  ok = true;
done:
  if (!ok) {
    free (*out);
    *out = NULL;
    *count = 0;
  }
  return ok;
}

bool
mt_avail_calendar_load (const bson_t *listing, const bson_t *calendar,
                        const char *skip_reservation_id, mt_avail_owned_calendar_t *out,
                        mt_error_t *error)
{
  int64_t quantity;
  int64_t buffer_hours;
  bool ok = false;

  memset (out, 0, sizeof *out);
  quantity = mt_bson_int (listing, "quantity", 1);
  buffer_hours = mt_bson_int (listing, "loan_rules.buffer_hours", 0);
  if (quantity < 0 || quantity > (int64_t) MT_AVAIL_UNITS_MAX || buffer_hours < 0 ||
      buffer_hours > (int64_t) MT_AVAIL_BUFFER_HOURS_MAX) {
    goto fail;
  }
  out->calendar.quantity = (uint32_t) quantity;
  out->calendar.buffer_hours = (uint32_t) buffer_hours;
  if (!mt_avail_read_intervals (listing, "blackouts", false, NULL, &out->blackouts,
                                &out->calendar.blackout_count) ||
      !mt_avail_read_intervals (calendar, "entries", true, skip_reservation_id, &out->entries,
                                &out->calendar.entry_count)) {
    goto fail;
  }
  out->calendar.blackouts = out->blackouts;
  out->calendar.entries = out->entries;
  if (!mt_avail_intervals_ok (out->blackouts, out->calendar.blackout_count, false) ||
      !mt_avail_intervals_ok (out->entries, out->calendar.entry_count, true)) {
    goto fail;
  }
  ok = true;
  goto done;
fail:
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL,
                "calendrier ou périodes d'indisponibilité invalides",
                "invalid calendar or blackout periods");
  mt_avail_calendar_release (out);
done:
  return ok;
}

void
mt_avail_calendar_release (mt_avail_owned_calendar_t *owned)
{
  if (owned) {
    free (owned->entries);
    free (owned->blackouts);
    memset (owned, 0, sizeof *owned);
  }
}
