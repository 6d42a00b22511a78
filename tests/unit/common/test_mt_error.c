/* Unit tests of common/mt_error.c: the code table and the bilingual messages. */
#include "mt_test.h"

#include "mt_error.h"

#include <string.h>

static void
table_maps_codes_to_statuses_and_types (void **state)
{
  struct {
    mt_error_code_t code;
    int status;
    const char *slug;
  } expected[] = {
    { MT_ERR_BAD_REQUEST, 400, "bad-request" },
    { MT_ERR_VALIDATION, 400, "validation" },
    { MT_ERR_UNAUTHENTICATED, 401, "unauthenticated" },
    { MT_ERR_FORBIDDEN, 403, "forbidden" },
    { MT_ERR_NOT_FOUND, 404, "not-found" },
    { MT_ERR_CONFLICT, 409, "conflict" },
    { MT_ERR_STALE, 409, "stale" },
    { MT_ERR_PRECONDITION_FAILED, 412, "precondition-failed" },
    { MT_ERR_TOO_LARGE, 413, "too-large" },
    { MT_ERR_UNSUPPORTED_MEDIA_TYPE, 415, "unsupported-media-type" },
    { MT_ERR_UNPROCESSABLE, 422, "unprocessable" },
    { MT_ERR_PRECONDITION_REQUIRED, 428, "precondition-required" },
    { MT_ERR_RATE_LIMITED, 429, "rate-limited" },
    { MT_ERR_HEADERS_TOO_LARGE, 431, "headers-too-large" },
    { MT_ERR_UNAVAILABLE, 503, "unavailable" },
  };

  for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
    const mt_error_info_t *info = mt_error_info (expected[i].code);
    assert_int_equal (info->code, expected[i].code);
    assert_int_equal (info->http_status, expected[i].status);
    assert_string_equal (info->slug, expected[i].slug);
    assert_true (strlen (info->title_fr) > 0 && strlen (info->title_en) > 0);
  }
  /* Every row is in place: row i describes code i. */
  for (int code = 0; code < MT_ERR_CODE_COUNT; code++) {
    assert_int_equal (mt_error_info ((mt_error_code_t) code)->code, code);
  }
  assert_int_equal (mt_error_info ((mt_error_code_t) 9999)->http_status, 500);
}

static void
set_formats_both_languages (void **state)
{
  mt_error_t error;

  mt_error_set (&error, MT_DOMAIN_SERVICE, MT_ERR_CONFLICT, "déjà réservé du %d au %d",
                "already booked from %d to %d", 3, 5);
  assert_string_equal (error.message_fr, "déjà réservé du 3 au 5");
  assert_string_equal (error.message, "already booked from 3 to 5");
  assert_int_equal (mt_error_http_status (&error), 409);
  mt_error_set_path (&error, "/start");
  assert_string_equal (error.path, "/start");
  mt_error_clear (&error);
  assert_int_equal (error.code, MT_ERR_NONE);
  mt_error_set (NULL, MT_DOMAIN_SERVICE, MT_ERR_CONFLICT, "x", "y"); /* NULL is allowed */
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("error/table/maps_codes", table_maps_codes_to_statuses_and_types),
    MT_TEST ("error/set/formats_both_languages", set_formats_both_languages),
  };
  return cmocka_run_group_tests_name ("common/mt_error", tests, NULL, NULL);
}
