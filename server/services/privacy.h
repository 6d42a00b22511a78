/*
 * privacy: what the GDPR asks of mutua. A person exports every datum held about them and their
 * organisation (access and portability), and deletes their account (erasure).
 *
 * Erasure keeps the account as an anonymous record so that shared history (loans, messages,
 * the network's statistics) stays consistent: name "Compte supprimé", e-mail
 * "deleted+<id>@invalid", no password, no invitation, its sessions ended. When the last active
 * account of a member goes, the member is anonymised too: status "deleted", name "Structure
 * supprimée", no description nor contact, its territory reduced to its département (kept for
 * statistics), its networks kept; its pending invitations are withdrawn (those accounts are
 * erased as "removed"). The platform's own member (kind "platform") is never anonymised.
 *
 * The rules that keep an organisation governable: its last active manager cannot be removed,
 * nor delete their own account while other active accounts remain; the last active
 * administrator of the platform cannot go either (all MT_ERR_CONFLICT).
 */
#ifndef MT_PRIVACY_H
#define MT_PRIVACY_H

#include "mt_error.h"
#include "service.h"

#include <bson/bson.h>
#include <stdbool.h>

typedef enum {
  MT_ERASE_REMOVE, /* a manager or an administrator removes a colleague: status "removed" */
  MT_ERASE_DELETE, /* the owner deletes their own account: status "deleted" */
} mt_erase_mode_t;

/*
 * Erases account @account_id of member @member_id (see above), compare-and-set on each
 * document, and anonymises the member when no active account remains. Authorisation is the
 * caller's business (members.c, mt_privacy_delete_me). Errors: MT_ERR_NOT_FOUND when the
 * account is not an active or invited account of that member (an already erased one
 * included), MT_ERR_CONFLICT for the governance rules above, MT_ERR_STALE when concurrent
 * writers kept winning.
 */
bool mt_privacy_erase_account (const mt_ctx_t *ctx, const char *member_id, const char *account_id,
                               mt_erase_mode_t mode, mt_error_t *error);

/*
 * DELETE /v1/me: erases the caller's account (MT_ERASE_DELETE) and revokes the token of the
 * request (its jti) until it would have expired.
 */
bool mt_privacy_delete_me (const mt_ctx_t *ctx, mt_error_t *error);

/*
 * GET /v1/me/export: {"exported_at", "account" (public view), "member" (stored document),
 * "colleagues" (the other active or invited accounts, colleague views), "networks" (the
 * member's networks, stored documents)} in @out (initialised here).
 */
bool mt_privacy_export (const mt_ctx_t *ctx, bson_t *out, mt_error_t *error);

/* Builds in @out (initialised here) @member anonymised as described above, at @now_ms. */
void mt_member_anonymised (const bson_t *member, int64_t now_ms, bson_t *out);

#endif
