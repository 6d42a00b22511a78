/*
 * fuzz_guard: the HTTP stream guard must never crash, never release more bytes than it was
 * fed, and reach the same verdict whether the stream arrives at once or byte by byte.
 */
#include "guard.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static size_t
mt_fuzz_body_limit (const char *method, const char *target, void *arg)
{
  (void) arg;
  return strcmp (method, "POST") == 0 && strstr (target, "photos") ? 1 << 20 : 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  mt_guard_limits_t limits = {
    .max_header_bytes = 1024,
    .max_body_bytes = 4096,
    .body_limit = mt_fuzz_body_limit,
    .header_timeout_us = 1000000,
    .body_timeout_us = 2000000,
  };
  mt_guard_t whole;
  mt_guard_t split;
  size_t released_whole;
  size_t released_split = 0;

  mt_guard_init (&whole, &limits);
  mt_guard_init (&split, &limits);
  mt_guard_feed (&whole, data, size, 0);
  released_whole = mt_guard_take_releasable (&whole);
  for (size_t i = 0; i < size && split.state != MT_GUARD_REJECTED; i++) {
    mt_guard_feed (&split, data + i, 1, (int64_t) i);
    released_split += mt_guard_take_releasable (&split);
  }
  if (released_whole > size || released_split > size || released_whole != released_split ||
      whole.state != split.state || whole.verdict != split.verdict ||
      whole.requests != split.requests || whole.complete_requests != split.complete_requests ||
      whole.complete_requests > whole.requests) {
    abort ();
  }
  mt_guard_check_deadline (&whole, 10000000);
  mt_guard_destroy (&whole);
  mt_guard_destroy (&split);
  return 0;
}
