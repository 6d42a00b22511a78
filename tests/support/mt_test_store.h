/*
 * mt_test_store: which store the integration tests run mutuad on.
 *
 *   MUTUA_TEST_STORE unset or "sqlite"  each server gets its own SQLite file (the default)
 *   MUTUA_TEST_STORE=mongodb            each server gets its own database on
 *                                         - the MongoDB server of MUTUA_TEST_MONGODB_URI
 *                                           when it is set ("mongodb://host/?replicaSet=rs0"),
 *                                         - otherwise one wire-protocol double
 *                                           (mt_mongo_double) started for the whole test
 *                                           process on first use (it exits with it).
 *
 * ctest registers every integration test a second time as "integration-mongodb/<name>"
 * with MUTUA_TEST_STORE=mongodb (tests/CMakeLists.txt).
 */
#ifndef MT_TEST_STORE_H
#define MT_TEST_STORE_H

#include <stdbool.h>
#include <stddef.h>

/* True when MUTUA_TEST_STORE asks for MongoDB. */
bool mt_test_store_is_mongodb (void);

/*
 * The mongodb:// URI of a fresh database named @db_name (letters, digits, '_') on the
 * MongoDB target, starting the double when needed. False with the reason on stderr when no
 * target can be had.
 */
bool mt_test_store_mongodb_uri (const char *db_name, char *out, size_t size);

/* Stops the double of this process (as if the MongoDB server went away). True when one was
 * running and stopped cleanly. */
bool mt_test_store_stop_double (void);

/* @base ("mongodb://hosts[/][?options]") with @db as its database, into @out. */
bool mt_test_store_with_database (const char *base, const char *db, char *out, size_t size);

/* "a real MongoDB server", "the MongoDB double" or "SQLite": for test output. */
const char *mt_test_store_describe (void);

#endif
