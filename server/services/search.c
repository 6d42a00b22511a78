/* search: GET /v1/listings, GET /v1/needs and GET /v1/listings/{id}/availability (see
 * search.h). */
#include "search.h"

#include "availability.h"
#include "categories.h"
#include "listings.h"
#include "members.h"
#include "mt_bson.h"
#include "mt_id.h"
#include "mt_json.h"
#include "mt_log.h"
#include "mt_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MT_LOG_DOMAIN "search"

#define MT_SEARCH_DAY_MS INT64_C (86400000)
/* Store pages read at most for one page of results (each examines at least one candidate). */
#define MT_SEARCH_ROUNDS_MAX 20

/* Sets a 400 naming parameter @name (the error's path). */
#define mt_search_bad(error, name, fr, en, ...)                                                    \
  do {                                                                                             \
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_BAD_REQUEST, fr, en, ##__VA_ARGS__);            \
    mt_error_set_path (error, name);                                                               \
  } while (0)

/* --- Words ------------------------------------------------------------------------------ */

/* White space and control characters separate words. */
static bool
mt_search_is_separator (unsigned char c)
{
  return c <= 0x20 || c == 0x7F;
}

/* ASCII letters and digits, and every byte of a non-ASCII character, can be part of an
 * indexed word; ASCII punctuation cannot. */
static bool
mt_search_is_wordish (unsigned char c)
{
  return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool
mt_search_terms_split (const char *q, mt_search_terms_t *out, mt_error_t *error)
{
  size_t len = q ? strnlen (q, MT_SEARCH_Q_MAX_BYTES + 1) : 0;
  size_t i = 0;
  bool ok = false;

  memset (out, 0, sizeof *out);
  if (len > MT_SEARCH_Q_MAX_BYTES) {
    mt_search_bad (error, "q", "paramètre q trop long (au plus %d octets)",
                   "q parameter too long (at most %d bytes)", MT_SEARCH_Q_MAX_BYTES);
    goto done;
  }
  if (!mt_utf8_is_valid (q ? q : "", len)) {
    mt_search_bad (error, "q", "paramètre q invalide (UTF-8 attendu)",
                   "invalid q parameter (UTF-8 expected)");
    goto done;
  }
  while (i < len && out->count < MT_SEARCH_TERMS_MAX) {
    size_t start;
    size_t word_len;
    bool wordish = false;
    while (i < len && mt_search_is_separator ((unsigned char) q[i])) {
      i++;
    }
    start = i;
    while (i < len && !mt_search_is_separator ((unsigned char) q[i])) {
      wordish = wordish || mt_search_is_wordish ((unsigned char) q[i]);
      i++;
    }
    word_len = i - start;
    if (word_len == 0 || !wordish) {
      continue;
    }
    if (word_len > MT_SEARCH_TERM_MAX_BYTES) {
      /* Cut before the character that crosses the limit (never inside one). */
      word_len = MT_SEARCH_TERM_MAX_BYTES;
      while (word_len > 0 && ((unsigned char) q[start + word_len] & 0xC0) == 0x80) {
        word_len--;
      }
    }
    memcpy (out->storage[out->count], q + start, word_len);
    out->storage[out->count][word_len] = '\0';
    out->terms[out->count] = out->storage[out->count];
    out->count++;
  }
  ok = true;
done:
  return ok;
}

/* --- Ranges ------------------------------------------------------------------------------ */

bool
mt_search_range_parse (const char *from, const char *to, const char *from_name, const char *to_name,
                       int64_t *from_ms, int64_t *to_ms, mt_error_t *error)
{
  bool ok = false;

  *from_ms = 0;
  *to_ms = 0;
  if (!from || !to) {
    const char *missing = from ? to_name : from_name;
    const char *other = from ? from_name : to_name;
    mt_search_bad (error, missing, "paramètre %s requis avec %s", "%s parameter required with %s",
                   missing, other);
  } else if (!mt_time_parse_rfc3339 (from, strlen (from), from_ms)) {
    mt_search_bad (error, from_name, "paramètre %s invalide (date RFC 3339 attendue)",
                   "invalid %s parameter (RFC 3339 date-time expected)", from_name);
  } else if (!mt_time_parse_rfc3339 (to, strlen (to), to_ms)) {
    mt_search_bad (error, to_name, "paramètre %s invalide (date RFC 3339 attendue)",
                   "invalid %s parameter (RFC 3339 date-time expected)", to_name);
  } else if (*from_ms >= *to_ms) {
    mt_search_bad (error, to_name, "%s doit être après %s", "%s must be after %s", to_name,
                   from_name);
  } else if (*to_ms - *from_ms > MT_SEARCH_RANGE_MAX_DAYS * MT_SEARCH_DAY_MS) {
    mt_search_bad (error, to_name, "période trop longue (au plus %d jours)",
                   "range too long (at most %d days)", MT_SEARCH_RANGE_MAX_DAYS);
  } else {
    ok = true;
  }
  if (!ok) {
    *from_ms = 0;
    *to_ms = 0;
  }
  return ok;
}

/* --- The query --------------------------------------------------------------------------- */

/* True when @value is one of @allowed (NULL-terminated). */
static bool
mt_search_one_of (const char *value, const char *const *allowed)
{
  bool found = false;

  for (const char *const *a = allowed; *a && !found; a++) {
    found = strcmp (value, *a) == 0;
  }
  return found;
}

/* A French département code: 01 to 95, 2A, 2B, 971 to 976 (common.json). */
static bool
mt_search_departement_valid (const char *d)
{
  size_t len = strlen (d);
  bool ok = false;

  if (len == 2 && d[0] == '2' && (d[1] == 'A' || d[1] == 'B')) {
    ok = true;
  } else if (len == 2 && d[0] >= '0' && d[0] <= '9' && d[1] >= '0' && d[1] <= '9') {
    int n = (d[0] - '0') * 10 + (d[1] - '0');
    ok = n >= 1 && n <= 95;
  } else if (len == 3 && d[0] == '9' && d[1] == '7' && d[2] >= '1' && d[2] <= '6') {
    ok = true;
  }
  return ok;
}

/* A cursor has the shape of one the store produces: printable ASCII, bounded. */
static bool
mt_search_cursor_valid (const char *cursor)
{
  size_t len = strnlen (cursor, MT_SEARCH_CURSOR_MAX_BYTES + 1);
  bool ok = len <= MT_SEARCH_CURSOR_MAX_BYTES;

  for (size_t i = 0; ok && i < len; i++) {
    ok = cursor[i] > 0x20 && cursor[i] < 0x7F;
  }
  return ok;
}

/* The network ids of @member (NULL-terminated, borrowed from it), or NULL when it has none.
 * Returns false on allocation failure. */
static bool
mt_search_networks_of (const bson_t *member, const char ***out)
{
  bson_iter_t it;
  bson_iter_t child;
  size_t n = 0;
  bool ok = true;

  *out = NULL;
  if (!bson_iter_init_find (&it, member, "networks") || !BSON_ITER_HOLDS_ARRAY (&it) ||
      !bson_iter_recurse (&it, &child)) {
    goto done;
  }
  while (bson_iter_next (&child)) {
    n += BSON_ITER_HOLDS_UTF8 (&child) ? 1 : 0;
  }
  if (n == 0 || !bson_iter_recurse (&it, &child)) {
    goto done;
  }
  *out = calloc (n + 1, sizeof **out);
  if (!*out) {
    ok = false;
    goto done;
  }
  n = 0;
  while (bson_iter_next (&child)) {
    if (BSON_ITER_HOLDS_UTF8 (&child)) {
      (*out)[n++] = bson_iter_utf8 (&child, NULL);
    }
  }
done:
  return ok;
}

/* --- Targets ------------------------------------------------------------------------------ */

static bool
mt_search_listing_store (mt_store_t *store, const mt_store_listing_query_t *query,
                         mt_store_page_t *out, mt_error_t *error)
{
  return store->ops->listing_search (store, query, out, error);
}

static const char *const mt_search_listing_statuses[] = { "draft", "published", "paused",
                                                          "archived", NULL };
static const char *const mt_search_listing_seen[] = { "published", NULL };

const mt_search_target_t mt_search_listings = {
  .statuses = mt_search_listing_statuses,
  .statuses_fr = "draft, published, paused ou archived",
  .statuses_en = "draft, published, paused or archived",
  .default_status = "published",
  .public_statuses = mt_search_listing_seen,
  .member_statuses = mt_search_listing_seen,
  .ranges = true,
  .search = mt_search_listing_store,
  .may_change = mt_listing_may_change,
  .visible = mt_listing_visible,
  .view = mt_listing_view,
};

/* Checks every parameter but the range and the limit. */
static bool
mt_search_params_check (const mt_search_target_t *target, const mt_search_params_t *params,
                        mt_error_t *error)
{
  static const char *const kinds[] = { "good", "service", NULL };
  static const char *const sorts[] = { "relevance", "recent", NULL };
  bool ok = false;

  if (params->kind && !mt_search_one_of (params->kind, kinds)) {
    mt_search_bad (error, "kind", "paramètre kind invalide (good ou service)",
                   "invalid kind parameter (good or service)");
  } else if (params->category && !mt_category_find (params->category)) {
    mt_search_bad (error, "category", "catégorie inconnue (voir /v1/categories)",
                   "unknown category (see /v1/categories)");
  } else if (params->departement && !mt_search_departement_valid (params->departement)) {
    mt_search_bad (error, "departement",
                   "paramètre departement invalide (01 à 95, 2A, 2B, 971 à 976)",
                   "invalid departement parameter (01 to 95, 2A, 2B, 971 to 976)");
  } else if (params->owner && !mt_id_is_valid (params->owner, NULL)) {
    mt_search_bad (error, "owner", "paramètre owner invalide (identifiant de structure)",
                   "invalid owner parameter (a member id)");
  } else if (params->network && !mt_id_is_valid (params->network, NULL)) {
    mt_search_bad (error, "network", "paramètre network invalide (identifiant de réseau)",
                   "invalid network parameter (a network id)");
  } else if (params->status && !mt_search_one_of (params->status, target->statuses)) {
    mt_search_bad (error, "status", "paramètre status invalide (%s%.0s)",
                   "invalid status parameter (%.0s%s)", target->statuses_fr, target->statuses_en);
  } else if (params->sort && !mt_search_one_of (params->sort, sorts)) {
    mt_search_bad (error, "sort", "paramètre sort invalide (relevance ou recent)",
                   "invalid sort parameter (relevance or recent)");
  } else if (params->cursor && !mt_search_cursor_valid (params->cursor)) {
    mt_search_bad (error, "cursor", "paramètre cursor invalide", "invalid cursor parameter");
  } else {
    ok = true;
  }
  return ok;
}

/* Who sees what, and which statuses (see search.h). */
static bool
mt_search_plan_visibility (const mt_search_target_t *target, const mt_principal_t *caller,
                           const mt_search_params_t *params, mt_search_plan_t *plan)
{
  mt_store_listing_query_t *q = &plan->query;
  const bool admin = caller && caller->is_admin;
  const char *own = caller && caller->member_id[0] ? caller->member_id : NULL;
  const bool owner_is_own = own && params->owner && strcmp (params->owner, own) == 0;
  const char *const *seen =
    caller && caller->member_active ? target->member_statuses : target->public_statuses;
  bool ok = true;

  if (admin) {
    q->any_visibility = true;
  } else {
    q->own_member_id = own;
    if (caller && caller->member_active) {
      ok = mt_search_networks_of (&caller->member, &plan->visible_networks);
      q->visible_networks = plan->visible_networks;
    }
  }
  if (params->status) {
    plan->statuses[0] = params->status;
    q->statuses = plan->statuses;
    if (!admin && !mt_search_one_of (params->status, seen)) {
      /* Only one's own documents can be seen in a status others do not see. */
      if (!own || (params->owner && !owner_is_own)) {
        plan->nothing = true;
      }
      q->owner_id = own;
    }
  } else if ((admin && params->owner) || owner_is_own) {
    q->statuses = NULL; /* every status of that owner */
  } else {
    plan->statuses[0] = target->default_status;
    q->statuses = plan->statuses;
  }
  return ok;
}

bool
mt_search_plan_build_for (const mt_search_target_t *target, const mt_principal_t *caller,
                          const mt_search_params_t *params, mt_search_plan_t *plan,
                          mt_error_t *error)
{
  mt_store_listing_query_t *q = &plan->query;
  bool ok = false;

  memset (plan, 0, sizeof *plan);
  if (!mt_search_terms_split (params->q, &plan->terms, error) ||
      !mt_search_params_check (target, params, error) ||
      !mt_list_limit_parse (params->limit, &plan->limit, error)) {
    goto done;
  }
  if (target->ranges && (params->available_from || params->available_to)) {
    if (!mt_search_range_parse (params->available_from, params->available_to, "available_from",
                                "available_to", &plan->from_ms, &plan->to_ms, error)) {
      goto done;
    }
    plan->has_range = true;
  }
  q->terms = plan->terms.count > 0 ? plan->terms.terms : NULL;
  q->kind = params->kind;
  q->category = params->category;
  q->departement = params->departement;
  q->owner_id = params->owner;
  q->network_id = params->network;
  q->sort = plan->terms.count > 0 && (!params->sort || strcmp (params->sort, "relevance") == 0)
              ? MT_LISTING_SORT_RELEVANCE
              : MT_LISTING_SORT_RECENT;
  q->cursor = params->cursor && params->cursor[0] ? params->cursor : NULL;
  q->limit = plan->limit;
  if (!mt_search_plan_visibility (target, caller, params, plan)) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "mémoire insuffisante",
                  "out of memory");
    goto done;
  }
  ok = true;
done:
  if (!ok) {
    mt_search_plan_destroy (plan);
  }
  return ok;
}

bool
mt_search_plan_build (const mt_principal_t *caller, const mt_search_params_t *params,
                      mt_search_plan_t *plan, mt_error_t *error)
{
  return mt_search_plan_build_for (&mt_search_listings, caller, params, plan, error);
}

void
mt_search_plan_destroy (mt_search_plan_t *plan)
{
  if (plan) {
    free (plan->visible_networks);
    memset (plan, 0, sizeof *plan);
  }
}

/* --- Running it ---------------------------------------------------------------------------- */

/* Owners read during one search, so that each is read once. */
typedef struct {
  char id[MT_ID_SIZE];
  bool found;
  bson_t doc;
} mt_search_owner_t;

typedef struct {
  mt_search_owner_t *items; /* MT_SEARCH_CANDIDATES_MAX slots, allocated on first use */
  size_t count;
} mt_search_owners_t;

static void
mt_search_owners_destroy (mt_search_owners_t *owners)
{
  for (size_t i = 0; i < owners->count; i++) {
    bson_destroy (&owners->items[i].doc);
  }
  free (owners->items);
  owners->items = NULL;
  owners->count = 0;
}

/* The stored owner @id (borrowed from @owners), or *@owner = NULL when there is none. */
static bool
mt_search_owner (const mt_ctx_t *ctx, mt_search_owners_t *owners, const char *id,
                 const bson_t **owner, mt_error_t *error)
{
  mt_search_owner_t *slot = NULL;
  mt_error_t store_error = { 0 };
  bool ok = false;

  *owner = NULL;
  if (!id || strlen (id) >= MT_ID_SIZE) {
    ok = true; /* not an id: no owner */
    goto done;
  }
  for (size_t i = 0; i < owners->count; i++) {
    if (strcmp (owners->items[i].id, id) == 0) {
      *owner = owners->items[i].found ? &owners->items[i].doc : NULL;
      ok = true;
      goto done;
    }
  }
  if (!owners->items) {
    owners->items = calloc (MT_SEARCH_CANDIDATES_MAX, sizeof *owners->items);
    if (!owners->items) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "mémoire insuffisante",
                    "out of memory");
      goto done;
    }
  }
  if (owners->count >= MT_SEARCH_CANDIDATES_MAX) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "trop de propriétaires",
                  "too many owners");
    goto done;
  }
  slot = &owners->items[owners->count];
  snprintf (slot->id, sizeof slot->id, "%s", id);
  slot->found = ctx->store->ops->member_get (ctx->store, id, &slot->doc, &store_error);
  owners->count++;
  if (!slot->found && store_error.code != MT_ERR_NOT_FOUND) {
    mt_error_copy (error, &store_error);
    goto done;
  }
  *owner = slot->found ? &slot->doc : NULL;
  ok = true;
done:
  return ok;
}

/* Units of good @listing free over the plan's range, through its blackouts and calendar. */
static bool
mt_search_free_units (const mt_ctx_t *ctx, const bson_t *listing, int64_t from_ms, int64_t to_ms,
                      uint32_t *free_units, mt_error_t *error)
{
  const char *id = mt_bson_str (listing, "id");
  mt_avail_owned_calendar_t cal;
  mt_avail_summary_t summary;
  mt_error_t load_error = { 0 };
  bson_t calendar;
  bool ok = false;

  *free_units = 0;
  memset (&cal, 0, sizeof cal);
  if (!ctx->store->ops->calendar_get (ctx->store, id ? id : "", &calendar, error)) {
    goto done;
  }
  if (!mt_avail_calendar_load (listing, &calendar, NULL, &cal, &load_error) ||
      !mt_avail_summarise (&cal.calendar, from_ms, to_ms, &summary, &load_error)) {
    /* A broken calendar hides the good from the filter rather than failing every search. */
    MT_WARN ("listing %s: %s", id ? id : "?", load_error.message);
    ok = true;
    goto done;
  }
  *free_units = summary.free;
  ok = true;
done:
  mt_avail_calendar_release (&cal);
  bson_destroy (&calendar);
  return ok;
}

/* Whether the search keeps @listing (a document of @target): visible to the caller, and
 * available when asked. */
static bool
mt_search_keep (const mt_search_target_t *target, const mt_ctx_t *ctx, const mt_search_plan_t *plan,
                mt_search_owners_t *owners, const bson_t *listing, bool *keep, mt_error_t *error)
{
  const bson_t *owner = NULL;
  uint32_t free_units = 0;
  bool ok = false;

  *keep = false;
  if (!target->may_change (ctx, listing) &&
      !mt_search_owner (ctx, owners, mt_bson_str (listing, "owner_id"), &owner, error)) {
    goto done;
  }
  if (!target->visible (ctx, listing, owner)) {
    ok = true;
    goto done;
  }
  if (plan->has_range && mt_bson_str_eq (listing, "kind", "good")) {
    if (!mt_search_free_units (ctx, listing, plan->from_ms, plan->to_ms, &free_units, error)) {
      goto done;
    }
    *keep = free_units >= 1;
  } else {
    *keep = true;
  }
  ok = true;
done:
  return ok;
}

bool
mt_search_run_for (const mt_search_target_t *target, const mt_ctx_t *ctx,
                   const mt_search_params_t *params, bson_t *items,
                   char next_cursor[MT_STORE_CURSOR_MAX], mt_error_t *error)
{
  mt_search_plan_t plan;
  mt_search_owners_t owners = { NULL, 0 };
  mt_store_page_t page;
  char cursor[MT_STORE_CURSOR_MAX];
  uint32_t kept = 0;
  uint32_t examined = 0;
  bool ok = false;

  bson_init (items);
  next_cursor[0] = '\0';
  mt_store_page_init (&page);
  if (!mt_search_plan_build_for (target, ctx->principal, params, &plan, error)) {
    goto done;
  }
  if (plan.nothing) {
    ok = true;
    goto done;
  }
  snprintf (cursor, sizeof cursor, "%s", plan.query.cursor ? plan.query.cursor : "");
  for (int round = 0;
       round < MT_SEARCH_ROUNDS_MAX && kept < plan.limit && examined < MT_SEARCH_CANDIDATES_MAX;
       round++) {
    mt_store_listing_query_t q = plan.query;
    bson_iter_t it;
    uint32_t want = plan.limit - kept;
    /* Never more than the page can hold, so that the store's cursor is exactly after the
     * last candidate examined. */
    q.limit =
      want < MT_SEARCH_CANDIDATES_MAX - examined ? want : MT_SEARCH_CANDIDATES_MAX - examined;
    q.cursor = cursor[0] ? cursor : NULL;
    mt_store_page_destroy (&page); /* the store initialises it again */
    if (!target->search (ctx->store, &q, &page, error)) {
      if (error && error->code == MT_ERR_BAD_REQUEST) {
        mt_search_bad (error, "cursor", "paramètre cursor invalide (curseur inconnu)",
                       "invalid cursor parameter (unknown cursor)");
      }
      goto done;
    }
    if (bson_iter_init (&it, &page.items)) {
      while (bson_iter_next (&it)) {
        const uint8_t *data = NULL;
        uint32_t len = 0;
        bson_t listing;
        bool keep = false;
        if (!BSON_ITER_HOLDS_DOCUMENT (&it)) {
          continue;
        }
        bson_iter_document (&it, &len, &data);
        if (!bson_init_static (&listing, data, len)) {
          continue;
        }
        examined++;
        if (!mt_search_keep (target, ctx, &plan, &owners, &listing, &keep, error)) {
          goto done;
        }
        if (keep) {
          char key[16];
          bson_t view;
          target->view (ctx, &listing, &view);
          snprintf (key, sizeof key, "%u", kept++);
          BSON_APPEND_DOCUMENT (items, key, &view);
          bson_destroy (&view);
        }
      }
    }
    snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
    if (!cursor[0] || page.count == 0) {
      break;
    }
  }
  snprintf (next_cursor, MT_STORE_CURSOR_MAX, "%s", cursor);
  ok = true;
done:
  if (!ok) {
    bson_reinit (items);
    next_cursor[0] = '\0';
  }
  mt_store_page_destroy (&page);
  mt_search_owners_destroy (&owners);
  mt_search_plan_destroy (&plan);
  return ok;
}

bool
mt_search_run (const mt_ctx_t *ctx, const mt_search_params_t *params, bson_t *items,
               char next_cursor[MT_STORE_CURSOR_MAX], mt_error_t *error)
{
  return mt_search_run_for (&mt_search_listings, ctx, params, items, next_cursor, error);
}

/* --- Availability -------------------------------------------------------------------------- */

bool
mt_search_availability (const mt_ctx_t *ctx, const char *id, const char *from, const char *to,
                        bson_t *out, mt_error_t *error)
{
  mt_avail_owned_calendar_t cal;
  mt_avail_busy_t busy = { NULL, 0 };
  mt_avail_summary_t summary;
  bson_t listing = BSON_INITIALIZER;
  bson_t calendar = BSON_INITIALIZER;
  bson_t array;
  int64_t from_ms = 0;
  int64_t to_ms = 0;
  bool ok = false;

  bson_init (out);
  memset (&cal, 0, sizeof cal);
  if (!mt_search_range_parse (from, to, "from", "to", &from_ms, &to_ms, error)) {
    goto done;
  }
  bson_destroy (&listing);
  if (!mt_listing_load_visible (ctx, id, &listing, NULL, error)) {
    goto done;
  }
  if (!mt_bson_str_eq (&listing, "kind", "good")) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                  "un service n'a pas de calendrier de disponibilité",
                  "a service has no availability calendar");
    goto done;
  }
  bson_destroy (&calendar);
  if (!ctx->store->ops->calendar_get (ctx->store, id, &calendar, error) ||
      !mt_avail_calendar_load (&listing, &calendar, NULL, &cal, error) ||
      !mt_avail_busy (&cal.calendar, from_ms, to_ms, &busy, error) ||
      !mt_avail_summarise (&cal.calendar, from_ms, to_ms, &summary, error)) {
    goto done;
  }
  BSON_APPEND_UTF8 (out, "listing_id", id);
  BSON_APPEND_DATE_TIME (out, "from", from_ms);
  BSON_APPEND_DATE_TIME (out, "to", to_ms);
  BSON_APPEND_INT64 (out, "quantity", cal.calendar.quantity);
  BSON_APPEND_INT64 (out, "free", summary.free);
  BSON_APPEND_ARRAY_BEGIN (out, "busy", &array);
  for (size_t i = 0; i < busy.count; i++) {
    const mt_avail_segment_t *s = &busy.items[i];
    char key[24];
    bson_t segment;
    snprintf (key, sizeof key, "%zu", i);
    BSON_APPEND_DOCUMENT_BEGIN (&array, key, &segment);
    BSON_APPEND_DATE_TIME (&segment, "start", s->start_ms);
    BSON_APPEND_DATE_TIME (&segment, "end", s->end_ms);
    BSON_APPEND_INT64 (&segment, "units", s->units);
    BSON_APPEND_UTF8 (&segment, "reason", mt_avail_reason_name (s->reason));
    bson_append_document_end (&array, &segment);
  }
  bson_append_array_end (out, &array);
  ok = true;
done:
  if (!ok) {
    bson_reinit (out);
  }
  mt_avail_busy_destroy (&busy);
  mt_avail_calendar_release (&cal);
  bson_destroy (&listing);
  bson_destroy (&calendar);
  return ok;
}
