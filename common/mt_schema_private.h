/*
 * mt_schema_private: the compiled form of a schema, shared by the files of mt_schema
 * (mt_schema.c compiles and links, mt_schema_validate.c evaluates, mt_schema_regex.c
 * translates patterns, mt_schema_uri.c resolves URI references) and its unit test. Not for
 * other modules.
 */
#ifndef MT_SCHEMA_PRIVATE_H
#define MT_SCHEMA_PRIVATE_H

#include "mt_buf.h"
#include "mt_schema.h"

#include <locale.h>
#include <regex.h>
#include <stdint.h>

/* Bits of "type", and of what an instance is. An integral number is NUMBER|INTEGER. */
enum {
  MT_SCHEMA_TYPE_NULL = 1 << 0,
  MT_SCHEMA_TYPE_BOOLEAN = 1 << 1,
  MT_SCHEMA_TYPE_OBJECT = 1 << 2,
  MT_SCHEMA_TYPE_ARRAY = 1 << 3,
  MT_SCHEMA_TYPE_NUMBER = 1 << 4,
  MT_SCHEMA_TYPE_STRING = 1 << 5,
  MT_SCHEMA_TYPE_INTEGER = 1 << 6,
};

/* Which optional keywords are present (for those whose value cannot say "absent"). */
enum {
  MT_SCHEMA_HAS_MINIMUM = 1 << 0,
  MT_SCHEMA_HAS_MAXIMUM = 1 << 1,
  MT_SCHEMA_HAS_EXCL_MINIMUM = 1 << 2,
  MT_SCHEMA_HAS_EXCL_MAXIMUM = 1 << 3,
  MT_SCHEMA_HAS_MULTIPLE_OF = 1 << 4,
  MT_SCHEMA_HAS_MIN_LENGTH = 1 << 5,
  MT_SCHEMA_HAS_MAX_LENGTH = 1 << 6,
  MT_SCHEMA_HAS_MIN_ITEMS = 1 << 7,
  MT_SCHEMA_HAS_MAX_ITEMS = 1 << 8,
  MT_SCHEMA_HAS_MIN_PROPERTIES = 1 << 9,
  MT_SCHEMA_HAS_MAX_PROPERTIES = 1 << 10,
  MT_SCHEMA_HAS_MAX_CONTAINS = 1 << 11,
  MT_SCHEMA_HAS_ENUM = 1 << 12,
  MT_SCHEMA_HAS_CONST = 1 << 13,
  MT_SCHEMA_HAS_UNIQUE_ITEMS = 1 << 14,
  MT_SCHEMA_HAS_REF = 1 << 15,
  MT_SCHEMA_HAS_DYNAMIC_REF = 1 << 16,
};

typedef enum {
  MT_SCHEMA_FORMAT_NONE = 0,
  MT_SCHEMA_FORMAT_DATE_TIME,
  MT_SCHEMA_FORMAT_DATE,
  MT_SCHEMA_FORMAT_EMAIL,
  MT_SCHEMA_FORMAT_UUID,
} mt_schema_format_t;

typedef enum {
  MT_SCHEMA_KIND_TRUE = 0,
  MT_SCHEMA_KIND_FALSE,
  MT_SCHEMA_KIND_OBJECT,
} mt_schema_kind_t;

/* A number of a schema keyword, exact for integers. */
typedef struct {
  bool is_int;
  int64_t i;
  double d;
} mt_schema_num_t;

/* A compiled regular expression (see mt_schema_regex.c). */
typedef struct mt_schema_regex {
  regex_t re;
  locale_t locale; /* borrowed from the registry; (locale_t) 0 for the current locale */
  const char *source;
  struct mt_schema_regex *next; /* registry list, for regfree */
} mt_schema_regex_t;

typedef struct {
  const char *name; /* NUL-terminated; keys never hold NUL */
  size_t len;
  mt_schema_t *schema;
} mt_schema_prop_t;

typedef struct {
  mt_schema_regex_t *regex;
  mt_schema_t *schema;
} mt_schema_pattern_prop_t;

typedef struct {
  const char *name;
  size_t len;
} mt_schema_name_t;

typedef struct {
  const char *name;
  size_t len;
  mt_schema_name_t *required;
  size_t n_required;
} mt_schema_dependency_t;

typedef struct mt_schema_anchor {
  const char *name;
  mt_schema_t *schema;
  struct mt_schema_anchor *next;
} mt_schema_anchor_t;

/* A schema resource: a document root or a subschema with "$id". */
typedef struct mt_schema_resource {
  const char *base;  /* absolute URI without fragment */
  const char *alias; /* retrieval URI of a document root with its own "$id", or NULL */
  const mt_schema_registry_t *registry;
  mt_schema_t *root;
  const uint8_t *raw; /* the root object's BSON bytes (NULL for a boolean root) */
  uint32_t raw_len;
  mt_schema_anchor_t *dynamic_anchors;
  struct mt_schema_resource *outer; /* enclosing resource, NULL for a document root */
} mt_schema_resource_t;

/* A bson array or a one-value document {"0": v} copied into the registry. */
typedef struct {
  const uint8_t *data;
  uint32_t len;
} mt_schema_raw_t;

struct mt_schema {
  mt_schema_kind_t kind;
  uint32_t has;   /* MT_SCHEMA_HAS_* */
  uint32_t types; /* MT_SCHEMA_TYPE_*; 0: no "type" */
  mt_schema_resource_t *resource;
  const char *location; /* "base#pointer", for messages about the schema itself */

  const char *ref_uri; /* absolute; target linked by mt_schema_registry_resolve */
  mt_schema_t *ref;
  const char *dynamic_ref_uri;
  mt_schema_t *dynamic_ref;
  const char *dynamic_ref_anchor; /* set when the static target bears this $dynamicAnchor */
  const char *dynamic_anchor;     /* this node's own $dynamicAnchor */

  mt_schema_raw_t enum_values; /* an array */
  mt_schema_raw_t const_value; /* {"0": value} */
  const char *enum_text;       /* short JSON for messages, or NULL */
  const char *const_text;      /* idem */

  mt_schema_num_t minimum, maximum, exclusive_minimum, exclusive_maximum, multiple_of;
  int64_t min_length, max_length;
  mt_schema_regex_t *pattern;
  mt_schema_format_t format;

  mt_schema_prop_t *properties; /* sorted by (len, bytes) */
  size_t n_properties;
  mt_schema_pattern_prop_t *pattern_properties;
  size_t n_pattern_properties;
  mt_schema_t *additional_properties;
  mt_schema_name_t *required;
  size_t n_required;
  mt_schema_dependency_t *dependent_required;
  size_t n_dependent_required;
  mt_schema_prop_t *dependent_schemas;
  size_t n_dependent_schemas;
  mt_schema_t *property_names;
  int64_t min_properties, max_properties;
  mt_schema_t *unevaluated_properties;

  mt_schema_t **prefix_items;
  size_t n_prefix_items;
  mt_schema_t *items;
  mt_schema_t *contains;
  int64_t min_contains, max_contains;
  int64_t min_items, max_items;
  bool unique_items;
  mt_schema_t *unevaluated_items;

  mt_schema_t **all_of;
  size_t n_all_of;
  mt_schema_t **any_of;
  size_t n_any_of;
  mt_schema_t **one_of;
  size_t n_one_of;
  mt_schema_t *not_schema;
  mt_schema_t *if_schema, *then_schema, *else_schema;
};

/* Flags of the registry a schema belongs to. */
int mt_schema_flags (const mt_schema_t *schema);

/* --- URI references (mt_schema_uri.c) --- */

/*
 * Resolves URI reference @ref against absolute @base (RFC 3986 section 5.2) into @out.
 * Returns false when the result is not absolute (no scheme) or @out fails.
 */
bool mt_schema_uri_resolve (const char *base, const char *ref, mt_buf_t *out);

/* --- Patterns (mt_schema_regex.c) --- */

/* Translates ECMA-262 @pattern into a POSIX extended expression appended to @out. */
bool mt_schema_regex_translate (const char *pattern, size_t len, bool utf8, mt_buf_t *out,
                                mt_error_t *error);

/* Compiles @pattern into @regex (whose locale field is already set). */
bool mt_schema_regex_compile (mt_schema_regex_t *regex, const char *pattern, mt_error_t *error);

/* True when @regex finds a match anywhere in the @len bytes at @text. Thread-safe. */
bool mt_schema_regex_search (const mt_schema_regex_t *regex, const char *text, size_t len);

/* --- Formats (mt_schema_validate.c) --- */

bool mt_schema_format_check (mt_schema_format_t format, const char *text, size_t len);

#endif
