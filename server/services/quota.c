/*
 * quota: creations per member within a sliding window, counted from the store's newest
 * items of the member. See quota.h for the rules.
 */
#include "quota.h"

#include "mt_bson.h"

#include <stdlib.h>
#include <string.h>

#define MT_QUOTA_DAY_HOURS 24

bool
mt_quota_decide (uint32_t limit, int64_t window_ms, int64_t now_ms, const int64_t *created_desc,
                 size_t count, uint32_t *retry_after_s)
{
  uint32_t retry = 0;
  bool allowed = true;

  if (limit > 0 && count >= limit) {
    /* Newest first: the limit-th newest is the oldest of the newest @limit. When it is in
     * the window, all @limit are, and a slot frees when it leaves the window. */
    int64_t oldest = created_desc[limit - 1];
    if (now_ms - oldest < window_ms) {
      int64_t left_ms = oldest + window_ms - now_ms;
      int64_t left_s = (left_ms + 999) / 1000;
      allowed = false;
      retry = left_s < 1 ? 1 : left_s > UINT32_MAX ? UINT32_MAX : (uint32_t) left_s;
    }
  }
  if (retry_after_s) {
    *retry_after_s = retry;
  }
  return allowed;
}

void
mt_quota_policy (const mt_config_t *config, mt_quota_kind_t kind, uint32_t *limit,
                 int64_t *window_ms)
{
  int64_t hour_ms = (config ? config->quota_hour_s : MT_QUOTA_DEFAULT_HOUR_S) * INT64_C (1000);

  switch (kind) {
  case MT_QUOTA_RESERVATIONS:
    *limit =
      (uint32_t) (config ? config->reservations_per_hour : MT_QUOTA_DEFAULT_RESERVATIONS_PER_HOUR);
    *window_ms = hour_ms;
    break;
  case MT_QUOTA_BOOKINGS:
    *limit = (uint32_t) (config ? config->bookings_per_hour : MT_QUOTA_DEFAULT_BOOKINGS_PER_HOUR);
    *window_ms = hour_ms;
    break;
  case MT_QUOTA_NEEDS:
  default:
    *limit = (uint32_t) (config ? config->needs_per_day : MT_QUOTA_DEFAULT_NEEDS_PER_DAY);
    *window_ms = hour_ms * MT_QUOTA_DAY_HOURS;
    break;
  }
}

/* One page of @member_id's items of @kind, newest first. */
static bool
mt_quota_page (const mt_ctx_t *ctx, mt_quota_kind_t kind, const char *member_id, const char *cursor,
               uint32_t limit, mt_store_page_t *page, mt_error_t *error)
{
  mt_store_t *store = ctx->store;

  if (kind == MT_QUOTA_RESERVATIONS) {
    mt_store_reservation_query_t query = { 0 };
    query.borrower_member_id = member_id;
    query.cursor = cursor;
    query.limit = limit;
    return store->ops->reservation_list (store, &query, page, error);
  }
  if (kind == MT_QUOTA_BOOKINGS) {
    mt_store_booking_query_t query = { 0 };
    query.requester_member_id = member_id;
    query.cursor = cursor;
    query.limit = limit;
    return store->ops->booking_list (store, &query, page, error);
  }
  {
    mt_store_listing_query_t query = { 0 };
    query.owner_id = member_id;
    query.any_visibility = true;
    query.sort = MT_LISTING_SORT_RECENT;
    query.cursor = cursor;
    query.limit = limit;
    return store->ops->need_search (store, &query, page, error);
  }
}

/*
 * Reads into @created (room for @limit) the "created_at" of @member_id's newest items of
 * @kind, newest first, stopping at @limit items or at the first one out of the window.
 */
static bool
mt_quota_collect (const mt_ctx_t *ctx, mt_quota_kind_t kind, const char *member_id, uint32_t limit,
                  int64_t window_ms, int64_t *created, size_t *count, mt_error_t *error)
{
  mt_store_page_t page;
  char cursor[MT_STORE_CURSOR_MAX] = "";
  bool more = true;
  bool ok = false;

  *count = 0;
  mt_store_page_init (&page);
  while (more) {
    uint32_t want = limit - (uint32_t) *count;
    bson_iter_t it;
    mt_store_page_destroy (&page);
    if (!mt_quota_page (ctx, kind, member_id, cursor[0] ? cursor : NULL,
                        want < MT_STORE_PAGE_MAX ? want : MT_STORE_PAGE_MAX, &page, error)) {
      goto done;
    }
    more = page.next_cursor[0] != '\0';
    if (bson_iter_init (&it, &page.items)) {
      for (;;) {
        const uint8_t *data;
        uint32_t len;
        bson_t doc;
        int64_t at;
        if (!bson_iter_next (&it)) {
          break;
        }
        if (!BSON_ITER_HOLDS_DOCUMENT (&it)) {
          continue;
        }
        bson_iter_document (&it, &len, &data);
        if (!bson_init_static (&doc, data, len)) {
          continue;
        }
        at = mt_bson_date (&doc, "created_at", INT64_MIN / 2);
        if (ctx->now_ms - at >= window_ms) {
          more = false; /* newest first: every later item is older still */
          break;
        }
        created[(*count)++] = at;
        if (*count >= limit) {
          more = false;
          break;
        }
      }
    }
    memcpy (cursor, page.next_cursor, sizeof cursor);
  }
  ok = true;
done:
  mt_store_page_destroy (&page);
  return ok;
}

bool
mt_quota_check (const mt_ctx_t *ctx, mt_quota_kind_t kind, mt_error_t *error)
{
  const mt_principal_t *p = ctx->principal;
  int64_t *created = NULL;
  size_t count = 0;
  uint32_t limit;
  int64_t window_ms;
  uint32_t retry = 0;
  bool ok = false;

  mt_quota_policy (ctx->env ? ctx->env->config : NULL, kind, &limit, &window_ms);
  if (limit == 0 || !p || p->is_admin || !p->member_id[0]) {
    return true;
  }
  created = calloc (limit, sizeof *created);
  if (!created) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "mémoire épuisée", "out of memory");
    goto done;
  }
  if (!mt_quota_collect (ctx, kind, p->member_id, limit, window_ms, created, &count, error)) {
    goto done;
  }
  if (!mt_quota_decide (limit, window_ms, ctx->now_ms, created, count, &retry)) {
    static const char *const what_fr[] = { "réservations", "demandes de prestation",
                                           "besoins publiés" };
    static const char *const what_en[] = { "reservations", "service bookings", "needs posted" };
    const char *per_fr = kind == MT_QUOTA_NEEDS ? "jour" : "heure";
    const char *per_en = kind == MT_QUOTA_NEEDS ? "day" : "hour";
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_RATE_LIMITED,
                  "votre structure a atteint sa limite de %u %s par %s%.0s%.0s ; réessayez dans "
                  "%u s",
                  "your organisation has reached its limit of %u %.0s%.0s%s per %s; retry in %u s",
                  limit, what_fr[kind], per_fr, what_en[kind], per_en, retry);
    if (error) {
      error->retry_after = retry;
    }
    goto done;
  }
  ok = true;
done:
  free (created);
  return ok;
}
