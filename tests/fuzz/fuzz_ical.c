/*
 * fuzz_ical: the iCalendar writer (icalendar.c) round trip. Events are built from fuzzed texts
 * and times, written, and the output read back by a small parser here:
 *   - every line ends with CRLF and no CR or LF appears otherwise;
 *   - no physical line exceeds 75 octets, and each one is valid UTF-8 by itself;
 *   - unfolding, then unescaping the TEXT values, gives back exactly the texts given, as the
 *     writer's contract normalises them (line breaks to LF, control characters and invalid
 *     UTF-8 left out);
 *   - DTSTART, DTEND and DTSTAMP read back to the instants given, to the second;
 *   - a refused event writes nothing; a calendar over its maximum is refused with
 *     MT_ERR_TOO_LARGE and gives no bytes.
 *
 * Input: byte 0 flags (bit 0: small maximum), 8 bytes DTSTAMP, then the calendar name and,
 * for each event: 8 bytes start, 4 bytes duration, 1 byte options, then uid, summary,
 * description and location, each ending at a NUL byte (or the end of the input).
 */
#include "icalendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define FZ_MAX_EVENTS 8

typedef struct {
  const uint8_t *p;
  size_t left;
} fz_reader_t;

static uint64_t
fz_take_u64 (fz_reader_t *r, size_t n)
{
  uint64_t v = 0;
  for (size_t i = 0; i < n && r->left; i++) {
    v = v << 8 | *r->p++;
    r->left--;
  }
  return v;
}

/* A NUL-terminated copy of the bytes up to the next NUL (malloc'd). */
static char *
fz_take_text (fz_reader_t *r)
{
  const uint8_t *nul = memchr (r->p, 0, r->left);
  size_t len = nul ? (size_t) (nul - r->p) : r->left;
  char *s = malloc (len + 1);

  if (!s) {
    abort ();
  }
  memcpy (s, r->p, len);
  s[len] = '\0';
  r->p += len + (nul ? 1 : 0);
  r->left -= len + (nul ? 1 : 0);
  return s;
}

/* An instant: within the writer's range when @in_range, else any value. */
static int64_t
fz_instant (uint64_t raw, bool in_range)
{
  uint64_t span = (uint64_t) (MT_ICAL_TIME_MAX - MT_ICAL_TIME_MIN) + 1;
  return in_range ? MT_ICAL_TIME_MIN + (int64_t) (raw % span) : (int64_t) raw;
}

/* Length of the UTF-8 sequence at @s (RFC 3629), 0 when not one. Written apart from the
 * writer's own, on purpose. */
static size_t
fz_utf8_len (const unsigned char *s, size_t avail)
{
  uint32_t cp;
  size_t len;

  if (s[0] < 0x80) {
    return 1;
  }
  if ((s[0] & 0xe0) == 0xc0) {
    len = 2;
    cp = s[0] & 0x1f;
  } else if ((s[0] & 0xf0) == 0xe0) {
    len = 3;
    cp = s[0] & 0x0f;
  } else if ((s[0] & 0xf8) == 0xf0) {
    len = 4;
    cp = s[0] & 0x07;
  } else {
    return 0;
  }
  if (avail < len) {
    return 0;
  }
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80) {
      return 0;
    }
    cp = cp << 6 | (s[i] & 0x3f);
  }
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
      cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
    return 0;
  }
  return len;
}

/* What the writer promises to keep of @text: line breaks as LF, no other control character
 * but tab, no invalid UTF-8. */
static char *
fz_expected (const char *text)
{
  const unsigned char *s = (const unsigned char *) text;
  size_t len = strlen (text);
  char *out = malloc (len + 1);
  size_t o = 0;

  if (!out) {
    abort ();
  }
  for (size_t i = 0; i < len;) {
    size_t n;
    if (s[i] == '\r' || s[i] == '\n') {
      out[o++] = '\n';
      i += s[i] == '\r' && i + 1 < len && s[i + 1] == '\n' ? 2 : 1;
    } else if (s[i] < 0x20 && s[i] != '\t') {
      i++;
    } else if (s[i] == 0x7f) {
      i++;
    } else if ((n = fz_utf8_len (s + i, len - i)) > 0) {
      memcpy (out + o, s + i, n);
      o += n;
      i += n;
    } else {
      i++;
    }
  }
  out[o] = '\0';
  return out;
}

/* Unescapes a TEXT value in place; false on an escape the writer never makes. */
static bool
fz_unescape (char *value)
{
  char *in = value;
  char *out = value;

  while (*in) {
    if (*in == '\\') {
      char c = in[1];
      if (c == '\\' || c == ';' || c == ',') {
        *out++ = c;
      } else if (c == 'n' || c == 'N') {
        *out++ = '\n';
      } else {
        return false;
      }
      in += 2;
    } else {
      *out++ = *in++;
    }
  }
  *out = '\0';
  return true;
}

/* Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil). */
static int64_t
fz_days_from_civil (int64_t y, int64_t m, int64_t d)
{
  int64_t era;
  int64_t yoe;
  int64_t doy;
  int64_t doe;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/* "YYYYMMDDTHHMMSSZ" must be the second that holds @ms. */
static void
fz_check_time (const char *value, int64_t ms)
{
  int y, mo, d, h, mi, s;
  char z;
  int64_t got;
  int64_t want = ms - ((ms % 1000) + 1000) % 1000;

  if (strlen (value) != 16 ||
      sscanf (value, "%4d%2d%2dT%2d%2d%2d%c", &y, &mo, &d, &h, &mi, &s, &z) != 7 || z != 'Z' ||
      mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) {
    abort ();
  }
  got = (fz_days_from_civil (y, mo, d) * 86400 + h * 3600 + mi * 60 + s) * 1000;
  if (got != want) {
    abort ();
  }
}

typedef struct {
  char *uid, *summary, *description, *location;
  const char *status;
  int64_t start_ms, end_ms;
} fz_event_t;

/* Splits @ics into physical lines, checks them, and returns the unfolded logical lines as
 * one malloc'd buffer of NUL-separated strings (count in *@count). */
static char *
fz_unfold (const char *ics, size_t len, size_t *count)
{
  char *out = malloc (len + 1);
  size_t o = 0;
  size_t i = 0;

  if (!out) {
    abort ();
  }
  *count = 0;
  while (i < len) {
    const char *line = ics + i;
    const char *cr = memchr (line, '\r', len - i);
    size_t n;
    if (!cr || (size_t) (cr - ics) + 1 >= len || cr[1] != '\n') {
      abort (); /* every line ends with CRLF */
    }
    n = (size_t) (cr - line);
    if (memchr (line, '\n', n) || n > MT_ICAL_LINE_MAX) {
      abort ();
    }
    for (size_t k = 0; k < n;) {
      size_t u = fz_utf8_len ((const unsigned char *) line + k, n - k);
      if (u == 0) {
        abort (); /* a physical line is valid UTF-8 by itself */
      }
      k += u;
    }
    if (line[0] == ' ') {
      if (o == 0) {
        abort (); /* a continuation needs a line before it */
      }
      o--; /* over the previous separator */
      memcpy (out + o, line + 1, n - 1);
      o += n - 1;
    } else {
      if (n == 0) {
        abort ();
      }
      memcpy (out + o, line, n);
      o += n;
      (*count)++;
    }
    out[o++] = '\0';
    i += n + 2;
  }
  return out;
}

static void
fz_check_text (const char *value, const char *given)
{
  char *copy = strdup (value);
  char *want = fz_expected (given);

  if (!copy || !fz_unescape (copy) || strcmp (copy, want) != 0) {
    abort ();
  }
  free (copy);
  free (want);
}

/* Reads the calendar back and compares it with what was given. */
static void
fz_check_calendar (const char *ics, size_t len, const char *name, int64_t dtstamp_ms,
                   const fz_event_t *events, size_t event_count)
{
  size_t count;
  char *lines = fz_unfold (ics, len, &count);
  const char *line = lines;
  size_t ev = 0;
  bool in_event = false;
  unsigned seen = 0;

  if (strlen (ics) != len) {
    abort ();
  }
  for (size_t i = 0; i < count; i++, line += strlen (line) + 1) {
    const char *colon = strchr (line, ':');
    char prop[64];
    const char *value;
    if (!colon || (size_t) (colon - line) >= sizeof prop) {
      abort ();
    }
    snprintf (prop, sizeof prop, "%.*s", (int) (colon - line), line);
    value = colon + 1;
    if (i == 0 && strcmp (line, "BEGIN:VCALENDAR") != 0) {
      abort ();
    }
    if (i == count - 1 && strcmp (line, "END:VCALENDAR") != 0) {
      abort ();
    }
    if (strcmp (prop, "X-WR-CALNAME") == 0) {
      fz_check_text (value, name);
      seen |= 1;
    } else if (strcmp (line, "BEGIN:VEVENT") == 0) {
      if (in_event || ev == event_count) {
        abort ();
      }
      in_event = true;
      seen &= 1;
    } else if (strcmp (line, "END:VEVENT") == 0) {
      const fz_event_t *e = &events[ev];
      unsigned want = 2 | 4 | 8 | 16 | 32 | (e->description ? 64 : 0) | (e->location ? 128 : 0) |
                      (e->status ? 256 : 0);
      if (!in_event || (seen & ~1u) != want) {
        abort ();
      }
      in_event = false;
      ev++;
    } else if (in_event) {
      const fz_event_t *e = &events[ev];
      if (strcmp (prop, "UID") == 0) {
        fz_check_text (value, e->uid);
        seen |= 2;
      } else if (strcmp (prop, "DTSTAMP") == 0) {
        fz_check_time (value, dtstamp_ms);
        seen |= 4;
      } else if (strcmp (prop, "DTSTART") == 0) {
        fz_check_time (value, e->start_ms);
        seen |= 8;
      } else if (strcmp (prop, "DTEND") == 0) {
        fz_check_time (value, e->end_ms);
        seen |= 16;
      } else if (strcmp (prop, "SUMMARY") == 0) {
        fz_check_text (value, e->summary);
        seen |= 32;
      } else if (strcmp (prop, "DESCRIPTION") == 0 && e->description) {
        fz_check_text (value, e->description);
        seen |= 64;
      } else if (strcmp (prop, "LOCATION") == 0 && e->location) {
        fz_check_text (value, e->location);
        seen |= 128;
      } else if (strcmp (prop, "STATUS") == 0 && e->status) {
        if (strcmp (value, e->status) != 0) {
          abort ();
        }
        seen |= 256;
      } else if (strcmp (line, "TRANSP:OPAQUE") != 0) {
        abort ();
      }
    }
  }
  if (ev != event_count || in_event || !(seen & 1)) {
    abort ();
  }
  free (lines);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const char *const statuses[] = { NULL, "TENTATIVE", "CONFIRMED", "CANCELLED" };
  fz_reader_t r = { data, size };
  fz_event_t events[FZ_MAX_EVENTS];
  size_t written = 0;
  uint8_t flags = (uint8_t) fz_take_u64 (&r, 1);
  int64_t dtstamp_ms = fz_instant (fz_take_u64 (&r, 8), !(flags & 2));
  char *name = fz_take_text (&r);
  size_t max_bytes = flags & 1 ? 256 + (size_t) (flags >> 2) * 16 : (size_t) 1 << 20;
  bool failed = false;
  mt_ical_t cal;
  mt_error_t error;
  char *ics = NULL;
  size_t len = 0;
  size_t n = 0;

  mt_ical_begin (&cal, max_bytes, name, dtstamp_ms);
  for (; n < FZ_MAX_EVENTS && r.left > 0; n++) {
    fz_event_t *e = &events[n];
    uint64_t start = fz_take_u64 (&r, 8);
    uint32_t duration = (uint32_t) fz_take_u64 (&r, 4);
    uint8_t options = (uint8_t) fz_take_u64 (&r, 1);
    bool valid;
    mt_ical_event_t event;
    size_t before = cal.buf.len;

    e->start_ms = fz_instant (start, !(options & 1));
    /* Wrapping arithmetic: a raw start near the int64 limits must not overflow here. */
    e->end_ms = (int64_t) (options & 2 ? (uint64_t) e->start_ms - duration
                                       : (uint64_t) e->start_ms + duration);
    e->uid = fz_take_text (&r);
    e->summary = fz_take_text (&r);
    e->description = fz_take_text (&r);
    e->location = fz_take_text (&r);
    e->status = statuses[(options >> 2) & 3];
    if (!(options & 16)) {
      free (e->description);
      e->description = NULL;
    }
    if (!(options & 32)) {
      free (e->location);
      e->location = NULL;
    }
    event = (mt_ical_event_t){
      .uid = e->uid,
      .start_ms = e->start_ms,
      .end_ms = e->end_ms,
      .summary = e->summary,
      .description = e->description,
      .location = e->location,
      .status = e->status,
    };
    valid = e->uid[0] && e->end_ms > e->start_ms && e->start_ms >= MT_ICAL_TIME_MIN &&
            e->end_ms <= MT_ICAL_TIME_MAX && dtstamp_ms >= MT_ICAL_TIME_MIN &&
            dtstamp_ms <= MT_ICAL_TIME_MAX;
    if (mt_ical_add_event (&cal, &event, &error)) {
      if (!valid || failed) {
        abort ();
      }
      events[written++] = *e;
    } else {
      if (valid && error.code != MT_ERR_TOO_LARGE) {
        abort ();
      }
      if (!valid && (error.code != MT_ERR_INTERNAL || cal.buf.len != before)) {
        abort (); /* a refused event writes nothing */
      }
      failed |= error.code == MT_ERR_TOO_LARGE;
      free (e->uid);
      free (e->summary);
      free (e->description);
      free (e->location);
    }
  }
  if (mt_ical_finish (&cal, &ics, &len, &error)) {
    if (failed || len > max_bytes) {
      abort ();
    }
    fz_check_calendar (ics, len, name, dtstamp_ms, events, written);
  } else if (error.code != MT_ERR_TOO_LARGE || ics) {
    abort ();
  }
  free (ics);
  mt_ical_destroy (&cal);
  for (size_t i = 0; i < written; i++) {
    free (events[i].uid);
    free (events[i].summary);
    free (events[i].description);
    free (events[i].location);
  }
  free (name);
  return 0;
}
