/* mt_id: random identifiers from libsodium's CSPRNG. */
#include "mt_id.h"

#include "mt_b64.h"

#include <sodium.h>
#include <string.h>

void
mt_id_new (const char *prefix, char out[MT_ID_SIZE])
{
  uint8_t raw[16];

  randombytes_buf (raw, sizeof raw);
  memcpy (out, prefix, 3);
  out[3] = '_';
  mt_b64url_encode (raw, sizeof raw, out + 4);
  sodium_memzero (raw, sizeof raw);
}

bool
mt_id_is_valid (const char *text, const char *prefix)
{
  size_t i;

  if (!text || strlen (text) != MT_ID_LEN || text[3] != '_') {
    return false;
  }
  for (i = 0; i < 3; i++) {
    if (text[i] < 'a' || text[i] > 'z') {
      return false;
    }
  }
  if (prefix && memcmp (text, prefix, 3) != 0) {
    return false;
  }
  for (i = 4; i < MT_ID_LEN; i++) {
    char c = text[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_')) {
      return false;
    }
  }
  /* 22 characters carry 132 bits: the last one must leave the 4 spare bits zero. */
  {
    uint8_t raw[17];
    size_t n;
    return mt_b64url_decode (text + 4, MT_ID_RANDOM_CHARS, raw, sizeof raw, &n) && n == 16;
  }
}

void
mt_id_random_token (size_t bytes, char *out, size_t out_size)
{
  uint8_t raw[64];

  if (bytes > sizeof raw) {
    bytes = sizeof raw;
  }
  if (out_size < mt_b64url_encoded_len (bytes) + 1) {
    if (out_size) {
      out[0] = '\0';
    }
    return;
  }
  randombytes_buf (raw, bytes);
  mt_b64url_encode (raw, bytes, out);
  sodium_memzero (raw, sizeof raw);
}
