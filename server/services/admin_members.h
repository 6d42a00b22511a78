/*
 * admin_members: the administrators' review of members. Sign-up leaves a member "pending";
 * an administrator approves it ("active") or suspends it ("suspended", with a reason), and
 * may approve a suspended member again. Every change is compare-and-set on the member's
 * version. Suspension takes effect at once: authentication reads the member's status on
 * every request, so every session of its accounts stops working.
 *
 *   pending   -> active | suspended
 *   active    -> suspended
 *   suspended -> active
 *   deleted   -> (nothing)
 */
#ifndef MT_ADMIN_MEMBERS_H
#define MT_ADMIN_MEMBERS_H

#include "mt_buf.h"
#include "mt_error.h"
#include "service.h"

#include <bson/bson.h>
#include <stdbool.h>

/*
 * GET /v1/admin/members: members with @status (NULL: "pending"; otherwise one of pending,
 * active, suspended, deleted, else MT_ERR_BAD_REQUEST), ordered by name then id.
 * @limit_text: the "limit" query parameter or NULL (mt_list_limit_parse). @page is
 * initialised here. Administrators only (MT_ERR_FORBIDDEN).
 */
bool mt_admin_members_list (const mt_ctx_t *ctx, const char *status, const char *cursor,
                            const char *limit_text, mt_store_page_t *page, mt_error_t *error);

/*
 * POST /v1/admin/members/{id}/approve: pending or suspended -> active (approved_at,
 * approved_by; status_reason cleared). MT_ERR_CONFLICT from another status. @out
 * (initialised here): the updated member.
 */
bool mt_admin_member_approve (const mt_ctx_t *ctx, const char *id, bson_t *out, mt_error_t *error);

/*
 * POST /v1/admin/members/{id}/suspend: pending or active -> suspended (suspended_at,
 * suspended_by, status_reason = @reason). MT_ERR_CONFLICT from another status, for the
 * platform's own member (kind "platform") and for the administrator's own member.
 */
bool mt_admin_member_suspend (const mt_ctx_t *ctx, const char *id, const char *reason, bson_t *out,
                              mt_error_t *error);

#define MT_MEMBERS_EXPORT_MAX ((size_t) 16 * 1024 * 1024) /* bytes of an export */

/*
 * GET /v1/admin/export/members.csv: every member (organisation), ordered by name then id,
 * appended to @out as CSV (csv.h's writer: byte-order mark, ';', CRLF) with the columns id,
 * name, kind, status, departement, commune, networks (network names separated by '|'),
 * contact_email, contact_phone, website, created_at, approved_at, suspended_at, deleted_at.
 * Organisations only: no account (person) appears. A text that would start like a
 * spreadsheet formula gets a "'" in front. Administrators only (MT_ERR_FORBIDDEN).
 */
bool mt_admin_members_export (const mt_ctx_t *ctx, mt_buf_t *out, mt_error_t *error);

#endif
