/* Unit tests of common/mt_bson.c: field readers, copies and merges. */
#include "mt_test.h"

#include "mt_bson.h"
#include "mt_json.h"

#include <stdlib.h>
#include <string.h>

static void
json (const char *text, bson_t *out)
{
  mt_error_t error;
  if (!mt_json_parse_object (text, strlen (text), MT_JSON_STRICT, out, &error)) {
    fail_msg ("%s", error.message);
  }
}

static void
reads_fields_with_defaults (void **state)
{
  bson_t doc;

  json ("{\"name\":\"Vélo\",\"n\":3,\"big\":5000000000,\"d\":2.0,\"f\":2.5,\"ok\":true,"
        "\"territory\":{\"departement\":\"59\"},\"tags\":[\"a\",\"b\"]}",
        &doc);
  assert_string_equal (mt_bson_str (&doc, "name"), "Vélo");
  assert_null (mt_bson_str (&doc, "n"));
  assert_null (mt_bson_str (&doc, "missing"));
  assert_string_equal (mt_bson_str (&doc, "territory.departement"), "59");
  assert_true (mt_bson_str_eq (&doc, "name", "Vélo"));
  assert_false (mt_bson_str_eq (&doc, "missing", ""));
  assert_int_equal (mt_bson_int (&doc, "n", -1), 3);
  assert_true (mt_bson_int (&doc, "big", -1) == 5000000000LL);
  assert_int_equal (mt_bson_int (&doc, "d", -1), 2);
  assert_int_equal (mt_bson_int (&doc, "f", -1), -1);
  assert_true (mt_bson_bool (&doc, "ok", false));
  assert_true (mt_bson_bool (&doc, "n", true));
  assert_true (mt_bson_has (&doc, "tags"));
  assert_true (mt_bson_array_has_str (&doc, "tags", "b"));
  assert_false (mt_bson_array_has_str (&doc, "tags", "c"));
  assert_int_equal (mt_bson_date (&doc, "name", 7), 7);
  bson_destroy (&doc);
}

static void
copy_without_and_merge (void **state)
{
  bson_t base;
  bson_t patch;
  bson_t out;
  const char *const hidden[] = { "password_hash", NULL };
  char *text;

  json ("{\"id\":\"x\",\"name\":\"A\",\"password_hash\":\"secret\",\"lang\":\"fr\"}", &base);
  mt_bson_copy_without (&base, &out, hidden);
  text = mt_json_from_bson (&out, NULL);
  assert_string_equal (text, "{\"id\":\"x\",\"name\":\"A\",\"lang\":\"fr\"}");
  free (text);
  bson_destroy (&out);

  json ("{\"name\":\"B\",\"lang\":null,\"phone\":\"0320\"}", &patch);
  mt_bson_merge (&base, &patch, &out);
  text = mt_json_from_bson (&out, NULL);
  assert_string_equal (
    text, "{\"id\":\"x\",\"name\":\"B\",\"password_hash\":\"secret\",\"phone\":\"0320\"}");
  free (text);
  bson_destroy (&out);
  bson_destroy (&patch);
  bson_destroy (&base);
}

static void
appends_string_arrays (void **state)
{
  bson_t doc = BSON_INITIALIZER;
  const char *const values[] = { "apes", "mres", NULL };
  char *text;

  mt_bson_append_str_array (&doc, "networks", values);
  mt_bson_append_str_array (&doc, "none", NULL);
  text = mt_json_from_bson (&doc, NULL);
  assert_string_equal (text, "{\"networks\":[\"apes\",\"mres\"],\"none\":[]}");
  free (text);
  bson_destroy (&doc);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("bson/reads_fields_with_defaults", reads_fields_with_defaults),
    MT_TEST ("bson/copy_without_and_merge", copy_without_and_merge),
    MT_TEST ("bson/appends_string_arrays", appends_string_arrays),
  };
  return cmocka_run_group_tests_name ("common/mt_bson", tests, NULL, NULL);
}
