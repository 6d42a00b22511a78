/*
 * events: what happens to reservations, bookings and needs, told to the people concerned.
 *
 * One call per event. mt_event_emit records, idempotently (its ids derive from the event's
 * key, so emitting the same event twice — after a retry or on two instances — changes
 * nothing):
 *   - an in-app notification for every active account of the members named (and of the
 *     platform administrators when notify_admins is set), in French and English;
 *   - an e-mail to each of those accounts, in its language, queued in the store's outbox and
 *     sent by a timer through the configured sendmail command;
 *   - a webhook delivery, queued in the outbox, for every webhook subscribed to the event.
 * Nothing is sent from the caller's thread: sending is the timers' work, so a slow mail
 * server or webhook receiver never slows a request.
 *
 * Event names: "reservation.requested", "reservation.approved", "reservation.declined",
 * "reservation.cancelled", "reservation.expired", "reservation.reminder", "reservation.overdue",
 * "reservation.incident", "booking.requested", "booking.accepted", "booking.declined",
 * "booking.cancelled", "booking.completed", "booking.confirmed", "need.answered".
 */
#ifndef MT_EVENTS_H
#define MT_EVENTS_H

#include "mt_error.h"
#include "mt_id.h"
#include "service.h"

#include <bson/bson.h>
#include <stdbool.h>

typedef struct {
  const char *event;  /* one of the names above */
  const char *entity; /* "reservation" | "booking" | "need" */
  const char *entity_id;
  const char *key;               /* unique per occurrence, e.g. "<entity id>:<history seq>" */
  const char *const *member_ids; /* members whose active accounts are told (NULL-terminated) */
  bool notify_admins;            /* also every active platform administrator */
  const char *text_fr;           /* one line, shown in-app and as the e-mail subject */
  const char *text_en;
  const bson_t *data; /* JSON payload of webhooks (may be NULL); borrowed */
} mt_event_t;

/*
 * Records @event as described above. Returns false on a store failure (the caller logs it;
 * the state change that caused the event has already happened and is not undone), and
 * with MT_ERR_INTERNAL, recording nothing, for an incomplete event or an unknown name.
 */
bool mt_event_emit (const mt_ctx_t *ctx, const mt_event_t *event, mt_error_t *error);

/*
 * Details of the records (docs/API.md, "Notifications, e-mail and webhooks"):
 *   - recipients: the active accounts of member_ids, then (notify_admins) the active
 *     accounts whose platform_role is "admin" in the platform's own member(s) (kind
 *     "platform"); each account once, at most MT_EVENT_RECIPIENTS_MAX;
 *   - in-app notification: id "<key>:<account id>" (notifications.h);
 *   - e-mail (unless sendmail_command is empty, or the account has no usable address):
 *     outbox message "eml_<hash of key and account>", the whole RFC 5322 message composed
 *     now in the account's language (mail.h);
 *   - webhook deliveries: outbox message "dlv_<hash of key and webhook>" for every webhook
 *     whose "events" holds the event's name, with the JSON body
 *     {"id": "evt_<hash of key>", "event", "created_at", "entity", "entity_id", "data"}.
 * Every id derives from @key: emitting again stores nothing new.
 */
#define MT_EVENT_RECIPIENTS_MAX 1000
#define MT_EVENT_NAME_MAX 64

/* Counts of what one call wrote (already stored records are not counted). */
typedef struct {
  int notifications;
  int emails;
  int deliveries;
} mt_event_report_t;

/*
 * mt_event_emit with the in-app notification kind @kind (NULL: the event's name with '_'
 * for '.', e.g. "reservation_approved") and the counts of what this call wrote in @report
 * (may be NULL).
 */
bool mt_event_record (const mt_ctx_t *ctx, const mt_event_t *event, const char *kind,
                      mt_event_report_t *report, mt_error_t *error);

/* The event names above, NULL-terminated. */
extern const char *const mt_event_names[];

/* True when @name is one of mt_event_names. */
bool mt_event_name_known (const char *name);

/* The public id of the event of @key: "evt_" + 22 base64url characters (a hash of @key). */
void mt_event_id (const char *key, char out[MT_ID_SIZE]);

#endif
