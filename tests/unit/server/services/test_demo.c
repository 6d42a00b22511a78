/*
 * Unit tests of server/services/demo.c and demo_data.c: the tables are consistent (unique
 * keys and e-mails, e-mails on their organisation's domain, one manager each, valid shapes),
 * and loading into a real SQLite store gives the expected networks, members and accounts,
 * with the demo password, idempotently (a second load, or a load after a partial one, adds
 * only what is missing).
 */
#include "mt_test.h"

#include "accounts.h"
#include "config.h"
#include "demo.h"
#include "members.h"
#include "mt_bson.h"
#include "mt_embed.h"
#include "mt_schema.h"
#include "passwords.h"
#include "service.h"
#include "store.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOW_MS INT64_C (1781254800000) /* 2026-06-12T09:00:00Z; tests never read the clock */
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
  census_t c;
  mt_error_t error;

  load_ok (f, &first);
  assert_true (mt_demo_member_id (&f->ctx, "jardin-laon", before, &error));
  load_ok (f, &second);
  assert_int_equal (second.networks_created, 0);
  assert_int_equal (second.members_created, 0);
  assert_int_equal (second.accounts_created, 0);
  assert_int_equal (network_count (f), 2);
  c = census (f, reg);
  assert_int_equal (c.members, first.members);
  assert_int_equal (c.accounts, first.accounts);
  assert_true (mt_demo_member_id (&f->ctx, "jardin-laon", after, &error));
  assert_string_equal (before, after);
  mt_schema_registry_destroy (reg);
  assert_true (f->store->ops->check_integrity (f->store, &error));
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

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("demo/tables/are_consistent", tables_are_consistent),
    MT_TEST_DB ("demo/load/loads_networks_members_and_accounts", loads_the_demo),
    MT_TEST_DB ("demo/load/password_verifies", password_verifies),
    MT_TEST_DB ("demo/load/finds_by_stable_keys", finds_by_stable_keys),
    MT_TEST_DB ("demo/load/loading_twice_adds_nothing", loading_twice_adds_nothing),
    MT_TEST_DB ("demo/load/completes_a_partial_demo", completes_a_partial_demo),
    MT_TEST_DB ("demo/load/stops_when_hashing_fails", stops_when_hashing_fails),
  };

  if (sodium_init () < 0) {
    return 1;
  }
  return cmocka_run_group_tests_name ("server/services/demo", tests, NULL, NULL);
}
