/*
 * Unit tests of server/services/demo.c and demo_data.c: the tables are consistent (unique
 * keys and e-mails, e-mails on their organisation's domain, one manager each, valid shapes;
 * listings with unique keys and titles, categories of their kind, fields of their kind only),
 * and loading into a real SQLite store gives the expected networks, members, accounts and
 * catalogue (at least 40 goods and 15 services from 12 owners in the five départements, every
 * category used, every listing valid for listing.json, searchable), with the demo password,
 * idempotently (a second load, or a load after a partial one, adds only what is missing).
 * Reservations: the table keeps the service's rules at its own dates and covers every status;
 * once loaded, every state is stored between two different organisations at the table's
 * dates, histories are chains of allowed transitions mirrored one for one in the audit log,
 * calendars hold exactly the blocking reservations, the thread is written by its authors,
 * and reservations are made once, only while the demo's listings hold none.
 */
#include "mt_test.h"

#include "accounts.h"
#include "bootstrap.h"
#include "categories.h"
#include "config.h"
#include "demo.h"
#include "members.h"
#include "mt_bson.h"
#include "mt_embed.h"
#include "mt_json.h"
#include "mt_schema.h"
#include "mt_time.h"
#include "passwords.h"
#include "reservations.h"
#include "service.h"
#include "store.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOW_MS INT64_C (1781254800000)      /* 2026-06-12T09:00:00Z; tests never read the clock */
#define MIDNIGHT_MS INT64_C (1781222400000) /* 2026-06-12T00:00:00Z */
#define DAY_MS INT64_C (86400000)
#define LIMIT 100

/* A test with a fresh store (setup/teardown below). */
#define MT_TEST_DB(name, fn)                                                                       \
  {                                                                                                \
    name, fn, setup, teardown, NULL                                                                \
  }

extern const mt_embed_file_t mutua_schema_files[];

typedef struct {
  char dir[256];
  char db[300];
  mt_config_t config;
  mt_service_env_t env;
  mt_schema_registry_t *schemas; /* every schema of schemas/, as mutuad has them */
  mt_store_backend_t *backend;
  mt_store_t *store;
  mt_ctx_t ctx;
} fixture_t;

static int
setup (void **state)
{
  fixture_t *f = calloc (1, sizeof *f);
  char uri[320];
  mt_error_t error;

  if (!f) {
    return -1;
  }
  snprintf (f->dir, sizeof f->dir, "/tmp/mutua-demo-XXXXXX");
  if (!mkdtemp (f->dir)) {
    free (f);
    return -1;
  }
  snprintf (f->db, sizeof f->db, "%s/t.db", f->dir);
  snprintf (uri, sizeof uri, "sqlite:%s", f->db);
  mt_config_defaults (&f->config);
  f->config.password_opslimit = 1;
  f->config.password_memlimit_kib = 8;
  if (!mt_service_env_init (&f->env, &f->config)) {
    return -1;
  }
  f->schemas = mt_schema_registry_new (MT_SCHEMA_ASSERT_FORMAT);
  if (!f->schemas || !mt_schema_registry_add_embedded (f->schemas, mutua_schema_files, &error)) {
    fprintf (stderr, "schemas: %s\n", f->schemas ? error.message : "out of memory");
    return -1;
  }
  f->env.schemas = f->schemas;
  f->backend = mt_store_backend_new (uri, &error);
  if (!f->backend) {
    fprintf (stderr, "store: %s\n", error.message);
    return -1;
  }
  f->store = mt_store_open (f->backend, &error);
  if (!f->store) {
    fprintf (stderr, "store: %s\n", error.message);
    return -1;
  }
  f->ctx = (mt_ctx_t){ .env = &f->env, .store = f->store, .now_ms = NOW_MS, .client_addr = "" };
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  fixture_t *f = *state;
  char path[400];
  static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };

  mt_store_close (f->store);
  mt_store_backend_destroy (f->backend);
  mt_service_env_destroy (&f->env);
  mt_schema_registry_destroy (f->schemas);
  for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
    snprintf (path, sizeof path, "%s%s", f->db, suffixes[i]);
    unlink (path);
  }
  rmdir (f->dir);
  free (f);
  return 0;
}

/* ---- Helpers -------------------------------------------------------------------------------- */

/* Calls @fn on every document of the array @items. */
static void
each_doc (const bson_t *items, void (*fn) (const bson_t *doc, void *data), void *data)
{
  bson_iter_t iter;

  assert_true (bson_iter_init (&iter, items));
  while (bson_iter_next (&iter)) {
    const uint8_t *bytes;
    uint32_t len;
    bson_t doc;

    assert_true (BSON_ITER_HOLDS_DOCUMENT (&iter));
    bson_iter_document (&iter, &len, &bytes);
    assert_true (bson_init_static (&doc, bytes, len));
    fn (&doc, data);
  }
}

/* Calls @fn on every member of the store (any status). Returns the count. */
static int
each_member (fixture_t *f, void (*fn) (const bson_t *doc, void *data), void *data)
{
  mt_store_member_query_t query = { .limit = LIMIT };
  mt_store_page_t page;
  char cursor[MT_STORE_CURSOR_MAX] = "";
  mt_error_t error;
  int count = 0;

  do {
    query.cursor = cursor;
    assert_true (f->store->ops->member_list (f->store, &query, &page, &error));
    count += (int) page.count;
    each_doc (&page.items, fn, data);
    snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
    mt_store_page_destroy (&page);
  } while (cursor[0]);
  return count;
}

typedef struct {
  int managers;
  char hash[MT_PASSWORD_HASH_SIZE]; /* the shared hash, once seen */
} accounts_seen_t;

typedef struct {
  fixture_t *f;
  int members;
  int accounts;
  int managers_ok;
  accounts_seen_t seen;
  int by_status[3]; /* active, pending, suspended */
  char departements[8][4];
  int departement_count;
  const mt_schema_t *territory, *contact, *kind, *name, *text;
} census_t;

static void
count_account (const bson_t *account, void *data)
{
  accounts_seen_t *seen = data;
  const char *hash = mt_bson_str (account, "password_hash");

  assert_string_equal (mt_bson_str (account, "platform_role"), "member");
  assert_string_equal (mt_bson_str (account, "status"), "active");
  assert_non_null (hash);
  /* MT_DEMO_PASSWORD is hashed once per load: every account shares the hash. */
  if (!seen->hash[0]) {
    snprintf (seen->hash, sizeof seen->hash, "%s", hash);
  }
  assert_string_equal (hash, seen->hash);
  if (mt_bson_str_eq (account, "member_role", "manager")) {
    seen->managers++;
  } else {
    assert_string_equal (mt_bson_str (account, "member_role"), "staff");
  }
}

static void
validate_field (const mt_schema_t *schema, const bson_t *doc, const char *key)
{
  bson_iter_t iter;
  mt_error_t error;

  assert_true (bson_iter_init_find (&iter, doc, key));
  if (!mt_schema_validate_value (schema, &iter, &error)) {
    fail_msg ("%s of %s: %s (%s)", key, mt_bson_str (doc, "name"), error.message, error.path);
  }
}

static void
census_member (const bson_t *member, void *data)
{
  census_t *c = data;
  mt_store_page_t page;
  mt_error_t error;
  bson_iter_t iter, child;
  const char *status = mt_bson_str (member, "status");
  const char *dep;
  bool seen = false;

  c->members++;
  assert_non_null (status);
  if (strcmp (status, "active") == 0) {
    c->by_status[0]++;
    assert_true (mt_bson_has (member, "approved_at"));
  } else if (strcmp (status, "pending") == 0) {
    c->by_status[1]++;
    assert_false (mt_bson_has (member, "approved_at"));
  } else {
    assert_string_equal (status, "suspended");
    c->by_status[2]++;
    assert_true (mt_bson_has (member, "suspended_at"));
    assert_non_null (mt_bson_str (member, "status_reason"));
  }
  /* Shapes of a sign-up (schemas/common.json). */
  validate_field (c->name, member, "name");
  validate_field (c->kind, member, "kind");
  validate_field (c->territory, member, "territory");
  validate_field (c->contact, member, "contact");
  validate_field (c->text, member, "description");
  assert_true (bson_iter_init_find (&iter, member, "networks"));
  assert_true (BSON_ITER_HOLDS_ARRAY (&iter) && bson_iter_recurse (&iter, &child));
  assert_true (bson_iter_next (&child)); /* at least one network */

  assert_true (bson_iter_init_find (&iter, member, "territory") &&
               bson_iter_recurse (&iter, &child) && bson_iter_find (&child, "departement"));
  dep = bson_iter_utf8 (&child, NULL);
  for (int i = 0; i < c->departement_count; i++) {
    seen = seen || strcmp (c->departements[i], dep) == 0;
  }
  if (!seen) {
    assert_true (c->departement_count < 8);
    snprintf (c->departements[c->departement_count++], 4, "%s", dep);
  }

  assert_true (c->f->store->ops->account_list_by_member (c->f->store, mt_bson_str (member, "id"),
                                                         &page, &error));
  assert_true (page.count >= 2 && page.count <= 3); /* a manager and one or two staff */
  c->accounts += (int) page.count;
  c->seen.managers = 0;
  each_doc (&page.items, count_account, &c->seen);
  mt_store_page_destroy (&page);
  if (c->seen.managers == 1) {
    c->managers_ok++;
  }
}

static mt_schema_registry_t *
common_schemas (void)
{
  mt_schema_registry_t *reg = mt_schema_registry_new (MT_SCHEMA_ASSERT_FORMAT);
  const mt_embed_file_t *common = mt_embed_find (mutua_schema_files, "common.json");
  mt_error_t error;

  assert_non_null (reg);
  assert_non_null (common);
  if (!mt_schema_registry_add_json (reg, "common.json", (const char *) common->data, common->len,
                                    &error) ||
      !mt_schema_registry_resolve (reg, &error)) {
    fail_msg ("common.json: %s", error.message);
  }
  return reg;
}

static census_t
census (fixture_t *f, mt_schema_registry_t *reg)
{
  census_t c;
  int listed;

  memset (&c, 0, sizeof c);
  c.f = f;
  c.territory = mt_schema_registry_get (reg, "common.json#/$defs/territory");
  c.contact = mt_schema_registry_get (reg, "common.json#/$defs/contact");
  c.kind = mt_schema_registry_get (reg, "common.json#/$defs/member_kind");
  c.name = mt_schema_registry_get (reg, "common.json#/$defs/organisation_name");
  c.text = mt_schema_registry_get (reg, "common.json#/$defs/text");
  assert_true (c.territory && c.contact && c.kind && c.name && c.text);
  listed = each_member (f, census_member, &c);
  assert_int_equal (listed, c.members);
  return c;
}

static int
network_count (fixture_t *f)
{
  mt_store_page_t page;
  mt_error_t error;
  int n;

  assert_true (f->store->ops->network_list (f->store, &page, &error));
  n = (int) page.count;
  mt_store_page_destroy (&page);
  return n;
}

static void
load_ok (fixture_t *f, mt_demo_result_t *result)
{
  mt_error_t error;

  mt_error_clear (&error);
  if (!mt_demo_load (&f->ctx, result, &error)) {
    fail_msg ("demo: %s (code %u)", error.message, error.code);
  }
  assert_true (result->loaded);
  assert_int_equal (result->networks, MT_DEMO_NETWORK_COUNT);
  assert_int_equal (result->members, (int) mt_demo_org_count);
  assert_int_equal (result->accounts, (int) mt_demo_account_count ());
  assert_int_equal (result->listings, (int) mt_demo_listing_count);
  assert_int_equal (result->reservations, (int) mt_demo_reservation_count);
  assert_int_equal (result->messages, (int) mt_demo_message_count);
}

/* Calls @fn on every listing of the store (any owner, status and visibility). Returns the
 * count. */
static int
each_listing (fixture_t *f, void (*fn) (const bson_t *doc, void *data), void *data)
{
  mt_store_listing_query_t query = { .any_visibility = true, .limit = LIMIT };
  mt_store_page_t page;
  char cursor[MT_STORE_CURSOR_MAX] = "";
  mt_error_t error;
  int count = 0;

  do {
    query.cursor = cursor;
    assert_true (f->store->ops->listing_search (f->store, &query, &page, &error));
    count += (int) page.count;
    each_doc (&page.items, fn, data);
    snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
    mt_store_page_destroy (&page);
  } while (cursor[0]);
  return count;
}

static void
count_one (const bson_t *doc, void *data)
{
  (void) doc;
  (*(int *) data)++;
}

static int
listing_count (fixture_t *f)
{
  int n = 0;
  const int listed = each_listing (f, count_one, &n);

  assert_int_equal (listed, n);
  return n;
}

/* The ids of the listings of a search for @terms (NULL-terminated) as an anonymous visitor
 * (@networks NULL: published public listings) or as a member of @networks (published
 * listings, public or of those networks). Returns the count; @ids gets them. */
static int
search_ids (fixture_t *f, const char *const *terms, const char *const *networks,
            char ids[][MT_ID_SIZE], int max)
{
  static const char *const published[] = { "published", NULL };
  mt_store_listing_query_t query = {
    .terms = terms,
    .statuses = published,
    .visible_networks = networks,
    .sort = MT_LISTING_SORT_RELEVANCE,
    .limit = LIMIT,
  };
  mt_store_page_t page;
  bson_iter_t iter;
  mt_error_t error;
  int n = 0;

  assert_true (f->store->ops->listing_search (f->store, &query, &page, &error));
  assert_string_equal (page.next_cursor, "");
  assert_true (bson_iter_init (&iter, &page.items));
  while (bson_iter_next (&iter)) {
    const uint8_t *bytes;
    uint32_t len;
    bson_t doc;

    bson_iter_document (&iter, &len, &bytes);
    assert_true (bson_init_static (&doc, bytes, len));
    if (!networks) {
      assert_string_equal (mt_bson_str (&doc, "visibility"), "public");
    }
    assert_true (n < max);
    snprintf (ids[n++], MT_ID_SIZE, "%s", mt_bson_str (&doc, "id"));
  }
  mt_store_page_destroy (&page);
  return n;
}

static bool
has_id (char ids[][MT_ID_SIZE], int n, const char *id)
{
  for (int i = 0; i < n; i++) {
    if (strcmp (ids[i], id) == 0) {
      return true;
    }
  }
  return false;
}

/* The stored id of the demo listing @key (which must be there). */
static void
listing_id_ok (fixture_t *f, const char *key, char id[MT_ID_SIZE])
{
  mt_error_t error;

  mt_error_clear (&error);
  if (!mt_demo_listing_id (&f->ctx, key, id, &error)) {
    fail_msg ("%s: %s", key, error.message);
  }
}

/* ---- Tables --------------------------------------------------------------------------------- */

static const char *
domain_of (const char *email)
{
  const char *at = strchr (email, '@');

  assert_non_null (at);
  return at + 1;
}

static void
tables_are_consistent (void **state)
{
  static const char *const departements[] = { "02", "59", "60", "62", "80" };
  bool dep_seen[5] = { false };
  int pending = 0;

  (void) state;
  assert_true (mt_demo_org_count >= 12);
  assert_non_null (mt_demo_network_find ("apes"));
  assert_non_null (mt_demo_network_find ("mres"));
  assert_null (mt_demo_network_find ("autre"));
  assert_null (mt_demo_org_find ("inconnue"));
  assert_string_equal (mt_demo_org_find ("velo-lille")->commune, "Lille");
  for (size_t i = 0; i < mt_demo_org_count; i++) {
    const mt_demo_org_t *org = &mt_demo_orgs[i];
    const size_t people = mt_demo_org_people (org);
    bool dep_ok = false;

    assert_ptr_equal (mt_demo_org_find (org->key), org);
    for (size_t j = 0; j < i; j++) {
      assert_string_not_equal (mt_demo_orgs[j].key, org->key);
      assert_string_not_equal (mt_demo_orgs[j].name, org->name);
    }
    for (size_t d = 0; d < 5; d++) {
      if (strcmp (org->departement, departements[d]) == 0) {
        dep_seen[d] = dep_ok = true;
      }
    }
    assert_true (dep_ok);
    assert_true (org->lat > 49.0 && org->lat < 51.2 && org->lon > 1.3 && org->lon < 4.3);
    assert_true (org->networks != 0 && org->networks < (1u << MT_DEMO_NETWORK_COUNT));
    assert_non_null (strstr (org->email, ".exemple.fr"));
    assert_true (people >= 2);
    assert_string_equal (org->people[0].member_role, "manager");
    pending += strcmp (org->status, "pending") == 0;
    for (size_t p = 0; p < people; p++) {
      assert_string_equal (domain_of (org->people[p].email), domain_of (org->email));
      if (p > 0) {
        assert_string_equal (org->people[p].member_role, "staff");
      }
      /* E-mails are unique across the demo. */
      for (size_t j = 0; j <= i; j++) {
        for (size_t q = 0; q < mt_demo_org_people (&mt_demo_orgs[j]); q++) {
          if (j != i || q != p) {
            assert_string_not_equal (mt_demo_orgs[j].people[q].email, org->people[p].email);
          }
        }
      }
    }
  }
  for (size_t d = 0; d < 5; d++) {
    assert_true (dep_seen[d]);
  }
  assert_int_equal (pending, 1);
}

static bool
string_in (const char *value, const char *const *set)
{
  for (; *set; set++) {
    if (strcmp (value, *set) == 0) {
      return true;
    }
  }
  return false;
}

static void
listing_tables_are_consistent (void **state)
{
  static const char *const statuses[] = { "draft", "published", "paused", "archived", NULL };
  static const char *const visibilities[] = { "networks", "public", NULL };
  static const char *const conditions[] = { "new", "good", "fair", "worn", NULL };
  static const char *const formats[] = { "on_site", "remote", "both", NULL };
  static const char *const departements[] = { "02", "59", "60", "62", "80", NULL };
  bool category_used[64] = { false };
  bool owner_used[64] = { false };
  bool dep_used[5] = { false };
  int goods = 0, services = 0, owners = 0, published = 0, drafts = 0, paused = 0;
  int public = 0, automatic = 0, blackouts = 0;

  (void) state;
  assert_true (mt_categories_count () > 0 && mt_categories_count () <= 64);
  assert_true (mt_demo_org_count <= 64);
  assert_null (mt_demo_listing_find ("velo-lille/inconnue"));
  assert_null (mt_demo_listing_find (NULL));
  assert_null (mt_demo_listing_org (NULL));
  assert_string_equal (mt_demo_listing_find ("velo-lille/cargo-bakfiets")->title,
                       "Vélo cargo biporteur Bakfiets avec bâche");
  for (size_t i = 0; i < mt_demo_listing_count; i++) {
    const mt_demo_listing_t *row = &mt_demo_listings[i];
    const mt_demo_org_t *org = mt_demo_listing_org (row);
    const mt_category_t *category = mt_category_find (row->category);
    const char *slash = strchr (row->key, '/');
    const bool good = strcmp (row->kind, "good") == 0;

    assert_ptr_equal (mt_demo_listing_find (row->key), row);
    if (!org || !category) {
      fail_msg ("%s: unknown organisation or category", row->key);
    }
    /* "<organisation key>/<slug>", the slug in kebab-case. */
    assert_non_null (slash);
    assert_true (slash[1] != '\0' &&
                 strspn (slash + 1, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen (slash + 1));
    for (size_t j = 0; j < i; j++) {
      assert_string_not_equal (mt_demo_listings[j].key, row->key);
      /* Titles are how a store loaded before recognises its demo listings. */
      assert_string_not_equal (mt_demo_listings[j].title, row->title);
    }
    /* A pending member could not have published anything. */
    assert_string_not_equal (org->status, "pending");
    assert_true (row->author >= 0 && (size_t) row->author < mt_demo_org_people (org));
    assert_true (strlen (row->title) >= 3 && strlen (row->title) <= 120);
    assert_true (row->description && strlen (row->description) >= 80);
    assert_true (row->tags[0] != NULL);
    assert_true (string_in (row->status, statuses));
    assert_true (string_in (row->visibility, visibilities));
    assert_string_equal (category->kind, row->kind);
    assert_true (row->age_days >= 0 && row->age_days <= 90);
    category_used[category - mt_category_at (0)] = true;
    if (!owner_used[org - mt_demo_orgs]) {
      owner_used[org - mt_demo_orgs] = true;
      owners++;
    }
    for (size_t d = 0; departements[d]; d++) {
      dep_used[d] = dep_used[d] || strcmp (org->departement, departements[d]) == 0;
    }
    published += strcmp (row->status, "published") == 0;
    drafts += strcmp (row->status, "draft") == 0;
    paused += strcmp (row->status, "paused") == 0;
    public += strcmp (row->visibility, "public") == 0;
    if (good) {
      goods++;
      assert_true (row->format == NULL && row->duration_minutes == 0 &&
                   row->credit_rate_per_hour == 0 && row->languages[0] == NULL);
      assert_true (row->quantity >= 1 && row->quantity <= 1000);
      assert_true (row->condition == NULL || string_in (row->condition, conditions));
      assert_true (row->replacement_value_cents >= 0 && row->deposit_cents >= 0);
      assert_true (row->deposit_cents <= row->replacement_value_cents ||
                   row->replacement_value_cents == 0);
      assert_non_null (row->pickup_address);
      automatic += row->approval && strcmp (row->approval, "auto") == 0;
      for (size_t b = 0; b < MT_DEMO_BLACKOUTS_MAX && row->blackouts[b].end_day; b++) {
        /* In the coming months, never today, each after the previous one. */
        assert_true (row->blackouts[b].start_day >= 1);
        assert_true (row->blackouts[b].start_day < row->blackouts[b].end_day);
        assert_true (row->blackouts[b].end_day <= 180);
        assert_true (b == 0 || row->blackouts[b - 1].end_day <= row->blackouts[b].start_day);
        blackouts++;
      }
    } else {
      services++;
      assert_true (row->quantity == 0 && row->condition == NULL &&
                   row->replacement_value_cents == 0 && row->deposit_cents == 0 &&
                   row->max_days == 0 && row->min_notice_hours == 0 && row->buffer_hours == 0 &&
                   row->horizon_days == 0 && row->approval == NULL && row->pickup_address == NULL &&
                   row->blackouts[0].end_day == 0 && row->credit_price_per_day == 0);
      assert_true (string_in (row->format, formats));
      assert_true (row->duration_minutes >= 15 && row->duration_minutes <= 10080);
    }
  }
  assert_true (goods >= 40);
  assert_true (services >= 15);
  assert_true (owners >= 12);
  for (size_t d = 0; d < 5; d++) {
    assert_true (dep_used[d]);
  }
  for (size_t c = 0; c < mt_categories_count (); c++) {
    if (!category_used[c]) {
      fail_msg ("category %s is not used", mt_category_at (c)->slug);
    }
  }
  /* Mostly published, a few drafts and paused ones; both visibilities; some auto-approval;
   * a few blackout periods. */
  assert_true (published * 10 >= (int) mt_demo_listing_count * 8);
  assert_true (drafts >= 2 && paused >= 2);
  assert_true (public >= 10 && public < (int) mt_demo_listing_count - 10);
  assert_true (automatic >= 5);
  assert_true (blackouts >= 5);
}

/* ---- Loading -------------------------------------------------------------------------------- */

static void
loads_the_demo (void **state)
{
  fixture_t *f = *state;
  mt_schema_registry_t *reg = common_schemas ();
  mt_demo_result_t result;
  census_t c;
  mt_error_t error;

  load_ok (f, &result);
  assert_int_equal (result.networks_created, 2);
  assert_int_equal (result.members_created, (int) mt_demo_org_count);
  assert_int_equal (result.accounts_created, (int) mt_demo_account_count ());

  assert_int_equal (network_count (f), 2);
  c = census (f, reg);
  assert_true (c.members >= 12);
  assert_int_equal (c.members, (int) mt_demo_org_count);
  assert_int_equal (c.accounts, (int) mt_demo_account_count ());
  assert_int_equal (c.managers_ok, c.members);
  assert_true (c.departement_count >= 5);
  assert_int_equal (c.by_status[1], 1); /* the admins' review queue is not empty */
  assert_int_equal (c.by_status[2], 1);
  assert_int_equal (c.by_status[0], c.members - 2);
  {
    /* The shape checks above do refuse what they should. */
    bson_t bad = BSON_INITIALIZER;
    bson_t territory;
    bson_iter_t iter;

    BSON_APPEND_DOCUMENT_BEGIN (&bad, "territory", &territory);
    BSON_APPEND_UTF8 (&territory, "departement", "99");
    BSON_APPEND_UTF8 (&territory, "commune", "Nulle-Part");
    bson_append_document_end (&bad, &territory);
    assert_true (bson_iter_init_find (&iter, &bad, "territory"));
    assert_false (mt_schema_validate_value (c.territory, &iter, &error));
    bson_destroy (&bad);
  }
  mt_schema_registry_destroy (reg);

  mt_error_clear (&error);
  assert_true (f->store->ops->check_integrity (f->store, &error));
}

static void
password_verifies (void **state)
{
  fixture_t *f = *state;
  mt_demo_result_t result;
  bson_t account;
  mt_error_t error;
  char key[MT_EMAIL_MAX + 1];
  const char *hash;

  load_ok (f, &result);
  assert_true (mt_email_key (mt_demo_org_find ("theatre-arras")->people[1].email, key));
  assert_true (f->store->ops->account_find_by_email (f->store, key, &account, &error));
  hash = mt_bson_str (&account, "password_hash");
  assert_non_null (hash);
  assert_true (mt_password_verify (hash, MT_DEMO_PASSWORD));
  assert_false (mt_password_verify (hash, "pas-le-bon-mot-de-passe"));
  assert_string_equal (mt_bson_str (&account, "name"), "Hugo Caron");
  bson_destroy (&account);
}

static void
finds_by_stable_keys (void **state)
{
  fixture_t *f = *state;
  mt_demo_result_t result;
  char member_id[MT_ID_SIZE];
  char apes[MT_ID_SIZE], mres[MT_ID_SIZE];
  bson_t member, network;
  mt_error_t error;

  mt_error_clear (&error);
  assert_false (mt_demo_member_id (&f->ctx, "velo-lille", member_id, &error));
  assert_int_equal (error.code, MT_ERR_NOT_FOUND);
  assert_false (mt_demo_network_id (&f->ctx, "apes", apes, &error));
  assert_int_equal (error.code, MT_ERR_NOT_FOUND);

  load_ok (f, &result);
  assert_true (mt_demo_network_id (&f->ctx, "apes", apes, &error));
  assert_true (mt_demo_network_id (&f->ctx, "mres", mres, &error));
  assert_false (mt_demo_network_id (&f->ctx, "autre", mres, &error));
  assert_true (f->store->ops->network_get (f->store, apes, &network, &error));
  assert_string_equal (mt_bson_str (&network, "name"), "Apes");
  bson_destroy (&network);

  assert_true (mt_demo_member_id (&f->ctx, "velo-lille", member_id, &error));
  assert_true (f->store->ops->member_get (f->store, member_id, &member, &error));
  assert_string_equal (mt_bson_str (&member, "name"), "Les Mains dans le Guidon");
  assert_string_equal (mt_bson_str (&member, "status"), "active");
  assert_true (mt_bson_array_has_str (&member, "networks", apes));
  assert_true (mt_bson_array_has_str (&member, "networks", mres));
  bson_destroy (&member);

  assert_true (mt_demo_member_id (&f->ctx, "festival-boulogne", member_id, &error));
  assert_true (f->store->ops->member_get (f->store, member_id, &member, &error));
  assert_string_equal (mt_bson_str (&member, "status"), "pending");
  bson_destroy (&member);

  assert_false (mt_demo_member_id (&f->ctx, "inconnue", member_id, &error));
  assert_int_equal (error.code, MT_ERR_NOT_FOUND);
}

static void
loading_twice_adds_nothing (void **state)
{
  fixture_t *f = *state;
  mt_schema_registry_t *reg = common_schemas ();
  mt_demo_result_t first, second;
  char before[MT_ID_SIZE], after[MT_ID_SIZE];
  char listing_before[MT_ID_SIZE], listing_after[MT_ID_SIZE];
  int listings;
  census_t c;
  mt_error_t error;

  load_ok (f, &first);
  assert_true (mt_demo_member_id (&f->ctx, "jardin-laon", before, &error));
  listing_id_ok (f, "velo-lille/cargo-bakfiets", listing_before);
  listings = listing_count (f);
  assert_int_equal (listings, (int) mt_demo_listing_count);
  load_ok (f, &second);
  assert_int_equal (second.networks_created, 0);
  assert_int_equal (second.members_created, 0);
  assert_int_equal (second.accounts_created, 0);
  assert_int_equal (second.listings_created, 0);
  assert_int_equal (network_count (f), 2);
  assert_int_equal (listing_count (f), listings);
  listing_id_ok (f, "velo-lille/cargo-bakfiets", listing_after);
  assert_string_equal (listing_before, listing_after);
  c = census (f, reg);
  assert_int_equal (c.members, first.members);
  assert_int_equal (c.accounts, first.accounts);
  assert_true (mt_demo_member_id (&f->ctx, "jardin-laon", after, &error));
  assert_string_equal (before, after);
  mt_schema_registry_destroy (reg);
  assert_true (f->store->ops->check_integrity (f->store, &error));
}

typedef struct {
  fixture_t *f;
  const mt_schema_t *schema; /* listing.json */
  int goods, services, published, with_blackouts;
  bool category_used[64];
  char owners[64][MT_ID_SIZE];
  int owner_count;
  char departements[8][4];
  int departement_count;
} catalogue_t;

static void
catalogue_listing (const bson_t *listing, void *data)
{
  catalogue_t *c = data;
  const mt_category_t *category = mt_category_find (mt_bson_str (listing, "category"));
  const char *owner = mt_bson_str (listing, "owner_id");
  char *json = mt_json_from_bson (listing, NULL);
  bson_t parsed;
  bson_iter_t iter, child;
  mt_error_t error;
  bool seen = false;
  const char *dep;

  /* What GET /v1/listings/{id} would answer is a valid listing.json. */
  assert_non_null (json);
  assert_true (mt_json_parse_object (json, strlen (json), MT_JSON_STRICT, &parsed, &error));
  if (!mt_schema_validate (c->schema, &parsed, &error)) {
    fail_msg ("listing.json: %s at %s in %s", error.message, error.path, json);
  }
  bson_destroy (&parsed);
  free (json);

  assert_non_null (category);
  c->category_used[category - mt_category_at (0)] = true;
  if (mt_bson_str_eq (listing, "kind", "good")) {
    c->goods++;
    c->with_blackouts += mt_bson_has (listing, "blackouts");
    assert_true (mt_bson_has (listing, "loan_rules"));
    assert_true (mt_bson_has (listing, "approval") && mt_bson_has (listing, "quantity"));
  } else {
    c->services++;
    assert_true (mt_bson_has (listing, "languages"));
  }
  if (mt_bson_str_eq (listing, "status", "published")) {
    c->published++;
    assert_true (mt_bson_has (listing, "published_at"));
  }
  assert_non_null (owner);
  for (int i = 0; i < c->owner_count; i++) {
    seen = seen || strcmp (c->owners[i], owner) == 0;
  }
  if (!seen) {
    assert_true (c->owner_count < 64);
    snprintf (c->owners[c->owner_count++], MT_ID_SIZE, "%s", owner);
  }
  assert_true (bson_iter_init_find (&iter, listing, "territory") &&
               bson_iter_recurse (&iter, &child) && bson_iter_find (&child, "departement"));
  dep = bson_iter_utf8 (&child, NULL);
  seen = false;
  for (int i = 0; i < c->departement_count; i++) {
    seen = seen || strcmp (c->departements[i], dep) == 0;
  }
  if (!seen) {
    assert_true (c->departement_count < 8);
    snprintf (c->departements[c->departement_count++], 4, "%s", dep);
  }
}

static catalogue_t
catalogue (fixture_t *f)
{
  catalogue_t c;
  int n;

  memset (&c, 0, sizeof c);
  c.f = f;
  c.schema = mt_schema_registry_get (f->schemas, "listing.json");
  assert_non_null (c.schema);
  n = each_listing (f, catalogue_listing, &c);
  assert_int_equal (n, c.goods + c.services);
  return c;
}

/* The date at @path ("created_at", "blackouts.0.start") of @doc. */
static int64_t
date_at (const bson_t *doc, const char *path)
{
  bson_iter_t iter, child;

  assert_true (bson_iter_init (&iter, doc) && bson_iter_find_descendant (&iter, path, &child));
  assert_true (BSON_ITER_HOLDS_DATE_TIME (&child));
  return bson_iter_date_time (&child);
}

/* The integer at @path ("loan_rules.max_days") of @doc. */
static int64_t
int_at (const bson_t *doc, const char *path)
{
  bson_iter_t iter, child;

  assert_true (bson_iter_init (&iter, doc) && bson_iter_find_descendant (&iter, path, &child));
  assert_true (BSON_ITER_HOLDS_INT32 (&child) || BSON_ITER_HOLDS_INT64 (&child));
  return bson_iter_as_int64 (&child);
}

static void
loads_the_catalogue (void **state)
{
  fixture_t *f = *state;
  mt_demo_result_t result;
  catalogue_t c;
  char id[MT_ID_SIZE], owner[MT_ID_SIZE];
  bson_t listing, account;
  mt_error_t error;

  load_ok (f, &result);
  assert_int_equal (result.listings_created, (int) mt_demo_listing_count);
  c = catalogue (f);
  assert_int_equal (c.goods + c.services, (int) mt_demo_listing_count);
  assert_true (c.goods >= 40);
  assert_true (c.services >= 15);
  assert_true (c.owner_count >= 12);
  assert_int_equal (c.departement_count, 5);
  for (size_t i = 0; i < mt_categories_count (); i++) {
    if (!c.category_used[i]) {
      fail_msg ("no listing in category %s", mt_category_at (i)->slug);
    }
  }
  assert_true (c.published * 10 >= (c.goods + c.services) * 8);
  assert_true (c.with_blackouts >= 5);

  /* The cargo bike as its row says, with dates relative to the load: created 62 days
   * before, a blackout from midnight UTC 20 days after to 23 days after. */
  listing_id_ok (f, "velo-lille/cargo-bakfiets", id);
  assert_true (mt_demo_member_id (&f->ctx, "velo-lille", owner, &error));
  assert_true (f->store->ops->listing_get (f->store, id, &listing, &error));
  assert_string_equal (mt_bson_str (&listing, "owner_id"), owner);
  assert_string_equal (mt_bson_str (&listing, "title"), "Vélo cargo biporteur Bakfiets avec bâche");
  assert_string_equal (mt_bson_str (&listing, "category"), "velos-cargo");
  assert_string_equal (mt_bson_str (&listing, "visibility"), "networks");
  assert_string_equal (mt_bson_str (&listing, "status"), "published");
  assert_string_equal (mt_bson_str (&listing, "approval"), "manual");
  assert_int_equal (int_at (&listing, "replacement_value_cents"), 280000);
  assert_int_equal (int_at (&listing, "deposit_cents"), 50000);
  assert_int_equal (int_at (&listing, "loan_rules.max_days"), 7);
  assert_int_equal (int_at (&listing, "loan_rules.horizon_days"), 90);
  assert_int_equal (int_at (&listing, "credit_price_per_day"), 5);
  assert_true (mt_bson_has (&listing, "pickup"));
  assert_int_equal (date_at (&listing, "created_at"), NOW_MS - 62 * DAY_MS);
  assert_int_equal (date_at (&listing, "published_at"), NOW_MS - 62 * DAY_MS);
  assert_int_equal (date_at (&listing, "blackouts.0.start"), MIDNIGHT_MS + 20 * DAY_MS);
  assert_int_equal (date_at (&listing, "blackouts.0.end"), MIDNIGHT_MS + 23 * DAY_MS);
  bson_destroy (&listing);

  /* Left to the defaults: loan rules of a good, languages of a service. The row's author
   * created it. */
  listing_id_ok (f, "velo-lille/remorque-velo", id);
  assert_true (f->store->ops->listing_get (f->store, id, &listing, &error));
  assert_int_equal (int_at (&listing, "loan_rules.max_days"), 14);
  assert_int_equal (int_at (&listing, "loan_rules.min_notice_hours"), 24);
  assert_int_equal (int_at (&listing, "quantity"), 2);
  assert_string_equal (mt_bson_str (&listing, "approval"), "auto");
  bson_destroy (&listing);
  listing_id_ok (f, "cae-villeneuve/affiches", id);
  assert_true (f->store->ops->listing_get (f->store, id, &listing, &error));
  assert_true (mt_bson_array_has_str (&listing, "languages", "fr"));
  assert_string_equal (mt_bson_str (&listing, "format"), "both");
  assert_int_equal (int_at (&listing, "duration_minutes"), 120);
  assert_true (
    f->store->ops->account_get (f->store, mt_bson_str (&listing, "created_by"), &account, &error));
  assert_string_equal (mt_bson_str (&account, "name"), "Samuel Nguyen");
  bson_destroy (&account);
  bson_destroy (&listing);
  /* A draft has no publication date. */
  listing_id_ok (f, "jardin-laon/grainotheque", id);
  assert_true (f->store->ops->listing_get (f->store, id, &listing, &error));
  assert_string_equal (mt_bson_str (&listing, "status"), "draft");
  assert_false (mt_bson_has (&listing, "published_at"));
  bson_destroy (&listing);

  mt_error_clear (&error);
  assert_true (f->store->ops->check_integrity (f->store, &error));
}

static void
catalogue_is_searchable (void **state)
{
  fixture_t *f = *state;
  static const char *const velo_cargo[] = { "velo", "cargo", NULL };
  static const char *const barnum[] = { "BARNUM", NULL };
  static const char *const chapiteau[] = { "chapiteau", NULL };
  mt_demo_result_t result;
  char apes[MT_ID_SIZE], mres[MT_ID_SIZE];
  char bakfiets[MT_ID_SIZE], triporteur[MT_ID_SIZE], other[MT_ID_SIZE];
  const char *networks[3] = { apes, mres, NULL };
  char ids[LIMIT][MT_ID_SIZE];
  mt_error_t error;
  int n;

  load_ok (f, &result);
  assert_true (mt_demo_network_id (&f->ctx, "apes", apes, &error));
  assert_true (mt_demo_network_id (&f->ctx, "mres", mres, &error));
  listing_id_ok (f, "velo-lille/cargo-bakfiets", bakfiets);
  listing_id_ok (f, "velo-lille/cargo-triporteur", triporteur);

  /* A member of the networks finds both cargo bikes, the Bakfiets ("networks") included. */
  n = search_ids (f, velo_cargo, networks, ids, LIMIT);
  assert_true (has_id (ids, n, bakfiets));
  assert_true (has_id (ids, n, triporteur));
  /* An anonymous visitor finds the public one only. */
  n = search_ids (f, velo_cargo, NULL, ids, LIMIT);
  assert_true (has_id (ids, n, triporteur));
  assert_false (has_id (ids, n, bakfiets));
  /* Case does not matter. */
  n = search_ids (f, barnum, networks, ids, LIMIT);
  listing_id_ok (f, "recyclerie-roubaix/barnum-3x6", other);
  assert_true (has_id (ids, n, other));
  /* The paused chapiteau is not among the published listings. */
  n = search_ids (f, chapiteau, networks, ids, LIMIT);
  listing_id_ok (f, "theatre-arras/chapiteau", other);
  assert_false (has_id (ids, n, other));
}

static void
finds_listings_by_stable_keys (void **state)
{
  fixture_t *f = *state;
  mt_demo_result_t result;
  char id[MT_ID_SIZE], again[MT_ID_SIZE], owner[MT_ID_SIZE];
  bson_t listing;
  mt_error_t error;

  mt_error_clear (&error);
  assert_false (mt_demo_listing_id (&f->ctx, "velo-lille/cargo-bakfiets", id, &error));
  assert_int_equal (error.code, MT_ERR_NOT_FOUND);
  load_ok (f, &result);
  for (size_t i = 0; i < mt_demo_listing_count; i++) {
    const mt_demo_listing_t *row = &mt_demo_listings[i];

    listing_id_ok (f, row->key, id);
    assert_true (mt_demo_member_id (&f->ctx, mt_demo_listing_org (row)->key, owner, &error));
    assert_true (f->store->ops->listing_get (f->store, id, &listing, &error));
    assert_string_equal (mt_bson_str (&listing, "title"), row->title);
    assert_string_equal (mt_bson_str (&listing, "owner_id"), owner);
    assert_string_equal (mt_bson_str (&listing, "kind"), row->kind);
    assert_string_equal (mt_bson_str (&listing, "status"), row->status);
    assert_string_equal (mt_bson_str (&listing, "visibility"), row->visibility);
    bson_destroy (&listing);
  }
  listing_id_ok (f, "jardin-laon/fresque-climat", id);
  listing_id_ok (f, "jardin-laon/fresque-climat", again);
  assert_string_equal (id, again);
  assert_false (mt_demo_listing_id (&f->ctx, "jardin-laon/inconnue", id, &error));
  assert_int_equal (error.code, MT_ERR_NOT_FOUND);
  assert_false (mt_demo_listing_id (&f->ctx, "inconnue/fresque-climat", id, &error));
  assert_int_equal (error.code, MT_ERR_NOT_FOUND);
  assert_false (mt_demo_listing_id (&f->ctx, "sans-barre", id, &error));
  assert_int_equal (error.code, MT_ERR_NOT_FOUND);
  assert_false (mt_demo_listing_id (&f->ctx, NULL, id, &error));
  assert_int_equal (error.code, MT_ERR_NOT_FOUND);
}

/* A demo listing changed by its owner is left as it is; a deleted one comes back, alone. */
static void
reload_keeps_changes_and_restores_deleted_listings (void **state)
{
  fixture_t *f = *state;
  static const char *const changed_fields[] = { "status", "description", NULL };
  mt_demo_result_t result;
  char paused[MT_ID_SIZE], deleted[MT_ID_SIZE], back[MT_ID_SIZE], id[MT_ID_SIZE];
  bson_t listing, changed;
  mt_error_t error;
  int before;

  load_ok (f, &result);
  before = listing_count (f);
  listing_id_ok (f, "cafe-tourcoing/percolateur", paused);
  assert_true (f->store->ops->listing_get (f->store, paused, &listing, &error));
  bson_init (&changed);
  mt_bson_copy_without (&listing, &changed, changed_fields);
  BSON_APPEND_UTF8 (&changed, "status", "paused");
  BSON_APPEND_UTF8 (&changed, "description", "Le joint du robinet fuit : en réparation.");
  assert_true (f->store->ops->listing_update (f->store, paused, int_at (&listing, "version"),
                                              &changed, &error));
  bson_destroy (&listing);
  bson_destroy (&changed);
  listing_id_ok (f, "nature-dunkerque/jumelles", deleted);
  assert_true (f->store->ops->listing_delete (f->store, deleted, 1, &error));
  assert_int_equal (listing_count (f), before - 1);

  load_ok (f, &result);
  assert_int_equal (result.listings_created, 1);
  assert_int_equal (listing_count (f), before);
  listing_id_ok (f, "cafe-tourcoing/percolateur", id);
  assert_string_equal (id, paused);
  assert_true (f->store->ops->listing_get (f->store, id, &listing, &error));
  assert_string_equal (mt_bson_str (&listing, "status"), "paused");
  assert_int_equal (int_at (&listing, "version"), 2);
  bson_destroy (&listing);
  listing_id_ok (f, "nature-dunkerque/jumelles", back);
  assert_string_not_equal (back, deleted);
  mt_error_clear (&error);
  assert_true (f->store->ops->check_integrity (f->store, &error));
}

static void
needs_the_listing_schema (void **state)
{
  fixture_t *f = *state;
  mt_service_env_t env;
  mt_ctx_t ctx = f->ctx;
  mt_demo_result_t result;
  mt_error_t error;

  assert_true (mt_service_env_init (&env, &f->config));
  ctx.env = &env; /* no schemas */
  mt_error_clear (&error);
  assert_false (mt_demo_load (&ctx, &result, &error));
  assert_false (result.loaded);
  assert_int_equal (error.code, MT_ERR_INTERNAL);
  assert_int_equal (listing_count (f), 0);
  mt_service_env_destroy (&env);

  /* With them, the next load completes what the first one left. */
  load_ok (f, &result);
  assert_int_equal (result.members_created, 0);
  assert_int_equal (result.listings_created, (int) mt_demo_listing_count);
}

/* A store holding part of the demo (a network made by hand, one organisation without its
 * staff) is completed, reusing what exists. */
static void
completes_a_partial_demo (void **state)
{
  fixture_t *f = *state;
  const mt_demo_org_t *cafe = mt_demo_org_find ("cafe-tourcoing");
  char net_id[MT_ID_SIZE], member_id[MT_ID_SIZE], apes[MT_ID_SIZE];
  char hash[MT_PASSWORD_HASH_SIZE];
  bson_t network = BSON_INITIALIZER;
  bson_t profile = BSON_INITIALIZER;
  bson_t member, account;
  mt_account_fields_t fields;
  mt_demo_result_t result;
  mt_error_t error;

  mt_id_new ("net", net_id);
  BSON_APPEND_UTF8 (&network, "id", net_id);
  BSON_APPEND_UTF8 (&network, "slug", "apes");
  BSON_APPEND_UTF8 (&network, "name", "Apes");
  assert_true (f->store->ops->network_insert (f->store, &network, &error));
  bson_destroy (&network);

  BSON_APPEND_UTF8 (&profile, "name", cafe->name);
  mt_member_build (&profile, "active", NOW_MS, &member, member_id);
  assert_true (mt_password_hash (&f->config, MT_DEMO_PASSWORD, hash, &error));
  fields = (mt_account_fields_t){ .member_id = member_id,
                                  .email = cafe->people[0].email,
                                  .name = cafe->people[0].name,
                                  .member_role = "manager",
                                  .platform_role = "member",
                                  .status = "active",
                                  .password_hash = hash };
  assert_true (mt_account_build (&fields, NOW_MS, &account, NULL, &error));
  assert_true (f->store->ops->member_insert (f->store, &member, &account, &error));
  bson_destroy (&profile);
  bson_destroy (&member);
  bson_destroy (&account);

  load_ok (f, &result);
  assert_int_equal (result.networks_created, 1);
  assert_int_equal (result.members_created, (int) mt_demo_org_count - 1);
  assert_int_equal (result.accounts_created, (int) mt_demo_account_count () - 1);
  /* The organisation made by hand has no territory: its listings take the table's. */
  assert_int_equal (result.listings_created, (int) mt_demo_listing_count);
  assert_true (mt_demo_network_id (&f->ctx, "apes", apes, &error));
  assert_string_equal (apes, net_id);
  assert_true (mt_demo_member_id (&f->ctx, "cafe-tourcoing", apes, &error));
  assert_string_equal (apes, member_id);
  assert_int_equal (network_count (f), 2);
  assert_true (f->store->ops->check_integrity (f->store, &error));
}

static void
stops_when_hashing_fails (void **state)
{
  fixture_t *f = *state;
  mt_config_t bad = f->config;
  mt_service_env_t env;
  mt_ctx_t ctx = f->ctx;
  mt_demo_result_t result;
  mt_error_t error;

  /* Costs below libsodium's minimum make hashing fail: the load stops with that error and
   * reports nothing loaded. */
  bad.password_memlimit_kib = 1;
  assert_true (mt_service_env_init (&env, &bad));
  ctx.env = &env;
  mt_error_clear (&error);
  assert_false (mt_demo_load (&ctx, &result, &error));
  assert_false (result.loaded);
  assert_int_not_equal (error.code, MT_ERR_NONE);
  mt_service_env_destroy (&env);
}

/* ---- Reservations ---------------------------------------------------------------------------- */

#define HOUR_MS INT64_C (3600000)
#define MINUTE_MS INT64_C (60000)

static const char *const statuses[] = { "requested", "approved",    "declined", "cancelled",
                                        "expired",   "checked_out", "returned", "closed" };
#define STATUS_COUNT (sizeof statuses / sizeof statuses[0])

static int
status_index (const char *status)
{
  for (size_t i = 0; status && i < STATUS_COUNT; i++) {
    if (strcmp (statuses[i], status) == 0) {
      return (int) i;
    }
  }
  return -1;
}

static bool
is_blocking (const char *status)
{
  return status && (strcmp (status, "requested") == 0 || strcmp (status, "approved") == 0 ||
                    strcmp (status, "checked_out") == 0);
}

/* Minutes from midnight UTC of the load day. */
static int
minutes_of (int day, int hour, int minute)
{
  return (day * 24 + hour) * 60 + minute;
}

static bool
is_timers_step (mt_demo_step_kind_t kind)
{
  return kind == MT_DEMO_STEP_EXPIRE || kind == MT_DEMO_STEP_OVERDUE || kind == MT_DEMO_STEP_CLOSE;
}

/* The rows of mt_demo_reservations keep the rules of the service at their own dates, between
 * two different active organisations, and cover every status. */
static void
reservation_tables_are_consistent (void **state)
{
  bool seen[STATUS_COUNT] = { false };
  int overdue = 0, incidents = 0, clean_returns = 0;

  (void) state;
  assert_true (mt_demo_reservation_count >= STATUS_COUNT);
  for (size_t i = 0; i < mt_demo_reservation_count; i++) {
    const mt_demo_reservation_t *row = &mt_demo_reservations[i];
    const mt_demo_listing_t *listing = mt_demo_listing_find (row->listing);
    const mt_demo_org_t *owner = mt_demo_listing_org (listing);
    const mt_demo_org_t *borrower = mt_demo_org_find (row->borrower);
    const int max_days = listing && listing->max_days ? listing->max_days : 14;
    const int notice = listing && listing->min_notice_hours ? listing->min_notice_hours : 24;
    const int horizon = listing && listing->horizon_days ? listing->horizon_days : 180;
    const int quantity = listing && listing->quantity ? listing->quantity : 1;
    const int asked = minutes_of (row->day, row->hour, 0);
    int last = asked;
    int index = status_index (row->status);

    assert_non_null (listing);
    assert_non_null (owner);
    assert_non_null (borrower);
    assert_ptr_not_equal (owner, borrower); /* never an organisation borrowing its own goods */
    assert_string_equal (owner->status, "active");
    assert_string_equal (borrower->status, "active");
    assert_string_equal (listing->kind, "good");
    assert_string_equal (listing->status, "published");
    assert_true (strncmp (row->key, borrower->key, strlen (borrower->key)) == 0);
    assert_int_equal (row->key[strlen (borrower->key)], '/');
    assert_ptr_equal (mt_demo_reservation_find (row->key), row);
    for (size_t j = 0; j < i; j++) {
      assert_string_not_equal (mt_demo_reservations[j].key, row->key);
      assert_string_not_equal (mt_demo_reservations[j].message, row->message);
    }
    assert_true (row->requester >= 0 && (size_t) row->requester < mt_demo_org_people (borrower));
    assert_true (row->units >= 0 && (row->units ? row->units : 1) <= quantity);
    assert_true (strlen (row->message) > 0 && strlen (row->message) < 4000);
    /* Asked before the load day, after the listing was created. */
    assert_true (row->day <= -1 && row->day > -listing->age_days);
    assert_true (row->start_day < row->end_day && row->end_day - row->start_day <= max_days);
    assert_true (row->start_day * 24 * 60 - asked >= notice * 60);
    assert_true (row->start_day * 24 * 60 - asked <= horizon * 24 * 60);
    assert_true (index >= 0);
    seen[index] = true;
    for (size_t s = 0; s < MT_DEMO_STEPS_MAX && row->steps[s].kind; s++) {
      const mt_demo_step_t *step = &row->steps[s];
      const mt_demo_org_t *actor = step->by_borrower ? borrower : owner;
      const int at = minutes_of (step->day, step->hour, 0);

      if (step->kind == MT_DEMO_STEP_OVERDUE) {
        overdue++;
      }
      if (is_timers_step (step->kind)) {
        continue;
      }
      assert_true (step->by_borrower == false || step->kind == MT_DEMO_STEP_CANCEL);
      assert_true (step->person >= 0 && (size_t) step->person < mt_demo_org_people (actor));
      assert_true (step->day <= -1 && at >= last);
      last = at;
      if (step->kind == MT_DEMO_STEP_CANCEL) {
        assert_true (step->text && strlen (step->text) >= 3);
      }
      if (step->kind == MT_DEMO_STEP_CHECKOUT) {
        assert_non_null (step->text);
        assert_true (at >= row->start_day * 24 * 60 && at < row->end_day * 24 * 60);
      }
      if (step->kind == MT_DEMO_STEP_RETURN) {
        assert_non_null (step->text);
        assert_true (at <= row->end_day * 24 * 60); /* back in time: never overdue */
        if (step->incident_type) {
          assert_non_null (step->incident_text);
          incidents++;
        } else {
          clean_returns++;
        }
      }
    }
  }
  for (size_t i = 0; i < STATUS_COUNT; i++) {
    if (!seen[i]) {
      fail_msg ("no demo reservation is %s", statuses[i]);
    }
  }
  assert_true (overdue >= 1);
  assert_true (incidents >= 1);
  assert_true (clean_returns >= 1);
  assert_true (mt_demo_message_count >= 3);
  for (size_t i = 0; i < mt_demo_message_count; i++) {
    const mt_demo_message_t *msg = &mt_demo_messages[i];
    const mt_demo_reservation_t *row = mt_demo_reservation_find (msg->reservation);
    const mt_demo_org_t *org;
    const int at = minutes_of (msg->day, msg->hour, msg->minute);

    assert_non_null (row);
    org = msg->by_borrower ? mt_demo_org_find (row->borrower)
                           : mt_demo_listing_org (mt_demo_listing_find (row->listing));
    assert_true (msg->person >= 0 && (size_t) msg->person < mt_demo_org_people (org));
    assert_true (msg->day <= -1 && at > minutes_of (row->day, row->hour, 0));
    assert_true (strlen (msg->text) > 0 && strlen (msg->text) <= 4000);
    if (i > 0 && strcmp (mt_demo_messages[i - 1].reservation, msg->reservation) == 0) {
      const mt_demo_message_t *prev = &mt_demo_messages[i - 1];
      assert_true (at > minutes_of (prev->day, prev->hour, prev->minute));
    }
  }
  assert_null (mt_demo_reservation_find ("inconnue/inconnue"));
  assert_null (mt_demo_reservation_find (NULL));
}

/* Calls @fn on every reservation of the store. Returns the count. */
static int
each_reservation (fixture_t *f, void (*fn) (const bson_t *doc, void *data), void *data)
{
  mt_store_reservation_query_t query = { .limit = LIMIT };
  mt_store_page_t page;
  char cursor[MT_STORE_CURSOR_MAX] = "";
  mt_error_t error;
  int count = 0;

  do {
    query.cursor = cursor[0] ? cursor : NULL;
    assert_true (f->store->ops->reservation_list (f->store, &query, &page, &error));
    count += (int) page.count;
    if (fn) {
      each_doc (&page.items, fn, data);
    }
    snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
    mt_store_page_destroy (&page);
  } while (cursor[0]);
  return count;
}

/* Audit entries of @entity_id (NULL: all); @fn (may be NULL) sees each. Returns the count. */
static int
each_audit (fixture_t *f, const char *entity_id, void (*fn) (const bson_t *doc, void *data),
            void *data)
{
  mt_store_page_t page;
  char cursor[MT_STORE_CURSOR_MAX] = "";
  mt_error_t error;
  int count = 0;

  do {
    assert_true (f->store->ops->audit_list (f->store, entity_id, cursor[0] ? cursor : NULL, LIMIT,
                                            &page, &error));
    count += (int) page.count;
    if (fn) {
      each_doc (&page.items, fn, data);
    }
    snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
    mt_store_page_destroy (&page);
  } while (cursor[0]);
  return count;
}

typedef struct {
  fixture_t *f;
  int count;
} message_count_t;

static void
count_messages (const bson_t *reservation, void *data)
{
  message_count_t *c = data;
  mt_store_page_t page;
  mt_error_t error;

  assert_true (c->f->store->ops->message_list (c->f->store, mt_bson_str (reservation, "id"), NULL,
                                               LIMIT, &page, &error));
  c->count += (int) page.count;
  mt_store_page_destroy (&page);
}

/* Messages of every reservation of the store. */
static int
message_total (fixture_t *f)
{
  message_count_t c = { .f = f };

  each_reservation (f, count_messages, &c);
  return c.count;
}

/* The id of the account of person @person of organisation @org_key. */
static void
account_id_of (fixture_t *f, const char *org_key, int person, char id[MT_ID_SIZE])
{
  const mt_demo_org_t *org = mt_demo_org_find (org_key);
  char key[MT_EMAIL_MAX + 1];
  bson_t account;
  mt_error_t error;

  assert_non_null (org);
  assert_true (mt_email_key (org->people[person].email, key));
  assert_true (f->store->ops->account_find_by_email (f->store, key, &account, &error));
  snprintf (id, MT_ID_SIZE, "%s", mt_bson_str (&account, "id"));
  bson_destroy (&account);
}

static void
member_id_ok (fixture_t *f, const char *key, char id[MT_ID_SIZE])
{
  mt_error_t error;

  mt_error_clear (&error);
  if (!mt_demo_member_id (&f->ctx, key, id, &error)) {
    fail_msg ("%s: %s", key, error.message);
  }
}

/* The stored demo reservation @key, in @out. */
static void
reservation_ok (fixture_t *f, const char *key, bson_t *out)
{
  char id[MT_ID_SIZE];
  mt_error_t error;

  mt_error_clear (&error);
  if (!mt_demo_reservation_id (&f->ctx, key, id, &error)) {
    fail_msg ("%s: %s", key, error.message);
  }
  assert_true (f->store->ops->reservation_get (f->store, id, out, &error));
}

/* The last item of the history of @reservation, in @item (static, borrowed). */
static void
last_history_item (const bson_t *reservation, bson_t *item)
{
  bson_iter_t it, child;
  const uint8_t *data = NULL;
  uint32_t len = 0;

  assert_true (bson_iter_init_find (&it, reservation, "history"));
  assert_true (bson_iter_recurse (&it, &child));
  while (bson_iter_next (&child)) {
    bson_iter_document (&child, &len, &data);
  }
  assert_non_null (data);
  assert_true (bson_init_static (item, data, len));
}

/* Whether account @account_id holds a notification of @kind about @entity_id, at @at_ms. */
static bool
notified (fixture_t *f, const char *account_id, const char *kind, const char *entity_id,
          int64_t at_ms)
{
  mt_store_page_t page;
  bson_iter_t iter;
  mt_error_t error;
  bool found = false;

  assert_true (f->store->ops->notification_list (f->store, account_id, NULL, LIMIT, &page, &error));
  assert_true (bson_iter_init (&iter, &page.items));
  while (!found && bson_iter_next (&iter)) {
    const uint8_t *bytes;
    uint32_t len;
    bson_t doc;

    bson_iter_document (&iter, &len, &bytes);
    assert_true (bson_init_static (&doc, bytes, len));
    found = mt_bson_str_eq (&doc, "kind", kind) && mt_bson_str_eq (&doc, "entity_id", entity_id) &&
            date_at (&doc, "created_at") == at_ms;
  }
  mt_store_page_destroy (&page);
  return found;
}

/* Every row of the table is stored, in its status, between the row's organisations, at the
 * row's dates; the states' own fields are there (overdue flag, incident, timers' changes). */
static void
loads_reservations_in_every_state (void **state)
{
  fixture_t *f = *state;
  mt_demo_result_t result;
  bool seen[STATUS_COUNT] = { false };
  int overdue = 0, under_way = 0, incidents = 0, clean = 0;
  char id[MT_ID_SIZE];
  mt_error_t error;

  load_ok (f, &result);
  assert_int_equal (result.reservations_created, (int) mt_demo_reservation_count);
  assert_int_equal (result.reservations_skipped, 0);
  assert_int_equal (result.messages_created, (int) mt_demo_message_count);
  assert_int_equal (each_reservation (f, NULL, NULL), (int) mt_demo_reservation_count);
  for (size_t i = 0; i < mt_demo_reservation_count; i++) {
    const mt_demo_reservation_t *row = &mt_demo_reservations[i];
    const mt_demo_org_t *owner = mt_demo_listing_org (mt_demo_listing_find (row->listing));
    char listing_id[MT_ID_SIZE], borrower_id[MT_ID_SIZE], owner_id[MT_ID_SIZE];
    char requester[MT_ID_SIZE];
    const char *status;
    bson_t res, item;

    reservation_ok (f, row->key, &res);
    status = mt_bson_str (&res, "status");
    assert_string_equal (status, row->status);
    seen[status_index (status)] = true;
    listing_id_ok (f, row->listing, listing_id);
    member_id_ok (f, row->borrower, borrower_id);
    member_id_ok (f, owner->key, owner_id);
    account_id_of (f, row->borrower, row->requester, requester);
    assert_string_equal (mt_bson_str (&res, "listing_id"), listing_id);
    assert_string_equal (mt_bson_str (&res, "borrower_member_id"), borrower_id);
    assert_string_equal (mt_bson_str (&res, "owner_member_id"), owner_id);
    assert_string_not_equal (borrower_id, owner_id);
    assert_string_equal (mt_bson_str (&res, "requested_by"), requester);
    assert_string_equal (mt_bson_str (&res, "message"), row->message);
    assert_int_equal (date_at (&res, "start"), MIDNIGHT_MS + row->start_day * DAY_MS);
    assert_int_equal (date_at (&res, "end"), MIDNIGHT_MS + row->end_day * DAY_MS);
    assert_int_equal (date_at (&res, "created_at"),
                      MIDNIGHT_MS + row->day * DAY_MS + row->hour * HOUR_MS);
    assert_int_equal (int_at (&res, "units"), row->units ? row->units : 1);
    last_history_item (&res, &item);
    if (strcmp (status, "checked_out") == 0) {
      if (date_at (&res, "end") <= NOW_MS) {
        /* Flagged, and both sides told, as the timers do. */
        assert_true (mt_bson_bool (&res, "overdue", false));
        assert_true (notified (f, requester, "reservation_overdue", mt_bson_str (&res, "id"),
                               date_at (&res, "end") + MT_DEMO_TIMER_DELAY_MS));
        overdue++;
      } else {
        assert_false (mt_bson_bool (&res, "overdue", true));
        under_way++;
      }
    } else if (strcmp (status, "returned") == 0) {
      if (mt_bson_bool (&res, "review_required", false)) {
        assert_string_equal (mt_bson_str (&res, "return.incident.type"), "damage");
        incidents++;
      } else {
        assert_false (mt_bson_has (&res, "return.incident"));
        /* Not closed yet by the timers: back within close_after_days. */
        assert_true (date_at (&res, "returned_at") > NOW_MS - f->config.close_after_days * DAY_MS);
        clean++;
      }
    } else if (strcmp (status, "expired") == 0) {
      assert_string_equal (mt_bson_str (&item, "actor"), "system");
      assert_string_equal (mt_bson_str (&item, "reason"), "no_answer");
      assert_int_equal (date_at (&res, "expired_at"),
                        date_at (&res, "expires_at") + MT_DEMO_TIMER_DELAY_MS);
      assert_true (notified (f, requester, "reservation_expired", mt_bson_str (&res, "id"),
                             date_at (&res, "expired_at")));
    } else if (strcmp (status, "closed") == 0) {
      assert_string_equal (mt_bson_str (&res, "closed_by"), "system");
      assert_string_equal (mt_bson_str (&item, "reason"), "no_incident");
      assert_int_equal (date_at (&res, "closed_at"), date_at (&res, "returned_at") +
                                                       f->config.close_after_days * DAY_MS +
                                                       MT_DEMO_TIMER_DELAY_MS);
    } else if (strcmp (status, "requested") == 0) {
      /* Still waiting at the load instant: the timers will not expire it at once. */
      assert_true (date_at (&res, "expires_at") > NOW_MS);
    }
    bson_destroy (&res);
  }
  for (size_t i = 0; i < STATUS_COUNT; i++) {
    if (!seen[i]) {
      fail_msg ("no stored demo reservation is %s", statuses[i]);
    }
  }
  assert_true (overdue >= 1);
  assert_true (under_way >= 1);
  assert_true (incidents >= 1);
  assert_true (clean >= 1);
  mt_error_clear (&error);
  assert_false (mt_demo_reservation_id (&f->ctx, "inconnue/inconnue", id, &error));
  assert_int_equal (error.code, MT_ERR_NOT_FOUND);
  assert_true (f->store->ops->check_integrity (f->store, &error));
}

typedef struct {
  fixture_t *f;
  const bson_t *reservation;
  int history_items;
  int audited;
} history_check_t;

/* The history item @seq of @reservation, in @item (borrowed). */
static bool
history_item (const bson_t *reservation, int64_t seq, bson_t *item)
{
  char path[32];
  bson_iter_t it;
  const uint8_t *data;
  uint32_t len;

  snprintf (path, sizeof path, "history.%lld", (long long) seq - 1);
  if (!bson_iter_init (&it, reservation) || !bson_iter_find_descendant (&it, path, &it) ||
      !BSON_ITER_HOLDS_DOCUMENT (&it)) {
    return false;
  }
  bson_iter_document (&it, &len, &data);
  return bson_init_static (item, data, len);
}

static void
assert_same_str (const char *a, const char *b)
{
  if (a || b) {
    assert_non_null (a);
    assert_non_null (b);
    assert_string_equal (a, b);
  }
}

/* An audit entry of the reservation being checked is one of its history items, as is. */
static void
check_audit_entry (const bson_t *entry, void *data)
{
  history_check_t *c = data;
  const char *res_id = mt_bson_str (c->reservation, "id");
  const char *id = mt_bson_str (entry, "id");
  char *end = NULL;
  long long seq;
  bson_t item;

  assert_string_equal (mt_bson_str (entry, "entity"), "reservation");
  assert_string_equal (mt_bson_str (entry, "entity_id"), res_id);
  assert_true (strncmp (id, res_id, strlen (res_id)) == 0 && id[strlen (res_id)] == ':');
  seq = strtoll (id + strlen (res_id) + 1, &end, 10);
  assert_true (end && *end == '\0');
  assert_true (history_item (c->reservation, seq, &item));
  assert_int_equal (date_at (entry, "at"), date_at (&item, "at"));
  assert_same_str (mt_bson_str (entry, "actor"), mt_bson_str (&item, "actor"));
  assert_same_str (mt_bson_str (entry, "from"), mt_bson_str (&item, "from"));
  assert_same_str (mt_bson_str (entry, "to"), mt_bson_str (&item, "to"));
  assert_same_str (mt_bson_str (entry, "reason"), mt_bson_str (&item, "reason"));
  c->audited++;
}

/* A reservation's history is a chain of allowed transitions, in time order and before the
 * load instant, and its audit entries are exactly its history items. */
static void
check_history (const bson_t *reservation, void *data)
{
  history_check_t *c = data;
  const char *previous_to = NULL;
  int64_t previous_at = date_at (reservation, "created_at");
  int64_t seq = 1;
  bson_t item;

  c->reservation = reservation;
  for (; history_item (reservation, seq, &item); seq++) {
    const char *from = mt_bson_str (&item, "from");
    const char *to = mt_bson_str (&item, "to");

    assert_int_equal (int_at (&item, "seq"), seq);
    if (seq == 1) {
      assert_null (from);
      assert_string_equal (to, "requested");
      assert_string_equal (mt_bson_str (&item, "actor"), mt_bson_str (reservation, "requested_by"));
    } else {
      assert_same_str (from, previous_to);
      assert_true (mt_reservation_transition_allowed (from, to));
    }
    assert_true (date_at (&item, "at") >= previous_at);
    assert_true (date_at (&item, "at") <= NOW_MS);
    previous_at = date_at (&item, "at");
    previous_to = to;
  }
  assert_true (seq > 1);
  assert_string_equal (previous_to, mt_bson_str (reservation, "status"));
  assert_true (date_at (reservation, "updated_at") >= previous_at);
  assert_true (date_at (reservation, "updated_at") <= NOW_MS);
  {
    /* One version per write: the insert (with the auto-approval item, if any), each user or
     * timers' change, and the overdue flag (no history item). */
    bson_t second;
    const bool auto_approved =
      history_item (reservation, 2, &second) && mt_bson_str_eq (&second, "reason", "auto_approval");
    const int64_t writes =
      (seq - 1) - (auto_approved ? 1 : 0) + (mt_bson_bool (reservation, "overdue", false) ? 1 : 0);
    assert_int_equal (int_at (reservation, "version"), writes);
  }
  c->history_items += (int) (seq - 1);
  c->audited = 0;
  assert_int_equal (each_audit (c->f, mt_bson_str (reservation, "id"), check_audit_entry, c),
                    (int) (seq - 1));
  assert_int_equal (c->audited, (int) (seq - 1));
}

static void
count_reservation_audit (const bson_t *entry, void *data)
{
  *(int *) data += mt_bson_str_eq (entry, "entity", "reservation") ? 1 : 0;
}

static void
reservation_history_and_audit_agree (void **state)
{
  fixture_t *f = *state;
  mt_demo_result_t result;
  history_check_t c = { .f = f };
  int reservation_audit = 0;
  mt_error_t error;

  load_ok (f, &result);
  assert_int_equal (each_reservation (f, check_history, &c), (int) mt_demo_reservation_count);
  /* No other reservation audit entry: one per history item of the demo's reservations (the
   * bookings have their own). */
  assert_int_equal (each_audit (f, NULL, count_reservation_audit, &reservation_audit),
                    each_audit (f, NULL, NULL, NULL));
  assert_int_equal (reservation_audit, c.history_items);
  assert_true (f->store->ops->check_integrity (f->store, &error));
}

typedef struct {
  fixture_t *f;
  int blocking;
  int entries;
} calendar_check_t;

/* A blocking reservation holds exactly one entry in its listing's calendar, with its period
 * and units; a reservation that does not block holds none. */
static void
check_calendar_of (const bson_t *reservation, void *data)
{
  calendar_check_t *c = data;
  const char *id = mt_bson_str (reservation, "id");
  bson_t calendar;
  bson_iter_t it, child;
  mt_error_t error;
  int found = 0;

  assert_true (c->f->store->ops->calendar_get (c->f->store, mt_bson_str (reservation, "listing_id"),
                                               &calendar, &error));
  if (bson_iter_init_find (&it, &calendar, "entries") && bson_iter_recurse (&it, &child)) {
    while (bson_iter_next (&child)) {
      const uint8_t *bytes;
      uint32_t len;
      bson_t entry;

      bson_iter_document (&child, &len, &bytes);
      assert_true (bson_init_static (&entry, bytes, len));
      if (mt_bson_str_eq (&entry, "reservation_id", id)) {
        found++;
        assert_int_equal (date_at (&entry, "start"), date_at (reservation, "start"));
        assert_int_equal (date_at (&entry, "end"), date_at (reservation, "end"));
        assert_int_equal (int_at (&entry, "units"), int_at (reservation, "units"));
      }
    }
  }
  bson_destroy (&calendar);
  if (is_blocking (mt_bson_str (reservation, "status"))) {
    assert_int_equal (found, 1);
    c->blocking++;
  } else {
    assert_int_equal (found, 0);
  }
}

/* Every entry of a calendar belongs to a stored reservation that blocks. */
static void
check_calendar_entries (const bson_t *calendar, void *data)
{
  calendar_check_t *c = data;
  bson_iter_t it, child;

  if (!bson_iter_init_find (&it, calendar, "entries") || !bson_iter_recurse (&it, &child)) {
    return;
  }
  while (bson_iter_next (&child)) {
    const uint8_t *bytes;
    uint32_t len;
    bson_t entry, reservation;
    mt_error_t error;

    bson_iter_document (&child, &len, &bytes);
    assert_true (bson_init_static (&entry, bytes, len));
    assert_true (c->f->store->ops->reservation_get (
      c->f->store, mt_bson_str (&entry, "reservation_id"), &reservation, &error));
    assert_true (is_blocking (mt_bson_str (&reservation, "status")));
    assert_string_equal (mt_bson_str (&reservation, "listing_id"),
                         mt_bson_str (calendar, "listing_id"));
    bson_destroy (&reservation);
    c->entries++;
  }
}

static void
reservation_calendars_hold_the_blocking_ones (void **state)
{
  fixture_t *f = *state;
  mt_demo_result_t result;
  calendar_check_t c = { .f = f };
  mt_store_page_t page;
  char cursor[MT_STORE_CURSOR_MAX] = "";
  mt_error_t error;

  load_ok (f, &result);
  each_reservation (f, check_calendar_of, &c);
  assert_true (c.blocking >= 4); /* requested, two approved, two checked out */
  do {
    assert_true (
      f->store->ops->calendar_list (f->store, cursor[0] ? cursor : NULL, LIMIT, &page, &error));
    each_doc (&page.items, check_calendar_entries, &c);
    snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
    mt_store_page_destroy (&page);
  } while (cursor[0]);
  assert_int_equal (c.entries, c.blocking); /* no other entry anywhere */
  assert_true (f->store->ops->check_integrity (f->store, &error));
}

typedef struct {
  fixture_t *f;
  size_t next; /* index in mt_demo_messages */
  const mt_demo_reservation_t *row;
} thread_check_t;

static void
check_message (const bson_t *message, void *data)
{
  thread_check_t *t = data;
  const mt_demo_message_t *msg;
  const mt_demo_org_t *org;
  char account[MT_ID_SIZE], member[MT_ID_SIZE];

  while (t->next < mt_demo_message_count &&
         strcmp (mt_demo_messages[t->next].reservation, t->row->key) != 0) {
    t->next++;
  }
  assert_true (t->next < mt_demo_message_count);
  msg = &mt_demo_messages[t->next++];
  org = msg->by_borrower ? mt_demo_org_find (t->row->borrower)
                         : mt_demo_listing_org (mt_demo_listing_find (t->row->listing));
  account_id_of (t->f, org->key, msg->person, account);
  member_id_ok (t->f, org->key, member);
  assert_string_equal (mt_bson_str (message, "text"), msg->text);
  assert_string_equal (mt_bson_str (message, "author_account_id"), account);
  assert_string_equal (mt_bson_str (message, "author_member_id"), member);
  assert_string_equal (mt_bson_str (message, "author_role"),
                       msg->by_borrower ? "borrower" : "owner");
  assert_int_equal (date_at (message, "created_at"), MIDNIGHT_MS + msg->day * DAY_MS +
                                                       msg->hour * HOUR_MS +
                                                       msg->minute * MINUTE_MS);
}

/* The thread of the overdue loan holds the table's messages, oldest first, by their authors. */
static void
reservation_thread_is_written (void **state)
{
  fixture_t *f = *state;
  mt_demo_result_t result;
  thread_check_t t = { .f = f, .row = mt_demo_reservation_find (mt_demo_messages[0].reservation) };
  size_t expected = 0;
  mt_store_page_t page;
  char id[MT_ID_SIZE];
  mt_error_t error;

  load_ok (f, &result);
  assert_non_null (t.row);
  for (size_t i = 0; i < mt_demo_message_count; i++) {
    expected += strcmp (mt_demo_messages[i].reservation, t.row->key) == 0;
  }
  assert_true (mt_demo_reservation_id (&f->ctx, t.row->key, id, &error));
  assert_true (f->store->ops->message_list (f->store, id, NULL, LIMIT, &page, &error));
  assert_int_equal (page.count, expected);
  each_doc (&page.items, check_message, &t);
  mt_store_page_destroy (&page);
  assert_int_equal (message_total (f), (int) mt_demo_message_count);
}

/*
 * Rows refused by a rule are skipped and the load goes on; a later load makes them while
 * the demo's listings hold no reservation, and none at all once one of them holds one (here
 * a member's own request).
 */
static void
reservations_only_while_the_listings_have_none (void **state)
{
  fixture_t *f = *state;
  const int64_t max_active = f->config.max_active_reservations;
  mt_demo_result_t result;
  mt_principal_t p;
  mt_ctx_t ctx = f->ctx;
  char listing[MT_ID_SIZE], id[MT_ID_SIZE];
  char start[MT_TIME_RFC3339_MAX], end[MT_TIME_RFC3339_MAX];
  bson_t body = BSON_INITIALIZER;
  bson_t out;
  mt_error_t error;

  /* No member may hold any reservation: every request is refused (422). */
  f->config.max_active_reservations = 0;
  load_ok (f, &result);
  assert_int_equal (result.reservations_created, 0);
  assert_int_equal (result.reservations_skipped, (int) mt_demo_reservation_count);
  assert_int_equal (result.messages_created, 0);
  assert_int_equal (each_reservation (f, NULL, NULL), 0);
  f->config.max_active_reservations = max_active;

  /* A member of Dunes et Marais (network MRES) reserves the Bakfiets of Lille. */
  mt_principal_init (&p);
  account_id_of (f, "nature-dunkerque", 0, p.account_id);
  member_id_ok (f, "nature-dunkerque", p.member_id);
  bson_destroy (&p.account);
  bson_destroy (&p.member);
  assert_true (f->store->ops->account_get (f->store, p.account_id, &p.account, &error));
  assert_true (f->store->ops->member_get (f->store, p.member_id, &p.member, &error));
  p.member_active = true;
  ctx.principal = &p;
  listing_id_ok (f, "velo-lille/cargo-bakfiets", listing);
  mt_time_format_rfc3339 (MIDNIGHT_MS + 40 * DAY_MS, start);
  mt_time_format_rfc3339 (MIDNIGHT_MS + 42 * DAY_MS, end);
  BSON_APPEND_UTF8 (&body, "listing_id", listing);
  BSON_APPEND_UTF8 (&body, "start", start);
  BSON_APPEND_UTF8 (&body, "end", end);
  mt_error_clear (&error);
  if (!mt_reservation_create (&ctx, &body, &out, id, &error)) {
    fail_msg ("reservation: %s", error.message);
  }
  bson_destroy (&out);
  bson_destroy (&body);
  mt_principal_destroy (&p);

  load_ok (f, &result);
  assert_int_equal (result.reservations_created, 0);
  assert_int_equal (result.reservations_skipped, 0);
  assert_int_equal (each_reservation (f, NULL, NULL), 1);
  mt_error_clear (&error);
  assert_false (mt_demo_reservation_id (&f->ctx, mt_demo_reservations[0].key, id, &error));
  assert_int_equal (error.code, MT_ERR_NOT_FOUND);
  assert_true (f->store->ops->check_integrity (f->store, &error));
}

/* A load that skipped every row (above) is completed by the next one, on a store without
 * reservations. */
static void
skipped_rows_are_made_by_a_later_load (void **state)
{
  fixture_t *f = *state;
  const int64_t max_active = f->config.max_active_reservations;
  mt_demo_result_t result;
  mt_error_t error;

  f->config.max_active_reservations = 0;
  load_ok (f, &result);
  assert_int_equal (result.reservations_skipped, (int) mt_demo_reservation_count);
  f->config.max_active_reservations = max_active;
  load_ok (f, &result);
  assert_int_equal (result.reservations_created, (int) mt_demo_reservation_count);
  assert_int_equal (result.reservations_skipped, 0);
  assert_int_equal (result.messages_created, (int) mt_demo_message_count);
  assert_int_equal (each_reservation (f, NULL, NULL), (int) mt_demo_reservation_count);
  assert_true (f->store->ops->check_integrity (f->store, &error));
}

/* Sums the versions of the reservations (any change adds one). */
static void
sum_versions (const bson_t *reservation, void *data)
{
  *(int64_t *) data += int_at (reservation, "version");
}

/* A second load (even a day later) changes no reservation and adds nothing. */
static void
reservations_load_once (void **state)
{
  fixture_t *f = *state;
  mt_demo_result_t result;
  int64_t versions = 0, versions_after = 0;
  int audit, messages;
  mt_error_t error;

  load_ok (f, &result);
  assert_int_equal (each_reservation (f, sum_versions, &versions), (int) mt_demo_reservation_count);
  audit = each_audit (f, NULL, NULL, NULL);
  messages = message_total (f);
  f->ctx.now_ms += DAY_MS;
  load_ok (f, &result);
  f->ctx.now_ms -= DAY_MS;
  assert_int_equal (result.reservations_created, 0);
  assert_int_equal (result.reservations_skipped, 0);
  assert_int_equal (result.messages_created, 0);
  assert_int_equal (each_reservation (f, sum_versions, &versions_after),
                    (int) mt_demo_reservation_count);
  assert_int_equal (versions_after, versions);
  assert_int_equal (each_audit (f, NULL, NULL, NULL), audit);
  assert_int_equal (message_total (f), messages);
  for (size_t i = 0; i < mt_demo_reservation_count; i++) {
    bson_t res;
    reservation_ok (f, mt_demo_reservations[i].key, &res);
    bson_destroy (&res);
  }
  assert_true (f->store->ops->check_integrity (f->store, &error));
}

/* ---- Service bookings, needs and credits ---------------------------------------------------- */

/* Turns credits on and creates the first administrator, as mutuad --demo does before loading. */
static void
credits_on (fixture_t *f)
{
  mt_bootstrap_result_t admin;
  mt_error_t error;

  f->config.credits_enabled = true;
  mt_error_clear (&error);
  if (!mt_bootstrap_admin (&f->ctx, &admin, &error)) {
    fail_msg ("bootstrap: %s", error.message);
  }
  sodium_memzero (admin.password, sizeof admin.password);
}

/* Calls @fn on every booking of the store. Returns the count. */
static int
each_booking (fixture_t *f, void (*fn) (const bson_t *doc, void *data), void *data)
{
  mt_store_booking_query_t query = { .limit = LIMIT };
  mt_store_page_t page;
  char cursor[MT_STORE_CURSOR_MAX] = "";
  mt_error_t error;
  int count = 0;

  do {
    query.cursor = cursor[0] ? cursor : NULL;
    assert_true (f->store->ops->booking_list (f->store, &query, &page, &error));
    count += (int) page.count;
    if (fn) {
      each_doc (&page.items, fn, data);
    }
    snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
    mt_store_page_destroy (&page);
  } while (cursor[0]);
  return count;
}

static const char *const booking_statuses[] = { "requested", "accepted",  "declined",
                                                "cancelled", "completed", "confirmed" };
#define BOOKING_STATUS_COUNT 6

typedef struct {
  int by_status[BOOKING_STATUS_COUNT];
  int paid;
  int64_t paid_amount;
} booking_census_t;

static void
census_booking (const bson_t *booking, void *data)
{
  booking_census_t *c = data;
  const char *status = mt_bson_str (booking, "status");
  bool known = false;

  assert_non_null (status);
  assert_false (
    mt_bson_str_eq (booking, "requester_member_id", mt_bson_str (booking, "provider_member_id")));
  for (int i = 0; i < BOOKING_STATUS_COUNT; i++) {
    if (strcmp (status, booking_statuses[i]) == 0) {
      c->by_status[i]++;
      known = true;
    }
  }
  assert_true (known);
  if (mt_bson_has (booking, "payment")) {
    assert_string_equal (status, "confirmed");
    assert_true (int_at (booking, "payment.amount") > 0);
    c->paid++;
    c->paid_amount += int_at (booking, "payment.amount");
  }
}

/* Counts of the statuses of mt_demo_bookings. */
static void
booking_table_census (int by_status[BOOKING_STATUS_COUNT])
{
  memset (by_status, 0, sizeof (int) * BOOKING_STATUS_COUNT);
  for (size_t i = 0; i < mt_demo_booking_count; i++) {
    for (int k = 0; k < BOOKING_STATUS_COUNT; k++) {
      if (strcmp (mt_demo_bookings[i].status, booking_statuses[k]) == 0) {
        by_status[k]++;
      }
    }
  }
}

/* Every booking state is there, made by the service at the table's dates; the confirmed ones
 * are paid when credits are enabled, and each row is found by its stable key. */
static void
loads_bookings_in_every_state (void **state)
{
  fixture_t *f = *state;
  mt_demo_result_t result;
  booking_census_t c;
  int expected[BOOKING_STATUS_COUNT];
  mt_error_t error;

  credits_on (f);
  load_ok (f, &result);
  assert_int_equal (result.bookings, (int) mt_demo_booking_count);
  assert_int_equal (result.bookings_created, (int) mt_demo_booking_count);
  assert_int_equal (result.bookings_skipped, 0);
  memset (&c, 0, sizeof c);
  assert_int_equal (each_booking (f, census_booking, &c), (int) mt_demo_booking_count);
  booking_table_census (expected);
  for (int k = 0; k < BOOKING_STATUS_COUNT; k++) {
    assert_true (expected[k] >= 1);
    assert_int_equal (c.by_status[k], expected[k]);
  }
  assert_true (c.by_status[5] >= 2);         /* at least two confirmed... */
  assert_int_equal (c.paid, c.by_status[5]); /* ...and every one of them paid */
  for (size_t i = 0; i < mt_demo_booking_count; i++) {
    const mt_demo_booking_t *row = &mt_demo_bookings[i];
    char id[MT_ID_SIZE];
    bson_t booking;

    mt_error_clear (&error);
    if (!mt_demo_booking_id (&f->ctx, row->key, id, &error)) {
      fail_msg ("%s: %s", row->key, error.message);
    }
    assert_true (f->store->ops->booking_get (f->store, id, &booking, &error));
    assert_string_equal (mt_bson_str (&booking, "status"), row->status);
    assert_string_equal (mt_bson_str (&booking, "message"), row->message);
    /* Made when the row says: created at its request instant, in the past. */
    assert_true (mt_bson_date (&booking, "created_at", 0) ==
                 MIDNIGHT_MS + row->day * DAY_MS + row->hour * INT64_C (3600000));
    bson_destroy (&booking);
  }
  assert_true (f->store->ops->check_integrity (f->store, &error));
}

typedef struct {
  fixture_t *f;
  int open, closed, answered, by_listing, by_text, answers;
  char departements[8][4];
  int departement_count;
} need_census_t;

static void
census_answer (const bson_t *answer, void *data)
{
  need_census_t *c = data;

  c->answers++;
  c->by_listing += mt_bson_has (answer, "listing_id") ? 1 : 0;
  c->by_text += mt_bson_has (answer, "text") && !mt_bson_has (answer, "listing_id") ? 1 : 0;
}

static void
census_need (const bson_t *need, void *data)
{
  need_census_t *c = data;
  mt_store_page_t page;
  mt_error_t error;
  int before = c->answers;
  const char *dep;
  bool seen = false;
  bson_iter_t iter;

  if (mt_bson_str_eq (need, "status", "open")) {
    c->open++;
  } else {
    assert_string_equal (mt_bson_str (need, "status"), "closed");
    assert_true (mt_bson_has (need, "closed_at"));
    c->closed++;
  }
  assert_true (c->f->store->ops->need_answer_list (c->f->store, mt_bson_str (need, "id"), NULL,
                                                   LIMIT, &page, &error));
  each_doc (&page.items, census_answer, c);
  mt_store_page_destroy (&page);
  assert_int_equal (int_at (need, "answers_count"), c->answers - before);
  c->answered += c->answers > before ? 1 : 0;
  assert_true (bson_iter_init (&iter, need) &&
               bson_iter_find_descendant (&iter, "territory.departement", &iter));
  dep = bson_iter_utf8 (&iter, NULL);
  for (int i = 0; i < c->departement_count; i++) {
    seen = seen || strcmp (c->departements[i], dep) == 0;
  }
  if (!seen && c->departement_count < 8) {
    snprintf (c->departements[c->departement_count++], 4, "%s", dep);
  }
}

/* Calls @fn on every need of the store. Returns the count. */
static int
each_need (fixture_t *f, void (*fn) (const bson_t *doc, void *data), void *data)
{
  mt_store_listing_query_t query = { .any_visibility = true, .limit = LIMIT };
  mt_store_page_t page;
  char cursor[MT_STORE_CURSOR_MAX] = "";
  mt_error_t error;
  int count = 0;

  do {
    query.cursor = cursor;
    assert_true (f->store->ops->need_search (f->store, &query, &page, &error));
    count += (int) page.count;
    if (fn) {
      each_doc (&page.items, fn, data);
    }
    snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
    mt_store_page_destroy (&page);
  } while (cursor[0]);
  return count;
}

/* Needs open and closed, answered by a listing or a message, in several départements; each
 * found by its stable key with its table's answers. */
static void
loads_needs_and_answers (void **state)
{
  fixture_t *f = *state;
  mt_demo_result_t result;
  need_census_t c = { .f = f };
  int answers = 0, closed = 0, by_listing = 0;

  load_ok (f, &result);
  for (size_t i = 0; i < mt_demo_need_count; i++) {
    for (size_t k = 0; k < MT_DEMO_NEED_ANSWERS_MAX && mt_demo_needs[i].answers[k].org; k++) {
      answers++;
      by_listing += mt_demo_needs[i].answers[k].listing ? 1 : 0;
    }
    closed += mt_demo_needs[i].close_reason ? 1 : 0;
  }
  assert_int_equal (result.needs, (int) mt_demo_need_count);
  assert_int_equal (result.needs_created, (int) mt_demo_need_count);
  assert_int_equal (result.answers_created, answers);
  assert_int_equal (result.needs_skipped, 0);
  assert_int_equal (each_need (f, census_need, &c), (int) mt_demo_need_count);
  assert_int_equal (c.closed, closed);
  assert_int_equal (closed, 1);
  assert_int_equal (c.open, (int) mt_demo_need_count - closed);
  assert_int_equal (c.answers, answers);
  assert_int_equal (c.by_listing, by_listing);
  assert_true (c.by_listing >= 2);
  assert_true (c.by_text >= 2); /* answered by a message alone */
  assert_true (c.answered >= 3 && c.answered < (int) mt_demo_need_count); /* some unanswered */
  assert_true (c.departement_count >= 4);
  for (size_t i = 0; i < mt_demo_need_count; i++) {
    char id[MT_ID_SIZE];
    bson_t need;
    mt_error_t error;

    mt_error_clear (&error);
    if (!mt_demo_need_id (&f->ctx, mt_demo_needs[i].key, id, &error)) {
      fail_msg ("%s: %s", mt_demo_needs[i].key, error.message);
    }
    assert_true (f->store->ops->need_get (f->store, id, &need, &error));
    assert_string_equal (mt_bson_str (&need, "title"), mt_demo_needs[i].title);
    assert_string_equal (mt_bson_str (&need, "status"),
                         mt_demo_needs[i].close_reason ? "closed" : "open");
    bson_destroy (&need);
  }
}

typedef struct {
  fixture_t *f;
  int welcome, monthly, reservation, booking, grant, other;
  int64_t booking_amount;
  int members, below_floor;
  int64_t entries;
} ledger_census_t;

static void
census_entry (const bson_t *entry, void *data)
{
  ledger_census_t *c = data;
  const char *reason = mt_bson_str (entry, "reason");

  c->entries++;
  assert_non_null (reason);
  assert_true (int_at (entry, "amount") > 0);
  if (strcmp (reason, "welcome") == 0) {
    c->welcome++;
    assert_string_equal (mt_bson_str (entry, "from"), "system");
  } else if (strcmp (reason, "monthly") == 0) {
    c->monthly++;
  } else if (strcmp (reason, "reservation") == 0) {
    c->reservation++;
  } else if (strncmp (mt_bson_str (entry, "id"), "booking:", 8) == 0) {
    c->booking++;
    c->booking_amount += int_at (entry, "amount");
  } else if (strcmp (reason, MT_DEMO_GRANT_REASON) == 0) {
    c->grant++;
    assert_int_equal (int_at (entry, "amount"), MT_DEMO_GRANT_AMOUNT);
    assert_string_equal (mt_bson_str (entry, "from"), "system");
  } else {
    c->other++;
  }
}

/* Each entry once: in the statement of the member it is paid to. */
static void
census_member_ledger (const bson_t *member, void *data)
{
  ledger_census_t *c = data;
  const char *id = mt_bson_str (member, "id");
  char cursor[MT_STORE_CURSOR_MAX] = "";
  int64_t balance = 0;
  mt_error_t error;

  c->members++;
  assert_true (c->f->store->ops->ledger_balance (c->f->store, id, &balance, &error));
  if (balance < c->f->config.credits_floor) {
    c->below_floor++;
  }
  do {
    mt_store_page_t page;
    bson_iter_t iter;

    assert_true (c->f->store->ops->ledger_list (c->f->store, id, cursor[0] ? cursor : NULL, LIMIT,
                                                &page, &error));
    assert_true (bson_iter_init (&iter, &page.items));
    while (bson_iter_next (&iter)) {
      const uint8_t *bytes;
      uint32_t len;
      bson_t entry;

      bson_iter_document (&iter, &len, &bytes);
      assert_true (bson_init_static (&entry, bytes, len));
      if (mt_bson_str_eq (&entry, "to", id)) {
        census_entry (&entry, c);
      }
    }
    snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
    mt_store_page_destroy (&page);
  } while (cursor[0]);
}

/* With credits, the ledger has history: welcome grants, a monthly grant, reservation charges
 * at return, booking payments at confirmation and an administrators' grant; no balance is
 * below the floor and the balances sum to zero. */
static void
ledger_has_history (void **state)
{
  fixture_t *f = *state;
  mt_demo_result_t result;
  ledger_census_t c = { .f = f };
  booking_census_t b;
  int approved = 0, active = 0, charged = 0;
  int64_t sum = -1, entries = 0;
  mt_error_t error;

  credits_on (f);
  load_ok (f, &result);
  for (size_t i = 0; i < mt_demo_org_count; i++) {
    approved += strcmp (mt_demo_orgs[i].status, "pending") != 0 ? 1 : 0;
    active += strcmp (mt_demo_orgs[i].status, "active") == 0 ? 1 : 0;
  }
  for (size_t i = 0; i < mt_demo_reservation_count; i++) {
    const mt_demo_reservation_t *row = &mt_demo_reservations[i];
    charged += (strcmp (row->status, "returned") == 0 || strcmp (row->status, "closed") == 0) &&
                   mt_demo_listing_find (row->listing)->credit_price_per_day > 0
                 ? 1
                 : 0;
  }
  each_member (f, census_member_ledger, &c);
  assert_true (f->store->ops->ledger_sum (f->store, &sum, &entries, &error));
  assert_true (sum == 0);
  assert_true (entries == c.entries);
  assert_int_equal (result.grants_created, approved + active + 1);
  assert_int_equal (c.welcome, approved);
  assert_int_equal (c.monthly, active); /* the platform's member gets none */
  assert_true (charged >= 3);
  assert_int_equal (c.reservation, charged);
  memset (&b, 0, sizeof b);
  each_booking (f, census_booking, &b);
  assert_int_equal (c.booking, b.paid);
  assert_true (c.booking_amount == b.paid_amount);
  assert_int_equal (c.grant, 1);
  assert_int_equal (c.other, 0);
  assert_int_equal (c.below_floor, 0);
  assert_true (f->store->ops->check_integrity (f->store, &error));
}

/* Without credits, no entry at all (the default of a plain mutuad). */
static void
no_ledger_without_credits (void **state)
{
  fixture_t *f = *state;
  mt_demo_result_t result;
  int64_t sum = -1, entries = -1;
  mt_error_t error;

  load_ok (f, &result);
  assert_int_equal (result.grants_created, 0);
  assert_true (f->store->ops->ledger_sum (f->store, &sum, &entries, &error));
  assert_true (sum == 0 && entries == 0);
}

/* The demo's addresses are fictitious: loading queues no e-mail, even with a sendmail command
 * configured (the default), and leaves the configuration as it was. */
static void
queues_no_email (void **state)
{
  fixture_t *f = *state;
  static const char *const pending[] = { "pending", NULL };
  mt_store_outbox_query_t query = { .kind = "email", .statuses = pending, .limit = 100 };
  mt_store_page_t page;
  mt_demo_result_t result;
  mt_error_t error;

  assert_true (f->config.sendmail_command[0] != '\0');
  load_ok (f, &result);
  assert_true (result.reservations_created > 0 && result.bookings_created > 0);
  assert_true (f->store->ops->outbox_list (f->store, &query, &page, &error));
  assert_int_equal (page.count, 0);
  mt_store_page_destroy (&page);
  query.statuses = NULL;
  query.kind = NULL;
  assert_true (f->store->ops->outbox_list (f->store, &query, &page, &error));
  assert_int_equal (page.count, 0); /* nor webhook deliveries: no webhook exists */
  mt_store_page_destroy (&page);
  assert_string_equal (f->config.sendmail_command, "/usr/sbin/sendmail -t -i");
}

static void
count_need_answers (const bson_t *need, void *data)
{
  *(int64_t *) data += int_at (need, "answers_count") + int_at (need, "version");
}

/* A second load (even a day later) adds no booking, need, answer, ledger entry or audit entry
 * and changes none. */
static void
exchanges_load_once (void **state)
{
  fixture_t *f = *state;
  mt_demo_result_t result;
  int64_t versions = 0, versions_after = 0, needs = 0, needs_after = 0;
  int64_t sum = 0, entries = 0, entries_after = 0;
  int audit;
  mt_error_t error;

  credits_on (f);
  load_ok (f, &result);
  assert_int_equal (each_booking (f, sum_versions, &versions), (int) mt_demo_booking_count);
  assert_int_equal (each_need (f, count_need_answers, &needs), (int) mt_demo_need_count);
  assert_true (f->store->ops->ledger_sum (f->store, &sum, &entries, &error));
  audit = each_audit (f, NULL, NULL, NULL);
  f->ctx.now_ms += DAY_MS;
  load_ok (f, &result);
  f->ctx.now_ms -= DAY_MS;
  assert_int_equal (result.bookings_created, 0);
  assert_int_equal (result.bookings_skipped, 0);
  assert_int_equal (result.needs_created, 0);
  assert_int_equal (result.answers_created, 0);
  assert_int_equal (result.needs_skipped, 0);
  assert_int_equal (result.grants_created, 0);
  assert_int_equal (each_booking (f, sum_versions, &versions_after), (int) mt_demo_booking_count);
  assert_true (versions_after == versions);
  assert_int_equal (each_need (f, count_need_answers, &needs_after), (int) mt_demo_need_count);
  assert_true (needs_after == needs);
  assert_true (f->store->ops->ledger_sum (f->store, &sum, &entries_after, &error));
  assert_true (entries_after == entries);
  assert_true (sum == 0);
  assert_int_equal (each_audit (f, NULL, NULL, NULL), audit);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("demo/tables/are_consistent", tables_are_consistent),
    MT_TEST ("demo/tables/listings_are_consistent", listing_tables_are_consistent),
    MT_TEST_DB ("demo/load/loads_networks_members_and_accounts", loads_the_demo),
    MT_TEST_DB ("demo/load/password_verifies", password_verifies),
    MT_TEST_DB ("demo/load/finds_by_stable_keys", finds_by_stable_keys),
    MT_TEST_DB ("demo/load/loading_twice_adds_nothing", loading_twice_adds_nothing),
    MT_TEST_DB ("demo/load/completes_a_partial_demo", completes_a_partial_demo),
    MT_TEST_DB ("demo/load/loads_the_catalogue", loads_the_catalogue),
    MT_TEST_DB ("demo/load/catalogue_is_searchable", catalogue_is_searchable),
    MT_TEST_DB ("demo/load/finds_listings_by_stable_keys", finds_listings_by_stable_keys),
    MT_TEST_DB ("demo/load/reload_keeps_changes_and_restores_deleted_listings",
                reload_keeps_changes_and_restores_deleted_listings),
    MT_TEST_DB ("demo/load/needs_the_listing_schema", needs_the_listing_schema),
    MT_TEST_DB ("demo/load/stops_when_hashing_fails", stops_when_hashing_fails),
    MT_TEST ("demo/tables/reservations_are_consistent", reservation_tables_are_consistent),
    MT_TEST_DB ("demo/reservations/loads_every_state", loads_reservations_in_every_state),
    MT_TEST_DB ("demo/reservations/history_and_audit_agree", reservation_history_and_audit_agree),
    MT_TEST_DB ("demo/reservations/calendars_hold_the_blocking_ones",
                reservation_calendars_hold_the_blocking_ones),
    MT_TEST_DB ("demo/reservations/thread_is_written", reservation_thread_is_written),
    MT_TEST_DB ("demo/reservations/loading_twice_adds_nothing", reservations_load_once),
    MT_TEST_DB ("demo/reservations/only_while_the_listings_have_none",
                reservations_only_while_the_listings_have_none),
    MT_TEST_DB ("demo/reservations/skipped_rows_are_made_by_a_later_load",
                skipped_rows_are_made_by_a_later_load),
    MT_TEST_DB ("demo/bookings/loads_every_state", loads_bookings_in_every_state),
    MT_TEST_DB ("demo/needs/open_answered_and_closed", loads_needs_and_answers),
    MT_TEST_DB ("demo/credits/ledger_has_history", ledger_has_history),
    MT_TEST_DB ("demo/credits/no_ledger_without_credits", no_ledger_without_credits),
    MT_TEST_DB ("demo/exchanges/loading_twice_adds_nothing", exchanges_load_once),
    MT_TEST_DB ("demo/events/no_email_for_fictitious_addresses", queues_no_email),
  };

  if (sodium_init () < 0) {
    return 1;
  }
  return cmocka_run_group_tests_name ("server/services/demo", tests, NULL, NULL);
}
