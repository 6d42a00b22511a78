/*
 * fuzz_json: the strict JSON parser must never crash on any input, and whatever it accepts
 * must be written back as JSON that it accepts again with the same meaning.
 */
#include "mt_json.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const int modes[] = { MT_JSON_STRICT, MT_JSON_TRUSTED };

  for (size_t m = 0; m < 2; m++) {
    bson_t doc;
    mt_error_t error;
    if (mt_json_parse_object ((const char *) data, size, modes[m], &doc, &error)) {
      size_t len = 0;
      char *text = mt_json_from_bson (&doc, &len);
      bson_t again;
      if (!text || !mt_json_parse_object (text, len, modes[m], &again, &error)) {
        abort (); /* our own output must parse */
      }
      {
        size_t len2 = 0;
        char *text2 = mt_json_from_bson (&again, &len2);
        if (!text2 || len2 != len || memcmp (text, text2, len) != 0) {
          abort (); /* and be a fixed point */
        }
        free (text2);
      }
      bson_destroy (&again);
      free (text);
    }
    bson_destroy (&doc);
  }
  return 0;
}
