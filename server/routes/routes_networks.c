/* routes_networks: the networks of the deployment (services/networks.h). */
#include "routes.h"

#include "mt_bson.h"
#include "networks.h"

#include <stdio.h>

void
mt_route_networks_list (mt_request_t *r)
{
  bson_t items;
  mt_error_t error = { 0 };

  if (!mt_networks_list (mt_request_ctx (r), &items, &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_reply_list (r, &items, NULL);
  }
  bson_destroy (&items);
}

void
mt_route_networks_create (mt_request_t *r)
{
  bson_t network;
  mt_error_t error = { 0 };

  if (!mt_network_create (mt_request_ctx (r), mt_request_body (r), &network, &error)) {
    mt_reply_problem (r, &error);
  } else {
    char location[96];
    snprintf (location, sizeof location, "/v1/networks/%s", mt_bson_str (&network, "id"));
    mt_request_set_header (r, "Location", location);
    mt_reply_json_versioned (r, 201, &network);
  }
  bson_destroy (&network);
}
