/*
 * search: GET /v1/listings (the query string turned into a store query, the caller's
 * visibility, the availability filter) and GET /v1/listings/{id}/availability.
 * docs/API.md ("Listings") is the contract.
 *
 * Parameters arrive as the decoded strings of the query (NULL when absent). Every invalid
 * one is MT_ERR_BAD_REQUEST (400 "bad-request") whose error path is the parameter's name
 * ("q", "available_from", "limit"...), so the problem carries errors: [{"path": "q", ...}].
 *
 * Visibility: the store filters coarsely (mt_store_listing_query_t: statuses, public,
 * networks of the caller's member, own member, any for administrators), then every candidate
 * goes through mt_listing_visible (listings.h) with its owner, exactly as GET
 * /v1/listings/{id} does: a listing of a suspended or deleted owner never shows. Hence, and
 * because of the availability filter, a page may hold fewer than "limit" items while
 * next_cursor is set.
 */
#ifndef MT_SEARCH_H
#define MT_SEARCH_H

#include "mt_error.h"
#include "principal.h"
#include "service.h"
#include "store.h"

#include <bson/bson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MT_SEARCH_Q_MAX_BYTES 1024     /* a longer q is 400 */
#define MT_SEARCH_TERMS_MAX 10         /* words after the 10th are ignored */
#define MT_SEARCH_TERM_MAX_BYTES 64    /* a longer word is cut, on a UTF-8 boundary */
#define MT_SEARCH_RANGE_MAX_DAYS 366   /* available_from..available_to, from..to */
#define MT_SEARCH_CANDIDATES_MAX 500   /* listings examined at most for one page */
#define MT_SEARCH_CURSOR_MAX_BYTES 500 /* a longer cursor is 400 (< MT_STORE_CURSOR_MAX) */

/* --- Words ------------------------------------------------------------------------------ */

typedef struct {
  char storage[MT_SEARCH_TERMS_MAX][MT_SEARCH_TERM_MAX_BYTES + 1];
  const char *terms[MT_SEARCH_TERMS_MAX + 1]; /* NULL-terminated, into storage */
  size_t count;
} mt_search_terms_t;

/*
 * Splits @q (may be NULL: no word) into words: separated by ASCII white space and control
 * characters; words made only of ASCII punctuation (no letter, digit nor non-ASCII
 * character: `"`, `(`, `*`, `-`...) are dropped, since no indexed word can match them; the
 * others are kept as given (the store ignores case and accents and quotes every character).
 * At most MT_SEARCH_TERMS_MAX words of at most MT_SEARCH_TERM_MAX_BYTES bytes each (cut
 * without splitting a character). @out is always initialised.
 * Errors: MT_ERR_BAD_REQUEST (path "q") when @q is longer than MT_SEARCH_Q_MAX_BYTES or not
 * valid UTF-8.
 */
bool mt_search_terms_split (const char *q, mt_search_terms_t *out, mt_error_t *error);

/* --- Ranges ------------------------------------------------------------------------------ */

/*
 * Parses a range of two RFC 3339 parameters named @from_name and @to_name: both required
 * (the missing one is named), from < to, at most MT_SEARCH_RANGE_MAX_DAYS days.
 * Errors: MT_ERR_BAD_REQUEST with the offending parameter's name as path.
 */
bool mt_search_range_parse (const char *from, const char *to, const char *from_name,
                            const char *to_name, int64_t *from_ms, int64_t *to_ms,
                            mt_error_t *error);

/* --- The query of GET /v1/listings --------------------------------------------------------- */

/* The query string of GET /v1/listings, decoded; NULL when absent. */
typedef struct {
  const char *q;
  const char *kind;        /* "good" | "service" */
  const char *category;    /* a slug of categories.h */
  const char *departement; /* "59", "2A", "974"... */
  const char *owner;       /* a member id */
  const char *network;     /* a network id: owners in that network */
  const char *status;      /* "draft" | "published" | "paused" | "archived" */
  const char *available_from;
  const char *available_to;
  const char *sort; /* "relevance" | "recent" */
  const char *limit;
  const char *cursor;
} mt_search_params_t;

/*
 * A validated search: the store query and what the service filters itself. It points into
 * the parameters (strings) and into the caller's principal (network ids): it must not
 * outlive either.
 */
typedef struct {
  mt_store_listing_query_t query; /* ready for listing_search (cursor and limit per page) */
  mt_search_terms_t terms;
  const char *statuses[2];
  const char **visible_networks; /* malloc'd, NULL-terminated; NULL when none */
  bool nothing;                  /* no listing can match (e.g. drafts asked anonymously) */
  bool has_range;                /* available_from / available_to given */
  int64_t from_ms;
  int64_t to_ms;
  uint32_t limit;
} mt_search_plan_t;

/*
 * Validates @params and maps them and the caller (@caller: NULL when anonymous) to @plan
 * (always initialised; release it with mt_search_plan_destroy):
 *   - anonymous: "published" and "public" only;
 *   - an account of an active member: "published" listings that are public or whose owner
 *     shares one of its member's networks, plus its own member's listings; an account of a
 *     member still pending: public and its own;
 *   - administrators: every listing;
 *   - "status" asks for one status: a status other than "published" is only ever its own
 *     member's listings (administrators: anyone's), so for others the owner filter becomes
 *     the own member (and a foreign "owner" or an anonymous caller gives nothing);
 *   - without "status": "published", except when "owner" is the caller's own member (or,
 *     for administrators, whenever "owner" is given): every status of that owner;
 *   - sort "relevance" by default when q has words, else "recent" (and "relevance" without
 *     words is "recent"); limit 20 by default, 1 to 100 (anything else 400).
 * The cursor is checked for shape only (printable ASCII, at most MT_SEARCH_CURSOR_MAX_BYTES);
 * the store refuses one it did not produce.
 */
bool mt_search_plan_build (const mt_principal_t *caller, const mt_search_params_t *params,
                           mt_search_plan_t *plan, mt_error_t *error);

void mt_search_plan_destroy (mt_search_plan_t *plan);

/*
 * GET /v1/listings: runs the search of @params for @ctx's caller. Store pages are read until
 * "limit" listings are kept, the store has no more, or MT_SEARCH_CANDIDATES_MAX candidates
 * were examined; each candidate is kept when mt_listing_visible holds and, with a range,
 * when it is a service or a good with at least one unit free over the whole range
 * (availability.h over its blackouts and calendar). @items (initialised here) is
 * array-shaped, each item as mt_listing_view gives it; @next_cursor is the store's cursor
 * after the last examined candidate, "" at the end. Errors: those of mt_search_plan_build,
 * MT_ERR_BAD_REQUEST (path "cursor") for a cursor the store refuses, store errors.
 */
bool mt_search_run (const mt_ctx_t *ctx, const mt_search_params_t *params, bson_t *items,
                    char next_cursor[MT_STORE_CURSOR_MAX], mt_error_t *error);

/* --- GET /v1/listings/{id}/availability ---------------------------------------------------- */

/*
 * The availability of listing @id over [@from, @to) (RFC 3339 strings as received: both
 * required, from < to, at most MT_SEARCH_RANGE_MAX_DAYS days) in @out (initialised here):
 * {"listing_id", "from", "to" (dates), "quantity", "free", "busy": [{"start", "end", "units",
 * "reason"}]}. The listing must be visible to @ctx's caller (mt_listing_load_visible).
 * Errors: MT_ERR_BAD_REQUEST (path "from" or "to"), MT_ERR_NOT_FOUND, MT_ERR_UNPROCESSABLE
 * for a service (services have no calendar), store errors.
 */
bool mt_search_availability (const mt_ctx_t *ctx, const char *id, const char *from, const char *to,
                             bson_t *out, mt_error_t *error);

#endif
