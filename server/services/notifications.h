/*
 * notifications: the in-app notifications of accounts (GET /v1/me/notifications), written by
 * the automatic tasks (reminders, sweeps.h) and by any service that wants to tell the people
 * of a member about something.
 *
 * Stored document (store.h's notification ops):
 *   {"id", "account_id", "kind", "entity_id", "text_fr", "text_en", "created_at" (date)}
 *   kind: "reminder_start" | "reminder_end" | "expired" | "overdue" | ... (a short slug);
 *   entity_id: what it is about (a reservation id), may be "".
 *
 * Idempotence: the id is deterministic, "<key>:<account id>", where @key names the event
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

/* One event to tell. Strings are borrowed. */
typedef struct {
  const char *key;       /* deterministic event key, e.g. "res_...:reminder-start" */
  const char *kind;      /* "reminder_start", ... */
  const char *entity_id; /* e.g. the reservation id */
  const char *text_fr;
  const char *text_en;
} mt_notification_t;

/*
 * Stores @event for every active account of member @member_id (an unknown member has none).
 * Already stored ones (same id) count as stored. @stored_out (may be NULL) receives the
 * number of notifications written by this call.
 * @return false on a store error (some accounts may have been notified: calling again
 * completes the set without duplicates).
 */
bool mt_notify_member (const mt_ctx_t *ctx, const char *member_id, const mt_notification_t *event,
                       int *stored_out, mt_error_t *error);

/* Events of a reservation told to its borrower's and owner's accounts. */
typedef enum {
  MT_NOTIFY_REMINDER_START = 0, /* key "<id>:reminder-start", kind "reminder_start" */
  MT_NOTIFY_REMINDER_END,       /* key "<id>:reminder-end", kind "reminder_end" */
  MT_NOTIFY_EXPIRED,            /* key "<id>:expired", kind "reservation_expired" */
  MT_NOTIFY_OVERDUE,            /* key "<id>:overdue", kind "reservation_overdue" */
} mt_reservation_event_t;

/*
 * Tells @event about @reservation (a stored reservation document: id, listing_title, start,
 * end, borrower_member_id, owner_member_id) to every active account of its borrower and of
 * its owner, in French and English (mt_notify_member). *@stored_out (may be NULL) counts the
 * notifications written.
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

#endif
