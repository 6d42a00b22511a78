/* Unit tests of common/mt_json.c: strict parsing of request bodies and JSON output. */
#include "mt_test.h"

#include "mt_json.h"

#include <stdlib.h>
#include <string.h>

static bool
parse (const char *text, bson_t *out, mt_error_t *error)
{
  return mt_json_parse_object (text, strlen (text), MT_JSON_STRICT, out, error);
}

static void
assert_rejected (const char *text, const char *reason_part)
{
  bson_t doc;
  mt_error_t error;

  if (parse (text, &doc, &error)) {
    fail_msg ("accepted: %s", text);
  }
  assert_int_equal (error.code, MT_ERR_BAD_REQUEST);
  assert_int_equal (error.domain, MT_DOMAIN_JSON);
  if (!strstr (error.message, reason_part)) {
    fail_msg ("%s: message \"%s\" lacks \"%s\"", text, error.message, reason_part);
  }
  assert_true (strlen (error.message_fr) > 0);
  assert_true (bson_empty (&doc));
  bson_destroy (&doc);
}

static char *
roundtrip (const char *text)
{
  bson_t doc;
  mt_error_t error;
  char *out;

  if (!parse (text, &doc, &error)) {
    fail_msg ("rejected %s: %s", text, error.message);
  }
  out = mt_json_from_bson (&doc, NULL);
  bson_destroy (&doc);
  return out;
}

static void
parses_every_type (void **state)
{
  bson_t doc;
  mt_error_t error;
  bson_iter_t it;

  assert_true (parse (" {\"s\":\"é\\n\\u00e9\\ud83d\\ude00\", \"i\": 42, \"big\": 5000000000,"
                      " \"neg\": -7, \"d\": 1.5e2, \"t\": true, \"f\": false, \"n\": null,"
                      " \"a\": [1, {\"x\": []}], \"o\": {}} ",
                      &doc, &error));
  assert_true (bson_iter_init_find (&it, &doc, "s"));
  assert_string_equal (bson_iter_utf8 (&it, NULL), "é\né\xf0\x9f\x98\x80");
  assert_true (bson_iter_init_find (&it, &doc, "i"));
  assert_int_equal (bson_iter_type (&it), BSON_TYPE_INT32);
  assert_int_equal (bson_iter_int32 (&it), 42);
  assert_true (bson_iter_init_find (&it, &doc, "big"));
  assert_int_equal (bson_iter_type (&it), BSON_TYPE_INT64);
  assert_true (bson_iter_int64 (&it) == 5000000000LL);
  assert_true (bson_iter_init_find (&it, &doc, "neg"));
  assert_int_equal (bson_iter_int32 (&it), -7);
  assert_true (bson_iter_init_find (&it, &doc, "d"));
  assert_int_equal (bson_iter_type (&it), BSON_TYPE_DOUBLE);
  assert_true (bson_iter_double (&it) == 150.0);
  assert_true (bson_iter_init_find (&it, &doc, "t") && bson_iter_bool (&it));
  assert_true (bson_iter_init_find (&it, &doc, "f") && !bson_iter_bool (&it));
  assert_true (bson_iter_init_find (&it, &doc, "n"));
  assert_int_equal (bson_iter_type (&it), BSON_TYPE_NULL);
  assert_true (bson_iter_init_find (&it, &doc, "a"));
  assert_int_equal (bson_iter_type (&it), BSON_TYPE_ARRAY);
  bson_destroy (&doc);
}

static void
rejects_duplicate_keys (void **state)
{
  assert_rejected ("{\"a\":1,\"a\":2}", "duplicate key");
  assert_rejected ("{\"x\":{\"b\":1,\"c\":2,\"b\":3}}", "duplicate key");
  /* The same key spelled with an escape is still the same key. */
  assert_rejected ("{\"ab\":1,\"a\\u0062\":2}", "duplicate key");
}

static void
rejects_duplicate_among_many_keys (void **state)
{
  char *text = malloc (200000);
  size_t n = 0;

  n += (size_t) snprintf (text + n, 200000 - n, "{");
  for (int i = 0; i < 5000; i++) {
    n += (size_t) snprintf (text + n, 200000 - n, "\"k%d\":%d,", i, i);
  }
  n += (size_t) snprintf (text + n, 200000 - n, "\"k2500\":0}");
  assert_rejected (text, "duplicate key");
  free (text);
}

static void
rejects_operator_and_dotted_keys (void **state)
{
  assert_rejected ("{\"$where\":\"1\"}", "'$'");
  assert_rejected ("{\"start\":{\"$date\":\"2026-01-01T00:00:00Z\"}}", "'$'");
  assert_rejected ("{\"n\":{\"$numberLong\":\"1\"}}", "'$'");
  assert_rejected ("{\"a.b\":1}", "'.'");
}

static void
trusted_allows_operator_keys_and_nul (void **state)
{
  const char *text = "{\"$ref\":\"#/$defs/a\",\"a.b\":\"x\\u0000y\"}";
  bson_t doc;
  mt_error_t error;
  bson_iter_t it;
  uint32_t len;

  assert_true (mt_json_parse_object (text, strlen (text), MT_JSON_TRUSTED, &doc, &error));
  assert_true (bson_iter_init_find (&it, &doc, "a.b"));
  bson_iter_utf8 (&it, &len);
  assert_int_equal (len, 3);
  bson_destroy (&doc);
}

static void
rejects_nul_escape (void **state)
{
  assert_rejected ("{\"a\":\"x\\u0000\"}", "NUL");
}

static void
rejects_trailing_data (void **state)
{
  assert_rejected ("{\"a\":1} x", "trailing data");
  assert_rejected ("{\"a\":1}{}", "trailing data");
  assert_rejected ("{\"a\":1},", "trailing data");
}

static void
rejects_deep_nesting (void **state)
{
  char text[512];
  size_t n = 0;
  bson_t doc;
  mt_error_t error;

  /* 32 levels are allowed: the root object and 31 nested arrays. */
  n += (size_t) snprintf (text, sizeof text, "{\"a\":");
  for (int i = 0; i < 31; i++) {
    text[n++] = '[';
  }
  for (int i = 0; i < 31; i++) {
    text[n++] = ']';
  }
  text[n++] = '}';
  text[n] = '\0';
  assert_true (parse (text, &doc, &error));
  bson_destroy (&doc);

  n = (size_t) snprintf (text, sizeof text, "{\"a\":");
  for (int i = 0; i < 32; i++) {
    text[n++] = '[';
  }
  for (int i = 0; i < 32; i++) {
    text[n++] = ']';
  }
  text[n++] = '}';
  text[n] = '\0';
  assert_rejected (text, "nesting too deep");
}

static void
rejects_invalid_utf8 (void **state)
{
  assert_rejected ("{\"a\":\"\xff\"}", "invalid UTF-8");
  assert_rejected ("{\"a\":\"\xc0\xaf\"}", "invalid UTF-8");         /* overlong '/' */
  assert_rejected ("{\"a\":\"\xed\xa0\x80\"}", "invalid UTF-8");     /* surrogate */
  assert_rejected ("{\"a\":\"\xf4\x90\x80\x80\"}", "invalid UTF-8"); /* > U+10FFFF */
  assert_rejected ("{\"a\":\"\xe2\x82\"}", "invalid UTF-8");         /* truncated */
  assert_rejected ("{\"\xff\":1}", "invalid UTF-8");
  assert_rejected ("{\"a\":\"\\ud800\"}", "lone surrogate");
  assert_rejected ("{\"a\":\"\\udc00\"}", "lone surrogate");
  assert_rejected ("{\"a\":\"\\ud800\\u0041\"}", "lone surrogate");
}

static void
rejects_malformed_syntax (void **state)
{
  assert_rejected ("", "JSON object expected");
  assert_rejected ("[1]", "JSON object expected");
  assert_rejected ("\"a\"", "JSON object expected");
  assert_rejected ("{", "key expected");
  assert_rejected ("{\"a\"}", "':' expected");
  assert_rejected ("{\"a\":}", "unexpected value");
  assert_rejected ("{\"a\":1,}", "key expected");
  assert_rejected ("{'a':1}", "key expected");
  assert_rejected ("{\"a\":01}", "',' or '}' expected");
  assert_rejected ("{\"a\":1.}", "digit expected");
  assert_rejected ("{\"a\":.5}", "unexpected value");
  assert_rejected ("{\"a\":1e}", "invalid exponent");
  assert_rejected ("{\"a\":+1}", "unexpected value");
  assert_rejected ("{\"a\":NaN}", "unexpected value");
  assert_rejected ("{\"a\":tru}", "unexpected value");
  assert_rejected ("{\"a\":\"x\ty\"}", "control character");
  assert_rejected ("{\"a\":\"\\x\"}", "unknown escape");
  assert_rejected ("{\"a\":\"\\u12\"}", "invalid \\u escape");
  assert_rejected ("{\"a\":\"abc", "unterminated string");
  assert_rejected ("{\"a\":1e999}", "out of range");
  assert_rejected ("\xef\xbb\xbf{}", "byte order mark");
}

static void
error_reports_byte_offset (void **state)
{
  bson_t doc;
  mt_error_t error;

  assert_false (parse ("{\"a\":1,\"a\":2}", &doc, &error));
  assert_non_null (strstr (error.message, "at byte 7"));
  assert_non_null (strstr (error.message_fr, "à l'octet 7"));
  bson_destroy (&doc);
}

static void
writes_dates_and_ids_as_strings (void **state)
{
  bson_t doc = BSON_INITIALIZER;
  bson_oid_t oid;
  char *json;

  bson_oid_init_from_string (&oid, "0123456789abcdef01234567");
  BSON_APPEND_DATE_TIME (&doc, "at", 1781258400000LL); /* 2026-06-12T10:00:00Z */
  BSON_APPEND_DATE_TIME (&doc, "ms", 1781258400123LL);
  BSON_APPEND_OID (&doc, "oid", &oid);
  BSON_APPEND_BINARY (&doc, "bin", BSON_SUBTYPE_BINARY, (const uint8_t *) "hi!", 3);
  json = mt_json_from_bson (&doc, NULL);
  assert_string_equal (json, "{\"at\":\"2026-06-12T10:00:00Z\",\"ms\":\"2026-06-12T10:00:00.123Z\","
                             "\"oid\":\"0123456789abcdef01234567\",\"bin\":\"aGkh\"}");
  free (json);
  bson_destroy (&doc);
}

static void
writes_escapes_and_numbers (void **state)
{
  char *json = roundtrip ("{\"s\":\"a\\\"b\\\\c\\u0001\\n\\t/é\",\"d\":0.1,\"e\":1e300,\"i\":-3,"
                          "\"l\":-9007199254740993,\"arr\":[true,null,{\"k\":[]}]}");
  assert_string_equal (json, "{\"s\":\"a\\\"b\\\\c\\u0001\\n\\t/é\",\"d\":0.1,\"e\":1e+300,"
                             "\"i\":-3,\"l\":-9007199254740993,\"arr\":[true,null,{\"k\":[]}]}");
  free (json);
}

static void
writes_doubles_so_that_they_read_back_as_doubles (void **state)
{
  char *json = roundtrip ("{\"a\":-0e2,\"b\":1.5e2,\"c\":2,\"d\":-0}");
  assert_string_equal (json, "{\"a\":-0.0,\"b\":150.0,\"c\":2,\"d\":0}");
  free (json);
}

static void
writes_non_finite_as_null (void **state)
{
  bson_t doc = BSON_INITIALIZER;
  char *json;

  BSON_APPEND_DOUBLE (&doc, "x", 1.0 / 0.0);
  json = mt_json_from_bson (&doc, NULL);
  assert_string_equal (json, "{\"x\":null}");
  free (json);
  bson_destroy (&doc);
}

static void
parses_any_value_for_trusted_data (void **state)
{
  bson_t doc = BSON_INITIALIZER;
  mt_error_t error;
  bson_iter_t it;

  assert_true (mt_json_parse_value (" [1, \"a\"] ", 10, MT_JSON_TRUSTED, &doc, "v", &error));
  assert_true (bson_iter_init_find (&it, &doc, "v"));
  assert_int_equal (bson_iter_type (&it), BSON_TYPE_ARRAY);
  assert_true (mt_json_parse_value ("3.25", 4, MT_JSON_TRUSTED, &doc, "w", &error));
  assert_false (mt_json_parse_value ("3 4", 3, MT_JSON_TRUSTED, &doc, "x", &error));
  bson_destroy (&doc);
}

static void
utf8_helpers (void **state)
{
  assert_true (mt_utf8_is_valid ("Vélo cargo", strlen ("Vélo cargo")));
  assert_false (mt_utf8_is_valid ("\xc3", 1));
  assert_int_equal (mt_utf8_length ("Vélo", strlen ("Vélo")), 4);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("json/parse/every_type", parses_every_type),
    MT_TEST ("json/parse/rejects_duplicate_keys", rejects_duplicate_keys),
    MT_TEST ("json/parse/rejects_duplicate_among_many_keys", rejects_duplicate_among_many_keys),
    MT_TEST ("json/parse/rejects_operator_and_dotted_keys", rejects_operator_and_dotted_keys),
    MT_TEST ("json/parse/trusted_allows_operator_keys_and_nul",
             trusted_allows_operator_keys_and_nul),
    MT_TEST ("json/parse/rejects_nul_escape", rejects_nul_escape),
    MT_TEST ("json/parse/rejects_trailing_data", rejects_trailing_data),
    MT_TEST ("json/parse/rejects_deep_nesting", rejects_deep_nesting),
    MT_TEST ("json/parse/rejects_invalid_utf8", rejects_invalid_utf8),
    MT_TEST ("json/parse/rejects_malformed_syntax", rejects_malformed_syntax),
    MT_TEST ("json/parse/error_reports_byte_offset", error_reports_byte_offset),
    MT_TEST ("json/write/dates_and_ids_as_strings", writes_dates_and_ids_as_strings),
    MT_TEST ("json/write/escapes_and_numbers", writes_escapes_and_numbers),
    MT_TEST ("json/write/non_finite_as_null", writes_non_finite_as_null),
    MT_TEST ("json/write/doubles_read_back_as_doubles",
             writes_doubles_so_that_they_read_back_as_doubles),
    MT_TEST ("json/parse/any_value_for_trusted_data", parses_any_value_for_trusted_data),
    MT_TEST ("json/utf8/helpers", utf8_helpers),
  };
  return cmocka_run_group_tests_name ("common/mt_json", tests, NULL, NULL);
}
