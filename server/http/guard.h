/*
 * guard: a strict validator of the raw HTTP/1.1 byte stream of one connection, run before
 * evhttp parses anything.
 *
 * evhttp (libevent 2.1) is lenient where a server must not be: it silently truncates header
 * values at a NUL byte, reads a body by the first of two Content-Length headers, accepts
 * "Transfer-Encoding: gzip, chunked" as no body, and has no deadline for a whole header
 * block (its timeout restarts at every byte, so a slowloris client is never cut off). The
 * guard sees every byte first and only lets through ("releases") what it has validated:
 *
 *   - a header block (request line + headers) is held back until it is complete, within
 *     max_header_bytes and MT_GUARD_MAX_HEADERS lines, and free of NUL bytes, bare CR,
 *     control characters, obsolete line folding and malformed lines;
 *   - Content-Length must be digits only and appear once; Transfer-Encoding must be exactly
 *     "chunked" and appear once; both together, or a body on HEAD/TRACE, are refused;
 *     HTTP/1.1 needs exactly one Host; only HTTP/1.0 and HTTP/1.1 are spoken;
 *   - body bytes are released as they come, counted against the route's limit (413 as soon
 *     as a declared or chunked length exceeds it); chunk-size lines must be plain hex digits
 *     (no extensions), which is a subset of what evhttp accepts with the same meaning, so
 *     the guard and evhttp always agree on where a request ends.
 *
 * The guard is a pure state machine (no I/O, no libevent): the connection code feeds it
 * the bytes as they arrive and a monotonic clock, and asks for deadlines. It accepts a
 * strict subset of HTTP/1.1 syntax; anything else ends in a verdict (an mt_error_code_t)
 * after which the connection answers once and closes.
 */
#ifndef MT_GUARD_H
#define MT_GUARD_H

#include "mt_buf.h"
#include "mt_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MT_GUARD_MAX_HEADERS 100

/* Body limit of a request, by method and raw request target; 0 means "use the default". */
typedef size_t (*mt_guard_body_limit_fn) (const char *method, const char *target, void *arg);

typedef struct {
  size_t max_header_bytes; /* request line + headers + blank line */
  size_t max_body_bytes;   /* default body limit */
  mt_guard_body_limit_fn body_limit;
  void *body_limit_arg;
  int64_t header_timeout_us; /* a header block must complete this long after its first byte */
  int64_t body_timeout_us;   /* a whole request must complete this long after its first byte */
} mt_guard_limits_t;

typedef enum {
  MT_GUARD_IDLE = 0, /* between requests */
  MT_GUARD_HEAD,     /* inside a header block */
  MT_GUARD_BODY,     /* inside a Content-Length body */
  MT_GUARD_CHUNKED,  /* inside a chunked body (sizes, data, trailer) */
  MT_GUARD_REJECTED, /* a verdict was reached; nothing more is released */
} mt_guard_state_t;

typedef struct {
  mt_guard_limits_t limits;
  mt_guard_state_t state;
  mt_error_code_t verdict;    /* set in MT_GUARD_REJECTED */
  const char *reason;         /* static English reason of the verdict, for logs */
  size_t releasable;          /* validated bytes not yet handed to the HTTP parser */
  mt_buf_t block;             /* copy of the current header block */
  int64_t request_started_us; /* first byte of the current request */
  uint64_t body_left;         /* MT_GUARD_BODY: bytes still to come */
  uint64_t body_limit;        /* limit of the current request */
  uint64_t body_seen;         /* chunked: payload bytes so far */
  int chunk_state;            /* internal sub-state of MT_GUARD_CHUNKED */
  uint64_t chunk_left;        /* chunked: data bytes left in the current chunk */
  size_t line_len;            /* chunked: length of the current size or trailer line */
  size_t trailer_bytes;       /* chunked: trailer bytes so far */
  uint64_t requests;          /* header blocks released so far */
  uint64_t complete_requests; /* requests released whole (headers and body) so far */
} mt_guard_t;

void mt_guard_init (mt_guard_t *guard, const mt_guard_limits_t *limits);
void mt_guard_destroy (mt_guard_t *guard);

/*
 * Feeds the next @len bytes of the stream, read at monotonic time @now_us. Returns the number
 * of bytes examined: @len, or fewer when a verdict was reached (the rest must be discarded).
 * Afterwards mt_guard_take_releasable() says how many bytes, counted from the oldest byte
 * not yet released, may now be handed to the HTTP parser; the others must be held back.
 */
size_t mt_guard_feed (mt_guard_t *guard, const uint8_t *data, size_t len, int64_t now_us);

/* Returns and resets the count of bytes that may be released. */
size_t mt_guard_take_releasable (mt_guard_t *guard);

/* Forces a verdict (e.g. 503 when a connection is over the limit). */
void mt_guard_reject (mt_guard_t *guard, mt_error_code_t verdict, const char *reason);

/*
 * The monotonic time at which the request in progress must be complete (header block or
 * whole request), or 0 when no request is in progress. mt_guard_check_deadline() turns an
 * expired deadline into a 408 verdict and returns true.
 */
int64_t mt_guard_deadline_us (const mt_guard_t *guard);
bool mt_guard_check_deadline (mt_guard_t *guard, int64_t now_us);

#endif
