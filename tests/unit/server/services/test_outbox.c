/*
 * Unit tests of services/outbox.h on a real SQLite store with a fake transport: the
 * signature (an independent crypto_auth computation, tampering, another secret, an old
 * timestamp), the backoff, the claim (recorded before sending; a second instance holding
 * the same version sends nothing), sending on 2xx, retries until webhook_max_attempts with
 * the delivery log, messages given up (no sendmail command, deleted webhook), e-mails, and
 * a pass that leaves messages not yet due alone. Time stands still: ctx->now_ms and the
 * fake clock are set by each test.
 */
#include "members_fixture.h"

#include "config.h"
#include "mt_time.h"
#include "outbox.h"

#include <sodium.h>

#define NOW FX_NOW_MS
#define BODY "{\"id\":\"evt_x\",\"event\":\"reservation.approved\",\"data\":{}}"

/* The fake transport: records the last call, answers @status (0: no answer). */
typedef struct {
  int posts;
  int mails;
  int status;
  bool mail_ok;
  int64_t clock_ms;
  char url[256];
  char body[1024];
  char signature[MT_OUTBOX_SIGNATURE_MAX];
  char delivery_id[64];
  char event[64];
  /* what the store held while the post was in progress */
  fx_t *fx;
  int64_t seen_attempts;
  bool seen_sending;
  int64_t seen_next_attempt;
} fake_t;

static fake_t fake;

static bool
fake_post (void *arg, const char *url, const char *body, size_t len, const char *signature,
           const char *delivery_id, const char *event, int *status, char *detail,
           size_t detail_size)
{
  fake_t *f = arg;

  f->posts++;
  snprintf (f->url, sizeof f->url, "%s", url);
  snprintf (f->body, sizeof f->body, "%.*s", (int) len, body);
  snprintf (f->signature, sizeof f->signature, "%s", signature);
  snprintf (f->delivery_id, sizeof f->delivery_id, "%s", delivery_id);
  snprintf (f->event, sizeof f->event, "%s", event);
  if (f->fx) {
    bson_t doc;
    mt_error_t error;
    bson_iter_t it;
    if (f->fx->store->ops->outbox_get (f->fx->store, delivery_id, &doc, &error)) {
      f->seen_attempts = mt_bson_int (&doc, "attempts", -1);
      f->seen_next_attempt = mt_bson_date (&doc, "next_attempt_at", 0);
      f->seen_sending =
        bson_iter_init (&it, &doc) && bson_iter_find_descendant (&it, "log.0.outcome", &it) &&
        BSON_ITER_HOLDS_UTF8 (&it) && strcmp (bson_iter_utf8 (&it, NULL), "sending") == 0;
      bson_destroy (&doc);
    }
  }
  if (f->status == 0) {
    snprintf (detail, detail_size, "connection refused");
    return false;
  }
  *status = f->status;
  return true;
}

static bool
fake_mail (void *arg, const char *message, size_t len, char *detail, size_t detail_size)
{
  fake_t *f = arg;

  f->mails++;
  snprintf (f->body, sizeof f->body, "%.*s", (int) len, message);
  if (!f->mail_ok) {
    snprintf (detail, detail_size, "exit status 75");
  }
  return f->mail_ok;
}

static int64_t
fake_clock (void *arg)
{
  return ((fake_t *) arg)->clock_ms;
}

static const mt_outbox_transport_t transport = {
  .mail = fake_mail,
  .post = fake_post,
  .clock = fake_clock,
  .arg = &fake,
  .timeout_ms = 10000,
};

static mt_config_t config;
static mt_service_env_t env;

static int
setup (void **state)
{
  mt_config_defaults (&config);
  config.webhook_max_attempts = 3;
  config.outbox_retry_base_s = 30;
  memset (&env, 0, sizeof env);
  env.config = &config;
  memset (&fake, 0, sizeof fake);
  fake.status = 200;
  fake.mail_ok = true;
  fake.clock_ms = NOW;
  return fx_setup (state);
}

static mt_ctx_t
ctx_at (fx_t *fx, int64_t now_ms)
{
  mt_ctx_t ctx = { .env = &env, .store = fx->store, .now_ms = now_ms };
  fake.clock_ms = now_ms;
  return ctx;
}

/* A webhook with a fresh secret (to @secret); its id to @id. */
static void
webhook (fx_t *fx, const char *url, char id[MT_ID_SIZE], char secret[MT_WEBHOOK_SECRET_SIZE])
{
  bson_t doc = BSON_INITIALIZER;
  const char *events[] = { "reservation.approved", NULL };

  mt_id_new ("whk", id);
  mt_webhook_secret_new (secret);
  BSON_APPEND_UTF8 (&doc, "id", id);
  BSON_APPEND_UTF8 (&doc, "url", url);
  mt_bson_append_str_array (&doc, "events", events);
  BSON_APPEND_UTF8 (&doc, "secret", secret);
  BSON_APPEND_DATE_TIME (&doc, "created_at", NOW - 1000);
  BSON_APPEND_UTF8 (&doc, "created_by", "acc_x");
  OK (fx->store->ops->webhook_insert (fx->store, &doc, &fx_err));
  bson_destroy (&doc);
}

/* A pending message due at @due: a delivery to @webhook_id, or an e-mail when it is NULL. */
static void
message (fx_t *fx, const char *id, const char *webhook_id, int64_t due)
{
  bson_t doc = BSON_INITIALIZER;
  bson_t payload;

  BSON_APPEND_UTF8 (&doc, "id", id);
  BSON_APPEND_UTF8 (&doc, "kind", webhook_id ? "webhook" : "email");
  if (webhook_id) {
    BSON_APPEND_UTF8 (&doc, "webhook_id", webhook_id);
  } else {
    BSON_APPEND_UTF8 (&doc, "to", "someone@example.org");
  }
  BSON_APPEND_UTF8 (&doc, "event", "reservation.approved");
  BSON_APPEND_DOCUMENT_BEGIN (&doc, "payload", &payload);
  BSON_APPEND_UTF8 (&payload, webhook_id ? "body" : "message",
                    webhook_id ? BODY : "To: someone@example.org\nSubject: x\n\nbody\n");
  bson_append_document_end (&doc, &payload);
  BSON_APPEND_UTF8 (&doc, "status", "pending");
  BSON_APPEND_INT32 (&doc, "attempts", 0);
  BSON_APPEND_DATE_TIME (&doc, "next_attempt_at", due);
  BSON_APPEND_DATE_TIME (&doc, "created_at", NOW - 1000);
  OK (fx->store->ops->outbox_insert (fx->store, &doc, &fx_err));
  bson_destroy (&doc);
}

static void
get (fx_t *fx, const char *id, bson_t *out)
{
  OK (fx->store->ops->outbox_get (fx->store, id, out, &fx_err));
}

/* The string or integer at dotted @path of @doc ("" / -1 when absent). */
static const char *
path_str (const bson_t *doc, const char *path)
{
  bson_iter_t it, found;
  return bson_iter_init (&it, doc) && bson_iter_find_descendant (&it, path, &found) &&
             BSON_ITER_HOLDS_UTF8 (&found)
           ? bson_iter_utf8 (&found, NULL)
           : "";
}

static int64_t
path_int (const bson_t *doc, const char *path)
{
  bson_iter_t it, found;
  return bson_iter_init (&it, doc) && bson_iter_find_descendant (&it, path, &found) &&
             BSON_ITER_HOLDS_NUMBER (&found)
           ? bson_iter_as_int64 (&found)
           : -1;
}

static uint32_t
log_count (const bson_t *doc)
{
  bson_iter_t it, child;
  uint32_t n = 0;

  if (bson_iter_init_find (&it, doc, "log") && bson_iter_recurse (&it, &child)) {
    while (bson_iter_next (&child)) {
      n++;
    }
  }
  return n;
}

static void
run_pass (fx_t *fx, int64_t now, mt_outbox_report_t *report)
{
  mt_ctx_t ctx = ctx_at (fx, now);
  OK (mt_outbox_run (&ctx, &transport, NULL, report, &fx_err));
}

/* ---- signature and backoff ------------------------------------------------------------- */

static void
signature_is_crypto_auth_of_t_dot_body (void **state)
{
  char secret[MT_WEBHOOK_SECRET_SIZE];
  char header[MT_OUTBOX_SIGNATURE_MAX];
  char expected[MT_OUTBOX_SIGNATURE_MAX];
  unsigned char key[crypto_auth_KEYBYTES];
  unsigned char mac[crypto_auth_BYTES];
  char hex[2 * crypto_auth_BYTES + 1];
  const char *signed_text = "1781254800." BODY;

  (void) state;
  mt_webhook_secret_new (secret);
  assert_int_equal (strlen (secret), MT_WEBHOOK_SECRET_LEN);
  assert_memory_equal (secret, "whsec_", 6);
  assert_true (mt_outbox_sign (secret, 1781254800, BODY, strlen (BODY), header));
  /* Independently: the key is the hex after "whsec_", the MAC crypto_auth of "<t>.<body>". */
  assert_int_equal (sodium_hex2bin (key, sizeof key, secret + 6, 64, NULL, NULL, NULL), 0);
  crypto_auth (mac, (const unsigned char *) signed_text, strlen (signed_text), key);
  sodium_bin2hex (hex, sizeof hex, mac, sizeof mac);
  snprintf (expected, sizeof expected, "t=1781254800,v1=%s", hex);
  assert_string_equal (header, expected);
  assert_int_equal (
    crypto_auth_verify (mac, (const unsigned char *) signed_text, strlen (signed_text), key), 0);
}

static void
signature_verification_refuses_tampering (void **state)
{
  char secret[MT_WEBHOOK_SECRET_SIZE], other[MT_WEBHOOK_SECRET_SIZE];
  char header[MT_OUTBOX_SIGNATURE_MAX];
  char forged[MT_OUTBOX_SIGNATURE_MAX];
  const char *tampered = "{\"id\":\"evt_x\",\"event\":\"reservation.declined\",\"data\":{}}";

  (void) state;
  mt_webhook_secret_new (secret);
  mt_webhook_secret_new (other);
  assert_true (mt_outbox_sign (secret, 1000, BODY, strlen (BODY), header));
  assert_true (mt_outbox_verify (secret, header, BODY, strlen (BODY), 1000, 300));
  assert_true (mt_outbox_verify (secret, header, BODY, strlen (BODY), 1300, 300));
  assert_false (mt_outbox_verify (secret, header, BODY, strlen (BODY), 1301, 300)); /* replay */
  assert_false (mt_outbox_verify (other, header, BODY, strlen (BODY), 1000, 300));
  assert_false (mt_outbox_verify (secret, header, tampered, strlen (tampered), 1000, 300));
  /* Another timestamp with the same MAC. */
  snprintf (forged, sizeof forged, "t=1001%s", strchr (header, ','));
  assert_false (mt_outbox_verify (secret, forged, BODY, strlen (BODY), 1000, 300));
  assert_false (mt_outbox_verify (secret, "v1=00", BODY, strlen (BODY), 1000, 300));
  /* A malformed secret signs nothing. */
  assert_false (mt_outbox_sign ("whsec_short", 1000, BODY, strlen (BODY), header));
  assert_string_equal (header, "");
}

static void
backoff_doubles_and_is_capped (void **state)
{
  (void) state;
  assert_int_equal (mt_outbox_backoff_ms (30000, 1), 30000);
  assert_int_equal (mt_outbox_backoff_ms (30000, 2), 60000);
  assert_int_equal (mt_outbox_backoff_ms (30000, 3), 120000);
  assert_int_equal (mt_outbox_backoff_ms (30000, 8), 30000 * 128);
  assert_int_equal (mt_outbox_backoff_ms (30000, 50), MT_OUTBOX_BACKOFF_MAX_MS);
  assert_int_equal (mt_outbox_backoff_ms (0, 5), 0);
}

/* ---- deliveries ------------------------------------------------------------------------ */

static void
webhook_sent_on_2xx_with_signature (void **state)
{
  fx_t *fx = *state;
  char hook[MT_ID_SIZE], secret[MT_WEBHOOK_SECRET_SIZE];
  mt_outbox_report_t report;
  bson_t doc;

  webhook (fx, "http://127.0.0.1:9/hook", hook, secret);
  message (fx, "dlv_one", hook, NOW);
  fake.status = 204;
  run_pass (fx, NOW, &report);
  assert_int_equal (report.sent, 1);
  assert_int_equal (fake.posts, 1);
  assert_string_equal (fake.url, "http://127.0.0.1:9/hook");
  assert_string_equal (fake.body, BODY);
  assert_string_equal (fake.delivery_id, "dlv_one");
  assert_string_equal (fake.event, "reservation.approved");
  assert_true (mt_outbox_verify (secret, fake.signature, BODY, strlen (BODY), NOW / 1000, 300));
  get (fx, "dlv_one", &doc);
  assert_string_equal (mt_bson_str (&doc, "status"), "sent");
  assert_int_equal (mt_bson_int (&doc, "attempts", 0), 1);
  assert_int_equal (log_count (&doc), 1);
  assert_string_equal (path_str (&doc, "log.0.outcome"), "sent");
  assert_int_equal (path_int (&doc, "log.0.status_code"), 204);
  assert_false (mt_bson_has (&doc, "last_error"));
  bson_destroy (&doc);
  /* Sent: a later pass leaves it alone. */
  run_pass (fx, NOW + 3600000, &report);
  assert_int_equal (fake.posts, 1);
}

static void
claim_is_recorded_before_sending (void **state)
{
  fx_t *fx = *state;
  char hook[MT_ID_SIZE], secret[MT_WEBHOOK_SECRET_SIZE];
  mt_outbox_report_t report;

  webhook (fx, "http://127.0.0.1:9/hook", hook, secret);
  message (fx, "dlv_claim", hook, NOW);
  fake.fx = fx;
  run_pass (fx, NOW, &report);
  assert_int_equal (fake.posts, 1);
  assert_int_equal (fake.seen_attempts, 1);
  assert_true (fake.seen_sending);
  /* Past the longest possible attempt: nobody else takes it meanwhile. */
  assert_true (fake.seen_next_attempt >= NOW + transport.timeout_ms + MT_OUTBOX_LEASE_MARGIN_MS);
}

static void
second_instance_with_same_version_sends_nothing (void **state)
{
  fx_t *fx = *state;
  char hook[MT_ID_SIZE], secret[MT_WEBHOOK_SECRET_SIZE];
  mt_ctx_t ctx = ctx_at (fx, NOW);
  mt_outbox_outcome_t a = MT_OUTBOX_SKIPPED, b = MT_OUTBOX_SENT;
  bson_t listed, doc;

  webhook (fx, "http://127.0.0.1:9/hook", hook, secret);
  message (fx, "dlv_race", hook, NOW);
  /* Both instances listed the same message at the same version. */
  get (fx, "dlv_race", &listed);
  OK (mt_outbox_deliver (&ctx, &listed, &transport, &a, &fx_err));
  OK (mt_outbox_deliver (&ctx, &listed, &transport, &b, &fx_err));
  assert_int_equal (a, MT_OUTBOX_SENT);
  assert_int_equal (b, MT_OUTBOX_SKIPPED);
  assert_int_equal (fake.posts, 1);
  get (fx, "dlv_race", &doc);
  assert_int_equal (mt_bson_int (&doc, "attempts", 0), 1);
  assert_int_equal (log_count (&doc), 1);
  bson_destroy (&doc);
  bson_destroy (&listed);
}

static void
failures_retry_with_backoff_then_fail (void **state)
{
  fx_t *fx = *state;
  char hook[MT_ID_SIZE], secret[MT_WEBHOOK_SECRET_SIZE];
  mt_outbox_report_t report;
  bson_t doc;

  webhook (fx, "http://127.0.0.1:9/hook", hook, secret);
  message (fx, "dlv_retry", hook, NOW);
  fake.status = 500;
  run_pass (fx, NOW, &report);
  assert_int_equal (report.retried, 1);
  get (fx, "dlv_retry", &doc);
  assert_string_equal (mt_bson_str (&doc, "status"), "pending");
  assert_int_equal (mt_bson_date (&doc, "next_attempt_at", 0), NOW + 30000);
  assert_string_equal (mt_bson_str (&doc, "last_error"), "HTTP status 500");
  bson_destroy (&doc);
  /* Not due yet: nothing sent. */
  run_pass (fx, NOW + 29999, &report);
  assert_int_equal (fake.posts, 1);
  /* Second attempt: no answer at all; the wait doubles. */
  fake.status = 0;
  run_pass (fx, NOW + 30000, &report);
  assert_int_equal (fake.posts, 2);
  get (fx, "dlv_retry", &doc);
  assert_int_equal (mt_bson_date (&doc, "next_attempt_at", 0), NOW + 30000 + 60000);
  assert_string_equal (mt_bson_str (&doc, "last_error"), "connection refused");
  bson_destroy (&doc);
  /* Third and last attempt (webhook_max_attempts = 3). */
  fake.status = 503;
  run_pass (fx, NOW + 90000, &report);
  assert_int_equal (report.failed, 1);
  assert_int_equal (fake.posts, 3);
  get (fx, "dlv_retry", &doc);
  assert_string_equal (mt_bson_str (&doc, "status"), "failed");
  assert_int_equal (mt_bson_int (&doc, "attempts", 0), 3);
  assert_int_equal (log_count (&doc), 3);
  assert_int_equal (path_int (&doc, "log.0.status_code"), 500);
  assert_int_equal (path_int (&doc, "log.1.status_code"), -1);
  assert_string_equal (path_str (&doc, "log.1.error"), "connection refused");
  assert_int_equal (path_int (&doc, "log.2.status_code"), 503);
  assert_int_equal (path_int (&doc, "log.2.attempt"), 3);
  assert_string_equal (path_str (&doc, "log.2.outcome"), "error");
  bson_destroy (&doc);
  run_pass (fx, NOW + 86400000, &report);
  assert_int_equal (fake.posts, 3);
}

static void
redirect_is_not_success (void **state)
{
  fx_t *fx = *state;
  char hook[MT_ID_SIZE], secret[MT_WEBHOOK_SECRET_SIZE];
  mt_outbox_report_t report;
  bson_t doc;

  webhook (fx, "http://127.0.0.1:9/hook", hook, secret);
  message (fx, "dlv_redirect", hook, NOW);
  fake.status = 302;
  run_pass (fx, NOW, &report);
  get (fx, "dlv_redirect", &doc);
  assert_string_equal (mt_bson_str (&doc, "status"), "pending");
  assert_int_equal (path_int (&doc, "log.0.status_code"), 302);
  bson_destroy (&doc);
}

static void
deleted_webhook_gives_up_without_sending (void **state)
{
  fx_t *fx = *state;
  char hook[MT_ID_SIZE], secret[MT_WEBHOOK_SECRET_SIZE];
  mt_outbox_report_t report;
  bson_t doc;

  webhook (fx, "http://127.0.0.1:9/hook", hook, secret);
  message (fx, "dlv_gone", hook, NOW);
  OK (fx->store->ops->webhook_delete (fx->store, hook, &fx_err));
  run_pass (fx, NOW, &report);
  assert_int_equal (fake.posts, 0);
  get (fx, "dlv_gone", &doc);
  assert_string_equal (mt_bson_str (&doc, "status"), "failed");
  assert_string_equal (mt_bson_str (&doc, "last_error"), "webhook deleted");
  assert_int_equal (mt_bson_int (&doc, "attempts", -1), 0);
  bson_destroy (&doc);
}

static void
email_sent_through_transport (void **state)
{
  fx_t *fx = *state;
  mt_outbox_report_t report;
  bson_t doc;

  message (fx, "eml_one", NULL, NOW);
  run_pass (fx, NOW, &report);
  assert_int_equal (fake.mails, 1);
  assert_int_equal (fake.posts, 0);
  assert_non_null (strstr (fake.body, "Subject: x"));
  get (fx, "eml_one", &doc);
  assert_string_equal (mt_bson_str (&doc, "status"), "sent");
  assert_string_equal (path_str (&doc, "log.0.outcome"), "sent");
  bson_destroy (&doc);
}

static void
email_failure_is_retried (void **state)
{
  fx_t *fx = *state;
  mt_outbox_report_t report;
  bson_t doc;

  message (fx, "eml_fail", NULL, NOW);
  fake.mail_ok = false;
  run_pass (fx, NOW, &report);
  get (fx, "eml_fail", &doc);
  assert_string_equal (mt_bson_str (&doc, "status"), "pending");
  assert_string_equal (mt_bson_str (&doc, "last_error"), "exit status 75");
  assert_int_equal (mt_bson_date (&doc, "next_attempt_at", 0), NOW + 30000);
  bson_destroy (&doc);
}

static void
email_without_command_is_marked_failed (void **state)
{
  fx_t *fx = *state;
  mt_outbox_report_t report;
  bson_t doc;

  config.sendmail_command[0] = '\0';
  message (fx, "eml_nocmd", NULL, NOW);
  run_pass (fx, NOW, &report);
  assert_int_equal (fake.mails, 0);
  assert_int_equal (report.failed, 1);
  get (fx, "eml_nocmd", &doc);
  assert_string_equal (mt_bson_str (&doc, "status"), "failed");
  assert_non_null (strstr (mt_bson_str (&doc, "last_error"), "sendmail_command"));
  assert_int_equal (mt_bson_int (&doc, "attempts", -1), 0);
  bson_destroy (&doc);
}

static void
pass_leaves_messages_not_due (void **state)
{
  fx_t *fx = *state;
  char hook[MT_ID_SIZE], secret[MT_WEBHOOK_SECRET_SIZE];
  mt_outbox_report_t report;
  bson_t doc;

  webhook (fx, "http://127.0.0.1:9/hook", hook, secret);
  message (fx, "dlv_later", hook, NOW + 1000);
  message (fx, "dlv_now", hook, NOW);
  run_pass (fx, NOW, &report);
  assert_int_equal (report.examined, 1);
  assert_int_equal (fake.posts, 1);
  assert_string_equal (fake.delivery_id, "dlv_now");
  get (fx, "dlv_later", &doc);
  assert_string_equal (mt_bson_str (&doc, "status"), "pending");
  assert_int_equal (mt_bson_int (&doc, "attempts", -1), 0);
  bson_destroy (&doc);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("outbox/signature/is_crypto_auth_of_t_dot_body",
             signature_is_crypto_auth_of_t_dot_body),
    MT_TEST ("outbox/signature/verification_refuses_tampering",
             signature_verification_refuses_tampering),
    MT_TEST ("outbox/backoff/doubles_and_is_capped", backoff_doubles_and_is_capped),
    { "outbox/webhook/sent_on_2xx_with_signature", webhook_sent_on_2xx_with_signature, setup,
      fx_teardown, NULL },
    { "outbox/claim/recorded_before_sending", claim_is_recorded_before_sending, setup, fx_teardown,
      NULL },
    { "outbox/claim/second_instance_with_same_version_sends_nothing",
      second_instance_with_same_version_sends_nothing, setup, fx_teardown, NULL },
    { "outbox/webhook/failures_retry_with_backoff_then_fail", failures_retry_with_backoff_then_fail,
      setup, fx_teardown, NULL },
    { "outbox/webhook/redirect_is_not_success", redirect_is_not_success, setup, fx_teardown, NULL },
    { "outbox/webhook/deleted_webhook_gives_up_without_sending",
      deleted_webhook_gives_up_without_sending, setup, fx_teardown, NULL },
    { "outbox/email/sent_through_transport", email_sent_through_transport, setup, fx_teardown,
      NULL },
    { "outbox/email/failure_is_retried", email_failure_is_retried, setup, fx_teardown, NULL },
    { "outbox/email/without_command_is_marked_failed", email_without_command_is_marked_failed,
      setup, fx_teardown, NULL },
    { "outbox/run/leaves_messages_not_due", pass_leaves_messages_not_due, setup, fx_teardown,
      NULL },
  };

  if (sodium_init () < 0) {
    return 1;
  }
  return cmocka_run_group_tests (tests, NULL, NULL);
}
