/*
 * store_mongo_ledger.c: the credits ledger in the MongoDB adapter (ledger_append,
 * ledger_balance, ledger_list, ledger_sum, ledger_get).
 *
 * Without a multi-document transaction, the floor check and the append are made one atomic
 * step by the parties' chains (store_mongo_ledger_chains.c): an append reads the heads of
 * "from" and "to", checks the floor against from's head, and inserts the entry holding the
 * next link of each party's chain. That single insert is the commit point: the unique index
 * on "_links" lets only one of two appends touching a party take its next link, and the loser
 * (a duplicate key that is not its id) starts again from the heads, which now include the
 * winner. So a balance is never spent twice, and a crash after the insert loses nothing (the
 * cached heads are rolled forward on the next read). Retries are bounded
 * (MT_MONGO_LEDGER_ATTEMPTS, with a short random pause): past them, MT_ERR_UNAVAILABLE.
 *
 * An id already stored is DUPLICATE, checked first as the SQLite adapter does (a replayed
 * entry answers DUPLICATE even when its floor check would now fail) and again when an insert
 * loses on a unique key. ledger_balance is the rolled-forward head; ledger_sum adds up the
 * end of every chain (not the cache) and counts the entries; ledger_list gives the entries of
 * a party ("_parties"), newest first, in keyset pages.
 */
#include "store_mongo_private.h"

#include <sodium.h>
#include <string.h>
#include <time.h>

/* Appends tried before MT_ERR_UNAVAILABLE when other appends keep taking the same links. */
#define MT_MONGO_LEDGER_ATTEMPTS 200

/* Cursor form of ledger_list (the numbering of the SQLite adapter's lists). */
#define MT_MONGO_LEDGER_LIST_FORM 12

/* Internal fields of a stored entry (see store_mongo_ledger_chains.c). */
typedef struct {
  const char *from;
  const char *to;
  mt_mongo_ledger_head_t from_head; /* after the entry */
  mt_mongo_ledger_head_t to_head;
} mt_mongo_ledger_place_t;

/* The fields of an entry the ledger needs, checked (MT_ERR_INTERNAL when bad: a bad document). */
typedef struct {
  const char *id;
  const char *from;
  const char *to;
  int64_t amount;
} mt_mongo_ledger_entry_t;

/* A non-empty string field of at most 255 bytes without NUL, or NULL. */
static const char *
mt_mongo_ledger_key (const bson_t *entry, const char *field)
{
  bson_iter_t iter;
  uint32_t len;
  const char *value;

  if (!bson_iter_init_find (&iter, entry, field) || !BSON_ITER_HOLDS_UTF8 (&iter)) {
    return NULL;
  }
  value = bson_iter_utf8 (&iter, &len);
  if (len == 0 || len > 255 || strlen (value) != len) {
    return NULL;
  }
  return value;
}

static bool
mt_mongo_ledger_parse (const bson_t *entry, mt_mongo_ledger_entry_t *out, mt_error_t *error)
{
  bson_iter_t iter;
  int64_t created_at;

  memset (out, 0, sizeof *out);
  if (!entry) {
    mt_mongo_bad_document ("ledger entry", error);
    return false;
  }
  out->id = mt_mongo_ledger_key (entry, "id");
  out->from = mt_mongo_ledger_key (entry, "from");
  out->to = mt_mongo_ledger_key (entry, "to");
  if (bson_iter_init_find (&iter, entry, "amount")) {
    if (BSON_ITER_HOLDS_INT64 (&iter)) {
      out->amount = bson_iter_int64 (&iter);
    } else if (BSON_ITER_HOLDS_INT32 (&iter)) {
      out->amount = bson_iter_int32 (&iter);
    }
  }
  if (!out->id || !out->from || !out->to) {
    mt_mongo_bad_document ("ledger entry: id, from and to", error);
    return false;
  }
  if (out->amount <= 0) {
    mt_mongo_bad_document ("ledger entry: amount", error);
    return false;
  }
  if (!mt_mongo_doc_date (entry, "created_at", &created_at)) {
    mt_mongo_bad_document ("ledger entry: created_at", error);
    return false;
  }
  return true;
}

/* True when the entry @id is stored. */
static bool
mt_mongo_ledger_exists (mt_store_t *store, const char *id, bool *exists, mt_error_t *error)
{
  bson_t filter = BSON_INITIALIZER;
  bson_t doc;
  bool ok;

  BSON_APPEND_UTF8 (&filter, "_id", id);
  ok = mt_mongo_find_one (store, MT_MONGO_LEDGER, &filter, true, &doc, exists, error);
  bson_destroy (&doc);
  bson_destroy (&filter);
  return ok;
}

static bool
mt_mongo_ledger_duplicate (const char *id, mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_DUPLICATE, "écriture déjà enregistrée (%s)",
                "entry already recorded (%s)", id);
  return false;
}

/* The internal fields of an entry at @place. */
static bool
mt_mongo_ledger_extra (const mt_mongo_ledger_place_t *place, bson_t *extra, mt_error_t *error)
{
  char link[MT_MONGO_LEDGER_LINK_SIZE];
  bool same = strcmp (place->from, place->to) == 0;
  bson_t array;

  bson_init (extra);
  BSON_APPEND_ARRAY_BEGIN (extra, "_parties", &array);
  BSON_APPEND_UTF8 (&array, "0", place->from);
  if (!same) {
    BSON_APPEND_UTF8 (&array, "1", place->to);
  }
  bson_append_array_end (extra, &array);
  BSON_APPEND_ARRAY_BEGIN (extra, "_links", &array);
  if (!mt_mongo_ledger_link (place->from, place->from_head.seq, link)) {
    bson_append_array_end (extra, &array);
    mt_mongo_bad_document ("ledger entry: from", error);
    return false;
  }
  BSON_APPEND_UTF8 (&array, "0", link);
  if (!same) {
    if (!mt_mongo_ledger_link (place->to, place->to_head.seq, link)) {
      bson_append_array_end (extra, &array);
      mt_mongo_bad_document ("ledger entry: to", error);
      return false;
    }
    BSON_APPEND_UTF8 (&array, "1", link);
  }
  bson_append_array_end (extra, &array);
  BSON_APPEND_INT64 (extra, "_from_seq", place->from_head.seq);
  BSON_APPEND_INT64 (extra, "_from_after", place->from_head.balance);
  BSON_APPEND_INT64 (extra, "_to_seq", place->to_head.seq);
  BSON_APPEND_INT64 (extra, "_to_after", place->to_head.balance);
  return true;
}

/*
 * Where @entry goes now: the heads of its parties after it. UNPROCESSABLE when the floor is
 * checked and from's balance would fall below it; INTERNAL on an overflow.
 */
static bool
mt_mongo_ledger_place (mt_store_t *store, const mt_mongo_ledger_entry_t *entry, bool check_floor,
                       int64_t floor, mt_mongo_ledger_place_t *place, mt_error_t *error)
{
  mt_mongo_ledger_head_t from = { 0, 0 }, to = { 0, 0 };
  bool same = strcmp (entry->from, entry->to) == 0;

  place->from = entry->from;
  place->to = entry->to;
  if (!mt_mongo_ledger_head (store, entry->from, &from, error) ||
      (!same && !mt_mongo_ledger_head (store, entry->to, &to, error))) {
    return false;
  }
  place->from_head.seq = from.seq + 1;
  if (same) {
    /* To oneself: one step of one chain, the balance does not move. */
    place->from_head.balance = from.balance;
    place->to_head = place->from_head;
  } else {
    place->to_head.seq = to.seq + 1;
    if (__builtin_sub_overflow (from.balance, entry->amount, &place->from_head.balance) ||
        __builtin_add_overflow (to.balance, entry->amount, &place->to_head.balance)) {
      mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                    "solde hors des bornes d'un entier de 64 bits",
                    "balance out of the range of a 64-bit integer");
      return false;
    }
  }
  if (check_floor && place->from_head.balance < floor) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_UNPROCESSABLE,
                  "solde insuffisant : il passerait à %lld, sous le plancher de %lld",
                  "insufficient balance: it would become %lld, below the floor of %lld",
                  (long long) place->from_head.balance, (long long) floor);
    return false;
  }
  return true;
}

/* A short random pause before trying again, longer after each lost attempt (at most 3.2 ms). */
static void
mt_mongo_ledger_pause (int attempt)
{
  uint32_t ceiling_us = 100u << (attempt < 5 ? attempt : 5);
  uint32_t us = 1 + randombytes_uniform (ceiling_us);
  struct timespec pause = { 0, (long) us * 1000 };

  nanosleep (&pause, NULL);
}

static bool
mt_mongo_ledger_append (mt_store_t *store, const bson_t *entry, bool check_floor, int64_t floor,
                        mt_error_t *error)
{
  mt_mongo_ledger_entry_t parsed;
  mt_mongo_ledger_place_t place;
  bool exists = false;
  int attempt;

  if (!mt_mongo_ledger_parse (entry, &parsed, error) ||
      !mt_mongo_ledger_exists (store, parsed.id, &exists, error)) {
    return false;
  }
  if (exists) {
    return mt_mongo_ledger_duplicate (parsed.id, error);
  }
  for (attempt = 0; attempt < MT_MONGO_LEDGER_ATTEMPTS; attempt++) {
    mt_error_t lost;
    bson_t extra;
    bool inserted;

    if (!mt_mongo_ledger_place (store, &parsed, check_floor, floor, &place, error)) {
      return false;
    }
    mt_error_clear (&lost);
    inserted = mt_mongo_ledger_extra (&place, &extra, error) &&
               mt_mongo_insert (store, MT_MONGO_LEDGER, entry, false, &extra, &lost);
    bson_destroy (&extra);
    if (inserted) {
      /* The entry is committed; the cached heads only save the next reads some work. */
      mt_mongo_ledger_advance (store, place.from, &place.from_head, &lost);
      mt_mongo_ledger_advance (store, place.to, &place.to_head, &lost);
      return true;
    }
    if (lost.code != MT_ERR_DUPLICATE) {
      if (lost.code != MT_ERR_NONE) {
        mt_error_copy (error, &lost);
      }
      return false;
    }
    /* A unique key was taken: the id (a concurrent append of the same entry) or a link. */
    if (!mt_mongo_ledger_exists (store, parsed.id, &exists, error)) {
      return false;
    }
    if (exists) {
      return mt_mongo_ledger_duplicate (parsed.id, error);
    }
    mt_mongo_ledger_pause (attempt);
  }
  mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_UNAVAILABLE,
                "registre de crédits trop sollicité pour %s, réessayez",
                "credits ledger too busy for %s, try again", parsed.from);
  error->retry_after = MT_MONGO_RETRY_AFTER_S;
  return false;
}

static bool
mt_mongo_ledger_balance (mt_store_t *store, const char *member_id, int64_t *balance,
                         mt_error_t *error)
{
  mt_mongo_ledger_head_t head = { 0, 0 };
  bool ok = true;

  if (member_id) {
    ok = mt_mongo_ledger_head (store, member_id, &head, error);
  }
  *balance = ok ? head.balance : 0;
  return ok;
}

static const mt_mongo_sort_key_t mt_mongo_ledger_list_keys[] = {
  { "created_at", -1 },
  { "_id", -1 },
};

static const mt_mongo_order_t mt_mongo_ledger_list_order = {
  .form = MT_MONGO_LEDGER_LIST_FORM,
  .keys = mt_mongo_ledger_list_keys,
  .key_count = sizeof mt_mongo_ledger_list_keys / sizeof mt_mongo_ledger_list_keys[0],
};

static bool
mt_mongo_ledger_list (mt_store_t *store, const char *member_id, const char *cursor, uint32_t limit,
                      mt_store_page_t *out, mt_error_t *error)
{
  bson_t filter = BSON_INITIALIZER;
  bson_t cond, none;
  bool ok;

  if (member_id) {
    BSON_APPEND_UTF8 (&filter, "_parties", member_id);
  } else {
    /* No member: an empty page, the window still checked. */
    BSON_APPEND_DOCUMENT_BEGIN (&filter, "_id", &cond);
    BSON_APPEND_ARRAY_BEGIN (&cond, "$in", &none);
    bson_append_array_end (&cond, &none);
    bson_append_document_end (&filter, &cond);
  }
  ok = mt_mongo_list (store, MT_MONGO_LEDGER, &filter, &mt_mongo_ledger_list_order, cursor, limit,
                      out, error);
  bson_destroy (&filter);
  return ok;
}

/* Adds each party's balance at the end of its chain into the int64 at @arg. */
static bool
mt_mongo_ledger_add_balance (const char *party, const mt_mongo_ledger_head_t *head, void *arg,
                             mt_error_t *error)
{
  int64_t *sum = arg;

  (void) party;
  if (__builtin_add_overflow (*sum, head->balance, sum)) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                  "somme des soldes hors des bornes d'un entier de 64 bits",
                  "sum of the balances out of the range of a 64-bit integer");
    return false;
  }
  return true;
}

static bool
mt_mongo_ledger_sum (mt_store_t *store, int64_t *sum, int64_t *entries, mt_error_t *error)
{
  bool ok;

  *sum = 0;
  ok = mt_mongo_ledger_walk (store, false, mt_mongo_ledger_add_balance, sum, entries, error);
  if (!ok) {
    *sum = 0;
    *entries = 0;
  }
  return ok;
}

static bool
mt_mongo_ledger_get (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error)
{
  return mt_mongo_get (store, MT_MONGO_LEDGER, id, out, error);
}

void
mt_mongo_ledger_ops (mt_store_ops_t *ops)
{
  ops->ledger_append = mt_mongo_ledger_append;
  ops->ledger_balance = mt_mongo_ledger_balance;
  ops->ledger_list = mt_mongo_ledger_list;
  ops->ledger_sum = mt_mongo_ledger_sum;
  ops->ledger_get = mt_mongo_ledger_get;
}
