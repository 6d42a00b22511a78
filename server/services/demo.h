/*
 * demo: the demonstration data set loaded by `mutuad --demo`: the Apes and MRES networks of
 * Hauts-de-France, a dozen organisations across the départements with their managers and
 * staff (later issues add listings, reservations and exchanges). Loading is idempotent: a
 * store that already holds the demo is left as it is.
 */
#ifndef MT_DEMO_H
#define MT_DEMO_H

#include "mt_error.h"
#include "service.h"

#include <stdbool.h>

/* Password of every demo account (the demo is for trying mutua, never for production). */
#define MT_DEMO_PASSWORD "demo-mutua-2026"

typedef struct {
  bool loaded;  /* the demo is in the store (loaded now or before) */
  int members;  /* organisations of the demo */
  int accounts; /* accounts of the demo */
} mt_demo_result_t;

/* Runs on the main thread before the loops start. */
bool mt_demo_load (const mt_ctx_t *ctx, mt_demo_result_t *result, mt_error_t *error);

#endif
