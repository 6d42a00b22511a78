/*
 * needs: what a member looks for ("nous cherchons une sono pour le 12 juin", "aide pour
 * animer notre AG") and the answers other members give, with one of their listings or a
 * message. docs/API.md ("Needs") is the contract.
 *
 * Stored need (store.h need_*; mutable, "version"):
 *   id ("ned_..."), version, owner_id (the author member), created_by (account id), kind
 *   ("good" | "service"), title, description?, category? (slug of categories.h matching the
 *   kind), tags (array of strings, [] by default), territory {departement, commune,
 *   coordinates?} (the author member's by default), visibility ("networks" | "public"),
 *   status ("open" | "closed"), wanted_from?, wanted_to? (dates), answers_count, created_at,
 *   updated_at (dates); once closed: closed_at (date), closed_by (account id),
 *   closed_reason?.
 *
 * Stored answer (store.h need_answer_*; immutable):
 *   id ("ans_..."), need_id, author_member_id, author_account_id, listing_id?, text?,
 *   created_at (date). At least one of listing_id and text.
 *
 * Who sees a need (mt_need_visible): the author's accounts and administrators, always;
 * anyone else only needs of an "active" author: "public" ones, and "networks" ones when the
 * caller is an account of an active member sharing a network with the author; anonymous
 * callers (and accounts of members still pending) see "open" needs only, accounts of active
 * members "open" and "closed" ones. Everything else is "not found".
 *
 * Who sees the answers: the author's accounts and administrators see every answer; the
 * accounts of an answering member see that member's own answers; nobody else sees any.
 *
 * Who answers: an account of an active member that sees the need and is not its author, on
 * an "open" need, with a published listing of its own member (or a text, or both); at most
 * MT_NEED_ANSWERS_MAX answers per need. The author's active accounts are told
 * (mt_event_emit, "need.answered").
 *
 * Who closes: the author's accounts and administrators, once.
 *
 * Audit: the creation ("<need id>:open") and the closing ("<need id>:closed") are recorded
 * (audit.h, entity "need"); answers are not.
 *
 * Concurrency: answering and closing are compare-and-set on the need's version. An answer
 * first counts itself on the need (answers_count + 1, only while the need is open), then is
 * stored, so an answer never arrives after the closing that won; a crash in between leaves
 * answers_count one above the stored answers.
 */
#ifndef MT_NEEDS_H
#define MT_NEEDS_H

#include "mt_error.h"
#include "mt_id.h"
#include "search.h"
#include "service.h"

#include <bson/bson.h>
#include <stdbool.h>
#include <stdint.h>

#define MT_NEED_ID_PREFIX "ned"
#define MT_NEED_ANSWER_ID_PREFIX "ans"
#define MT_NEED_ANSWERS_MAX 100 /* answers per need; one more is MT_ERR_UNPROCESSABLE */

/* --- Rights ----------------------------------------------------------------------------------- */

/* True when @ctx's caller may change @need: an account of its author member, or an
 * administrator. */
bool mt_need_may_change (const mt_ctx_t *ctx, const bson_t *need);

/*
 * True when @ctx's caller (anonymous when ctx->principal is NULL) may see @need (a stored
 * document) whose author member is @author (member_get of its "owner_id"; NULL when it could
 * not be read, which hides the need from everyone but the author's accounts and
 * administrators). Pure.
 */
bool mt_need_visible (const mt_ctx_t *ctx, const bson_t *need, const bson_t *author);

/* The need as a search lists it, in @out (initialised here): the stored document. */
void mt_need_view (const mt_ctx_t *ctx, const bson_t *need, bson_t *out);

/* True when @ctx's caller may see @answer (a stored answer) of @need: the need's author's
 * accounts, administrators, and the accounts of the answer's member. */
bool mt_need_answer_visible (const mt_ctx_t *ctx, const bson_t *need, const bson_t *answer);

/* Needs: statuses open and closed (default open); anonymous visitors see open needs, accounts
 * of active members open and closed ones (mt_need_visible); no ranges. */
extern const mt_search_target_t mt_search_needs;

/* --- Building -------------------------------------------------------------------------------- */

/*
 * Builds a new need in @out (initialised here) from @body (a need_create.json object,
 * already validated) by @author_member (stored member document), created by account
 * @created_by at @now_ms: fresh id (copied to @id_out when not NULL), version 1, status
 * "open", answers_count 0, defaults applied (tags [], visibility "networks", territory the
 * author's). Checks what the schema cannot:
 *   - MT_ERR_VALIDATION (path of the field): a field need_create.json does not have (a
 *     server-owned one such as "status", "owner_id", "answers_count"...), a missing kind or
 *     title;
 *   - MT_ERR_UNPROCESSABLE (path "/category"): an unknown category, or one of the other kind;
 *   - MT_ERR_UNPROCESSABLE (path "/wanted_to"): wanted_to not after wanted_from, or not after
 *     @now_ms;
 *   - MT_ERR_VALIDATION (path "/territory"): no territory in @body and none on the author;
 *   - MT_ERR_INTERNAL: an author without "id", or no @created_by.
 */
bool mt_need_build (const bson_t *body, const bson_t *author_member, const char *created_by,
                    int64_t now_ms, bson_t *out, char id_out[MT_ID_SIZE], mt_error_t *error);

/* --- Endpoints ------------------------------------------------------------------------------ */

/*
 * POST /v1/needs: a need by the caller's member, which must be active (MT_ERR_FORBIDDEN;
 * MT_ERR_UNAUTHENTICATED when anonymous), from @body (validated need_create.json), with the
 * errors of mt_need_build. @out (initialised here): the stored need with "answers": [];
 * @id_out its id.
 */
bool mt_need_create (const mt_ctx_t *ctx, const bson_t *body, bson_t *out, char id_out[MT_ID_SIZE],
                     mt_error_t *error);

/*
 * GET /v1/needs/{id}: the need and "answers": the answers the caller may see
 * (mt_need_answer_visible), oldest first, in @out (initialised here). MT_ERR_NOT_FOUND when
 * absent or not visible.
 */
bool mt_need_get (const mt_ctx_t *ctx, const char *id, bson_t *out, mt_error_t *error);

/* GET /v1/needs: mt_search_run_for (&mt_search_needs, ...). */
bool mt_needs_search (const mt_ctx_t *ctx, const mt_search_params_t *params, bson_t *items,
                      char next_cursor[MT_STORE_CURSOR_MAX], mt_error_t *error);

/*
 * POST /v1/needs/{id}/answers with @body (validated need_answer.json: {listing_id?, text?}).
 * Checks, in this order: a caller (MT_ERR_UNAUTHENTICATED) of an active member
 * (MT_ERR_FORBIDDEN); the need exists and is visible (MT_ERR_NOT_FOUND); the caller's member
 * is not its author (MT_ERR_UNPROCESSABLE); at least one of listing_id and text
 * (MT_ERR_VALIDATION), a text of 1 to 4000 characters not only white space
 * (MT_ERR_VALIDATION, "/text"); the listing is of the caller's member (absent or unseen
 * ones included) and published (MT_ERR_UNPROCESSABLE, "/listing_id"); the need is open
 * (MT_ERR_CONFLICT); the caller's member has not given the same answer (same listing_id and
 * text) before (MT_ERR_DUPLICATE); fewer than MT_NEED_ANSWERS_MAX answers
 * (MT_ERR_UNPROCESSABLE).
 * Then the need's answers_count goes up (compare-and-set, decided again on a lost race), the
 * answer is stored and the author told. @out (initialised here): the stored answer;
 * @id_out its id.
 */
bool mt_need_answer (const mt_ctx_t *ctx, const char *id, const bson_t *body, bson_t *out,
                     char id_out[MT_ID_SIZE], mt_error_t *error);

/*
 * POST /v1/needs/{id}/close with @body (validated need_close.json: {reason?}; may be NULL):
 * by the author's accounts or an administrator (MT_ERR_UNAUTHENTICATED anonymous,
 * MT_ERR_NOT_FOUND when the need is not visible, MT_ERR_FORBIDDEN when it is but the caller
 * may not close it); MT_ERR_CONFLICT when already closed. @if_match (may be NULL):
 * MT_ERR_PRECONDITION_FAILED when it does not match the version read, or when another change
 * wins the race; without it a lost race is decided again. Sets status "closed", closed_at,
 * closed_by, closed_reason (when given), updated_at. @out (initialised here): the closed need
 * as mt_need_get gives it.
 */
bool mt_need_close (const mt_ctx_t *ctx, const char *id, const bson_t *body, const char *if_match,
                    bson_t *out, mt_error_t *error);

#endif
