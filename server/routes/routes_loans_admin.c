/*
 * routes_loans_admin: the administration of loans (services/loans_admin.h) and the in-app
 * notifications of the caller (services/notifications.h).
 */
#include "routes.h"

#include "loans_admin.h"
#include "mt_bson.h"
#include "notifications.h"

void
mt_route_admin_reviews (mt_request_t *r)
{
  bson_t items;
  char next[MT_LOANS_CURSOR_MAX];
  mt_error_t error = { 0 };

  if (!mt_loans_reviews (mt_request_ctx (r), mt_request_query (r, "cursor"),
                         mt_request_query (r, "limit"), &items, next, &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_reply_list (r, &items, next);
  }
  bson_destroy (&items);
}

void
mt_route_admin_reservation_review (mt_request_t *r)
{
  bson_t reservation;
  mt_error_t error = { 0 };

  if (!mt_loans_review (mt_request_ctx (r), mt_request_param (r, "id"), mt_request_body (r),
                        mt_request_header (r, "If-Match"), &reservation, &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_reply_json_versioned (r, 200, &reservation);
  }
  bson_destroy (&reservation);
}

void
mt_route_admin_audit (mt_request_t *r)
{
  mt_store_page_t page;
  mt_error_t error = { 0 };

  if (!mt_loans_audit (mt_request_ctx (r), mt_request_query (r, "entity_id"),
                       mt_request_query (r, "cursor"), mt_request_query (r, "limit"), &page,
                       &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_reply_list (r, &page.items, page.next_cursor);
  }
  mt_store_page_destroy (&page);
}

void
mt_route_admin_export_loans (mt_request_t *r)
{
  mt_buf_t buf;
  mt_error_t error = { 0 };

  mt_buf_init (&buf, MT_LOANS_EXPORT_MAX);
  if (!mt_loans_export (mt_request_ctx (r), &buf, &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_request_set_header (r, "Content-Disposition", "attachment; filename=\"mutua-loans.csv\"");
    mt_reply_bytes (r, 200, "text/csv; charset=utf-8", buf.data, buf.len);
  }
  mt_buf_destroy (&buf);
}

void
mt_route_me_notifications (mt_request_t *r)
{
  mt_store_page_t page;
  mt_error_t error = { 0 };

  if (!mt_notifications_list (mt_request_ctx (r), mt_request_query (r, "cursor"),
                              mt_request_query (r, "limit"), &page, &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_reply_list (r, &page.items, page.next_cursor);
  }
  mt_store_page_destroy (&page);
}
