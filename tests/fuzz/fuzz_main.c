/*
 * fuzz_main: runs a fuzz target over every file of the directories (or files) given on the
 * command line, so that the corpus is replayed as a regression test in ordinary builds.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int
mt_fuzz_run_file (const char *path)
{
  FILE *f = fopen (path, "rb");
  uint8_t *data;
  long size;

  if (!f) {
    fprintf (stderr, "cannot open %s\n", path);
    return 1;
  }
  fseek (f, 0, SEEK_END);
  size = ftell (f);
  fseek (f, 0, SEEK_SET);
  data = malloc ((size_t) size + 1);
  if (!data || fread (data, 1, (size_t) size, f) != (size_t) size) {
    fclose (f);
    free (data);
    return 1;
  }
  fclose (f);
  LLVMFuzzerTestOneInput (data, (size_t) size);
  free (data);
  return 0;
}

int
main (int argc, char **argv)
{
  int runs = 0;
  int failures = 0;

  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat (argv[i], &st) == 0 && S_ISDIR (st.st_mode)) {
      DIR *dir = opendir (argv[i]);
      struct dirent *entry;
      while (dir && (entry = readdir (dir))) {
        char path[4096];
        if (entry->d_name[0] == '.') {
          continue;
        }
        snprintf (path, sizeof path, "%s/%s", argv[i], entry->d_name);
        failures += mt_fuzz_run_file (path);
        runs++;
      }
      if (dir) {
        closedir (dir);
      }
    } else {
      failures += mt_fuzz_run_file (argv[i]);
      runs++;
    }
  }
  printf ("%d inputs replayed, %d unreadable\n", runs, failures);
  return failures || runs == 0 ? 1 : 0;
}
