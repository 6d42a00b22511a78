/* Unit tests of server/services/passwords.c: Argon2id hashing, verification, rehash, policy. */
#include "mt_test.h"

#include "passwords.h"

#include <sodium.h>
#include <string.h>

static mt_config_t config;

static int
setup (void **state)
{
  mt_config_defaults (&config);
  config.password_opslimit = 1;
  config.password_memlimit_kib = 8;
  return sodium_init () < 0;
}

static void
hashes_and_verifies (void **state)
{
  char hash[MT_PASSWORD_HASH_SIZE];
  char other[MT_PASSWORD_HASH_SIZE];
  mt_error_t error;

  assert_true (mt_password_hash (&config, "vélo-cargo-2026", hash, &error));
  assert_memory_equal (hash, "$argon2id$", 10);
  assert_true (mt_password_verify (hash, "vélo-cargo-2026"));
  assert_false (mt_password_verify (hash, "velo-cargo-2026"));
  assert_false (mt_password_verify (hash, ""));
  /* Salted: the same password gives another hash. */
  assert_true (mt_password_hash (&config, "vélo-cargo-2026", other, &error));
  assert_string_not_equal (hash, other);
}

static void
needs_rehash_when_costs_change (void **state)
{
  char hash[MT_PASSWORD_HASH_SIZE];
  mt_config_t stronger = config;
  mt_error_t error;

  assert_true (mt_password_hash (&config, "0123456789", hash, &error));
  assert_false (mt_password_needs_rehash (&config, hash));
  stronger.password_opslimit = 2;
  assert_true (mt_password_needs_rehash (&stronger, hash));
}

static void
policy_counts_characters_not_bytes (void **state)
{
  mt_error_t error;
  char long_password[MT_PASSWORD_MAX_LEN + 2];

  assert_true (mt_password_check_policy ("0123456789", "/password", &error));
  assert_false (mt_password_check_policy ("012345678", "/password", &error));
  assert_int_equal (error.code, MT_ERR_VALIDATION);
  assert_string_equal (error.path, "/password");
  /* Nine characters of two bytes each are still nine characters. */
  assert_false (mt_password_check_policy ("ééééééééé", "/password", &error));
  assert_true (mt_password_check_policy ("éééééééééé", "/password", &error));
  memset (long_password, 'a', sizeof long_password - 1);
  long_password[sizeof long_password - 1] = '\0';
  assert_false (mt_password_check_policy (long_password, "/password", &error));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("passwords/hashes_and_verifies", hashes_and_verifies),
    MT_TEST ("passwords/needs_rehash_when_costs_change", needs_rehash_when_costs_change),
    MT_TEST ("passwords/policy_counts_characters", policy_counts_characters_not_bytes),
  };
  return cmocka_run_group_tests_name ("server/services/passwords", tests, setup, NULL);
}
