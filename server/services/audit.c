/* audit: idempotent recording of state changes (see audit.h). */
#include "audit.h"

#include "mt_bson.h"
#include "mt_log.h"

#include <stdio.h>
#include <string.h>

#define MT_LOG_DOMAIN "audit"

/* Appends @value, or null when NULL. */
static void
mt_audit_append_str_or_null (bson_t *doc, const char *key, const char *value)
{
  if (value) {
    BSON_APPEND_UTF8 (doc, key, value);
  } else {
    BSON_APPEND_NULL (doc, key);
  }
}

/* Stores @entry; *@stored tells whether it was new. */
static bool
mt_audit_insert (mt_store_t *store, const mt_audit_entry_t *entry, bool *stored, mt_error_t *error)
{
  bson_t doc = BSON_INITIALIZER;
  mt_error_t store_error;
  bool ok = false;

  *stored = false;
  if (!entry->id || !entry->entity || !entry->entity_id || !entry->to || !entry->actor) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "entrée d'audit incomplète",
                  "incomplete audit entry");
    goto done;
  }
  BSON_APPEND_UTF8 (&doc, "id", entry->id);
  BSON_APPEND_DATE_TIME (&doc, "at", entry->at_ms);
  BSON_APPEND_UTF8 (&doc, "actor", entry->actor);
  BSON_APPEND_UTF8 (&doc, "entity", entry->entity);
  BSON_APPEND_UTF8 (&doc, "entity_id", entry->entity_id);
  mt_audit_append_str_or_null (&doc, "from", entry->from);
  BSON_APPEND_UTF8 (&doc, "to", entry->to);
  mt_audit_append_str_or_null (&doc, "reason", entry->reason);
  if (store->ops->audit_insert (store, &doc, &store_error)) {
    *stored = true;
  } else if (store_error.code != MT_ERR_DUPLICATE) {
    mt_error_copy (error, &store_error);
    goto done;
  }
  ok = true;
done:
  bson_destroy (&doc);
  return ok;
}

bool
mt_audit_record (mt_store_t *store, const mt_audit_entry_t *entry, mt_error_t *error)
{
  bool stored;
  return mt_audit_insert (store, entry, &stored, error);
}

bool
mt_audit_record_history (mt_store_t *store, const char *entity, const bson_t *doc, int64_t from_seq,
                         uint32_t *recorded, mt_error_t *error)
{
  const char *id = mt_bson_str (doc, "id");
  bson_iter_t it;
  bson_iter_t item;
  uint32_t count = 0;
  bool ok = false;

  if (!id) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "%s sans identifiant",
                  "%s without an id", entity);
    goto done;
  }
  if (!bson_iter_init_find (&it, doc, "history") || !BSON_ITER_HOLDS_ARRAY (&it) ||
      !bson_iter_recurse (&it, &item)) {
    ok = true; /* nothing to record */
    goto done;
  }
  while (bson_iter_next (&item)) {
    const uint8_t *data;
    uint32_t len;
    bson_t h;
    char entry_id[128];
    mt_audit_entry_t entry;
    bool stored;
    int64_t seq;
    if (!BSON_ITER_HOLDS_DOCUMENT (&item)) {
      continue;
    }
    bson_iter_document (&item, &len, &data);
    if (!bson_init_static (&h, data, len)) {
      continue;
    }
    seq = mt_bson_int (&h, "seq", 0);
    if (seq < 1 || seq < from_seq) {
      continue;
    }
    snprintf (entry_id, sizeof entry_id, "%s:%lld", id, (long long) seq);
    entry = (mt_audit_entry_t){
      .id = entry_id,
      .at_ms = mt_bson_date (&h, "at", 0),
      .actor = mt_bson_str (&h, "actor"),
      .entity = entity,
      .entity_id = id,
      .from = mt_bson_str (&h, "from"),
      .to = mt_bson_str (&h, "to"),
      .reason = mt_bson_str (&h, "reason"),
    };
    if (!mt_audit_insert (store, &entry, &stored, error)) {
      goto done;
    }
    count += stored ? 1 : 0;
  }
  ok = true;
done:
  if (recorded) {
    *recorded = count;
  }
  return ok;
}

bool
mt_audit_record_reservation (mt_store_t *store, const bson_t *reservation, int64_t from_seq,
                             uint32_t *recorded, mt_error_t *error)
{
  return mt_audit_record_history (store, MT_AUDIT_ENTITY_RESERVATION, reservation, from_seq,
                                  recorded, error);
}

void
mt_audit_history_append (bson_t *array, uint32_t index, int64_t at_ms, const char *actor,
                         const char *from, const char *to, const char *reason)
{
  bson_t item;
  char keybuf[16];
  const char *key;

  bson_uint32_to_string (index, &key, keybuf, sizeof keybuf);
  BSON_APPEND_DOCUMENT_BEGIN (array, key, &item);
  BSON_APPEND_INT32 (&item, "seq", (int32_t) index + 1);
  BSON_APPEND_DATE_TIME (&item, "at", at_ms);
  BSON_APPEND_UTF8 (&item, "actor", actor);
  mt_audit_append_str_or_null (&item, "from", from);
  BSON_APPEND_UTF8 (&item, "to", to);
  mt_audit_append_str_or_null (&item, "reason", reason);
  bson_append_document_end (array, &item);
}

uint32_t
mt_audit_history_copy (const bson_t *stored, bson_t *array)
{
  bson_iter_t it;
  bson_iter_t item;
  uint32_t index = 0;
  char keybuf[16];
  const char *key;

  if (bson_iter_init_find (&it, stored, "history") && BSON_ITER_HOLDS_ARRAY (&it) &&
      bson_iter_recurse (&it, &item)) {
    while (bson_iter_next (&item)) {
      bson_uint32_to_string (index++, &key, keybuf, sizeof keybuf);
      bson_append_iter (array, key, -1, &item);
    }
  }
  return index;
}
