/*
 * mt_http_client: a raw-socket HTTP/1.1 client for the integration tests.
 *
 * It talks to a server on a loopback address over a plain TCP socket so that a test can
 * send well-formed requests as well as hostile bytes (mt_http_send), then read exactly one
 * response: status line, every header in order (duplicates kept), and the body framed by
 * Content-Length, by chunked transfer coding, or by the end of the connection. 1xx interim
 * responses are skipped (unless asked for), HEAD/204/304 responses have no body.
 *
 * The reader never consumes a byte beyond the response it reads (it peeks before it takes
 * a line), so pipelined responses can be read one after the other on the same socket.
 *
 * Everything is bounded so that a test never hangs nor explodes: every wait goes through
 * poll() against a deadline (MT_HTTP_CLIENT_TIMEOUT_MS per response by default), the head
 * and the body have maximum sizes, and so has the number of headers.
 *
 * Sockets returned by mt_http_connect are non-blocking and close-on-exec: use mt_http_send
 * rather than write(). SIGPIPE is never raised (MSG_NOSIGNAL).
 */
#ifndef MT_HTTP_CLIENT_H
#define MT_HTTP_CLIENT_H

#include "mt_error.h"

#include <bson/bson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MT_HTTP_CLIENT_BODY_MAX (16u * 1024u * 1024u) /* decoded body */
#define MT_HTTP_CLIENT_HEAD_MAX (64u * 1024u)         /* status line + headers, or trailers */
#define MT_HTTP_CLIENT_HEADERS_MAX 256                /* header (or trailer) lines */
#define MT_HTTP_CLIENT_INTERIM_MAX 16                 /* 1xx responses before the final one */
#define MT_HTTP_CLIENT_TIMEOUT_MS 30000               /* per connect, send or response */

/* Flags of mt_http_read_response. */
typedef enum {
  MT_HTTP_READ_DEFAULT = 0,
  /* Return a 1xx interim response (100 Continue, 103 Early Hints...) instead of skipping it. */
  MT_HTTP_READ_INTERIM = 1 << 0,
} mt_http_read_flags_t;

/* One header or trailer line, both parts NUL-terminated and owned by the response. */
typedef struct {
  char *name;  /* as sent (case kept) */
  char *value; /* leading and trailing blanks removed */
} mt_http_header_t;

/*
 * A parsed response. Every function that fills one initialises it first, whatever happens;
 * the caller always calls mt_http_response_destroy (and must destroy before reusing it).
 */
typedef struct {
  int status;        /* 0 when no status line was read */
  int minor_version; /* 1 for HTTP/1.1, 0 for HTTP/1.0 */
  char *reason;      /* reason phrase, "" when absent */

  mt_http_header_t *headers; /* in the order received */
  size_t n_headers;
  mt_http_header_t *trailers; /* chunked trailer fields */
  size_t n_trailers;

  char *body;       /* NUL-terminated (the NUL is not counted); "" when there is none */
  size_t body_len;  /* bytes of body */
  bool chunked;     /* the body was chunked */
  bool until_close; /* the body ran to the end of the connection */
  bool closing;     /* "Connection: close", HTTP/1.0 without keep-alive, or until_close */

  unsigned interim_count; /* 1xx responses skipped before this one */
  int interim_status;     /* status of the last skipped 1xx, 0 if none */

  /* The body parsed with mt_json_parse_object (MT_JSON_TRUSTED) when the Content-Type is
   * application/json or application/problem+json and the body is not empty. */
  bool has_json;
  bson_t json;
  mt_error_t json_error; /* why the body did not parse when it should have */

  mt_error_t error; /* why the call returned false */
} mt_http_response_t;

/* Initialises @resp as empty (never fails). */
void mt_http_response_init (mt_http_response_t *resp);

/* Frees what @resp holds and leaves it empty (initialised again). */
void mt_http_response_destroy (mt_http_response_t *resp);

/*
 * Sets the deadline of each later connect, send and response read of this process, in
 * milliseconds; 0 or less restores MT_HTTP_CLIENT_TIMEOUT_MS. Not thread-safe: set it from
 * the test's thread, before the calls it affects.
 */
void mt_http_client_set_timeout (int timeout_ms);

/*
 * Connects to @address (an IPv4 or IPv6 literal, "[::1]" accepted) on @port.
 * @return a non-blocking connected socket that the caller closes (mt_http_close), or -1.
 */
int mt_http_connect_to (const char *address, uint16_t port, mt_error_t *error);

/* mt_http_connect_to ("127.0.0.1", @port). */
int mt_http_connect (uint16_t port, mt_error_t *error);

/* close() that ignores -1. */
void mt_http_close (int fd);

/* Sends all @len bytes, waiting for room as needed. False on a reset, a close or a timeout. */
bool mt_http_send (int fd, const void *data, size_t len, mt_error_t *error);

/* mt_http_send of a NUL-terminated string. */
bool mt_http_send_str (int fd, const char *str, mt_error_t *error);

/*
 * Reads exactly one response from @fd into @out (always initialised). @method is the
 * method of the request it answers ("HEAD" means no body whatever the headers say).
 * @flags: mt_http_read_flags_t. Returns false with out->error set on a timeout, a close
 * before the end, a malformed or oversized response; bytes after the response stay unread.
 */
bool mt_http_read_response (int fd, const char *method, int flags, mt_http_response_t *out);

/*
 * One request on a fresh connection to 127.0.0.1:@port, with "Connection: close", then
 * one response, then the connection is closed.
 *
 * @headers: "Name: value" strings, NULL-terminated, or NULL. Host, Content-Length and
 * Connection are added only when @headers does not hold them (nor Transfer-Encoding, for
 * Content-Length), so a test may send its own, even wrong, values.
 * @body: @body_len bytes, or NULL for no body (and no Content-Length).
 * @out: always initialised; the caller destroys it.
 * If the server closes before taking the whole request, the response it sent (a 413, say)
 * is still read when it can be.
 */
bool mt_http_request (uint16_t port, const char *method, const char *path,
                      const char *const *headers, const void *body, size_t body_len,
                      mt_http_response_t *out);

/*
 * The same request on the open connection @fd (keep-alive: no "Connection: close" unless
 * @headers has one). The connection stays open; out->closing tells whether the server
 * means to close it.
 */
bool mt_http_request_on (int fd, const char *method, const char *path, const char *const *headers,
                         const void *body, size_t body_len, mt_http_response_t *out);

/* Value of the first header named @name (case-insensitive), or NULL. Borrowed from @resp. */
const char *mt_http_header (const mt_http_response_t *resp, const char *name);

/* How many header lines are named @name (case-insensitive). */
size_t mt_http_header_count (const mt_http_response_t *resp, const char *name);

/* Value of the first trailer named @name, or NULL. Borrowed. */
const char *mt_http_trailer (const mt_http_response_t *resp, const char *name);

/* The JSON body, or NULL when there is none (see has_json). Borrowed. */
const bson_t *mt_http_json (const mt_http_response_t *resp);

/* The UTF-8 string at @dotted_key ("token", "errors.0.path") of the JSON body, or NULL. */
const char *mt_http_json_string (const mt_http_response_t *resp, const char *dotted_key);

/*
 * True when the peer closes @fd (a read returns 0, or ECONNRESET) within @timeout_ms.
 * Bytes that arrive meanwhile are read and thrown away (at most MT_HTTP_CLIENT_BODY_MAX).
 * False on a timeout: the connection is still open.
 */
bool mt_http_peer_closed (int fd, int timeout_ms);

#endif
