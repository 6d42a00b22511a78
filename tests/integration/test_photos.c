/*
 * Integration tests of the photos of listings over HTTP against the real mutuad: uploads of
 * real JPEG, PNG and WebP images as raw bodies, refusals that store nothing (other types,
 * truncated or lying headers, too big, a ninth photo, callers other than the owner), serving
 * with a strong ETag, If-None-Match and cache headers that follow the listing's visibility,
 * and removal.
 */
#include "members_helpers.h"

#include <sodium.h>

/* ---- Images ------------------------------------------------------------------------------- */

/* A real 1x1 RGBA PNG. */
static const uint8_t png_1x1[] = {
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
  0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00,
  0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78,
  0xda, 0x63, 0x64, 0x60, 0xf8, 0x5f, 0x0f, 0x00, 0x02, 0x87, 0x01, 0x80, 0xeb, 0x47,
  0xba, 0x92, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
};

/* A real 1x1 lossy WebP. */
static const uint8_t webp_1x1[] = {
  0x52, 0x49, 0x46, 0x46, 0x22, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50, 0x56, 0x50,
  0x38, 0x20, 0x16, 0x00, 0x00, 0x00, 0x30, 0x01, 0x00, 0x9d, 0x01, 0x2a, 0x01, 0x00,
  0x01, 0x00, 0x0e, 0xc0, 0xfe, 0x25, 0xa4, 0x00, 0x03, 0x70, 0x00, 0x00, 0x00, 0x00,
};

/* A baseline JPEG of 3 x 2 pixels (one grey block; one-code Huffman tables). */
static const uint8_t jpeg_3x2[] = {
  /* SOI, DQT (all ones) */
  0xff,
  0xd8,
  0xff,
  0xdb,
  0x00,
  0x43,
  0x00,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  0x01,
  /* SOF0: 8 bits, height 2, width 3, one component */
  0xff,
  0xc0,
  0x00,
  0x0b,
  0x08,
  0x00,
  0x02,
  0x00,
  0x03,
  0x01,
  0x01,
  0x11,
  0x00,
  /* DHT: one DC code, one AC code (end of block) */
  0xff,
  0xc4,
  0x00,
  0x14,
  0x00,
  0x01,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0xff,
  0xc4,
  0x00,
  0x14,
  0x10,
  0x01,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  /* SOS, one block, EOI */
  0xff,
  0xda,
  0x00,
  0x08,
  0x01,
  0x01,
  0x00,
  0x00,
  0x3f,
  0x00,
  0x3f,
  0xff,
  0xd9,
};

#define SOF0_AT 71 /* offset of the frame header in jpeg_3x2 */

static const char gif[] = "GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00,\x00\x00"
                          "\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00;";

/* ---- Helpers ------------------------------------------------------------------------------ */

static char net1[MT_ID_SIZE], net2[MT_ID_SIZE];
static char nets1[64], nets12[96], nets2[64];

typedef struct {
  it_person_t owner;     /* the listings' organisation, net1 */
  it_person_t shared;    /* net1 + net2: sees the networks listing */
  it_person_t unrelated; /* net2 only */
  char pub[MT_ID_SIZE];  /* published, public */
  char net[MT_ID_SIZE];  /* published, networks only */
} world_t;

static void
create_listing (const char *token, const char *status, const char *visibility, char id[MT_ID_SIZE])
{
  mt_http_response_t resp;
  char body[512];

  snprintf (body, sizeof body,
            "{\"kind\":\"good\",\"title\":\"Perceuse %s %s\",\"category\":\"outillage\","
            "\"status\":\"%s\",\"visibility\":\"%s\"}",
            status, visibility, status, visibility);
  it_call (token, "POST", "/v1/listings", NULL, body, &resp);
  it_assert_status (&resp, 201, "POST", "/v1/listings");
  snprintf (id, MT_ID_SIZE, "%s", mt_http_json_string (&resp, "id"));
  mt_http_response_destroy (&resp);
}

static void
make_world (world_t *w)
{
  if (!net1[0]) {
    it_network (net1);
    it_network (net2);
    it_networks1 (nets1, net1);
    it_networks1 (nets2, net2);
    snprintf (nets12, sizeof nets12, "[\"%s\",\"%s\"]", net1, net2);
  }
  it_signup (nets1, true, &w->owner);
  it_signup (nets12, true, &w->shared);
  it_signup (nets2, true, &w->unrelated);
  create_listing (w->owner.token, "published", "public", w->pub);
  create_listing (w->owner.token, "published", "networks", w->net);
}

static void
world_destroy (world_t *w)
{
  it_person_destroy (&w->owner);
  it_person_destroy (&w->shared);
  it_person_destroy (&w->unrelated);
}

/* POST /v1/listings/@listing/photos with @len bytes as @token; @content_type may be NULL. */
static void
upload (const char *token, const char *listing, const void *data, size_t len,
        const char *content_type, mt_http_response_t *resp)
{
  char auth[1024];
  char type[128];
  char path[128];
  const char *headers[3] = { NULL, NULL, NULL };
  size_t n = 0;

  if (token) {
    snprintf (auth, sizeof auth, "Authorization: Bearer %s", token);
    headers[n++] = auth;
  }
  if (content_type) {
    snprintf (type, sizeof type, "Content-Type: %s", content_type);
    headers[n++] = type;
  }
  snprintf (path, sizeof path, "/v1/listings/%s/photos", listing);
  if (!mt_http_request (it_server.port, "POST", path, headers, data, len, resp)) {
    fail_msg ("POST %s: no response (%s)", path, resp->error.message);
  }
}

/* An upload that must answer 201; the photo id to @id. */
static void
upload_ok (const char *token, const char *listing, const void *data, size_t len,
           char id[MT_ID_SIZE])
{
  mt_http_response_t resp;

  upload (token, listing, data, len, "application/octet-stream", &resp);
  it_assert_status (&resp, 201, "POST", "photos");
  snprintf (id, MT_ID_SIZE, "%s", mt_http_json_string (&resp, "id"));
  mt_http_response_destroy (&resp);
}

/* An upload that must answer @status with problem @slug. */
static void
upload_refused (const char *token, const char *listing, const void *data, size_t len, int status,
                const char *slug)
{
  mt_http_response_t resp;
  char type[96];

  upload (token, listing, data, len, "image/jpeg", &resp);
  it_assert_status (&resp, status, "POST", "photos");
  snprintf (type, sizeof type, "urn:mutua:problem:%s", slug);
  assert_non_null (mt_http_json_string (&resp, "type"));
  assert_string_equal (mt_http_json_string (&resp, "type"), type);
  mt_http_response_destroy (&resp);
}

/* The listing as its owner sees it: the number of photos and the ETag (its version). */
static int
photos_of (const world_t *w, const char *listing, char etag[32])
{
  mt_http_response_t resp;
  char path[96];
  char key[32];
  int n = 0;

  snprintf (path, sizeof path, "/v1/listings/%s", listing);
  it_call (w->owner.token, "GET", path, NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", path);
  for (;; n++) {
    snprintf (key, sizeof key, "photos.%d.id", n);
    if (!mt_http_json_string (&resp, key)) {
      break;
    }
  }
  if (etag) {
    snprintf (etag, 32, "%s", mt_http_header (&resp, "ETag"));
  }
  mt_http_response_destroy (&resp);
  return n;
}

/* GET /v1/photos/@id as @token with an optional If-None-Match. */
static void
get_photo (const char *token, const char *id, const char *if_none_match, mt_http_response_t *resp)
{
  char path[96];
  char header[160];
  const char *headers[] = { header, NULL };

  snprintf (path, sizeof path, "/v1/photos/%s", id);
  if (if_none_match) {
    snprintf (header, sizeof header, "If-None-Match: %s", if_none_match);
  }
  it_call (token, "GET", path, if_none_match ? headers : NULL, NULL, resp);
}

static void
expected_etag (const void *data, size_t len, char out[67])
{
  unsigned char hash[32];

  crypto_generichash (hash, sizeof hash, data, len, NULL, 0);
  out[0] = '"';
  sodium_bin2hex (out + 1, 65, hash, sizeof hash);
  out[65] = '"';
  out[66] = '\0';
}

/* ---- Uploads -------------------------------------------------------------------------------- */

static void
uploads_jpeg_png_and_webp (void **state)
{
  world_t w;
  mt_http_response_t resp;
  char path[96];
  char location[96];
  char id[MT_ID_SIZE];

  (void) state;
  make_world (&w);
  /* The declared Content-Type is ignored: the type comes from the bytes. */
  upload (w.owner.token, w.pub, png_1x1, sizeof png_1x1, "image/gif", &resp);
  it_assert_status (&resp, 201, "POST", "photos");
  snprintf (id, sizeof id, "%s", mt_http_json_string (&resp, "id"));
  assert_true (mt_id_is_valid (id, "pho"));
  snprintf (location, sizeof location, "/v1/photos/%s", id);
  assert_string_equal (mt_http_header (&resp, "Location"), location);
  assert_string_equal (mt_http_json_string (&resp, "url"), location);
  assert_string_equal (mt_http_json_string (&resp, "content_type"), "image/png");
  assert_int_equal (mt_bson_int (mt_http_json (&resp), "bytes", 0), sizeof png_1x1);
  assert_int_equal (mt_bson_int (mt_http_json (&resp), "width", 0), 1);
  assert_int_equal (mt_bson_int (mt_http_json (&resp), "height", 0), 1);
  mt_http_response_destroy (&resp);

  upload (w.owner.token, w.pub, jpeg_3x2, sizeof jpeg_3x2, NULL, &resp);
  it_assert_status (&resp, 201, "POST", "photos");
  assert_string_equal (mt_http_json_string (&resp, "content_type"), "image/jpeg");
  assert_int_equal (mt_bson_int (mt_http_json (&resp), "width", 0), 3);
  assert_int_equal (mt_bson_int (mt_http_json (&resp), "height", 0), 2);
  mt_http_response_destroy (&resp);

  upload (w.owner.token, w.pub, webp_1x1, sizeof webp_1x1, "image/webp", &resp);
  it_assert_status (&resp, 201, "POST", "photos");
  assert_string_equal (mt_http_json_string (&resp, "content_type"), "image/webp");
  mt_http_response_destroy (&resp);

  /* The listing lists them, in order, for everyone who sees it. */
  snprintf (path, sizeof path, "/v1/listings/%s", w.pub);
  it_call (NULL, "GET", path, NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", path);
  assert_string_equal (mt_http_json_string (&resp, "photos.0.id"), id);
  assert_string_equal (mt_http_json_string (&resp, "photos.0.url"), location);
  assert_string_equal (mt_http_json_string (&resp, "photos.1.content_type"), "image/jpeg");
  assert_string_equal (mt_http_json_string (&resp, "photos.2.content_type"), "image/webp");
  assert_null (mt_http_json_string (&resp, "photos.3.id"));
  assert_string_equal (mt_http_header (&resp, "ETag"), "W/\"4\"");
  mt_http_response_destroy (&resp);
  world_destroy (&w);
}

static void
refuses_what_is_not_an_image_and_stores_nothing (void **state)
{
  world_t w;
  char before[32];
  char after[32];
  uint8_t lying[sizeof jpeg_3x2];
  static const char text[] = "Ceci n'est pas une image.";

  (void) state;
  make_world (&w);
  assert_int_equal (photos_of (&w, w.pub, before), 0);
  upload_refused (w.owner.token, w.pub, gif, sizeof gif - 1, 415, "unsupported-media-type");
  upload_refused (w.owner.token, w.pub, text, sizeof text - 1, 415, "unsupported-media-type");
  upload_refused (w.owner.token, w.pub, png_1x1, sizeof png_1x1 - 20, 415,
                  "unsupported-media-type"); /* truncated PNG */
  upload_refused (w.owner.token, w.pub, jpeg_3x2, sizeof jpeg_3x2 - 1, 415,
                  "unsupported-media-type"); /* no EOI */
  memcpy (lying, jpeg_3x2, sizeof lying);
  lying[SOF0_AT + 3] = 0x20; /* a frame header longer than what it holds */
  upload_refused (w.owner.token, w.pub, lying, sizeof lying, 415, "unsupported-media-type");
  memcpy (lying, jpeg_3x2, sizeof lying);
  lying[SOF0_AT + 7] = 0x50; /* 20483 pixels wide */
  upload_refused (w.owner.token, w.pub, lying, sizeof lying, 415, "unsupported-media-type");
  memcpy (lying, jpeg_3x2, sizeof lying);
  lying[SOF0_AT + 5] = 0;
  lying[SOF0_AT + 6] = 0; /* 0 pixels high */
  upload_refused (w.owner.token, w.pub, lying, sizeof lying, 415, "unsupported-media-type");
  upload_refused (w.owner.token, w.pub, "", 0, 415, "unsupported-media-type");
  assert_int_equal (photos_of (&w, w.pub, after), 0);
  assert_string_equal (after, before); /* the listing did not even change version */
  world_destroy (&w);
}

static void
refuses_bodies_over_five_mebibytes (void **state)
{
  world_t w;
  uint8_t *big = calloc (1, 5 * 1024 * 1024 + 1);
  char id[MT_ID_SIZE];

  (void) state;
  assert_non_null (big);
  make_world (&w);
  memcpy (big, jpeg_3x2, sizeof jpeg_3x2); /* a valid JPEG followed by zeros */
  upload_refused (w.owner.token, w.pub, big, 5 * 1024 * 1024 + 1, 413, "too-large");
  assert_int_equal (photos_of (&w, w.pub, NULL), 0);
  upload_ok (w.owner.token, w.pub, big, 5 * 1024 * 1024, id); /* the limit itself is fine */
  assert_int_equal (photos_of (&w, w.pub, NULL), 1);
  free (big);
  world_destroy (&w);
}

static void
refuses_a_ninth_photo (void **state)
{
  world_t w;
  char id[MT_ID_SIZE];
  char etag[32];

  (void) state;
  make_world (&w);
  for (int i = 0; i < 8; i++) {
    upload_ok (w.owner.token, w.net, i % 2 ? png_1x1 : webp_1x1,
               i % 2 ? sizeof png_1x1 : sizeof webp_1x1, id);
  }
  assert_int_equal (photos_of (&w, w.net, etag), 8);
  upload_refused (w.owner.token, w.net, jpeg_3x2, sizeof jpeg_3x2, 422, "unprocessable");
  {
    char again[32];
    assert_int_equal (photos_of (&w, w.net, again), 8);
    assert_string_equal (again, etag);
  }
  world_destroy (&w);
}

static void
only_the_owner_uploads (void **state)
{
  world_t w;

  (void) state;
  make_world (&w);
  /* Sees the listing but may not change it: 403; does not see it: 404; anonymous: 401. */
  upload_refused (w.shared.token, w.net, png_1x1, sizeof png_1x1, 403, "forbidden");
  upload_refused (w.unrelated.token, w.net, png_1x1, sizeof png_1x1, 404, "not-found");
  upload_refused (NULL, w.pub, png_1x1, sizeof png_1x1, 401, "unauthenticated");
  upload_refused (w.owner.token, "lst_AAAAAAAAAAAAAAAAAAAAAA", png_1x1, sizeof png_1x1, 404,
                  "not-found");
  assert_int_equal (photos_of (&w, w.net, NULL), 0);
  assert_int_equal (photos_of (&w, w.pub, NULL), 0);
  world_destroy (&w);
}

/* ---- Serving -------------------------------------------------------------------------------- */

static void
serves_with_a_strong_etag_and_304 (void **state)
{
  world_t w;
  mt_http_response_t resp;
  char id[MT_ID_SIZE];
  char etag[67];

  (void) state;
  make_world (&w);
  upload_ok (w.owner.token, w.pub, jpeg_3x2, sizeof jpeg_3x2, id);
  expected_etag (jpeg_3x2, sizeof jpeg_3x2, etag);

  get_photo (NULL, id, NULL, &resp);
  it_assert_status (&resp, 200, "GET", "photo");
  assert_string_equal (mt_http_header (&resp, "Content-Type"), "image/jpeg");
  assert_string_equal (mt_http_header (&resp, "ETag"), etag);
  assert_string_equal (mt_http_header (&resp, "Cache-Control"), "public, max-age=86400, immutable");
  assert_string_equal (mt_http_header (&resp, "X-Content-Type-Options"), "nosniff");
  assert_int_equal (resp.body_len, sizeof jpeg_3x2);
  assert_memory_equal (resp.body, jpeg_3x2, sizeof jpeg_3x2);
  mt_http_response_destroy (&resp);

  get_photo (NULL, id, etag, &resp);
  it_assert_status (&resp, 304, "GET", "photo");
  assert_int_equal (resp.body_len, 0);
  assert_string_equal (mt_http_header (&resp, "ETag"), etag);
  mt_http_response_destroy (&resp);

  get_photo (w.unrelated.token, id, "\"autre\", W/\"encore\"", &resp);
  it_assert_status (&resp, 200, "GET", "photo"); /* no match: the bytes */
  assert_int_equal (resp.body_len, sizeof jpeg_3x2);
  mt_http_response_destroy (&resp);
  world_destroy (&w);
}

static void
serves_only_to_those_who_see_the_listing (void **state)
{
  world_t w;
  mt_http_response_t resp;
  char id[MT_ID_SIZE];
  char path[96];
  char etag[67];

  (void) state;
  make_world (&w);
  upload_ok (w.owner.token, w.net, png_1x1, sizeof png_1x1, id);
  expected_etag (png_1x1, sizeof png_1x1, etag);
  snprintf (path, sizeof path, "/v1/photos/%s", id);

  /* A networks-only listing: anonymous visitors and unrelated members get 404, even with a
   * matching If-None-Match. */
  it_expect_problem (NULL, "GET", path, NULL, 404, "not-found");
  it_expect_problem (w.unrelated.token, "GET", path, NULL, 404, "not-found");
  get_photo (NULL, id, etag, &resp);
  it_assert_status (&resp, 404, "GET", path);
  mt_http_response_destroy (&resp);

  get_photo (w.shared.token, id, NULL, &resp);
  it_assert_status (&resp, 200, "GET", path);
  assert_string_equal (mt_http_header (&resp, "Content-Type"), "image/png");
  assert_string_equal (mt_http_header (&resp, "Cache-Control"), "private, max-age=86400");
  assert_memory_equal (resp.body, png_1x1, sizeof png_1x1);
  mt_http_response_destroy (&resp);

  /* Once paused, only its owner (and administrators) still get it. */
  {
    char listing[96];
    char if_match[64];
    snprintf (listing, sizeof listing, "/v1/listings/%s", w.net);
    photos_of (&w, w.net, if_match);
    {
      char header[96];
      const char *headers[] = { header, NULL };
      snprintf (header, sizeof header, "If-Match: %s", if_match);
      it_call (w.owner.token, "PATCH", listing, headers, "{\"status\":\"paused\"}", &resp);
      it_assert_status (&resp, 200, "PATCH", listing);
      mt_http_response_destroy (&resp);
    }
  }
  it_expect (w.shared.token, "GET", path, NULL, 404);
  it_expect (w.owner.token, "GET", path, NULL, 200);
  it_expect (it_admin, "GET", path, NULL, 200);
  it_expect_problem (NULL, "GET", "/v1/photos/pho_AAAAAAAAAAAAAAAAAAAAAA", NULL, 404, "not-found");
  world_destroy (&w);
}

/* ---- Removal -------------------------------------------------------------------------------- */

static void
owner_removes_a_photo (void **state)
{
  world_t w;
  mt_http_response_t resp;
  char first[MT_ID_SIZE], second[MT_ID_SIZE];
  char path[160];
  char photo[96];

  (void) state;
  make_world (&w);
  upload_ok (w.owner.token, w.pub, png_1x1, sizeof png_1x1, first);
  upload_ok (w.owner.token, w.pub, webp_1x1, sizeof webp_1x1, second);
  snprintf (path, sizeof path, "/v1/listings/%s/photos/%s", w.pub, first);
  snprintf (photo, sizeof photo, "/v1/photos/%s", first);

  it_expect_problem (w.shared.token, "DELETE", path, NULL, 403, "forbidden");
  it_expect_problem (NULL, "DELETE", path, NULL, 401, "unauthenticated");
  assert_int_equal (photos_of (&w, w.pub, NULL), 2);

  it_expect (w.owner.token, "DELETE", path, NULL, 204);
  it_expect_problem (NULL, "GET", photo, NULL, 404, "not-found");
  it_expect_problem (w.owner.token, "GET", photo, NULL, 404, "not-found");
  it_expect_problem (w.owner.token, "DELETE", path, NULL, 404, "not-found");
  assert_int_equal (photos_of (&w, w.pub, NULL), 1);
  {
    char listing[96];
    snprintf (listing, sizeof listing, "/v1/listings/%s", w.pub);
    it_call (NULL, "GET", listing, NULL, NULL, &resp);
    assert_string_equal (mt_http_json_string (&resp, "photos.0.id"), second);
    mt_http_response_destroy (&resp);
  }
  /* A photo of another listing is not found through this one. */
  snprintf (path, sizeof path, "/v1/listings/%s/photos/%s", w.net, second);
  it_expect_problem (w.owner.token, "DELETE", path, NULL, 404, "not-found");
  /* Administrators may. */
  snprintf (path, sizeof path, "/v1/listings/%s/photos/%s", w.pub, second);
  it_expect (it_admin, "DELETE", path, NULL, 204);
  assert_int_equal (photos_of (&w, w.pub, NULL), 0);
  world_destroy (&w);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("photos/upload/jpeg_png_webp", uploads_jpeg_png_and_webp),
    MT_TEST ("photos/upload/refuses_non_images", refuses_what_is_not_an_image_and_stores_nothing),
    MT_TEST ("photos/upload/too_large", refuses_bodies_over_five_mebibytes),
    MT_TEST ("photos/upload/ninth", refuses_a_ninth_photo),
    MT_TEST ("photos/upload/owner_only", only_the_owner_uploads),
    MT_TEST ("photos/get/etag_304", serves_with_a_strong_etag_and_304),
    MT_TEST ("photos/get/visibility", serves_only_to_those_who_see_the_listing),
    MT_TEST ("photos/delete", owner_removes_a_photo),
  };
  return cmocka_run_group_tests_name ("integration/photos", tests, it_start, it_stop);
}
