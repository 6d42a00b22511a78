/*
 * mail: RFC 5322 composition and the sendmail child process; see mail.h.
 */
#define _GNU_SOURCE /* pipe2, close_range */
#include "mail.h"

#include "mt_bson.h"
#include "mt_json.h"
#include "mt_time.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MT_MAIL_WORD_BYTES 39 /* raw bytes per encoded-word: 52 base64 characters */
#define MT_MAIL_QP_LINE 76    /* characters of a quoted-printable line, "=" included */
#define MT_MAIL_POLL_SLICE_MS 50

/* ---- Checks ----------------------------------------------------------------------------- */

bool
mt_mail_address_ok (const char *addr)
{
  static const char forbidden[] = " <>(),;:\"\\[]";
  size_t len = addr ? strlen (addr) : 0;
  const char *at;

  if (len < 3 || len > MT_MAIL_ADDRESS_MAX) {
    return false;
  }
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char) addr[i];
    if (c <= 0x20 || c >= 0x7F || strchr (forbidden, c)) {
      return false;
    }
  }
  at = strchr (addr, '@');
  return at && at != addr && at[1] != '\0' && !strchr (at + 1, '@');
}

/* The address part of mail_from into @out: between '<' and '>' or the whole text. */
static bool
mt_mail_from_address (const char *from, char *out, size_t size)
{
  const char *open = from ? strchr (from, '<') : NULL;
  const char *close;
  size_t len;

  if (!from) {
    return false;
  }
  if (!open) {
    len = strlen (from);
    if (len >= size) {
      return false;
    }
    memcpy (out, from, len + 1);
    return true;
  }
  close = strchr (open, '>');
  if (!close || close[1] != '\0' || (size_t) (close - open - 1) >= size) {
    return false;
  }
  len = (size_t) (close - open - 1);
  memcpy (out, open + 1, len);
  out[len] = '\0';
  return true;
}

bool
mt_mail_from_ok (const char *from)
{
  char addr[MT_MAIL_ADDRESS_MAX + 1];
  size_t len = from ? strlen (from) : 0;

  if (len == 0 || len > 200) {
    return false;
  }
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char) from[i];
    if (c < 0x20 || c >= 0x7F) {
      return false;
    }
  }
  return mt_mail_from_address (from, addr, sizeof addr) && mt_mail_address_ok (addr);
}

/* True when every byte of @text is in @allowed or alphanumeric ASCII. */
static bool
mt_mail_token_ok (const char *text, const char *allowed, size_t max)
{
  size_t len = text ? strlen (text) : 0;

  if (len == 0 || len > max) {
    return false;
  }
  for (size_t i = 0; i < len; i++) {
    char c = text[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          strchr (allowed, c))) {
      return false;
    }
  }
  return true;
}

/*
 * @text (at most @max bytes, cut at a character boundary) into @out with every control
 * character (C0, DEL) turned into a space; when the result is not valid UTF-8, every
 * non-ASCII byte becomes '?'. @out has @max + 1 bytes.
 */
static void
mt_mail_clean (const char *text, size_t max, char *out)
{
  size_t len = text ? strlen (text) : 0;
  bool valid;

  if (len > max) {
    len = max;
    while (len > 0 && ((unsigned char) text[len] & 0xC0) == 0x80) {
      len--;
    }
  }
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char) text[i];
    out[i] = (c < 0x20 || c == 0x7F) ? ' ' : (char) c;
  }
  out[len] = '\0';
  valid = mt_utf8_is_valid (out, len);
  for (size_t i = 0; i < len && !valid; i++) {
    if ((unsigned char) out[i] >= 0x80) {
      out[i] = '?';
    }
  }
}

/* ---- Encodings ---------------------------------------------------------------------------- */

static const char mt_mail_b64[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Standard base64 with padding of @len bytes. */
static void
mt_mail_base64 (mt_buf_t *out, const unsigned char *data, size_t len)
{
  for (size_t i = 0; i < len; i += 3) {
    uint32_t v = (uint32_t) data[i] << 16;
    size_t n = len - i < 3 ? len - i : 3;
    char quad[4];
    if (n > 1) {
      v |= (uint32_t) data[i + 1] << 8;
    }
    if (n > 2) {
      v |= data[i + 2];
    }
    quad[0] = mt_mail_b64[(v >> 18) & 63];
    quad[1] = mt_mail_b64[(v >> 12) & 63];
    quad[2] = n > 1 ? mt_mail_b64[(v >> 6) & 63] : '=';
    quad[3] = n > 2 ? mt_mail_b64[v & 63] : '=';
    mt_buf_append (out, quad, 4);
  }
}

/*
 * Appends @text (clean UTF-8) as RFC 2047 "B" encoded-words of at most MT_MAIL_WORD_BYTES
 * bytes each, cut at character boundaries, separated by a folding line break: every line
 * stays under 78 characters after a header name of up to 12 characters.
 */
static void
mt_mail_encoded_words (mt_buf_t *out, const char *text)
{
  size_t len = strlen (text);
  size_t at = 0;

  while (at < len) {
    size_t n = len - at < MT_MAIL_WORD_BYTES ? len - at : MT_MAIL_WORD_BYTES;
    while (at + n < len && n > 0 && ((unsigned char) text[at + n] & 0xC0) == 0x80) {
      n--; /* text[at + n] continues a character: end the word before it */
    }
    if (at > 0) {
      mt_buf_append_str (out, "\n ");
    }
    mt_buf_append_str (out, "=?UTF-8?B?");
    mt_mail_base64 (out, (const unsigned char *) text + at, n);
    mt_buf_append_str (out, "?=");
    at += n;
  }
}

/*
 * Appends @text as quoted-printable (RFC 2045 §6.7): lines end with LF (a CR is dropped),
 * lines of at most MT_MAIL_QP_LINE characters with soft breaks, '=', non-ASCII and control
 * bytes encoded, blanks before a line end encoded, and a '.' or an 'F' that starts a line
 * encoded too (SMTP's lone dot, mbox's "From ").
 */
static void
mt_mail_quoted_printable (mt_buf_t *out, const char *text)
{
  static const char hex[] = "0123456789ABCDEF";
  size_t line = 0;

  for (const char *p = text; *p; p++) {
    unsigned char c = (unsigned char) *p;
    bool encode;
    size_t width;

    if (c == '\r') {
      continue;
    }
    if (c == '\n') {
      mt_buf_append_char (out, '\n');
      line = 0;
      continue;
    }
    encode = c == '=' || c >= 0x7F || (c < 0x20 && c != '\t') ||
             ((c == ' ' || c == '\t') && (p[1] == '\n' || p[1] == '\r' || p[1] == '\0'));
    width = encode ? 3 : 1;
    if (line + width > MT_MAIL_QP_LINE - 1) {
      mt_buf_append_str (out, "=\n");
      line = 0;
    }
    if (line == 0 && (c == '.' || c == 'F')) {
      encode = true;
      width = 3;
    }
    if (encode) {
      char triple[3] = { '=', hex[c >> 4], hex[c & 15] };
      mt_buf_append (out, triple, 3);
    } else {
      mt_buf_append_char (out, (char) c);
    }
    line += width;
  }
}

/* "Fri, 12 Jun 2026 09:00:00 +0000" (RFC 5322 §3.3, UTC, English names whatever the
 * locale). */
static void
mt_mail_date (int64_t ms, char out[40])
{
  static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
  static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  time_t t = (time_t) (ms / 1000);
  struct tm tm;

  memset (&tm, 0, sizeof tm);
  gmtime_r (&t, &tm);
  snprintf (out, 40, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday % 7], tm.tm_mday,
            months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* ---- Composition ------------------------------------------------------------------------- */

bool
mt_mail_compose (const mt_mail_t *mail, mt_buf_t *out, mt_error_t *error)
{
  char from_addr[MT_MAIL_ADDRESS_MAX + 1];
  char name[MT_MAIL_NAME_MAX + 1];
  char subject[1024];
  char date[40];
  const char *domain;

  if (!mt_mail_from_ok (mail->from) ||
      !mt_mail_from_address (mail->from, from_addr, sizeof from_addr)) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_BAD_REQUEST, "expéditeur (mail_from) invalide",
                  "invalid sender (mail_from)");
    return false;
  }
  if (!mt_mail_address_ok (mail->to_addr)) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_BAD_REQUEST,
                  "adresse du destinataire inutilisable", "unusable recipient address");
    return false;
  }
  if (!mt_mail_token_ok (mail->message_id, "_.:-", 200) ||
      (mail->event && !mt_mail_token_ok (mail->event, "._", MT_EVENT_NAME_MAX))) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_BAD_REQUEST,
                  "identifiant ou événement du message invalide",
                  "invalid message id or event name");
    return false;
  }
  domain = strchr (from_addr, '@') + 1;
  mt_mail_clean (mail->to_name, MT_MAIL_NAME_MAX, name);
  mt_mail_clean (mail->subject, sizeof subject - 1, subject);
  mt_mail_date (mail->date_ms, date);

  mt_buf_appendf (out, "From: %s\n", mail->from);
  mt_buf_append_str (out, "To: ");
  if (name[0] && strspn (name, " ") != strlen (name)) {
    mt_mail_encoded_words (out, name);
    mt_buf_append_str (out, "\n ");
  }
  mt_buf_appendf (out, "<%s>\n", mail->to_addr);
  mt_buf_append_str (out, "Subject: ");
  mt_mail_encoded_words (out, subject[0] ? subject : "mutua");
  mt_buf_appendf (out, "\nDate: %s\n", date);
  mt_buf_appendf (out, "Message-ID: <%s@%s>\n", mail->message_id, domain);
  mt_buf_append_str (out, "MIME-Version: 1.0\n"
                          "Content-Type: text/plain; charset=utf-8\n"
                          "Content-Transfer-Encoding: quoted-printable\n"
                          "Auto-Submitted: auto-generated\n");
  if (mail->event) {
    mt_buf_appendf (out, "X-Mutua-Event: %s\n", mail->event);
  }
  mt_buf_append_char (out, '\n');
  mt_mail_quoted_printable (out, mail->body ? mail->body : "");
  if (out->len > 0 && out->data[out->len - 1] != '\n') {
    mt_buf_append_char (out, '\n');
  }
  if (out->failed) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_TOO_LARGE, "message trop long",
                  "message too long");
    return false;
  }
  return true;
}

/* Appends "<public_url>/<entity>s/<id>" when public_url is set and the parts are plain. */
static bool
mt_mail_link (const mt_config_t *config, const mt_event_t *event, mt_buf_t *link)
{
  size_t base = strlen (config->public_url);

  while (base > 0 && config->public_url[base - 1] == '/') {
    base--;
  }
  if (base == 0) {
    return false;
  }
  for (size_t i = 0; i < base; i++) {
    unsigned char c = (unsigned char) config->public_url[i];
    if (c <= 0x20 || c >= 0x7F) {
      return false;
    }
  }
  mt_buf_append (link, config->public_url, base);
  if (mt_mail_token_ok (event->entity, "_", 32) && mt_mail_token_ok (event->entity_id, "_-", 64)) {
    mt_buf_appendf (link, "/%ss/%s", event->entity, event->entity_id);
  }
  return !link->failed;
}

bool
mt_mail_event_compose (const mt_config_t *config, const bson_t *account, const mt_event_t *event,
                       const char *message_id, int64_t date_ms, mt_buf_t *out, mt_error_t *error)
{
  bool english = mt_bson_str_eq (account, "lang", "en");
  const char *text = english ? event->text_en : event->text_fr;
  char name[MT_MAIL_NAME_MAX + 1];
  char line[1024];
  mt_buf_t body;
  mt_buf_t link;
  mt_mail_t mail;
  bool ok;

  mt_buf_init (&body, 8192);
  mt_buf_init (&link, 2048);
  mt_mail_clean (mt_bson_str (account, "name"), MT_MAIL_NAME_MAX, name);
  mt_mail_clean (text, sizeof line - 1, line);
  if (name[0]) {
    mt_buf_appendf (&body, english ? "Hello %s,\n\n" : "Bonjour %s,\n\n", name);
  } else {
    mt_buf_append_str (&body, english ? "Hello,\n\n" : "Bonjour,\n\n");
  }
  mt_buf_appendf (&body, "%s\n\n", line);
  if (mt_mail_link (config, event, &link)) {
    mt_buf_appendf (&body, english ? "Details: %s\n\n" : "Pour voir le détail : %s\n\n",
                    mt_buf_cstr (&link));
  }
  mt_buf_append_str (&body, english
                              ? "-- \nAutomatic message from mutua: please do not reply.\n"
                                "You receive it because your account is concerned by this "
                                "activity.\n"
                              : "-- \nMessage automatique de mutua : merci de ne pas y répondre.\n"
                                "Vous le recevez parce que votre compte est concerné par cette "
                                "activité.\n");
  memset (&mail, 0, sizeof mail);
  mail.from = config->mail_from;
  mail.to_name = name;
  mail.to_addr = mt_bson_str (account, "email");
  mail.subject = line;
  mail.body = mt_buf_cstr (&body);
  mail.message_id = message_id;
  mail.event = event->event;
  mail.date_ms = date_ms;
  ok = mt_mail_compose (&mail, out, error);
  mt_buf_destroy (&body);
  mt_buf_destroy (&link);
  return ok;
}

/* ---- Sending ----------------------------------------------------------------------------- */

/* Splits @command on spaces into @argv (pointers into @copy). False when empty or too long. */
static bool
mt_mail_split (const char *command, char *copy, size_t size, char *argv[MT_MAIL_ARGS_MAX + 1])
{
  size_t len = strlen (command);
  size_t n = 0;
  char *p;

  if (len == 0 || len >= size) {
    return false;
  }
  memcpy (copy, command, len + 1);
  p = copy;
  while (*p) {
    while (*p == ' ') {
      *p++ = '\0';
    }
    if (!*p) {
      break;
    }
    if (n == MT_MAIL_ARGS_MAX) {
      return false;
    }
    argv[n++] = p;
    while (*p && *p != ' ') {
      p++;
    }
  }
  argv[n] = NULL;
  return n > 0;
}

/* @program itself when it holds a '/' (and is executable), else the first executable PATH
 * entry, in @out. */
static bool
mt_mail_resolve (const char *program, char *out, size_t size)
{
  const char *path = getenv ("PATH");
  const char *p;

  if (strchr (program, '/')) {
    /* Checked here too, so that a missing program says so instead of "exit status 127". */
    return (size_t) snprintf (out, size, "%s", program) < size && access (out, X_OK) == 0;
  }
  p = path && *path ? path : "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
  while (*p) {
    const char *end = strchr (p, ':');
    size_t dir = end ? (size_t) (end - p) : strlen (p);
    int n = snprintf (out, size, "%.*s/%s", (int) dir, dir ? p : ".", program);
    if (n > 0 && (size_t) n < size && access (out, X_OK) == 0) {
      return true;
    }
    p += dir + (end ? 1 : 0);
  }
  return false;
}

/* The child after fork: only async-signal-safe calls until execv. */
static void __attribute__ ((noreturn))
mt_mail_child (const char *path, char *const argv[], int in_fd, int err_fd, int max_fd)
{
  sigset_t none;
  int null_fd = open ("/dev/null", O_WRONLY);

  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL); /* mutuad blocks SIGTERM & co. in every thread */
  signal (SIGPIPE, SIG_DFL);              /* and ignores SIGPIPE */
  if (dup2 (in_fd, 0) < 0 || dup2 (null_fd >= 0 ? null_fd : err_fd, 1) < 0 ||
      dup2 (err_fd, 2) < 0) {
    _exit (126);
  }
  if (close_range (3, ~0U, 0) != 0) {
    for (int fd = 3; fd < max_fd; fd++) {
      close (fd);
    }
  }
  execv (path, argv);
  _exit (127);
}

/* Reads what is available of the child's standard error into @kept (bounded). */
static bool
mt_mail_read_stderr (int fd, char *kept, size_t *kept_len)
{
  char chunk[512];
  ssize_t n;

  while ((n = read (fd, chunk, sizeof chunk)) > 0) {
    size_t room = MT_MAIL_STDERR_KEPT - *kept_len;
    size_t take = (size_t) n < room ? (size_t) n : room;
    memcpy (kept + *kept_len, chunk, take);
    *kept_len += take;
  }
  return n == 0; /* end of file */
}

/* Milliseconds left before @deadline_us (monotonic). */
static int
mt_mail_left_ms (int64_t deadline_us)
{
  int64_t left = (deadline_us - mt_time_monotonic_us ()) / 1000;

  if (left <= 0) {
    return 0;
  }
  return left > MT_MAIL_POLL_SLICE_MS ? MT_MAIL_POLL_SLICE_MS : (int) left;
}

/* Writes the message to the child's stdin and waits for its exit, within the deadline. */
static bool
mt_mail_exchange (pid_t pid, int *in_fd, int err_fd, const char *message, size_t len,
                  int64_t deadline_us, const atomic_bool *stop, int *status, char *kept,
                  size_t *kept_len, const char **why)
{
  size_t written = 0;
  bool err_open = true;

  *why = NULL;
  while (true) {
    struct pollfd fds[2];
    nfds_t n = 0;
    int slice;
    pid_t done = waitpid (pid, status, WNOHANG);

    if (done == pid) {
      if (err_open) {
        mt_mail_read_stderr (err_fd, kept, kept_len);
      }
      return true;
    }
    if (done < 0 && errno != EINTR) {
      *why = "waitpid";
      return false;
    }
    if (stop && atomic_load (stop)) {
      *why = "shutdown";
      return false;
    }
    slice = mt_mail_left_ms (deadline_us);
    if (slice == 0) {
      *why = "timeout";
      return false;
    }
    if (*in_fd >= 0) {
      fds[n].fd = *in_fd;
      fds[n].events = POLLOUT;
      fds[n].revents = 0;
      n++;
    }
    if (err_open) {
      fds[n].fd = err_fd;
      fds[n].events = POLLIN;
      fds[n].revents = 0;
      n++;
    }
    if (poll (fds, n, slice) < 0 && errno != EINTR) {
      *why = "poll";
      return false;
    }
    for (nfds_t i = 0; i < n; i++) {
      if (fds[i].fd == *in_fd && fds[i].revents) {
        ssize_t w = write (*in_fd, message + written, len - written);
        if (w > 0) {
          written += (size_t) w;
        }
        if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == len) {
          close (*in_fd); /* done, or the child stopped reading (EPIPE): its status tells */
          *in_fd = -1;
        }
      } else if (fds[i].fd == err_fd && fds[i].revents) {
        err_open = !mt_mail_read_stderr (err_fd, kept, kept_len);
      }
    }
    if (!err_open && *in_fd < 0) {
      /* Nothing left to watch: wait for the exit in slices. */
      struct timespec ts = { 0, 10 * 1000000L };
      nanosleep (&ts, NULL);
    }
  }
}

bool
mt_mail_send (const char *command, const char *message, size_t len, int64_t timeout_ms,
              const atomic_bool *stop, char *detail, size_t detail_size)
{
  char copy[MT_CONFIG_STR_MAX];
  char *argv[MT_MAIL_ARGS_MAX + 1];
  char path[MT_CONFIG_STR_MAX + 256];
  int in_pipe[2] = { -1, -1 };
  int err_pipe[2] = { -1, -1 };
  char kept[MT_MAIL_STDERR_KEPT + 1];
  size_t kept_len = 0;
  const char *why = NULL;
  int status = 0;
  long max_fd = sysconf (_SC_OPEN_MAX);
  pid_t pid = -1;
  bool ok = false;

  detail[0] = '\0';
  if (!command || !mt_mail_split (command, copy, sizeof copy, argv) ||
      !mt_mail_resolve (argv[0], path, sizeof path)) {
    snprintf (detail, detail_size, "cannot run the sendmail command");
    goto done;
  }
  if (pipe2 (in_pipe, O_CLOEXEC) != 0 || pipe2 (err_pipe, O_CLOEXEC) != 0) {
    snprintf (detail, detail_size, "pipe: %s", strerror (errno));
    goto done;
  }
  if (max_fd < 0 || max_fd > 65536) {
    max_fd = 65536;
  }
  pid = fork ();
  if (pid < 0) {
    snprintf (detail, detail_size, "fork: %s", strerror (errno));
    goto done;
  }
  if (pid == 0) {
    mt_mail_child (path, argv, in_pipe[0], err_pipe[1], (int) max_fd);
  }
  close (in_pipe[0]);
  close (err_pipe[1]);
  in_pipe[0] = err_pipe[1] = -1;
  fcntl (in_pipe[1], F_SETFL, O_NONBLOCK);
  fcntl (err_pipe[0], F_SETFL, O_NONBLOCK);
  {
    /* A child that stops reading makes write() raise SIGPIPE: block it on this thread and
     * take it back, so that the process survives whatever its disposition. */
    sigset_t pipe_set, old_set;
    struct timespec zero = { 0, 0 };
    bool exchanged;
    sigemptyset (&pipe_set);
    sigaddset (&pipe_set, SIGPIPE);
    pthread_sigmask (SIG_BLOCK, &pipe_set, &old_set);
    exchanged = mt_mail_exchange (pid, &in_pipe[1], err_pipe[0], message, len,
                                  mt_time_monotonic_us () + timeout_ms * 1000, stop, &status, kept,
                                  &kept_len, &why);
    if (!sigismember (&old_set, SIGPIPE)) {
      while (sigtimedwait (&pipe_set, NULL, &zero) == SIGPIPE) {
      }
    }
    pthread_sigmask (SIG_SETMASK, &old_set, NULL);
    if (!exchanged) {
      kill (pid, SIGKILL);
      while (waitpid (pid, &status, 0) < 0 && errno == EINTR) {
      }
      snprintf (detail, detail_size, "%s", why ? why : "error");
      goto done;
    }
  }
  kept[kept_len] = '\0';
  for (size_t i = 0; i < kept_len; i++) {
    if ((unsigned char) kept[i] < 0x20 || (unsigned char) kept[i] >= 0x7F) {
      kept[i] = ' ';
    }
  }
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0) {
    ok = true;
  } else if (WIFEXITED (status)) {
    snprintf (detail, detail_size, "exit status %d%s%s", WEXITSTATUS (status), kept_len ? ": " : "",
              kept);
  } else {
    snprintf (detail, detail_size, "killed by signal %d",
              WIFSIGNALED (status) ? WTERMSIG (status) : 0);
  }
done:
  for (int i = 0; i < 2; i++) {
    if (in_pipe[i] >= 0) {
      close (in_pipe[i]);
    }
    if (err_pipe[i] >= 0) {
      close (err_pipe[i]);
    }
  }
  return ok;
}
