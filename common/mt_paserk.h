/*
 * mt_paserk: PASERK serialisations of version 4 keys
 * (https://github.com/paseto-standard/paserk, types/public.md, secret.md, pid.md, sid.md):
 *
 *   k4.public.<b64url(32-byte Ed25519 public key)>
 *   k4.secret.<b64url(64-byte Ed25519 secret key: seed || public key)>
 *   k4.pid.<b64url(BLAKE2b-264("k4.pid." || "k4.public.<...>"))>   key id of a public key
 *   k4.sid.<b64url(BLAKE2b-264("k4.sid." || "k4.secret.<...>"))>   key id of a secret key
 *
 * The ids hash the header and the whole PASERK text of the key (not the raw key bytes), as
 * the PASERK ID operation specifies. Every function checks the key length: a key of another
 * size, and so a key of another version (v3's 49-byte compressed points), is refused.
 * base64url is unpadded and strict. Encoders write fixed-size NUL-terminated text.
 *
 * Errors: MT_DOMAIN_CRYPTO / MT_ERR_BAD_REQUEST. Messages never contain key material.
 * Secret keys and their texts are secrets: never log them; temporaries are wiped.
 */
#ifndef MT_PASERK_H
#define MT_PASERK_H

#include "mt_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MT_PASERK_K4_PUBLIC_KEY_BYTES 32
#define MT_PASERK_K4_SECRET_KEY_BYTES 64
#define MT_PASERK_K4_ID_HASH_BYTES 33 /* BLAKE2b-264 */

#define MT_PASERK_K4_PUBLIC_PREFIX "k4.public."
#define MT_PASERK_K4_SECRET_PREFIX "k4.secret."
#define MT_PASERK_K4_PID_PREFIX "k4.pid."
#define MT_PASERK_K4_SID_PREFIX "k4.sid."

/* Text lengths without NUL, and buffer sizes with it. */
#define MT_PASERK_K4_PUBLIC_LEN (10 + 43)
#define MT_PASERK_K4_SECRET_LEN (10 + 86)
#define MT_PASERK_K4_PID_LEN (7 + 44)
#define MT_PASERK_K4_SID_LEN (7 + 44)
#define MT_PASERK_K4_PUBLIC_SIZE (MT_PASERK_K4_PUBLIC_LEN + 1)
#define MT_PASERK_K4_SECRET_SIZE (MT_PASERK_K4_SECRET_LEN + 1)
#define MT_PASERK_K4_PID_SIZE (MT_PASERK_K4_PID_LEN + 1)
#define MT_PASERK_K4_SID_SIZE (MT_PASERK_K4_SID_LEN + 1)

/*
 * k4.public: encodes @key (@key_len must be 32; the point itself is not validated, as the
 * spec's vectors require) into @out. @out is "" on failure.
 */
bool mt_paserk_k4_public_encode (const uint8_t *key, size_t key_len,
                                 char out[MT_PASERK_K4_PUBLIC_SIZE], mt_error_t *error);

/* Decodes exactly @len bytes of "k4.public.<43 chars>" into @key. @key is zeroed on failure. */
bool mt_paserk_k4_public_decode (const char *text, size_t len,
                                 uint8_t key[MT_PASERK_K4_PUBLIC_KEY_BYTES], mt_error_t *error);

/*
 * k4.secret: encodes @key (@key_len must be 64: seed || public key, and the public half must
 * be the one the seed derives) into @out. @out is wiped to "" on failure.
 */
bool mt_paserk_k4_secret_encode (const uint8_t *key, size_t key_len,
                                 char out[MT_PASERK_K4_SECRET_SIZE], mt_error_t *error);

/*
 * Decodes exactly @len bytes of "k4.secret.<86 chars>" into @key and checks that its public
 * half matches its seed. @key is wiped on failure.
 */
bool mt_paserk_k4_secret_decode (const char *text, size_t len,
                                 uint8_t key[MT_PASERK_K4_SECRET_KEY_BYTES], mt_error_t *error);

/* k4.pid of the public key @key (@key_len must be 32) into @out ("" on failure). */
bool mt_paserk_k4_pid (const uint8_t *key, size_t key_len, char out[MT_PASERK_K4_PID_SIZE],
                       mt_error_t *error);

/* k4.sid of the secret key @key (same checks as mt_paserk_k4_secret_encode). */
bool mt_paserk_k4_sid (const uint8_t *key, size_t key_len, char out[MT_PASERK_K4_SID_SIZE],
                       mt_error_t *error);

/* True when @text (@len bytes) has the exact shape of a k4.pid (prefix, 44 strict chars). */
bool mt_paserk_k4_pid_is_valid (const char *text, size_t len);

#endif
