/* routes_webhooks: marking a notification read (services/notifications.h) and the
 * administrators' webhooks with their delivery log (services/webhooks.h). */
#include "routes.h"

#include "mt_bson.h"
#include "notifications.h"
#include "webhooks.h"

#include <stdio.h>

void
mt_route_me_notification_read (mt_request_t *r)
{
  mt_error_t error = { 0 };

  if (!mt_notification_mark_read (mt_request_ctx (r), mt_request_param (r, "id"), &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_reply_empty (r, 204);
  }
}

void
mt_route_admin_webhooks_list (mt_request_t *r)
{
  mt_store_page_t page;
  mt_error_t error = { 0 };

  if (!mt_webhooks_list (mt_request_ctx (r), mt_request_query (r, "cursor"),
                         mt_request_query (r, "limit"), &page, &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_reply_list (r, &page.items, page.next_cursor);
  }
  mt_store_page_destroy (&page);
}

void
mt_route_admin_webhooks_create (mt_request_t *r)
{
  bson_t webhook;
  mt_error_t error = { 0 };

  if (!mt_webhooks_create (mt_request_ctx (r), mt_request_body (r), &webhook, &error)) {
    mt_reply_problem (r, &error);
  } else {
    char location[128];
    const char *id = mt_bson_str (&webhook, "id");
    snprintf (location, sizeof location, "/v1/admin/webhooks/%s", id ? id : "");
    mt_request_set_header (r, "Location", location);
    mt_request_set_header (r, "Cache-Control", "no-store");
    mt_reply_json (r, 201, &webhook);
  }
  bson_destroy (&webhook);
}

void
mt_route_admin_webhook_delete (mt_request_t *r)
{
  mt_error_t error = { 0 };

  if (!mt_webhooks_delete (mt_request_ctx (r), mt_request_param (r, "id"), &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_reply_empty (r, 204);
  }
}

void
mt_route_admin_webhook_deliveries (mt_request_t *r)
{
  mt_store_page_t page;
  mt_error_t error = { 0 };

  if (!mt_webhooks_deliveries (mt_request_ctx (r), mt_request_param (r, "id"),
                               mt_request_query (r, "cursor"), mt_request_query (r, "limit"), &page,
                               &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_reply_list (r, &page.items, page.next_cursor);
  }
  mt_store_page_destroy (&page);
}
