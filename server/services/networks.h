/*
 * networks: the networks a deployment hosts ("Apes", "MRES"...). A member belongs to one or
 * more networks and sees the members and listings of the networks it shares with them.
 *
 * Stored document: id ("net_..."), version, slug (unique, [a-z0-9-]), name, description
 * (optional), created_at, updated_at.
 */
#ifndef MT_NETWORKS_H
#define MT_NETWORKS_H

#include "mt_error.h"
#include "service.h"

#include <bson/bson.h>
#include <stdbool.h>

/* What anyone may see of a network: id, slug, name, description. @out is initialised here. */
void mt_network_public_view (const bson_t *network, bson_t *out);

/*
 * Every network (public views, ordered by name) as an array-shaped document in @items
 * (initialised here). Open to anonymous callers.
 */
bool mt_networks_list (const mt_ctx_t *ctx, bson_t *items, mt_error_t *error);

/*
 * Creates a network from @body (validated network_create.json: slug, name, description?).
 * Administrators only (MT_ERR_FORBIDDEN otherwise); a taken slug is MT_ERR_DUPLICATE.
 * @out (initialised here) receives the stored document.
 */
bool mt_network_create (const mt_ctx_t *ctx, const bson_t *body, bson_t *out, mt_error_t *error);

/*
 * Checks that the array @networks (of a validated body, at JSON pointer @path) names only
 * existing networks: MT_ERR_UNPROCESSABLE with the pointer of the first unknown id otherwise.
 */
bool mt_networks_check_exist (const mt_ctx_t *ctx, const bson_t *networks, const char *path,
                              mt_error_t *error);

#endif
