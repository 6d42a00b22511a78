/*
 * availability: the calendar arithmetic of goods, written once for the availability
 * endpoint, the availability filter of the search and the reservation rules.
 *
 * Pure functions: no store, no clock, no global state. Every instant is an int64 count of
 * milliseconds since the Unix epoch (UTC) and every interval is half-open, [start, end): two
 * intervals that only touch (the end of one is the start of the other) do not overlap, so
 * back-to-back reservations fit when the buffer is 0.
 *
 * The model
 *   A good has @quantity interchangeable units. Each calendar entry (a blocking reservation)
 *   holds @units units over [start, end), widened by @buffer_hours on both sides (the time
 *   to get the good back and ready): with a buffer of b hours, two loans of one unit need b
 *   hours between them. The range asked about is never widened, so "is [s, e) free for u
 *   units?" is exactly the reservation rule "no instant where the widened blocking
 *   reservations, plus the new one, exceed the quantity". A blackout period makes every unit
 *   unavailable over [start, end) (it is not widened).
 *
 * Bounds (so that every computation stays in int64 and bounded in time and memory)
 *   at most MT_AVAIL_INTERVALS_MAX calendar entries and MT_AVAIL_INTERVALS_MAX blackouts;
 *   every instant within [MT_AVAIL_TIME_MIN, MT_AVAIL_TIME_MAX] (years 0000 to 9999, what
 *   RFC 3339 can write); quantity and units at most MT_AVAIL_UNITS_MAX; buffer_hours at most
 *   MT_AVAIL_BUFFER_HOURS_MAX. An entry or a blackout must have start < end, an entry at
 *   least one unit. Inputs out of these bounds are refused (MT_ERR_INTERNAL: stored data
 *   that breaks them is corrupt; a range out of them is MT_ERR_BAD_REQUEST).
 */
#ifndef MT_AVAILABILITY_H
#define MT_AVAILABILITY_H

#include "mt_error.h"

#include <bson/bson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MT_AVAIL_INTERVALS_MAX 10000
#define MT_AVAIL_UNITS_MAX 100000u
#define MT_AVAIL_BUFFER_HOURS_MAX 8760u
#define MT_AVAIL_HOUR_MS INT64_C (3600000)
#define MT_AVAIL_TIME_MIN INT64_C (-62167219200000) /* 0000-01-01T00:00:00Z */
#define MT_AVAIL_TIME_MAX INT64_C (253402300800000) /* 10000-01-01T00:00:00Z */

/* A calendar entry (units used) or a blackout (units ignored), [start_ms, end_ms). */
typedef struct {
  int64_t start_ms;
  int64_t end_ms;
  uint32_t units;
} mt_avail_interval_t;

/* What the arithmetic needs to know about one good. Arrays are borrowed. */
typedef struct {
  uint32_t quantity;
  uint32_t buffer_hours;
  const mt_avail_interval_t *entries; /* blocking reservations, in any order */
  size_t entry_count;
  const mt_avail_interval_t *blackouts; /* in any order, may overlap each other */
  size_t blackout_count;
} mt_avail_calendar_t;

typedef enum {
  MT_AVAIL_RESERVATION = 0, /* units are used by (widened) reservations */
  MT_AVAIL_BLACKOUT,        /* a blackout: no unit can be lent */
} mt_avail_reason_t;

/* One busy segment, [start_ms, end_ms). */
typedef struct {
  int64_t start_ms;
  int64_t end_ms;
  uint32_t units; /* reservations: units used (may exceed the quantity when the stored
                   * calendar is overbooked); blackouts: the quantity */
  mt_avail_reason_t reason;
} mt_avail_segment_t;

/* The busy segments of a range: sorted, non-overlapping, and two segments that touch never
 * have the same units and reason (they are merged). */
typedef struct {
  mt_avail_segment_t *items; /* malloc'd; NULL when count is 0 */
  size_t count;
} mt_avail_busy_t;

/* Units free over a whole range. */
typedef struct {
  uint32_t free;     /* quantity - max_used, 0 when a blackout overlaps or max_used >= quantity */
  uint32_t max_used; /* most units used by (widened) reservations at one instant in the range */
  bool blackout;     /* a blackout overlaps the range */
} mt_avail_summary_t;

/* "reservation" or "blackout". */
const char *mt_avail_reason_name (mt_avail_reason_t reason);

/*
 * The busy segments of [from_ms, to_ms), clipped to the range: where (widened) reservations
 * use units, and where blackouts make the good unavailable (a blackout wins over the
 * reservations under it). Free stretches are not listed. An empty range (from == to) has no
 * segment. @busy is always initialised (empty on failure); release it with
 * mt_avail_busy_destroy. Errors: MT_ERR_BAD_REQUEST for from > to or a range out of bounds,
 * MT_ERR_INTERNAL for a calendar out of bounds (see above).
 */
bool mt_avail_busy (const mt_avail_calendar_t *calendar, int64_t from_ms, int64_t to_ms,
                    mt_avail_busy_t *busy, mt_error_t *error);

void mt_avail_busy_destroy (mt_avail_busy_t *busy);

/*
 * The units free over the whole of [from_ms, to_ms): the quantity minus the most units used
 * at any instant of the range, 0 when a blackout overlaps it. An empty range has the whole
 * quantity free. A reservation of u units over [s, e) fits when
 * mt_avail_summarise (calendar, s, e).free >= u. @summary is always initialised (all zero on
 * failure). Errors as mt_avail_busy.
 */
bool mt_avail_summarise (const mt_avail_calendar_t *calendar, int64_t from_ms, int64_t to_ms,
                         mt_avail_summary_t *summary, mt_error_t *error);

/* --- From stored documents --------------------------------------------------------------- */

/* An mt_avail_calendar_t whose arrays are owned (built by mt_avail_calendar_load). */
typedef struct {
  mt_avail_calendar_t calendar;
  mt_avail_interval_t *entries;   /* malloc'd or NULL */
  mt_avail_interval_t *blackouts; /* malloc'd or NULL */
} mt_avail_owned_calendar_t;

/*
 * Builds the calendar of a good from its listing document ("quantity", default 1;
 * "loan_rules.buffer_hours", default 0; "blackouts": [{"start", "end", ...}]) and its stored
 * calendar ({"entries": [{"reservation_id", "start", "end", "units"}]}, may be NULL for none).
 * Instants are read from BSON date-times or RFC 3339 strings. Entries whose
 * "reservation_id" equals @skip_reservation_id (may be NULL) are left out, so that a
 * reservation already in the calendar can be checked again (approval). @out is always
 * initialised; release it with mt_avail_calendar_release. Errors: MT_ERR_INTERNAL when a
 * document breaks the bounds above or holds a malformed entry or blackout.
 */
bool mt_avail_calendar_load (const bson_t *listing, const bson_t *calendar,
                             const char *skip_reservation_id, mt_avail_owned_calendar_t *out,
                             mt_error_t *error);

void mt_avail_calendar_release (mt_avail_owned_calendar_t *owned);

#endif
