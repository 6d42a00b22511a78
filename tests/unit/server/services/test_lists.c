/*
 * lists: the "limit" and "status" query parameters every list endpoint shares. Tables of
 * cases: what is accepted, what it becomes, and what is refused with which path.
 */
#include "lists.h"
#include "mt_test.h"

#include <string.h>

static void
limit_cases (void **state)
{
  static const struct {
    const char *text;
    bool ok;
    uint32_t limit;
  } cases[] = {
    { NULL, true, MT_LIST_LIMIT_DEFAULT },
    { "1", true, 1 },
    { "100", true, 100 },
    { "101", true, MT_LIST_LIMIT_MAX },
    { "99999999999999999999999", true, MT_LIST_LIMIT_MAX },
    { "0", false, 0 },
    { "", false, 0 },
    { "-1", false, 0 },
    { "+5", false, 0 },
    { "5 ", false, 0 },
    { "0x10", false, 0 },
    { "1e2", false, 0 },
  };

  (void) state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    mt_error_t error = { 0 };
    uint32_t limit = 0;
    bool ok = mt_list_limit_parse (cases[i].text, &limit, &error);
    if (ok != cases[i].ok) {
      fail_msg ("limit \"%s\": %s", cases[i].text ? cases[i].text : "(none)",
                ok ? "accepted" : error.message);
    }
    if (ok) {
      assert_int_equal (limit, cases[i].limit);
    } else {
      assert_int_equal (error.code, MT_ERR_BAD_REQUEST);
      assert_string_equal (error.path, "limit");
    }
  }
}

static bool
colour_known (const char *status)
{
  return strcmp (status, "red") == 0 || strcmp (status, "green") == 0 ||
         strcmp (status, "blue") == 0;
}

static void
status_cases (void **state)
{
  static const struct {
    const char *text;
    const char *expected[5]; /* NULL-terminated; {NULL} when refused */
    bool ok;
    const char *message; /* part of the French message when refused */
  } cases[] = {
    { "red", { "red", NULL }, true, NULL },
    { "red,green", { "red", "green", NULL }, true, NULL },
    { "blue,red,green", { "blue", "red", "green", NULL }, true, NULL },
    { "green,green", { "green", "green", NULL }, true, NULL },
    { "", { NULL }, false, "red, green, blue" },
    { "red,", { NULL }, false, "invalide" },
    { ",red", { NULL }, false, "invalide" },
    { "Red", { NULL }, false, "invalide" },
    { "red green", { NULL }, false, "invalide" },
    { "purple", { NULL }, false, "séparés par des virgules" },
    { "red,green,blue,red", { NULL }, false, "trop de statuts" }, /* max 4: 3 statuses */
    { "red,red,red,red,red,red,red,red,red,red,red,red", { NULL }, false, "trop long" },
  };

  (void) state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    mt_error_t error = { 0 };
    const char *statuses[4];
    char buf[32];
    bool ok = mt_list_statuses_parse (cases[i].text, colour_known, "red, green, blue", buf,
                                      sizeof buf, statuses, 4, &error);
    if (ok != cases[i].ok) {
      fail_msg ("status \"%s\": %s", cases[i].text, ok ? "accepted" : error.message);
    }
    if (ok) {
      size_t n = 0;
      for (; cases[i].expected[n]; n++) {
        assert_non_null (statuses[n]);
        assert_string_equal (statuses[n], cases[i].expected[n]);
      }
      assert_null (statuses[n]);
    } else {
      assert_int_equal (error.code, MT_ERR_BAD_REQUEST);
      assert_string_equal (error.path, "status");
      if (!strstr (error.message_fr, cases[i].message)) {
        fail_msg ("status \"%s\": message \"%s\" lacks \"%s\"", cases[i].text, error.message_fr,
                  cases[i].message);
      }
    }
  }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("lists/limit/cases", limit_cases),
    MT_TEST ("lists/status/cases", status_cases),
  };

  return cmocka_run_group_tests_name ("server/services/lists", tests, NULL, NULL);
}
