/*
 * The crash test: mutuad is killed with SIGKILL at pseudo-random moments (fixed seed) while
 * several client threads create reservations that never conflict (each thread its own
 * borrower and its own good, one unit each), and restarted each time on the same data
 * directory. Afterwards:
 *   - every reservation acknowledged with 201 exists (GET as its borrower) and still holds its
 *     calendar entry (SQLite synchronous=FULL: an acknowledged write survives);
 *   - `mutuad check --data-dir DIR` passes: integrity, no orphan or stale calendar entry
 *     (the start-up reconciliation of the last restart repaired what the kills left), no
 *     blocking reservation without its entry, no missing audit entry;
 *   - read straight from the store, no calendar holds an entry without a blocking
 *     reservation.
 * Kill moments are chosen by counting acknowledged reservations, plus a pseudo-random delay of
 * a few milliseconds: no timing is asserted, and every wait is bounded.
 * A second test leaves an orphan entry in the stopped server's store: `mutuad check` exits 1,
 * the next start repairs it before serving, a second mutuad on the same database is refused,
 * and the check passes again.
 */
#include "loans_helpers.h"

#include "mt_test_store.h"
#include "reservations.h"
#include "store.h"

#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <sys/wait.h>

extern char **environ;

#define CRASH_THREADS 4
#define CRASH_KILLS 10
#define CRASH_PER_THREAD_MAX 900 /* below the quantity and max_active_reservations (1000) */
#define CRASH_SEED UINT32_C (20261122)

typedef struct {
  int index;
  it_person_t borrower;
  char listing[MT_ID_SIZE];
  char (*ids)[MT_ID_SIZE]; /* acknowledged reservations (201) */
  atomic_int acked;
  int attempts;
  int failures; /* no answer: the server was killed, or is restarting */
  pthread_t thread;
} loader_t;

static loader_t loaders[CRASH_THREADS];
static atomic_int current_port; /* 0 while the server restarts */
static atomic_bool stop_load;
static int64_t slot_start;

static uint32_t rng_state = CRASH_SEED;

static uint32_t
rng (void)
{
  rng_state = rng_state * UINT32_C (1664525) + UINT32_C (1013904223);
  return rng_state >> 8;
}

static int
setup (void **state)
{
  static const char *const args[] = { "--max-active-reservations",
                                      "1000",
                                      "--sweep-interval-s",
                                      "1",
                                      "--reservations-per-hour",
                                      "0",
                                      NULL };

  (void) state;
  return lh_start (args) ? 0 : -1;
}

static int
teardown (void **state)
{
  (void) state;
  free (it_admin);
  it_admin = NULL;
  mt_test_server_destroy (&it_server);
  return 0;
}

static int
total_acked (void)
{
  int total = 0;
  for (int i = 0; i < CRASH_THREADS; i++) {
    total += atomic_load (&loaders[i].acked);
  }
  return total;
}

/* One loader: reservations one after the other, recording those answered 201. */
static void *
loader_main (void *arg)
{
  loader_t *l = arg;
  char auth[1024];
  const char *headers[] = { auth, "Content-Type: application/json", NULL };
  char body[512], s[MT_TIME_RFC3339_MAX], e[MT_TIME_RFC3339_MAX];

  snprintf (auth, sizeof auth, "Authorization: Bearer %s", l->borrower.token);
  while (!atomic_load (&stop_load) && atomic_load (&l->acked) < CRASH_PER_THREAD_MAX) {
    mt_http_response_t resp;
    int port = atomic_load (&current_port);
    int n = l->attempts++;
    /* Every reservation of a thread takes one unit of its own good at its own hour. */
    int64_t start = slot_start + (int64_t) (n % 24) * LH_HOUR;

    if (port == 0) {
      lh_sleep_ms (5);
      continue;
    }
    mt_time_format_rfc3339 (start, s);
    mt_time_format_rfc3339 (start + LH_HOUR, e);
    snprintf (body, sizeof body, "{\"listing_id\":\"%s\",\"start\":\"%s\",\"end\":\"%s\"}",
              l->listing, s, e);
    if (mt_http_request ((uint16_t) port, "POST", "/v1/reservations", headers, body, strlen (body),
                         &resp) &&
        resp.status == 201 && mt_http_json_string (&resp, "id")) {
      int k = atomic_load (&l->acked);
      snprintf (l->ids[k], MT_ID_SIZE, "%s", mt_http_json_string (&resp, "id"));
      atomic_store (&l->acked, k + 1);
    } else {
      l->failures++;
      if (resp.status == 0) {
        lh_sleep_ms (5); /* killed or restarting */
      }
    }
    mt_http_response_destroy (&resp);
  }
  return NULL;
}

/* Runs mutuad with @args (after the program; NULL-terminated, at most 8) and waits for it;
 * its output goes to DIR/run.txt and into @output. The exit code (128 + signal if killed). */
static int
run_mutuad (const char *const *args, char *output, size_t size)
{
  const char *mutuad = getenv ("MUTUA_TEST_MUTUAD");
  char out_path[PATH_MAX + 16];
  char program[PATH_MAX];
  char copies[8][PATH_MAX];
  char *argv[10];
  posix_spawn_file_actions_t actions;
  pid_t pid;
  int status = 0;
  int n = 0;
  FILE *f;
  size_t len;

  assert_non_null (mutuad);
  snprintf (program, sizeof program, "%s", mutuad);
  argv[0] = program;
  for (; args[n] && n < 8; n++) {
    snprintf (copies[n], sizeof copies[n], "%s", args[n]);
    argv[n + 1] = copies[n];
  }
  argv[n + 1] = NULL;
  snprintf (out_path, sizeof out_path, "%s/run.txt", it_server.dir);
  posix_spawn_file_actions_init (&actions);
  posix_spawn_file_actions_addopen (&actions, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2 (&actions, 1, 2);
  assert_int_equal (posix_spawn (&pid, program, &actions, NULL, argv, environ), 0);
  posix_spawn_file_actions_destroy (&actions);
  assert_int_equal (waitpid (pid, &status, 0), pid);
  f = fopen (out_path, "r");
  assert_non_null (f);
  len = fread (output, 1, size - 1, f);
  output[len] = '\0';
  fclose (f);
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

/* `mutuad check --data-dir DIR --store STORE`. */
static int
run_check (char *output, size_t size)
{
  const char *args[] = {
    "check", "--data-dir", it_server.dir, "--store", mt_test_server_store_uri (&it_server), NULL
  };
  return run_mutuad (args, output, size);
}

/* The statuses that hold units (SPEC §3), written here again to check the server by itself. */
static bool
blocks (const char *status)
{
  return status && (strcmp (status, "requested") == 0 || strcmp (status, "approved") == 0 ||
                    strcmp (status, "checked_out") == 0);
}

static int
compare_ids (const void *a, const void *b)
{
  return strcmp (a, b);
}

/* Reads the store of the stopped server: every calendar entry has a blocking reservation,
 * every acknowledged reservation its entry. */
static void
check_store_directly (int *entries_out)
{
  char (*ids)[MT_ID_SIZE] = NULL;
  size_t cap = 0;
  char uri[PATH_MAX + 512];
  mt_store_backend_t *backend;
  mt_store_t *store;
  mt_error_t error;
  char cursor[MT_STORE_CURSOR_MAX] = "";
  int entries = 0;
  int pending_orphans = 0;

  snprintf (uri, sizeof uri, "%s", mt_test_server_store_uri (&it_server));
  backend = mt_store_backend_new (uri, &error);
  assert_non_null (backend);
  store = mt_store_open (backend, &error);
  assert_non_null (store);
  do {
    mt_store_page_t page;
    bson_iter_t it;
    assert_true (store->ops->calendar_list (store, cursor[0] ? cursor : NULL, 50, &page, &error));
    assert_true (bson_iter_init (&it, &page.items));
    while (bson_iter_next (&it)) {
      bson_iter_t cal;
      bson_iter_t list;
      assert_true (bson_iter_recurse (&it, &cal));
      if (!bson_iter_find (&cal, "entries") || !bson_iter_recurse (&cal, &list)) {
        continue;
      }
      while (bson_iter_next (&list)) {
        bson_iter_t field;
        bson_t reservation;
        const char *id;
        assert_true (bson_iter_recurse (&list, &field) &&
                     bson_iter_find (&field, "reservation_id"));
        id = bson_iter_utf8 (&field, NULL);
        if (!store->ops->reservation_get (store, id, &reservation, &error)) {
          /* On a shared store (MongoDB) the reconciliation leaves the entries younger than
           * the grace period: another instance may be between its two writes. A kill
           * between them leaves such an entry; it is not an acknowledged write. */
          if (mt_test_store_is_mongodb () && bson_iter_recurse (&list, &field) &&
              bson_iter_find (&field, "created_at") && BSON_ITER_HOLDS_DATE_TIME (&field) &&
              mt_time_now_ms () - bson_iter_date_time (&field) < MT_RESERVATION_ORPHAN_GRACE_MS) {
            pending_orphans++;
            continue;
          }
          fail_msg ("calendar entry of %s without its reservation: %s", id, error.message);
        }
        if (!blocks (mt_bson_str (&reservation, "status"))) {
          fail_msg ("calendar entry of %s, which is %s", id, mt_bson_str (&reservation, "status"));
        }
        bson_destroy (&reservation);
        if ((size_t) entries == cap) {
          cap = cap ? cap * 2 : 1024;
          ids = realloc (ids, cap * MT_ID_SIZE);
          assert_non_null (ids);
        }
        snprintf (ids[entries], MT_ID_SIZE, "%s", id);
        entries++;
      }
    }
    memcpy (cursor, page.next_cursor, sizeof cursor);
    mt_store_page_destroy (&page);
  } while (cursor[0]);
  mt_store_close (store);
  mt_store_backend_destroy (backend);
  if (pending_orphans > 0) {
    fprintf (stderr,
             "# %d calendar entries of unfinished creations, younger than the grace "
             "period, kept on the shared store\n",
             pending_orphans);
  }
  qsort (ids, (size_t) entries, MT_ID_SIZE, compare_ids);
  for (int i = 0; i < CRASH_THREADS; i++) {
    for (int k = 0; k < atomic_load (&loaders[i].acked); k++) {
      if (!bsearch (loaders[i].ids[k], ids, (size_t) entries, MT_ID_SIZE, compare_ids)) {
        fail_msg ("acknowledged reservation %s has no calendar entry", loaders[i].ids[k]);
      }
    }
  }
  free (ids);
  *entries_out = entries;
}

static void
acknowledged_reservations_survive_kills (void **state)
{
  it_person_t owner;
  char net[MT_ID_SIZE], nets[64], output[8192];
  int kills = 0;
  int target = 0;
  int total;
  int entries = 0;
  int check;

  (void) state;
  it_network (net);
  it_networks1 (nets, net);
  it_signup (nets, true, &owner);
  slot_start = (mt_time_now_ms () / LH_HOUR) * LH_HOUR + 10 * LH_DAY;
  for (int i = 0; i < CRASH_THREADS; i++) {
    char title[64];
    loaders[i].index = i;
    it_signup (nets, true, &loaders[i].borrower);
    snprintf (title, sizeof title, "Tente %d", i);
    lh_good (&owner, title, 1000, loaders[i].listing);
    loaders[i].ids = calloc (CRASH_PER_THREAD_MAX, MT_ID_SIZE);
    assert_non_null (loaders[i].ids);
    atomic_init (&loaders[i].acked, 0);
  }
  atomic_store (&current_port, it_server.port);
  atomic_store (&stop_load, false);
  for (int i = 0; i < CRASH_THREADS; i++) {
    assert_int_equal (pthread_create (&loaders[i].thread, NULL, loader_main, &loaders[i]), 0);
  }

  for (kills = 0; kills < CRASH_KILLS; kills++) {
    /* Kill once 10 to 40 more reservations were acknowledged, a few milliseconds later. */
    target = total_acked () + 10 + (int) (rng () % 31);
    for (int waited = 0; total_acked () < target && waited < LH_POLL_MAX_MS; waited++) {
      lh_sleep_ms (1);
    }
    assert_true (total_acked () >= target);
    lh_sleep_ms ((int) (rng () % 15));
    mt_test_server_kill (&it_server);
    atomic_store (&current_port, 0);
    assert_int_equal (it_server.exit_status, 128 + SIGKILL);
    assert_true (mt_test_server_restart (&it_server));
    atomic_store (&current_port, it_server.port);
  }
  /* A little more load on the last server, then stop it. */
  target = total_acked () + 10;
  for (int waited = 0; total_acked () < target && waited < LH_POLL_MAX_MS; waited++) {
    lh_sleep_ms (1);
  }
  atomic_store (&stop_load, true);
  for (int i = 0; i < CRASH_THREADS; i++) {
    pthread_join (loaders[i].thread, NULL);
  }
  total = total_acked ();

  /* Every acknowledged reservation is there, as its borrower sees it. */
  for (int i = 0; i < CRASH_THREADS; i++) {
    for (int k = 0; k < atomic_load (&loaders[i].acked); k++) {
      char path[96], status[32];
      snprintf (path, sizeof path, "/v1/reservations/%s", loaders[i].ids[k]);
      lh_get_string (loaders[i].borrower.token, path, "status", status, sizeof status);
      assert_string_equal (status, "requested");
    }
  }
  assert_int_equal (mt_test_server_stop (&it_server), 0);

  check = run_check (output, sizeof output);
  if (check != 0) {
    fail_msg ("mutuad check exited %d:\n%s", check, output);
  }
  check_store_directly (&entries);
  /* Each acknowledged reservation holds its entry; unacknowledged ones may have been stored
   * too (killed after the write, before the answer), never the reverse. */
  assert_true (entries >= total);
  fprintf (stderr,
           "crash test: %d kills, %d reservations acknowledged and present, %d calendar entries, "
           "check:\n%s",
           kills, total, entries, output);
  for (int i = 0; i < CRASH_THREADS; i++) {
    free (loaders[i].ids);
    loaders[i].ids = NULL;
    atomic_store (&loaders[i].acked, 0);
    it_person_destroy (&loaders[i].borrower);
  }
  it_person_destroy (&owner);
}

/* Adds to @listing's calendar an entry of a reservation that does not exist, as a creation
 * killed between its two writes leaves it (the server is stopped). */
static void
write_orphan_entry (const char *listing)
{
  char uri[PATH_MAX + 512];
  mt_store_backend_t *backend;
  mt_store_t *store;
  mt_error_t error;
  bson_t calendar;
  bson_t next = BSON_INITIALIZER;
  bson_t entries;
  bson_t entry;
  bson_iter_t it;
  bson_iter_t item;
  uint32_t n = 0;
  char key[16];
  const char *k;
  int64_t now = mt_time_now_ms ();

  snprintf (uri, sizeof uri, "%s", mt_test_server_store_uri (&it_server));
  backend = mt_store_backend_new (uri, &error);
  assert_non_null (backend);
  store = mt_store_open (backend, &error);
  assert_non_null (store);
  assert_true (store->ops->calendar_get (store, listing, &calendar, &error));
  BSON_APPEND_UTF8 (&next, "listing_id", listing);
  BSON_APPEND_ARRAY_BEGIN (&next, "entries", &entries);
  if (bson_iter_init_find (&it, &calendar, "entries") && bson_iter_recurse (&it, &item)) {
    while (bson_iter_next (&item)) {
      bson_uint32_to_string (n++, &k, key, sizeof key);
      bson_append_iter (&entries, k, -1, &item);
    }
  }
  bson_uint32_to_string (n, &k, key, sizeof key);
  BSON_APPEND_DOCUMENT_BEGIN (&entries, k, &entry);
  BSON_APPEND_UTF8 (&entry, "reservation_id", "res_neverstored0000000000");
  BSON_APPEND_DATE_TIME (&entry, "start", slot_start);
  BSON_APPEND_DATE_TIME (&entry, "end", slot_start + LH_HOUR);
  BSON_APPEND_INT32 (&entry, "units", 1);
  /* On a shared store only entries older than the grace period are orphans (see
   * check_store_directly): this one is, there. */
  BSON_APPEND_DATE_TIME (&entry, "created_at",
                         mt_test_store_is_mongodb () ? now - MT_RESERVATION_ORPHAN_GRACE_MS - 1000
                                                     : now);
  bson_append_document_end (&entries, &entry);
  bson_append_array_end (&next, &entries);
  assert_true (store->ops->calendar_put (store, listing, mt_bson_int (&calendar, "version", 0),
                                         &next, &error));
  bson_destroy (&calendar);
  bson_destroy (&next);
  mt_store_close (store);
  mt_store_backend_destroy (backend);
}

static void
check_fails_then_start_up_repairs (void **state)
{
  char output[8192];
  int entries = 0;
  const char *second[] = { "--data-dir", it_server.dir, "--listen", "127.0.0.1:0", NULL };

  (void) state;
  /* The first test left the server stopped and the store consistent. */
  assert_int_equal (it_server.pid, -1);
  write_orphan_entry (loaders[0].listing);
  assert_int_equal (run_check (output, sizeof output), 1);
  assert_non_null (strstr (output, "orphan entries : 1 ;"));
  assert_non_null (strstr (output, "inconsistencies found"));

  /* Starting repairs it before serving (the entry is fresh, but no request can be between its
   * two writes under the database lock); a second mutuad on the same database is refused. */
  assert_true (mt_test_server_restart (&it_server));
  if (!mt_test_store_is_mongodb ()) { /* MongoDB is shared by design: no lock */
    assert_int_not_equal (run_mutuad (second, output, sizeof output), 0);
    assert_non_null (strstr (output, "another mutuad already uses this database"));
  }
  assert_int_equal (run_check (output, sizeof output), 0); /* also while it runs */
  assert_int_equal (mt_test_server_stop (&it_server), 0);
  {
    char *log = mt_test_server_log (&it_server, NULL);
    assert_non_null (log);
    assert_non_null (strstr (log, "entry of reservation res_neverstored0000000000 removed"));
    free (log);
  }
  assert_int_equal (run_check (output, sizeof output), 0);
  assert_non_null (strstr (output, "data intact and consistent"));
  check_store_directly (&entries);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("crash/acknowledged_reservations_survive_kills",
             acknowledged_reservations_survive_kills),
    MT_TEST ("crash/check_fails_then_start_up_repairs", check_fails_then_start_up_repairs),
  };
  return cmocka_run_group_tests_name ("integration/crash", tests, setup, teardown);
}
