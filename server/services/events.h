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
 * Records @event as described above. Returns false only on a store failure (the caller
 * logs it; the state change that caused the event has already happened and is not undone).
 */
bool mt_event_emit (const mt_ctx_t *ctx, const mt_event_t *event, mt_error_t *error);

#endif
