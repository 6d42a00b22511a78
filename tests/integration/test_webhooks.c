/*
 * Integration tests of webhooks against the real mutuad (retries after 1 s, then 2 s; 3
 * attempts at most; the outbox looked at every 100 ms; no e-mail): a receiving HTTP server
 * runs inside the test (evhttp on 127.0.0.1:0, its own thread) and records every POST.
 * Covered: administrators only (a member gets 403, no token 401); creation refusals (https,
 * credentials, fragment, over-long URL, unknown event or field) store nothing; the secret is
 * shown once (201), never in GET nor in the server's log; deliveries of a service request and
 * of its acceptance, with their JSON body, headers and a signature
 * that verifies with the secret and a fresh timestamp (and not with another secret); a
 * receiver answering 500 twice gets the same delivery three times and the delivery log shows
 * the three attempts; deletion (204, then 404) stops the deliveries.
 */
#include "loans_helpers.h"

#include "mt_json.h"
#include "outbox.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <sys/socket.h>

#define RX_MAX 64
#define RX_BODY_MAX 8192
#define OK_PATH "/hooks/ok?source=mutua"

/* One POST received. */
typedef struct {
  char path[128];
  char body[RX_BODY_MAX];
  char signature[MT_OUTBOX_SIGNATURE_MAX];
  char event[64];
  char delivery[64];
  char content_type[64];
  int answered;
} rx_t;

static struct {
  pthread_mutex_t lock;
  struct event_base *base;
  struct evhttp *http;
  pthread_t thread;
  uint16_t port;
  rx_t items[RX_MAX];
  int count;
  int fail_left; /* requests to /fail answered 500 before the first 200 */
} receiver = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void
copy_header (struct evkeyvalq *headers, const char *name, char *out, size_t size)
{
  const char *value = evhttp_find_header (headers, name);
  snprintf (out, size, "%s", value ? value : "");
}

static void
receiver_handle (struct evhttp_request *req, void *arg)
{
  struct evbuffer *in = evhttp_request_get_input_buffer (req);
  struct evkeyvalq *headers = evhttp_request_get_input_headers (req);
  const char *uri = evhttp_request_get_uri (req);
  int code = 200;

  (void) arg;
  pthread_mutex_lock (&receiver.lock);
  if (receiver.count < RX_MAX) {
    rx_t *rx = &receiver.items[receiver.count++];
    size_t len = evbuffer_get_length (in);
    if (len >= sizeof rx->body) {
      len = sizeof rx->body - 1;
    }
    evbuffer_copyout (in, rx->body, len);
    rx->body[len] = '\0';
    snprintf (rx->path, sizeof rx->path, "%s", uri ? uri : "");
    copy_header (headers, "X-Mutua-Signature", rx->signature, sizeof rx->signature);
    copy_header (headers, "X-Mutua-Event", rx->event, sizeof rx->event);
    copy_header (headers, "X-Mutua-Delivery", rx->delivery, sizeof rx->delivery);
    copy_header (headers, "Content-Type", rx->content_type, sizeof rx->content_type);
    if (strncmp (rx->path, "/fail", 5) == 0 && receiver.fail_left > 0) {
      receiver.fail_left--;
      code = 500;
    }
    rx->answered = code;
  }
  pthread_mutex_unlock (&receiver.lock);
  evhttp_send_reply (req, code, code == 200 ? "OK" : "Internal Server Error", NULL);
}

static void *
receiver_main (void *arg)
{
  (void) arg;
  event_base_dispatch (receiver.base);
  return NULL;
}

static bool
receiver_start (void)
{
  struct evhttp_bound_socket *bound;
  struct sockaddr_in addr;
  socklen_t len = sizeof addr;

  evthread_use_pthreads ();
  receiver.base = event_base_new ();
  receiver.http = receiver.base ? evhttp_new (receiver.base) : NULL;
  if (!receiver.http) {
    return false;
  }
  evhttp_set_gencb (receiver.http, receiver_handle, NULL);
  bound = evhttp_bind_socket_with_handle (receiver.http, "127.0.0.1", 0);
  if (!bound ||
      getsockname (evhttp_bound_socket_get_fd (bound), (struct sockaddr *) &addr, &len) != 0) {
    return false;
  }
  receiver.port = ntohs (addr.sin_port);
  return pthread_create (&receiver.thread, NULL, receiver_main, NULL) == 0;
}

static void
receiver_stop (void)
{
  if (receiver.base) {
    event_base_loopbreak (receiver.base);
    pthread_join (receiver.thread, NULL);
    evhttp_free (receiver.http);
    event_base_free (receiver.base);
    receiver.base = NULL;
  }
}

static int
setup (void **state)
{
  static const char *const args[] = { "--outbox-retry-base-s",
                                      "1",
                                      "--outbox-interval-ms",
                                      "100",
                                      "--webhook-max-attempts",
                                      "3",
                                      "--webhook-timeout-s",
                                      "5",
                                      "--sendmail-command",
                                      "",
                                      NULL };

  (void) state;
  if (sodium_init () < 0 || !receiver_start ()) {
    return -1;
  }
  return lh_start (args) ? 0 : -1;
}

static int
teardown (void **state)
{
  int rc = it_stop (state);
  receiver_stop ();
  return rc;
}

/* Copies of the POSTs received to @path (NULL: any) whose event is @event and whose body
 * holds @needle (may be NULL), into @out (at most @max); their number. */
static int
received (const char *path, const char *event, const char *needle, rx_t *out, int max)
{
  int n = 0;

  pthread_mutex_lock (&receiver.lock);
  for (int i = 0; i < receiver.count && n < max; i++) {
    if (strcmp (receiver.items[i].event, event) == 0 &&
        (!path || strcmp (receiver.items[i].path, path) == 0) &&
        (!needle || strstr (receiver.items[i].body, needle))) {
      out[n++] = receiver.items[i];
    }
  }
  pthread_mutex_unlock (&receiver.lock);
  return n;
}

/* Waits (bounded) until @count POSTs of @event with @needle have come; their copies. */
static void
wait_received (const char *path, const char *event, const char *needle, int count, rx_t *out,
               int max)
{
  for (int waited = 0; waited < LH_POLL_MAX_MS; waited += 50) {
    if (received (path, event, needle, out, max) >= count) {
      return;
    }
    lh_sleep_ms (50);
  }
  fail_msg ("%d deliveries of %s (%s) never came", count, event, needle ? needle : "");
}

/* POST /v1/admin/webhooks for @url and the events @events_json; id and secret out. */
static void
create_webhook (const char *url, const char *events_json, char id[MT_ID_SIZE],
                char secret[MT_WEBHOOK_SECRET_SIZE])
{
  mt_http_response_t resp;
  char body[1024];
  char location[128];

  snprintf (body, sizeof body, "{\"url\":\"%s\",\"events\":%s}", url, events_json);
  it_call (it_admin, "POST", "/v1/admin/webhooks", NULL, body, &resp);
  it_assert_status (&resp, 201, "POST", "/v1/admin/webhooks");
  snprintf (id, MT_ID_SIZE, "%s", mt_http_json_string (&resp, "id"));
  snprintf (secret, MT_WEBHOOK_SECRET_SIZE, "%s", mt_http_json_string (&resp, "secret"));
  assert_int_equal (strlen (secret), MT_WEBHOOK_SECRET_LEN);
  snprintf (location, sizeof location, "/v1/admin/webhooks/%s", id);
  assert_non_null (mt_http_header (&resp, "Location"));
  assert_string_equal (mt_http_header (&resp, "Location"), location);
  mt_http_response_destroy (&resp);
}

/* A provider and a requester in one network, and a published service of the provider. */
typedef struct {
  it_person_t owner, borrower;
  char service[MT_ID_SIZE];
} world_t;

static void
make_world (world_t *w)
{
  char net[MT_ID_SIZE], nets[64], text[1024], body[1024];
  mt_http_response_t resp;

  it_network (net);
  it_networks1 (nets, net);
  it_signup (nets, true, &w->owner);
  it_signup (nets, true, &w->borrower);
  snprintf (text, sizeof text,
            "{'kind':'service','title':'Animation de réunion','category':"
            "'animation-facilitation','duration_minutes':60,'credit_rate_per_hour':10,"
            "'status':'published'}");
  it_call (w->owner.token, "POST", "/v1/listings", NULL, lh_q (text, body, sizeof body), &resp);
  it_assert_status (&resp, 201, "POST", "/v1/listings");
  snprintf (w->service, sizeof w->service, "%s", mt_http_json_string (&resp, "id"));
  mt_http_response_destroy (&resp);
}

/* The requester books the service @days days from now; the booking's id to @id. */
static void
book (const world_t *w, int days, char id[MT_ID_SIZE])
{
  mt_http_response_t resp;
  char start[MT_TIME_RFC3339_MAX], body[256];

  mt_time_format_rfc3339 ((mt_time_now_ms () / 1000) * 1000 + days * LH_DAY, start);
  snprintf (body, sizeof body, "{\"listing_id\":\"%s\",\"start\":\"%s\"}", w->service, start);
  it_call (w->borrower.token, "POST", "/v1/bookings", NULL, body, &resp);
  it_assert_status (&resp, 201, "POST", "/v1/bookings");
  snprintf (id, MT_ID_SIZE, "%s", mt_http_json_string (&resp, "id"));
  mt_http_response_destroy (&resp);
}

static void
world_destroy (world_t *w)
{
  it_person_destroy (&w->owner);
  it_person_destroy (&w->borrower);
}

/* A checked delivery: JSON body, headers, signature with @secret (not with another). */
static void
assert_delivery (const rx_t *rx, const char *secret, const char *event, const char *entity_id)
{
  bson_t body;
  mt_error_t error;
  char other[MT_WEBHOOK_SECRET_SIZE];
  int64_t now_s = mt_time_now_ms () / 1000;

  assert_true (mt_json_parse_object (rx->body, strlen (rx->body), MT_JSON_STRICT, &body, &error));
  assert_string_equal (mt_bson_str (&body, "event"), event);
  assert_string_equal (mt_bson_str (&body, "entity_id"), entity_id);
  assert_true (mt_id_is_valid (mt_bson_str (&body, "id"), "evt"));
  assert_true (mt_bson_has (&body, "created_at"));
  assert_true (mt_bson_has (&body, "data"));
  bson_destroy (&body);
  assert_string_equal (rx->event, event);
  assert_true (mt_id_is_valid (rx->delivery, "dlv"));
  assert_string_equal (rx->content_type, "application/json");
  assert_true (mt_outbox_verify (secret, rx->signature, rx->body, strlen (rx->body), now_s, 300));
  mt_webhook_secret_new (other);
  assert_false (mt_outbox_verify (other, rx->signature, rx->body, strlen (rx->body), now_s, 300));
  /* The body as received, changed by one byte, no longer verifies. */
  {
    char tampered[RX_BODY_MAX];
    snprintf (tampered, sizeof tampered, "%s ", rx->body);
    assert_false (
      mt_outbox_verify (secret, rx->signature, tampered, strlen (tampered), now_s, 300));
  }
}

static void
admin_only (void **state)
{
  world_t w;
  static const char *const paths[] = { "/v1/admin/webhooks",
                                       "/v1/admin/webhooks/whk_aaaaaaaaaaaaaaaaaaaaaa/deliveries",
                                       NULL };
  const char *body = "{\"url\":\"http://127.0.0.1:9/h\",\"events\":[\"need.answered\"]}";

  (void) state;
  make_world (&w);
  for (int i = 0; paths[i]; i++) {
    it_expect_problem (w.owner.token, "GET", paths[i], NULL, 403, "forbidden");
    it_expect (NULL, "GET", paths[i], NULL, 401);
  }
  it_expect_problem (w.owner.token, "POST", "/v1/admin/webhooks", body, 403, "forbidden");
  it_expect_problem (w.owner.token, "DELETE", "/v1/admin/webhooks/whk_aaaaaaaaaaaaaaaaaaaaaa", NULL,
                     403, "forbidden");
  it_expect (NULL, "POST", "/v1/admin/webhooks", body, 401);
  /* An administrator: the same unknown id is 404. */
  it_expect_problem (it_admin, "DELETE", "/v1/admin/webhooks/whk_aaaaaaaaaaaaaaaaaaaaaa", NULL, 404,
                     "not-found");
  it_expect_problem (it_admin, "GET", paths[1], NULL, 404, "not-found");
  world_destroy (&w);
}

/* The number of webhooks listed. */
static int
webhook_count (void)
{
  mt_http_response_t resp;
  int count;

  it_call (it_admin, "GET", "/v1/admin/webhooks?limit=100", NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", "/v1/admin/webhooks");
  count = 0;
  while (true) {
    char key[32];
    snprintf (key, sizeof key, "items.%d.id", count);
    if (!mt_http_json_string (&resp, key)) {
      break;
    }
    count++;
  }
  mt_http_response_destroy (&resp);
  return count;
}

static void
creation_refusals_store_nothing (void **state)
{
  char url[2200];
  char body[2400];
  int before = webhook_count ();
  static const char *const refused[] = {
    "{\"url\":\"https://example.org/h\",\"events\":[\"need.answered\"]}",
    "{\"url\":\"http://user:secret@example.org/h\",\"events\":[\"need.answered\"]}",
    "{\"url\":\"http://example.org/h#x\",\"events\":[\"need.answered\"]}",
    "{\"url\":\"http://example.org/h\",\"events\":[\"need.stolen\"]}",
    "{\"url\":\"http://example.org/h\",\"events\":[]}",
    "{\"url\":\"http://example.org/h\",\"events\":[\"need.answered\",\"need.answered\"]}",
    "{\"url\":\"http://example.org/h\",\"events\":[\"need.answered\"],\"secret\":\"mine\"}",
    "{\"events\":[\"need.answered\"]}",
    NULL,
  };

  (void) state;
  for (int i = 0; refused[i]; i++) {
    mt_http_response_t resp;
    it_call (it_admin, "POST", "/v1/admin/webhooks", NULL, refused[i], &resp);
    if (resp.status != 400) {
      fail_msg ("%s: status %d, expected 400: %s", refused[i], resp.status, resp.body);
    }
    mt_http_response_destroy (&resp);
  }
  memcpy (url, "http://example.org/", 19);
  memset (url + 19, 'a', 2100);
  url[2119] = '\0';
  snprintf (body, sizeof body, "{\"url\":\"%s\",\"events\":[\"need.answered\"]}", url);
  it_expect (it_admin, "POST", "/v1/admin/webhooks", body, 400);
  assert_int_equal (webhook_count (), before);
}

static void
deliveries_are_signed (void **state)
{
  world_t w;
  char hook[MT_ID_SIZE], secret[MT_WEBHOOK_SECRET_SIZE];
  char url[128], bkg[MT_ID_SIZE], path[128];
  rx_t rx[4];
  mt_http_response_t resp;
  char *log;

  (void) state;
  make_world (&w);
  snprintf (url, sizeof url, "http://127.0.0.1:%u" OK_PATH, receiver.port);
  create_webhook (url, "[\"booking.requested\",\"booking.accepted\"]", hook, secret);

  /* The secret: shown once, never listed. */
  it_call (it_admin, "GET", "/v1/admin/webhooks", NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", "/v1/admin/webhooks");
  assert_non_null (strstr (resp.body, hook));
  assert_null (strstr (resp.body, secret));
  assert_null (strstr (resp.body, "\"secret\""));
  mt_http_response_destroy (&resp);

  /* A service request received by the provider, then accepted. */
  book (&w, 3, bkg);
  wait_received (OK_PATH, "booking.requested", bkg, 1, rx, 4);
  assert_delivery (&rx[0], secret, "booking.requested", bkg);
  snprintf (path, sizeof path, "/v1/bookings/%s/accept", bkg);
  it_expect (w.owner.token, "POST", path, "{}", 200);
  wait_received (OK_PATH, "booking.accepted", bkg, 1, rx, 4);
  assert_delivery (&rx[0], secret, "booking.accepted", bkg);
  /* Each delivered once. */
  assert_int_equal (received (OK_PATH, "booking.requested", bkg, rx, 4), 1);

  /* The delivery log: sent at the first attempt, with the receiver's status. The dispatcher
   * records the answer just after the receiver has it: wait (bounded) for that record. */
  snprintf (path, sizeof path, "/v1/admin/webhooks/%s/deliveries", hook);
  for (int waited = 0;; waited += 50) {
    it_call (it_admin, "GET", path, NULL, NULL, &resp);
    it_assert_status (&resp, 200, "GET", path);
    if (waited >= LH_POLL_MAX_MS ||
        (mt_http_json_string (&resp, "items.0.status") &&
         strcmp (mt_http_json_string (&resp, "items.0.status"), "pending") != 0 &&
         mt_http_json_string (&resp, "items.1.status") &&
         strcmp (mt_http_json_string (&resp, "items.1.status"), "pending") != 0)) {
      break;
    }
    mt_http_response_destroy (&resp);
    lh_sleep_ms (50);
  }
  assert_string_equal (mt_http_json_string (&resp, "items.0.status"), "sent");
  assert_string_equal (mt_http_json_string (&resp, "items.0.log.0.outcome"), "sent");
  assert_string_equal (mt_http_json_string (&resp, "items.1.status"), "sent");
  assert_null (mt_http_json_string (&resp, "items.2.id"));
  assert_null (strstr (resp.body, secret));
  mt_http_response_destroy (&resp);

  /* The secret never reaches the log. */
  log = mt_test_server_log (&it_server, NULL);
  assert_non_null (log);
  assert_null (strstr (log, secret));
  assert_null (strstr (log, secret + 6));
  free (log);
  world_destroy (&w);
}

static void
failed_deliveries_are_retried_and_logged (void **state)
{
  world_t w;
  char hook[MT_ID_SIZE], secret[MT_WEBHOOK_SECRET_SIZE];
  char url[128], bkg[MT_ID_SIZE], path[128];
  rx_t rx[8];
  mt_http_response_t resp;
  const char *status = "";

  (void) state;
  make_world (&w);
  pthread_mutex_lock (&receiver.lock);
  receiver.fail_left = 2;
  pthread_mutex_unlock (&receiver.lock);
  snprintf (url, sizeof url, "http://127.0.0.1:%u/fail", receiver.port);
  create_webhook (url, "[\"booking.requested\"]", hook, secret);
  book (&w, 5, bkg);
  wait_received ("/fail", "booking.requested", bkg, 3, rx, 8);
  /* The webhook of deliveries_are_signed gets its own copy at its own path. */
  assert_int_equal (rx[0].answered, 500);
  assert_int_equal (rx[1].answered, 500);
  assert_int_equal (rx[2].answered, 200);
  for (int i = 0; i < 3; i++) {
    assert_string_equal (rx[i].path, "/fail");
    assert_string_equal (rx[i].delivery, rx[0].delivery);
    assert_string_equal (rx[i].body, rx[0].body);
    assert_delivery (&rx[i], secret, "booking.requested", bkg);
  }

  /* The delivery log, once the third attempt is recorded. */
  snprintf (path, sizeof path, "/v1/admin/webhooks/%s/deliveries", hook);
  for (int waited = 0; waited < LH_POLL_MAX_MS; waited += 50) {
    it_call (it_admin, "GET", path, NULL, NULL, &resp);
    it_assert_status (&resp, 200, "GET", path);
    status = mt_http_json_string (&resp, "items.0.status");
    if (status && strcmp (status, "sent") == 0) {
      break;
    }
    mt_http_response_destroy (&resp);
    lh_sleep_ms (50);
  }
  assert_string_equal (mt_http_json_string (&resp, "items.0.status"), "sent");
  assert_string_equal (mt_http_json_string (&resp, "items.0.id"), rx[0].delivery);
  {
    bson_iter_t it, found;
    const char *keys[3][2] = { { "items.0.log.0.status_code", "items.0.log.0.outcome" },
                               { "items.0.log.1.status_code", "items.0.log.1.outcome" },
                               { "items.0.log.2.status_code", "items.0.log.2.outcome" } };
    int expected[3] = { 500, 500, 200 };
    assert_true (bson_iter_init (&it, mt_http_json (&resp)) &&
                 bson_iter_find_descendant (&it, "items.0.attempts", &found));
    assert_int_equal (bson_iter_as_int64 (&found), 3);
    for (int i = 0; i < 3; i++) {
      assert_true (bson_iter_init (&it, mt_http_json (&resp)) &&
                   bson_iter_find_descendant (&it, keys[i][0], &found));
      assert_int_equal (bson_iter_as_int64 (&found), expected[i]);
      assert_string_equal (mt_http_json_string (&resp, keys[i][1]), i < 2 ? "error" : "sent");
    }
    assert_false (bson_iter_init (&it, mt_http_json (&resp)) &&
                  bson_iter_find_descendant (&it, "items.0.log.3", &found));
  }
  assert_null (strstr (resp.body, secret));
  mt_http_response_destroy (&resp);

  /* Not subscribed: the acceptance goes to the first webhook only. */
  snprintf (path, sizeof path, "/v1/bookings/%s/accept", bkg);
  it_expect (w.owner.token, "POST", path, "{}", 200);
  wait_received (OK_PATH, "booking.accepted", bkg, 1, rx, 8);
  assert_int_equal (received ("/fail", "booking.accepted", NULL, rx, 8), 0);

  /* Deleted: 204, gone from the list, its log no longer served, no more deliveries. */
  snprintf (path, sizeof path, "/v1/admin/webhooks/%s", hook);
  it_expect (it_admin, "DELETE", path, NULL, 204);
  it_expect_problem (it_admin, "DELETE", path, NULL, 404, "not-found");
  snprintf (path, sizeof path, "/v1/admin/webhooks/%s/deliveries", hook);
  it_expect_problem (it_admin, "GET", path, NULL, 404, "not-found");
  it_call (it_admin, "GET", "/v1/admin/webhooks?limit=100", NULL, NULL, &resp);
  assert_null (strstr (resp.body, hook));
  mt_http_response_destroy (&resp);
  world_destroy (&w);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("webhooks/admin_only", admin_only),
    MT_TEST ("webhooks/creation_refusals_store_nothing", creation_refusals_store_nothing),
    MT_TEST ("webhooks/deliveries_are_signed", deliveries_are_signed),
    MT_TEST ("webhooks/failed_deliveries_are_retried_and_logged",
             failed_deliveries_are_retried_and_logged),
  };

  return cmocka_run_group_tests (tests, setup, teardown);
}
