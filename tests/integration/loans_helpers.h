/*
 * loans_helpers: what the integration tests of the loans administration, the timers and the
 * crash test share on top of members_helpers.h: a server started with extra flags, goods,
 * reservations and their transitions over HTTP, and a bounded poll (every wait ends; no test
 * asserts how long anything took).
 */
#ifndef MT_LOANS_HELPERS_H
#define MT_LOANS_HELPERS_H

#include "members_helpers.h"

#include "mt_time.h"

#include <time.h>

#define LH_HOUR INT64_C (3600000)
#define LH_DAY INT64_C (86400000)
#define LH_CURSOR_MAX 600 /* a list cursor as the server writes it, with room */
#define LH_POLL_MAX_MS                                                                             \
  120000 /* a poll gives up after this long (a failure, never a timing check) */

/* it_start with @args (NULL-terminated) added to the server's command line. */
static inline bool
lh_start (const char *const *args)
{
  if (!mt_test_server_start (&it_server, args, NULL)) {
    mt_test_server_destroy (&it_server);
    return false;
  }
  it_admin = mt_test_server_login_admin (&it_server);
  return it_admin != NULL;
}

/* @text with ' turned into " ; returns @buf. */
static inline const char *
lh_q (const char *text, char *buf, size_t size)
{
  size_t len = strlen (text);

  assert_true (len < size);
  for (size_t i = 0; i <= len; i++) {
    buf[i] = text[i] == '\'' ? '"' : text[i];
  }
  return buf;
}

/* A published good of @owner (quantity @quantity, no notice, manual approval) titled @title;
 * its id to @id. */
static inline void
lh_good (const it_person_t *owner, const char *title, int quantity, char id[MT_ID_SIZE])
{
  mt_http_response_t resp;
  char text[1024], body[1024];

  snprintf (text, sizeof text,
            "{'kind':'good','title':'%s','category':'tentes-barnums','status':'published',"
            "'quantity':%d,'loan_rules':{'min_notice_hours':0,'max_days':7,'horizon_days':60}}",
            title, quantity);
  it_call (owner->token, "POST", "/v1/listings", NULL, lh_q (text, body, sizeof body), &resp);
  it_assert_status (&resp, 201, "POST", "/v1/listings");
  snprintf (id, MT_ID_SIZE, "%s", mt_http_json_string (&resp, "id"));
  mt_http_response_destroy (&resp);
}

/* POST /v1/reservations of [@start_ms, @end_ms) (absolute instants); must answer 201; the id
 * to @id. */
static inline void
lh_reserve (const char *token, const char *listing, int64_t start_ms, int64_t end_ms,
            char id[MT_ID_SIZE])
{
  mt_http_response_t resp;
  char body[512], s[MT_TIME_RFC3339_MAX], e[MT_TIME_RFC3339_MAX];

  mt_time_format_rfc3339 (start_ms, s);
  mt_time_format_rfc3339 (end_ms, e);
  snprintf (body, sizeof body, "{\"listing_id\":\"%s\",\"start\":\"%s\",\"end\":\"%s\"}", listing,
            s, e);
  it_call (token, "POST", "/v1/reservations", NULL, body, &resp);
  it_assert_status (&resp, 201, "POST", "/v1/reservations");
  snprintf (id, MT_ID_SIZE, "%s", mt_http_json_string (&resp, "id"));
  mt_http_response_destroy (&resp);
}

/* POST /v1/reservations/{id}/@action with @json; must answer @status. */
static inline void
lh_act (const char *token, const char *id, const char *action, const char *json, int status)
{
  char path[128];

  snprintf (path, sizeof path, "/v1/reservations/%s/%s", id, action);
  it_expect (token, "POST", path, json, status);
}

#define LH_NOTE "{\"condition_note\":\"bon état\"}"
#define LH_INCIDENT                                                                                \
  "{\"condition_note\":\"une sardine en moins\",\"incident\":{\"type\":\"missing_part\","          \
  "\"text\":\"=une sardine manquante\"}}"

/* A reservation of @borrower on @listing taken through approve, checkout and return (with an
 * incident when @incident); the id to @id. */
static inline void
lh_returned (const it_person_t *owner, const it_person_t *borrower, const char *listing,
             int64_t start_ms, bool incident, char id[MT_ID_SIZE])
{
  lh_reserve (borrower->token, listing, start_ms, start_ms + LH_DAY, id);
  lh_act (owner->token, id, "approve", "{}", 200);
  lh_act (owner->token, id, "checkout", LH_NOTE, 200);
  lh_act (owner->token, id, "return", incident ? LH_INCIDENT : LH_NOTE, 200);
}

/* The string at @key of GET @path as @token (200 expected) into @out ("" when absent). */
static inline void
lh_get_string (const char *token, const char *path, const char *key, char *out, size_t size)
{
  mt_http_response_t resp;
  const char *value;

  it_call (token, "GET", path, NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", path);
  value = mt_http_json_string (&resp, key);
  snprintf (out, size, "%s", value ? value : "");
  mt_http_response_destroy (&resp);
}

/* Sleeps @ms milliseconds. */
static inline void
lh_sleep_ms (int ms)
{
  struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L };
  nanosleep (&ts, NULL);
}

/* True when the notifications of @token (first page of 100) hold one whose id is @id. */
static inline bool
lh_has_notification (const char *token, const char *id)
{
  mt_http_response_t resp;
  bool found = false;

  it_call (token, "GET", "/v1/me/notifications?limit=100", NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", "/v1/me/notifications");
  for (int i = 0; i < 100 && !found; i++) {
    char key[32];
    const char *value;
    snprintf (key, sizeof key, "items.%d.id", i);
    value = mt_http_json_string (&resp, key);
    if (!value) {
      break;
    }
    found = strcmp (value, id) == 0;
  }
  mt_http_response_destroy (&resp);
  return found;
}

#endif
