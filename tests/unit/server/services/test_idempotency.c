/*
 * Unit tests of server/services/idempotency.c against a real SQLite store: keys, request
 * hashes, and every state of a record: new (execute), done (replay of the same bytes), done
 * with another request (422), in flight (409), in flight for too long or abandoned after a
 * 5xx (taken over by one retry only), per-account keys.
 */
#include "members_fixture.h"

#include "idempotency.h"

#define KEY "commande-2026-06-12-0001"

typedef struct {
  char member[MT_ID_SIZE], account[MT_ID_SIZE], colleague[MT_ID_SIZE];
  fx_caller_t a, b;
} world_t;

static void
make_world (fx_t *fx, world_t *w)
{
  fx_member (fx, "active", NULL, NULL, w->member, w->account);
  fx_account (fx, w->member, "staff", "active", NULL, w->colleague);
  fx_caller (fx, w->account, &w->a);
  fx_caller (fx, w->colleague, &w->b);
}

static void
world_destroy (world_t *w)
{
  fx_caller_destroy (&w->a);
  fx_caller_destroy (&w->b);
}

static void
hash_of (const char *method, const char *path, const char *field, const char *value,
         char hex[MT_IDEMPOTENCY_HASH_HEX_SIZE])
{
  bson_t body = BSON_INITIALIZER;

  if (field) {
    BSON_APPEND_UTF8 (&body, field, value);
  }
  mt_idempotency_hash (method, path, &body, hex);
  bson_destroy (&body);
}

/* begin with @hash as @c at @now; returns the outcome, the error in fx_err. */
static bool
begin (fx_caller_t *c, int64_t now, const char *key, const char *hash, mt_idempotency_t *state,
       mt_idempotency_outcome_t *outcome)
{
  c->ctx.now_ms = now;
  mt_error_clear (&fx_err);
  return mt_idempotency_begin (&c->ctx, key, hash, state, outcome, &fx_err);
}

/* A body with a NUL byte and non-ASCII bytes: stored and replayed byte for byte. */
static const char answer_body[] = "{\"id\":\"res_x\",\"note\":\"caf\xc3\xa9\"}\0tail";

static void
keys_and_hashes (void **state)
{
  char key[MT_IDEMPOTENCY_KEY_MAX + 2];
  char h1[MT_IDEMPOTENCY_HASH_HEX_SIZE], h2[MT_IDEMPOTENCY_HASH_HEX_SIZE];
  mt_error_t error;

  (void) state;
  assert_false (mt_idempotency_key_valid (NULL, &error));
  assert_false (mt_idempotency_key_valid ("", &error));
  assert_int_equal (error.code, MT_ERR_BAD_REQUEST);
  assert_string_equal (error.path, "Idempotency-Key");
  assert_false (mt_idempotency_key_valid ("a\tb", &error));
  assert_false (mt_idempotency_key_valid ("a\x7f", &error));
  assert_false (mt_idempotency_key_valid ("caf\xc3\xa9", &error));
  assert_true (mt_idempotency_key_valid (" !~ key with spaces", &error));
  memset (key, 'k', sizeof key);
  key[MT_IDEMPOTENCY_KEY_MAX] = '\0';
  assert_true (mt_idempotency_key_valid (key, &error));
  key[MT_IDEMPOTENCY_KEY_MAX] = 'k';
  key[MT_IDEMPOTENCY_KEY_MAX + 1] = '\0';
  assert_false (mt_idempotency_key_valid (key, &error));

  hash_of ("POST", "/v1/reservations", "a", "1", h1);
  assert_int_equal (strlen (h1), 64);
  hash_of ("POST", "/v1/reservations", "a", "1", h2);
  assert_string_equal (h1, h2);
  hash_of ("POST", "/v1/reservations", "a", "2", h2);
  assert_string_not_equal (h1, h2);
  hash_of ("POST", "/v1/reservation", "a", "1", h2);
  assert_string_not_equal (h1, h2);
  hash_of ("PUT", "/v1/reservations", "a", "1", h2);
  assert_string_not_equal (h1, h2);
  hash_of ("POST", "/v1/reservations", NULL, NULL, h2);
  assert_string_not_equal (h1, h2);
  /* the separators keep method and path apart */
  hash_of ("POST/", "v1/reservations", "a", "1", h2);
  assert_string_not_equal (h1, h2);
}

static void
execute_then_replay_the_same_bytes (void **state)
{
  fx_t *fx = *state;
  world_t w;
  mt_idempotency_t s1, s2;
  mt_idempotency_outcome_t outcome;
  mt_idempotency_answer_t answer, replay;
  char hash[MT_IDEMPOTENCY_HASH_HEX_SIZE];

  make_world (fx, &w);
  hash_of ("POST", "/v1/reservations", "listing_id", "lst_1", hash);
  mt_idempotency_init (&s1);
  OK (begin (&w.a, FX_NOW_MS, KEY, hash, &s1, &outcome));
  assert_int_equal (outcome, MT_IDEMPOTENCY_EXECUTE);
  answer = (mt_idempotency_answer_t){
    .status = 201,
    .content_type = "application/json; charset=utf-8",
    .body = answer_body,
    .body_len = sizeof answer_body - 1,
    .location = "/v1/reservations/res_x",
    .etag = "W/\"1\"",
  };
  OK (mt_idempotency_finish (&w.a.ctx, &s1, &answer, &fx_err));
  /* finishing twice does nothing */
  OK (mt_idempotency_finish (&w.a.ctx, &s1, &answer, &fx_err));
  mt_idempotency_destroy (&s1);

  for (int i = 0; i < 2; i++) {
    mt_idempotency_init (&s2);
    OK (begin (&w.a, FX_NOW_MS + 1000 * i, KEY, hash, &s2, &outcome));
    assert_int_equal (outcome, MT_IDEMPOTENCY_REPLAY);
    mt_idempotency_stored_answer (&s2, &replay);
    assert_int_equal (replay.status, 201);
    assert_int_equal (replay.body_len, sizeof answer_body - 1);
    assert_memory_equal (replay.body, answer_body, sizeof answer_body - 1);
    assert_string_equal (replay.location, "/v1/reservations/res_x");
    assert_string_equal (replay.etag, "W/\"1\"");
    assert_string_equal (replay.content_type, "application/json; charset=utf-8");
    assert_null (replay.lang);
    /* nothing to finish on a replay */
    OK (mt_idempotency_finish (&w.a.ctx, &s2, &answer, &fx_err));
    mt_idempotency_destroy (&s2);
  }
  world_destroy (&w);
}

static void
other_request_with_the_key_is_422 (void **state)
{
  fx_t *fx = *state;
  world_t w;
  mt_idempotency_t s;
  mt_idempotency_outcome_t outcome;
  mt_idempotency_answer_t answer = { .status = 409, .body = "{}", .body_len = 2 };
  char h1[MT_IDEMPOTENCY_HASH_HEX_SIZE], h2[MT_IDEMPOTENCY_HASH_HEX_SIZE];

  make_world (fx, &w);
  hash_of ("POST", "/v1/reservations", "units", "1", h1);
  hash_of ("POST", "/v1/reservations", "units", "2", h2);
  mt_idempotency_init (&s);
  OK (begin (&w.a, FX_NOW_MS, KEY, h1, &s, &outcome));
  /* while in flight, another body is still refused as another request */
  mt_idempotency_t s2;
  mt_idempotency_init (&s2);
  FAILS (begin (&w.a, FX_NOW_MS, KEY, h2, &s2, &outcome), MT_ERR_UNPROCESSABLE);
  mt_idempotency_destroy (&s2);
  /* a client error (4xx) is stored and replayed too */
  OK (mt_idempotency_finish (&w.a.ctx, &s, &answer, &fx_err));
  mt_idempotency_destroy (&s);
  mt_idempotency_init (&s);
  FAILS (begin (&w.a, FX_NOW_MS, KEY, h2, &s, &outcome), MT_ERR_UNPROCESSABLE);
  assert_string_equal (fx_err.path, "Idempotency-Key");
  mt_idempotency_destroy (&s);
  mt_idempotency_init (&s);
  OK (begin (&w.a, FX_NOW_MS, KEY, h1, &s, &outcome));
  assert_int_equal (outcome, MT_IDEMPOTENCY_REPLAY);
  mt_idempotency_stored_answer (&s, &answer);
  assert_int_equal (answer.status, 409);
  mt_idempotency_destroy (&s);
  /* keys are per account: the colleague's same key is a new record */
  mt_idempotency_init (&s);
  OK (begin (&w.b, FX_NOW_MS, KEY, h2, &s, &outcome));
  assert_int_equal (outcome, MT_IDEMPOTENCY_EXECUTE);
  mt_idempotency_destroy (&s);
  /* no caller, bad key */
  mt_idempotency_init (&s);
  {
    mt_ctx_t anonymous = w.a.ctx;
    anonymous.principal = NULL;
    FAILS (mt_idempotency_begin (&anonymous, KEY, h1, &s, &outcome, &fx_err),
           MT_ERR_UNAUTHENTICATED);
  }
  FAILS (begin (&w.a, FX_NOW_MS, "", h1, &s, &outcome), MT_ERR_BAD_REQUEST);
  mt_idempotency_destroy (&s);
  world_destroy (&w);
}

static void
in_flight_409_then_one_takeover (void **state)
{
  fx_t *fx = *state;
  world_t w;
  mt_idempotency_t first, second, third, late;
  mt_idempotency_outcome_t outcome;
  mt_idempotency_answer_t answer = { .status = 201, .body = "{\"n\":2}", .body_len = 7 };
  mt_idempotency_answer_t replay;
  char hash[MT_IDEMPOTENCY_HASH_HEX_SIZE];

  make_world (fx, &w);
  hash_of ("POST", "/v1/reservations", "k", "v", hash);
  mt_idempotency_init (&first);
  mt_idempotency_init (&second);
  mt_idempotency_init (&third);
  mt_idempotency_init (&late);
  OK (begin (&w.a, FX_NOW_MS, KEY, hash, &first, &outcome));
  assert_int_equal (outcome, MT_IDEMPOTENCY_EXECUTE);
  /* a duplicate while the first is handled: 409, up to the last millisecond */
  FAILS (begin (&w.a, FX_NOW_MS, KEY, hash, &second, &outcome), MT_ERR_CONFLICT);
  FAILS (begin (&w.a, FX_NOW_MS + MT_IDEMPOTENCY_IN_FLIGHT_MS - 1, KEY, hash, &second, &outcome),
         MT_ERR_CONFLICT);
  /* five minutes on, the first is presumed dead: one retry takes the record over */
  OK (begin (&w.a, FX_NOW_MS + MT_IDEMPOTENCY_IN_FLIGHT_MS, KEY, hash, &second, &outcome));
  assert_int_equal (outcome, MT_IDEMPOTENCY_EXECUTE);
  /* ... and the record is in flight again for the others */
  FAILS (begin (&w.a, FX_NOW_MS + MT_IDEMPOTENCY_IN_FLIGHT_MS, KEY, hash, &third, &outcome),
         MT_ERR_CONFLICT);
  /* the first one finally finishes: its answer is not stored (the record moved on) */
  {
    mt_idempotency_answer_t stale = { .status = 201, .body = "{\"n\":1}", .body_len = 7 };
    FAILS (mt_idempotency_finish (&w.a.ctx, &first, &stale, &fx_err), MT_ERR_STALE);
  }
  OK (mt_idempotency_finish (&w.a.ctx, &second, &answer, &fx_err));
  OK (begin (&w.a, FX_NOW_MS + MT_IDEMPOTENCY_IN_FLIGHT_MS + 1, KEY, hash, &late, &outcome));
  assert_int_equal (outcome, MT_IDEMPOTENCY_REPLAY);
  mt_idempotency_stored_answer (&late, &replay);
  assert_int_equal (replay.body_len, 7);
  assert_memory_equal (replay.body, "{\"n\":2}", 7);
  assert_null (replay.location);
  mt_idempotency_destroy (&first);
  mt_idempotency_destroy (&second);
  mt_idempotency_destroy (&third);
  mt_idempotency_destroy (&late);
  world_destroy (&w);
}

static void
server_error_lets_a_retry_execute (void **state)
{
  fx_t *fx = *state;
  world_t w;
  mt_idempotency_t s;
  mt_idempotency_outcome_t outcome;
  mt_idempotency_answer_t failed = { .status = 503, .body = "{}", .body_len = 2 };
  char hash[MT_IDEMPOTENCY_HASH_HEX_SIZE];

  make_world (fx, &w);
  hash_of ("POST", "/v1/reservations", "k", "v", hash);
  mt_idempotency_init (&s);
  OK (begin (&w.a, FX_NOW_MS, KEY, hash, &s, &outcome));
  OK (mt_idempotency_finish (&w.a.ctx, &s, &failed, &fx_err));
  mt_idempotency_destroy (&s);
  /* at once, not after five minutes; and the first retry holds it again */
  mt_idempotency_init (&s);
  OK (begin (&w.a, FX_NOW_MS + 1, KEY, hash, &s, &outcome));
  assert_int_equal (outcome, MT_IDEMPOTENCY_EXECUTE);
  {
    mt_idempotency_t other;
    mt_idempotency_init (&other);
    FAILS (begin (&w.a, FX_NOW_MS + 2, KEY, hash, &other, &outcome), MT_ERR_CONFLICT);
    mt_idempotency_destroy (&other);
  }
  mt_idempotency_destroy (&s);
  /* purge (the timers' job) forgets records created before the given instant */
  OK (fx->store->ops->idempotency_purge (fx->store, FX_NOW_MS + 1, &fx_err));
  mt_idempotency_init (&s);
  OK (begin (&w.a, FX_NOW_MS + 3, KEY, hash, &s, &outcome));
  assert_int_equal (outcome, MT_IDEMPOTENCY_EXECUTE);
  mt_idempotency_destroy (&s);
  world_destroy (&w);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("idempotency/keys_and_hashes", keys_and_hashes),
    { "idempotency/execute_then_replay_same_bytes", execute_then_replay_the_same_bytes, fx_setup,
      fx_teardown, NULL },
    { "idempotency/other_request_422_and_4xx_replayed", other_request_with_the_key_is_422, fx_setup,
      fx_teardown, NULL },
    { "idempotency/in_flight_409_then_one_takeover", in_flight_409_then_one_takeover, fx_setup,
      fx_teardown, NULL },
    { "idempotency/server_error_lets_a_retry_execute", server_error_lets_a_retry_execute, fx_setup,
      fx_teardown, NULL },
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
