/*
 * router: matches a method and a raw path against the route table (routes/routes.c).
 * Patterns are literal segments and "{name}" parameters that match one non-empty segment;
 * the match is exact (no trailing slash, no empty segment). HEAD is served by GET routes.
 */
#ifndef MT_ROUTER_H
#define MT_ROUTER_H

#include "request.h"

#define MT_ROUTE_MAX_PARAMS 4
#define MT_ROUTE_PARAM_MAX 256
#define MT_ROUTE_MAX_SEGMENTS 8

typedef struct mt_router mt_router_t;

typedef struct {
  size_t index; /* index of the route in the table */
  size_t param_count;
  struct {
    char name[32];
    char value[MT_ROUTE_PARAM_MAX]; /* percent-decoded */
  } params[MT_ROUTE_MAX_PARAMS];
} mt_route_match_t;

typedef enum {
  MT_ROUTE_FOUND = 0,
  MT_ROUTE_NOT_FOUND,
  MT_ROUTE_METHOD_NOT_ALLOWED, /* the path exists with other methods: see @allow */
} mt_route_result_t;

/* Compiles @routes (borrowed, must outlive the router). Fails on a malformed pattern or two
 * routes with the same method and pattern. */
mt_router_t *mt_router_new (const mt_route_t *routes, size_t count, mt_error_t *error);
void mt_router_destroy (mt_router_t *router);

/*
 * Matches. On MT_ROUTE_METHOD_NOT_ALLOWED (and on MT_ROUTE_FOUND too) @allow receives the
 * methods the path accepts, e.g. "GET, HEAD, PATCH, OPTIONS".
 */
mt_route_result_t mt_router_match (const mt_router_t *router, const char *method, const char *path,
                                   mt_route_match_t *match, char *allow, size_t allow_size);

/* The body limit of the route matching @method and @path (0 when none or unmatched). */
size_t mt_router_max_body (const mt_router_t *router, const char *method, const char *path);

size_t mt_router_count (const mt_router_t *router);
const mt_route_t *mt_router_route (const mt_router_t *router, size_t index);
/* "GET /v1/members/{id}": the label used in metrics and logs. */
const char *mt_router_label (const mt_router_t *router, size_t index);
/* The labels as an array (for mt_metrics_new). */
const char *const *mt_router_labels (const mt_router_t *router);

#endif
