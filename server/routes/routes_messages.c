/* routes_messages: the thread of a reservation (services/messages.h). */
#include "routes.h"

#include "messages.h"

#include <stdio.h>

void
mt_route_reservation_messages_list (mt_request_t *r)
{
  char next_cursor[MT_STORE_CURSOR_MAX];
  bson_t items;
  mt_error_t error = { 0 };

  if (!mt_messages_list (mt_request_ctx (r), mt_request_param (r, "id"),
                         mt_request_query (r, "cursor"), mt_request_query (r, "limit"), &items,
                         next_cursor, &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_reply_list (r, &items, next_cursor);
  }
  bson_destroy (&items);
}

void
mt_route_reservation_messages_post (mt_request_t *r)
{
  char id[MT_ID_SIZE];
  bson_t message;
  mt_error_t error = { 0 };
  const char *reservation_id = mt_request_param (r, "id");

  if (!mt_message_post (mt_request_ctx (r), reservation_id, mt_request_body (r), &message, id,
                        &error)) {
    mt_reply_problem (r, &error);
  } else {
    char location[128];
    /* There is no address of one message: Location names the thread that holds it. */
    snprintf (location, sizeof location, "/v1/reservations/%s/messages", reservation_id);
    mt_request_set_header (r, "Location", location);
    mt_reply_json (r, 201, &message);
  }
  bson_destroy (&message);
}
