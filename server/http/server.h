/*
 * server: mutuad's N event loops, each with its own event_base, evhttp and store handle,
 * all accepting on one port through SO_REUSEPORT listeners.
 */
#ifndef MT_SERVER_H
#define MT_SERVER_H

#include "app.h"
#include "mt_error.h"

#include <stdint.h>

typedef struct mt_server mt_server_t;

/*
 * Binds the listeners (config.listen; port 0 picks a free port, shared by every loop) and
 * opens one store handle per loop. Does not start the loops.
 */
mt_server_t *mt_server_new (mt_app_t *app, mt_error_t *error);

/* The bound port. */
int mt_server_port (const mt_server_t *server);

/* Starts the loop threads. */
bool mt_server_start (mt_server_t *server, mt_error_t *error);

/*
 * Stops accepting, lets in-flight requests finish (replies then carry Connection: close),
 * waiting at most @timeout_s seconds. Returns the number of requests still in flight.
 */
int mt_server_drain (mt_server_t *server, int timeout_s);

/* Stops the loops, closes every connection and frees the server. */
void mt_server_destroy (mt_server_t *server);

/*
 * A periodic task of loop 0. @fn runs on loop 0's thread with a context built like a
 * request's (the env, loop 0's store handle, the time of the call; no principal). It returns
 * true when it has more work ready: it is then called again as soon as the loop has served
 * the events already waiting (a zero delay), so that long work goes in bounded slices between
 * requests; false waits the next interval. Tasks do not run while the server drains.
 */
typedef bool (*mt_server_periodic_fn) (const mt_ctx_t *ctx, void *arg);

/*
 * Runs @fn(@arg) every @interval_ms (> 0) milliseconds on loop 0 (a persistent libevent timer
 * of loop 0's base), the first time after one interval. May be called before or after
 * mt_server_start, from any thread. @arg is borrowed and must outlive the server. The task
 * stops with mt_server_destroy. False (MT_ERR_INTERNAL) when memory runs out.
 */
bool mt_server_add_periodic (mt_server_t *server, int64_t interval_ms, mt_server_periodic_fn fn,
                             void *arg, mt_error_t *error);

int64_t mt_server_connections (const mt_server_t *server);
int64_t mt_server_in_flight (const mt_server_t *server);
/* Group commits so far and the write requests they carried (0 and 0 without group commit). */
void mt_server_write_batches (const mt_server_t *server, int64_t *batches, int64_t *requests);

#endif
