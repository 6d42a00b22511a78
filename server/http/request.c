/*
 * request: the dispatcher of every HTTP request (route, authentication, body) and the reply
 * functions of request.h, which also write the access log and record metrics.
 */
#include "http_private.h"

#include "auth.h"
#include "metrics.h"
#include "mt_id.h"
#include "mt_json.h"
#include "mt_log.h"
#include "mt_schema.h"
#include "mt_time.h"

#include <ctype.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define MT_LOG_DOMAIN "http"
#define MT_REPLY_MAX ((size_t) 64 * 1024 * 1024)

struct mt_request {
  struct evhttp_request *req;
  mt_loop_t *loop;
  mt_conn_t *conn;
  mt_route_match_t match;
  const mt_route_t *route;
  size_t route_index; /* mt_router_count() when unmatched */
  char method[8];
  char path[2048];
  char *query_string; /* owned, may be NULL */
  struct evkeyvalq query;
  bool query_parsed;
  char id[72];
  char lang[3];
  int64_t started_us;
  mt_ctx_t ctx;
  mt_principal_t principal;
  bool authenticated;
  bson_t body;
  bool has_body;
  unsigned char *raw_body; /* owned copy, made on demand */
  size_t raw_body_len;
  bool replied;
  char client_addr[64];
  /* Group commit (committer.h): the handler runs on the committer inside its unit, and its
   * reply is kept here until the batch's commit says whether it may go. */
  bool in_batch;
  mt_error_t batch_error; /* code MT_ERR_NONE: the batch was committed */
  int held_status;
  struct evbuffer *held_body;
  size_t held_len;
};

/* --- small helpers ------------------------------------------------------------------------ */

static const char *
mt_method_name (enum evhttp_cmd_type type)
{
  switch (type) {
  case EVHTTP_REQ_GET:
    return "GET";
  case EVHTTP_REQ_POST:
    return "POST";
  case EVHTTP_REQ_HEAD:
    return "HEAD";
  case EVHTTP_REQ_PUT:
    return "PUT";
  case EVHTTP_REQ_DELETE:
    return "DELETE";
  case EVHTTP_REQ_OPTIONS:
    return "OPTIONS";
  case EVHTTP_REQ_PATCH:
    return "PATCH";
  case EVHTTP_REQ_TRACE:
  case EVHTTP_REQ_CONNECT:
  default:
    return "OTHER";
  }
}

/* An inbound X-Request-Id is kept when it is short and plain; otherwise a new one is made. */
static void
mt_request_make_id (mt_request_t *r)
{
  const char *given =
    evhttp_find_header (evhttp_request_get_input_headers (r->req), "X-Request-Id");
  size_t len = given ? strlen (given) : 0;
  bool ok = len > 0 && len <= 64;

  for (size_t i = 0; ok && i < len; i++) {
    char c = given[i];
    ok = isalnum ((unsigned char) c) || c == '-' || c == '_' || c == '.';
  }
  if (ok) {
    memcpy (r->id, given, len + 1);
  } else {
    mt_id_random_token (12, r->id, sizeof r->id);
  }
}

/* French unless the caller prefers English (highest q among fr and en; ties: first). */
static void
mt_request_pick_lang (mt_request_t *r)
{
  const char *al =
    evhttp_find_header (evhttp_request_get_input_headers (r->req), "Accept-Language");
  double best_q = -1.0;

  snprintf (r->lang, sizeof r->lang, "fr");
  while (al && *al) {
    const char *end = strchr (al, ',');
    size_t len = end ? (size_t) (end - al) : strlen (al);
    char item[64];
    char *semi;
    double q = 1.0;
    char *tag;

    snprintf (item, sizeof item, "%.*s", (int) (len < sizeof item ? len : sizeof item - 1), al);
    semi = strchr (item, ';');
    if (semi) {
      char *qp = strstr (semi, "q=");
      *semi = '\0';
      if (qp) {
        q = strtod (qp + 2, NULL);
      }
    }
    tag = item;
    while (*tag == ' ') {
      tag++;
    }
    if (q > best_q && (strncasecmp (tag, "fr", 2) == 0 || strncasecmp (tag, "en", 2) == 0) &&
        (tag[2] == '\0' || tag[2] == '-' || tag[2] == ' ')) {
      best_q = q;
      snprintf (r->lang, sizeof r->lang, "%c%c", tolower ((unsigned char) tag[0]),
                tolower ((unsigned char) tag[1]));
    }
    al = end ? end + 1 : NULL;
  }
}

static bool
mt_request_is_unsafe_method (const mt_request_t *r)
{
  return strcmp (r->method, "GET") != 0 && strcmp (r->method, "HEAD") != 0 &&
         strcmp (r->method, "OPTIONS") != 0;
}

/* --- accessors ---------------------------------------------------------------------------- */

const char *
mt_request_method (const mt_request_t *r)
{
  return r->method;
}

const char *
mt_request_path (const mt_request_t *r)
{
  return r->path;
}

const mt_route_t *
mt_request_route (const mt_request_t *r)
{
  return r->route;
}

const char *
mt_request_param (const mt_request_t *r, const char *name)
{
  for (size_t i = 0; i < r->match.param_count; i++) {
    if (strcmp (r->match.params[i].name, name) == 0) {
      return r->match.params[i].value;
    }
  }
  return NULL;
}

const char *
mt_request_query (mt_request_t *r, const char *name)
{
  if (!r->query_parsed) {
    TAILQ_INIT (&r->query);
    r->query_parsed = true;
    if (r->query_string && evhttp_parse_query_str (r->query_string, &r->query) != 0) {
      evhttp_clear_headers (&r->query);
      TAILQ_INIT (&r->query);
    }
  }
  return evhttp_find_header (&r->query, name);
}

const char *
mt_request_header (const mt_request_t *r, const char *name)
{
  return evhttp_find_header (evhttp_request_get_input_headers (r->req), name);
}

const bson_t *
mt_request_body (const mt_request_t *r)
{
  return r->has_body ? &r->body : NULL;
}

const unsigned char *
mt_request_raw_body (mt_request_t *r, size_t *len)
{
  if (!r->raw_body) {
    struct evbuffer *in = evhttp_request_get_input_buffer (r->req);
    r->raw_body_len = evbuffer_get_length (in);
    r->raw_body = malloc (r->raw_body_len + 1);
    if (!r->raw_body) {
      *len = 0;
      return NULL;
    }
    evbuffer_copyout (in, r->raw_body, r->raw_body_len);
    r->raw_body[r->raw_body_len] = '\0';
  }
  *len = r->raw_body_len;
  return r->raw_body;
}

const mt_principal_t *
mt_request_principal (const mt_request_t *r)
{
  return r->authenticated ? &r->principal : NULL;
}

const char *
mt_request_lang (const mt_request_t *r)
{
  return r->lang;
}

const char *
mt_request_id (const mt_request_t *r)
{
  return r->id;
}

const char *
mt_request_client_addr (const mt_request_t *r)
{
  return r->client_addr;
}

/* True when @addr is one of the comma-separated addresses of @list. */
static bool
mt_request_addr_listed (const char *list, const char *addr)
{
  size_t len = strlen (addr);

  while (*addr && list && *list) {
    const char *end = strchr (list, ',');
    size_t n = end ? (size_t) (end - list) : strlen (list);
    while (n && *list == ' ') {
      list++;
      n--;
    }
    while (n && list[n - 1] == ' ') {
      n--;
    }
    if (n == len && strncmp (list, addr, n) == 0) {
      return true;
    }
    list = end ? end + 1 : NULL;
  }
  return false;
}

/* The peer's address, or, behind a trusted reverse proxy, the last address its
 * X-Forwarded-For names (the one the proxy itself saw). */
static void
mt_request_find_client_addr (mt_request_t *r)
{
  const char *peer = r->conn ? r->conn->addr : "";
  const char *forwarded;

  snprintf (r->client_addr, sizeof r->client_addr, "%s", peer);
  if (!mt_request_addr_listed (r->loop->server->app->config.trusted_proxies, peer)) {
    return;
  }
  forwarded = mt_request_header (r, "X-Forwarded-For");
  if (forwarded) {
    const char *last = strrchr (forwarded, ',');
    last = last ? last + 1 : forwarded;
    while (*last == ' ') {
      last++;
    }
    if (*last && strlen (last) < sizeof r->client_addr &&
        strspn (last, "0123456789abcdefABCDEF.:") == strlen (last)) {
      snprintf (r->client_addr, sizeof r->client_addr, "%s", last);
    }
  }
}

mt_ctx_t *
mt_request_ctx (mt_request_t *r)
{
  return &r->ctx;
}

mt_app_t *
mt_request_app (mt_request_t *r)
{
  return r->loop->server->app;
}

void
mt_request_set_header (mt_request_t *r, const char *name, const char *value)
{
  struct evkeyvalq *out = evhttp_request_get_output_headers (r->req);
  evhttp_remove_header (out, name);
  evhttp_add_header (out, name, value);
}

/* --- replies ------------------------------------------------------------------------------ */

static void
mt_request_free (mt_request_t *r)
{
  /* Bodies carry passwords: wipe them before the memory goes back to the allocator. */
  if (r->has_body && r->body.len > 0) {
    uint8_t *data = bson_reserve_buffer (&r->body, r->body.len);
    if (data) {
      sodium_memzero (data, r->body.len);
    }
  }
  if (r->raw_body) {
    sodium_memzero (r->raw_body, r->raw_body_len);
  }
  if (r->query_parsed) {
    evhttp_clear_headers (&r->query);
  }
  free (r->query_string);
  free (r->raw_body);
  bson_destroy (&r->body);
  mt_principal_destroy (&r->principal);
  free (r);
}

static void
mt_request_complete_cb (struct evhttp_request *req, void *arg)
{
  mt_conn_t *conn = arg;
  (void) req;
  mt_conn_request_finished (conn);
}

static void
mt_request_add_common_headers (mt_request_t *r)
{
  struct evkeyvalq *out = evhttp_request_get_output_headers (r->req);
  const mt_config_t *config = &r->loop->server->app->config;

  evhttp_add_header (out, "X-Request-Id", r->id);
  evhttp_add_header (out, "X-Content-Type-Options", "nosniff");
  evhttp_add_header (out, "X-Frame-Options", "DENY");
  evhttp_add_header (out, "Referrer-Policy", "no-referrer");
  evhttp_add_header (out, "Cross-Origin-Opener-Policy", "same-origin");
  evhttp_add_header (out, "Cross-Origin-Resource-Policy", "same-origin");
  evhttp_add_header (out, "Permissions-Policy", "camera=(), microphone=(), geolocation=()");
  if (!evhttp_find_header (out, "Content-Security-Policy")) {
    evhttp_add_header (out, "Content-Security-Policy",
                       "default-src 'none'; frame-ancestors 'none'");
  }
  if (!evhttp_find_header (out, "Cache-Control")) {
    evhttp_add_header (out, "Cache-Control", "no-store");
  }
  if (strncmp (config->public_url, "https://", 8) == 0) {
    evhttp_add_header (out, "Strict-Transport-Security", "max-age=31536000");
  }
  if (atomic_load (&r->loop->server->draining)) {
    evhttp_add_header (out, "Connection", "close");
  }
}

static void
mt_request_log (mt_request_t *r, int status, size_t bytes, int64_t duration_us)
{
  bson_t fields = BSON_INITIALIZER;

  if (!mt_log_enabled (MT_LOG_INFO)) {
    return;
  }
  BSON_APPEND_UTF8 (&fields, "request_id", r->id);
  BSON_APPEND_UTF8 (&fields, "method", r->method);
  BSON_APPEND_UTF8 (&fields, "route",
                    mt_router_label (r->loop->server->app->router, r->route_index));
  BSON_APPEND_INT32 (&fields, "status", status);
  BSON_APPEND_DOUBLE (&fields, "duration_ms", (double) duration_us / 1000.0);
  BSON_APPEND_INT64 (&fields, "bytes", (int64_t) bytes);
  BSON_APPEND_INT32 (&fields, "loop", r->loop->index);
  mt_log_fields (MT_LOG_INFO, MT_LOG_DOMAIN, "request", &fields);
  bson_destroy (&fields);
}

/* Sends the reply made by mt_request_send, records it and frees the request (loop thread). */
static void
mt_request_finish (mt_request_t *r, int status, struct evbuffer *buf, size_t len)
{
  int64_t duration;

  if (r->conn) {
    evhttp_request_set_on_complete_cb (r->req, mt_request_complete_cb, r->conn);
  }
  evhttp_send_reply (r->req, status, NULL, buf);
  if (buf) {
    evbuffer_free (buf);
  }
  duration = mt_time_monotonic_us () - r->started_us;
  mt_metrics_record (r->loop->server->app->metrics, r->route_index, status, duration);
  mt_request_log (r, status, len, duration);
  mt_request_free (r);
}

/* Makes the reply with @body (may be NULL), then sends it and frees the request; inside a
 * write batch, keeps it until the batch is committed (mt_request_batch_done). */
static void
mt_request_send (mt_request_t *r, int status, const char *content_type, const void *body,
                 size_t len)
{
  struct evbuffer *buf = evbuffer_new ();

  if (r->replied) {
    MT_ERROR ("second reply to request %s ignored", r->id);
    evbuffer_free (buf);
    return;
  }
  r->replied = true;
  if (content_type) {
    mt_request_set_header (r, "Content-Type", content_type);
  }
  mt_request_add_common_headers (r);
  /* evhttp writes whatever body it is given, even to HEAD: a HEAD reply carries the length
   * of the body a GET would get, and no body. */
  if (strcmp (r->method, "HEAD") == 0) {
    char length[24];
    snprintf (length, sizeof length, "%zu", len);
    mt_request_set_header (r, "Content-Length", length);
  } else if (buf && body && len) {
    evbuffer_add (buf, body, len);
  }
  if (r->in_batch) {
    r->held_status = status;
    r->held_body = buf;
    r->held_len = len;
    return;
  }
  mt_request_finish (r, status, buf, len);
}

void
mt_reply_bytes (mt_request_t *r, int status, const char *content_type, const void *data, size_t len)
{
  mt_request_send (r, status, content_type, data, len);
}

void
mt_reply_empty (mt_request_t *r, int status)
{
  mt_request_send (r, status, NULL, NULL, 0);
}

void
mt_reply_json (mt_request_t *r, int status, const bson_t *doc)
{
  mt_buf_t buf;

  mt_buf_init (&buf, MT_REPLY_MAX);
  if (!mt_json_append_document (&buf, doc)) {
    mt_buf_destroy (&buf);
    mt_reply_error (r, MT_ERR_INTERNAL, "réponse trop volumineuse", "response too large");
    return;
  }
  mt_request_send (r, status, "application/json; charset=utf-8", buf.data, buf.len);
  mt_buf_destroy (&buf);
}

void
mt_reply_json_versioned (mt_request_t *r, int status, const bson_t *doc)
{
  bson_iter_t it;

  if (bson_iter_init_find (&it, doc, "version") && BSON_ITER_HOLDS_NUMBER (&it)) {
    char etag[48];
    snprintf (etag, sizeof etag, "W/\"%lld\"", (long long) bson_iter_as_int64 (&it));
    mt_request_set_header (r, "ETag", etag);
  }
  mt_reply_json (r, status, doc);
}

void
mt_reply_list (mt_request_t *r, const bson_t *items, const char *next_cursor)
{
  mt_buf_t buf;
  bool more = next_cursor && *next_cursor;

  mt_buf_init (&buf, MT_REPLY_MAX);
  mt_buf_append_str (&buf, "{\"items\":");
  mt_json_append_array (&buf, items);
  mt_buf_append_str (&buf, ",\"next_cursor\":");
  if (more) {
    mt_json_append_string (&buf, next_cursor, strlen (next_cursor));
  } else {
    mt_buf_append_str (&buf, "null");
  }
  mt_buf_append_char (&buf, '}');
  if (buf.failed) {
    mt_buf_destroy (&buf);
    mt_reply_error (r, MT_ERR_INTERNAL, "réponse trop volumineuse", "response too large");
    return;
  }
  if (more) {
    /* Link: <path?...&cursor=...>; rel="next", keeping the other query parameters. */
    mt_buf_t link;
    char *encoded = evhttp_encode_uri (next_cursor);
    mt_buf_init (&link, 8192);
    mt_buf_appendf (&link, "<%s?", r->path);
    if (r->query_string) {
      struct evkeyvalq params;
      struct evkeyval *kv;
      TAILQ_INIT (&params);
      if (evhttp_parse_query_str (r->query_string, &params) == 0) {
        TAILQ_FOREACH (kv, &params, next)
        {
          char *k;
          char *v;
          if (strcmp (kv->key, "cursor") == 0) {
            continue;
          }
          k = evhttp_encode_uri (kv->key);
          v = evhttp_encode_uri (kv->value);
          mt_buf_appendf (&link, "%s=%s&", k ? k : "", v ? v : "");
          free (k);
          free (v);
        }
      }
      evhttp_clear_headers (&params);
    }
    mt_buf_appendf (&link, "cursor=%s>; rel=\"next\"", encoded ? encoded : "");
    free (encoded);
    if (!link.failed) {
      mt_request_set_header (r, "Link", link.data);
    }
    mt_buf_destroy (&link);
  }
  mt_request_send (r, 200, "application/json; charset=utf-8", buf.data, buf.len);
  mt_buf_destroy (&buf);
}

void
mt_reply_problem (mt_request_t *r, const mt_error_t *error)
{
  const mt_error_info_t *info = mt_error_info ((mt_error_code_t) error->code);
  bool en = strcmp (r->lang, "en") == 0;
  const char *title = en ? info->title_en : info->title_fr;
  const char *detail = en ? error->message : error->message_fr;
  mt_buf_t buf;

  if (!*detail) {
    detail = title;
  }
  mt_buf_init (&buf, 64 * 1024);
  mt_buf_appendf (&buf, "{\"type\":\"%s%s\",\"title\":", MT_PROBLEM_TYPE_PREFIX, info->slug);
  mt_json_append_string (&buf, title, strlen (title));
  mt_buf_appendf (&buf, ",\"status\":%d,\"detail\":", info->http_status);
  mt_json_append_string (&buf, detail, strlen (detail));
  mt_buf_append_str (&buf, ",\"instance\":");
  mt_json_append_string (&buf, r->path, strlen (r->path));
  mt_buf_append_str (&buf, ",\"request_id\":");
  mt_json_append_string (&buf, r->id, strlen (r->id));
  if (error->code == MT_ERR_VALIDATION || error->path[0]) {
    mt_buf_append_str (&buf, ",\"errors\":[{\"path\":");
    mt_json_append_string (&buf, error->path, strlen (error->path));
    mt_buf_append_str (&buf, ",\"message\":");
    mt_json_append_string (&buf, detail, strlen (detail));
    mt_buf_append_str (&buf, "}]");
  }
  mt_buf_append_char (&buf, '}');
  if ((error->code == MT_ERR_RATE_LIMITED || error->code == MT_ERR_UNAVAILABLE)) {
    char retry[24];
    snprintf (retry, sizeof retry, "%u", error->retry_after ? error->retry_after : 1);
    mt_request_set_header (r, "Retry-After", retry);
  }
  if (error->code == MT_ERR_UNAUTHENTICATED) {
    mt_request_set_header (r, "WWW-Authenticate", "Bearer realm=\"mutua\"");
  }
  mt_request_set_header (r, "Content-Language", en ? "en" : "fr");
  if (info->http_status >= 500) {
    MT_ERROR ("request %s failed: %s", r->id, error->message);
  }
  mt_request_send (r, info->http_status, "application/problem+json; charset=utf-8", buf.data,
                   buf.len);
  mt_buf_destroy (&buf);
}

void
mt_reply_error (mt_request_t *r, mt_error_code_t code, const char *message_fr,
                const char *message_en)
{
  mt_error_t error;
  mt_error_set (&error, MT_DOMAIN_HTTP, code, "%s%.0s", "%.0s%s", message_fr, message_en);
  mt_reply_problem (r, &error);
}

/* --- write units and the committer ------------------------------------------------------- */

/* 503 with Retry-After: a queue (workers, committer) refused the request. */
static void
mt_reply_overloaded (mt_request_t *r)
{
  mt_error_t error;

  mt_error_set (&error, MT_DOMAIN_HTTP, MT_ERR_UNAVAILABLE,
                "serveur surchargé ou en cours d'arrêt, réessayez dans un instant",
                "server overloaded or stopping, retry in a moment");
  error.retry_after = 1;
  mt_reply_problem (r, &error);
}

mt_unit_place_t
mt_request_unit_place (mt_request_t *r)
{
  mt_committer_t *committer = r->loop->server->committer;

  if (r->in_batch) {
    return MT_UNIT_INSIDE;
  }
  if (!committer) {
    return MT_UNIT_HERE;
  }
  if (mt_committer_submit (committer, r)) {
    return MT_UNIT_QUEUED;
  }
  mt_reply_overloaded (r);
  return MT_UNIT_REPLIED;
}

bool
mt_request_in_batch (const mt_request_t *r)
{
  return r->in_batch;
}

mt_completion_queue_t *
mt_request_completions (mt_request_t *r)
{
  return r->loop->completions;
}

void
mt_request_run_in_batch (mt_request_t *r, mt_store_t *store, int64_t now_ms)
{
  r->in_batch = true;
  r->ctx.store = store;
  r->ctx.now_ms = now_ms;
  r->route->handler (r);
  if (!r->replied) {
    MT_ERROR ("request %s: handler ended without a reply in a write batch", r->id);
    mt_reply_error (r, MT_ERR_INTERNAL, "erreur interne", "internal error");
  }
  r->ctx.store = r->loop->store;
}

void
mt_request_batch_result (mt_request_t *r, const mt_error_t *error)
{
  if (error) {
    r->batch_error = *error;
  }
}

void
mt_request_batch_done (void *arg)
{
  mt_request_t *r = arg;

  r->in_batch = false;
  if (r->batch_error.code == MT_ERR_NONE) {
    mt_request_finish (r, r->held_status, r->held_body, r->held_len);
    return;
  }
  /* The kept reply never goes: the batch's writes were undone. */
  evhttp_clear_headers (evhttp_request_get_output_headers (r->req));
  if (r->held_body) {
    evbuffer_free (r->held_body);
    r->held_body = NULL;
  }
  r->replied = false;
  mt_reply_problem (r, &r->batch_error);
}

/* --- deferred work ------------------------------------------------------------------------ */

typedef struct {
  mt_request_t *request;
  mt_work_fn work;
  mt_work_done_fn done;
  void *arg;
} mt_deferred_t;

static void
mt_deferred_work (void *arg)
{
  mt_deferred_t *d = arg;
  d->work (d->arg);
}

static void
mt_deferred_done (void *arg)
{
  mt_deferred_t *d = arg;
  mt_request_t *r = d->request;

  /* The store handle belongs to this loop; time moves on while a job waits. */
  r->ctx.now_ms = mt_time_now_ms ();
  d->done (r, d->arg);
  free (d);
}

bool
mt_request_defer (mt_request_t *r, mt_work_fn work, mt_work_done_fn done, void *arg)
{
  mt_deferred_t *d = calloc (1, sizeof *d);

  if (d) {
    d->request = r;
    d->work = work;
    d->done = done;
    d->arg = arg;
    if (mt_workers_submit (r->loop->server->app->workers, r->loop->completions, mt_deferred_work,
                           mt_deferred_done, d)) {
      return true;
    }
    free (d);
  }
  mt_reply_overloaded (r);
  return false;
}

/* --- dispatch ----------------------------------------------------------------------------- */

/* The token of the request: Authorization: Bearer first, then the session cookie. */
static const char *
mt_request_token (mt_request_t *r, bool *via_cookie, char *cookie_buf, size_t cookie_size)
{
  const char *auth = mt_request_header (r, "Authorization");
  const char *cookies;

  *via_cookie = false;
  if (auth) {
    if (strncasecmp (auth, "Bearer ", 7) == 0) {
      return auth + 7;
    }
    return ""; /* an Authorization header of another scheme is an invalid credential */
  }
  cookies = mt_request_header (r, "Cookie");
  while (cookies && *cookies) {
    const char *end = strchr (cookies, ';');
    size_t len = end ? (size_t) (end - cookies) : strlen (cookies);
    while (len && *cookies == ' ') {
      cookies++;
      len--;
    }
    if (len > strlen (MT_AUTH_COOKIE) + 1 &&
        strncmp (cookies, MT_AUTH_COOKIE "=", strlen (MT_AUTH_COOKIE) + 1) == 0) {
      size_t vlen = len - strlen (MT_AUTH_COOKIE) - 1;
      if (vlen >= cookie_size) {
        return "";
      }
      memcpy (cookie_buf, cookies + strlen (MT_AUTH_COOKIE) + 1, vlen);
      cookie_buf[vlen] = '\0';
      *via_cookie = true;
      return cookie_buf;
    }
    cookies = end ? end + 1 : NULL;
  }
  return NULL;
}

/* Cookie-authenticated writes must come from our own origin (CSRF defence in depth on top
 * of SameSite=Strict). The expected origin is public_url's, or http://<Host>. */
static bool
mt_request_origin_ok (mt_request_t *r)
{
  const char *origin = mt_request_header (r, "Origin");
  const mt_config_t *config = &r->loop->server->app->config;
  char expected[MT_CONFIG_STR_MAX + 16];

  if (!origin) {
    return false;
  }
  if (config->public_url[0]) {
    const char *scheme_end = strstr (config->public_url, "://");
    const char *path = scheme_end ? strchr (scheme_end + 3, '/') : NULL;
    size_t len = path ? (size_t) (path - config->public_url) : strlen (config->public_url);
    snprintf (expected, sizeof expected, "%.*s", (int) len, config->public_url);
  } else {
    const char *host = mt_request_header (r, "Host");
    snprintf (expected, sizeof expected, "http://%s", host ? host : "");
  }
  return strcmp (origin, expected) == 0;
}

static bool
mt_request_authenticate (mt_request_t *r, mt_error_t *error)
{
  mt_auth_mode_t mode = r->route->auth;
  char cookie_token[1024];
  bool via_cookie = false;
  const char *token;

  if (mode == MT_AUTH_NONE) {
    return true;
  }
  token = mt_request_token (r, &via_cookie, cookie_token, sizeof cookie_token);
  if (!token) {
    if (mode == MT_AUTH_OPTIONAL) {
      return true;
    }
    mt_error_set (error, MT_DOMAIN_HTTP, MT_ERR_UNAUTHENTICATED, "connexion requise",
                  "sign-in required");
    return false;
  }
  mt_principal_destroy (&r->principal);
  if (!mt_auth_authenticate (&r->ctx, token, &r->principal, error)) {
    return false;
  }
  r->principal.via_cookie = via_cookie;
  r->authenticated = true;
  r->ctx.principal = &r->principal;
  if (via_cookie && mt_request_is_unsafe_method (r) && !mt_request_origin_ok (r)) {
    mt_error_set (error, MT_DOMAIN_HTTP, MT_ERR_FORBIDDEN,
                  "origine de la requête refusée (en-tête Origin absent ou étranger)",
                  "request origin refused (Origin header missing or foreign)");
    return false;
  }
  if (mode == MT_AUTH_ADMIN && !r->principal.is_admin) {
    mt_error_set (error, MT_DOMAIN_HTTP, MT_ERR_FORBIDDEN, "réservé aux administrateurs",
                  "administrators only");
    return false;
  }
  if (mode == MT_AUTH_MEMBER && !r->principal.member_active && !r->principal.is_admin) {
    mt_error_set (error, MT_DOMAIN_HTTP, MT_ERR_FORBIDDEN,
                  "votre structure n'a pas encore été validée par un administrateur",
                  "your organisation has not been approved by an administrator yet");
    return false;
  }
  return true;
}

static bool
mt_request_read_body (mt_request_t *r, mt_error_t *error)
{
  struct evbuffer *in = evhttp_request_get_input_buffer (r->req);
  size_t len = evbuffer_get_length (in);
  const mt_route_t *route = r->route;

  if (!route->body_schema) {
    if (route->max_body == 0 && len > 0) {
      mt_error_set (error, MT_DOMAIN_HTTP, MT_ERR_BAD_REQUEST,
                    "cette adresse n'accepte pas de corps de requête",
                    "this endpoint takes no request body");
      return false;
    }
    return true; /* uploads read the raw body themselves */
  }
  {
    const char *ct = mt_request_header (r, "Content-Type");
    size_t n = ct ? strcspn (ct, "; ") : 0;
    if (!ct || n != strlen ("application/json") || strncasecmp (ct, "application/json", n) != 0) {
      mt_error_set (error, MT_DOMAIN_HTTP, MT_ERR_UNSUPPORTED_MEDIA_TYPE,
                    "le corps doit être du JSON (Content-Type: application/json)",
                    "the body must be JSON (Content-Type: application/json)");
      return false;
    }
  }
  {
    const mt_schema_t *schema =
      mt_schema_registry_get (r->loop->server->app->schemas, route->body_schema);
    unsigned char *data = evbuffer_pullup (in, -1);
    bool parsed;
    bson_destroy (&r->body);
    parsed = mt_json_parse_object ((const char *) data, len, MT_JSON_STRICT, &r->body, error);
    /* The raw text is not needed any more; it may hold a password. */
    if (data) {
      sodium_memzero (data, len);
    }
    if (!parsed) {
      return false;
    }
    r->has_body = true;
    if (!schema) {
      mt_error_set (error, MT_DOMAIN_SCHEMA, MT_ERR_INTERNAL, "schéma %s introuvable",
                    "schema %s not found", route->body_schema);
      return false;
    }
    return mt_schema_validate (schema, &r->body, error);
  }
}

void
mt_request_dispatch (struct evhttp_request *req, void *arg)
{
  mt_loop_t *loop = arg;
  mt_app_t *app = loop->server->app;
  mt_request_t *r = calloc (1, sizeof *r);
  const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri (req);
  const char *path = uri ? evhttp_uri_get_path (uri) : NULL;
  const char *query = uri ? evhttp_uri_get_query (uri) : NULL;
  char allow[128];
  mt_error_t error;
  mt_route_result_t found;

  if (!r) {
    evhttp_send_error (req, 503, "Service Unavailable");
    return;
  }
  r->req = req;
  r->loop = loop;
  r->started_us = mt_time_monotonic_us ();
  r->conn = mt_conn_lookup (loop, evhttp_request_get_connection (req));
  if (r->conn) {
    mt_conn_request_started (r->conn);
  }
  bson_init (&r->body);
  mt_principal_init (&r->principal);
  r->route_index = mt_router_count (app->router);
  snprintf (r->method, sizeof r->method, "%s", mt_method_name (evhttp_request_get_command (req)));
  snprintf (r->path, sizeof r->path, "%s", path && *path ? path : "/");
  r->query_string = query ? strdup (query) : NULL;
  mt_request_make_id (r);
  mt_request_pick_lang (r);
  r->ctx.env = &app->env;
  r->ctx.store = loop->store;
  r->ctx.now_ms = mt_time_now_ms ();
  mt_request_find_client_addr (r);
  r->ctx.client_addr = r->client_addr;

  found = mt_router_match (app->router, r->method, r->path, &r->match, allow, sizeof allow);
  if (found == MT_ROUTE_NOT_FOUND) {
    mt_reply_error (r, MT_ERR_NOT_FOUND, "adresse inconnue", "no such endpoint");
    return;
  }
  if (found == MT_ROUTE_METHOD_NOT_ALLOWED) {
    mt_request_set_header (r, "Allow", allow);
    if (strcmp (r->method, "OPTIONS") == 0) {
      mt_reply_empty (r, 204);
      return;
    }
    mt_reply_error (r, MT_ERR_METHOD_NOT_ALLOWED, "méthode non autorisée pour cette adresse",
                    "method not allowed on this endpoint");
    return;
  }
  r->route_index = r->match.index;
  r->route = mt_router_route (app->router, r->route_index);
  /* A %00 would silently cut a query parameter short once decoded into a C string. */
  if (r->query_string && strstr (r->query_string, "%00")) {
    mt_reply_error (r, MT_ERR_BAD_REQUEST, "caractère NUL (%00) interdit dans la requête",
                    "NUL character (%00) not allowed in the query");
    return;
  }
  if (!mt_request_authenticate (r, &error) || !mt_request_read_body (r, &error)) {
    mt_reply_problem (r, &error);
    return;
  }
  r->route->handler (r);
}
