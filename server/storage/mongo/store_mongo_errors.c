/*
 * store_mongo_errors.c: what the MongoDB adapter tells its callers when the driver or the
 * server refuses something.
 *
 * With the driver's error API version 2, server errors carry the server's code in
 * bson_error_t.code under MONGOC_ERROR_SERVER (or MONGOC_ERROR_WRITE_CONCERN); write errors
 * of insert/update/delete are in the reply's "writeErrors" array as well. Network and
 * topology failures come under MONGOC_ERROR_STREAM, MONGOC_ERROR_SERVER_SELECTION and
 * MONGOC_ERROR_CLIENT: the server could not be reached, so the request may be retried
 * (MT_ERR_UNAVAILABLE, answered 503 with Retry-After).
 */
#include "store_mongo_private.h"

#include "mt_log.h"

#include <string.h>

#define MT_LOG_DOMAIN "store"

/* Server codes of a reachable server that cannot serve now (not primary, shutting down,
 * stepping down, time limits, write concern not satisfied in time). */
static const int32_t mt_mongo_unavailable_codes[] = {
  6,     /* HostUnreachable */
  7,     /* HostNotFound */
  50,    /* MaxTimeMSExpired */
  64,    /* WriteConcernFailed */
  89,    /* NetworkTimeout */
  91,    /* ShutdownInProgress */
  100,   /* UnsatisfiableWriteConcern */
  133,   /* FailedToSatisfyReadPreference */
  189,   /* PrimarySteppedDown */
  262,   /* ExceededTimeLimit */
  9001,  /* SocketException */
  10107, /* NotWritablePrimary */
  11600, /* InterruptedAtShutdown */
  11602, /* InterruptedDueToReplStateChange */
  13435, /* NotPrimaryNoSecondaryOk */
  13436, /* NotPrimaryOrSecondary */
};

static bool
mt_mongo_code_unavailable (int32_t code)
{
  for (size_t i = 0; i < sizeof mt_mongo_unavailable_codes / sizeof mt_mongo_unavailable_codes[0];
       i++) {
    if (mt_mongo_unavailable_codes[i] == code) {
      return true;
    }
  }
  return false;
}

/* The code of the first write error of @reply, or 0. */
static int32_t
mt_mongo_write_error_code (const bson_t *reply)
{
  bson_iter_t iter;

  if (reply && bson_iter_init (&iter, reply) &&
      bson_iter_find_descendant (&iter, "writeErrors.0.code", &iter) &&
      BSON_ITER_HOLDS_NUMBER (&iter)) {
    return (int32_t) bson_iter_as_int64 (&iter);
  }
  return 0;
}

static int32_t
mt_mongo_server_code (const bson_error_t *bson_error, const bson_t *reply)
{
  int32_t code = mt_mongo_write_error_code (reply);

  if (code == 0 && bson_error &&
      (bson_error->domain == MONGOC_ERROR_SERVER ||
       bson_error->domain == MONGOC_ERROR_WRITE_CONCERN)) {
    code = (int32_t) bson_error->code;
  }
  return code;
}

bool
mt_mongo_is_duplicate (const bson_error_t *bson_error, const bson_t *reply)
{
  int32_t code = mt_mongo_server_code (bson_error, reply);

  return code == 11000 || code == 11001;
}

void
mt_mongo_error (const bson_error_t *bson_error, const bson_t *reply, const char *what,
                mt_error_t *error)
{
  int32_t code = mt_mongo_server_code (bson_error, reply);
  const char *message = bson_error ? bson_error->message : "";

  if (code == 11000 || code == 11001) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_DUPLICATE, "clé unique déjà prise (%s)",
                  "unique key already taken (%s)", what);
    return;
  }
  if (code == 121) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_UNPROCESSABLE,
                  "document refusé par le validateur de MongoDB (%s)",
                  "document refused by MongoDB's validator (%s)", what);
    return;
  }
  if (mt_mongo_code_unavailable (code) || (bson_error && code == 0 &&
                                           (bson_error->domain == MONGOC_ERROR_STREAM ||
                                            bson_error->domain == MONGOC_ERROR_SERVER_SELECTION ||
                                            bson_error->domain == MONGOC_ERROR_CLIENT ||
                                            bson_error->domain == MONGOC_ERROR_PROTOCOL))) {
    MT_WARN ("MongoDB unreachable (%s): %s", what, message);
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_UNAVAILABLE,
                  "base MongoDB injoignable ou occupée (%s)", "MongoDB unreachable or busy (%s)",
                  what);
    if (error) {
      error->retry_after = MT_MONGO_RETRY_AFTER_S;
    }
    return;
  }
  MT_ERROR ("MongoDB error %d (%s): %s", (int) code, what, message);
  mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL, "erreur de MongoDB %d (%s)",
                "MongoDB error %d (%s)", (int) code, what);
}

void
mt_mongo_not_found (mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_NOT_FOUND, "document introuvable",
                "no such document");
}

void
mt_mongo_stale (mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_STALE,
                "le document a changé depuis sa lecture (version dépassée)",
                "the document changed since it was read (stale version)");
}

void
mt_mongo_bad_document (const char *what, mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL, "document invalide : %s",
                "invalid document: %s", what);
}

void
mt_mongo_bad_cursor (mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_BAD_REQUEST, "curseur de pagination invalide",
                "invalid page cursor");
}

void
mt_mongo_out_of_memory (mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL, "mémoire insuffisante", "out of memory");
}
