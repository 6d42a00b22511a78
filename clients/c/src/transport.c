/*
 * The transport of libmutua-client: the only file that talks HTTP. One request per call, on
 * a new connection, over the client's private event_base, with libevent's evhttp client.
 *
 * The whole call is bounded by a timer of timeout_ms on the base (connection, sending and
 * the whole answer); evhttp's own timeouts are set a second later, so that when time runs
 * out the timer decides and the answer is MUTUA_ERROR_TIMEOUT. A connection that fails before
 * an answer is MUTUA_ERROR_CONNECT; a malformed answer, or one over MUTUA_BODY_MAX bytes, is
 * MUTUA_ERROR_PROTOCOL.
 */
#include "internal.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MUTUA_HEAD_MAX (64 * 1024) /* status line and headers of an answer */

typedef struct {
  struct event_base *base;
  mutua_transport_response_t *resp;
  bool done;           /* the request callback ran */
  bool timed_out;      /* the whole-call timer fired first */
  bool error_reported; /* evhttp told an error kind */
  enum evhttp_request_error error_kind;
  bool headers_read; /* the status line and headers of an answer arrived */
  bool memory;       /* copying the answer ran out of memory */
  bool too_large;
} call_state_t;

static void
copy_header (struct evkeyvalq *headers, const char *name, char *out, size_t size)
{
  const char *value = evhttp_find_header (headers, name);

  out[0] = '\0';
  if (value && strlen (value) < size) {
    memcpy (out, value, strlen (value) + 1);
  }
}

static void
on_error (enum evhttp_request_error kind, void *arg)
{
  call_state_t *state = arg;

  state->error_reported = true;
  state->error_kind = kind;
}

static int
on_headers (struct evhttp_request *req, void *arg)
{
  call_state_t *state = arg;

  (void) req;
  state->headers_read = true;
  return 0;
}

static void
on_done (struct evhttp_request *req, void *arg)
{
  call_state_t *state = arg;
  struct evbuffer *input;
  size_t len;

  state->done = true;
  event_base_loopbreak (state->base);
  if (!req || evhttp_request_get_response_code (req) == 0) {
    return;
  }
  input = evhttp_request_get_input_buffer (req);
  len = input ? evbuffer_get_length (input) : 0;
  if (len > MUTUA_BODY_MAX) {
    state->too_large = true;
    return;
  }
  state->resp->body = malloc (len + 1);
  if (!state->resp->body) {
    state->memory = true;
    return;
  }
  if (len > 0 && evbuffer_remove (input, state->resp->body, len) != (int) len) {
    free (state->resp->body);
    state->resp->body = NULL;
    state->memory = true;
    return;
  }
  state->resp->body[len] = '\0';
  state->resp->body_len = len;
  state->resp->status = evhttp_request_get_response_code (req);
  copy_header (evhttp_request_get_input_headers (req), "Content-Type", state->resp->content_type,
               sizeof state->resp->content_type);
  copy_header (evhttp_request_get_input_headers (req), "ETag", state->resp->etag,
               sizeof state->resp->etag);
  copy_header (evhttp_request_get_input_headers (req), "Retry-After", state->resp->retry_after,
               sizeof state->resp->retry_after);
}

static void
on_timer (evutil_socket_t fd, short what, void *arg)
{
  call_state_t *state = arg;

  (void) fd;
  (void) what;
  state->timed_out = true;
  event_base_loopbreak (state->base);
}

static bool
method_of (const char *method, enum evhttp_cmd_type *out)
{
  static const struct {
    const char *name;
    enum evhttp_cmd_type type;
  } methods[] = {
    { "GET", EVHTTP_REQ_GET }, { "POST", EVHTTP_REQ_POST },     { "PATCH", EVHTTP_REQ_PATCH },
    { "PUT", EVHTTP_REQ_PUT }, { "DELETE", EVHTTP_REQ_DELETE },
  };

  for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
    if (strcmp (method, methods[i].name) == 0) {
      *out = methods[i].type;
      return true;
    }
  }
  return false;
}

static bool
add_header (struct evkeyvalq *headers, const char *name, const char *value)
{
  return !value || evhttp_add_header (headers, name, value) == 0;
}

struct mutua_transport {
  struct event_base *base;
};

mutua_transport_t *
mutua_transport_new (void)
{
  mutua_transport_t *transport = calloc (1, sizeof *transport);

  if (!transport) {
    return NULL;
  }
  transport->base = event_base_new ();
  if (!transport->base) {
    free (transport);
    return NULL;
  }
  return transport;
}

void
mutua_transport_destroy (mutua_transport_t *transport)
{
  if (transport) {
    event_base_free (transport->base);
    free (transport);
  }
}

bool
mutua_transport_call (mutua_transport_t *transport, const mutua_transport_request_t *req,
                      mutua_transport_response_t *resp, mutua_error_t *error)
{
  struct event_base *base = transport->base;
  struct evhttp_connection *conn = NULL;
  struct evhttp_request *request = NULL;
  struct event *timer = NULL;
  struct evkeyvalq *headers;
  enum evhttp_cmd_type type;
  call_state_t state;
  char host[300];
  char auth[MUTUA_TOKEN_MAX + 16];
  struct timeval whole, slack;
  bool ok = false;

  memset (resp, 0, sizeof *resp);
  memset (&state, 0, sizeof state);
  state.base = base;
  state.resp = resp;
  if (!method_of (req->method, &type)) {
    mutua_error_set (error, MUTUA_ERROR_INVALID, "unsupported method");
    goto done;
  }
  conn = evhttp_connection_base_new (base, NULL, req->host, req->port);
  timer = evtimer_new (base, on_timer, &state);
  request = evhttp_request_new (on_done, &state);
  if (!conn || !timer || !request) {
    mutua_error_set (error, MUTUA_ERROR_MEMORY, "out of memory");
    goto done;
  }
  whole.tv_sec = (time_t) (req->timeout_ms / 1000);
  whole.tv_usec = (suseconds_t) (req->timeout_ms % 1000) * 1000;
  slack.tv_sec = whole.tv_sec + 1;
  slack.tv_usec = whole.tv_usec;
  evhttp_connection_set_timeout_tv (conn, &slack);
  evhttp_connection_set_retries (conn, 0);
  evhttp_connection_set_max_body_size (conn, (ev_ssize_t) MUTUA_BODY_MAX);
  evhttp_connection_set_max_headers_size (conn, MUTUA_HEAD_MAX);
  evhttp_request_set_error_cb (request, on_error);
  evhttp_request_set_header_cb (request, on_headers);

  headers = evhttp_request_get_output_headers (request);
  if (req->port == 80) {
    snprintf (host, sizeof host, "%s", req->host);
  } else if (strchr (req->host, ':')) {
    snprintf (host, sizeof host, "[%s]:%u", req->host, (unsigned) req->port);
  } else {
    snprintf (host, sizeof host, "%s:%u", req->host, (unsigned) req->port);
  }
  if (req->token) {
    snprintf (auth, sizeof auth, "Bearer %s", req->token);
  }
  if (!add_header (headers, "Host", host) || !add_header (headers, "Accept", "application/json") ||
      !add_header (headers, "User-Agent", "libmutua-client/" MUTUA_CLIENT_VERSION) ||
      !add_header (headers, "Connection", "close") ||
      !add_header (headers, "Authorization", req->token ? auth : NULL) ||
      !add_header (headers, "Accept-Language", req->language) ||
      !add_header (headers, "If-Match", req->if_match) ||
      !add_header (headers, "Idempotency-Key", req->idempotency_key) ||
      !add_header (headers, "Content-Type", req->body ? "application/json; charset=utf-8" : NULL)) {
    mutua_error_set (error, MUTUA_ERROR_INVALID, "a header value was refused");
    goto done;
  }
  /* evhttp counts a body for POST and PUT only: say its length for every method. */
  if (req->body) {
    char length[24];
    snprintf (length, sizeof length, "%zu", req->body_len);
    if (!add_header (headers, "Content-Length", length)) {
      mutua_error_set (error, MUTUA_ERROR_MEMORY, "out of memory");
      goto done;
    }
  }
  if (req->body &&
      evbuffer_add (evhttp_request_get_output_buffer (request), req->body, req->body_len) != 0) {
    mutua_error_set (error, MUTUA_ERROR_MEMORY, "out of memory");
    goto done;
  }
  if (evtimer_add (timer, &whole) != 0) {
    mutua_error_set (error, MUTUA_ERROR_MEMORY, "cannot arm the timer");
    goto done;
  }
  /* From here the connection owns the request (even when the call fails). */
  if (evhttp_make_request (conn, request, type, req->path) != 0) {
    request = NULL;
    mutua_error_set (error, MUTUA_ERROR_CONNECT, "cannot start the request to %s", host);
    goto done;
  }
  request = NULL;
  while (!state.done && !state.timed_out) {
    if (event_base_dispatch (base) < 0) {
      break;
    }
    if (!state.done && !state.timed_out && event_base_got_break (base) == 0 &&
        event_base_got_exit (base) == 0) {
      /* Nothing left to wait for: should not happen, the timer is pending. */
      break;
    }
  }
  if (state.done && resp->body && !state.too_large && !state.memory) {
    ok = true;
  } else if (state.timed_out && !state.done) {
    mutua_error_set (error, MUTUA_ERROR_TIMEOUT, "no complete answer from %s within %u ms", host,
                     (unsigned) req->timeout_ms);
  } else if (state.memory) {
    mutua_error_set (error, MUTUA_ERROR_MEMORY, "out of memory");
  } else if (state.too_large ||
             (state.error_reported && state.error_kind == EVREQ_HTTP_DATA_TOO_LONG)) {
    mutua_error_set (error, MUTUA_ERROR_PROTOCOL, "the answer of %s is larger than %u bytes", host,
                     (unsigned) MUTUA_BODY_MAX);
  } else if (state.error_reported && state.error_kind == EVREQ_HTTP_TIMEOUT) {
    mutua_error_set (error, MUTUA_ERROR_TIMEOUT, "no complete answer from %s within %u ms", host,
                     (unsigned) req->timeout_ms);
  } else if (state.headers_read ||
             (state.error_reported && state.error_kind == EVREQ_HTTP_INVALID_HEADER)) {
    mutua_error_set (error, MUTUA_ERROR_PROTOCOL, "%s sent an incomplete or malformed answer",
                     host);
  } else {
    mutua_error_set (error, MUTUA_ERROR_CONNECT,
                     "cannot connect to %s, or it closed the connection without answering", host);
  }

done:
  if (!ok) {
    free (resp->body);
    resp->body = NULL;
    resp->body_len = 0;
  }
  if (request) {
    evhttp_request_free (request);
  }
  if (conn) {
    /* Frees a request still pending (after a timeout) without calling its callbacks. */
    evhttp_connection_free (conn);
  }
  if (timer) {
    event_free (timer);
  }
  return ok;
}
