/* Unit tests of server/config.c: precedence (defaults < file < environment < flags), ranges. */
#include "mt_test.h"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
defaults_are_documented_values (void **state)
{
  mt_config_t config;
  const char *argv[] = { "mutuad", NULL };
  const char *envp[] = { NULL };
  mt_error_t error;

  assert_true (mt_config_load (&config, 1, argv, 1, envp, &error));
  assert_string_equal (config.listen, "127.0.0.1:8080");
  assert_string_equal (config.data_dir, "./data");
  assert_string_equal (config.store, "sqlite:./data/mutua.db");
  assert_true (config.threads >= 1);
  assert_true (config.token_ttl_s == 43200);
  assert_true (config.max_body_bytes == 1048576);
  assert_false (config.demo);
}

static void
flags_beat_environment_which_beats_the_file (void **state)
{
  char path[] = "/tmp/mutua-config-XXXXXX";
  int fd = mkstemp (path);
  FILE *f = fdopen (fd, "w");
  mt_config_t config;
  const char *argv[] = { "mutuad", "--threads", "3", "--demo", "--data-dir=/srv/d", NULL };
  char env_file[128];
  const char *envp[] = { "MUTUA_THREADS=5", "MUTUA_LOG_LEVEL=debug", "PATH=/bin", env_file, NULL };
  mt_error_t error;

  fprintf (f, "# comment\nthreads = 7\nlog_level = warn\nmax_connections = 99\n\n");
  fclose (f);
  snprintf (env_file, sizeof env_file, "MUTUA_CONFIG=%s", path);
  assert_true (mt_config_load (&config, 5, argv, 1, envp, &error));
  assert_true (config.threads == 3);               /* flag */
  assert_string_equal (config.log_level, "debug"); /* environment over file */
  assert_true (config.max_connections == 99);      /* file over default */
  assert_true (config.demo);
  assert_string_equal (config.data_dir, "/srv/d");
  assert_string_equal (config.store, "sqlite:/srv/d/mutua.db");
  assert_string_equal (config.config_file, path);
  unlink (path);
}

static void
refuses_unknown_names_and_bad_values (void **state)
{
  mt_config_t config;
  const char *envp[] = { NULL };
  const char *bad_env[] = { "MUTUA_THREADS=lots", NULL };
  mt_error_t error;
  const char *unknown[] = { "mutuad", "--colour", "red", NULL };
  const char *range[] = { "mutuad", "--threads", "1000", NULL };
  const char *missing[] = { "mutuad", "--threads", NULL };
  const char *positional[] = { "mutuad", "serve", NULL };
  const char *level[] = { "mutuad", "--log-level", "loud", NULL };
  const char *boolean[] = { "mutuad", "--demo=perhaps", NULL };

  assert_false (mt_config_load (&config, 3, unknown, 1, envp, &error));
  assert_non_null (strstr (error.message, "unknown option"));
  assert_true (strlen (error.message_fr) > 0);
  assert_false (mt_config_load (&config, 3, range, 1, envp, &error));
  assert_non_null (strstr (error.message, "between 0 and 256"));
  assert_false (mt_config_load (&config, 2, missing, 1, envp, &error));
  assert_false (mt_config_load (&config, 2, positional, 1, envp, &error));
  assert_false (mt_config_load (&config, 3, level, 1, envp, &error));
  assert_false (mt_config_load (&config, 2, boolean, 1, envp, &error));
  assert_false (mt_config_load (&config, 1, unknown, 1, bad_env, &error));
  assert_non_null (strstr (error.message, "MUTUA_THREADS"));
}

static void
refuses_unknown_settings_in_the_file (void **state)
{
  char path[] = "/tmp/mutua-config-XXXXXX";
  int fd = mkstemp (path);
  FILE *f = fdopen (fd, "w");
  mt_config_t config;
  const char *argv[3];
  char flag[64];
  const char *envp[] = { NULL };
  mt_error_t error;

  fprintf (f, "threads = 2\nflavour = vanilla\n");
  fclose (f);
  snprintf (flag, sizeof flag, "--config=%s", path);
  argv[0] = "mutuad";
  argv[1] = flag;
  argv[2] = NULL;
  assert_false (mt_config_load (&config, 2, argv, 1, envp, &error));
  assert_non_null (strstr (error.message, ":2: unknown setting"));
  unlink (path);
}

/* --demo enables credits, unless the operator set credits_enabled (flag, environment or
 * file), whatever the value given; without --demo the default stays off. */
static void
demo_enables_credits_unless_set (void **state)
{
  char path[] = "/tmp/mutua-config-XXXXXX";
  int fd = mkstemp (path);
  FILE *f = fdopen (fd, "w");
  mt_config_t config;
  const char *plain[] = { "mutuad", NULL };
  const char *demo[] = { "mutuad", "--demo", NULL };
  const char *demo_off[] = { "mutuad", "--demo", "--credits-enabled=false", NULL };
  const char *envp[] = { NULL };
  const char *env_off[] = { "MUTUA_CREDITS_ENABLED=0", NULL };
  char env_file[128];
  const char *file_off[] = { env_file, NULL };
  mt_error_t error;

  assert_true (mt_config_load (&config, 1, plain, 1, envp, &error));
  assert_false (config.credits_enabled);
  assert_true (mt_config_load (&config, 2, demo, 1, envp, &error));
  assert_true (config.credits_enabled);
  assert_true (mt_config_load (&config, 3, demo_off, 1, envp, &error));
  assert_true (config.demo);
  assert_false (config.credits_enabled);
  assert_true (mt_config_load (&config, 2, demo, 1, env_off, &error));
  assert_false (config.credits_enabled);
  fprintf (f, "credits_enabled = false\n");
  fclose (f);
  snprintf (env_file, sizeof env_file, "MUTUA_CONFIG=%s", path);
  assert_true (mt_config_load (&config, 2, demo, 1, file_off, &error));
  assert_false (config.credits_enabled);
  unlink (path);
}

/* store_shared: off by default; a bare flag, the environment or the file turn it on; a value
 * that is not a boolean is refused. */
static void
store_shared_is_a_boolean_off_by_default (void **state)
{
  char path[] = "/tmp/mutua-config-XXXXXX";
  int fd = mkstemp (path);
  FILE *f = fdopen (fd, "w");
  mt_config_t config;
  const char *plain[] = { "mutuad", NULL };
  const char *flag[] = { "mutuad", "--store-shared", NULL };
  const char *flag_off[] = { "mutuad", "--store-shared=false", NULL };
  const char *bad[] = { "mutuad", "--store-shared=sometimes", NULL };
  const char *envp[] = { NULL };
  const char *env_on[] = { "MUTUA_STORE_SHARED=yes", NULL };
  char env_file[128];
  const char *file_on[] = { env_file, NULL };
  mt_error_t error;

  assert_true (mt_config_load (&config, 1, plain, 1, envp, &error));
  assert_false (config.store_shared);
  assert_true (mt_config_load (&config, 2, flag, 1, envp, &error));
  assert_true (config.store_shared);
  assert_true (mt_config_load (&config, 1, plain, 1, env_on, &error));
  assert_true (config.store_shared);
  assert_true (mt_config_load (&config, 2, flag_off, 1, env_on, &error)); /* flag over env */
  assert_false (config.store_shared);
  fprintf (f, "store = sqlite:/srv/commun/mutua.db\nstore_shared = true\n");
  fclose (f);
  snprintf (env_file, sizeof env_file, "MUTUA_CONFIG=%s", path);
  assert_true (mt_config_load (&config, 1, plain, 1, file_on, &error));
  assert_true (config.store_shared);
  assert_string_equal (config.store, "sqlite:/srv/commun/mutua.db");
  assert_false (mt_config_load (&config, 2, bad, 1, envp, &error));
  assert_non_null (strstr (error.message, "store_shared expects true or false"));
  unlink (path);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("config/defaults", defaults_are_documented_values),
    MT_TEST ("config/precedence", flags_beat_environment_which_beats_the_file),
    MT_TEST ("config/refuses_unknown_names_and_bad_values", refuses_unknown_names_and_bad_values),
    MT_TEST ("config/refuses_unknown_settings_in_the_file", refuses_unknown_settings_in_the_file),
    MT_TEST ("config/demo_enables_credits_unless_set", demo_enables_credits_unless_set),
    MT_TEST ("config/store_shared", store_shared_is_a_boolean_off_by_default),
  };
  return cmocka_run_group_tests_name ("server/config", tests, NULL, NULL);
}
