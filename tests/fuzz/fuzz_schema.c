/*
 * fuzz_schema: strict parsing then validation against every request schema of schemas/
 * must never crash, whatever the body.
 */
#include "mt_embed.h"
#include "mt_json.h"
#include "mt_schema.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

extern const mt_embed_file_t mutua_schema_files[];

static mt_schema_registry_t *mt_fuzz_registry;

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  bson_t doc;
  mt_error_t error;

  if (!mt_fuzz_registry) {
    mt_fuzz_registry = mt_schema_registry_new (MT_SCHEMA_ASSERT_FORMAT);
    if (!mt_fuzz_registry ||
        !mt_schema_registry_add_embedded (mt_fuzz_registry, mutua_schema_files, &error)) {
      abort ();
    }
  }
  if (mt_json_parse_object ((const char *) data, size, MT_JSON_STRICT, &doc, &error)) {
    for (const mt_embed_file_t *f = mutua_schema_files; f->name; f++) {
      const mt_schema_t *schema = mt_schema_registry_get (mt_fuzz_registry, f->name);
      if (schema) {
        mt_error_t verdict;
        mt_schema_validate (schema, &doc, &verdict);
      }
    }
  }
  bson_destroy (&doc);
  return 0;
}
