/*
 * store_sqlite_private.h: internals of the SQLite adapter of the store port, shared by the
 * files of server/storage/sqlite/ and by nothing else.
 *
 *   store_sqlite.c             backend, connections, PRAGMAs, migrations runner, statement
 *                              cache, error mapping, transactions, ping, check_integrity
 *   store_sqlite_migrations.c  the numbered schema migrations
 *   store_sqlite_rows.c        what every kind of document shares: reading and binding
 *                              fields, insert, compare-and-set update and delete, get, pages
 *   store_sqlite_documents.c   networks, members and accounts (documents as BSON blobs)
 *   store_sqlite_listings.c    listings and their full-text rows, photos, calendars; what
 *                              listings and needs share (columns, full-text rows)
 *   store_sqlite_search.c      listing_search and need_search: SQL built per query shape
 *   store_sqlite_fts.c         the FTS5 MATCH expression builder and the relevance score
 *   store_sqlite_lists.c       filtered keyset lists whose SQL is built per query shape
 *                              (reservation_list, booking_list, outbox_list)
 *   store_sqlite_reservations.c  reservations and idempotency records
 *   store_sqlite_records.c     immutable records: messages, audit entries, notifications
 *                              (and marking them read)
 *   store_sqlite_bookings.c    service bookings
 *   store_sqlite_needs.c       needs (searched like listings) and their answers
 *   store_sqlite_ledger.c      the credits ledger and its balances
 *   store_sqlite_outbox.c      webhooks and the outbox
 *   store_sqlite_tokens.c      revoked token ids
 *   store_sqlite_cursor.c      opaque keyset cursors of every list
 */
#ifndef MT_STORE_SQLITE_PRIVATE_H
#define MT_STORE_SQLITE_PRIVATE_H

#include "store.h"

#include "mt_buf.h"

#include <sqlite3.h>
#include <stddef.h>

/* How long a connection waits for another one's write lock before MT_ERR_UNAVAILABLE. */
#define MT_SQLITE_BUSY_TIMEOUT_MS 5000

/* PRAGMA application_id of mutua databases ("mtua"); 0 is a fresh file. */
#define MT_SQLITE_APPLICATION_ID 0x6d747561

/*
 * Bound of the lists the port gives no cursor parameter (network_list,
 * account_list_by_member): at most this many documents; next_cursor is set when more exist.
 */
#define MT_SQLITE_LIST_ALL_MAX 1000

/* Seconds a caller is told to wait after MT_ERR_UNAVAILABLE. */
#define MT_SQLITE_RETRY_AFTER_S 1

/* ---- Migrations -------------------------------------------------------------------------- */

typedef struct {
  int version;      /* 1, 2, 3... in order; the database's PRAGMA user_version afterwards */
  const char *name; /* for the log */
  const char *sql;  /* one or more statements, run inside the migration transaction */
  /* Run after @sql in the same transaction (data that SQL alone cannot derive from the BSON
   * documents, such as a new column filled from existing documents); NULL: none. */
  bool (*after) (sqlite3 *db, mt_error_t *error);
} mt_sqlite_migration_t;

extern const mt_sqlite_migration_t mt_sqlite_migrations[];
extern const size_t mt_sqlite_migration_count;

/* ---- Prepared statements ----------------------------------------------------------------- */

/*
 * Every statement a handle may cache; the SQL text of each is in store_sqlite.c.
 * Writes of documents number their parameters alike (see mt_sqlite_kind_t): ?1 the key,
 * ?2 the expected version (updates), ?3 the version written, ?4... the indexed columns, the
 * document last.
 */
typedef enum {
  MT_SQL_BEGIN_IMMEDIATE = 0,
  MT_SQL_COMMIT,
  MT_SQL_ROLLBACK,
  MT_SQL_SAVEPOINT, /* an op's own step inside a unit (store.h: units) */
  MT_SQL_RELEASE,
  MT_SQL_ROLLBACK_TO, /* undoes the op's step; MT_SQL_RELEASE then ends it */
  MT_SQL_PING,

  MT_SQL_NETWORK_INSERT,
  MT_SQL_NETWORK_GET,
  MT_SQL_NETWORK_LIST,

  MT_SQL_MEMBER_INSERT,
  MT_SQL_MEMBER_GET,
  MT_SQL_MEMBER_UPDATE,
  MT_SQL_MEMBER_VERSION,
  MT_SQL_MEMBER_NAME,
  MT_SQL_MEMBER_NETWORK_INSERT,
  MT_SQL_MEMBER_NETWORK_DELETE,
  /* The eight member_list variants, in this order: offset = MT_SQL_LIST_* flags below. */
  MT_SQL_MEMBER_LIST,
  MT_SQL_MEMBER_LIST_S,
  MT_SQL_MEMBER_LIST_N,
  MT_SQL_MEMBER_LIST_NS,
  MT_SQL_MEMBER_LIST_C,
  MT_SQL_MEMBER_LIST_SC,
  MT_SQL_MEMBER_LIST_NC,
  MT_SQL_MEMBER_LIST_NSC,

  MT_SQL_ACCOUNT_INSERT,
  MT_SQL_ACCOUNT_GET,
  MT_SQL_ACCOUNT_GET_BY_EMAIL,
  MT_SQL_ACCOUNT_UPDATE,
  MT_SQL_ACCOUNT_VERSION,
  MT_SQL_ACCOUNT_LIST_BY_MEMBER,
  MT_SQL_ACCOUNT_COUNT_ADMINS,
  MT_SQL_ACCOUNT_GET_BY_CALENDAR_TOKEN,

  MT_SQL_LISTING_INSERT,
  MT_SQL_LISTING_GET,
  MT_SQL_LISTING_UPDATE,
  MT_SQL_LISTING_VERSION,
  MT_SQL_LISTING_DELETE,
  MT_SQL_LISTING_TEXT_INSERT,
  MT_SQL_LISTING_TEXT_DELETE,

  MT_SQL_PHOTO_INSERT,
  MT_SQL_PHOTO_GET,
  MT_SQL_PHOTO_DELETE,

  MT_SQL_CALENDAR_INSERT,
  MT_SQL_CALENDAR_GET,
  MT_SQL_CALENDAR_UPDATE,
  MT_SQL_CALENDAR_VERSION,
  MT_SQL_CALENDAR_LIST,
  MT_SQL_CALENDAR_LIST_AFTER,

  MT_SQL_RESERVATION_INSERT,
  MT_SQL_RESERVATION_GET,
  MT_SQL_RESERVATION_UPDATE,
  MT_SQL_RESERVATION_VERSION,
  MT_SQL_RESERVATION_COUNT,

  MT_SQL_IDEMPOTENCY_INSERT,
  MT_SQL_IDEMPOTENCY_GET,
  MT_SQL_IDEMPOTENCY_UPDATE,
  MT_SQL_IDEMPOTENCY_VERSION,
  MT_SQL_IDEMPOTENCY_PURGE,

  /* Lists of records: the first page, then the page after a cursor. */
  MT_SQL_MESSAGE_INSERT,
  MT_SQL_MESSAGE_LIST,
  MT_SQL_MESSAGE_LIST_AFTER,
  MT_SQL_AUDIT_INSERT,
  MT_SQL_AUDIT_LIST,
  MT_SQL_AUDIT_LIST_AFTER,
  MT_SQL_AUDIT_LIST_ENTITY,
  MT_SQL_AUDIT_LIST_ENTITY_AFTER,
  MT_SQL_NOTIFICATION_INSERT,
  MT_SQL_NOTIFICATION_LIST,
  MT_SQL_NOTIFICATION_LIST_AFTER,
  MT_SQL_NOTIFICATION_GET_OWN,
  MT_SQL_NOTIFICATION_REWRITE,

  MT_SQL_BOOKING_INSERT,
  MT_SQL_BOOKING_GET,
  MT_SQL_BOOKING_UPDATE,
  MT_SQL_BOOKING_VERSION,

  MT_SQL_NEED_INSERT,
  MT_SQL_NEED_GET,
  MT_SQL_NEED_UPDATE,
  MT_SQL_NEED_VERSION,
  MT_SQL_NEED_TEXT_INSERT,
  MT_SQL_NEED_TEXT_DELETE,
  MT_SQL_NEED_ANSWER_INSERT,
  MT_SQL_NEED_ANSWER_LIST,
  MT_SQL_NEED_ANSWER_LIST_AFTER,

  MT_SQL_LEDGER_INSERT,
  MT_SQL_LEDGER_EXISTS,
  MT_SQL_LEDGER_BALANCE,
  MT_SQL_LEDGER_BALANCE_PUT,
  MT_SQL_LEDGER_LIST,
  MT_SQL_LEDGER_LIST_AFTER,
  MT_SQL_LEDGER_SUM,
  MT_SQL_LEDGER_GET,

  MT_SQL_WEBHOOK_INSERT,
  MT_SQL_WEBHOOK_GET,
  MT_SQL_WEBHOOK_DELETE,
  MT_SQL_WEBHOOK_LIST,
  MT_SQL_WEBHOOK_LIST_AFTER,

  MT_SQL_OUTBOX_INSERT,
  MT_SQL_OUTBOX_GET,
  MT_SQL_OUTBOX_UPDATE,
  MT_SQL_OUTBOX_VERSION,

  /* check_integrity: one row when the indexed columns of a document's row are those its
   * kind's bind function derives from the document (parameters numbered as for writes). */
  MT_SQL_CHECK_NETWORK,
  MT_SQL_CHECK_MEMBER,
  MT_SQL_CHECK_ACCOUNT,
  MT_SQL_CHECK_LISTING,
  MT_SQL_CHECK_RESERVATION,
  MT_SQL_CHECK_IDEMPOTENCY,
  MT_SQL_CHECK_MESSAGE,
  MT_SQL_CHECK_AUDIT,
  MT_SQL_CHECK_NOTIFICATION,
  MT_SQL_CHECK_BOOKING,
  MT_SQL_CHECK_NEED,
  MT_SQL_CHECK_NEED_ANSWER,
  MT_SQL_CHECK_LEDGER,
  MT_SQL_CHECK_WEBHOOK,
  MT_SQL_CHECK_OUTBOX,

  MT_SQL_TOKEN_REVOKE,
  MT_SQL_TOKEN_IS_REVOKED,
  MT_SQL_TOKEN_PURGE,

  MT_SQL_COUNT
} mt_sql_id_t;

/* Flags selecting a member_list variant (added to MT_SQL_MEMBER_LIST). */
#define MT_SQL_LIST_STATUS 1
#define MT_SQL_LIST_NETWORK 2
#define MT_SQL_LIST_AFTER 4

/* Statements kept per handle and per list whose SQL is built per query shape
 * (listing_search, need_search, reservation_list, booking_list, outbox_list): one per shape,
 * the oldest goes first. */
#define MT_SQLITE_SHAPE_CACHE 16

typedef struct {
  uint64_t shape; /* the query shape the SQL was built for; 0 = free slot */
  sqlite3_stmt *stmt;
} mt_sqlite_cached_t;

typedef struct {
  mt_sqlite_cached_t slots[MT_SQLITE_SHAPE_CACHE];
  unsigned next; /* slot replaced next */
} mt_sqlite_shape_cache_t;

/* One handle: one connection, used by one thread. */
typedef struct {
  mt_store_t base; /* first: a mt_sqlite_store_t * is a mt_store_t * */
  sqlite3 *db;
  sqlite3_stmt *stmts[MT_SQL_COUNT]; /* prepared on first use, finalized by close */
  bool op_savepoint;                 /* inside a unit: the current op's SAVEPOINT is open */
  /* Statements of the lists built per query shape; finalized by close. */
  mt_sqlite_shape_cache_t search;       /* listing_search */
  mt_sqlite_shape_cache_t reservations; /* reservation_list */
  mt_sqlite_shape_cache_t need_search;  /* need_search */
  mt_sqlite_shape_cache_t bookings;     /* booking_list */
  mt_sqlite_shape_cache_t outbox;       /* outbox_list */
} mt_sqlite_store_t;

static inline mt_sqlite_store_t *
mt_sqlite_store (mt_store_t *store)
{
  return (mt_sqlite_store_t *) store;
}

/*
 * Returns in *@out the cached statement @id of @store, preparing it on first use. The
 * statement is reset and has no bindings; give it back with mt_sqlite_release.
 */
bool mt_sqlite_stmt (mt_sqlite_store_t *store, mt_sql_id_t id, sqlite3_stmt **out,
                     mt_error_t *error);

/* The statement @cache holds for the query shape @shape (non-zero), or NULL. */
sqlite3_stmt *mt_sqlite_shape_find (mt_sqlite_shape_cache_t *cache, uint64_t shape);

/*
 * Prepares @sql (@len bytes) and keeps it in @cache for @shape (non-zero), finalizing the
 * oldest statement when the cache is full. *@out is the statement, owned by the cache.
 */
bool mt_sqlite_shape_add (mt_sqlite_store_t *store, mt_sqlite_shape_cache_t *cache, uint64_t shape,
                          const char *sql, size_t len, sqlite3_stmt **out, mt_error_t *error);

/* Finalizes every statement of @cache (close). */
void mt_sqlite_shape_finalize (mt_sqlite_shape_cache_t *cache);

/* Resets @stmt and clears its bindings (no-op on NULL). */
void mt_sqlite_release (sqlite3_stmt *stmt);

/*
 * Sets @error from the result code @rc of a call on @db and returns false:
 * SQLITE_BUSY/LOCKED -> MT_ERR_UNAVAILABLE, UNIQUE/PRIMARY KEY constraint -> MT_ERR_DUPLICATE,
 * anything else -> MT_ERR_INTERNAL. @what names the operation (never document content).
 */
bool mt_sqlite_fail (sqlite3 *db, int rc, const char *what, mt_error_t *error);

/* Steps @stmt once expecting SQLITE_DONE, then releases it. */
bool mt_sqlite_step_done (mt_sqlite_store_t *store, sqlite3_stmt *stmt, const char *what,
                          mt_error_t *error);

/*
 * The transaction of one op, through the statement cache: BEGIN IMMEDIATE / COMMIT /
 * ROLLBACK (a no-op outside a transaction). Inside a unit (store->base.in_unit) they are
 * SAVEPOINT op / RELEASE op / ROLLBACK TO op + RELEASE op, so that the op stays atomic and a
 * failing op undoes only itself; a unit whose transaction SQLite has already rolled back
 * (an I/O error) makes begin fail, so that no op writes outside it.
 */
bool mt_sqlite_begin (mt_sqlite_store_t *store, mt_error_t *error);
bool mt_sqlite_commit (mt_sqlite_store_t *store, mt_error_t *error);
void mt_sqlite_rollback (mt_sqlite_store_t *store);

/* Sets MT_ERR_INTERNAL "bad document" naming the offending field, and returns false. */
bool mt_sqlite_bad_document (const char *what, const char *field, mt_error_t *error);

/* Sets MT_ERR_INTERNAL "out of memory" and returns false. */
bool mt_sqlite_out_of_memory (mt_error_t *error);

/* Binding: sets @error from a sqlite3_bind_* result and returns false unless SQLITE_OK. */
bool mt_sqlite_bound (mt_sqlite_store_t *store, int rc, mt_error_t *error);
bool mt_sqlite_bind_cstr (mt_sqlite_store_t *store, sqlite3_stmt *stmt, int index, const char *text,
                          mt_error_t *error);
bool mt_sqlite_bind_int64 (mt_sqlite_store_t *store, sqlite3_stmt *stmt, int index, int64_t value,
                           mt_error_t *error);

/* ---- Kinds of documents (store_sqlite_rows.c) ------------------------------------------- */

/*
 * What the generic insert, compare-and-set update, delete and get need to know of one kind of
 * document (networks, members, accounts, listings, calendars, reservations, idempotency
 * records, messages, audit entries, notifications). Its statements number their parameters
 * alike:
 *   insert_sql  INSERT ... VALUES (?1 key, ?3 version, ?4... columns, document last)
 *   update_sql  UPDATE ... SET version = ?3, columns = ?4..., doc = ... WHERE key = ?1 AND
 *               version = ?2
 *   version_sql SELECT version ... WHERE key = ?1
 *   delete_sql  DELETE ... WHERE key = ?1
 *   get_sql     SELECT doc ... WHERE key = ?1
 * An operation the kind does not have is MT_SQL_COUNT.
 */
typedef struct mt_sqlite_kind mt_sqlite_kind_t;
struct mt_sqlite_kind {
  const char *en;        /* "member": for messages (never document content) */
  const char *fr;        /* "membre" */
  const char *key_field; /* the document's key field ("id"; "listing_id" for calendars) */
  mt_sql_id_t insert_sql;
  mt_sql_id_t update_sql;
  mt_sql_id_t version_sql;
  mt_sql_id_t delete_sql;
  mt_sql_id_t get_sql;
  /* SELECT 1 ... WHERE key = ?1 AND each indexed column IS its parameter (?4...): the row's
   * columns are those bind derives from its document (check_integrity). */
  mt_sql_id_t columns_sql;
  /* Documents without a version (immutable records: messages, audit entries,
   * notifications) are stored exactly as given; the others get version 1 on insert. */
  bool unversioned;
  /*
   * Reads the indexed fields of @doc (the document about to be written, version included),
   * checks their types (MT_ERR_INTERNAL "bad document" otherwise) and binds them from ?4 on,
   * with @doc itself as the last parameter. Values point into @doc (SQLITE_STATIC).
   */
  bool (*bind) (mt_sqlite_store_t *store, sqlite3_stmt *stmt, const bson_t *doc, mt_error_t *error);
  /*
   * Rewrites the rows derived from @doc (member_networks, the full-text row) once its own row
   * is written; @is_new on insert. In the caller's transaction. NULL when the kind has none.
   */
  bool (*write_derived) (mt_sqlite_store_t *store, const char *key, const bson_t *doc, bool is_new,
                         mt_error_t *error);
  /* Removes the rows derived from document @key before its row is deleted (NULL: none). */
  bool (*delete_derived) (mt_sqlite_store_t *store, const char *key, mt_error_t *error);
};

extern const mt_sqlite_kind_t mt_sqlite_kind_network;
extern const mt_sqlite_kind_t mt_sqlite_kind_member;
extern const mt_sqlite_kind_t mt_sqlite_kind_account;
extern const mt_sqlite_kind_t mt_sqlite_kind_listing;
extern const mt_sqlite_kind_t mt_sqlite_kind_calendar;
extern const mt_sqlite_kind_t mt_sqlite_kind_reservation;
extern const mt_sqlite_kind_t mt_sqlite_kind_idempotency;
extern const mt_sqlite_kind_t mt_sqlite_kind_message;
extern const mt_sqlite_kind_t mt_sqlite_kind_audit;
extern const mt_sqlite_kind_t mt_sqlite_kind_notification;
extern const mt_sqlite_kind_t mt_sqlite_kind_booking;
extern const mt_sqlite_kind_t mt_sqlite_kind_need;
extern const mt_sqlite_kind_t mt_sqlite_kind_need_answer;
extern const mt_sqlite_kind_t mt_sqlite_kind_ledger;
extern const mt_sqlite_kind_t mt_sqlite_kind_webhook;
extern const mt_sqlite_kind_t mt_sqlite_kind_outbox;

/* A string field of a document (points into the document); str is NULL when absent/null. */
typedef struct {
  const char *str;
  int len;
} mt_sqlite_text_t;

/*
 * Reads the string @key of @doc (dotted paths reach into sub-documents) into @out. An absent
 * or null field gives str = NULL, which is an error when @required. Any other type is a bad
 * document of @kind.
 */
bool mt_sqlite_field_text (const bson_t *doc, const char *key, bool required,
                           const mt_sqlite_kind_t *kind, mt_sqlite_text_t *out, mt_error_t *error);

/*
 * True when @doc carries @key in its key field (kind->key_field); MT_ERR_INTERNAL "bad
 * document" otherwise.
 */
bool mt_sqlite_doc_has_key (const bson_t *doc, const mt_sqlite_kind_t *kind, const char *key,
                            mt_error_t *error);

/* Binds @text (NULL binds SQL NULL); the text must outlive the statement's use. */
bool mt_sqlite_bind_text (mt_sqlite_store_t *store, sqlite3_stmt *stmt, int index,
                          const mt_sqlite_text_t *text, mt_error_t *error);

/* Reads and binds the string @key of @doc: mt_sqlite_field_text then mt_sqlite_bind_text. */
bool mt_sqlite_bind_field (mt_sqlite_store_t *store, sqlite3_stmt *stmt, int index,
                           const bson_t *doc, const char *key, bool required,
                           const mt_sqlite_kind_t *kind, mt_error_t *error);

/* Binds the whole of @doc as a BSON blob. */
bool mt_sqlite_bind_document (mt_sqlite_store_t *store, sqlite3_stmt *stmt, int index,
                              const bson_t *doc, mt_error_t *error);

/*
 * Binds the sort key @key of @doc keeping its kind, so that SQLite orders values as BSON
 * does (null < numbers < strings): absent/null -> NULL, int32/int64/date-time -> INTEGER,
 * double -> REAL, string -> TEXT. Other types are a bad document.
 */
bool mt_sqlite_bind_sort_key (mt_sqlite_store_t *store, sqlite3_stmt *stmt, int index,
                              const bson_t *doc, const char *key, const mt_sqlite_kind_t *kind,
                              mt_error_t *error);

/*
 * Binds the date-time @key of @doc as its milliseconds since the epoch: absent or null binds
 * SQL NULL (a bad document when @required); any other type than a BSON date-time is a bad
 * document of @kind.
 */
bool mt_sqlite_bind_date (mt_sqlite_store_t *store, sqlite3_stmt *stmt, int index,
                          const bson_t *doc, const char *key, bool required,
                          const mt_sqlite_kind_t *kind, mt_error_t *error);

/* Binds the integer (int32 or int64) @key of @doc; absent or null binds SQL NULL. */
bool mt_sqlite_bind_integer (mt_sqlite_store_t *store, sqlite3_stmt *stmt, int index,
                             const bson_t *doc, const char *key, const mt_sqlite_kind_t *kind,
                             mt_error_t *error);

/* Views column @col of the current row as a document; false when it is not BSON. */
bool mt_sqlite_column_view (sqlite3_stmt *stmt, int col, bson_t *view, mt_error_t *error);

/* Appends the document of column @col to @page under the next array index. */
bool mt_sqlite_page_append (mt_store_page_t *page, sqlite3_stmt *stmt, int col, mt_error_t *error);

/*
 * Steps @stmt, whose rows are (document, sort key...) in the list's order, appending up to
 * @limit documents to @out, and sets out->next_cursor to the (name, id) cursor of the last
 * one kept when a row lies beyond (columns @name_col, -1 for an id-only cursor, and @id_col),
 * "" otherwise. Does not release @stmt.
 */
bool mt_sqlite_page_fill (mt_sqlite_store_t *store, sqlite3_stmt *stmt, uint32_t limit,
                          int name_col, int id_col, mt_store_page_t *out, const char *what,
                          mt_error_t *error);

/*
 * The lists whose cursor is the (time, id) key of a row (mt_sqlite_row_key_t): their cursors
 * carry the list, and each list accepts only its own.
 */
typedef enum {
  MT_SQLITE_LIST_RESERVATIONS = 5,  /* (created_at, id) descending */
  MT_SQLITE_LIST_MESSAGES = 6,      /* (created_at, id) ascending */
  MT_SQLITE_LIST_AUDIT = 7,         /* (at, id) descending */
  MT_SQLITE_LIST_NOTIFICATIONS = 8, /* (created_at, id) descending */
  MT_SQLITE_LIST_CALENDARS = 9,     /* listing_id ascending (time always 0) */
  MT_SQLITE_LIST_BOOKINGS = 10,     /* (created_at, id) descending */
  MT_SQLITE_LIST_NEED_ANSWERS = 11, /* (created_at, id) ascending */
  MT_SQLITE_LIST_LEDGER = 12,       /* (created_at, id) descending */
  MT_SQLITE_LIST_WEBHOOKS = 13,     /* (created_at, id) ascending */
  MT_SQLITE_LIST_OUTBOX = 14,       /* (next_attempt_at, id) ascending */
} mt_sqlite_list_t;

/* The sort key of a row of those lists. */
typedef struct {
  int64_t at;   /* milliseconds; 0 for calendars */
  char id[256]; /* NUL-terminated */
  size_t id_len;
} mt_sqlite_row_key_t;

/* Writes the cursor of @list after the row @key into @out; false when the id is too long. */
bool mt_sqlite_row_cursor_encode (mt_sqlite_list_t list, const mt_sqlite_row_key_t *key,
                                  char out[MT_STORE_CURSOR_MAX]);

/* Decodes @text; MT_ERR_BAD_REQUEST when it is not a cursor of @list made by this adapter. */
bool mt_sqlite_row_cursor_decode (const char *text, mt_sqlite_list_t list, mt_sqlite_row_key_t *out,
                                  mt_error_t *error);

/*
 * Checks the window of a list: @limit 0 is MT_ERR_BAD_REQUEST, more than MT_STORE_PAGE_MAX is
 * clamped (*@clamped); a non-empty @cursor is decoded into @after (*@has_after).
 */
bool mt_sqlite_list_window (mt_sqlite_list_t list, const char *cursor, uint32_t limit,
                            uint32_t *clamped, mt_sqlite_row_key_t *after, bool *has_after,
                            mt_error_t *error);

/*
 * Steps @stmt, whose rows are (document, time, id) in @list's order, appending up to @limit
 * documents to @out, and sets out->next_cursor to the cursor after the last one kept when a
 * row lies beyond, "" otherwise. Does not release @stmt.
 */
bool mt_sqlite_page_fill_rows (mt_sqlite_store_t *store, sqlite3_stmt *stmt, mt_sqlite_list_t list,
                               uint32_t limit, mt_store_page_t *out, const char *what,
                               mt_error_t *error);

/*
 * One page of the records of @owner in @list's order: @first is the statement of the first
 * page, @next that of the pages after a cursor (?1 owner, ?2 ?3 cursor, ?4 limit + 1; rows
 * (doc, time, id)). A NULL @owner lists every record when @all_when_null, and otherwise gives
 * an empty page (after checking the window all the same). @out is always initialised.
 */
bool mt_sqlite_records_page (mt_sqlite_store_t *store, mt_sqlite_list_t list, mt_sql_id_t first,
                             mt_sql_id_t next, const char *owner, bool all_when_null,
                             const char *cursor, uint32_t limit, mt_store_page_t *out,
                             const char *what, mt_error_t *error);

/* ---- Filtered lists built per query shape (store_sqlite_lists.c) ------------------------ */

/* At most this many equality filters, and this many statuses (beyond: MT_ERR_BAD_REQUEST). */
#define MT_SQLITE_FILTERS_MAX 3
#define MT_SQLITE_STATUSES_MAX 16

/*
 * A list of one table in (time, id) order, descending or ascending, with up to
 * MT_SQLITE_FILTERS_MAX equality filters on columns, a "status IN (...)" filter and a "due"
 * bound (a date column <= a value; NULL dates are never due). Rows are (doc, time, id).
 */
typedef struct {
  const char *table;
  const char *time_column;
  bool descending;
  mt_sqlite_list_t list;                             /* its cursors */
  const char *filter_columns[MT_SQLITE_FILTERS_MAX]; /* NULL: unused */
  const char *const *due_columns; /* indexed by mt_sqlite_filtered_query_t.due; [0] is NULL */
  size_t due_count;
  const char *what; /* "reservation list" */
} mt_sqlite_filtered_list_t;

typedef struct {
  const char *filters[MT_SQLITE_FILTERS_MAX]; /* of def->filter_columns; NULL: no filter */
  const char *const *statuses;                /* NULL-terminated; NULL = any, empty = none */
  int due;                                    /* 0: none; else an index of def->due_columns */
  int64_t due_before;
  const char *cursor;
  uint32_t limit;
} mt_sqlite_filtered_query_t;

/*
 * One page of @def's list. The statement is built per query shape and kept in @cache.
 * MT_ERR_BAD_REQUEST for a limit of 0, a cursor of another list, more than
 * MT_SQLITE_STATUSES_MAX statuses or an unknown due field. @out is always initialised.
 */
bool mt_sqlite_filtered_list (mt_sqlite_store_t *store, const mt_sqlite_filtered_list_t *def,
                              mt_sqlite_shape_cache_t *cache,
                              const mt_sqlite_filtered_query_t *query, mt_store_page_t *out,
                              mt_error_t *error);

/* Sets MT_ERR_NOT_FOUND "no such <kind>" and returns false. */
bool mt_sqlite_not_found (const mt_sqlite_kind_t *kind, mt_error_t *error);

/*
 * Inserts @doc with version 1 and its derived rows, within the caller's transaction if any.
 * DUPLICATE on a taken unique key; nothing of @doc is stored then (within a transaction the
 * caller rolls back what it wrote before).
 */
bool mt_sqlite_doc_insert_row (mt_sqlite_store_t *store, const mt_sqlite_kind_t *kind,
                               const bson_t *doc, mt_error_t *error);

/* mt_sqlite_doc_insert_row in its own transaction when the kind has derived rows. */
bool mt_sqlite_doc_insert (mt_sqlite_store_t *store, const mt_sqlite_kind_t *kind,
                           const bson_t *doc, mt_error_t *error);

/*
 * Compare-and-set update of document @key: in BEGIN IMMEDIATE, writes @doc with version
 * @expected_version + 1 (and its derived rows) if the stored version is @expected_version;
 * otherwise MT_ERR_NOT_FOUND (no such document) or MT_ERR_STALE, and nothing changes. @doc
 * must carry @key in its key field (MT_ERR_INTERNAL otherwise).
 */
bool mt_sqlite_doc_update (mt_sqlite_store_t *store, const mt_sqlite_kind_t *kind, const char *key,
                           int64_t expected_version, const bson_t *doc, mt_error_t *error);

/* Compare-and-set delete of document @key and its derived rows (errors as mt_sqlite_doc_update). */
bool mt_sqlite_doc_delete (mt_sqlite_store_t *store, const mt_sqlite_kind_t *kind, const char *key,
                           int64_t expected_version, mt_error_t *error);

/*
 * Runs @sql (one text parameter @key) and copies the document of its first row into @out
 * (always initialised). No row: MT_ERR_NOT_FOUND.
 */
bool mt_sqlite_get_one (mt_sqlite_store_t *store, mt_sql_id_t sql, const char *key,
                        const mt_sqlite_kind_t *kind, bson_t *out, mt_error_t *error);

/* ---- Cursors ----------------------------------------------------------------------------- */

/* A decoded cursor of member_list: the sort key of the last row of the previous page. */
typedef struct {
  uint8_t raw[MT_STORE_CURSOR_MAX];
  const char *id; /* points into raw */
  size_t id_len;
  const char *name; /* points into raw; NULL when the cursor holds the id only */
  size_t name_len;
} mt_sqlite_cursor_t;

/*
 * Writes into @out (MT_STORE_CURSOR_MAX bytes) the cursor after the row (@name, @id).
 * When @name is NULL or too long to fit, the cursor holds only @id and the name is read back
 * from the row when the cursor is used. Returns false when @id itself cannot fit.
 */
bool mt_sqlite_cursor_encode (const char *name, size_t name_len, const char *id, size_t id_len,
                              char out[MT_STORE_CURSOR_MAX]);

/* Decodes @text; MT_ERR_BAD_REQUEST when it is not a cursor of this adapter. */
bool mt_sqlite_cursor_decode (const char *text, mt_sqlite_cursor_t *out, mt_error_t *error);

/* The sort key of a listing_search or need_search row, as a cursor carries it. */
typedef struct {
  bool need;            /* a cursor of need_search (else of listing_search) */
  bool relevance;       /* the order: relevance (score first) or recency */
  uint32_t fingerprint; /* relevance: mt_sqlite_fts_fingerprint of the MATCH expression */
  int64_t score;        /* relevance only */
  int64_t created_at;
  char id[256]; /* NUL-terminated */
  size_t id_len;
} mt_sqlite_listing_key_t;

/* Writes the cursor after the row @key into @out; false when the id is too long (> 255). */
bool mt_sqlite_listing_cursor_encode (const mt_sqlite_listing_key_t *key,
                                      char out[MT_STORE_CURSOR_MAX]);

/* Decodes @text; MT_ERR_BAD_REQUEST when it is not a search cursor of this adapter (of
 * listings or needs: key->need tells which). */
bool mt_sqlite_listing_cursor_decode (const char *text, mt_sqlite_listing_key_t *out,
                                      mt_error_t *error);

/* ---- Full-text search (store_sqlite_fts.c) ----------------------------------------------- */

/* At most this many terms of a query are used (later ones are ignored). */
#define MT_SQLITE_FTS_TERMS_MAX 32
/* At most this many bytes of a term are used (cut at a character boundary: still a prefix). */
#define MT_SQLITE_FTS_TERM_BYTES 128
/* Size of a MATCH expression buffer: each term gives at most ' ' '"' 2 x bytes '"' '*'. */
#define MT_SQLITE_FTS_QUERY_MAX (MT_SQLITE_FTS_TERMS_MAX * (2 * MT_SQLITE_FTS_TERM_BYTES + 4) + 1)

/*
 * The search query builder, a pure function. Writes into @out the FTS5 MATCH expression
 * requiring every term of @terms (NULL-terminated; NULL = none), each as a quoted prefix
 * phrase ("term"*), joined by spaces (FTS5's implicit AND), and returns how many terms it
 * kept; 0 (and "") means no text filter. Rules:
 *   - a term in which unicode61 finds no word (only punctuation, symbols, most emoji,
 *     spaces, combining marks, or "") is ignored: it would match nothing alone and
 *     everything within the AND;
 *   - a double quote is doubled; control characters and bytes that are not UTF-8 become
 *     spaces (word separators), everything else is copied: inside a quoted phrase FTS5
 *     gives no meaning to operators, parentheses, column filters, '*', '^', ':' or '-';
 *   - a term is cut to its first MT_SQLITE_FTS_TERM_BYTES bytes at a character boundary
 *     (a prefix query of a prefix: it still finds what the whole term finds);
 *   - terms after the MT_SQLITE_FTS_TERMS_MAX-th kept one are ignored.
 * So every phrase of the expression holds at least one token, and no input can make FTS5
 * fail to parse it.
 */
size_t mt_sqlite_fts_query (const char *const *terms, char out[MT_SQLITE_FTS_QUERY_MAX]);

/* FNV-1a of a MATCH expression: ties a relevance cursor to its query. */
uint32_t mt_sqlite_fts_fingerprint (const char *expression);

/* Points a title in the listing's title column is worth, per term; and the other columns. */
#define MT_SQLITE_SCORE_TITLE 4
#define MT_SQLITE_SCORE_TAGS 2
#define MT_SQLITE_SCORE_DESCRIPTION 1

/*
 * Registers on @db the FTS5 auxiliary function mt_listing_score(<table>_fts), used for
 * listings_fts and needs_fts (same columns in the same order): for each
 * phrase of the query, MT_SQLITE_SCORE_TITLE if it occurs in the title, plus
 * MT_SQLITE_SCORE_TAGS if in the tags, plus MT_SQLITE_SCORE_DESCRIPTION if in the
 * description. It depends on the row and the query only, never on the rest of the table.
 */
bool mt_sqlite_fts_register (sqlite3 *db, mt_error_t *error);

/* ---- Listings (store_sqlite_listings.c) ------------------------------------------------- */

/*
 * What listings and needs share: a table whose rowid "seq" is that of the document's row in
 * its FTS5 table (title, description, tags), the indexed columns owner_id, kind, category,
 * status, visibility, departement ("territory.departement"), created_at, and one search.
 */
typedef struct {
  const mt_sqlite_kind_t *kind;
  const char *table;       /* "listings" */
  const char *fts;         /* "listings_fts" */
  mt_sql_id_t text_insert; /* ?1 id, ?2 title, ?3 description, ?4 tags */
  mt_sql_id_t text_delete; /* ?1 id */
  bool need;               /* whose cursors: need_search's (else listing_search's) */
  const char *what;        /* "listing search" */
} mt_sqlite_searchable_t;

extern const mt_sqlite_searchable_t mt_sqlite_listings;
extern const mt_sqlite_searchable_t mt_sqlite_needs;

/*
 * The texts of a document's full-text row: "title" and "description" (str NULL when absent
 * or null) and the strings of "tags" joined by newlines, appended to @tags ("" when there are
 * none). A field of another type: MT_ERR_INTERNAL (a bad document of @kind).
 */
bool mt_sqlite_searchable_texts (const mt_sqlite_kind_t *kind, const bson_t *doc,
                                 mt_sqlite_text_t *title, mt_sqlite_text_t *description,
                                 mt_buf_t *tags, mt_error_t *error);

/* Binds the columns of @s from @doc: ?4 owner_id, ?5 kind, ?6 category, ?7 status,
 * ?8 visibility, ?9 departement, ?10 created_at, ?11 the document. */
bool mt_sqlite_searchable_bind (const mt_sqlite_searchable_t *s, mt_sqlite_store_t *store,
                                sqlite3_stmt *stmt, const bson_t *doc, mt_error_t *error);

/* Writes the full-text row of document @id from @doc (replacing the old one unless @is_new);
 * removes it. In the caller's transaction. */
bool mt_sqlite_searchable_text_write (const mt_sqlite_searchable_t *s, mt_sqlite_store_t *store,
                                      const char *id, const bson_t *doc, bool is_new,
                                      mt_error_t *error);
bool mt_sqlite_searchable_text_delete (const mt_sqlite_searchable_t *s, mt_sqlite_store_t *store,
                                       const char *id, mt_error_t *error);

/* listing_search over @s (store_sqlite_search.c), its statements kept in @cache. */
bool mt_sqlite_search (mt_sqlite_store_t *store, const mt_sqlite_searchable_t *s,
                       mt_sqlite_shape_cache_t *cache, const mt_store_listing_query_t *query,
                       mt_store_page_t *out, mt_error_t *error);

/* Most bytes of a document's joined tags (beyond: MT_ERR_INTERNAL). */
#define MT_SQLITE_TAGS_MAX (256 * 1024)

/* ---- Ops (store_sqlite_documents.c, store_sqlite_listings.c, ...) ------------------------- */

bool mt_sqlite_network_insert (mt_store_t *store, const bson_t *network, mt_error_t *error);
bool mt_sqlite_network_get (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error);
bool mt_sqlite_network_list (mt_store_t *store, mt_store_page_t *out, mt_error_t *error);

bool mt_sqlite_member_insert (mt_store_t *store, const bson_t *member, const bson_t *first_account,
                              mt_error_t *error);
bool mt_sqlite_member_get (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error);
bool mt_sqlite_member_update (mt_store_t *store, const char *id, int64_t expected_version,
                              const bson_t *member, mt_error_t *error);
bool mt_sqlite_member_list (mt_store_t *store, const mt_store_member_query_t *query,
                            mt_store_page_t *out, mt_error_t *error);

bool mt_sqlite_account_insert (mt_store_t *store, const bson_t *account, mt_error_t *error);
bool mt_sqlite_account_get (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error);
bool mt_sqlite_account_find_by_email (mt_store_t *store, const char *email_key, bson_t *out,
                                      mt_error_t *error);
bool mt_sqlite_account_update (mt_store_t *store, const char *id, int64_t expected_version,
                               const bson_t *account, mt_error_t *error);
bool mt_sqlite_account_list_by_member (mt_store_t *store, const char *member_id,
                                       mt_store_page_t *out, mt_error_t *error);
bool mt_sqlite_account_count_admins (mt_store_t *store, int64_t *count, mt_error_t *error);
bool mt_sqlite_account_find_by_calendar_token (mt_store_t *store, const char *hash, bson_t *out,
                                               mt_error_t *error);

bool mt_sqlite_listing_insert (mt_store_t *store, const bson_t *listing, mt_error_t *error);
bool mt_sqlite_listing_insert_many (mt_store_t *store, const bson_t *const *listings, size_t count,
                                    mt_error_t *error);
bool mt_sqlite_listing_get (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error);
bool mt_sqlite_listing_update (mt_store_t *store, const char *id, int64_t expected_version,
                               const bson_t *listing, mt_error_t *error);
bool mt_sqlite_listing_delete (mt_store_t *store, const char *id, int64_t expected_version,
                               mt_error_t *error);
bool mt_sqlite_listing_search (mt_store_t *store, const mt_store_listing_query_t *query,
                               mt_store_page_t *out, mt_error_t *error);

bool mt_sqlite_photo_insert (mt_store_t *store, const bson_t *meta, const uint8_t *data, size_t len,
                             mt_error_t *error);
bool mt_sqlite_photo_get (mt_store_t *store, const char *id, bson_t *meta_out, uint8_t **data_out,
                          size_t *len_out, mt_error_t *error);
bool mt_sqlite_photo_delete (mt_store_t *store, const char *id, mt_error_t *error);

bool mt_sqlite_calendar_get (mt_store_t *store, const char *listing_id, bson_t *out,
                             mt_error_t *error);
bool mt_sqlite_calendar_put (mt_store_t *store, const char *listing_id, int64_t expected_version,
                             const bson_t *calendar, mt_error_t *error);
bool mt_sqlite_calendar_list (mt_store_t *store, const char *cursor, uint32_t limit,
                              mt_store_page_t *out, mt_error_t *error);

bool mt_sqlite_reservation_insert (mt_store_t *store, const bson_t *reservation, mt_error_t *error);
bool mt_sqlite_reservation_get (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error);
bool mt_sqlite_reservation_update (mt_store_t *store, const char *id, int64_t expected_version,
                                   const bson_t *reservation, mt_error_t *error);
bool mt_sqlite_reservation_list (mt_store_t *store, const mt_store_reservation_query_t *query,
                                 mt_store_page_t *out, mt_error_t *error);
bool mt_sqlite_reservation_count (mt_store_t *store, const char *listing_id, int64_t *count,
                                  mt_error_t *error);

bool mt_sqlite_idempotency_insert (mt_store_t *store, const bson_t *record, mt_error_t *error);
bool mt_sqlite_idempotency_get (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error);
bool mt_sqlite_idempotency_update (mt_store_t *store, const char *id, int64_t expected_version,
                                   const bson_t *record, mt_error_t *error);
bool mt_sqlite_idempotency_purge (mt_store_t *store, int64_t before_ms, mt_error_t *error);

bool mt_sqlite_message_insert (mt_store_t *store, const bson_t *message, mt_error_t *error);
bool mt_sqlite_message_list (mt_store_t *store, const char *reservation_id, const char *cursor,
                             uint32_t limit, mt_store_page_t *out, mt_error_t *error);
bool mt_sqlite_audit_insert (mt_store_t *store, const bson_t *entry, mt_error_t *error);
bool mt_sqlite_audit_list (mt_store_t *store, const char *entity_id, const char *cursor,
                           uint32_t limit, mt_store_page_t *out, mt_error_t *error);
bool mt_sqlite_notification_insert (mt_store_t *store, const bson_t *notification,
                                    mt_error_t *error);
bool mt_sqlite_notification_list (mt_store_t *store, const char *account_id, const char *cursor,
                                  uint32_t limit, mt_store_page_t *out, mt_error_t *error);

bool mt_sqlite_notification_mark_read (mt_store_t *store, const char *account_id, const char *id,
                                       int64_t at_ms, mt_error_t *error);

bool mt_sqlite_booking_insert (mt_store_t *store, const bson_t *booking, mt_error_t *error);
bool mt_sqlite_booking_get (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error);
bool mt_sqlite_booking_update (mt_store_t *store, const char *id, int64_t expected_version,
                               const bson_t *booking, mt_error_t *error);
bool mt_sqlite_booking_list (mt_store_t *store, const mt_store_booking_query_t *query,
                             mt_store_page_t *out, mt_error_t *error);

bool mt_sqlite_need_insert (mt_store_t *store, const bson_t *need, mt_error_t *error);
bool mt_sqlite_need_get (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error);
bool mt_sqlite_need_update (mt_store_t *store, const char *id, int64_t expected_version,
                            const bson_t *need, mt_error_t *error);
bool mt_sqlite_need_search (mt_store_t *store, const mt_store_listing_query_t *query,
                            mt_store_page_t *out, mt_error_t *error);
bool mt_sqlite_need_answer_insert (mt_store_t *store, const bson_t *answer, mt_error_t *error);
bool mt_sqlite_need_answer_list (mt_store_t *store, const char *need_id, const char *cursor,
                                 uint32_t limit, mt_store_page_t *out, mt_error_t *error);

bool mt_sqlite_ledger_append (mt_store_t *store, const bson_t *entry, bool check_floor,
                              int64_t floor, mt_error_t *error);
bool mt_sqlite_ledger_balance (mt_store_t *store, const char *member_id, int64_t *balance,
                               mt_error_t *error);
bool mt_sqlite_ledger_list (mt_store_t *store, const char *member_id, const char *cursor,
                            uint32_t limit, mt_store_page_t *out, mt_error_t *error);
bool mt_sqlite_ledger_sum (mt_store_t *store, int64_t *sum, int64_t *entries, mt_error_t *error);
bool mt_sqlite_ledger_get (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error);

bool mt_sqlite_webhook_insert (mt_store_t *store, const bson_t *webhook, mt_error_t *error);
bool mt_sqlite_webhook_get (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error);
bool mt_sqlite_webhook_list (mt_store_t *store, const char *cursor, uint32_t limit,
                             mt_store_page_t *out, mt_error_t *error);
bool mt_sqlite_webhook_delete (mt_store_t *store, const char *id, mt_error_t *error);

bool mt_sqlite_outbox_insert (mt_store_t *store, const bson_t *message, mt_error_t *error);
bool mt_sqlite_outbox_get (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error);
bool mt_sqlite_outbox_update (mt_store_t *store, const char *id, int64_t expected_version,
                              const bson_t *message, mt_error_t *error);
bool mt_sqlite_outbox_list (mt_store_t *store, const mt_store_outbox_query_t *query,
                            mt_store_page_t *out, mt_error_t *error);

bool mt_sqlite_token_revoke (mt_store_t *store, const char *jti, int64_t expires_at_ms,
                             mt_error_t *error);
bool mt_sqlite_token_is_revoked (mt_store_t *store, const char *jti, bool *revoked,
                                 mt_error_t *error);
bool mt_sqlite_token_purge (mt_store_t *store, int64_t now_ms, mt_error_t *error);

#endif
