/*
 * store_conformance: the conformance suite of the storage port (server/storage/store.h).
 *
 * Written only against store.h, so that every adapter (SQLite, MongoDB, ...) runs the same
 * tests unchanged: an adapter's test program fills a factory and calls
 * mt_store_conformance_run. Each test gets a fresh, empty backend from the factory and opens
 * its handles with mt_store_open; the concurrency test opens one handle per thread.
 *
 * Test names are "store/<adapter>/<area>/<behaviour>", e.g.
 * "store/sqlite/member/update/stale_on_wrong_version".
 */
#ifndef MT_STORE_CONFORMANCE_H
#define MT_STORE_CONFORMANCE_H

#include "store.h"

typedef struct {
  const char *name; /* adapter name, used in test names ("sqlite", "mongodb") */
  /* Returns a fresh backend with no data, or NULL with @error set. */
  mt_store_backend_t *(*create) (void *user_data, mt_error_t *error);
  /* Destroys a backend made by create and forgets its data (files, database...). */
  void (*destroy) (mt_store_backend_t *backend, void *user_data);
  void *user_data; /* borrowed; passed to create and destroy */
} mt_store_conformance_factory_t;

/*
 * Runs every conformance test as one cmocka group named "store/<name>/conformance".
 * @factory is borrowed for the duration of the call. Returns the number of failed tests (the
 * value of cmocka_run_group_tests).
 */
int mt_store_conformance_run (const mt_store_conformance_factory_t *factory);

#endif
