/*
 * fuzz_csv: the CSV reader must never crash on any input, and whatever it accepts, written
 * back by the writer, must read back to the same table (same width, same records, same cell
 * bytes). Small limits make the limit checks reachable too.
 */
#include "csv.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
mt_fuzz_csv_round_trip (const mt_csv_t *first, const mt_csv_limits_t *limits)
{
  mt_buf_t buf;
  mt_csv_t second;
  mt_error_t error;

  mt_buf_init (&buf, (size_t) 64 * 1024 * 1024);
  mt_csv_write_bom (&buf);
  for (size_t r = 0; r < first->records; r++) {
    mt_csv_write_row (&buf, (const char *const *) first->cells + r * first->columns,
                      first->lens + r * first->columns, first->columns);
  }
  if (buf.failed || !mt_csv_read (buf.data, buf.len, limits, &second, &error)) {
    abort (); /* our own output must read */
  }
  if (second.records != first->records || second.columns != first->columns ||
      second.separator != ';' || !second.bom) {
    abort ();
  }
  for (size_t i = 0; i < first->records * first->columns; i++) {
    if (second.lens[i] != first->lens[i] ||
        memcmp (second.cells[i], first->cells[i], first->lens[i]) != 0 ||
        strlen (first->cells[i]) != first->lens[i]) {
      abort ();
    }
  }
  mt_csv_destroy (&second);
  mt_buf_destroy (&buf);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const mt_csv_limits_t all[] = {
    { .max_field = 1 << 20, .max_columns = 64, .max_rows = 10000 },
    { .max_field = 3, .max_columns = 2, .max_rows = 1 },
  };

  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
    mt_csv_t csv;
    mt_error_t error;
    if (mt_csv_read ((const char *) data, size, &all[i], &csv, &error)) {
      if (csv.records == 0 || csv.columns == 0 || csv.columns > all[i].max_columns ||
          csv.records > all[i].max_rows + 1) {
        abort ();
      }
      mt_fuzz_csv_round_trip (&csv, &all[i]);
    } else if (error.code != MT_ERR_UNPROCESSABLE || csv.records != 0) {
      abort ();
    }
    mt_csv_destroy (&csv);
  }
  return 0;
}
