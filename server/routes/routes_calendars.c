/*
 * routes_calendars: the iCalendar feeds and the secret address of one's own feed
 * (services/calendars.h). The access log names the route pattern, never the path, so a
 * secret address does not reach the logs.
 */
#include "routes.h"

#include "calendars.h"

#include <stdlib.h>

#define MT_CALENDAR_CONTENT_TYPE "text/calendar; charset=utf-8"

static void
mt_route_reply_ics (mt_request_t *r, bool ok, char *ics, size_t len, const mt_error_t *error)
{
  if (!ok) {
    mt_reply_problem (r, error);
  } else {
    mt_request_set_header (r, "Content-Disposition", "inline; filename=\"calendar.ics\"");
    mt_reply_bytes (r, 200, MT_CALENDAR_CONTENT_TYPE, ics, len);
  }
  free (ics);
}

void
mt_route_listing_calendar_ics (mt_request_t *r)
{
  char *ics = NULL;
  size_t len = 0;
  mt_error_t error = { 0 };
  bool ok =
    mt_calendar_listing_feed (mt_request_ctx (r), mt_request_param (r, "id"), &ics, &len, &error);

  mt_route_reply_ics (r, ok, ics, len, &error);
}

void
mt_route_calendar_feed (mt_request_t *r)
{
  char *ics = NULL;
  size_t len = 0;
  mt_error_t error = { 0 };
  bool ok = mt_calendar_account_feed (mt_request_ctx (r), mt_request_param (r, "token"), &ics, &len,
                                      &error);

  mt_route_reply_ics (r, ok, ics, len, &error);
}

void
mt_route_me_calendar_url_get (mt_request_t *r)
{
  bson_t answer;
  mt_error_t error = { 0 };

  if (!mt_calendar_url_get (mt_request_ctx (r), &answer, NULL, &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_reply_json (r, 200, &answer);
  }
  bson_destroy (&answer);
}

void
mt_route_me_calendar_url_delete (mt_request_t *r)
{
  mt_error_t error = { 0 };

  if (!mt_calendar_url_revoke (mt_request_ctx (r), &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_reply_empty (r, 204);
  }
}
