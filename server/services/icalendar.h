/*
 * icalendar: a small RFC 5545 writer for the calendar feeds (calendars.h): one VCALENDAR
 * (VERSION:2.0, PRODID, CALSCALE:GREGORIAN, METHOD:PUBLISH, X-WR-CALNAME, refresh hints)
 * holding VEVENTs with UID, DTSTAMP, DTSTART and DTEND in UTC, SUMMARY and optional
 * DESCRIPTION, LOCATION and STATUS.
 *
 * What RFC 5545 asks of the bytes, done here once:
 *   - every content line ends with CRLF, and nothing else ends a line (§3.1);
 *   - a content line longer than 75 octets is folded: CRLF and one space are inserted so that
 *     no physical line exceeds 75 octets (the space counts), and a fold never falls inside a
 *     UTF-8 sequence, so each physical line is valid UTF-8 by itself (§3.1);
 *   - TEXT values escape backslash, semicolon and comma with a backslash and write a line
 *     break (LF, CRLF or a lone CR) as the two characters "\n"; other control characters
 *     (which TEXT cannot hold) and invalid UTF-8 are left out (§3.3.11);
 *   - times are UTC date-times "YYYYMMDDTHHMMSSZ" (FORM #2 of §3.3.5), milliseconds dropped.
 *
 * Output is bounded: the writer holds at most the @max_bytes given to mt_ical_begin; past it
 * every call fails (MT_ERR_TOO_LARGE) and mt_ical_finish gives nothing.
 *
 * Ownership: mt_ical_t owns its buffer until mt_ical_finish hands it over; mt_ical_destroy
 * (always safe, also after finish) frees what remains.
 */
#ifndef MT_ICALENDAR_H
#define MT_ICALENDAR_H

#include "mt_buf.h"
#include "mt_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MT_ICAL_LINE_MAX 75 /* octets of a physical line, CRLF excluded */
#define MT_ICAL_PRODID "-//mutua//mutua//FR"
#define MT_ICAL_UTC_SIZE 17                        /* "YYYYMMDDTHHMMSSZ" and a NUL */
#define MT_ICAL_TIME_MIN INT64_C (-62167219200000) /* 0000-01-01T00:00:00Z */
#define MT_ICAL_TIME_MAX INT64_C (253402300799999) /* 9999-12-31T23:59:59.999Z */

typedef struct {
  mt_buf_t buf;
  int64_t dtstamp_ms; /* DTSTAMP of every event: when this instance of the calendar was made */
  bool in_calendar;   /* between mt_ical_begin and mt_ical_finish */
} mt_ical_t;

/* One VEVENT. Strings are UTF-8 and borrowed; NULL optional fields are left out. */
typedef struct {
  const char *uid;     /* required: stable and unique, e.g. "<hex>@mutua" */
  int64_t start_ms;    /* required, [start, end) in ms since the epoch (UTC) */
  int64_t end_ms;      /* required, > start_ms */
  const char *summary; /* required */
  const char *description;
  const char *location;
  const char *status; /* "TENTATIVE" | "CONFIRMED" | "CANCELLED" */
} mt_ical_event_t;

/*
 * Writes "YYYYMMDDTHHMMSSZ" for @ms (the second that holds it: milliseconds are dropped
 * towards the past). False (and "" in @out) for an instant outside [MT_ICAL_TIME_MIN,
 * MT_ICAL_TIME_MAX].
 */
bool mt_ical_format_utc (int64_t ms, char out[MT_ICAL_UTC_SIZE]);

/* Appends @text escaped as an RFC 5545 TEXT value (see above) to @buf. False when @buf fails. */
bool mt_ical_escape_text (mt_buf_t *buf, const char *text);

/*
 * Appends one content line "@name:@value" (@value already in its final form: escape TEXT
 * with mt_ical_escape_text first) to @buf, folded at MT_ICAL_LINE_MAX octets and ended with
 * CRLF. @value must not hold CR or LF. False when @buf fails.
 */
bool mt_ical_append_line (mt_buf_t *buf, const char *name, const char *value);

/*
 * Starts a calendar of at most @max_bytes named @name (X-WR-CALNAME, escaped here) whose
 * events carry DTSTAMP @dtstamp_ms. Always initialises @cal. False only when the header
 * does not fit (then the later calls fail too).
 */
bool mt_ical_begin (mt_ical_t *cal, size_t max_bytes, const char *name, int64_t dtstamp_ms);

/*
 * Appends one VEVENT. Errors: MT_ERR_INTERNAL for a missing uid or summary, an instant out
 * of range or end <= start (nothing is written); MT_ERR_TOO_LARGE when the calendar would
 * exceed its maximum (the writer is then failed).
 */
bool mt_ical_add_event (mt_ical_t *cal, const mt_ical_event_t *event, mt_error_t *error);

/*
 * Closes the calendar and hands its bytes to the caller in *@out (malloc'd, NUL-terminated;
 * free() it) and *@len. Errors: MT_ERR_TOO_LARGE when an earlier append failed, MT_ERR_INTERNAL
 * when out of memory; *@out is then NULL.
 */
bool mt_ical_finish (mt_ical_t *cal, char **out, size_t *len, mt_error_t *error);

/* Frees what @cal still owns. */
void mt_ical_destroy (mt_ical_t *cal);

#endif
