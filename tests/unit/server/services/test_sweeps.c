/*
 * sweeps (services/sweeps.h) against a real SQLite store, at explicit instants: expiry with
 * the release of calendar entries, overdue flags, reminders (flag, then notifications with
 * deterministic ids), closing of returned loans, purges, bounded pages, idempotence, and two
 * sweeps racing on two store handles (each reservation changes once).
 */
#include "loans_fixture.h"

#include "mt_log.h"
#include "notifications.h"
#include "sweeps.h"

#include <pthread.h>

#define NOW FX_NOW_MS

static void
run_all (lx_t *lx, int64_t now, mt_sweep_report_t *report)
{
  mt_ctx_t ctx = lx_ctx (lx, now);
  mt_sweeps_run (&ctx, report);
}

static void
expire_releases_due_requests (void **state)
{
  lx_t *lx = *state;
  char due[MT_ID_SIZE], at_now[MT_ID_SIZE], later[MT_ID_SIZE], approved[MT_ID_SIZE];
  char first[160];
  char expected[160];
  mt_sweep_report_t report;
  bson_t doc;
  const char *last;

  lx_reservation (lx,
                  &(lx_res_t){ .status = "requested",
                               .start = NOW + 2 * LX_DAY,
                               .end = NOW + 3 * LX_DAY,
                               .expires_at = NOW - 1 },
                  due);
  lx_reservation (lx,
                  &(lx_res_t){ .status = "requested",
                               .start = NOW + 2 * LX_DAY,
                               .end = NOW + 3 * LX_DAY,
                               .expires_at = NOW },
                  at_now);
  lx_reservation (lx,
                  &(lx_res_t){ .status = "requested",
                               .start = NOW + 2 * LX_DAY,
                               .end = NOW + 3 * LX_DAY,
                               .expires_at = NOW + 1 },
                  later);
  lx_reservation (lx,
                  &(lx_res_t){ .status = "approved",
                               .start = NOW + 5 * LX_DAY,
                               .end = NOW + 6 * LX_DAY,
                               .expires_at = NOW - LX_DAY },
                  approved);
  assert_true (lx_booked (lx, due));

  run_all (lx, NOW, &report);
  assert_int_equal (report.expired, 2);
  assert_int_equal (report.errors, 0);
  assert_int_equal (report.skipped, 0);

  lx_get (lx, due, &doc);
  assert_true (mt_bson_str_eq (&doc, "status", "expired"));
  assert_int_equal (mt_bson_int (&doc, "version", 0), 2);
  assert_int_equal (mt_bson_date (&doc, "expired_at", 0), NOW);
  assert_int_equal (lx_history (&doc, "expired", &last), 1);
  assert_string_equal (last, "expired");
  assert_true (mt_bson_str_eq (&doc, "history.1.actor", MT_RESERVATION_SYSTEM));
  assert_true (mt_bson_str_eq (&doc, "history.1.reason", "no_answer"));
  bson_destroy (&doc);
  assert_false (lx_booked (lx, due));
  assert_false (lx_booked (lx, at_now));
  assert_true (lx_booked (lx, later));
  assert_true (lx_booked (lx, approved));
  assert_int_equal (lx_audit_count (lx, due), 2);

  lx_get (lx, later, &doc);
  assert_true (mt_bson_str_eq (&doc, "status", "requested"));
  assert_int_equal (mt_bson_int (&doc, "version", 0), 1);
  bson_destroy (&doc);
  lx_get (lx, approved, &doc);
  assert_true (mt_bson_str_eq (&doc, "status", "approved"));
  bson_destroy (&doc);

  /* Both sides are told, each active account once; the invited colleague is not. */
  assert_int_equal (lx_notifications (lx, lx->borrower_account, first, sizeof first), 2);
  assert_int_equal (lx_notifications (lx, lx->owner_account, NULL, 0), 2);
  assert_int_equal (lx_notifications (lx, lx->borrower_invited, NULL, 0), 0);
  assert_int_equal (report.notifications, 4);
  snprintf (expected, sizeof expected, ":expired:%s", lx->borrower_account);
  assert_non_null (strstr (first, expected));
}

static void
sweeps_are_idempotent (void **state)
{
  lx_t *lx = *state;
  char id[MT_ID_SIZE], out[MT_ID_SIZE];
  mt_sweep_report_t report;
  bson_t doc;

  lx_reservation (lx,
                  &(lx_res_t){ .status = "requested",
                               .start = NOW + 2 * LX_DAY,
                               .end = NOW + 3 * LX_DAY,
                               .expires_at = NOW - LX_HOUR },
                  id);
  lx_reservation (
    lx, &(lx_res_t){ .status = "checked_out", .start = NOW - 2 * LX_DAY, .end = NOW - LX_HOUR },
    out);
  run_all (lx, NOW, &report);
  assert_int_equal (report.expired, 1);
  assert_int_equal (report.overdue, 1);
  run_all (lx, NOW + 1000, &report);
  assert_int_equal (report.expired + report.overdue + report.reminded_start + report.reminded_end +
                      report.closed + report.notifications,
                    0);
  assert_int_equal (report.errors, 0);
  lx_get (lx, id, &doc);
  assert_int_equal (mt_bson_int (&doc, "version", 0), 2);
  bson_destroy (&doc);
  lx_get (lx, out, &doc);
  assert_int_equal (mt_bson_int (&doc, "version", 0), 2);
  bson_destroy (&doc);
}

static void
overdue_flags_checked_out_loans (void **state)
{
  lx_t *lx = *state;
  char late[MT_ID_SIZE], exact[MT_ID_SIZE], on_time[MT_ID_SIZE];
  mt_sweep_report_t report;
  bson_t doc;
  mt_sweep_report_t one;
  mt_ctx_t ctx = lx_ctx (lx, NOW);

  lx_reservation (lx,
                  &(lx_res_t){ .status = "checked_out",
                               .start = NOW - 3 * LX_DAY,
                               .end = NOW - LX_DAY,
                               .reminded_end = true },
                  late);
  lx_reservation (
    lx,
    &(lx_res_t){
      .status = "checked_out", .start = NOW - 3 * LX_DAY, .end = NOW, .reminded_end = true },
    exact);
  lx_reservation (
    lx, &(lx_res_t){ .status = "checked_out", .start = NOW - 3 * LX_DAY, .end = NOW + 3 * LX_DAY },
    on_time);
  memset (&one, 0, sizeof one);
  mt_sweeps_run_task (&ctx, MT_SWEEP_OVERDUE, &one);
  assert_int_equal (one.overdue, 2);
  assert_int_equal (one.examined, 2);

  lx_get (lx, late, &doc);
  assert_true (mt_bson_str_eq (&doc, "status", "checked_out"));
  assert_true (mt_bson_bool (&doc, "overdue", false));
  assert_int_equal (lx_history (&doc, NULL, NULL), 3); /* a flag: no history item */
  bson_destroy (&doc);
  lx_get (lx, on_time, &doc);
  assert_false (mt_bson_bool (&doc, "overdue", true));
  bson_destroy (&doc);
  assert_true (lx_booked (lx, late)); /* still lent */

  run_all (lx, NOW, &report);
  assert_int_equal (report.overdue, 0);
}

static void
reminders_flag_then_notify_once (void **state)
{
  lx_t *lx = *state;
  char soon[MT_ID_SIZE], far[MT_ID_SIZE], started[MT_ID_SIZE], ending[MT_ID_SIZE];
  char first[160];
  char expected[160];
  mt_sweep_report_t report;
  bson_t doc;

  lx_reservation (
    lx, &(lx_res_t){ .status = "approved", .start = NOW + 24 * LX_HOUR, .end = NOW + 3 * LX_DAY },
    soon);
  lx_reservation (
    lx, &(lx_res_t){ .status = "approved", .start = NOW + 25 * LX_HOUR, .end = NOW + 3 * LX_DAY },
    far);
  lx_reservation (
    lx, &(lx_res_t){ .status = "approved", .start = NOW - LX_HOUR, .end = NOW + 3 * LX_DAY },
    started);
  lx_reservation (
    lx, &(lx_res_t){ .status = "checked_out", .start = NOW - LX_DAY, .end = NOW + 2 * LX_HOUR },
    ending);

  run_all (lx, NOW, &report);
  assert_int_equal (report.reminded_start, 1);
  assert_int_equal (report.reminded_end, 1);
  assert_int_equal (report.notifications, 4);
  lx_get (lx, soon, &doc);
  assert_true (mt_bson_bool (&doc, "reminded_start", false));
  assert_true (mt_bson_str_eq (&doc, "status", "approved"));
  bson_destroy (&doc);
  lx_get (lx, far, &doc);
  assert_false (mt_bson_bool (&doc, "reminded_start", true));
  bson_destroy (&doc);
  lx_get (lx, started, &doc);
  assert_false (mt_bson_bool (&doc, "reminded_start", true));
  bson_destroy (&doc);
  lx_get (lx, ending, &doc);
  assert_true (mt_bson_bool (&doc, "reminded_end", false));
  bson_destroy (&doc);

  assert_int_equal (lx_notifications (lx, lx->owner_account, first, sizeof first), 2);
  assert_int_equal (lx_notifications (lx, lx->borrower_account, NULL, 0), 2);
  snprintf (expected, sizeof expected, "%s:reminder-", ending);
  (void) expected;

  /* An hour later "far" is within the lead; the others are not reminded again. */
  run_all (lx, NOW + LX_HOUR, &report);
  assert_int_equal (report.reminded_start, 1);
  assert_int_equal (report.reminded_end, 0);
  assert_int_equal (lx_notifications (lx, lx->owner_account, NULL, 0), 3);
}

static void
reminder_notification_has_the_documented_id (void **state)
{
  lx_t *lx = *state;
  char id[MT_ID_SIZE];
  char first[160];
  char expected[160];
  mt_sweep_report_t report;
  mt_store_page_t page;
  mt_error_t error;

  lx_reservation (
    lx, &(lx_res_t){ .status = "approved", .start = NOW + LX_HOUR, .end = NOW + 3 * LX_DAY }, id);
  run_all (lx, NOW, &report);
  assert_int_equal (lx_notifications (lx, lx->borrower_account, first, sizeof first), 1);
  snprintf (expected, sizeof expected, "%s:reminder-start:%s", id, lx->borrower_account);
  assert_string_equal (first, expected);
  assert_true (lx->fx->store->ops->notification_list (lx->fx->store, lx->borrower_account, NULL, 10,
                                                      &page, &error));
  assert_true (mt_bson_str_eq (&page.items, "0.kind", "reminder_start"));
  assert_true (mt_bson_str_eq (&page.items, "0.entity_id", id));
  assert_non_null (strstr (mt_bson_str (&page.items, "0.text_fr"), "Vélo cargo biporteur"));
  assert_non_null (strstr (mt_bson_str (&page.items, "0.text_en"), "Reminder"));
  assert_int_equal (mt_bson_date (&page.items, "0.created_at", 0), NOW);
  mt_store_page_destroy (&page);
}

static void
close_returned_without_incident (void **state)
{
  lx_t *lx = *state;
  char old[MT_ID_SIZE], recent[MT_ID_SIZE], incident[MT_ID_SIZE], follow[MT_ID_SIZE];
  mt_sweep_report_t report;
  bson_t doc;

  lx_reservation (lx,
                  &(lx_res_t){ .status = "returned",
                               .start = NOW - 10 * LX_DAY,
                               .end = NOW - 9 * LX_DAY,
                               .returned_at = NOW - 7 * LX_DAY },
                  old);
  lx_reservation (lx,
                  &(lx_res_t){ .status = "returned",
                               .start = NOW - 10 * LX_DAY,
                               .end = NOW - 9 * LX_DAY,
                               .returned_at = NOW - 7 * LX_DAY + 1 },
                  recent);
  lx_reservation (lx,
                  &(lx_res_t){ .status = "returned",
                               .start = NOW - 20 * LX_DAY,
                               .end = NOW - 19 * LX_DAY,
                               .incident = true },
                  incident);
  lx_reservation (lx,
                  &(lx_res_t){ .status = "returned",
                               .start = NOW - 20 * LX_DAY,
                               .end = NOW - 19 * LX_DAY,
                               .review_decision = "follow_up" },
                  follow);

  run_all (lx, NOW, &report);
  assert_int_equal (report.closed, 1);
  lx_get (lx, old, &doc);
  assert_true (mt_bson_str_eq (&doc, "status", "closed"));
  assert_true (mt_bson_str_eq (&doc, "closed_by", MT_RESERVATION_SYSTEM));
  assert_int_equal (mt_bson_date (&doc, "closed_at", 0), NOW);
  assert_int_equal (lx_history (&doc, "closed", NULL), 1);
  bson_destroy (&doc);
  assert_int_equal (lx_audit_count (lx, old), 5);
  lx_get (lx, recent, &doc);
  assert_true (mt_bson_str_eq (&doc, "status", "returned"));
  bson_destroy (&doc);
  lx_get (lx, incident, &doc);
  assert_true (mt_bson_str_eq (&doc, "status", "returned"));
  bson_destroy (&doc);
  lx_get (lx, follow, &doc);
  assert_true (mt_bson_str_eq (&doc, "status", "returned"));
  bson_destroy (&doc);

  run_all (lx, NOW + 1, &report);
  assert_int_equal (report.closed, 1); /* "recent" is due now */
}

static void
purge_forgets_old_records (void **state)
{
  lx_t *lx = *state;
  mt_store_t *store = lx->fx->store;
  mt_sweep_report_t report;
  mt_error_t error;
  bson_t out;
  bool revoked = true;
  const char *ids[2] = { "acc_old:key-1", "acc_new:key-2" };
  const int64_t created[2] = { NOW - 24 * LX_HOUR - 1, NOW - 24 * LX_HOUR + 1 };

  for (int i = 0; i < 2; i++) {
    bson_t record = BSON_INITIALIZER;
    BSON_APPEND_UTF8 (&record, "id", ids[i]);
    BSON_APPEND_UTF8 (&record, "account_id", "acc_x");
    BSON_APPEND_UTF8 (&record, "request_hash", "h");
    BSON_APPEND_UTF8 (&record, "state", "done");
    BSON_APPEND_DATE_TIME (&record, "created_at", created[i]);
    assert_true (store->ops->idempotency_insert (store, &record, &error));
    bson_destroy (&record);
  }
  assert_true (store->ops->token_revoke (store, "jti-old", NOW - 1, &error));
  assert_true (store->ops->token_revoke (store, "jti-new", NOW + LX_HOUR, &error));

  run_all (lx, NOW, &report);
  assert_int_equal (report.purges, 2);
  assert_int_equal (report.errors, 0);
  assert_false (store->ops->idempotency_get (store, ids[0], &out, &error));
  assert_int_equal (error.code, MT_ERR_NOT_FOUND);
  bson_destroy (&out);
  assert_true (store->ops->idempotency_get (store, ids[1], &out, &error));
  bson_destroy (&out);
  assert_true (store->ops->token_is_revoked (store, "jti-old", &revoked, &error));
  assert_false (revoked);
  assert_true (store->ops->token_is_revoked (store, "jti-new", &revoked, &error));
  assert_true (revoked);
}

static void
steps_are_pages (void **state)
{
  lx_t *lx = *state;
  mt_sweep_state_t sweep;
  mt_ctx_t ctx = lx_ctx (lx, NOW);
  char id[MT_ID_SIZE];
  int steps = 0;
  const int count = MT_SWEEP_PAGE_SIZE * 2 + 5;

  for (int i = 0; i < count; i++) {
    lx_reservation (lx,
                    &(lx_res_t){ .status = "requested",
                                 .start = NOW + 2 * LX_DAY,
                                 .end = NOW + 3 * LX_DAY,
                                 .expires_at = NOW - i,
                                 .created_at = NOW - LX_DAY + i,
                                 .no_audit = true },
                    id);
  }
  mt_sweep_state_init (&sweep);
  while (!mt_sweeps_step (&ctx, &sweep)) {
    steps++;
    assert_true (steps < 100);
  }
  /* 3 pages of expiries, one step for each other task, and the final step. */
  assert_int_equal (steps + 1, 3 + MT_SWEEP_TASK_COUNT - 1);
  assert_int_equal (sweep.report.expired, (uint32_t) count);
  assert_false (sweep.report.truncated);
}

/* ---- Two sweeps racing on two store handles ------------------------------------------------ */

#define RACE_COUNT 40

static pthread_barrier_t race_start;

typedef struct {
  lx_t *lx;
  mt_store_t *store;
  mt_sweep_report_t report;
} racer_t;

static void *
racer_main (void *arg)
{
  racer_t *racer = arg;
  mt_ctx_t ctx = lx_ctx (racer->lx, NOW);

  ctx.store = racer->store;
  pthread_barrier_wait (&race_start);
  mt_sweeps_run (&ctx, &racer->report);
  return NULL;
}

static void
racing_sweeps_change_each_reservation_once (void **state)
{
  lx_t *lx = *state;
  char ids[RACE_COUNT][MT_ID_SIZE];
  racer_t racers[2];
  pthread_t threads[2];
  mt_error_t error;
  uint32_t expired = 0;
  uint32_t reminded = 0;
  uint32_t notifications = 0;

  for (int i = 0; i < RACE_COUNT; i++) {
    bool expire = i % 2 == 0;
    lx_reservation (lx,
                    &(lx_res_t){ .status = expire ? "requested" : "approved",
                                 .start = NOW + (expire ? 2 * LX_DAY : LX_HOUR),
                                 .end = NOW + 3 * LX_DAY,
                                 .expires_at = expire ? NOW - i : NOW + 2 * LX_DAY },
                    ids[i]);
  }
  for (int i = 0; i < 2; i++) {
    racers[i].lx = lx;
    racers[i].store = mt_store_open (lx->fx->backend, &error);
    assert_non_null (racers[i].store);
    memset (&racers[i].report, 0, sizeof racers[i].report);
  }
  pthread_barrier_init (&race_start, NULL, 2);
  for (int i = 0; i < 2; i++) {
    assert_int_equal (pthread_create (&threads[i], NULL, racer_main, &racers[i]), 0);
  }
  for (int i = 0; i < 2; i++) {
    pthread_join (threads[i], NULL);
    mt_store_close (racers[i].store);
    expired += racers[i].report.expired;
    reminded += racers[i].report.reminded_start;
    notifications += racers[i].report.notifications;
    assert_int_equal (racers[i].report.errors, 0);
  }
  pthread_barrier_destroy (&race_start);
  /* How the work was shared depends on the scheduler; the outcome does not. */
  fprintf (stderr, "race: expired %u + %u, reminded %u + %u, lost races %u + %u\n",
           racers[0].report.expired, racers[1].report.expired, racers[0].report.reminded_start,
           racers[1].report.reminded_start, racers[0].report.skipped, racers[1].report.skipped);
  assert_int_equal (expired, RACE_COUNT / 2);
  assert_int_equal (reminded, RACE_COUNT / 2);
  assert_int_equal (notifications, RACE_COUNT * 2);
  for (int i = 0; i < RACE_COUNT; i++) {
    bson_t doc;
    lx_get (lx, ids[i], &doc);
    assert_int_equal (mt_bson_int (&doc, "version", 0), 2);
    if (i % 2 == 0) {
      assert_true (mt_bson_str_eq (&doc, "status", "expired"));
      assert_int_equal (lx_history (&doc, "expired", NULL), 1);
      assert_false (lx_booked (lx, ids[i]));
    } else {
      assert_true (mt_bson_bool (&doc, "reminded_start", false));
      assert_true (lx_booked (lx, ids[i]));
    }
    bson_destroy (&doc);
  }
  assert_int_equal (lx_notifications (lx, lx->borrower_account, NULL, 0), RACE_COUNT);
}

/* ---- Notifications list ------------------------------------------------------------------- */

static void
notifications_list_only_the_callers (void **state)
{
  lx_t *lx = *state;
  fx_caller_t borrower;
  fx_caller_t owner;
  mt_store_page_t page;
  mt_error_t error;
  mt_notification_t note = {
    .key = "k1", .kind = "test", .entity_id = "x", .text_fr = "Bonjour", .text_en = "Hello"
  };
  int stored = 0;
  mt_ctx_t ctx = lx_ctx (lx, NOW);

  assert_true (mt_notify_member (&ctx, lx->borrower, &note, &stored, &error));
  assert_int_equal (stored, 1);
  assert_true (mt_notify_member (&ctx, lx->borrower, &note, &stored, &error));
  assert_int_equal (stored, 0); /* already stored: same id */
  fx_caller (lx->fx, lx->borrower_account, &borrower);
  fx_caller (lx->fx, lx->owner_account, &owner);
  borrower.ctx.env = &lx->env;
  owner.ctx.env = &lx->env;
  assert_true (mt_notifications_list (&borrower.ctx, NULL, NULL, &page, &error));
  assert_int_equal (page.count, 1);
  assert_true (mt_bson_str_eq (&page.items, "0.account_id", lx->borrower_account));
  mt_store_page_destroy (&page);
  assert_true (mt_notifications_list (&owner.ctx, NULL, NULL, &page, &error));
  assert_int_equal (page.count, 0);
  mt_store_page_destroy (&page);
  assert_false (mt_notifications_list (&owner.ctx, NULL, "0", &page, &error));
  assert_int_equal (error.code, MT_ERR_BAD_REQUEST);
  mt_store_page_destroy (&page);
  assert_false (mt_notifications_list (&owner.ctx, "forged", NULL, &page, &error));
  assert_int_equal (error.code, MT_ERR_BAD_REQUEST);
  mt_store_page_destroy (&page);
  fx_caller_destroy (&borrower);
  fx_caller_destroy (&owner);
}

int
main (void)
{
  mt_log_set_level (MT_LOG_WARN);
  const struct CMUnitTest tests[] = {
    LX_TEST ("sweeps/expire/releases_due_requests", expire_releases_due_requests),
    LX_TEST ("sweeps/idempotent", sweeps_are_idempotent),
    LX_TEST ("sweeps/overdue/flags_checked_out_loans", overdue_flags_checked_out_loans),
    LX_TEST ("sweeps/reminders/flag_then_notify_once", reminders_flag_then_notify_once),
    LX_TEST ("sweeps/reminders/documented_notification",
             reminder_notification_has_the_documented_id),
    LX_TEST ("sweeps/close/returned_without_incident", close_returned_without_incident),
    LX_TEST ("sweeps/purge/old_records", purge_forgets_old_records),
    LX_TEST ("sweeps/steps_are_pages", steps_are_pages),
    LX_TEST ("sweeps/race/each_reservation_changes_once",
             racing_sweeps_change_each_reservation_once),
    LX_TEST ("notifications/list/only_the_callers", notifications_list_only_the_callers),
  };
  return cmocka_run_group_tests_name ("server/services/sweeps", tests, NULL, NULL);
}
