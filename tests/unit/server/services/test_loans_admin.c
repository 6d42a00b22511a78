/*
 * loans_admin (services/loans_admin.h) against a real SQLite store: the review queue (each
 * reason, the order of the groups, pages and cursors), the review of returned loans (close,
 * follow-up, refused states, If-Match, administrators only), the audit log and the CSV export
 * (columns, member names, the formula guard).
 */
#include "loans_fixture.h"

#include "csv.h"
#include "loans_admin.h"
#include "mt_log.h"

#define NOW FX_NOW_MS

typedef struct {
  fx_caller_t admin;
  fx_caller_t member;
} callers_t;

static void
callers (lx_t *lx, callers_t *c)
{
  fx_caller (lx->fx, lx->admin_account, &c->admin);
  fx_caller (lx->fx, lx->owner_account, &c->member);
  c->admin.ctx.env = &lx->env;
  c->member.ctx.env = &lx->env;
}

static void
callers_destroy (callers_t *c)
{
  fx_caller_destroy (&c->admin);
  fx_caller_destroy (&c->member);
}

/* The queue's reasons page by page (limit @limit) joined with ',' into @out. */
static void
queue_reasons (mt_ctx_t *ctx, const char *limit, char *out, size_t size, int *pages)
{
  char cursor[MT_LOANS_CURSOR_MAX] = "";
  size_t used = 0;

  out[0] = '\0';
  *pages = 0;
  do {
    bson_t items;
    char next[MT_LOANS_CURSOR_MAX];
    mt_error_t error;
    bson_iter_t it;

    if (!mt_loans_reviews (ctx, cursor[0] ? cursor : NULL, limit, &items, next, &error)) {
      fail_msg ("reviews: %s", error.message);
    }
    (*pages)++;
    assert_true (*pages < 20);
    assert_true (bson_iter_init (&it, &items));
    while (bson_iter_next (&it)) {
      bson_t item;
      uint32_t len;
      const uint8_t *data;
      bson_iter_document (&it, &len, &data);
      assert_true (bson_init_static (&item, data, len));
      used += (size_t) snprintf (out + used, size - used, "%s%s", used ? "," : "",
                                 mt_bson_str (&item, "reason"));
      assert_true (mt_bson_has (&item, "since"));
      assert_non_null (mt_bson_str (&item, "reservation.id"));
    }
    bson_destroy (&items);
    memcpy (cursor, next, sizeof cursor);
  } while (cursor[0]);
}

static void
queue_lists_each_reason_in_order (void **state)
{
  lx_t *lx = *state;
  callers_t c;
  char id[MT_ID_SIZE];
  char reasons[512];
  int pages;

  /* Not in the queue: young request, loan on time, closed, cancelled. */
  lx_reservation (lx,
                  &(lx_res_t){ .status = "requested",
                               .start = NOW + 5 * LX_DAY,
                               .end = NOW + 6 * LX_DAY,
                               .created_at = NOW - 47 * LX_HOUR },
                  id);
  lx_reservation (
    lx, &(lx_res_t){ .status = "checked_out", .start = NOW - LX_DAY, .end = NOW + LX_DAY }, id);
  lx_reservation (
    lx, &(lx_res_t){ .status = "closed", .start = NOW - 9 * LX_DAY, .end = NOW - 8 * LX_DAY }, id);
  lx_reservation (
    lx, &(lx_res_t){ .status = "cancelled", .start = NOW + LX_DAY, .end = NOW + 2 * LX_DAY }, id);
  /* In the queue. */
  lx_reservation (lx,
                  &(lx_res_t){ .status = "requested",
                               .start = NOW + 5 * LX_DAY,
                               .end = NOW + 6 * LX_DAY,
                               .created_at = NOW - 48 * LX_HOUR },
                  id);
  lx_reservation (lx,
                  &(lx_res_t){ .status = "checked_out",
                               .start = NOW - 2 * LX_DAY,
                               .end = NOW,
                               .created_at = NOW - 3 * LX_DAY },
                  id);
  lx_reservation (lx,
                  &(lx_res_t){ .status = "returned",
                               .start = NOW - 3 * LX_DAY,
                               .end = NOW - 2 * LX_DAY,
                               .incident = true,
                               .created_at = NOW - 4 * LX_DAY },
                  id);
  lx_reservation (lx,
                  &(lx_res_t){ .status = "returned",
                               .start = NOW - 3 * LX_DAY,
                               .end = NOW - 2 * LX_DAY,
                               .review_decision = "follow_up",
                               .created_at = NOW - 5 * LX_DAY },
                  id);
  lx_reservation (lx,
                  &(lx_res_t){ .status = "returned",
                               .start = NOW - 3 * LX_DAY,
                               .end = NOW - 2 * LX_DAY,
                               .created_at = NOW - 6 * LX_DAY },
                  id);
  callers (lx, &c);
  queue_reasons (&c.admin.ctx, NULL, reasons, sizeof reasons, &pages);
  assert_string_equal (reasons, "overdue,incident,follow_up,returned,pending_too_long");
  assert_int_equal (pages, 1);
  /* One item per page: every item once, across the groups. */
  queue_reasons (&c.admin.ctx, "1", reasons, sizeof reasons, &pages);
  assert_string_equal (reasons, "overdue,incident,follow_up,returned,pending_too_long");
  assert_true (pages >= 5);
  queue_reasons (&c.admin.ctx, "2", reasons, sizeof reasons, &pages);
  assert_string_equal (reasons, "overdue,incident,follow_up,returned,pending_too_long");
  callers_destroy (&c);
}

static void
queue_refuses_members_and_bad_parameters (void **state)
{
  lx_t *lx = *state;
  callers_t c;
  bson_t items;
  char next[MT_LOANS_CURSOR_MAX];
  mt_error_t error;

  callers (lx, &c);
  assert_false (mt_loans_reviews (&c.member.ctx, NULL, NULL, &items, next, &error));
  assert_int_equal (error.code, MT_ERR_FORBIDDEN);
  bson_destroy (&items);
  assert_false (mt_loans_reviews (&c.admin.ctx, "x:abc", NULL, &items, next, &error));
  assert_int_equal (error.code, MT_ERR_BAD_REQUEST);
  assert_string_equal (error.path, "cursor");
  bson_destroy (&items);
  assert_false (mt_loans_reviews (&c.admin.ctx, NULL, "0", &items, next, &error));
  assert_int_equal (error.code, MT_ERR_BAD_REQUEST);
  bson_destroy (&items);
  assert_true (mt_loans_reviews (&c.admin.ctx, NULL, NULL, &items, next, &error));
  assert_int_equal (bson_count_keys (&items), 0);
  assert_string_equal (next, "");
  bson_destroy (&items);
  callers_destroy (&c);
}

static void
review_body (bson_t *body, const char *decision, const char *note)
{
  bson_init (body);
  BSON_APPEND_UTF8 (body, "decision", decision);
  BSON_APPEND_UTF8 (body, "note", note);
}

static void
review_close_and_follow_up (void **state)
{
  lx_t *lx = *state;
  callers_t c;
  char a[MT_ID_SIZE], b[MT_ID_SIZE];
  bson_t body;
  bson_t out;
  mt_error_t error;

  lx_reservation (
    lx,
    &(lx_res_t){
      .status = "returned", .start = NOW - 3 * LX_DAY, .end = NOW - 2 * LX_DAY, .incident = true },
    a);
  lx_reservation (
    lx, &(lx_res_t){ .status = "returned", .start = NOW - 3 * LX_DAY, .end = NOW - 2 * LX_DAY }, b);
  callers (lx, &c);

  review_body (&body, "follow_up", "appeler l'emprunteur");
  assert_true (mt_loans_review (&c.admin.ctx, a, &body, NULL, &out, &error));
  bson_destroy (&body);
  assert_true (mt_bson_str_eq (&out, "status", "returned"));
  assert_true (mt_bson_str_eq (&out, "review.decision", "follow_up"));
  assert_true (mt_bson_str_eq (&out, "review.note", "appeler l'emprunteur"));
  assert_true (mt_bson_str_eq (&out, "review.by", lx->admin_account));
  assert_int_equal (mt_bson_date (&out, "review.at", 0), NOW);
  assert_int_equal (mt_bson_int (&out, "version", 0), 2);
  bson_destroy (&out);
  assert_int_equal (lx_audit_count (lx, a), 5); /* 4 history items + the follow-up */

  /* Then closed, with the If-Match of the version seen. */
  review_body (&body, "close", "réparé par le prêteur");
  assert_false (mt_loans_review (&c.admin.ctx, a, &body, "W/\"1\"", &out, &error));
  assert_int_equal (error.code, MT_ERR_PRECONDITION_FAILED);
  bson_destroy (&out);
  assert_true (mt_loans_review (&c.admin.ctx, a, &body, "W/\"2\"", &out, &error));
  assert_true (mt_bson_str_eq (&out, "status", "closed"));
  assert_true (mt_bson_str_eq (&out, "closed_by", lx->admin_account));
  assert_true (mt_bson_str_eq (&out, "review.decision", "close"));
  assert_int_equal (lx_history (&out, "closed", NULL), 1);
  bson_destroy (&out);
  assert_int_equal (lx_audit_count (lx, a), 6);

  /* A closed loan is not reviewed again. */
  assert_false (mt_loans_review (&c.admin.ctx, a, &body, NULL, &out, &error));
  assert_int_equal (error.code, MT_ERR_CONFLICT);
  bson_destroy (&out);
  /* Members may not review; unknown ids are 404. */
  assert_false (mt_loans_review (&c.member.ctx, b, &body, NULL, &out, &error));
  assert_int_equal (error.code, MT_ERR_FORBIDDEN);
  bson_destroy (&out);
  assert_false (
    mt_loans_review (&c.admin.ctx, "res_unknown00000000000000", &body, NULL, &out, &error));
  assert_int_equal (error.code, MT_ERR_NOT_FOUND);
  bson_destroy (&out);
  bson_destroy (&body);
  callers_destroy (&c);
}

static void
review_refuses_loans_not_returned (void **state)
{
  lx_t *lx = *state;
  callers_t c;
  const char *statuses[] = { "requested", "approved", "checked_out", "cancelled", "closed" };
  bson_t body;

  callers (lx, &c);
  review_body (&body, "close", "note");
  for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
    char id[MT_ID_SIZE];
    bson_t out;
    mt_error_t error;
    lx_reservation (
      lx, &(lx_res_t){ .status = statuses[i], .start = NOW + LX_DAY, .end = NOW + 2 * LX_DAY }, id);
    assert_false (mt_loans_review (&c.admin.ctx, id, &body, NULL, &out, &error));
    assert_int_equal (error.code, MT_ERR_CONFLICT);
    bson_destroy (&out);
  }
  bson_destroy (&body);
  callers_destroy (&c);
}

static void
audit_lists_newest_first_for_admins (void **state)
{
  lx_t *lx = *state;
  callers_t c;
  char a[MT_ID_SIZE], b[MT_ID_SIZE];
  mt_store_page_t page;
  mt_error_t error;

  lx_reservation (lx,
                  &(lx_res_t){ .status = "approved",
                               .start = NOW + LX_DAY,
                               .end = NOW + 2 * LX_DAY,
                               .created_at = NOW - 2 * LX_DAY },
                  a);
  lx_reservation (lx,
                  &(lx_res_t){ .status = "requested",
                               .start = NOW + LX_DAY,
                               .end = NOW + 2 * LX_DAY,
                               .created_at = NOW - LX_DAY },
                  b);
  callers (lx, &c);
  assert_true (mt_loans_audit (&c.admin.ctx, NULL, NULL, NULL, &page, &error));
  assert_int_equal (page.count, 3);
  assert_true (mt_bson_str_eq (&page.items, "0.entity_id", b));
  assert_true (mt_bson_str_eq (&page.items, "0.to", "requested"));
  assert_true (mt_bson_str_eq (&page.items, "1.to", "approved"));
  assert_true (mt_bson_str_eq (&page.items, "1.from", "requested"));
  mt_store_page_destroy (&page);
  assert_true (mt_loans_audit (&c.admin.ctx, a, NULL, "1", &page, &error));
  assert_int_equal (page.count, 1);
  assert_true (mt_bson_str_eq (&page.items, "0.entity_id", a));
  assert_true (page.next_cursor[0] != '\0');
  {
    char cursor[MT_STORE_CURSOR_MAX];
    memcpy (cursor, page.next_cursor, sizeof cursor);
    mt_store_page_destroy (&page);
    assert_true (mt_loans_audit (&c.admin.ctx, a, cursor, "1", &page, &error));
    assert_int_equal (page.count, 1);
    assert_true (mt_bson_str_eq (&page.items, "0.to", "requested"));
  }
  mt_store_page_destroy (&page);
  assert_false (mt_loans_audit (&c.member.ctx, NULL, NULL, NULL, &page, &error));
  assert_int_equal (error.code, MT_ERR_FORBIDDEN);
  mt_store_page_destroy (&page);
  assert_false (mt_loans_audit (&c.admin.ctx, NULL, "forged", NULL, &page, &error));
  assert_int_equal (error.code, MT_ERR_BAD_REQUEST);
  mt_store_page_destroy (&page);
  callers_destroy (&c);
}

static void
export_writes_every_reservation (void **state)
{
  lx_t *lx = *state;
  callers_t c;
  char a[MT_ID_SIZE], b[MT_ID_SIZE];
  mt_buf_t buf;
  mt_csv_t csv;
  mt_csv_limits_t limits = { .max_field = 10000, .max_columns = 64, .max_rows = 1000 };
  mt_error_t error;
  size_t col_incident = 0, col_owner = 0, col_borrower = 0, col_status = 0, col_start = 0;

  lx_reservation (lx,
                  &(lx_res_t){ .status = "returned",
                               .start = NOW - 3 * LX_DAY,
                               .end = NOW - 2 * LX_DAY,
                               .incident = true,
                               .created_at = NOW - 4 * LX_DAY },
                  a);
  lx_reservation (lx,
                  &(lx_res_t){ .status = "requested",
                               .start = NOW + LX_DAY,
                               .end = NOW + 2 * LX_DAY,
                               .created_at = NOW - LX_DAY },
                  b);
  callers (lx, &c);
  mt_buf_init (&buf, 1024 * 1024);
  assert_true (mt_loans_export (&c.admin.ctx, &buf, &error));
  assert_true (buf.len > 3 && memcmp (buf.data, MT_CSV_BOM, 3) == 0);
  assert_true (mt_csv_read (buf.data, buf.len, &limits, &csv, &error));
  assert_int_equal (csv.separator, ';');
  assert_int_equal (csv.records, 3);
  assert_int_equal (csv.columns, 21);
  for (size_t i = 0; i < csv.columns; i++) {
    const char *name = mt_csv_cell (&csv, 0, i, NULL);
    col_incident = strcmp (name, "incident_text") == 0 ? i : col_incident;
    col_owner = strcmp (name, "owner_name") == 0 ? i : col_owner;
    col_borrower = strcmp (name, "borrower_name") == 0 ? i : col_borrower;
    col_status = strcmp (name, "status") == 0 ? i : col_status;
    col_start = strcmp (name, "start") == 0 ? i : col_start;
  }
  assert_string_equal (mt_csv_cell (&csv, 0, 0, NULL), "id");
  /* Newest first. */
  assert_string_equal (mt_csv_cell (&csv, 1, 0, NULL), b);
  assert_string_equal (mt_csv_cell (&csv, 2, 0, NULL), a);
  assert_string_equal (mt_csv_cell (&csv, 2, col_status, NULL), "returned");
  assert_string_equal (mt_csv_cell (&csv, 2, col_owner, NULL), "Structure 001");
  assert_string_equal (mt_csv_cell (&csv, 2, col_borrower, NULL), "Structure 002");
  assert_string_equal (mt_csv_cell (&csv, 2, col_incident, NULL), "'=garde-boue cassé");
  assert_string_equal (mt_csv_cell (&csv, 1, col_start, NULL), "2026-06-13T09:00:00Z");
  mt_csv_destroy (&csv);
  mt_buf_destroy (&buf);

  mt_buf_init (&buf, 1024);
  assert_false (mt_loans_export (&c.member.ctx, &buf, &error));
  assert_int_equal (error.code, MT_ERR_FORBIDDEN);
  mt_buf_destroy (&buf);
  /* Beyond the buffer's maximum: a server limit. */
  mt_buf_init (&buf, 100);
  assert_false (mt_loans_export (&c.admin.ctx, &buf, &error));
  assert_int_equal (error.code, MT_ERR_INTERNAL);
  mt_buf_destroy (&buf);
  callers_destroy (&c);
}

int
main (void)
{
  mt_log_set_level (MT_LOG_WARN);
  const struct CMUnitTest tests[] = {
    LX_TEST ("loans/reviews/each_reason_in_order", queue_lists_each_reason_in_order),
    LX_TEST ("loans/reviews/refusals", queue_refuses_members_and_bad_parameters),
    LX_TEST ("loans/review/close_and_follow_up", review_close_and_follow_up),
    LX_TEST ("loans/review/only_returned", review_refuses_loans_not_returned),
    LX_TEST ("loans/audit/newest_first_for_admins", audit_lists_newest_first_for_admins),
    LX_TEST ("loans/export/every_reservation", export_writes_every_reservation),
  };
  return cmocka_run_group_tests_name ("server/services/loans_admin", tests, NULL, NULL);
}
