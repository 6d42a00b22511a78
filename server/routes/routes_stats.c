/*
 * routes_stats: GET /v1/admin/stats (services/stats.h).
 */
#include "routes.h"

#include "stats.h"

#include <string.h>

void
mt_route_admin_stats (mt_request_t *r)
{
  mt_stats_query_t query = {
    .from = mt_request_query (r, "from"),
    .to = mt_request_query (r, "to"),
    .network = mt_request_query (r, "network"),
    .departement = mt_request_query (r, "departement"),
  };
  const char *territory = mt_request_query (r, "territory");
  bson_t stats;
  mt_error_t error = { 0 };

  bson_init (&stats);
  /* "territory" (the name SPEC gives the filter) is a synonym of "departement" (the name of
   * every other list's filter): a département code. */
  if (territory && query.departement && strcmp (territory, query.departement) != 0) {
    mt_error_set (&error, MT_DOMAIN_SERVICE, MT_ERR_BAD_REQUEST,
                  "territory et departement diffèrent (ce sont deux noms du même filtre)",
                  "territory and departement differ (they are two names of one filter)");
    mt_error_set_path (&error, "territory");
    mt_reply_problem (r, &error);
    goto done;
  }
  if (territory) {
    query.departement = territory;
  }
  bson_destroy (&stats);
  if (!mt_stats_compute (mt_request_ctx (r), &query, &stats, &error)) {
    if (territory && strcmp (error.path, "departement") == 0) {
      mt_error_set_path (&error, "territory"); /* the name the caller used */
    }
    mt_reply_problem (r, &error);
  } else {
    mt_reply_json (r, 200, &stats);
  }
done:
  bson_destroy (&stats);
}
