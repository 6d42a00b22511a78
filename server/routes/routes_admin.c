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
