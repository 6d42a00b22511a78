/*
 * mt_time: clocks and RFC 3339 timestamps. Instants are int64 milliseconds since the Unix
 * epoch, UTC, the same unit as BSON date-times.
 */
#ifndef MT_TIME_H
#define MT_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MT_TIME_RFC3339_MAX 32 /* "YYYY-MM-DDTHH:MM:SS.mmmZ" and a NUL, with room */

/* Wall clock, ms since the epoch. */
int64_t mt_time_now_ms (void);

/* Monotonic clock in microseconds, for durations. */
int64_t mt_time_monotonic_us (void);

/*
 * Parses an RFC 3339 date-time ("2026-06-12T09:00:00Z", "2026-06-12T11:00:00.5+02:00";
 * 'T' and 'Z' may be lowercase) of exactly @len bytes into ms since the epoch (UTC).
 * Rejects impossible dates and times, and a leap second (":60"), which no instant of mutua
 * can hold. Fractions finer than a millisecond are truncated.
 */
bool mt_time_parse_rfc3339 (const char *text, size_t len, int64_t *ms_out);

/*
 * True when @text is a valid RFC 3339 date-time, leap seconds included (":60" only where the
 * UTC time is 23:59:60): the JSON Schema "date-time" format.
 */
bool mt_time_is_rfc3339 (const char *text, size_t len);

/* Writes @ms as "YYYY-MM-DDTHH:MM:SSZ" (".mmm" added when not whole seconds). Returns length. */
size_t mt_time_format_rfc3339 (int64_t ms, char out[MT_TIME_RFC3339_MAX]);

/* Days since 1970-01-01 of a proleptic Gregorian civil date. */
int64_t mt_time_days_from_civil (int64_t year, unsigned month, unsigned day);

#endif
