/*
 * photos: recognising JPEG, PNG and WebP from their headers, and adding, removing and serving
 * the photos of listings (photos.h).
 *
 * The recognisers read headers only: they walk the container (JPEG segments, PNG chunks, RIFF
 * chunks) with every length checked against the bytes received, so a truncated upload or a
 * header that lies about a size is refused before anything is stored. They never decode pixels:
 * cheap enough for the loop thread.
 */
#include "photos.h"

#include "listings.h"
#include "mt_bson.h"
#include "mt_log.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MT_LOG_DOMAIN "photos"

/* Compare-and-set attempts on the listing's "photos" array before giving up (409). */
#define MT_PHOTO_ATTEMPTS 4

/* ---- Recognising images ------------------------------------------------------------------- */

static uint32_t
mt_be32 (const uint8_t *p)
{
  return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static uint32_t
mt_le32 (const uint8_t *p)
{
  return (uint32_t) p[3] << 24 | (uint32_t) p[2] << 16 | (uint32_t) p[1] << 8 | p[0];
}

static bool
mt_image_refuse (mt_error_t *error, const char *why_fr, const char *why_en)
{
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNSUPPORTED_MEDIA_TYPE,
                "image refusée : %s%.0s (formats acceptés : JPEG, PNG, WebP)",
                "image refused: %.0s%s (accepted formats: JPEG, PNG, WebP)", why_fr, why_en);
  return false;
}

static bool
mt_image_truncated (mt_error_t *error)
{
  return mt_image_refuse (error, "fichier tronqué ou en-tête incohérent",
                          "truncated file or inconsistent header");
}

static bool
mt_image_set_size (mt_image_info_t *info, const char *content_type, uint32_t width, uint32_t height,
                   mt_error_t *error)
{
  if (width == 0 || height == 0 || width > MT_PHOTO_DIMENSION_MAX ||
      height > MT_PHOTO_DIMENSION_MAX) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNSUPPORTED_MEDIA_TYPE,
                  "image refusée : dimensions %ux%u hors limites (1 à %u pixels de côté)",
                  "image refused: dimensions %ux%u out of bounds (1 to %u pixels a side)", width,
                  height, MT_PHOTO_DIMENSION_MAX);
    return false;
  }
  info->content_type = content_type;
  info->width = width;
  info->height = height;
  return true;
}

/* SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC). */
static bool
mt_jpeg_is_sof (uint8_t marker)
{
  return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

static bool
mt_jpeg_sniff (const uint8_t *d, size_t len, mt_image_info_t *info, mt_error_t *error)
{
  size_t i = 2; /* after SOI */
  bool have_frame = false;
  uint32_t width = 0;
  uint32_t height = 0;

  for (;;) {
    uint8_t marker;
    size_t seglen;

    if (i >= len || d[i] != 0xFF) {
      return mt_image_truncated (error);
    }
    while (i < len && d[i] == 0xFF) {
      i++; /* fill bytes */
    }
    if (i >= len) {
      return mt_image_truncated (error);
    }
    marker = d[i++];
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
      continue; /* TEM, RSTn: no length */
    }
    if (marker == 0x00 || marker == 0xD8 || marker == 0xD9) {
      return mt_image_truncated (error); /* no image before SOI again or EOI */
    }
    if (i + 2 > len) {
      return mt_image_truncated (error);
    }
    seglen = (size_t) d[i] << 8 | d[i + 1];
    if (seglen < 2 || seglen > len - i) {
      return mt_image_truncated (error);
    }
    if (mt_jpeg_is_sof (marker)) {
      const uint8_t *s = d + i;
      uint8_t components;
      if (have_frame || seglen < 8) {
        return mt_image_truncated (error);
      }
      components = s[7];
      if (components == 0 || seglen != 8 + 3 * (size_t) components || s[2] < 2 || s[2] > 16) {
        return mt_image_truncated (error);
      }
      height = (uint32_t) s[3] << 8 | s[4];
      width = (uint32_t) s[5] << 8 | s[6];
      have_frame = true;
    } else if (marker == 0xDA) { /* SOS: the entropy-coded data follows */
      size_t j = i + seglen;
      if (!have_frame) {
        return mt_image_truncated (error);
      }
      /* In entropy-coded data FF is followed by 00, RSTn or a marker: FF D9 is the EOI. */
      while (j + 1 < len && !(d[j] == 0xFF && d[j + 1] == 0xD9)) {
        const uint8_t *ff = memchr (d + j + 1, 0xFF, len - j - 1);
        j = ff ? (size_t) (ff - d) : len;
      }
      if (j + 1 >= len) {
        return mt_image_truncated (error);
      }
      return mt_image_set_size (info, "image/jpeg", width, height, error);
    }
    i += seglen;
  }
}

static uint32_t
mt_png_crc (const uint8_t *p, size_t len)
{
  uint32_t c = 0xFFFFFFFFu;

  for (size_t i = 0; i < len; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) {
      c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
  }
  return c ^ 0xFFFFFFFFu;
}

static bool
mt_png_depth_ok (uint8_t depth, uint8_t colour)
{
  switch (colour) {
  case 0:
    return depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
  case 3:
    return depth == 1 || depth == 2 || depth == 4 || depth == 8;
  case 2:
  case 4:
  case 6:
    return depth == 8 || depth == 16;
  default:
    return false;
  }
}

static bool
mt_png_sniff (const uint8_t *d, size_t len, mt_image_info_t *info, mt_error_t *error)
{
  size_t i = 8; /* after the signature */
  bool idat = false;
  uint32_t width;
  uint32_t height;

  /* IHDR first: length 13, type, 13 bytes, CRC. */
  if (len < 8 + 25 || mt_be32 (d + 8) != 13 || memcmp (d + 12, "IHDR", 4) != 0) {
    return mt_image_truncated (error);
  }
  if (mt_png_crc (d + 12, 17) != mt_be32 (d + 29)) {
    return mt_image_refuse (error, "en-tête PNG corrompu (CRC)", "corrupt PNG header (CRC)");
  }
  width = mt_be32 (d + 16);
  height = mt_be32 (d + 20);
  if (!mt_png_depth_ok (d[24], d[25]) || d[26] != 0 || d[27] != 0 || d[28] > 1) {
    return mt_image_truncated (error);
  }
  i = 8 + 25;
  for (;;) {
    uint32_t clen;
    const uint8_t *type;
    if (len - i < 12) {
      return mt_image_truncated (error);
    }
    clen = mt_be32 (d + i);
    type = d + i + 4;
    if (clen > 0x7FFFFFFFu || clen > len - i - 12) {
      return mt_image_truncated (error);
    }
    for (int k = 0; k < 4; k++) {
      uint8_t c = type[k] & 0xDF; /* upper case */
      if (c < 'A' || c > 'Z') {
        return mt_image_truncated (error);
      }
    }
    if (memcmp (type, "IHDR", 4) == 0) {
      return mt_image_truncated (error); /* a second header */
    }
    if (memcmp (type, "IDAT", 4) == 0) {
      idat = true;
    }
    if (memcmp (type, "IEND", 4) == 0) {
      if (!idat || clen != 0) {
        return mt_image_truncated (error);
      }
      return mt_image_set_size (info, "image/png", width, height, error);
    }
    i += 12 + (size_t) clen;
  }
}

/* Width and height of a "VP8 " (lossy) or "VP8L" (lossless) chunk payload. */
static bool
mt_webp_frame_size (const uint8_t *fourcc, const uint8_t *p, size_t size, uint32_t *width,
                    uint32_t *height)
{
  if (memcmp (fourcc, "VP8 ", 4) == 0) {
    /* Frame tag (3 bytes, bit 0 clear on a key frame), start code 9D 01 2A, 14-bit sizes. */
    if (size < 10 || (p[0] & 1) != 0 || p[3] != 0x9D || p[4] != 0x01 || p[5] != 0x2A) {
      return false;
    }
    *width = ((uint32_t) p[6] | (uint32_t) p[7] << 8) & 0x3FFF;
    *height = ((uint32_t) p[8] | (uint32_t) p[9] << 8) & 0x3FFF;
    return true;
  }
  if (memcmp (fourcc, "VP8L", 4) == 0) {
    uint32_t bits;
    /* Signature 0x2F, then 14 bits width - 1, 14 bits height - 1, alpha, 3 bits version 0. */
    if (size < 5 || p[0] != 0x2F) {
      return false;
    }
    bits = mt_le32 (p + 1);
    if (bits >> 29 != 0) {
      return false;
    }
    *width = (bits & 0x3FFF) + 1;
    *height = (bits >> 14 & 0x3FFF) + 1;
    return true;
  }
  return false;
}

static bool
mt_webp_sniff (const uint8_t *d, size_t len, mt_image_info_t *info, mt_error_t *error)
{
  uint32_t riff = mt_le32 (d + 4);
  size_t end;
  uint32_t csize;
  const uint8_t *fourcc = d + 12;
  uint32_t width = 0;
  uint32_t height = 0;

  if (riff < 4 + 8 + 1 || riff > len - 8) {
    return mt_image_truncated (error);
  }
  end = 8 + (size_t) riff;
  csize = mt_le32 (d + 16);
  if (csize > end - 20) {
    return mt_image_truncated (error);
  }
  if (memcmp (fourcc, "VP8X", 4) == 0) {
    const uint8_t *x = d + 20;
    bool animated;
    bool image = false;
    size_t i;
    if (csize < 10) {
      return mt_image_truncated (error);
    }
    animated = (x[0] & 0x02) != 0;
    width = 1 + ((uint32_t) x[4] | (uint32_t) x[5] << 8 | (uint32_t) x[6] << 16);
    height = 1 + ((uint32_t) x[7] | (uint32_t) x[8] << 8 | (uint32_t) x[9] << 16);
    /* The chunks after VP8X must fit and include the image (or, animated, its frames). */
    for (i = 20 + (size_t) csize + (csize & 1); i < end;) {
      uint32_t size;
      uint32_t fw;
      uint32_t fh;
      if (end - i < 8) {
        return mt_image_truncated (error);
      }
      size = mt_le32 (d + i + 4);
      if (size > end - i - 8) {
        return mt_image_truncated (error);
      }
      if (!animated && (memcmp (d + i, "VP8 ", 4) == 0 || memcmp (d + i, "VP8L", 4) == 0)) {
        if (!mt_webp_frame_size (d + i, d + i + 8, size, &fw, &fh) || fw != width || fh != height) {
          return mt_image_truncated (error);
        }
        image = true;
      } else if (animated && memcmp (d + i, "ANMF", 4) == 0) {
        image = true;
      }
      i += 8 + (size_t) size + (size & 1);
    }
    if (!image) {
      return mt_image_truncated (error);
    }
  } else if (!mt_webp_frame_size (fourcc, d + 20, csize, &width, &height)) {
    return mt_image_truncated (error);
  }
  return mt_image_set_size (info, "image/webp", width, height, error);
}

bool
mt_image_sniff (const uint8_t *data, size_t len, mt_image_info_t *info, mt_error_t *error)
{
  static const uint8_t png_signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n' };

  memset (info, 0, sizeof *info);
  if (!data || len == 0) {
    return mt_image_refuse (error, "corps vide", "empty body");
  }
  if (len >= 4 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) {
    return mt_jpeg_sniff (data, len, info, error);
  }
  if (len >= 8 && memcmp (data, png_signature, 8) == 0) {
    return mt_png_sniff (data, len, info, error);
  }
  if (len >= 20 && memcmp (data, "RIFF", 4) == 0 && memcmp (data + 8, "WEBP", 4) == 0) {
    return mt_webp_sniff (data, len, info, error);
  }
  return mt_image_refuse (error, "type de fichier non reconnu", "unrecognised file type");
}

/* ---- Entity tags ----------------------------------------------------------------------------- */

void
mt_photo_etag (const uint8_t *data, size_t len, char out[MT_PHOTO_ETAG_SIZE])
{
  unsigned char hash[32];

  crypto_generichash (hash, sizeof hash, data, len, NULL, 0);
  out[0] = '"';
  sodium_bin2hex (out + 1, 65, hash, sizeof hash);
  out[65] = '"';
  out[66] = '\0';
}

bool
mt_photo_etag_matches (const char *if_none_match, const char *etag)
{
  size_t etag_len = strlen (etag);
  const char *p = if_none_match;

  while (p && *p) {
    const char *end;
    size_t n;
    while (*p == ' ' || *p == '\t' || *p == ',') {
      p++;
    }
    end = p;
    while (*end && *end != ',') {
      end++;
    }
    n = (size_t) (end - p);
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t')) {
      n--;
    }
    if (n == 1 && *p == '*') {
      return true;
    }
    if (n > 2 && p[0] == 'W' && p[1] == '/') {
      p += 2;
      n -= 2;
    }
    if (n == etag_len && memcmp (p, etag, n) == 0) {
      return true;
    }
    p = end;
  }
  return false;
}

/* ---- The listing's "photos" array ------------------------------------------------------------ */

static uint32_t
mt_photo_count (const bson_t *listing)
{
  bson_iter_t it;
  bson_iter_t child;
  uint32_t n = 0;

  if (bson_iter_init_find (&it, listing, "photos") && BSON_ITER_HOLDS_ARRAY (&it) &&
      bson_iter_recurse (&it, &child)) {
    while (bson_iter_next (&child)) {
      n++;
    }
  }
  return n;
}

/* True when the "photos" array of @listing has an entry with "id" @photo_id. */
static bool
mt_photo_listed (const bson_t *listing, const char *photo_id)
{
  bson_iter_t it;
  bson_iter_t child;

  if (bson_iter_init_find (&it, listing, "photos") && BSON_ITER_HOLDS_ARRAY (&it) &&
      bson_iter_recurse (&it, &child)) {
    while (bson_iter_next (&child)) {
      bson_iter_t id;
      if (BSON_ITER_HOLDS_DOCUMENT (&child) && bson_iter_recurse (&child, &id) &&
          bson_iter_find (&id, "id") && BSON_ITER_HOLDS_UTF8 (&id) &&
          strcmp (bson_iter_utf8 (&id, NULL), photo_id) == 0) {
        return true;
      }
    }
  }
  return false;
}

/*
 * Builds in @out (initialised here) @listing whose "photos" array leaves out @skip_id (may be
 * NULL) and ends with @add (may be NULL), and whose "updated_at" is @now_ms.
 */
static void
mt_photo_listing_with (const bson_t *listing, const char *skip_id, const bson_t *add,
                       int64_t now_ms, bson_t *out)
{
  bson_t patch = BSON_INITIALIZER;
  bson_t photos;
  bson_iter_t it;
  bson_iter_t child;
  uint32_t n = 0;

  BSON_APPEND_ARRAY_BEGIN (&patch, "photos", &photos);
  if (bson_iter_init_find (&it, listing, "photos") && BSON_ITER_HOLDS_ARRAY (&it) &&
      bson_iter_recurse (&it, &child)) {
    while (bson_iter_next (&child)) {
      bson_iter_t id;
      char keybuf[16];
      const char *key;
      if (skip_id && BSON_ITER_HOLDS_DOCUMENT (&child) && bson_iter_recurse (&child, &id) &&
          bson_iter_find (&id, "id") && BSON_ITER_HOLDS_UTF8 (&id) &&
          strcmp (bson_iter_utf8 (&id, NULL), skip_id) == 0) {
        continue;
      }
      bson_uint32_to_string (n++, &key, keybuf, sizeof keybuf);
      bson_append_iter (&photos, key, -1, &child);
    }
  }
  if (add) {
    char keybuf[16];
    const char *key;
    bson_uint32_to_string (n, &key, keybuf, sizeof keybuf);
    BSON_APPEND_DOCUMENT (&photos, key, add);
  }
  bson_append_array_end (&patch, &photos);
  BSON_APPEND_DATE_TIME (&patch, "updated_at", now_ms);
  mt_bson_merge (listing, &patch, out);
  bson_destroy (&patch);
}

static void
mt_photo_too_many (mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                "une annonce a %d photos au plus : retirez-en une d'abord",
                "a listing has at most %d photos: remove one first", MT_PHOTOS_PER_LISTING);
}

static void
mt_photo_race_lost (mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_STALE,
                "l'annonce change trop souvent en ce moment : réessayez",
                "the listing keeps changing right now: try again");
}

/* ---- POST /v1/listings/{id}/photos ------------------------------------------------------- */

bool
mt_photo_add (const mt_ctx_t *ctx, const char *listing_id, const uint8_t *data, size_t len,
              bson_t *out, mt_error_t *error)
{
  bson_t listing = BSON_INITIALIZER;
  bson_t meta = BSON_INITIALIZER;
  bson_t entry = BSON_INITIALIZER;
  mt_image_info_t info;
  char id[MT_ID_SIZE];
  char etag[MT_PHOTO_ETAG_SIZE];
  char url[64];
  bool stored = false;
  bool ok = false;

  bson_init (out);
  bson_destroy (&listing);
  if (!mt_listing_load_for_change (ctx, listing_id, &listing, error)) {
    goto done;
  }
  if (len > MT_PHOTO_BYTES_MAX) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_TOO_LARGE,
                  "photo trop volumineuse (%zu octets au plus)",
                  "photo too large (at most %zu bytes)", MT_PHOTO_BYTES_MAX);
    goto done;
  }
  if (!mt_image_sniff (data, len, &info, error)) {
    goto done;
  }
  if (mt_photo_count (&listing) >= MT_PHOTOS_PER_LISTING) {
    mt_photo_too_many (error);
    goto done;
  }
  mt_id_new (MT_PHOTO_ID_PREFIX, id);
  mt_photo_etag (data, len, etag);
  snprintf (url, sizeof url, "/v1/photos/%s", id);
  BSON_APPEND_UTF8 (&meta, "id", id);
  BSON_APPEND_UTF8 (&meta, "listing_id", mt_bson_str (&listing, "id"));
  BSON_APPEND_UTF8 (&meta, "content_type", info.content_type);
  bson_append_utf8 (&meta, "etag", -1, etag + 1, 64); /* the hex digits, without quotes */
  BSON_APPEND_INT64 (&meta, "bytes", (int64_t) len);
  BSON_APPEND_INT32 (&meta, "width", (int32_t) info.width);
  BSON_APPEND_INT32 (&meta, "height", (int32_t) info.height);
  BSON_APPEND_DATE_TIME (&meta, "created_at", ctx->now_ms);
  if (!ctx->store->ops->photo_insert (ctx->store, &meta, data, len, error)) {
    goto done;
  }
  stored = true;
  BSON_APPEND_UTF8 (&entry, "id", id);
  BSON_APPEND_UTF8 (&entry, "url", url);
  BSON_APPEND_UTF8 (&entry, "content_type", info.content_type);
  BSON_APPEND_INT64 (&entry, "bytes", (int64_t) len);
  BSON_APPEND_INT32 (&entry, "width", (int32_t) info.width);
  BSON_APPEND_INT32 (&entry, "height", (int32_t) info.height);
  for (int attempt = 1;; attempt++) {
    bson_t updated;
    mt_error_t store_error = { 0 };
    bool written;

    mt_photo_listing_with (&listing, NULL, &entry, ctx->now_ms, &updated);
    written = ctx->store->ops->listing_update (ctx->store, mt_bson_str (&listing, "id"),
                                               mt_bson_int (&listing, "version", 0), &updated,
                                               &store_error);
    bson_destroy (&updated);
    if (written) {
      break;
    }
    if (store_error.code != MT_ERR_STALE) {
      mt_error_copy (error, &store_error);
      goto done;
    }
    if (attempt == MT_PHOTO_ATTEMPTS) {
      mt_photo_race_lost (error);
      goto done;
    }
    /* Someone else changed the listing: decide again on what it is now. */
    bson_destroy (&listing);
    if (!mt_listing_load_for_change (ctx, listing_id, &listing, error)) {
      goto done;
    }
    if (mt_photo_count (&listing) >= MT_PHOTOS_PER_LISTING) {
      mt_photo_too_many (error);
      goto done;
    }
  }
  stored = false; /* the listing lists it now: it stays */
  bson_destroy (out);
  bson_copy_to (&entry, out);
  MT_INFO ("photo %s added to listing %s", id, mt_bson_str (&listing, "id"));
  ok = true;
done:
  if (stored) {
    mt_error_t cleanup_error;
    if (!ctx->store->ops->photo_delete (ctx->store, id, &cleanup_error)) {
      MT_WARN ("photo %s stored but not listed, and not deleted: %s", id, cleanup_error.message);
    }
  }
  bson_destroy (&listing);
  bson_destroy (&meta);
  bson_destroy (&entry);
  if (!ok) {
    bson_reinit (out);
  }
  return ok;
}

/* ---- DELETE /v1/listings/{id}/photos/{photo_id} ----------------------------------------- */

static bool
mt_photo_not_found (mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_NOT_FOUND, "photo introuvable", "photo not found");
  return false;
}

bool
mt_photo_remove (const mt_ctx_t *ctx, const char *listing_id, const char *photo_id,
                 mt_error_t *error)
{
  bson_t listing = BSON_INITIALIZER;
  mt_error_t store_error = { 0 };
  bool ok = false;

  bson_destroy (&listing);
  if (!mt_listing_load_for_change (ctx, listing_id, &listing, error)) {
    goto done;
  }
  for (int attempt = 1;; attempt++) {
    bson_t updated;
    bool written;

    if (!photo_id || !mt_photo_listed (&listing, photo_id)) {
      mt_photo_not_found (error);
      goto done;
    }
    mt_photo_listing_with (&listing, photo_id, NULL, ctx->now_ms, &updated);
    written = ctx->store->ops->listing_update (ctx->store, mt_bson_str (&listing, "id"),
                                               mt_bson_int (&listing, "version", 0), &updated,
                                               &store_error);
    bson_destroy (&updated);
    if (written) {
      break;
    }
    if (store_error.code != MT_ERR_STALE) {
      mt_error_copy (error, &store_error);
      goto done;
    }
    if (attempt == MT_PHOTO_ATTEMPTS) {
      mt_photo_race_lost (error);
      goto done;
    }
    bson_destroy (&listing);
    if (!mt_listing_load_for_change (ctx, listing_id, &listing, error)) {
      goto done;
    }
  }
  if (!ctx->store->ops->photo_delete (ctx->store, photo_id, &store_error) &&
      store_error.code != MT_ERR_NOT_FOUND) {
    MT_WARN ("photo %s unlisted but its bytes were not deleted: %s", photo_id, store_error.message);
  }
  MT_INFO ("photo %s removed from listing %s", photo_id, mt_bson_str (&listing, "id"));
  ok = true;
done:
  bson_destroy (&listing);
  return ok;
}

/* ---- GET /v1/photos/{id} ------------------------------------------------------------------ */

void
mt_photo_init (mt_photo_t *photo)
{
  memset (photo, 0, sizeof *photo);
}

void
mt_photo_destroy (mt_photo_t *photo)
{
  free (photo->data);
  mt_photo_init (photo);
}

bool
mt_photo_fetch (const mt_ctx_t *ctx, const char *photo_id, mt_photo_t *out, mt_error_t *error)
{
  bson_t meta = BSON_INITIALIZER;
  bson_t listing = BSON_INITIALIZER;
  bson_t owner = BSON_INITIALIZER;
  mt_error_t store_error = { 0 };
  mt_ctx_t anonymous;
  const char *content_type;
  const char *etag;
  bool ok = false;

  mt_photo_init (out);
  if (!photo_id || !mt_id_is_valid (photo_id, MT_PHOTO_ID_PREFIX)) {
    mt_photo_not_found (error);
    goto done;
  }
  bson_destroy (&meta);
  if (!ctx->store->ops->photo_get (ctx->store, photo_id, &meta, &out->data, &out->len,
                                   &store_error)) {
    if (store_error.code == MT_ERR_NOT_FOUND) {
      mt_photo_not_found (error);
    } else {
      mt_error_copy (error, &store_error);
    }
    goto done;
  }
  bson_destroy (&listing);
  bson_destroy (&owner);
  if (!mt_listing_load_visible (ctx, mt_bson_str (&meta, "listing_id"), &listing, &owner, error)) {
    if (error && error->code == MT_ERR_NOT_FOUND) {
      mt_photo_not_found (error);
    }
    goto done;
  }
  if (!mt_photo_listed (&listing, photo_id)) {
    mt_photo_not_found (error);
    goto done;
  }
  content_type = mt_bson_str (&meta, "content_type");
  snprintf (out->content_type, sizeof out->content_type, "%s",
            content_type ? content_type : "application/octet-stream");
  etag = mt_bson_str (&meta, "etag");
  if (etag && strlen (etag) == 64) {
    snprintf (out->etag, sizeof out->etag, "\"%s\"", etag);
  } else {
    mt_photo_etag (out->data, out->len, out->etag);
  }
  /* Shared caches may keep what an anonymous visitor may see anyway. */
  anonymous = *ctx;
  anonymous.principal = NULL;
  out->public_cache = mt_listing_visible (&anonymous, &listing, &owner);
  ok = true;
done:
  bson_destroy (&meta);
  bson_destroy (&listing);
  bson_destroy (&owner);
  if (!ok) {
    mt_photo_destroy (out);
  }
  return ok;
}
