/* routes_me: /v1/me, its export and its deletion (services/accounts.h, services/privacy.h). */
#include "routes.h"

#include "accounts.h"
#include "app.h"
#include "auth.h"
#include "mt_bson.h"
#include "privacy.h"

#include <stdio.h>
#include <string.h>

void
mt_route_me_get (mt_request_t *r)
{
  bson_t doc;
  mt_error_t error = { 0 };

  if (!mt_me_get (mt_request_ctx (r), &doc, &error)) {
    mt_reply_problem (r, &error);
  } else {
    /* The ETag is the account's: PATCH /v1/me takes it in If-Match. */
    char etag[48];
    snprintf (etag, sizeof etag, "W/\"%lld\"",
              (long long) mt_bson_int (&doc, "account.version", 0));
    mt_request_set_header (r, "ETag", etag);
    mt_reply_json (r, 200, &doc);
  }
  bson_destroy (&doc);
}

void
mt_route_me_patch (mt_request_t *r)
{
  bson_t account;
  mt_error_t error = { 0 };

  if (!mt_me_patch (mt_request_ctx (r), mt_request_body (r), mt_request_header (r, "If-Match"),
                    &account, &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_reply_json_versioned (r, 200, &account);
  }
  bson_destroy (&account);
}

void
mt_route_me_export (mt_request_t *r)
{
  const mt_principal_t *p = mt_request_principal (r);
  bson_t doc;
  mt_error_t error = { 0 };

  if (!mt_privacy_export (mt_request_ctx (r), &doc, &error)) {
    mt_reply_problem (r, &error);
  } else {
    char disposition[128];
    snprintf (disposition, sizeof disposition, "attachment; filename=\"mutua-export-%s.json\"",
              p->account_id);
    mt_request_set_header (r, "Content-Disposition", disposition);
    mt_reply_json (r, 200, &doc);
  }
  bson_destroy (&doc);
}

void
mt_route_me_delete (mt_request_t *r)
{
  const mt_app_t *app = mt_request_app (r);
  mt_error_t error = { 0 };

  if (!mt_privacy_delete_me (mt_request_ctx (r), &error)) {
    mt_reply_problem (r, &error);
    return;
  }
  /* The session ends: the web app's cookie goes with it. */
  mt_request_set_header (r, "Set-Cookie",
                         strncmp (app->config.public_url, "https:", 6) == 0 ? MT_AUTH_COOKIE
                           "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict; Secure"
                                                                            : MT_AUTH_COOKIE
                           "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
  mt_reply_empty (r, 204);
}
