/*
 * webhooks: administrators' webhooks and their delivery log; see webhooks.h.
 */
#include "webhooks.h"

#include "events.h"
#include "lists.h"
#include "mt_bson.h"
#include "mt_id.h"
#include "mt_log.h"
#include "outbox.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define MT_LOG_DOMAIN "webhooks"

static bool
mt_webhook_url_refused (mt_error_t *error, const char *fr, const char *en)
{
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION, "adresse du webhook refusée : %s%.0s",
                "webhook URL refused: %.0s%s", fr, en);
  mt_error_set_path (error, "/url");
  return false;
}

bool
mt_webhook_url_parse (const char *url, mt_webhook_url_t *out, mt_error_t *error)
{
  const char *host;
  const char *end;
  const char *port = NULL;
  size_t len;

  memset (out, 0, sizeof *out);
  out->port = 80;
  out->path = "";
  if (!url || strncmp (url, "http://", 7) != 0) {
    return mt_webhook_url_refused (error, "seules les adresses http:// sont acceptées",
                                   "only http:// URLs are accepted");
  }
  len = strlen (url);
  if (len > MT_WEBHOOK_URL_MAX) {
    return mt_webhook_url_refused (error, "trop longue", "too long");
  }
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char) url[i];
    if (c <= 0x20 || c >= 0x7f) {
      return mt_webhook_url_refused (error, "caractère interdit (espace, contrôle ou non ASCII)",
                                     "forbidden character (space, control or not ASCII)");
    }
    if (c == '#') {
      return mt_webhook_url_refused (error, "fragment (#) interdit", "fragment (#) not allowed");
    }
  }
  host = url + 7;
  end = host + strcspn (host, "/?");
  if (memchr (host, '@', (size_t) (end - host))) {
    return mt_webhook_url_refused (error, "identifiants dans l'adresse interdits",
                                   "credentials in the URL are not allowed");
  }
  if (*host == '[') {
    const char *close = memchr (host, ']', (size_t) (end - host));
    if (!close || close == host + 1) {
      return mt_webhook_url_refused (error, "adresse IPv6 mal formée", "malformed IPv6 address");
    }
    for (const char *p = host + 1; p < close; p++) {
      if (!strchr ("0123456789abcdefABCDEF:.", *p)) {
        return mt_webhook_url_refused (error, "adresse IPv6 mal formée", "malformed IPv6 address");
      }
    }
    if ((size_t) (close - host - 1) >= sizeof out->host) {
      return mt_webhook_url_refused (error, "hôte trop long", "host too long");
    }
    memcpy (out->host, host + 1, (size_t) (close - host - 1));
    if (close + 1 < end && close[1] != ':') {
      return mt_webhook_url_refused (error, "hôte mal formé", "malformed host");
    }
    port = close + 1 < end ? close + 2 : NULL;
  } else {
    const char *colon = memchr (host, ':', (size_t) (end - host));
    const char *host_end = colon ? colon : end;
    if (host_end == host || (size_t) (host_end - host) >= sizeof out->host) {
      return mt_webhook_url_refused (error, "hôte manquant ou trop long",
                                     "host missing or too long");
    }
    for (const char *p = host; p < host_end; p++) {
      bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                *p == '.' || *p == '-';
      if (!ok) {
        return mt_webhook_url_refused (error, "hôte mal formé", "malformed host");
      }
    }
    memcpy (out->host, host, (size_t) (host_end - host));
    port = colon ? colon + 1 : NULL;
  }
  if (port) {
    long value = 0;
    if (port == end || end - port > 5) {
      return mt_webhook_url_refused (error, "port invalide", "invalid port");
    }
    for (const char *p = port; p < end; p++) {
      if (*p < '0' || *p > '9') {
        return mt_webhook_url_refused (error, "port invalide", "invalid port");
      }
      value = value * 10 + (*p - '0');
    }
    if (value < 1 || value > 65535) {
      return mt_webhook_url_refused (error, "port invalide", "invalid port");
    }
    out->port = (uint16_t) value;
  }
  out->path = end;
  return true;
}

static bool
mt_webhooks_require_admin (const mt_ctx_t *ctx, mt_error_t *error)
{
  if (!ctx->principal) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNAUTHENTICATED, "authentification requise",
                  "authentication required");
    return false;
  }
  if (!ctx->principal->is_admin) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_FORBIDDEN, "réservé aux administrateurs",
                  "administrators only");
    return false;
  }
  return true;
}

/* The public view of a stored webhook (never its secret). */
static void
mt_webhook_view (const bson_t *webhook, bson_t *out)
{
  static const char *const fields[] = { "id", "url", "events", "created_at", "created_by", NULL };
  bson_iter_t it;

  bson_init (out);
  for (int i = 0; fields[i]; i++) {
    if (bson_iter_init_find (&it, webhook, fields[i])) {
      bson_append_value (out, fields[i], -1, bson_iter_value (&it));
    }
  }
}

/* Replaces @page's items by mt_webhook_view of each (or @view_fn). */
static void
mt_webhooks_map (mt_store_page_t *page, void (*view_fn) (const bson_t *, bson_t *))
{
  bson_t items = BSON_INITIALIZER;
  bson_iter_t it;
  uint32_t index = 0;

  if (bson_iter_init (&it, &page->items)) {
    while (bson_iter_next (&it)) {
      bson_t doc, view;
      uint32_t len;
      const uint8_t *data;
      char key[16];
      const char *k;
      if (!BSON_ITER_HOLDS_DOCUMENT (&it)) {
        continue;
      }
      bson_iter_document (&it, &len, &data);
      if (!bson_init_static (&doc, data, len)) {
        continue;
      }
      view_fn (&doc, &view);
      bson_uint32_to_string (index++, &k, key, sizeof key);
      bson_append_document (&items, k, -1, &view);
      bson_destroy (&view);
    }
  }
  bson_destroy (&page->items);
  bson_steal (&page->items, &items);
}

bool
mt_webhooks_create (const mt_ctx_t *ctx, const bson_t *body, bson_t *out, mt_error_t *error)
{
  mt_webhook_url_t url;
  char id[MT_ID_SIZE];
  char secret[MT_WEBHOOK_SECRET_SIZE] = "";
  const char *seen[64];
  size_t seen_count = 0;
  bson_t doc = BSON_INITIALIZER;
  bson_t events;
  bson_iter_t it, child;
  bool ok = false;

  bson_init (out);
  if (!mt_webhooks_require_admin (ctx, error) ||
      !mt_webhook_url_parse (mt_bson_str (body, "url"), &url, error)) {
    goto done;
  }
  if (!bson_iter_init_find (&it, body, "events") || !BSON_ITER_HOLDS_ARRAY (&it) ||
      !bson_iter_recurse (&it, &child)) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION, "événements requis",
                  "events required");
    mt_error_set_path (error, "/events");
    goto done;
  }
  while (bson_iter_next (&child)) {
    const char *name = BSON_ITER_HOLDS_UTF8 (&child) ? bson_iter_utf8 (&child, NULL) : NULL;
    bool duplicate = false;
    if (!mt_event_name_known (name)) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION, "événement inconnu",
                    "unknown event");
      mt_error_set_path (error, "/events");
      goto done;
    }
    for (size_t i = 0; i < seen_count; i++) {
      duplicate = duplicate || strcmp (seen[i], name) == 0;
    }
    if (duplicate || seen_count == sizeof seen / sizeof seen[0]) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION, "événement en double",
                    "duplicate event");
      mt_error_set_path (error, "/events");
      goto done;
    }
    seen[seen_count++] = name;
  }
  if (seen_count == 0) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION, "au moins un événement",
                  "at least one event");
    mt_error_set_path (error, "/events");
    goto done;
  }
  mt_id_new ("whk", id);
  mt_webhook_secret_new (secret);
  BSON_APPEND_UTF8 (&doc, "id", id);
  BSON_APPEND_UTF8 (&doc, "url", mt_bson_str (body, "url"));
  BSON_APPEND_ARRAY_BEGIN (&doc, "events", &events);
  for (size_t i = 0; i < seen_count; i++) {
    char key[16];
    const char *k;
    bson_uint32_to_string ((uint32_t) i, &k, key, sizeof key);
    bson_append_utf8 (&events, k, -1, seen[i], -1);
  }
  bson_append_array_end (&doc, &events);
  BSON_APPEND_UTF8 (&doc, "secret", secret);
  BSON_APPEND_DATE_TIME (&doc, "created_at", ctx->now_ms);
  BSON_APPEND_UTF8 (&doc, "created_by", ctx->principal->account_id);
  if (!ctx->store->ops->webhook_insert (ctx->store, &doc, error)) {
    goto done;
  }
  bson_destroy (out);
  mt_webhook_view (&doc, out);
  BSON_APPEND_UTF8 (out, "secret", secret);
  MT_INFO ("webhook %s created for %zu event(s)", id, seen_count);
  ok = true;
done:
  sodium_memzero (secret, sizeof secret);
  bson_destroy (&doc);
  return ok;
}

bool
mt_webhooks_list (const mt_ctx_t *ctx, const char *cursor, const char *limit_text,
                  mt_store_page_t *page, mt_error_t *error)
{
  uint32_t limit = 0;

  mt_store_page_init (page);
  if (!mt_webhooks_require_admin (ctx, error) || !mt_list_limit_parse (limit_text, &limit, error)) {
    return false;
  }
  mt_store_page_destroy (page);
  if (!ctx->store->ops->webhook_list (ctx->store, cursor && *cursor ? cursor : NULL, limit, page,
                                      error)) {
    return false;
  }
  mt_webhooks_map (page, mt_webhook_view);
  return true;
}

bool
mt_webhooks_delete (const mt_ctx_t *ctx, const char *id, mt_error_t *error)
{
  mt_error_t why = { 0 };

  if (!mt_webhooks_require_admin (ctx, error)) {
    return false;
  }
  if (!id || !ctx->store->ops->webhook_delete (ctx->store, id, &why)) {
    if (!id || why.code == MT_ERR_NOT_FOUND) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_NOT_FOUND, "webhook introuvable",
                    "webhook not found");
    } else {
      mt_error_copy (error, &why);
    }
    return false;
  }
  MT_INFO ("webhook %s deleted", id);
  return true;
}

/* The delivery log's view of an outbox message (no payload, no secret). */
static void
mt_webhook_delivery_view (const bson_t *message, bson_t *out)
{
  static const char *const fields[] = { "id",         "event",   "event_id",   "status", "attempts",
                                        "last_error", "sent_at", "created_at", "log",    NULL };
  bson_iter_t it;

  bson_init (out);
  for (int i = 0; fields[i]; i++) {
    if (bson_iter_init_find (&it, message, fields[i])) {
      bson_append_value (out, fields[i], -1, bson_iter_value (&it));
    }
  }
  if (mt_bson_str_eq (message, "status", "pending") &&
      bson_iter_init_find (&it, message, "next_attempt_at")) {
    bson_append_value (out, "next_attempt_at", -1, bson_iter_value (&it));
  }
}

bool
mt_webhooks_deliveries (const mt_ctx_t *ctx, const char *id, const char *cursor,
                        const char *limit_text, mt_store_page_t *page, mt_error_t *error)
{
  mt_store_outbox_query_t query;
  uint32_t limit = 0;
  bson_t webhook = BSON_INITIALIZER;
  mt_error_t why = { 0 };
  bool ok = false;

  mt_store_page_init (page);
  if (!mt_webhooks_require_admin (ctx, error) || !mt_list_limit_parse (limit_text, &limit, error)) {
    goto done;
  }
  bson_destroy (&webhook);
  if (!id || !ctx->store->ops->webhook_get (ctx->store, id, &webhook, &why)) {
    bson_init (&webhook);
    if (!id || why.code == MT_ERR_NOT_FOUND) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_NOT_FOUND, "webhook introuvable",
                    "webhook not found");
    } else {
      mt_error_copy (error, &why);
    }
    goto done;
  }
  memset (&query, 0, sizeof query);
  query.kind = "webhook";
  query.webhook_id = id;
  query.cursor = cursor && *cursor ? cursor : NULL;
  query.limit = limit;
  mt_store_page_destroy (page);
  if (!ctx->store->ops->outbox_list (ctx->store, &query, page, error)) {
    goto done;
  }
  mt_webhooks_map (page, mt_webhook_delivery_view);
  ok = true;
done:
  bson_destroy (&webhook);
  return ok;
}
