/* Unit tests of common/mt_buf.c: growth, the hard maximum and the failed mark. */
#include "mt_test.h"

#include "mt_buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
appends_and_terminates (void **state)
{
  mt_buf_t buf;

  mt_buf_init (&buf, 1024);
  assert_string_equal (mt_buf_cstr (&buf), "");
  assert_true (mt_buf_append_str (&buf, "vélo"));
  assert_true (mt_buf_append_char (&buf, ' '));
  assert_true (mt_buf_appendf (&buf, "%d %s", 42, "cargo"));
  assert_string_equal (mt_buf_cstr (&buf), "vélo 42 cargo");
  assert_int_equal (buf.len, strlen ("vélo 42 cargo"));
  mt_buf_reset (&buf);
  assert_int_equal (buf.len, 0);
  assert_string_equal (mt_buf_cstr (&buf), "");
  mt_buf_destroy (&buf);
}

static void
refuses_beyond_its_maximum_and_stays_failed (void **state)
{
  mt_buf_t buf;
  char big[100];

  memset (big, 'x', sizeof big);
  mt_buf_init (&buf, 64);
  assert_true (mt_buf_append (&buf, big, 64));
  assert_false (mt_buf_append (&buf, "y", 1));
  assert_true (buf.failed);
  assert_false (mt_buf_append_str (&buf, "")); /* failed is sticky */
  assert_false (mt_buf_appendf (&buf, "%s", "z"));
  assert_int_equal (buf.len, 64);
  mt_buf_reset (&buf);
  assert_false (buf.failed);
  assert_false (mt_buf_appendf (&buf, "%.*s", 65, big));
  mt_buf_destroy (&buf);
}

/* appendf formats into the room left when it fits, and grows (formatting again) when not:
 * both give the same text, at every boundary of the capacity. */
static void
appendf_at_every_fill_of_the_capacity (void **state)
{
  char expected[256];

  for (size_t prefix = 0; prefix < 70; prefix++) {
    mt_buf_t buf;
    mt_buf_init (&buf, 1024);
    for (size_t i = 0; i < prefix; i++) {
      mt_buf_append_char (&buf, 'a');
    }
    assert_true (mt_buf_appendf (&buf, "%s-%05d", "vélo", 42));
    memset (expected, 'a', prefix);
    snprintf (expected + prefix, sizeof expected - prefix, "%s-%05d", "vélo", 42);
    assert_string_equal (mt_buf_cstr (&buf), expected);
    assert_int_equal (buf.len, strlen (expected));
    mt_buf_destroy (&buf);
  }
}

static void
append_int_writes_decimal (void **state)
{
  mt_buf_t buf;

  mt_buf_init (&buf, 1024);
  assert_true (mt_buf_append_int (&buf, 0));
  mt_buf_append_char (&buf, ' ');
  assert_true (mt_buf_append_int (&buf, -7));
  mt_buf_append_char (&buf, ' ');
  assert_true (mt_buf_append_int (&buf, 1234567890123LL));
  mt_buf_append_char (&buf, ' ');
  assert_true (mt_buf_append_int (&buf, INT64_MAX));
  mt_buf_append_char (&buf, ' ');
  assert_true (mt_buf_append_int (&buf, INT64_MIN));
  assert_string_equal (mt_buf_cstr (&buf),
                       "0 -7 1234567890123 9223372036854775807 -9223372036854775808");
  mt_buf_destroy (&buf);
  mt_buf_init (&buf, 3);
  assert_false (mt_buf_append_int (&buf, 1000)); /* beyond the maximum */
  assert_true (buf.failed);
  mt_buf_destroy (&buf);
}

static void
steal_hands_over_the_allocation (void **state)
{
  mt_buf_t buf;
  size_t len = 0;
  char *s;

  mt_buf_init (&buf, 16);
  s = mt_buf_steal (&buf, &len);
  assert_string_equal (s, "");
  assert_int_equal (len, 0);
  free (s);
  mt_buf_append_str (&buf, "abc");
  s = mt_buf_steal (&buf, &len);
  assert_string_equal (s, "abc");
  assert_int_equal (len, 3);
  assert_null (buf.data);
  free (s);
  mt_buf_destroy (&buf);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("buf/appends_and_terminates", appends_and_terminates),
    MT_TEST ("buf/refuses_beyond_its_maximum", refuses_beyond_its_maximum_and_stays_failed),
    MT_TEST ("buf/appendf_at_every_fill_of_the_capacity", appendf_at_every_fill_of_the_capacity),
    MT_TEST ("buf/append_int_writes_decimal", append_int_writes_decimal),
    MT_TEST ("buf/steal_hands_over_the_allocation", steal_hands_over_the_allocation),
  };
  return cmocka_run_group_tests_name ("common/mt_buf", tests, NULL, NULL);
}
