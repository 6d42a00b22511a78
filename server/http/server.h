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

int64_t mt_server_connections (const mt_server_t *server);
int64_t mt_server_in_flight (const mt_server_t *server);

#endif
