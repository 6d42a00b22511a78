/*
 * Unit tests of server/services/auth.c (mt_auth_authenticate) against a real SQLite store:
 * roles and statuses come from the store, and every way a token stops being valid is
 * refused with MT_ERR_UNAUTHENTICATED.
 */
#include "members_fixture.h"

#include "auth.h"
#include "keyring.h"
#include "tokens.h"

#include <dirent.h>
#include <sodium.h>

typedef struct {
  fx_t *fx;
  mt_config_t config;
  mt_service_env_t env;
  char keys[96];
  char network[MT_ID_SIZE];
} auth_fx_t;

static int
setup (void **state)
{
  auth_fx_t *a = calloc (1, sizeof *a);
  mt_error_t error;
  mt_keyring_t *keyring;

  if (sodium_init () < 0 || fx_setup ((void **) &a->fx) != 0) {
    return -1;
  }
  mt_config_defaults (&a->config);
  mt_service_env_init (&a->env, &a->config);
  snprintf (a->keys, sizeof a->keys, "%s/keys", a->fx->dir);
  keyring = mt_keyring_load (a->keys, true, &error);
  if (!keyring) {
    return -1;
  }
  mt_service_env_set_keyring (&a->env, keyring);
  fx_network (a->fx, "apes", a->network);
  *state = a;
  return 0;
}

static int
teardown (void **state)
{
  auth_fx_t *a = *state;
  char path[400];
  DIR *dir;
  mt_service_env_destroy (&a->env);
  /* remove the key files, then let the fixture remove the rest */
  dir = opendir (a->keys);
  if (dir) {
    struct dirent *e;
    while ((e = readdir (dir))) {
      if (e->d_name[0] != '.') {
        snprintf (path, sizeof path, "%s/%s", a->keys, e->d_name);
        unlink (path);
      }
    }
    closedir (dir);
    rmdir (a->keys);
  }
  fx_teardown ((void **) &a->fx);
  free (a);
  return 0;
}

/* A member (given status) with a manager account; a token issued at @iat_ms. */
typedef struct {
  char member[MT_ID_SIZE];
  char account[MT_ID_SIZE];
  char *token;
  mt_token_claims_t claims;
} subject_t;

static void
subject (auth_fx_t *a, const char *member_status, int64_t iat_ms, subject_t *s)
{
  const char *nets[] = { a->network, NULL };
  mt_keyring_t *keyring = mt_service_env_keyring (&a->env);
  mt_error_t error;

  fx_member (a->fx, member_status, "association", nets, s->member, s->account);
  assert_true (
    mt_token_issue (keyring, s->account, s->member, iat_ms, 3600, &s->token, &s->claims, &error));
  mt_keyring_unref (keyring);
}

static bool
authenticate (auth_fx_t *a, const char *token, mt_principal_t *out, mt_error_t *error)
{
  mt_ctx_t ctx = { .env = &a->env, .store = a->fx->store, .now_ms = FX_NOW_MS };
  return mt_auth_authenticate (&ctx, token, out, error);
}

/* Reads, changes and writes back a stored document with compare-and-set. */
static void
set_field (auth_fx_t *a, bool account, const char *id, const char *key, const bson_t *value_doc)
{
  bson_t doc;
  bson_t next;
  mt_error_t error;

  fx_get (a->fx, account, id, &doc);
  mt_bson_merge (&doc, value_doc, &next);
  if (account) {
    assert_true (a->fx->store->ops->account_update (
      a->fx->store, id, mt_bson_int (&doc, "version", 0), &next, &error));
  } else {
    assert_true (a->fx->store->ops->member_update (
      a->fx->store, id, mt_bson_int (&doc, "version", 0), &next, &error));
  }
  (void) key;
  bson_destroy (&doc);
  bson_destroy (&next);
}

static void
valid_token_loads_roles_from_the_store (void **state)
{
  auth_fx_t *a = *state;
  subject_t s;
  mt_principal_t p;
  mt_error_t error;

  subject (a, "active", FX_NOW_MS - 1000, &s);
  assert_true (authenticate (a, s.token, &p, &error));
  assert_string_equal (p.account_id, s.account);
  assert_string_equal (p.member_id, s.member);
  assert_string_equal (p.jti, s.claims.jti);
  assert_true (p.is_manager);
  assert_false (p.is_admin);
  assert_true (p.member_active);
  assert_true (mt_bson_str_eq (&p.account, "id", s.account));
  mt_principal_destroy (&p);
  free (s.token);
}

static void
pending_member_authenticates_but_is_not_active (void **state)
{
  auth_fx_t *a = *state;
  subject_t s;
  mt_principal_t p;
  mt_error_t error;

  subject (a, "pending", FX_NOW_MS - 1000, &s);
  assert_true (authenticate (a, s.token, &p, &error));
  assert_false (p.member_active);
  mt_principal_destroy (&p);
  free (s.token);
}

static void
refused (auth_fx_t *a, const char *token)
{
  mt_principal_t p;
  mt_error_t error;

  assert_false (authenticate (a, token, &p, &error));
  assert_int_equal (error.code, MT_ERR_UNAUTHENTICATED);
  assert_string_equal (p.account_id, "");
  mt_principal_destroy (&p);
}

static void
revoked_token_is_refused (void **state)
{
  auth_fx_t *a = *state;
  subject_t s;
  mt_error_t error;

  subject (a, "active", FX_NOW_MS - 1000, &s);
  assert_true (
    a->fx->store->ops->token_revoke (a->fx->store, s.claims.jti, s.claims.exp_ms, &error));
  refused (a, s.token);
  free (s.token);
}

static void
tokens_before_the_account_cutoff_are_refused (void **state)
{
  auth_fx_t *a = *state;
  subject_t s;
  bson_t patch = BSON_INITIALIZER;

  subject (a, "active", FX_NOW_MS - 5000, &s);
  BSON_APPEND_DATE_TIME (&patch, "tokens_not_before", FX_NOW_MS - 4000);
  set_field (a, true, s.account, "tokens_not_before", &patch);
  refused (a, s.token);
  bson_destroy (&patch);
  free (s.token);
}

static void
inactive_accounts_are_refused (void **state)
{
  auth_fx_t *a = *state;
  const char *statuses[] = { "removed", "deleted", "invited" };

  for (size_t i = 0; i < 3; i++) {
    subject_t s;
    bson_t patch = BSON_INITIALIZER;
    subject (a, "active", FX_NOW_MS - 1000, &s);
    BSON_APPEND_UTF8 (&patch, "status", statuses[i]);
    set_field (a, true, s.account, "status", &patch);
    refused (a, s.token);
    bson_destroy (&patch);
    free (s.token);
  }
}

static void
suspension_ends_sessions_even_after_reapproval (void **state)
{
  auth_fx_t *a = *state;
  subject_t s;
  bson_t suspended = BSON_INITIALIZER;
  bson_t approved = BSON_INITIALIZER;
  mt_keyring_t *keyring;
  char *later = NULL;
  mt_principal_t p;
  mt_error_t error;

  subject (a, "active", FX_NOW_MS - 10000, &s);
  BSON_APPEND_UTF8 (&suspended, "status", "suspended");
  BSON_APPEND_DATE_TIME (&suspended, "suspended_at", FX_NOW_MS - 5000);
  set_field (a, false, s.member, "status", &suspended);
  refused (a, s.token);
  BSON_APPEND_UTF8 (&approved, "status", "active");
  set_field (a, false, s.member, "status", &approved);
  refused (a, s.token); /* issued before the suspension */
  keyring = mt_service_env_keyring (&a->env);
  assert_true (
    mt_token_issue (keyring, s.account, s.member, FX_NOW_MS - 2000, 3600, &later, NULL, &error));
  mt_keyring_unref (keyring);
  assert_true (authenticate (a, later, &p, &error)); /* issued after it */
  mt_principal_destroy (&p);
  free (later);
  bson_destroy (&suspended);
  bson_destroy (&approved);
  free (s.token);
}

static void
mismatched_or_unknown_subjects_are_refused (void **state)
{
  auth_fx_t *a = *state;
  subject_t s;
  subject_t other;
  mt_keyring_t *keyring = mt_service_env_keyring (&a->env);
  char *token = NULL;
  mt_error_t error;

  subject (a, "active", FX_NOW_MS - 1000, &s);
  subject (a, "active", FX_NOW_MS - 1000, &other);
  /* Account of one member claimed for another. */
  assert_true (mt_token_issue (keyring, s.account, other.member, FX_NOW_MS - 1000, 3600, &token,
                               NULL, &error));
  refused (a, token);
  free (token);
  /* Unknown account. */
  assert_true (mt_token_issue (keyring, "acc_AAAAAAAAAAAAAAAAAAAAAA", s.member, FX_NOW_MS - 1000,
                               3600, &token, NULL, &error));
  refused (a, token);
  free (token);
  mt_keyring_unref (keyring);
  refused (a, "v4.public.garbage");
  refused (a, "");
  free (s.token);
  free (other.token);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("auth/authenticate/valid_token_loads_roles", valid_token_loads_roles_from_the_store),
    MT_TEST ("auth/authenticate/pending_member", pending_member_authenticates_but_is_not_active),
    MT_TEST ("auth/authenticate/revoked_token", revoked_token_is_refused),
    MT_TEST ("auth/authenticate/account_cutoff", tokens_before_the_account_cutoff_are_refused),
    MT_TEST ("auth/authenticate/inactive_accounts", inactive_accounts_are_refused),
    MT_TEST ("auth/authenticate/suspension_ends_sessions",
             suspension_ends_sessions_even_after_reapproval),
    MT_TEST ("auth/authenticate/mismatched_or_unknown", mismatched_or_unknown_subjects_are_refused),
  };
  return cmocka_run_group_tests_name ("server/services/auth", tests, setup, teardown);
}
