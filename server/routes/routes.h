/*
 * routes: the route table of mutuad (routes.c) and the handlers it names, one file per area
 * (routes_ops.c, routes_auth.c, routes_me.c, routes_members.c, routes_admin.c, ...).
 *
 * Handlers decode what the dispatcher has not (query parameters, If-Match), call one
 * service, and encode its result; the rules themselves live in services/.
 */
#ifndef MT_ROUTES_H
#define MT_ROUTES_H

#include "request.h"

extern const mt_route_t mt_routes[];
extern const size_t mt_route_count;

/* ops */
void mt_route_healthz (mt_request_t *r);
void mt_route_readyz (mt_request_t *r);
void mt_route_metrics (mt_request_t *r);
void mt_route_openapi (mt_request_t *r);

#endif
