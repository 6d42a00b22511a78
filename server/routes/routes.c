/*
 * routes: the one table of every endpoint of mutuad: {method, path pattern, handler, auth,
 * body schema, body limit}. schemas/openapi.json describes the same endpoints; a test keeps
 * the two in step.
 */
#include "routes.h"

#define ROUTE(method, pattern, handler, auth, schema, summary)                                     \
  {                                                                                                \
    method, pattern, handler, auth, schema, 0, summary                                             \
  }

const mt_route_t mt_routes[] = {
  /* ops */
  ROUTE ("GET", "/healthz", mt_route_healthz, MT_AUTH_NONE, NULL, "liveness"),
  ROUTE ("GET", "/readyz", mt_route_readyz, MT_AUTH_NONE, NULL, "readiness (store reachable)"),
  ROUTE ("GET", "/metrics", mt_route_metrics, MT_AUTH_NONE, NULL, "Prometheus metrics"),
  ROUTE ("GET", "/v1/openapi.json", mt_route_openapi, MT_AUTH_NONE, NULL, "OpenAPI description"),
};

const size_t mt_route_count = sizeof mt_routes / sizeof mt_routes[0];
