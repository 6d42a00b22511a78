/*
 * credits: the ledger's transfers (one atomic append with the floor check in the store), the
 * audit of every entry, the hooks of reservations and approvals, and the monthly grant; see
 * credits.h. The endpoints are in credits_admin.c.
 */
#include "credits.h"

#include "audit.h"
#include "mt_bson.h"
#include "mt_log.h"
#include "mt_time.h"

#include <stdio.h>
#include <string.h>

#define MT_LOG_DOMAIN "credits"

#define MT_CREDITS_DAY_MS INT64_C (86400000)

static const mt_config_t *
mt_credits_config (const mt_ctx_t *ctx)
{
  return ctx && ctx->env ? ctx->env->config : NULL;
}

bool
mt_credits_enabled (const mt_ctx_t *ctx)
{
  const mt_config_t *config = mt_credits_config (ctx);
  return config && config->credits_enabled;
}

int64_t
mt_credits_floor (const mt_ctx_t *ctx)
{
  const mt_config_t *config = mt_credits_config (ctx);
  return config ? config->credits_floor : 0;
}

/* The store implements the ledger (an adapter may not yet). */
static bool
mt_credits_store_ready (const mt_ctx_t *ctx, mt_error_t *error)
{
  const mt_store_ops_t *ops = ctx->store->ops;

  if (!ops->ledger_append || !ops->ledger_balance || !ops->ledger_list || !ops->ledger_sum) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_NOT_IMPLEMENTED,
                  "ce stockage ne gère pas les crédits", "this store has no credits ledger");
    return false;
  }
  return true;
}

/* ---- Transfers ------------------------------------------------------------------------------ */

/* Records the audit entry of the ledger entry @entry ("ledger:<id>"). */
static bool
mt_credits_audit (const mt_ctx_t *ctx, const bson_t *entry, const char *actor, mt_error_t *error)
{
  const char *id = mt_bson_str (entry, "id");
  const char *reason = mt_bson_str (entry, "reason");
  char audit_id[MT_CREDITS_ENTRY_ID_MAX + 16];
  char text[640];
  mt_audit_entry_t audit;

  snprintf (audit_id, sizeof audit_id, "ledger:%s", id ? id : "");
  snprintf (text, sizeof text, "%lld: %s", (long long) mt_bson_int (entry, "amount", 0),
            reason ? reason : "");
  memset (&audit, 0, sizeof audit);
  audit.id = audit_id;
  audit.at_ms = mt_bson_date (entry, "created_at", ctx->now_ms);
  audit.actor = actor;
  audit.entity = "ledger";
  audit.entity_id = id;
  audit.from = mt_bson_str (entry, "from");
  audit.to = mt_bson_str (entry, "to");
  audit.reason = text;
  return mt_audit_record (ctx->store, &audit, error);
}

bool
mt_credits_transfer_full (const mt_ctx_t *ctx, const char *id, const char *from, const char *to,
                          int64_t amount, const char *reason, const char *ref, const char *reverses,
                          const char *actor, bool *done_before, bson_t *out, mt_error_t *error)
{
  bson_t entry = BSON_INITIALIZER;
  mt_error_t store_error = { 0 };
  bool system_pays;
  bool ok = false;

  if (done_before) {
    *done_before = false;
  }
  if (out) {
    bson_init (out);
  }
  if (!mt_credits_enabled (ctx) || amount == 0) {
    ok = true;
    goto done;
  }
  if (!id || !*id || strlen (id) > MT_CREDITS_ENTRY_ID_MAX || !from || !*from || !to || !*to ||
      strcmp (from, to) == 0 || amount < 0 || !reason) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "écriture de crédits invalide",
                  "invalid credits entry");
    goto done;
  }
  if (!mt_credits_store_ready (ctx, error)) {
    goto done;
  }
  if (!actor) {
    actor = ctx->principal && ctx->principal->account_id[0] ? ctx->principal->account_id
                                                            : MT_CREDITS_SYSTEM;
  }
  system_pays = strcmp (from, MT_CREDITS_SYSTEM) == 0;
  BSON_APPEND_UTF8 (&entry, "id", id);
  BSON_APPEND_UTF8 (&entry, "from", from);
  BSON_APPEND_UTF8 (&entry, "to", to);
  BSON_APPEND_INT64 (&entry, "amount", amount);
  BSON_APPEND_UTF8 (&entry, "reason", reason);
  if (ref) {
    BSON_APPEND_UTF8 (&entry, "ref", ref);
  }
  if (reverses) {
    BSON_APPEND_UTF8 (&entry, "reverses", reverses);
  }
  BSON_APPEND_DATE_TIME (&entry, "created_at", ctx->now_ms);
  if (!ctx->store->ops->ledger_append (ctx->store, &entry, !system_pays, mt_credits_floor (ctx),
                                       &store_error)) {
    if (store_error.code == MT_ERR_DUPLICATE) {
      if (done_before) {
        *done_before = true;
      }
    } else if (store_error.code == MT_ERR_UNPROCESSABLE) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                    "crédits insuffisants : le solde descendrait sous le plancher (%lld)",
                    "insufficient credits: the balance would fall below the floor (%lld)",
                    (long long) mt_credits_floor (ctx));
      goto done;
    } else {
      mt_error_copy (error, &store_error);
      goto done;
    }
  } else {
    MT_INFO ("entry %s: %lld from %s to %s", id, (long long) amount, from, to);
  }
  {
    /* Recorded also when the entry was there already: a crash may have left it out. */
    mt_error_t audit_error = { 0 };
    if (!mt_credits_audit (ctx, &entry, actor, &audit_error)) {
      MT_WARN ("audit of entry %s not recorded: %s", id, audit_error.message);
    }
  }
  if (out) {
    bson_destroy (out);
    bson_copy_to (&entry, out);
  }
  ok = true;
done:
  bson_destroy (&entry);
  return ok;
}

bool
mt_credits_transfer (const mt_ctx_t *ctx, const char *id, const char *from, const char *to,
                     int64_t amount, const char *reason, const char *ref, bool *done_before,
                     mt_error_t *error)
{
  return mt_credits_transfer_full (ctx, id, from, to, amount, reason, ref, NULL, NULL, done_before,
                                   NULL, error);
}

bool
mt_credits_balance (const mt_ctx_t *ctx, const char *member_id, int64_t *balance, mt_error_t *error)
{
  *balance = 0;
  if (!mt_credits_enabled (ctx)) {
    return true;
  }
  if (!member_id || !mt_credits_store_ready (ctx, error)) {
    if (!member_id) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "structure manquante",
                    "missing member");
    }
    return false;
  }
  return ctx->store->ops->ledger_balance (ctx->store, member_id, balance, error);
}

/* ---- Reservations --------------------------------------------------------------------------- */

int64_t
mt_credits_days (int64_t start_ms, int64_t end_ms)
{
  int64_t length = end_ms - start_ms;

  if (length <= 0) {
    return 1;
  }
  return (length + MT_CREDITS_DAY_MS - 1) / MT_CREDITS_DAY_MS;
}

/* The credit price per day of @doc (a listing or a reservation), 0 when none. */
static int64_t
mt_credits_price (const bson_t *doc)
{
  int64_t price = mt_bson_int (doc, "credit_price_per_day", 0);
  return price > 0 ? price : 0;
}

bool
mt_credits_reservation_check (const mt_ctx_t *ctx, const bson_t *listing, int64_t start_ms,
                              int64_t end_ms, mt_error_t *error)
{
  int64_t price = mt_credits_price (listing);
  int64_t cost;
  int64_t balance = 0;

  if (!mt_credits_enabled (ctx) || price == 0 || !ctx->principal) {
    return true;
  }
  cost = mt_credits_days (start_ms, end_ms) * price;
  if (!mt_credits_balance (ctx, ctx->principal->member_id, &balance, error)) {
    return false;
  }
  if (balance - cost < mt_credits_floor (ctx)) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                  "crédits insuffisants : cet emprunt coûte %lld crédit(s), votre solde est de "
                  "%lld (plancher %lld)",
                  "insufficient credits: this loan costs %lld credit(s), your balance is %lld "
                  "(floor %lld)",
                  (long long) cost, (long long) balance, (long long) mt_credits_floor (ctx));
    return false;
  }
  return true;
}

void
mt_credits_reservation_stamp (const mt_ctx_t *ctx, const bson_t *listing, bson_t *reservation)
{
  int64_t price = mt_credits_price (listing);

  if (mt_credits_enabled (ctx) && price > 0) {
    BSON_APPEND_INT64 (reservation, "credit_price_per_day", price);
  }
}

bool
mt_credits_reservation_charge (const mt_ctx_t *ctx, const bson_t *stored, bson_t *set,
                               mt_error_t *error)
{
  const char *id = mt_bson_str (stored, "id");
  const char *borrower = mt_bson_str (stored, "borrower_member_id");
  const char *owner = mt_bson_str (stored, "owner_member_id");
  int64_t price = mt_credits_price (stored);
  mt_error_t charge_error = { 0 };
  char entry_id[MT_CREDITS_ENTRY_ID_MAX + 1];
  int64_t cost;

  if (!mt_credits_enabled (ctx) || price == 0) {
    return true;
  }
  if (!id || !borrower || !owner) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "réservation incomplète",
                  "incomplete reservation");
    return false;
  }
  cost =
    mt_credits_days (mt_bson_date (stored, "start", 0), mt_bson_date (stored, "end", 0)) * price;
  snprintf (entry_id, sizeof entry_id, "reservation:%s", id);
  if (mt_credits_transfer_full (ctx, entry_id, borrower, owner, cost, "reservation", id, NULL, NULL,
                                NULL, NULL, &charge_error)) {
    return true;
  }
  if (charge_error.code != MT_ERR_UNPROCESSABLE) {
    mt_error_copy (error, &charge_error);
    return false;
  }
  /* The good is back whatever the borrower holds: the return goes on, flagged. */
  MT_INFO ("reservation %s returned with %lld credit(s) due: %s", id, (long long) cost,
           charge_error.message);
  {
    /* The return's fields already hold "review_required" (true only with an incident): it
     * is replaced, not appended twice (the first of two equal keys wins), or the sweeps
     * would close the loan and take it out of the review queue. */
    static const char *const flags[] = { "credits_due", "review_required", NULL };
    bson_t rest;
    mt_bson_copy_without (set, &rest, flags);
    bson_reinit (set);
    bson_concat (set, &rest);
    bson_destroy (&rest);
  }
  BSON_APPEND_BOOL (set, "credits_due", true);
  BSON_APPEND_BOOL (set, "review_required", true);
  return true;
}

/* ---- Grants --------------------------------------------------------------------------------- */

bool
mt_credits_welcome (const mt_ctx_t *ctx, const char *member_id, const char *actor,
                    mt_error_t *error)
{
  const mt_config_t *config = mt_credits_config (ctx);
  char id[MT_CREDITS_ENTRY_ID_MAX + 1];

  if (!mt_credits_enabled (ctx) || config->credits_welcome_grant <= 0) {
    return true;
  }
  snprintf (id, sizeof id, "welcome:%s", member_id);
  return mt_credits_transfer_full (ctx, id, MT_CREDITS_SYSTEM, member_id,
                                   config->credits_welcome_grant, "welcome", NULL, NULL, actor,
                                   NULL, NULL, error);
}

void
mt_credits_month (int64_t ms, char out[MT_CREDITS_MONTH_SIZE])
{
  char text[MT_TIME_RFC3339_MAX];

  mt_time_format_rfc3339 (ms, text);
  memcpy (out, text, MT_CREDITS_MONTH_SIZE - 1);
  out[MT_CREDITS_MONTH_SIZE - 1] = '\0';
}

/* Grants @state's month to the active members of one page; false when the list failed. */
static bool
mt_credits_monthly_page (const mt_ctx_t *ctx, mt_credits_monthly_t *state, int64_t amount,
                         char next[MT_STORE_CURSOR_MAX])
{
  mt_store_member_query_t query = { 0 };
  mt_store_page_t page;
  mt_error_t error = { 0 };
  bson_iter_t it;
  bool ok = false;

  next[0] = '\0';
  query.status = "active";
  query.cursor = state->cursor[0] ? state->cursor : NULL;
  query.limit = MT_CREDITS_MONTHLY_PAGE;
  if (!ctx->store->ops->member_list (ctx->store, &query, &page, &error)) {
    MT_WARN ("monthly grant %s: members not listed: %s", state->month, error.message);
    goto done;
  }
  if (bson_iter_init (&it, &page.items)) {
    while (bson_iter_next (&it)) {
      const uint8_t *data;
      uint32_t len;
      bson_t member;
      const char *member_id;
      char id[MT_CREDITS_ENTRY_ID_MAX + 1];
      bool done_before = false;
      if (!BSON_ITER_HOLDS_DOCUMENT (&it)) {
        continue;
      }
      bson_iter_document (&it, &len, &data);
      if (!bson_init_static (&member, data, len) || !(member_id = mt_bson_str (&member, "id")) ||
          mt_bson_str_eq (&member, "kind", "platform")) {
        continue;
      }
      snprintf (id, sizeof id, "monthly:%s:%s", member_id, state->month);
      if (!mt_credits_transfer_full (ctx, id, MT_CREDITS_SYSTEM, member_id, amount, "monthly",
                                     state->month, NULL, MT_CREDITS_SYSTEM, &done_before, NULL,
                                     &error)) {
        MT_WARN ("monthly grant %s of %s not made: %s", state->month, member_id, error.message);
        state->errors++;
      } else if (done_before) {
        state->already++;
      } else {
        state->granted++;
      }
    }
  }
  snprintf (next, MT_STORE_CURSOR_MAX, "%s", page.next_cursor);
  ok = true;
done:
  mt_store_page_destroy (&page);
  return ok;
}

bool
mt_credits_monthly_step (const mt_ctx_t *ctx, mt_credits_monthly_t *state)
{
  const mt_config_t *config = mt_credits_config (ctx);
  char month[MT_CREDITS_MONTH_SIZE];
  char next[MT_STORE_CURSOR_MAX];

  if (!mt_credits_enabled (ctx) || config->credits_monthly_grant <= 0 ||
      !mt_credits_store_ready (ctx, NULL)) {
    return false;
  }
  if (!state->month[0]) {
    /* No pass under way: start one for this month unless it is done. A pass keeps its month
     * to its end, so that a pass running over the turn of a month finishes that month. */
    mt_credits_month (ctx->now_ms, month);
    if (strcmp (state->done_month, month) == 0) {
      return false;
    }
    memcpy (state->month, month, sizeof month);
    state->cursor[0] = '\0';
    state->pages = 0;
    state->granted = state->already = state->errors = 0;
  }
  if (!mt_credits_monthly_page (ctx, state, config->credits_monthly_grant, next)) {
    state->month[0] = '\0'; /* made again from the start at the next interval */
    state->pages = 0;
    return false;
  }
  if (next[0]) {
    memcpy (state->cursor, next, sizeof state->cursor);
    if (++state->pages >= MT_CREDITS_MONTHLY_PAGES_MAX) {
      state->pages = 0;
      return false; /* bounded work per interval: the pass goes on at the next one */
    }
    return true;
  }
  MT_INFO ("monthly grant %s: %u granted, %u already, %u error(s)", state->month, state->granted,
           state->already, state->errors);
  if (state->errors == 0) {
    memcpy (state->done_month, state->month, sizeof state->done_month);
  }
  state->month[0] = '\0';
  state->pages = 0;
  return false;
}
