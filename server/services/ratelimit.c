/*
 * ratelimit: a fixed-capacity, set-associative table of failure counters keyed by a keyed
 * BLAKE2b digest of the key, under one mutex. See ratelimit.h for the rules.
 */
#include "ratelimit.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define MT_RATELIMIT_DIGEST_BYTES 16 /* 128 bits: collisions are out of reach */

typedef struct {
  uint8_t digest[MT_RATELIMIT_DIGEST_BYTES];
  int64_t since_ms;  /* start of the window (first failure), or when the slot was taken */
  uint32_t failures; /* failures counted in the window */
  uint32_t pending;  /* attempts allowed and not yet concluded */
  bool used;
} mt_ratelimit_slot_t;

struct mt_ratelimit {
  pthread_mutex_t lock;
  uint32_t limit;
  int64_t window_ms;
  size_t sets;
  uint8_t secret[crypto_generichash_KEYBYTES];
  mt_ratelimit_slot_t *slots; /* sets * MT_RATELIMIT_WAYS */
};

mt_ratelimit_t *
mt_ratelimit_new (uint32_t limit, uint32_t window_s, size_t capacity)
{
  mt_ratelimit_t *rl = NULL;
  size_t sets;

  if (limit == 0 || window_s == 0 || capacity == 0 ||
      capacity > SIZE_MAX / sizeof (mt_ratelimit_slot_t) - MT_RATELIMIT_WAYS ||
      sodium_init () < 0) {
    return NULL;
  }
  sets = (capacity + MT_RATELIMIT_WAYS - 1) / MT_RATELIMIT_WAYS;
  rl = calloc (1, sizeof *rl);
  if (!rl) {
    return NULL;
  }
  rl->slots = calloc (sets * MT_RATELIMIT_WAYS, sizeof *rl->slots);
  if (!rl->slots) {
    free (rl);
    return NULL;
  }
  pthread_mutex_init (&rl->lock, NULL);
  rl->limit = limit;
  rl->window_ms = (int64_t) window_s * 1000;
  rl->sets = sets;
  randombytes_buf (rl->secret, sizeof rl->secret);
  return rl;
}

void
mt_ratelimit_destroy (mt_ratelimit_t *rl)
{
  if (!rl) {
    return;
  }
  pthread_mutex_destroy (&rl->lock);
  sodium_memzero (rl->slots, rl->sets * MT_RATELIMIT_WAYS * sizeof *rl->slots);
  free (rl->slots);
  sodium_memzero (rl, sizeof *rl);
  free (rl);
}

size_t
mt_ratelimit_capacity (const mt_ratelimit_t *rl)
{
  return rl->sets * MT_RATELIMIT_WAYS;
}

/* --- internals (called with the lock held) -------------------------------------------------- */

static void
mt_ratelimit_digest (const mt_ratelimit_t *rl, const char *key, uint8_t out[])
{
  crypto_generichash (out, MT_RATELIMIT_DIGEST_BYTES, (const unsigned char *) key, strlen (key),
                      rl->secret, sizeof rl->secret);
}

static mt_ratelimit_slot_t *
mt_ratelimit_set (mt_ratelimit_t *rl, const uint8_t digest[])
{
  uint64_t h;

  memcpy (&h, digest, sizeof h);
  return &rl->slots[(size_t) (h % rl->sets) * MT_RATELIMIT_WAYS];
}

/* The failures of @slot that still count at @now_ms. */
static uint32_t
mt_ratelimit_live_failures (const mt_ratelimit_t *rl, const mt_ratelimit_slot_t *slot,
                            int64_t now_ms)
{
  if (slot->failures == 0 || now_ms - slot->since_ms >= rl->window_ms) {
    return 0;
  }
  return slot->failures;
}

static mt_ratelimit_slot_t *
mt_ratelimit_find (mt_ratelimit_t *rl, const uint8_t digest[])
{
  mt_ratelimit_slot_t *set = mt_ratelimit_set (rl, digest);

  for (size_t i = 0; i < MT_RATELIMIT_WAYS; i++) {
    if (set[i].used && memcmp (set[i].digest, digest, MT_RATELIMIT_DIGEST_BYTES) == 0) {
      return &set[i];
    }
  }
  return NULL;
}

/*
 * Eviction rank of a slot: lower goes first. 0 free, 1 nothing left to remember, 2 failures
 * but no attempt in flight, 3 attempts in flight. Ties: the oldest window goes first.
 */
static int
mt_ratelimit_rank (const mt_ratelimit_t *rl, const mt_ratelimit_slot_t *slot, int64_t now_ms)
{
  if (!slot->used) {
    return 0;
  }
  if (slot->pending > 0) {
    return 3;
  }
  return mt_ratelimit_live_failures (rl, slot, now_ms) == 0 ? 1 : 2;
}

/* The slot of @digest, taken (evicting the set's oldest entry) when absent. Never NULL. */
static mt_ratelimit_slot_t *
mt_ratelimit_find_or_take (mt_ratelimit_t *rl, const uint8_t digest[], int64_t now_ms)
{
  mt_ratelimit_slot_t *slot = mt_ratelimit_find (rl, digest);
  mt_ratelimit_slot_t *set;
  int best_rank = 4;

  if (slot) {
    return slot;
  }
  set = mt_ratelimit_set (rl, digest);
  for (size_t i = 0; i < MT_RATELIMIT_WAYS; i++) {
    int rank = mt_ratelimit_rank (rl, &set[i], now_ms);
    if (rank < best_rank || (rank == best_rank && set[i].since_ms < slot->since_ms)) {
      best_rank = rank;
      slot = &set[i];
    }
  }
  memset (slot, 0, sizeof *slot);
  memcpy (slot->digest, digest, MT_RATELIMIT_DIGEST_BYTES);
  slot->since_ms = now_ms;
  slot->used = true;
  return slot;
}

static void
mt_ratelimit_conclude (mt_ratelimit_slot_t *slot)
{
  if (slot->pending > 0) {
    slot->pending--;
  }
  if (slot->pending == 0 && slot->failures == 0) {
    memset (slot, 0, sizeof *slot);
  }
}

/* --- API -------------------------------------------------------------------------------------- */

bool
mt_ratelimit_check (mt_ratelimit_t *rl, const char *key, int64_t now_ms, uint32_t *retry_after_s)
{
  uint8_t digest[MT_RATELIMIT_DIGEST_BYTES];
  mt_ratelimit_slot_t *slot;
  uint32_t failures;
  uint32_t retry = 0;
  bool allowed;

  mt_ratelimit_digest (rl, key, digest);
  pthread_mutex_lock (&rl->lock);
  slot = mt_ratelimit_find (rl, digest);
  failures = slot ? mt_ratelimit_live_failures (rl, slot, now_ms) : 0;
  if (slot && failures == 0) {
    slot->failures = 0; /* the window has passed */
  }
  allowed = (uint64_t) failures + (slot ? slot->pending : 0) < rl->limit;
  if (allowed) {
    slot = mt_ratelimit_find_or_take (rl, digest, now_ms);
    slot->pending++;
  } else if (failures >= rl->limit) {
    int64_t left_ms = slot->since_ms + rl->window_ms - now_ms;
    retry = (uint32_t) ((left_ms + 999) / 1000);
  }
  pthread_mutex_unlock (&rl->lock);
  if (!allowed && retry == 0) {
    retry = 1; /* only attempts in flight are in the way: they end within moments */
  }
  if (retry_after_s) {
    *retry_after_s = retry;
  }
  return allowed;
}

void
mt_ratelimit_fail (mt_ratelimit_t *rl, const char *key, int64_t now_ms)
{
  uint8_t digest[MT_RATELIMIT_DIGEST_BYTES];
  mt_ratelimit_slot_t *slot;

  mt_ratelimit_digest (rl, key, digest);
  pthread_mutex_lock (&rl->lock);
  slot = mt_ratelimit_find_or_take (rl, digest, now_ms);
  if (mt_ratelimit_live_failures (rl, slot, now_ms) == 0) {
    slot->failures = 0;
    slot->since_ms = now_ms;
  }
  if (slot->failures < UINT32_MAX) {
    slot->failures++;
  }
  if (slot->pending > 0) {
    slot->pending--;
  }
  pthread_mutex_unlock (&rl->lock);
}

void
mt_ratelimit_reset (mt_ratelimit_t *rl, const char *key)
{
  uint8_t digest[MT_RATELIMIT_DIGEST_BYTES];
  mt_ratelimit_slot_t *slot;

  mt_ratelimit_digest (rl, key, digest);
  pthread_mutex_lock (&rl->lock);
  slot = mt_ratelimit_find (rl, digest);
  if (slot) {
    slot->failures = 0;
    mt_ratelimit_conclude (slot);
  }
  pthread_mutex_unlock (&rl->lock);
}

void
mt_ratelimit_release (mt_ratelimit_t *rl, const char *key)
{
  uint8_t digest[MT_RATELIMIT_DIGEST_BYTES];
  mt_ratelimit_slot_t *slot;

  mt_ratelimit_digest (rl, key, digest);
  pthread_mutex_lock (&rl->lock);
  slot = mt_ratelimit_find (rl, digest);
  if (slot) {
    mt_ratelimit_conclude (slot);
  }
  pthread_mutex_unlock (&rl->lock);
}
