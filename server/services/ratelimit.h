/*
 * ratelimit: counters of failed sign-ins per key (an e-mail, a client address) within a
 * fixed window, in memory, shared by every thread of the process.
 *
 * Keys are never kept: each is hashed at once with BLAKE2b (crypto_generichash) keyed by a
 * random secret drawn when the limiter is made, so the table holds neither e-mails nor
 * addresses, and nobody outside the process can predict where a key lands.
 *
 * Window. A key's window opens at its first failure and lasts window_s seconds; while it
 * holds @limit failures, attempts are refused with the time left (Retry-After). When the
 * window has passed the failures are forgotten.
 *
 * Attempts in flight. A sign-in checks the limiter, then verifies the password on a worker
 * (tens of milliseconds), then records the outcome. So that a burst of parallel attempts
 * cannot all pass the check before the first failure is counted, an allowed check reserves
 * the attempt: failures + attempts in flight must stay below @limit. Every allowed check is
 * followed by exactly one of mt_ratelimit_fail, mt_ratelimit_reset or mt_ratelimit_release.
 *
 * Bounded. The table has a fixed capacity (rounded up to a multiple of
 * MT_RATELIMIT_WAYS): it is set-associative, a key may only live in the MT_RATELIMIT_WAYS
 * slots of its set, and a new key entering a full set evicts the set's oldest entry
 * (forgotten windows first, then entries without an attempt in flight, then the oldest
 * window). Eviction forgets failures, so the capacity should exceed the number of keys
 * that fail within one window under normal load.
 *
 * Threads: every function may be called from any thread (one mutex).
 */
#ifndef MT_RATELIMIT_H
#define MT_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MT_RATELIMIT_WAYS 8 /* slots per set */

/* Keys remembered by each sign-in limiter of mutuad (48 bytes each, 3 MiB): far more e-mails
 * or addresses than fail within one window in normal use; beyond, the oldest are forgotten. */
#define MT_RATELIMIT_LOGIN_CAPACITY 65536

typedef struct mt_ratelimit mt_ratelimit_t;

/*
 * A limiter allowing @limit (>= 1) failures per key within @window_s (>= 1) seconds,
 * remembering at most @capacity keys (>= 1; rounded up to a multiple of MT_RATELIMIT_WAYS).
 * @return the limiter (free it with mt_ratelimit_destroy), or NULL on bad arguments or
 * allocation failure.
 */
mt_ratelimit_t *mt_ratelimit_new (uint32_t limit, uint32_t window_s, size_t capacity);

/* Frees @rl (no-op on NULL); its memory is wiped first. */
void mt_ratelimit_destroy (mt_ratelimit_t *rl);

/* Number of slots (the capacity as rounded). */
size_t mt_ratelimit_capacity (const mt_ratelimit_t *rl);

/*
 * May an attempt for @key (NUL-terminated, any bytes) be made at @now_ms?
 * @return true and reserves the attempt (see above), or false and sets *@retry_after_s
 * (may be NULL) to the whole seconds to wait (at least 1). *@retry_after_s is 0 when allowed.
 */
bool mt_ratelimit_check (mt_ratelimit_t *rl, const char *key, int64_t now_ms,
                         uint32_t *retry_after_s);

/* The reserved attempt for @key failed: counts one failure (opening a window if none). */
void mt_ratelimit_fail (mt_ratelimit_t *rl, const char *key, int64_t now_ms);

/* The reserved attempt for @key succeeded: forgets @key's failures. */
void mt_ratelimit_reset (mt_ratelimit_t *rl, const char *key);

/* The reserved attempt for @key ended without a verdict (or succeeded where success must not
 * clear the failures, as for a client address): counts nothing. */
void mt_ratelimit_release (mt_ratelimit_t *rl, const char *key);

#endif
