/*
 * csv: the RFC 4180 reader and writer of csv.h.
 *
 * The reader makes one pass over the text. Unquoted cell bytes go to one bounded buffer
 * (each cell followed by a NUL), whose offsets are recorded; the pointers of the table are
 * set once the buffer stops moving. The buffer never holds more than the input plus one NUL
 * per cell, and cells are bounded by the caller's limits on rows and columns.
 */
#include "csv.h"

#include "mt_time.h"

#include "mt_json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const char *p;
  const char *end;
  char sep;
  const mt_csv_limits_t *limits;
  mt_buf_t text;
  size_t *offsets; /* start of each cell in text */
  size_t n_cells;
  size_t cap_cells;
  size_t *rows; /* spreadsheet row of each record */
  size_t n_records;
  size_t cap_records;
  size_t row;       /* spreadsheet row of the record being read */
  size_t columns;   /* the header's field count, 0 while reading the header */
  size_t in_record; /* fields of the record being read */
} mt_csv_reader_t;

typedef enum {
  MT_CSV_FIELD_ERROR = 0,
  MT_CSV_FIELD_NEXT,       /* a separator follows: another field of the same record */
  MT_CSV_FIELD_END_RECORD, /* a line end or the end of the text follows */
} mt_csv_field_end_t;

void
mt_csv_init (mt_csv_t *csv)
{
  memset (csv, 0, sizeof *csv);
  csv->separator = ';';
}

void
mt_csv_destroy (mt_csv_t *csv)
{
  free (csv->cells);
  free (csv->lens);
  free (csv->row_numbers);
  free (csv->text_);
  mt_csv_init (csv);
}

const char *
mt_csv_cell (const mt_csv_t *csv, size_t record, size_t column, size_t *len)
{
  size_t i;

  if (record >= csv->records || column >= csv->columns) {
    return NULL;
  }
  i = record * csv->columns + column;
  if (len) {
    *len = csv->lens[i];
  }
  return csv->cells[i];
}

/* --- reader -------------------------------------------------------------------------------- */

/* Grows *@array (of @size-byte items) to hold at least @need items. */
static bool
mt_csv_grow (void **array, size_t *cap, size_t need, size_t size)
{
  size_t cap2;
  void *grown;

  if (need <= *cap) {
    return true;
  }
  cap2 = *cap ? *cap : 64;
  while (cap2 < need) {
    if (cap2 > SIZE_MAX / 2 / size) {
      return false;
    }
    cap2 *= 2;
  }
  grown = realloc (*array, cap2 * size);
  if (!grown) {
    return false;
  }
  *array = grown;
  *cap = cap2;
  return true;
}

static void
mt_csv_no_memory (mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "mémoire insuffisante pour lire le CSV",
                "out of memory reading the CSV");
}

/* The first ';' or ',' outside quotes on the first line of [p, end); ';' when there is none. */
static char
mt_csv_detect_separator (const char *p, const char *end)
{
  bool quoted = false;

  for (; p < end; p++) {
    if (*p == '"') {
      quoted = !quoted;
    } else if (!quoted && (*p == ';' || *p == ',')) {
      return *p;
    } else if (!quoted && (*p == '\n' || *p == '\r')) {
      break;
    }
  }
  return ';';
}

/* Ends the current cell (@start is its offset in text): checks it and records it. */
static bool
mt_csv_end_cell (mt_csv_reader_t *rd, size_t start, mt_error_t *error)
{
  size_t len = rd->text.len - start;

  if (len > rd->limits->max_field) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                  "ligne %zu : une valeur dépasse %zu octets", "row %zu: a value exceeds %zu bytes",
                  rd->row, rd->limits->max_field);
    return false;
  }
  if (!mt_utf8_is_valid (rd->text.data ? rd->text.data + start : "", len)) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                  "ligne %zu : texte qui n'est pas de l'UTF-8 valide (enregistrez le fichier en "
                  "UTF-8)",
                  "row %zu: text that is not valid UTF-8 (save the file as UTF-8)", rd->row);
    return false;
  }
  if (++rd->in_record > rd->limits->max_columns || (rd->columns && rd->in_record > rd->columns)) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                  "ligne %zu : trop de colonnes (%zu au plus)",
                  "row %zu: too many columns (at most %zu)", rd->row,
                  rd->columns ? rd->columns : rd->limits->max_columns);
    return false;
  }
  if (!mt_buf_append_char (&rd->text, '\0') ||
      !mt_csv_grow ((void **) &rd->offsets, &rd->cap_cells, rd->n_cells + 1, sizeof (size_t))) {
    mt_csv_no_memory (error);
    return false;
  }
  rd->offsets[rd->n_cells++] = start;
  return true;
}

/* Reads one field at rd->p; leaves rd->p after what follows it (separator, line end). */
static mt_csv_field_end_t
mt_csv_read_field (mt_csv_reader_t *rd, mt_error_t *error)
{
  size_t start = rd->text.len;
  const char *p = rd->p;
  const char *end = rd->end;
  mt_csv_field_end_t result = MT_CSV_FIELD_ERROR;

  if (p < end && *p == '"') {
    size_t opened_row = rd->row;
    p++;
    for (;;) {
      const char *run = p;
      while (p < end && *p != '"' && *p != '\0') {
        p++;
      }
      if (p > run && !mt_buf_append (&rd->text, run, (size_t) (p - run))) {
        goto too_big;
      }
      if (p == end) {
        mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                      "ligne %zu : guillemet ouvert jamais fermé",
                      "row %zu: a quote is opened and never closed", opened_row);
        goto done;
      }
      if (*p == '\0') {
        goto nul;
      }
      if (p + 1 < end && p[1] == '"') {
        if (!mt_buf_append_char (&rd->text, '"')) {
          goto too_big;
        }
        p += 2;
        continue;
      }
      p++; /* the closing quote */
      break;
    }
    if (p < end && *p != rd->sep && *p != '\n' && *p != '\r') {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                    "ligne %zu : caractère inattendu après un guillemet fermant (un guillemet "
                    "dans une valeur s'écrit \"\")",
                    "row %zu: unexpected character after a closing quote (a quote inside a "
                    "value is written \"\")",
                    rd->row);
      goto done;
    }
  } else {
    const char *run = p;
    while (p < end && *p != rd->sep && *p != '\n' && *p != '\r') {
      if (*p == '"') {
        mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                      "ligne %zu : guillemet dans une valeur sans guillemets (entourez la valeur "
                      "de guillemets et doublez le sien)",
                      "row %zu: quote inside an unquoted value (quote the value and double its "
                      "quote)",
                      rd->row);
        goto done;
      }
      if (*p == '\0') {
        goto nul;
      }
      p++;
    }
    if (p > run && !mt_buf_append (&rd->text, run, (size_t) (p - run))) {
      goto too_big;
    }
  }
  if (!mt_csv_end_cell (rd, start, error)) {
    goto done;
  }
  if (p < end && *p == rd->sep) {
    p++;
    result = MT_CSV_FIELD_NEXT;
  } else if (p < end && *p == '\r') {
    if (p + 1 >= end || p[1] != '\n') {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                    "ligne %zu : retour chariot (CR) sans saut de ligne (LF)",
                    "row %zu: carriage return (CR) without a line feed (LF)", rd->row);
      goto done;
    }
    p += 2;
    result = MT_CSV_FIELD_END_RECORD;
  } else if (p < end && *p == '\n') {
    p++;
    result = MT_CSV_FIELD_END_RECORD;
  } else {
    result = MT_CSV_FIELD_END_RECORD; /* the end of the text */
  }
  goto done;

nul:
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                "ligne %zu : octet nul dans le texte (ce n'est pas un fichier CSV texte)",
                "row %zu: NUL byte in the text (not a text CSV file)", rd->row);
  goto done;
too_big:
  mt_csv_no_memory (error);
done:
  rd->p = p;
  return result;
}

/* True when rd->p starts a blank line (nothing before its line end); skips it. */
static bool
mt_csv_skip_blank_line (mt_csv_reader_t *rd)
{
  if (*rd->p == '\n') {
    rd->p++;
    return true;
  }
  if (*rd->p == '\r' && rd->p + 1 < rd->end && rd->p[1] == '\n') {
    rd->p += 2;
    return true;
  }
  return false;
}

/* Reads one record at rd->p (not at the end, not a blank line). */
static bool
mt_csv_read_record (mt_csv_reader_t *rd, mt_error_t *error)
{
  mt_csv_field_end_t end;

  if (rd->columns && rd->n_records > rd->limits->max_rows) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                  "ligne %zu : trop de lignes (%zu au plus après l'en-tête)",
                  "row %zu: too many rows (at most %zu after the header)", rd->row,
                  rd->limits->max_rows);
    return false;
  }
  rd->in_record = 0;
  do {
    end = mt_csv_read_field (rd, error);
  } while (end == MT_CSV_FIELD_NEXT);
  if (end == MT_CSV_FIELD_ERROR) {
    return false;
  }
  if (rd->columns && rd->in_record != rd->columns) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                  "ligne %zu : %zu colonne(s) au lieu des %zu de l'en-tête",
                  "row %zu: %zu column(s) instead of the header's %zu", rd->row, rd->in_record,
                  rd->columns);
    return false;
  }
  if (!rd->columns) {
    rd->columns = rd->in_record;
  }
  if (!mt_csv_grow ((void **) &rd->rows, &rd->cap_records, rd->n_records + 1, sizeof (size_t))) {
    mt_csv_no_memory (error);
    return false;
  }
  /* Quoted line ends inside the record do not make it more than one row. */
  rd->rows[rd->n_records++] = rd->row++;
  return true;
}

bool
mt_csv_read (const char *data, size_t len, const mt_csv_limits_t *limits, mt_csv_t *out,
             mt_error_t *error)
{
  mt_csv_reader_t rd;
  size_t text_len = 0;
  bool ok = false;

  mt_csv_init (out);
  memset (&rd, 0, sizeof rd);
  rd.p = data;
  rd.end = data + len;
  rd.limits = limits;
  rd.row = 1;
  /* Every cell byte comes from the input; each cell adds one NUL; cells <= len + 1. */
  mt_buf_init (&rd.text, len > (SIZE_MAX - 16) / 2 ? SIZE_MAX / 2 : len * 2 + 16);
  if (len >= 3 && memcmp (data, MT_CSV_BOM, 3) == 0) {
    out->bom = true;
    rd.p += 3;
  }
  rd.sep = mt_csv_detect_separator (rd.p, rd.end);
  while (rd.p < rd.end) {
    if (mt_csv_skip_blank_line (&rd)) {
      rd.row++;
      continue;
    }
    if (!mt_csv_read_record (&rd, error)) {
      out->error_row = rd.row;
      goto done;
    }
  }
  if (rd.n_records == 0) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                  "fichier vide : la première ligne doit nommer les colonnes",
                  "empty file: the first row must name the columns");
    out->error_row = 1;
    goto done;
  }
  out->cells = calloc (rd.n_cells, sizeof *out->cells);
  out->lens = calloc (rd.n_cells, sizeof *out->lens);
  if (!out->cells || !out->lens) {
    mt_csv_no_memory (error);
    goto done;
  }
  out->text_ = mt_buf_steal (&rd.text, &text_len);
  if (!out->text_) {
    mt_csv_no_memory (error);
    goto done;
  }
  for (size_t i = 0; i < rd.n_cells; i++) {
    /* Each cell is followed by its NUL, then by the next cell. */
    size_t next = i + 1 < rd.n_cells ? rd.offsets[i + 1] : text_len;
    out->cells[i] = out->text_ + rd.offsets[i];
    out->lens[i] = next - rd.offsets[i] - 1;
  }
  out->separator = rd.sep;
  out->columns = rd.columns;
  out->records = rd.n_records;
  out->row_numbers = rd.rows;
  rd.rows = NULL;
  ok = true;
done:
  mt_buf_destroy (&rd.text);
  free (rd.offsets);
  free (rd.rows);
  if (!ok) {
    size_t row = out->error_row;
    mt_csv_destroy (out);
    out->error_row = row;
  }
  return ok;
}

/* --- writer -------------------------------------------------------------------------------- */

bool
mt_csv_write_bom (mt_buf_t *buf)
{
  return mt_buf_append (buf, MT_CSV_BOM, 3);
}

static bool
mt_csv_write_field (mt_buf_t *buf, const char *field, size_t len, bool alone)
{
  bool quote = alone && len == 0;
  const char *p;
  const char *end = field + len;

  for (p = field; !quote && p < end; p++) {
    quote = *p == ';' || *p == ',' || *p == '"' || *p == '\r' || *p == '\n';
  }
  if (!quote) {
    return mt_buf_append (buf, field, len);
  }
  mt_buf_append_char (buf, '"');
  for (p = field; p < end;) {
    const char *q = memchr (p, '"', (size_t) (end - p));
    size_t run = q ? (size_t) (q - p) + 1 : (size_t) (end - p);
    mt_buf_append (buf, p, run);
    if (q) {
      mt_buf_append_char (buf, '"'); /* doubled */
    }
    p += run;
  }
  return mt_buf_append_char (buf, '"');
}

bool
mt_csv_write_row (mt_buf_t *buf, const char *const *fields, const size_t *lens, size_t count)
{
  for (size_t i = 0; i < count; i++) {
    const char *field = fields[i] ? fields[i] : "";
    size_t len = lens ? lens[i] : strlen (field);
    if (i > 0) {
      mt_buf_append_char (buf, ';');
    }
    mt_csv_write_field (buf, field, len, count == 1);
  }
  return mt_buf_append (buf, "\r\n", 2);
}

bool
mt_csv_formula_start (char c)
{
  return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r' || c == '\'';
}

void
mt_csv_row_init (mt_csv_row_t *row, size_t max)
{
  memset (row, 0, sizeof *row);
  mt_buf_init (&row->text, max);
}

void
mt_csv_row_destroy (mt_csv_row_t *row)
{
  mt_buf_destroy (&row->text);
}

void
mt_csv_row_reset (mt_csv_row_t *row)
{
  mt_buf_reset (&row->text);
  row->count = 0;
}

void
mt_csv_row_cell (mt_csv_row_t *row, const char *value, bool guard)
{
  size_t start = row->text.len;

  if (row->count >= MT_CSV_ROW_COLUMNS_MAX) {
    row->text.failed = true;
    return;
  }
  if (!value) {
    value = "";
  }
  if (guard && mt_csv_formula_start (value[0])) {
    mt_buf_append_char (&row->text, '\'');
  }
  mt_buf_append_str (&row->text, value);
  row->lens[row->count] = row->text.len - start;
  row->offsets[row->count] = start;
  mt_buf_append_char (&row->text, '\0');
  row->count++;
}

void
mt_csv_row_date (mt_csv_row_t *row, const bson_t *doc, const char *key)
{
  char text[MT_TIME_RFC3339_MAX];
  bson_iter_t it;

  if (bson_iter_init (&it, doc) && bson_iter_find_descendant (&it, key, &it) &&
      BSON_ITER_HOLDS_DATE_TIME (&it)) {
    mt_time_format_rfc3339 (bson_iter_date_time (&it), text);
    mt_csv_row_cell (row, text, false);
  } else {
    mt_csv_row_cell (row, "", false);
  }
}

bool
mt_csv_row_write (const mt_csv_row_t *row, mt_buf_t *out, mt_error_t *error)
{
  const char *fields[MT_CSV_ROW_COLUMNS_MAX];

  if (row->text.failed) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "ligne trop longue", "row too long");
    return false;
  }
  for (size_t i = 0; i < row->count; i++) {
    fields[i] = row->text.data + row->offsets[i];
  }
  if (row->count == 0 || !mt_csv_write_row (out, fields, row->lens, row->count)) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL,
                  "export trop volumineux (limite du serveur)", "export too large (server limit)");
    return false;
  }
  return true;
}
