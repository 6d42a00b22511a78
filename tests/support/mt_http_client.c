/*
 * mt_http_client: raw HTTP/1.1 client of the integration tests (see the header).
 *
 * Reading never goes past the response being read: a line (status line, header, chunk
 * size, trailer) is first peeked (MSG_PEEK) and only the bytes up to its "\n" are taken;
 * bodies of known length are read with exactly that length. Without this, bytes of a
 * pipelined second response would be swallowed by the first read, and the socket could
 * not be handed back to the test.
 *
 * Every wait is a poll() against one deadline per operation, computed from the timeout
 * set with mt_http_client_set_timeout.
 */
#include "mt_http_client.h"

#include "mt_buf.h"
#include "mt_json.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int client_timeout_ms = MT_HTTP_CLIENT_TIMEOUT_MS;

/* ---- time and waiting ---------------------------------------------------------------- */

static int64_t
now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
deadline_in (int timeout_ms)
{
  return now_ms () + timeout_ms;
}

/*
 * Waits until @fd is ready for @events (or has an error or hang-up, which the following
 * recv/send reports) or until @deadline.
 * Returns: true when ready; false with @error set on a timeout or a poll failure.
 */
static bool
wait_fd (int fd, short events, int64_t deadline, mt_error_t *error)
{
  for (;;) {
    int64_t left = deadline - now_ms ();
    struct pollfd pfd = { .fd = fd, .events = events, .revents = 0 };
    int n;

    if (left <= 0) {
      mt_error_set (error, MT_DOMAIN_IO, MT_ERR_REQUEST_TIMEOUT,
                    "délai dépassé en attendant le serveur", "timed out waiting for the server");
      return false;
    }
    n = poll (&pfd, 1, left > INT_MAX ? INT_MAX : (int) left);
    if (n > 0) {
      return true;
    }
    if (n < 0 && errno != EINTR) {
      mt_error_set (error, MT_DOMAIN_IO, MT_ERR_INTERNAL, "poll : %s", "poll: %s",
                    strerror (errno));
      return false;
    }
  }
}

/* ---- connecting and sending ------------------------------------------------------------ */

void
mt_http_client_set_timeout (int timeout_ms)
{
  client_timeout_ms = timeout_ms > 0 ? timeout_ms : MT_HTTP_CLIENT_TIMEOUT_MS;
}

int
mt_http_connect_to (const char *address, uint16_t port, mt_error_t *error)
{
  struct sockaddr_storage ss;
  socklen_t ss_len;
  char host[INET6_ADDRSTRLEN + 1];
  size_t len = strlen (address);
  int64_t deadline = deadline_in (client_timeout_ms);
  int fd = -1;
  int soerr = 0;
  socklen_t soerr_len = sizeof soerr;
  int one = 1;
  bool ok = false;

  memset (&ss, 0, sizeof ss);
  /* Accept "[::1]" as well as "::1". */
  if (len >= 2 && address[0] == '[' && address[len - 1] == ']') {
    address++;
    len -= 2;
  }
  if (len >= sizeof host) {
    mt_error_set (error, MT_DOMAIN_IO, MT_ERR_BAD_REQUEST, "adresse invalide", "invalid address");
    goto done;
  }
  memcpy (host, address, len);
  host[len] = '\0';
  if (inet_pton (AF_INET, host, &((struct sockaddr_in *) &ss)->sin_addr) == 1) {
    ((struct sockaddr_in *) &ss)->sin_family = AF_INET;
    ((struct sockaddr_in *) &ss)->sin_port = htons (port);
    ss_len = sizeof (struct sockaddr_in);
  } else if (inet_pton (AF_INET6, host, &((struct sockaddr_in6 *) &ss)->sin6_addr) == 1) {
    ((struct sockaddr_in6 *) &ss)->sin6_family = AF_INET6;
    ((struct sockaddr_in6 *) &ss)->sin6_port = htons (port);
    ss_len = sizeof (struct sockaddr_in6);
  } else {
    mt_error_set (error, MT_DOMAIN_IO, MT_ERR_BAD_REQUEST, "adresse invalide : %s",
                  "invalid address: %s", host);
    goto done;
  }

  fd = socket (ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    mt_error_set (error, MT_DOMAIN_IO, MT_ERR_INTERNAL, "socket : %s", "socket: %s",
                  strerror (errno));
    goto done;
  }
  /* Tests write small requests in pieces: do not let Nagle delay them. */
  (void) setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect (fd, (struct sockaddr *) &ss, ss_len) != 0) {
    if (errno != EINPROGRESS) {
      mt_error_set (error, MT_DOMAIN_IO, MT_ERR_UNAVAILABLE, "connexion à %s:%u : %s",
                    "connect to %s:%u: %s", host, (unsigned) port, strerror (errno));
      goto done;
    }
    if (!wait_fd (fd, POLLOUT, deadline, error)) {
      goto done;
    }
    if (getsockopt (fd, SOL_SOCKET, SO_ERROR, &soerr, &soerr_len) != 0 || soerr != 0) {
      mt_error_set (error, MT_DOMAIN_IO, MT_ERR_UNAVAILABLE, "connexion à %s:%u : %s",
                    "connect to %s:%u: %s", host, (unsigned) port,
                    strerror (soerr ? soerr : errno));
      goto done;
    }
  }
  ok = true;

done:
  if (!ok && fd >= 0) {
    close (fd);
    fd = -1;
  }
  return fd;
}

int
mt_http_connect (uint16_t port, mt_error_t *error)
{
  return mt_http_connect_to ("127.0.0.1", port, error);
}

void
mt_http_close (int fd)
{
  if (fd >= 0) {
    close (fd);
  }
}

bool
mt_http_send (int fd, const void *data, size_t len, mt_error_t *error)
{
  const char *p = data;
  int64_t deadline = deadline_in (client_timeout_ms);

  while (len > 0) {
    ssize_t n = send (fd, p, len, MSG_NOSIGNAL);

    if (n > 0) {
      p += n;
      len -= (size_t) n;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_fd (fd, POLLOUT, deadline, error)) {
        return false;
      }
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      mt_error_set (error, MT_DOMAIN_IO, MT_ERR_UNAVAILABLE, "envoi : %s", "send: %s",
                    n < 0 ? strerror (errno) : "no progress");
      return false;
    }
  }
  return true;
}

bool
mt_http_send_str (int fd, const char *str, mt_error_t *error)
{
  return mt_http_send (fd, str, strlen (str), error);
}

/* ---- the response object ------------------------------------------------------------- */

void
mt_http_response_init (mt_http_response_t *resp)
{
  memset (resp, 0, sizeof *resp);
  bson_init (&resp->json);
}

static void
free_headers (mt_http_header_t *headers, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    free (headers[i].name);
    free (headers[i].value);
  }
  free (headers);
}

void
mt_http_response_destroy (mt_http_response_t *resp)
{
  free (resp->reason);
  free_headers (resp->headers, resp->n_headers);
  free_headers (resp->trailers, resp->n_trailers);
  free (resp->body);
  bson_destroy (&resp->json);
  mt_http_response_init (resp);
}

static const char *
find_header (const mt_http_header_t *headers, size_t n, const char *name)
{
  for (size_t i = 0; i < n; i++) {
    if (strcasecmp (headers[i].name, name) == 0) {
      return headers[i].value;
    }
  }
  return NULL;
}

const char *
mt_http_header (const mt_http_response_t *resp, const char *name)
{
  return find_header (resp->headers, resp->n_headers, name);
}

size_t
mt_http_header_count (const mt_http_response_t *resp, const char *name)
{
  size_t count = 0;

  for (size_t i = 0; i < resp->n_headers; i++) {
    if (strcasecmp (resp->headers[i].name, name) == 0) {
      count++;
    }
  }
  return count;
}

const char *
mt_http_trailer (const mt_http_response_t *resp, const char *name)
{
  return find_header (resp->trailers, resp->n_trailers, name);
}

const bson_t *
mt_http_json (const mt_http_response_t *resp)
{
  return resp->has_json ? &resp->json : NULL;
}

const char *
mt_http_json_string (const mt_http_response_t *resp, const char *dotted_key)
{
  bson_iter_t it;
  bson_iter_t found;

  if (!resp->has_json || !bson_iter_init (&it, &resp->json) ||
      !bson_iter_find_descendant (&it, dotted_key, &found) || !BSON_ITER_HOLDS_UTF8 (&found)) {
    return NULL;
  }
  return bson_iter_utf8 (&found, NULL);
}

/* ---- reading ------------------------------------------------------------------------- */

typedef struct {
  int fd;
  int64_t deadline;
  mt_error_t *error;
} reader_t;

/*
 * recv() of at most @len bytes once the socket is readable.
 * Returns: the byte count, 0 at the end of the stream, -1 with the error set.
 */
static ssize_t
reader_recv (reader_t *r, void *buf, size_t len, int flags)
{
  for (;;) {
    ssize_t n;

    if (!wait_fd (r->fd, POLLIN, r->deadline, r->error)) {
      return -1;
    }
    n = recv (r->fd, buf, len, flags);
    if (n >= 0) {
      return n;
    }
    if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
      mt_error_set (r->error, MT_DOMAIN_IO, MT_ERR_UNAVAILABLE, "réception : %s", "recv: %s",
                    strerror (errno));
      return -1;
    }
  }
}

/*
 * Reads one line, up to and including its "\n", into @line (emptied first), and strips
 * the "\n" and one "\r" before it. Never takes a byte past the "\n".
 * Returns: true with the line; false on an end of stream (with *eof_at_start when it came
 * before any byte), a timeout, or a line longer than @line's maximum.
 */
static bool
read_line (reader_t *r, mt_buf_t *line, bool *eof_at_start)
{
  char peek[4096];

  mt_buf_reset (line);
  if (eof_at_start) {
    *eof_at_start = false;
  }
  for (;;) {
    ssize_t n = reader_recv (r, peek, sizeof peek, MSG_PEEK);
    const char *nl;
    size_t take;
    ssize_t got;

    if (n < 0) {
      return false;
    }
    if (n == 0) {
      if (eof_at_start && line->len == 0) {
        *eof_at_start = true;
      }
      mt_error_set (r->error, MT_DOMAIN_HTTP, MT_ERR_BAD_REQUEST,
                    "connexion fermée par le serveur au milieu d'une ligne",
                    "connection closed by the server in the middle of a line");
      return false;
    }
    nl = memchr (peek, '\n', (size_t) n);
    take = nl ? (size_t) (nl - peek) + 1 : (size_t) n;
    /* The bytes were peeked, so they are there: this recv does not wait. */
    got = recv (r->fd, peek, take, 0);
    if (got != (ssize_t) take) {
      mt_error_set (r->error, MT_DOMAIN_IO, MT_ERR_INTERNAL, "réception incomplète",
                    "short recv after peek");
      return false;
    }
    if (!mt_buf_append (line, peek, take)) {
      mt_error_set (r->error, MT_DOMAIN_HTTP, MT_ERR_HEADERS_TOO_LARGE,
                    "ligne de plus de %zu octets", "line longer than %zu bytes", line->max);
      return false;
    }
    if (nl) {
      line->len--;
      if (line->len > 0 && line->data[line->len - 1] == '\r') {
        line->len--;
      }
      line->data[line->len] = '\0';
      return true;
    }
  }
}

/* Reads exactly @len bytes into @body. */
static bool
read_exact (reader_t *r, mt_buf_t *body, size_t len)
{
  char chunk[16384];

  while (len > 0) {
    ssize_t n = reader_recv (r, chunk, len < sizeof chunk ? len : sizeof chunk, 0);

    if (n < 0) {
      return false;
    }
    if (n == 0) {
      mt_error_set (r->error, MT_DOMAIN_HTTP, MT_ERR_BAD_REQUEST,
                    "connexion fermée avant la fin du corps",
                    "connection closed before the end of the body");
      return false;
    }
    if (!mt_buf_append (body, chunk, (size_t) n)) {
      mt_error_set (r->error, MT_DOMAIN_HTTP, MT_ERR_TOO_LARGE, "corps trop grand",
                    "body too large");
      return false;
    }
    len -= (size_t) n;
  }
  return true;
}

/* Reads until the end of the stream into @body. */
static bool
read_until_close (reader_t *r, mt_buf_t *body)
{
  char chunk[16384];

  for (;;) {
    ssize_t n = reader_recv (r, chunk, sizeof chunk, 0);

    if (n < 0) {
      return false;
    }
    if (n == 0) {
      return true;
    }
    if (!mt_buf_append (body, chunk, (size_t) n)) {
      mt_error_set (r->error, MT_DOMAIN_HTTP, MT_ERR_TOO_LARGE, "corps trop grand",
                    "body too large");
      return false;
    }
  }
}

static bool
is_blank (char c)
{
  return c == ' ' || c == '\t';
}

/* A copy of @len bytes at @s without the blanks around them; NULL on allocation failure. */
static char *
dup_trimmed (const char *s, size_t len)
{
  char *copy;

  while (len > 0 && is_blank (*s)) {
    s++;
    len--;
  }
  while (len > 0 && is_blank (s[len - 1])) {
    len--;
  }
  copy = malloc (len + 1);
  if (copy) {
    memcpy (copy, s, len);
    copy[len] = '\0';
  }
  return copy;
}

/*
 * Parses "Name: value" (@line) and appends it to @list / @n.
 * Returns: false with the error set on a malformed line, too many lines or no memory.
 */
static bool
add_field (reader_t *r, const char *line, mt_http_header_t **list, size_t *n)
{
  const char *colon = strchr (line, ':');
  mt_http_header_t *grown;
  mt_http_header_t field = { NULL, NULL };

  if (is_blank (line[0])) {
    mt_error_set (r->error, MT_DOMAIN_HTTP, MT_ERR_BAD_REQUEST,
                  "repli de ligne obsolète : « %.60s »", "obsolete line folding: \"%.60s\"", line);
    return false;
  }
  if (!colon || colon == line || strcspn (line, " \t") < (size_t) (colon - line)) {
    mt_error_set (r->error, MT_DOMAIN_HTTP, MT_ERR_BAD_REQUEST,
                  "ligne d'en-tête invalide : « %.60s »", "invalid header line: \"%.60s\"", line);
    return false;
  }
  if (*n >= MT_HTTP_CLIENT_HEADERS_MAX) {
    mt_error_set (r->error, MT_DOMAIN_HTTP, MT_ERR_HEADERS_TOO_LARGE, "plus de %d en-têtes",
                  "more than %d header lines", MT_HTTP_CLIENT_HEADERS_MAX);
    return false;
  }
  field.name = dup_trimmed (line, (size_t) (colon - line));
  field.value = dup_trimmed (colon + 1, strlen (colon + 1));
  grown = realloc (*list, (*n + 1) * sizeof **list);
  if (!field.name || !field.value || !grown) {
    free (field.name);
    free (field.value);
    if (grown) {
      *list = grown;
    }
    mt_error_set (r->error, MT_DOMAIN_IO, MT_ERR_INTERNAL, "mémoire épuisée", "out of memory");
    return false;
  }
  *list = grown;
  (*list)[(*n)++] = field;
  return true;
}

/*
 * Reads header (or trailer) lines until the empty line, counting their bytes against
 * MT_HTTP_CLIENT_HEAD_MAX together with @used.
 */
static bool
read_fields (reader_t *r, mt_buf_t *line, size_t used, mt_http_header_t **list, size_t *n)
{
  for (;;) {
    if (!read_line (r, line, NULL)) {
      return false;
    }
    if (line->len == 0) {
      return true;
    }
    used += line->len + 2;
    if (used > MT_HTTP_CLIENT_HEAD_MAX) {
      mt_error_set (r->error, MT_DOMAIN_HTTP, MT_ERR_HEADERS_TOO_LARGE,
                    "en-têtes de plus de %u octets", "header block larger than %u bytes",
                    MT_HTTP_CLIENT_HEAD_MAX);
      return false;
    }
    if (!add_field (r, mt_buf_cstr (line), list, n)) {
      return false;
    }
  }
}

/* Parses "HTTP/1.x SSS reason" into @out. */
static bool
parse_status_line (reader_t *r, const char *line, mt_http_response_t *out)
{
  if (strncmp (line, "HTTP/1.", 7) != 0 || (line[7] != '0' && line[7] != '1') || line[8] != ' ' ||
      line[9] < '1' || line[9] > '9' || line[10] < '0' || line[10] > '9' || line[11] < '0' ||
      line[11] > '9' || (line[12] != ' ' && line[12] != '\0')) {
    mt_error_set (r->error, MT_DOMAIN_HTTP, MT_ERR_BAD_REQUEST,
                  "ligne de statut invalide : « %.60s »", "invalid status line: \"%.60s\"", line);
    return false;
  }
  out->minor_version = line[7] - '0';
  out->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  out->reason = strdup (line[12] ? line + 13 : "");
  if (!out->reason) {
    mt_error_set (r->error, MT_DOMAIN_IO, MT_ERR_INTERNAL, "mémoire épuisée", "out of memory");
    return false;
  }
  return true;
}

/* True when the comma-separated list in @value holds @token (case-insensitive). */
static bool
list_has_token (const char *value, const char *token)
{
  size_t token_len = strlen (token);

  while (*value) {
    size_t len;

    while (*value == ',' || is_blank (*value)) {
      value++;
    }
    len = strcspn (value, ",");
    while (len > 0 && is_blank (value[len - 1])) {
      len--;
    }
    if (len == token_len && strncasecmp (value, token, len) == 0) {
      return true;
    }
    value += strcspn (value, ",");
  }
  return false;
}

/* True when the last transfer coding of every Transfer-Encoding line is "chunked". */
static bool
is_chunked (const mt_http_response_t *resp)
{
  const char *last = NULL;
  size_t len;

  for (size_t i = 0; i < resp->n_headers; i++) {
    if (strcasecmp (resp->headers[i].name, "Transfer-Encoding") == 0) {
      last = resp->headers[i].value;
    }
  }
  if (!last) {
    return false;
  }
  if (strrchr (last, ',')) {
    last = strrchr (last, ',') + 1;
  }
  while (is_blank (*last)) {
    last++;
  }
  len = strlen (last);
  while (len > 0 && is_blank (last[len - 1])) {
    len--;
  }
  return len == 7 && strncasecmp (last, "chunked", 7) == 0;
}

/*
 * The Content-Length of @resp into @len (false in *@present when there is none).
 * Returns: false with the error set when a value is not a number, too large, or when
 * several lines disagree.
 */
static bool
content_length (reader_t *r, const mt_http_response_t *resp, bool *present, size_t *len)
{
  *present = false;
  *len = 0;
  for (size_t i = 0; i < resp->n_headers; i++) {
    const char *v = resp->headers[i].value;
    unsigned long long value = 0;

    if (strcasecmp (resp->headers[i].name, "Content-Length") != 0) {
      continue;
    }
    if (!*v || strspn (v, "0123456789") != strlen (v) || strlen (v) > 15) {
      mt_error_set (r->error, MT_DOMAIN_HTTP, MT_ERR_BAD_REQUEST,
                    "Content-Length invalide : « %.30s »", "invalid Content-Length: \"%.30s\"", v);
      return false;
    }
    value = strtoull (v, NULL, 10);
    if (*present && value != *len) {
      mt_error_set (r->error, MT_DOMAIN_HTTP, MT_ERR_BAD_REQUEST, "Content-Length contradictoires",
                    "conflicting Content-Length values");
      return false;
    }
    if (value > MT_HTTP_CLIENT_BODY_MAX) {
      mt_error_set (r->error, MT_DOMAIN_HTTP, MT_ERR_TOO_LARGE,
                    "corps annoncé trop grand (%llu octets)",
                    "announced body too large (%llu bytes)", value);
      return false;
    }
    *present = true;
    *len = (size_t) value;
  }
  return true;
}

/* Reads a chunked body into @body, then the trailers into @out. */
static bool
read_chunked (reader_t *r, mt_buf_t *line, mt_buf_t *body, mt_http_response_t *out)
{
  for (;;) {
    const char *p;
    size_t size = 0;
    size_t digits = 0;

    if (!read_line (r, line, NULL)) {
      return false;
    }
    p = mt_buf_cstr (line);
    for (; *p; p++, digits++) {
      int d;

      if (*p >= '0' && *p <= '9') {
        d = *p - '0';
      } else if (*p >= 'a' && *p <= 'f') {
        d = *p - 'a' + 10;
      } else if (*p >= 'A' && *p <= 'F') {
        d = *p - 'A' + 10;
      } else {
        break;
      }
      if (size > (MT_HTTP_CLIENT_BODY_MAX >> 4)) {
        digits = 0; /* reported as too large below */
        size = (size_t) MT_HTTP_CLIENT_BODY_MAX + 1;
        break;
      }
      size = size * 16 + (size_t) d;
    }
    while (is_blank (*p)) {
      p++;
    }
    if (size > MT_HTTP_CLIENT_BODY_MAX - body->len) {
      mt_error_set (r->error, MT_DOMAIN_HTTP, MT_ERR_TOO_LARGE, "corps trop grand",
                    "body too large");
      return false;
    }
    if (digits == 0 || (*p != '\0' && *p != ';')) {
      mt_error_set (r->error, MT_DOMAIN_HTTP, MT_ERR_BAD_REQUEST,
                    "taille de bloc invalide : « %.30s »", "invalid chunk size: \"%.30s\"",
                    mt_buf_cstr (line));
      return false;
    }
    if (size == 0) {
      return read_fields (r, line, 0, &out->trailers, &out->n_trailers);
    }
    if (!read_exact (r, body, size) || !read_line (r, line, NULL)) {
      return false;
    }
    if (line->len != 0) {
      mt_error_set (r->error, MT_DOMAIN_HTTP, MT_ERR_BAD_REQUEST, "bloc non suivi de CRLF",
                    "chunk data not followed by CRLF");
      return false;
    }
  }
}

/* True when @content_type's media type is a JSON one. */
static bool
is_json_type (const char *content_type)
{
  size_t len = strcspn (content_type, ";");

  while (len > 0 && is_blank (content_type[len - 1])) {
    len--;
  }
  return (len == 16 && strncasecmp (content_type, "application/json", 16) == 0) ||
         (len == 24 && strncasecmp (content_type, "application/problem+json", 24) == 0);
}

/* Releases everything of @out but its error, for the next response after a 1xx. */
static void
reset_for_next (mt_http_response_t *out)
{
  unsigned count = out->interim_count;
  int status = out->interim_status;
  mt_error_t error = out->error;

  mt_http_response_destroy (out);
  out->interim_count = count;
  out->interim_status = status;
  out->error = error;
}

bool
mt_http_read_response (int fd, const char *method, int flags, mt_http_response_t *out)
{
  reader_t r = { .fd = fd, .deadline = deadline_in (client_timeout_ms), .error = NULL };
  mt_buf_t line;
  mt_buf_t body;
  bool eof_at_start = false;
  bool has_length = false;
  size_t length = 0;
  const char *connection;
  const char *content_type;
  bool ok = false;

  mt_http_response_init (out);
  r.error = &out->error;
  mt_buf_init (&line, MT_HTTP_CLIENT_HEAD_MAX);
  mt_buf_init (&body, MT_HTTP_CLIENT_BODY_MAX);

  /* Status line and headers, skipping 1xx interim responses unless asked for them. */
  for (;;) {
    if (!read_line (&r, &line, &eof_at_start)) {
      if (eof_at_start) {
        mt_error_set (r.error, MT_DOMAIN_HTTP, MT_ERR_UNAVAILABLE,
                      "connexion fermée par le serveur sans réponse",
                      "connection closed by the server without a response");
      }
      goto done;
    }
    if (!parse_status_line (&r, mt_buf_cstr (&line), out) ||
        !read_fields (&r, &line, line.len + 2, &out->headers, &out->n_headers)) {
      goto done;
    }
    if (out->status >= 200 || out->status == 101 || (flags & MT_HTTP_READ_INTERIM)) {
      break;
    }
    if (out->interim_count >= MT_HTTP_CLIENT_INTERIM_MAX) {
      mt_error_set (r.error, MT_DOMAIN_HTTP, MT_ERR_BAD_REQUEST, "plus de %d réponses 1xx",
                    "more than %d 1xx responses", MT_HTTP_CLIENT_INTERIM_MAX);
      goto done;
    }
    out->interim_count++;
    out->interim_status = out->status;
    reset_for_next (out);
  }

  /* Body framing, RFC 9112 section 6.3. */
  connection = mt_http_header (out, "Connection");
  out->closing =
    (connection && list_has_token (connection, "close")) ||
    (out->minor_version == 0 && !(connection && list_has_token (connection, "keep-alive")));
  if ((method && strcasecmp (method, "HEAD") == 0) || out->status < 200 || out->status == 204 ||
      out->status == 304) {
    /* no body */
  } else if (mt_http_header (out, "Transfer-Encoding")) {
    if (is_chunked (out)) {
      out->chunked = true;
      if (!read_chunked (&r, &line, &body, out)) {
        goto done;
      }
    } else {
      out->until_close = true;
      if (!read_until_close (&r, &body)) {
        goto done;
      }
    }
  } else {
    if (!content_length (&r, out, &has_length, &length)) {
      goto done;
    }
    if (has_length) {
      if (!read_exact (&r, &body, length)) {
        goto done;
      }
    } else {
      out->until_close = true;
      if (!read_until_close (&r, &body)) {
        goto done;
      }
    }
  }
  if (out->until_close) {
    out->closing = true;
  }
  out->body = mt_buf_steal (&body, &out->body_len);
  if (!out->body) {
    mt_error_set (r.error, MT_DOMAIN_IO, MT_ERR_INTERNAL, "mémoire épuisée", "out of memory");
    goto done;
  }

  content_type = mt_http_header (out, "Content-Type");
  if (content_type && is_json_type (content_type) && out->body_len > 0) {
    bson_destroy (&out->json); /* mt_json_parse_object initialises it again */
    out->has_json = mt_json_parse_object (out->body, out->body_len, MT_JSON_TRUSTED, &out->json,
                                          &out->json_error);
  }
  ok = true;

done:
  mt_buf_destroy (&line);
  mt_buf_destroy (&body);
  if (!out->body) {
    out->body = strdup (""); /* keeps the "body is a string" promise on failures too */
  }
  return ok;
}

/* ---- requests ------------------------------------------------------------------------ */

/* True when @headers holds a line named @name. */
static bool
has_header (const char *const *headers, const char *name)
{
  size_t len = strlen (name);

  for (size_t i = 0; headers && headers[i]; i++) {
    if (strncasecmp (headers[i], name, len) == 0 && headers[i][len] == ':') {
      return true;
    }
  }
  return false;
}

/* Appends "Host: <peer address>:<port>" for the peer of @fd. */
static bool
append_host (mt_buf_t *req, int fd)
{
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  char host[INET6_ADDRSTRLEN];

  if (getpeername (fd, (struct sockaddr *) &ss, &len) != 0) {
    return mt_buf_append_str (req, "Host: localhost\r\n");
  }
  if (ss.ss_family == AF_INET6) {
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *) &ss;

    inet_ntop (AF_INET6, &sin6->sin6_addr, host, sizeof host);
    return mt_buf_appendf (req, "Host: [%s]:%u\r\n", host, (unsigned) ntohs (sin6->sin6_port));
  } else {
    const struct sockaddr_in *sin = (const struct sockaddr_in *) &ss;

    inet_ntop (AF_INET, &sin->sin_addr, host, sizeof host);
    return mt_buf_appendf (req, "Host: %s:%u\r\n", host, (unsigned) ntohs (sin->sin_port));
  }
}

/* Sends the request and reads its response; shared by both request functions. */
static bool
request_on (int fd, bool close, const char *method, const char *path, const char *const *headers,
            const void *body, size_t body_len, mt_http_response_t *out)
{
  mt_buf_t req;
  mt_error_t send_error;
  bool sent;
  bool ok = false;

  mt_buf_init (&req, MT_HTTP_CLIENT_HEAD_MAX + MT_HTTP_CLIENT_BODY_MAX);
  mt_buf_appendf (&req, "%s %s HTTP/1.1\r\n", method, path);
  if (!has_header (headers, "Host")) {
    append_host (&req, fd);
  }
  for (size_t i = 0; headers && headers[i]; i++) {
    mt_buf_appendf (&req, "%s\r\n", headers[i]);
  }
  if (body && !has_header (headers, "Content-Length") &&
      !has_header (headers, "Transfer-Encoding")) {
    mt_buf_appendf (&req, "Content-Length: %zu\r\n", body_len);
  }
  if (close && !has_header (headers, "Connection")) {
    mt_buf_append_str (&req, "Connection: close\r\n");
  }
  mt_buf_append_str (&req, "\r\n");
  if (body) {
    mt_buf_append (&req, body, body_len);
  }
  if (req.failed) {
    mt_http_response_init (out);
    out->body = strdup ("");
    mt_error_set (&out->error, MT_DOMAIN_HTTP, MT_ERR_TOO_LARGE, "requête trop grande",
                  "request too large");
    goto done;
  }

  /* Even when the server stops reading early, it may have answered (413, 400): read it. */
  sent = mt_http_send (fd, req.data, req.len, &send_error);
  ok = mt_http_read_response (fd, method, MT_HTTP_READ_DEFAULT, out);
  if (!ok && !sent) {
    mt_error_copy (&out->error, &send_error);
  }

done:
  mt_buf_destroy (&req);
  return ok;
}

bool
mt_http_request (uint16_t port, const char *method, const char *path, const char *const *headers,
                 const void *body, size_t body_len, mt_http_response_t *out)
{
  mt_error_t error;
  int fd = mt_http_connect (port, &error);
  bool ok;

  if (fd < 0) {
    mt_http_response_init (out);
    out->body = strdup ("");
    mt_error_copy (&out->error, &error);
    return false;
  }
  ok = request_on (fd, true, method, path, headers, body, body_len, out);
  close (fd);
  return ok;
}

bool
mt_http_request_on (int fd, const char *method, const char *path, const char *const *headers,
                    const void *body, size_t body_len, mt_http_response_t *out)
{
  return request_on (fd, false, method, path, headers, body, body_len, out);
}

bool
mt_http_peer_closed (int fd, int timeout_ms)
{
  int64_t deadline = deadline_in (timeout_ms);
  size_t discarded = 0;
  char chunk[16384];

  for (;;) {
    ssize_t n;

    if (!wait_fd (fd, POLLIN, deadline, NULL)) {
      return false;
    }
    n = recv (fd, chunk, sizeof chunk, 0);
    if (n == 0 || (n < 0 && (errno == ECONNRESET || errno == EPIPE))) {
      return true;
    }
    if (n < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
      return false;
    }
    if (n > 0) {
      discarded += (size_t) n;
      if (discarded > MT_HTTP_CLIENT_BODY_MAX) {
        return false;
      }
    }
  }
}
