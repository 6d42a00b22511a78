/*
 * mt_paserk: k4.public, k4.secret, k4.pid and k4.sid with libsodium (Ed25519 key derivation
 * for the secret key check, crypto_generichash = BLAKE2b for the ids).
 */
#include "mt_paserk.h"

#include "mt_b64.h"

#include <sodium.h>
#include <string.h>

#define MT_PASERK_PUBLIC_PREFIX_LEN (sizeof MT_PASERK_K4_PUBLIC_PREFIX - 1)
#define MT_PASERK_SECRET_PREFIX_LEN (sizeof MT_PASERK_K4_SECRET_PREFIX - 1)
#define MT_PASERK_ID_PREFIX_LEN (sizeof MT_PASERK_K4_PID_PREFIX - 1)

_Static_assert(MT_PASERK_K4_PUBLIC_LEN == MT_PASERK_PUBLIC_PREFIX_LEN + 43 /* b64url of 32 bytes */,
               "k4.public length");
_Static_assert(MT_PASERK_K4_SECRET_LEN == MT_PASERK_SECRET_PREFIX_LEN + 86 /* b64url of 64 bytes */,
               "k4.secret length");
_Static_assert(MT_PASERK_K4_PID_LEN == MT_PASERK_ID_PREFIX_LEN + 44 /* b64url of 33 bytes */,
               "k4.pid length");
_Static_assert(sizeof MT_PASERK_K4_SID_PREFIX - 1 == MT_PASERK_ID_PREFIX_LEN, "k4.sid prefix");
_Static_assert(crypto_sign_PUBLICKEYBYTES == MT_PASERK_K4_PUBLIC_KEY_BYTES, "public key size");
_Static_assert(crypto_sign_SECRETKEYBYTES == MT_PASERK_K4_SECRET_KEY_BYTES, "secret key size");

/* Both formats take the same arguments: each skips the other language with "%.0s". */
static void
mt_paserk_fail (mt_error_t *error, const char *what_fr, const char *what_en)
{
  mt_error_set (error, MT_DOMAIN_CRYPTO, MT_ERR_BAD_REQUEST, "Clé PASERK refusée : %s%.0s",
                "PASERK key refused: %.0s%s", what_fr, what_en);
}

/*
 * True when the public half of the 64-byte secret key @key is the one its seed derives.
 * A mismatched half would make libsodium sign with a wrong public key, which breaks
 * signatures and can leak the secret scalar.
 */
static bool
mt_paserk_secret_is_consistent (const uint8_t *key)
{
  uint8_t pk[crypto_sign_PUBLICKEYBYTES];
  uint8_t sk[crypto_sign_SECRETKEYBYTES];
  bool ok;

  ok = crypto_sign_seed_keypair (pk, sk, key) == 0 &&
       sodium_memcmp (pk, key + crypto_sign_SEEDBYTES, sizeof pk) == 0;
  sodium_memzero (sk, sizeof sk);
  return ok;
}

bool
mt_paserk_k4_public_encode (const uint8_t *key, size_t key_len, char out[MT_PASERK_K4_PUBLIC_SIZE],
                            mt_error_t *error)
{
  out[0] = '\0';
  if (!key || key_len != MT_PASERK_K4_PUBLIC_KEY_BYTES) {
    mt_paserk_fail (error, "une clé k4.public fait 32 octets", "a k4.public key is 32 bytes");
    return false;
  }
  memcpy (out, MT_PASERK_K4_PUBLIC_PREFIX, MT_PASERK_PUBLIC_PREFIX_LEN);
  mt_b64url_encode (key, key_len, out + MT_PASERK_PUBLIC_PREFIX_LEN);
  return true;
}

bool
mt_paserk_k4_public_decode (const char *text, size_t len,
                            uint8_t key[MT_PASERK_K4_PUBLIC_KEY_BYTES], mt_error_t *error)
{
  size_t n = 0;

  if (!text || len != MT_PASERK_K4_PUBLIC_LEN ||
      memcmp (text, MT_PASERK_K4_PUBLIC_PREFIX, MT_PASERK_PUBLIC_PREFIX_LEN) != 0 ||
      !mt_b64url_decode (text + MT_PASERK_PUBLIC_PREFIX_LEN, len - MT_PASERK_PUBLIC_PREFIX_LEN, key,
                         MT_PASERK_K4_PUBLIC_KEY_BYTES, &n) ||
      n != MT_PASERK_K4_PUBLIC_KEY_BYTES) {
    memset (key, 0, MT_PASERK_K4_PUBLIC_KEY_BYTES);
    mt_paserk_fail (error, "texte k4.public invalide", "invalid k4.public text");
    return false;
  }
  return true;
}

bool
mt_paserk_k4_secret_encode (const uint8_t *key, size_t key_len, char out[MT_PASERK_K4_SECRET_SIZE],
                            mt_error_t *error)
{
  out[0] = '\0';
  if (!key || key_len != MT_PASERK_K4_SECRET_KEY_BYTES) {
    mt_paserk_fail (error, "une clé k4.secret fait 64 octets", "a k4.secret key is 64 bytes");
    return false;
  }
  if (!mt_paserk_secret_is_consistent (key)) {
    mt_paserk_fail (error, "la moitié publique ne correspond pas à la graine",
                    "the public half does not match the seed");
    return false;
  }
  memcpy (out, MT_PASERK_K4_SECRET_PREFIX, MT_PASERK_SECRET_PREFIX_LEN);
  mt_b64url_encode (key, key_len, out + MT_PASERK_SECRET_PREFIX_LEN);
  return true;
}

bool
mt_paserk_k4_secret_decode (const char *text, size_t len,
                            uint8_t key[MT_PASERK_K4_SECRET_KEY_BYTES], mt_error_t *error)
{
  size_t n = 0;

  if (!text || len != MT_PASERK_K4_SECRET_LEN ||
      memcmp (text, MT_PASERK_K4_SECRET_PREFIX, MT_PASERK_SECRET_PREFIX_LEN) != 0 ||
      !mt_b64url_decode (text + MT_PASERK_SECRET_PREFIX_LEN, len - MT_PASERK_SECRET_PREFIX_LEN, key,
                         MT_PASERK_K4_SECRET_KEY_BYTES, &n) ||
      n != MT_PASERK_K4_SECRET_KEY_BYTES) {
    sodium_memzero (key, MT_PASERK_K4_SECRET_KEY_BYTES);
    mt_paserk_fail (error, "texte k4.secret invalide", "invalid k4.secret text");
    return false;
  }
  if (!mt_paserk_secret_is_consistent (key)) {
    sodium_memzero (key, MT_PASERK_K4_SECRET_KEY_BYTES);
    mt_paserk_fail (error, "la moitié publique ne correspond pas à la graine",
                    "the public half does not match the seed");
    return false;
  }
  return true;
}

/* out = id_prefix || b64url(BLAKE2b-264(id_prefix || paserk)). */
static void
mt_paserk_id (const char *id_prefix, const char *paserk, size_t paserk_len, char *out)
{
  uint8_t hash[MT_PASERK_K4_ID_HASH_BYTES];
  crypto_generichash_state state;

  crypto_generichash_init (&state, NULL, 0, sizeof hash);
  crypto_generichash_update (&state, (const unsigned char *) id_prefix, MT_PASERK_ID_PREFIX_LEN);
  crypto_generichash_update (&state, (const unsigned char *) paserk, paserk_len);
  crypto_generichash_final (&state, hash, sizeof hash);
  memcpy (out, id_prefix, MT_PASERK_ID_PREFIX_LEN);
  mt_b64url_encode (hash, sizeof hash, out + MT_PASERK_ID_PREFIX_LEN);
  sodium_memzero (&state, sizeof state);
}

bool
mt_paserk_k4_pid (const uint8_t *key, size_t key_len, char out[MT_PASERK_K4_PID_SIZE],
                  mt_error_t *error)
{
  char paserk[MT_PASERK_K4_PUBLIC_SIZE];

  out[0] = '\0';
  if (!mt_paserk_k4_public_encode (key, key_len, paserk, error)) {
    return false;
  }
  mt_paserk_id (MT_PASERK_K4_PID_PREFIX, paserk, MT_PASERK_K4_PUBLIC_LEN, out);
  return true;
}

bool
mt_paserk_k4_sid (const uint8_t *key, size_t key_len, char out[MT_PASERK_K4_SID_SIZE],
                  mt_error_t *error)
{
  char paserk[MT_PASERK_K4_SECRET_SIZE];
  bool ok;

  out[0] = '\0';
  ok = mt_paserk_k4_secret_encode (key, key_len, paserk, error);
  if (ok) {
    mt_paserk_id (MT_PASERK_K4_SID_PREFIX, paserk, MT_PASERK_K4_SECRET_LEN, out);
  }
  sodium_memzero (paserk, sizeof paserk);
  return ok;
}

bool
mt_paserk_k4_pid_is_valid (const char *text, size_t len)
{
  uint8_t hash[MT_PASERK_K4_ID_HASH_BYTES];
  size_t n = 0;

  return text && len == MT_PASERK_K4_PID_LEN &&
         memcmp (text, MT_PASERK_K4_PID_PREFIX, MT_PASERK_ID_PREFIX_LEN) == 0 &&
         mt_b64url_decode (text + MT_PASERK_ID_PREFIX_LEN, len - MT_PASERK_ID_PREFIX_LEN, hash,
                           sizeof hash, &n) &&
         n == sizeof hash;
}
