/*
 * listings_csv: the CSV import and export of listings by administrators
 * (POST /v1/admin/import/listings, GET /v1/admin/export/listings.csv). docs/API.md
 * ("Listings") is the contract.
 *
 * One table (listings_csv.c) names the columns and where each goes in a listing-create body
 * (listing_create.json): owner_id (the owner member, "mem_..."), kind, title, description,
 * category, tags ('|' between tags), departement, commune (territory), visibility, status,
 * quantity, condition, replacement_value_cents, deposit_cents, max_days, min_notice_hours,
 * buffer_hours, horizon_days (loan_rules), approval, pickup_address, pickup_instructions
 * (pickup), credit_price_per_day, format, duration_minutes, credit_rate_per_hour, languages
 * ('|' between codes). The export writes every column in that order; the import takes them in
 * any order (names compared without case), requires owner_id, kind, title and category, and
 * refuses an unknown or repeated name.
 *
 * Import: an empty cell is an absent field; integers are digits only (an optional '-'); every
 * row becomes a body validated with the schema of POST /v1/listings, then built by
 * mt_listing_build (category of the right kind, no field of the other kind) for an owner that
 * exists and is not deleted, created by the importing administrator. When any row is wrong
 * nothing is stored; otherwise all rows are stored at once (listing_insert_many).
 *
 * Spreadsheet formulas: a cell that starts with '=', '+', '-', '@', a tab, a CR or a quote (')
 * is exported with one more quote (') in front, so that spreadsheet software shows it as text
 * instead of running it; the import takes that quote off again (only when one of those
 * characters follows it), so an export imports back to the same text.
 */
#ifndef MT_LISTINGS_CSV_H
#define MT_LISTINGS_CSV_H

#include "mt_buf.h"
#include "mt_error.h"
#include "service.h"

#include <stdbool.h>
#include <stddef.h>

#define MT_LISTINGS_CSV_MAX_ROWS 5000   /* listings per import */
#define MT_LISTINGS_CSV_MAX_COLUMNS 64  /* columns of an import file */
#define MT_LISTINGS_CSV_MAX_FIELD 20000 /* bytes of one cell (a description is 4000 chars) */
#define MT_LISTINGS_CSV_MAX_ERRORS 100  /* errors listed in a refusal */
#define MT_LISTINGS_CSV_COLUMN_MAX 32   /* bytes of a column name, NUL included */
#define MT_LISTINGS_CSV_EXPORT_MAX ((size_t) 64 * 1024 * 1024) /* bytes of an export */

/* One refused cell or row. */
typedef struct {
  size_t row;                              /* spreadsheet row (1 = the header) */
  char column[MT_LISTINGS_CSV_COLUMN_MAX]; /* column name, "" when the whole row is wrong */
  mt_error_t error;                        /* the message, in French and English */
} mt_listings_csv_error_t;

/* What was wrong with an import file. */
typedef struct {
  mt_listings_csv_error_t *items; /* the first MT_LISTINGS_CSV_MAX_ERRORS errors (owned) */
  size_t count;
  size_t bad_rows; /* rows with at least one error (all of them, even beyond the list) */
  bool truncated;  /* more errors than items */
} mt_listings_csv_report_t;

void mt_listings_csv_report_init (mt_listings_csv_report_t *report);
void mt_listings_csv_report_destroy (mt_listings_csv_report_t *report);

/*
 * Imports @len bytes of CSV text at @data (csv.h's reader) as new listings.
 * @report (initialised here; destroy it) lists what is wrong, row by row.
 * @return true with *@imported set when every row was stored. False with:
 *   MT_ERR_UNPROCESSABLE and @report->count > 0: a bad file (the CSV itself, its header, or
 *     some rows); nothing is stored;
 *   MT_ERR_FORBIDDEN: the caller is not an administrator;
 *   store errors (nothing is stored either: listing_insert_many is all or nothing).
 */
bool mt_listings_import (const mt_ctx_t *ctx, const char *data, size_t len, size_t *imported,
                         mt_listings_csv_report_t *report, mt_error_t *error);

/*
 * Appends every listing (all owners, visibilities and statuses, most recent first) to @out as
 * CSV: byte-order mark, the header, one row per listing (csv.h's writer: ';', CRLF).
 * @out's own maximum applies (MT_LISTINGS_CSV_EXPORT_MAX is the route's): MT_ERR_INTERNAL
 * beyond it (a limit of the server, not a fault of the request). MT_ERR_FORBIDDEN when the caller is not an administrator; store errors.
 */
bool mt_listings_export (const mt_ctx_t *ctx, mt_buf_t *out, mt_error_t *error);

#endif
