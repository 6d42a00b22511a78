/*
 * Integration tests of the `mutua` command (clients/cli) against the real mutuad on loopback:
 * the built binary runs as a child process with a temporary XDG_CONFIG_HOME, MUTUA_SERVER
 * pointing at the test server, LANG chosen by the test, and its stdout, stderr and exit code
 * are checked. Covered: help in French and English, login (token file 0600 in a 0700
 * directory, never printed), logout, search with dates (the free good, not the booked one;
 * UTF-8 aligned tables), reserve, reservations, the owner's approve/checkout/return, admin
 * reviews/stats/export, --json output, and every exit code class (1 usage, 2 not signed in
 * and 401, 3 403, 4 404, 5 409, 6 422, 7 429, 9 connection refused and timeout). The
 * commands of docs/integrators.md are the ones run here (cli/docs/examples).
 *
 * The binary is $MUTUA_TEST_BINARY_DIR/clients/cli/mutua, built with the tests.
 */
#define _GNU_SOURCE /* pipe2, nftw */

#include "loans_helpers.h"

#include "mt_json.h"

#include <arpa/inet.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

extern char **environ;

#define CLI_WAIT_MS 120000 /* a run that takes longer is a hang: a failure, not a timing check */
#define CLI_OUT_MAX (8u * 1024u * 1024u)
#define CLI_ENV_MAX 512
#define CLI_HOME_MAX 1024 /* a config dir (base_dir + /home-N) */
#define CLI_ANY (-2)      /* cli_env: any exit code */

static char cli_path[PATH_MAX];
static char server_url[64];
static char base_dir[512]; /* one config dir per person under it */
static unsigned dir_counter;

typedef struct {
  int status; /* the exit code, or -1 when killed by a signal */
  char *out;  /* stdout, NUL-terminated */
  char *err;  /* stderr */
} cli_run_t;

static void
cli_run_destroy (cli_run_t *run)
{
  free (run->out);
  free (run->err);
  memset (run, 0, sizeof *run);
}

static int
setup (void **state)
{
  const char *bin = getenv ("MUTUA_TEST_BINARY_DIR");
  const char *tmp = getenv ("TMPDIR");

  if (!bin) {
    return -1;
  }
  snprintf (cli_path, sizeof cli_path, "%s/clients/cli/mutua", bin);
  if (access (cli_path, X_OK) != 0) {
    fprintf (stderr, "%s: the mutua command is not built\n", cli_path);
    return -1;
  }
  snprintf (base_dir, sizeof base_dir, "%s/mutua-cli-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
  if (!mkdtemp (base_dir)) {
    return -1;
  }
  if (it_start (state) != 0) {
    return -1;
  }
  snprintf (server_url, sizeof server_url, "http://127.0.0.1:%u", (unsigned) it_server.port);
  return 0;
}

static int
remove_entry (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void) st;
  (void) flag;
  (void) ftw;
  return remove (path);
}

static int
teardown (void **state)
{
  if (base_dir[0] && nftw (base_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0) {
    fprintf (stderr, "could not remove %s\n", base_dir);
  }
  return it_stop (state);
}

/* A new, empty XDG_CONFIG_HOME for one user of the command, in @out. */
static void
new_config_home (char out[CLI_HOME_MAX])
{
  snprintf (out, CLI_HOME_MAX, "%s/home-%u", base_dir, ++dir_counter);
  assert_int_equal (mkdir (out, 0700), 0);
}

/* Reads @fds until both end (bounded by CLI_WAIT_MS), into @bufs. */
static bool
drain (int fds[2], mt_buf_t bufs[2])
{
  char chunk[4096];
  int open_count = 2;

  while (open_count > 0) {
    struct pollfd pfd[2] = { { fds[0], POLLIN, 0 }, { fds[1], POLLIN, 0 } };
    int n = poll (pfd, 2, CLI_WAIT_MS);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) {
        continue;
      }
      return false;
    }
    for (int i = 0; i < 2; i++) {
      if (fds[i] < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR))) {
        continue;
      }
      ssize_t got = read (fds[i], chunk, sizeof chunk);
      if (got > 0) {
        assert_true (mt_buf_append (&bufs[i], chunk, (size_t) got));
      } else if (got == 0 || errno != EINTR) {
        close (fds[i]);
        fds[i] = -1;
        open_count--;
      }
    }
  }
  return true;
}

/* True when the "NAME=value" (or "NAME") @entry names one of @names' variables. */
static bool
env_names (const char *entry, const char *const *names)
{
  size_t len = strcspn (entry, "=");

  for (size_t i = 0; names && names[i]; i++) {
    size_t nlen = strcspn (names[i], "=");
    if (nlen == len && strncmp (entry, names[i], len) == 0) {
      return true;
    }
  }
  return false;
}

/*
 * Runs `mutua @argv...` with XDG_CONFIG_HOME=@home, MUTUA_SERVER=the test server, LANG=C,
 * then @env ("NAME=value" overrides, "NAME" alone removes; NULL-terminated or NULL), @input
 * on its standard input (NULL: empty). Fails unless it exits with @expect.
 */
static cli_run_t
cli_env (int expect, const char *home, const char *const *env, const char *input,
         const char *const *argv)
{
  static const char *const cleared[] = { "LANG",           "LC_ALL",
                                         "LC_MESSAGES",    "XDG_CONFIG_HOME",
                                         "HOME",           "MUTUA_SERVER",
                                         "MUTUA_PASSWORD", NULL };
  char *envp[CLI_ENV_MAX];
  char *args[64];
  char *owned[128]; /* strdup'ed strings of envp and args */
  size_t nowned = 0;
  char xdg[PATH_MAX + 32], server[96], home_var[PATH_MAX + 8];
  const char *defaults[] = { "LANG=C", xdg, server, home_var, NULL };
  size_t n = 0, nargs = 0;
  int in_pipe[2], out_pipe[2], err_pipe[2], fds[2], wstatus = 0;
  mt_buf_t bufs[2];
  cli_run_t run = { 0 };
  pid_t pid;

  snprintf (xdg, sizeof xdg, "XDG_CONFIG_HOME=%s", home);
  snprintf (server, sizeof server, "MUTUA_SERVER=%s", server_url);
  snprintf (home_var, sizeof home_var, "HOME=%s", home);
  for (char **e = environ; *e && n < CLI_ENV_MAX - 32; e++) {
    if (strncmp (*e, "MUTUA_", 6) != 0 && !env_names (*e, cleared)) {
      envp[n++] = *e;
    }
  }
  for (size_t i = 0; defaults[i]; i++) {
    if (!env_names (defaults[i], env)) {
      envp[n++] = owned[nowned++] = strdup (defaults[i]);
    }
  }
  for (size_t i = 0; env && env[i]; i++) {
    if (strchr (env[i], '=')) {
      assert_true (nowned < 60);
      envp[n++] = owned[nowned++] = strdup (env[i]);
    }
  }
  envp[n] = NULL;
  args[nargs++] = cli_path;
  for (size_t i = 0; argv[i]; i++) {
    assert_true (nargs < 63 && nowned < 127);
    args[nargs++] = owned[nowned++] = strdup (argv[i]);
  }
  args[nargs] = NULL;

  assert_int_equal (pipe2 (in_pipe, O_CLOEXEC), 0);
  assert_int_equal (pipe2 (out_pipe, O_CLOEXEC), 0);
  assert_int_equal (pipe2 (err_pipe, O_CLOEXEC), 0);
  pid = fork ();
  assert_true (pid >= 0);
  if (pid == 0) {
    dup2 (in_pipe[0], 0);
    dup2 (out_pipe[1], 1);
    dup2 (err_pipe[1], 2);
    execve (cli_path, args, envp);
    _exit (127);
  }
  close (in_pipe[0]);
  close (out_pipe[1]);
  close (err_pipe[1]);
  if (input) {
    size_t len = strlen (input);
    assert_true (write (in_pipe[1], input, len) == (ssize_t) len);
  }
  close (in_pipe[1]);
  mt_buf_init (&bufs[0], CLI_OUT_MAX);
  mt_buf_init (&bufs[1], CLI_OUT_MAX);
  fds[0] = out_pipe[0];
  fds[1] = err_pipe[0];
  if (!drain (fds, bufs)) {
    kill (pid, SIGKILL);
    for (int i = 0; i < 2; i++) {
      if (fds[i] >= 0) {
        close (fds[i]);
      }
    }
  }
  assert_int_equal (waitpid (pid, &wstatus, 0), pid);
  run.status = WIFEXITED (wstatus) ? WEXITSTATUS (wstatus) : -1;
  run.out = strdup (mt_buf_cstr (&bufs[0]));
  run.err = strdup (mt_buf_cstr (&bufs[1]));
  mt_buf_destroy (&bufs[0]);
  mt_buf_destroy (&bufs[1]);
  if (expect != CLI_ANY && run.status != expect) {
    fprintf (stderr, "mutua");
    for (size_t i = 1; args[i]; i++) {
      fprintf (stderr, " %s", args[i]);
    }
    fprintf (stderr, "\n--- stdout:\n%s\n--- stderr:\n%s\n", run.out, run.err);
    fail_msg ("exit code %d, expected %d", run.status, expect);
  }
  for (size_t i = 0; i < nowned; i++) {
    free (owned[i]);
  }
  return run;
}

#define CLI(expect, home, ...)                                                                     \
  cli_env ((expect), (home), NULL, NULL, (const char *const[]){ __VA_ARGS__, NULL })
#define CLI_ENV(expect, home, env, ...)                                                            \
  cli_env ((expect), (home), (env), NULL, (const char *const[]){ __VA_ARGS__, NULL })

/* Runs a command that must succeed and throws its output away. */
static void
cli_ok (const char *home, const char *const *argv)
{
  cli_run_t run = cli_env (0, home, NULL, NULL, argv);
  cli_run_destroy (&run);
}
#define CLI_OK(home, ...) cli_ok ((home), (const char *const[]){ __VA_ARGS__, NULL })

/* `mutua login EMAIL --password-stdin` in @home; must succeed. */
static void
cli_login (const char *home, const char *email, const char *password)
{
  cli_run_t run = cli_env (0, home, NULL, password,
                           (const char *const[]){ "login", email, "--password-stdin", NULL });
  cli_run_destroy (&run);
}

/* The JSON object printed on stdout by a --json run, into @out (always initialised). */
static void
parse_json (const cli_run_t *run, bson_t *out)
{
  mt_error_t error;

  if (!mt_json_parse_object (run->out, strlen (run->out) - (strlen (run->out) > 0 ? 1 : 0),
                             MT_JSON_TRUSTED, out, &error)) {
    fail_msg ("--json output is not a JSON object (%s): %s", error.message, run->out);
  }
}

/* The day that is @days after today (UTC) as YYYY-MM-DD, and its midnight in *@ms. */
static const char *
day (int days, char out[16], int64_t *ms)
{
  int64_t midnight = (mt_time_now_ms () / LH_DAY + days) * LH_DAY;
  char text[MT_TIME_RFC3339_MAX];

  mt_time_format_rfc3339 (midnight, text);
  snprintf (out, 16, "%.10s", text);
  if (ms) {
    *ms = midnight;
  }
  return out;
}

/* Display column (code points from the start of its line) where @needle starts in @text. */
static size_t
display_column (const char *text, const char *needle)
{
  const char *at = strstr (text, needle), *line;

  assert_non_null (at);
  line = at;
  while (line > text && line[-1] != '\n') {
    line--;
  }
  return mt_utf8_length (line, (size_t) (at - line));
}

/* The path of the token file of @home. */
static void
token_path (const char *home, char out[PATH_MAX])
{
  snprintf (out, PATH_MAX, "%s/mutua/token", home);
}

static void refused_url (char *url, size_t size);

/* Number of entries of @home/@sub (without . and ..). */
static int
count_entries (const char *home, const char *sub)
{
  char path[PATH_MAX];
  struct dirent *entry;
  DIR *dir;
  int count = 0;

  snprintf (path, sizeof path, "%s/%s", home, sub);
  dir = opendir (path);
  assert_non_null (dir);
  while ((entry = readdir (dir)) != NULL) {
    count += strcmp (entry->d_name, ".") != 0 && strcmp (entry->d_name, "..") != 0;
  }
  closedir (dir);
  return count;
}

/* ---- Help ---------------------------------------------------------------------------------- */

static void
test_help_languages (void **state)
{
  char home[CLI_HOME_MAX];
  cli_run_t run;

  (void) state;
  new_config_home (home);
  run = CLI_ENV (0, home, ((const char *const[]){ "LANG=fr_FR.UTF-8", NULL }), "--help");
  assert_non_null (strstr (run.out, "Utilisation : mutua"));
  assert_non_null (strstr (run.out, "Codes de sortie"));
  assert_non_null (strstr (run.out, "7  429 trop de tentatives"));
  assert_non_null (strstr (run.out, "minuit UTC"));
  cli_run_destroy (&run);

  run = CLI_ENV (0, home, ((const char *const[]){ "LANG=en_GB.UTF-8", NULL }), "--help");
  assert_non_null (strstr (run.out, "Usage: mutua"));
  assert_non_null (strstr (run.out, "Exit codes"));
  assert_non_null (strstr (run.out, "9  cannot reach the server, or timeout"));
  assert_null (strstr (run.out, "Utilisation"));
  cli_run_destroy (&run);

  /* LC_ALL wins over LANG, LC_MESSAGES too. */
  run = CLI_ENV (0, home, ((const char *const[]){ "LANG=en_US.UTF-8", "LC_ALL=fr_BE.UTF-8", NULL }),
                 "reserve", "--help");
  assert_non_null (strstr (run.out, "Demander la réservation"));
  cli_run_destroy (&run);
  run = CLI_ENV (0, home, ((const char *const[]){ "LANG=fr_FR.UTF-8", "LC_MESSAGES=C", NULL }),
                 "reserve", "--help");
  assert_non_null (strstr (run.out, "Request a reservation"));
  cli_run_destroy (&run);
  run = CLI (0, home, "admin", "--help");
  assert_non_null (strstr (run.out, "mutua admin export members|listings|loans [-o FILE]"));
  cli_run_destroy (&run);

  /* Usage errors: exit 1, the global help on stderr when there is no command. */
  run = CLI (1, home, "frobnicate");
  assert_non_null (strstr (run.err, "unknown command \"frobnicate\""));
  cli_run_destroy (&run);
  run = CLI (1, home, "--no-such-option");
  cli_run_destroy (&run);
  run = cli_env (1, home, NULL, NULL, (const char *const[]){ NULL });
  assert_non_null (strstr (run.err, "Usage: mutua"));
  cli_run_destroy (&run);
}

/* ---- Sessions ------------------------------------------------------------------------------ */

static void
test_login_logout (void **state)
{
  char home[CLI_HOME_MAX], path[PATH_MAX], net[MT_ID_SIZE], nets[64];
  it_person_t person;
  struct stat st;
  cli_run_t run;
  char *token;
  bson_t doc;
  FILE *file;

  (void) state;
  it_network (net);
  it_networks1 (nets, net);
  it_signup (nets, true, &person);
  new_config_home (home);
  token_path (home, path);

  run = cli_env (0, home, NULL, IT_PASSWORD "\n",
                 (const char *const[]){ "login", person.email, "--password-stdin", NULL });
  assert_non_null (strstr (run.out, person.email));
  assert_null (strstr (run.out, "v4.public"));
  assert_null (strstr (run.err, "v4.public"));
  cli_run_destroy (&run);

  /* The token file: 0600 in a 0700 directory, holding the token. */
  assert_int_equal (stat (path, &st), 0);
  assert_int_equal (st.st_mode & 0777, 0600);
  snprintf (path, sizeof path, "%s/mutua", home);
  assert_int_equal (stat (path, &st), 0);
  assert_int_equal (st.st_mode & 0777, 0700);
  token_path (home, path);
  token = mt_test_read_file (path, NULL);
  assert_non_null (token);
  assert_int_equal (strncmp (token, "v4.public.", 10), 0);

  /* Written atomically: no temporary file is left beside it. */
  assert_int_equal (count_entries (home, "mutua"), 1);

  /* Signed in: a list works. */
  CLI_OK (home, "reservations");

  /* --json login prints the answer without the token; MUTUA_PASSWORD works too. */
  run = CLI_ENV (0, home, ((const char *const[]){ "MUTUA_PASSWORD=" IT_PASSWORD, NULL }), "--json",
                 "login", person.email);
  parse_json (&run, &doc);
  assert_true (bson_has_field (&doc, "account"));
  assert_false (bson_has_field (&doc, "token"));
  assert_null (strstr (run.out, "v4.public"));
  bson_destroy (&doc);
  cli_run_destroy (&run);

  /* A wrong password: 401, exit 2, and the saved token is left as it was. */
  run = cli_env (2, home, NULL, "pas-le-bon-mot-de-passe\n",
                 (const char *const[]){ "login", person.email, "--password-stdin", NULL });
  assert_non_null (strstr (run.err, "error 401"));
  cli_run_destroy (&run);
  CLI_OK (home, "reservations");

  /* logout: the file is gone, commands say "not signed in" (exit 2). */
  run = CLI (0, home, "logout");
  assert_non_null (strstr (run.out, "Signed out"));
  cli_run_destroy (&run);
  assert_int_equal (stat (path, &st), -1);
  run = CLI (2, home, "reservations");
  assert_non_null (strstr (run.err, "not signed in"));
  cli_run_destroy (&run);

  /* The revoked token put back in place: the server answers 401, exit 2. */
  free (token);
  token = NULL;
  run = CLI_ENV (0, home, ((const char *const[]){ "MUTUA_PASSWORD=" IT_PASSWORD, NULL }), "login",
                 person.email);
  cli_run_destroy (&run);
  token = mt_test_read_file (path, NULL);
  assert_non_null (token);
  CLI_OK (home, "logout");
  file = fopen (path, "w");
  assert_non_null (file);
  fputs (token, file);
  fclose (file);
  run = CLI (2, home, "reservations");
  assert_non_null (strstr (run.err, "error 401"));
  assert_null (strstr (run.err, "v4.public"));
  cli_run_destroy (&run);

  free (token);
  it_person_destroy (&person);
}

/* The password is never an argument; without XDG_CONFIG_HOME the token goes to
 * ~/.config/mutua; the server may come from the config file, and --server wins over
 * MUTUA_SERVER. */
static void
test_config (void **state)
{
  char home[CLI_HOME_MAX], path[PATH_MAX], url[64], net[MT_ID_SIZE], nets[64];
  char server_line[96];
  const char *no_xdg[] = { "XDG_CONFIG_HOME", NULL };
  const char *no_server[] = { "MUTUA_SERVER", NULL };
  it_person_t person;
  struct stat st;
  cli_run_t run;
  FILE *file;

  (void) state;
  it_network (net);
  it_networks1 (nets, net);
  it_signup (nets, true, &person);
  new_config_home (home);

  run = CLI (1, home, "login", person.email, "--password", IT_PASSWORD);
  assert_null (strstr (run.out, IT_PASSWORD));
  cli_run_destroy (&run);

  run = cli_env (0, home, no_xdg, IT_PASSWORD "\n",
                 (const char *const[]){ "login", person.email, "--password-stdin", NULL });
  cli_run_destroy (&run);
  snprintf (path, sizeof path, "%s/.config/mutua/token", home);
  assert_int_equal (stat (path, &st), 0);
  assert_int_equal (st.st_mode & 0777, 0600);
  run = CLI_ENV (0, home, no_xdg, "reservations");
  cli_run_destroy (&run);

  /* The config file's server, when neither --server nor MUTUA_SERVER is given. */
  snprintf (path, sizeof path, "%s/.config/mutua/config", home);
  file = fopen (path, "w");
  assert_non_null (file);
  snprintf (server_line, sizeof server_line, "# mutua\n  server = %s  \n", server_url);
  fputs (server_line, file);
  fclose (file);
  run = CLI_ENV (0, home, ((const char *const[]){ "XDG_CONFIG_HOME", "MUTUA_SERVER", NULL }),
                 "reservations");
  cli_run_destroy (&run);
  /* Without it, the default http://127.0.0.1:8080 is tried (whatever answers there, it is not
   * this server: the token file of this XDG_CONFIG_HOME is absent, so exit 2 before any call). */
  run = CLI_ENV (2, home, no_server, "reservations");
  assert_non_null (strstr (run.err, "not signed in"));
  cli_run_destroy (&run);

  /* --server wins over MUTUA_SERVER. */
  refused_url (url, sizeof url);
  run = CLI_ENV (0, home, no_xdg, "--server", server_url, "reservations");
  cli_run_destroy (&run);
  snprintf (server_line, sizeof server_line, "MUTUA_SERVER=%s", server_url);
  run = CLI_ENV (9, home, ((const char *const[]){ "XDG_CONFIG_HOME", server_line, NULL }),
                 "--server", url, "reservations");
  cli_run_destroy (&run);
  it_person_destroy (&person);
}

/* ---- Listings, reservations, transitions ----------------------------------------------------- */

typedef struct {
  it_person_t owner, borrower;
  char net[MT_ID_SIZE];
  char owner_home[CLI_HOME_MAX], borrower_home[CLI_HOME_MAX];
  char free_id[MT_ID_SIZE], booked_id[MT_ID_SIZE];
  char word[32];
} world_t;

static void
make_world (world_t *w)
{
  char nets[64], title[96];
  int64_t start;
  char d[16], booking[MT_ID_SIZE];

  memset (w, 0, sizeof *w);
  it_network (w->net);
  it_networks1 (nets, w->net);
  it_signup (nets, true, &w->owner);
  it_signup (nets, true, &w->borrower);
  snprintf (w->word, sizeof w->word, "biporteur%u%u", (unsigned) getpid (), ++it_counter);
  snprintf (title, sizeof title, "Vélo cargo libre %s", w->word);
  lh_good (&w->owner, title, 1, w->free_id);
  snprintf (title, sizeof title, "Vélo cargo réservé %s", w->word);
  lh_good (&w->owner, title, 1, w->booked_id);
  day (10, d, &start);
  lh_reserve (w->borrower.token, w->booked_id, start, start + 2 * LH_DAY, booking);
  new_config_home (w->owner_home);
  new_config_home (w->borrower_home);
  cli_login (w->owner_home, w->owner.email, IT_PASSWORD);
  cli_login (w->borrower_home, w->borrower.email, IT_PASSWORD);
}

static void
world_destroy (world_t *w)
{
  it_person_destroy (&w->owner);
  it_person_destroy (&w->borrower);
}

static void
test_search_with_dates (void **state)
{
  char from[16], to[16], words[96];
  const char *fr[] = { "LANG=fr_FR.UTF-8", NULL };
  world_t w;
  cli_run_t run;
  bson_t doc;
  bson_iter_t iter;

  (void) state;
  make_world (&w);
  snprintf (words, sizeof words, "velo cargo %s", w.word);
  day (10, from, NULL);
  day (12, to, NULL);

  /* Over the booked days: the free good, not the booked one. */
  run = CLI (0, w.borrower_home, "listings", "search", words, "--from", from, "--to", to);
  assert_non_null (strstr (run.out, w.free_id));
  assert_null (strstr (run.out, w.booked_id));
  assert_non_null (strstr (run.out, "Vélo cargo libre"));
  cli_run_destroy (&run);

  /* Other days: both. */
  day (20, from, NULL);
  day (22, to, NULL);
  run = CLI (0, w.borrower_home, "listings", "search", words, "--from", from, "--to", to);
  assert_non_null (strstr (run.out, w.free_id));
  assert_non_null (strstr (run.out, w.booked_id));
  cli_run_destroy (&run);

  /* French headers with accents, columns aligned by display width. */
  run = CLI_ENV (0, w.borrower_home, fr, "listings", "search", words, "--kind", "good");
  assert_non_null (strstr (run.out, "CATÉGORIE"));
  /* " 59 ": the column's value, not "59" inside an id or a date of an earlier column. */
  assert_int_equal (display_column (run.out, "DÉP."), display_column (run.out, " 59 ") + 1);
  assert_int_equal (display_column (run.out, "TITRE"), display_column (run.out, "Vélo cargo"));
  cli_run_destroy (&run);

  /* --json: the server's answer. */
  day (10, from, NULL);
  day (12, to, NULL);
  run = CLI (0, w.borrower_home, "--json", "listings", "search", words, "--from", from, "--to", to,
             "--limit", "5");
  parse_json (&run, &doc);
  assert_true (bson_iter_init (&iter, &doc) &&
               bson_iter_find_descendant (&iter, "items.0.id", &iter));
  assert_string_equal (bson_iter_utf8 (&iter, NULL), w.free_id);
  assert_false (bson_iter_init (&iter, &doc) &&
                bson_iter_find_descendant (&iter, "items.1", &iter));
  bson_destroy (&doc);
  cli_run_destroy (&run);

  /* show */
  run = CLI (0, w.borrower_home, "listings", "show", w.free_id);
  assert_non_null (strstr (run.out, w.free_id));
  assert_non_null (strstr (run.out, "Vélo cargo libre"));
  assert_non_null (strstr (run.out, "tentes-barnums"));
  cli_run_destroy (&run);

  /* Usage: --from without --to, an option of another command. */
  run = CLI (1, w.borrower_home, "listings", "search", words, "--from", from);
  cli_run_destroy (&run);
  run = CLI (1, w.borrower_home, "listings", "search", words, "--units", "2");
  assert_non_null (strstr (run.err, "--units"));
  cli_run_destroy (&run);
  world_destroy (&w);
}

/* The string at @key of the --json output of @run, into @out. */
static void
json_string (const cli_run_t *run, const char *key, char *out, size_t size)
{
  bson_t doc;
  bson_iter_t iter;

  parse_json (run, &doc);
  assert_true (bson_iter_init (&iter, &doc) && bson_iter_find_descendant (&iter, key, &iter) &&
               BSON_ITER_HOLDS_UTF8 (&iter));
  snprintf (out, size, "%s", bson_iter_utf8 (&iter, NULL));
  bson_destroy (&doc);
}

static void
test_reserve_and_transitions (void **state)
{
  char from[16], to[16], id[MT_ID_SIZE], status[32], path[96];
  world_t w;
  cli_run_t run;

  (void) state;
  make_world (&w);
  day (15, from, NULL);
  day (17, to, NULL);

  run = CLI (0, w.borrower_home, "--json", "reserve", w.free_id, "--from", from, "--to", to,
             "--units", "1", "--message", "Pour la fête du quartier");
  json_string (&run, "id", id, sizeof id);
  json_string (&run, "status", status, sizeof status);
  assert_string_equal (status, "requested");
  json_string (&run, "start", status, sizeof status);
  assert_true (strncmp (status, from, 10) == 0 && strstr (status, "T00:00:00") != NULL);
  cli_run_destroy (&run);

  /* The borrower's list and the lender's. */
  run = CLI (0, w.borrower_home, "reservations");
  assert_non_null (strstr (run.out, id));
  assert_non_null (strstr (run.out, "requested"));
  cli_run_destroy (&run);
  run = CLI (0, w.owner_home, "reservations", "--role", "lender", "--status", "requested");
  assert_non_null (strstr (run.out, id));
  cli_run_destroy (&run);
  run = CLI (0, w.owner_home, "reservations", "--role", "borrower");
  assert_null (strstr (run.out, id));
  cli_run_destroy (&run);

  /* 403: the borrower may not approve; 409: checkout before approval. */
  run = CLI (3, w.borrower_home, "approve", id);
  assert_non_null (strstr (run.err, "error 403"));
  cli_run_destroy (&run);
  run = CLI (5, w.owner_home, "checkout", id, "--note", "bon état");
  assert_non_null (strstr (run.err, "error 409"));
  cli_run_destroy (&run);

  /* The owner: approve, checkout, return. */
  run = CLI (0, w.owner_home, "approve", id, "--note", "C'est noté");
  assert_non_null (strstr (run.out, "approved"));
  cli_run_destroy (&run);
  run = CLI (0, w.owner_home, "checkout", id, "--note", "bon état");
  assert_non_null (strstr (run.out, "checked_out"));
  cli_run_destroy (&run);
  run = CLI (0, w.owner_home, "--json", "return", id, "--note", "rendu propre");
  json_string (&run, "status", status, sizeof status);
  assert_string_equal (status, "returned");
  cli_run_destroy (&run);
  snprintf (path, sizeof path, "/v1/reservations/%s", id);
  lh_get_string (w.owner.token, path, "return.condition_note", status, sizeof status);
  assert_string_equal (status, "rendu propre");

  /* 409 again: a returned loan is not returned twice. */
  run = CLI (5, w.owner_home, "return", id, "--note", "encore");
  cli_run_destroy (&run);
  /* Usage: the incident's type without its text. */
  run = CLI (1, w.owner_home, "return", id, "--note", "x", "--incident", "damage");
  cli_run_destroy (&run);
  world_destroy (&w);
}

/* ---- Error classes ------------------------------------------------------------------------- */

/* A loopback port where nothing listens, in @url. */
static void
refused_url (char *url, size_t size)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof addr;
  int fd = socket (AF_INET, SOCK_STREAM, 0);

  assert_true (fd >= 0);
  assert_int_equal (bind (fd, (struct sockaddr *) &addr, sizeof addr), 0);
  assert_int_equal (getsockname (fd, (struct sockaddr *) &addr, &len), 0);
  close (fd);
  snprintf (url, size, "http://127.0.0.1:%u", (unsigned) ntohs (addr.sin_port));
}

static void
test_error_classes (void **state)
{
  char from[16], to[16], url[64], server_env[96], email[128];
  world_t w;
  cli_run_t run, run_fr;
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof addr;
  int silent, code = 0;

  (void) state;
  make_world (&w);

  /* 404, with the detail in the user's language. */
  run = CLI (4, w.borrower_home, "listings", "show", "lst_AAAAAAAAAAAAAAAAAAAAAA");
  assert_non_null (strstr (run.err, "error 404"));
  run_fr = CLI_ENV (4, w.borrower_home, ((const char *const[]){ "LANG=fr_FR.UTF-8", NULL }),
                    "listings", "show", "lst_AAAAAAAAAAAAAAAAAAAAAA");
  assert_non_null (strstr (run_fr.err, "erreur 404"));
  assert_string_not_equal (strchr (run.err, ':'), strchr (run_fr.err, ':'));
  cli_run_destroy (&run);
  cli_run_destroy (&run_fr);

  /* 422: the end before the start, the field's path shown. */
  day (12, from, NULL);
  day (10, to, NULL);
  run = CLI (6, w.borrower_home, "reserve", w.free_id, "--from", from, "--to", to);
  assert_non_null (strstr (run.err, "error 422"));
  assert_non_null (strstr (run.err, "field: /end"));
  cli_run_destroy (&run);
  /* 400 of a bad parameter names it. */
  run = CLI (6, w.borrower_home, "listings", "search", "--kind", "bateau");
  assert_non_null (strstr (run.err, "kind"));
  cli_run_destroy (&run);

  /* 403: a member on the administration. */
  run = CLI (3, w.borrower_home, "admin", "stats");
  assert_non_null (strstr (run.err, "error 403"));
  cli_run_destroy (&run);

  /* 429: after 10 failed sign-ins of one account, the next attempts are refused. */
  snprintf (email, sizeof email, "inconnu%u.%u@asso.example", (unsigned) getpid (), ++it_counter);
  for (int i = 0; i < 12 && code != 7; i++) {
    run = cli_env (CLI_ANY, w.borrower_home, NULL, "mauvais-mot-de-passe\n",
                   (const char *const[]){ "login", email, "--password-stdin", NULL });
    code = run.status;
    assert_true (code == 2 || (code == 7 && i >= 10));
    if (code == 7) {
      assert_non_null (strstr (run.err, "error 429"));
      assert_non_null (strstr (run.err, "retry in"));
    }
    cli_run_destroy (&run);
  }
  assert_int_equal (code, 7);

  /* 9: nothing listens there. */
  refused_url (url, sizeof url);
  run = CLI (9, w.borrower_home, "--server", url, "reservations");
  assert_non_null (strstr (run.err, "cannot reach the server"));
  cli_run_destroy (&run);
  snprintf (server_env, sizeof server_env, "MUTUA_SERVER=%s", url);
  run = CLI_ENV (9, w.borrower_home, ((const char *const[]){ server_env, NULL }), "listings",
                 "search", "tente");
  cli_run_destroy (&run);

  /* 9: a server that accepts the connection and never answers, with --timeout 1. */
  silent = socket (AF_INET, SOCK_STREAM, 0);
  assert_true (silent >= 0);
  assert_int_equal (bind (silent, (struct sockaddr *) &addr, sizeof addr), 0);
  assert_int_equal (listen (silent, 4), 0);
  assert_int_equal (getsockname (silent, (struct sockaddr *) &addr, &len), 0);
  snprintf (url, sizeof url, "http://127.0.0.1:%u", (unsigned) ntohs (addr.sin_port));
  run = CLI (9, w.borrower_home, "--server", url, "--timeout", "1", "reservations");
  cli_run_destroy (&run);
  close (silent);

  /* 1: a malformed server address. */
  run = CLI (1, w.borrower_home, "--server", "ftp://example.org", "listings", "search");
  cli_run_destroy (&run);
  world_destroy (&w);
}

/* ---- Administration ------------------------------------------------------------------------ */

static void
test_admin (void **state)
{
  char home[CLI_HOME_MAX], file[PATH_MAX], reservation[MT_ID_SIZE];
  int64_t start;
  char d[16];
  world_t w;
  cli_run_t run;
  bson_t doc;
  bson_iter_t iter;
  char *csv;

  (void) state;
  make_world (&w);
  day (30, d, &start);
  lh_returned (&w.owner, &w.borrower, w.free_id, start, true, reservation);
  new_config_home (home);
  cli_login (home, MT_TEST_ADMIN_EMAIL, MT_TEST_ADMIN_PASSWORD);

  /* reviews: the returned loan with an incident is in the queue. */
  run = CLI (0, home, "admin", "reviews", "--limit", "100");
  assert_non_null (strstr (run.out, reservation));
  assert_non_null (strstr (run.out, "REASON"));
  cli_run_destroy (&run);
  run = CLI (0, home, "--json", "admin", "reviews", "--limit", "100");
  parse_json (&run, &doc);
  assert_true (bson_iter_init_find (&iter, &doc, "items") && BSON_ITER_HOLDS_ARRAY (&iter));
  assert_non_null (strstr (run.out, "\"reason\":\"incident\""));
  bson_destroy (&doc);
  cli_run_destroy (&run);

  /* stats: the loan counts (checked out now, within the default period of a year). */
  run = CLI (0, home, "--json", "admin", "stats");
  parse_json (&run, &doc);
  assert_true (bson_iter_init (&iter, &doc) &&
               bson_iter_find_descendant (&iter, "loans.count", &iter));
  assert_true (bson_iter_as_int64 (&iter) >= 1);
  bson_destroy (&doc);
  cli_run_destroy (&run);
  run = CLI (0, home, "admin", "stats", "--departement", "59");
  assert_non_null (strstr (run.out, "loans"));
  assert_non_null (strstr (run.out, "kg CO2e avoided"));
  cli_run_destroy (&run);
  run = CLI_ENV (0, home, ((const char *const[]){ "LANG=fr_FR.UTF-8", NULL }), "admin", "stats");
  assert_non_null (strstr (run.out, "prêts"));
  cli_run_destroy (&run);

  /* export: the CSV written to -o FILE, or on stdout. */
  snprintf (file, sizeof file, "%s/loans.csv", home);
  run = CLI (0, home, "admin", "export", "loans", "-o", file);
  cli_run_destroy (&run);
  csv = mt_test_read_file (file, NULL);
  assert_non_null (csv);
  assert_non_null (strstr (csv, "id;listing_id;listing_title"));
  assert_non_null (strstr (csv, reservation));
  free (csv);
  run = CLI (0, home, "admin", "export", "listings");
  assert_non_null (strstr (run.out, "Vélo cargo libre"));
  assert_non_null (strstr (run.out, w.word));
  cli_run_destroy (&run);
  run = CLI (1, home, "admin", "export", "reservations");
  cli_run_destroy (&run);
  world_destroy (&w);
}

/* ---- The documentation ----------------------------------------------------------------------- */

/* Every command line of docs/integrators.md that the other tests run is in the document,
 * and every exit code of `mutua --help` is documented there with the same meaning. */
static void
test_docs_examples (void **state)
{
  static const char *const commands[] = {
    "mutua login camille@example.org --password-stdin",
    "mutua listings search \"velo cargo\" --from 2026-06-01 --to 2026-06-03",
    "mutua --json listings search \"velo cargo\" --from 2026-06-01 --to 2026-06-03",
    "mutua listings show lst_",
    "mutua reserve lst_",
    "mutua reservations --role lender --status requested",
    "mutua approve res_",
    "mutua checkout res_",
    "mutua return res_",
    "mutua admin reviews",
    "mutua admin stats",
    "mutua admin export loans -o loans.csv",
    "mutua admin export members > membres.csv",
    "mutua logout",
  };
  static const char *const codes[] = { "| 0 |", "| 1 |", "| 2 |", "| 3 |", "| 4 |", "| 5 |",
                                       "| 6 |", "| 7 |", "| 8 |", "| 9 |", "| 10 |" };
  const char *src = getenv ("MUTUA_TEST_SOURCE_DIR");
  char path[PATH_MAX];
  char *doc;

  (void) state;
  assert_non_null (src);
  snprintf (path, sizeof path, "%s/docs/integrators.md", src);
  doc = mt_test_read_file (path, NULL);
  assert_non_null (doc);
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
    if (!strstr (doc, commands[i])) {
      fail_msg ("docs/integrators.md does not show: %s", commands[i]);
    }
  }
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    if (!strstr (doc, codes[i])) {
      fail_msg ("docs/integrators.md does not document the exit code %s", codes[i]);
    }
  }
  free (doc);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("cli/help/languages", test_help_languages),
    MT_TEST ("cli/login/token_file_and_logout", test_login_logout),
    MT_TEST ("cli/config/password_home_and_server", test_config),
    MT_TEST ("cli/listings/search_with_dates", test_search_with_dates),
    MT_TEST ("cli/reservations/reserve_and_owner_transitions", test_reserve_and_transitions),
    MT_TEST ("cli/errors/exit_code_classes", test_error_classes),
    MT_TEST ("cli/admin/reviews_stats_export", test_admin),
    MT_TEST ("cli/docs/examples", test_docs_examples),
  };

  return cmocka_run_group_tests (tests, setup, teardown);
}
