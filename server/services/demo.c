/*
 * demo: loading the demonstration data set of demo_data.c into the store, idempotently.
 */
#include "demo.h"

#include "accounts.h"
#include "members.h"
#include "mt_bson.h"
#include "mt_log.h"
#include "passwords.h"

#include <sodium.h>
#include <string.h>

#define MT_LOG_DOMAIN "demo"

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

bool
mt_demo_load (const mt_ctx_t *ctx, mt_demo_result_t *result, mt_error_t *error)
{
  mt_demo_loader_t loader;
  bool ok = false;

  memset (result, 0, sizeof *result);
  memset (&loader, 0, sizeof loader);
  loader.ctx = ctx;
  loader.result = result;
  if (!mt_demo_ensure_networks (&loader, error)) {
    goto done;
  }
  for (size_t i = 0; i < mt_demo_org_count; i++) {
    if (!mt_demo_ensure_org (&loader, &mt_demo_orgs[i], error)) {
      goto done;
    }
  }
  result->loaded = true;
  result->networks = MT_DEMO_NETWORK_COUNT;
  result->members = (int) mt_demo_org_count;
  result->accounts = (int) mt_demo_account_count ();
  if (result->networks_created || result->members_created || result->accounts_created) {
    MT_INFO ("demo loaded: %d networks, %d organisations and %d accounts created",
             result->networks_created, result->members_created, result->accounts_created);
  } else {
    MT_INFO ("demo already loaded");
  }
  ok = true;
done:
  sodium_memzero (loader.hash, sizeof loader.hash);
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
