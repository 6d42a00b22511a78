/* routes_credits: the credits ledger (services/credits.h). */
#include "routes.h"

#include "credits.h"
#include "mt_bson.h"

#include <stdio.h>
#include <string.h>

/* @text percent-encoded (RFC 3986: unreserved characters kept) into @out; false when it does
 * not fit. */
static bool
mt_route_credits_encode (const char *text, char *out, size_t size)
{
  static const char hex[] = "0123456789ABCDEF";
  size_t len = 0;

  for (const unsigned char *p = (const unsigned char *) text; *p; p++) {
    bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                 *p == '-' || *p == '_' || *p == '.' || *p == '~';
    if (len + 4 > size) {
      return false;
    }
    if (plain) {
      out[len++] = (char) *p;
    } else {
      out[len++] = '%';
      out[len++] = hex[*p >> 4];
      out[len++] = hex[*p & 15];
    }
  }
  out[len] = '\0';
  return true;
}

/* Link: </v1/me/ledger?limit=N&cursor=...>; rel="next" (@limit may be NULL). */
static void
mt_route_credits_link (mt_request_t *r, const char *limit, const char *next)
{
  char cursor[3 * MT_STORE_CURSOR_MAX + 1];
  char limit_enc[64];
  char link[3 * MT_STORE_CURSOR_MAX + 128];
  int n;

  if (!mt_route_credits_encode (next, cursor, sizeof cursor) ||
      (limit && !mt_route_credits_encode (limit, limit_enc, sizeof limit_enc))) {
    return;
  }
  n = snprintf (link, sizeof link, "</v1/me/ledger?%s%s%scursor=%s>; rel=\"next\"",
                limit ? "limit=" : "", limit ? limit_enc : "", limit ? "&" : "", cursor);
  if (n > 0 && (size_t) n < sizeof link) {
    mt_request_set_header (r, "Link", link);
  }
}

void
mt_route_me_ledger (mt_request_t *r)
{
  const char *limit = mt_request_query (r, "limit");
  bson_t statement;
  char next[MT_STORE_CURSOR_MAX];
  mt_error_t error = { 0 };

  if (!mt_credits_statement (mt_request_ctx (r), mt_request_query (r, "cursor"), limit, &statement,
                             next, &error)) {
    mt_reply_problem (r, &error);
  } else {
    if (next[0]) {
      mt_route_credits_link (r, limit, next);
    }
    mt_reply_json (r, 200, &statement);
  }
  bson_destroy (&statement);
}

void
mt_route_admin_ledger_grant (mt_request_t *r)
{
  bson_t entry;
  mt_error_t error = { 0 };

  if (!mt_credits_admin_grant (mt_request_ctx (r), mt_request_body (r), &entry, &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_reply_json (r, 201, &entry);
  }
  bson_destroy (&entry);
}

void
mt_route_admin_ledger_reverse (mt_request_t *r)
{
  bson_t entry;
  mt_error_t error = { 0 };

  if (!mt_credits_admin_reverse (mt_request_ctx (r), mt_request_param (r, "id"),
                                 mt_request_body (r), &entry, &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_reply_json (r, 201, &entry);
  }
  bson_destroy (&entry);
}
