/*
 * webhook_client: the dispatcher's HTTP transport — one POST of a webhook delivery over a
 * plain socket (HTTP/1.1, "Connection: close"), on the calling thread, never on an event
 * loop. The whole exchange (name resolution, connection, request, status line) is bounded by
 * a deadline on the monotonic clock; a stop flag interrupts it within
 * MT_WEBHOOK_CLIENT_TICK_MS. Only the status line is read: the answer's body is ignored.
 * URLs follow mt_webhook_url_parse (services/webhooks.h): http:// only.
 */
#ifndef MT_WEBHOOK_CLIENT_H
#define MT_WEBHOOK_CLIENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MT_WEBHOOK_CLIENT_TICK_MS 100

/* A request's headers besides Host, Content-Type, Content-Length and Connection. */
typedef struct {
  const char *signature;   /* X-Mutua-Signature */
  const char *delivery_id; /* X-Mutua-Delivery */
  const char *event;       /* X-Mutua-Event */
} mt_webhook_headers_t;

/*
 * POSTs @body (@len bytes, JSON) to @url. True when a status line came back (*@status set,
 * whatever the status); false with @detail otherwise ("timeout", "connection refused",
 * "interrupted", ...). Name resolution uses getaddrinfo, which the deadline cannot
 * interrupt (the system resolver's own timeouts apply).
 */
bool mt_webhook_post (const char *url, const char *body, size_t len,
                      const mt_webhook_headers_t *headers, int64_t timeout_ms,
                      const atomic_bool *stop, int *status, char *detail, size_t detail_size);

#endif
