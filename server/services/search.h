/*
 * search: GET /v1/listings and GET /v1/needs (the query string turned into a store query, the
 * caller's visibility, the paging loop, and for listings the availability filter) and GET
 * /v1/listings/{id}/availability. docs/API.md ("Listings", "Needs") is the contract.
 *
 * Listings and needs are searched by the same code: a target (mt_search_target_t) says what
 * differs — the statuses, which of them others may see, the store's search, the visibility
 * and view of one document. mt_search_listings is the listings' target; needs.c defines the
 * needs' one.
 *
 * Parameters arrive as the decoded strings of the query (NULL when absent). Every invalid
 * one is MT_ERR_BAD_REQUEST (400 "bad-request") whose error path is the parameter's name
 * ("q", "available_from", "limit"...), so the problem carries errors: [{"path": "q", ...}].
 *
 * Visibility: the store filters coarsely (mt_store_listing_query_t: statuses, public,
 * networks of the caller's member, own member, any for administrators), then every candidate
 * goes through the target's visibility (mt_listing_visible of listings.h, mt_need_visible of
 * needs.h) with its owner, exactly as GET /v1/listings/{id} (or /v1/needs/{id}) does: a
 * document of a suspended or deleted owner never shows. Hence, and because of the
 * availability filter, a page may hold fewer than "limit" items while next_cursor is set.
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

/* --- Targets ------------------------------------------------------------------------------ */

/*
 * What a search looks through. Documents are listing-shaped: "id", "owner_id" (a member),
 * "kind", "status", "visibility", "created_at", searched by the store with an
 * mt_store_listing_query_t.
 */
typedef struct {
  const char *const *statuses; /* accepted values of "status" (NULL-terminated) */
  const char *statuses_fr;     /* them, for messages: "draft, published, paused ou archived" */
  const char *statuses_en;     /* "draft, published, paused or archived" */
  const char *default_status;  /* listed without "status": "published" | "open" */
  const char *const *public_statuses; /* statuses of others' documents that anonymous callers
                                       * and accounts of pending members may see */
  const char *const *member_statuses; /* ...that accounts of active members may see */
  bool ranges;                        /* available_from / available_to apply (goods) */
  /* The store's search (listing_search, need_search). */
  bool (*search) (mt_store_t *store, const mt_store_listing_query_t *query, mt_store_page_t *out,
                  mt_error_t *error);
  /* The caller may change the document (its owner's accounts, administrators): it is
   * visible whatever its owner, which is then not read. */
  bool (*may_change) (const mt_ctx_t *ctx, const bson_t *doc);
  /* The caller may see the document, whose owner member is @owner (NULL when absent). */
  bool (*visible) (const mt_ctx_t *ctx, const bson_t *doc, const bson_t *owner);
  /* The document as the caller receives it (@out initialised here). */
  void (*view) (const mt_ctx_t *ctx, const bson_t *doc, bson_t *out);
} mt_search_target_t;

/* Listings: statuses draft, published, paused, archived; others see "published" ones only
 * (mt_listing_visible), with the availability filter. */
extern const mt_search_target_t mt_search_listings;

/* --- The query of GET /v1/listings and GET /v1/needs ----------------------------------------- */

/* The query string of GET /v1/listings (or /v1/needs), decoded; NULL when absent. */
typedef struct {
  const char *q;
  const char *kind;           /* "good" | "service" */
  const char *category;       /* a slug of categories.h */
  const char *departement;    /* "59", "2A", "974"... */
  const char *owner;          /* a member id */
  const char *network;        /* a network id: owners in that network */
  const char *status;         /* one of the target's statuses */
  const char *available_from; /* only for a target with ranges; ignored otherwise */
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
  mt_store_listing_query_t query; /* ready for the target's search (cursor and limit per page) */
  mt_search_terms_t terms;
  const char *statuses[2];
  const char **visible_networks; /* malloc'd, NULL-terminated; NULL when none */
  bool nothing;                  /* nothing can match (e.g. drafts asked anonymously) */
  bool has_range;                /* available_from / available_to given */
  int64_t from_ms;
  int64_t to_ms;
  uint32_t limit;
} mt_search_plan_t;

/*
 * Validates @params and maps them and the caller (@caller: NULL when anonymous) to @plan
 * (always initialised; release it with mt_search_plan_destroy), for @target (here written
 * for listings, where the default status is "published" and others see only it):
 *   - anonymous: "public" documents in a public status ("published") only;
 *   - an account of an active member: documents that are public or whose owner shares one of
 *     its member's networks, plus its own member's documents; an account of a member still
 *     pending: public and its own;
 *   - administrators: every document;
 *   - "status" asks for one status: a status the caller may not see on others' documents
 *     (public_statuses, or member_statuses for an account of an active member) is only ever
 *     its own member's documents (administrators: anyone's), so for others the owner filter
 *     becomes the own member (and a foreign "owner" or an anonymous caller gives nothing);
 *   - without "status": the default status, except when "owner" is the caller's own member
 *     (or, for administrators, whenever "owner" is given): every status of that owner;
 *   - sort "relevance" by default when q has words, else "recent" (and "relevance" without
 *     words is "recent"); limit 20 by default, 1 to 100 (anything else 400);
 *   - available_from / available_to only when the target has ranges (ignored otherwise).
 * The cursor is checked for shape only (printable ASCII, at most MT_SEARCH_CURSOR_MAX_BYTES);
 * the store refuses one it did not produce.
 */
bool mt_search_plan_build_for (const mt_search_target_t *target, const mt_principal_t *caller,
                               const mt_search_params_t *params, mt_search_plan_t *plan,
                               mt_error_t *error);

/* mt_search_plan_build_for (&mt_search_listings, ...). */
bool mt_search_plan_build (const mt_principal_t *caller, const mt_search_params_t *params,
                           mt_search_plan_t *plan, mt_error_t *error);

void mt_search_plan_destroy (mt_search_plan_t *plan);

/*
 * Runs the search of @params over @target for @ctx's caller. Store pages are read until
 * "limit" documents are kept, the store has no more, or MT_SEARCH_CANDIDATES_MAX candidates
 * (in at most 20 store pages) were examined; each candidate is kept when the target's
 * visibility holds (its owner read once per search, unless the caller may change it) and,
 * with a range, when it is a service or a good with at least one unit free over the whole
 * range (availability.h over its blackouts and calendar). @items (initialised here) is
 * array-shaped, each item as the target's view gives it; @next_cursor is the store's cursor
 * after the last examined candidate, "" at the end. Errors: those of
 * mt_search_plan_build_for, MT_ERR_BAD_REQUEST (path "cursor") for a cursor the store
 * refuses, store errors.
 */
bool mt_search_run_for (const mt_search_target_t *target, const mt_ctx_t *ctx,
                        const mt_search_params_t *params, bson_t *items,
                        char next_cursor[MT_STORE_CURSOR_MAX], mt_error_t *error);

/* GET /v1/listings: mt_search_run_for (&mt_search_listings, ...), items as mt_listing_view
 * gives them. */
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
