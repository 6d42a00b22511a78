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

#include <stdbool.h>
#include <stdint.h>

#define MT_CREDITS_SYSTEM "system"

/* True when the deployment has credits. */
bool mt_credits_enabled (const mt_ctx_t *ctx);

/*
 * Transfers @amount (> 0) from @from to @to under the deterministic @id. The floor is
 * enforced unless @from is MT_CREDITS_SYSTEM. An @id already stored is success (*@done_before
 * set when not NULL). Refused transfers: MT_ERR_UNPROCESSABLE ("crédits insuffisants"),
 * nothing written. When credits are disabled: success, nothing written.
 */
bool mt_credits_transfer (const mt_ctx_t *ctx, const char *id, const char *from, const char *to,
                          int64_t amount, const char *reason, const char *ref, bool *done_before,
                          mt_error_t *error);

/* The balance of @member_id (0 when credits are disabled). */
bool mt_credits_balance (const mt_ctx_t *ctx, const char *member_id, int64_t *balance,
                         mt_error_t *error);

#endif
