/*
 * Unit tests of server/services/events.c against a real SQLite store (loans_fixture.h): the
 * accounts concerned get one in-app notification each (invited, removed and deleted accounts
 * none, each account once), the administrators when asked, one e-mail per account queued in
 * the outbox with the right "to" and in the account's language, webhook deliveries only for
 * the webhooks subscribed to the event, deterministic ids (emitting again stores nothing
 * new), no e-mail without a sendmail command, refused events (unknown name, incomplete).
 */
#include "loans_fixture.h"

#include "accounts.h"
#include "events.h"
#include "mail.h"
#include "mt_json.h"
#include "notifications.h"

/* ---- Helpers ------------------------------------------------------------------------------ */

/* Every outbox message of @kind (NULL: any) into @page. */
static void
ev_outbox (lx_t *lx, const char *kind, mt_store_page_t *page)
{
  mt_store_outbox_query_t query = { .kind = kind, .limit = 100 };
  mt_error_t error;

  if (!lx->fx->store->ops->outbox_list (lx->fx->store, &query, page, &error)) {
    fail_msg ("outbox_list: %s", error.message);
  }
}

static uint32_t
ev_outbox_count (lx_t *lx, const char *kind)
{
  mt_store_page_t page;
  uint32_t count;

  ev_outbox (lx, kind, &page);
  count = page.count;
  mt_store_page_destroy (&page);
  return count;
}

/* The outbox message of @kind whose @field is @value into @out (initialised here); false
 * when there is none. Fails when there are several. */
static bool
ev_outbox_find (lx_t *lx, const char *kind, const char *field, const char *value, bson_t *out)
{
  mt_store_page_t page;
  bson_iter_t it;
  int found = 0;

  bson_init (out);
  ev_outbox (lx, kind, &page);
  if (bson_iter_init (&it, &page.items)) {
    while (bson_iter_next (&it)) {
      bson_t doc;
      uint32_t len;
      const uint8_t *data;
      bson_iter_document (&it, &len, &data);
      if (bson_init_static (&doc, data, len) && mt_bson_str_eq (&doc, field, value)) {
        found++;
        bson_destroy (out);
        bson_copy_to (&doc, out);
      }
    }
  }
  mt_store_page_destroy (&page);
  if (found > 1) {
    fail_msg ("%d outbox messages with %s = %s", found, field, value);
  }
  return found == 1;
}

/* A webhook subscribed to @events (NULL-terminated); its id to @id. */
static void
ev_webhook (lx_t *lx, const char *const *events, char id[MT_ID_SIZE])
{
  bson_t doc = BSON_INITIALIZER;
  mt_error_t error;
  static int n;

  mt_id_new ("whk", id);
  BSON_APPEND_UTF8 (&doc, "id", id);
  BSON_APPEND_UTF8 (&doc, "url", "http://127.0.0.1:9/hook");
  mt_bson_append_str_array (&doc, "events", events);
  BSON_APPEND_UTF8 (&doc, "secret", "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0");
  BSON_APPEND_DATE_TIME (&doc, "created_at", FX_CREATED_MS (++n));
  BSON_APPEND_UTF8 (&doc, "created_by", lx->admin_account);
  if (!lx->fx->store->ops->webhook_insert (lx->fx->store, &doc, &error)) {
    fail_msg ("webhook_insert: %s", error.message);
  }
  bson_destroy (&doc);
}

/* Replaces account @id by @patch merged into it. */
static void
ev_account_patch (lx_t *lx, const char *id, const bson_t *patch)
{
  bson_t doc;
  bson_t next;
  mt_error_t error;

  fx_get (lx->fx, true, id, &doc);
  mt_bson_merge (&doc, patch, &next);
  if (!lx->fx->store->ops->account_update (lx->fx->store, id, mt_bson_int (&doc, "version", 0),
                                           &next, &error)) {
    fail_msg ("account_update: %s", error.message);
  }
  bson_destroy (&doc);
  bson_destroy (&next);
}

/* An account of @member_id erased with @status ("removed" | "deleted"); its id to @id. */
static void
ev_erased_account (lx_t *lx, const char *member_id, const char *status, char id[MT_ID_SIZE])
{
  bson_t doc;
  bson_t erased;
  mt_error_t error;

  fx_account (lx->fx, member_id, "staff", "active", NULL, id);
  fx_get (lx->fx, true, id, &doc);
  mt_account_anonymised (&doc, status, FX_NOW_MS, &erased);
  if (!lx->fx->store->ops->account_update (lx->fx->store, id, mt_bson_int (&doc, "version", 0),
                                           &erased, &error)) {
    fail_msg ("account_update: %s", error.message);
  }
  bson_destroy (&doc);
  bson_destroy (&erased);
}

static const char *
ev_email (lx_t *lx, const char *account_id, char *out, size_t size)
{
  bson_t doc;

  fx_get (lx->fx, true, account_id, &doc);
  snprintf (out, size, "%s", mt_bson_str (&doc, "email"));
  bson_destroy (&doc);
  return out;
}

/* An event of @name about reservation "res_test" with key @key and members @members. */
static mt_event_t
ev_event (const char *name, const char *key, const char *const *members)
{
  mt_event_t event = {
    .event = name,
    .entity = "reservation",
    .entity_id = "res_test",
    .key = key,
    .member_ids = members,
    .text_fr = "Réservation acceptée : « Vélo cargo biporteur »",
    .text_en = "Reservation approved: \"Vélo cargo biporteur\"",
  };
  return event;
}

/* Records @event and checks the counts of what was written. */
static void
ev_record (lx_t *lx, const mt_event_t *event, int notifications, int emails, int deliveries)
{
  mt_ctx_t ctx = lx_ctx (lx, FX_NOW_MS);
  mt_event_report_t report = { -1, -1, -1 };
  mt_error_t error = { 0 };

  if (!mt_event_record (&ctx, event, NULL, &report, &error)) {
    fail_msg ("mt_event_record: %s", error.message);
  }
  assert_int_equal (report.notifications, notifications);
  assert_int_equal (report.emails, emails);
  assert_int_equal (report.deliveries, deliveries);
}

/* ---- Recipients ---------------------------------------------------------------------------- */

static void
emit_tells_active_accounts_once (void **state)
{
  lx_t *lx = *state;
  char colleague[MT_ID_SIZE], removed[MT_ID_SIZE], deleted[MT_ID_SIZE];
  const char *members[] = { lx->borrower, lx->owner, lx->borrower, NULL };
  mt_event_t event = ev_event ("reservation.approved", "res_test:approved", members);
  mt_ctx_t ctx = lx_ctx (lx, FX_NOW_MS);
  mt_store_page_t page;
  mt_error_t error = { 0 };
  char id[MT_NOTIFICATION_ID_MAX];

  fx_account (lx->fx, lx->borrower, "staff", "active", NULL, colleague);
  ev_erased_account (lx, lx->borrower, "removed", removed);
  ev_erased_account (lx, lx->owner, "deleted", deleted);
  assert_true (mt_event_emit (&ctx, &event, &error));

  /* One notification for each active account of the members named, even when a member is
   * named twice; none for the invited, removed and deleted accounts nor for the admins. */
  assert_int_equal (lx_notifications (lx, lx->borrower_account, id, sizeof id), 1);
  assert_true (strncmp (id, "res_test:approved:", 18) == 0);
  assert_string_equal (id + 18, lx->borrower_account);
  assert_int_equal (lx_notifications (lx, colleague, NULL, 0), 1);
  assert_int_equal (lx_notifications (lx, lx->owner_account, NULL, 0), 1);
  assert_int_equal (lx_notifications (lx, lx->borrower_invited, NULL, 0), 0);
  assert_int_equal (lx_notifications (lx, removed, NULL, 0), 0);
  assert_int_equal (lx_notifications (lx, deleted, NULL, 0), 0);
  assert_int_equal (lx_notifications (lx, lx->admin_account, NULL, 0), 0);

  /* The stored notification: kind derived from the name, both texts, the entity. */
  assert_true (lx->fx->store->ops->notification_list (lx->fx->store, lx->owner_account, NULL, 10,
                                                      &page, &error));
  assert_string_equal (mt_bson_str (&page.items, "0.kind"), "reservation_approved");
  assert_string_equal (mt_bson_str (&page.items, "0.entity_id"), "res_test");
  assert_string_equal (mt_bson_str (&page.items, "0.text_fr"), event.text_fr);
  assert_string_equal (mt_bson_str (&page.items, "0.text_en"), event.text_en);
  mt_store_page_destroy (&page);

  /* One e-mail per told account, to its own address; nothing else. */
  assert_int_equal (ev_outbox_count (lx, "email"), 3);
  assert_int_equal (ev_outbox_count (lx, "webhook"), 0);
  {
    const char *told[] = { lx->borrower_account, colleague, lx->owner_account };
    for (int i = 0; i < 3; i++) {
      bson_t msg;
      char email[MT_EMAIL_MAX + 1];
      char to_header[300];
      assert_true (ev_outbox_find (lx, "email", "account_id", told[i], &msg));
      ev_email (lx, told[i], email, sizeof email);
      assert_string_equal (mt_bson_str (&msg, "to"), email);
      assert_string_equal (mt_bson_str (&msg, "event"), "reservation.approved");
      assert_string_equal (mt_bson_str (&msg, "status"), "pending");
      assert_true (strncmp (mt_bson_str (&msg, "id"), "eml_", 4) == 0);
      snprintf (to_header, sizeof to_header, "<%s>\n", email);
      assert_non_null (strstr (mt_bson_str (&msg, "payload.message"), to_header));
      bson_destroy (&msg);
    }
  }
}

static void
emit_record_reports_counts (void **state)
{
  lx_t *lx = *state;
  const char *members[] = { lx->borrower, lx->owner, NULL };
  mt_event_t event = ev_event ("reservation.approved", "res_test:approved", members);

  ev_record (lx, &event, 2, 2, 0);
}

static void
emit_notify_admins (void **state)
{
  lx_t *lx = *state;
  char staff[MT_ID_SIZE], second_admin[MT_ID_SIZE], invited_admin[MT_ID_SIZE];
  char outsider_admin[MT_ID_SIZE];
  const char *members[] = { lx->owner, lx->admin_member, NULL };
  mt_event_t event = ev_event ("reservation.incident", "res_test:incident", members);

  /* A non-admin account of the platform's member, another admin, an invited admin, and an
   * account with the admin role in an ordinary member (not the platform's). */
  fx_account (lx->fx, lx->admin_member, "staff", "active", "member", staff);
  fx_account (lx->fx, lx->admin_member, "staff", "active", "admin", second_admin);
  fx_account (lx->fx, lx->admin_member, "staff", "invited", "admin", invited_admin);
  fx_account (lx->fx, lx->borrower, "staff", "active", "admin", outsider_admin);
  event.notify_admins = true;
  /* The owner, the platform's member named (both of its active accounts), and the admins
   * again: each once. */
  ev_record (lx, &event, 4, 4, 0);
  assert_int_equal (lx_notifications (lx, lx->owner_account, NULL, 0), 1);
  assert_int_equal (lx_notifications (lx, lx->admin_account, NULL, 0), 1);
  assert_int_equal (lx_notifications (lx, second_admin, NULL, 0), 1);
  assert_int_equal (lx_notifications (lx, staff, NULL, 0), 1); /* named as a member */
  assert_int_equal (lx_notifications (lx, invited_admin, NULL, 0), 0);
  assert_int_equal (lx_notifications (lx, outsider_admin, NULL, 0), 0);
  assert_int_equal (lx_notifications (lx, lx->borrower_account, NULL, 0), 0);

  /* Only the admins when the platform's member is not named. */
  members[1] = NULL;
  event.key = "res_test:incident-2";
  ev_record (lx, &event, 3, 3, 0);
  assert_int_equal (lx_notifications (lx, staff, NULL, 0), 1);
  assert_int_equal (lx_notifications (lx, second_admin, NULL, 0), 2);
}

static void
emit_mail_in_account_language (void **state)
{
  lx_t *lx = *state;
  const char *members[] = { lx->borrower, lx->owner, NULL };
  mt_event_t event = ev_event ("reservation.approved", "res_test:approved", members);
  bson_t patch = BSON_INITIALIZER;
  bson_t msg;
  const char *text;

  BSON_APPEND_UTF8 (&patch, "lang", "en");
  ev_account_patch (lx, lx->owner_account, &patch);
  snprintf (lx->config.public_url, sizeof lx->config.public_url, "https://mutua.example");
  ev_record (lx, &event, 2, 2, 0);
  assert_true (ev_outbox_find (lx, "email", "account_id", lx->owner_account, &msg));
  text = mt_bson_str (&msg, "payload.message");
  assert_non_null (strstr (text, "\nX-Mutua-Event: reservation.approved\n"));
  assert_non_null (strstr (text, "\n\nHello Camille Martin,\n"));
  assert_non_null (strstr (text, "Details: https://mutua.example/reservations/res_test\n"));
  assert_null (strstr (text, "Bonjour"));
  bson_destroy (&msg);
  assert_true (ev_outbox_find (lx, "email", "account_id", lx->borrower_account, &msg));
  text = mt_bson_str (&msg, "payload.message");
  assert_non_null (strstr (text, "\n\nBonjour Camille Martin,\n"));
  assert_non_null (strstr (text, "https://mutua.example/reservations/res_test\n"));
  assert_null (strstr (text, "Hello"));
  bson_destroy (&msg);
  bson_destroy (&patch);
}

static void
emit_without_sendmail_command_no_mail (void **state)
{
  lx_t *lx = *state;
  const char *members[] = { lx->borrower, lx->owner, NULL };
  mt_event_t event = ev_event ("reservation.approved", "res_test:approved", members);

  lx->config.sendmail_command[0] = '\0';
  ev_record (lx, &event, 2, 0, 0);
  assert_int_equal (ev_outbox_count (lx, "email"), 0);
  assert_int_equal (lx_notifications (lx, lx->owner_account, NULL, 0), 1);
}

static void
emit_unusable_address_skips_mail_only (void **state)
{
  lx_t *lx = *state;
  const char *members[] = { lx->borrower, lx->owner, NULL };
  mt_event_t event = ev_event ("reservation.approved", "res_test:approved", members);
  bson_t patch = BSON_INITIALIZER;

  BSON_APPEND_UTF8 (&patch, "email", "owner@example.org\nBcc: eve@example.org");
  ev_account_patch (lx, lx->owner_account, &patch);
  ev_record (lx, &event, 2, 1, 0);
  assert_int_equal (lx_notifications (lx, lx->owner_account, NULL, 0), 1);
  assert_int_equal (ev_outbox_count (lx, "email"), 1);
  bson_destroy (&patch);
}

/* ---- Webhooks ------------------------------------------------------------------------------ */

static void
emit_webhooks_only_subscribed (void **state)
{
  lx_t *lx = *state;
  const char *const sub_a[] = { "reservation.approved", NULL };
  const char *const sub_b[] = { "booking.accepted", "reservation.declined", NULL };
  const char *const sub_c[] = { "need.answered", "reservation.approved", NULL };
  char a[MT_ID_SIZE], b[MT_ID_SIZE], c[MT_ID_SIZE];
  const char *members[] = { lx->owner, NULL };
  mt_event_t event = ev_event ("reservation.approved", "res_test:approved", members);
  char event_id[MT_ID_SIZE];
  bson_t data = BSON_INITIALIZER;
  bson_t msg;
  bson_t body;
  mt_error_t error;
  const char *json;

  ev_webhook (lx, sub_a, a);
  ev_webhook (lx, sub_b, b);
  ev_webhook (lx, sub_c, c);
  BSON_APPEND_UTF8 (&data, "reservation_id", "res_test");
  BSON_APPEND_INT32 (&data, "units", 2);
  event.data = &data;
  ev_record (lx, &event, 1, 1, 2);
  assert_int_equal (ev_outbox_count (lx, "webhook"), 2);
  assert_false (ev_outbox_find (lx, "webhook", "webhook_id", b, &msg));
  bson_destroy (&msg);
  mt_event_id ("res_test:approved", event_id);
  assert_true (strncmp (event_id, "evt_", 4) == 0);
  for (int i = 0; i < 2; i++) {
    assert_true (ev_outbox_find (lx, "webhook", "webhook_id", i ? c : a, &msg));
    assert_true (strncmp (mt_bson_str (&msg, "id"), "dlv_", 4) == 0);
    assert_string_equal (mt_bson_str (&msg, "event"), "reservation.approved");
    assert_string_equal (mt_bson_str (&msg, "event_id"), event_id);
    assert_string_equal (mt_bson_str (&msg, "status"), "pending");
    json = mt_bson_str (&msg, "payload.body");
    assert_non_null (json);
    assert_true (mt_json_parse_object (json, strlen (json), 0, &body, &error));
    assert_string_equal (mt_bson_str (&body, "id"), event_id);
    assert_string_equal (mt_bson_str (&body, "event"), "reservation.approved");
    assert_string_equal (mt_bson_str (&body, "entity"), "reservation");
    assert_string_equal (mt_bson_str (&body, "entity_id"), "res_test");
    assert_string_equal (mt_bson_str (&body, "data.reservation_id"), "res_test");
    assert_int_equal (mt_bson_int (&body, "data.units", 0), 2);
    bson_destroy (&body);
    bson_destroy (&msg);
  }
  /* Each webhook has its own delivery id. */
  {
    bson_t da, dc;
    assert_true (ev_outbox_find (lx, "webhook", "webhook_id", a, &da));
    assert_true (ev_outbox_find (lx, "webhook", "webhook_id", c, &dc));
    assert_string_not_equal (mt_bson_str (&da, "id"), mt_bson_str (&dc, "id"));
    bson_destroy (&da);
    bson_destroy (&dc);
  }
  /* An event B subscribes to reaches B only. */
  event.event = "reservation.declined";
  event.key = "res_test:declined";
  ev_record (lx, &event, 1, 1, 1);
  assert_true (ev_outbox_find (lx, "webhook", "webhook_id", b, &msg));
  bson_destroy (&msg);
  assert_int_equal (ev_outbox_count (lx, "webhook"), 3);
  bson_destroy (&data);
}

/* ---- Idempotence ----------------------------------------------------------------------------- */

static void
emit_twice_stores_nothing_new (void **state)
{
  lx_t *lx = *state;
  const char *const subs[] = { "reservation.approved", NULL };
  char hook[MT_ID_SIZE];
  const char *members[] = { lx->borrower, lx->owner, NULL };
  mt_event_t event = ev_event ("reservation.approved", "res_test:approved", members);
  mt_store_page_t before;
  mt_store_page_t after;

  ev_webhook (lx, subs, hook);
  event.notify_admins = true;
  ev_record (lx, &event, 3, 3, 1);
  ev_outbox (lx, NULL, &before);
  /* Again (a retry, another instance), and once more with a later clock: nothing new. */
  ev_record (lx, &event, 0, 0, 0);
  {
    mt_ctx_t later = lx_ctx (lx, FX_NOW_MS + LX_HOUR);
    mt_event_report_t report = { -1, -1, -1 };
    mt_error_t error = { 0 };
    assert_true (mt_event_record (&later, &event, NULL, &report, &error));
    assert_int_equal (report.notifications + report.emails + report.deliveries, 0);
  }
  ev_outbox (lx, NULL, &after);
  assert_int_equal (after.count, 4);
  assert_true (bson_equal (&before.items, &after.items));
  assert_int_equal (lx_notifications (lx, lx->borrower_account, NULL, 0), 1);
  assert_int_equal (lx_notifications (lx, lx->owner_account, NULL, 0), 1);
  assert_int_equal (lx_notifications (lx, lx->admin_account, NULL, 0), 1);
  mt_store_page_destroy (&before);
  mt_store_page_destroy (&after);

  /* Another occurrence (another key) is told again. */
  event.key = "res_test:approved-again";
  ev_record (lx, &event, 3, 3, 1);
  assert_int_equal (ev_outbox_count (lx, NULL), 8);
}

static void
event_ids_are_deterministic (void **state)
{
  char a[MT_ID_SIZE], b[MT_ID_SIZE], c[MT_ID_SIZE];

  (void) state;
  mt_event_id ("res_1:approved", a);
  mt_event_id ("res_1:approved", b);
  mt_event_id ("res_1:declined", c);
  assert_string_equal (a, b);
  assert_string_not_equal (a, c);
  assert_int_equal (strlen (a), 4 + 22);
}

/* ---- Refusals ---------------------------------------------------------------------------------- */

static void
emit_refuses_unknown_or_incomplete_events (void **state)
{
  lx_t *lx = *state;
  const char *const subs[] = { "reservation.approved", "reservation.exploded", NULL };
  char hook[MT_ID_SIZE];
  const char *members[] = { lx->borrower, lx->owner, NULL };
  mt_ctx_t ctx = lx_ctx (lx, FX_NOW_MS);
  mt_event_t bad[6];
  mt_error_t error;

  ev_webhook (lx, subs, hook);
  for (int i = 0; i < 6; i++) {
    bad[i] = ev_event ("reservation.approved", "res_test:approved", members);
  }
  bad[0].event = "reservation.exploded";
  bad[1].event = "";
  bad[2].event = NULL;
  bad[3].key = "";
  bad[4].key = NULL;
  bad[5].text_en = NULL;
  for (int i = 0; i < 6; i++) {
    mt_error_clear (&error);
    if (mt_event_emit (&ctx, &bad[i], &error)) {
      fail_msg ("event %d accepted", i);
    }
    assert_int_equal (error.code, MT_ERR_INTERNAL);
  }
  assert_int_equal (ev_outbox_count (lx, NULL), 0);
  assert_int_equal (lx_notifications (lx, lx->owner_account, NULL, 0), 0);
  assert_int_equal (lx_notifications (lx, lx->borrower_account, NULL, 0), 0);
  assert_false (mt_event_name_known ("reservation.exploded"));
  assert_false (mt_event_name_known (NULL));
  assert_false (mt_event_name_known ("Reservation.Approved"));
}

static void
every_event_name_is_accepted (void **state)
{
  lx_t *lx = *state;
  const char *members[] = { lx->owner, NULL };
  char key[96];
  int n = 0;

  for (int i = 0; mt_event_names[i]; i++) {
    mt_event_t event = ev_event (mt_event_names[i], key, members);
    assert_true (mt_event_name_known (mt_event_names[i]));
    snprintf (key, sizeof key, "res_test:%s", mt_event_names[i]);
    ev_record (lx, &event, 1, 1, 0);
    n++;
  }
  assert_int_equal (n, 15);
  assert_int_equal (lx_notifications (lx, lx->owner_account, NULL, 0), 15);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    LX_TEST ("events/emit/tells_active_accounts_once", emit_tells_active_accounts_once),
    LX_TEST ("events/emit/record_reports_counts", emit_record_reports_counts),
    LX_TEST ("events/emit/notify_admins", emit_notify_admins),
    LX_TEST ("events/emit/mail_in_account_language", emit_mail_in_account_language),
    LX_TEST ("events/emit/without_sendmail_command_no_mail", emit_without_sendmail_command_no_mail),
    LX_TEST ("events/emit/unusable_address_skips_mail_only", emit_unusable_address_skips_mail_only),
    LX_TEST ("events/emit/webhooks_only_subscribed", emit_webhooks_only_subscribed),
    LX_TEST ("events/emit/twice_stores_nothing_new", emit_twice_stores_nothing_new),
    MT_TEST ("events/id/deterministic", event_ids_are_deterministic),
    LX_TEST ("events/emit/refuses_unknown_or_incomplete",
             emit_refuses_unknown_or_incomplete_events),
    LX_TEST ("events/emit/every_event_name_is_accepted", every_event_name_is_accepted),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
