/*
 * webhooks: the administrators' webhooks (GET/POST /v1/admin/webhooks, DELETE
 * /v1/admin/webhooks/{id}, GET /v1/admin/webhooks/{id}/deliveries) and the rule of their
 * URLs, shared with the dispatcher's HTTP client.
 *
 * Stored document (store.h): {"id" ("whk_..."), "url", "events" (names of events.h),
 * "secret" (outbox.h: "whsec_" + 64 hex digits), "created_at", "created_by" (account id)}.
 * The secret is returned once, by mt_webhooks_create; every other view leaves it out (an
 * allow-list: id, url, events, created_at, created_by).
 *
 * Every function here requires a platform administrator (MT_ERR_FORBIDDEN otherwise,
 * MT_ERR_UNAUTHENTICATED without a principal).
 */
#ifndef MT_WEBHOOKS_H
#define MT_WEBHOOKS_H

#include "mt_error.h"
#include "service.h"

#include <bson/bson.h>
#include <stdbool.h>
#include <stdint.h>

#define MT_WEBHOOK_URL_MAX 2048 /* bytes of a URL */
#define MT_WEBHOOK_HOST_MAX 256 /* bytes of its host, NUL included */

/* The parts of a webhook URL. */
typedef struct {
  char host[MT_WEBHOOK_HOST_MAX]; /* a name or an address, IPv6 without its brackets */
  uint16_t port;                  /* 80 when not given */
  const char *path;               /* points into the URL: "/..." (with the query), or "" */
} mt_webhook_url_t;

/*
 * Parses @url: "http://" (lowercase), then a host (letters, digits, '.', '-', or an IPv6
 * address between brackets), an optional ":port" (1 to 65535), an optional path and query
 * starting with '/' or '?'. Refused: another scheme (https: deliver through a local relay),
 * credentials ('@' before the path), a fragment ('#'), spaces, control characters and
 * anything outside printable ASCII, more than MT_WEBHOOK_URL_MAX bytes.
 * MT_ERR_VALIDATION (path "/url") when refused.
 */
bool mt_webhook_url_parse (const char *url, mt_webhook_url_t *out, mt_error_t *error);

/*
 * POST /v1/admin/webhooks: @body is valid against webhook_create.json ({"url", "events"}).
 * Checks the URL and the event names (known, no duplicates), stores the webhook with a new
 * secret. @out (always initialised): the view plus "secret".
 */
bool mt_webhooks_create (const mt_ctx_t *ctx, const bson_t *body, bson_t *out, mt_error_t *error);

/* GET /v1/admin/webhooks: a page (@limit_text: 1..100, default 20) of views, oldest first.
 * @page is initialised here. */
bool mt_webhooks_list (const mt_ctx_t *ctx, const char *cursor, const char *limit_text,
                       mt_store_page_t *page, mt_error_t *error);

/* DELETE /v1/admin/webhooks/{id}: MT_ERR_NOT_FOUND when there is none. Its queued
 * deliveries are given up by the dispatcher ("webhook deleted"). */
bool mt_webhooks_delete (const mt_ctx_t *ctx, const char *id, mt_error_t *error);

/*
 * GET /v1/admin/webhooks/{id}/deliveries: the delivery log of webhook @id (MT_ERR_NOT_FOUND
 * when there is none), a page of views {"id", "event", "event_id", "status", "attempts",
 * "next_attempt_at" (while pending), "last_error"?, "sent_at"?, "created_at", "log"}
 * ordered by next_attempt_at then id. @page is initialised here.
 */
bool mt_webhooks_deliveries (const mt_ctx_t *ctx, const char *id, const char *cursor,
                             const char *limit_text, mt_store_page_t *page, mt_error_t *error);

#endif
