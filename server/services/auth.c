/*
 * auth: authentication of every request (mt_auth_authenticate). Sign-up, sign-in, sign-out
 * and password changes live in accounts.c.
 */
#include "auth.h"

#include "keyring.h"
#include "members.h"
#include "mt_bson.h"
#include "mt_log.h"
#include "tokens.h"

#include <string.h>

#define MT_LOG_DOMAIN "auth"

static bool
mt_auth_refuse (mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_TOKEN, MT_ERR_UNAUTHENTICATED, "session invalide ou expirée",
                "invalid or expired session");
  return false;
}

/* Store failures other than "not found" are not the caller's fault: keep them (503/500). */
static bool
mt_auth_store_failed (const mt_error_t *store_error, mt_error_t *error)
{
  if (store_error->code == MT_ERR_NOT_FOUND) {
    return mt_auth_refuse (error);
  }
  mt_error_copy (error, store_error);
  return false;
}

bool
mt_auth_authenticate (const mt_ctx_t *ctx, const char *token, mt_principal_t *out,
                      mt_error_t *error)
{
  mt_keyring_t *keyring = mt_service_env_keyring (ctx->env);
  mt_token_claims_t claims;
  mt_error_t store_error;
  bool revoked = false;
  bool ok = false;

  mt_principal_init (out);
  if (!keyring) {
    mt_error_set (error, MT_DOMAIN_TOKEN, MT_ERR_UNAVAILABLE, "clés de signature indisponibles",
                  "signing keys unavailable");
    goto done;
  }
  if (!mt_token_verify (keyring, token, strlen (token), ctx->now_ms, &claims, error)) {
    goto done;
  }
  if (!ctx->store->ops->token_is_revoked (ctx->store, claims.jti, &revoked, &store_error)) {
    mt_error_copy (error, &store_error);
    goto done;
  }
  if (revoked) {
    mt_auth_refuse (error);
    goto done;
  }
  bson_destroy (&out->account);
  if (!ctx->store->ops->account_get (ctx->store, claims.sub, &out->account, &store_error)) {
    mt_auth_store_failed (&store_error, error);
    goto done;
  }
  if (!mt_bson_str_eq (&out->account, "status", "active") ||
      !mt_bson_str_eq (&out->account, "member_id", claims.mid) ||
      mt_bson_date (&out->account, "tokens_not_before", 0) > claims.iat_ms) {
    mt_auth_refuse (error);
    goto done;
  }
  bson_destroy (&out->member);
  if (!ctx->store->ops->member_get (ctx->store, claims.mid, &out->member, &store_error)) {
    mt_auth_store_failed (&store_error, error);
    goto done;
  }
  if ((!mt_bson_str_eq (&out->member, "status", "active") &&
       !mt_bson_str_eq (&out->member, "status", "pending")) ||
      mt_member_tokens_not_before (&out->member) > claims.iat_ms) {
    mt_auth_refuse (error); /* suspended or deleted */
    goto done;
  }
  snprintf (out->account_id, sizeof out->account_id, "%s", claims.sub);
  snprintf (out->member_id, sizeof out->member_id, "%s", claims.mid);
  snprintf (out->jti, sizeof out->jti, "%s", claims.jti);
  out->token_exp_ms = claims.exp_ms;
  out->is_admin = mt_bson_str_eq (&out->account, "platform_role", "admin");
  out->is_manager = mt_bson_str_eq (&out->account, "member_role", "manager");
  out->member_active = mt_bson_str_eq (&out->member, "status", "active");
  ok = true;
done:
  if (!ok) {
    mt_principal_destroy (out);
    mt_principal_init (out);
  }
  mt_keyring_unref (keyring);
  return ok;
}
