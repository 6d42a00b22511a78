/* routes_members: the directory, member profiles and colleagues (services/members.h). */
#include "routes.h"

#include "members.h"

#include <stdio.h>

void
mt_route_members_list (mt_request_t *r)
{
  mt_member_directory_query_t query = {
    .network = mt_request_query (r, "network"),
    .status = mt_request_query (r, "status"),
    .cursor = mt_request_query (r, "cursor"),
    .limit = mt_request_query (r, "limit"),
  };
  char next_cursor[MT_STORE_CURSOR_MAX];
  bson_t items;
  mt_error_t error = { 0 };

  if (!mt_member_directory (mt_request_ctx (r), &query, &items, next_cursor, &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_reply_list (r, &items, next_cursor);
  }
  bson_destroy (&items);
}

void
mt_route_member_get (mt_request_t *r)
{
  bson_t member;
  bool full = false;
  mt_error_t error = { 0 };

  if (!mt_member_get (mt_request_ctx (r), mt_request_param (r, "id"), &member, &full, &error)) {
    mt_reply_problem (r, &error);
  } else if (full) {
    mt_reply_json_versioned (r, 200, &member);
  } else {
    mt_reply_json (r, 200, &member);
  }
  bson_destroy (&member);
}

void
mt_route_member_patch (mt_request_t *r)
{
  bson_t member;
  mt_error_t error = { 0 };

  if (!mt_member_patch (mt_request_ctx (r), mt_request_param (r, "id"), mt_request_body (r),
                        mt_request_header (r, "If-Match"), &member, &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_reply_json_versioned (r, 200, &member);
  }
  bson_destroy (&member);
}

void
mt_route_member_invite (mt_request_t *r)
{
  const char *member_id = mt_request_param (r, "id");
  char account_id[MT_ID_SIZE];
  bson_t answer;
  mt_error_t error = { 0 };

  if (!mt_member_invite (mt_request_ctx (r), member_id, mt_request_body (r), &answer, account_id,
                         &error)) {
    mt_reply_problem (r, &error);
  } else {
    char location[160];
    snprintf (location, sizeof location, "/v1/members/%s/accounts/%s", member_id, account_id);
    mt_request_set_header (r, "Location", location);
    mt_reply_json (r, 201, &answer);
  }
  bson_destroy (&answer);
}

void
mt_route_member_remove_account (mt_request_t *r)
{
  mt_error_t error = { 0 };

  if (!mt_member_remove_account (mt_request_ctx (r), mt_request_param (r, "id"),
                                 mt_request_param (r, "aid"), &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_reply_empty (r, 204);
  }
}
