/*
 * store_mongo_ledger_chains.c: the per-party chains of the credits ledger in the MongoDB
 * adapter (what store_mongo_ledger.c builds its ops on).
 *
 * Every party of an entry ("from" and "to", "system" included) has a chain: its entries
 * numbered 1, 2, 3... An entry stores, besides the document as given, its place in each chain
 * and the balance of each party after it:
 *
 *   "_parties"    [from, to] (one element when from == to), for ledger_list
 *   "_links"      ["<from>#<seq of from>", "<to>#<seq of to>"], seq in 16 hex digits; the
 *                 unique multikey index "ledger_links" makes each link taken at most once
 *   "_from_seq", "_from_after", "_to_seq", "_to_after"   int64
 *
 * Inserting that one document is the commit point of an append (store_mongo_ledger.c): two
 * appends touching one party cannot both take its next link.
 *
 * "ledger_heads" {"_id": party, "seq", "balance"} caches where each chain ends. It is only a
 * cache: a head is read from it (0, 0 when absent) and rolled forward along the chain while
 * the next links exist, so a crash between an entry's insert and the cache's update loses
 * nothing. The cache only moves forward (a lost race leaves it behind, which the next read
 * rolls forward).
 *
 * Walks (ledger_sum, check, repair) read the whole ledger twice in chain order, by
 * (from, _from_seq) and by (to, _to_seq), merged party by party: entries of both sides of a
 * party interleave by seq. A walk is not a snapshot: while appends go on, a sum may count
 * some of them and not others; check_integrity's strict walk is meant for a quiet ledger.
 */
#include "store_mongo_private.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Links roll-forward fetches per query, and a bound on one head's roll-forward. */
#define MT_MONGO_LEDGER_ROLL_BATCH 16
#define MT_MONGO_LEDGER_ROLL_MAX 65536

/* One entry seen from one of its parties. */
typedef struct {
  int64_t seq;   /* its place in the party's chain */
  int64_t after; /* the party's balance after it */
  int64_t delta; /* the change of that balance: - amount sent, + amount received, 0 to oneself */
} mt_mongo_ledger_step_t;

bool
mt_mongo_ledger_link (const char *party, int64_t seq, char out[MT_MONGO_LEDGER_LINK_SIZE])
{
  int n = snprintf (out, MT_MONGO_LEDGER_LINK_SIZE, "%s#%016" PRIx64, party, (uint64_t) seq);

  return n > 0 && n < MT_MONGO_LEDGER_LINK_SIZE;
}

static void
mt_mongo_ledger_corrupt (const char *party, const char *what_fr, const char *what_en,
                         mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                "registre de crédits, chaîne de %s : %s%.0s", "credits ledger, chain of %s: %.0s%s",
                party, what_fr, what_en);
}

/*
 * The entry @doc (stored form) seen from @party. Returns false when @party is neither side or a field is missing (a corrupt entry).
 */
static bool
mt_mongo_ledger_side (const bson_t *doc, const char *party, mt_mongo_ledger_step_t *step)
{
  const char *from = mt_mongo_doc_str (doc, "from");
  const char *to = mt_mongo_doc_str (doc, "to");
  int64_t amount;
  bool is_from = from && strcmp (from, party) == 0;

  if (!is_from && !(to && strcmp (to, party) == 0)) {
    return false;
  }
  if (!mt_mongo_doc_int64 (doc, "amount", &amount) ||
      !mt_mongo_doc_int64 (doc, is_from ? "_from_seq" : "_to_seq", &step->seq) ||
      !mt_mongo_doc_int64 (doc, is_from ? "_from_after" : "_to_after", &step->after)) {
    return false;
  }
  if (from && to && strcmp (from, to) == 0) {
    step->delta = 0;
  } else {
    step->delta = is_from ? -amount : amount;
  }
  return true;
}

/* ---- Heads ---------------------------------------------------------------------------------- */

bool
mt_mongo_ledger_advance (mt_store_t *store, const char *party, const mt_mongo_ledger_head_t *head,
                         mt_error_t *error)
{
  mongoc_collection_t *coll = mt_mongo_coll (store, MT_MONGO_LEDGER_HEADS);
  bson_t filter = BSON_INITIALIZER;
  bson_t update = BSON_INITIALIZER;
  bson_t opts = BSON_INITIALIZER;
  bson_t reply;
  bson_t child;
  bson_error_t bson_error;
  bool ok;

  BSON_APPEND_UTF8 (&filter, "_id", party);
  BSON_APPEND_DOCUMENT_BEGIN (&filter, "seq", &child);
  BSON_APPEND_INT64 (&child, "$lt", head->seq);
  bson_append_document_end (&filter, &child);
  BSON_APPEND_DOCUMENT_BEGIN (&update, "$set", &child);
  BSON_APPEND_INT64 (&child, "seq", head->seq);
  BSON_APPEND_INT64 (&child, "balance", head->balance);
  bson_append_document_end (&update, &child);
  BSON_APPEND_BOOL (&opts, "upsert", true);

  ok = mongoc_collection_update_one (coll, &filter, &update, &opts, &reply, &bson_error);
  if (!ok && mt_mongo_is_duplicate (&bson_error, &reply)) {
    /* The head exists now (another append created it meanwhile): update it if still behind. */
    bson_destroy (&reply);
    ok = mongoc_collection_update_one (coll, &filter, &update, NULL, &reply, &bson_error);
  }
  if (!ok) {
    mt_mongo_error (&bson_error, &reply, "update of ledger_heads", error);
  }
  bson_destroy (&reply);
  bson_destroy (&opts);
  bson_destroy (&update);
  bson_destroy (&filter);
  return ok;
}

/* The cached head of @party (0, 0 when none is cached). */
static bool
mt_mongo_ledger_cached (mt_store_t *store, const char *party, mt_mongo_ledger_head_t *head,
                        mt_error_t *error)
{
  bson_t filter = BSON_INITIALIZER;
  bson_t doc;
  bool found = false;
  bool ok;

  head->seq = 0;
  head->balance = 0;
  BSON_APPEND_UTF8 (&filter, "_id", party);
  ok = mt_mongo_find_one (store, MT_MONGO_LEDGER_HEADS, &filter, true, &doc, &found, error);
  if (ok && found &&
      (!mt_mongo_doc_int64 (&doc, "seq", &head->seq) ||
       !mt_mongo_doc_int64 (&doc, "balance", &head->balance) || head->seq < 0)) {
    mt_mongo_ledger_corrupt (party, "tête en cache illisible", "unreadable cached head", error);
    ok = false;
  }
  bson_destroy (&doc);
  bson_destroy (&filter);
  return ok;
}

/*
 * One step of a roll-forward: the entries holding the links of @party after head->seq (up to
 * MT_MONGO_LEDGER_ROLL_BATCH), followed in order while there is no hole. *@complete is set
 * when every link of the batch was found (more may follow).
 */
static bool
mt_mongo_ledger_roll_batch (mt_store_t *store, const char *party, mt_mongo_ledger_head_t *head,
                            bool *complete, mt_error_t *error)
{
  int64_t afters[MT_MONGO_LEDGER_ROLL_BATCH];
  bool found[MT_MONGO_LEDGER_ROLL_BATCH] = { false };
  char link[MT_MONGO_LEDGER_LINK_SIZE];
  bson_t filter = BSON_INITIALIZER;
  bson_t cond, in;
  bson_error_t bson_error;
  mongoc_cursor_t *cursor;
  const bson_t *doc;
  bool ok = true;
  int k;

  *complete = false;
  BSON_APPEND_DOCUMENT_BEGIN (&filter, "_links", &cond);
  BSON_APPEND_ARRAY_BEGIN (&cond, "$in", &in);
  for (k = 0; k < MT_MONGO_LEDGER_ROLL_BATCH; k++) {
    char index[16];
    const char *index_str;
    if (!mt_mongo_ledger_link (party, head->seq + 1 + k, link)) {
      mt_mongo_bad_document ("ledger party", error);
      bson_append_array_end (&cond, &in);
      bson_append_document_end (&filter, &cond);
      bson_destroy (&filter);
      return false;
    }
    bson_uint32_to_string ((uint32_t) k, &index_str, index, sizeof index);
    BSON_APPEND_UTF8 (&in, index_str, link);
  }
  bson_append_array_end (&cond, &in);
  bson_append_document_end (&filter, &cond);

  cursor =
    mongoc_collection_find_with_opts (mt_mongo_coll (store, MT_MONGO_LEDGER), &filter, NULL, NULL);
  while (ok && mongoc_cursor_next (cursor, &doc)) {
    mt_mongo_ledger_step_t step;
    int64_t offset;
    if (!mt_mongo_ledger_side (doc, party, &step)) {
      mt_mongo_ledger_corrupt (party, "une écriture porte son lien sans en être",
                               "an entry holds its link without being one of its", error);
      ok = false;
      break;
    }
    offset = step.seq - head->seq - 1;
    if (offset < 0 || offset >= MT_MONGO_LEDGER_ROLL_BATCH) {
      mt_mongo_ledger_corrupt (party, "lien et rang d'une écriture en désaccord",
                               "an entry's link and seq disagree", error);
      ok = false;
      break;
    }
    found[offset] = true;
    afters[offset] = step.after;
  }
  if (ok && mongoc_cursor_error (cursor, &bson_error)) {
    mt_mongo_error (&bson_error, NULL, "ledger chain", error);
    ok = false;
  }
  mongoc_cursor_destroy (cursor);
  bson_destroy (&filter);
  if (!ok) {
    return false;
  }
  for (k = 0; k < MT_MONGO_LEDGER_ROLL_BATCH && found[k]; k++) {
    head->seq++;
    head->balance = afters[k];
  }
  *complete = k == MT_MONGO_LEDGER_ROLL_BATCH;
  return true;
}

bool
mt_mongo_ledger_head (mt_store_t *store, const char *party, mt_mongo_ledger_head_t *head,
                      mt_error_t *error)
{
  mt_mongo_ledger_head_t cached;
  mt_error_t ignored;
  bool complete = true;
  int rounds;

  if (!mt_mongo_ledger_cached (store, party, head, error)) {
    return false;
  }
  cached = *head;
  for (rounds = 0; complete && rounds < MT_MONGO_LEDGER_ROLL_MAX / MT_MONGO_LEDGER_ROLL_BATCH;
       rounds++) {
    if (!mt_mongo_ledger_roll_batch (store, party, head, &complete, error)) {
      return false;
    }
  }
  if (head->seq > cached.seq) {
    /* The cache is an optimisation: failing to move it forward changes no answer. */
    mt_error_clear (&ignored);
    mt_mongo_ledger_advance (store, party, head, &ignored);
  }
  if (complete) {
    /* Far behind (many crashes?): what was rolled is cached; the next call goes on. */
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_UNAVAILABLE,
                  "registre de crédits : tête de %s très en retard, à relire",
                  "credits ledger: head of %s far behind, read it again", party);
    error->retry_after = MT_MONGO_RETRY_AFTER_S;
    return false;
  }
  return true;
}

/* ---- Walks ---------------------------------------------------------------------------------- */

/* One side of a walk: a cursor over the ledger in (side, seq) order and its current entry. */
typedef struct {
  mongoc_cursor_t *cursor;
  const bson_t *doc; /* NULL at the end */
  const char *party; /* the side's party of doc */
  bool from_side;
} mt_mongo_ledger_side_cursor_t;

static bool
mt_mongo_ledger_side_next (mt_mongo_ledger_side_cursor_t *side, mt_error_t *error)
{
  bson_error_t bson_error;

  side->doc = NULL;
  side->party = NULL;
  while (mongoc_cursor_next (side->cursor, &side->doc)) {
    const char *from = mt_mongo_doc_str (side->doc, "from");
    const char *to = mt_mongo_doc_str (side->doc, "to");
    if (!from || !to) {
      mt_mongo_bad_document ("ledger entry without from or to", error);
      side->doc = NULL;
      return false;
    }
    /* An entry to oneself is one step of one chain: the "from" side walks it. */
    if (!side->from_side && strcmp (from, to) == 0) {
      continue;
    }
    side->party = side->from_side ? from : to;
    return true;
  }
  side->doc = NULL;
  if (mongoc_cursor_error (side->cursor, &bson_error)) {
    mt_mongo_error (&bson_error, NULL, "ledger walk", error);
    return false;
  }
  return true;
}

static void
mt_mongo_ledger_side_open (mt_store_t *store, bool from_side, mt_mongo_ledger_side_cursor_t *side)
{
  bson_t filter = BSON_INITIALIZER;
  bson_t opts = BSON_INITIALIZER;
  bson_t sort;

  BSON_APPEND_DOCUMENT_BEGIN (&opts, "sort", &sort);
  BSON_APPEND_INT32 (&sort, from_side ? "from" : "to", 1);
  BSON_APPEND_INT32 (&sort, from_side ? "_from_seq" : "_to_seq", 1);
  bson_append_document_end (&opts, &sort);
  side->from_side = from_side;
  side->doc = NULL;
  side->party = NULL;
  side->cursor =
    mongoc_collection_find_with_opts (mt_mongo_coll (store, MT_MONGO_LEDGER), &filter, &opts, NULL);
  bson_destroy (&opts);
  bson_destroy (&filter);
}

/* True when the "_links" array of @doc holds the link of @party at @seq. */
static bool
mt_mongo_ledger_has_link (const bson_t *doc, const char *party, int64_t seq)
{
  char link[MT_MONGO_LEDGER_LINK_SIZE];
  bson_iter_t iter, child;

  if (!mt_mongo_ledger_link (party, seq, link) || !bson_iter_init_find (&iter, doc, "_links") ||
      !BSON_ITER_HOLDS_ARRAY (&iter) || !bson_iter_recurse (&iter, &child)) {
    return false;
  }
  while (bson_iter_next (&child)) {
    if (BSON_ITER_HOLDS_UTF8 (&child) && strcmp (bson_iter_utf8 (&child, NULL), link) == 0) {
      return true;
    }
  }
  return false;
}

/* Where a walk is in the chain of one party. */
typedef struct {
  char party[MT_MONGO_LEDGER_LINK_SIZE];
  bool started;
  mt_mongo_ledger_head_t head;
} mt_mongo_ledger_walk_t;

/* Takes the step @doc of @party into @walk: in a strict walk, it must be the next of the chain,
 * hold its link and add up. */
static bool
mt_mongo_ledger_walk_step (mt_mongo_ledger_walk_t *walk, const bson_t *doc, const char *party,
                           bool strict, mt_error_t *error)
{
  mt_mongo_ledger_step_t step;
  int64_t expected;

  if (!mt_mongo_ledger_side (doc, party, &step)) {
    mt_mongo_ledger_corrupt (party, "écriture sans rang ni solde", "entry without seq or balance",
                             error);
    return false;
  }
  if (strict) {
    if (step.seq != walk->head.seq + 1) {
      mt_mongo_ledger_corrupt (party, "trou ou doublon dans la chaîne",
                               "gap or repeat in the chain", error);
      return false;
    }
    if (!mt_mongo_ledger_has_link (doc, party, step.seq)) {
      mt_mongo_ledger_corrupt (party, "écriture sans son lien", "entry without its link", error);
      return false;
    }
    if (__builtin_add_overflow (walk->head.balance, step.delta, &expected) ||
        expected != step.after) {
      mt_mongo_ledger_corrupt (party, "solde après une écriture incohérent",
                               "balance after an entry does not add up", error);
      return false;
    }
  }
  walk->head.seq = step.seq;
  walk->head.balance = step.after;
  return true;
}

bool
mt_mongo_ledger_walk (mt_store_t *store, bool strict, mt_mongo_ledger_party_fn on_party, void *arg,
                      int64_t *entries, mt_error_t *error)
{
  mt_mongo_ledger_side_cursor_t sides[2];
  mt_mongo_ledger_walk_t walk;
  bool ok;

  *entries = 0;
  memset (&walk, 0, sizeof walk);
  mt_mongo_ledger_side_open (store, true, &sides[0]);
  mt_mongo_ledger_side_open (store, false, &sides[1]);
  ok = mt_mongo_ledger_side_next (&sides[0], error) && mt_mongo_ledger_side_next (&sides[1], error);
  while (ok && (sides[0].doc || sides[1].doc)) {
    mt_mongo_ledger_side_cursor_t *side;
    if (!sides[1].doc) {
      side = &sides[0];
    } else if (!sides[0].doc) {
      side = &sides[1];
    } else {
      int cmp = strcmp (sides[0].party, sides[1].party);
      int64_t seq0 = 0, seq1 = 0;
      if (cmp == 0) {
        mt_mongo_doc_int64 (sides[0].doc, "_from_seq", &seq0);
        mt_mongo_doc_int64 (sides[1].doc, "_to_seq", &seq1);
      }
      side = (cmp < 0 || (cmp == 0 && seq0 <= seq1)) ? &sides[0] : &sides[1];
    }
    if (!walk.started || strcmp (walk.party, side->party) != 0) {
      if (walk.started && !on_party (walk.party, &walk.head, arg, error)) {
        ok = false;
        break;
      }
      if (strlen (side->party) >= sizeof walk.party) {
        mt_mongo_bad_document ("ledger party too long", error);
        ok = false;
        break;
      }
      snprintf (walk.party, sizeof walk.party, "%s", side->party);
      walk.started = true;
      walk.head.seq = 0;
      walk.head.balance = 0;
    }
    if (!mt_mongo_ledger_walk_step (&walk, side->doc, side->party, strict, error)) {
      ok = false;
      break;
    }
    if (side->from_side) {
      (*entries)++;
    }
    ok = mt_mongo_ledger_side_next (side, error);
  }
  if (ok && walk.started) {
    ok = on_party (walk.party, &walk.head, arg, error);
  }
  mongoc_cursor_destroy (sides[0].cursor);
  mongoc_cursor_destroy (sides[1].cursor);
  return ok;
}

/* ---- Check and repair ----------------------------------------------------------------------- */

/* A cached head must be a point of its chain: the entry of its link, with that balance after. */
static bool
mt_mongo_ledger_check_cached (mt_store_t *store, const bson_t *cached, mt_error_t *error)
{
  const char *party = mt_mongo_doc_str (cached, "_id");
  char link[MT_MONGO_LEDGER_LINK_SIZE];
  mt_mongo_ledger_step_t step;
  int64_t seq, balance;
  bson_t filter = BSON_INITIALIZER;
  bson_t entry;
  bool found = false;
  bool ok = false;

  bson_init (&entry);
  if (!party || !mt_mongo_doc_int64 (cached, "seq", &seq) ||
      !mt_mongo_doc_int64 (cached, "balance", &balance) || seq < 0) {
    mt_mongo_ledger_corrupt (party ? party : "?", "tête en cache illisible",
                             "unreadable cached head", error);
    goto done;
  }
  if (seq == 0) {
    ok = balance == 0;
    if (!ok) {
      mt_mongo_ledger_corrupt (party, "tête en cache sans écriture mais avec un solde",
                               "cached head with a balance but no entry", error);
    }
    goto done;
  }
  if (!mt_mongo_ledger_link (party, seq, link)) {
    mt_mongo_bad_document ("ledger party too long", error);
    goto done;
  }
  BSON_APPEND_UTF8 (&filter, "_links", link);
  bson_destroy (&entry);
  if (!mt_mongo_find_one (store, MT_MONGO_LEDGER, &filter, true, &entry, &found, error)) {
    goto done;
  }
  if (!found || !mt_mongo_ledger_side (&entry, party, &step) || step.seq != seq ||
      step.after != balance) {
    mt_mongo_ledger_corrupt (party, "tête en cache hors de sa chaîne",
                             "cached head not on its chain", error);
    goto done;
  }
  ok = true;
done:
  bson_destroy (&entry);
  bson_destroy (&filter);
  return ok;
}

static bool
mt_mongo_ledger_check_heads (mt_store_t *store, mt_error_t *error)
{
  bson_t filter = BSON_INITIALIZER;
  bson_error_t bson_error;
  mongoc_cursor_t *cursor;
  const bson_t *doc;
  bool ok = true;

  cursor = mongoc_collection_find_with_opts (mt_mongo_coll (store, MT_MONGO_LEDGER_HEADS), &filter,
                                             NULL, NULL);
  while (ok && mongoc_cursor_next (cursor, &doc)) {
    ok = mt_mongo_ledger_check_cached (store, doc, error);
  }
  if (ok && mongoc_cursor_error (cursor, &bson_error)) {
    mt_mongo_error (&bson_error, NULL, "ledger_heads", error);
    ok = false;
  }
  mongoc_cursor_destroy (cursor);
  bson_destroy (&filter);
  return ok;
}

static bool
mt_mongo_ledger_accept (const char *party, const mt_mongo_ledger_head_t *head, void *arg,
                        mt_error_t *error)
{
  (void) party;
  (void) head;
  (void) arg;
  (void) error;
  return true;
}

bool
mt_mongo_ledger_check (mt_store_t *store, mt_error_t *error)
{
  int64_t entries;

  return mt_mongo_ledger_walk (store, true, mt_mongo_ledger_accept, NULL, &entries, error) &&
         mt_mongo_ledger_check_heads (store, error);
}

static bool
mt_mongo_ledger_repair_head (const char *party, const mt_mongo_ledger_head_t *head, void *arg,
                             mt_error_t *error)
{
  return mt_mongo_ledger_advance ((mt_store_t *) arg, party, head, error);
}

bool
mt_mongo_ledger_repair (mt_store_t *store, mt_error_t *error)
{
  int64_t entries;

  return mt_mongo_ledger_walk (store, false, mt_mongo_ledger_repair_head, store, &entries, error);
}
