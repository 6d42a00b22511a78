/*
 * outbox: claim, send and record the outbox's e-mails and webhook deliveries; see outbox.h.
 */
#include "outbox.h"

#include "mt_bson.h"
#include "mt_log.h"
#include "mt_time.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MT_LOG_DOMAIN "outbox"

/* Set once the "sendmail_command is empty" case has been logged. */
static atomic_bool mt_outbox_no_command_logged;

int64_t
mt_outbox_backoff_ms (int64_t base_ms, int64_t attempts)
{
  int64_t delay = base_ms;

  if (base_ms <= 0) {
    return 0;
  }
  for (int64_t i = 1; i < attempts && delay < MT_OUTBOX_BACKOFF_MAX_MS; i++) {
    delay *= 2;
  }
  return delay < MT_OUTBOX_BACKOFF_MAX_MS ? delay : MT_OUTBOX_BACKOFF_MAX_MS;
}

void
mt_webhook_secret_new (char out[MT_WEBHOOK_SECRET_SIZE])
{
  unsigned char key[crypto_auth_KEYBYTES];

  crypto_auth_keygen (key);
  memcpy (out, MT_WEBHOOK_SECRET_PREFIX, 6);
  sodium_bin2hex (out + 6, MT_WEBHOOK_SECRET_SIZE - 6, key, sizeof key);
  sodium_memzero (key, sizeof key);
}

/* The key of @secret; false when it is not "whsec_" + 64 hex digits. */
static bool
mt_outbox_key (const char *secret, unsigned char key[crypto_auth_KEYBYTES])
{
  size_t len = 0;

  if (!secret || strlen (secret) != MT_WEBHOOK_SECRET_LEN ||
      strncmp (secret, MT_WEBHOOK_SECRET_PREFIX, 6) != 0) {
    return false;
  }
  return sodium_hex2bin (key, crypto_auth_KEYBYTES, secret + 6, 64, NULL, &len, NULL) == 0 &&
         len == crypto_auth_KEYBYTES;
}

/* crypto_auth of "<t>.<body>" with @key. */
static void
mt_outbox_mac (const unsigned char key[crypto_auth_KEYBYTES], int64_t t_s, const char *body,
               size_t len, unsigned char mac[crypto_auth_BYTES])
{
  crypto_auth_hmacsha512256_state state;
  char prefix[32];
  int n = snprintf (prefix, sizeof prefix, "%" PRId64 ".", t_s);

  crypto_auth_hmacsha512256_init (&state, key, crypto_auth_KEYBYTES);
  crypto_auth_hmacsha512256_update (&state, (const unsigned char *) prefix, (size_t) n);
  crypto_auth_hmacsha512256_update (&state, (const unsigned char *) body, len);
  crypto_auth_hmacsha512256_final (&state, mac);
  sodium_memzero (&state, sizeof state);
}

bool
mt_outbox_sign (const char *secret, int64_t t_s, const char *body, size_t len,
                char out[MT_OUTBOX_SIGNATURE_MAX])
{
  unsigned char key[crypto_auth_KEYBYTES];
  unsigned char mac[crypto_auth_BYTES];
  char hex[2 * crypto_auth_BYTES + 1];
  bool ok = false;

  out[0] = '\0';
  if (!mt_outbox_key (secret, key)) {
    goto done;
  }
  mt_outbox_mac (key, t_s, body, len, mac);
  sodium_bin2hex (hex, sizeof hex, mac, sizeof mac);
  snprintf (out, MT_OUTBOX_SIGNATURE_MAX, "t=%" PRId64 ",v1=%s", t_s, hex);
  ok = true;
done:
  sodium_memzero (key, sizeof key);
  return ok;
}

bool
mt_outbox_verify (const char *secret, const char *header, const char *body, size_t len,
                  int64_t now_s, int64_t tolerance_s)
{
  unsigned char key[crypto_auth_KEYBYTES];
  unsigned char given[crypto_auth_BYTES];
  unsigned char mac[crypto_auth_BYTES];
  const char *v1;
  char *end = NULL;
  size_t bin_len = 0;
  long long t;
  bool ok = false;

  if (!header || strncmp (header, "t=", 2) != 0 || !mt_outbox_key (secret, key)) {
    goto done;
  }
  t = strtoll (header + 2, &end, 10);
  if (end == header + 2 || strncmp (end, ",v1=", 4) != 0) {
    goto done;
  }
  v1 = end + 4;
  if (strlen (v1) != 2 * crypto_auth_BYTES ||
      sodium_hex2bin (given, sizeof given, v1, 2 * crypto_auth_BYTES, NULL, &bin_len, NULL) != 0 ||
      bin_len != sizeof given) {
    goto done;
  }
  if ((int64_t) t > now_s + tolerance_s || (int64_t) t < now_s - tolerance_s) {
    goto done;
  }
  mt_outbox_mac (key, (int64_t) t, body, len, mac);
  ok = sodium_memcmp (mac, given, sizeof mac) == 0;
done:
  sodium_memzero (key, sizeof key);
  return ok;
}

/* ---- Records --------------------------------------------------------------------------- */

static const char *const mt_outbox_changed_fields[] = {
  "status",  "attempts",   "next_attempt_at", "last_error", "log",
  "sent_at", "updated_at", "version",         NULL,
};

/* Appends @message's "log" array to @log, without its last entry when @drop_last. */
static void
mt_outbox_copy_log (const bson_t *message, bson_t *log, bool drop_last, uint32_t *count)
{
  bson_iter_t it, child;
  uint32_t total = 0;

  *count = 0;
  if (bson_iter_init_find (&it, message, "log") && BSON_ITER_HOLDS_ARRAY (&it) &&
      bson_iter_recurse (&it, &child)) {
    while (bson_iter_next (&child)) {
      total++;
    }
  }
  if (total == 0 || !bson_iter_init_find (&it, message, "log") ||
      !bson_iter_recurse (&it, &child)) {
    return;
  }
  while (bson_iter_next (&child)) {
    char key[16];
    const char *k;
    if (drop_last && *count + 1 == total) {
      break;
    }
    bson_uint32_to_string (*count, &k, key, sizeof key);
    bson_append_value (log, k, -1, bson_iter_value (&child));
    (*count)++;
  }
}

/* One log entry, appended to @log under index @index. */
static void
mt_outbox_log_entry (bson_t *log, uint32_t index, int64_t attempt, int64_t at_ms,
                     const char *outcome, int status_code, const char *detail)
{
  char key[16];
  const char *k;
  bson_t entry;

  bson_uint32_to_string (index, &k, key, sizeof key);
  bson_append_document_begin (log, k, -1, &entry);
  BSON_APPEND_INT64 (&entry, "attempt", attempt);
  BSON_APPEND_DATE_TIME (&entry, "at", at_ms);
  BSON_APPEND_UTF8 (&entry, "outcome", outcome);
  if (status_code > 0) {
    BSON_APPEND_INT32 (&entry, "status_code", status_code);
  }
  if (detail && *detail) {
    BSON_APPEND_UTF8 (&entry, "error", detail);
  }
  bson_append_document_end (log, &entry);
}

/* Writes @doc over @message (compare-and-set on @version); a lost race is *@stale. */
static bool
mt_outbox_write (const mt_ctx_t *ctx, const bson_t *message, int64_t version, const bson_t *doc,
                 bool *stale, mt_error_t *error)
{
  mt_error_t why = { 0 };

  *stale = false;
  if (ctx->store->ops->outbox_update (ctx->store, mt_bson_str (message, "id"), version, doc,
                                      &why)) {
    return true;
  }
  if (why.code == MT_ERR_STALE || why.code == MT_ERR_NOT_FOUND) {
    *stale = true;
    return true;
  }
  mt_error_copy (error, &why);
  return false;
}

/* Marks @message "failed" without an attempt (it cannot be sent); @detail says why. */
static bool
mt_outbox_give_up (const mt_ctx_t *ctx, const bson_t *message, const char *detail,
                   mt_outbox_outcome_t *outcome, mt_error_t *error)
{
  bson_t doc = BSON_INITIALIZER;
  bson_t log;
  uint32_t count;
  bool stale = false;
  bool ok;

  mt_bson_copy_without (message, &doc, mt_outbox_changed_fields);
  BSON_APPEND_UTF8 (&doc, "status", "failed");
  BSON_APPEND_INT64 (&doc, "attempts", mt_bson_int (message, "attempts", 0));
  BSON_APPEND_DATE_TIME (&doc, "next_attempt_at", ctx->now_ms);
  BSON_APPEND_UTF8 (&doc, "last_error", detail);
  BSON_APPEND_ARRAY_BEGIN (&doc, "log", &log);
  mt_outbox_copy_log (message, &log, false, &count);
  bson_append_array_end (&doc, &log);
  BSON_APPEND_DATE_TIME (&doc, "updated_at", ctx->now_ms);
  ok = mt_outbox_write (ctx, message, mt_bson_int (message, "version", 0), &doc, &stale, error);
  *outcome = ok && !stale ? MT_OUTBOX_FAILED : MT_OUTBOX_SKIPPED;
  bson_destroy (&doc);
  return ok;
}

/* The body of a webhook delivery, or NULL. */
static const char *
mt_outbox_payload (const bson_t *message, const char *field, uint32_t *len)
{
  bson_iter_t it, child;

  *len = 0;
  if (bson_iter_init_find (&it, message, "payload") && BSON_ITER_HOLDS_DOCUMENT (&it) &&
      bson_iter_recurse (&it, &child) && bson_iter_find (&child, field) &&
      BSON_ITER_HOLDS_UTF8 (&child)) {
    return bson_iter_utf8 (&child, len);
  }
  return NULL;
}

/* Sends the webhook delivery @message: *@sent, *@status_code, @detail. */
static void
mt_outbox_send_webhook (const mt_ctx_t *ctx, const bson_t *message, const bson_t *webhook,
                        const mt_outbox_transport_t *transport, bool *sent, int *status_code,
                        char *detail, size_t detail_size)
{
  uint32_t len = 0;
  const char *body = mt_outbox_payload (message, "body", &len);
  char signature[MT_OUTBOX_SIGNATURE_MAX];

  *sent = false;
  *status_code = 0;
  if (!mt_outbox_sign (mt_bson_str (webhook, "secret"), ctx->now_ms / 1000, body, len, signature)) {
    snprintf (detail, detail_size, "webhook secret unusable");
    return;
  }
  if (!transport->post (transport->arg, mt_bson_str (webhook, "url"), body, len, signature,
                        mt_bson_str (message, "id"), mt_bson_str (message, "event"), status_code,
                        detail, detail_size)) {
    *status_code = 0;
    if (!detail[0]) {
      snprintf (detail, detail_size, "no answer");
    }
  } else if (*status_code >= 200 && *status_code <= 299) {
    *sent = true;
  } else {
    snprintf (detail, detail_size, "HTTP status %d", *status_code);
  }
  sodium_memzero (signature, sizeof signature);
}

bool
mt_outbox_deliver (const mt_ctx_t *ctx, const bson_t *message,
                   const mt_outbox_transport_t *transport, mt_outbox_outcome_t *outcome,
                   mt_error_t *error)
{
  const mt_config_t *config = ctx->env->config;
  const char *kind = mt_bson_str (message, "kind");
  bool webhook_kind = kind && strcmp (kind, "webhook") == 0;
  int64_t version = mt_bson_int (message, "version", 0);
  int64_t attempts = mt_bson_int (message, "attempts", 0);
  int64_t max_attempts = config->webhook_max_attempts;
  int64_t done_ms;
  bson_t webhook = BSON_INITIALIZER;
  bson_t claim = BSON_INITIALIZER;
  bson_t record = BSON_INITIALIZER;
  bson_t log;
  mt_error_t why = { 0 };
  char detail[MT_OUTBOX_DETAIL_MAX] = "";
  uint32_t count = 0;
  uint32_t len = 0;
  int status_code = 0;
  bool stale = false;
  bool sent = false;
  bool ok = false;

  *outcome = MT_OUTBOX_SKIPPED;
  if (!mt_bson_str_eq (message, "status", "pending") ||
      mt_bson_date (message, "next_attempt_at", INT64_MAX) > ctx->now_ms || !kind) {
    ok = true;
    goto done;
  }
  /* What cannot be sent at all. */
  if (!webhook_kind && strcmp (kind, "email") != 0) {
    ok = mt_outbox_give_up (ctx, message, "unknown kind", outcome, error);
    goto done;
  }
  if (!mt_outbox_payload (message, webhook_kind ? "body" : "message", &len)) {
    ok = mt_outbox_give_up (ctx, message, "no payload", outcome, error);
    goto done;
  }
  if (!webhook_kind && !config->sendmail_command[0]) {
    if (!atomic_exchange (&mt_outbox_no_command_logged, true)) {
      MT_WARN ("sendmail_command is empty: queued e-mails are marked failed, not sent");
    }
    ok = mt_outbox_give_up (ctx, message, "not sent: sendmail_command is empty", outcome, error);
    goto done;
  }
  if (webhook_kind) {
    bson_destroy (&webhook);
    if (!ctx->store->ops->webhook_get (ctx->store, mt_bson_str (message, "webhook_id"), &webhook,
                                       &why)) {
      if (why.code != MT_ERR_NOT_FOUND) {
        mt_error_copy (error, &why);
        bson_init (&webhook);
        goto done;
      }
      bson_init (&webhook);
      ok = mt_outbox_give_up (ctx, message, "webhook deleted", outcome, error);
      goto done;
    }
  }
  if (attempts >= max_attempts) {
    ok = mt_outbox_give_up (ctx, message, "too many attempts", outcome, error);
    goto done;
  }

  /* 1. Claim: the attempt is recorded before anything is sent. */
  mt_bson_copy_without (message, &claim, mt_outbox_changed_fields);
  BSON_APPEND_UTF8 (&claim, "status", "pending");
  BSON_APPEND_INT64 (&claim, "attempts", attempts + 1);
  BSON_APPEND_DATE_TIME (&claim, "next_attempt_at",
                         ctx->now_ms + transport->timeout_ms + MT_OUTBOX_LEASE_MARGIN_MS);
  if (mt_bson_has (message, "last_error")) {
    BSON_APPEND_UTF8 (&claim, "last_error", mt_bson_str (message, "last_error"));
  }
  BSON_APPEND_ARRAY_BEGIN (&claim, "log", &log);
  mt_outbox_copy_log (message, &log, false, &count);
  mt_outbox_log_entry (&log, count, attempts + 1, ctx->now_ms, "sending", 0, NULL);
  bson_append_array_end (&claim, &log);
  BSON_APPEND_DATE_TIME (&claim, "updated_at", ctx->now_ms);
  if (!mt_outbox_write (ctx, message, version, &claim, &stale, error)) {
    goto done;
  }
  if (stale) {
    ok = true; /* another instance has it */
    goto done;
  }
  BSON_APPEND_INT64 (&claim, "version", version + 1);

  /* 2. Send. */
  if (webhook_kind) {
    mt_outbox_send_webhook (ctx, message, &webhook, transport, &sent, &status_code, detail,
                            sizeof detail);
  } else {
    const char *text = mt_outbox_payload (message, "message", &len);
    sent = transport->mail (transport->arg, text, len, detail, sizeof detail);
    if (!sent && !detail[0]) {
      snprintf (detail, sizeof detail, "not sent");
    }
  }
  done_ms = transport->clock ? transport->clock (transport->arg) : mt_time_now_ms ();

  /* 3. Record. */
  mt_bson_copy_without (message, &record, mt_outbox_changed_fields);
  BSON_APPEND_INT64 (&record, "attempts", attempts + 1);
  if (sent) {
    BSON_APPEND_UTF8 (&record, "status", "sent");
    BSON_APPEND_DATE_TIME (&record, "next_attempt_at", done_ms);
    BSON_APPEND_DATE_TIME (&record, "sent_at", done_ms);
    *outcome = MT_OUTBOX_SENT;
  } else if (attempts + 1 >= max_attempts) {
    BSON_APPEND_UTF8 (&record, "status", "failed");
    BSON_APPEND_DATE_TIME (&record, "next_attempt_at", done_ms);
    BSON_APPEND_UTF8 (&record, "last_error", detail);
    *outcome = MT_OUTBOX_FAILED;
  } else {
    BSON_APPEND_UTF8 (&record, "status", "pending");
    BSON_APPEND_DATE_TIME (
      &record, "next_attempt_at",
      done_ms + mt_outbox_backoff_ms (config->outbox_retry_base_s * 1000, attempts + 1));
    BSON_APPEND_UTF8 (&record, "last_error", detail);
    *outcome = MT_OUTBOX_RETRY;
  }
  BSON_APPEND_ARRAY_BEGIN (&record, "log", &log);
  mt_outbox_copy_log (&claim, &log, true, &count);
  mt_outbox_log_entry (&log, count, attempts + 1, done_ms, sent ? "sent" : "error", status_code,
                       sent ? NULL : detail);
  bson_append_array_end (&record, &log);
  BSON_APPEND_DATE_TIME (&record, "updated_at", done_ms);
  if (!mt_outbox_write (ctx, message, version + 1, &record, &stale, error)) {
    goto done;
  }
  if (stale) {
    MT_WARN ("outbox %s: changed while being sent; outcome not recorded",
             mt_bson_str (message, "id"));
  }
  ok = true;
done:
  bson_destroy (&webhook);
  bson_destroy (&claim);
  bson_destroy (&record);
  return ok;
}

bool
mt_outbox_run (const mt_ctx_t *ctx, const mt_outbox_transport_t *transport, const atomic_bool *stop,
               mt_outbox_report_t *report, mt_error_t *error)
{
  static const char *const pending[] = { "pending", NULL };
  char cursor[MT_STORE_CURSOR_MAX] = "";
  bool ok = true;

  memset (report, 0, sizeof *report);
  for (int page_no = 0; ok && page_no < MT_OUTBOX_PAGES_MAX; page_no++) {
    mt_store_outbox_query_t query = { .statuses = pending,
                                      .due_before = ctx->now_ms,
                                      .cursor = cursor[0] ? cursor : NULL,
                                      .limit = MT_OUTBOX_PAGE };
    mt_store_page_t page;
    bson_iter_t it;

    if (!ctx->store->ops->outbox_list (ctx->store, &query, &page, error)) {
      mt_store_page_destroy (&page);
      ok = false;
      break;
    }
    if (bson_iter_init (&it, &page.items)) {
      while (bson_iter_next (&it)) {
        bson_t message;
        uint32_t len;
        const uint8_t *data;
        mt_outbox_outcome_t outcome = MT_OUTBOX_SKIPPED;
        mt_error_t why = { 0 };

        if (stop && atomic_load (stop)) {
          break;
        }
        if (!BSON_ITER_HOLDS_DOCUMENT (&it)) {
          continue;
        }
        bson_iter_document (&it, &len, &data);
        if (!bson_init_static (&message, data, len)) {
          continue;
        }
        report->examined++;
        if (!mt_outbox_deliver (ctx, &message, transport, &outcome, &why)) {
          MT_WARN ("outbox %s: %s", mt_bson_str (&message, "id"), why.message);
          report->errors++;
          continue;
        }
        report->sent += outcome == MT_OUTBOX_SENT;
        report->retried += outcome == MT_OUTBOX_RETRY;
        report->failed += outcome == MT_OUTBOX_FAILED;
        report->skipped += outcome == MT_OUTBOX_SKIPPED;
      }
    }
    memcpy (cursor, page.next_cursor, sizeof cursor);
    mt_store_page_destroy (&page);
    if (!cursor[0] || (stop && atomic_load (stop))) {
      break;
    }
  }
  return ok;
}
