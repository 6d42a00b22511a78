/*
 * mt_buf: a growable byte buffer with a hard maximum (curl's dynbuf "toobig" idea).
 *
 * The data is always NUL-terminated. Once an append fails (allocation or maximum reached),
 * the buffer is marked failed and every later append fails too, so a caller may append a
 * whole document and check once at the end.
 */
#ifndef MT_BUF_H
#define MT_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
  char *data;  /* owned; NULL until the first append */
  size_t len;  /* bytes used, not counting the terminating NUL */
  size_t cap;  /* bytes allocated */
  size_t max;  /* largest len allowed */
  bool failed; /* an append failed: the content is incomplete */
} mt_buf_t;

/* Initialises an empty buffer that may grow up to @max bytes. */
void mt_buf_init (mt_buf_t *buf, size_t max);

/* Frees the data; the buffer may be initialised again. */
void mt_buf_destroy (mt_buf_t *buf);

/* Empties the buffer, keeping its allocation, and clears the failed mark. */
void mt_buf_reset (mt_buf_t *buf);

bool mt_buf_append (mt_buf_t *buf, const void *data, size_t len);
bool mt_buf_append_str (mt_buf_t *buf, const char *str);
bool mt_buf_append_char (mt_buf_t *buf, char c);
/* @value in decimal ("-12"), without printf. */
bool mt_buf_append_int (mt_buf_t *buf, int64_t value);
bool mt_buf_appendf (mt_buf_t *buf, const char *format, ...)
  __attribute__ ((format (printf, 2, 3)));

/* The content as a C string ("" for an empty buffer). Borrowed. */
const char *mt_buf_cstr (const mt_buf_t *buf);

/*
 * Hands the allocation to the caller (free() it) and leaves the buffer empty. Returns a
 * malloc'd "" for an empty buffer, NULL if that allocation fails. @len may be NULL.
 */
char *mt_buf_steal (mt_buf_t *buf, size_t *len);

#endif
