/*
 * notifications: the in-app notifications of accounts (GET /v1/me/notifications, POST
 * /v1/me/notifications/{id}/read) and the texts of the reservation events.
 *
 * Notifications are written by mt_event_emit (events.h), which also queues the e-mails and
 * webhook deliveries of the same event; this module stores one notification and builds the
 * reservation events told by the reservations service and the timers.
 *
 * Stored document (store.h's notification ops):
 *   {"id", "account_id", "kind", "entity_id", "text_fr", "text_en", "created_at" (date),
 *    "read_at" (date, once marked read)}
 *   kind: a short slug, by default the event's name with '_' for '.' ("reservation_approved",
 *   "booking_accepted", "need_answered"); the reminders keep "reminder_start" and
 *   "reminder_end";
 *   entity_id: what it is about (a reservation id), may be "".
 *
 * Idempotence: the id is deterministic, "<key>:<account id>", where key names the event
 * ("res_...:reminder-start"). Storing the same event twice finds the id taken (DUPLICATE)
 * and counts as done, so a task that crashes between two writes, or runs on two instances at
 * once, never notifies twice.
 *
 * Texts carry no personal data beyond what the recipient may already see (the listing's
 * title and the dates of its own reservations).
 */
#ifndef MT_NOTIFICATIONS_H
#define MT_NOTIFICATIONS_H

#include "mt_error.h"
#include "service.h"

#include <bson/bson.h>
#include <stdbool.h>
#include <stdint.h>

#define MT_NOTIFICATION_TEXT_MAX 512      /* bytes of one text, NUL included */
#define MT_NOTIFICATION_ACCOUNTS_MAX 1000 /* accounts of one member notified at most */
#define MT_NOTIFICATION_ID_MAX 256        /* bytes of an id, NUL included */

/* One event to tell. Strings are borrowed. */
typedef struct {
  const char *key;       /* deterministic event key, e.g. "res_...:reminder-start" */
  const char *kind;      /* "reminder_start", ... */
  const char *entity_id; /* e.g. the reservation id */
  const char *text_fr;
  const char *text_en;
} mt_notification_t;

/*
 * Stores the notification of @event for account @account_id (id "<key>:<account id>",
 * created_at ctx->now_ms). *@stored is true when this call wrote it, false when it was
 * already there (not an error).
 */
bool mt_notification_store (const mt_ctx_t *ctx, const char *account_id,
                            const mt_notification_t *event, bool *stored, mt_error_t *error);

/*
 * Stores @event for every active account of member @member_id (an unknown member has none).
 * Already stored ones (same id) count as stored. @stored_out (may be NULL) receives the
 * number of notifications written by this call. In-app only: services tell events with
 * mt_event_emit (events.h), which also sends e-mails and webhooks.
 * @return false on a store error (some accounts may have been notified: calling again
 * completes the set without duplicates).
 */
bool mt_notify_member (const mt_ctx_t *ctx, const char *member_id, const mt_notification_t *event,
                       int *stored_out, mt_error_t *error);

/* Events of a reservation (event names of events.h, keys "<reservation id>:<suffix>"). */
typedef enum {
  MT_NOTIFY_REMINDER_START = 0, /* "reservation.reminder", key "<id>:reminder-start", kind
                                   "reminder_start": borrower and owner */
  MT_NOTIFY_REMINDER_END,       /* "reservation.reminder", key "<id>:reminder-end", kind
                                   "reminder_end": borrower and owner */
  MT_NOTIFY_EXPIRED,            /* "reservation.expired", key "<id>:expired": both */
  MT_NOTIFY_OVERDUE,            /* "reservation.overdue", key "<id>:overdue": both */
  MT_NOTIFY_REQUESTED,          /* "reservation.requested", key "<id>:requested": owner */
  MT_NOTIFY_APPROVED,           /* "reservation.approved", key "<id>:approved": borrower (and
                                   the owner too when the listing approves automatically) */
  MT_NOTIFY_DECLINED,           /* "reservation.declined", key "<id>:declined": borrower */
  MT_NOTIFY_CANCELLED,          /* "reservation.cancelled", key "<id>:cancelled": the other
                                   side of the caller (both when the caller is neither) */
  MT_NOTIFY_INCIDENT,           /* "reservation.incident", key "<id>:incident": owner,
                                   borrower and the platform administrators */
} mt_reservation_event_t;

/*
 * Emits @event about @reservation (a stored reservation document: id, listing_id,
 * listing_title, start, end, units, status, borrower_member_id, owner_member_id, and for
 * MT_NOTIFY_APPROVED "approved_by", for MT_NOTIFY_INCIDENT "return.incident.type") through
 * mt_event_emit: in-app notifications in French and English, e-mails and webhook deliveries
 * (payload: the reservation's id, listing, title, status, start, end and units).
 * *@stored_out (may be NULL) counts the in-app notifications written by this call.
 */
bool mt_notify_reservation (const mt_ctx_t *ctx, const bson_t *reservation,
                            mt_reservation_event_t event, int *stored_out, mt_error_t *error);

/*
 * GET /v1/me/notifications: the caller's own notifications, newest first. @cursor: from a
 * previous page or NULL; @limit_text: the "limit" query parameter or NULL
 * (mt_list_limit_parse: 1..100, default 20; MT_ERR_BAD_REQUEST otherwise). Only ever the
 * caller's account: there is no parameter naming another. @page is initialised here.
 * MT_ERR_UNAUTHENTICATED without a principal.
 */
bool mt_notifications_list (const mt_ctx_t *ctx, const char *cursor, const char *limit_text,
                            mt_store_page_t *page, mt_error_t *error);

/*
 * POST /v1/me/notifications/{id}/read: marks the caller's notification @id read at
 * ctx->now_ms (marking again keeps the first time). MT_ERR_NOT_FOUND when it is not one of
 * the caller's (absent or another account's: the same answer); MT_ERR_UNAUTHENTICATED
 * without a principal.
 */
bool mt_notification_mark_read (const mt_ctx_t *ctx, const char *id, mt_error_t *error);

#endif
