/*
 * webhook_client: one HTTP POST over a blocking-free socket with a deadline; see
 * webhook_client.h.
 */
#include "webhook_client.h"

#include "mt_buf.h"
#include "mt_time.h"
#include "webhooks.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MT_WEBHOOK_REQUEST_HEAD_MAX (MT_WEBHOOK_URL_MAX + 1024)
#define MT_WEBHOOK_STATUS_LINE_MAX 1024

typedef struct {
  int64_t deadline_us;
  const atomic_bool *stop;
} mt_webhook_clock_t;

/* Waits for @events on @fd; 1 ready, 0 deadline passed, -1 stopped or error (@detail). */
static int
mt_webhook_wait (int fd, short events, const mt_webhook_clock_t *clock, char *detail,
                 size_t detail_size)
{
  while (true) {
    int64_t left_ms = (clock->deadline_us - mt_time_monotonic_us ()) / 1000;
    struct pollfd pfd = { .fd = fd, .events = events, .revents = 0 };
    int n;

    if (clock->stop && atomic_load (clock->stop)) {
      snprintf (detail, detail_size, "interrupted (shutdown)");
      return -1;
    }
    if (left_ms <= 0) {
      snprintf (detail, detail_size, "timeout");
      return 0;
    }
    n = poll (&pfd, 1,
              (int) (left_ms < MT_WEBHOOK_CLIENT_TICK_MS ? left_ms : MT_WEBHOOK_CLIENT_TICK_MS));
    if (n > 0) {
      return 1;
    }
    if (n < 0 && errno != EINTR) {
      snprintf (detail, detail_size, "poll: %s", strerror (errno));
      return -1;
    }
  }
}

/* Connects to one of @host's addresses; the socket (non-blocking) or -1 with @detail. */
static int
mt_webhook_connect (const mt_webhook_url_t *url, const mt_webhook_clock_t *clock, char *detail,
                    size_t detail_size)
{
  struct addrinfo hints, *addrs = NULL;
  char port[8];
  int fd = -1;
  int rc;

  memset (&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  snprintf (port, sizeof port, "%u", (unsigned) url->port);
  rc = getaddrinfo (url->host, port, &hints, &addrs);
  if (rc != 0) {
    snprintf (detail, detail_size, "cannot resolve host: %s", gai_strerror (rc));
    return -1;
  }
  for (struct addrinfo *a = addrs; a && fd < 0; a = a->ai_next) {
    int err = 0;
    socklen_t err_len = sizeof err;

    fd = socket (a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      snprintf (detail, detail_size, "socket: %s", strerror (errno));
      continue;
    }
    if (connect (fd, a->ai_addr, a->ai_addrlen) == 0) {
      break;
    }
    if (errno == EINPROGRESS) {
      rc = mt_webhook_wait (fd, POLLOUT, clock, detail, detail_size);
      if (rc == 1 && getsockopt (fd, SOL_SOCKET, SO_ERROR, &err, &err_len) == 0 && err == 0) {
        break;
      }
      if (rc == 1) {
        snprintf (detail, detail_size, "connect: %s", strerror (err));
      }
    } else {
      snprintf (detail, detail_size, "connect: %s", strerror (errno));
    }
    close (fd);
    fd = -1;
    if (rc != 1) {
      break; /* deadline or stop: no other address */
    }
  }
  freeaddrinfo (addrs);
  return fd;
}

/* Writes all @len bytes; false with @detail. */
static bool
mt_webhook_write_all (int fd, const char *data, size_t len, const mt_webhook_clock_t *clock,
                      char *detail, size_t detail_size)
{
  size_t done = 0;

  while (done < len) {
    ssize_t n = send (fd, data + done, len - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += (size_t) n;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      if (mt_webhook_wait (fd, POLLOUT, clock, detail, detail_size) != 1) {
        return false;
      }
      continue;
    }
    snprintf (detail, detail_size, "send: %s", n < 0 ? strerror (errno) : "closed");
    return false;
  }
  return true;
}

/* Reads up to the end of the status line and parses "HTTP/1.x NNN". */
static bool
mt_webhook_read_status (int fd, const mt_webhook_clock_t *clock, int *status, char *detail,
                        size_t detail_size)
{
  char line[MT_WEBHOOK_STATUS_LINE_MAX];
  size_t len = 0;

  while (len < sizeof line - 1 && !memchr (line, '\n', len)) {
    ssize_t n = recv (fd, line + len, sizeof line - 1 - len, 0);
    if (n > 0) {
      len += (size_t) n;
      continue;
    }
    if (n == 0) {
      break;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      if (mt_webhook_wait (fd, POLLIN, clock, detail, detail_size) != 1) {
        return false;
      }
      continue;
    }
    snprintf (detail, detail_size, "recv: %s", strerror (errno));
    return false;
  }
  line[len] = '\0';
  if (len < 12 || strncmp (line, "HTTP/1.", 7) != 0 || line[8] != ' ' || line[9] < '1' ||
      line[9] > '5' || line[10] < '0' || line[10] > '9' || line[11] < '0' || line[11] > '9') {
    snprintf (detail, detail_size,
              len == 0 ? "connection closed without an answer" : "malformed HTTP answer");
    return false;
  }
  *status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  return true;
}

bool
mt_webhook_post (const char *url, const char *body, size_t len, const mt_webhook_headers_t *headers,
                 int64_t timeout_ms, const atomic_bool *stop, int *status, char *detail,
                 size_t detail_size)
{
  mt_webhook_clock_t clock = { .deadline_us = mt_time_monotonic_us () + timeout_ms * 1000,
                               .stop = stop };
  mt_webhook_url_t parsed;
  mt_buf_t head;
  int fd = -1;
  bool ok = false;

  *status = 0;
  detail[0] = '\0';
  mt_buf_init (&head, MT_WEBHOOK_REQUEST_HEAD_MAX);
  if (!mt_webhook_url_parse (url, &parsed, NULL)) {
    snprintf (detail, detail_size, "URL refused");
    goto done;
  }
  mt_buf_appendf (
    &head,
    "POST %s%s HTTP/1.1\r\nHost: %s%s%s:%u\r\nUser-Agent: mutua-webhooks/1\r\n"
    "Content-Type: application/json\r\nContent-Length: %zu\r\n"
    "X-Mutua-Signature: %s\r\nX-Mutua-Delivery: %s\r\nX-Mutua-Event: %s\r\n"
    "Connection: close\r\n\r\n",
    parsed.path[0] == '/' ? "" : "/", parsed.path, strchr (parsed.host, ':') ? "[" : "",
    parsed.host, strchr (parsed.host, ':') ? "]" : "", (unsigned) parsed.port, len,
    headers->signature ? headers->signature : "", headers->delivery_id ? headers->delivery_id : "",
    headers->event ? headers->event : "");
  if (head.failed) {
    snprintf (detail, detail_size, "request too long");
    goto done;
  }
  fd = mt_webhook_connect (&parsed, &clock, detail, detail_size);
  if (fd < 0) {
    goto done;
  }
  if (!mt_webhook_write_all (fd, head.data, head.len, &clock, detail, detail_size) ||
      !mt_webhook_write_all (fd, body, len, &clock, detail, detail_size) ||
      !mt_webhook_read_status (fd, &clock, status, detail, detail_size)) {
    goto done;
  }
  ok = true;
done:
  if (fd >= 0) {
    close (fd);
  }
  mt_buf_destroy (&head);
  return ok;
}
