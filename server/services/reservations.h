/*
 * reservations: members reserve units of another member's good for a half-open period
 * [start, end); the owner approves or declines, hands the good over (checkout) and gets it
 * back (return). docs/API.md ("Reservations") is the contract; SPEC §3 the rules. The good is
 * never double-booked: every reservation that blocks the calendar holds an entry in the
 * listing's calendar document, written by compare-and-set before the reservation exists.
 *
 * Stored document (store.h "reservations"):
 *   id                  "res_..." (mt_id)
 *   version             int64 (compare-and-set; the ETag is W/"<version>")
 *   listing_id          the good
 *   listing_title       the listing's title when the reservation was made (a snapshot for
 *                       lists, messages and notifications; the listing may change later)
 *   owner_member_id     the lending member (the listing's "owner_id" at creation)
 *   borrower_member_id  the borrowing member (the requesting account's member)
 *   requested_by        the requesting account id
 *   start, end          dates, [start, end), start < end
 *   units               int32, 1..quantity
 *   message             string, only when the borrower wrote one
 *   status              "requested" | "approved" | "declined" | "cancelled" | "expired" |
 *                       "checked_out" | "returned" | "closed" (MT_RESERVATION_*)
 *   expires_at          date: min(start, created_at + request_ttl_hours); a "requested"
 *                       reservation is expired by the timers once now >= expires_at
 *   created_at, updated_at  dates
 *   history             array of {seq (int32: 1, 2, ... = index + 1), at (date), actor
 *                       (account id, or "system" for automatic changes), from (status, or
 *                       null for the creation), to (status), reason (string or null)},
 *                       appended in the same compare-and-set write as the change it records.
 *                       Creation is {seq 1, from null, to "requested"}; an "auto" listing
 *                       adds {seq 2, "requested" -> "approved", actor "system", reason
 *                       "auto_approval"} in the same insert.
 *   overdue             bool, false at creation; the timers set it once now >= end while
 *                       "checked_out" (mt_reservation_view also derives it on read)
 *   review_required     bool, false at creation; true when the return carries an incident
 *                       (the admin review queue shows it)
 *   reminded_start, reminded_end  bool, false at creation; set by the timers once the
 *                       reminder before the start / before the end is sent
 *   Per change (present once it happened):
 *   approved_at, approved_by, approval_note?       approve (approved_by "system" when auto)
 *   declined_at, declined_by, decline_reason?      decline
 *   cancelled_at, cancelled_by, cancel_reason      cancel
 *   expired_at                                     expire (timers, actor "system")
 *   checkout {at, by, condition_note}              checkout
 *   return {at, by, condition_note, incident? {type ("damage" | "missing_part" | "loss"),
 *           text}}, returned_at (= return.at)      return
 *   closed_at, closed_by                           close (timers: "system"; admin review)
 *   review {at, by, decision ("close" | "follow_up"), note}   admin review (loans admin)
 *   Every "by" is an account id (or "system").
 *
 * Calendar entries (store.h calendars): {reservation_id, start, end, units, created_at}.
 *
 * Crash safety without transactions (the order of the writes is the contract)
 *   - Creation writes the calendar entry first (calendar compare-and-set, retried on STALE
 *     up to MT_RESERVATION_CALENDAR_ATTEMPTS times, then 503), then inserts the reservation.
 *     A crash in between leaves an entry whose reservation does not exist: an ORPHAN.
 *   - A releasing change (decline, cancel, return, and the timers' expire) first writes the
 *     reservation (compare-and-set), then removes its calendar entry
 *     (mt_reservation_calendar_release). A crash in between leaves an entry of a reservation
 *     that no longer blocks: a STALE ENTRY.
 *   - Reconciliation (the timers, at start-up and periodically; several instances may run
 *     it at once): mt_reservation_calendar_reconcile removes, from one listing's calendar,
 *     every entry whose "created_at" is older than now - MT_RESERVATION_ORPHAN_GRACE_MS and
 *     whose reservation does not exist or does not block (mt_reservation_status_blocks).
 *     The grace period covers a creation still between its two writes. An entry is never
 *     removed while its reservation blocks, so reconciliation never frees booked units.
 *   - Audit entries are written after each successful compare-and-set (audit.h, one per
 *     history item, id "<reservation id>:<seq>"); a crash before leaves them missing, and
 *     mt_audit_record_reservation re-records them from the history (idempotent).
 *
 * Who may do what
 *   Borrower = any account of borrower_member_id; owner = any account of owner_member_id;
 *   administrators may do what the owner does. Only they see a reservation (anyone else:
 *   MT_ERR_NOT_FOUND). approve, decline, checkout, return: owner or admin; cancel: borrower,
 *   owner or admin. A caller who sees the reservation but may not act gets
 *   MT_ERR_FORBIDDEN.
 *
 * Limits
 *   The per-member limit (config max_active_reservations) counts the borrower member's
 *   blocking reservations before the calendar write; it is not protected by the calendar's
 *   compare-and-set, so two requests of one member racing on two different listings may
 *   both pass with one slot left (the member then holds one reservation too many).
 */
#ifndef MT_RESERVATIONS_H
#define MT_RESERVATIONS_H

#include "mt_error.h"
#include "mt_id.h"
#include "service.h"

#include <bson/bson.h>
#include <stdbool.h>
#include <stdint.h>

#define MT_RESERVATION_ID_PREFIX "res"

/* Statuses. requested, approved and checked_out block the calendar. */
#define MT_RESERVATION_REQUESTED "requested"
#define MT_RESERVATION_APPROVED "approved"
#define MT_RESERVATION_DECLINED "declined"
#define MT_RESERVATION_CANCELLED "cancelled"
#define MT_RESERVATION_EXPIRED "expired"
#define MT_RESERVATION_CHECKED_OUT "checked_out"
#define MT_RESERVATION_RETURNED "returned"
#define MT_RESERVATION_CLOSED "closed"

/* The actor of automatic changes (history, audit, "*_by" fields). */
#define MT_RESERVATION_SYSTEM "system"

/* Calendar compare-and-set attempts of one creation before 503 (with Retry-After). */
#define MT_RESERVATION_CALENDAR_ATTEMPTS 16
/* Calendar entries younger than this are never removed by reconciliation. */
#define MT_RESERVATION_ORPHAN_GRACE_MS INT64_C (600000) /* 10 minutes */
/* Texts of the bodies. */
#define MT_RESERVATION_TEXT_MAX 4000

/* True for the statuses that hold units in the calendar (requested, approved, checked_out). */
bool mt_reservation_status_blocks (const char *status);

/* True for a known status name. */
bool mt_reservation_status_known (const char *status);
/* The statuses, for messages. */
#define MT_RESERVATION_STATUS_NAMES                                                                \
  "requested, approved, declined, cancelled, expired, checked_out, returned, closed"

/*
 * True when a reservation may go from @from to @to: requested -> approved | declined |
 * cancelled | expired; approved -> checked_out | cancelled; checked_out -> returned;
 * returned -> closed. Nothing else.
 */
bool mt_reservation_transition_allowed (const char *from, const char *to);

/* --- Rights ----------------------------------------------------------------------------------- */

/* The caller's relation to a reservation (flags; an administrator may also be the borrower). */
typedef enum {
  MT_RESERVATION_ROLE_NONE = 0,
  MT_RESERVATION_ROLE_BORROWER = 1 << 0,
  MT_RESERVATION_ROLE_OWNER = 1 << 1,
  MT_RESERVATION_ROLE_ADMIN = 1 << 2,
} mt_reservation_role_t;

/* The roles of @ctx's caller on @reservation (stored document); NONE when anonymous. */
unsigned mt_reservation_roles (const mt_ctx_t *ctx, const bson_t *reservation);

/*
 * Reads reservation @id into @out (initialised here) when @ctx's caller may see it
 * (borrower, owner, administrator). Errors: MT_ERR_NOT_FOUND when absent or not visible
 * (the same answer); store errors. For the messages of a reservation, among others.
 */
bool mt_reservation_load_visible (const mt_ctx_t *ctx, const char *id, bson_t *out,
                                  mt_error_t *error);

/*
 * The reservation as @ctx's caller receives it, in @out (initialised here): the stored
 * document, "overdue" derived (true when checked_out and now >= end), and, when @listing
 * (the stored listing, may be NULL) is given and mt_listing_may_see_pickup allows it, the
 * listing's "pickup".
 */
void mt_reservation_view (const mt_ctx_t *ctx, const bson_t *reservation, const bson_t *listing,
                          bson_t *out);

/* --- Endpoints ------------------------------------------------------------------------------- */

/*
 * POST /v1/reservations from @body (validated reservation_create.json: listing_id, start,
 * end, units?, message?). Rules in the order of docs/API.md:
 *   MT_ERR_NOT_FOUND        the listing is not visible to the caller;
 *   MT_ERR_UNPROCESSABLE    not a published good (path /listing_id); the caller's member owns
 *                           it (/listing_id); start >= end (/end); longer than max_days
 *                           (/end); start < now + min_notice_hours (/start); start > now +
 *                           horizon_days (/start); units > quantity (/units); the member
 *                           already holds max_active_reservations blocking reservations;
 *   MT_ERR_CONFLICT         a blackout overlaps, or the units are not free over [start, end)
 *                           (availability.h: other entries widened by buffer_hours);
 *   MT_ERR_UNAVAILABLE      the calendar kept changing (MT_RESERVATION_CALENDAR_ATTEMPTS lost
 *                           compare-and-sets): retry_after set.
 * Then the calendar entry and the reservation are written (see the order above); audit
 * entries and the event follow (notifications.h: "requested" to the owner, or "approved"
 * to both sides when the listing approves automatically; a failure is only logged). @out (initialised here): the reservation as the caller sees it; @id_out
 * its id.
 */
bool mt_reservation_create (const mt_ctx_t *ctx, const bson_t *body, bson_t *out,
                            char id_out[MT_ID_SIZE], mt_error_t *error);

/* GET /v1/reservations/{id}: mt_reservation_view with the listing's pickup when allowed.
 * MT_ERR_NOT_FOUND when absent or not visible. @out initialised here. */
bool mt_reservation_get (const mt_ctx_t *ctx, const char *id, bson_t *out, mt_error_t *error);

/* Query of GET /v1/reservations (strings as received; NULL when absent). */
typedef struct {
  const char *role;   /* "borrower" (default) | "lender" */
  const char *status; /* comma-separated statuses; NULL = every status */
  const char *cursor;
  const char *limit; /* 1..100, default 20 */
} mt_reservation_list_query_t;

/*
 * GET /v1/reservations: the reservations of the caller's member as borrower or lender,
 * newest first, as mt_reservation_view gives them (without pickup). Bad parameters:
 * MT_ERR_BAD_REQUEST with the parameter's name as path. @items (initialised here) is
 * array-shaped; @next_cursor "" on the last page.
 */
bool mt_reservation_list (const mt_ctx_t *ctx, const mt_reservation_list_query_t *query,
                          bson_t *items, char next_cursor[MT_STORE_CURSOR_MAX], mt_error_t *error);

typedef enum {
  MT_RESERVATION_APPROVE = 0, /* {note?} requested -> approved */
  MT_RESERVATION_DECLINE,     /* {reason?} requested -> declined, releases */
  MT_RESERVATION_CANCEL,      /* {reason} requested | approved -> cancelled, releases */
  MT_RESERVATION_CHECKOUT,    /* {condition_note} approved -> checked_out */
  MT_RESERVATION_RETURN,      /* {condition_note, incident?} checked_out -> returned, releases */
} mt_reservation_action_t;

/*
 * POST /v1/reservations/{id}/<action> with @body (validated reservation_<action>.json; may
 * be NULL for approve and decline). @if_match (may be NULL): the ETag the caller saw; the
 * change is then made only on that version. Errors, in this order: MT_ERR_NOT_FOUND (absent
 * or not visible), MT_ERR_FORBIDDEN (visible, but this caller may not do this),
 * MT_ERR_CONFLICT (illegal from the current status), MT_ERR_STALE (@if_match is not the
 * current version, or another change won the compare-and-set: never retried). After the
 * change, its event (notifications.h): approved, declined, cancelled, or incident when the
 * return carries one; a checkout tells nobody. @out (initialised here): the updated
 * reservation as the caller sees it.
 */
bool mt_reservation_act (const mt_ctx_t *ctx, const char *id, mt_reservation_action_t action,
                         const bson_t *body, const char *if_match, bson_t *out, mt_error_t *error);

/* --- The engine, for the timers and the loans administration ------------------------------ */

/* One change of a reservation. */
typedef struct {
  const char *to;     /* new status (a history item is appended), or NULL: fields only */
  const char *actor;  /* account id or MT_RESERVATION_SYSTEM */
  const char *reason; /* history reason, or NULL */
  const bson_t *set;  /* top-level fields to set or replace (may be NULL); never "id",
                       * "version", "status", "history" or "updated_at" */
} mt_reservation_change_t;

/*
 * Applies @change to @stored (a reservation as read from the store, with its version) by one
 * compare-and-set: @set's fields, "status" and a history item when @change->to is set,
 * "updated_at" = ctx->now_ms. No rights are checked here; the transition must be allowed
 * (mt_reservation_transition_allowed: MT_ERR_CONFLICT otherwise). After the write: the new
 * history items go to the audit log (failures only logged), and when the status stopped
 * blocking, the calendar entry is released (a failure is logged; reconciliation finishes
 * it). @out (may be NULL; initialised here otherwise): the stored document after the write.
 * Errors: MT_ERR_STALE when another change won (the caller decides: users get 409, timers
 * read again), MT_ERR_NOT_FOUND, store errors.
 */
bool mt_reservation_apply (const mt_ctx_t *ctx, const bson_t *stored,
                           const mt_reservation_change_t *change, bson_t *out, mt_error_t *error);

/*
 * Removes the calendar entry of @reservation_id from @listing_id's calendar (compare-and-set,
 * retried on STALE up to MT_RESERVATION_CALENDAR_ATTEMPTS times). No entry, or no listing
 * any more, is success.
 */
bool mt_reservation_calendar_release (const mt_ctx_t *ctx, const char *listing_id,
                                      const char *reservation_id, mt_error_t *error);

/*
 * Reconciliation of one calendar (see "Crash safety" above): removes the entries older than
 * ctx->now_ms - @grace_ms whose reservation is absent or not blocking; *@removed (may be
 * NULL) counts them. Safe to run concurrently with anything.
 */
bool mt_reservation_calendar_reconcile (const mt_ctx_t *ctx, const char *listing_id,
                                        int64_t grace_ms, uint32_t *removed, mt_error_t *error);

#endif
