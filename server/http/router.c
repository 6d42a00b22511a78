/*
 * router: patterns are split into segments once; matching walks the table (a few dozen
 * routes) comparing segments without allocating.
 */
#include "router.h"

#include "mt_b64.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const mt_route_t *route;
  size_t segment_count;
  struct {
    const char *text; /* literal text, or the parameter name */
    size_t len;
    bool param;
  } segments[MT_ROUTE_MAX_SEGMENTS];
  char label[160];
} mt_compiled_route_t;

struct mt_router {
  mt_compiled_route_t *routes;
  const char **labels;
  size_t count;
};

static bool
mt_router_compile (const mt_route_t *route, mt_compiled_route_t *out)
{
  const char *p = route->pattern;

  memset (out, 0, sizeof *out);
  out->route = route;
  snprintf (out->label, sizeof out->label, "%s %s", route->method, route->pattern);
  if (*p != '/') {
    return false;
  }
  if (strcmp (p, "/") == 0) {
    return true; /* no segments */
  }
  while (*p == '/') {
    const char *start = ++p;
    size_t len;
    if (out->segment_count == MT_ROUTE_MAX_SEGMENTS) {
      return false;
    }
    while (*p && *p != '/') {
      p++;
    }
    len = (size_t) (p - start);
    if (len == 0) {
      return false;
    }
    if (start[0] == '{') {
      if (len < 3 || start[len - 1] != '}' || len - 2 >= 32) {
        return false;
      }
      out->segments[out->segment_count].text = start + 1;
      out->segments[out->segment_count].len = len - 2;
      out->segments[out->segment_count].param = true;
    } else {
      out->segments[out->segment_count].text = start;
      out->segments[out->segment_count].len = len;
    }
    out->segment_count++;
  }
  return *p == '\0';
}

mt_router_t *
mt_router_new (const mt_route_t *routes, size_t count, mt_error_t *error)
{
  mt_router_t *router = calloc (1, sizeof *router);

  if (!router || !(router->routes = calloc (count, sizeof *router->routes)) ||
      !(router->labels = calloc (count, sizeof *router->labels))) {
    mt_error_set (error, MT_DOMAIN_HTTP, MT_ERR_INTERNAL, "mémoire insuffisante", "out of memory");
    mt_router_destroy (router);
    return NULL;
  }
  for (size_t i = 0; i < count; i++) {
    if (!mt_router_compile (&routes[i], &router->routes[i])) {
      mt_error_set (error, MT_DOMAIN_HTTP, MT_ERR_INTERNAL, "route mal formée : %s %s",
                    "malformed route: %s %s", routes[i].method, routes[i].pattern);
      mt_router_destroy (router);
      return NULL;
    }
    for (size_t k = 0; k < i; k++) {
      if (strcmp (routes[k].method, routes[i].method) == 0 &&
          strcmp (routes[k].pattern, routes[i].pattern) == 0) {
        mt_error_set (error, MT_DOMAIN_HTTP, MT_ERR_INTERNAL, "route en double : %s %s",
                      "duplicate route: %s %s", routes[i].method, routes[i].pattern);
        mt_router_destroy (router);
        return NULL;
      }
    }
    router->labels[i] = router->routes[i].label;
    router->count++;
  }
  return router;
}

void
mt_router_destroy (mt_router_t *router)
{
  if (router) {
    free (router->routes);
    free (router->labels);
    free (router);
  }
}

/* Percent-decodes a segment; refuses bad escapes, NUL and '/'. */
static bool
mt_router_decode (const char *s, size_t len, char *out, size_t size)
{
  size_t o = 0;

  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (c == '%') {
      int hi;
      int lo;
      if (i + 2 >= len) {
        return false; /* a '%' needs two hex digits after it */
      }
      hi = mt_hex_value (s[i + 1]);
      lo = mt_hex_value (s[i + 2]);
      if (hi < 0 || lo < 0) {
        return false;
      }
      c = (char) (hi * 16 + lo);
      i += 2;
      if (c == '\0' || c == '/') {
        return false;
      }
    }
    if (o + 1 >= size) {
      return false;
    }
    out[o++] = c;
  }
  out[o] = '\0';
  return true;
}

/* Matches the path only (any method). Fills @match's params when @match is not NULL. */
static bool
mt_router_match_path (const mt_compiled_route_t *cr, const char *path, mt_route_match_t *match)
{
  const char *p = path;
  size_t seg = 0;

  if (match) {
    match->param_count = 0;
  }
  if (path[0] != '/') {
    return false;
  }
  if (strcmp (path, "/") == 0) {
    return cr->segment_count == 0;
  }
  while (*p == '/') {
    const char *start = ++p;
    size_t len;
    while (*p && *p != '/') {
      p++;
    }
    len = (size_t) (p - start);
    if (len == 0 || seg == cr->segment_count) {
      return false;
    }
    if (cr->segments[seg].param) {
      /* A segment that does not decode (bad escape, NUL, "%2F") matches no route, for the
       * method test too: 404, not 405. */
      char scratch[MT_ROUTE_PARAM_MAX];
      char *value = scratch;
      size_t size = sizeof scratch;
      if (match) {
        size_t k = match->param_count++;
        /* Pattern names are shorter than the field (checked when compiled). */
        memcpy (match->params[k].name, cr->segments[seg].text, cr->segments[seg].len);
        match->params[k].name[cr->segments[seg].len] = '\0';
        value = match->params[k].value;
        size = sizeof match->params[k].value;
      }
      if (!mt_router_decode (start, len, value, size)) {
        return false;
      }
    } else if (len != cr->segments[seg].len || memcmp (start, cr->segments[seg].text, len) != 0) {
      return false;
    }
    seg++;
  }
  return *p == '\0' && seg == cr->segment_count;
}

/* The number of segments of @path ("/" has none; "/v1/listings/x" three). A route with
 * another count cannot match: the tables are walked comparing only those that can. */
static size_t
mt_router_path_segments (const char *path, size_t len)
{
  size_t count = 0;

  if (len == 1 && path[0] == '/') {
    return 0;
  }
  for (size_t i = 0; i < len; i++) {
    count += path[i] == '/';
  }
  return count;
}

static void
mt_router_add_allow (char *allow, size_t size, const char *method)
{
  size_t n = strlen (allow);
  if (strstr (allow, method)) {
    return;
  }
  snprintf (allow + n, size - n, "%s%s", n ? ", " : "", method);
}

mt_route_result_t
mt_router_match (const mt_router_t *router, const char *method, const char *path,
                 mt_route_match_t *match, char *allow, size_t allow_size)
{
  const char *wanted = strcmp (method, "HEAD") == 0 ? "GET" : method;
  size_t segments = mt_router_path_segments (path, strlen (path));
  bool path_known = false;
  bool found = false;

  if (allow && allow_size) {
    allow[0] = '\0';
  }
  for (size_t i = 0; i < router->count; i++) {
    const mt_compiled_route_t *cr = &router->routes[i];
    bool wanted_method;
    mt_route_match_t scratch;

    if (cr->segment_count != segments) {
      continue;
    }
    wanted_method = !found && strcmp (cr->route->method, wanted) == 0;
    /* Parameters are decoded here too: a path whose segment does not decode (%2F, %00, a
     * bad escape) matches no route at all, and is 404 rather than 405. */
    scratch.param_count = 0;
    if (!mt_router_match_path (cr, path, wanted_method ? match : &scratch)) {
      continue;
    }
    path_known = true;
    if (allow) {
      mt_router_add_allow (allow, allow_size, cr->route->method);
      if (strcmp (cr->route->method, "GET") == 0) {
        mt_router_add_allow (allow, allow_size, "HEAD");
      }
    }
    if (wanted_method) {
      match->index = i;
      found = true;
    }
  }
  if (allow && path_known) {
    mt_router_add_allow (allow, allow_size, "OPTIONS");
  }
  if (found) {
    return MT_ROUTE_FOUND;
  }
  return path_known ? MT_ROUTE_METHOD_NOT_ALLOWED : MT_ROUTE_NOT_FOUND;
}

size_t
mt_router_max_body (const mt_router_t *router, const char *method, const char *path)
{
  char clean[2048];
  const char *q = strchr (path, '?');
  size_t len = q ? (size_t) (q - path) : strlen (path);

  if (len >= sizeof clean) {
    return 0;
  }
  memcpy (clean, path, len);
  clean[len] = '\0';
  size_t segments = mt_router_path_segments (clean, len);
  for (size_t i = 0; i < router->count; i++) {
    const mt_compiled_route_t *cr = &router->routes[i];
    if (cr->segment_count == segments && strcmp (cr->route->method, method) == 0 &&
        mt_router_match_path (cr, clean, NULL)) {
      return cr->route->max_body;
    }
  }
  return 0;
}

size_t
mt_router_count (const mt_router_t *router)
{
  return router->count;
}

const mt_route_t *
mt_router_route (const mt_router_t *router, size_t index)
{
  return router->routes[index].route;
}

const char *
mt_router_label (const mt_router_t *router, size_t index)
{
  return index < router->count ? router->routes[index].label : "unmatched";
}

const char *const *
mt_router_labels (const mt_router_t *router)
{
  return router->labels;
}
