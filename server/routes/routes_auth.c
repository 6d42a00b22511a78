/*
 * routes_auth: POST /v1/auth/{signup,login,logout,password,invitations/accept}.
 *
 * Every flow that hashes or verifies a password runs its Argon2id part on the worker pool:
 * the handler prepares the job (services/signin.h) on the loop, defers it, and replies from
 * the completion, which runs back on the loop. Sign-in and password change also set the
 * session cookie for the web app; sign-out clears it.
 */
#include "routes.h"

#include "app.h"
#include "auth.h"
#include "mt_bson.h"
#include "signin.h"
#include "tokens.h"

#include <sodium.h>
#include <string.h>

/* Sets the session cookie to @token for @max_age_s seconds ("" and 0 clear it). */
static void
mt_auth_set_cookie (mt_request_t *r, const char *token, int64_t max_age_s)
{
  const mt_config_t *config = &mt_request_app (r)->config;
  bool secure = strncmp (config->public_url, "https://", 8) == 0;
  char cookie[MT_TOKEN_MAX_LEN + 128];
  int n;

  n = snprintf (cookie, sizeof cookie, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s",
                MT_AUTH_COOKIE, token, (long long) (max_age_s > 0 ? max_age_s : 0),
                secure ? "; Secure" : "");
  if (n > 0 && (size_t) n < sizeof cookie) {
    mt_request_set_header (r, "Set-Cookie", cookie);
  }
  sodium_memzero (cookie, sizeof cookie);
}

/* {"token", "token_type", "expires_at"} and the cookie; @full adds "account" and "member". */
static void
mt_auth_reply_session (mt_request_t *r, const mt_session_t *session, bool full)
{
  int64_t now_ms = mt_request_ctx (r)->now_ms;
  bson_t doc = BSON_INITIALIZER;

  BSON_APPEND_UTF8 (&doc, "token", session->token);
  BSON_APPEND_UTF8 (&doc, "token_type", "Bearer");
  BSON_APPEND_DATE_TIME (&doc, "expires_at", session->expires_at_ms);
  if (full) {
    BSON_APPEND_DOCUMENT (&doc, "account", &session->account);
    BSON_APPEND_DOCUMENT (&doc, "member", &session->member);
  }
  mt_auth_set_cookie (r, session->token, (session->expires_at_ms - now_ms) / 1000);
  mt_reply_json (r, 200, &doc);
  bson_destroy (&doc);
}

/* Defers @job to the worker pool with @done as completion; frees it when the pool is full
 * (mt_request_defer has replied 503 then). */
static void
mt_auth_defer (mt_request_t *r, mt_signin_job_t *job, const mt_error_t *error, mt_work_done_fn done)
{
  if (!job) {
    mt_reply_problem (r, error);
    return;
  }
  if (!mt_request_defer (r, mt_signin_job_run, done, job)) {
    mt_signin_job_free (job);
  }
}

/* --- sign-up ---------------------------------------------------------------------------------- */

static void
mt_auth_signup_done (mt_request_t *r, void *arg)
{
  mt_signin_job_t *job = arg;
  bson_t account;
  bson_t member;
  mt_error_t error;

  if (!mt_signup_finish (mt_request_ctx (r), job, &account, &member, &error)) {
    mt_reply_problem (r, &error);
  } else {
    bson_t doc = BSON_INITIALIZER;
    char location[64];
    snprintf (location, sizeof location, "/v1/members/%s", mt_bson_str (&member, "id"));
    BSON_APPEND_DOCUMENT (&doc, "account", &account);
    BSON_APPEND_DOCUMENT (&doc, "member", &member);
    mt_request_set_header (r, "Location", location);
    mt_reply_json (r, 201, &doc);
    bson_destroy (&doc);
  }
  bson_destroy (&account);
  bson_destroy (&member);
  mt_signin_job_free (job);
}

void
mt_route_auth_signup (mt_request_t *r)
{
  mt_error_t error;
  mt_signin_job_t *job = mt_signup_prepare (mt_request_ctx (r), mt_request_body (r), &error);

  mt_auth_defer (r, job, &error, mt_auth_signup_done);
}

/* --- sign-in ---------------------------------------------------------------------------------- */

static void
mt_auth_login_done (mt_request_t *r, void *arg)
{
  mt_signin_job_t *job = arg;
  mt_session_t session;
  mt_error_t error;

  if (!mt_login_finish (mt_request_ctx (r), job, &session, &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_auth_reply_session (r, &session, true);
  }
  mt_session_destroy (&session);
  mt_signin_job_free (job);
}

void
mt_route_auth_login (mt_request_t *r)
{
  mt_error_t error;
  mt_signin_job_t *job = mt_login_prepare (mt_request_ctx (r), mt_request_body (r), &error);

  mt_auth_defer (r, job, &error, mt_auth_login_done);
}

/* --- sign-out --------------------------------------------------------------------------------- */

void
mt_route_auth_logout (mt_request_t *r)
{
  mt_error_t error;

  if (!mt_logout (mt_request_ctx (r), &error)) {
    mt_reply_problem (r, &error);
    return;
  }
  mt_auth_set_cookie (r, "", 0);
  mt_reply_empty (r, 204);
}

/* --- password change -------------------------------------------------------------------------- */

static void
mt_auth_password_done (mt_request_t *r, void *arg)
{
  mt_signin_job_t *job = arg;
  mt_session_t session;
  mt_error_t error;

  if (!mt_password_change_finish (mt_request_ctx (r), job, &session, &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_auth_reply_session (r, &session, false);
  }
  mt_session_destroy (&session);
  mt_signin_job_free (job);
}

void
mt_route_auth_password (mt_request_t *r)
{
  mt_error_t error;
  mt_signin_job_t *job =
    mt_password_change_prepare (mt_request_ctx (r), mt_request_body (r), &error);

  mt_auth_defer (r, job, &error, mt_auth_password_done);
}

/* --- invitation acceptance -------------------------------------------------------------------- */

static void
mt_auth_invitation_done (mt_request_t *r, void *arg)
{
  mt_signin_job_t *job = arg;
  bson_t account;
  mt_error_t error;

  if (!mt_invitation_accept_finish (mt_request_ctx (r), job, &account, &error)) {
    mt_reply_problem (r, &error);
  } else {
    bson_t doc = BSON_INITIALIZER;
    BSON_APPEND_DOCUMENT (&doc, "account", &account);
    mt_reply_json (r, 200, &doc);
    bson_destroy (&doc);
  }
  bson_destroy (&account);
  mt_signin_job_free (job);
}

void
mt_route_auth_invitation_accept (mt_request_t *r)
{
  mt_error_t error;
  mt_signin_job_t *job =
    mt_invitation_accept_prepare (mt_request_ctx (r), mt_request_body (r), &error);

  mt_auth_defer (r, job, &error, mt_auth_invitation_done);
}
