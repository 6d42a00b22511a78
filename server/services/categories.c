/*
 * categories: the table of schemas/categories.json, parsed once (pthread_once) into a static
 * BSON document whose strings the table entries point into. Nothing writes it afterwards, so
 * lookups need no lock.
 */
#include "categories.h"

#include "mt_embed.h"
#include "mt_json.h"
#include "mt_log.h"

#include <pthread.h>
#include <string.h>

#define MT_LOG_DOMAIN "categories"

/* More than the table will ever hold; a longer table is cut (and logged). */
#define MT_CATEGORIES_MAX 128

extern const mt_embed_file_t mutua_schema_files[];

static pthread_once_t mt_categories_once = PTHREAD_ONCE_INIT;
static bson_t mt_categories_doc; /* the parsed file; never destroyed */
static mt_category_t mt_categories_table[MT_CATEGORIES_MAX];
static size_t mt_categories_n;

/* The string at @key of the document held by @entry, or NULL. */
static const char *
mt_categories_field (const bson_iter_t *entry, const char *key)
{
  bson_iter_t child;

  if (!BSON_ITER_HOLDS_DOCUMENT (entry) || !bson_iter_recurse (entry, &child) ||
      !bson_iter_find (&child, key) || !BSON_ITER_HOLDS_UTF8 (&child)) {
    return NULL;
  }
  return bson_iter_utf8 (&child, NULL);
}

static void
mt_categories_load (void)
{
  const mt_embed_file_t *file = mt_embed_find (mutua_schema_files, "categories.json");
  bson_iter_t it;
  bson_iter_t entry;
  mt_error_t error;

  bson_init (&mt_categories_doc);
  if (!file) {
    MT_ERROR ("categories.json is not embedded");
    return;
  }
  bson_destroy (&mt_categories_doc);
  if (!mt_json_parse_object ((const char *) file->data, file->len, MT_JSON_TRUSTED,
                             &mt_categories_doc, &error)) {
    MT_ERROR ("categories.json: %s", error.message);
    return;
  }
  if (!bson_iter_init_find (&it, &mt_categories_doc, "categories") ||
      !BSON_ITER_HOLDS_ARRAY (&it) || !bson_iter_recurse (&it, &entry)) {
    MT_ERROR ("categories.json has no \"categories\" array");
    return;
  }
  while (bson_iter_next (&entry)) {
    mt_category_t c = {
      .slug = mt_categories_field (&entry, "slug"),
      .kind = mt_categories_field (&entry, "kind"),
      .label_fr = mt_categories_field (&entry, "label_fr"),
      .label_en = mt_categories_field (&entry, "label_en"),
    };
    if (!c.slug || !c.kind || !c.label_fr || !c.label_en) {
      MT_ERROR ("categories.json: entry %s is incomplete, skipped", bson_iter_key (&entry));
      continue;
    }
    if (mt_categories_n == MT_CATEGORIES_MAX) {
      MT_ERROR ("categories.json: more than %d categories, the rest is ignored", MT_CATEGORIES_MAX);
      break;
    }
    mt_categories_table[mt_categories_n++] = c;
  }
}

static void
mt_categories_ready (void)
{
  pthread_once (&mt_categories_once, mt_categories_load);
}

const mt_category_t *
mt_category_find (const char *slug)
{
  mt_categories_ready ();
  if (!slug) {
    return NULL;
  }
  for (size_t i = 0; i < mt_categories_n; i++) {
    if (strcmp (mt_categories_table[i].slug, slug) == 0) {
      return &mt_categories_table[i];
    }
  }
  return NULL;
}

size_t
mt_categories_count (void)
{
  mt_categories_ready ();
  return mt_categories_n;
}

const mt_category_t *
mt_category_at (size_t index)
{
  mt_categories_ready ();
  return index < mt_categories_n ? &mt_categories_table[index] : NULL;
}

void
mt_categories_list (bson_t *items)
{
  char keybuf[16];
  const char *key;

  mt_categories_ready ();
  bson_init (items);
  for (size_t i = 0; i < mt_categories_n; i++) {
    const mt_category_t *c = &mt_categories_table[i];
    bson_t entry;
    bson_uint32_to_string ((uint32_t) i, &key, keybuf, sizeof keybuf);
    BSON_APPEND_DOCUMENT_BEGIN (items, key, &entry);
    BSON_APPEND_UTF8 (&entry, "slug", c->slug);
    BSON_APPEND_UTF8 (&entry, "kind", c->kind);
    BSON_APPEND_UTF8 (&entry, "label_fr", c->label_fr);
    BSON_APPEND_UTF8 (&entry, "label_en", c->label_en);
    bson_append_document_end (items, &entry);
  }
}
