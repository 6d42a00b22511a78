/*
 * store_mongo_documents.c: networks, members, accounts and revoked tokens in the MongoDB
 * adapter, and the start-up repair.
 *
 * member_insert with a first account must leave both or neither. Without a transaction the
 * member is inserted first with an internal marker "_pending_account": {"id", "at"}, then
 * the account, then the marker is removed. A member still marked is not listed; a duplicate
 * e-mail removes the member again; a crash between the writes leaves a marked member that
 * mt_mongo_repair settles: kept (marker removed) when its account exists, removed otherwise.
 */
#include "store_mongo_private.h"

#include "mt_time.h"

#include <string.h>

/* ---- Networks ---------------------------------------------------------------------------- */

static const mt_mongo_field_t mt_mongo_network_fields[] = {
  { "slug", BSON_TYPE_UTF8, true },
  { "name", BSON_TYPE_UTF8, true },
  { NULL, BSON_TYPE_EOD, false },
};

static const mt_mongo_sort_key_t mt_mongo_by_name_keys[] = { { "name", 1 }, { "_id", 1 } };
static const mt_mongo_order_t mt_mongo_network_order = { 1, mt_mongo_by_name_keys, 2 };
static const mt_mongo_order_t mt_mongo_member_order = { 2, mt_mongo_by_name_keys, 2 };

static bool
mt_mongo_network_insert (mt_store_t *store, const bson_t *network, mt_error_t *error)
{
  return mt_mongo_check_fields (network, mt_mongo_network_fields, "network", error) &&
         mt_mongo_insert (store, MT_MONGO_NETWORKS, network, true, NULL, error);
}

static bool
mt_mongo_network_get (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error)
{
  return mt_mongo_get (store, MT_MONGO_NETWORKS, id, out, error);
}

static bool
mt_mongo_network_list (mt_store_t *store, mt_store_page_t *out, mt_error_t *error)
{
  return mt_mongo_list (store, MT_MONGO_NETWORKS, NULL, &mt_mongo_network_order, NULL,
                        MT_MONGO_LIST_ALL, out, error);
}

/* ---- Members ----------------------------------------------------------------------------- */

static const mt_mongo_field_t mt_mongo_member_fields[] = {
  { "name", BSON_TYPE_UTF8, true },
  { "status", BSON_TYPE_UTF8, false },
  { "networks", BSON_TYPE_ARRAY, false },
  { NULL, BSON_TYPE_EOD, false },
};

static const mt_mongo_field_t mt_mongo_account_fields[] = {
  { "email_key", BSON_TYPE_UTF8, true },
  { "member_id", BSON_TYPE_UTF8, false },
  { "platform_role", BSON_TYPE_UTF8, false },
  { "status", BSON_TYPE_UTF8, false },
  { "created_at", BSON_TYPE_DATE_TIME, false },
  { "calendar_token_hash", BSON_TYPE_UTF8, false },
  { NULL, BSON_TYPE_EOD, false },
};

/* Removes the "_pending_account" marker of member @id. */
static bool
mt_mongo_member_settle (mt_store_t *store, const char *id, mt_error_t *error)
{
  bson_t filter = BSON_INITIALIZER;
  bson_t update = BSON_INITIALIZER;
  bson_t unset;
  bson_t reply;
  bson_error_t bson_error;
  bool ok;

  BSON_APPEND_UTF8 (&filter, "_id", id);
  BSON_APPEND_DOCUMENT_BEGIN (&update, "$unset", &unset);
  BSON_APPEND_UTF8 (&unset, "_pending_account", "");
  bson_append_document_end (&update, &unset);
  ok = mongoc_collection_update_one (mt_mongo_coll (store, MT_MONGO_MEMBERS), &filter, &update,
                                     NULL, &reply, &bson_error);
  if (!ok) {
    mt_mongo_error (&bson_error, &reply, "members", error);
  }
  bson_destroy (&reply);
  bson_destroy (&update);
  bson_destroy (&filter);
  return ok;
}

static bool
mt_mongo_member_insert (mt_store_t *store, const bson_t *member, const bson_t *first_account,
                        mt_error_t *error)
{
  bson_t extra = BSON_INITIALIZER;
  bson_t marker;
  const char *member_id = mt_mongo_doc_str (member, "id");
  const char *account_id = first_account ? mt_mongo_doc_str (first_account, "id") : NULL;
  bool ok;

  if (!mt_mongo_check_fields (member, mt_mongo_member_fields, "member", error) ||
      (first_account &&
       !mt_mongo_check_fields (first_account, mt_mongo_account_fields, "account", error))) {
    bson_destroy (&extra);
    return false;
  }
  if (first_account && !account_id) {
    mt_mongo_bad_document ("compte sans \"id\" / account without \"id\"", error);
    bson_destroy (&extra);
    return false;
  }
  if (first_account) {
    BSON_APPEND_DOCUMENT_BEGIN (&extra, "_pending_account", &marker);
    BSON_APPEND_UTF8 (&marker, "id", account_id);
    BSON_APPEND_DATE_TIME (&marker, "at", mt_time_now_ms ());
    bson_append_document_end (&extra, &marker);
  }
  ok = mt_mongo_insert (store, MT_MONGO_MEMBERS, member, true, &extra, error);
  bson_destroy (&extra);
  if (!ok || !first_account) {
    return ok;
  }
  if (!mt_mongo_insert (store, MT_MONGO_ACCOUNTS, first_account, true, NULL, error)) {
    mt_error_t ignored;
    mt_error_clear (&ignored);
    /* Neither: the member goes again (a crash here is settled by mt_mongo_repair). */
    mt_mongo_delete_cas (store, MT_MONGO_MEMBERS, member_id, -1, &ignored);
    return false;
  }
  return mt_mongo_member_settle (store, member_id, error);
}

static bool
mt_mongo_member_get (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error)
{
  return mt_mongo_get (store, MT_MONGO_MEMBERS, id, out, error);
}

static bool
mt_mongo_member_update (mt_store_t *store, const char *id, int64_t expected_version,
                        const bson_t *member, mt_error_t *error)
{
  return mt_mongo_check_fields (member, mt_mongo_member_fields, "member", error) &&
         mt_mongo_update_cas (store, MT_MONGO_MEMBERS, id, expected_version, member, NULL, error);
}

static bool
mt_mongo_member_list (mt_store_t *store, const mt_store_member_query_t *query, mt_store_page_t *out,
                      mt_error_t *error)
{
  bson_t filter = BSON_INITIALIZER;
  bson_t exists;
  bool ok;
  if (!query) {
    bson_destroy (&filter);
    mt_store_page_init (out);
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_BAD_REQUEST, "requête de liste manquante",
                  "missing list query");
    return false;
  }

  BSON_APPEND_DOCUMENT_BEGIN (&filter, "_pending_account", &exists);
  BSON_APPEND_BOOL (&exists, "$exists", false);
  bson_append_document_end (&filter, &exists);
  if (query->status) {
    BSON_APPEND_UTF8 (&filter, "status", query->status);
  }
  if (query->network_id) {
    BSON_APPEND_UTF8 (&filter, "networks", query->network_id);
  }
  ok = mt_mongo_list (store, MT_MONGO_MEMBERS, &filter, &mt_mongo_member_order, query->cursor,
                      query->limit, out, error);
  bson_destroy (&filter);
  return ok;
}

/* ---- Accounts ---------------------------------------------------------------------------- */

static const mt_mongo_sort_key_t mt_mongo_account_keys[] = { { "created_at", 1 }, { "_id", 1 } };
static const mt_mongo_order_t mt_mongo_account_order = { 3, mt_mongo_account_keys, 2 };

static bool
mt_mongo_account_insert (mt_store_t *store, const bson_t *account, mt_error_t *error)
{
  return mt_mongo_check_fields (account, mt_mongo_account_fields, "account", error) &&
         mt_mongo_insert (store, MT_MONGO_ACCOUNTS, account, true, NULL, error);
}

static bool
mt_mongo_account_get (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error)
{
  return mt_mongo_get (store, MT_MONGO_ACCOUNTS, id, out, error);
}

static bool
mt_mongo_account_find_by_email (mt_store_t *store, const char *email_key, bson_t *out,
                                mt_error_t *error)
{
  return mt_mongo_get_by (store, MT_MONGO_ACCOUNTS, "email_key", email_key, out, error);
}

static bool
mt_mongo_account_find_by_calendar_token (mt_store_t *store, const char *hash, bson_t *out,
                                         mt_error_t *error)
{
  return mt_mongo_get_by (store, MT_MONGO_ACCOUNTS, "calendar_token_hash", hash, out, error);
}

static bool
mt_mongo_account_update (mt_store_t *store, const char *id, int64_t expected_version,
                         const bson_t *account, mt_error_t *error)
{
  return mt_mongo_check_fields (account, mt_mongo_account_fields, "account", error) &&
         mt_mongo_update_cas (store, MT_MONGO_ACCOUNTS, id, expected_version, account, NULL, error);
}

static bool
mt_mongo_account_list_by_member (mt_store_t *store, const char *member_id, mt_store_page_t *out,
                                 mt_error_t *error)
{
  bson_t filter = BSON_INITIALIZER;
  bool ok;

  if (!member_id) {
    mt_store_page_init (out);
    bson_destroy (&filter);
    return true;
  }
  BSON_APPEND_UTF8 (&filter, "member_id", member_id);
  ok = mt_mongo_list (store, MT_MONGO_ACCOUNTS, &filter, &mt_mongo_account_order, NULL,
                      MT_MONGO_LIST_ALL, out, error);
  bson_destroy (&filter);
  return ok;
}

static bool
mt_mongo_account_count_admins (mt_store_t *store, int64_t *count, mt_error_t *error)
{
  bson_t filter = BSON_INITIALIZER;
  bool ok;

  BSON_APPEND_UTF8 (&filter, "platform_role", "admin");
  BSON_APPEND_UTF8 (&filter, "status", "active");
  ok = mt_mongo_count (store, MT_MONGO_ACCOUNTS, &filter, count, error);
  bson_destroy (&filter);
  return ok;
}

/* ---- Revoked tokens ---------------------------------------------------------------------- */

static bool
mt_mongo_jti_present (const char *jti, mt_error_t *error)
{
  if (!jti || !*jti || strlen (jti) > 255) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL, "identifiant de jeton manquant",
                  "missing token id");
    return false;
  }
  return true;
}

/* Upsert keeping the later expiry: {$max: {expires_at}}. */
static bool
mt_mongo_token_revoke (mt_store_t *store, const char *jti, int64_t expires_at_ms, mt_error_t *error)
{
  bson_t filter = BSON_INITIALIZER;
  bson_t update = BSON_INITIALIZER;
  bson_t max;
  bson_t opts = BSON_INITIALIZER;
  bson_t reply;
  bson_error_t bson_error;
  bool ok = false;

  if (!mt_mongo_jti_present (jti, error)) {
    goto done;
  }
  BSON_APPEND_UTF8 (&filter, "_id", jti);
  BSON_APPEND_DOCUMENT_BEGIN (&update, "$max", &max);
  BSON_APPEND_DATE_TIME (&max, "expires_at", expires_at_ms);
  bson_append_document_end (&update, &max);
  BSON_APPEND_BOOL (&opts, "upsert", true);
  /* Two revocations of one jti racing: the loser of the upsert gets a duplicate key and
   * simply tries again as an update. */
  for (int attempt = 0; attempt < 2 && !ok; attempt++) {
    ok = mongoc_collection_update_one (mt_mongo_coll (store, MT_MONGO_REVOKED_TOKENS), &filter,
                                       &update, &opts, &reply, &bson_error);
    if (!ok && (attempt == 1 || !mt_mongo_is_duplicate (&bson_error, &reply))) {
      mt_mongo_error (&bson_error, &reply, "revoked_tokens", error);
      bson_destroy (&reply);
      break;
    }
    bson_destroy (&reply);
  }
done:
  bson_destroy (&opts);
  bson_destroy (&update);
  bson_destroy (&filter);
  return ok;
}

static bool
mt_mongo_token_is_revoked (mt_store_t *store, const char *jti, bool *revoked, mt_error_t *error)
{
  bson_t filter = BSON_INITIALIZER;
  bson_t doc;
  bool ok;

  *revoked = false;
  if (!mt_mongo_jti_present (jti, error)) {
    bson_destroy (&filter);
    return false;
  }
  BSON_APPEND_UTF8 (&filter, "_id", jti);
  ok = mt_mongo_find_one (store, MT_MONGO_REVOKED_TOKENS, &filter, true, &doc, revoked, error);
  bson_destroy (&doc);
  bson_destroy (&filter);
  return ok;
}

static bool
mt_mongo_token_purge (mt_store_t *store, int64_t now_ms, mt_error_t *error)
{
  bson_t filter = BSON_INITIALIZER;
  bson_t lt;
  bool ok;

  BSON_APPEND_DOCUMENT_BEGIN (&filter, "expires_at", &lt);
  BSON_APPEND_DATE_TIME (&lt, "$lt", mt_mongo_clamp_date (now_ms));
  bson_append_document_end (&filter, &lt);
  ok = mt_mongo_delete_many (store, MT_MONGO_REVOKED_TOKENS, &filter, NULL, error);
  bson_destroy (&filter);
  return ok;
}

/* ---- Repair ------------------------------------------------------------------------------ */

/* Settles members whose "_pending_account" marker is older than @older_than_ms. */
static bool
mt_mongo_members_repair (mt_store_t *store, int64_t older_than_ms, mt_error_t *error)
{
  bson_t filter = BSON_INITIALIZER;
  bson_t lt;
  bson_t opts = BSON_INITIALIZER;
  mongoc_cursor_t *cursor;
  const bson_t *doc;
  bson_error_t bson_error;
  bool ok = true;

  BSON_APPEND_DOCUMENT_BEGIN (&filter, "_pending_account.at", &lt);
  BSON_APPEND_DATE_TIME (&lt, "$lt", older_than_ms);
  bson_append_document_end (&filter, &lt);
  BSON_APPEND_INT64 (&opts, "limit", 1000);
  cursor = mongoc_collection_find_with_opts (mt_mongo_coll (store, MT_MONGO_MEMBERS), &filter,
                                             &opts, NULL);
  while (ok && mongoc_cursor_next (cursor, &doc)) {
    bson_iter_t iter;
    const char *member_id = mt_mongo_doc_str (doc, "_id");
    const char *account_id = NULL;
    bson_t account_filter = BSON_INITIALIZER;
    bson_t account;
    bool exists = false;
    if (bson_iter_init (&iter, doc) &&
        bson_iter_find_descendant (&iter, "_pending_account.id", &iter) &&
        BSON_ITER_HOLDS_UTF8 (&iter)) {
      account_id = bson_iter_utf8 (&iter, NULL);
    }
    if (!member_id) {
      bson_destroy (&account_filter);
      continue;
    }
    BSON_APPEND_UTF8 (&account_filter, "_id", account_id ? account_id : "");
    ok =
      mt_mongo_find_one (store, MT_MONGO_ACCOUNTS, &account_filter, true, &account, &exists, error);
    if (ok) {
      ok = exists ? mt_mongo_member_settle (store, member_id, error)
                  : (mt_mongo_delete_cas (store, MT_MONGO_MEMBERS, member_id, -1, error) ||
                     (error && error->code == MT_ERR_NOT_FOUND));
    }
    bson_destroy (&account);
    bson_destroy (&account_filter);
  }
  if (ok && mongoc_cursor_error (cursor, &bson_error)) {
    mt_mongo_error (&bson_error, NULL, "members", error);
    ok = false;
  }
  mongoc_cursor_destroy (cursor);
  bson_destroy (&opts);
  bson_destroy (&filter);
  return ok;
}

bool
mt_mongo_repair (mt_store_t *store, int64_t now_ms, mt_error_t *error)
{
  int64_t older_than = now_ms - MT_MONGO_REPAIR_GRACE_MS;

  return mt_mongo_members_repair (store, older_than, error) &&
         mt_mongo_listings_repair (store, older_than, error) &&
         mt_mongo_ledger_repair (store, error);
}

void
mt_mongo_documents_ops (mt_store_ops_t *ops)
{
  ops->network_insert = mt_mongo_network_insert;
  ops->network_get = mt_mongo_network_get;
  ops->network_list = mt_mongo_network_list;
  ops->member_insert = mt_mongo_member_insert;
  ops->member_get = mt_mongo_member_get;
  ops->member_update = mt_mongo_member_update;
  ops->member_list = mt_mongo_member_list;
  ops->account_insert = mt_mongo_account_insert;
  ops->account_get = mt_mongo_account_get;
  ops->account_find_by_email = mt_mongo_account_find_by_email;
  ops->account_update = mt_mongo_account_update;
  ops->account_list_by_member = mt_mongo_account_list_by_member;
  ops->account_count_admins = mt_mongo_account_count_admins;
  ops->account_find_by_calendar_token = mt_mongo_account_find_by_calendar_token;
  ops->token_revoke = mt_mongo_token_revoke;
  ops->token_is_revoked = mt_mongo_token_is_revoked;
  ops->token_purge = mt_mongo_token_purge;
}
