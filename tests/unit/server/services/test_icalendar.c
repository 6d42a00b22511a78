/*
 * Unit tests of services/icalendar.c: content lines folded at exactly 75 octets without ever
 * splitting a UTF-8 sequence (é, emoji around the boundary), TEXT escaping, CRLF as the only
 * line end, UTC date-times, the calendar's frame and its bound.
 */
#include "mt_test.h"

#include "icalendar.h"

#include <stdlib.h>
#include <string.h>

/* ---- Helpers ------------------------------------------------------------------------------ */

/* True when @s[0..len) is well-formed UTF-8 (RFC 3629). */
static bool
utf8_valid (const unsigned char *s, size_t len)
{
  size_t i = 0;

  while (i < len) {
    unsigned char c = s[i];
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      i++;
      continue;
    }
    if (c >= 0xc2 && c <= 0xdf) {
      n = 2;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 3;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n > len) {
      return false;
    }
    for (size_t k = 1; k < n; k++) {
      if ((s[i + k] & 0xc0) != 0x80) {
        return false;
      }
      cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += n;
  }
  return true;
}

/*
 * Checks the physical lines of @text: every line ends with CRLF (no bare CR or LF anywhere),
 * none exceeds 75 octets, each is valid UTF-8 by itself. Returns the number of lines; the
 * octet lengths of the first @max go to @lengths (may be NULL).
 */
static size_t
check_lines (const char *text, size_t len, size_t *lengths, size_t max)
{
  size_t lines = 0;
  size_t start = 0;

  for (size_t i = 0; i < len; i++) {
    if (text[i] == '\r') {
      if (i + 1 >= len || text[i + 1] != '\n') {
        fail_msg ("bare CR at %zu", i);
      }
      if (i - start > 75) {
        fail_msg ("line of %zu octets: %.*s", i - start, (int) (i - start), text + start);
      }
      if (!utf8_valid ((const unsigned char *) text + start, i - start)) {
        fail_msg ("line %zu is not UTF-8 by itself", lines);
      }
      if (lengths && lines < max) {
        lengths[lines] = i - start;
      }
      lines++;
      i++;
      start = i + 1;
    } else if (text[i] == '\n') {
      fail_msg ("bare LF at %zu", i);
    }
  }
  if (start != len) {
    fail_msg ("text does not end with CRLF");
  }
  return lines;
}

/* Unfolds @text (RFC 5545 §3.1: remove every CRLF followed by one space or tab) into a
 * malloc'd string. */
static char *
unfold (const char *text)
{
  size_t len = strlen (text);
  char *out = malloc (len + 1);
  size_t o = 0;

  assert_non_null (out);
  for (size_t i = 0; i < len; i++) {
    if (text[i] == '\r' && text[i + 1] == '\n' && (text[i + 2] == ' ' || text[i + 2] == '\t')) {
      i += 2;
      continue;
    }
    out[o++] = text[i];
  }
  out[o] = '\0';
  return out;
}

/* One content line NAME:VALUE through mt_ical_append_line; returns the malloc'd bytes. */
static char *
line_of (const char *name, const char *value)
{
  mt_buf_t buf;
  char *out;

  mt_buf_init (&buf, 1 << 16);
  assert_true (mt_ical_append_line (&buf, name, value));
  out = mt_buf_steal (&buf, NULL);
  mt_buf_destroy (&buf);
  return out;
}

/* A string of @n copies of @c. */
static char *
repeat (char c, size_t n)
{
  char *s = malloc (n + 1);
  assert_non_null (s);
  memset (s, c, n);
  s[n] = '\0';
  return s;
}

static char *
concat3 (const char *a, const char *b, const char *c)
{
  size_t la = strlen (a), lb = strlen (b), lc = strlen (c);
  char *s = malloc (la + lb + lc + 1);
  assert_non_null (s);
  memcpy (s, a, la);
  memcpy (s + la, b, lb);
  memcpy (s + la + lb, c, lc + 1);
  return s;
}

/* Folds "X:" + @value and checks: the first physical line has @first octets, all lines are
 * sound, and unfolding gives back the line. Returns the number of physical lines. */
static size_t
fold_case (const char *value, size_t first)
{
  char *line = line_of ("X", value);
  size_t lengths[64];
  size_t n = check_lines (line, strlen (line), lengths, 64);
  char *flat = unfold (line);
  char *expected = concat3 ("X:", value, "\r\n");

  if (lengths[0] != first) {
    fail_msg ("first line of %zu octets, expected %zu: %s", lengths[0], first, line);
  }
  assert_string_equal (flat, expected);
  free (expected);
  free (flat);
  free (line);
  return n;
}

/* ---- Folding ------------------------------------------------------------------------------ */

static void
a_line_of_exactly_75_octets_is_not_folded (void **state)
{
  char *value = repeat ('a', 73); /* "X:" + 73 = 75 */

  (void) state;
  assert_int_equal (fold_case (value, 75), 1);
  free (value);
}

static void
a_line_of_76_octets_is_folded_after_75 (void **state)
{
  char *value = repeat ('a', 74);
  char *line;

  (void) state;
  assert_int_equal (fold_case (value, 75), 2);
  line = line_of ("X", value);
  /* 75 octets, CRLF, one space, the last 'a', CRLF. */
  assert_int_equal (strlen (line), 75 + 2 + 1 + 1 + 2);
  assert_memory_equal (line + 75, "\r\n a\r\n", 6);
  free (line);
  free (value);
}

static void
continuation_lines_hold_74_octets_after_the_space (void **state)
{
  char *value = repeat ('b', 73 + 74 + 74 + 5);
  char *line = line_of ("X", value);
  size_t lengths[8];

  (void) state;
  assert_int_equal (check_lines (line, strlen (line), lengths, 8), 4);
  assert_int_equal (lengths[0], 75);
  assert_int_equal (lengths[1], 75); /* the space and 74 octets */
  assert_int_equal (lengths[2], 75);
  assert_int_equal (lengths[3], 1 + 5);
  free (line);
  free (value);
}

static void
a_two_octet_e_acute_across_the_boundary_moves_to_the_next_line (void **state)
{
  char *pad = repeat ('a', 72); /* "X:" + 72 = 74 octets; é (C3 A9) would end at 76 */
  char *value = concat3 (pad, "é", "z");
  char *line = line_of ("X", value);

  (void) state;
  fold_case (value, 74);
  assert_memory_equal (line + 74, "\r\n \xc3\xa9z\r\n", 8);
  free (line);
  free (value);
  free (pad);
}

static void
an_e_acute_ending_exactly_at_75_stays (void **state)
{
  char *pad = repeat ('a', 71); /* 73 octets, then é fills 74 and 75 */
  char *value = concat3 (pad, "é", "z");
  char *line = line_of ("X", value);

  (void) state;
  fold_case (value, 75);
  assert_memory_equal (line + 73, "\xc3\xa9\r\n z\r\n", 8);
  free (line);
  free (value);
  free (pad);
}

static void
a_four_octet_emoji_is_never_split (void **state)
{
  /* The emoji (F0 9F 9A B2, a bicycle) starting at every octet from 70 to 76 of the line:
   * it stays whole on the first line when it ends at 75 at the latest, else it opens the
   * second one. */
  for (size_t pad_len = 67; pad_len <= 73; pad_len++) {
    char *pad = repeat ('a', pad_len);
    char *value = concat3 (pad, "\xf0\x9f\x9a\xb2", "fin");
    size_t start = 2 + pad_len; /* octets before the emoji */
    size_t first = start + 4 <= 75 ? 75 : start;

    fold_case (value, first);
    free (value);
    free (pad);
  }
  (void) state;
}

static void
long_french_text_of_multi_byte_characters_folds_soundly (void **state)
{
  mt_buf_t buf;
  char *flat;
  const char *text = "Vélo cargo « Bicloune » : prêt à l'Épicerie solidaire, à côté de la "
                     "Maison des Associations ; clés à récupérer à l'accueil, casques "
                     "fournis. Émoji 🚲🚲🚲🚲🚲🚲🚲🚲🚲🚲🚲🚲🚲🚲🚲🚲🚲🚲🚲🚲 — déjà réservé, "
                     "ça roule ! Œuvre commune, naïveté, façade, Noël, où, ÿ.";

  (void) state;
  for (size_t shift = 0; shift < 8; shift++) {
    char name[16];
    mt_buf_init (&buf, 1 << 16);
    /* Move the text along the line so that every character meets the boundary once. */
    snprintf (name, sizeof name, "X%.*s", (int) shift, "ABCDEFGH");
    assert_true (mt_ical_append_line (&buf, name, text));
    check_lines (buf.data, buf.len, NULL, 0);
    flat = unfold (buf.data);
    assert_memory_equal (flat + strlen (name) + 1, text, strlen (text));
    free (flat);
    mt_buf_destroy (&buf);
  }
}

/* ---- Escaping ----------------------------------------------------------------------------- */

static void
escape (const char *text, const char *expected)
{
  mt_buf_t buf;

  mt_buf_init (&buf, 4096);
  assert_true (mt_ical_escape_text (&buf, text));
  assert_string_equal (mt_buf_cstr (&buf), expected);
  mt_buf_destroy (&buf);
}

static void
text_escapes_backslash_semicolon_comma_and_line_breaks (void **state)
{
  (void) state;
  escape ("a\\b", "a\\\\b");
  escape ("un; deux, trois", "un\\; deux\\, trois");
  escape ("ligne 1\nligne 2", "ligne 1\\nligne 2");
  escape ("ligne 1\r\nligne 2", "ligne 1\\nligne 2");
  escape ("ligne 1\rligne 2", "ligne 1\\nligne 2");
  escape ("\n\n", "\\n\\n");
  escape ("deux-points: et \"guillemets\"", "deux-points: et \"guillemets\"");
  escape ("tab\there", "tab\there");
  escape ("Réservé / Booked", "Réservé / Booked");
  escape ("", "");
}

static void
text_drops_control_characters_and_invalid_utf8 (void **state)
{
  (void) state;
  escape ("a\x01"
          "b\x7f"
          "c\x1b"
          "d",
          "abcd");
  escape ("bad \xc3 byte", "bad  byte");
  escape ("overlong \xc0\xaf slash", "overlong  slash");
  escape ("surrogate \xed\xa0\x80 here", "surrogate  here");
  escape ("stray \x80 continuation", "stray  continuation");
  escape ("cut \xf0\x9f\x9a", "cut ");
  escape ("ok \xf0\x9f\x9a\xb2", "ok \xf0\x9f\x9a\xb2");
}

/* ---- Times -------------------------------------------------------------------------------- */

static void
utc (int64_t ms, const char *expected)
{
  char out[MT_ICAL_UTC_SIZE];

  assert_true (mt_ical_format_utc (ms, out));
  assert_string_equal (out, expected);
}

static void
times_are_utc_basic_format (void **state)
{
  char out[MT_ICAL_UTC_SIZE];

  (void) state;
  utc (0, "19700101T000000Z");
  utc (INT64_C (1781254800000), "20260612T090000Z");
  utc (INT64_C (1781254800999), "20260612T090000Z"); /* milliseconds dropped */
  utc (INT64_C (951782400000), "20000229T000000Z");  /* leap day */
  utc (INT64_C (1767225599000), "20251231T235959Z");
  utc (-1, "19691231T235959Z"); /* towards the past */
  utc (MT_ICAL_TIME_MIN, "00000101T000000Z");
  utc (MT_ICAL_TIME_MAX, "99991231T235959Z");
  assert_false (mt_ical_format_utc (MT_ICAL_TIME_MAX + 1, out));
  assert_string_equal (out, "");
  assert_false (mt_ical_format_utc (MT_ICAL_TIME_MIN - 1, out));
}

/* ---- Calendars ---------------------------------------------------------------------------- */

static void
a_calendar_has_its_frame_events_and_crlf_only (void **state)
{
  mt_ical_t cal;
  char *out;
  size_t len;
  char *flat;
  mt_error_t error = { 0 };
  const mt_ical_event_t event = {
    .uid = "abc@mutua",
    .start_ms = INT64_C (1781254800000),
    .end_ms = INT64_C (1781341200000),
    .summary = "Réservé / Booked",
    .description = "Une description, avec; des séparateurs\net deux lignes",
    .location = "Lille",
    .status = "CONFIRMED",
  };

  (void) state;
  assert_true (mt_ical_begin (&cal, 1 << 16, "Vélo cargo, Lille", INT64_C (1781254800000)));
  assert_true (mt_ical_add_event (&cal, &event, &error));
  assert_true (mt_ical_finish (&cal, &out, &len, &error));
  mt_ical_destroy (&cal);
  assert_int_equal (strlen (out), len);
  check_lines (out, len, NULL, 0);
  flat = unfold (out);
  assert_string_equal (flat, "BEGIN:VCALENDAR\r\n"
                             "VERSION:2.0\r\n"
                             "PRODID:-//mutua//mutua//FR\r\n"
                             "CALSCALE:GREGORIAN\r\n"
                             "METHOD:PUBLISH\r\n"
                             "X-WR-CALNAME:Vélo cargo\\, Lille\r\n"
                             "REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n"
                             "X-PUBLISHED-TTL:PT1H\r\n"
                             "BEGIN:VEVENT\r\n"
                             "UID:abc@mutua\r\n"
                             "DTSTAMP:20260612T090000Z\r\n"
                             "DTSTART:20260612T090000Z\r\n"
                             "DTEND:20260613T090000Z\r\n"
                             "SUMMARY:Réservé / Booked\r\n"
                             "DESCRIPTION:Une description\\, avec\\; des séparateurs\\net deux "
                             "lignes\r\n"
                             "LOCATION:Lille\r\n"
                             "STATUS:CONFIRMED\r\n"
                             "TRANSP:OPAQUE\r\n"
                             "END:VEVENT\r\n"
                             "END:VCALENDAR\r\n");
  free (flat);
  free (out);
}

static void
invalid_events_are_refused_and_leave_nothing (void **state)
{
  mt_ical_t cal;
  mt_error_t error = { 0 };
  mt_ical_event_t event = { .uid = "u@mutua", .start_ms = 1000, .end_ms = 1000, .summary = "s" };
  size_t before;

  (void) state;
  assert_true (mt_ical_begin (&cal, 1 << 16, "x", 0));
  before = cal.buf.len;
  assert_false (mt_ical_add_event (&cal, &event, &error)); /* end == start */
  assert_int_equal (error.code, MT_ERR_INTERNAL);
  event.end_ms = 2000;
  event.uid = NULL;
  assert_false (mt_ical_add_event (&cal, &event, &error));
  event.uid = "u@mutua";
  event.summary = NULL;
  assert_false (mt_ical_add_event (&cal, &event, &error));
  event.summary = "s";
  event.end_ms = MT_ICAL_TIME_MAX + 1;
  assert_false (mt_ical_add_event (&cal, &event, &error));
  assert_int_equal (cal.buf.len, before);
  mt_ical_destroy (&cal);
}

static void
the_output_is_bounded (void **state)
{
  mt_ical_t cal;
  mt_error_t error = { 0 };
  char sentinel = 'x';
  char *out = &sentinel;
  size_t len = 99;
  const mt_ical_event_t event = {
    .uid = "u@mutua", .start_ms = 0, .end_ms = 3600000, .summary = "Réservé / Booked"
  };
  int added = 0;

  (void) state;
  assert_true (mt_ical_begin (&cal, 1024, "x", 0));
  while (mt_ical_add_event (&cal, &event, &error)) {
    added++;
    assert_true (added < 100);
  }
  assert_int_equal (error.code, MT_ERR_TOO_LARGE);
  assert_true (added > 0);
  assert_true (cal.buf.len <= 1024);
  assert_false (mt_ical_finish (&cal, &out, &len, &error));
  assert_int_equal (error.code, MT_ERR_TOO_LARGE);
  assert_null (out);
  assert_int_equal (len, 0);
  mt_ical_destroy (&cal);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("icalendar/fold/exactly_75_not_folded", a_line_of_exactly_75_octets_is_not_folded),
    MT_TEST ("icalendar/fold/76_folded_after_75", a_line_of_76_octets_is_folded_after_75),
    MT_TEST ("icalendar/fold/continuation_lines",
             continuation_lines_hold_74_octets_after_the_space),
    MT_TEST ("icalendar/fold/e_acute_across_boundary",
             a_two_octet_e_acute_across_the_boundary_moves_to_the_next_line),
    MT_TEST ("icalendar/fold/e_acute_ending_at_75", an_e_acute_ending_exactly_at_75_stays),
    MT_TEST ("icalendar/fold/emoji_never_split", a_four_octet_emoji_is_never_split),
    MT_TEST ("icalendar/fold/long_french_text",
             long_french_text_of_multi_byte_characters_folds_soundly),
    MT_TEST ("icalendar/escape/specials", text_escapes_backslash_semicolon_comma_and_line_breaks),
    MT_TEST ("icalendar/escape/controls_and_invalid_utf8",
             text_drops_control_characters_and_invalid_utf8),
    MT_TEST ("icalendar/time/utc", times_are_utc_basic_format),
    MT_TEST ("icalendar/calendar/frame", a_calendar_has_its_frame_events_and_crlf_only),
    MT_TEST ("icalendar/calendar/invalid_events", invalid_events_are_refused_and_leave_nothing),
    MT_TEST ("icalendar/calendar/bounded", the_output_is_bounded),
  };
  return cmocka_run_group_tests_name ("server/services/icalendar", tests, NULL, NULL);
}
