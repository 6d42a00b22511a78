/*
 * signin: sign-up, sign-in, sign-out, password change and invitation acceptance.
 *
 * Each flow that needs Argon2id is a job in three steps (see signin.h): prepare on the loop
 * thread, mt_signin_job_run on a worker, finish on the loop thread. The job carries
 * everything the worker needs (copies of the passwords and of the hash, the cost settings),
 * so the worker never touches the store or the request.
 *
 * Rate limits (sign-in and password change): an attempt is reserved in both limiters
 * (e-mail, client address) before any password is verified; its outcome is recorded by
 * finish, or the reservation is given back when the job is freed without a verdict.
 */
#include "signin.h"

#include "accounts.h"
#include "keyring.h"
#include "members.h"
#include "mt_bson.h"
#include "mt_log.h"
#include "passwords.h"
#include "ratelimit.h"
#include "tokens.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define MT_LOG_DOMAIN "signin"

/* Compare-and-set rounds before a write gives up with MT_ERR_STALE. */
#define MT_SIGNIN_CAS_ATTEMPTS 4

typedef enum {
  MT_SIGNIN_SIGNUP,
  MT_SIGNIN_LOGIN,
  MT_SIGNIN_PASSWORD,
  MT_SIGNIN_INVITATION,
} mt_signin_kind_t;

struct mt_signin_job {
  mt_signin_kind_t kind;
  const mt_config_t *config;
  /* Limiters in which this job holds a reserved attempt (NULL when none), and its keys. */
  struct mt_ratelimit *rl_account;
  struct mt_ratelimit *rl_address;
  char account_key[MT_EMAIL_MAX + 1]; /* normalised e-mail */
  char address_key[64];               /* client address */
  /* Secrets, wiped as soon as the worker is done with them. */
  char *password;                       /* verified (sign-in, current) or hashed (others) */
  char *new_password;                   /* password change */
  char hash[MT_PASSWORD_HASH_SIZE];     /* to verify against */
  char new_hash[MT_PASSWORD_HASH_SIZE]; /* made by the worker */
  /* Outcome of the worker. */
  bool known; /* sign-in, password change: @hash is the account's, not the dummy */
  bool verified;
  bool hashed;
  mt_error_t work_error;
  /* What finish needs. */
  char account_id[MT_ID_SIZE];
  char token_hash[MT_INVITATION_HASH_HEX_SIZE]; /* invitation */
  bson_t doc; /* sign-up: the body without its password; invitation: {name?} */
};

/* --- sessions ------------------------------------------------------------------------------- */

void
mt_session_init (mt_session_t *session)
{
  memset (session, 0, sizeof *session);
  bson_init (&session->account);
  bson_init (&session->member);
}

void
mt_session_destroy (mt_session_t *session)
{
  if (session->token) {
    sodium_memzero (session->token, strlen (session->token));
    free (session->token);
  }
  bson_destroy (&session->account);
  bson_destroy (&session->member);
  mt_session_init (session);
}

/* --- jobs ----------------------------------------------------------------------------------- */

static void
mt_signin_secret_free (char **secret)
{
  if (*secret) {
    sodium_memzero (*secret, strlen (*secret));
    free (*secret);
    *secret = NULL;
  }
}

static bool
mt_signin_secret_copy (char **dst, const char *src)
{
  size_t len = strlen (src);

  *dst = malloc (len + 1);
  if (!*dst) {
    return false;
  }
  memcpy (*dst, src, len + 1);
  return true;
}

/* A new job of @kind; NULL with @error set on allocation failure. */
static mt_signin_job_t *
mt_signin_job_new (mt_signin_kind_t kind, const mt_ctx_t *ctx, const char *password,
                   const char *new_password, mt_error_t *error)
{
  mt_signin_job_t *job = calloc (1, sizeof *job);

  if (job) {
    job->kind = kind;
    job->config = ctx->env->config;
    bson_init (&job->doc);
    if (!mt_signin_secret_copy (&job->password, password) ||
        (new_password && !mt_signin_secret_copy (&job->new_password, new_password))) {
      mt_signin_job_free (job);
      job = NULL;
    }
  }
  if (!job) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNAVAILABLE, "mémoire insuffisante",
                  "out of memory");
  }
  return job;
}

/* Gives back the reserved attempts without counting anything. */
static void
mt_signin_limits_release (mt_signin_job_t *job)
{
  if (job->rl_account) {
    mt_ratelimit_release (job->rl_account, job->account_key);
    job->rl_account = NULL;
  }
  if (job->rl_address) {
    mt_ratelimit_release (job->rl_address, job->address_key);
    job->rl_address = NULL;
  }
}

/* Records the verdict of the reserved attempts: a success forgets the e-mail's failures (not
 * the address's: one good account must not clear a guesser's address), a failure counts. */
static void
mt_signin_limits_conclude (mt_signin_job_t *job, bool success, int64_t now_ms)
{
  if (job->rl_account) {
    if (success) {
      mt_ratelimit_reset (job->rl_account, job->account_key);
    } else {
      mt_ratelimit_fail (job->rl_account, job->account_key, now_ms);
    }
    job->rl_account = NULL;
  }
  if (job->rl_address) {
    if (success) {
      mt_ratelimit_release (job->rl_address, job->address_key);
    } else {
      mt_ratelimit_fail (job->rl_address, job->address_key, now_ms);
    }
    job->rl_address = NULL;
  }
}

/* Reserves one attempt for job->account_key and the client address, or refuses with
 * MT_ERR_RATE_LIMITED. */
static bool
mt_signin_limits_acquire (mt_signin_job_t *job, const mt_ctx_t *ctx, mt_error_t *error)
{
  struct mt_ratelimit *by_account = ctx->env->ratelimit_account;
  struct mt_ratelimit *by_address = ctx->env->ratelimit_address;
  uint32_t retry = 0;
  bool ok = false;

  snprintf (job->address_key, sizeof job->address_key, "%s",
            ctx->client_addr ? ctx->client_addr : "");
  if (by_account) {
    if (!mt_ratelimit_check (by_account, job->account_key, ctx->now_ms, &retry)) {
      MT_WARN ("sign-in refused: too many failures for one account");
      goto done;
    }
    job->rl_account = by_account;
  }
  if (by_address) {
    if (!mt_ratelimit_check (by_address, job->address_key, ctx->now_ms, &retry)) {
      MT_WARN ("sign-in refused: too many failures from one address");
      goto done;
    }
    job->rl_address = by_address;
  }
  ok = true;
done:
  if (!ok) {
    mt_signin_limits_release (job);
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_RATE_LIMITED,
                  "trop de tentatives de connexion échouées : réessayez plus tard",
                  "too many failed sign-in attempts: try again later");
    if (error) {
      error->retry_after = retry ? retry : 1;
    }
  }
  return ok;
}

void
mt_signin_job_free (mt_signin_job_t *job)
{
  if (!job) {
    return;
  }
  mt_signin_limits_release (job);
  mt_signin_secret_free (&job->password);
  mt_signin_secret_free (&job->new_password);
  bson_destroy (&job->doc);
  sodium_memzero (job, sizeof *job);
  free (job);
}

void
mt_signin_job_run (void *arg)
{
  mt_signin_job_t *job = arg;

  switch (job->kind) {
  case MT_SIGNIN_LOGIN:
    /* Always verify, against the dummy hash when the account is unknown: same work. */
    job->verified = mt_password_verify (job->hash, job->password) && job->known;
    if (job->verified && mt_password_needs_rehash (job->config, job->hash)) {
      job->hashed = mt_password_hash (job->config, job->password, job->new_hash, &job->work_error);
    }
    break;
  case MT_SIGNIN_PASSWORD:
    job->verified = mt_password_verify (job->hash, job->password) && job->known;
    if (job->verified) {
      job->hashed =
        mt_password_hash (job->config, job->new_password, job->new_hash, &job->work_error);
    }
    break;
  case MT_SIGNIN_SIGNUP:
  case MT_SIGNIN_INVITATION:
  default:
    job->hashed = mt_password_hash (job->config, job->password, job->new_hash, &job->work_error);
    break;
  }
  mt_signin_secret_free (&job->password);
  mt_signin_secret_free (&job->new_password);
}

/* --- shared helpers ----------------------------------------------------------------------- */

static bool
mt_signin_wrong_kind (const mt_signin_job_t *job, mt_signin_kind_t kind, mt_error_t *error)
{
  if (!job || job->kind != kind) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "tâche de connexion invalide",
                  "invalid sign-in job");
    return true;
  }
  return false;
}

static void
mt_signin_bad_body (mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_BAD_REQUEST, "corps de requête incomplet",
                "incomplete request body");
}

/* The one answer to every failed sign-in. */
static void
mt_signin_refuse (mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNAUTHENTICATED,
                "adresse e-mail ou mot de passe incorrect", "wrong e-mail address or password");
}

/* An account may sign in: active, with a password hash that fits. */
static bool
mt_signin_account_usable (const bson_t *account)
{
  const char *hash = mt_bson_str (account, "password_hash");
  return mt_bson_str_eq (account, "status", "active") && hash && *hash &&
         strlen (hash) < MT_PASSWORD_HASH_SIZE;
}

/* A member whose accounts may sign in: active, or pending approval. */
static bool
mt_signin_member_usable (const bson_t *member)
{
  return mt_bson_str_eq (member, "status", "active") ||
         mt_bson_str_eq (member, "status", "pending");
}

/* @account with @patch applied and its version raised, as the store keeps it after a
 * successful update. */
static void
mt_signin_patched (const bson_t *account, const bson_t *patch, bson_t *out)
{
  bson_t with_version = BSON_INITIALIZER;

  bson_concat (&with_version, patch);
  BSON_APPEND_INT64 (&with_version, "version", mt_bson_int (account, "version", 0) + 1);
  mt_bson_merge (account, &with_version, out);
  bson_destroy (&with_version);
}

/*
 * Issues a token for @account_id / @member_id into @out->token and @out->expires_at_ms, dated
 * now, or @not_before_ms when later (at most a second ahead after a password change, well
 * within the verifiers' clock skew), so that it is never older than the account's
 * tokens_not_before.
 */
static bool
mt_signin_issue (const mt_ctx_t *ctx, const char *account_id, const char *member_id,
                 int64_t not_before_ms, mt_session_t *out, mt_error_t *error)
{
  struct mt_keyring *keyring = mt_service_env_keyring (ctx->env);
  mt_token_claims_t claims;
  bool ok = false;

  if (!keyring) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNAVAILABLE, "clés de signature indisponibles",
                  "signing keys unavailable");
    goto done;
  }
  if (!mt_token_issue (keyring, account_id, member_id,
                       not_before_ms > ctx->now_ms ? not_before_ms : ctx->now_ms,
                       ctx->env->config->token_ttl_s, &out->token, &claims, error)) {
    goto done;
  }
  out->expires_at_ms = claims.exp_ms;
  ok = true;
done:
  mt_keyring_unref (keyring);
  return ok;
}

/* --- sign-up -------------------------------------------------------------------------------- */

/* Every id of member.networks names a stored network (MT_ERR_UNPROCESSABLE otherwise). */
static bool
mt_signup_check_networks (const mt_ctx_t *ctx, const bson_t *body, mt_error_t *error)
{
  bson_iter_t it;
  bson_iter_t child;
  bson_t network = BSON_INITIALIZER;
  mt_error_t store_error;
  unsigned index = 0;
  bool ok = false;

  if (!bson_iter_init (&it, body) || !bson_iter_find_descendant (&it, "member.networks", &it) ||
      !BSON_ITER_HOLDS_ARRAY (&it) || !bson_iter_recurse (&it, &child)) {
    mt_signin_bad_body (error);
    goto done;
  }
  while (bson_iter_next (&child)) {
    char path[64];
    if (!BSON_ITER_HOLDS_UTF8 (&child)) {
      mt_signin_bad_body (error);
      goto done;
    }
    bson_destroy (&network);
    if (!ctx->store->ops->network_get (ctx->store, bson_iter_utf8 (&child, NULL), &network,
                                       &store_error)) {
      if (store_error.code != MT_ERR_NOT_FOUND) {
        mt_error_copy (error, &store_error);
        goto done;
      }
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE, "réseau inconnu : %s",
                    "unknown network: %s", bson_iter_utf8 (&child, NULL));
      snprintf (path, sizeof path, "/member/networks/%u", index);
      mt_error_set_path (error, path);
      goto done;
    }
    index++;
  }
  ok = true;
done:
  bson_destroy (&network);
  return ok;
}

static void
mt_signup_duplicate (mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_DUPLICATE, "cette adresse e-mail a déjà un compte",
                "this e-mail address already has an account");
  mt_error_set_path (error, "/email");
}

mt_signin_job_t *
mt_signup_prepare (const mt_ctx_t *ctx, const bson_t *body, mt_error_t *error)
{
  static const char *const secret_fields[] = { "password", NULL };
  const char *email = mt_bson_str (body, "email");
  const char *password = mt_bson_str (body, "password");
  char key[MT_EMAIL_MAX + 1];
  mt_signin_job_t *job = NULL;
  bson_t existing = BSON_INITIALIZER;
  mt_error_t store_error;
  bool ok = false;

  if (!email || !password || !mt_bson_str (body, "name")) {
    mt_signin_bad_body (error);
    goto done;
  }
  if (!mt_password_check_policy (password, "/password", error)) {
    goto done;
  }
  if (!mt_email_key (email, key)) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION, "adresse e-mail invalide",
                  "invalid e-mail address");
    mt_error_set_path (error, "/email");
    goto done;
  }
  if (!mt_signup_check_networks (ctx, body, error)) {
    goto done;
  }
  /* Taken already? Say so before spending a hash (the insert checks again). */
  bson_destroy (&existing);
  if (ctx->store->ops->account_find_by_email (ctx->store, key, &existing, &store_error)) {
    mt_signup_duplicate (error);
    goto done;
  }
  if (store_error.code != MT_ERR_NOT_FOUND) {
    mt_error_copy (error, &store_error);
    goto done;
  }
  job = mt_signin_job_new (MT_SIGNIN_SIGNUP, ctx, password, NULL, error);
  if (!job) {
    goto done;
  }
  bson_destroy (&job->doc);
  mt_bson_copy_without (body, &job->doc, secret_fields);
  ok = true;
done:
  if (!ok) {
    mt_signin_job_free (job);
    job = NULL;
  }
  bson_destroy (&existing);
  return job;
}

bool
mt_signup_finish (const mt_ctx_t *ctx, mt_signin_job_t *job, bson_t *account_out,
                  bson_t *member_out, mt_error_t *error)
{
  char member_id[MT_ID_SIZE];
  bson_t profile;
  bson_iter_t it;
  bson_t member = BSON_INITIALIZER;
  bson_t account = BSON_INITIALIZER;
  mt_account_fields_t fields;
  mt_error_t store_error;
  const uint8_t *data = NULL;
  uint32_t len = 0;
  bool ok = false;

  bson_init (account_out);
  bson_init (member_out);
  if (mt_signin_wrong_kind (job, MT_SIGNIN_SIGNUP, error)) {
    goto done;
  }
  if (!job->hashed) {
    mt_error_copy (error, &job->work_error);
    goto done;
  }
  if (!bson_iter_init_find (&it, &job->doc, "member") || !BSON_ITER_HOLDS_DOCUMENT (&it)) {
    mt_signin_bad_body (error);
    goto done;
  }
  bson_iter_document (&it, &len, &data);
  if (!bson_init_static (&profile, data, len)) {
    mt_signin_bad_body (error);
    goto done;
  }
  bson_destroy (&member);
  mt_member_build (&profile, "pending", ctx->now_ms, &member, member_id);
  fields = (mt_account_fields_t){
    .member_id = member_id,
    .email = mt_bson_str (&job->doc, "email"),
    .name = mt_bson_str (&job->doc, "name"),
    .member_role = "manager",
    .platform_role = "member",
    .status = "active",
    .password_hash = job->new_hash,
  };
  if (!fields.email || !fields.name) {
    mt_signin_bad_body (error);
    goto done;
  }
  bson_destroy (&account);
  if (!mt_account_build (&fields, ctx->now_ms, &account, NULL, error)) {
    goto done;
  }
  if (!ctx->store->ops->member_insert (ctx->store, &member, &account, &store_error)) {
    if (store_error.code == MT_ERR_DUPLICATE) {
      mt_signup_duplicate (error);
    } else {
      mt_error_copy (error, &store_error);
    }
    goto done;
  }
  MT_INFO ("sign-up: member %s created (pending) with account %s", member_id,
           mt_bson_str (&account, "id"));
  bson_destroy (account_out);
  mt_account_public_view (&account, account_out);
  bson_destroy (member_out);
  bson_copy_to (&member, member_out);
  ok = true;
done:
  if (job) {
    sodium_memzero (job->new_hash, sizeof job->new_hash);
  }
  bson_destroy (&member);
  bson_destroy (&account);
  return ok;
}

/* --- sign-in -------------------------------------------------------------------------------- */

mt_signin_job_t *
mt_login_prepare (const mt_ctx_t *ctx, const bson_t *body, mt_error_t *error)
{
  const char *email = mt_bson_str (body, "email");
  const char *password = mt_bson_str (body, "password");
  mt_signin_job_t *job = NULL;
  bson_t account = BSON_INITIALIZER;
  mt_error_t store_error;
  bool ok = false;

  if (!email || !password) {
    mt_signin_bad_body (error);
    goto done;
  }
  job = mt_signin_job_new (MT_SIGNIN_LOGIN, ctx, password, NULL, error);
  if (!job) {
    goto done;
  }
  /* A malformed e-mail is looked up and counted like an unknown one: same answer. */
  if (!mt_email_key (email, job->account_key)) {
    job->account_key[0] = '\0';
  }
  if (!mt_signin_limits_acquire (job, ctx, error)) {
    goto done;
  }
  bson_destroy (&account);
  if (ctx->store->ops->account_find_by_email (ctx->store, job->account_key, &account,
                                              &store_error)) {
    const char *id = mt_bson_str (&account, "id");
    if (mt_signin_account_usable (&account) && id && strlen (id) < sizeof job->account_id) {
      job->known = true;
      snprintf (job->account_id, sizeof job->account_id, "%s", id);
      snprintf (job->hash, sizeof job->hash, "%s", mt_bson_str (&account, "password_hash"));
    }
  } else if (store_error.code != MT_ERR_NOT_FOUND) {
    mt_error_copy (error, &store_error);
    goto done;
  }
  if (!job->known) {
    snprintf (job->hash, sizeof job->hash, "%s", ctx->env->dummy_password_hash);
  }
  ok = true;
done:
  if (!ok) {
    mt_signin_job_free (job);
    job = NULL;
  }
  bson_destroy (&account);
  return job;
}

/* Upgrades the account's hash to the current cost settings; a lost race or a store error
 * only means the upgrade waits for the next sign-in. Updates @account when stored. */
static void
mt_login_rehash (const mt_ctx_t *ctx, mt_signin_job_t *job, bson_t *account)
{
  bson_t patch = BSON_INITIALIZER;
  bson_t updated = BSON_INITIALIZER;
  mt_error_t store_error;

  BSON_APPEND_UTF8 (&patch, "password_hash", job->new_hash);
  bson_destroy (&updated);
  mt_signin_patched (account, &patch, &updated);
  if (ctx->store->ops->account_update (
        ctx->store, job->account_id, mt_bson_int (account, "version", 0), &updated, &store_error)) {
    bson_destroy (account);
    bson_steal (account, &updated);
    bson_init (&updated);
    MT_INFO ("password hash of account %s upgraded to the current costs", job->account_id);
  } else if (store_error.code != MT_ERR_STALE) {
    MT_WARN ("password hash of account %s not upgraded: %s", job->account_id, store_error.message);
  }
  sodium_memzero (job->new_hash, sizeof job->new_hash);
  bson_destroy (&patch);
  bson_destroy (&updated);
}

bool
mt_login_finish (const mt_ctx_t *ctx, mt_signin_job_t *job, mt_session_t *out, mt_error_t *error)
{
  bson_t account = BSON_INITIALIZER;
  bson_t member = BSON_INITIALIZER;
  mt_error_t store_error;
  char member_id[MT_ID_SIZE];
  int64_t not_before;
  bool refused = false; /* a failed attempt, counted */
  bool ok = false;

  mt_session_init (out);
  if (mt_signin_wrong_kind (job, MT_SIGNIN_LOGIN, error)) {
    goto done;
  }
  if (!job->verified) {
    refused = true;
    goto done;
  }
  /* Read again: the account may have changed while the worker verified. */
  bson_destroy (&account);
  if (!ctx->store->ops->account_get (ctx->store, job->account_id, &account, &store_error)) {
    refused = store_error.code == MT_ERR_NOT_FOUND;
    if (!refused) {
      mt_error_copy (error, &store_error);
    }
    goto done;
  }
  if (!mt_signin_account_usable (&account) ||
      strcmp (mt_bson_str (&account, "password_hash"), job->hash) != 0 ||
      !mt_id_is_valid (mt_bson_str (&account, "member_id"), NULL)) {
    refused = true;
    goto done;
  }
  /* Copied: the account document is replaced when the hash is upgraded. */
  memcpy (member_id, mt_bson_str (&account, "member_id"), MT_ID_SIZE);
  bson_destroy (&member);
  if (!ctx->store->ops->member_get (ctx->store, member_id, &member, &store_error)) {
    refused = store_error.code == MT_ERR_NOT_FOUND;
    if (!refused) {
      mt_error_copy (error, &store_error);
    }
    goto done;
  }
  if (!mt_signin_member_usable (&member)) {
    refused = true; /* suspended or deleted: the same answer as a wrong password */
    goto done;
  }
  if (job->hashed) {
    mt_login_rehash (ctx, job, &account);
  }
  /* Dated no earlier than the account's or the member's revocation instant. */
  not_before = mt_bson_date (&account, "tokens_not_before", 0);
  if (mt_member_tokens_not_before (&member) > not_before) {
    not_before = mt_member_tokens_not_before (&member);
  }
  if (!mt_signin_issue (ctx, job->account_id, member_id, not_before, out, error)) {
    goto done;
  }
  bson_destroy (&out->account);
  mt_account_public_view (&account, &out->account);
  bson_destroy (&out->member);
  bson_steal (&out->member, &member);
  bson_init (&member);
  mt_signin_limits_conclude (job, true, ctx->now_ms);
  MT_INFO ("account %s signed in", job->account_id);
  ok = true;
done:
  if (!ok) {
    mt_session_destroy (out);
    if (refused) {
      mt_signin_limits_conclude (job, false, ctx->now_ms);
      mt_signin_refuse (error);
    }
  }
  if (job) {
    sodium_memzero (job->new_hash, sizeof job->new_hash);
  }
  bson_destroy (&account);
  bson_destroy (&member);
  return ok;
}

/* --- sign-out ------------------------------------------------------------------------------- */

bool
mt_logout (const mt_ctx_t *ctx, mt_error_t *error)
{
  const mt_principal_t *principal = ctx->principal;

  if (!principal || !principal->jti[0]) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNAUTHENTICATED, "connexion requise",
                  "sign-in required");
    return false;
  }
  if (!ctx->store->ops->token_revoke (ctx->store, principal->jti, principal->token_exp_ms, error)) {
    return false;
  }
  MT_INFO ("account %s signed out", principal->account_id);
  return true;
}

/* --- password change ------------------------------------------------------------------------ */

mt_signin_job_t *
mt_password_change_prepare (const mt_ctx_t *ctx, const bson_t *body, mt_error_t *error)
{
  const mt_principal_t *principal = ctx->principal;
  const char *current = mt_bson_str (body, "current_password");
  const char *next = mt_bson_str (body, "new_password");
  const char *hash;
  const char *key;
  mt_signin_job_t *job = NULL;
  bool ok = false;

  if (!principal) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNAUTHENTICATED, "connexion requise",
                  "sign-in required");
    goto done;
  }
  if (!current || !next) {
    mt_signin_bad_body (error);
    goto done;
  }
  if (!mt_password_check_policy (next, "/new_password", error)) {
    goto done;
  }
  job = mt_signin_job_new (MT_SIGNIN_PASSWORD, ctx, current, next, error);
  if (!job) {
    goto done;
  }
  key = mt_bson_str (&principal->account, "email_key");
  snprintf (job->account_key, sizeof job->account_key, "%s", key ? key : principal->account_id);
  if (!mt_signin_limits_acquire (job, ctx, error)) {
    goto done;
  }
  snprintf (job->account_id, sizeof job->account_id, "%s", principal->account_id);
  hash = mt_bson_str (&principal->account, "password_hash");
  job->known = mt_signin_account_usable (&principal->account);
  snprintf (job->hash, sizeof job->hash, "%s",
            job->known && hash ? hash : ctx->env->dummy_password_hash);
  ok = true;
done:
  if (!ok) {
    mt_signin_job_free (job);
    job = NULL;
  }
  return job;
}

bool
mt_password_change_finish (const mt_ctx_t *ctx, mt_signin_job_t *job, mt_session_t *out,
                           mt_error_t *error)
{
  const mt_principal_t *principal = ctx->principal;
  bson_t account = BSON_INITIALIZER;
  bson_t patch = BSON_INITIALIZER;
  bson_t updated = BSON_INITIALIZER;
  mt_error_t store_error;
  bool refused = false;
  bool stored = false;
  bool ok = false;

  mt_session_init (out);
  if (mt_signin_wrong_kind (job, MT_SIGNIN_PASSWORD, error)) {
    goto done;
  }
  if (!principal || strcmp (principal->account_id, job->account_id) != 0) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "appelant inattendu",
                  "unexpected caller");
    goto done;
  }
  if (!job->verified) {
    refused = true;
    goto done;
  }
  if (!job->hashed) {
    mt_error_copy (error, &job->work_error);
    goto done;
  }
  for (int attempt = 0; !stored && attempt < MT_SIGNIN_CAS_ATTEMPTS; attempt++) {
    bson_reinit (&patch);
    bson_destroy (&account);
    if (!ctx->store->ops->account_get (ctx->store, job->account_id, &account, error)) {
      goto done;
    }
    if (!mt_signin_account_usable (&account) ||
        strcmp (mt_bson_str (&account, "password_hash"), job->hash) != 0) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_CONFLICT,
                    "le mot de passe a été changé entre-temps",
                    "the password was changed meanwhile");
      goto done;
    }
    BSON_APPEND_UTF8 (&patch, "password_hash", job->new_hash);
    /* Every token issued so far stops working (auth.c compares iat with it). */
    BSON_APPEND_DATE_TIME (&patch, "tokens_not_before", mt_token_revocation_instant (ctx->now_ms));
    BSON_APPEND_DATE_TIME (&patch, "updated_at", ctx->now_ms);
    bson_destroy (&updated);
    mt_signin_patched (&account, &patch, &updated);
    if (ctx->store->ops->account_update (ctx->store, job->account_id,
                                         mt_bson_int (&account, "version", 0), &updated,
                                         &store_error)) {
      stored = true;
    } else if (store_error.code != MT_ERR_STALE) {
      mt_error_copy (error, &store_error);
      goto done;
    }
  }
  if (!stored) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_STALE, "compte modifié en même temps, réessayez",
                  "account changed meanwhile, retry");
    goto done;
  }
  /* The new password is stored: from here on the attempt counts as a success. */
  mt_signin_limits_conclude (job, true, ctx->now_ms);
  MT_INFO ("account %s changed its password", job->account_id);
  if (!ctx->store->ops->token_revoke (ctx->store, principal->jti, principal->token_exp_ms, error) ||
      !mt_signin_issue (ctx, job->account_id, principal->member_id,
                        mt_token_revocation_instant (ctx->now_ms), out, error)) {
    goto done;
  }
  bson_destroy (&out->account);
  mt_account_public_view (&updated, &out->account);
  bson_destroy (&out->member);
  bson_copy_to (&principal->member, &out->member);
  ok = true;
done:
  if (!ok) {
    mt_session_destroy (out);
    if (refused) {
      mt_signin_limits_conclude (job, false, ctx->now_ms);
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNAUTHENTICATED,
                    "mot de passe actuel incorrect", "wrong current password");
      mt_error_set_path (error, "/current_password");
    }
  }
  if (job) {
    sodium_memzero (job->new_hash, sizeof job->new_hash);
  }
  bson_destroy (&account);
  bson_destroy (&patch);
  bson_destroy (&updated);
  return ok;
}

/* --- invitations ------------------------------------------------------------------------------ */

void
mt_invitation_hash (const char *token, char out_hex[MT_INVITATION_HASH_HEX_SIZE])
{
  unsigned char digest[32];

  crypto_generichash (digest, sizeof digest, (const unsigned char *) token, strlen (token), NULL,
                      0);
  sodium_bin2hex (out_hex, MT_INVITATION_HASH_HEX_SIZE, digest, sizeof digest);
  sodium_memzero (digest, sizeof digest);
}

bool
mt_invitation_make (const char *account_id, char *token_out, size_t size,
                    char hash_hex_out[MT_INVITATION_HASH_HEX_SIZE])
{
  char secret[64];
  bool ok = false;

  if (size > 0) {
    token_out[0] = '\0';
  }
  hash_hex_out[0] = '\0';
  if (!account_id || !mt_id_is_valid (account_id, "acc") || size < MT_INVITATION_TOKEN_SIZE) {
    goto done;
  }
  mt_id_random_token (MT_INVITATION_SECRET_BYTES, secret, sizeof secret);
  snprintf (token_out, size, "%s.%s", account_id, secret);
  mt_invitation_hash (token_out, hash_hex_out);
  ok = true;
done:
  sodium_memzero (secret, sizeof secret);
  return ok;
}

static void
mt_invitation_unknown (mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_NOT_FOUND,
                "invitation inconnue, déjà utilisée ou expirée",
                "unknown, used or expired invitation");
}

/* @account holds a pending invitation, still valid at @now_ms, whose hash is @token_hash. */
static bool
mt_invitation_matches (const bson_t *account, const char *token_hash, int64_t now_ms)
{
  const char *stored = mt_bson_str (account, "invitation.token_hash");

  return mt_bson_str_eq (account, "status", "invited") && stored &&
         strlen (stored) == MT_INVITATION_HASH_HEX_SIZE - 1 &&
         mt_bson_date (account, "invitation.expires_at", 0) > now_ms &&
         sodium_memcmp (stored, token_hash, MT_INVITATION_HASH_HEX_SIZE - 1) == 0;
}

mt_signin_job_t *
mt_invitation_accept_prepare (const mt_ctx_t *ctx, const bson_t *body, mt_error_t *error)
{
  const char *token = mt_bson_str (body, "token");
  const char *password = mt_bson_str (body, "password");
  const char *name = mt_bson_str (body, "name");
  const char *dot;
  char account_id[MT_ID_SIZE];
  char token_hash[MT_INVITATION_HASH_HEX_SIZE];
  mt_signin_job_t *job = NULL;
  bson_t account = BSON_INITIALIZER;
  mt_error_t store_error;
  bool ok = false;

  if (!token || !password) {
    mt_signin_bad_body (error);
    goto done;
  }
  if (!mt_password_check_policy (password, "/password", error)) {
    goto done;
  }
  dot = strchr (token, '.');
  if (!dot || dot - token != MT_ID_LEN) {
    mt_invitation_unknown (error);
    goto done;
  }
  memcpy (account_id, token, MT_ID_LEN);
  account_id[MT_ID_LEN] = '\0';
  if (!mt_id_is_valid (account_id, "acc")) {
    mt_invitation_unknown (error);
    goto done;
  }
  bson_destroy (&account);
  if (!ctx->store->ops->account_get (ctx->store, account_id, &account, &store_error)) {
    if (store_error.code == MT_ERR_NOT_FOUND) {
      mt_invitation_unknown (error);
    } else {
      mt_error_copy (error, &store_error);
    }
    goto done;
  }
  mt_invitation_hash (token, token_hash);
  if (!mt_invitation_matches (&account, token_hash, ctx->now_ms)) {
    mt_invitation_unknown (error);
    goto done;
  }
  job = mt_signin_job_new (MT_SIGNIN_INVITATION, ctx, password, NULL, error);
  if (!job) {
    goto done;
  }
  memcpy (job->account_id, account_id, sizeof job->account_id);
  memcpy (job->token_hash, token_hash, sizeof job->token_hash);
  if (name) {
    BSON_APPEND_UTF8 (&job->doc, "name", name);
  }
  ok = true;
done:
  if (!ok) {
    mt_signin_job_free (job);
    job = NULL;
  }
  bson_destroy (&account);
  return job;
}

bool
mt_invitation_accept_finish (const mt_ctx_t *ctx, mt_signin_job_t *job, bson_t *account_out,
                             mt_error_t *error)
{
  bson_t account = BSON_INITIALIZER;
  bson_t patch = BSON_INITIALIZER;
  bson_t updated = BSON_INITIALIZER;
  mt_error_t store_error;
  const char *name;
  bool stored = false;
  bool ok = false;

  bson_init (account_out);
  if (mt_signin_wrong_kind (job, MT_SIGNIN_INVITATION, error)) {
    goto done;
  }
  if (!job->hashed) {
    mt_error_copy (error, &job->work_error);
    goto done;
  }
  name = mt_bson_str (&job->doc, "name");
  for (int attempt = 0; !stored && attempt < MT_SIGNIN_CAS_ATTEMPTS; attempt++) {
    bson_reinit (&patch);
    bson_destroy (&account);
    if (!ctx->store->ops->account_get (ctx->store, job->account_id, &account, &store_error)) {
      if (store_error.code == MT_ERR_NOT_FOUND) {
        mt_invitation_unknown (error);
      } else {
        mt_error_copy (error, &store_error);
      }
      goto done;
    }
    /* Accepted (or withdrawn) meanwhile: the same answer as any unusable invitation. */
    if (!mt_invitation_matches (&account, job->token_hash, ctx->now_ms)) {
      mt_invitation_unknown (error);
      goto done;
    }
    BSON_APPEND_UTF8 (&patch, "password_hash", job->new_hash);
    BSON_APPEND_UTF8 (&patch, "status", "active");
    BSON_APPEND_NULL (&patch, "invitation");
    if (name) {
      BSON_APPEND_UTF8 (&patch, "name", name);
    }
    BSON_APPEND_DATE_TIME (&patch, "updated_at", ctx->now_ms);
    bson_destroy (&updated);
    mt_signin_patched (&account, &patch, &updated);
    if (ctx->store->ops->account_update (ctx->store, job->account_id,
                                         mt_bson_int (&account, "version", 0), &updated,
                                         &store_error)) {
      stored = true;
    } else if (store_error.code != MT_ERR_STALE) {
      mt_error_copy (error, &store_error);
      goto done;
    }
  }
  if (!stored) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_STALE, "compte modifié en même temps, réessayez",
                  "account changed meanwhile, retry");
    goto done;
  }
  MT_INFO ("account %s accepted its invitation", job->account_id);
  bson_destroy (account_out);
  mt_account_public_view (&updated, account_out);
  ok = true;
done:
  if (job) {
    sodium_memzero (job->new_hash, sizeof job->new_hash);
  }
  bson_destroy (&account);
  bson_destroy (&patch);
  bson_destroy (&updated);
  return ok;
}
