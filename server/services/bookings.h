/*
 * bookings: service bookings (skill exchange). A member books another member's published
 * service listing; the provider accepts or declines, gives the service and marks it done
 * (complete); the requester confirms (or the timers do, booking_confirm_after_days after the
 * completion), which pays the provider in credits when the deployment has them. docs/API.md
 * ("Service bookings") is the contract; SPEC §3 the rules.
 *
 * Stored document (store.h "bookings"):
 *   id                   "bkg_..." (mt_id)
 *   version              int64 (compare-and-set; the ETag is W/"<version>")
 *   listing_id           the service
 *   listing_title        the listing's title when the booking was made (a snapshot)
 *   provider_member_id   the member offering the service (the listing's "owner_id")
 *   requester_member_id  the member asking (the requesting account's member)
 *   requested_by         the requesting account id
 *   start                date: when the service is to be given
 *   duration_minutes     int32, 15..10080: the body's, else the listing's, else 60
 *   message              string, only when the requester wrote one
 *   rate                 int64 >= 0: the listing's credit_rate_per_hour when requested (0 when
 *                        it has none); what an hour costs whatever the listing says later
 *   status               "requested" | "accepted" | "declined" | "cancelled" | "completed" |
 *                        "confirmed" (MT_BOOKING_*)
 *   created_at, updated_at  dates
 *   history              array of {seq (1, 2, ...), at, actor (account id or "system"), from
 *                        (status, or null for the creation), to, reason (string or null)},
 *                        appended in the same compare-and-set write as the change it records
 *   Per change (present once it happened; every "_by" is an account id or "system"):
 *   accepted_at, accepted_by                      accept
 *   declined_at, declined_by, decline_reason?     decline
 *   cancelled_at, cancelled_by, cancel_reason     cancel
 *   completed_at, completed_by, hours             complete: hours given (a number > 0; the
 *                                                 body's, else duration_minutes / 60)
 *   confirmed_at, confirmed_by                    confirm (by "system" when automatic)
 *   payment {entry_id, amount, at}                confirm, when credits moved: the ledger
 *                                                 entry "booking:<id>" and its amount
 *   payment_refused {at, amount}                  while "completed": a confirmation was
 *                                                 refused by the credits floor (first refusal;
 *                                                 removed by the confirmation)
 *
 * Amount of a booking: ceil(minutes × rate / 60) credits, where minutes = hours × 60 at
 * confirmation and duration_minutes at the request (the estimate the requester's balance
 * must cover when credits are enabled). Nothing moves when it is 0 or credits are disabled.
 *
 * Consistency without transactions (the order of the writes is the contract)
 *   - Every change is one compare-and-set of the booking on the version read, appending its
 *     history item; of two racing changes exactly one wins, the other gets MT_ERR_STALE
 *     (users: 409). Then the audit entries ("<id>:<seq>", entity "booking"; every history
 *     item is recorded again at each change, so that one missed by a crash is recorded by
 *     the next change), then the event (events.h, key "<id>:<seq>").
 *   - Confirmation pays FIRST: mt_credits_transfer under the deterministic id
 *     "booking:<id>" (stored once whatever the retries), then the compare-and-set to
 *     "confirmed" with payment {entry_id, amount}. A crash between the two leaves a paid,
 *     still "completed" booking: the next confirmation (the requester's, or the timers')
 *     finds the entry already stored and only records it. A lost compare-and-set after the
 *     transfer is decided again on the booking read anew: still "completed" (its payment was
 *     marked refused meanwhile) -> written again; anything else -> MT_ERR_CONFLICT, and the
 *     transfer was stored once by whichever confirmation won.
 *   - A transfer refused by the floor (MT_ERR_UNPROCESSABLE) writes nothing in the ledger:
 *     the booking stays "completed" and gets payment_refused (a compare-and-set of that field
 *     only, no history item), which puts it in the administrators' review queue
 *     (mt_booking_review_page).
 *
 * Who may do what
 *   Requester = any account of requester_member_id; provider = any account of
 *   provider_member_id; administrators may do everything either may do. Only they see a
 *   booking (anyone else: MT_ERR_NOT_FOUND). accept, decline, complete: provider;
 *   confirm: requester; cancel: requester or provider (while requested or accepted). A caller
 *   who sees the booking but may not act gets MT_ERR_FORBIDDEN.
 */
#ifndef MT_BOOKINGS_H
#define MT_BOOKINGS_H

#include "mt_error.h"
#include "mt_id.h"
#include "service.h"
#include "store.h"

#include <bson/bson.h>
#include <stdbool.h>
#include <stdint.h>

#define MT_BOOKING_ID_PREFIX "bkg"

#define MT_BOOKING_REQUESTED "requested"
#define MT_BOOKING_ACCEPTED "accepted"
#define MT_BOOKING_DECLINED "declined"
#define MT_BOOKING_CANCELLED "cancelled"
#define MT_BOOKING_COMPLETED "completed"
#define MT_BOOKING_CONFIRMED "confirmed"

/* The actor of automatic changes. */
#define MT_BOOKING_SYSTEM "system"

/* Duration when neither the body nor the listing gives one. */
#define MT_BOOKING_DEFAULT_DURATION_MINUTES 60
/* booking_confirm_after_days when the context carries no configuration. */
#define MT_BOOKING_DEFAULT_CONFIRM_AFTER_DAYS 7
/* Compare-and-set attempts of a confirmation once its payment is stored. */
#define MT_BOOKING_RECORD_ATTEMPTS 8
/* Bookings read per store page by the timers and the review queue. */
#define MT_BOOKING_SWEEP_PAGE_SIZE 10
/* Store pages one review-queue page reads at most (the page may then hold fewer items). */
#define MT_BOOKING_REVIEW_PAGES_MAX 100

/* True for a known status name. */
bool mt_booking_status_known (const char *status);
/* The statuses, for messages. */
#define MT_BOOKING_STATUS_NAMES "requested, accepted, declined, cancelled, completed, confirmed"

/* True when a booking may go from @from to @to: requested -> accepted | declined |
 * cancelled; accepted -> completed | cancelled; completed -> confirmed. Nothing else. */
bool mt_booking_transition_allowed (const char *from, const char *to);

/* ceil(@minutes × @rate / 60), 0 when either is not positive (saturates at INT64_MAX). */
int64_t mt_booking_amount (int64_t minutes, int64_t rate);

/* The ledger entry id of @booking_id's payment ("booking:<id>") into @out. */
void mt_booking_payment_id (const char *booking_id, char *out, size_t size);

/* --- Rights ----------------------------------------------------------------------------------- */

typedef enum {
  MT_BOOKING_ROLE_NONE = 0,
  MT_BOOKING_ROLE_REQUESTER = 1 << 0,
  MT_BOOKING_ROLE_PROVIDER = 1 << 1,
  MT_BOOKING_ROLE_ADMIN = 1 << 2,
} mt_booking_role_t;

/* The roles of @ctx's caller on @booking (stored document); NONE when anonymous. */
unsigned mt_booking_roles (const mt_ctx_t *ctx, const bson_t *booking);

/* --- Endpoints ------------------------------------------------------------------------------- */

/*
 * POST /v1/bookings from @body (validated booking_create.json: listing_id, start,
 * duration_minutes?, message?). Rules in the order of docs/API.md:
 *   MT_ERR_NOT_FOUND      the listing is not visible to the caller;
 *   MT_ERR_UNPROCESSABLE  not a published service (/listing_id); the caller's member offers it
 *                         (/listing_id); start <= now (/start); with credits enabled, the
 *                         requester's balance minus the estimate would fall below
 *                         credits_floor (/duration_minutes).
 * @out (initialised here): the stored booking; @id_out its id. Audit and event follow.
 */
bool mt_booking_create (const mt_ctx_t *ctx, const bson_t *body, bson_t *out,
                        char id_out[MT_ID_SIZE], mt_error_t *error);

/* GET /v1/bookings/{id}: MT_ERR_NOT_FOUND when absent or not visible. @out initialised here. */
bool mt_booking_get (const mt_ctx_t *ctx, const char *id, bson_t *out, mt_error_t *error);

/* Query of GET /v1/bookings (strings as received; NULL when absent). */
typedef struct {
  const char *role;   /* "requester" (default) | "provider" */
  const char *status; /* comma-separated statuses; NULL = every status */
  const char *cursor;
  const char *limit; /* 1..100 (larger is capped), default 20 */
} mt_booking_list_query_t;

/*
 * GET /v1/bookings: the bookings of the caller's member as requester or provider, newest
 * first. Bad parameters: MT_ERR_BAD_REQUEST with the parameter's name as path. @items
 * (initialised here) is array-shaped; @next_cursor "" on the last page.
 */
bool mt_booking_list (const mt_ctx_t *ctx, const mt_booking_list_query_t *query, bson_t *items,
                      char next_cursor[MT_STORE_CURSOR_MAX], mt_error_t *error);

typedef enum {
  MT_BOOKING_ACCEPT = 0, /* {} requested -> accepted (provider) */
  MT_BOOKING_DECLINE,    /* {reason?} requested -> declined (provider) */
  MT_BOOKING_CANCEL,     /* {reason} requested | accepted -> cancelled (requester, provider) */
  MT_BOOKING_COMPLETE,   /* {hours?} accepted -> completed (provider) */
  MT_BOOKING_CONFIRM,    /* {} completed -> confirmed, pays (requester) */
} mt_booking_action_t;

/*
 * POST /v1/bookings/{id}/<action> with @body (validated; may be NULL). @if_match (may be
 * NULL): the change is then made only on that version. Errors, in this order:
 * MT_ERR_NOT_FOUND (absent or not visible), MT_ERR_FORBIDDEN (visible, but this caller may
 * not do this), MT_ERR_CONFLICT (illegal from the current status), MT_ERR_STALE (@if_match
 * is not the current version, or another change won the compare-and-set: never retried
 * before the payment), and for confirm MT_ERR_UNPROCESSABLE when the credits floor refuses
 * the payment (the booking stays completed, marked payment_refused). @out (initialised
 * here): the updated booking.
 */
bool mt_booking_act (const mt_ctx_t *ctx, const char *id, mt_booking_action_t action,
                     const bson_t *body, const char *if_match, bson_t *out, mt_error_t *error);

/* --- Timers ----------------------------------------------------------------------------------- */

/* Counts of the automatic confirmations. */
typedef struct {
  uint32_t examined;  /* completed bookings read */
  uint32_t confirmed; /* completed -> confirmed by "system" */
  uint32_t refused;   /* payment refused by the floor: left completed */
  uint32_t skipped;   /* not due, or lost a race (another instance or the requester first) */
  uint32_t errors;    /* store failures (retried at the next pass) */
} mt_booking_sweep_report_t;

/*
 * One page (MT_BOOKING_SWEEP_PAGE_SIZE) of the automatic confirmation at ctx->now_ms:
 * "completed" bookings whose completed_at <= now - booking_confirm_after_days are confirmed
 * by "system" (history reason "auto_confirmation") and pay the provider exactly as the
 * requester's confirmation does; a payment refused by the floor leaves them completed (and
 * marked), to be tried again at every pass. @cursor: "" (or NULL) for the first page; @next
 * (MT_STORE_CURSOR_MAX bytes) receives the next page's cursor, "" at the end. @report is
 * added to. Safe on several instances at once (compare-and-set, deterministic payment id).
 */
void mt_booking_sweep_page (const mt_ctx_t *ctx, const char *cursor, char *next,
                            mt_booking_sweep_report_t *report);

/* --- Administration ------------------------------------------------------------------------- */

/*
 * The "booking_payment" group of the administrators' review queue: "completed" bookings
 * whose payment was refused (payment_refused), newest first, appended to @items (an array
 * being built, whose next index is *@count) as {"reason": "booking_payment", "since":
 * payment_refused.at, "booking": <the booking>} until *@count reaches @limit. @cursor:
 * NULL or "" for the start, else a @next given before; @next (MT_STORE_CURSOR_MAX bytes) is
 * "" when the group is over. At most MT_BOOKING_REVIEW_PAGES_MAX store pages are read: past
 * them @next is set with fewer items. Bad cursors: MT_ERR_BAD_REQUEST (path "cursor").
 */
bool mt_booking_review_page (const mt_ctx_t *ctx, const char *cursor, uint32_t limit, bson_t *items,
                             uint32_t *count, char *next, mt_error_t *error);

#endif
