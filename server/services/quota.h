/*
 * quota: how many reservations, service bookings and needs one member may create within a
 * sliding window (config reservations_per_hour, bookings_per_hour, needs_per_day; 0 = no
 * limit). Beyond, the creation is refused with MT_ERR_RATE_LIMITED (429 "rate-limited") and
 * error->retry_after = the whole seconds until the oldest creation counted leaves the window.
 *
 * Counted in the store, not in memory: the check reads the member's newest items (the
 * reservations by "borrower_member_id", the bookings by "requester_member_id", the needs by
 * "owner_id", each listed newest "created_at" first) and counts those created less than one
 * window ago. So every instance of mutuad sharing a store sees the same count, a restart
 * forgets nothing, and nothing is kept beside the items themselves. The price is one
 * indexed list of at most the limit's number of items per creation. The count is of the
 * member (its accounts together); it includes items since cancelled, declined or closed:
 * what is limited is the rate of creation. Two creations of one member racing through the
 * check may both pass (the check and the insert are not one step): the quota may be
 * exceeded by the requests in flight at one time, never more.
 *
 * Administrators (principal is_admin) are not limited. Need answers are not limited here:
 * the store port lists answers by need only, not by author.
 *
 * Windows: an hour is config quota_hour_s seconds (3600; smaller only for tests) and a day
 * is 24 of them.
 */
#ifndef MT_QUOTA_H
#define MT_QUOTA_H

#include "mt_error.h"
#include "service.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MT_QUOTA_DEFAULT_RESERVATIONS_PER_HOUR 20
#define MT_QUOTA_DEFAULT_BOOKINGS_PER_HOUR 20
#define MT_QUOTA_DEFAULT_NEEDS_PER_DAY 10
#define MT_QUOTA_DEFAULT_HOUR_S 3600

typedef enum {
  MT_QUOTA_RESERVATIONS = 0, /* POST /v1/reservations */
  MT_QUOTA_BOOKINGS,         /* POST /v1/bookings */
  MT_QUOTA_NEEDS,            /* POST /v1/needs */
} mt_quota_kind_t;

/*
 * The decision, without a store or a clock. @created_desc holds the "created_at" (ms) of
 * the member's newest items, newest first, @count of them (only the first @limit are read;
 * fewer when the member has fewer). An item counts when now_ms - created_at < window_ms.
 * @return true when fewer than @limit items count (a creation may be made; *@retry_after_s
 * = 0), false otherwise with *@retry_after_s (may be NULL) = the whole seconds, rounded up
 * and at least 1, until the @limit-th newest item leaves the window. @limit 0 = no limit.
 */
bool mt_quota_decide (uint32_t limit, int64_t window_ms, int64_t now_ms,
                      const int64_t *created_desc, size_t count, uint32_t *retry_after_s);

/* The limit (0 = none) and the window (ms) of @kind under @config (NULL = the defaults). */
void mt_quota_policy (const mt_config_t *config, mt_quota_kind_t kind, uint32_t *limit,
                      int64_t *window_ms);

/*
 * May the caller of @ctx create one more item of @kind at ctx->now_ms? true when it may
 * (always for an administrator, a caller without a member, or a limit of 0); false with
 * MT_ERR_RATE_LIMITED (retry_after set, French and English message) or the store's error.
 */
bool mt_quota_check (const mt_ctx_t *ctx, mt_quota_kind_t kind, mt_error_t *error);

#endif
