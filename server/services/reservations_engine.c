/*
 * reservations_engine: every change of an existing reservation goes through
 * mt_reservation_apply (one compare-and-set appending the history, then the audit entries,
 * then the release of the calendar entry when the reservation stops blocking); the user
 * transitions (approve, decline, cancel, checkout, return) decide rights and legality before
 * it; the calendar release and the reconciliation of calendars live here too.
 */
#include "reservations.h"

#include "accounts.h"
#include "audit.h"
#include "credits.h"
#include "mt_bson.h"
#include "mt_log.h"
#include "reservations_private.h"

#include <stdio.h>
#include <string.h>

#define MT_LOG_DOMAIN "reservations"

/* ---- The calendar ------------------------------------------------------------------------ */

/* True when @calendar holds an entry of @reservation_id. */
static bool
mt_reservation_calendar_has (const bson_t *calendar, const char *reservation_id)
{
  bson_iter_t it;
  bson_iter_t entry;

  if (!bson_iter_init_find (&it, calendar, "entries") || !BSON_ITER_HOLDS_ARRAY (&it) ||
      !bson_iter_recurse (&it, &entry)) {
    return false;
  }
  while (bson_iter_next (&entry)) {
    bson_t e;
    if (mt_reservation_iter_doc (&entry, &e) &&
        mt_bson_str_eq (&e, "reservation_id", reservation_id)) {
      return true;
    }
  }
  return false;
}

bool
mt_reservation_calendar_release (const mt_ctx_t *ctx, const char *listing_id,
                                 const char *reservation_id, mt_error_t *error)
{
  bson_t calendar = BSON_INITIALIZER;
  bson_t next = BSON_INITIALIZER;
  bool ok = false;

  if (!listing_id || !reservation_id) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "réservation incomplète",
                  "incomplete reservation");
    goto done;
  }
  for (int attempt = 0; attempt < MT_RESERVATION_CALENDAR_ATTEMPTS; attempt++) {
    mt_error_t store_error;
    bson_destroy (&calendar);
    if (!ctx->store->ops->calendar_get (ctx->store, listing_id, &calendar, error)) {
      goto done;
    }
    if (!mt_reservation_calendar_has (&calendar, reservation_id)) {
      ok = true;
      goto done;
    }
    bson_destroy (&next);
    mt_reservation_calendar_rebuild (listing_id, &calendar, reservation_id, NULL, &next);
    if (ctx->store->ops->calendar_put (
          ctx->store, listing_id, mt_bson_int (&calendar, "version", 0), &next, &store_error)) {
      ok = true;
      goto done;
    }
    if (store_error.code == MT_ERR_NOT_FOUND) {
      ok = true; /* the listing (and its calendar) is gone */
      goto done;
    }
    if (store_error.code != MT_ERR_STALE) {
      mt_error_copy (error, &store_error);
      goto done;
    }
  }
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNAVAILABLE,
                "calendrier trop sollicité, réessayez dans un instant",
                "calendar too busy, retry in a moment");
  if (error) {
    error->retry_after = 1;
  }
done:
  bson_destroy (&calendar);
  bson_destroy (&next);
  return ok;
}

bool
mt_reservation_calendar_reconcile (const mt_ctx_t *ctx, const char *listing_id, int64_t grace_ms,
                                   uint32_t *removed, mt_error_t *error)
{
  bson_t calendar = BSON_INITIALIZER;
  bson_iter_t it;
  bson_iter_t entry;
  uint32_t count = 0;
  bool ok = false;

  bson_destroy (&calendar);
  if (!ctx->store->ops->calendar_get (ctx->store, listing_id, &calendar, error)) {
    goto done;
  }
  if (bson_iter_init_find (&it, &calendar, "entries") && BSON_ITER_HOLDS_ARRAY (&it) &&
      bson_iter_recurse (&it, &entry)) {
    while (bson_iter_next (&entry)) {
      bson_t e;
      bson_t reservation;
      mt_error_t store_error;
      const char *reservation_id;
      bool stale;
      if (!mt_reservation_iter_doc (&entry, &e) ||
          !(reservation_id = mt_bson_str (&e, "reservation_id"))) {
        continue;
      }
      /* Younger entries may belong to a creation between its two writes. */
      if (ctx->now_ms - mt_bson_date (&e, "created_at", 0) < grace_ms) {
        continue;
      }
      if (ctx->store->ops->reservation_get (ctx->store, reservation_id, &reservation,
                                            &store_error)) {
        stale = !mt_reservation_status_blocks (mt_bson_str (&reservation, "status"));
      } else if (store_error.code == MT_ERR_NOT_FOUND) {
        stale = true;
      } else {
        bson_destroy (&reservation);
        mt_error_copy (error, &store_error);
        goto done;
      }
      bson_destroy (&reservation);
      /* A reservation that stopped blocking never blocks again, so removing its entry by a
       * separate compare-and-set is safe whatever happened in between. */
      if (stale) {
        if (!mt_reservation_calendar_release (ctx, listing_id, reservation_id, error)) {
          goto done;
        }
        MT_INFO ("calendar of %s: entry of reservation %s removed by reconciliation", listing_id,
                 reservation_id);
        count++;
      }
    }
  }
  ok = true;
done:
  if (removed) {
    *removed = count;
  }
  bson_destroy (&calendar);
  return ok;
}

/* ---- mt_reservation_apply ---------------------------------------------------------------- */

bool
mt_reservation_apply (const mt_ctx_t *ctx, const bson_t *stored,
                      const mt_reservation_change_t *change, bson_t *out, mt_error_t *error)
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
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "réservation incomplète",
                  "incomplete reservation");
    goto done;
  }
  if (change->to && !mt_reservation_transition_allowed (from, change->to)) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_CONFLICT,
                  "transition impossible : la réservation est « %s »",
                  "illegal transition: the reservation is \"%s\"", from);
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
  if (!ctx->store->ops->reservation_update (ctx->store, id, version, &next, &store_error)) {
    if (store_error.code == MT_ERR_STALE) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_STALE,
                    "la réservation a changé entre-temps : rechargez-la",
                    "the reservation has changed meanwhile: reload it");
    } else if (store_error.code == MT_ERR_NOT_FOUND) {
      mt_reservation_not_found (error);
    } else {
      mt_error_copy (error, &store_error);
    }
    goto done;
  }
  bson_destroy (&after);
  mt_document_with_version (&next, version + 1, &after);
  if (change->to) {
    mt_error_t audit_error;
    if (!mt_audit_record_reservation (ctx->store, &after, (int64_t) items + 1, NULL,
                                      &audit_error)) {
      MT_WARN ("audit of reservation %s not recorded (reconciliation will): %s", id,
               audit_error.message);
    }
    MT_INFO ("reservation %s: %s -> %s", id, from, change->to);
  }
  if (mt_reservation_status_blocks (from) && !mt_reservation_status_blocks (to)) {
    mt_error_t release_error;
    if (!mt_reservation_calendar_release (ctx, mt_bson_str (stored, "listing_id"), id,
                                          &release_error)) {
      MT_WARN ("calendar entry of reservation %s not released (reconciliation will): %s", id,
               release_error.message);
    }
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

/* ---- User transitions --------------------------------------------------------------------- */

typedef struct {
  const char *name; /* "approve", ... */
  const char *to;
  bool borrower_too; /* the borrower may do it (cancel) */
} mt_reservation_action_info_t;

static const mt_reservation_action_info_t mt_reservation_actions[] = {
  [MT_RESERVATION_APPROVE] = { "approve", MT_RESERVATION_APPROVED, false },
  [MT_RESERVATION_DECLINE] = { "decline", MT_RESERVATION_DECLINED, false },
  [MT_RESERVATION_CANCEL] = { "cancel", MT_RESERVATION_CANCELLED, true },
  [MT_RESERVATION_CHECKOUT] = { "checkout", MT_RESERVATION_CHECKED_OUT, false },
  [MT_RESERVATION_RETURN] = { "return", MT_RESERVATION_RETURNED, false },
};

/* Copies the string @key of @body (may be NULL) to @out as @as when present. */
static void
mt_reservation_copy_text (bson_t *out, const bson_t *body, const char *key, const char *as)
{
  const char *text = body ? mt_bson_str (body, key) : NULL;

  if (text) {
    BSON_APPEND_UTF8 (out, as, text);
  }
}

/* The fields @action sets, in @set (initialised here), and the history reason. */
static bool
mt_reservation_action_fields (const mt_ctx_t *ctx, mt_reservation_action_t action,
                              const bson_t *body, bson_t *set, const char **reason,
                              mt_error_t *error)
{
  const char *by = ctx->principal->account_id;
  bson_iter_t it;
  bson_t sub;

  bson_init (set);
  *reason = NULL;
  switch (action) {
  case MT_RESERVATION_APPROVE:
    BSON_APPEND_DATE_TIME (set, "approved_at", ctx->now_ms);
    BSON_APPEND_UTF8 (set, "approved_by", by);
    mt_reservation_copy_text (set, body, "note", "approval_note");
    *reason = body ? mt_bson_str (body, "note") : NULL;
    return true;
  case MT_RESERVATION_DECLINE:
    BSON_APPEND_DATE_TIME (set, "declined_at", ctx->now_ms);
    BSON_APPEND_UTF8 (set, "declined_by", by);
    mt_reservation_copy_text (set, body, "reason", "decline_reason");
    *reason = body ? mt_bson_str (body, "reason") : NULL;
    return true;
  case MT_RESERVATION_CANCEL:
    *reason = body ? mt_bson_str (body, "reason") : NULL;
    if (!*reason || !**reason) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION, "motif requis",
                    "a reason is required");
      mt_error_set_path (error, "/reason");
      return false;
    }
    BSON_APPEND_DATE_TIME (set, "cancelled_at", ctx->now_ms);
    BSON_APPEND_UTF8 (set, "cancelled_by", by);
    BSON_APPEND_UTF8 (set, "cancel_reason", *reason);
    return true;
  case MT_RESERVATION_CHECKOUT:
  case MT_RESERVATION_RETURN: {
    bool returning = action == MT_RESERVATION_RETURN;
    const char *note = body ? mt_bson_str (body, "condition_note") : NULL;
    if (!note) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION, "état du bien requis",
                    "a condition note is required");
      mt_error_set_path (error, "/condition_note");
      return false;
    }
    BSON_APPEND_DOCUMENT_BEGIN (set, returning ? "return" : "checkout", &sub);
    BSON_APPEND_DATE_TIME (&sub, "at", ctx->now_ms);
    BSON_APPEND_UTF8 (&sub, "by", by);
    BSON_APPEND_UTF8 (&sub, "condition_note", note);
    if (returning && body && bson_iter_init_find (&it, body, "incident") &&
        BSON_ITER_HOLDS_DOCUMENT (&it)) {
      bson_t incident;
      bson_append_iter (&sub, "incident", -1, &it);
      if (mt_reservation_iter_doc (&it, &incident)) {
        *reason = mt_bson_str (&incident, "type");
      }
    }
    bson_append_document_end (set, &sub);
    if (returning) {
      BSON_APPEND_DATE_TIME (set, "returned_at", ctx->now_ms);
      BSON_APPEND_BOOL (set, "review_required", *reason != NULL);
    }
    return true;
  }
  }
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "action inconnue", "unknown action");
  return false;
}

void
mt_reservation_tell (const mt_ctx_t *ctx, const bson_t *reservation, mt_reservation_event_t event)
{
  mt_error_t error = { 0 };

  if (!mt_notify_reservation (ctx, reservation, event, NULL, &error)) {
    MT_WARN ("reservation %s: event not recorded: %s", mt_bson_str (reservation, "id"),
             error.message);
  }
}

bool
mt_reservation_act (const mt_ctx_t *ctx, const char *id, mt_reservation_action_t action,
                    const bson_t *body, const char *if_match, bson_t *out, mt_error_t *error)
{
  const mt_reservation_action_info_t *info;
  bson_t reservation;
  bson_t set = BSON_INITIALIZER;
  bson_t after = BSON_INITIALIZER;
  bson_t listing = BSON_INITIALIZER;
  mt_reservation_change_t change;
  const char *reason = NULL;
  const char *from;
  unsigned roles;
  bool ok = false;

  bson_init (out);
  if ((unsigned) action >= sizeof mt_reservation_actions / sizeof mt_reservation_actions[0]) {
    bson_init (&reservation);
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "action inconnue", "unknown action");
    goto done;
  }
  info = &mt_reservation_actions[action];
  if (!mt_reservation_load_visible (ctx, id, &reservation, error)) {
    goto done;
  }
  roles = mt_reservation_roles (ctx, &reservation);
  if (!(roles & (MT_RESERVATION_ROLE_OWNER | MT_RESERVATION_ROLE_ADMIN)) && !info->borrower_too) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_FORBIDDEN,
                  "seuls les comptes de la structure prêteuse peuvent faire cela (%s)",
                  "only the lending organisation's accounts may do this (%s)", info->name);
    goto done;
  }
  from = mt_bson_str (&reservation, "status");
  if (!mt_reservation_transition_allowed (from, info->to)) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_CONFLICT,
                  "action « %s » impossible : la réservation est « %s »",
                  "action \"%s\" not possible: the reservation is \"%s\"", info->name,
                  from ? from : "?");
    goto done;
  }
  if (!mt_etag_matches (if_match, mt_bson_int (&reservation, "version", 0))) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_STALE,
                  "la réservation a changé entre-temps (If-Match) : rechargez-la",
                  "the reservation has changed meanwhile (If-Match): reload it");
    goto done;
  }
  bson_destroy (&set);
  if (!mt_reservation_action_fields (ctx, action, body, &set, &reason, error)) {
    goto done;
  }
  /* Credits at the return, before the compare-and-set (idempotent id "reservation:<id>"; a
   * lost race leaves the payment to the winning return). Refused by the floor: flagged. */
  if (action == MT_RESERVATION_RETURN &&
      !mt_credits_reservation_charge (ctx, &reservation, &set, error)) {
    goto done;
  }
  change = (mt_reservation_change_t){
    .to = info->to,
    .actor = ctx->principal->account_id,
    .reason = reason,
    .set = &set,
  };
  /* A lost compare-and-set is not retried: of two racing changes exactly one wins, the
   * other gets 409 (MT_ERR_STALE). */
  bson_destroy (&after);
  if (!mt_reservation_apply (ctx, &reservation, &change, &after, error)) {
    goto done;
  }
  /* The other side learns the change (SPEC §3 Notifications); a checkout tells nobody. */
  if (action == MT_RESERVATION_APPROVE) {
    mt_reservation_tell (ctx, &after, MT_NOTIFY_APPROVED);
  } else if (action == MT_RESERVATION_DECLINE) {
    mt_reservation_tell (ctx, &after, MT_NOTIFY_DECLINED);
  } else if (action == MT_RESERVATION_CANCEL) {
    mt_reservation_tell (ctx, &after, MT_NOTIFY_CANCELLED);
  } else if (action == MT_RESERVATION_RETURN && mt_bson_str (&after, "return.incident.type")) {
    mt_reservation_tell (ctx, &after, MT_NOTIFY_INCIDENT);
  }
  bson_destroy (&listing);
  mt_reservation_read_listing (ctx, &after, &listing);
  bson_destroy (out);
  mt_reservation_view (ctx, &after, bson_empty (&listing) ? NULL : &listing, out);
  ok = true;
done:
  bson_destroy (&reservation);
  bson_destroy (&set);
  bson_destroy (&after);
  bson_destroy (&listing);
  if (!ok) {
    bson_reinit (out);
  }
  return ok;
}
