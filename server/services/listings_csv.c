/*
 * listings_csv: the CSV import and export of listings (listings_csv.h).
 *
 * The column table below is the one description of the file: the export walks it to write
 * each listing, the import walks it to turn each row into a listing-create body, and an error
 * path of the schema ("/loan_rules/max_days") is turned back into a column name through it.
 * Every rule of a listing stays in listing_create.json and mt_listing_build (listings.h).
 */
#include "listings_csv.h"

#include "csv.h"
#include "listings.h"
#include "mt_bson.h"
#include "mt_id.h"
#include "mt_log.h"
#include "mt_schema.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MT_LOG_DOMAIN "listings_csv"

/* ---- The columns ---------------------------------------------------------------------------- */

typedef enum {
  MT_LCSV_TEXT = 0, /* a string */
  MT_LCSV_INT,      /* an integer (digits, optional '-') */
  MT_LCSV_LIST,     /* strings separated by '|' */
  MT_LCSV_OWNER,    /* owner_id: not in the body, the owner member */
} mt_lcsv_type_t;

typedef struct {
  const char *name;  /* column name */
  const char *field; /* top-level field of the body and of the stored listing */
  const char *sub;   /* member of that object, or NULL; the members of one object are adjacent */
  mt_lcsv_type_t type;
  bool required; /* the header must name it */
} mt_lcsv_column_t;

static const mt_lcsv_column_t mt_lcsv_columns[] = {
  { "owner_id", "owner_id", NULL, MT_LCSV_OWNER, true },
  { "kind", "kind", NULL, MT_LCSV_TEXT, true },
  { "title", "title", NULL, MT_LCSV_TEXT, true },
  { "description", "description", NULL, MT_LCSV_TEXT, false },
  { "category", "category", NULL, MT_LCSV_TEXT, true },
  { "tags", "tags", NULL, MT_LCSV_LIST, false },
  { "departement", "territory", "departement", MT_LCSV_TEXT, false },
  { "commune", "territory", "commune", MT_LCSV_TEXT, false },
  { "visibility", "visibility", NULL, MT_LCSV_TEXT, false },
  { "status", "status", NULL, MT_LCSV_TEXT, false },
  { "quantity", "quantity", NULL, MT_LCSV_INT, false },
  { "condition", "condition", NULL, MT_LCSV_TEXT, false },
  { "replacement_value_cents", "replacement_value_cents", NULL, MT_LCSV_INT, false },
  { "deposit_cents", "deposit_cents", NULL, MT_LCSV_INT, false },
  { "max_days", "loan_rules", "max_days", MT_LCSV_INT, false },
  { "min_notice_hours", "loan_rules", "min_notice_hours", MT_LCSV_INT, false },
  { "buffer_hours", "loan_rules", "buffer_hours", MT_LCSV_INT, false },
  { "horizon_days", "loan_rules", "horizon_days", MT_LCSV_INT, false },
  { "approval", "approval", NULL, MT_LCSV_TEXT, false },
  { "pickup_address", "pickup", "address", MT_LCSV_TEXT, false },
  { "pickup_instructions", "pickup", "instructions", MT_LCSV_TEXT, false },
  { "credit_price_per_day", "credit_price_per_day", NULL, MT_LCSV_INT, false },
  { "format", "format", NULL, MT_LCSV_TEXT, false },
  { "duration_minutes", "duration_minutes", NULL, MT_LCSV_INT, false },
  { "credit_rate_per_hour", "credit_rate_per_hour", NULL, MT_LCSV_INT, false },
  { "languages", "languages", NULL, MT_LCSV_LIST, false },
};

#define MT_LCSV_COLUMN_COUNT (sizeof mt_lcsv_columns / sizeof mt_lcsv_columns[0])

/* The column of a JSON pointer into a body ("/loan_rules/max_days/..."), or "" for none. */
static const char *
mt_lcsv_column_of (const char *pointer)
{
  const char *best = "";
  int best_level = 0;

  for (size_t i = 0; i < MT_LCSV_COLUMN_COUNT; i++) {
    const mt_lcsv_column_t *c = &mt_lcsv_columns[i];
    size_t flen = strlen (c->field);
    const char *rest;
    if (c->type == MT_LCSV_OWNER || pointer[0] != '/' ||
        strncmp (pointer + 1, c->field, flen) != 0 ||
        (pointer[1 + flen] != '\0' && pointer[1 + flen] != '/')) {
      continue;
    }
    rest = pointer + 1 + flen;
    if (c->sub && rest[0] == '/' && strncmp (rest + 1, c->sub, strlen (c->sub)) == 0 &&
        (rest[1 + strlen (c->sub)] == '\0' || rest[1 + strlen (c->sub)] == '/')) {
      return c->name; /* the member itself */
    }
    if (best_level < 1) {
      best = c->name; /* the object, or an element of a list */
      best_level = 1;
    }
  }
  return best;
}

/* ---- Reports ---------------------------------------------------------------------------------- */

void
mt_listings_csv_report_init (mt_listings_csv_report_t *report)
{
  memset (report, 0, sizeof *report);
}

void
mt_listings_csv_report_destroy (mt_listings_csv_report_t *report)
{
  free (report->items);
  mt_listings_csv_report_init (report);
}

/* Copies at most @size - 1 bytes of @src into @dst without cutting a UTF-8 sequence. */
static void
mt_lcsv_copy_name (char *dst, size_t size, const char *src, size_t len)
{
  if (len >= size) {
    len = size - 1;
    while (len > 0 && ((unsigned char) src[len] & 0xC0) == 0x80) {
      len--;
    }
  }
  memcpy (dst, src, len);
  dst[len] = '\0';
}

/*
 * Records @e for @row and @column (may be NULL; @column_len bytes). *@row_bad counts the row
 * once among the bad rows.
 */
static void
mt_lcsv_report_add (mt_listings_csv_report_t *report, size_t row, const char *column,
                    size_t column_len, const mt_error_t *e, bool *row_bad)
{
  mt_listings_csv_error_t *item;

  if (!*row_bad) {
    report->bad_rows++;
    *row_bad = true;
  }
  if (report->count == MT_LISTINGS_CSV_MAX_ERRORS) {
    report->truncated = true;
    return;
  }
  if (!report->items) {
    report->items = calloc (MT_LISTINGS_CSV_MAX_ERRORS, sizeof *report->items);
    if (!report->items) {
      report->truncated = true;
      return;
    }
  }
  item = &report->items[report->count++];
  item->row = row;
  mt_lcsv_copy_name (item->column, sizeof item->column, column ? column : "",
                     column ? column_len : 0);
  mt_error_copy (&item->error, e);
}

static void
mt_lcsv_report_say (mt_listings_csv_report_t *report, size_t row, const char *column, bool *row_bad,
                    const char *message_fr, const char *message_en)
{
  mt_error_t e;

  mt_error_set (&e, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE, "%s%.0s", "%.0s%s", message_fr,
                message_en);
  mt_lcsv_report_add (report, row, column, column ? strlen (column) : 0, &e, row_bad);
}

/* ---- Import ---------------------------------------------------------------------------------- */

/* Maps the header: @where[i] is the CSV column of table column i, or -1. */
static bool
mt_lcsv_map_header (const mt_csv_t *csv, long where[MT_LCSV_COLUMN_COUNT],
                    mt_listings_csv_report_t *report)
{
  bool bad = false;

  for (size_t i = 0; i < MT_LCSV_COLUMN_COUNT; i++) {
    where[i] = -1;
  }
  for (size_t c = 0; c < csv->columns; c++) {
    size_t len = 0;
    const char *name = mt_csv_cell (csv, 0, c, &len);
    size_t known = MT_LCSV_COLUMN_COUNT;
    while (len > 0 && *name == ' ') {
      name++;
      len--;
    }
    while (len > 0 && name[len - 1] == ' ') {
      len--;
    }
    for (size_t i = 0; i < MT_LCSV_COLUMN_COUNT; i++) {
      if (strlen (mt_lcsv_columns[i].name) == len &&
          strncasecmp (mt_lcsv_columns[i].name, name, len) == 0) {
        known = i;
        break;
      }
    }
    if (known == MT_LCSV_COLUMN_COUNT) {
      mt_error_t e;
      mt_error_set (&e, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                    "colonne inconnue (voir la liste des colonnes dans la documentation)",
                    "unknown column (see the list of columns in the documentation)");
      mt_lcsv_report_add (report, 1, name, len, &e, &bad);
    } else if (where[known] >= 0) {
      mt_lcsv_report_say (report, 1, mt_lcsv_columns[known].name, &bad, "colonne en double",
                          "column named twice");
    } else {
      where[known] = (long) c;
    }
  }
  for (size_t i = 0; i < MT_LCSV_COLUMN_COUNT; i++) {
    if (mt_lcsv_columns[i].required && where[i] < 0) {
      mt_lcsv_report_say (report, 1, mt_lcsv_columns[i].name, &bad, "colonne obligatoire absente",
                          "required column missing");
    }
  }
  return !bad;
}

/* The cell of table column @i in @record, guard quote taken off; NULL when empty or absent. */
static const char *
mt_lcsv_cell (const mt_csv_t *csv, const long where[MT_LCSV_COLUMN_COUNT], size_t record, size_t i,
              size_t *len)
{
  const char *cell;

  if (where[i] < 0) {
    return NULL;
  }
  cell = mt_csv_cell (csv, record, (size_t) where[i], len);
  if (!cell || *len == 0) {
    return NULL;
  }
  if (*len >= 2 && cell[0] == '\'' && mt_csv_formula_start (cell[1])) {
    cell++;
    (*len)--;
  }
  return cell;
}

/* Parses @len bytes as a decimal integer: an optional '-' and digits only. */
static bool
mt_lcsv_parse_int (const char *text, size_t len, int64_t *out)
{
  char buf[24];
  char *end = NULL;
  long long value;
  size_t i = text[0] == '-' ? 1 : 0;

  if (len == i || len >= sizeof buf) {
    return false;
  }
  for (size_t k = i; k < len; k++) {
    if (text[k] < '0' || text[k] > '9') {
      return false;
    }
  }
  memcpy (buf, text, len);
  buf[len] = '\0';
  errno = 0;
  value = strtoll (buf, &end, 10);
  if (errno != 0 || !end || *end != '\0') {
    return false;
  }
  *out = (int64_t) value;
  return true;
}

/* Appends @len bytes of @cell to @doc under @key, as column @c's type says. */
static bool
mt_lcsv_append (bson_t *doc, const char *key, const mt_lcsv_column_t *c, const char *cell,
                size_t len)
{
  int64_t n;

  switch (c->type) {
  case MT_LCSV_INT:
    if (!mt_lcsv_parse_int (cell, len, &n)) {
      return false;
    }
    if (n >= INT32_MIN && n <= INT32_MAX) {
      BSON_APPEND_INT32 (doc, key, (int32_t) n);
    } else {
      BSON_APPEND_INT64 (doc, key, n);
    }
    return true;
  case MT_LCSV_LIST: {
    bson_t list;
    const char *p = cell;
    const char *end = cell + len;
    uint32_t i = 0;
    BSON_APPEND_ARRAY_BEGIN (doc, key, &list);
    for (;;) {
      const char *bar = memchr (p, '|', (size_t) (end - p));
      const char *stop = bar ? bar : end;
      const char *a = p;
      const char *b = stop;
      char keybuf[16];
      const char *k;
      while (a < b && *a == ' ') {
        a++;
      }
      while (b > a && b[-1] == ' ') {
        b--;
      }
      bson_uint32_to_string (i++, &k, keybuf, sizeof keybuf);
      bson_append_utf8 (&list, k, -1, a, (int) (b - a));
      if (!bar) {
        break;
      }
      p = bar + 1;
    }
    bson_append_array_end (doc, &list);
    return true;
  }
  case MT_LCSV_TEXT:
  case MT_LCSV_OWNER:
  default:
    bson_append_utf8 (doc, key, -1, cell, (int) len);
    return true;
  }
}

/*
 * The owner id of @record (column owner_id) into @owner_id, "" when it is missing or not a
 * member id (reported).
 */
static void
mt_lcsv_row_owner (const mt_csv_t *csv, const long where[MT_LCSV_COLUMN_COUNT], size_t record,
                   char owner_id[MT_ID_SIZE], mt_listings_csv_report_t *report, bool *row_bad)
{
  size_t row = csv->row_numbers[record];
  size_t len = 0;
  const char *cell =
    mt_lcsv_cell (csv, where, record, 0, &len); /* owner_id: entry 0 of the table */

  owner_id[0] = '\0';
  if (!cell) {
    mt_lcsv_report_say (report, row, "owner_id", row_bad, "structure propriétaire requise",
                        "owner member required");
    return;
  }
  if (len == MT_ID_LEN) {
    memcpy (owner_id, cell, len);
    owner_id[len] = '\0';
  }
  if (!mt_id_is_valid (owner_id, "mem")) {
    owner_id[0] = '\0';
    mt_lcsv_report_say (report, row, "owner_id", row_bad,
                        "identifiant de structure attendu (mem_…)", "member id expected (mem_...)");
  }
}

/*
 * Builds the listing-create body of @record into @body (initialised here). Cells that are not
 * what their column takes are reported. owner_id is not part of the body.
 */
static void
mt_lcsv_row_body (const mt_csv_t *csv, const long where[MT_LCSV_COLUMN_COUNT], size_t record,
                  bson_t *body, mt_listings_csv_report_t *report, bool *row_bad)
{
  size_t row = csv->row_numbers[record];

  bson_init (body);
  for (size_t i = 0; i < MT_LCSV_COLUMN_COUNT;) {
    const mt_lcsv_column_t *c = &mt_lcsv_columns[i];
    size_t len = 0;
    const char *cell;

    if (c->type == MT_LCSV_OWNER) {
      i++;
    } else if (!c->sub) {
      cell = mt_lcsv_cell (csv, where, record, i, &len);
      if (cell && !mt_lcsv_append (body, c->field, c, cell, len)) {
        mt_lcsv_report_say (report, row, c->name, row_bad,
                            "nombre entier attendu (chiffres seulement)",
                            "whole number expected (digits only)");
      }
      i++;
    } else {
      /* The adjacent columns of one object: the object only when one of them is filled. */
      size_t first = i;
      size_t last = i;
      bool any = false;
      bson_t child;
      while (last < MT_LCSV_COLUMN_COUNT && mt_lcsv_columns[last].sub &&
             strcmp (mt_lcsv_columns[last].field, c->field) == 0) {
        any = any || mt_lcsv_cell (csv, where, record, last, &len);
        last++;
      }
      i = last;
      if (!any) {
        continue;
      }
      BSON_APPEND_DOCUMENT_BEGIN (body, c->field, &child);
      for (size_t k = first; k < last; k++) {
        const mt_lcsv_column_t *m = &mt_lcsv_columns[k];
        cell = mt_lcsv_cell (csv, where, record, k, &len);
        if (cell && !mt_lcsv_append (&child, m->sub, m, cell, len)) {
          mt_lcsv_report_say (report, row, m->name, row_bad,
                              "nombre entier attendu (chiffres seulement)",
                              "whole number expected (digits only)");
        }
      }
      bson_append_document_end (body, &child);
    }
  }
}

/* Reads the owner @owner_id into @owner (initialised here); a missing or deleted owner is
 * reported. False only on a store failure. */
static bool
mt_lcsv_owner (const mt_ctx_t *ctx, const char *owner_id, size_t row, bson_t *owner, bool *found,
               mt_listings_csv_report_t *report, bool *row_bad, mt_error_t *error)
{
  mt_error_t store_error = { 0 };

  *found = false;
  if (!ctx->store->ops->member_get (ctx->store, owner_id, owner, &store_error)) {
    if (store_error.code != MT_ERR_NOT_FOUND) {
      mt_error_copy (error, &store_error);
      return false;
    }
    mt_lcsv_report_say (report, row, "owner_id", row_bad, "structure inconnue", "unknown member");
    return true;
  }
  if (mt_bson_str_eq (owner, "status", "deleted")) {
    mt_lcsv_report_say (report, row, "owner_id", row_bad, "structure supprimée", "deleted member");
    return true;
  }
  *found = true;
  return true;
}

static void
mt_lcsv_refuse (const mt_listings_csv_report_t *report, mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                "fichier refusé (%zu ligne(s) en erreur) : aucune annonce n'a été importée",
                "file refused (%zu row(s) in error): no listing was imported", report->bad_rows);
}

bool
mt_listings_import (const mt_ctx_t *ctx, const char *data, size_t len, size_t *imported,
                    mt_listings_csv_report_t *report, mt_error_t *error)
{
  const mt_csv_limits_t limits = {
    .max_field = MT_LISTINGS_CSV_MAX_FIELD,
    .max_columns = MT_LISTINGS_CSV_MAX_COLUMNS,
    .max_rows = MT_LISTINGS_CSV_MAX_ROWS,
  };
  const mt_schema_t *schema = NULL;
  mt_csv_t csv;
  long where[MT_LCSV_COLUMN_COUNT];
  bson_t *docs = NULL;
  const bson_t **pointers = NULL;
  size_t n_docs = 0;
  size_t rows = 0;
  mt_error_t read_error = { 0 };
  bool ok = false;

  *imported = 0;
  mt_listings_csv_report_init (report);
  mt_csv_init (&csv);
  if (!ctx->principal || !ctx->principal->is_admin) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_FORBIDDEN, "réservé aux administrateurs",
                  "administrators only");
    goto done;
  }
  if (ctx->env && ctx->env->schemas) {
    schema = mt_schema_registry_get (ctx->env->schemas, "listing_create.json");
  }
  if (!schema) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "schéma listing_create.json absent",
                  "schema listing_create.json missing");
    goto done;
  }
  if (!mt_csv_read (data, len, &limits, &csv, &read_error)) {
    if (read_error.code == MT_ERR_UNPROCESSABLE) {
      bool bad = false;
      mt_lcsv_report_add (report, csv.error_row, NULL, 0, &read_error, &bad);
      mt_lcsv_refuse (report, error);
    } else {
      mt_error_copy (error, &read_error);
    }
    goto done;
  }
  if (!mt_lcsv_map_header (&csv, where, report)) {
    mt_lcsv_refuse (report, error);
    goto done;
  }
  rows = csv.records - 1;
  if (rows == 0) {
    bool bad = false;
    mt_lcsv_report_say (report, 1, NULL, &bad, "aucune annonce après la ligne d'en-tête",
                        "no listing after the header row");
    mt_lcsv_refuse (report, error);
    goto done;
  }
  docs = calloc (rows, sizeof *docs);
  pointers = calloc (rows, sizeof *pointers);
  if (!docs || !pointers) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "mémoire insuffisante",
                  "out of memory");
    goto done;
  }
  for (size_t record = 1; record < csv.records; record++) {
    size_t row = csv.row_numbers[record];
    char owner_id[MT_ID_SIZE];
    bool row_bad = false;
    bool cells_bad;
    bool found = false;
    bson_t body;
    bson_t owner = BSON_INITIALIZER;
    bson_t doc = BSON_INITIALIZER;
    mt_error_t e = { 0 };

    mt_lcsv_row_body (&csv, where, record, &body, report, &row_bad);
    /* A cell refused above would only be refused again by the schema. */
    cells_bad = row_bad;
    mt_lcsv_row_owner (&csv, where, record, owner_id, report, &row_bad);
    if (owner_id[0]) {
      bson_destroy (&owner);
      if (!mt_lcsv_owner (ctx, owner_id, row, &owner, &found, report, &row_bad, error)) {
        bson_destroy (&body);
        bson_destroy (&owner);
        goto done;
      }
    }
    if (cells_bad) {
      /* reported */
    } else if (!mt_schema_validate (schema, &body, &e)) {
      const char *column = mt_lcsv_column_of (e.path);
      mt_lcsv_report_add (report, row, column, strlen (column), &e, &row_bad);
    } else if (found) {
      bson_destroy (&doc);
      if (!mt_listing_build (&body, &owner, ctx->principal->account_id, ctx->now_ms, &doc, NULL,
                             &e)) {
        const char *column = mt_lcsv_column_of (e.path);
        mt_lcsv_report_add (report, row, column, strlen (column), &e, &row_bad);
      } else if (report->bad_rows == 0) {
        bson_steal (&docs[n_docs], &doc);
        bson_init (&doc);
        pointers[n_docs] = &docs[n_docs];
        n_docs++;
      }
    }
    bson_destroy (&body);
    bson_destroy (&owner);
    bson_destroy (&doc);
  }
  if (report->bad_rows > 0) {
    mt_lcsv_refuse (report, error);
    goto done;
  }
  if (!ctx->store->ops->listing_insert_many (ctx->store, pointers, n_docs, error)) {
    goto done;
  }
  *imported = n_docs;
  MT_INFO ("%zu listings imported by account %s", n_docs, ctx->principal->account_id);
  ok = true;
done:
  for (size_t i = 0; i < n_docs; i++) {
    bson_destroy (&docs[i]);
  }
  free (docs);
  free (pointers);
  mt_csv_destroy (&csv);
  return ok;
}

/* ---- Export ---------------------------------------------------------------------------------- */

/*
 * Writes the text of column @c of @listing to @cell (reset first), with the guard quote in
 * front when it would start like a formula. @scratch is working space.
 */
static void
mt_lcsv_export_cell (const bson_t *listing, const mt_lcsv_column_t *c, mt_buf_t *scratch,
                     mt_buf_t *cell)
{
  bson_iter_t it;
  bson_iter_t value;
  char path[64];

  mt_buf_reset (scratch);
  mt_buf_reset (cell);
  snprintf (path, sizeof path, "%s%s%s", c->field, c->sub ? "." : "", c->sub ? c->sub : "");
  if (!bson_iter_init (&it, listing) || !bson_iter_find_descendant (&it, path, &value)) {
    return;
  }
  if (BSON_ITER_HOLDS_UTF8 (&value)) {
    uint32_t len = 0;
    const char *s = bson_iter_utf8 (&value, &len);
    mt_buf_append (scratch, s, len);
  } else if (BSON_ITER_HOLDS_INT32 (&value) || BSON_ITER_HOLDS_INT64 (&value) ||
             BSON_ITER_HOLDS_DOUBLE (&value)) {
    mt_buf_appendf (scratch, "%lld", (long long) bson_iter_as_int64 (&value));
  } else if (BSON_ITER_HOLDS_ARRAY (&value)) {
    bson_iter_t child;
    bool first = true;
    if (bson_iter_recurse (&value, &child)) {
      while (bson_iter_next (&child)) {
        uint32_t len = 0;
        const char *s;
        if (!BSON_ITER_HOLDS_UTF8 (&child)) {
          continue;
        }
        s = bson_iter_utf8 (&child, &len);
        if (!first) {
          mt_buf_append_char (scratch, '|');
        }
        mt_buf_append (scratch, s, len);
        first = false;
      }
    }
  }
  if (scratch->len > 0 && mt_csv_formula_start (scratch->data[0])) {
    mt_buf_append_char (cell, '\''); /* shown as text by spreadsheets; the import drops it */
  }
  mt_buf_append (cell, mt_buf_cstr (scratch), scratch->len);
  if (scratch->failed) {
    cell->failed = true;
  }
}

bool
mt_listings_export (const mt_ctx_t *ctx, mt_buf_t *out, mt_error_t *error)
{
  const char *fields[MT_LCSV_COLUMN_COUNT];
  size_t lens[MT_LCSV_COLUMN_COUNT];
  mt_buf_t cells[MT_LCSV_COLUMN_COUNT];
  mt_buf_t scratch;
  bool too_long = false;
  char cursor[MT_STORE_CURSOR_MAX] = "";
  size_t count = 0;
  bool ok = false;

  mt_buf_init (&scratch, MT_LISTINGS_CSV_MAX_FIELD);
  for (size_t i = 0; i < MT_LCSV_COLUMN_COUNT; i++) {
    mt_buf_init (&cells[i], MT_LISTINGS_CSV_MAX_FIELD + 1);
    fields[i] = mt_lcsv_columns[i].name;
  }
  if (!ctx->principal || !ctx->principal->is_admin) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_FORBIDDEN, "réservé aux administrateurs",
                  "administrators only");
    goto done;
  }
  mt_csv_write_bom (out);
  mt_csv_write_row (out, fields, NULL, MT_LCSV_COLUMN_COUNT);
  do {
    mt_store_listing_query_t query = {
      .any_visibility = true,
      .sort = MT_LISTING_SORT_RECENT,
      .cursor = cursor[0] ? cursor : NULL,
      .limit = MT_STORE_PAGE_MAX,
    };
    mt_store_page_t page;
    bson_iter_t it;
    bool listed = ctx->store->ops->listing_search (ctx->store, &query, &page, error);

    if (listed && bson_iter_init (&it, &page.items)) {
      while (bson_iter_next (&it)) {
        const uint8_t *data;
        uint32_t len;
        bson_t listing;
        if (!BSON_ITER_HOLDS_DOCUMENT (&it)) {
          continue;
        }
        bson_iter_document (&it, &len, &data);
        if (!bson_init_static (&listing, data, len)) {
          continue;
        }
        for (size_t i = 0; i < MT_LCSV_COLUMN_COUNT; i++) {
          mt_lcsv_export_cell (&listing, &mt_lcsv_columns[i], &scratch, &cells[i]);
          fields[i] = mt_buf_cstr (&cells[i]);
          lens[i] = cells[i].len;
          too_long = too_long || cells[i].failed;
        }
        mt_csv_write_row (out, fields, lens, MT_LCSV_COLUMN_COUNT);
        count++;
      }
      snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
    }
    mt_store_page_destroy (&page);
    if (!listed) {
      goto done;
    }
  } while (cursor[0] && !out->failed && !too_long);
  if (too_long) {
    /* Stored values are bounded by the schema far below this: a corrupt document. */
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL,
                  "une annonce a une valeur de plus de %d octets",
                  "a listing has a value over %d bytes", MT_LISTINGS_CSV_MAX_FIELD);
    goto done;
  }
  if (out->failed) {
    /* A limit of this server, not a fault of the request: 500, logged. */
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL,
                  "export trop volumineux (%zu octets au plus)",
                  "export too large (at most %zu bytes)", out->max);
    goto done;
  }
  MT_INFO ("%zu listings exported by account %s", count, ctx->principal->account_id);
  ok = true;
done:
  for (size_t i = 0; i < MT_LCSV_COLUMN_COUNT; i++) {
    mt_buf_destroy (&cells[i]);
  }
  mt_buf_destroy (&scratch);
  return ok;
}
