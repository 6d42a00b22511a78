/*
 * The private parts of libmutua-client shared by its sources (and its unit tests, which link
 * the static library): error setting, percent-encoding, query strings, problem documents,
 * and the transport (transport.c, the only file that talks HTTP).
 *
 * Nothing here is exported from the shared library: the public functions carry MUTUA_PUBLIC,
 * everything else is hidden (-fvisibility=hidden).
 */
#ifndef MUTUA_CLIENT_INTERNAL_H
#define MUTUA_CLIENT_INTERNAL_H

#include "mutua/client.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MUTUA_PUBLIC __attribute__ ((visibility ("default")))

#define MUTUA_BODY_MAX (16u * 1024u * 1024u) /* the largest answer accepted */
#define MUTUA_PATH_MAX 8192u                 /* a request's path with its query */
#define MUTUA_TOKEN_MAX 4096u                /* an access token */
#define MUTUA_HEADER_VALUE_MAX 256u          /* If-Match, Idempotency-Key, Accept-Language */

/* Sets @error (may be NULL) to @kind with a printf-style English @fmt; status 0, no type. */
void mutua_error_set (mutua_error_t *error, mutua_error_kind_t kind, const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4)));

/* Resets @error (may be NULL) to MUTUA_ERROR_NONE. */
void mutua_error_clear (mutua_error_t *error);

/*
 * Percent-encodes @in (@len bytes) into @out (@size bytes, NUL-terminated): every byte but the
 * unreserved ones of RFC 3986 (A-Z a-z 0-9 - . _ ~) becomes %XX (upper case hex), so a value
 * is safe both as one path segment and as a query value. False (and @out "") when it does not
 * fit.
 */
bool mutua_percent_encode (const char *in, size_t len, char *out, size_t size);

/* A bounded string builder (the path and query of a request). */
typedef struct {
  char data[MUTUA_PATH_MAX];
  size_t len;
  bool overflow; /* something did not fit: the whole text is unusable */
  bool has_query;
} mutua_path_t;

void mutua_path_init (mutua_path_t *path);
/* Appends @text as is. */
void mutua_path_add (mutua_path_t *path, const char *text);
/* Appends @value percent-encoded (one path segment). */
void mutua_path_add_segment (mutua_path_t *path, const char *value);
/* Appends "?name=value" or "&name=value", @value percent-encoded; nothing when @value is NULL. */
void mutua_path_add_query (mutua_path_t *path, const char *name, const char *value);
/* The same with an unsigned number; nothing when @value is 0. */
void mutua_path_add_query_u32 (mutua_path_t *path, const char *name, uint32_t value);

/*
 * Fills @error (MUTUA_ERROR_HTTP, @status) from an error answer: "type", "detail" (else
 * "title", else "HTTP <status>") and "errors[0].path" of a JSON body (@body, @len bytes; any
 * content, it may be NULL or not JSON), and Retry-After (@retry_after: the header's value or
 * NULL; only a whole number of seconds is read, an HTTP date gives 0).
 */
void mutua_problem_parse (int status, const char *body, size_t len, const char *retry_after,
                          mutua_error_t *error);

/*
 * Splits a base URL "http://host[:port][/prefix]" (scheme case-insensitive; host a name, an
 * IPv4 address or a bracketed IPv6 one, put in @host without brackets; port 1 to 65535,
 * default 80; @prefix "" or "/..." without a trailing '/'). No user info, query or fragment.
 */
bool mutua_base_url_parse (const char *url, char *host, size_t host_size, uint16_t *port,
                           char *prefix, size_t prefix_size);

/* True when the first non-blank character of @text (@len bytes) is '{'. */
bool mutua_json_is_object (const char *text, size_t len);

/* True when @value is non-empty, at most @max bytes, and only printable ASCII (no CR, LF or
 * other control character): safe in a header. */
bool mutua_header_value_ok (const char *value, size_t max);

/* ---- Transport (transport.c) ----------------------------------------------------------- */

typedef struct {
  const char *method;          /* "GET", "POST", "PATCH", "PUT", "DELETE" */
  const char *host;            /* for the connection and the Host header */
  uint16_t port;               /* the Host header names it when it is not 80 */
  const char *path;            /* absolute path with its query, already encoded */
  const char *body;            /* NULL: none */
  size_t body_len;             /* sent with Content-Type: application/json */
  const char *token;           /* NULL: no Authorization */
  const char *language;        /* NULL: no Accept-Language */
  const char *if_match;        /* NULL: none */
  const char *idempotency_key; /* NULL: none */
  uint32_t timeout_ms;         /* from the connection to the end of the answer */
} mutua_transport_request_t;

typedef struct {
  int status;
  char *body; /* malloc'd, NUL-terminated (not counted in body_len); the caller frees it */
  size_t body_len;
  char content_type[128]; /* "" when absent; truncated when longer */
  char etag[128];         /* "" when absent or longer */
  char retry_after[32];   /* "" when absent or longer */
} mutua_transport_response_t;

/* The private event loop of a client. */
typedef struct mutua_transport mutua_transport_t;

/* NULL when out of memory. */
mutua_transport_t *mutua_transport_new (void);
void mutua_transport_destroy (mutua_transport_t *transport);

/*
 * Sends one request on a new connection over @transport's event loop and waits for its answer (or the
 * timeout). True when a complete answer was read (any status): @resp then holds it.
 * False: MUTUA_ERROR_CONNECT, MUTUA_ERROR_TIMEOUT, MUTUA_ERROR_PROTOCOL (malformed or too
 * large answer) or MUTUA_ERROR_MEMORY in @error; @resp->body is NULL.
 */
bool mutua_transport_call (mutua_transport_t *transport, const mutua_transport_request_t *req,
                           mutua_transport_response_t *resp, mutua_error_t *error);

#endif
