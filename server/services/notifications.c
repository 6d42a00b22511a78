/*
 * notifications: in-app notifications of accounts; see notifications.h.
 */
#include "notifications.h"

#include "members.h"
#include "mt_bson.h"
#include "mt_time.h"

#include <stdio.h>
#include <string.h>

/* Builds and stores the notification of @event for @account_id; a taken id counts as done. */
static bool
mt_notify_account (const mt_ctx_t *ctx, const char *account_id, const mt_notification_t *event,
                   bool *stored, mt_error_t *error)
{
  bson_t doc = BSON_INITIALIZER;
  mt_error_t store_error = { 0 };
  char id[256];
  bool ok = false;
  int n;

  *stored = false;
  n = snprintf (id, sizeof id, "%s:%s", event->key, account_id);
  if (n < 0 || (size_t) n >= sizeof id) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "clé de notification trop longue",
                  "notification key too long");
    goto done;
  }
  BSON_APPEND_UTF8 (&doc, "id", id);
  BSON_APPEND_UTF8 (&doc, "account_id", account_id);
  BSON_APPEND_UTF8 (&doc, "kind", event->kind);
  BSON_APPEND_UTF8 (&doc, "entity_id", event->entity_id ? event->entity_id : "");
  BSON_APPEND_UTF8 (&doc, "text_fr", event->text_fr);
  BSON_APPEND_UTF8 (&doc, "text_en", event->text_en);
  BSON_APPEND_DATE_TIME (&doc, "created_at", ctx->now_ms);
  if (ctx->store->ops->notification_insert (ctx->store, &doc, &store_error)) {
    *stored = true;
  } else if (store_error.code != MT_ERR_DUPLICATE) {
    mt_error_copy (error, &store_error);
    goto done;
  }
  ok = true;
done:
  bson_destroy (&doc);
  return ok;
}

bool
mt_notify_member (const mt_ctx_t *ctx, const char *member_id, const mt_notification_t *event,
                  int *stored_out, mt_error_t *error)
{
  mt_store_page_t accounts;
  bson_iter_t it;
  int stored = 0;
  bool ok = false;

  mt_store_page_init (&accounts);
  if (!member_id || !*member_id) {
    ok = true;
    goto done;
  }
  mt_store_page_destroy (&accounts);
  if (!ctx->store->ops->account_list_by_member (ctx->store, member_id, &accounts, error)) {
    goto done;
  }
  if (bson_iter_init (&it, &accounts.items)) {
    int seen = 0;
    while (bson_iter_next (&it) && seen < MT_NOTIFICATION_ACCOUNTS_MAX) {
      bson_t account;
      uint32_t len;
      const uint8_t *data;
      const char *account_id;
      bool one = false;

      if (!BSON_ITER_HOLDS_DOCUMENT (&it)) {
        continue;
      }
      seen++;
      bson_iter_document (&it, &len, &data);
      if (!bson_init_static (&account, data, len) ||
          !mt_bson_str_eq (&account, "status", "active")) {
        continue;
      }
      account_id = mt_bson_str (&account, "id");
      if (!account_id) {
        continue;
      }
      if (!mt_notify_account (ctx, account_id, event, &one, error)) {
        goto done;
      }
      stored += one ? 1 : 0;
    }
  }
  ok = true;
done:
  if (stored_out) {
    *stored_out = stored;
  }
  mt_store_page_destroy (&accounts);
  return ok;
}

#define MT_NOTIFY_TITLE_MAX 160 /* bytes of the listing title quoted in a text */

/* Copies @title into @out, cut at a character boundary to fit. */
static void
mt_notify_cut_title (const char *title, char out[MT_NOTIFY_TITLE_MAX + 4])
{
  size_t len = strlen (title);

  if (len > MT_NOTIFY_TITLE_MAX) {
    len = MT_NOTIFY_TITLE_MAX;
    while (len > 0 && ((unsigned char) title[len] & 0xC0) == 0x80) {
      len--; /* title[len] continues a character: cut before that character */
    }
    memcpy (out, title, len);
    memcpy (out + len, "…", sizeof "…");
  } else {
    memcpy (out, title, len + 1);
  }
}

/* "12/06/2026 à 09:00" and "2026-06-12 09:00" (UTC). */
static void
mt_notify_format_date (int64_t ms, char fr[32], char en[32])
{
  char text[MT_TIME_RFC3339_MAX];

  mt_time_format_rfc3339 (ms, text); /* YYYY-MM-DDTHH:MM:SS... */
  snprintf (fr, 32, "%.2s/%.2s/%.4s à %.5s", text + 8, text + 5, text, text + 11);
  snprintf (en, 32, "%.10s %.5s", text, text + 11);
}

bool
mt_notify_reservation (const mt_ctx_t *ctx, const bson_t *reservation, mt_reservation_event_t event,
                       int *stored_out, mt_error_t *error)
{
  const char *id = mt_bson_str (reservation, "id");
  const char *stored_title = mt_bson_str (reservation, "listing_title");
  char title[MT_NOTIFY_TITLE_MAX + 4];
  const char *members[2];
  char start_fr[32], start_en[32], end_fr[32], end_en[32];
  char key[128];
  char text_fr[MT_NOTIFICATION_TEXT_MAX];
  char text_en[MT_NOTIFICATION_TEXT_MAX];
  mt_notification_t note;
  int total = 0;
  bool ok = false;

  if (!id) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "réservation sans identifiant",
                  "reservation without an id");
    goto done;
  }
  mt_notify_cut_title (stored_title ? stored_title : "?", title);
  mt_notify_format_date (mt_bson_date (reservation, "start", 0), start_fr, start_en);
  mt_notify_format_date (mt_bson_date (reservation, "end", 0), end_fr, end_en);
  memset (&note, 0, sizeof note);
  note.entity_id = id;
  note.key = key;
  note.text_fr = text_fr;
  note.text_en = text_en;
  switch (event) {
  case MT_NOTIFY_REMINDER_START:
    snprintf (key, sizeof key, "%s:reminder-start", id);
    note.kind = "reminder_start";
    snprintf (text_fr, sizeof text_fr, "Rappel : le prêt de « %s » commence le %s (UTC).", title,
              start_fr);
    snprintf (text_en, sizeof text_en, "Reminder: the loan of \"%s\" starts on %s UTC.", title,
              start_en);
    break;
  case MT_NOTIFY_REMINDER_END:
    snprintf (key, sizeof key, "%s:reminder-end", id);
    note.kind = "reminder_end";
    snprintf (text_fr, sizeof text_fr, "Rappel : « %s » est à rendre le %s (UTC).", title, end_fr);
    snprintf (text_en, sizeof text_en, "Reminder: \"%s\" is due back on %s UTC.", title, end_en);
    break;
  case MT_NOTIFY_EXPIRED:
    snprintf (key, sizeof key, "%s:expired", id);
    note.kind = "reservation_expired";
    snprintf (text_fr, sizeof text_fr,
              "La demande de réservation de « %s » pour le %s (UTC) a expiré sans réponse.", title,
              start_fr);
    snprintf (text_en, sizeof text_en,
              "The reservation request for \"%s\" on %s UTC expired without an answer.", title,
              start_en);
    break;
  case MT_NOTIFY_OVERDUE:
    snprintf (key, sizeof key, "%s:overdue", id);
    note.kind = "reservation_overdue";
    snprintf (text_fr, sizeof text_fr, "En retard : « %s » devait être rendu le %s (UTC).", title,
              end_fr);
    snprintf (text_en, sizeof text_en, "Overdue: \"%s\" was due back on %s UTC.", title, end_en);
    break;
  default:
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "notification inconnue",
                  "unknown notification");
    goto done;
  }
  /* The same member on both sides cannot happen (an owner never borrows its own good). */
  members[0] = mt_bson_str (reservation, "borrower_member_id");
  members[1] = mt_bson_str (reservation, "owner_member_id");
  for (int i = 0; i < 2; i++) {
    int stored = 0;
    bool one = mt_notify_member (ctx, members[i], &note, &stored, error);
    total += stored;
    if (!one) {
      goto done;
    }
  }
  ok = true;
done:
  if (stored_out) {
    *stored_out = total;
  }
  return ok;
}

bool
mt_notifications_list (const mt_ctx_t *ctx, const char *cursor, const char *limit_text,
                       mt_store_page_t *page, mt_error_t *error)
{
  uint32_t limit = 0;

  mt_store_page_init (page);
  if (!ctx->principal) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNAUTHENTICATED, "authentification requise",
                  "authentication required");
    return false;
  }
  if (!mt_list_limit_parse (limit_text, &limit, error)) {
    return false;
  }
  mt_store_page_destroy (page);
  return ctx->store->ops->notification_list (ctx->store, ctx->principal->account_id,
                                             cursor && *cursor ? cursor : NULL, limit, page, error);
}
