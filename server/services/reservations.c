/*
 * reservations: statuses, rights, views, and the creation of a reservation with the
 * calendar compare-and-set that keeps goods from being double-booked; the list and get
 * endpoints. Changes of an existing reservation (transitions, calendar release,
 * reconciliation) are in reservations_engine.c. reservations.h is the contract.
 */
#include "reservations.h"

#include "accounts.h"
#include "audit.h"
#include "availability.h"
#include "credits.h"
#include "lists.h"
#include "listings.h"
#include "members.h"
#include "mt_bson.h"
#include "mt_log.h"
#include "quota.h"
#include "mt_time.h"
#include "reservations_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MT_LOG_DOMAIN "reservations"

#define MT_DAY_MS INT64_C (86400000)

/* ---- Statuses ----------------------------------------------------------------------------- */

static const char *const mt_reservation_statuses[] = {
  MT_RESERVATION_REQUESTED, MT_RESERVATION_APPROVED, MT_RESERVATION_DECLINED,
  MT_RESERVATION_CANCELLED, MT_RESERVATION_EXPIRED,  MT_RESERVATION_CHECKED_OUT,
  MT_RESERVATION_RETURNED,  MT_RESERVATION_CLOSED,   NULL
};

const char *const mt_reservation_blocking[] = { MT_RESERVATION_REQUESTED, MT_RESERVATION_APPROVED,
                                                MT_RESERVATION_CHECKED_OUT, NULL };

static bool
mt_reservation_in (const char *value, const char *const *list)
{
  for (; value && *list; list++) {
    if (strcmp (value, *list) == 0) {
      return true;
    }
  }
  return false;
}

bool
mt_reservation_status_blocks (const char *status)
{
  return mt_reservation_in (status, mt_reservation_blocking);
}

bool
mt_reservation_status_known (const char *status)
{
  return mt_reservation_in (status, mt_reservation_statuses);
}

bool
mt_reservation_transition_allowed (const char *from, const char *to)
{
  static const struct {
    const char *from;
    const char *to;
  } allowed[] = {
    { MT_RESERVATION_REQUESTED, MT_RESERVATION_APPROVED },
    { MT_RESERVATION_REQUESTED, MT_RESERVATION_DECLINED },
    { MT_RESERVATION_REQUESTED, MT_RESERVATION_CANCELLED },
    { MT_RESERVATION_REQUESTED, MT_RESERVATION_EXPIRED },
    { MT_RESERVATION_APPROVED, MT_RESERVATION_CHECKED_OUT },
    { MT_RESERVATION_APPROVED, MT_RESERVATION_CANCELLED },
    { MT_RESERVATION_CHECKED_OUT, MT_RESERVATION_RETURNED },
    { MT_RESERVATION_RETURNED, MT_RESERVATION_CLOSED },
  };

  if (!from || !to) {
    return false;
  }
  for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
    if (strcmp (allowed[i].from, from) == 0 && strcmp (allowed[i].to, to) == 0) {
      return true;
    }
  }
  return false;
}

/* ---- Helpers shared with reservations_engine.c --------------------------------------------- */

bool
mt_reservation_not_found (mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_NOT_FOUND, "réservation introuvable",
                "reservation not found");
  return false;
}

bool
mt_reservation_iter_doc (const bson_iter_t *it, bson_t *doc)
{
  const uint8_t *data;
  uint32_t len;

  if (BSON_ITER_HOLDS_DOCUMENT (it)) {
    bson_iter_document (it, &len, &data);
  } else if (BSON_ITER_HOLDS_ARRAY (it)) {
    bson_iter_array (it, &len, &data);
  } else {
    return false;
  }
  return bson_init_static (doc, data, len);
}

void
mt_reservation_policy (const mt_ctx_t *ctx, int64_t *max_active, int64_t *ttl_hours)
{
  const mt_config_t *config = ctx->env ? ctx->env->config : NULL;

  *max_active = config ? config->max_active_reservations : MT_RESERVATION_DEFAULT_MAX_ACTIVE;
  *ttl_hours = config ? config->request_ttl_hours : MT_RESERVATION_DEFAULT_TTL_HOURS;
}

/* ---- Rights -------------------------------------------------------------------------------- */

unsigned
mt_reservation_roles (const mt_ctx_t *ctx, const bson_t *reservation)
{
  const mt_principal_t *p = ctx->principal;
  unsigned roles = MT_RESERVATION_ROLE_NONE;

  if (!p) {
    return roles;
  }
  if (p->member_id[0] && mt_bson_str_eq (reservation, "borrower_member_id", p->member_id)) {
    roles |= MT_RESERVATION_ROLE_BORROWER;
  }
  if (p->member_id[0] && mt_bson_str_eq (reservation, "owner_member_id", p->member_id)) {
    roles |= MT_RESERVATION_ROLE_OWNER;
  }
  if (p->is_admin) {
    roles |= MT_RESERVATION_ROLE_ADMIN;
  }
  return roles;
}

bool
mt_reservation_load_visible (const mt_ctx_t *ctx, const char *id, bson_t *out, mt_error_t *error)
{
  mt_error_t store_error;
  bool ok = false;

  bson_init (out);
  if (!id || !ctx->principal) {
    mt_reservation_not_found (error);
    goto done;
  }
  bson_destroy (out);
  if (!ctx->store->ops->reservation_get (ctx->store, id, out, &store_error)) {
    if (store_error.code == MT_ERR_NOT_FOUND) {
      mt_reservation_not_found (error);
    } else {
      mt_error_copy (error, &store_error);
    }
    goto done;
  }
  if (mt_reservation_roles (ctx, out) == MT_RESERVATION_ROLE_NONE) {
    mt_reservation_not_found (error);
    goto done;
  }
  ok = true;
done:
  if (!ok) {
    bson_reinit (out);
  }
  return ok;
}

void
mt_reservation_view (const mt_ctx_t *ctx, const bson_t *reservation, const bson_t *listing,
                     bson_t *out)
{
  static const char *const derived[] = { "overdue", "pickup", NULL };
  bson_iter_t it;
  bool overdue = mt_bson_bool (reservation, "overdue", false);

  mt_bson_copy_without (reservation, out, derived);
  if (mt_bson_str_eq (reservation, "status", MT_RESERVATION_CHECKED_OUT) &&
      ctx->now_ms >= mt_bson_date (reservation, "end", INT64_MAX)) {
    overdue = true;
  }
  BSON_APPEND_BOOL (out, "overdue", overdue);
  if (listing && bson_iter_init_find (&it, listing, "pickup") && BSON_ITER_HOLDS_DOCUMENT (&it) &&
      mt_listing_may_see_pickup (ctx, listing)) {
    bson_append_iter (out, "pickup", -1, &it);
  }
}

/* ---- POST /v1/reservations ------------------------------------------------------------------ */

static bool
mt_reservation_unprocessable (mt_error_t *error, const char *path, const char *fr, const char *en)
{
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE, "%s%.0s", "%.0s%s", fr, en);
  if (path) {
    mt_error_set_path (error, path);
  }
  return false;
}

/* Reads the RFC 3339 text at @key of @body; a leap second passes the schema's format but is
 * no instant mutua can hold (MT_ERR_VALIDATION). */
static bool
mt_reservation_body_instant (const bson_t *body, const char *key, int64_t *ms, mt_error_t *error)
{
  bson_iter_t it;
  char path[32];

  if (bson_iter_init_find (&it, body, key) && BSON_ITER_HOLDS_UTF8 (&it)) {
    uint32_t len;
    const char *text = bson_iter_utf8 (&it, &len);
    if (mt_time_parse_rfc3339 (text, len, ms) && *ms >= MT_AVAIL_TIME_MIN &&
        *ms < MT_AVAIL_TIME_MAX) {
      return true;
    }
  }
  snprintf (path, sizeof path, "/%s", key);
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION, "date invalide (RFC 3339)",
                "invalid date (RFC 3339)");
  mt_error_set_path (error, path);
  return false;
}

/* Counts the blocking reservations of @member_id, stopping at @enough. */
static bool
mt_reservation_count_blocking (const mt_ctx_t *ctx, const char *member_id, int64_t enough,
                               int64_t *count, mt_error_t *error)
{
  mt_store_reservation_query_t query = { 0 };
  mt_store_page_t page;
  char cursor[MT_STORE_CURSOR_MAX] = "";
  bool ok = false;

  *count = 0;
  mt_store_page_init (&page);
  query.borrower_member_id = member_id;
  query.statuses = mt_reservation_blocking;
  query.limit = MT_STORE_PAGE_MAX;
  for (;;) {
    query.cursor = cursor[0] ? cursor : NULL;
    mt_store_page_destroy (&page);
    if (!ctx->store->ops->reservation_list (ctx->store, &query, &page, error)) {
      goto done;
    }
    *count += page.count;
    if (*count >= enough || !page.next_cursor[0]) {
      break;
    }
    snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
  }
  ok = true;
done:
  mt_store_page_destroy (&page);
  return ok;
}

/* What a new reservation is, once its body is read. */
typedef struct {
  const char *listing_id;
  int64_t start_ms;
  int64_t end_ms;
  int64_t units;
  bool auto_approval;
} mt_reservation_request_t;

/* The rules of docs/API.md that need no calendar, in order (422). */
static bool
mt_reservation_check_rules (const mt_ctx_t *ctx, const bson_t *listing,
                            const mt_reservation_request_t *req, mt_error_t *error)
{
  const mt_principal_t *p = ctx->principal;
  int64_t max_days = mt_bson_int (listing, "loan_rules.max_days", MT_LISTING_DEFAULT_MAX_DAYS);
  int64_t notice =
    mt_bson_int (listing, "loan_rules.min_notice_hours", MT_LISTING_DEFAULT_MIN_NOTICE_HOURS);
  int64_t horizon =
    mt_bson_int (listing, "loan_rules.horizon_days", MT_LISTING_DEFAULT_HORIZON_DAYS);
  int64_t quantity = mt_bson_int (listing, "quantity", MT_LISTING_DEFAULT_QUANTITY);
  int64_t max_active;
  int64_t ttl_hours;
  int64_t active = 0;

  if (!mt_bson_str_eq (listing, "kind", "good") ||
      !mt_bson_str_eq (listing, "status", "published")) {
    return mt_reservation_unprocessable (error, "/listing_id",
                                         "seul un bien publié peut être réservé",
                                         "only a published good can be reserved");
  }
  if (mt_bson_str_eq (listing, "owner_id", p->member_id)) {
    return mt_reservation_unprocessable (error, "/listing_id",
                                         "votre structure ne peut pas emprunter son propre bien",
                                         "your organisation cannot borrow its own good");
  }
  if (req->start_ms >= req->end_ms) {
    return mt_reservation_unprocessable (error, "/end", "la fin doit être après le début",
                                         "the end must be after the start");
  }
  if (req->end_ms - req->start_ms > max_days * MT_DAY_MS) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                  "durée supérieure au maximum de %lld jour(s) de ce bien",
                  "longer than this good's maximum of %lld day(s)", (long long) max_days);
    mt_error_set_path (error, "/end");
    return false;
  }
  if (req->start_ms < ctx->now_ms + notice * MT_AVAIL_HOUR_MS) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                  "ce bien se réserve au moins %lld heure(s) à l'avance",
                  "this good must be reserved at least %lld hour(s) ahead", (long long) notice);
    mt_error_set_path (error, "/start");
    return false;
  }
  if (req->start_ms > ctx->now_ms + horizon * MT_DAY_MS) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                  "ce bien se réserve au plus %lld jour(s) à l'avance",
                  "this good can be reserved at most %lld day(s) ahead", (long long) horizon);
    mt_error_set_path (error, "/start");
    return false;
  }
  if (req->units > quantity) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE, "ce bien compte %lld unité(s)",
                  "this good has %lld unit(s)", (long long) quantity);
    mt_error_set_path (error, "/units");
    return false;
  }
  mt_reservation_policy (ctx, &max_active, &ttl_hours);
  if (!mt_reservation_count_blocking (ctx, p->member_id, max_active, &active, error)) {
    return false;
  }
  if (active >= max_active) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                  "votre structure a déjà %lld réservation(s) en cours (maximum %lld)",
                  "your organisation already holds %lld active reservation(s) (at most %lld)",
                  (long long) active, (long long) max_active);
    return false;
  }
  return true;
}

/* Number of elements of the array at @key of @doc (0 when absent). */
static uint32_t
mt_reservation_array_count (const bson_t *doc, const char *key)
{
  bson_iter_t it;
  bson_t array;

  if (bson_iter_init_find (&it, doc, key) && BSON_ITER_HOLDS_ARRAY (&it) &&
      mt_reservation_iter_doc (&it, &array)) {
    return bson_count_keys (&array);
  }
  return 0;
}

/*
 * Builds in @out (initialised here) @calendar with its "entries" replaced: every entry of
 * @calendar except the one of @skip_id (may be NULL), then @added (may be NULL).
 */
void
mt_reservation_calendar_rebuild (const char *listing_id, const bson_t *calendar,
                                 const char *skip_id, const bson_t *added, bson_t *out)
{
  static const char *const replaced[] = { "listing_id", "version", "entries", NULL };
  bson_iter_t it;
  bson_iter_t entry;
  bson_t entries;
  uint32_t index = 0;
  char keybuf[16];
  const char *key;

  mt_bson_copy_without (calendar, out, replaced);
  BSON_APPEND_UTF8 (out, "listing_id", listing_id);
  BSON_APPEND_ARRAY_BEGIN (out, "entries", &entries);
  if (bson_iter_init_find (&it, calendar, "entries") && BSON_ITER_HOLDS_ARRAY (&it) &&
      bson_iter_recurse (&it, &entry)) {
    while (bson_iter_next (&entry)) {
      bson_t e;
      if (mt_reservation_iter_doc (&entry, &e) && skip_id &&
          mt_bson_str_eq (&e, "reservation_id", skip_id)) {
        continue;
      }
      bson_uint32_to_string (index++, &key, keybuf, sizeof keybuf);
      bson_append_iter (&entries, key, -1, &entry);
    }
  }
  if (added) {
    bson_uint32_to_string (index++, &key, keybuf, sizeof keybuf);
    bson_append_document (&entries, key, -1, added);
  }
  bson_append_array_end (out, &entries);
}

/*
 * Commits the calendar entry of reservation @id by compare-and-set on the listing's
 * calendar: read, check the units are free (MT_ERR_CONFLICT otherwise), write; a lost race
 * is decided again on the new calendar, up to MT_RESERVATION_CALENDAR_ATTEMPTS times.
 */
static bool
mt_reservation_calendar_claim (const mt_ctx_t *ctx, const bson_t *listing, const char *id,
                               const mt_reservation_request_t *req, mt_error_t *error)
{
  bson_t calendar = BSON_INITIALIZER;
  bson_t next = BSON_INITIALIZER;
  bson_t entry = BSON_INITIALIZER;
  mt_avail_owned_calendar_t owned;
  bool ok = false;

  memset (&owned, 0, sizeof owned);
  BSON_APPEND_UTF8 (&entry, "reservation_id", id);
  BSON_APPEND_DATE_TIME (&entry, "start", req->start_ms);
  BSON_APPEND_DATE_TIME (&entry, "end", req->end_ms);
  BSON_APPEND_INT32 (&entry, "units", (int32_t) req->units);
  BSON_APPEND_DATE_TIME (&entry, "created_at", ctx->now_ms);
  for (int attempt = 0; attempt < MT_RESERVATION_CALENDAR_ATTEMPTS; attempt++) {
    mt_avail_summary_t summary;
    mt_error_t store_error;
    int64_t version;
    bson_destroy (&calendar);
    if (!ctx->store->ops->calendar_get (ctx->store, req->listing_id, &calendar, error)) {
      goto done;
    }
    if (mt_reservation_array_count (&calendar, "entries") >= MT_AVAIL_INTERVALS_MAX) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_CONFLICT,
                    "le calendrier de ce bien est complet", "this good's calendar is full");
      goto done;
    }
    mt_avail_calendar_release (&owned);
    if (!mt_avail_calendar_load (listing, &calendar, NULL, &owned, error) ||
        !mt_avail_summarise (&owned.calendar, req->start_ms, req->end_ms, &summary, error)) {
      goto done;
    }
    if (summary.blackout) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_CONFLICT,
                    "le bien est indisponible sur cette période (fermeture)",
                    "the good is unavailable over this period (blackout)");
      goto done;
    }
    if ((int64_t) summary.free < req->units) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_CONFLICT,
                    "plus assez d'unités libres sur cette période (%u libre(s))",
                    "not enough free units over this period (%u free)", summary.free);
      goto done;
    }
    version = mt_bson_int (&calendar, "version", 0);
    bson_destroy (&next);
    mt_reservation_calendar_rebuild (req->listing_id, &calendar, NULL, &entry, &next);
    if (ctx->store->ops->calendar_put (ctx->store, req->listing_id, version, &next, &store_error)) {
      ok = true;
      goto done;
    }
    if (store_error.code == MT_ERR_NOT_FOUND) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_NOT_FOUND, "annonce introuvable",
                    "listing not found");
      goto done;
    }
    if (store_error.code != MT_ERR_STALE) {
      mt_error_copy (error, &store_error);
      goto done;
    }
  }
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNAVAILABLE,
                "trop de réservations simultanées sur ce bien, réessayez dans un instant",
                "too many simultaneous reservations of this good, retry in a moment");
  if (error) {
    error->retry_after = 1;
  }
done:
  mt_avail_calendar_release (&owned);
  bson_destroy (&calendar);
  bson_destroy (&next);
  bson_destroy (&entry);
  return ok;
}

/* The new reservation document. */
static void
mt_reservation_build (const mt_ctx_t *ctx, const bson_t *listing, const bson_t *body,
                      const char *id, const mt_reservation_request_t *req, bson_t *out)
{
  const mt_principal_t *p = ctx->principal;
  const char *message = mt_bson_str (body, "message");
  int64_t max_active;
  int64_t ttl_hours;
  int64_t expires;
  bson_t history;

  mt_reservation_policy (ctx, &max_active, &ttl_hours);
  expires = ctx->now_ms + ttl_hours * MT_AVAIL_HOUR_MS;
  if (req->start_ms < expires) {
    expires = req->start_ms;
  }
  bson_init (out);
  BSON_APPEND_UTF8 (out, "id", id);
  BSON_APPEND_INT64 (out, "version", 1);
  BSON_APPEND_UTF8 (out, "listing_id", req->listing_id);
  BSON_APPEND_UTF8 (out, "listing_title",
                    mt_bson_str (listing, "title") ? mt_bson_str (listing, "title") : "");
  BSON_APPEND_UTF8 (out, "owner_member_id", mt_bson_str (listing, "owner_id"));
  BSON_APPEND_UTF8 (out, "borrower_member_id", p->member_id);
  BSON_APPEND_UTF8 (out, "requested_by", p->account_id);
  BSON_APPEND_DATE_TIME (out, "start", req->start_ms);
  BSON_APPEND_DATE_TIME (out, "end", req->end_ms);
  BSON_APPEND_INT32 (out, "units", (int32_t) req->units);
  if (message) {
    BSON_APPEND_UTF8 (out, "message", message);
  }
  BSON_APPEND_UTF8 (out, "status",
                    req->auto_approval ? MT_RESERVATION_APPROVED : MT_RESERVATION_REQUESTED);
  BSON_APPEND_DATE_TIME (out, "expires_at", expires);
  BSON_APPEND_DATE_TIME (out, "created_at", ctx->now_ms);
  BSON_APPEND_DATE_TIME (out, "updated_at", ctx->now_ms);
  BSON_APPEND_BOOL (out, "overdue", false);
  BSON_APPEND_BOOL (out, "review_required", false);
  BSON_APPEND_BOOL (out, "reminded_start", false);
  BSON_APPEND_BOOL (out, "reminded_end", false);
  if (req->auto_approval) {
    BSON_APPEND_DATE_TIME (out, "approved_at", ctx->now_ms);
    BSON_APPEND_UTF8 (out, "approved_by", MT_RESERVATION_SYSTEM);
  }
  BSON_APPEND_ARRAY_BEGIN (out, "history", &history);
  mt_audit_history_append (&history, 0, ctx->now_ms, p->account_id, NULL, MT_RESERVATION_REQUESTED,
                           NULL);
  if (req->auto_approval) {
    mt_audit_history_append (&history, 1, ctx->now_ms, MT_RESERVATION_SYSTEM,
                             MT_RESERVATION_REQUESTED, MT_RESERVATION_APPROVED, "auto_approval");
  }
  bson_append_array_end (out, &history);
}

bool
mt_reservation_create (const mt_ctx_t *ctx, const bson_t *body, bson_t *out,
                       char id_out[MT_ID_SIZE], mt_error_t *error)
{
  const mt_principal_t *p = ctx->principal;
  bson_t listing = BSON_INITIALIZER;
  bson_t reservation = BSON_INITIALIZER;
  mt_reservation_request_t req = { 0 };
  char id[MT_ID_SIZE] = "";
  bool claimed = false;
  bool ok = false;

  bson_init (out);
  id_out[0] = '\0';
  if (!p) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNAUTHENTICATED, "connexion requise",
                  "sign-in required");
    goto done;
  }
  if (!p->member_active && !p->is_admin) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_FORBIDDEN,
                  "votre structure n'a pas encore été validée par un administrateur",
                  "your organisation has not been approved by an administrator yet");
    goto done;
  }
  if (!mt_quota_check (ctx, MT_QUOTA_RESERVATIONS, error)) {
    goto done;
  }
  req.listing_id = mt_bson_str (body, "listing_id");
  req.units = mt_bson_int (body, "units", 1);
  bson_destroy (&listing);
  if (!mt_listing_load_visible (ctx, req.listing_id, &listing, NULL, error)) {
    goto done;
  }
  if (!mt_reservation_body_instant (body, "start", &req.start_ms, error) ||
      !mt_reservation_body_instant (body, "end", &req.end_ms, error)) {
    goto done;
  }
  if (req.units < 1 || req.units > (int64_t) MT_AVAIL_UNITS_MAX) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION, "nombre d'unités invalide",
                  "invalid number of units");
    mt_error_set_path (error, "/units");
    goto done;
  }
  if (!mt_reservation_check_rules (ctx, &listing, &req, error) ||
      !mt_credits_reservation_check (ctx, &listing, req.start_ms, req.end_ms, error)) {
    goto done;
  }
  req.auto_approval = mt_bson_str_eq (&listing, "approval", "auto");
  mt_id_new (MT_RESERVATION_ID_PREFIX, id);
  /* The calendar entry first: a crash before the reservation is stored leaves an orphan
   * entry that reconciliation removes (reservations.h). */
  if (!mt_reservation_calendar_claim (ctx, &listing, id, &req, error)) {
    goto done;
  }
  claimed = true;
  bson_destroy (&reservation);
  mt_reservation_build (ctx, &listing, body, id, &req, &reservation);
  mt_credits_reservation_stamp (ctx, &listing, &reservation); /* the price charged at return */
  if (!ctx->store->ops->reservation_insert (ctx->store, &reservation, error)) {
    goto done;
  }
  claimed = false;
  {
    mt_error_t audit_error;
    if (!mt_audit_record_reservation (ctx->store, &reservation, 1, NULL, &audit_error)) {
      MT_WARN ("audit of reservation %s not recorded (reconciliation will): %s", id,
               audit_error.message);
    }
  }
  /* The owner learns the request; an automatic approval tells both sides. */
  mt_reservation_tell (ctx, &reservation,
                       req.auto_approval ? MT_NOTIFY_APPROVED : MT_NOTIFY_REQUESTED);
  bson_destroy (out);
  mt_reservation_view (ctx, &reservation, &listing, out);
  memcpy (id_out, id, MT_ID_SIZE);
  MT_INFO ("reservation %s of listing %s: %s", id, req.listing_id,
           req.auto_approval ? MT_RESERVATION_APPROVED : MT_RESERVATION_REQUESTED);
  ok = true;
done:
  if (claimed) {
    /* The reservation was not stored: give the units back (reconciliation would, later). */
    mt_error_t release_error;
    if (!mt_reservation_calendar_release (ctx, req.listing_id, id, &release_error)) {
      MT_WARN ("calendar entry of unstored reservation %s left: %s", id, release_error.message);
    }
  }
  bson_destroy (&listing);
  bson_destroy (&reservation);
  if (!ok) {
    bson_reinit (out);
  }
  return ok;
}

/* ---- GET /v1/reservations/{id} ---------------------------------------------------------------- */

/* The stored listing of @reservation into @out (empty when it cannot be read). */
void
mt_reservation_read_listing (const mt_ctx_t *ctx, const bson_t *reservation, bson_t *out)
{
  const char *listing_id = mt_bson_str (reservation, "listing_id");

  if (!listing_id) {
    bson_init (out);
  } else if (!ctx->store->ops->listing_get (ctx->store, listing_id, out, NULL)) {
    bson_reinit (out); /* the store leaves it empty already; stay explicit */
  }
}

bool
mt_reservation_get (const mt_ctx_t *ctx, const char *id, bson_t *out, mt_error_t *error)
{
  bson_t reservation;
  bson_t listing = BSON_INITIALIZER;
  bool ok = false;

  bson_init (out);
  if (!mt_reservation_load_visible (ctx, id, &reservation, error)) {
    goto done;
  }
  bson_destroy (&listing);
  mt_reservation_read_listing (ctx, &reservation, &listing);
  bson_destroy (out);
  mt_reservation_view (ctx, &reservation, bson_empty (&listing) ? NULL : &listing, out);
  ok = true;
done:
  bson_destroy (&reservation);
  bson_destroy (&listing);
  return ok;
}

/* ---- GET /v1/reservations ------------------------------------------------------------------- */

static bool
mt_reservation_bad_param (mt_error_t *error, const char *name, const char *fr, const char *en)
{
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_BAD_REQUEST, "%s%.0s", "%.0s%s", fr, en);
  mt_error_set_path (error, name);
  return false;
}

bool
mt_reservation_list (const mt_ctx_t *ctx, const mt_reservation_list_query_t *query, bson_t *items,
                     char next_cursor[MT_STORE_CURSOR_MAX], mt_error_t *error)
{
  const mt_principal_t *p = ctx->principal;
  mt_store_reservation_query_t q = { 0 };
  mt_store_page_t page;
  const char *statuses[16];
  char status_buf[256];
  char cursor[MT_STORE_CURSOR_MAX];
  uint32_t limit;
  bson_iter_t it;
  uint32_t index = 0;
  bool lender = false;
  bool ok = false;

  bson_init (items);
  /* The caller may pass the previous page's next_cursor buffer as query->cursor. */
  snprintf (cursor, sizeof cursor, "%s", query->cursor ? query->cursor : "");
  next_cursor[0] = '\0';
  mt_store_page_init (&page);
  if (!p) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNAUTHENTICATED, "connexion requise",
                  "sign-in required");
    goto done;
  }
  if (query->role && strcmp (query->role, "borrower") != 0) {
    if (strcmp (query->role, "lender") != 0) {
      mt_reservation_bad_param (error, "role", "paramètre role invalide (borrower ou lender)",
                                "invalid role parameter (borrower or lender)");
      goto done;
    }
    lender = true;
  }
  if (query->status &&
      !mt_list_statuses_parse (query->status, mt_reservation_status_known,
                               MT_RESERVATION_STATUS_NAMES, status_buf, sizeof status_buf, statuses,
                               sizeof statuses / sizeof statuses[0], error)) {
    goto done;
  }
  if (!mt_list_limit_parse (query->limit, &limit, error)) {
    goto done;
  }
  if (lender) {
    q.owner_member_id = p->member_id;
  } else {
    q.borrower_member_id = p->member_id;
  }
  q.statuses = query->status ? statuses : NULL;
  q.cursor = cursor[0] ? cursor : NULL;
  q.limit = limit;
  mt_store_page_destroy (&page);
  if (!ctx->store->ops->reservation_list (ctx->store, &q, &page, error)) {
    if (error && error->code == MT_ERR_BAD_REQUEST) {
      mt_reservation_bad_param (error, "cursor", "curseur invalide", "invalid cursor");
    }
    goto done;
  }
  if (bson_iter_init (&it, &page.items)) {
    while (bson_iter_next (&it)) {
      bson_t doc;
      bson_t view;
      char keybuf[16];
      const char *key;
      if (!mt_reservation_iter_doc (&it, &doc)) {
        continue;
      }
      mt_reservation_view (ctx, &doc, NULL, &view);
      bson_uint32_to_string (index++, &key, keybuf, sizeof keybuf);
      bson_append_document (items, key, -1, &view);
      bson_destroy (&view);
    }
  }
  snprintf (next_cursor, MT_STORE_CURSOR_MAX, "%s", page.next_cursor);
  ok = true;
done:
  mt_store_page_destroy (&page);
  if (!ok) {
    bson_reinit (items);
  }
  return ok;
}
