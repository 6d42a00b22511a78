/*
 * privacy: export of one's data and erasure of accounts (and of members left without any
 * active account). See privacy.h for the rules.
 *
 * The governance checks (last manager, last administrator) read several documents and then
 * write one: the store has no multi-document transaction, so two managers deleting their
 * accounts at the very same instant could both pass. Each write is compare-and-set, which
 * keeps every document consistent; the window is left as is, a rare and recoverable case
 * (an administrator can invite a new manager).
 */
#include "privacy.h"

#include "accounts.h"
#include "members.h"
#include "mt_bson.h"
#include "mt_log.h"
#include "mt_time.h"

#include <stdio.h>
#include <string.h>

#define MT_LOG_DOMAIN "privacy"

/* Attempts of a compare-and-set sequence before giving up with MT_ERR_STALE. */
#define MT_PRIVACY_ATTEMPTS 3

void
mt_member_anonymised (const bson_t *member, int64_t now_ms, bson_t *out)
{
  static const char *const erased[] = { "name",       "description", "contact",
                                        "territory",  "status",      "status_reason",
                                        "updated_at", "deleted_at",  NULL };
  const char *departement = mt_bson_str (member, "territory.departement");
  bson_t kept;
  bson_t territory;

  mt_bson_copy_without (member, &kept, erased);
  bson_init (out);
  bson_concat (out, &kept);
  bson_destroy (&kept);
  BSON_APPEND_UTF8 (out, "name", "Structure supprimée");
  if (departement) {
    BSON_APPEND_DOCUMENT_BEGIN (out, "territory", &territory);
    BSON_APPEND_UTF8 (&territory, "departement", departement);
    bson_append_document_end (out, &territory);
  }
  BSON_APPEND_UTF8 (out, "status", "deleted");
  BSON_APPEND_DATE_TIME (out, "deleted_at", now_ms);
  BSON_APPEND_DATE_TIME (out, "updated_at", now_ms);
}

static bool
mt_privacy_account_not_found (mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_NOT_FOUND, "compte introuvable",
                "account not found");
  return false;
}

static bool
mt_privacy_gave_up (mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_STALE,
                "modifié entre-temps par une autre requête, réessayez",
                "changed meanwhile by another request, try again");
  return false;
}

/* Erases one account document read at @account (compare-and-set on its version). */
static bool
mt_privacy_write_erased (const mt_ctx_t *ctx, const bson_t *account, const char *status,
                         mt_error_t *error)
{
  bson_t erased;
  bool ok;

  mt_account_anonymised (account, status, ctx->now_ms, &erased);
  ok = ctx->store->ops->account_update (ctx->store, mt_bson_str (account, "id"),
                                        mt_bson_int (account, "version", 0), &erased, error);
  bson_destroy (&erased);
  return ok;
}

/* One pass over the accounts of @member_id erasing the invited ones; *@stale is set when
 * one of them changed meanwhile (the pass should run again). */
static bool
mt_privacy_withdraw_pass (const mt_ctx_t *ctx, const char *member_id, bool *stale,
                          mt_error_t *error)
{
  mt_store_page_t page;
  bson_iter_t it;
  bool ok = false;

  *stale = false;
  if (!ctx->store->ops->account_list_by_member (ctx->store, member_id, &page, error)) {
    goto done;
  }
  if (bson_iter_init (&it, &page.items)) {
    while (bson_iter_next (&it)) {
      const uint8_t *data;
      uint32_t len;
      bson_t account;
      mt_error_t store_error;
      if (!BSON_ITER_HOLDS_DOCUMENT (&it)) {
        continue;
      }
      bson_iter_document (&it, &len, &data);
      if (!bson_init_static (&account, data, len) ||
          !mt_bson_str_eq (&account, "status", "invited")) {
        continue;
      }
      if (!mt_privacy_write_erased (ctx, &account, "removed", &store_error)) {
        if (store_error.code != MT_ERR_STALE) {
          mt_error_copy (error, &store_error);
          goto done;
        }
        *stale = true;
      }
    }
  }
  ok = true;
done:
  mt_store_page_destroy (&page);
  return ok;
}

/* Withdraws the pending invitations of @member_id (their accounts erased as "removed"). */
static bool
mt_privacy_withdraw_invitations (const mt_ctx_t *ctx, const char *member_id, mt_error_t *error)
{
  bool stale = true;
  bool ok = true;

  for (int attempt = 0; ok && stale && attempt < MT_PRIVACY_ATTEMPTS; attempt++) {
    ok = mt_privacy_withdraw_pass (ctx, member_id, &stale, error);
  }
  if (ok && stale) {
    ok = mt_privacy_gave_up (error);
  }
  return ok;
}

/* Anonymises member @member_id (left without an active account), then its invitations. The
 * platform's own member stays; a member already deleted is left as it is. */
static bool
mt_privacy_retire_member (const mt_ctx_t *ctx, const char *member_id, mt_error_t *error)
{
  bson_t member = BSON_INITIALIZER;
  bson_t anonymised = BSON_INITIALIZER;
  bool ok = false;

  for (int attempt = 0;; attempt++) {
    mt_error_t store_error;
    bson_destroy (&member);
    if (!ctx->store->ops->member_get (ctx->store, member_id, &member, error)) {
      goto done;
    }
    if (mt_bson_str_eq (&member, "kind", "platform") ||
        mt_bson_str_eq (&member, "status", "deleted")) {
      ok = true;
      goto done;
    }
    bson_destroy (&anonymised);
    mt_member_anonymised (&member, ctx->now_ms, &anonymised);
    if (ctx->store->ops->member_update (ctx->store, member_id, mt_bson_int (&member, "version", 0),
                                        &anonymised, &store_error)) {
      break;
    }
    if (store_error.code != MT_ERR_STALE) {
      mt_error_copy (error, &store_error);
      goto done;
    }
    if (attempt + 1 >= MT_PRIVACY_ATTEMPTS) {
      mt_privacy_gave_up (error);
      goto done;
    }
  }
  MT_INFO ("member %s anonymised (no active account left)", member_id);
  ok = mt_privacy_withdraw_invitations (ctx, member_id, error);
done:
  bson_destroy (&member);
  bson_destroy (&anonymised);
  return ok;
}

/* What the accounts of a member say about the one being erased. */
typedef struct {
  bool found;
  bool active;            /* the target is active (not only invited) */
  int64_t other_managers; /* active managers besides the target */
  int64_t other_active;   /* active accounts besides the target */
} mt_privacy_census_t;

/* Copies the target into @target (initialised here) and counts the others. */
static bool
mt_privacy_census (const mt_ctx_t *ctx, const char *member_id, const char *account_id,
                   bson_t *target, mt_privacy_census_t *census, mt_error_t *error)
{
  mt_store_page_t page;
  bson_iter_t it;
  bool ok;

  memset (census, 0, sizeof *census);
  bson_init (target);
  ok = ctx->store->ops->account_list_by_member (ctx->store, member_id, &page, error);
  if (ok && bson_iter_init (&it, &page.items)) {
    while (bson_iter_next (&it)) {
      const uint8_t *data;
      uint32_t len;
      bson_t account;
      bool active;
      if (!BSON_ITER_HOLDS_DOCUMENT (&it)) {
        continue;
      }
      bson_iter_document (&it, &len, &data);
      if (!bson_init_static (&account, data, len)) {
        continue;
      }
      active = mt_account_is_active (&account);
      if (mt_bson_str_eq (&account, "id", account_id)) {
        if (active || mt_bson_str_eq (&account, "status", "invited")) {
          census->found = true;
          census->active = active;
          bson_destroy (target);
          bson_copy_to (&account, target);
        }
        continue;
      }
      if (active) {
        census->other_active++;
        if (mt_bson_str_eq (&account, "member_role", "manager")) {
          census->other_managers++;
        }
      }
    }
  }
  mt_store_page_destroy (&page);
  return ok;
}

bool
mt_privacy_erase_account (const mt_ctx_t *ctx, const char *member_id, const char *account_id,
                          mt_erase_mode_t mode, mt_error_t *error)
{
  const char *status = mode == MT_ERASE_DELETE ? "deleted" : "removed";
  mt_privacy_census_t census;
  bson_t target = BSON_INITIALIZER;
  bool ok = false;

  for (int attempt = 0;; attempt++) {
    mt_error_t store_error;
    bson_destroy (&target);
    if (!mt_privacy_census (ctx, member_id, account_id, &target, &census, error)) {
      goto done;
    }
    if (!census.found) {
      mt_privacy_account_not_found (error);
      goto done;
    }
    if (census.active && mt_bson_str_eq (&target, "member_role", "manager") &&
        census.other_managers == 0 && (mode == MT_ERASE_REMOVE || census.other_active > 0)) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_CONFLICT,
                    "c'est le dernier responsable actif de la structure : nommez d'abord un "
                    "autre responsable",
                    "this is the member's last active manager: name another manager first");
      goto done;
    }
    if (census.active && mt_bson_str_eq (&target, "platform_role", "admin")) {
      int64_t admins = 0;
      if (!ctx->store->ops->account_count_admins (ctx->store, &admins, error)) {
        goto done;
      }
      if (admins <= 1) {
        mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_CONFLICT,
                      "c'est le dernier administrateur actif de la plateforme",
                      "this is the platform's last active administrator");
        goto done;
      }
    }
    if (mt_privacy_write_erased (ctx, &target, status, &store_error)) {
      break;
    }
    if (store_error.code != MT_ERR_STALE) {
      mt_error_copy (error, &store_error);
      goto done;
    }
    if (attempt + 1 >= MT_PRIVACY_ATTEMPTS) {
      mt_privacy_gave_up (error);
      goto done;
    }
  }
  MT_INFO ("account %s of member %s erased (%s)", account_id, member_id, status);
  if (census.active && census.other_active == 0 &&
      !mt_privacy_retire_member (ctx, member_id, error)) {
    goto done;
  }
  ok = true;
done:
  bson_destroy (&target);
  return ok;
}

bool
mt_privacy_delete_me (const mt_ctx_t *ctx, mt_error_t *error)
{
  const mt_principal_t *p = ctx->principal;
  bool ok = false;

  if (!p) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNAUTHENTICATED, "connexion requise",
                  "sign-in required");
    goto done;
  }
  if (!mt_privacy_erase_account (ctx, p->member_id, p->account_id, MT_ERASE_DELETE, error)) {
    goto done;
  }
  /* tokens_not_before already refuses every session; the revocation says so explicitly for
   * the token in use, even if it was issued in this very millisecond. The account is erased
   * by now: a failure here is logged, not answered (a retry could not do better). */
  if (p->jti[0]) {
    mt_error_t store_error;
    if (!ctx->store->ops->token_revoke (ctx->store, p->jti, p->token_exp_ms, &store_error)) {
      MT_WARN ("token of deleted account %s not revoked: %s", p->account_id, store_error.message);
    }
  }
  ok = true;
done:
  return ok;
}

bool
mt_privacy_export (const mt_ctx_t *ctx, bson_t *out, mt_error_t *error)
{
  const mt_principal_t *p = ctx->principal;
  bson_t account = BSON_INITIALIZER;
  bson_t view;
  bson_t colleagues = BSON_INITIALIZER;
  bson_t networks;
  bson_iter_t it;
  bson_iter_t child;
  uint32_t index = 0;
  bool ok = false;

  bson_init (out);
  if (!p) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNAUTHENTICATED, "connexion requise",
                  "sign-in required");
    goto done;
  }
  bson_destroy (&account);
  if (!ctx->store->ops->account_get (ctx->store, p->account_id, &account, error)) {
    goto done;
  }
  bson_destroy (&colleagues);
  if (!mt_member_colleagues (ctx, p->member_id, false, p->account_id, &colleagues, error)) {
    goto done;
  }
  BSON_APPEND_DATE_TIME (out, "exported_at", ctx->now_ms);
  mt_account_public_view (&account, &view);
  BSON_APPEND_DOCUMENT (out, "account", &view);
  bson_destroy (&view);
  BSON_APPEND_DOCUMENT (out, "member", &p->member);
  BSON_APPEND_ARRAY (out, "colleagues", &colleagues);
  BSON_APPEND_ARRAY_BEGIN (out, "networks", &networks);
  if (bson_iter_init_find (&it, &p->member, "networks") && BSON_ITER_HOLDS_ARRAY (&it) &&
      bson_iter_recurse (&it, &child)) {
    while (bson_iter_next (&child)) {
      bson_t network;
      mt_error_t store_error;
      char keybuf[16];
      const char *key;
      if (!BSON_ITER_HOLDS_UTF8 (&child)) {
        continue;
      }
      if (!ctx->store->ops->network_get (ctx->store, bson_iter_utf8 (&child, NULL), &network,
                                         &store_error)) {
        bson_destroy (&network);
        if (store_error.code == MT_ERR_NOT_FOUND) {
          continue;
        }
        mt_error_copy (error, &store_error);
        bson_append_array_end (out, &networks);
        goto done;
      }
      bson_uint32_to_string (index++, &key, keybuf, sizeof keybuf);
      BSON_APPEND_DOCUMENT (&networks, key, &network);
      bson_destroy (&network);
    }
  }
  bson_append_array_end (out, &networks);
  ok = true;
done:
  bson_destroy (&account);
  bson_destroy (&colleagues);
  if (!ok) {
    bson_destroy (out);
    bson_init (out);
  }
  return ok;
}
