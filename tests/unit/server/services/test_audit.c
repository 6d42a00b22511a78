/*
 * Unit tests of server/services/audit.c against a real SQLite store: entries as stored,
 * idempotent recording (deterministic ids, DUPLICATE is success), incomplete entries refused,
 * a reservation's history recorded from a given seq.
 */
#include "members_fixture.h"

#include "audit.h"

static uint32_t
entries_of (fx_t *fx, const char *entity_id, mt_store_page_t *page)
{
  mt_store_page_init (page);
  mt_store_page_destroy (page);
  OK (fx->store->ops->audit_list (fx->store, entity_id, NULL, 100, page, &fx_err));
  return page->count;
}

static void
record_is_idempotent (void **state)
{
  fx_t *fx = *state;
  mt_store_page_t page;
  bson_iter_t it;
  mt_audit_entry_t entry = {
    .id = "res_AAAAAAAAAAAAAAAAAAAAAA:2",
    .at_ms = FX_NOW_MS,
    .actor = "acc_BBBBBBBBBBBBBBBBBBBBBB",
    .entity = MT_AUDIT_ENTITY_RESERVATION,
    .entity_id = "res_AAAAAAAAAAAAAAAAAAAAAA",
    .from = "requested",
    .to = "cancelled",
    .reason = "plus besoin",
  };

  OK (mt_audit_record (fx->store, &entry, &fx_err));
  OK (mt_audit_record (fx->store, &entry, &fx_err));
  assert_int_equal (entries_of (fx, entry.entity_id, &page), 1);
  assert_string_equal (mt_bson_str (&page.items, "0.id"), entry.id);
  assert_true (mt_bson_date (&page.items, "0.at", 0) == FX_NOW_MS);
  assert_string_equal (mt_bson_str (&page.items, "0.actor"), entry.actor);
  assert_string_equal (mt_bson_str (&page.items, "0.entity"), "reservation");
  assert_string_equal (mt_bson_str (&page.items, "0.from"), "requested");
  assert_string_equal (mt_bson_str (&page.items, "0.to"), "cancelled");
  assert_string_equal (mt_bson_str (&page.items, "0.reason"), "plus besoin");
  mt_store_page_destroy (&page);
  /* from and reason may be absent: stored as null */
  entry.id = "res_AAAAAAAAAAAAAAAAAAAAAA:1";
  entry.from = NULL;
  entry.reason = NULL;
  OK (mt_audit_record (fx->store, &entry, &fx_err));
  assert_int_equal (entries_of (fx, entry.entity_id, &page), 2);
  assert_true (bson_iter_init (&it, &page.items));
  {
    bson_iter_t from;
    /* newest first, then by id descending: ":2" then ":1" */
    assert_true (bson_iter_init (&it, &page.items) &&
                 bson_iter_find_descendant (&it, "1.from", &from) && BSON_ITER_HOLDS_NULL (&from));
  }
  mt_store_page_destroy (&page);
  /* incomplete entries are refused before the store */
  entry.to = NULL;
  FAILS (mt_audit_record (fx->store, &entry, &fx_err), MT_ERR_INTERNAL);
  entry.to = "x";
  entry.id = NULL;
  FAILS (mt_audit_record (fx->store, &entry, &fx_err), MT_ERR_INTERNAL);
}

/* A reservation with @n history items. */
static void
reservation_with_history (int n, bson_t *out)
{
  static const char *const to[] = { "requested", "approved", "checked_out", "returned" };
  bson_t history, item;
  char key[8];

  bson_init (out);
  BSON_APPEND_UTF8 (out, "id", "res_HistoryHistoryHistor");
  BSON_APPEND_ARRAY_BEGIN (out, "history", &history);
  for (int i = 0; i < n; i++) {
    snprintf (key, sizeof key, "%d", i);
    BSON_APPEND_DOCUMENT_BEGIN (&history, key, &item);
    BSON_APPEND_INT32 (&item, "seq", i + 1);
    BSON_APPEND_DATE_TIME (&item, "at", FX_NOW_MS + i);
    BSON_APPEND_UTF8 (&item, "actor", i ? "acc_OwnerOwnerOwnerOwner" : "system");
    if (i) {
      BSON_APPEND_UTF8 (&item, "from", to[i - 1]);
    } else {
      BSON_APPEND_NULL (&item, "from");
    }
    BSON_APPEND_UTF8 (&item, "to", to[i]);
    BSON_APPEND_NULL (&item, "reason");
    bson_append_document_end (&history, &item);
  }
  bson_append_array_end (out, &history);
}

static void
reservation_history_from_a_seq (void **state)
{
  fx_t *fx = *state;
  mt_store_page_t page;
  uint32_t recorded = 0;
  bson_t doc;

  reservation_with_history (2, &doc);
  OK (mt_audit_record_reservation (fx->store, &doc, 2, &recorded, &fx_err));
  assert_int_equal (recorded, 1);
  assert_int_equal (entries_of (fx, "res_HistoryHistoryHistor", &page), 1);
  assert_string_equal (mt_bson_str (&page.items, "0.id"), "res_HistoryHistoryHistor:2");
  mt_store_page_destroy (&page);
  OK (mt_audit_record_reservation (fx->store, &doc, 1, &recorded, &fx_err));
  assert_int_equal (recorded, 1); /* only :1 was missing */
  bson_destroy (&doc);
  reservation_with_history (4, &doc);
  OK (mt_audit_record_reservation (fx->store, &doc, 1, &recorded, &fx_err));
  assert_int_equal (recorded, 2);
  assert_int_equal (entries_of (fx, "res_HistoryHistoryHistor", &page), 4);
  assert_string_equal (mt_bson_str (&page.items, "0.id"), "res_HistoryHistoryHistor:4");
  assert_string_equal (mt_bson_str (&page.items, "0.to"), "returned");
  assert_string_equal (mt_bson_str (&page.items, "0.from"), "checked_out");
  assert_string_equal (mt_bson_str (&page.items, "3.actor"), "system");
  mt_store_page_destroy (&page);
  bson_destroy (&doc);
  /* no history: nothing; no id: refused */
  bson_init (&doc);
  BSON_APPEND_UTF8 (&doc, "id", "res_NoHistoryNoHistoryNo");
  OK (mt_audit_record_reservation (fx->store, &doc, 1, &recorded, &fx_err));
  assert_int_equal (recorded, 0);
  bson_reinit (&doc);
  FAILS (mt_audit_record_reservation (fx->store, &doc, 1, &recorded, &fx_err), MT_ERR_INTERNAL);
  bson_destroy (&doc);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    { "audit/record/idempotent", record_is_idempotent, fx_setup, fx_teardown, NULL },
    { "audit/reservation/history_from_seq", reservation_history_from_a_seq, fx_setup, fx_teardown,
      NULL },
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
