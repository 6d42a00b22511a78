/*
 * Unit tests of common/mt_paserk.c: the official PASERK k4.pid, k4.public and k4.secret
 * vectors (expect-fail ones included), strict decoding and the secret key consistency check.
 */
#include "mt_test.h"

#include "mt_b64.h"
#include "mt_paserk.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---------------------------------------------------------------------------- */

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
  snprintf (path, sizeof path, "%s/paseto-test-vectors/PASERK/%s", dir, file);
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

/* Calls @check on every vector of @file; prints and checks the counts. */
typedef bool (*vector_check_fn) (const bson_t *t, const char *name, bool expect_fail);

static void
run_vectors (const char *file, vector_check_fn check)
{
  bson_t root;
  bson_t tests;
  bson_iter_t it;
  int ok = 0;
  int refused = 0;
  int failures = 0;

  if (!load_vectors (file, &root, &tests)) {
    skip ();
  }
  assert_true (bson_iter_init (&it, &tests));
  while (bson_iter_next (&it)) {
    bson_t t;
    uint32_t len = 0;
    const uint8_t *data = NULL;
    const char *name;
    bool expect_fail;

    assert_true (BSON_ITER_HOLDS_DOCUMENT (&it));
    bson_iter_document (&it, &len, &data);
    assert_true (bson_init_static (&t, data, len));
    name = vec_str (&t, "name", NULL);
    assert_non_null (name);
    expect_fail = vec_bool (&t, "expect-fail");
    if (!check (&t, name, expect_fail)) {
      failures++;
    } else if (expect_fail) {
      refused++;
    } else {
      ok++;
    }
  }
  fprintf (stderr, "PASERK/%s: %d vectors passed, %d expect-fail vectors refused, %d failures\n",
           file, ok, refused, failures);
  bson_destroy (&root);
  assert_int_equal (failures, 0);
  assert_true (ok > 0);
  assert_true (refused > 0);
}

/* ---- official vectors ------------------------------------------------------------------- */

static bool
check_pid (const bson_t *t, const char *name, bool expect_fail)
{
  uint8_t key[128];
  long n = vec_hex (t, "key", key, sizeof key);
  const char *paserk = vec_str (t, "paserk", NULL);
  char pid[MT_PASERK_K4_PID_SIZE];
  mt_error_t error;

  if (n < 0) {
    fprintf (stderr, "%s: bad key hex\n", name);
    return false;
  }
  if (expect_fail) {
    if (mt_paserk_k4_pid (key, (size_t) n, pid, &error) || pid[0] != '\0') {
      fprintf (stderr, "%s: serialised, must fail\n", name);
      return false;
    }
    return true;
  }
  if (!paserk || !mt_paserk_k4_pid (key, (size_t) n, pid, &error)) {
    fprintf (stderr, "%s: refused\n", name);
    return false;
  }
  if (strcmp (pid, paserk) != 0 || !mt_paserk_k4_pid_is_valid (pid, strlen (pid))) {
    fprintf (stderr, "%s: got %s\n", name, pid);
    return false;
  }
  return true;
}

static bool
check_public (const bson_t *t, const char *name, bool expect_fail)
{
  uint8_t key[128];
  uint8_t back[MT_PASERK_K4_PUBLIC_KEY_BYTES];
  long n = vec_hex (t, "key", key, sizeof key);
  size_t paserk_len = 0;
  const char *paserk = vec_str (t, "paserk", &paserk_len);
  char text[MT_PASERK_K4_PUBLIC_SIZE];
  mt_error_t error;

  if (n < 0) {
    fprintf (stderr, "%s: bad key hex\n", name);
    return false;
  }
  if (expect_fail) {
    if (mt_paserk_k4_public_encode (key, (size_t) n, text, &error) || text[0] != '\0') {
      fprintf (stderr, "%s: serialised, must fail\n", name);
      return false;
    }
    if (paserk && mt_paserk_k4_public_decode (paserk, paserk_len, back, &error)) {
      fprintf (stderr, "%s: decoded, must fail\n", name);
      return false;
    }
    return true;
  }
  if (!paserk || !mt_paserk_k4_public_encode (key, (size_t) n, text, &error) ||
      strcmp (text, paserk) != 0) {
    fprintf (stderr, "%s: wrong encoding\n", name);
    return false;
  }
  if (!mt_paserk_k4_public_decode (paserk, paserk_len, back, &error) || n != sizeof back ||
      memcmp (back, key, sizeof back) != 0) {
    fprintf (stderr, "%s: wrong decoding\n", name);
    return false;
  }
  return true;
}

static bool
check_secret (const bson_t *t, const char *name, bool expect_fail)
{
  uint8_t key[256];
  uint8_t back[MT_PASERK_K4_SECRET_KEY_BYTES];
  uint8_t seed[64];
  uint8_t pk[64];
  uint8_t derived_pk[crypto_sign_PUBLICKEYBYTES];
  uint8_t derived_sk[crypto_sign_SECRETKEYBYTES];
  long n = vec_hex (t, "key", key, sizeof key);
  size_t paserk_len = 0;
  const char *paserk = vec_str (t, "paserk", &paserk_len);
  char text[MT_PASERK_K4_SECRET_SIZE];
  char sid[MT_PASERK_K4_SID_SIZE];
  mt_error_t error;
  bool ok = false;

  if (n < 0) {
    fprintf (stderr, "%s: bad key hex\n", name);
    goto done;
  }
  if (expect_fail) {
    if (mt_paserk_k4_secret_encode (key, (size_t) n, text, &error) || text[0] != '\0' ||
        mt_paserk_k4_sid (key, (size_t) n, sid, &error)) {
      fprintf (stderr, "%s: serialised, must fail\n", name);
      goto done;
    }
    if (paserk && mt_paserk_k4_secret_decode (paserk, paserk_len, back, &error)) {
      fprintf (stderr, "%s: decoded, must fail\n", name);
      goto done;
    }
    ok = true;
    goto done;
  }
  /* The vector's seed derives its key, whose second half is its public key. */
  if (vec_hex (t, "secret-key-seed", seed, sizeof seed) != 32 ||
      vec_hex (t, "public-key", pk, sizeof pk) != 32 || n != 64 ||
      crypto_sign_seed_keypair (derived_pk, derived_sk, seed) != 0 ||
      memcmp (derived_sk, key, 64) != 0 || memcmp (derived_pk, pk, 32) != 0) {
    fprintf (stderr, "%s: inconsistent vector\n", name);
    goto done;
  }
  if (!paserk || !mt_paserk_k4_secret_encode (key, (size_t) n, text, &error) ||
      strcmp (text, paserk) != 0) {
    fprintf (stderr, "%s: wrong encoding\n", name);
    goto done;
  }
  if (!mt_paserk_k4_secret_decode (paserk, paserk_len, back, &error) ||
      memcmp (back, key, sizeof back) != 0) {
    fprintf (stderr, "%s: wrong decoding\n", name);
    goto done;
  }
  if (!mt_paserk_k4_sid (key, (size_t) n, sid, &error) || strncmp (sid, "k4.sid.", 7) != 0 ||
      strlen (sid) != MT_PASERK_K4_SID_LEN) {
    fprintf (stderr, "%s: no k4.sid\n", name);
    goto done;
  }
  ok = true;
done:
  sodium_memzero (key, sizeof key);
  sodium_memzero (back, sizeof back);
  sodium_memzero (derived_sk, sizeof derived_sk);
  sodium_memzero (text, sizeof text);
  return ok;
}

static void
official_k4_pid_vectors (void **state)
{
  run_vectors ("k4.pid.json", check_pid);
}

static void
official_k4_public_vectors (void **state)
{
  run_vectors ("k4.public.json", check_public);
}

static void
official_k4_secret_vectors (void **state)
{
  run_vectors ("k4.secret.json", check_secret);
}

/* ---- strictness ------------------------------------------------------------------------- */

static void
public_decode_is_strict (void **state)
{
  uint8_t key[32];
  mt_error_t error;
  static const char *const bad[] = {
    "k3.public.cHFyc3R1dnd4eXp7fH1-f4CBgoOEhYaHiImKi4yNjo8",   /* other version */
    "K4.public.cHFyc3R1dnd4eXp7fH1-f4CBgoOEhYaHiImKi4yNjo8",   /* case */
    "k4.secret.cHFyc3R1dnd4eXp7fH1-f4CBgoOEhYaHiImKi4yNjo8",   /* other type */
    "k4.public.cHFyc3R1dnd4eXp7fH1-f4CBgoOEhYaHiImKi4yNjo9",   /* non-canonical bits */
    "k4.public.cHFyc3R1dnd4eXp7fH1+f4CBgoOEhYaHiImKi4yNjo8",   /* standard alphabet */
    "k4.public.cHFyc3R1dnd4eXp7fH1-f4CBgoOEhYaHiImKi4yNjo8=",  /* padding */
    "k4.public.cHFyc3R1dnd4eXp7fH1-f4CBgoOEhYaHiImKi4yNjo",    /* short */
    "k4.public.cHFyc3R1dnd4eXp7fH1-f4CBgoOEhYaHiImKi4yNjo8AA", /* long */
    "k4.public.",
    "",
  };
  size_t i;

  for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    memset (key, 0xAA, sizeof key);
    if (mt_paserk_k4_public_decode (bad[i], strlen (bad[i]), key, &error)) {
      fail_msg ("accepted %s", bad[i]);
    }
    assert_int_equal (error.domain, MT_DOMAIN_CRYPTO);
    assert_true (sodium_is_zero (key, sizeof key));
  }
  assert_true (mt_paserk_k4_public_decode (
    "k4.public.cHFyc3R1dnd4eXp7fH1-f4CBgoOEhYaHiImKi4yNjo8",
    strlen ("k4.public.cHFyc3R1dnd4eXp7fH1-f4CBgoOEhYaHiImKi4yNjo8"), key, &error));
}

static void
secret_with_wrong_public_half_is_refused (void **state)
{
  uint8_t pk[32];
  uint8_t sk[64];
  uint8_t back[64];
  char text[MT_PASERK_K4_SECRET_SIZE];
  char forged[MT_PASERK_K4_SECRET_SIZE];
  char pid_a[MT_PASERK_K4_PID_SIZE];
  char pid_b[MT_PASERK_K4_PID_SIZE];
  mt_error_t error;

  crypto_sign_keypair (pk, sk);
  assert_true (mt_paserk_k4_secret_encode (sk, sizeof sk, text, &error));
  assert_int_equal (strlen (text), MT_PASERK_K4_SECRET_LEN);
  assert_true (mt_paserk_k4_secret_decode (text, strlen (text), back, &error));
  assert_memory_equal (back, sk, 64);

  /* Same seed, another public half: refused both ways. */
  sk[40] ^= 1;
  assert_false (mt_paserk_k4_secret_encode (sk, sizeof sk, forged, &error));
  assert_string_equal (forged, "");
  assert_false (mt_paserk_k4_sid (sk, sizeof sk, pid_a, &error));
  memcpy (forged, "k4.secret.", 10);
  mt_b64url_encode (sk, sizeof sk, forged + 10);
  assert_false (mt_paserk_k4_secret_decode (forged, strlen (forged), back, &error));
  assert_true (sodium_is_zero (back, sizeof back));
  assert_int_equal (error.domain, MT_DOMAIN_CRYPTO);
  /* Messages never contain key material. */
  assert_null (strstr (error.message, forged + 10));

  /* Ids differ between keys and are stable for a key. */
  crypto_sign_keypair (pk, sk);
  assert_true (mt_paserk_k4_pid (pk, sizeof pk, pid_a, &error));
  assert_true (mt_paserk_k4_pid (pk, sizeof pk, pid_b, &error));
  assert_string_equal (pid_a, pid_b);
  pk[0] ^= 1;
  assert_true (mt_paserk_k4_pid (pk, sizeof pk, pid_b, &error));
  assert_string_not_equal (pid_a, pid_b);
  sodium_memzero (sk, sizeof sk);
  sodium_memzero (text, sizeof text);
  sodium_memzero (forged, sizeof forged);
}

static void
pid_shape (void **state)
{
  const char *good = "k4.pid.S_XQmeEwHbbvRmiyfXfHYpLGjXGzjTRSDoT1YtTakWFE";

  assert_true (mt_paserk_k4_pid_is_valid (good, strlen (good)));
  assert_false (mt_paserk_k4_pid_is_valid (good, strlen (good) - 1));
  assert_false (mt_paserk_k4_pid_is_valid ("k4.sid.S_XQmeEwHbbvRmiyfXfHYpLGjXGzjTRSDoT1YtTakWFE",
                                           strlen (good)));
  assert_false (mt_paserk_k4_pid_is_valid ("k4.pid.S_XQmeEwHbbvRmiyfXfHYpLGjXGzjTRSDoT1YtTakW+E",
                                           strlen (good)));
  assert_false (mt_paserk_k4_pid_is_valid (NULL, 0));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("paserk/vectors/k4.pid", official_k4_pid_vectors),
    MT_TEST ("paserk/vectors/k4.public", official_k4_public_vectors),
    MT_TEST ("paserk/vectors/k4.secret", official_k4_secret_vectors),
    MT_TEST ("paserk/public/decode_is_strict", public_decode_is_strict),
    MT_TEST ("paserk/secret/refuses_wrong_public_half", secret_with_wrong_public_half_is_refused),
    MT_TEST ("paserk/pid/shape", pid_shape),
  };

  if (sodium_init () < 0) {
    return 1;
  }
  return cmocka_run_group_tests_name ("common/mt_paserk", tests, NULL, NULL);
}
