/* Unit tests of server/http/metrics.c: counters, histogram and the Prometheus text. */
#include "mt_test.h"

#include "metrics.h"

#include <string.h>

static void
renders_counters_and_cumulative_buckets (void **state)
{
  const char *labels[] = { "GET /healthz", "POST /v1/auth/login" };
  mt_metrics_t *m = mt_metrics_new (2, labels);
  mt_metrics_gauges_t gauges = {
    .connections = 3, .in_flight = 1, .worker_jobs = 2, .uptime_s = 9
  };
  mt_buf_t out;

  mt_metrics_record (m, 0, 200, 500);   /* 0.5 ms */
  mt_metrics_record (m, 0, 200, 30000); /* 30 ms */
  mt_metrics_record (m, 1, 401, 80000); /* 80 ms */
  mt_metrics_record (m, 1, 418, 1000);  /* unusual status: class slot */
  mt_metrics_record (m, 99, 404, 100);  /* out of range: unmatched */
  mt_buf_init (&out, 1 << 20);
  mt_metrics_render (m, &gauges, &out);
  assert_non_null (
    strstr (out.data, "mutua_http_requests_total{route=\"GET /healthz\",status=\"200\"} 2\n"));
  assert_non_null (strstr (out.data, "{route=\"POST /v1/auth/login\",status=\"401\"} 1\n"));
  assert_non_null (strstr (out.data, "{route=\"POST /v1/auth/login\",status=\"4xx\"} 1\n"));
  assert_non_null (strstr (out.data, "{route=\"unmatched\",status=\"404\"} 1\n"));
  assert_non_null (
    strstr (out.data,
            "mutua_http_request_duration_seconds_bucket{route=\"GET /healthz\",le=\"0.001\"} 1\n"));
  assert_non_null (
    strstr (out.data,
            "mutua_http_request_duration_seconds_bucket{route=\"GET /healthz\",le=\"0.025\"} 1\n"));
  assert_non_null (
    strstr (out.data,
            "mutua_http_request_duration_seconds_bucket{route=\"GET /healthz\",le=\"0.05\"} 2\n"));
  assert_non_null (
    strstr (out.data,
            "mutua_http_request_duration_seconds_bucket{route=\"GET /healthz\",le=\"+Inf\"} 2\n"));
  assert_non_null (
    strstr (out.data, "mutua_http_request_duration_seconds_count{route=\"GET /healthz\"} 2\n"));
  assert_non_null (strstr (
    out.data, "mutua_http_request_duration_seconds_sum{route=\"GET /healthz\"} 0.030500\n"));
  assert_non_null (strstr (out.data, "mutua_http_connections 3\n"));
  assert_non_null (strstr (out.data, "mutua_http_requests_in_flight 1\n"));
  assert_non_null (strstr (out.data, "# TYPE mutua_http_request_duration_seconds histogram\n"));
  mt_buf_destroy (&out);
  mt_metrics_destroy (m);
}

static void
escapes_label_values (void **state)
{
  const char *labels[] = { "GET /a\"b\\c" };
  mt_metrics_t *m = mt_metrics_new (1, labels);
  mt_metrics_gauges_t gauges = { 0 };
  mt_buf_t out;

  mt_metrics_record (m, 0, 200, 1);
  mt_buf_init (&out, 1 << 20);
  mt_metrics_render (m, &gauges, &out);
  assert_non_null (strstr (out.data, "route=\"GET /a\\\"b\\\\c\""));
  mt_buf_destroy (&out);
  mt_metrics_destroy (m);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("metrics/renders_counters_and_buckets", renders_counters_and_cumulative_buckets),
    MT_TEST ("metrics/escapes_label_values", escapes_label_values),
  };
  return cmocka_run_group_tests_name ("server/http/metrics", tests, NULL, NULL);
}
