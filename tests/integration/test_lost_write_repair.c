/*
 * Integration test of the repair of a write lost between a calendar entry and its
 * reservation on MongoDB, where no transaction binds the two (server/storage/mongo/,
 * reservations.h): the MongoDB double is told to fail the reservation's insert AND the
 * release of its calendar entry that follows, so that the creation answers 503 and leaves
 * an entry holding units without a reservation, as a crash between the two writes would.
 * The units stay held (a request for them is 409) until the periodic reconciliation, once
 * the entry is older than --orphan-grace-s, removes it: the same request then succeeds.
 *
 * Then the double goes away altogether: /readyz and every request needing the store answer
 * 503 (within the URI's server selection timeout, never hanging), /healthz still 200.
 *
 * It needs the double's fault injection: it runs as integration-mongodb/lost_write_repair
 * against the double and reports itself skipped, with the reason, on SQLite (where the
 * crash and faults tests cover the same ground) and on a real server.
 */
#include "loans_helpers.h"

#include "mt_test_store.h"

#include <mongoc/mongoc.h>

static char skip_reason[128];

static int
setup (void **state)
{
  static const char *const args[] = { "--sweep-interval-s", "1", "--orphan-grace-s", "2", NULL };

  (void) state;
  if (!mt_test_store_is_mongodb ()) {
    snprintf (skip_reason, sizeof skip_reason, "needs MUTUA_TEST_STORE=mongodb");
    return 0;
  }
  if (getenv ("MUTUA_TEST_MONGODB_URI") && getenv ("MUTUA_TEST_MONGODB_URI")[0]) {
    snprintf (skip_reason, sizeof skip_reason,
              "fault injection needs the MongoDB double, not a real server");
    return 0;
  }
  return lh_start (args) ? 0 : -1;
}

static int
teardown (void **state)
{
  return skip_reason[0] ? 0 : it_stop (state);
}

/* Sends {mutuaDoubleFail: 1, fail: @command, collection: @collection, skip: @skip, times: 1,
 * code: 91} to the double that holds the server's database. */
static void
inject (const char *command, const char *collection, int skip)
{
  mongoc_client_t *client = mongoc_client_new (mt_test_server_store_uri (&it_server));
  bson_t cmd = BSON_INITIALIZER;
  bson_t reply;
  bson_error_t error;

  assert_non_null (client);
  BSON_APPEND_INT32 (&cmd, "mutuaDoubleFail", 1);
  BSON_APPEND_UTF8 (&cmd, "fail", command);
  BSON_APPEND_UTF8 (&cmd, "collection", collection);
  BSON_APPEND_INT32 (&cmd, "skip", skip);
  BSON_APPEND_INT32 (&cmd, "times", 1);
  BSON_APPEND_INT32 (&cmd, "code", 91);
  if (!mongoc_client_command_simple (client, "admin", &cmd, NULL, &reply, &error)) {
    fail_msg ("mutuaDoubleFail: %s", error.message);
  }
  bson_destroy (&reply);
  bson_destroy (&cmd);
  mongoc_client_destroy (client);
}

/* POST /v1/reservations of [@start, @end) as @token: the status. */
static int
try_reserve (const char *token, const char *listing, int64_t start, int64_t end)
{
  mt_http_response_t resp;
  char body[512], s[MT_TIME_RFC3339_MAX], e[MT_TIME_RFC3339_MAX];
  int status;

  mt_time_format_rfc3339 (start, s);
  mt_time_format_rfc3339 (end, e);
  snprintf (body, sizeof body, "{\"listing_id\":\"%s\",\"start\":\"%s\",\"end\":\"%s\"}", listing,
            s, e);
  it_call (token, "POST", "/v1/reservations", NULL, body, &resp);
  status = resp.status;
  mt_http_response_destroy (&resp);
  return status;
}

static void
lost_write_is_repaired (void **state)
{
  char net[MT_ID_SIZE], nets[64], listing[MT_ID_SIZE], first[MT_ID_SIZE];
  it_person_t owner, borrower;
  int64_t day = (mt_time_now_ms () / LH_DAY + 3) * LH_DAY;
  int status = 0;
  char *log;

  (void) state;
  if (skip_reason[0]) {
    mt_test_say_skip ("integration/lost_write_repair", skip_reason);
    skip ();
  }
  it_network (net);
  it_networks1 (nets, net);
  it_signup (nets, true, &owner);
  it_signup (nets, true, &borrower);
  lh_good (&owner, "Barnum 3x3", 1, listing);
  /* A first reservation: the listing's calendar exists from now on (later claims update it). */
  lh_reserve (borrower.token, listing, day + 8 * LH_HOUR, day + 12 * LH_HOUR, first);

  /* The next reservation's insert fails, and so does the release of its calendar entry (the
   * second update of "calendars": the first is the claim). */
  inject ("insert", "reservations", 0);
  inject ("update", "calendars", 1);
  assert_int_equal (try_reserve (borrower.token, listing, day + 14 * LH_HOUR, day + 18 * LH_HOUR),
                    503);
  /* The lost write's entry still holds the unit. */
  assert_int_equal (try_reserve (borrower.token, listing, day + 14 * LH_HOUR, day + 18 * LH_HOUR),
                    409);

  /* The periodic reconciliation removes it once older than the grace period (2 s here). */
  for (int waited = 0; waited < LH_POLL_MAX_MS; waited += 250) {
    status = try_reserve (borrower.token, listing, day + 14 * LH_HOUR, day + 18 * LH_HOUR);
    if (status != 409) {
      break;
    }
    lh_sleep_ms (250);
  }
  assert_int_equal (status, 201);
  log = mt_test_server_log (&it_server, NULL);
  assert_non_null (log);
  assert_non_null (strstr (log, "removed by reconciliation"));
  free (log);
  /* The first reservation was never touched. */
  it_expect (borrower.token, "GET", "/v1/reservations", NULL, 200);
  {
    char path[96];
    snprintf (path, sizeof path, "/v1/reservations/%s", first);
    it_expect (borrower.token, "GET", path, NULL, 200);
  }
  it_person_destroy (&owner);
  it_person_destroy (&borrower);
}

static void
store_gone_is_503 (void **state)
{
  mt_http_response_t resp;

  (void) state;
  if (skip_reason[0]) {
    mt_test_say_skip ("integration/lost_write_repair", skip_reason);
    skip ();
  }
  assert_true (mt_test_store_stop_double ());
  it_call (NULL, "GET", "/readyz", NULL, NULL, &resp);
  assert_int_equal (resp.status, 503);
  assert_non_null (mt_http_header (&resp, "Retry-After"));
  mt_http_response_destroy (&resp);
  it_call (it_admin, "GET", "/v1/admin/members", NULL, NULL, &resp);
  assert_int_equal (resp.status, 503);
  mt_http_response_destroy (&resp);
  it_expect (NULL, "GET", "/healthz", NULL, 200);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("lost_write_repair/orphan_entry_removed_after_grace", lost_write_is_repaired),
    MT_TEST ("lost_write_repair/store_gone_is_503", store_gone_is_503),
  };
  return cmocka_run_group_tests_name ("integration/lost_write_repair", tests, setup, teardown);
}
