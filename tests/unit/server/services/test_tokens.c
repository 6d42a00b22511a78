/*
 * Unit tests of server/services/tokens.c: issuing, and every refusal of verification
 * (tampering, time, unknown kid, other versions and purposes, malformed claims, footers),
 * always with one generic error. Claims that the issuer never writes are signed here with
 * the keyring's key so that only the claim check can refuse them.
 */
#include "mt_test.h"

#include "keyring.h"
#include "mt_b64.h"
#include "mt_log.h"
#include "mt_paseto.h"
#include "tokens.h"

#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NOW_MS INT64_C (1781254800123) /* 2026-06-12T09:00:00.123Z; tests never read the clock */
#define IAT_MS INT64_C (1781254800000)
#define ACC "acc_AAAAAAAAAAAAAAAAAAAAAA"
#define MEM "mem_BBBBBBBBBBBBBBBBBBBBBA"

typedef struct {
  char root[256];
  char keys[300];
  mt_keyring_t *kr;
} fixture_t;

static int
setup (void **state)
{
  fixture_t *f = calloc (1, sizeof *f);
  mt_error_t error;

  if (!f) {
    return -1;
  }
  snprintf (f->root, sizeof f->root, "/tmp/mutua-tokens-XXXXXX");
  if (!mkdtemp (f->root)) {
    free (f);
    return -1;
  }
  snprintf (f->keys, sizeof f->keys, "%s/keys", f->root);
  f->kr = mt_keyring_load (f->keys, true, &error);
  if (!f->kr) {
    fprintf (stderr, "keyring: %s\n", error.message);
    return -1;
  }
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  fixture_t *f = *state;
  DIR *d = opendir (f->keys);
  struct dirent *de;
  char path[600];

  while (d && (de = readdir (d))) {
    if (strcmp (de->d_name, ".") != 0 && strcmp (de->d_name, "..") != 0) {
      snprintf (path, sizeof path, "%s/%s", f->keys, de->d_name);
      unlink (path);
    }
  }
  if (d) {
    closedir (d);
  }
  rmdir (f->keys);
  rmdir (f->root);
  mt_keyring_unref (f->kr);
  free (f);
  return 0;
}

#define MT_TEST_KR(name, fn)                                                                       \
  {                                                                                                \
    name, fn, setup, teardown, NULL                                                                \
  }

/* ---- helpers ---------------------------------------------------------------------------- */

/* noinline: GCC 12 otherwise mistakes the returned heap pointer for a dangling local. */
__attribute__ ((noinline)) static char *
issue (const mt_keyring_t *kr, int64_t now_ms, int64_t ttl_s, mt_token_claims_t *claims)
{
  char *token = NULL;
  mt_error_t error;

  if (!mt_token_issue (kr, ACC, MEM, now_ms, ttl_s, &token, claims, &error)) {
    fail_msg ("issue failed: %s", error.message);
  }
  return token;
}

static void
assert_verifies (const mt_keyring_t *kr, const char *token, int64_t now_ms)
{
  mt_token_claims_t claims;
  mt_error_t error;

  if (!mt_token_verify (kr, token, strlen (token), now_ms, &claims, &error)) {
    fail_msg ("refused: %s", error.message);
  }
}

/* Refused, with the one generic error, nothing echoed, and zeroed claims. */
static void
assert_refused (const mt_keyring_t *kr, const char *token, size_t len, int64_t now_ms)
{
  mt_token_claims_t claims;
  mt_token_claims_t zero;
  mt_error_t error;

  memset (&claims, 0x5a, sizeof claims);
  memset (&zero, 0, sizeof zero);
  mt_error_clear (&error);
  if (mt_token_verify (kr, token, len, now_ms, &claims, &error)) {
    fail_msg ("accepted a token that must be refused");
  }
  assert_int_equal (error.code, MT_ERR_UNAUTHENTICATED);
  assert_int_equal (error.domain, MT_DOMAIN_TOKEN);
  assert_string_equal (error.message, "Invalid or expired access token");
  assert_string_equal (error.message_fr, "Jeton d'accès invalide ou expiré");
  assert_memory_equal (&claims, &zero, sizeof claims);
}

/* Signs @payload as the issuer would (kid footer, implicit assertion) unless told otherwise. */
static char *
sign_raw (const mt_keyring_t *kr, const char *payload, const char *footer, const char *implicit)
{
  const mt_keyring_key_t *key = mt_keyring_signing_key (kr);
  char default_footer[128];
  char *token = NULL;
  mt_error_t error;

  if (!footer) {
    snprintf (default_footer, sizeof default_footer, "{\"kid\":\"%s\"}", mt_keyring_key_kid (key));
    footer = default_footer;
  }
  if (!implicit) {
    implicit = MT_TOKEN_IMPLICIT_ASSERTION;
  }
  if (!mt_keyring_key_sign (key, (const uint8_t *) payload, strlen (payload),
                            (const uint8_t *) footer, strlen (footer), (const uint8_t *) implicit,
                            strlen (implicit), &token, NULL, &error)) {
    fail_msg ("sign failed: %s", error.message);
  }
  return token;
}

#define GOOD_CLAIMS                                                                                \
  "{\"sub\":\"" ACC "\",\"mid\":\"" MEM "\",\"jti\":\"CCCCCCCCCCCCCCCCCCCCCA\","                   \
  "\"iat\":\"2026-06-12T09:00:00Z\",\"nbf\":\"2026-06-12T09:00:00Z\","                             \
  "\"exp\":\"2026-06-12T21:00:00Z\"}"

static void
assert_claims_refused (const mt_keyring_t *kr, const char *payload)
{
  char *token = sign_raw (kr, payload, NULL, NULL);
  mt_token_claims_t claims;
  mt_error_t error;

  if (mt_token_verify (kr, token, strlen (token), NOW_MS, &claims, &error)) {
    fail_msg ("accepted the claims %s", payload);
  }
  assert_refused (kr, token, strlen (token), NOW_MS);
  free (token);
}

/* ---- tests ------------------------------------------------------------------------------ */

static void
issues_and_verifies (void **state)
{
  fixture_t *f = *state;
  mt_token_claims_t issued;
  mt_token_claims_t got;
  mt_error_t error;
  char *token = issue (f->kr, NOW_MS, 0, &issued);
  char *other = issue (f->kr, NOW_MS, 0, NULL);
  uint8_t footer[256];
  size_t footer_len = 0;
  char expected_footer[128];

  assert_true (strncmp (token, "v4.public.", 10) == 0);
  assert_true (strlen (token) <= MT_TOKEN_MAX_LEN);
  assert_string_equal (issued.sub, ACC);
  assert_string_equal (issued.mid, MEM);
  assert_int_equal (strlen (issued.jti), MT_TOKEN_JTI_LEN);
  assert_string_equal (issued.kid, mt_keyring_key_kid (mt_keyring_signing_key (f->kr)));
  assert_int_equal (issued.iat_ms, IAT_MS); /* second precision */
  assert_int_equal (issued.nbf_ms, IAT_MS);
  assert_int_equal (issued.exp_ms, IAT_MS + INT64_C (12) * 3600 * 1000);

  /* The footer is {"kid":"<k4.pid>"}. */
  assert_true (mt_paseto_v4_public_footer_untrusted (token, strlen (token), footer, sizeof footer,
                                                     &footer_len, &error));
  snprintf (expected_footer, sizeof expected_footer, "{\"kid\":\"%s\"}", issued.kid);
  assert_int_equal (footer_len, strlen (expected_footer));
  assert_memory_equal (footer, expected_footer, footer_len);

  assert_true (mt_token_verify (f->kr, token, strlen (token), NOW_MS, &got, &error));
  assert_memory_equal (&got, &issued, sizeof got);
  /* Not NUL-terminated input: only token_len bytes are read. */
  {
    size_t len = strlen (token);
    char *copy = malloc (len);
    assert_non_null (copy);
    memcpy (copy, token, len);
    assert_true (mt_token_verify (f->kr, copy, len, NOW_MS, &got, &error));
    free (copy);
  }
  /* Every token has its own jti. */
  assert_string_not_equal (token, other);
  free (token);
  free (other);
}

static void
issue_checks_arguments (void **state)
{
  fixture_t *f = *state;
  mt_token_claims_t claims;
  char *token = (char *) 1;
  mt_error_t error;

  assert_false (mt_token_issue (f->kr, "nope", MEM, NOW_MS, 0, &token, &claims, &error));
  assert_null (token);
  assert_int_equal (error.code, MT_ERR_INTERNAL);
  assert_false (mt_token_issue (f->kr, ACC, NULL, NOW_MS, 0, &token, &claims, &error));
  assert_false (mt_token_issue (f->kr, ACC, MEM, NOW_MS, -1, &token, &claims, &error));
  assert_false (
    mt_token_issue (f->kr, ACC, MEM, NOW_MS, MT_TOKEN_MAX_TTL_S + 1, &token, &claims, &error));
  assert_false (mt_token_issue (NULL, ACC, MEM, NOW_MS, 0, &token, &claims, &error));
  assert_true (mt_token_issue (f->kr, ACC, MEM, NOW_MS, 60, &token, &claims, &error));
  assert_int_equal (claims.exp_ms - claims.iat_ms, 60000);
  free (token);
}

static void
refuses_tampering (void **state)
{
  fixture_t *f = *state;
  char *token = issue (f->kr, NOW_MS, 0, NULL);
  const char *dot = strchr (token + 10, '.');
  size_t text_len = (size_t) (dot - (token + 10));
  uint8_t raw[1024];
  size_t raw_len = 0;
  char bad[2048];
  size_t o;

  assert_true (mt_b64url_decode (token + 10, text_len, raw, sizeof raw, &raw_len));
  /* Payload: "sub" of another account, same length, re-encoded. */
  {
    size_t at = 0;
    size_t i;
    for (i = 0; i + 5 <= raw_len - 64; i++) {
      if (memcmp (raw + i, "acc_A", 5) == 0) {
        at = i + 4;
        break;
      }
    }
    assert_true (at > 0);
    raw[at] = 'B';
    memcpy (bad, "v4.public.", 10);
    o = 10 + mt_b64url_encode (raw, raw_len, bad + 10);
    snprintf (bad + o, sizeof bad - o, "%s", dot);
    assert_refused (f->kr, bad, strlen (bad), NOW_MS);
    raw[at] = 'A';
  }
  /* Signature: last byte flipped. */
  raw[raw_len - 1] ^= 1;
  memcpy (bad, "v4.public.", 10);
  o = 10 + mt_b64url_encode (raw, raw_len, bad + 10);
  snprintf (bad + o, sizeof bad - o, "%s", dot);
  assert_refused (f->kr, bad, strlen (bad), NOW_MS);
  /* One character of the text. */
  snprintf (bad, sizeof bad, "%s", token);
  bad[30] = bad[30] == 'a' ? 'b' : 'a';
  assert_refused (f->kr, bad, strlen (bad), NOW_MS);
  /* Truncated, extended. */
  assert_refused (f->kr, token, strlen (token) - 1, NOW_MS);
  snprintf (bad, sizeof bad, "%sA", token);
  assert_refused (f->kr, bad, strlen (bad), NOW_MS);
  assert_refused (f->kr, "", 0, NOW_MS);
  assert_refused (f->kr, NULL, 0, NOW_MS);
  free (token);
}

static void
refuses_expired_and_not_yet_valid (void **state)
{
  fixture_t *f = *state;
  mt_token_claims_t claims;
  char *token = issue (f->kr, NOW_MS, 3600, &claims);
  int64_t skew = (int64_t) MT_TOKEN_CLOCK_SKEW_S * 1000;

  assert_verifies (f->kr, token, claims.exp_ms - 1);
  assert_refused (f->kr, token, strlen (token), claims.exp_ms);
  assert_refused (f->kr, token, strlen (token), claims.exp_ms + 86400000);
  /* Before nbf: tolerated within the clock skew, refused beyond. */
  assert_verifies (f->kr, token, claims.nbf_ms - skew);
  assert_refused (f->kr, token, strlen (token), claims.nbf_ms - skew - 1);
  assert_refused (f->kr, token, strlen (token), 0);
  free (token);
}

static void
refuses_unknown_kid (void **state)
{
  fixture_t *f = *state;
  char dir[300];
  char keys[320];
  mt_keyring_t *other;
  mt_error_t error;
  char *token;
  char *forged;
  char footer[128];

  snprintf (dir, sizeof dir, "%s/other", f->root);
  assert_int_equal (mkdir (dir, 0700), 0);
  snprintf (keys, sizeof keys, "%s/keys", dir);
  other = mt_keyring_load (keys, true, &error);
  assert_non_null (other);
  token = issue (other, NOW_MS, 0, NULL);
  assert_verifies (other, token, NOW_MS);
  assert_refused (f->kr, token, strlen (token), NOW_MS);
  /* A token of the other key that claims our kid: the signature check refuses it. */
  snprintf (footer, sizeof footer, "{\"kid\":\"%s\"}",
            mt_keyring_key_kid (mt_keyring_signing_key (f->kr)));
  forged = sign_raw (other, GOOD_CLAIMS, footer, NULL);
  assert_refused (f->kr, forged, strlen (forged), NOW_MS);
  free (forged);
  free (token);
  mt_keyring_unref (other);
  /* Clean the other directory here: teardown only knows its own. */
  {
    DIR *d = opendir (keys);
    struct dirent *de;
    char path[700];
    while (d && (de = readdir (d))) {
      if (strcmp (de->d_name, ".") && strcmp (de->d_name, "..")) {
        snprintf (path, sizeof path, "%s/%s", keys, de->d_name);
        unlink (path);
      }
    }
    if (d) {
      closedir (d);
    }
    rmdir (keys);
    rmdir (dir);
  }
}

static void
refuses_other_versions_and_purposes (void **state)
{
  fixture_t *f = *state;
  char *token = issue (f->kr, NOW_MS, 0, NULL);
  char bad[2048];
  static const char *const headers[] = { "v3.public.", "v4.local.",  "v2.public.",
                                         "v4.public",  "V4.PUBLIC.", "v4.secret." };
  size_t i;

  for (i = 0; i < sizeof headers / sizeof headers[0]; i++) {
    snprintf (bad, sizeof bad, "%s%s", headers[i], token + 10);
    assert_refused (f->kr, bad, strlen (bad), NOW_MS);
  }
  free (token);
}

static void
refuses_malformed_claims (void **state)
{
  fixture_t *f = *state;
  char *control = sign_raw (f->kr, GOOD_CLAIMS, NULL, NULL);

  /* The control, signed the same way, passes: the refusals below are the claims'. */
  assert_verifies (f->kr, control, NOW_MS);
  free (control);

  /* Missing claims. */
  assert_claims_refused (f->kr, "{\"mid\":\"" MEM "\",\"jti\":\"CCCCCCCCCCCCCCCCCCCCCA\","
                                "\"iat\":\"2026-06-12T09:00:00Z\",\"nbf\":\"2026-06-12T09:00:00Z\","
                                "\"exp\":\"2026-06-12T21:00:00Z\"}");
  assert_claims_refused (f->kr, "{\"sub\":\"" ACC "\",\"mid\":\"" MEM "\","
                                "\"iat\":\"2026-06-12T09:00:00Z\",\"nbf\":\"2026-06-12T09:00:00Z\","
                                "\"exp\":\"2026-06-12T21:00:00Z\"}");
  assert_claims_refused (f->kr, "{\"sub\":\"" ACC "\",\"mid\":\"" MEM "\",\"jti\":"
                                "\"CCCCCCCCCCCCCCCCCCCCCA\",\"iat\":\"2026-06-12T09:00:00Z\","
                                "\"nbf\":\"2026-06-12T09:00:00Z\"}");
  assert_claims_refused (f->kr, "{}");
  /* Wrong types. */
  assert_claims_refused (f->kr,
                         "{\"sub\":42,\"mid\":\"" MEM "\",\"jti\":\"CCCCCCCCCCCCCCCCCCCCCA\","
                         "\"iat\":\"2026-06-12T09:00:00Z\",\"nbf\":\"2026-06-12T09:00:00Z\","
                         "\"exp\":\"2026-06-12T21:00:00Z\"}");
  assert_claims_refused (f->kr, "{\"sub\":\"" ACC "\",\"mid\":\"" MEM "\",\"jti\":"
                                "\"CCCCCCCCCCCCCCCCCCCCCA\",\"iat\":\"2026-06-12T09:00:00Z\","
                                "\"nbf\":\"2026-06-12T09:00:00Z\",\"exp\":1781298000}");
  assert_claims_refused (f->kr,
                         "{\"sub\":[\"" ACC "\"],\"mid\":\"" MEM "\",\"jti\":"
                         "\"CCCCCCCCCCCCCCCCCCCCCA\",\"iat\":\"2026-06-12T09:00:00Z\","
                         "\"nbf\":\"2026-06-12T09:00:00Z\",\"exp\":\"2026-06-12T21:00:00Z\"}");
  /* Extra claim, duplicate claim, not an object, trailing data (whitespace is JSON). */
  assert_claims_refused (f->kr, "{\"sub\":\"" ACC "\",\"mid\":\"" MEM "\",\"jti\":"
                                "\"CCCCCCCCCCCCCCCCCCCCCA\",\"iat\":\"2026-06-12T09:00:00Z\","
                                "\"nbf\":\"2026-06-12T09:00:00Z\",\"exp\":\"2026-06-12T21:00:00Z\","
                                "\"role\":\"admin\"}");
  assert_claims_refused (f->kr,
                         "{\"sub\":\"" ACC "\",\"sub\":\"" ACC "\",\"mid\":\"" MEM "\","
                         "\"jti\":\"CCCCCCCCCCCCCCCCCCCCCA\",\"iat\":\"2026-06-12T09:00:00Z\","
                         "\"nbf\":\"2026-06-12T09:00:00Z\",\"exp\":\"2026-06-12T21:00:00Z\"}");
  assert_claims_refused (f->kr, "[]");
  assert_claims_refused (f->kr, GOOD_CLAIMS "{}");
  /* Malformed ids. */
  assert_claims_refused (f->kr,
                         "{\"sub\":\"acc_short\",\"mid\":\"" MEM "\",\"jti\":"
                         "\"CCCCCCCCCCCCCCCCCCCCCA\",\"iat\":\"2026-06-12T09:00:00Z\","
                         "\"nbf\":\"2026-06-12T09:00:00Z\",\"exp\":\"2026-06-12T21:00:00Z\"}");
  assert_claims_refused (f->kr,
                         "{\"sub\":\"" ACC "\",\"mid\":\"" MEM "\",\"jti\":"
                         "\"CCCCCCCCCCCCCCCCCCCCCB\",\"iat\":\"2026-06-12T09:00:00Z\","
                         "\"nbf\":\"2026-06-12T09:00:00Z\",\"exp\":\"2026-06-12T21:00:00Z\"}");
  /* Times: not UTC 'Z', fractions, lowercase, impossible, inconsistent, too long a life. */
  assert_claims_refused (f->kr,
                         "{\"sub\":\"" ACC "\",\"mid\":\"" MEM "\",\"jti\":"
                         "\"CCCCCCCCCCCCCCCCCCCCCA\",\"iat\":\"2026-06-12T11:00:00+02:00\","
                         "\"nbf\":\"2026-06-12T09:00:00Z\",\"exp\":\"2026-06-12T21:00:00Z\"}");
  assert_claims_refused (f->kr,
                         "{\"sub\":\"" ACC "\",\"mid\":\"" MEM "\",\"jti\":"
                         "\"CCCCCCCCCCCCCCCCCCCCCA\",\"iat\":\"2026-06-12T09:00:00.000Z\","
                         "\"nbf\":\"2026-06-12T09:00:00Z\",\"exp\":\"2026-06-12T21:00:00Z\"}");
  assert_claims_refused (f->kr,
                         "{\"sub\":\"" ACC "\",\"mid\":\"" MEM "\",\"jti\":"
                         "\"CCCCCCCCCCCCCCCCCCCCCA\",\"iat\":\"2026-06-12t09:00:00z\","
                         "\"nbf\":\"2026-06-12T09:00:00Z\",\"exp\":\"2026-06-12T21:00:00Z\"}");
  assert_claims_refused (f->kr,
                         "{\"sub\":\"" ACC "\",\"mid\":\"" MEM "\",\"jti\":"
                         "\"CCCCCCCCCCCCCCCCCCCCCA\",\"iat\":\"2026-06-12T09:00:00Z\","
                         "\"nbf\":\"2026-06-12T09:00:00Z\",\"exp\":\"2026-06-31T21:00:00Z\"}");
  assert_claims_refused (f->kr,
                         "{\"sub\":\"" ACC "\",\"mid\":\"" MEM "\",\"jti\":"
                         "\"CCCCCCCCCCCCCCCCCCCCCA\",\"iat\":\"2026-06-12T09:00:00Z\","
                         "\"nbf\":\"2026-06-12T09:00:00Z\",\"exp\":\"2026-06-12T08:00:00Z\"}");
  assert_claims_refused (f->kr,
                         "{\"sub\":\"" ACC "\",\"mid\":\"" MEM "\",\"jti\":"
                         "\"CCCCCCCCCCCCCCCCCCCCCA\",\"iat\":\"2026-06-12T09:00:00Z\","
                         "\"nbf\":\"2026-06-12T08:00:00Z\",\"exp\":\"2026-06-12T21:00:00Z\"}");
  assert_claims_refused (f->kr,
                         "{\"sub\":\"" ACC "\",\"mid\":\"" MEM "\",\"jti\":"
                         "\"CCCCCCCCCCCCCCCCCCCCCA\",\"iat\":\"2026-06-12T09:00:00Z\","
                         "\"nbf\":\"2026-06-12T09:00:00Z\",\"exp\":\"2027-06-12T09:00:00Z\"}");
  /* nbf earlier than iat (never issued; also covers iat in the future with nbf faked to now). */
  assert_claims_refused (f->kr,
                         "{\"sub\":\"" ACC "\",\"mid\":\"" MEM "\",\"jti\":"
                         "\"CCCCCCCCCCCCCCCCCCCCCA\",\"iat\":\"2026-06-12T10:00:00Z\","
                         "\"nbf\":\"2026-06-12T09:00:00Z\",\"exp\":\"2026-06-12T21:00:00Z\"}");
}

static void
refuses_footer_tampering (void **state)
{
  fixture_t *f = *state;
  const char *kid = mt_keyring_key_kid (mt_keyring_signing_key (f->kr));
  char footer[256];
  char footer_b64[400];
  char bad[2048];
  char *token = issue (f->kr, NOW_MS, 0, NULL);
  char *dot = strchr (token + 10, '.');
  char *t;
  size_t prefix_len = (size_t) (dot - token);

  /* Footer rewritten in the token (another spelling of the same kid): signature refuses. */
  snprintf (footer, sizeof footer, "{ \"kid\": \"%s\" }", kid);
  mt_b64url_encode ((const uint8_t *) footer, strlen (footer), footer_b64);
  snprintf (bad, sizeof bad, "%.*s.%s", (int) prefix_len, token, footer_b64);
  assert_refused (f->kr, bad, strlen (bad), NOW_MS);
  /* Footer removed. */
  assert_refused (f->kr, token, prefix_len, NOW_MS);
  /* Empty footer part. */
  snprintf (bad, sizeof bad, "%.*s.", (int) prefix_len, token);
  assert_refused (f->kr, bad, strlen (bad), NOW_MS);
  free (token);

  /* Signed by our key, but with footers the issuer never writes. */
  t = sign_raw (f->kr, GOOD_CLAIMS, "", NULL); /* no footer */
  assert_refused (f->kr, t, strlen (t), NOW_MS);
  free (t);
  snprintf (footer, sizeof footer, "{\"kid\":\"%s\",\"x\":1}", kid);
  t = sign_raw (f->kr, GOOD_CLAIMS, footer, NULL);
  assert_refused (f->kr, t, strlen (t), NOW_MS);
  free (t);
  t = sign_raw (f->kr, GOOD_CLAIMS, kid, NULL); /* not JSON */
  assert_refused (f->kr, t, strlen (t), NOW_MS);
  free (t);
  snprintf (footer, sizeof footer, "{\"kid\":[\"%s\"]}", kid);
  t = sign_raw (f->kr, GOOD_CLAIMS, footer, NULL);
  assert_refused (f->kr, t, strlen (t), NOW_MS);
  free (t);
  t = sign_raw (f->kr, GOOD_CLAIMS, "{\"kid\":\"k4.pid.nope\"}", NULL);
  assert_refused (f->kr, t, strlen (t), NOW_MS);
  free (t);
}

static void
refuses_other_implicit_assertion (void **state)
{
  fixture_t *f = *state;
  char *t = sign_raw (f->kr, GOOD_CLAIMS, NULL, "mutua:password-reset:v1");

  assert_refused (f->kr, t, strlen (t), NOW_MS);
  free (t);
}

static void
refuses_oversized_tokens (void **state)
{
  fixture_t *f = *state;
  char *big = malloc (MT_TOKEN_MAX_LEN + 2);

  assert_non_null (big);
  memset (big, 'A', MT_TOKEN_MAX_LEN + 1);
  memcpy (big, "v4.public.", 10);
  big[MT_TOKEN_MAX_LEN + 1] = '\0';
  assert_refused (f->kr, big, MT_TOKEN_MAX_LEN + 1, NOW_MS);
  free (big);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST_KR ("tokens/issue/issues_and_verifies", issues_and_verifies),
    MT_TEST_KR ("tokens/issue/checks_arguments", issue_checks_arguments),
    MT_TEST_KR ("tokens/verify/refuses_tampering", refuses_tampering),
    MT_TEST_KR ("tokens/verify/refuses_expired_and_not_yet_valid",
                refuses_expired_and_not_yet_valid),
    MT_TEST_KR ("tokens/verify/refuses_unknown_kid", refuses_unknown_kid),
    MT_TEST_KR ("tokens/verify/refuses_other_versions_and_purposes",
                refuses_other_versions_and_purposes),
    MT_TEST_KR ("tokens/verify/refuses_malformed_claims", refuses_malformed_claims),
    MT_TEST_KR ("tokens/verify/refuses_footer_tampering", refuses_footer_tampering),
    MT_TEST_KR ("tokens/verify/refuses_other_implicit_assertion", refuses_other_implicit_assertion),
    MT_TEST_KR ("tokens/verify/refuses_oversized_tokens", refuses_oversized_tokens),
  };

  if (sodium_init () < 0) {
    return 1;
  }
  /* MUTUA_TEST_LOG_DEBUG=1 shows why each token is refused. */
  if (getenv ("MUTUA_TEST_LOG_DEBUG")) {
    mt_log_set_level (MT_LOG_DEBUG);
  }
  return cmocka_run_group_tests_name ("server/services/tokens", tests, NULL, NULL);
}
