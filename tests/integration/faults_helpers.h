/*
 * faults_helpers: what the fault tests (test_faults.c) and the mixed crash test
 * (test_crash_mixed.c) share: one world (an owner with a good and a service, a requester who
 * reserves, books, posts needs and messages and receives grants), the five kinds of durable
 * write made on any port (thread-safe: no cmocka assertion inside), and their check after a
 * restart, each read back through the API. The server runs with credits enabled (grants).
 */
#ifndef MT_FAULTS_HELPERS_H
#define MT_FAULTS_HELPERS_H

#include "loans_helpers.h"

#include <sys/wait.h>

#define FH_SERVER_ARGS                                                                             \
  "--credits-enabled", "--credits-monthly-grant", "0", "--max-active-reservations", "1000"

typedef enum { FH_RESERVATION, FH_BOOKING, FH_GRANT, FH_NEED, FH_MESSAGE, FH_KINDS } fh_kind_t;

static const char *const fh_kind_names[FH_KINDS] = { "reservation", "booking", "grant", "need",
                                                     "message" };

typedef struct {
  it_person_t owner;
  it_person_t requester;
  char good[MT_ID_SIZE];
  char service[MT_ID_SIZE];
  char thread[MT_ID_SIZE]; /* a reservation of the requester: the messages' thread */
  int64_t slot_start;
} fh_world_t;

/* Builds the world on it_server. */
static inline void
fh_world_setup (fh_world_t *w)
{
  mt_http_response_t resp;
  char net[MT_ID_SIZE], nets[64], text[512], body[512];

  memset (w, 0, sizeof *w);
  it_network (net);
  it_networks1 (nets, net);
  it_signup (nets, true, &w->owner);
  it_signup (nets, true, &w->requester);
  lh_good (&w->owner, "Barnum 3x3", 1000, w->good);
  snprintf (text, sizeof text,
            "{'kind':'service','title':'Animation d\\u2019assemblée','category':"
            "'animation-facilitation','duration_minutes':60,'credit_rate_per_hour':0,"
            "'status':'published'}");
  it_call (w->owner.token, "POST", "/v1/listings", NULL, lh_q (text, body, sizeof body), &resp);
  it_assert_status (&resp, 201, "POST", "/v1/listings");
  snprintf (w->service, MT_ID_SIZE, "%s", mt_http_json_string (&resp, "id"));
  mt_http_response_destroy (&resp);
  w->slot_start = (mt_time_now_ms () / LH_HOUR) * LH_HOUR + 10 * LH_DAY;
  lh_reserve (w->requester.token, w->good, w->slot_start, w->slot_start + LH_HOUR, w->thread);
}

static inline void
fh_world_destroy (fh_world_t *w)
{
  it_person_destroy (&w->owner);
  it_person_destroy (&w->requester);
}

/*
 * Write number @n of @kind on the server at @port (safe from any thread). @id receives the
 * id of a 2xx answer ("" otherwise). @return the status, 0 when no answer was read; @type
 * (may be NULL, @type_size bytes) the Content-Type of the answer.
 */
static inline int
fh_write (uint16_t port, const fh_world_t *w, const char *admin, fh_kind_t kind, int n,
          char id[MT_ID_SIZE], char *type, size_t type_size)
{
  char auth[1024], body[768], path[128];
  char s[MT_TIME_RFC3339_MAX], e[MT_TIME_RFC3339_MAX];
  const char *headers[] = { auth, "Content-Type: application/json", NULL };
  const char *token = kind == FH_GRANT ? admin : w->requester.token;
  int64_t start;
  mt_http_response_t resp;
  int status = 0;

  id[0] = '\0';
  if (type) {
    type[0] = '\0';
  }
  snprintf (auth, sizeof auth, "Authorization: Bearer %s", token);
  switch (kind) {
  case FH_RESERVATION:
    start = w->slot_start + (int64_t) (n % 24) * LH_HOUR;
    mt_time_format_rfc3339 (start, s);
    mt_time_format_rfc3339 (start + LH_HOUR, e);
    snprintf (path, sizeof path, "/v1/reservations");
    snprintf (body, sizeof body, "{\"listing_id\":\"%s\",\"start\":\"%s\",\"end\":\"%s\"}", w->good,
              s, e);
    break;
  case FH_BOOKING:
    mt_time_format_rfc3339 (w->slot_start + (int64_t) n * 60000, s);
    snprintf (path, sizeof path, "/v1/bookings");
    snprintf (body, sizeof body, "{\"listing_id\":\"%s\",\"start\":\"%s\"}", w->service, s);
    break;
  case FH_GRANT:
    snprintf (path, sizeof path, "/v1/admin/ledger/grants");
    snprintf (body, sizeof body,
              "{\"member_id\":\"%s\",\"amount\":1,\"reason\":\"Coup de pouce %d\"}",
              w->requester.member_id, n);
    break;
  case FH_NEED:
    snprintf (path, sizeof path, "/v1/needs");
    snprintf (body, sizeof body, "{\"kind\":\"good\",\"title\":\"Sono pour la fête %d\"}", n);
    break;
  case FH_MESSAGE:
  case FH_KINDS:
  default:
    snprintf (path, sizeof path, "/v1/reservations/%s/messages", w->thread);
    snprintf (body, sizeof body, "{\"text\":\"Bonjour, message %d\"}", n);
    break;
  }
  if (mt_http_request (port, "POST", path, headers, body, strlen (body), &resp)) {
    const char *ct = mt_http_header (&resp, "Content-Type");
    const char *got = mt_http_json_string (&resp, "id");

    status = resp.status;
    if (status >= 200 && status <= 299 && got) {
      snprintf (id, MT_ID_SIZE, "%s", got);
    }
    if (type && ct) {
      snprintf (type, type_size, "%s", ct);
    }
  }
  mt_http_response_destroy (&resp);
  return status;
}

/* A growing list of ids. */
typedef struct {
  char (*ids)[MT_ID_SIZE];
  size_t len;
  size_t cap;
} fh_ids_t;

static inline void
fh_ids_add (fh_ids_t *list, const char *id)
{
  if (list->len == list->cap) {
    list->cap = list->cap ? 2 * list->cap : 256;
    list->ids = realloc (list->ids, list->cap * MT_ID_SIZE);
    assert_non_null (list->ids);
  }
  snprintf (list->ids[list->len++], MT_ID_SIZE, "%s", id);
}

static inline bool
fh_ids_has (const fh_ids_t *list, const char *id)
{
  for (size_t i = 0; i < list->len; i++) {
    if (strcmp (list->ids[i], id) == 0) {
      return true;
    }
  }
  return false;
}

static inline void
fh_ids_destroy (fh_ids_t *list)
{
  free (list->ids);
  memset (list, 0, sizeof *list);
}

/* Every "items.N.id" of GET @base (a list with limit and cursor) as @token, all pages. */
static inline void
fh_list_ids (const char *token, const char *base, fh_ids_t *out)
{
  char path[LH_CURSOR_MAX + 256];
  char next[LH_CURSOR_MAX] = "";

  do {
    mt_http_response_t resp;
    const char *cursor;

    snprintf (path, sizeof path, "%s?limit=100%s%s", base, next[0] ? "&cursor=" : "", next);
    it_call (token, "GET", path, NULL, NULL, &resp);
    it_assert_status (&resp, 200, "GET", base);
    for (int i = 0; i < 100; i++) {
      char key[32];
      const char *id;

      snprintf (key, sizeof key, "items.%d.id", i);
      id = mt_http_json_string (&resp, key);
      if (!id) {
        break;
      }
      fh_ids_add (out, id);
    }
    cursor = mt_http_json_string (&resp, "next_cursor");
    snprintf (next, sizeof next, "%s", cursor ? cursor : "");
    mt_http_response_destroy (&resp);
  } while (next[0]);
}

/* Fails unless every id of @acked[kind] can be read back on it_server. */
static inline void
fh_assert_present (const fh_world_t *w, fh_ids_t acked[FH_KINDS])
{
  fh_ids_t ledger = { 0 }, messages = { 0 };
  char path[128];

  fh_list_ids (w->requester.token, "/v1/me/ledger", &ledger);
  snprintf (path, sizeof path, "/v1/reservations/%s/messages", w->thread);
  fh_list_ids (w->requester.token, path, &messages);
  for (int kind = 0; kind < FH_KINDS; kind++) {
    for (size_t i = 0; i < acked[kind].len; i++) {
      const char *id = acked[kind].ids[i];
      char status[32];

      switch ((fh_kind_t) kind) {
      case FH_RESERVATION:
        snprintf (path, sizeof path, "/v1/reservations/%s", id);
        lh_get_string (w->requester.token, path, "status", status, sizeof status);
        assert_string_equal (status, "requested");
        break;
      case FH_BOOKING:
        snprintf (path, sizeof path, "/v1/bookings/%s", id);
        lh_get_string (w->requester.token, path, "status", status, sizeof status);
        assert_string_equal (status, "requested");
        break;
      case FH_NEED:
        snprintf (path, sizeof path, "/v1/needs/%s", id);
        lh_get_string (w->requester.token, path, "status", status, sizeof status);
        assert_string_equal (status, "open");
        break;
      case FH_GRANT:
        if (!fh_ids_has (&ledger, id)) {
          fail_msg ("acknowledged grant %s is not in the ledger", id);
        }
        break;
      case FH_MESSAGE:
      case FH_KINDS:
      default:
        if (!fh_ids_has (&messages, id)) {
          fail_msg ("acknowledged message %s is not in the thread", id);
        }
        break;
      }
    }
  }
  fh_ids_destroy (&ledger);
  fh_ids_destroy (&messages);
}

/* `mutuad check --data-dir DIR` of the stopped it_server; its output into @output. */
static inline int
fh_run_check (char *output, size_t size)
{
  char command[3 * PATH_MAX];
  const char *mutuad = getenv ("MUTUA_TEST_MUTUAD");
  FILE *p;
  size_t len;
  int status;

  assert_non_null (mutuad);
  snprintf (command, sizeof command, "'%s' check --data-dir '%s' 2>&1", mutuad, it_server.dir);
  p = popen (command, "r");
  assert_non_null (p);
  len = fread (output, 1, size - 1, p);
  output[len] = '\0';
  status = pclose (p);
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

#endif
