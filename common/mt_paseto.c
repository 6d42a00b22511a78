/*
 * mt_paseto: PASETO v4.public sign and verify with libsodium's Ed25519. The token grammar is
 * parsed by hand, once, in mt_paseto_split; both verify and the untrusted footer reader go
 * through it so that they agree on what a v4.public token is.
 */
#include "mt_paseto.h"

#include "mt_b64.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static const char mt_paseto_header[] = MT_PASETO_V4_PUBLIC_HEADER;

_Static_assert(sizeof mt_paseto_header - 1 == MT_PASETO_V4_PUBLIC_HEADER_LEN, "header length");
_Static_assert(crypto_sign_BYTES == MT_PASETO_V4_SIGNATURE_BYTES, "signature size");
_Static_assert(crypto_sign_PUBLICKEYBYTES == MT_PASETO_V4_PUBLIC_KEY_BYTES, "public key size");
_Static_assert(crypto_sign_SECRETKEYBYTES == MT_PASETO_V4_SECRET_KEY_BYTES, "secret key size");

/* The text parts of a token; pointers into the caller's token. */
typedef struct {
  const char *payload; /* base64url of message || signature */
  size_t payload_len;
  const char *footer; /* base64url of the footer, NULL when absent */
  size_t footer_len;
} mt_paseto_parts_t;

/* Both formats take the same arguments: each skips the other language with "%.0s". */
static void
mt_paseto_fail (mt_error_t *error, const char *reason_fr, const char *reason_en)
{
  mt_error_set (error, MT_DOMAIN_TOKEN, MT_ERR_UNAUTHENTICATED, "Jeton PASETO refusé : %s%.0s",
                "PASETO token refused: %.0s%s", reason_fr, reason_en);
}

static void
mt_le64 (uint64_t n, uint8_t out[8])
{
  int i;

  n &= UINT64_C (0x7fffffffffffffff); /* PAE clears the top bit */
  for (i = 0; i < 8; i++) {
    out[i] = (uint8_t) (n & 0xff);
    n >>= 8;
  }
}

size_t
mt_paseto_pae (const uint8_t *const *pieces, const size_t *lens, size_t count, uint8_t *out,
               size_t out_cap)
{
  size_t need = 8;
  size_t o = 0;
  size_t i;

  for (i = 0; i < count; i++) {
    if (lens[i] > SIZE_MAX - need - 8) {
      return 0;
    }
    need += 8 + lens[i];
  }
  if (need > out_cap) {
    return 0;
  }
  mt_le64 ((uint64_t) count, out);
  o = 8;
  for (i = 0; i < count; i++) {
    mt_le64 ((uint64_t) lens[i], out + o);
    o += 8;
    if (lens[i]) {
      memcpy (out + o, pieces[i], lens[i]);
      o += lens[i];
    }
  }
  return o;
}

/*
 * PAE(header, message, footer, implicit) into a malloc'd buffer (free() it).
 * Returns NULL on allocation failure.
 */
static uint8_t *
mt_paseto_pae_v4_public (const uint8_t *message, size_t message_len, const uint8_t *footer,
                         size_t footer_len, const uint8_t *implicit, size_t implicit_len,
                         size_t *pae_len)
{
  const uint8_t *pieces[4] = { (const uint8_t *) mt_paseto_header, message, footer, implicit };
  size_t lens[4] = { MT_PASETO_V4_PUBLIC_HEADER_LEN, message_len, footer_len, implicit_len };
  /* Callers bound every length, so this sum cannot overflow. */
  size_t cap = 8 + 4 * 8 + lens[0] + lens[1] + lens[2] + lens[3];
  uint8_t *pae = malloc (cap);

  if (!pae) {
    return NULL;
  }
  *pae_len = mt_paseto_pae (pieces, lens, 4, pae, cap);
  return pae;
}

/*
 * Splits @token into its base64url payload and footer after checking the header.
 * Returns / Side effects: false with @error set when the header is wrong, the token is too
 * long, the payload is empty or a final '.' has no footer after it.
 */
static bool
mt_paseto_split (const char *token, size_t token_len, mt_paseto_parts_t *parts, mt_error_t *error)
{
  const char *rest;
  size_t rest_len;
  const char *dot;

  memset (parts, 0, sizeof *parts);
  if (!token || token_len > MT_PASETO_MAX_TOKEN) {
    mt_paseto_fail (error, "longueur invalide", "invalid length");
    return false;
  }
  if (token_len < MT_PASETO_V4_PUBLIC_HEADER_LEN ||
      memcmp (token, mt_paseto_header, MT_PASETO_V4_PUBLIC_HEADER_LEN) != 0) {
    mt_paseto_fail (error, "en-tête autre que v4.public.", "header is not v4.public.");
    return false;
  }
  rest = token + MT_PASETO_V4_PUBLIC_HEADER_LEN;
  rest_len = token_len - MT_PASETO_V4_PUBLIC_HEADER_LEN;
  dot = memchr (rest, '.', rest_len);
  if (dot) {
    parts->payload = rest;
    parts->payload_len = (size_t) (dot - rest);
    parts->footer = dot + 1;
    parts->footer_len = rest_len - parts->payload_len - 1;
    if (parts->footer_len == 0) {
      /* The signer never writes an empty footer part: "v4.public.<p>." is not canonical. */
      mt_paseto_fail (error, "pied de jeton vide", "empty footer part");
      return false;
    }
  } else {
    parts->payload = rest;
    parts->payload_len = rest_len;
  }
  if (parts->payload_len == 0) {
    mt_paseto_fail (error, "charge utile vide", "empty payload");
    return false;
  }
  return true;
}

/* Decodes the footer part of @parts into @out (capacity @cap). */
static bool
mt_paseto_decode_footer (const mt_paseto_parts_t *parts, uint8_t *out, size_t cap, size_t *len,
                         mt_error_t *error)
{
  *len = 0;
  if (!parts->footer) {
    return true;
  }
  if (cap > MT_PASETO_MAX_FOOTER) {
    cap = MT_PASETO_MAX_FOOTER;
  }
  if (!mt_b64url_decode (parts->footer, parts->footer_len, out, cap, len)) {
    *len = 0;
    mt_paseto_fail (error, "pied de jeton invalide (base64url) ou trop long",
                    "invalid (base64url) or too long footer");
    return false;
  }
  return true;
}

bool
mt_paseto_v4_public_sign (const uint8_t *secret_key, const uint8_t *message, size_t message_len,
                          const uint8_t *footer, size_t footer_len, const uint8_t *implicit,
                          size_t implicit_len, char **token_out, size_t *token_len_out,
                          mt_error_t *error)
{
  bool ok = false;
  uint8_t *pae = NULL;
  size_t pae_len = 0;
  uint8_t *signed_part = NULL; /* message || signature */
  char *token = NULL;
  size_t cap;
  size_t o;

  *token_out = NULL;
  if (token_len_out) {
    *token_len_out = 0;
  }
  if (message_len > MT_PASETO_MAX_MESSAGE || footer_len > MT_PASETO_MAX_FOOTER ||
      implicit_len > MT_PASETO_MAX_IMPLICIT) {
    mt_error_set (error, MT_DOMAIN_CRYPTO, MT_ERR_INTERNAL,
                  "Jeton PASETO : message, pied ou assertion implicite trop long",
                  "PASETO token: message, footer or implicit assertion too long");
    goto done;
  }
  pae = mt_paseto_pae_v4_public (message, message_len, footer, footer_len, implicit, implicit_len,
                                 &pae_len);
  signed_part = malloc (message_len + MT_PASETO_V4_SIGNATURE_BYTES);
  cap = MT_PASETO_V4_PUBLIC_HEADER_LEN +
        mt_b64url_encoded_len (message_len + MT_PASETO_V4_SIGNATURE_BYTES) + 1 +
        mt_b64url_encoded_len (footer_len) + 1;
  token = malloc (cap);
  if (!pae || !signed_part || !token) {
    mt_error_set (error, MT_DOMAIN_CRYPTO, MT_ERR_INTERNAL, "Mémoire insuffisante",
                  "Out of memory");
    goto done;
  }
  if (message_len) {
    memcpy (signed_part, message, message_len);
  }
  if (crypto_sign_detached (signed_part + message_len, NULL, pae, pae_len, secret_key) != 0) {
    mt_error_set (error, MT_DOMAIN_CRYPTO, MT_ERR_INTERNAL, "Échec de la signature Ed25519",
                  "Ed25519 signing failed");
    goto done;
  }
  memcpy (token, mt_paseto_header, MT_PASETO_V4_PUBLIC_HEADER_LEN);
  o = MT_PASETO_V4_PUBLIC_HEADER_LEN;
  o += mt_b64url_encode (signed_part, message_len + MT_PASETO_V4_SIGNATURE_BYTES, token + o);
  if (footer_len) {
    token[o++] = '.';
    o += mt_b64url_encode (footer, footer_len, token + o);
  }
  token[o] = '\0';
  *token_out = token;
  token = NULL;
  if (token_len_out) {
    *token_len_out = o;
  }
  ok = true;
done:
  free (pae);
  free (signed_part);
  free (token);
  return ok;
}

bool
mt_paseto_v4_public_verify (const uint8_t *public_key, const char *token, size_t token_len,
                            const uint8_t *expected_footer, size_t expected_footer_len,
                            const uint8_t *implicit, size_t implicit_len, uint8_t **message_out,
                            size_t *message_len_out, mt_error_t *error)
{
  bool ok = false;
  mt_paseto_parts_t parts;
  uint8_t footer[MT_PASETO_MAX_FOOTER];
  size_t footer_len = 0;
  uint8_t *decoded = NULL;
  size_t decoded_len = 0;
  size_t decoded_cap;
  size_t message_len;
  uint8_t *pae = NULL;
  size_t pae_len = 0;

  *message_out = NULL;
  if (message_len_out) {
    *message_len_out = 0;
  }
  if (implicit_len > MT_PASETO_MAX_IMPLICIT ||
      (expected_footer && expected_footer_len > MT_PASETO_MAX_FOOTER)) {
    mt_paseto_fail (error, "pied attendu ou assertion implicite trop long",
                    "expected footer or implicit assertion too long");
    goto done;
  }
  if (!mt_paseto_split (token, token_len, &parts, error) ||
      !mt_paseto_decode_footer (&parts, footer, sizeof footer, &footer_len, error)) {
    goto done;
  }
  /* Spec step 1: compare the footer in constant time before any other work. */
  if (expected_footer &&
      (footer_len != expected_footer_len ||
       (footer_len && sodium_memcmp (footer, expected_footer, footer_len) != 0))) {
    mt_paseto_fail (error, "pied de jeton inattendu", "unexpected footer");
    goto done;
  }
  /* The decoded payload (plus a NUL we add for the caller) is at most 3/4 of the text. */
  decoded_cap = parts.payload_len / 4 * 3 + 3;
  decoded = malloc (decoded_cap + 1);
  if (!decoded) {
    mt_error_set (error, MT_DOMAIN_CRYPTO, MT_ERR_INTERNAL, "Mémoire insuffisante",
                  "Out of memory");
    goto done;
  }
  if (!mt_b64url_decode (parts.payload, parts.payload_len, decoded, decoded_cap, &decoded_len)) {
    mt_paseto_fail (error, "charge utile invalide (base64url)", "invalid payload (base64url)");
    goto done;
  }
  if (decoded_len < MT_PASETO_V4_SIGNATURE_BYTES) {
    mt_paseto_fail (error, "charge utile trop courte", "payload too short");
    goto done;
  }
  message_len = decoded_len - MT_PASETO_V4_SIGNATURE_BYTES;
  if (message_len > MT_PASETO_MAX_MESSAGE) {
    mt_paseto_fail (error, "message trop long", "message too long");
    goto done;
  }
  pae = mt_paseto_pae_v4_public (decoded, message_len, footer, footer_len, implicit, implicit_len,
                                 &pae_len);
  if (!pae) {
    mt_error_set (error, MT_DOMAIN_CRYPTO, MT_ERR_INTERNAL, "Mémoire insuffisante",
                  "Out of memory");
    goto done;
  }
  if (crypto_sign_verify_detached (decoded + message_len, pae, pae_len, public_key) != 0) {
    mt_paseto_fail (error, "signature invalide", "invalid signature");
    goto done;
  }
  /* The signature's place now holds the NUL terminator of the message. */
  decoded[message_len] = '\0';
  *message_out = decoded;
  decoded = NULL;
  if (message_len_out) {
    *message_len_out = message_len;
  }
  ok = true;
done:
  free (decoded);
  free (pae);
  return ok;
}

bool
mt_paseto_v4_public_footer_untrusted (const char *token, size_t token_len, uint8_t *footer_out,
                                      size_t footer_cap, size_t *footer_len_out, mt_error_t *error)
{
  mt_paseto_parts_t parts;

  *footer_len_out = 0;
  if (!mt_paseto_split (token, token_len, &parts, error)) {
    return false;
  }
  return mt_paseto_decode_footer (&parts, footer_out, footer_cap, footer_len_out, error);
}
