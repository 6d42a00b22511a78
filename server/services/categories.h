/*
 * categories: the fixed table of categories of goods and services (schemas/categories.json,
 * embedded in the binaries). It is parsed once, on first use, and never changes afterwards:
 * every function is thread-safe and the returned strings live as long as the process.
 */
#ifndef MT_CATEGORIES_H
#define MT_CATEGORIES_H

#include <bson/bson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
  const char *slug;     /* ascii kebab-case, unique */
  const char *kind;     /* "good" | "service" */
  const char *label_fr; /* French label (the default language) */
  const char *label_en;
} mt_category_t;

/* The category with @slug, or NULL when there is none (or the table could not be read). */
const mt_category_t *mt_category_find (const char *slug);

/* Number of categories (0 when the table could not be read, which a test rules out). */
size_t mt_categories_count (void);

/* The @index-th category in the table's order, or NULL past the end. */
const mt_category_t *mt_category_at (size_t index);

/* Every category as {"slug", "kind", "label_fr", "label_en"} in an array-shaped @items
 * (initialised here), in the table's order. */
void mt_categories_list (bson_t *items);

#endif
