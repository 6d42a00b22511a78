/*
 * mt_test_server: the real mutuad as a child process of an integration test (see the
 * header for the contract).
 *
 * Everything the child needs (argv, envp) is built before fork(): between fork() and
 * execve() the child only calls async-signal-safe functions, because the test process may
 * have other threads (a cmocka test may run a fake peer in one).
 */
#define _GNU_SOURCE /* close_range */

#include "mt_test_server.h"

#include "mt_buf.h"
#include "mt_json.h"
#include "mt_test.h"
#include "mt_test_store.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define LOG_TAIL_BYTES 6000
#define POLL_INTERVAL_NS (10 * 1000 * 1000)

/* Defaults that a test may replace by passing the same flag in extra_args. */
static const char *const default_flags[][2] = {
  { "--listen", "127.0.0.1:0" },
  { "--threads", "2" },
  { "--password-opslimit", "1" },
  { "--password-memlimit-kib", "8" },
};

/* ---- small helpers ------------------------------------------------------------------- */

static int64_t
now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
pause_briefly (void)
{
  struct timespec ts = { 0, POLL_INTERVAL_NS };

  nanosleep (&ts, NULL);
}

static void
free_strv (char **strv)
{
  for (size_t i = 0; strv && strv[i]; i++) {
    free (strv[i]);
  }
  free (strv);
}

static size_t
strv_len (const char *const *strv)
{
  size_t n = 0;

  while (strv && strv[n]) {
    n++;
  }
  return n;
}

/* True when @args holds @flag, alone or as "@flag=value". */
static bool
has_flag (const char *const *args, const char *flag)
{
  size_t len = strlen (flag);

  for (size_t i = 0; args && args[i]; i++) {
    if (strncmp (args[i], flag, len) == 0 && (args[i][len] == '\0' || args[i][len] == '=')) {
      return true;
    }
  }
  return false;
}

/* Length of the name of an environment entry "NAME=value" (or "NAME"). */
static size_t
env_name_len (const char *entry)
{
  return strcspn (entry, "=");
}

/* True when @list holds an entry for the same variable as @entry. */
static bool
env_overridden (const char *const *list, const char *entry)
{
  size_t len = env_name_len (entry);

  for (size_t i = 0; list && list[i]; i++) {
    if (env_name_len (list[i]) == len && strncmp (list[i], entry, len) == 0) {
      return true;
    }
  }
  return false;
}

/* Appends a copy of @s to the NULL-terminated @strv that has room for it. */
static bool
push (char **strv, size_t *n, const char *s)
{
  strv[*n] = strdup (s);
  if (!strv[*n]) {
    return false;
  }
  (*n)++;
  strv[*n] = NULL;
  return true;
}

/* Exit status as a shell reports it: the code, or 128 + the signal. */
static int
decode_status (int status)
{
  if (WIFEXITED (status)) {
    return WEXITSTATUS (status);
  }
  if (WIFSIGNALED (status)) {
    return 128 + WTERMSIG (status);
  }
  return -1;
}

/* ---- the command line and environment -------------------------------------------- */

static bool
build_argv (mt_test_server_t *srv, const char *binary, const char *const *extra_args)
{
  size_t n_defaults = sizeof default_flags / sizeof default_flags[0];
  size_t n = 0;

  srv->argv = calloc (1 + 4 + 2 * n_defaults + 4 + strv_len (extra_args) + 1, sizeof (char *));
  if (!srv->argv) {
    return false;
  }
  if (!push (srv->argv, &n, binary) || !push (srv->argv, &n, "--data-dir") ||
      !push (srv->argv, &n, srv->dir) || !push (srv->argv, &n, "--port-file") ||
      !push (srv->argv, &n, srv->port_path)) {
    return false;
  }
  for (size_t i = 0; i < n_defaults; i++) {
    if (!has_flag (extra_args, default_flags[i][0]) &&
        (!push (srv->argv, &n, default_flags[i][0]) ||
         !push (srv->argv, &n, default_flags[i][1]))) {
      return false;
    }
  }
  if (strncmp (srv->store_uri, "mongodb", 7) == 0 && !has_flag (extra_args, "--store") &&
      (!push (srv->argv, &n, "--store") || !push (srv->argv, &n, "mongodb") ||
       !push (srv->argv, &n, "--mongodb-uri") || !push (srv->argv, &n, srv->store_uri))) {
    return false;
  }
  for (size_t i = 0; extra_args && extra_args[i]; i++) {
    if (!push (srv->argv, &n, extra_args[i])) {
      return false;
    }
  }
  return true;
}

/* The store of a new server: the one its --store names, else a fresh one of the kind
 * MUTUA_TEST_STORE selects (mt_test_store.h). */
static bool
choose_store (mt_test_server_t *srv, const char *const *extra_args)
{
  const char *suffix = strrchr (srv->dir, '-');
  char db_name[64];
  int n;

  for (size_t i = 0; extra_args && extra_args[i]; i++) {
    if (strcmp (extra_args[i], "--store") == 0 && extra_args[i + 1]) {
      n = snprintf (srv->store_uri, sizeof srv->store_uri, "%s", extra_args[i + 1]);
      return n > 0 && (size_t) n < sizeof srv->store_uri;
    }
  }
  if (mt_test_store_is_mongodb ()) {
    snprintf (db_name, sizeof db_name, "it_%s", suffix ? suffix + 1 : "x");
    return mt_test_store_mongodb_uri (db_name, srv->store_uri, sizeof srv->store_uri);
  }
  n = snprintf (srv->store_uri, sizeof srv->store_uri, "sqlite:%s/mutua.db", srv->dir);
  return n > 0 && (size_t) n < sizeof srv->store_uri;
}

const char *
mt_test_server_store_uri (const mt_test_server_t *srv)
{
  return srv->store_uri;
}

/* The test's environment without its MUTUA_* variables, with the admin defaults, then
 * @extra_env applied over it. */
static bool
build_envp (mt_test_server_t *srv, const char *const *extra_env)
{
  static const char *const defaults[] = { "MUTUA_ADMIN_EMAIL=" MT_TEST_ADMIN_EMAIL,
                                          "MUTUA_ADMIN_PASSWORD=" MT_TEST_ADMIN_PASSWORD, NULL };
  const char *const *inherited = (const char *const *) environ;
  size_t n = 0;

  srv->envp = calloc (strv_len (inherited) + 2 + strv_len (extra_env) + 1, sizeof (char *));
  if (!srv->envp) {
    return false;
  }
  for (size_t i = 0; inherited && inherited[i]; i++) {
    /* A developer's own MUTUA_* settings (MUTUA_STORE...) must not reach the test server. */
    if (strncmp (inherited[i], "MUTUA_", 6) == 0) {
      continue;
    }
    if (!env_overridden (defaults, inherited[i]) && !env_overridden (extra_env, inherited[i]) &&
        !push (srv->envp, &n, inherited[i])) {
      return false;
    }
  }
  for (size_t i = 0; defaults[i]; i++) {
    if (!env_overridden (extra_env, defaults[i]) && !push (srv->envp, &n, defaults[i])) {
      return false;
    }
  }
  for (size_t i = 0; extra_env && extra_env[i]; i++) {
    /* "NAME" alone removes NAME: it was left out above. */
    if (strchr (extra_env[i], '=') && !push (srv->envp, &n, extra_env[i])) {
      return false;
    }
  }
  return true;
}

/* @name (@len bytes) as an executable path: itself when it holds a '/', else the first
 * match in PATH (looked up before fork: execvp is not async-signal-safe). Malloc'd. */
static char *
find_in_path (const char *name, size_t len)
{
  const char *path = getenv ("PATH");
  char candidate[PATH_MAX];

  if (memchr (name, '/', len) || !path) {
    return strndup (name, len);
  }
  for (const char *dir = path; *dir;) {
    size_t dir_len = strcspn (dir, ":");

    if (snprintf (candidate, sizeof candidate, "%.*s/%.*s", (int) dir_len, dir, (int) len, name) <
          (int) sizeof candidate &&
        access (candidate, X_OK) == 0) {
      return strdup (candidate);
    }
    dir += dir_len;
    dir += *dir == ':';
  }
  return strndup (name, len);
}

/*
 * The words of MUTUA_TEST_WRAPPER (split on spaces and tabs, no quoting), or NULL when it is
 * unset or empty: the command that runs mutuad ("valgrind --error-exitcode=99 ...").
 */
static char **
build_wrapper (bool *failed)
{
  const char *text = getenv ("MUTUA_TEST_WRAPPER");
  char **words = NULL;
  size_t n = 0;

  *failed = false;
  if (!text || !text[strspn (text, " \t")]) {
    return NULL;
  }
  words = calloc (strlen (text) / 2 + 2, sizeof (char *));
  if (!words) {
    *failed = true;
    return NULL;
  }
  for (const char *p = text; *p;) {
    size_t len;

    p += strspn (p, " \t");
    len = strcspn (p, " \t");
    if (len == 0) {
      break;
    }
    words[n] = n == 0 ? find_in_path (p, len) : strndup (p, len);
    if (!words[n]) {
      free_strv (words);
      *failed = true;
      return NULL;
    }
    n++;
    p += len;
  }
  words[n] = NULL;
  return words;
}

/* The command line of the child: the wrapper's words (if any) then srv->argv. */
static bool
build_exec_argv (mt_test_server_t *srv)
{
  size_t n_wrapper = strv_len ((const char *const *) srv->wrapper);
  size_t n_argv = strv_len ((const char *const *) srv->argv);
  size_t n = 0;

  srv->exec_argv = calloc (n_wrapper + n_argv + 1, sizeof (char *));
  if (!srv->exec_argv) {
    return false;
  }
  for (size_t i = 0; i < n_wrapper; i++) {
    if (!push (srv->exec_argv, &n, srv->wrapper[i])) {
      return false;
    }
  }
  for (size_t i = 0; i < n_argv; i++) {
    if (!push (srv->exec_argv, &n, srv->argv[i])) {
      return false;
    }
  }
  return true;
}

/* How long a start or a stop may take: ten times longer under a wrapper (valgrind is slow). */
static int
scaled_timeout_ms (const mt_test_server_t *srv, int timeout_ms)
{
  return srv->wrapper ? 10 * timeout_ms : timeout_ms;
}

/* ---- the child ----------------------------------------------------------------------- */

/* In the child between fork() and execve(): async-signal-safe calls only. Never returns. */
__attribute__ ((noreturn)) static void
exec_child (const mt_test_server_t *srv, int log_fd, int null_fd, pid_t parent)
{
  static const char failed[] = "mt_test_server: execve of mutuad failed\n";
  static const int reset[] = { SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD };
  struct sigaction dfl;
  sigset_t none;

  /* Die with the test: SIGKILL when the thread that forked us ends. */
  if (prctl (PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid () != parent) {
    _exit (127);
  }
  if (dup2 (null_fd, 0) < 0 || dup2 (log_fd, 1) < 0 || dup2 (log_fd, 2) < 0) {
    _exit (127);
  }
  (void) close_range (3, ~0U, 0);
  /* A blocked or ignored signal survives execve: give mutuad a clean slate. */
  memset (&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  for (size_t i = 0; i < sizeof reset / sizeof reset[0]; i++) {
    sigaction (reset[i], &dfl, NULL);
  }
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  execve (srv->exec_argv[0], srv->exec_argv, srv->envp);
  (void) !write (2, failed, sizeof failed - 1);
  _exit (127);
}

/*
 * Reaps the child if it has ended, waiting at most @timeout_ms (< 0: without limit).
 * Returns: true when it has ended (srv->pid is then -1 and srv->exit_status set).
 */
static bool
reap (mt_test_server_t *srv, int timeout_ms)
{
  int64_t deadline = now_ms () + timeout_ms;

  for (;;) {
    int status = 0;
    pid_t r = waitpid (srv->pid, &status, timeout_ms < 0 ? 0 : WNOHANG);

    if (r == srv->pid || (r < 0 && errno == ECHILD)) {
      srv->exit_status = r == srv->pid ? decode_status (status) : -1;
      srv->pid = -1;
      srv->port = 0;
      return true;
    }
    if (r < 0 && errno != EINTR) {
      return false;
    }
    if (r == 0) {
      if (now_ms () >= deadline) {
        return false;
      }
      pause_briefly ();
    }
  }
}

/* Reads "<port>\n" from the port file; 0 when it is not there (yet) or not complete. */
static uint16_t
read_port_file (const mt_test_server_t *srv)
{
  char text[16];
  ssize_t n;
  long port;
  char *end;
  int fd = open (srv->port_path, O_RDONLY | O_CLOEXEC);

  if (fd < 0) {
    return 0;
  }
  n = read (fd, text, sizeof text - 1);
  close (fd);
  if (n <= 1 || text[n - 1] != '\n') {
    return 0;
  }
  text[n - 1] = '\0';
  errno = 0;
  port = strtol (text, &end, 10);
  if (errno != 0 || *end != '\0' || end == text || port < 1 || port > 65535) {
    return 0;
  }
  return (uint16_t) port;
}

/* Starts the child with srv->argv/envp and waits until it has written its port. */
static bool
spawn (mt_test_server_t *srv)
{
  int log_fd = -1;
  int null_fd = -1;
  pid_t parent = getpid ();
  int64_t deadline;
  bool ok = false;

  unlink (srv->port_path);
  log_fd = open (srv->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  null_fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log_fd < 0 || null_fd < 0) {
    fprintf (stderr, "mt_test_server: cannot open %s or /dev/null: %s\n", srv->log_path,
             strerror (errno));
    goto done;
  }
  fflush (NULL); /* nothing buffered may be written twice by the child */
  srv->pid = fork ();
  if (srv->pid < 0) {
    fprintf (stderr, "mt_test_server: fork: %s\n", strerror (errno));
    srv->pid = -1;
    goto done;
  }
  if (srv->pid == 0) {
    exec_child (srv, log_fd, null_fd, parent);
  }

  deadline = now_ms () + scaled_timeout_ms (srv, MT_TEST_SERVER_START_TIMEOUT_MS);
  for (;;) {
    if (reap (srv, 0)) {
      fprintf (stderr, "mt_test_server: mutuad exited with status %d before it was ready\n",
               srv->exit_status);
      mt_test_server_print_log_tail (srv, LOG_TAIL_BYTES);
      goto done;
    }
    srv->port = read_port_file (srv);
    if (srv->port != 0) {
      break;
    }
    if (now_ms () >= deadline) {
      fprintf (stderr, "mt_test_server: mutuad wrote no port file within %d ms\n",
               scaled_timeout_ms (srv, MT_TEST_SERVER_START_TIMEOUT_MS));
      mt_test_server_kill (srv);
      mt_test_server_print_log_tail (srv, LOG_TAIL_BYTES);
      goto done;
    }
    pause_briefly ();
  }
  ok = true;

done:
  if (log_fd >= 0) {
    close (log_fd);
  }
  if (null_fd >= 0) {
    close (null_fd);
  }
  return ok;
}

/* ---- public API ---------------------------------------------------------------------- */

bool
mt_test_server_start (mt_test_server_t *srv, const char *const *extra_args,
                      const char *const *extra_env)
{
  const char *binary = getenv ("MUTUA_TEST_MUTUAD");
  const char *tmp = getenv ("TMPDIR");
  bool wrapper_failed = false;
  bool ok = false;

  memset (srv, 0, sizeof *srv);
  srv->pid = -1;
  srv->exit_status = -1;

  if (!binary || !*binary || access (binary, X_OK) != 0) {
    fprintf (stderr,
             "mt_test_server: MUTUA_TEST_MUTUAD (\"%s\") is not an executable mutuad; "
             "run the test through ctest, which sets it\n",
             binary ? binary : "");
    goto done;
  }
  if (!tmp || !*tmp) {
    tmp = "/tmp";
  }
  if (snprintf (srv->dir, sizeof srv->dir, "%s/mutua-test-XXXXXX", tmp) >= (int) sizeof srv->dir ||
      !mkdtemp (srv->dir)) {
    fprintf (stderr, "mt_test_server: cannot create a directory under %s: %s\n", tmp,
             strerror (errno));
    srv->dir[0] = '\0';
    goto done;
  }
  if (snprintf (srv->log_path, sizeof srv->log_path, "%s/mutuad.log", srv->dir) >=
        (int) sizeof srv->log_path ||
      snprintf (srv->port_path, sizeof srv->port_path, "%s/mutuad.port", srv->dir) >=
        (int) sizeof srv->port_path) {
    fprintf (stderr, "mt_test_server: path too long under %s\n", tmp);
    srv->log_path[0] = '\0';
    goto done;
  }
  if (!choose_store (srv, extra_args)) {
    fprintf (stderr, "mt_test_server: no store for the server (MUTUA_TEST_STORE=%s)\n",
             mt_test_store_describe ());
    goto done;
  }
  srv->wrapper = build_wrapper (&wrapper_failed);
  if (wrapper_failed || !build_argv (srv, binary, extra_args) || !build_envp (srv, extra_env) ||
      !build_exec_argv (srv)) {
    fprintf (stderr, "mt_test_server: out of memory\n");
    goto done;
  }
  if (srv->wrapper) {
    /* Every answer of a wrapped mutuad may take much longer (argon2 under valgrind). */
    mt_http_client_set_timeout (10 * MT_HTTP_CLIENT_TIMEOUT_MS);
  }
  ok = spawn (srv);

done:
  return ok;
}

int
mt_test_server_stop (mt_test_server_t *srv)
{
  if (srv->pid <= 0) {
    return srv->exit_status;
  }
  kill (srv->pid, SIGTERM);
  if (!reap (srv, scaled_timeout_ms (srv, MT_TEST_SERVER_STOP_TIMEOUT_MS))) {
    fprintf (stderr, "mt_test_server: mutuad (pid %d) still runs %d ms after SIGTERM: SIGKILL\n",
             (int) srv->pid, scaled_timeout_ms (srv, MT_TEST_SERVER_STOP_TIMEOUT_MS));
    kill (srv->pid, SIGKILL);
    reap (srv, -1);
  }
  if (srv->exit_status != 0) {
    fprintf (stderr, "mt_test_server: mutuad ended with status %d\n", srv->exit_status);
    mt_test_server_print_log_tail (srv, LOG_TAIL_BYTES);
  }
  return srv->exit_status;
}

void
mt_test_server_kill (mt_test_server_t *srv)
{
  if (srv->pid > 0) {
    kill (srv->pid, SIGKILL);
    reap (srv, -1);
  }
}

bool
mt_test_server_restart (mt_test_server_t *srv)
{
  if (!srv->argv || !srv->envp || !srv->exec_argv) {
    return false;
  }
  if (srv->pid > 0) {
    mt_test_server_stop (srv);
  }
  return spawn (srv);
}

static int
remove_entry (const char *path, const struct stat *st, int type, struct FTW *ftw)
{
  if (remove (path) != 0) {
    fprintf (stderr, "mt_test_server: cannot remove %s: %s\n", path, strerror (errno));
  }
  return 0;
}

void
mt_test_server_destroy (mt_test_server_t *srv)
{
  const char *keep = getenv ("MUTUA_TEST_KEEP");

  mt_test_server_kill (srv);
  if (srv->dir[0]) {
    if (keep && strcmp (keep, "1") == 0) {
      fprintf (stderr, "mt_test_server: MUTUA_TEST_KEEP=1: kept %s\n", srv->dir);
    } else {
      nftw (srv->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
    srv->dir[0] = '\0';
  }
  free_strv (srv->argv);
  free_strv (srv->envp);
  free_strv (srv->wrapper);
  free_strv (srv->exec_argv);
  srv->argv = NULL;
  srv->envp = NULL;
  srv->wrapper = NULL;
  srv->exec_argv = NULL;
}

char *
mt_test_server_log (const mt_test_server_t *srv, size_t *len)
{
  return srv->log_path[0] ? mt_test_read_file (srv->log_path, len) : NULL;
}

void
mt_test_server_print_log_tail (const mt_test_server_t *srv, size_t max_bytes)
{
  size_t len = 0;
  char *log = mt_test_server_log (srv, &len);
  const char *start;

  if (!log) {
    fprintf (stderr, "mt_test_server: no log at %s\n", srv->log_path);
    return;
  }
  start = log;
  if (len > max_bytes) {
    const char *nl;

    start = log + len - max_bytes;
    nl = strchr (start, '\n');
    if (nl) {
      start = nl + 1;
    }
  }
  fprintf (stderr, "---- end of %s ----\n%s%s---- (end of log) ----\n", srv->log_path, start,
           len > 0 && log[len - 1] != '\n' ? "\n" : "");
  free (log);
}

/* True when @headers holds a "@name:" line. */
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

bool
mt_test_server_request (const mt_test_server_t *srv, const char *token, const char *method,
                        const char *path, const char *const *headers, const char *json,
                        mt_http_response_t *out)
{
  size_t n_user = strv_len (headers);
  const char **all = calloc (n_user + 3, sizeof (char *));
  char *authorization = NULL;
  size_t n = 0;
  bool ok = false;

  if (token) {
    size_t size = strlen (token) + sizeof "Authorization: Bearer ";

    authorization = malloc (size);
    if (authorization) {
      snprintf (authorization, size, "Authorization: Bearer %s", token);
    }
  }
  if (!all || (token && !authorization)) {
    mt_http_response_init (out);
    out->body = strdup ("");
    mt_error_set (&out->error, MT_DOMAIN_IO, MT_ERR_INTERNAL, "mémoire épuisée", "out of memory");
    goto done;
  }
  if (authorization) {
    all[n++] = authorization;
  }
  if (json && !has_header (headers, "Content-Type")) {
    all[n++] = "Content-Type: application/json";
  }
  for (size_t i = 0; i < n_user; i++) {
    all[n++] = headers[i];
  }
  all[n] = NULL;
  ok = mt_http_request (srv->port, method, path, all, json, json ? strlen (json) : 0, out);

done:
  free (all);
  free (authorization);
  return ok;
}

bool
mt_test_server_request_bson (const mt_test_server_t *srv, const char *token, const char *method,
                             const char *path, const char *const *headers, const bson_t *body,
                             mt_http_response_t *out)
{
  char *json = body ? mt_json_from_bson (body, NULL) : NULL;
  bool ok;

  if (body && !json) {
    mt_http_response_init (out);
    out->body = strdup ("");
    mt_error_set (&out->error, MT_DOMAIN_IO, MT_ERR_INTERNAL, "mémoire épuisée", "out of memory");
    return false;
  }
  ok = mt_test_server_request (srv, token, method, path, headers, json, out);
  free (json);
  return ok;
}

char *
mt_test_server_login (const mt_test_server_t *srv, const char *email, const char *password)
{
  mt_buf_t body;
  mt_http_response_t resp;
  const char *token;
  char *result = NULL;

  mt_buf_init (&body, 64 * 1024);
  mt_buf_append_str (&body, "{\"email\":");
  mt_json_append_string (&body, email, strlen (email));
  mt_buf_append_str (&body, ",\"password\":");
  mt_json_append_string (&body, password, strlen (password));
  mt_buf_append_str (&body, "}");
  if (body.failed) {
    fprintf (stderr, "mt_test_server_login: body too large\n");
    mt_buf_destroy (&body);
    return NULL;
  }
  if (!mt_test_server_request (srv, NULL, "POST", "/v1/auth/login", NULL, mt_buf_cstr (&body),
                               &resp)) {
    fprintf (stderr, "mt_test_server_login: %s\n", resp.error.message);
  } else if (resp.status < 200 || resp.status > 299 ||
             !(token = mt_http_json_string (&resp, "token"))) {
    /* The body is the server's problem document: it holds no password. */
    fprintf (stderr, "mt_test_server_login: status %d, body %.500s\n", resp.status, resp.body);
  } else {
    result = strdup (token);
  }
  if (body.data) {
    sodium_memzero (body.data, body.len);
  }
  mt_buf_destroy (&body);
  mt_http_response_destroy (&resp);
  return result;
}

char *
mt_test_server_login_admin (const mt_test_server_t *srv)
{
  return mt_test_server_login (srv, MT_TEST_ADMIN_EMAIL, MT_TEST_ADMIN_PASSWORD);
}
