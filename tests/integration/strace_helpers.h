/*
 * strace_helpers: disk faults injected into a running mutuad by strace (`strace -f -p PID
 * -e trace=... -e inject=...`), for the fault tests and the group commit test. The fault is
 * on once strace has attached to every thread of mutuad, and off when strace detaches.
 * Include in one test file only: the strace process is kept in a static variable.
 */
#ifndef MT_STRACE_HELPERS_H
#define MT_STRACE_HELPERS_H

#include "loans_helpers.h"

#include <dirent.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

extern char **environ;

static pid_t sh_strace_pid = -1;

/* The path of strace in PATH, or false. */
static inline bool
sh_find_strace (char *out, size_t size)
{
  static const char *const dirs[] = { "/usr/bin", "/bin", "/usr/local/bin", "/usr/sbin", NULL };

  for (int i = 0; dirs[i]; i++) {
    snprintf (out, size, "%s/strace", dirs[i]);
    if (access (out, X_OK) == 0) {
      return true;
    }
  }
  return false;
}

/* True when every thread of @pid is traced by @tracer. */
static inline bool
sh_all_threads_traced (pid_t pid, pid_t tracer)
{
  char dir_path[64];
  DIR *dir;
  struct dirent *entry;
  int threads = 0;
  int traced = 0;

  snprintf (dir_path, sizeof dir_path, "/proc/%d/task", (int) pid);
  dir = opendir (dir_path);
  if (!dir) {
    return false;
  }
  while ((entry = readdir (dir))) {
    char path[512], line[256];
    FILE *f;

    if (entry->d_name[0] == '.') {
      continue;
    }
    threads++;
    snprintf (path, sizeof path, "%s/%s/status", dir_path, entry->d_name);
    f = fopen (path, "r");
    if (!f) {
      continue;
    }
    while (fgets (line, sizeof line, f)) {
      long value;
      if (sscanf (line, "TracerPid: %ld", &value) == 1) {
        traced += value == (long) tracer;
        break;
      }
    }
    fclose (f);
  }
  closedir (dir);
  return threads > 0 && traced == threads;
}

/*
 * Attaches strace to the running mutuad @pid with @trace (-e trace=) and @inject (-e inject=).
 * @return false (after saying why) when strace is absent or cannot attach.
 */
static inline bool
sh_fault_on (pid_t pid, const char *trace, const char *inject, const char *test_name)
{
  char strace[PATH_MAX], pid_arg[16], trace_arg[128], inject_arg[128];
  char f[] = "-f", q[] = "-qqq", o[] = "-o", null[] = "/dev/null", p[] = "-p", e1[] = "-e",
       e2[] = "-e";
  char *argv[] = { strace, f, q, o, null, p, pid_arg, e1, trace_arg, e2, inject_arg, NULL };

  if (!sh_find_strace (strace, sizeof strace)) {
    mt_test_say_skip (test_name, "strace is not installed (scripts/install-deps.sh installs it)");
    return false;
  }
  snprintf (pid_arg, sizeof pid_arg, "%d", (int) pid);
  snprintf (trace_arg, sizeof trace_arg, "trace=%s", trace);
  snprintf (inject_arg, sizeof inject_arg, "inject=%s", inject);
  assert_int_equal (posix_spawn (&sh_strace_pid, strace, NULL, NULL, argv, environ), 0);
  for (int waited = 0; !sh_all_threads_traced (pid, sh_strace_pid); waited++) {
    int status;

    if (waitpid (sh_strace_pid, &status, WNOHANG) == sh_strace_pid) {
      sh_strace_pid = -1;
      mt_test_say_skip (test_name, "strace cannot attach to mutuad (ptrace forbidden here?)");
      return false;
    }
    assert_true (waited < LH_POLL_MAX_MS);
    lh_sleep_ms (1);
  }
  return true;
}

/* Stops strace: it detaches and mutuad goes on as before. */
static inline void
sh_fault_off (pid_t pid)
{
  int status = 0;

  assert_true (sh_strace_pid > 0);
  kill (sh_strace_pid, SIGTERM);
  assert_int_equal (waitpid (sh_strace_pid, &status, 0), sh_strace_pid);
  sh_strace_pid = -1;
  assert_true (sh_all_threads_traced (pid, 0)); /* TracerPid 0: detached */
}

/* Kills strace if it still runs (teardown after a failed test). */
static inline void
sh_strace_kill (void)
{
  if (sh_strace_pid > 0) {
    kill (sh_strace_pid, SIGKILL);
    waitpid (sh_strace_pid, NULL, 0);
    sh_strace_pid = -1;
  }
}

#endif
