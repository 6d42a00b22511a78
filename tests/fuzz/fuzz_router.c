/*
 * fuzz_router: the request target of an HTTP request as mutuad reads it, against the real
 * route table (routes/routes.c): libevent's URI parser (as evhttp parses a request line),
 * the path router, and the query-string parser with the parameter parsers every list shares.
 *
 * Input: byte 0 picks the method (and the mode), the rest is the request target.
 *   - Raw mode (byte 0 even): the rest is the request target as received, "/path?query".
 *   - Pattern mode (byte 0 odd): byte 1 picks a route of the table, the rest is split at '\n'
 *     into the values of its parameters, which are percent-encoded into the route's pattern.
 *
 * Invariants:
 *   - no crash; a found route has the wanted method (HEAD served by GET) and Allow names it;
 *   - decoded parameters never hold '/' or NUL, and re-encoded into the matched route's
 *     pattern they give a path that matches the same route with the same parameters;
 *   - in pattern mode, parameters that are non-empty, short enough and free of '/' and NUL
 *     always match and decode back to the values given; any other value matches no route;
 *   - the query re-encoded as the Link header of a list does (request.c) parses back to the
 *     same parameters; "limit" parses to 1..MT_LIST_LIMIT_MAX or is refused.
 */
#include "lists.h"
#include "router.h"
#include "routes.h"

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define FZ_TARGET_MAX 4096

static const char *const fz_methods[] = { "GET",    "HEAD",    "POST",  "PATCH",
                                          "DELETE", "OPTIONS", "OTHER", "PUT" };

static mt_router_t *
fz_router (void)
{
  static mt_router_t *router;
  mt_error_t error;

  if (!router && !(router = mt_router_new (mt_routes, mt_route_count, &error))) {
    abort (); /* the real table must compile */
  }
  return router;
}

/* Percent-encodes every byte of @value (@len bytes) into @out, but the unreserved ones unless
 * @all. */
static bool
fz_encode (const char *value, size_t len, bool all, char *out, size_t size)
{
  static const char hex[] = "0123456789ABCDEF";
  size_t o = 0;

  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char) value[i];
    bool plain = !all && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~');
    if (o + 4 >= size) {
      return false;
    }
    if (plain) {
      out[o++] = (char) c;
    } else {
      out[o++] = '%';
      out[o++] = hex[c >> 4];
      out[o++] = hex[c & 15];
    }
  }
  out[o] = '\0';
  return true;
}

/*
 * Writes @route's pattern into @out with its parameters replaced by @values (encoded).
 * False when it does not fit.
 */
static bool
fz_fill_pattern (const mt_route_t *route, const char *const *values, const size_t *lens,
                 size_t count, bool all, char *out, size_t size)
{
  const char *p = route->pattern;
  size_t o = 0;
  size_t k = 0;

  while (*p) {
    if (*p == '{') {
      const char *close = strchr (p, '}');
      char encoded[3 * MT_ROUTE_PARAM_MAX + 1];
      size_t n;
      if (!close || k == count || !fz_encode (values[k], lens[k], all, encoded, sizeof encoded)) {
        return false;
      }
      n = strlen (encoded);
      if (o + n >= size) {
        return false;
      }
      memcpy (out + o, encoded, n);
      o += n;
      k++;
      p = close + 1;
    } else {
      if (o + 1 >= size) {
        return false;
      }
      out[o++] = *p++;
    }
  }
  out[o] = '\0';
  return k == count;
}

static size_t
fz_param_count (const mt_route_t *route)
{
  size_t n = 0;
  for (const char *p = route->pattern; *p; p++) {
    n += *p == '{';
  }
  return n;
}

/* Checks a found match: parameters, Allow, and the re-encoded path. */
static void
fz_check_found (const char *method, const char *allow, const mt_route_match_t *match)
{
  mt_router_t *router = fz_router ();
  const mt_route_t *route = mt_router_route (router, match->index);
  const char *wanted = strcmp (method, "HEAD") == 0 ? "GET" : method;
  const char *values[MT_ROUTE_MAX_PARAMS];
  size_t lens[MT_ROUTE_MAX_PARAMS];
  char again[4 * MT_ROUTE_PARAM_MAX * MT_ROUTE_MAX_PARAMS + 256];
  mt_route_match_t second;
  char allow2[128];

  if (strcmp (route->method, wanted) != 0 || !strstr (allow, wanted) ||
      match->param_count != fz_param_count (route)) {
    abort ();
  }
  for (size_t i = 0; i < match->param_count; i++) {
    size_t len = strnlen (match->params[i].value, sizeof match->params[i].value);
    if (len == 0 || len == sizeof match->params[i].value ||
        memchr (match->params[i].value, '/', len)) {
      abort (); /* empty, unterminated or holding '/' */
    }
    values[i] = match->params[i].value;
    lens[i] = len;
  }
  /* Every byte encoded, so that no value can equal a literal segment of another route: the
   * first route of the method matching the new path is the same one. */
  if (!fz_fill_pattern (route, values, lens, match->param_count, true, again, sizeof again)) {
    abort ();
  }
  if (mt_router_match (router, method, again, &second, allow2, sizeof allow2) != MT_ROUTE_FOUND ||
      second.index != match->index || second.param_count != match->param_count ||
      !strstr (allow2, wanted)) {
    abort ();
  }
  for (size_t i = 0; i < match->param_count; i++) {
    if (strcmp (second.params[i].name, match->params[i].name) != 0 ||
        strcmp (second.params[i].value, match->params[i].value) != 0) {
      abort ();
    }
  }
  if (strcmp (method, "HEAD") != 0 &&
      mt_router_max_body (router, method, again) != route->max_body) {
    abort ();
  }
}

/* The query parsed, re-encoded as the Link header does, and parsed again. */
static void
fz_query_round_trip (const char *query)
{
  struct evkeyvalq first;
  struct evkeyvalq second;
  struct evkeyval *a;
  struct evkeyval *b;
  char *text = NULL;
  size_t cap = 0;
  size_t len = 0;

  TAILQ_INIT (&first);
  TAILQ_INIT (&second);
  if (evhttp_parse_query_str (query, &first) != 0) {
    goto done;
  }
  /* As request.c writes the Link header of the next page: every key and value encoded. */
  TAILQ_FOREACH (a, &first, next)
  {
    char *k = evhttp_encode_uri (a->key);
    char *v = evhttp_encode_uri (a->value);
    size_t need;
    if (!k || !v) {
      abort ();
    }
    need = len + strlen (k) + strlen (v) + 3;
    if (need > cap) {
      cap = need * 2;
      text = realloc (text, cap);
      if (!text) {
        abort ();
      }
    }
    len += (size_t) snprintf (text + len, cap - len, "%s%s=%s", len ? "&" : "", k, v);
    free (k);
    free (v);
  }
  if (text && evhttp_parse_query_str (text, &second) != 0) {
    abort ();
  }
  b = TAILQ_FIRST (&second);
  TAILQ_FOREACH (a, &first, next)
  {
    /* Keys are not decoded by the parser: only plain keys can come back unchanged. */
    bool plain_key = strspn (a->key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                     "0123456789-._~") == strlen (a->key);
    if (!b || strcmp (a->value, b->value) != 0 || (plain_key && strcmp (a->key, b->key) != 0)) {
      abort ();
    }
    b = TAILQ_NEXT (b, next);
  }
  if (b) {
    abort ();
  }
  {
    uint32_t limit = 0;
    mt_error_t error;
    const char *text_limit = evhttp_find_header (&first, "limit");
    if (mt_list_limit_parse (text_limit, &limit, &error)) {
      if (limit < 1 || limit > MT_LIST_LIMIT_MAX) {
        abort ();
      }
    } else if (error.code != MT_ERR_BAD_REQUEST || !text_limit) {
      abort ();
    }
  }
done:
  free (text);
  evhttp_clear_headers (&first);
  evhttp_clear_headers (&second);
}

/* The raw request target, as mutuad's dispatcher sees it. */
static void
fz_raw (const char *method, const char *target)
{
  mt_router_t *router = fz_router ();
  struct evhttp_uri *uri = evhttp_uri_parse_with_flags (target, EVHTTP_URI_NONCONFORMANT);
  const char *path;
  const char *query;
  char clean[2048];
  mt_route_match_t match;
  char allow[128];
  mt_route_result_t found;

  if (!uri) {
    return;
  }
  path = evhttp_uri_get_path (uri);
  query = evhttp_uri_get_query (uri);
  snprintf (clean, sizeof clean, "%s", path && *path ? path : "/");
  memset (&match, 0x5a, sizeof match);
  found = mt_router_match (router, method, clean, &match, allow, sizeof allow);
  if (found == MT_ROUTE_FOUND) {
    fz_check_found (method, allow, &match);
  } else if (found == MT_ROUTE_METHOD_NOT_ALLOWED) {
    if (!allow[0] || !strstr (allow, "OPTIONS")) {
      abort ();
    }
  } else if (found != MT_ROUTE_NOT_FOUND) {
    abort ();
  }
  if (query) {
    fz_query_round_trip (query);
  }
  evhttp_uri_free (uri);
}

/* A route's pattern filled with fuzzed parameter values. */
static void
fz_pattern (const char *method, const uint8_t *data, size_t size)
{
  mt_router_t *router = fz_router ();
  const mt_route_t *route;
  const char *values[MT_ROUTE_MAX_PARAMS] = { NULL };
  size_t lens[MT_ROUTE_MAX_PARAMS] = { 0 };
  size_t count;
  size_t k = 0;
  bool valid = true;
  char path[8192];
  mt_route_match_t match;
  char allow[128];
  mt_route_result_t found;

  if (size < 1) {
    return;
  }
  route = mt_router_route (router, data[0] % mt_router_count (router));
  count = fz_param_count (route);
  data++;
  size--;
  for (size_t i = 0; k < count; k++) {
    const uint8_t *nl = i < size ? memchr (data + i, '\n', size - i) : NULL;
    size_t end = nl ? (size_t) (nl - data) : size;
    values[k] = (const char *) data + (i < size ? i : size);
    lens[k] = end > i ? end - i : 0;
    i = end + 1;
  }
  for (k = 0; k < count; k++) {
    if (lens[k] == 0 || lens[k] >= MT_ROUTE_PARAM_MAX || memchr (values[k], '/', lens[k]) ||
        memchr (values[k], '\0', lens[k])) {
      valid = false;
    }
  }
  if (!fz_fill_pattern (route, values, lens, count, false, path, sizeof path)) {
    return;
  }
  found = mt_router_match (router, route->method, path, &match, allow, sizeof allow);
  if (valid) {
    /* Found: this route, or an earlier one of the same method whose literal segment equals a
     * value (e.g. "/v1/me/export" before "/v1/me/{x}"). */
    if (found != MT_ROUTE_FOUND) {
      abort ();
    }
    fz_check_found (route->method, allow, &match);
    if (strcmp (mt_router_route (router, match.index)->pattern, route->pattern) == 0) {
      for (k = 0; k < count; k++) {
        if (strlen (match.params[k].value) != lens[k] ||
            memcmp (match.params[k].value, values[k], lens[k]) != 0) {
          abort ();
        }
      }
    }
  } else if (count > 0 && found != MT_ROUTE_NOT_FOUND) {
    /* A value that cannot be a segment ('/' or NUL encoded, too long): a path no route
     * matches, whatever the method. */
    abort ();
  }
  fz_raw (method, path);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *method;
  char target[FZ_TARGET_MAX + 1];

  if (size < 1 || size > FZ_TARGET_MAX) {
    return 0;
  }
  method = fz_methods[(data[0] >> 1) % (sizeof fz_methods / sizeof fz_methods[0])];
  if (data[0] & 1) {
    fz_pattern (method, data + 1, size - 1);
    return 0;
  }
  /* A request line cannot hold NUL (the guard refuses it): the target ends there. */
  memcpy (target, data + 1, size - 1);
  target[size - 1] = '\0';
  fz_raw (method, target);
  return 0;
}
