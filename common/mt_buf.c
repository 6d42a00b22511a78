/*
 * mt_buf: growable bounded buffer. Growth doubles, capped at max + 1 (room for the NUL).
 */
#include "mt_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
mt_buf_init (mt_buf_t *buf, size_t max)
{
  memset (buf, 0, sizeof *buf);
  buf->max = max;
}

void
mt_buf_destroy (mt_buf_t *buf)
{
  free (buf->data);
  memset (buf, 0, sizeof *buf);
}

void
mt_buf_reset (mt_buf_t *buf)
{
  buf->len = 0;
  buf->failed = false;
  if (buf->data) {
    buf->data[0] = '\0';
  }
}

/* Makes room for @extra more bytes plus the NUL. */
static bool
mt_buf_reserve (mt_buf_t *buf, size_t extra)
{
  size_t need;
  size_t cap;
  char *data;

  if (buf->failed) {
    return false;
  }
  if (extra > buf->max || buf->len > buf->max - extra) {
    buf->failed = true;
    return false;
  }
  need = buf->len + extra + 1;
  if (need <= buf->cap) {
    return true;
  }
  cap = buf->cap ? buf->cap : 64;
  while (cap < need) {
    cap *= 2;
  }
  if (cap > buf->max + 1) {
    cap = buf->max + 1;
  }
  data = realloc (buf->data, cap);
  if (!data) {
    buf->failed = true;
    return false;
  }
  buf->data = data;
  buf->cap = cap;
  return true;
}

bool
mt_buf_append (mt_buf_t *buf, const void *data, size_t len)
{
  if (!mt_buf_reserve (buf, len)) {
    return false;
  }
  if (len) {
    memcpy (buf->data + buf->len, data, len);
  }
  buf->len += len;
  buf->data[buf->len] = '\0';
  return true;
}

bool
mt_buf_append_str (mt_buf_t *buf, const char *str)
{
  return mt_buf_append (buf, str, strlen (str));
}

bool
mt_buf_append_char (mt_buf_t *buf, char c)
{
  /* The JSON writer appends its quotes, commas and brackets one by one: room is the usual
   * case (the capacity never exceeds max + 1, so this stays within max). */
  if (!buf->failed && buf->len + 1 < buf->cap) {
    buf->data[buf->len++] = c;
    buf->data[buf->len] = '\0';
    return true;
  }
  return mt_buf_append (buf, &c, 1);
}

bool
mt_buf_appendf (mt_buf_t *buf, const char *format, ...)
{
  va_list ap;
  int n;

  if (buf->failed) {
    return false;
  }
  /* Formatted once into the room there is; again only when it did not fit. */
  if (buf->data && buf->cap > buf->len) {
    va_start (ap, format);
    n = vsnprintf (buf->data + buf->len, buf->cap - buf->len, format, ap);
    va_end (ap);
    if (n >= 0 && (size_t) n < buf->cap - buf->len) {
      buf->len += (size_t) n; /* within max: the capacity never exceeds max + 1 */
      return true;
    }
    buf->data[buf->len] = '\0';
  }
  va_start (ap, format);
  n = vsnprintf (NULL, 0, format, ap);
  va_end (ap);
  if (n < 0 || !mt_buf_reserve (buf, (size_t) n)) {
    buf->failed = true;
    return false;
  }
  va_start (ap, format);
  vsnprintf (buf->data + buf->len, (size_t) n + 1, format, ap);
  va_end (ap);
  buf->len += (size_t) n;
  return true;
}

bool
mt_buf_append_int (mt_buf_t *buf, int64_t value)
{
  char digits[24];
  size_t at = sizeof digits;
  /* Negated as unsigned, so that INT64_MIN has its digits too. */
  uint64_t magnitude = value < 0 ? 0 - (uint64_t) value : (uint64_t) value;

  do {
    digits[--at] = (char) ('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude);
  if (value < 0) {
    digits[--at] = '-';
  }
  return mt_buf_append (buf, digits + at, sizeof digits - at);
}

const char *
mt_buf_cstr (const mt_buf_t *buf)
{
  return buf->data ? buf->data : "";
}

char *
mt_buf_steal (mt_buf_t *buf, size_t *len)
{
  char *data = buf->data;
  size_t n = buf->len;

  if (!data) {
    data = calloc (1, 1);
    n = 0;
  }
  buf->data = NULL;
  buf->len = 0;
  buf->cap = 0;
  buf->failed = false;
  if (len) {
    *len = n;
  }
  return data;
}
