/*
 * reservations_private: what reservations.c and reservations_engine.c share; nothing else
 * includes it.
 */
#ifndef MT_RESERVATIONS_PRIVATE_H
#define MT_RESERVATIONS_PRIVATE_H

#include "notifications.h"
#include "reservations.h"

/* Policy defaults when the context carries no configuration (the values of config.c). */
#define MT_RESERVATION_DEFAULT_MAX_ACTIVE 5
#define MT_RESERVATION_DEFAULT_TTL_HOURS 72

/* The blocking statuses, NULL-terminated. */
extern const char *const mt_reservation_blocking[];

/* Sets MT_ERR_NOT_FOUND ("reservation not found"); returns false. */
bool mt_reservation_not_found (mt_error_t *error);

/* Points @doc (static, not to destroy) at the document or array held by @it. */
bool mt_reservation_iter_doc (const bson_iter_t *it, bson_t *doc);

/* max_active_reservations and request_ttl_hours of the configuration (or the defaults). */
void mt_reservation_policy (const mt_ctx_t *ctx, int64_t *max_active, int64_t *ttl_hours);

/* @calendar with its entries rebuilt: without @skip_id's, plus @added (both may be NULL). */
void mt_reservation_calendar_rebuild (const char *listing_id, const bson_t *calendar,
                                      const char *skip_id, const bson_t *added, bson_t *out);

/* Tells @event about @reservation (stored, after the change) through mt_notify_reservation;
 * a failure is only logged: the change is made and stays. */
void mt_reservation_tell (const mt_ctx_t *ctx, const bson_t *reservation,
                          mt_reservation_event_t event);

/* The stored listing of @reservation into @out (initialised here; empty when unreadable). */
void mt_reservation_read_listing (const mt_ctx_t *ctx, const bson_t *reservation, bson_t *out);

#endif
