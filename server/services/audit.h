/*
 * audit: the audit log of state changes ({at, actor, entity, entity_id, from, to, reason},
 * store.h audit entries), read by administrators (GET /v1/admin/audit).
 *
 * Recording is idempotent: every entry has a deterministic id, so that recording twice
 * (a retry, a reconciliation after a crash) stores it once (the store answers DUPLICATE,
 * which counts as success here). A reservation's entries are its history items, with the id
 * "<reservation id>:<seq>" and entity "reservation".
 */
#ifndef MT_AUDIT_H
#define MT_AUDIT_H

#include "mt_error.h"
#include "store.h"

#include <bson/bson.h>
#include <stdbool.h>
#include <stdint.h>

#define MT_AUDIT_ENTITY_RESERVATION "reservation"

/* One entry; strings are borrowed. */
typedef struct {
  const char *id;        /* deterministic, unique */
  int64_t at_ms;         /* when the change happened */
  const char *actor;     /* account id or "system" */
  const char *entity;    /* "reservation", ... */
  const char *entity_id; /* the changed document */
  const char *from;      /* previous state, or NULL (creation) */
  const char *to;        /* new state */
  const char *reason;    /* or NULL */
} mt_audit_entry_t;

/* Stores @entry; an id already stored is success (already recorded). */
bool mt_audit_record (mt_store_t *store, const mt_audit_entry_t *entry, mt_error_t *error);

/*
 * Records the history items of @doc (a stored document with "id" and "history", such as a
 * reservation or a service booking) whose "seq" is at least @from_seq (1 = all) as audit
 * entries "<id>:<seq>" of @entity. Items already recorded are skipped silently, so calling
 * it with 1 re-records what a crash may have left out. *@recorded (may be NULL) counts the
 * entries newly stored.
 */
bool mt_audit_record_history (mt_store_t *store, const char *entity, const bson_t *doc,
                              int64_t from_seq, uint32_t *recorded, mt_error_t *error);

/* mt_audit_record_history of a reservation (entity "reservation"). */
bool mt_audit_record_reservation (mt_store_t *store, const bson_t *reservation, int64_t from_seq,
                                  uint32_t *recorded, mt_error_t *error);

/*
 * History items, the source of the audit entries: {seq, at, actor, from, to, reason} ("from"
 * and "reason" null when absent). mt_audit_history_append appends item number @index (seq
 * @index + 1) to the array @array; mt_audit_history_copy copies the "history" items of
 * @stored into @array and returns their number.
 */
void mt_audit_history_append (bson_t *array, uint32_t index, int64_t at_ms, const char *actor,
                              const char *from, const char *to, const char *reason);
uint32_t mt_audit_history_copy (const bson_t *stored, bson_t *array);

#endif
