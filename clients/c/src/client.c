/*
 * libmutua-client: the API functions of include/mutua/client.h. Each operation builds its
 * path (ids and query values percent-encoded) and JSON body, then goes through
 * mutua_request; transport.c does the HTTP.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MUTUA_DEFAULT_TIMEOUT_MS 30000u
#define MUTUA_HOST_MAX 256
#define MUTUA_PREFIX_MAX 512

struct mutua_client {
  mutua_transport_t *transport;
  char host[MUTUA_HOST_MAX];
  uint16_t port;
  char prefix[MUTUA_PREFIX_MAX];
  char *token; /* malloc'd, or NULL */
  char language[MUTUA_HEADER_VALUE_MAX + 1];
  uint32_t timeout_ms;
  char etag[128]; /* of the last 2xx answer */
};

/* Initialises @out (may be NULL) and clears @error: the start of every call. */
static void
begin (bson_t *out, mutua_error_t *error)
{
  if (out) {
    bson_init (out);
  }
  mutua_error_clear (error);
}

MUTUA_PUBLIC mutua_client_t *
mutua_client_new (const char *base_url, mutua_error_t *error)
{
  mutua_client_t *client = NULL;

  mutua_error_clear (error);
  client = calloc (1, sizeof *client);
  if (!client) {
    mutua_error_set (error, MUTUA_ERROR_MEMORY, "out of memory");
    goto done;
  }
  if (!mutua_base_url_parse (base_url, client->host, sizeof client->host, &client->port,
                             client->prefix, sizeof client->prefix)) {
    mutua_error_set (error, MUTUA_ERROR_INVALID,
                     "the base URL must be http://host[:port][/prefix] (https is not supported)");
    free (client);
    client = NULL;
    goto done;
  }
  client->transport = mutua_transport_new ();
  if (!client->transport) {
    mutua_error_set (error, MUTUA_ERROR_MEMORY, "out of memory");
    free (client);
    client = NULL;
    goto done;
  }
  client->timeout_ms = MUTUA_DEFAULT_TIMEOUT_MS;
  memcpy (client->language, "fr", 3);

done:
  return client;
}

static void
forget_token (mutua_client_t *client)
{
  if (client->token) {
    bson_zero_free (client->token, strlen (client->token));
    client->token = NULL;
  }
}

MUTUA_PUBLIC void
mutua_client_destroy (mutua_client_t *client)
{
  if (!client) {
    return;
  }
  forget_token (client);
  mutua_transport_destroy (client->transport);
  free (client);
}

MUTUA_PUBLIC void
mutua_client_set_timeout (mutua_client_t *client, uint32_t timeout_ms)
{
  if (client) {
    client->timeout_ms = timeout_ms == 0 ? 1 : timeout_ms;
  }
}

MUTUA_PUBLIC bool
mutua_client_set_token (mutua_client_t *client, const char *token, mutua_error_t *error)
{
  char *copy;

  mutua_error_clear (error);
  if (!client) {
    mutua_error_set (error, MUTUA_ERROR_INVALID, "client is NULL");
    return false;
  }
  if (!token) {
    forget_token (client);
    return true;
  }
  if (!mutua_header_value_ok (token, MUTUA_TOKEN_MAX) || strchr (token, ' ')) {
    mutua_error_set (error, MUTUA_ERROR_INVALID,
                     "the token must be 1 to %u printable characters without spaces",
                     (unsigned) MUTUA_TOKEN_MAX);
    return false;
  }
  copy = strdup (token);
  if (!copy) {
    mutua_error_set (error, MUTUA_ERROR_MEMORY, "out of memory");
    return false;
  }
  forget_token (client);
  client->token = copy;
  return true;
}

MUTUA_PUBLIC const char *
mutua_client_token (const mutua_client_t *client)
{
  return client ? client->token : NULL;
}

MUTUA_PUBLIC const char *
mutua_client_etag (const mutua_client_t *client)
{
  return client ? client->etag : "";
}

MUTUA_PUBLIC bool
mutua_client_set_language (mutua_client_t *client, const char *lang, mutua_error_t *error)
{
  mutua_error_clear (error);
  if (!client) {
    mutua_error_set (error, MUTUA_ERROR_INVALID, "client is NULL");
    return false;
  }
  if (!mutua_header_value_ok (lang, 32)) {
    mutua_error_set (error, MUTUA_ERROR_INVALID,
                     "the language must be 1 to 32 printable characters (\"fr\", \"en\")");
    return false;
  }
  memcpy (client->language, lang, strlen (lang) + 1);
  return true;
}

static bool
is_2xx (int status)
{
  return status >= 200 && status < 300;
}

static bool
is_json_type (const char *content_type)
{
  return strncasecmp (content_type, "application/json", 16) == 0 ||
         strncasecmp (content_type, "application/problem+json", 24) == 0;
}

/*
 * The common part of mutua_request and mutua_request_raw: checks, sends, and turns a non-2xx
 * answer into MUTUA_ERROR_HTTP (or PROTOCOL). True for a 2xx answer, then in @resp (the
 * caller frees resp->body).
 */
static bool
send_request (mutua_client_t *client, const char *method, const char *path, const bson_t *body,
              bool no_body, const char *if_match, const char *idempotency_key,
              mutua_transport_response_t *resp, mutua_error_t *error)
{
  mutua_transport_request_t req;
  mutua_path_t full;
  char *json = NULL;
  size_t json_len = 0;
  bool ok = false;

  memset (resp, 0, sizeof *resp);
  if (!client || !method || !path) {
    mutua_error_set (error, MUTUA_ERROR_INVALID, "client, method and path are required");
    goto done;
  }
  if (path[0] != '/' || !mutua_header_value_ok (path, MUTUA_PATH_MAX) || strchr (path, ' ') ||
      strchr (path, '#')) {
    mutua_error_set (error, MUTUA_ERROR_INVALID,
                     "the path must start with '/' and hold no space, '#' or control character");
    goto done;
  }
  if ((if_match && !mutua_header_value_ok (if_match, MUTUA_HEADER_VALUE_MAX)) ||
      (idempotency_key && !mutua_header_value_ok (idempotency_key, MUTUA_HEADER_VALUE_MAX))) {
    mutua_error_set (error, MUTUA_ERROR_INVALID,
                     "If-Match and the idempotency key must be 1 to %u printable characters",
                     (unsigned) MUTUA_HEADER_VALUE_MAX);
    goto done;
  }
  mutua_path_init (&full);
  mutua_path_add (&full, client->prefix);
  mutua_path_add (&full, path);
  if (full.overflow) {
    mutua_error_set (error, MUTUA_ERROR_INVALID, "the path is longer than %u bytes",
                     (unsigned) MUTUA_PATH_MAX);
    goto done;
  }
  if (body) {
    json = bson_as_relaxed_extended_json (body, &json_len);
    if (!json) {
      mutua_error_set (error, MUTUA_ERROR_INVALID, "the body cannot be written as JSON");
      goto done;
    }
  }
  memset (&req, 0, sizeof req);
  req.method = method;
  req.host = client->host;
  req.port = client->port;
  req.path = full.data;
  if (json) {
    req.body = json;
    req.body_len = json_len;
  } else if (!no_body && (strcmp (method, "POST") == 0 || strcmp (method, "PUT") == 0 ||
                          strcmp (method, "PATCH") == 0)) {
    req.body = "{}";
    req.body_len = 2;
  }
  req.token = client->token;
  req.language = client->language[0] ? client->language : NULL;
  req.if_match = if_match;
  req.idempotency_key = idempotency_key;
  req.timeout_ms = client->timeout_ms;
  client->etag[0] = '\0';
  if (!mutua_transport_call (client->transport, &req, resp, error)) {
    goto done;
  }
  if (is_2xx (resp->status)) {
    memcpy (client->etag, resp->etag, sizeof client->etag);
    ok = true;
  } else if (resp->status >= 400 && resp->status <= 599) {
    mutua_problem_parse (resp->status, resp->body, resp->body_len,
                         resp->retry_after[0] ? resp->retry_after : NULL, error);
  } else {
    mutua_error_set (error, MUTUA_ERROR_PROTOCOL, "unexpected HTTP status %d", resp->status);
    if (error) {
      error->status = resp->status;
    }
  }

done:
  if (json) {
    /* The body may hold a password. */
    bson_zero_free (json, json_len);
  }
  if (!ok) {
    free (resp->body);
    resp->body = NULL;
  }
  return ok;
}

/* mutua_request, and without any body when @no_body (POST /v1/auth/logout takes none). */
static bool
request_json (mutua_client_t *client, const char *method, const char *path, const bson_t *body,
              bool no_body, const char *if_match, const char *idempotency_key, bson_t *out,
              mutua_error_t *error)
{
  mutua_transport_response_t resp;
  bson_t parsed;
  bson_error_t json_error;
  bool ok = false;

  begin (out, error);
  if (!out) {
    mutua_error_set (error, MUTUA_ERROR_INVALID, "out is required");
    return false;
  }
  if (!send_request (client, method, path, body, no_body, if_match, idempotency_key, &resp,
                     error)) {
    goto done;
  }
  if (resp.body_len == 0) {
    ok = true;
    goto done;
  }
  if (!is_json_type (resp.content_type) || !mutua_json_is_object (resp.body, resp.body_len)) {
    mutua_error_set (error, MUTUA_ERROR_PROTOCOL, "the answer is not a JSON object");
    goto done;
  }
  if (!bson_init_from_json (&parsed, resp.body, (ssize_t) resp.body_len, &json_error)) {
    mutua_error_set (error, MUTUA_ERROR_PROTOCOL, "the answer is not valid JSON: %s",
                     json_error.message);
    goto done;
  }
  bson_destroy (out);
  bson_steal (out, &parsed);
  ok = true;

done:
  free (resp.body);
  return ok;
}

MUTUA_PUBLIC bool
mutua_request (mutua_client_t *client, const char *method, const char *path, const bson_t *body,
               const char *if_match, const char *idempotency_key, bson_t *out, mutua_error_t *error)
{
  return request_json (client, method, path, body, false, if_match, idempotency_key, out, error);
}

MUTUA_PUBLIC bool
mutua_request_raw (mutua_client_t *client, const char *method, const char *path, char **data,
                   size_t *len, mutua_error_t *error)
{
  mutua_transport_response_t resp;
  bool ok = false;

  mutua_error_clear (error);
  if (data) {
    *data = NULL;
  }
  if (len) {
    *len = 0;
  }
  if (!data || !len) {
    mutua_error_set (error, MUTUA_ERROR_INVALID, "data and len are required");
    return false;
  }
  if (!send_request (client, method, path, NULL, false, NULL, NULL, &resp, error)) {
    goto done;
  }
  *data = resp.body;
  *len = resp.body_len;
  resp.body = NULL;
  ok = true;

done:
  free (resp.body);
  return ok;
}

/* ---- Helpers of the operations ------------------------------------------------------------ */

/* Checks that the required string @value is given; sets @error otherwise. */
static bool
required (const char *value, const char *name, mutua_error_t *error)
{
  if (!value || !value[0]) {
    mutua_error_set (error, MUTUA_ERROR_INVALID, "%s is required", name);
    return false;
  }
  return true;
}

static bool
path_ok (const mutua_path_t *path, mutua_error_t *error)
{
  if (path->overflow) {
    mutua_error_set (error, MUTUA_ERROR_INVALID, "the path is longer than %u bytes",
                     (unsigned) MUTUA_PATH_MAX);
    return false;
  }
  return true;
}

/* GET or POST of @base/@id[/@action]. */
static bool
on_resource (mutua_client_t *client, const char *method, const char *base, const char *id,
             const char *action, const bson_t *body, const char *if_match, bson_t *out,
             mutua_error_t *error)
{
  mutua_path_t path;

  begin (out, error);
  if (!required (id, "id", error) || (action && !required (action, "action", error))) {
    return false;
  }
  mutua_path_init (&path);
  mutua_path_add (&path, base);
  mutua_path_add (&path, "/");
  mutua_path_add_segment (&path, id);
  if (action) {
    mutua_path_add (&path, "/");
    mutua_path_add_segment (&path, action);
  }
  if (!path_ok (&path, error)) {
    return false;
  }
  return mutua_request (client, method, path.data, body, if_match, NULL, out, error);
}

/* ---- Sessions ------------------------------------------------------------------------------ */

MUTUA_PUBLIC bool
mutua_login (mutua_client_t *client, const char *email, const char *password, bson_t *out,
             mutua_error_t *error)
{
  bson_t body = BSON_INITIALIZER;
  bson_iter_t iter;
  bool ok = false;

  begin (out, error);
  if (!required (email, "email", error) || !required (password, "password", error)) {
    goto done;
  }
  BSON_APPEND_UTF8 (&body, "email", email);
  BSON_APPEND_UTF8 (&body, "password", password);
  if (!mutua_request (client, "POST", "/v1/auth/login", &body, NULL, NULL, out, error)) {
    goto done;
  }
  if (!bson_iter_init_find (&iter, out, "token") || !BSON_ITER_HOLDS_UTF8 (&iter)) {
    bson_reinit (out);
    mutua_error_set (error, MUTUA_ERROR_PROTOCOL, "the sign-in answer holds no token");
    goto done;
  }
  if (!mutua_client_set_token (client, bson_iter_utf8 (&iter, NULL), error)) {
    bson_reinit (out);
    goto done;
  }
  ok = true;

done:
  /* The body holds the password: wipe it. */
  {
    uint32_t len = 0;
    uint8_t *data = bson_destroy_with_steal (&body, true, &len);
    if (data) {
      bson_zero_free (data, len);
    }
  }
  return ok;
}

MUTUA_PUBLIC bool
mutua_logout (mutua_client_t *client, mutua_error_t *error)
{
  bson_t out;
  bool ok = request_json (client, "POST", "/v1/auth/logout", NULL, true, NULL, NULL, &out, error);

  bson_destroy (&out);
  if (ok) {
    forget_token (client);
  }
  return ok;
}

MUTUA_PUBLIC bool
mutua_me (mutua_client_t *client, bson_t *out, mutua_error_t *error)
{
  return mutua_request (client, "GET", "/v1/me", NULL, NULL, NULL, out, error);
}

/* ---- Listings and needs -------------------------------------------------------------------- */

static bool
search (mutua_client_t *client, const char *base, const mutua_listing_query_t *query,
        bool with_availability, bson_t *out, mutua_error_t *error)
{
  mutua_path_t path;

  begin (out, error);
  mutua_path_init (&path);
  mutua_path_add (&path, base);
  if (query) {
    mutua_path_add_query (&path, "q", query->q);
    mutua_path_add_query (&path, "kind", query->kind);
    mutua_path_add_query (&path, "category", query->category);
    mutua_path_add_query (&path, "departement", query->departement);
    if (with_availability) {
      mutua_path_add_query (&path, "available_from", query->available_from);
      mutua_path_add_query (&path, "available_to", query->available_to);
    }
    mutua_path_add_query (&path, "sort", query->sort);
    mutua_path_add_query (&path, "cursor", query->cursor);
    mutua_path_add_query_u32 (&path, "limit", query->limit);
  }
  if (!path_ok (&path, error)) {
    return false;
  }
  return mutua_request (client, "GET", path.data, NULL, NULL, NULL, out, error);
}

MUTUA_PUBLIC bool
mutua_listings_search (mutua_client_t *client, const mutua_listing_query_t *query, bson_t *out,
                       mutua_error_t *error)
{
  return search (client, "/v1/listings", query, true, out, error);
}

MUTUA_PUBLIC bool
mutua_listing_get (mutua_client_t *client, const char *id, bson_t *out, mutua_error_t *error)
{
  return on_resource (client, "GET", "/v1/listings", id, NULL, NULL, NULL, out, error);
}

/* POST @path with the caller's document @doc (required). */
static bool
create (mutua_client_t *client, const char *path, const bson_t *doc, const char *name, bson_t *out,
        mutua_error_t *error)
{
  begin (out, error);
  if (!doc) {
    mutua_error_set (error, MUTUA_ERROR_INVALID, "%s is required", name);
    return false;
  }
  return mutua_request (client, "POST", path, doc, NULL, NULL, out, error);
}

MUTUA_PUBLIC bool
mutua_listing_create (mutua_client_t *client, const bson_t *listing, bson_t *out,
                      mutua_error_t *error)
{
  return create (client, "/v1/listings", listing, "listing", out, error);
}

MUTUA_PUBLIC bool
mutua_listing_availability (mutua_client_t *client, const char *id, const char *from,
                            const char *to, bson_t *out, mutua_error_t *error)
{
  mutua_path_t path;

  begin (out, error);
  if (!required (id, "id", error)) {
    return false;
  }
  mutua_path_init (&path);
  mutua_path_add (&path, "/v1/listings/");
  mutua_path_add_segment (&path, id);
  mutua_path_add (&path, "/availability");
  mutua_path_add_query (&path, "from", from);
  mutua_path_add_query (&path, "to", to);
  if (!path_ok (&path, error)) {
    return false;
  }
  return mutua_request (client, "GET", path.data, NULL, NULL, NULL, out, error);
}

MUTUA_PUBLIC bool
mutua_needs_search (mutua_client_t *client, const mutua_listing_query_t *query, bson_t *out,
                    mutua_error_t *error)
{
  return search (client, "/v1/needs", query, false, out, error);
}

MUTUA_PUBLIC bool
mutua_need_get (mutua_client_t *client, const char *id, bson_t *out, mutua_error_t *error)
{
  return on_resource (client, "GET", "/v1/needs", id, NULL, NULL, NULL, out, error);
}

MUTUA_PUBLIC bool
mutua_need_create (mutua_client_t *client, const bson_t *need, bson_t *out, mutua_error_t *error)
{
  return create (client, "/v1/needs", need, "need", out, error);
}

MUTUA_PUBLIC bool
mutua_need_answer (mutua_client_t *client, const char *id, const char *listing_id, const char *text,
                   bson_t *out, mutua_error_t *error)
{
  bson_t body = BSON_INITIALIZER;
  bool ok;

  if (listing_id) {
    BSON_APPEND_UTF8 (&body, "listing_id", listing_id);
  }
  if (text) {
    BSON_APPEND_UTF8 (&body, "text", text);
  }
  ok = on_resource (client, "POST", "/v1/needs", id, "answers", &body, NULL, out, error);
  bson_destroy (&body);
  return ok;
}

/* ---- Reservations and bookings ------------------------------------------------------------- */

static bool
list (mutua_client_t *client, const char *base, const char *role, const char *status,
      const char *cursor, uint32_t limit, bson_t *out, mutua_error_t *error)
{
  mutua_path_t path;

  begin (out, error);
  mutua_path_init (&path);
  mutua_path_add (&path, base);
  mutua_path_add_query (&path, "role", role);
  mutua_path_add_query (&path, "status", status);
  mutua_path_add_query (&path, "cursor", cursor);
  mutua_path_add_query_u32 (&path, "limit", limit);
  if (!path_ok (&path, error)) {
    return false;
  }
  return mutua_request (client, "GET", path.data, NULL, NULL, NULL, out, error);
}

MUTUA_PUBLIC bool
mutua_reservation_create (mutua_client_t *client, const char *listing_id, const char *start,
                          const char *end, uint32_t units, const char *message,
                          const char *idempotency_key, bson_t *out, mutua_error_t *error)
{
  bson_t body = BSON_INITIALIZER;
  bool ok = false;

  begin (out, error);
  if (!required (listing_id, "listing_id", error) || !required (start, "start", error) ||
      !required (end, "end", error)) {
    goto done;
  }
  BSON_APPEND_UTF8 (&body, "listing_id", listing_id);
  BSON_APPEND_UTF8 (&body, "start", start);
  BSON_APPEND_UTF8 (&body, "end", end);
  if (units > 1) {
    BSON_APPEND_INT64 (&body, "units", (int64_t) units);
  }
  if (message) {
    BSON_APPEND_UTF8 (&body, "message", message);
  }
  ok = mutua_request (client, "POST", "/v1/reservations", &body, NULL, idempotency_key, out, error);

done:
  bson_destroy (&body);
  return ok;
}

MUTUA_PUBLIC bool
mutua_reservations_list (mutua_client_t *client, const char *role, const char *status,
                         const char *cursor, uint32_t limit, bson_t *out, mutua_error_t *error)
{
  return list (client, "/v1/reservations", role, status, cursor, limit, out, error);
}

MUTUA_PUBLIC bool
mutua_reservation_get (mutua_client_t *client, const char *id, bson_t *out, mutua_error_t *error)
{
  return on_resource (client, "GET", "/v1/reservations", id, NULL, NULL, NULL, out, error);
}

MUTUA_PUBLIC bool
mutua_reservation_act (mutua_client_t *client, const char *id, const char *action,
                       const bson_t *body, const char *if_match, bson_t *out, mutua_error_t *error)
{
  begin (out, error);
  if (!required (action, "action", error)) {
    return false;
  }
  return on_resource (client, "POST", "/v1/reservations", id, action, body, if_match, out, error);
}

MUTUA_PUBLIC bool
mutua_booking_create (mutua_client_t *client, const char *listing_id, const char *start,
                      uint32_t duration_minutes, const char *message, const char *idempotency_key,
                      bson_t *out, mutua_error_t *error)
{
  bson_t body = BSON_INITIALIZER;
  bool ok = false;

  begin (out, error);
  if (!required (listing_id, "listing_id", error) || !required (start, "start", error)) {
    goto done;
  }
  BSON_APPEND_UTF8 (&body, "listing_id", listing_id);
  BSON_APPEND_UTF8 (&body, "start", start);
  if (duration_minutes > 0) {
    BSON_APPEND_INT64 (&body, "duration_minutes", (int64_t) duration_minutes);
  }
  if (message) {
    BSON_APPEND_UTF8 (&body, "message", message);
  }
  ok = mutua_request (client, "POST", "/v1/bookings", &body, NULL, idempotency_key, out, error);

done:
  bson_destroy (&body);
  return ok;
}

MUTUA_PUBLIC bool
mutua_bookings_list (mutua_client_t *client, const char *role, const char *status,
                     const char *cursor, uint32_t limit, bson_t *out, mutua_error_t *error)
{
  return list (client, "/v1/bookings", role, status, cursor, limit, out, error);
}

MUTUA_PUBLIC bool
mutua_booking_get (mutua_client_t *client, const char *id, bson_t *out, mutua_error_t *error)
{
  return on_resource (client, "GET", "/v1/bookings", id, NULL, NULL, NULL, out, error);
}

MUTUA_PUBLIC bool
mutua_booking_act (mutua_client_t *client, const char *id, const char *action, const bson_t *body,
                   const char *if_match, bson_t *out, mutua_error_t *error)
{
  begin (out, error);
  if (!required (action, "action", error)) {
    return false;
  }
  return on_resource (client, "POST", "/v1/bookings", id, action, body, if_match, out, error);
}

/* ---- Administration ------------------------------------------------------------------------ */

MUTUA_PUBLIC bool
mutua_admin_reviews (mutua_client_t *client, const char *cursor, uint32_t limit, bson_t *out,
                     mutua_error_t *error)
{
  return list (client, "/v1/admin/reviews", NULL, NULL, cursor, limit, out, error);
}

MUTUA_PUBLIC bool
mutua_admin_review (mutua_client_t *client, const char *reservation_id, const char *decision,
                    const char *note, bson_t *out, mutua_error_t *error)
{
  bson_t body = BSON_INITIALIZER;
  bool ok = false;

  begin (out, error);
  if (!required (decision, "decision", error)) {
    goto done;
  }
  BSON_APPEND_UTF8 (&body, "decision", decision);
  if (note) {
    BSON_APPEND_UTF8 (&body, "note", note);
  }
  ok = on_resource (client, "POST", "/v1/admin/reservations", reservation_id, "review", &body, NULL,
                    out, error);

done:
  bson_destroy (&body);
  return ok;
}

MUTUA_PUBLIC bool
mutua_admin_stats (mutua_client_t *client, const char *from, const char *to, const char *network,
                   const char *departement, bson_t *out, mutua_error_t *error)
{
  mutua_path_t path;

  begin (out, error);
  mutua_path_init (&path);
  mutua_path_add (&path, "/v1/admin/stats");
  mutua_path_add_query (&path, "from", from);
  mutua_path_add_query (&path, "to", to);
  mutua_path_add_query (&path, "network", network);
  mutua_path_add_query (&path, "departement", departement);
  if (!path_ok (&path, error)) {
    return false;
  }
  return mutua_request (client, "GET", path.data, NULL, NULL, NULL, out, error);
}

MUTUA_PUBLIC bool
mutua_admin_export (mutua_client_t *client, const char *what, char **data, size_t *len,
                    mutua_error_t *error)
{
  mutua_path_t path;

  mutua_error_clear (error);
  if (data) {
    *data = NULL;
  }
  if (len) {
    *len = 0;
  }
  if (!what || !what[0] || strlen (what) > 32 ||
      strspn (what, "abcdefghijklmnopqrstuvwxyz_") != strlen (what)) {
    mutua_error_set (error, MUTUA_ERROR_INVALID,
                     "what must be an export's name: \"listings\" or \"loans\"");
    return false;
  }
  mutua_path_init (&path);
  mutua_path_add (&path, "/v1/admin/export/");
  mutua_path_add (&path, what);
  mutua_path_add (&path, ".csv");
  return mutua_request_raw (client, "GET", path.data, data, len, error);
}
