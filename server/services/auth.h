/*
 * auth: accounts signing in and out, and the authentication of every request.
 *
 * Tokens are PASETO v4.public (services/tokens.h). Roles and statuses are read from the
 * store on each request, never trusted from the token: a suspended or deleted member, a
 * deleted account, a revoked jti, a token issued before the account's "tokens_not_before"
 * (password change, removal) or before the member's last suspension (re-approval does not
 * bring old sessions back) is refused with MT_ERR_UNAUTHENTICATED.
 */
#ifndef MT_AUTH_H
#define MT_AUTH_H

#include "mt_error.h"
#include "principal.h"
#include "service.h"

#include <bson/bson.h>
#include <stdbool.h>

/* Name of the session cookie carrying the same token for the web app. */
#define MT_AUTH_COOKIE "mutua_session"

/*
 * Verifies @token and loads the caller into @out (initialised in every case; destroy it).
 */
bool mt_auth_authenticate (const mt_ctx_t *ctx, const char *token, mt_principal_t *out,
                           mt_error_t *error);

#endif
