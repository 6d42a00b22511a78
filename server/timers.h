/*
 * timers: the automatic tasks of mutuad, run on loop 0 (server.h's mt_server_add_periodic)
 * every sweep_interval_s: a sweep pass (services/sweeps.h: expiries, overdue flags,
 * reminders, closing, purges), and every MT_TIMERS_RECONCILE_EVERY passes a reconciliation
 * pass (services/reconcile.h, with the grace period of reservations.h). Each pass is cut into
 * steps of one store page; loop 0 serves requests between steps. Every instance of mutuad runs
 * its own timers: the tasks are safe to run concurrently (compare-and-set).
 *
 * mutuad also reconciles once at start-up, before serving (main.c), outside these timers.
 */
#ifndef MT_TIMERS_H
#define MT_TIMERS_H

#include "mt_error.h"
#include "server.h"

#include <stdbool.h>
#include <stdint.h>

#define MT_TIMERS_RECONCILE_EVERY 10 /* sweep passes between two reconciliation passes */

typedef struct mt_timers mt_timers_t;

/*
 * Installs the timers on @server's loop 0 with the interval of @config (sweep_interval_s).
 * @return the timers (free them with mt_timers_destroy after mt_server_destroy), or NULL
 * with @error set.
 */
mt_timers_t *mt_timers_start (mt_server_t *server, const mt_config_t *config, mt_error_t *error);

/* Frees @timers (NULL is fine). The server, whose loop ran them, must be destroyed first. */
void mt_timers_destroy (mt_timers_t *timers);

#endif
