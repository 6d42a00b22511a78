/* routes_needs: needs and their answers (services/needs.h). */
#include "routes.h"

#include "needs.h"

#include <stdio.h>

void
mt_route_needs_create (mt_request_t *r)
{
  char id[MT_ID_SIZE];
  bson_t need;
  mt_error_t error = { 0 };

  if (!mt_need_create (mt_request_ctx (r), mt_request_body (r), &need, id, &error)) {
    mt_reply_problem (r, &error);
  } else {
    char location[96];
    snprintf (location, sizeof location, "/v1/needs/%s", id);
    mt_request_set_header (r, "Location", location);
    mt_reply_json_versioned (r, 201, &need);
  }
  bson_destroy (&need);
}

void
mt_route_needs_search (mt_request_t *r)
{
  /* The parameters of GET /v1/listings but the availability range (goods only). */
  mt_search_params_t params = {
    .q = mt_request_query (r, "q"),
    .kind = mt_request_query (r, "kind"),
    .category = mt_request_query (r, "category"),
    .departement = mt_request_query (r, "departement"),
    .owner = mt_request_query (r, "owner"),
    .network = mt_request_query (r, "network"),
    .status = mt_request_query (r, "status"),
    .sort = mt_request_query (r, "sort"),
    .limit = mt_request_query (r, "limit"),
    .cursor = mt_request_query (r, "cursor"),
  };
  char next_cursor[MT_STORE_CURSOR_MAX];
  bson_t items;
  mt_error_t error = { 0 };

  if (!mt_needs_search (mt_request_ctx (r), &params, &items, next_cursor, &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_reply_list (r, &items, next_cursor);
  }
  bson_destroy (&items);
}

void
mt_route_need_get (mt_request_t *r)
{
  bson_t need;
  mt_error_t error = { 0 };

  if (!mt_need_get (mt_request_ctx (r), mt_request_param (r, "id"), &need, &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_reply_json_versioned (r, 200, &need);
  }
  bson_destroy (&need);
}

void
mt_route_need_answer (mt_request_t *r)
{
  char id[MT_ID_SIZE];
  bson_t answer;
  mt_error_t error = { 0 };
  const char *need_id = mt_request_param (r, "id");

  if (!mt_need_answer (mt_request_ctx (r), need_id, mt_request_body (r), &answer, id, &error)) {
    mt_reply_problem (r, &error);
  } else {
    char location[96];
    /* There is no address of one answer: Location names the need that shows it. */
    snprintf (location, sizeof location, "/v1/needs/%s", need_id);
    mt_request_set_header (r, "Location", location);
    mt_reply_json (r, 201, &answer);
  }
  bson_destroy (&answer);
}

void
mt_route_need_close (mt_request_t *r)
{
  bson_t need;
  mt_error_t error = { 0 };

  if (!mt_need_close (mt_request_ctx (r), mt_request_param (r, "id"), mt_request_body (r),
                      mt_request_header (r, "If-Match"), &need, &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_reply_json_versioned (r, 200, &need);
  }
  bson_destroy (&need);
}
