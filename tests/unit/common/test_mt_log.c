/* Unit tests of common/mt_log.c: JSON lines, level filtering, fields. */
#include "mt_test.h"

#include "mt_json.h"
#include "mt_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MT_LOG_DOMAIN "test"

static char *
capture (void (*emit) (void))
{
  char path[] = "/tmp/mutua-log-XXXXXX";
  int fd = mkstemp (path);
  char *text;

  mt_log_set_fd (fd);
  emit ();
  mt_log_set_fd (2);
  close (fd);
  text = mt_test_read_file (path, NULL);
  unlink (path);
  return text;
}

static void
emit_levels (void)
{
  mt_log_set_level (MT_LOG_INFO);
  MT_DEBUG ("hidden %d", 1);
  MT_INFO ("shown \"%s\"", "quoted");
  MT_ERROR ("also shown");
}

static void
filters_by_level_and_writes_json_lines (void **state)
{
  char *text = capture (emit_levels);
  char *second;
  bson_t doc;
  mt_error_t error;

  assert_null (strstr (text, "hidden"));
  second = strchr (text, '\n');
  assert_non_null (second);
  *second = '\0';
  assert_true (mt_json_parse_object (text, strlen (text), MT_JSON_STRICT, &doc, &error));
  {
    bson_iter_t it;
    assert_true (bson_iter_init_find (&it, &doc, "msg"));
    assert_string_equal (bson_iter_utf8 (&it, NULL), "shown \"quoted\"");
    assert_true (bson_iter_init_find (&it, &doc, "level"));
    assert_string_equal (bson_iter_utf8 (&it, NULL), "info");
    assert_true (bson_iter_init_find (&it, &doc, "domain"));
    assert_string_equal (bson_iter_utf8 (&it, NULL), "test");
    assert_true (bson_iter_init_find (&it, &doc, "ts"));
  }
  bson_destroy (&doc);
  assert_non_null (strstr (second + 1, "\"level\":\"error\""));
  free (text);
}

static void
emit_fields (void)
{
  bson_t fields = BSON_INITIALIZER;
  bson_t empty = BSON_INITIALIZER;

  mt_log_set_level (MT_LOG_DEBUG);
  BSON_APPEND_INT32 (&fields, "status", 200);
  BSON_APPEND_UTF8 (&fields, "route", "GET /v1/me");
  mt_log_fields (MT_LOG_INFO, "http", "request", &fields);
  mt_log_fields (MT_LOG_WARN, "http", "bare", &empty);
  mt_log_fields (MT_LOG_WARN, "http", "none", NULL);
  bson_destroy (&fields);
  bson_destroy (&empty);
  mt_log_set_level (MT_LOG_INFO);
}

static void
appends_fields_after_the_message (void **state)
{
  char *text = capture (emit_fields);
  char *line;
  char *save = NULL;
  int count = 0;

  assert_non_null (strstr (text, "\"msg\":\"request\",\"status\":200,\"route\":\"GET /v1/me\"}"));
  for (line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save)) {
    bson_t doc;
    mt_error_t error;
    assert_true (mt_json_parse_object (line, strlen (line), MT_JSON_STRICT, &doc, &error));
    bson_destroy (&doc);
    count++;
  }
  assert_int_equal (count, 3);
  free (text);
}

static void
parses_level_names (void **state)
{
  mt_log_level_t level;

  assert_true (mt_log_level_parse ("warn", &level));
  assert_int_equal (level, MT_LOG_WARN);
  assert_false (mt_log_level_parse ("loud", &level));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("log/filters_by_level_and_writes_json_lines", filters_by_level_and_writes_json_lines),
    MT_TEST ("log/appends_fields_after_the_message", appends_fields_after_the_message),
    MT_TEST ("log/parses_level_names", parses_level_names),
  };
  return cmocka_run_group_tests_name ("common/mt_log", tests, NULL, NULL);
}
