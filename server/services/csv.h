/*
 * csv: a bounded RFC 4180 reader and writer, for the CSV import and export of the
 * administration (listings_csv.h).
 *
 * Reader
 *   - UTF-8, with or without a byte-order mark (EF BB BF, dropped); invalid UTF-8 and NUL
 *     bytes are refused.
 *   - The separator is ';' or ',': the first of them found outside quotes on the header line
 *     (the first record). A header without either is one column, read with ';'.
 *   - Fields may be quoted ("..."), with "" for a quote inside; quoted fields may hold
 *     separators, CR and LF, kept as they are. A quote inside an unquoted field, anything but a
 *     separator or a line end after a closing quote, an unterminated quote and a CR not
 *     followed by LF outside quotes are refused.
 *   - Lines end with CRLF or LF; the last line end is optional. Blank lines (nothing at all
 *     between two line ends) are skipped, but they count in row numbers.
 *   - Every record has as many fields as the header; a record that differs is refused.
 *   - Row numbers are 1-based and count the header (row 1) and the blank lines, like the rows
 *     of a spreadsheet: a record whose quoted fields span several lines is one row.
 *   - Bounded by the caller's limits: bytes of one field (unquoted), fields per record, records
 *     after the header.
 *
 * Writer
 *   ';' between fields, CRLF after each record, a field quoted when it holds ';', ',', '"',
 *   CR or LF (and the lone empty field of a one-column record, which would otherwise be a
 *   blank line); mt_csv_write_bom writes the byte-order mark that spreadsheet software needs
 *   to read UTF-8. Whatever the reader accepts, written back, reads back to the same cells.
 */
#ifndef MT_CSV_H
#define MT_CSV_H

#include "mt_buf.h"
#include "mt_error.h"

#include <bson/bson.h>
#include <stdbool.h>
#include <stddef.h>

#define MT_CSV_BOM "\xEF\xBB\xBF"

typedef struct {
  size_t max_field;   /* bytes of one field's value (after unquoting); at least 1 */
  size_t max_columns; /* fields per record; at least 1 */
  size_t max_rows;    /* records after the header */
} mt_csv_limits_t;

/* A table read by mt_csv_read. Everything is owned by the table (mt_csv_destroy). */
typedef struct {
  char separator;      /* ';' or ',' (';' for a one-column header) */
  bool bom;            /* the input began with a byte-order mark */
  size_t columns;      /* fields of every record (the header's count) */
  size_t records;      /* records, the header included (0 on failure) */
  char **cells;        /* records * columns NUL-terminated UTF-8 strings, row-major */
  size_t *lens;        /* their lengths in bytes */
  size_t *row_numbers; /* spreadsheet row of each record (1 for the header) */
  size_t error_row;    /* on failure: the row where reading stopped (0 when none applies) */
  char *text_;         /* internal storage of the cells */
} mt_csv_t;

/* Initialises @csv as an empty table (safe to destroy). */
void mt_csv_init (mt_csv_t *csv);

/* Frees what @csv holds and leaves it empty. */
void mt_csv_destroy (mt_csv_t *csv);

/*
 * Reads @len bytes of CSV text into @out (initialised here in every case; destroy it).
 * @return false with MT_ERR_UNPROCESSABLE (the message names the row, out->error_row too) when
 * the text breaks a rule above or a limit, MT_ERR_INTERNAL when memory runs out.
 */
bool mt_csv_read (const char *data, size_t len, const mt_csv_limits_t *limits, mt_csv_t *out,
                  mt_error_t *error);

/* The cell of record @record (0 = header) and column @column, or NULL out of range; its
 * length to @len when not NULL. Borrowed from @csv. */
const char *mt_csv_cell (const mt_csv_t *csv, size_t record, size_t column, size_t *len);

/* Appends the UTF-8 byte-order mark. Returns false once @buf failed. */
bool mt_csv_write_bom (mt_buf_t *buf);

/*
 * Appends one record of @count fields (@count >= 1) and its CRLF. @lens may be NULL (then
 * every field is a NUL-terminated string). Returns false once @buf failed (too long).
 */
bool mt_csv_write_row (mt_buf_t *buf, const char *const *fields, const size_t *lens, size_t count);

/*
 * Spreadsheet formulas: true when a cell starting with @c would be read as a formula by
 * spreadsheet software ('=', '+', '-', '@', tab, CR) or is the guard quote itself ('). Exports
 * put one more quote (') in front of such a text; the listings import takes it off again.
 */
bool mt_csv_formula_start (char c);

/* The cells of one exported row, built one after the other in one buffer. */
#define MT_CSV_ROW_COLUMNS_MAX 32
typedef struct {
  mt_buf_t text; /* every cell, NUL-separated */
  size_t offsets[MT_CSV_ROW_COLUMNS_MAX];
  size_t lens[MT_CSV_ROW_COLUMNS_MAX];
  size_t count;
} mt_csv_row_t;

/* A row whose cells together hold at most @max bytes; destroy with mt_csv_row_destroy. */
void mt_csv_row_init (mt_csv_row_t *row, size_t max);
void mt_csv_row_destroy (mt_csv_row_t *row);
/* Empties @row for the next record. */
void mt_csv_row_reset (mt_csv_row_t *row);
/* Appends a cell (NULL: empty); with @guard, the formula guard quote when it needs one.
 * Cells beyond MT_CSV_ROW_COLUMNS_MAX make the row fail. */
void mt_csv_row_cell (mt_csv_row_t *row, const char *value, bool guard);
/* Appends the date-time at @key of @doc (dotted path) as RFC 3339 UTC, or an empty cell. */
void mt_csv_row_date (mt_csv_row_t *row, const bson_t *doc, const char *key);
/* Appends @row as one record to @out. MT_ERR_INTERNAL when the row or @out overflowed. */
bool mt_csv_row_write (const mt_csv_row_t *row, mt_buf_t *out, mt_error_t *error);

#endif
