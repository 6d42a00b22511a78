/*
 * idempotency: the Idempotency-Key of POST requests (POST /v1/reservations first; generic,
 * so that any POST can use it). A client sends "Idempotency-Key: <key>" to make a request
 * safe to retry: the same key with the same request replays the first answer; with another
 * request it is refused.
 *
 * Records (store.h idempotency records) have the id "<account id>:<key>" (keys are per
 * account) and hold {"account_id", "request_hash", "state", "status", "body", "location",
 * "content_type", "etag", "lang", "created_at", "started_at", "abandoned"}.
 *
 * The flow (mt_idempotency_begin, then the handler, then mt_idempotency_finish):
 *   1. insert an "in_flight" record with the request's hash;
 *   2. on DUPLICATE, read the stored record:
 *        another request hash                          -> MT_ERR_UNPROCESSABLE (422)
 *        "in_flight", started less than
 *        MT_IDEMPOTENCY_IN_FLIGHT_MS ago, not abandoned -> MT_ERR_CONFLICT (409)
 *        "in_flight", older or abandoned               -> take it over (compare-and-set:
 *                                                         of two retries only one executes,
 *                                                         the other gets 409)
 *        "done"                                        -> replay the stored answer
 *   3. the handler executes and renders its answer;
 *   4. finish: a status below 500 is stored ("done", compare-and-set on the record we hold)
 *      and replayed to every later identical request; a 5xx or a 429 (a quota: the refusal
 *      lifts with time) marks the record abandoned, so that a retry executes again at once (the port has no delete; records are purged
 *      after MT_IDEMPOTENCY_RETENTION_MS by the timers, idempotency_purge on created_at).
 * A request that crashes the process leaves an in-flight record: retries get 409 until it is
 * MT_IDEMPOTENCY_IN_FLIGHT_MS old, then the next retry takes it over and executes.
 *
 * The request hash is BLAKE2b-256 over the method, the path and the validated body
 * (its BSON bytes, which the strict parser makes canonical: the raw text is wiped by the
 * dispatcher once parsed, and two texts differing only in white space are one request).
 */
#ifndef MT_IDEMPOTENCY_H
#define MT_IDEMPOTENCY_H

#include "mt_error.h"
#include "mt_id.h"
#include "service.h"

#include <bson/bson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MT_IDEMPOTENCY_KEY_MAX 128
#define MT_IDEMPOTENCY_ID_SIZE (MT_ID_SIZE + 1 + MT_IDEMPOTENCY_KEY_MAX)
#define MT_IDEMPOTENCY_HASH_HEX_SIZE 65                        /* 64 hex digits + NUL */
#define MT_IDEMPOTENCY_IN_FLIGHT_MS INT64_C (300000)           /* 5 minutes */
#define MT_IDEMPOTENCY_RETENTION_MS INT64_C (24 * 3600 * 1000) /* purged after 24 hours */
#define MT_IDEMPOTENCY_BODY_MAX ((size_t) 1024 * 1024)         /* answers stored, at most */

/* An answer to store or replay. Strings are borrowed. */
typedef struct {
  int status;
  const char *content_type; /* "application/json; charset=utf-8", ... */
  const char *body;         /* body_len bytes, may be NULL when body_len is 0 */
  size_t body_len;
  const char *location; /* Location header, or NULL */
  const char *etag;     /* ETag header, or NULL */
  const char *lang;     /* Content-Language header, or NULL */
} mt_idempotency_answer_t;

typedef enum {
  MT_IDEMPOTENCY_EXECUTE = 0, /* handle the request, then mt_idempotency_finish */
  MT_IDEMPOTENCY_REPLAY,      /* answer with mt_idempotency_stored_answer */
} mt_idempotency_outcome_t;

/* What begin found or holds. Initialise with mt_idempotency_init, free with _destroy. */
typedef struct {
  char id[MT_IDEMPOTENCY_ID_SIZE];
  char hash[MT_IDEMPOTENCY_HASH_HEX_SIZE];
  int64_t version; /* of the in-flight record held (EXECUTE) */
  bool held;       /* an in-flight record is ours to finish */
  bson_t record;   /* the stored record (REPLAY) */
} mt_idempotency_t;

void mt_idempotency_init (mt_idempotency_t *state);
void mt_idempotency_destroy (mt_idempotency_t *state);

/* A key is 1..MT_IDEMPOTENCY_KEY_MAX printable ASCII characters (0x20..0x7e); anything else
 * is MT_ERR_BAD_REQUEST (path "Idempotency-Key"). */
bool mt_idempotency_key_valid (const char *key, mt_error_t *error);

/* The request hash (hexadecimal BLAKE2b-256) of @method, @path and @body (may be NULL). */
void mt_idempotency_hash (const char *method, const char *path, const bson_t *body,
                          char hex[MT_IDEMPOTENCY_HASH_HEX_SIZE]);

/*
 * Steps 1 and 2 above for the caller's account (ctx->principal, required) and @key (checked
 * with mt_idempotency_key_valid). @state: initialised by the caller. Errors:
 * MT_ERR_BAD_REQUEST (key), MT_ERR_UNPROCESSABLE (key used for another request),
 * MT_ERR_CONFLICT (in flight), store errors.
 */
bool mt_idempotency_begin (const mt_ctx_t *ctx, const char *key,
                           const char hash[MT_IDEMPOTENCY_HASH_HEX_SIZE], mt_idempotency_t *state,
                           mt_idempotency_outcome_t *outcome, mt_error_t *error);

/* The stored answer after MT_IDEMPOTENCY_REPLAY, borrowed from @state. */
void mt_idempotency_stored_answer (const mt_idempotency_t *state, mt_idempotency_answer_t *answer);

/* Is an answer of @status stored and replayed (true), or does a retry execute again (false:
 * a 5xx, not the client's fault, or a 429, which lifts with time)? */
bool mt_idempotency_status_kept (int status);

/*
 * Step 4: stores @answer (mt_idempotency_status_kept) or abandons the record (otherwise). Does
 * nothing when @state holds no record. A failure (store error, or the record taken over
 * meanwhile: MT_ERR_STALE) leaves the record in flight; the caller logs it and replies
 * anyway.
 */
bool mt_idempotency_finish (const mt_ctx_t *ctx, mt_idempotency_t *state,
                            const mt_idempotency_answer_t *answer, mt_error_t *error);

#endif
