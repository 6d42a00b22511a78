/*
 * accounts: the people who sign in. An account belongs to exactly one member, with a member
 * role (manager | staff) and a platform role (member | admin). E-mails are unique
 * case-insensitively: the store indexes "email_key", the normalised e-mail.
 *
 * Stored document:
 *   id, version, member_id, email, email_key, name, member_role, platform_role,
 *   status ("active" | "invited" | "removed" | "deleted"), password_hash (Argon2id string,
 *   never leaves the service), tokens_not_before (date: tokens issued before are refused),
 *   created_at, updated_at (dates), lang ("fr" | "en", optional), and for invitations:
 *   invitation {token_hash, expires_at, invited_by}. Erased accounts ("removed" by a
 *   manager, "deleted" by their owner) keep their id, roles and dates and add erased_at.
 */
#ifndef MT_ACCOUNTS_H
#define MT_ACCOUNTS_H

#include "mt_error.h"
#include "mt_id.h"
#include "service.h"

#include <bson/bson.h>
#include <stdbool.h>

#define MT_EMAIL_MAX 254

/*
 * Normalises an e-mail for uniqueness: trims spaces and lowercases ASCII letters. Returns
 * false when the result is empty or too long.
 */
bool mt_email_key (const char *email, char out[MT_EMAIL_MAX + 1]);

/* The fields of a new account. */
typedef struct {
  const char *member_id;
  const char *email;
  const char *name;
  const char *member_role;   /* "manager" | "staff" */
  const char *platform_role; /* "member" | "admin" */
  const char *status;        /* "active" | "invited" */
  const char *password_hash; /* may be NULL for an invited account */
} mt_account_fields_t;

/* Builds a new account document in @out (initialised here) with a fresh id (copied to
 * @id_out when not NULL), version 1 and dates at @now_ms. */
bool mt_account_build (const mt_account_fields_t *fields, int64_t now_ms, bson_t *out,
                       char id_out[MT_ID_SIZE], mt_error_t *error);

/* The account as its owner, colleagues or admins see it: the fields of account.json only
 * (never the password hash, invitation or calendar secrets, internal keys). @out is
 * initialised here. */
void mt_account_public_view (const bson_t *account, bson_t *out);

/* An account as listed among the colleagues of a member: id, name, email, member_role,
 * status, created_at (and nothing else). @out is initialised here. */
void mt_account_colleague_view (const bson_t *account, bson_t *out);

/* True when the account's status lets it sign in ("active"). */
bool mt_account_is_active (const bson_t *account);

/*
 * Builds in @out (initialised here) @account with its personal data erased: name
 * "Compte supprimé", email and email_key "deleted+<id>@invalid", no password hash, no
 * invitation, @status ("removed" | "deleted"), tokens_not_before, erased_at and updated_at
 * at @now_ms. Roles, member_id and created_at are kept so that shared history stays whole.
 */
void mt_account_anonymised (const bson_t *account, const char *status, int64_t now_ms, bson_t *out);

/* Copies @doc into @out (initialised here) with "version" set to @version, in place: what the
 * store holds after a successful compare-and-set update of @doc. */
void mt_document_with_version (const bson_t *doc, int64_t version, bson_t *out);

/*
 * The If-Match rule shared by every update: true when @if_match (a header value: "*", or a
 * list of entity tags such as W/"3", "3") matches @version. A NULL @if_match matches.
 */
bool mt_etag_matches (const char *if_match, int64_t version);

/* --- /v1/me --------------------------------------------------------------------------------- */

/*
 * The caller's account (public view) and member (stored document) as {"account", "member"}
 * in @out (initialised here). Errors: MT_ERR_UNAUTHENTICATED without a caller.
 */
bool mt_me_get (const mt_ctx_t *ctx, bson_t *out, mt_error_t *error);

/*
 * Applies @patch (validated me_patch.json: name, lang) to the caller's account with
 * compare-and-set and writes the updated public view to @out (initialised here).
 * @if_match: the If-Match header or NULL. Errors: MT_ERR_PRECONDITION_FAILED when @if_match
 * does not match the current version (or the version changed meanwhile); MT_ERR_STALE when
 * the update lost twice against concurrent writers without If-Match.
 */
bool mt_me_patch (const mt_ctx_t *ctx, const bson_t *patch, const char *if_match, bson_t *out,
                  mt_error_t *error);

#endif
