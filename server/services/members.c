/*
 * members: member documents, who sees which member, the directory, and the managers' work on
 * their organisation (profile, invitations, removal of colleagues).
 */
#include "members.h"

#include "accounts.h"
#include "mt_bson.h"
#include "tokens.h"
#include "mt_log.h"
#include "mt_time.h"
#include "networks.h"
#include "privacy.h"
#include "signin.h"

#include <sodium.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MT_LOG_DOMAIN "members"

void
mt_member_build (const bson_t *profile, const char *status, int64_t now_ms, bson_t *out,
                 char id_out[MT_ID_SIZE])
{
  static const char *const reserved[] = { "id",         "version",    "status",
                                          "created_at", "updated_at", NULL };
  char id[MT_ID_SIZE];
  bson_t fields;

  mt_id_new ("mem", id);
  bson_init (out);
  BSON_APPEND_UTF8 (out, "id", id);
  BSON_APPEND_INT64 (out, "version", 1);
  mt_bson_copy_without (profile, &fields, reserved);
  bson_concat (out, &fields);
  bson_destroy (&fields);
  if (!bson_has_field (out, "networks")) {
    mt_bson_append_str_array (out, "networks", NULL);
  }
  BSON_APPEND_UTF8 (out, "status", status);
  BSON_APPEND_DATE_TIME (out, "created_at", now_ms);
  BSON_APPEND_DATE_TIME (out, "updated_at", now_ms);
  if (id_out) {
    memcpy (id_out, id, MT_ID_SIZE);
  }
}

/* ---- Helpers ------------------------------------------------------------------------------ */

/* Appends @doc to the array-shaped @array at index *@index, then increments it. */
static void
mt_members_array_push (bson_t *array, uint32_t *index, const bson_t *doc)
{
  char keybuf[16];
  const char *key;

  bson_uint32_to_string ((*index)++, &key, keybuf, sizeof keybuf);
  BSON_APPEND_DOCUMENT (array, key, doc);
}

/* Points @doc (static, not to destroy) at the document held by @it; false if it holds none. */
static bool
mt_members_iter_doc (const bson_iter_t *it, bson_t *doc)
{
  const uint8_t *data;
  uint32_t len;

  if (!BSON_ITER_HOLDS_DOCUMENT (it)) {
    return false;
  }
  bson_iter_document (it, &len, &data);
  return bson_init_static (doc, data, len);
}

bool
mt_members_share_network (const bson_t *a, const bson_t *b)
{
  bson_iter_t it;
  bson_iter_t child;

  if (!bson_iter_init_find (&it, a, "networks") || !BSON_ITER_HOLDS_ARRAY (&it) ||
      !bson_iter_recurse (&it, &child)) {
    return false;
  }
  while (bson_iter_next (&child)) {
    if (BSON_ITER_HOLDS_UTF8 (&child) &&
        mt_bson_array_has_str (b, "networks", bson_iter_utf8 (&child, NULL))) {
      return true;
    }
  }
  return false;
}

static bool
mt_members_not_found (mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_NOT_FOUND, "structure introuvable",
                "member not found");
  return false;
}

/* Reads member @id; a store "not found" becomes the service's 404. */
static bool
mt_members_load (const mt_ctx_t *ctx, const char *id, bson_t *out, mt_error_t *error)
{
  mt_error_t store_error;

  if (ctx->store->ops->member_get (ctx->store, id, out, &store_error)) {
    return true;
  }
  if (store_error.code == MT_ERR_NOT_FOUND) {
    return mt_members_not_found (error);
  }
  mt_error_copy (error, &store_error);
  return false;
}

/*
 * The rule of every change to a member and its accounts: administrators may; an account of
 * the member may when it is a manager (else 403); anyone else gets 404.
 */
static bool
mt_members_require_manager (const mt_ctx_t *ctx, const char *member_id, mt_error_t *error)
{
  const mt_principal_t *p = ctx->principal;

  if (!p) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNAUTHENTICATED, "connexion requise",
                  "sign-in required");
    return false;
  }
  if (p->is_admin) {
    return true;
  }
  if (strcmp (p->member_id, member_id) != 0) {
    return mt_members_not_found (error);
  }
  if (!p->is_manager) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_FORBIDDEN,
                  "réservé aux responsables de la structure", "managers of the member only");
    return false;
  }
  return true;
}

/* ---- Visibility --------------------------------------------------------------------------- */

mt_member_access_t
mt_member_access (const mt_ctx_t *ctx, const bson_t *member)
{
  const mt_principal_t *p = ctx->principal;
  const char *id = mt_bson_str (member, "id");

  if (!p || !id) {
    return MT_MEMBER_ACCESS_NONE;
  }
  if (p->is_admin) {
    return MT_MEMBER_ACCESS_ADMIN;
  }
  if (strcmp (id, p->member_id) == 0) {
    return MT_MEMBER_ACCESS_OWN;
  }
  if (!p->member_active) {
    return MT_MEMBER_ACCESS_GATED;
  }
  if (mt_bson_str_eq (member, "status", "active") &&
      mt_members_share_network (&p->member, member)) {
    return MT_MEMBER_ACCESS_PUBLIC;
  }
  return MT_MEMBER_ACCESS_NONE;
}

void
mt_member_public_view (const bson_t *member, bson_t *out)
{
  static const char *const shown[] = { "id",          "name",    "kind",     "territory",
                                       "description", "contact", "networks", NULL };
  bson_iter_t it;

  bson_init (out);
  for (const char *const *key = shown; *key; key++) {
    if (bson_iter_init_find (&it, member, *key)) {
      bson_append_iter (out, *key, -1, &it);
    }
  }
}

bool
mt_member_colleagues (const mt_ctx_t *ctx, const char *member_id, bool erased_too,
                      const char *skip_account_id, bson_t *items, mt_error_t *error)
{
  mt_store_page_t page;
  bson_iter_t it;
  uint32_t index = 0;
  bool ok = false;

  bson_init (items);
  if (!ctx->store->ops->account_list_by_member (ctx->store, member_id, &page, error)) {
    goto done;
  }
  if (bson_iter_init (&it, &page.items)) {
    while (bson_iter_next (&it)) {
      bson_t account;
      bson_t view;
      if (!mt_members_iter_doc (&it, &account)) {
        continue;
      }
      if (!erased_too && !mt_bson_str_eq (&account, "status", "active") &&
          !mt_bson_str_eq (&account, "status", "invited")) {
        continue;
      }
      if (skip_account_id && mt_bson_str_eq (&account, "id", skip_account_id)) {
        continue;
      }
      mt_account_colleague_view (&account, &view);
      mt_members_array_push (items, &index, &view);
      bson_destroy (&view);
    }
  }
  ok = true;
done:
  mt_store_page_destroy (&page);
  if (!ok) {
    bson_destroy (items);
    bson_init (items);
  }
  return ok;
}

/* ---- GET /v1/members/{id} ----------------------------------------------------------------- */

bool
mt_member_get (const mt_ctx_t *ctx, const char *id, bson_t *out, bool *full_out, mt_error_t *error)
{
  const mt_principal_t *p = ctx->principal;
  bson_t member = BSON_INITIALIZER;
  bson_t accounts = BSON_INITIALIZER;
  bool ok = false;

  bson_init (out);
  if (full_out) {
    *full_out = false;
  }
  /* A pending member's accounts reach only their own member, whatever the id. */
  if (p && !p->is_admin && !p->member_active && strcmp (id, p->member_id) != 0) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_FORBIDDEN,
                  "votre structure n'a pas encore été validée par un administrateur",
                  "your organisation has not been approved by an administrator yet");
    goto done;
  }
  bson_destroy (&member);
  if (!mt_members_load (ctx, id, &member, error)) {
    goto done;
  }
  switch (mt_member_access (ctx, &member)) {
  case MT_MEMBER_ACCESS_OWN:
  case MT_MEMBER_ACCESS_ADMIN:
    bson_destroy (&accounts);
    if (!mt_member_colleagues (ctx, id, p->is_admin, NULL, &accounts, error)) {
      goto done;
    }
    bson_concat (out, &member);
    BSON_APPEND_ARRAY (out, "accounts", &accounts);
    if (full_out) {
      *full_out = true;
    }
    break;
  case MT_MEMBER_ACCESS_PUBLIC:
    bson_destroy (out);
    mt_member_public_view (&member, out);
    break;
  case MT_MEMBER_ACCESS_GATED:
  case MT_MEMBER_ACCESS_NONE:
    mt_members_not_found (error);
    goto done;
  }
  ok = true;
done:
  bson_destroy (&member);
  bson_destroy (&accounts);
  if (!ok) {
    bson_destroy (out);
    bson_init (out);
  }
  return ok;
}

/* ---- PATCH /v1/members/{id} --------------------------------------------------------------- */

static bool
mt_members_precondition_failed (mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_PRECONDITION_FAILED,
                "la structure a été modifiée entre-temps (If-Match)",
                "the member has changed meanwhile (If-Match)");
  return false;
}

bool
mt_member_patch (const mt_ctx_t *ctx, const char *id, const bson_t *patch, const char *if_match,
                 bson_t *out, mt_error_t *error)
{
  static const char *const editable[] = { "name",    "kind",     "territory", "description",
                                          "contact", "networks", NULL };
  bson_t member = BSON_INITIALIZER;
  bson_t changes = BSON_INITIALIZER;
  bson_t merged = BSON_INITIALIZER;
  bson_iter_t it;
  mt_error_t store_error;
  bool ok = false;

  bson_init (out);
  if (!mt_members_require_manager (ctx, id, error)) {
    goto done;
  }
  if (bson_iter_init_find (&it, patch, "networks")) {
    bson_t networks;
    if (!ctx->principal->is_admin) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION,
                    "seuls les administrateurs changent les réseaux d'une structure",
                    "only administrators change the networks of a member");
      mt_error_set_path (error, "/networks");
      goto done;
    }
    if (BSON_ITER_HOLDS_ARRAY (&it)) {
      const uint8_t *data;
      uint32_t len;
      bson_iter_array (&it, &len, &data);
      if (bson_init_static (&networks, data, len) &&
          !mt_networks_check_exist (ctx, &networks, "/networks", error)) {
        goto done;
      }
    }
  }
  for (const char *const *key = editable; *key; key++) {
    if (bson_iter_init_find (&it, patch, *key)) {
      bson_append_iter (&changes, *key, -1, &it);
    }
  }
  BSON_APPEND_DATE_TIME (&changes, "updated_at", ctx->now_ms);
  for (int attempt = 0;; attempt++) {
    int64_t version;
    bson_destroy (&member);
    if (!mt_members_load (ctx, id, &member, error)) {
      goto done;
    }
    if (mt_bson_str_eq (&member, "status", "deleted")) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_CONFLICT, "cette structure a été supprimée",
                    "this member has been deleted");
      goto done;
    }
    if (mt_bson_str_eq (&member, "kind", "platform") && bson_has_field (patch, "kind")) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_CONFLICT,
                    "la structure de la plateforme garde sa nature",
                    "the platform's own member keeps its kind");
      goto done;
    }
    version = mt_bson_int (&member, "version", 0);
    if (!mt_etag_matches (if_match, version)) {
      mt_members_precondition_failed (error);
      goto done;
    }
    bson_destroy (&merged);
    mt_bson_merge (&member, &changes, &merged);
    if (ctx->store->ops->member_update (ctx->store, id, version, &merged, &store_error)) {
      bson_destroy (out);
      mt_document_with_version (&merged, version + 1, out);
      break;
    }
    if (store_error.code == MT_ERR_STALE && if_match) {
      mt_members_precondition_failed (error);
      goto done;
    }
    if (store_error.code != MT_ERR_STALE || attempt > 0) {
      mt_error_copy (error, &store_error);
      goto done;
    }
  }
  ok = true;
done:
  bson_destroy (&member);
  bson_destroy (&changes);
  bson_destroy (&merged);
  if (!ok) {
    bson_destroy (out);
    bson_init (out);
  }
  return ok;
}

/* ---- GET /v1/members ---------------------------------------------------------------------- */

static bool
mt_members_status_valid (const char *status)
{
  static const char *const statuses[] = { "pending", "active", "suspended", "deleted", NULL };

  for (const char *const *s = statuses; *s; s++) {
    if (strcmp (status, *s) == 0) {
      return true;
    }
  }
  return false;
}

/* Store pages read at most for one directory page when the caller's member belongs to several
 * networks (the store filters by one network at a time): bounds the work of a request. */
#define MT_DIRECTORY_ROUNDS 10

bool
mt_member_directory (const mt_ctx_t *ctx, const mt_member_directory_query_t *query, bson_t *items,
                     char next_cursor[MT_STORE_CURSOR_MAX], mt_error_t *error)
{
  const mt_principal_t *p = ctx->principal;
  mt_store_member_query_t q = { 0 };
  mt_store_page_t page;
  char cursor[MT_STORE_CURSOR_MAX];
  uint32_t limit = 0;
  uint32_t index = 0;
  bool filter_in_service = false;
  bool ok = false;

  bson_init (items);
  next_cursor[0] = '\0';
  mt_store_page_init (&page);
  if (!p) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNAUTHENTICATED, "connexion requise",
                  "sign-in required");
    goto done;
  }
  if (!p->is_admin && !p->member_active) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_FORBIDDEN,
                  "votre structure n'a pas encore été validée par un administrateur",
                  "your organisation has not been approved by an administrator yet");
    goto done;
  }
  if (!mt_list_limit_parse (query->limit, &limit, error)) {
    goto done;
  }
  if (query->status && !mt_members_status_valid (query->status)) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_BAD_REQUEST,
                  "paramètre status invalide (pending, active, suspended ou deleted)",
                  "invalid status parameter (pending, active, suspended or deleted)");
    goto done;
  }
  if (p->is_admin) {
    q.status = query->status;
  } else {
    if (query->status && strcmp (query->status, "active") != 0) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_FORBIDDEN,
                    "seuls les administrateurs filtrent par statut",
                    "only administrators filter by status");
      goto done;
    }
    q.status = "active";
  }
  if (query->network) {
    bson_t network;
    bool exists;
    if (!p->is_admin && !mt_bson_array_has_str (&p->member, "networks", query->network)) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_NOT_FOUND,
                    "réseau introuvable parmi les vôtres", "network not found among yours");
      goto done;
    }
    exists = ctx->store->ops->network_get (ctx->store, query->network, &network, error);
    bson_destroy (&network);
    if (!exists) {
      if (error && error->code == MT_ERR_NOT_FOUND) {
        mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_NOT_FOUND, "réseau introuvable",
                      "network not found");
      }
      goto done;
    }
    q.network_id = query->network;
  } else if (!p->is_admin) {
    /* One network: the store filters. Several: walk the active members and keep those that
     * share one (the store filters by one network at a time). */
    bson_iter_t it;
    bson_iter_t child;
    uint32_t count = 0;
    const char *only = NULL;
    if (bson_iter_init_find (&it, &p->member, "networks") && BSON_ITER_HOLDS_ARRAY (&it) &&
        bson_iter_recurse (&it, &child)) {
      while (bson_iter_next (&child)) {
        if (BSON_ITER_HOLDS_UTF8 (&child)) {
          only = bson_iter_utf8 (&child, NULL);
          count++;
        }
      }
    }
    if (count == 0) {
      ok = true; /* no network: nobody shares one */
      goto done;
    }
    if (count == 1) {
      q.network_id = only;
    } else {
      filter_in_service = true;
    }
  }
  snprintf (cursor, sizeof cursor, "%s", query->cursor ? query->cursor : "");
  for (int round = 0; round < MT_DIRECTORY_ROUNDS && index < limit; round++) {
    bson_iter_t it;
    q.cursor = cursor;
    q.limit = limit - index;
    mt_store_page_destroy (&page);
    if (!ctx->store->ops->member_list (ctx->store, &q, &page, error)) {
      goto done;
    }
    if (bson_iter_init (&it, &page.items)) {
      while (bson_iter_next (&it)) {
        bson_t member;
        bson_t view;
        if (!mt_members_iter_doc (&it, &member)) {
          continue;
        }
        if (filter_in_service && !mt_members_share_network (&p->member, &member)) {
          continue;
        }
        if (p->is_admin) {
          mt_members_array_push (items, &index, &member);
        } else {
          mt_member_public_view (&member, &view);
          mt_members_array_push (items, &index, &view);
          bson_destroy (&view);
        }
      }
    }
    snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
    if (!filter_in_service || !cursor[0]) {
      break;
    }
  }
  snprintf (next_cursor, MT_STORE_CURSOR_MAX, "%s", cursor);
  ok = true;
done:
  mt_store_page_destroy (&page);
  if (!ok) {
    bson_destroy (items);
    bson_init (items);
    next_cursor[0] = '\0';
  }
  return ok;
}

/* ---- Colleagues: invitations and removal -------------------------------------------------- */

bool
mt_member_invite (const mt_ctx_t *ctx, const char *member_id, const bson_t *body, bson_t *out,
                  char account_id_out[MT_ID_SIZE], mt_error_t *error)
{
  const char *role = mt_bson_str (body, "member_role");
  char token[MT_INVITATION_TOKEN_SIZE];
  char hash_hex[MT_INVITATION_HASH_HEX_SIZE];
  char account_id[MT_ID_SIZE];
  char expires_text[MT_TIME_RFC3339_MAX];
  int64_t expires_ms = ctx->now_ms + (int64_t) MT_INVITATION_TTL_S * 1000;
  bson_t member = BSON_INITIALIZER;
  bson_t account = BSON_INITIALIZER;
  bson_t invitation;
  bson_t view;
  bson_t answer;
  mt_account_fields_t fields;
  mt_error_t store_error;
  bool ok = false;

  bson_init (out);
  token[0] = '\0';
  account_id_out[0] = '\0';
  if (!mt_members_require_manager (ctx, member_id, error)) {
    goto done;
  }
  bson_destroy (&member);
  if (!mt_members_load (ctx, member_id, &member, error)) {
    goto done;
  }
  if (!mt_bson_str_eq (&member, "status", "active") &&
      !mt_bson_str_eq (&member, "status", "pending")) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_CONFLICT,
                  "impossible d'inviter dans une structure suspendue ou supprimée",
                  "cannot invite into a suspended or deleted member");
    goto done;
  }
  fields = (mt_account_fields_t){
    .member_id = member_id,
    .email = mt_bson_str (body, "email"),
    .name = mt_bson_str (body, "name"),
    .member_role = role ? role : "staff",
    .platform_role = "member",
    .status = "invited",
    .password_hash = NULL,
  };
  if (!fields.email || !fields.name) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION, "e-mail et nom requis",
                  "e-mail and name are required");
    goto done;
  }
  bson_destroy (&account);
  if (!mt_account_build (&fields, ctx->now_ms, &account, account_id, error)) {
    goto done;
  }
  if (!mt_invitation_make (account_id, token, sizeof token, hash_hex)) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "invitation impossible",
                  "could not make the invitation");
    goto done;
  }
  BSON_APPEND_DOCUMENT_BEGIN (&account, "invitation", &invitation);
  BSON_APPEND_UTF8 (&invitation, "token_hash", hash_hex);
  BSON_APPEND_DATE_TIME (&invitation, "expires_at", expires_ms);
  BSON_APPEND_UTF8 (&invitation, "invited_by", ctx->principal->account_id);
  bson_append_document_end (&account, &invitation);
  if (!ctx->store->ops->account_insert (ctx->store, &account, &store_error)) {
    if (store_error.code == MT_ERR_DUPLICATE) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_DUPLICATE,
                    "cette adresse e-mail a déjà un compte", "this e-mail already has an account");
      mt_error_set_path (error, "/email");
    } else {
      mt_error_copy (error, &store_error);
    }
    goto done;
  }
  mt_account_public_view (&account, &view);
  BSON_APPEND_DOCUMENT (out, "account", &view);
  bson_destroy (&view);
  mt_time_format_rfc3339 (expires_ms, expires_text);
  BSON_APPEND_DOCUMENT_BEGIN (out, "invitation", &answer);
  BSON_APPEND_UTF8 (&answer, "token", token);
  BSON_APPEND_UTF8 (&answer, "expires_at", expires_text);
  bson_append_document_end (out, &answer);
  memcpy (account_id_out, account_id, MT_ID_SIZE);
  MT_INFO ("account %s invited into member %s", account_id, member_id);
  ok = true;
done:
  sodium_memzero (token, sizeof token);
  bson_destroy (&member);
  bson_destroy (&account);
  if (!ok) {
    bson_destroy (out);
    bson_init (out);
  }
  return ok;
}

bool
mt_member_remove_account (const mt_ctx_t *ctx, const char *member_id, const char *account_id,
                          mt_error_t *error)
{
  if (!mt_members_require_manager (ctx, member_id, error)) {
    return false;
  }
  return mt_privacy_erase_account (ctx, member_id, account_id, MT_ERASE_REMOVE, error);
}

int64_t
mt_member_tokens_not_before (const bson_t *member)
{
  int64_t suspended_at = mt_bson_date (member, "suspended_at", 0);
  return suspended_at ? mt_token_revocation_instant (suspended_at) : 0;
}
