/* routes_ops: health, readiness, metrics and the OpenAPI document. */
#include "routes.h"

#include "app.h"
#include "metrics.h"
#include "mt_embed.h"
#include "mt_time.h"
#include "server.h"
#include "workers.h"

#include <string.h>

extern const mt_embed_file_t mutua_schema_files[];

void
mt_route_healthz (mt_request_t *r)
{
  bson_t doc = BSON_INITIALIZER;
  BSON_APPEND_UTF8 (&doc, "status", "ok");
  mt_reply_json (r, 200, &doc);
  bson_destroy (&doc);
}

void
mt_route_readyz (mt_request_t *r)
{
  mt_app_t *app = mt_request_app (r);
  mt_ctx_t *ctx = mt_request_ctx (r);
  mt_error_t error;
  bson_t doc = BSON_INITIALIZER;

  if (!atomic_load (&app->ready)) {
    mt_reply_error (r, MT_ERR_UNAVAILABLE, "serveur en cours de démarrage ou d'arrêt",
                    "server starting or stopping");
  } else if (!ctx->store->ops->ping (ctx->store, &error)) {
    mt_error_set (&error, MT_DOMAIN_STORE, MT_ERR_UNAVAILABLE, "stockage injoignable",
                  "store unreachable");
    mt_reply_problem (r, &error);
  } else {
    BSON_APPEND_UTF8 (&doc, "status", "ready");
    BSON_APPEND_UTF8 (&doc, "store", ctx->store->ops->name);
    mt_reply_json (r, 200, &doc);
  }
  bson_destroy (&doc);
}

void
mt_route_metrics (mt_request_t *r)
{
  mt_app_t *app = mt_request_app (r);
  mt_metrics_gauges_t gauges = {
    .connections = mt_server_connections (app->server),
    .in_flight = mt_server_in_flight (app->server),
    .worker_jobs = (int64_t) mt_workers_pending (app->workers),
    .uptime_s = (mt_time_now_ms () - app->started_ms) / 1000,
  };
  mt_buf_t out;

  mt_server_write_batches (app->server, &gauges.write_batches, &gauges.write_batch_requests);
  mt_buf_init (&out, 16 * 1024 * 1024);
  mt_metrics_render (app->metrics, &gauges, &out);
  mt_reply_bytes (r, 200, "text/plain; version=0.0.4; charset=utf-8", out.data, out.len);
  mt_buf_destroy (&out);
}

void
mt_route_openapi (mt_request_t *r)
{
  const mt_embed_file_t *file = mt_embed_find (mutua_schema_files, "openapi.json");

  if (!file) {
    mt_reply_error (r, MT_ERR_NOT_FOUND, "description OpenAPI absente", "OpenAPI document missing");
    return;
  }
  mt_request_set_header (r, "Cache-Control", "public, max-age=300");
  mt_reply_bytes (r, 200, "application/json; charset=utf-8", file->data, file->len);
}

void
mt_route_schema_get (mt_request_t *r)
{
  const char *name = mt_request_param (r, "name");
  const mt_embed_file_t *file = name ? mt_embed_find (mutua_schema_files, name) : NULL;

  if (!file || strcmp (name, "openapi.json") == 0) {
    mt_reply_error (r, MT_ERR_NOT_FOUND, "schéma inconnu", "unknown schema");
    return;
  }
  mt_request_set_header (r, "Cache-Control", "public, max-age=300");
  mt_reply_bytes (r, 200, "application/schema+json", file->data, file->len);
}
