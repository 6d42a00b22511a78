/*
 * demo: loading the demonstration data set of demo_data.c into the store, idempotently.
 */
#include "demo.h"

#include "accounts.h"
#include "bookings.h"
#include "credits.h"
#include "listings.h"
#include "members.h"
#include "messages.h"
#include "needs.h"
#include "mt_bson.h"
#include "mt_log.h"
#include "mt_schema.h"
#include "mt_time.h"
#include "notifications.h"
#include "passwords.h"
#include "reservations.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MT_LOG_DOMAIN "demo"

#define MT_DEMO_DAY_MS INT64_C (86400000)
#define MT_DEMO_HOUR_MS INT64_C (3600000)
#define MT_DEMO_MINUTE_MS INT64_C (60000)

/* Store pages of one owner's listings read to recognise its demo listings (bounds the scan:
 * 100 pages of MT_STORE_PAGE_MAX listings). */
#define MT_DEMO_OWNER_PAGES_MAX 100

/* Store pages of one borrower's reservations of one listing read to recognise a demo
 * reservation (bounds the scan). */
#define MT_DEMO_RESERVATION_PAGES_MAX 100

/* State of one load. */
typedef struct {
  const mt_ctx_t *ctx;
  mt_demo_result_t *result;
  char network_ids[MT_DEMO_NETWORK_COUNT][MT_ID_SIZE];
  char hash[MT_PASSWORD_HASH_SIZE]; /* of MT_DEMO_PASSWORD, made on first need */
  bool hashed;
} mt_demo_loader_t;

/* Copies the string @key of @doc into @out when it has the shape of an id. */
static bool
mt_demo_copy_id (const bson_t *doc, const char *key, char out[MT_ID_SIZE])
{
  const char *id = mt_bson_str (doc, key);
  const bool ok = id && strlen (id) == MT_ID_LEN;

  if (ok) {
    memcpy (out, id, MT_ID_SIZE);
  }
  return ok;
}

/*
 * Looks every demo network up by slug: found[i] tells whether mt_demo_networks[i] is stored,
 * with its id in ids[i].
 */
static bool
mt_demo_find_networks (const mt_ctx_t *ctx, char ids[MT_DEMO_NETWORK_COUNT][MT_ID_SIZE],
                       bool found[MT_DEMO_NETWORK_COUNT], mt_error_t *error)
{
  mt_store_page_t page;
  bson_iter_t iter;
  bool ok = false;

  memset (found, 0, sizeof (bool) * MT_DEMO_NETWORK_COUNT);
  if (!ctx->store->ops->network_list (ctx->store, &page, error)) {
    goto done;
  }
  if (!bson_iter_init (&iter, &page.items)) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "liste des réseaux illisible",
                  "unreadable network list");
    goto done;
  }
  while (bson_iter_next (&iter)) {
    const uint8_t *data;
    uint32_t len;
    bson_t network;
    const char *slug;

    if (!BSON_ITER_HOLDS_DOCUMENT (&iter)) {
      continue;
    }
    bson_iter_document (&iter, &len, &data);
    if (!bson_init_static (&network, data, len) || !(slug = mt_bson_str (&network, "slug"))) {
      continue;
    }
    for (size_t i = 0; i < MT_DEMO_NETWORK_COUNT; i++) {
      if (!found[i] && strcmp (slug, mt_demo_networks[i].slug) == 0) {
        found[i] = mt_demo_copy_id (&network, "id", ids[i]);
      }
    }
  }
  ok = true;
done:
  mt_store_page_destroy (&page);
  return ok;
}

/* Finds or creates the demo networks; their ids land in loader->network_ids. */
static bool
mt_demo_ensure_networks (mt_demo_loader_t *loader, mt_error_t *error)
{
  const mt_ctx_t *ctx = loader->ctx;
  bool found[MT_DEMO_NETWORK_COUNT];
  bson_t doc = BSON_INITIALIZER;
  bool ok = false;

  if (!mt_demo_find_networks (ctx, loader->network_ids, found, error)) {
    goto done;
  }
  for (size_t i = 0; i < MT_DEMO_NETWORK_COUNT; i++) {
    const mt_demo_network_t *net = &mt_demo_networks[i];

    if (found[i]) {
      continue;
    }
    bson_reinit (&doc);
    mt_id_new ("net", loader->network_ids[i]);
    BSON_APPEND_UTF8 (&doc, "id", loader->network_ids[i]);
    BSON_APPEND_INT64 (&doc, "version", 1);
    BSON_APPEND_UTF8 (&doc, "slug", net->slug);
    BSON_APPEND_UTF8 (&doc, "name", net->name);
    BSON_APPEND_UTF8 (&doc, "description", net->description);
    BSON_APPEND_DATE_TIME (&doc, "created_at", ctx->now_ms);
    BSON_APPEND_DATE_TIME (&doc, "updated_at", ctx->now_ms);
    if (!ctx->store->ops->network_insert (ctx->store, &doc, error)) {
      goto done;
    }
    loader->result->networks_created++;
  }
  ok = true;
done:
  bson_destroy (&doc);
  return ok;
}

/* Hashes MT_DEMO_PASSWORD the first time an account is about to be created. */
static bool
mt_demo_ensure_hash (mt_demo_loader_t *loader, mt_error_t *error)
{
  if (!loader->hashed) {
    loader->hashed =
      mt_password_hash (loader->ctx->env->config, MT_DEMO_PASSWORD, loader->hash, error);
  }
  return loader->hashed;
}

/*
 * Looks the account of @email up: *@found tells whether it exists, and then its member id is
 * copied to @member_id.
 */
static bool
mt_demo_find_account (const mt_ctx_t *ctx, const char *email, bool *found,
                      char member_id[MT_ID_SIZE], mt_error_t *error)
{
  char key[MT_EMAIL_MAX + 1];
  bson_t account = BSON_INITIALIZER;
  mt_error_t local;
  bool ok = false;

  *found = false;
  if (!mt_email_key (email, key)) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "e-mail de démonstration invalide",
                  "invalid demo e-mail");
    goto done;
  }
  mt_error_clear (&local);
  bson_destroy (&account);
  if (ctx->store->ops->account_find_by_email (ctx->store, key, &account, &local)) {
    *found = true;
    ok = mt_demo_copy_id (&account, "member_id", member_id);
    if (!ok) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL,
                    "compte de démonstration sans structure", "demo account without a member");
    }
  } else if (local.code == MT_ERR_NOT_FOUND) {
    ok = true;
  } else {
    mt_error_copy (error, &local);
  }
done:
  bson_destroy (&account);
  return ok;
}

/* Builds the account document of @person in @member_id (@out is initialised here). */
static bool
mt_demo_build_account (const mt_demo_loader_t *loader, const char *member_id,
                       const mt_demo_person_t *person, bson_t *out, mt_error_t *error)
{
  mt_account_fields_t fields = {
    .member_id = member_id,
    .email = person->email,
    .name = person->name,
    .member_role = person->member_role,
    .platform_role = "member",
    .status = "active",
    .password_hash = loader->hash,
  };

  return mt_account_build (&fields, loader->ctx->now_ms, out, NULL, error);
}

/* The profile of @org as a sign-up would give it (@out is initialised here). */
static void
mt_demo_build_profile (const mt_demo_loader_t *loader, const mt_demo_org_t *org, bson_t *out)
{
  const char *networks[MT_DEMO_NETWORK_COUNT + 1];
  size_t n = 0;
  bson_t territory, coordinates, contact;

  bson_init (out);
  BSON_APPEND_UTF8 (out, "name", org->name);
  BSON_APPEND_UTF8 (out, "kind", org->kind);
  BSON_APPEND_DOCUMENT_BEGIN (out, "territory", &territory);
  BSON_APPEND_UTF8 (&territory, "departement", org->departement);
  BSON_APPEND_UTF8 (&territory, "commune", org->commune);
  BSON_APPEND_DOCUMENT_BEGIN (&territory, "coordinates", &coordinates);
  BSON_APPEND_DOUBLE (&coordinates, "lat", org->lat);
  BSON_APPEND_DOUBLE (&coordinates, "lon", org->lon);
  bson_append_document_end (&territory, &coordinates);
  bson_append_document_end (out, &territory);
  BSON_APPEND_UTF8 (out, "description", org->description);
  BSON_APPEND_DOCUMENT_BEGIN (out, "contact", &contact);
  BSON_APPEND_UTF8 (&contact, "email", org->email);
  if (org->phone) {
    BSON_APPEND_UTF8 (&contact, "phone", org->phone);
  }
  if (org->website) {
    BSON_APPEND_UTF8 (&contact, "website", org->website);
  }
  bson_append_document_end (out, &contact);
  for (size_t i = 0; i < MT_DEMO_NETWORK_COUNT; i++) {
    if (org->networks & (1u << i)) {
      networks[n++] = loader->network_ids[i];
    }
  }
  networks[n] = NULL;
  mt_bson_append_str_array (out, "networks", networks);
}

/*
 * Creates the member of @org with its manager (people[0]), as a sign-up followed by the
 * administrators' decision would have left it. Its id lands in @member_id.
 */
static bool
mt_demo_insert_org (mt_demo_loader_t *loader, const mt_demo_org_t *org, char member_id[MT_ID_SIZE],
                    mt_error_t *error)
{
  const mt_ctx_t *ctx = loader->ctx;
  bson_t profile = BSON_INITIALIZER;
  bson_t member = BSON_INITIALIZER;
  bson_t account = BSON_INITIALIZER;
  bool ok = false;

  bson_destroy (&profile);
  mt_demo_build_profile (loader, org, &profile);
  bson_destroy (&member);
  mt_member_build (&profile, org->status, ctx->now_ms, &member, member_id);
  if (strcmp (org->status, "pending") != 0) {
    BSON_APPEND_DATE_TIME (&member, "approved_at", ctx->now_ms);
  }
  if (strcmp (org->status, "suspended") == 0) {
    BSON_APPEND_DATE_TIME (&member, "suspended_at", ctx->now_ms);
    BSON_APPEND_UTF8 (&member, "status_reason", org->status_reason ? org->status_reason : "");
  }
  bson_destroy (&account);
  if (!mt_demo_build_account (loader, member_id, &org->people[0], &account, error) ||
      !ctx->store->ops->member_insert (ctx->store, &member, &account, error)) {
    goto done;
  }
  loader->result->members_created++;
  loader->result->accounts_created++;
  ok = true;
done:
  bson_destroy (&profile);
  bson_destroy (&member);
  bson_destroy (&account);
  return ok;
}

/* Adds the account of @person to the member @member_id. */
static bool
mt_demo_insert_account (mt_demo_loader_t *loader, const char *member_id,
                        const mt_demo_person_t *person, mt_error_t *error)
{
  bson_t account = BSON_INITIALIZER;
  bool ok;

  bson_destroy (&account);
  ok = mt_demo_build_account (loader, member_id, person, &account, error) &&
       loader->ctx->store->ops->account_insert (loader->ctx->store, &account, error);
  bson_destroy (&account);
  if (ok) {
    loader->result->accounts_created++;
  }
  return ok;
}

/* Makes sure @org and every one of its demo accounts are stored. */
static bool
mt_demo_ensure_org (mt_demo_loader_t *loader, const mt_demo_org_t *org, mt_error_t *error)
{
  const size_t people = mt_demo_org_people (org);
  bool present[MT_DEMO_PEOPLE_MAX] = { false };
  char member_id[MT_ID_SIZE] = "";
  char other[MT_ID_SIZE];
  size_t first = 0;
  bool ok = false;

  /* The organisation is present when any of its demo accounts is: its member is theirs. */
  for (size_t i = 0; i < people; i++) {
    if (!mt_demo_find_account (loader->ctx, org->people[i].email, &present[i],
                               member_id[0] ? other : member_id, error)) {
      goto done;
    }
  }
  if (!member_id[0]) {
    if (!mt_demo_ensure_hash (loader, error) ||
        !mt_demo_insert_org (loader, org, member_id, error)) {
      goto done;
    }
    first = 1; /* people[0] came with the member */
  }
  for (size_t i = first; i < people; i++) {
    if (!present[i] && (!mt_demo_ensure_hash (loader, error) ||
                        !mt_demo_insert_account (loader, member_id, &org->people[i], error))) {
      goto done;
    }
  }
  ok = true;
done:
  return ok;
}

/* ---- Listings -------------------------------------------------------------------------------- */

/*
 * Every listing of member @member_id (any status and visibility), as an array-shaped
 * @out (initialised here) of {"title", "id"}.
 */
static bool mt_demo_owner_docs (const mt_ctx_t *ctx, const char *member_id, bool needs, bson_t *out,
                                mt_error_t *error);

static bool
mt_demo_owner_listings (const mt_ctx_t *ctx, const char *member_id, bson_t *out, mt_error_t *error)
{
  return mt_demo_owner_docs (ctx, member_id, false, out, error);
}

/* As mt_demo_owner_listings, for the listings (@needs false) or the needs (true) of
 * @member_id. */
static bool
mt_demo_owner_docs (const mt_ctx_t *ctx, const char *member_id, bool needs, bson_t *out,
                    mt_error_t *error)
{
  char cursor[MT_STORE_CURSOR_MAX] = "";
  mt_store_listing_query_t query = {
    .owner_id = member_id,
    .any_visibility = true,
    .sort = MT_LISTING_SORT_RECENT,
    .limit = MT_STORE_PAGE_MAX,
  };
  uint32_t n = 0;
  int pages = 0;
  bool ok = false;

  bson_init (out);
  do {
    mt_store_page_t page;
    bson_iter_t iter;

    query.cursor = cursor;
    if (!(needs ? ctx->store->ops->need_search (ctx->store, &query, &page, error)
                : ctx->store->ops->listing_search (ctx->store, &query, &page, error))) {
      mt_store_page_destroy (&page);
      goto done;
    }
    if (bson_iter_init (&iter, &page.items)) {
      while (bson_iter_next (&iter)) {
        const uint8_t *data;
        uint32_t len;
        bson_t listing, entry;
        const char *title, *id;
        char keybuf[16];
        const char *key;

        if (!BSON_ITER_HOLDS_DOCUMENT (&iter)) {
          continue;
        }
        bson_iter_document (&iter, &len, &data);
        if (!bson_init_static (&listing, data, len) || !(title = mt_bson_str (&listing, "title")) ||
            !(id = mt_bson_str (&listing, "id"))) {
          continue;
        }
        bson_uint32_to_string (n++, &key, keybuf, sizeof keybuf);
        BSON_APPEND_DOCUMENT_BEGIN (out, key, &entry);
        BSON_APPEND_UTF8 (&entry, "title", title);
        BSON_APPEND_UTF8 (&entry, "id", id);
        bson_append_document_end (out, &entry);
      }
    }
    snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
    mt_store_page_destroy (&page);
  } while (cursor[0] && ++pages < MT_DEMO_OWNER_PAGES_MAX);
  ok = true;
done:
  if (!ok) {
    bson_reinit (out);
  }
  return ok;
}

/* The id of the entry of @owned (from mt_demo_owner_listings) titled @title, or NULL. */
static const char *
mt_demo_owned_id (const bson_t *owned, const char *title)
{
  bson_iter_t iter;
  const char *found = NULL;

  if (bson_iter_init (&iter, owned)) {
    while (!found && bson_iter_next (&iter)) {
      const uint8_t *data;
      uint32_t len;
      bson_t entry;

      if (!BSON_ITER_HOLDS_DOCUMENT (&iter)) {
        continue;
      }
      bson_iter_document (&iter, &len, &data);
      if (bson_init_static (&entry, data, len) && mt_bson_str_eq (&entry, "title", title)) {
        found = mt_bson_str (&entry, "id");
      }
    }
  }
  return found;
}

/* Appends @values (up to @max, ending at the first NULL) as the string array @key. */
static void
mt_demo_append_strings (bson_t *doc, const char *key, const char *const *values, size_t max)
{
  const char *list[MT_DEMO_TAGS_MAX + MT_DEMO_LANGUAGES_MAX + 1];
  size_t n = 0;

  while (n < max && n < sizeof list / sizeof list[0] - 1 && values[n]) {
    list[n] = values[n];
    n++;
  }
  list[n] = NULL;
  mt_bson_append_str_array (doc, key, list);
}

/* Midnight UTC of the day of @now_ms. */
static int64_t
mt_demo_midnight (int64_t now_ms)
{
  return now_ms - (now_ms % MT_DEMO_DAY_MS + MT_DEMO_DAY_MS) % MT_DEMO_DAY_MS;
}

/* Appends the RFC 3339 text of @ms as @key. */
static void
mt_demo_append_instant (bson_t *doc, const char *key, int64_t ms)
{
  char text[MT_TIME_RFC3339_MAX];

  mt_time_format_rfc3339 (ms, text);
  BSON_APPEND_UTF8 (doc, key, text);
}

/* Appends the RFC 3339 text of @day days after midnight UTC of @now_ms as @key. */
static void
mt_demo_append_day (bson_t *doc, const char *key, int64_t now_ms, int day)
{
  mt_demo_append_instant (doc, key, mt_demo_midnight (now_ms) + (int64_t) day * MT_DEMO_DAY_MS);
}

/*
 * The body POST /v1/listings would receive for @row of @org at @now_ms (the load instant),
 * in @body (initialised here).
 */
static void
mt_demo_listing_body (const mt_demo_listing_t *row, const mt_demo_org_t *org, int64_t now_ms,
                      bson_t *body)
{
  bson_t territory, coordinates, rules, pickup, blackouts, period;

  bson_init (body);
  BSON_APPEND_UTF8 (body, "kind", row->kind);
  BSON_APPEND_UTF8 (body, "title", row->title);
  if (row->description) {
    BSON_APPEND_UTF8 (body, "description", row->description);
  }
  BSON_APPEND_UTF8 (body, "category", row->category);
  if (row->tags[0]) {
    mt_demo_append_strings (body, "tags", row->tags, MT_DEMO_TAGS_MAX);
  }
  BSON_APPEND_DOCUMENT_BEGIN (body, "territory", &territory);
  BSON_APPEND_UTF8 (&territory, "departement", org->departement);
  BSON_APPEND_UTF8 (&territory, "commune", org->commune);
  BSON_APPEND_DOCUMENT_BEGIN (&territory, "coordinates", &coordinates);
  BSON_APPEND_DOUBLE (&coordinates, "lat", org->lat);
  BSON_APPEND_DOUBLE (&coordinates, "lon", org->lon);
  bson_append_document_end (&territory, &coordinates);
  bson_append_document_end (body, &territory);
  if (row->visibility) {
    BSON_APPEND_UTF8 (body, "visibility", row->visibility);
  }
  if (row->status) {
    BSON_APPEND_UTF8 (body, "status", row->status);
  }
  if (strcmp (row->kind, "good") == 0) {
    if (row->quantity > 0) {
      BSON_APPEND_INT32 (body, "quantity", row->quantity);
    }
    if (row->condition) {
      BSON_APPEND_UTF8 (body, "condition", row->condition);
    }
    if (row->replacement_value_cents > 0) {
      BSON_APPEND_INT64 (body, "replacement_value_cents", row->replacement_value_cents);
    }
    if (row->deposit_cents > 0) {
      BSON_APPEND_INT64 (body, "deposit_cents", row->deposit_cents);
    }
    if (row->max_days > 0 || row->min_notice_hours > 0 || row->buffer_hours > 0 ||
        row->horizon_days > 0) {
      BSON_APPEND_DOCUMENT_BEGIN (body, "loan_rules", &rules);
      if (row->max_days > 0) {
        BSON_APPEND_INT32 (&rules, "max_days", row->max_days);
      }
      if (row->min_notice_hours > 0) {
        BSON_APPEND_INT32 (&rules, "min_notice_hours", row->min_notice_hours);
      }
      if (row->buffer_hours > 0) {
        BSON_APPEND_INT32 (&rules, "buffer_hours", row->buffer_hours);
      }
      if (row->horizon_days > 0) {
        BSON_APPEND_INT32 (&rules, "horizon_days", row->horizon_days);
      }
      bson_append_document_end (body, &rules);
    }
    if (row->approval) {
      BSON_APPEND_UTF8 (body, "approval", row->approval);
    }
    if (row->pickup_address) {
      BSON_APPEND_DOCUMENT_BEGIN (body, "pickup", &pickup);
      BSON_APPEND_UTF8 (&pickup, "address", row->pickup_address);
      if (row->pickup_instructions) {
        BSON_APPEND_UTF8 (&pickup, "instructions", row->pickup_instructions);
      }
      bson_append_document_end (body, &pickup);
    }
    if (row->blackouts[0].end_day) {
      BSON_APPEND_ARRAY_BEGIN (body, "blackouts", &blackouts);
      for (size_t i = 0; i < MT_DEMO_BLACKOUTS_MAX && row->blackouts[i].end_day; i++) {
        char keybuf[16];
        const char *key;

        bson_uint32_to_string ((uint32_t) i, &key, keybuf, sizeof keybuf);
        BSON_APPEND_DOCUMENT_BEGIN (&blackouts, key, &period);
        mt_demo_append_day (&period, "start", now_ms, row->blackouts[i].start_day);
        mt_demo_append_day (&period, "end", now_ms, row->blackouts[i].end_day);
        if (row->blackouts[i].reason) {
          BSON_APPEND_UTF8 (&period, "reason", row->blackouts[i].reason);
        }
        bson_append_document_end (&blackouts, &period);
      }
      bson_append_array_end (body, &blackouts);
    }
    if (row->credit_price_per_day > 0) {
      BSON_APPEND_INT32 (body, "credit_price_per_day", row->credit_price_per_day);
    }
  } else {
    if (row->format) {
      BSON_APPEND_UTF8 (body, "format", row->format);
    }
    if (row->duration_minutes > 0) {
      BSON_APPEND_INT32 (body, "duration_minutes", row->duration_minutes);
    }
    if (row->credit_rate_per_hour > 0) {
      BSON_APPEND_INT32 (body, "credit_rate_per_hour", row->credit_rate_per_hour);
    }
    if (row->languages[0]) {
      mt_demo_append_strings (body, "languages", row->languages, MT_DEMO_LANGUAGES_MAX);
    }
  }
}

/* Reports that demo listing @row was refused by the schema or the listings service (@why). */
static void
mt_demo_listing_refused (const mt_demo_listing_t *row, const mt_error_t *why, mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL,
                "annonce de démonstration « %.60s » refusée : %.120s%.0s (%.60s)",
                "demo listing \"%.60s\" refused: %.0s%.120s (%.60s)", row->key, why->message_fr,
                why->message, why->path);
}

/* Listings to store at once: documents built by mt_listing_build. */
typedef struct {
  bson_t *docs;
  const bson_t **pointers;
  size_t count;
} mt_demo_batch_t;

/*
 * Builds the missing listings of @org (whose rows are in mt_demo_listings) into @batch: the
 * rows whose title no stored listing of the organisation's member carries.
 */
static bool
mt_demo_build_org_listings (mt_demo_loader_t *loader, const mt_demo_org_t *org,
                            const mt_schema_t *schema, mt_demo_batch_t *batch, mt_error_t *error)
{
  const mt_ctx_t *ctx = loader->ctx;
  char member_id[MT_ID_SIZE];
  bson_t owned = BSON_INITIALIZER;
  bson_t owner = BSON_INITIALIZER;
  bool has_rows = false;
  bool ok = false;

  for (size_t i = 0; i < mt_demo_listing_count && !has_rows; i++) {
    has_rows = mt_demo_listing_org (&mt_demo_listings[i]) == org;
  }
  if (!has_rows) {
    ok = true;
    goto done;
  }
  if (!mt_demo_member_id (ctx, org->key, member_id, error)) {
    goto done;
  }
  bson_destroy (&owner);
  if (!ctx->store->ops->member_get (ctx->store, member_id, &owner, error)) {
    goto done;
  }
  bson_destroy (&owned);
  if (!mt_demo_owner_listings (ctx, member_id, &owned, error)) {
    goto done;
  }
  for (size_t i = 0; i < mt_demo_listing_count; i++) {
    const mt_demo_listing_t *row = &mt_demo_listings[i];
    const size_t author = (size_t) row->author;
    bson_t body = BSON_INITIALIZER;
    bson_t account = BSON_INITIALIZER;
    const char *account_id;
    char email_key[MT_EMAIL_MAX + 1];
    mt_error_t why;
    bool built;

    if (mt_demo_listing_org (row) != org || mt_demo_owned_id (&owned, row->title)) {
      continue;
    }
    if (author >= mt_demo_org_people (org) ||
        !mt_email_key (org->people[author].email, email_key)) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL,
                    "auteur inconnu pour l'annonce de démonstration « %.60s »",
                    "unknown author for demo listing \"%.60s\"", row->key);
      goto done;
    }
    bson_destroy (&account);
    if (!ctx->store->ops->account_find_by_email (ctx->store, email_key, &account, error)) {
      bson_destroy (&account);
      goto done;
    }
    account_id = mt_bson_str (&account, "id");
    bson_destroy (&body);
    mt_demo_listing_body (row, org, ctx->now_ms, &body);
    mt_error_clear (&why);
    built = mt_schema_validate (schema, &body, &why);
    if (built) {
      /* mt_listing_build initialises the document whatever happens. */
      built = mt_listing_build (&body, &owner, account_id,
                                ctx->now_ms - (int64_t) row->age_days * MT_DEMO_DAY_MS,
                                &batch->docs[batch->count], NULL, &why);
      if (!built) {
        bson_destroy (&batch->docs[batch->count]);
      }
    }
    bson_destroy (&body);
    bson_destroy (&account);
    if (!built) {
      mt_demo_listing_refused (row, &why, error);
      goto done;
    }
    batch->pointers[batch->count] = &batch->docs[batch->count];
    batch->count++;
  }
  ok = true;
done:
  bson_destroy (&owned);
  bson_destroy (&owner);
  return ok;
}

/* Creates the demo listings that are not stored yet, all at once. */
static bool
mt_demo_ensure_listings (mt_demo_loader_t *loader, mt_error_t *error)
{
  const mt_ctx_t *ctx = loader->ctx;
  const mt_schema_t *schema = NULL;
  mt_demo_batch_t batch = { 0 };
  bool ok = false;

  if (ctx->env && ctx->env->schemas) {
    schema = mt_schema_registry_get (ctx->env->schemas, "listing_create.json");
  }
  if (!schema) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "schéma listing_create.json absent",
                  "schema listing_create.json missing");
    goto done;
  }
  batch.docs = calloc (mt_demo_listing_count, sizeof *batch.docs);
  batch.pointers = calloc (mt_demo_listing_count, sizeof *batch.pointers);
  if (!batch.docs || !batch.pointers) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "mémoire insuffisante",
                  "out of memory");
    goto done;
  }
  for (size_t i = 0; i < mt_demo_org_count; i++) {
    if (!mt_demo_build_org_listings (loader, &mt_demo_orgs[i], schema, &batch, error)) {
      goto done;
    }
  }
  if (batch.count > 0 &&
      !ctx->store->ops->listing_insert_many (ctx->store, batch.pointers, batch.count, error)) {
    goto done;
  }
  loader->result->listings_created = (int) batch.count;
  ok = true;
done:
  for (size_t i = 0; i < batch.count; i++) {
    bson_destroy (&batch.docs[i]);
  }
  free (batch.docs);
  free (batch.pointers);
  return ok;
}

/* ---- Reservations ---------------------------------------------------------------------------- */

/* How one step of a demo reservation went. */
typedef enum {
  MT_DEMO_DONE = 0, /* made */
  MT_DEMO_LATER,    /* due after the load instant: left to the timers of mutuad */
  MT_DEMO_REFUSED,  /* refused by a rule, or impossible on this store: warned, row stops */
} mt_demo_outcome_t;

/* The schemas of the bodies sent by the demo's reservations (from ctx->env->schemas). */
typedef struct {
  const mt_schema_t *create;
  const mt_schema_t *actions[MT_RESERVATION_RETURN + 1]; /* by mt_reservation_action_t */
  const mt_schema_t *message;
} mt_demo_schemas_t;

/* One demo reservation being made. */
typedef struct {
  mt_demo_loader_t *loader;
  const mt_demo_schemas_t *schemas;
  const mt_demo_reservation_t *row;
  const mt_demo_org_t *owner;    /* the organisation of the listing */
  const mt_demo_org_t *borrower; /* row->borrower */
  char id[MT_ID_SIZE];           /* the reservation, once requested */
  int64_t last_ms;               /* instant of its latest change */
} mt_demo_making_t;

/* The instant @day days, @hour hours and @minute minutes after midnight UTC of the load day. */
static int64_t
mt_demo_instant (const mt_ctx_t *ctx, int day, int hour, int minute)
{
  return mt_demo_midnight (ctx->now_ms) + (int64_t) day * MT_DEMO_DAY_MS +
         (int64_t) hour * MT_DEMO_HOUR_MS + (int64_t) minute * MT_DEMO_MINUTE_MS;
}

/* Looks up the schemas of mt_demo_schemas_t; MT_ERR_INTERNAL when one is missing. */
static bool
mt_demo_find_schemas (const mt_ctx_t *ctx, mt_demo_schemas_t *out, mt_error_t *error)
{
  static const char *const actions[] = {
    [MT_RESERVATION_APPROVE] = "reservation_approve.json",
    [MT_RESERVATION_DECLINE] = "reservation_decline.json",
    [MT_RESERVATION_CANCEL] = "reservation_cancel.json",
    [MT_RESERVATION_CHECKOUT] = "reservation_checkout.json",
    [MT_RESERVATION_RETURN] = "reservation_return.json",
  };
  const mt_schema_registry_t *registry = ctx->env ? ctx->env->schemas : NULL;
  const char *missing = NULL;

  memset (out, 0, sizeof *out);
  if (!registry) {
    missing = "reservation_create.json";
  } else if (!(out->create = mt_schema_registry_get (registry, "reservation_create.json"))) {
    missing = "reservation_create.json";
  } else if (!(out->message = mt_schema_registry_get (registry, "message_create.json"))) {
    missing = "message_create.json";
  }
  for (size_t i = 0; !missing && i < sizeof actions / sizeof actions[0]; i++) {
    if (!(out->actions[i] = mt_schema_registry_get (registry, actions[i]))) {
      missing = actions[i];
    }
  }
  if (missing) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "schéma %s absent",
                  "schema %s missing", missing);
  }
  return !missing;
}

/* True for the answers of the service's rules (the row is skipped), false for failures. */
static bool
mt_demo_is_refusal (const mt_error_t *why)
{
  switch (why->code) {
  case MT_ERR_UNAUTHENTICATED:
  case MT_ERR_FORBIDDEN:
  case MT_ERR_NOT_FOUND:
  case MT_ERR_CONFLICT:
  case MT_ERR_STALE:
  case MT_ERR_UNPROCESSABLE:
    return true;
  default:
    return false;
  }
}

/*
 * Decides what to do with @why, the error of @what for @row: a refusal by a rule is warned
 * about and gives MT_DEMO_REFUSED (@return true); anything else is copied to @error (@return
 * false).
 */
static bool
mt_demo_refused (const mt_demo_reservation_t *row, const char *what, const mt_error_t *why,
                 mt_demo_outcome_t *outcome, mt_error_t *error)
{
  if (!mt_demo_is_refusal (why)) {
    mt_error_copy (error, why);
    return false;
  }
  MT_WARN ("demo reservation %s: %s refused (%s); the row stops there", row->key, what,
           why->message);
  *outcome = MT_DEMO_REFUSED;
  return true;
}

/*
 * Fills @p (initialised by the caller) as mt_auth_authenticate would for the account of
 * person @person of @org: its account and member as stored, roles and statuses. *@found is
 * false when that account is not stored or not active.
 */
static bool mt_demo_principal_of (const mt_ctx_t *ctx, const char *key, mt_principal_t *p,
                                  bool *found, mt_error_t *error);

static bool
mt_demo_principal (const mt_ctx_t *ctx, const mt_demo_org_t *org, int person, mt_principal_t *p,
                   bool *found, mt_error_t *error)
{
  char key[MT_EMAIL_MAX + 1];

  *found = false;
  if (person < 0 || (size_t) person >= mt_demo_org_people (org) ||
      !mt_email_key (org->people[person].email, key)) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL,
                  "personne de démonstration inconnue (%.60s, %d)",
                  "unknown demo person (%.60s, %d)", org->key, person);
    return false;
  }
  return mt_demo_principal_of (ctx, key, p, found, error);
}

/* As mt_demo_principal, for the account whose e-mail key is @key. */
static bool
mt_demo_principal_of (const mt_ctx_t *ctx, const char *key, mt_principal_t *p, bool *found,
                      mt_error_t *error)
{
  const char *account_id;
  const char *member_id;
  mt_error_t local;
  bool ok = false;

  *found = false;
  mt_error_clear (&local);
  bson_destroy (&p->account);
  if (!ctx->store->ops->account_find_by_email (ctx->store, key, &p->account, &local)) {
    ok = local.code == MT_ERR_NOT_FOUND;
    if (!ok) {
      mt_error_copy (error, &local);
    }
    goto done;
  }
  account_id = mt_bson_str (&p->account, "id");
  member_id = mt_bson_str (&p->account, "member_id");
  if (!account_id || strlen (account_id) != MT_ID_LEN || !member_id ||
      strlen (member_id) != MT_ID_LEN) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "compte de démonstration illisible",
                  "unreadable demo account");
    goto done;
  }
  if (!mt_bson_str_eq (&p->account, "status", "active")) {
    ok = true;
    goto done;
  }
  bson_destroy (&p->member);
  if (!ctx->store->ops->member_get (ctx->store, member_id, &p->member, &local)) {
    ok = local.code == MT_ERR_NOT_FOUND;
    if (!ok) {
      mt_error_copy (error, &local);
    }
    goto done;
  }
  memcpy (p->account_id, account_id, MT_ID_SIZE);
  memcpy (p->member_id, member_id, MT_ID_SIZE);
  p->is_admin = mt_bson_str_eq (&p->account, "platform_role", "admin");
  p->is_manager = mt_bson_str_eq (&p->account, "member_role", "manager");
  p->member_active = mt_bson_str_eq (&p->member, "status", "active");
  *found = true;
  ok = true;
done:
  return ok;
}

/*
 * Prepares @step (a copy of the load's context at @at_ms, with @p as its principal) for
 * person @person of @org. Steps must not go back in time nor beyond the load instant:
 * *@outcome is MT_DEMO_REFUSED (warned) otherwise, and when the account is absent.
 */
static bool
mt_demo_acting (const mt_demo_making_t *m, const mt_demo_org_t *org, int person, int64_t at_ms,
                mt_principal_t *p, mt_ctx_t *step, mt_demo_outcome_t *outcome, mt_error_t *error)
{
  const mt_ctx_t *ctx = m->loader->ctx;
  bool found = false;

  *outcome = MT_DEMO_DONE;
  *step = *ctx;
  step->now_ms = at_ms;
  step->principal = p;
  if (at_ms < m->last_ms || at_ms > ctx->now_ms) {
    MT_WARN ("demo reservation %s: a step out of time order; the row stops there", m->row->key);
    *outcome = MT_DEMO_REFUSED;
    return true;
  }
  if (!mt_demo_principal (ctx, org, person, p, &found, error)) {
    return false;
  }
  if (!found) {
    MT_WARN ("demo reservation %s: an account of %s is absent or inactive; the row stops there",
             m->row->key, org->key);
    *outcome = MT_DEMO_REFUSED;
  }
  return true;
}

/* Checks @body against @schema (a failure is a bug of the demo's tables: MT_ERR_INTERNAL). */
static bool
mt_demo_body_valid (const mt_schema_t *schema, const bson_t *body, const char *key,
                    mt_error_t *error)
{
  mt_error_t why;

  mt_error_clear (&why);
  if (mt_schema_validate (schema, body, &why)) {
    return true;
  }
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL,
                "demande de démonstration « %.60s » refusée : %.120s%.0s (%.60s)",
                "demo request \"%.60s\" refused: %.0s%.120s (%.60s)", key, why.message_fr,
                why.message, why.path);
  return false;
}

/* Asks for the reservation of @m->row (good @listing_id) as its requester, at its instant. */
static bool
mt_demo_request (mt_demo_making_t *m, const char *listing_id, mt_demo_outcome_t *outcome,
                 mt_error_t *error)
{
  const mt_ctx_t *ctx = m->loader->ctx;
  const mt_demo_reservation_t *row = m->row;
  const int64_t midnight = mt_demo_midnight (ctx->now_ms);
  const int64_t at = mt_demo_instant (ctx, row->day, row->hour, 0);
  bson_t body = BSON_INITIALIZER;
  bson_t out = BSON_INITIALIZER;
  mt_principal_t p;
  mt_ctx_t step;
  mt_error_t why;
  bool ok = false;

  mt_principal_init (&p);
  BSON_APPEND_UTF8 (&body, "listing_id", listing_id);
  mt_demo_append_instant (&body, "start", midnight + (int64_t) row->start_day * MT_DEMO_DAY_MS);
  mt_demo_append_instant (&body, "end", midnight + (int64_t) row->end_day * MT_DEMO_DAY_MS);
  if (row->units > 0) {
    BSON_APPEND_INT32 (&body, "units", row->units);
  }
  BSON_APPEND_UTF8 (&body, "message", row->message);
  if (!mt_demo_acting (m, m->borrower, row->requester, at, &p, &step, outcome, error)) {
    goto done;
  }
  if (*outcome != MT_DEMO_DONE) {
    ok = true;
    goto done;
  }
  if (!mt_demo_body_valid (m->schemas->create, &body, row->key, error)) {
    goto done;
  }
  mt_error_clear (&why);
  bson_destroy (&out);
  if (!mt_reservation_create (&step, &body, &out, m->id, &why)) {
    ok = mt_demo_refused (row, "the request", &why, outcome, error);
    goto done;
  }
  m->last_ms = at;
  ok = true;
done:
  bson_destroy (&body);
  bson_destroy (&out);
  mt_principal_destroy (&p);
  return ok;
}

/* Makes @s, a step of a person (approve, decline, cancel, checkout, return). */
static bool
mt_demo_user_step (mt_demo_making_t *m, const mt_demo_step_t *s, mt_demo_outcome_t *outcome,
                   mt_error_t *error)
{
  const mt_ctx_t *ctx = m->loader->ctx;
  const int64_t at = mt_demo_instant (ctx, s->day, s->hour, 0);
  const mt_demo_org_t *org = s->by_borrower ? m->borrower : m->owner;
  mt_reservation_action_t action = MT_RESERVATION_APPROVE;
  const char *text_key = "note";
  bson_t body = BSON_INITIALIZER;
  bson_t out = BSON_INITIALIZER;
  bson_t incident;
  mt_principal_t p;
  mt_ctx_t step;
  mt_error_t why;
  bool ok = false;

  mt_principal_init (&p);
  switch (s->kind) {
  case MT_DEMO_STEP_DECLINE:
    action = MT_RESERVATION_DECLINE;
    text_key = "reason";
    break;
  case MT_DEMO_STEP_CANCEL:
    action = MT_RESERVATION_CANCEL;
    text_key = "reason";
    break;
  case MT_DEMO_STEP_CHECKOUT:
    action = MT_RESERVATION_CHECKOUT;
    text_key = "condition_note";
    break;
  case MT_DEMO_STEP_RETURN:
    action = MT_RESERVATION_RETURN;
    text_key = "condition_note";
    break;
  case MT_DEMO_STEP_APPROVE:
  case MT_DEMO_STEP_END:
  case MT_DEMO_STEP_EXPIRE:
  case MT_DEMO_STEP_OVERDUE:
  case MT_DEMO_STEP_CLOSE:
  default:
    break;
  }
  if (s->text) {
    BSON_APPEND_UTF8 (&body, text_key, s->text);
  }
  if (s->kind == MT_DEMO_STEP_RETURN && s->incident_type) {
    BSON_APPEND_DOCUMENT_BEGIN (&body, "incident", &incident);
    BSON_APPEND_UTF8 (&incident, "type", s->incident_type);
    BSON_APPEND_UTF8 (&incident, "text", s->incident_text ? s->incident_text : "");
    bson_append_document_end (&body, &incident);
  }
  if (!mt_demo_acting (m, org, s->person, at, &p, &step, outcome, error)) {
    goto done;
  }
  if (*outcome != MT_DEMO_DONE) {
    ok = true;
    goto done;
  }
  if (!mt_demo_body_valid (m->schemas->actions[action], &body, m->row->key, error)) {
    goto done;
  }
  mt_error_clear (&why);
  bson_destroy (&out);
  if (!mt_reservation_act (&step, m->id, action, &body, NULL, &out, &why)) {
    ok = mt_demo_refused (m->row, "a step", &why, outcome, error);
    goto done;
  }
  m->last_ms = at;
  ok = true;
done:
  bson_destroy (&body);
  bson_destroy (&out);
  mt_principal_destroy (&p);
  return ok;
}

/*
 * Makes @s, a step of the timers (expire, overdue, close), exactly as sweeps.c makes it,
 * MT_DEMO_TIMER_DELAY_MS after it fell due; MT_DEMO_LATER when that is after the load instant.
 */
static bool
mt_demo_timer_step (mt_demo_making_t *m, const mt_demo_step_t *s, mt_demo_outcome_t *outcome,
                    mt_error_t *error)
{
  const mt_ctx_t *ctx = m->loader->ctx;
  const mt_config_t *config = ctx->env ? ctx->env->config : NULL;
  const int64_t close_after_days = config ? config->close_after_days : 7;
  bson_t stored = BSON_INITIALIZER;
  bson_t set = BSON_INITIALIZER;
  mt_reservation_change_t change;
  mt_reservation_event_t event = MT_NOTIFY_EXPIRED;
  const char *want = MT_RESERVATION_REQUESTED;
  bool notify = true;
  int64_t due = INT64_MAX;
  mt_ctx_t step = *ctx;
  mt_error_t why;
  bool ok = false;

  *outcome = MT_DEMO_DONE;
  memset (&change, 0, sizeof change);
  change.actor = MT_RESERVATION_SYSTEM;
  change.set = &set;
  bson_destroy (&stored);
  if (!ctx->store->ops->reservation_get (ctx->store, m->id, &stored, error)) {
    goto done;
  }
  switch (s->kind) {
  case MT_DEMO_STEP_EXPIRE:
    due = mt_bson_date (&stored, "expires_at", INT64_MAX);
    break;
  case MT_DEMO_STEP_OVERDUE:
    want = MT_RESERVATION_CHECKED_OUT;
    due = mt_bson_bool (&stored, "overdue", false) ? INT64_MAX
                                                   : mt_bson_date (&stored, "end", INT64_MAX);
    event = MT_NOTIFY_OVERDUE;
    break;
  case MT_DEMO_STEP_CLOSE:
    want = MT_RESERVATION_RETURNED;
    notify = false;
    /* As the timers: never a loan with an incident or kept open by an administrator. */
    if (!mt_bson_bool (&stored, "review_required", false) &&
        !mt_bson_has (&stored, "return.incident") &&
        !mt_bson_str_eq (&stored, "review.decision", "follow_up")) {
      due = mt_bson_date (&stored, "returned_at", INT64_MAX);
      due = due == INT64_MAX ? due : due + close_after_days * MT_DEMO_DAY_MS;
    }
    break;
  case MT_DEMO_STEP_END:
  case MT_DEMO_STEP_APPROVE:
  case MT_DEMO_STEP_DECLINE:
  case MT_DEMO_STEP_CANCEL:
  case MT_DEMO_STEP_CHECKOUT:
  case MT_DEMO_STEP_RETURN:
  default:
    break;
  }
  if (!mt_bson_str_eq (&stored, "status", want) || due == INT64_MAX ||
      due + MT_DEMO_TIMER_DELAY_MS < m->last_ms) {
    MT_WARN ("demo reservation %s: a timers' step is not due; the row stops there", m->row->key);
    *outcome = MT_DEMO_REFUSED;
    ok = true;
    goto done;
  }
  step.now_ms = due + MT_DEMO_TIMER_DELAY_MS;
  step.principal = NULL;
  if (step.now_ms > ctx->now_ms) {
    *outcome = MT_DEMO_LATER;
    ok = true;
    goto done;
  }
  if (s->kind == MT_DEMO_STEP_EXPIRE) {
    change.to = MT_RESERVATION_EXPIRED;
    change.reason = "no_answer";
    BSON_APPEND_DATE_TIME (&set, "expired_at", step.now_ms);
  } else if (s->kind == MT_DEMO_STEP_OVERDUE) {
    BSON_APPEND_BOOL (&set, "overdue", true);
  } else {
    change.to = MT_RESERVATION_CLOSED;
    change.reason = "no_incident";
    BSON_APPEND_DATE_TIME (&set, "closed_at", step.now_ms);
    BSON_APPEND_UTF8 (&set, "closed_by", MT_RESERVATION_SYSTEM);
  }
  mt_error_clear (&why);
  if (!mt_reservation_apply (&step, &stored, &change, NULL, &why)) {
    ok = mt_demo_refused (m->row, "a timers' step", &why, outcome, error);
    goto done;
  }
  m->last_ms = step.now_ms;
  if (notify) {
    /* As the timers: a notification that fails is only logged. */
    mt_error_clear (&why);
    if (!mt_notify_reservation (&step, &stored, event, NULL, &why)) {
      MT_WARN ("demo reservation %s: notification not stored: %s", m->row->key, why.message);
    }
  }
  ok = true;
done:
  bson_destroy (&stored);
  bson_destroy (&set);
  return ok;
}

/*
 * Makes the reservation of @row, from its request to its last step, in @id_out ("" when it
 * was not made). A row refused by a rule is counted as skipped; store failures stop.
 */
static bool
mt_demo_make_reservation (mt_demo_loader_t *loader, const mt_demo_schemas_t *schemas,
                          const mt_demo_reservation_t *row, char id_out[MT_ID_SIZE],
                          mt_error_t *error)
{
  const mt_ctx_t *ctx = loader->ctx;
  mt_demo_making_t m = { .loader = loader, .schemas = schemas, .row = row };
  mt_demo_outcome_t outcome = MT_DEMO_DONE;
  char listing_id[MT_ID_SIZE];
  bson_t stored = BSON_INITIALIZER;
  mt_error_t local;
  bool ok = false;

  id_out[0] = '\0';
  m.owner = mt_demo_listing_org (mt_demo_listing_find (row->listing));
  m.borrower = mt_demo_org_find (row->borrower);
  if (!m.owner || !m.borrower) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL,
                  "réservation de démonstration « %.60s » : annonce ou structure inconnue",
                  "demo reservation \"%.60s\": unknown listing or organisation", row->key);
    goto done;
  }
  mt_error_clear (&local);
  if (!mt_demo_listing_id (ctx, row->listing, listing_id, &local)) {
    ok = mt_demo_refused (row, "the listing", &local, &outcome, error);
    goto done;
  }
  if (!mt_demo_request (&m, listing_id, &outcome, error)) {
    goto done;
  }
  for (size_t i = 0; outcome == MT_DEMO_DONE && i < MT_DEMO_STEPS_MAX && row->steps[i].kind; i++) {
    const mt_demo_step_t *s = &row->steps[i];
    const bool timers = s->kind == MT_DEMO_STEP_EXPIRE || s->kind == MT_DEMO_STEP_OVERDUE ||
                        s->kind == MT_DEMO_STEP_CLOSE;

    if (!(timers ? mt_demo_timer_step (&m, s, &outcome, error)
                 : mt_demo_user_step (&m, s, &outcome, error))) {
      goto done;
    }
  }
  if (outcome == MT_DEMO_DONE) {
    bson_destroy (&stored);
    if (!ctx->store->ops->reservation_get (ctx->store, m.id, &stored, error)) {
      goto done;
    }
    if (!mt_bson_str_eq (&stored, "status", row->status)) {
      MT_WARN ("demo reservation %s: ends %s instead of %s", row->key,
               mt_bson_str (&stored, "status") ? mt_bson_str (&stored, "status") : "?",
               row->status);
      outcome = MT_DEMO_REFUSED;
    }
  }
  ok = true;
done:
  if (m.id[0]) {
    memcpy (id_out, m.id, MT_ID_SIZE);
    loader->result->reservations_created++;
  }
  if (ok && outcome == MT_DEMO_REFUSED) {
    loader->result->reservations_skipped++;
  }
  bson_destroy (&stored);
  return ok;
}

/* Writes the messages of mt_demo_messages in the threads of the reservations made (@ids, by
 * row of mt_demo_reservations). */
static bool
mt_demo_write_messages (mt_demo_loader_t *loader, const mt_demo_schemas_t *schemas,
                        char (*ids)[MT_ID_SIZE], mt_error_t *error)
{
  const mt_ctx_t *ctx = loader->ctx;
  bool ok = false;

  for (size_t i = 0; i < mt_demo_message_count; i++) {
    const mt_demo_message_t *msg = &mt_demo_messages[i];
    const mt_demo_reservation_t *row = mt_demo_reservation_find (msg->reservation);
    const size_t index = row ? (size_t) (row - mt_demo_reservations) : 0;
    mt_demo_making_t m = { .loader = loader, .schemas = schemas, .row = row };
    mt_demo_outcome_t outcome = MT_DEMO_DONE;
    bson_t body = BSON_INITIALIZER;
    bson_t out = BSON_INITIALIZER;
    mt_principal_t p;
    mt_ctx_t step;
    mt_error_t why;
    bool written = false;
    bool failed = false;

    if (!row || !ids[index][0]) {
      continue; /* the reservation was not made by this load */
    }
    m.owner = mt_demo_listing_org (mt_demo_listing_find (row->listing));
    m.borrower = mt_demo_org_find (row->borrower);
    if (!m.owner || !m.borrower) {
      continue;
    }
    mt_principal_init (&p);
    BSON_APPEND_UTF8 (&body, "text", msg->text);
    failed =
      !mt_demo_acting (&m, msg->by_borrower ? m.borrower : m.owner, msg->person,
                       mt_demo_instant (ctx, msg->day, msg->hour, msg->minute), &p, &step, &outcome,
                       error) ||
      (outcome == MT_DEMO_DONE && !mt_demo_body_valid (schemas->message, &body, row->key, error));
    if (!failed && outcome == MT_DEMO_DONE) {
      mt_error_clear (&why);
      bson_destroy (&out);
      written = mt_message_post (&step, ids[index], &body, &out, NULL, &why);
      failed = !written && !mt_demo_refused (row, "a message", &why, &outcome, error);
    }
    bson_destroy (&body);
    bson_destroy (&out);
    mt_principal_destroy (&p);
    if (failed) {
      goto done;
    }
    if (written) {
      loader->result->messages_created++;
    }
  }
  ok = true;
done:
  return ok;
}

/*
 * Whether a listing used by mt_demo_reservations holds any reservation: then the demo's
 * reservations were made by an earlier load (or members reserved these goods), and none is
 * added. Listings absent from the store count for nothing.
 */
static bool
mt_demo_reservations_present (const mt_ctx_t *ctx, bool *present, mt_error_t *error)
{
  bool ok = false;

  *present = false;
  for (size_t i = 0; i < mt_demo_reservation_count && !*present; i++) {
    char listing_id[MT_ID_SIZE];
    int64_t count = 0;
    mt_error_t local;

    mt_error_clear (&local);
    if (!mt_demo_listing_id (ctx, mt_demo_reservations[i].listing, listing_id, &local)) {
      if (local.code == MT_ERR_NOT_FOUND) {
        continue;
      }
      mt_error_copy (error, &local);
      goto done;
    }
    if (!ctx->store->ops->reservation_count (ctx->store, listing_id, &count, error)) {
      goto done;
    }
    *present = count > 0;
  }
  ok = true;
done:
  return ok;
}

/* Makes the demo's reservations and their messages, unless they are there already. */
static bool
mt_demo_ensure_reservations (mt_demo_loader_t *loader, mt_error_t *error)
{
  mt_demo_schemas_t schemas;
  char (*ids)[MT_ID_SIZE] = NULL;
  bool present = false;
  bool ok = false;

  if (!mt_demo_find_schemas (loader->ctx, &schemas, error) ||
      !mt_demo_reservations_present (loader->ctx, &present, error)) {
    goto done;
  }
  if (present) {
    ok = true;
    goto done;
  }
  ids = calloc (mt_demo_reservation_count, sizeof *ids);
  if (!ids) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "mémoire insuffisante",
                  "out of memory");
    goto done;
  }
  for (size_t i = 0; i < mt_demo_reservation_count; i++) {
    if (!mt_demo_make_reservation (loader, &schemas, &mt_demo_reservations[i], ids[i], error)) {
      goto done;
    }
  }
  ok = mt_demo_write_messages (loader, &schemas, ids, error);
done:
  free (ids);
  return ok;
}

/* ---- Shared by bookings, needs and credits ------------------------------------------------- */

/*
 * Prepares @step (a copy of the load's context at @at_ms, with @p as its principal) for
 * person @person of @org. *@refused (warned, about @what) when the account is absent or
 * inactive, or when @at_ms is before @last_ms or after the load instant.
 */
static bool
mt_demo_as (const mt_ctx_t *ctx, const char *what, const mt_demo_org_t *org, int person,
            int64_t at_ms, int64_t last_ms, mt_principal_t *p, mt_ctx_t *step, bool *refused,
            mt_error_t *error)
{
  bool found = false;

  *refused = false;
  *step = *ctx;
  step->now_ms = at_ms;
  step->principal = p;
  if (at_ms < last_ms || at_ms > ctx->now_ms) {
    MT_WARN ("demo %s: a step out of time order; the row stops there", what);
    *refused = true;
    return true;
  }
  if (!mt_demo_principal (ctx, org, person, p, &found, error)) {
    return false;
  }
  if (!found) {
    MT_WARN ("demo %s: an account of %s is absent or inactive; the row stops there", what,
             org->key);
    *refused = true;
  }
  return true;
}

/* As mt_demo_refused for the rows of bookings, needs and grants (@what names them). */
static bool
mt_demo_rule_refused (const char *what, const char *step, const mt_error_t *why, bool *refused,
                      mt_error_t *error)
{
  if (!mt_demo_is_refusal (why)) {
    mt_error_copy (error, why);
    return false;
  }
  MT_WARN ("demo %s: %s refused (%s); the row stops there", what, step, why->message);
  *refused = true;
  return true;
}

/* The schema @name of ctx->env->schemas, or NULL with MT_ERR_INTERNAL. */
static const mt_schema_t *
mt_demo_schema (const mt_ctx_t *ctx, const char *name, mt_error_t *error)
{
  const mt_schema_t *schema =
    ctx->env && ctx->env->schemas ? mt_schema_registry_get (ctx->env->schemas, name) : NULL;

  if (!schema) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "schéma %s absent",
                  "schema %s missing", name);
  }
  return schema;
}

/* ---- Service bookings ---------------------------------------------------------------------- */

typedef struct {
  const mt_schema_t *create, *decline, *cancel, *complete;
} mt_demo_booking_schemas_t;

/* Makes the booking of @row, from its request to its last step. */
static bool
mt_demo_make_booking (mt_demo_loader_t *loader, const mt_demo_booking_schemas_t *schemas,
                      const mt_demo_booking_t *row, mt_error_t *error)
{
  const mt_ctx_t *ctx = loader->ctx;
  const mt_demo_org_t *provider = mt_demo_listing_org (mt_demo_listing_find (row->listing));
  const mt_demo_org_t *requester = mt_demo_org_find (row->requester);
  const int64_t midnight = mt_demo_midnight (ctx->now_ms);
  int64_t last_ms = INT64_MIN;
  char listing_id[MT_ID_SIZE];
  char id[MT_ID_SIZE] = "";
  bson_t body = BSON_INITIALIZER;
  bson_t out = BSON_INITIALIZER;
  mt_principal_t p;
  mt_ctx_t step;
  mt_error_t why;
  bool refused = false;
  bool ok = false;

  mt_principal_init (&p);
  if (!provider || !requester) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL,
                  "prestation de démonstration « %.60s » : annonce ou structure inconnue",
                  "demo booking \"%.60s\": unknown listing or organisation", row->key);
    goto done;
  }
  mt_error_clear (&why);
  if (!mt_demo_listing_id (ctx, row->listing, listing_id, &why)) {
    ok = mt_demo_rule_refused (row->key, "the listing", &why, &refused, error);
    goto done;
  }
  BSON_APPEND_UTF8 (&body, "listing_id", listing_id);
  mt_demo_append_instant (&body, "start",
                          midnight + (int64_t) row->start_day * MT_DEMO_DAY_MS +
                            (int64_t) row->start_hour * MT_DEMO_HOUR_MS);
  if (row->duration_minutes > 0) {
    BSON_APPEND_INT32 (&body, "duration_minutes", row->duration_minutes);
  }
  BSON_APPEND_UTF8 (&body, "message", row->message);
  if (!mt_demo_body_valid (schemas->create, &body, row->key, error) ||
      !mt_demo_as (ctx, row->key, requester, row->person,
                   mt_demo_instant (ctx, row->day, row->hour, 0), last_ms, &p, &step, &refused,
                   error)) {
    goto done;
  }
  if (refused) {
    ok = true;
    goto done;
  }
  mt_error_clear (&why);
  bson_destroy (&out);
  if (!mt_booking_create (&step, &body, &out, id, &why)) {
    id[0] = '\0';
    ok = mt_demo_rule_refused (row->key, "the request", &why, &refused, error);
    goto done;
  }
  last_ms = step.now_ms;
  for (size_t i = 0; !refused && i < MT_DEMO_BOOKING_STEPS_MAX && row->steps[i].kind; i++) {
    const mt_demo_booking_step_t *s = &row->steps[i];
    const bool by_requester =
      s->kind == MT_DEMO_BOOKING_CONFIRM || (s->kind == MT_DEMO_BOOKING_CANCEL && s->by_requester);
    const mt_schema_t *schema = NULL;
    mt_booking_action_t action = MT_BOOKING_ACCEPT;

    bson_reinit (&body);
    switch (s->kind) {
    case MT_DEMO_BOOKING_DECLINE:
      action = MT_BOOKING_DECLINE;
      schema = schemas->decline;
      if (s->text) {
        BSON_APPEND_UTF8 (&body, "reason", s->text);
      }
      break;
    case MT_DEMO_BOOKING_CANCEL:
      action = MT_BOOKING_CANCEL;
      schema = schemas->cancel;
      BSON_APPEND_UTF8 (&body, "reason", s->text ? s->text : "");
      break;
    case MT_DEMO_BOOKING_COMPLETE:
      action = MT_BOOKING_COMPLETE;
      schema = schemas->complete;
      if (s->hours > 0) {
        BSON_APPEND_DOUBLE (&body, "hours", s->hours);
      }
      break;
    case MT_DEMO_BOOKING_CONFIRM:
      action = MT_BOOKING_CONFIRM;
      break;
    case MT_DEMO_BOOKING_ACCEPT:
    case MT_DEMO_BOOKING_END:
    default:
      break;
    }
    mt_principal_destroy (&p);
    mt_principal_init (&p);
    if ((schema && !mt_demo_body_valid (schema, &body, row->key, error)) ||
        !mt_demo_as (ctx, row->key, by_requester ? requester : provider, s->person,
                     mt_demo_instant (ctx, s->day, s->hour, 0), last_ms, &p, &step, &refused,
                     error)) {
      goto done;
    }
    if (refused) {
      break;
    }
    mt_error_clear (&why);
    bson_destroy (&out);
    if (!mt_booking_act (&step, id, action, &body, NULL, &out, &why)) {
      if (!mt_demo_rule_refused (row->key, "a step", &why, &refused, error)) {
        goto done;
      }
      break;
    }
    last_ms = step.now_ms;
  }
  if (!refused && !mt_bson_str_eq (&out, "status", row->status)) {
    MT_WARN ("demo booking %s: ends %s instead of %s", row->key,
             mt_bson_str (&out, "status") ? mt_bson_str (&out, "status") : "?", row->status);
    refused = true;
  }
  ok = true;
done:
  if (id[0]) {
    loader->result->bookings_created++;
  }
  if (ok && refused) {
    loader->result->bookings_skipped++;
  }
  bson_destroy (&body);
  bson_destroy (&out);
  mt_principal_destroy (&p);
  return ok;
}

/* Whether a service used by mt_demo_bookings holds any booking (then none is added). */
static bool
mt_demo_bookings_present (const mt_ctx_t *ctx, bool *present, mt_error_t *error)
{
  bool ok = false;

  *present = false;
  for (size_t i = 0; i < mt_demo_booking_count && !*present; i++) {
    char listing_id[MT_ID_SIZE];
    mt_store_booking_query_t query = { .limit = 1 };
    mt_store_page_t page;
    mt_error_t local;

    mt_error_clear (&local);
    if (!mt_demo_listing_id (ctx, mt_demo_bookings[i].listing, listing_id, &local)) {
      if (local.code == MT_ERR_NOT_FOUND) {
        continue;
      }
      mt_error_copy (error, &local);
      goto done;
    }
    query.listing_id = listing_id;
    if (!ctx->store->ops->booking_list (ctx->store, &query, &page, error)) {
      mt_store_page_destroy (&page);
      goto done;
    }
    *present = page.count > 0;
    mt_store_page_destroy (&page);
  }
  ok = true;
done:
  return ok;
}

/* Makes the demo's service bookings, unless they are there already. */
static bool
mt_demo_ensure_bookings (mt_demo_loader_t *loader, mt_error_t *error)
{
  const mt_ctx_t *ctx = loader->ctx;
  mt_demo_booking_schemas_t schemas;
  bool present = false;
  bool ok = false;

  if (!(schemas.create = mt_demo_schema (ctx, "booking_create.json", error)) ||
      !(schemas.decline = mt_demo_schema (ctx, "booking_decline.json", error)) ||
      !(schemas.cancel = mt_demo_schema (ctx, "booking_cancel.json", error)) ||
      !(schemas.complete = mt_demo_schema (ctx, "booking_complete.json", error)) ||
      !mt_demo_bookings_present (ctx, &present, error)) {
    goto done;
  }
  for (size_t i = 0; !present && i < mt_demo_booking_count; i++) {
    if (!mt_demo_make_booking (loader, &schemas, &mt_demo_bookings[i], error)) {
      goto done;
    }
  }
  ok = true;
done:
  return ok;
}

/* ---- Needs --------------------------------------------------------------------------------- */

typedef struct {
  const mt_schema_t *create, *answer, *close;
} mt_demo_need_schemas_t;

/* The body of POST /v1/needs for @row at the load instant @now_ms (@body initialised here). */
static void
mt_demo_need_body (const mt_demo_need_t *row, int64_t now_ms, bson_t *body)
{
  bson_init (body);
  BSON_APPEND_UTF8 (body, "kind", row->kind);
  BSON_APPEND_UTF8 (body, "title", row->title);
  if (row->description) {
    BSON_APPEND_UTF8 (body, "description", row->description);
  }
  if (row->category) {
    BSON_APPEND_UTF8 (body, "category", row->category);
  }
  if (row->tags[0]) {
    mt_demo_append_strings (body, "tags", row->tags, MT_DEMO_TAGS_MAX);
  }
  if (row->visibility) {
    BSON_APPEND_UTF8 (body, "visibility", row->visibility);
  }
  if (row->wanted_from_day) {
    mt_demo_append_day (body, "wanted_from", now_ms, row->wanted_from_day);
  }
  if (row->wanted_to_day) {
    mt_demo_append_day (body, "wanted_to", now_ms, row->wanted_to_day);
  }
}

/* Answers the need @need_id of @row (created now) with its answers, then closes it. */
static bool
mt_demo_answer_need (mt_demo_loader_t *loader, const mt_demo_need_schemas_t *schemas,
                     const mt_demo_need_t *row, const mt_demo_org_t *author, const char *need_id,
                     int64_t last_ms, mt_error_t *error)
{
  const mt_ctx_t *ctx = loader->ctx;
  bson_t body = BSON_INITIALIZER;
  bson_t out = BSON_INITIALIZER;
  mt_principal_t p;
  mt_ctx_t step;
  mt_error_t why;
  bool refused = false;
  bool ok = false;

  mt_principal_init (&p);
  for (size_t i = 0; !refused && i < MT_DEMO_NEED_ANSWERS_MAX && row->answers[i].org; i++) {
    const mt_demo_need_answer_t *a = &row->answers[i];
    const mt_demo_org_t *org = mt_demo_org_find (a->org);
    char answer_id[MT_ID_SIZE];
    char listing_id[MT_ID_SIZE];

    if (!org) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL,
                    "besoin de démonstration « %.60s » : structure inconnue",
                    "demo need \"%.60s\": unknown organisation", row->key);
      goto done;
    }
    bson_reinit (&body);
    if (a->listing) {
      mt_error_clear (&why);
      if (!mt_demo_listing_id (ctx, a->listing, listing_id, &why)) {
        if (!mt_demo_rule_refused (row->key, "an answer's listing", &why, &refused, error)) {
          goto done;
        }
        break;
      }
      BSON_APPEND_UTF8 (&body, "listing_id", listing_id);
    }
    if (a->text) {
      BSON_APPEND_UTF8 (&body, "text", a->text);
    }
    mt_principal_destroy (&p);
    mt_principal_init (&p);
    if (!mt_demo_body_valid (schemas->answer, &body, row->key, error) ||
        !mt_demo_as (ctx, row->key, org, a->person, mt_demo_instant (ctx, a->day, a->hour, 0),
                     last_ms, &p, &step, &refused, error)) {
      goto done;
    }
    if (refused) {
      break;
    }
    mt_error_clear (&why);
    bson_destroy (&out);
    if (!mt_need_answer (&step, need_id, &body, &out, answer_id, &why)) {
      if (!mt_demo_rule_refused (row->key, "an answer", &why, &refused, error)) {
        goto done;
      }
      break;
    }
    last_ms = step.now_ms;
    loader->result->answers_created++;
  }
  if (!refused && row->close_reason) {
    bson_reinit (&body);
    BSON_APPEND_UTF8 (&body, "reason", row->close_reason);
    mt_principal_destroy (&p);
    mt_principal_init (&p);
    if (!mt_demo_body_valid (schemas->close, &body, row->key, error) ||
        !mt_demo_as (ctx, row->key, author, row->person,
                     mt_demo_instant (ctx, row->close_day, row->close_hour, 0), last_ms, &p, &step,
                     &refused, error)) {
      goto done;
    }
    mt_error_clear (&why);
    bson_destroy (&out);
    if (!refused && !mt_need_close (&step, need_id, &body, NULL, &out, &why) &&
        !mt_demo_rule_refused (row->key, "the closing", &why, &refused, error)) {
      goto done;
    }
  }
  if (refused) {
    loader->result->needs_skipped++;
  }
  ok = true;
done:
  bson_destroy (&body);
  bson_destroy (&out);
  mt_principal_destroy (&p);
  return ok;
}

/* Creates the need of @row when its organisation has no need of that title, with its answers
 * and closing. */
static bool
mt_demo_make_need (mt_demo_loader_t *loader, const mt_demo_need_schemas_t *schemas,
                   const mt_demo_need_t *row, mt_error_t *error)
{
  const mt_ctx_t *ctx = loader->ctx;
  const mt_demo_org_t *author = mt_demo_org_find (row->org);
  char member_id[MT_ID_SIZE];
  char id[MT_ID_SIZE];
  bson_t owned = BSON_INITIALIZER;
  bson_t body = BSON_INITIALIZER;
  bson_t out = BSON_INITIALIZER;
  mt_principal_t p;
  mt_ctx_t step;
  mt_error_t why;
  bool refused = false;
  bool ok = false;

  mt_principal_init (&p);
  if (!author) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL,
                  "besoin de démonstration « %.60s » : structure inconnue",
                  "demo need \"%.60s\": unknown organisation", row->key);
    goto done;
  }
  mt_error_clear (&why);
  if (!mt_demo_member_id (ctx, author->key, member_id, &why)) {
    ok = mt_demo_rule_refused (row->key, "the author", &why, &refused, error);
    goto done;
  }
  bson_destroy (&owned);
  if (!mt_demo_owner_docs (ctx, member_id, true, &owned, error)) {
    goto done;
  }
  if (mt_demo_owned_id (&owned, row->title)) {
    ok = true; /* there already: left as it is */
    goto done;
  }
  bson_destroy (&body);
  mt_demo_need_body (row, ctx->now_ms, &body);
  if (!mt_demo_body_valid (schemas->create, &body, row->key, error) ||
      !mt_demo_as (ctx, row->key, author, row->person,
                   mt_demo_instant (ctx, row->day, row->hour, 0), INT64_MIN, &p, &step, &refused,
                   error)) {
    goto done;
  }
  mt_error_clear (&why);
  bson_destroy (&out);
  if (!refused && !mt_need_create (&step, &body, &out, id, &why)) {
    ok = mt_demo_rule_refused (row->key, "the need", &why, &refused, error);
    goto done;
  }
  if (!refused) {
    loader->result->needs_created++;
    ok = mt_demo_answer_need (loader, schemas, row, author, id, step.now_ms, error);
    goto done;
  }
  ok = true;
done:
  if (ok && refused) {
    loader->result->needs_skipped++;
  }
  bson_destroy (&owned);
  bson_destroy (&body);
  bson_destroy (&out);
  mt_principal_destroy (&p);
  return ok;
}

/* Makes the demo's needs that are not stored yet. */
static bool
mt_demo_ensure_needs (mt_demo_loader_t *loader, mt_error_t *error)
{
  const mt_ctx_t *ctx = loader->ctx;
  mt_demo_need_schemas_t schemas;
  bool ok = false;

  if (!(schemas.create = mt_demo_schema (ctx, "need_create.json", error)) ||
      !(schemas.answer = mt_demo_schema (ctx, "need_answer.json", error)) ||
      !(schemas.close = mt_demo_schema (ctx, "need_close.json", error))) {
    goto done;
  }
  for (size_t i = 0; i < mt_demo_need_count; i++) {
    if (!mt_demo_make_need (loader, &schemas, &mt_demo_needs[i], error)) {
      goto done;
    }
  }
  ok = true;
done:
  return ok;
}

/* ---- Credits ------------------------------------------------------------------------------- */

/*
 * Looks in the statement of @member_id for the entry whose id is @id (when not NULL) or that
 * comes from "system" with the reason @reason: *@found, and its created_at in *@at_ms.
 */
static bool
mt_demo_ledger_find (const mt_ctx_t *ctx, const char *member_id, const char *id, const char *reason,
                     bool *found, int64_t *at_ms, mt_error_t *error)
{
  char cursor[MT_STORE_CURSOR_MAX] = "";
  int pages = 0;
  bool ok = false;

  *found = false;
  do {
    mt_store_page_t page;
    bson_iter_t iter;

    if (!ctx->store->ops->ledger_list (ctx->store, member_id, cursor[0] ? cursor : NULL,
                                       MT_STORE_PAGE_MAX, &page, error)) {
      mt_store_page_destroy (&page);
      goto done;
    }
    if (bson_iter_init (&iter, &page.items)) {
      while (!*found && bson_iter_next (&iter)) {
        const uint8_t *data;
        uint32_t len;
        bson_t entry;

        if (!BSON_ITER_HOLDS_DOCUMENT (&iter)) {
          continue;
        }
        bson_iter_document (&iter, &len, &data);
        if (bson_init_static (&entry, data, len) &&
            (id ? mt_bson_str_eq (&entry, "id", id)
                : mt_bson_str_eq (&entry, "from", MT_CREDITS_SYSTEM) &&
                    mt_bson_str_eq (&entry, "reason", reason))) {
          *found = true;
          *at_ms = mt_bson_date (&entry, "created_at", 0);
        }
      }
    }
    snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
    mt_store_page_destroy (&page);
  } while (!*found && cursor[0] && ++pages < MT_DEMO_OWNER_PAGES_MAX);
  ok = true;
done:
  return ok;
}

/* Midnight UTC of the first day of the month after the one of @ms. */
static int64_t
mt_demo_next_month (int64_t ms)
{
  char month[MT_CREDITS_MONTH_SIZE];
  long year, mon;

  mt_credits_month (ms, month);
  year = strtol (month, NULL, 10);
  mon = strtol (month + 5, NULL, 10) + 1;
  if (mon > 12) {
    mon = 1;
    year++;
  }
  return mt_time_days_from_civil (year, (unsigned) mon, 1) * MT_DEMO_DAY_MS;
}

/* The welcome grants of the approved demo organisations, dated when the demo network opened. */
static bool
mt_demo_welcome_grants (mt_demo_loader_t *loader, mt_error_t *error)
{
  const mt_ctx_t *ctx = loader->ctx;
  mt_ctx_t step = *ctx;
  bool ok = false;

  step.principal = NULL;
  step.now_ms = mt_demo_midnight (ctx->now_ms) - MT_DEMO_LEDGER_START_DAYS * MT_DEMO_DAY_MS +
                8 * MT_DEMO_HOUR_MS;
  for (size_t i = 0; i < mt_demo_org_count; i++) {
    char member_id[MT_ID_SIZE];

    if (strcmp (mt_demo_orgs[i].status, "pending") == 0) {
      continue;
    }
    if (!mt_demo_member_id (ctx, mt_demo_orgs[i].key, member_id, error) ||
        !mt_credits_welcome (&step, member_id, MT_CREDITS_SYSTEM, error)) {
      goto done;
    }
  }
  ok = true;
done:
  return ok;
}

/* One pass of the monthly grant, in the month after the first demo organisation's welcome. */
static bool
mt_demo_monthly_grant (mt_demo_loader_t *loader, mt_error_t *error)
{
  const mt_ctx_t *ctx = loader->ctx;
  mt_credits_monthly_t state;
  char member_id[MT_ID_SIZE];
  char welcome_id[MT_CREDITS_ENTRY_ID_MAX + 1];
  mt_ctx_t step = *ctx;
  int64_t welcome_ms = 0;
  bool found = false;
  bool ok = false;

  if (!mt_demo_member_id (ctx, mt_demo_orgs[0].key, member_id, error)) {
    goto done;
  }
  snprintf (welcome_id, sizeof welcome_id, "welcome:%s", member_id);
  if (!mt_demo_ledger_find (ctx, member_id, welcome_id, NULL, &found, &welcome_ms, error)) {
    goto done;
  }
  if (found) {
    memset (&state, 0, sizeof state);
    step.principal = NULL;
    step.now_ms = mt_demo_next_month (welcome_ms) + MT_DEMO_TIMER_DELAY_MS;
    if (step.now_ms > ctx->now_ms) {
      step.now_ms = ctx->now_ms;
    }
    for (int i = 0; i < MT_CREDITS_MONTHLY_PAGES_MAX && mt_credits_monthly_step (&step, &state);
         i++) {
    }
    if (state.errors > 0) {
      MT_WARN ("demo: %u monthly grant(s) not made", state.errors);
    }
  }
  ok = true;
done:
  return ok;
}

/* The administrators' grant of the demo, by the administrator of config admin_email. */
static bool
mt_demo_admin_grant (mt_demo_loader_t *loader, mt_error_t *error)
{
  const mt_ctx_t *ctx = loader->ctx;
  const mt_config_t *config = ctx->env ? ctx->env->config : NULL;
  const mt_demo_org_t *org = mt_demo_org_find (MT_DEMO_GRANT_ORG);
  char member_id[MT_ID_SIZE];
  char key[MT_EMAIL_MAX + 1];
  bson_t body = BSON_INITIALIZER;
  bson_t out = BSON_INITIALIZER;
  const mt_schema_t *schema;
  mt_principal_t p;
  mt_ctx_t step = *ctx;
  mt_error_t why;
  int64_t at_ms = 0;
  bool found = false;
  bool ok = false;

  mt_principal_init (&p);
  if (!org || !(schema = mt_demo_schema (ctx, "ledger_grant.json", error)) ||
      !mt_demo_member_id (ctx, org->key, member_id, error) ||
      !mt_demo_ledger_find (ctx, member_id, NULL, MT_DEMO_GRANT_REASON, &found, &at_ms, error)) {
    goto done;
  }
  if (found) {
    ok = true;
    goto done;
  }
  found = false;
  if (config && mt_email_key (config->admin_email, key) &&
      !mt_demo_principal_of (ctx, key, &p, &found, error)) {
    goto done;
  }
  if (!found || !p.is_admin) {
    MT_WARN ("demo: no active administrator (config admin_email); the demo's grant is left out");
    ok = true;
    goto done;
  }
  BSON_APPEND_UTF8 (&body, "member_id", member_id);
  BSON_APPEND_INT64 (&body, "amount", MT_DEMO_GRANT_AMOUNT);
  BSON_APPEND_UTF8 (&body, "reason", MT_DEMO_GRANT_REASON);
  if (!mt_demo_body_valid (schema, &body, "grant", error)) {
    goto done;
  }
  step.principal = &p;
  step.now_ms = mt_demo_instant (ctx, MT_DEMO_GRANT_DAY, MT_DEMO_GRANT_HOUR, 0);
  mt_error_clear (&why);
  bson_destroy (&out);
  if (!mt_credits_admin_grant (&step, &body, &out, &why)) {
    bool refused = false;
    ok = mt_demo_rule_refused ("grant", "the administrators' grant", &why, &refused, error);
    goto done;
  }
  ok = true;
done:
  bson_destroy (&body);
  bson_destroy (&out);
  mt_principal_destroy (&p);
  return ok;
}

/* The demo's grants (welcome, monthly, administrators'), when credits are enabled. */
static bool
mt_demo_ensure_grants (mt_demo_loader_t *loader, mt_error_t *error)
{
  const mt_ctx_t *ctx = loader->ctx;
  int64_t sum = 0, before = 0, after = 0;
  bool ok = false;

  if (!mt_credits_enabled (ctx)) {
    ok = true;
    goto done;
  }
  if (!ctx->store->ops->ledger_sum ||
      !ctx->store->ops->ledger_sum (ctx->store, &sum, &before, error) ||
      !mt_demo_welcome_grants (loader, error) || !mt_demo_monthly_grant (loader, error) ||
      !mt_demo_admin_grant (loader, error) ||
      !ctx->store->ops->ledger_sum (ctx->store, &sum, &after, error)) {
    goto done;
  }
  loader->result->grants_created = (int) (after - before);
  ok = true;
done:
  return ok;
}

/* ---- Entry points ---------------------------------------------------------------------------- */

bool
mt_demo_load (const mt_ctx_t *ctx, mt_demo_result_t *result, mt_error_t *error)
{
  mt_demo_loader_t loader;
  mt_config_t *quiet_config = NULL;
  mt_service_env_t quiet_env;
  mt_ctx_t quiet = *ctx;
  bool ok = false;

  memset (result, 0, sizeof *result);
  memset (&loader, 0, sizeof loader);
  /* The demo's addresses are fictitious: its events become in-app notifications only, no
   * e-mail is queued for them (an empty sendmail_command, for the loading only). */
  if (ctx->env && ctx->env->config) {
    quiet_config = malloc (sizeof *quiet_config);
    if (!quiet_config) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "mémoire insuffisante",
                    "out of memory");
      goto done;
    }
    *quiet_config = *ctx->env->config;
    quiet_config->sendmail_command[0] = '\0';
    quiet_env = *ctx->env;
    quiet_env.config = quiet_config;
    quiet.env = &quiet_env;
  }
  loader.ctx = &quiet;
  loader.result = result;
  if (!mt_demo_ensure_networks (&loader, error)) {
    goto done;
  }
  for (size_t i = 0; i < mt_demo_org_count; i++) {
    if (!mt_demo_ensure_org (&loader, &mt_demo_orgs[i], error)) {
      goto done;
    }
  }
  if (!mt_demo_ensure_listings (&loader, error) || !mt_demo_ensure_grants (&loader, error) ||
      !mt_demo_ensure_reservations (&loader, error) || !mt_demo_ensure_bookings (&loader, error) ||
      !mt_demo_ensure_needs (&loader, error)) {
    goto done;
  }
  result->loaded = true;
  result->networks = MT_DEMO_NETWORK_COUNT;
  result->members = (int) mt_demo_org_count;
  result->accounts = (int) mt_demo_account_count ();
  result->listings = (int) mt_demo_listing_count;
  result->reservations = (int) mt_demo_reservation_count;
  result->messages = (int) mt_demo_message_count;
  result->bookings = (int) mt_demo_booking_count;
  result->needs = (int) mt_demo_need_count;
  if (result->networks_created || result->members_created || result->accounts_created ||
      result->listings_created || result->reservations_created || result->messages_created ||
      result->bookings_created || result->needs_created || result->answers_created ||
      result->grants_created) {
    MT_INFO ("demo loaded: %d networks, %d organisations, %d accounts, %d listings, "
             "%d reservations (%d skipped), %d messages, %d bookings (%d skipped), %d needs "
             "with %d answers (%d skipped) and %d grants created",
             result->networks_created, result->members_created, result->accounts_created,
             result->listings_created, result->reservations_created, result->reservations_skipped,
             result->messages_created, result->bookings_created, result->bookings_skipped,
             result->needs_created, result->answers_created, result->needs_skipped,
             result->grants_created);
  } else {
    MT_INFO ("demo already loaded");
  }
  ok = true;
done:
  sodium_memzero (loader.hash, sizeof loader.hash);
  free (quiet_config);
  return ok;
}

bool
mt_demo_network_id (const mt_ctx_t *ctx, const char *slug, char id_out[MT_ID_SIZE],
                    mt_error_t *error)
{
  char ids[MT_DEMO_NETWORK_COUNT][MT_ID_SIZE];
  bool found[MT_DEMO_NETWORK_COUNT];
  const mt_demo_network_t *net = mt_demo_network_find (slug);
  const size_t i = net ? (size_t) (net - mt_demo_networks) : 0;
  bool ok = false;

  if (!net) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_NOT_FOUND, "réseau de démonstration inconnu",
                  "unknown demo network");
    goto done;
  }
  if (!mt_demo_find_networks (ctx, ids, found, error)) {
    goto done;
  }
  if (!found[i]) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_NOT_FOUND, "réseau de démonstration absent",
                  "demo network not loaded");
    goto done;
  }
  memcpy (id_out, ids[i], MT_ID_SIZE);
  ok = true;
done:
  return ok;
}

bool
mt_demo_member_id (const mt_ctx_t *ctx, const char *key, char id_out[MT_ID_SIZE], mt_error_t *error)
{
  const mt_demo_org_t *org = mt_demo_org_find (key);
  const size_t people = org ? mt_demo_org_people (org) : 0;
  bool found = false;
  bool ok = false;

  for (size_t i = 0; i < people && !found; i++) {
    if (!mt_demo_find_account (ctx, org->people[i].email, &found, id_out, error)) {
      goto done;
    }
  }
  if (!found) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_NOT_FOUND, "structure de démonstration absente",
                  "demo organisation not found");
    goto done;
  }
  ok = true;
done:
  return ok;
}

bool
mt_demo_listing_id (const mt_ctx_t *ctx, const char *key, char id_out[MT_ID_SIZE],
                    mt_error_t *error)
{
  const mt_demo_listing_t *row = mt_demo_listing_find (key);
  const mt_demo_org_t *org = mt_demo_listing_org (row);
  char member_id[MT_ID_SIZE];
  bson_t owned = BSON_INITIALIZER;
  const char *id;
  bool ok = false;

  if (!org) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_NOT_FOUND, "annonce de démonstration inconnue",
                  "unknown demo listing");
    goto done;
  }
  if (!mt_demo_member_id (ctx, org->key, member_id, error)) {
    goto done;
  }
  bson_destroy (&owned);
  if (!mt_demo_owner_listings (ctx, member_id, &owned, error)) {
    goto done;
  }
  id = mt_demo_owned_id (&owned, row->title);
  if (!id || strlen (id) != MT_ID_LEN) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_NOT_FOUND, "annonce de démonstration absente",
                  "demo listing not found");
    goto done;
  }
  memcpy (id_out, id, MT_ID_SIZE);
  ok = true;
done:
  bson_destroy (&owned);
  return ok;
}

bool
mt_demo_reservation_id (const mt_ctx_t *ctx, const char *key, char id_out[MT_ID_SIZE],
                        mt_error_t *error)
{
  const mt_demo_reservation_t *row = mt_demo_reservation_find (key);
  char listing_id[MT_ID_SIZE];
  char borrower_id[MT_ID_SIZE];
  char cursor[MT_STORE_CURSOR_MAX] = "";
  mt_store_reservation_query_t query = { 0 };
  bool found = false;
  bool ok = false;
  int pages = 0;

  if (!row) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_NOT_FOUND,
                  "réservation de démonstration inconnue", "unknown demo reservation");
    goto done;
  }
  if (!mt_demo_listing_id (ctx, row->listing, listing_id, error) ||
      !mt_demo_member_id (ctx, row->borrower, borrower_id, error)) {
    goto done;
  }
  query.listing_id = listing_id;
  query.borrower_member_id = borrower_id;
  query.limit = MT_STORE_PAGE_MAX;
  do {
    mt_store_page_t page;
    bson_iter_t iter;

    query.cursor = cursor[0] ? cursor : NULL;
    if (!ctx->store->ops->reservation_list (ctx->store, &query, &page, error)) {
      mt_store_page_destroy (&page);
      goto done;
    }
    if (bson_iter_init (&iter, &page.items)) {
      while (!found && bson_iter_next (&iter)) {
        const uint8_t *data;
        uint32_t len;
        bson_t reservation;

        if (!BSON_ITER_HOLDS_DOCUMENT (&iter)) {
          continue;
        }
        bson_iter_document (&iter, &len, &data);
        if (bson_init_static (&reservation, data, len) &&
            mt_bson_str_eq (&reservation, "message", row->message)) {
          found = mt_demo_copy_id (&reservation, "id", id_out);
        }
      }
    }
    snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
    mt_store_page_destroy (&page);
  } while (!found && cursor[0] && ++pages < MT_DEMO_RESERVATION_PAGES_MAX);
  if (!found) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_NOT_FOUND,
                  "réservation de démonstration absente", "demo reservation not found");
    goto done;
  }
  ok = true;
done:
  return ok;
}

bool
mt_demo_booking_id (const mt_ctx_t *ctx, const char *key, char id_out[MT_ID_SIZE],
                    mt_error_t *error)
{
  const mt_demo_booking_t *row = mt_demo_booking_find (key);
  char listing_id[MT_ID_SIZE];
  char requester_id[MT_ID_SIZE];
  char cursor[MT_STORE_CURSOR_MAX] = "";
  mt_store_booking_query_t query = { 0 };
  bool found = false;
  bool ok = false;
  int pages = 0;

  if (!row) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_NOT_FOUND,
                  "prestation de démonstration inconnue", "unknown demo booking");
    goto done;
  }
  if (!mt_demo_listing_id (ctx, row->listing, listing_id, error) ||
      !mt_demo_member_id (ctx, row->requester, requester_id, error)) {
    goto done;
  }
  query.listing_id = listing_id;
  query.requester_member_id = requester_id;
  query.limit = MT_STORE_PAGE_MAX;
  do {
    mt_store_page_t page;
    bson_iter_t iter;

    query.cursor = cursor[0] ? cursor : NULL;
    if (!ctx->store->ops->booking_list (ctx->store, &query, &page, error)) {
      mt_store_page_destroy (&page);
      goto done;
    }
    if (bson_iter_init (&iter, &page.items)) {
      while (!found && bson_iter_next (&iter)) {
        const uint8_t *data;
        uint32_t len;
        bson_t booking;

        if (!BSON_ITER_HOLDS_DOCUMENT (&iter)) {
          continue;
        }
        bson_iter_document (&iter, &len, &data);
        if (bson_init_static (&booking, data, len) &&
            mt_bson_str_eq (&booking, "message", row->message)) {
          found = mt_demo_copy_id (&booking, "id", id_out);
        }
      }
    }
    snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
    mt_store_page_destroy (&page);
  } while (!found && cursor[0] && ++pages < MT_DEMO_RESERVATION_PAGES_MAX);
  if (!found) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_NOT_FOUND, "prestation de démonstration absente",
                  "demo booking not found");
    goto done;
  }
  ok = true;
done:
  return ok;
}

bool
mt_demo_need_id (const mt_ctx_t *ctx, const char *key, char id_out[MT_ID_SIZE], mt_error_t *error)
{
  const mt_demo_need_t *row = mt_demo_need_find (key);
  char member_id[MT_ID_SIZE];
  bson_t owned = BSON_INITIALIZER;
  const char *id;
  bool ok = false;

  if (!row) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_NOT_FOUND, "besoin de démonstration inconnu",
                  "unknown demo need");
    goto done;
  }
  if (!mt_demo_member_id (ctx, row->org, member_id, error)) {
    goto done;
  }
  bson_destroy (&owned);
  if (!mt_demo_owner_docs (ctx, member_id, true, &owned, error)) {
    goto done;
  }
  id = mt_demo_owned_id (&owned, row->title);
  if (!id || strlen (id) != MT_ID_LEN) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_NOT_FOUND, "besoin de démonstration absent",
                  "demo need not found");
    goto done;
  }
  memcpy (id_out, id, MT_ID_SIZE);
  ok = true;
done:
  bson_destroy (&owned);
  return ok;
}
