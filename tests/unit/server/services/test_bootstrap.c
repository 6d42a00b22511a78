/* Unit tests of server/services/bootstrap.c: the first administrator, created once. */
#include "members_fixture.h"

#include "bootstrap.h"
#include "passwords.h"

#include <sodium.h>

static mt_config_t config;
static mt_service_env_t env;

static int
setup (void **state)
{
  if (sodium_init () < 0 || fx_setup (state) != 0) {
    return -1;
  }
  mt_config_defaults (&config);
  config.password_opslimit = 1;
  config.password_memlimit_kib = 8;
  mt_service_env_init (&env, &config);
  return 0;
}

static int
teardown (void **state)
{
  mt_service_env_destroy (&env);
  return fx_teardown (state);
}

static void
creates_the_first_admin_once_with_a_generated_password (void **state)
{
  fx_t *fx = *state;
  mt_ctx_t ctx = { .env = &env, .store = fx->store, .now_ms = FX_NOW_MS };
  mt_bootstrap_result_t result;
  mt_error_t error;
  bson_t account;
  int64_t admins = 0;

  config.admin_password[0] = '\0';
  assert_true (mt_bootstrap_admin (&ctx, &result, &error));
  assert_true (result.created);
  assert_true (result.password_generated);
  assert_true (strlen (result.password) >= 16);
  assert_true (
    fx->store->ops->account_find_by_email (fx->store, "admin@mutua.local", &account, &error));
  assert_true (mt_bson_str_eq (&account, "platform_role", "admin"));
  assert_true (mt_bson_str_eq (&account, "member_role", "manager"));
  assert_true (mt_bson_str_eq (&account, "status", "active"));
  assert_true (mt_password_verify (mt_bson_str (&account, "password_hash"), result.password));
  {
    bson_t member;
    assert_true (
      fx->store->ops->member_get (fx->store, mt_bson_str (&account, "member_id"), &member, &error));
    assert_true (mt_bson_str_eq (&member, "kind", "platform"));
    assert_true (mt_bson_str_eq (&member, "status", "active"));
    bson_destroy (&member);
  }
  bson_destroy (&account);

  assert_true (mt_bootstrap_admin (&ctx, &result, &error));
  assert_false (result.created);
  assert_false (result.password_generated);
  assert_true (fx->store->ops->account_count_admins (fx->store, &admins, &error));
  assert_true (admins == 1);
}

static void
uses_the_configured_password_and_checks_it (void **state)
{
  fx_t *fx = *state;
  mt_ctx_t ctx = { .env = &env, .store = fx->store, .now_ms = FX_NOW_MS };
  mt_bootstrap_result_t result;
  mt_error_t error;
  bson_t account;

  snprintf (config.admin_email, sizeof config.admin_email, "Admin@Reseau.example");
  snprintf (config.admin_password, sizeof config.admin_password, "court");
  assert_false (mt_bootstrap_admin (&ctx, &result, &error));
  assert_int_equal (error.code, MT_ERR_VALIDATION);
  snprintf (config.admin_password, sizeof config.admin_password, "un mot de passe solide");
  assert_true (mt_bootstrap_admin (&ctx, &result, &error));
  assert_true (result.created);
  assert_false (result.password_generated);
  assert_true (
    fx->store->ops->account_find_by_email (fx->store, "admin@reseau.example", &account, &error));
  assert_true (
    mt_password_verify (mt_bson_str (&account, "password_hash"), "un mot de passe solide"));
  bson_destroy (&account);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (creates_the_first_admin_once_with_a_generated_password, setup,
                                     teardown),
    cmocka_unit_test_setup_teardown (uses_the_configured_password_and_checks_it, setup, teardown),
  };
  return cmocka_run_group_tests_name ("server/services/bootstrap", tests, NULL, NULL);
}
