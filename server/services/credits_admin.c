/*
 * credits_admin: the endpoints of the credits ledger (docs/API.md, "Credits"): one's
 * statement, administrators' grants and reversals; see credits.h.
 */
#include "credits.h"

#include "lists.h"
#include "mt_bson.h"
#include "mt_id.h"
#include "mt_log.h"

#include <stdio.h>
#include <string.h>

#define MT_LOG_DOMAIN "credits"

/* The fields of an entry as the API shows it (ledger_entry.json), in this order. */
static const char *const mt_credits_entry_fields[] = { "id",       "from",       "to",
                                                       "amount",   "reason",     "ref",
                                                       "reverses", "created_at", NULL };

/* Appends to @out the fields of @entry the API shows (an allow-list). */
static void
mt_credits_entry_view (const bson_t *entry, bson_t *out)
{
  for (const char *const *field = mt_credits_entry_fields; *field; field++) {
    bson_iter_t it;
    if (bson_iter_init_find (&it, entry, *field)) {
      bson_append_iter (out, *field, -1, &it);
    }
  }
}

static bool
mt_credits_require_admin (const mt_ctx_t *ctx, mt_error_t *error)
{
  if (!ctx->principal || !ctx->principal->is_admin) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_FORBIDDEN, "réservé aux administrateurs",
                  "administrators only");
    return false;
  }
  if (!mt_credits_enabled (ctx)) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_CONFLICT, "les crédits ne sont pas activés",
                  "credits are not enabled");
    return false;
  }
  return true;
}

/* ---- GET /v1/me/ledger -------------------------------------------------------------------- */

bool
mt_credits_statement (const mt_ctx_t *ctx, const char *cursor, const char *limit_text, bson_t *out,
                      char next_cursor[MT_STORE_CURSOR_MAX], mt_error_t *error)
{
  mt_store_page_t page;
  char cursor_copy[MT_STORE_CURSOR_MAX];
  uint32_t limit = 0;
  int64_t balance = 0;
  bson_t items;
  bson_iter_t it;
  uint32_t index = 0;
  bool enabled = mt_credits_enabled (ctx);
  bool ok = false;

  bson_init (out);
  mt_store_page_init (&page);
  next_cursor[0] = '\0';
  /* The caller may pass the previous page's next_cursor buffer as @cursor. */
  snprintf (cursor_copy, sizeof cursor_copy, "%s", cursor ? cursor : "");
  if (!ctx->principal || !ctx->principal->member_id[0]) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNAUTHENTICATED, "connexion requise",
                  "sign-in required");
    goto done;
  }
  if (!mt_list_limit_parse (limit_text, &limit, error)) {
    goto done;
  }
  if (cursor && strlen (cursor) >= MT_STORE_CURSOR_MAX) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_BAD_REQUEST, "curseur invalide",
                  "invalid cursor");
    mt_error_set_path (error, "cursor");
    goto done;
  }
  if (enabled) {
    if (!mt_credits_balance (ctx, ctx->principal->member_id, &balance, error)) {
      goto done;
    }
    mt_store_page_destroy (&page);
    if (!ctx->store->ops->ledger_list (ctx->store, ctx->principal->member_id,
                                       cursor_copy[0] ? cursor_copy : NULL, limit, &page, error)) {
      if (error && error->code == MT_ERR_BAD_REQUEST) {
        mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_BAD_REQUEST, "curseur invalide",
                      "invalid cursor");
        mt_error_set_path (error, "cursor");
      }
      goto done;
    }
  }
  BSON_APPEND_BOOL (out, "enabled", enabled);
  BSON_APPEND_INT64 (out, "balance", balance);
  BSON_APPEND_INT64 (out, "floor", mt_credits_floor (ctx));
  BSON_APPEND_ARRAY_BEGIN (out, "items", &items);
  if (enabled && bson_iter_init (&it, &page.items)) {
    while (bson_iter_next (&it)) {
      const uint8_t *data;
      uint32_t len;
      bson_t entry;
      bson_t view;
      char keybuf[16];
      const char *key;
      if (!BSON_ITER_HOLDS_DOCUMENT (&it)) {
        continue;
      }
      bson_iter_document (&it, &len, &data);
      if (!bson_init_static (&entry, data, len)) {
        continue;
      }
      bson_uint32_to_string (index++, &key, keybuf, sizeof keybuf);
      BSON_APPEND_DOCUMENT_BEGIN (&items, key, &view);
      mt_credits_entry_view (&entry, &view);
      bson_append_document_end (&items, &view);
    }
  }
  bson_append_array_end (out, &items);
  if (enabled && page.next_cursor[0]) {
    snprintf (next_cursor, MT_STORE_CURSOR_MAX, "%s", page.next_cursor);
    BSON_APPEND_UTF8 (out, "next_cursor", next_cursor);
  } else {
    BSON_APPEND_NULL (out, "next_cursor");
  }
  ok = true;
done:
  mt_store_page_destroy (&page);
  if (!ok) {
    bson_reinit (out);
    next_cursor[0] = '\0';
  }
  return ok;
}

/* ---- POST /v1/admin/ledger/grants ---------------------------------------------------------- */

bool
mt_credits_admin_grant (const mt_ctx_t *ctx, const bson_t *body, bson_t *out, mt_error_t *error)
{
  const char *member_id = mt_bson_str (body, "member_id");
  const char *reason = mt_bson_str (body, "reason");
  int64_t amount = mt_bson_int (body, "amount", 0);
  bson_t member = BSON_INITIALIZER;
  bson_t entry = BSON_INITIALIZER;
  mt_error_t store_error = { 0 };
  char token[64];
  char id[MT_CREDITS_ENTRY_ID_MAX + 1];
  bool ok = false;

  bson_init (out);
  if (!mt_credits_require_admin (ctx, error)) {
    goto done;
  }
  if (amount < 1 || amount > MT_CREDITS_AMOUNT_MAX) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION,
                  "montant invalide (de 1 à 1 000 000)", "invalid amount (1 to 1,000,000)");
    mt_error_set_path (error, "/amount");
    goto done;
  }
  if (!reason || !*reason) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION, "motif requis",
                  "a reason is required");
    mt_error_set_path (error, "/reason");
    goto done;
  }
  bson_destroy (&member);
  if (!member_id || !ctx->store->ops->member_get (ctx->store, member_id, &member, &store_error) ||
      mt_bson_str_eq (&member, "status", "deleted")) {
    if (member_id && store_error.code != MT_ERR_NONE && store_error.code != MT_ERR_NOT_FOUND) {
      mt_error_copy (error, &store_error);
    } else {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_NOT_FOUND, "structure introuvable",
                    "member not found");
      mt_error_set_path (error, "/member_id");
    }
    goto done;
  }
  mt_id_random_token (16, token, sizeof token);
  snprintf (id, sizeof id, "grant_%s", token);
  bson_destroy (&entry);
  if (!mt_credits_transfer_full (ctx, id, MT_CREDITS_SYSTEM, member_id, amount, reason, NULL, NULL,
                                 NULL, NULL, &entry, error)) {
    goto done;
  }
  bson_destroy (out);
  bson_init (out);
  mt_credits_entry_view (&entry, out);
  ok = true;
done:
  bson_destroy (&member);
  bson_destroy (&entry);
  if (!ok) {
    bson_reinit (out);
  }
  return ok;
}

/* ---- POST /v1/admin/ledger/entries/{id}/reverse -------------------------------------------- */

static bool
mt_credits_entry_not_found (mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_NOT_FOUND, "écriture introuvable",
                "entry not found");
  return false;
}

/* Finds the stored entry @id into @out (initialised here): unknown -> 404. */
static bool
mt_credits_find (const mt_ctx_t *ctx, const char *id, bson_t *out, mt_error_t *error)
{
  mt_error_t store_error = { 0 };

  if (!ctx->store->ops->ledger_get) {
    bson_init (out);
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_NOT_IMPLEMENTED,
                  "ce stockage ne gère pas les crédits", "this store has no credits ledger");
    return false;
  }
  if (ctx->store->ops->ledger_get (ctx->store, id, out, &store_error)) {
    return true;
  }
  if (store_error.code == MT_ERR_NOT_FOUND) {
    return mt_credits_entry_not_found (error);
  }
  mt_error_copy (error, &store_error);
  return false;
}

bool
mt_credits_admin_reverse (const mt_ctx_t *ctx, const char *entry_id, const bson_t *body,
                          bson_t *out, mt_error_t *error)
{
  const char *reason = body ? mt_bson_str (body, "reason") : NULL;
  bson_t original = BSON_INITIALIZER;
  bson_t entry = BSON_INITIALIZER;
  char id[MT_CREDITS_ENTRY_ID_MAX + 1];
  const char *from;
  const char *to;
  bool done_before = false;
  bool ok = false;
  int n;

  bson_init (out);
  if (!mt_credits_require_admin (ctx, error)) {
    goto done;
  }
  if (!reason || !*reason) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION, "motif requis",
                  "a reason is required");
    mt_error_set_path (error, "/reason");
    goto done;
  }
  if (!entry_id || !*entry_id || strlen (entry_id) > MT_CREDITS_ENTRY_ID_MAX) {
    mt_credits_entry_not_found (error);
    goto done;
  }
  bson_destroy (&original);
  if (!mt_credits_find (ctx, entry_id, &original, error)) {
    goto done;
  }
  n = snprintf (id, sizeof id, "reverse:%s", entry_id);
  if (n < 0 || (size_t) n >= sizeof id) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                  "cette écriture ne peut plus être contre-passée (identifiant trop long)",
                  "this entry cannot be reversed any more (id too long)");
    goto done;
  }
  from = mt_bson_str (&original, "from");
  to = mt_bson_str (&original, "to");
  bson_destroy (&entry);
  /* The reversal pays back: its payer is the original payee, under the same floor. */
  if (!mt_credits_transfer_full (ctx, id, to, from, mt_bson_int (&original, "amount", 0), reason,
                                 mt_bson_str (&original, "ref"), entry_id, NULL, &done_before,
                                 &entry, error)) {
    goto done;
  }
  if (done_before) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_CONFLICT,
                  "cette écriture a déjà été contre-passée", "this entry was reversed already");
    goto done;
  }
  bson_destroy (out);
  bson_init (out);
  mt_credits_entry_view (&entry, out);
  MT_INFO ("entry %s reversed by %s", entry_id, id);
  ok = true;
done:
  bson_destroy (&original);
  bson_destroy (&entry);
  if (!ok) {
    bson_reinit (out);
  }
  return ok;
}
