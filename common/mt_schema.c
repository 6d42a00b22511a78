/*
 * mt_schema: the registry of JSON Schemas, and their compilation into the internal tree that
 * mt_schema_validate.c walks.
 *
 * Compiling a schema decodes every keyword once (numbers, type bits, sorted property tables,
 * regular expressions), identifies every subschema by URI ("base#/json/pointer", "base#anchor"
 * and each "$id") in one hash table, and queues "$ref" / "$dynamicRef" for
 * mt_schema_registry_resolve, which links each to its target node. References may point to
 * schemas added later, so linking waits for the caller to say that everything is in. A
 * reference into a location that no keyword compiled (an unknown keyword) compiles that
 * location on demand, as long as it holds an object or a boolean.
 *
 * All memory of the tree lives in an arena freed with the registry; regular expressions are
 * kept in a list for regfree, parsed schema texts in another (enum values point into them).
 */
#include "mt_schema_private.h"

#include "mt_json.h"

#include "mt_b64.h"

#include <math.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define MT_SCHEMA_ARENA_CHUNK (64 * 1024)
#define MT_SCHEMA_TEXT_MAX 120 /* longest enum/const JSON quoted in messages */
#define MT_SCHEMA_URI_MAX (64 * 1024)

/* ------------------------------------------------------------------------------------------ */
/* Arena                                                                                      */

typedef struct mt_arena_chunk {
  struct mt_arena_chunk *next;
  size_t used;
  size_t cap;
  alignas (max_align_t) unsigned char data[];
} mt_arena_chunk_t;

typedef struct mt_schema_doc {
  bson_t *bson;
  struct mt_schema_doc *next;
} mt_schema_doc_t;

typedef struct {
  const char *key;
  mt_schema_t *schema;
} mt_schema_entry_t;

struct mt_schema_registry {
  int flags;
  mt_arena_chunk_t *arena;
  mt_schema_entry_t *map; /* open addressing, power-of-two capacity */
  size_t map_cap;
  size_t map_count;
  mt_schema_t **pending; /* nodes with "$ref" or "$dynamicRef" */
  size_t n_pending;
  size_t cap_pending;
  mt_schema_regex_t *regexes;
  mt_schema_doc_t *docs;
  locale_t utf8; /* (locale_t) 0 when no UTF-8 locale exists */
};

static void *
mt_arena_alloc (mt_schema_registry_t *reg, size_t size)
{
  const size_t align = alignof (max_align_t);
  mt_arena_chunk_t *chunk = reg->arena;
  void *p;

  size = (size + align - 1) / align * align;
  if (size == 0) {
    size = align;
  }
  if (!chunk || chunk->cap - chunk->used < size) {
    size_t cap = size > MT_SCHEMA_ARENA_CHUNK ? size : MT_SCHEMA_ARENA_CHUNK;
    chunk = malloc (sizeof *chunk + cap);
    if (!chunk) {
      return NULL;
    }
    chunk->cap = cap;
    chunk->used = 0;
    chunk->next = reg->arena;
    reg->arena = chunk;
  }
  p = chunk->data + chunk->used;
  chunk->used += size;
  memset (p, 0, size);
  return p;
}

static char *
mt_arena_strndup (mt_schema_registry_t *reg, const char *s, size_t len)
{
  char *p = mt_arena_alloc (reg, len + 1);
  if (p) {
    memcpy (p, s, len);
    p[len] = '\0';
  }
  return p;
}

/* ------------------------------------------------------------------------------------------ */
/* URI table                                                                                  */

static uint64_t
mt_schema_hash (const char *s)
{
  uint64_t h = 14695981039346656037ULL;
  for (; *s; s++) {
    h ^= (unsigned char) *s;
    h *= 1099511628211ULL;
  }
  return h;
}

static mt_schema_t *
mt_schema_map_get (const mt_schema_registry_t *reg, const char *key)
{
  size_t i;

  if (reg->map_cap == 0) {
    return NULL;
  }
  for (i = mt_schema_hash (key) & (reg->map_cap - 1); reg->map[i].key;
       i = (i + 1) & (reg->map_cap - 1)) {
    if (strcmp (reg->map[i].key, key) == 0) {
      return reg->map[i].schema;
    }
  }
  return NULL;
}

/* Returns 1 when added, 0 when @key already designates another schema, -1 on OOM. */
static int
mt_schema_map_put (mt_schema_registry_t *reg, const char *key, mt_schema_t *schema)
{
  size_t i;

  if ((reg->map_count + 1) * 10 > reg->map_cap * 7) {
    size_t cap = reg->map_cap ? reg->map_cap * 2 : 256;
    mt_schema_entry_t *map = calloc (cap, sizeof *map);
    if (!map) {
      return -1;
    }
    for (size_t j = 0; j < reg->map_cap; j++) {
      if (reg->map[j].key) {
        for (i = mt_schema_hash (reg->map[j].key) & (cap - 1); map[i].key;
             i = (i + 1) & (cap - 1)) {
        }
        map[i] = reg->map[j];
      }
    }
    free (reg->map);
    reg->map = map;
    reg->map_cap = cap;
  }
  for (i = mt_schema_hash (key) & (reg->map_cap - 1); reg->map[i].key;
       i = (i + 1) & (reg->map_cap - 1)) {
    if (strcmp (reg->map[i].key, key) == 0) {
      return reg->map[i].schema == schema ? 1 : 0;
    }
  }
  reg->map[i].key = mt_arena_strndup (reg, key, strlen (key));
  if (!reg->map[i].key) {
    return -1;
  }
  reg->map[i].schema = schema;
  reg->map_count++;
  return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* Registry                                                                                   */

mt_schema_registry_t *
mt_schema_registry_new (int flags)
{
  mt_schema_registry_t *reg = calloc (1, sizeof *reg);

  if (!reg) {
    return NULL;
  }
  reg->flags = flags;
  reg->utf8 = newlocale (LC_CTYPE_MASK, "C.UTF-8", (locale_t) 0);
  if (!reg->utf8) {
    reg->utf8 = newlocale (LC_CTYPE_MASK, "en_US.UTF-8", (locale_t) 0);
  }
  return reg;
}

void
mt_schema_registry_destroy (mt_schema_registry_t *reg)
{
  if (!reg) {
    return;
  }
  for (mt_schema_regex_t *r = reg->regexes; r; r = r->next) {
    regfree (&r->re);
  }
  while (reg->docs) {
    mt_schema_doc_t *next = reg->docs->next;
    bson_destroy (reg->docs->bson);
    free (reg->docs);
    reg->docs = next;
  }
  while (reg->arena) {
    mt_arena_chunk_t *next = reg->arena->next;
    free (reg->arena);
    reg->arena = next;
  }
  free (reg->map);
  free (reg->pending);
  if (reg->utf8) {
    freelocale (reg->utf8);
  }
  free (reg);
}

int
mt_schema_flags (const mt_schema_t *schema)
{
  return schema->resource->registry->flags;
}

/* ------------------------------------------------------------------------------------------ */
/* Compilation                                                                                */

/* The resources enclosing the node being compiled, innermost first. */
typedef struct mt_compile_scope {
  mt_schema_resource_t *res;
  size_t start; /* where this resource's JSON pointer starts in the compiler's ptr */
  struct mt_compile_scope *up;
} mt_compile_scope_t;

typedef struct {
  mt_schema_registry_t *reg;
  mt_error_t *error;
  mt_buf_t ptr; /* JSON pointer of the current node from the document (escaped) */
  mt_compile_scope_t *scope;
} mt_compiler_t;

static mt_schema_t *mt_schema_compile (mt_compiler_t *c, const bson_iter_t *value,
                                       mt_schema_resource_t *res, unsigned depth);

static bool
mt_compile_fail (mt_compiler_t *c, const char *what_fr, const char *what_en)
{
  const char *where = mt_buf_cstr (&c->ptr);
  mt_error_set (c->error, MT_DOMAIN_SCHEMA, MT_ERR_INTERNAL, "schéma invalide en « %s » : %s%.0s",
                "invalid schema at \"%s\": %.0s%s", where, what_fr, what_en);
  return false;
}

static bool
mt_compile_oom (mt_compiler_t *c)
{
  return mt_compile_fail (c, "mémoire insuffisante", "out of memory");
}

static void
mt_compile_push (mt_compiler_t *c, const char *seg, size_t len)
{
  mt_buf_append_char (&c->ptr, '/');
  for (size_t i = 0; i < len; i++) {
    if (seg[i] == '~') {
      mt_buf_append_str (&c->ptr, "~0");
    } else if (seg[i] == '/') {
      mt_buf_append_str (&c->ptr, "~1");
    } else {
      mt_buf_append_char (&c->ptr, seg[i]);
    }
  }
}

static void
mt_compile_pop (mt_compiler_t *c, size_t len)
{
  c->ptr.len = len;
  if (c->ptr.data) {
    c->ptr.data[len] = '\0';
  }
}

/* Registers @schema as base#fragment (and alias#fragment). @fragment "" means the base. */
static bool
mt_compile_register (mt_compiler_t *c, mt_schema_resource_t *res, const char *fragment,
                     mt_schema_t *schema)
{
  const char *bases[2] = { res->base, res->alias };
  mt_buf_t key;
  bool ok = true;

  mt_buf_init (&key, MT_SCHEMA_URI_MAX);
  for (int i = 0; i < 2 && ok; i++) {
    int rc;
    if (!bases[i]) {
      continue;
    }
    mt_buf_reset (&key);
    mt_buf_append_str (&key, bases[i]);
    if (*fragment) {
      mt_buf_append_char (&key, '#');
      mt_buf_append_str (&key, fragment);
    }
    if (key.failed) {
      ok = mt_compile_oom (c);
      break;
    }
    rc = mt_schema_map_put (c->reg, mt_buf_cstr (&key), schema);
    if (rc < 0) {
      ok = mt_compile_oom (c);
    } else if (rc == 0) {
      mt_error_set (c->error, MT_DOMAIN_SCHEMA, MT_ERR_INTERNAL,
                    "URI de schéma en double « %.150s »", "duplicate schema URI \"%.150s\"",
                    mt_buf_cstr (&key));
      ok = false;
    }
  }
  mt_buf_destroy (&key);
  return ok;
}

/*
 * Registers @schema under its JSON pointer from every enclosing resource, so that a pointer
 * may cross an embedded "$id" ("outer.json#/$defs/inner/$defs/x" as well as
 * "inner.json#/$defs/x").
 */
static bool
mt_compile_register_pointer (mt_compiler_t *c, mt_schema_t *schema)
{
  for (mt_compile_scope_t *sc = c->scope; sc; sc = sc->up) {
    if (!mt_compile_register (c, sc->res, mt_buf_cstr (&c->ptr) + sc->start, schema)) {
      return false;
    }
  }
  return true;
}

static bool
mt_compile_queue (mt_compiler_t *c, mt_schema_t *schema)
{
  mt_schema_registry_t *reg = c->reg;

  if (reg->n_pending == reg->cap_pending) {
    size_t cap = reg->cap_pending ? reg->cap_pending * 2 : 64;
    mt_schema_t **p = realloc (reg->pending, cap * sizeof *p);
    if (!p) {
      return mt_compile_oom (c);
    }
    reg->pending = p;
    reg->cap_pending = cap;
  }
  reg->pending[reg->n_pending++] = schema;
  return true;
}

/* Resolves @ref against @res's base into an arena string. */
static const char *
mt_compile_uri (mt_compiler_t *c, mt_schema_resource_t *res, const char *ref)
{
  mt_buf_t out;
  const char *uri = NULL;

  mt_buf_init (&out, MT_SCHEMA_URI_MAX);
  if (!mt_schema_uri_resolve (res->base, ref, &out)) {
    mt_compile_fail (c, "référence URI invalide", "invalid URI reference");
    goto done;
  }
  uri = mt_arena_strndup (c->reg, mt_buf_cstr (&out), out.len);
  if (!uri) {
    mt_compile_oom (c);
  }
done:
  mt_buf_destroy (&out);
  return uri;
}

static bool
mt_compile_num (const bson_iter_t *it, mt_schema_num_t *num)
{
  if (BSON_ITER_HOLDS_INT32 (it) || BSON_ITER_HOLDS_INT64 (it)) {
    num->is_int = true;
    num->i = BSON_ITER_HOLDS_INT32 (it) ? bson_iter_int32 (it) : bson_iter_int64 (it);
    num->d = (double) num->i;
    return true;
  }
  if (BSON_ITER_HOLDS_DOUBLE (it)) {
    num->is_int = false;
    num->d = bson_iter_double (it);
    return isfinite (num->d);
  }
  return false;
}

/* A non-negative integer (2.0 counts: it is an integer in JSON Schema). */
static bool
mt_compile_count (const bson_iter_t *it, int64_t *out)
{
  mt_schema_num_t n;

  if (!mt_compile_num (it, &n)) {
    return false;
  }
  if (!n.is_int) {
    if (n.d != floor (n.d) || n.d < 0 || n.d >= 9.2e18) {
      return false;
    }
    n.i = (int64_t) n.d;
  }
  if (n.i < 0) {
    return false;
  }
  *out = n.i;
  return true;
}

static const struct {
  const char *name;
  uint32_t bit;
} mt_schema_type_names[] = {
  { "null", MT_SCHEMA_TYPE_NULL },       { "boolean", MT_SCHEMA_TYPE_BOOLEAN },
  { "object", MT_SCHEMA_TYPE_OBJECT },   { "array", MT_SCHEMA_TYPE_ARRAY },
  { "number", MT_SCHEMA_TYPE_NUMBER },   { "string", MT_SCHEMA_TYPE_STRING },
  { "integer", MT_SCHEMA_TYPE_INTEGER },
};

static bool
mt_compile_type_name (mt_compiler_t *c, const bson_iter_t *it, uint32_t *bits)
{
  const char *name;

  if (!BSON_ITER_HOLDS_UTF8 (it)) {
    return mt_compile_fail (c, "« type » doit être une chaîne ou un tableau de chaînes",
                            "\"type\" must be a string or an array of strings");
  }
  name = bson_iter_utf8 (it, NULL);
  for (size_t i = 0; i < sizeof mt_schema_type_names / sizeof mt_schema_type_names[0]; i++) {
    if (strcmp (name, mt_schema_type_names[i].name) == 0) {
      *bits |= mt_schema_type_names[i].bit;
      return true;
    }
  }
  return mt_compile_fail (c, "type inconnu", "unknown type");
}

static bool
mt_compile_type (mt_compiler_t *c, const bson_iter_t *it, mt_schema_t *s)
{
  bson_iter_t child;

  if (BSON_ITER_HOLDS_ARRAY (it)) {
    if (!bson_iter_recurse (it, &child)) {
      return mt_compile_fail (c, "tableau invalide", "invalid array");
    }
    while (bson_iter_next (&child)) {
      if (!mt_compile_type_name (c, &child, &s->types)) {
        return false;
      }
    }
    if (s->types == 0) {
      /* "type": [] accepts nothing; keep a bit no instance has. */
      s->types = 1u << 31;
    }
    return true;
  }
  return mt_compile_type_name (c, it, &s->types);
}

/* Short JSON text of the value at @it for messages, or NULL when longer than the limit. */
static const char *
mt_compile_text (mt_compiler_t *c, const bson_iter_t *it)
{
  mt_buf_t buf;
  const char *text = NULL;

  mt_buf_init (&buf, MT_SCHEMA_TEXT_MAX);
  if (BSON_ITER_HOLDS_ARRAY (it)) {
    bson_t arr;
    const uint8_t *data;
    uint32_t len;
    bson_iter_array (it, &len, &data);
    if (bson_init_static (&arr, data, len)) {
      mt_json_append_array (&buf, &arr);
    }
  } else {
    mt_json_append_value (&buf, it);
  }
  if (!buf.failed && buf.len > 0) {
    text = mt_arena_strndup (c->reg, buf.data, buf.len);
  }
  mt_buf_destroy (&buf);
  return text;
}

/* Copies the value at @it into the arena as the document {"0": value}. */
static bool
mt_compile_const (mt_compiler_t *c, const bson_iter_t *it, mt_schema_raw_t *raw)
{
  bson_t tmp = BSON_INITIALIZER;
  uint8_t *copy;
  bool ok = false;

  if (!bson_append_iter (&tmp, "0", 1, it)) {
    mt_compile_oom (c);
    goto done;
  }
  copy = mt_arena_alloc (c->reg, tmp.len);
  if (!copy) {
    mt_compile_oom (c);
    goto done;
  }
  memcpy (copy, bson_get_data (&tmp), tmp.len);
  raw->data = copy;
  raw->len = tmp.len;
  ok = true;
done:
  bson_destroy (&tmp);
  return ok;
}

static mt_schema_regex_t *
mt_compile_regex (mt_compiler_t *c, const char *source)
{
  mt_schema_regex_t *r = mt_arena_alloc (c->reg, sizeof *r);

  if (!r) {
    mt_compile_oom (c);
    return NULL;
  }
  r->locale = c->reg->utf8;
  r->source = mt_arena_strndup (c->reg, source, strlen (source));
  if (!r->source) {
    mt_compile_oom (c);
    return NULL;
  }
  if (!mt_schema_regex_compile (r, source, c->error)) {
    return NULL;
  }
  r->next = c->reg->regexes;
  c->reg->regexes = r;
  return r;
}

/* Compiles the subschema at @it, under pointer segment @seg (and @seg2 when not NULL). */
static mt_schema_t *
mt_compile_sub (mt_compiler_t *c, const bson_iter_t *it, mt_schema_resource_t *res, unsigned depth,
                const char *seg, size_t seg_len, const char *seg2, size_t seg2_len)
{
  size_t mark = c->ptr.len;
  mt_schema_t *s;

  mt_compile_push (c, seg, seg_len);
  if (seg2) {
    mt_compile_push (c, seg2, seg2_len);
  }
  s = mt_schema_compile (c, it, res, depth + 1);
  mt_compile_pop (c, mark);
  return s;
}

static bool
mt_compile_subschema (mt_compiler_t *c, const bson_iter_t *it, mt_schema_resource_t *res,
                      unsigned depth, mt_schema_t **out)
{
  const char *key = bson_iter_key (it);
  *out = mt_compile_sub (c, it, res, depth, key, strlen (key), NULL, 0);
  return *out != NULL;
}

/* "allOf", "anyOf", "oneOf", "prefixItems": a non-empty array of schemas. */
static bool
mt_compile_schema_array (mt_compiler_t *c, const bson_iter_t *it, mt_schema_resource_t *res,
                         unsigned depth, mt_schema_t ***out, size_t *n_out)
{
  const char *key = bson_iter_key (it);
  bson_iter_t child;
  size_t n = 0;

  if (!BSON_ITER_HOLDS_ARRAY (it) || !bson_iter_recurse (it, &child)) {
    return mt_compile_fail (c, "tableau de schémas attendu", "array of schemas expected");
  }
  while (bson_iter_next (&child)) {
    n++;
  }
  if (n == 0) {
    return mt_compile_fail (c, "tableau de schémas vide", "empty array of schemas");
  }
  *out = mt_arena_alloc (c->reg, n * sizeof **out);
  if (!*out) {
    return mt_compile_oom (c);
  }
  bson_iter_recurse (it, &child);
  for (size_t i = 0; bson_iter_next (&child); i++) {
    const char *idx = bson_iter_key (&child);
    (*out)[i] = mt_compile_sub (c, &child, res, depth, key, strlen (key), idx, strlen (idx));
    if (!(*out)[i]) {
      return false;
    }
  }
  *n_out = n;
  return true;
}

static int
mt_compile_prop_cmp (const void *a, const void *b)
{
  const mt_schema_prop_t *x = a, *y = b;
  if (x->len != y->len) {
    return x->len < y->len ? -1 : 1;
  }
  return memcmp (x->name, y->name, x->len);
}

/* "properties", "dependentSchemas", "$defs": an object of schemas. @out may be NULL. */
static bool
mt_compile_schema_map (mt_compiler_t *c, const bson_iter_t *it, mt_schema_resource_t *res,
                       unsigned depth, mt_schema_prop_t **out, size_t *n_out)
{
  const char *key = bson_iter_key (it);
  bson_iter_t child;
  size_t n = 0;
  mt_schema_prop_t *props = NULL;

  if (!BSON_ITER_HOLDS_DOCUMENT (it) || !bson_iter_recurse (it, &child)) {
    return mt_compile_fail (c, "objet de schémas attendu", "object of schemas expected");
  }
  while (bson_iter_next (&child)) {
    n++;
  }
  if (out && n > 0) {
    props = mt_arena_alloc (c->reg, n * sizeof *props);
    if (!props) {
      return mt_compile_oom (c);
    }
  }
  bson_iter_recurse (it, &child);
  for (size_t i = 0; bson_iter_next (&child); i++) {
    uint32_t klen = bson_iter_key_len (&child);
    const char *name = bson_iter_key (&child);
    mt_schema_t *s = mt_compile_sub (c, &child, res, depth, key, strlen (key), name, klen);
    if (!s) {
      return false;
    }
    if (props) {
      props[i].name = mt_arena_strndup (c->reg, name, klen);
      props[i].len = klen;
      props[i].schema = s;
      if (!props[i].name) {
        return mt_compile_oom (c);
      }
    }
  }
  if (out) {
    if (props) {
      qsort (props, n, sizeof *props, mt_compile_prop_cmp);
    }
    *out = props;
    *n_out = n;
  }
  return true;
}

static bool
mt_compile_pattern_properties (mt_compiler_t *c, const bson_iter_t *it, mt_schema_resource_t *res,
                               unsigned depth, mt_schema_t *s)
{
  bson_iter_t child;
  size_t n = 0;

  if (!BSON_ITER_HOLDS_DOCUMENT (it) || !bson_iter_recurse (it, &child)) {
    return mt_compile_fail (c, "objet de schémas attendu", "object of schemas expected");
  }
  while (bson_iter_next (&child)) {
    n++;
  }
  s->pattern_properties = mt_arena_alloc (c->reg, (n ? n : 1) * sizeof *s->pattern_properties);
  if (!s->pattern_properties) {
    return mt_compile_oom (c);
  }
  bson_iter_recurse (it, &child);
  for (size_t i = 0; bson_iter_next (&child); i++) {
    const char *name = bson_iter_key (&child);
    mt_schema_pattern_prop_t *pp = &s->pattern_properties[i];
    pp->regex = mt_compile_regex (c, name);
    if (!pp->regex) {
      return false;
    }
    pp->schema =
      mt_compile_sub (c, &child, res, depth, "patternProperties", 17, name, strlen (name));
    if (!pp->schema) {
      return false;
    }
  }
  s->n_pattern_properties = n;
  return true;
}

/* An array of distinct strings (for "required" and each "dependentRequired" entry). */
static bool
mt_compile_names (mt_compiler_t *c, const bson_iter_t *it, mt_schema_name_t **out, size_t *n_out)
{
  bson_iter_t child;
  size_t n = 0;

  if (!BSON_ITER_HOLDS_ARRAY (it) || !bson_iter_recurse (it, &child)) {
    return mt_compile_fail (c, "tableau de chaînes attendu", "array of strings expected");
  }
  while (bson_iter_next (&child)) {
    if (!BSON_ITER_HOLDS_UTF8 (&child)) {
      return mt_compile_fail (c, "tableau de chaînes attendu", "array of strings expected");
    }
    n++;
  }
  *out = mt_arena_alloc (c->reg, (n ? n : 1) * sizeof **out);
  if (!*out) {
    return mt_compile_oom (c);
  }
  bson_iter_recurse (it, &child);
  for (size_t i = 0; bson_iter_next (&child); i++) {
    uint32_t len;
    const char *name = bson_iter_utf8 (&child, &len);
    (*out)[i].name = mt_arena_strndup (c->reg, name, len);
    (*out)[i].len = len;
    if (!(*out)[i].name) {
      return mt_compile_oom (c);
    }
  }
  *n_out = n;
  return true;
}

static bool
mt_compile_dependent_required (mt_compiler_t *c, const bson_iter_t *it, mt_schema_t *s)
{
  bson_iter_t child;
  size_t n = 0;

  if (!BSON_ITER_HOLDS_DOCUMENT (it) || !bson_iter_recurse (it, &child)) {
    return mt_compile_fail (c, "objet attendu", "object expected");
  }
  while (bson_iter_next (&child)) {
    n++;
  }
  s->dependent_required = mt_arena_alloc (c->reg, (n ? n : 1) * sizeof *s->dependent_required);
  if (!s->dependent_required) {
    return mt_compile_oom (c);
  }
  bson_iter_recurse (it, &child);
  for (size_t i = 0; bson_iter_next (&child); i++) {
    mt_schema_dependency_t *d = &s->dependent_required[i];
    d->len = bson_iter_key_len (&child);
    d->name = mt_arena_strndup (c->reg, bson_iter_key (&child), d->len);
    if (!d->name) {
      return mt_compile_oom (c);
    }
    if (!mt_compile_names (c, &child, &d->required, &d->n_required)) {
      return false;
    }
  }
  s->n_dependent_required = n;
  return true;
}

static mt_schema_format_t
mt_compile_format (const char *name)
{
  if (strcmp (name, "date-time") == 0) {
    return MT_SCHEMA_FORMAT_DATE_TIME;
  }
  if (strcmp (name, "date") == 0) {
    return MT_SCHEMA_FORMAT_DATE;
  }
  if (strcmp (name, "email") == 0) {
    return MT_SCHEMA_FORMAT_EMAIL;
  }
  if (strcmp (name, "uuid") == 0) {
    return MT_SCHEMA_FORMAT_UUID;
  }
  return MT_SCHEMA_FORMAT_NONE;
}

/* The keywords of an object schema @s other than the identifiers handled first. */
static bool
mt_compile_keyword (mt_compiler_t *c, const bson_iter_t *it, mt_schema_resource_t *res,
                    unsigned depth, mt_schema_t *s)
{
  const char *k = bson_iter_key (it);
  const struct {
    const char *name;
    int64_t *field;
    uint32_t bit;
  } counts[] = {
    { "minLength", &s->min_length, MT_SCHEMA_HAS_MIN_LENGTH },
    { "maxLength", &s->max_length, MT_SCHEMA_HAS_MAX_LENGTH },
    { "minItems", &s->min_items, MT_SCHEMA_HAS_MIN_ITEMS },
    { "maxItems", &s->max_items, MT_SCHEMA_HAS_MAX_ITEMS },
    { "minProperties", &s->min_properties, MT_SCHEMA_HAS_MIN_PROPERTIES },
    { "maxProperties", &s->max_properties, MT_SCHEMA_HAS_MAX_PROPERTIES },
    { "minContains", &s->min_contains, 0 },
    { "maxContains", &s->max_contains, MT_SCHEMA_HAS_MAX_CONTAINS },
  };
  const struct {
    const char *name;
    mt_schema_num_t *field;
    uint32_t bit;
  } nums[] = {
    { "minimum", &s->minimum, MT_SCHEMA_HAS_MINIMUM },
    { "maximum", &s->maximum, MT_SCHEMA_HAS_MAXIMUM },
    { "exclusiveMinimum", &s->exclusive_minimum, MT_SCHEMA_HAS_EXCL_MINIMUM },
    { "exclusiveMaximum", &s->exclusive_maximum, MT_SCHEMA_HAS_EXCL_MAXIMUM },
    { "multipleOf", &s->multiple_of, MT_SCHEMA_HAS_MULTIPLE_OF },
  };
  const struct {
    const char *name;
    mt_schema_t **field;
  } subs[] = {
    { "additionalProperties", &s->additional_properties },
    { "propertyNames", &s->property_names },
    { "unevaluatedProperties", &s->unevaluated_properties },
    { "items", &s->items },
    { "contains", &s->contains },
    { "unevaluatedItems", &s->unevaluated_items },
    { "not", &s->not_schema },
    { "if", &s->if_schema },
    { "then", &s->then_schema },
    { "else", &s->else_schema },
  };

  for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
    if (strcmp (k, counts[i].name) == 0) {
      if (!mt_compile_count (it, counts[i].field)) {
        return mt_compile_fail (c, "entier positif ou nul attendu",
                                "non-negative integer expected");
      }
      s->has |= counts[i].bit;
      return true;
    }
  }
  for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
    if (strcmp (k, nums[i].name) == 0) {
      if (!mt_compile_num (it, nums[i].field)) {
        return mt_compile_fail (c, "nombre attendu", "number expected");
      }
      if (nums[i].bit == MT_SCHEMA_HAS_MULTIPLE_OF && !(nums[i].field->d > 0)) {
        return mt_compile_fail (c, "« multipleOf » doit être strictement positif",
                                "\"multipleOf\" must be strictly positive");
      }
      s->has |= nums[i].bit;
      return true;
    }
  }
  for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
    if (strcmp (k, subs[i].name) == 0) {
      return mt_compile_subschema (c, it, res, depth, subs[i].field);
    }
  }
  if (strcmp (k, "type") == 0) {
    return mt_compile_type (c, it, s);
  }
  if (strcmp (k, "enum") == 0) {
    if (!BSON_ITER_HOLDS_ARRAY (it)) {
      return mt_compile_fail (c, "« enum » doit être un tableau", "\"enum\" must be an array");
    }
    bson_iter_array (it, &s->enum_values.len, &s->enum_values.data);
    s->enum_text = mt_compile_text (c, it);
    s->has |= MT_SCHEMA_HAS_ENUM;
    return true;
  }
  if (strcmp (k, "const") == 0) {
    s->const_text = mt_compile_text (c, it);
    s->has |= MT_SCHEMA_HAS_CONST;
    return mt_compile_const (c, it, &s->const_value);
  }
  if (strcmp (k, "pattern") == 0) {
    if (!BSON_ITER_HOLDS_UTF8 (it)) {
      return mt_compile_fail (c, "« pattern » doit être une chaîne",
                              "\"pattern\" must be a string");
    }
    s->pattern = mt_compile_regex (c, bson_iter_utf8 (it, NULL));
    return s->pattern != NULL;
  }
  if (strcmp (k, "format") == 0) {
    if (BSON_ITER_HOLDS_UTF8 (it)) {
      s->format = mt_compile_format (bson_iter_utf8 (it, NULL));
    }
    return true;
  }
  if (strcmp (k, "uniqueItems") == 0) {
    if (!BSON_ITER_HOLDS_BOOL (it)) {
      return mt_compile_fail (c, "booléen attendu", "boolean expected");
    }
    s->unique_items = bson_iter_bool (it);
    return true;
  }
  if (strcmp (k, "required") == 0) {
    return mt_compile_names (c, it, &s->required, &s->n_required);
  }
  if (strcmp (k, "dependentRequired") == 0) {
    return mt_compile_dependent_required (c, it, s);
  }
  if (strcmp (k, "properties") == 0) {
    return mt_compile_schema_map (c, it, res, depth, &s->properties, &s->n_properties);
  }
  if (strcmp (k, "dependentSchemas") == 0) {
    return mt_compile_schema_map (c, it, res, depth, &s->dependent_schemas,
                                  &s->n_dependent_schemas);
  }
  if (strcmp (k, "$defs") == 0 || strcmp (k, "definitions") == 0) {
    return mt_compile_schema_map (c, it, res, depth, NULL, NULL);
  }
  if (strcmp (k, "patternProperties") == 0) {
    return mt_compile_pattern_properties (c, it, res, depth, s);
  }
  if (strcmp (k, "prefixItems") == 0) {
    return mt_compile_schema_array (c, it, res, depth, &s->prefix_items, &s->n_prefix_items);
  }
  if (strcmp (k, "allOf") == 0) {
    return mt_compile_schema_array (c, it, res, depth, &s->all_of, &s->n_all_of);
  }
  if (strcmp (k, "anyOf") == 0) {
    return mt_compile_schema_array (c, it, res, depth, &s->any_of, &s->n_any_of);
  }
  if (strcmp (k, "oneOf") == 0) {
    return mt_compile_schema_array (c, it, res, depth, &s->one_of, &s->n_one_of);
  }
  /* $schema, $comment, $vocabulary, title, description, default, examples, deprecated,
   * readOnly, writeOnly, content*, and unknown keywords: annotations, nothing to check. */
  return true;
}

/* "$id", "$anchor", "$dynamicAnchor", "$ref", "$dynamicRef" of object schema @s. */
static bool
mt_compile_identifiers (mt_compiler_t *c, const bson_iter_t *value, const bson_iter_t *doc,
                        mt_schema_resource_t **resp, unsigned depth, mt_schema_t *s,
                        mt_compile_scope_t *frame)
{
  mt_schema_resource_t *res = *resp;
  bson_iter_t it = *doc;

  if (bson_iter_find (&it, "$id")) {
    const char *id;
    const char *uri;
    char *hash;
    if (!BSON_ITER_HOLDS_UTF8 (&it)) {
      return mt_compile_fail (c, "« $id » doit être une chaîne", "\"$id\" must be a string");
    }
    id = bson_iter_utf8 (&it, NULL);
    uri = mt_compile_uri (c, res, id);
    if (!uri) {
      return false;
    }
    hash = strchr (uri, '#');
    if (hash) {
      if (hash[1] != '\0') {
        return mt_compile_fail (c, "« $id » avec un fragment", "\"$id\" with a fragment");
      }
      *hash = '\0';
    }
    if (depth == 0 && res->root == s) {
      /* The document root: known by its retrieval URI and its "$id". */
      if (strcmp (uri, res->base) != 0) {
        res->alias = res->base;
        res->base = uri;
      }
    } else {
      mt_schema_resource_t *inner = mt_arena_alloc (c->reg, sizeof *inner);
      uint32_t len;
      if (!inner) {
        return mt_compile_oom (c);
      }
      inner->base = uri;
      inner->registry = c->reg;
      inner->root = s;
      bson_iter_document (value, &len, &inner->raw);
      inner->raw_len = len;
      inner->outer = res;
      res = inner;
      frame->res = inner;
      frame->start = c->ptr.len;
      frame->up = c->scope;
      c->scope = frame;
    }
  }
  s->resource = res;
  *resp = res;
  if (!mt_compile_register_pointer (c, s)) {
    return false;
  }
  if (res->root == s && res->raw == NULL) {
    uint32_t len;
    bson_iter_document (value, &len, &res->raw);
    res->raw_len = len;
  }
  {
    mt_buf_t loc;
    mt_buf_init (&loc, MT_SCHEMA_URI_MAX);
    mt_buf_appendf (&loc, "%s#%s", res->base, mt_buf_cstr (&c->ptr) + c->scope->start);
    s->location = mt_arena_strndup (c->reg, mt_buf_cstr (&loc), loc.len);
    mt_buf_destroy (&loc);
    if (!s->location) {
      return mt_compile_oom (c);
    }
  }
  it = *doc;
  if (bson_iter_find (&it, "$anchor")) {
    if (!BSON_ITER_HOLDS_UTF8 (&it)) {
      return mt_compile_fail (c, "« $anchor » doit être une chaîne",
                              "\"$anchor\" must be a string");
    }
    if (!mt_compile_register (c, res, bson_iter_utf8 (&it, NULL), s)) {
      return false;
    }
  }
  it = *doc;
  if (bson_iter_find (&it, "$dynamicAnchor")) {
    mt_schema_anchor_t *a;
    if (!BSON_ITER_HOLDS_UTF8 (&it)) {
      return mt_compile_fail (c, "« $dynamicAnchor » doit être une chaîne",
                              "\"$dynamicAnchor\" must be a string");
    }
    s->dynamic_anchor =
      mt_arena_strndup (c->reg, bson_iter_utf8 (&it, NULL), strlen (bson_iter_utf8 (&it, NULL)));
    a = mt_arena_alloc (c->reg, sizeof *a);
    if (!s->dynamic_anchor || !a) {
      return mt_compile_oom (c);
    }
    a->name = s->dynamic_anchor;
    a->schema = s;
    a->next = res->dynamic_anchors;
    res->dynamic_anchors = a;
    if (!mt_compile_register (c, res, s->dynamic_anchor, s)) {
      return false;
    }
  }
  it = *doc;
  if (bson_iter_find (&it, "$ref")) {
    if (!BSON_ITER_HOLDS_UTF8 (&it)) {
      return mt_compile_fail (c, "« $ref » doit être une chaîne", "\"$ref\" must be a string");
    }
    s->ref_uri = mt_compile_uri (c, res, bson_iter_utf8 (&it, NULL));
    if (!s->ref_uri) {
      return false;
    }
    s->has |= MT_SCHEMA_HAS_REF;
  }
  it = *doc;
  if (bson_iter_find (&it, "$dynamicRef")) {
    if (!BSON_ITER_HOLDS_UTF8 (&it)) {
      return mt_compile_fail (c, "« $dynamicRef » doit être une chaîne",
                              "\"$dynamicRef\" must be a string");
    }
    s->dynamic_ref_uri = mt_compile_uri (c, res, bson_iter_utf8 (&it, NULL));
    if (!s->dynamic_ref_uri) {
      return false;
    }
    s->has |= MT_SCHEMA_HAS_DYNAMIC_REF;
  }
  if (s->has & (MT_SCHEMA_HAS_REF | MT_SCHEMA_HAS_DYNAMIC_REF)) {
    return mt_compile_queue (c, s);
  }
  return true;
}

static mt_schema_t *
mt_schema_compile (mt_compiler_t *c, const bson_iter_t *value, mt_schema_resource_t *res,
                   unsigned depth)
{
  mt_schema_t *s;
  bson_iter_t doc, it;
  mt_compile_scope_t *saved_scope = c->scope;
  mt_compile_scope_t frame;
  bool ok = false;

  if (depth > MT_JSON_TRUSTED_MAX_DEPTH) {
    mt_compile_fail (c, "imbrication trop profonde", "nesting too deep");
    return NULL;
  }
  s = mt_arena_alloc (c->reg, sizeof *s);
  if (!s) {
    mt_compile_oom (c);
    return NULL;
  }
  s->resource = res;
  s->min_contains = 1;
  if (res->root == NULL) {
    res->root = s;
  }
  if (BSON_ITER_HOLDS_BOOL (value)) {
    s->kind = bson_iter_bool (value) ? MT_SCHEMA_KIND_TRUE : MT_SCHEMA_KIND_FALSE;
    s->location = res->base;
    return mt_compile_register_pointer (c, s) ? s : NULL;
  }
  if (!BSON_ITER_HOLDS_DOCUMENT (value) || !bson_iter_recurse (value, &doc)) {
    mt_compile_fail (c, "un schéma doit être un objet ou un booléen",
                     "a schema must be an object or a boolean");
    return NULL;
  }
  s->kind = MT_SCHEMA_KIND_OBJECT;
  /* "$id" first: every other keyword resolves against the base it sets. */
  if (!mt_compile_identifiers (c, value, &doc, &res, depth, s, &frame)) {
    goto done;
  }
  it = doc;
  while (bson_iter_next (&it)) {
    if (!mt_compile_keyword (c, &it, res, depth, s)) {
      goto done;
    }
  }
  ok = true;
done:
  c->scope = saved_scope;
  return ok ? s : NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Adding schemas                                                                             */

bool
mt_schema_registry_add_json (mt_schema_registry_t *reg, const char *name, const char *text,
                             size_t len, mt_error_t *error)
{
  mt_schema_doc_t *doc = NULL;
  mt_schema_resource_t *res;
  mt_compiler_t c = { reg, error, { 0 }, NULL };
  mt_compile_scope_t top = { NULL, 0, NULL };
  bson_iter_t it;
  mt_buf_t uri;
  bool ok = false;

  mt_buf_init (&c.ptr, MT_SCHEMA_URI_MAX);
  mt_buf_init (&uri, MT_SCHEMA_URI_MAX);
  doc = calloc (1, sizeof *doc);
  if (!doc || !(doc->bson = bson_new ())) {
    free (doc);
    doc = NULL;
    mt_error_set (error, MT_DOMAIN_SCHEMA, MT_ERR_INTERNAL, "mémoire insuffisante",
                  "out of memory");
    goto done;
  }
  doc->next = reg->docs;
  reg->docs = doc;
  if (!mt_json_parse_value (text, len, MT_JSON_TRUSTED, doc->bson, "s", error)) {
    goto done;
  }
  res = mt_arena_alloc (reg, sizeof *res);
  if (!res || !mt_schema_uri_resolve (MT_SCHEMA_BASE_URI, name, &uri)) {
    mt_error_set (error, MT_DOMAIN_SCHEMA, MT_ERR_INTERNAL, "nom de schéma invalide « %.100s »",
                  "invalid schema name \"%.100s\"", name);
    goto done;
  }
  res->base = mt_arena_strndup (reg, mt_buf_cstr (&uri), uri.len);
  res->registry = reg;
  if (!res->base || !bson_iter_init_find (&it, doc->bson, "s")) {
    mt_error_set (error, MT_DOMAIN_SCHEMA, MT_ERR_INTERNAL, "mémoire insuffisante",
                  "out of memory");
    goto done;
  }
  top.res = res;
  c.scope = &top;
  if (!mt_schema_compile (&c, &it, res, 0)) {
    goto done;
  }
  ok = true;
done:
  if (!ok && error) {
    /* Say which file. */
    char msg[MT_ERROR_MESSAGE_MAX];
    snprintf (msg, sizeof msg, "%.60s: %.190s", name, error->message);
    memcpy (error->message, msg, sizeof msg);
    snprintf (msg, sizeof msg, "%.60s : %.190s", name, error->message_fr);
    memcpy (error->message_fr, msg, sizeof msg);
  }
  mt_buf_destroy (&c.ptr);
  mt_buf_destroy (&uri);
  return ok;
}

bool
mt_schema_registry_add_embedded (mt_schema_registry_t *reg, const mt_embed_file_t *table,
                                 mt_error_t *error)
{
  for (; table && table->name; table++) {
    size_t n = strlen (table->name);
    /* openapi.json sits beside the schemas but is an OpenAPI document, not a schema. */
    if (n < 5 || strcmp (table->name + n - 5, ".json") != 0 ||
        strcmp (table->name, "openapi.json") == 0) {
      continue;
    }
    if (!mt_schema_registry_add_json (reg, table->name, (const char *) table->data, table->len,
                                      error)) {
      return false;
    }
  }
  return mt_schema_registry_resolve (reg, error);
}

/* ------------------------------------------------------------------------------------------ */
/* Linking                                                                                    */

/*
 * Splits absolute @uri into the lookup key (base, or base#decoded-fragment) in @key and sets
 * *fragment_at to the offset of the decoded fragment in @key (or key->len when none).
 */
static void
mt_schema_lookup_key (const char *uri, mt_buf_t *key, size_t *fragment_at)
{
  const char *hash = strchr (uri, '#');

  if (!hash) {
    mt_buf_append_str (key, uri);
    *fragment_at = key->len;
    return;
  }
  mt_buf_append (key, uri, (size_t) (hash - uri));
  *fragment_at = key->len;
  if (hash[1] == '\0') {
    return;
  }
  mt_buf_append_char (key, '#');
  *fragment_at = key->len;
  for (const char *p = hash + 1; *p; p++) {
    int hi, lo;
    if (*p == '%' && (hi = mt_hex_value (p[1])) >= 0 && (lo = mt_hex_value (p[2])) >= 0) {
      mt_buf_append_char (key, (char) (hi * 16 + lo));
      p += 2;
    } else {
      mt_buf_append_char (key, *p);
    }
  }
}

/* Walks JSON pointer @ptr (escaped) from the value at @it; leaves @it on the target. */
static bool
mt_schema_walk_pointer (bson_iter_t *it, const char *ptr)
{
  mt_buf_t token;
  bool ok = false;

  mt_buf_init (&token, strlen (ptr) + 1);
  while (*ptr == '/') {
    bson_iter_t child;
    ptr++;
    mt_buf_reset (&token);
    for (; *ptr && *ptr != '/'; ptr++) {
      if (ptr[0] == '~' && ptr[1] == '0') {
        mt_buf_append_char (&token, '~');
        ptr++;
      } else if (ptr[0] == '~' && ptr[1] == '1') {
        mt_buf_append_char (&token, '/');
        ptr++;
      } else {
        mt_buf_append_char (&token, *ptr);
      }
    }
    if (token.failed || !(BSON_ITER_HOLDS_DOCUMENT (it) || BSON_ITER_HOLDS_ARRAY (it)) ||
        !bson_iter_recurse (it, &child) ||
        !bson_iter_find_w_len (&child, mt_buf_cstr (&token), (int) token.len)) {
      goto done;
    }
    *it = child;
  }
  ok = *ptr == '\0';
done:
  mt_buf_destroy (&token);
  return ok;
}

/*
 * Compiles on demand the location @pointer of the resource known as @base (a "$ref" into an
 * unknown keyword). NULL when there is no such resource or location.
 */
static mt_schema_t *
mt_schema_compile_at (mt_schema_registry_t *reg, const char *base, const char *pointer,
                      mt_error_t *error)
{
  mt_schema_t *root = mt_schema_map_get (reg, base);
  mt_compiler_t c = { reg, error, { 0 }, NULL };
  mt_compile_scope_t top = { NULL, 0, NULL };
  mt_schema_t *s = NULL;
  mt_schema_doc_t *doc;
  bson_t wrapper;
  bson_iter_t it;

  if (!root || !root->resource->raw || root->resource->root != root) {
    return NULL;
  }
  if (!bson_init_static (&wrapper, root->resource->raw, root->resource->raw_len)) {
    return NULL;
  }
  /* Wrap the resource as {"r": resource} so that the pointer walk starts on a value; the
   * wrapper stays in the registry, since the compiled nodes point into it. */
  doc = calloc (1, sizeof *doc);
  if (!doc || !(doc->bson = bson_new ())) {
    free (doc);
    return NULL;
  }
  doc->next = reg->docs;
  reg->docs = doc;
  if (bson_append_document (doc->bson, "r", 1, &wrapper) &&
      bson_iter_init_find (&it, doc->bson, "r") && mt_schema_walk_pointer (&it, pointer) &&
      (BSON_ITER_HOLDS_DOCUMENT (&it) || BSON_ITER_HOLDS_BOOL (&it))) {
    mt_buf_init (&c.ptr, MT_SCHEMA_URI_MAX);
    mt_buf_append_str (&c.ptr, pointer);
    top.res = root->resource;
    c.scope = &top;
    s = mt_schema_compile (&c, &it, root->resource, 1);
    mt_buf_destroy (&c.ptr);
  }
  return s;
}

/* Finds the schema that absolute @uri designates (compiling it on demand when @compile). */
static mt_schema_t *
mt_schema_find (mt_schema_registry_t *reg, const char *uri, bool compile, const char **fragment,
                mt_error_t *error)
{
  mt_buf_t key;
  size_t frag_at;
  mt_schema_t *s;

  mt_buf_init (&key, MT_SCHEMA_URI_MAX);
  mt_schema_lookup_key (uri, &key, &frag_at);
  s = mt_schema_map_get (reg, mt_buf_cstr (&key));
  if (!s && compile && frag_at < key.len && key.data[frag_at] == '/') {
    key.data[frag_at - 1] = '\0';
    s = mt_schema_compile_at (reg, key.data, key.data + frag_at, error);
  }
  if (fragment) {
    *fragment = NULL;
    if (s && frag_at < key.len && key.data[frag_at] != '/') {
      *fragment = mt_arena_strndup (reg, key.data + frag_at, key.len - frag_at);
    }
  }
  mt_buf_destroy (&key);
  return s;
}

bool
mt_schema_registry_resolve (mt_schema_registry_t *reg, mt_error_t *error)
{
  /* n_pending may grow while looping: on-demand compilation queues more references. */
  for (size_t i = 0; i < reg->n_pending; i++) {
    mt_schema_t *s = reg->pending[i];
    const char *anchor = NULL;

    if (s->ref_uri && !s->ref) {
      s->ref = mt_schema_find (reg, s->ref_uri, true, NULL, error);
      if (!s->ref) {
        mt_error_set (error, MT_DOMAIN_SCHEMA, MT_ERR_INTERNAL,
                      "« $ref » introuvable « %.100s » (dans %.100s)",
                      "unresolved \"$ref\" \"%.100s\" (in %.100s)", s->ref_uri, s->location);
        return false;
      }
    }
    if (s->dynamic_ref_uri && !s->dynamic_ref) {
      s->dynamic_ref = mt_schema_find (reg, s->dynamic_ref_uri, true, &anchor, error);
      if (!s->dynamic_ref) {
        mt_error_set (error, MT_DOMAIN_SCHEMA, MT_ERR_INTERNAL,
                      "« $dynamicRef » introuvable « %.100s » (dans %.100s)",
                      "unresolved \"$dynamicRef\" \"%.100s\" (in %.100s)", s->dynamic_ref_uri,
                      s->location);
        return false;
      }
      /* Dynamic only when the static target bears the same $dynamicAnchor (section 8.2.3.2) */
      if (anchor && s->dynamic_ref->dynamic_anchor &&
          strcmp (anchor, s->dynamic_ref->dynamic_anchor) == 0) {
        s->dynamic_ref_anchor = anchor;
      }
    }
  }
  return true;
}

const mt_schema_t *
mt_schema_registry_get (const mt_schema_registry_t *reg, const char *name_or_uri)
{
  mt_buf_t uri, key;
  size_t frag_at;
  const mt_schema_t *s = NULL;
  char fast[256];

  if (!reg || !name_or_uri) {
    return NULL;
  }
  /* Per-request path: a plain file name ("member.json") needs no resolution nor allocation. */
  if (strcspn (name_or_uri, ":#/%?") == strlen (name_or_uri) && name_or_uri[0] != '.' &&
      (size_t) snprintf (fast, sizeof fast, "%s%s", MT_SCHEMA_BASE_URI, name_or_uri) <
        sizeof fast) {
    return mt_schema_map_get (reg, fast);
  }
  mt_buf_init (&uri, MT_SCHEMA_URI_MAX);
  mt_buf_init (&key, MT_SCHEMA_URI_MAX);
  if (mt_schema_uri_resolve (MT_SCHEMA_BASE_URI, name_or_uri, &uri)) {
    mt_schema_lookup_key (mt_buf_cstr (&uri), &key, &frag_at);
    if (!key.failed) {
      s = mt_schema_map_get (reg, mt_buf_cstr (&key));
    }
  }
  mt_buf_destroy (&uri);
  mt_buf_destroy (&key);
  return s;
}
