/*
 * Unit tests of server/services/photos.c: recognising JPEG, PNG and WebP from their headers
 * (real images, every truncation, headers that lie), entity tags, and adding, removing and
 * serving photos against a real SQLite store, with a spy on the store that counts writes and
 * makes other writers win compare-and-set races.
 */
#include "members_fixture.h"

#include "listings.h"
#include "mt_json.h"
#include "photos.h"

/* ---- Images ------------------------------------------------------------------------------- */

/* 1x1 RGBA PNG (a real one: zlib-compressed IDAT, every CRC right). */
static const uint8_t png_1x1[] = {
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
  0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00,
  0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78,
  0xda, 0x63, 0x64, 0x60, 0xf8, 0x5f, 0x0f, 0x00, 0x02, 0x87, 0x01, 0x80, 0xeb, 0x47,
  0xba, 0x92, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
};

/* 1x1 lossy WebP ("VP8 "), lossless ("VP8L") and extended ("VP8X" + ALPH + VP8). */
static const uint8_t webp_lossy[] = {
  0x52, 0x49, 0x46, 0x46, 0x22, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50, 0x56, 0x50,
  0x38, 0x20, 0x16, 0x00, 0x00, 0x00, 0x30, 0x01, 0x00, 0x9d, 0x01, 0x2a, 0x01, 0x00,
  0x01, 0x00, 0x0e, 0xc0, 0xfe, 0x25, 0xa4, 0x00, 0x03, 0x70, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t webp_lossless[] = {
  0x52, 0x49, 0x46, 0x46, 0x1a, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50,
  0x56, 0x50, 0x38, 0x4c, 0x0d, 0x00, 0x00, 0x00, 0x2f, 0x00, 0x00, 0x00,
  0x10, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xfe, 0x07, 0x00,
};
static const uint8_t webp_extended[] = {
  0x52, 0x49, 0x46, 0x46, 0x4a, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50, 0x56, 0x50,
  0x38, 0x58, 0x0a, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x41, 0x4c, 0x50, 0x48, 0x0c, 0x00, 0x00, 0x00, 0x11, 0x07, 0x10, 0x11,
  0xfd, 0x0f, 0x44, 0x44, 0xff, 0x03, 0x00, 0x00, 0x56, 0x50, 0x38, 0x20, 0x18, 0x00,
  0x00, 0x00, 0x14, 0x01, 0x00, 0x9d, 0x01, 0x2a, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00,
  0xfe, 0x00, 0x00, 0x0d, 0xc0, 0x00, 0xfe, 0xe6, 0xb5, 0x00, 0x00, 0x00,
};

typedef struct {
  uint8_t data[512];
  size_t len;
} img_t;

static void
put (img_t *img, const void *bytes, size_t n)
{
  assert_true (img->len + n <= sizeof img->data);
  memcpy (img->data + img->len, bytes, n);
  img->len += n;
}

static void
put_be32 (img_t *img, uint32_t v)
{
  uint8_t b[4] = { (uint8_t) (v >> 24), (uint8_t) (v >> 16), (uint8_t) (v >> 8), (uint8_t) v };
  put (img, b, 4);
}

static void
put_le32 (img_t *img, uint32_t v)
{
  uint8_t b[4] = { (uint8_t) v, (uint8_t) (v >> 8), (uint8_t) (v >> 16), (uint8_t) (v >> 24) };
  put (img, b, 4);
}

static uint32_t
crc32_png (const uint8_t *p, size_t len)
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

/* A PNG of @w x @h with @depth / @colour, its IDAT (when @idat) and IEND. */
static void
make_png (img_t *img, uint32_t w, uint32_t h, uint8_t depth, uint8_t colour, bool idat)
{
  size_t ihdr;

  img->len = 0;
  put (img, png_1x1, 8);
  put_be32 (img, 13);
  ihdr = img->len;
  put (img, "IHDR", 4);
  put_be32 (img, w);
  put_be32 (img, h);
  put (img, (uint8_t[]){ depth, colour, 0, 0, 0 }, 5);
  put_be32 (img, crc32_png (img->data + ihdr, 17));
  if (idat) {
    put_be32 (img, 2);
    put (img, "IDATxx", 6);
    put_be32 (img, 0);
  }
  put_be32 (img, 0);
  put (img, "IEND", 4);
  put_be32 (img, 0xAE426082);
}

/* A baseline JPEG frame of @w x @h (one grey 8x8 block): SOI, DQT, SOF0, DHT x2, SOS, data,
 * EOI. A real decoder reads it: DC and AC tables of one code each. */
static void
make_jpeg (img_t *img, uint32_t w, uint32_t h)
{
  uint8_t dqt[4 + 1 + 64];
  uint8_t dht[2][4 + 1 + 16 + 1];

  img->len = 0;
  put (img, (uint8_t[]){ 0xFF, 0xD8 }, 2);
  memset (dqt, 1, sizeof dqt);
  memcpy (dqt, (uint8_t[]){ 0xFF, 0xDB, 0x00, 0x43, 0x00 }, 5);
  put (img, dqt, sizeof dqt);
  put (img,
       (uint8_t[]){ 0xFF, 0xC0, 0x00, 0x0B, 0x08, (uint8_t) (h >> 8), (uint8_t) h,
                    (uint8_t) (w >> 8), (uint8_t) w, 0x01, 0x01, 0x11, 0x00 },
       13);
  for (int t = 0; t < 2; t++) {
    memset (dht[t], 0, sizeof dht[t]);
    memcpy (dht[t], (uint8_t[]){ 0xFF, 0xC4, 0x00, 0x14, (uint8_t) (t << 4), 0x01 }, 6);
    put (img, dht[t], sizeof dht[t]);
  }
  put (img, (uint8_t[]){ 0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00 }, 10);
  put (img, (uint8_t[]){ 0x3F, 0xFF, 0xD9 }, 3);
}

/* A lossless WebP header of @w x @h (the bitstream after the header is not checked). */
static void
make_webp_lossless (img_t *img, uint32_t w, uint32_t h, uint32_t version)
{
  uint32_t bits = ((w - 1) & 0x3FFF) | ((h - 1) & 0x3FFF) << 14 | version << 29;

  img->len = 0;
  put (img, "RIFF", 4);
  put_le32 (img, 4 + 8 + 6);
  put (img, "WEBPVP8L", 8);
  put_le32 (img, 6);
  put (img, (uint8_t[]){ 0x2F }, 1);
  put_le32 (img, bits);
  put (img, (uint8_t[]){ 0x00 }, 1);
}

/* An extended WebP of canvas @cw x @ch holding a lossless image of @w x @h (none when 0). */
static void
make_webp_extended (img_t *img, uint32_t cw, uint32_t ch, uint32_t w, uint32_t h)
{
  img_t inner = { .len = 0 };
  uint32_t riff;

  if (w) {
    make_webp_lossless (&inner, w, h, 0);
  }
  riff = 4 + 18 + (w ? 14 : 0);
  img->len = 0;
  put (img, "RIFF", 4);
  put_le32 (img, riff);
  put (img, "WEBPVP8X", 8);
  put_le32 (img, 10);
  put (img, (uint8_t[]){ 0, 0, 0, 0 }, 4);
  put (img,
       (uint8_t[]){ (uint8_t) (cw - 1), (uint8_t) ((cw - 1) >> 8), (uint8_t) ((cw - 1) >> 16),
                    (uint8_t) (ch - 1), (uint8_t) ((ch - 1) >> 8), (uint8_t) ((ch - 1) >> 16) },
       6);
  if (w) {
    put (img, inner.data + 12, inner.len - 12);
  }
}

static void
assert_image (const uint8_t *data, size_t len, const char *type, uint32_t w, uint32_t h)
{
  mt_image_info_t info;
  mt_error_t error = { 0 };

  if (!mt_image_sniff (data, len, &info, &error)) {
    fail_msg ("refused (%s), expected %s", error.message, type);
  }
  assert_string_equal (info.content_type, type);
  assert_int_equal (info.width, w);
  assert_int_equal (info.height, h);
}

static void
assert_refused (const uint8_t *data, size_t len, const char *why)
{
  mt_image_info_t info;
  mt_error_t error = { 0 };

  if (mt_image_sniff (data, len, &info, &error)) {
    fail_msg ("accepted %s", why);
  }
  assert_int_equal (error.code, MT_ERR_UNSUPPORTED_MEDIA_TYPE);
  assert_null (info.content_type);
  assert_int_equal (info.width, 0);
  assert_non_null (strstr (error.message_fr, "image refusée"));
}

/* ---- Recognising -------------------------------------------------------------------------- */

static void
sniff_accepts_real_images (void **state)
{
  img_t img;

  (void) state;
  assert_image (png_1x1, sizeof png_1x1, "image/png", 1, 1);
  assert_image (webp_lossy, sizeof webp_lossy, "image/webp", 1, 1);
  assert_image (webp_lossless, sizeof webp_lossless, "image/webp", 1, 1);
  assert_image (webp_extended, sizeof webp_extended, "image/webp", 1, 1);
  make_jpeg (&img, 1, 1);
  assert_image (img.data, img.len, "image/jpeg", 1, 1);
  make_jpeg (&img, 640, 480);
  assert_image (img.data, img.len, "image/jpeg", 640, 480);
  make_png (&img, 800, 600, 8, 2, true);
  assert_image (img.data, img.len, "image/png", 800, 600);
  make_webp_lossless (&img, 300, 200, 0);
  assert_image (img.data, img.len, "image/webp", 300, 200);
  make_webp_extended (&img, 320, 240, 320, 240);
  assert_image (img.data, img.len, "image/webp", 320, 240);
  /* Bytes after the end of the image are tolerated (some cameras append data). */
  make_jpeg (&img, 2, 3);
  put (&img, "trailer", 7);
  assert_image (img.data, img.len, "image/jpeg", 2, 3);
}

static void
sniff_accepts_the_largest_dimensions_and_no_more (void **state)
{
  img_t img;

  (void) state;
  make_jpeg (&img, 16384, 16384);
  assert_image (img.data, img.len, "image/jpeg", 16384, 16384);
  make_jpeg (&img, 16385, 10);
  assert_refused (img.data, img.len, "a JPEG 16385 wide");
  make_jpeg (&img, 10, 0);
  assert_refused (img.data, img.len, "a JPEG of height 0");
  make_png (&img, 16384, 1, 8, 6, true);
  assert_image (img.data, img.len, "image/png", 16384, 1);
  make_png (&img, 1, 16385, 8, 6, true);
  assert_refused (img.data, img.len, "a PNG 16385 high");
  make_png (&img, 0, 1, 8, 6, true);
  assert_refused (img.data, img.len, "a PNG of width 0");
  make_png (&img, 100000, 100000, 8, 6, true);
  assert_refused (img.data, img.len, "a PNG of 100000 x 100000");
  make_webp_lossless (&img, 16384, 16384, 0);
  assert_image (img.data, img.len, "image/webp", 16384, 16384);
  /* An animation (flag 0x02, one empty ANMF frame) on the largest canvas, then one wider. */
  make_webp_extended (&img, 16384, 2, 0, 0);
  img.data[20] = 0x02;
  put (&img, "ANMF", 4);
  put_le32 (&img, 0);
  img.data[4] += 8;
  assert_image (img.data, img.len, "image/webp", 16384, 2);
  img.data[24] = 0x00;
  img.data[25] = 0x40; /* canvas width - 1 = 16384 */
  assert_refused (img.data, img.len, "a WebP canvas 16385 wide");
}

static void
sniff_refuses_other_types (void **state)
{
  static const char gif[] = "GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9"
                            "\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02"
                            "\x02\x44\x01\x00;";
  static const char text[] = "Bonjour, ceci n'est pas une image.";
  static const char svg[] = "<svg xmlns=\"http://www.w3.org/2000/svg\"/>";
  static const char bmp[] = "BM\x3a\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00";
  static const char riff_avi[] = "RIFF\x24\x00\x00\x00"
                                 "AVI LIST\x04\x00\x00\x00hdrl";

  (void) state;
  assert_refused ((const uint8_t *) gif, sizeof gif - 1, "a GIF");
  assert_refused ((const uint8_t *) text, sizeof text - 1, "text");
  assert_refused ((const uint8_t *) svg, sizeof svg - 1, "SVG");
  assert_refused ((const uint8_t *) bmp, sizeof bmp - 1, "BMP");
  assert_refused ((const uint8_t *) riff_avi, sizeof riff_avi - 1, "an AVI");
  assert_refused ((const uint8_t *) "", 0, "nothing");
  assert_refused (NULL, 0, "NULL");
}

static void
sniff_refuses_every_truncation (void **state)
{
  img_t jpeg;
  img_t png;
  img_t vp8x;
  const struct {
    const uint8_t *data;
    size_t len;
  } images[] = {
    { png_1x1, sizeof png_1x1 },
    { webp_lossy, sizeof webp_lossy },
    { webp_lossless, sizeof webp_lossless },
    { webp_extended, sizeof webp_extended },
    { jpeg.data, 0 },
    { png.data, 0 },
    { vp8x.data, 0 },
  };
  size_t lens[7];

  (void) state;
  make_jpeg (&jpeg, 3, 2);
  make_png (&png, 3, 2, 8, 6, true);
  make_webp_extended (&vp8x, 5, 5, 5, 5);
  for (size_t i = 0; i < 7; i++) {
    lens[i] = images[i].len;
  }
  lens[4] = jpeg.len;
  lens[5] = png.len;
  lens[6] = vp8x.len;
  for (size_t i = 0; i < 7; i++) {
    for (size_t cut = 0; cut < lens[i]; cut++) {
      char why[96];
      snprintf (why, sizeof why, "image %zu cut at %zu of %zu bytes", i, cut, lens[i]);
      assert_refused (images[i].data, cut, why);
    }
  }
}

static void
sniff_refuses_jpeg_headers_that_lie (void **state)
{
  img_t img;

  (void) state;
  /* A segment (DQT) longer than the file. */
  make_jpeg (&img, 8, 8);
  img.data[4] = 0x7F;
  assert_refused (img.data, img.len, "a DQT length beyond the end");
  /* A frame header whose length does not match its components (SOF0 starts at 71). */
  make_jpeg (&img, 8, 8);
  img.data[71 + 3] = 0x0E;
  assert_refused (img.data, img.len, "a SOF0 of the wrong length");
  /* Zero components, a precision of 1. */
  make_jpeg (&img, 8, 8);
  img.data[71 + 9] = 0;
  assert_refused (img.data, img.len, "a SOF0 without components");
  make_jpeg (&img, 8, 8);
  img.data[71 + 4] = 1;
  assert_refused (img.data, img.len, "a precision of 1 bit");
  /* The scan before any frame header. */
  img.len = 0;
  put (&img,
       (uint8_t[]){ 0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x08, 1, 1, 0, 0, 0x3F, 0, 0x3F, 0xFF, 0xD9 },
       15);
  assert_refused (img.data, img.len, "SOS before SOF");
  /* Two frame headers. */
  make_jpeg (&img, 8, 8);
  {
    img_t twice = { .len = 0 };
    put (&twice, img.data, 71 + 13);
    put (&twice, img.data + 71, 13);
    put (&twice, img.data + 71 + 13, img.len - (71 + 13));
    assert_refused (twice.data, twice.len, "two SOF");
  }
  /* EOI before any frame, garbage between segments, no EOI at all. */
  assert_refused ((const uint8_t *) "\xFF\xD8\xFF\xD9", 4, "SOI EOI");
  make_jpeg (&img, 8, 8);
  img.data[2 + 69] = 0x00;
  assert_refused (img.data, img.len, "a byte that is not a marker");
  make_jpeg (&img, 8, 8);
  img.data[img.len - 1] = 0x00;
  assert_refused (img.data, img.len, "no EOI");
}

static void
sniff_refuses_png_headers_that_lie (void **state)
{
  img_t img;

  (void) state;
  make_png (&img, 4, 4, 8, 6, true);
  img.data[29] ^= 1;
  assert_refused (img.data, img.len, "a bad IHDR CRC");
  make_png (&img, 4, 4, 3, 2, true);
  assert_refused (img.data, img.len, "RGB of 3 bits");
  make_png (&img, 4, 4, 16, 3, true);
  assert_refused (img.data, img.len, "a palette of 16 bits");
  make_png (&img, 4, 4, 8, 5, true);
  assert_refused (img.data, img.len, "colour type 5");
  make_png (&img, 4, 4, 8, 6, false);
  assert_refused (img.data, img.len, "no IDAT");
  make_png (&img, 4, 4, 8, 6, true);
  img.data[33 + 3] = 0x40; /* IDAT length beyond the end */
  assert_refused (img.data, img.len, "an IDAT longer than the file");
  make_png (&img, 4, 4, 8, 6, true);
  img.data[33 + 4] = '1'; /* a chunk type that is not letters */
  assert_refused (img.data, img.len, "a chunk type of digits");
  make_png (&img, 4, 4, 8, 6, true);
  img.data[11] = 14; /* IHDR length */
  assert_refused (img.data, img.len, "an IHDR of 14 bytes");
}

static void
sniff_refuses_webp_headers_that_lie (void **state)
{
  img_t img;

  (void) state;
  memcpy (img.data, webp_lossy, sizeof webp_lossy);
  img.len = sizeof webp_lossy;
  img.data[4] = 0x40; /* RIFF size beyond the end */
  assert_refused (img.data, img.len, "a RIFF size beyond the end");
  memcpy (img.data, webp_lossy, sizeof webp_lossy);
  img.data[20] |= 1; /* not a key frame */
  assert_refused (img.data, img.len, "an interframe");
  memcpy (img.data, webp_lossy, sizeof webp_lossy);
  img.data[23] = 0x9C; /* start code */
  assert_refused (img.data, img.len, "a bad VP8 start code");
  memcpy (img.data, webp_lossy, sizeof webp_lossy);
  img.data[26] = 0;
  img.data[27] = 0; /* width 0 */
  assert_refused (img.data, img.len, "a VP8 of width 0");
  memcpy (img.data, webp_lossy, sizeof webp_lossy);
  img.data[16] = 0x40; /* chunk size beyond the RIFF */
  assert_refused (img.data, img.len, "a VP8 chunk beyond the RIFF");
  make_webp_lossless (&img, 10, 10, 1);
  assert_refused (img.data, img.len, "VP8L version 1");
  make_webp_lossless (&img, 10, 10, 0);
  img.data[20] = 0x2E;
  assert_refused (img.data, img.len, "a bad VP8L signature");
  make_webp_extended (&img, 100, 100, 50, 100);
  assert_refused (img.data, img.len, "an image smaller than its canvas");
  make_webp_extended (&img, 100, 100, 0, 0);
  assert_refused (img.data, img.len, "a VP8X without an image");
  memcpy (img.data, webp_lossy, sizeof webp_lossy);
  img.len = sizeof webp_lossy;
  memcpy (img.data + 12, "VP9 ", 4);
  assert_refused (img.data, img.len, "an unknown first chunk");
}

/* ---- Entity tags ---------------------------------------------------------------------------- */

static void
etag_is_the_quoted_blake2b_of_the_bytes (void **state)
{
  char etag[MT_PHOTO_ETAG_SIZE];

  (void) state;
  mt_photo_etag ((const uint8_t *) "abc", 3, etag);
  assert_string_equal (etag,
                       "\"bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319\"");
  mt_photo_etag ((const uint8_t *) "", 0, etag);
  assert_string_equal (etag,
                       "\"0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8\"");
}

static void
if_none_match_compares_weakly_and_takes_lists (void **state)
{
  const char *etag = "\"0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8\"";

  (void) state;
  assert_true (mt_photo_etag_matches (etag, etag));
  assert_true (mt_photo_etag_matches ("*", etag));
  assert_true (mt_photo_etag_matches (
    " \"x\" , W/\"0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8\"", etag));
  assert_true (mt_photo_etag_matches (
    "\"a\",\"0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8\"", etag));
  assert_false (mt_photo_etag_matches (NULL, etag));
  assert_false (mt_photo_etag_matches ("", etag));
  assert_false (mt_photo_etag_matches ("\"x\"", etag));
  assert_false (mt_photo_etag_matches (
    "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8", etag));
  assert_false (mt_photo_etag_matches (
    "\"0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a\"", etag));
}

/* ---- A spy on the store --------------------------------------------------------------------- */

static mt_store_ops_t spy_ops;
static const mt_store_ops_t *real_ops;
static int spy_inserts, spy_deletes, spy_updates;
static char spy_last_photo[MT_ID_SIZE];
/* Before each of the next spy_meddles listing updates, another writer changes the listing
 * (spy_meddle_fill: by adding photo entries up to spy_meddle_fill; else its title). */
static int spy_meddles;
static uint32_t spy_meddle_fill;

static bool
spy_photo_insert (mt_store_t *store, const bson_t *meta, const uint8_t *data, size_t len,
                  mt_error_t *error)
{
  spy_inserts++;
  snprintf (spy_last_photo, sizeof spy_last_photo, "%s", mt_bson_str (meta, "id"));
  return real_ops->photo_insert (store, meta, data, len, error);
}

static bool
spy_photo_delete (mt_store_t *store, const char *id, mt_error_t *error)
{
  spy_deletes++;
  return real_ops->photo_delete (store, id, error);
}

static void
spy_meddle (mt_store_t *store, const char *id)
{
  bson_t listing;
  bson_t changed = BSON_INITIALIZER;
  bson_iter_t it;
  mt_error_t error;

  if (!real_ops->listing_get (store, id, &listing, &error)) {
    fail_msg ("meddle: %s", error.message);
  }
  bson_iter_init (&it, &listing);
  while (bson_iter_next (&it)) {
    const char *key = bson_iter_key (&it);
    if (strcmp (key, "photos") == 0 && spy_meddle_fill) {
      bson_t photos;
      uint32_t n = 0;
      bson_iter_t child;
      BSON_APPEND_ARRAY_BEGIN (&changed, "photos", &photos);
      bson_iter_recurse (&it, &child);
      while (bson_iter_next (&child)) {
        bson_append_iter (&photos, bson_iter_key (&child), -1, &child);
        n++;
      }
      for (; n < spy_meddle_fill; n++) {
        char k[16];
        char pid[MT_ID_SIZE];
        bson_t entry;
        snprintf (k, sizeof k, "%u", n);
        mt_id_new ("pho", pid);
        BSON_APPEND_DOCUMENT_BEGIN (&photos, k, &entry);
        BSON_APPEND_UTF8 (&entry, "id", pid);
        bson_append_document_end (&photos, &entry);
      }
      bson_append_array_end (&changed, &photos);
    } else if (strcmp (key, "title") == 0 && !spy_meddle_fill) {
      BSON_APPEND_UTF8 (&changed, "title", "Titre changé entre-temps");
    } else {
      bson_append_iter (&changed, key, -1, &it);
    }
  }
  if (!real_ops->listing_update (store, id, mt_bson_int (&listing, "version", 0), &changed,
                                 &error)) {
    fail_msg ("meddle update: %s", error.message);
  }
  bson_destroy (&listing);
  bson_destroy (&changed);
}

static bool
spy_listing_update (mt_store_t *store, const char *id, int64_t expected_version,
                    const bson_t *listing, mt_error_t *error)
{
  spy_updates++;
  if (spy_meddles > 0) {
    spy_meddles--;
    spy_meddle (store, id);
  }
  return real_ops->listing_update (store, id, expected_version, listing, error);
}

/* ---- The world ------------------------------------------------------------------------------ */

typedef struct {
  fx_t *fx;
  char net1[MT_ID_SIZE], net2[MT_ID_SIZE];
  char a[MT_ID_SIZE], a_manager[MT_ID_SIZE], a_staff[MT_ID_SIZE]; /* the owner, net1 */
  char b[MT_ID_SIZE], b_manager[MT_ID_SIZE];                      /* net1: sees a's listings */
  char c[MT_ID_SIZE], c_manager[MT_ID_SIZE];                      /* net2: does not */
  char adm[MT_ID_SIZE], admin[MT_ID_SIZE];
  char pub[MT_ID_SIZE];   /* published, public */
  char net[MT_ID_SIZE];   /* published, networks */
  char draft[MT_ID_SIZE]; /* draft, public */
  fx_caller_t owner, staff, other, stranger, administrator;
  mt_ctx_t anonymous;
} world_t;

static void
make_listing (world_t *w, const char *status, const char *visibility, char id[MT_ID_SIZE])
{
  char text[512];
  bson_t body;
  bson_t out;
  mt_error_t error;

  snprintf (text, sizeof text,
            "{\"kind\":\"good\",\"title\":\"Perceuse %s\",\"category\":\"outillage\","
            "\"status\":\"%s\",\"visibility\":\"%s\"}",
            status, status, visibility);
  if (!mt_json_parse_object (text, strlen (text), MT_JSON_STRICT, &body, &error)) {
    fail_msg ("%s", error.message);
  }
  OK (mt_listing_create (&w->owner.ctx, &body, &out, id, &fx_err));
  bson_destroy (&body);
  bson_destroy (&out);
}

static int
world_setup (void **state)
{
  world_t *w = calloc (1, sizeof *w);
  void *fx_state = NULL;

  if (!w || fx_setup (&fx_state) != 0) {
    free (w);
    return -1;
  }
  w->fx = fx_state;
  fx_network (w->fx, "apes", w->net1);
  fx_network (w->fx, "mres", w->net2);
  fx_member (w->fx, "active", NULL, (const char *const[]){ w->net1, NULL }, w->a, w->a_manager);
  fx_account (w->fx, w->a, "staff", "active", NULL, w->a_staff);
  fx_member (w->fx, "active", NULL, (const char *const[]){ w->net1, NULL }, w->b, w->b_manager);
  fx_member (w->fx, "active", NULL, (const char *const[]){ w->net2, NULL }, w->c, w->c_manager);
  fx_member (w->fx, "active", "platform", NULL, w->adm, w->admin);
  fx_caller (w->fx, w->a_manager, &w->owner);
  fx_caller (w->fx, w->a_staff, &w->staff);
  fx_caller (w->fx, w->b_manager, &w->other);
  fx_caller (w->fx, w->c_manager, &w->stranger);
  fx_caller (w->fx, w->admin, &w->administrator);
  w->anonymous = w->owner.ctx;
  w->anonymous.principal = NULL;
  make_listing (w, "published", "public", w->pub);
  make_listing (w, "published", "networks", w->net);
  make_listing (w, "draft", "public", w->draft);
  /* The spy sits between the services and the real store. */
  real_ops = w->fx->store->ops;
  spy_ops = *real_ops;
  spy_ops.photo_insert = spy_photo_insert;
  spy_ops.photo_delete = spy_photo_delete;
  spy_ops.listing_update = spy_listing_update;
  w->fx->store->ops = &spy_ops;
  spy_inserts = spy_deletes = spy_updates = spy_meddles = 0;
  spy_meddle_fill = 0;
  spy_last_photo[0] = '\0';
  *state = w;
  return 0;
}

static int
world_teardown (void **state)
{
  world_t *w = *state;
  void *fx_state = w->fx;

  w->fx->store->ops = real_ops;
  fx_caller_destroy (&w->owner);
  fx_caller_destroy (&w->staff);
  fx_caller_destroy (&w->other);
  fx_caller_destroy (&w->stranger);
  fx_caller_destroy (&w->administrator);
  free (w);
  return fx_teardown (&fx_state);
}

static void
get_listing (world_t *w, const char *id, bson_t *out)
{
  mt_error_t error;

  if (!real_ops->listing_get (w->fx->store, id, out, &error)) {
    fail_msg ("listing_get: %s", error.message);
  }
}

static uint32_t
photo_count (world_t *w, const char *id)
{
  bson_t listing;
  bson_iter_t it;
  bson_iter_t child;
  uint32_t n = 0;

  get_listing (w, id, &listing);
  assert_true (bson_iter_init_find (&it, &listing, "photos") && BSON_ITER_HOLDS_ARRAY (&it));
  bson_iter_recurse (&it, &child);
  while (bson_iter_next (&child)) {
    n++;
  }
  bson_destroy (&listing);
  return n;
}

static int64_t
listing_version (world_t *w, const char *id)
{
  bson_t listing;
  int64_t v;

  get_listing (w, id, &listing);
  v = mt_bson_int (&listing, "version", -1);
  bson_destroy (&listing);
  return v;
}

/* Adds @data as @ctx to listing @id, which must work; the new photo's id to @photo_id. */
static void
add_ok (const mt_ctx_t *ctx, const char *id, const uint8_t *data, size_t len,
        char photo_id[MT_ID_SIZE])
{
  bson_t out;

  OK (mt_photo_add (ctx, id, data, len, &out, &fx_err));
  snprintf (photo_id, MT_ID_SIZE, "%s", mt_bson_str (&out, "id"));
  assert_true (mt_id_is_valid (photo_id, "pho"));
  bson_destroy (&out);
}

static bool
photo_stored (world_t *w, const char *photo_id)
{
  bson_t meta;
  uint8_t *data = NULL;
  size_t len = 0;
  mt_error_t error = { 0 };
  bool found = real_ops->photo_get (w->fx->store, photo_id, &meta, &data, &len, &error);

  if (!found) {
    assert_int_equal (error.code, MT_ERR_NOT_FOUND);
  }
  bson_destroy (&meta);
  free (data);
  return found;
}

/* ---- Adding ---------------------------------------------------------------------------------- */

static void
add_stores_bytes_and_lists_the_photo (void **state)
{
  world_t *w = *state;
  img_t jpeg;
  bson_t out;
  bson_t listing;
  bson_t meta;
  uint8_t *data = NULL;
  size_t len = 0;
  char png_id[MT_ID_SIZE], jpeg_id[MT_ID_SIZE], webp_id[MT_ID_SIZE];
  char url[64];

  OK (mt_photo_add (&w->owner.ctx, w->draft, png_1x1, sizeof png_1x1, &out, &fx_err));
  snprintf (png_id, sizeof png_id, "%s", mt_bson_str (&out, "id"));
  snprintf (url, sizeof url, "/v1/photos/%s", png_id);
  assert_string_equal (mt_bson_str (&out, "url"), url);
  assert_string_equal (mt_bson_str (&out, "content_type"), "image/png");
  assert_int_equal (mt_bson_int (&out, "bytes", 0), sizeof png_1x1);
  assert_int_equal (mt_bson_int (&out, "width", 0), 1);
  assert_int_equal (mt_bson_int (&out, "height", 0), 1);
  bson_destroy (&out);
  make_jpeg (&jpeg, 40, 30);
  add_ok (&w->staff.ctx, w->draft, jpeg.data, jpeg.len, jpeg_id); /* staff of the owner */
  add_ok (&w->administrator.ctx, w->draft, webp_lossy, sizeof webp_lossy, webp_id);
  assert_int_equal (spy_inserts, 3);
  assert_int_equal (spy_deletes, 0);

  get_listing (w, w->draft, &listing);
  assert_int_equal (mt_bson_int (&listing, "version", 0), 4);
  assert_string_equal (mt_bson_str (&listing, "photos.0.id"), png_id);
  assert_string_equal (mt_bson_str (&listing, "photos.0.url"), url);
  assert_string_equal (mt_bson_str (&listing, "photos.1.id"), jpeg_id);
  assert_string_equal (mt_bson_str (&listing, "photos.1.content_type"), "image/jpeg");
  assert_int_equal (mt_bson_int (&listing, "photos.1.width", 0), 40);
  assert_int_equal (mt_bson_int (&listing, "photos.1.height", 0), 30);
  assert_int_equal (mt_bson_int (&listing, "photos.1.bytes", 0), jpeg.len);
  assert_string_equal (mt_bson_str (&listing, "photos.2.content_type"), "image/webp");
  assert_int_equal (mt_bson_date (&listing, "updated_at", 0), FX_NOW_MS);
  bson_destroy (&listing);

  if (!real_ops->photo_get (w->fx->store, jpeg_id, &meta, &data, &len, &fx_err)) {
    fail_msg ("photo_get: %s", fx_err.message);
  }
  assert_int_equal (len, jpeg.len);
  assert_memory_equal (data, jpeg.data, len);
  assert_string_equal (mt_bson_str (&meta, "listing_id"), w->draft);
  assert_string_equal (mt_bson_str (&meta, "content_type"), "image/jpeg");
  {
    char etag[MT_PHOTO_ETAG_SIZE];
    mt_photo_etag (jpeg.data, jpeg.len, etag);
    assert_int_equal (strlen (mt_bson_str (&meta, "etag")), 64);
    assert_memory_equal (mt_bson_str (&meta, "etag"), etag + 1, 64);
  }
  bson_destroy (&meta);
  free (data);
}

static void
add_refuses_callers_other_than_the_owner (void **state)
{
  world_t *w = *state;
  bson_t out;

  /* A member who sees the listing: 403; one who does not: 404; nobody: 401. */
  FAILS (mt_photo_add (&w->other.ctx, w->net, png_1x1, sizeof png_1x1, &out, &fx_err),
         MT_ERR_FORBIDDEN);
  bson_destroy (&out);
  FAILS (mt_photo_add (&w->other.ctx, w->draft, png_1x1, sizeof png_1x1, &out, &fx_err),
         MT_ERR_NOT_FOUND);
  bson_destroy (&out);
  FAILS (mt_photo_add (&w->stranger.ctx, w->net, png_1x1, sizeof png_1x1, &out, &fx_err),
         MT_ERR_NOT_FOUND);
  bson_destroy (&out);
  FAILS (mt_photo_add (&w->anonymous, w->pub, png_1x1, sizeof png_1x1, &out, &fx_err),
         MT_ERR_UNAUTHENTICATED);
  bson_destroy (&out);
  FAILS (mt_photo_add (&w->owner.ctx, "lst_AAAAAAAAAAAAAAAAAAAAAA", png_1x1, sizeof png_1x1, &out,
                       &fx_err),
         MT_ERR_NOT_FOUND);
  assert_int_equal (bson_count_keys (&out), 0);
  bson_destroy (&out);
  assert_int_equal (spy_inserts, 0);
  assert_int_equal (spy_updates, 0);
  assert_int_equal (photo_count (w, w->net), 0);
}

static void
add_refuses_what_is_not_an_image_storing_nothing (void **state)
{
  world_t *w = *state;
  static const char gif[] = "GIF89a\x01\x00\x01\x00\x00\x00\x00;";
  img_t img;
  bson_t out;
  uint8_t *big;
  char id[MT_ID_SIZE];

  FAILS (mt_photo_add (&w->owner.ctx, w->pub, (const uint8_t *) gif, sizeof gif - 1, &out, &fx_err),
         MT_ERR_UNSUPPORTED_MEDIA_TYPE);
  bson_destroy (&out);
  FAILS (mt_photo_add (&w->owner.ctx, w->pub, png_1x1, sizeof png_1x1 - 12, &out, &fx_err),
         MT_ERR_UNSUPPORTED_MEDIA_TYPE); /* truncated: no IEND */
  bson_destroy (&out);
  make_jpeg (&img, 20000, 20);
  FAILS (mt_photo_add (&w->owner.ctx, w->pub, img.data, img.len, &out, &fx_err),
         MT_ERR_UNSUPPORTED_MEDIA_TYPE);
  bson_destroy (&out);
  /* Above 5 MiB, even a valid image (the bytes after it are tolerated by the recogniser). */
  big = calloc (1, MT_PHOTO_BYTES_MAX + 1);
  assert_non_null (big);
  make_jpeg (&img, 10, 10);
  memcpy (big, img.data, img.len);
  FAILS (mt_photo_add (&w->owner.ctx, w->pub, big, MT_PHOTO_BYTES_MAX + 1, &out, &fx_err),
         MT_ERR_TOO_LARGE);
  bson_destroy (&out);
  add_ok (&w->owner.ctx, w->pub, big, MT_PHOTO_BYTES_MAX, id); /* exactly 5 MiB */
  free (big);
  assert_int_equal (spy_inserts, 1);
  assert_int_equal (photo_count (w, w->pub), 1);
}

static void
add_refuses_a_ninth_photo (void **state)
{
  world_t *w = *state;
  char id[MT_ID_SIZE];
  bson_t out;
  int64_t version;

  for (int i = 0; i < MT_PHOTOS_PER_LISTING; i++) {
    add_ok (&w->owner.ctx, w->net, webp_lossless, sizeof webp_lossless, id);
  }
  version = listing_version (w, w->net);
  FAILS (mt_photo_add (&w->owner.ctx, w->net, png_1x1, sizeof png_1x1, &out, &fx_err),
         MT_ERR_UNPROCESSABLE);
  bson_destroy (&out);
  assert_non_null (strstr (fx_err.message_fr, "8 photos au plus"));
  assert_int_equal (spy_inserts, MT_PHOTOS_PER_LISTING);
  assert_int_equal (photo_count (w, w->net), MT_PHOTOS_PER_LISTING);
  assert_int_equal (listing_version (w, w->net), version);
}

static void
add_retries_a_lost_race_on_the_listing (void **state)
{
  world_t *w = *state;
  char id[MT_ID_SIZE];
  bson_t listing;

  spy_meddles = 2; /* two other writers win, then the third attempt goes through */
  add_ok (&w->owner.ctx, w->pub, png_1x1, sizeof png_1x1, id);
  assert_int_equal (spy_updates, 3);
  assert_int_equal (spy_deletes, 0);
  get_listing (w, w->pub, &listing);
  assert_string_equal (mt_bson_str (&listing, "title"), "Titre changé entre-temps"); /* kept */
  assert_string_equal (mt_bson_str (&listing, "photos.0.id"), id);
  assert_int_equal (mt_bson_int (&listing, "version", 0), 4);
  bson_destroy (&listing);
  assert_true (photo_stored (w, id));
}

static void
add_deletes_the_bytes_when_the_listing_filled_up_meanwhile (void **state)
{
  world_t *w = *state;
  char id[MT_ID_SIZE];
  bson_t out;

  for (int i = 0; i < MT_PHOTOS_PER_LISTING - 1; i++) {
    add_ok (&w->owner.ctx, w->pub, webp_lossy, sizeof webp_lossy, id);
  }
  spy_meddles = 1;
  spy_meddle_fill = MT_PHOTOS_PER_LISTING; /* another upload took the last place */
  FAILS (mt_photo_add (&w->owner.ctx, w->pub, png_1x1, sizeof png_1x1, &out, &fx_err),
         MT_ERR_UNPROCESSABLE);
  bson_destroy (&out);
  assert_int_equal (spy_deletes, 1);
  assert_false (photo_stored (w, spy_last_photo)); /* nothing half-stored */
  assert_int_equal (photo_count (w, w->pub), MT_PHOTOS_PER_LISTING);
}

static void
add_gives_up_after_its_attempts_and_deletes_the_bytes (void **state)
{
  world_t *w = *state;
  bson_t out;

  spy_meddles = 1000;
  FAILS (mt_photo_add (&w->owner.ctx, w->draft, png_1x1, sizeof png_1x1, &out, &fx_err),
         MT_ERR_STALE);
  bson_destroy (&out);
  assert_int_equal (spy_updates, 4);
  assert_int_equal (spy_deletes, 1);
  assert_false (photo_stored (w, spy_last_photo));
  assert_int_equal (photo_count (w, w->draft), 0);
}

/* ---- Removing -------------------------------------------------------------------------------- */

static void
remove_unlists_then_deletes (void **state)
{
  world_t *w = *state;
  char first[MT_ID_SIZE], second[MT_ID_SIZE];
  bson_t listing;

  add_ok (&w->owner.ctx, w->net, png_1x1, sizeof png_1x1, first);
  add_ok (&w->owner.ctx, w->net, webp_lossy, sizeof webp_lossy, second);
  FAILS (mt_photo_remove (&w->other.ctx, w->net, first, &fx_err), MT_ERR_FORBIDDEN);
  FAILS (mt_photo_remove (&w->stranger.ctx, w->net, first, &fx_err), MT_ERR_NOT_FOUND);
  FAILS (mt_photo_remove (&w->anonymous, w->net, first, &fx_err), MT_ERR_UNAUTHENTICATED);
  FAILS (mt_photo_remove (&w->owner.ctx, w->pub, first, &fx_err), MT_ERR_NOT_FOUND); /* other */
  assert_int_equal (photo_count (w, w->net), 2);

  spy_meddles = 1; /* a lost race is retried here too */
  OK (mt_photo_remove (&w->staff.ctx, w->net, first, &fx_err));
  get_listing (w, w->net, &listing);
  assert_string_equal (mt_bson_str (&listing, "photos.0.id"), second);
  assert_false (mt_bson_has (&listing, "photos.1"));
  bson_destroy (&listing);
  assert_false (photo_stored (w, first));
  assert_true (photo_stored (w, second));
  FAILS (mt_photo_remove (&w->owner.ctx, w->net, first, &fx_err), MT_ERR_NOT_FOUND);
  OK (mt_photo_remove (&w->administrator.ctx, w->net, second, &fx_err));
  assert_int_equal (photo_count (w, w->net), 0);
  assert_int_equal (spy_deletes, 2);
}

/* ---- Serving ----------------------------------------------------------------------------------- */

/* Fetches @photo_id as @ctx; true when served, with the cache flag to @public_cache. */
static bool
fetch (const mt_ctx_t *ctx, const char *photo_id, bool *public_cache)
{
  mt_photo_t photo;
  bool ok;

  mt_error_clear (&fx_err);
  ok = mt_photo_fetch (ctx, photo_id, &photo, &fx_err);
  if (ok) {
    *public_cache = photo.public_cache;
    assert_non_null (photo.data);
    assert_int_equal (strlen (photo.etag), 66);
  } else {
    assert_int_equal (fx_err.code, MT_ERR_NOT_FOUND);
    assert_null (photo.data);
  }
  mt_photo_destroy (&photo);
  return ok;
}

static void
fetch_follows_the_visibility_of_the_listing (void **state)
{
  world_t *w = *state;
  char pub[MT_ID_SIZE], net[MT_ID_SIZE], draft[MT_ID_SIZE];
  mt_photo_t photo;
  bool public_cache = false;

  add_ok (&w->owner.ctx, w->pub, png_1x1, sizeof png_1x1, pub);
  add_ok (&w->owner.ctx, w->net, webp_lossless, sizeof webp_lossless, net);
  add_ok (&w->owner.ctx, w->draft, webp_extended, sizeof webp_extended, draft);

  OK (mt_photo_fetch (&w->anonymous, pub, &photo, &fx_err));
  assert_string_equal (photo.content_type, "image/png");
  assert_int_equal (photo.len, sizeof png_1x1);
  assert_memory_equal (photo.data, png_1x1, sizeof png_1x1);
  {
    char etag[MT_PHOTO_ETAG_SIZE];
    mt_photo_etag (png_1x1, sizeof png_1x1, etag);
    assert_string_equal (photo.etag, etag);
  }
  assert_true (photo.public_cache);
  mt_photo_destroy (&photo);
  assert_true (fetch (&w->stranger.ctx, pub, &public_cache));
  assert_true (public_cache); /* anyone may see it: shared caches may keep it */

  /* Networks only: members sharing a network and the owner; private caches only. */
  assert_false (fetch (&w->anonymous, net, &public_cache));
  assert_false (fetch (&w->stranger.ctx, net, &public_cache));
  assert_true (fetch (&w->other.ctx, net, &public_cache));
  assert_false (public_cache);
  assert_true (fetch (&w->owner.ctx, net, &public_cache));
  assert_false (public_cache);

  /* A draft, even public: its owner and administrators only. */
  assert_false (fetch (&w->anonymous, draft, &public_cache));
  assert_false (fetch (&w->other.ctx, draft, &public_cache));
  assert_true (fetch (&w->staff.ctx, draft, &public_cache));
  assert_false (public_cache);
  assert_true (fetch (&w->administrator.ctx, draft, &public_cache));

  /* Unknown or malformed ids. */
  assert_false (fetch (&w->owner.ctx, "pho_AAAAAAAAAAAAAAAAAAAAAA", &public_cache));
  assert_false (fetch (&w->owner.ctx, "lst_AAAAAAAAAAAAAAAAAAAAAA", &public_cache));
  assert_false (fetch (&w->owner.ctx, "../etc/passwd", &public_cache));
}

static void
fetch_ignores_bytes_the_listing_does_not_list (void **state)
{
  world_t *w = *state;
  bson_t meta = BSON_INITIALIZER;
  char id[MT_ID_SIZE];
  bool public_cache;

  /* What a crash between the two writes of an upload leaves behind. */
  mt_id_new ("pho", id);
  BSON_APPEND_UTF8 (&meta, "id", id);
  BSON_APPEND_UTF8 (&meta, "listing_id", w->pub);
  BSON_APPEND_UTF8 (&meta, "content_type", "image/png");
  OK (real_ops->photo_insert (w->fx->store, &meta, png_1x1, sizeof png_1x1, &fx_err));
  bson_destroy (&meta);
  assert_false (fetch (&w->owner.ctx, id, &public_cache));
  assert_false (fetch (&w->anonymous, id, &public_cache));
}

#define WORLD_TEST(name, fn)                                                                       \
  {                                                                                                \
    name, fn, world_setup, world_teardown, NULL                                                    \
  }

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("photos/sniff/accepts_real_images", sniff_accepts_real_images),
    MT_TEST ("photos/sniff/dimension_bounds", sniff_accepts_the_largest_dimensions_and_no_more),
    MT_TEST ("photos/sniff/refuses_other_types", sniff_refuses_other_types),
    MT_TEST ("photos/sniff/refuses_every_truncation", sniff_refuses_every_truncation),
    MT_TEST ("photos/sniff/refuses_lying_jpeg", sniff_refuses_jpeg_headers_that_lie),
    MT_TEST ("photos/sniff/refuses_lying_png", sniff_refuses_png_headers_that_lie),
    MT_TEST ("photos/sniff/refuses_lying_webp", sniff_refuses_webp_headers_that_lie),
    MT_TEST ("photos/etag/blake2b", etag_is_the_quoted_blake2b_of_the_bytes),
    MT_TEST ("photos/etag/if_none_match", if_none_match_compares_weakly_and_takes_lists),
    WORLD_TEST ("photos/add/stores_and_lists", add_stores_bytes_and_lists_the_photo),
    WORLD_TEST ("photos/add/owner_only", add_refuses_callers_other_than_the_owner),
    WORLD_TEST ("photos/add/refuses_non_images", add_refuses_what_is_not_an_image_storing_nothing),
    WORLD_TEST ("photos/add/refuses_ninth", add_refuses_a_ninth_photo),
    WORLD_TEST ("photos/add/retries_lost_race", add_retries_a_lost_race_on_the_listing),
    WORLD_TEST ("photos/add/full_meanwhile_deletes_bytes",
                add_deletes_the_bytes_when_the_listing_filled_up_meanwhile),
    WORLD_TEST ("photos/add/gives_up_and_deletes_bytes",
                add_gives_up_after_its_attempts_and_deletes_the_bytes),
    WORLD_TEST ("photos/remove", remove_unlists_then_deletes),
    WORLD_TEST ("photos/fetch/visibility", fetch_follows_the_visibility_of_the_listing),
    WORLD_TEST ("photos/fetch/unlisted_bytes", fetch_ignores_bytes_the_listing_does_not_list),
  };
  return cmocka_run_group_tests_name ("server/services/photos", tests, NULL, NULL);
}
