/*
 * Unit tests of services/webhooks.h on a real SQLite store: the URL rule (http:// only, no
 * credentials, no fragment, ports, IPv6, length, characters), creation (secret returned once,
 * stored, never in the list), event names (unknown, duplicate), administrators only,
 * deletion and the delivery log's view (no payload).
 */
#include "members_fixture.h"

#include "config.h"
#include "outbox.h"
#include "webhooks.h"

#include <sodium.h>

static mt_config_t config;
static mt_service_env_t env;

static void
caller (fx_t *fx, bool admin, mt_principal_t *principal, mt_ctx_t *ctx)
{
  memset (principal, 0, sizeof *principal);
  snprintf (principal->account_id, sizeof principal->account_id, "%s",
            "acc_aaaaaaaaaaaaaaaaaaaaaa");
  principal->is_admin = admin;
  principal->member_active = true;
  memset (ctx, 0, sizeof *ctx);
  ctx->env = &env;
  ctx->store = fx->store;
  ctx->now_ms = FX_NOW_MS;
  ctx->principal = principal;
}

static void
url_rule (void **state)
{
  mt_webhook_url_t url;
  char long_url[MT_WEBHOOK_URL_MAX + 16];

  (void) state;
  assert_true (mt_webhook_url_parse ("http://example.org", &url, NULL));
  assert_string_equal (url.host, "example.org");
  assert_int_equal (url.port, 80);
  assert_string_equal (url.path, "");
  assert_true (mt_webhook_url_parse ("http://127.0.0.1:8081/hooks/mutua?x=1", &url, NULL));
  assert_string_equal (url.host, "127.0.0.1");
  assert_int_equal (url.port, 8081);
  assert_string_equal (url.path, "/hooks/mutua?x=1");
  assert_true (mt_webhook_url_parse ("http://[::1]:9000/h", &url, NULL));
  assert_string_equal (url.host, "::1");
  assert_int_equal (url.port, 9000);
  assert_string_equal (url.path, "/h");

  FAILS (mt_webhook_url_parse ("https://example.org/h", &url, &fx_err), MT_ERR_VALIDATION);
  assert_string_equal (fx_err.path, "/url");
  FAILS (mt_webhook_url_parse ("ftp://example.org/h", &url, &fx_err), MT_ERR_VALIDATION);
  FAILS (mt_webhook_url_parse ("HTTP://example.org/h", &url, &fx_err), MT_ERR_VALIDATION);
  FAILS (mt_webhook_url_parse ("http://user:pw@example.org/h", &url, &fx_err), MT_ERR_VALIDATION);
  assert_non_null (strstr (fx_err.message, "credentials"));
  FAILS (mt_webhook_url_parse ("http://example.org/h#frag", &url, &fx_err), MT_ERR_VALIDATION);
  FAILS (mt_webhook_url_parse ("http://example.org/a b", &url, &fx_err), MT_ERR_VALIDATION);
  FAILS (mt_webhook_url_parse ("http://example.org/\r\nX-Evil: 1", &url, &fx_err),
         MT_ERR_VALIDATION);
  FAILS (mt_webhook_url_parse ("http://exämple.org/", &url, &fx_err), MT_ERR_VALIDATION);
  FAILS (mt_webhook_url_parse ("http:///nohost", &url, &fx_err), MT_ERR_VALIDATION);
  FAILS (mt_webhook_url_parse ("http://example.org:0/", &url, &fx_err), MT_ERR_VALIDATION);
  FAILS (mt_webhook_url_parse ("http://example.org:65536/", &url, &fx_err), MT_ERR_VALIDATION);
  FAILS (mt_webhook_url_parse ("http://example.org:/", &url, &fx_err), MT_ERR_VALIDATION);
  FAILS (mt_webhook_url_parse ("http://example.org:80x/", &url, &fx_err), MT_ERR_VALIDATION);
  FAILS (mt_webhook_url_parse ("http://[zz]/", &url, &fx_err), MT_ERR_VALIDATION);
  FAILS (mt_webhook_url_parse ("http://ex_ample.org/", &url, &fx_err), MT_ERR_VALIDATION);
  memcpy (long_url, "http://example.org/", 19);
  memset (long_url + 19, 'a', sizeof long_url - 20);
  long_url[sizeof long_url - 1] = '\0';
  FAILS (mt_webhook_url_parse (long_url, &url, &fx_err), MT_ERR_VALIDATION);
  assert_non_null (strstr (fx_err.message, "too long"));
}

/* {"url": @url, "events": [@events...]} */
static void
body (bson_t *out, const char *url, const char *const *events)
{
  bson_init (out);
  BSON_APPEND_UTF8 (out, "url", url);
  mt_bson_append_str_array (out, "events", events);
}

static void
create_list_delete (void **state)
{
  fx_t *fx = *state;
  mt_principal_t principal;
  mt_ctx_t ctx;
  const char *events[] = { "reservation.requested", "booking.accepted", NULL };
  bson_t in, created, stored;
  mt_store_page_t page;
  char id[MT_ID_SIZE];
  char *json;

  caller (fx, true, &principal, &ctx);
  body (&in, "http://127.0.0.1:9/hook", events);
  OK (mt_webhooks_create (&ctx, &in, &created, &fx_err));
  snprintf (id, sizeof id, "%s", mt_bson_str (&created, "id"));
  assert_true (mt_id_is_valid (id, "whk"));
  assert_int_equal (strlen (mt_bson_str (&created, "secret")), MT_WEBHOOK_SECRET_LEN);
  assert_true (mt_bson_array_has_str (&created, "events", "booking.accepted"));
  assert_string_equal (mt_bson_str (&created, "created_by"), principal.account_id);
  /* The stored secret is the one shown: deliveries are signed with it. */
  OK (fx->store->ops->webhook_get (fx->store, id, &stored, &fx_err));
  assert_string_equal (mt_bson_str (&stored, "secret"), mt_bson_str (&created, "secret"));
  bson_destroy (&stored);

  OK (mt_webhooks_list (&ctx, NULL, NULL, &page, &fx_err));
  json = bson_as_relaxed_extended_json (&page.items, NULL);
  assert_non_null (strstr (json, id));
  assert_null (strstr (json, "secret"));
  assert_null (strstr (json, "whsec_"));
  bson_free (json);
  mt_store_page_destroy (&page);

  OK (mt_webhooks_delete (&ctx, id, &fx_err));
  FAILS (mt_webhooks_delete (&ctx, id, &fx_err), MT_ERR_NOT_FOUND);
  FAILS (mt_webhooks_deliveries (&ctx, id, NULL, NULL, &page, &fx_err), MT_ERR_NOT_FOUND);
  mt_store_page_destroy (&page);
  bson_destroy (&created);
  bson_destroy (&in);
}

static void
create_refusals (void **state)
{
  fx_t *fx = *state;
  mt_principal_t principal;
  mt_ctx_t ctx;
  const char *unknown[] = { "reservation.requested", "reservation.stolen", NULL };
  const char *twice[] = { "need.answered", "need.answered", NULL };
  const char *none[] = { NULL };
  const char *good[] = { "need.answered", NULL };
  bson_t in, out;
  mt_store_page_t page;

  caller (fx, true, &principal, &ctx);
  body (&in, "http://127.0.0.1:9/hook", unknown);
  FAILS (mt_webhooks_create (&ctx, &in, &out, &fx_err), MT_ERR_VALIDATION);
  assert_string_equal (fx_err.path, "/events");
  bson_destroy (&in);
  bson_destroy (&out);
  body (&in, "http://127.0.0.1:9/hook", twice);
  FAILS (mt_webhooks_create (&ctx, &in, &out, &fx_err), MT_ERR_VALIDATION);
  bson_destroy (&in);
  bson_destroy (&out);
  body (&in, "http://127.0.0.1:9/hook", none);
  FAILS (mt_webhooks_create (&ctx, &in, &out, &fx_err), MT_ERR_VALIDATION);
  bson_destroy (&in);
  bson_destroy (&out);
  body (&in, "https://example.org/hook", good);
  FAILS (mt_webhooks_create (&ctx, &in, &out, &fx_err), MT_ERR_VALIDATION);
  assert_string_equal (fx_err.path, "/url");
  bson_destroy (&out);
  /* A member who is not an administrator. */
  caller (fx, false, &principal, &ctx);
  bson_destroy (&in);
  body (&in, "http://127.0.0.1:9/hook", good);
  FAILS (mt_webhooks_create (&ctx, &in, &out, &fx_err), MT_ERR_FORBIDDEN);
  bson_destroy (&out);
  FAILS (mt_webhooks_list (&ctx, NULL, NULL, &page, &fx_err), MT_ERR_FORBIDDEN);
  mt_store_page_destroy (&page);
  /* Nothing was stored by any refusal. */
  caller (fx, true, &principal, &ctx);
  OK (mt_webhooks_list (&ctx, NULL, NULL, &page, &fx_err));
  assert_int_equal (bson_count_keys (&page.items), 0);
  mt_store_page_destroy (&page);
  bson_destroy (&in);
}

static void
delivery_log_view (void **state)
{
  fx_t *fx = *state;
  mt_principal_t principal;
  mt_ctx_t ctx;
  const char *events[] = { "need.answered", NULL };
  bson_t in, created, msg = BSON_INITIALIZER, payload;
  mt_store_page_t page;
  bson_iter_t it;
  char *json;

  caller (fx, true, &principal, &ctx);
  body (&in, "http://127.0.0.1:9/hook", events);
  OK (mt_webhooks_create (&ctx, &in, &created, &fx_err));
  BSON_APPEND_UTF8 (&msg, "id", "dlv_log");
  BSON_APPEND_UTF8 (&msg, "kind", "webhook");
  BSON_APPEND_UTF8 (&msg, "webhook_id", mt_bson_str (&created, "id"));
  BSON_APPEND_UTF8 (&msg, "event", "need.answered");
  BSON_APPEND_DOCUMENT_BEGIN (&msg, "payload", &payload);
  BSON_APPEND_UTF8 (&payload, "body", "{\"private\":\"payload\"}");
  bson_append_document_end (&msg, &payload);
  BSON_APPEND_UTF8 (&msg, "status", "pending");
  BSON_APPEND_INT32 (&msg, "attempts", 0);
  BSON_APPEND_DATE_TIME (&msg, "next_attempt_at", FX_NOW_MS);
  BSON_APPEND_DATE_TIME (&msg, "created_at", FX_NOW_MS);
  OK (fx->store->ops->outbox_insert (fx->store, &msg, &fx_err));
  OK (mt_webhooks_deliveries (&ctx, mt_bson_str (&created, "id"), NULL, NULL, &page, &fx_err));
  assert_true (bson_iter_init (&it, &page.items) &&
               bson_iter_find_descendant (&it, "0.status", &it));
  assert_string_equal (bson_iter_utf8 (&it, NULL), "pending");
  json = bson_as_relaxed_extended_json (&page.items, NULL);
  assert_non_null (strstr (json, "dlv_log"));
  assert_non_null (strstr (json, "next_attempt_at"));
  assert_null (strstr (json, "payload"));
  assert_null (strstr (json, "whsec_"));
  bson_free (json);
  mt_store_page_destroy (&page);
  FAILS (mt_webhooks_deliveries (&ctx, "whk_unknownunknownunknow", NULL, NULL, &page, &fx_err),
         MT_ERR_NOT_FOUND);
  mt_store_page_destroy (&page);
  bson_destroy (&msg);
  bson_destroy (&created);
  bson_destroy (&in);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("webhooks/url/rule", url_rule),
    { "webhooks/create/list_delete_secret_once", create_list_delete, fx_setup, fx_teardown, NULL },
    { "webhooks/create/refusals_store_nothing", create_refusals, fx_setup, fx_teardown, NULL },
    { "webhooks/deliveries/view_without_payload", delivery_log_view, fx_setup, fx_teardown, NULL },
  };

  if (sodium_init () < 0) {
    return 1;
  }
  mt_config_defaults (&config);
  env.config = &config;
  return cmocka_run_group_tests (tests, NULL, NULL);
}
