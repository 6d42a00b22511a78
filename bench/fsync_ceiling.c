/*
 * fsync_ceiling: the most durable writes per second this disk allows one writer. In a
 * directory on the same file system as mutuad's data directory, write a 512-byte record and
 * fdatasync it, again and again for SECONDS, and report writes per second and the latency of
 * each write + fdatasync. A store that acknowledges a write only once it is on stable storage
 * (SQLite with synchronous=FULL: one WAL sync per transaction) cannot commit one writer's
 * transactions faster than this.
 *
 *   bench_fsync_ceiling DIR [SECONDS] [append|overwrite]      (defaults 5, append)
 *
 * append     each record goes at the end of the file, which grows (the file size changes:
 *            the file system journals that too), as a write-ahead log does until checkpoint;
 * overwrite  the records cycle over the first 8 MiB of a file written and synced once
 *            beforehand (no metadata changes: the cheapest durable write there is), as a
 *            WAL does once it is reused after a checkpoint.
 *
 * The last line is machine-readable:
 *   fsync_ceiling mode=append writes=N seconds=S writes_per_s=X p50_us=A p99_us=B max_us=C
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RECORD_BYTES 512
#define OVERWRITE_SPAN (8 * 1024 * 1024)
#define SAMPLES_MAX (4u * 1024u * 1024u) /* latencies kept (beyond: counted, not kept) */

static int64_t
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
compare_u32 (const void *a, const void *b)
{
  uint32_t x = *(const uint32_t *) a;
  uint32_t y = *(const uint32_t *) b;
  return x < y ? -1 : x > y;
}

/* Writes all of @len bytes at @offset. */
static int
write_at (int fd, const void *data, size_t len, off_t offset)
{
  const char *p = data;

  while (len > 0) {
    ssize_t n = pwrite (fd, p, len, offset);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return -1;
    }
    p += n;
    len -= (size_t) n;
    offset += n;
  }
  return 0;
}

int
main (int argc, char **argv)
{
  const char *dir;
  long seconds = 5;
  int overwrite = 0;
  char path[4096];
  char record[RECORD_BYTES];
  uint32_t *samples;
  uint64_t writes = 0;
  off_t offset = 0;
  int64_t start;
  int64_t deadline;
  int64_t elapsed;
  int fd;
  char *end = NULL;

  if (argc < 2 || argc > 4) {
    fprintf (stderr, "usage: %s DIR [SECONDS] [append|overwrite]\n", argv[0]);
    return 2;
  }
  dir = argv[1];
  if (argc >= 3) {
    errno = 0;
    seconds = strtol (argv[2], &end, 10);
    if (errno != 0 || !end || *end != '\0' || seconds < 1 || seconds > 3600) {
      fprintf (stderr, "SECONDS: an integer from 1 to 3600\n");
      return 2;
    }
  }
  if (argc == 4) {
    if (strcmp (argv[3], "overwrite") == 0) {
      overwrite = 1;
    } else if (strcmp (argv[3], "append") != 0) {
      fprintf (stderr, "mode: append or overwrite\n");
      return 2;
    }
  }
  if ((size_t) snprintf (path, sizeof path, "%s/fsync-ceiling-XXXXXX", dir) >= sizeof path) {
    fprintf (stderr, "DIR too long\n");
    return 2;
  }
  fd = mkstemp (path);
  if (fd < 0) {
    perror ("mkstemp");
    return 1;
  }
  unlink (path); /* gone when closed, even if interrupted */
  samples = malloc (SAMPLES_MAX * sizeof *samples);
  if (!samples) {
    fprintf (stderr, "out of memory\n");
    return 1;
  }
  for (size_t i = 0; i < sizeof record; i++) {
    record[i] = (char) ('a' + i % 26);
  }
  if (overwrite) {
    /* Write the span once and make it durable, so that later writes change no metadata. */
    static char zeros[1 << 16];
    for (off_t o = 0; o < OVERWRITE_SPAN; o += (off_t) sizeof zeros) {
      if (write_at (fd, zeros, sizeof zeros, o) != 0) {
        perror ("write");
        return 1;
      }
    }
    if (fsync (fd) != 0) {
      perror ("fsync");
      return 1;
    }
  }

  start = now_ns ();
  deadline = start + (int64_t) seconds * 1000000000;
  for (;;) {
    int64_t before = now_ns ();
    int64_t took;
    if (before >= deadline) {
      break;
    }
    if (write_at (fd, record, sizeof record, offset) != 0 || fdatasync (fd) != 0) {
      perror ("write + fdatasync");
      return 1;
    }
    took = now_ns () - before;
    if (writes < SAMPLES_MAX) {
      samples[writes] = (uint32_t) (took / 1000 > UINT32_MAX ? UINT32_MAX : took / 1000);
    }
    writes++;
    offset += RECORD_BYTES;
    if (overwrite && offset >= OVERWRITE_SPAN) {
      offset = 0;
    }
  }
  elapsed = now_ns () - start;
  close (fd);

  {
    size_t kept = writes < SAMPLES_MAX ? (size_t) writes : SAMPLES_MAX;
    double rate = (double) writes / ((double) elapsed / 1e9);
    uint32_t p50 = 0, p99 = 0, max = 0;
    if (kept > 0) {
      qsort (samples, kept, sizeof *samples, compare_u32);
      p50 = samples[kept / 2];
      p99 = samples[(kept * 99) / 100 < kept ? (kept * 99) / 100 : kept - 1];
      max = samples[kept - 1];
    }
    printf ("%s: %llu writes of %d bytes + fdatasync in %.1f s: %.0f writes/s, "
            "p50 %u us, p99 %u us, max %u us\n",
            overwrite ? "overwrite" : "append", (unsigned long long) writes, RECORD_BYTES,
            (double) elapsed / 1e9, rate, p50, p99, max);
    printf ("fsync_ceiling mode=%s writes=%llu seconds=%.3f writes_per_s=%.0f p50_us=%u "
            "p99_us=%u max_us=%u\n",
            overwrite ? "overwrite" : "append", (unsigned long long) writes, (double) elapsed / 1e9,
            rate, p50, p99, max);
  }
  free (samples);
  return 0;
}
