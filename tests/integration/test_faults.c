/*
 * Fault tests: disk errors and an unavailable store against the real mutuad.
 *
 * Disk errors are injected by strace attached to the running mutuad (`strace -f -p PID
 * -e inject=...`): the fault starts when strace has attached to every thread (after start-up,
 * at a moment the test chooses) and clears when strace is stopped (it detaches, mutuad runs on
 * without a restart). Attaching is the `when=` of a window bounded by the test's own actions
 * rather than by a count of system calls. While the fault is on, the five kinds of durable
 * write (a reservation, a service booking, a ledger grant, a need, a message) are made:
 *   - EIO on every fdatasync/fsync (SQLite cannot make its WAL durable): each is answered 5xx
 *     problem+json, never 2xx;
 *   - ENOSPC on the database's writes (pwrite64, `when=2+`: the first write of the window
 *     passes, the rest of the transaction fails as a disk filling up mid-transaction): the
 *     same.
 * After the fault the same writes are answered 2xx again (the server recovered without a
 * restart); then mutuad is restarted without strace: every write answered 2xx, before, during
 * (none) or after the fault, is there, and `mutuad check` passes.
 *
 * The store unavailable: another process holds the SQLite database's write lock (as a
 * maintenance `sqlite3` shell inside BEGIN IMMEDIATE, or a stuck backup, would): /readyz
 * answers 503 and writes answer 503 with Retry-After once the busy timeout (5 s) has passed,
 * rather than hang; reads still answer (WAL); when the lock is released everything answers
 * again and nothing was written.
 *
 * The test skips (with the reason) when strace is absent or cannot attach (ptrace forbidden).
 */
#include "faults_helpers.h"
#include "strace_helpers.h"

#include <signal.h>
#include <sqlite3.h>

static fh_world_t world;
static sqlite3 *locker; /* holds the database's write lock in store_unavailable */
static int writes_made;

static void release_write_lock (void);

static int
setup (void **state)
{
  static const char *const args[] = { FH_SERVER_ARGS, NULL };

  (void) state;
  if (!lh_start (args)) {
    return -1;
  }
  return 0;
}

static int
teardown (void **state)
{
  (void) state;
  release_write_lock ();
  sh_strace_kill ();
  free (it_admin);
  it_admin = NULL;
  mt_test_server_destroy (&it_server);
  return 0;
}

/* One write of each kind; each must answer a status in [@low, @high]; 2xx ids into @acked. */
static void
write_each (int low, int high, fh_ids_t acked[FH_KINDS])
{
  for (int kind = 0; kind < FH_KINDS; kind++) {
    char id[MT_ID_SIZE], type[128];
    int n = writes_made++;
    int status =
      fh_write (it_server.port, &world, it_admin, (fh_kind_t) kind, n, id, type, sizeof type);

    if (status < low || status > high) {
      fail_msg ("%s %d: status %d, expected %d to %d", fh_kind_names[kind], n, status, low, high);
    }
    if (status >= 500) {
      /* A problem document, never a bare error page. */
      assert_non_null (strstr (type, "application/problem+json"));
    }
    if (status >= 200 && status <= 299) {
      assert_true (id[0] != '\0');
      fh_ids_add (&acked[kind], id);
    }
  }
}

/* The server answers normally: /healthz, a read. */
static void
still_answers (void)
{
  char path[128];

  it_expect (NULL, "GET", "/healthz", NULL, 200);
  snprintf (path, sizeof path, "/v1/reservations/%s", world.thread);
  it_expect (world.requester.token, "GET", path, NULL, 200);
}

/* POST /v1/reservations/@id/approve as the owner: the status (a problem document when 5xx). */
static int
approve (const char *id)
{
  mt_http_response_t resp;
  char path[128];
  int status;

  snprintf (path, sizeof path, "/v1/reservations/%s/approve", id);
  it_call (world.owner.token, "POST", path, NULL, "{}", &resp);
  status = resp.status;
  if (status >= 500) {
    assert_true (resp.has_json);
  }
  mt_http_response_destroy (&resp);
  return status;
}

/* The status of reservation @id, as its borrower reads it, into @out. */
static void
reservation_status (const char *id, char *out, size_t size)
{
  char path[128];

  snprintf (path, sizeof path, "/v1/reservations/%s", id);
  lh_get_string (world.requester.token, path, "status", out, size);
}

/* The fault cycle of @trace/@inject: writes before (2xx), during (5xx), after (2xx), then a
 * restart without strace: every 2xx there, `mutuad check` clean; the log says @logged. A
 * transition (approve) during the fault is 5xx and leaves the reservation as it was; after
 * the fault it succeeds, and survives the restart. */
static void
writes_fail_during_fault_then_recover (const char *trace, const char *inject, const char *logged)
{
  fh_ids_t acked[FH_KINDS] = { 0 };
  char output[8192];
  int check;

  char approving[MT_ID_SIZE], status[32];

  release_write_lock (); /* when store_unavailable failed */
  fh_world_setup (&world);
  write_each (200, 201, acked);
  {
    /* One more request, for the transition (not among the writes checked as "requested"). */
    char type[128];
    int created =
      fh_write (it_server.port, &world, it_admin, FH_RESERVATION, 23, approving, type, sizeof type);
    assert_int_equal (created, 201);
  }
  if (!sh_fault_on (it_server.pid, trace, inject, "faults/disk")) {
    fh_world_destroy (&world);
    skip ();
  }
  /* Twice: a first failure must not leave the store broken for the next writes. */
  write_each (500, 503, acked);
  write_each (500, 503, acked);
  {
    int answered = approve (approving);
    if (answered < 500 || answered > 503) {
      fail_msg ("approve during the fault: status %d, expected 500 to 503", answered);
    }
  }
  still_answers ();
  sh_fault_off (it_server.pid);
  reservation_status (approving, status, sizeof status);
  assert_string_equal (status, "requested"); /* the refused transition left nothing */
  assert_int_equal (approve (approving), 200);
  write_each (200, 201, acked);
  write_each (200, 201, acked);
  for (int kind = 0; kind < FH_KINDS; kind++) {
    assert_int_equal (acked[kind].len, 3);
  }
  assert_int_equal (mt_test_server_stop (&it_server), 0);
  check = fh_run_check (output, sizeof output);
  if (check != 0) {
    fail_msg ("mutuad check exited %d:\n%s", check, output);
  }
  assert_true (mt_test_server_restart (&it_server));
  free (it_admin);
  it_admin = mt_test_server_login_admin (&it_server);
  assert_non_null (it_admin);
  fh_assert_present (&world, acked);
  reservation_status (approving, status, sizeof status);
  assert_string_equal (status, "approved");
  {
    char *log = mt_test_server_log (&it_server, NULL);
    /* The operator sees why in the log. */
    assert_non_null (log);
    assert_non_null (strstr (log, logged));
    free (log);
  }
  for (int kind = 0; kind < FH_KINDS; kind++) {
    fh_ids_destroy (&acked[kind]);
  }
  fh_world_destroy (&world);
}

static void
fdatasync_eio_is_never_acknowledged (void **state)
{
  (void) state;
  writes_fail_during_fault_then_recover ("fdatasync,fsync", "fdatasync,fsync:error=EIO",
                                         "failed: SQLite error (commit: disk I/O error)");
}

static void
write_enospc_is_never_acknowledged (void **state)
{
  (void) state;
  writes_fail_during_fault_then_recover ("pwrite64", "pwrite64:error=ENOSPC:when=2+",
                                         "failed: SQLite error (commit: database or disk is full)");
}

/* Opens the server's database in this process and takes its write lock. */
static void
hold_write_lock (void)
{
  char path[PATH_MAX + 16];

  snprintf (path, sizeof path, "%s/mutua.db", it_server.dir);
  assert_int_equal (sqlite3_open_v2 (path, &locker, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
  sqlite3_busy_timeout (locker, 10000);
  assert_int_equal (sqlite3_exec (locker, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
}

/* Gives the lock back (also after a failed test). */
static void
release_write_lock (void)
{
  if (locker) {
    sqlite3_exec (locker, "ROLLBACK", NULL, NULL, NULL);
    assert_int_equal (sqlite3_close (locker), SQLITE_OK);
    locker = NULL;
  }
}

static void
store_unavailable_is_503_not_a_hang (void **state)
{
  fh_ids_t acked[FH_KINDS] = { 0 };
  fh_ids_t needs_before = { 0 }, needs_after = { 0 };
  mt_http_response_t resp;

  (void) state;
  fh_world_setup (&world);
  it_expect (NULL, "GET", "/readyz", NULL, 200);
  fh_list_ids (world.requester.token, "/v1/needs", &needs_before);

  hold_write_lock ();
  it_call (NULL, "GET", "/readyz", NULL, NULL, &resp);
  it_assert_status (&resp, 503, "GET", "/readyz");
  assert_string_equal (mt_http_json_string (&resp, "type"), "urn:mutua:problem:unavailable");
  mt_http_response_destroy (&resp);
  write_each (503, 503, acked);
  it_call (world.requester.token, "POST", "/v1/needs", NULL,
           "{\"kind\":\"good\",\"title\":\"Une sono\"}", &resp);
  it_assert_status (&resp, 503, "POST", "/v1/needs");
  assert_non_null (mt_http_header (&resp, "Retry-After"));
  mt_http_response_destroy (&resp);
  still_answers ();
  release_write_lock ();

  /* Back: ready, and nothing of the refused writes was stored. */
  it_expect (NULL, "GET", "/readyz", NULL, 200);
  fh_list_ids (world.requester.token, "/v1/needs", &needs_after);
  assert_int_equal (needs_after.len, needs_before.len);
  write_each (200, 201, acked);
  for (int kind = 0; kind < FH_KINDS; kind++) {
    assert_int_equal (acked[kind].len, 1);
    fh_ids_destroy (&acked[kind]);
  }
  fh_ids_destroy (&needs_before);
  fh_ids_destroy (&needs_after);
  fh_world_destroy (&world);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("faults/store_unavailable_is_503_not_a_hang", store_unavailable_is_503_not_a_hang),
    MT_TEST ("faults/fdatasync_eio_is_never_acknowledged", fdatasync_eio_is_never_acknowledged),
    MT_TEST ("faults/write_enospc_is_never_acknowledged", write_enospc_is_never_acknowledged),
  };
  return cmocka_run_group_tests_name ("integration/faults", tests, setup, teardown);
}
