/*
 * store_mongo.c: the MongoDB adapter of the store port: backend, handles, readiness, the
 * integrity check and the ops table.
 *
 * The backend owns one mongoc_client_pool_t (thread-safe). Each handle pops one client for
 * its thread and pushes it back when closed. The URI is completed with defaults the
 * operator did not set: write concern "majority" with journal (an acknowledged write
 * survives the loss of the primary), read concern "majority", read preference primary,
 * waitQueueTimeoutMS (a pop never waits forever when every client is taken),
 * serverSelectionTimeoutMS and connectTimeoutMS (an unreachable server is an error within
 * seconds: MT_ERR_UNAVAILABLE, 503), appname "mutuad", and retryable writes left on. The
 * database is the URI's ("mongodb://h1,h2/<db>?...") or "mutua".
 */
#include "store_mongo_private.h"

#include "mt_log.h"
#include "mt_time.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MT_LOG_DOMAIN "store"

/* Defaults put in the URI when the operator did not set them. */
#define MT_MONGO_WAIT_QUEUE_TIMEOUT_MS 5000
#define MT_MONGO_SERVER_SELECTION_TIMEOUT_MS 5000
#define MT_MONGO_CONNECT_TIMEOUT_MS 5000
#define MT_MONGO_SOCKET_TIMEOUT_MS 30000
#define MT_MONGO_MAX_POOL_SIZE 100

const char *const mt_mongo_coll_names[MT_MONGO_COLL_COUNT] = {
  [MT_MONGO_NETWORKS] = "networks",
  [MT_MONGO_MEMBERS] = "members",
  [MT_MONGO_ACCOUNTS] = "accounts",
  [MT_MONGO_LISTINGS] = "listings",
  [MT_MONGO_PHOTOS] = "photos",
  [MT_MONGO_PHOTO_CHUNKS] = "photo_chunks",
  [MT_MONGO_CALENDARS] = "calendars",
  [MT_MONGO_RESERVATIONS] = "reservations",
  [MT_MONGO_IDEMPOTENCY] = "idempotency",
  [MT_MONGO_MESSAGES] = "messages",
  [MT_MONGO_AUDIT] = "audit",
  [MT_MONGO_NOTIFICATIONS] = "notifications",
  [MT_MONGO_BOOKINGS] = "bookings",
  [MT_MONGO_NEEDS] = "needs",
  [MT_MONGO_NEED_ANSWERS] = "need_answers",
  [MT_MONGO_LEDGER] = "ledger",
  [MT_MONGO_LEDGER_HEADS] = "ledger_heads",
  [MT_MONGO_WEBHOOKS] = "webhooks",
  [MT_MONGO_OUTBOX] = "outbox",
  [MT_MONGO_REVOKED_TOKENS] = "revoked_tokens",
  [MT_MONGO_META] = "mutua_meta",
};

static pthread_once_t mt_mongo_init_once = PTHREAD_ONCE_INIT;

/*
 * The driver's own messages go to mutuad's log (JSON lines, domain "mongoc") instead of
 * its default handler's plain stderr: errors and warnings as such, the rest at debug level.
 * A message that could carry a URI's credentials is not repeated.
 */
static void
mt_mongo_log_handler (mongoc_log_level_t level, const char *domain, const char *message, void *data)
{
  const char *text =
    strchr (message, '@') ? "(message withheld: it may quote credentials)" : message;

  (void) data;
  if (level <= MONGOC_LOG_LEVEL_ERROR) {
    MT_ERROR ("mongoc %s: %s", domain, text);
  } else if (level == MONGOC_LOG_LEVEL_WARNING) {
    MT_WARN ("mongoc %s: %s", domain, text);
  } else if (level != MONGOC_LOG_LEVEL_TRACE) {
    MT_DEBUG ("mongoc %s: %s", domain, text);
  }
}

static void
mt_mongo_init_driver (void)
{
  mongoc_log_set_handler (mt_mongo_log_handler, NULL);
  mongoc_init ();
}

/* ---- Handles ----------------------------------------------------------------------------- */

static void
mt_mongo_close (mt_store_t *base)
{
  mt_mongo_store_t *store = (mt_mongo_store_t *) base;

  if (!store) {
    return;
  }
  for (size_t i = 0; i < MT_MONGO_COLL_COUNT; i++) {
    mongoc_collection_destroy (store->colls[i]);
  }
  if (store->client) {
    mongoc_client_pool_push (store->backend->pool, store->client);
  }
  free (store);
}

/* A command on the database; the reply is discarded. */
static bool
mt_mongo_db_command (mt_store_t *base, const bson_t *command, const char *what, bson_t *reply_out,
                     mt_error_t *error)
{
  mt_mongo_store_t *store = (mt_mongo_store_t *) base;
  bson_t reply;
  bson_error_t bson_error;
  bool ok;

  ok = mongoc_client_command_simple (store->client, store->backend->db_name, command, NULL, &reply,
                                     &bson_error);
  if (!ok) {
    mt_mongo_error (&bson_error, &reply, what, error);
  }
  if (reply_out) {
    bson_copy_to (&reply, reply_out);
  }
  bson_destroy (&reply);
  return ok;
}

/* Readiness: the primary answers a ping and accepts a majority write of the meta document. */
static bool
mt_mongo_ping (mt_store_t *base, mt_error_t *error)
{
  bson_t command = BSON_INITIALIZER;
  bson_t filter = BSON_INITIALIZER;
  bson_t update = BSON_INITIALIZER;
  bson_t set;
  bson_t opts = BSON_INITIALIZER;
  bson_t reply;
  bson_error_t bson_error;
  bool ok;

  BSON_APPEND_INT32 (&command, "ping", 1);
  ok = mt_mongo_db_command (base, &command, "ping", NULL, error);
  if (ok) {
    BSON_APPEND_UTF8 (&filter, "_id", "ping");
    BSON_APPEND_DOCUMENT_BEGIN (&update, "$set", &set);
    BSON_APPEND_DATE_TIME (&set, "at", mt_time_now_ms ());
    bson_append_document_end (&update, &set);
    BSON_APPEND_BOOL (&opts, "upsert", true);
    ok = mongoc_collection_update_one (mt_mongo_coll (base, MT_MONGO_META), &filter, &update, &opts,
                                       &reply, &bson_error);
    if (!ok) {
      mt_mongo_error (&bson_error, &reply, "ping", error);
    }
    bson_destroy (&reply);
  }
  bson_destroy (&opts);
  bson_destroy (&update);
  bson_destroy (&filter);
  bson_destroy (&command);
  return ok;
}

/* Units: every write is durable on its own (majority + journal), so there is nothing to
 * group; only the nesting rule of the port is kept. */
static bool
mt_mongo_unit_begin (mt_store_t *base, mt_error_t *error)
{
  if (base->in_unit) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL, "unité d'écriture déjà ouverte",
                  "write unit already open");
    return false;
  }
  base->in_unit = true;
  return true;
}

static bool
mt_mongo_unit_commit (mt_store_t *base, mt_error_t *error)
{
  if (!base->in_unit) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL, "aucune unité d'écriture ouverte",
                  "no write unit open");
    return false;
  }
  base->in_unit = false;
  return true;
}

static void
mt_mongo_unit_abort (mt_store_t *base)
{
  base->in_unit = false;
}

/* "validate" of every collection: the server checks its documents and indexes. */
static bool
mt_mongo_validate_all (mt_store_t *base, mt_error_t *error)
{
  for (size_t i = 0; i < MT_MONGO_COLL_COUNT; i++) {
    bson_t command = BSON_INITIALIZER;
    bson_t reply = BSON_INITIALIZER;
    bson_iter_t iter;
    bool ok;

    BSON_APPEND_UTF8 (&command, "validate", mt_mongo_coll_names[i]);
    ok = mt_mongo_db_command (base, &command, "validate", &reply, error);
    if (ok && bson_iter_init_find (&iter, &reply, "valid") && BSON_ITER_HOLDS_BOOL (&iter) &&
        !bson_iter_bool (&iter)) {
      mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                    "la collection %s n'est pas valide (validate)",
                    "collection %s is not valid (validate)", mt_mongo_coll_names[i]);
      ok = false;
    }
    bson_destroy (&reply);
    bson_destroy (&command);
    if (!ok) {
      return false;
    }
  }
  return true;
}

static bool
mt_mongo_check_integrity (mt_store_t *base, mt_error_t *error)
{
  return mt_mongo_validate_all (base, error) && mt_mongo_ledger_check (base, error);
}

static mt_store_ops_t mt_mongo_ops;
static pthread_once_t mt_mongo_ops_once = PTHREAD_ONCE_INIT;

static void
mt_mongo_fill_ops (void)
{
  mt_mongo_ops.name = "mongodb";
  mt_mongo_ops.close = mt_mongo_close;
  mt_mongo_ops.ping = mt_mongo_ping;
  mt_mongo_ops.check_integrity = mt_mongo_check_integrity;
  mt_mongo_ops.unit_begin = mt_mongo_unit_begin;
  mt_mongo_ops.unit_commit = mt_mongo_unit_commit;
  mt_mongo_ops.unit_abort = mt_mongo_unit_abort;
  mt_mongo_documents_ops (&mt_mongo_ops);
  mt_mongo_reservations_ops (&mt_mongo_ops);
  mt_mongo_listings_ops (&mt_mongo_ops);
  mt_mongo_search_ops (&mt_mongo_ops);
  mt_mongo_ledger_ops (&mt_mongo_ops);
}

static mt_store_t *
mt_mongo_open (mt_store_backend_t *base, mt_error_t *error)
{
  mt_mongo_backend_t *backend = (mt_mongo_backend_t *) base;
  mt_mongo_store_t *store = calloc (1, sizeof *store);

  pthread_once (&mt_mongo_ops_once, mt_mongo_fill_ops);
  if (!store) {
    mt_mongo_out_of_memory (error);
    return NULL;
  }
  store->base.ops = &mt_mongo_ops;
  store->backend = backend;
  store->client = mongoc_client_pool_pop (backend->pool);
  if (!store->client) {
    free (store);
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_UNAVAILABLE,
                  "aucune connexion MongoDB libre dans le délai",
                  "no free MongoDB connection in time");
    if (error) {
      error->retry_after = MT_MONGO_RETRY_AFTER_S;
    }
    return NULL;
  }
  for (size_t i = 0; i < MT_MONGO_COLL_COUNT; i++) {
    store->colls[i] =
      mongoc_client_get_collection (store->client, backend->db_name, mt_mongo_coll_names[i]);
  }
  return &store->base;
}

/* ---- Backend ----------------------------------------------------------------------------- */

static void
mt_mongo_backend_destroy (mt_store_backend_t *base)
{
  mt_mongo_backend_t *backend = (mt_mongo_backend_t *) base;

  if (!backend) {
    return;
  }
  if (backend->pool) {
    mongoc_client_pool_destroy (backend->pool);
  }
  mongoc_uri_destroy (backend->uri);
  free (backend);
}

static const mt_store_backend_ops_t mt_mongo_backend_ops = {
  .name = "mongodb",
  .open = mt_mongo_open,
  .destroy = mt_mongo_backend_destroy,
};

static void
mt_mongo_default_int32 (mongoc_uri_t *uri, const char *option, int32_t value)
{
  if (!mongoc_uri_has_option (uri, option)) {
    mongoc_uri_set_option_as_int32 (uri, option, value);
  }
}

/* Completes @uri with the adapter's defaults (see the top of this file). */
static bool
mt_mongo_uri_defaults (mongoc_uri_t *uri, mt_error_t *error)
{
  const mongoc_write_concern_t *given = mongoc_uri_get_write_concern (uri);
  const mongoc_read_concern_t *given_read = mongoc_uri_get_read_concern (uri);

  mt_mongo_default_int32 (uri, MONGOC_URI_WAITQUEUETIMEOUTMS, MT_MONGO_WAIT_QUEUE_TIMEOUT_MS);
  mt_mongo_default_int32 (uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS,
                          MT_MONGO_SERVER_SELECTION_TIMEOUT_MS);
  mt_mongo_default_int32 (uri, MONGOC_URI_CONNECTTIMEOUTMS, MT_MONGO_CONNECT_TIMEOUT_MS);
  mt_mongo_default_int32 (uri, MONGOC_URI_SOCKETTIMEOUTMS, MT_MONGO_SOCKET_TIMEOUT_MS);
  mt_mongo_default_int32 (uri, MONGOC_URI_MAXPOOLSIZE, MT_MONGO_MAX_POOL_SIZE);
  if (!mongoc_uri_get_appname (uri)) {
    mongoc_uri_set_appname (uri, "mutuad");
  }
  if (!given || mongoc_write_concern_is_default (given)) {
    mongoc_write_concern_t *wc = mongoc_write_concern_new ();
    mongoc_write_concern_set_wmajority (wc, 0);
    mongoc_write_concern_set_journal (wc, true);
    mongoc_uri_set_write_concern (uri, wc);
    mongoc_write_concern_destroy (wc);
  } else if (!mongoc_write_concern_is_acknowledged (given)) {
    mt_error_set (error, MT_DOMAIN_CONFIG, MT_ERR_BAD_REQUEST,
                  "l'URI MongoDB demande des écritures non confirmées (w=0) : refusé",
                  "the MongoDB URI asks for unacknowledged writes (w=0): refused");
    return false;
  }
  if (!given_read || mongoc_read_concern_is_default (given_read)) {
    mongoc_read_concern_t *rc = mongoc_read_concern_new ();
    mongoc_read_concern_set_level (rc, MONGOC_READ_CONCERN_LEVEL_MAJORITY);
    mongoc_uri_set_read_concern (uri, rc);
    mongoc_read_concern_destroy (rc);
  }
  return true;
}

mt_store_backend_t *
mt_store_mongo_backend_new (const char *uri_text, mt_error_t *error)
{
  mt_mongo_backend_t *backend = NULL;
  mt_store_t *store = NULL;
  bson_error_t bson_error;
  const char *db;
  bool ok = false;

  pthread_once (&mt_mongo_init_once, mt_mongo_init_driver);
  backend = calloc (1, sizeof *backend);
  if (!backend) {
    mt_mongo_out_of_memory (error);
    return NULL;
  }
  backend->base.ops = &mt_mongo_backend_ops;
  backend->uri = mongoc_uri_new_with_error (uri_text, &bson_error);
  if (!backend->uri) {
    /* The driver's message may quote the URI, password included: not repeated. */
    mt_error_set (error, MT_DOMAIN_CONFIG, MT_ERR_BAD_REQUEST, "URI MongoDB invalide",
                  "invalid MongoDB URI");
    goto done;
  }
  db = mongoc_uri_get_database (backend->uri);
  if (!db || !db[0]) {
    db = MT_MONGO_DEFAULT_DB;
  }
  if (strlen (db) >= sizeof backend->db_name) {
    mt_error_set (error, MT_DOMAIN_CONFIG, MT_ERR_BAD_REQUEST, "nom de base MongoDB trop long",
                  "MongoDB database name too long");
    goto done;
  }
  memcpy (backend->db_name, db, strlen (db) + 1);
  if (!mt_mongo_uri_defaults (backend->uri, error)) {
    goto done;
  }
  backend->pool = mongoc_client_pool_new (backend->uri);
  if (!backend->pool) {
    mt_error_set (error, MT_DOMAIN_CONFIG, MT_ERR_BAD_REQUEST, "URI MongoDB refusée par le pilote",
                  "MongoDB URI refused by the driver");
    goto done;
  }
  if (!mongoc_client_pool_set_error_api (backend->pool, MONGOC_ERROR_API_VERSION_2)) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL, "pilote MongoDB inattendu",
                  "unexpected MongoDB driver");
    goto done;
  }
  store = mt_mongo_open (&backend->base, error);
  if (!store || !mt_mongo_setup (store, error) ||
      !mt_mongo_repair (store, mt_time_now_ms (), error)) {
    goto done;
  }
  MT_INFO ("MongoDB store ready (database %s)", backend->db_name);
  ok = true;
done:
  mt_mongo_close (store);
  if (!ok) {
    mt_mongo_backend_destroy (&backend->base);
    backend = NULL;
  }
  return backend ? &backend->base : NULL;
}
