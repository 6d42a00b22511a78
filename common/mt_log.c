/*
 * mt_log: builds each line in memory and writes it with one write(2) under a mutex, so that
 * lines from several loop threads never interleave.
 */
#include "mt_log.h"

#include "mt_buf.h"
#include "mt_json.h"
#include "mt_time.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MT_LOG_LINE_MAX (16 * 1024)

static volatile int mt_log_level = MT_LOG_INFO;
static volatile int mt_log_fd = 2;
static pthread_mutex_t mt_log_mutex = PTHREAD_MUTEX_INITIALIZER;

static const char *const mt_log_level_names[] = { "debug", "info", "warn", "error", "off" };

void
mt_log_set_level (mt_log_level_t level)
{
  mt_log_level = (int) level;
}

mt_log_level_t
mt_log_get_level (void)
{
  return (mt_log_level_t) mt_log_level;
}

bool
mt_log_level_parse (const char *text, mt_log_level_t *out)
{
  for (int i = 0; i <= MT_LOG_OFF; i++) {
    if (strcmp (text, mt_log_level_names[i]) == 0) {
      *out = (mt_log_level_t) i;
      return true;
    }
  }
  return false;
}

void
mt_log_set_fd (int fd)
{
  mt_log_fd = fd;
}

static void
mt_log_emit (mt_buf_t *line)
{
  const char *p;
  size_t left;

  if (line->failed) {
    /* Too long: say so rather than write half a JSON document. */
    mt_buf_reset (line);
    mt_buf_append_str (line,
                       "{\"level\":\"error\",\"domain\":\"log\",\"msg\":\"log line too long\"}");
  }
  mt_buf_append_char (line, '\n');
  pthread_mutex_lock (&mt_log_mutex);
  p = line->data;
  left = line->len;
  while (left > 0) {
    ssize_t n = write (mt_log_fd, p, left);
    if (n <= 0) {
      break;
    }
    p += n;
    left -= (size_t) n;
  }
  pthread_mutex_unlock (&mt_log_mutex);
}

static void
mt_log_begin (mt_buf_t *line, mt_log_level_t level, const char *domain, const char *msg)
{
  char ts[MT_TIME_RFC3339_MAX];

  mt_time_format_rfc3339 (mt_time_now_ms (), ts);
  mt_buf_appendf (line, "{\"ts\":\"%s\",\"level\":\"%s\",\"domain\":", ts,
                  mt_log_level_names[level]);
  mt_json_append_string (line, domain, strlen (domain));
  mt_buf_append_str (line, ",\"msg\":");
  mt_json_append_string (line, msg, strlen (msg));
}

void
mt_log_fields (mt_log_level_t level, const char *domain, const char *msg, const bson_t *fields)
{
  mt_buf_t line;

  if (!mt_log_enabled (level) || level >= MT_LOG_OFF) {
    return;
  }
  mt_buf_init (&line, MT_LOG_LINE_MAX);
  mt_log_begin (&line, level, domain, msg);
  if (fields && !bson_empty (fields)) {
    size_t before = line.len;
    mt_json_append_document (&line, fields);
    /* Splice: drop the fields' opening brace and write a comma instead. */
    if (!line.failed && line.len > before + 2) {
      line.data[before] = ',';
    } else if (!line.failed) {
      line.len = before;
      mt_buf_append_char (&line, '}');
    }
  } else {
    mt_buf_append_char (&line, '}');
  }
  mt_log_emit (&line);
  mt_buf_destroy (&line);
}

void
mt_log_printf (mt_log_level_t level, const char *domain, const char *format, ...)
{
  char msg[2048];
  va_list ap;
  mt_buf_t line;

  if (!mt_log_enabled (level) || level >= MT_LOG_OFF) {
    return;
  }
  va_start (ap, format);
  vsnprintf (msg, sizeof msg, format, ap);
  va_end (ap);
  mt_buf_init (&line, MT_LOG_LINE_MAX);
  mt_log_begin (&line, level, domain, msg);
  mt_buf_append_char (&line, '}');
  mt_log_emit (&line);
  mt_buf_destroy (&line);
}
