/*
 * server: listeners, loop threads and graceful shutdown.
 *
 * Every loop binds its own socket to the same address with SO_REUSEPORT (the first one
 * picks the port when 0 is asked), so the kernel spreads new connections across loops and
 * no lock is shared on the accept path.
 */
#include "server.h"

#include "http_private.h"
#include "mt_log.h"
#include "mt_time.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MT_LOG_DOMAIN "http"
#define MT_LISTEN_BACKLOG 1024

/* Splits "host:port" or "[v6]:port". */
static bool
mt_server_split_listen (const char *listen, char *host, size_t host_size, char *port,
                        size_t port_size)
{
  const char *colon;

  if (listen[0] == '[') {
    const char *end = strchr (listen, ']');
    if (!end || end[1] != ':') {
      return false;
    }
    snprintf (host, host_size, "%.*s", (int) (end - listen - 1), listen + 1);
    snprintf (port, port_size, "%s", end + 2);
    return true;
  }
  colon = strrchr (listen, ':');
  if (!colon) {
    return false;
  }
  snprintf (host, host_size, "%.*s", (int) (colon - listen), listen);
  snprintf (port, port_size, "%s", colon + 1);
  return *port != '\0';
}

static evutil_socket_t
mt_server_bind (const char *host, const char *port, int *bound_port, mt_error_t *error)
{
  struct addrinfo hints;
  struct addrinfo *res = NULL;
  evutil_socket_t fd = -1;
  int one = 1;
  int rc;

  memset (&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  rc = getaddrinfo (*host ? host : NULL, port, &hints, &res);
  if (rc != 0 || !res) {
    mt_error_set (error, MT_DOMAIN_IO, MT_ERR_INTERNAL, "adresse d'écoute invalide %s:%s (%s)",
                  "invalid listen address %s:%s (%s)", host, port, gai_strerror (rc));
    return -1;
  }
  fd = socket (res->ai_family, res->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, res->ai_protocol);
  if (fd < 0 || setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      setsockopt (fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
      bind (fd, res->ai_addr, res->ai_addrlen) != 0 || listen (fd, MT_LISTEN_BACKLOG) != 0) {
    mt_error_set (error, MT_DOMAIN_IO, MT_ERR_INTERNAL, "impossible d'écouter sur %s:%s : %s",
                  "cannot listen on %s:%s: %s", host, port, strerror (errno));
    if (fd >= 0) {
      close (fd);
    }
    freeaddrinfo (res);
    return -1;
  }
  freeaddrinfo (res);
  {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    getsockname (fd, (struct sockaddr *) &ss, &len);
    *bound_port = ss.ss_family == AF_INET6 ? ntohs (((struct sockaddr_in6 *) &ss)->sin6_port)
                                           : ntohs (((struct sockaddr_in *) &ss)->sin_port);
  }
  return fd;
}

static bool
mt_loop_init (mt_server_t *server, mt_loop_t *loop, int index, const char *host, mt_error_t *error)
{
  mt_app_t *app = server->app;
  const mt_config_t *config = &app->config;
  char port[16];
  int bound = 0;

  loop->server = server;
  loop->index = index;
  loop->listen_fd = -1;
  snprintf (port, sizeof port, "%d", server->port);
  loop->base = event_base_new ();
  loop->http = loop->base ? evhttp_new (loop->base) : NULL;
  loop->completions = loop->base ? mt_completion_queue_new (loop->base) : NULL;
  if (!loop->http || !loop->completions) {
    mt_error_set (error, MT_DOMAIN_HTTP, MT_ERR_INTERNAL, "mémoire insuffisante", "out of memory");
    return false;
  }
  loop->store = mt_store_open (app->backend, error);
  if (!loop->store) {
    return false;
  }
  loop->listen_fd = mt_server_bind (host, port, &bound, error);
  if (loop->listen_fd < 0) {
    return false;
  }
  if (server->port == 0) {
    server->port = bound;
  }
  evhttp_set_timeout (loop->http, (int) config->idle_timeout_s);
  /* Backstops: the guard enforces the real limits with problem+json answers. */
  evhttp_set_max_headers_size (loop->http, (ev_ssize_t) config->max_header_bytes * 2);
  evhttp_set_max_body_size (loop->http, (ev_ssize_t) 64 * 1024 * 1024);
  evhttp_set_allowed_methods (loop->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
                                            EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE |
                                            EVHTTP_REQ_OPTIONS);
  evhttp_set_bevcb (loop->http, mt_conn_bevcb, loop);
  evhttp_set_gencb (loop->http, mt_request_dispatch, loop);
  loop->bound = evhttp_accept_socket_with_handle (loop->http, loop->listen_fd);
  if (!loop->bound) {
    mt_error_set (error, MT_DOMAIN_HTTP, MT_ERR_INTERNAL, "evhttp refuse la socket d'écoute",
                  "evhttp refused the listening socket");
    return false;
  }
  return true;
}

mt_server_t *
mt_server_new (mt_app_t *app, mt_error_t *error)
{
  mt_server_t *server = calloc (1, sizeof *server);
  char host[256];
  char port[16];

  if (!server) {
    mt_error_set (error, MT_DOMAIN_HTTP, MT_ERR_INTERNAL, "mémoire insuffisante", "out of memory");
    return NULL;
  }
  server->app = app;
  app->server = server;
  pthread_mutex_init (&server->periodic_lock, NULL);
  if (!mt_server_split_listen (app->config.listen, host, sizeof host, port, sizeof port)) {
    mt_error_set (error, MT_DOMAIN_CONFIG, MT_ERR_BAD_REQUEST,
                  "adresse d'écoute « %s » invalide (attendu hôte:port)",
                  "invalid listen address \"%s\" (expected host:port)", app->config.listen);
    free (server);
    return NULL;
  }
  server->port = (int) strtol (port, NULL, 10);
  server->loop_count = (int) app->config.threads;
  server->loops = calloc ((size_t) server->loop_count, sizeof *server->loops);
  if (!server->loops) {
    free (server);
    return NULL;
  }
  for (int i = 0; i < server->loop_count; i++) {
    if (!mt_loop_init (server, &server->loops[i], i, host, error)) {
      mt_server_destroy (server);
      return NULL;
    }
  }
  if (app->config.write_batch_max > 0 && server->loops[0].store->ops->group_commit) {
    server->committer = mt_committer_new (app, (int) app->config.write_batch_max, error);
    if (!server->committer) {
      mt_server_destroy (server);
      return NULL;
    }
  }
  return server;
}

/* --- Periodic tasks of loop 0 ------------------------------------------------------------ */

struct mt_periodic {
  mt_periodic_t *next;
  mt_loop_t *loop;
  struct event *timer; /* persistent, every interval */
  struct event *again; /* one-shot, zero delay: the task said it has more work ready */
  struct timeval interval;
  mt_server_periodic_fn fn;
  void *arg;
};

static void
mt_periodic_run (evutil_socket_t fd, short what, void *data)
{
  mt_periodic_t *task = data;
  mt_loop_t *loop = task->loop;
  mt_ctx_t ctx;
  struct timeval zero = { 0, 0 };

  (void) fd;
  (void) what;
  if (atomic_load (&loop->server->draining)) {
    return;
  }
  if (evtimer_pending (task->again, NULL)) {
    return; /* a continuation is already due: it will run the task */
  }
  memset (&ctx, 0, sizeof ctx);
  ctx.env = &loop->server->app->env;
  ctx.store = loop->store;
  ctx.now_ms = mt_time_now_ms ();
  ctx.client_addr = "";
  if (task->fn (&ctx, task->arg)) {
    evtimer_add (task->again, &zero);
  }
}

bool
mt_server_add_periodic (mt_server_t *server, int64_t interval_ms, mt_server_periodic_fn fn,
                        void *arg, mt_error_t *error)
{
  mt_loop_t *loop = &server->loops[0];
  mt_periodic_t *task = calloc (1, sizeof *task);
  bool ok = false;

  if (!task || interval_ms <= 0) {
    mt_error_set (error, MT_DOMAIN_HTTP, MT_ERR_INTERNAL, "tâche périodique impossible",
                  "cannot add a periodic task");
    free (task);
    return false;
  }
  task->loop = loop;
  task->fn = fn;
  task->arg = arg;
  task->interval.tv_sec = (time_t) (interval_ms / 1000);
  task->interval.tv_usec = (suseconds_t) ((interval_ms % 1000) * 1000);
  task->timer = event_new (loop->base, -1, EV_PERSIST, mt_periodic_run, task);
  task->again = evtimer_new (loop->base, mt_periodic_run, task);
  if (task->timer && task->again && event_add (task->timer, &task->interval) == 0) {
    pthread_mutex_lock (&server->periodic_lock);
    task->next = server->periodics;
    server->periodics = task;
    pthread_mutex_unlock (&server->periodic_lock);
    ok = true;
  } else {
    mt_error_set (error, MT_DOMAIN_HTTP, MT_ERR_INTERNAL, "tâche périodique impossible",
                  "cannot add a periodic task");
    if (task->timer) {
      event_free (task->timer);
    }
    if (task->again) {
      event_free (task->again);
    }
    free (task);
  }
  return ok;
}

/* Frees every task; the loops have stopped. */
static void
mt_periodic_free_all (mt_server_t *server)
{
  mt_periodic_t *task = server->periodics;

  while (task) {
    mt_periodic_t *next = task->next;
    event_free (task->timer);
    event_free (task->again);
    free (task);
    task = next;
  }
  server->periodics = NULL;
}

int
mt_server_port (const mt_server_t *server)
{
  return server->port;
}

static void *
mt_loop_main (void *arg)
{
  mt_loop_t *loop = arg;
  event_base_loop (loop->base, EVLOOP_NO_EXIT_ON_EMPTY);
  return NULL;
}

bool
mt_server_start (mt_server_t *server, mt_error_t *error)
{
  for (int i = 0; i < server->loop_count; i++) {
    if (pthread_create (&server->loops[i].thread, NULL, mt_loop_main, &server->loops[i]) != 0) {
      mt_error_set (error, MT_DOMAIN_HTTP, MT_ERR_INTERNAL, "impossible de lancer une boucle",
                    "cannot start an event loop");
      return false;
    }
    server->loops[i].started = true;
  }
  atomic_store (&server->app->ready, true);
  return true;
}

/* Runs on a loop thread: stop accepting there. */
static void
mt_loop_stop_accepting (evutil_socket_t fd, short what, void *arg)
{
  mt_loop_t *loop = arg;
  (void) fd;
  (void) what;
  if (loop->bound) {
    evhttp_del_accept_socket (loop->http, loop->bound); /* closes listen_fd */
    loop->bound = NULL;
    loop->listen_fd = -1;
  }
}

int
mt_server_drain (mt_server_t *server, int timeout_s)
{
  int64_t deadline = mt_time_monotonic_us () + (int64_t) timeout_s * 1000000;
  struct timeval zero = { 0, 0 };

  atomic_store (&server->draining, true);
  atomic_store (&server->app->ready, false);
  for (int i = 0; i < server->loop_count; i++) {
    if (server->loops[i].started) {
      event_base_once (server->loops[i].base, -1, EV_TIMEOUT, mt_loop_stop_accepting,
                       &server->loops[i], &zero);
    }
  }
  while (atomic_load (&server->in_flight) > 0 && mt_time_monotonic_us () < deadline) {
    usleep (10000);
  }
  return atomic_load (&server->in_flight);
}

void
mt_server_destroy (mt_server_t *server)
{
  if (!server) {
    return;
  }
  /* First, while the loops still run: the last batch's replies go through them. */
  mt_committer_destroy (server->committer);
  server->committer = NULL;
  for (int i = 0; i < server->loop_count; i++) {
    mt_loop_t *loop = &server->loops[i];
    if (loop->started) {
      event_base_loopbreak (loop->base);
      pthread_join (loop->thread, NULL);
      loop->started = false;
    }
  }
  mt_periodic_free_all (server);
  for (int i = 0; i < server->loop_count; i++) {
    mt_loop_t *loop = &server->loops[i];
    if (loop->http) {
      evhttp_free (loop->http); /* closes the remaining connections (their conns are freed) */
    }
    mt_conn_free_all (loop);
    if (loop->listen_fd >= 0 && !loop->bound) {
      close (loop->listen_fd);
    }
    mt_completion_queue_destroy (loop->completions);
    mt_store_close (loop->store);
    free (loop->map);
    if (loop->base) {
      event_base_free (loop->base);
    }
  }
  if (server->app) {
    server->app->server = NULL;
  }
  pthread_mutex_destroy (&server->periodic_lock);
  free (server->loops);
  free (server);
}

int64_t
mt_server_connections (const mt_server_t *server)
{
  return atomic_load (&server->connections);
}

int64_t
mt_server_in_flight (const mt_server_t *server)
{
  return atomic_load (&server->in_flight);
}

void
mt_server_write_batches (const mt_server_t *server, int64_t *batches, int64_t *requests)
{
  mt_committer_counts (server->committer, batches, requests);
}
