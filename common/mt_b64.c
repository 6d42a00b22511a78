/*
 * mt_b64: base64 and base64url codecs, written out plainly so that decoding is strict: PASETO
 * requires rejecting non-canonical encodings.
 */
#include "mt_b64.h"

static const char mt_b64url_alphabet[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char mt_b64_alphabet[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
mt_b64url_encoded_len (size_t len)
{
  return (len / 3) * 4 + (len % 3 ? len % 3 + 1 : 0);
}

size_t
mt_b64_encoded_len (size_t len)
{
  return (len + 2) / 3 * 4;
}

static size_t
mt_b64_encode_with (const char *alphabet, bool pad, const uint8_t *data, size_t len, char *out)
{
  size_t i = 0;
  size_t o = 0;

  for (; i + 3 <= len; i += 3) {
    uint32_t v = (uint32_t) data[i] << 16 | (uint32_t) data[i + 1] << 8 | data[i + 2];
    out[o++] = alphabet[v >> 18 & 63];
    out[o++] = alphabet[v >> 12 & 63];
    out[o++] = alphabet[v >> 6 & 63];
    out[o++] = alphabet[v & 63];
  }
  if (len - i == 1) {
    uint32_t v = (uint32_t) data[i] << 16;
    out[o++] = alphabet[v >> 18 & 63];
    out[o++] = alphabet[v >> 12 & 63];
    if (pad) {
      out[o++] = '=';
      out[o++] = '=';
    }
  } else if (len - i == 2) {
    uint32_t v = (uint32_t) data[i] << 16 | (uint32_t) data[i + 1] << 8;
    out[o++] = alphabet[v >> 18 & 63];
    out[o++] = alphabet[v >> 12 & 63];
    out[o++] = alphabet[v >> 6 & 63];
    if (pad) {
      out[o++] = '=';
    }
  }
  out[o] = '\0';
  return o;
}

size_t
mt_b64url_encode (const uint8_t *data, size_t len, char *out)
{
  return mt_b64_encode_with (mt_b64url_alphabet, false, data, len, out);
}

size_t
mt_b64_encode (const uint8_t *data, size_t len, char *out)
{
  return mt_b64_encode_with (mt_b64_alphabet, true, data, len, out);
}

static int
mt_b64url_value (char c)
{
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  if (c == '-') {
    return 62;
  }
  if (c == '_') {
    return 63;
  }
  return -1;
}

bool
mt_b64url_decode (const char *text, size_t text_len, uint8_t *out, size_t out_cap, size_t *out_len)
{
  size_t rem = text_len % 4;
  size_t need = text_len / 4 * 3 + (rem ? rem - 1 : 0);
  size_t i = 0;
  size_t o = 0;
  uint32_t acc = 0;
  int bits = 0;

  if (rem == 1 || need > out_cap) {
    return false;
  }
  for (i = 0; i < text_len; i++) {
    int v = mt_b64url_value (text[i]);
    if (v < 0) {
      return false;
    }
    acc = acc << 6 | (uint32_t) v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (uint8_t) (acc >> bits & 0xff);
    }
  }
  /* Left-over bits must be zero for the encoding to be canonical. */
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) {
    return false;
  }
  *out_len = o;
  return true;
}

int
mt_hex_value (char c)
{
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}
