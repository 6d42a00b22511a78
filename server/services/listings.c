/*
 * listings: the rules of listings (goods and services): building a new listing with its
 * defaults, who sees and who changes what, and the create / get / patch / delete endpoints.
 * Search, availability, photos and the CSV import live in their own services and call the
 * rights functions of listings.h.
 */
#include "listings.h"

#include "accounts.h"
#include "categories.h"
#include "members.h"
#include "mt_bson.h"
#include "mt_log.h"
#include "mt_time.h"

#include <stdio.h>
#include <string.h>

#define MT_LOG_DOMAIN "listings"

/* Attempts of a deletion without If-Match that keeps losing compare-and-set before 409. */
#define MT_LISTING_ATTEMPTS 2

/* ---- Field tables ------------------------------------------------------------------------ */

/* Fields every listing has that a member writes ("kind" at creation only). */
static const char *const mt_listing_common_fields[] = { "kind",       "title",  "description",
                                                        "category",   "tags",   "territory",
                                                        "visibility", "status", NULL };

static const char *const mt_listing_good_fields[] = { "quantity",
                                                      "condition",
                                                      "replacement_value_cents",
                                                      "deposit_cents",
                                                      "loan_rules",
                                                      "approval",
                                                      "pickup",
                                                      "blackouts",
                                                      "credit_price_per_day",
                                                      NULL };

static const char *const mt_listing_service_fields[] = { "format", "duration_minutes",
                                                         "credit_rate_per_hour", "languages",
                                                         NULL };

static bool
mt_listing_listed (const char *key, const char *const *list)
{
  for (; *list; list++) {
    if (strcmp (key, *list) == 0) {
      return true;
    }
  }
  return false;
}

/* ---- Helpers ------------------------------------------------------------------------------ */

static bool
mt_listing_not_found (mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_NOT_FOUND, "annonce introuvable",
                "listing not found");
  return false;
}

/* Points @doc (static, not to destroy) at the document or array held by @it. */
static bool
mt_listing_iter_doc (const bson_iter_t *it, bson_t *doc)
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

/*
 * Checks that every field of @body may be written on a listing of @kind: the common fields
 * (and "kind" when @allow_kind) and those of the kind. Anything else is MT_ERR_VALIDATION
 * with the field's pointer.
 */
static bool
mt_listing_check_fields (const bson_t *body, const char *kind, bool allow_kind, mt_error_t *error)
{
  bool good = strcmp (kind, "good") == 0;
  bson_iter_t it;
  char path[MT_ERROR_PATH_MAX];

  if (!bson_iter_init (&it, body)) {
    return true;
  }
  while (bson_iter_next (&it)) {
    const char *key = bson_iter_key (&it);
    snprintf (path, sizeof path, "/%s", key);
    if (mt_listing_listed (key, mt_listing_common_fields)) {
      if (strcmp (key, "kind") == 0 && !allow_kind) {
        mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION,
                      "la nature d'une annonce ne change pas",
                      "the kind of a listing never "
                      "changes");
        mt_error_set_path (error, path);
        return false;
      }
      continue;
    }
    if (mt_listing_listed (key, mt_listing_good_fields)) {
      if (good) {
        continue;
      }
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION,
                    "« %.60s » ne concerne que les biens, pas les services",
                    "\"%.60s\" applies to goods only, not to services", key);
      mt_error_set_path (error, path);
      return false;
    }
    if (mt_listing_listed (key, mt_listing_service_fields)) {
      if (!good) {
        continue;
      }
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION,
                    "« %.60s » ne concerne que les services, pas les biens",
                    "\"%.60s\" applies to services only, not to goods", key);
      mt_error_set_path (error, path);
      return false;
    }
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION, "champ non autorisé « %.60s »",
                  "field not allowed \"%.60s\"", key);
    mt_error_set_path (error, path);
    return false;
  }
  return true;
}

/* The category table decides what the schema cannot: the slug exists and matches @kind. */
static bool
mt_listing_check_category (const char *slug, const char *kind, mt_error_t *error)
{
  const mt_category_t *category = mt_category_find (slug);

  if (!category) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                  "catégorie inconnue « %.60s » (voir GET /v1/categories)",
                  "unknown category \"%.60s\" (see GET /v1/categories)", slug ? slug : "");
    mt_error_set_path (error, "/category");
    return false;
  }
  if (strcmp (category->kind, kind) != 0) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                  "la catégorie « %.60s » est une catégorie de %s%.0s",
                  "category \"%.60s\" is a category of %.0s%s", slug,
                  strcmp (category->kind, "good") == 0 ? "biens" : "services",
                  strcmp (category->kind, "good") == 0 ? "goods" : "services");
    mt_error_set_path (error, "/category");
    return false;
  }
  return true;
}

/* An instant of a blackout as given (RFC 3339 text from a body) or stored (a date). */
static bool
mt_listing_instant (const bson_iter_t *it, int64_t *ms)
{
  if (BSON_ITER_HOLDS_DATE_TIME (it)) {
    *ms = bson_iter_date_time (it);
    return true;
  }
  if (BSON_ITER_HOLDS_UTF8 (it)) {
    uint32_t len;
    const char *text = bson_iter_utf8 (it, &len);
    return mt_time_parse_rfc3339 (text, len, ms);
  }
  return false;
}

/*
 * Appends "blackouts" to @out from the array at @value, with dates instead of RFC 3339 texts.
 * Each period must end after it starts (MT_ERR_UNPROCESSABLE) and hold instants mutua can
 * represent (MT_ERR_VALIDATION: a leap second passes the schema's date-time format).
 */
static bool
mt_listing_append_blackouts (bson_t *out, const bson_iter_t *value, mt_error_t *error)
{
  bson_iter_t it;
  bson_t array;
  uint32_t index = 0;
  char path[MT_ERROR_PATH_MAX];
  bool ok = true;

  BSON_APPEND_ARRAY_BEGIN (out, "blackouts", &array);
  if (BSON_ITER_HOLDS_ARRAY (value) && bson_iter_recurse (value, &it)) {
    while (ok && bson_iter_next (&it)) {
      bson_t period;
      bson_t entry;
      bson_iter_t field;
      int64_t start = 0;
      int64_t end = 0;
      char keybuf[16];
      const char *key;
      if (!mt_listing_iter_doc (&it, &period)) {
        continue;
      }
      if (!bson_iter_init_find (&field, &period, "start") || !mt_listing_instant (&field, &start)) {
        snprintf (path, sizeof path, "/blackouts/%u/start", index);
        mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION, "date invalide", "invalid date");
        mt_error_set_path (error, path);
        ok = false;
        break;
      }
      if (!bson_iter_init_find (&field, &period, "end") || !mt_listing_instant (&field, &end)) {
        snprintf (path, sizeof path, "/blackouts/%u/end", index);
        mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION, "date invalide", "invalid date");
        mt_error_set_path (error, path);
        ok = false;
        break;
      }
      if (end <= start) {
        snprintf (path, sizeof path, "/blackouts/%u/end", index);
        mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                      "une période d'indisponibilité doit finir après son début",
                      "a blackout period must end after it starts");
        mt_error_set_path (error, path);
        ok = false;
        break;
      }
      bson_uint32_to_string (index++, &key, keybuf, sizeof keybuf);
      BSON_APPEND_DOCUMENT_BEGIN (&array, key, &entry);
      BSON_APPEND_DATE_TIME (&entry, "start", start);
      BSON_APPEND_DATE_TIME (&entry, "end", end);
      if (bson_iter_init_find (&field, &period, "reason") && BSON_ITER_HOLDS_UTF8 (&field)) {
        bson_append_iter (&entry, "reason", -1, &field);
      }
      bson_append_document_end (&array, &entry);
    }
  }
  bson_append_array_end (out, &array);
  return ok;
}

/* Appends a complete "loan_rules" to @out: the members of @given (may be NULL), defaults for
 * the others. */
static void
mt_listing_append_loan_rules (bson_t *out, const bson_t *given)
{
  static const struct {
    const char *name;
    int64_t def;
  } rules[] = {
    { "max_days", MT_LISTING_DEFAULT_MAX_DAYS },
    { "min_notice_hours", MT_LISTING_DEFAULT_MIN_NOTICE_HOURS },
    { "buffer_hours", MT_LISTING_DEFAULT_BUFFER_HOURS },
    { "horizon_days", MT_LISTING_DEFAULT_HORIZON_DAYS },
  };
  bson_t doc;

  BSON_APPEND_DOCUMENT_BEGIN (out, "loan_rules", &doc);
  for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
    BSON_APPEND_INT32 (
      &doc, rules[i].name,
      (int32_t) (given ? mt_bson_int (given, rules[i].name, rules[i].def) : rules[i].def));
  }
  bson_append_document_end (out, &doc);
}

/* Copies the field @key of @body to @out when present (and not null). */
static void
mt_listing_copy (bson_t *out, const bson_t *body, const char *key)
{
  bson_iter_t it;

  if (bson_iter_init_find (&it, body, key) && !BSON_ITER_HOLDS_NULL (&it)) {
    bson_append_iter (out, key, -1, &it);
  }
}

/* ---- Rights ------------------------------------------------------------------------------- */

bool
mt_listing_may_change (const mt_ctx_t *ctx, const bson_t *listing)
{
  const mt_principal_t *p = ctx->principal;
  const char *owner_id = mt_bson_str (listing, "owner_id");

  if (!p) {
    return false;
  }
  return p->is_admin || (owner_id && strcmp (owner_id, p->member_id) == 0);
}

bool
mt_listing_visible (const mt_ctx_t *ctx, const bson_t *listing, const bson_t *owner_member)
{
  const mt_principal_t *p = ctx->principal;
  const char *owner_id = mt_bson_str (listing, "owner_id");

  if (mt_listing_may_change (ctx, listing)) {
    return true;
  }
  /* Everyone else: a published listing of an active owner, only. */
  if (!owner_id || !owner_member || !mt_bson_str_eq (owner_member, "id", owner_id) ||
      !mt_bson_str_eq (owner_member, "status", "active") ||
      !mt_bson_str_eq (listing, "status", "published")) {
    return false;
  }
  if (mt_bson_str_eq (listing, "visibility", "public")) {
    return true;
  }
  if (mt_bson_str_eq (listing, "visibility", "networks")) {
    return p && p->member_active && mt_members_share_network (&p->member, owner_member);
  }
  return false;
}

bool
mt_listing_may_see_pickup (const mt_ctx_t *ctx, const bson_t *listing)
{
  static const char *const handed_over[] = { "approved", "checked_out", NULL };
  const mt_principal_t *p = ctx->principal;
  const char *id = mt_bson_str (listing, "id");
  mt_store_reservation_query_t query = { 0 };
  mt_store_page_t page;
  bool yes;

  if (mt_listing_may_change (ctx, listing)) {
    return true;
  }
  /* A borrower whose reservation of this listing is approved or checked out. Only asked
   * when there is a pickup to show; a store failure hides it. */
  if (!p || !p->member_id[0] || !id || !mt_bson_has (listing, "pickup")) {
    return false;
  }
  query.listing_id = id;
  query.borrower_member_id = p->member_id;
  query.statuses = handed_over;
  query.limit = 1;
  mt_store_page_init (&page);
  mt_store_page_destroy (&page);
  yes = ctx->store->ops->reservation_list (ctx->store, &query, &page, NULL) && page.count > 0;
  mt_store_page_destroy (&page);
  return yes;
}

void
mt_listing_view (const mt_ctx_t *ctx, const bson_t *listing, bson_t *out)
{
  static const char *const hidden[] = { "pickup", NULL };

  if (mt_listing_may_see_pickup (ctx, listing)) {
    bson_copy_to (listing, out);
  } else {
    mt_bson_copy_without (listing, out, hidden);
  }
}

/* Reads listing @id into @out; a store "not found" becomes the service's 404. */
static bool
mt_listing_read (const mt_ctx_t *ctx, const char *id, bson_t *out, mt_error_t *error)
{
  mt_error_t store_error;

  if (!id) {
    bson_init (out);
    return mt_listing_not_found (error);
  }
  if (ctx->store->ops->listing_get (ctx->store, id, out, &store_error)) {
    return true;
  }
  if (store_error.code == MT_ERR_NOT_FOUND) {
    return mt_listing_not_found (error);
  }
  mt_error_copy (error, &store_error);
  return false;
}

/* Reads the owner of @listing into @out; *@found tells whether it exists. */
static bool
mt_listing_read_owner (const mt_ctx_t *ctx, const bson_t *listing, bson_t *out, bool *found,
                       mt_error_t *error)
{
  const char *owner_id = mt_bson_str (listing, "owner_id");
  mt_error_t store_error;

  *found = false;
  if (!owner_id) {
    bson_init (out);
    return true;
  }
  if (ctx->store->ops->member_get (ctx->store, owner_id, out, &store_error)) {
    *found = true;
    return true;
  }
  if (store_error.code == MT_ERR_NOT_FOUND) {
    return true;
  }
  mt_error_copy (error, &store_error);
  return false;
}

bool
mt_listing_load_visible (const mt_ctx_t *ctx, const char *id, bson_t *listing_out,
                         bson_t *owner_out, mt_error_t *error)
{
  bson_t owner = BSON_INITIALIZER;
  bool found = false;
  bool ok = false;

  if (owner_out) {
    bson_init (owner_out);
  }
  if (!mt_listing_read (ctx, id, listing_out, error)) {
    goto done;
  }
  bson_destroy (&owner);
  if (!mt_listing_read_owner (ctx, listing_out, &owner, &found, error)) {
    goto done;
  }
  if (!mt_listing_visible (ctx, listing_out, found ? &owner : NULL)) {
    mt_listing_not_found (error);
    goto done;
  }
  if (owner_out) {
    bson_destroy (owner_out);
    bson_copy_to (&owner, owner_out);
  }
  ok = true;
done:
  bson_destroy (&owner);
  if (!ok) {
    bson_reinit (listing_out);
  }
  return ok;
}

bool
mt_listing_load_for_change (const mt_ctx_t *ctx, const char *id, bson_t *listing_out,
                            mt_error_t *error)
{
  bson_t owner = BSON_INITIALIZER;
  bool found = false;
  bool ok = false;

  if (!ctx->principal) {
    bson_init (listing_out);
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNAUTHENTICATED, "connexion requise",
                  "sign-in required");
    goto done;
  }
  if (!mt_listing_read (ctx, id, listing_out, error)) {
    goto done;
  }
  if (mt_listing_may_change (ctx, listing_out)) {
    ok = true;
    goto done;
  }
  bson_destroy (&owner);
  if (!mt_listing_read_owner (ctx, listing_out, &owner, &found, error)) {
    goto done;
  }
  if (mt_listing_visible (ctx, listing_out, found ? &owner : NULL)) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_FORBIDDEN,
                  "seuls les comptes de la structure propriétaire modifient cette annonce",
                  "only the owner's accounts may change this listing");
  } else {
    mt_listing_not_found (error);
  }
done:
  bson_destroy (&owner);
  if (!ok) {
    bson_reinit (listing_out);
  }
  return ok;
}

/* ---- Building ----------------------------------------------------------------------------- */

bool
mt_listing_build (const bson_t *body, const bson_t *owner_member, const char *created_by,
                  int64_t now_ms, bson_t *out, char id_out[MT_ID_SIZE], mt_error_t *error)
{
  const char *kind = mt_bson_str (body, "kind");
  const char *status = mt_bson_str (body, "status");
  const char *owner_id = mt_bson_str (owner_member, "id");
  char id[MT_ID_SIZE];
  bson_iter_t it;
  bool good;
  bool ok = false;

  bson_init (out);
  if (id_out) {
    id_out[0] = '\0';
  }
  if (!kind || (strcmp (kind, "good") != 0 && strcmp (kind, "service") != 0)) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION, "nature requise : good ou service",
                  "kind required: good or service");
    mt_error_set_path (error, "/kind");
    goto done;
  }
  if (!mt_bson_str (body, "title")) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION, "titre requis", "title required");
    mt_error_set_path (error, "/title");
    goto done;
  }
  if (!owner_id || !created_by) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "propriétaire inconnu",
                  "unknown owner");
    goto done;
  }
  good = strcmp (kind, "good") == 0;
  if (!mt_listing_check_fields (body, kind, true, error) ||
      !mt_listing_check_category (mt_bson_str (body, "category"), kind, error)) {
    goto done;
  }
  if (!status) {
    status = "draft";
  }
  mt_id_new (MT_LISTING_ID_PREFIX, id);
  BSON_APPEND_UTF8 (out, "id", id);
  BSON_APPEND_INT64 (out, "version", 1);
  BSON_APPEND_UTF8 (out, "owner_id", owner_id);
  BSON_APPEND_UTF8 (out, "created_by", created_by);
  BSON_APPEND_UTF8 (out, "kind", kind);
  mt_listing_copy (out, body, "title");
  mt_listing_copy (out, body, "description");
  mt_listing_copy (out, body, "category");
  if (bson_iter_init_find (&it, body, "tags") && BSON_ITER_HOLDS_ARRAY (&it)) {
    bson_append_iter (out, "tags", -1, &it);
  } else {
    mt_bson_append_str_array (out, "tags", NULL);
  }
  if (bson_iter_init_find (&it, body, "territory") && BSON_ITER_HOLDS_DOCUMENT (&it)) {
    bson_append_iter (out, "territory", -1, &it);
  } else if (bson_iter_init_find (&it, owner_member, "territory") &&
             BSON_ITER_HOLDS_DOCUMENT (&it)) {
    bson_append_iter (out, "territory", -1, &it);
  } else {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION,
                  "territoire requis (la structure n'en a pas)",
                  "territory required (the member has none)");
    mt_error_set_path (error, "/territory");
    goto done;
  }
  BSON_APPEND_UTF8 (out, "visibility",
                    mt_bson_str (body, "visibility") ? mt_bson_str (body, "visibility")
                                                     : "networks");
  BSON_APPEND_UTF8 (out, "status", status);
  if (good) {
    bson_t rules;
    BSON_APPEND_INT32 (out, "quantity",
                       (int32_t) mt_bson_int (body, "quantity", MT_LISTING_DEFAULT_QUANTITY));
    mt_listing_copy (out, body, "condition");
    mt_listing_copy (out, body, "replacement_value_cents");
    mt_listing_copy (out, body, "deposit_cents");
    if (bson_iter_init_find (&it, body, "loan_rules") && mt_listing_iter_doc (&it, &rules)) {
      mt_listing_append_loan_rules (out, &rules);
    } else {
      mt_listing_append_loan_rules (out, NULL);
    }
    BSON_APPEND_UTF8 (out, "approval",
                      mt_bson_str (body, "approval") ? mt_bson_str (body, "approval") : "manual");
    mt_listing_copy (out, body, "pickup");
    if (bson_iter_init_find (&it, body, "blackouts") && BSON_ITER_HOLDS_ARRAY (&it) &&
        !mt_listing_append_blackouts (out, &it, error)) {
      goto done;
    }
    mt_listing_copy (out, body, "credit_price_per_day");
  } else {
    static const char *const french[] = { "fr", NULL };
    mt_listing_copy (out, body, "format");
    mt_listing_copy (out, body, "duration_minutes");
    mt_listing_copy (out, body, "credit_rate_per_hour");
    if (bson_iter_init_find (&it, body, "languages") && BSON_ITER_HOLDS_ARRAY (&it)) {
      bson_append_iter (out, "languages", -1, &it);
    } else {
      mt_bson_append_str_array (out, "languages", french);
    }
  }
  mt_bson_append_str_array (out, "photos", NULL);
  BSON_APPEND_DATE_TIME (out, "created_at", now_ms);
  BSON_APPEND_DATE_TIME (out, "updated_at", now_ms);
  if (strcmp (status, "published") == 0) {
    BSON_APPEND_DATE_TIME (out, "published_at", now_ms);
  }
  if (id_out) {
    memcpy (id_out, id, MT_ID_SIZE);
  }
  ok = true;
done:
  if (!ok) {
    bson_reinit (out);
  }
  return ok;
}

/* ---- POST /v1/listings -------------------------------------------------------------------- */

bool
mt_listing_create (const mt_ctx_t *ctx, const bson_t *body, bson_t *out, char id_out[MT_ID_SIZE],
                   mt_error_t *error)
{
  const mt_principal_t *p = ctx->principal;
  bson_t listing = BSON_INITIALIZER;
  char id[MT_ID_SIZE];
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
  bson_destroy (&listing);
  if (!mt_listing_build (body, &p->member, p->account_id, ctx->now_ms, &listing, id, error) ||
      !ctx->store->ops->listing_insert (ctx->store, &listing, error)) {
    goto done;
  }
  bson_destroy (out);
  mt_listing_view (ctx, &listing, out);
  memcpy (id_out, id, MT_ID_SIZE);
  MT_INFO ("listing %s created by member %s", id, p->member_id);
  ok = true;
done:
  bson_destroy (&listing);
  if (!ok) {
    bson_reinit (out);
  }
  return ok;
}

/* ---- GET /v1/listings/{id} ---------------------------------------------------------------- */

bool
mt_listing_get (const mt_ctx_t *ctx, const char *id, bson_t *out, mt_error_t *error)
{
  bson_t listing;
  bool ok = mt_listing_load_visible (ctx, id, &listing, NULL, error);

  if (ok) {
    mt_listing_view (ctx, &listing, out);
  } else {
    bson_init (out);
  }
  bson_destroy (&listing);
  return ok;
}

/* ---- PATCH /v1/listings/{id} -------------------------------------------------------------- */

static bool
mt_listing_precondition_failed (mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_PRECONDITION_FAILED,
                "l'annonce a été modifiée entre-temps (If-Match)",
                "the listing has changed meanwhile (If-Match)");
  return false;
}

/*
 * The changes @patch makes to @stored, in @changes (initialised here), ready for
 * mt_bson_merge: fields checked against the stored kind, loan rules completed, blackouts as
 * dates, updated_at and, on a first publication, published_at.
 */
static bool
mt_listing_changes (const mt_ctx_t *ctx, const bson_t *stored, const bson_t *patch, bson_t *changes,
                    mt_error_t *error)
{
  const char *kind = mt_bson_str (stored, "kind");
  bson_iter_t it;

  bson_init (changes);
  if (!kind) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "annonce sans nature",
                  "listing without a kind");
    return false;
  }
  if (!mt_listing_check_fields (patch, kind, false, error)) {
    return false;
  }
  if (!bson_iter_init (&it, patch)) {
    return true;
  }
  while (bson_iter_next (&it)) {
    const char *key = bson_iter_key (&it);
    bson_t given;
    if (strcmp (key, "category") == 0) {
      if (!mt_listing_check_category (
            BSON_ITER_HOLDS_UTF8 (&it) ? bson_iter_utf8 (&it, NULL) : NULL, kind, error)) {
        return false;
      }
      bson_append_iter (changes, key, -1, &it);
    } else if (strcmp (key, "loan_rules") == 0) {
      mt_listing_append_loan_rules (changes, mt_listing_iter_doc (&it, &given) ? &given : NULL);
    } else if (strcmp (key, "blackouts") == 0 && BSON_ITER_HOLDS_ARRAY (&it)) {
      if (!mt_listing_append_blackouts (changes, &it, error)) {
        return false;
      }
    } else {
      bson_append_iter (changes, key, -1, &it);
    }
  }
  if (mt_bson_str_eq (patch, "status", "published") && !mt_bson_has (stored, "published_at")) {
    BSON_APPEND_DATE_TIME (changes, "published_at", ctx->now_ms);
  }
  BSON_APPEND_DATE_TIME (changes, "updated_at", ctx->now_ms);
  return true;
}

bool
mt_listing_patch (const mt_ctx_t *ctx, const char *id, const bson_t *patch, const char *if_match,
                  bson_t *out, mt_error_t *error)
{
  bson_t listing;
  bson_t changes = BSON_INITIALIZER;
  bson_t merged = BSON_INITIALIZER;
  bson_t stored = BSON_INITIALIZER;
  mt_error_t store_error;
  int64_t version;
  bool ok = false;

  bson_init (out);
  if (!mt_listing_load_for_change (ctx, id, &listing, error)) {
    goto done;
  }
  if (!if_match) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_PRECONDITION_REQUIRED,
                  "en-tête If-Match requis (l'ETag de l'annonce)",
                  "If-Match header required (the listing's ETag)");
    goto done;
  }
  bson_destroy (&changes);
  if (!mt_listing_changes (ctx, &listing, patch, &changes, error)) {
    goto done;
  }
  version = mt_bson_int (&listing, "version", 0);
  if (!mt_etag_matches (if_match, version)) {
    mt_listing_precondition_failed (error);
    goto done;
  }
  bson_destroy (&merged);
  mt_bson_merge (&listing, &changes, &merged);
  /* If-Match is required, so a lost race is always a precondition failure: the version the
   * client named is no longer the stored one. */
  if (!ctx->store->ops->listing_update (ctx->store, id, version, &merged, &store_error)) {
    if (store_error.code == MT_ERR_STALE) {
      mt_listing_precondition_failed (error);
    } else if (store_error.code == MT_ERR_NOT_FOUND) {
      mt_listing_not_found (error); /* deleted meanwhile */
    } else {
      mt_error_copy (error, &store_error);
    }
    goto done;
  }
  mt_document_with_version (&merged, version + 1, &stored);
  bson_destroy (out);
  mt_listing_view (ctx, &stored, out);
  ok = true;
done:
  bson_destroy (&listing);
  bson_destroy (&changes);
  bson_destroy (&merged);
  bson_destroy (&stored);
  if (!ok) {
    bson_reinit (out);
  }
  return ok;
}

/* ---- DELETE /v1/listings/{id} ------------------------------------------------------------- */

/*
 * True when listing @id has reservations: any stored reservation, whatever its status (the
 * loan history stays with its listing), or a calendar entry (a reservation being created
 * writes its entry before the reservation itself).
 */
static bool
mt_listing_has_reservations (const mt_ctx_t *ctx, const char *id, bool *has, mt_error_t *error)
{
  bson_t calendar;
  bson_iter_t it;
  bson_iter_t entry;
  int64_t count = 0;
  bool ok;

  *has = false;
  if (!ctx->store->ops->reservation_count (ctx->store, id, &count, error)) {
    return false;
  }
  ok = ctx->store->ops->calendar_get (ctx->store, id, &calendar, error);
  *has = count > 0 ||
         (ok && bson_iter_init_find (&it, &calendar, "entries") && BSON_ITER_HOLDS_ARRAY (&it) &&
          bson_iter_recurse (&it, &entry) && bson_iter_next (&entry));
  bson_destroy (&calendar);
  return ok;
}

bool
mt_listing_delete (const mt_ctx_t *ctx, const char *id, const char *if_match,
                   mt_listing_removal_t *removal, bson_t *out, mt_error_t *error)
{
  bson_t listing = BSON_INITIALIZER;
  bson_t archived = BSON_INITIALIZER;
  bson_t stored = BSON_INITIALIZER;
  bool ok = false;

  bson_init (out);
  *removal = MT_LISTING_REMOVED;
  for (int attempt = 0;; attempt++) {
    mt_error_t store_error;
    int64_t version;
    bool has_entries = false;
    bool done_now;
    bson_destroy (&listing);
    if (!mt_listing_load_for_change (ctx, id, &listing, error)) {
      goto done;
    }
    version = mt_bson_int (&listing, "version", 0);
    if (!mt_etag_matches (if_match, version)) {
      mt_listing_precondition_failed (error);
      goto done;
    }
    /* A listing with reservations (of any status) is archived, so that loans keep their
     * listing. Not atomic with the deletion: a reservation created between this check and
     * listing_delete may be left without its listing (a narrow window, accepted). */
    if (!mt_listing_has_reservations (ctx, id, &has_entries, error)) {
      goto done;
    }
    if (has_entries) {
      bson_t changes = BSON_INITIALIZER;
      *removal = MT_LISTING_ARCHIVED;
      BSON_APPEND_UTF8 (&changes, "status", "archived");
      BSON_APPEND_DATE_TIME (&changes, "updated_at", ctx->now_ms);
      bson_destroy (&archived);
      mt_bson_merge (&listing, &changes, &archived);
      bson_destroy (&changes);
      done_now = ctx->store->ops->listing_update (ctx->store, id, version, &archived, &store_error);
      if (done_now) {
        bson_destroy (&stored);
        mt_document_with_version (&archived, version + 1, &stored);
        bson_destroy (out);
        mt_listing_view (ctx, &stored, out);
      }
    } else {
      *removal = MT_LISTING_REMOVED;
      done_now = ctx->store->ops->listing_delete (ctx->store, id, version, &store_error);
    }
    if (done_now) {
      break;
    }
    if (store_error.code == MT_ERR_NOT_FOUND) {
      mt_listing_not_found (error); /* deleted meanwhile */
      goto done;
    }
    if (store_error.code == MT_ERR_STALE && if_match) {
      mt_listing_precondition_failed (error);
      goto done;
    }
    /* Without If-Match a lost race is decided again on the new state, once. */
    if (store_error.code != MT_ERR_STALE || attempt + 1 >= MT_LISTING_ATTEMPTS) {
      mt_error_copy (error, &store_error);
      goto done;
    }
  }
  MT_INFO ("listing %s %s", id, *removal == MT_LISTING_ARCHIVED ? "archived" : "deleted");
  ok = true;
done:
  bson_destroy (&listing);
  bson_destroy (&archived);
  bson_destroy (&stored);
  if (!ok) {
    bson_reinit (out);
    *removal = MT_LISTING_REMOVED;
  }
  return ok;
}
