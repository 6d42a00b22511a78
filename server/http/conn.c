/*
 * conn: puts a guard (guard.h) between each client socket and evhttp.
 *
 * evhttp 2.1 offers no hook before it parses a request, so the guard watches the input
 * buffer of the connection's bufferevent: an evbuffer callback runs inside evbuffer_read,
 * before evhttp's read callback sees the new bytes. The callback feeds the fresh bytes to
 * the guard and moves whatever is not yet validated (an incomplete header block) out to
 * conn->held, so evhttp only ever parses validated bytes.
 *
 * When the guard reaches a verdict, the connection answers once with a small problem+json
 * response written straight to the socket, then closes. That happens from conn->timer, never
 * inside a libevent callback of the connection, and only when no request of the connection
 * is in flight (an earlier pipelined request is answered first, so responses stay in
 * order). The same timer enforces the guard's deadlines (slowloris) and attaches the conn to
 * its evhttp connection right after accept (evhttp creates that object after our bevcb
 * returns; bufferevent_getcb then gives it to us as the callbacks' argument).
 *
 * Lifetime: conn holds a reference on the bufferevent; evhttp calls conn_close_cb when it
 * frees the connection, and that is where conn is freed.
 */
#include "http_private.h"

#include "mt_json.h"
#include "mt_log.h"
#include "mt_time.h"
#include "metrics.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define MT_LOG_DOMAIN "http"

static void mt_conn_timer_cb (evutil_socket_t fd, short what, void *arg);
static void mt_conn_input_cb (struct evbuffer *input, const struct evbuffer_cb_info *info,
                              void *arg);

/* --- evcon -> conn map of a loop ---------------------------------------------------------- */

static size_t
mt_conn_hash (const void *p, size_t cap)
{
  uintptr_t v = (uintptr_t) p;
  v ^= v >> 17;
  v *= 0x9e3779b97f4a7c15ull;
  return (size_t) (v >> 7) & (cap - 1);
}

static bool
mt_conn_map_grow (mt_loop_t *loop)
{
  size_t cap = loop->map_cap ? loop->map_cap * 2 : 256;
  __typeof__ (loop->map) map = calloc (cap, sizeof *map);

  if (!map) {
    return false;
  }
  for (size_t i = 0; i < loop->map_cap; i++) {
    if (loop->map[i].key) {
      size_t k = mt_conn_hash (loop->map[i].key, cap);
      while (map[k].key) {
        k = (k + 1) & (cap - 1);
      }
      map[k] = loop->map[i];
    }
  }
  free (loop->map);
  loop->map = map;
  loop->map_cap = cap;
  return true;
}

static size_t
mt_conn_map_count (const mt_loop_t *loop)
{
  size_t n = 0;
  for (size_t i = 0; i < loop->map_cap; i++) {
    n += loop->map[i].key != NULL;
  }
  return n;
}

static bool
mt_conn_map_put (mt_loop_t *loop, struct evhttp_connection *evcon, mt_conn_t *conn)
{
  size_t k;

  if ((loop->map_cap == 0 || (mt_conn_map_count (loop) + 1) * 2 > loop->map_cap) &&
      !mt_conn_map_grow (loop)) {
    return false;
  }
  k = mt_conn_hash (evcon, loop->map_cap);
  while (loop->map[k].key && loop->map[k].key != evcon) {
    k = (k + 1) & (loop->map_cap - 1);
  }
  loop->map[k].key = evcon;
  loop->map[k].conn = conn;
  return true;
}

static void
mt_conn_map_remove (mt_loop_t *loop, struct evhttp_connection *evcon)
{
  size_t k;

  if (loop->map_cap == 0) {
    return;
  }
  k = mt_conn_hash (evcon, loop->map_cap);
  while (loop->map[k].key) {
    if (loop->map[k].key == evcon) {
      /* Backward-shift deletion keeps probe chains intact. */
      size_t hole = k;
      size_t j = k;
      loop->map[hole].key = NULL;
      while (true) {
        size_t home;
        j = (j + 1) & (loop->map_cap - 1);
        if (!loop->map[j].key) {
          return;
        }
        home = mt_conn_hash (loop->map[j].key, loop->map_cap);
        if ((j > hole && (home <= hole || home > j)) || (j < hole && home <= hole && home > j)) {
          loop->map[hole] = loop->map[j];
          loop->map[j].key = NULL;
          hole = j;
        }
      }
    }
    k = (k + 1) & (loop->map_cap - 1);
  }
}

mt_conn_t *
mt_conn_lookup (mt_loop_t *loop, struct evhttp_connection *evcon)
{
  size_t k;

  if (loop->map_cap == 0) {
    return NULL;
  }
  k = mt_conn_hash (evcon, loop->map_cap);
  while (loop->map[k].key) {
    if (loop->map[k].key == evcon) {
      return loop->map[k].conn;
    }
    k = (k + 1) & (loop->map_cap - 1);
  }
  return NULL;
}

/* --- lifetime ----------------------------------------------------------------------------- */

static void
mt_conn_free (mt_conn_t *conn)
{
  mt_server_t *server = conn->loop->server;

  if (conn->prev) {
    conn->prev->next = conn->next;
  } else {
    conn->loop->conns = conn->next;
  }
  if (conn->next) {
    conn->next->prev = conn->prev;
  }
  evbuffer_remove_cb (bufferevent_get_input (conn->bev), mt_conn_input_cb, conn);
  if (conn->timer) {
    event_free (conn->timer);
  }
  if (conn->counted) {
    atomic_fetch_sub (&server->connections, 1);
  }
  if (conn->in_flight > 0) {
    atomic_fetch_sub (&server->in_flight, conn->in_flight);
  }
  mt_guard_destroy (&conn->guard);
  evbuffer_free (conn->held);
  evbuffer_free (conn->scratch);
  bufferevent_decref (conn->bev);
  free (conn);
}

static void
mt_conn_close_cb (struct evhttp_connection *evcon, void *arg)
{
  mt_conn_t *conn = arg;

  mt_conn_map_remove (conn->loop, evcon);
  mt_conn_free (conn);
}

static size_t
mt_conn_body_limit (const char *method, const char *target, void *arg)
{
  mt_loop_t *loop = arg;
  return mt_router_max_body (loop->server->app->router, method, target);
}

struct bufferevent *
mt_conn_bevcb (struct event_base *base, void *arg)
{
  mt_loop_t *loop = arg;
  const mt_config_t *config = &loop->server->app->config;
  mt_guard_limits_t limits = {
    .max_header_bytes = (size_t) config->max_header_bytes,
    .max_body_bytes = (size_t) config->max_body_bytes,
    .body_limit = mt_conn_body_limit,
    .body_limit_arg = loop,
    .header_timeout_us = config->header_timeout_s * 1000000,
    .body_timeout_us = config->body_timeout_s * 1000000,
  };
  mt_conn_t *conn = calloc (1, sizeof *conn);
  struct bufferevent *bev = bufferevent_socket_new (base, -1, BEV_OPT_CLOSE_ON_FREE);

  if (!conn || !bev) {
    /* evhttp copes with NULL by creating its own bufferevent: the connection then runs
     * unguarded, so refuse it instead by handing back a bufferevent we never attach. */
    free (conn);
    return bev;
  }
  conn->loop = loop;
  conn->next = loop->conns;
  if (loop->conns) {
    loop->conns->prev = conn;
  }
  loop->conns = conn;
  conn->bev = bev;
  bufferevent_incref (bev);
  /* Write replies (listings pages, photos) in one go rather than 16 KiB at a time. */
  bufferevent_set_max_single_write (bev, 1024 * 1024);
  conn->held = evbuffer_new ();
  conn->scratch = evbuffer_new ();
  conn->timer = evtimer_new (base, mt_conn_timer_cb, conn);
  mt_guard_init (&conn->guard, &limits);
  evbuffer_add_cb (bufferevent_get_input (bev), mt_conn_input_cb, conn);
  conn->counted = true;
  if (atomic_fetch_add (&loop->server->connections, 1) >= config->max_connections) {
    mt_guard_reject (&conn->guard, MT_ERR_UNAVAILABLE, "too many connections");
  }
  /* Attach (and, when over the limit, answer 503) as soon as evhttp has set up. */
  event_active (conn->timer, EV_TIMEOUT, 0);
  return bev;
}

void
mt_conn_free_all (mt_loop_t *loop)
{
  while (loop->conns) {
    mt_conn_free (loop->conns);
  }
}

/* Finds our evhttp connection. Returns false when evhttp already dropped it (then conn is
 * freed here and must not be used). */
static bool
mt_conn_attach (mt_conn_t *conn)
{
  bufferevent_data_cb readcb;
  bufferevent_data_cb writecb;
  bufferevent_event_cb eventcb;
  void *cbarg = NULL;
  char *host = NULL;
  ev_uint16_t port = 0;

  if (conn->attached) {
    return true;
  }
  bufferevent_getcb (conn->bev, &readcb, &writecb, &eventcb, &cbarg);
  if (!eventcb || !cbarg) {
    mt_conn_free (conn);
    return false;
  }
  conn->evcon = cbarg;
  conn->attached = true;
  {
    /* Replies go out whole: without TCP_NODELAY, the tail of a reply larger than one write
     * waits for the client's delayed ACK (40 ms) behind Nagle's algorithm. */
    int one = 1;
    evutil_socket_t fd = bufferevent_getfd (conn->bev);
    if (fd >= 0) {
      setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
  }
  evhttp_connection_set_closecb (conn->evcon, mt_conn_close_cb, conn);
  mt_conn_map_put (conn->loop, conn->evcon, conn);
  evhttp_connection_get_peer (conn->evcon, &host, &port);
  snprintf (conn->addr, sizeof conn->addr, "%s", host ? host : "");
  return true;
}

/* --- the answer to a verdict -------------------------------------------------------------- */

static const char *
mt_conn_verdict_fr (mt_error_code_t code)
{
  switch (code) {
  case MT_ERR_REQUEST_TIMEOUT:
    return "requête reçue trop lentement";
  case MT_ERR_TOO_LARGE:
    return "corps de requête trop volumineux";
  case MT_ERR_HEADERS_TOO_LARGE:
    return "en-têtes trop volumineux";
  case MT_ERR_NOT_IMPLEMENTED:
    return "méthode HTTP non prise en charge";
  case MT_ERR_UNAVAILABLE:
    return "trop de connexions simultanées, réessayez plus tard";
  case MT_ERR_NONE:
  case MT_ERR_BAD_REQUEST:
  case MT_ERR_VALIDATION:
  case MT_ERR_UNAUTHENTICATED:
  case MT_ERR_FORBIDDEN:
  case MT_ERR_NOT_FOUND:
  case MT_ERR_METHOD_NOT_ALLOWED:
  case MT_ERR_CONFLICT:
  case MT_ERR_DUPLICATE:
  case MT_ERR_STALE:
  case MT_ERR_PRECONDITION_FAILED:
  case MT_ERR_UNSUPPORTED_MEDIA_TYPE:
  case MT_ERR_UNPROCESSABLE:
  case MT_ERR_PRECONDITION_REQUIRED:
  case MT_ERR_RATE_LIMITED:
  case MT_ERR_INTERNAL:
  case MT_ERR_CODE_COUNT:
  default:
    return "requête HTTP mal formée";
  }
}

/* Writes the verdict's problem+json response straight to the socket and closes. */
static void
mt_conn_kill (mt_conn_t *conn)
{
  const mt_error_info_t *info = mt_error_info (conn->guard.verdict);
  mt_metrics_t *metrics = conn->loop->server->app->metrics;
  evutil_socket_t fd = bufferevent_getfd (conn->bev);
  mt_buf_t body;
  mt_buf_t response;
  char detail[256];
  bson_t fields = BSON_INITIALIZER;

  mt_buf_init (&body, 4096);
  mt_buf_init (&response, 8192);
  snprintf (detail, sizeof detail, "%s (%s)", mt_conn_verdict_fr (conn->guard.verdict),
            conn->guard.reason ? conn->guard.reason : "invalid request");
  mt_buf_appendf (&body, "{\"type\":\"%s%s\",\"title\":", MT_PROBLEM_TYPE_PREFIX, info->slug);
  mt_json_append_string (&body, info->title_fr, strlen (info->title_fr));
  mt_buf_appendf (&body, ",\"status\":%d,\"detail\":", info->http_status);
  mt_json_append_string (&body, detail, strlen (detail));
  mt_buf_append_char (&body, '}');
  mt_buf_appendf (&response,
                  "HTTP/1.1 %d %s\r\nContent-Type: application/problem+json; charset=utf-8\r\n"
                  "Content-Length: %zu\r\nConnection: close\r\nCache-Control: no-store\r\n"
                  "X-Content-Type-Options: nosniff\r\n%s\r\n",
                  info->http_status, info->title_en, body.len,
                  conn->guard.verdict == MT_ERR_UNAVAILABLE ? "Retry-After: 1\r\n" : "");
  mt_buf_append (&response, body.data, body.len);
  if (fd >= 0 && !response.failed) {
    /* A fresh socket buffer takes a few hundred bytes without blocking. */
    ssize_t n = send (fd, response.data, response.len, MSG_DONTWAIT | MSG_NOSIGNAL);
    (void) n;
    shutdown (fd, SHUT_WR);
  }
  mt_metrics_record (metrics, mt_router_count (conn->loop->server->app->router), info->http_status,
                     0);
  BSON_APPEND_INT32 (&fields, "status", info->http_status);
  BSON_APPEND_UTF8 (&fields, "reason", conn->guard.reason ? conn->guard.reason : "");
  mt_log_fields (MT_LOG_INFO, MT_LOG_DOMAIN, "connection refused", &fields);
  bson_destroy (&fields);
  mt_buf_destroy (&body);
  mt_buf_destroy (&response);
  evhttp_connection_free (conn->evcon); /* calls mt_conn_close_cb, which frees conn */
}

static void
mt_conn_arm (mt_conn_t *conn)
{
  int64_t deadline;

  if (conn->guard.state == MT_GUARD_REJECTED) {
    event_active (conn->timer, EV_TIMEOUT, 0);
    return;
  }
  deadline = mt_guard_deadline_us (&conn->guard);
  if (deadline == 0) {
    evtimer_del (conn->timer);
  } else {
    int64_t wait = deadline - mt_time_monotonic_us ();
    struct timeval tv;
    if (wait < 0) {
      wait = 0;
    }
    tv.tv_sec = (time_t) (wait / 1000000);
    tv.tv_usec = (suseconds_t) (wait % 1000000);
    evtimer_add (conn->timer, &tv);
  }
}

/* True when every request released whole to evhttp has been answered: only then may the
 * connection be closed without losing a response that is owed. (A request whose body was
 * cut by the verdict is still being read by evhttp, never dispatched: nothing is owed.) */
static bool
mt_conn_all_answered (const mt_conn_t *conn)
{
  return conn->in_flight == 0 && conn->completed >= conn->guard.complete_requests;
}

static void
mt_conn_timer_cb (evutil_socket_t fd, short what, void *arg)
{
  mt_conn_t *conn = arg;

  (void) fd;
  (void) what;
  if (!mt_conn_attach (conn)) {
    return;
  }
  if (conn->guard.state != MT_GUARD_REJECTED) {
    mt_guard_check_deadline (&conn->guard, mt_time_monotonic_us ());
  }
  if (conn->guard.state == MT_GUARD_REJECTED) {
    /* Drop whatever was held back; answer once no request is in flight. */
    evbuffer_drain (conn->held, evbuffer_get_length (conn->held));
    if (mt_conn_all_answered (conn)) {
      mt_conn_kill (conn);
    }
    return;
  }
  mt_conn_arm (conn);
}

/* --- input -------------------------------------------------------------------------------- */

/* Moves the last @n bytes of @src to the end of @dst, or drops them when @dst is NULL. */
static void
mt_conn_take_tail (mt_conn_t *conn, struct evbuffer *src, size_t n, struct evbuffer *dst)
{
  size_t keep = evbuffer_get_length (src) - n;

  if (n == 0) {
    return;
  }
  if (keep) {
    evbuffer_remove_buffer (src, conn->scratch, keep);
  }
  if (dst) {
    evbuffer_add_buffer (dst, src);
  } else {
    evbuffer_drain (src, n);
  }
  if (keep) {
    evbuffer_add_buffer (src, conn->scratch);
  }
}

/* Feeds the last @n bytes of @buf to the guard. */
static void
mt_conn_feed_tail (mt_conn_t *conn, struct evbuffer *buf, size_t n)
{
  struct evbuffer_ptr pos;
  struct evbuffer_iovec vec[16];
  int64_t now = mt_time_monotonic_us ();
  size_t done = 0;

  while (done < n && conn->guard.state != MT_GUARD_REJECTED) {
    int count;
    evbuffer_ptr_set (buf, &pos, evbuffer_get_length (buf) - n + done, EVBUFFER_PTR_SET);
    count = evbuffer_peek (buf, (ev_ssize_t) (n - done), &pos, vec, 16);
    if (count <= 0) {
      break;
    }
    for (int i = 0; i < count && i < 16 && done < n; i++) {
      size_t len = vec[i].iov_len;
      if (len > n - done) {
        len = n - done;
      }
      mt_guard_feed (&conn->guard, vec[i].iov_base, len, now);
      done += len;
      if (conn->guard.state == MT_GUARD_REJECTED) {
        break;
      }
    }
  }
}

static void
mt_conn_input_cb (struct evbuffer *input, const struct evbuffer_cb_info *info, void *arg)
{
  mt_conn_t *conn = arg;
  size_t fresh = info->n_added;

  if (conn->in_callback || fresh == 0) {
    return;
  }
  conn->in_callback = true;
  if (!mt_conn_attach (conn)) {
    return; /* cannot happen while evhttp reads, but never touch conn after a failed attach */
  }
  if (conn->guard.state == MT_GUARD_REJECTED) {
    mt_conn_take_tail (conn, input, fresh, NULL);
  } else if (evbuffer_get_length (conn->held) == 0) {
    /* Usual case: examine the new bytes in place, move out what must wait. */
    size_t released;
    mt_conn_feed_tail (conn, input, fresh);
    released = mt_guard_take_releasable (&conn->guard);
    mt_conn_take_tail (conn, input, fresh - released,
                       conn->guard.state == MT_GUARD_REJECTED ? NULL : conn->held);
  } else {
    /* Part of a header block is already held: the new bytes go after it. */
    size_t released;
    mt_conn_take_tail (conn, input, fresh, conn->held);
    mt_conn_feed_tail (conn, conn->held, fresh);
    released = mt_guard_take_releasable (&conn->guard);
    evbuffer_remove_buffer (conn->held, input, released);
    if (conn->guard.state == MT_GUARD_REJECTED) {
      evbuffer_drain (conn->held, evbuffer_get_length (conn->held));
    }
  }
  mt_conn_arm (conn);
  conn->in_callback = false;
}

/* --- request accounting ------------------------------------------------------------------- */

void
mt_conn_request_started (mt_conn_t *conn)
{
  conn->in_flight++;
  atomic_fetch_add (&conn->loop->server->in_flight, 1);
}

void
mt_conn_request_finished (mt_conn_t *conn)
{
  conn->in_flight--;
  conn->completed++;
  atomic_fetch_sub (&conn->loop->server->in_flight, 1);
  if (conn->guard.state == MT_GUARD_REJECTED && mt_conn_all_answered (conn)) {
    event_active (conn->timer, EV_TIMEOUT, 0);
  }
}
