/*
 * routes_reservations: /v1/reservations (services/reservations.h); the Idempotency-Key of
 * POST /v1/reservations is handled by routes_idempotent.c.
 */
#include "routes.h"

#include "reservations.h"

void
mt_route_reservations_create (mt_request_t *r)
{
  mt_route_idempotent_create (r, "/v1/reservations", mt_reservation_create);
}

void
mt_route_reservations_list (mt_request_t *r)
{
  mt_reservation_list_query_t query = {
    .role = mt_request_query (r, "role"),
    .status = mt_request_query (r, "status"),
    .cursor = mt_request_query (r, "cursor"),
    .limit = mt_request_query (r, "limit"),
  };
  char next_cursor[MT_STORE_CURSOR_MAX];
  bson_t items;
  mt_error_t error = { 0 };

  if (!mt_reservation_list (mt_request_ctx (r), &query, &items, next_cursor, &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_reply_list (r, &items, next_cursor);
  }
  bson_destroy (&items);
}

void
mt_route_reservation_get (mt_request_t *r)
{
  bson_t reservation;
  mt_error_t error = { 0 };

  if (!mt_reservation_get (mt_request_ctx (r), mt_request_param (r, "id"), &reservation, &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_reply_json_versioned (r, 200, &reservation);
  }
  bson_destroy (&reservation);
}

static void
mt_route_reservation_act (mt_request_t *r, mt_reservation_action_t action)
{
  bson_t reservation;
  mt_error_t error = { 0 };

  /* One durable step for the document, its calendar, audit entry, notifications and outbox
   * messages (routes_unit.c); what a refusal records (a refused payment) is kept too. */
  if (!mt_route_unit_begin (r)) {
    return;
  }
  if (!mt_reservation_act (mt_request_ctx (r), mt_request_param (r, "id"), action,
                           mt_request_body (r), mt_request_header (r, "If-Match"), &reservation,
                           &error)) {
    if (mt_route_unit_commit (r)) {
      mt_reply_problem (r, &error);
    }
  } else if (mt_route_unit_commit (r)) {
    mt_reply_json_versioned (r, 200, &reservation);
  }
  bson_destroy (&reservation);
}

void
mt_route_reservation_approve (mt_request_t *r)
{
  mt_route_reservation_act (r, MT_RESERVATION_APPROVE);
}

void
mt_route_reservation_decline (mt_request_t *r)
{
  mt_route_reservation_act (r, MT_RESERVATION_DECLINE);
}

void
mt_route_reservation_cancel (mt_request_t *r)
{
  mt_route_reservation_act (r, MT_RESERVATION_CANCEL);
}

void
mt_route_reservation_checkout (mt_request_t *r)
{
  mt_route_reservation_act (r, MT_RESERVATION_CHECKOUT);
}

void
mt_route_reservation_return (mt_request_t *r)
{
  mt_route_reservation_act (r, MT_RESERVATION_RETURN);
}
