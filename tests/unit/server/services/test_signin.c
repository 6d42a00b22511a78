/*
 * Unit tests of server/services/signin.c against a real SQLite store in a temporary
 * directory, with a real keyring and cheap Argon2id costs: sign-up, sign-in (one answer for
 * every failure, rate limits per e-mail and per address, rehash), sign-out, password change
 * and invitations. Jobs run their three steps in line (prepare, run, finish); the clock is
 * the ctx's now_ms, set by each test.
 */
#include "mt_test.h"

#include "accounts.h"
#include "auth.h"
#include "keyring.h"
#include "members.h"
#include "mt_bson.h"
#include "mt_json.h"
#include "passwords.h"
#include "service.h"
#include "signin.h"
#include "store.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOW INT64_C (1781254800123) /* 2026-06-12T09:00:00.123Z */
#define ADDR "192.0.2.10"
#define PASSWORD "correct horse battery"
#define EMAIL "camille.martin@velo-solidaire.fr"

typedef struct {
  char dir[64];
  mt_config_t config;
  mt_service_env_t env;
  mt_store_backend_t *backend;
  mt_store_t *store;
  mt_ctx_t ctx;
  char net1[MT_ID_SIZE];
  char net2[MT_ID_SIZE];
} fx_t;

/* --- fixture ------------------------------------------------------------------------------ */

/* Removes @path and what it holds (the fixture's tree is two levels deep at most). */
static void
rm_tree (const char *path)
{
  DIR *d = opendir (path);
  struct dirent *de;
  char child[512];

  while (d && (de = readdir (d))) {
    if (strcmp (de->d_name, ".") != 0 && strcmp (de->d_name, "..") != 0) {
      snprintf (child, sizeof child, "%s/%s", path, de->d_name);
      if (de->d_type == DT_DIR) {
        rm_tree (child);
      } else {
        unlink (child);
      }
    }
  }
  if (d) {
    closedir (d);
  }
  rmdir (path);
}

static void
insert_network (fx_t *fx, const char *slug, char id[MT_ID_SIZE])
{
  bson_t network = BSON_INITIALIZER;
  mt_error_t error;

  mt_id_new ("net", id);
  BSON_APPEND_UTF8 (&network, "id", id);
  BSON_APPEND_INT64 (&network, "version", 1);
  BSON_APPEND_UTF8 (&network, "slug", slug);
  BSON_APPEND_UTF8 (&network, "name", slug);
  if (!fx->store->ops->network_insert (fx->store, &network, &error)) {
    fail_msg ("network_insert: %s", error.message);
  }
  bson_destroy (&network);
}

static int
setup (void **state)
{
  fx_t *fx = calloc (1, sizeof *fx);
  char path[128];
  mt_keyring_t *keyring;
  mt_error_t error;

  if (!fx) {
    return -1;
  }
  snprintf (fx->dir, sizeof fx->dir, "/tmp/mutua-signin-XXXXXX");
  if (!mkdtemp (fx->dir)) {
    return -1;
  }
  mt_config_defaults (&fx->config);
  fx->config.password_opslimit = 1;
  fx->config.password_memlimit_kib = 8;
  fx->config.login_account_limit = 3;
  fx->config.login_address_limit = 5;
  fx->config.login_window_s = 60;
  fx->config.token_ttl_s = 3600;
  if (!mt_service_env_init (&fx->env, &fx->config)) {
    return -1;
  }
  snprintf (path, sizeof path, "%s/keys", fx->dir);
  keyring = mt_keyring_load (path, true, &error);
  if (!keyring) {
    fprintf (stderr, "keyring: %s\n", error.message);
    return -1;
  }
  mt_service_env_set_keyring (&fx->env, keyring);
  if (!mt_services_start (&fx->env, &error)) {
    fprintf (stderr, "services: %s\n", error.message);
    return -1;
  }
  snprintf (path, sizeof path, "sqlite:%s/t.db", fx->dir);
  fx->backend = mt_store_backend_new (path, &error);
  fx->store = fx->backend ? mt_store_open (fx->backend, &error) : NULL;
  if (!fx->store) {
    fprintf (stderr, "store: %s\n", error.message);
    return -1;
  }
  fx->ctx = (mt_ctx_t){
    .env = &fx->env, .store = fx->store, .now_ms = NOW, .principal = NULL, .client_addr = ADDR
  };
  insert_network (fx, "apes", fx->net1);
  insert_network (fx, "mres", fx->net2);
  *state = fx;
  return 0;
}

static int
teardown (void **state)
{
  fx_t *fx = *state;

  mt_store_close (fx->store);
  mt_store_backend_destroy (fx->backend);
  mt_services_stop (&fx->env);
  mt_service_env_destroy (&fx->env);
  rm_tree (fx->dir);
  free (fx);
  return 0;
}

#define MT_TEST_FX(name, fn)                                                                       \
  {                                                                                                \
    name, fn, setup, teardown, NULL                                                                \
  }

/* --- helpers ------------------------------------------------------------------------------ */

static void
parse (const char *json, bson_t *out)
{
  mt_error_t error;
  if (!mt_json_parse_object (json, strlen (json), MT_JSON_STRICT, out, &error)) {
    fail_msg ("bad test JSON: %s", error.message);
  }
}

static void
signup_body (const fx_t *fx, const char *email, const char *password, const char *net, bson_t *out)
{
  char json[1024];

  snprintf (json, sizeof json,
            "{\"email\":\"%s\",\"password\":\"%s\",\"name\":\"Camille Martin\","
            "\"member\":{\"name\":\"Vélo Solidaire Lille\",\"kind\":\"association\","
            "\"territory\":{\"departement\":\"59\",\"commune\":\"Lille\"},"
            "\"description\":\"Atelier vélo participatif\",\"networks\":[\"%s\",\"%s\"]}}",
            email, password, fx->net1, net ? net : fx->net2);
  parse (json, out);
}

/* Signs up; on success copies the ids (when not NULL). */
static bool
signup (fx_t *fx, const char *email, const char *password, char account_id[MT_ID_SIZE],
        char member_id[MT_ID_SIZE], mt_error_t *error)
{
  bson_t body;
  bson_t account = BSON_INITIALIZER;
  bson_t member = BSON_INITIALIZER;
  mt_signin_job_t *job;
  bool ok = false;

  signup_body (fx, email, password, NULL, &body);
  job = mt_signup_prepare (&fx->ctx, &body, error);
  if (job) {
    bson_destroy (&account);
    bson_destroy (&member);
    mt_signin_job_run (job);
    ok = mt_signup_finish (&fx->ctx, job, &account, &member, error);
    mt_signin_job_free (job);
  }
  if (ok && account_id) {
    snprintf (account_id, MT_ID_SIZE, "%s", mt_bson_str (&account, "id"));
  }
  if (ok && member_id) {
    snprintf (member_id, MT_ID_SIZE, "%s", mt_bson_str (&member, "id"));
  }
  bson_destroy (&body);
  bson_destroy (&account);
  bson_destroy (&member);
  return ok;
}

static bool
login (fx_t *fx, const char *email, const char *password, mt_session_t *session, mt_error_t *error)
{
  char json[512];
  bson_t body;
  mt_signin_job_t *job;
  bool ok = false;

  snprintf (json, sizeof json, "{\"email\":\"%s\",\"password\":\"%s\"}", email, password);
  parse (json, &body);
  mt_session_init (session);
  mt_error_clear (error);
  job = mt_login_prepare (&fx->ctx, &body, error);
  if (job) {
    mt_signin_job_run (job);
    ok = mt_login_finish (&fx->ctx, job, session, error);
    mt_signin_job_free (job);
  }
  bson_destroy (&body);
  return ok;
}

/* Signs in and expects success; returns the token (malloc'd). */
static char *
login_ok (fx_t *fx, const char *email, const char *password)
{
  mt_session_t session;
  mt_error_t error;
  char *token;

  if (!login (fx, email, password, &session, &error)) {
    fail_msg ("login refused: %s", error.message);
  }
  token = strdup (session.token);
  mt_session_destroy (&session);
  return token;
}

static void
assert_login_refused (fx_t *fx, const char *email, const char *password, mt_error_code_t code)
{
  mt_session_t session;
  mt_error_t error;

  assert_false (login (fx, email, password, &session, &error));
  assert_int_equal (error.code, code);
  assert_null (session.token);
  mt_session_destroy (&session);
}

static bool
authenticate (fx_t *fx, const char *token, mt_principal_t *principal)
{
  mt_error_t error;
  return mt_auth_authenticate (&fx->ctx, token, principal, &error);
}

static void
get_account (fx_t *fx, const char *id, bson_t *out)
{
  mt_error_t error;
  if (!fx->store->ops->account_get (fx->store, id, out, &error)) {
    fail_msg ("account_get: %s", error.message);
  }
}

/* Sets fields of @patch on a stored account or member. */
static void
update_doc (fx_t *fx, bool member, const char *id, const bson_t *patch)
{
  bson_t doc;
  bson_t merged;
  mt_error_t error;
  bool ok;

  if (member) {
    ok = fx->store->ops->member_get (fx->store, id, &doc, &error);
  } else {
    ok = fx->store->ops->account_get (fx->store, id, &doc, &error);
  }
  if (!ok) {
    fail_msg ("get: %s", error.message);
  }
  mt_bson_merge (&doc, patch, &merged);
  if (member) {
    ok = fx->store->ops->member_update (fx->store, id, mt_bson_int (&doc, "version", 0), &merged,
                                        &error);
  } else {
    ok = fx->store->ops->account_update (fx->store, id, mt_bson_int (&doc, "version", 0), &merged,
                                         &error);
  }
  if (!ok) {
    fail_msg ("update: %s", error.message);
  }
  bson_destroy (&doc);
  bson_destroy (&merged);
}

/* --- sign-up ------------------------------------------------------------------------------ */

static void
signup_creates_pending_member_and_manager (void **state)
{
  fx_t *fx = *state;
  bson_t body;
  bson_t account;
  bson_t member;
  bson_t stored;
  mt_error_t error;
  mt_signin_job_t *job;

  signup_body (fx, "  Camille.Martin@Velo-Solidaire.fr ", PASSWORD, NULL, &body);
  job = mt_signup_prepare (&fx->ctx, &body, &error);
  assert_non_null (job);
  mt_signin_job_run (job);
  assert_true (mt_signup_finish (&fx->ctx, job, &account, &member, &error));
  mt_signin_job_free (job);

  /* The account as returned: a manager, without secrets. */
  assert_true (mt_id_is_valid (mt_bson_str (&account, "id"), "acc"));
  assert_string_equal (mt_bson_str (&account, "email"), EMAIL);
  assert_string_equal (mt_bson_str (&account, "name"), "Camille Martin");
  assert_string_equal (mt_bson_str (&account, "member_role"), "manager");
  assert_string_equal (mt_bson_str (&account, "platform_role"), "member");
  assert_string_equal (mt_bson_str (&account, "status"), "active");
  assert_string_equal (mt_bson_str (&account, "member_id"), mt_bson_str (&member, "id"));
  assert_false (mt_bson_has (&account, "password_hash"));
  assert_false (mt_bson_has (&account, "password"));
  /* The member: pending, with the profile given. */
  assert_true (mt_id_is_valid (mt_bson_str (&member, "id"), "mem"));
  assert_string_equal (mt_bson_str (&member, "status"), "pending");
  assert_string_equal (mt_bson_str (&member, "kind"), "association");
  assert_string_equal (mt_bson_str (&member, "territory.departement"), "59");
  assert_true (mt_bson_array_has_str (&member, "networks", fx->net1));
  assert_true (mt_bson_array_has_str (&member, "networks", fx->net2));
  /* Stored: the password only as an Argon2id hash that verifies. */
  get_account (fx, mt_bson_str (&account, "id"), &stored);
  assert_non_null (mt_bson_str (&stored, "password_hash"));
  assert_true (strncmp (mt_bson_str (&stored, "password_hash"), "$argon2id$", 10) == 0);
  assert_true (mt_password_verify (mt_bson_str (&stored, "password_hash"), PASSWORD));
  assert_string_equal (mt_bson_str (&stored, "email_key"), EMAIL);
  bson_destroy (&stored);
  bson_destroy (&body);
  bson_destroy (&account);
  bson_destroy (&member);
}

static void
signup_rejects_unknown_network (void **state)
{
  fx_t *fx = *state;
  char unknown[MT_ID_SIZE];
  bson_t body;
  bson_t found;
  mt_error_t error;

  mt_id_new ("net", unknown);
  signup_body (fx, EMAIL, PASSWORD, unknown, &body);
  assert_null (mt_signup_prepare (&fx->ctx, &body, &error));
  assert_int_equal (error.code, MT_ERR_UNPROCESSABLE);
  assert_string_equal (error.path, "/member/networks/1");
  assert_false (fx->store->ops->account_find_by_email (fx->store, EMAIL, &found, &error));
  assert_int_equal (error.code, MT_ERR_NOT_FOUND);
  bson_destroy (&found);
  bson_destroy (&body);
}

static void
signup_rejects_taken_email_case_insensitively (void **state)
{
  fx_t *fx = *state;
  bson_t body1;
  bson_t body2;
  bson_t account;
  bson_t member;
  mt_signin_job_t *job1;
  mt_signin_job_t *job2;
  mt_error_t error;

  /* Two sign-ups racing: both pass the early check, the store keeps one. */
  signup_body (fx, "camille@x.fr", PASSWORD, NULL, &body1);
  signup_body (fx, "Camille@X.fr", PASSWORD, NULL, &body2);
  job1 = mt_signup_prepare (&fx->ctx, &body1, &error);
  job2 = mt_signup_prepare (&fx->ctx, &body2, &error);
  assert_non_null (job1);
  assert_non_null (job2);
  mt_signin_job_run (job1);
  mt_signin_job_run (job2);
  assert_true (mt_signup_finish (&fx->ctx, job1, &account, &member, &error));
  bson_destroy (&account);
  bson_destroy (&member);
  assert_false (mt_signup_finish (&fx->ctx, job2, &account, &member, &error));
  assert_int_equal (error.code, MT_ERR_DUPLICATE);
  assert_true (bson_empty (&account));
  bson_destroy (&account);
  bson_destroy (&member);
  mt_signin_job_free (job1);
  mt_signin_job_free (job2);
  /* Later ones are refused before any hashing. */
  assert_false (signup (fx, "CAMILLE@x.FR", PASSWORD, NULL, NULL, &error));
  assert_int_equal (error.code, MT_ERR_DUPLICATE);
  assert_string_equal (error.path, "/email");
  bson_destroy (&body1);
  bson_destroy (&body2);
}

static void
signup_rejects_short_password_in_code_points (void **state)
{
  fx_t *fx = *state;
  mt_error_t error;

  /* Nine characters, eighteen bytes. */
  assert_false (signup (fx, EMAIL, "ééééééééé", NULL, NULL, &error));
  assert_int_equal (error.code, MT_ERR_VALIDATION);
  assert_string_equal (error.path, "/password");
  assert_true (signup (fx, EMAIL, "éééééééééé", NULL, NULL, &error));
}

/* --- sign-in ------------------------------------------------------------------------------ */

static void
login_succeeds_and_the_token_authenticates (void **state)
{
  fx_t *fx = *state;
  char account_id[MT_ID_SIZE];
  char member_id[MT_ID_SIZE];
  mt_session_t session;
  mt_principal_t principal;
  mt_error_t error;

  assert_true (signup (fx, EMAIL, PASSWORD, account_id, member_id, &error));
  assert_true (login (fx, "CAMILLE.martin@velo-solidaire.fr", PASSWORD, &session, &error));
  assert_true (strncmp (session.token, "v4.public.", 10) == 0);
  assert_int_equal (session.expires_at_ms, NOW - NOW % 1000 + INT64_C (3600000));
  assert_string_equal (mt_bson_str (&session.account, "id"), account_id);
  assert_false (mt_bson_has (&session.account, "password_hash"));
  assert_string_equal (mt_bson_str (&session.member, "id"), member_id);
  assert_true (authenticate (fx, session.token, &principal));
  assert_string_equal (principal.account_id, account_id);
  assert_string_equal (principal.member_id, member_id);
  assert_true (principal.is_manager);
  assert_false (principal.member_active); /* pending */
  mt_principal_destroy (&principal);
  mt_session_destroy (&session);
  assert_null (session.token);
}

static void
assert_same_error (const mt_error_t *a, const mt_error_t *b)
{
  assert_int_equal (a->code, b->code);
  assert_int_equal (a->domain, b->domain);
  assert_string_equal (a->message, b->message);
  assert_string_equal (a->message_fr, b->message_fr);
  assert_string_equal (a->path, b->path);
}

static void
login_failures_are_all_alike (void **state)
{
  fx_t *fx = *state;
  char account_id[MT_ID_SIZE];
  char member_id[MT_ID_SIZE];
  mt_session_t session;
  mt_error_t wrong;
  mt_error_t other;
  bson_t patch = BSON_INITIALIZER;

  fx->config.login_account_limit = 100;
  fx->config.login_address_limit = 100;
  mt_services_stop (&fx->env);
  assert_true (mt_services_start (&fx->env, NULL));
  assert_true (signup (fx, EMAIL, PASSWORD, account_id, member_id, &wrong));
  assert_false (login (fx, EMAIL, "wrong password!", &session, &wrong));
  assert_int_equal (wrong.code, MT_ERR_UNAUTHENTICATED);
  assert_null (session.token);
  /* Unknown, malformed, empty: the same error. */
  assert_false (login (fx, "nobody@velo-solidaire.fr", PASSWORD, &session, &other));
  assert_same_error (&wrong, &other);
  assert_false (login (fx, "not an e-mail", PASSWORD, &session, &other));
  assert_same_error (&wrong, &other);
  assert_false (login (fx, "   ", "", &session, &other));
  assert_same_error (&wrong, &other);
  /* Suspended member, right password: the same error. */
  BSON_APPEND_UTF8 (&patch, "status", "suspended");
  update_doc (fx, true, member_id, &patch);
  assert_false (login (fx, EMAIL, PASSWORD, &session, &other));
  assert_same_error (&wrong, &other);
  /* Account no longer active (removed), member back: the same error. */
  bson_reinit (&patch);
  BSON_APPEND_UTF8 (&patch, "status", "active");
  update_doc (fx, true, member_id, &patch);
  mt_session_destroy (&session);
  assert_true (login (fx, EMAIL, PASSWORD, &session, &other));
  mt_session_destroy (&session);
  bson_reinit (&patch);
  BSON_APPEND_UTF8 (&patch, "status", "removed");
  update_doc (fx, false, account_id, &patch);
  assert_false (login (fx, EMAIL, PASSWORD, &session, &other));
  assert_same_error (&wrong, &other);
  mt_session_destroy (&session);
  bson_destroy (&patch);
}

static void
login_is_rate_limited_per_email (void **state)
{
  fx_t *fx = *state;
  mt_error_t error;
  char *token;

  assert_true (signup (fx, EMAIL, PASSWORD, NULL, NULL, &error));
  for (int i = 0; i < 3; i++) {
    assert_login_refused (fx, EMAIL, "wrong password!", MT_ERR_UNAUTHENTICATED);
  }
  /* The fourth attempt is refused before any verification, even with the right password,
   * whatever the case of the e-mail. */
  fx->ctx.now_ms = NOW + 15000;
  {
    mt_session_t session;
    assert_false (login (fx, "Camille.Martin@velo-solidaire.fr", PASSWORD, &session, &error));
    assert_int_equal (error.code, MT_ERR_RATE_LIMITED);
    assert_int_equal (error.retry_after, 45);
    mt_session_destroy (&session);
  }
  /* Once the window has passed, the right password works. */
  fx->ctx.now_ms = NOW + 60000;
  token = login_ok (fx, EMAIL, PASSWORD);
  free (token);
}

static void
login_unknown_email_is_rate_limited_too (void **state)
{
  fx_t *fx = *state;

  for (int i = 0; i < 3; i++) {
    assert_login_refused (fx, "nobody@x.fr", "wrong password!", MT_ERR_UNAUTHENTICATED);
  }
  assert_login_refused (fx, "nobody@x.fr", "wrong password!", MT_ERR_RATE_LIMITED);
}

static void
login_success_resets_the_email_counter (void **state)
{
  fx_t *fx = *state;
  mt_error_t error;

  fx->config.login_address_limit = 100;
  mt_services_stop (&fx->env);
  assert_true (mt_services_start (&fx->env, NULL));
  assert_true (signup (fx, EMAIL, PASSWORD, NULL, NULL, &error));
  for (int round = 0; round < 3; round++) {
    assert_login_refused (fx, EMAIL, "wrong password!", MT_ERR_UNAUTHENTICATED);
    assert_login_refused (fx, EMAIL, "wrong password!", MT_ERR_UNAUTHENTICATED);
    free (login_ok (fx, EMAIL, PASSWORD));
  }
  for (int i = 0; i < 3; i++) {
    assert_login_refused (fx, EMAIL, "wrong password!", MT_ERR_UNAUTHENTICATED);
  }
  assert_login_refused (fx, EMAIL, PASSWORD, MT_ERR_RATE_LIMITED);
}

static void
login_is_rate_limited_per_address (void **state)
{
  fx_t *fx = *state;
  mt_error_t error;
  char email[64];

  assert_true (signup (fx, EMAIL, PASSWORD, NULL, NULL, &error));
  for (int i = 0; i < 5; i++) {
    snprintf (email, sizeof email, "guess-%d@x.fr", i);
    assert_login_refused (fx, email, "wrong password!", MT_ERR_UNAUTHENTICATED);
  }
  /* A sixth e-mail from the same address, even a real one with its password, waits. */
  assert_login_refused (fx, EMAIL, PASSWORD, MT_ERR_RATE_LIMITED);
  /* Another address is not concerned. */
  fx->ctx.client_addr = "198.51.100.7";
  free (login_ok (fx, EMAIL, PASSWORD));
}

static void
login_freed_job_gives_back_its_reservation (void **state)
{
  fx_t *fx = *state;
  bson_t body;
  mt_error_t error;

  parse ("{\"email\":\"nobody@x.fr\",\"password\":\"whatever-123\"}", &body);
  /* Jobs dropped without a verdict (worker pool full) count nothing. */
  for (int i = 0; i < 10; i++) {
    mt_signin_job_t *job = mt_login_prepare (&fx->ctx, &body, &error);
    assert_non_null (job);
    mt_signin_job_free (job);
  }
  /* Nor do jobs in flight linger: three real failures are still allowed. */
  for (int i = 0; i < 3; i++) {
    assert_login_refused (fx, "nobody@x.fr", "wrong password!", MT_ERR_UNAUTHENTICATED);
  }
  assert_login_refused (fx, "nobody@x.fr", "wrong password!", MT_ERR_RATE_LIMITED);
  bson_destroy (&body);
}

static void
login_rehashes_a_hash_with_old_costs (void **state)
{
  fx_t *fx = *state;
  char account_id[MT_ID_SIZE];
  char old_hash[MT_PASSWORD_HASH_SIZE];
  mt_config_t old_costs = fx->config;
  bson_t patch = BSON_INITIALIZER;
  bson_t stored;
  mt_error_t error;
  int64_t version;

  assert_true (signup (fx, EMAIL, PASSWORD, account_id, NULL, &error));
  old_costs.password_opslimit = 2;
  assert_true (mt_password_hash (&old_costs, PASSWORD, old_hash, &error));
  assert_true (mt_password_needs_rehash (&fx->config, old_hash));
  BSON_APPEND_UTF8 (&patch, "password_hash", old_hash);
  update_doc (fx, false, account_id, &patch);
  get_account (fx, account_id, &stored);
  version = mt_bson_int (&stored, "version", 0);
  bson_destroy (&stored);

  free (login_ok (fx, EMAIL, PASSWORD));
  get_account (fx, account_id, &stored);
  assert_int_equal (mt_bson_int (&stored, "version", 0), version + 1);
  assert_string_not_equal (mt_bson_str (&stored, "password_hash"), old_hash);
  assert_false (mt_password_needs_rehash (&fx->config, mt_bson_str (&stored, "password_hash")));
  bson_destroy (&stored);
  /* The new hash works; a second sign-in changes nothing more. */
  free (login_ok (fx, EMAIL, PASSWORD));
  get_account (fx, account_id, &stored);
  assert_int_equal (mt_bson_int (&stored, "version", 0), version + 1);
  bson_destroy (&stored);
  bson_destroy (&patch);
}

/* --- sign-out ----------------------------------------------------------------------------- */

static void
logout_revokes_the_token (void **state)
{
  fx_t *fx = *state;
  mt_principal_t principal;
  mt_error_t error;
  char *token;
  char *other;

  assert_true (signup (fx, EMAIL, PASSWORD, NULL, NULL, &error));
  token = login_ok (fx, EMAIL, PASSWORD);
  other = login_ok (fx, EMAIL, PASSWORD);
  assert_true (authenticate (fx, token, &principal));
  fx->ctx.principal = &principal;
  assert_true (mt_logout (&fx->ctx, &error));
  fx->ctx.principal = NULL;
  mt_principal_destroy (&principal);
  assert_false (authenticate (fx, token, &principal));
  mt_principal_destroy (&principal);
  /* Only that session ended. */
  assert_true (authenticate (fx, other, &principal));
  mt_principal_destroy (&principal);
  /* Without a caller there is nothing to revoke. */
  assert_false (mt_logout (&fx->ctx, &error));
  assert_int_equal (error.code, MT_ERR_UNAUTHENTICATED);
  free (token);
  free (other);
}

/* --- password change ---------------------------------------------------------------------- */

static bool
change_password (fx_t *fx, const char *token, const char *current, const char *next,
                 mt_session_t *session, mt_error_t *error)
{
  char json[512];
  bson_t body;
  mt_principal_t principal;
  mt_signin_job_t *job;
  bool ok = false;

  mt_session_init (session);
  if (!authenticate (fx, token, &principal)) {
    fail_msg ("the token does not authenticate");
  }
  snprintf (json, sizeof json, "{\"current_password\":\"%s\",\"new_password\":\"%s\"}", current,
            next);
  parse (json, &body);
  fx->ctx.principal = &principal;
  job = mt_password_change_prepare (&fx->ctx, &body, error);
  if (job) {
    mt_signin_job_run (job);
    ok = mt_password_change_finish (&fx->ctx, job, session, error);
    mt_signin_job_free (job);
  }
  fx->ctx.principal = NULL;
  mt_principal_destroy (&principal);
  bson_destroy (&body);
  return ok;
}

static void
password_change_ends_every_other_session (void **state)
{
  fx_t *fx = *state;
  const int64_t next_second = NOW - NOW % 1000 + 1000;
  char account_id[MT_ID_SIZE];
  mt_principal_t principal;
  mt_session_t session;
  mt_error_t error;
  bson_t stored;
  char *token;
  char *other;
  char *earlier;
  char *after;

  assert_true (signup (fx, EMAIL, PASSWORD, account_id, NULL, &error));
  fx->ctx.now_ms = NOW - 5000;
  earlier = login_ok (fx, EMAIL, PASSWORD);
  /* The other session and the change happen within the same second. */
  fx->ctx.now_ms = NOW;
  token = login_ok (fx, EMAIL, PASSWORD);
  other = login_ok (fx, EMAIL, PASSWORD);
  assert_true (change_password (fx, token, PASSWORD, "a new password 2026", &session, &error));
  assert_non_null (session.token);
  assert_int_equal (session.expires_at_ms, next_second + INT64_C (3600000));
  assert_false (mt_bson_has (&session.account, "password_hash"));
  get_account (fx, account_id, &stored);
  assert_int_equal (mt_bson_date (&stored, "tokens_not_before", 0), next_second);
  bson_destroy (&stored);
  /* The token used is revoked, the other sessions are too old, the new token works. */
  assert_false (authenticate (fx, token, &principal));
  mt_principal_destroy (&principal);
  assert_false (authenticate (fx, other, &principal));
  mt_principal_destroy (&principal);
  assert_false (authenticate (fx, earlier, &principal));
  mt_principal_destroy (&principal);
  assert_true (authenticate (fx, session.token, &principal));
  mt_principal_destroy (&principal);
  /* The old password no longer signs in; the new one does, within the same second too. */
  assert_login_refused (fx, EMAIL, PASSWORD, MT_ERR_UNAUTHENTICATED);
  after = login_ok (fx, EMAIL, "a new password 2026");
  assert_true (authenticate (fx, after, &principal));
  mt_principal_destroy (&principal);
  fx->ctx.now_ms = NOW + 2000;
  assert_true (authenticate (fx, after, &principal));
  mt_principal_destroy (&principal);
  mt_session_destroy (&session);
  free (token);
  free (other);
  free (earlier);
  free (after);
}

static void
password_change_refuses_a_wrong_current_password (void **state)
{
  fx_t *fx = *state;
  mt_principal_t principal;
  mt_session_t session;
  mt_error_t error;
  char *token;

  assert_true (signup (fx, EMAIL, PASSWORD, NULL, NULL, &error));
  token = login_ok (fx, EMAIL, PASSWORD);
  for (int i = 0; i < 3; i++) {
    assert_false (
      change_password (fx, token, "not the password", "a new password 2026", &session, &error));
    assert_int_equal (error.code, MT_ERR_UNAUTHENTICATED);
    assert_null (session.token);
    mt_session_destroy (&session);
  }
  /* Counted like failed sign-ins: the e-mail is now rate-limited. */
  assert_false (change_password (fx, token, PASSWORD, "a new password 2026", &session, &error));
  assert_int_equal (error.code, MT_ERR_RATE_LIMITED);
  mt_session_destroy (&session);
  /* Nothing changed: the token still works, the old password is still the password. */
  assert_true (authenticate (fx, token, &principal));
  mt_principal_destroy (&principal);
  fx->ctx.now_ms = NOW + 60000;
  free (login_ok (fx, EMAIL, PASSWORD));
  free (token);
}

static void
password_change_rejects_a_short_new_password (void **state)
{
  fx_t *fx = *state;
  mt_session_t session;
  mt_error_t error;
  char *token;

  assert_true (signup (fx, EMAIL, PASSWORD, NULL, NULL, &error));
  token = login_ok (fx, EMAIL, PASSWORD);
  assert_false (change_password (fx, token, PASSWORD, "short", &session, &error));
  assert_int_equal (error.code, MT_ERR_VALIDATION);
  assert_string_equal (error.path, "/new_password");
  mt_session_destroy (&session);
  free (token);
}

/* --- invitations -------------------------------------------------------------------------- */

static void
invitation_make_and_hash (void **state)
{
  char id[MT_ID_SIZE];
  char token[MT_INVITATION_TOKEN_SIZE];
  char hash[MT_INVITATION_HASH_HEX_SIZE];
  char again[MT_INVITATION_HASH_HEX_SIZE];
  char other[MT_INVITATION_TOKEN_SIZE];
  char small[MT_INVITATION_TOKEN_SIZE - 1];

  (void) state;
  mt_id_new ("acc", id);
  assert_true (mt_invitation_make (id, token, sizeof token, hash));
  assert_int_equal (strlen (token), MT_INVITATION_TOKEN_LEN);
  assert_memory_equal (token, id, MT_ID_LEN);
  assert_int_equal (token[MT_ID_LEN], '.');
  assert_int_equal (strlen (hash), 64);
  assert_int_equal (strspn (hash, "0123456789abcdef"), 64);
  mt_invitation_hash (token, again);
  assert_string_equal (hash, again);
  /* Fresh secrets each time. */
  assert_true (mt_invitation_make (id, other, sizeof other, again));
  assert_string_not_equal (token, other);
  assert_string_not_equal (hash, again);
  /* BLAKE2b-256 of "abc" (RFC 7693 test vector family, 32-byte output). */
  mt_invitation_hash ("abc", again);
  assert_string_equal (again, "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
  /* Bad ids and short buffers are refused, outputs emptied. */
  assert_false (mt_invitation_make ("mem_AAAAAAAAAAAAAAAAAAAAAA", other, sizeof other, again));
  assert_string_equal (other, "");
  assert_string_equal (again, "");
  assert_false (mt_invitation_make (id, small, sizeof small, again));
  assert_string_equal (small, "");
}

/* Creates an account invited into @member_id with a fresh token in @token. */
static void
invite (fx_t *fx, const char *member_id, const char *email, int64_t expires_at_ms,
        char account_id[MT_ID_SIZE], char token[MT_INVITATION_TOKEN_SIZE])
{
  mt_account_fields_t fields = {
    .member_id = member_id,
    .email = email,
    .name = "Dominique",
    .member_role = "staff",
    .platform_role = "member",
    .status = "invited",
    .password_hash = NULL,
  };
  char hash[MT_INVITATION_HASH_HEX_SIZE];
  bson_t account;
  bson_t invitation;
  mt_error_t error;

  assert_true (mt_account_build (&fields, fx->ctx.now_ms, &account, account_id, &error));
  assert_true (mt_invitation_make (account_id, token, MT_INVITATION_TOKEN_SIZE, hash));
  BSON_APPEND_DOCUMENT_BEGIN (&account, "invitation", &invitation);
  BSON_APPEND_UTF8 (&invitation, "token_hash", hash);
  BSON_APPEND_DATE_TIME (&invitation, "expires_at", expires_at_ms);
  BSON_APPEND_UTF8 (&invitation, "invited_by", "acc_AAAAAAAAAAAAAAAAAAAAAA");
  bson_append_document_end (&account, &invitation);
  if (!fx->store->ops->account_insert (fx->store, &account, &error)) {
    fail_msg ("account_insert: %s", error.message);
  }
  bson_destroy (&account);
}

static bool
accept (fx_t *fx, const char *token, const char *password, const char *name, bson_t *account,
        mt_error_t *error)
{
  char json[512];
  bson_t body;
  mt_signin_job_t *job;
  bool ok = false;

  if (name) {
    snprintf (json, sizeof json, "{\"token\":\"%s\",\"password\":\"%s\",\"name\":\"%s\"}", token,
              password, name);
  } else {
    snprintf (json, sizeof json, "{\"token\":\"%s\",\"password\":\"%s\"}", token, password);
  }
  parse (json, &body);
  bson_init (account);
  job = mt_invitation_accept_prepare (&fx->ctx, &body, error);
  if (job) {
    bson_destroy (account);
    mt_signin_job_run (job);
    ok = mt_invitation_accept_finish (&fx->ctx, job, account, error);
    mt_signin_job_free (job);
  }
  bson_destroy (&body);
  return ok;
}

static void
invitation_accept_activates_the_account (void **state)
{
  fx_t *fx = *state;
  char member_id[MT_ID_SIZE];
  char account_id[MT_ID_SIZE];
  char token[MT_INVITATION_TOKEN_SIZE];
  bson_t account;
  bson_t stored;
  mt_error_t error;

  assert_true (signup (fx, EMAIL, PASSWORD, NULL, member_id, &error));
  invite (fx, member_id, "dominique@velo-solidaire.fr", NOW + INT64_C (1000) * MT_INVITATION_TTL_S,
          account_id, token);
  /* An invited account cannot sign in yet. */
  assert_login_refused (fx, "dominique@velo-solidaire.fr", "", MT_ERR_UNAUTHENTICATED);
  fx->ctx.now_ms = NOW + 3600000;
  assert_true (accept (fx, token, "dominique's password", "Dominique Lefèvre", &account, &error));
  assert_string_equal (mt_bson_str (&account, "id"), account_id);
  assert_string_equal (mt_bson_str (&account, "status"), "active");
  assert_string_equal (mt_bson_str (&account, "name"), "Dominique Lefèvre");
  assert_false (mt_bson_has (&account, "invitation"));
  assert_false (mt_bson_has (&account, "password_hash"));
  bson_destroy (&account);
  get_account (fx, account_id, &stored);
  assert_string_equal (mt_bson_str (&stored, "status"), "active");
  assert_false (mt_bson_has (&stored, "invitation"));
  assert_string_equal (mt_bson_str (&stored, "member_role"), "staff");
  bson_destroy (&stored);
  free (login_ok (fx, "dominique@velo-solidaire.fr", "dominique's password"));
}

static void
invitation_unusable_ones_are_not_found_alike (void **state)
{
  fx_t *fx = *state;
  char member_id[MT_ID_SIZE];
  char account_id[MT_ID_SIZE];
  char token[MT_INVITATION_TOKEN_SIZE];
  char expired_id[MT_ID_SIZE];
  char expired[MT_INVITATION_TOKEN_SIZE];
  char forged[MT_INVITATION_TOKEN_SIZE + 8];
  char unknown_id[MT_ID_SIZE];
  bson_t account;
  mt_error_t first;
  mt_error_t error;

  assert_true (signup (fx, EMAIL, PASSWORD, NULL, member_id, &error));
  invite (fx, member_id, "dominique@x.fr", NOW + 1000, account_id, token);
  invite (fx, member_id, "old@x.fr", NOW, expired_id, expired);

  /* A wrong secret for a real account. */
  snprintf (forged, sizeof forged, "%s", token);
  forged[MT_ID_LEN + 1] = forged[MT_ID_LEN + 1] == 'A' ? 'B' : 'A';
  assert_false (accept (fx, forged, "a good password", NULL, &account, &first));
  assert_int_equal (first.code, MT_ERR_NOT_FOUND);
  bson_destroy (&account);
  /* Expired (expires_at is not after now). */
  assert_false (accept (fx, expired, "a good password", NULL, &account, &error));
  assert_same_error (&first, &error);
  bson_destroy (&account);
  /* Unknown account, malformed tokens. */
  mt_id_new ("acc", unknown_id);
  snprintf (forged, sizeof forged, "%s%s", unknown_id, token + MT_ID_LEN);
  assert_false (accept (fx, forged, "a good password", NULL, &account, &error));
  assert_same_error (&first, &error);
  bson_destroy (&account);
  assert_false (accept (fx, "garbage", "a good password", NULL, &account, &error));
  assert_same_error (&first, &error);
  bson_destroy (&account);
  assert_false (accept (fx, account_id, "a good password", NULL, &account, &error));
  assert_same_error (&first, &error);
  bson_destroy (&account);
  /* The real one works once, and only once. */
  assert_true (accept (fx, token, "a good password", NULL, &account, &error));
  bson_destroy (&account);
  assert_false (accept (fx, token, "another password", NULL, &account, &error));
  assert_same_error (&first, &error);
  bson_destroy (&account);
  /* The invitation of an active account (never invited) is not found either. */
  assert_true (signup (fx, "other@x.fr", PASSWORD, unknown_id, NULL, &error));
  snprintf (forged, sizeof forged, "%s%s", unknown_id, token + MT_ID_LEN);
  assert_false (accept (fx, forged, "a good password", NULL, &account, &error));
  assert_same_error (&first, &error);
  bson_destroy (&account);
  /* A short password is a validation error, whatever the invitation. */
  assert_false (accept (fx, "garbage", "short", NULL, &account, &error));
  assert_int_equal (error.code, MT_ERR_VALIDATION);
  assert_string_equal (error.path, "/password");
  bson_destroy (&account);
}

static void
invitation_accepted_meanwhile_is_not_found (void **state)
{
  fx_t *fx = *state;
  char member_id[MT_ID_SIZE];
  char account_id[MT_ID_SIZE];
  char token[MT_INVITATION_TOKEN_SIZE];
  char json[256];
  bson_t body;
  bson_t account;
  mt_signin_job_t *slow;
  mt_error_t error;

  assert_true (signup (fx, EMAIL, PASSWORD, NULL, member_id, &error));
  invite (fx, member_id, "dominique@x.fr", NOW + 1000, account_id, token);
  snprintf (json, sizeof json, "{\"token\":\"%s\",\"password\":\"first password\"}", token);
  parse (json, &body);
  slow = mt_invitation_accept_prepare (&fx->ctx, &body, &error);
  assert_non_null (slow);
  /* Another acceptance wins while the first is hashing. */
  assert_true (accept (fx, token, "second password", NULL, &account, &error));
  bson_destroy (&account);
  mt_signin_job_run (slow);
  assert_false (mt_invitation_accept_finish (&fx->ctx, slow, &account, &error));
  assert_int_equal (error.code, MT_ERR_NOT_FOUND);
  bson_destroy (&account);
  mt_signin_job_free (slow);
  free (login_ok (fx, "dominique@x.fr", "second password"));
  assert_login_refused (fx, "dominique@x.fr", "first password", MT_ERR_UNAUTHENTICATED);
  bson_destroy (&body);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST_FX ("signin/signup/creates_pending_member_and_manager",
                signup_creates_pending_member_and_manager),
    MT_TEST_FX ("signin/signup/rejects_unknown_network", signup_rejects_unknown_network),
    MT_TEST_FX ("signin/signup/rejects_taken_email_case_insensitively",
                signup_rejects_taken_email_case_insensitively),
    MT_TEST_FX ("signin/signup/rejects_short_password_in_code_points",
                signup_rejects_short_password_in_code_points),
    MT_TEST_FX ("signin/login/succeeds_and_the_token_authenticates",
                login_succeeds_and_the_token_authenticates),
    MT_TEST_FX ("signin/login/failures_are_all_alike", login_failures_are_all_alike),
    MT_TEST_FX ("signin/login/rate_limited_per_email", login_is_rate_limited_per_email),
    MT_TEST_FX ("signin/login/unknown_email_is_rate_limited_too",
                login_unknown_email_is_rate_limited_too),
    MT_TEST_FX ("signin/login/success_resets_the_email_counter",
                login_success_resets_the_email_counter),
    MT_TEST_FX ("signin/login/rate_limited_per_address", login_is_rate_limited_per_address),
    MT_TEST_FX ("signin/login/freed_job_gives_back_its_reservation",
                login_freed_job_gives_back_its_reservation),
    MT_TEST_FX ("signin/login/rehashes_a_hash_with_old_costs",
                login_rehashes_a_hash_with_old_costs),
    MT_TEST_FX ("signin/logout/revokes_the_token", logout_revokes_the_token),
    MT_TEST_FX ("signin/password/change_ends_every_other_session",
                password_change_ends_every_other_session),
    MT_TEST_FX ("signin/password/refuses_a_wrong_current_password",
                password_change_refuses_a_wrong_current_password),
    MT_TEST_FX ("signin/password/rejects_a_short_new_password",
                password_change_rejects_a_short_new_password),
    MT_TEST ("signin/invitation/make_and_hash", invitation_make_and_hash),
    MT_TEST_FX ("signin/invitation/accept_activates_the_account",
                invitation_accept_activates_the_account),
    MT_TEST_FX ("signin/invitation/unusable_ones_are_not_found_alike",
                invitation_unusable_ones_are_not_found_alike),
    MT_TEST_FX ("signin/invitation/accepted_meanwhile_is_not_found",
                invitation_accepted_meanwhile_is_not_found),
  };
  return cmocka_run_group_tests_name ("signin", tests, NULL, NULL);
}
