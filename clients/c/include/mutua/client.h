/*
 * libmutua-client: a small synchronous C client of the mutua HTTP API (docs/API.md).
 *
 * Conventions, for every function below:
 *   - A function that can fail returns bool and takes a trailing mutua_error_t *error (may be
 *     NULL). On failure *error says why (see mutua_error_t); on success error->kind is
 *     MUTUA_ERROR_NONE.
 *   - A `bson_t *out` parameter is ALWAYS initialised by the call (also on failure, then
 *     empty) and the caller destroys it with bson_destroy (). It holds the JSON answer of the
 *     server converted to BSON (numbers as int32/int64/double, dates as RFC 3339 strings,
 *     ids as strings). For a list, out is the answer object ({"items": [...],
 *     "next_cursor": ...}).
 *   - Strings given to the library are copied or used during the call only; strings returned
 *     by the library (const char *) belong to the client and stay valid until the next call
 *     on the same client or its destruction.
 *   - Optional string parameters may be NULL (the parameter is then not sent).
 *   - Ids are the server's ("lst_...", "res_..."); they are percent-encoded in paths.
 *   - A mutua_client_t is not thread-safe: use one client per thread.
 *   - The call blocks until the answer, an error, or the timeout (mutua_client_set_timeout).
 *
 * Transport: HTTP/1.1 over libevent's HTTP client (one private event_base per client). The
 * base URL is "http://host[:port][/prefix]"; https is not supported by this version (put a
 * TLS proxy on loopback in front of a remote server and point the client at it).
 */
#ifndef MUTUA_CLIENT_H
#define MUTUA_CLIENT_H

#include <bson/bson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MUTUA_CLIENT_VERSION "0.1.0"

/* ---- Errors -------------------------------------------------------------------------------- */

typedef enum {
  MUTUA_ERROR_NONE = 0,
  MUTUA_ERROR_INVALID,  /* a bad argument (NULL where required, malformed base URL, ...) */
  MUTUA_ERROR_CONNECT,  /* the server could not be reached (connection refused, no route) */
  MUTUA_ERROR_TIMEOUT,  /* no complete answer within the timeout */
  MUTUA_ERROR_PROTOCOL, /* the answer was not what the API promises (not JSON, truncated) */
  MUTUA_ERROR_HTTP,     /* the server answered 4xx/5xx: status, type, detail are set */
  MUTUA_ERROR_MEMORY,   /* out of memory */
} mutua_error_kind_t;

#define MUTUA_ERROR_TEXT_MAX 512

typedef struct {
  mutua_error_kind_t kind;
  int status; /* HTTP status for MUTUA_ERROR_HTTP, else 0 */
  /* The problem document's "type" (e.g. "urn:mutua:problem:not-found"), "" when none. */
  char type[128];
  /* A human-readable explanation: the problem's "detail" for MUTUA_ERROR_HTTP, else the
   * library's own message (English). */
  char detail[MUTUA_ERROR_TEXT_MAX];
  /* The first "errors[0].path" of a validation problem ("/start", "limit"), "" when none. */
  char path[128];
  /* Seconds from Retry-After (429, 503), 0 when absent. */
  uint32_t retry_after;
} mutua_error_t;

/* A short English name of @kind ("http", "timeout", ...). */
const char *mutua_error_kind_name (mutua_error_kind_t kind);

/* ---- The client ---------------------------------------------------------------------------- */

typedef struct mutua_client mutua_client_t;

/* A client of the server at @base_url ("http://127.0.0.1:8080"). NULL on a malformed URL or
 * out of memory (then *error says which). Destroy with mutua_client_destroy. */
mutua_client_t *mutua_client_new (const char *base_url, mutua_error_t *error);
void mutua_client_destroy (mutua_client_t *client);

/* Timeout of each call, from connection to the end of the answer; default 30000 ms. */
void mutua_client_set_timeout (mutua_client_t *client, uint32_t timeout_ms);

/* The access token sent as "Authorization: Bearer" (copied; NULL forgets it), and the current
 * one (NULL when none). A token kept from an earlier run can be set again: it is reused until
 * it expires (then calls fail with MUTUA_ERROR_HTTP 401). */
bool mutua_client_set_token (mutua_client_t *client, const char *token, mutua_error_t *error);
const char *mutua_client_token (const mutua_client_t *client);

/* The ETag of the last successful (2xx) answer on @client, e.g. "W/\"3\"" ("" when it had
 * none): send it back as @if_match to change what was read only if nobody changed it since.
 * Valid until the next call on the client. */
const char *mutua_client_etag (const mutua_client_t *client);

/* The Accept-Language sent ("fr" by default; "en" for English problem details). */
bool mutua_client_set_language (mutua_client_t *client, const char *lang, mutua_error_t *error);

/*
 * Any API call: @method ("GET", "POST", "PATCH", "DELETE"), @path with its query string
 * ("/v1/listings?q=velo"), @body a JSON object to send (NULL: none; "{}" is sent for POST
 * when NULL), @if_match an ETag to send as If-Match (NULL: none), @idempotency_key (NULL:
 * none). A 2xx answer is success: its JSON body in @out (empty for 204). Every function
 * below is this call with the path and body of its operation.
 */
bool mutua_request (mutua_client_t *client, const char *method, const char *path,
                    const bson_t *body, const char *if_match, const char *idempotency_key,
                    bson_t *out, mutua_error_t *error);

/* A non-JSON answer (CSV exports): the raw body of a 2xx answer in *@data (malloc'd, NUL
 * terminated, caller frees) and its length in *@len. */
bool mutua_request_raw (mutua_client_t *client, const char *method, const char *path, char **data,
                        size_t *len, mutua_error_t *error);

/* ---- Sessions ------------------------------------------------------------------------------ */

/* POST /v1/auth/login: on success the client keeps the token (mutua_client_token) and @out
 * holds the answer (token, token_type, expires_at, account, member). */
bool mutua_login (mutua_client_t *client, const char *email, const char *password, bson_t *out,
                  mutua_error_t *error);

/* POST /v1/auth/logout: revokes the token and forgets it. */
bool mutua_logout (mutua_client_t *client, mutua_error_t *error);

/* GET /v1/me. */
bool mutua_me (mutua_client_t *client, bson_t *out, mutua_error_t *error);

/* ---- Listings ------------------------------------------------------------------------------ */

/* Query of GET /v1/listings; every field optional (NULL / 0). */
typedef struct {
  const char *q;              /* full text, French: "velo cargo" */
  const char *kind;           /* "good" | "service" */
  const char *category;       /* a category slug */
  const char *departement;    /* "59" */
  const char *available_from; /* RFC 3339 date-time: only listings free over [from, to) */
  const char *available_to;
  const char *sort;   /* "relevance" | "recent" */
  const char *cursor; /* next_cursor of the previous page */
  uint32_t limit;     /* 0: the server's default */
} mutua_listing_query_t;

bool mutua_listings_search (mutua_client_t *client, const mutua_listing_query_t *query, bson_t *out,
                            mutua_error_t *error);
bool mutua_listing_get (mutua_client_t *client, const char *id, bson_t *out, mutua_error_t *error);
/* POST /v1/listings with @listing (listing_create.json). */
bool mutua_listing_create (mutua_client_t *client, const bson_t *listing, bson_t *out,
                           mutua_error_t *error);
/* GET /v1/listings/{id}/availability?from=&to= (RFC 3339). */
bool mutua_listing_availability (mutua_client_t *client, const char *id, const char *from,
                                 const char *to, bson_t *out, mutua_error_t *error);

/* ---- Reservations -------------------------------------------------------------------------- */

/* POST /v1/reservations {"listing_id", "start", "end", "units"?, "message"?}; @units 0 = 1;
 * @idempotency_key NULL or a key of the caller's choice (a retry with the same key and body
 * gets the same answer and creates nothing more). */
bool mutua_reservation_create (mutua_client_t *client, const char *listing_id, const char *start,
                               const char *end, uint32_t units, const char *message,
                               const char *idempotency_key, bson_t *out, mutua_error_t *error);

/* GET /v1/reservations: @role "borrower" (default) | "lender", @status one or several
 * comma-separated, @cursor, @limit (0: default). */
bool mutua_reservations_list (mutua_client_t *client, const char *role, const char *status,
                              const char *cursor, uint32_t limit, bson_t *out,
                              mutua_error_t *error);
bool mutua_reservation_get (mutua_client_t *client, const char *id, bson_t *out,
                            mutua_error_t *error);

/*
 * POST /v1/reservations/{id}/{action}: @action "approve", "decline", "cancel", "checkout" or
 * "return"; @body the action's JSON object (NULL: {}), e.g. {"reason": "..."} for cancel,
 * {"condition_note": "...", "incident": {...}} for checkout and return (docs/API.md).
 * @if_match NULL or the ETag of the version the caller saw (see mutua_client_etag).
 */
bool mutua_reservation_act (mutua_client_t *client, const char *id, const char *action,
                            const bson_t *body, const char *if_match, bson_t *out,
                            mutua_error_t *error);

/* ---- Service bookings and needs ------------------------------------------------------------ */

/* POST /v1/bookings {"listing_id", "start", "duration_minutes"? (0: none), "message"?}. */
bool mutua_booking_create (mutua_client_t *client, const char *listing_id, const char *start,
                           uint32_t duration_minutes, const char *message,
                           const char *idempotency_key, bson_t *out, mutua_error_t *error);
/* GET /v1/bookings: @role "requester" (default) | "provider". */
bool mutua_bookings_list (mutua_client_t *client, const char *role, const char *status,
                          const char *cursor, uint32_t limit, bson_t *out, mutua_error_t *error);
bool mutua_booking_get (mutua_client_t *client, const char *id, bson_t *out, mutua_error_t *error);
/* POST /v1/bookings/{id}/{action}: "accept", "decline", "cancel", "complete", "confirm". */
bool mutua_booking_act (mutua_client_t *client, const char *id, const char *action,
                        const bson_t *body, const char *if_match, bson_t *out,
                        mutua_error_t *error);

/* GET /v1/needs with the listings' query fields (available_* are ignored). */
bool mutua_needs_search (mutua_client_t *client, const mutua_listing_query_t *query, bson_t *out,
                         mutua_error_t *error);
bool mutua_need_get (mutua_client_t *client, const char *id, bson_t *out, mutua_error_t *error);
/* POST /v1/needs with @need (need_create.json). */
bool mutua_need_create (mutua_client_t *client, const bson_t *need, bson_t *out,
                        mutua_error_t *error);
/* POST /v1/needs/{id}/answers: @listing_id and/or @text (at least one). */
bool mutua_need_answer (mutua_client_t *client, const char *id, const char *listing_id,
                        const char *text, bson_t *out, mutua_error_t *error);

/* ---- Administration ------------------------------------------------------------------------ */

/* GET /v1/admin/reviews (the review queue). */
bool mutua_admin_reviews (mutua_client_t *client, const char *cursor, uint32_t limit, bson_t *out,
                          mutua_error_t *error);
/* POST /v1/admin/reservations/{id}/review {"decision", "note"}. */
bool mutua_admin_review (mutua_client_t *client, const char *reservation_id, const char *decision,
                         const char *note, bson_t *out, mutua_error_t *error);
/* GET /v1/admin/stats?from=&to=&network=&departement= (each may be NULL). */
bool mutua_admin_stats (mutua_client_t *client, const char *from, const char *to,
                        const char *network, const char *departement, bson_t *out,
                        mutua_error_t *error);
/* GET /v1/admin/export/{what}.csv, @what "members", "listings" or "loans" (lower-case letters and '_'
 * only, else MUTUA_ERROR_INVALID; an export the server does not have is HTTP 404): the CSV
 * in *@data (malloc'd, NUL terminated; caller frees), its length in *@len. */
bool mutua_admin_export (mutua_client_t *client, const char *what, char **data, size_t *len,
                         mutua_error_t *error);

#ifdef __cplusplus
}
#endif

#endif /* MUTUA_CLIENT_H */
