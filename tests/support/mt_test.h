/*
 * mt_test: small helpers shared by every cmocka program: named tests, the location of the
 * official external test data, and reading files.
 */
#ifndef MT_TEST_H
#define MT_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <bson/bson.h>
#include <stdbool.h>

/* A cmocka test with a path-like name, e.g. MT_TEST ("json/parse/rejects_duplicate_keys", f). */
#define MT_TEST(name, fn)                                                                          \
  {                                                                                                \
    name, fn, NULL, NULL, NULL                                                                     \
  }

/*
 * The directory of the official external test data (MUTUA_TEST_DATA_DIR, set by CMake to
 * ../shared/data beside the source tree), or NULL when it is absent: tests that need it
 * then skip() and say why on stderr.
 */
const char *mt_test_data_dir (void);

/* Reads a whole file into a malloc'd NUL-terminated buffer; NULL when unreadable. */
char *mt_test_read_file (const char *path, size_t *len);

/* Parses a trusted JSON file (any top-level value) into @out as {"v": value}. */
bool mt_test_load_json (const char *path, bson_t *out);

/* Prints a skip reason in a way that stands out in ctest output. */
void mt_test_say_skip (const char *what, const char *why);

#endif
