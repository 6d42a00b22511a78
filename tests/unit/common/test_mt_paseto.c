/*
 * Unit tests of common/mt_paseto.c: the official PASETO v4 vectors (every v4.public vector
 * verifies and is reproduced byte for byte, every expect-fail vector and every v4.local
 * token is refused), PAE, and the refusals the spec requires.
 */
#include "mt_test.h"

#include "mt_b64.h"
#include "mt_paseto.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---------------------------------------------------------------------------- */

/* The UTF-8 string under @key of @doc, or NULL when absent or not a string (JSON null). */
static const char *
vec_str (const bson_t *doc, const char *key, size_t *len)
{
  bson_iter_t it;
  uint32_t n = 0;
  const char *s;

  if (!bson_iter_init_find (&it, doc, key) || !BSON_ITER_HOLDS_UTF8 (&it)) {
    return NULL;
  }
  s = bson_iter_utf8 (&it, &n);
  if (len) {
    *len = n;
  }
  return s;
}

static bool
vec_bool (const bson_t *doc, const char *key)
{
  bson_iter_t it;

  return bson_iter_init_find (&it, doc, key) && BSON_ITER_HOLDS_BOOL (&it) && bson_iter_bool (&it);
}

/* Decodes the hex string under @key into @out; returns the byte count, or -1. */
static long
vec_hex (const bson_t *doc, const char *key, uint8_t *out, size_t cap)
{
  size_t len;
  size_t bin_len = 0;
  const char *hex = vec_str (doc, key, &len);

  if (!hex || sodium_hex2bin (out, cap, hex, len, NULL, &bin_len, NULL) != 0) {
    return -1;
  }
  return (long) bin_len;
}

/* Loads $MUTUA_TEST_DATA_DIR/paseto-test-vectors/@file; its "tests" array goes in @tests. */
static bool
load_vectors (const char *file, bson_t *root, bson_t *tests)
{
  const char *dir = mt_test_data_dir ();
  char path[1024];
  bson_iter_t it;
  bson_iter_t child;
  uint32_t len = 0;
  const uint8_t *data = NULL;

  if (!dir) {
    mt_test_say_skip (file, "MUTUA_TEST_DATA_DIR is not set or not a directory");
    return false;
  }
  snprintf (path, sizeof path, "%s/paseto-test-vectors/%s", dir, file);
  if (!mt_test_load_json (path, root)) {
    fail_msg ("cannot load %s", path);
  }
  if (!bson_iter_init_find (&it, root, "v") || !BSON_ITER_HOLDS_DOCUMENT (&it) ||
      !bson_iter_recurse (&it, &child) || !bson_iter_find (&child, "tests") ||
      !BSON_ITER_HOLDS_ARRAY (&child)) {
    fail_msg ("%s: no \"tests\" array", path);
  }
  bson_iter_array (&child, &len, &data);
  if (!bson_init_static (tests, data, len)) {
    fail_msg ("%s: bad tests array", path);
  }
  return true;
}

static char *
sign_text (const uint8_t *sk, const char *message, const char *footer, const char *implicit)
{
  char *token = NULL;
  mt_error_t error;

  if (!mt_paseto_v4_public_sign (sk, (const uint8_t *) message, strlen (message),
                                 (const uint8_t *) footer, footer ? strlen (footer) : 0,
                                 (const uint8_t *) implicit, implicit ? strlen (implicit) : 0,
                                 &token, NULL, &error)) {
    fail_msg ("sign failed: %s", error.message);
  }
  return token;
}

/* Verifies with an expected footer (NULL: unchecked) and an implicit assertion (NULL: ""). */
static bool
verify_text (const uint8_t *pk, const char *token, size_t token_len, const char *footer,
             const char *implicit, char **message, mt_error_t *error)
{
  uint8_t *m = NULL;
  size_t m_len = 0;
  bool ok;

  ok = mt_paseto_v4_public_verify (pk, token, token_len, (const uint8_t *) footer,
                                   footer ? strlen (footer) : 0, (const uint8_t *) implicit,
                                   implicit ? strlen (implicit) : 0, &m, &m_len, error);
  if (ok) {
    assert_non_null (m);
    assert_int_equal (strlen ((char *) m), m_len);
  } else {
    assert_null (m);
    assert_int_equal (m_len, 0);
  }
  if (message) {
    *message = (char *) m;
  } else {
    free (m);
  }
  return ok;
}

/* Asserts that @token is refused, and when @reason is not NULL, that the message says so. */
static void
assert_refused_because (const uint8_t *pk, const char *token, const char *footer,
                        const char *implicit, const char *reason)
{
  mt_error_t error;

  mt_error_clear (&error);
  if (verify_text (pk, token, strlen (token), footer, implicit, NULL, &error)) {
    fail_msg ("accepted a token that must be refused: %s", token);
  }
  assert_int_equal (error.code, MT_ERR_UNAUTHENTICATED);
  assert_int_equal (error.domain, MT_DOMAIN_TOKEN);
  assert_true (strlen (error.message_fr) > 0);
  /* Messages never echo the token. */
  if (strlen (token) > 12) {
    assert_null (strstr (error.message, token + 10));
  }
  if (reason && !strstr (error.message, reason)) {
    fail_msg ("refused for \"%s\", expected \"%s\"", error.message, reason);
  }
}

static void
assert_refused (const uint8_t *pk, const char *token, const char *footer, const char *implicit)
{
  assert_refused_because (pk, token, footer, implicit, NULL);
}

static void
keypair (uint8_t pk[32], uint8_t sk[64])
{
  crypto_sign_keypair (pk, sk);
}

/* ---- official vectors ------------------------------------------------------------------- */

static void
official_v4_vectors (void **state)
{
  bson_t root;
  bson_t tests;
  bson_iter_t it;
  int public_ok = 0;
  int fail_refused = 0;
  int local_refused = 0;
  int failures = 0;

  if (!load_vectors ("v4.json", &root, &tests)) {
    skip ();
  }
  assert_true (bson_iter_init (&it, &tests));
  while (bson_iter_next (&it)) {
    bson_t t;
    uint32_t len = 0;
    const uint8_t *data = NULL;
    const char *name;
    const char *token;
    const char *footer;
    const char *implicit;
    const char *payload;
    size_t token_len = 0;
    size_t payload_len = 0;
    uint8_t pk[64];
    uint8_t sk[128];
    bool expect_fail;
    mt_error_t error;
    char *message = NULL;

    assert_true (BSON_ITER_HOLDS_DOCUMENT (&it));
    bson_iter_document (&it, &len, &data);
    assert_true (bson_init_static (&t, data, len));
    name = vec_str (&t, "name", NULL);
    token = vec_str (&t, "token", &token_len);
    footer = vec_str (&t, "footer", NULL);
    implicit = vec_str (&t, "implicit-assertion", NULL);
    payload = vec_str (&t, "payload", &payload_len);
    expect_fail = vec_bool (&t, "expect-fail");
    assert_non_null (name);
    assert_non_null (token);
    /* Every vector carries a footer and an implicit assertion, possibly "". */
    assert_non_null (footer);
    assert_non_null (implicit);

    if (expect_fail || strncmp (name, "4-E-", 4) == 0) {
      /* Must be refused by a v4.public verifier: expect-fail vectors (a local token with a
       * public key, a public token with a local key, v3) and every v4.local token. The key
       * is the vector's public key, or its symmetric key used as a public key. */
      long n = vec_hex (&t, "public-key", pk, sizeof pk);
      if (n < 0) {
        n = vec_hex (&t, "key", pk, sizeof pk);
      }
      assert_int_equal (n, 32);
      if (verify_text (pk, token, token_len, footer, implicit, NULL, &error) ||
          verify_text (pk, token, token_len, NULL, implicit, NULL, &error)) {
        fprintf (stderr, "%s: accepted, must be refused\n", name);
        failures++;
      } else if (expect_fail) {
        fail_refused++;
      } else {
        local_refused++;
      }
      continue;
    }
    if (strncmp (name, "4-S-", 4) != 0) {
      fprintf (stderr, "%s: unknown kind of vector\n", name);
      failures++;
      continue;
    }
    assert_int_equal (vec_hex (&t, "public-key", pk, sizeof pk), 32);
    assert_int_equal (vec_hex (&t, "secret-key", sk, sizeof sk), 64);
    assert_non_null (payload);
    if (!verify_text (pk, token, token_len, footer, implicit, &message, &error)) {
      fprintf (stderr, "%s: refused: %s\n", name, error.message);
      failures++;
    } else if (strcmp (message, payload) != 0) {
      fprintf (stderr, "%s: wrong payload\n", name);
      failures++;
    } else {
      char *again = sign_text (sk, payload, footer, implicit);
      if (strcmp (again, token) != 0) {
        fprintf (stderr, "%s: signing does not reproduce the token\n", name);
        failures++;
      } else {
        public_ok++;
      }
      free (again);
    }
    free (message);
    sodium_memzero (sk, sizeof sk);
  }
  fprintf (stderr,
           "v4.json: %d v4.public vectors verified and reproduced, %d expect-fail vectors "
           "refused, %d v4.local vectors refused (v4.local not implemented), %d failures\n",
           public_ok, fail_refused, local_refused, failures);
  bson_destroy (&root);
  assert_int_equal (failures, 0);
  assert_true (public_ok > 0);
  assert_true (fail_refused > 0);
}

/* ---- PAE -------------------------------------------------------------------------------- */

static void
pae_matches_spec_examples (void **state)
{
  uint8_t out[64];
  const uint8_t *pieces[2] = { (const uint8_t *) "", (const uint8_t *) "test" };
  size_t lens[2] = { 0, 4 };
  static const uint8_t empty[8] = { 0 };
  static const uint8_t one_empty[16] = { 1 };
  static const uint8_t one_test[20] = { 1, 0, 0, 0, 0, 0, 0,   0,   4,   0,
                                        0, 0, 0, 0, 0, 0, 't', 'e', 's', 't' };

  assert_int_equal (mt_paseto_pae (NULL, NULL, 0, out, sizeof out), 8);
  assert_memory_equal (out, empty, 8);
  assert_int_equal (mt_paseto_pae (pieces, lens, 1, out, sizeof out), 16);
  assert_memory_equal (out, one_empty, 16);
  assert_int_equal (mt_paseto_pae (pieces + 1, lens + 1, 1, out, sizeof out), 20);
  assert_memory_equal (out, one_test, 20);
  /* Too small an output: 0. */
  assert_int_equal (mt_paseto_pae (pieces + 1, lens + 1, 1, out, 19), 0);
}

/* ---- sign / verify ---------------------------------------------------------------------- */

static void
roundtrip_with_footer_and_implicit (void **state)
{
  uint8_t pk[32];
  uint8_t sk[64];
  char *token;
  char *message = NULL;
  mt_error_t error;

  keypair (pk, sk);
  token = sign_text (sk, "{\"a\":1}", "{\"kid\":\"x\"}", "ctx");
  assert_true (strncmp (token, "v4.public.", 10) == 0);
  assert_non_null (strchr (token + 10, '.'));
  assert_true (verify_text (pk, token, strlen (token), "{\"kid\":\"x\"}", "ctx", &message, &error));
  assert_string_equal (message, "{\"a\":1}");
  free (message);
  /* Unchecked footer: still verified by the signature. */
  assert_true (verify_text (pk, token, strlen (token), NULL, "ctx", NULL, &error));
  free (token);

  /* No footer: no second dot. */
  token = sign_text (sk, "hello", NULL, NULL);
  assert_null (strchr (token + 10, '.'));
  assert_true (verify_text (pk, token, strlen (token), "", NULL, NULL, &error));
  free (token);
  sodium_memzero (sk, sizeof sk);
}

static void
refuses_other_headers (void **state)
{
  uint8_t pk[32];
  uint8_t sk[64];
  char *token;
  const char *body;
  char bad[1024];
  static const char *const headers[] = { "v3.public.",  "v4.local.",  "v2.public.", "V4.public.",
                                         "v4.Public.",  "v4.public",  "v4public.",  "",
                                         "v4.public..", " v4.public." };
  size_t i;

  keypair (pk, sk);
  token = sign_text (sk, "{\"a\":1}", NULL, NULL);
  body = token + 10;
  for (i = 0; i < sizeof headers / sizeof headers[0]; i++) {
    snprintf (bad, sizeof bad, "%s%s", headers[i], body);
    /* "v4.public.." has the right header and an empty payload. */
    assert_refused_because (pk, bad, NULL, NULL,
                            strncmp (headers[i], "v4.public.", 10) == 0 ? "empty payload"
                                                                        : "header");
  }
  assert_refused (pk, "v4.public.", NULL, NULL);
  assert_refused (pk, "v4.public", NULL, NULL);
  assert_refused (pk, "", NULL, NULL);
  free (token);
  sodium_memzero (sk, sizeof sk);
}

static void
refuses_bad_base64url (void **state)
{
  uint8_t pk[32];
  uint8_t sk[64];
  char *token;
  char bad[1024];
  size_t len;
  /* A message whose length + 64 is 1 mod 3 leaves 4 spare bits in the last character. */
  const char *message = "abc";

  keypair (pk, sk);
  token = sign_text (sk, message, NULL, NULL);
  len = strlen (token);
  assert_int_equal ((strlen (message) + 64) % 3, 1);

  /* Non-canonical: set a spare bit of the last character. */
  snprintf (bad, sizeof bad, "%s", token);
  bad[len - 1]++; /* A->B, Q->R, g->h, w->x: the lowest spare bit set */
  assert_refused_because (pk, bad, NULL, NULL, "base64url");
  /* Padding, standard alphabet, whitespace. */
  snprintf (bad, sizeof bad, "%s==", token);
  assert_refused (pk, bad, NULL, NULL);
  snprintf (bad, sizeof bad, "%s", token);
  bad[20] = '+';
  assert_refused (pk, bad, NULL, NULL);
  snprintf (bad, sizeof bad, "%s", token);
  bad[20] = '/';
  assert_refused (pk, bad, NULL, NULL);
  snprintf (bad, sizeof bad, "%s\n", token);
  assert_refused (pk, bad, NULL, NULL);
  /* Impossible length (one character too many). */
  snprintf (bad, sizeof bad, "%sA", token);
  assert_refused (pk, bad, NULL, NULL);
  /* A NUL inside the given length. */
  {
    char with_nul[1024];
    mt_error_t error;
    memcpy (with_nul, token, len);
    with_nul[15] = '\0';
    assert_false (verify_text (pk, with_nul, len, NULL, NULL, NULL, &error));
  }
  free (token);
  sodium_memzero (sk, sizeof sk);
}

static void
refuses_short_payloads (void **state)
{
  uint8_t pk[32];
  uint8_t sk[64];
  uint8_t zeros[64] = { 0 };
  char b64[128];
  char bad[256];

  keypair (pk, sk);
  mt_b64url_encode (zeros, 63, b64);
  snprintf (bad, sizeof bad, "v4.public.%s", b64);
  assert_refused_because (pk, bad, NULL, NULL, "too short");
  mt_b64url_encode (zeros, 1, b64);
  snprintf (bad, sizeof bad, "v4.public.%s", b64);
  assert_refused_because (pk, bad, NULL, NULL, "too short");
  /* Exactly a signature, empty message, but not a valid one. */
  mt_b64url_encode (zeros, 64, b64);
  snprintf (bad, sizeof bad, "v4.public.%s", b64);
  assert_refused_because (pk, bad, NULL, NULL, "signature");
  sodium_memzero (sk, sizeof sk);
}

static void
empty_message_roundtrips (void **state)
{
  uint8_t pk[32];
  uint8_t sk[64];
  char *token;
  char *message = NULL;
  mt_error_t error;

  keypair (pk, sk);
  token = sign_text (sk, "", NULL, NULL);
  assert_true (verify_text (pk, token, strlen (token), NULL, NULL, &message, &error));
  assert_string_equal (message, "");
  free (message);
  free (token);
  sodium_memzero (sk, sizeof sk);
}

/* A copy of @token whose decoded payload byte @byte_index is XORed with @xor_mask. */
static char *
tamper_payload (const char *token, size_t byte_index, uint8_t xor_mask)
{
  const char *dot = strchr (token + 10, '.');
  size_t text_len = dot ? (size_t) (dot - (token + 10)) : strlen (token + 10);
  uint8_t raw[1024];
  size_t raw_len = 0;
  char *out = malloc (2048);
  size_t o;

  assert_non_null (out);
  assert_true (mt_b64url_decode (token + 10, text_len, raw, sizeof raw, &raw_len));
  assert_true (byte_index < raw_len);
  raw[byte_index] ^= xor_mask;
  memcpy (out, "v4.public.", 10);
  o = 10 + mt_b64url_encode (raw, raw_len, out + 10);
  snprintf (out + o, 2048 - o, "%s", dot ? dot : "");
  return out;
}

static void
refuses_bad_signatures (void **state)
{
  uint8_t pk[32];
  uint8_t sk[64];
  uint8_t other_pk[32];
  uint8_t other_sk[64];
  char *token;
  char *bad;
  size_t raw_len;

  keypair (pk, sk);
  keypair (other_pk, other_sk);
  token = sign_text (sk, "{\"sub\":\"acc\"}", "{\"kid\":\"k\"}", NULL);
  raw_len = strlen ("{\"sub\":\"acc\"}") + 64;

  bad = tamper_payload (token, 2, 0x01); /* message byte */
  assert_refused_because (pk, bad, NULL, NULL, "signature");
  free (bad);
  bad = tamper_payload (token, raw_len - 1, 0x80); /* signature byte */
  assert_refused_because (pk, bad, NULL, NULL, "signature");
  free (bad);
  bad = tamper_payload (token, raw_len - 64, 0x01); /* first signature byte */
  assert_refused_because (pk, bad, NULL, NULL, "signature");
  free (bad);
  /* Another key. */
  assert_refused_because (other_pk, token, NULL, NULL, "signature");
  free (token);
  sodium_memzero (sk, sizeof sk);
  sodium_memzero (other_sk, sizeof other_sk);
}

static void
refuses_footer_mismatch_and_tampering (void **state)
{
  uint8_t pk[32];
  uint8_t sk[64];
  char *token;
  char *plain;
  char bad[1024];
  char footer_b64[128];
  const char *other_footer = "{\"kid\":\"l\"}";
  char *dot;

  keypair (pk, sk);
  token = sign_text (sk, "{}", "{\"kid\":\"k\"}", NULL);
  plain = sign_text (sk, "{}", NULL, NULL);

  /* Expected footer differs, or is expected absent. */
  assert_refused_because (pk, token, "{\"kid\":\"l\"}", NULL, "unexpected footer");
  assert_refused_because (pk, token, "", NULL, "unexpected footer");
  /* Expected present but the token has none. */
  assert_refused_because (pk, plain, "{\"kid\":\"k\"}", NULL, "unexpected footer");

  /* Footer replaced in the token: the signature covers it. */
  snprintf (bad, sizeof bad, "%s", token);
  dot = strchr (bad + 10, '.');
  assert_non_null (dot);
  mt_b64url_encode ((const uint8_t *) other_footer, strlen (other_footer), footer_b64);
  snprintf (dot + 1, sizeof bad - (size_t) (dot + 1 - bad), "%s", footer_b64);
  assert_refused_because (pk, bad, NULL, NULL, "signature");
  assert_refused_because (pk, bad, other_footer, NULL, "signature");
  /* Footer added to a token signed without one. */
  snprintf (bad, sizeof bad, "%s.%s", plain, footer_b64);
  assert_refused (pk, bad, NULL, NULL);
  /* Footer removed. */
  snprintf (bad, sizeof bad, "%s", token);
  *strchr (bad + 10, '.') = '\0';
  assert_refused (pk, bad, NULL, NULL);
  /* Empty footer part, and a second footer part. */
  snprintf (bad, sizeof bad, "%s.", plain);
  assert_refused (pk, bad, NULL, NULL);
  snprintf (bad, sizeof bad, "%s.%s", token, footer_b64);
  assert_refused (pk, bad, NULL, NULL);
  free (token);
  free (plain);
  sodium_memzero (sk, sizeof sk);
}

static void
refuses_wrong_implicit_assertion (void **state)
{
  uint8_t pk[32];
  uint8_t sk[64];
  char *token;
  mt_error_t error;

  keypair (pk, sk);
  token = sign_text (sk, "{}", NULL, "mutua");
  assert_true (verify_text (pk, token, strlen (token), NULL, "mutua", NULL, &error));
  assert_refused_because (pk, token, NULL, NULL, "signature");
  assert_refused_because (pk, token, NULL, "mutub", "signature");
  free (token);
  token = sign_text (sk, "{}", NULL, NULL);
  assert_refused_because (pk, token, NULL, "mutua", "signature");
  free (token);
  sodium_memzero (sk, sizeof sk);
}

static void
untrusted_footer_reader (void **state)
{
  uint8_t pk[32];
  uint8_t sk[64];
  char *token;
  uint8_t footer[MT_PASETO_MAX_FOOTER];
  size_t footer_len = 99;
  mt_error_t error;
  char bad[1024];

  keypair (pk, sk);
  token = sign_text (sk, "{}", "{\"kid\":\"k\"}", NULL);
  assert_true (mt_paseto_v4_public_footer_untrusted (token, strlen (token), footer, sizeof footer,
                                                     &footer_len, &error));
  assert_int_equal (footer_len, strlen ("{\"kid\":\"k\"}"));
  assert_memory_equal (footer, "{\"kid\":\"k\"}", footer_len);
  /* Too small a buffer. */
  assert_false (
    mt_paseto_v4_public_footer_untrusted (token, strlen (token), footer, 4, &footer_len, &error));
  assert_int_equal (footer_len, 0);
  /* Wrong header. */
  snprintf (bad, sizeof bad, "v4.local.%s", token + 10);
  assert_false (mt_paseto_v4_public_footer_untrusted (bad, strlen (bad), footer, sizeof footer,
                                                      &footer_len, &error));
  assert_int_equal (error.code, MT_ERR_UNAUTHENTICATED);
  free (token);
  /* No footer. */
  token = sign_text (sk, "{}", NULL, NULL);
  footer_len = 99;
  assert_true (mt_paseto_v4_public_footer_untrusted (token, strlen (token), footer, sizeof footer,
                                                     &footer_len, &error));
  assert_int_equal (footer_len, 0);
  free (token);
  sodium_memzero (sk, sizeof sk);
}

static void
bounds (void **state)
{
  uint8_t pk[32];
  uint8_t sk[64];
  uint8_t *big = calloc (1, MT_PASETO_MAX_MESSAGE + 1);
  char *token = (char *) 1;
  mt_error_t error;
  char *long_token;

  assert_non_null (big);
  memset (big, 'x', MT_PASETO_MAX_MESSAGE + 1);
  keypair (pk, sk);
  assert_false (mt_paseto_v4_public_sign (sk, big, MT_PASETO_MAX_MESSAGE + 1, NULL, 0, NULL, 0,
                                          &token, NULL, &error));
  assert_null (token);
  assert_int_equal (error.code, MT_ERR_INTERNAL);
  assert_false (mt_paseto_v4_public_sign (sk, big, 1, big, MT_PASETO_MAX_FOOTER + 1, NULL, 0,
                                          &token, NULL, &error));
  /* The largest message signs and verifies. */
  assert_true (mt_paseto_v4_public_sign (sk, big, MT_PASETO_MAX_MESSAGE, big, MT_PASETO_MAX_FOOTER,
                                         NULL, 0, &token, NULL, &error));
  assert_true (strlen (token) <= MT_PASETO_MAX_TOKEN);
  assert_true (verify_text (pk, token, strlen (token), NULL, NULL, NULL, &error));
  /* One character more than the maximum token is refused before decoding. */
  long_token = calloc (1, MT_PASETO_MAX_TOKEN + 2);
  assert_non_null (long_token);
  memcpy (long_token, "v4.public.", 10);
  memset (long_token + 10, 'A', MT_PASETO_MAX_TOKEN + 1 - 10);
  assert_refused (pk, long_token, NULL, NULL);
  free (long_token);
  free (token);
  free (big);
  sodium_memzero (sk, sizeof sk);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("paseto/vectors/v4", official_v4_vectors),
    MT_TEST ("paseto/pae/spec_examples", pae_matches_spec_examples),
    MT_TEST ("paseto/sign/roundtrip_with_footer_and_implicit", roundtrip_with_footer_and_implicit),
    MT_TEST ("paseto/sign/empty_message_roundtrips", empty_message_roundtrips),
    MT_TEST ("paseto/verify/refuses_other_headers", refuses_other_headers),
    MT_TEST ("paseto/verify/refuses_bad_base64url", refuses_bad_base64url),
    MT_TEST ("paseto/verify/refuses_short_payloads", refuses_short_payloads),
    MT_TEST ("paseto/verify/refuses_bad_signatures", refuses_bad_signatures),
    MT_TEST ("paseto/verify/refuses_footer_mismatch_and_tampering",
             refuses_footer_mismatch_and_tampering),
    MT_TEST ("paseto/verify/refuses_wrong_implicit_assertion", refuses_wrong_implicit_assertion),
    MT_TEST ("paseto/footer/untrusted_reader", untrusted_footer_reader),
    MT_TEST ("paseto/bounds", bounds),
  };

  if (sodium_init () < 0) {
    return 1;
  }
  return cmocka_run_group_tests_name ("common/mt_paseto", tests, NULL, NULL);
}
