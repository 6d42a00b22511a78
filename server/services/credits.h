/*
 * credits: the credits ledger (optional per deployment: config credits_enabled).
 *
 * Double-entry and immutable: a transfer is one entry {id, from, to, amount, reason, ref,
 * created_at} between two members, or from "system" for grants; a balance is what a member
 * received minus what it sent, so the sum of all balances is always zero. Corrections are
 * reversal entries. No member's balance may fall below credits_floor: the store checks and
 * appends in one atomic step (store.h ledger_append), so two concurrent spends can never
 * both cross it.
 *
 * Entry ids are deterministic ("welcome:<member>", "monthly:<member>:<YYYY-MM>",
 * "reservation:<id>", "booking:<id>"...), which makes every transfer idempotent: repeating
 * one (a retry, a crash, two instances) stores it once.
 */
#ifndef MT_CREDITS_H
#define MT_CREDITS_H

#include "mt_error.h"
#include "service.h"
#include "store.h"

#include <bson/bson.h>
#include <stdbool.h>
#include <stdint.h>

#define MT_CREDITS_SYSTEM "system"

/* True when the deployment has credits. */
bool mt_credits_enabled (const mt_ctx_t *ctx);

/*
 * Transfers @amount (> 0) from @from to @to under the deterministic @id. The floor is
 * enforced unless @from is MT_CREDITS_SYSTEM. An @id already stored is success (*@done_before
 * set when not NULL). Refused transfers: MT_ERR_UNPROCESSABLE ("crédits insuffisants"),
 * nothing written. When credits are disabled, or @amount is 0: success, nothing written.
 * The entry is audited (see mt_credits_transfer_full), its actor the caller's account or
 * "system".
 */
bool mt_credits_transfer (const mt_ctx_t *ctx, const char *id, const char *from, const char *to,
                          int64_t amount, const char *reason, const char *ref, bool *done_before,
                          mt_error_t *error);

/* The balance of @member_id (0 when credits are disabled). */
bool mt_credits_balance (const mt_ctx_t *ctx, const char *member_id, int64_t *balance,
                         mt_error_t *error);

/* --- Everything below is credits.c's own, for the hooks and the routes ------------------- */

#define MT_CREDITS_AMOUNT_MAX INT64_C (1000000) /* of one admin grant */
#define MT_CREDITS_ENTRY_ID_MAX 255             /* bytes of an entry id */
#define MT_CREDITS_MONTH_SIZE 8                 /* "YYYY-MM" + NUL */
#define MT_CREDITS_MONTHLY_PAGE 50              /* members per step of the monthly grant */
#define MT_CREDITS_MONTHLY_PAGES_MAX 200        /* pages per interval; the rest waits */

/* The floor of the deployment (config credits_floor; 0 without a configuration). */
int64_t mt_credits_floor (const mt_ctx_t *ctx);

/*
 * mt_credits_transfer with the actor of the audit entry: @actor (an account id or "system";
 * NULL = the caller's account, or "system" without one). @out (may be NULL; initialised here
 * otherwise): the entry as stored by this call, or as this call would have stored it when the
 * id was taken already (*@done_before). Every entry is audited: {id "ledger:<entry id>",
 * entity "ledger", entity_id <entry id>, from <payer>, to <payee>, reason "<amount>:
 * <reason>"}, also when the id was taken already (which repairs an audit lost by a crash).
 * @reverses (may be NULL): the id of the entry this one reverses.
 */
bool mt_credits_transfer_full (const mt_ctx_t *ctx, const char *id, const char *from,
                               const char *to, int64_t amount, const char *reason, const char *ref,
                               const char *reverses, const char *actor, bool *done_before,
                               bson_t *out, mt_error_t *error);

/* --- Reservations (hooks of reservations.c and reservations_engine.c) ------------------- */

/* Started days of [@start_ms, @end_ms): ceil (length / 24 h), at least 1. */
int64_t mt_credits_days (int64_t start_ms, int64_t end_ms);

/*
 * At creation (before the calendar is claimed): when credits are enabled and @listing has a
 * "credit_price_per_day" > 0, the borrower's (the caller's member) balance minus
 * days x price must stay at or above the floor; otherwise MT_ERR_UNPROCESSABLE "crédits
 * insuffisants". Anything else: true.
 */
bool mt_credits_reservation_check (const mt_ctx_t *ctx, const bson_t *listing, int64_t start_ms,
                                   int64_t end_ms, mt_error_t *error);

/* At creation, on the new reservation document @reservation: when credits are enabled and
 * @listing has a price, appends "credit_price_per_day" (the price agreed, charged at return). */
void mt_credits_reservation_stamp (const mt_ctx_t *ctx, const bson_t *listing, bson_t *reservation);

/*
 * At the return of @stored (a checked-out reservation), before its compare-and-set: when
 * credits are enabled and the reservation carries "credit_price_per_day" > 0, transfers
 * days x price from the borrower to the owner under "reservation:<id>" (reason
 * "reservation", ref the reservation id). When the floor refuses it, appends to @set
 * "credits_due": true and "review_required": true (the review queue shows it; the return
 * itself goes on). Errors: store failures only (the return is then not made).
 */
bool mt_credits_reservation_charge (const mt_ctx_t *ctx, const bson_t *stored, bson_t *set,
                                    mt_error_t *error);

/* --- Grants ----------------------------------------------------------------------------- */

/*
 * The welcome grant of @member_id (credits_welcome_grant from "system", id
 * "welcome:<member>"), made by @actor (the approving account). Nothing when credits are
 * disabled or the grant is 0; once per member whatever the number of calls.
 */
bool mt_credits_welcome (const mt_ctx_t *ctx, const char *member_id, const char *actor,
                         mt_error_t *error);

/* Where a pass of the monthly grant is; only the timers' loop touches it. Zero = idle. */
typedef struct {
  char month[MT_CREDITS_MONTH_SIZE];      /* the month of the pass under way, "" when none */
  char done_month[MT_CREDITS_MONTH_SIZE]; /* the last month whose pass ended without error */
  char cursor[MT_STORE_CURSOR_MAX];       /* next page of active members */
  uint32_t pages;                         /* pages read in the current interval */
  uint32_t granted;                       /* grants stored by the pass */
  uint32_t already;                       /* grants found stored already */
  uint32_t errors;                        /* failures (the pass is made again) */
} mt_credits_monthly_t;

/* "YYYY-MM" of @ms (UTC). */
void mt_credits_month (int64_t ms, char out[MT_CREDITS_MONTH_SIZE]);

/*
 * One step (one page of active members) of the monthly grant at ctx->now_ms: every active
 * member but the platform's receives credits_monthly_grant from "system" under
 * "monthly:<member>:<YYYY-MM>" (idempotent across restarts and instances). Returns true when
 * more pages are ready (call again soon), false when the pass is over or nothing is to do
 * (credits disabled, a grant of 0, or this month done by this process already).
 */
bool mt_credits_monthly_step (const mt_ctx_t *ctx, mt_credits_monthly_t *state);

/* --- Endpoints ------------------------------------------------------------------------- */

/*
 * GET /v1/me/ledger: in @out (initialised here) {enabled, balance, floor, items (entries
 * sent or received by the caller's member, newest first), next_cursor (string or null)};
 * @next_cursor also gets the cursor ("" on the last page). Disabled: {enabled: false,
 * balance: 0, floor, items: [], next_cursor: null}. Bad @limit_text or @cursor:
 * MT_ERR_BAD_REQUEST naming the parameter.
 */
bool mt_credits_statement (const mt_ctx_t *ctx, const char *cursor, const char *limit_text,
                           bson_t *out, char next_cursor[MT_STORE_CURSOR_MAX], mt_error_t *error);

/*
 * POST /v1/admin/ledger/grants with @body (ledger_grant.json: member_id, amount, reason):
 * administrators only (MT_ERR_FORBIDDEN); MT_ERR_CONFLICT when credits are disabled;
 * MT_ERR_NOT_FOUND (path /member_id) for an unknown or deleted member. The entry (id
 * "grant_<random>", from "system") in @out (initialised here).
 */
bool mt_credits_admin_grant (const mt_ctx_t *ctx, const bson_t *body, bson_t *out,
                             mt_error_t *error);

/*
 * POST /v1/admin/ledger/entries/{id}/reverse with @body (ledger_reverse.json: reason):
 * administrators only; MT_ERR_CONFLICT when credits are disabled or the entry was reversed
 * already; MT_ERR_NOT_FOUND for an unknown entry; MT_ERR_UNPROCESSABLE when the reversal
 * would take its payer (the original payee) below the floor. The reversal (id
 * "reverse:<id>", from and to swapped, same amount, "reverses": <id>) in @out.
 */
bool mt_credits_admin_reverse (const mt_ctx_t *ctx, const char *entry_id, const bson_t *body,
                               bson_t *out, mt_error_t *error);

#endif
