/* admin_members: the review queue of members and their approval or suspension. */
#include "admin_members.h"

#include "accounts.h"
#include "credits.h"
#include "members.h"
#include "mt_bson.h"
#include "mt_log.h"

#include <string.h>

#define MT_LOG_DOMAIN "admin"

/* Attempts of a transition that keeps losing compare-and-set before MT_ERR_STALE. */
#define MT_ADMIN_ATTEMPTS 2

static bool
mt_admin_require (const mt_ctx_t *ctx, mt_error_t *error)
{
  if (!ctx->principal || !ctx->principal->is_admin) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_FORBIDDEN, "réservé aux administrateurs",
                  "administrators only");
    return false;
  }
  return true;
}

bool
mt_admin_members_list (const mt_ctx_t *ctx, const char *status, const char *cursor,
                       const char *limit_text, mt_store_page_t *page, mt_error_t *error)
{
  static const char *const statuses[] = { "pending", "active", "suspended", "deleted", NULL };
  mt_store_member_query_t query = { 0 };
  uint32_t limit;
  bool known = false;
  bool ok = false;

  mt_store_page_init (page);
  if (!mt_admin_require (ctx, error) || !mt_list_limit_parse (limit_text, &limit, error)) {
    goto done;
  }
  if (!status) {
    status = "pending";
  }
  for (const char *const *s = statuses; *s; s++) {
    known = known || strcmp (*s, status) == 0;
  }
  if (!known) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_BAD_REQUEST,
                  "paramètre status invalide (pending, active, suspended ou deleted)",
                  "invalid status parameter (pending, active, suspended or deleted)");
    goto done;
  }
  query.status = status;
  query.cursor = cursor;
  query.limit = limit;
  mt_store_page_destroy (page);
  ok = ctx->store->ops->member_list (ctx->store, &query, page, error);
done:
  return ok;
}

/* One transition: the fields to set once the checks pass. */
typedef struct {
  const char *to;     /* new status */
  const char *reason; /* suspension reason, or NULL */
} mt_admin_transition_t;

/* Checks the transition of @member (stored) and builds the updated document in @next. */
static bool
mt_admin_build (const mt_ctx_t *ctx, const bson_t *member, const mt_admin_transition_t *t,
                bson_t *next, mt_error_t *error)
{
  static const char *const approving[] = { "status",      "status_reason", "approved_at",
                                           "approved_by", "updated_at",    NULL };
  static const char *const suspending[] = {
    "status", "status_reason", "suspended_at", "suspended_by", "updated_at", "tokens_not_before",
    NULL
  };
  const char *from = mt_bson_str (member, "status");
  bool approve = strcmp (t->to, "active") == 0;
  bool allowed;

  bson_init (next);
  from = from ? from : "";
  if (approve) {
    allowed = strcmp (from, "pending") == 0 || strcmp (from, "suspended") == 0;
  } else {
    allowed = strcmp (from, "pending") == 0 || strcmp (from, "active") == 0;
  }
  if (!allowed) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_CONFLICT,
                  "transition impossible : la structure est « %s »",
                  "illegal transition: the member is \"%s\"", from);
    return false;
  }
  if (!approve && mt_bson_str_eq (member, "kind", "platform")) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_CONFLICT,
                  "la structure de la plateforme ne peut pas être suspendue",
                  "the platform's own member cannot be suspended");
    return false;
  }
  if (!approve && mt_bson_str_eq (member, "id", ctx->principal->member_id)) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_CONFLICT,
                  "vous ne pouvez pas suspendre votre propre structure",
                  "you cannot suspend your own member");
    return false;
  }
  bson_destroy (next);
  mt_bson_copy_without (member, next, approve ? approving : suspending);
  BSON_APPEND_UTF8 (next, "status", t->to);
  if (approve) {
    BSON_APPEND_DATE_TIME (next, "approved_at", ctx->now_ms);
    BSON_APPEND_UTF8 (next, "approved_by", ctx->principal->account_id);
  } else {
    BSON_APPEND_UTF8 (next, "status_reason", t->reason);
    BSON_APPEND_DATE_TIME (next, "suspended_at", ctx->now_ms);
    BSON_APPEND_UTF8 (next, "suspended_by", ctx->principal->account_id);
  }
  BSON_APPEND_DATE_TIME (next, "updated_at", ctx->now_ms);
  return true;
}

static bool
mt_admin_transition (const mt_ctx_t *ctx, const char *id, const mt_admin_transition_t *t,
                     bson_t *out, mt_error_t *error)
{
  bson_t member = BSON_INITIALIZER;
  bson_t next = BSON_INITIALIZER;
  bool ok = false;

  bson_init (out);
  if (!mt_admin_require (ctx, error)) {
    goto done;
  }
  for (int attempt = 0;; attempt++) {
    mt_error_t store_error;
    int64_t version;
    bson_destroy (&member);
    if (!ctx->store->ops->member_get (ctx->store, id, &member, &store_error)) {
      if (store_error.code == MT_ERR_NOT_FOUND) {
        mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_NOT_FOUND, "structure introuvable",
                      "member not found");
      } else {
        mt_error_copy (error, &store_error);
      }
      goto done;
    }
    bson_destroy (&next);
    if (!mt_admin_build (ctx, &member, t, &next, error)) {
      goto done;
    }
    version = mt_bson_int (&member, "version", 0);
    if (ctx->store->ops->member_update (ctx->store, id, version, &next, &store_error)) {
      bson_destroy (out);
      mt_document_with_version (&next, version + 1, out);
      break;
    }
    /* A lost race: read again and decide again (the other writer may have made this
     * transition illegal, which then answers 409). */
    if (store_error.code != MT_ERR_STALE || attempt + 1 >= MT_ADMIN_ATTEMPTS) {
      mt_error_copy (error, &store_error);
      goto done;
    }
  }
  MT_INFO ("member %s is now %s", id, t->to);
  if (strcmp (t->to, "active") == 0 && mt_bson_str_eq (&member, "status", "pending")) {
    /* The first approval: the welcome grant (once per member: id "welcome:<member>"). */
    mt_error_t credits_error = { 0 };
    if (!mt_credits_welcome (ctx, id, ctx->principal->account_id, &credits_error)) {
      MT_WARN ("welcome grant of %s not made: %s", id, credits_error.message);
    }
  }
  ok = true;
done:
  bson_destroy (&member);
  bson_destroy (&next);
  if (!ok) {
    bson_destroy (out);
    bson_init (out);
  }
  return ok;
}

bool
mt_admin_member_approve (const mt_ctx_t *ctx, const char *id, bson_t *out, mt_error_t *error)
{
  mt_admin_transition_t t = { .to = "active", .reason = NULL };
  return mt_admin_transition (ctx, id, &t, out, error);
}

bool
mt_admin_member_suspend (const mt_ctx_t *ctx, const char *id, const char *reason, bson_t *out,
                         mt_error_t *error)
{
  mt_admin_transition_t t = { .to = "suspended", .reason = reason };

  if (!reason || !*reason) {
    bson_init (out);
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION, "motif requis",
                  "a reason is required");
    mt_error_set_path (error, "/reason");
    return false;
  }
  return mt_admin_transition (ctx, id, &t, out, error);
}
