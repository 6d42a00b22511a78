/* networks: listing and creating networks. */
#include "networks.h"

#include "mt_bson.h"
#include "mt_id.h"
#include "mt_log.h"

#include <stdio.h>

#define MT_LOG_DOMAIN "networks"

void
mt_network_public_view (const bson_t *network, bson_t *out)
{
  static const char *const shown[] = { "id", "slug", "name", "description", NULL };
  bson_iter_t it;

  bson_init (out);
  for (const char *const *key = shown; *key; key++) {
    if (bson_iter_init_find (&it, network, *key)) {
      bson_append_iter (out, *key, -1, &it);
    }
  }
}

bool
mt_networks_list (const mt_ctx_t *ctx, bson_t *items, mt_error_t *error)
{
  mt_store_page_t page;
  bson_iter_t it;
  uint32_t i = 0;
  bool ok = false;

  bson_init (items);
  if (!ctx->store->ops->network_list (ctx->store, &page, error)) {
    goto done;
  }
  if (bson_iter_init (&it, &page.items)) {
    while (bson_iter_next (&it)) {
      const uint8_t *data;
      uint32_t len;
      bson_t network;
      bson_t view;
      char keybuf[16];
      const char *key;

      if (!BSON_ITER_HOLDS_DOCUMENT (&it)) {
        continue;
      }
      bson_iter_document (&it, &len, &data);
      if (!bson_init_static (&network, data, len)) {
        continue;
      }
      mt_network_public_view (&network, &view);
      bson_uint32_to_string (i++, &key, keybuf, sizeof keybuf);
      BSON_APPEND_DOCUMENT (items, key, &view);
      bson_destroy (&view);
    }
  }
  ok = true;
done:
  mt_store_page_destroy (&page);
  return ok;
}

bool
mt_network_create (const mt_ctx_t *ctx, const bson_t *body, bson_t *out, mt_error_t *error)
{
  const char *slug = mt_bson_str (body, "slug");
  const char *name = mt_bson_str (body, "name");
  const char *description = mt_bson_str (body, "description");
  char id[MT_ID_SIZE];
  bool ok = false;

  bson_init (out);
  if (!ctx->principal || !ctx->principal->is_admin) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_FORBIDDEN, "réservé aux administrateurs",
                  "administrators only");
    goto done;
  }
  if (!slug || !name) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION, "slug et nom requis",
                  "slug and name are required");
    goto done;
  }
  mt_id_new ("net", id);
  BSON_APPEND_UTF8 (out, "id", id);
  BSON_APPEND_INT64 (out, "version", 1);
  BSON_APPEND_UTF8 (out, "slug", slug);
  BSON_APPEND_UTF8 (out, "name", name);
  if (description) {
    BSON_APPEND_UTF8 (out, "description", description);
  }
  BSON_APPEND_DATE_TIME (out, "created_at", ctx->now_ms);
  BSON_APPEND_DATE_TIME (out, "updated_at", ctx->now_ms);
  if (!ctx->store->ops->network_insert (ctx->store, out, error)) {
    if (error && error->code == MT_ERR_DUPLICATE) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_DUPLICATE,
                    "un réseau porte déjà l'identifiant « %s »", "a network already has slug %s",
                    slug);
      mt_error_set_path (error, "/slug");
    }
    goto done;
  }
  MT_INFO ("network %s created", id);
  ok = true;
done:
  if (!ok) {
    bson_destroy (out);
    bson_init (out);
  }
  return ok;
}

bool
mt_networks_check_exist (const mt_ctx_t *ctx, const bson_t *networks, const char *path,
                         mt_error_t *error)
{
  bson_iter_t it;
  bool ok = true;

  if (!bson_iter_init (&it, networks)) {
    return true;
  }
  while (ok && bson_iter_next (&it)) {
    const char *id = BSON_ITER_HOLDS_UTF8 (&it) ? bson_iter_utf8 (&it, NULL) : NULL;
    mt_error_t store_error;
    bson_t network;

    if (!id) {
      continue;
    }
    ok = ctx->store->ops->network_get (ctx->store, id, &network, &store_error);
    bson_destroy (&network);
    if (ok) {
      continue;
    }
    if (store_error.code == MT_ERR_NOT_FOUND) {
      char pointer[MT_ERROR_PATH_MAX];
      snprintf (pointer, sizeof pointer, "%s/%s", path, bson_iter_key (&it));
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE, "réseau inconnu : %s",
                    "unknown network: %s", id);
      mt_error_set_path (error, pointer);
    } else {
      mt_error_copy (error, &store_error);
    }
  }
  return ok;
}
