/*
 * tokens: issuing and verifying access tokens (see tokens.h for the format and the rules).
 * Verification is ordered so that nothing from an unauthenticated token is trusted: the
 * footer is only used to look a key up, and the claims are read after the signature check.
 */
#include "tokens.h"

#include "mt_b64.h"
#include "mt_json.h"
#include "mt_log.h"
#include "mt_paseto.h"
#include "mt_time.h"

#include <bson/bson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MT_LOG_DOMAIN "tokens"

#define MT_TOKEN_FOOTER_MAX 256  /* {"kid":"k4.pid.<44>"} is 61 bytes */
#define MT_TOKEN_PAYLOAD_MAX 512 /* six short claims */
#define MT_TOKEN_TIME_LEN 20     /* "YYYY-MM-DDTHH:MM:SSZ" */

static const char mt_token_implicit[] = MT_TOKEN_IMPLICIT_ASSERTION;

/* ---- issuing ---------------------------------------------------------------------------- */

bool
mt_token_issue (const mt_keyring_t *keyring, const char *account_id, const char *member_id,
                int64_t now_ms, int64_t ttl_s, char **token_out, mt_token_claims_t *claims_out,
                mt_error_t *error)
{
  bool ok = false;
  const mt_keyring_key_t *key = NULL;
  mt_token_claims_t claims;
  char iat[MT_TIME_RFC3339_MAX];
  char nbf[MT_TIME_RFC3339_MAX];
  char exp[MT_TIME_RFC3339_MAX];
  char payload[MT_TOKEN_PAYLOAD_MAX];
  char footer[MT_TOKEN_FOOTER_MAX];
  int payload_len;
  int footer_len;

  memset (&claims, 0, sizeof claims);
  *token_out = NULL;
  if (ttl_s == 0) {
    ttl_s = MT_TOKEN_DEFAULT_TTL_S;
  }
  if (!keyring || !(key = mt_keyring_signing_key (keyring)) || !mt_id_is_valid (account_id, NULL) ||
      !mt_id_is_valid (member_id, NULL) || ttl_s < 1 || ttl_s > MT_TOKEN_MAX_TTL_S || now_ms < 0) {
    mt_error_set (error, MT_DOMAIN_TOKEN, MT_ERR_INTERNAL,
                  "Émission de jeton : arguments invalides", "Token issue: invalid arguments");
    goto done;
  }
  memcpy (claims.sub, account_id, MT_ID_SIZE);
  memcpy (claims.mid, member_id, MT_ID_SIZE);
  mt_id_random_token (MT_TOKEN_JTI_BYTES, claims.jti, sizeof claims.jti);
  memcpy (claims.kid, mt_keyring_key_kid (key), MT_PASERK_K4_PID_SIZE);
  claims.iat_ms = now_ms / 1000 * 1000;
  claims.nbf_ms = claims.iat_ms;
  claims.exp_ms = claims.iat_ms + ttl_s * 1000;
  if (mt_time_format_rfc3339 (claims.iat_ms, iat) != MT_TOKEN_TIME_LEN ||
      mt_time_format_rfc3339 (claims.nbf_ms, nbf) != MT_TOKEN_TIME_LEN ||
      mt_time_format_rfc3339 (claims.exp_ms, exp) != MT_TOKEN_TIME_LEN) {
    mt_error_set (error, MT_DOMAIN_TOKEN, MT_ERR_INTERNAL, "Émission de jeton : date hors limites",
                  "Token issue: time out of range");
    goto done;
  }
  /* Every value is an id, base64url or a formatted time: nothing needs JSON escaping. */
  payload_len = snprintf (payload, sizeof payload,
                          "{\"sub\":\"%s\",\"mid\":\"%s\",\"jti\":\"%s\",\"iat\":\"%s\","
                          "\"nbf\":\"%s\",\"exp\":\"%s\"}",
                          claims.sub, claims.mid, claims.jti, iat, nbf, exp);
  footer_len = snprintf (footer, sizeof footer, "{\"kid\":\"%s\"}", claims.kid);
  if (payload_len < 0 || (size_t) payload_len >= sizeof payload || footer_len < 0 ||
      (size_t) footer_len >= sizeof footer) {
    mt_error_set (error, MT_DOMAIN_TOKEN, MT_ERR_INTERNAL, "Émission de jeton : trop long",
                  "Token issue: too long");
    goto done;
  }
  if (!mt_keyring_key_sign (key, (const uint8_t *) payload, (size_t) payload_len,
                            (const uint8_t *) footer, (size_t) footer_len,
                            (const uint8_t *) mt_token_implicit, sizeof mt_token_implicit - 1,
                            token_out, NULL, error)) {
    goto done;
  }
  ok = true;
done:
  if (claims_out) {
    if (ok) {
      *claims_out = claims;
    } else {
      memset (claims_out, 0, sizeof *claims_out);
    }
  }
  return ok;
}

/* ---- verifying -------------------------------------------------------------------------- */

/* Reads the kid of the (untrusted) footer @footer. */
static bool
mt_token_footer_kid (const uint8_t *footer, size_t footer_len, char kid[MT_PASERK_K4_PID_SIZE])
{
  bool ok = false;
  bson_t doc;
  bson_iter_t it;
  const char *s;
  uint32_t len = 0;

  if (!mt_json_parse_object ((const char *) footer, footer_len, MT_JSON_STRICT, &doc, NULL) ||
      bson_count_keys (&doc) != 1 || !bson_iter_init_find (&it, &doc, "kid") ||
      !BSON_ITER_HOLDS_UTF8 (&it)) {
    goto done;
  }
  s = bson_iter_utf8 (&it, &len);
  if (!mt_paserk_k4_pid_is_valid (s, len)) {
    goto done;
  }
  memcpy (kid, s, MT_PASERK_K4_PID_LEN);
  kid[MT_PASERK_K4_PID_LEN] = '\0';
  ok = true;
done:
  bson_destroy (&doc);
  return ok;
}

/* Parses a time claim written as the issuer writes it: "YYYY-MM-DDTHH:MM:SSZ". */
static bool
mt_token_parse_time (const char *s, uint32_t len, int64_t *ms)
{
  char again[MT_TIME_RFC3339_MAX];

  return len == MT_TOKEN_TIME_LEN && mt_time_parse_rfc3339 (s, len, ms) &&
         mt_time_format_rfc3339 (*ms, again) == MT_TOKEN_TIME_LEN && memcmp (again, s, len) == 0;
}

static bool
mt_token_jti_is_valid (const char *s, uint32_t len)
{
  uint8_t raw[MT_TOKEN_JTI_BYTES + 2];
  size_t n = 0;

  return len == MT_TOKEN_JTI_LEN && mt_b64url_decode (s, len, raw, sizeof raw, &n) &&
         n == MT_TOKEN_JTI_BYTES;
}

/*
 * Parses the verified payload into @claims. Returns / Side effects: false with *@reason set
 * (a static string for the debug log) on any missing, extra or malformed claim.
 */
static bool
mt_token_parse_claims (const uint8_t *payload, size_t payload_len, mt_token_claims_t *claims,
                       const char **reason)
{
  enum { SUB = 1, MID = 2, JTI = 4, IAT = 8, NBF = 16, EXP = 32, ALL = 63 };
  bool ok = false;
  bson_t doc;
  bson_iter_t it;
  unsigned seen = 0;

  if (!mt_json_parse_object ((const char *) payload, payload_len, MT_JSON_STRICT, &doc, NULL)) {
    *reason = "claims are not a strict JSON object";
    goto done;
  }
  if (!bson_iter_init (&it, &doc)) {
    *reason = "claims unreadable";
    goto done;
  }
  while (bson_iter_next (&it)) {
    const char *key = bson_iter_key (&it);
    const char *s;
    uint32_t len = 0;

    if (!BSON_ITER_HOLDS_UTF8 (&it)) {
      *reason = "a claim is not a string";
      goto done;
    }
    s = bson_iter_utf8 (&it, &len);
    if (strlen (s) != len) {
      *reason = "a claim holds a NUL";
      goto done;
    }
    if (strcmp (key, "sub") == 0 && mt_id_is_valid (s, NULL)) {
      memcpy (claims->sub, s, MT_ID_SIZE);
      seen |= SUB;
    } else if (strcmp (key, "mid") == 0 && mt_id_is_valid (s, NULL)) {
      memcpy (claims->mid, s, MT_ID_SIZE);
      seen |= MID;
    } else if (strcmp (key, "jti") == 0 && mt_token_jti_is_valid (s, len)) {
      memcpy (claims->jti, s, MT_TOKEN_JTI_SIZE);
      seen |= JTI;
    } else if (strcmp (key, "iat") == 0 && mt_token_parse_time (s, len, &claims->iat_ms)) {
      seen |= IAT;
    } else if (strcmp (key, "nbf") == 0 && mt_token_parse_time (s, len, &claims->nbf_ms)) {
      seen |= NBF;
    } else if (strcmp (key, "exp") == 0 && mt_token_parse_time (s, len, &claims->exp_ms)) {
      seen |= EXP;
    } else {
      *reason = "unknown or malformed claim";
      goto done;
    }
  }
  if (seen != ALL) {
    *reason = "missing claim";
    goto done;
  }
  ok = true;
done:
  bson_destroy (&doc);
  return ok;
}

bool
mt_token_verify (const mt_keyring_t *keyring, const char *token, size_t token_len, int64_t now_ms,
                 mt_token_claims_t *out, mt_error_t *error)
{
  bool ok = false;
  const char *reason = NULL;
  uint8_t footer[MT_TOKEN_FOOTER_MAX];
  size_t footer_len = 0;
  char kid[MT_PASERK_K4_PID_SIZE];
  const mt_keyring_key_t *key = NULL;
  uint8_t *payload = NULL;
  size_t payload_len = 0;
  mt_error_t paseto_error;
  const int64_t skew_ms = (int64_t) MT_TOKEN_CLOCK_SKEW_S * 1000;

  memset (out, 0, sizeof *out);
  mt_error_clear (&paseto_error);
  if (!keyring || !token || token_len > MT_TOKEN_MAX_LEN) {
    reason = "no keyring, no token or token too long";
    goto done;
  }
  /* 1. Untrusted footer -> kid -> key. */
  if (!mt_paseto_v4_public_footer_untrusted (token, token_len, footer, sizeof footer, &footer_len,
                                             &paseto_error)) {
    reason = paseto_error.message;
    goto done;
  }
  if (footer_len == 0 || !mt_token_footer_kid (footer, footer_len, kid)) {
    reason = "footer is not {\"kid\": <k4.pid>}";
    goto done;
  }
  key = mt_keyring_find (keyring, kid, MT_PASERK_K4_PID_LEN);
  if (!key) {
    reason = "unknown kid";
    goto done;
  }
  /* 2. Signature over payload, footer and implicit assertion. */
  if (!mt_paseto_v4_public_verify (mt_keyring_key_public (key), token, token_len, footer,
                                   footer_len, (const uint8_t *) mt_token_implicit,
                                   sizeof mt_token_implicit - 1, &payload, &payload_len,
                                   &paseto_error)) {
    reason = paseto_error.message;
    goto done;
  }
  /* 3. Claims, strictly. */
  if (!mt_token_parse_claims (payload, payload_len, out, &reason)) {
    goto done;
  }
  if (out->exp_ms <= out->iat_ms || out->exp_ms <= out->nbf_ms || out->nbf_ms < out->iat_ms ||
      out->exp_ms - out->iat_ms > (int64_t) MT_TOKEN_MAX_TTL_S * 1000) {
    reason = "inconsistent times";
    goto done;
  }
  /* 4. Time. */
  if (now_ms >= out->exp_ms) {
    reason = "expired";
    goto done;
  }
  if (now_ms + skew_ms < out->nbf_ms) {
    reason = "not yet valid";
    goto done;
  }
  if (now_ms + skew_ms < out->iat_ms) {
    reason = "issued in the future";
    goto done;
  }
  memcpy (out->kid, kid, sizeof kid);
  ok = true;
done:
  free (payload);
  if (!ok) {
    memset (out, 0, sizeof *out);
    MT_DEBUG ("access token refused: %s", reason ? reason : "?");
    mt_error_set (error, MT_DOMAIN_TOKEN, MT_ERR_UNAUTHENTICATED,
                  "Jeton d'accès invalide ou expiré", "Invalid or expired access token");
  }
  return ok;
}

int64_t
mt_token_revocation_instant (int64_t now_ms)
{
  return now_ms - now_ms % 1000 + 1000;
}
