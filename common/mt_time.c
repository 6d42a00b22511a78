/*
 * mt_time: RFC 3339 parsing and formatting with civil-date arithmetic done by hand (Howard
 * Hinnant's days_from_civil), so that no libc time zone state is involved.
 */
#include "mt_time.h"

#include <stdio.h>
#include <time.h>

int64_t
mt_time_now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_REALTIME, &ts);
  return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
mt_time_monotonic_us (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
mt_time_days_from_civil (int64_t y, unsigned m, unsigned d)
{
  int64_t era;
  unsigned yoe;
  unsigned doy;
  unsigned doe;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = (unsigned) (y - era * 400);
  doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t) doe - 719468;
}

static void
mt_time_civil_from_days (int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
  int64_t era;
  unsigned doe;
  unsigned yoe;
  unsigned doy;
  unsigned mp;

  z += 719468;
  era = (z >= 0 ? z : z - 146096) / 146097;
  doe = (unsigned) (z - era * 146097);
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int64_t) yoe + era * 400 + (*m <= 2);
}

static bool
mt_time_is_leap (int64_t y)
{
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned
mt_time_days_in_month (int64_t y, unsigned m)
{
  static const unsigned days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  return m == 2 && mt_time_is_leap (y) ? 29 : days[m - 1];
}

/* Reads exactly @n decimal digits at @p. */
static bool
mt_time_digits (const char *p, size_t n, unsigned *out)
{
  unsigned v = 0;
  for (size_t i = 0; i < n; i++) {
    if (p[i] < '0' || p[i] > '9') {
      return false;
    }
    v = v * 10 + (unsigned) (p[i] - '0');
  }
  *out = v;
  return true;
}

/*
 * The shared parser. Returns false on any syntax or range error. Sets the civil fields, the
 * milliseconds and the offset in minutes (east positive).
 */
typedef struct {
  unsigned year, month, day, hour, minute, second, millis;
  int offset_minutes;
} mt_time_fields_t;

static bool
mt_time_scan (const char *s, size_t len, mt_time_fields_t *f)
{
  size_t i = 19;
  unsigned oh;
  unsigned om;

  /* YYYY-MM-DDTHH:MM:SS is 19 bytes; the shortest valid text adds "Z". */
  if (len < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' ||
      s[16] != ':') {
    return false;
  }
  if (!mt_time_digits (s, 4, &f->year) || !mt_time_digits (s + 5, 2, &f->month) ||
      !mt_time_digits (s + 8, 2, &f->day) || !mt_time_digits (s + 11, 2, &f->hour) ||
      !mt_time_digits (s + 14, 2, &f->minute) || !mt_time_digits (s + 17, 2, &f->second)) {
    return false;
  }
  f->millis = 0;
  if (s[i] == '.') {
    size_t start = ++i;
    unsigned scale = 100;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
      f->millis += (unsigned) (s[i] - '0') * scale;
      scale /= 10;
      i++;
    }
    if (i == start) {
      return false;
    }
  }
  if (i >= len) {
    return false;
  }
  if (s[i] == 'Z' || s[i] == 'z') {
    f->offset_minutes = 0;
    i++;
  } else if (s[i] == '+' || s[i] == '-') {
    if (len - i != 6 || s[i + 3] != ':' || !mt_time_digits (s + i + 1, 2, &oh) ||
        !mt_time_digits (s + i + 4, 2, &om) || oh > 23 || om > 59) {
      return false;
    }
    f->offset_minutes = (int) (oh * 60 + om) * (s[i] == '-' ? -1 : 1);
    i += 6;
  } else {
    return false;
  }
  if (i != len) {
    return false;
  }
  if (f->month < 1 || f->month > 12 || f->day < 1 ||
      f->day > mt_time_days_in_month (f->year, f->month) || f->hour > 23 || f->minute > 59 ||
      f->second > 60) {
    return false;
  }
  return true;
}

static int64_t
mt_time_fields_to_ms (const mt_time_fields_t *f, unsigned second)
{
  int64_t days = mt_time_days_from_civil (f->year, f->month, f->day);
  int64_t secs = days * 86400 + f->hour * 3600 + f->minute * 60 + second;
  secs -= (int64_t) f->offset_minutes * 60;
  return secs * 1000 + f->millis;
}

bool
mt_time_parse_rfc3339 (const char *text, size_t len, int64_t *ms_out)
{
  mt_time_fields_t f;

  if (!mt_time_scan (text, len, &f) || f.second == 60) {
    return false;
  }
  *ms_out = mt_time_fields_to_ms (&f, f.second);
  return true;
}

bool
mt_time_is_rfc3339 (const char *text, size_t len)
{
  mt_time_fields_t f;

  if (!mt_time_scan (text, len, &f)) {
    return false;
  }
  if (f.second == 60) {
    /* A leap second is only ever inserted at 23:59:60 UTC. */
    int64_t ms = mt_time_fields_to_ms (&f, 59);
    int64_t sec_of_day = ((ms / 1000) % 86400 + 86400) % 86400;
    return sec_of_day == 86399;
  }
  return true;
}

/* Writes @value as @width digits at @out (the value fits: callers check). */
static char *
mt_time_put_digits (char *out, unsigned value, int width)
{
  for (int i = width - 1; i >= 0; i--) {
    out[i] = (char) ('0' + value % 10);
    value /= 10;
  }
  return out + width;
}

size_t
mt_time_format_rfc3339 (int64_t ms, char out[MT_TIME_RFC3339_MAX])
{
  int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  int64_t millis = ms - secs * 1000;
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  int64_t year;
  unsigned month;
  unsigned day;
  char *p = out;

  mt_time_civil_from_days (days, &year, &month, &day);
  /* "YYYY-MM-DDTHH:MM:SS[.mmm]Z" digit by digit: this runs for every date of every reply.
   * A year beyond four digits (never a date of the platform) goes through printf: at most
   * 10 characters from an int64 of milliseconds, so the whole text fits the 32 bytes. */
  if (year < 0 || year > 9999) {
    p += snprintf (p, 16, "%04lld", (long long) year);
  } else {
    p = mt_time_put_digits (p, (unsigned) year, 4);
  }
  *p++ = '-';
  p = mt_time_put_digits (p, month, 2);
  *p++ = '-';
  p = mt_time_put_digits (p, day, 2);
  *p++ = 'T';
  p = mt_time_put_digits (p, (unsigned) (rem / 3600), 2);
  *p++ = ':';
  p = mt_time_put_digits (p, (unsigned) (rem / 60 % 60), 2);
  *p++ = ':';
  p = mt_time_put_digits (p, (unsigned) (rem % 60), 2);
  if (millis) {
    *p++ = '.';
    p = mt_time_put_digits (p, (unsigned) millis, 3);
  }
  *p++ = 'Z';
  *p = '\0';
  return (size_t) (p - out);
}
