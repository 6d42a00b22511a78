/*
 * dispatcher: the outbox's sending thread; see dispatcher.h.
 */
#include "dispatcher.h"

#include "mail.h"
#include "mt_log.h"
#include "mt_time.h"
#include "outbox.h"
#include "webhook_client.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MT_LOG_DOMAIN "dispatcher"

struct mt_dispatcher {
  mt_app_t *app;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  atomic_bool stop;
};

static bool
mt_dispatcher_mail (void *arg, const char *message, size_t len, char *detail, size_t detail_size)
{
  mt_dispatcher_t *d = arg;

  return mt_mail_send (d->app->config.sendmail_command, message, len, MT_OUTBOX_MAIL_TIMEOUT_MS,
                       &d->stop, detail, detail_size);
}

static bool
mt_dispatcher_post (void *arg, const char *url, const char *body, size_t len, const char *signature,
                    const char *delivery_id, const char *event, int *status, char *detail,
                    size_t detail_size)
{
  mt_dispatcher_t *d = arg;
  mt_webhook_headers_t headers = { .signature = signature,
                                   .delivery_id = delivery_id,
                                   .event = event };

  return mt_webhook_post (url, body, len, &headers, d->app->config.webhook_timeout_s * 1000,
                          &d->stop, status, detail, detail_size);
}

static void
mt_dispatcher_log (const mt_outbox_report_t *report)
{
  mt_log_level_t level = report->errors || report->failed    ? MT_LOG_WARN
                         : (report->sent || report->retried) ? MT_LOG_INFO
                                                             : MT_LOG_DEBUG;
  bson_t fields = BSON_INITIALIZER;

  if (report->examined && mt_log_enabled (level)) {
    BSON_APPEND_INT32 (&fields, "examined", report->examined);
    BSON_APPEND_INT32 (&fields, "sent", report->sent);
    BSON_APPEND_INT32 (&fields, "retried", report->retried);
    BSON_APPEND_INT32 (&fields, "failed", report->failed);
    BSON_APPEND_INT32 (&fields, "skipped", report->skipped);
    BSON_APPEND_INT32 (&fields, "errors", report->errors);
    mt_log_fields (level, MT_LOG_DOMAIN, "outbox pass", &fields);
  }
  bson_destroy (&fields);
}

/* Sleeps @ms milliseconds unless woken by mt_dispatcher_stop. */
static void
mt_dispatcher_sleep (mt_dispatcher_t *d, int64_t ms)
{
  struct timespec until;

  clock_gettime (CLOCK_MONOTONIC, &until);
  until.tv_sec += (time_t) (ms / 1000);
  until.tv_nsec += (long) (ms % 1000) * 1000000L;
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec++;
    until.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock (&d->lock);
  while (!atomic_load (&d->stop)) {
    if (pthread_cond_timedwait (&d->wake, &d->lock, &until) == ETIMEDOUT) {
      break;
    }
  }
  pthread_mutex_unlock (&d->lock);
}

static void *
mt_dispatcher_main (void *arg)
{
  mt_dispatcher_t *d = arg;
  mt_outbox_transport_t transport = {
    .mail = mt_dispatcher_mail,
    .post = mt_dispatcher_post,
    .clock = NULL,
    .arg = d,
    .timeout_ms = d->app->config.webhook_timeout_s * 1000 > MT_OUTBOX_MAIL_TIMEOUT_MS
                    ? d->app->config.webhook_timeout_s * 1000
                    : MT_OUTBOX_MAIL_TIMEOUT_MS,
  };
  mt_store_t *store = NULL;
  bool warned = false;

  while (!atomic_load (&d->stop)) {
    mt_error_t error = { 0 };
    if (!store) {
      store = mt_store_open (d->app->backend, &error);
      if (!store && !warned) {
        MT_WARN ("cannot open the store: %s", error.message);
        warned = true;
      }
    }
    if (store) {
      mt_ctx_t ctx = { .env = &d->app->env, .store = store, .now_ms = mt_time_now_ms () };
      mt_outbox_report_t report;
      if (!mt_outbox_run (&ctx, &transport, &d->stop, &report, &error)) {
        MT_WARN ("outbox pass: %s", error.message);
      }
      mt_dispatcher_log (&report);
    }
    mt_dispatcher_sleep (d, d->app->config.outbox_interval_ms);
  }
  mt_store_close (store);
  return NULL;
}

mt_dispatcher_t *
mt_dispatcher_start (mt_app_t *app, mt_error_t *error)
{
  mt_dispatcher_t *d = calloc (1, sizeof *d);
  pthread_condattr_t attr;
  int rc;

  if (!d) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "mémoire insuffisante",
                  "out of memory");
    return NULL;
  }
  d->app = app;
  atomic_init (&d->stop, false);
  pthread_mutex_init (&d->lock, NULL);
  pthread_condattr_init (&attr);
  pthread_condattr_setclock (&attr, CLOCK_MONOTONIC);
  pthread_cond_init (&d->wake, &attr);
  pthread_condattr_destroy (&attr);
  rc = pthread_create (&d->thread, NULL, mt_dispatcher_main, d);
  if (rc != 0) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL,
                  "impossible de lancer l'envoi des e-mails et webhooks : %s",
                  "cannot start the e-mail and webhook dispatcher: %s", strerror (rc));
    pthread_cond_destroy (&d->wake);
    pthread_mutex_destroy (&d->lock);
    free (d);
    return NULL;
  }
  return d;
}

void
mt_dispatcher_stop (mt_dispatcher_t *d)
{
  if (!d) {
    return;
  }
  pthread_mutex_lock (&d->lock);
  atomic_store (&d->stop, true);
  pthread_cond_broadcast (&d->wake);
  pthread_mutex_unlock (&d->lock);
  pthread_join (d->thread, NULL);
  pthread_cond_destroy (&d->wake);
  pthread_mutex_destroy (&d->lock);
  free (d);
}
