/*
 * store_mongo_setup.c: what the MongoDB adapter makes sure of at start-up, in this order:
 *
 *   1. the schema version document ("mutua_meta", "_id": "schema"): a database set up by a
 *      newer mutuad is refused; an older or new one is brought to MT_MONGO_SCHEMA_VERSION;
 *   2. every collection exists with its $jsonSchema validator (schemas/mongodb/validators.json,
 *      embedded): "create", or "collMod" when it exists already (validationLevel strict);
 *   3. every index of mt_mongo_indexes exists ("createIndexes"; creating an existing index
 *      with the same options is a no-op for the server, so several instances starting at once
 *      are safe).
 */
#include "store_mongo_private.h"

#include "mt_embed.h"

#include <string.h>

extern const mt_embed_file_t mutua_mongo_files[];

/* The server's code for "collection already exists". */
#define MT_MONGO_NAMESPACE_EXISTS 48

typedef struct {
  mt_mongo_coll_t coll;
  const char *name; /* index name */
  const char *keys; /* the key document, as JSON */
  bool unique;
  const char *partial; /* partialFilterExpression as JSON, or NULL */
} mt_mongo_index_t;

/*
 * Every index of the adapter. Lists sort on (field, _id): each list's keys end with "_id"
 * so that its keyset pages walk one index. Unique keys are those of store.h.
 */
static const mt_mongo_index_t mt_mongo_indexes[] = {
  { MT_MONGO_NETWORKS, "slug", "{\"slug\": 1}", true, NULL },
  { MT_MONGO_NETWORKS, "name", "{\"name\": 1, \"_id\": 1}", false, NULL },
  { MT_MONGO_MEMBERS, "name", "{\"name\": 1, \"_id\": 1}", false, NULL },
  { MT_MONGO_MEMBERS, "status_name", "{\"status\": 1, \"name\": 1, \"_id\": 1}", false, NULL },
  { MT_MONGO_MEMBERS, "networks_name", "{\"networks\": 1, \"name\": 1, \"_id\": 1}", false, NULL },
  { MT_MONGO_ACCOUNTS, "email_key", "{\"email_key\": 1}", true, NULL },
  { MT_MONGO_ACCOUNTS, "calendar_token_hash", "{\"calendar_token_hash\": 1}", true,
    "{\"calendar_token_hash\": {\"$type\": \"string\"}}" },
  { MT_MONGO_ACCOUNTS, "member_created", "{\"member_id\": 1, \"created_at\": 1, \"_id\": 1}", false,
    NULL },
  { MT_MONGO_ACCOUNTS, "platform_role_status", "{\"platform_role\": 1, \"status\": 1}", false,
    NULL },
  { MT_MONGO_CALENDARS, "listing_id", "{\"listing_id\": 1}", true, NULL },
  { MT_MONGO_RESERVATIONS, "created", "{\"created_at\": -1, \"_id\": -1}", false, NULL },
  { MT_MONGO_RESERVATIONS, "listing_created",
    "{\"listing_id\": 1, \"created_at\": -1, \"_id\": -1}", false, NULL },
  { MT_MONGO_RESERVATIONS, "borrower_created",
    "{\"borrower_member_id\": 1, \"created_at\": -1, \"_id\": -1}", false, NULL },
  { MT_MONGO_RESERVATIONS, "owner_created",
    "{\"owner_member_id\": 1, \"created_at\": -1, \"_id\": -1}", false, NULL },
  { MT_MONGO_RESERVATIONS, "status_expires", "{\"status\": 1, \"expires_at\": 1}", false, NULL },
  { MT_MONGO_RESERVATIONS, "status_start", "{\"status\": 1, \"start\": 1}", false, NULL },
  { MT_MONGO_RESERVATIONS, "status_end", "{\"status\": 1, \"end\": 1}", false, NULL },
  { MT_MONGO_RESERVATIONS, "status_returned", "{\"status\": 1, \"returned_at\": 1}", false, NULL },
  { MT_MONGO_IDEMPOTENCY, "created", "{\"created_at\": 1}", false, NULL },
  { MT_MONGO_MESSAGES, "reservation_created",
    "{\"reservation_id\": 1, \"created_at\": 1, \"_id\": 1}", false, NULL },
  { MT_MONGO_AUDIT, "at", "{\"at\": -1, \"_id\": -1}", false, NULL },
  { MT_MONGO_AUDIT, "entity_at", "{\"entity_id\": 1, \"at\": -1, \"_id\": -1}", false, NULL },
  { MT_MONGO_NOTIFICATIONS, "account_created",
    "{\"account_id\": 1, \"created_at\": -1, \"_id\": -1}", false, NULL },
  { MT_MONGO_BOOKINGS, "created", "{\"created_at\": -1, \"_id\": -1}", false, NULL },
  { MT_MONGO_BOOKINGS, "listing_created", "{\"listing_id\": 1, \"created_at\": -1, \"_id\": -1}",
    false, NULL },
  { MT_MONGO_BOOKINGS, "requester_created",
    "{\"requester_member_id\": 1, \"created_at\": -1, \"_id\": -1}", false, NULL },
  { MT_MONGO_BOOKINGS, "provider_created",
    "{\"provider_member_id\": 1, \"created_at\": -1, \"_id\": -1}", false, NULL },
  { MT_MONGO_BOOKINGS, "status_start", "{\"status\": 1, \"start\": 1}", false, NULL },
  { MT_MONGO_BOOKINGS, "status_completed", "{\"status\": 1, \"completed_at\": 1}", false, NULL },
  { MT_MONGO_WEBHOOKS, "created", "{\"created_at\": 1, \"_id\": 1}", false, NULL },
  { MT_MONGO_OUTBOX, "status_next", "{\"status\": 1, \"next_attempt_at\": 1, \"_id\": 1}", false,
    NULL },
  { MT_MONGO_OUTBOX, "next", "{\"next_attempt_at\": 1, \"_id\": 1}", false, NULL },
  { MT_MONGO_OUTBOX, "webhook_next", "{\"webhook_id\": 1, \"next_attempt_at\": 1, \"_id\": 1}",
    false, NULL },
  { MT_MONGO_REVOKED_TOKENS, "expires", "{\"expires_at\": 1}", false, NULL },
  { MT_MONGO_PHOTOS, "listing", "{\"listing_id\": 1}", false, NULL },
  { MT_MONGO_PHOTO_CHUNKS, "photo_n", "{\"photo_id\": 1, \"n\": 1}", true, NULL },
  /* Listings and needs (store_mongo_search.c): the search keys (multikey, walked by the
   * anchored prefix regexes of the terms), the recency order, and the filters. */
  { MT_MONGO_LISTINGS, "words", "{\"_w\": 1}", false, NULL },
  { MT_MONGO_LISTINGS, "created", "{\"created_at\": -1, \"_id\": -1}", false, NULL },
  { MT_MONGO_LISTINGS, "owner_created", "{\"owner_id\": 1, \"created_at\": -1, \"_id\": -1}", false,
    NULL },
  { MT_MONGO_LISTINGS, "status_created", "{\"status\": 1, \"created_at\": -1, \"_id\": -1}", false,
    NULL },
  { MT_MONGO_LISTINGS, "kind", "{\"kind\": 1}", false, NULL },
  { MT_MONGO_LISTINGS, "category", "{\"category\": 1}", false, NULL },
  { MT_MONGO_LISTINGS, "visibility", "{\"visibility\": 1}", false, NULL },
  { MT_MONGO_LISTINGS, "departement", "{\"territory.departement\": 1}", false, NULL },
  { MT_MONGO_LISTINGS, "batch", "{\"_batch.id\": 1}", false, "{\"_batch\": {\"$exists\": true}}" },
  { MT_MONGO_LISTINGS, "batch_at", "{\"_batch.at\": 1}", false,
    "{\"_batch\": {\"$exists\": true}}" },
  { MT_MONGO_PHOTO_CHUNKS, "at", "{\"at\": 1}", false, NULL },
  { MT_MONGO_NEEDS, "words", "{\"_w\": 1}", false, NULL },
  { MT_MONGO_NEEDS, "created", "{\"created_at\": -1, \"_id\": -1}", false, NULL },
  { MT_MONGO_NEEDS, "owner_created", "{\"owner_id\": 1, \"created_at\": -1, \"_id\": -1}", false,
    NULL },
  { MT_MONGO_NEEDS, "status_created", "{\"status\": 1, \"created_at\": -1, \"_id\": -1}", false,
    NULL },
  { MT_MONGO_NEED_ANSWERS, "need_created", "{\"need_id\": 1, \"created_at\": 1, \"_id\": 1}", false,
    NULL },
  /* The ledger's chains (store_mongo_ledger_chains.c): each link taken once, entries of a party
   * newest first, and the walks of each side in chain order. */
  { MT_MONGO_LEDGER, "links", "{\"_links\": 1}", true, NULL },
  { MT_MONGO_LEDGER, "parties_created", "{\"_parties\": 1, \"created_at\": -1, \"_id\": -1}", false,
    NULL },
  { MT_MONGO_LEDGER, "from_chain", "{\"from\": 1, \"_from_seq\": 1}", false, NULL },
  { MT_MONGO_LEDGER, "to_chain", "{\"to\": 1, \"_to_seq\": 1}", false, NULL },
};

static bool
mt_mongo_setup_command (mt_store_t *base, const bson_t *command, const char *what,
                        int32_t *server_code, mt_error_t *error)
{
  mt_mongo_store_t *store = (mt_mongo_store_t *) base;
  bson_t reply;
  bson_error_t bson_error;
  bool ok;

  *server_code = 0;
  ok = mongoc_client_command_simple (store->client, store->backend->db_name, command, NULL, &reply,
                                     &bson_error);
  if (!ok) {
    if (bson_error.domain == MONGOC_ERROR_SERVER) {
      *server_code = (int32_t) bson_error.code;
    }
    if (*server_code != MT_MONGO_NAMESPACE_EXISTS) {
      mt_mongo_error (&bson_error, &reply, what, error);
    }
  }
  bson_destroy (&reply);
  return ok;
}

/* The schema version document: refuse a database of a newer mutuad, stamp ours. */
static bool
mt_mongo_setup_version (mt_store_t *store, mt_error_t *error)
{
  bson_t filter = BSON_INITIALIZER;
  bson_t doc;
  bson_t update = BSON_INITIALIZER;
  bson_t set;
  bson_t opts = BSON_INITIALIZER;
  bson_t reply;
  bson_error_t bson_error;
  int64_t version = 0;
  bool found;
  bool ok;

  BSON_APPEND_UTF8 (&filter, "_id", "schema");
  ok = mt_mongo_find_one (store, MT_MONGO_META, &filter, true, &doc, &found, error);
  if (ok && found && mt_mongo_doc_int64 (&doc, "version", &version) &&
      version > MT_MONGO_SCHEMA_VERSION) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                  "base MongoDB au schéma %lld, plus récent que ce mutuad (%d) : mettez mutuad "
                  "à jour",
                  "MongoDB database at schema %lld, newer than this mutuad (%d): upgrade mutuad",
                  (long long) version, MT_MONGO_SCHEMA_VERSION);
    ok = false;
  }
  if (ok && version < MT_MONGO_SCHEMA_VERSION) {
    BSON_APPEND_DOCUMENT_BEGIN (&update, "$max", &set);
    BSON_APPEND_INT64 (&set, "version", MT_MONGO_SCHEMA_VERSION);
    bson_append_document_end (&update, &set);
    BSON_APPEND_BOOL (&opts, "upsert", true);
    ok = mongoc_collection_update_one (mt_mongo_coll (store, MT_MONGO_META), &filter, &update,
                                       &opts, &reply, &bson_error);
    if (!ok && !mt_mongo_is_duplicate (&bson_error, &reply)) {
      mt_mongo_error (&bson_error, &reply, "schema version", error);
    } else {
      ok = true; /* another instance stamped it at the same moment */
    }
    bson_destroy (&reply);
  }
  bson_destroy (&opts);
  bson_destroy (&update);
  bson_destroy (&doc);
  bson_destroy (&filter);
  return ok;
}

/* Creates @coll with @validator, or sets the validator of the existing collection. */
static bool
mt_mongo_setup_collection (mt_store_t *store, mt_mongo_coll_t coll, const bson_t *validator,
                           mt_error_t *error)
{
  const char *name = mt_mongo_coll_names[coll];
  int32_t code = 0;
  bool ok;

  for (int pass = 0; pass < 2; pass++) {
    bson_t command = BSON_INITIALIZER;
    bson_t wrapper;
    BSON_APPEND_UTF8 (&command, pass == 0 ? "create" : "collMod", name);
    if (validator) {
      BSON_APPEND_DOCUMENT_BEGIN (&command, "validator", &wrapper);
      BSON_APPEND_DOCUMENT (&wrapper, "$jsonSchema", validator);
      bson_append_document_end (&command, &wrapper);
      BSON_APPEND_UTF8 (&command, "validationLevel", "strict");
      BSON_APPEND_UTF8 (&command, "validationAction", "error");
    }
    ok = mt_mongo_setup_command (store, &command, pass == 0 ? "create" : "collMod", &code, error);
    bson_destroy (&command);
    if (ok || code != MT_MONGO_NAMESPACE_EXISTS) {
      return ok;
    }
    if (!validator) {
      return true; /* exists, and there is nothing to set */
    }
  }
  return false;
}

static bool
mt_mongo_setup_collections (mt_store_t *store, mt_error_t *error)
{
  const mt_embed_file_t *file = mt_embed_find (mutua_mongo_files, "validators.json");
  bson_t validators;
  bson_error_t bson_error;
  bool ok = true;

  /* libbson's own JSON reader: the file is MongoDB's dialect ("bsonType", "$comment"). */
  if (!file || !bson_init_from_json (&validators, (const char *) file->data, (ssize_t) file->len,
                                     &bson_error)) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                  "validateurs MongoDB illisibles (schemas/mongodb/validators.json)",
                  "unreadable MongoDB validators (schemas/mongodb/validators.json)");
    return false;
  }
  for (size_t i = 0; ok && i < MT_MONGO_COLL_COUNT; i++) {
    bson_iter_t iter;
    bson_t validator;
    const uint8_t *data = NULL;
    uint32_t len = 0;
    bool has = bson_iter_init_find (&iter, &validators, mt_mongo_coll_names[i]) &&
               BSON_ITER_HOLDS_DOCUMENT (&iter);
    if (has) {
      bson_iter_document (&iter, &len, &data);
      has = bson_init_static (&validator, data, len);
    }
    ok = mt_mongo_setup_collection (store, (mt_mongo_coll_t) i, has ? &validator : NULL, error);
  }
  bson_destroy (&validators);
  return ok;
}

static bool
mt_mongo_setup_indexes (mt_store_t *store, mt_error_t *error)
{
  for (size_t c = 0; c < MT_MONGO_COLL_COUNT; c++) {
    bson_t command = BSON_INITIALIZER;
    bson_t array;
    uint32_t n = 0;
    int32_t code;
    bool ok = true;

    BSON_APPEND_UTF8 (&command, "createIndexes", mt_mongo_coll_names[c]);
    BSON_APPEND_ARRAY_BEGIN (&command, "indexes", &array);
    for (size_t i = 0; ok && i < sizeof mt_mongo_indexes / sizeof mt_mongo_indexes[0]; i++) {
      const mt_mongo_index_t *index = &mt_mongo_indexes[i];
      bson_t spec;
      bson_t *keys;
      char key[16];
      const char *key_str;
      if (index->coll != (mt_mongo_coll_t) c) {
        continue;
      }
      keys = bson_new_from_json ((const uint8_t *) index->keys, -1, NULL);
      bson_uint32_to_string (n++, &key_str, key, sizeof key);
      BSON_APPEND_DOCUMENT_BEGIN (&array, key_str, &spec);
      BSON_APPEND_DOCUMENT (&spec, "key", keys);
      BSON_APPEND_UTF8 (&spec, "name", index->name);
      if (index->unique) {
        BSON_APPEND_BOOL (&spec, "unique", true);
      }
      if (index->partial) {
        bson_t *partial = bson_new_from_json ((const uint8_t *) index->partial, -1, NULL);
        BSON_APPEND_DOCUMENT (&spec, "partialFilterExpression", partial);
        bson_destroy (partial);
      }
      bson_append_document_end (&array, &spec);
      bson_destroy (keys);
    }
    bson_append_array_end (&command, &array);
    if (n > 0) {
      ok = mt_mongo_setup_command (store, &command, "createIndexes", &code, error);
    }
    bson_destroy (&command);
    if (!ok) {
      return false;
    }
  }
  return true;
}

bool
mt_mongo_setup (mt_store_t *store, mt_error_t *error)
{
  return mt_mongo_setup_version (store, error) && mt_mongo_setup_collections (store, error) &&
         mt_mongo_setup_indexes (store, error);
}
