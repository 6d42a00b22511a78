/*
 * notifications: in-app notifications of accounts; see notifications.h.
 */
#include "notifications.h"

#include "events.h"
#include "lists.h"
#include "members.h"
#include "mt_bson.h"
#include "mt_time.h"

#include <stdio.h>
#include <string.h>

bool
mt_notification_store (const mt_ctx_t *ctx, const char *account_id, const mt_notification_t *event,
                       bool *stored, mt_error_t *error)
{
  bson_t doc = BSON_INITIALIZER;
  mt_error_t store_error = { 0 };
  char id[MT_NOTIFICATION_ID_MAX];
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
      if (!mt_notification_store (ctx, account_id, event, &one, error)) {
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

/* French and English names of an incident type. */
static void
mt_notify_incident_names (const char *type, const char **fr, const char **en)
{
  *fr = "incident";
  *en = "incident";
  if (!type) {
    return;
  }
  if (strcmp (type, "damage") == 0) {
    *fr = "dommage";
    *en = "damage";
  } else if (strcmp (type, "missing_part") == 0) {
    *fr = "pièce manquante";
    *en = "missing part";
  } else if (strcmp (type, "loss") == 0) {
    *fr = "perte";
    *en = "loss";
  }
}

/* The webhook payload of a reservation event. */
static void
mt_notify_reservation_data (const bson_t *reservation, const char *reminder,
                            const char *incident_type, bson_t *data)
{
  static const char *const strings[] = { "listing_id",         "listing_title",   "status",
                                         "borrower_member_id", "owner_member_id", NULL };
  const char *id = mt_bson_str (reservation, "id");

  bson_init (data);
  BSON_APPEND_UTF8 (data, "reservation_id", id ? id : "");
  for (size_t i = 0; strings[i]; i++) {
    const char *value = mt_bson_str (reservation, strings[i]);
    BSON_APPEND_UTF8 (data, strings[i], value ? value : "");
  }
  BSON_APPEND_DATE_TIME (data, "start", mt_bson_date (reservation, "start", 0));
  BSON_APPEND_DATE_TIME (data, "end", mt_bson_date (reservation, "end", 0));
  BSON_APPEND_INT64 (data, "units", mt_bson_int (reservation, "units", 1));
  if (reminder) {
    BSON_APPEND_UTF8 (data, "reminder", reminder);
  }
  if (incident_type) {
    BSON_APPEND_UTF8 (data, "incident_type", incident_type);
  }
}

bool
mt_notify_reservation (const mt_ctx_t *ctx, const bson_t *reservation, mt_reservation_event_t event,
                       int *stored_out, mt_error_t *error)
{
  const char *id = mt_bson_str (reservation, "id");
  const char *stored_title = mt_bson_str (reservation, "listing_title");
  const char *borrower = mt_bson_str (reservation, "borrower_member_id");
  const char *owner = mt_bson_str (reservation, "owner_member_id");
  char title[MT_NOTIFY_TITLE_MAX + 4];
  const char *members[3] = { NULL, NULL, NULL };
  char start_fr[32], start_en[32], end_fr[32], end_en[32];
  char key[128];
  char text_fr[MT_NOTIFICATION_TEXT_MAX];
  char text_en[MT_NOTIFICATION_TEXT_MAX];
  const char *kind = NULL;
  const char *reminder = NULL;
  const char *incident_type = NULL;
  mt_event_t ev;
  mt_event_report_t report = { 0 };
  bson_t data = BSON_INITIALIZER;
  bool both = true;
  bool ok = false;

  memset (&ev, 0, sizeof ev);
  if (!id) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "réservation sans identifiant",
                  "reservation without an id");
    goto done;
  }
  mt_notify_cut_title (stored_title ? stored_title : "?", title);
  mt_notify_format_date (mt_bson_date (reservation, "start", 0), start_fr, start_en);
  mt_notify_format_date (mt_bson_date (reservation, "end", 0), end_fr, end_en);
  switch (event) {
  case MT_NOTIFY_REMINDER_START:
    snprintf (key, sizeof key, "%s:reminder-start", id);
    ev.event = "reservation.reminder";
    kind = "reminder_start";
    reminder = "start";
    snprintf (text_fr, sizeof text_fr, "Rappel : le prêt de « %s » commence le %s (UTC).", title,
              start_fr);
    snprintf (text_en, sizeof text_en, "Reminder: the loan of \"%s\" starts on %s UTC.", title,
              start_en);
    break;
  case MT_NOTIFY_REMINDER_END:
    snprintf (key, sizeof key, "%s:reminder-end", id);
    ev.event = "reservation.reminder";
    kind = "reminder_end";
    reminder = "end";
    snprintf (text_fr, sizeof text_fr, "Rappel : « %s » est à rendre le %s (UTC).", title, end_fr);
    snprintf (text_en, sizeof text_en, "Reminder: \"%s\" is due back on %s UTC.", title, end_en);
    break;
  case MT_NOTIFY_EXPIRED:
    snprintf (key, sizeof key, "%s:expired", id);
    ev.event = "reservation.expired";
    snprintf (text_fr, sizeof text_fr,
              "La demande de réservation de « %s » pour le %s (UTC) a expiré sans réponse.", title,
              start_fr);
    snprintf (text_en, sizeof text_en,
              "The reservation request for \"%s\" on %s UTC expired without an answer.", title,
              start_en);
    break;
  case MT_NOTIFY_OVERDUE:
    snprintf (key, sizeof key, "%s:overdue", id);
    ev.event = "reservation.overdue";
    snprintf (text_fr, sizeof text_fr, "En retard : « %s » devait être rendu le %s (UTC).", title,
              end_fr);
    snprintf (text_en, sizeof text_en, "Overdue: \"%s\" was due back on %s UTC.", title, end_en);
    break;
  case MT_NOTIFY_REQUESTED:
    snprintf (key, sizeof key, "%s:requested", id);
    ev.event = "reservation.requested";
    members[0] = owner;
    both = false;
    snprintf (text_fr, sizeof text_fr,
              "Nouvelle demande de réservation : « %s » du %s au %s (UTC).", title, start_fr,
              end_fr);
    snprintf (text_en, sizeof text_en, "New reservation request: \"%s\" from %s to %s UTC.", title,
              start_en, end_en);
    break;
  case MT_NOTIFY_APPROVED:
    snprintf (key, sizeof key, "%s:approved", id);
    ev.event = "reservation.approved";
    /* Approved by the owner: the borrower learns it; approved automatically: the owner too. */
    if (!mt_bson_str_eq (reservation, "approved_by", "system")) {
      members[0] = borrower;
      both = false;
    }
    snprintf (text_fr, sizeof text_fr, "Réservation acceptée : « %s » du %s au %s (UTC).", title,
              start_fr, end_fr);
    snprintf (text_en, sizeof text_en, "Reservation approved: \"%s\" from %s to %s UTC.", title,
              start_en, end_en);
    break;
  case MT_NOTIFY_DECLINED:
    snprintf (key, sizeof key, "%s:declined", id);
    ev.event = "reservation.declined";
    members[0] = borrower;
    both = false;
    snprintf (text_fr, sizeof text_fr, "Réservation refusée : « %s » du %s au %s (UTC).", title,
              start_fr, end_fr);
    snprintf (text_en, sizeof text_en, "Reservation declined: \"%s\" from %s to %s UTC.", title,
              start_en, end_en);
    break;
  case MT_NOTIFY_CANCELLED:
    snprintf (key, sizeof key, "%s:cancelled", id);
    ev.event = "reservation.cancelled";
    /* The side that cancelled knows it: the other one is told (both after an admin). */
    if (ctx->principal && borrower && strcmp (ctx->principal->member_id, borrower) == 0) {
      members[0] = owner;
      both = false;
    } else if (ctx->principal && owner && strcmp (ctx->principal->member_id, owner) == 0) {
      members[0] = borrower;
      both = false;
    }
    snprintf (text_fr, sizeof text_fr, "Réservation annulée : « %s » du %s au %s (UTC).", title,
              start_fr, end_fr);
    snprintf (text_en, sizeof text_en, "Reservation cancelled: \"%s\" from %s to %s UTC.", title,
              start_en, end_en);
    break;
  case MT_NOTIFY_INCIDENT: {
    const char *fr, *en;
    snprintf (key, sizeof key, "%s:incident", id);
    ev.event = "reservation.incident";
    ev.notify_admins = true;
    incident_type = mt_bson_str (reservation, "return.incident.type");
    mt_notify_incident_names (incident_type, &fr, &en);
    snprintf (text_fr, sizeof text_fr, "Incident signalé au retour de « %s » : %s.", title, fr);
    snprintf (text_en, sizeof text_en, "Incident reported at the return of \"%s\": %s.", title, en);
    break;
  }
  default:
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "notification inconnue",
                  "unknown notification");
    goto done;
  }
  if (both) {
    /* The same member on both sides cannot happen (an owner never borrows its own good). */
    members[0] = borrower;
    members[1] = owner;
  }
  bson_destroy (&data);
  mt_notify_reservation_data (reservation, reminder, incident_type, &data);
  ev.entity = "reservation";
  ev.entity_id = id;
  ev.key = key;
  ev.member_ids = members;
  ev.text_fr = text_fr;
  ev.text_en = text_en;
  ev.data = &data;
  ok = mt_event_record (ctx, &ev, kind, &report, error);
done:
  if (stored_out) {
    *stored_out = report.notifications;
  }
  bson_destroy (&data);
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

bool
mt_notification_mark_read (const mt_ctx_t *ctx, const char *id, mt_error_t *error)
{
  mt_error_t store_error = { 0 };

  if (!ctx->principal) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNAUTHENTICATED, "authentification requise",
                  "authentication required");
    return false;
  }
  if (!id || !*id || strlen (id) >= MT_NOTIFICATION_ID_MAX) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_NOT_FOUND, "notification introuvable",
                  "notification not found");
    return false;
  }
  if (!ctx->store->ops->notification_mark_read (ctx->store, ctx->principal->account_id, id,
                                                ctx->now_ms, &store_error)) {
    if (store_error.code == MT_ERR_NOT_FOUND) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_NOT_FOUND, "notification introuvable",
                    "notification not found");
    } else {
      mt_error_copy (error, &store_error);
    }
    return false;
  }
  return true;
}
