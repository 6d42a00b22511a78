/*
 * routes_bookings: /v1/bookings (services/bookings.h); the Idempotency-Key of
 * POST /v1/bookings is handled by routes_idempotent.c, as for reservations.
 */
#include "routes.h"

#include "bookings.h"

void
mt_route_bookings_create (mt_request_t *r)
{
  mt_route_idempotent_create (r, "/v1/bookings", mt_booking_create);
}

void
mt_route_bookings_list (mt_request_t *r)
{
  mt_booking_list_query_t query = {
    .role = mt_request_query (r, "role"),
    .status = mt_request_query (r, "status"),
    .cursor = mt_request_query (r, "cursor"),
    .limit = mt_request_query (r, "limit"),
  };
  char next_cursor[MT_STORE_CURSOR_MAX];
  bson_t items;
  mt_error_t error = { 0 };

  if (!mt_booking_list (mt_request_ctx (r), &query, &items, next_cursor, &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_reply_list (r, &items, next_cursor);
  }
  bson_destroy (&items);
}

void
mt_route_booking_get (mt_request_t *r)
{
  bson_t booking;
  mt_error_t error = { 0 };

  if (!mt_booking_get (mt_request_ctx (r), mt_request_param (r, "id"), &booking, &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_reply_json_versioned (r, 200, &booking);
  }
  bson_destroy (&booking);
}

static void
mt_route_booking_act (mt_request_t *r, mt_booking_action_t action)
{
  bson_t booking;
  mt_error_t error = { 0 };

  /* One durable step for the document, its calendar, audit entry, notifications and outbox
   * messages (routes_unit.c); what a refusal records (a refused payment) is kept too. */
  if (!mt_route_unit_begin (r)) {
    return;
  }
  if (!mt_booking_act (mt_request_ctx (r), mt_request_param (r, "id"), action, mt_request_body (r),
                       mt_request_header (r, "If-Match"), &booking, &error)) {
    if (mt_route_unit_commit (r)) {
      mt_reply_problem (r, &error);
    }
  } else if (mt_route_unit_commit (r)) {
    mt_reply_json_versioned (r, 200, &booking);
  }
  bson_destroy (&booking);
}

void
mt_route_booking_accept (mt_request_t *r)
{
  mt_route_booking_act (r, MT_BOOKING_ACCEPT);
}

void
mt_route_booking_decline (mt_request_t *r)
{
  mt_route_booking_act (r, MT_BOOKING_DECLINE);
}

void
mt_route_booking_cancel (mt_request_t *r)
{
  mt_route_booking_act (r, MT_BOOKING_CANCEL);
}

void
mt_route_booking_complete (mt_request_t *r)
{
  mt_route_booking_act (r, MT_BOOKING_COMPLETE);
}

void
mt_route_booking_confirm (mt_request_t *r)
{
  mt_route_booking_act (r, MT_BOOKING_CONFIRM);
}
