/*
 * store_mongo_private.h: internals of the MongoDB adapter of the store port, shared by the
 * files of server/storage/mongo/ and by nothing else.
 *
 *   store_mongo.c              backend (client pool, URI defaults), handles, ping,
 *                              check_integrity, the ops table
 *   store_mongo_setup.c        start-up: collections, validators (schemas/store-validators.json),
 *                              indexes, the schema version document
 *   store_mongo_errors.c       mongo-c-driver errors -> mt_error_t
 *   store_mongo_docs.c         what every kind of document shares: insert, get,
 *                              compare-and-set update and delete, keyset pages and cursors
 *   store_mongo_documents.c    networks, members (with their first account), accounts, tokens
 *   store_mongo_reservations.c calendars, reservations, idempotency records, bookings, outbox,
 *                              webhooks, messages, audit entries, notifications
 *   store_mongo_listings.c     listings, photos (bucketed chunks), needs and their answers
 *   store_mongo_search.c       listing_search and need_search (search keys, relevance)
 *   store_mongo_ledger.c       the credits ledger (per-party chains, see that file)
 *
 * Mapping: one collection per kind of document (mt_mongo_coll_t). A document is stored as
 * the service gave it, with "_id" equal to its "id" (its key) and, for some kinds, internal
 * top-level fields whose names start with "_" (search keys, ledger links, markers of an
 * unfinished multi-document write). Every read strips "_id" and those fields, so documents
 * come back exactly as stored through the port.
 *
 * No multi-document transaction is used: where the port asks for "both or neither", the
 * adapter writes in an order that a crash can only leave as an unfinished marker, and
 * mt_mongo_repair (run at start-up by the backend and by check_integrity) finishes or undoes
 * what it finds.
 */
#ifndef MT_STORE_MONGO_PRIVATE_H
#define MT_STORE_MONGO_PRIVATE_H

#include "store.h"

#include <mongoc/mongoc.h>

/* Bound of the lists without a cursor parameter (network_list, account_list_by_member). */
#define MT_MONGO_LIST_ALL_MAX 1000
/* The limit that asks mt_mongo_list for up to MT_MONGO_LIST_ALL_MAX documents. */
#define MT_MONGO_LIST_ALL UINT32_MAX

/* Default database when the URI names none. */
#define MT_MONGO_DEFAULT_DB "mutua"

/* Seconds a caller is told to wait after MT_ERR_UNAVAILABLE. */
#define MT_MONGO_RETRY_AFTER_S 1

/* Version of the collections, validators and indexes (document "schema" of "mutua_meta"). */
#define MT_MONGO_SCHEMA_VERSION 1

typedef enum {
  MT_MONGO_NETWORKS = 0,
  MT_MONGO_MEMBERS,
  MT_MONGO_ACCOUNTS,
  MT_MONGO_LISTINGS,
  MT_MONGO_PHOTOS,       /* photo metadata */
  MT_MONGO_PHOTO_CHUNKS, /* {"_id": "<photo id>:<n>", "photo_id", "n", "data" (binary)} */
  MT_MONGO_CALENDARS,    /* "_id" is the listing id */
  MT_MONGO_RESERVATIONS,
  MT_MONGO_IDEMPOTENCY,
  MT_MONGO_MESSAGES,
  MT_MONGO_AUDIT,
  MT_MONGO_NOTIFICATIONS,
  MT_MONGO_BOOKINGS,
  MT_MONGO_NEEDS,
  MT_MONGO_NEED_ANSWERS,
  MT_MONGO_LEDGER,
  MT_MONGO_LEDGER_HEADS,
  MT_MONGO_WEBHOOKS,
  MT_MONGO_OUTBOX,
  MT_MONGO_REVOKED_TOKENS, /* {"_id": jti, "expires_at": date} */
  MT_MONGO_META,
  MT_MONGO_COLL_COUNT
} mt_mongo_coll_t;

/* The collection names, indexed by mt_mongo_coll_t. */
extern const char *const mt_mongo_coll_names[MT_MONGO_COLL_COUNT];

typedef struct {
  mt_store_backend_t base;
  mongoc_uri_t *uri;
  mongoc_client_pool_t *pool;
  char db_name[128];
} mt_mongo_backend_t;

typedef struct {
  mt_store_t base;
  mt_mongo_backend_t *backend;
  mongoc_client_t *client; /* popped from the pool by open, pushed back by close */
  mongoc_collection_t *colls[MT_MONGO_COLL_COUNT];
} mt_mongo_store_t;

static inline mongoc_collection_t *
mt_mongo_coll (mt_store_t *store, mt_mongo_coll_t which)
{
  return ((mt_mongo_store_t *) store)->colls[which];
}

/* ---- Errors (store_mongo_errors.c) ------------------------------------------------------ */

/*
 * Sets @error from a failed driver call: duplicate key (11000, 11001) -> MT_ERR_DUPLICATE,
 * document validation (121) -> MT_ERR_UNPROCESSABLE, network, server selection, not primary,
 * shutdown, write-concern and time-limit failures -> MT_ERR_UNAVAILABLE (retry_after set),
 * anything else -> MT_ERR_INTERNAL. @reply (may be NULL) is the server's reply, read for
 * write errors. @what names the operation for the message ("insert into listings").
 */
void mt_mongo_error (const bson_error_t *bson_error, const bson_t *reply, const char *what,
                     mt_error_t *error);
/* True when @bson_error / @reply is a duplicate-key error. */
bool mt_mongo_is_duplicate (const bson_error_t *bson_error, const bson_t *reply);
void mt_mongo_not_found (mt_error_t *error);
void mt_mongo_stale (mt_error_t *error);
void mt_mongo_bad_document (const char *what, mt_error_t *error);
void mt_mongo_bad_cursor (mt_error_t *error);
void mt_mongo_out_of_memory (mt_error_t *error);

/* A date bound of a query within years 1..9999, which every server and tool can represent
 * (stored dates are within them; a bound beyond them selects the same documents). */
int64_t mt_mongo_clamp_date (int64_t ms);

/* ---- Documents (store_mongo_docs.c) ----------------------------------------------------- */

/* The string field @key of @doc, or NULL when absent or not a string. */
const char *mt_mongo_doc_str (const bson_t *doc, const char *key);
/* An integer field read tolerantly (int32, int64 or an integral double); false if absent. */
bool mt_mongo_doc_int64 (const bson_t *doc, const char *key, int64_t *out);
/* A date-time field in milliseconds; false if absent or not a date-time. */
bool mt_mongo_doc_date (const bson_t *doc, const char *key, int64_t *out);

/* The field of @coll's documents that is their key ("_id"): "listing_id" for calendars,
 * "id" for every other collection. */
const char *mt_mongo_key_field (mt_mongo_coll_t coll);

/*
 * Copies @doc into @out for storage: "_id" first (the value of @key_field, which must be a
 * non-empty string of at most 255 bytes: MT_ERR_INTERNAL otherwise), then every field of
 * @doc except internal ones ("_...") and "version", then "version" (int64) when
 * @version > 0, then the fields of @extra (internal "_" fields; may be NULL). @out is
 * initialised by the callee.
 */
bool mt_mongo_stored_doc (const bson_t *doc, const char *key_field, int64_t version,
                          const bson_t *extra, bson_t *out, mt_error_t *error);
/* Copies a stored document into @out (initialised by the callee) without "_id" and the
 * internal "_" fields. */
void mt_mongo_public_doc (const bson_t *stored, bson_t *out);

/* A field the port requires or types (store.h "Required fields"). */
typedef struct {
  const char *name;
  bson_type_t type; /* BSON_TYPE_UTF8, BSON_TYPE_DATE_TIME, BSON_TYPE_DOCUMENT,
                     * BSON_TYPE_INT64 (an int32 or int64), or BSON_TYPE_ARRAY (an array of
                     * strings) */
  bool required;
} mt_mongo_field_t;

/* Checks @doc against @fields (ended by a {NULL} row): a required field missing, or a
 * present field of another type (null counts as absent for optional fields), is
 * MT_ERR_INTERNAL naming @kind and the field. */
bool mt_mongo_check_fields (const bson_t *doc, const mt_mongo_field_t *fields, const char *kind,
                            mt_error_t *error);

/* Inserts @doc (version 1 when @versioned, as stored otherwise) with @extra internal fields
 * (may be NULL). DUPLICATE when its id or another unique key is taken. */
bool mt_mongo_insert (mt_store_t *store, mt_mongo_coll_t coll, const bson_t *doc, bool versioned,
                      const bson_t *extra, mt_error_t *error);
/* Finds the document whose "_id" is @id; NOT_FOUND when absent. @out gets the public form. */
bool mt_mongo_get (mt_store_t *store, mt_mongo_coll_t coll, const char *id, bson_t *out,
                   mt_error_t *error);
/* The document whose string @field is @value (the first one if several); NOT_FOUND when
 * none. @out gets the public form. */
bool mt_mongo_get_by (mt_store_t *store, mt_mongo_coll_t coll, const char *field, const char *value,
                      bson_t *out, mt_error_t *error);
/* Finds one document matching @filter, in its stored form (with "_id" and internal fields)
 * when @raw, else the public form. *@found tells whether one matched (@out empty if not). */
bool mt_mongo_find_one (mt_store_t *store, mt_mongo_coll_t coll, const bson_t *filter, bool raw,
                        bson_t *out, bool *found, mt_error_t *error);
/*
 * Compare-and-set update: replaces the document @id with @doc at version
 * @expected_version + 1 (plus @extra internal fields, may be NULL) only if its stored
 * version is @expected_version. @doc must carry its key field (mt_mongo_key_field) equal to
 * @id (INTERNAL otherwise). STALE when
 * the version differs, NOT_FOUND when there is no such document.
 */
bool mt_mongo_update_cas (mt_store_t *store, mt_mongo_coll_t coll, const char *id,
                          int64_t expected_version, const bson_t *doc, const bson_t *extra,
                          mt_error_t *error);
/* Compare-and-set delete (as mt_mongo_update_cas); a @expected_version < 0 deletes whatever
 * the version (NOT_FOUND when absent). */
bool mt_mongo_delete_cas (mt_store_t *store, mt_mongo_coll_t coll, const char *id,
                          int64_t expected_version, mt_error_t *error);
/* Deletes every document matching @filter; *@deleted (may be NULL) gets their number. */
bool mt_mongo_delete_many (mt_store_t *store, mt_mongo_coll_t coll, const bson_t *filter,
                           int64_t *deleted, mt_error_t *error);
/* Number of documents matching @filter. */
bool mt_mongo_count (mt_store_t *store, mt_mongo_coll_t coll, const bson_t *filter, int64_t *count,
                     mt_error_t *error);
/* Runs @pipeline (an array document) and calls @each on every result until it returns
 * false (stop, not an error) or the results end. */
bool mt_mongo_aggregate (mt_store_t *store, mt_mongo_coll_t coll, const bson_t *pipeline,
                         bool (*each) (const bson_t *doc, void *arg), void *arg, mt_error_t *error);

/* ---- Keyset pages (store_mongo_docs.c) -------------------------------------------------- */

/* One sort key of a list: a field of the stored document and its direction. */
typedef struct {
  const char *field; /* "created_at", "name", "_id"... */
  int direction;     /* 1 ascending, -1 descending */
} mt_mongo_sort_key_t;

/*
 * The order of a list. The last key must be "_id" (unique), so that the order is total.
 * @form tags the cursors of this list: a cursor of another list or order is refused
 * (MT_ERR_BAD_REQUEST). Keys are compared with MongoDB's order (the adapter stores names,
 * ids and dates as UTF-8 strings and date-times, compared by bytes and by time).
 */
typedef struct {
  uint8_t form;
  const mt_mongo_sort_key_t *keys;
  size_t key_count; /* 1..4 */
} mt_mongo_order_t;

/*
 * Fills @out with the page of documents matching @filter (may be empty) in @order, after the
 * position of @cursor (NULL or "" = from the start), at most @limit (0 -> BAD_REQUEST,
 * clamped to MT_STORE_PAGE_MAX; pass MT_MONGO_LIST_ALL for the lists without cursors,
 * with @cursor NULL). next_cursor is set when more documents follow. Pages are keyset pages:
 * documents inserted between two pages never shift those already listed.
 * @out is initialised by the callee.
 */
bool mt_mongo_list (mt_store_t *store, mt_mongo_coll_t coll, const bson_t *filter,
                    const mt_mongo_order_t *order, const char *cursor, uint32_t limit,
                    mt_store_page_t *out, mt_error_t *error);

/* Cursors: an opaque base64url text of {"f": form, "k": [the sort-key values]}, or of
 * {"f": form, "i": "<_id>"} when the values do not fit (long names): the values are then
 * read back from that document. */
bool mt_mongo_cursor_encode (uint8_t form, const bson_t *values, char out[MT_STORE_CURSOR_MAX]);
/* Decodes @text into @values (an array document, initialised by the callee) when its form is
 * @form and it holds @key_count values; BAD_REQUEST otherwise. */
bool mt_mongo_cursor_decode (const char *text, uint8_t form, size_t key_count, bson_t *values,
                             mt_error_t *error);
/* Appends to @filter the condition "after @values in @order" (an "$or" of prefixes). */
void mt_mongo_append_after (bson_t *filter, const mt_mongo_order_t *order, const bson_t *values);
/* Appends @page_doc (a stored document, public form appended) to @page; false on overflow. */
bool mt_mongo_page_append (mt_store_page_t *page, const bson_t *stored, mt_error_t *error);

/* ---- The ops of each file ---------------------------------------------------------------- */

/* Each file fills its part of the ops table. */
void mt_mongo_documents_ops (mt_store_ops_t *ops);
void mt_mongo_reservations_ops (mt_store_ops_t *ops);
void mt_mongo_listings_ops (mt_store_ops_t *ops);
void mt_mongo_search_ops (mt_store_ops_t *ops);
void mt_mongo_ledger_ops (mt_store_ops_t *ops);

/*
 * Finishes or undoes what an interrupted multi-document write left behind: members still
 * marked "_pending_account" (kept when their account exists, removed otherwise), listings
 * of an unfinished batch insert ("_batch"), photo chunks and calendars of missing listings,
 * ledger heads behind their chains. Idempotent; safe while other instances write (it only
 * touches markers older than MT_MONGO_REPAIR_GRACE_MS).
 */
#define MT_MONGO_REPAIR_GRACE_MS (10 * 60 * 1000)
bool mt_mongo_repair (mt_store_t *store, int64_t now_ms, mt_error_t *error);
/* The parts of mt_mongo_repair owned by other files. */
bool mt_mongo_listings_repair (mt_store_t *store, int64_t older_than_ms, mt_error_t *error);
bool mt_mongo_ledger_repair (mt_store_t *store, mt_error_t *error);
/* Consistency checks owned by other files (for check_integrity). */
bool mt_mongo_ledger_check (mt_store_t *store, mt_error_t *error);

/* ---- Search keys and terms (store_mongo_search.c) --------------------------------------- */

/*
 * Appends to @extra the search keys of the listing or need @doc: "_w", the sorted array of the
 * distinct folded words of its "title" ("t:<word>"), "tags" ("g:<word>") and "description"
 * ("d:<word>"). A searched field of another type than string (array of strings for "tags")
 * or null is MT_ERR_INTERNAL.
 */
bool mt_mongo_search_keys (const bson_t *doc, bson_t *extra, mt_error_t *error);

/* The folded words of a query's terms (at most 32 terms with words, 128 bytes each). */
typedef struct mt_mongo_terms mt_mongo_terms_t;
/* NULL when out of memory; @terms is NULL-terminated (NULL = none). */
mt_mongo_terms_t *mt_mongo_terms_new (const char *const *terms);
void mt_mongo_terms_destroy (mt_mongo_terms_t *terms);
/* Number of terms with words (0: no text filter). */
size_t mt_mongo_terms_count (const mt_mongo_terms_t *terms);
/* What ties a relevance cursor to its terms (equal for terms with the same folded words). */
uint32_t mt_mongo_terms_fingerprint (const mt_mongo_terms_t *terms);
/* The relevance score of the stored document @stored (its "_w") for @terms. */
int64_t mt_mongo_terms_score (const mt_mongo_terms_t *terms, const bson_t *stored);

/* Setup at backend creation (store_mongo_setup.c): collections, validators, indexes. */
bool mt_mongo_setup (mt_store_t *store, mt_error_t *error);

/* ---- Ledger chains (store_mongo_ledger_chains.c) ------------------------------------------ */

/* A party's link "<party>#<seq in 16 hex digits>": parties are ids of at most 255 bytes. */
#define MT_MONGO_LEDGER_LINK_SIZE (255 + 1 + 16 + 1)

/* Where a party's chain ends: its last seq (0 = no entry) and its balance after it. */
typedef struct {
  int64_t seq;
  int64_t balance;
} mt_mongo_ledger_head_t;

/* Writes the link of @party at @seq into @out; false when @party is too long. */
bool mt_mongo_ledger_link (const char *party, int64_t seq, char out[MT_MONGO_LEDGER_LINK_SIZE]);
/* The head of @party: its cached head rolled forward along its chain (the cache is moved
 * forward too). UNAVAILABLE when the cache is too far behind to roll in one call. */
bool mt_mongo_ledger_head (mt_store_t *store, const char *party, mt_mongo_ledger_head_t *head,
                           mt_error_t *error);
/* Moves the cached head of @party forward to @head (never back; a lost race is fine). */
bool mt_mongo_ledger_advance (mt_store_t *store, const char *party,
                              const mt_mongo_ledger_head_t *head, mt_error_t *error);
/* Called by a walk once per party with the end of its chain as walked; false stops it. */
typedef bool (*mt_mongo_ledger_party_fn) (const char *party, const mt_mongo_ledger_head_t *head,
                                          void *arg, mt_error_t *error);
/* Walks every chain in order, calling @on_party for each party; *@entries gets the number of
 * entries. @strict: every chain must be gap-free from 1, hold its links and add up
 * (MT_ERR_INTERNAL naming the party otherwise). */
bool mt_mongo_ledger_walk (mt_store_t *store, bool strict, mt_mongo_ledger_party_fn on_party,
                           void *arg, int64_t *entries, mt_error_t *error);

#endif
