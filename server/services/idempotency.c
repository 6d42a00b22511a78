/* idempotency: Idempotency-Key records and the replay of first answers (see idempotency.h). */
#include "idempotency.h"

#include "mt_bson.h"
#include "mt_log.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define MT_LOG_DOMAIN "idempotency"

/* Rounds of insert / read / take over before giving up with 409 (each lost round means
 * another request with the same key made progress). */
#define MT_IDEMPOTENCY_ATTEMPTS 3

void
mt_idempotency_init (mt_idempotency_t *state)
{
  memset (state, 0, sizeof *state);
  bson_init (&state->record);
}

void
mt_idempotency_destroy (mt_idempotency_t *state)
{
  bson_destroy (&state->record);
  memset (state, 0, sizeof *state);
  bson_init (&state->record);
}

bool
mt_idempotency_key_valid (const char *key, mt_error_t *error)
{
  size_t len = key ? strlen (key) : 0;
  bool ok = len >= 1 && len <= MT_IDEMPOTENCY_KEY_MAX;

  for (size_t i = 0; ok && i < len; i++) {
    ok = key[i] >= 0x20 && key[i] <= 0x7e;
  }
  if (!ok) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_BAD_REQUEST,
                  "Idempotency-Key invalide : 1 à %d caractères ASCII imprimables",
                  "invalid Idempotency-Key: 1 to %d printable ASCII characters",
                  MT_IDEMPOTENCY_KEY_MAX);
    mt_error_set_path (error, "Idempotency-Key");
  }
  return ok;
}

void
mt_idempotency_hash (const char *method, const char *path, const bson_t *body,
                     char hex[MT_IDEMPOTENCY_HASH_HEX_SIZE])
{
  crypto_generichash_state st;
  unsigned char digest[32];
  static const unsigned char nul = 0;

  crypto_generichash_init (&st, NULL, 0, sizeof digest);
  crypto_generichash_update (&st, (const unsigned char *) method, strlen (method));
  crypto_generichash_update (&st, &nul, 1);
  crypto_generichash_update (&st, (const unsigned char *) path, strlen (path));
  crypto_generichash_update (&st, &nul, 1);
  if (body) {
    crypto_generichash_update (&st, bson_get_data (body), body->len);
  }
  crypto_generichash_final (&st, digest, sizeof digest);
  sodium_bin2hex (hex, MT_IDEMPOTENCY_HASH_HEX_SIZE, digest, sizeof digest);
}

/* The in-flight record of @state at @now_ms (@created_ms: when the key was first used). */
static void
mt_idempotency_in_flight (const mt_ctx_t *ctx, const mt_idempotency_t *state, int64_t created_ms,
                          bson_t *out)
{
  bson_init (out);
  BSON_APPEND_UTF8 (out, "id", state->id);
  BSON_APPEND_INT64 (out, "version", 1);
  BSON_APPEND_UTF8 (out, "account_id", ctx->principal->account_id);
  BSON_APPEND_UTF8 (out, "request_hash", state->hash);
  BSON_APPEND_UTF8 (out, "state", "in_flight");
  BSON_APPEND_BOOL (out, "abandoned", false);
  BSON_APPEND_DATE_TIME (out, "created_at", created_ms);
  BSON_APPEND_DATE_TIME (out, "started_at", ctx->now_ms);
}

static bool
mt_idempotency_in_flight_error (mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_CONFLICT,
                "une requête avec cette Idempotency-Key est en cours de traitement",
                "a request with this Idempotency-Key is still being handled");
  return false;
}

bool
mt_idempotency_begin (const mt_ctx_t *ctx, const char *key,
                      const char hash[MT_IDEMPOTENCY_HASH_HEX_SIZE], mt_idempotency_t *state,
                      mt_idempotency_outcome_t *outcome, mt_error_t *error)
{
  bson_t record = BSON_INITIALIZER;
  bson_t stored = BSON_INITIALIZER;
  mt_error_t store_error;
  bool ok = false;

  *outcome = MT_IDEMPOTENCY_EXECUTE;
  if (!ctx->principal) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNAUTHENTICATED, "connexion requise",
                  "sign-in required");
    goto done;
  }
  if (!mt_idempotency_key_valid (key, error)) {
    goto done;
  }
  snprintf (state->id, sizeof state->id, "%s:%s", ctx->principal->account_id, key);
  snprintf (state->hash, sizeof state->hash, "%s", hash);
  for (int attempt = 0; attempt < MT_IDEMPOTENCY_ATTEMPTS; attempt++) {
    const char *st;
    int64_t version;
    bson_destroy (&record);
    mt_idempotency_in_flight (ctx, state, ctx->now_ms, &record);
    if (ctx->store->ops->idempotency_insert (ctx->store, &record, &store_error)) {
      state->held = true;
      state->version = 1;
      bson_destroy (&state->record);
      bson_copy_to (&record, &state->record);
      ok = true;
      goto done;
    }
    if (store_error.code != MT_ERR_DUPLICATE) {
      mt_error_copy (error, &store_error);
      goto done;
    }
    bson_destroy (&stored);
    if (!ctx->store->ops->idempotency_get (ctx->store, state->id, &stored, &store_error)) {
      if (store_error.code == MT_ERR_NOT_FOUND) {
        continue; /* purged meanwhile: insert again */
      }
      mt_error_copy (error, &store_error);
      goto done;
    }
    if (!mt_bson_str_eq (&stored, "request_hash", hash)) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                    "cette Idempotency-Key a déjà servi pour une autre requête",
                    "this Idempotency-Key was already used for another request");
      mt_error_set_path (error, "Idempotency-Key");
      goto done;
    }
    st = mt_bson_str (&stored, "state");
    if (st && strcmp (st, "done") == 0) {
      *outcome = MT_IDEMPOTENCY_REPLAY;
      bson_destroy (&state->record);
      bson_copy_to (&stored, &state->record);
      ok = true;
      goto done;
    }
    if (!mt_bson_bool (&stored, "abandoned", false) &&
        ctx->now_ms -
            mt_bson_date (&stored, "started_at", mt_bson_date (&stored, "created_at", 0)) <
          MT_IDEMPOTENCY_IN_FLIGHT_MS) {
      mt_idempotency_in_flight_error (error);
      goto done;
    }
    /* Abandoned (a 5xx) or left by a crash: take it over; of several retries one wins. */
    version = mt_bson_int (&stored, "version", 0);
    bson_destroy (&record);
    mt_idempotency_in_flight (ctx, state, mt_bson_date (&stored, "created_at", ctx->now_ms),
                              &record);
    if (ctx->store->ops->idempotency_update (ctx->store, state->id, version, &record,
                                             &store_error)) {
      MT_INFO ("idempotency record taken over (version %lld)", (long long) version);
      state->held = true;
      state->version = version + 1;
      bson_destroy (&state->record);
      bson_copy_to (&record, &state->record);
      ok = true;
      goto done;
    }
    if (store_error.code != MT_ERR_STALE && store_error.code != MT_ERR_NOT_FOUND) {
      mt_error_copy (error, &store_error);
      goto done;
    }
    /* Someone else moved it: read it again. */
  }
  mt_idempotency_in_flight_error (error);
done:
  bson_destroy (&record);
  bson_destroy (&stored);
  return ok;
}

void
mt_idempotency_stored_answer (const mt_idempotency_t *state, mt_idempotency_answer_t *answer)
{
  bson_iter_t it;

  memset (answer, 0, sizeof *answer);
  answer->status = (int) mt_bson_int (&state->record, "status", 500);
  answer->content_type = mt_bson_str (&state->record, "content_type");
  answer->location = mt_bson_str (&state->record, "location");
  answer->etag = mt_bson_str (&state->record, "etag");
  answer->lang = mt_bson_str (&state->record, "lang");
  if (bson_iter_init_find (&it, &state->record, "body") && BSON_ITER_HOLDS_BINARY (&it)) {
    bson_subtype_t subtype;
    uint32_t len = 0;
    const uint8_t *data = NULL;
    bson_iter_binary (&it, &subtype, &len, &data);
    answer->body = (const char *) data;
    answer->body_len = len;
  }
}

static void
mt_idempotency_append_opt (bson_t *doc, const char *key, const char *value)
{
  if (value) {
    BSON_APPEND_UTF8 (doc, key, value);
  }
}

bool
mt_idempotency_status_kept (int status)
{
  return status < 500 && status != 429;
}

bool
mt_idempotency_finish (const mt_ctx_t *ctx, mt_idempotency_t *state,
                       const mt_idempotency_answer_t *answer, mt_error_t *error)
{
  static const char *const replaced[] = { "state",        "abandoned", "status", "body",
                                          "location",     "etag",      "lang",   "content_type",
                                          "completed_at", NULL };
  bson_t record = BSON_INITIALIZER;
  bool ok = false;

  if (!state->held) {
    return true;
  }
  bson_destroy (&record);
  mt_bson_copy_without (&state->record, &record, replaced);
  if (!mt_idempotency_status_kept (answer->status) || answer->body_len > MT_IDEMPOTENCY_BODY_MAX) {
    /* Not the client's fault, or a quota that lifts with time: a retry executes again. */
    BSON_APPEND_UTF8 (&record, "state", "in_flight");
    BSON_APPEND_BOOL (&record, "abandoned", true);
  } else {
    BSON_APPEND_UTF8 (&record, "state", "done");
    BSON_APPEND_BOOL (&record, "abandoned", false);
    BSON_APPEND_INT32 (&record, "status", answer->status);
    bson_append_binary (&record, "body", -1, BSON_SUBTYPE_BINARY,
                        (const uint8_t *) (answer->body ? answer->body : ""),
                        (uint32_t) answer->body_len);
    mt_idempotency_append_opt (&record, "content_type", answer->content_type);
    mt_idempotency_append_opt (&record, "location", answer->location);
    mt_idempotency_append_opt (&record, "etag", answer->etag);
    mt_idempotency_append_opt (&record, "lang", answer->lang);
    BSON_APPEND_DATE_TIME (&record, "completed_at", ctx->now_ms);
  }
  if (!ctx->store->ops->idempotency_update (ctx->store, state->id, state->version, &record,
                                            error)) {
    goto done;
  }
  state->held = false;
  state->version++;
  ok = true;
done:
  bson_destroy (&record);
  return ok;
}
