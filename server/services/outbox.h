/*
 * outbox: the rules of sending what mt_event_emit queued (events.h): e-mails through the
 * sendmail command and signed webhook deliveries. The dispatcher (server/dispatcher.h) runs
 * mt_outbox_run on its own thread and store handle with a real transport; the unit tests
 * run it with a fake one.
 *
 * One attempt of a message (mt_outbox_deliver):
 *   1. claim: compare-and-set on the message's "version": attempts + 1, a "sending" entry
 *      appended to its "log", next_attempt_at pushed past the attempt's longest possible
 *      duration (MT_OUTBOX_LEASE_MARGIN_MS beyond the transport's timeout). Another
 *      instance holding the same version gets STALE and skips the message: two mutuad on
 *      one store never both send it. The attempt is recorded before anything is sent.
 *   2. send: the e-mail through transport->mail; the webhook body through transport->post
 *      to the webhook's current URL with X-Mutua-Signature (mt_outbox_sign).
 *   3. record, compare-and-set on the claimed version: success (mail: exit status 0;
 *      webhook: HTTP 2xx) -> "sent"; otherwise "pending" again at now +
 *      mt_outbox_backoff_ms, or "failed" once the attempts reach webhook_max_attempts. The
 *      log entry says what happened: {"attempt", "at", "outcome" ("sent" | "error"),
 *      "status_code" (webhooks, when an answer came), "error" (when not sent)}.
 *   A crash between 1 and 3 leaves the "sending" entry; the message is tried again when the
 *   claim's next_attempt_at comes (at-least-once: receivers deduplicate on the event's id).
 *
 * Messages that cannot be sent at all are marked "failed" at once, without an attempt: an
 * e-mail while sendmail_command is empty (queued under an earlier configuration; this is
 * logged once per process), a delivery whose webhook was deleted, a message without payload.
 */
#ifndef MT_OUTBOX_H
#define MT_OUTBOX_H

#include "mt_error.h"
#include "service.h"

#include <bson/bson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MT_OUTBOX_BACKOFF_MAX_MS (INT64_C (6) * 3600 * 1000) /* longest wait between attempts */
#define MT_OUTBOX_LEASE_MARGIN_MS INT64_C (60000)
#define MT_OUTBOX_MAIL_TIMEOUT_MS INT64_C (60000) /* one run of the sendmail command */
#define MT_OUTBOX_DETAIL_MAX 256                  /* bytes of an attempt's error */
#define MT_OUTBOX_PAGE 50                         /* messages read per store page */
#define MT_OUTBOX_PAGES_MAX 20                    /* pages per pass */

/* Webhook secrets: "whsec_" + 64 hex digits (32 random bytes, the crypto_auth key). */
#define MT_WEBHOOK_SECRET_PREFIX "whsec_"
#define MT_WEBHOOK_SECRET_LEN (6 + 64)
#define MT_WEBHOOK_SECRET_SIZE (MT_WEBHOOK_SECRET_LEN + 1)
/* "t=<seconds>,v1=<64 hex digits>" */
#define MT_OUTBOX_SIGNATURE_MAX 128

/*
 * The wait after the @attempts-th failed attempt (1, 2, ...): @base_ms * 2^(attempts - 1),
 * at most MT_OUTBOX_BACKOFF_MAX_MS; 0 when @base_ms is 0 or less.
 */
int64_t mt_outbox_backoff_ms (int64_t base_ms, int64_t attempts);

/* A fresh webhook secret (32 random bytes, hex, with the prefix). */
void mt_webhook_secret_new (char out[MT_WEBHOOK_SECRET_SIZE]);

/*
 * The X-Mutua-Signature value of @body at @t_s (unix seconds): "t=<t>,v1=<hex>" where hex is
 * libsodium crypto_auth (HMAC-SHA-512-256) of the bytes "<t>.<body>" with the 32-byte key
 * whose hex digits follow "whsec_" in @secret. False when @secret is not such a secret.
 */
bool mt_outbox_sign (const char *secret, int64_t t_s, const char *body, size_t len,
                     char out[MT_OUTBOX_SIGNATURE_MAX]);

/*
 * What a receiver does (docs/OPERATIONS.md): parses @header ("t=...,v1=..."), refuses a
 * timestamp more than @tolerance_s away from @now_s, recomputes the HMAC and compares it in
 * constant time (crypto_auth_verify). True when the signature is good.
 */
bool mt_outbox_verify (const char *secret, const char *header, const char *body, size_t len,
                       int64_t now_s, int64_t tolerance_s);

/* The means of sending (fakes in tests). */
typedef struct {
  /* Hands one composed e-mail to the mail system; false with @detail when it failed. */
  bool (*mail) (void *arg, const char *message, size_t len, char *detail, size_t detail_size);
  /* POSTs @body (JSON) to @url with the signature, the delivery's id and the event's name
   * as headers. True when an answer came, its status in *@status; false with @detail
   * otherwise (no connection, timeout, malformed answer). */
  bool (*post) (void *arg, const char *url, const char *body, size_t len, const char *signature,
                const char *delivery_id, const char *event, int *status, char *detail,
                size_t detail_size);
  /* The time after sending (NULL: the real clock); tests make time stand still. */
  int64_t (*clock) (void *arg);
  void *arg;
  int64_t timeout_ms; /* the longest a send may take (sets the claim's lease) */
} mt_outbox_transport_t;

typedef enum {
  MT_OUTBOX_SKIPPED = 0, /* not due, not pending, or claimed by someone else */
  MT_OUTBOX_SENT,
  MT_OUTBOX_RETRY, /* failed, pending again */
  MT_OUTBOX_FAILED /* given up */
} mt_outbox_outcome_t;

/*
 * One attempt of @message (a stored outbox document, as listed) at ctx->now_ms, as above.
 * *@outcome says what happened. False only on a store failure (other than a lost
 * compare-and-set, which is MT_OUTBOX_SKIPPED).
 */
bool mt_outbox_deliver (const mt_ctx_t *ctx, const bson_t *message,
                        const mt_outbox_transport_t *transport, mt_outbox_outcome_t *outcome,
                        mt_error_t *error);

typedef struct {
  int examined;
  int sent;
  int retried;
  int failed;
  int skipped;
  int errors;
} mt_outbox_report_t;

/*
 * One pass: every pending message whose next_attempt_at <= ctx->now_ms (at most
 * MT_OUTBOX_PAGES_MAX pages of MT_OUTBOX_PAGE), oldest due first, each through
 * mt_outbox_deliver. Stops early when @stop (may be NULL) becomes true. @report is
 * always filled. False when the outbox could not be listed.
 */
bool mt_outbox_run (const mt_ctx_t *ctx, const mt_outbox_transport_t *transport,
                    const atomic_bool *stop, mt_outbox_report_t *report, mt_error_t *error);

#endif
