/*
 * store.c: the adapter-independent part of the storage port: pages, and choosing an
 * adapter from a store URI.
 */
#include "store.h"

#include <string.h>

void
mt_store_page_init (mt_store_page_t *page)
{
  bson_init (&page->items);
  page->count = 0;
  page->next_cursor[0] = '\0';
}

void
mt_store_page_destroy (mt_store_page_t *page)
{
  bson_destroy (&page->items);
  page->count = 0;
  page->next_cursor[0] = '\0';
}

mt_store_backend_t *
mt_store_backend_new (const char *uri, mt_error_t *error)
{
  if (strncmp (uri, "sqlite:", 7) == 0) {
    return mt_store_sqlite_backend_new (uri + 7, error);
  }
  if (strncmp (uri, "mongodb://", 10) == 0 || strncmp (uri, "mongodb+srv://", 14) == 0) {
    return mt_store_mongo_backend_new (uri, error);
  }
  mt_error_set (error, MT_DOMAIN_CONFIG, MT_ERR_BAD_REQUEST,
                "adresse de stockage inconnue (attendu « sqlite:<fichier> » ou « mongodb://… »)",
                "unknown store address (expected \"sqlite:<file>\" or \"mongodb://...\")");
  return NULL;
}

void
mt_store_backend_destroy (mt_store_backend_t *backend)
{
  if (backend) {
    backend->ops->destroy (backend);
  }
}

mt_store_t *
mt_store_open (mt_store_backend_t *backend, mt_error_t *error)
{
  return backend->ops->open (backend, error);
}

void
mt_store_close (mt_store_t *store)
{
  if (store) {
    store->ops->close (store);
  }
}
