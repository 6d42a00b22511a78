/*
 * mt_mongo_double: runs tests/support/mongo_double.py as a child process (see the header).
 *
 * argv is built before fork(); between fork() and execve() the child only calls
 * async-signal-safe functions (the test may have other threads).
 */
#define _GNU_SOURCE /* close_range, pipe2 */

#include "mt_mongo_double.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SCRIPT_PATH "/tests/support/mongo_double.py"
#define POLL_INTERVAL_NS (10 * 1000 * 1000)
#define URI_OPTIONS "serverSelectionTimeoutMS=5000&connectTimeoutMS=5000&appname=mutua-test"

extern char **environ;

static int64_t
now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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

static bool
script_path (char *buf, size_t size)
{
  const char *dir = getenv ("MUTUA_TEST_SOURCE_DIR");

  return dir && *dir && snprintf (buf, size, "%s%s", dir, SCRIPT_PATH) < (int) size;
}

/* Runs @argv with stdout and stderr discarded; its exit code, or -1. Bounded by the child. */
static int
run_quietly (char *const argv[])
{
  int status = 0;
  pid_t pid = fork ();

  if (pid < 0) {
    return -1;
  }
  if (pid == 0) {
    int null_fd = open ("/dev/null", O_RDWR);

    if (null_fd < 0 || dup2 (null_fd, 0) < 0 || dup2 (null_fd, 1) < 0 || dup2 (null_fd, 2) < 0) {
      _exit (127);
    }
    execve (argv[0], argv, environ);
    _exit (127);
  }
  while (waitpid (pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return -1;
    }
  }
  return decode_status (status);
}

bool
mt_mongo_double_available (char *why, size_t size)
{
  char script[4096];
  char python[] = MT_MONGO_DOUBLE_PYTHON;
  char dash_c[] = "-c";
  char import_bson[] = "import bson, pymongo";
  char import_mongomock[] = "import mongomock";
  char *const check_bson[] = { python, dash_c, import_bson, NULL };
  char *const check_mongomock[] = { python, dash_c, import_mongomock, NULL };

  if (access (MT_MONGO_DOUBLE_PYTHON, X_OK) != 0) {
    snprintf (why, size, "%s is missing (apt-get install python3)", MT_MONGO_DOUBLE_PYTHON);
    return false;
  }
  if (!script_path (script, sizeof script) || access (script, R_OK) != 0) {
    snprintf (why, size, "MUTUA_TEST_SOURCE_DIR does not lead to %s (run the test from ctest)",
              SCRIPT_PATH);
    return false;
  }
  if (run_quietly (check_bson) != 0) {
    snprintf (why, size, "%s cannot import pymongo's bson (apt-get install python3-pymongo)",
              MT_MONGO_DOUBLE_PYTHON);
    return false;
  }
  if (run_quietly (check_mongomock) != 0) {
    snprintf (why, size, "%s cannot import mongomock (apt-get install python3-mongomock)",
              MT_MONGO_DOUBLE_PYTHON);
    return false;
  }
  return true;
}

/* In the child between fork() and execve(): async-signal-safe calls only. Never returns. */
__attribute__ ((noreturn)) static void
exec_child (char *const argv[], int stdin_fd, int stdout_fd, pid_t parent)
{
  static const char failed[] = "mt_mongo_double: execve of python3 failed\n";
  static const int reset[] = { SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD };
  struct sigaction dfl;
  sigset_t none;

  if (prctl (PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid () != parent) {
    _exit (127);
  }
  if (dup2 (stdin_fd, 0) < 0 || dup2 (stdout_fd, 1) < 0) {
    _exit (127);
  }
  (void) close_range (3, ~0U, 0);
  memset (&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  for (size_t i = 0; i < sizeof reset / sizeof reset[0]; i++) {
    (void) sigaction (reset[i], &dfl, NULL);
  }
  sigemptyset (&none);
  (void) sigprocmask (SIG_SETMASK, &none, NULL);
  execve (argv[0], argv, environ);
  (void) write (2, failed, sizeof failed - 1);
  _exit (127);
}

/* Reads "port=N\n" from @fd within the start timeout. */
static bool
read_port (int fd, uint16_t *port)
{
  char line[64];
  size_t len = 0;
  int64_t deadline = now_ms () + MT_MONGO_DOUBLE_START_TIMEOUT_MS;

  while (len < sizeof line - 1) {
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    int64_t left = deadline - now_ms ();
    ssize_t r;

    if (left <= 0 || poll (&pfd, 1, (int) left) <= 0) {
      fprintf (stderr, "mt_mongo_double: no port within %d ms\n", MT_MONGO_DOUBLE_START_TIMEOUT_MS);
      return false;
    }
    r = read (fd, line + len, 1);
    if (r <= 0) {
      fprintf (stderr, "mt_mongo_double: the double ended before printing its port\n");
      return false;
    }
    if (line[len] == '\n') {
      char *end = NULL;
      long value;

      line[len] = '\0';
      errno = 0;
      value = strncmp (line, "port=", 5) == 0 ? strtol (line + 5, &end, 10) : 0;
      if (errno || !end || *end || value <= 0 || value > 65535) {
        fprintf (stderr, "mt_mongo_double: unexpected first line \"%s\"\n", line);
        return false;
      }
      *port = (uint16_t) value;
      return true;
    }
    len++;
  }
  fprintf (stderr, "mt_mongo_double: first line too long\n");
  return false;
}

bool
mt_mongo_double_start (mt_mongo_double_t *d)
{
  char script[4096];
  char python[] = MT_MONGO_DOUBLE_PYTHON;
  char port_flag[] = "--port";
  char port_zero[] = "0";
  char eof_flag[] = "--exit-on-stdin-eof";
  char *const argv[] = { python, script, port_flag, port_zero, eof_flag, NULL };
  int in_pipe[2] = { -1, -1 };
  int out_pipe[2] = { -1, -1 };
  bool ok = false;

  d->pid = -1;
  d->stdin_fd = -1;
  d->port = 0;
  d->base_uri[0] = '\0';
  if (!script_path (script, sizeof script)) {
    fprintf (stderr, "mt_mongo_double: MUTUA_TEST_SOURCE_DIR is not set\n");
    goto done;
  }
  if (pipe2 (in_pipe, O_CLOEXEC) != 0 || pipe2 (out_pipe, O_CLOEXEC) != 0) {
    perror ("mt_mongo_double: pipe2");
    goto done;
  }
  pid_t parent = getpid ();
  d->pid = fork ();
  if (d->pid < 0) {
    perror ("mt_mongo_double: fork");
    goto done;
  }
  if (d->pid == 0) {
    exec_child (argv, in_pipe[0], out_pipe[1], parent);
  }
  d->stdin_fd = in_pipe[1];
  in_pipe[1] = -1;
  close (out_pipe[1]);
  out_pipe[1] = -1;
  if (!read_port (out_pipe[0], &d->port)) {
    goto done;
  }
  snprintf (d->base_uri, sizeof d->base_uri, "mongodb://127.0.0.1:%u", (unsigned) d->port);
  ok = true;

done:
  for (int i = 0; i < 2; i++) {
    if (in_pipe[i] >= 0) {
      close (in_pipe[i]);
    }
    if (out_pipe[i] >= 0) {
      close (out_pipe[i]);
    }
  }
  if (!ok && d->pid > 0) {
    (void) mt_mongo_double_stop (d);
  }
  return ok;
}

bool
mt_mongo_double_uri (const mt_mongo_double_t *d, const char *dbname, char *buf, size_t size)
{
  int n = snprintf (buf, size, "%s/%s?" URI_OPTIONS, d->base_uri, dbname);

  return n > 0 && (size_t) n < size;
}

int
mt_mongo_double_stop (mt_mongo_double_t *d)
{
  int status = 0;
  int result = -1;
  int64_t deadline = now_ms () + MT_MONGO_DOUBLE_STOP_TIMEOUT_MS;

  if (d->pid <= 0) {
    goto done;
  }
  (void) kill (d->pid, SIGTERM);
  for (;;) {
    pid_t r = waitpid (d->pid, &status, WNOHANG);

    if (r == d->pid) {
      result = decode_status (status);
      break;
    }
    if (r < 0 && errno != EINTR) {
      break;
    }
    if (now_ms () >= deadline) {
      fprintf (stderr, "mt_mongo_double: no exit %d ms after SIGTERM, SIGKILL\n",
               MT_MONGO_DOUBLE_STOP_TIMEOUT_MS);
      (void) kill (d->pid, SIGKILL);
      if (waitpid (d->pid, &status, 0) == d->pid) {
        result = decode_status (status);
      }
      break;
    }
    struct timespec ts = { 0, POLL_INTERVAL_NS };
    nanosleep (&ts, NULL);
  }

done:
  if (d->stdin_fd >= 0) {
    close (d->stdin_fd);
  }
  d->stdin_fd = -1;
  d->pid = -1;
  d->port = 0;
  return result;
}
