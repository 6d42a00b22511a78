/*
 * reconcile (services/reconcile.h) against a real SQLite store, at explicit instants: orphan
 * calendar entries removed only after the grace period, entries of reservations that no longer
 * block removed, entries of blocking reservations kept, missing audit entries recorded again
 * (follow-up reviews included), the read-only CHECK mode counting the same things without
 * writing, and the walk going page by page.
 */
#include "loans_fixture.h"

#include "loans_admin.h"
#include "mt_log.h"
#include "reconcile.h"

#define NOW FX_NOW_MS
#define GRACE MT_RESERVATION_ORPHAN_GRACE_MS

static void
run (lx_t *lx, mt_reconcile_mode_t mode, int64_t now, int64_t grace, mt_reconcile_report_t *report)
{
  mt_ctx_t ctx = lx_ctx (lx, now);
  mt_reconcile_run (&ctx, mode, grace, report);
}

/* The listing's calendar version. */
static int64_t
calendar_version (lx_t *lx)
{
  bson_t calendar;
  mt_error_t error;
  int64_t version;

  assert_true (lx->fx->store->ops->calendar_get (lx->fx->store, lx->listing, &calendar, &error));
  version = mt_bson_int (&calendar, "version", -1);
  bson_destroy (&calendar);
  return version;
}

static void
orphans_go_only_after_the_grace_period (void **state)
{
  lx_t *lx = *state;
  mt_reconcile_report_t report;
  const int64_t created = NOW - LX_HOUR;
  char kept[MT_ID_SIZE];

  /* A creation that wrote its entry and crashed before inserting the reservation. */
  lx_calendar_add (lx, "res_orphan000000000000000", NOW + LX_DAY, NOW + 2 * LX_DAY, created);
  lx_reservation (
    lx,
    &(lx_res_t){
      .status = "approved", .start = NOW + LX_DAY, .end = NOW + 2 * LX_DAY, .created_at = created },
    kept);

  run (lx, MT_RECONCILE_CHECK, created + GRACE - 1, GRACE, &report);
  assert_int_equal (report.recent, 1);
  assert_int_equal (report.orphans, 0);
  assert_true (mt_reconcile_report_clean (&report));

  run (lx, MT_RECONCILE_REPAIR, created + GRACE - 1, GRACE, &report);
  assert_int_equal (report.removed, 0);
  assert_true (lx_booked (lx, "res_orphan000000000000000"));

  run (lx, MT_RECONCILE_CHECK, created + GRACE, GRACE, &report);
  assert_int_equal (report.orphans, 1);
  assert_int_equal (report.entries, 2);
  assert_false (mt_reconcile_report_clean (&report));
  assert_true (lx_booked (lx, "res_orphan000000000000000")); /* CHECK writes nothing */

  run (lx, MT_RECONCILE_REPAIR, created + GRACE, GRACE, &report);
  assert_int_equal (report.removed, 1);
  assert_int_equal (report.calendars, 1);
  assert_false (lx_booked (lx, "res_orphan000000000000000"));
  assert_true (lx_booked (lx, kept));

  run (lx, MT_RECONCILE_CHECK, created + GRACE, GRACE, &report);
  assert_true (mt_reconcile_report_clean (&report));
  assert_int_equal (report.reservations, 1);
}

static void
grace_zero_removes_every_orphan_written_before (void **state)
{
  lx_t *lx = *state;
  mt_reconcile_report_t report;

  lx_calendar_add (lx, "res_orphan000000000000001", NOW + LX_DAY, NOW + 2 * LX_DAY, NOW - 1);
  run (lx, MT_RECONCILE_REPAIR, NOW, 0, &report);
  assert_int_equal (report.removed, 1);
  assert_false (lx_booked (lx, "res_orphan000000000000001"));
}

static void
entries_of_reservations_that_no_longer_block_go (void **state)
{
  lx_t *lx = *state;
  mt_reconcile_report_t report;
  const char *statuses[] = { "requested", "approved", "checked_out" };
  char blocking[3][MT_ID_SIZE];
  char cancelled[MT_ID_SIZE];
  char returned[MT_ID_SIZE];
  int64_t version;

  for (int i = 0; i < 3; i++) {
    lx_reservation (lx,
                    &(lx_res_t){ .status = statuses[i],
                                 .start = NOW + LX_DAY,
                                 .end = NOW + 2 * LX_DAY,
                                 .created_at = NOW - LX_DAY },
                    blocking[i]);
  }
  /* A release interrupted by a crash: the reservation is written, its entry still there. */
  lx_reservation (lx,
                  &(lx_res_t){ .status = "cancelled",
                               .start = NOW + LX_DAY,
                               .end = NOW + 2 * LX_DAY,
                               .created_at = NOW - LX_DAY },
                  cancelled);
  lx_calendar_add (lx, cancelled, NOW + LX_DAY, NOW + 2 * LX_DAY, NOW - LX_DAY);
  lx_reservation (lx,
                  &(lx_res_t){ .status = "returned",
                               .start = NOW - 2 * LX_DAY,
                               .end = NOW - LX_DAY,
                               .created_at = NOW - 3 * LX_DAY },
                  returned);
  lx_calendar_add (lx, returned, NOW - 2 * LX_DAY, NOW - LX_DAY, NOW - 3 * LX_DAY);

  version = calendar_version (lx);
  run (lx, MT_RECONCILE_CHECK, NOW, GRACE, &report);
  assert_int_equal (report.stale, 2);
  assert_int_equal (report.orphans, 0);
  assert_int_equal (report.unbooked, 0);
  assert_int_equal (report.entries, 5);
  assert_int_equal (calendar_version (lx), version);

  run (lx, MT_RECONCILE_REPAIR, NOW, GRACE, &report);
  assert_int_equal (report.removed, 2);
  assert_false (lx_booked (lx, cancelled));
  assert_false (lx_booked (lx, returned));
  for (int i = 0; i < 3; i++) {
    assert_true (lx_booked (lx, blocking[i]));
  }
  run (lx, MT_RECONCILE_CHECK, NOW, GRACE, &report);
  assert_true (mt_reconcile_report_clean (&report));
  run (lx, MT_RECONCILE_REPAIR, NOW, GRACE, &report);
  assert_int_equal (report.removed, 0);
}

static void
audit_entries_are_recorded_again (void **state)
{
  lx_t *lx = *state;
  mt_reconcile_report_t report;
  char id[MT_ID_SIZE];
  char follow[MT_ID_SIZE];
  char entry_id[160];
  bson_t doc;

  lx_reservation (
    lx,
    &(lx_res_t){
      .status = "checked_out", .start = NOW - LX_DAY, .end = NOW + LX_DAY, .no_audit = true },
    id);
  lx_reservation (lx,
                  &(lx_res_t){ .status = "returned",
                               .start = NOW - 3 * LX_DAY,
                               .end = NOW - 2 * LX_DAY,
                               .review_decision = "follow_up" },
                  follow);
  assert_int_equal (lx_audit_count (lx, id), 0);
  assert_int_equal (lx_audit_count (lx, follow), 4); /* history only: the review is missing */

  run (lx, MT_RECONCILE_CHECK, NOW, GRACE, &report);
  assert_int_equal (report.audit_missing, 3 + 1);
  assert_int_equal (lx_audit_count (lx, id), 0);

  run (lx, MT_RECONCILE_REPAIR, NOW, GRACE, &report);
  assert_int_equal (report.audit_recorded, 4);
  assert_int_equal (report.errors, 0);
  assert_int_equal (lx_audit_count (lx, id), 3);
  assert_int_equal (lx_audit_count (lx, follow), 5);

  lx_get (lx, follow, &doc);
  assert_true (mt_loans_follow_up_audit_id (&doc, entry_id, sizeof entry_id));
  bson_destroy (&doc);
  {
    mt_store_page_t page;
    mt_error_t error;
    bson_iter_t it;
    bool found = false;
    assert_true (lx->fx->store->ops->audit_list (lx->fx->store, follow, NULL, 10, &page, &error));
    assert_true (bson_iter_init (&it, &page.items));
    while (bson_iter_next (&it)) {
      bson_t entry;
      uint32_t len;
      const uint8_t *data;
      bson_iter_document (&it, &len, &data);
      assert_true (bson_init_static (&entry, data, len));
      if (mt_bson_str_eq (&entry, "id", entry_id)) {
        found = true;
        assert_true (mt_bson_str_eq (&entry, "from", "returned"));
        assert_true (mt_bson_str_eq (&entry, "to", "returned"));
        assert_true (mt_bson_str_eq (&entry, "actor", lx->admin_account));
        assert_true (mt_bson_str_eq (&entry, "reason", "follow_up: à suivre"));
      }
    }
    assert_true (found);
    mt_store_page_destroy (&page);
  }

  run (lx, MT_RECONCILE_REPAIR, NOW, GRACE, &report);
  assert_int_equal (report.audit_recorded, 0);
  run (lx, MT_RECONCILE_CHECK, NOW, GRACE, &report);
  assert_true (mt_reconcile_report_clean (&report));
}

static void
check_counts_blocking_reservations_without_entry (void **state)
{
  lx_t *lx = *state;
  mt_reconcile_report_t report;
  char id[MT_ID_SIZE];

  lx_reservation (lx,
                  &(lx_res_t){ .status = "approved",
                               .start = NOW + LX_DAY,
                               .end = NOW + 2 * LX_DAY,
                               .no_calendar_entry = true },
                  id);
  run (lx, MT_RECONCILE_CHECK, NOW, GRACE, &report);
  assert_int_equal (report.unbooked, 1);
  assert_false (mt_reconcile_report_clean (&report));
  /* Never "repaired": adding an entry could overbook. */
  run (lx, MT_RECONCILE_REPAIR, NOW, GRACE, &report);
  assert_false (lx_booked (lx, id));
}

static void
the_walk_goes_page_by_page (void **state)
{
  lx_t *lx = *state;
  mt_reconcile_state_t walk;
  mt_ctx_t ctx = lx_ctx (lx, NOW);
  char id[MT_ID_SIZE];
  int steps = 0;

  for (int i = 0; i < MT_RECONCILE_PAGE_SIZE + 1; i++) {
    lx_reservation (lx,
                    &(lx_res_t){ .status = "cancelled",
                                 .start = NOW + LX_DAY,
                                 .end = NOW + 2 * LX_DAY,
                                 .created_at = NOW - LX_DAY + i },
                    id);
  }
  mt_reconcile_state_init (&walk, MT_RECONCILE_REPAIR, GRACE);
  while (!mt_reconcile_step (&ctx, &walk)) {
    steps++;
    assert_true (steps < 10);
  }
  /* One page of calendars (none stored), two pages of reservations. */
  assert_int_equal (steps + 1, 3);
  assert_int_equal (walk.report.reservations, MT_RECONCILE_PAGE_SIZE + 1);
  assert_int_equal (walk.report.errors, 0);
}

int
main (void)
{
  mt_log_set_level (MT_LOG_WARN);
  const struct CMUnitTest tests[] = {
    LX_TEST ("reconcile/orphans/only_after_the_grace_period",
             orphans_go_only_after_the_grace_period),
    LX_TEST ("reconcile/orphans/grace_zero", grace_zero_removes_every_orphan_written_before),
    LX_TEST ("reconcile/stale/entries_of_non_blocking_reservations_go",
             entries_of_reservations_that_no_longer_block_go),
    LX_TEST ("reconcile/audit/recorded_again", audit_entries_are_recorded_again),
    LX_TEST ("reconcile/check/blocking_without_entry",
             check_counts_blocking_reservations_without_entry),
    LX_TEST ("reconcile/steps_are_pages", the_walk_goes_page_by_page),
  };
  return cmocka_run_group_tests_name ("server/services/reconcile", tests, NULL, NULL);
}
