/*
 * signin: the services behind /v1/auth/...: sign-up, sign-in (rate-limited), sign-out,
 * password change and invitation acceptance. No libevent here: routes_auth.c drives them.
 *
 * Argon2id is slow on purpose, so every flow that hashes or verifies a password is cut in
 * three, and only the middle part may leave the event loop:
 *
 *   job = mt_<flow>_prepare (ctx, body, &error)   loop thread: reads the store, checks rules,
 *                                                   reserves rate-limit attempts
 *   mt_signin_job_run (job)                        any thread (the worker pool): pure CPU,
 *                                                   touches neither the store nor the ctx
 *   mt_<flow>_finish (ctx, job, ..., &error)       loop thread: store writes, tokens
 *   mt_signin_job_free (job)                       always, whatever happened
 *
 * The ctx passed to prepare and finish may be the same one with a later now_ms (the job
 * keeps what it needs). A job that is freed without its finish having run (the worker pool
 * was full, the request died) gives back its rate-limit reservations. Bodies are the
 * validated documents of the routes' schemas (schemas/signup.json, login.json,
 * password_change.json, invitation_accept.json); the services still check what the
 * schemas cannot (password policy in code points, e-mail normalisation, networks).
 *
 * Secrets: passwords are copied into the job and wiped when used or freed; tokens are
 * returned in malloc'd strings wiped by mt_session_destroy; nothing secret is logged.
 */
#ifndef MT_SIGNIN_H
#define MT_SIGNIN_H

#include "mt_error.h"
#include "mt_id.h"
#include "service.h"

#include <bson/bson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A signed-in session: what sign-in and password change return. */
typedef struct {
  char *token;           /* the access token (malloc'd; never log it); NULL when unset */
  int64_t expires_at_ms; /* its "exp" */
  bson_t account;        /* the account, public view (mt_account_public_view) */
  bson_t member;         /* the account's member as stored */
} mt_session_t;

void mt_session_init (mt_session_t *session);
/* Wipes the token and frees everything; @session is initialised again afterwards. */
void mt_session_destroy (mt_session_t *session);

/* One flow in progress; see above. */
typedef struct mt_signin_job mt_signin_job_t;

/* The slow part of @job (an mt_signin_job_t *): Argon2id only. Safe on any thread. */
void mt_signin_job_run (void *job);

/* Wipes and frees @job (no-op on NULL), giving back the rate-limit reservations it holds. */
void mt_signin_job_free (mt_signin_job_t *job);

/* --- Sign-up (POST /v1/auth/signup) ------------------------------------------------------- */

/*
 * Checks a sign-up body (signup.json): password policy (MT_ERR_VALIDATION, path
 * "/password"), e-mail (MT_ERR_VALIDATION, "/email"), that every network exists
 * (MT_ERR_UNPROCESSABLE, path "/member/networks/<i>") and that the e-mail is free
 * (MT_ERR_DUPLICATE). @return the job, or NULL with @error set.
 */
mt_signin_job_t *mt_signup_prepare (const mt_ctx_t *ctx, const bson_t *body, mt_error_t *error);

/*
 * Stores the pending member and its first account (a manager, active) in one step.
 * MT_ERR_DUPLICATE when the e-mail was taken meanwhile. @account_out (public view) and
 * @member_out are initialised here in every case.
 */
bool mt_signup_finish (const mt_ctx_t *ctx, mt_signin_job_t *job, bson_t *account_out,
                       bson_t *member_out, mt_error_t *error);

/* --- Sign-in (POST /v1/auth/login) --------------------------------------------------------- */

/*
 * Starts a sign-in with a login.json body {email, password}. Refuses with
 * MT_ERR_RATE_LIMITED (error->retry_after set) when the e-mail or the client address
 * (ctx->client_addr) has used up its failures. Otherwise the job verifies the password
 * against the account's hash, or against env->dummy_password_hash when the e-mail is
 * unknown or its account cannot sign in, so that both cases cost the same.
 */
mt_signin_job_t *mt_login_prepare (const mt_ctx_t *ctx, const bson_t *body, mt_error_t *error);

/*
 * Concludes a sign-in: every failure (unknown e-mail, wrong password, account not active,
 * member suspended or deleted) is one MT_ERR_UNAUTHENTICATED with one message, counted
 * against the e-mail and the address. On success the e-mail's failures are forgotten, the
 * hash is upgraded when the cost settings changed (compare-and-set; a lost race is
 * ignored) and @out (initialised here in every case) holds a fresh token.
 */
bool mt_login_finish (const mt_ctx_t *ctx, mt_signin_job_t *job, mt_session_t *out,
                      mt_error_t *error);

/* --- Sign-out (POST /v1/auth/logout) ------------------------------------------------------- */

/* Revokes the token of ctx->principal (its jti, until its expiry). */
bool mt_logout (const mt_ctx_t *ctx, mt_error_t *error);

/* --- Password change (POST /v1/auth/password) ---------------------------------------------- */

/*
 * Starts a change for ctx->principal with a password_change.json body {current_password,
 * new_password}: policy of the new one (MT_ERR_VALIDATION, "/new_password"); rate limits
 * as for sign-in (a stolen session must not allow guessing the password).
 */
mt_signin_job_t *mt_password_change_prepare (const mt_ctx_t *ctx, const bson_t *body,
                                             mt_error_t *error);

/*
 * MT_ERR_UNAUTHENTICATED when the current password is wrong. Otherwise stores the new hash
 * with tokens_not_before = the start of the next second, so that every session issued so
 * far stops working, even one issued within the current second (token times are whole
 * seconds), revokes the token in use and returns a fresh one in @out (initialised here in
 * every case), dated tokens_not_before (at most one second ahead; sign-ins within that
 * second are dated so too). MT_ERR_CONFLICT when the password changed meanwhile.
 */
bool mt_password_change_finish (const mt_ctx_t *ctx, mt_signin_job_t *job, mt_session_t *out,
                                mt_error_t *error);

/* --- Invitations ------------------------------------------------------------------------------ */

/*
 * An invitation token is "<account id>.<secret>": the id tells which account to look at
 * (the store has no index on secrets), the secret (MT_INVITATION_SECRET_BYTES random bytes
 * in base64url) proves the invitation. The account stores only
 *   invitation: {token_hash: mt_invitation_hash (whole token text), expires_at: date,
 *                invited_by: account id}
 * with status "invited", and expires_at = invitation time + MT_INVITATION_TTL_S.
 */
#define MT_INVITATION_TTL_S (7 * 24 * 3600)
#define MT_INVITATION_SECRET_BYTES 32
#define MT_INVITATION_TOKEN_LEN (MT_ID_LEN + 1 + 43) /* 43: base64url of 32 bytes */
#define MT_INVITATION_TOKEN_SIZE (MT_INVITATION_TOKEN_LEN + 1)
#define MT_INVITATION_HASH_HEX_SIZE 65 /* 64 hex digits and a NUL */

/* Lowercase hex of the 32-byte BLAKE2b (crypto_generichash, no key) of @token's text. */
void mt_invitation_hash (const char *token, char out_hex[MT_INVITATION_HASH_HEX_SIZE]);

/*
 * Makes a fresh invitation token for @account_id (an "acc" id) into @token_out (@size bytes,
 * at least MT_INVITATION_TOKEN_SIZE; hand it to the invitee, never log or store it) and its
 * hash into @hash_hex_out (store it). Returns false (outputs set to "") on a bad id or a
 * buffer too small.
 */
bool mt_invitation_make (const char *account_id, char *token_out, size_t size,
                         char hash_hex_out[MT_INVITATION_HASH_HEX_SIZE]);

/*
 * Starts accepting an invitation with an invitation_accept.json body {token, password,
 * name?}: password policy first (MT_ERR_VALIDATION, "/password"), then the invitation: an
 * unknown, malformed, used or expired one is MT_ERR_NOT_FOUND, one answer for all.
 */
mt_signin_job_t *mt_invitation_accept_prepare (const mt_ctx_t *ctx, const bson_t *body,
                                               mt_error_t *error);

/*
 * Activates the account: password hash set, status "active", invitation removed (name
 * replaced when given); compare-and-set, so an invitation is accepted at most once (a
 * second acceptance gets MT_ERR_NOT_FOUND). @account_out (public view) is initialised here.
 */
bool mt_invitation_accept_finish (const mt_ctx_t *ctx, mt_signin_job_t *job, bson_t *account_out,
                                  mt_error_t *error);

#endif
