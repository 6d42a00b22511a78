/*
 * store_conformance: the conformance suite of the storage port. Only store.h is used here:
 * every adapter must pass these tests unchanged. See store_conformance.h.
 *
 * What is checked, op by op: documents round-trip byte for byte (version forced to 1 on
 * insert), compare-and-set writes version + 1 and tells STALE from NOT_FOUND, unique keys
 * give DUPLICATE, member_insert with a first account is all-or-nothing, listings are ordered
 * and their keyset cursors neither skip nor repeat rows while rows are inserted between
 * pages, filters follow updates, and two threads with their own handles racing on one
 * version see exactly one winner per round. Listings: insert_many is all-or-none, delete
 * takes photos and calendar along, the full-text search ignores case and accents, matches
 * word prefixes, never fails whatever the terms, applies every filter of
 * mt_store_listing_query_t and both orders, and its pages return every unchanged listing
 * exactly once while others are inserted, changed or deleted between pages. Photos keep
 * their bytes exactly; calendars start empty at version 0 and are compare-and-set, and
 * calendar_list pages through them by listing_id. Reservations: round trip, bad documents,
 * compare-and-set, every filter of mt_store_reservation_query_t alone and together (each due
 * field, <= inclusive, a missing date never due), filters following updates, the order
 * ("created_at", "id") descending with pages exactly once while rows are inserted, counts of
 * any status. Idempotency records: DUPLICATE on a second first request, compare-and-set, purge
 * strictly before a bound. Messages (oldest first), audit entries and notifications (newest
 * first): stored as given, DUPLICATE on an id already stored (the first kept), per-owner
 * lists in order with ties broken by id, pages exactly once while records are added. Accounts'
 * calendar token hash: set, change, remove, unique where present. Service bookings and outbox
 * messages: round trip, DUPLICATE keeping the first, compare-and-set, every filter of their
 * queries (bookings' due fields, the outbox's due_before) following updates, their orders and
 * pages exactly once. Needs: round trip, compare-and-set, the listing search cases over
 * need_search with "open" | "closed" statuses; their answers as records. Webhooks: get, list
 * by created_at then id, delete once. notification_mark_read: one's own only, the first time
 * kept. Credits ledger: ledger_get, balances (received - sent), the floor check atomic with
 * the append (nothing written when refused; reaching the floor passes; check_floor false
 * ignores it), DUPLICATE changing nothing, ledger_sum 0, and threads with their own handles
 * spending one balance at once spending it exactly, never below the floor. Units: inside one,
 * inserts, gets, compare-and-set and DUPLICATE behave as outside and the unit goes on after a
 * failed op; the commit shows the writes to another handle; units do not nest.
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

/* True while a listing search test runs over needs (need_insert, need_search...); reset by
 * the setup of every test. */
static bool mt_conf_needs;

static int
mt_conf_setup (void **state)
{
  mt_conf_fixture_t *fx = *state;

  mt_error_clear (&err);
  mt_conf_needs = false;
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

/* ---- Listings: documents ------------------------------------------------------------------ */

/* What a test listing differs in; NULL fields are left out of the document. */
typedef struct {
  const char *owner;
  const char *kind;
  const char *category;
  const char *title;
  const char *description;
  const char *tags; /* comma-separated */
  const char *status;
  const char *visibility;
  const char *departement;
  int64_t created_at;
} mt_conf_listing_t;

/* The status of a test listing as a need: "published" is "open", anything else "closed". */
static const char *
mt_conf_need_status (const char *status)
{
  return !status || strcmp (status, "published") == 0 ? "open" : "closed";
}

static void
mt_conf_listing (bson_t *doc, const char *id, const mt_conf_listing_t *l)
{
  char key[16], tag[64];
  const char *k, *p, *comma;
  bson_t child;
  uint32_t i = 0;

  bson_init (doc);
  BSON_APPEND_UTF8 (doc, "id", id);
  BSON_APPEND_INT64 (doc, "version", 1);
  BSON_APPEND_UTF8 (doc, "owner_id", l->owner);
  BSON_APPEND_UTF8 (doc, "created_by", "acc_conformance");
  BSON_APPEND_UTF8 (doc, "kind", l->kind ? l->kind : "good");
  if (l->title) {
    BSON_APPEND_UTF8 (doc, "title", l->title);
  }
  if (l->description) {
    BSON_APPEND_UTF8 (doc, "description", l->description);
  }
  BSON_APPEND_UTF8 (doc, "category", l->category ? l->category : "divers");
  BSON_APPEND_ARRAY_BEGIN (doc, "tags", &child);
  for (p = l->tags; p && *p; p = comma ? comma + 1 : p + strlen (p)) {
    comma = strchr (p, ',');
    snprintf (tag, sizeof tag, "%.*s", (int) (comma ? (size_t) (comma - p) : strlen (p)), p);
    bson_uint32_to_string (i++, &k, key, sizeof key);
    bson_append_utf8 (&child, k, -1, tag, -1);
  }
  bson_append_array_end (doc, &child);
  BSON_APPEND_DOCUMENT_BEGIN (doc, "territory", &child);
  BSON_APPEND_UTF8 (&child, "departement", l->departement ? l->departement : "59");
  BSON_APPEND_UTF8 (&child, "commune", "Lille");
  bson_append_document_end (doc, &child);
  BSON_APPEND_UTF8 (doc, "visibility", l->visibility ? l->visibility : "public");
  if (mt_conf_needs) {
    BSON_APPEND_UTF8 (doc, "status", mt_conf_need_status (l->status));
    BSON_APPEND_DATE_TIME (doc, "wanted_from", 1781258400000);
  } else {
    BSON_APPEND_UTF8 (doc, "status", l->status ? l->status : "published");
    BSON_APPEND_ARRAY_BEGIN (doc, "photos", &child);
    bson_append_array_end (doc, &child);
  }
  BSON_APPEND_DATE_TIME (doc, "created_at", l->created_at);
  BSON_APPEND_DATE_TIME (doc, "updated_at", l->created_at);
}

/* The ops of listings, or of needs in need mode (mt_conf_needs). */
static bool
mt_conf_doc_insert (mt_store_t *st, const bson_t *doc)
{
  return mt_conf_needs ? st->ops->need_insert (st, doc, &err)
                       : st->ops->listing_insert (st, doc, &err);
}

static bool
mt_conf_doc_get (mt_store_t *st, const char *id, bson_t *out)
{
  return mt_conf_needs ? st->ops->need_get (st, id, out, &err)
                       : st->ops->listing_get (st, id, out, &err);
}

static bool
mt_conf_doc_update (mt_store_t *st, const char *id, int64_t version, const bson_t *doc)
{
  return mt_conf_needs ? st->ops->need_update (st, id, version, doc, &err)
                       : st->ops->listing_update (st, id, version, doc, &err);
}

static bool
mt_conf_doc_search (mt_store_t *st, const mt_store_listing_query_t *query, mt_store_page_t *page)
{
  return mt_conf_needs ? st->ops->need_search (st, query, page, &err)
                       : st->ops->listing_search (st, query, page, &err);
}

static void
mt_conf_insert_listing (mt_store_t *st, char id[MT_ID_SIZE], const mt_conf_listing_t *l)
{
  bson_t doc;

  mt_conf_new_id (mt_conf_needs ? "ned" : "lst", id);
  mt_conf_listing (&doc, id, l);
  OK (mt_conf_doc_insert (st, &doc));
  bson_destroy (&doc);
}

/*
 * Runs @query page by page (following next_cursor) and writes the "title" of every listing,
 * in order, joined by "|", into @out. Fails the test on an error, a page over the limit, or a
 * listing seen twice.
 */
static void
mt_conf_search (mt_store_t *st, const mt_store_listing_query_t *query, char *out, size_t size)
{
  mt_store_listing_query_t q = *query;
  char cursor[MT_STORE_CURSOR_MAX] = "";
  char ids[64][MT_ID_SIZE];
  size_t n_ids = 0, used = 0, j;
  mt_store_page_t page;
  const char *title, *id;
  uint32_t i;
  int pages = 0;
  bson_t item;

  out[0] = '\0';
  do {
    q.cursor = cursor[0] ? cursor : NULL;
    OK (mt_conf_doc_search (st, &q, &page));
    assert_true (page.count <= q.limit);
    for (i = 0; i < page.count; i++) {
      mt_conf_page_item (&page, i, &item);
      title = mt_conf_str (&item, "title");
      id = mt_conf_str (&item, "id");
      assert_non_null (id);
      for (j = 0; j < n_ids; j++) {
        if (strcmp (ids[j], id) == 0) {
          fail_msg ("listing \"%s\" returned twice", title ? title : "?");
        }
      }
      assert_true (n_ids < 64);
      snprintf (ids[n_ids++], MT_ID_SIZE, "%s", id);
      used +=
        (size_t) snprintf (out + used, size - used, "%s%s", used ? "|" : "", title ? title : "?");
      assert_true (used < size);
    }
    snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
    mt_store_page_destroy (&page);
    assert_true (++pages < 100);
  } while (cursor[0]);
}

/* Asserts that @query gives the titles @expected ("a|b|c"), in that order. */
#define SEARCH_GIVES(st, query, expected)                                                          \
  do {                                                                                             \
    char found_[2048];                                                                             \
    mt_conf_search ((st), (query), found_, sizeof found_);                                         \
    if (strcmp (found_, (expected)) != 0) {                                                        \
      fail_msg ("%s:%d: search gave \"%s\", expected \"%s\"", __FILE__, __LINE__, found_,          \
                (expected));                                                                       \
    }                                                                                              \
  } while (0)

/*
 * A small catalogue: four members (a and b in the network "apes", b and c in "mres", d in
 * none) and six listings, by created_at:
 *   1000 "Vélo cargo biporteur"  a  good     velos      published  public    59
 *   2000 "Tentes de réception"   b  good     tentes     published  networks  62
 *   3000 "Scie sauteuse"         c  good     outils     draft      networks  59
 *   4000 "Animation de réunion"  d  service  animation  published  public    80
 *   5000 "velo de ville"         b  good     velos      paused     networks  59
 *   6000 "Sono portable"         a  good     son        archived   public    62
 */
typedef struct {
  char apes[MT_ID_SIZE], mres[MT_ID_SIZE];
  char mem[4][MT_ID_SIZE];
  char lst[6][MT_ID_SIZE];
} mt_conf_catalogue_t;

static void
mt_conf_catalogue (mt_store_t *st, mt_conf_catalogue_t *c)
{
  const char *nets[4][3];
  bson_t doc;
  int i;

  mt_conf_new_id ("net", c->apes);
  mt_conf_new_id ("net", c->mres);
  nets[0][0] = c->apes, nets[0][1] = NULL;
  nets[1][0] = c->apes, nets[1][1] = c->mres, nets[1][2] = NULL;
  nets[2][0] = c->mres, nets[2][1] = NULL;
  nets[3][0] = NULL;
  for (i = 0; i < 4; i++) {
    mt_conf_new_id ("mem", c->mem[i]);
    mt_conf_member (&doc, c->mem[i], "Organisation", "active", nets[i]);
    OK (st->ops->member_insert (st, &doc, NULL, &err));
    bson_destroy (&doc);
  }
  mt_conf_insert_listing (st, c->lst[0],
                          &(mt_conf_listing_t){ .owner = c->mem[0],
                                                .category = "velos",
                                                .title = "Vélo cargo biporteur",
                                                .description = "Un vélo pour transporter du "
                                                               "matériel lourd.",
                                                .tags = "vélo,cargo",
                                                .visibility = "public",
                                                .departement = "59",
                                                .created_at = 1000 });
  mt_conf_insert_listing (st, c->lst[1],
                          &(mt_conf_listing_t){ .owner = c->mem[1],
                                                .category = "tentes",
                                                .title = "Tentes de réception",
                                                .description = "Deux tentes de 3 m sur 3 m.",
                                                .tags = "tente,barnum",
                                                .visibility = "networks",
                                                .departement = "62",
                                                .created_at = 2000 });
  mt_conf_insert_listing (st, c->lst[2],
                          &(mt_conf_listing_t){ .owner = c->mem[2],
                                                .category = "outils",
                                                .title = "Scie sauteuse",
                                                .description = "Scie électrique.",
                                                .tags = "bricolage",
                                                .status = "draft",
                                                .visibility = "networks",
                                                .departement = "59",
                                                .created_at = 3000 });
  mt_conf_insert_listing (st, c->lst[3],
                          &(mt_conf_listing_t){ .owner = c->mem[3],
                                                .kind = "service",
                                                .category = "animation",
                                                .title = "Animation de réunion",
                                                .description = "Méthodes participatives.",
                                                .tags = "facilitation",
                                                .visibility = "public",
                                                .departement = "80",
                                                .created_at = 4000 });
  mt_conf_insert_listing (st, c->lst[4],
                          &(mt_conf_listing_t){ .owner = c->mem[1],
                                                .category = "velos",
                                                .title = "velo de ville",
                                                .status = "paused",
                                                .visibility = "networks",
                                                .departement = "59",
                                                .created_at = 5000 });
  mt_conf_insert_listing (st, c->lst[5],
                          &(mt_conf_listing_t){ .owner = c->mem[0],
                                                .category = "son",
                                                .title = "Sono portable",
                                                .description = "Enceinte et micro.",
                                                .tags = "enceinte",
                                                .status = "archived",
                                                .visibility = "public",
                                                .departement = "62",
                                                .created_at = 6000 });
}

static void
listing_round_trips_and_forces_version_1 (void **state)
{
  mt_store_t *st = STORE (state);
  char id[MT_ID_SIZE], id2[MT_ID_SIZE];
  bson_t doc, out;

  mt_conf_new_id ("lst", id);
  mt_conf_listing (&doc, id,
                   &(mt_conf_listing_t){ .owner = "mem_x",
                                         .title = "Barnum 3×3 « pliant »",
                                         .description = "Avec \"lests\" et sac\n€ 0",
                                         .tags = "barnum,été",
                                         .created_at = 1781258400000 });
  OK (st->ops->listing_insert (st, &doc, &err));
  OK (st->ops->listing_get (st, id, &out, &err));
  mt_conf_assert_same_bytes (&doc, &out);
  bson_destroy (&out);
  bson_destroy (&doc);

  /* Any other version becomes 1. */
  mt_conf_new_id ("lst", id2);
  bson_init (&doc);
  BSON_APPEND_UTF8 (&doc, "id", id2);
  BSON_APPEND_INT64 (&doc, "version", 17);
  BSON_APPEND_UTF8 (&doc, "owner_id", "mem_x");
  BSON_APPEND_UTF8 (&doc, "title", "Deux");
  BSON_APPEND_DATE_TIME (&doc, "created_at", 5);
  OK (st->ops->listing_insert (st, &doc, &err));
  OK (st->ops->listing_get (st, id2, &out, &err));
  assert_int_equal (mt_conf_version (&out), 1);
  assert_string_equal (mt_conf_str (&out, "title"), "Deux");
  bson_destroy (&out);
  bson_destroy (&doc);

  FAILS (MT_ERR_NOT_FOUND, st->ops->listing_get (st, "lst_AAAAAAAAAAAAAAAAAAAAAA", &out, &err));
  assert_true (bson_empty (&out));
  bson_destroy (&out);
  OK (st->ops->check_integrity (st, &err));
}

static void
listing_duplicate_and_bad_documents (void **state)
{
  mt_store_t *st = STORE (state);
  char id[MT_ID_SIZE];
  bson_t doc, out;

  mt_conf_new_id ("lst", id);
  mt_conf_listing (&doc, id, &(mt_conf_listing_t){ .owner = "mem_x", .title = "Premier" });
  OK (st->ops->listing_insert (st, &doc, &err));
  bson_destroy (&doc);
  mt_conf_listing (&doc, id, &(mt_conf_listing_t){ .owner = "mem_x", .title = "Second" });
  FAILS (MT_ERR_DUPLICATE, st->ops->listing_insert (st, &doc, &err));
  bson_destroy (&doc);
  OK (st->ops->listing_get (st, id, &out, &err));
  assert_string_equal (mt_conf_str (&out, "title"), "Premier");
  bson_destroy (&out);

  /* No id, an id of another type. */
  bson_init (&doc);
  BSON_APPEND_UTF8 (&doc, "owner_id", "mem_x");
  BSON_APPEND_DATE_TIME (&doc, "created_at", 1);
  FAILS (MT_ERR_INTERNAL, st->ops->listing_insert (st, &doc, &err));
  BSON_APPEND_INT32 (&doc, "id", 3);
  FAILS (MT_ERR_INTERNAL, st->ops->listing_insert (st, &doc, &err));
  bson_destroy (&doc);
  OK (st->ops->check_integrity (st, &err));
}

static void
listing_update_compare_and_set (void **state)
{
  mt_store_t *st = STORE (state);
  const int64_t wrong[] = { 0, 1, 3, -1, INT64_MAX };
  mt_store_listing_query_t query = { .any_visibility = true, .limit = 10 };
  const char *velo[] = { "velo", NULL };
  const char *remorque[] = { "remorque", NULL };
  char id[MT_ID_SIZE], other[MT_ID_SIZE];
  bson_t doc, out;
  size_t i;

  mt_conf_new_id ("lst", id);
  mt_conf_listing (&doc, id,
                   &(mt_conf_listing_t){ .owner = "mem_x", .title = "Vélo", .created_at = 10 });
  OK (st->ops->listing_insert (st, &doc, &err));
  bson_destroy (&doc);

  mt_conf_listing (&doc, id,
                   &(mt_conf_listing_t){
                     .owner = "mem_x", .title = "Remorque", .status = "paused", .created_at = 10 });
  OK (st->ops->listing_update (st, id, 1, &doc, &err));
  for (i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
    FAILS (MT_ERR_STALE, st->ops->listing_update (st, id, wrong[i], &doc, &err));
  }
  bson_destroy (&doc);
  OK (st->ops->listing_get (st, id, &out, &err));
  assert_int_equal (mt_conf_version (&out), 2);
  assert_string_equal (mt_conf_str (&out, "title"), "Remorque");
  /* Writing back what was read works once more. */
  OK (st->ops->listing_update (st, id, 2, &out, &err));
  bson_destroy (&out);
  OK (st->ops->listing_get (st, id, &out, &err));
  assert_int_equal (mt_conf_version (&out), 3);
  bson_destroy (&out);

  /* The search follows: the old title is gone, the new one is found. */
  query.terms = velo;
  SEARCH_GIVES (st, &query, "");
  query.terms = remorque;
  SEARCH_GIVES (st, &query, "Remorque");

  /* Missing, another id in the document. */
  mt_conf_new_id ("lst", other);
  mt_conf_listing (&doc, other, &(mt_conf_listing_t){ .owner = "mem_x", .title = "Ghost" });
  FAILS (MT_ERR_NOT_FOUND, st->ops->listing_update (st, other, 1, &doc, &err));
  FAILS (MT_ERR_INTERNAL, st->ops->listing_update (st, id, 3, &doc, &err));
  bson_destroy (&doc);
  FAILS (MT_ERR_NOT_FOUND, st->ops->listing_get (st, other, &out, &err));
  bson_destroy (&out);
  OK (st->ops->check_integrity (st, &err));
}

/* A photo's metadata as the photos service writes it. */
static void
mt_conf_photo_meta (bson_t *meta, const char *id, const char *listing_id, size_t bytes)
{
  bson_init (meta);
  BSON_APPEND_UTF8 (meta, "id", id);
  BSON_APPEND_UTF8 (meta, "listing_id", listing_id);
  BSON_APPEND_UTF8 (meta, "content_type", "image/png");
  BSON_APPEND_UTF8 (meta, "etag", "\"abc\"");
  BSON_APPEND_INT64 (meta, "bytes", (int64_t) bytes);
  BSON_APPEND_INT32 (meta, "width", 2);
  BSON_APPEND_INT32 (meta, "height", 1);
  BSON_APPEND_DATE_TIME (meta, "created_at", 1000);
}

/* A calendar of @listing_id with one entry. */
static void
mt_conf_calendar (bson_t *cal, const char *listing_id, int64_t version, const char *reservation)
{
  bson_t entries, entry;

  bson_init (cal);
  BSON_APPEND_UTF8 (cal, "listing_id", listing_id);
  BSON_APPEND_INT64 (cal, "version", version);
  BSON_APPEND_ARRAY_BEGIN (cal, "entries", &entries);
  BSON_APPEND_DOCUMENT_BEGIN (&entries, "0", &entry);
  BSON_APPEND_UTF8 (&entry, "reservation_id", reservation);
  BSON_APPEND_DATE_TIME (&entry, "start", 1781258400000);
  BSON_APPEND_DATE_TIME (&entry, "end", 1781344800000);
  BSON_APPEND_INT32 (&entry, "units", 1);
  bson_append_document_end (&entries, &entry);
  bson_append_array_end (cal, &entries);
}

static void
listing_delete_compare_and_set_with_photos_and_calendar (void **state)
{
  mt_store_t *st = STORE (state);
  mt_store_listing_query_t query = { .any_visibility = true, .limit = 10 };
  const char *terms[] = { "tente", NULL };
  char id[MT_ID_SIZE], keep[MT_ID_SIZE], photo[3][MT_ID_SIZE];
  const uint8_t bytes[] = { 0x89, 'P', 'N', 'G', 0, 1, 2 };
  bson_t meta, out, cal;
  uint8_t *data = NULL;
  size_t len = 0;
  int i;

  mt_conf_insert_listing (
    st, id,
    &(mt_conf_listing_t){ .owner = "mem_x", .title = "Tente à supprimer", .created_at = 1 });
  mt_conf_insert_listing (
    st, keep, &(mt_conf_listing_t){ .owner = "mem_x", .title = "Tente gardée", .created_at = 2 });
  for (i = 0; i < 3; i++) {
    mt_conf_new_id ("pho", photo[i]);
    mt_conf_photo_meta (&meta, photo[i], i < 2 ? id : keep, sizeof bytes);
    OK (st->ops->photo_insert (st, &meta, bytes, sizeof bytes, &err));
    bson_destroy (&meta);
  }
  mt_conf_calendar (&cal, id, 0, "res_1");
  OK (st->ops->calendar_put (st, id, 0, &cal, &err));
  bson_destroy (&cal);
  mt_conf_calendar (&cal, keep, 0, "res_2");
  OK (st->ops->calendar_put (st, keep, 0, &cal, &err));
  bson_destroy (&cal);

  /* A stale delete removes nothing. */
  FAILS (MT_ERR_STALE, st->ops->listing_delete (st, id, 2, &err));
  FAILS (MT_ERR_STALE, st->ops->listing_delete (st, id, 0, &err));
  OK (st->ops->listing_get (st, id, &out, &err));
  bson_destroy (&out);
  OK (st->ops->photo_get (st, photo[0], &out, &data, &len, &err));
  free (data);
  bson_destroy (&out);
  OK (st->ops->calendar_get (st, id, &out, &err));
  assert_int_equal (mt_conf_version (&out), 1);
  bson_destroy (&out);

  OK (st->ops->listing_delete (st, id, 1, &err));
  FAILS (MT_ERR_NOT_FOUND, st->ops->listing_get (st, id, &out, &err));
  bson_destroy (&out);
  for (i = 0; i < 2; i++) {
    FAILS (MT_ERR_NOT_FOUND, st->ops->photo_get (st, photo[i], &out, &data, &len, &err));
    assert_null (data);
    assert_true (bson_empty (&out));
    bson_destroy (&out);
  }
  OK (st->ops->calendar_get (st, id, &out, &err));
  assert_int_equal (mt_conf_version (&out), 0);
  bson_destroy (&out);
  query.terms = terms;
  SEARCH_GIVES (st, &query, "Tente gardée");

  /* The other listing keeps its photo and calendar. */
  OK (st->ops->photo_get (st, photo[2], &out, &data, &len, &err));
  assert_int_equal (len, sizeof bytes);
  free (data);
  bson_destroy (&out);
  OK (st->ops->calendar_get (st, keep, &out, &err));
  assert_int_equal (mt_conf_version (&out), 1);
  bson_destroy (&out);

  FAILS (MT_ERR_NOT_FOUND, st->ops->listing_delete (st, id, 1, &err));
  OK (st->ops->check_integrity (st, &err));
}

static void
listing_insert_many_is_all_or_none (void **state)
{
  mt_store_t *st = STORE (state);
  mt_store_listing_query_t query = { .any_visibility = true, .limit = 2 };
  char taken[MT_ID_SIZE], ids[3][MT_ID_SIZE];
  const bson_t *batch[4];
  bson_t docs[4], out;
  int i;

  OK (st->ops->listing_insert_many (st, NULL, 0, &err));
  mt_conf_insert_listing (
    st, taken, &(mt_conf_listing_t){ .owner = "mem_x", .title = "Déjà là", .created_at = 1 });

  /* One id already taken (last of the batch): none of the batch is stored. */
  for (i = 0; i < 3; i++) {
    char title[32];

    mt_conf_new_id ("lst", ids[i]);
    snprintf (title, sizeof title, "Import %d", i);
    mt_conf_listing (
      &docs[i], i == 2 ? taken : ids[i],
      &(mt_conf_listing_t){ .owner = "mem_x", .title = title, .created_at = 10 + i });
    batch[i] = &docs[i];
  }
  FAILS (MT_ERR_DUPLICATE, st->ops->listing_insert_many (st, batch, 3, &err));
  SEARCH_GIVES (st, &query, "Déjà là");
  FAILS (MT_ERR_NOT_FOUND, st->ops->listing_get (st, ids[0], &out, &err));
  bson_destroy (&out);

  /* The same id twice within the batch. */
  bson_destroy (&docs[2]);
  mt_conf_listing (&docs[2], ids[0],
                   &(mt_conf_listing_t){ .owner = "mem_x", .title = "Import 2", .created_at = 12 });
  FAILS (MT_ERR_DUPLICATE, st->ops->listing_insert_many (st, batch, 3, &err));
  SEARCH_GIVES (st, &query, "Déjà là");

  /* A bad document (no id) in the middle. */
  bson_destroy (&docs[2]);
  mt_conf_listing (&docs[2], ids[2],
                   &(mt_conf_listing_t){ .owner = "mem_x", .title = "Import 2", .created_at = 12 });
  bson_init (&docs[3]);
  BSON_APPEND_UTF8 (&docs[3], "owner_id", "mem_x");
  BSON_APPEND_UTF8 (&docs[3], "title", "Sans id");
  BSON_APPEND_DATE_TIME (&docs[3], "created_at", 13);
  batch[0] = &docs[0], batch[1] = &docs[3], batch[2] = &docs[1], batch[3] = &docs[2];
  FAILS (MT_ERR_INTERNAL, st->ops->listing_insert_many (st, batch, 4, &err));
  SEARCH_GIVES (st, &query, "Déjà là");

  /* All good: all stored, with version 1, searchable. */
  batch[0] = &docs[0], batch[1] = &docs[1], batch[2] = &docs[2];
  OK (st->ops->listing_insert_many (st, batch, 3, &err));
  SEARCH_GIVES (st, &query, "Import 2|Import 1|Import 0|Déjà là");
  OK (st->ops->listing_get (st, ids[1], &out, &err));
  assert_int_equal (mt_conf_version (&out), 1);
  bson_destroy (&out);
  for (i = 0; i < 4; i++) {
    bson_destroy (&docs[i]);
  }
  OK (st->ops->check_integrity (st, &err));
}

/* ---- Listings: search --------------------------------------------------------------------- */

static void
search_text_ignores_case_and_accents (void **state)
{
  mt_store_t *st = STORE (state);
  mt_store_listing_query_t q = { .any_visibility = true, .limit = 2 };
  mt_conf_catalogue_t c;

  mt_conf_catalogue (st, &c);
  q.terms = (const char *[]){ "velo", "cargo", NULL };
  SEARCH_GIVES (st, &q, "Vélo cargo biporteur");
  q.terms = (const char *[]){ "Vélo", NULL };
  SEARCH_GIVES (st, &q, "velo de ville|Vélo cargo biporteur");
  q.terms = (const char *[]){ "VÉLO", NULL };
  SEARCH_GIVES (st, &q, "velo de ville|Vélo cargo biporteur");
  q.terms = (const char *[]){ "vélo", "ville", NULL };
  SEARCH_GIVES (st, &q, "velo de ville");
  q.terms = (const char *[]){ "reunion", NULL };
  SEARCH_GIVES (st, &q, "Animation de réunion");
  q.terms = (const char *[]){ "ÉLECTRIQUE", NULL };
  SEARCH_GIVES (st, &q, "Scie sauteuse");
}

static void
search_text_prefixes_and_fields (void **state)
{
  mt_store_t *st = STORE (state);
  mt_store_listing_query_t q = { .any_visibility = true, .limit = 2 };
  mt_conf_catalogue_t c;

  mt_conf_catalogue (st, &c);
  /* Word prefixes, not infixes. */
  q.terms = (const char *[]){ "tent", NULL };
  SEARCH_GIVES (st, &q, "Tentes de réception");
  q.terms = (const char *[]){ "ente", NULL };
  SEARCH_GIVES (st, &q, "");
  q.terms = (const char *[]){ "bipor", "ve", NULL };
  SEARCH_GIVES (st, &q, "Vélo cargo biporteur");
  /* Description and tags are searched; category, territory and others are not. */
  q.terms = (const char *[]){ "participatives", NULL };
  SEARCH_GIVES (st, &q, "Animation de réunion");
  q.terms = (const char *[]){ "barnum", NULL };
  SEARCH_GIVES (st, &q, "Tentes de réception");
  q.terms = (const char *[]){ "outils", NULL };
  SEARCH_GIVES (st, &q, "");
  q.terms = (const char *[]){ "lille", NULL };
  SEARCH_GIVES (st, &q, "");
  /* Every term must match, each anywhere. */
  q.terms = (const char *[]){ "tente", "barnum", "réception", NULL };
  SEARCH_GIVES (st, &q, "Tentes de réception");
  q.terms = (const char *[]){ "velo", "tente", NULL };
  SEARCH_GIVES (st, &q, "");
  /* No terms, or an empty list: no text filter. */
  q.terms = (const char *[]){ NULL };
  SEARCH_GIVES (st, &q,
                "Sono portable|velo de ville|Animation de réunion|Scie sauteuse|"
                "Tentes de réception|Vélo cargo biporteur");
}

static void
search_filters (void **state)
{
  mt_store_t *st = STORE (state);
  mt_store_listing_query_t q = { .any_visibility = true, .limit = 2 };
  mt_conf_catalogue_t c;

  mt_conf_catalogue (st, &c);
  q.kind = "service";
  SEARCH_GIVES (st, &q, "Animation de réunion");
  q.kind = "good";
  SEARCH_GIVES (st, &q,
                "Sono portable|velo de ville|Scie sauteuse|Tentes de réception|"
                "Vélo cargo biporteur");
  q.kind = NULL;
  q.category = "velos";
  SEARCH_GIVES (st, &q, "velo de ville|Vélo cargo biporteur");
  q.category = NULL;
  q.departement = "59";
  SEARCH_GIVES (st, &q, "velo de ville|Scie sauteuse|Vélo cargo biporteur");
  q.departement = NULL;
  q.owner_id = c.mem[1];
  SEARCH_GIVES (st, &q, "velo de ville|Tentes de réception");
  q.owner_id = NULL;
  q.network_id = c.apes;
  SEARCH_GIVES (st, &q, "Sono portable|velo de ville|Tentes de réception|Vélo cargo biporteur");
  q.network_id = c.mres;
  SEARCH_GIVES (st, &q, "velo de ville|Scie sauteuse|Tentes de réception");
  q.network_id = "net_nobody";
  SEARCH_GIVES (st, &q, "");
  q.network_id = NULL;
  q.statuses = (const char *[]){ "published", NULL };
  SEARCH_GIVES (st, &q, "Animation de réunion|Tentes de réception|Vélo cargo biporteur");
  q.statuses = (const char *[]){ "draft", "paused", NULL };
  SEARCH_GIVES (st, &q, "velo de ville|Scie sauteuse");
  q.statuses = (const char *[]){ NULL };
  SEARCH_GIVES (st, &q, "");
  /* Together. */
  q.statuses = (const char *[]){ "published", "paused", NULL };
  q.kind = "good";
  q.departement = "59";
  SEARCH_GIVES (st, &q, "velo de ville|Vélo cargo biporteur");
  q.network_id = c.apes;
  q.terms = (const char *[]){ "velo", NULL };
  q.category = "velos";
  q.owner_id = c.mem[0];
  SEARCH_GIVES (st, &q, "Vélo cargo biporteur");
  q.sort = MT_LISTING_SORT_RELEVANCE;
  SEARCH_GIVES (st, &q, "Vélo cargo biporteur");
  q.owner_id = c.mem[2];
  SEARCH_GIVES (st, &q, "");
}

static void
search_visibility (void **state)
{
  mt_store_t *st = STORE (state);
  mt_store_listing_query_t q = { .limit = 2 };
  mt_conf_catalogue_t c;

  mt_conf_catalogue (st, &c);
  /* Anonymous: public listings only. */
  SEARCH_GIVES (st, &q, "Sono portable|Animation de réunion|Vélo cargo biporteur");
  /* Plus one's own. */
  q.own_member_id = c.mem[2];
  SEARCH_GIVES (st, &q, "Sono portable|Animation de réunion|Scie sauteuse|Vélo cargo biporteur");
  /* Plus those whose owner is in one of the networks. */
  q.own_member_id = NULL;
  q.visible_networks = (const char *[]){ c.apes, NULL };
  SEARCH_GIVES (st, &q,
                "Sono portable|velo de ville|Animation de réunion|Tentes de réception|"
                "Vélo cargo biporteur");
  q.visible_networks = (const char *[]){ c.mres, NULL };
  q.own_member_id = c.mem[3];
  SEARCH_GIVES (st, &q,
                "Sono portable|velo de ville|Animation de réunion|Scie sauteuse|"
                "Tentes de réception|Vélo cargo biporteur");
  q.visible_networks = (const char *[]){ "net_unknown", NULL };
  q.own_member_id = NULL;
  SEARCH_GIVES (st, &q, "Sono portable|Animation de réunion|Vélo cargo biporteur");
  q.visible_networks = (const char *[]){ NULL };
  SEARCH_GIVES (st, &q, "Sono portable|Animation de réunion|Vélo cargo biporteur");
  /* With statuses and terms. */
  q.visible_networks = (const char *[]){ c.apes, c.mres, NULL };
  q.statuses = (const char *[]){ "published", NULL };
  SEARCH_GIVES (st, &q, "Animation de réunion|Tentes de réception|Vélo cargo biporteur");
  q.visible_networks = NULL;
  q.terms = (const char *[]){ "velo", NULL };
  q.statuses = NULL;
  SEARCH_GIVES (st, &q, "Vélo cargo biporteur");
  q.own_member_id = c.mem[1];
  SEARCH_GIVES (st, &q, "velo de ville|Vélo cargo biporteur");
  /* any_visibility overrides the rest. */
  q.own_member_id = NULL;
  q.any_visibility = true;
  SEARCH_GIVES (st, &q, "velo de ville|Vélo cargo biporteur");
}

static void
search_orders_by_recency_then_id (void **state)
{
  mt_store_t *st = STORE (state);
  mt_store_listing_query_t q = { .any_visibility = true, .limit = 3 };
  const int64_t created[] = { 300, 100, 300, 200, 300, 100, 400 };
  char ids[7][MT_ID_SIZE], title[32];
  mt_store_page_t page;
  char cursor[MT_STORE_CURSOR_MAX] = "";
  int64_t last_created = INT64_MAX;
  char last_id[MT_ID_SIZE] = "\x7f";
  uint32_t seen = 0, i;
  bson_iter_t it;
  bson_t item;
  size_t k;

  for (k = 0; k < 7; k++) {
    snprintf (title, sizeof title, "Objet %zu", k);
    mt_conf_insert_listing (
      st, ids[k],
      &(mt_conf_listing_t){ .owner = "mem_x", .title = title, .created_at = created[k] });
  }
  do {
    q.cursor = cursor[0] ? cursor : NULL;
    OK (mt_conf_doc_search (st, &q, &page));
    for (i = 0; i < page.count; i++, seen++) {
      const char *id;
      int64_t c;

      mt_conf_page_item (&page, i, &item);
      assert_true (bson_iter_init_find (&it, &item, "created_at"));
      c = bson_iter_date_time (&it);
      id = mt_conf_str (&item, "id");
      assert_true (c < last_created || (c == last_created && strcmp (id, last_id) < 0));
      last_created = c;
      snprintf (last_id, sizeof last_id, "%s", id);
    }
    snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
    mt_store_page_destroy (&page);
  } while (cursor[0]);
  assert_int_equal (seen, 7);

  /* Relevance without terms is by recency too. */
  q.sort = MT_LISTING_SORT_RELEVANCE;
  q.limit = 100;
  q.cursor = NULL;
  OK (mt_conf_doc_search (st, &q, &page));
  assert_int_equal (page.count, 7);
  mt_conf_page_item (&page, 0, &item);
  assert_string_equal (mt_conf_str (&item, "title"), "Objet 6");
  mt_store_page_destroy (&page);
}

static void
search_orders_by_relevance (void **state)
{
  mt_store_t *st = STORE (state);
  mt_store_listing_query_t q = { .any_visibility = true,
                                 .limit = 2,
                                 .sort = MT_LISTING_SORT_RELEVANCE };
  char id[MT_ID_SIZE], tie[2][MT_ID_SIZE], expected[256];

  /* One word in title (4), tags (2), description (1); the sum when in several. */
  mt_conf_insert_listing (
    st, id,
    &(mt_conf_listing_t){
      .owner = "mem_x", .title = "Tente de plage", .description = "Bleue.", .created_at = 100 });
  mt_conf_insert_listing (
    st, id,
    &(mt_conf_listing_t){ .owner = "mem_x", .title = "Abri", .tags = "tente", .created_at = 200 });
  mt_conf_insert_listing (st, id,
                          &(mt_conf_listing_t){ .owner = "mem_x",
                                                .title = "Parasol",
                                                .description = "Va avec une tente.",
                                                .created_at = 300 });
  mt_conf_insert_listing (st, id,
                          &(mt_conf_listing_t){ .owner = "mem_x",
                                                .title = "Tente familiale",
                                                .description = "Grande tente, tentes.",
                                                .created_at = 50 });
  mt_conf_insert_listing (st, id,
                          &(mt_conf_listing_t){ .owner = "mem_x",
                                                .title = "Barnum",
                                                .description = "Une tente pliante.",
                                                .tags = "tente",
                                                .created_at = 400 });
  mt_conf_insert_listing (st, id,
                          &(mt_conf_listing_t){ .owner = "mem_x",
                                                .title = "Tente de réception",
                                                .description = "La tente des fêtes.",
                                                .tags = "tente,barnum",
                                                .created_at = 10 });
  mt_conf_insert_listing (
    st, id,
    &(mt_conf_listing_t){ .owner = "mem_x", .title = "Tente canadienne", .created_at = 500 });
  mt_conf_insert_listing (
    st, id,
    &(mt_conf_listing_t){
      .owner = "mem_x", .title = "Chaise", .description = "Rien à voir.", .created_at = 600 });
  q.terms = (const char *[]){ "tente", NULL };
  SEARCH_GIVES (st, &q,
                "Tente de réception|Tente familiale|Tente canadienne|Tente de plage|Barnum|"
                "Abri|Parasol");
  /* Two terms: the scores add up. */
  q.terms = (const char *[]){ "tente", "barnum", NULL };
  SEARCH_GIVES (st, &q, "Tente de réception|Barnum");
  /* By recency with the same terms. */
  q.sort = MT_LISTING_SORT_RECENT;
  q.terms = (const char *[]){ "tente", NULL };
  SEARCH_GIVES (st, &q,
                "Tente canadienne|Barnum|Parasol|Abri|Tente de plage|Tente familiale|"
                "Tente de réception");

  /* Same score and created_at: by id, descending. */
  mt_conf_insert_listing (
    st, tie[0],
    &(mt_conf_listing_t){ .owner = "mem_x", .title = "Hamac premier", .created_at = 700 });
  mt_conf_insert_listing (
    st, tie[1],
    &(mt_conf_listing_t){ .owner = "mem_x", .title = "Hamac second", .created_at = 700 });
  q.sort = MT_LISTING_SORT_RELEVANCE;
  q.terms = (const char *[]){ "hamac", NULL };
  snprintf (expected, sizeof expected, "%s",
            strcmp (tie[0], tie[1]) > 0 ? "Hamac premier|Hamac second"
                                        : "Hamac second|Hamac premier");
  SEARCH_GIVES (st, &q, expected);
}

/* Terms nobody should be able to turn into an error or into FTS/SQL syntax. */
static const char *const mt_conf_hostile_words[] = {
  "NEAR(",
  "NEAR(a b)",
  "NEAR(velo cargo, 2)",
  "OR",
  "AND",
  "NOT",
  "title:x",
  "title:velo",
  "{title description}:velo",
  "velo:",
  "^velo",
  "velo^",
  "a OR b",
  "velo NOT cargo",
  "'; DROP TABLE listings; --",
  "x' OR '1'='1",
  "1; SELECT * FROM members",
  "%velo%",
  "v_lo",
  "\"velo",
  "velo\"",
  "\"\"velo\"\"",
  "(velo",
  "velo)",
  "[velo]",
  "velo*",
  "*velo",
  "ve*lo",
  "vélo🚲",
  "自行车",
  "دراجة",
  "\xe2\x80\x8fvelo",
  "Ǆ",
  "ﬁlet",
  "ve\x01lo",
  "ve\tlo",
  "rowid",
  "listings_fts",
  "rank",
  "bm25(listings_fts)",
  "0",
  "-1",
  "9223372036854775808",
};

/* Terms without a letter or digit: ignored. */
static const char *const mt_conf_hostile_empty[] = {
  "\"", "\"\"", "\"\"\"", "(", ")",   "()", "*",  "**", "^",  ":", "-",    "--",
  "+",  "'",    ";",      "%", "_",   "\\", "{",  "}",  "[]", ",", ".",    "!",
  "?",  "&&",   "||",     "🚲", "   ", "",   "«»", "€",  "—",  "…", "\t\n",
};

static void
search_hostile_terms_never_fail (void **state)
{
  mt_store_t *st = STORE (state);
  mt_store_listing_query_t q = { .any_visibility = true, .limit = 3 };
  static char long_word[5001], long_quotes[3001], long_mixed[4001];
  const char *terms[4];
  mt_conf_catalogue_t c;
  mt_store_page_t page;
  size_t i;
  int sort;

  mt_conf_catalogue (st, &c);
  memset (long_word, 'a', sizeof long_word - 1);
  memset (long_quotes, '"', sizeof long_quotes - 1);
  for (i = 0; i + 4 < sizeof long_mixed; i += 4) {
    memcpy (long_mixed + i, i % 8 ? "(*\":" : "vé*)", 4);
  }

  for (sort = 0; sort < 2; sort++) {
    /* By relevance the cargo bike (title, tags and description) comes first. */
    const char *velos =
      sort ? "Vélo cargo biporteur|velo de ville" : "velo de ville|Vélo cargo biporteur";

    q.sort = sort ? MT_LISTING_SORT_RELEVANCE : MT_LISTING_SORT_RECENT;
    for (i = 0; i < sizeof mt_conf_hostile_words / sizeof mt_conf_hostile_words[0]; i++) {
      terms[0] = mt_conf_hostile_words[i], terms[1] = NULL;
      q.terms = terms;
      OK (mt_conf_doc_search (st, &q, &page));
      mt_store_page_destroy (&page);
      terms[1] = "velo", terms[2] = NULL;
      OK (mt_conf_doc_search (st, &q, &page));
      mt_store_page_destroy (&page);
    }
    /* Ignored: the search is the one without them. */
    for (i = 0; i < sizeof mt_conf_hostile_empty / sizeof mt_conf_hostile_empty[0]; i++) {
      terms[0] = mt_conf_hostile_empty[i], terms[1] = "velo", terms[2] = NULL;
      q.terms = terms;
      SEARCH_GIVES (st, &q, velos);
      terms[0] = "velo", terms[1] = mt_conf_hostile_empty[i];
      SEARCH_GIVES (st, &q, velos);
    }
    /* Only ignored terms: no text filter at all. */
    q.terms = (const char *[]){ "\"", "*", "-", "(", NULL };
    SEARCH_GIVES (st, &q,
                  "Sono portable|velo de ville|Animation de réunion|Scie sauteuse|"
                  "Tentes de réception|Vélo cargo biporteur");
    /* Punctuation around a word is not syntax. */
    q.terms = (const char *[]){ "\"velo\"", NULL };
    SEARCH_GIVES (st, &q, velos);
    q.terms = (const char *[]){ "(velo)", NULL };
    SEARCH_GIVES (st, &q, velos);
    q.terms = (const char *[]){ "velo*", NULL };
    SEARCH_GIVES (st, &q, velos);
    q.terms = (const char *[]){ "-velo", NULL };
    SEARCH_GIVES (st, &q, velos);
    q.terms = (const char *[]){ "OR", NULL };
    SEARCH_GIVES (st, &q, "");
    /* Long terms. */
    terms[0] = long_word, terms[1] = long_quotes, terms[2] = long_mixed, terms[3] = NULL;
    q.terms = terms;
    OK (mt_conf_doc_search (st, &q, &page));
    assert_int_equal (page.count, 0);
    mt_store_page_destroy (&page);
    terms[0] = long_quotes, terms[1] = "velo", terms[2] = NULL;
    SEARCH_GIVES (st, &q, velos);
  }
  /* Many terms. */
  {
    const char *many[201];

    for (i = 0; i < 200; i++) {
      many[i] = i % 2 ? "velo" : "\"";
    }
    many[200] = NULL;
    q.terms = many;
    SEARCH_GIVES (st, &q, "Vélo cargo biporteur|velo de ville");
  }
  OK (st->ops->check_integrity (st, &err));
}

/* A small deterministic generator (no wall clock, no global state). */
static uint32_t
mt_conf_next (uint32_t *seed)
{
  *seed = *seed * 1103515245u + 12345u;
  return (*seed >> 16) & 0x7fff;
}

/*
 * Pages through a search while, between pages, new matching listings are inserted (newer,
 * older and tied with the rows already seen) and other listings are changed or deleted: every
 * listing present before the first page and unchanged since is seen exactly once.
 */
static void
mt_conf_pages_exactly_once (mt_store_t *st, mt_listing_sort_t sort, bool with_terms)
{
  enum { N = 24, EXTRA = 64 };
  mt_store_listing_query_t q = { .any_visibility = true, .limit = 4, .sort = sort };
  const char *terms[] = { "atelier", NULL };
  char ids[N][MT_ID_SIZE], extra[EXTRA][MT_ID_SIZE], title[64];
  char cursor[MT_STORE_CURSOR_MAX] = "";
  int seen[N] = { 0 }, extra_seen[EXTRA] = { 0 };
  bool changed[N] = { false };
  size_t n_extra = 0, k;
  mt_store_page_t page;
  uint32_t seed = 42, i;
  int pages = 0;
  bson_t doc, item;

  q.terms = with_terms ? terms : NULL;
  for (k = 0; k < N; k++) {
    snprintf (title, sizeof title, "%s n°%zu", k % 3 == 0 ? "Atelier" : "Poste", k);
    mt_conf_insert_listing (
      st, ids[k],
      &(mt_conf_listing_t){ .owner = "mem_x",
                            .title = title,
                            .description = k % 2 ? "Un atelier partagé." : "Du matériel.",
                            .tags = k % 3 != 0 && k % 2 == 0 ? "atelier" : "outil",
                            .created_at = 1000 + (int64_t) (mt_conf_next (&seed) % 6) * 10 });
  }
  do {
    q.cursor = cursor[0] ? cursor : NULL;
    OK (mt_conf_doc_search (st, &q, &page));
    assert_true (page.count <= q.limit);
    for (i = 0; i < page.count; i++) {
      const char *id;
      bool known = false;

      mt_conf_page_item (&page, i, &item);
      id = mt_conf_str (&item, "id");
      for (k = 0; k < N && !known; k++) {
        if (strcmp (id, ids[k]) == 0) {
          seen[k]++, known = true;
        }
      }
      for (k = 0; k < n_extra && !known; k++) {
        if (strcmp (id, extra[k]) == 0) {
          extra_seen[k]++, known = true;
        }
      }
      assert_true (known);
    }
    snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
    mt_store_page_destroy (&page);
    pages++;

    /* Between pages: two new matching listings, one changed, sometimes one deleted. */
    for (k = 0; k < 2 && n_extra < EXTRA; k++) {
      snprintf (title, sizeof title, "Atelier ajouté %zu", n_extra);
      mt_conf_insert_listing (
        st, extra[n_extra++],
        &(mt_conf_listing_t){ .owner = "mem_x",
                              .title = title,
                              .description = k ? "atelier" : NULL,
                              .created_at = k ? 5000 + pages
                                              : 1000 + (int64_t) (mt_conf_next (&seed) % 6) * 10 });
    }
    k = mt_conf_next (&seed) % N;
    if (!changed[k]) {
      bson_t update;

      OK (mt_conf_doc_get (st, ids[k], &doc));
      bson_init (&update);
      bson_copy_to_excluding_noinit (&doc, &update, "description", NULL);
      BSON_APPEND_UTF8 (&update, "description", "Un atelier, un atelier.");
      OK (mt_conf_doc_update (st, ids[k], mt_conf_version (&doc), &update));
      bson_destroy (&update);
      bson_destroy (&doc);
      changed[k] = true;
    }
    if (pages % 3 == 0) {
      k = mt_conf_next (&seed) % N;
      if (!changed[k] && !mt_conf_needs) {
        OK (st->ops->listing_delete (st, ids[k], 1, &err));
        changed[k] = true;
      }
    }
    assert_true (pages < 100);
  } while (cursor[0]);

  for (k = 0; k < N; k++) {
    if (!changed[k] && seen[k] != 1) {
      fail_msg ("listing %zu seen %d times (sort %d, terms %d)", k, seen[k], (int) sort,
                (int) with_terms);
    }
  }
  for (k = 0; k < n_extra; k++) {
    assert_true (extra_seen[k] <= 1);
  }
  OK (st->ops->check_integrity (st, &err));
}

static void
search_pages_exactly_once_by_recency (void **state)
{
  mt_conf_pages_exactly_once (STORE (state), MT_LISTING_SORT_RECENT, false);
}

static void
search_pages_exactly_once_by_recency_with_terms (void **state)
{
  mt_conf_pages_exactly_once (STORE (state), MT_LISTING_SORT_RECENT, true);
}

static void
search_pages_exactly_once_by_relevance (void **state)
{
  mt_conf_pages_exactly_once (STORE (state), MT_LISTING_SORT_RELEVANCE, true);
}

static void
search_rejects_bad_cursor_and_limit (void **state)
{
  mt_store_t *st = STORE (state);
  mt_store_listing_query_t q = { .any_visibility = true, .limit = 1 };
  const char *terms[] = { "objet", NULL };
  const char *garbage[] = { "!!!", "AAAA", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", "a", "====" };
  char recent[MT_STORE_CURSOR_MAX], relevance[MT_STORE_CURSOR_MAX], title[32];
  bson_t docs[105];
  const bson_t *batch[105];
  mt_store_page_t page;
  char id[MT_ID_SIZE];
  size_t i;

  for (i = 0; i < 105; i++) {
    mt_conf_new_id (mt_conf_needs ? "ned" : "lst", id);
    snprintf (title, sizeof title, "Objet %zu", i);
    mt_conf_listing (
      &docs[i], id,
      &(mt_conf_listing_t){ .owner = "mem_x", .title = title, .created_at = (int64_t) i });
    batch[i] = &docs[i];
  }
  if (mt_conf_needs) {
    for (i = 0; i < 105; i++) {
      OK (st->ops->need_insert (st, batch[i], &err));
    }
  } else {
    OK (st->ops->listing_insert_many (st, batch, 105, &err));
  }
  for (i = 0; i < 105; i++) {
    bson_destroy (&docs[i]);
  }

  q.limit = 0;
  FAILS (MT_ERR_BAD_REQUEST, mt_conf_doc_search (st, &q, &page));
  assert_int_equal (page.count, 0);
  mt_store_page_destroy (&page);

  /* Larger limits are clamped. */
  q.limit = 1000;
  OK (mt_conf_doc_search (st, &q, &page));
  assert_int_equal (page.count, MT_STORE_PAGE_MAX);
  assert_string_not_equal (page.next_cursor, "");
  q.cursor = page.next_cursor;
  {
    mt_store_page_t second;

    OK (mt_conf_doc_search (st, &q, &second));
    assert_int_equal (second.count, 5);
    assert_string_equal (second.next_cursor, "");
    mt_store_page_destroy (&second);
  }
  mt_store_page_destroy (&page);

  q.limit = 2;
  q.cursor = NULL;
  OK (mt_conf_doc_search (st, &q, &page));
  snprintf (recent, sizeof recent, "%s", page.next_cursor);
  mt_store_page_destroy (&page);
  q.terms = terms;
  q.sort = MT_LISTING_SORT_RELEVANCE;
  OK (mt_conf_doc_search (st, &q, &page));
  snprintf (relevance, sizeof relevance, "%s", page.next_cursor);
  mt_store_page_destroy (&page);
  assert_string_not_equal (recent, "");
  assert_string_not_equal (relevance, "");

  /* A cursor of the other order. */
  q.cursor = recent;
  FAILS (MT_ERR_BAD_REQUEST, mt_conf_doc_search (st, &q, &page));
  assert_int_equal (page.count, 0);
  mt_store_page_destroy (&page);
  q.sort = MT_LISTING_SORT_RECENT;
  q.terms = NULL;
  q.cursor = relevance;
  FAILS (MT_ERR_BAD_REQUEST, mt_conf_doc_search (st, &q, &page));
  mt_store_page_destroy (&page);
  /* Garbage. */
  for (i = 0; i < sizeof garbage / sizeof garbage[0]; i++) {
    q.cursor = garbage[i];
    FAILS (MT_ERR_BAD_REQUEST, mt_conf_doc_search (st, &q, &page));
    mt_store_page_destroy (&page);
  }
  /* Its own cursors work. */
  q.cursor = recent;
  OK (mt_conf_doc_search (st, &q, &page));
  assert_int_equal (page.count, 2);
  mt_store_page_destroy (&page);
}

/* ---- Photos and calendars ----------------------------------------------------------------- */

static void
photo_round_trips_bytes_exactly (void **state)
{
  mt_store_t *st = STORE (state);
  static uint8_t big[300 * 1024];
  const uint8_t nul[] = { 0 };
  char listing[MT_ID_SIZE], id[MT_ID_SIZE], id2[MT_ID_SIZE];
  bson_t meta, out;
  uint8_t *data = NULL;
  size_t len = 0, i;

  for (i = 0; i < sizeof big; i++) {
    big[i] = (uint8_t) ((i * 7 + i / 256) & 0xff);
  }
  big[0] = 0;
  big[sizeof big - 1] = 0;
  mt_conf_insert_listing (st, listing,
                          &(mt_conf_listing_t){ .owner = "mem_x", .title = "Avec photos" });

  mt_conf_new_id ("pho", id);
  mt_conf_photo_meta (&meta, id, listing, sizeof big);
  OK (st->ops->photo_insert (st, &meta, big, sizeof big, &err));
  OK (st->ops->photo_get (st, id, &out, &data, &len, &err));
  assert_int_equal (len, sizeof big);
  assert_memory_equal (data, big, sizeof big);
  mt_conf_assert_same_bytes (&meta, &out);
  free (data);
  bson_destroy (&out);

  /* The same id again. */
  FAILS (MT_ERR_DUPLICATE, st->ops->photo_insert (st, &meta, nul, 1, &err));
  bson_destroy (&meta);

  /* One NUL byte. */
  mt_conf_new_id ("pho", id2);
  mt_conf_photo_meta (&meta, id2, listing, 1);
  OK (st->ops->photo_insert (st, &meta, nul, 1, &err));
  bson_destroy (&meta);
  OK (st->ops->photo_get (st, id2, &out, &data, &len, &err));
  assert_int_equal (len, 1);
  assert_int_equal (data[0], 0);
  free (data);
  bson_destroy (&out);

  /* Delete, then it is gone; a second delete is NOT_FOUND. */
  OK (st->ops->photo_delete (st, id, &err));
  data = (uint8_t *) &len;
  FAILS (MT_ERR_NOT_FOUND, st->ops->photo_get (st, id, &out, &data, &len, &err));
  assert_null (data);
  assert_int_equal (len, 0);
  assert_true (bson_empty (&out));
  bson_destroy (&out);
  FAILS (MT_ERR_NOT_FOUND, st->ops->photo_delete (st, id, &err));
  OK (st->ops->photo_get (st, id2, &out, &data, &len, &err));
  free (data);
  bson_destroy (&out);
  OK (st->ops->check_integrity (st, &err));
}

static void
calendar_get_put_compare_and_set (void **state)
{
  mt_store_t *st = STORE (state);
  char listing[MT_ID_SIZE], other[MT_ID_SIZE];
  bson_iter_t it, child;
  bson_t cal, out;

  mt_conf_insert_listing (st, listing,
                          &(mt_conf_listing_t){ .owner = "mem_x", .title = "Remorque" });
  mt_conf_insert_listing (st, other, &(mt_conf_listing_t){ .owner = "mem_x", .title = "Diable" });

  /* None stored: empty, version 0. */
  OK (st->ops->calendar_get (st, listing, &out, &err));
  assert_string_equal (mt_conf_str (&out, "listing_id"), listing);
  assert_int_equal (mt_conf_version (&out), 0);
  assert_true (bson_iter_init_find (&it, &out, "entries"));
  assert_true (BSON_ITER_HOLDS_ARRAY (&it));
  assert_true (bson_iter_recurse (&it, &child));
  assert_false (bson_iter_next (&child));
  bson_destroy (&out);

  /* A version other than 0 on a calendar not stored: stale. */
  mt_conf_calendar (&cal, listing, 0, "res_a");
  FAILS (MT_ERR_STALE, st->ops->calendar_put (st, listing, 1, &cal, &err));
  FAILS (MT_ERR_STALE, st->ops->calendar_put (st, listing, -1, &cal, &err));
  /* 0 creates it, with version 1; 0 again is stale. */
  OK (st->ops->calendar_put (st, listing, 0, &cal, &err));
  FAILS (MT_ERR_STALE, st->ops->calendar_put (st, listing, 0, &cal, &err));
  bson_destroy (&cal);
  OK (st->ops->calendar_get (st, listing, &out, &err));
  assert_int_equal (mt_conf_version (&out), 1);
  assert_true (bson_iter_init (&it, &out));
  assert_true (bson_iter_find_descendant (&it, "entries.0.reservation_id", &child));
  assert_string_equal (bson_iter_utf8 (&child, NULL), "res_a");

  /* Compare-and-set: what was read is written back with version + 1. */
  OK (st->ops->calendar_put (st, listing, 1, &out, &err));
  FAILS (MT_ERR_STALE, st->ops->calendar_put (st, listing, 1, &out, &err));
  FAILS (MT_ERR_STALE, st->ops->calendar_put (st, listing, 3, &out, &err));
  FAILS (MT_ERR_STALE, st->ops->calendar_put (st, listing, INT64_MAX, &out, &err));
  bson_destroy (&out);
  mt_conf_calendar (&cal, listing, 99, "res_b");
  OK (st->ops->calendar_put (st, listing, 2, &cal, &err));
  bson_destroy (&cal);
  OK (st->ops->calendar_get (st, listing, &out, &err));
  assert_int_equal (mt_conf_version (&out), 3);
  assert_true (bson_iter_init (&it, &out));
  assert_true (bson_iter_find_descendant (&it, "entries.0.reservation_id", &child));
  assert_string_equal (bson_iter_utf8 (&child, NULL), "res_b");
  bson_destroy (&out);

  /* Calendars are per listing. */
  OK (st->ops->calendar_get (st, other, &out, &err));
  assert_int_equal (mt_conf_version (&out), 0);
  bson_destroy (&out);
  OK (st->ops->check_integrity (st, &err));
}

/* ---- Lists of migration 3: one pager for all ---------------------------------------------- */

/* Which list mt_conf_collect pages through, and its arguments. */
typedef enum {
  MT_CONF_RESERVATIONS,
  MT_CONF_MESSAGES,
  MT_CONF_AUDIT,
  MT_CONF_NOTIFICATIONS,
  MT_CONF_CALENDARS,
  MT_CONF_BOOKINGS,
  MT_CONF_NEED_ANSWERS,
  MT_CONF_LEDGER,
  MT_CONF_WEBHOOKS,
  MT_CONF_OUTBOX,
} mt_conf_list_kind_t;

/* The queries' cursor and limit are set by the pager. */
typedef struct {
  mt_conf_list_kind_t kind;
  mt_store_reservation_query_t query; /* reservations */
  mt_store_booking_query_t booking;   /* bookings */
  mt_store_outbox_query_t outbox;     /* outbox */
  const char *owner; /* reservation, entity, account, need or member id of the others */
  const char *label; /* field collected as each row's label */
} mt_conf_list_t;

/* One row of a list as collected: its key (id, or listing_id), time and label. */
typedef struct {
  char id[64];
  char label[64];
  int64_t at;
} mt_conf_row_t;

#define MT_CONF_ROWS_MAX 256

/* Called between two pages (the page number, from 1) to change the data meanwhile. */
typedef void (*mt_conf_between_t) (mt_store_t *st, void *ctx, int page);

static bool
mt_conf_list_page (mt_store_t *st, const mt_conf_list_t *l, const char *cursor, uint32_t limit,
                   mt_store_page_t *page)
{
  mt_store_reservation_query_t q = l->query;
  mt_store_booking_query_t bq = l->booking;
  mt_store_outbox_query_t oq = l->outbox;

  switch (l->kind) {
  case MT_CONF_RESERVATIONS:
    q.cursor = cursor;
    q.limit = limit;
    return st->ops->reservation_list (st, &q, page, &err);
  case MT_CONF_BOOKINGS:
    bq.cursor = cursor;
    bq.limit = limit;
    return st->ops->booking_list (st, &bq, page, &err);
  case MT_CONF_OUTBOX:
    oq.cursor = cursor;
    oq.limit = limit;
    return st->ops->outbox_list (st, &oq, page, &err);
  case MT_CONF_NEED_ANSWERS:
    return st->ops->need_answer_list (st, l->owner, cursor, limit, page, &err);
  case MT_CONF_LEDGER:
    return st->ops->ledger_list (st, l->owner, cursor, limit, page, &err);
  case MT_CONF_WEBHOOKS:
    return st->ops->webhook_list (st, cursor, limit, page, &err);
  case MT_CONF_MESSAGES:
    return st->ops->message_list (st, l->owner, cursor, limit, page, &err);
  case MT_CONF_AUDIT:
    return st->ops->audit_list (st, l->owner, cursor, limit, page, &err);
  case MT_CONF_NOTIFICATIONS:
    return st->ops->notification_list (st, l->owner, cursor, limit, page, &err);
  case MT_CONF_CALENDARS:
  default:
    return st->ops->calendar_list (st, cursor, limit, page, &err);
  }
}

/* The date-time @key of @doc in milliseconds; INT64_MIN when absent or of another type. */
static int64_t
mt_conf_date (const bson_t *doc, const char *key)
{
  bson_iter_t it;

  if (!bson_iter_init_find (&it, doc, key) || !BSON_ITER_HOLDS_DATE_TIME (&it)) {
    return INT64_MIN;
  }
  return bson_iter_date_time (&it);
}

/*
 * Pages through @l with pages of @limit (following next_cursor; @between, when not NULL, runs
 * between pages) and writes its rows in order into @rows (at most MT_CONF_ROWS_MAX). Fails the
 * test on an error, a page over the limit, an empty page before the end, or a row seen twice.
 * Returns the number of rows.
 */
static size_t
mt_conf_collect (mt_store_t *st, const mt_conf_list_t *l, uint32_t limit, mt_conf_row_t *rows,
                 mt_conf_between_t between, void *ctx)
{
  const char *key_field = l->kind == MT_CONF_CALENDARS ? "listing_id" : "id";
  const char *time_field = l->kind == MT_CONF_AUDIT    ? "at"
                           : l->kind == MT_CONF_OUTBOX ? "next_attempt_at"
                                                       : "created_at";
  char cursor[MT_STORE_CURSOR_MAX] = "";
  mt_store_page_t page;
  const char *id, *label;
  size_t n = 0, j;
  int pages = 0;
  uint32_t i;
  bson_t item;

  do {
    mt_error_clear (&err);
    if (!mt_conf_list_page (st, l, cursor[0] ? cursor : NULL, limit, &page)) {
      fail_msg ("list %d failed: code %u: %s", (int) l->kind, err.code, err.message);
    }
    assert_true (page.count <= limit);
    if (page.next_cursor[0] && page.count == 0) {
      fail_msg ("list %d: an empty page with a next cursor", (int) l->kind);
    }
    for (i = 0; i < page.count; i++) {
      mt_conf_page_item (&page, i, &item);
      id = mt_conf_str (&item, key_field);
      assert_non_null (id);
      for (j = 0; j < n; j++) {
        if (strcmp (rows[j].id, id) == 0) {
          fail_msg ("list %d: row %s returned twice", (int) l->kind, id);
        }
      }
      assert_true (n < MT_CONF_ROWS_MAX);
      snprintf (rows[n].id, sizeof rows[n].id, "%s", id);
      label = l->label ? mt_conf_str (&item, l->label) : NULL;
      snprintf (rows[n].label, sizeof rows[n].label, "%s", label ? label : "?");
      rows[n].at = mt_conf_date (&item, time_field);
      n++;
    }
    snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
    mt_store_page_destroy (&page);
    pages++;
    assert_true (pages < 200);
    if (cursor[0] && between) {
      between (st, ctx, pages);
    }
  } while (cursor[0]);
  return n;
}

/* Writes the labels of @l (pages of @limit) joined by "|" into @out. */
static void
mt_conf_labels (mt_store_t *st, const mt_conf_list_t *l, uint32_t limit, char *out, size_t size)
{
  static mt_conf_row_t rows[MT_CONF_ROWS_MAX];
  size_t n = mt_conf_collect (st, l, limit, rows, NULL, NULL);
  size_t used = 0, i;

  out[0] = '\0';
  for (i = 0; i < n; i++) {
    used += (size_t) snprintf (out + used, size - used, "%s%s", i ? "|" : "", rows[i].label);
    assert_true (used < size);
  }
}

/* Asserts that @l gives the labels @expected ("a|b|c") in that order, with pages of 1, 2, 3
 * and 100 rows. */
#define LIST_GIVES(st, l, expected)                                                                \
  do {                                                                                             \
    static const uint32_t limits_[] = { 1, 2, 3, 100 };                                            \
    char found_[2048];                                                                             \
    size_t k_;                                                                                     \
    for (k_ = 0; k_ < 4; k_++) {                                                                   \
      mt_conf_labels ((st), (l), limits_[k_], found_, sizeof found_);                              \
      if (strcmp (found_, (expected)) != 0) {                                                      \
        fail_msg ("%s:%d: list gave \"%s\" (pages of %u), expected \"%s\"", __FILE__, __LINE__,    \
                  found_, limits_[k_], (expected));                                                \
      }                                                                                            \
    }                                                                                              \
  } while (0)

/* Rows @a then @b are in order: (at, id) descending when @newest_first, else ascending. */
static bool
mt_conf_in_order (const mt_conf_row_t *a, const mt_conf_row_t *b, bool newest_first)
{
  int c;

  if (a->at != b->at) {
    return newest_first ? a->at > b->at : a->at < b->at;
  }
  c = strcmp (a->id, b->id);
  return newest_first ? c > 0 : c < 0;
}

static void
mt_conf_assert_ordered (const mt_conf_row_t *rows, size_t n, bool newest_first)
{
  size_t i;

  for (i = 1; i < n; i++) {
    if (!mt_conf_in_order (&rows[i - 1], &rows[i], newest_first)) {
      fail_msg ("rows %zu (%s, %lld) and %zu (%s, %lld) out of order", i - 1, rows[i - 1].id,
                (long long) rows[i - 1].at, i, rows[i].id, (long long) rows[i].at);
    }
  }
}

/* The common window errors of a list: a limit of 0, and cursors it did not produce. */
static void
mt_conf_assert_bad_windows (mt_store_t *st, const mt_conf_list_t *l)
{
  static const char *const bad[] = { "x", "!!!", "AAAA", "@@not-base64@@",
                                     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" };
  char long_cursor[MT_STORE_CURSOR_MAX + 8];
  mt_store_page_t page;
  size_t i;

  FAILS (MT_ERR_BAD_REQUEST, mt_conf_list_page (st, l, NULL, 0, &page));
  assert_int_equal (page.count, 0);
  mt_store_page_destroy (&page);
  for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    FAILS (MT_ERR_BAD_REQUEST, mt_conf_list_page (st, l, bad[i], 10, &page));
    assert_int_equal (page.count, 0);
    assert_string_equal (page.next_cursor, "");
    mt_store_page_destroy (&page);
  }
  memset (long_cursor, 'A', sizeof long_cursor - 1);
  long_cursor[sizeof long_cursor - 1] = '\0';
  FAILS (MT_ERR_BAD_REQUEST, mt_conf_list_page (st, l, long_cursor, 10, &page));
  mt_store_page_destroy (&page);
}

/* ---- Reservations ------------------------------------------------------------------------- */

/* What a test reservation differs in; NULL strings and 0 dates are left out of the document. */
typedef struct {
  const char *label; /* stored as "message" */
  const char *listing;
  const char *borrower;
  const char *owner;
  const char *status;
  int64_t start, end;
  int32_t units;
  int64_t expires_at, returned_at;
  int64_t created_at;
} mt_conf_reservation_t;

static void
mt_conf_reservation (bson_t *doc, const char *id, const mt_conf_reservation_t *r)
{
  bson_t history, entry;

  bson_init (doc);
  BSON_APPEND_UTF8 (doc, "id", id);
  BSON_APPEND_INT64 (doc, "version", 1);
  BSON_APPEND_UTF8 (doc, "listing_id", r->listing);
  if (r->borrower) {
    BSON_APPEND_UTF8 (doc, "borrower_member_id", r->borrower);
  }
  if (r->owner) {
    BSON_APPEND_UTF8 (doc, "owner_member_id", r->owner);
  }
  BSON_APPEND_UTF8 (doc, "requested_by", "acc_conformance");
  if (r->status) {
    BSON_APPEND_UTF8 (doc, "status", r->status);
  }
  if (r->start) {
    BSON_APPEND_DATE_TIME (doc, "start", r->start);
  }
  if (r->end) {
    BSON_APPEND_DATE_TIME (doc, "end", r->end);
  }
  BSON_APPEND_INT32 (doc, "units", r->units ? r->units : 1);
  if (r->label) {
    BSON_APPEND_UTF8 (doc, "message", r->label);
  }
  if (r->expires_at) {
    BSON_APPEND_DATE_TIME (doc, "expires_at", r->expires_at);
  }
  if (r->returned_at) {
    BSON_APPEND_DATE_TIME (doc, "returned_at", r->returned_at);
  }
  BSON_APPEND_BOOL (doc, "overdue", false);
  BSON_APPEND_ARRAY_BEGIN (doc, "history", &history);
  BSON_APPEND_DOCUMENT_BEGIN (&history, "0", &entry);
  BSON_APPEND_UTF8 (&entry, "to", r->status ? r->status : "requested");
  BSON_APPEND_DATE_TIME (&entry, "at", r->created_at);
  bson_append_document_end (&history, &entry);
  bson_append_array_end (doc, &history);
  BSON_APPEND_DATE_TIME (doc, "created_at", r->created_at);
  BSON_APPEND_DATE_TIME (doc, "updated_at", r->created_at);
}

static void
mt_conf_insert_reservation (mt_store_t *st, char id[MT_ID_SIZE], const mt_conf_reservation_t *r)
{
  bson_t doc;

  mt_conf_new_id ("res", id);
  mt_conf_reservation (&doc, id, r);
  OK (st->ops->reservation_insert (st, &doc, &err));
  bson_destroy (&doc);
}

static void
reservation_round_trips_and_forces_version_1 (void **state)
{
  mt_store_t *st = STORE (state);
  mt_conf_reservation_t r = { .label = "r",
                              .listing = "lst_a",
                              .borrower = "mem_b",
                              .owner = "mem_o",
                              .status = "requested",
                              .start = 1781258400000,
                              .end = 1781344800000,
                              .units = 2,
                              .expires_at = 1781000000000,
                              .created_at = 1780000000000 };
  char id[MT_ID_SIZE], id2[MT_ID_SIZE];
  bson_t doc, out, versioned;

  mt_conf_new_id ("res", id);
  mt_conf_reservation (&doc, id, &r);
  OK (st->ops->reservation_insert (st, &doc, &err));
  OK (st->ops->reservation_get (st, id, &out, &err));
  mt_conf_assert_same_bytes (&doc, &out);
  bson_destroy (&out);
  /* The same id again, whatever the rest. */
  FAILS (MT_ERR_DUPLICATE, st->ops->reservation_insert (st, &doc, &err));
  bson_destroy (&doc);

  /* Another version becomes 1; no version gets one. */
  mt_conf_new_id ("res", id2);
  mt_conf_reservation (&doc, id2, &r);
  bson_init (&versioned);
  bson_copy_to_excluding_noinit (&doc, &versioned, "version", NULL);
  BSON_APPEND_INT64 (&versioned, "version", 42);
  OK (st->ops->reservation_insert (st, &versioned, &err));
  OK (st->ops->reservation_get (st, id2, &out, &err));
  assert_int_equal (mt_conf_version (&out), 1);
  assert_string_equal (mt_conf_str (&out, "status"), "requested");
  assert_int_equal (mt_conf_date (&out, "start"), 1781258400000);
  bson_destroy (&out);
  bson_destroy (&versioned);
  bson_destroy (&doc);

  FAILS (MT_ERR_NOT_FOUND, st->ops->reservation_get (st, "res_AAAAAAAAAAAAAAAAAAAAAA", &out, &err));
  assert_true (bson_empty (&out));
  bson_destroy (&out);
  OK (st->ops->check_integrity (st, &err));
}

/* A reservation document missing a required field or with a field of the wrong type. */
static void
reservation_bad_documents_are_internal (void **state)
{
  mt_store_t *st = STORE (state);
  mt_conf_reservation_t r = {
    .listing = "lst_a", .status = "requested", .start = 10, .end = 20, .created_at = 5
  };
  const char *const drop[] = { "listing_id", "created_at", NULL };
  const char *const wrong[] = {
    "listing_id", "borrower_member_id", "owner_member_id", "status",     "start", "end",
    "units",      "expires_at",         "returned_at",     "created_at", NULL
  };
  char id[MT_ID_SIZE];
  int64_t count = -1;
  bson_t doc, bad;
  size_t i;

  mt_conf_new_id ("res", id);
  mt_conf_reservation (&doc, id, &r);
  for (i = 0; drop[i]; i++) {
    bson_init (&bad);
    bson_copy_to_excluding_noinit (&doc, &bad, drop[i], NULL);
    FAILS (MT_ERR_INTERNAL, st->ops->reservation_insert (st, &bad, &err));
    bson_destroy (&bad);
  }
  for (i = 0; wrong[i]; i++) {
    bson_init (&bad);
    bson_copy_to_excluding_noinit (&doc, &bad, wrong[i], NULL);
    /* Strings where dates or integers are expected, and a document where strings are. */
    if (strcmp (wrong[i], "start") == 0 || strcmp (wrong[i], "end") == 0 ||
        strcmp (wrong[i], "units") == 0 || strstr (wrong[i], "_at")) {
      BSON_APPEND_UTF8 (&bad, wrong[i], "2026-06-12T10:00:00Z");
    } else {
      bson_t child;

      BSON_APPEND_DOCUMENT_BEGIN (&bad, wrong[i], &child);
      bson_append_document_end (&bad, &child);
    }
    FAILS (MT_ERR_INTERNAL, st->ops->reservation_insert (st, &bad, &err));
    bson_destroy (&bad);
  }
  /* Nothing was stored. */
  OK (st->ops->reservation_count (st, "lst_a", &count, &err));
  assert_int_equal (count, 0);
  /* The same document, well formed, is stored. */
  OK (st->ops->reservation_insert (st, &doc, &err));
  bson_destroy (&doc);
  OK (st->ops->reservation_count (st, "lst_a", &count, &err));
  assert_int_equal (count, 1);
  OK (st->ops->check_integrity (st, &err));
}

static void
reservation_update_compare_and_set (void **state)
{
  mt_store_t *st = STORE (state);
  mt_conf_reservation_t r = { .label = "r",
                              .listing = "lst_a",
                              .borrower = "mem_b",
                              .owner = "mem_o",
                              .status = "requested",
                              .start = 100,
                              .end = 200,
                              .expires_at = 50,
                              .created_at = 10 };
  char id[MT_ID_SIZE], other[MT_ID_SIZE];
  bson_t doc, out;

  mt_conf_insert_reservation (st, id, &r);
  mt_conf_new_id ("res", other);

  /* requested -> approved, without an expiry: version 2. */
  r.status = "approved";
  r.expires_at = 0;
  mt_conf_reservation (&doc, id, &r);
  OK (st->ops->reservation_update (st, id, 1, &doc, &err));
  FAILS (MT_ERR_STALE, st->ops->reservation_update (st, id, 1, &doc, &err));
  FAILS (MT_ERR_STALE, st->ops->reservation_update (st, id, 3, &doc, &err));
  FAILS (MT_ERR_STALE, st->ops->reservation_update (st, id, INT64_MAX, &doc, &err));
  bson_destroy (&doc);
  mt_conf_reservation (&doc, other, &r);
  FAILS (MT_ERR_NOT_FOUND, st->ops->reservation_update (st, other, 1, &doc, &err));
  bson_destroy (&doc);
  OK (st->ops->reservation_get (st, id, &out, &err));
  assert_int_equal (mt_conf_version (&out), 2);
  assert_string_equal (mt_conf_str (&out, "status"), "approved");
  assert_int_equal (mt_conf_date (&out, "expires_at"), INT64_MIN);

  /* What was read is written back with version + 1. */
  OK (st->ops->reservation_update (st, id, 2, &out, &err));
  bson_destroy (&out);
  OK (st->ops->reservation_get (st, id, &out, &err));
  assert_int_equal (mt_conf_version (&out), 3);
  bson_destroy (&out);
  /* The document must describe the reservation updated. */
  mt_conf_reservation (&doc, other, &r);
  FAILS (MT_ERR_INTERNAL, st->ops->reservation_update (st, id, 3, &doc, &err));
  bson_destroy (&doc);
  OK (st->ops->check_integrity (st, &err));
}

/*
 * Eight reservations, by created_at (dates in plain milliseconds):
 *   r1 1000  lst_1 mem_b1 mem_o1 requested    start 10000 end 20000 expires 5000
 *   r2 2000  lst_1 mem_b2 mem_o1 approved     start 20000 end 30000
 *   r3 3000  lst_2 mem_b1 mem_o2 checked_out  start 15000 end 25000
 *   r4 4000  lst_2 mem_b3 mem_o2 returned     start  1000 end  2000 returned 2500
 *   r5 5000  lst_1 mem_b1 mem_o1 cancelled    start 40000 end 50000 expires 6000
 *   r6 6000  lst_3 mem_b2 mem_o2 requested    start 30000 end 40000 expires 7000
 *   r7 7000  lst_1 mem_b3 mem_o1 declined     start 50000 end 60000
 *   r8 8000  lst_2 mem_b2 mem_o2 closed       start  3000 end  4000 returned 4500
 */
static void
mt_conf_reservations (mt_store_t *st, char ids[8][MT_ID_SIZE])
{
  const mt_conf_reservation_t rs[8] = {
    { "r1", "lst_1", "mem_b1", "mem_o1", "requested", 10000, 20000, 1, 5000, 0, 1000 },
    { "r2", "lst_1", "mem_b2", "mem_o1", "approved", 20000, 30000, 2, 0, 0, 2000 },
    { "r3", "lst_2", "mem_b1", "mem_o2", "checked_out", 15000, 25000, 1, 0, 0, 3000 },
    { "r4", "lst_2", "mem_b3", "mem_o2", "returned", 1000, 2000, 1, 0, 2500, 4000 },
    { "r5", "lst_1", "mem_b1", "mem_o1", "cancelled", 40000, 50000, 1, 6000, 0, 5000 },
    { "r6", "lst_3", "mem_b2", "mem_o2", "requested", 30000, 40000, 3, 7000, 0, 6000 },
    { "r7", "lst_1", "mem_b3", "mem_o1", "declined", 50000, 60000, 1, 0, 0, 7000 },
    { "r8", "lst_2", "mem_b2", "mem_o2", "closed", 3000, 4000, 1, 0, 4500, 8000 },
  };
  size_t i;

  for (i = 0; i < 8; i++) {
    mt_conf_insert_reservation (st, ids[i], &rs[i]);
  }
}

#define RES_LIST(...)                                                                              \
  (&(mt_conf_list_t){ .kind = MT_CONF_RESERVATIONS, .query = { __VA_ARGS__ }, .label = "message" })

static void
reservation_list_filters (void **state)
{
  mt_store_t *st = STORE (state);
  const char *pending[] = { "requested", "approved", NULL };
  const char *requested[] = { "requested", NULL };
  const char *checked_out[] = { "checked_out", NULL };
  const char *cancelled[] = { "cancelled", NULL };
  const char *none[] = { NULL };
  const char *unknown[] = { "lost", NULL };
  char ids[8][MT_ID_SIZE];

  LIST_GIVES (st, RES_LIST (.limit = 0), "");
  mt_conf_reservations (st, ids);

  LIST_GIVES (st, RES_LIST (.limit = 0), "r8|r7|r6|r5|r4|r3|r2|r1");
  LIST_GIVES (st, RES_LIST (.listing_id = "lst_1"), "r7|r5|r2|r1");
  LIST_GIVES (st, RES_LIST (.listing_id = "lst_9"), "");
  LIST_GIVES (st, RES_LIST (.borrower_member_id = "mem_b1"), "r5|r3|r1");
  LIST_GIVES (st, RES_LIST (.owner_member_id = "mem_o2"), "r8|r6|r4|r3");
  LIST_GIVES (st, RES_LIST (.statuses = pending), "r6|r2|r1");
  LIST_GIVES (st, RES_LIST (.statuses = unknown), "");
  /* A non-NULL but empty list of statuses matches nothing. */
  LIST_GIVES (st, RES_LIST (.statuses = none), "");
  LIST_GIVES (st, RES_LIST (.listing_id = "lst_1", .statuses = requested), "r1");
  LIST_GIVES (st, RES_LIST (.borrower_member_id = "mem_b2", .owner_member_id = "mem_o2"), "r8|r6");
  LIST_GIVES (st, RES_LIST (.borrower_member_id = "mem_b2", .owner_member_id = "mem_o1"), "r2");

  /* Due fields: the field is <= due_before; reservations without it are never due. */
  LIST_GIVES (st, RES_LIST (.due = MT_RESERVATION_DUE_EXPIRES, .due_before = 6000), "r5|r1");
  LIST_GIVES (st, RES_LIST (.due = MT_RESERVATION_DUE_EXPIRES, .due_before = 4999), "");
  LIST_GIVES (st, RES_LIST (.due = MT_RESERVATION_DUE_EXPIRES, .due_before = INT64_MAX),
              "r6|r5|r1");
  LIST_GIVES (st, RES_LIST (.due = MT_RESERVATION_DUE_START, .due_before = 15000), "r8|r4|r3|r1");
  LIST_GIVES (st, RES_LIST (.due = MT_RESERVATION_DUE_START, .due_before = 14999), "r8|r4|r1");
  LIST_GIVES (st, RES_LIST (.due = MT_RESERVATION_DUE_END, .due_before = 25000), "r8|r4|r3|r1");
  LIST_GIVES (st, RES_LIST (.due = MT_RESERVATION_DUE_RETURNED, .due_before = 2500), "r4");
  LIST_GIVES (st, RES_LIST (.due = MT_RESERVATION_DUE_RETURNED, .due_before = 4500), "r8|r4");
  LIST_GIVES (st, RES_LIST (.due = MT_RESERVATION_DUE_RETURNED, .due_before = INT64_MIN), "");
  LIST_GIVES (st, RES_LIST (.due = MT_RESERVATION_DUE_CREATED, .due_before = 3000), "r3|r2|r1");
  /* No due field: due_before is ignored. */
  LIST_GIVES (st, RES_LIST (.due = MT_RESERVATION_DUE_NONE, .due_before = 0),
              "r8|r7|r6|r5|r4|r3|r2|r1");

  /* Everything at once: what the timers ask. */
  LIST_GIVES (
    st, RES_LIST (.statuses = checked_out, .due = MT_RESERVATION_DUE_END, .due_before = 25000),
    "r3");
  LIST_GIVES (
    st, RES_LIST (.statuses = requested, .due = MT_RESERVATION_DUE_EXPIRES, .due_before = 7000),
    "r6|r1");
  LIST_GIVES (st,
              RES_LIST (.listing_id = "lst_1", .borrower_member_id = "mem_b1",
                        .owner_member_id = "mem_o1", .statuses = cancelled,
                        .due = MT_RESERVATION_DUE_START, .due_before = 40000),
              "r5");
  LIST_GIVES (st,
              RES_LIST (.listing_id = "lst_1", .borrower_member_id = "mem_b1",
                        .owner_member_id = "mem_o1", .statuses = cancelled,
                        .due = MT_RESERVATION_DUE_START, .due_before = 39999),
              "");
  OK (st->ops->check_integrity (st, &err));
}

/* Filters follow updates: status, dates and members are re-indexed on every write. */
static void
reservation_list_filters_follow_updates (void **state)
{
  mt_store_t *st = STORE (state);
  const char *requested[] = { "requested", NULL };
  const char *approved[] = { "approved", NULL };
  char ids[8][MT_ID_SIZE];
  bson_t doc, changed;

  mt_conf_reservations (st, ids);
  LIST_GIVES (st, RES_LIST (.statuses = requested), "r6|r1");

  /* r1: requested -> approved, its expiry dropped, its start moved. */
  OK (st->ops->reservation_get (st, ids[0], &doc, &err));
  bson_init (&changed);
  bson_copy_to_excluding_noinit (&doc, &changed, "status", "expires_at", "start", NULL);
  BSON_APPEND_UTF8 (&changed, "status", "approved");
  BSON_APPEND_DATE_TIME (&changed, "start", 99000);
  OK (st->ops->reservation_update (st, ids[0], 1, &changed, &err));
  bson_destroy (&changed);
  bson_destroy (&doc);

  LIST_GIVES (st, RES_LIST (.statuses = requested), "r6");
  LIST_GIVES (st, RES_LIST (.statuses = approved), "r2|r1");
  LIST_GIVES (st, RES_LIST (.due = MT_RESERVATION_DUE_EXPIRES, .due_before = 6000), "r5");
  LIST_GIVES (st, RES_LIST (.due = MT_RESERVATION_DUE_START, .due_before = 14999), "r8|r4");
  LIST_GIVES (st, RES_LIST (.due = MT_RESERVATION_DUE_START, .due_before = 99000),
              "r8|r7|r6|r5|r4|r3|r2|r1");
  /* The order is created_at's: an update does not move a reservation. */
  LIST_GIVES (st, RES_LIST (.listing_id = "lst_1"), "r7|r5|r2|r1");
  OK (st->ops->check_integrity (st, &err));
}

static void
reservation_count_counts_every_status (void **state)
{
  mt_store_t *st = STORE (state);
  char ids[8][MT_ID_SIZE];
  int64_t count = -1;

  OK (st->ops->reservation_count (st, "lst_1", &count, &err));
  assert_int_equal (count, 0);
  mt_conf_reservations (st, ids);
  OK (st->ops->reservation_count (st, "lst_1", &count, &err));
  assert_int_equal (count, 4);
  OK (st->ops->reservation_count (st, "lst_2", &count, &err));
  assert_int_equal (count, 3);
  OK (st->ops->reservation_count (st, "lst_3", &count, &err));
  assert_int_equal (count, 1);
  count = -1;
  OK (st->ops->reservation_count (st, "lst_9", &count, &err));
  assert_int_equal (count, 0);
}

/* Rows a between-pages function adds at most, per listing of the whole list. */
#define MT_CONF_ADDED_MAX 12

typedef struct {
  uint32_t seed;
  size_t added;
  char ids[MT_CONF_ADDED_MAX][MT_ID_SIZE];
} mt_conf_adder_t;

/* Between pages: two reservations, one newer than all, one tied with or older than those seen. */
static void
mt_conf_add_reservations (mt_store_t *st, void *ctx, int page)
{
  mt_conf_adder_t *adder = ctx;
  size_t k;

  for (k = 0; k < 2 && adder->added < MT_CONF_ADDED_MAX; k++) {
    mt_conf_insert_reservation (
      st, adder->ids[adder->added++],
      &(mt_conf_reservation_t){
        .label = "new",
        .listing = "lst_p",
        .status = "requested",
        .start = 1,
        .end = 2,
        .created_at = k ? 9000 + page : 1000 + (int64_t) (mt_conf_next (&adder->seed) % 6) * 10 });
  }
}

/*
 * Pages of 1 to 5 rows, while reservations are inserted between pages (newer, older and tied
 * with those already seen): every reservation present before the first page is returned
 * exactly once, and the rows come in order ("created_at" descending, then "id" descending).
 */
static void
reservation_list_pages_exactly_once (void **state)
{
  enum { N = 20 };
  mt_store_t *st = STORE (state);
  const char *requested[] = { "requested", NULL };
  static mt_conf_row_t rows[MT_CONF_ROWS_MAX];
  char ids[N][MT_ID_SIZE];
  mt_conf_adder_t adder;
  uint32_t seed = 7, limit;
  size_t n, k, i;
  int seen;

  for (k = 0; k < N; k++) {
    mt_conf_insert_reservation (
      st, ids[k],
      &(mt_conf_reservation_t){ .label = "old",
                                .listing = "lst_p",
                                .status = "requested",
                                .start = 1,
                                .end = 2,
                                .created_at = 1000 + (int64_t) (mt_conf_next (&seed) % 6) * 10 });
  }
  for (limit = 1; limit <= 5; limit++) {
    memset (&adder, 0, sizeof adder);
    adder.seed = limit;
    n = mt_conf_collect (st, RES_LIST (.listing_id = "lst_p", .statuses = requested), limit, rows,
                         mt_conf_add_reservations, &adder);
    mt_conf_assert_ordered (rows, n, true);
    for (k = 0; k < N; k++) {
      for (seen = 0, i = 0; i < n; i++) {
        seen += strcmp (rows[i].id, ids[k]) == 0;
      }
      if (seen != 1) {
        fail_msg ("reservation %zu seen %d times (pages of %u)", k, seen, limit);
      }
    }
    /* Delete nothing: the added ones stay and are seen by the next round (all in order). */
  }
  n = mt_conf_collect (st, RES_LIST (.limit = 0), 7, rows, NULL, NULL);
  mt_conf_assert_ordered (rows, n, true);
  OK (st->ops->check_integrity (st, &err));
}

static void
reservation_list_limit_and_cursor (void **state)
{
  mt_store_t *st = STORE (state);
  mt_store_reservation_query_t q = { .limit = 1000 };
  char id[MT_ID_SIZE], cursor[MT_STORE_CURSOR_MAX];
  mt_store_page_t page;
  int i;

  mt_conf_assert_bad_windows (st, RES_LIST (.limit = 0));
  for (i = 0; i < MT_STORE_PAGE_MAX + 5; i++) {
    mt_conf_insert_reservation (st, id,
                                &(mt_conf_reservation_t){ .listing = "lst_c",
                                                          .status = "requested",
                                                          .created_at = 1000 + i });
  }
  /* A limit above the maximum is clamped. */
  OK (st->ops->reservation_list (st, &q, &page, &err));
  assert_int_equal (page.count, MT_STORE_PAGE_MAX);
  assert_string_not_equal (page.next_cursor, "");
  snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
  mt_store_page_destroy (&page);
  q.cursor = cursor;
  OK (st->ops->reservation_list (st, &q, &page, &err));
  assert_int_equal (page.count, 5);
  assert_string_equal (page.next_cursor, "");
  mt_store_page_destroy (&page);
  /* An empty cursor is the first page. */
  q.cursor = "";
  q.limit = 3;
  OK (st->ops->reservation_list (st, &q, &page, &err));
  assert_int_equal (page.count, 3);
  mt_store_page_destroy (&page);
  /* NULL query. */
  FAILS (MT_ERR_BAD_REQUEST, st->ops->reservation_list (st, NULL, &page, &err));
  mt_store_page_destroy (&page);
}

/* ---- Idempotency records ------------------------------------------------------------------ */

static void
mt_conf_idempotency (bson_t *doc, const char *id, const char *state, int64_t created_at)
{
  bson_init (doc);
  BSON_APPEND_UTF8 (doc, "id", id);
  BSON_APPEND_INT64 (doc, "version", 1);
  BSON_APPEND_UTF8 (doc, "account_id", "acc_conformance");
  BSON_APPEND_UTF8 (doc, "request_hash", "3q2-Vn0cD7kz9aQeLr1xYw");
  BSON_APPEND_UTF8 (doc, "state", state);
  if (strcmp (state, "done") == 0) {
    BSON_APPEND_INT32 (doc, "status", 201);
    BSON_APPEND_UTF8 (doc, "body", "{\"id\":\"res_x\"}");
    BSON_APPEND_UTF8 (doc, "location", "/v1/reservations/res_x");
  }
  BSON_APPEND_DATE_TIME (doc, "created_at", created_at);
}

static void
idempotency_insert_get_update (void **state)
{
  mt_store_t *st = STORE (state);
  const char *id = "acc_conformance:key-1";
  bson_t doc, out;

  mt_conf_idempotency (&doc, id, "in_flight", 1000);
  OK (st->ops->idempotency_insert (st, &doc, &err));
  OK (st->ops->idempotency_get (st, id, &out, &err));
  mt_conf_assert_same_bytes (&doc, &out);
  bson_destroy (&out);
  /* A second first request with the same key: DUPLICATE, the first record is kept. */
  FAILS (MT_ERR_DUPLICATE, st->ops->idempotency_insert (st, &doc, &err));
  bson_destroy (&doc);

  /* in_flight -> done, compare-and-set. */
  mt_conf_idempotency (&doc, id, "done", 1000);
  OK (st->ops->idempotency_update (st, id, 1, &doc, &err));
  FAILS (MT_ERR_STALE, st->ops->idempotency_update (st, id, 1, &doc, &err));
  bson_destroy (&doc);
  mt_conf_idempotency (&doc, "acc_conformance:other", "done", 1000);
  FAILS (MT_ERR_NOT_FOUND,
         st->ops->idempotency_update (st, "acc_conformance:other", 1, &doc, &err));
  bson_destroy (&doc);
  OK (st->ops->idempotency_get (st, id, &out, &err));
  assert_int_equal (mt_conf_version (&out), 2);
  assert_string_equal (mt_conf_str (&out, "state"), "done");
  assert_string_equal (mt_conf_str (&out, "location"), "/v1/reservations/res_x");
  bson_destroy (&out);

  FAILS (MT_ERR_NOT_FOUND, st->ops->idempotency_get (st, "acc_conformance:other", &out, &err));
  assert_true (bson_empty (&out));
  bson_destroy (&out);

  /* A record without its date cannot be purged: refused. */
  bson_init (&doc);
  BSON_APPEND_UTF8 (&doc, "id", "acc_conformance:key-2");
  BSON_APPEND_UTF8 (&doc, "state", "in_flight");
  FAILS (MT_ERR_INTERNAL, st->ops->idempotency_insert (st, &doc, &err));
  bson_destroy (&doc);
  OK (st->ops->check_integrity (st, &err));
}

static void
idempotency_purge_forgets_older_records (void **state)
{
  mt_store_t *st = STORE (state);
  const char *ids[] = { "k:1", "k:2", "k:3", "k:4" };
  const int64_t created[] = { 1000, 1999, 2000, 3000 };
  bson_t doc, out;
  size_t i;

  for (i = 0; i < 4; i++) {
    mt_conf_idempotency (&doc, ids[i], "done", created[i]);
    OK (st->ops->idempotency_insert (st, &doc, &err));
    bson_destroy (&doc);
  }
  /* An update keeps the record's age. */
  mt_conf_idempotency (&doc, ids[1], "done", created[1]);
  OK (st->ops->idempotency_update (st, ids[1], 1, &doc, &err));
  bson_destroy (&doc);

  OK (st->ops->idempotency_purge (st, 2000, &err));
  for (i = 0; i < 4; i++) {
    if (created[i] < 2000) {
      FAILS (MT_ERR_NOT_FOUND, st->ops->idempotency_get (st, ids[i], &out, &err));
    } else {
      OK (st->ops->idempotency_get (st, ids[i], &out, &err));
    }
    bson_destroy (&out);
  }
  /* A forgotten key can be used again. */
  mt_conf_idempotency (&doc, ids[0], "in_flight", 4000);
  OK (st->ops->idempotency_insert (st, &doc, &err));
  bson_destroy (&doc);
  OK (st->ops->idempotency_purge (st, INT64_MIN, &err));
  OK (st->ops->idempotency_get (st, ids[0], &out, &err));
  assert_int_equal (mt_conf_version (&out), 1);
  bson_destroy (&out);
  OK (st->ops->idempotency_purge (st, INT64_MAX, &err));
  for (i = 0; i < 4; i++) {
    FAILS (MT_ERR_NOT_FOUND, st->ops->idempotency_get (st, ids[i], &out, &err));
    bson_destroy (&out);
  }
  OK (st->ops->check_integrity (st, &err));
}

/* ---- Messages, audit entries, notifications ----------------------------------------------- */

static void
mt_conf_message (bson_t *doc, const char *id, const char *reservation, const char *text,
                 int64_t created_at)
{
  bson_init (doc);
  BSON_APPEND_UTF8 (doc, "id", id);
  BSON_APPEND_UTF8 (doc, "reservation_id", reservation);
  BSON_APPEND_UTF8 (doc, "author_account_id", "acc_conformance");
  BSON_APPEND_UTF8 (doc, "text", text);
  BSON_APPEND_DATE_TIME (doc, "created_at", created_at);
}

static void
mt_conf_audit (bson_t *doc, const char *id, const char *entity_id, const char *reason, int64_t at)
{
  bson_init (doc);
  BSON_APPEND_UTF8 (doc, "id", id);
  BSON_APPEND_DATE_TIME (doc, "at", at);
  BSON_APPEND_UTF8 (doc, "actor", "acc_conformance");
  BSON_APPEND_UTF8 (doc, "entity", "reservation");
  if (entity_id) {
    BSON_APPEND_UTF8 (doc, "entity_id", entity_id);
  }
  BSON_APPEND_UTF8 (doc, "from", "requested");
  BSON_APPEND_UTF8 (doc, "to", "approved");
  BSON_APPEND_UTF8 (doc, "reason", reason);
}

static void
mt_conf_notification (bson_t *doc, const char *id, const char *account, const char *text,
                      int64_t created_at)
{
  bson_init (doc);
  BSON_APPEND_UTF8 (doc, "id", id);
  BSON_APPEND_UTF8 (doc, "account_id", account);
  BSON_APPEND_UTF8 (doc, "kind", "reservation_approved");
  BSON_APPEND_UTF8 (doc, "entity_id", "res_x");
  BSON_APPEND_UTF8 (doc, "text_fr", "Réservation acceptée");
  BSON_APPEND_UTF8 (doc, "text_en", text);
  BSON_APPEND_DATE_TIME (doc, "created_at", created_at);
}

static void
mt_conf_need_answer (bson_t *doc, const char *id, const char *need, const char *text,
                     int64_t created_at)
{
  bson_init (doc);
  BSON_APPEND_UTF8 (doc, "id", id);
  BSON_APPEND_UTF8 (doc, "need_id", need);
  BSON_APPEND_UTF8 (doc, "author_member_id", "mem_answerer");
  BSON_APPEND_UTF8 (doc, "author_account_id", "acc_answerer");
  BSON_APPEND_UTF8 (doc, "listing_id", "lst_offered");
  BSON_APPEND_UTF8 (doc, "text", text);
  BSON_APPEND_DATE_TIME (doc, "created_at", created_at);
}

/* A ledger entry of @amount from @from to @to. */
static void
mt_conf_entry (bson_t *doc, const char *id, const char *from, const char *to, int64_t amount,
               const char *reason, int64_t created_at)
{
  bson_init (doc);
  BSON_APPEND_UTF8 (doc, "id", id);
  BSON_APPEND_UTF8 (doc, "from", from);
  BSON_APPEND_UTF8 (doc, "to", to);
  BSON_APPEND_INT64 (doc, "amount", amount);
  BSON_APPEND_UTF8 (doc, "reason", reason);
  BSON_APPEND_UTF8 (doc, "ref", "bkg_conformance");
  BSON_APPEND_DATE_TIME (doc, "created_at", created_at);
}

static void
mt_conf_webhook (bson_t *doc, const char *id, const char *url, int64_t created_at)
{
  bson_t events;

  bson_init (doc);
  BSON_APPEND_UTF8 (doc, "id", id);
  BSON_APPEND_UTF8 (doc, "url", url);
  BSON_APPEND_ARRAY_BEGIN (doc, "events", &events);
  BSON_APPEND_UTF8 (&events, "0", "booking.requested");
  BSON_APPEND_UTF8 (&events, "1", "need.answered");
  bson_append_array_end (doc, &events);
  BSON_APPEND_UTF8 (doc, "secret", "c2VjcmV0LW9mLXRoZS13ZWJob29r");
  BSON_APPEND_DATE_TIME (doc, "created_at", created_at);
  BSON_APPEND_UTF8 (doc, "created_by", "acc_admin");
}

/* What a test booking differs in; NULL strings and 0 dates are left out of the document. */
typedef struct {
  const char *label; /* stored as "message" */
  const char *listing;
  const char *requester;
  const char *provider;
  const char *status;
  int64_t start, completed_at;
  int64_t created_at;
} mt_conf_booking_t;

static void
mt_conf_booking (bson_t *doc, const char *id, const mt_conf_booking_t *b)
{
  bson_init (doc);
  BSON_APPEND_UTF8 (doc, "id", id);
  BSON_APPEND_INT64 (doc, "version", 1);
  BSON_APPEND_UTF8 (doc, "listing_id", b->listing);
  if (b->requester) {
    BSON_APPEND_UTF8 (doc, "requester_member_id", b->requester);
  }
  if (b->provider) {
    BSON_APPEND_UTF8 (doc, "provider_member_id", b->provider);
  }
  BSON_APPEND_UTF8 (doc, "requested_by", "acc_conformance");
  if (b->status) {
    BSON_APPEND_UTF8 (doc, "status", b->status);
  }
  if (b->start) {
    BSON_APPEND_DATE_TIME (doc, "start", b->start);
    BSON_APPEND_INT32 (doc, "duration_minutes", 90);
  }
  if (b->completed_at) {
    BSON_APPEND_DATE_TIME (doc, "completed_at", b->completed_at);
  }
  if (b->label) {
    BSON_APPEND_UTF8 (doc, "message", b->label);
  }
  BSON_APPEND_DATE_TIME (doc, "created_at", b->created_at);
  BSON_APPEND_DATE_TIME (doc, "updated_at", b->created_at);
}

/* What a test outbox message differs in; a NULL webhook makes an e-mail. */
typedef struct {
  const char *label; /* stored as "event" */
  const char *webhook;
  const char *status;
  int64_t next_attempt_at;
  int32_t attempts;
} mt_conf_outbox_t;

static void
mt_conf_outbox (bson_t *doc, const char *id, const mt_conf_outbox_t *o)
{
  bson_t payload;

  bson_init (doc);
  BSON_APPEND_UTF8 (doc, "id", id);
  BSON_APPEND_INT64 (doc, "version", 1);
  BSON_APPEND_UTF8 (doc, "kind", o->webhook ? "webhook" : "email");
  if (o->webhook) {
    BSON_APPEND_UTF8 (doc, "webhook_id", o->webhook);
  } else {
    BSON_APPEND_UTF8 (doc, "to", "contact@example.org");
  }
  BSON_APPEND_UTF8 (doc, "event", o->label ? o->label : "booking.requested");
  BSON_APPEND_DOCUMENT_BEGIN (doc, "payload", &payload);
  BSON_APPEND_UTF8 (&payload, "booking_id", "bkg_conformance");
  bson_append_document_end (doc, &payload);
  BSON_APPEND_UTF8 (doc, "status", o->status ? o->status : "pending");
  BSON_APPEND_INT32 (doc, "attempts", o->attempts);
  BSON_APPEND_DATE_TIME (doc, "next_attempt_at", o->next_attempt_at);
  BSON_APPEND_DATE_TIME (doc, "created_at", 1000);
}

/* Inserts a record of @kind (its owner, label and time) with id @id. */
static bool
mt_conf_insert_record (mt_store_t *st, mt_conf_list_kind_t kind, const char *id, const char *owner,
                       const char *label, int64_t at, bson_t *copy)
{
  bson_t doc;
  bool ok;

  switch (kind) {
  case MT_CONF_MESSAGES:
    mt_conf_message (&doc, id, owner, label, at);
    ok = st->ops->message_insert (st, &doc, &err);
    break;
  case MT_CONF_AUDIT:
    mt_conf_audit (&doc, id, owner, label, at);
    ok = st->ops->audit_insert (st, &doc, &err);
    break;
  case MT_CONF_NEED_ANSWERS:
    mt_conf_need_answer (&doc, id, owner, label, at);
    ok = st->ops->need_answer_insert (st, &doc, &err);
    break;
  case MT_CONF_LEDGER:
    mt_conf_entry (&doc, id, owner, "own_sink", 1, label, at);
    ok = st->ops->ledger_append (st, &doc, false, 0, &err);
    break;
  case MT_CONF_WEBHOOKS:
    mt_conf_webhook (&doc, id, label, at);
    ok = st->ops->webhook_insert (st, &doc, &err);
    break;
  case MT_CONF_BOOKINGS:
    mt_conf_booking (&doc, id,
                     &(mt_conf_booking_t){ .label = label,
                                           .listing = "lst_p",
                                           .requester = owner,
                                           .provider = "mem_provider",
                                           .status = "requested",
                                           .start = at + 100000,
                                           .created_at = at });
    ok = st->ops->booking_insert (st, &doc, &err);
    break;
  case MT_CONF_OUTBOX:
    mt_conf_outbox (&doc, id,
                    &(mt_conf_outbox_t){ .label = label, .webhook = owner, .next_attempt_at = at });
    ok = st->ops->outbox_insert (st, &doc, &err);
    break;
  case MT_CONF_RESERVATIONS:
  case MT_CONF_CALENDARS:
  case MT_CONF_NOTIFICATIONS:
  default:
    mt_conf_notification (&doc, id, owner, label, at);
    ok = st->ops->notification_insert (st, &doc, &err);
    break;
  }
  if (copy) {
    bson_copy_to (&doc, copy);
  }
  bson_destroy (&doc);
  return ok;
}

static const char *
mt_conf_record_label (mt_conf_list_kind_t kind)
{
  switch (kind) {
  case MT_CONF_MESSAGES:
  case MT_CONF_NEED_ANSWERS:
    return "text";
  case MT_CONF_AUDIT:
  case MT_CONF_LEDGER:
    return "reason";
  case MT_CONF_WEBHOOKS:
    return "url";
  case MT_CONF_BOOKINGS:
    return "message";
  case MT_CONF_OUTBOX:
    return "event";
  case MT_CONF_RESERVATIONS:
  case MT_CONF_CALENDARS:
  case MT_CONF_NOTIFICATIONS:
  default:
    return "text_en";
  }
}

/* Lists of records newest first (the others oldest first). */
static bool
mt_conf_newest_first (mt_conf_list_kind_t kind)
{
  return kind == MT_CONF_AUDIT || kind == MT_CONF_NOTIFICATIONS || kind == MT_CONF_LEDGER ||
         kind == MT_CONF_BOOKINGS;
}

/* The list of @kind's records of @owner: bookings by requester, outbox messages by webhook. */
static mt_conf_list_t
mt_conf_owner_list (mt_conf_list_kind_t kind, const char *owner)
{
  mt_conf_list_t l = { .kind = kind, .owner = owner, .label = mt_conf_record_label (kind) };

  if (kind == MT_CONF_BOOKINGS) {
    l.booking.requester_member_id = owner;
  } else if (kind == MT_CONF_OUTBOX) {
    l.outbox.webhook_id = owner;
  }
  return l;
}

/*
 * Records of @kind: stored exactly as given (no version added), a second insert of an id is
 * DUPLICATE and keeps the first, lists are per owner in the kind's order (ties broken by id),
 * paged, and reject bad windows.
 */
static void
mt_conf_records (mt_store_t *st, mt_conf_list_kind_t kind)
{
  const bool newest_first = mt_conf_newest_first (kind);
  mt_conf_list_t a = mt_conf_owner_list (kind, "own_a");
  mt_conf_list_t b = mt_conf_owner_list (kind, "own_b");
  mt_conf_list_t none = mt_conf_owner_list (kind, "own_none");
  static mt_conf_row_t rows[MT_CONF_ROWS_MAX];
  char id[5][MT_ID_SIZE];
  bson_t doc, again;
  size_t n, i;

  /* Ids in ascending order for the tie at 2000: "rec_..0" < "rec_..1". */
  for (i = 0; i < 5; i++) {
    snprintf (id[i], sizeof id[i], "rec_%021zu", i);
  }
  assert_true (mt_conf_insert_record (st, kind, id[0], "own_a", "second", 2000, &doc));
  assert_true (mt_conf_insert_record (st, kind, id[1], "own_a", "third", 2000, NULL));
  assert_true (mt_conf_insert_record (st, kind, id[2], "own_b", "other", 1500, NULL));
  assert_true (mt_conf_insert_record (st, kind, id[3], "own_a", "first", 1000, NULL));
  assert_true (mt_conf_insert_record (st, kind, id[4], "own_a", "fourth", 3000, NULL));

  if (newest_first) {
    LIST_GIVES (st, &a, "fourth|third|second|first");
  } else {
    LIST_GIVES (st, &a, "first|second|third|fourth");
  }
  LIST_GIVES (st, &b, "other");
  LIST_GIVES (st, &none, "");

  /* The same id again: DUPLICATE, and the first record stays as it was, byte for byte. */
  FAILS (MT_ERR_DUPLICATE, mt_conf_insert_record (st, kind, id[0], "own_b", "changed", 9000, NULL));
  n = mt_conf_collect (st, &a, 100, rows, NULL, NULL);
  assert_int_equal (n, 4);
  LIST_GIVES (st, &b, "other");
  {
    mt_store_page_t page;
    bool found = false;

    OK (mt_conf_list_page (st, &a, NULL, 100, &page));
    for (i = 0; i < page.count; i++) {
      mt_conf_page_item (&page, (uint32_t) i, &again);
      if (strcmp (mt_conf_str (&again, "id"), id[0]) == 0) {
        mt_conf_assert_same_bytes (&doc, &again);
        found = true;
      }
    }
    assert_true (found);
    mt_store_page_destroy (&page);
  }
  bson_destroy (&doc);

  mt_conf_assert_bad_windows (st, &a);
  OK (st->ops->check_integrity (st, &err));
}

static void
message_insert_and_list_oldest_first (void **state)
{
  mt_conf_records (STORE (state), MT_CONF_MESSAGES);
}

static void
audit_insert_and_list_newest_first (void **state)
{
  mt_store_t *st = STORE (state);
  mt_conf_list_t all = { .kind = MT_CONF_AUDIT, .owner = NULL, .label = "reason" };
  bson_t doc;

  mt_conf_records (st, MT_CONF_AUDIT);
  /* Without an entity: every entry, newest first; an entry without entity_id too. */
  mt_conf_audit (&doc, "rec_zzz", NULL, "global", 2500);
  OK (st->ops->audit_insert (st, &doc, &err));
  bson_destroy (&doc);
  LIST_GIVES (st, &all, "fourth|global|third|second|other|first");
  mt_conf_assert_bad_windows (st, &all);
}

static void
notification_insert_and_list_newest_first (void **state)
{
  mt_conf_records (STORE (state), MT_CONF_NOTIFICATIONS);
}

/* Bad records: a missing required field or a wrong type is INTERNAL, and nothing is stored. */
static void
records_bad_documents_are_internal (void **state)
{
  mt_store_t *st = STORE (state);
  mt_conf_list_t audit = { .kind = MT_CONF_AUDIT, .label = "reason" };
  bson_t doc, bad;

  mt_conf_message (&doc, "msg_1", "res_1", "x", 1);
  bson_init (&bad);
  bson_copy_to_excluding_noinit (&doc, &bad, "reservation_id", NULL);
  FAILS (MT_ERR_INTERNAL, st->ops->message_insert (st, &bad, &err));
  bson_reinit (&bad);
  bson_copy_to_excluding_noinit (&doc, &bad, "created_at", NULL);
  BSON_APPEND_UTF8 (&bad, "created_at", "yesterday");
  FAILS (MT_ERR_INTERNAL, st->ops->message_insert (st, &bad, &err));
  bson_destroy (&bad);
  bson_destroy (&doc);

  mt_conf_audit (&doc, "aud_1", "res_1", "x", 1);
  bson_init (&bad);
  bson_copy_to_excluding_noinit (&doc, &bad, "at", NULL);
  FAILS (MT_ERR_INTERNAL, st->ops->audit_insert (st, &bad, &err));
  bson_reinit (&bad);
  bson_copy_to_excluding_noinit (&doc, &bad, "entity_id", NULL);
  BSON_APPEND_INT32 (&bad, "entity_id", 7);
  FAILS (MT_ERR_INTERNAL, st->ops->audit_insert (st, &bad, &err));
  bson_destroy (&bad);
  bson_destroy (&doc);

  mt_conf_notification (&doc, "ntf_1", "acc_1", "x", 1);
  bson_init (&bad);
  bson_copy_to_excluding_noinit (&doc, &bad, "account_id", NULL);
  FAILS (MT_ERR_INTERNAL, st->ops->notification_insert (st, &bad, &err));
  bson_reinit (&bad);
  bson_copy_to_excluding_noinit (&doc, &bad, "id", NULL);
  FAILS (MT_ERR_INTERNAL, st->ops->notification_insert (st, &bad, &err));
  bson_destroy (&bad);
  bson_destroy (&doc);

  LIST_GIVES (st, &audit, "");
  LIST_GIVES (
    st, (&(mt_conf_list_t){ .kind = MT_CONF_MESSAGES, .owner = "res_1", .label = "text" }), "");
  LIST_GIVES (
    st, (&(mt_conf_list_t){ .kind = MT_CONF_NOTIFICATIONS, .owner = "acc_1", .label = "id" }), "");
  OK (st->ops->check_integrity (st, &err));
}

typedef struct {
  mt_conf_list_kind_t kind;
  const char *owner;
  size_t added;
  char ids[MT_CONF_ADDED_MAX][MT_ID_SIZE];
  uint32_t seed;
} mt_conf_record_adder_t;

/* Between pages: two records of the same owner, one newer than all, one tied or older. */
static void
mt_conf_add_records (mt_store_t *st, void *ctx, int page)
{
  mt_conf_record_adder_t *adder = ctx;
  size_t k;

  for (k = 0; k < 2 && adder->added < MT_CONF_ADDED_MAX; k++) {
    mt_conf_new_id ("rec", adder->ids[adder->added]);
    assert_true (mt_conf_insert_record (
      st, adder->kind, adder->ids[adder->added++], adder->owner, "new",
      k ? 9000 + page : 1000 + (int64_t) (mt_conf_next (&adder->seed) % 6) * 10, NULL));
  }
}

/* Paging while records are added between pages: each earlier record exactly once, in order. */
static void
mt_conf_records_page_exactly_once (mt_store_t *st, mt_conf_list_kind_t kind, const char *owner)
{
  enum { N = 17 };
  const bool newest_first = mt_conf_newest_first (kind);
  mt_conf_list_t l = mt_conf_owner_list (kind, owner);
  static mt_conf_row_t rows[MT_CONF_ROWS_MAX];
  char ids[N][MT_ID_SIZE];
  mt_conf_record_adder_t adder;
  uint32_t seed = 3, limit;
  size_t n, k, i;
  int seen;

  for (k = 0; k < N; k++) {
    mt_conf_new_id ("rec", ids[k]);
    assert_true (mt_conf_insert_record (st, kind, ids[k], owner ? owner : "own_p", "old",
                                        1000 + (int64_t) (mt_conf_next (&seed) % 6) * 10, NULL));
  }
  /* Another owner's records are never listed (unless listing them all). */
  mt_conf_new_id ("rec", adder.ids[0]);
  assert_true (mt_conf_insert_record (st, kind, adder.ids[0], "own_q", "other", 1010, NULL));
  for (limit = 1; limit <= 4; limit++) {
    memset (&adder, 0, sizeof adder);
    adder.kind = kind;
    adder.owner = owner ? owner : "own_p";
    adder.seed = limit;
    n = mt_conf_collect (st, &l, limit, rows, mt_conf_add_records, &adder);
    mt_conf_assert_ordered (rows, n, newest_first);
    for (k = 0; k < N; k++) {
      for (seen = 0, i = 0; i < n; i++) {
        seen += strcmp (rows[i].id, ids[k]) == 0;
      }
      if (seen != 1) {
        fail_msg ("record %zu of list %d seen %d times (pages of %u)", k, (int) kind, seen, limit);
      }
    }
    for (i = 0; i < n && owner; i++) {
      assert_string_not_equal (rows[i].label, "other");
    }
  }
  OK (st->ops->check_integrity (st, &err));
}

static void
message_list_pages_exactly_once (void **state)
{
  mt_conf_records_page_exactly_once (STORE (state), MT_CONF_MESSAGES, "res_p");
}

static void
audit_list_pages_exactly_once (void **state)
{
  mt_conf_records_page_exactly_once (STORE (state), MT_CONF_AUDIT, "res_p");
  mt_conf_records_page_exactly_once (STORE (state), MT_CONF_AUDIT, NULL);
}

static void
notification_list_pages_exactly_once (void **state)
{
  mt_conf_records_page_exactly_once (STORE (state), MT_CONF_NOTIFICATIONS, "acc_p");
}

/* ---- Calendar tokens of accounts ---------------------------------------------------------- */

/* @account with its "calendar_token_hash" set to @hash (NULL: removed). */
static void
mt_conf_with_hash (const bson_t *account, const char *hash, bson_t *out)
{
  bson_init (out);
  bson_copy_to_excluding_noinit (account, out, "calendar_token_hash", NULL);
  if (hash) {
    BSON_APPEND_UTF8 (out, "calendar_token_hash", hash);
  }
}

static void
account_calendar_token_lookup (void **state)
{
  mt_store_t *st = STORE (state);
  char acc[MT_ID_SIZE], acc2[MT_ID_SIZE];
  bson_t doc, doc2, changed, out;

  mt_conf_new_id ("acc", acc);
  mt_conf_new_id ("acc", acc2);
  mt_conf_account (&doc, acc, "mem_x", "cal@example.org", "member", "active", 1);
  OK (st->ops->account_insert (st, &doc, &err));
  FAILS (MT_ERR_NOT_FOUND, st->ops->account_find_by_calendar_token (st, "h1", &out, &err));
  assert_true (bson_empty (&out));
  bson_destroy (&out);

  /* Set. */
  mt_conf_with_hash (&doc, "h1", &changed);
  OK (st->ops->account_update (st, acc, 1, &changed, &err));
  bson_destroy (&changed);
  OK (st->ops->account_find_by_calendar_token (st, "h1", &out, &err));
  assert_string_equal (mt_conf_str (&out, "id"), acc);
  assert_int_equal (mt_conf_version (&out), 2);
  bson_destroy (&out);
  /* Matched exactly. */
  FAILS (MT_ERR_NOT_FOUND, st->ops->account_find_by_calendar_token (st, "H1", &out, &err));
  bson_destroy (&out);
  FAILS (MT_ERR_NOT_FOUND, st->ops->account_find_by_calendar_token (st, "h", &out, &err));
  bson_destroy (&out);

  /* Another account cannot take the same hash, by insert or by update. */
  mt_conf_account (&doc2, acc2, "mem_y", "other@example.org", "member", "active", 2);
  mt_conf_with_hash (&doc2, "h1", &changed);
  FAILS (MT_ERR_DUPLICATE, st->ops->account_insert (st, &changed, &err));
  bson_destroy (&changed);
  FAILS (MT_ERR_NOT_FOUND, st->ops->account_get (st, acc2, &out, &err));
  bson_destroy (&out);
  mt_conf_with_hash (&doc2, "h2", &changed);
  OK (st->ops->account_insert (st, &changed, &err));
  bson_destroy (&changed);
  mt_conf_with_hash (&doc2, "h1", &changed);
  FAILS (MT_ERR_DUPLICATE, st->ops->account_update (st, acc2, 1, &changed, &err));
  bson_destroy (&changed);
  OK (st->ops->account_find_by_calendar_token (st, "h2", &out, &err));
  assert_string_equal (mt_conf_str (&out, "id"), acc2);
  assert_int_equal (mt_conf_version (&out), 1);
  bson_destroy (&out);

  /* Change: the old hash finds nothing any more, and is free again. */
  mt_conf_with_hash (&doc, "h3", &changed);
  OK (st->ops->account_update (st, acc, 2, &changed, &err));
  bson_destroy (&changed);
  FAILS (MT_ERR_NOT_FOUND, st->ops->account_find_by_calendar_token (st, "h1", &out, &err));
  bson_destroy (&out);
  OK (st->ops->account_find_by_calendar_token (st, "h3", &out, &err));
  assert_string_equal (mt_conf_str (&out, "id"), acc);
  bson_destroy (&out);

  /* Remove (revocation): not found; accounts without a hash do not collide with each other. */
  mt_conf_with_hash (&doc, NULL, &changed);
  OK (st->ops->account_update (st, acc, 3, &changed, &err));
  bson_destroy (&changed);
  mt_conf_with_hash (&doc2, NULL, &changed);
  OK (st->ops->account_update (st, acc2, 1, &changed, &err));
  bson_destroy (&changed);
  FAILS (MT_ERR_NOT_FOUND, st->ops->account_find_by_calendar_token (st, "h3", &out, &err));
  bson_destroy (&out);
  FAILS (MT_ERR_NOT_FOUND, st->ops->account_find_by_calendar_token (st, "h2", &out, &err));
  bson_destroy (&out);
  mt_conf_with_hash (&doc2, "h1", &changed);
  OK (st->ops->account_update (st, acc2, 2, &changed, &err));
  bson_destroy (&changed);
  OK (st->ops->account_find_by_calendar_token (st, "h1", &out, &err));
  assert_string_equal (mt_conf_str (&out, "id"), acc2);
  bson_destroy (&out);

  /* A hash of the wrong type is a bad document. */
  bson_init (&changed);
  bson_copy_to_excluding_noinit (&doc, &changed, "calendar_token_hash", NULL);
  BSON_APPEND_INT32 (&changed, "calendar_token_hash", 7);
  FAILS (MT_ERR_INTERNAL, st->ops->account_update (st, acc, 4, &changed, &err));
  bson_destroy (&changed);
  bson_destroy (&doc2);
  bson_destroy (&doc);
  OK (st->ops->check_integrity (st, &err));
}

/* ---- calendar_list ------------------------------------------------------------------------ */

typedef struct {
  size_t added;
  char listings[16][MT_ID_SIZE];
} mt_conf_calendar_adder_t;

/* Between pages: a listing with a calendar (anywhere in the order: ids are random). */
static void
mt_conf_add_calendar (mt_store_t *st, void *ctx, int page)
{
  mt_conf_calendar_adder_t *adder = ctx;
  bson_t cal;

  if (adder->added < 16) {
    char *listing = adder->listings[adder->added++];

    mt_conf_insert_listing (st, listing,
                            &(mt_conf_listing_t){ .owner = "mem_x", .title = "Ajout" });
    mt_conf_calendar (&cal, listing, 0, "res_new");
    OK (st->ops->calendar_put (st, listing, 0, &cal, &err));
    bson_destroy (&cal);
  }
}

static int
mt_conf_strcmp (const void *a, const void *b)
{
  return strcmp (a, b);
}

static void
calendar_list_pages_by_listing (void **state)
{
  enum { N = 9 };
  mt_store_t *st = STORE (state);
  mt_conf_list_t l = { .kind = MT_CONF_CALENDARS, .label = "listing_id" };
  static mt_conf_row_t rows[MT_CONF_ROWS_MAX];
  char listings[N][MT_ID_SIZE], bare[MT_ID_SIZE];
  mt_conf_calendar_adder_t adder;
  bson_t cal, out;
  uint32_t limit;
  size_t n, k, i;
  int seen;

  n = mt_conf_collect (st, &l, 3, rows, NULL, NULL);
  assert_int_equal (n, 0);
  mt_conf_assert_bad_windows (st, &l);

  for (k = 0; k < N; k++) {
    mt_conf_insert_listing (st, listings[k],
                            &(mt_conf_listing_t){ .owner = "mem_x", .title = "Calendrier" });
    mt_conf_calendar (&cal, listings[k], 0, "res_a");
    OK (st->ops->calendar_put (st, listings[k], 0, &cal, &err));
    bson_destroy (&cal);
  }
  /* A listing without a calendar is not listed. */
  mt_conf_insert_listing (st, bare, &(mt_conf_listing_t){ .owner = "mem_x", .title = "Nu" });
  qsort (listings, N, sizeof listings[0], mt_conf_strcmp);

  for (limit = 1; limit <= 4; limit++) {
    n = mt_conf_collect (st, &l, limit, rows, NULL, NULL);
    assert_int_equal (n, N);
    for (k = 0; k < N; k++) {
      assert_string_equal (rows[k].id, listings[k]);
    }
  }
  /* Whole documents, as calendar_get gives them. */
  {
    mt_store_page_t page;
    bson_t item;

    OK (st->ops->calendar_list (st, NULL, 1, &page, &err));
    assert_int_equal (page.count, 1);
    mt_conf_page_item (&page, 0, &item);
    OK (st->ops->calendar_get (st, listings[0], &out, &err));
    mt_conf_assert_same_bytes (&out, &item);
    bson_destroy (&out);
    mt_store_page_destroy (&page);
  }

  /* Calendars added between pages: every earlier one exactly once, in order. */
  memset (&adder, 0, sizeof adder);
  n = mt_conf_collect (st, &l, 2, rows, mt_conf_add_calendar, &adder);
  for (i = 1; i < n; i++) {
    assert_true (strcmp (rows[i - 1].id, rows[i].id) < 0);
  }
  for (k = 0; k < N; k++) {
    for (seen = 0, i = 0; i < n; i++) {
      seen += strcmp (rows[i].id, listings[k]) == 0;
    }
    assert_int_equal (seen, 1);
  }
  for (i = 0; i < n; i++) {
    assert_string_not_equal (rows[i].id, bare);
  }
  /* A deleted listing takes its calendar along. */
  OK (st->ops->listing_delete (st, listings[0], 1, &err));
  n = mt_conf_collect (st, &l, 100, rows, NULL, NULL);
  assert_int_equal (n, N - 1 + adder.added);
  OK (st->ops->check_integrity (st, &err));
}

/* ---- Service bookings ----------------------------------------------------------------------- */

static void
booking_round_trips_and_forces_version_1 (void **state)
{
  mt_store_t *st = STORE (state);
  mt_conf_booking_t b = { .label = "b",
                          .listing = "lst_s",
                          .requester = "mem_r",
                          .provider = "mem_p",
                          .status = "requested",
                          .start = 1781258400000,
                          .created_at = 1780000000000 };
  char id[MT_ID_SIZE], id2[MT_ID_SIZE];
  bson_t doc, other, out, versioned;

  mt_conf_new_id ("bkg", id);
  mt_conf_booking (&doc, id, &b);
  OK (st->ops->booking_insert (st, &doc, &err));
  OK (st->ops->booking_get (st, id, &out, &err));
  mt_conf_assert_same_bytes (&doc, &out);
  bson_destroy (&out);
  /* The same id again, whatever the rest: DUPLICATE and the first is kept. */
  b.status = "accepted";
  mt_conf_booking (&other, id, &b);
  FAILS (MT_ERR_DUPLICATE, st->ops->booking_insert (st, &other, &err));
  bson_destroy (&other);
  OK (st->ops->booking_get (st, id, &out, &err));
  mt_conf_assert_same_bytes (&doc, &out);
  bson_destroy (&out);
  bson_destroy (&doc);

  /* Another version becomes 1. */
  mt_conf_new_id ("bkg", id2);
  mt_conf_booking (&doc, id2, &b);
  bson_init (&versioned);
  bson_copy_to_excluding_noinit (&doc, &versioned, "version", NULL);
  BSON_APPEND_INT64 (&versioned, "version", 42);
  OK (st->ops->booking_insert (st, &versioned, &err));
  OK (st->ops->booking_get (st, id2, &out, &err));
  assert_int_equal (mt_conf_version (&out), 1);
  assert_string_equal (mt_conf_str (&out, "status"), "accepted");
  bson_destroy (&out);
  bson_destroy (&versioned);
  bson_destroy (&doc);

  FAILS (MT_ERR_NOT_FOUND, st->ops->booking_get (st, "bkg_AAAAAAAAAAAAAAAAAAAAAA", &out, &err));
  assert_true (bson_empty (&out));
  bson_destroy (&out);
  OK (st->ops->check_integrity (st, &err));
}

static void
booking_update_compare_and_set (void **state)
{
  mt_store_t *st = STORE (state);
  mt_conf_booking_t b = { .label = "b",
                          .listing = "lst_s",
                          .requester = "mem_r",
                          .provider = "mem_p",
                          .status = "requested",
                          .start = 100,
                          .created_at = 10 };
  char id[MT_ID_SIZE], other[MT_ID_SIZE];
  bson_t doc, out;

  mt_conf_new_id ("bkg", id);
  mt_conf_new_id ("bkg", other);
  mt_conf_booking (&doc, id, &b);
  OK (st->ops->booking_insert (st, &doc, &err));
  bson_destroy (&doc);

  b.status = "accepted";
  mt_conf_booking (&doc, id, &b);
  OK (st->ops->booking_update (st, id, 1, &doc, &err));
  bson_destroy (&doc);
  /* A stale version changes nothing. */
  b.status = "cancelled";
  mt_conf_booking (&doc, id, &b);
  FAILS (MT_ERR_STALE, st->ops->booking_update (st, id, 1, &doc, &err));
  FAILS (MT_ERR_STALE, st->ops->booking_update (st, id, 3, &doc, &err));
  bson_destroy (&doc);
  mt_conf_booking (&doc, other, &b);
  FAILS (MT_ERR_NOT_FOUND, st->ops->booking_update (st, other, 1, &doc, &err));
  bson_destroy (&doc);
  OK (st->ops->booking_get (st, id, &out, &err));
  assert_int_equal (mt_conf_version (&out), 2);
  assert_string_equal (mt_conf_str (&out, "status"), "accepted");
  /* What was read is written back with version + 1. */
  OK (st->ops->booking_update (st, id, 2, &out, &err));
  bson_destroy (&out);
  OK (st->ops->booking_get (st, id, &out, &err));
  assert_int_equal (mt_conf_version (&out), 3);
  bson_destroy (&out);
  OK (st->ops->check_integrity (st, &err));
}

/*
 * Five bookings, by created_at:
 *   b1 1000  lst_1 mem_r1 mem_p1 requested  start 10000
 *   b2 2000  lst_1 mem_r2 mem_p1 accepted   start 20000
 *   b3 3000  lst_2 mem_r1 mem_p2 completed  start 15000 completed 16000
 *   b4 4000  lst_2 mem_r3 mem_p2 completed  start  1000 completed  2500
 *   b5 5000  lst_3 mem_r2 mem_p2 cancelled  (no start)
 */
static void
mt_conf_bookings (mt_store_t *st, char ids[5][MT_ID_SIZE])
{
  const mt_conf_booking_t bs[5] = {
    { "b1", "lst_1", "mem_r1", "mem_p1", "requested", 10000, 0, 1000 },
    { "b2", "lst_1", "mem_r2", "mem_p1", "accepted", 20000, 0, 2000 },
    { "b3", "lst_2", "mem_r1", "mem_p2", "completed", 15000, 16000, 3000 },
    { "b4", "lst_2", "mem_r3", "mem_p2", "completed", 1000, 2500, 4000 },
    { "b5", "lst_3", "mem_r2", "mem_p2", "cancelled", 0, 0, 5000 },
  };
  bson_t doc;
  size_t i;

  for (i = 0; i < 5; i++) {
    mt_conf_new_id ("bkg", ids[i]);
    mt_conf_booking (&doc, ids[i], &bs[i]);
    OK (st->ops->booking_insert (st, &doc, &err));
    bson_destroy (&doc);
  }
}

#define BKG_LIST(...)                                                                              \
  (&(mt_conf_list_t){ .kind = MT_CONF_BOOKINGS, .booking = { __VA_ARGS__ }, .label = "message" })

static void
booking_list_filters (void **state)
{
  mt_store_t *st = STORE (state);
  const char *open[] = { "requested", "accepted", NULL };
  const char *completed[] = { "completed", NULL };
  const char *none[] = { NULL };
  const char *unknown[] = { "lost", NULL };
  const char *too_many[18];
  char ids[5][MT_ID_SIZE];
  mt_store_page_t page;
  bson_t doc, changed;
  size_t i;

  LIST_GIVES (st, BKG_LIST (.limit = 0), "");
  mt_conf_bookings (st, ids);

  LIST_GIVES (st, BKG_LIST (.limit = 0), "b5|b4|b3|b2|b1");
  LIST_GIVES (st, BKG_LIST (.listing_id = "lst_1"), "b2|b1");
  LIST_GIVES (st, BKG_LIST (.listing_id = "lst_9"), "");
  LIST_GIVES (st, BKG_LIST (.requester_member_id = "mem_r1"), "b3|b1");
  LIST_GIVES (st, BKG_LIST (.provider_member_id = "mem_p2"), "b5|b4|b3");
  LIST_GIVES (st, BKG_LIST (.statuses = open), "b2|b1");
  LIST_GIVES (st, BKG_LIST (.statuses = unknown), "");
  LIST_GIVES (st, BKG_LIST (.statuses = none), "");
  LIST_GIVES (st, BKG_LIST (.requester_member_id = "mem_r2", .provider_member_id = "mem_p2"), "b5");
  /* Due fields: inclusive, and a booking without the date is never due. */
  LIST_GIVES (st, BKG_LIST (.due = MT_BOOKING_DUE_START, .due_before = 15000), "b4|b3|b1");
  LIST_GIVES (st, BKG_LIST (.due = MT_BOOKING_DUE_START, .due_before = 14999), "b4|b1");
  LIST_GIVES (st, BKG_LIST (.due = MT_BOOKING_DUE_START, .due_before = INT64_MAX), "b4|b3|b2|b1");
  LIST_GIVES (st, BKG_LIST (.due = MT_BOOKING_DUE_COMPLETED, .due_before = 2500), "b4");
  LIST_GIVES (st, BKG_LIST (.due = MT_BOOKING_DUE_COMPLETED, .due_before = 2499), "");
  LIST_GIVES (st, BKG_LIST (.due = MT_BOOKING_DUE_COMPLETED, .due_before = INT64_MAX), "b4|b3");
  LIST_GIVES (st, BKG_LIST (.due = MT_BOOKING_DUE_CREATED, .due_before = 2000), "b2|b1");
  LIST_GIVES (st, BKG_LIST (.due = MT_BOOKING_DUE_NONE, .due_before = 0), "b5|b4|b3|b2|b1");
  /* Everything at once. */
  LIST_GIVES (st,
              BKG_LIST (.listing_id = "lst_2", .requester_member_id = "mem_r1",
                        .provider_member_id = "mem_p2", .statuses = completed,
                        .due = MT_BOOKING_DUE_COMPLETED, .due_before = 16000),
              "b3");
  LIST_GIVES (st,
              BKG_LIST (.provider_member_id = "mem_p2", .statuses = completed,
                        .due = MT_BOOKING_DUE_COMPLETED, .due_before = 15999),
              "b4");

  /* More than 16 statuses is refused. */
  for (i = 0; i < 17; i++) {
    too_many[i] = "requested";
  }
  too_many[17] = NULL;
  FAILS (MT_ERR_BAD_REQUEST,
         mt_conf_list_page (st, BKG_LIST (.statuses = too_many), NULL, 10, &page));
  mt_store_page_destroy (&page);
  FAILS (MT_ERR_BAD_REQUEST, st->ops->booking_list (st, NULL, &page, &err));
  mt_store_page_destroy (&page);
  mt_conf_assert_bad_windows (st, BKG_LIST (.limit = 0));

  /* Filters follow updates: b1 requested -> completed at 3000, its start moved. */
  OK (st->ops->booking_get (st, ids[0], &doc, &err));
  bson_init (&changed);
  bson_copy_to_excluding_noinit (&doc, &changed, "status", "start", NULL);
  BSON_APPEND_UTF8 (&changed, "status", "completed");
  BSON_APPEND_DATE_TIME (&changed, "start", 99000);
  BSON_APPEND_DATE_TIME (&changed, "completed_at", 3000);
  OK (st->ops->booking_update (st, ids[0], 1, &changed, &err));
  bson_destroy (&changed);
  bson_destroy (&doc);
  LIST_GIVES (st, BKG_LIST (.statuses = open), "b2");
  LIST_GIVES (st, BKG_LIST (.statuses = completed), "b4|b3|b1");
  LIST_GIVES (st, BKG_LIST (.due = MT_BOOKING_DUE_COMPLETED, .due_before = 3000), "b4|b1");
  LIST_GIVES (st, BKG_LIST (.due = MT_BOOKING_DUE_START, .due_before = 15000), "b4|b3");
  /* The order is created_at's: an update does not move a booking. */
  LIST_GIVES (st, BKG_LIST (.listing_id = "lst_1"), "b2|b1");
  OK (st->ops->check_integrity (st, &err));
}

static void
booking_records_and_duplicates (void **state)
{
  mt_conf_records (STORE (state), MT_CONF_BOOKINGS);
}

static void
booking_list_pages_exactly_once (void **state)
{
  mt_conf_records_page_exactly_once (STORE (state), MT_CONF_BOOKINGS, "mem_p");
}

/* ---- Needs and their answers ---------------------------------------------------------------- */

static void
need_round_trips_and_compare_and_set (void **state)
{
  mt_store_t *st = STORE (state);
  mt_conf_listing_t l = { .owner = "mem_author",
                          .title = "Cherche une remorque",
                          .description = "Pour un déménagement.",
                          .tags = "remorque",
                          .created_at = 1000 };
  char id[MT_ID_SIZE], other[MT_ID_SIZE];
  bson_t doc, again, versioned, out, closed;
  mt_store_listing_query_t q = { .any_visibility = true, .limit = 10 };

  mt_conf_needs = true;
  mt_conf_new_id ("ned", id);
  mt_conf_new_id ("ned", other);
  mt_conf_listing (&doc, id, &l);
  OK (st->ops->need_insert (st, &doc, &err));
  OK (st->ops->need_get (st, id, &out, &err));
  mt_conf_assert_same_bytes (&doc, &out);
  bson_destroy (&out);
  /* The same id again: DUPLICATE, the first kept (and still the only one found). */
  l.title = "Cherche un camion";
  mt_conf_listing (&again, id, &l);
  FAILS (MT_ERR_DUPLICATE, st->ops->need_insert (st, &again, &err));
  bson_destroy (&again);
  OK (st->ops->need_get (st, id, &out, &err));
  mt_conf_assert_same_bytes (&doc, &out);
  bson_destroy (&out);
  q.terms = (const char *[]){ "camion", NULL };
  SEARCH_GIVES (st, &q, "");
  q.terms = (const char *[]){ "remorque", NULL };
  SEARCH_GIVES (st, &q, "Cherche une remorque");

  /* Another version becomes 1. */
  mt_conf_listing (&again, other, &l);
  bson_init (&versioned);
  bson_copy_to_excluding_noinit (&again, &versioned, "version", NULL);
  BSON_APPEND_INT64 (&versioned, "version", 42);
  OK (st->ops->need_insert (st, &versioned, &err));
  OK (st->ops->need_get (st, other, &out, &err));
  assert_int_equal (mt_conf_version (&out), 1);
  bson_destroy (&out);
  bson_destroy (&versioned);
  bson_destroy (&again);
  FAILS (MT_ERR_NOT_FOUND, st->ops->need_get (st, "ned_AAAAAAAAAAAAAAAAAAAAAA", &out, &err));
  assert_true (bson_empty (&out));
  bson_destroy (&out);

  /* Compare-and-set: closing it; a stale version changes nothing. */
  bson_init (&closed);
  bson_copy_to_excluding_noinit (&doc, &closed, "status", NULL);
  BSON_APPEND_UTF8 (&closed, "status", "closed");
  OK (st->ops->need_update (st, id, 1, &closed, &err));
  FAILS (MT_ERR_STALE, st->ops->need_update (st, id, 1, &doc, &err));
  FAILS (MT_ERR_STALE, st->ops->need_update (st, id, 3, &doc, &err));
  bson_destroy (&closed);
  mt_conf_listing (&closed, "ned_AAAAAAAAAAAAAAAAAAAAAA", &l);
  FAILS (MT_ERR_NOT_FOUND,
         st->ops->need_update (st, "ned_AAAAAAAAAAAAAAAAAAAAAA", 1, &closed, &err));
  bson_destroy (&closed);
  bson_destroy (&doc);
  OK (st->ops->need_get (st, id, &out, &err));
  assert_int_equal (mt_conf_version (&out), 2);
  assert_string_equal (mt_conf_str (&out, "status"), "closed");
  bson_destroy (&out);
  q.terms = NULL;
  q.statuses = (const char *[]){ "closed", NULL };
  SEARCH_GIVES (st, &q, "Cherche une remorque");
  q.statuses = (const char *[]){ "open", NULL };
  SEARCH_GIVES (st, &q, "Cherche un camion");
  OK (st->ops->check_integrity (st, &err));
}

static void
need_search_text_ignores_case_and_accents (void **state)
{
  mt_conf_needs = true;
  search_text_ignores_case_and_accents (state);
}

static void
need_search_text_prefixes_and_fields (void **state)
{
  mt_conf_needs = true;
  search_text_prefixes_and_fields (state);
}

/* The catalogue as needs: "published" ones are "open", the others "closed". */
static void
need_search_filters_and_status (void **state)
{
  mt_store_t *st = STORE (state);
  mt_store_listing_query_t q = { .any_visibility = true, .limit = 2 };
  mt_conf_catalogue_t c;
  bson_t doc, closed;

  mt_conf_needs = true;
  mt_conf_catalogue (st, &c);
  q.statuses = (const char *[]){ "open", NULL };
  SEARCH_GIVES (st, &q, "Animation de réunion|Tentes de réception|Vélo cargo biporteur");
  q.statuses = (const char *[]){ "closed", NULL };
  SEARCH_GIVES (st, &q, "Sono portable|velo de ville|Scie sauteuse");
  q.statuses = (const char *[]){ NULL };
  SEARCH_GIVES (st, &q, "");
  q.statuses = NULL;
  q.kind = "service";
  SEARCH_GIVES (st, &q, "Animation de réunion");
  q.kind = NULL;
  q.category = "velos";
  SEARCH_GIVES (st, &q, "velo de ville|Vélo cargo biporteur");
  q.category = NULL;
  q.departement = "62";
  SEARCH_GIVES (st, &q, "Sono portable|Tentes de réception");
  q.departement = NULL;
  q.owner_id = c.mem[1];
  SEARCH_GIVES (st, &q, "velo de ville|Tentes de réception");
  q.owner_id = NULL;
  q.network_id = c.mres;
  SEARCH_GIVES (st, &q, "velo de ville|Scie sauteuse|Tentes de réception");
  q.network_id = NULL;
  /* Visibility: public ones, one's own, and those of members of one's networks. */
  q.any_visibility = false;
  SEARCH_GIVES (st, &q, "Sono portable|Animation de réunion|Vélo cargo biporteur");
  q.own_member_id = c.mem[2];
  SEARCH_GIVES (st, &q, "Sono portable|Animation de réunion|Scie sauteuse|Vélo cargo biporteur");
  q.own_member_id = NULL;
  q.visible_networks = (const char *[]){ c.apes, NULL };
  SEARCH_GIVES (st, &q,
                "Sono portable|velo de ville|Animation de réunion|Tentes de réception|"
                "Vélo cargo biporteur");
  /* Together, with terms. */
  q.statuses = (const char *[]){ "open", NULL };
  q.terms = (const char *[]){ "velo", NULL };
  SEARCH_GIVES (st, &q, "Vélo cargo biporteur");

  /* The status follows updates. */
  OK (st->ops->need_get (st, c.lst[1], &doc, &err));
  bson_init (&closed);
  bson_copy_to_excluding_noinit (&doc, &closed, "status", NULL);
  BSON_APPEND_UTF8 (&closed, "status", "closed");
  OK (st->ops->need_update (st, c.lst[1], 1, &closed, &err));
  bson_destroy (&closed);
  bson_destroy (&doc);
  q.terms = NULL;
  q.visible_networks = NULL;
  q.any_visibility = true;
  SEARCH_GIVES (st, &q, "Animation de réunion|Vélo cargo biporteur");
  OK (st->ops->check_integrity (st, &err));
}

static void
need_search_orders_by_recency_then_id (void **state)
{
  mt_conf_needs = true;
  search_orders_by_recency_then_id (state);
}

static void
need_search_orders_by_relevance (void **state)
{
  mt_conf_needs = true;
  search_orders_by_relevance (state);
}

static void
need_search_hostile_terms_never_fail (void **state)
{
  mt_conf_needs = true;
  search_hostile_terms_never_fail (state);
}

static void
need_search_pages_exactly_once_by_recency (void **state)
{
  mt_conf_needs = true;
  mt_conf_pages_exactly_once (STORE (state), MT_LISTING_SORT_RECENT, false);
}

static void
need_search_pages_exactly_once_by_relevance (void **state)
{
  mt_conf_needs = true;
  mt_conf_pages_exactly_once (STORE (state), MT_LISTING_SORT_RELEVANCE, true);
}

static void
need_search_rejects_bad_cursor_and_limit (void **state)
{
  mt_conf_needs = true;
  search_rejects_bad_cursor_and_limit (state);
}

static void
need_answer_insert_and_list_oldest_first (void **state)
{
  mt_conf_records (STORE (state), MT_CONF_NEED_ANSWERS);
}

static void
need_answer_list_pages_exactly_once (void **state)
{
  mt_conf_records_page_exactly_once (STORE (state), MT_CONF_NEED_ANSWERS, "ned_p");
}

/* ---- Credits ledger ------------------------------------------------------------------------- */

static int64_t
mt_conf_balance (mt_store_t *st, const char *member)
{
  int64_t balance = INT64_MIN;

  OK (st->ops->ledger_balance (st, member, &balance, &err));
  return balance;
}

/* Asserts the ledger's sum is 0 over @entries entries. */
static void
mt_conf_assert_sum (mt_store_t *st, int64_t entries)
{
  int64_t sum = -1, count = -1;

  OK (st->ops->ledger_sum (st, &sum, &count, &err));
  assert_int_equal (sum, 0);
  assert_int_equal (count, entries);
}

static bool
mt_conf_append (mt_store_t *st, const char *id, const char *from, const char *to, int64_t amount,
                bool check_floor, int64_t floor, int64_t at)
{
  bson_t doc;
  bool ok;

  mt_conf_entry (&doc, id, from, to, amount, id, at);
  ok = st->ops->ledger_append (st, &doc, check_floor, floor, &err);
  bson_destroy (&doc);
  return ok;
}

#define LEDGER_LIST(member)                                                                        \
  (&(mt_conf_list_t){ .kind = MT_CONF_LEDGER, .owner = (member), .label = "reason" })

static void
ledger_get_round_trips_and_misses (void **state)
{
  mt_store_t *st = STORE (state);
  bson_t doc, out;

  FAILS (MT_ERR_NOT_FOUND, st->ops->ledger_get (st, "grant_none", &out, &err));
  assert_true (bson_empty (&out));
  bson_destroy (&out);
  FAILS (MT_ERR_NOT_FOUND, st->ops->ledger_get (st, NULL, &out, &err));
  bson_destroy (&out);
  mt_conf_entry (&doc, "grant_1", "system", "mem_a", 7, "bienvenue", 1000);
  OK (st->ops->ledger_append (st, &doc, false, 0, &err));
  OK (st->ops->ledger_get (st, "grant_1", &out, &err));
  mt_conf_assert_same_bytes (&doc, &out);
  assert_int_equal (mt_conf_version (&out), -1);
  bson_destroy (&out);
  bson_destroy (&doc);
  FAILS (MT_ERR_NOT_FOUND, st->ops->ledger_get (st, "grant_2", &out, &err));
  bson_destroy (&out);
  OK (st->ops->check_integrity (st, &err));
}

static void
ledger_records_and_duplicates (void **state)
{
  mt_conf_records (STORE (state), MT_CONF_LEDGER);
}

static void
ledger_list_pages_exactly_once (void **state)
{
  mt_conf_records_page_exactly_once (STORE (state), MT_CONF_LEDGER, "mem_p");
}

/*
 * Balances are received - sent; the floor check and the append are one step: a transfer that
 * would cross the floor is UNPROCESSABLE and writes nothing; reaching it exactly passes; with
 * check_floor false it is ignored; a duplicate id changes nothing; the sum stays 0.
 */
static void
ledger_balance_floor_and_sum (void **state)
{
  mt_store_t *st = STORE (state);
  bson_t before, out;

  /* Empty: every balance 0, sum 0 over 0 entries. */
  assert_int_equal (mt_conf_balance (st, "mem_a"), 0);
  assert_int_equal (mt_conf_balance (st, "system"), 0);
  mt_conf_assert_sum (st, 0);

  /* A grant: the system may go below any floor when not checked. */
  OK (mt_conf_append (st, "g1", "system", "mem_a", 10, false, 0, 1000));
  assert_int_equal (mt_conf_balance (st, "mem_a"), 10);
  assert_int_equal (mt_conf_balance (st, "system"), -10);
  mt_conf_assert_sum (st, 1);

  /* Crossing the floor: refused, nothing written anywhere. */
  FAILS (MT_ERR_UNPROCESSABLE, mt_conf_append (st, "t1", "mem_a", "mem_b", 11, true, 0, 2000));
  assert_int_equal (mt_conf_balance (st, "mem_a"), 10);
  assert_int_equal (mt_conf_balance (st, "mem_b"), 0);
  mt_conf_assert_sum (st, 1);
  FAILS (MT_ERR_NOT_FOUND, st->ops->ledger_get (st, "t1", &out, &err));
  bson_destroy (&out);
  LIST_GIVES (st, LEDGER_LIST ("mem_a"), "g1");
  LIST_GIVES (st, LEDGER_LIST ("mem_b"), "");

  /* Reaching the floor exactly passes; then one more is refused. */
  OK (mt_conf_append (st, "t2", "mem_a", "mem_b", 10, true, 0, 3000));
  assert_int_equal (mt_conf_balance (st, "mem_a"), 0);
  assert_int_equal (mt_conf_balance (st, "mem_b"), 10);
  FAILS (MT_ERR_UNPROCESSABLE, mt_conf_append (st, "t3", "mem_a", "mem_b", 1, true, 0, 4000));
  /* A negative floor allows a debt down to it. */
  OK (mt_conf_append (st, "t4", "mem_a", "mem_b", 5, true, -5, 5000));
  FAILS (MT_ERR_UNPROCESSABLE, mt_conf_append (st, "t5", "mem_a", "mem_b", 1, true, -5, 6000));
  assert_int_equal (mt_conf_balance (st, "mem_a"), -5);
  /* check_floor false ignores the floor. */
  OK (mt_conf_append (st, "t6", "mem_a", "mem_c", 100, false, 0, 7000));
  assert_int_equal (mt_conf_balance (st, "mem_a"), -105);
  assert_int_equal (mt_conf_balance (st, "mem_c"), 100);
  mt_conf_assert_sum (st, 4);

  /* A duplicate id changes nothing, even one the floor would refuse. */
  OK (st->ops->ledger_get (st, "t2", &before, &err));
  FAILS (MT_ERR_DUPLICATE, mt_conf_append (st, "t2", "mem_c", "mem_b", 50, true, 0, 8000));
  FAILS (MT_ERR_DUPLICATE, mt_conf_append (st, "t2", "mem_a", "mem_b", 1, true, 0, 8000));
  OK (st->ops->ledger_get (st, "t2", &out, &err));
  mt_conf_assert_same_bytes (&before, &out);
  bson_destroy (&out);
  bson_destroy (&before);
  assert_int_equal (mt_conf_balance (st, "mem_a"), -105);
  assert_int_equal (mt_conf_balance (st, "mem_b"), 15);
  assert_int_equal (mt_conf_balance (st, "mem_c"), 100);
  mt_conf_assert_sum (st, 4);

  /* A refused id was never taken. */
  OK (mt_conf_append (st, "t1", "mem_c", "mem_a", 30, true, 0, 9000));
  assert_int_equal (mt_conf_balance (st, "mem_a"), -75);
  assert_int_equal (mt_conf_balance (st, "mem_c"), 70);
  mt_conf_assert_sum (st, 5);

  /* Each member's entries, sent or received, newest first. */
  LIST_GIVES (st, LEDGER_LIST ("mem_a"), "t1|t6|t4|t2|g1");
  LIST_GIVES (st, LEDGER_LIST ("mem_b"), "t4|t2");
  LIST_GIVES (st, LEDGER_LIST ("mem_c"), "t1|t6");
  LIST_GIVES (st, LEDGER_LIST ("system"), "g1");
  OK (st->ops->check_integrity (st, &err));
}

/* ---- Webhooks ------------------------------------------------------------------------------- */

static void
webhook_insert_get_list_delete (void **state)
{
  mt_store_t *st = STORE (state);
  mt_conf_list_t all = { .kind = MT_CONF_WEBHOOKS, .label = "url" };
  bson_t doc, other, out;

  LIST_GIVES (st, &all, "");
  mt_conf_webhook (&doc, "whk_2", "https://b.example.org/hook", 2000);
  OK (st->ops->webhook_insert (st, &doc, &err));
  OK (st->ops->webhook_get (st, "whk_2", &out, &err));
  mt_conf_assert_same_bytes (&doc, &out);
  bson_destroy (&out);
  /* The same id again: DUPLICATE, the first kept. */
  mt_conf_webhook (&other, "whk_2", "https://changed.example.org/hook", 500);
  FAILS (MT_ERR_DUPLICATE, st->ops->webhook_insert (st, &other, &err));
  bson_destroy (&other);
  OK (st->ops->webhook_get (st, "whk_2", &out, &err));
  mt_conf_assert_same_bytes (&doc, &out);
  bson_destroy (&out);
  bson_destroy (&doc);
  FAILS (MT_ERR_NOT_FOUND, st->ops->webhook_get (st, "whk_none", &out, &err));
  assert_true (bson_empty (&out));
  bson_destroy (&out);

  /* Listed by created_at, then id. */
  mt_conf_webhook (&doc, "whk_1", "https://a.example.org/hook", 2000);
  OK (st->ops->webhook_insert (st, &doc, &err));
  bson_destroy (&doc);
  mt_conf_webhook (&doc, "whk_3", "https://c.example.org/hook", 1000);
  OK (st->ops->webhook_insert (st, &doc, &err));
  bson_destroy (&doc);
  LIST_GIVES (st, &all,
              "https://c.example.org/hook|https://a.example.org/hook|https://b.example.org/hook");

  /* Delete: once, then NOT_FOUND; the others stay. */
  OK (st->ops->webhook_delete (st, "whk_1", &err));
  FAILS (MT_ERR_NOT_FOUND, st->ops->webhook_delete (st, "whk_1", &err));
  FAILS (MT_ERR_NOT_FOUND, st->ops->webhook_delete (st, "whk_none", &err));
  FAILS (MT_ERR_NOT_FOUND, st->ops->webhook_get (st, "whk_1", &out, &err));
  bson_destroy (&out);
  LIST_GIVES (st, &all, "https://c.example.org/hook|https://b.example.org/hook");
  mt_conf_assert_bad_windows (st, &all);
  OK (st->ops->check_integrity (st, &err));
}

static void
webhook_list_pages_exactly_once (void **state)
{
  mt_conf_records_page_exactly_once (STORE (state), MT_CONF_WEBHOOKS, NULL);
}

/* ---- Outbox --------------------------------------------------------------------------------- */

static void
outbox_round_trips_and_compare_and_set (void **state)
{
  mt_store_t *st = STORE (state);
  mt_conf_outbox_t o = { .label = "booking.requested", .webhook = "whk_1", .next_attempt_at = 10 };
  bson_t doc, other, versioned, out;

  mt_conf_outbox (&doc, "obx_1", &o);
  OK (st->ops->outbox_insert (st, &doc, &err));
  OK (st->ops->outbox_get (st, "obx_1", &out, &err));
  mt_conf_assert_same_bytes (&doc, &out);
  bson_destroy (&out);
  /* The same id again: DUPLICATE, the first kept. */
  o.status = "sent";
  mt_conf_outbox (&other, "obx_1", &o);
  FAILS (MT_ERR_DUPLICATE, st->ops->outbox_insert (st, &other, &err));
  bson_destroy (&other);
  OK (st->ops->outbox_get (st, "obx_1", &out, &err));
  mt_conf_assert_same_bytes (&doc, &out);
  bson_destroy (&out);
  /* Another version becomes 1. */
  mt_conf_outbox (&other, "obx_2", &o);
  bson_init (&versioned);
  bson_copy_to_excluding_noinit (&other, &versioned, "version", NULL);
  BSON_APPEND_INT64 (&versioned, "version", 42);
  bson_destroy (&other);
  OK (st->ops->outbox_insert (st, &versioned, &err));
  bson_destroy (&versioned);
  OK (st->ops->outbox_get (st, "obx_2", &out, &err));
  assert_int_equal (mt_conf_version (&out), 1);
  bson_destroy (&out);
  FAILS (MT_ERR_NOT_FOUND, st->ops->outbox_get (st, "obx_none", &out, &err));
  assert_true (bson_empty (&out));
  bson_destroy (&out);

  /* Compare-and-set: an attempt recorded; a stale version changes nothing. */
  o.status = "pending";
  o.attempts = 1;
  o.next_attempt_at = 70;
  mt_conf_outbox (&other, "obx_1", &o);
  OK (st->ops->outbox_update (st, "obx_1", 1, &other, &err));
  FAILS (MT_ERR_STALE, st->ops->outbox_update (st, "obx_1", 1, &doc, &err));
  FAILS (MT_ERR_STALE, st->ops->outbox_update (st, "obx_1", 3, &doc, &err));
  bson_destroy (&other);
  bson_destroy (&doc);
  mt_conf_outbox (&doc, "obx_none", &o);
  FAILS (MT_ERR_NOT_FOUND, st->ops->outbox_update (st, "obx_none", 1, &doc, &err));
  bson_destroy (&doc);
  OK (st->ops->outbox_get (st, "obx_1", &out, &err));
  assert_int_equal (mt_conf_version (&out), 2);
  assert_int_equal (mt_conf_date (&out, "next_attempt_at"), 70);
  bson_destroy (&out);
  OK (st->ops->check_integrity (st, &err));
}

#define OBX_LIST(...)                                                                              \
  (&(mt_conf_list_t){ .kind = MT_CONF_OUTBOX, .outbox = { __VA_ARGS__ }, .label = "event" })

/*
 * Five messages, by next_attempt_at (ties by id):
 *   o2 1000 webhook whk_1 pending
 *   o3 2000 webhook whk_2 failed
 *   o4 2000 email         sent
 *   o1 3000 email         pending
 *   o5 5000 webhook whk_1 pending
 */
static void
outbox_list_filters (void **state)
{
  mt_store_t *st = STORE (state);
  const mt_conf_outbox_t os[5] = {
    { "o1", NULL, "pending", 3000, 0 },    { "o2", "whk_1", "pending", 1000, 0 },
    { "o3", "whk_2", "failed", 2000, 3 },  { "o4", NULL, "sent", 2000, 1 },
    { "o5", "whk_1", "pending", 5000, 0 },
  };
  const char *pending[] = { "pending", NULL };
  const char *done[] = { "sent", "failed", NULL };
  const char *none[] = { NULL };
  char id[16];
  bson_t doc, changed;
  size_t i;

  LIST_GIVES (st, OBX_LIST (.kind = NULL), "");
  for (i = 0; i < 5; i++) {
    snprintf (id, sizeof id, "obx_%zu", i + 1);
    mt_conf_outbox (&doc, id, &os[i]);
    OK (st->ops->outbox_insert (st, &doc, &err));
    bson_destroy (&doc);
  }
  LIST_GIVES (st, OBX_LIST (.kind = NULL), "o2|o3|o4|o1|o5");
  LIST_GIVES (st, OBX_LIST (.kind = "email"), "o4|o1");
  LIST_GIVES (st, OBX_LIST (.kind = "webhook"), "o2|o3|o5");
  LIST_GIVES (st, OBX_LIST (.webhook_id = "whk_1"), "o2|o5");
  LIST_GIVES (st, OBX_LIST (.webhook_id = "whk_9"), "");
  LIST_GIVES (st, OBX_LIST (.statuses = pending), "o2|o1|o5");
  LIST_GIVES (st, OBX_LIST (.statuses = done), "o3|o4");
  LIST_GIVES (st, OBX_LIST (.statuses = none), "");
  /* due_before is inclusive; 0 is no bound. */
  LIST_GIVES (st, OBX_LIST (.due_before = 2000), "o2|o3|o4");
  LIST_GIVES (st, OBX_LIST (.due_before = 1999), "o2");
  LIST_GIVES (st, OBX_LIST (.due_before = 0), "o2|o3|o4|o1|o5");
  /* Together: what the sender asks. */
  LIST_GIVES (st, OBX_LIST (.statuses = pending, .due_before = 3000), "o2|o1");
  LIST_GIVES (
    st,
    OBX_LIST (.kind = "webhook", .webhook_id = "whk_1", .statuses = pending, .due_before = 1000),
    "o2");
  LIST_GIVES (st, OBX_LIST (.kind = "email", .webhook_id = "whk_1"), "");
  mt_conf_assert_bad_windows (st, OBX_LIST (.kind = NULL));

  /* Filters and order follow updates: o2 retried later, o1 sent. */
  OK (st->ops->outbox_get (st, "obx_2", &doc, &err));
  bson_init (&changed);
  bson_copy_to_excluding_noinit (&doc, &changed, "next_attempt_at", "attempts", NULL);
  BSON_APPEND_INT32 (&changed, "attempts", 1);
  BSON_APPEND_DATE_TIME (&changed, "next_attempt_at", 6000);
  OK (st->ops->outbox_update (st, "obx_2", 1, &changed, &err));
  bson_destroy (&changed);
  bson_destroy (&doc);
  OK (st->ops->outbox_get (st, "obx_1", &doc, &err));
  bson_init (&changed);
  bson_copy_to_excluding_noinit (&doc, &changed, "status", NULL);
  BSON_APPEND_UTF8 (&changed, "status", "sent");
  OK (st->ops->outbox_update (st, "obx_1", 1, &changed, &err));
  bson_destroy (&changed);
  bson_destroy (&doc);
  LIST_GIVES (st, OBX_LIST (.statuses = pending), "o5|o2");
  LIST_GIVES (st, OBX_LIST (.statuses = pending, .due_before = 5999), "o5");
  LIST_GIVES (st, OBX_LIST (.kind = NULL), "o3|o4|o1|o5|o2");
  OK (st->ops->check_integrity (st, &err));
}

static void
outbox_records_and_duplicates (void **state)
{
  mt_conf_records (STORE (state), MT_CONF_OUTBOX);
}

static void
outbox_list_pages_exactly_once (void **state)
{
  mt_conf_records_page_exactly_once (STORE (state), MT_CONF_OUTBOX, "whk_p");
}

/* ---- Notifications read ----------------------------------------------------------------------- */

/* The notification @id of @account as listed; fails when it is not listed. */
static void
mt_conf_listed_notification (mt_store_t *st, const char *account, const char *id, bson_t *out)
{
  mt_store_page_t page;
  bson_t item;
  uint32_t i;
  bool found = false;

  OK (st->ops->notification_list (st, account, NULL, 100, &page, &err));
  for (i = 0; i < page.count && !found; i++) {
    mt_conf_page_item (&page, i, &item);
    if (strcmp (mt_conf_str (&item, "id"), id) == 0) {
      bson_copy_to (&item, out);
      found = true;
    }
  }
  mt_store_page_destroy (&page);
  if (!found) {
    fail_msg ("notification %s of %s not listed", id, account);
  }
}

static void
notification_mark_read_own_only_once (void **state)
{
  mt_store_t *st = STORE (state);
  bson_t a, b, out, unread;

  mt_conf_notification (&a, "ntf_a", "acc_a", "for a", 1000);
  OK (st->ops->notification_insert (st, &a, &err));
  mt_conf_notification (&b, "ntf_b", "acc_b", "for b", 2000);
  OK (st->ops->notification_insert (st, &b, &err));

  /* Another account's, a missing one, NULLs: NOT_FOUND, and nothing changes. */
  FAILS (MT_ERR_NOT_FOUND, st->ops->notification_mark_read (st, "acc_b", "ntf_a", 5000, &err));
  FAILS (MT_ERR_NOT_FOUND, st->ops->notification_mark_read (st, "acc_a", "ntf_none", 5000, &err));
  FAILS (MT_ERR_NOT_FOUND, st->ops->notification_mark_read (st, NULL, "ntf_a", 5000, &err));
  FAILS (MT_ERR_NOT_FOUND, st->ops->notification_mark_read (st, "acc_a", NULL, 5000, &err));
  mt_conf_listed_notification (st, "acc_a", "ntf_a", &out);
  mt_conf_assert_same_bytes (&a, &out);
  bson_destroy (&out);

  /* One's own: read at that time, the rest as it was. */
  OK (st->ops->notification_mark_read (st, "acc_a", "ntf_a", 5000, &err));
  mt_conf_listed_notification (st, "acc_a", "ntf_a", &out);
  assert_int_equal (mt_conf_date (&out, "read_at"), 5000);
  bson_init (&unread);
  bson_copy_to_excluding_noinit (&out, &unread, "read_at", NULL);
  mt_conf_assert_same_bytes (&a, &unread);
  bson_destroy (&unread);
  bson_destroy (&out);
  /* Marking again succeeds and keeps the first time. */
  OK (st->ops->notification_mark_read (st, "acc_a", "ntf_a", 9000, &err));
  mt_conf_listed_notification (st, "acc_a", "ntf_a", &out);
  assert_int_equal (mt_conf_date (&out, "read_at"), 5000);
  bson_destroy (&out);
  /* The other account's notification is untouched. */
  mt_conf_listed_notification (st, "acc_b", "ntf_b", &out);
  mt_conf_assert_same_bytes (&b, &out);
  bson_destroy (&out);
  bson_destroy (&a);
  bson_destroy (&b);
  OK (st->ops->check_integrity (st, &err));
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

/* Spenders of one balance: threads with their own handles spending 1 credit at a time. */
#define MT_CONF_SPENDERS 6
#define MT_CONF_SPEND_BALANCE 60
#define MT_CONF_SPEND_TRIES 1000

typedef struct {
  mt_store_backend_t *backend;
  pthread_barrier_t *barrier;
  int number;
  bool opened;
  char open_error[MT_ERROR_MESSAGE_MAX];
  int spent;        /* appends that went through */
  bool refused;     /* ended on UNPROCESSABLE: the floor was reached */
  uint32_t unknown; /* an unexpected error code, 0 when none */
  char unknown_message[MT_ERROR_MESSAGE_MAX];
} mt_conf_spender_t;

/* One thread: spends 1 credit of "mem_spender" at a time until the floor (0) refuses it. */
static void *
mt_conf_spender_main (void *arg)
{
  mt_conf_spender_t *spender = arg;
  mt_error_t error;
  mt_store_t *st;
  char id[64], sink[32];
  bson_t doc;
  int tries;

  mt_error_clear (&error);
  st = mt_store_open (spender->backend, &error);
  spender->opened = st != NULL;
  snprintf (spender->open_error, sizeof spender->open_error, "%s", error.message);
  snprintf (sink, sizeof sink, "mem_sink_%d", spender->number);
  pthread_barrier_wait (spender->barrier);
  for (tries = 0; st && tries < MT_CONF_SPEND_TRIES && !spender->refused && !spender->unknown;
       tries++) {
    snprintf (id, sizeof id, "spend_%d_%d", spender->number, tries);
    mt_conf_entry (&doc, id, "mem_spender", sink, 1, "dépense", 1000 + tries);
    mt_error_clear (&error);
    if (st->ops->ledger_append (st, &doc, true, 0, &error)) {
      spender->spent++;
    } else if (error.code == MT_ERR_UNPROCESSABLE) {
      spender->refused = true;
    } else if (error.code != MT_ERR_UNAVAILABLE) {
      spender->unknown = error.code;
      snprintf (spender->unknown_message, sizeof spender->unknown_message, "%s", error.message);
    }
    bson_destroy (&doc);
  }
  mt_store_close (st);
  return NULL;
}

/*
 * Threads spending from one balance at once never cross the floor: together they spend it
 * exactly, each is finally refused, and the ledger sums to 0 with one entry per spending.
 */
static void
concurrent_ledger_spending_never_crosses_the_floor (void **state)
{
  mt_conf_fixture_t *fx = *state;
  mt_store_t *st = fx->store;
  mt_conf_spender_t spenders[MT_CONF_SPENDERS];
  pthread_t threads[MT_CONF_SPENDERS];
  pthread_barrier_t barrier;
  char sink[32];
  int i, spent = 0;

  OK (mt_conf_append (st, "grant_spender", "system", "mem_spender", MT_CONF_SPEND_BALANCE, false, 0,
                      500));
  assert_int_equal (pthread_barrier_init (&barrier, NULL, MT_CONF_SPENDERS), 0);
  for (i = 0; i < MT_CONF_SPENDERS; i++) {
    memset (&spenders[i], 0, sizeof spenders[i]);
    spenders[i].backend = fx->backend;
    spenders[i].barrier = &barrier;
    spenders[i].number = i;
    assert_int_equal (pthread_create (&threads[i], NULL, mt_conf_spender_main, &spenders[i]), 0);
  }
  for (i = 0; i < MT_CONF_SPENDERS; i++) {
    pthread_join (threads[i], NULL);
  }
  pthread_barrier_destroy (&barrier);

  for (i = 0; i < MT_CONF_SPENDERS; i++) {
    if (!spenders[i].opened) {
      fail_msg ("spender %d could not open a handle: %s", i, spenders[i].open_error);
    }
    if (spenders[i].unknown) {
      fail_msg ("spender %d: code %u: %s", i, spenders[i].unknown, spenders[i].unknown_message);
    }
    if (!spenders[i].refused) {
      fail_msg ("spender %d was never refused (%d spent)", i, spenders[i].spent);
    }
    snprintf (sink, sizeof sink, "mem_sink_%d", i);
    assert_int_equal (mt_conf_balance (st, sink), spenders[i].spent);
    spent += spenders[i].spent;
  }
  assert_int_equal (spent, MT_CONF_SPEND_BALANCE);
  assert_int_equal (mt_conf_balance (st, "mem_spender"), 0);
  mt_conf_assert_sum (st, 1 + MT_CONF_SPEND_BALANCE);
  OK (st->ops->check_integrity (st, &err));
}

/* ---- Units -------------------------------------------------------------------------------- */

/* Inside a unit every op keeps its contract (a failing op changes nothing and the unit goes
 * on); the commit makes the writes visible to another handle; units do not nest. */
static void
unit_ops_keep_their_contract_and_commit_shows_them (void **state)
{
  mt_store_t *st = STORE (state);
  mt_conf_reservation_t r = { .listing = "lst_unit", .status = "requested", .created_at = 1000 };
  mt_store_t *other;
  char id[MT_ID_SIZE], id2[MT_ID_SIZE];
  bson_t doc, out;

  other = mt_store_open (mt_conf_fixture.backend, &err);
  assert_non_null (other);
  OK (st->ops->unit_begin (st, &err));
  FAILS (MT_ERR_INTERNAL, st->ops->unit_begin (st, &err));

  mt_conf_new_id ("res", id);
  mt_conf_reservation (&doc, id, &r);
  OK (st->ops->reservation_insert (st, &doc, &err));
  FAILS (MT_ERR_DUPLICATE, st->ops->reservation_insert (st, &doc, &err));
  bson_destroy (&doc);
  OK (st->ops->reservation_get (st, id, &out, &err));
  assert_int_equal (mt_conf_version (&out), 1);
  OK (st->ops->reservation_update (st, id, 1, &out, &err));
  FAILS (MT_ERR_STALE, st->ops->reservation_update (st, id, 1, &out, &err));
  bson_destroy (&out);
  OK (st->ops->reservation_get (st, id, &out, &err));
  assert_int_equal (mt_conf_version (&out), 2);
  bson_destroy (&out);
  /* The unit goes on after the failed ops. */
  mt_conf_insert_reservation (st, id2, &r);
  OK (st->ops->unit_commit (st, &err));

  OK (other->ops->reservation_get (other, id, &out, &err));
  assert_int_equal (mt_conf_version (&out), 2);
  bson_destroy (&out);
  OK (other->ops->reservation_get (other, id2, &out, &err));
  assert_int_equal (mt_conf_version (&out), 1);
  bson_destroy (&out);

  /* Outside a unit: commit is INTERNAL, abort does nothing; a new unit can start. */
  FAILS (MT_ERR_INTERNAL, st->ops->unit_commit (st, &err));
  st->ops->unit_abort (st);
  OK (st->ops->unit_begin (st, &err));
  st->ops->unit_abort (st);
  OK (st->ops->reservation_get (st, id2, &out, &err));
  bson_destroy (&out);
  OK (st->ops->check_integrity (st, &err));
  mt_store_close (other);
}

/* ---- Runner ------------------------------------------------------------------------------- */

typedef struct {
  const char *name;
  CMUnitTestFunction fn;
} mt_conf_case_t;

static const mt_conf_case_t mt_conf_cases[] = {
  { "ping/succeeds", ping_succeeds },
  { "unit/ops_keep_their_contract_and_commit_shows_them",
    unit_ops_keep_their_contract_and_commit_shows_them },
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
  { "listing/insert/round_trips_and_forces_version_1", listing_round_trips_and_forces_version_1 },
  { "listing/insert/duplicate_and_bad_documents", listing_duplicate_and_bad_documents },
  { "listing/update/compare_and_set", listing_update_compare_and_set },
  { "listing/delete/compare_and_set_with_photos_and_calendar",
    listing_delete_compare_and_set_with_photos_and_calendar },
  { "listing/insert_many/all_or_none", listing_insert_many_is_all_or_none },
  { "listing/search/text_ignores_case_and_accents", search_text_ignores_case_and_accents },
  { "listing/search/text_prefixes_and_fields", search_text_prefixes_and_fields },
  { "listing/search/filters", search_filters },
  { "listing/search/visibility", search_visibility },
  { "listing/search/orders_by_recency_then_id", search_orders_by_recency_then_id },
  { "listing/search/orders_by_relevance", search_orders_by_relevance },
  { "listing/search/hostile_terms_never_fail", search_hostile_terms_never_fail },
  { "listing/search/pages_exactly_once_by_recency", search_pages_exactly_once_by_recency },
  { "listing/search/pages_exactly_once_by_recency_with_terms",
    search_pages_exactly_once_by_recency_with_terms },
  { "listing/search/pages_exactly_once_by_relevance", search_pages_exactly_once_by_relevance },
  { "listing/search/rejects_bad_cursor_and_limit", search_rejects_bad_cursor_and_limit },
  { "photo/round_trips_bytes_exactly", photo_round_trips_bytes_exactly },
  { "calendar/get_put_compare_and_set", calendar_get_put_compare_and_set },
  { "token/revoke_check_and_purge", token_revoke_check_and_purge },
  { "reservation/insert/round_trips_and_forces_version_1",
    reservation_round_trips_and_forces_version_1 },
  { "reservation/insert/bad_documents_are_internal", reservation_bad_documents_are_internal },
  { "reservation/update/compare_and_set", reservation_update_compare_and_set },
  { "reservation/list/filters", reservation_list_filters },
  { "reservation/list/filters_follow_updates", reservation_list_filters_follow_updates },
  { "reservation/list/pages_exactly_once", reservation_list_pages_exactly_once },
  { "reservation/list/limit_and_cursor", reservation_list_limit_and_cursor },
  { "reservation/count/every_status", reservation_count_counts_every_status },
  { "idempotency/insert_get_update", idempotency_insert_get_update },
  { "idempotency/purge_forgets_older_records", idempotency_purge_forgets_older_records },
  { "message/insert_and_list_oldest_first", message_insert_and_list_oldest_first },
  { "message/list/pages_exactly_once", message_list_pages_exactly_once },
  { "audit/insert_and_list_newest_first", audit_insert_and_list_newest_first },
  { "audit/list/pages_exactly_once", audit_list_pages_exactly_once },
  { "notification/insert_and_list_newest_first", notification_insert_and_list_newest_first },
  { "notification/list/pages_exactly_once", notification_list_pages_exactly_once },
  { "records/bad_documents_are_internal", records_bad_documents_are_internal },
  { "account/calendar_token/lookup", account_calendar_token_lookup },
  { "calendar/list/pages_by_listing", calendar_list_pages_by_listing },
  { "booking/insert/round_trips_and_forces_version_1", booking_round_trips_and_forces_version_1 },
  { "booking/update/compare_and_set", booking_update_compare_and_set },
  { "booking/list/filters", booking_list_filters },
  { "booking/list/records_and_duplicates", booking_records_and_duplicates },
  { "booking/list/pages_exactly_once", booking_list_pages_exactly_once },
  { "need/insert/round_trips_and_compare_and_set", need_round_trips_and_compare_and_set },
  { "need/search/text_ignores_case_and_accents", need_search_text_ignores_case_and_accents },
  { "need/search/text_prefixes_and_fields", need_search_text_prefixes_and_fields },
  { "need/search/filters_and_status", need_search_filters_and_status },
  { "need/search/orders_by_recency_then_id", need_search_orders_by_recency_then_id },
  { "need/search/orders_by_relevance", need_search_orders_by_relevance },
  { "need/search/hostile_terms_never_fail", need_search_hostile_terms_never_fail },
  { "need/search/pages_exactly_once_by_recency", need_search_pages_exactly_once_by_recency },
  { "need/search/pages_exactly_once_by_relevance", need_search_pages_exactly_once_by_relevance },
  { "need/search/rejects_bad_cursor_and_limit", need_search_rejects_bad_cursor_and_limit },
  { "need_answer/insert_and_list_oldest_first", need_answer_insert_and_list_oldest_first },
  { "need_answer/list/pages_exactly_once", need_answer_list_pages_exactly_once },
  { "ledger/get/round_trips_and_misses", ledger_get_round_trips_and_misses },
  { "ledger/list/records_and_duplicates", ledger_records_and_duplicates },
  { "ledger/list/pages_exactly_once", ledger_list_pages_exactly_once },
  { "ledger/append/balance_floor_and_sum", ledger_balance_floor_and_sum },
  { "webhook/insert_get_list_delete", webhook_insert_get_list_delete },
  { "webhook/list/pages_exactly_once", webhook_list_pages_exactly_once },
  { "outbox/insert/round_trips_and_compare_and_set", outbox_round_trips_and_compare_and_set },
  { "outbox/list/filters", outbox_list_filters },
  { "outbox/list/records_and_duplicates", outbox_records_and_duplicates },
  { "outbox/list/pages_exactly_once", outbox_list_pages_exactly_once },
  { "notification/mark_read/own_only_once", notification_mark_read_own_only_once },
  { "concurrency/compare_and_set_has_one_winner", concurrent_compare_and_set_has_one_winner },
  { "concurrency/ledger_spending_never_crosses_the_floor",
    concurrent_ledger_spending_never_crosses_the_floor },
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
