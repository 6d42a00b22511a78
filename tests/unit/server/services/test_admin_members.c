/*
 * Unit tests of server/services/admin_members.c against a real SQLite store: the review
 * list by status, approval and suspension with every refused transition, and the CSV export
 * of members.
 */
#include "members_fixture.h"

#include "admin_members.h"
#include "csv.h"
#include "mt_time.h"

typedef struct {
  char net[MT_ID_SIZE];
  char adm[MT_ID_SIZE], admin[MT_ID_SIZE];
  char pending[MT_ID_SIZE], pending_manager[MT_ID_SIZE];
  char active[MT_ID_SIZE], active_manager[MT_ID_SIZE];
} world_t;

static void
make_world (fx_t *fx, world_t *w)
{
  const char *nets[] = { w->net, NULL };

  fx_network (fx, "apes", w->net);
  fx_member (fx, "active", "platform", NULL, w->adm, w->admin);
  fx_member (fx, "pending", NULL, nets, w->pending, w->pending_manager);
  fx_member (fx, "active", NULL, nets, w->active, w->active_manager);
}

static void
list_by_status_with_limits (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t admin, m;
  mt_store_page_t page;
  char more[MT_ID_SIZE];
  const char *nets[] = { NULL };

  make_world (fx, &w);
  fx_member (fx, "pending", NULL, nets, more, NULL);
  fx_caller (fx, w.admin, &admin);
  fx_caller (fx, w.active_manager, &m);
  OK (mt_admin_members_list (&admin.ctx, NULL, NULL, NULL, &page, &fx_err));
  assert_int_equal (page.count, 2); /* pending by default */
  assert_string_equal (mt_bson_str (&page.items, "0.id"), w.pending);
  assert_string_equal (mt_bson_str (&page.items, "1.id"), more);
  mt_store_page_destroy (&page);
  OK (mt_admin_members_list (&admin.ctx, "pending", NULL, "1", &page, &fx_err));
  assert_int_equal (page.count, 1);
  assert_string_not_equal (page.next_cursor, "");
  {
    char cursor[MT_STORE_CURSOR_MAX];
    snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
    mt_store_page_destroy (&page);
    OK (mt_admin_members_list (&admin.ctx, "pending", cursor, "1", &page, &fx_err));
    assert_string_equal (mt_bson_str (&page.items, "0.id"), more);
    assert_string_equal (page.next_cursor, "");
    mt_store_page_destroy (&page);
  }
  OK (mt_admin_members_list (&admin.ctx, "active", NULL, "100", &page, &fx_err));
  assert_int_equal (page.count, 2);
  mt_store_page_destroy (&page);
  FAILS (mt_admin_members_list (&admin.ctx, "approved", NULL, NULL, &page, &fx_err),
         MT_ERR_BAD_REQUEST);
  mt_store_page_destroy (&page);
  FAILS (mt_admin_members_list (&admin.ctx, NULL, NULL, "0", &page, &fx_err), MT_ERR_BAD_REQUEST);
  mt_store_page_destroy (&page);
  FAILS (mt_admin_members_list (&admin.ctx, NULL, NULL, "ten", &page, &fx_err), MT_ERR_BAD_REQUEST);
  mt_store_page_destroy (&page);
  FAILS (mt_admin_members_list (&admin.ctx, NULL, "garbage", NULL, &page, &fx_err),
         MT_ERR_BAD_REQUEST);
  mt_store_page_destroy (&page);
  FAILS (mt_admin_members_list (&m.ctx, NULL, NULL, NULL, &page, &fx_err), MT_ERR_FORBIDDEN);
  mt_store_page_destroy (&page);
  fx_caller_destroy (&admin);
  fx_caller_destroy (&m);
}

static void
approve_and_suspend_transitions (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t admin;
  bson_t out;
  bson_t stored;

  make_world (fx, &w);
  fx_caller (fx, w.admin, &admin);
  /* pending -> active */
  OK (mt_admin_member_approve (&admin.ctx, w.pending, &out, &fx_err));
  assert_string_equal (mt_bson_str (&out, "status"), "active");
  assert_int_equal (mt_bson_int (&out, "version", 0), 2);
  assert_string_equal (mt_bson_str (&out, "approved_by"), w.admin);
  assert_int_equal (mt_bson_date (&out, "approved_at", 0), FX_NOW_MS);
  bson_destroy (&out);
  /* active -> active: 409 */
  FAILS (mt_admin_member_approve (&admin.ctx, w.pending, &out, &fx_err), MT_ERR_CONFLICT);
  bson_destroy (&out);
  /* active -> suspended */
  OK (mt_admin_member_suspend (&admin.ctx, w.pending, "Prêts non rendus", &out, &fx_err));
  assert_string_equal (mt_bson_str (&out, "status"), "suspended");
  assert_string_equal (mt_bson_str (&out, "status_reason"), "Prêts non rendus");
  assert_string_equal (mt_bson_str (&out, "suspended_by"), w.admin);
  bson_destroy (&out);
  fx_get (fx, false, w.pending, &stored);
  assert_string_equal (mt_bson_str (&stored, "status"), "suspended");
  assert_int_equal (mt_bson_int (&stored, "version", 0), 3);
  bson_destroy (&stored);
  /* suspended -> suspended: 409 */
  FAILS (mt_admin_member_suspend (&admin.ctx, w.pending, "encore", &out, &fx_err), MT_ERR_CONFLICT);
  bson_destroy (&out);
  /* suspended -> active clears the reason */
  OK (mt_admin_member_approve (&admin.ctx, w.pending, &out, &fx_err));
  assert_string_equal (mt_bson_str (&out, "status"), "active");
  assert_false (mt_bson_has (&out, "status_reason"));
  bson_destroy (&out);
  fx_caller_destroy (&admin);
}

static void
refused_transitions (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t admin, other_admin, m;
  char deleted[MT_ID_SIZE];
  char admin2[MT_ID_SIZE];
  const char *nets[] = { NULL };
  bson_t out;

  make_world (fx, &w);
  fx_member (fx, "deleted", NULL, nets, deleted, NULL);
  fx_account (fx, w.active, "staff", "active", "admin", admin2);
  fx_caller (fx, w.admin, &admin);
  fx_caller (fx, admin2, &other_admin);
  fx_caller (fx, w.active_manager, &m);
  FAILS (mt_admin_member_approve (&admin.ctx, deleted, &out, &fx_err), MT_ERR_CONFLICT);
  bson_destroy (&out);
  FAILS (mt_admin_member_suspend (&admin.ctx, deleted, "motif", &out, &fx_err), MT_ERR_CONFLICT);
  bson_destroy (&out);
  FAILS (mt_admin_member_suspend (&other_admin.ctx, w.adm, "motif", &out, &fx_err),
         MT_ERR_CONFLICT);
  bson_destroy (&out);
  /* an administrator cannot suspend their own member */
  FAILS (mt_admin_member_suspend (&other_admin.ctx, w.active, "motif", &out, &fx_err),
         MT_ERR_CONFLICT);
  bson_destroy (&out);
  FAILS (mt_admin_member_suspend (&admin.ctx, w.active, "", &out, &fx_err), MT_ERR_VALIDATION);
  bson_destroy (&out);
  FAILS (mt_admin_member_approve (&admin.ctx, "mem_AAAAAAAAAAAAAAAAAAAAAA", &out, &fx_err),
         MT_ERR_NOT_FOUND);
  bson_destroy (&out);
  FAILS (mt_admin_member_approve (&m.ctx, w.pending, &out, &fx_err), MT_ERR_FORBIDDEN);
  bson_destroy (&out);
  FAILS (mt_admin_member_suspend (&m.ctx, w.pending, "motif", &out, &fx_err), MT_ERR_FORBIDDEN);
  bson_destroy (&out);
  /* pending -> suspended is allowed (refusing a sign-up) */
  OK (mt_admin_member_suspend (&admin.ctx, w.pending, "Inscription frauduleuse", &out, &fx_err));
  bson_destroy (&out);
  fx_caller_destroy (&admin);
  fx_caller_destroy (&other_admin);
  fx_caller_destroy (&m);
}

/* The CSV export: organisations only, every column, names of networks, the formula guard,
 * administrators only. */
static void
export_members_as_csv (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t admin, m;
  mt_buf_t out;
  mt_csv_t csv;
  mt_csv_limits_t limits = { .max_field = 1000, .max_columns = 32, .max_rows = 100 };
  bson_t member, renamed, patch = BSON_INITIALIZER;
  size_t active_row = 0, renamed_row = 0;
  static const char *const header[] = { "id",           "name",          "kind",
                                        "status",       "departement",   "commune",
                                        "networks",     "contact_email", "contact_phone",
                                        "website",      "created_at",    "approved_at",
                                        "suspended_at", "deleted_at" };

  make_world (fx, &w);
  /* A name a spreadsheet would run as a formula. */
  fx_get (fx, false, w.pending, &member);
  BSON_APPEND_UTF8 (&patch, "name", "=HYPERLINK(\"http://evil.example\")");
  mt_bson_merge (&member, &patch, &renamed);
  OK (fx->store->ops->member_update (fx->store, w.pending, mt_bson_int (&member, "version", 0),
                                     &renamed, &fx_err));
  bson_destroy (&member);
  bson_destroy (&renamed);
  bson_destroy (&patch);
  fx_caller (fx, w.admin, &admin);
  fx_caller (fx, w.active_manager, &m);

  mt_buf_init (&out, MT_MEMBERS_EXPORT_MAX);
  assert_false (mt_admin_members_export (&m.ctx, &out, &fx_err));
  assert_int_equal (fx_err.code, MT_ERR_FORBIDDEN);
  mt_buf_reset (&out);
  OK (mt_admin_members_export (&admin.ctx, &out, &fx_err));
  assert_memory_equal (out.data, MT_CSV_BOM, 3);
  assert_null (strstr (mt_buf_cstr (&out), "manager")); /* no account, no person */
  assert_true (mt_csv_read (out.data, out.len, &limits, &csv, &fx_err));
  assert_int_equal (csv.columns, sizeof header / sizeof header[0]);
  for (size_t c = 0; c < csv.columns; c++) {
    assert_string_equal (mt_csv_cell (&csv, 0, c, NULL), header[c]);
  }
  assert_int_equal (csv.records, 4); /* header + the three members */
  for (size_t r = 1; r < csv.records; r++) {
    if (strcmp (mt_csv_cell (&csv, r, 0, NULL), w.active) == 0) {
      active_row = r;
    } else if (strcmp (mt_csv_cell (&csv, r, 0, NULL), w.pending) == 0) {
      renamed_row = r;
    }
  }
  assert_true (active_row > 0 && renamed_row > 0);
  assert_string_equal (mt_csv_cell (&csv, active_row, 2, NULL), "association");
  assert_string_equal (mt_csv_cell (&csv, active_row, 3, NULL), "active");
  assert_string_equal (mt_csv_cell (&csv, active_row, 4, NULL), "59");
  assert_string_equal (mt_csv_cell (&csv, active_row, 5, NULL), "Lille");
  assert_string_equal (mt_csv_cell (&csv, active_row, 6, NULL), "apes");
  assert_string_equal (mt_csv_cell (&csv, active_row, 7, NULL), "contact@example.org");
  assert_string_equal (mt_csv_cell (&csv, active_row, 8, NULL), "");
  {
    const char *created = mt_csv_cell (&csv, active_row, 10, NULL);
    int64_t ms = 0;
    assert_true (mt_time_parse_rfc3339 (created, strlen (created), &ms)); /* RFC 3339 UTC */
    assert_true (ms > 0 && created[strlen (created) - 1] == 'Z');
  }
  assert_string_equal (mt_csv_cell (&csv, renamed_row, 1, NULL),
                       "'=HYPERLINK(\"http://evil.example\")");
  assert_string_equal (mt_csv_cell (&csv, renamed_row, 3, NULL), "pending");
  mt_csv_destroy (&csv);
  mt_buf_destroy (&out);
  fx_caller_destroy (&admin);
  fx_caller_destroy (&m);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    { "admin/members/list_by_status_with_limits", list_by_status_with_limits, fx_setup, fx_teardown,
      NULL },
    { "admin/members/approve_and_suspend", approve_and_suspend_transitions, fx_setup, fx_teardown,
      NULL },
    { "admin/members/refused_transitions", refused_transitions, fx_setup, fx_teardown, NULL },
    { "admin/members/export_csv", export_members_as_csv, fx_setup, fx_teardown, NULL },
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
