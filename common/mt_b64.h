/*
 * mt_b64: base64url without padding (RFC 4648 §5), as PASETO and PASERK use it, standard
 * base64 for binary values in JSON output, and hexadecimal digits.
 */
#ifndef MT_B64_H
#define MT_B64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length of the base64url text of @len bytes, without padding and without NUL. */
size_t mt_b64url_encoded_len (size_t len);

/*
 * Writes the base64url text of @data into @out (at least mt_b64url_encoded_len(len) + 1
 * bytes) and NUL-terminates it. Returns the text length.
 */
size_t mt_b64url_encode (const uint8_t *data, size_t len, char *out);

/*
 * Decodes unpadded base64url @text (@text_len bytes) into @out (capacity @out_cap). Rejects
 * padding, any character outside the alphabet, impossible lengths and non-canonical trailing
 * bits. On success sets *@out_len.
 */
bool mt_b64url_decode (const char *text, size_t text_len, uint8_t *out, size_t out_cap,
                       size_t *out_len);

/* Standard base64 with padding (for binary values in JSON). Same contract as the encoder above. */
size_t mt_b64_encoded_len (size_t len);
size_t mt_b64_encode (const uint8_t *data, size_t len, char *out);

/* The value of hexadecimal digit @c (0-9, a-f, A-F), or -1. */
int mt_hex_value (char c);

#endif
