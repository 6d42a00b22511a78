/*
 * Unit tests of what only the MongoDB adapter has for listings and their search
 * (server/storage/mongo/store_mongo_listings.c, store_mongo_search.c), against the
 * wire-protocol double (tests/support/mt_mongo_double.h): the search keys "_w" of a document,
 * the folded terms (fingerprint, score), a relevance cursor refused for other terms, a batch
 * insert interrupted by a duplicate in the middle (nothing visible, nothing left), the repair
 * of an old unfinished batch (uncommitted: deleted; committed: finished) and of orphan chunks,
 * photos and calendars. Skipped, with the reason, when the double cannot run.
 */
#include "mt_test.h"

#include "mt_mongo_double.h"
#include "store.h"

#include "mongo/store_mongo_private.h"

#include "mt_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  mt_mongo_double_t dbl;
  bool available;
  char why[256];
  unsigned counter;
} fixture_t;

static fixture_t fx;
static mt_error_t err;

#define OK(call)                                                                                   \
  do {                                                                                             \
    mt_error_clear (&err);                                                                         \
    if (!(call)) {                                                                                 \
      fail_msg ("%s failed: %s", #call, err.message);                                              \
    }                                                                                              \
  } while (0)

#define FAILS(expected, call)                                                                      \
  do {                                                                                             \
    mt_error_clear (&err);                                                                         \
    assert_false (call);                                                                           \
    assert_int_equal (err.code, (expected));                                                       \
  } while (0)

static int
group_setup (void **state)
{
  mongoc_init ();
  mt_log_set_level (MT_LOG_WARN);
  fx.available = mt_mongo_double_available (fx.why, sizeof fx.why);
  if (fx.available && !mt_mongo_double_start (&fx.dbl)) {
    return -1;
  }
  return 0;
}

static int
group_teardown (void **state)
{
  int status = 0;

  if (fx.available) {
    status = mt_mongo_double_stop (&fx.dbl);
  }
  return status == 0 ? 0 : -1;
}

/* A fresh database of the double, opened; skips the test when the double cannot run. */
static mt_store_t *
open_store (mt_store_backend_t **backend)
{
  char uri[256], db[32];
  mt_store_t *st;

  if (!fx.available) {
    mt_test_say_skip ("mongo double", fx.why);
    skip ();
  }
  snprintf (db, sizeof db, "msearch_%u", fx.counter++);
  assert_true (mt_mongo_double_uri (&fx.dbl, db, uri, sizeof uri));
  *backend = mt_store_backend_new (uri, &err);
  if (!*backend) {
    fail_msg ("backend: %s", err.message);
  }
  st = mt_store_open (*backend, &err);
  assert_non_null (st);
  return st;
}

static void
close_store (mt_store_t *st, mt_store_backend_t *backend)
{
  mt_store_close (st);
  mt_store_backend_destroy (backend);
}

static void
listing (bson_t *doc, const char *id, const char *title, const char *description, const char *tag,
         int64_t created_at)
{
  bson_t tags;

  bson_init (doc);
  BSON_APPEND_UTF8 (doc, "id", id);
  BSON_APPEND_INT64 (doc, "version", 1);
  BSON_APPEND_UTF8 (doc, "owner_id", "mem_x");
  BSON_APPEND_UTF8 (doc, "title", title);
  if (description) {
    BSON_APPEND_UTF8 (doc, "description", description);
  }
  BSON_APPEND_ARRAY_BEGIN (doc, "tags", &tags);
  if (tag) {
    BSON_APPEND_UTF8 (&tags, "0", tag);
  }
  bson_append_array_end (doc, &tags);
  BSON_APPEND_UTF8 (doc, "visibility", "public");
  BSON_APPEND_DATE_TIME (doc, "created_at", created_at);
}

/* The "_w" of a document joined by "|". */
static void
keys_of (const bson_t *extra, char *out, size_t size)
{
  bson_iter_t it, child;
  size_t used = 0;

  out[0] = '\0';
  assert_true (bson_iter_init_find (&it, extra, "_w") && BSON_ITER_HOLDS_ARRAY (&it));
  assert_true (bson_iter_recurse (&it, &child));
  while (bson_iter_next (&child)) {
    used += (size_t) snprintf (out + used, size - used, "%s%s", used ? "|" : "",
                               bson_iter_utf8 (&child, NULL));
    assert_true (used < size);
  }
}

static void
search_keys_of_a_document (void **state)
{
  bson_t doc, extra = BSON_INITIALIZER, bad;
  char keys[512];

  listing (&doc, "lst_1", "Vélo-cargo VÉLO", "Un vélo, très solide.", "Vélo", 1);
  OK (mt_mongo_search_keys (&doc, &extra, &err));
  keys_of (&extra, keys, sizeof keys);
  /* Sorted, without repetition, one prefix per field. */
  assert_string_equal (keys, "d:solide|d:tres|d:un|d:velo|g:velo|t:cargo|t:velo");
  bson_destroy (&extra);
  bson_destroy (&doc);

  /* A tag that is not a string, a title that is not one. */
  bson_init (&bad);
  BSON_APPEND_INT32 (&bad, "title", 3);
  bson_init (&extra);
  FAILS (MT_ERR_INTERNAL, mt_mongo_search_keys (&bad, &extra, &err));
  bson_destroy (&extra);
  bson_destroy (&bad);
  bson_init (&bad);
  BSON_APPEND_UTF8 (&bad, "tags", "velo");
  bson_init (&extra);
  FAILS (MT_ERR_INTERNAL, mt_mongo_search_keys (&bad, &extra, &err));
  bson_destroy (&extra);
  bson_destroy (&bad);
}

static void
terms_fold_score_and_fingerprint (void **state)
{
  mt_mongo_terms_t *a = mt_mongo_terms_new ((const char *[]){ "Vélo", "--", "cargo", NULL });
  mt_mongo_terms_t *b = mt_mongo_terms_new ((const char *[]){ "velo", "CARGO", "!", NULL });
  mt_mongo_terms_t *c = mt_mongo_terms_new ((const char *[]){ "velo", NULL });
  mt_mongo_terms_t *phrase = mt_mongo_terms_new ((const char *[]){ "vélo-car", NULL });
  mt_mongo_terms_t *none = mt_mongo_terms_new ((const char *[]){ "«»", "🚲", NULL });
  bson_t doc, stored = BSON_INITIALIZER;

  assert_int_equal (mt_mongo_terms_count (a), 2);
  assert_int_equal (mt_mongo_terms_count (none), 0);
  /* Same folded words, same fingerprint; others differ. */
  assert_int_equal (mt_mongo_terms_fingerprint (a), mt_mongo_terms_fingerprint (b));
  assert_int_not_equal (mt_mongo_terms_fingerprint (a), mt_mongo_terms_fingerprint (c));

  listing (&doc, "lst_1", "Vélo cargo", "Un vélo.", "cargo", 1);
  OK (mt_mongo_search_keys (&doc, &stored, &err));
  /* velo: title 4 + description 1; cargo: title 4 + tags 2. */
  assert_int_equal (mt_mongo_terms_score (a, &stored), 11);
  assert_int_equal (mt_mongo_terms_score (c, &stored), 5);
  /* A term of two words: in one field, the last as a prefix (the title only). */
  assert_int_equal (mt_mongo_terms_score (phrase, &stored), 4);
  bson_destroy (&stored);
  bson_destroy (&doc);
  mt_mongo_terms_destroy (a);
  mt_mongo_terms_destroy (b);
  mt_mongo_terms_destroy (c);
  mt_mongo_terms_destroy (phrase);
  mt_mongo_terms_destroy (none);
}

static void
relevance_cursor_is_tied_to_its_terms (void **state)
{
  mt_store_backend_t *backend = NULL;
  mt_store_t *st = open_store (&backend);
  mt_store_listing_query_t q = { .any_visibility = true,
                                 .limit = 1,
                                 .sort = MT_LISTING_SORT_RELEVANCE };
  char cursor[MT_STORE_CURSOR_MAX];
  mt_store_page_t page;
  bson_t doc;

  listing (&doc, "lst_1", "Tente", NULL, "tente", 1);
  OK (st->ops->listing_insert (st, &doc, &err));
  bson_destroy (&doc);
  listing (&doc, "lst_2", "Tente de plage", NULL, NULL, 2);
  OK (st->ops->listing_insert (st, &doc, &err));
  bson_destroy (&doc);

  q.terms = (const char *[]){ "tente", NULL };
  OK (st->ops->listing_search (st, &q, &page, &err));
  assert_int_equal (page.count, 1);
  snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
  mt_store_page_destroy (&page);
  assert_string_not_equal (cursor, "");

  /* The same folded terms: accepted, the second page. */
  q.cursor = cursor;
  q.terms = (const char *[]){ "TENTE", NULL };
  OK (st->ops->listing_search (st, &q, &page, &err));
  assert_int_equal (page.count, 1);
  assert_string_equal (page.next_cursor, "");
  mt_store_page_destroy (&page);
  /* Other terms, or a need search: refused. */
  q.terms = (const char *[]){ "tent", NULL };
  FAILS (MT_ERR_BAD_REQUEST, st->ops->listing_search (st, &q, &page, &err));
  mt_store_page_destroy (&page);
  q.terms = (const char *[]){ "tente", NULL };
  FAILS (MT_ERR_BAD_REQUEST, st->ops->need_search (st, &q, &page, &err));
  mt_store_page_destroy (&page);
  close_store (st, backend);
}

/* Number of listings stored, whatever their markers. */
static int64_t
stored_listings (mt_store_t *st)
{
  bson_t all = BSON_INITIALIZER;
  int64_t n = -1;

  OK (mt_mongo_count (st, MT_MONGO_LISTINGS, &all, &n, &err));
  bson_destroy (&all);
  return n;
}

static void
batch_interrupted_leaves_nothing (void **state)
{
  mt_store_backend_t *backend = NULL;
  mt_store_t *st = open_store (&backend);
  mt_store_listing_query_t q = { .any_visibility = true, .limit = 10 };
  bson_t docs[5], out;
  const bson_t *batch[5];
  mt_store_page_t page;
  char id[16];
  int i;

  listing (&docs[0], "lst_taken", "Déjà là", NULL, NULL, 1);
  OK (st->ops->listing_insert (st, &docs[0], &err));
  bson_destroy (&docs[0]);
  /* A duplicate in the middle: the first two are inserted, then the insert stops. */
  for (i = 0; i < 5; i++) {
    snprintf (id, sizeof id, "lst_b%d", i);
    listing (&docs[i], i == 2 ? "lst_taken" : id, "Import", NULL, NULL, 10 + i);
    batch[i] = &docs[i];
  }
  FAILS (MT_ERR_DUPLICATE, st->ops->listing_insert_many (st, batch, 5, &err));
  assert_int_equal (stored_listings (st), 1);
  FAILS (MT_ERR_NOT_FOUND, st->ops->listing_get (st, "lst_b0", &out, &err));
  bson_destroy (&out);
  OK (st->ops->listing_search (st, &q, &page, &err));
  assert_int_equal (page.count, 1);
  mt_store_page_destroy (&page);
  for (i = 0; i < 5; i++) {
    bson_destroy (&docs[i]);
  }
  close_store (st, backend);
}

/* Inserts a listing marked as a batch member of @batch_id, at @at, committed or not. */
static void
insert_marked (mt_store_t *st, const char *id, const char *batch_id, int64_t at, bool committed)
{
  bson_t doc, marker = BSON_INITIALIZER, extra = BSON_INITIALIZER;

  listing (&doc, id, "Marqué", NULL, NULL, 5);
  BSON_APPEND_UTF8 (&marker, "id", batch_id);
  BSON_APPEND_DATE_TIME (&marker, "at", at);
  if (committed) {
    BSON_APPEND_BOOL (&marker, "commit", true);
  }
  BSON_APPEND_DOCUMENT (&extra, "_batch", &marker);
  OK (mt_mongo_insert (st, MT_MONGO_LISTINGS, &doc, true, &extra, &err));
  bson_destroy (&doc);
  bson_destroy (&marker);
  bson_destroy (&extra);
}

static void
repair_settles_old_batches (void **state)
{
  mt_store_backend_t *backend = NULL;
  mt_store_t *st = open_store (&backend);
  const int64_t now = 1800000000000;
  const int64_t old = now - MT_MONGO_REPAIR_GRACE_MS - 1;
  bson_t out;

  insert_marked (st, "lst_old_1", "bat_old", old, false);
  insert_marked (st, "lst_old_2", "bat_old", old, false);
  insert_marked (st, "lst_done_1", "bat_done", old, true);
  insert_marked (st, "lst_done_2", "bat_done", old, false);
  insert_marked (st, "lst_new", "bat_new", now - 1000, false);
  FAILS (MT_ERR_NOT_FOUND, st->ops->listing_get (st, "lst_done_1", &out, &err));
  bson_destroy (&out);

  OK (mt_mongo_repair (st, now, &err));
  /* Uncommitted and old: deleted. Committed: finished, both visible. Recent: kept. */
  assert_int_equal (stored_listings (st), 3);
  OK (st->ops->listing_get (st, "lst_done_1", &out, &err));
  bson_destroy (&out);
  OK (st->ops->listing_get (st, "lst_done_2", &out, &err));
  bson_destroy (&out);
  FAILS (MT_ERR_NOT_FOUND, st->ops->listing_get (st, "lst_new", &out, &err));
  bson_destroy (&out);
  /* Idempotent. */
  OK (mt_mongo_repair (st, now, &err));
  assert_int_equal (stored_listings (st), 3);
  close_store (st, backend);
}

static void
repair_removes_orphan_chunks_photos_and_calendars (void **state)
{
  mt_store_backend_t *backend = NULL;
  mt_store_t *st = open_store (&backend);
  const int64_t now = 1800000000000;
  const uint8_t bytes[] = { 1, 2, 3 };
  bson_t doc, meta, chunk, none = BSON_INITIALIZER, out;
  int64_t n = 0;
  uint8_t *data = NULL;
  size_t len = 0;

  listing (&doc, "lst_1", "Remorque", NULL, NULL, 1);
  OK (st->ops->listing_insert (st, &doc, &err));
  bson_destroy (&doc);
  bson_init (&meta);
  BSON_APPEND_UTF8 (&meta, "id", "pho_kept");
  BSON_APPEND_UTF8 (&meta, "listing_id", "lst_1");
  BSON_APPEND_INT64 (&meta, "bytes", 3);
  OK (st->ops->photo_insert (st, &meta, bytes, sizeof bytes, &err));
  bson_destroy (&meta);

  /* An orphan photo (its listing is gone), old orphan chunks, recent ones, a calendar. */
  bson_init (&meta);
  BSON_APPEND_UTF8 (&meta, "id", "pho_orphan");
  BSON_APPEND_UTF8 (&meta, "listing_id", "lst_gone");
  BSON_APPEND_INT64 (&meta, "bytes", 0);
  OK (mt_mongo_insert (st, MT_MONGO_PHOTOS, &meta, false, NULL, &err));
  bson_destroy (&meta);
  bson_init (&chunk);
  BSON_APPEND_UTF8 (&chunk, "id", "pho_none:0");
  BSON_APPEND_UTF8 (&chunk, "photo_id", "pho_none");
  BSON_APPEND_INT32 (&chunk, "n", 0);
  BSON_APPEND_BINARY (&chunk, "data", BSON_SUBTYPE_BINARY, bytes, 3);
  BSON_APPEND_DATE_TIME (&chunk, "at", now - MT_MONGO_REPAIR_GRACE_MS - 1);
  OK (mt_mongo_insert (st, MT_MONGO_PHOTO_CHUNKS, &chunk, false, NULL, &err));
  bson_destroy (&chunk);
  bson_init (&chunk);
  BSON_APPEND_UTF8 (&chunk, "id", "pho_inflight:0");
  BSON_APPEND_UTF8 (&chunk, "photo_id", "pho_inflight");
  BSON_APPEND_INT32 (&chunk, "n", 0);
  BSON_APPEND_BINARY (&chunk, "data", BSON_SUBTYPE_BINARY, bytes, 3);
  BSON_APPEND_DATE_TIME (&chunk, "at", now - 1000);
  OK (mt_mongo_insert (st, MT_MONGO_PHOTO_CHUNKS, &chunk, false, NULL, &err));
  bson_destroy (&chunk);
  bson_init (&doc);
  BSON_APPEND_UTF8 (&doc, "listing_id", "lst_gone");
  BSON_APPEND_INT64 (&doc, "version", 1);
  BSON_APPEND_ARRAY_BEGIN (&doc, "entries", &chunk);
  bson_append_array_end (&doc, &chunk);
  OK (mt_mongo_insert (st, MT_MONGO_CALENDARS, &doc, true, NULL, &err));
  bson_destroy (&doc);

  OK (mt_mongo_repair (st, now, &err));
  OK (mt_mongo_count (st, MT_MONGO_PHOTOS, &none, &n, &err));
  assert_int_equal (n, 1);
  /* The kept photo's chunk and the recent one (an insert in progress) stay. */
  OK (mt_mongo_count (st, MT_MONGO_PHOTO_CHUNKS, &none, &n, &err));
  assert_int_equal (n, 2);
  OK (mt_mongo_count (st, MT_MONGO_CALENDARS, &none, &n, &err));
  assert_int_equal (n, 0);
  OK (st->ops->photo_get (st, "pho_kept", &out, &data, &len, &err));
  assert_int_equal (len, 3);
  assert_memory_equal (data, bytes, 3);
  free (data);
  bson_destroy (&out);
  bson_destroy (&none);
  close_store (st, backend);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("store/mongodb/search/keys_of_a_document", search_keys_of_a_document),
    MT_TEST ("store/mongodb/search/terms_fold_score_and_fingerprint",
             terms_fold_score_and_fingerprint),
    MT_TEST ("store/mongodb/search/relevance_cursor_is_tied_to_its_terms",
             relevance_cursor_is_tied_to_its_terms),
    MT_TEST ("store/mongodb/listings/batch_interrupted_leaves_nothing",
             batch_interrupted_leaves_nothing),
    MT_TEST ("store/mongodb/listings/repair_settles_old_batches", repair_settles_old_batches),
    MT_TEST ("store/mongodb/listings/repair_removes_orphan_chunks_photos_and_calendars",
             repair_removes_orphan_chunks_photos_and_calendars),
  };

  return cmocka_run_group_tests_name ("store/mongodb/search", tests, group_setup, group_teardown);
}
