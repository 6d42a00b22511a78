/* Unit tests of services/csv.c: the bounded RFC 4180 reader and the writer. */
#include "mt_test.h"

#include "csv.h"

#include <stdlib.h>
#include <string.h>

static const mt_csv_limits_t limits = { .max_field = 64, .max_columns = 8, .max_rows = 10 };

/* Reads @text (a C string) with @lim, which must succeed. */
static void
read_ok (const char *text, const mt_csv_limits_t *lim, mt_csv_t *csv)
{
  mt_error_t error = { 0 };

  if (!mt_csv_read (text, strlen (text), lim, csv, &error)) {
    fail_msg ("refused: %s", error.message);
  }
}

/* Reads @len bytes, which must be refused at @row with a message containing @words. */
static void
read_fails (const char *text, size_t len, const mt_csv_limits_t *lim, size_t row, const char *words)
{
  mt_csv_t csv;
  mt_error_t error = { 0 };

  if (mt_csv_read (text, len, lim, &csv, &error)) {
    fail_msg ("accepted: %.*s", (int) len, text);
  }
  assert_int_equal (error.code, MT_ERR_UNPROCESSABLE);
  assert_int_equal (csv.error_row, row);
  assert_int_equal (csv.records, 0);
  assert_null (csv.cells);
  if (!strstr (error.message, words)) {
    fail_msg ("message \"%s\" lacks \"%s\"", error.message, words);
  }
  assert_non_null (strstr (error.message_fr, "ligne"));
  mt_csv_destroy (&csv);
}

static void
assert_cell (const mt_csv_t *csv, size_t record, size_t column, const char *expected)
{
  size_t len = 0;
  const char *cell = mt_csv_cell (csv, record, column, &len);

  assert_non_null (cell);
  assert_string_equal (cell, expected);
  assert_int_equal (len, strlen (expected));
}

/* ---- reading ------------------------------------------------------------------------------- */

static void
reads_semicolons_with_bom_and_crlf (void **state)
{
  mt_csv_t csv;

  (void) state;
  read_ok (MT_CSV_BOM "titre;commune\r\nVélo cargo;Lille\r\nPerceuse;Évry\r\n", &limits, &csv);
  assert_true (csv.bom);
  assert_int_equal (csv.separator, ';');
  assert_int_equal (csv.columns, 2);
  assert_int_equal (csv.records, 3);
  assert_cell (&csv, 0, 0, "titre"); /* the byte-order mark is not part of the first name */
  assert_cell (&csv, 0, 1, "commune");
  assert_cell (&csv, 1, 0, "Vélo cargo");
  assert_cell (&csv, 2, 1, "Évry");
  assert_int_equal (csv.row_numbers[2], 3);
  assert_null (mt_csv_cell (&csv, 3, 0, NULL));
  assert_null (mt_csv_cell (&csv, 0, 2, NULL));
  mt_csv_destroy (&csv);
}

static void
reads_commas_without_bom_lf_and_no_final_line_end (void **state)
{
  mt_csv_t csv;

  (void) state;
  read_ok ("a,b,c\n1,2,3\n4,,6", &limits, &csv);
  assert_false (csv.bom);
  assert_int_equal (csv.separator, ',');
  assert_int_equal (csv.records, 3);
  assert_cell (&csv, 2, 0, "4");
  assert_cell (&csv, 2, 1, ""); /* empty field */
  assert_cell (&csv, 2, 2, "6");
  mt_csv_destroy (&csv);
}

static void
separator_is_the_first_outside_quotes_of_the_header (void **state)
{
  mt_csv_t csv;

  (void) state;
  /* The ';' inside quotes does not count: ',' is the separator, so "x;y" is one field. */
  read_ok ("\"nom;complet\",ville\nx;y,\"Lille, Nord\"\n", &limits, &csv);
  assert_int_equal (csv.separator, ',');
  assert_int_equal (csv.columns, 2);
  assert_cell (&csv, 0, 0, "nom;complet");
  assert_cell (&csv, 1, 0, "x;y");
  assert_cell (&csv, 1, 1, "Lille, Nord");
  mt_csv_destroy (&csv);
  /* A one-column header reads with ';': a ',' in a row is data. */
  read_ok ("titre\nVélo, cargo\n", &limits, &csv);
  assert_int_equal (csv.separator, ';');
  assert_int_equal (csv.columns, 1);
  assert_cell (&csv, 1, 0, "Vélo, cargo");
  mt_csv_destroy (&csv);
}

static void
reads_quoted_fields_with_quotes_separators_and_line_ends (void **state)
{
  mt_csv_t csv;

  (void) state;
  read_ok ("titre;description;n\r\n"
           "\"Le \"\"grand\"\" vélo\";\"Ligne 1\r\nLigne 2\nLigne 3; fin\";1\r\n"
           "\"\";\"\"\"\";2\r\n",
           &limits, &csv);
  assert_int_equal (csv.records, 3);
  assert_cell (&csv, 1, 0, "Le \"grand\" vélo");
  assert_cell (&csv, 1, 1, "Ligne 1\r\nLigne 2\nLigne 3; fin"); /* kept as they are */
  assert_cell (&csv, 2, 0, "");
  assert_cell (&csv, 2, 1, "\"");
  /* The three-line record is one spreadsheet row. */
  assert_int_equal (csv.row_numbers[1], 2);
  assert_int_equal (csv.row_numbers[2], 3);
  mt_csv_destroy (&csv);
}

static void
keeps_spaces_and_a_trailing_separator_makes_an_empty_field (void **state)
{
  mt_csv_t csv;

  (void) state;
  read_ok ("a;b;\n x ;y ;\n", &limits, &csv);
  assert_int_equal (csv.columns, 3);
  assert_cell (&csv, 0, 2, "");
  assert_cell (&csv, 1, 0, " x ");
  assert_cell (&csv, 1, 1, "y ");
  assert_cell (&csv, 1, 2, "");
  mt_csv_destroy (&csv);
}

static void
skips_blank_lines_but_counts_them_as_rows (void **state)
{
  mt_csv_t csv;

  (void) state;
  read_ok ("a;b\r\n\r\n1;2\n\n\n3;4\r\n\r\n", &limits, &csv);
  assert_int_equal (csv.records, 3);
  assert_int_equal (csv.row_numbers[0], 1);
  assert_int_equal (csv.row_numbers[1], 3);
  assert_int_equal (csv.row_numbers[2], 6);
  assert_cell (&csv, 2, 1, "4");
  mt_csv_destroy (&csv);
  /* ... so a refused row is named as a spreadsheet shows it. */
  read_fails ("a;b\n\n1;2\n\n3\n", 12, &limits, 5, "column");
}

static void
refuses_unterminated_quotes_at_the_row_that_opened_them (void **state)
{
  const char *text = "a;b\n1;2\n\"ouvert;x\ny;z\n";

  (void) state;
  read_fails (text, strlen (text), &limits, 3, "never closed");
}

static void
refuses_a_quote_inside_an_unquoted_field (void **state)
{
  const char *text = "a;b\n1;2\n3;Le \"grand\" vélo\n";

  (void) state;
  read_fails (text, strlen (text), &limits, 3, "quote inside an unquoted value");
}

static void
refuses_text_after_a_closing_quote (void **state)
{
  const char *text = "a;b\n\"x\"y;2\n";
  const char *spaced = "a;b\n\"x\" ;2\n";

  (void) state;
  read_fails (text, strlen (text), &limits, 2, "after a closing quote");
  read_fails (spaced, strlen (spaced), &limits, 2, "after a closing quote");
}

static void
refuses_invalid_utf8 (void **state)
{
  const char *latin1 = "a;b\n1;2\n3;Vitrolles-en-Lub\xe9ron\n"; /* ISO-8859-1 é */
  const char *overlong = "a;b\n\"\xc0\xaf\";2\n";
  const char *surrogate = "a;b\n1;\xed\xa0\x80\n";
  const char *header = "a;b\xff\n1;2\n";

  (void) state;
  read_fails (latin1, strlen (latin1), &limits, 3, "not valid UTF-8");
  read_fails (overlong, strlen (overlong), &limits, 2, "not valid UTF-8");
  read_fails (surrogate, strlen (surrogate), &limits, 2, "not valid UTF-8");
  read_fails (header, strlen (header), &limits, 1, "not valid UTF-8");
}

static void
refuses_nul_bytes_quoted_or_not (void **state)
{
  static const char plain[] = "a;b\n1;x\0y\n";
  static const char quoted[] = "a;b\n1;2\n3;\"x\0y\"\n";

  (void) state;
  read_fails (plain, sizeof plain - 1, &limits, 2, "NUL");
  read_fails (quoted, sizeof quoted - 1, &limits, 3, "NUL");
}

static void
refuses_a_lone_carriage_return (void **state)
{
  const char *text = "a;b\r1;2\r\n";

  (void) state;
  read_fails (text, strlen (text), &limits, 1, "carriage return");
}

static void
refuses_rows_of_another_width_with_their_row_number (void **state)
{
  const char *fewer = "a;b;c\n1;2;3\n4;5\n";
  const char *more = "a;b;c\n1;2;3\n4;5;6\n7;8;9;10\n";

  (void) state;
  read_fails (fewer, strlen (fewer), &limits, 3, "2 column(s) instead of the header's 3");
  read_fails (more, strlen (more), &limits, 4, "too many columns");
}

static void
refuses_empty_files (void **state)
{
  (void) state;
  read_fails ("", 0, &limits, 1, "empty file");
  read_fails (MT_CSV_BOM, 3, &limits, 1, "empty file");
  read_fails ("\r\n\n\r\n", 5, &limits, 1, "empty file");
}

static void
enforces_the_limits (void **state)
{
  const mt_csv_limits_t small = { .max_field = 4, .max_columns = 3, .max_rows = 2 };
  mt_csv_t csv;

  (void) state;
  read_ok ("abcd;\"ab\"\"c\";c\n1;2;3\n4;5;6\n", &small, &csv); /* exactly at every limit */
  assert_int_equal (csv.records, 3);
  mt_csv_destroy (&csv);
  read_fails ("abcde;b\n", 8, &small, 1, "exceeds 4 bytes");
  read_fails ("a;\"ab\"\"cd\"\n", 11, &small, 1, "exceeds 4 bytes"); /* unquoted length */
  read_fails ("a;b;c;d\n", 8, &small, 1, "too many columns (at most 3)");
  read_fails ("a\n1\n2\n3\n", 8, &small, 4, "too many rows (at most 2");
}

/* ---- writing ------------------------------------------------------------------------------- */

static void
writes_bom_semicolons_crlf_and_quotes_only_when_needed (void **state)
{
  const char *header[] = { "titre", "description", "prix" };
  const char *row[] = { "Vélo \"cargo\"", "Ligne 1\nLigne 2; suite", "12,5" };
  const char *plain[] = { "a b", "", " c" };
  mt_buf_t buf;

  (void) state;
  mt_buf_init (&buf, 4096);
  assert_true (mt_csv_write_bom (&buf));
  assert_true (mt_csv_write_row (&buf, header, NULL, 3));
  assert_true (mt_csv_write_row (&buf, row, NULL, 3));
  assert_true (mt_csv_write_row (&buf, plain, NULL, 3));
  assert_string_equal (buf.data, MT_CSV_BOM "titre;description;prix\r\n"
                                            "\"Vélo \"\"cargo\"\"\";\"Ligne 1\nLigne 2; suite\";"
                                            "\"12,5\"\r\n"
                                            "a b;; c\r\n");
  mt_buf_destroy (&buf);
}

static void
writes_the_lone_empty_field_quoted (void **state)
{
  const char *empty[] = { "" };
  mt_buf_t buf;
  mt_csv_t csv;

  (void) state;
  mt_buf_init (&buf, 256);
  mt_csv_write_row (&buf, (const char *[]){ "titre" }, NULL, 1);
  mt_csv_write_row (&buf, empty, NULL, 1);
  assert_string_equal (buf.data, "titre\r\n\"\"\r\n"); /* not a blank line */
  read_ok (buf.data, &limits, &csv);
  assert_int_equal (csv.records, 2);
  assert_cell (&csv, 1, 0, "");
  mt_csv_destroy (&csv);
  mt_buf_destroy (&buf);
}

static void
writer_fails_once_the_buffer_is_full (void **state)
{
  const char *row[] = { "0123456789", "0123456789" };
  mt_buf_t buf;

  (void) state;
  mt_buf_init (&buf, 30);
  assert_true (mt_csv_write_row (&buf, row, NULL, 2));
  assert_false (mt_csv_write_row (&buf, row, NULL, 2));
  assert_true (buf.failed);
  mt_buf_destroy (&buf);
}

static void
what_is_read_and_written_back_reads_the_same (void **state)
{
  const char *text = "\"x,y\";b;\"c\"\"\"\r\n"
                     "\"multi\r\nligne\";\"a;b\";\n"
                     "\xef\xbb\xbf"
                     "début;é;\"\"\n";
  mt_csv_t first;
  mt_csv_t second;
  mt_buf_t buf;

  (void) state;
  read_ok (text, &limits, &first);
  mt_buf_init (&buf, 4096);
  mt_csv_write_bom (&buf);
  for (size_t r = 0; r < first.records; r++) {
    mt_csv_write_row (&buf, (const char *const *) first.cells + r * first.columns,
                      first.lens + r * first.columns, first.columns);
  }
  read_ok (buf.data, &limits, &second);
  assert_int_equal (second.records, first.records);
  assert_int_equal (second.columns, first.columns);
  for (size_t i = 0; i < first.records * first.columns; i++) {
    assert_int_equal (second.lens[i], first.lens[i]);
    assert_memory_equal (second.cells[i], first.cells[i], first.lens[i]);
  }
  /* A byte-order mark inside the text (not at its start) is data and survives. */
  assert_cell (&second, 2, 0,
               "\xef\xbb\xbf"
               "début");
  mt_csv_destroy (&first);
  mt_csv_destroy (&second);
  mt_buf_destroy (&buf);
}

/* The row builder of the exports: cells, the formula guard, dates, and its bounds. */
static void
row_builder_guards_formulas_and_is_bounded (void **state)
{
  static const struct {
    const char *text;
    bool guard;
    const char *cell;
  } cases[] = {
    { "=SUM(A1)", true, "'=SUM(A1)" },
    { "+33 3 20", true, "'+33 3 20" },
    { "-1", true, "'-1" },
    { "@cmd", true, "'@cmd" },
    { "\tx", true, "'\tx" },
    { "'quoted", true, "''quoted" },
    { "=SUM(A1)", false, "=SUM(A1)" },
    { "Vélo cargo", true, "Vélo cargo" },
    { NULL, true, "" },
  };
  mt_csv_row_t row;
  mt_buf_t out;
  mt_error_t error = { 0 };
  bson_t doc = BSON_INITIALIZER;

  (void) state;
  mt_csv_row_init (&row, 1024);
  mt_buf_init (&out, 4096);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    mt_csv_row_cell (&row, cases[i].text, cases[i].guard);
    assert_string_equal (row.text.data + row.offsets[i], cases[i].cell);
    assert_int_equal (row.lens[i], strlen (cases[i].cell));
  }
  BSON_APPEND_DATE_TIME (&doc, "at", INT64_C (1781254800000));
  mt_csv_row_date (&row, &doc, "at");
  mt_csv_row_date (&row, &doc, "missing");
  assert_string_equal (row.text.data + row.offsets[row.count - 2], "2026-06-12T09:00:00Z");
  assert_string_equal (row.text.data + row.offsets[row.count - 1], "");
  assert_true (mt_csv_row_write (&row, &out, &error));
  assert_non_null (
    strstr (mt_buf_cstr (&out), ";''quoted;=SUM(A1);Vélo cargo;;2026-06-12T09:00:00Z;\r\n"));
  assert_int_equal (out.data[out.len - 2], '\r');
  /* past MT_CSV_ROW_COLUMNS_MAX cells, or past the row's bytes, the row fails */
  mt_csv_row_reset (&row);
  for (int i = 0; i <= MT_CSV_ROW_COLUMNS_MAX; i++) {
    mt_csv_row_cell (&row, "x", false);
  }
  assert_false (mt_csv_row_write (&row, &out, &error));
  assert_int_equal (error.code, MT_ERR_INTERNAL);
  mt_csv_row_destroy (&row);
  mt_csv_row_init (&row, 8);
  mt_csv_row_cell (&row, "a cell longer than the row allows", false);
  assert_false (mt_csv_row_write (&row, &out, &error));
  mt_csv_row_destroy (&row);
  mt_buf_destroy (&out);
  bson_destroy (&doc);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("csv/read/semicolons_bom_crlf", reads_semicolons_with_bom_and_crlf),
    MT_TEST ("csv/read/commas_lf_no_final_line_end",
             reads_commas_without_bom_lf_and_no_final_line_end),
    MT_TEST ("csv/read/separator_detection", separator_is_the_first_outside_quotes_of_the_header),
    MT_TEST ("csv/read/quoted_fields", reads_quoted_fields_with_quotes_separators_and_line_ends),
    MT_TEST ("csv/read/spaces_and_trailing_separator",
             keeps_spaces_and_a_trailing_separator_makes_an_empty_field),
    MT_TEST ("csv/read/blank_lines", skips_blank_lines_but_counts_them_as_rows),
    MT_TEST ("csv/read/rejects_unterminated_quote",
             refuses_unterminated_quotes_at_the_row_that_opened_them),
    MT_TEST ("csv/read/rejects_quote_in_unquoted", refuses_a_quote_inside_an_unquoted_field),
    MT_TEST ("csv/read/rejects_text_after_quote", refuses_text_after_a_closing_quote),
    MT_TEST ("csv/read/rejects_invalid_utf8", refuses_invalid_utf8),
    MT_TEST ("csv/read/rejects_nul", refuses_nul_bytes_quoted_or_not),
    MT_TEST ("csv/read/rejects_lone_cr", refuses_a_lone_carriage_return),
    MT_TEST ("csv/read/rejects_other_widths", refuses_rows_of_another_width_with_their_row_number),
    MT_TEST ("csv/read/rejects_empty", refuses_empty_files),
    MT_TEST ("csv/read/limits", enforces_the_limits),
    MT_TEST ("csv/write/format", writes_bom_semicolons_crlf_and_quotes_only_when_needed),
    MT_TEST ("csv/write/lone_empty_field", writes_the_lone_empty_field_quoted),
    MT_TEST ("csv/write/bounded", writer_fails_once_the_buffer_is_full),
    MT_TEST ("csv/round_trip", what_is_read_and_written_back_reads_the_same),
    MT_TEST ("csv/row/guard_dates_bounds", row_builder_guards_formulas_and_is_bounded),
  };
  return cmocka_run_group_tests_name ("server/services/csv", tests, NULL, NULL);
}
