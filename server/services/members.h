/*
 * members: the organisations (or individuals) of the networks.
 *
 * Stored document:
 *   id, version, name, kind ("association" | "cooperative" | "company" | "public_body" |
 *   "individual" | "platform"), territory {departement, commune, coordinates? {lat, lon}},
 *   description, contact {email, phone, website}, networks (array of network ids),
 *   status ("pending" | "active" | "suspended" | "deleted"), created_at, updated_at,
 *   and approved_at / approved_by / suspended_at / suspended_by / status_reason when they
 *   apply, deleted_at once anonymised (privacy.h).
 */
#ifndef MT_MEMBERS_H
#define MT_MEMBERS_H

#include "lists.h"
#include "mt_error.h"
#include "mt_id.h"
#include "service.h"

#include <bson/bson.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * Builds a new member document in @out (initialised here): the fields of @profile (already
 * validated: name, kind, territory, description, contact, networks) plus a fresh id
 * (copied to @id_out when not NULL), version 1, @status and dates at @now_ms.
 */
void mt_member_build (const bson_t *profile, const char *status, int64_t now_ms, bson_t *out,
                      char id_out[MT_ID_SIZE]);

/* --- Who sees what --------------------------------------------------------------------------
 *
 * A caller sees its own member in full (whatever its status), administrators see every
 * member in full, and an account of an active member sees the public profile of the active
 * members sharing at least one network with its own. Everything else is "not found", so that
 * existence is never revealed. An account whose member is still pending reaches only its own
 * member: other members are "forbidden" (403) whatever the id, as for every other endpoint
 * that needs an approved member.
 */

typedef enum {
  MT_MEMBER_ACCESS_NONE = 0, /* not visible: 404 */
  MT_MEMBER_ACCESS_GATED,    /* the caller's member is not approved yet: 403 */
  MT_MEMBER_ACCESS_PUBLIC,   /* public profile */
  MT_MEMBER_ACCESS_OWN,      /* the caller's own member: full, with its accounts */
  MT_MEMBER_ACCESS_ADMIN,    /* administrators: full, with every account */
} mt_member_access_t;

/* The access @ctx's caller has to @member (a stored document). */
mt_member_access_t mt_member_access (const mt_ctx_t *ctx, const bson_t *member);

/* The public profile: id, name, kind, territory, description, contact, networks. @out is
 * initialised here. */
void mt_member_public_view (const bson_t *member, bson_t *out);

/*
 * The colleague views (mt_account_colleague_view) of the accounts of @member_id, ordered by
 * creation, as an array-shaped document in @items (initialised here). Only "active" and
 * "invited" accounts unless @erased_too; @skip_account_id (may be NULL) is left out.
 */
bool mt_member_colleagues (const mt_ctx_t *ctx, const char *member_id, bool erased_too,
                           const char *skip_account_id, bson_t *items, mt_error_t *error);

/* --- Endpoints --------------------------------------------------------------------------- */

/*
 * GET /v1/members/{id}: the member as the caller may see it, in @out (initialised here): the
 * stored document plus "accounts" for its own member and for administrators, the public
 * profile otherwise. @full_out (may be NULL) tells which (a full view carries "version").
 * Errors: MT_ERR_NOT_FOUND, MT_ERR_FORBIDDEN (see above).
 */
bool mt_member_get (const mt_ctx_t *ctx, const char *id, bson_t *out, bool *full_out,
                    mt_error_t *error);

/*
 * PATCH /v1/members/{id}: applies @patch (validated member_patch.json) with compare-and-set.
 * Managers of the member and administrators only: staff get MT_ERR_FORBIDDEN, accounts of
 * other members MT_ERR_NOT_FOUND. "networks" may be changed by administrators only
 * (MT_ERR_VALIDATION for anyone else) and must name existing networks. A deleted member
 * cannot be changed (MT_ERR_CONFLICT). @if_match: the If-Match header or NULL
 * (MT_ERR_PRECONDITION_FAILED when it does not match). @out (initialised here): the updated
 * member, without accounts.
 */
bool mt_member_patch (const mt_ctx_t *ctx, const char *id, const bson_t *patch,
                      const char *if_match, bson_t *out, mt_error_t *error);

/* Query of the directory (strings as received; NULL when absent). */
typedef struct {
  const char *network; /* a network id: only its members */
  const char *status;  /* administrators only: "pending" | "active" | "suspended" | "deleted" */
  const char *cursor;
  const char *limit;
} mt_member_directory_query_t;

/*
 * GET /v1/members: the active members sharing at least one network with the caller's,
 * ordered by name then id, as public profiles (administrators: every member, stored
 * documents, optionally filtered by status). "network" must be one of the caller's networks
 * (MT_ERR_NOT_FOUND otherwise; administrators: any existing network). A page may hold fewer
 * than "limit" items while a next cursor is given. @items (initialised here) is array-shaped;
 * @next_cursor is "" on the last page.
 */
bool mt_member_directory (const mt_ctx_t *ctx, const mt_member_directory_query_t *query,
                          bson_t *items, char next_cursor[MT_STORE_CURSOR_MAX], mt_error_t *error);

/*
 * POST /v1/members/{id}/accounts: a manager of the member (or an administrator) invites a
 * colleague from @body (validated invitation_create.json: email, name, member_role?). Creates
 * an "invited" account with a one-time invitation secret (signin.h; only its hash is
 * stored; valid MT_INVITATION_TTL_S). @out
 * (initialised here): {"account": public view, "invitation": {"token", "expires_at"}};
 * @account_id_out receives the new id. Errors: as mt_member_patch, MT_ERR_DUPLICATE for a
 * taken e-mail, MT_ERR_CONFLICT for a deleted or suspended member.
 */
bool mt_member_invite (const mt_ctx_t *ctx, const char *member_id, const bson_t *body, bson_t *out,
                       char account_id_out[MT_ID_SIZE], mt_error_t *error);

/*
 * DELETE /v1/members/{id}/accounts/{aid}: a manager (or an administrator) removes a colleague
 * (active or invited): its personal data is erased (privacy.h) and its sessions end.
 * Errors: as mt_member_patch; MT_ERR_NOT_FOUND for an account that is not an active or
 * invited account of that member; MT_ERR_CONFLICT for the last active manager or the last
 * active administrator.
 */
bool mt_member_remove_account (const mt_ctx_t *ctx, const char *member_id, const char *account_id,
                               mt_error_t *error);

/*
 * The instant before which no token of @member's accounts is valid: just after its last
 * suspension ("suspended_at", which re-approval keeps), or 0.
 */
int64_t mt_member_tokens_not_before (const bson_t *member);

/* True when @a and @b (member documents) share at least one network. */
bool mt_members_share_network (const bson_t *a, const bson_t *b);

#endif
