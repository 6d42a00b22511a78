/*
 * store_sqlite_migrations.c: the schema of the SQLite adapter, as numbered migrations.
 *
 * Migrations are applied in order at backend creation, all pending ones inside one
 * BEGIN IMMEDIATE transaction, and the database's PRAGMA user_version records the last one.
 * A migration is never edited once released: a change of schema is a new migration appended
 * at the end.
 *
 * Layout: every document table holds the document as a BSON blob ("doc") plus the columns
 * store.h names for lookups, uniqueness and ordering, copied from the document on every
 * write. The "version" column and the document's "version" field are always equal
 * (check_integrity verifies it). Sort-key columns declared without a type keep the value's
 * own storage class, so that integers and strings order as BSON does.
 */
#include "store_sqlite_private.h"

static const char mt_sqlite_migration_1[] =
  "CREATE TABLE networks ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  version INTEGER NOT NULL,"
  "  slug TEXT NOT NULL UNIQUE,"
  "  name TEXT NOT NULL,"
  "  doc BLOB NOT NULL"
  ");"
  "CREATE INDEX networks_by_name ON networks (name, id);"

  "CREATE TABLE members ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  version INTEGER NOT NULL,"
  "  status TEXT,"
  "  name TEXT NOT NULL,"
  "  doc BLOB NOT NULL"
  ");"
  "CREATE INDEX members_by_name ON members (name, id);"
  "CREATE INDEX members_by_status ON members (status, name, id);"

  /* Derived from each member's "networks" array; rewritten with the member. */
  "CREATE TABLE member_networks ("
  "  network_id TEXT NOT NULL,"
  "  member_id TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,"
  "  PRIMARY KEY (network_id, member_id)"
  ") WITHOUT ROWID;"
  "CREATE INDEX member_networks_by_member ON member_networks (member_id);"

  "CREATE TABLE accounts ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  version INTEGER NOT NULL,"
  "  email_key TEXT NOT NULL UNIQUE,"
  "  member_id TEXT,"
  "  platform_role TEXT,"
  "  status TEXT,"
  "  created_at,"
  "  doc BLOB NOT NULL"
  ");"
  "CREATE INDEX accounts_by_member ON accounts (member_id, created_at, id);"
  "CREATE INDEX accounts_by_role ON accounts (platform_role, status);"

  "CREATE TABLE revoked_tokens ("
  "  jti TEXT PRIMARY KEY NOT NULL,"
  "  expires_at_ms INTEGER NOT NULL"
  ") WITHOUT ROWID;"
  "CREATE INDEX revoked_tokens_by_expiry ON revoked_tokens (expires_at_ms);";

/*
 * Listings, their full-text index, photos and calendars.
 *
 * "seq" is the listing's rowid (declared, so that VACUUM never renumbers it) and the rowid of
 * its row in listings_fts, which the adapter rewrites in the transaction of every listing
 * write (no trigger: triggers on virtual tables would need trusted_schema). listings_fts is an
 * ordinary FTS5 table (it keeps its own copy of the texts, which its 'integrity-check'
 * command verifies the index against). Each filter column has an index ending with the
 * recency order (created_at, id), so that a filtered search by recency walks one index.
 * Photos and calendars go with their listing (ON DELETE CASCADE).
 */
static const char mt_sqlite_migration_2[] =
  "CREATE TABLE listings ("
  "  seq INTEGER PRIMARY KEY,"
  "  id TEXT NOT NULL UNIQUE,"
  "  version INTEGER NOT NULL,"
  "  owner_id TEXT NOT NULL,"
  "  kind TEXT,"
  "  category TEXT,"
  "  status TEXT,"
  "  visibility TEXT,"
  "  departement TEXT,"
  "  created_at INTEGER NOT NULL,"
  "  doc BLOB NOT NULL"
  ");"
  "CREATE INDEX listings_by_created ON listings (created_at, id);"
  "CREATE INDEX listings_by_owner ON listings (owner_id, created_at, id);"
  "CREATE INDEX listings_by_kind ON listings (kind, created_at, id);"
  "CREATE INDEX listings_by_category ON listings (category, created_at, id);"
  "CREATE INDEX listings_by_status ON listings (status, created_at, id);"
  "CREATE INDEX listings_by_visibility ON listings (visibility, created_at, id);"
  "CREATE INDEX listings_by_departement ON listings (departement, created_at, id);"

  "CREATE VIRTUAL TABLE listings_fts USING fts5 ("
  "  title, description, tags,"
  "  tokenize = 'unicode61 remove_diacritics 2',"
  "  prefix = '2 3'"
  ");"

  "CREATE TABLE photos ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  listing_id TEXT NOT NULL REFERENCES listings (id) ON DELETE CASCADE,"
  "  meta BLOB NOT NULL,"
  "  data BLOB NOT NULL"
  ");"
  "CREATE INDEX photos_by_listing ON photos (listing_id);"

  "CREATE TABLE calendars ("
  "  listing_id TEXT PRIMARY KEY NOT NULL REFERENCES listings (id) ON DELETE CASCADE,"
  "  version INTEGER NOT NULL,"
  "  doc BLOB NOT NULL"
  ") WITHOUT ROWID;";

/*
 * Reservations, idempotency records, messages, audit entries, notifications, and the
 * calendar-feed token of accounts.
 *
 * reservations: one row per reservation; its columns are copied from the document on every
 * write, dates as milliseconds since the epoch (NULL when the document has no such date):
 *   listing_id          "listing_id" (required)
 *   borrower_member_id  "borrower_member_id"
 *   owner_member_id     "owner_member_id"
 *   status              "status"
 *   start_ms, end_ms    "start", "end": the half-open period [start_ms, end_ms)
 *   units               "units" (integer)
 *   expires_at_ms       "expires_at"
 *   returned_at_ms      "returned_at"
 *   created_at_ms       "created_at" (required; the order of reservation_list)
 * These columns are a stable interface: checks and statistics may run their own SQL over
 * them (e.g. a self-join proving that the units of blocking reservations of a listing never
 * exceed its capacity at any instant). Every filter of reservation_list has an index ending
 * with its order (created_at_ms, id), which the listing index also serves reservation_count
 * with; the due dates are indexed after the status, as the timers query them ("requested and
 * expired", "checked out and past their end").
 *
 * idempotency: mutable records (version), purged by created_at_ms. messages, audit and
 * notifications: immutable records (no version column), each listed through one index in its
 * order: messages (reservation_id, created_at_ms, id) oldest first, audit (at_ms, id) newest
 * first overall or per entity_id, notifications (account_id, created_at_ms, id) newest first.
 * No foreign keys: reservations and their records outlive listings (anonymised loan records
 * are kept for statistics), as in the MongoDB adapter.
 *
 * accounts.calendar_token_hash: the account document's optional "calendar_token_hash",
 * unique where present; filled from the existing documents by mt_sqlite_migration_3_after.
 */
static const char mt_sqlite_migration_3[] =
  "CREATE TABLE reservations ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  version INTEGER NOT NULL,"
  "  listing_id TEXT NOT NULL,"
  "  borrower_member_id TEXT,"
  "  owner_member_id TEXT,"
  "  status TEXT,"
  "  start_ms INTEGER,"
  "  end_ms INTEGER,"
  "  units INTEGER,"
  "  expires_at_ms INTEGER,"
  "  returned_at_ms INTEGER,"
  "  created_at_ms INTEGER NOT NULL,"
  "  doc BLOB NOT NULL"
  ");"
  "CREATE INDEX reservations_by_created ON reservations (created_at_ms, id);"
  "CREATE INDEX reservations_by_listing ON reservations (listing_id, created_at_ms, id);"
  "CREATE INDEX reservations_by_borrower ON reservations (borrower_member_id, created_at_ms, id);"
  "CREATE INDEX reservations_by_owner ON reservations (owner_member_id, created_at_ms, id);"
  "CREATE INDEX reservations_by_status ON reservations (status, created_at_ms, id);"
  "CREATE INDEX reservations_by_start ON reservations (status, start_ms);"
  "CREATE INDEX reservations_by_end ON reservations (status, end_ms);"
  "CREATE INDEX reservations_by_expiry ON reservations (status, expires_at_ms);"
  "CREATE INDEX reservations_by_return ON reservations (status, returned_at_ms);"

  "CREATE TABLE idempotency ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  version INTEGER NOT NULL,"
  "  created_at_ms INTEGER NOT NULL,"
  "  doc BLOB NOT NULL"
  ");"
  "CREATE INDEX idempotency_by_created ON idempotency (created_at_ms);"

  "CREATE TABLE messages ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  reservation_id TEXT NOT NULL,"
  "  created_at_ms INTEGER NOT NULL,"
  "  doc BLOB NOT NULL"
  ");"
  "CREATE INDEX messages_by_reservation ON messages (reservation_id, created_at_ms, id);"

  "CREATE TABLE audit ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  at_ms INTEGER NOT NULL,"
  "  entity_id TEXT,"
  "  doc BLOB NOT NULL"
  ");"
  "CREATE INDEX audit_by_at ON audit (at_ms DESC, id DESC);"
  "CREATE INDEX audit_by_entity ON audit (entity_id, at_ms, id);"

  "CREATE TABLE notifications ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  account_id TEXT NOT NULL,"
  "  created_at_ms INTEGER NOT NULL,"
  "  doc BLOB NOT NULL"
  ");"
  "CREATE INDEX notifications_by_account ON notifications (account_id, created_at_ms, id);"

  "ALTER TABLE accounts ADD COLUMN calendar_token_hash TEXT;"
  "CREATE UNIQUE INDEX accounts_by_calendar_token ON accounts (calendar_token_hash)"
  "  WHERE calendar_token_hash IS NOT NULL;";

/*
 * Fills accounts.calendar_token_hash from the documents already stored. A document whose
 * "calendar_token_hash" is not a string, or two accounts with the same one, stop the
 * migration (MT_ERR_INTERNAL, MT_ERR_DUPLICATE): the database is left at version 2.
 */
static bool
mt_sqlite_migration_3_after (sqlite3 *db, mt_error_t *error)
{
  sqlite3_stmt *scan = NULL;
  sqlite3_stmt *update = NULL;
  mt_sqlite_text_t hash;
  const uint8_t *data;
  bson_t doc;
  bool ok = false;
  int rc;

  rc = sqlite3_prepare_v2 (db, "SELECT id, doc FROM accounts", -1, &scan, NULL);
  if (rc == SQLITE_OK) {
    rc = sqlite3_prepare_v2 (db, "UPDATE accounts SET calendar_token_hash = ?2 WHERE id = ?1", -1,
                             &update, NULL);
  }
  if (rc != SQLITE_OK) {
    mt_sqlite_fail (db, rc, "migration 3", error);
    goto done;
  }
  while ((rc = sqlite3_step (scan)) == SQLITE_ROW) {
    data = sqlite3_column_blob (scan, 1);
    if (!data || sqlite3_column_bytes (scan, 1) <= 0 ||
        !bson_init_static (&doc, data, (size_t) sqlite3_column_bytes (scan, 1))) {
      mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                    "migration 3 : document de compte illisible",
                    "migration 3: unreadable account document");
      goto done;
    }
    if (!mt_sqlite_field_text (&doc, "calendar_token_hash", false, &mt_sqlite_kind_account, &hash,
                               error)) {
      goto done;
    }
    if (!hash.str) {
      continue;
    }
    sqlite3_reset (update);
    rc = sqlite3_bind_value (update, 1, sqlite3_column_value (scan, 0));
    if (rc == SQLITE_OK) {
      rc = sqlite3_bind_text (update, 2, hash.str, hash.len, SQLITE_TRANSIENT);
    }
    if (rc == SQLITE_OK) {
      rc = sqlite3_step (update);
    }
    if (rc != SQLITE_DONE) {
      mt_sqlite_fail (db, rc, "migration 3", error);
      goto done;
    }
  }
  if (rc != SQLITE_DONE) {
    mt_sqlite_fail (db, rc, "migration 3", error);
    goto done;
  }
  ok = true;
done:
  sqlite3_finalize (update);
  sqlite3_finalize (scan);
  return ok;
}

/*
 * Service bookings, needs with their full-text index and answers, the credits ledger with
 * its balances, webhooks and the outbox of e-mails and webhook deliveries.
 *
 * bookings: mutable (version), columns copied from the document on every write, dates as
 * milliseconds (NULL when absent): listing_id (required), requester_member_id,
 * provider_member_id, status, start_ms ("start"), completed_at_ms ("completed_at"),
 * created_at_ms (required; the order of booking_list). As for reservations, each filter has
 * an index ending with the order (created_at_ms, id), and the due dates are indexed after the
 * status (the timers ask "completed and completed before").
 *
 * needs: laid out as listings (seq is the rowid shared with needs_fts, filter columns each
 * indexed with the recency order), with their own FTS5 table, tokenized like listings_fts and
 * rewritten in the transaction of every need write. need_answers: immutable records listed
 * oldest first per need (need_id, created_at_ms, id).
 *
 * ledger: immutable entries (no version) from_id -> to_id of amount > 0; indexed per member on
 * each side, newest first, for ledger_list. ledger_balances holds each member's balance (the
 * sum of what it received minus what it sent), written in the transaction of every append,
 * so that the floor check of ledger_append and ledger_balance read one row; check_integrity
 * verifies it against the entries.
 *
 * webhooks: immutable subscriptions listed by (created_at_ms, id). outbox: mutable messages
 * (version) listed by (next_attempt_at_ms, id) ascending, alone or per kind, webhook or status.
 *
 * Notifications keep their table: notification_mark_read rewrites the document with its
 * "read_at" date; nothing indexes it.
 *
 * No foreign keys, as in migration 3: the MongoDB adapter has none either, and bookings,
 * answers and ledger entries outlive what they name.
 */
static const char mt_sqlite_migration_4[] =
  "CREATE TABLE bookings ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  version INTEGER NOT NULL,"
  "  listing_id TEXT NOT NULL,"
  "  requester_member_id TEXT,"
  "  provider_member_id TEXT,"
  "  status TEXT,"
  "  start_ms INTEGER,"
  "  completed_at_ms INTEGER,"
  "  created_at_ms INTEGER NOT NULL,"
  "  doc BLOB NOT NULL"
  ");"
  "CREATE INDEX bookings_by_created ON bookings (created_at_ms, id);"
  "CREATE INDEX bookings_by_listing ON bookings (listing_id, created_at_ms, id);"
  "CREATE INDEX bookings_by_requester ON bookings (requester_member_id, created_at_ms, id);"
  "CREATE INDEX bookings_by_provider ON bookings (provider_member_id, created_at_ms, id);"
  "CREATE INDEX bookings_by_status ON bookings (status, created_at_ms, id);"
  "CREATE INDEX bookings_by_start ON bookings (status, start_ms);"
  "CREATE INDEX bookings_by_completion ON bookings (status, completed_at_ms);"

  "CREATE TABLE needs ("
  "  seq INTEGER PRIMARY KEY,"
  "  id TEXT NOT NULL UNIQUE,"
  "  version INTEGER NOT NULL,"
  "  owner_id TEXT NOT NULL,"
  "  kind TEXT,"
  "  category TEXT,"
  "  status TEXT,"
  "  visibility TEXT,"
  "  departement TEXT,"
  "  created_at INTEGER NOT NULL,"
  "  doc BLOB NOT NULL"
  ");"
  "CREATE INDEX needs_by_created ON needs (created_at, id);"
  "CREATE INDEX needs_by_owner ON needs (owner_id, created_at, id);"
  "CREATE INDEX needs_by_kind ON needs (kind, created_at, id);"
  "CREATE INDEX needs_by_category ON needs (category, created_at, id);"
  "CREATE INDEX needs_by_status ON needs (status, created_at, id);"
  "CREATE INDEX needs_by_visibility ON needs (visibility, created_at, id);"
  "CREATE INDEX needs_by_departement ON needs (departement, created_at, id);"

  "CREATE VIRTUAL TABLE needs_fts USING fts5 ("
  "  title, description, tags,"
  "  tokenize = 'unicode61 remove_diacritics 2',"
  "  prefix = '2 3'"
  ");"

  "CREATE TABLE need_answers ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  need_id TEXT NOT NULL,"
  "  created_at_ms INTEGER NOT NULL,"
  "  doc BLOB NOT NULL"
  ");"
  "CREATE INDEX need_answers_by_need ON need_answers (need_id, created_at_ms, id);"

  "CREATE TABLE ledger ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  from_id TEXT NOT NULL,"
  "  to_id TEXT NOT NULL,"
  "  amount INTEGER NOT NULL CHECK (typeof (amount) = 'integer' AND amount > 0),"
  "  created_at_ms INTEGER NOT NULL,"
  "  doc BLOB NOT NULL"
  ");"
  "CREATE INDEX ledger_by_from ON ledger (from_id, created_at_ms, id);"
  "CREATE INDEX ledger_by_to ON ledger (to_id, created_at_ms, id);"
  "CREATE TABLE ledger_balances ("
  "  member_id TEXT PRIMARY KEY NOT NULL,"
  "  balance INTEGER NOT NULL CHECK (typeof (balance) = 'integer')"
  ") WITHOUT ROWID;"

  "CREATE TABLE webhooks ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  created_at_ms INTEGER NOT NULL,"
  "  doc BLOB NOT NULL"
  ");"
  "CREATE INDEX webhooks_by_created ON webhooks (created_at_ms, id);"

  "CREATE TABLE outbox ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  version INTEGER NOT NULL,"
  "  kind TEXT,"
  "  webhook_id TEXT,"
  "  status TEXT,"
  "  next_attempt_at_ms INTEGER NOT NULL,"
  "  doc BLOB NOT NULL"
  ");"
  "CREATE INDEX outbox_by_next_attempt ON outbox (next_attempt_at_ms, id);"
  "CREATE INDEX outbox_by_kind ON outbox (kind, next_attempt_at_ms, id);"
  "CREATE INDEX outbox_by_webhook ON outbox (webhook_id, next_attempt_at_ms, id);"
  "CREATE INDEX outbox_by_status ON outbox (status, next_attempt_at_ms, id);";

const mt_sqlite_migration_t mt_sqlite_migrations[] = {
  { 1, "networks, members, accounts, revoked tokens", mt_sqlite_migration_1, NULL },
  { 2, "listings with full-text search, photos, calendars", mt_sqlite_migration_2, NULL },
  { 3, "reservations, idempotency, messages, audit, notifications, calendar tokens",
    mt_sqlite_migration_3, mt_sqlite_migration_3_after },
  { 4, "bookings, needs and answers, ledger, webhooks, outbox", mt_sqlite_migration_4, NULL },
};

const size_t mt_sqlite_migration_count =
  sizeof mt_sqlite_migrations / sizeof mt_sqlite_migrations[0];
