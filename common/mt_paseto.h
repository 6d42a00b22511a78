/*
 * mt_paseto: PASETO v4.public tokens (https://github.com/paseto-standard/paseto-spec,
 * docs/01-Protocol-Versions/Version4.md): Ed25519 signatures (libsodium) over the
 * pre-authentication encoding PAE(header, message, footer, implicit assertion).
 *
 *   token = "v4.public." || b64url(message || signature) [ || "." || b64url(footer) ]
 *
 * base64url is unpadded and decoded strictly (non-canonical text is refused). Only
 * v4.public is implemented: every other version or purpose (v3.*, v4.local, ...) is
 * refused by the verifier. Everything is bounded by the MT_PASETO_MAX_* sizes below.
 *
 * Verification failures are MT_DOMAIN_TOKEN / MT_ERR_UNAUTHENTICATED; their messages name
 * the reason but never contain any part of the token. Signing failures (sizes beyond the
 * bounds, allocation) are MT_DOMAIN_CRYPTO / MT_ERR_INTERNAL.
 */
#ifndef MT_PASETO_H
#define MT_PASETO_H

#include "mt_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MT_PASETO_V4_PUBLIC_HEADER "v4.public."
#define MT_PASETO_V4_PUBLIC_HEADER_LEN 10
#define MT_PASETO_V4_PUBLIC_KEY_BYTES 32 /* Ed25519 public key */
#define MT_PASETO_V4_SECRET_KEY_BYTES 64 /* Ed25519 seed || public key, libsodium's layout */
#define MT_PASETO_V4_SIGNATURE_BYTES 64

#define MT_PASETO_MAX_MESSAGE 16384 /* bytes of message (claims) */
#define MT_PASETO_MAX_FOOTER 1024   /* bytes of decoded footer */
#define MT_PASETO_MAX_IMPLICIT 1024 /* bytes of implicit assertion */

/* Length of unpadded base64url text for @n bytes (constant expression). */
#define MT_PASETO_B64_LEN(n) (((n) / 3) * 4 + ((n) % 3 ? (n) % 3 + 1 : 0))

/* Longest token text accepted or produced, without NUL. */
#define MT_PASETO_MAX_TOKEN                                                                        \
  (MT_PASETO_V4_PUBLIC_HEADER_LEN +                                                                \
   MT_PASETO_B64_LEN (MT_PASETO_MAX_MESSAGE + MT_PASETO_V4_SIGNATURE_BYTES) + 1 +                  \
   MT_PASETO_B64_LEN (MT_PASETO_MAX_FOOTER))

/*
 * Signs @message with @secret_key (borrowed; 64 bytes seed || public key, as
 * crypto_sign_keypair makes it: the caller guarantees the public half matches the seed, which
 * mt_paserk_k4_secret_decode checks) and writes the token.
 *
 * @footer (may be NULL when @footer_len is 0) is appended in clear, authenticated;
 * @implicit (may be NULL when @implicit_len is 0) is authenticated but not transmitted.
 * On success *@token_out is a malloc'd NUL-terminated token (free() it; never log it) and
 * *@token_len_out (may be NULL) its length. *@token_out is always initialised (NULL on
 * failure). Ed25519 is deterministic: the same inputs give the same token.
 */
bool mt_paseto_v4_public_sign (const uint8_t *secret_key, const uint8_t *message,
                               size_t message_len, const uint8_t *footer, size_t footer_len,
                               const uint8_t *implicit, size_t implicit_len, char **token_out,
                               size_t *token_len_out, mt_error_t *error);

/*
 * Verifies @token (@token_len bytes, need not be NUL-terminated) against @public_key
 * (borrowed, 32 bytes) and returns its message.
 *
 * @expected_footer: NULL means "do not check the footer" (any footer, or none, is accepted;
 *   it is authenticated by the signature anyway). Non-NULL means the token's footer must be
 *   exactly these @expected_footer_len bytes (constant-time comparison); a non-NULL pointer
 *   with length 0 requires a token without footer.
 * @implicit: the implicit assertion (may be NULL when @implicit_len is 0); it must equal the
 *   one used when signing.
 *
 * Refuses: another header (v3.public., v4.local., "v4.public" without its dot, any case
 * change), non-canonical or invalid base64url, an empty footer after a final '.', a decoded
 * payload shorter than a signature, a bad signature, a footer other than the expected one,
 * and anything beyond the MT_PASETO_MAX_* bounds.
 *
 * On success *@message_out is a malloc'd copy of the message with a NUL added after its
 * @*message_len_out bytes (free() it). *@message_out is always initialised (NULL on failure).
 */
bool mt_paseto_v4_public_verify (const uint8_t *public_key, const char *token, size_t token_len,
                                 const uint8_t *expected_footer, size_t expected_footer_len,
                                 const uint8_t *implicit, size_t implicit_len,
                                 uint8_t **message_out, size_t *message_len_out, mt_error_t *error);

/*
 * UNTRUSTED: reads the footer of a v4.public @token WITHOUT verifying anything. Its only
 * legitimate use is choosing the verification key (e.g. by "kid") before calling
 * mt_paseto_v4_public_verify; nothing read here may be relied on until that verification
 * succeeds. Parse it defensively (strict JSON, bounded).
 *
 * Checks the header and decodes the footer into @footer_out (capacity @footer_cap; at most
 * MT_PASETO_MAX_FOOTER bytes are ever written) and sets *@footer_len_out (0 when the token
 * has no footer). Fails on a wrong header, an empty or invalid base64url footer, or a footer
 * longer than @footer_cap.
 */
bool mt_paseto_v4_public_footer_untrusted (const char *token, size_t token_len, uint8_t *footer_out,
                                           size_t footer_cap, size_t *footer_len_out,
                                           mt_error_t *error);

/*
 * PAE (pre-authentication encoding, PASETO spec "Authentication Padding"): LE64(count) then,
 * for each piece, LE64(length) and the bytes; LE64 clears the top bit. Writes into @out
 * (capacity @out_cap) and returns the length, or 0 when @out_cap is too small. Exposed for
 * tests; @pieces[i] may be NULL when @lens[i] is 0.
 */
size_t mt_paseto_pae (const uint8_t *const *pieces, const size_t *lens, size_t count, uint8_t *out,
                      size_t out_cap);

#endif
