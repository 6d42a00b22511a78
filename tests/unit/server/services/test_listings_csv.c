/*
 * Unit tests of server/services/listings_csv.c against a real SQLite store: importing CSV
 * files (separators, byte-order mark, quoted multi-line cells, typed cells), refusing files
 * with every bad row listed and nothing stored, the export's format, and the round trip from
 * an export into a fresh store.
 */
#include "members_fixture.h"

#include "csv.h"
#include "listings.h"
#include "listings_csv.h"
#include "mt_embed.h"
#include "mt_json.h"
#include "mt_schema.h"

extern const mt_embed_file_t mutua_schema_files[];

static mt_schema_registry_t *registry;
static mt_service_env_t env;

static int
group_setup (void **state)
{
  mt_error_t error;

  (void) state;
  registry = mt_schema_registry_new (MT_SCHEMA_ASSERT_FORMAT);
  if (!registry || !mt_schema_registry_add_embedded (registry, mutua_schema_files, &error)) {
    fprintf (stderr, "schemas: %s\n", registry ? error.message : "no memory");
    return -1;
  }
  env.schemas = registry;
  return 0;
}

static int
group_teardown (void **state)
{
  (void) state;
  mt_schema_registry_destroy (registry);
  return 0;
}

/* ---- The world ------------------------------------------------------------------------------ */

typedef struct {
  fx_t *fx;
  char net[MT_ID_SIZE];
  char a[MT_ID_SIZE], a_manager[MT_ID_SIZE]; /* owners of the imported listings */
  char b[MT_ID_SIZE], b_manager[MT_ID_SIZE];
  char gone[MT_ID_SIZE], gone_manager[MT_ID_SIZE]; /* a deleted member */
  char adm[MT_ID_SIZE], admin[MT_ID_SIZE];
  fx_caller_t owner, administrator;
} world_t;

static int
world_setup (void **state)
{
  world_t *w = calloc (1, sizeof *w);
  void *fx_state = NULL;

  if (!w || fx_setup (&fx_state) != 0) {
    free (w);
    return -1;
  }
  w->fx = fx_state;
  fx_network (w->fx, "apes", w->net);
  fx_member (w->fx, "active", NULL, (const char *const[]){ w->net, NULL }, w->a, w->a_manager);
  fx_member (w->fx, "pending", NULL, (const char *const[]){ w->net, NULL }, w->b, w->b_manager);
  fx_member (w->fx, "deleted", NULL, (const char *const[]){ w->net, NULL }, w->gone,
             w->gone_manager);
  fx_member (w->fx, "active", "platform", NULL, w->adm, w->admin);
  fx_caller (w->fx, w->a_manager, &w->owner);
  fx_caller (w->fx, w->admin, &w->administrator);
  w->owner.ctx.env = &env;
  w->administrator.ctx.env = &env;
  *state = w;
  return 0;
}

static int
world_teardown (void **state)
{
  world_t *w = *state;
  void *fx_state = w->fx;

  fx_caller_destroy (&w->owner);
  fx_caller_destroy (&w->administrator);
  free (w);
  return fx_teardown (&fx_state);
}

/* Every stored listing of @store, most recent first, as an array-shaped @out. */
static uint32_t
all_listings (mt_store_t *store, bson_t *out)
{
  char cursor[MT_STORE_CURSOR_MAX] = "";
  uint32_t n = 0;

  bson_init (out);
  do {
    mt_store_listing_query_t query = {
      .any_visibility = true, .cursor = cursor[0] ? cursor : NULL, .limit = 7, /* several pages */
    };
    mt_store_page_t page;
    bson_iter_t it;
    mt_error_t error;
    if (!store->ops->listing_search (store, &query, &page, &error)) {
      fail_msg ("listing_search: %s", error.message);
    }
    bson_iter_init (&it, &page.items);
    while (bson_iter_next (&it)) {
      char key[16];
      snprintf (key, sizeof key, "%u", n++);
      bson_append_iter (out, key, -1, &it);
    }
    snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
    mt_store_page_destroy (&page);
  } while (cursor[0]);
  return n;
}

/* The stored listing titled @title (exactly one). */
static void
listing_titled (world_t *w, const char *title, bson_t *out)
{
  bson_t all;
  bson_iter_t it;
  int found = 0;

  all_listings (w->fx->store, &all);
  bson_iter_init (&it, &all);
  while (bson_iter_next (&it)) {
    const uint8_t *data;
    uint32_t len;
    bson_t doc;
    bson_iter_document (&it, &len, &data);
    bson_init_static (&doc, data, len);
    if (mt_bson_str_eq (&doc, "title", title)) {
      if (found++ == 0) {
        bson_copy_to (&doc, out);
      }
    }
  }
  bson_destroy (&all);
  if (found != 1) {
    fail_msg ("%d listings titled %s", found, title);
  }
}

/* Replaces every "{A}" with member a's id and "{B}" with b's, "{G}" with the deleted one's. */
static char *
fill (const world_t *w, const char *text)
{
  size_t cap = strlen (text) * 2 + 64;
  char *out = malloc (cap);
  size_t n = 0;

  assert_non_null (out);
  for (const char *p = text; *p;) {
    const char *id = NULL;
    if (strncmp (p, "{A}", 3) == 0) {
      id = w->a;
    } else if (strncmp (p, "{B}", 3) == 0) {
      id = w->b;
    } else if (strncmp (p, "{G}", 3) == 0) {
      id = w->gone;
    }
    if (id) {
      assert_true (n + MT_ID_LEN < cap);
      memcpy (out + n, id, MT_ID_LEN);
      n += MT_ID_LEN;
      p += 3;
    } else {
      if (n + 1 >= cap) {
        cap *= 2;
        out = realloc (out, cap);
        assert_non_null (out);
      }
      out[n++] = *p++;
    }
  }
  out[n] = '\0';
  return out;
}

/* Imports @text (after fill) as @ctx: returns the outcome; the report stays for checks. */
static bool
import (const world_t *w, const mt_ctx_t *ctx, const char *text, size_t *imported,
        mt_listings_csv_report_t *report)
{
  char *filled = fill (w, text);
  bool ok;

  mt_error_clear (&fx_err);
  ok = mt_listings_import (ctx, filled, strlen (filled), imported, report, &fx_err);
  free (filled);
  return ok;
}

/* Error @i of @report is at @row, @column (NULL: none) and says @words (English). */
static void
assert_error (const mt_listings_csv_report_t *report, size_t i, size_t row, const char *column,
              const char *words)
{
  const mt_listings_csv_error_t *e;

  if (i >= report->count) {
    fail_msg ("no error %zu (only %zu)", i, report->count);
  }
  e = &report->items[i];
  if (e->row != row || strcmp (e->column, column ? column : "") != 0 ||
      (words && !strstr (e->error.message, words))) {
    fail_msg ("error %zu: row %zu column \"%s\" \"%s\", expected row %zu column \"%s\" \"%s\"", i,
              e->row, e->column, e->error.message, row, column ? column : "", words ? words : "");
  }
  assert_true (e->error.message_fr[0] != '\0');
}

#define HEADER                                                                                     \
  "owner_id;kind;title;description;category;tags;departement;commune;visibility;status;"           \
  "quantity;condition;replacement_value_cents;deposit_cents;max_days;min_notice_hours;"            \
  "buffer_hours;horizon_days;approval;pickup_address;pickup_instructions;credit_price_per_day;"    \
  "format;duration_minutes;credit_rate_per_hour;languages\r\n"

/* ---- Import ---------------------------------------------------------------------------------- */

static void
import_reads_every_column (void **state)
{
  world_t *w = *state;
  mt_listings_csv_report_t report;
  size_t imported = 0;
  bson_t good;
  bson_t service;
  bson_t minimal;
  bool ok;

  ok =
    import (w, &w->administrator.ctx,
            MT_CSV_BOM HEADER
            "{A};good;Vélo cargo « Bakfiets »;\"Biporteur électrique.\r\nBatterie \"\"500 Wh\"\";"
            " casque fourni.\";velos-cargo;vélo | cargo|famille;59;Roubaix;public;published;2;"
            "good;450000;20000;7;48;2;90;auto;12 rue des Arts, Roubaix;Sonner au local;5;;;;\r\n"
            "{B};service;Animation de réunion;;animation-facilitation;;62;Arras;networks;draft;;;"
            ";;;;;;;;;;both;180;10;fr|en\r\n"
            "{A};good;Perceuse à percussion;;outillage;;;;;;;;;;;;;;;;;;;;;\r\n",
            &imported, &report);
  if (!ok) {
    fail_msg ("refused: %s; first error row %zu column %s: %s", fx_err.message,
              report.count ? report.items[0].row : 0, report.count ? report.items[0].column : "",
              report.count ? report.items[0].error.message : "");
  }
  assert_int_equal (imported, 3);
  assert_int_equal (report.count, 0);
  mt_listings_csv_report_destroy (&report);

  listing_titled (w, "Vélo cargo « Bakfiets »", &good);
  assert_string_equal (mt_bson_str (&good, "owner_id"), w->a);
  assert_string_equal (mt_bson_str (&good, "created_by"), w->admin);
  assert_string_equal (mt_bson_str (&good, "description"),
                       "Biporteur électrique.\r\nBatterie \"500 Wh\"; casque fourni.");
  assert_string_equal (mt_bson_str (&good, "tags.0"), "vélo");
  assert_string_equal (mt_bson_str (&good, "tags.1"), "cargo");
  assert_string_equal (mt_bson_str (&good, "tags.2"), "famille");
  assert_string_equal (mt_bson_str (&good, "territory.commune"), "Roubaix");
  assert_string_equal (mt_bson_str (&good, "visibility"), "public");
  assert_string_equal (mt_bson_str (&good, "status"), "published");
  assert_true (mt_bson_has (&good, "published_at"));
  assert_int_equal (mt_bson_int (&good, "quantity", 0), 2);
  assert_int_equal (mt_bson_int (&good, "replacement_value_cents", 0), 450000);
  assert_int_equal (mt_bson_int (&good, "deposit_cents", 0), 20000);
  assert_int_equal (mt_bson_int (&good, "loan_rules.max_days", 0), 7);
  assert_int_equal (mt_bson_int (&good, "loan_rules.min_notice_hours", 0), 48);
  assert_int_equal (mt_bson_int (&good, "loan_rules.buffer_hours", 0), 2);
  assert_int_equal (mt_bson_int (&good, "loan_rules.horizon_days", 0), 90);
  assert_string_equal (mt_bson_str (&good, "approval"), "auto");
  assert_string_equal (mt_bson_str (&good, "pickup.address"), "12 rue des Arts, Roubaix");
  assert_string_equal (mt_bson_str (&good, "pickup.instructions"), "Sonner au local");
  assert_int_equal (mt_bson_int (&good, "credit_price_per_day", 0), 5);
  assert_false (mt_bson_has (&good, "languages"));
  bson_destroy (&good);

  listing_titled (w, "Animation de réunion", &service);
  assert_string_equal (mt_bson_str (&service, "owner_id"), w->b); /* a pending owner is fine */
  assert_string_equal (mt_bson_str (&service, "format"), "both");
  assert_int_equal (mt_bson_int (&service, "duration_minutes", 0), 180);
  assert_int_equal (mt_bson_int (&service, "credit_rate_per_hour", 0), 10);
  assert_string_equal (mt_bson_str (&service, "languages.1"), "en");
  assert_false (mt_bson_has (&service, "description")); /* empty cell: absent */
  assert_false (mt_bson_has (&service, "quantity"));
  bson_destroy (&service);

  /* Empty cells take the defaults of POST /v1/listings, the territory the owner's. */
  listing_titled (w, "Perceuse à percussion", &minimal);
  assert_string_equal (mt_bson_str (&minimal, "status"), "draft");
  assert_string_equal (mt_bson_str (&minimal, "visibility"), "networks");
  assert_string_equal (mt_bson_str (&minimal, "territory.commune"), "Lille");
  assert_int_equal (mt_bson_int (&minimal, "quantity", 0), 1);
  assert_int_equal (mt_bson_int (&minimal, "loan_rules.max_days", 0), 14);
  assert_string_equal (mt_bson_str (&minimal, "approval"), "manual");
  assert_false (mt_bson_has (&minimal, "pickup"));
  assert_false (mt_bson_has (&minimal, "tags.0"));
  bson_destroy (&minimal);
}

static void
import_takes_commas_any_column_order_and_no_bom (void **state)
{
  world_t *w = *state;
  mt_listings_csv_report_t report;
  size_t imported = 0;
  bson_t doc;

  assert_true (import (w, &w->administrator.ctx,
                       " Title ,KIND,owner_id,category,description\n"
                       "\"Tente 3x3, pliante\",good,{A},tentes-barnums,\"Ligne 1\nLigne 2\"\n"
                       "Sono portable,good,{A},sonorisation-video,Enceinte « été »",
                       &imported, &report));
  assert_int_equal (imported, 2);
  mt_listings_csv_report_destroy (&report);
  listing_titled (w, "Tente 3x3, pliante", &doc);
  assert_string_equal (mt_bson_str (&doc, "description"), "Ligne 1\nLigne 2");
  bson_destroy (&doc);
  listing_titled (w, "Sono portable", &doc);
  assert_string_equal (mt_bson_str (&doc, "description"), "Enceinte « été »");
  bson_destroy (&doc);
}

static void
import_lists_every_bad_row_and_stores_nothing (void **state)
{
  world_t *w = *state;
  mt_listings_csv_report_t report;
  size_t imported = 99;
  bson_t all;

  assert_false (
    import (w, &w->administrator.ctx,
            MT_CSV_BOM HEADER
            /* 2: fine */
            "{A};good;Vélo cargo;;velos-cargo;;;;;;;;;;;;;;;;;;;;;\r\n"
            /* 3: two cells that are not integers */
            "{A};good;Perceuse;;outillage;;;;;;deux;;;;7.5;;;;;;;;;;;\r\n"
            /* 4: unknown owner */
            "mem_AAAAAAAAAAAAAAAAAAAAAA;good;Tente;;tentes-barnums;;;;;;;;;;;;;;;;;;;;;\r\n"
            /* 5: a category of the other kind */
            "{A};good;Jeux de société;;juridique;;;;;;;;;;;;;;;;;;;;;\r\n"
            /* 6: a field of goods on a service */
            "{A};service;Atelier;;formation;;;;;;3;;;;;;;;;;;;;;;\r\n"
            /* 7: a title too short */
            "{A};good;Vé;;outillage;;;;;;;;;;;;;;;;;;;;;\r\n"
            /* 8: max_days out of range */
            "{A};good;Remorque;;vehicules;;;;;;;;;;400;;;;;;;;;;;\r\n"
            /* 9: a commune without its departement; an owner that is no id */
            "x;good;Salle;;salles;;;Lille;;;;;;;;;;;;;;;;;;\r\n"
            /* 10: fine */
            "{B};service;Compta;;comptabilite-gestion;;;;;;;;;;;;;;;;;;;;;fr\r\n"
            /* 11: a deleted owner; 12: blank (skipped); 13: unknown visibility */
            "{G};good;Barnum;;tentes-barnums;;;;;;;;;;;;;;;;;;;;;\r\n"
            "\r\n"
            "{A};good;Chaises;;mobilier-evenementiel;;;;tous;;;;;;;;;;;;;;;;;\r\n",
            &imported, &report));
  assert_int_equal (fx_err.code, MT_ERR_UNPROCESSABLE);
  assert_non_null (strstr (fx_err.message, "9 row(s) in error"));
  assert_int_equal (imported, 0);
  assert_int_equal (report.bad_rows, 9);
  assert_false (report.truncated);
  assert_int_equal (report.count, 11);
  assert_error (&report, 0, 3, "quantity", "whole number");
  assert_error (&report, 1, 3, "max_days", "whole number");
  assert_error (&report, 2, 4, "owner_id", "unknown member");
  assert_error (&report, 3, 5, "category", NULL);
  assert_error (&report, 4, 6, "quantity", NULL);
  assert_error (&report, 5, 7, "title", NULL);
  assert_error (&report, 6, 8, "max_days", NULL);
  assert_error (&report, 7, 9, "owner_id", "member id expected");
  assert_error (&report, 8, 9, "departement", NULL);
  assert_error (&report, 9, 11, "owner_id", "deleted member");
  assert_error (&report, 10, 13, "visibility", NULL);
  mt_listings_csv_report_destroy (&report);
  assert_int_equal (all_listings (w->fx->store, &all), 0); /* not even rows 2 and 10 */
  bson_destroy (&all);
}

static void
import_refuses_bad_headers (void **state)
{
  world_t *w = *state;
  mt_listings_csv_report_t report;
  size_t imported = 0;

  assert_false (import (w, &w->administrator.ctx,
                        "owner_id;kind;titre;category;Kind;\r\n{A};good;Vélo;velos-cargo;good;\r\n",
                        &imported, &report));
  assert_int_equal (fx_err.code, MT_ERR_UNPROCESSABLE);
  assert_int_equal (report.count, 4);
  assert_error (&report, 0, 1, "titre", "unknown column");
  assert_error (&report, 1, 1, "kind", "column named twice");
  assert_error (&report, 2, 1, "", "unknown column"); /* the empty name after the last ';' */
  assert_error (&report, 3, 1, "title", "required column missing");
  mt_listings_csv_report_destroy (&report);
}

static void
import_refuses_broken_csv_with_its_row (void **state)
{
  world_t *w = *state;
  mt_listings_csv_report_t report;
  size_t imported = 0;

  assert_false (import (w, &w->administrator.ctx,
                        "owner_id;kind;title;category\n{A};good;Vélo;velos-cargo\n"
                        "{A};good;\"Perceuse;outillage\n",
                        &imported, &report));
  assert_int_equal (report.count, 1);
  assert_error (&report, 0, 3, NULL, "never closed");
  mt_listings_csv_report_destroy (&report);
  assert_false (
    import (w, &w->administrator.ctx,
            "owner_id;kind;title;category\n{A};good;Vélo;velos-cargo\n{A};good;Perceuse\n",
            &imported, &report));
  assert_error (&report, 0, 3, NULL, "3 column(s) instead of the header's 4");
  mt_listings_csv_report_destroy (&report);
  assert_false (
    import (w, &w->administrator.ctx, "owner_id;kind;title;category\r\n", &imported, &report));
  assert_error (&report, 0, 1, NULL, "no listing");
  mt_listings_csv_report_destroy (&report);
  assert_false (import (w, &w->administrator.ctx,
                        "owner_id;kind;title;category\n{A};good;V\xe9lo;velos-cargo\n", &imported,
                        &report));
  assert_error (&report, 0, 2, NULL, "UTF-8");
  mt_listings_csv_report_destroy (&report);
}

static void
import_is_for_administrators (void **state)
{
  world_t *w = *state;
  mt_listings_csv_report_t report;
  size_t imported = 0;
  bson_t all;

  assert_false (import (w, &w->owner.ctx,
                        "owner_id;kind;title;category\n{A};good;Vélo cargo;velos-cargo\n",
                        &imported, &report));
  assert_int_equal (fx_err.code, MT_ERR_FORBIDDEN);
  assert_int_equal (report.count, 0);
  mt_listings_csv_report_destroy (&report);
  assert_int_equal (all_listings (w->fx->store, &all), 0);
  bson_destroy (&all);
}

static void
import_lists_the_first_errors_and_counts_all_rows (void **state)
{
  world_t *w = *state;
  mt_listings_csv_report_t report;
  size_t imported = 0;
  mt_buf_t text;

  mt_buf_init (&text, 1 << 20);
  mt_buf_append_str (&text, "owner_id;kind;title;category\n");
  for (int i = 0; i < 150; i++) {
    mt_buf_append_str (&text, "{A};good;Vé;outillage\n"); /* a title too short */
  }
  assert_false (import (w, &w->administrator.ctx, text.data, &imported, &report));
  assert_int_equal (report.bad_rows, 150);
  assert_int_equal (report.count, MT_LISTINGS_CSV_MAX_ERRORS);
  assert_true (report.truncated);
  assert_error (&report, 99, 101, "title", NULL);
  mt_listings_csv_report_destroy (&report);
  mt_buf_destroy (&text);
}

static void
import_takes_the_formula_guard_off (void **state)
{
  world_t *w = *state;
  mt_listings_csv_report_t report;
  size_t imported = 0;
  bson_t doc;

  assert_true (import (w, &w->administrator.ctx,
                       "owner_id;kind;title;category;description\n"
                       "{A};good;'=SOMME(A1);outillage;'-50 % le week-end\n"
                       "{A};good;'Tis a drill;outillage;''quote\n",
                       &imported, &report));
  mt_listings_csv_report_destroy (&report);
  listing_titled (w, "=SOMME(A1)", &doc);
  assert_string_equal (mt_bson_str (&doc, "description"), "-50 % le week-end");
  bson_destroy (&doc);
  listing_titled (w, "'Tis a drill", &doc); /* no formula character after the quote: kept */
  assert_string_equal (mt_bson_str (&doc, "description"), "'quote");
  bson_destroy (&doc);
}

/* ---- Export ---------------------------------------------------------------------------------- */

static void
create_as (fx_caller_t *caller, const char *json)
{
  bson_t body;
  bson_t out;
  char id[MT_ID_SIZE];
  mt_error_t error;

  if (!mt_json_parse_object (json, strlen (json), MT_JSON_STRICT, &body, &error)) {
    fail_msg ("%s: %s", error.message, json);
  }
  OK (mt_listing_create (&caller->ctx, &body, &out, id, &fx_err));
  bson_destroy (&body);
  bson_destroy (&out);
}

static void
export_writes_every_listing_in_the_columns (void **state)
{
  world_t *w = *state;
  mt_buf_t out;
  mt_csv_t csv;
  const mt_csv_limits_t limits = { .max_field = 100000, .max_columns = 64, .max_rows = 1000 };
  char expected[512];

  create_as (
    &w->owner,
    "{\"kind\":\"good\",\"title\":\"=HYPERLIEN(\\\"x\\\")\",\"category\":\"outillage\","
    "\"tags\":[\"perceuse\",\"bricolage\"],\"description\":\"Ligne 1\\nLigne 2; \\\"fin\\\"\"}");
  create_as (&w->owner, "{\"kind\":\"service\",\"title\":\"Aide compta\","
                        "\"category\":\"comptabilite-gestion\",\"languages\":[\"fr\",\"de\"]}");
  mt_buf_init (&out, MT_LISTINGS_CSV_EXPORT_MAX);
  FAILS (mt_listings_export (&w->owner.ctx, &out, &fx_err), MT_ERR_FORBIDDEN);
  OK (mt_listings_export (&w->administrator.ctx, &out, &fx_err));
  assert_memory_equal (out.data, MT_CSV_BOM HEADER, strlen (MT_CSV_BOM HEADER));
  if (!mt_csv_read (out.data, out.len, &limits, &csv, &fx_err)) {
    fail_msg ("export unreadable: %s", fx_err.message);
  }
  assert_true (csv.bom);
  assert_int_equal (csv.separator, ';');
  assert_int_equal (csv.columns, 26);
  assert_int_equal (csv.records, 3);
  /* Most recent first: both have the same time, then by id; find them by kind. */
  for (size_t r = 1; r < 3; r++) {
    const char *kind = mt_csv_cell (&csv, r, 1, NULL);
    assert_string_equal (mt_csv_cell (&csv, r, 0, NULL), w->a);
    if (strcmp (kind, "good") == 0) {
      assert_string_equal (mt_csv_cell (&csv, r, 2, NULL), "'=HYPERLIEN(\"x\")");
      assert_string_equal (mt_csv_cell (&csv, r, 3, NULL), "Ligne 1\nLigne 2; \"fin\"");
      assert_string_equal (mt_csv_cell (&csv, r, 5, NULL), "perceuse|bricolage");
      assert_string_equal (mt_csv_cell (&csv, r, 6, NULL), "59");
      assert_string_equal (mt_csv_cell (&csv, r, 10, NULL), "1");  /* quantity */
      assert_string_equal (mt_csv_cell (&csv, r, 14, NULL), "14"); /* max_days */
      assert_string_equal (mt_csv_cell (&csv, r, 25, NULL), "");   /* languages */
    } else {
      assert_string_equal (mt_csv_cell (&csv, r, 2, NULL), "Aide compta");
      assert_string_equal (mt_csv_cell (&csv, r, 10, NULL), "");
      assert_string_equal (mt_csv_cell (&csv, r, 25, NULL), "fr|de");
    }
  }
  /* The raw text: quoted where needed, CRLF after each record. */
  snprintf (expected, sizeof expected,
            "\r\n%s;good;\"'=HYPERLIEN(\"\"x\"\")\";\"Ligne 1\nLigne 2; "
            "\"\"fin\"\"\";outillage;perceuse|bricolage;59;Lille;networks;draft;1;;;;14;24;0;180;"
            "manual;;;;;;;\r\n",
            w->a);
  assert_non_null (strstr (out.data, expected));
  mt_csv_destroy (&csv);
  mt_buf_destroy (&out);
}

static void
export_is_bounded (void **state)
{
  world_t *w = *state;
  mt_buf_t out;

  create_as (&w->owner,
             "{\"kind\":\"good\",\"title\":\"Vélo cargo\",\"category\":\"velos-cargo\"}");
  mt_buf_init (&out, 400);
  FAILS (mt_listings_export (&w->administrator.ctx, &out, &fx_err), MT_ERR_INTERNAL);
  assert_non_null (strstr (fx_err.message, "export too large"));
  mt_buf_destroy (&out);
}

/* The stored fields that an import sets again (all but ids, authorship and dates). */
static char *
comparable (const bson_t *listing)
{
  static const char *const left_out[] = { "id",         "version",      "created_by", "created_at",
                                          "updated_at", "published_at", NULL };
  bson_t kept;
  char *json;

  mt_bson_copy_without (listing, &kept, left_out);
  json = mt_json_from_bson (&kept, NULL);
  bson_destroy (&kept);
  return json;
}

static void
export_then_import_into_a_fresh_store_gives_the_same_listings (void **state)
{
  world_t *w = *state;
  void *fresh_state = NULL;
  fx_t *fresh;
  mt_buf_t out;
  mt_listings_csv_report_t report;
  size_t imported = 0;
  bson_t before;
  bson_t after;
  uint32_t n;
  fx_caller_t fresh_admin;

  create_as (&w->owner,
             "{\"kind\":\"good\",\"title\":\"Vélo cargo « Bakfiets »\",\"description\":\"Biporteur"
             "\\r\\nBatterie \\\"500 Wh\\\"; casque\",\"category\":\"velos-cargo\",\"tags\":"
             "[\"vélo\",\"cargo\"],\"territory\":{\"departement\":\"2A\",\"commune\":\"Ajaccio\"},"
             "\"visibility\":\"public\",\"status\":\"published\",\"quantity\":2,\"condition\":"
             "\"good\",\"replacement_value_cents\":450000,\"deposit_cents\":0,\"loan_rules\":"
             "{\"max_days\":7,\"min_notice_hours\":48,\"buffer_hours\":2,\"horizon_days\":90},"
             "\"approval\":\"auto\",\"pickup\":{\"address\":\"12 rue des Arts\",\"instructions\":"
             "\"=Sonner\"},\"credit_price_per_day\":5}");
  create_as (&w->owner,
             "{\"kind\":\"service\",\"title\":\"-Atelier- gouvernance\",\"category\":"
             "\"animation-facilitation\",\"status\":\"paused\",\"format\":\"remote\","
             "\"duration_minutes\":90,\"credit_rate_per_hour\":0,\"languages\":[\"en\"]}");
  create_as (&w->owner, "{\"kind\":\"good\",\"title\":\"Barnum\",\"category\":\"tentes-barnums\","
                        "\"status\":\"archived\",\"pickup\":{\"address\":\"Hangar 4\"}}");
  create_as (&w->administrator, "{\"kind\":\"service\",\"title\":\"@Conseil juridique\","
                                "\"category\":\"juridique\",\"tags\":[\"statuts\"]}");
  mt_buf_init (&out, MT_LISTINGS_CSV_EXPORT_MAX);
  OK (mt_listings_export (&w->administrator.ctx, &out, &fx_err));

  /* A fresh store that knows the same members (ids included), and nothing else. */
  assert_int_equal (fx_setup (&fresh_state), 0);
  fresh = fresh_state;
  {
    const char *members[] = { w->a, w->adm };
    bson_t doc;
    for (size_t i = 0; i < 2; i++) {
      fx_get (w->fx, false, members[i], &doc);
      OK (fresh->store->ops->member_insert (fresh->store, &doc, NULL, &fx_err));
      bson_destroy (&doc);
    }
    fx_get (w->fx, true, w->admin, &doc);
    OK (fresh->store->ops->account_insert (fresh->store, &doc, &fx_err));
    bson_destroy (&doc);
  }
  fx_caller (fresh, w->admin, &fresh_admin);
  fresh_admin.ctx.env = &env;
  OK (mt_listings_import (&fresh_admin.ctx, out.data, out.len, &imported, &report, &fx_err));
  assert_int_equal (imported, 4);
  mt_listings_csv_report_destroy (&report);

  n = all_listings (w->fx->store, &before);
  assert_int_equal (all_listings (fresh->store, &after), n);
  /* Every listing before has its twin after (field for field but ids, authors and dates). */
  for (uint32_t i = 0; i < n; i++) {
    char key[16];
    bson_t a;
    char *wanted;
    bool twin = false;
    snprintf (key, sizeof key, "%u", i);
    {
      bson_iter_t it;
      const uint8_t *data;
      uint32_t len;
      assert_true (bson_iter_init_find (&it, &before, key));
      bson_iter_document (&it, &len, &data);
      bson_init_static (&a, data, len);
    }
    wanted = comparable (&a);
    for (uint32_t j = 0; j < n && !twin; j++) {
      bson_iter_t it;
      const uint8_t *data;
      uint32_t len;
      bson_t b;
      char *got;
      snprintf (key, sizeof key, "%u", j);
      assert_true (bson_iter_init_find (&it, &after, key));
      bson_iter_document (&it, &len, &data);
      bson_init_static (&b, data, len);
      got = comparable (&b);
      twin = strcmp (wanted, got) == 0;
      free (got);
    }
    if (!twin) {
      fail_msg ("no twin after the round trip for %s", wanted);
    }
    free (wanted);
  }
  bson_destroy (&before);
  bson_destroy (&after);
  mt_buf_destroy (&out);
  fx_caller_destroy (&fresh_admin);
  fx_teardown (&fresh_state);
}

#define WORLD_TEST(name, fn)                                                                       \
  {                                                                                                \
    name, fn, world_setup, world_teardown, NULL                                                    \
  }

int
main (void)
{
  const struct CMUnitTest tests[] = {
    WORLD_TEST ("listings_csv/import/every_column", import_reads_every_column),
    WORLD_TEST ("listings_csv/import/commas_order_no_bom",
                import_takes_commas_any_column_order_and_no_bom),
    WORLD_TEST ("listings_csv/import/bad_rows_listed_nothing_stored",
                import_lists_every_bad_row_and_stores_nothing),
    WORLD_TEST ("listings_csv/import/bad_headers", import_refuses_bad_headers),
    WORLD_TEST ("listings_csv/import/broken_csv", import_refuses_broken_csv_with_its_row),
    WORLD_TEST ("listings_csv/import/admins_only", import_is_for_administrators),
    WORLD_TEST ("listings_csv/import/errors_bounded",
                import_lists_the_first_errors_and_counts_all_rows),
    WORLD_TEST ("listings_csv/import/formula_guard", import_takes_the_formula_guard_off),
    WORLD_TEST ("listings_csv/export/format", export_writes_every_listing_in_the_columns),
    WORLD_TEST ("listings_csv/export/bounded", export_is_bounded),
    WORLD_TEST ("listings_csv/round_trip_fresh_store",
                export_then_import_into_a_fresh_store_gives_the_same_listings),
  };
  return cmocka_run_group_tests_name ("server/services/listings_csv", tests, group_setup,
                                      group_teardown);
}
