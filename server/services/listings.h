/*
 * listings: the goods a member lends and the services it offers, and who may see or change
 * them. docs/API.md ("Listings") is the contract.
 *
 * Stored document:
 *   id ("lst_..."), version, owner_id (member id), created_by (account id), kind ("good" |
 *   "service"), title, description?, category (slug of categories.h matching the kind), tags
 *   (array of strings, [] by default), territory {departement, commune, coordinates?}
 *   (the owner's by default), visibility ("networks" | "public"), status ("draft" |
 *   "published" | "paused" | "archived"), photos (array, [] at creation; written by the
 *   photos service), created_at, updated_at, published_at (dates; published_at once first
 *   published, never cleared).
 *   Goods add: quantity (default 1), condition?, replacement_value_cents?, deposit_cents?,
 *   loan_rules {max_days, min_notice_hours, buffer_hours, horizon_days} (always complete,
 *   defaults filled in), approval ("manual" by default | "auto"), pickup {address,
 *   instructions?}?, blackouts [{start, end (dates), reason?}]?, credit_price_per_day?.
 *   Services add: format?, duration_minutes?, credit_rate_per_hour?, languages (default
 *   ["fr"]).
 *   Fields of the other kind never appear.
 *
 * Who sees what (mt_listing_visible): the owner's accounts and administrators see every
 * listing of the owner; other callers see only "published" listings of an "active" owner:
 * "public" ones whoever they are (anonymous included), "networks" ones when they are an
 * account of an active member sharing at least one network with the owner. Everything else
 * is "not found" (existence is never revealed).
 *
 * Who changes what (mt_listing_may_change): any account of the owner member (managers and
 * staff alike) and administrators. Someone else gets MT_ERR_NOT_FOUND for a listing they
 * cannot see and MT_ERR_FORBIDDEN for one they can see.
 */
#ifndef MT_LISTINGS_H
#define MT_LISTINGS_H

#include "mt_error.h"
#include "mt_id.h"
#include "service.h"

#include <bson/bson.h>
#include <stdbool.h>
#include <stdint.h>

#define MT_LISTING_ID_PREFIX "lst"

/* Defaults of the fields a member may leave out (docs/API.md). */
#define MT_LISTING_DEFAULT_QUANTITY 1
#define MT_LISTING_DEFAULT_MAX_DAYS 14
#define MT_LISTING_DEFAULT_MIN_NOTICE_HOURS 24
#define MT_LISTING_DEFAULT_BUFFER_HOURS 0
#define MT_LISTING_DEFAULT_HORIZON_DAYS 180

/* --- Rights ---------------------------------------------------------------------------------- */

/*
 * True when @ctx's caller (anonymous when ctx->principal is NULL) may see @listing (a stored
 * document). @owner_member is the stored owner (member_get of the listing's "owner_id");
 * NULL when it could not be read, which hides the listing from everyone but the owner's
 * accounts and administrators. Pure: reads nothing from the store.
 */
bool mt_listing_visible (const mt_ctx_t *ctx, const bson_t *listing, const bson_t *owner_member);

/* True when @ctx's caller may change @listing: an account of its owner, or an administrator. */
bool mt_listing_may_change (const mt_ctx_t *ctx, const bson_t *listing);

/*
 * True when @ctx's caller may see the "pickup" of @listing: the owner's accounts,
 * administrators, and the accounts of a member holding an "approved" or "checked_out"
 * reservation of the listing (asked of the store, hence the context; a store failure hides
 * the pickup).
 */
bool mt_listing_may_see_pickup (const mt_ctx_t *ctx, const bson_t *listing);

/*
 * The listing as @ctx's caller receives it, in @out (initialised here): the stored document
 * without "pickup" unless mt_listing_may_see_pickup. The caller must already know the
 * listing is visible.
 */
void mt_listing_view (const mt_ctx_t *ctx, const bson_t *listing, bson_t *out);

/*
 * Reads listing @id and its owner and checks that @ctx's caller may see it. @listing_out
 * (initialised here, may not be NULL) receives the stored document (pickup included: filter
 * it with mt_listing_view before answering); @owner_out (may be NULL; initialised here
 * otherwise) the stored owner member. Errors: MT_ERR_NOT_FOUND when absent or not visible;
 * store errors.
 */
bool mt_listing_load_visible (const mt_ctx_t *ctx, const char *id, bson_t *listing_out,
                              bson_t *owner_out, mt_error_t *error);

/*
 * The same, and the caller must be allowed to change the listing: MT_ERR_NOT_FOUND when it
 * cannot see it, MT_ERR_FORBIDDEN when it can see it but may not change it,
 * MT_ERR_UNAUTHENTICATED for an anonymous caller.
 */
bool mt_listing_load_for_change (const mt_ctx_t *ctx, const char *id, bson_t *listing_out,
                                 mt_error_t *error);

/* --- Building ------------------------------------------------------------------------------- */

/*
 * Builds a new listing document in @out (initialised here) from @body (a listing_create.json
 * object, already validated against the schema) owned by @owner_member (stored member
 * document) and created by account @created_by, at @now_ms: fresh id (copied to @id_out when
 * not NULL), version 1, defaults applied, published_at when created "published". Checks what
 * the schema cannot (also for callers such as the CSV import):
 *   - MT_ERR_UNPROCESSABLE (path "/category"): unknown category, or a category of the other
 *     kind;
 *   - MT_ERR_VALIDATION (path of the field): a field of the other kind ("/quantity" on a
 *     service), a server-owned field (id, version, owner_id, created_by, photos, created_at,
 *     updated_at, published_at), or any unknown field;
 *   - MT_ERR_UNPROCESSABLE (path "/blackouts/<i>/end"): a blackout that does not end after it
 *     starts;
 *   - MT_ERR_VALIDATION (path "/territory"): no territory in @body and none on the owner;
 *   - MT_ERR_INTERNAL: an owner without "id", or no @created_by.
 */
bool mt_listing_build (const bson_t *body, const bson_t *owner_member, const char *created_by,
                       int64_t now_ms, bson_t *out, char id_out[MT_ID_SIZE], mt_error_t *error);

/* --- Endpoints ------------------------------------------------------------------------------ */

/*
 * POST /v1/listings: creates a listing owned by the caller's member (which must be active:
 * MT_ERR_FORBIDDEN otherwise; MT_ERR_UNAUTHENTICATED when anonymous) from @body (validated
 * listing_create.json), with the errors of mt_listing_build. @out (initialised here): the
 * stored listing; @id_out its id.
 */
bool mt_listing_create (const mt_ctx_t *ctx, const bson_t *body, bson_t *out,
                        char id_out[MT_ID_SIZE], mt_error_t *error);

/* GET /v1/listings/{id}: the listing as the caller may see it (mt_listing_view) in @out
 * (initialised here). MT_ERR_NOT_FOUND when absent or not visible. */
bool mt_listing_get (const mt_ctx_t *ctx, const char *id, bson_t *out, mt_error_t *error);

/*
 * PATCH /v1/listings/{id}: applies @patch (validated listing_patch.json) with compare-and-set.
 * Rights as mt_listing_load_for_change. @if_match (the If-Match header) is required:
 * MT_ERR_PRECONDITION_REQUIRED when NULL, MT_ERR_PRECONDITION_FAILED when it does not match
 * the stored version or another change wins the race. Fields of the other kind than the
 * stored one are MT_ERR_VALIDATION (with their path), a category as in mt_listing_build.
 * "loan_rules" is replaced as a whole (missing members take their defaults); null removes an
 * optional field. Any status may follow any other; "published_at" is set the first time the
 * listing becomes "published". @out (initialised here): the updated listing (as the caller
 * sees it).
 */
bool mt_listing_patch (const mt_ctx_t *ctx, const char *id, const bson_t *patch,
                       const char *if_match, bson_t *out, mt_error_t *error);

/* What mt_listing_delete did. */
typedef enum {
  MT_LISTING_REMOVED = 0, /* deleted with its photos and calendar: 204 */
  MT_LISTING_ARCHIVED,    /* it has reservations: archived instead, @out holds it: 200 */
} mt_listing_removal_t;

/*
 * DELETE /v1/listings/{id}: rights as mt_listing_load_for_change; @if_match optional
 * (MT_ERR_PRECONDITION_FAILED when given and stale). A listing that has reservations (any
 * stored reservation, whatever its status, or a calendar entry) is archived, otherwise it is
 * deleted. @out (initialised here) holds the
 * archived listing (as the caller sees it) when *@removal is MT_LISTING_ARCHIVED, else is
 * empty.
 */
bool mt_listing_delete (const mt_ctx_t *ctx, const char *id, const char *if_match,
                        mt_listing_removal_t *removal, bson_t *out, mt_error_t *error);

#endif
