/*
 * request: one HTTP request as route handlers see it, and the replies they may send.
 *
 * The dispatcher (request.c) has already, before a handler runs: matched the route,
 * authenticated the caller as the route demands, checked Content-Type, parsed the JSON
 * body strictly and validated it against the route's schema. A handler reads what it needs
 * through the accessors below and ends in exactly one reply: synchronously, or later from a
 * worker completion (mt_request_defer) on the same loop thread.
 *
 * Replies add the request id, security headers and "Cache-Control: no-store" (unless the
 * handler set another), record metrics and write one access-log line. Problem replies are
 * RFC 9457 problem+json in the caller's language (French unless Accept-Language prefers
 * English).
 */
#ifndef MT_REQUEST_H
#define MT_REQUEST_H

#include "mt_buf.h"
#include "mt_error.h"
#include "principal.h"
#include "service.h"

#include <bson/bson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mt_request mt_request_t;
typedef struct mt_app mt_app_t;

typedef void (*mt_handler_fn) (mt_request_t *request);

typedef enum {
  MT_AUTH_NONE = 0, /* public; a token, if any, is ignored */
  MT_AUTH_OPTIONAL, /* public, but a valid token identifies the caller */
  MT_AUTH_ACCOUNT,  /* any signed-in account, even of a pending member */
  MT_AUTH_MEMBER,   /* a signed-in account of an active member */
  MT_AUTH_ADMIN,    /* a signed-in platform administrator */
} mt_auth_mode_t;

typedef struct {
  const char *method;  /* "GET", "POST", "PATCH", "PUT", "DELETE" (HEAD is served by GET) */
  const char *pattern; /* "/v1/members/{id}/accounts/{aid}" */
  mt_handler_fn handler;
  mt_auth_mode_t auth;
  const char *body_schema; /* schema file in schemas/ validating the JSON body, or NULL */
  size_t max_body;         /* body limit in bytes; 0 = the configured default */
  const char *summary;     /* one line for logs and docs */
} mt_route_t;

/* --- What was asked ------------------------------------------------------------------- */

const char *mt_request_method (const mt_request_t *r);
/* Raw path (without query). */
const char *mt_request_path (const mt_request_t *r);
/* The matched route. */
const mt_route_t *mt_request_route (const mt_request_t *r);
/* Path parameter by name ("id" for "{id}"), percent-decoded; NULL when absent. */
const char *mt_request_param (const mt_request_t *r, const char *name);
/* Query parameter, decoded; NULL when absent. A repeated parameter gives its first value. */
const char *mt_request_query (mt_request_t *r, const char *name);
/* Request header (case-insensitive), first occurrence; NULL when absent. */
const char *mt_request_header (const mt_request_t *r, const char *name);
/* The validated JSON body (routes with a body_schema), else NULL. Borrowed. */
const bson_t *mt_request_body (const mt_request_t *r);
/* The raw body bytes (for uploads); *len is set. Borrowed until the reply. */
const unsigned char *mt_request_raw_body (mt_request_t *r, size_t *len);
/* The caller, or NULL when anonymous. */
const mt_principal_t *mt_request_principal (const mt_request_t *r);
/* "fr" or "en". */
const char *mt_request_lang (const mt_request_t *r);
/* The request id (also in the X-Request-Id response header and in logs). */
const char *mt_request_id (const mt_request_t *r);
/* Client address as text ("127.0.0.1"). */
const char *mt_request_client_addr (const mt_request_t *r);
/* The service context of this request (store handle of this thread, time, caller). */
mt_ctx_t *mt_request_ctx (mt_request_t *r);
mt_app_t *mt_request_app (mt_request_t *r);

/* --- Replies (exactly one per request) ------------------------------------------------ */

/* Adds a response header (before the reply). */
void mt_request_set_header (mt_request_t *r, const char *name, const char *value);

/* JSON object reply; @doc is borrowed. */
void mt_reply_json (mt_request_t *r, int status, const bson_t *doc);
/* JSON object reply with an ETag of the document's "version" (W/"<version>"). */
void mt_reply_json_versioned (mt_request_t *r, int status, const bson_t *doc);
/* A list reply {"items": [...], "next_cursor": ...} with a Link rel="next" header when there
 * is a next page. @items is array-shaped; @next_cursor may be NULL or "". */
void mt_reply_list (mt_request_t *r, const bson_t *items, const char *next_cursor);
/* RFC 9457 problem reply from @error (validation errors carry errors[{path, message}]). */
void mt_reply_problem (mt_request_t *r, const mt_error_t *error);
/* Convenience: problem from a code and a bilingual message. */
void mt_reply_error (mt_request_t *r, mt_error_code_t code, const char *message_fr,
                     const char *message_en);
/* Reply without a body (204, 304...). */
void mt_reply_empty (mt_request_t *r, int status);
/* Reply with raw bytes of a given Content-Type (CSV, text, images). */
void mt_reply_bytes (mt_request_t *r, int status, const char *content_type, const void *data,
                     size_t len);

/* --- Write units ------------------------------------------------------------------------ */

/* Where a handler's unit runs (routes_unit.c; group commit: committer.h). */
typedef enum {
  MT_UNIT_HERE,    /* no committer: the handler opens and commits its own unit */
  MT_UNIT_INSIDE,  /* the handler runs on the committer, inside the batch's unit */
  MT_UNIT_QUEUED,  /* handed to the committer, which runs the handler again: return now */
  MT_UNIT_REPLIED, /* the committer refused it (stopping): 503 sent, return now */
} mt_unit_place_t;

mt_unit_place_t mt_request_unit_place (mt_request_t *r);
/* True while the handler runs on the committer (its reply waits for the batch's commit). */
bool mt_request_in_batch (const mt_request_t *r);

/* --- Deferred work ----------------------------------------------------------------------- */

typedef void (*mt_work_fn) (void *arg);                       /* runs on a worker thread */
typedef void (*mt_work_done_fn) (mt_request_t *r, void *arg); /* runs on the request's loop */

/*
 * Runs @work(@arg) on the worker pool, then @done(r, @arg) on this request's loop thread,
 * which must reply. When the pool's queue is full, replies 503 itself (with Retry-After) and
 * returns false: the caller then frees @arg and returns.
 */
bool mt_request_defer (mt_request_t *r, mt_work_fn work, mt_work_done_fn done, void *arg);

#endif
