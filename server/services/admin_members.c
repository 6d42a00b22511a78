/* admin_members: the review queue of members and their approval or suspension. */
#include "admin_members.h"

#include "accounts.h"
#include "credits.h"
#include "csv.h"
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

/* ---- GET /v1/admin/export/members.csv ------------------------------------------------------ */

#define MT_MEMBERS_COLUMNS 14
static const char *const mt_members_columns[MT_MEMBERS_COLUMNS] = {
  "id",         "name",        "kind",          "status",        "departement",
  "commune",    "networks",    "contact_email", "contact_phone", "website",
  "created_at", "approved_at", "suspended_at",  "deleted_at",
};

/* The names of @member's networks, '|'-separated, into @out (reset first), read from
 * @networks (the network_list page: [{id, name, ...}]). An unknown id is written as is. */
static void
mt_members_network_names (const bson_t *member, const bson_t *networks, mt_buf_t *out)
{
  bson_iter_t it;
  bson_iter_t ids;
  bool first = true;

  mt_buf_reset (out);
  if (!bson_iter_init_find (&it, member, "networks") || !BSON_ITER_HOLDS_ARRAY (&it) ||
      !bson_iter_recurse (&it, &ids)) {
    return;
  }
  while (bson_iter_next (&ids)) {
    const char *id = BSON_ITER_HOLDS_UTF8 (&ids) ? bson_iter_utf8 (&ids, NULL) : NULL;
    const char *name = id;
    bson_iter_t n;
    if (!id) {
      continue;
    }
    if (bson_iter_init (&n, networks)) {
      while (bson_iter_next (&n)) {
        const uint8_t *data;
        uint32_t len;
        bson_t network;
        if (!BSON_ITER_HOLDS_DOCUMENT (&n)) {
          continue;
        }
        bson_iter_document (&n, &len, &data);
        if (bson_init_static (&network, data, len) && mt_bson_str_eq (&network, "id", id) &&
            mt_bson_str (&network, "name")) {
          name = mt_bson_str (&network, "name");
          break;
        }
      }
    }
    if (!first) {
      mt_buf_append_char (out, '|');
    }
    mt_buf_append_str (out, name);
    first = false;
  }
  mt_buf_append_char (out, '\0');
}

bool
mt_admin_members_export (const mt_ctx_t *ctx, mt_buf_t *out, mt_error_t *error)
{
  mt_store_page_t networks;
  mt_csv_row_t row;
  mt_buf_t names;
  char cursor[MT_STORE_CURSOR_MAX] = "";
  bool ok = false;

  mt_store_page_init (&networks);
  mt_csv_row_init (&row, 256 * 1024);
  mt_buf_init (&names, 64 * 1024);
  if (!mt_admin_require (ctx, error)) {
    goto done;
  }
  mt_store_page_destroy (&networks);
  if (!ctx->store->ops->network_list (ctx->store, &networks, error)) {
    goto done;
  }
  if (!mt_csv_write_bom (out) ||
      !mt_csv_write_row (out, mt_members_columns, NULL, MT_MEMBERS_COLUMNS)) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL,
                  "export trop volumineux (limite du serveur)", "export too large (server limit)");
    goto done;
  }
  do {
    mt_store_member_query_t query = { .cursor = cursor[0] ? cursor : NULL,
                                      .limit = MT_STORE_PAGE_MAX };
    mt_store_page_t page;
    bson_iter_t it;
    bool page_ok = true;

    if (!ctx->store->ops->member_list (ctx->store, &query, &page, error)) {
      mt_store_page_destroy (&page);
      goto done;
    }
    if (bson_iter_init (&it, &page.items)) {
      while (page_ok && bson_iter_next (&it)) {
        const uint8_t *data;
        uint32_t len;
        bson_t member;
        if (!BSON_ITER_HOLDS_DOCUMENT (&it)) {
          continue;
        }
        bson_iter_document (&it, &len, &data);
        if (!bson_init_static (&member, data, len)) {
          continue;
        }
        mt_members_network_names (&member, &networks.items, &names);
        mt_csv_row_reset (&row);
        mt_csv_row_cell (&row, mt_bson_str (&member, "id"), false);
        mt_csv_row_cell (&row, mt_bson_str (&member, "name"), true);
        mt_csv_row_cell (&row, mt_bson_str (&member, "kind"), false);
        mt_csv_row_cell (&row, mt_bson_str (&member, "status"), false);
        mt_csv_row_cell (&row, mt_bson_str (&member, "territory.departement"), false);
        mt_csv_row_cell (&row, mt_bson_str (&member, "territory.commune"), true);
        mt_csv_row_cell (&row, names.len ? names.data : "", true);
        mt_csv_row_cell (&row, mt_bson_str (&member, "contact.email"), true);
        mt_csv_row_cell (&row, mt_bson_str (&member, "contact.phone"), true);
        mt_csv_row_cell (&row, mt_bson_str (&member, "contact.website"), true);
        mt_csv_row_date (&row, &member, "created_at");
        mt_csv_row_date (&row, &member, "approved_at");
        mt_csv_row_date (&row, &member, "suspended_at");
        mt_csv_row_date (&row, &member, "deleted_at");
        page_ok = !names.failed && mt_csv_row_write (&row, out, error);
      }
    }
    memcpy (cursor, page.next_cursor, sizeof cursor);
    mt_store_page_destroy (&page);
    if (!page_ok) {
      if (names.failed) {
        mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "ligne trop longue",
                      "row too long");
      }
      goto done;
    }
  } while (cursor[0]);
  ok = true;
done:
  mt_store_page_destroy (&networks);
  mt_csv_row_destroy (&row);
  mt_buf_destroy (&names);
  return ok;
}
