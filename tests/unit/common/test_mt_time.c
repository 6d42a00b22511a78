/* Unit tests of common/mt_time.c: RFC 3339 parsing and formatting. */
#include "mt_test.h"

#include "mt_time.h"

#include <string.h>

static int64_t
parse (const char *text)
{
  int64_t ms = -1;
  if (!mt_time_parse_rfc3339 (text, strlen (text), &ms)) {
    fail_msg ("refused: %s", text);
  }
  return ms;
}

static void
refuses (const char *text)
{
  int64_t ms;
  if (mt_time_parse_rfc3339 (text, strlen (text), &ms)) {
    fail_msg ("accepted: %s", text);
  }
}

static void
parses_utc_offsets_and_fractions (void **state)
{
  assert_true (parse ("1970-01-01T00:00:00Z") == 0);
  assert_true (parse ("2026-06-12T10:00:00Z") == 1781258400000LL);
  assert_true (parse ("2026-06-12T12:00:00+02:00") == 1781258400000LL);
  assert_true (parse ("2026-06-12T08:30:00-01:30") == 1781258400000LL);
  assert_true (parse ("2026-06-12t10:00:00z") == 1781258400000LL);
  assert_true (parse ("2026-06-12T10:00:00.5Z") == 1781258400500LL);
  assert_true (parse ("2026-06-12T10:00:00.123456789Z") == 1781258400123LL);
  assert_true (parse ("1969-12-31T23:59:59Z") == -1000);
  assert_true (parse ("2024-02-29T00:00:00Z") == 1709164800000LL);
}

static void
refuses_impossible_dates (void **state)
{
  refuses ("2026-02-29T00:00:00Z"); /* not a leap year */
  refuses ("2100-02-29T00:00:00Z"); /* century rule */
  refuses ("2026-04-31T00:00:00Z");
  refuses ("2026-13-01T00:00:00Z");
  refuses ("2026-00-01T00:00:00Z");
  refuses ("2026-01-01T24:00:00Z");
  refuses ("2026-01-01T23:60:00Z");
  refuses ("2026-12-31T23:59:60Z"); /* leap seconds are not instants of mutua */
  refuses ("2026-01-01T00:00:00");  /* no offset */
  refuses ("2026-01-01 00:00:00Z");
  refuses ("2026-01-01T00:00:00.Z");
  refuses ("2026-01-01T00:00:00+2:00");
  refuses ("2026-01-01T00:00:00+24:00");
  refuses ("2026-1-01T00:00:00Z");
  refuses ("2026-01-01T00:00:00Zjunk");
  refuses ("");
}

static void
format_validator_accepts_leap_seconds_only_at_the_end_of_a_utc_day (void **state)
{
  const char *ok = "1998-12-31T23:59:60Z";
  const char *ok_offset = "1998-12-31T15:59:60.123-08:00";
  const char *bad = "1998-12-31T22:59:60Z";

  assert_true (mt_time_is_rfc3339 (ok, strlen (ok)));
  assert_true (mt_time_is_rfc3339 (ok_offset, strlen (ok_offset)));
  assert_false (mt_time_is_rfc3339 (bad, strlen (bad)));
}

static void
formats_round_trip (void **state)
{
  char out[MT_TIME_RFC3339_MAX];
  const int64_t samples[] = { 0,     1781258400000LL, 1781258400123LL,
                              -1000, 951782400000LL,  253402300799000LL };

  mt_time_format_rfc3339 (1781258400000LL, out);
  assert_string_equal (out, "2026-06-12T10:00:00Z");
  mt_time_format_rfc3339 (1781258400007LL, out);
  assert_string_equal (out, "2026-06-12T10:00:00.007Z");
  mt_time_format_rfc3339 (-1, out);
  assert_string_equal (out, "1969-12-31T23:59:59.999Z");
  assert_int_equal (mt_time_format_rfc3339 (253402300799999LL, out), 24);
  assert_string_equal (out, "9999-12-31T23:59:59.999Z");
  /* Beyond four digits of year: still written whole. */
  assert_int_equal (mt_time_format_rfc3339 (253402300800000LL, out), 21);
  assert_string_equal (out, "10000-01-01T00:00:00Z");
  mt_time_format_rfc3339 (-62167219200000LL, out);
  assert_string_equal (out, "0000-01-01T00:00:00Z");
  /* The extremes of an int64 of milliseconds still fit, whole (INT64_MIN itself is not a
   * date: the floor division of seconds would overflow). */
  {
    size_t n = mt_time_format_rfc3339 (INT64_MAX, out);
    assert_int_equal (n, strlen (out));
    assert_true (n < MT_TIME_RFC3339_MAX);
    n = mt_time_format_rfc3339 (INT64_MIN + 1000, out);
    assert_int_equal (n, strlen (out));
    assert_true (out[0] == '-');
  }
  for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
    mt_time_format_rfc3339 (samples[i], out);
    assert_true (parse (out) == samples[i]);
  }
}

static void
clocks_move_forward (void **state)
{
  int64_t a = mt_time_monotonic_us ();
  int64_t b = mt_time_monotonic_us ();
  assert_true (b >= a);
  assert_true (mt_time_now_ms () > 1700000000000LL);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("time/parse/utc_offsets_and_fractions", parses_utc_offsets_and_fractions),
    MT_TEST ("time/parse/refuses_impossible_dates", refuses_impossible_dates),
    MT_TEST ("time/format_validator/leap_seconds",
             format_validator_accepts_leap_seconds_only_at_the_end_of_a_utc_day),
    MT_TEST ("time/format/round_trip", formats_round_trip),
    MT_TEST ("time/clocks/move_forward", clocks_move_forward),
  };
  return cmocka_run_group_tests_name ("common/mt_time", tests, NULL, NULL);
}
