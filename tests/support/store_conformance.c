/*
 * store_conformance: the conformance suite of the storage port. Only store.h is used here:
 * every adapter must pass these tests unchanged. See store_conformance.h.
 *
 * What is checked, op by op: documents round-trip byte for byte (version forced to 1 on
 * insert), compare-and-set writes version + 1 and tells STALE from NOT_FOUND, unique keys
 * give DUPLICATE, member_insert with a first account is all-or-nothing, listings are ordered
 * and their keyset cursors neither skip nor repeat rows while rows are inserted between
 * pages, filters follow updates, and two threads with their own handles racing on one
 * version see exactly one winner per round.
 */
#include "store_conformance.h"

#include "mt_test.h"

#include "mt_id.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Fixture ------------------------------------------------------------------------------ */

typedef struct {
  const mt_store_conformance_factory_t *factory;
  mt_store_backend_t *backend;
  mt_store_t *store;
} mt_conf_fixture_t;

static mt_conf_fixture_t mt_conf_fixture;

/* The error of the last call made through OK / FAILS (tests run on one thread). */
static mt_error_t err;

static int
mt_conf_setup (void **state)
{
  mt_conf_fixture_t *fx = *state;

  mt_error_clear (&err);
  fx->backend = fx->factory->create (fx->factory->user_data, &err);
  if (!fx->backend) {
    fail_msg ("%s: cannot create a backend: %s", fx->factory->name, err.message);
  }
  fx->store = mt_store_open (fx->backend, &err);
  if (!fx->store) {
    fail_msg ("%s: cannot open a handle: %s", fx->factory->name, err.message);
  }
  return 0;
}

static int
mt_conf_teardown (void **state)
{
  mt_conf_fixture_t *fx = *state;

  mt_store_close (fx->store);
  fx->store = NULL;
  if (fx->backend) {
    fx->factory->destroy (fx->backend, fx->factory->user_data);
  }
  fx->backend = NULL;
  return 0;
}

#define STORE(state) (((mt_conf_fixture_t *) *(state))->store)

static void
mt_conf_expect_ok (const char *file, int line, const char *call, bool ok)
{
  if (!ok) {
    fail_msg ("%s:%d: %s failed: code %u: %s", file, line, call, err.code, err.message);
  }
}

static void
mt_conf_expect_fail (const char *file, int line, const char *call, mt_error_code_t code, bool ok)
{
  if (ok) {
    fail_msg ("%s:%d: %s succeeded, expected error code %d", file, line, call, (int) code);
  }
  if (err.code != (uint32_t) code) {
    fail_msg ("%s:%d: %s: code %u (%s), expected %d", file, line, call, err.code, err.message,
              (int) code);
  }
  if (err.domain != MT_DOMAIN_STORE || !err.message[0] || !err.message_fr[0]) {
    fail_msg ("%s:%d: %s: error lacks domain or messages", file, line, call);
  }
}

/* OK (call using &err): the call succeeds. FAILS (code, call): it fails with @code. */
#define OK(call) mt_conf_expect_ok (__FILE__, __LINE__, #call, (mt_error_clear (&err), (call)))
#define FAILS(code, call)                                                                          \
  mt_conf_expect_fail (__FILE__, __LINE__, #call, code, (mt_error_clear (&err), (call)))

/* ---- Documents ---------------------------------------------------------------------------- */

static void
mt_conf_new_id (const char *prefix, char id[MT_ID_SIZE])
{
  mt_id_new (prefix, id);
}

static void
mt_conf_network (bson_t *doc, const char *id, const char *slug, const char *name)
{
  bson_init (doc);
  BSON_APPEND_UTF8 (doc, "id", id);
  BSON_APPEND_UTF8 (doc, "slug", slug);
  BSON_APPEND_UTF8 (doc, "name", name);
}

/* @networks: NULL-terminated, or NULL for a member without the field. */
static void
mt_conf_member (bson_t *doc, const char *id, const char *name, const char *status,
                const char *const *networks)
{
  bson_t array;
  char key[16];
  const char *k;
  uint32_t i;

  bson_init (doc);
  BSON_APPEND_UTF8 (doc, "id", id);
  BSON_APPEND_INT64 (doc, "version", 1);
  BSON_APPEND_UTF8 (doc, "name", name);
  BSON_APPEND_UTF8 (doc, "kind", "association");
  if (status) {
    BSON_APPEND_UTF8 (doc, "status", status);
  }
  if (networks) {
    BSON_APPEND_ARRAY_BEGIN (doc, "networks", &array);
    for (i = 0; networks[i]; i++) {
      bson_uint32_to_string (i, &k, key, sizeof key);
      bson_append_utf8 (&array, k, -1, networks[i], -1);
    }
    bson_append_array_end (doc, &array);
  }
}

static void
mt_conf_account (bson_t *doc, const char *id, const char *member_id, const char *email_key,
                 const char *platform_role, const char *status, int64_t created_at)
{
  bson_init (doc);
  BSON_APPEND_UTF8 (doc, "id", id);
  BSON_APPEND_INT64 (doc, "version", 1);
  BSON_APPEND_UTF8 (doc, "member_id", member_id);
  BSON_APPEND_UTF8 (doc, "email_key", email_key);
  BSON_APPEND_UTF8 (doc, "member_role", "manager");
  BSON_APPEND_UTF8 (doc, "platform_role", platform_role);
  BSON_APPEND_UTF8 (doc, "status", status);
  BSON_APPEND_DATE_TIME (doc, "created_at", created_at);
}

static const char *
mt_conf_str (const bson_t *doc, const char *key)
{
  bson_iter_t it;

  if (!bson_iter_init_find (&it, doc, key) || !BSON_ITER_HOLDS_UTF8 (&it)) {
    return NULL;
  }
  return bson_iter_utf8 (&it, NULL);
}

/* The int64 "version" of @doc; -1 when absent or of another type. */
static int64_t
mt_conf_version (const bson_t *doc)
{
  bson_iter_t it;

  if (!bson_iter_init_find (&it, doc, "version") || !BSON_ITER_HOLDS_INT64 (&it)) {
    return -1;
  }
  return bson_iter_int64 (&it);
}

/* The @index-th document of @page, as a view valid while the page lives. */
static void
mt_conf_page_item (const mt_store_page_t *page, uint32_t index, bson_t *out)
{
  char key[16];
  const char *k;
  bson_iter_t it;
  const uint8_t *data = NULL;
  uint32_t len = 0;

  bson_uint32_to_string (index, &k, key, sizeof key);
  assert_true (bson_iter_init_find (&it, &page->items, k));
  assert_true (BSON_ITER_HOLDS_DOCUMENT (&it));
  bson_iter_document (&it, &len, &data);
  assert_true (bson_init_static (out, data, len));
}

static void
mt_conf_assert_same_bytes (const bson_t *a, const bson_t *b)
{
  assert_int_equal (a->len, b->len);
  assert_memory_equal (bson_get_data (a), bson_get_data (b), a->len);
}

/* ---- Basics ------------------------------------------------------------------------------- */

static void
ping_succeeds (void **state)
{
  mt_store_t *st = STORE (state);

  OK (st->ops->ping (st, &err));
  assert_non_null (st->ops->name);
}

static void
integrity_holds_on_empty_and_used_store (void **state)
{
  mt_store_t *st = STORE (state);
  const char *nets[] = { NULL, NULL };
  char net[MT_ID_SIZE], mem[MT_ID_SIZE], acc[MT_ID_SIZE];
  bson_t doc, account;

  OK (st->ops->check_integrity (st, &err));

  mt_conf_new_id ("net", net);
  mt_conf_network (&doc, net, "apes", "Apes");
  OK (st->ops->network_insert (st, &doc, &err));
  bson_destroy (&doc);
  nets[0] = net;
  mt_conf_new_id ("mem", mem);
  mt_conf_new_id ("acc", acc);
  mt_conf_member (&doc, mem, "Vélos du Nord", "pending", nets);
  mt_conf_account (&account, acc, mem, "a@example.org", "member", "active", 1000);
  OK (st->ops->member_insert (st, &doc, &account, &err));
  bson_destroy (&doc);
  mt_conf_member (&doc, mem, "Vélos du Nord", "active", nets);
  OK (st->ops->member_update (st, mem, 1, &doc, &err));
  OK (st->ops->account_update (st, acc, 1, &account, &err));
  OK (st->ops->token_revoke (st, "jti-1", 5000, &err));
  bson_destroy (&doc);
  bson_destroy (&account);

  OK (st->ops->check_integrity (st, &err));
}

static void
bad_documents_are_internal_errors (void **state)
{
  mt_store_t *st = STORE (state);
  bson_t doc = BSON_INITIALIZER;

  BSON_APPEND_UTF8 (&doc, "name", "no id");
  BSON_APPEND_UTF8 (&doc, "slug", "no-id");
  FAILS (MT_ERR_INTERNAL, st->ops->network_insert (st, &doc, &err));
  FAILS (MT_ERR_INTERNAL, st->ops->member_insert (st, &doc, NULL, &err));
  BSON_APPEND_UTF8 (&doc, "email_key", "x@example.org");
  FAILS (MT_ERR_INTERNAL, st->ops->account_insert (st, &doc, &err));
  bson_destroy (&doc);

  /* "id" of the wrong type. */
  bson_init (&doc);
  BSON_APPEND_INT32 (&doc, "id", 7);
  BSON_APPEND_UTF8 (&doc, "name", "x");
  BSON_APPEND_UTF8 (&doc, "slug", "x");
  FAILS (MT_ERR_INTERNAL, st->ops->network_insert (st, &doc, &err));
  bson_destroy (&doc);
}

/* ---- Networks ----------------------------------------------------------------------------- */

static void
network_round_trips_and_forces_version_1 (void **state)
{
  mt_store_t *st = STORE (state);
  char id[MT_ID_SIZE], id2[MT_ID_SIZE];
  bson_t doc, out, nested;

  /* With version 1 already in place: the stored bytes are the given bytes. */
  mt_conf_new_id ("net", id);
  bson_init (&doc);
  BSON_APPEND_UTF8 (&doc, "id", id);
  BSON_APPEND_INT64 (&doc, "version", 1);
  BSON_APPEND_UTF8 (&doc, "slug", "mres");
  BSON_APPEND_UTF8 (&doc, "name", "MRES");
  BSON_APPEND_DOCUMENT_BEGIN (&doc, "extra", &nested);
  BSON_APPEND_UTF8 (&nested, "é", "ü\xe2\x82\xac");
  BSON_APPEND_DOUBLE (&nested, "d", 1.5);
  BSON_APPEND_BOOL (&nested, "b", true);
  bson_append_document_end (&doc, &nested);
  BSON_APPEND_DATE_TIME (&doc, "created_at", 1781258400000);
  OK (st->ops->network_insert (st, &doc, &err));
  OK (st->ops->network_get (st, id, &out, &err));
  mt_conf_assert_same_bytes (&doc, &out);
  bson_destroy (&out);
  bson_destroy (&doc);

  /* Any other version becomes 1; no version gets one. */
  mt_conf_new_id ("net", id2);
  bson_init (&doc);
  BSON_APPEND_INT64 (&doc, "version", 42);
  BSON_APPEND_UTF8 (&doc, "id", id2);
  BSON_APPEND_UTF8 (&doc, "slug", "apes");
  BSON_APPEND_UTF8 (&doc, "name", "Apes");
  OK (st->ops->network_insert (st, &doc, &err));
  OK (st->ops->network_get (st, id2, &out, &err));
  assert_int_equal (mt_conf_version (&out), 1);
  assert_string_equal (mt_conf_str (&out, "slug"), "apes");
  assert_string_equal (mt_conf_str (&out, "id"), id2);
  bson_destroy (&out);
  bson_destroy (&doc);

  mt_conf_new_id ("net", id2);
  mt_conf_network (&doc, id2, "third", "Third");
  OK (st->ops->network_insert (st, &doc, &err));
  OK (st->ops->network_get (st, id2, &out, &err));
  assert_int_equal (mt_conf_version (&out), 1);
  bson_destroy (&out);
  bson_destroy (&doc);
}

static void
network_get_missing_is_not_found (void **state)
{
  mt_store_t *st = STORE (state);
  char id[MT_ID_SIZE];
  bson_t out;

  mt_conf_new_id ("net", id);
  FAILS (MT_ERR_NOT_FOUND, st->ops->network_get (st, id, &out, &err));
  assert_true (bson_empty (&out));
  bson_destroy (&out);
}

static void
network_unique_id_and_slug (void **state)
{
  mt_store_t *st = STORE (state);
  char id[MT_ID_SIZE], id2[MT_ID_SIZE];
  bson_t doc, out;

  mt_conf_new_id ("net", id);
  mt_conf_network (&doc, id, "apes", "Apes");
  OK (st->ops->network_insert (st, &doc, &err));
  bson_destroy (&doc);

  mt_conf_network (&doc, id, "other", "Other");
  FAILS (MT_ERR_DUPLICATE, st->ops->network_insert (st, &doc, &err));
  bson_destroy (&doc);

  mt_conf_new_id ("net", id2);
  mt_conf_network (&doc, id2, "apes", "Apes bis");
  FAILS (MT_ERR_DUPLICATE, st->ops->network_insert (st, &doc, &err));
  bson_destroy (&doc);
  FAILS (MT_ERR_NOT_FOUND, st->ops->network_get (st, id2, &out, &err));
  bson_destroy (&out);

  OK (st->ops->network_get (st, id, &out, &err));
  assert_string_equal (mt_conf_str (&out, "name"), "Apes");
  bson_destroy (&out);
}

static void
network_list_is_ordered_by_name (void **state)
{
  mt_store_t *st = STORE (state);
  const char *names[] = { "MRES", "Apes", "Zèbre", "apes", "Cigales" };
  /* Binary (UTF-8 byte) order. */
  const char *sorted[] = { "Apes", "Cigales", "MRES", "Zèbre", "apes" };
  char id[MT_ID_SIZE], slug[16];
  mt_store_page_t page;
  bson_t doc;
  size_t i;

  OK (st->ops->network_list (st, &page, &err));
  assert_int_equal (page.count, 0);
  assert_string_equal (page.next_cursor, "");
  mt_store_page_destroy (&page);

  for (i = 0; i < 5; i++) {
    mt_conf_new_id ("net", id);
    snprintf (slug, sizeof slug, "n%zu", i);
    mt_conf_network (&doc, id, slug, names[i]);
    OK (st->ops->network_insert (st, &doc, &err));
    bson_destroy (&doc);
  }
  OK (st->ops->network_list (st, &page, &err));
  assert_int_equal (page.count, 5);
  assert_string_equal (page.next_cursor, "");
  for (i = 0; i < 5; i++) {
    mt_conf_page_item (&page, (uint32_t) i, &doc);
    assert_string_equal (mt_conf_str (&doc, "name"), sorted[i]);
    assert_int_equal (mt_conf_version (&doc), 1);
  }
  mt_store_page_destroy (&page);
}

/* ---- Members: single documents ------------------------------------------------------------ */

static void
member_round_trips_and_forces_version_1 (void **state)
{
  mt_store_t *st = STORE (state);
  const char *nets[] = { "net_a", "net_b", NULL };
  char id[MT_ID_SIZE];
  bson_t doc, out;

  mt_conf_new_id ("mem", id);
  mt_conf_member (&doc, id, "La Cyclerie", "pending", nets);
  OK (st->ops->member_insert (st, &doc, NULL, &err));
  OK (st->ops->member_get (st, id, &out, &err));
  mt_conf_assert_same_bytes (&doc, &out);
  bson_destroy (&out);
  bson_destroy (&doc);

  mt_conf_new_id ("mem", id);
  bson_init (&doc);
  BSON_APPEND_UTF8 (&doc, "id", id);
  BSON_APPEND_UTF8 (&doc, "name", "Sans version");
  BSON_APPEND_UTF8 (&doc, "status", "pending");
  BSON_APPEND_INT64 (&doc, "version", 9);
  OK (st->ops->member_insert (st, &doc, NULL, &err));
  OK (st->ops->member_get (st, id, &out, &err));
  assert_int_equal (mt_conf_version (&out), 1);
  assert_string_equal (mt_conf_str (&out, "name"), "Sans version");
  bson_destroy (&out);
  bson_destroy (&doc);
}

static void
member_get_missing_is_not_found (void **state)
{
  mt_store_t *st = STORE (state);
  bson_t out;

  FAILS (MT_ERR_NOT_FOUND, st->ops->member_get (st, "mem_AAAAAAAAAAAAAAAAAAAAAA", &out, &err));
  assert_true (bson_empty (&out));
  bson_destroy (&out);
}

static void
member_duplicate_id (void **state)
{
  mt_store_t *st = STORE (state);
  char id[MT_ID_SIZE];
  bson_t doc, out;

  mt_conf_new_id ("mem", id);
  mt_conf_member (&doc, id, "First", "active", NULL);
  OK (st->ops->member_insert (st, &doc, NULL, &err));
  bson_destroy (&doc);
  mt_conf_member (&doc, id, "Second", "active", NULL);
  FAILS (MT_ERR_DUPLICATE, st->ops->member_insert (st, &doc, NULL, &err));
  bson_destroy (&doc);
  OK (st->ops->member_get (st, id, &out, &err));
  assert_string_equal (mt_conf_str (&out, "name"), "First");
  bson_destroy (&out);
}

static void
member_insert_with_first_account (void **state)
{
  mt_store_t *st = STORE (state);
  char mem[MT_ID_SIZE], acc[MT_ID_SIZE];
  bson_t member, account, out;

  mt_conf_new_id ("mem", mem);
  mt_conf_new_id ("acc", acc);
  mt_conf_member (&member, mem, "Tentes & Co", "pending", NULL);
  mt_conf_account (&account, acc, mem, "chloe@example.org", "member", "pending", 1000);
  OK (st->ops->member_insert (st, &member, &account, &err));
  OK (st->ops->member_get (st, mem, &out, &err));
  assert_int_equal (mt_conf_version (&out), 1);
  bson_destroy (&out);
  OK (st->ops->account_get (st, acc, &out, &err));
  mt_conf_assert_same_bytes (&account, &out);
  bson_destroy (&out);
  OK (st->ops->account_find_by_email (st, "chloe@example.org", &out, &err));
  assert_string_equal (mt_conf_str (&out, "id"), acc);
  bson_destroy (&out);
  bson_destroy (&member);
  bson_destroy (&account);
}

/* member_insert with an account whose e-mail (or id) is taken, or a member id taken. */
static void
member_insert_is_atomic (void **state)
{
  mt_store_t *st = STORE (state);
  char mem[MT_ID_SIZE], acc[MT_ID_SIZE], mem2[MT_ID_SIZE], acc2[MT_ID_SIZE];
  mt_store_member_query_t query = { .limit = 10 };
  mt_store_page_t page;
  bson_t member, account, out;

  mt_conf_new_id ("mem", mem);
  mt_conf_new_id ("acc", acc);
  mt_conf_member (&member, mem, "Existing", "active", NULL);
  mt_conf_account (&account, acc, mem, "taken@example.org", "member", "active", 1000);
  OK (st->ops->member_insert (st, &member, &account, &err));
  bson_destroy (&member);
  bson_destroy (&account);

  /* Taken e-mail: neither the member nor the account is stored. */
  mt_conf_new_id ("mem", mem2);
  mt_conf_new_id ("acc", acc2);
  mt_conf_member (&member, mem2, "Newcomer", "pending", NULL);
  mt_conf_account (&account, acc2, mem2, "taken@example.org", "member", "pending", 2000);
  FAILS (MT_ERR_DUPLICATE, st->ops->member_insert (st, &member, &account, &err));
  FAILS (MT_ERR_NOT_FOUND, st->ops->member_get (st, mem2, &out, &err));
  bson_destroy (&out);
  FAILS (MT_ERR_NOT_FOUND, st->ops->account_get (st, acc2, &out, &err));
  bson_destroy (&out);
  bson_destroy (&account);

  /* Taken account id. */
  mt_conf_account (&account, acc, mem2, "fresh@example.org", "member", "pending", 2000);
  FAILS (MT_ERR_DUPLICATE, st->ops->member_insert (st, &member, &account, &err));
  FAILS (MT_ERR_NOT_FOUND, st->ops->member_get (st, mem2, &out, &err));
  bson_destroy (&out);
  FAILS (MT_ERR_NOT_FOUND, st->ops->account_find_by_email (st, "fresh@example.org", &out, &err));
  bson_destroy (&out);
  bson_destroy (&account);
  bson_destroy (&member);

  /* Taken member id with a fresh account: the account is not stored either. */
  mt_conf_member (&member, mem, "Impostor", "pending", NULL);
  mt_conf_account (&account, acc2, mem, "other@example.org", "member", "pending", 3000);
  FAILS (MT_ERR_DUPLICATE, st->ops->member_insert (st, &member, &account, &err));
  FAILS (MT_ERR_NOT_FOUND, st->ops->account_get (st, acc2, &out, &err));
  bson_destroy (&out);
  FAILS (MT_ERR_NOT_FOUND, st->ops->account_find_by_email (st, "other@example.org", &out, &err));
  bson_destroy (&out);
  bson_destroy (&account);
  bson_destroy (&member);

  OK (st->ops->member_list (st, &query, &page, &err));
  assert_int_equal (page.count, 1);
  mt_conf_page_item (&page, 0, &out);
  assert_string_equal (mt_conf_str (&out, "name"), "Existing");
  mt_store_page_destroy (&page);
  OK (st->ops->check_integrity (st, &err));
}

static void
member_update_compare_and_set (void **state)
{
  mt_store_t *st = STORE (state);
  char id[MT_ID_SIZE];
  bson_t doc, out;

  mt_conf_new_id ("mem", id);
  mt_conf_member (&doc, id, "Before", "pending", NULL);
  OK (st->ops->member_insert (st, &doc, NULL, &err));
  bson_destroy (&doc);

  /* The caller's document may carry any version: the store writes expected + 1. */
  mt_conf_member (&doc, id, "After", "active", NULL);
  OK (st->ops->member_update (st, id, 1, &doc, &err));
  bson_destroy (&doc);
  OK (st->ops->member_get (st, id, &out, &err));
  assert_int_equal (mt_conf_version (&out), 2);
  assert_string_equal (mt_conf_str (&out, "name"), "After");
  assert_string_equal (mt_conf_str (&out, "status"), "active");

  /* Writing back what was read works once more. */
  OK (st->ops->member_update (st, id, 2, &out, &err));
  bson_destroy (&out);
  OK (st->ops->member_get (st, id, &out, &err));
  assert_int_equal (mt_conf_version (&out), 3);
  bson_destroy (&out);
}

static void
member_update_stale_on_wrong_version (void **state)
{
  mt_store_t *st = STORE (state);
  const int64_t wrong[] = { 0, 1, 3, -1, INT64_MAX };
  char id[MT_ID_SIZE];
  bson_t doc, out;
  size_t i;

  mt_conf_new_id ("mem", id);
  mt_conf_member (&doc, id, "Original", "active", NULL);
  OK (st->ops->member_insert (st, &doc, NULL, &err));
  OK (st->ops->member_update (st, id, 1, &doc, &err));
  bson_destroy (&doc);

  mt_conf_member (&doc, id, "Loser", "suspended", NULL);
  for (i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
    FAILS (MT_ERR_STALE, st->ops->member_update (st, id, wrong[i], &doc, &err));
  }
  bson_destroy (&doc);
  OK (st->ops->member_get (st, id, &out, &err));
  assert_int_equal (mt_conf_version (&out), 2);
  assert_string_equal (mt_conf_str (&out, "name"), "Original");
  bson_destroy (&out);
}

static void
member_update_missing_is_not_found (void **state)
{
  mt_store_t *st = STORE (state);
  char id[MT_ID_SIZE];
  bson_t doc, out;

  mt_conf_new_id ("mem", id);
  mt_conf_member (&doc, id, "Ghost", "active", NULL);
  FAILS (MT_ERR_NOT_FOUND, st->ops->member_update (st, id, 1, &doc, &err));
  FAILS (MT_ERR_NOT_FOUND, st->ops->member_get (st, id, &out, &err));
  bson_destroy (&out);
  bson_destroy (&doc);
}

/* An update's document must carry the id being updated. */
static void
update_with_another_id_is_refused (void **state)
{
  mt_store_t *st = STORE (state);
  char mem[MT_ID_SIZE], other[MT_ID_SIZE], acc[MT_ID_SIZE];
  bson_t doc, account, out;

  mt_conf_new_id ("mem", mem);
  mt_conf_new_id ("mem", other);
  mt_conf_new_id ("acc", acc);
  mt_conf_member (&doc, mem, "Mine", "active", NULL);
  mt_conf_account (&account, acc, mem, "me@example.org", "member", "active", 1);
  OK (st->ops->member_insert (st, &doc, &account, &err));
  bson_destroy (&doc);
  bson_destroy (&account);

  mt_conf_member (&doc, other, "Theirs", "active", NULL);
  FAILS (MT_ERR_INTERNAL, st->ops->member_update (st, mem, 1, &doc, &err));
  bson_destroy (&doc);
  mt_conf_account (&account, other, mem, "me@example.org", "member", "active", 1);
  FAILS (MT_ERR_INTERNAL, st->ops->account_update (st, acc, 1, &account, &err));
  bson_destroy (&account);

  OK (st->ops->member_get (st, mem, &out, &err));
  assert_string_equal (mt_conf_str (&out, "name"), "Mine");
  assert_int_equal (mt_conf_version (&out), 1);
  bson_destroy (&out);
}

/* ---- Members: listing --------------------------------------------------------------------- */

typedef struct {
  char id[MT_ID_SIZE];
  char name[32];
} mt_conf_key_t;

static int
mt_conf_key_cmp (const void *a, const void *b)
{
  const mt_conf_key_t *x = a;
  const mt_conf_key_t *y = b;
  int c = strcmp (x->name, y->name);

  return c ? c : strcmp (x->id, y->id);
}

/* Inserts @n members with names drawn from a small pool (so that names repeat). */
static void
mt_conf_insert_members (mt_store_t *st, mt_conf_key_t *keys, size_t n, const char *status,
                        const char *const *networks)
{
  static const char *const pool[] = { "Vélo-école", "Apes",  "apes", "Zébulon", "Brico",
                                      "Brico",      "Émile", "",     "Apes 2" };
  bson_t doc;
  size_t i;

  for (i = 0; i < n; i++) {
    mt_conf_new_id ("mem", keys[i].id);
    snprintf (keys[i].name, sizeof keys[i].name, "%s", pool[(i * 7) % 9]);
    mt_conf_member (&doc, keys[i].id, keys[i].name, status, networks);
    OK (st->ops->member_insert (st, &doc, NULL, &err));
    bson_destroy (&doc);
  }
}

/*
 * Pages through @query (limit preset) and stores the ids in @ids (capacity @cap). Checks
 * page sizes, cursors and that the sequence is strictly increasing in (name, id).
 */
static size_t
mt_conf_list_all (mt_store_t *st, mt_store_member_query_t query, mt_conf_key_t *ids, size_t cap)
{
  char cursor[MT_STORE_CURSOR_MAX] = "";
  mt_store_page_t page;
  size_t n = 0;
  uint32_t i;
  bson_t doc;

  for (;;) {
    query.cursor = cursor;
    OK (st->ops->member_list (st, &query, &page, &err));
    assert_true (page.count <= query.limit);
    assert_true (page.count <= MT_STORE_PAGE_MAX);
    for (i = 0; i < page.count; i++) {
      assert_true (n < cap);
      mt_conf_page_item (&page, i, &doc);
      snprintf (ids[n].id, sizeof ids[n].id, "%s", mt_conf_str (&doc, "id"));
      snprintf (ids[n].name, sizeof ids[n].name, "%s", mt_conf_str (&doc, "name"));
      if (n > 0 && mt_conf_key_cmp (&ids[n - 1], &ids[n]) >= 0) {
        fail_msg ("member_list out of order at %zu", n);
      }
      n++;
    }
    if (!page.next_cursor[0]) {
      mt_store_page_destroy (&page);
      break;
    }
    /* Not the last page: it is full. */
    assert_int_equal (page.count,
                      query.limit > MT_STORE_PAGE_MAX ? MT_STORE_PAGE_MAX : query.limit);
    snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
    mt_store_page_destroy (&page);
  }
  return n;
}

static void
member_list_orders_and_pages (void **state)
{
  mt_store_t *st = STORE (state);
  const uint32_t limits[] = { 1, 5, 7, 20, 21, 100 };
  mt_conf_key_t keys[20], seen[40];
  mt_store_member_query_t query = { 0 };
  size_t i, n;

  mt_conf_insert_members (st, keys, 20, "active", NULL);
  qsort (keys, 20, sizeof keys[0], mt_conf_key_cmp);
  for (i = 0; i < sizeof limits / sizeof limits[0]; i++) {
    query.limit = limits[i];
    n = mt_conf_list_all (st, query, seen, 40);
    assert_int_equal (n, 20);
    for (n = 0; n < 20; n++) {
      assert_string_equal (seen[n].id, keys[n].id);
    }
  }
}

static void
member_list_empty_store (void **state)
{
  mt_store_t *st = STORE (state);
  mt_store_member_query_t query = { .limit = 10 };
  mt_store_page_t page;

  OK (st->ops->member_list (st, &query, &page, &err));
  assert_int_equal (page.count, 0);
  assert_string_equal (page.next_cursor, "");
  mt_store_page_destroy (&page);
}

/* Rows inserted between pages never make a pre-existing row skipped or repeated. */
static void
member_list_cursor_survives_inserts (void **state)
{
  mt_store_t *st = STORE (state);
  mt_conf_key_t keys[30], seen[200], extra[8];
  mt_store_member_query_t query = { .limit = 4 };
  char cursor[MT_STORE_CURSOR_MAX] = "";
  mt_store_page_t page;
  size_t n = 0, i, j, found;
  bson_t doc;

  mt_conf_insert_members (st, keys, 30, "active", NULL);
  for (;;) {
    query.cursor = cursor;
    OK (st->ops->member_list (st, &query, &page, &err));
    for (i = 0; i < page.count; i++) {
      assert_true (n < 200);
      mt_conf_page_item (&page, (uint32_t) i, &doc);
      snprintf (seen[n].id, sizeof seen[n].id, "%s", mt_conf_str (&doc, "id"));
      snprintf (seen[n].name, sizeof seen[n].name, "%s", mt_conf_str (&doc, "name"));
      if (n > 0 && mt_conf_key_cmp (&seen[n - 1], &seen[n]) >= 0) {
        fail_msg ("out of order or repeated at %zu", n);
      }
      n++;
    }
    snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
    mt_store_page_destroy (&page);
    if (!cursor[0]) {
      break;
    }
    /* New members everywhere in the order, including names equal to those listed. */
    mt_conf_insert_members (st, extra, 8, "active", NULL);
  }
  for (i = 0; i < 30; i++) {
    found = 0;
    for (j = 0; j < n; j++) {
      found += strcmp (seen[j].id, keys[i].id) == 0;
    }
    if (found != 1) {
      fail_msg ("pre-existing member %zu seen %zu times", i, found);
    }
  }
}

static void
member_list_limit_is_clamped (void **state)
{
  mt_store_t *st = STORE (state);
  mt_conf_key_t keys[MT_STORE_PAGE_MAX + 5];
  mt_store_member_query_t query = { .limit = 1000 };
  mt_store_page_t page;

  mt_conf_insert_members (st, keys, MT_STORE_PAGE_MAX + 5, NULL, NULL);
  OK (st->ops->member_list (st, &query, &page, &err));
  assert_int_equal (page.count, MT_STORE_PAGE_MAX);
  assert_true (page.next_cursor[0] != '\0');
  query.cursor = page.next_cursor;
  {
    mt_store_page_t next;
    OK (st->ops->member_list (st, &query, &next, &err));
    assert_int_equal (next.count, 5);
    assert_string_equal (next.next_cursor, "");
    mt_store_page_destroy (&next);
  }
  mt_store_page_destroy (&page);
}

static void
member_list_rejects_bad_cursor_and_limit (void **state)
{
  mt_store_t *st = STORE (state);
  mt_store_member_query_t query = { .limit = 10 };
  char longer[MT_STORE_CURSOR_MAX + 90];
  const char *bad[] = { "!!!", "not a cursor", "~", "%%", longer };
  mt_store_page_t page;
  mt_conf_key_t keys[3];
  size_t i;

  memset (longer, 'A', sizeof longer - 1);
  longer[sizeof longer - 1] = '\0';
  mt_conf_insert_members (st, keys, 3, "active", NULL);
  for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    query.cursor = bad[i];
    FAILS (MT_ERR_BAD_REQUEST, st->ops->member_list (st, &query, &page, &err));
    assert_int_equal (page.count, 0);
    assert_string_equal (page.next_cursor, "");
    mt_store_page_destroy (&page);
  }
  query.cursor = NULL;
  query.limit = 0;
  FAILS (MT_ERR_BAD_REQUEST, st->ops->member_list (st, &query, &page, &err));
  mt_store_page_destroy (&page);
}

/* Names longer than any cursor can hold still page in order, without skips or repeats. */
static void
member_list_pages_long_names (void **state)
{
  mt_store_t *st = STORE (state);
  mt_store_member_query_t query = { .limit = 3 };
  char ids[12][MT_ID_SIZE], name[700], cursor[MT_STORE_CURSOR_MAX] = "";
  const char *last_name = NULL;
  char last[700] = "", last_id[MT_ID_SIZE] = "";
  mt_store_page_t page;
  size_t i, n = 0;
  bson_t doc;

  for (i = 0; i < 12; i++) {
    /* Four distinct 600-byte names (a long shared prefix), three members each. */
    memset (name, 'x', 600);
    name[599] = (char) ('a' + (i % 4));
    name[600] = '\0';
    mt_conf_new_id ("mem", ids[i]);
    mt_conf_member (&doc, ids[i], name, "active", NULL);
    OK (st->ops->member_insert (st, &doc, NULL, &err));
    bson_destroy (&doc);
  }
  do {
    query.cursor = cursor;
    OK (st->ops->member_list (st, &query, &page, &err));
    assert_true (strlen (page.next_cursor) < MT_STORE_CURSOR_MAX);
    for (i = 0; i < page.count; i++) {
      const char *id;
      int c;

      mt_conf_page_item (&page, (uint32_t) i, &doc);
      last_name = mt_conf_str (&doc, "name");
      id = mt_conf_str (&doc, "id");
      assert_int_equal (strlen (last_name), 600);
      c = strcmp (last, last_name);
      assert_true (c < 0 || (c == 0 && strcmp (last_id, id) < 0));
      snprintf (last, sizeof last, "%s", last_name);
      snprintf (last_id, sizeof last_id, "%s", id);
      n++;
    }
    snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
    mt_store_page_destroy (&page);
  } while (cursor[0]);
  assert_int_equal (n, 12);
}

/* Lists every member matching @status / @network (one page of 100) into @ids. */
static uint32_t
mt_conf_filter (mt_store_t *st, const char *status, const char *network, mt_conf_key_t *ids)
{
  mt_store_member_query_t query = { .status = status, .network_id = network, .limit = 100 };
  mt_conf_key_t all[100];
  size_t n = mt_conf_list_all (st, query, ids ? ids : all, 100);

  return (uint32_t) n;
}

static void
member_list_filters_by_status_and_network (void **state)
{
  mt_store_t *st = STORE (state);
  const char *n1[] = { "net_one", NULL };
  const char *n12[] = { "net_one", "net_two", "net_one", NULL };
  const char *n2[] = { "net_two", NULL };
  const char *none[] = { NULL };
  mt_conf_key_t a[4], b[3], c[2], d[2], e[2], got[100];
  uint32_t i, n;

  mt_conf_insert_members (st, a, 4, "active", n1);
  mt_conf_insert_members (st, b, 3, "pending", n12);
  mt_conf_insert_members (st, c, 2, "active", n2);
  mt_conf_insert_members (st, d, 2, "suspended", none);
  mt_conf_insert_members (st, e, 2, "active", NULL);

  assert_int_equal (mt_conf_filter (st, NULL, NULL, NULL), 13);
  assert_int_equal (mt_conf_filter (st, "active", NULL, NULL), 8);
  assert_int_equal (mt_conf_filter (st, "pending", NULL, NULL), 3);
  assert_int_equal (mt_conf_filter (st, "suspended", NULL, NULL), 2);
  assert_int_equal (mt_conf_filter (st, "deleted", NULL, NULL), 0);
  /* A member listed twice in its own "networks" still appears once. */
  assert_int_equal (mt_conf_filter (st, NULL, "net_one", NULL), 7);
  assert_int_equal (mt_conf_filter (st, NULL, "net_two", NULL), 5);
  assert_int_equal (mt_conf_filter (st, NULL, "net_three", NULL), 0);
  assert_int_equal (mt_conf_filter (st, "active", "net_one", NULL), 4);
  assert_int_equal (mt_conf_filter (st, "pending", "net_two", NULL), 3);
  assert_int_equal (mt_conf_filter (st, "suspended", "net_one", NULL), 0);

  n = mt_conf_filter (st, "pending", NULL, got);
  for (i = 0; i < n; i++) {
    assert_true (strcmp (got[i].id, b[0].id) == 0 || strcmp (got[i].id, b[1].id) == 0 ||
                 strcmp (got[i].id, b[2].id) == 0);
  }
}

static void
member_list_filtered_pages (void **state)
{
  mt_store_t *st = STORE (state);
  const char *n1[] = { "net_one", NULL };
  const char *n2[] = { "net_two", NULL };
  mt_store_member_query_t query = { .network_id = "net_one", .status = "active", .limit = 2 };
  mt_conf_key_t in[9], out1[5], out2[5], seen[20];
  size_t n, i;

  mt_conf_insert_members (st, out1, 5, "active", n2);
  mt_conf_insert_members (st, in, 9, "active", n1);
  mt_conf_insert_members (st, out2, 5, "pending", n1);
  qsort (in, 9, sizeof in[0], mt_conf_key_cmp);
  n = mt_conf_list_all (st, query, seen, 20);
  assert_int_equal (n, 9);
  for (i = 0; i < 9; i++) {
    assert_string_equal (seen[i].id, in[i].id);
  }
}

static void
member_list_filters_follow_updates (void **state)
{
  mt_store_t *st = STORE (state);
  const char *n1[] = { "net_one", NULL };
  const char *n2[] = { "net_two", "net_three", NULL };
  char id[MT_ID_SIZE];
  bson_t doc;

  mt_conf_new_id ("mem", id);
  mt_conf_member (&doc, id, "Mover", "pending", n1);
  OK (st->ops->member_insert (st, &doc, NULL, &err));
  bson_destroy (&doc);
  assert_int_equal (mt_conf_filter (st, "pending", "net_one", NULL), 1);

  mt_conf_member (&doc, id, "Mover", "active", n2);
  OK (st->ops->member_update (st, id, 1, &doc, &err));
  bson_destroy (&doc);
  assert_int_equal (mt_conf_filter (st, "pending", NULL, NULL), 0);
  assert_int_equal (mt_conf_filter (st, "active", NULL, NULL), 1);
  assert_int_equal (mt_conf_filter (st, NULL, "net_one", NULL), 0);
  assert_int_equal (mt_conf_filter (st, NULL, "net_two", NULL), 1);
  assert_int_equal (mt_conf_filter (st, "active", "net_three", NULL), 1);

  /* A failed (stale) update changes no index. */
  mt_conf_member (&doc, id, "Mover", "suspended", n1);
  FAILS (MT_ERR_STALE, st->ops->member_update (st, id, 1, &doc, &err));
  bson_destroy (&doc);
  assert_int_equal (mt_conf_filter (st, "suspended", NULL, NULL), 0);
  assert_int_equal (mt_conf_filter (st, NULL, "net_one", NULL), 0);

  /* Dropping the field leaves the member in no network. */
  mt_conf_member (&doc, id, "Mover", "active", NULL);
  OK (st->ops->member_update (st, id, 2, &doc, &err));
  bson_destroy (&doc);
  assert_int_equal (mt_conf_filter (st, NULL, "net_two", NULL), 0);
  assert_int_equal (mt_conf_filter (st, NULL, NULL, NULL), 1);
}

/* ---- Accounts ----------------------------------------------------------------------------- */

static void
account_round_trip_and_lookups (void **state)
{
  mt_store_t *st = STORE (state);
  char acc[MT_ID_SIZE];
  bson_t doc, out;

  mt_conf_new_id ("acc", acc);
  mt_conf_account (&doc, acc, "mem_x", "lea@example.org", "member", "active", 1234);
  OK (st->ops->account_insert (st, &doc, &err));
  OK (st->ops->account_get (st, acc, &out, &err));
  mt_conf_assert_same_bytes (&doc, &out);
  bson_destroy (&out);
  OK (st->ops->account_find_by_email (st, "lea@example.org", &out, &err));
  mt_conf_assert_same_bytes (&doc, &out);
  bson_destroy (&out);
  bson_destroy (&doc);

  FAILS (MT_ERR_NOT_FOUND, st->ops->account_get (st, "acc_AAAAAAAAAAAAAAAAAAAAAA", &out, &err));
  assert_true (bson_empty (&out));
  bson_destroy (&out);
  FAILS (MT_ERR_NOT_FOUND, st->ops->account_find_by_email (st, "nobody@example.org", &out, &err));
  assert_true (bson_empty (&out));
  bson_destroy (&out);
  /* The key is matched exactly: normalising is the service's job. */
  FAILS (MT_ERR_NOT_FOUND, st->ops->account_find_by_email (st, "LEA@example.org", &out, &err));
  bson_destroy (&out);
}

static void
account_unique_id_and_email (void **state)
{
  mt_store_t *st = STORE (state);
  char acc[MT_ID_SIZE], acc2[MT_ID_SIZE];
  bson_t doc, out;

  mt_conf_new_id ("acc", acc);
  mt_conf_new_id ("acc", acc2);
  mt_conf_account (&doc, acc, "mem_x", "one@example.org", "member", "active", 1);
  OK (st->ops->account_insert (st, &doc, &err));
  bson_destroy (&doc);
  mt_conf_account (&doc, acc, "mem_x", "two@example.org", "member", "active", 1);
  FAILS (MT_ERR_DUPLICATE, st->ops->account_insert (st, &doc, &err));
  bson_destroy (&doc);
  mt_conf_account (&doc, acc2, "mem_y", "one@example.org", "member", "active", 1);
  FAILS (MT_ERR_DUPLICATE, st->ops->account_insert (st, &doc, &err));
  bson_destroy (&doc);
  FAILS (MT_ERR_NOT_FOUND, st->ops->account_get (st, acc2, &out, &err));
  bson_destroy (&out);
  FAILS (MT_ERR_NOT_FOUND, st->ops->account_find_by_email (st, "two@example.org", &out, &err));
  bson_destroy (&out);
}

static void
account_update_compare_and_set (void **state)
{
  mt_store_t *st = STORE (state);
  char acc[MT_ID_SIZE], acc2[MT_ID_SIZE];
  bson_t doc, out;

  mt_conf_new_id ("acc", acc);
  mt_conf_new_id ("acc", acc2);
  mt_conf_account (&doc, acc, "mem_x", "old@example.org", "member", "pending", 1);
  OK (st->ops->account_insert (st, &doc, &err));
  bson_destroy (&doc);
  mt_conf_account (&doc, acc2, "mem_x", "taken@example.org", "member", "active", 2);
  OK (st->ops->account_insert (st, &doc, &err));
  bson_destroy (&doc);

  /* Changing the e-mail key moves the lookup. */
  mt_conf_account (&doc, acc, "mem_x", "new@example.org", "member", "active", 1);
  OK (st->ops->account_update (st, acc, 1, &doc, &err));
  bson_destroy (&doc);
  OK (st->ops->account_find_by_email (st, "new@example.org", &out, &err));
  assert_int_equal (mt_conf_version (&out), 2);
  assert_string_equal (mt_conf_str (&out, "status"), "active");
  bson_destroy (&out);
  FAILS (MT_ERR_NOT_FOUND, st->ops->account_find_by_email (st, "old@example.org", &out, &err));
  bson_destroy (&out);

  /* Stale, missing, and a taken e-mail key. */
  mt_conf_account (&doc, acc, "mem_x", "newer@example.org", "member", "active", 1);
  FAILS (MT_ERR_STALE, st->ops->account_update (st, acc, 1, &doc, &err));
  bson_destroy (&doc);
  mt_conf_account (&doc, "acc_AAAAAAAAAAAAAAAAAAAAAA", "mem_x", "z@example.org", "member", "active",
                   1);
  FAILS (MT_ERR_NOT_FOUND,
         st->ops->account_update (st, "acc_AAAAAAAAAAAAAAAAAAAAAA", 1, &doc, &err));
  bson_destroy (&doc);
  mt_conf_account (&doc, acc, "mem_x", "taken@example.org", "member", "active", 1);
  FAILS (MT_ERR_DUPLICATE, st->ops->account_update (st, acc, 2, &doc, &err));
  bson_destroy (&doc);

  OK (st->ops->account_get (st, acc, &out, &err));
  assert_int_equal (mt_conf_version (&out), 2);
  assert_string_equal (mt_conf_str (&out, "email_key"), "new@example.org");
  bson_destroy (&out);
}

static void
account_list_by_member_is_ordered (void **state)
{
  mt_store_t *st = STORE (state);
  /* created_at of each account; ties are ordered by id. */
  const int64_t created[] = { 5000, 1000, 3000, 1000, 9000, 3000 };
  char ids[6][MT_ID_SIZE], other[MT_ID_SIZE], email[64];
  mt_store_page_t page;
  bson_t doc;
  int64_t last_created = INT64_MIN;
  char last_id[MT_ID_SIZE] = "";
  uint32_t i;

  for (i = 0; i < 6; i++) {
    mt_conf_new_id ("acc", ids[i]);
    snprintf (email, sizeof email, "p%u@example.org", i);
    mt_conf_account (&doc, ids[i], "mem_mine", email, "member", "active", created[i]);
    OK (st->ops->account_insert (st, &doc, &err));
    bson_destroy (&doc);
  }
  mt_conf_new_id ("acc", other);
  mt_conf_account (&doc, other, "mem_theirs", "q@example.org", "member", "active", 2000);
  OK (st->ops->account_insert (st, &doc, &err));
  bson_destroy (&doc);

  OK (st->ops->account_list_by_member (st, "mem_mine", &page, &err));
  assert_int_equal (page.count, 6);
  assert_string_equal (page.next_cursor, "");
  for (i = 0; i < page.count; i++) {
    bson_iter_t it;
    int64_t c;
    const char *id;

    mt_conf_page_item (&page, i, &doc);
    assert_true (bson_iter_init_find (&it, &doc, "created_at"));
    c = bson_iter_date_time (&it);
    id = mt_conf_str (&doc, "id");
    assert_string_equal (mt_conf_str (&doc, "member_id"), "mem_mine");
    assert_true (c > last_created || (c == last_created && strcmp (id, last_id) > 0));
    last_created = c;
    snprintf (last_id, sizeof last_id, "%s", id);
  }
  mt_store_page_destroy (&page);

  OK (st->ops->account_list_by_member (st, "mem_nobody", &page, &err));
  assert_int_equal (page.count, 0);
  assert_string_equal (page.next_cursor, "");
  mt_store_page_destroy (&page);
}

static void
account_count_admins_counts_active_admins (void **state)
{
  mt_store_t *st = STORE (state);
  static const struct {
    const char *role;
    const char *status;
  } rows[] = {
    { "admin", "active" }, { "admin", "suspended" }, { "member", "active" },
    { "admin", "active" }, { "admin", "pending" },   { "member", "suspended" },
  };
  char ids[6][MT_ID_SIZE], email[64];
  int64_t count = -1;
  bson_t doc;
  size_t i;

  OK (st->ops->account_count_admins (st, &count, &err));
  assert_int_equal (count, 0);
  for (i = 0; i < 6; i++) {
    mt_conf_new_id ("acc", ids[i]);
    snprintf (email, sizeof email, "a%zu@example.org", i);
    mt_conf_account (&doc, ids[i], "mem_x", email, rows[i].role, rows[i].status, 1);
    OK (st->ops->account_insert (st, &doc, &err));
    bson_destroy (&doc);
  }
  OK (st->ops->account_count_admins (st, &count, &err));
  assert_int_equal (count, 2);

  /* Suspending one admin, promoting one member. */
  mt_conf_account (&doc, ids[0], "mem_x", "a0@example.org", "admin", "suspended", 1);
  OK (st->ops->account_update (st, ids[0], 1, &doc, &err));
  bson_destroy (&doc);
  OK (st->ops->account_count_admins (st, &count, &err));
  assert_int_equal (count, 1);
  mt_conf_account (&doc, ids[2], "mem_x", "a2@example.org", "admin", "active", 1);
  OK (st->ops->account_update (st, ids[2], 1, &doc, &err));
  bson_destroy (&doc);
  OK (st->ops->account_count_admins (st, &count, &err));
  assert_int_equal (count, 2);
}

/* ---- Revoked tokens ----------------------------------------------------------------------- */

static void
token_revoke_check_and_purge (void **state)
{
  mt_store_t *st = STORE (state);
  bool revoked = true;

  OK (st->ops->token_is_revoked (st, "jti-a", &revoked, &err));
  assert_false (revoked);
  OK (st->ops->token_revoke (st, "jti-a", 1000, &err));
  OK (st->ops->token_revoke (st, "jti-b", 2000, &err));
  OK (st->ops->token_revoke (st, "jti-c", 3000, &err));
  /* Revoking twice is not an error. */
  OK (st->ops->token_revoke (st, "jti-c", 3000, &err));
  OK (st->ops->token_is_revoked (st, "jti-a", &revoked, &err));
  assert_true (revoked);
  OK (st->ops->token_is_revoked (st, "jti-c", &revoked, &err));
  assert_true (revoked);
  OK (st->ops->token_is_revoked (st, "jti-z", &revoked, &err));
  assert_false (revoked);

  /* Purge forgets expiries strictly before now. */
  OK (st->ops->token_purge (st, 2000, &err));
  OK (st->ops->token_is_revoked (st, "jti-a", &revoked, &err));
  assert_false (revoked);
  OK (st->ops->token_is_revoked (st, "jti-b", &revoked, &err));
  assert_true (revoked);
  OK (st->ops->token_is_revoked (st, "jti-c", &revoked, &err));
  assert_true (revoked);
  OK (st->ops->token_purge (st, 10000, &err));
  OK (st->ops->token_is_revoked (st, "jti-c", &revoked, &err));
  assert_false (revoked);
  /* Purging an empty set is fine. */
  OK (st->ops->token_purge (st, 10000, &err));
}

/* ---- Concurrency -------------------------------------------------------------------------- */

#define MT_CONF_RACE_ROUNDS 200

typedef struct {
  mt_store_backend_t *backend;
  const char *id;
  pthread_barrier_t *barrier;
  int number;
  bool opened;
  char open_error[MT_ERROR_MESSAGE_MAX];
  bool won[MT_CONF_RACE_ROUNDS];
  uint32_t code[MT_CONF_RACE_ROUNDS];
} mt_conf_racer_t;

/* One thread: each round, waits for the other, then updates from the round's version. */
static void *
mt_conf_racer_main (void *arg)
{
  mt_conf_racer_t *racer = arg;
  mt_error_t error;
  mt_store_t *st;
  char name[64];
  bson_t doc;
  int round;

  mt_error_clear (&error);
  st = mt_store_open (racer->backend, &error);
  racer->opened = st != NULL;
  snprintf (racer->open_error, sizeof racer->open_error, "%s", error.message);
  for (round = 0; round < MT_CONF_RACE_ROUNDS; round++) {
    snprintf (name, sizeof name, "racer %d round %d", racer->number, round);
    mt_conf_member (&doc, racer->id, name, "active", NULL);
    pthread_barrier_wait (racer->barrier);
    mt_error_clear (&error);
    racer->won[round] = st && st->ops->member_update (st, racer->id, round + 1, &doc, &error);
    racer->code[round] = error.code;
    bson_destroy (&doc);
    /* Both have finished this round before either starts the next. */
    pthread_barrier_wait (racer->barrier);
  }
  mt_store_close (st);
  return NULL;
}

static void
concurrent_compare_and_set_has_one_winner (void **state)
{
  mt_conf_fixture_t *fx = *state;
  mt_store_t *st = fx->store;
  mt_conf_racer_t racers[2];
  pthread_barrier_t barrier;
  pthread_t threads[2];
  char id[MT_ID_SIZE], expected_name[64];
  bson_t doc;
  int i, round, last_winner = -1;

  mt_conf_new_id ("mem", id);
  mt_conf_member (&doc, id, "Contested", "active", NULL);
  OK (st->ops->member_insert (st, &doc, NULL, &err));
  bson_destroy (&doc);

  assert_int_equal (pthread_barrier_init (&barrier, NULL, 2), 0);
  for (i = 0; i < 2; i++) {
    memset (&racers[i], 0, sizeof racers[i]);
    racers[i].backend = fx->backend;
    racers[i].id = id;
    racers[i].barrier = &barrier;
    racers[i].number = i;
    assert_int_equal (pthread_create (&threads[i], NULL, mt_conf_racer_main, &racers[i]), 0);
  }
  for (i = 0; i < 2; i++) {
    pthread_join (threads[i], NULL);
  }
  pthread_barrier_destroy (&barrier);

  for (i = 0; i < 2; i++) {
    if (!racers[i].opened) {
      fail_msg ("racer %d could not open a handle: %s", i, racers[i].open_error);
    }
  }
  for (round = 0; round < MT_CONF_RACE_ROUNDS; round++) {
    if (racers[0].won[round] == racers[1].won[round]) {
      fail_msg ("round %d: %s (codes %u, %u)", round,
                racers[0].won[round] ? "both won" : "nobody won", racers[0].code[round],
                racers[1].code[round]);
    }
    last_winner = racers[0].won[round] ? 0 : 1;
    if (racers[1 - last_winner].code[round] != MT_ERR_STALE) {
      fail_msg ("round %d: loser got code %u, expected STALE", round,
                racers[1 - last_winner].code[round]);
    }
  }
  OK (st->ops->member_get (st, id, &doc, &err));
  assert_int_equal (mt_conf_version (&doc), MT_CONF_RACE_ROUNDS + 1);
  snprintf (expected_name, sizeof expected_name, "racer %d round %d", last_winner,
            MT_CONF_RACE_ROUNDS - 1);
  assert_string_equal (mt_conf_str (&doc, "name"), expected_name);
  bson_destroy (&doc);
  OK (st->ops->check_integrity (st, &err));
}

/* ---- Runner ------------------------------------------------------------------------------- */

typedef struct {
  const char *name;
  CMUnitTestFunction fn;
} mt_conf_case_t;

static const mt_conf_case_t mt_conf_cases[] = {
  { "ping/succeeds", ping_succeeds },
  { "integrity/holds_on_empty_and_used_store", integrity_holds_on_empty_and_used_store },
  { "errors/bad_documents_are_internal", bad_documents_are_internal_errors },
  { "network/insert/round_trips_and_forces_version_1", network_round_trips_and_forces_version_1 },
  { "network/get/missing_is_not_found", network_get_missing_is_not_found },
  { "network/insert/unique_id_and_slug", network_unique_id_and_slug },
  { "network/list/ordered_by_name", network_list_is_ordered_by_name },
  { "member/insert/round_trips_and_forces_version_1", member_round_trips_and_forces_version_1 },
  { "member/get/missing_is_not_found", member_get_missing_is_not_found },
  { "member/insert/duplicate_id", member_duplicate_id },
  { "member/insert/with_first_account", member_insert_with_first_account },
  { "member/insert/atomic_with_first_account", member_insert_is_atomic },
  { "member/update/compare_and_set", member_update_compare_and_set },
  { "member/update/stale_on_wrong_version", member_update_stale_on_wrong_version },
  { "member/update/missing_is_not_found", member_update_missing_is_not_found },
  { "update/refuses_another_id", update_with_another_id_is_refused },
  { "member/list/orders_and_pages", member_list_orders_and_pages },
  { "member/list/empty_store", member_list_empty_store },
  { "member/list/cursor_survives_inserts", member_list_cursor_survives_inserts },
  { "member/list/limit_is_clamped", member_list_limit_is_clamped },
  { "member/list/pages_long_names", member_list_pages_long_names },
  { "member/list/rejects_bad_cursor_and_limit", member_list_rejects_bad_cursor_and_limit },
  { "member/list/filters_by_status_and_network", member_list_filters_by_status_and_network },
  { "member/list/filtered_pages", member_list_filtered_pages },
  { "member/list/filters_follow_updates", member_list_filters_follow_updates },
  { "account/insert/round_trip_and_lookups", account_round_trip_and_lookups },
  { "account/insert/unique_id_and_email", account_unique_id_and_email },
  { "account/update/compare_and_set", account_update_compare_and_set },
  { "account/list_by_member/ordered", account_list_by_member_is_ordered },
  { "account/count_admins/active_admins_only", account_count_admins_counts_active_admins },
  { "token/revoke_check_and_purge", token_revoke_check_and_purge },
  { "concurrency/compare_and_set_has_one_winner", concurrent_compare_and_set_has_one_winner },
};

#define MT_CONF_CASE_COUNT (sizeof mt_conf_cases / sizeof mt_conf_cases[0])

int
mt_store_conformance_run (const mt_store_conformance_factory_t *factory)
{
  struct CMUnitTest tests[MT_CONF_CASE_COUNT];
  char names[MT_CONF_CASE_COUNT][128];
  char group[96];
  size_t i;

  memset (&mt_conf_fixture, 0, sizeof mt_conf_fixture);
  mt_conf_fixture.factory = factory;
  for (i = 0; i < MT_CONF_CASE_COUNT; i++) {
    snprintf (names[i], sizeof names[i], "store/%s/%s", factory->name, mt_conf_cases[i].name);
    tests[i].name = names[i];
    tests[i].test_func = mt_conf_cases[i].fn;
    tests[i].setup_func = mt_conf_setup;
    tests[i].teardown_func = mt_conf_teardown;
    tests[i].initial_state = &mt_conf_fixture;
  }
  snprintf (group, sizeof group, "store/%s/conformance", factory->name);
  return _cmocka_run_group_tests (group, tests, MT_CONF_CASE_COUNT, NULL, NULL);
}
