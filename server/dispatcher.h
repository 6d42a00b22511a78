/*
 * dispatcher: sends the outbox (services/outbox.h) from its own thread with its own store
 * handle: every outbox_interval_ms, one pass of mt_outbox_run with the real transport —
 * e-mails through mt_mail_send (services/mail.h, sendmail_command, at most
 * MT_OUTBOX_MAIL_TIMEOUT_MS each), webhook deliveries through mt_webhook_post
 * (webhook_client.h, at most webhook_timeout_s each). None of this runs on an event loop.
 * Every instance of mutuad runs its own dispatcher; the claim's compare-and-set keeps two
 * of them from sending the same message.
 */
#ifndef MT_DISPATCHER_H
#define MT_DISPATCHER_H

#include "app.h"
#include "mt_error.h"

#include <stdbool.h>

typedef struct mt_dispatcher mt_dispatcher_t;

/* Starts the thread (which opens its own store handle on @app->backend). @app outlives it.
 * NULL with @error set when the thread cannot start. */
mt_dispatcher_t *mt_dispatcher_start (mt_app_t *app, mt_error_t *error);

/* Stops the thread: a send in progress is interrupted (recorded as a failed attempt, tried
 * again later); then joins it and frees @dispatcher. NULL is fine. */
void mt_dispatcher_stop (mt_dispatcher_t *dispatcher);

#endif
