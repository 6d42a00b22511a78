/*
 * store_mongo_search.c: listing_search and need_search in the MongoDB adapter, and the search
 * keys they walk.
 *
 * Search keys. Every write of a listing or a need stores with it an internal array "_w" of
 * its folded words, each prefixed by its field: "t:<word>" (title), "g:<word>" (tags),
 * "d:<word>" (description), without repetition. Words and folding are those of SQLite's
 * unicode61 tokenizer (store_text.h), so both adapters find the same listings: "velo" finds
 * "Vélo", "VÉLO" finds "velo". A multikey index on "_w" serves the anchored prefix regexes of
 * a query (/^t:velo/ walks the index from "t:velo" to "t:velp").
 *
 * Terms. A term is split and folded like a text (its first MT_MONGO_TERM_BYTES bytes); a term
 * without a word is ignored, and at most MT_MONGO_TERMS_MAX terms with words are used (the
 * rest is ignored, as the SQLite adapter does). A listing matches a term when one of its fields
 * holds the term's words: all but the last exactly, the last as a prefix. SQLite's prefix
 * phrase also wants them adjacent and in that order ("vélo-cargo" is the phrase "velo cargo"*);
 * here a title "Cargo pour vélo" matches "vélo-cargo" too. That gap concerns terms of several
 * words only (a user's search box splits on spaces).
 *
 * Relevance is computed in C with SQLite's rule (mt_listing_score): per term, 4 when it is in
 * the title, 2 in the tags, 1 in the description, summed over those fields. The order is
 * (score desc, created_at desc, _id desc). A page reads the keys of every match ({_id,
 * created_at, _w}, the filters applied by the server), keeps the limit + 1 best after the
 * cursor, then fetches the documents of the page by _id. A relevance cursor holds the
 * fingerprint of the folded terms, the score, created_at and the id: it is refused for other
 * terms. At most MT_MONGO_RELEVANCE_SCAN_MAX matches are scored (beyond: MT_ERR_INTERNAL with a
 * message asking for more words). The recency order is the generic keyset list.
 *
 * Filters. Statuses ($in; an empty list matches nothing), kind, category,
 * territory.departement, owner_id. "The owner belongs to network N" reads the members of N
 * (their ids, at most MT_MONGO_NETWORK_MEMBERS_MAX) and filters owner_id with $in: a member's
 * networks change without touching its listings, as in SQLite (member_networks).
 * Documents of an unfinished batch insert ("_batch") are never found.
 */
#include "store_mongo_private.h"
#include "store_text.h"

#include <stdlib.h>
#include <string.h>

/* Bounds of a query (beyond: MT_ERR_BAD_REQUEST), as in the SQLite adapter. */
#define MT_MONGO_STATUSES_MAX 16
#define MT_MONGO_NETWORKS_MAX 256
/* Terms used, bytes of a term used (cut at a character boundary). */
#define MT_MONGO_TERMS_MAX 32
#define MT_MONGO_TERM_BYTES 128
/* Words of a term of MT_MONGO_TERM_BYTES bytes: at most one per two bytes. */
#define MT_MONGO_TERM_WORDS_MAX (MT_MONGO_TERM_BYTES / 2)
/* Distinct search keys of a document (a listing's texts give a few hundred). */
#define MT_MONGO_SEARCH_KEYS_MAX 4096
/* Matches scored for one page by relevance. */
#define MT_MONGO_RELEVANCE_SCAN_MAX 100000
/* Members read to resolve "the owner belongs to one of these networks". */
#define MT_MONGO_NETWORK_MEMBERS_MAX 20000

/* Relevance weights (those of the SQLite adapter's mt_listing_score). */
#define MT_MONGO_SCORE_TITLE 4
#define MT_MONGO_SCORE_TAGS 2
#define MT_MONGO_SCORE_DESCRIPTION 1

/* Cursor forms of the searches (mt_mongo_order_t.form): distinct from every other list. */
#define MT_MONGO_FORM_LISTING_RECENT 0x51
#define MT_MONGO_FORM_LISTING_RELEVANCE 0x52
#define MT_MONGO_FORM_NEED_RECENT 0x53
#define MT_MONGO_FORM_NEED_RELEVANCE 0x54

/* The fields searched, their key prefix and their weight. */
static const struct {
  const char *field;
  char prefix;
  int64_t weight;
} mt_mongo_search_fields[] = {
  { "title", 't', MT_MONGO_SCORE_TITLE },
  { "tags", 'g', MT_MONGO_SCORE_TAGS },
  { "description", 'd', MT_MONGO_SCORE_DESCRIPTION },
};
#define MT_MONGO_SEARCH_FIELDS 3

/* ---- Search keys ------------------------------------------------------------------------- */

typedef struct {
  char **keys;
  size_t count;
  char prefix;
  bool overflow;
} mt_mongo_keys_t;

static bool
mt_mongo_keys_add (const char *word, size_t len, void *arg)
{
  mt_mongo_keys_t *k = arg;
  char *key;

  if (k->count == MT_MONGO_SEARCH_KEYS_MAX) {
    k->overflow = true;
    return false;
  }
  key = malloc (len + 3);
  if (!key) {
    k->overflow = true;
    return false;
  }
  key[0] = k->prefix;
  key[1] = ':';
  memcpy (key + 2, word, len + 1);
  k->keys[k->count++] = key;
  return true;
}

static int
mt_mongo_keys_cmp (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* Adds the words of the string @it (or of each string of the array @it) to @k; false on a
 * field of another type. */
static bool
mt_mongo_keys_of_field (bson_iter_t *it, mt_mongo_keys_t *k)
{
  bson_iter_t child;
  const char *text;
  uint32_t len = 0;

  if (BSON_ITER_HOLDS_NULL (it)) {
    return true;
  }
  if (BSON_ITER_HOLDS_UTF8 (it) && k->prefix != 'g') {
    text = bson_iter_utf8 (it, &len);
    mt_text_words (text, len, 0, mt_mongo_keys_add, k);
    return true;
  }
  if (k->prefix != 'g' || !BSON_ITER_HOLDS_ARRAY (it) || !bson_iter_recurse (it, &child)) {
    return false;
  }
  while (bson_iter_next (&child)) {
    if (!BSON_ITER_HOLDS_UTF8 (&child)) {
      return false;
    }
    text = bson_iter_utf8 (&child, &len);
    mt_text_words (text, len, 0, mt_mongo_keys_add, k);
  }
  return true;
}

bool
mt_mongo_search_keys (const bson_t *doc, bson_t *extra, mt_error_t *error)
{
  mt_mongo_keys_t k = { NULL, 0, 0, false };
  char index[16];
  const char *key;
  bson_iter_t it;
  bson_t array;
  bool ok = false;
  size_t i, n = 0;

  k.keys = calloc (MT_MONGO_SEARCH_KEYS_MAX, sizeof *k.keys);
  if (!k.keys) {
    mt_mongo_out_of_memory (error);
    return false;
  }
  for (i = 0; i < MT_MONGO_SEARCH_FIELDS; i++) {
    k.prefix = mt_mongo_search_fields[i].prefix;
    if (bson_iter_init_find (&it, doc, mt_mongo_search_fields[i].field) &&
        !mt_mongo_keys_of_field (&it, &k)) {
      mt_mongo_bad_document (mt_mongo_search_fields[i].field, error);
      goto done;
    }
  }
  if (k.overflow && k.count < MT_MONGO_SEARCH_KEYS_MAX) {
    mt_mongo_out_of_memory (error);
    goto done;
  }
  /* Beyond MT_MONGO_SEARCH_KEYS_MAX words, the others are not searchable (no schema allows
   * that many: a description is at most a few thousand characters). */
  qsort (k.keys, k.count, sizeof *k.keys, mt_mongo_keys_cmp);
  BSON_APPEND_ARRAY_BEGIN (extra, "_w", &array);
  for (i = 0; i < k.count; i++) {
    if (i > 0 && strcmp (k.keys[i], k.keys[i - 1]) == 0) {
      continue;
    }
    bson_uint32_to_string ((uint32_t) n++, &key, index, sizeof index);
    bson_append_utf8 (&array, key, -1, k.keys[i], -1);
  }
  bson_append_array_end (extra, &array);
  ok = true;
done:
  for (i = 0; i < k.count; i++) {
    free (k.keys[i]);
  }
  free (k.keys);
  return ok;
}

/* ---- Terms ------------------------------------------------------------------------------- */

/* The folded words of the terms of a query: term t is words[first[t]..first[t+1]). */
struct mt_mongo_terms {
  size_t count;
  size_t first[MT_MONGO_TERMS_MAX + 1];
  size_t words; /* in use */
  char word[MT_MONGO_TERMS_MAX * MT_MONGO_TERM_WORDS_MAX][MT_TEXT_WORD_MAX + 1];
  uint32_t fingerprint; /* FNV-1a of the words, a term separator after each term */
};

static bool
mt_mongo_terms_add (const char *word, size_t len, void *arg)
{
  mt_mongo_terms_t *t = arg;

  if (t->words == MT_MONGO_TERMS_MAX * MT_MONGO_TERM_WORDS_MAX) {
    return false;
  }
  memcpy (t->word[t->words++], word, len + 1);
  return true;
}

static void
mt_mongo_fnv (uint32_t *hash, const char *s, size_t len)
{
  size_t i;

  for (i = 0; i < len; i++) {
    *hash ^= (unsigned char) s[i];
    *hash *= 16777619u;
  }
}

mt_mongo_terms_t *
mt_mongo_terms_new (const char *const *terms)
{
  mt_mongo_terms_t *t = calloc (1, sizeof *t);
  size_t i, w;

  if (!t) {
    return NULL;
  }
  t->fingerprint = 2166136261u;
  for (i = 0; terms && terms[i] && t->count < MT_MONGO_TERMS_MAX; i++) {
    t->first[t->count] = t->words;
    mt_text_words (terms[i], strlen (terms[i]), MT_MONGO_TERM_BYTES, mt_mongo_terms_add, t);
    if (t->words > t->first[t->count]) {
      for (w = t->first[t->count]; w < t->words; w++) {
        mt_mongo_fnv (&t->fingerprint, t->word[w], strlen (t->word[w]) + 1);
      }
      mt_mongo_fnv (&t->fingerprint, "\x1e", 1);
      t->count++;
    }
  }
  t->first[t->count] = t->words;
  return t;
}

void
mt_mongo_terms_destroy (mt_mongo_terms_t *terms)
{
  free (terms);
}

size_t
mt_mongo_terms_count (const mt_mongo_terms_t *terms)
{
  return terms->count;
}

uint32_t
mt_mongo_terms_fingerprint (const mt_mongo_terms_t *terms)
{
  return terms->fingerprint;
}

/* Appends the regex /^<prefix>:<word>/ (quoted) as @key of @doc. */
static void
mt_mongo_append_prefix_regex (bson_t *doc, const char *key, char prefix, const char *word)
{
  char pattern[2 * MT_TEXT_WORD_MAX + 8];
  size_t n = 0;
  const char *p;

  pattern[n++] = '^';
  pattern[n++] = prefix;
  pattern[n++] = ':';
  for (p = word; *p; p++) {
    /* Folded words hold no ASCII but [0-9a-z]; quote anything else of ASCII anyway. */
    if ((unsigned char) *p < 0x80 && !((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z'))) {
      pattern[n++] = '\\';
    }
    pattern[n++] = *p;
  }
  pattern[n] = '\0';
  bson_append_regex (doc, key, -1, pattern, "");
}

/* Appends to @conds (an array being built, next index *@n) the condition of term @t. */
static void
mt_mongo_append_term (bson_t *conds, uint32_t *n, const mt_mongo_terms_t *terms, size_t t)
{
  size_t first = terms->first[t];
  size_t last = terms->first[t + 1] - 1;
  char index[16], index2[16], key_text[MT_TEXT_WORD_MAX + 3];
  const char *key, *key2;
  bson_t cond, list, branch, all, one;
  uint32_t f, m;
  size_t w;

  bson_uint32_to_string ((*n)++, &key, index, sizeof index);
  BSON_APPEND_DOCUMENT_BEGIN (conds, key, &cond);
  if (first == last) {
    /* One word: {"_w": {"$in": [/^t:w/, /^g:w/, /^d:w/]}}. */
    bson_t in;

    BSON_APPEND_DOCUMENT_BEGIN (&cond, "_w", &in);
    BSON_APPEND_ARRAY_BEGIN (&in, "$in", &list);
    for (f = 0; f < MT_MONGO_SEARCH_FIELDS; f++) {
      bson_uint32_to_string (f, &key2, index2, sizeof index2);
      mt_mongo_append_prefix_regex (&list, key2, mt_mongo_search_fields[f].prefix,
                                    terms->word[last]);
    }
    bson_append_array_end (&in, &list);
    bson_append_document_end (&cond, &in);
  } else {
    /* Several: one field holds the first words exactly and the last as a prefix. */
    BSON_APPEND_ARRAY_BEGIN (&cond, "$or", &list);
    for (f = 0; f < MT_MONGO_SEARCH_FIELDS; f++) {
      bson_uint32_to_string (f, &key2, index2, sizeof index2);
      BSON_APPEND_DOCUMENT_BEGIN (&list, key2, &branch);
      BSON_APPEND_ARRAY_BEGIN (&branch, "$and", &all);
      m = 0;
      for (w = first; w <= last; w++) {
        bson_uint32_to_string (m++, &key2, index2, sizeof index2);
        BSON_APPEND_DOCUMENT_BEGIN (&all, key2, &one);
        if (w < last) {
          snprintf (key_text, sizeof key_text, "%c:%s", mt_mongo_search_fields[f].prefix,
                    terms->word[w]);
          BSON_APPEND_UTF8 (&one, "_w", key_text);
        } else {
          mt_mongo_append_prefix_regex (&one, "_w", mt_mongo_search_fields[f].prefix,
                                        terms->word[w]);
        }
        bson_append_document_end (&all, &one);
      }
      bson_append_array_end (&branch, &all);
      bson_append_document_end (&list, &branch);
    }
    bson_append_array_end (&cond, &list);
  }
  bson_append_document_end (conds, &cond);
}

/* True when the search keys @keys (the "_w" array) hold, under @prefix, the words of term @t
 * (all but the last exactly, the last as a prefix). */
static bool
mt_mongo_field_has_term (const bson_iter_t *keys, char prefix, const mt_mongo_terms_t *terms,
                         size_t t)
{
  size_t first = terms->first[t];
  size_t last = terms->first[t + 1] - 1;
  bson_iter_t it;
  const char *key;
  uint32_t len = 0;
  size_t w, wlen;
  bool found;

  for (w = first; w <= last; w++) {
    wlen = strlen (terms->word[w]);
    found = false;
    it = *keys;
    while (!found && bson_iter_next (&it)) {
      if (!BSON_ITER_HOLDS_UTF8 (&it)) {
        continue;
      }
      key = bson_iter_utf8 (&it, &len);
      found = len >= wlen + 2 && key[0] == prefix && key[1] == ':' &&
              memcmp (key + 2, terms->word[w], wlen) == 0 && (w == last || len == wlen + 2);
    }
    if (!found) {
      return false;
    }
  }
  return true;
}

int64_t
mt_mongo_terms_score (const mt_mongo_terms_t *terms, const bson_t *stored)
{
  bson_iter_t it, keys;
  int64_t score = 0;
  size_t t, f;

  if (!bson_iter_init_find (&it, stored, "_w") || !BSON_ITER_HOLDS_ARRAY (&it) ||
      !bson_iter_recurse (&it, &keys)) {
    return 0;
  }
  for (t = 0; t < terms->count; t++) {
    for (f = 0; f < MT_MONGO_SEARCH_FIELDS; f++) {
      if (mt_mongo_field_has_term (&keys, mt_mongo_search_fields[f].prefix, terms, t)) {
        score += mt_mongo_search_fields[f].weight;
      }
    }
  }
  return score;
}

/* ---- Filters ----------------------------------------------------------------------------- */

/* Number of strings of the NULL-terminated @list, counting at most @max + 1. */
static size_t
mt_mongo_list_count (const char *const *list, size_t max)
{
  size_t n = 0;

  while (list && list[n] && n <= max) {
    n++;
  }
  return n;
}

/* Appends to @array (at index *@n) every string of the NULL-terminated @list. */
static void
mt_mongo_append_strings (bson_t *array, uint32_t *n, const char *const *list)
{
  char index[16];
  const char *key;
  size_t i;

  for (i = 0; list && list[i]; i++) {
    bson_uint32_to_string ((*n)++, &key, index, sizeof index);
    bson_append_utf8 (array, key, -1, list[i], -1);
  }
}

/*
 * Appends to @conds (index *@n) {"owner_id": {"$in": [ids of the members of @networks]}}.
 * MT_ERR_INTERNAL beyond MT_MONGO_NETWORK_MEMBERS_MAX members.
 */
static bool
mt_mongo_append_members_of (mt_store_t *store, const char *const *networks, bson_t *conds,
                            uint32_t *n, mt_error_t *error)
{
  bson_t filter = BSON_INITIALIZER, opts = BSON_INITIALIZER, child, in, cond, ids;
  mongoc_cursor_t *cursor = NULL;
  const bson_t *doc;
  bson_error_t bson_error;
  char index[16];
  const char *key;
  uint32_t count = 0, unused = 0;
  bson_iter_t it;
  bool ok = false;

  BSON_APPEND_DOCUMENT_BEGIN (&filter, "networks", &child);
  BSON_APPEND_ARRAY_BEGIN (&child, "$in", &in);
  mt_mongo_append_strings (&in, &unused, networks);
  bson_append_array_end (&child, &in);
  bson_append_document_end (&filter, &child);
  BSON_APPEND_DOCUMENT_BEGIN (&opts, "projection", &child);
  BSON_APPEND_INT32 (&child, "_id", 1);
  bson_append_document_end (&opts, &child);

  bson_uint32_to_string ((*n)++, &key, index, sizeof index);
  BSON_APPEND_DOCUMENT_BEGIN (conds, key, &cond);
  BSON_APPEND_DOCUMENT_BEGIN (&cond, "owner_id", &child);
  BSON_APPEND_ARRAY_BEGIN (&child, "$in", &ids);
  cursor = mongoc_collection_find_with_opts (mt_mongo_coll (store, MT_MONGO_MEMBERS), &filter,
                                             &opts, NULL);
  while (mongoc_cursor_next (cursor, &doc)) {
    if (count == MT_MONGO_NETWORK_MEMBERS_MAX) {
      mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                    "trop de membres dans ces réseaux pour la recherche (%d au plus)",
                    "too many members in these networks for the search (at most %d)",
                    MT_MONGO_NETWORK_MEMBERS_MAX);
      goto done;
    }
    if (bson_iter_init_find (&it, doc, "_id") && BSON_ITER_HOLDS_UTF8 (&it)) {
      bson_uint32_to_string (count++, &key, index, sizeof index);
      bson_append_utf8 (&ids, key, -1, bson_iter_utf8 (&it, NULL), -1);
    }
  }
  if (mongoc_cursor_error (cursor, &bson_error)) {
    mt_mongo_error (&bson_error, NULL, "find in members", error);
    goto done;
  }
  ok = true;
done:
  bson_append_array_end (&child, &ids);
  bson_append_document_end (&cond, &child);
  bson_append_document_end (conds, &cond);
  mongoc_cursor_destroy (cursor);
  bson_destroy (&filter);
  bson_destroy (&opts);
  return ok;
}

static void
mt_mongo_append_eq (bson_t *conds, uint32_t *n, const char *field, const char *value)
{
  char index[16];
  const char *key;
  bson_t cond;

  if (!value) {
    return;
  }
  bson_uint32_to_string ((*n)++, &key, index, sizeof index);
  BSON_APPEND_DOCUMENT_BEGIN (conds, key, &cond);
  BSON_APPEND_UTF8 (&cond, field, value);
  bson_append_document_end (conds, &cond);
}

/* The visibility filter: public, one's own, or the owner in one of the visible networks. */
static bool
mt_mongo_append_visibility (mt_store_t *store, const mt_store_listing_query_t *q, bson_t *conds,
                            uint32_t *n, mt_error_t *error)
{
  char index[16];
  const char *key;
  bson_t cond, any, branch;
  uint32_t m = 0;
  bool ok = true;

  bson_uint32_to_string ((*n)++, &key, index, sizeof index);
  BSON_APPEND_DOCUMENT_BEGIN (conds, key, &cond);
  BSON_APPEND_ARRAY_BEGIN (&cond, "$or", &any);
  bson_uint32_to_string (m++, &key, index, sizeof index);
  BSON_APPEND_DOCUMENT_BEGIN (&any, key, &branch);
  BSON_APPEND_UTF8 (&branch, "visibility", "public");
  bson_append_document_end (&any, &branch);
  mt_mongo_append_eq (&any, &m, "owner_id", q->own_member_id);
  if (q->visible_networks && q->visible_networks[0]) {
    ok = mt_mongo_append_members_of (store, q->visible_networks, &any, &m, error);
  }
  bson_append_array_end (&cond, &any);
  bson_append_document_end (conds, &cond);
  return ok;
}

/* The filter of @q (terms @terms) for find: {"$and": [conditions]}. @filter is initialised by
 * the callee (empty on failure). */
static bool
mt_mongo_search_filter (mt_store_t *store, const mt_store_listing_query_t *q,
                        const mt_mongo_terms_t *terms, bson_t *filter, mt_error_t *error)
{
  const char *one_network[2] = { NULL, NULL };
  bson_t conds, cond, child, list;
  char index[16];
  const char *key;
  uint32_t n = 0, m = 0;
  bool ok = false;
  size_t t;

  bson_init (filter);
  if (mt_mongo_list_count (q->statuses, MT_MONGO_STATUSES_MAX) > MT_MONGO_STATUSES_MAX ||
      (!q->any_visibility &&
       mt_mongo_list_count (q->visible_networks, MT_MONGO_NETWORKS_MAX) > MT_MONGO_NETWORKS_MAX)) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_BAD_REQUEST,
                  "trop de statuts (%d au plus) ou de réseaux (%d au plus) dans la recherche",
                  "too many statuses (at most %d) or networks (at most %d) in the search",
                  MT_MONGO_STATUSES_MAX, MT_MONGO_NETWORKS_MAX);
    return false;
  }
  BSON_APPEND_ARRAY_BEGIN (filter, "$and", &conds);
  bson_uint32_to_string (n++, &key, index, sizeof index);
  BSON_APPEND_DOCUMENT_BEGIN (&conds, key, &cond);
  BSON_APPEND_DOCUMENT_BEGIN (&cond, "_batch", &child);
  BSON_APPEND_BOOL (&child, "$exists", false);
  bson_append_document_end (&cond, &child);
  bson_append_document_end (&conds, &cond);
  mt_mongo_append_eq (&conds, &n, "kind", q->kind);
  mt_mongo_append_eq (&conds, &n, "category", q->category);
  mt_mongo_append_eq (&conds, &n, "territory.departement", q->departement);
  mt_mongo_append_eq (&conds, &n, "owner_id", q->owner_id);
  if (q->statuses) {
    /* {"status": {"$in": []}} matches nothing, as the contract wants. */
    bson_uint32_to_string (n++, &key, index, sizeof index);
    BSON_APPEND_DOCUMENT_BEGIN (&conds, key, &cond);
    BSON_APPEND_DOCUMENT_BEGIN (&cond, "status", &child);
    BSON_APPEND_ARRAY_BEGIN (&child, "$in", &list);
    mt_mongo_append_strings (&list, &m, q->statuses);
    bson_append_array_end (&child, &list);
    bson_append_document_end (&cond, &child);
    bson_append_document_end (&conds, &cond);
  }
  for (t = 0; terms && t < terms->count; t++) {
    mt_mongo_append_term (&conds, &n, terms, t);
  }
  one_network[0] = q->network_id;
  ok = (!q->network_id || mt_mongo_append_members_of (store, one_network, &conds, &n, error)) &&
       (q->any_visibility || mt_mongo_append_visibility (store, q, &conds, &n, error));
  bson_append_array_end (filter, &conds);
  if (!ok) {
    bson_reinit (filter);
  }
  return ok;
}

/* ---- Relevance --------------------------------------------------------------------------- */

/* The sort key of a match. */
typedef struct {
  int64_t score;
  int64_t created_at;
  char id[256];
} mt_mongo_hit_t;

/* True when @a comes before @b: score desc, created_at desc, id desc. */
static bool
mt_mongo_hit_before (const mt_mongo_hit_t *a, const mt_mongo_hit_t *b)
{
  if (a->score != b->score) {
    return a->score > b->score;
  }
  if (a->created_at != b->created_at) {
    return a->created_at > b->created_at;
  }
  return strcmp (a->id, b->id) > 0;
}

/* The best @cap hits after the cursor, in order. */
typedef struct {
  mt_mongo_hit_t *hits;
  size_t count;
  size_t cap;
} mt_mongo_top_t;

static void
mt_mongo_top_add (mt_mongo_top_t *top, const mt_mongo_hit_t *hit)
{
  size_t i;

  if (top->count == top->cap && !mt_mongo_hit_before (hit, &top->hits[top->count - 1])) {
    return;
  }
  i = top->count < top->cap ? top->count++ : top->count - 1;
  while (i > 0 && mt_mongo_hit_before (hit, &top->hits[i - 1])) {
    top->hits[i] = top->hits[i - 1];
    i--;
  }
  top->hits[i] = *hit;
}

/* Decodes a relevance cursor of @form for @terms into @after. */
static bool
mt_mongo_relevance_after (const char *cursor, uint8_t form, const mt_mongo_terms_t *terms,
                          mt_mongo_hit_t *after, mt_error_t *error)
{
  bson_t values;
  bson_iter_t it;
  int64_t fingerprint = -1;
  bool ok = false;
  int i = 0;

  if (!mt_mongo_cursor_decode (cursor, form, 4, &values, error)) {
    bson_destroy (&values);
    return false;
  }
  if (bson_iter_init (&it, &values)) {
    while (bson_iter_next (&it)) {
      if (i == 0 && BSON_ITER_HOLDS_INT64 (&it)) {
        fingerprint = bson_iter_int64 (&it);
      } else if (i == 1 && BSON_ITER_HOLDS_INT64 (&it)) {
        after->score = bson_iter_int64 (&it);
      } else if (i == 2 && BSON_ITER_HOLDS_DATE_TIME (&it)) {
        after->created_at = bson_iter_date_time (&it);
      } else if (i == 3 && BSON_ITER_HOLDS_UTF8 (&it) &&
                 strlen (bson_iter_utf8 (&it, NULL)) < sizeof after->id) {
        snprintf (after->id, sizeof after->id, "%s", bson_iter_utf8 (&it, NULL));
      } else {
        break;
      }
      i++;
    }
  }
  ok = i == 4 && fingerprint == (int64_t) terms->fingerprint;
  if (!ok) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_BAD_REQUEST,
                  "curseur de pagination d'une autre recherche",
                  "pagination cursor of another search");
  }
  bson_destroy (&values);
  return ok;
}

static bool
mt_mongo_relevance_cursor (uint8_t form, const mt_mongo_terms_t *terms, const mt_mongo_hit_t *last,
                           char out[MT_STORE_CURSOR_MAX], mt_error_t *error)
{
  bson_t values = BSON_INITIALIZER;
  bool ok;

  BSON_APPEND_INT64 (&values, "0", (int64_t) terms->fingerprint);
  BSON_APPEND_INT64 (&values, "1", last->score);
  BSON_APPEND_DATE_TIME (&values, "2", last->created_at);
  BSON_APPEND_UTF8 (&values, "3", last->id);
  ok = mt_mongo_cursor_encode (form, &values, out);
  bson_destroy (&values);
  if (!ok) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL, "identifiant impropre à la pagination",
                  "id unfit for pagination");
  }
  return ok;
}

/* Scores every match of @filter and keeps in @top the best after @after (may be NULL). */
static bool
mt_mongo_relevance_scan (mt_store_t *store, mt_mongo_coll_t coll, const bson_t *filter,
                         const mt_mongo_terms_t *terms, const mt_mongo_hit_t *after,
                         mt_mongo_top_t *top, mt_error_t *error)
{
  bson_t opts = BSON_INITIALIZER, child;
  mongoc_cursor_t *cursor;
  bson_error_t bson_error;
  const bson_t *doc;
  mt_mongo_hit_t hit;
  const char *id;
  size_t scanned = 0;
  bool ok = false;

  BSON_APPEND_DOCUMENT_BEGIN (&opts, "projection", &child);
  BSON_APPEND_INT32 (&child, "_id", 1);
  BSON_APPEND_INT32 (&child, "created_at", 1);
  BSON_APPEND_INT32 (&child, "_w", 1);
  bson_append_document_end (&opts, &child);
  cursor = mongoc_collection_find_with_opts (mt_mongo_coll (store, coll), filter, &opts, NULL);
  while (mongoc_cursor_next (cursor, &doc)) {
    if (++scanned > MT_MONGO_RELEVANCE_SCAN_MAX) {
      mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                    "trop de résultats à classer par pertinence (%d au plus) : précisez la "
                    "recherche",
                    "too many matches to order by relevance (at most %d): narrow the search",
                    MT_MONGO_RELEVANCE_SCAN_MAX);
      goto done;
    }
    id = mt_mongo_doc_str (doc, "_id");
    if (!id || strlen (id) >= sizeof hit.id ||
        !mt_mongo_doc_date (doc, "created_at", &hit.created_at)) {
      mt_mongo_bad_document ("created_at", error);
      goto done;
    }
    memcpy (hit.id, id, strlen (id) + 1);
    hit.score = mt_mongo_terms_score (terms, doc);
    if (!after || mt_mongo_hit_before (after, &hit)) {
      mt_mongo_top_add (top, &hit);
    }
  }
  if (mongoc_cursor_error (cursor, &bson_error)) {
    mt_mongo_error (&bson_error, NULL, "relevance search", error);
    goto done;
  }
  ok = true;
done:
  mongoc_cursor_destroy (cursor);
  bson_destroy (&opts);
  return ok;
}

/* Fetches the documents of @hits (in that order) into @out; those gone meanwhile are left
 * out. */
static bool
mt_mongo_relevance_fetch (mt_store_t *store, mt_mongo_coll_t coll, const mt_mongo_hit_t *hits,
                          size_t count, mt_store_page_t *out, mt_error_t *error)
{
  bson_t filter = BSON_INITIALIZER, child, in;
  bson_t *docs[MT_STORE_PAGE_MAX] = { NULL };
  mongoc_cursor_t *cursor = NULL;
  bson_error_t bson_error;
  const bson_t *doc;
  const char *id, *key;
  char index[16];
  bool ok = false;
  size_t i;

  BSON_APPEND_DOCUMENT_BEGIN (&filter, "_id", &child);
  BSON_APPEND_ARRAY_BEGIN (&child, "$in", &in);
  for (i = 0; i < count; i++) {
    bson_uint32_to_string ((uint32_t) i, &key, index, sizeof index);
    bson_append_utf8 (&in, key, -1, hits[i].id, -1);
  }
  bson_append_array_end (&child, &in);
  bson_append_document_end (&filter, &child);
  BSON_APPEND_DOCUMENT_BEGIN (&filter, "_batch", &child);
  BSON_APPEND_BOOL (&child, "$exists", false);
  bson_append_document_end (&filter, &child);
  cursor = mongoc_collection_find_with_opts (mt_mongo_coll (store, coll), &filter, NULL, NULL);
  while (mongoc_cursor_next (cursor, &doc)) {
    id = mt_mongo_doc_str (doc, "_id");
    for (i = 0; id && i < count; i++) {
      if (!docs[i] && strcmp (hits[i].id, id) == 0) {
        docs[i] = bson_copy (doc);
        break;
      }
    }
  }
  if (mongoc_cursor_error (cursor, &bson_error)) {
    mt_mongo_error (&bson_error, NULL, "relevance search", error);
    goto done;
  }
  for (i = 0; i < count; i++) {
    if (docs[i] && !mt_mongo_page_append (out, docs[i], error)) {
      goto done;
    }
  }
  ok = true;
done:
  for (i = 0; i < count; i++) {
    if (docs[i]) {
      bson_destroy (docs[i]);
    }
  }
  mongoc_cursor_destroy (cursor);
  bson_destroy (&filter);
  return ok;
}

static bool
mt_mongo_relevance_page (mt_store_t *store, mt_mongo_coll_t coll, uint8_t form,
                         const mt_store_listing_query_t *q, const mt_mongo_terms_t *terms,
                         const bson_t *filter, uint32_t limit, mt_store_page_t *out,
                         mt_error_t *error)
{
  mt_mongo_hit_t after;
  mt_mongo_top_t top = { NULL, 0, (size_t) limit + 1 };
  bool has_after = q->cursor && *q->cursor;
  bool ok = false;

  memset (&after, 0, sizeof after);
  top.hits = calloc (top.cap, sizeof *top.hits);
  if (!top.hits) {
    mt_mongo_out_of_memory (error);
    return false;
  }
  if ((has_after && !mt_mongo_relevance_after (q->cursor, form, terms, &after, error)) ||
      !mt_mongo_relevance_scan (store, coll, filter, terms, has_after ? &after : NULL, &top,
                                error)) {
    goto done;
  }
  if (top.count > limit) {
    top.count = limit;
    if (!mt_mongo_relevance_cursor (form, terms, &top.hits[limit - 1], out->next_cursor, error)) {
      goto done;
    }
  }
  ok = mt_mongo_relevance_fetch (store, coll, top.hits, top.count, out, error);
done:
  free (top.hits);
  return ok;
}

/* ---- The searches ------------------------------------------------------------------------ */

static const mt_mongo_sort_key_t mt_mongo_recent_keys[] = {
  { "created_at", -1 },
  { "_id", -1 },
};

static bool
mt_mongo_search (mt_store_t *store, mt_mongo_coll_t coll, uint8_t recent_form,
                 uint8_t relevance_form, const mt_store_listing_query_t *q, mt_store_page_t *out,
                 mt_error_t *error)
{
  const mt_mongo_order_t recent = { recent_form, mt_mongo_recent_keys, 2 };
  mt_mongo_terms_t *terms = NULL;
  bson_t filter = BSON_INITIALIZER;
  uint32_t limit;
  bool ok = false;

  mt_store_page_init (out);
  if (!q || q->limit == 0) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_BAD_REQUEST, "taille de page invalide (1 à %d)",
                  "invalid page size (1 to %d)", MT_STORE_PAGE_MAX);
    goto done;
  }
  limit = q->limit > MT_STORE_PAGE_MAX ? MT_STORE_PAGE_MAX : q->limit;
  terms = mt_mongo_terms_new (q->terms);
  if (!terms) {
    mt_mongo_out_of_memory (error);
    goto done;
  }
  bson_destroy (&filter);
  if (!mt_mongo_search_filter (store, q, terms, &filter, error)) {
    goto done;
  }
  if (q->sort == MT_LISTING_SORT_RELEVANCE && terms->count > 0) {
    ok =
      mt_mongo_relevance_page (store, coll, relevance_form, q, terms, &filter, limit, out, error);
  } else {
    mt_store_page_destroy (out);
    ok = mt_mongo_list (store, coll, &filter, &recent, q->cursor, limit, out, error);
  }
done:
  if (!ok) {
    mt_store_page_destroy (out);
    mt_store_page_init (out);
  }
  mt_mongo_terms_destroy (terms);
  bson_destroy (&filter);
  return ok;
}

static bool
mt_mongo_listing_search (mt_store_t *store, const mt_store_listing_query_t *query,
                         mt_store_page_t *out, mt_error_t *error)
{
  return mt_mongo_search (store, MT_MONGO_LISTINGS, MT_MONGO_FORM_LISTING_RECENT,
                          MT_MONGO_FORM_LISTING_RELEVANCE, query, out, error);
}

static bool
mt_mongo_need_search (mt_store_t *store, const mt_store_listing_query_t *query,
                      mt_store_page_t *out, mt_error_t *error)
{
  return mt_mongo_search (store, MT_MONGO_NEEDS, MT_MONGO_FORM_NEED_RECENT,
                          MT_MONGO_FORM_NEED_RELEVANCE, query, out, error);
}

void
mt_mongo_search_ops (mt_store_ops_t *ops)
{
  ops->listing_search = mt_mongo_listing_search;
  ops->need_search = mt_mongo_need_search;
}
