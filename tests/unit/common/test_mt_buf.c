/* Unit tests of common/mt_buf.c: growth, the hard maximum and the failed mark. */
#include "mt_test.h"

#include "mt_buf.h"

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
    MT_TEST ("buf/steal_hands_over_the_allocation", steal_hands_over_the_allocation),
  };
  return cmocka_run_group_tests_name ("common/mt_buf", tests, NULL, NULL);
}
