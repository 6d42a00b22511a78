/*
 * stats: statistics and impact estimate of GET /v1/admin/stats; see stats.h for the
 * definitions.
 *
 * The work, bounded at every step:
 *   1. the members (member_list, at most MT_STATS_MEMBERS_MAX) into a table sorted by id:
 *      network membership, departement, status, and the roles taken in the period;
 *   2. the loans: reservations checked out, returned or closed, created before `to`
 *      (reservation_list), kept when checked out in the period and matching the network;
 *      then, sorted by listing, each listing read once (category, departement);
 *   3. the services: confirmed bookings completed before `to` (booking_list), likewise;
 *   4. the listings created in the period (listing_search, newest first: stops at `from`);
 *   5. the ledger: every member's entries (ledger_list, newest first: stops at `from`), each
 *      entry counted at its sender, or at its receiver when the sender is "system".
 */
#include "stats.h"

#include "categories.h"
#include "mt_bson.h"
#include "mt_embed.h"
#include "mt_json.h"
#include "mt_log.h"
#include "mt_time.h"
#include "reservations.h"
#include "store.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MT_LOG_DOMAIN "stats"

#define MT_STATS_ID_MAX 64 /* ids kept in the tables (mt_id: 26 bytes) */
#define MT_STATS_PAGE 100  /* documents per store page */
#define MT_STATS_SYSTEM "system"

/* Roles a member took in the period (mt_stats_member_t.roles). */
enum {
  MT_STATS_BORROWER = 1 << 0,
  MT_STATS_LENDER = 1 << 1,
  MT_STATS_REQUESTER = 1 << 2,
  MT_STATS_PROVIDER = 1 << 3,
  MT_STATS_LISTER = 1 << 4,
};

/* What was cut by a bound (limits.truncated). */
enum {
  MT_STATS_CUT_MEMBERS = 1 << 0,
  MT_STATS_CUT_RESERVATIONS = 1 << 1,
  MT_STATS_CUT_BOOKINGS = 1 << 2,
  MT_STATS_CUT_LISTINGS = 1 << 3,
  MT_STATS_CUT_LEDGER = 1 << 4,
};

extern const mt_embed_file_t mutua_schema_files[];

/* ---- The factor table ------------------------------------------------------------------- */

/* Reads the number at @it as an integer count of 1/@scale, in 0..@max × @scale; false when it
 * is not a number, out of range or finer than 1/@scale. */
static bool
mt_impact_fixed (const bson_iter_t *it, int64_t scale, int64_t max, int64_t *out)
{
  double value;
  double scaled;
  double rounded;

  if (BSON_ITER_HOLDS_INT32 (it) || BSON_ITER_HOLDS_INT64 (it)) {
    int64_t v = bson_iter_as_int64 (it);
    if (v < 0 || v > max) {
      return false;
    }
    *out = v * scale;
    return true;
  }
  if (!BSON_ITER_HOLDS_DOUBLE (it)) {
    return false;
  }
  value = bson_iter_double (it);
  if (!isfinite (value) || value < 0.0 || value > (double) max) {
    return false;
  }
  scaled = value * (double) scale;
  rounded = nearbyint (scaled);
  if (fabs (scaled - rounded) > 1e-6 * (rounded > 1.0 ? rounded : 1.0)) {
    return false;
  }
  *out = (int64_t) rounded;
  return true;
}

/* The non-empty string at @key of the document at @entry, or NULL. */
static const char *
mt_impact_text (const bson_iter_t *entry, const char *key)
{
  bson_iter_t child;
  const char *text;

  if (!BSON_ITER_HOLDS_DOCUMENT (entry) || !bson_iter_recurse (entry, &child) ||
      !bson_iter_find (&child, key) || !BSON_ITER_HOLDS_UTF8 (&child)) {
    return NULL;
  }
  text = bson_iter_utf8 (&child, NULL);
  return *text ? text : NULL;
}

/* The number at @key of the document at @entry (see mt_impact_fixed). */
static bool
mt_impact_number (const bson_iter_t *entry, const char *key, int64_t scale, int64_t max,
                  int64_t *out)
{
  bson_iter_t child;

  return BSON_ITER_HOLDS_DOCUMENT (entry) && bson_iter_recurse (entry, &child) &&
         bson_iter_find (&child, key) && mt_impact_fixed (&child, scale, max, out);
}

/* True when @slug is a good of categories.json. */
static bool
mt_impact_good (const char *slug)
{
  const mt_category_t *c = mt_category_find (slug);
  return c && strcmp (c->kind, "good") == 0;
}

/* Checks the "without_factor" array of @table->doc (optional): entries {category, reason},
 * goods, not given a factor, each once. */
static bool
mt_impact_check_without (const mt_impact_table_t *table, mt_error_t *error)
{
  bson_iter_t it;
  bson_iter_t entry;
  bool ok = true;

  if (!bson_iter_init_find (&it, &table->doc, "without_factor")) {
    return true;
  }
  if (!BSON_ITER_HOLDS_ARRAY (&it) || !bson_iter_recurse (&it, &entry)) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL,
                  "table des facteurs : without_factor doit être un tableau",
                  "factor table: without_factor must be an array");
    return false;
  }
  while (ok && bson_iter_next (&entry)) {
    const char *slug = mt_impact_text (&entry, "category");
    bson_iter_t before;
    if (!slug || !mt_impact_text (&entry, "reason") || !mt_impact_good (slug) ||
        mt_impact_table_find (table, slug)) {
      ok = false;
    }
    /* Each category once. */
    if (ok && bson_iter_recurse (&it, &before)) {
      while (bson_iter_next (&before) && strcmp (bson_iter_key (&before), bson_iter_key (&entry))) {
        const char *other = mt_impact_text (&before, "category");
        ok = ok && !(other && strcmp (other, slug) == 0);
      }
    }
    if (!ok) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL,
                    "table des facteurs : without_factor/%s invalide (catégorie de bien connue, "
                    "sans facteur, une fois ; raison)",
                    "factor table: invalid without_factor/%s (a known good category without a "
                    "factor, once; a reason)",
                    bson_iter_key (&entry));
    }
  }
  return ok;
}

bool
mt_impact_table_parse (const char *json, size_t len, mt_impact_table_t *table, mt_error_t *error)
{
  bson_iter_t it;
  bson_iter_t entry;
  bool ok = false;

  memset (table->factors, 0, sizeof table->factors);
  table->count = 0;
  if (!mt_json_parse_object (json, len, MT_JSON_TRUSTED, &table->doc, error)) {
    goto done; /* doc initialised (empty) by the parser */
  }
  if (!bson_iter_init_find (&it, &table->doc, "factors") || !BSON_ITER_HOLDS_ARRAY (&it) ||
      !bson_iter_recurse (&it, &entry)) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL,
                  "table des facteurs : tableau factors absent", "factor table: no factors array");
    goto done;
  }
  while (bson_iter_next (&entry)) {
    mt_impact_factor_t f = {
      .category = mt_impact_text (&entry, "category"),
      .item = mt_impact_text (&entry, "item"),
      .source = mt_impact_text (&entry, "source"),
      .assumption = mt_impact_text (&entry, "assumption"),
    };
    if (table->count == MT_IMPACT_FACTORS_MAX) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL,
                    "table des facteurs : plus de %d facteurs",
                    "factor table: more than %d factors", MT_IMPACT_FACTORS_MAX);
      goto done;
    }
    if (!f.category || !f.item || !f.source || !f.assumption || !mt_impact_good (f.category) ||
        mt_impact_table_find (table, f.category) ||
        !mt_impact_number (&entry, "price_eur", 100, MT_IMPACT_PRICE_MAX_EUR, &f.price_cents) ||
        !mt_impact_number (&entry, "kg_co2e", 10, MT_IMPACT_KG_MAX, &f.kg_tenths) ||
        !mt_impact_number (&entry, "avoided_purchase_share", 1000, 1, &f.share_permille)) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL,
                    "table des facteurs : facteur %s invalide (catégorie de bien connue, une "
                    "fois ; prix, kg CO2e et part dans leurs bornes ; textes)",
                    "factor table: invalid factor %s (a known good category, once; price, kg "
                    "CO2e and share within bounds; texts)",
                    bson_iter_key (&entry));
      goto done;
    }
    table->factors[table->count++] = f;
  }
  ok = mt_impact_check_without (table, error);
done:
  if (!ok) {
    table->count = 0;
  }
  return ok;
}

void
mt_impact_table_destroy (mt_impact_table_t *table)
{
  bson_destroy (&table->doc);
  table->count = 0;
}

static pthread_once_t mt_impact_once = PTHREAD_ONCE_INIT;
static mt_impact_table_t mt_impact_embedded; /* never destroyed */
static bool mt_impact_embedded_ok;

static void
mt_impact_load (void)
{
  const mt_embed_file_t *file = mt_embed_find (mutua_schema_files, "impact-factors.json");
  mt_error_t error = { 0 };

  if (!file) {
    bson_init (&mt_impact_embedded.doc);
    MT_ERROR ("impact-factors.json is not embedded");
    return;
  }
  mt_impact_embedded_ok =
    mt_impact_table_parse ((const char *) file->data, file->len, &mt_impact_embedded, &error);
  if (!mt_impact_embedded_ok) {
    MT_ERROR ("impact-factors.json: %s", error.message);
  }
}

const mt_impact_table_t *
mt_impact_table (void)
{
  pthread_once (&mt_impact_once, mt_impact_load);
  return mt_impact_embedded_ok ? &mt_impact_embedded : NULL;
}

const mt_impact_factor_t *
mt_impact_table_find (const mt_impact_table_t *table, const char *category)
{
  if (!table || !category) {
    return NULL;
  }
  for (size_t i = 0; i < table->count; i++) {
    if (strcmp (table->factors[i].category, category) == 0) {
      return &table->factors[i];
    }
  }
  return NULL;
}

/* ---- The maths ----------------------------------------------------------------------------- */

void
mt_impact_add (mt_impact_sum_t *sum, const mt_impact_factor_t *factor, int64_t units)
{
  int64_t purchases;

  if (!factor || units <= 0) {
    return;
  }
  purchases = units * factor->share_permille;     /* 1e-3 purchases */
  sum->purchases_milli += purchases;              /* <= 1e8 × 1e3 */
  sum->eur_e5 += purchases * factor->price_cents; /* <= 1e11 × 1e7 */
  sum->kg_e4 += purchases * factor->kg_tenths;    /* <= 1e11 × 1e6 */
}

int64_t
mt_impact_purchases_tenths (const mt_impact_sum_t *sum)
{
  return (sum->purchases_milli + 50) / 100;
}

int64_t
mt_impact_eur (const mt_impact_sum_t *sum)
{
  return (sum->eur_e5 + 50000) / 100000;
}

int64_t
mt_impact_kg (const mt_impact_sum_t *sum)
{
  return (sum->kg_e4 + 5000) / 10000;
}

int64_t
mt_stats_loan_days (int64_t start_ms, int64_t end_ms)
{
  int64_t length = end_ms - start_ms;

  if (length <= MT_STATS_DAY_MS) {
    return 1;
  }
  return length / MT_STATS_DAY_MS + (length % MT_STATS_DAY_MS ? 1 : 0);
}

int64_t
mt_stats_booking_minutes (const bson_t *booking)
{
  bson_iter_t it;

  if (bson_iter_init_find (&it, booking, "hours") &&
      (BSON_ITER_HOLDS_DOUBLE (&it) || BSON_ITER_HOLDS_INT32 (&it) ||
       BSON_ITER_HOLDS_INT64 (&it))) {
    double hours =
      BSON_ITER_HOLDS_DOUBLE (&it) ? bson_iter_double (&it) : (double) bson_iter_as_int64 (&it);
    /* A booking lasts at most a week (duration_minutes <= 10080); more is kept as is up to
     * a year, beyond which the value is not believed. */
    if (isfinite (hours) && hours > 0.0 && hours <= 8784.0) {
      return (int64_t) llround (hours * 60.0);
    }
  }
  {
    int64_t minutes = mt_bson_int (booking, "duration_minutes", 0);
    return minutes > 0 && minutes <= 527040 ? minutes : 0;
  }
}

/* ---- Parameters ---------------------------------------------------------------------------- */

/* Sets a 400 naming parameter @name (the error's path). */
#define mt_stats_bad(error, name, fr, en, ...)                                                     \
  do {                                                                                             \
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_BAD_REQUEST, fr, en, ##__VA_ARGS__);            \
    mt_error_set_path (error, name);                                                               \
  } while (0)

/* The civil date of @days since 1970-01-01 (H. Hinnant's algorithm). */
static void
mt_stats_civil (int64_t days, int64_t *year, unsigned *month, unsigned *day)
{
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;

  *year = yoe + era * 400 + (m <= 2 ? 1 : 0);
  *month = (unsigned) m;
  *day = (unsigned) d;
}

/* The same instant one calendar year before @ms (29 February -> 28 February). */
static int64_t
mt_stats_year_before (int64_t ms)
{
  int64_t days = ms / MT_STATS_DAY_MS - (ms % MT_STATS_DAY_MS < 0 ? 1 : 0);
  int64_t time_of_day = ms - days * MT_STATS_DAY_MS;
  int64_t year;
  unsigned month, day;

  mt_stats_civil (days, &year, &month, &day);
  if (month == 2 && day == 29) {
    day = 28;
  }
  return mt_time_days_from_civil (year - 1, month, day) * MT_STATS_DAY_MS + time_of_day;
}

/* Parses the time parameter @name; false with a 400 naming it. */
static bool
mt_stats_time (const char *text, const char *name, int64_t *ms, mt_error_t *error)
{
  if (!mt_time_parse_rfc3339 (text, strlen (text), ms)) {
    mt_stats_bad (error, name, "paramètre %s invalide (date RFC 3339 attendue)",
                  "invalid %s parameter (RFC 3339 date-time expected)", name);
    return false;
  }
  return true;
}

bool
mt_stats_period_parse (const char *from, const char *to, int64_t now_ms, int64_t *from_ms,
                       int64_t *to_ms, mt_error_t *error)
{
  bool ok = false;

  *from_ms = 0;
  *to_ms = now_ms;
  if (to && !mt_stats_time (to, "to", to_ms, error)) {
    goto done;
  }
  if (from) {
    if (!mt_stats_time (from, "from", from_ms, error)) {
      goto done;
    }
  } else {
    *from_ms = mt_stats_year_before (*to_ms);
  }
  if (*from_ms >= *to_ms) {
    mt_stats_bad (error, from ? "to" : "from", "la période doit finir après son début (to > from)",
                  "the period must end after it starts (to > from)");
  } else if (*to_ms - *from_ms > MT_STATS_PERIOD_MAX_DAYS * MT_STATS_DAY_MS) {
    mt_stats_bad (error, "from", "période trop longue (au plus %d jours)",
                  "period too long (at most %d days)", MT_STATS_PERIOD_MAX_DAYS);
  } else {
    ok = true;
  }
done:
  if (!ok) {
    *from_ms = 0;
    *to_ms = 0;
  }
  return ok;
}

/* True for a département code (common.json: 01..95 but 20, 2A, 2B, 971..976). */
static bool
mt_stats_departement_valid (const char *d)
{
  size_t n = strlen (d);

  if (n == 2 && d[0] == '2' && (d[1] == 'A' || d[1] == 'B')) {
    return true;
  }
  if (n == 2 && d[0] >= '0' && d[0] <= '9' && d[1] >= '0' && d[1] <= '9') {
    int v = (d[0] - '0') * 10 + (d[1] - '0');
    return v >= 1 && v <= 95;
  }
  return n == 3 && d[0] == '9' && d[1] == '7' && d[2] >= '1' && d[2] <= '6';
}

/* ---- The run ------------------------------------------------------------------------------- */

typedef struct {
  char id[MT_STATS_ID_MAX];
  char departement[4];
  bool in_network;
  bool status_active;
  unsigned roles;
} mt_stats_member_t;

/* A counted loan or service before its listing is read. */
typedef struct {
  char listing_id[MT_STATS_ID_MAX];
  int32_t a; /* borrower / requester: member index, or -1 */
  int32_t b; /* lender / provider */
  int64_t units;
  int64_t amount; /* loan-days / minutes */
} mt_stats_item_t;

typedef struct {
  int64_t count;
  int64_t amount;
} mt_stats_tally_t;

typedef struct {
  const mt_ctx_t *ctx;
  mt_store_t *store;
  const mt_impact_table_t *table;
  int64_t from;
  int64_t to;
  const char *network;
  const char *departement;
  unsigned cut;

  mt_stats_member_t *members; /* sorted by id */
  size_t member_count;

  mt_stats_item_t *items; /* loans, then services (reused) */
  size_t item_count;
  size_t item_cap;

  /* Per category of categories.json, plus one for unknown categories (last). */
  size_t category_count;
  int64_t *cat_loans;
  int64_t *cat_units;
  int64_t *cat_days;

  int64_t loans, units, loan_days;
  int64_t bookings, minutes;
  int64_t listings;
  mt_stats_tally_t transfers, grants, reversals;
} mt_stats_run_t;

static int
mt_stats_member_cmp (const void *a, const void *b)
{
  return strcmp (((const mt_stats_member_t *) a)->id, ((const mt_stats_member_t *) b)->id);
}

static int
mt_stats_item_cmp (const void *a, const void *b)
{
  return strcmp (((const mt_stats_item_t *) a)->listing_id,
                 ((const mt_stats_item_t *) b)->listing_id);
}

/* Index of member @id in the table, or -1. */
static int32_t
mt_stats_member_index (const mt_stats_run_t *run, const char *id)
{
  mt_stats_member_t key;
  const mt_stats_member_t *found;

  if (!id || strlen (id) >= sizeof key.id || !run->members) {
    return -1;
  }
  memcpy (key.id, id, strlen (id) + 1);
  found = bsearch (&key, run->members, run->member_count, sizeof key, mt_stats_member_cmp);
  return found ? (int32_t) (found - run->members) : -1;
}

static bool
mt_stats_in_network (const mt_stats_run_t *run, int32_t index)
{
  return !run->network || (index >= 0 && run->members[index].in_network);
}

static bool
mt_stats_in_departement (const mt_stats_run_t *run, int32_t index)
{
  return !run->departement ||
         (index >= 0 && strcmp (run->members[index].departement, run->departement) == 0);
}

static void
mt_stats_add_role (mt_stats_run_t *run, int32_t index, unsigned role)
{
  if (index >= 0) {
    run->members[index].roles |= role;
  }
}

static bool
mt_stats_no_memory (mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "mémoire insuffisante", "out of memory");
  return false;
}

/* Moves @it to its next document, viewed as @doc; false at the end. */
static bool
mt_stats_next_doc (bson_iter_t *it, bson_t *doc)
{
  while (bson_iter_next (it)) {
    const uint8_t *data;
    uint32_t len;
    if (BSON_ITER_HOLDS_DOCUMENT (it)) {
      bson_iter_document (it, &len, &data);
      if (bson_init_static (doc, data, len)) {
        return true;
      }
    }
  }
  return false;
}

/* 1. The members. */
static bool
mt_stats_load_members (mt_stats_run_t *run, mt_error_t *error)
{
  mt_store_member_query_t query = { .limit = MT_STATS_PAGE };
  char cursor[MT_STORE_CURSOR_MAX] = "";
  size_t cap = 0;
  bool ok = false;

  do {
    mt_store_page_t page;
    bson_iter_t it;
    bson_t member;

    query.cursor = cursor[0] ? cursor : NULL;
    if (!run->store->ops->member_list (run->store, &query, &page, error)) {
      mt_store_page_destroy (&page);
      goto done;
    }
    bson_iter_init (&it, &page.items);
    while (mt_stats_next_doc (&it, &member)) {
      const char *id = mt_bson_str (&member, "id");
      const char *dep = mt_bson_str (&member, "territory.departement");
      mt_stats_member_t *m;
      if (!id || strlen (id) >= sizeof m->id) {
        continue;
      }
      if (run->member_count == MT_STATS_MEMBERS_MAX) {
        run->cut |= MT_STATS_CUT_MEMBERS;
        break;
      }
      if (run->member_count == cap) {
        size_t next = cap ? cap * 2 : 256;
        mt_stats_member_t *grown = realloc (run->members, next * sizeof *grown);
        if (!grown) {
          mt_store_page_destroy (&page);
          ok = mt_stats_no_memory (error);
          goto done;
        }
        run->members = grown;
        cap = next;
      }
      m = &run->members[run->member_count++];
      memset (m, 0, sizeof *m);
      memcpy (m->id, id, strlen (id) + 1);
      if (dep && strlen (dep) < sizeof m->departement) {
        memcpy (m->departement, dep, strlen (dep) + 1);
      }
      m->in_network = run->network && mt_bson_array_has_str (&member, "networks", run->network);
      m->status_active = mt_bson_str_eq (&member, "status", "active");
    }
    memcpy (cursor, page.next_cursor, sizeof cursor);
    mt_store_page_destroy (&page);
  } while (cursor[0] && !(run->cut & MT_STATS_CUT_MEMBERS));
  if (run->member_count) {
    qsort (run->members, run->member_count, sizeof *run->members, mt_stats_member_cmp);
  }
  ok = true;
done:
  return ok;
}

/* Appends an item; false on allocation failure. */
static bool
mt_stats_push (mt_stats_run_t *run, const mt_stats_item_t *item, mt_error_t *error)
{
  if (run->item_count == run->item_cap) {
    size_t next = run->item_cap ? run->item_cap * 2 : 256;
    mt_stats_item_t *grown = realloc (run->items, next * sizeof *grown);
    if (!grown) {
      return mt_stats_no_memory (error);
    }
    run->items = grown;
    run->item_cap = next;
  }
  run->items[run->item_count++] = *item;
  return true;
}

/* When @reservation was checked out: checkout.at, else its history item to "checked_out";
 * 0 when neither is there. */
static int64_t
mt_stats_checkout_at (const bson_t *reservation)
{
  int64_t at = mt_bson_date (reservation, "checkout.at", 0);
  bson_iter_t it;
  bson_iter_t item;

  if (at || !bson_iter_init_find (&it, reservation, "history") || !BSON_ITER_HOLDS_ARRAY (&it) ||
      !bson_iter_recurse (&it, &item)) {
    return at;
  }
  while (bson_iter_next (&item)) {
    bson_iter_t field;
    bson_iter_t when;
    if (BSON_ITER_HOLDS_DOCUMENT (&item) && bson_iter_recurse (&item, &field) &&
        bson_iter_find (&field, "to") && BSON_ITER_HOLDS_UTF8 (&field) &&
        strcmp (bson_iter_utf8 (&field, NULL), MT_RESERVATION_CHECKED_OUT) == 0 &&
        bson_iter_recurse (&item, &when) && bson_iter_find (&when, "at") &&
        BSON_ITER_HOLDS_DATE_TIME (&when)) {
      return bson_iter_date_time (&when);
    }
  }
  return 0;
}

/* Keeps @listing_id (NULL or too long: "") in @item. */
static void
mt_stats_item_listing (mt_stats_item_t *item, const char *listing_id)
{
  size_t n = listing_id ? strlen (listing_id) : 0;

  item->listing_id[0] = '\0';
  if (n && n < sizeof item->listing_id) {
    memcpy (item->listing_id, listing_id, n + 1);
  }
}

/* 2a. The reservations checked out in the period (matching the network) into run->items. */
static bool
mt_stats_scan_loans (mt_stats_run_t *run, mt_error_t *error)
{
  static const char *const statuses[] = { MT_RESERVATION_CHECKED_OUT, MT_RESERVATION_RETURNED,
                                          MT_RESERVATION_CLOSED, NULL };
  mt_store_reservation_query_t query = {
    .statuses = statuses,
    .due = MT_RESERVATION_DUE_CREATED, /* checked out after it was made */
    .due_before = run->to - 1,
    .limit = MT_STATS_PAGE,
  };
  char cursor[MT_STORE_CURSOR_MAX] = "";
  size_t read = 0;
  bool ok = false;

  do {
    mt_store_page_t page;
    bson_iter_t it;
    bson_t res;

    query.cursor = cursor[0] ? cursor : NULL;
    if (!run->store->ops->reservation_list (run->store, &query, &page, error)) {
      mt_store_page_destroy (&page);
      goto done;
    }
    bson_iter_init (&it, &page.items);
    while (mt_stats_next_doc (&it, &res)) {
      int64_t at = mt_stats_checkout_at (&res);
      mt_stats_item_t item;
      if (read++ == MT_STATS_RESERVATIONS_MAX) {
        run->cut |= MT_STATS_CUT_RESERVATIONS;
        break;
      }
      if (at < run->from || at >= run->to) {
        continue;
      }
      item.a = mt_stats_member_index (run, mt_bson_str (&res, "borrower_member_id"));
      item.b = mt_stats_member_index (run, mt_bson_str (&res, "owner_member_id"));
      if (!mt_stats_in_network (run, item.a) && !mt_stats_in_network (run, item.b)) {
        continue;
      }
      mt_stats_item_listing (&item, mt_bson_str (&res, "listing_id"));
      item.units = mt_bson_int (&res, "units", 1);
      item.units = item.units < 1                    ? 1
                   : item.units > MT_STATS_UNITS_MAX ? MT_STATS_UNITS_MAX
                                                     : item.units;
      item.amount =
        mt_stats_loan_days (mt_bson_date (&res, "start", 0), mt_bson_date (&res, "end", 0));
      if (!mt_stats_push (run, &item, error)) {
        mt_store_page_destroy (&page);
        goto done;
      }
    }
    memcpy (cursor, page.next_cursor, sizeof cursor);
    mt_store_page_destroy (&page);
  } while (cursor[0] && !(run->cut & MT_STATS_CUT_RESERVATIONS));
  ok = true;
done:
  return ok;
}

/* What the statistics need of a listing: the index of its category in categories.json
 * (run->category_count - 1 when unknown) and its departement ("" when unknown). */
static bool
mt_stats_listing_info (mt_stats_run_t *run, const char *id, size_t *category, char dep[4],
                       mt_error_t *error)
{
  bson_t listing;
  mt_error_t local = { 0 };
  bool ok = true;

  *category = run->category_count - 1;
  dep[0] = '\0';
  if (!*id) {
    return true;
  }
  if (!run->store->ops->listing_get (run->store, id, &listing, &local)) {
    if (local.code != MT_ERR_NOT_FOUND) {
      mt_error_copy (error, &local);
      ok = false;
    }
  } else {
    const char *slug = mt_bson_str (&listing, "category");
    const char *d = mt_bson_str (&listing, "territory.departement");
    for (size_t i = 0; slug && i + 1 < run->category_count; i++) {
      if (strcmp (mt_category_at (i)->slug, slug) == 0) {
        *category = i;
        break;
      }
    }
    if (d && strlen (d) < 4) {
      memcpy (dep, d, strlen (d) + 1);
    }
  }
  bson_destroy (&listing);
  return ok;
}

/* 2b/3b. Reads the listing of each item once (items sorted by listing), keeps the items in
 * the departement and adds them up: loans when @loans, else services. */
static bool
mt_stats_resolve (mt_stats_run_t *run, bool loans, mt_error_t *error)
{
  size_t category = 0;
  char dep[4] = "";

  if (run->item_count > 1) {
    qsort (run->items, run->item_count, sizeof *run->items, mt_stats_item_cmp);
  }
  for (size_t i = 0; i < run->item_count; i++) {
    const mt_stats_item_t *item = &run->items[i];
    if ((i == 0 || strcmp (item->listing_id, run->items[i - 1].listing_id) != 0) &&
        !mt_stats_listing_info (run, item->listing_id, &category, dep, error)) {
      return false;
    }
    if (run->departement && strcmp (dep, run->departement) != 0) {
      continue;
    }
    if (loans) {
      run->loans++;
      run->units += item->units;
      run->loan_days += item->amount;
      run->cat_loans[category]++;
      run->cat_units[category] += item->units;
      run->cat_days[category] += item->amount;
      mt_stats_add_role (run, item->a, MT_STATS_BORROWER);
      mt_stats_add_role (run, item->b, MT_STATS_LENDER);
    } else {
      run->bookings++;
      run->minutes += item->amount;
      mt_stats_add_role (run, item->a, MT_STATS_REQUESTER);
      mt_stats_add_role (run, item->b, MT_STATS_PROVIDER);
    }
  }
  return true;
}

/* 3a. The confirmed bookings completed in the period (matching the network). */
static bool
mt_stats_scan_services (mt_stats_run_t *run, mt_error_t *error)
{
  static const char *const statuses[] = { "confirmed", NULL };
  mt_store_booking_query_t query = {
    .statuses = statuses,
    .due = MT_BOOKING_DUE_COMPLETED,
    .due_before = run->to - 1,
    .limit = MT_STATS_PAGE,
  };
  char cursor[MT_STORE_CURSOR_MAX] = "";
  size_t read = 0;
  bool ok = false;

  run->item_count = 0;
  if (!run->store->ops->booking_list) {
    return true; /* a store without bookings: none */
  }
  do {
    mt_store_page_t page;
    bson_iter_t it;
    bson_t booking;

    query.cursor = cursor[0] ? cursor : NULL;
    if (!run->store->ops->booking_list (run->store, &query, &page, error)) {
      mt_store_page_destroy (&page);
      goto done;
    }
    bson_iter_init (&it, &page.items);
    while (mt_stats_next_doc (&it, &booking)) {
      int64_t at = mt_bson_date (&booking, "completed_at", 0);
      mt_stats_item_t item;
      if (read++ == MT_STATS_BOOKINGS_MAX) {
        run->cut |= MT_STATS_CUT_BOOKINGS;
        break;
      }
      if (at < run->from || at >= run->to) {
        continue;
      }
      item.a = mt_stats_member_index (run, mt_bson_str (&booking, "requester_member_id"));
      item.b = mt_stats_member_index (run, mt_bson_str (&booking, "provider_member_id"));
      if (!mt_stats_in_network (run, item.a) && !mt_stats_in_network (run, item.b)) {
        continue;
      }
      mt_stats_item_listing (&item, mt_bson_str (&booking, "listing_id"));
      item.units = 1;
      item.amount = mt_stats_booking_minutes (&booking);
      if (!mt_stats_push (run, &item, error)) {
        mt_store_page_destroy (&page);
        goto done;
      }
    }
    memcpy (cursor, page.next_cursor, sizeof cursor);
    mt_store_page_destroy (&page);
  } while (cursor[0] && !(run->cut & MT_STATS_CUT_BOOKINGS));
  ok = true;
done:
  return ok;
}

/* 4. The listings created in the period (newest first: stops before `from`). */
static bool
mt_stats_scan_listings (mt_stats_run_t *run, mt_error_t *error)
{
  mt_store_listing_query_t query = {
    .departement = run->departement,
    .network_id = run->network,
    .any_visibility = true,
    .sort = MT_LISTING_SORT_RECENT,
    .limit = MT_STATS_PAGE,
  };
  char cursor[MT_STORE_CURSOR_MAX] = "";
  size_t read = 0;
  bool older = false;
  bool ok = false;

  do {
    mt_store_page_t page;
    bson_iter_t it;
    bson_t listing;

    query.cursor = cursor[0] ? cursor : NULL;
    if (!run->store->ops->listing_search (run->store, &query, &page, error)) {
      mt_store_page_destroy (&page);
      goto done;
    }
    bson_iter_init (&it, &page.items);
    while (!older && mt_stats_next_doc (&it, &listing)) {
      int64_t at = mt_bson_date (&listing, "created_at", 0);
      if (read++ == MT_STATS_LISTINGS_MAX) {
        run->cut |= MT_STATS_CUT_LISTINGS;
        break;
      }
      if (at < run->from) {
        older = true;
      } else if (at < run->to) {
        run->listings++;
        mt_stats_add_role (run, mt_stats_member_index (run, mt_bson_str (&listing, "owner_id")),
                           MT_STATS_LISTER);
      }
    }
    memcpy (cursor, page.next_cursor, sizeof cursor);
    mt_store_page_destroy (&page);
  } while (cursor[0] && !older && !(run->cut & MT_STATS_CUT_LISTINGS));
  ok = true;
done:
  return ok;
}

/* Counts ledger @entry (listed for member @index) when it is its to count there. */
static void
mt_stats_ledger_entry (mt_stats_run_t *run, int32_t index, const bson_t *entry)
{
  const char *self = run->members[index].id;
  const char *from = mt_bson_str (entry, "from");
  const char *to = mt_bson_str (entry, "to");
  int64_t amount = mt_bson_int (entry, "amount", 0);
  bool from_system = from && strcmp (from, MT_STATS_SYSTEM) == 0;
  bool to_system = to && strcmp (to, MT_STATS_SYSTEM) == 0;
  int32_t from_index, to_index;
  mt_stats_tally_t *tally;

  if (!from || !to || amount <= 0) {
    return;
  }
  /* Once: at the sender, or at the receiver of a grant. */
  if (!(strcmp (from, self) == 0 || (from_system && strcmp (to, self) == 0))) {
    return;
  }
  from_index = from_system ? -1 : mt_stats_member_index (run, from);
  to_index = to_system ? -1 : mt_stats_member_index (run, to);
  if (!mt_stats_in_network (run, from_index) && !mt_stats_in_network (run, to_index)) {
    return;
  }
  if (!mt_stats_in_departement (run, from_index) && !mt_stats_in_departement (run, to_index)) {
    return;
  }
  if (mt_bson_has (entry, "reverses")) {
    tally = &run->reversals;
  } else if (from_system) {
    tally = to_system ? NULL : &run->grants;
  } else {
    tally = to_system ? NULL : &run->transfers;
  }
  if (tally) {
    tally->count++;
    tally->amount += amount;
  }
}

/* 5. The ledger, member by member (newest first: stops before `from`). */
static bool
mt_stats_scan_ledger (mt_stats_run_t *run, mt_error_t *error)
{
  size_t read = 0;

  if (!run->store->ops->ledger_list) {
    return true; /* a store without a ledger: nothing moved */
  }
  for (size_t m = 0; m < run->member_count && !(run->cut & MT_STATS_CUT_LEDGER); m++) {
    char cursor[MT_STORE_CURSOR_MAX] = "";
    bool older = false;
    do {
      mt_store_page_t page;
      bson_iter_t it;
      bson_t entry;

      if (!run->store->ops->ledger_list (run->store, run->members[m].id, cursor[0] ? cursor : NULL,
                                         MT_STATS_PAGE, &page, error)) {
        mt_store_page_destroy (&page);
        return false;
      }
      bson_iter_init (&it, &page.items);
      while (!older && mt_stats_next_doc (&it, &entry)) {
        int64_t at = mt_bson_date (&entry, "created_at", 0);
        if (read++ == MT_STATS_LEDGER_MAX) {
          run->cut |= MT_STATS_CUT_LEDGER;
          break;
        }
        if (at < run->from) {
          older = true;
        } else if (at < run->to) {
          mt_stats_ledger_entry (run, (int32_t) m, &entry);
        }
      }
      memcpy (cursor, page.next_cursor, sizeof cursor);
      mt_store_page_destroy (&page);
    } while (cursor[0] && !older && !(run->cut & MT_STATS_CUT_LEDGER));
  }
  return true;
}

/* ---- The answer ---------------------------------------------------------------------------- */

/* Appends @value / @scale: an integer when whole, else a double. */
static void
mt_stats_append_fixed (bson_t *doc, const char *key, int64_t value, int64_t scale)
{
  if (value % scale == 0) {
    BSON_APPEND_INT64 (doc, key, value / scale);
  } else {
    BSON_APPEND_DOUBLE (doc, key, (double) value / (double) scale);
  }
}

static void
mt_stats_append_impact (bson_t *doc, const mt_impact_sum_t *sum)
{
  mt_stats_append_fixed (doc, "purchases_avoided", mt_impact_purchases_tenths (sum), 10);
  BSON_APPEND_INT64 (doc, "eur", mt_impact_eur (sum));
  BSON_APPEND_INT64 (doc, "kg_co2e", mt_impact_kg (sum));
}

static void
mt_stats_append_tally (bson_t *doc, const char *key, const mt_stats_tally_t *tally)
{
  bson_t child;

  BSON_APPEND_DOCUMENT_BEGIN (doc, key, &child);
  BSON_APPEND_INT64 (&child, "count", tally->count);
  BSON_APPEND_INT64 (&child, "amount", tally->amount);
  bson_append_document_end (doc, &child);
}

static void
mt_stats_append_str_or_null (bson_t *doc, const char *key, const char *value)
{
  if (value) {
    BSON_APPEND_UTF8 (doc, key, value);
  } else {
    BSON_APPEND_NULL (doc, key);
  }
}

/* Copies @key of the table's document, when present. */
static void
mt_stats_copy_field (bson_t *doc, const bson_t *table_doc, const char *key)
{
  bson_iter_t it;

  if (bson_iter_init_find (&it, table_doc, key)) {
    bson_append_iter (doc, key, -1, &it);
  }
}

/* impact.factors: the table as applied. */
static void
mt_stats_append_factors (bson_t *impact, const mt_impact_table_t *table)
{
  bson_t factors;
  bson_t items;
  char keybuf[16];
  const char *key;

  BSON_APPEND_DOCUMENT_BEGIN (impact, "factors", &factors);
  mt_stats_copy_field (&factors, &table->doc, "version");
  mt_stats_copy_field (&factors, &table->doc, "warning");
  mt_stats_copy_field (&factors, &table->doc, "method");
  mt_stats_copy_field (&factors, &table->doc, "sources");
  BSON_APPEND_ARRAY_BEGIN (&factors, "items", &items);
  for (size_t i = 0; i < table->count; i++) {
    const mt_impact_factor_t *f = &table->factors[i];
    bson_t entry;
    bson_uint32_to_string ((uint32_t) i, &key, keybuf, sizeof keybuf);
    BSON_APPEND_DOCUMENT_BEGIN (&items, key, &entry);
    BSON_APPEND_UTF8 (&entry, "category", f->category);
    BSON_APPEND_UTF8 (&entry, "item", f->item);
    mt_stats_append_fixed (&entry, "price_eur", f->price_cents, 100);
    mt_stats_append_fixed (&entry, "kg_co2e", f->kg_tenths, 10);
    mt_stats_append_fixed (&entry, "avoided_purchase_share", f->share_permille, 1000);
    BSON_APPEND_UTF8 (&entry, "source", f->source);
    BSON_APPEND_UTF8 (&entry, "assumption", f->assumption);
    bson_append_document_end (&items, &entry);
  }
  bson_append_array_end (&factors, &items);
  if (bson_has_field (&table->doc, "without_factor")) {
    mt_stats_copy_field (&factors, &table->doc, "without_factor");
  } else {
    bson_t empty;
    BSON_APPEND_ARRAY_BEGIN (&factors, "without_factor", &empty);
    bson_append_array_end (&factors, &empty);
  }
  bson_append_document_end (impact, &factors);
}

/* "impact": totals, by_category and the factors. */
static void
mt_stats_append_impact_section (bson_t *out, const mt_stats_run_t *run)
{
  mt_impact_sum_t total = { 0 };
  int64_t with_factor = 0;
  bson_t impact;
  bson_t by;
  uint32_t n = 0;
  char keybuf[16];
  const char *key;

  BSON_APPEND_DOCUMENT_BEGIN (out, "impact", &impact);
  BSON_APPEND_ARRAY_BEGIN (&impact, "by_category", &by);
  for (size_t c = 0; c < run->category_count; c++) {
    const mt_category_t *category = c + 1 < run->category_count ? mt_category_at (c) : NULL;
    const mt_impact_factor_t *f =
      category ? mt_impact_table_find (run->table, category->slug) : NULL;
    mt_impact_sum_t sum = { 0 };
    bson_t entry;

    if (!run->cat_loans[c]) {
      continue;
    }
    mt_impact_add (&sum, f, run->cat_units[c]);
    mt_impact_add (&total, f, run->cat_units[c]);
    with_factor += f ? run->cat_units[c] : 0;
    bson_uint32_to_string (n++, &key, keybuf, sizeof keybuf);
    BSON_APPEND_DOCUMENT_BEGIN (&by, key, &entry);
    mt_stats_append_str_or_null (&entry, "category", category ? category->slug : NULL);
    mt_stats_append_str_or_null (&entry, "label_fr", category ? category->label_fr : NULL);
    mt_stats_append_str_or_null (&entry, "label_en", category ? category->label_en : NULL);
    BSON_APPEND_INT64 (&entry, "loans", run->cat_loans[c]);
    BSON_APPEND_INT64 (&entry, "units", run->cat_units[c]);
    BSON_APPEND_INT64 (&entry, "loan_days", run->cat_days[c]);
    BSON_APPEND_BOOL (&entry, "has_factor", f != NULL);
    mt_stats_append_impact (&entry, &sum);
    bson_append_document_end (&by, &entry);
  }
  bson_append_array_end (&impact, &by);
  mt_stats_append_impact (&impact, &total);
  BSON_APPEND_INT64 (&impact, "units_with_factor", with_factor);
  BSON_APPEND_INT64 (&impact, "units_without_factor", run->units - with_factor);
  mt_stats_append_factors (&impact, run->table);
  bson_append_document_end (out, &impact);
}

static void
mt_stats_answer (const mt_stats_run_t *run, bool credits_enabled, bson_t *out)
{
  static const struct {
    unsigned flag;
    const char *name;
  } cuts[] = {
    { MT_STATS_CUT_MEMBERS, "members" },   { MT_STATS_CUT_RESERVATIONS, "reservations" },
    { MT_STATS_CUT_BOOKINGS, "bookings" }, { MT_STATS_CUT_LISTINGS, "listings" },
    { MT_STATS_CUT_LEDGER, "ledger" },
  };
  int64_t roles[5] = { 0 };
  int64_t active = 0, with_status = 0;
  bson_t child, grand;
  uint32_t n = 0;
  char keybuf[16];
  const char *key;

  for (size_t i = 0; i < run->member_count; i++) {
    const mt_stats_member_t *m = &run->members[i];
    for (int r = 0; r < 5; r++) {
      roles[r] += m->roles & (1u << r) ? 1 : 0;
    }
    active += m->roles && mt_stats_in_network (run, (int32_t) i) ? 1 : 0;
    with_status += m->status_active && mt_stats_in_network (run, (int32_t) i) &&
                       mt_stats_in_departement (run, (int32_t) i)
                     ? 1
                     : 0;
  }

  BSON_APPEND_DOCUMENT_BEGIN (out, "period", &child);
  BSON_APPEND_DATE_TIME (&child, "from", run->from);
  BSON_APPEND_DATE_TIME (&child, "to", run->to);
  bson_append_document_end (out, &child);

  BSON_APPEND_DOCUMENT_BEGIN (out, "filters", &child);
  mt_stats_append_str_or_null (&child, "network", run->network);
  mt_stats_append_str_or_null (&child, "departement", run->departement);
  bson_append_document_end (out, &child);

  BSON_APPEND_DOCUMENT_BEGIN (out, "loans", &child);
  BSON_APPEND_INT64 (&child, "count", run->loans);
  BSON_APPEND_INT64 (&child, "units", run->units);
  BSON_APPEND_INT64 (&child, "loan_days", run->loan_days);
  BSON_APPEND_INT64 (&child, "borrowers", roles[0]);
  BSON_APPEND_INT64 (&child, "lenders", roles[1]);
  bson_append_document_end (out, &child);

  BSON_APPEND_DOCUMENT_BEGIN (out, "services", &child);
  BSON_APPEND_INT64 (&child, "bookings", run->bookings);
  /* Hours to the hundredth, half up. */
  mt_stats_append_fixed (&child, "hours", (run->minutes * 100 + 30) / 60, 100);
  BSON_APPEND_INT64 (&child, "requesters", roles[2]);
  BSON_APPEND_INT64 (&child, "providers", roles[3]);
  bson_append_document_end (out, &child);

  BSON_APPEND_DOCUMENT_BEGIN (out, "listings", &child);
  BSON_APPEND_INT64 (&child, "created", run->listings);
  bson_append_document_end (out, &child);

  BSON_APPEND_DOCUMENT_BEGIN (out, "members", &child);
  BSON_APPEND_INT64 (&child, "active", active);
  BSON_APPEND_INT64 (&child, "with_active_status", with_status);
  bson_append_document_end (out, &child);

  BSON_APPEND_DOCUMENT_BEGIN (out, "credits", &child);
  BSON_APPEND_BOOL (&child, "enabled", credits_enabled);
  mt_stats_append_tally (&child, "transfers", &run->transfers);
  mt_stats_append_tally (&child, "grants", &run->grants);
  mt_stats_append_tally (&child, "reversals", &run->reversals);
  bson_append_document_end (out, &child);

  mt_stats_append_impact_section (out, run);

  BSON_APPEND_DOCUMENT_BEGIN (out, "limits", &child);
  BSON_APPEND_BOOL (&child, "complete", run->cut == 0);
  BSON_APPEND_ARRAY_BEGIN (&child, "truncated", &grand);
  for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
    if (run->cut & cuts[i].flag) {
      bson_uint32_to_string (n++, &key, keybuf, sizeof keybuf);
      BSON_APPEND_UTF8 (&grand, key, cuts[i].name);
    }
  }
  bson_append_array_end (&child, &grand);
  BSON_APPEND_INT32 (&child, "max_members", MT_STATS_MEMBERS_MAX);
  BSON_APPEND_INT32 (&child, "max_reservations", MT_STATS_RESERVATIONS_MAX);
  BSON_APPEND_INT32 (&child, "max_bookings", MT_STATS_BOOKINGS_MAX);
  BSON_APPEND_INT32 (&child, "max_listings", MT_STATS_LISTINGS_MAX);
  BSON_APPEND_INT32 (&child, "max_ledger_entries", MT_STATS_LEDGER_MAX);
  bson_append_document_end (out, &child);

  BSON_APPEND_DATE_TIME (out, "computed_at", run->ctx->now_ms);
}

/* Checks the network and departement parameters. */
static bool
mt_stats_filters (const mt_ctx_t *ctx, const mt_stats_query_t *query, mt_error_t *error)
{
  if (query->departement && !mt_stats_departement_valid (query->departement)) {
    mt_stats_bad (error, "departement",
                  "paramètre departement invalide (01 à 95, 2A, 2B, 971 à 976)",
                  "invalid departement parameter (01 to 95, 2A, 2B, 971 to 976)");
    return false;
  }
  if (query->network) {
    bson_t network;
    mt_error_t local = { 0 };
    bool found;
    if (!*query->network || strlen (query->network) >= MT_STATS_ID_MAX) {
      mt_stats_bad (error, "network", "paramètre network invalide", "invalid network parameter");
      return false;
    }
    found = ctx->store->ops->network_get (ctx->store, query->network, &network, &local);
    bson_destroy (&network);
    if (!found && local.code == MT_ERR_NOT_FOUND) {
      mt_stats_bad (error, "network", "réseau inconnu : %s", "unknown network: %s", query->network);
      return false;
    }
    if (!found) {
      mt_error_copy (error, &local);
      return false;
    }
  }
  return true;
}

bool
mt_stats_compute (const mt_ctx_t *ctx, const mt_stats_query_t *query, bson_t *out,
                  mt_error_t *error)
{
  mt_stats_run_t run;
  bool ok = false;

  memset (&run, 0, sizeof run);
  bson_init (out);
  if (!ctx->principal || !ctx->principal->is_admin) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_FORBIDDEN, "réservé aux administrateurs",
                  "administrators only");
    goto done;
  }
  run.ctx = ctx;
  run.store = ctx->store;
  run.table = query->factors ? query->factors : mt_impact_table ();
  run.network = query->network;
  run.departement = query->departement;
  if (!run.table) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL,
                  "table des facteurs d'impact illisible", "unreadable impact factor table");
    goto done;
  }
  if (!mt_stats_period_parse (query->from, query->to, ctx->now_ms, &run.from, &run.to, error) ||
      !mt_stats_filters (ctx, query, error)) {
    goto done;
  }
  run.category_count = mt_categories_count () + 1;
  run.cat_loans = calloc (run.category_count, sizeof *run.cat_loans);
  run.cat_units = calloc (run.category_count, sizeof *run.cat_units);
  run.cat_days = calloc (run.category_count, sizeof *run.cat_days);
  if (!run.cat_loans || !run.cat_units || !run.cat_days) {
    mt_stats_no_memory (error);
    goto done;
  }
  if (!mt_stats_load_members (&run, error) || !mt_stats_scan_loans (&run, error) ||
      !mt_stats_resolve (&run, true, error) || !mt_stats_scan_services (&run, error) ||
      !mt_stats_resolve (&run, false, error) || !mt_stats_scan_listings (&run, error) ||
      !mt_stats_scan_ledger (&run, error)) {
    goto done;
  }
  mt_stats_answer (&run, ctx->env && ctx->env->config && ctx->env->config->credits_enabled, out);
  if (run.cut) {
    MT_WARN ("statistics truncated (bounds reached, flags %u)", run.cut);
  }
  ok = true;
done:
  free (run.members);
  free (run.items);
  free (run.cat_loans);
  free (run.cat_units);
  free (run.cat_days);
  if (!ok) {
    bson_reinit (out);
  }
  return ok;
}
