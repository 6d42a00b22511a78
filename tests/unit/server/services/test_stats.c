/*
 * stats: the impact maths (rounding, categories without factors), the factor table's checks,
 * the period, and the aggregation against a real SQLite store holding hand-made members,
 * listings, reservations, bookings and ledger entries (filters, period edges). Tables of
 * cases throughout; tests never read the clock.
 */
#include "members_fixture.h"

#include "categories.h"
#include "mt_embed.h"
#include "mt_json.h"
#include "mt_schema.h"
#include "mt_time.h"
#include "stats.h"

#include <math.h>

extern const mt_embed_file_t mutua_schema_files[];

#define DAY INT64_C (86400000)
#define HOUR INT64_C (3600000)

/* ---- Maths ------------------------------------------------------------------------------ */

static void
impact_rounding (void **state)
{
  static const struct {
    const char *what;
    int64_t units, price_cents, kg_tenths, share_permille;
    int64_t purchases_tenths, eur, kg;
  } cases[] = {
    { "typical", 1, 70000, 2000, 250, 3, 175, 50 },
    { "half a euro rounds up", 1, 500, 0, 100, 1, 1, 0 },
    { "just under half a euro rounds down", 1, 499, 0, 100, 1, 0, 0 },
    { "half a kg rounds up", 1, 0, 10, 500, 5, 0, 1 },
    { "2.25 kg rounds down", 3, 0, 25, 300, 9, 0, 2 },
    { "0.25 purchase rounds up to 0.3", 1, 0, 0, 250, 3, 0, 0 },
    { "0.249 purchase rounds down to 0.2", 1, 0, 0, 249, 2, 0, 0 },
    { "share 0 avoids nothing", 50, 100000, 1000, 0, 0, 0, 0 },
    { "share 1, several units", 4, 12345, 15, 1000, 40, 494, 6 },
    { "zero units", 0, 70000, 2000, 250, 0, 0, 0 },
    { "bounds fit in int64", INT64_C (100000000), INT64_C (10000000), INT64_C (1000000), 1000,
      INT64_C (1000000000), INT64_C (10000000000000), INT64_C (10000000000000) },
  };

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    mt_impact_factor_t f = { .category = "x",
                             .price_cents = cases[i].price_cents,
                             .kg_tenths = cases[i].kg_tenths,
                             .share_permille = cases[i].share_permille };
    mt_impact_sum_t sum = { 0 };
    mt_impact_add (&sum, &f, cases[i].units);
    if (mt_impact_purchases_tenths (&sum) != cases[i].purchases_tenths ||
        mt_impact_eur (&sum) != cases[i].eur || mt_impact_kg (&sum) != cases[i].kg) {
      fail_msg ("%s: %lld tenths, %lld EUR, %lld kg; expected %lld, %lld, %lld", cases[i].what,
                (long long) mt_impact_purchases_tenths (&sum), (long long) mt_impact_eur (&sum),
                (long long) mt_impact_kg (&sum), (long long) cases[i].purchases_tenths,
                (long long) cases[i].eur, (long long) cases[i].kg);
    }
  }
}

/* A category without a factor adds nothing; totals are rounded once from exact sums. */
static void
impact_sums_round_once (void **state)
{
  mt_impact_factor_t half = { .category = "a", .price_cents = 500, .share_permille = 100 };
  mt_impact_sum_t a = { 0 }, b = { 0 }, total = { 0 };

  mt_impact_add (&a, &half, 1);
  mt_impact_add (&b, &half, 1);
  mt_impact_add (&total, &half, 1);
  mt_impact_add (&total, &half, 1);
  mt_impact_add (&total, NULL, 1000); /* no factor */
  /* 0.50 € each rounds to 1 €, but the total of 1.00 € is 1 €, not 2 €. */
  assert_int_equal (mt_impact_eur (&a), 1);
  assert_int_equal (mt_impact_eur (&b), 1);
  assert_int_equal (mt_impact_eur (&total), 1);
  assert_int_equal (total.purchases_milli, 200);
}

static void
loan_days_ceil (void **state)
{
  static const struct {
    int64_t start, end, days;
  } cases[] = {
    { 0, 1, 1 },       { 0, DAY, 1 },           { 0, DAY + 1, 2 },
    { 0, 7 * DAY, 7 }, { 5, 5 + 36 * HOUR, 2 }, { DAY, DAY, 1 }, /* empty: at least 1 */
    { DAY, 0, 1 },                                               /* reversed: at least 1 */
  };

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    if (mt_stats_loan_days (cases[i].start, cases[i].end) != cases[i].days) {
      fail_msg ("case %zu: %lld days, expected %lld", i,
                (long long) mt_stats_loan_days (cases[i].start, cases[i].end),
                (long long) cases[i].days);
    }
  }
}

static void
booking_minutes (void **state)
{
  static const struct {
    const char *json;
    int64_t minutes;
  } cases[] = {
    { "{\"hours\": 1.5, \"duration_minutes\": 60}", 90 },
    { "{\"hours\": 2, \"duration_minutes\": 60}", 120 },
    { "{\"hours\": 0.01}", 1 },
    { "{\"hours\": 0.25}", 15 },
    { "{\"duration_minutes\": 45}", 45 },
    { "{\"hours\": -1, \"duration_minutes\": 30}", 30 },
    { "{\"hours\": \"3\", \"duration_minutes\": 30}", 30 },
    { "{}", 0 },
  };

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    bson_t doc;
    mt_error_t error;
    assert_true (mt_json_parse_object (cases[i].json, strlen (cases[i].json), 0, &doc, &error));
    if (mt_stats_booking_minutes (&doc) != cases[i].minutes) {
      fail_msg ("%s: %lld minutes, expected %lld", cases[i].json,
                (long long) mt_stats_booking_minutes (&doc), (long long) cases[i].minutes);
    }
    bson_destroy (&doc);
  }
}

/* ---- The period ------------------------------------------------------------------------- */

static int64_t
at (const char *rfc3339)
{
  int64_t ms = 0;
  assert_true (mt_time_parse_rfc3339 (rfc3339, strlen (rfc3339), &ms));
  return ms;
}

static void
period_defaults_and_checks (void **state)
{
  static const struct {
    const char *from, *to, *now;
    const char *want_from, *want_to; /* NULL: refused */
    const char *path;
  } cases[] = {
    { NULL, NULL, "2026-06-12T09:00:00Z", "2025-06-12T09:00:00Z", "2026-06-12T09:00:00Z", NULL },
    { NULL, "2024-02-29T12:00:00Z", "2026-06-12T09:00:00Z", "2023-02-28T12:00:00Z",
      "2024-02-29T12:00:00Z", NULL },
    { NULL, "2025-03-01T00:00:00Z", "2026-06-12T09:00:00Z", "2024-03-01T00:00:00Z",
      "2025-03-01T00:00:00Z", NULL },
    { "2026-01-01T00:00:00Z", NULL, "2026-06-12T09:00:00Z", "2026-01-01T00:00:00Z",
      "2026-06-12T09:00:00Z", NULL },
    { "2026-01-01T01:00:00+01:00", "2026-02-01T00:00:00Z", "2026-06-12T09:00:00Z",
      "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z", NULL },
    { "2026-01-01T00:00:00Z", "2026-01-01T00:00:00.001Z", "2026-06-12T09:00:00Z",
      "2026-01-01T00:00:00Z", "2026-01-01T00:00:00.001Z", NULL },
    { "2016-01-01T00:00:00Z", "2026-01-08T00:00:00Z", "2026-06-12T09:00:00Z",
      "2016-01-01T00:00:00Z", "2026-01-08T00:00:00Z", NULL }, /* 3660 days */
    { "2016-01-01T00:00:00Z", "2026-01-08T00:00:00.001Z", "2026-06-12T09:00:00Z", NULL, NULL,
      "from" },
    { "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "2026-06-12T09:00:00Z", NULL, NULL, "to" },
    { "2026-02-01T00:00:00Z", "2026-01-01T00:00:00Z", "2026-06-12T09:00:00Z", NULL, NULL, "to" },
    { "2027-01-01T00:00:00Z", NULL, "2026-06-12T09:00:00Z", NULL, NULL, "to" },
    { "hier", NULL, "2026-06-12T09:00:00Z", NULL, NULL, "from" },
    { "", NULL, "2026-06-12T09:00:00Z", NULL, NULL, "from" },
    { NULL, "2026-13-01T00:00:00Z", "2026-06-12T09:00:00Z", NULL, NULL, "to" },
    { "2026-01-01", NULL, "2026-06-12T09:00:00Z", NULL, NULL, "from" },
  };

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int64_t from = -1, to = -1;
    mt_error_t error = { 0 };
    bool ok =
      mt_stats_period_parse (cases[i].from, cases[i].to, at (cases[i].now), &from, &to, &error);
    if (cases[i].want_from) {
      if (!ok) {
        fail_msg ("case %zu refused: %s", i, error.message);
      }
      assert_int_equal (from, at (cases[i].want_from));
      assert_int_equal (to, at (cases[i].want_to));
    } else {
      if (ok) {
        fail_msg ("case %zu accepted", i);
      }
      assert_int_equal (error.code, MT_ERR_BAD_REQUEST);
      assert_string_equal (error.path, cases[i].path);
    }
  }
}

/* ---- The factor table ------------------------------------------------------------------- */

#define FACTOR(cat, price, kg, share)                                                              \
  "{\"category\": \"" cat "\", \"item\": \"objet\", \"price_eur\": " price ", \"kg_co2e\": " kg    \
  ", \"avoided_purchase_share\": " share ", \"source\": \"s\", \"assumption\": \"h\"}"

static void
table_checks (void **state)
{
  static const struct {
    const char *json;
    bool ok;
  } cases[] = {
    { "{\"factors\": [" FACTOR ("outillage", "150", "25", "0.3") "]}", true },
    { "{\"factors\": [" FACTOR ("outillage", "149.99", "25.5", "0.125") "]}", true },
    { "{\"factors\": [" FACTOR ("outillage", "0", "0", "0") "," FACTOR ("jeux", "100000", "100000",
                                                                        "1") "]}",
      true },
    { "{\"factors\": [], \"without_factor\": [{\"category\": \"salles\", \"reason\": \"r\"}]}",
      true },
    { "{}", false },
    { "{\"factors\": {}}", false },
    { "{\"factors\": [" FACTOR ("inconnue", "150", "25", "0.3") "]}", false },
    { "{\"factors\": [" FACTOR ("formation", "150", "25", "0.3") "]}", false }, /* a service */
    { "{\"factors\": [" FACTOR ("outillage", "150", "25", "0.3") "," FACTOR ("outillage", "150",
                                                                             "25", "0.3") "]}",
      false }, /* twice */
    { "{\"factors\": [" FACTOR ("outillage", "-1", "25", "0.3") "]}", false },
    { "{\"factors\": [" FACTOR ("outillage", "100001", "25", "0.3") "]}", false },
    { "{\"factors\": [" FACTOR ("outillage", "1.001", "25", "0.3") "]}", false },
    { "{\"factors\": [" FACTOR ("outillage", "150", "25.05", "0.3") "]}", false },
    { "{\"factors\": [" FACTOR ("outillage", "150", "25", "1.5") "]}", false },
    { "{\"factors\": [" FACTOR ("outillage", "150", "25", "0.1234") "]}", false },
    { "{\"factors\": [" FACTOR ("outillage", "150", "\"25\"", "0.3") "]}", false },
    { "{\"factors\": [{\"category\": \"outillage\", \"item\": \"o\", \"price_eur\": 1, "
      "\"kg_co2e\": 1, \"avoided_purchase_share\": 0.1, \"source\": \"\", "
      "\"assumption\": \"h\"}]}",
      false }, /* empty source */
    { "{\"factors\": [{\"category\": \"outillage\", \"item\": \"o\", \"price_eur\": 1, "
      "\"kg_co2e\": 1, \"avoided_purchase_share\": 0.1, \"source\": \"s\"}]}",
      false }, /* no assumption */
    { "{\"factors\": [" FACTOR ("outillage", "150", "25",
                                "0.3") "], \"without_factor\": "
                                       "[{\"category\": \"outillage\", \"reason\": \"r\"}]}",
      false }, /* both */
    { "{\"factors\": [], \"without_factor\": [{\"category\": \"salles\", \"reason\": \"r\"}, "
      "{\"category\": \"salles\", \"reason\": \"r\"}]}",
      false },
    { "{\"factors\": [], \"without_factor\": [{\"category\": \"salles\"}]}", false },
    { "{\"factors\": [], \"without_factor\": {}}", false },
  };

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    mt_impact_table_t table;
    mt_error_t error = { 0 };
    bool ok = mt_impact_table_parse (cases[i].json, strlen (cases[i].json), &table, &error);
    if (ok != cases[i].ok) {
      fail_msg ("case %zu %s: %s", i, ok ? "accepted" : "refused", error.message);
    }
    if (!ok) {
      assert_int_equal (table.count, 0);
    }
    mt_impact_table_destroy (&table);
  }
}

static void
table_parses_exact_values (void **state)
{
  static const char json[] = "{\"factors\": [" FACTOR ("outillage", "149.99", "25.5", "0.125") "]}";
  mt_impact_table_t table;
  mt_error_t error = { 0 };
  const mt_impact_factor_t *f;

  assert_true (mt_impact_table_parse (json, sizeof json - 1, &table, &error));
  f = mt_impact_table_find (&table, "outillage");
  assert_non_null (f);
  assert_int_equal (f->price_cents, 14999);
  assert_int_equal (f->kg_tenths, 255);
  assert_int_equal (f->share_permille, 125);
  assert_null (mt_impact_table_find (&table, "jeux"));
  mt_impact_table_destroy (&table);
}

/* schemas/impact-factors.json: read, every good category either has a factor or is listed
 * without one (with a reason), and the schema registry accepts the file. */
static void
embedded_table_is_complete (void **state)
{
  const mt_impact_table_t *table = mt_impact_table ();
  mt_schema_registry_t *registry = mt_schema_registry_new (0);
  mt_error_t error = { 0 };
  size_t goods = 0;

  assert_non_null (table);
  assert_true (table->count >= 8);
  for (size_t i = 0; i < mt_categories_count (); i++) {
    const mt_category_t *c = mt_category_at (i);
    if (strcmp (c->kind, "good") != 0) {
      assert_null (mt_impact_table_find (table, c->slug));
      continue;
    }
    goods++;
    if (!mt_impact_table_find (table, c->slug) &&
        !mt_bson_array_has_str (&table->doc, "without_factor", c->slug)) {
      /* without_factor holds documents: look for one naming the category */
      bson_iter_t it, entry;
      bool listed = false;
      assert_true (bson_iter_init_find (&it, &table->doc, "without_factor"));
      assert_true (bson_iter_recurse (&it, &entry));
      while (bson_iter_next (&entry)) {
        bson_t doc;
        const uint8_t *data;
        uint32_t len;
        bson_iter_document (&entry, &len, &data);
        assert_true (bson_init_static (&doc, data, len));
        listed = listed || mt_bson_str_eq (&doc, "category", c->slug);
      }
      if (!listed) {
        fail_msg ("impact-factors.json says nothing of the good category %s", c->slug);
      }
    }
  }
  assert_true (goods > 0);
  for (size_t i = 0; i < table->count; i++) {
    const mt_impact_factor_t *f = &table->factors[i];
    assert_true (f->price_cents > 0 && f->kg_tenths > 0);
    assert_true (f->share_permille > 0 && f->share_permille < 1000);
    assert_true (strlen (f->source) > 20 && strlen (f->assumption) > 20);
  }
  assert_true (mt_bson_has (&table->doc, "warning") && mt_bson_has (&table->doc, "method") &&
               mt_bson_has (&table->doc, "sources"));
  assert_non_null (registry);
  if (!mt_schema_registry_add_embedded (registry, mutua_schema_files, &error)) {
    fail_msg ("schema registry: %s", error.message);
  }
  assert_non_null (mt_schema_registry_get (registry, "impact-factors.json"));
  mt_schema_registry_destroy (registry);
}

/* ---- Aggregation against a store ----------------------------------------------------------- */

/* The period of the store tests: January 2026. */
#define P_FROM "2026-01-01T00:00:00Z"
#define P_TO "2026-02-01T00:00:00Z"

typedef struct {
  fx_t *fx;
  mt_impact_table_t table; /* tentes-barnums and velos-cargo only */
  char n1[MT_ID_SIZE], n2[MT_ID_SIZE];
  char a[MT_ID_SIZE], b[MT_ID_SIZE], c[MT_ID_SIZE], d[MT_ID_SIZE];
  char admin_account[MT_ID_SIZE], member_account[MT_ID_SIZE];
  char l1[MT_ID_SIZE], l2[MT_ID_SIZE], l3[MT_ID_SIZE], l4[MT_ID_SIZE], l5[MT_ID_SIZE];
  bool bookings; /* the store has bookings */
  bool ledger;   /* and a ledger */
  fx_caller_t admin, member;
} st_t;

static st_t *st;

/* A member in @dep and @network (may be NULL), created before the period. */
static void
st_member (const char *dep, const char *network, char id[MT_ID_SIZE])
{
  bson_t profile = BSON_INITIALIZER, territory, member;
  const char *networks[2] = { network, NULL };
  char name[32];
  mt_error_t error;

  snprintf (name, sizeof name, "Structure %s %u", dep, ++st->fx->counter);
  BSON_APPEND_UTF8 (&profile, "name", name);
  BSON_APPEND_UTF8 (&profile, "kind", "association");
  BSON_APPEND_DOCUMENT_BEGIN (&profile, "territory", &territory);
  BSON_APPEND_UTF8 (&territory, "departement", dep);
  BSON_APPEND_UTF8 (&territory, "commune", "Commune");
  bson_append_document_end (&profile, &territory);
  mt_bson_append_str_array (&profile, "networks", network ? networks : networks + 1);
  mt_member_build (&profile, "active", at ("2025-01-01T00:00:00Z"), &member, id);
  if (!st->fx->store->ops->member_insert (st->fx->store, &member, NULL, &error)) {
    fail_msg ("member: %s", error.message);
  }
  bson_destroy (&profile);
  bson_destroy (&member);
}

static void
st_listing (const char *owner, const char *kind, const char *category, const char *dep,
            const char *created, char id[MT_ID_SIZE])
{
  bson_t doc = BSON_INITIALIZER, territory;
  mt_error_t error;

  mt_id_new ("lst", id);
  BSON_APPEND_UTF8 (&doc, "id", id);
  BSON_APPEND_UTF8 (&doc, "owner_id", owner);
  BSON_APPEND_UTF8 (&doc, "kind", kind);
  BSON_APPEND_UTF8 (&doc, "title", "Objet");
  BSON_APPEND_UTF8 (&doc, "category", category);
  BSON_APPEND_UTF8 (&doc, "status", "published");
  BSON_APPEND_UTF8 (&doc, "visibility", "network");
  BSON_APPEND_DOCUMENT_BEGIN (&doc, "territory", &territory);
  BSON_APPEND_UTF8 (&territory, "departement", dep);
  BSON_APPEND_UTF8 (&territory, "commune", "Commune");
  bson_append_document_end (&doc, &territory);
  BSON_APPEND_DATE_TIME (&doc, "created_at", at (created));
  if (!st->fx->store->ops->listing_insert (st->fx->store, &doc, &error)) {
    fail_msg ("listing: %s", error.message);
  }
  bson_destroy (&doc);
}

/* A reservation as reservations.h stores it; @checkout NULL: none; @in_history: the
 * check-out only as a history item (older documents). */
static void
st_reservation (const char *listing, const char *owner, const char *borrower, const char *status,
                int32_t units, const char *start, int64_t length_ms, const char *checkout,
                int64_t checkout_shift_ms, bool in_history)
{
  bson_t doc = BSON_INITIALIZER, child, history, item;
  char id[MT_ID_SIZE];
  int64_t s = at (start);
  mt_error_t error;

  mt_id_new ("res", id);
  BSON_APPEND_UTF8 (&doc, "id", id);
  BSON_APPEND_UTF8 (&doc, "listing_id", listing);
  BSON_APPEND_UTF8 (&doc, "owner_member_id", owner);
  BSON_APPEND_UTF8 (&doc, "borrower_member_id", borrower);
  BSON_APPEND_DATE_TIME (&doc, "start", s);
  BSON_APPEND_DATE_TIME (&doc, "end", s + length_ms);
  BSON_APPEND_INT32 (&doc, "units", units);
  BSON_APPEND_UTF8 (&doc, "status", status);
  BSON_APPEND_DATE_TIME (&doc, "created_at", at ("2025-12-01T00:00:00Z"));
  BSON_APPEND_ARRAY_BEGIN (&doc, "history", &history);
  BSON_APPEND_DOCUMENT_BEGIN (&history, "0", &item);
  BSON_APPEND_INT32 (&item, "seq", 1);
  BSON_APPEND_DATE_TIME (&item, "at", at ("2025-12-01T00:00:00Z"));
  BSON_APPEND_NULL (&item, "from");
  BSON_APPEND_UTF8 (&item, "to", "requested");
  bson_append_document_end (&history, &item);
  if (checkout && in_history) {
    BSON_APPEND_DOCUMENT_BEGIN (&history, "1", &item);
    BSON_APPEND_INT32 (&item, "seq", 2);
    BSON_APPEND_DATE_TIME (&item, "at", at (checkout) + checkout_shift_ms);
    BSON_APPEND_UTF8 (&item, "from", "approved");
    BSON_APPEND_UTF8 (&item, "to", "checked_out");
    bson_append_document_end (&history, &item);
  }
  bson_append_array_end (&doc, &history);
  if (checkout && !in_history) {
    BSON_APPEND_DOCUMENT_BEGIN (&doc, "checkout", &child);
    BSON_APPEND_DATE_TIME (&child, "at", at (checkout) + checkout_shift_ms);
    BSON_APPEND_UTF8 (&child, "by", "acc_x");
    BSON_APPEND_UTF8 (&child, "condition_note", "bon état");
    bson_append_document_end (&doc, &child);
  }
  if (!st->fx->store->ops->reservation_insert (st->fx->store, &doc, &error)) {
    fail_msg ("reservation: %s", error.message);
  }
  bson_destroy (&doc);
}

/* A booking as bookings.h stores it; @hours < 0: none. */
static void
st_booking (const char *listing, const char *requester, const char *provider, const char *status,
            const char *completed, int64_t shift_ms, double hours, int32_t duration)
{
  bson_t doc = BSON_INITIALIZER;
  char id[MT_ID_SIZE];
  mt_error_t error;

  mt_id_new ("bkg", id);
  BSON_APPEND_UTF8 (&doc, "id", id);
  BSON_APPEND_UTF8 (&doc, "listing_id", listing);
  BSON_APPEND_UTF8 (&doc, "requester_member_id", requester);
  BSON_APPEND_UTF8 (&doc, "provider_member_id", provider);
  BSON_APPEND_DATE_TIME (&doc, "start", at (completed) + shift_ms - HOUR);
  BSON_APPEND_INT32 (&doc, "duration_minutes", duration);
  BSON_APPEND_INT64 (&doc, "rate", 0);
  BSON_APPEND_UTF8 (&doc, "status", status);
  BSON_APPEND_DATE_TIME (&doc, "created_at", at ("2025-12-01T00:00:00Z"));
  BSON_APPEND_DATE_TIME (&doc, "updated_at", at ("2025-12-01T00:00:00Z"));
  BSON_APPEND_DATE_TIME (&doc, "completed_at", at (completed) + shift_ms);
  if (hours >= 0) {
    BSON_APPEND_DOUBLE (&doc, "hours", hours);
  }
  if (!st->fx->store->ops->booking_insert (st->fx->store, &doc, &error)) {
    fail_msg ("booking: %s", error.message);
  }
  bson_destroy (&doc);
}

/* A ledger entry; @reverses may be NULL. */
static void
st_entry (const char *id, const char *from, const char *to, int64_t amount, const char *created,
          int64_t shift_ms, const char *reverses)
{
  bson_t doc = BSON_INITIALIZER;
  mt_error_t error;

  BSON_APPEND_UTF8 (&doc, "id", id);
  BSON_APPEND_UTF8 (&doc, "from", from);
  BSON_APPEND_UTF8 (&doc, "to", to);
  BSON_APPEND_INT64 (&doc, "amount", amount);
  BSON_APPEND_UTF8 (&doc, "reason", "test");
  if (reverses) {
    BSON_APPEND_UTF8 (&doc, "reverses", reverses);
  }
  BSON_APPEND_DATE_TIME (&doc, "created_at", at (created) + shift_ms);
  if (!st->fx->store->ops->ledger_append (st->fx->store, &doc, false, 0, &error)) {
    fail_msg ("ledger: %s", error.message);
  }
  bson_destroy (&doc);
}

static int
st_setup (void **state)
{
  static const char factors[] = "{\"version\": \"test\", \"factors\": [" FACTOR (
    "tentes-barnums", "700", "200", "0.25") "," FACTOR ("velos-cargo", "5000", "300", "0.1") "]}";
  char admin_member[MT_ID_SIZE];
  mt_error_t error;
  const mt_store_ops_t *ops;

  st = calloc (1, sizeof *st);
  if (!st || fx_setup ((void **) &st->fx) != 0 ||
      !mt_impact_table_parse (factors, sizeof factors - 1, &st->table, &error)) {
    return -1;
  }
  ops = st->fx->store->ops;
  st->bookings = ops->booking_insert && ops->booking_list;
  st->ledger = ops->ledger_append && ops->ledger_list;
  fx_network (st->fx, "apes", st->n1);
  fx_network (st->fx, "mres", st->n2);
  st_member ("59", st->n1, st->a);
  st_member ("62", st->n1, st->b);
  st_member ("75", st->n2, st->c);
  st_member ("75", st->n2, st->d);
  fx_member (st->fx, "active", "platform", NULL, admin_member, st->admin_account);
  fx_account (st->fx, st->a, "manager", "active", NULL, st->member_account);

  st_listing (st->a, "good", "tentes-barnums", "59", "2025-06-01T00:00:00Z", st->l1);
  st_listing (st->b, "good", "velos-cargo", "62", "2025-06-01T00:00:00Z", st->l2);
  st_listing (st->c, "good", "autres-biens", "75", "2025-06-01T00:00:00Z", st->l3);
  st_listing (st->c, "service", "formation", "75", "2026-01-15T00:00:00Z", st->l4);
  st_listing (st->d, "good", "jeux", "75", "2026-01-31T23:59:59Z", st->l5);
  {
    char out_of_period[MT_ID_SIZE];
    st_listing (st->d, "good", "jeux", "75", P_TO, out_of_period);
  }

  /* Loans. Counted: r1, r2, r5, r8, r9. */
  st_reservation (st->l1, st->a, st->b, "returned", 2, "2026-01-01T00:00:00Z", 36 * HOUR, P_FROM, 0,
                  false); /* r1: check-out at from; 2 units, 2 days */
  st_reservation (st->l2, st->b, st->a, "closed", 1, "2026-01-29T00:00:00Z", 3 * DAY, P_TO, -1,
                  false); /* r2: check-out 1 ms before to; 3 days */
  st_reservation (st->l1, st->a, st->c, "checked_out", 1, "2026-01-31T00:00:00Z", DAY, P_TO, 0,
                  false); /* r3: check-out at to: next period */
  st_reservation (st->l1, st->a, st->b, "returned", 1, "2025-12-30T00:00:00Z", DAY, P_FROM, -1,
                  false); /* r4: 1 ms before from */
  st_reservation (st->l3, st->c, st->a, "returned", 1, "2026-01-10T00:00:00Z", DAY,
                  "2026-01-10T00:00:00Z", 0, false); /* r5: a category without a factor */
  st_reservation (st->l1, st->a, st->b, "approved", 1, "2026-01-12T00:00:00Z", DAY, NULL, 0,
                  false); /* r6: never checked out */
  st_reservation (st->l2, st->b, st->a, "cancelled", 1, "2026-01-12T00:00:00Z", DAY, NULL, 0,
                  false); /* r7: cancelled */
  st_reservation ("lst_doesnotexistanymore00000", st->c, st->b, "closed", 1, "2026-01-20T00:00:00Z",
                  HOUR, "2026-01-20T00:00:00Z", 0, false); /* r8: a listing that is gone */
  st_reservation (st->l1, st->a, st->b, "closed", 1, "2026-01-15T00:00:00Z", DAY,
                  "2026-01-15T08:00:00Z", 0, true); /* r9: check-out in the history only */

  if (st->bookings) {
    st_booking (st->l4, st->a, st->c, "confirmed", "2026-01-16T00:00:00Z", 0, 1.5, 60);
    st_booking (st->l4, st->a, st->c, "confirmed", P_TO, -1, -1, 45);   /* duration_minutes */
    st_booking (st->l4, st->b, st->c, "confirmed", P_FROM, -1, 2, 120); /* before */
    st_booking (st->l4, st->b, st->c, "completed", "2026-01-16T00:00:00Z", 0, 3, 180);
    st_booking (st->l4, st->b, st->c, "confirmed", P_TO, 0, 4, 240); /* at to */
  }
  if (st->ledger) {
    st_entry ("e1", "system", st->a, 50, "2026-01-05T00:00:00Z", 0, NULL);
    st_entry ("e2", st->a, st->b, 10, "2026-01-06T00:00:00Z", 0, NULL);
    st_entry ("e3", st->b, st->a, 10, "2026-01-07T00:00:00Z", 0, "e2");
    st_entry ("e4", st->a, st->c, 5, P_FROM, -1, NULL);
    st_entry ("e5", st->c, st->b, 7, P_TO, 0, NULL);
    st_entry ("e6", st->c, st->b, 3, P_TO, -1, NULL);
    st_entry ("e7", "system", st->d, 30, P_FROM, 0, NULL);
  }
  fx_caller (st->fx, st->admin_account, &st->admin);
  fx_caller (st->fx, st->member_account, &st->member);
  *state = st;
  return 0;
}

static int
st_teardown (void **state)
{
  void *fx = st->fx;

  fx_caller_destroy (&st->admin);
  fx_caller_destroy (&st->member);
  mt_impact_table_destroy (&st->table);
  fx_teardown (&fx);
  free (st);
  st = NULL;
  return 0;
}

/* The number at @key of @doc (an integer or a double). */
static double
num (const bson_t *doc, const char *key)
{
  bson_iter_t it;

  if (!bson_iter_init (&it, doc) || !bson_iter_find_descendant (&it, key, &it) ||
      !(BSON_ITER_HOLDS_INT32 (&it) || BSON_ITER_HOLDS_INT64 (&it) ||
        BSON_ITER_HOLDS_DOUBLE (&it))) {
    fail_msg ("no number at %s", key);
  }
  return bson_iter_as_double (&it);
}

/* The by_category entry of @slug (NULL: the unknown category) into @out; false when none. */
static bool
category_entry (const bson_t *stats, const char *slug, bson_t *out)
{
  bson_iter_t it, entry;

  if (!bson_iter_init (&it, stats) || !bson_iter_find_descendant (&it, "impact.by_category", &it) ||
      !bson_iter_recurse (&it, &entry)) {
    fail_msg ("no impact.by_category");
  }
  while (bson_iter_next (&entry)) {
    const uint8_t *data;
    uint32_t len;
    bson_iter_document (&entry, &len, &data);
    assert_true (bson_init_static (out, data, len));
    if (slug ? mt_bson_str_eq (out, "category", slug) : !mt_bson_str (out, "category")) {
      return true;
    }
  }
  return false;
}

/* Expected figures of one query; -1: not checked. */
typedef struct {
  const char *what;
  const char *network;     /* "n1", "n2" or NULL */
  const char *departement; /* or NULL */
  int64_t loans, units, loan_days, borrowers, lenders;
  int64_t tents_loans, tents_units, bikes_loans, other_loans, unknown_loans;
  double purchases;
  int64_t eur, kg, without_factor;
  int64_t listings, active, with_status;
  int64_t bookings; /* with bookings in the store */
  double hours;
  int64_t requesters, providers;
  int64_t transfers, transferred, grants, granted, reversals, reversed; /* with a ledger */
} expect_t;

static void
check (const expect_t *e)
{
  mt_stats_query_t query = {
    .from = P_FROM,
    .to = P_TO,
    .network = e->network ? (strcmp (e->network, "n1") == 0 ? st->n1 : st->n2) : NULL,
    .departement = e->departement,
    .factors = &st->table,
  };
  bson_t stats, entry;
  mt_error_t error = { 0 };

  if (!mt_stats_compute (&st->admin.ctx, &query, &stats, &error)) {
    fail_msg ("%s: %s", e->what, error.message);
  }
#define EQ(key, value)                                                                             \
  do {                                                                                             \
    if (fabs (num (&stats, key) - (double) (value)) > 1e-9) {                                      \
      fail_msg ("%s: %s = %g, expected %g", e->what, key, num (&stats, key), (double) (value));    \
    }                                                                                              \
  } while (0)
  EQ ("loans.count", e->loans);
  EQ ("loans.units", e->units);
  EQ ("loans.loan_days", e->loan_days);
  EQ ("loans.borrowers", e->borrowers);
  EQ ("loans.lenders", e->lenders);
  EQ ("impact.purchases_avoided", e->purchases);
  EQ ("impact.eur", e->eur);
  EQ ("impact.kg_co2e", e->kg);
  EQ ("impact.units_without_factor", e->without_factor);
  EQ ("impact.units_with_factor", e->units - e->without_factor);
  EQ ("listings.created", e->listings);
  EQ ("members.active", e->active);
  EQ ("members.with_active_status", e->with_status);
  assert_true (mt_bson_bool (&stats, "limits.complete", false));
  assert_int_equal (mt_bson_date (&stats, "period.from", 0), at (P_FROM));
  assert_int_equal (mt_bson_date (&stats, "period.to", 0), at (P_TO));
  {
    static const char *const slugs[] = { "tentes-barnums", "velos-cargo", "autres-biens", NULL };
    int64_t want[] = { e->tents_loans, e->bikes_loans, e->other_loans, e->unknown_loans };
    for (size_t i = 0; i < 4; i++) {
      bool found = category_entry (&stats, slugs[i], &entry);
      if (found != (want[i] > 0) || (found && mt_bson_int (&entry, "loans", -1) != want[i])) {
        fail_msg ("%s: by_category %s: %lld loans, expected %lld", e->what,
                  slugs[i] ? slugs[i] : "(unknown)",
                  (long long) (found ? mt_bson_int (&entry, "loans", -1) : 0), (long long) want[i]);
      }
    }
    if (e->tents_loans) {
      assert_true (category_entry (&stats, "tentes-barnums", &entry));
      assert_int_equal (mt_bson_int (&entry, "units", -1), e->tents_units);
      assert_true (mt_bson_bool (&entry, "has_factor", false));
    }
    if (e->other_loans) {
      assert_true (category_entry (&stats, "autres-biens", &entry));
      assert_false (mt_bson_bool (&entry, "has_factor", true));
      assert_int_equal (mt_bson_int (&entry, "eur", -1), 0);
      assert_int_equal (mt_bson_int (&entry, "kg_co2e", -1), 0);
    }
  }
  if (st->bookings) {
    EQ ("services.bookings", e->bookings);
    EQ ("services.hours", e->hours);
    EQ ("services.requesters", e->requesters);
    EQ ("services.providers", e->providers);
  }
  if (st->ledger) {
    EQ ("credits.transfers.count", e->transfers);
    EQ ("credits.transfers.amount", e->transferred);
    EQ ("credits.grants.count", e->grants);
    EQ ("credits.grants.amount", e->granted);
    EQ ("credits.reversals.count", e->reversals);
    EQ ("credits.reversals.amount", e->reversed);
  }
#undef EQ
  bson_destroy (&stats);
}

static void
aggregates_by_filter (void **state)
{
  /*
   * Members: a (59, n1), b (62, n1), c and d (75, n2), the administrators' member (no
   * network; status active; the fixture's département 59). "active" counts the partners of
   * the counted loans and services whatever their own département (stats.h). Loans counted in January: r1 (l1 tents, a->b, 2 units, 2 days),
   * r2 (l2 bike, b->a, 3 days), r5 (l3 other goods, c->a), r8 (gone listing, c->b), r9 (l1,
   * a->b, from the history). Listings created in January: l4 (c, 75, service), l5 (d, 75).
   * Bookings (on l4, 75, provider c): 1.5 h and 45 min by a. Ledger: e1 grant 50 to a, e2
   * a->b 10, e3 reversal b->a 10, e6 c->b 3, e7 grant 30 to d (at `from`: counted).
   * Impact (tents 700 €, 200 kg, 0.25; bikes 5000 €, 300 kg, 0.1): tents 3 units -> 0.75
   * purchase, 525 €, 150 kg; bike 1 unit -> 0.1, 500 €, 30 kg; total 0.85 -> 0.9, 1025 €,
   * 180 kg.
   */
  static const expect_t cases[] = {
    { "no filter", NULL, NULL, 5, 6, 8, 2,    3, 2, 3, 1,  1, 1,  0.9, 1025,
      180,         2,    2,    4, 5, 2, 2.25, 1, 1, 2, 13, 2, 80, 1,   10 },
    { "departement 59",
      NULL,
      "59",
      2,
      3,
      3,
      1,
      1,
      2,
      3,
      0,
      0,
      0,
      0.8,
      525,
      150,
      0,
      0,
      2,
      2,
      0,
      0,
      0,
      0,
      1,
      10,
      1,
      50,
      1,
      10 },
    { "departement 62",
      NULL,
      "62",
      1,
      1,
      3,
      1,
      1,
      0,
      0,
      1,
      0,
      0,
      0.1,
      500,
      30,
      0,
      0,
      2,
      1,
      0,
      0,
      0,
      0,
      2,
      13,
      0,
      0,
      1,
      10 },
    { "departement 75",
      NULL,
      "75",
      1,
      1,
      1,
      1,
      1,
      0,
      0,
      0,
      1,
      0,
      0,
      0,
      0,
      1,
      2,
      3,
      2,
      2,
      2.25,
      1,
      1,
      1,
      3,
      1,
      30,
      0,
      0 },
    { "departement without anything",
      NULL,
      "2A",
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0 },
    { "network n1", "n1", NULL, 5, 6, 8, 2,    3, 2, 3, 1,  1, 1,  0.9, 1025,
      180,          2,    0,    2, 2, 2, 2.25, 1, 1, 2, 13, 1, 50, 1,   10 },
    { "network n2", "n2", NULL, 2, 2, 2, 2,  1, 0, 0, 0, 1, 1, 0, 0, 0, 2, 2, 2, 2, 2,
      2.25,         1,    1,    1, 3, 1, 30, 0, 0 },
    { "network n2, departement 75",
      "n2",
      "75",
      1,
      1,
      1,
      1,
      1,
      0,
      0,
      0,
      1,
      0,
      0,
      0,
      0,
      1,
      2,
      2,
      2,
      2,
      2.25,
      1,
      1,
      1,
      3,
      1,
      30,
      0,
      0 },
    { "network n1, departement 75",
      "n1",
      "75",
      1,
      1,
      1,
      1,
      1,
      0,
      0,
      0,
      1,
      0,
      0,
      0,
      0,
      1,
      0,
      1,
      0,
      2,
      2.25,
      1,
      1,
      1,
      3,
      0,
      0,
      0,
      0 },
  };

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    check (&cases[i]);
  }
  if (!st->bookings || !st->ledger) {
    mt_test_say_skip ("stats/aggregates: services and credits",
                      "this store has no bookings or no ledger yet");
  }
}

static void
refusals (void **state)
{
  static const struct {
    const char *from, *to, *network, *departement;
    bool admin;
    mt_error_code_t code;
    const char *path;
  } cases[] = {
    { P_FROM, P_TO, NULL, NULL, false, MT_ERR_FORBIDDEN, "" },
    { "janvier", P_TO, NULL, NULL, true, MT_ERR_BAD_REQUEST, "from" },
    { P_TO, P_FROM, NULL, NULL, true, MT_ERR_BAD_REQUEST, "to" },
    { P_FROM, P_TO, "net_inconnu0000000000000000", NULL, true, MT_ERR_BAD_REQUEST, "network" },
    { P_FROM, P_TO, "", NULL, true, MT_ERR_BAD_REQUEST, "network" },
    { P_FROM, P_TO, NULL, "2C", true, MT_ERR_BAD_REQUEST, "departement" },
    { P_FROM, P_TO, NULL, "00", true, MT_ERR_BAD_REQUEST, "departement" },
    { P_FROM, P_TO, NULL, "977", true, MT_ERR_BAD_REQUEST, "departement" },
    { P_FROM, P_TO, NULL, "5", true, MT_ERR_BAD_REQUEST, "departement" },
    { P_FROM, P_TO, NULL, "", true, MT_ERR_BAD_REQUEST, "departement" },
  };

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    mt_stats_query_t query = { .from = cases[i].from,
                               .to = cases[i].to,
                               .network = cases[i].network,
                               .departement = cases[i].departement,
                               .factors = &st->table };
    bson_t stats;
    mt_error_t error = { 0 };
    bool ok =
      mt_stats_compute (cases[i].admin ? &st->admin.ctx : &st->member.ctx, &query, &stats, &error);
    if (ok || error.code != (uint32_t) cases[i].code || strcmp (error.path, cases[i].path) != 0) {
      fail_msg ("case %zu: ok %d, code %u, path \"%s\"", i, ok, error.code, error.path);
    }
    assert_int_equal (bson_count_keys (&stats), 0);
    bson_destroy (&stats);
  }
}

/* Without an injected table, the embedded one applies and comes back with its sources. */
static void
answer_carries_the_embedded_factors (void **state)
{
  const mt_impact_table_t *table = mt_impact_table ();
  const mt_impact_factor_t *tents = mt_impact_table_find (table, "tentes-barnums");
  mt_stats_query_t query = { .from = P_FROM, .to = P_TO, .departement = "59" };
  mt_impact_sum_t sum = { 0 };
  bson_t stats, entry;
  bson_iter_t it, items;
  mt_error_t error = { 0 };
  uint32_t n = 0;

  assert_non_null (tents);
  if (!mt_stats_compute (&st->admin.ctx, &query, &stats, &error)) {
    fail_msg ("%s", error.message);
  }
  mt_impact_add (&sum, tents, 3);
  assert_true (category_entry (&stats, "tentes-barnums", &entry));
  assert_int_equal (mt_bson_int (&entry, "eur", -1), mt_impact_eur (&sum));
  assert_int_equal (mt_bson_int (&entry, "kg_co2e", -1), mt_impact_kg (&sum));
  assert_int_equal (mt_bson_int (&stats, "impact.eur", -1), mt_impact_eur (&sum));
  assert_true (
    mt_bson_str_eq (&stats, "impact.factors.version", mt_bson_str (&table->doc, "version")));
  assert_non_null (mt_bson_str (&stats, "impact.factors.method"));
  assert_non_null (mt_bson_str (&stats, "impact.factors.warning"));
  assert_true (bson_iter_init (&it, &stats) &&
               bson_iter_find_descendant (&it, "impact.factors.items", &it) &&
               bson_iter_recurse (&it, &items));
  while (bson_iter_next (&items)) {
    const uint8_t *data;
    uint32_t len;
    bson_t f;
    bson_iter_document (&items, &len, &data);
    assert_true (bson_init_static (&f, data, len));
    assert_non_null (mt_bson_str (&f, "source"));
    assert_non_null (mt_bson_str (&f, "assumption"));
    assert_true (mt_bson_has (&f, "price_eur") && mt_bson_has (&f, "kg_co2e") &&
                 mt_bson_has (&f, "avoided_purchase_share"));
    n++;
  }
  assert_int_equal (n, table->count);
  assert_true (mt_bson_has (&stats, "impact.factors.without_factor"));
  assert_true (mt_bson_str_eq (&stats, "filters.departement", "59"));
  assert_true (bson_iter_init_find (&it, &stats, "filters") &&
               mt_bson_has (&stats, "filters.network"));
  bson_destroy (&stats);
}

/* The default period is the year before now: January 2026 is inside it (now is June 2026). */
static void
default_period_is_the_last_year (void **state)
{
  mt_stats_query_t query = { .factors = &st->table };
  bson_t stats;
  mt_error_t error = { 0 };

  if (!mt_stats_compute (&st->admin.ctx, &query, &stats, &error)) {
    fail_msg ("%s", error.message);
  }
  assert_int_equal (mt_bson_date (&stats, "period.to", 0), FX_NOW_MS);
  assert_int_equal (mt_bson_date (&stats, "period.from", 0), at ("2025-06-12T09:00:00Z"));
  /* r1..r9 as in January, plus r3 (checked out at 1 February) and r4 (31 December). */
  assert_int_equal (mt_bson_int (&stats, "loans.count", -1), 7);
  bson_destroy (&stats);
}

int
main (void)
{
  const struct CMUnitTest pure[] = {
    MT_TEST ("stats/impact/rounding", impact_rounding),
    MT_TEST ("stats/impact/sums_round_once_without_factor", impact_sums_round_once),
    MT_TEST ("stats/loan_days/ceil", loan_days_ceil),
    MT_TEST ("stats/services/booking_minutes", booking_minutes),
    MT_TEST ("stats/period/defaults_and_checks", period_defaults_and_checks),
    MT_TEST ("stats/factors/checks", table_checks),
    MT_TEST ("stats/factors/exact_values", table_parses_exact_values),
    MT_TEST ("stats/factors/embedded_table_is_complete", embedded_table_is_complete),
  };
  const struct CMUnitTest store[] = {
    MT_TEST ("stats/aggregates/by_filter", aggregates_by_filter),
    MT_TEST ("stats/refusals", refusals),
    MT_TEST ("stats/answer/embedded_factors", answer_carries_the_embedded_factors),
    MT_TEST ("stats/period/default_last_year", default_period_is_the_last_year),
  };
  int failed = cmocka_run_group_tests_name ("stats (maths)", pure, NULL, NULL);

  failed += cmocka_run_group_tests_name ("stats (store)", store, st_setup, st_teardown);
  return failed;
}
