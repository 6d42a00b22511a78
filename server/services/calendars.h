/*
 * calendars: the iCalendar feeds of mutua (written with icalendar.h) and the secret address
 * of one's own feed. docs/API.md ("Calendars") is the contract.
 *
 * Listing feed (GET /v1/listings/{id}/calendar.ics): the busy periods of a good, for whoever
 * may see the listing (mt_listing_load_visible: anyone else gets MT_ERR_NOT_FOUND), over
 * [now - MT_CALENDAR_PAST_DAYS, now + MT_CALENDAR_FUTURE_DAYS): the busy segments of
 * availability.h (reservations widened by the buffer, and blackouts), one event each,
 * "Réservé / Booked" or "Indisponible / Unavailable", the units in use in the description
 * when the good has more than one. No personal data: no borrower, no message, no
 * reservation id; each UID is a hash of the listing id and the segment.
 *
 * Secret address (GET and DELETE /v1/me/calendar-url, GET /v1/calendars/{secret}.ics)
 *   The secret is 32 random bytes in base64url (43 characters). The account document holds
 *   it ("calendar_token", so that the address can be shown again, like the subscription
 *   addresses of other calendar services), its hex BLAKE2b-256 ("calendar_token_hash", which
 *   the store indexes and the feed is looked up by) and "calendar_token_created_at". GET
 *   creates it when the account has none and otherwise shows the same address again; DELETE
 *   removes the three fields, after which the old address answers 404 and the next GET
 *   makes a new one. A feed request is looked up by the hash of what was presented (never by
 *   the secret itself), and the stored hash is compared again with sodium_memcmp.
 *   Unknown, revoked and malformed secrets, erased accounts and accounts of suspended or
 *   deleted members all get the same MT_ERR_NOT_FOUND.
 *
 * Account feed: the reservations of the account's member, as borrower and as lender, whose
 *   status is requested (STATUS:TENTATIVE), approved, checked_out, returned or closed
 *   (STATUS:CONFIRMED) and which end after now - MT_CALENDAR_PAST_DAYS; declined, cancelled
 *   and expired ones drop out of the feed. Each event: "Emprunt : <title> (<lender>)" or
 *   "Prêt : <title> (<borrower>)" (English when the account's "lang" is "en"), the status and
 *   units in the description, the listing's commune as location. At most
 *   MT_CALENDAR_SCAN_MAX reservations are read per role and MT_CALENDAR_EVENTS_MAX events
 *   written.
 *
 * Outputs: *@ics_out is malloc'd (free() it) and NUL-terminated, NULL on failure.
 */
#ifndef MT_CALENDARS_H
#define MT_CALENDARS_H

#include "mt_error.h"
#include "service.h"

#include <bson/bson.h>
#include <stdbool.h>
#include <stddef.h>

#define MT_CALENDAR_PAST_DAYS 90
#define MT_CALENDAR_FUTURE_DAYS 365
#define MT_CALENDAR_EVENTS_MAX 1000
#define MT_CALENDAR_SCAN_MAX 2000
#define MT_CALENDAR_MAX_BYTES (4u * 1024u * 1024u)
#define MT_CALENDAR_SECRET_BYTES 32
#define MT_CALENDAR_SECRET_LEN 43 /* base64url of 32 bytes, unpadded */
#define MT_CALENDAR_HASH_HEX_SIZE 65
#define MT_CALENDAR_PATH_PREFIX "/v1/calendars/"
#define MT_CALENDAR_PATH_SUFFIX ".ics"

/* The hex BLAKE2b-256 of @secret, as stored in "calendar_token_hash". */
void mt_calendar_secret_hash (const char *secret, char out[MT_CALENDAR_HASH_HEX_SIZE]);

/*
 * GET /v1/listings/{id}/calendar.ics. Errors: MT_ERR_NOT_FOUND (absent or not visible),
 * MT_ERR_UNPROCESSABLE for a service (services have no calendar), store errors.
 */
bool mt_calendar_listing_feed (const mt_ctx_t *ctx, const char *listing_id, char **ics_out,
                               size_t *len_out, mt_error_t *error);

/*
 * GET /v1/me/calendar-url: {"url", "path", "created_at"} in @out (initialised here), creating
 * the secret when the caller's account has none (*@created_out, may be NULL, tells). "path"
 * is "/v1/calendars/<secret>.ics"; "url" is the configured public_url followed by the path,
 * or the path alone when no public_url is configured. Errors: MT_ERR_UNAUTHENTICATED,
 * MT_ERR_STALE when concurrent writers kept winning, store errors.
 */
bool mt_calendar_url_get (const mt_ctx_t *ctx, bson_t *out, bool *created_out, mt_error_t *error);

/* DELETE /v1/me/calendar-url: forgets the caller's secret (succeeds when there is none). */
bool mt_calendar_url_revoke (const mt_ctx_t *ctx, mt_error_t *error);

/*
 * GET /v1/calendars/{token}: @token is the path parameter, "<secret>.ics". Errors:
 * MT_ERR_NOT_FOUND (see above), store errors.
 */
bool mt_calendar_account_feed (const mt_ctx_t *ctx, const char *token, char **ics_out,
                               size_t *len_out, mt_error_t *error);

#endif
