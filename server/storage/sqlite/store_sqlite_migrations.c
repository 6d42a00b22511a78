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

const mt_sqlite_migration_t mt_sqlite_migrations[] = {
  { 1, "networks, members, accounts, revoked tokens", mt_sqlite_migration_1 },
};

const size_t mt_sqlite_migration_count =
  sizeof mt_sqlite_migrations / sizeof mt_sqlite_migrations[0];
