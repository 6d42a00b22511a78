/*
 * tokens: mutua's access tokens, PASETO v4.public signed by the keyring's newest key.
 * Pure functions: no storage, no clock (the caller passes "now"), no libevent.
 *
 * Payload (JSON, exactly these six claims, all strings):
 *   {"sub":"<account id>","mid":"<member id>","jti":"<22 base64url chars, 128 random bits>",
 *    "iat":"<RFC 3339 UTC>","nbf":"<= iat>","exp":"<iat + ttl>"}
 * Times are whole seconds written "YYYY-MM-DDTHH:MM:SSZ". Footer (JSON, in clear but signed):
 *   {"kid":"<PASERK k4.pid of the signing key>"}
 * Implicit assertion (signed, not transmitted): MT_TOKEN_IMPLICIT_ASSERTION, so that a
 * token signed by the same keys for another purpose can never pass for an access token.
 *
 * Verification: the footer is read untrusted only to pick the key by kid (unknown kid:
 * refused), then the signature is checked, then the claims are parsed strictly (strict JSON,
 * the six claims and no other, the right types, well-formed ids, canonical times) and the
 * times are checked against "now":
 *   now >= exp                          expired
 *   now + MT_TOKEN_CLOCK_SKEW_S < nbf   not yet valid
 *   now + MT_TOKEN_CLOCK_SKEW_S < iat   issued in the future
 *   exp <= iat, exp <= nbf, nbf < iat, exp - iat > MT_TOKEN_MAX_TTL_S   malformed
 * Every refusal is MT_DOMAIN_TOKEN / MT_ERR_UNAUTHENTICATED with one generic message (the
 * reason goes to the debug log only); nothing of the token is ever echoed or logged.
 *
 * Revocation (logout, password change, suspension, deletion) is checked by the caller
 * against the store with the returned jti; roles and statuses are read from the store too.
 */
#ifndef MT_TOKENS_H
#define MT_TOKENS_H

#include "keyring.h"
#include "mt_error.h"
#include "mt_id.h"
#include "mt_paserk.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MT_TOKEN_DEFAULT_TTL_S (12 * 3600)  /* 12 h */
#define MT_TOKEN_MAX_TTL_S (30 * 24 * 3600) /* longest lifetime issued or accepted */
#define MT_TOKEN_CLOCK_SKEW_S 60            /* tolerated clock difference between servers */
#define MT_TOKEN_JTI_BYTES 16               /* random bytes of a jti */
#define MT_TOKEN_JTI_LEN 22                 /* base64url characters of a jti */
#define MT_TOKEN_JTI_SIZE (MT_TOKEN_JTI_LEN + 1)
#define MT_TOKEN_MAX_LEN 1024 /* longest token text accepted */
#define MT_TOKEN_IMPLICIT_ASSERTION "mutua:access-token:v1"

/* The verified (or issued) claims. Times are ms since the epoch, whole seconds. */
typedef struct {
  char sub[MT_ID_SIZE];            /* account id */
  char mid[MT_ID_SIZE];            /* member id */
  char jti[MT_TOKEN_JTI_SIZE];     /* token id, for revocation */
  char kid[MT_PASERK_K4_PID_SIZE]; /* k4.pid of the key that signed */
  int64_t iat_ms;
  int64_t nbf_ms;
  int64_t exp_ms;
} mt_token_claims_t;

/*
 * Issues a token for @account_id and @member_id (both mt_id_is_valid) signed by the
 * keyring's signing key, issued at @now_ms truncated to the second, valid @ttl_s seconds
 * (0: MT_TOKEN_DEFAULT_TTL_S; otherwise 1..MT_TOKEN_MAX_TTL_S).
 *
 * On success *@token_out is malloc'd and NUL-terminated (free() it; never log it) and
 * @claims_out (may be NULL) holds what was signed. *@token_out is always initialised (NULL
 * on failure), @claims_out too (zeroed on failure).
 * Errors: MT_DOMAIN_TOKEN / MT_ERR_INTERNAL (bad arguments), signing errors.
 */
bool mt_token_issue (const mt_keyring_t *keyring, const char *account_id, const char *member_id,
                     int64_t now_ms, int64_t ttl_s, char **token_out, mt_token_claims_t *claims_out,
                     mt_error_t *error);

/*
 * Verifies @token (@token_len bytes, untrusted, need not be NUL-terminated) at @now_ms with
 * the keys of @keyring (borrowed). @out (not NULL) is always initialised: the claims on
 * success, zeroed on failure. Errors: MT_DOMAIN_TOKEN / MT_ERR_UNAUTHENTICATED.
 */
bool mt_token_verify (const mt_keyring_t *keyring, const char *token, size_t token_len,
                      int64_t now_ms, mt_token_claims_t *out, mt_error_t *error);

/*
 * The instant to store as a "tokens_not_before" (account or member) so that every token
 * issued up to @now_ms stops working: the start of the next second, since token times are
 * whole seconds. Tokens issued afterwards must be dated at or after it (at most one second
 * ahead, well within MT_TOKEN_CLOCK_SKEW_S).
 */
int64_t mt_token_revocation_instant (int64_t now_ms);

#endif
