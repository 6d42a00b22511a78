/*
 * photos: the photos of listings. docs/API.md ("Listings") is the contract.
 *
 * A photo is a JPEG, PNG or WebP image of at most MT_PHOTO_BYTES_MAX bytes. Its type and its
 * dimensions are read from the bytes (mt_image_sniff); a declared Content-Type is ignored.
 * The store keeps the bytes with their metadata {"id" ("pho_..."), "listing_id",
 * "content_type", "etag" (hex BLAKE2b-256 of the bytes), "bytes", "width", "height",
 * "created_at"}; the listing's "photos" array lists at most MT_PHOTOS_PER_LISTING entries
 * {"id", "url", "content_type", "bytes", "width", "height"}, the one source of truth of which
 * photos a listing has: a stored photo that the array does not list (left by a crash between
 * the two writes) is never served.
 *
 * Rights are those of listings.h: the owner's accounts and administrators add and remove
 * photos (others: 404 when they cannot see the listing, 403 when they can); a photo is served
 * to whoever may see its listing (404 otherwise).
 */
#ifndef MT_PHOTOS_H
#define MT_PHOTOS_H

#include "mt_error.h"
#include "mt_id.h"
#include "service.h"

#include <bson/bson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MT_PHOTO_ID_PREFIX "pho"
#define MT_PHOTO_BYTES_MAX ((size_t) 5 * 1024 * 1024) /* the route's body limit too */
#define MT_PHOTOS_PER_LISTING 8
#define MT_PHOTO_DIMENSION_MAX 16384 /* pixels, each side */
/* A strong entity tag: '"', 64 hex digits of BLAKE2b-256, '"', NUL. */
#define MT_PHOTO_ETAG_SIZE 67

/* --- Recognising images ------------------------------------------------------------------- */

typedef struct {
  const char *content_type; /* static: "image/jpeg" | "image/png" | "image/webp" */
  uint32_t width;           /* 1..MT_PHOTO_DIMENSION_MAX */
  uint32_t height;
} mt_image_info_t;

/*
 * Recognises @len bytes as an image from their headers only (no decoding):
 *   JPEG: FF D8 FF, segments whose lengths fit, one SOFn frame header (width, height) before
 *         the first SOS, then an EOI marker (FF D9) after it;
 *   PNG:  the signature, an IHDR chunk first (13 bytes, valid CRC, bit depth and colour type
 *         allowed together, compression and filter 0, interlace 0 or 1), chunks that fit, at
 *         least one IDAT, then IEND;
 *   WebP: RIFF....WEBP whose RIFF size fits the bytes, then a VP8 (key frame with its start
 *         code), VP8L (signature 0x2F, version 0) or VP8X chunk (canvas size; its chunks must
 *         fit and hold an image whose size, when not animated, is the canvas's).
 * Bytes after the end of the image (after EOI, IEND or the RIFF size) are tolerated.
 * @info is always initialised (zeros on failure).
 * @return false with MT_ERR_UNSUPPORTED_MEDIA_TYPE for anything else: another type, a
 * truncated or inconsistent header, a width or height of 0 or above MT_PHOTO_DIMENSION_MAX.
 */
bool mt_image_sniff (const uint8_t *data, size_t len, mt_image_info_t *info, mt_error_t *error);

/* The strong entity tag of @len bytes: "\"" + hex BLAKE2b-256 + "\"". */
void mt_photo_etag (const uint8_t *data, size_t len, char out[MT_PHOTO_ETAG_SIZE]);

/*
 * True when the If-None-Match header @if_none_match (may be NULL) matches @etag (a strong tag
 * of mt_photo_etag): "*", or one of its comma-separated tags equals @etag, weakly compared
 * (W/"x" matches "x"), as RFC 9110 §13.1.2 asks.
 */
bool mt_photo_etag_matches (const char *if_none_match, const char *etag);

/* --- Endpoints ------------------------------------------------------------------------------ */

/*
 * POST /v1/listings/{id}/photos: adds @len bytes at @data as a photo of listing @listing_id.
 * In order: rights (mt_listing_load_for_change: MT_ERR_NOT_FOUND, MT_ERR_FORBIDDEN,
 * MT_ERR_UNAUTHENTICATED), size (MT_ERR_TOO_LARGE above MT_PHOTO_BYTES_MAX), type
 * (mt_image_sniff: MT_ERR_UNSUPPORTED_MEDIA_TYPE), count (MT_ERR_UNPROCESSABLE when the listing
 * already has MT_PHOTOS_PER_LISTING). Then the bytes are stored (photo_insert) and the
 * listing's "photos" array is extended with compare-and-set, retried on a lost race after
 * reading the listing again (rights and count checked again); when that fails for good
 * (MT_ERR_STALE after the last attempt, or any other error) the stored bytes are deleted, so
 * that nothing is half-stored.
 * @out (initialised here): {"id", "url", "content_type", "bytes", "width", "height"}.
 */
bool mt_photo_add (const mt_ctx_t *ctx, const char *listing_id, const uint8_t *data, size_t len,
                   bson_t *out, mt_error_t *error);

/*
 * DELETE /v1/listings/{id}/photos/{photo_id}: rights as mt_photo_add; MT_ERR_NOT_FOUND when the
 * listing does not list @photo_id. Removes the entry with compare-and-set (retried as above),
 * then the stored bytes (a failure there is logged: the photo is already unreachable).
 */
bool mt_photo_remove (const mt_ctx_t *ctx, const char *listing_id, const char *photo_id,
                      mt_error_t *error);

/* A photo as GET /v1/photos/{id} serves it. */
typedef struct {
  uint8_t *data; /* malloc'd bytes */
  size_t len;
  char content_type[32];
  char etag[MT_PHOTO_ETAG_SIZE];
  bool public_cache; /* an anonymous visitor may see the listing: shared caches may keep it */
} mt_photo_t;

/* Initialises @photo empty. */
void mt_photo_init (mt_photo_t *photo);

/* Frees what @photo holds and leaves it empty. */
void mt_photo_destroy (mt_photo_t *photo);

/*
 * GET /v1/photos/{id}: photo @photo_id into @out (initialised here) when @ctx's caller may see
 * its listing (mt_listing_load_visible) and the listing lists it; MT_ERR_NOT_FOUND otherwise.
 */
bool mt_photo_fetch (const mt_ctx_t *ctx, const char *photo_id, mt_photo_t *out, mt_error_t *error);

#endif
