/* routes_search: search of listings and availability of a good (services/search.h). */
#include "routes.h"

#include "search.h"

void
mt_route_listings_search (mt_request_t *r)
{
  mt_search_params_t params = {
    .q = mt_request_query (r, "q"),
    .kind = mt_request_query (r, "kind"),
    .category = mt_request_query (r, "category"),
    .departement = mt_request_query (r, "departement"),
    .owner = mt_request_query (r, "owner"),
    .network = mt_request_query (r, "network"),
    .status = mt_request_query (r, "status"),
    .available_from = mt_request_query (r, "available_from"),
    .available_to = mt_request_query (r, "available_to"),
    .sort = mt_request_query (r, "sort"),
    .limit = mt_request_query (r, "limit"),
    .cursor = mt_request_query (r, "cursor"),
  };
  char next_cursor[MT_STORE_CURSOR_MAX];
  bson_t items;
  mt_error_t error = { 0 };

  if (!mt_search_run (mt_request_ctx (r), &params, &items, next_cursor, &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_reply_list (r, &items, next_cursor);
  }
  bson_destroy (&items);
}

void
mt_route_listing_availability (mt_request_t *r)
{
  bson_t answer;
  mt_error_t error = { 0 };

  if (!mt_search_availability (mt_request_ctx (r), mt_request_param (r, "id"),
                               mt_request_query (r, "from"), mt_request_query (r, "to"), &answer,
                               &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_reply_json (r, 200, &answer);
  }
  bson_destroy (&answer);
}
