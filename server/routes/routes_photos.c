/*
 * routes_photos: photos of listings (services/photos.h). The upload is the raw request body
 * (the route's body limit answers 413 before the handler runs); its declared Content-Type is
 * ignored, the type comes from the bytes.
 */
#include "routes.h"

#include "mt_bson.h"
#include "photos.h"

#include <stdio.h>

void
mt_route_listing_photo_upload (mt_request_t *r)
{
  size_t len = 0;
  const unsigned char *data = mt_request_raw_body (r, &len);
  bson_t photo = BSON_INITIALIZER;
  mt_error_t error = { 0 };

  if (!data) {
    mt_reply_error (r, MT_ERR_INTERNAL, "mémoire insuffisante", "out of memory");
  } else if (!mt_photo_add (mt_request_ctx (r), mt_request_param (r, "id"), data, len, &photo,
                            &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_request_set_header (r, "Location", mt_bson_str (&photo, "url"));
    mt_reply_json (r, 201, &photo);
  }
  bson_destroy (&photo);
}

void
mt_route_listing_photo_delete (mt_request_t *r)
{
  mt_error_t error = { 0 };

  if (!mt_photo_remove (mt_request_ctx (r), mt_request_param (r, "id"),
                        mt_request_param (r, "photo_id"), &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_reply_empty (r, 204);
  }
}

void
mt_route_photo_get (mt_request_t *r)
{
  mt_photo_t photo;
  mt_error_t error = { 0 };

  if (!mt_photo_fetch (mt_request_ctx (r), mt_request_param (r, "id"), &photo, &error)) {
    mt_reply_problem (r, &error);
    return;
  }
  /* The bytes behind an id never change (a new upload is a new id): immutable. Photos of
   * listings that only signed-in members may see stay out of shared caches. */
  mt_request_set_header (r, "ETag", photo.etag);
  mt_request_set_header (r, "Cache-Control",
                         photo.public_cache ? "public, max-age=86400, immutable"
                                            : "private, max-age=86400");
  if (mt_photo_etag_matches (mt_request_header (r, "If-None-Match"), photo.etag)) {
    mt_reply_empty (r, 304);
  } else {
    mt_reply_bytes (r, 200, photo.content_type, photo.data, photo.len);
  }
  mt_photo_destroy (&photo);
}
