/*
 * instances_helpers: two (or more) mutuad on ONE store, for the integration tests of what
 * several instances do at once. On top of loans_helpers.h (whose it_server is the first
 * instance):
 *   - the store, chosen by MUTUA_TEST_STORE: unset or "sqlite" -> one SQLite file in the
 *     test's work dir, every server started with --store sqlite:<file> --store-shared;
 *     "mongodb" -> --store mongodb --mongodb-uri <MUTUA_TEST_MONGODB_URI> (without a URI the
 *     test skips: the wire-protocol double of tests/support will provide one);
 *   - a configuration file shared by the instances, rewritten between phases (a restart
 *     reads it again);
 *   - the same signing keys on every instance (copied from the first one's data dir, as
 *     docs/OPERATIONS.md tells operators), so that a token of one is good on the others;
 *   - a stand-in sendmail command that saves each message to a file named after the
 *     instance that sent it, and a webhook receiver (evhttp on 127.0.0.1:0, its own thread)
 *     that records every delivery;
 *   - the test's own handle on the store (through the storage port, so the same code reads
 *     SQLite or MongoDB), sums over the servers' JSON-lines logs, and `mutuad check`.
 * Every wait is bounded; nothing asserts how long anything took.
 */
#ifndef MT_INSTANCES_HELPERS_H
#define MT_INSTANCES_HELPERS_H

#include "loans_helpers.h"

#include "mt_json.h"
#include "mt_test_store.h"
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

extern char **environ;

#define IH_RX_MAX 8192   /* webhook deliveries recorded at most */
#define IH_ID_MAX 96     /* bytes of a delivery or message id kept */
#define IH_ARGS_MAX 24   /* arguments of one server */
#define IH_MAIL_MAX 8192 /* e-mails read back at most */

/* ---- the store ----------------------------------------------------------------------- */

typedef struct {
  bool mongodb;
  char name[16];               /* "sqlite" | "mongodb", printed by the test */
  char address[PATH_MAX + 32]; /* what the test's own handle opens (sqlite:<file> or the URI) */
  char arg_store[PATH_MAX + 32];
  char arg_uri[PATH_MAX + 32];
} ih_store_t;

static char ih_work[64];      /* the test's work dir: database, config, sendmail, mails */
static char ih_config[128];   /* the shared configuration file */
static char ih_sendmail[128]; /* the stand-in sendmail script */
static char ih_mail_dir[128]; /* where it saves messages */
static ih_store_t ih_store;

/*
 * Chooses the store from MUTUA_TEST_STORE and makes the work dir. False with @why set when
 * the test must skip (mongodb without a URI) or cannot run.
 */
static inline bool
ih_store_choose (char *why, size_t size)
{
  const char *kind = getenv ("MUTUA_TEST_STORE");

  memset (&ih_store, 0, sizeof ih_store);
  snprintf (ih_work, sizeof ih_work, "/tmp/mutua-instances-XXXXXX");
  if (!mkdtemp (ih_work)) {
    snprintf (why, size, "cannot create %s: %s", ih_work, strerror (errno));
    ih_work[0] = '\0';
    return false;
  }
  snprintf (ih_config, sizeof ih_config, "%s/mutuad.conf", ih_work);
  snprintf (ih_sendmail, sizeof ih_sendmail, "%s/sendmail.sh", ih_work);
  snprintf (ih_mail_dir, sizeof ih_mail_dir, "%s/mail", ih_work);
  if (!kind || !*kind || strcmp (kind, "sqlite") == 0) {
    snprintf (ih_store.name, sizeof ih_store.name, "sqlite");
    snprintf (ih_store.address, sizeof ih_store.address, "sqlite:%s/shared.db", ih_work);
    snprintf (ih_store.arg_store, sizeof ih_store.arg_store, "%s", ih_store.address);
    return true;
  }
  if (strcmp (kind, "mongodb") != 0) {
    snprintf (why, size, "MUTUA_TEST_STORE=%s: expected sqlite or mongodb", kind);
    return false;
  }
  ih_store.mongodb = true;
  snprintf (ih_store.name, sizeof ih_store.name, "mongodb");
  /* One database of the real server (MUTUA_TEST_MONGODB_URI) or of the double. */
  if (!mt_test_store_mongodb_uri ("sweeps_instances", ih_store.address, sizeof ih_store.address)) {
    snprintf (why, size, "no MongoDB target (see the reason above)");
    return false;
  }
  snprintf (ih_store.arg_store, sizeof ih_store.arg_store, "mongodb");
  snprintf (ih_store.arg_uri, sizeof ih_store.arg_uri, "%s", ih_store.address);
  return true;
}

/* Appends the store's flags to @args (at *@n). */
static inline void
ih_store_args (const char **args, size_t *n)
{
  args[(*n)++] = "--store";
  args[(*n)++] = ih_store.arg_store;
  if (ih_store.mongodb) {
    args[(*n)++] = "--mongodb-uri";
    args[(*n)++] = ih_store.arg_uri;
  } else {
    args[(*n)++] = "--store-shared";
  }
}

/* The test's own handle on the store (one thread: the test's). */
typedef struct {
  mt_store_backend_t *backend;
  mt_store_t *store;
} ih_handle_t;

static inline void
ih_handle_open (ih_handle_t *h)
{
  mt_error_t error;

  h->backend = mt_store_backend_new (ih_store.address, &error);
  if (!h->backend) {
    fail_msg ("store %s: %s", ih_store.name, error.message);
  }
  h->store = mt_store_open (h->backend, &error);
  if (!h->store) {
    fail_msg ("store %s: %s", ih_store.name, error.message);
  }
}

static inline void
ih_handle_close (ih_handle_t *h)
{
  mt_store_close (h->store);
  mt_store_backend_destroy (h->backend);
  h->store = NULL;
  h->backend = NULL;
}

/* ---- configuration, sendmail, servers ---------------------------------------------- */

/* Writes the shared configuration file: @lines ("name = value\n"...) as given. */
static inline void
ih_write_config (const char *lines)
{
  char tmp[160];
  FILE *f;

  snprintf (tmp, sizeof tmp, "%s.tmp", ih_config);
  f = fopen (tmp, "w");
  assert_non_null (f);
  assert_true (fputs (lines, f) >= 0);
  assert_int_equal (fclose (f), 0);
  assert_int_equal (rename (tmp, ih_config), 0);
}

/* The stand-in sendmail: saves its standard input whole to <mail dir>/part.XXXXXX.<$1>.eml. */
static inline bool
ih_write_sendmail (void)
{
  FILE *f;

  if (mkdir (ih_mail_dir, 0700) != 0) {
    return false;
  }
  f = fopen (ih_sendmail, "w");
  if (!f) {
    return false;
  }
  fprintf (f,
           "#!/bin/sh\n"
           "t=$(mktemp \"%s/part.XXXXXX\") || exit 75\n"
           "cat > \"$t\" || exit 75\n"
           "mv \"$t\" \"$t.$1.eml\"\n",
           ih_mail_dir);
  return fclose (f) == 0 && chmod (ih_sendmail, 0700) == 0;
}

/* Starts instance @tag ("a", "b"...) on the shared store and configuration; @extra: more
 * arguments (NULL-terminated, may be NULL). */
static inline bool
ih_start (mt_test_server_t *srv, const char *tag, const char *const *extra)
{
  static char commands[4][192];
  static int used;
  const char *args[IH_ARGS_MAX];
  char *command = commands[used++ % 4];
  size_t n = 0;

  snprintf (command, sizeof commands[0], "%s %s -t -i", ih_sendmail, tag);
  args[n++] = "--config";
  args[n++] = ih_config;
  args[n++] = "--sendmail-command";
  args[n++] = command;
  ih_store_args (args, &n);
  for (size_t i = 0; extra && extra[i] && n + 1 < IH_ARGS_MAX; i++) {
    args[n++] = extra[i];
  }
  args[n] = NULL;
  return mt_test_server_start (srv, args, NULL);
}

/* Removes the regular files of @dir. */
static inline void
ih_empty_dir (const char *dir)
{
  DIR *d = opendir (dir);
  struct dirent *e;
  char path[PATH_MAX + 300];

  while (d && (e = readdir (d))) {
    if (e->d_name[0] != '.') {
      snprintf (path, sizeof path, "%s/%s", dir, e->d_name);
      unlink (path);
    }
  }
  if (d) {
    closedir (d);
  }
}

/* Copies every key file of @from's data dir into @to's (whose own keys are removed); @to is
 * stopped first and started again after, as an operator does (docs/OPERATIONS.md). */
static inline void
ih_share_keys (const mt_test_server_t *from, mt_test_server_t *to)
{
  char from_dir[PATH_MAX + 8], to_dir[PATH_MAX + 8];
  char src[PATH_MAX + 300], dst[PATH_MAX + 300];
  DIR *d;
  struct dirent *e;
  int copied = 0;

  assert_int_equal (mt_test_server_stop (to), 0);
  snprintf (from_dir, sizeof from_dir, "%s/keys", from->dir);
  snprintf (to_dir, sizeof to_dir, "%s/keys", to->dir);
  ih_empty_dir (to_dir);
  d = opendir (from_dir);
  assert_non_null (d);
  while ((e = readdir (d))) {
    size_t len = 0;
    char *text;
    FILE *f;
    if (e->d_name[0] == '.') {
      continue;
    }
    snprintf (src, sizeof src, "%s/%s", from_dir, e->d_name);
    snprintf (dst, sizeof dst, "%s/%s", to_dir, e->d_name);
    text = mt_test_read_file (src, &len);
    assert_non_null (text);
    f = fopen (dst, "w");
    assert_non_null (f);
    assert_int_equal (fchmod (fileno (f), 0600), 0);
    assert_int_equal (fwrite (text, 1, len, f), len);
    assert_int_equal (fclose (f), 0);
    free (text);
    copied++;
  }
  closedir (d);
  assert_true (copied > 0);
  assert_true (mt_test_server_restart (to));
}

/* Removes the work dir and what it holds (the database files, the mails). */
static inline void
ih_work_remove (void)
{
  const char *keep = getenv ("MUTUA_TEST_KEEP");

  if (!ih_work[0]) {
    return;
  }
  if (keep && strcmp (keep, "1") == 0) {
    fprintf (stderr, "instances: MUTUA_TEST_KEEP=1: kept %s\n", ih_work);
    return;
  }
  ih_empty_dir (ih_mail_dir);
  rmdir (ih_mail_dir);
  ih_empty_dir (ih_work);
  rmdir (ih_work);
  ih_work[0] = '\0';
}

/* ---- the webhook receiver ------------------------------------------------------------ */

typedef struct {
  char delivery[IH_ID_MAX];
  char event[64];
} ih_rx_t;

static struct {
  pthread_mutex_t lock;
  struct event_base *base;
  struct evhttp *http;
  pthread_t thread;
  uint16_t port;
  ih_rx_t *items; /* IH_RX_MAX */
  int count;
  int overflow;
} ih_receiver = { .lock = PTHREAD_MUTEX_INITIALIZER };

static inline void
ih_receiver_handle (struct evhttp_request *req, void *arg)
{
  struct evkeyvalq *headers = evhttp_request_get_input_headers (req);
  const char *delivery = evhttp_find_header (headers, "X-Mutua-Delivery");
  const char *event = evhttp_find_header (headers, "X-Mutua-Event");

  (void) arg;
  pthread_mutex_lock (&ih_receiver.lock);
  if (ih_receiver.count < IH_RX_MAX) {
    ih_rx_t *rx = &ih_receiver.items[ih_receiver.count++];
    snprintf (rx->delivery, sizeof rx->delivery, "%s", delivery ? delivery : "");
    snprintf (rx->event, sizeof rx->event, "%s", event ? event : "");
  } else {
    ih_receiver.overflow++;
  }
  pthread_mutex_unlock (&ih_receiver.lock);
  evhttp_send_reply (req, 200, "OK", NULL);
}

static inline void *
ih_receiver_main (void *arg)
{
  (void) arg;
  event_base_dispatch (ih_receiver.base);
  return NULL;
}

static inline bool
ih_receiver_start (void)
{
  struct evhttp_bound_socket *bound;
  struct sockaddr_in addr;
  socklen_t len = sizeof addr;

  ih_receiver.items = calloc (IH_RX_MAX, sizeof *ih_receiver.items);
  evthread_use_pthreads ();
  ih_receiver.base = ih_receiver.items ? event_base_new () : NULL;
  ih_receiver.http = ih_receiver.base ? evhttp_new (ih_receiver.base) : NULL;
  if (!ih_receiver.http) {
    return false;
  }
  evhttp_set_gencb (ih_receiver.http, ih_receiver_handle, NULL);
  bound = evhttp_bind_socket_with_handle (ih_receiver.http, "127.0.0.1", 0);
  if (!bound ||
      getsockname (evhttp_bound_socket_get_fd (bound), (struct sockaddr *) &addr, &len) != 0) {
    return false;
  }
  ih_receiver.port = ntohs (addr.sin_port);
  return pthread_create (&ih_receiver.thread, NULL, ih_receiver_main, NULL) == 0;
}

static inline void
ih_receiver_stop (void)
{
  if (ih_receiver.base) {
    event_base_loopbreak (ih_receiver.base);
    pthread_join (ih_receiver.thread, NULL);
    evhttp_free (ih_receiver.http);
    event_base_free (ih_receiver.base);
    ih_receiver.base = NULL;
  }
  free (ih_receiver.items);
  ih_receiver.items = NULL;
}

/* How many deliveries with the id @delivery came (under the lock). */
static inline int
ih_received (const char *delivery)
{
  int n = 0;

  pthread_mutex_lock (&ih_receiver.lock);
  for (int i = 0; i < ih_receiver.count; i++) {
    n += strcmp (ih_receiver.items[i].delivery, delivery) == 0;
  }
  pthread_mutex_unlock (&ih_receiver.lock);
  return n;
}

static inline int
ih_received_total (void)
{
  int n;

  pthread_mutex_lock (&ih_receiver.lock);
  n = ih_receiver.count + ih_receiver.overflow;
  pthread_mutex_unlock (&ih_receiver.lock);
  return n;
}

/* ---- the e-mails sent ------------------------------------------------------------------ */

typedef struct {
  char message_id[IH_ID_MAX]; /* the outbox id: "eml_..." */
  char tag[8];                /* the instance whose sendmail saved it */
} ih_mail_t;

/* Reads every saved message: its Message-ID's local part and the instance; their number. */
static inline int
ih_mails (ih_mail_t *out, int max)
{
  DIR *d = opendir (ih_mail_dir);
  struct dirent *e;
  int n = 0;

  assert_non_null (d);
  while ((e = readdir (d)) && n < max) {
    size_t name_len = strlen (e->d_name);
    char path[PATH_MAX + 300];
    const char *dot;
    char *text;
    const char *header;
    if (name_len < 4 || strcmp (e->d_name + name_len - 4, ".eml") != 0) {
      continue;
    }
    snprintf (path, sizeof path, "%s/%s", ih_mail_dir, e->d_name);
    text = mt_test_read_file (path, NULL);
    assert_non_null (text);
    header = strstr (text, "\nMessage-ID: <");
    assert_non_null (header);
    header += strlen ("\nMessage-ID: <");
    snprintf (out[n].message_id, sizeof out[n].message_id, "%.*s", (int) strcspn (header, "@>"),
              header);
    /* part.XXXXXX.<tag>.eml */
    dot = e->d_name + name_len - 4;
    while (dot > e->d_name && dot[-1] != '.') {
      dot--;
    }
    snprintf (out[n].tag, sizeof out[n].tag, "%.*s", (int) (e->d_name + name_len - 4 - dot), dot);
    free (text);
    n++;
  }
  closedir (d);
  return n;
}

/* ---- logs ---------------------------------------------------------------------------- */

/* Calls @fn on every log line of @srv whose "msg" starts with @msg_prefix, parsed. */
static inline void
ih_log_each (const mt_test_server_t *srv, const char *msg_prefix,
             void (*fn) (const bson_t *line, void *arg), void *arg)
{
  char *log = mt_test_server_log (srv, NULL);
  char needle[256];

  assert_non_null (log);
  snprintf (needle, sizeof needle, "\"msg\":\"%s", msg_prefix);
  for (char *line = log; line && *line;) {
    char *end = strchr (line, '\n');
    size_t len;
    if (end) {
      *end = '\0';
    }
    len = strlen (line);
    if (line[0] == '{' && strstr (line, needle)) {
      bson_t doc;
      mt_error_t error;
      if (mt_json_parse_object (line, len, MT_JSON_TRUSTED, &doc, &error)) {
        fn (&doc, arg);
      }
      bson_destroy (&doc);
    }
    line = end ? end + 1 : NULL;
  }
  free (log);
}

typedef struct {
  const char *field;
  int64_t sum;
  int64_t lines;
} ih_sum_t;

static inline void
ih_sum_line (const bson_t *line, void *arg)
{
  ih_sum_t *sum = arg;

  sum->sum += mt_bson_int (line, sum->field, 0);
  sum->lines++;
}

/* The sum of @field over the log lines of @srv whose "msg" is exactly @msg; *@lines (may be
 * NULL) gets their number. */
static inline int64_t
ih_log_sum (const mt_test_server_t *srv, const char *msg, const char *field, int64_t *lines)
{
  char exact[200];
  ih_sum_t sum = { .field = field };

  snprintf (exact, sizeof exact, "%s\"", msg);
  ih_log_each (srv, exact, ih_sum_line, &sum);
  if (lines) {
    *lines = sum.lines;
  }
  return sum.sum;
}

/* The number of log lines of @srv holding @needle. */
static inline int
ih_log_count (const mt_test_server_t *srv, const char *needle)
{
  char *log = mt_test_server_log (srv, NULL);
  int n = 0;

  assert_non_null (log);
  for (const char *p = log; (p = strstr (p, needle)); p += strlen (needle)) {
    n++;
  }
  free (log);
  return n;
}

/* ---- mutuad check ---------------------------------------------------------------------- */

/* `mutuad check --data-dir <@srv's dir>` on the shared store; its exit code, its output in
 * @output. */
static inline int
ih_check (const mt_test_server_t *srv, char *output, size_t size)
{
  const char *mutuad = getenv ("MUTUA_TEST_MUTUAD");
  char out_path[PATH_MAX + 16];
  const char *args[IH_ARGS_MAX];
  char *argv[IH_ARGS_MAX];
  posix_spawn_file_actions_t actions;
  pid_t pid;
  int status = 0;
  size_t n = 0;
  size_t len = 0;
  char *text;

  assert_non_null (mutuad);
  args[n++] = mutuad;
  args[n++] = "check";
  args[n++] = "--data-dir";
  args[n++] = srv->dir;
  ih_store_args (args, &n);
  args[n] = NULL;
  for (size_t i = 0; i <= n; i++) {
    argv[i] = args[i] ? strdup (args[i]) : NULL;
  }
  snprintf (out_path, sizeof out_path, "%s/check.txt", ih_work);
  posix_spawn_file_actions_init (&actions);
  posix_spawn_file_actions_addopen (&actions, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2 (&actions, 1, 2);
  assert_int_equal (posix_spawn (&pid, mutuad, &actions, NULL, argv, environ), 0);
  posix_spawn_file_actions_destroy (&actions);
  assert_int_equal (waitpid (pid, &status, 0), pid);
  for (size_t i = 0; i < n; i++) {
    free (argv[i]);
  }
  text = mt_test_read_file (out_path, &len);
  assert_non_null (text);
  snprintf (output, size, "%s", text);
  free (text);
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

#endif
