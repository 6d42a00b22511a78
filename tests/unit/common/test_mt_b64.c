/* Unit tests of common/mt_b64.c: RFC 4648 vectors and strict decoding. */
#include "mt_test.h"

#include "mt_b64.h"

#include <string.h>

static void
encodes_rfc4648_vectors (void **state)
{
  const char *in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
  const char *std[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
  const char *url[] = { "", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy" };
  char out[32];

  for (size_t i = 0; i < 7; i++) {
    size_t n = strlen (in[i]);
    assert_int_equal (mt_b64_encode ((const uint8_t *) in[i], n, out), strlen (std[i]));
    assert_string_equal (out, std[i]);
    assert_int_equal (mt_b64url_encode ((const uint8_t *) in[i], n, out), strlen (url[i]));
    assert_string_equal (out, url[i]);
    assert_int_equal (mt_b64url_encoded_len (n), strlen (url[i]));
  }
}

static void
url_alphabet_and_round_trip (void **state)
{
  const uint8_t bytes[] = { 0xfb, 0xff, 0xbf, 0x00, 0x10 };
  uint8_t back[8];
  size_t n = 0;
  char text[16];

  mt_b64url_encode (bytes, sizeof bytes, text);
  assert_string_equal (text, "-_-_ABA");
  assert_true (mt_b64url_decode (text, strlen (text), back, sizeof back, &n));
  assert_int_equal (n, sizeof bytes);
  assert_memory_equal (back, bytes, sizeof bytes);
}

static void
decoding_is_strict (void **state)
{
  uint8_t out[16];
  size_t n;

  assert_false (mt_b64url_decode ("Zg==", 4, out, sizeof out, &n)); /* padding */
  assert_false (mt_b64url_decode ("Z", 1, out, sizeof out, &n));    /* impossible length */
  assert_false (mt_b64url_decode ("Zm+v", 4, out, sizeof out, &n)); /* standard alphabet */
  assert_false (mt_b64url_decode ("Zh", 2, out, sizeof out, &n));   /* non-canonical bits */
  assert_false (mt_b64url_decode ("Zm9vYmFy", 8, out, 5, &n));      /* no room */
  assert_true (mt_b64url_decode ("Zg", 2, out, sizeof out, &n));
  assert_int_equal (n, 1);
  assert_int_equal (out[0], 'f');
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("b64/encode/rfc4648_vectors", encodes_rfc4648_vectors),
    MT_TEST ("b64/url/alphabet_and_round_trip", url_alphabet_and_round_trip),
    MT_TEST ("b64/url/decoding_is_strict", decoding_is_strict),
  };
  return cmocka_run_group_tests_name ("common/mt_b64", tests, NULL, NULL);
}
