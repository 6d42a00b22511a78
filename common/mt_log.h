/*
 * mt_log: JSON-lines logging on stderr (or another fd), one line per event:
 *   {"ts":"2026-11-22T10:00:00.123Z","level":"info","domain":"http","msg":"...", ...fields}
 *
 * Each file defines MT_LOG_DOMAIN before using the MT_LOG_* macros; the level is checked
 * before any formatting. Never pass a token, a password or a personal datum to a log call.
 */
#ifndef MT_LOG_H
#define MT_LOG_H

#include <bson/bson.h>
#include <stdbool.h>

typedef enum {
  MT_LOG_DEBUG = 0,
  MT_LOG_INFO,
  MT_LOG_WARN,
  MT_LOG_ERROR,
  MT_LOG_OFF,
} mt_log_level_t;

void mt_log_set_level (mt_log_level_t level);
mt_log_level_t mt_log_get_level (void);

/* Parses "debug|info|warn|error|off"; false on anything else. */
bool mt_log_level_parse (const char *text, mt_log_level_t *out);

/* Where lines go (default 2). The fd is borrowed. */
void mt_log_set_fd (int fd);

static inline bool
mt_log_enabled (mt_log_level_t level)
{
  return level >= mt_log_get_level ();
}

/* Writes one line; @fields (may be NULL) adds its top-level keys after "msg". */
void mt_log_fields (mt_log_level_t level, const char *domain, const char *msg,
                    const bson_t *fields);

/* Writes one line whose "msg" is the formatted text. */
void mt_log_printf (mt_log_level_t level, const char *domain, const char *format, ...)
  __attribute__ ((format (printf, 3, 4)));

#define MT_LOG_AT(level, ...)                                                                      \
  do {                                                                                             \
    if (mt_log_enabled (level)) {                                                                  \
      mt_log_printf (level, MT_LOG_DOMAIN, __VA_ARGS__);                                           \
    }                                                                                              \
  } while (0)

#define MT_DEBUG(...) MT_LOG_AT (MT_LOG_DEBUG, __VA_ARGS__)
#define MT_INFO(...) MT_LOG_AT (MT_LOG_INFO, __VA_ARGS__)
#define MT_WARN(...) MT_LOG_AT (MT_LOG_WARN, __VA_ARGS__)
#define MT_ERROR(...) MT_LOG_AT (MT_LOG_ERROR, __VA_ARGS__)

#endif
