/*
 * Event coverage (SPEC §3 "Notifications", docs/API.md "Notifications, e-mail and
 * webhooks"): every event is really emitted by the domain code, to the right accounts.
 * The services are driven on a real SQLite store (loans_fixture.h) and the stored in-app
 * notifications and outbox e-mails are read back:
 *   - reservation request received: the owner; an automatic approval: both sides;
 *   - approved / declined: the borrower; cancelled: the other side;
 *   - incident at the return: owner, borrower and the administrators (not without incident);
 *   - the timers: reminders before the start and the end, overdue, expiry: both sides;
 *   - booking changes: the other party;
 *   - need answered: the author.
 * The invited account of the borrower's member is never told.
 */
#include "loans_fixture.h"

#include "bookings.h"
#include "events.h"
#include "listings.h"
#include "mt_json.h"
#include "needs.h"
#include "notifications.h"
#include "sweeps.h"

#include "mt_time.h"

/* ---- Helpers ------------------------------------------------------------------------------ */

typedef struct {
  lx_t *lx;
  fx_caller_t owner;
  fx_caller_t borrower;
  fx_caller_t admin;
} cv_t;

static int
cv_setup (void **state)
{
  cv_t *cv = calloc (1, sizeof *cv);

  if (!cv || lx_setup ((void **) &cv->lx) != 0) {
    free (cv);
    return -1;
  }
  fx_caller (cv->lx->fx, cv->lx->owner_account, &cv->owner);
  fx_caller (cv->lx->fx, cv->lx->borrower_account, &cv->borrower);
  fx_caller (cv->lx->fx, cv->lx->admin_account, &cv->admin);
  cv->owner.ctx.env = &cv->lx->env;
  cv->borrower.ctx.env = &cv->lx->env;
  cv->admin.ctx.env = &cv->lx->env;
  *state = cv;
  return 0;
}

static int
cv_teardown (void **state)
{
  cv_t *cv = *state;
  void *lx = cv->lx;

  fx_caller_destroy (&cv->owner);
  fx_caller_destroy (&cv->borrower);
  fx_caller_destroy (&cv->admin);
  lx_teardown (&lx);
  free (cv);
  return 0;
}

#define CV_TEST(name, fn)                                                                          \
  {                                                                                                \
    name, fn, cv_setup, cv_teardown, NULL                                                          \
  }

static void
jdoc (const char *text, bson_t *out)
{
  char buf[2048];
  size_t len = strlen (text);
  mt_error_t error;

  assert_true (len < sizeof buf);
  for (size_t i = 0; i <= len; i++) {
    buf[i] = text[i] == '\'' ? '"' : text[i];
  }
  if (!mt_json_parse_object (buf, len, MT_JSON_STRICT, out, &error)) {
    fail_msg ("bad test JSON (%s): %s", error.message, buf);
  }
}

/* Number of notifications of @account_id whose kind is @kind. */
static uint32_t
cv_told (cv_t *cv, const char *account_id, const char *kind)
{
  mt_store_page_t page;
  mt_error_t error;
  bson_iter_t it;
  uint32_t count = 0;

  if (!cv->lx->fx->store->ops->notification_list (cv->lx->fx->store, account_id, NULL, 100, &page,
                                                  &error)) {
    fail_msg ("notification_list: %s", error.message);
  }
  if (bson_iter_init (&it, &page.items)) {
    while (bson_iter_next (&it)) {
      bson_t doc;
      uint32_t len;
      const uint8_t *data;
      bson_iter_document (&it, &len, &data);
      if (bson_init_static (&doc, data, len) && mt_bson_str_eq (&doc, "kind", kind)) {
        count++;
      }
    }
  }
  mt_store_page_destroy (&page);
  return count;
}

/* Number of queued e-mails of @event to account @account_id, each checked to go to the
 * account's own address. */
static uint32_t
cv_mailed (cv_t *cv, const char *account_id, const char *event)
{
  mt_store_outbox_query_t query = { .kind = "email", .limit = 100 };
  mt_store_page_t page;
  mt_error_t error;
  bson_iter_t it;
  bson_t account;
  uint32_t count = 0;

  fx_get (cv->lx->fx, true, account_id, &account);
  if (!cv->lx->fx->store->ops->outbox_list (cv->lx->fx->store, &query, &page, &error)) {
    fail_msg ("outbox_list: %s", error.message);
  }
  if (bson_iter_init (&it, &page.items)) {
    while (bson_iter_next (&it)) {
      bson_t doc;
      uint32_t len;
      const uint8_t *data;
      bson_iter_document (&it, &len, &data);
      if (bson_init_static (&doc, data, len) && mt_bson_str_eq (&doc, "event", event) &&
          mt_bson_str_eq (&doc, "account_id", account_id)) {
        assert_string_equal (mt_bson_str (&doc, "to"), mt_bson_str (&account, "email"));
        count++;
      }
    }
  }
  mt_store_page_destroy (&page);
  bson_destroy (&account);
  return count;
}

/* Who was told @kind (in-app) and e-mailed @event: owner, borrower, admin, borrower's invited
 * colleague, each 0 or 1 (@mails e-mails of @event for each one told: two reminders share
 * one event name). */
static void
cv_expect_mails (cv_t *cv, const char *kind, const char *event, int owner, int borrower, int admin,
                 int mails)
{
  lx_t *lx = cv->lx;
  const struct {
    const char *who;
    const char *account;
    int expected;
  } rows[] = {
    { "owner", lx->owner_account, owner },
    { "borrower", lx->borrower_account, borrower },
    { "admin", lx->admin_account, admin },
    { "invited", lx->borrower_invited, 0 },
  };

  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    uint32_t told = cv_told (cv, rows[i].account, kind);
    uint32_t mailed = cv_mailed (cv, rows[i].account, event);
    if (told != (uint32_t) rows[i].expected || mailed != (uint32_t) (rows[i].expected * mails)) {
      fail_msg ("%s: %s told %u, %s mailed %u; expected %d", rows[i].who, kind, told, event, mailed,
                rows[i].expected);
    }
  }
}

static void
cv_expect (cv_t *cv, const char *kind, const char *event, int owner, int borrower, int admin)
{
  cv_expect_mails (cv, kind, event, owner, borrower, admin, 1);
}

/* A published good of the owner (@extra: more JSON fields, ',' first, or NULL); its id to
 * @id. */
static void
cv_good (cv_t *cv, const char *extra, char id[MT_ID_SIZE])
{
  char text[1024];
  bson_t body;
  bson_t out;

  snprintf (text, sizeof text,
            "{'kind':'good','title':'Vélo cargo','category':'velos-cargo','status':'published',"
            "'pickup':{'address':'12 rue des Arts, Roubaix'}%s}",
            extra ? extra : "");
  jdoc (text, &body);
  OK (mt_listing_create (&cv->owner.ctx, &body, &out, id, &fx_err));
  bson_destroy (&out);
  bson_destroy (&body);
}

/* A request by the borrower of [start, end) on @listing; its id to @id. */
static void
cv_reserve (cv_t *cv, const char *listing, int64_t start, int64_t end, char id[MT_ID_SIZE])
{
  char s[MT_TIME_RFC3339_MAX], e[MT_TIME_RFC3339_MAX];
  bson_t body = BSON_INITIALIZER;
  bson_t out;

  mt_time_format_rfc3339 (start, s);
  mt_time_format_rfc3339 (end, e);
  BSON_APPEND_UTF8 (&body, "listing_id", listing);
  BSON_APPEND_UTF8 (&body, "start", s);
  BSON_APPEND_UTF8 (&body, "end", e);
  OK (mt_reservation_create (&cv->borrower.ctx, &body, &out, id, &fx_err));
  bson_destroy (&out);
  bson_destroy (&body);
}

#define START (FX_NOW_MS + 3 * LX_DAY)
#define END (FX_NOW_MS + 5 * LX_DAY)

/* mt_reservation_act as @c with the JSON body @text (may be NULL). */
static void
cv_act (fx_caller_t *c, const char *id, mt_reservation_action_t action, const char *text)
{
  bson_t body;
  bson_t out;

  if (text) {
    jdoc (text, &body);
  }
  OK (mt_reservation_act (&c->ctx, id, action, text ? &body : NULL, NULL, &out, &fx_err));
  if (text) {
    bson_destroy (&body);
  }
  bson_destroy (&out);
}

/* ---- Reservations -------------------------------------------------------------------------- */

static void
reservation_requested_tells_owner (void **state)
{
  cv_t *cv = *state;
  char id[MT_ID_SIZE];
  char good[MT_ID_SIZE];

  cv_good (cv, NULL, good);
  cv_reserve (cv, good, START, END, id);
  cv_expect (cv, "reservation_requested", "reservation.requested", 1, 0, 0);
  cv_expect (cv, "reservation_approved", "reservation.approved", 0, 0, 0);
}

static void
reservation_auto_approved_tells_both (void **state)
{
  cv_t *cv = *state;
  char listing[MT_ID_SIZE];
  char id[MT_ID_SIZE];

  cv_good (cv, ",'approval':'auto'", listing);
  cv_reserve (cv, listing, START, END, id);
  cv_expect (cv, "reservation_approved", "reservation.approved", 1, 1, 0);
  cv_expect (cv, "reservation_requested", "reservation.requested", 0, 0, 0);
}

static void
reservation_approved_tells_borrower (void **state)
{
  cv_t *cv = *state;
  char id[MT_ID_SIZE];
  char good[MT_ID_SIZE];

  cv_good (cv, NULL, good);
  cv_reserve (cv, good, START, END, id);
  cv_act (&cv->owner, id, MT_RESERVATION_APPROVE, NULL);
  cv_expect (cv, "reservation_approved", "reservation.approved", 0, 1, 0);
  /* A checkout tells nobody. */
  cv_act (&cv->owner, id, MT_RESERVATION_CHECKOUT, "{'condition_note':'bon état'}");
  assert_int_equal (lx_notifications (cv->lx, cv->lx->borrower_account, NULL, 0), 1);
  assert_int_equal (lx_notifications (cv->lx, cv->lx->owner_account, NULL, 0), 1);
}

static void
reservation_declined_tells_borrower (void **state)
{
  cv_t *cv = *state;
  char id[MT_ID_SIZE];
  char good[MT_ID_SIZE];

  cv_good (cv, NULL, good);
  cv_reserve (cv, good, START, END, id);
  cv_act (&cv->owner, id, MT_RESERVATION_DECLINE, "{'reason':'indisponible'}");
  cv_expect (cv, "reservation_declined", "reservation.declined", 0, 1, 0);
}

static void
reservation_cancelled_tells_other_side (void **state)
{
  cv_t *cv = *state;
  char a[MT_ID_SIZE], b[MT_ID_SIZE], c[MT_ID_SIZE];
  char good[MT_ID_SIZE];

  cv_good (cv, NULL, good);
  cv_reserve (cv, good, START, END, a);
  cv_act (&cv->borrower, a, MT_RESERVATION_CANCEL, "{'reason':'plus besoin'}");
  cv_expect (cv, "reservation_cancelled", "reservation.cancelled", 1, 0, 0);
  cv_reserve (cv, good, START, END, b);
  cv_act (&cv->owner, b, MT_RESERVATION_APPROVE, NULL);
  cv_act (&cv->owner, b, MT_RESERVATION_CANCEL, "{'reason':'bien en panne'}");
  cv_expect (cv, "reservation_cancelled", "reservation.cancelled", 1, 1, 0);
  /* Cancelled by an administrator of neither side: both sides. */
  cv_reserve (cv, good, START, END, c);
  cv_act (&cv->admin, c, MT_RESERVATION_CANCEL, "{'reason':'doublon'}");
  assert_int_equal (cv_told (cv, cv->lx->owner_account, "reservation_cancelled"), 2);
  assert_int_equal (cv_told (cv, cv->lx->borrower_account, "reservation_cancelled"), 2);
  assert_int_equal (cv_told (cv, cv->lx->admin_account, "reservation_cancelled"), 0);
  assert_int_equal (cv_mailed (cv, cv->lx->owner_account, "reservation.cancelled"), 2);
  assert_int_equal (cv_mailed (cv, cv->lx->borrower_account, "reservation.cancelled"), 2);
}

static void
reservation_incident_tells_owner_and_admins (void **state)
{
  cv_t *cv = *state;
  char a[MT_ID_SIZE], b[MT_ID_SIZE];
  char good[MT_ID_SIZE];

  cv_good (cv, NULL, good);

  /* A return without incident tells nobody. */
  cv_reserve (cv, good, START, END, a);
  cv_act (&cv->owner, a, MT_RESERVATION_APPROVE, NULL);
  cv_act (&cv->owner, a, MT_RESERVATION_CHECKOUT, "{'condition_note':'bon état'}");
  cv_act (&cv->owner, a, MT_RESERVATION_RETURN, "{'condition_note':'bon état'}");
  cv_expect (cv, "reservation_incident", "reservation.incident", 0, 0, 0);
  /* With an incident: the owner, the borrower and the administrators. */
  cv_reserve (cv, good, END + LX_DAY, END + 2 * LX_DAY, b);
  cv_act (&cv->owner, b, MT_RESERVATION_APPROVE, NULL);
  cv_act (&cv->owner, b, MT_RESERVATION_CHECKOUT, "{'condition_note':'bon état'}");
  cv_act (&cv->owner, b, MT_RESERVATION_RETURN,
          "{'condition_note':'rayé','incident':{'type':'damage','text':'garde-boue cassé'}}");
  cv_expect (cv, "reservation_incident", "reservation.incident", 1, 1, 1);
}

/* ---- Timers -------------------------------------------------------------------------------- */

static void
timers_reminders_overdue_and_expiry_tell_both (void **state)
{
  cv_t *cv = *state;
  lx_t *lx = cv->lx;
  mt_ctx_t ctx = lx_ctx (lx, FX_NOW_MS);
  mt_sweep_report_t report;
  char id[MT_ID_SIZE];
  int64_t lead = (int64_t) lx->config.reminder_lead_hours * LX_HOUR;

  /* Approved, starting within the reminder lead. */
  lx_reservation (lx,
                  &(lx_res_t){ .status = "approved",
                               .start = FX_NOW_MS + lead / 2,
                               .end = FX_NOW_MS + 3 * LX_DAY },
                  id);
  /* Checked out, due back within the lead. */
  lx_reservation (lx,
                  &(lx_res_t){ .status = "checked_out",
                               .start = FX_NOW_MS - 3 * LX_DAY,
                               .end = FX_NOW_MS + lead / 2 },
                  id);
  /* Checked out and late. */
  lx_reservation (lx,
                  &(lx_res_t){ .status = "checked_out",
                               .start = FX_NOW_MS - 9 * LX_DAY,
                               .end = FX_NOW_MS - LX_DAY,
                               .created_at = FX_NOW_MS - 10 * LX_DAY },
                  id);
  /* Requested, never answered. */
  lx_reservation (lx,
                  &(lx_res_t){ .status = "requested",
                               .start = FX_NOW_MS + 5 * LX_DAY,
                               .end = FX_NOW_MS + 6 * LX_DAY,
                               .created_at = FX_NOW_MS - 4 * LX_DAY,
                               .expires_at = FX_NOW_MS - LX_HOUR },
                  id);
  memset (&report, 0, sizeof report);
  mt_sweeps_run (&ctx, &report);
  assert_int_equal (report.errors, 0);
  assert_int_equal (report.reminded_start, 1);
  assert_int_equal (report.reminded_end, 1);
  assert_int_equal (report.overdue, 1);
  assert_int_equal (report.expired, 1);
  cv_expect_mails (cv, "reminder_start", "reservation.reminder", 1, 1, 0, 2);
  cv_expect_mails (cv, "reminder_end", "reservation.reminder", 1, 1, 0, 2);
  cv_expect (cv, "reservation_overdue", "reservation.overdue", 1, 1, 0);
  cv_expect (cv, "reservation_expired", "reservation.expired", 1, 1, 0);
  /* Another pass tells nobody again. */
  mt_sweeps_run (&ctx, &report);
  cv_expect_mails (cv, "reminder_start", "reservation.reminder", 1, 1, 0, 2);
  cv_expect (cv, "reservation_overdue", "reservation.overdue", 1, 1, 0);
}

/* ---- Bookings ------------------------------------------------------------------------------- */

/* A published service of the owner; its id to @id. */
static void
cv_service (cv_t *cv, char id[MT_ID_SIZE])
{
  bson_t body;
  bson_t out;

  jdoc ("{'kind':'service','title':'Animation d\\u2019assemblée générale',"
        "'category':'animation-facilitation','status':'published','duration_minutes':90}",
        &body);
  OK (mt_listing_create (&cv->owner.ctx, &body, &out, id, &fx_err));
  bson_destroy (&out);
  bson_destroy (&body);
}

/* A booking of @service by the borrower, a day ahead; its id to @id. */
static void
cv_book (cv_t *cv, const char *service, char id[MT_ID_SIZE])
{
  char s[MT_TIME_RFC3339_MAX];
  bson_t body = BSON_INITIALIZER;
  bson_t out;

  mt_time_format_rfc3339 (FX_NOW_MS + LX_DAY, s);
  BSON_APPEND_UTF8 (&body, "listing_id", service);
  BSON_APPEND_UTF8 (&body, "start", s);
  OK (mt_booking_create (&cv->borrower.ctx, &body, &out, id, &fx_err));
  bson_destroy (&out);
  bson_destroy (&body);
}

static void
cv_booking_act (fx_caller_t *c, const char *id, mt_booking_action_t action, const char *text)
{
  bson_t body;
  bson_t out;

  if (text) {
    jdoc (text, &body);
  }
  OK (mt_booking_act (&c->ctx, id, action, text ? &body : NULL, NULL, &out, &fx_err));
  if (text) {
    bson_destroy (&body);
  }
  bson_destroy (&out);
}

static void
booking_changes_tell_the_other_party (void **state)
{
  cv_t *cv = *state;
  char service[MT_ID_SIZE];
  char a[MT_ID_SIZE], b[MT_ID_SIZE], c[MT_ID_SIZE];

  cv_service (cv, service);
  /* Requester (the borrower's member) -> provider (the owner's member) and back. */
  cv_book (cv, service, a);
  cv_expect (cv, "booking_requested", "booking.requested", 1, 0, 0);
  cv_booking_act (&cv->owner, a, MT_BOOKING_ACCEPT, NULL);
  cv_expect (cv, "booking_accepted", "booking.accepted", 0, 1, 0);
  cv_booking_act (&cv->owner, a, MT_BOOKING_COMPLETE, NULL);
  cv_expect (cv, "booking_completed", "booking.completed", 0, 1, 0);
  cv_booking_act (&cv->borrower, a, MT_BOOKING_CONFIRM, NULL);
  cv_expect (cv, "booking_confirmed", "booking.confirmed", 1, 0, 0);

  cv_book (cv, service, b);
  cv_booking_act (&cv->owner, b, MT_BOOKING_DECLINE, "{'reason':'complet'}");
  cv_expect (cv, "booking_declined", "booking.declined", 0, 1, 0);

  cv_book (cv, service, c);
  cv_booking_act (&cv->borrower, c, MT_BOOKING_CANCEL, "{'reason':'reporté'}");
  cv_expect (cv, "booking_cancelled", "booking.cancelled", 1, 0, 0);
  /* Three requests in all, each told to the provider once, never to the requester. */
  assert_int_equal (cv_told (cv, cv->lx->owner_account, "booking_requested"), 3);
  assert_int_equal (cv_mailed (cv, cv->lx->owner_account, "booking.requested"), 3);
  assert_int_equal (cv_told (cv, cv->lx->borrower_account, "booking_requested"), 0);
}

/* ---- Needs ----------------------------------------------------------------------------------- */

static void
need_answered_tells_author (void **state)
{
  cv_t *cv = *state;
  char need[MT_ID_SIZE];
  char answer[MT_ID_SIZE];
  bson_t body;
  bson_t out;

  jdoc ("{'kind':'good','title':'Besoin d\\u2019une remorque'}", &body);
  OK (mt_need_create (&cv->owner.ctx, &body, &out, need, &fx_err));
  bson_destroy (&body);
  bson_destroy (&out);
  cv_expect (cv, "need_answered", "need.answered", 0, 0, 0);
  jdoc ("{'text':'Nous en avons une à prêter.'}", &body);
  OK (mt_need_answer (&cv->borrower.ctx, need, &body, &out, answer, &fx_err));
  bson_destroy (&body);
  bson_destroy (&out);
  cv_expect (cv, "need_answered", "need.answered", 1, 0, 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    CV_TEST ("events_coverage/reservation/requested_tells_owner",
             reservation_requested_tells_owner),
    CV_TEST ("events_coverage/reservation/auto_approved_tells_both",
             reservation_auto_approved_tells_both),
    CV_TEST ("events_coverage/reservation/approved_tells_borrower",
             reservation_approved_tells_borrower),
    CV_TEST ("events_coverage/reservation/declined_tells_borrower",
             reservation_declined_tells_borrower),
    CV_TEST ("events_coverage/reservation/cancelled_tells_other_side",
             reservation_cancelled_tells_other_side),
    CV_TEST ("events_coverage/reservation/incident_tells_owner_and_admins",
             reservation_incident_tells_owner_and_admins),
    CV_TEST ("events_coverage/timers/reminders_overdue_and_expiry_tell_both",
             timers_reminders_overdue_and_expiry_tell_both),
    CV_TEST ("events_coverage/bookings/changes_tell_the_other_party",
             booking_changes_tell_the_other_party),
    CV_TEST ("events_coverage/needs/answered_tells_author", need_answered_tells_author),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
