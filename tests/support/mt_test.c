/* mt_test: shared helpers for the cmocka programs. */
#include "mt_test.h"

#include "mt_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

const char *
mt_test_data_dir (void)
{
  const char *dir = getenv ("MUTUA_TEST_DATA_DIR");
  struct stat st;

  if (!dir || !*dir || stat (dir, &st) != 0 || !S_ISDIR (st.st_mode)) {
    return NULL;
  }
  return dir;
}

char *
mt_test_read_file (const char *path, size_t *len)
{
  FILE *f = fopen (path, "rb");
  char *data = NULL;
  long size;

  if (!f) {
    return NULL;
  }
  if (fseek (f, 0, SEEK_END) != 0 || (size = ftell (f)) < 0 || fseek (f, 0, SEEK_SET) != 0) {
    fclose (f);
    return NULL;
  }
  data = malloc ((size_t) size + 1);
  if (data && fread (data, 1, (size_t) size, f) != (size_t) size) {
    free (data);
    data = NULL;
  }
  fclose (f);
  if (data) {
    data[size] = '\0';
    if (len) {
      *len = (size_t) size;
    }
  }
  return data;
}

bool
mt_test_load_json (const char *path, bson_t *out)
{
  size_t len;
  char *text = mt_test_read_file (path, &len);
  mt_error_t error;
  bool ok;

  bson_init (out);
  if (!text) {
    fprintf (stderr, "cannot read %s\n", path);
    return false;
  }
  ok = mt_json_parse_value (text, len, MT_JSON_TRUSTED, out, "v", &error);
  if (!ok) {
    fprintf (stderr, "%s: %s\n", path, error.message);
  }
  free (text);
  return ok;
}

void
mt_test_say_skip (const char *what, const char *why)
{
  fprintf (stderr, "SKIPPED %s: %s\n", what, why);
}
