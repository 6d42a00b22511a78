/*
 * Unit tests of the credits ledger of the MongoDB adapter (server/storage/mongo/
 * store_mongo_ledger*.c) beyond the conformance suite: what its per-party chains must survive.
 * A crash between an entry's insert and the update of the cached heads is rolled forward (by
 * the next read and by repair); threads spending one balance at once never cross the floor and
 * leave gap-free chains; a forged entry or a cached head off its chain is reported by
 * check_integrity; the same id appended twice, one after the other or at once, is stored once;
 * an entry to oneself moves nothing.
 *
 * They run against the wire-protocol double (tests/support/mongo_double.py), or against the
 * mongod of MUTUA_TEST_MONGODB_URI when it is set; each test uses a database of its own. The
 * cached heads are reset and entries forged with the driver, through the adapter's own handle.
 */
#include "mt_test.h"

#include "store.h"

#include "mt_log.h"
#include "mt_mongo_double.h"
#include "mt_test_store.h"

#include "mongo/store_mongo_private.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- Fixture ---------------------------------------------------------------------------------- */

typedef struct {
  mt_mongo_double_t double_server;
  bool double_started;
  char base_uri[512]; /* MUTUA_TEST_MONGODB_URI or the double's */
  unsigned counter;
  mt_store_backend_t *backend;
  mt_store_t *store;
} mt_ledger_env_t;

static mt_ledger_env_t env;
static mt_error_t err;

#define OK(call)                                                                                   \
  do {                                                                                             \
    mt_error_clear (&err);                                                                         \
    if (!(call)) {                                                                                 \
      fail_msg ("%s failed: code %u: %s", #call, err.code, err.message);                           \
    }                                                                                              \
  } while (0)

#define FAILS(expected, call)                                                                      \
  do {                                                                                             \
    mt_error_clear (&err);                                                                         \
    if (call) {                                                                                    \
      fail_msg ("%s succeeded, expected code %u", #call, (unsigned) (expected));                   \
    }                                                                                              \
    assert_int_equal (err.code, (expected));                                                       \
  } while (0)

static int
group_setup (void **state)
{
  const char *uri = getenv ("MUTUA_TEST_MONGODB_URI");

  (void) state;
  if (uri && uri[0]) {
    snprintf (env.base_uri, sizeof env.base_uri, "%s", uri);
    return 0;
  }
  if (!mt_mongo_double_start (&env.double_server)) {
    return -1;
  }
  env.double_started = true;
  snprintf (env.base_uri, sizeof env.base_uri, "%s", env.double_server.base_uri);
  return 0;
}

static int
group_teardown (void **state)
{
  (void) state;
  if (env.double_started) {
    assert_int_equal (mt_mongo_double_stop (&env.double_server), 0);
  }
  return 0;
}

/* A fresh database for each test, its backend and one handle. */
static int
setup (void **state)
{
  char db[64], uri[600];

  (void) state;
  snprintf (db, sizeof db, "mutua_ledger_%ld_%u", (long) getpid (), env.counter++);
  assert_true (mt_test_store_with_database (env.base_uri, db, uri, sizeof uri));
  mt_error_clear (&err);
  env.backend = mt_store_backend_new (uri, &err);
  if (!env.backend) {
    fail_msg ("backend: %s", err.message);
  }
  env.store = mt_store_open (env.backend, &err);
  if (!env.store) {
    fail_msg ("handle: %s", err.message);
  }
  assert_string_equal (((mt_mongo_store_t *) env.store)->backend->db_name, db);
  return 0;
}

static int
teardown (void **state)
{
  mt_mongo_store_t *store = (mt_mongo_store_t *) env.store;
  bson_error_t ignored;

  (void) state;
  if (store) {
    mongoc_database_t *db = mongoc_client_get_database (store->client, store->backend->db_name);
    mongoc_database_drop (db, &ignored);
    mongoc_database_destroy (db);
  }
  mt_store_close (env.store);
  mt_store_backend_destroy (env.backend);
  env.store = NULL;
  env.backend = NULL;
  return 0;
}

/* ---- Helpers ---------------------------------------------------------------------------------- */

static void
make_entry (bson_t *doc, const char *id, const char *from, const char *to, int64_t amount,
            int64_t created_at)
{
  bson_init (doc);
  BSON_APPEND_UTF8 (doc, "id", id);
  BSON_APPEND_UTF8 (doc, "from", from);
  BSON_APPEND_UTF8 (doc, "to", to);
  BSON_APPEND_INT64 (doc, "amount", amount);
  BSON_APPEND_UTF8 (doc, "reason", "test");
  BSON_APPEND_DATE_TIME (doc, "created_at", created_at);
}

static bool
append (mt_store_t *st, const char *id, const char *from, const char *to, int64_t amount,
        bool check_floor, int64_t floor, mt_error_t *error)
{
  bson_t doc;
  bool ok;

  make_entry (&doc, id, from, to, amount, 1000);
  ok = st->ops->ledger_append (st, &doc, check_floor, floor, error);
  bson_destroy (&doc);
  return ok;
}

static int64_t
balance (const char *member)
{
  int64_t value = INT64_MIN;

  OK (env.store->ops->ledger_balance (env.store, member, &value, &err));
  return value;
}

static void
assert_sum (int64_t entries)
{
  int64_t sum = -1, count = -1;

  OK (env.store->ops->ledger_sum (env.store, &sum, &count, &err));
  assert_int_equal (sum, 0);
  assert_int_equal (count, entries);
}

/* The cached head of @party as stored: *seq = -1 when there is none. */
static void
cached_head (const char *party, int64_t *seq, int64_t *bal)
{
  bson_t filter = BSON_INITIALIZER;
  bson_t doc;
  bool found = false;

  BSON_APPEND_UTF8 (&filter, "_id", party);
  OK (mt_mongo_find_one (env.store, MT_MONGO_LEDGER_HEADS, &filter, true, &doc, &found, &err));
  *seq = -1;
  *bal = 0;
  if (found) {
    assert_true (mt_mongo_doc_int64 (&doc, "seq", seq));
    assert_true (mt_mongo_doc_int64 (&doc, "balance", bal));
  }
  bson_destroy (&doc);
  bson_destroy (&filter);
}

/* Writes the cached head of @party as a crash would have left it (@seq < 0: removed). */
static void
set_cached_head (const char *party, int64_t seq, int64_t bal)
{
  mongoc_collection_t *heads = mt_mongo_coll (env.store, MT_MONGO_LEDGER_HEADS);
  bson_t filter = BSON_INITIALIZER;
  bson_t doc = BSON_INITIALIZER;
  bson_t opts = BSON_INITIALIZER;
  bson_error_t error;

  BSON_APPEND_UTF8 (&filter, "_id", party);
  if (seq < 0) {
    assert_true (mongoc_collection_delete_one (heads, &filter, NULL, NULL, &error));
  } else {
    BSON_APPEND_UTF8 (&doc, "_id", party);
    BSON_APPEND_INT64 (&doc, "seq", seq);
    BSON_APPEND_INT64 (&doc, "balance", bal);
    BSON_APPEND_BOOL (&opts, "upsert", true);
    if (!mongoc_collection_replace_one (heads, &filter, &doc, &opts, NULL, &error)) {
      fail_msg ("replace head: %s", error.message);
    }
  }
  bson_destroy (&opts);
  bson_destroy (&doc);
  bson_destroy (&filter);
}

/* Inserts a stored entry directly, as a buggy tool would: @from at @from_seq with @from_after,
 * @to at @to_seq with @to_after. */
static void
forge_entry (const char *id, const char *from, int64_t from_seq, int64_t from_after, const char *to,
             int64_t to_seq, int64_t to_after, int64_t amount)
{
  char link[MT_MONGO_LEDGER_LINK_SIZE];
  bson_t entry, stored, array;
  bson_error_t error;

  make_entry (&entry, id, from, to, amount, 5000);
  bson_init (&stored);
  bson_copy_to_excluding_noinit (&entry, &stored, "", NULL);
  BSON_APPEND_UTF8 (&stored, "_id", id);
  BSON_APPEND_ARRAY_BEGIN (&stored, "_parties", &array);
  BSON_APPEND_UTF8 (&array, "0", from);
  BSON_APPEND_UTF8 (&array, "1", to);
  bson_append_array_end (&stored, &array);
  BSON_APPEND_ARRAY_BEGIN (&stored, "_links", &array);
  assert_true (mt_mongo_ledger_link (from, from_seq, link));
  BSON_APPEND_UTF8 (&array, "0", link);
  assert_true (mt_mongo_ledger_link (to, to_seq, link));
  BSON_APPEND_UTF8 (&array, "1", link);
  bson_append_array_end (&stored, &array);
  BSON_APPEND_INT64 (&stored, "_from_seq", from_seq);
  BSON_APPEND_INT64 (&stored, "_from_after", from_after);
  BSON_APPEND_INT64 (&stored, "_to_seq", to_seq);
  BSON_APPEND_INT64 (&stored, "_to_after", to_after);
  if (!mongoc_collection_insert_one (mt_mongo_coll (env.store, MT_MONGO_LEDGER), &stored, NULL,
                                     NULL, &error)) {
    fail_msg ("forge: %s", error.message);
  }
  bson_destroy (&stored);
  bson_destroy (&entry);
}

static void
assert_check_names (const char *party)
{
  FAILS (MT_ERR_INTERNAL, env.store->ops->check_integrity (env.store, &err));
  if (!strstr (err.message, party)) {
    fail_msg ("check_integrity should name %s: %s", party, err.message);
  }
}

/* ---- Crash between the insert and the heads' update ------------------------------------------- */

static void
crash_before_head_update_is_rolled_forward (void **state)
{
  mt_store_t *st = env.store;
  int64_t seq, bal;

  (void) state;
  OK (append (st, "g1", "system", "mem_a", 10, false, 0, &err));
  OK (append (st, "t1", "mem_a", "mem_b", 3, true, 0, &err));
  cached_head ("mem_a", &seq, &bal);
  assert_int_equal (seq, 2);
  assert_int_equal (bal, 7);

  /* As if the process died right after inserting t1, and before g1's heads were written. */
  set_cached_head ("mem_a", 0, 0);
  set_cached_head ("mem_b", -1, 0);
  set_cached_head ("system", -1, 0);
  assert_int_equal (balance ("mem_a"), 7);
  assert_int_equal (balance ("mem_b"), 3);
  assert_int_equal (balance ("system"), -10);
  /* The read moved the cache forward. */
  cached_head ("mem_a", &seq, &bal);
  assert_int_equal (seq, 2);
  assert_int_equal (bal, 7);

  /* The floor is checked against the rolled-forward balance, not the stale cache. */
  set_cached_head ("mem_a", 1, 10);
  FAILS (MT_ERR_UNPROCESSABLE, append (st, "t2", "mem_a", "mem_b", 8, true, 0, &err));
  set_cached_head ("mem_a", 0, 0);
  OK (append (st, "t3", "mem_a", "mem_b", 7, true, 0, &err));
  assert_int_equal (balance ("mem_a"), 0);
  assert_int_equal (balance ("mem_b"), 10);
  assert_sum (3);
  OK (st->ops->check_integrity (st, &err));

  /* repair brings every cached head to the end of its chain, absent ones too. */
  set_cached_head ("mem_a", 1, 10);
  set_cached_head ("mem_b", -1, 0);
  OK (mt_mongo_ledger_repair (st, &err));
  cached_head ("mem_a", &seq, &bal);
  assert_int_equal (seq, 3);
  assert_int_equal (bal, 0);
  cached_head ("mem_b", &seq, &bal);
  assert_int_equal (seq, 2);
  assert_int_equal (bal, 10);
  cached_head ("system", &seq, &bal);
  assert_int_equal (seq, 1);
  assert_int_equal (bal, -10);
  OK (st->ops->check_integrity (st, &err));
}

/* A head far behind its chain is rolled in batches: many entries, no cache at all. */
static void
long_chain_without_cache_is_rolled_forward (void **state)
{
  mt_store_t *st = env.store;
  char id[32];
  int i;

  (void) state;
  OK (append (st, "g1", "system", "mem_a", 100, false, 0, &err));
  for (i = 0; i < 40; i++) {
    snprintf (id, sizeof id, "t%d", i);
    OK (append (st, id, "mem_a", "mem_b", 2, true, 0, &err));
  }
  set_cached_head ("mem_a", -1, 0);
  set_cached_head ("mem_b", -1, 0);
  assert_int_equal (balance ("mem_a"), 20);
  assert_int_equal (balance ("mem_b"), 80);
  assert_sum (41);
  OK (st->ops->check_integrity (st, &err));
}

/* ---- Threads spending one balance ------------------------------------------------------------ */

#define SPENDERS 8
#define SPEND_TRIES 50
#define SPEND_BALANCE 200

typedef struct {
  pthread_barrier_t *barrier;
  int number;
  int spent;
  int refused;
  int busy; /* MT_ERR_UNAVAILABLE: may be retried */
  uint32_t unknown;
  char message[MT_ERROR_MESSAGE_MAX];
} spender_t;

static void *
spender_main (void *arg)
{
  spender_t *spender = arg;
  mt_error_t error;
  mt_store_t *st;
  char id[64], sink[32];
  int i;

  mt_error_clear (&error);
  st = mt_store_open (env.backend, &error);
  pthread_barrier_wait (spender->barrier);
  if (!st) {
    spender->unknown = error.code;
    snprintf (spender->message, sizeof spender->message, "%.200s", error.message);
    return NULL;
  }
  snprintf (sink, sizeof sink, "mem_sink_%d", spender->number);
  for (i = 0; i < SPEND_TRIES && !spender->unknown; i++) {
    snprintf (id, sizeof id, "spend_%d_%d", spender->number, i);
    mt_error_clear (&error);
    if (append (st, id, "mem_spender", sink, 1, true, 0, &error)) {
      spender->spent++;
    } else if (error.code == MT_ERR_UNPROCESSABLE) {
      spender->refused++;
    } else if (error.code == MT_ERR_UNAVAILABLE) {
      spender->busy++;
    } else {
      spender->unknown = error.code;
      snprintf (spender->message, sizeof spender->message, "%s", error.message);
    }
  }
  mt_store_close (st);
  return NULL;
}

/* Every balance the spender's chain went through, from the stored entries: never below 0. */
static void
assert_spender_chain_above_floor (int64_t expected_steps)
{
  bson_t filter = BSON_INITIALIZER;
  mongoc_cursor_t *cursor;
  const bson_t *doc;
  bson_error_t error;
  int64_t steps = 0;

  BSON_APPEND_UTF8 (&filter, "_parties", "mem_spender");
  cursor = mongoc_collection_find_with_opts (mt_mongo_coll (env.store, MT_MONGO_LEDGER), &filter,
                                             NULL, NULL);
  while (mongoc_cursor_next (cursor, &doc)) {
    int64_t after = -1;
    const char *from = mt_mongo_doc_str (doc, "from");
    assert_true (mt_mongo_doc_int64 (
      doc, strcmp (from, "mem_spender") == 0 ? "_from_after" : "_to_after", &after));
    assert_true (after >= 0);
    steps++;
  }
  assert_false (mongoc_cursor_error (cursor, &error));
  mongoc_cursor_destroy (cursor);
  bson_destroy (&filter);
  assert_int_equal (steps, expected_steps);
}

static void
threads_spending_one_balance_never_cross_the_floor (void **state)
{
  spender_t spenders[SPENDERS];
  pthread_t threads[SPENDERS];
  pthread_barrier_t barrier;
  char sink[32];
  int i, spent = 0, refused = 0, busy = 0;

  (void) state;
  OK (append (env.store, "grant", "system", "mem_spender", SPEND_BALANCE, false, 0, &err));
  assert_int_equal (pthread_barrier_init (&barrier, NULL, SPENDERS), 0);
  for (i = 0; i < SPENDERS; i++) {
    memset (&spenders[i], 0, sizeof spenders[i]);
    spenders[i].barrier = &barrier;
    spenders[i].number = i;
    assert_int_equal (pthread_create (&threads[i], NULL, spender_main, &spenders[i]), 0);
  }
  for (i = 0; i < SPENDERS; i++) {
    pthread_join (threads[i], NULL);
  }
  pthread_barrier_destroy (&barrier);

  for (i = 0; i < SPENDERS; i++) {
    if (spenders[i].unknown) {
      fail_msg ("spender %d: code %u: %s", i, spenders[i].unknown, spenders[i].message);
    }
    snprintf (sink, sizeof sink, "mem_sink_%d", i);
    assert_int_equal (balance (sink), spenders[i].spent);
    spent += spenders[i].spent;
    refused += spenders[i].refused;
    busy += spenders[i].busy;
  }
  print_message ("%d spent, %d refused at the floor, %d busy\n", spent, refused, busy);
  /* 400 tries for 200 credits: all spent (a busy answer leaves a try unused), none more. */
  assert_int_equal (spent, SPEND_BALANCE);
  assert_int_equal (spent + refused + busy, SPENDERS * SPEND_TRIES);
  assert_int_equal (balance ("mem_spender"), 0);
  assert_sum (1 + SPEND_BALANCE);
  assert_spender_chain_above_floor (1 + SPEND_BALANCE);
  OK (env.store->ops->check_integrity (env.store, &err));
}

/* ---- check_integrity -------------------------------------------------------------------------- */

static void
forged_gap_is_reported (void **state)
{
  (void) state;
  OK (append (env.store, "g1", "system", "mem_a", 10, false, 0, &err));
  OK (env.store->ops->check_integrity (env.store, &err));
  /* mem_a's chain has 1 entry: a forged one at seq 3 leaves a hole at 2. */
  forge_entry ("forged", "mem_a", 3, 5, "mem_f", 1, 5, 5);
  assert_check_names ("mem_a");
}

static void
forged_balance_is_reported (void **state)
{
  (void) state;
  OK (append (env.store, "g1", "system", "mem_a", 10, false, 0, &err));
  /* The right places in both chains, but mem_f's balance after it does not add up. */
  forge_entry ("forged", "mem_a", 2, 5, "mem_f", 1, 50, 5);
  assert_check_names ("mem_f");
}

static void
cached_head_off_its_chain_is_reported (void **state)
{
  (void) state;
  OK (append (env.store, "g1", "system", "mem_a", 10, false, 0, &err));
  OK (env.store->ops->check_integrity (env.store, &err));
  set_cached_head ("mem_a", 1, 11);
  assert_check_names ("mem_a");
  set_cached_head ("mem_a", 2, 10);
  assert_check_names ("mem_a");
  set_cached_head ("mem_a", 1, 10);
  OK (env.store->ops->check_integrity (env.store, &err));
}

/* ---- Idempotent ids ----------------------------------------------------------------------------- */

typedef struct {
  pthread_barrier_t *barrier;
  bool stored;
  uint32_t code;
} granter_t;

static void *
granter_main (void *arg)
{
  granter_t *granter = arg;
  mt_error_t error;
  mt_store_t *st;

  mt_error_clear (&error);
  st = mt_store_open (env.backend, &error);
  pthread_barrier_wait (granter->barrier);
  if (st) {
    granter->stored = append (st, "grant_monthly_mem_a", "system", "mem_a", 30, false, 0, &error);
  }
  granter->code = error.code;
  mt_store_close (st);
  return NULL;
}

static void
same_id_is_stored_once (void **state)
{
  granter_t granters[4];
  pthread_t threads[4];
  pthread_barrier_t barrier;
  int i, stored = 0;

  (void) state;
  /* One after the other: DUPLICATE, nothing moves. */
  OK (append (env.store, "g1", "system", "mem_a", 10, false, 0, &err));
  FAILS (MT_ERR_DUPLICATE, append (env.store, "g1", "system", "mem_a", 10, false, 0, &err));
  FAILS (MT_ERR_DUPLICATE, append (env.store, "g1", "mem_b", "mem_c", 1, false, 0, &err));
  assert_int_equal (balance ("mem_a"), 10);
  assert_int_equal (balance ("mem_b"), 0);
  assert_sum (1);

  /* At once, from four handles: one is stored, the others are told DUPLICATE. */
  assert_int_equal (pthread_barrier_init (&barrier, NULL, 4), 0);
  for (i = 0; i < 4; i++) {
    memset (&granters[i], 0, sizeof granters[i]);
    granters[i].barrier = &barrier;
    assert_int_equal (pthread_create (&threads[i], NULL, granter_main, &granters[i]), 0);
  }
  for (i = 0; i < 4; i++) {
    pthread_join (threads[i], NULL);
  }
  pthread_barrier_destroy (&barrier);
  for (i = 0; i < 4; i++) {
    if (granters[i].stored) {
      stored++;
    } else {
      assert_int_equal (granters[i].code, MT_ERR_DUPLICATE);
    }
  }
  assert_int_equal (stored, 1);
  assert_int_equal (balance ("mem_a"), 40);
  assert_int_equal (balance ("system"), -40);
  assert_sum (2);
  OK (env.store->ops->check_integrity (env.store, &err));
}

/* An entry to oneself is one step of one chain and moves no balance, whatever the floor. */
static void
entry_to_oneself_moves_nothing (void **state)
{
  mt_store_page_t page;
  int64_t seq, bal;

  (void) state;
  OK (append (env.store, "g1", "system", "mem_a", 5, false, 0, &err));
  OK (append (env.store, "self", "mem_a", "mem_a", 50, true, 0, &err));
  assert_int_equal (balance ("mem_a"), 5);
  cached_head ("mem_a", &seq, &bal);
  assert_int_equal (seq, 2);
  assert_int_equal (bal, 5);
  FAILS (MT_ERR_UNPROCESSABLE, append (env.store, "self2", "mem_a", "mem_a", 1, true, 6, &err));
  OK (env.store->ops->ledger_list (env.store, "mem_a", NULL, 10, &page, &err));
  assert_int_equal (page.count, 2);
  mt_store_page_destroy (&page);
  assert_sum (2);
  OK (env.store->ops->check_integrity (env.store, &err));
}

/* A test with a path-like name, on a fresh database. */
#define LEDGER_TEST(name, fn)                                                                      \
  {                                                                                                \
    name, fn, setup, teardown, NULL                                                                \
  }

int
main (void)
{
  const char *real_uri = getenv ("MUTUA_TEST_MONGODB_URI");
  char why[256];
  const struct CMUnitTest tests[] = {
    LEDGER_TEST ("mongo_ledger/heads/crash_before_update_rolled_forward",
                 crash_before_head_update_is_rolled_forward),
    LEDGER_TEST ("mongo_ledger/heads/long_chain_rolled_in_batches",
                 long_chain_without_cache_is_rolled_forward),
    LEDGER_TEST ("mongo_ledger/append/threads_never_cross_the_floor",
                 threads_spending_one_balance_never_cross_the_floor),
    LEDGER_TEST ("mongo_ledger/check/forged_gap_reported", forged_gap_is_reported),
    LEDGER_TEST ("mongo_ledger/check/forged_balance_reported", forged_balance_is_reported),
    LEDGER_TEST ("mongo_ledger/check/cached_head_off_chain_reported",
                 cached_head_off_its_chain_is_reported),
    LEDGER_TEST ("mongo_ledger/append/same_id_stored_once", same_id_is_stored_once),
    LEDGER_TEST ("mongo_ledger/append/to_oneself_moves_nothing", entry_to_oneself_moves_nothing),
  };

  mt_log_set_level (MT_LOG_ERROR);
  if (!(real_uri && real_uri[0]) && !mt_mongo_double_available (why, sizeof why)) {
    mt_test_say_skip ("MongoDB ledger tests against the double", why);
    return 0;
  }
  return cmocka_run_group_tests_name ("store_mongo_ledger", tests, group_setup, group_teardown);
}
