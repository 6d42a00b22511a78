/* icalendar: an RFC 5545 writer (see icalendar.h). */
#include "icalendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MT_ICAL_DAY_MS INT64_C (86400000)

/*
 * Length of the well-formed UTF-8 sequence at @s (@avail bytes readable), or 0 when the bytes
 * there are not one (stray continuation byte, truncated sequence, overlong form, surrogate,
 * beyond U+10FFFF): RFC 3629's table.
 */
static size_t
mt_ical_utf8_len (const unsigned char *s, size_t avail)
{
  unsigned char c = s[0];
  size_t len;
  unsigned char lo = 0x80;
  unsigned char hi = 0xbf;

  if (c < 0x80) {
    return 1;
  }
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
    lo = c == 0xe0 ? 0xa0 : 0x80;
    hi = c == 0xed ? 0x9f : 0xbf;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
    lo = c == 0xf0 ? 0x90 : 0x80;
    hi = c == 0xf4 ? 0x8f : 0xbf;
  } else {
    return 0;
  }
  if (avail < len || s[1] < lo || s[1] > hi) {
    return 0;
  }
  for (size_t i = 2; i < len; i++) {
    if (s[i] < 0x80 || s[i] > 0xbf) {
      return 0;
    }
  }
  return len;
}

/* Civil date of a count of days since 1970-01-01 (H. Hinnant's algorithm). */
static void
mt_ical_civil_from_days (int64_t days, int64_t *year, unsigned *month, unsigned *day)
{
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  unsigned d = (unsigned) (doy - (153 * mp + 2) / 5 + 1);
  unsigned m = (unsigned) (mp < 10 ? mp + 3 : mp - 9);

  *year = yoe + era * 400 + (m <= 2 ? 1 : 0);
  *month = m;
  *day = d;
}

bool
mt_ical_format_utc (int64_t ms, char out[MT_ICAL_UTC_SIZE])
{
  int64_t days;
  int64_t rest;
  int64_t year;
  unsigned month;
  unsigned day;
  char text[64];

  out[0] = '\0';
  if (ms < MT_ICAL_TIME_MIN || ms > MT_ICAL_TIME_MAX) {
    return false;
  }
  days = ms / MT_ICAL_DAY_MS;
  rest = ms % MT_ICAL_DAY_MS;
  if (rest < 0) {
    rest += MT_ICAL_DAY_MS;
    days--;
  }
  rest /= 1000; /* seconds of the day */
  mt_ical_civil_from_days (days, &year, &month, &day);
  /* The range check above keeps every field to its width: 16 characters exactly. */
  snprintf (text, sizeof text, "%04d%02u%02uT%02d%02d%02dZ", (int) year, month, day,
            (int) (rest / 3600), (int) (rest / 60 % 60), (int) (rest % 60));
  memcpy (out, text, MT_ICAL_UTC_SIZE - 1);
  out[MT_ICAL_UTC_SIZE - 1] = '\0';
  return true;
}

bool
mt_ical_escape_text (mt_buf_t *buf, const char *text)
{
  const unsigned char *s = (const unsigned char *) text;
  size_t len = strlen (text);
  size_t i = 0;

  while (i < len) {
    unsigned char c = s[i];
    size_t n;

    if (c == '\\' || c == ';' || c == ',') {
      mt_buf_append_char (buf, '\\');
      mt_buf_append_char (buf, (char) c);
      i++;
    } else if (c == '\r' || c == '\n') {
      /* CRLF, LF and a lone CR are each one line break. */
      mt_buf_append (buf, "\\n", 2);
      i += c == '\r' && i + 1 < len && s[i + 1] == '\n' ? 2 : 1;
    } else if (c == '\t' || (c >= 0x20 && c < 0x7f)) {
      mt_buf_append_char (buf, (char) c);
      i++;
    } else if (c < 0x80) {
      i++; /* a control character: TEXT cannot hold it */
    } else if ((n = mt_ical_utf8_len (s + i, len - i)) > 0) {
      mt_buf_append (buf, s + i, n);
      i += n;
    } else {
      i++; /* not UTF-8 */
    }
  }
  return !buf->failed;
}

/* Appends @len bytes of one content line at column *@col, folding before any character that
 * would pass MT_ICAL_LINE_MAX octets. */
static void
mt_ical_fold (mt_buf_t *buf, const char *data, size_t len, size_t *col)
{
  const unsigned char *s = (const unsigned char *) data;
  size_t i = 0;

  while (i < len) {
    size_t n = mt_ical_utf8_len (s + i, len - i);
    if (n == 0) {
      n = 1; /* keep a stray byte whole rather than lose the line's shape */
    }
    if (*col + n > MT_ICAL_LINE_MAX) {
      mt_buf_append (buf, "\r\n ", 3);
      *col = 1;
    }
    mt_buf_append (buf, s + i, n);
    *col += n;
    i += n;
  }
}

bool
mt_ical_append_line (mt_buf_t *buf, const char *name, const char *value)
{
  size_t col = 0;

  mt_ical_fold (buf, name, strlen (name), &col);
  mt_ical_fold (buf, ":", 1, &col);
  mt_ical_fold (buf, value, strlen (value), &col);
  mt_buf_append (buf, "\r\n", 2);
  return !buf->failed;
}

/* A TEXT property: @text escaped, then folded. */
static bool
mt_ical_append_text (mt_buf_t *buf, const char *name, const char *text)
{
  mt_buf_t value;
  bool ok;

  /* An escaped value is at most twice its text; the calendar's own bound applies after. */
  mt_buf_init (&value, 2 * strlen (text) + 1);
  ok = mt_ical_escape_text (&value, text) && mt_ical_append_line (buf, name, mt_buf_cstr (&value));
  if (value.failed) {
    buf->failed = true;
  }
  mt_buf_destroy (&value);
  return ok;
}

bool
mt_ical_begin (mt_ical_t *cal, size_t max_bytes, const char *name, int64_t dtstamp_ms)
{
  mt_buf_init (&cal->buf, max_bytes);
  cal->dtstamp_ms = dtstamp_ms;
  cal->in_calendar = true;
  mt_ical_append_line (&cal->buf, "BEGIN", "VCALENDAR");
  mt_ical_append_line (&cal->buf, "VERSION", "2.0");
  mt_ical_append_line (&cal->buf, "PRODID", MT_ICAL_PRODID);
  mt_ical_append_line (&cal->buf, "CALSCALE", "GREGORIAN");
  mt_ical_append_line (&cal->buf, "METHOD", "PUBLISH");
  mt_ical_append_text (&cal->buf, "X-WR-CALNAME", name ? name : "mutua");
  /* How often subscribers should fetch again (RFC 7986, and its older X- spelling). */
  mt_ical_append_line (&cal->buf, "REFRESH-INTERVAL;VALUE=DURATION", "PT1H");
  mt_ical_append_line (&cal->buf, "X-PUBLISHED-TTL", "PT1H");
  return !cal->buf.failed;
}

static bool
mt_ical_too_large (mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_TOO_LARGE, "calendrier trop volumineux",
                "calendar too large");
  return false;
}

bool
mt_ical_add_event (mt_ical_t *cal, const mt_ical_event_t *event, mt_error_t *error)
{
  char stamp[MT_ICAL_UTC_SIZE];
  char start[MT_ICAL_UTC_SIZE];
  char end[MT_ICAL_UTC_SIZE];

  if (!event->uid || !event->uid[0] || !event->summary ||
      !mt_ical_format_utc (cal->dtstamp_ms, stamp) ||
      !mt_ical_format_utc (event->start_ms, start) || !mt_ical_format_utc (event->end_ms, end) ||
      event->end_ms <= event->start_ms || !cal->in_calendar) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "événement de calendrier invalide",
                  "invalid calendar event");
    return false;
  }
  if (cal->buf.failed) {
    return mt_ical_too_large (error);
  }
  mt_ical_append_line (&cal->buf, "BEGIN", "VEVENT");
  mt_ical_append_text (&cal->buf, "UID", event->uid);
  mt_ical_append_line (&cal->buf, "DTSTAMP", stamp);
  mt_ical_append_line (&cal->buf, "DTSTART", start);
  mt_ical_append_line (&cal->buf, "DTEND", end);
  mt_ical_append_text (&cal->buf, "SUMMARY", event->summary);
  if (event->description) {
    mt_ical_append_text (&cal->buf, "DESCRIPTION", event->description);
  }
  if (event->location) {
    mt_ical_append_text (&cal->buf, "LOCATION", event->location);
  }
  if (event->status) {
    mt_ical_append_line (&cal->buf, "STATUS", event->status);
  }
  mt_ical_append_line (&cal->buf, "TRANSP", "OPAQUE");
  mt_ical_append_line (&cal->buf, "END", "VEVENT");
  return cal->buf.failed ? mt_ical_too_large (error) : true;
}

bool
mt_ical_finish (mt_ical_t *cal, char **out, size_t *len, mt_error_t *error)
{
  bool ok = false;

  *out = NULL;
  *len = 0;
  if (cal->in_calendar) {
    mt_ical_append_line (&cal->buf, "END", "VCALENDAR");
    cal->in_calendar = false;
  }
  if (cal->buf.failed) {
    mt_ical_too_large (error);
    goto done;
  }
  *out = mt_buf_steal (&cal->buf, len);
  if (!*out) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "mémoire insuffisante",
                  "out of memory");
    goto done;
  }
  ok = true;
done:
  return ok;
}

void
mt_ical_destroy (mt_ical_t *cal)
{
  mt_buf_destroy (&cal->buf);
  cal->in_calendar = false;
}
