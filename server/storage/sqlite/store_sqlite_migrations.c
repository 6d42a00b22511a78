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

const mt_sqlite_migration_t mt_sqlite_migrations[] = {
  { 1, "networks, members, accounts, revoked tokens", mt_sqlite_migration_1 },
  { 2, "listings with full-text search, photos, calendars", mt_sqlite_migration_2 },
};

const size_t mt_sqlite_migration_count =
  sizeof mt_sqlite_migrations / sizeof mt_sqlite_migrations[0];
