/*
 * app: everything mutuad holds for its whole life, built once in main.c and shared by the
 * event loops: configuration, service environment, storage backend, schemas, worker pool,
 * metrics and router.
 */
#ifndef MT_APP_H
#define MT_APP_H

#include "config.h"
#include "service.h"
#include "store.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct mt_schema_registry;
struct mt_workers;
struct mt_metrics;
struct mt_router;
struct mt_server;

typedef struct mt_app mt_app_t;

struct mt_app {
  mt_config_t config;
  mt_service_env_t env;
  mt_store_backend_t *backend;
  struct mt_schema_registry *schemas;
  struct mt_workers *workers;
  struct mt_metrics *metrics;
  struct mt_router *router;
  struct mt_server *server;
  int64_t started_ms;
  atomic_bool ready; /* set once every loop runs; cleared when draining */
};

#endif
