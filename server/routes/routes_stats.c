/*
 * routes_stats: GET /v1/admin/stats (services/stats.h).
 */
#include "routes.h"

#include "stats.h"

void
mt_route_admin_stats (mt_request_t *r)
{
  mt_stats_query_t query = {
    .from = mt_request_query (r, "from"),
    .to = mt_request_query (r, "to"),
    .network = mt_request_query (r, "network"),
    .departement = mt_request_query (r, "departement"),
  };
  bson_t stats;
  mt_error_t error = { 0 };

  if (!mt_stats_compute (mt_request_ctx (r), &query, &stats, &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_reply_json (r, 200, &stats);
  }
  bson_destroy (&stats);
}
