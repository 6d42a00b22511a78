/*
 * metrics: fixed arrays of atomic counters. Statuses map to a small table of slots (the
 * codes mutuad answers with); any other code lands in its class slot ("2xx"...).
 */
#include "metrics.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int mt_metrics_statuses[] = { 200, 201, 204, 304, 400, 401, 403, 404, 405, 408, 409,
                                           412, 413, 415, 422, 428, 429, 431, 500, 501, 503 };
#define MT_STATUS_SLOTS (sizeof mt_metrics_statuses / sizeof mt_metrics_statuses[0] + 5)

/* Upper bounds of the latency buckets, in seconds, and in microseconds. */
static const char *const mt_metrics_bucket_labels[] = { "0.001", "0.0025", "0.005", "0.01", "0.025",
                                                        "0.05",  "0.1",    "0.25",  "0.5",  "1",
                                                        "2.5",   "5",      "10" };
static const int64_t mt_metrics_bucket_us[] = { 1000,    2500,    5000,    10000,  25000,
                                                50000,   100000,  250000,  500000, 1000000,
                                                2500000, 5000000, 10000000 };
#define MT_BUCKETS (sizeof mt_metrics_bucket_us / sizeof mt_metrics_bucket_us[0])

typedef struct {
  atomic_uint_fast64_t by_status[MT_STATUS_SLOTS];
  atomic_uint_fast64_t buckets[MT_BUCKETS]; /* non-cumulative; summed at render */
  atomic_uint_fast64_t count;
  atomic_uint_fast64_t sum_us;
} mt_route_metrics_t;

struct mt_metrics {
  size_t route_count;
  const char *const *labels;
  mt_route_metrics_t *routes; /* route_count + 1 */
};

mt_metrics_t *
mt_metrics_new (size_t route_count, const char *const *labels)
{
  mt_metrics_t *m = calloc (1, sizeof *m);

  if (!m) {
    return NULL;
  }
  m->route_count = route_count;
  m->labels = labels;
  m->routes = calloc (route_count + 1, sizeof *m->routes);
  if (!m->routes) {
    free (m);
    return NULL;
  }
  return m;
}

void
mt_metrics_destroy (mt_metrics_t *metrics)
{
  if (metrics) {
    free (metrics->routes);
    free (metrics);
  }
}

static size_t
mt_metrics_status_slot (int status)
{
  size_t known = sizeof mt_metrics_statuses / sizeof mt_metrics_statuses[0];

  for (size_t i = 0; i < known; i++) {
    if (mt_metrics_statuses[i] == status) {
      return i;
    }
  }
  if (status >= 100 && status < 600) {
    return known + (size_t) (status / 100 - 1); /* "1xx".."5xx" */
  }
  return known + 4;
}

void
mt_metrics_record (mt_metrics_t *metrics, size_t route_index, int status, int64_t duration_us)
{
  mt_route_metrics_t *rm;
  size_t b = 0;

  if (route_index > metrics->route_count) {
    route_index = metrics->route_count;
  }
  rm = &metrics->routes[route_index];
  atomic_fetch_add_explicit (&rm->by_status[mt_metrics_status_slot (status)], 1,
                             memory_order_relaxed);
  while (b < MT_BUCKETS && duration_us > mt_metrics_bucket_us[b]) {
    b++;
  }
  if (b < MT_BUCKETS) {
    atomic_fetch_add_explicit (&rm->buckets[b], 1, memory_order_relaxed);
  }
  atomic_fetch_add_explicit (&rm->count, 1, memory_order_relaxed);
  atomic_fetch_add_explicit (&rm->sum_us, (uint_fast64_t) (duration_us > 0 ? duration_us : 0),
                             memory_order_relaxed);
}

/* Writes a label value with the escapes of the text format (\\, \", \n). */
static void
mt_metrics_label (mt_buf_t *out, const char *value)
{
  for (; *value; value++) {
    if (*value == '\\' || *value == '"') {
      mt_buf_append_char (out, '\\');
      mt_buf_append_char (out, *value);
    } else if (*value == '\n') {
      mt_buf_append_str (out, "\\n");
    } else {
      mt_buf_append_char (out, *value);
    }
  }
}

static void
mt_metrics_status_label (size_t slot, char *out, size_t size)
{
  size_t known = sizeof mt_metrics_statuses / sizeof mt_metrics_statuses[0];

  if (slot < known) {
    snprintf (out, size, "%d", mt_metrics_statuses[slot]);
  } else {
    snprintf (out, size, "%zuxx", slot - known + 1);
  }
}

void
mt_metrics_render (mt_metrics_t *metrics, const mt_metrics_gauges_t *gauges, mt_buf_t *out)
{
  mt_buf_append_str (out, "# HELP mutua_http_requests_total HTTP requests by route and status.\n"
                          "# TYPE mutua_http_requests_total counter\n");
  for (size_t r = 0; r <= metrics->route_count; r++) {
    const char *label = r < metrics->route_count ? metrics->labels[r] : "unmatched";
    for (size_t s = 0; s < MT_STATUS_SLOTS; s++) {
      uint_fast64_t n =
        atomic_load_explicit (&metrics->routes[r].by_status[s], memory_order_relaxed);
      char status[16];
      if (n == 0) {
        continue;
      }
      mt_metrics_status_label (s, status, sizeof status);
      mt_buf_append_str (out, "mutua_http_requests_total{route=\"");
      mt_metrics_label (out, label);
      mt_buf_appendf (out, "\",status=\"%s\"} %llu\n", status, (unsigned long long) n);
    }
  }
  mt_buf_append_str (out, "# HELP mutua_http_request_duration_seconds Time from request "
                          "dispatch to reply, by route.\n"
                          "# TYPE mutua_http_request_duration_seconds histogram\n");
  for (size_t r = 0; r <= metrics->route_count; r++) {
    const char *label = r < metrics->route_count ? metrics->labels[r] : "unmatched";
    mt_route_metrics_t *rm = &metrics->routes[r];
    uint_fast64_t count = atomic_load_explicit (&rm->count, memory_order_relaxed);
    uint_fast64_t cumulative = 0;
    if (count == 0) {
      continue;
    }
    for (size_t b = 0; b < MT_BUCKETS; b++) {
      cumulative += atomic_load_explicit (&rm->buckets[b], memory_order_relaxed);
      mt_buf_append_str (out, "mutua_http_request_duration_seconds_bucket{route=\"");
      mt_metrics_label (out, label);
      mt_buf_appendf (out, "\",le=\"%s\"} %llu\n", mt_metrics_bucket_labels[b],
                      (unsigned long long) cumulative);
    }
    mt_buf_append_str (out, "mutua_http_request_duration_seconds_bucket{route=\"");
    mt_metrics_label (out, label);
    mt_buf_appendf (out, "\",le=\"+Inf\"} %llu\n", (unsigned long long) count);
    mt_buf_append_str (out, "mutua_http_request_duration_seconds_sum{route=\"");
    mt_metrics_label (out, label);
    mt_buf_appendf (out, "\"} %.6f\n",
                    (double) atomic_load_explicit (&rm->sum_us, memory_order_relaxed) / 1e6);
    mt_buf_append_str (out, "mutua_http_request_duration_seconds_count{route=\"");
    mt_metrics_label (out, label);
    mt_buf_appendf (out, "\"} %llu\n", (unsigned long long) count);
  }
  mt_buf_appendf (out,
                  "# HELP mutua_http_connections Open client connections.\n"
                  "# TYPE mutua_http_connections gauge\nmutua_http_connections %lld\n"
                  "# HELP mutua_http_requests_in_flight Requests being handled.\n"
                  "# TYPE mutua_http_requests_in_flight gauge\nmutua_http_requests_in_flight %lld\n"
                  "# HELP mutua_worker_jobs Jobs queued or running on the worker pool.\n"
                  "# TYPE mutua_worker_jobs gauge\nmutua_worker_jobs %lld\n"
                  "# HELP mutua_write_batches_total Group commits of write requests.\n"
                  "# TYPE mutua_write_batches_total counter\nmutua_write_batches_total %lld\n"
                  "# HELP mutua_write_batch_requests_total Write requests in those commits.\n"
                  "# TYPE mutua_write_batch_requests_total counter\n"
                  "mutua_write_batch_requests_total %lld\n"
                  "# HELP mutua_uptime_seconds Seconds since start.\n"
                  "# TYPE mutua_uptime_seconds gauge\nmutua_uptime_seconds %lld\n",
                  (long long) gauges->connections, (long long) gauges->in_flight,
                  (long long) gauges->worker_jobs, (long long) gauges->write_batches,
                  (long long) gauges->write_batch_requests, (long long) gauges->uptime_s);
}
