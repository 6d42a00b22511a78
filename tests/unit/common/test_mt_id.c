/* Unit tests of common/mt_id.c: shape, validation and randomness of ids. */
#include "mt_test.h"

#include "mt_id.h"

#include <sodium.h>
#include <string.h>

static void
new_ids_have_the_documented_shape (void **state)
{
  char a[MT_ID_SIZE];
  char b[MT_ID_SIZE];

  mt_id_new ("mem", a);
  mt_id_new ("mem", b);
  assert_int_equal (strlen (a), MT_ID_LEN);
  assert_memory_equal (a, "mem_", 4);
  assert_true (mt_id_is_valid (a, "mem"));
  assert_true (mt_id_is_valid (a, NULL));
  assert_false (mt_id_is_valid (a, "acc"));
  assert_string_not_equal (a, b);
}

static void
validation_refuses_other_shapes (void **state)
{
  assert_false (mt_id_is_valid (NULL, NULL));
  assert_false (mt_id_is_valid ("", NULL));
  assert_false (mt_id_is_valid ("mem_short", NULL));
  assert_false (mt_id_is_valid ("Mem_AAAAAAAAAAAAAAAAAAAAAA", NULL));
  assert_false (mt_id_is_valid ("mem-AAAAAAAAAAAAAAAAAAAAAA", NULL));
  assert_false (mt_id_is_valid ("mem_AAAAAAAAAAAAAAAAAAAA/A", NULL));
  assert_false (mt_id_is_valid ("mem_AAAAAAAAAAAAAAAAAAAAAB", NULL)); /* spare bits set */
  assert_true (mt_id_is_valid ("mem_AAAAAAAAAAAAAAAAAAAAAA", NULL));
  assert_false (mt_id_is_valid ("mem_AAAAAAAAAAAAAAAAAAAAAAA", NULL));
}

static void
random_tokens_fit_their_buffer (void **state)
{
  char out[64];
  char small[8];

  mt_id_random_token (32, out, sizeof out);
  assert_int_equal (strlen (out), 43);
  mt_id_random_token (32, small, sizeof small);
  assert_string_equal (small, "");
}

static int
setup (void **state)
{
  return sodium_init () < 0;
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("id/new/documented_shape", new_ids_have_the_documented_shape),
    MT_TEST ("id/valid/refuses_other_shapes", validation_refuses_other_shapes),
    MT_TEST ("id/random_token/fits_its_buffer", random_tokens_fit_their_buffer),
  };
  return cmocka_run_group_tests_name ("common/mt_id", tests, setup, NULL);
}
