/*
 * events: one event becomes in-app notifications, queued e-mails and queued webhook
 * deliveries, every record with an id derived from the event's key; see events.h.
 */
#include "events.h"

#include "mail.h"
#include "mt_b64.h"
#include "mt_bson.h"
#include "mt_json.h"
#include "mt_log.h"
#include "notifications.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MT_LOG_DOMAIN "events"

#define MT_EVENT_ADMIN_PAGES_MAX 50   /* pages of 100 members searched for the platform's */
#define MT_EVENT_WEBHOOK_PAGES_MAX 10 /* pages of 100 webhooks */
#define MT_EVENT_BODY_MAX (256 * 1024)

const char *const mt_event_names[] = {
  "reservation.requested", "reservation.approved", "reservation.declined", "reservation.cancelled",
  "reservation.expired",   "reservation.reminder", "reservation.overdue",  "reservation.incident",
  "booking.requested",     "booking.accepted",     "booking.declined",     "booking.cancelled",
  "booking.completed",     "booking.confirmed",    "need.answered",        NULL,
};

bool
mt_event_name_known (const char *name)
{
  for (size_t i = 0; name && mt_event_names[i]; i++) {
    if (strcmp (mt_event_names[i], name) == 0) {
      return true;
    }
  }
  return false;
}

/* "<prefix>_" + base64url of the first 16 bytes of BLAKE2b(parts joined by NUL bytes). */
static void
mt_event_hash_id (const char *prefix, const char *a, const char *b, const char *c,
                  char out[MT_ID_SIZE])
{
  const char *parts[3] = { a, b, c };
  unsigned char digest[16];
  crypto_generichash_state state;

  crypto_generichash_init (&state, NULL, 0, sizeof digest);
  for (int i = 0; i < 3; i++) {
    if (parts[i]) {
      crypto_generichash_update (&state, (const unsigned char *) parts[i], strlen (parts[i]) + 1);
    }
  }
  crypto_generichash_final (&state, digest, sizeof digest);
  memcpy (out, prefix, 3);
  out[3] = '_';
  mt_b64url_encode (digest, sizeof digest, out + 4);
}

void
mt_event_id (const char *key, char out[MT_ID_SIZE])
{
  mt_event_hash_id ("evt", "event", key, NULL, out);
}

/* One emission in progress. */
typedef struct {
  const mt_ctx_t *ctx;
  const mt_event_t *event;
  mt_notification_t note;
  char (*seen)[MT_ID_SIZE]; /* accounts already told */
  size_t seen_count;
  bool mail;   /* e-mails are queued (sendmail_command set, outbox available) */
  bool warned; /* the recipients' bound was reported */
  mt_event_report_t report;
} mt_event_run_t;

/* True the first time @account_id is seen (false when seen, or when the bound is reached). */
static bool
mt_event_first_time (mt_event_run_t *run, const char *account_id)
{
  if (strlen (account_id) >= MT_ID_SIZE) {
    return false;
  }
  for (size_t i = 0; i < run->seen_count; i++) {
    if (strcmp (run->seen[i], account_id) == 0) {
      return false;
    }
  }
  if (run->seen_count == MT_EVENT_RECIPIENTS_MAX) {
    if (!run->warned) {
      MT_WARN ("event %s: more than %d recipients, the others are not told", run->event->key,
               MT_EVENT_RECIPIENTS_MAX);
      run->warned = true;
    }
    return false;
  }
  memcpy (run->seen[run->seen_count++], account_id, strlen (account_id) + 1);
  return true;
}

/* Queues the e-mail of the event for @account (an unusable address is only logged). */
static bool
mt_event_queue_mail (mt_event_run_t *run, const bson_t *account, const char *account_id,
                     mt_error_t *error)
{
  const mt_ctx_t *ctx = run->ctx;
  char id[MT_ID_SIZE];
  mt_buf_t message;
  mt_error_t why = { 0 };
  bson_t doc = BSON_INITIALIZER;
  bson_t payload;
  bool ok = false;

  mt_buf_init (&message, MT_MAIL_MESSAGE_MAX);
  mt_event_hash_id ("eml", "email", run->event->key, account_id, id);
  if (!mt_mail_event_compose (ctx->env->config, account, run->event, id, ctx->now_ms, &message,
                              &why)) {
    MT_WARN ("event %s: no e-mail for account %s: %s", run->event->key, account_id, why.message);
    ok = true;
    goto done;
  }
  BSON_APPEND_UTF8 (&doc, "id", id);
  BSON_APPEND_UTF8 (&doc, "kind", "email");
  BSON_APPEND_UTF8 (&doc, "event", run->event->event);
  BSON_APPEND_UTF8 (&doc, "key", run->event->key);
  BSON_APPEND_UTF8 (&doc, "account_id", account_id);
  BSON_APPEND_UTF8 (&doc, "to", mt_bson_str (account, "email"));
  BSON_APPEND_DOCUMENT_BEGIN (&doc, "payload", &payload);
  bson_append_utf8 (&payload, "message", -1, mt_buf_cstr (&message), (int) message.len);
  bson_append_document_end (&doc, &payload);
  BSON_APPEND_UTF8 (&doc, "status", "pending");
  BSON_APPEND_INT32 (&doc, "attempts", 0);
  BSON_APPEND_DATE_TIME (&doc, "next_attempt_at", ctx->now_ms);
  BSON_APPEND_DATE_TIME (&doc, "created_at", ctx->now_ms);
  if (ctx->store->ops->outbox_insert (ctx->store, &doc, &why)) {
    run->report.emails++;
  } else if (why.code != MT_ERR_DUPLICATE) {
    mt_error_copy (error, &why);
    goto done;
  }
  ok = true;
done:
  mt_buf_destroy (&message);
  bson_destroy (&doc);
  return ok;
}

/* Tells @account (a stored account document) once: notification, then e-mail. */
static bool
mt_event_tell (mt_event_run_t *run, const bson_t *account, mt_error_t *error)
{
  const char *account_id = mt_bson_str (account, "id");
  bool stored = false;

  if (!account_id || !mt_bson_str_eq (account, "status", "active") ||
      !mt_event_first_time (run, account_id)) {
    return true;
  }
  if (!mt_notification_store (run->ctx, account_id, &run->note, &stored, error)) {
    return false;
  }
  run->report.notifications += stored ? 1 : 0;
  return !run->mail || mt_event_queue_mail (run, account, account_id, error);
}

/* Tells the active accounts of member @member_id (those with @admins_only: admins). */
static bool
mt_event_tell_member (mt_event_run_t *run, const char *member_id, bool admins_only,
                      mt_error_t *error)
{
  mt_store_page_t accounts;
  bson_iter_t it;
  bool ok = false;

  mt_store_page_init (&accounts);
  if (!member_id || !*member_id) {
    ok = true;
    goto done;
  }
  mt_store_page_destroy (&accounts);
  if (!run->ctx->store->ops->account_list_by_member (run->ctx->store, member_id, &accounts,
                                                     error)) {
    goto done;
  }
  if (bson_iter_init (&it, &accounts.items)) {
    while (bson_iter_next (&it)) {
      bson_t account;
      uint32_t len;
      const uint8_t *data;
      if (!BSON_ITER_HOLDS_DOCUMENT (&it)) {
        continue;
      }
      bson_iter_document (&it, &len, &data);
      if (!bson_init_static (&account, data, len) ||
          (admins_only && !mt_bson_str_eq (&account, "platform_role", "admin"))) {
        continue;
      }
      if (!mt_event_tell (run, &account, error)) {
        goto done;
      }
    }
  }
  ok = true;
done:
  mt_store_page_destroy (&accounts);
  return ok;
}

/* Tells the administrators: the admin accounts of the active members of kind "platform". */
static bool
mt_event_tell_admins (mt_event_run_t *run, mt_error_t *error)
{
  char cursor[MT_STORE_CURSOR_MAX] = "";
  bool ok = true;

  for (int page_no = 0; ok && page_no < MT_EVENT_ADMIN_PAGES_MAX; page_no++) {
    mt_store_member_query_t query = { .status = "active",
                                      .cursor = cursor[0] ? cursor : NULL,
                                      .limit = MT_STORE_PAGE_MAX };
    mt_store_page_t members;
    bson_iter_t it;

    if (!run->ctx->store->ops->member_list (run->ctx->store, &query, &members, error)) {
      mt_store_page_destroy (&members);
      return false;
    }
    if (bson_iter_init (&it, &members.items)) {
      while (ok && bson_iter_next (&it)) {
        bson_t member;
        uint32_t len;
        const uint8_t *data;
        if (!BSON_ITER_HOLDS_DOCUMENT (&it)) {
          continue;
        }
        bson_iter_document (&it, &len, &data);
        if (bson_init_static (&member, data, len) && mt_bson_str_eq (&member, "kind", "platform")) {
          ok = mt_event_tell_member (run, mt_bson_str (&member, "id"), true, error);
        }
      }
    }
    memcpy (cursor, members.next_cursor, sizeof cursor);
    mt_store_page_destroy (&members);
    if (!cursor[0]) {
      break;
    }
  }
  return ok;
}

/* The JSON body of the webhook deliveries, in @out. */
static bool
mt_event_body (const mt_event_run_t *run, mt_buf_t *out)
{
  bson_t body = BSON_INITIALIZER;
  char event_id[MT_ID_SIZE];
  bool ok;

  mt_event_id (run->event->key, event_id);
  BSON_APPEND_UTF8 (&body, "id", event_id);
  BSON_APPEND_UTF8 (&body, "event", run->event->event);
  BSON_APPEND_DATE_TIME (&body, "created_at", run->ctx->now_ms);
  BSON_APPEND_UTF8 (&body, "entity", run->event->entity ? run->event->entity : "");
  BSON_APPEND_UTF8 (&body, "entity_id", run->event->entity_id ? run->event->entity_id : "");
  if (run->event->data) {
    BSON_APPEND_DOCUMENT (&body, "data", run->event->data);
  } else {
    bson_t empty = BSON_INITIALIZER;
    BSON_APPEND_DOCUMENT (&body, "data", &empty);
    bson_destroy (&empty);
  }
  ok = mt_json_append_document (out, &body) && !out->failed;
  bson_destroy (&body);
  return ok;
}

/* Queues one delivery to @webhook (a stored webhook document) when it subscribes. */
static bool
mt_event_queue_delivery (mt_event_run_t *run, const bson_t *webhook, const mt_buf_t *body,
                         mt_error_t *error)
{
  const mt_ctx_t *ctx = run->ctx;
  const char *webhook_id = mt_bson_str (webhook, "id");
  char id[MT_ID_SIZE];
  char event_id[MT_ID_SIZE];
  bson_t doc = BSON_INITIALIZER;
  bson_t payload;
  mt_error_t why = { 0 };
  bool ok = false;

  if (!webhook_id || !mt_bson_array_has_str (webhook, "events", run->event->event)) {
    ok = true;
    goto done;
  }
  mt_event_hash_id ("dlv", "webhook", run->event->key, webhook_id, id);
  mt_event_id (run->event->key, event_id);
  BSON_APPEND_UTF8 (&doc, "id", id);
  BSON_APPEND_UTF8 (&doc, "kind", "webhook");
  BSON_APPEND_UTF8 (&doc, "webhook_id", webhook_id);
  BSON_APPEND_UTF8 (&doc, "event", run->event->event);
  BSON_APPEND_UTF8 (&doc, "event_id", event_id);
  BSON_APPEND_UTF8 (&doc, "key", run->event->key);
  BSON_APPEND_DOCUMENT_BEGIN (&doc, "payload", &payload);
  bson_append_utf8 (&payload, "body", -1, mt_buf_cstr (body), (int) body->len);
  bson_append_document_end (&doc, &payload);
  BSON_APPEND_UTF8 (&doc, "status", "pending");
  BSON_APPEND_INT32 (&doc, "attempts", 0);
  BSON_APPEND_DATE_TIME (&doc, "next_attempt_at", ctx->now_ms);
  BSON_APPEND_DATE_TIME (&doc, "created_at", ctx->now_ms);
  if (ctx->store->ops->outbox_insert (ctx->store, &doc, &why)) {
    run->report.deliveries++;
  } else if (why.code != MT_ERR_DUPLICATE) {
    mt_error_copy (error, &why);
    goto done;
  }
  ok = true;
done:
  bson_destroy (&doc);
  return ok;
}

/* Queues the deliveries of every subscribed webhook. */
static bool
mt_event_queue_webhooks (mt_event_run_t *run, mt_error_t *error)
{
  char cursor[MT_STORE_CURSOR_MAX] = "";
  mt_buf_t body;
  bool ok = true;

  mt_buf_init (&body, MT_EVENT_BODY_MAX);
  for (int page_no = 0; ok && page_no < MT_EVENT_WEBHOOK_PAGES_MAX; page_no++) {
    mt_store_page_t hooks;
    bson_iter_t it;

    if (!run->ctx->store->ops->webhook_list (run->ctx->store, cursor[0] ? cursor : NULL,
                                             MT_STORE_PAGE_MAX, &hooks, error)) {
      mt_store_page_destroy (&hooks);
      ok = false;
      break;
    }
    if (bson_iter_init (&it, &hooks.items)) {
      while (ok && bson_iter_next (&it)) {
        bson_t hook;
        uint32_t len;
        const uint8_t *data;
        if (!BSON_ITER_HOLDS_DOCUMENT (&it)) {
          continue;
        }
        bson_iter_document (&it, &len, &data);
        if (!bson_init_static (&hook, data, len) ||
            !mt_bson_array_has_str (&hook, "events", run->event->event)) {
          continue;
        }
        if (body.len == 0 && !mt_event_body (run, &body)) {
          mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL,
                        "données de l'événement trop longues", "event data too long");
          ok = false;
          break;
        }
        ok = mt_event_queue_delivery (run, &hook, &body, error);
      }
    }
    memcpy (cursor, hooks.next_cursor, sizeof cursor);
    mt_store_page_destroy (&hooks);
    if (!cursor[0]) {
      break;
    }
  }
  mt_buf_destroy (&body);
  return ok;
}

bool
mt_event_record (const mt_ctx_t *ctx, const mt_event_t *event, const char *kind,
                 mt_event_report_t *report, mt_error_t *error)
{
  const mt_store_ops_t *ops = ctx->store->ops;
  char derived[MT_EVENT_NAME_MAX];
  mt_event_run_t run;
  bool ok = false;

  memset (&run, 0, sizeof run);
  if (!event || !event->event || !event->key || !*event->key || !event->text_fr ||
      !event->text_en || strlen (event->event) >= sizeof derived) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "événement incomplet",
                  "incomplete event");
    goto done;
  }
  if (!mt_event_name_known (event->event)) {
    /* A name webhooks cannot subscribe to is a programming error: nothing is recorded. */
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "événement inconnu : %s",
                  "unknown event: %s", event->event);
    goto done;
  }
  if (!kind) {
    size_t len = strlen (event->event);
    for (size_t i = 0; i <= len; i++) {
      derived[i] = event->event[i] == '.' ? '_' : event->event[i];
    }
    kind = derived;
  }
  run.ctx = ctx;
  run.event = event;
  run.note.key = event->key;
  run.note.kind = kind;
  run.note.entity_id = event->entity_id;
  run.note.text_fr = event->text_fr;
  run.note.text_en = event->text_en;
  /* A store without an outbox (a test double, an adapter in progress) gets notifications
   * only. */
  run.mail = ops->outbox_insert && ctx->env && ctx->env->config &&
             ctx->env->config->sendmail_command[0] != '\0';
  run.seen = calloc (MT_EVENT_RECIPIENTS_MAX, sizeof *run.seen);
  if (!run.seen) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "mémoire insuffisante",
                  "out of memory");
    goto done;
  }
  for (size_t i = 0; event->member_ids && event->member_ids[i]; i++) {
    if (!mt_event_tell_member (&run, event->member_ids[i], false, error)) {
      goto done;
    }
  }
  if (event->notify_admins && !mt_event_tell_admins (&run, error)) {
    goto done;
  }
  if (ops->outbox_insert && ops->webhook_list && !mt_event_queue_webhooks (&run, error)) {
    goto done;
  }
  ok = true;
done:
  if (report) {
    *report = run.report;
  }
  free (run.seen);
  return ok;
}

bool
mt_event_emit (const mt_ctx_t *ctx, const mt_event_t *event, mt_error_t *error)
{
  return mt_event_record (ctx, event, NULL, NULL, error);
}
