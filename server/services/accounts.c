/*
 * accounts: building and presenting account documents.
 */
#include "accounts.h"

#include "mt_bson.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

bool
mt_email_key (const char *email, char out[MT_EMAIL_MAX + 1])
{
  const char *start = email;
  const char *end;
  size_t len;

  while (*start == ' ' || *start == '\t') {
    start++;
  }
  end = start + strlen (start);
  while (end > start && (end[-1] == ' ' || end[-1] == '\t')) {
    end--;
  }
  len = (size_t) (end - start);
  if (len == 0 || len > MT_EMAIL_MAX) {
    return false;
  }
  for (size_t i = 0; i < len; i++) {
    out[i] = (char) tolower ((unsigned char) start[i]);
  }
  out[len] = '\0';
  return true;
}

bool
mt_account_build (const mt_account_fields_t *f, int64_t now_ms, bson_t *out,
                  char id_out[MT_ID_SIZE], mt_error_t *error)
{
  char id[MT_ID_SIZE];
  char key[MT_EMAIL_MAX + 1];

  bson_init (out);
  if (!mt_email_key (f->email, key)) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION, "adresse e-mail invalide",
                  "invalid e-mail address");
    mt_error_set_path (error, "/email");
    return false;
  }
  mt_id_new ("acc", id);
  BSON_APPEND_UTF8 (out, "id", id);
  BSON_APPEND_INT64 (out, "version", 1);
  BSON_APPEND_UTF8 (out, "member_id", f->member_id);
  BSON_APPEND_UTF8 (out, "email", key);
  BSON_APPEND_UTF8 (out, "email_key", key);
  BSON_APPEND_UTF8 (out, "name", f->name);
  BSON_APPEND_UTF8 (out, "member_role", f->member_role);
  BSON_APPEND_UTF8 (out, "platform_role", f->platform_role);
  BSON_APPEND_UTF8 (out, "status", f->status);
  if (f->password_hash) {
    BSON_APPEND_UTF8 (out, "password_hash", f->password_hash);
  }
  BSON_APPEND_DATE_TIME (out, "tokens_not_before", 0);
  BSON_APPEND_DATE_TIME (out, "created_at", now_ms);
  BSON_APPEND_DATE_TIME (out, "updated_at", now_ms);
  if (id_out) {
    memcpy (id_out, id, MT_ID_SIZE);
  }
  return true;
}

/* Copies the fields of @account named in @shown (NULL-terminated) into @out. An allow-list:
 * a field added to accounts later (a secret, say) stays hidden until a view names it. */
static void
mt_account_view (const bson_t *account, const char *const *shown, bson_t *out)
{
  bson_iter_t it;

  bson_init (out);
  for (const char *const *key = shown; *key; key++) {
    if (bson_iter_init_find (&it, account, *key)) {
      bson_append_iter (out, *key, -1, &it);
    }
  }
}

void
mt_account_public_view (const bson_t *account, bson_t *out)
{
  /* The properties of schemas/account.json. */
  static const char *const shown[] = { "id",   "version",     "member_id",     "email",
                                       "name", "member_role", "platform_role", "status",
                                       "lang", "created_at",  "updated_at",    "erased_at",
                                       NULL };
  mt_account_view (account, shown, out);
}

void
mt_account_colleague_view (const bson_t *account, bson_t *out)
{
  static const char *const shown[] = { "id",     "name",       "email", "member_role",
                                       "status", "created_at", NULL };
  mt_account_view (account, shown, out);
}

bool
mt_account_is_active (const bson_t *account)
{
  return mt_bson_str_eq (account, "status", "active");
}

void
mt_account_anonymised (const bson_t *account, const char *status, int64_t now_ms, bson_t *out)
{
  static const char *const erased[] = { "name",
                                        "email",
                                        "email_key",
                                        "status",
                                        "password_hash",
                                        "invitation",
                                        "lang",
                                        "tokens_not_before",
                                        "updated_at",
                                        "erased_at",
                                        "calendar_token",
                                        "calendar_token_hash",
                                        "calendar_token_created_at",
                                        NULL };
  const char *id = mt_bson_str (account, "id");
  char placeholder[MT_EMAIL_MAX + 1];
  bson_t kept;

  snprintf (placeholder, sizeof placeholder, "deleted+%s@invalid", id ? id : "");
  mt_bson_copy_without (account, &kept, erased);
  bson_init (out);
  bson_concat (out, &kept);
  bson_destroy (&kept);
  BSON_APPEND_UTF8 (out, "name", "Compte supprimé");
  BSON_APPEND_UTF8 (out, "email", placeholder);
  BSON_APPEND_UTF8 (out, "email_key", placeholder);
  BSON_APPEND_UTF8 (out, "status", status);
  BSON_APPEND_DATE_TIME (out, "tokens_not_before", now_ms);
  BSON_APPEND_DATE_TIME (out, "erased_at", now_ms);
  BSON_APPEND_DATE_TIME (out, "updated_at", now_ms);
}

void
mt_document_with_version (const bson_t *doc, int64_t version, bson_t *out)
{
  bson_iter_t it;
  bool seen = false;

  bson_init (out);
  if (bson_iter_init (&it, doc)) {
    while (bson_iter_next (&it)) {
      if (strcmp (bson_iter_key (&it), "version") == 0) {
        BSON_APPEND_INT64 (out, "version", version);
        seen = true;
      } else {
        bson_append_iter (out, bson_iter_key (&it), -1, &it);
      }
    }
  }
  if (!seen) {
    BSON_APPEND_INT64 (out, "version", version);
  }
}

/* ---- If-Match ----------------------------------------------------------------------------- */

/* Parses one entity tag (W/"12" or "12") at *p, advancing *p past it. */
static bool
mt_etag_parse_one (const char **p, int64_t *version)
{
  const char *s = *p;
  int64_t v = 0;
  int digits = 0;

  if (s[0] == 'W' && s[1] == '/') {
    s += 2;
  }
  if (*s != '"') {
    return false;
  }
  s++;
  while (*s >= '0' && *s <= '9') {
    if (digits >= 18) {
      return false;
    }
    v = v * 10 + (*s - '0');
    digits++;
    s++;
  }
  if (digits == 0 || *s != '"') {
    return false;
  }
  *p = s + 1;
  *version = v;
  return true;
}

bool
mt_etag_matches (const char *if_match, int64_t version)
{
  const char *p = if_match;

  if (!if_match) {
    return true;
  }
  while (*p == ' ' || *p == '\t') {
    p++;
  }
  if (p[0] == '*' && (p[1] == '\0' || p[1] == ' ' || p[1] == '\t')) {
    return true;
  }
  for (;;) {
    int64_t tag;
    while (*p == ' ' || *p == '\t' || *p == ',') {
      p++;
    }
    if (*p == '\0' || !mt_etag_parse_one (&p, &tag)) {
      return false;
    }
    if (tag == version) {
      return true;
    }
  }
}

/* ---- /v1/me ------------------------------------------------------------------------------- */

static bool
mt_me_require (const mt_ctx_t *ctx, mt_error_t *error)
{
  if (!ctx->principal) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNAUTHENTICATED, "connexion requise",
                  "sign-in required");
    return false;
  }
  return true;
}

bool
mt_me_get (const mt_ctx_t *ctx, bson_t *out, mt_error_t *error)
{
  bson_t view;

  bson_init (out);
  if (!mt_me_require (ctx, error)) {
    return false;
  }
  mt_account_public_view (&ctx->principal->account, &view);
  BSON_APPEND_DOCUMENT (out, "account", &view);
  BSON_APPEND_DOCUMENT (out, "member", &ctx->principal->member);
  bson_destroy (&view);
  return true;
}

bool
mt_me_patch (const mt_ctx_t *ctx, const bson_t *patch, const char *if_match, bson_t *out,
             mt_error_t *error)
{
  static const char *const allowed[] = { "name", "lang", NULL };
  bson_t account = BSON_INITIALIZER;
  bson_t changes = BSON_INITIALIZER;
  bson_t merged = BSON_INITIALIZER;
  bson_iter_t it;
  mt_error_t store_error;
  bool ok = false;

  bson_init (out);
  if (!mt_me_require (ctx, error)) {
    goto done;
  }
  /* The schema already refuses anything else; keep the rule here too. */
  for (const char *const *key = allowed; *key; key++) {
    if (bson_iter_init_find (&it, patch, *key) && BSON_ITER_HOLDS_UTF8 (&it)) {
      bson_append_iter (&changes, *key, -1, &it);
    }
  }
  BSON_APPEND_DATE_TIME (&changes, "updated_at", ctx->now_ms);
  for (int attempt = 0;; attempt++) {
    int64_t version;
    bson_destroy (&account);
    if (!ctx->store->ops->account_get (ctx->store, ctx->principal->account_id, &account, error)) {
      goto done;
    }
    version = mt_bson_int (&account, "version", 0);
    if (!mt_etag_matches (if_match, version)) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_PRECONDITION_FAILED,
                    "le compte a été modifié entre-temps (If-Match)",
                    "the account has changed meanwhile (If-Match)");
      goto done;
    }
    bson_destroy (&merged);
    mt_bson_merge (&account, &changes, &merged);
    if (ctx->store->ops->account_update (ctx->store, ctx->principal->account_id, version, &merged,
                                         &store_error)) {
      bson_t stored;
      mt_document_with_version (&merged, version + 1, &stored);
      mt_account_public_view (&stored, out);
      bson_destroy (&stored);
      break;
    }
    if (store_error.code != MT_ERR_STALE || if_match || attempt > 0) {
      mt_error_copy (error, &store_error);
      if (store_error.code == MT_ERR_STALE && if_match) {
        mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_PRECONDITION_FAILED,
                      "le compte a été modifié entre-temps (If-Match)",
                      "the account has changed meanwhile (If-Match)");
      }
      goto done;
    }
  }
  ok = true;
done:
  bson_destroy (&account);
  bson_destroy (&changes);
  bson_destroy (&merged);
  if (!ok) {
    bson_destroy (out);
    bson_init (out);
  }
  return ok;
}
