/*
 * fuzz_token: the whole verification of a bearer token as mutuad does it (request.c takes the
 * text after "Authorization: Bearer ", auth.c calls mt_token_verify: untrusted footer, kid,
 * keyring lookup, PASETO v4.public signature, strict claims, times), with a keyring holding
 * one fixed test key, so that seeds may hold real tokens.
 *
 * Input: byte 0 picks the mode.
 *   0: the rest is an Authorization header value ("Bearer <token>"), verified at FZ_NOW_MS.
 *   1: bytes 1-4 shift "now" (signed seconds); the rest is "<payload>\xff<footer>" (without
 *      \xff: the payload, with the key's own kid footer), signed with the test key, so that
 *      the footer and claims parsers see every input past the signature check.
 *   2: a token issued by mt_token_issue (ttl from bytes 1-4), then changed by the
 *      (2-byte position, xor) triples of the rest.
 *
 * Invariants: no crash; an accepted token has well-formed claims (ids, jti, whole seconds,
 * iat <= nbf < exp, a lifetime within MT_TOKEN_MAX_TTL_S, valid at "now" within the clock
 * skew) and the kid of the test key; a refusal is MT_ERR_UNAUTHENTICATED with zeroed claims;
 * the same bytes signed under another implicit assertion are always refused; an issued token
 * verifies, and any change to it is refused.
 */
#include "keyring.h"
#include "mt_paserk.h"
#include "mt_paseto.h"
#include "tokens.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define FZ_NOW_MS INT64_C (1781254800000) /* 2026-06-12T09:00:00Z */
#define FZ_KEY_FILE "20260101T000000.000Z.k4.secret"

static mt_keyring_t *fz_keyring;
static uint8_t fz_secret[crypto_sign_SECRETKEYBYTES];

/* A keyring of one key made from a fixed seed, loaded from a temporary directory. */
static void
fz_setup (void)
{
  uint8_t seed[crypto_sign_SEEDBYTES];
  uint8_t pk[crypto_sign_PUBLICKEYBYTES];
  char paserk[MT_PASERK_K4_SECRET_SIZE];
  char dir[64];
  char path[128];
  mt_error_t error;
  FILE *f;

  if (fz_keyring) {
    return;
  }
  if (sodium_init () < 0) {
    abort ();
  }
  for (size_t i = 0; i < sizeof seed; i++) {
    seed[i] = (uint8_t) (i * 7 + 1);
  }
  crypto_sign_seed_keypair (pk, fz_secret, seed);
  snprintf (dir, sizeof dir, "/tmp/mutua-fuzz-token-XXXXXX");
  if (!mt_paserk_k4_secret_encode (fz_secret, sizeof fz_secret, paserk, &error) || !mkdtemp (dir)) {
    abort ();
  }
  snprintf (path, sizeof path, "%s/%s", dir, FZ_KEY_FILE);
  f = fopen (path, "w");
  if (!f || chmod (path, 0600) != 0 || fputs (paserk, f) < 0 || fclose (f) != 0) {
    abort ();
  }
  fz_keyring = mt_keyring_load (dir, false, &error);
  unlink (path);
  rmdir (dir);
  if (!fz_keyring) {
    fprintf (stderr, "keyring: %s\n", error.message);
    abort ();
  }
}

static bool
fz_zeroed (const mt_token_claims_t *claims)
{
  static const mt_token_claims_t zero;
  return memcmp (claims, &zero, sizeof zero) == 0;
}

/* Verifies @token at @now_ms and checks what comes out either way. */
static bool
fz_verify (const char *token, size_t len, int64_t now_ms)
{
  const int64_t skew_ms = (int64_t) MT_TOKEN_CLOCK_SKEW_S * 1000;
  mt_token_claims_t claims;
  mt_error_t error;
  const mt_keyring_key_t *key = mt_keyring_signing_key (fz_keyring);

  mt_error_clear (&error);
  if (!mt_token_verify (fz_keyring, token, len, now_ms, &claims, &error)) {
    if (error.code != MT_ERR_UNAUTHENTICATED || !fz_zeroed (&claims)) {
      abort ();
    }
    return false;
  }
  if (!mt_id_is_valid (claims.sub, NULL) || !mt_id_is_valid (claims.mid, NULL) ||
      strlen (claims.jti) != MT_TOKEN_JTI_LEN ||
      strcmp (claims.kid, mt_keyring_key_kid (key)) != 0 || claims.iat_ms % 1000 != 0 ||
      claims.nbf_ms % 1000 != 0 || claims.exp_ms % 1000 != 0 || claims.nbf_ms < claims.iat_ms ||
      claims.exp_ms <= claims.nbf_ms ||
      claims.exp_ms - claims.iat_ms > (int64_t) MT_TOKEN_MAX_TTL_S * 1000 ||
      now_ms >= claims.exp_ms || now_ms + skew_ms < claims.nbf_ms ||
      now_ms + skew_ms < claims.iat_ms) {
    abort ();
  }
  return true;
}

/* Mode 0: an Authorization header value, as request.c reads it. */
static void
fz_header (const uint8_t *data, size_t size)
{
  char *value = malloc (size + 1);
  const char *token;

  if (!value) {
    abort ();
  }
  memcpy (value, data, size);
  value[size] = '\0'; /* a header value ends at a NUL (the guard refuses them anyway) */
  if (strncasecmp (value, "Bearer ", 7) == 0) {
    token = value + 7;
    fz_verify (token, strlen (token), FZ_NOW_MS);
  }
  free (value);
}

/* Mode 1: fuzzed payload and footer, signed with the test key. */
static void
fz_signed (const uint8_t *data, size_t size)
{
  static const char implicit[] = MT_TOKEN_IMPLICIT_ASSERTION;
  static const char other[] = "mutua:another-purpose:v1";
  const mt_keyring_key_t *key = mt_keyring_signing_key (fz_keyring);
  char own_footer[128];
  const uint8_t *payload;
  size_t payload_len;
  const uint8_t *footer;
  size_t footer_len;
  const uint8_t *sep;
  int32_t shift;
  char *token = NULL;
  size_t token_len = 0;
  mt_error_t error;
  int64_t now_ms;

  if (size < 4) {
    return;
  }
  memcpy (&shift, data, sizeof shift);
  now_ms = FZ_NOW_MS + (int64_t) shift * 1000 / 1024; /* within about 24 days */
  data += 4;
  size -= 4;
  sep = memchr (data, 0xff, size);
  payload = data;
  if (sep) {
    payload_len = (size_t) (sep - data);
    footer = sep + 1;
    footer_len = size - payload_len - 1;
  } else {
    payload_len = size;
    footer_len = (size_t) snprintf (own_footer, sizeof own_footer, "{\"kid\":\"%s\"}",
                                    mt_keyring_key_kid (key));
    footer = (const uint8_t *) own_footer;
  }
  if (mt_keyring_key_sign (key, payload, payload_len, footer, footer_len,
                           (const uint8_t *) implicit, sizeof implicit - 1, &token, &token_len,
                           &error)) {
    fz_verify (token, token_len, now_ms);
    free (token);
  }
  /* The same bytes signed for another purpose never pass for an access token. */
  if (mt_paseto_v4_public_sign (fz_secret, payload, payload_len, footer, footer_len,
                                (const uint8_t *) other, sizeof other - 1, &token, &token_len,
                                &error)) {
    if (fz_verify (token, token_len, now_ms)) {
      abort ();
    }
    free (token);
  }
}

/* Mode 2: an issued token, then changed. */
static void
fz_issued (const uint8_t *data, size_t size)
{
  char sub[MT_ID_SIZE];
  char mid[MT_ID_SIZE];
  char *token = NULL;
  char *changed;
  size_t len;
  uint32_t ttl;
  mt_token_claims_t claims;
  mt_error_t error;

  if (size < 4) {
    return;
  }
  memcpy (&ttl, data, sizeof ttl);
  ttl = 1 + ttl % MT_TOKEN_MAX_TTL_S;
  data += 4;
  size -= 4;
  mt_id_new ("acc", sub);
  mt_id_new ("mem", mid);
  if (!mt_token_issue (fz_keyring, sub, mid, FZ_NOW_MS, ttl, &token, &claims, &error)) {
    abort ();
  }
  len = strlen (token);
  if (!fz_verify (token, len, FZ_NOW_MS) || fz_verify (token, len, claims.exp_ms) ||
      !fz_verify (token, len, claims.exp_ms - 1)) {
    abort (); /* valid until its expiry, refused from it on */
  }
  changed = malloc (len + 1);
  if (!changed) {
    abort ();
  }
  memcpy (changed, token, len + 1);
  for (size_t i = 0; i + 2 < size; i += 3) {
    changed[((size_t) data[i] << 8 | data[i + 1]) % len] ^= (char) data[i + 2];
  }
  if (memcmp (changed, token, len) != 0 && fz_verify (changed, len, FZ_NOW_MS)) {
    abort (); /* a changed token must never verify */
  }
  free (changed);
  free (token);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 1) {
    return 0;
  }
  fz_setup ();
  switch (data[0] % 3) {
  case 0:
    fz_header (data + 1, size - 1);
    break;
  case 1:
    fz_signed (data + 1, size - 1);
    break;
  default:
    fz_issued (data + 1, size - 1);
    break;
  }
  return 0;
}
