/*
 * Unit tests of server/services/members.c (and the /v1/me part of accounts.c) against a real
 * SQLite store: who sees which member, profiles, updates with If-Match and compare-and-set,
 * the directory and its pagination, invitations.
 */
#include "members_fixture.h"

#include "admin_members.h"
#include "mt_embed.h"
#include "mt_json.h"
#include "mt_schema.h"
#include "networks.h"
#include "privacy.h"
#include "signin.h"

extern const mt_embed_file_t mutua_schema_files[];

static char net1[MT_ID_SIZE];
static char net2[MT_ID_SIZE];

/* Two networks, and the members most tests use. */
typedef struct {
  char a[MT_ID_SIZE], a_manager[MT_ID_SIZE], a_staff[MT_ID_SIZE]; /* active, net1 */
  char b[MT_ID_SIZE], b_manager[MT_ID_SIZE];                      /* active, net1 + net2 */
  char c[MT_ID_SIZE], c_manager[MT_ID_SIZE];                      /* active, net2 */
  char p[MT_ID_SIZE], p_manager[MT_ID_SIZE];                      /* pending, net1 */
  char s[MT_ID_SIZE], s_manager[MT_ID_SIZE];                      /* suspended, net1 */
  char adm[MT_ID_SIZE], admin[MT_ID_SIZE];                        /* platform, no network */
} world_t;

static void
make_world (fx_t *fx, world_t *w)
{
  const char *const n1[] = { net1, NULL };
  const char *const n2[] = { net2, NULL };
  const char *const n12[] = { net1, net2, NULL };

  fx_network (fx, "apes", net1);
  fx_network (fx, "mres", net2);
  fx_member (fx, "active", NULL, n1, w->a, w->a_manager);
  fx_account (fx, w->a, "staff", "active", NULL, w->a_staff);
  fx_member (fx, "active", NULL, n12, w->b, w->b_manager);
  fx_member (fx, "active", NULL, n2, w->c, w->c_manager);
  fx_member (fx, "pending", NULL, n1, w->p, w->p_manager);
  fx_member (fx, "suspended", NULL, n1, w->s, w->s_manager);
  fx_member (fx, "active", "platform", NULL, w->adm, w->admin);
}

static bool
has_key (const bson_t *doc, const char *key)
{
  return bson_has_field (doc, key);
}

/* Every account of @accounts (an array) is free of secrets and internal keys. */
static void
assert_accounts_clean (const bson_t *member)
{
  bson_iter_t it;
  bson_iter_t child;

  assert_true (bson_iter_init_find (&it, member, "accounts") && BSON_ITER_HOLDS_ARRAY (&it));
  assert_true (bson_iter_recurse (&it, &child));
  while (bson_iter_next (&child)) {
    const uint8_t *data;
    uint32_t len;
    bson_t account;
    bson_iter_document (&child, &len, &data);
    assert_true (bson_init_static (&account, data, len));
    assert_false (has_key (&account, "password_hash"));
    assert_false (has_key (&account, "email_key"));
    assert_false (has_key (&account, "tokens_not_before"));
    assert_false (has_key (&account, "invitation"));
    assert_true (has_key (&account, "email"));
    assert_true (has_key (&account, "member_role"));
  }
}

/* ---- Visibility ------------------------------------------------------------------------- */

static void
access_follows_networks_and_status (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t a, p, admin;
  bson_t doc;

  make_world (fx, &w);
  fx_caller (fx, w.a_manager, &a);
  fx_caller (fx, w.p_manager, &p);
  fx_caller (fx, w.admin, &admin);

  fx_get (fx, false, w.a, &doc);
  assert_int_equal (mt_member_access (&a.ctx, &doc), MT_MEMBER_ACCESS_OWN);
  assert_int_equal (mt_member_access (&admin.ctx, &doc), MT_MEMBER_ACCESS_ADMIN);
  assert_int_equal (mt_member_access (&p.ctx, &doc), MT_MEMBER_ACCESS_GATED);
  bson_destroy (&doc);
  fx_get (fx, false, w.b, &doc); /* shares net1 */
  assert_int_equal (mt_member_access (&a.ctx, &doc), MT_MEMBER_ACCESS_PUBLIC);
  bson_destroy (&doc);
  fx_get (fx, false, w.c, &doc); /* net2 only */
  assert_int_equal (mt_member_access (&a.ctx, &doc), MT_MEMBER_ACCESS_NONE);
  bson_destroy (&doc);
  fx_get (fx, false, w.p, &doc); /* pending, net1 */
  assert_int_equal (mt_member_access (&a.ctx, &doc), MT_MEMBER_ACCESS_NONE);
  assert_int_equal (mt_member_access (&p.ctx, &doc), MT_MEMBER_ACCESS_OWN);
  bson_destroy (&doc);
  fx_get (fx, false, w.s, &doc); /* suspended, net1 */
  assert_int_equal (mt_member_access (&a.ctx, &doc), MT_MEMBER_ACCESS_NONE);
  assert_int_equal (mt_member_access (&admin.ctx, &doc), MT_MEMBER_ACCESS_ADMIN);
  bson_destroy (&doc);
  fx_caller_destroy (&a);
  fx_caller_destroy (&p);
  fx_caller_destroy (&admin);
}

static void
get_own_member_lists_accounts_without_secrets (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t staff;
  char invited[MT_ID_SIZE];
  char removed[MT_ID_SIZE];
  bson_t doc;
  bool full = false;
  bson_iter_t it;

  make_world (fx, &w);
  fx_account (fx, w.a, "staff", "invited", NULL, invited);
  fx_account (fx, w.a, "staff", "removed", NULL, removed);
  fx_caller (fx, w.a_staff, &staff);
  OK (mt_member_get (&staff.ctx, w.a, &doc, &full, &fx_err));
  assert_true (full);
  assert_string_equal (mt_bson_str (&doc, "id"), w.a);
  assert_int_equal (mt_bson_int (&doc, "version", 0), 1);
  assert_string_equal (mt_bson_str (&doc, "status"), "active");
  assert_accounts_clean (&doc);
  /* manager, staff, invited: the removed record is not a colleague */
  assert_true (bson_iter_init_find (&it, &doc, "accounts"));
  {
    bson_t accounts;
    const uint8_t *data;
    uint32_t len;
    bson_iter_array (&it, &len, &data);
    assert_true (bson_init_static (&accounts, data, len));
    assert_int_equal (fx_count (&accounts), 3);
  }
  bson_destroy (&doc);
  fx_caller_destroy (&staff);
}

static void
admin_sees_every_member_with_erased_accounts (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t admin;
  char removed[MT_ID_SIZE];
  bson_t doc;
  bool full = false;

  make_world (fx, &w);
  fx_account (fx, w.s, "staff", "removed", NULL, removed);
  fx_caller (fx, w.admin, &admin);
  OK (mt_member_get (&admin.ctx, w.s, &doc, &full, &fx_err));
  assert_true (full);
  assert_string_equal (mt_bson_str (&doc, "status"), "suspended");
  assert_string_equal (mt_bson_str (&doc, "accounts.1.status"), "removed");
  assert_accounts_clean (&doc);
  bson_destroy (&doc);
  fx_caller_destroy (&admin);
}

static void
get_other_member_is_public_profile (void **state)
{
  static const char *const allowed[] = { "id",          "name",    "kind",     "territory",
                                         "description", "contact", "networks", NULL };
  fx_t *fx = *state;
  world_t w;
  fx_caller_t a;
  bson_t doc;
  bool full = true;
  bson_iter_t it;

  make_world (fx, &w);
  fx_caller (fx, w.a_manager, &a);
  OK (mt_member_get (&a.ctx, w.b, &doc, &full, &fx_err));
  assert_false (full);
  assert_string_equal (mt_bson_str (&doc, "id"), w.b);
  assert_non_null (mt_bson_str (&doc, "contact.email"));
  assert_true (bson_iter_init (&it, &doc));
  while (bson_iter_next (&it)) {
    bool listed = false;
    for (const char *const *k = allowed; *k; k++) {
      listed = listed || strcmp (*k, bson_iter_key (&it)) == 0;
    }
    if (!listed) {
      fail_msg ("public profile shows %s", bson_iter_key (&it));
    }
  }
  bson_destroy (&doc);
  fx_caller_destroy (&a);
}

static void
get_hidden_members_is_not_found (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t a, p;
  bson_t doc;

  make_world (fx, &w);
  fx_caller (fx, w.a_manager, &a);
  fx_caller (fx, w.p_manager, &p);
  FAILS (mt_member_get (&a.ctx, w.c, &doc, NULL, &fx_err), MT_ERR_NOT_FOUND);
  bson_destroy (&doc);
  FAILS (mt_member_get (&a.ctx, w.p, &doc, NULL, &fx_err), MT_ERR_NOT_FOUND);
  bson_destroy (&doc);
  FAILS (mt_member_get (&a.ctx, w.s, &doc, NULL, &fx_err), MT_ERR_NOT_FOUND);
  bson_destroy (&doc);
  FAILS (mt_member_get (&a.ctx, "mem_AAAAAAAAAAAAAAAAAAAAAA", &doc, NULL, &fx_err),
         MT_ERR_NOT_FOUND);
  bson_destroy (&doc);
  /* A pending member reaches only itself: 403 for any other id, existing or not. */
  FAILS (mt_member_get (&p.ctx, w.b, &doc, NULL, &fx_err), MT_ERR_FORBIDDEN);
  bson_destroy (&doc);
  FAILS (mt_member_get (&p.ctx, "mem_AAAAAAAAAAAAAAAAAAAAAA", &doc, NULL, &fx_err),
         MT_ERR_FORBIDDEN);
  bson_destroy (&doc);
  OK (mt_member_get (&p.ctx, w.p, &doc, NULL, &fx_err));
  assert_string_equal (mt_bson_str (&doc, "status"), "pending");
  bson_destroy (&doc);
  fx_caller_destroy (&a);
  fx_caller_destroy (&p);
}

/* ---- PATCH -------------------------------------------------------------------------------- */

static void
patch_by_manager_updates_with_version (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t m;
  bson_t patch = BSON_INITIALIZER;
  bson_t out;
  bson_t stored;

  make_world (fx, &w);
  fx_caller (fx, w.a_manager, &m);
  BSON_APPEND_UTF8 (&patch, "name", "Vélo Solidaire Lille");
  BSON_APPEND_NULL (&patch, "description");
  OK (mt_member_patch (&m.ctx, w.a, &patch, NULL, &out, &fx_err));
  assert_int_equal (mt_bson_int (&out, "version", 0), 2);
  assert_string_equal (mt_bson_str (&out, "name"), "Vélo Solidaire Lille");
  assert_false (has_key (&out, "description"));
  assert_false (has_key (&out, "accounts"));
  fx_get (fx, false, w.a, &stored);
  assert_int_equal (mt_bson_int (&stored, "version", 0), 2);
  assert_string_equal (mt_bson_str (&stored, "name"), "Vélo Solidaire Lille");
  assert_false (has_key (&stored, "description"));
  assert_string_equal (mt_bson_str (&stored, "status"), "active");
  bson_destroy (&stored);
  bson_destroy (&out);
  bson_destroy (&patch);
  fx_caller_destroy (&m);
}

static void
patch_by_staff_forbidden_by_others_not_found (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t staff, other, admin;
  bson_t patch = BSON_INITIALIZER;
  bson_t out;
  bson_t stored;

  make_world (fx, &w);
  fx_caller (fx, w.a_staff, &staff);
  fx_caller (fx, w.b_manager, &other);
  fx_caller (fx, w.admin, &admin);
  BSON_APPEND_UTF8 (&patch, "name", "Nom pirate");
  FAILS (mt_member_patch (&staff.ctx, w.a, &patch, NULL, &out, &fx_err), MT_ERR_FORBIDDEN);
  bson_destroy (&out);
  /* b sees a's profile, but may not change it: 404 as for any other member */
  FAILS (mt_member_patch (&other.ctx, w.a, &patch, NULL, &out, &fx_err), MT_ERR_NOT_FOUND);
  bson_destroy (&out);
  FAILS (mt_member_patch (&other.ctx, w.c, &patch, NULL, &out, &fx_err), MT_ERR_NOT_FOUND);
  bson_destroy (&out);
  fx_get (fx, false, w.a, &stored);
  assert_int_equal (mt_bson_int (&stored, "version", 0), 1);
  bson_destroy (&stored);
  OK (mt_member_patch (&admin.ctx, w.a, &patch, NULL, &out, &fx_err));
  assert_string_equal (mt_bson_str (&out, "name"), "Nom pirate");
  bson_destroy (&out);
  bson_destroy (&patch);
  fx_caller_destroy (&staff);
  fx_caller_destroy (&other);
  fx_caller_destroy (&admin);
}

static void
patch_honours_if_match (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t m;
  bson_t patch = BSON_INITIALIZER;
  bson_t out;

  make_world (fx, &w);
  fx_caller (fx, w.a_manager, &m);
  BSON_APPEND_UTF8 (&patch, "name", "Premier nom");
  FAILS (mt_member_patch (&m.ctx, w.a, &patch, "W/\"7\"", &out, &fx_err),
         MT_ERR_PRECONDITION_FAILED);
  bson_destroy (&out);
  FAILS (mt_member_patch (&m.ctx, w.a, &patch, "garbage", &out, &fx_err),
         MT_ERR_PRECONDITION_FAILED);
  bson_destroy (&out);
  OK (mt_member_patch (&m.ctx, w.a, &patch, "W/\"1\"", &out, &fx_err));
  assert_int_equal (mt_bson_int (&out, "version", 0), 2);
  bson_destroy (&out);
  /* the ETag read before is stale now */
  FAILS (mt_member_patch (&m.ctx, w.a, &patch, "W/\"1\"", &out, &fx_err),
         MT_ERR_PRECONDITION_FAILED);
  bson_destroy (&out);
  OK (mt_member_patch (&m.ctx, w.a, &patch, "*", &out, &fx_err));
  assert_int_equal (mt_bson_int (&out, "version", 0), 3);
  bson_destroy (&out);
  bson_destroy (&patch);
  fx_caller_destroy (&m);
}

static void
patch_networks_by_administrators_only (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t m, admin;
  bson_t patch = BSON_INITIALIZER;
  bson_t unknown = BSON_INITIALIZER;
  bson_t out;
  const char *const both[] = { net1, net2, NULL };
  const char *const bad[] = { net1, "net_AAAAAAAAAAAAAAAAAAAAAA", NULL };

  make_world (fx, &w);
  fx_caller (fx, w.a_manager, &m);
  fx_caller (fx, w.admin, &admin);
  mt_bson_append_str_array (&patch, "networks", both);
  FAILS (mt_member_patch (&m.ctx, w.a, &patch, NULL, &out, &fx_err), MT_ERR_VALIDATION);
  assert_string_equal (fx_err.path, "/networks");
  bson_destroy (&out);
  mt_bson_append_str_array (&unknown, "networks", bad);
  FAILS (mt_member_patch (&admin.ctx, w.a, &unknown, NULL, &out, &fx_err), MT_ERR_UNPROCESSABLE);
  assert_string_equal (fx_err.path, "/networks/1");
  bson_destroy (&out);
  OK (mt_member_patch (&admin.ctx, w.a, &patch, NULL, &out, &fx_err));
  assert_true (mt_bson_array_has_str (&out, "networks", net2));
  bson_destroy (&out);
  bson_destroy (&patch);
  bson_destroy (&unknown);
  fx_caller_destroy (&m);
  fx_caller_destroy (&admin);
}

static void
patch_refuses_deleted_member_and_platform_kind (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t admin;
  char deleted[MT_ID_SIZE];
  const char *const n1[] = { net1, NULL };
  bson_t patch = BSON_INITIALIZER;
  bson_t out;

  make_world (fx, &w);
  fx_member (fx, "deleted", NULL, n1, deleted, NULL);
  fx_caller (fx, w.admin, &admin);
  BSON_APPEND_UTF8 (&patch, "kind", "association");
  FAILS (mt_member_patch (&admin.ctx, deleted, &patch, NULL, &out, &fx_err), MT_ERR_CONFLICT);
  bson_destroy (&out);
  FAILS (mt_member_patch (&admin.ctx, w.adm, &patch, NULL, &out, &fx_err), MT_ERR_CONFLICT);
  bson_destroy (&out);
  bson_destroy (&patch);
  fx_caller_destroy (&admin);
}

static void
me_patch_updates_account_with_if_match (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t staff;
  bson_t patch = BSON_INITIALIZER;
  bson_t out;
  bson_t stored;

  make_world (fx, &w);
  fx_caller (fx, w.a_staff, &staff);
  BSON_APPEND_UTF8 (&patch, "name", "Dominique L.");
  BSON_APPEND_UTF8 (&patch, "lang", "en");
  FAILS (mt_me_patch (&staff.ctx, &patch, "W/\"2\"", &out, &fx_err), MT_ERR_PRECONDITION_FAILED);
  bson_destroy (&out);
  OK (mt_me_patch (&staff.ctx, &patch, "W/\"1\"", &out, &fx_err));
  assert_int_equal (mt_bson_int (&out, "version", 0), 2);
  assert_string_equal (mt_bson_str (&out, "lang"), "en");
  assert_false (has_key (&out, "password_hash"));
  assert_false (has_key (&out, "email_key"));
  fx_get (fx, true, w.a_staff, &stored);
  assert_string_equal (mt_bson_str (&stored, "name"), "Dominique L.");
  assert_non_null (mt_bson_str (&stored, "password_hash")); /* untouched */
  assert_string_equal (mt_bson_str (&stored, "member_role"), "staff");
  bson_destroy (&stored);
  bson_destroy (&out);
  bson_destroy (&patch);
  fx_caller_destroy (&staff);
}

static void
etag_matching (void **state)
{
  (void) state;
  assert_true (mt_etag_matches (NULL, 3));
  assert_true (mt_etag_matches ("W/\"3\"", 3));
  assert_true (mt_etag_matches ("\"3\"", 3));
  assert_true (mt_etag_matches ("*", 3));
  assert_true (mt_etag_matches ("W/\"1\", W/\"3\"", 3));
  assert_false (mt_etag_matches ("W/\"4\"", 3));
  assert_false (mt_etag_matches ("W/\"33\"", 3));
  assert_false (mt_etag_matches ("3", 3));
  assert_false (mt_etag_matches ("W/\"3", 3));
  assert_false (mt_etag_matches ("", 3));
  assert_false (mt_etag_matches ("W/\"99999999999999999999\"", 3));
}

static void
limit_parsing (void **state)
{
  uint32_t limit = 0;

  (void) state;
  OK (mt_list_limit_parse (NULL, &limit, &fx_err));
  assert_int_equal (limit, 20);
  OK (mt_list_limit_parse ("100", &limit, &fx_err));
  assert_int_equal (limit, 100);
  OK (mt_list_limit_parse ("1", &limit, &fx_err));
  assert_int_equal (limit, 1);
  FAILS (mt_list_limit_parse ("0", &limit, &fx_err), MT_ERR_BAD_REQUEST);
  OK (mt_list_limit_parse ("101", &limit, &fx_err)); /* capped */
  assert_int_equal (limit, 100);
  OK (mt_list_limit_parse ("99999999999999999999", &limit, &fx_err));
  assert_int_equal (limit, 100);
  FAILS (mt_list_limit_parse ("-5", &limit, &fx_err), MT_ERR_BAD_REQUEST);
  FAILS (mt_list_limit_parse ("10x", &limit, &fx_err), MT_ERR_BAD_REQUEST);
  FAILS (mt_list_limit_parse ("", &limit, &fx_err), MT_ERR_BAD_REQUEST);
  FAILS (mt_list_limit_parse ("+5", &limit, &fx_err), MT_ERR_BAD_REQUEST);
  FAILS (mt_list_limit_parse ("000", &limit, &fx_err), MT_ERR_BAD_REQUEST);
}

/* ---- Directory ---------------------------------------------------------------------------- */

/* Collects the ids of a directory walk with page size @limit into @ids ("," separated). */
static int
walk_directory (const mt_ctx_t *ctx, const char *network, const char *status, const char *limit,
                char *ids, size_t size)
{
  char cursor[MT_STORE_CURSOR_MAX] = "";
  int pages = 0;

  ids[0] = '\0';
  do {
    mt_member_directory_query_t q = {
      .network = network, .status = status, .cursor = cursor, .limit = limit
    };
    char next[MT_STORE_CURSOR_MAX];
    bson_t items;
    bson_iter_t it;
    OK (mt_member_directory (ctx, &q, &items, next, &fx_err));
    assert_true (bson_iter_init (&it, &items));
    while (bson_iter_next (&it)) {
      const uint8_t *data;
      uint32_t len;
      bson_t member;
      bson_iter_document (&it, &len, &data);
      assert_true (bson_init_static (&member, data, len));
      size_t used = strlen (ids);
      snprintf (ids + used, size - used, "%s,", mt_bson_str (&member, "id"));
    }
    bson_destroy (&items);
    snprintf (cursor, sizeof cursor, "%s", next);
    pages++;
    assert_true (pages < 50);
  } while (cursor[0]);
  return pages;
}

static void
directory_lists_active_members_of_shared_networks (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t a, b;
  char ids[2048];
  char expected[512];

  make_world (fx, &w);
  fx_caller (fx, w.a_manager, &a);
  fx_caller (fx, w.b_manager, &b);
  /* a (net1): a and b, in name order; not c (net2), p (pending), s (suspended) */
  walk_directory (&a.ctx, NULL, NULL, NULL, ids, sizeof ids);
  snprintf (expected, sizeof expected, "%s,%s,", w.a, w.b);
  assert_string_equal (ids, expected);
  /* b (net1 + net2): a, b and c, one per page (the service filters the active members) */
  assert_true (walk_directory (&b.ctx, NULL, NULL, "1", ids, sizeof ids) >= 3);
  snprintf (expected, sizeof expected, "%s,%s,%s,", w.a, w.b, w.c);
  assert_string_equal (ids, expected);
  /* b filters on net2 */
  walk_directory (&b.ctx, net2, NULL, "2", ids, sizeof ids);
  snprintf (expected, sizeof expected, "%s,%s,", w.b, w.c);
  assert_string_equal (ids, expected);
  fx_caller_destroy (&a);
  fx_caller_destroy (&b);
}

static void
directory_items_are_public_profiles (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t a;
  mt_member_directory_query_t q = { 0 };
  char next[MT_STORE_CURSOR_MAX];
  bson_t items;

  make_world (fx, &w);
  fx_caller (fx, w.a_manager, &a);
  OK (mt_member_directory (&a.ctx, &q, &items, next, &fx_err));
  assert_int_equal (fx_count (&items), 2);
  assert_non_null (mt_bson_str (&items, "0.name"));
  assert_false (mt_bson_has (&items, "0.status"));
  assert_false (mt_bson_has (&items, "0.version"));
  assert_false (mt_bson_has (&items, "0.accounts"));
  assert_string_equal (next, "");
  bson_destroy (&items);
  fx_caller_destroy (&a);
}

static void
directory_refuses_foreign_network_bad_query_and_pending (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t a, p;
  char next[MT_STORE_CURSOR_MAX];
  bson_t items;

  make_world (fx, &w);
  fx_caller (fx, w.a_manager, &a);
  fx_caller (fx, w.p_manager, &p);
  {
    mt_member_directory_query_t q = { .network = net2 };
    FAILS (mt_member_directory (&a.ctx, &q, &items, next, &fx_err), MT_ERR_NOT_FOUND);
    bson_destroy (&items);
  }
  {
    mt_member_directory_query_t q = { .status = "pending" };
    FAILS (mt_member_directory (&a.ctx, &q, &items, next, &fx_err), MT_ERR_FORBIDDEN);
    bson_destroy (&items);
  }
  {
    mt_member_directory_query_t q = { .status = "bogus" };
    FAILS (mt_member_directory (&a.ctx, &q, &items, next, &fx_err), MT_ERR_BAD_REQUEST);
    bson_destroy (&items);
  }
  {
    mt_member_directory_query_t q = { .limit = "5x" };
    FAILS (mt_member_directory (&a.ctx, &q, &items, next, &fx_err), MT_ERR_BAD_REQUEST);
    bson_destroy (&items);
  }
  {
    mt_member_directory_query_t q = { .cursor = "not-a-cursor" };
    FAILS (mt_member_directory (&a.ctx, &q, &items, next, &fx_err), MT_ERR_BAD_REQUEST);
    bson_destroy (&items);
  }
  {
    mt_member_directory_query_t q = { 0 };
    FAILS (mt_member_directory (&p.ctx, &q, &items, next, &fx_err), MT_ERR_FORBIDDEN);
    bson_destroy (&items);
  }
  fx_caller_destroy (&a);
  fx_caller_destroy (&p);
}

static void
directory_for_admins_filters_by_status (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t admin;
  char ids[2048];
  char expected[512];

  make_world (fx, &w);
  fx_caller (fx, w.admin, &admin);
  walk_directory (&admin.ctx, NULL, "pending", NULL, ids, sizeof ids);
  snprintf (expected, sizeof expected, "%s,", w.p);
  assert_string_equal (ids, expected);
  walk_directory (&admin.ctx, net2, NULL, NULL, ids, sizeof ids);
  snprintf (expected, sizeof expected, "%s,%s,", w.b, w.c);
  assert_string_equal (ids, expected);
  /* every member: the platform's one included (6) */
  assert_int_equal (walk_directory (&admin.ctx, NULL, NULL, "4", ids, sizeof ids), 2);
  fx_caller_destroy (&admin);
}

/* ---- Invitations -------------------------------------------------------------------------- */

static void
invite_creates_invited_account_with_hashed_secret (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t m;
  bson_t body = BSON_INITIALIZER;
  bson_t out;
  bson_t stored;
  char id[MT_ID_SIZE];
  char hash[MT_INVITATION_HASH_HEX_SIZE];
  const char *token;

  make_world (fx, &w);
  fx_caller (fx, w.a_manager, &m);
  BSON_APPEND_UTF8 (&body, "email", "  Alix.Dupont@Example.org ");
  BSON_APPEND_UTF8 (&body, "name", "Alix Dupont");
  OK (mt_member_invite (&m.ctx, w.a, &body, &out, id, &fx_err));
  assert_string_equal (mt_bson_str (&out, "account.id"), id);
  assert_string_equal (mt_bson_str (&out, "account.status"), "invited");
  assert_string_equal (mt_bson_str (&out, "account.member_role"), "staff");
  assert_string_equal (mt_bson_str (&out, "account.platform_role"), "member");
  assert_string_equal (mt_bson_str (&out, "account.member_id"), w.a);
  assert_false (mt_bson_has (&out, "account.invitation"));
  assert_string_equal (mt_bson_str (&out, "invitation.expires_at"), "2026-06-19T09:00:00Z");
  token = mt_bson_str (&out, "invitation.token");
  assert_non_null (token);
  assert_int_equal (strncmp (token, id, strlen (id)), 0);
  assert_int_equal (token[strlen (id)], '.');
  fx_get (fx, true, id, &stored);
  mt_invitation_hash (token, hash);
  assert_string_equal (mt_bson_str (&stored, "invitation.token_hash"), hash);
  assert_int_equal (mt_bson_date (&stored, "invitation.expires_at", 0),
                    FX_NOW_MS + INT64_C (7) * 24 * 3600 * 1000);
  assert_string_equal (mt_bson_str (&stored, "invitation.invited_by"), w.a_manager);
  assert_string_equal (mt_bson_str (&stored, "email_key"), "alix.dupont@example.org");
  assert_false (mt_bson_has (&stored, "password_hash"));
  bson_destroy (&stored);
  bson_destroy (&out);
  bson_destroy (&body);
  fx_caller_destroy (&m);
}

static void
invite_refuses_duplicates_staff_and_strangers (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t m, staff, other, admin;
  bson_t body = BSON_INITIALIZER;
  bson_t dup = BSON_INITIALIZER;
  bson_t out;
  char id[MT_ID_SIZE];

  make_world (fx, &w);
  fx_caller (fx, w.a_manager, &m);
  fx_caller (fx, w.a_staff, &staff);
  fx_caller (fx, w.b_manager, &other);
  fx_caller (fx, w.admin, &admin);
  BSON_APPEND_UTF8 (&body, "email", "new@example.org");
  BSON_APPEND_UTF8 (&body, "name", "Nouvelle personne");
  BSON_APPEND_UTF8 (&body, "member_role", "manager");
  FAILS (mt_member_invite (&staff.ctx, w.a, &body, &out, id, &fx_err), MT_ERR_FORBIDDEN);
  bson_destroy (&out);
  FAILS (mt_member_invite (&other.ctx, w.a, &body, &out, id, &fx_err), MT_ERR_NOT_FOUND);
  bson_destroy (&out);
  FAILS (mt_member_invite (&admin.ctx, w.s, &body, &out, id, &fx_err), MT_ERR_CONFLICT);
  bson_destroy (&out);
  OK (mt_member_invite (&m.ctx, w.a, &body, &out, id, &fx_err));
  assert_string_equal (mt_bson_str (&out, "account.member_role"), "manager");
  bson_destroy (&out);
  /* the manager's own e-mail, in capitals: taken */
  BSON_APPEND_UTF8 (&dup, "email", "NEW@example.org");
  BSON_APPEND_UTF8 (&dup, "name", "Quelqu'un");
  FAILS (mt_member_invite (&admin.ctx, w.b, &dup, &out, id, &fx_err), MT_ERR_DUPLICATE);
  bson_destroy (&out);
  bson_destroy (&body);
  bson_destroy (&dup);
  fx_caller_destroy (&m);
  fx_caller_destroy (&staff);
  fx_caller_destroy (&other);
  fx_caller_destroy (&admin);
}

/* ---- Networks ----------------------------------------------------------------------------- */

static void
networks_list_and_create (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t admin, m;
  bson_t body = BSON_INITIALIZER;
  bson_t out;
  bson_t items;
  mt_ctx_t anonymous = { .store = fx->store, .now_ms = FX_NOW_MS };

  make_world (fx, &w);
  fx_caller (fx, w.admin, &admin);
  fx_caller (fx, w.a_manager, &m);
  BSON_APPEND_UTF8 (&body, "slug", "cress");
  BSON_APPEND_UTF8 (&body, "name", "CRESS Hauts-de-France");
  BSON_APPEND_UTF8 (&body, "description", "Chambre régionale de l'ESS");
  FAILS (mt_network_create (&m.ctx, &body, &out, &fx_err), MT_ERR_FORBIDDEN);
  bson_destroy (&out);
  OK (mt_network_create (&admin.ctx, &body, &out, &fx_err));
  assert_true (mt_id_is_valid (mt_bson_str (&out, "id"), "net"));
  assert_string_equal (mt_bson_str (&out, "slug"), "cress");
  bson_destroy (&out);
  FAILS (mt_network_create (&admin.ctx, &body, &out, &fx_err), MT_ERR_DUPLICATE);
  bson_destroy (&out);
  OK (mt_networks_list (&anonymous, &items, &fx_err));
  assert_int_equal (fx_count (&items), 3);
  /* ordered by name: "CRESS..." < "apes" < "mres" (bytes) */
  assert_string_equal (mt_bson_str (&items, "0.slug"), "cress");
  assert_string_equal (mt_bson_str (&items, "0.description"), "Chambre régionale de l'ESS");
  assert_false (mt_bson_has (&items, "0.version"));
  assert_false (mt_bson_has (&items, "0.created_at"));
  bson_destroy (&items);
  bson_destroy (&body);
  fx_caller_destroy (&admin);
  fx_caller_destroy (&m);
}

/* ---- Lost races ---------------------------------------------------------------------------
 *
 * A store that forwards to the real one, except that the next @interfere member or account
 * updates are preceded by a concurrent write of the same document (another request winning
 * the race), so that the service's compare-and-set loses.
 */

typedef struct {
  mt_store_t base;
  mt_store_t *real;
  int interfere;          /* updates still to preempt */
  const char *set_status; /* the concurrent writer sets this status (NULL: touches only) */
} racing_store_t;

static mt_store_t *
real_of (mt_store_t *store)
{
  return ((racing_store_t *) store)->real;
}

/* The concurrent writer: re-reads @id and writes it back (with @status, if any). */
static void
race_write (racing_store_t *rs, bool account, const char *id)
{
  mt_store_t *real = rs->real;
  bson_t current;
  bson_t next = BSON_INITIALIZER;
  bson_t patch = BSON_INITIALIZER;
  mt_error_t error;
  bool ok;

  ok = account ? real->ops->account_get (real, id, &current, &error)
               : real->ops->member_get (real, id, &current, &error);
  assert_true (ok);
  BSON_APPEND_UTF8 (&patch, "concurrent", "yes");
  if (rs->set_status) {
    BSON_APPEND_UTF8 (&patch, "status", rs->set_status);
  }
  bson_destroy (&next);
  mt_bson_merge (&current, &patch, &next);
  ok = account
         ? real->ops->account_update (real, id, mt_bson_int (&current, "version", 0), &next, &error)
         : real->ops->member_update (real, id, mt_bson_int (&current, "version", 0), &next, &error);
  assert_true (ok);
  bson_destroy (&current);
  bson_destroy (&next);
  bson_destroy (&patch);
}

static bool
racing_member_update (mt_store_t *store, const char *id, int64_t expected, const bson_t *doc,
                      mt_error_t *error)
{
  racing_store_t *rs = (racing_store_t *) store;
  if (rs->interfere > 0) {
    rs->interfere--;
    race_write (rs, false, id);
  }
  return rs->real->ops->member_update (rs->real, id, expected, doc, error);
}

static bool
racing_account_update (mt_store_t *store, const char *id, int64_t expected, const bson_t *doc,
                       mt_error_t *error)
{
  racing_store_t *rs = (racing_store_t *) store;
  if (rs->interfere > 0) {
    rs->interfere--;
    race_write (rs, true, id);
  }
  return rs->real->ops->account_update (rs->real, id, expected, doc, error);
}

static bool
racing_member_get (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error)
{
  return real_of (store)->ops->member_get (real_of (store), id, out, error);
}

static bool
racing_account_get (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error)
{
  return real_of (store)->ops->account_get (real_of (store), id, out, error);
}

static bool
racing_network_get (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error)
{
  return real_of (store)->ops->network_get (real_of (store), id, out, error);
}

static bool
racing_account_list_by_member (mt_store_t *store, const char *member_id, mt_store_page_t *out,
                               mt_error_t *error)
{
  return real_of (store)->ops->account_list_by_member (real_of (store), member_id, out, error);
}

static bool
racing_account_count_admins (mt_store_t *store, int64_t *count, mt_error_t *error)
{
  return real_of (store)->ops->account_count_admins (real_of (store), count, error);
}

static const mt_store_ops_t racing_ops = {
  .account_list_by_member = racing_account_list_by_member,
  .account_count_admins = racing_account_count_admins,
  .name = "racing",
  .member_get = racing_member_get,
  .member_update = racing_member_update,
  .account_get = racing_account_get,
  .account_update = racing_account_update,
  .network_get = racing_network_get,
};

static void
racing_init (racing_store_t *rs, fx_t *fx, fx_caller_t *caller, int interfere,
             const char *set_status)
{
  rs->base.ops = &racing_ops;
  rs->real = fx->store;
  rs->interfere = interfere;
  rs->set_status = set_status;
  caller->ctx.store = &rs->base;
}

static void
lost_races_of_member_updates (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t m;
  racing_store_t rs;
  bson_t patch = BSON_INITIALIZER;
  bson_t out;
  bson_t stored;

  make_world (fx, &w);
  fx_caller (fx, w.a_manager, &m);
  BSON_APPEND_UTF8 (&patch, "name", "Nom choisi");
  /* without If-Match: lost once, retried on the new version (1 -> 2 by the other, -> 3) */
  racing_init (&rs, fx, &m, 1, NULL);
  OK (mt_member_patch (&m.ctx, w.a, &patch, NULL, &out, &fx_err));
  assert_int_equal (mt_bson_int (&out, "version", 0), 3);
  assert_string_equal (mt_bson_str (&out, "concurrent"), "yes"); /* the other write is kept */
  bson_destroy (&out);
  /* with a matching If-Match: the version the client saw is gone, 412 */
  racing_init (&rs, fx, &m, 1, NULL);
  FAILS (mt_member_patch (&m.ctx, w.a, &patch, "W/\"3\"", &out, &fx_err),
         MT_ERR_PRECONDITION_FAILED);
  bson_destroy (&out);
  /* without If-Match, losing twice: 409 stale */
  racing_init (&rs, fx, &m, 2, NULL);
  FAILS (mt_member_patch (&m.ctx, w.a, &patch, NULL, &out, &fx_err), MT_ERR_STALE);
  bson_destroy (&out);
  fx_get (fx, false, w.a, &stored);
  assert_int_equal (mt_bson_int (&stored, "version", 0), 6); /* 3 + three concurrent writes */
  bson_destroy (&stored);
  /* the same rules for /v1/me */
  racing_init (&rs, fx, &m, 1, NULL);
  FAILS (mt_me_patch (&m.ctx, &patch, "W/\"1\"", &out, &fx_err), MT_ERR_PRECONDITION_FAILED);
  bson_destroy (&out);
  racing_init (&rs, fx, &m, 1, NULL);
  OK (mt_me_patch (&m.ctx, &patch, NULL, &out, &fx_err));
  assert_int_equal (mt_bson_int (&out, "version", 0), 4);
  bson_destroy (&out);
  bson_destroy (&patch);
  fx_caller_destroy (&m);
}

static void
lost_races_of_admin_transitions (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t admin;
  racing_store_t rs;
  bson_t out;

  make_world (fx, &w);
  fx_caller (fx, w.admin, &admin);
  /* another administrator approved p meanwhile: approving again is decided anew, 409 */
  racing_init (&rs, fx, &admin, 1, "active");
  FAILS (mt_admin_member_approve (&admin.ctx, w.p, &out, &fx_err), MT_ERR_CONFLICT);
  bson_destroy (&out);
  /* a harmless concurrent write: the suspension is retried and succeeds */
  racing_init (&rs, fx, &admin, 1, NULL);
  OK (mt_admin_member_suspend (&admin.ctx, w.p, "Motif valable", &out, &fx_err));
  assert_string_equal (mt_bson_str (&out, "status"), "suspended");
  assert_string_equal (mt_bson_str (&out, "concurrent"), "yes");
  bson_destroy (&out);
  /* losing every time: 409 stale, nothing written by the service */
  racing_init (&rs, fx, &admin, 5, NULL);
  FAILS (mt_admin_member_approve (&admin.ctx, w.p, &out, &fx_err), MT_ERR_STALE);
  bson_destroy (&out);
  {
    bson_t stored;
    fx_get (fx, false, w.p, &stored);
    assert_string_equal (mt_bson_str (&stored, "status"), "suspended");
    bson_destroy (&stored);
  }
  fx_caller_destroy (&admin);
}

static void
lost_races_of_erasure (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t m;
  racing_store_t rs;
  char staff2[MT_ID_SIZE];
  bson_t stored;

  make_world (fx, &w);
  fx_account (fx, w.a, "staff", "active", NULL, staff2);
  fx_caller (fx, w.a_manager, &m);
  /* a concurrent change of the colleague: the census is taken again, the erasure wins */
  racing_init (&rs, fx, &m, 1, NULL);
  OK (mt_member_remove_account (&m.ctx, w.a, w.a_staff, &fx_err));
  fx_get (fx, true, w.a_staff, &stored);
  assert_string_equal (mt_bson_str (&stored, "status"), "removed");
  assert_string_equal (mt_bson_str (&stored, "concurrent"), "yes");
  bson_destroy (&stored);
  /* meanwhile the colleague was removed by someone else: not found any more */
  racing_init (&rs, fx, &m, 1, "removed");
  FAILS (mt_member_remove_account (&m.ctx, w.a, staff2, &fx_err), MT_ERR_NOT_FOUND);
  fx_caller_destroy (&m);
}

/* ---- Entity schemas ----------------------------------------------------------------------- */

/* @doc, as a client receives it (through JSON: dates become strings), is valid for @schema. */
static void
assert_valid_as_json (const mt_schema_registry_t *registry, const char *schema, const bson_t *doc)
{
  char *json = mt_json_from_bson (doc, NULL);
  bson_t parsed;
  mt_error_t error;

  assert_non_null (json);
  if (!mt_json_parse_object (json, strlen (json), MT_JSON_STRICT, &parsed, &error)) {
    fail_msg ("reparse: %s", error.message);
  }
  if (!mt_schema_validate (mt_schema_registry_get (registry, schema), &parsed, &error)) {
    fail_msg ("%s: %s at %s in %s", schema, error.message, error.path, json);
  }
  bson_destroy (&parsed);
  free (json);
}

static void
responses_match_entity_schemas (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t m, a, admin;
  mt_schema_registry_t *registry = mt_schema_registry_new (MT_SCHEMA_ASSERT_FORMAT);
  char invited[MT_ID_SIZE], removed[MT_ID_SIZE];
  bson_t doc, patch = BSON_INITIALIZER, body = BSON_INITIALIZER, items, anonymised;
  mt_error_t error;

  assert_non_null (registry);
  if (!mt_schema_registry_add_embedded (registry, mutua_schema_files, &error)) {
    fail_msg ("schemas: %s", error.message);
  }
  make_world (fx, &w);
  fx_account (fx, w.a, "staff", "invited", NULL, invited);
  fx_account (fx, w.a, "staff", "removed", NULL, removed);
  fx_caller (fx, w.a_manager, &m);
  fx_caller (fx, w.b_manager, &a);
  fx_caller (fx, w.admin, &admin);
  OK (mt_member_get (&m.ctx, w.a, &doc, NULL, &fx_err)); /* own: full, with accounts */
  assert_valid_as_json (registry, "member.json", &doc);
  bson_destroy (&doc);
  OK (mt_member_get (&a.ctx, w.a, &doc, NULL, &fx_err)); /* public profile */
  assert_valid_as_json (registry, "member.json", &doc);
  bson_destroy (&doc);
  OK (mt_member_get (&admin.ctx, w.adm, &doc, NULL, &fx_err)); /* the platform's member */
  assert_valid_as_json (registry, "member.json", &doc);
  bson_destroy (&doc);
  OK (mt_admin_member_suspend (&admin.ctx, w.b, "Motif de suspension", &doc, &fx_err));
  assert_valid_as_json (registry, "member.json", &doc);
  mt_member_anonymised (&doc, FX_NOW_MS, &anonymised);
  assert_valid_as_json (registry, "member.json", &anonymised);
  bson_destroy (&anonymised);
  bson_destroy (&doc);
  BSON_APPEND_UTF8 (&patch, "lang", "fr");
  OK (mt_me_patch (&m.ctx, &patch, NULL, &doc, &fx_err));
  assert_valid_as_json (registry, "account.json", &doc);
  bson_destroy (&doc);
  {
    bson_t stored, erased;
    fx_get (fx, true, w.a_staff, &stored);
    mt_account_anonymised (&stored, "deleted", FX_NOW_MS, &erased);
    mt_account_public_view (&erased, &doc);
    assert_valid_as_json (registry, "account.json", &doc);
    bson_destroy (&doc);
    /* the schema is no rubber stamp: a stored account (with its hash) is refused */
    assert_false (
      mt_schema_validate (mt_schema_registry_get (registry, "account.json"), &stored, &error));
    bson_destroy (&erased);
    bson_destroy (&stored);
  }
  BSON_APPEND_UTF8 (&body, "slug", "cress");
  BSON_APPEND_UTF8 (&body, "name", "CRESS");
  OK (mt_network_create (&admin.ctx, &body, &doc, &fx_err));
  assert_valid_as_json (registry, "network.json", &doc);
  bson_destroy (&doc);
  OK (mt_networks_list (&m.ctx, &items, &fx_err));
  {
    bson_iter_t it;
    assert_true (bson_iter_init (&it, &items));
    while (bson_iter_next (&it)) {
      const uint8_t *data;
      uint32_t len;
      bson_t network;
      bson_iter_document (&it, &len, &data);
      assert_true (bson_init_static (&network, data, len));
      assert_valid_as_json (registry, "network.json", &network);
    }
  }
  bson_destroy (&items);
  bson_destroy (&patch);
  bson_destroy (&body);
  fx_caller_destroy (&m);
  fx_caller_destroy (&a);
  fx_caller_destroy (&admin);
  mt_schema_registry_destroy (registry);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    { "members/access/follows_networks_and_status", access_follows_networks_and_status, fx_setup,
      fx_teardown, NULL },
    { "members/get/own_lists_accounts_without_secrets",
      get_own_member_lists_accounts_without_secrets, fx_setup, fx_teardown, NULL },
    { "members/get/admin_sees_all_with_erased_accounts",
      admin_sees_every_member_with_erased_accounts, fx_setup, fx_teardown, NULL },
    { "members/get/other_is_public_profile", get_other_member_is_public_profile, fx_setup,
      fx_teardown, NULL },
    { "members/get/hidden_is_not_found", get_hidden_members_is_not_found, fx_setup, fx_teardown,
      NULL },
    { "members/patch/manager_updates_with_version", patch_by_manager_updates_with_version, fx_setup,
      fx_teardown, NULL },
    { "members/patch/staff_403_others_404", patch_by_staff_forbidden_by_others_not_found, fx_setup,
      fx_teardown, NULL },
    { "members/patch/if_match", patch_honours_if_match, fx_setup, fx_teardown, NULL },
    { "members/patch/networks_by_admins_only", patch_networks_by_administrators_only, fx_setup,
      fx_teardown, NULL },
    { "members/patch/refuses_deleted_and_platform_kind",
      patch_refuses_deleted_member_and_platform_kind, fx_setup, fx_teardown, NULL },
    { "me/patch/updates_account_with_if_match", me_patch_updates_account_with_if_match, fx_setup,
      fx_teardown, NULL },
    { "members/etag/matching", etag_matching, NULL, NULL, NULL },
    { "members/limit/parsing", limit_parsing, NULL, NULL, NULL },
    { "members/directory/shared_networks", directory_lists_active_members_of_shared_networks,
      fx_setup, fx_teardown, NULL },
    { "members/directory/public_profiles", directory_items_are_public_profiles, fx_setup,
      fx_teardown, NULL },
    { "members/directory/refusals", directory_refuses_foreign_network_bad_query_and_pending,
      fx_setup, fx_teardown, NULL },
    { "members/directory/admins_filter_status", directory_for_admins_filters_by_status, fx_setup,
      fx_teardown, NULL },
    { "members/invite/creates_invited_account", invite_creates_invited_account_with_hashed_secret,
      fx_setup, fx_teardown, NULL },
    { "members/invite/refusals", invite_refuses_duplicates_staff_and_strangers, fx_setup,
      fx_teardown, NULL },
    { "networks/list_and_create", networks_list_and_create, fx_setup, fx_teardown, NULL },
    { "members/race/lost_member_updates", lost_races_of_member_updates, fx_setup, fx_teardown,
      NULL },
    { "admin/race/lost_transitions", lost_races_of_admin_transitions, fx_setup, fx_teardown, NULL },
    { "privacy/race/lost_erasure", lost_races_of_erasure, fx_setup, fx_teardown, NULL },
    { "schemas/responses_match_entity_schemas", responses_match_entity_schemas, fx_setup,
      fx_teardown, NULL },
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
