/* routes_admin: the administrators' review of members (services/admin_members.h). */
#include "routes.h"

#include "admin_members.h"
#include "mt_bson.h"

void
mt_route_admin_members_list (mt_request_t *r)
{
  mt_store_page_t page;
  mt_error_t error = { 0 };

  if (!mt_admin_members_list (mt_request_ctx (r), mt_request_query (r, "status"),
                              mt_request_query (r, "cursor"), mt_request_query (r, "limit"), &page,
                              &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_reply_list (r, &page.items, page.next_cursor);
  }
  mt_store_page_destroy (&page);
}

void
mt_route_admin_member_approve (mt_request_t *r)
{
  bson_t member;
  mt_error_t error = { 0 };

  if (!mt_admin_member_approve (mt_request_ctx (r), mt_request_param (r, "id"), &member, &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_reply_json_versioned (r, 200, &member);
  }
  bson_destroy (&member);
}

void
mt_route_admin_member_suspend (mt_request_t *r)
{
  bson_t member;
  mt_error_t error = { 0 };

  if (!mt_admin_member_suspend (mt_request_ctx (r), mt_request_param (r, "id"),
                                mt_bson_str (mt_request_body (r), "reason"), &member, &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_reply_json_versioned (r, 200, &member);
  }
  bson_destroy (&member);
}

void
mt_route_admin_export_members (mt_request_t *r)
{
  mt_buf_t buf;
  mt_error_t error = { 0 };

  mt_buf_init (&buf, MT_MEMBERS_EXPORT_MAX);
  if (!mt_admin_members_export (mt_request_ctx (r), &buf, &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_request_set_header (r, "Content-Disposition", "attachment; filename=\"mutua-members.csv\"");
    mt_reply_bytes (r, 200, "text/csv; charset=utf-8", buf.data, buf.len);
  }
  mt_buf_destroy (&buf);
}
