/*
 * mt_schema: a JSON Schema (draft 2020-12) validator over bson_t.
 *
 * Request bodies are parsed by mt_json into a bson_t, then validated here against the JSON
 * Schemas of schemas/ before any service sees them ("validation at the edge").
 *
 * A registry holds compiled schemas. It is built once at start-up: every schema text is parsed
 * (MT_JSON_TRUSTED) and compiled into an internal tree (keywords decoded, regular expressions
 * compiled, property tables sorted), then mt_schema_registry_resolve links every "$ref". From
 * then on the registry is never written again, and any number of threads may validate against
 * it at once: validation only reads the tree and keeps its state on the caller's stack (no lock,
 * no allocation on the success path).
 *
 * Supported: boolean schemas, $id (absolute, relative, URN), $anchor, $dynamicAnchor,
 * $ref / $dynamicRef (JSON pointers with ~0/~1 and percent escapes), $defs, type, enum, const,
 * multipleOf, maximum, exclusiveMaximum, minimum, exclusiveMinimum, maxLength, minLength
 * (code points), pattern, maxItems, minItems, uniqueItems, maxContains, minContains,
 * maxProperties, minProperties, required, dependentRequired, properties, patternProperties,
 * additionalProperties, propertyNames, dependentSchemas, items, prefixItems, contains, allOf,
 * anyOf, oneOf, not, if/then/else, unevaluatedProperties, unevaluatedItems, format (date-time,
 * date, email, uuid). Annotation-only keywords (title, default, ...) are ignored.
 *
 * Patterns are ECMA-262 expressions translated to POSIX extended expressions (regex.h) and
 * matched in a UTF-8 locale: \d \w \s and their negations, \p{L}, classes, non-capturing and
 * named groups, lazy quantifiers (same result for a yes/no match) and the usual escapes are
 * supported; lookarounds and back-references are refused when the schema is added.
 */
#ifndef MT_SCHEMA_H
#define MT_SCHEMA_H

#include "mt_embed.h"
#include "mt_error.h"

#include <bson/bson.h>
#include <stdbool.h>
#include <stddef.h>

/* Retrieval URI prefix of a schema added under a name: "member.json" is known as
 * "mutua:/schemas/member.json" (and by its "$id", if any), so that relative references such as
 * "common.json#/$defs/territory" resolve between the files of schemas/. */
#define MT_SCHEMA_BASE_URI "mutua:/schemas/"

/* Deepest nesting of schema evaluation (applicators and references). A "$ref" cycle that
 * never consumes instance data fails cleanly here instead of recursing forever. */
#define MT_SCHEMA_MAX_DEPTH 200

typedef enum {
  /* "format" asserts (date-time, date, email, uuid) instead of being an annotation. mutua's
   * own schemas run with it; unknown formats are always accepted. */
  MT_SCHEMA_ASSERT_FORMAT = 1 << 0,
} mt_schema_flags_t;

typedef struct mt_schema_registry mt_schema_registry_t;

/* A compiled schema (or subschema). Owned by its registry; valid until the registry is
 * destroyed. */
typedef struct mt_schema mt_schema_t;

/*
 * Creates an empty registry. @flags: mt_schema_flags_t bits. Returns NULL on allocation
 * failure. Free it with mt_schema_registry_destroy.
 */
mt_schema_registry_t *mt_schema_registry_new (int flags);

/* Frees @registry and every schema in it (no-op on NULL). */
void mt_schema_registry_destroy (mt_schema_registry_t *registry);

/*
 * Parses (MT_JSON_TRUSTED) and compiles @len bytes of JSON text holding one schema (an object
 * or a boolean) known as @name (e.g. "member.json", resolved against MT_SCHEMA_BASE_URI; an
 * absolute URI stays as is) and by its "$id". References are not
 * resolved yet: call mt_schema_registry_resolve after the last add.
 * Errors: MT_DOMAIN_SCHEMA / MT_ERR_INTERNAL for a bad schema (unknown type name, bad
 * pattern, duplicate "$id", ...) and the mt_json errors for bad JSON. On failure the registry
 * may hold part of the schema but stays safe to destroy.
 */
bool mt_schema_registry_add_json (mt_schema_registry_t *registry, const char *name,
                                  const char *text, size_t len, mt_error_t *error);

/*
 * Links every "$ref" and "$dynamicRef" of the schemas added so far. Fails on the first
 * reference that designates nothing (the message names it). Call again after adding more.
 */
bool mt_schema_registry_resolve (mt_schema_registry_t *registry, mt_error_t *error);

/*
 * Adds every file of @table (an mt_embed_file_t table ending with a {NULL} row, such as the
 * generated mutua_schema_files[]) under its file name, then resolves. Any file whose name does
 * not end in ".json" is skipped, and so is "openapi.json" (an OpenAPI document).
 */
bool mt_schema_registry_add_embedded (mt_schema_registry_t *registry, const mt_embed_file_t *table,
                                      mt_error_t *error);

/*
 * Adds the official draft 2020-12 meta-schema (https://json-schema.org/draft/2020-12/schema)
 * and its seven vocabulary meta-schemas, compiled into the library (mt_schema_meta.c), so that
 * schemas may "$ref" it, e.g. to check mutua's own schemas. Resolve afterwards.
 */
bool mt_schema_registry_add_metaschema (mt_schema_registry_t *registry, mt_error_t *error);

/*
 * Looks up a schema by name ("member.json"), by absolute URI, or by either with a fragment
 * ("common.json#/$defs/territory", "https://x/y.json#anchor"). Returns a borrowed pointer,
 * NULL when absent. Thread-safe; a plain name costs one hash lookup and no allocation.
 */
const mt_schema_t *mt_schema_registry_get (const mt_schema_registry_t *registry,
                                           const char *name_or_uri);

/*
 * Validates @doc (a JSON object) against @schema. Thread-safe once the registry is resolved.
 * On failure sets @error: MT_DOMAIN_SCHEMA / MT_ERR_VALIDATION, a French and an English message,
 * and error->path, the JSON pointer (RFC 6901) of the offending value ("" for the root,
 * "/items/0/name"; for a missing required field, the pointer the field would have). A schema
 * whose references are unresolved, or nesting beyond MT_SCHEMA_MAX_DEPTH, fail with
 * MT_ERR_VALIDATION too (the instance cannot be shown valid); a NULL @schema fails with
 * MT_ERR_INTERNAL. @error is untouched on success.
 */
bool mt_schema_validate (const mt_schema_t *schema, const bson_t *doc, mt_error_t *error);

/* Same, for the single value (of any type) at @value. */
bool mt_schema_validate_value (const mt_schema_t *schema, const bson_iter_t *value,
                               mt_error_t *error);

#endif
