/*
 * bookings: service bookings (skill exchange): statuses, rights, the creation, lists, the
 * transitions with their compare-and-set, the payment at confirmation, the automatic
 * confirmation of the timers and the review-queue group. bookings.h is the contract.
 */
#include "bookings.h"

#include "accounts.h"
#include "audit.h"
#include "credits.h"
#include "events.h"
#include "listings.h"
#include "lists.h"
#include "mt_bson.h"
#include "mt_log.h"
#include "quota.h"
#include "mt_time.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MT_LOG_DOMAIN "bookings"

#define MT_BOOKING_DAY_MS INT64_C (86400000)
#define MT_BOOKING_ENTITY "booking"
#define MT_BOOKING_MINUTES_MIN 15
#define MT_BOOKING_MINUTES_MAX 10080
/* Earliest and latest instants a booking may hold (years 0000 to 9999). */
#define MT_BOOKING_TIME_MIN INT64_C (-62167219200000)
#define MT_BOOKING_TIME_MAX INT64_C (253402300800000)

/* ---- Statuses ----------------------------------------------------------------------------- */

static const char *const mt_booking_statuses[] = {
  MT_BOOKING_REQUESTED,
  MT_BOOKING_ACCEPTED,
  MT_BOOKING_DECLINED,
  MT_BOOKING_CANCELLED,
  MT_BOOKING_COMPLETED,
  MT_BOOKING_CONFIRMED,
  NULL,
};

bool
mt_booking_status_known (const char *status)
{
  for (const char *const *s = mt_booking_statuses; status && *s; s++) {
    if (strcmp (status, *s) == 0) {
      return true;
    }
  }
  return false;
}

bool
mt_booking_transition_allowed (const char *from, const char *to)
{
  static const struct {
    const char *from;
    const char *to;
  } allowed[] = {
    { MT_BOOKING_REQUESTED, MT_BOOKING_ACCEPTED },  { MT_BOOKING_REQUESTED, MT_BOOKING_DECLINED },
    { MT_BOOKING_REQUESTED, MT_BOOKING_CANCELLED }, { MT_BOOKING_ACCEPTED, MT_BOOKING_COMPLETED },
    { MT_BOOKING_ACCEPTED, MT_BOOKING_CANCELLED },  { MT_BOOKING_COMPLETED, MT_BOOKING_CONFIRMED },
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

int64_t
mt_booking_amount (int64_t minutes, int64_t rate)
{
  if (minutes <= 0 || rate <= 0) {
    return 0;
  }
  if (minutes > (INT64_MAX - 59) / rate) {
    return INT64_MAX;
  }
  return (minutes * rate + 59) / 60;
}

void
mt_booking_payment_id (const char *booking_id, char *out, size_t size)
{
  snprintf (out, size, "booking:%s", booking_id ? booking_id : "");
}

/* ---- Small helpers ------------------------------------------------------------------------- */

static bool
mt_booking_not_found (mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_NOT_FOUND, "réservation de service introuvable",
                "service booking not found");
  return false;
}

static bool
mt_booking_unprocessable (mt_error_t *error, const char *path, const char *fr, const char *en)
{
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE, "%s%.0s", "%.0s%s", fr, en);
  if (path) {
    mt_error_set_path (error, path);
  }
  return false;
}

static bool
mt_booking_bad_param (mt_error_t *error, const char *name, const char *fr, const char *en)
{
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_BAD_REQUEST, "%s%.0s", "%.0s%s", fr, en);
  mt_error_set_path (error, name);
  return false;
}

/* The number (double or integer) at @key of @doc, or @def. */
static double
mt_booking_number (const bson_t *doc, const char *key, double def)
{
  bson_iter_t it;

  if (!doc || !bson_iter_init_find (&it, doc, key)) {
    return def;
  }
  if (BSON_ITER_HOLDS_DOUBLE (&it)) {
    return bson_iter_double (&it);
  }
  if (BSON_ITER_HOLDS_INT32 (&it) || BSON_ITER_HOLDS_INT64 (&it)) {
    return (double) bson_iter_as_int64 (&it);
  }
  return def;
}

/* Points @doc (static) at the document held by @it. */
static bool
mt_booking_iter_doc (const bson_iter_t *it, bson_t *doc)
{
  const uint8_t *data;
  uint32_t len;

  if (!BSON_ITER_HOLDS_DOCUMENT (it)) {
    return false;
  }
  bson_iter_document (it, &len, &data);
  return bson_init_static (doc, data, len);
}

static int64_t
mt_booking_confirm_after_days (const mt_ctx_t *ctx)
{
  const mt_config_t *config = ctx->env ? ctx->env->config : NULL;
  return config ? config->booking_confirm_after_days : MT_BOOKING_DEFAULT_CONFIRM_AFTER_DAYS;
}

static int64_t
mt_booking_floor (const mt_ctx_t *ctx)
{
  const mt_config_t *config = ctx->env ? ctx->env->config : NULL;
  return config ? config->credits_floor : 0;
}

/* The minutes a completed booking is paid for: hours × 60, rounded to the minute. */
static int64_t
mt_booking_paid_minutes (const bson_t *booking)
{
  double hours = mt_booking_number (booking, "hours", -1.0);

  if (!(hours > 0.0)) {
    return mt_bson_int (booking, "duration_minutes", 0);
  }
  return (int64_t) llround (hours * 60.0);
}

/* ---- Rights -------------------------------------------------------------------------------- */

unsigned
mt_booking_roles (const mt_ctx_t *ctx, const bson_t *booking)
{
  const mt_principal_t *p = ctx->principal;
  unsigned roles = MT_BOOKING_ROLE_NONE;

  if (!p) {
    return roles;
  }
  if (p->member_id[0] && mt_bson_str_eq (booking, "requester_member_id", p->member_id)) {
    roles |= MT_BOOKING_ROLE_REQUESTER;
  }
  if (p->member_id[0] && mt_bson_str_eq (booking, "provider_member_id", p->member_id)) {
    roles |= MT_BOOKING_ROLE_PROVIDER;
  }
  if (p->is_admin) {
    roles |= MT_BOOKING_ROLE_ADMIN;
  }
  return roles;
}

/* Reads booking @id into @out (initialised here) when the caller may see it. */
static bool
mt_booking_load_visible (const mt_ctx_t *ctx, const char *id, bson_t *out, mt_error_t *error)
{
  mt_error_t store_error;
  bool ok = false;

  bson_init (out);
  if (!id || !ctx->principal) {
    mt_booking_not_found (error);
    goto done;
  }
  bson_destroy (out);
  mt_error_clear (&store_error);
  if (!ctx->store->ops->booking_get (ctx->store, id, out, &store_error)) {
    if (store_error.code == MT_ERR_NOT_FOUND) {
      mt_booking_not_found (error);
    } else {
      mt_error_copy (error, &store_error);
    }
    goto done;
  }
  if (mt_booking_roles (ctx, out) == MT_BOOKING_ROLE_NONE) {
    mt_booking_not_found (error);
    goto done;
  }
  ok = true;
done:
  if (!ok) {
    bson_reinit (out);
  }
  return ok;
}

/* ---- History, audit, events ---------------------------------------------------------------- */

/* The texts of the event announcing that a booking became @status. */
static void
mt_booking_event_texts (const char *status, const char *title, char *fr, size_t fr_size, char *en,
                        size_t en_size)
{
  static const struct {
    const char *status;
    const char *fr;
    const char *en;
  } texts[] = {
    { MT_BOOKING_REQUESTED, "Nouvelle demande de service", "New service request" },
    { MT_BOOKING_ACCEPTED, "Demande de service acceptée", "Service request accepted" },
    { MT_BOOKING_DECLINED, "Demande de service refusée", "Service request declined" },
    { MT_BOOKING_CANCELLED, "Service annulé", "Service booking cancelled" },
    { MT_BOOKING_COMPLETED, "Service réalisé, à confirmer", "Service done, to be confirmed" },
    { MT_BOOKING_CONFIRMED, "Service confirmé", "Service confirmed" },
  };
  const char *f = "Service";
  const char *e = "Service";

  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
    if (strcmp (texts[i].status, status) == 0) {
      f = texts[i].fr;
      e = texts[i].en;
    }
  }
  snprintf (fr, fr_size, "%s : « %s »", f, title ? title : "");
  snprintf (en, en_size, "%s: \"%s\"", e, title ? title : "");
}

/*
 * Emits "booking.<status>" for @booking (stored, after a change numbered @seq) to the other
 * party: the provider when the requester's member acted, the requester when the provider's
 * did, both for an administrator of neither or the timers. Failures are logged.
 */
static void
mt_booking_emit (const mt_ctx_t *ctx, const bson_t *booking, uint32_t seq)
{
  const char *id = mt_bson_str (booking, "id");
  const char *status = mt_bson_str (booking, "status");
  const char *requester = mt_bson_str (booking, "requester_member_id");
  const char *provider = mt_bson_str (booking, "provider_member_id");
  const char *actor_member = ctx->principal ? ctx->principal->member_id : "";
  const char *members[3] = { NULL, NULL, NULL };
  char name[48], key[64], fr[300], en[300];
  bson_t data = BSON_INITIALIZER;
  mt_event_t event;
  mt_error_t error;
  size_t n = 0;

  if (!id || !status || !requester || !provider) {
    goto done;
  }
  if (strcmp (actor_member, requester) != 0) {
    members[n++] = requester;
  }
  if (strcmp (actor_member, provider) != 0) {
    members[n++] = provider;
  }
  snprintf (name, sizeof name, "booking.%s", status);
  snprintf (key, sizeof key, "%s:%u", id, seq);
  mt_booking_event_texts (status, mt_bson_str (booking, "listing_title"), fr, sizeof fr, en,
                          sizeof en);
  BSON_APPEND_UTF8 (&data, "booking_id", id);
  BSON_APPEND_UTF8 (&data, "listing_id", mt_bson_str (booking, "listing_id"));
  BSON_APPEND_UTF8 (&data, "status", status);
  BSON_APPEND_UTF8 (&data, "provider_member_id", provider);
  BSON_APPEND_UTF8 (&data, "requester_member_id", requester);
  BSON_APPEND_DATE_TIME (&data, "start", mt_bson_date (booking, "start", 0));
  event = (mt_event_t){
    .event = name,
    .entity = MT_BOOKING_ENTITY,
    .entity_id = id,
    .key = key,
    .member_ids = members,
    .notify_admins = false,
    .text_fr = fr,
    .text_en = en,
    .data = &data,
  };
  mt_error_clear (&error);
  if (!mt_event_emit (ctx, &event, &error)) {
    MT_WARN ("event %s of booking %s not recorded: %s", name, id, error.message);
  }
done:
  bson_destroy (&data);
}

/* One change of a booking. */
typedef struct {
  const char *to;     /* new status (a history item is appended), or NULL: fields only */
  const char *actor;  /* account id or MT_BOOKING_SYSTEM */
  const char *reason; /* history reason, or NULL */
  const bson_t *set;  /* top-level fields to set (a null value removes one); may be NULL */
} mt_booking_change_t;

/*
 * Applies @change to @stored by one compare-and-set on its version; then (with a status
 * change) the audit entries and the event. @out (may be NULL; initialised here otherwise):
 * the stored document after the write. MT_ERR_STALE when another change won.
 */
static bool
mt_booking_apply (const mt_ctx_t *ctx, const bson_t *stored, const mt_booking_change_t *change,
                  bson_t *out, mt_error_t *error)
{
  static const char *const rewritten[] = { "status", "history", "updated_at", NULL };
  const char *id = mt_bson_str (stored, "id");
  const char *from = mt_bson_str (stored, "status");
  const char *to = change->to ? change->to : from;
  int64_t version = mt_bson_int (stored, "version", 0);
  bson_t merged = BSON_INITIALIZER;
  bson_t next = BSON_INITIALIZER;
  bson_t after = BSON_INITIALIZER;
  bson_t history;
  mt_error_t store_error;
  uint32_t items;
  bool ok = false;

  if (out) {
    bson_init (out);
  }
  if (!id || !from || !change->actor) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "réservation de service incomplète",
                  "incomplete service booking");
    goto done;
  }
  if (change->to && !mt_booking_transition_allowed (from, change->to)) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_CONFLICT,
                  "transition impossible : la réservation de service est « %s »",
                  "illegal transition: the service booking is \"%s\"", from);
    goto done;
  }
  bson_destroy (&merged);
  if (change->set) {
    mt_bson_merge (stored, change->set, &merged);
  } else {
    bson_copy_to (stored, &merged);
  }
  bson_destroy (&next);
  mt_bson_copy_without (&merged, &next, rewritten);
  BSON_APPEND_UTF8 (&next, "status", to);
  BSON_APPEND_ARRAY_BEGIN (&next, "history", &history);
  items = mt_audit_history_copy (stored, &history);
  if (change->to) {
    mt_audit_history_append (&history, items, ctx->now_ms, change->actor, from, change->to,
                             change->reason);
  }
  bson_append_array_end (&next, &history);
  BSON_APPEND_DATE_TIME (&next, "updated_at", ctx->now_ms);
  mt_error_clear (&store_error);
  if (!ctx->store->ops->booking_update (ctx->store, id, version, &next, &store_error)) {
    if (store_error.code == MT_ERR_STALE) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_STALE,
                    "la réservation de service a changé entre-temps : rechargez-la",
                    "the service booking has changed meanwhile: reload it");
    } else if (store_error.code == MT_ERR_NOT_FOUND) {
      mt_booking_not_found (error);
    } else {
      mt_error_copy (error, &store_error);
    }
    goto done;
  }
  bson_destroy (&after);
  mt_document_with_version (&next, version + 1, &after);
  if (change->to) {
    mt_error_t audit_error;
    mt_error_clear (&audit_error);
    if (!mt_audit_record_history (ctx->store, MT_BOOKING_ENTITY, &after, 1, NULL, &audit_error)) {
      MT_WARN ("audit of booking %s not recorded (the next change will): %s", id,
               audit_error.message);
    }
    MT_INFO ("booking %s: %s -> %s", id, from, change->to);
    mt_booking_emit (ctx, &after, items + 1);
  }
  if (out) {
    bson_destroy (out);
    bson_copy_to (&after, out);
  }
  ok = true;
done:
  bson_destroy (&merged);
  bson_destroy (&next);
  bson_destroy (&after);
  return ok;
}

/* ---- POST /v1/bookings ---------------------------------------------------------------------- */

/* Reads the RFC 3339 text at @key of @body into @ms (MT_ERR_VALIDATION otherwise). */
static bool
mt_booking_body_instant (const bson_t *body, const char *key, int64_t *ms, mt_error_t *error)
{
  bson_iter_t it;
  char path[32];

  if (bson_iter_init_find (&it, body, key) && BSON_ITER_HOLDS_UTF8 (&it)) {
    uint32_t len;
    const char *text = bson_iter_utf8 (&it, &len);
    if (mt_time_parse_rfc3339 (text, len, ms) && *ms >= MT_BOOKING_TIME_MIN &&
        *ms < MT_BOOKING_TIME_MAX) {
      return true;
    }
  }
  snprintf (path, sizeof path, "/%s", key);
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION, "date invalide (RFC 3339)",
                "invalid date (RFC 3339)");
  mt_error_set_path (error, path);
  return false;
}

/* What a new booking is, once its body and listing are read. */
typedef struct {
  const char *listing_id;
  int64_t start_ms;
  int64_t minutes;
  int64_t rate;
} mt_booking_request_t;

/* The rules of docs/API.md after visibility, in order (422). */
static bool
mt_booking_check_rules (const mt_ctx_t *ctx, const bson_t *listing, const mt_booking_request_t *req,
                        mt_error_t *error)
{
  const mt_principal_t *p = ctx->principal;
  int64_t estimate = mt_booking_amount (req->minutes, req->rate);

  if (!mt_bson_str_eq (listing, "kind", "service") ||
      !mt_bson_str_eq (listing, "status", "published")) {
    return mt_booking_unprocessable (error, "/listing_id",
                                     "seul un service publié peut être réservé",
                                     "only a published service can be booked");
  }
  if (mt_bson_str_eq (listing, "owner_id", p->member_id)) {
    return mt_booking_unprocessable (error, "/listing_id",
                                     "votre structure ne peut pas réserver son propre service",
                                     "your organisation cannot book its own service");
  }
  if (req->start_ms <= ctx->now_ms) {
    return mt_booking_unprocessable (error, "/start", "le début doit être dans le futur",
                                     "the start must be in the future");
  }
  if (estimate > 0 && mt_credits_enabled (ctx)) {
    int64_t balance = 0;
    int64_t floor = mt_booking_floor (ctx);
    if (!mt_credits_balance (ctx, p->member_id, &balance, error)) {
      return false;
    }
    if (balance < floor || balance - floor < estimate) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                    "crédits insuffisants : ce service coûte environ %lld crédit(s), votre solde "
                    "est de %lld",
                    "not enough credits: this service costs about %lld credit(s), your balance "
                    "is %lld",
                    (long long) estimate, (long long) balance);
      mt_error_set_path (error, "/duration_minutes");
      return false;
    }
  }
  return true;
}

/* The new booking document. */
static void
mt_booking_build (const mt_ctx_t *ctx, const bson_t *listing, const bson_t *body, const char *id,
                  const mt_booking_request_t *req, bson_t *out)
{
  const mt_principal_t *p = ctx->principal;
  const char *message = mt_bson_str (body, "message");
  const char *title = mt_bson_str (listing, "title");
  bson_t history;

  bson_init (out);
  BSON_APPEND_UTF8 (out, "id", id);
  BSON_APPEND_INT64 (out, "version", 1);
  BSON_APPEND_UTF8 (out, "listing_id", req->listing_id);
  BSON_APPEND_UTF8 (out, "listing_title", title ? title : "");
  BSON_APPEND_UTF8 (out, "provider_member_id", mt_bson_str (listing, "owner_id"));
  BSON_APPEND_UTF8 (out, "requester_member_id", p->member_id);
  BSON_APPEND_UTF8 (out, "requested_by", p->account_id);
  BSON_APPEND_DATE_TIME (out, "start", req->start_ms);
  BSON_APPEND_INT32 (out, "duration_minutes", (int32_t) req->minutes);
  if (message) {
    BSON_APPEND_UTF8 (out, "message", message);
  }
  BSON_APPEND_INT64 (out, "rate", req->rate);
  BSON_APPEND_UTF8 (out, "status", MT_BOOKING_REQUESTED);
  BSON_APPEND_DATE_TIME (out, "created_at", ctx->now_ms);
  BSON_APPEND_DATE_TIME (out, "updated_at", ctx->now_ms);
  BSON_APPEND_ARRAY_BEGIN (out, "history", &history);
  mt_audit_history_append (&history, 0, ctx->now_ms, p->account_id, NULL, MT_BOOKING_REQUESTED,
                           NULL);
  bson_append_array_end (out, &history);
}

bool
mt_booking_create (const mt_ctx_t *ctx, const bson_t *body, bson_t *out, char id_out[MT_ID_SIZE],
                   mt_error_t *error)
{
  const mt_principal_t *p = ctx->principal;
  bson_t listing = BSON_INITIALIZER;
  bson_t booking = BSON_INITIALIZER;
  mt_booking_request_t req = { 0 };
  char id[MT_ID_SIZE] = "";
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
  if (!mt_quota_check (ctx, MT_QUOTA_BOOKINGS, error)) {
    goto done;
  }
  req.listing_id = mt_bson_str (body, "listing_id");
  bson_destroy (&listing);
  if (!mt_listing_load_visible (ctx, req.listing_id, &listing, NULL, error)) {
    goto done;
  }
  if (!mt_booking_body_instant (body, "start", &req.start_ms, error)) {
    goto done;
  }
  req.minutes =
    mt_bson_int (body, "duration_minutes",
                 mt_bson_int (&listing, "duration_minutes", MT_BOOKING_DEFAULT_DURATION_MINUTES));
  if (req.minutes < MT_BOOKING_MINUTES_MIN || req.minutes > MT_BOOKING_MINUTES_MAX) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION,
                  "durée invalide (de %d à %d minutes)", "invalid duration (%d to %d minutes)",
                  MT_BOOKING_MINUTES_MIN, MT_BOOKING_MINUTES_MAX);
    mt_error_set_path (error, "/duration_minutes");
    goto done;
  }
  req.rate = mt_bson_int (&listing, "credit_rate_per_hour", 0);
  if (req.rate < 0) {
    req.rate = 0;
  }
  if (!mt_booking_check_rules (ctx, &listing, &req, error)) {
    goto done;
  }
  mt_id_new (MT_BOOKING_ID_PREFIX, id);
  bson_destroy (&booking);
  mt_booking_build (ctx, &listing, body, id, &req, &booking);
  if (!ctx->store->ops->booking_insert (ctx->store, &booking, error)) {
    goto done;
  }
  {
    mt_error_t audit_error;
    mt_error_clear (&audit_error);
    if (!mt_audit_record_history (ctx->store, MT_BOOKING_ENTITY, &booking, 1, NULL, &audit_error)) {
      MT_WARN ("audit of booking %s not recorded (the next change will): %s", id,
               audit_error.message);
    }
  }
  MT_INFO ("booking %s of listing %s: requested", id, req.listing_id);
  mt_booking_emit (ctx, &booking, 1);
  bson_destroy (out);
  bson_copy_to (&booking, out);
  memcpy (id_out, id, MT_ID_SIZE);
  ok = true;
done:
  bson_destroy (&listing);
  bson_destroy (&booking);
  if (!ok) {
    bson_reinit (out);
  }
  return ok;
}

/* ---- GET ------------------------------------------------------------------------------------ */

bool
mt_booking_get (const mt_ctx_t *ctx, const char *id, bson_t *out, mt_error_t *error)
{
  return mt_booking_load_visible (ctx, id, out, error);
}

bool
mt_booking_list (const mt_ctx_t *ctx, const mt_booking_list_query_t *query, bson_t *items,
                 char next_cursor[MT_STORE_CURSOR_MAX], mt_error_t *error)
{
  const mt_principal_t *p = ctx->principal;
  mt_store_booking_query_t q = { 0 };
  mt_store_page_t page;
  const char *statuses[16];
  char status_buf[256];
  char cursor[MT_STORE_CURSOR_MAX];
  uint32_t limit;
  bool provider = false;
  bool ok = false;

  bson_init (items);
  snprintf (cursor, sizeof cursor, "%s", query->cursor ? query->cursor : "");
  next_cursor[0] = '\0';
  mt_store_page_init (&page);
  if (!p) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNAUTHENTICATED, "connexion requise",
                  "sign-in required");
    goto done;
  }
  if (query->role && strcmp (query->role, "requester") != 0) {
    if (strcmp (query->role, "provider") != 0) {
      mt_booking_bad_param (error, "role", "paramètre role invalide (requester ou provider)",
                            "invalid role parameter (requester or provider)");
      goto done;
    }
    provider = true;
  }
  if (query->status &&
      !mt_list_statuses_parse (query->status, mt_booking_status_known, MT_BOOKING_STATUS_NAMES,
                               status_buf, sizeof status_buf, statuses,
                               sizeof statuses / sizeof statuses[0], error)) {
    goto done;
  }
  if (!mt_list_limit_parse (query->limit, &limit, error)) {
    goto done;
  }
  if (provider) {
    q.provider_member_id = p->member_id;
  } else {
    q.requester_member_id = p->member_id;
  }
  q.statuses = query->status ? statuses : NULL;
  q.cursor = cursor[0] ? cursor : NULL;
  q.limit = limit;
  mt_store_page_destroy (&page);
  if (!ctx->store->ops->booking_list (ctx->store, &q, &page, error)) {
    if (error && error->code == MT_ERR_BAD_REQUEST) {
      mt_booking_bad_param (error, "cursor", "curseur invalide", "invalid cursor");
    }
    goto done;
  }
  bson_destroy (items);
  bson_copy_to (&page.items, items);
  snprintf (next_cursor, MT_STORE_CURSOR_MAX, "%s", page.next_cursor);
  ok = true;
done:
  mt_store_page_destroy (&page);
  if (!ok) {
    bson_reinit (items);
  }
  return ok;
}

/* ---- Confirmation and payment ------------------------------------------------------------- */

/*
 * Marks @stored's payment as refused (payment_refused {at, amount}) unless it is already:
 * a compare-and-set of that field only; losing it changes nothing (another change won).
 */
static void
mt_booking_mark_refused (const mt_ctx_t *ctx, const bson_t *stored, int64_t amount)
{
  bson_t set = BSON_INITIALIZER;
  bson_t refused;
  mt_booking_change_t change = { .actor = MT_BOOKING_SYSTEM, .set = &set };
  mt_error_t error;

  if (!mt_bson_has (stored, "payment_refused")) {
    BSON_APPEND_DOCUMENT_BEGIN (&set, "payment_refused", &refused);
    BSON_APPEND_DATE_TIME (&refused, "at", ctx->now_ms);
    BSON_APPEND_INT64 (&refused, "amount", amount);
    bson_append_document_end (&set, &refused);
    mt_error_clear (&error);
    if (mt_booking_apply (ctx, stored, &change, NULL, &error)) {
      MT_INFO ("booking %s: payment of %lld credit(s) refused (review queue)",
               mt_bson_str (stored, "id"), (long long) amount);
    } else if (error.code != MT_ERR_STALE) {
      MT_WARN ("booking %s: refused payment not marked: %s", mt_bson_str (stored, "id"),
               error.message);
    }
  }
  bson_destroy (&set);
}

/*
 * completed -> confirmed by @actor (reason @reason), paying first (see bookings.h). @stored:
 * the booking as read (status "completed"). *@refused is set when the floor refused the
 * payment (MT_ERR_UNPROCESSABLE). @out (initialised here): the booking after the change.
 */
static bool
mt_booking_confirm (const mt_ctx_t *ctx, const bson_t *stored, const char *actor,
                    const char *reason, bson_t *out, bool *refused, mt_error_t *error)
{
  const char *id = mt_bson_str (stored, "id");
  const char *requester = mt_bson_str (stored, "requester_member_id");
  const char *provider = mt_bson_str (stored, "provider_member_id");
  int64_t amount =
    mt_booking_amount (mt_booking_paid_minutes (stored), mt_bson_int (stored, "rate", 0));
  char entry_id[64];
  bson_t set = BSON_INITIALIZER;
  bson_t current = BSON_INITIALIZER;
  bson_t payment;
  mt_booking_change_t change;
  bool paid = false;
  bool ok = false;

  bson_init (out);
  *refused = false;
  if (!id || !requester || !provider) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "réservation de service incomplète",
                  "incomplete service booking");
    goto done;
  }
  mt_booking_payment_id (id, entry_id, sizeof entry_id);
  if (amount > 0 && mt_credits_enabled (ctx)) {
    mt_error_t transfer_error;
    bool done_before = false;
    mt_error_clear (&transfer_error);
    if (!mt_credits_transfer (ctx, entry_id, requester, provider, amount, "booking", id,
                              &done_before, &transfer_error)) {
      if (transfer_error.code == MT_ERR_UNPROCESSABLE) {
        *refused = true;
        mt_booking_mark_refused (ctx, stored, amount);
        mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                      "crédits insuffisants : le paiement de %lld crédit(s) est refusé, le "
                      "service reste à confirmer",
                      "not enough credits: the payment of %lld credit(s) is refused, the "
                      "service stays to be confirmed",
                      (long long) amount);
      } else {
        mt_error_copy (error, &transfer_error);
      }
      goto done;
    }
    paid = true;
    if (done_before) {
      MT_INFO ("booking %s: payment %s found already stored", id, entry_id);
    }
  }
  BSON_APPEND_DATE_TIME (&set, "confirmed_at", ctx->now_ms);
  BSON_APPEND_UTF8 (&set, "confirmed_by", actor);
  if (paid) {
    BSON_APPEND_DOCUMENT_BEGIN (&set, "payment", &payment);
    BSON_APPEND_UTF8 (&payment, "entry_id", entry_id);
    BSON_APPEND_INT64 (&payment, "amount", amount);
    BSON_APPEND_DATE_TIME (&payment, "at", ctx->now_ms);
    bson_append_document_end (&set, &payment);
  }
  BSON_APPEND_NULL (&set, "payment_refused");
  change = (mt_booking_change_t){
    .to = MT_BOOKING_CONFIRMED, .actor = actor, .reason = reason, .set = &set
  };
  bson_destroy (&current);
  bson_copy_to (stored, &current);
  for (int attempt = 0;; attempt++) {
    mt_error_t store_error;
    bson_destroy (out);
    if (mt_booking_apply (ctx, &current, &change, out, error)) {
      ok = true;
      goto done;
    }
    /* Before any payment a lost race is the loser's answer; once the payment is stored, the
     * confirmation is recorded as long as the booking is still completed. */
    if (!paid || !error || error->code != MT_ERR_STALE ||
        attempt + 1 >= MT_BOOKING_RECORD_ATTEMPTS) {
      goto done;
    }
    bson_destroy (&current);
    mt_error_clear (&store_error);
    if (!ctx->store->ops->booking_get (ctx->store, id, &current, &store_error)) {
      mt_error_copy (error, &store_error);
      goto done;
    }
    if (!mt_bson_str_eq (&current, "status", MT_BOOKING_COMPLETED)) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_CONFLICT,
                    "la réservation de service a été confirmée entre-temps",
                    "the service booking was confirmed meanwhile");
      goto done;
    }
  }
done:
  bson_destroy (&set);
  bson_destroy (&current);
  if (!ok) {
    bson_reinit (out);
  }
  return ok;
}

/* ---- Transitions ------------------------------------------------------------------------- */

typedef struct {
  const char *name; /* "accept", ... */
  const char *to;
  unsigned roles; /* who may do it (administrators always may) */
} mt_booking_action_info_t;

static const mt_booking_action_info_t mt_booking_actions[] = {
  [MT_BOOKING_ACCEPT] = { "accept", MT_BOOKING_ACCEPTED, MT_BOOKING_ROLE_PROVIDER },
  [MT_BOOKING_DECLINE] = { "decline", MT_BOOKING_DECLINED, MT_BOOKING_ROLE_PROVIDER },
  [MT_BOOKING_CANCEL] = { "cancel", MT_BOOKING_CANCELLED,
                          MT_BOOKING_ROLE_PROVIDER | MT_BOOKING_ROLE_REQUESTER },
  [MT_BOOKING_COMPLETE] = { "complete", MT_BOOKING_COMPLETED, MT_BOOKING_ROLE_PROVIDER },
  [MT_BOOKING_CONFIRM] = { "confirm", MT_BOOKING_CONFIRMED, MT_BOOKING_ROLE_REQUESTER },
};

/* The fields @action sets (not confirm), in @set (initialised by the caller), and the
 * history reason. */
static bool
mt_booking_action_fields (const mt_ctx_t *ctx, mt_booking_action_t action, const bson_t *stored,
                          const bson_t *body, bson_t *set, const char **reason, mt_error_t *error)
{
  const char *by = ctx->principal->account_id;
  const char *text = body ? mt_bson_str (body, "reason") : NULL;

  *reason = NULL;
  switch (action) {
  case MT_BOOKING_ACCEPT:
    BSON_APPEND_DATE_TIME (set, "accepted_at", ctx->now_ms);
    BSON_APPEND_UTF8 (set, "accepted_by", by);
    return true;
  case MT_BOOKING_DECLINE:
    BSON_APPEND_DATE_TIME (set, "declined_at", ctx->now_ms);
    BSON_APPEND_UTF8 (set, "declined_by", by);
    if (text) {
      BSON_APPEND_UTF8 (set, "decline_reason", text);
    }
    *reason = text;
    return true;
  case MT_BOOKING_CANCEL:
    if (!text || !*text) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION, "motif requis",
                    "a reason is required");
      mt_error_set_path (error, "/reason");
      return false;
    }
    BSON_APPEND_DATE_TIME (set, "cancelled_at", ctx->now_ms);
    BSON_APPEND_UTF8 (set, "cancelled_by", by);
    BSON_APPEND_UTF8 (set, "cancel_reason", text);
    *reason = text;
    return true;
  case MT_BOOKING_COMPLETE: {
    double hours = mt_booking_number (body, "hours", -1.0);
    if (hours == -1.0) {
      hours =
        (double) mt_bson_int (stored, "duration_minutes", MT_BOOKING_DEFAULT_DURATION_MINUTES) /
        60.0;
    }
    if (!(hours > 0.0) || hours * 60.0 > (double) MT_BOOKING_MINUTES_MAX) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION, "nombre d'heures invalide",
                    "invalid number of hours");
      mt_error_set_path (error, "/hours");
      return false;
    }
    BSON_APPEND_DATE_TIME (set, "completed_at", ctx->now_ms);
    BSON_APPEND_UTF8 (set, "completed_by", by);
    BSON_APPEND_DOUBLE (set, "hours", hours);
    return true;
  }
  case MT_BOOKING_CONFIRM:
  default:
    break;
  }
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "action inconnue", "unknown action");
  return false;
}

bool
mt_booking_act (const mt_ctx_t *ctx, const char *id, mt_booking_action_t action, const bson_t *body,
                const char *if_match, bson_t *out, mt_error_t *error)
{
  const mt_booking_action_info_t *info;
  bson_t booking = BSON_INITIALIZER;
  bson_t set = BSON_INITIALIZER;
  const char *reason = NULL;
  const char *from;
  unsigned roles;
  bool ok = false;

  bson_init (out);
  if ((unsigned) action >= sizeof mt_booking_actions / sizeof mt_booking_actions[0]) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "action inconnue", "unknown action");
    goto done;
  }
  info = &mt_booking_actions[action];
  bson_destroy (&booking);
  if (!mt_booking_load_visible (ctx, id, &booking, error)) {
    goto done;
  }
  roles = mt_booking_roles (ctx, &booking);
  if (!(roles & (info->roles | MT_BOOKING_ROLE_ADMIN))) {
    if (info->roles == MT_BOOKING_ROLE_REQUESTER) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_FORBIDDEN,
                    "seuls les comptes de la structure demandeuse peuvent faire cela (%s)",
                    "only the requesting organisation's accounts may do this (%s)", info->name);
    } else {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_FORBIDDEN,
                    "seuls les comptes de la structure prestataire peuvent faire cela (%s)",
                    "only the providing organisation's accounts may do this (%s)", info->name);
    }
    goto done;
  }
  from = mt_bson_str (&booking, "status");
  if (!mt_booking_transition_allowed (from, info->to)) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_CONFLICT,
                  "action « %s » impossible : la réservation de service est « %s »",
                  "action \"%s\" not possible: the service booking is \"%s\"", info->name,
                  from ? from : "?");
    goto done;
  }
  if (!mt_etag_matches (if_match, mt_bson_int (&booking, "version", 0))) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_STALE,
                  "la réservation de service a changé entre-temps (If-Match) : rechargez-la",
                  "the service booking has changed meanwhile (If-Match): reload it");
    goto done;
  }
  if (action == MT_BOOKING_CONFIRM) {
    bool refused = false;
    bson_destroy (out);
    ok = mt_booking_confirm (ctx, &booking, ctx->principal->account_id, NULL, out, &refused, error);
    goto done;
  }
  if (!mt_booking_action_fields (ctx, action, &booking, body, &set, &reason, error)) {
    goto done;
  }
  {
    mt_booking_change_t change = {
      .to = info->to,
      .actor = ctx->principal->account_id,
      .reason = reason,
      .set = &set,
    };
    /* A lost compare-and-set is not retried: of two racing changes exactly one wins. */
    bson_destroy (out);
    ok = mt_booking_apply (ctx, &booking, &change, out, error);
  }
done:
  bson_destroy (&booking);
  bson_destroy (&set);
  if (!ok) {
    bson_reinit (out);
  }
  return ok;
}

/* ---- Timers: automatic confirmation ------------------------------------------------------- */

void
mt_booking_sweep_page (const mt_ctx_t *ctx, const char *cursor, char *next,
                       mt_booking_sweep_report_t *report)
{
  static const char *const completed[] = { MT_BOOKING_COMPLETED, NULL };
  const int64_t due_before = ctx->now_ms - mt_booking_confirm_after_days (ctx) * MT_BOOKING_DAY_MS;
  mt_store_booking_query_t query = { 0 };
  mt_store_page_t page;
  mt_error_t error;
  bson_iter_t it;

  next[0] = '\0';
  mt_store_page_init (&page);
  query.statuses = completed;
  query.due = MT_BOOKING_DUE_COMPLETED;
  query.due_before = due_before;
  query.cursor = cursor && cursor[0] ? cursor : NULL;
  query.limit = MT_BOOKING_SWEEP_PAGE_SIZE;
  mt_error_clear (&error);
  mt_store_page_destroy (&page);
  if (!ctx->store->ops->booking_list (ctx->store, &query, &page, &error)) {
    report->errors++;
    MT_WARN ("automatic confirmation of bookings: %s", error.message);
    goto done;
  }
  if (bson_iter_init (&it, &page.items)) {
    while (bson_iter_next (&it)) {
      bson_t booking;
      bson_t after;
      bool refused = false;
      if (!mt_booking_iter_doc (&it, &booking)) {
        continue;
      }
      report->examined++;
      if (!mt_bson_str_eq (&booking, "status", MT_BOOKING_COMPLETED) ||
          mt_bson_date (&booking, "completed_at", INT64_MAX) > due_before) {
        report->skipped++;
        continue;
      }
      mt_error_clear (&error);
      if (mt_booking_confirm (ctx, &booking, MT_BOOKING_SYSTEM, "auto_confirmation", &after,
                              &refused, &error)) {
        report->confirmed++;
      } else if (refused) {
        report->refused++;
      } else if (error.code == MT_ERR_STALE || error.code == MT_ERR_CONFLICT ||
                 error.code == MT_ERR_NOT_FOUND) {
        report->skipped++;
      } else {
        report->errors++;
        MT_WARN ("automatic confirmation of booking %s: %s", mt_bson_str (&booking, "id"),
                 error.message);
      }
      bson_destroy (&after);
    }
  }
  memcpy (next, page.next_cursor, sizeof page.next_cursor);
done:
  mt_store_page_destroy (&page);
}

/* ---- Administration: the review-queue group ----------------------------------------------- */

bool
mt_booking_review_page (const mt_ctx_t *ctx, const char *cursor, uint32_t limit, bson_t *items,
                        uint32_t *count, char *next, mt_error_t *error)
{
  static const char *const completed[] = { MT_BOOKING_COMPLETED, NULL };
  char at[MT_STORE_CURSOR_MAX];
  bool ok = false;

  next[0] = '\0';
  snprintf (at, sizeof at, "%s", cursor ? cursor : "");
  for (uint32_t pages = 0; *count < limit; pages++) {
    mt_store_booking_query_t query = { 0 };
    mt_store_page_t page;
    bson_iter_t it;

    if (pages >= MT_BOOKING_REVIEW_PAGES_MAX) {
      snprintf (next, MT_STORE_CURSOR_MAX, "%s", at);
      break;
    }
    query.statuses = completed;
    query.cursor = at[0] ? at : NULL;
    query.limit = limit - *count;
    if (!ctx->store->ops->booking_list (ctx->store, &query, &page, error)) {
      mt_store_page_destroy (&page);
      if (error && error->code == MT_ERR_BAD_REQUEST) {
        mt_error_set_path (error, "cursor");
      }
      goto done;
    }
    if (bson_iter_init (&it, &page.items)) {
      while (bson_iter_next (&it)) {
        bson_t booking;
        bson_t item;
        char keybuf[16];
        const char *key;
        if (!mt_booking_iter_doc (&it, &booking) || !mt_bson_has (&booking, "payment_refused")) {
          continue;
        }
        bson_uint32_to_string ((*count)++, &key, keybuf, sizeof keybuf);
        BSON_APPEND_DOCUMENT_BEGIN (items, key, &item);
        BSON_APPEND_UTF8 (&item, "reason", "booking_payment");
        BSON_APPEND_DATE_TIME (&item, "since", mt_bson_date (&booking, "payment_refused.at", 0));
        BSON_APPEND_DOCUMENT (&item, "booking", &booking);
        bson_append_document_end (items, &item);
      }
    }
    snprintf (at, sizeof at, "%s", page.next_cursor);
    mt_store_page_destroy (&page);
    if (!at[0]) {
      break; /* the group is over */
    }
    if (*count >= limit) {
      snprintf (next, MT_STORE_CURSOR_MAX, "%s", at);
    }
  }
  ok = true;
done:
  return ok;
}
