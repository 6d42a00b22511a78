/*
 * Unit tests of server/services/availability.c: busy segments and free units of a good over
 * a range, table-driven (overlaps, back-to-back, buffers, stacked units, blackouts at every
 * edge, empty ranges, every boundary), bounds and overflow, loading from stored documents,
 * and a deterministic comparison with a brute-force model on random calendars.
 */
#include "mt_test.h"

#include "availability.h"
#include "mt_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 INT64_C (1780272000000) /* 2026-06-01T00:00:00Z */
#define HOUR INT64_C (3600000)
#define H(n) (T0 + (int64_t) (n) *HOUR)

#define RES MT_AVAIL_RESERVATION
#define BLK MT_AVAIL_BLACKOUT

typedef struct {
  int start, end; /* hours after T0 */
  uint32_t units;
  mt_avail_reason_t reason;
} seg_t;

typedef struct {
  int start, end; /* hours after T0 */
  uint32_t units;
} iv_t;

typedef struct {
  const char *name;
  uint32_t quantity;
  uint32_t buffer_hours;
  iv_t entries[6];
  size_t entry_count;
  iv_t blackouts[4];
  size_t blackout_count;
  int from, to;
  seg_t busy[8];
  size_t busy_count;
  uint32_t free;
  uint32_t max_used;
  bool blackout;
} case_t;

/* clang-format off */
static const case_t cases[] = {
  { "empty calendar", 1, 0, {{0}}, 0, {{0}}, 0, 0, 24, {{0}}, 0, 1, 0, false },
  { "entry inside the range", 1, 0, {{2, 5, 1}}, 1, {{0}}, 0, 0, 24,
    {{2, 5, 1, RES}}, 1, 0, 1, false },
  { "entry ending exactly at from", 1, 0, {{0, 2, 1}}, 1, {{0}}, 0, 2, 5, {{0}}, 0, 1, 0, false },
  { "entry starting exactly at to", 1, 0, {{5, 8, 1}}, 1, {{0}}, 0, 2, 5, {{0}}, 0, 1, 0, false },
  { "entry overlapping from is clipped", 1, 0, {{0, 3, 1}}, 1, {{0}}, 0, 2, 5,
    {{2, 3, 1, RES}}, 1, 0, 1, false },
  { "entry overlapping to is clipped", 1, 0, {{4, 8, 1}}, 1, {{0}}, 0, 2, 5,
    {{4, 5, 1, RES}}, 1, 0, 1, false },
  { "range inside one entry", 1, 0, {{0, 10, 1}}, 1, {{0}}, 0, 3, 4,
    {{3, 4, 1, RES}}, 1, 0, 1, false },
  { "range equal to one entry", 2, 0, {{3, 4, 1}}, 1, {{0}}, 0, 3, 4,
    {{3, 4, 1, RES}}, 1, 1, 1, false },
  { "entries before and after the range", 1, 0, {{0, 3, 1}, {6, 9, 1}}, 2, {{0}}, 0, 3, 6,
    {{0}}, 0, 1, 0, false },
  { "back-to-back with buffer 0 do not overlap (merged)", 1, 0, {{0, 2, 1}, {2, 4, 1}}, 2,
    {{0}}, 0, 0, 6, {{0, 4, 1, RES}}, 1, 0, 1, false },
  { "back-to-back with different units are not merged", 3, 0, {{0, 2, 1}, {2, 4, 2}}, 2,
    {{0}}, 0, 0, 6, {{0, 2, 1, RES}, {2, 4, 2, RES}}, 2, 1, 2, false },
  { "a booking right after a loan fits when the buffer is 0", 1, 0, {{0, 2, 1}}, 1, {{0}}, 0,
    2, 4, {{0}}, 0, 1, 0, false },
  { "buffer widens both sides", 1, 1, {{2, 4, 1}}, 1, {{0}}, 0, 0, 8,
    {{1, 5, 1, RES}}, 1, 0, 1, false },
  { "range touching the widened end is free", 1, 1, {{2, 4, 1}}, 1, {{0}}, 0, 5, 6, {{0}}, 0,
    1, 0, false },
  { "range touching the widened start is free", 1, 1, {{2, 4, 1}}, 1, {{0}}, 0, 0, 1, {{0}}, 0,
    1, 0, false },
  { "range inside the buffer is busy", 1, 1, {{2, 4, 1}}, 1, {{0}}, 0, 4, 5,
    {{4, 5, 1, RES}}, 1, 0, 1, false },
  { "widened entries that touch are merged", 1, 1, {{0, 2, 1}, {4, 6, 1}}, 2, {{0}}, 0, 0, 8,
    {{0, 7, 1, RES}}, 1, 0, 1, false },
  { "widened entries that overlap stack", 2, 1, {{0, 2, 1}, {3, 5, 1}}, 2, {{0}}, 0, 0, 8,
    {{0, 2, 1, RES}, {2, 3, 2, RES}, {3, 6, 1, RES}}, 3, 0, 2, false },
  { "overlapping widened entries leave a unit of three", 3, 1, {{0, 2, 1}, {3, 5, 1}}, 2, {{0}},
    0, 0, 8, {{0, 2, 1, RES}, {2, 3, 2, RES}, {3, 6, 1, RES}}, 3, 1, 2, false },
  { "stacked partial overlaps, quantity 3", 3, 0, {{0, 4, 1}, {2, 6, 1}, {3, 5, 1}}, 3, {{0}}, 0,
    0, 8, {{0, 2, 1, RES}, {2, 3, 2, RES}, {3, 4, 3, RES}, {4, 5, 2, RES}, {5, 6, 1, RES}}, 5, 0,
    3, false },
  { "stacked partial overlaps, quantity 4", 4, 0, {{0, 4, 1}, {2, 6, 1}, {3, 5, 1}}, 3, {{0}}, 0,
    0, 8, {{0, 2, 1, RES}, {2, 3, 2, RES}, {3, 4, 3, RES}, {4, 5, 2, RES}, {5, 6, 1, RES}}, 5, 1,
    3, false },
  { "stacked, range after the peak", 3, 0, {{0, 4, 1}, {2, 6, 1}, {3, 5, 1}}, 3, {{0}}, 0, 5, 8,
    {{5, 6, 1, RES}}, 1, 2, 1, false },
  { "multi-unit entries", 5, 0, {{0, 4, 2}, {2, 6, 3}}, 2, {{0}}, 0, 0, 8,
    {{0, 2, 2, RES}, {2, 4, 5, RES}, {4, 6, 3, RES}}, 3, 0, 5, false },
  { "multi-unit entries leave one of six", 6, 0, {{0, 4, 2}, {2, 6, 3}}, 2, {{0}}, 0, 0, 8,
    {{0, 2, 2, RES}, {2, 4, 5, RES}, {4, 6, 3, RES}}, 3, 1, 5, false },
  { "entries in any order", 2, 0, {{6, 8, 1}, {0, 2, 1}, {1, 7, 1}}, 3, {{0}}, 0, 0, 8,
    {{0, 1, 1, RES}, {1, 2, 2, RES}, {2, 6, 1, RES}, {6, 7, 2, RES}, {7, 8, 1, RES}}, 5, 0, 2,
    false },
  { "identical entries stack", 3, 0, {{1, 2, 1}, {1, 2, 1}}, 2, {{0}}, 0, 0, 3,
    {{1, 2, 2, RES}}, 1, 1, 2, false },
  { "blackout ending exactly at from", 2, 0, {{0}}, 0, {{0, 2, 0}}, 1, 2, 5, {{0}}, 0, 2, 0,
    false },
  { "blackout starting exactly at to", 2, 0, {{0}}, 0, {{5, 7, 0}}, 1, 2, 5, {{0}}, 0, 2, 0,
    false },
  { "blackout overlapping from", 2, 0, {{0}}, 0, {{0, 3, 0}}, 1, 2, 5, {{2, 3, 2, BLK}}, 1, 0, 0,
    true },
  { "blackout overlapping to", 2, 0, {{0}}, 0, {{4, 7, 0}}, 1, 2, 5, {{4, 5, 2, BLK}}, 1, 0, 0,
    true },
  { "blackout covering the range", 2, 0, {{0}}, 0, {{0, 9, 0}}, 1, 2, 5, {{2, 5, 2, BLK}}, 1, 0,
    0, true },
  { "blackout equal to the range", 1, 0, {{0}}, 0, {{2, 5, 0}}, 1, 2, 5, {{2, 5, 1, BLK}}, 1, 0,
    0, true },
  { "blackout over a reservation wins", 2, 0, {{1, 5, 1}}, 1, {{2, 3, 0}}, 1, 0, 6,
    {{1, 2, 1, RES}, {2, 3, 2, BLK}, {3, 5, 1, RES}}, 3, 0, 1, true },
  { "overlapping blackouts merge", 1, 0, {{0}}, 0, {{0, 3, 0}, {2, 5, 0}}, 2, 0, 6,
    {{0, 5, 1, BLK}}, 1, 0, 0, true },
  { "touching blackouts merge", 1, 0, {{0}}, 0, {{0, 3, 0}, {3, 5, 0}}, 2, 0, 6,
    {{0, 5, 1, BLK}}, 1, 0, 0, true },
  { "blackouts are not widened by the buffer", 1, 5, {{0}}, 0, {{2, 3, 0}}, 1, 3, 4, {{0}}, 0,
    1, 0, false },
  { "reservation touching a blackout", 1, 0, {{0, 2, 1}}, 1, {{2, 4, 0}}, 1, 0, 6,
    {{0, 2, 1, RES}, {2, 4, 1, BLK}}, 2, 0, 1, true },
  { "empty range has every unit free", 2, 0, {{0, 10, 1}}, 1, {{0, 10, 0}}, 1, 4, 4, {{0}}, 0,
    2, 0, false },
  { "empty range at an entry's start", 1, 0, {{4, 6, 1}}, 1, {{0}}, 0, 4, 4, {{0}}, 0, 1, 0,
    false },
  { "overbooked stored calendar gives 0, not a wrap", 1, 0, {{0, 2, 1}, {1, 3, 1}}, 2, {{0}}, 0,
    0, 4, {{0, 1, 1, RES}, {1, 2, 2, RES}, {2, 3, 1, RES}}, 3, 0, 2, false },
  { "quantity 0 has nothing free", 0, 0, {{0}}, 0, {{0}}, 0, 0, 4, {{0}}, 0, 0, 0, false },
};
/* clang-format on */

static void
intervals_of (const iv_t *src, size_t count, mt_avail_interval_t *dst)
{
  for (size_t i = 0; i < count; i++) {
    dst[i] = (mt_avail_interval_t){ H (src[i].start), H (src[i].end), src[i].units };
  }
}

static void
run_case (const case_t *c)
{
  mt_avail_interval_t entries[6];
  mt_avail_interval_t blackouts[4];
  mt_avail_calendar_t cal = { c->quantity,    c->buffer_hours, entries,
                              c->entry_count, blackouts,       c->blackout_count };
  mt_avail_busy_t busy;
  mt_avail_summary_t sum;
  mt_error_t error = { 0 };

  intervals_of (c->entries, c->entry_count, entries);
  intervals_of (c->blackouts, c->blackout_count, blackouts);
  if (!mt_avail_busy (&cal, H (c->from), H (c->to), &busy, &error)) {
    fail_msg ("%s: busy failed: %s", c->name, error.message);
  }
  if (busy.count != c->busy_count) {
    fail_msg ("%s: %zu segments, expected %zu", c->name, busy.count, c->busy_count);
  }
  for (size_t i = 0; i < busy.count; i++) {
    const mt_avail_segment_t *s = &busy.items[i];
    const seg_t *e = &c->busy[i];
    if (s->start_ms != H (e->start) || s->end_ms != H (e->end) || s->units != e->units ||
        s->reason != e->reason) {
      fail_msg ("%s: segment %zu is [%lld, %lld) %u %s, expected [%d, %d) %u %s", c->name, i,
                (long long) ((s->start_ms - T0) / HOUR), (long long) ((s->end_ms - T0) / HOUR),
                s->units, mt_avail_reason_name (s->reason), e->start, e->end, e->units,
                mt_avail_reason_name (e->reason));
    }
  }
  mt_avail_busy_destroy (&busy);
  if (!mt_avail_summarise (&cal, H (c->from), H (c->to), &sum, &error)) {
    fail_msg ("%s: summarise failed: %s", c->name, error.message);
  }
  if (sum.free != c->free || sum.max_used != c->max_used || sum.blackout != c->blackout) {
    fail_msg ("%s: free %u max_used %u blackout %d, expected %u %u %d", c->name, sum.free,
              sum.max_used, sum.blackout, c->free, c->max_used, c->blackout);
  }
}

static void
table (void **state)
{
  (void) state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    run_case (&cases[i]);
  }
}

/* Segments are sorted, non-overlapping, inside the range, and touching ones differ. */
static void
assert_well_formed (const mt_avail_busy_t *busy, int64_t from, int64_t to)
{
  for (size_t i = 0; i < busy->count; i++) {
    const mt_avail_segment_t *s = &busy->items[i];
    assert_true (s->start_ms < s->end_ms);
    assert_true (s->start_ms >= from && s->end_ms <= to);
    if (i > 0) {
      const mt_avail_segment_t *p = &busy->items[i - 1];
      assert_true (p->end_ms <= s->start_ms);
      if (p->end_ms == s->start_ms) {
        assert_true (p->units != s->units || p->reason != s->reason);
      }
    }
  }
}

/* --- Errors and bounds ---------------------------------------------------------------------- */

static void
expect_error (const mt_avail_calendar_t *cal, int64_t from, int64_t to, mt_error_code_t code)
{
  mt_avail_busy_t busy;
  mt_avail_summary_t sum;
  mt_error_t error = { 0 };

  assert_false (mt_avail_busy (cal, from, to, &busy, &error));
  assert_int_equal (error.code, code);
  assert_null (busy.items);
  assert_int_equal (busy.count, 0);
  mt_error_clear (&error);
  assert_false (mt_avail_summarise (cal, from, to, &sum, &error));
  assert_int_equal (error.code, code);
  assert_int_equal (sum.free, 0);
  assert_int_equal (sum.max_used, 0);
  assert_false (sum.blackout);
}

static void
rejects_bad_ranges (void **state)
{
  mt_avail_calendar_t cal = { 1, 0, NULL, 0, NULL, 0 };

  (void) state;
  expect_error (&cal, H (5), H (4), MT_ERR_BAD_REQUEST);
  expect_error (&cal, MT_AVAIL_TIME_MIN - 1, H (4), MT_ERR_BAD_REQUEST);
  expect_error (&cal, H (0), MT_AVAIL_TIME_MAX + 1, MT_ERR_BAD_REQUEST);
  expect_error (&cal, INT64_MIN, INT64_MAX, MT_ERR_BAD_REQUEST);
  expect_error (NULL, H (0), H (1), MT_ERR_INTERNAL);
}

static void
rejects_calendars_out_of_bounds (void **state)
{
  mt_avail_interval_t bad_order[] = { { H (3), H (2), 1 } };
  mt_avail_interval_t empty[] = { { H (3), H (3), 1 } };
  mt_avail_interval_t zero_units[] = { { H (1), H (2), 0 } };
  mt_avail_interval_t many_units[] = { { H (1), H (2), MT_AVAIL_UNITS_MAX + 1 } };
  mt_avail_interval_t too_early[] = { { MT_AVAIL_TIME_MIN - 1, H (2), 1 } };
  mt_avail_interval_t too_late[] = { { H (1), MT_AVAIL_TIME_MAX + 1, 1 } };
  mt_avail_interval_t ok[] = { { H (1), H (2), 1 } };
  const mt_avail_calendar_t bad[] = {
    { 1, 0, bad_order, 1, NULL, 0 },
    { 1, 0, empty, 1, NULL, 0 },
    { 1, 0, zero_units, 1, NULL, 0 },
    { 1, 0, many_units, 1, NULL, 0 },
    { 1, 0, too_early, 1, NULL, 0 },
    { 1, 0, too_late, 1, NULL, 0 },
    { 1, 0, NULL, 0, bad_order, 1 },
    { 1, 0, NULL, 0, empty, 1 },
    { 1, 0, NULL, 0, too_early, 1 },
    { 1, 0, NULL, 0, too_late, 1 },
    { MT_AVAIL_UNITS_MAX + 1, 0, ok, 1, NULL, 0 },
    { 1, MT_AVAIL_BUFFER_HOURS_MAX + 1, ok, 1, NULL, 0 },
    /* Counts over the cap are refused before the arrays are read. */
    { 1, 0, ok, MT_AVAIL_INTERVALS_MAX + 1, NULL, 0 },
    { 1, 0, NULL, 0, ok, MT_AVAIL_INTERVALS_MAX + 1 },
    /* A count without an array. */
    { 1, 0, NULL, 1, NULL, 0 },
    { 1, 0, NULL, 0, NULL, 1 },
  };

  (void) state;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    expect_error (&bad[i], H (0), H (4), MT_ERR_INTERNAL);
  }
  /* A blackout's units are ignored (0 is fine there). */
  {
    mt_avail_calendar_t cal = { 1, 0, NULL, 0, zero_units, 1 };
    mt_avail_summary_t sum;
    assert_true (mt_avail_summarise (&cal, H (0), H (4), &sum, NULL));
    assert_true (sum.blackout);
  }
}

/* Instants at the very bounds with the largest buffer: no overflow (UBSan watches). */
static void
extreme_instants_do_not_overflow (void **state)
{
  mt_avail_interval_t entries[] = {
    { MT_AVAIL_TIME_MIN, MT_AVAIL_TIME_MIN + 1, MT_AVAIL_UNITS_MAX },
    { MT_AVAIL_TIME_MAX - 1, MT_AVAIL_TIME_MAX, MT_AVAIL_UNITS_MAX },
  };
  mt_avail_interval_t blackouts[] = { { MT_AVAIL_TIME_MIN, MT_AVAIL_TIME_MAX, 0 } };
  mt_avail_calendar_t cal = { MT_AVAIL_UNITS_MAX, MT_AVAIL_BUFFER_HOURS_MAX, entries, 2, NULL, 0 };
  const int64_t buffer = (int64_t) MT_AVAIL_BUFFER_HOURS_MAX * HOUR;
  mt_avail_busy_t busy;
  mt_avail_summary_t sum;

  (void) state;
  assert_true (mt_avail_busy (&cal, MT_AVAIL_TIME_MIN, MT_AVAIL_TIME_MAX, &busy, NULL));
  assert_int_equal (busy.count, 2);
  assert_true (busy.items[0].start_ms == MT_AVAIL_TIME_MIN);
  assert_true (busy.items[0].end_ms == MT_AVAIL_TIME_MIN + 1 + buffer);
  assert_true (busy.items[1].start_ms == MT_AVAIL_TIME_MAX - 1 - buffer);
  assert_true (busy.items[1].end_ms == MT_AVAIL_TIME_MAX);
  assert_int_equal (busy.items[0].units, MT_AVAIL_UNITS_MAX);
  mt_avail_busy_destroy (&busy);
  assert_true (mt_avail_summarise (&cal, MT_AVAIL_TIME_MIN, MT_AVAIL_TIME_MAX, &sum, NULL));
  assert_int_equal (sum.free, 0);
  assert_true (mt_avail_summarise (&cal, H (0), H (1), &sum, NULL));
  assert_int_equal (sum.free, MT_AVAIL_UNITS_MAX);
  cal.blackouts = blackouts;
  cal.blackout_count = 1;
  assert_true (mt_avail_busy (&cal, MT_AVAIL_TIME_MIN, MT_AVAIL_TIME_MAX, &busy, NULL));
  assert_int_equal (busy.count, 1);
  assert_int_equal (busy.items[0].reason, MT_AVAIL_BLACKOUT);
  mt_avail_busy_destroy (&busy);
}

/* The cap itself is accepted: MT_AVAIL_INTERVALS_MAX entries of the most units, all stacked,
 * plus as many blackouts; the sums stay within uint32. */
static void
accepts_the_cap (void **state)
{
  mt_avail_interval_t *entries = calloc (MT_AVAIL_INTERVALS_MAX, sizeof *entries);
  mt_avail_interval_t *blackouts = calloc (MT_AVAIL_INTERVALS_MAX, sizeof *blackouts);
  mt_avail_calendar_t cal = { MT_AVAIL_UNITS_MAX, 0, entries, MT_AVAIL_INTERVALS_MAX, NULL, 0 };
  mt_avail_busy_t busy;
  mt_avail_summary_t sum;

  (void) state;
  assert_non_null (entries);
  assert_non_null (blackouts);
  for (size_t i = 0; i < MT_AVAIL_INTERVALS_MAX; i++) {
    entries[i] = (mt_avail_interval_t){ H (0), H (10), MT_AVAIL_UNITS_MAX };
    blackouts[i] = (mt_avail_interval_t){ H (20 + (int) i), H (21 + (int) i), 0 };
  }
  assert_true (mt_avail_summarise (&cal, H (0), H (10), &sum, NULL));
  assert_int_equal (sum.max_used, (uint32_t) MT_AVAIL_INTERVALS_MAX * MT_AVAIL_UNITS_MAX);
  assert_int_equal (sum.free, 0);
  cal.blackouts = blackouts;
  cal.blackout_count = MT_AVAIL_INTERVALS_MAX;
  assert_true (mt_avail_busy (&cal, H (0), H (20 + MT_AVAIL_INTERVALS_MAX), &busy, NULL));
  /* One reservation segment, then every hourly blackout merged into one. */
  assert_int_equal (busy.count, 2);
  assert_int_equal (busy.items[1].start_ms, H (20));
  assert_int_equal (busy.items[1].end_ms, H (20 + MT_AVAIL_INTERVALS_MAX));
  mt_avail_busy_destroy (&busy);
  free (entries);
  free (blackouts);
}

/* --- Against a brute-force model --------------------------------------------------------- */

static uint64_t rng_state = UINT64_C (0x9E3779B97F4A7C15);

static uint32_t
rng (uint32_t bound)
{
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (uint32_t) (rng_state % bound);
}

/*
 * Random calendars on an hourly grid of 48 hours; the model evaluates every hour h (the
 * state is constant within [h, h + 1) since every instant is a whole hour).
 */
static void
matches_brute_force (void **state)
{
  (void) state;
  for (int round = 0; round < 3000; round++) {
    mt_avail_interval_t entries[6];
    mt_avail_interval_t blackouts[3];
    mt_avail_calendar_t cal = { 1 + rng (4), rng (3), entries, rng (7), blackouts, rng (4) };
    int from = (int) rng (48);
    int to = from + (int) rng (49 - (uint32_t) from);
    uint32_t model_used[48] = { 0 };
    bool model_black[48] = { false };
    uint32_t max_used = 0;
    bool any_black = false;
    mt_avail_busy_t busy;
    mt_avail_summary_t sum;

    for (size_t i = 0; i < cal.entry_count; i++) {
      int s = (int) rng (46);
      int e = s + 1 + (int) rng (6);
      entries[i] = (mt_avail_interval_t){ H (s), H (e), 1 + rng (3) };
      for (int h = s - (int) cal.buffer_hours; h < e + (int) cal.buffer_hours; h++) {
        if (h >= 0 && h < 48) {
          model_used[h] += entries[i].units;
        }
      }
    }
    for (size_t i = 0; i < cal.blackout_count; i++) {
      int s = (int) rng (46);
      int e = s + 1 + (int) rng (4);
      blackouts[i] = (mt_avail_interval_t){ H (s), H (e), 0 };
      for (int h = s; h < e && h < 48; h++) {
        model_black[h] = true;
      }
    }
    for (int h = from; h < to; h++) {
      max_used = model_used[h] > max_used ? model_used[h] : max_used;
      any_black = any_black || model_black[h];
    }
    assert_true (mt_avail_summarise (&cal, H (from), H (to), &sum, NULL));
    assert_int_equal (sum.max_used, max_used);
    assert_int_equal (sum.blackout, any_black);
    assert_int_equal (sum.free,
                      any_black || max_used >= cal.quantity ? 0 : cal.quantity - max_used);

    assert_true (mt_avail_busy (&cal, H (from), H (to), &busy, NULL));
    assert_well_formed (&busy, H (from), H (to));
    for (int h = from; h < to; h++) {
      const mt_avail_segment_t *found = NULL;
      for (size_t i = 0; i < busy.count; i++) {
        if (busy.items[i].start_ms <= H (h) && H (h) < busy.items[i].end_ms) {
          found = &busy.items[i];
        }
      }
      if (model_black[h]) {
        assert_non_null (found);
        assert_int_equal (found->reason, MT_AVAIL_BLACKOUT);
        assert_int_equal (found->units, cal.quantity);
      } else if (model_used[h] > 0) {
        assert_non_null (found);
        assert_int_equal (found->reason, MT_AVAIL_RESERVATION);
        assert_int_equal (found->units, model_used[h]);
      } else {
        assert_null (found);
      }
    }
    mt_avail_busy_destroy (&busy);

    /* The reservation rule: [s, e) for u units fits iff no hour of it is blacked out and
     * every hour has u units left. */
    {
      int s = (int) rng (47);
      int e = s + 1 + (int) rng (48 - (uint32_t) s);
      uint32_t u = 1 + rng (3);
      bool fits = true;
      for (int h = s; h < e; h++) {
        fits = fits && !model_black[h] && model_used[h] + u <= cal.quantity;
      }
      assert_true (mt_avail_summarise (&cal, H (s), H (e), &sum, NULL));
      assert_int_equal (sum.free >= u, fits);
    }
  }
}

/* --- Loading stored documents ------------------------------------------------------------ */

static void
parse (const char *json, bson_t *out)
{
  mt_error_t error = { 0 };
  if (!mt_json_parse_object (json, strlen (json), MT_JSON_TRUSTED, out, &error)) {
    fail_msg ("bad test JSON: %s", error.message);
  }
}

static void
load_reads_listing_and_calendar (void **state)
{
  bson_t listing;
  bson_t calendar = BSON_INITIALIZER;
  bson_t entries;
  bson_t entry;
  mt_avail_owned_calendar_t owned;
  mt_avail_summary_t sum;
  mt_error_t error = { 0 };

  (void) state;
  parse ("{\"kind\":\"good\",\"quantity\":3,\"loan_rules\":{\"max_days\":7,\"buffer_hours\":2},"
         "\"blackouts\":[{\"start\":\"2026-06-01T10:00:00Z\",\"end\":\"2026-06-01T12:00:00Z\","
         "\"reason\":\"révision\"}]}",
         &listing);
  /* Calendar entries as BSON dates (what the store keeps). */
  bson_append_array_begin (&calendar, "entries", -1, &entries);
  for (int i = 0; i < 3; i++) {
    char key[4];
    char rid[16];
    snprintf (key, sizeof key, "%d", i);
    snprintf (rid, sizeof rid, "res_%d", i);
    bson_append_document_begin (&entries, key, -1, &entry);
    BSON_APPEND_UTF8 (&entry, "reservation_id", rid);
    BSON_APPEND_DATE_TIME (&entry, "start", H (20));
    BSON_APPEND_DATE_TIME (&entry, "end", H (22));
    BSON_APPEND_INT32 (&entry, "units", 1);
    bson_append_document_end (&entries, &entry);
  }
  bson_append_array_end (&calendar, &entries);

  assert_true (mt_avail_calendar_load (&listing, &calendar, NULL, &owned, &error));
  assert_int_equal (owned.calendar.quantity, 3);
  assert_int_equal (owned.calendar.buffer_hours, 2);
  assert_int_equal (owned.calendar.entry_count, 3);
  assert_int_equal (owned.calendar.blackout_count, 1);
  assert_true (owned.calendar.blackouts[0].start_ms == H (10));
  assert_true (owned.calendar.blackouts[0].end_ms == H (12));
  /* Widened by 2 hours: [18, 24) is full. */
  assert_true (mt_avail_summarise (&owned.calendar, H (23), H (24), &sum, NULL));
  assert_int_equal (sum.free, 0);
  assert_true (mt_avail_summarise (&owned.calendar, H (24), H (25), &sum, NULL));
  assert_int_equal (sum.free, 3);
  assert_true (mt_avail_summarise (&owned.calendar, H (11), H (13), &sum, NULL));
  assert_true (sum.blackout);
  mt_avail_calendar_release (&owned);

  /* Checking a reservation again leaves itself out. */
  assert_true (mt_avail_calendar_load (&listing, &calendar, "res_1", &owned, &error));
  assert_int_equal (owned.calendar.entry_count, 2);
  assert_true (mt_avail_summarise (&owned.calendar, H (20), H (22), &sum, NULL));
  assert_int_equal (sum.free, 1);
  mt_avail_calendar_release (&owned);
  bson_destroy (&listing);
  bson_destroy (&calendar);
}

static void
load_defaults (void **state)
{
  bson_t listing;
  bson_t calendar;
  mt_avail_owned_calendar_t owned;

  (void) state;
  parse ("{\"kind\":\"good\",\"blackouts\":null}", &listing);
  parse ("{\"listing_id\":\"lst_x\",\"version\":0,\"entries\":[]}", &calendar);
  assert_true (mt_avail_calendar_load (&listing, NULL, NULL, &owned, NULL));
  assert_int_equal (owned.calendar.quantity, 1);
  assert_int_equal (owned.calendar.buffer_hours, 0);
  assert_int_equal (owned.calendar.entry_count, 0);
  assert_int_equal (owned.calendar.blackout_count, 0);
  mt_avail_calendar_release (&owned);
  assert_true (mt_avail_calendar_load (&listing, &calendar, NULL, &owned, NULL));
  assert_int_equal (owned.calendar.entry_count, 0);
  mt_avail_calendar_release (&owned);
  bson_destroy (&listing);
  bson_destroy (&calendar);
}

static void
load_rejects_malformed_documents (void **state)
{
  static const char *const listings[] = {
    "{\"quantity\":-1}",
    "{\"quantity\":100001}",
    "{\"loan_rules\":{\"buffer_hours\":-1}}",
    "{\"loan_rules\":{\"buffer_hours\":8761}}",
    "{\"blackouts\":{\"start\":\"2026-06-01T10:00:00Z\"}}",
    "{\"blackouts\":[\"2026-06-01T10:00:00Z\"]}",
    "{\"blackouts\":[{\"start\":\"2026-06-01T10:00:00Z\"}]}",
    "{\"blackouts\":[{\"start\":\"2026-06-01T10:00:00Z\",\"end\":\"demain\"}]}",
    "{\"blackouts\":[{\"start\":\"2026-06-01T10:00:00Z\",\"end\":\"2026-06-01T10:00:00Z\"}]}",
    "{\"blackouts\":[{\"start\":\"2026-06-01T10:00:00Z\",\"end\":12}]}",
  };
  static const char *const calendars[] = {
    "{\"entries\":{}}",
    "{\"entries\":[{\"start\":\"2026-06-01T10:00:00Z\",\"end\":\"2026-06-01T11:00:00Z\"}]}",
    "{\"entries\":[{\"start\":\"2026-06-01T10:00:00Z\",\"end\":\"2026-06-01T11:00:00Z\","
    "\"units\":0}]}",
    "{\"entries\":[{\"start\":\"2026-06-01T10:00:00Z\",\"end\":\"2026-06-01T11:00:00Z\","
    "\"units\":\"1\"}]}",
    "{\"entries\":[{\"start\":\"2026-06-01T12:00:00Z\",\"end\":\"2026-06-01T11:00:00Z\","
    "\"units\":1}]}",
    "{\"entries\":[{\"end\":\"2026-06-01T11:00:00Z\",\"units\":1}]}",
  };
  mt_avail_owned_calendar_t owned;
  mt_error_t error;
  bson_t doc;
  bson_t good;

  (void) state;
  for (size_t i = 0; i < sizeof listings / sizeof listings[0]; i++) {
    parse (listings[i], &doc);
    mt_error_clear (&error);
    if (mt_avail_calendar_load (&doc, NULL, NULL, &owned, &error)) {
      fail_msg ("accepted listing %s", listings[i]);
    }
    assert_int_equal (error.code, MT_ERR_INTERNAL);
    assert_null (owned.entries);
    assert_null (owned.blackouts);
    bson_destroy (&doc);
  }
  parse ("{\"quantity\":1}", &good);
  for (size_t i = 0; i < sizeof calendars / sizeof calendars[0]; i++) {
    parse (calendars[i], &doc);
    mt_error_clear (&error);
    if (mt_avail_calendar_load (&good, &doc, NULL, &owned, &error)) {
      fail_msg ("accepted calendar %s", calendars[i]);
    }
    assert_int_equal (error.code, MT_ERR_INTERNAL);
    bson_destroy (&doc);
  }
  bson_destroy (&good);
}

static void
load_caps_the_entries (void **state)
{
  bson_t listing;
  bson_t calendar = BSON_INITIALIZER;
  bson_t entries;
  mt_avail_owned_calendar_t owned;
  mt_error_t error = { 0 };

  (void) state;
  parse ("{\"quantity\":2}", &listing);
  bson_append_array_begin (&calendar, "entries", -1, &entries);
  for (int i = 0; i < MT_AVAIL_INTERVALS_MAX + 1; i++) {
    char key[16];
    bson_t entry;
    snprintf (key, sizeof key, "%d", i);
    bson_append_document_begin (&entries, key, -1, &entry);
    BSON_APPEND_DATE_TIME (&entry, "start", H (i));
    BSON_APPEND_DATE_TIME (&entry, "end", H (i + 1));
    BSON_APPEND_INT32 (&entry, "units", 1);
    bson_append_document_end (&entries, &entry);
  }
  bson_append_array_end (&calendar, &entries);
  assert_false (mt_avail_calendar_load (&listing, &calendar, NULL, &owned, &error));
  assert_int_equal (error.code, MT_ERR_INTERNAL);
  /* Entries are counted before any is skipped. */
  assert_false (mt_avail_calendar_load (&listing, &calendar, "res_x", &owned, &error));
  bson_destroy (&listing);
  bson_destroy (&calendar);
}

static void
reason_names (void **state)
{
  (void) state;
  assert_string_equal (mt_avail_reason_name (MT_AVAIL_RESERVATION), "reservation");
  assert_string_equal (mt_avail_reason_name (MT_AVAIL_BLACKOUT), "blackout");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("availability/table", table),
    MT_TEST ("availability/errors/bad_ranges", rejects_bad_ranges),
    MT_TEST ("availability/errors/calendars_out_of_bounds", rejects_calendars_out_of_bounds),
    MT_TEST ("availability/bounds/extreme_instants_do_not_overflow",
             extreme_instants_do_not_overflow),
    MT_TEST ("availability/bounds/accepts_the_cap", accepts_the_cap),
    MT_TEST ("availability/model/matches_brute_force", matches_brute_force),
    MT_TEST ("availability/load/reads_listing_and_calendar", load_reads_listing_and_calendar),
    MT_TEST ("availability/load/defaults", load_defaults),
    MT_TEST ("availability/load/rejects_malformed_documents", load_rejects_malformed_documents),
    MT_TEST ("availability/load/caps_the_entries", load_caps_the_entries),
    MT_TEST ("availability/reason_names", reason_names),
  };
  return cmocka_run_group_tests_name ("availability", tests, NULL, NULL);
}
