/*
 * metrics: request counters by route and status, and a latency histogram by route,
 * rendered in the Prometheus text format (version 0.0.4) for GET /metrics. Recording is
 * lock-free (relaxed atomics) so that every loop thread records without contention.
 */
#ifndef MT_METRICS_H
#define MT_METRICS_H

#include "mt_buf.h"

#include <stddef.h>
#include <stdint.h>

typedef struct mt_metrics mt_metrics_t;

/* @labels[i] names route i (e.g. "GET /v1/members/{id}"); borrowed for the metrics' life.
 * One extra slot, index @route_count, counts requests that matched no route. */
mt_metrics_t *mt_metrics_new (size_t route_count, const char *const *labels);
void mt_metrics_destroy (mt_metrics_t *metrics);

void mt_metrics_record (mt_metrics_t *metrics, size_t route_index, int status, int64_t duration_us);

/* Gauges sampled at render time. */
typedef struct {
  int64_t connections;
  int64_t in_flight;
  int64_t worker_jobs;
  int64_t write_batches;        /* group commits made (or failed) */
  int64_t write_batch_requests; /* write requests they carried */
  int64_t uptime_s;
} mt_metrics_gauges_t;

void mt_metrics_render (mt_metrics_t *metrics, const mt_metrics_gauges_t *gauges, mt_buf_t *out);

#endif
