/*
 * ceiling: the fastest an evhttp server can answer on this machine: one event loop per
 * thread, SO_REUSEPORT, and every request answered with the same bytes (a file read once).
 * Benchmarks run it beside mutuad with the bytes mutuad answered, so that mutuad's figures
 * read as a fraction of what libevent alone can do here.
 *
 *   bench_ceiling PORT THREADS BODY_FILE [CONTENT_TYPE [HEADERS_FILE]]
 *
 * HEADERS_FILE: more headers, one "Name: value" per line (those mutuad sent with the body),
 * so that the ceiling writes the same bytes; evhttp adds Date and Content-Length itself.
 */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/thread.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct {
  char name[128];
  char value[1024];
} bench_header_t;

typedef struct {
  const char *body;
  size_t len;
  const char *content_type;
  const bench_header_t *headers;
  size_t header_count;
  int fd;
  pthread_t thread;
} bench_loop_t;

/* The same socket settings as mutuad: whole replies, no Nagle delay. */
static struct bufferevent *
bench_bevcb (struct event_base *base, void *arg)
{
  struct bufferevent *bev = bufferevent_socket_new (base, -1, BEV_OPT_CLOSE_ON_FREE);
  (void) arg;
  bufferevent_set_max_single_write (bev, 1024 * 1024);
  return bev;
}

static void
bench_answer (struct evhttp_request *req, void *arg)
{
  bench_loop_t *loop = arg;
  struct evbuffer *out = evbuffer_new ();
  struct bufferevent *bev = evhttp_connection_get_bufferevent (evhttp_request_get_connection (req));
  int one = 1;

  setsockopt (bufferevent_getfd (bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

  evhttp_add_header (evhttp_request_get_output_headers (req), "Content-Type", loop->content_type);
  for (size_t i = 0; i < loop->header_count; i++) {
    evhttp_add_header (evhttp_request_get_output_headers (req), loop->headers[i].name,
                       loop->headers[i].value);
  }
  evbuffer_add_reference (out, loop->body, loop->len, NULL, NULL);
  evhttp_send_reply (req, 200, "OK", out);
  evbuffer_free (out);
}

static int
bench_listen (int port)
{
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  struct sockaddr_in sa;

  memset (&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons ((uint16_t) port);
  sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (fd < 0 || setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      setsockopt (fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
      bind (fd, (struct sockaddr *) &sa, sizeof sa) != 0 || listen (fd, 1024) != 0) {
    perror ("listen");
    exit (1);
  }
  return fd;
}

static void *
bench_run (void *arg)
{
  bench_loop_t *loop = arg;
  struct event_base *base = event_base_new ();
  struct evhttp *http = evhttp_new (base);

  evhttp_set_bevcb (http, bench_bevcb, NULL);
  evhttp_set_gencb (http, bench_answer, loop);
  evhttp_accept_socket (http, loop->fd);
  event_base_dispatch (base);
  return NULL;
}

/* Reads "Name: value" lines of @path into @out (at most @max); returns how many. */
static size_t
bench_read_headers (const char *path, bench_header_t *out, size_t max)
{
  FILE *f = fopen (path, "r");
  char line[1200];
  size_t count = 0;

  if (!f) {
    perror (path);
    exit (1);
  }
  while (count < max && fgets (line, sizeof line, f)) {
    char *colon = strchr (line, ':');
    char *value;
    if (!colon) {
      continue;
    }
    *colon = '\0';
    value = colon + 1;
    while (*value == ' ') {
      value++;
    }
    value[strcspn (value, "\r\n")] = '\0';
    if (strlen (line) >= sizeof out[count].name || strlen (value) >= sizeof out[count].value) {
      fprintf (stderr, "%s: header too long, skipped\n", path);
      continue;
    }
    memcpy (out[count].name, line, strlen (line) + 1);
    memcpy (out[count].value, value, strlen (value) + 1);
    count++;
  }
  fclose (f);
  return count;
}

int
main (int argc, char **argv)
{
  static bench_header_t headers[64];
  size_t header_count = 0;
  int port;
  int threads;
  FILE *f;
  long size;
  char *body;
  bench_loop_t *loops;

  if (argc < 4) {
    fprintf (stderr, "usage: %s PORT THREADS BODY_FILE [CONTENT_TYPE [HEADERS_FILE]]\n", argv[0]);
    return 2;
  }
  port = (int) strtol (argv[1], NULL, 10);
  threads = (int) strtol (argv[2], NULL, 10);
  f = fopen (argv[3], "rb");
  if (!f || fseek (f, 0, SEEK_END) != 0 || (size = ftell (f)) < 0) {
    perror (argv[3]);
    return 1;
  }
  rewind (f);
  body = malloc ((size_t) size + 1);
  if (!body || fread (body, 1, (size_t) size, f) != (size_t) size) {
    return 1;
  }
  fclose (f);
  if (argc > 5) {
    header_count = bench_read_headers (argv[5], headers, sizeof headers / sizeof headers[0]);
  }
  evthread_use_pthreads ();
  loops = calloc ((size_t) threads, sizeof *loops);
  for (int i = 0; i < threads; i++) {
    loops[i].body = body;
    loops[i].len = (size_t) size;
    loops[i].content_type = argc > 4 ? argv[4] : "application/json; charset=utf-8";
    loops[i].headers = headers;
    loops[i].header_count = header_count;
    loops[i].fd = bench_listen (port);
    pthread_create (&loops[i].thread, NULL, bench_run, &loops[i]);
  }
  printf ("ceiling listening on 127.0.0.1:%d with %d threads, %ld-byte body, %zu more headers\n",
          port, threads, size, header_count);
  fflush (stdout);
  pthread_join (loops[0].thread, NULL);
  return 0;
}
