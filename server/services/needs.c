/*
 * needs: the rules of needs and of their answers (see needs.h): building a need, who sees
 * what, and the create / get / search / answer / close endpoints. The search itself is the
 * listings' one (search.c) over the needs' target.
 */
#include "needs.h"

#include "accounts.h"
#include "audit.h"
#include "categories.h"
#include "events.h"
#include "listings.h"
#include "members.h"
#include "messages.h"
#include "mt_bson.h"
#include "mt_log.h"
#include "mt_time.h"
#include "quota.h"

#include <stdio.h>
#include <string.h>

#define MT_LOG_DOMAIN "needs"

/* Attempts of an answer or a closing that keeps losing compare-and-set before 409 stale. */
#define MT_NEED_ATTEMPTS 8

/* Fields of need_create.json, the only ones a body may carry. */
static const char *const mt_need_body_fields[] = { "kind",       "title",       "description",
                                                   "category",   "tags",        "territory",
                                                   "visibility", "wanted_from", "wanted_to",
                                                   NULL };

static bool
mt_need_listed (const char *key, const char *const *list)
{
  bool found = false;

  for (; *list && !found; list++) {
    found = strcmp (key, *list) == 0;
  }
  return found;
}

static bool
mt_need_not_found (mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_NOT_FOUND, "besoin introuvable", "need not found");
  return false;
}

/* ---- Rights ------------------------------------------------------------------------------- */

bool
mt_need_may_change (const mt_ctx_t *ctx, const bson_t *need)
{
  const mt_principal_t *p = ctx->principal;
  const char *owner_id = mt_bson_str (need, "owner_id");

  return p &&
         (p->is_admin || (owner_id && p->member_id[0] && strcmp (owner_id, p->member_id) == 0));
}

bool
mt_need_visible (const mt_ctx_t *ctx, const bson_t *need, const bson_t *author)
{
  const mt_principal_t *p = ctx->principal;
  const char *owner_id = mt_bson_str (need, "owner_id");
  const bool member = p && p->member_active;
  bool visible = false;

  if (mt_need_may_change (ctx, need)) {
    visible = true;
  } else if (!owner_id || !author || !mt_bson_str_eq (author, "id", owner_id) ||
             !mt_bson_str_eq (author, "status", "active")) {
    visible = false; /* an author that is not active hides its needs */
  } else if (!mt_bson_str_eq (need, "status", "open") &&
             !(member && mt_bson_str_eq (need, "status", "closed"))) {
    visible = false; /* closed needs: accounts of active members only */
  } else if (mt_bson_str_eq (need, "visibility", "public")) {
    visible = true;
  } else if (mt_bson_str_eq (need, "visibility", "networks")) {
    visible = member && mt_members_share_network (&p->member, author);
  }
  return visible;
}

void
mt_need_view (const mt_ctx_t *ctx, const bson_t *need, bson_t *out)
{
  (void) ctx;
  bson_copy_to (need, out);
}

bool
mt_need_answer_visible (const mt_ctx_t *ctx, const bson_t *need, const bson_t *answer)
{
  const mt_principal_t *p = ctx->principal;

  return mt_need_may_change (ctx, need) ||
         (p && p->member_id[0] && mt_bson_str_eq (answer, "author_member_id", p->member_id));
}

static bool
mt_need_store_search (mt_store_t *store, const mt_store_listing_query_t *query,
                      mt_store_page_t *out, mt_error_t *error)
{
  return store->ops->need_search (store, query, out, error);
}

static const char *const mt_need_statuses[] = { "open", "closed", NULL };
static const char *const mt_need_open[] = { "open", NULL };

const mt_search_target_t mt_search_needs = {
  .statuses = mt_need_statuses,
  .statuses_fr = "open ou closed",
  .statuses_en = "open or closed",
  .default_status = "open",
  .public_statuses = mt_need_open,
  .member_statuses = mt_need_statuses,
  .ranges = false,
  .search = mt_need_store_search,
  .may_change = mt_need_may_change,
  .visible = mt_need_visible,
  .view = mt_need_view,
};

/* ---- Reading ------------------------------------------------------------------------------ */

/* Reads need @id into @out (initialised here); a store "not found" becomes the service's. */
static bool
mt_need_read (const mt_ctx_t *ctx, const char *id, bson_t *out, mt_error_t *error)
{
  mt_error_t store_error = { 0 };
  bool ok = false;

  if (!id || !mt_id_is_valid (id, MT_NEED_ID_PREFIX)) {
    bson_init (out);
    mt_need_not_found (error);
  } else if (ctx->store->ops->need_get (ctx->store, id, out, &store_error)) {
    ok = true;
  } else if (store_error.code == MT_ERR_NOT_FOUND) {
    mt_need_not_found (error);
  } else {
    mt_error_copy (error, &store_error);
  }
  return ok;
}

/*
 * Reads need @id into @need_out (initialised here) and tells in *@visible whether the caller
 * sees it (reading its author only when the caller may not change it).
 */
static bool
mt_need_load (const mt_ctx_t *ctx, const char *id, bson_t *need_out, bool *visible,
              mt_error_t *error)
{
  const char *owner_id;
  mt_error_t store_error = { 0 };
  bson_t author = BSON_INITIALIZER;
  bool found = false;
  bool ok = false;

  *visible = false;
  if (!mt_need_read (ctx, id, need_out, error)) {
    goto done;
  }
  if (mt_need_may_change (ctx, need_out)) {
    *visible = true;
    ok = true;
    goto done;
  }
  owner_id = mt_bson_str (need_out, "owner_id");
  if (owner_id) {
    bson_destroy (&author); /* member_get initialises it again, whatever happens */
    found = ctx->store->ops->member_get (ctx->store, owner_id, &author, &store_error);
    if (!found && store_error.code != MT_ERR_NOT_FOUND) {
      mt_error_copy (error, &store_error);
      goto done;
    }
  }
  *visible = mt_need_visible (ctx, need_out, found ? &author : NULL);
  ok = true;
done:
  bson_destroy (&author);
  if (!ok) {
    bson_reinit (need_out);
  }
  return ok;
}

/* The same, MT_ERR_NOT_FOUND when the caller does not see it. */
static bool
mt_need_load_visible (const mt_ctx_t *ctx, const char *id, bson_t *need_out, mt_error_t *error)
{
  bool visible = false;
  bool ok = mt_need_load (ctx, id, need_out, &visible, error);

  if (ok && !visible) {
    bson_reinit (need_out);
    ok = mt_need_not_found (error);
  }
  return ok;
}

/* Appends "answers" to @out: the answers of @need the caller may see, oldest first. */
static bool
mt_need_append_answers (const mt_ctx_t *ctx, const bson_t *need, bson_t *out, mt_error_t *error)
{
  const char *id = mt_bson_str (need, "id");
  char cursor[MT_STORE_CURSOR_MAX] = "";
  mt_store_page_t page;
  uint32_t read = 0;
  uint32_t kept = 0;
  bson_t array;
  bool ok = false;

  mt_store_page_init (&page);
  BSON_APPEND_ARRAY_BEGIN (out, "answers", &array);
  /* A need holds at most MT_NEED_ANSWERS_MAX answers: that many are read at most. */
  while (id && read < MT_NEED_ANSWERS_MAX) {
    bson_iter_t it;
    mt_store_page_destroy (&page);
    if (!ctx->store->ops->need_answer_list (ctx->store, id, cursor[0] ? cursor : NULL,
                                            MT_NEED_ANSWERS_MAX - read, &page, error)) {
      goto done;
    }
    if (bson_iter_init (&it, &page.items)) {
      while (bson_iter_next (&it)) {
        const uint8_t *data = NULL;
        uint32_t len = 0;
        bson_t answer;
        read++;
        if (!BSON_ITER_HOLDS_DOCUMENT (&it)) {
          continue;
        }
        bson_iter_document (&it, &len, &data);
        if (bson_init_static (&answer, data, len) && mt_need_answer_visible (ctx, need, &answer)) {
          char key[16];
          snprintf (key, sizeof key, "%u", kept++);
          BSON_APPEND_DOCUMENT (&array, key, &answer);
        }
      }
    }
    snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
    if (!cursor[0] || page.count == 0) {
      break;
    }
  }
  ok = true;
done:
  bson_append_array_end (out, &array);
  mt_store_page_destroy (&page);
  return ok;
}

/* @need as GET /v1/needs/{id} gives it, in @out (initialised here). */
static bool
mt_need_full_view (const mt_ctx_t *ctx, const bson_t *need, bson_t *out, mt_error_t *error)
{
  bool ok;

  mt_need_view (ctx, need, out);
  ok = mt_need_append_answers (ctx, need, out, error);
  if (!ok) {
    bson_reinit (out);
  }
  return ok;
}

/* ---- Building ----------------------------------------------------------------------------- */

/* Copies the field @key of @body to @out when present (and not null). */
static void
mt_need_copy (bson_t *out, const bson_t *body, const char *key)
{
  bson_iter_t it;

  if (bson_iter_init_find (&it, body, key) && !BSON_ITER_HOLDS_NULL (&it)) {
    bson_append_iter (out, key, -1, &it);
  }
}

/* The instant at @key of @body (RFC 3339 text, or a date), in *@ms; *@present tells whether
 * the field is there. MT_ERR_VALIDATION with the field's path when it is not an instant. */
static bool
mt_need_instant (const bson_t *body, const char *key, int64_t *ms, bool *present, mt_error_t *error)
{
  char path[MT_ERROR_PATH_MAX];
  bson_iter_t it;
  bool ok = true;

  *ms = 0;
  *present = bson_iter_init_find (&it, body, key) && !BSON_ITER_HOLDS_NULL (&it);
  if (!*present) {
    return true;
  }
  if (BSON_ITER_HOLDS_DATE_TIME (&it)) {
    *ms = bson_iter_date_time (&it);
  } else if (BSON_ITER_HOLDS_UTF8 (&it)) {
    uint32_t len = 0;
    const char *text = bson_iter_utf8 (&it, &len);
    ok = mt_time_parse_rfc3339 (text, len, ms);
  } else {
    ok = false;
  }
  if (!ok) {
    snprintf (path, sizeof path, "/%s", key);
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION, "date invalide (RFC 3339 attendue)",
                  "invalid date (RFC 3339 expected)");
    mt_error_set_path (error, path);
  }
  return ok;
}

/* Every field of @body is one of need_create.json's (MT_ERR_VALIDATION with its path). */
static bool
mt_need_check_fields (const bson_t *body, mt_error_t *error)
{
  char path[MT_ERROR_PATH_MAX];
  bson_iter_t it;
  bool ok = true;

  if (bson_iter_init (&it, body)) {
    while (ok && bson_iter_next (&it)) {
      const char *key = bson_iter_key (&it);
      if (!mt_need_listed (key, mt_need_body_fields)) {
        snprintf (path, sizeof path, "/%s", key);
        mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION, "champ non autorisé « %.60s »",
                      "field not allowed \"%.60s\"", key);
        mt_error_set_path (error, path);
        ok = false;
      }
    }
  }
  return ok;
}

/* A category, when given, exists and is of @kind. */
static bool
mt_need_check_category (const char *slug, const char *kind, mt_error_t *error)
{
  const mt_category_t *category = slug ? mt_category_find (slug) : NULL;
  bool ok = false;

  if (!slug) {
    ok = true;
  } else if (!category) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                  "catégorie inconnue « %.60s » (voir GET /v1/categories)",
                  "unknown category \"%.60s\" (see GET /v1/categories)", slug);
    mt_error_set_path (error, "/category");
  } else if (strcmp (category->kind, kind) != 0) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                  "la catégorie « %.60s » n'est pas une catégorie de %s%.0s",
                  "category \"%.60s\" is not a category of %.0s%s", slug,
                  strcmp (kind, "good") == 0 ? "biens" : "services",
                  strcmp (kind, "good") == 0 ? "goods" : "services");
    mt_error_set_path (error, "/category");
  } else {
    ok = true;
  }
  return ok;
}

bool
mt_need_build (const bson_t *body, const bson_t *author_member, const char *created_by,
               int64_t now_ms, bson_t *out, char id_out[MT_ID_SIZE], mt_error_t *error)
{
  const char *kind = mt_bson_str (body, "kind");
  const char *owner_id = mt_bson_str (author_member, "id");
  const char *visibility = mt_bson_str (body, "visibility");
  char id[MT_ID_SIZE];
  int64_t from_ms = 0;
  int64_t to_ms = 0;
  bool has_from = false;
  bool has_to = false;
  bson_iter_t it;
  bool ok = false;

  bson_init (out);
  if (id_out) {
    id_out[0] = '\0';
  }
  if (!mt_need_check_fields (body, error)) {
    goto done;
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
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "auteur inconnu", "unknown author");
    goto done;
  }
  if (!mt_need_check_category (mt_bson_str (body, "category"), kind, error) ||
      !mt_need_instant (body, "wanted_from", &from_ms, &has_from, error) ||
      !mt_need_instant (body, "wanted_to", &to_ms, &has_to, error)) {
    goto done;
  }
  if (has_to && has_from && to_ms <= from_ms) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                  "wanted_to doit être après wanted_from", "wanted_to must be after wanted_from");
    mt_error_set_path (error, "/wanted_to");
    goto done;
  }
  if (has_to && to_ms <= now_ms) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE, "wanted_to est déjà passé",
                  "wanted_to is already past");
    mt_error_set_path (error, "/wanted_to");
    goto done;
  }
  mt_id_new (MT_NEED_ID_PREFIX, id);
  BSON_APPEND_UTF8 (out, "id", id);
  BSON_APPEND_INT64 (out, "version", 1);
  BSON_APPEND_UTF8 (out, "owner_id", owner_id);
  BSON_APPEND_UTF8 (out, "created_by", created_by);
  BSON_APPEND_UTF8 (out, "kind", kind);
  mt_need_copy (out, body, "title");
  mt_need_copy (out, body, "description");
  mt_need_copy (out, body, "category");
  if (bson_iter_init_find (&it, body, "tags") && BSON_ITER_HOLDS_ARRAY (&it)) {
    bson_append_iter (out, "tags", -1, &it);
  } else {
    mt_bson_append_str_array (out, "tags", NULL);
  }
  if (bson_iter_init_find (&it, body, "territory") && BSON_ITER_HOLDS_DOCUMENT (&it)) {
    bson_append_iter (out, "territory", -1, &it);
  } else if (bson_iter_init_find (&it, author_member, "territory") &&
             BSON_ITER_HOLDS_DOCUMENT (&it)) {
    bson_append_iter (out, "territory", -1, &it);
  } else {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION,
                  "territoire requis (la structure n'en a pas)",
                  "territory required (the member has none)");
    mt_error_set_path (error, "/territory");
    goto done;
  }
  BSON_APPEND_UTF8 (out, "visibility", visibility ? visibility : "networks");
  BSON_APPEND_UTF8 (out, "status", "open");
  if (has_from) {
    BSON_APPEND_DATE_TIME (out, "wanted_from", from_ms);
  }
  if (has_to) {
    BSON_APPEND_DATE_TIME (out, "wanted_to", to_ms);
  }
  BSON_APPEND_INT64 (out, "answers_count", 0);
  BSON_APPEND_DATE_TIME (out, "created_at", now_ms);
  BSON_APPEND_DATE_TIME (out, "updated_at", now_ms);
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

/* ---- Audit -------------------------------------------------------------------------------- */

/* Records the change of need @id from @from (NULL: its creation) to @to by the caller at its
 * instant, as the audit entry "<need id>:<@to>" (a need is created and closed once, so the
 * id is unique and recording again stores nothing). A failure is logged: the change stays. */
static void
mt_need_audit (const mt_ctx_t *ctx, const char *id, const char *from, const char *to,
               const char *reason)
{
  char entry_id[MT_ID_SIZE + 16];
  mt_error_t error = { 0 };
  mt_audit_entry_t entry = {
    .id = entry_id,
    .at_ms = ctx->now_ms,
    .actor = ctx->principal ? ctx->principal->account_id : "system",
    .entity = "need",
    .entity_id = id,
    .from = from,
    .to = to,
    .reason = reason,
  };

  snprintf (entry_id, sizeof entry_id, "%s:%s", id, to);
  if (!mt_audit_record (ctx->store, &entry, &error)) {
    MT_WARN ("need %s: audit entry %s not recorded: %s", id, to, error.message);
  }
}

/* ---- POST /v1/needs ------------------------------------------------------------------------ */

/* The caller is an account of an active member (a need or an answer is an organisation's). */
static bool
mt_need_check_member (const mt_ctx_t *ctx, mt_error_t *error)
{
  const mt_principal_t *p = ctx->principal;
  bool ok = false;

  if (!p) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNAUTHENTICATED, "connexion requise",
                  "sign-in required");
  } else if (!p->member_active || !p->member_id[0]) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_FORBIDDEN,
                  "votre structure n'a pas encore été validée par un administrateur",
                  "your organisation has not been approved by an administrator yet");
  } else {
    ok = true;
  }
  return ok;
}

bool
mt_need_create (const mt_ctx_t *ctx, const bson_t *body, bson_t *out, char id_out[MT_ID_SIZE],
                mt_error_t *error)
{
  const mt_principal_t *p = ctx->principal;
  bson_t need = BSON_INITIALIZER;
  bson_t empty;
  char id[MT_ID_SIZE];
  bool ok = false;

  bson_init (out);
  id_out[0] = '\0';
  if (!mt_need_check_member (ctx, error) || !mt_quota_check (ctx, MT_QUOTA_NEEDS, error)) {
    goto done;
  }
  bson_destroy (&need);
  if (!mt_need_build (body, &p->member, p->account_id, ctx->now_ms, &need, id, error) ||
      !ctx->store->ops->need_insert (ctx->store, &need, error)) {
    goto done;
  }
  bson_destroy (out);
  mt_need_view (ctx, &need, out);
  BSON_APPEND_ARRAY_BEGIN (out, "answers", &empty);
  bson_append_array_end (out, &empty);
  memcpy (id_out, id, MT_ID_SIZE);
  MT_INFO ("need %s posted by member %s", id, p->member_id);
  mt_need_audit (ctx, id, NULL, "open", NULL);
  ok = true;
done:
  bson_destroy (&need);
  if (!ok) {
    bson_reinit (out);
  }
  return ok;
}

/* ---- GET /v1/needs/{id}, GET /v1/needs ------------------------------------------------------ */

bool
mt_need_get (const mt_ctx_t *ctx, const char *id, bson_t *out, mt_error_t *error)
{
  bson_t need;
  bool ok = false;

  bson_init (out);
  if (mt_need_load_visible (ctx, id, &need, error)) {
    bson_destroy (out);
    ok = mt_need_full_view (ctx, &need, out, error);
  }
  bson_destroy (&need);
  return ok;
}

bool
mt_needs_search (const mt_ctx_t *ctx, const mt_search_params_t *params, bson_t *items,
                 char next_cursor[MT_STORE_CURSOR_MAX], mt_error_t *error)
{
  return mt_search_run_for (&mt_search_needs, ctx, params, items, next_cursor, error);
}

/* ---- POST /v1/needs/{id}/answers ----------------------------------------------------------- */

/* The listing @listing_id of an answer: visible, of the caller's member, published. */
static bool
mt_need_check_listing (const mt_ctx_t *ctx, const char *listing_id, mt_error_t *error)
{
  bson_t listing;
  bool ok = false;

  mt_error_t load_error = { 0 };
  bool loaded = mt_listing_load_visible (ctx, listing_id, &listing, NULL, &load_error);

  /* The caller always sees its own member's listings: one it does not see (or that does not
   * exist) is not its own, which is what the answer is told, without revealing more. */
  if (!loaded && load_error.code != MT_ERR_NOT_FOUND) {
    mt_error_copy (error, &load_error);
  } else if (!loaded || !mt_bson_str_eq (&listing, "owner_id", ctx->principal->member_id)) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                  "on répond avec une annonce de sa propre structure",
                  "an answer offers a listing of one's own member");
    mt_error_set_path (error, "/listing_id");
  } else if (!mt_bson_str_eq (&listing, "status", "published")) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                  "l'annonce proposée doit être publiée", "the listing offered must be published");
    mt_error_set_path (error, "/listing_id");
  } else {
    ok = true;
  }
  bson_destroy (&listing);
  return ok;
}

/* Copies @text into @out on one line (control characters become spaces). */
static void
mt_need_one_line (const char *text, char *out, size_t size)
{
  snprintf (out, size, "%s", text ? text : "");
  for (char *c = out; *c; c++) {
    if ((unsigned char) *c < 0x20 || *c == 0x7F) {
      *c = ' ';
    }
  }
}

/* Tells the author's accounts that @answer arrived on @need. A failure is logged: the answer
 * is stored and stays. */
static void
mt_need_tell_author (const mt_ctx_t *ctx, const bson_t *need, const bson_t *answer)
{
  const char *need_id = mt_bson_str (need, "id");
  const char *answer_id = mt_bson_str (answer, "id");
  const char *members[2] = { mt_bson_str (need, "owner_id"), NULL };
  char title[256];
  char text_fr[400];
  char text_en[400];
  bson_t data = BSON_INITIALIZER;
  mt_error_t error = { 0 };
  mt_event_t event = { 0 };

  mt_need_one_line (mt_bson_str (need, "title"), title, sizeof title);
  snprintf (text_fr, sizeof text_fr, "Nouvelle réponse à votre besoin « %s »", title);
  snprintf (text_en, sizeof text_en, "New answer to your need \"%s\"", title);
  BSON_APPEND_UTF8 (&data, "need_id", need_id ? need_id : "");
  BSON_APPEND_UTF8 (&data, "answer_id", answer_id ? answer_id : "");
  BSON_APPEND_UTF8 (&data, "author_member_id", mt_bson_str (answer, "author_member_id"));
  if (mt_bson_str (answer, "listing_id")) {
    BSON_APPEND_UTF8 (&data, "listing_id", mt_bson_str (answer, "listing_id"));
  }
  event.event = "need.answered";
  event.entity = "need";
  event.entity_id = need_id;
  event.key = answer_id;
  event.member_ids = members;
  event.text_fr = text_fr;
  event.text_en = text_en;
  event.data = &data;
  if (members[0] && !mt_event_emit (ctx, &event, &error)) {
    MT_WARN ("need %s: answer %s not notified: %s", need_id ? need_id : "?",
             answer_id ? answer_id : "?", error.message);
  }
  bson_destroy (&data);
}

/* True when the strings at @key of @a and @b are both absent or equal. */
static bool
mt_need_same_str (const bson_t *a, const bson_t *b, const char *key)
{
  const char *x = mt_bson_str (a, key);
  const char *y = mt_bson_str (b, key);

  return (!x && !y) || (x && y && strcmp (x, y) == 0);
}

/* MT_ERR_DUPLICATE when the caller's member already gave @need the answer @body (the same
 * listing_id and the same text, or the same absence of them). */
static bool
mt_need_answer_check_new (const mt_ctx_t *ctx, const bson_t *need, const bson_t *body,
                          mt_error_t *error)
{
  const char *id = mt_bson_str (need, "id");
  char cursor[MT_STORE_CURSOR_MAX] = "";
  mt_store_page_t page;
  uint32_t read = 0;
  bool found = false;
  bool ok = false;

  mt_store_page_init (&page);
  while (id && !found && read < MT_NEED_ANSWERS_MAX) {
    bson_iter_t it;
    mt_store_page_destroy (&page);
    if (!ctx->store->ops->need_answer_list (ctx->store, id, cursor[0] ? cursor : NULL,
                                            MT_NEED_ANSWERS_MAX - read, &page, error)) {
      goto done;
    }
    if (bson_iter_init (&it, &page.items)) {
      while (!found && bson_iter_next (&it)) {
        const uint8_t *data = NULL;
        uint32_t len = 0;
        bson_t answer;
        read++;
        if (!BSON_ITER_HOLDS_DOCUMENT (&it)) {
          continue;
        }
        bson_iter_document (&it, &len, &data);
        found = bson_init_static (&answer, data, len) &&
                mt_bson_str_eq (&answer, "author_member_id", ctx->principal->member_id) &&
                mt_need_same_str (&answer, body, "listing_id") &&
                mt_need_same_str (&answer, body, "text");
      }
    }
    snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
    if (!cursor[0] || page.count == 0) {
      break;
    }
  }
  if (found) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_DUPLICATE,
                  "votre structure a déjà fait cette réponse à ce besoin",
                  "your member has already given this answer to this need");
    goto done;
  }
  ok = true;
done:
  mt_store_page_destroy (&page);
  return ok;
}

/* Builds the answer of the caller to @need from @body in @out (initialised here). */
static void
mt_need_answer_build (const mt_ctx_t *ctx, const bson_t *need, const bson_t *body,
                      char id[MT_ID_SIZE], bson_t *out)
{
  bson_init (out);
  mt_id_new (MT_NEED_ANSWER_ID_PREFIX, id);
  BSON_APPEND_UTF8 (out, "id", id);
  BSON_APPEND_UTF8 (out, "need_id", mt_bson_str (need, "id"));
  BSON_APPEND_UTF8 (out, "author_member_id", ctx->principal->member_id);
  BSON_APPEND_UTF8 (out, "author_account_id", ctx->principal->account_id);
  mt_need_copy (out, body, "listing_id");
  mt_need_copy (out, body, "text");
  BSON_APPEND_DATE_TIME (out, "created_at", ctx->now_ms);
}

/* The body of an answer: at least one of listing_id and text, a text worth reading. */
static bool
mt_need_answer_check_body (const bson_t *body, mt_error_t *error)
{
  const char *text = mt_bson_str (body, "text");
  bool ok = false;

  if (!mt_bson_str (body, "listing_id") && !text) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION,
                  "une réponse propose une annonce (listing_id), un message (text) ou les deux",
                  "an answer offers a listing (listing_id), a message (text) or both");
  } else if (text && !mt_message_text_check (text, error)) {
    ok = false;
  } else {
    ok = true;
  }
  return ok;
}

bool
mt_need_answer (const mt_ctx_t *ctx, const char *id, const bson_t *body, bson_t *out,
                char id_out[MT_ID_SIZE], mt_error_t *error)
{
  const char *listing_id = mt_bson_str (body, "listing_id");
  bson_t need = BSON_INITIALIZER;
  bson_t counted = BSON_INITIALIZER;
  bson_t answer = BSON_INITIALIZER;
  char answer_id[MT_ID_SIZE];
  bool ok = false;

  bson_init (out);
  id_out[0] = '\0';
  if (!mt_need_check_member (ctx, error)) {
    goto done;
  }
  for (int attempt = 0;; attempt++) {
    bson_t changes = BSON_INITIALIZER;
    mt_error_t store_error = { 0 };
    int64_t version;
    int64_t count;
    bool updated;
    bson_destroy (&need);
    if (!mt_need_load_visible (ctx, id, &need, error)) {
      goto done;
    }
    if (mt_bson_str_eq (&need, "owner_id", ctx->principal->member_id)) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                    "on ne répond pas à un besoin de sa propre structure",
                    "one does not answer a need of one's own member");
      goto done;
    }
    if (attempt == 0 && (!mt_need_answer_check_body (body, error) ||
                         (listing_id && !mt_need_check_listing (ctx, listing_id, error)))) {
      goto done;
    }
    if (!mt_bson_str_eq (&need, "status", "open")) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_CONFLICT, "ce besoin est clos",
                    "this need is closed");
      goto done;
    }
    if (!mt_need_answer_check_new (ctx, &need, body, error)) {
      goto done;
    }
    count = mt_bson_int (&need, "answers_count", 0);
    if (count >= MT_NEED_ANSWERS_MAX) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                    "ce besoin a reçu le nombre maximal de réponses (%d)",
                    "this need has received the most answers it may hold (%d)",
                    MT_NEED_ANSWERS_MAX);
      goto done;
    }
    version = mt_bson_int (&need, "version", 0);
    BSON_APPEND_INT64 (&changes, "answers_count", count + 1);
    bson_destroy (&counted);
    mt_bson_merge (&need, &changes, &counted);
    bson_destroy (&changes);
    updated = ctx->store->ops->need_update (ctx->store, id, version, &counted, &store_error);
    if (updated) {
      break;
    }
    if (store_error.code == MT_ERR_NOT_FOUND) {
      mt_need_not_found (error);
      goto done;
    }
    if (store_error.code != MT_ERR_STALE || attempt + 1 >= MT_NEED_ATTEMPTS) {
      mt_error_copy (error, &store_error);
      goto done;
    }
  }
  bson_destroy (&answer);
  mt_need_answer_build (ctx, &need, body, answer_id, &answer);
  if (!ctx->store->ops->need_answer_insert (ctx->store, &answer, error)) {
    goto done;
  }
  MT_INFO ("need %s answered by member %s (%s)", id, ctx->principal->member_id, answer_id);
  mt_need_tell_author (ctx, &need, &answer);
  bson_destroy (out);
  bson_copy_to (&answer, out);
  memcpy (id_out, answer_id, MT_ID_SIZE);
  ok = true;
done:
  bson_destroy (&need);
  bson_destroy (&counted);
  bson_destroy (&answer);
  if (!ok) {
    bson_reinit (out);
  }
  return ok;
}

/* ---- POST /v1/needs/{id}/close ------------------------------------------------------------- */

static bool
mt_need_precondition_failed (mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_PRECONDITION_FAILED,
                "le besoin a été modifié entre-temps (If-Match)",
                "the need has changed meanwhile (If-Match)");
  return false;
}

bool
mt_need_close (const mt_ctx_t *ctx, const char *id, const bson_t *body, const char *if_match,
               bson_t *out, mt_error_t *error)
{
  const char *reason = body ? mt_bson_str (body, "reason") : NULL;
  bson_t need = BSON_INITIALIZER;
  bson_t closed = BSON_INITIALIZER;
  bson_t stored = BSON_INITIALIZER;
  bool ok = false;

  bson_init (out);
  if (!ctx->principal) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNAUTHENTICATED, "connexion requise",
                  "sign-in required");
    goto done;
  }
  for (int attempt = 0;; attempt++) {
    bson_t changes = BSON_INITIALIZER;
    mt_error_t store_error = { 0 };
    bool visible = false;
    int64_t version;
    bool updated;
    bson_destroy (&need);
    if (!mt_need_load (ctx, id, &need, &visible, error)) {
      goto done;
    }
    if (!visible) {
      mt_need_not_found (error);
      goto done;
    }
    if (!mt_need_may_change (ctx, &need)) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_FORBIDDEN,
                    "seuls les comptes de la structure autrice closent ce besoin",
                    "only the author's accounts may close this need");
      goto done;
    }
    version = mt_bson_int (&need, "version", 0);
    if (!mt_etag_matches (if_match, version)) {
      mt_need_precondition_failed (error);
      goto done;
    }
    if (!mt_bson_str_eq (&need, "status", "open")) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_CONFLICT, "ce besoin est déjà clos",
                    "this need is already closed");
      goto done;
    }
    BSON_APPEND_UTF8 (&changes, "status", "closed");
    BSON_APPEND_DATE_TIME (&changes, "closed_at", ctx->now_ms);
    BSON_APPEND_UTF8 (&changes, "closed_by", ctx->principal->account_id);
    if (reason) {
      BSON_APPEND_UTF8 (&changes, "closed_reason", reason);
    }
    BSON_APPEND_DATE_TIME (&changes, "updated_at", ctx->now_ms);
    bson_destroy (&closed);
    mt_bson_merge (&need, &changes, &closed);
    bson_destroy (&changes);
    updated = ctx->store->ops->need_update (ctx->store, id, version, &closed, &store_error);
    if (updated) {
      bson_destroy (&stored);
      mt_document_with_version (&closed, version + 1, &stored);
      break;
    }
    if (store_error.code == MT_ERR_NOT_FOUND) {
      mt_need_not_found (error);
      goto done;
    }
    if (store_error.code == MT_ERR_STALE && if_match) {
      mt_need_precondition_failed (error);
      goto done;
    }
    if (store_error.code != MT_ERR_STALE || attempt + 1 >= MT_NEED_ATTEMPTS) {
      mt_error_copy (error, &store_error);
      goto done;
    }
  }
  MT_INFO ("need %s closed", id);
  mt_need_audit (ctx, id, "open", "closed", reason);
  bson_destroy (out);
  ok = mt_need_full_view (ctx, &stored, out, error);
done:
  bson_destroy (&need);
  bson_destroy (&closed);
  bson_destroy (&stored);
  if (!ok) {
    bson_reinit (out);
  }
  return ok;
}
