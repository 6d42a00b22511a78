/*
 * store.h: the storage port of mutuad.
 *
 * Services talk to storage only through this header; adapters (storage/sqlite/,
 * storage/mongo/) implement the ops tables below and hold no business rule. The port is
 * domain-shaped (networks, members, accounts, revoked tokens, listings, photos, calendars,
 * reservations, idempotency records, messages, audit entries, notifications) and carries
 * documents as bson_t.
 *
 * Documents
 *   Every document has a string "id" (mt_id) and every mutable document an int64 "version".
 *   Inserts store version 1 whatever the document says. Updates are compare-and-set: the
 *   caller passes the version it read; the adapter writes the document with version + 1 only
 *   if the stored version still equals it, and otherwise fails with MT_ERR_STALE.
 *   Fields the adapter indexes are named in the comments of each op (e.g. accounts'
 *   "email_key", which the service fills with the normalised e-mail).
 *   Required fields: listings "id", "owner_id" (strings), "created_at" (date-time), with
 *   "tags" an array of strings and "territory" a document when present; networks "id",
 *   "slug", "name"; members "id", "name" (strings), optional
 *   "status" (string) and "networks" (array of strings); accounts "id", "email_key"
 *   (strings), optional "member_id", "platform_role", "status" (strings) and "created_at"
 *   (date-time). A missing required field or a wrong type is MT_ERR_INTERNAL.
 *   The document passed to an update must carry the "id" being updated (MT_ERR_INTERNAL
 *   otherwise); its "version" is ignored and replaced with expected_version + 1.
 *   Reservations need "listing_id" and "created_at"; idempotency records "created_at";
 *   messages "reservation_id" and "created_at"; audit entries "at"; notifications
 *   "account_id" and "created_at". Dates of these documents are BSON date-times only.
 *   Messages, audit entries and notifications are stored as given (no "version").
 *   Ids used as list keys are at most 255 bytes.
 *   Orders compare "name" by its UTF-8 bytes (binary collation), then "id".
 *
 * Errors (mt_error_t, domain MT_DOMAIN_STORE)
 *   MT_ERR_NOT_FOUND    no such document
 *   MT_ERR_STALE        compare-and-set lost: the stored version differs
 *   MT_ERR_DUPLICATE    a unique key is taken (id, accounts' email_key and
 *                       calendar_token_hash, networks' slug);
 *                       nothing is stored
 *   MT_ERR_BAD_REQUEST  a list cursor this adapter did not produce, or a limit of 0
 *   MT_ERR_UNAVAILABLE  the store is busy or unreachable; the request may be retried
 *   MT_ERR_INTERNAL     anything else (corruption, bad document)
 *
 * Outputs
 *   Every `bson_t *out` parameter is initialised by the callee in every case (empty on
 *   failure) and destroyed by the caller. Pages (mt_store_page_t) likewise.
 *
 * Threads
 *   A backend (mt_store_backend_t) is opened once per process and runs migrations. Each
 *   thread then opens its own mt_store_t handle; a handle is never shared between threads.
 */
#ifndef MT_STORE_H
#define MT_STORE_H

#include "mt_error.h"

#include <bson/bson.h>
#include <stdbool.h>
#include <stdint.h>

#define MT_STORE_CURSOR_MAX 512
#define MT_STORE_PAGE_MAX 100

typedef struct mt_store mt_store_t;
typedef struct mt_store_backend mt_store_backend_t;

/* One page of a list: documents in order and the cursor of the next page. */
typedef struct {
  bson_t items;                          /* array-shaped: {"0": doc, "1": doc, ...} */
  uint32_t count;                        /* number of documents in items */
  char next_cursor[MT_STORE_CURSOR_MAX]; /* opaque; "" when this is the last page */
} mt_store_page_t;

void mt_store_page_init (mt_store_page_t *page);
void mt_store_page_destroy (mt_store_page_t *page);

/* Filter and window of mt_store_member_list. */
typedef struct {
  const char *status;     /* "pending" | "active" | "suspended" | "deleted"; NULL = any */
  const char *network_id; /* only members of this network; NULL = any */
  const char *cursor;     /* from a previous page's next_cursor; NULL or "" = first page */
  uint32_t limit;         /* 1..MT_STORE_PAGE_MAX; larger is clamped; 0 is MT_ERR_BAD_REQUEST */
} mt_store_member_query_t;

/* Orders of mt_store_listing_query_t. */
typedef enum {
  MT_LISTING_SORT_RECENT = 0, /* "created_at" descending, then "id" */
  MT_LISTING_SORT_RELEVANCE,  /* text score descending, then "created_at" descending, "id" */
} mt_listing_sort_t;

/*
 * Filter and window of listing_search. Every non-NULL filter must hold. The visibility
 * filter (built by the service from the caller) keeps a listing when ANY of these holds:
 * any_visibility is true; its "visibility" is "public"; its owner belongs to one of
 * visible_networks; its "owner_id" equals own_member_id.
 */
typedef struct {
  const char *const *terms; /* words that must all match title, description or tags
                                       * (prefixes, case- and diacritics-insensitive); NULL or
                                       * empty = no text filter. Any characters: the adapter
                                       * quotes them. */
  const char *kind;         /* "good" | "service" */
  const char *category;     /* category slug */
  const char *departement;  /* "territory.departement" */
  const char *owner_id;
  const char *network_id;      /* the owner belongs to this network */
  const char *const *statuses; /* "status" is one of these (NULL-terminated); NULL = any */
  bool any_visibility;
  const char *const *visible_networks; /* NULL-terminated; NULL = none */
  const char *own_member_id;           /* may be NULL */
  mt_listing_sort_t sort;              /* RELEVANCE needs terms; else RECENT is used */
  const char *cursor;                  /* from a previous page of the same query; NULL = first */
  uint32_t limit;                      /* 1..MT_STORE_PAGE_MAX */
} mt_store_listing_query_t;

/* The date field of a reservation compared with due_before in mt_store_reservation_query_t. */
typedef enum {
  MT_RESERVATION_DUE_NONE = 0,
  MT_RESERVATION_DUE_EXPIRES,  /* "expires_at" */
  MT_RESERVATION_DUE_START,    /* "start" */
  MT_RESERVATION_DUE_END,      /* "end" */
  MT_RESERVATION_DUE_RETURNED, /* "returned_at" */
  MT_RESERVATION_DUE_CREATED,  /* "created_at" */
} mt_reservation_due_t;

/* Filter and window of reservation_list: every non-NULL filter must hold. Ordered by
 * "created_at" descending, then "id" descending. The due filter is inclusive and a missing
 * date is never due; a non-NULL but empty statuses list matches nothing; more than 16
 * statuses is MT_ERR_BAD_REQUEST. */
typedef struct {
  const char *listing_id;
  const char *borrower_member_id;
  const char *owner_member_id;
  const char *const *statuses; /* NULL-terminated; NULL = any */
  mt_reservation_due_t due;    /* with due_before: the field is <= due_before */
  int64_t due_before;
  const char *cursor;
  uint32_t limit; /* 1..MT_STORE_PAGE_MAX */
} mt_store_reservation_query_t;

/* The date field of a booking compared with due_before in mt_store_booking_query_t. */
typedef enum {
  MT_BOOKING_DUE_NONE = 0,
  MT_BOOKING_DUE_START,     /* "start" */
  MT_BOOKING_DUE_COMPLETED, /* "completed_at" */
  MT_BOOKING_DUE_CREATED,   /* "created_at" */
} mt_booking_due_t;

/* Filter and window of booking_list: as mt_store_reservation_query_t (ordered "created_at"
 * descending, then "id" descending; inclusive due filter; at most 16 statuses). */
typedef struct {
  const char *listing_id;
  const char *requester_member_id;
  const char *provider_member_id;
  const char *const *statuses;
  mt_booking_due_t due;
  int64_t due_before;
  const char *cursor;
  uint32_t limit;
} mt_store_booking_query_t;

/* Filter and window of outbox_list: messages waiting to be sent, ordered by
 * "next_attempt_at" ascending, then "id". */
typedef struct {
  const char *kind;            /* "email" | "webhook"; NULL = any */
  const char *webhook_id;      /* NULL = any */
  const char *const *statuses; /* "pending" | "sent" | "failed"; NULL-terminated; NULL = any */
  int64_t due_before;          /* "next_attempt_at" <= due_before; 0 = no bound */
  const char *cursor;
  uint32_t limit;
} mt_store_outbox_query_t;

typedef struct mt_store_ops {
  const char *name; /* "sqlite", "mongodb" */
  /* True when the units of several requests may share one unit of one handle, one after the
   * other (sqlite: one transaction, one sync for all): the server then commits write
   * requests by batches (http/committer.h). False (mongodb): each request its own unit. */
  bool group_commit;

  void (*close) (mt_store_t *store);
  /* True when the store can take a write now (readiness; sqlite: the write lock is taken and
   * released within the busy timeout, MT_ERR_UNAVAILABLE when another process holds it). */
  bool (*ping) (mt_store_t *store, mt_error_t *error);
  /* Full consistency check of the stored data (sqlite: PRAGMA integrity_check and
   * foreign keys; mongodb: validate). */
  bool (*check_integrity) (mt_store_t *store, mt_error_t *error);

  /* Units. Groups the writes of this handle between unit_begin and unit_commit into one
   * durable step where the adapter can (sqlite: one BEGIN IMMEDIATE transaction, one sync at
   * commit; the other handles see none of them before the commit; unit_abort undoes them).
   * Every op keeps its own contract inside a unit (its own atomicity; an op that fails
   * changes nothing). An adapter that cannot group (mongodb: every write is durable on its
   * own, majority + journal) makes them no-ops that succeed, and unit_abort undoes nothing:
   * callers use units for durability cost only, never to undo. Units do not nest (unit_begin
   * inside a unit is MT_ERR_INTERNAL, and so is unit_commit outside one). unit_begin may fail with MT_ERR_UNAVAILABLE (another
   * handle holds the write lock); a failed unit_commit has written nothing and ended the
   * unit. unit_abort outside a unit does nothing. */
  bool (*unit_begin) (mt_store_t *store, mt_error_t *error);
  bool (*unit_commit) (mt_store_t *store, mt_error_t *error);
  void (*unit_abort) (mt_store_t *store);

  /* Networks. Unique: "id", "slug". */
  bool (*network_insert) (mt_store_t *store, const bson_t *network, mt_error_t *error);
  bool (*network_get) (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error);
  /* All networks, ordered by "name" (at most 1000; next_cursor is non-empty beyond). */
  bool (*network_list) (mt_store_t *store, mt_store_page_t *out, mt_error_t *error);

  /* Members. Indexed: "status", "name" (ordering), "networks" (array of network ids).
   * member_insert stores a member and, when @first_account is not NULL, that account too,
   * atomically: either both exist afterwards or neither (DUPLICATE on a taken e-mail). */
  bool (*member_insert) (mt_store_t *store, const bson_t *member, const bson_t *first_account,
                         mt_error_t *error);
  bool (*member_get) (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error);
  bool (*member_update) (mt_store_t *store, const char *id, int64_t expected_version,
                         const bson_t *member, mt_error_t *error);
  /* Ordered by "name" then "id"; see mt_store_member_query_t. */
  bool (*member_list) (mt_store_t *store, const mt_store_member_query_t *query,
                       mt_store_page_t *out, mt_error_t *error);

  /* Accounts. Unique: "id", "email_key". Indexed: "member_id", "platform_role". */
  bool (*account_insert) (mt_store_t *store, const bson_t *account, mt_error_t *error);
  bool (*account_get) (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error);
  bool (*account_find_by_email) (mt_store_t *store, const char *email_key, bson_t *out,
                                 mt_error_t *error);
  bool (*account_update) (mt_store_t *store, const char *id, int64_t expected_version,
                          const bson_t *account, mt_error_t *error);
  /* Every account of a member, ordered by "created_at" then "id" (at most 1000). */
  bool (*account_list_by_member) (mt_store_t *store, const char *member_id, mt_store_page_t *out,
                                  mt_error_t *error);
  /* Number of accounts whose "platform_role" is "admin" and "status" is "active". */
  bool (*account_count_admins) (mt_store_t *store, int64_t *count, mt_error_t *error);

  /* Listings. Indexed: "owner_id", "kind", "category", "status", "visibility",
   * "territory.departement", "created_at"; full text over "title", "description" and
   * "tags" (an array of strings).
   * listing_insert_many stores all of @listings or none (DUPLICATE or INTERNAL).
   * listing_delete removes the listing with its photos and calendar (compare-and-set). */
  bool (*listing_insert) (mt_store_t *store, const bson_t *listing, mt_error_t *error);
  bool (*listing_insert_many) (mt_store_t *store, const bson_t *const *listings, size_t count,
                               mt_error_t *error);
  bool (*listing_get) (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error);
  bool (*listing_update) (mt_store_t *store, const char *id, int64_t expected_version,
                          const bson_t *listing, mt_error_t *error);
  bool (*listing_delete) (mt_store_t *store, const char *id, int64_t expected_version,
                          mt_error_t *error);
  /* Pages are stable while listings are inserted or changed between pages: a listing
   * present before the first page and unchanged is returned exactly once. Relevance is a
   * per-listing score independent of the rest of the collection: for each term, 4 when it
   * is in the title, 2 in the tags, 1 in the description (repetitions do not count); a
   * relevance cursor is valid only for the same terms. A term in which no word can be
   * found (punctuation, symbols) is ignored; when every term is, there is no text filter.
   * At most 32 terms of 128 bytes are used, 16 statuses and 256 visible networks (more is
   * MT_ERR_BAD_REQUEST); a non-NULL but empty statuses list matches nothing. */
  bool (*listing_search) (mt_store_t *store, const mt_store_listing_query_t *query,
                          mt_store_page_t *out, mt_error_t *error);

  /* Photos: metadata {"id", "listing_id", "content_type", "etag", "bytes", "width", "height",
   * "created_at"} and the bytes, stored by the adapter. photo_get returns the bytes in
   * *data_out (malloc'd; free() it) or NULL on failure. */
  bool (*photo_insert) (mt_store_t *store, const bson_t *meta, const uint8_t *data, size_t len,
                        mt_error_t *error);
  bool (*photo_get) (mt_store_t *store, const char *id, bson_t *meta_out, uint8_t **data_out,
                     size_t *len_out, mt_error_t *error);
  bool (*photo_delete) (mt_store_t *store, const char *id, mt_error_t *error);

  /* Calendars: one per listing, {"listing_id", "version", "entries": [{"reservation_id",
   * "start", "end" (dates), "units"}]}. calendar_get gives an empty calendar with version 0
   * when none is stored. calendar_put is compare-and-set on "version": 0 creates (STALE when
   * one exists), and a non-zero version when none is stored is STALE too; the document must
   * carry the matching "listing_id". photo_insert and calendar_put for a missing listing are
   * MT_ERR_NOT_FOUND. */
  bool (*calendar_get) (mt_store_t *store, const char *listing_id, bson_t *out, mt_error_t *error);
  bool (*calendar_put) (mt_store_t *store, const char *listing_id, int64_t expected_version,
                        const bson_t *calendar, mt_error_t *error);

  /* Every calendar (for the reconciliation of calendars with reservations), ordered by
   * "listing_id". */
  bool (*calendar_list) (mt_store_t *store, const char *cursor, uint32_t limit,
                         mt_store_page_t *out, mt_error_t *error);

  /* Reservations. Indexed: "listing_id", "borrower_member_id", "owner_member_id",
   * "status", "start", "end", "expires_at", "returned_at", "created_at" (dates). */
  bool (*reservation_insert) (mt_store_t *store, const bson_t *reservation, mt_error_t *error);
  bool (*reservation_get) (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error);
  bool (*reservation_update) (mt_store_t *store, const char *id, int64_t expected_version,
                              const bson_t *reservation, mt_error_t *error);
  bool (*reservation_list) (mt_store_t *store, const mt_store_reservation_query_t *query,
                            mt_store_page_t *out, mt_error_t *error);
  /* Number of reservations of a listing, whatever their status. */
  bool (*reservation_count) (mt_store_t *store, const char *listing_id, int64_t *count,
                             mt_error_t *error);

  /* Idempotency records {"id" (unique: account id + key), "account_id", "request_hash",
   * "state" ("in_flight" | "done"), "status", "body", "location", "created_at"}; mutable
   * (version). idempotency_purge forgets records created strictly before @before_ms. */
  bool (*idempotency_insert) (mt_store_t *store, const bson_t *record, mt_error_t *error);
  bool (*idempotency_get) (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error);
  bool (*idempotency_update) (mt_store_t *store, const char *id, int64_t expected_version,
                              const bson_t *record, mt_error_t *error);
  bool (*idempotency_purge) (mt_store_t *store, int64_t before_ms, mt_error_t *error);

  /* Messages of a reservation {"id", "reservation_id", "author_account_id", "text",
   * "created_at"}, listed oldest first (ties: "id" ascending); a NULL reservation_id gives
   * an empty page. */
  bool (*message_insert) (mt_store_t *store, const bson_t *message, mt_error_t *error);
  bool (*message_list) (mt_store_t *store, const char *reservation_id, const char *cursor,
                        uint32_t limit, mt_store_page_t *out, mt_error_t *error);

  /* Audit entries {"id", "at", "actor", "entity", "entity_id", "from", "to", "reason"},
   * immutable, listed newest first ("at" descending, then "id" descending); a NULL
   * entity_id lists every entry. Inserting an id twice is DUPLICATE: callers use
   * deterministic ids to make recording idempotent. */
  bool (*audit_insert) (mt_store_t *store, const bson_t *entry, mt_error_t *error);
  bool (*audit_list) (mt_store_t *store, const char *entity_id, const char *cursor, uint32_t limit,
                      mt_store_page_t *out, mt_error_t *error);

  /* In-app notifications {"id", "account_id", "kind", "entity_id", "text_fr", "text_en",
   * "created_at"}, listed newest first (ties: "id" descending); a NULL account_id gives an
   * empty page. DUPLICATE on an id already stored. */
  bool (*notification_insert) (mt_store_t *store, const bson_t *notification, mt_error_t *error);
  bool (*notification_list) (mt_store_t *store, const char *account_id, const char *cursor,
                             uint32_t limit, mt_store_page_t *out, mt_error_t *error);

  /* The account whose "calendar_token_hash" is @hash (indexed, unique when present). */
  bool (*account_find_by_calendar_token) (mt_store_t *store, const char *hash, bson_t *out,
                                          mt_error_t *error);

  /* Marks notification @id of @account_id read at @at_ms (NOT_FOUND when it is not one of
   * that account's; marking again keeps the first time). */
  bool (*notification_mark_read) (mt_store_t *store, const char *account_id, const char *id,
                                  int64_t at_ms, mt_error_t *error);

  /* Service bookings (mutable, "version"). Indexed: "listing_id", "requester_member_id",
   * "provider_member_id", "status", "start", "completed_at", "created_at" (dates). */
  bool (*booking_insert) (mt_store_t *store, const bson_t *booking, mt_error_t *error);
  bool (*booking_get) (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error);
  bool (*booking_update) (mt_store_t *store, const char *id, int64_t expected_version,
                          const bson_t *booking, mt_error_t *error);
  bool (*booking_list) (mt_store_t *store, const mt_store_booking_query_t *query,
                        mt_store_page_t *out, mt_error_t *error);

  /* Needs (mutable): searched like listings with an mt_store_listing_query_t whose
   * "owner_id" is the need's author member ("owner_id" field of the need), "statuses" are
   * "open" | "closed", and the full text covers "title", "description" and "tags". Same
   * paging and relevance guarantees as listing_search. */
  bool (*need_insert) (mt_store_t *store, const bson_t *need, mt_error_t *error);
  bool (*need_get) (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error);
  bool (*need_update) (mt_store_t *store, const char *id, int64_t expected_version,
                       const bson_t *need, mt_error_t *error);
  bool (*need_search) (mt_store_t *store, const mt_store_listing_query_t *query,
                       mt_store_page_t *out, mt_error_t *error);
  /* Answers of a need {"id", "need_id", "author_member_id", "author_account_id",
   * "listing_id"?, "text"?, "created_at"}, immutable, listed oldest first. */
  bool (*need_answer_insert) (mt_store_t *store, const bson_t *answer, mt_error_t *error);
  bool (*need_answer_list) (mt_store_t *store, const char *need_id, const char *cursor,
                            uint32_t limit, mt_store_page_t *out, mt_error_t *error);

  /* Credits ledger: immutable entries {"id", "from", "to" (member ids, or "system"),
   * "amount" (int64 > 0), "reason", "ref"?, "reverses"?, "created_at"}. A balance is the sum
   * of the amounts received minus the amounts sent. ledger_append stores @entry unless
   * @check_floor is true and, with it, the balance of its "from" would fall below @floor:
   * then MT_ERR_UNPROCESSABLE and nothing is stored — the check and the append are one
   * atomic step. DUPLICATE on an id already stored (deterministic ids make grants
   * idempotent). ledger_list gives the entries sent or received by @member_id, newest first
   * ("created_at" descending, then "id" descending). ledger_sum gives the sum of every
   * balance (0 for a consistent ledger) and the number of entries. */
  bool (*ledger_append) (mt_store_t *store, const bson_t *entry, bool check_floor, int64_t floor,
                         mt_error_t *error);
  bool (*ledger_balance) (mt_store_t *store, const char *member_id, int64_t *balance,
                          mt_error_t *error);
  bool (*ledger_list) (mt_store_t *store, const char *member_id, const char *cursor, uint32_t limit,
                       mt_store_page_t *out, mt_error_t *error);
  bool (*ledger_sum) (mt_store_t *store, int64_t *sum, int64_t *entries, mt_error_t *error);
  /* The entry @id as stored (MT_ERR_NOT_FOUND when absent). */
  bool (*ledger_get) (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error);

  /* Webhooks {"id", "url", "events" (array of event names), "secret", "created_at",
   * "created_by"}, listed by "created_at" then "id"; webhook_delete removes one (NOT_FOUND). */
  bool (*webhook_insert) (mt_store_t *store, const bson_t *webhook, mt_error_t *error);
  bool (*webhook_get) (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error);
  bool (*webhook_list) (mt_store_t *store, const char *cursor, uint32_t limit, mt_store_page_t *out,
                        mt_error_t *error);
  bool (*webhook_delete) (mt_store_t *store, const char *id, mt_error_t *error);

  /* Outbox of e-mails and webhook deliveries (mutable, "version"): {"id", "kind"
   * ("email" | "webhook"), "webhook_id"?, "event", "payload", "to"?, "status" ("pending" |
   * "sent" | "failed"), "attempts", "next_attempt_at" (date), "last_error"?, "created_at"}.
   * Indexed: "kind", "webhook_id", "status", "next_attempt_at". DUPLICATE on an id already
   * stored (deterministic ids make enqueueing idempotent). */
  bool (*outbox_insert) (mt_store_t *store, const bson_t *message, mt_error_t *error);
  bool (*outbox_get) (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error);
  bool (*outbox_update) (mt_store_t *store, const char *id, int64_t expected_version,
                         const bson_t *message, mt_error_t *error);
  bool (*outbox_list) (mt_store_t *store, const mt_store_outbox_query_t *query,
                       mt_store_page_t *out, mt_error_t *error);

  /* Revoked token ids (PASETO "jti"), kept until the token would have expired anyway.
   * Revoking an already revoked jti succeeds and keeps the later expiry. */
  bool (*token_revoke) (mt_store_t *store, const char *jti, int64_t expires_at_ms,
                        mt_error_t *error);
  bool (*token_is_revoked) (mt_store_t *store, const char *jti, bool *revoked, mt_error_t *error);
  /* Forgets revocations whose expiry is before @now_ms. */
  bool (*token_purge) (mt_store_t *store, int64_t now_ms, mt_error_t *error);
} mt_store_ops_t;

/* Every handle starts with this header; adapters embed it as their first member (zeroed at
 * open). */
struct mt_store {
  const mt_store_ops_t *ops;
  bool in_unit; /* between unit_begin and unit_commit/unit_abort; kept by the adapter */
};

typedef struct mt_store_backend_ops {
  const char *name;
  /* Opens one handle for the calling thread. */
  mt_store_t *(*open) (mt_store_backend_t *backend, mt_error_t *error);
  void (*destroy) (mt_store_backend_t *backend);
} mt_store_backend_ops_t;

struct mt_store_backend {
  const mt_store_backend_ops_t *ops;
};

/*
 * Opens the backend named by @uri: "sqlite:<path to the database file>" or a
 * "mongodb://..." URI. Runs migrations. Returns NULL and sets @error on failure.
 */
mt_store_backend_t *mt_store_backend_new (const char *uri, mt_error_t *error);
void mt_store_backend_destroy (mt_store_backend_t *backend);
mt_store_t *mt_store_open (mt_store_backend_t *backend, mt_error_t *error);
void mt_store_close (mt_store_t *store);

/* Adapter constructors (used by mt_store_backend_new). */
mt_store_backend_t *mt_store_sqlite_backend_new (const char *path, mt_error_t *error);
/* @uri: a "mongodb://" or "mongodb+srv://" URI (see server/storage/mongo/store_mongo.c for
 * the defaults added to it). */
mt_store_backend_t *mt_store_mongo_backend_new (const char *uri, mt_error_t *error);

#endif
