/*
 * loans_admin: the administrators' side of loans (docs/API.md, "Administration of loans"):
 * the review queue, the review of a returned loan, the audit log and the CSV export of every
 * reservation. The rules of a change are reservations.h's (mt_reservation_apply); this file
 * decides what an administrator sees and may decide.
 *
 * Review queue (GET /v1/admin/reviews), in this order, each group newest first:
 *   "overdue"           checked out and now >= end (since: end)
 *   "incident"          returned with an incident (since: returned_at)
 *   "follow_up"         returned, kept open by an administrator's follow-up (since: returned_at)
 *   "returned"          returned, awaiting review or the automatic closing (since: returned_at)
 *   "pending_too_long"  requested for longer than review_pending_hours (since: created_at)
 * Each item: {"reason", "since", "reservation"} (the reservation as mt_reservation_view gives
 * it). The cursor is this module's ("<group>:<store cursor>").
 *
 * Review (POST /v1/admin/reservations/{id}/review, body reservation_review.json):
 *   "close"      returned -> closed (history reason "close: <note>", closed_at, closed_by);
 *   "follow_up"  stays returned; the review is recorded in the document and in the audit log
 *                (entry "<id>:follow-up:<review.at ms>", returned -> returned, reason
 *                "follow_up: <note>"); the automatic closing leaves it alone from then on.
 *   Both set review {at, by, decision, note} by one compare-and-set.
 */
#ifndef MT_LOANS_ADMIN_H
#define MT_LOANS_ADMIN_H

#include "mt_buf.h"
#include "mt_error.h"
#include "service.h"
#include "store.h"

#include <bson/bson.h>
#include <stdbool.h>
#include <stdint.h>

#define MT_LOANS_CURSOR_MAX (MT_STORE_CURSOR_MAX + 8)
#define MT_LOANS_EXPORT_MAX ((size_t) 64 * 1024 * 1024) /* bytes of an export */
#define MT_LOANS_REVIEW_ATTEMPTS 3 /* compare-and-set attempts of a review without If-Match */

/*
 * GET /v1/admin/reviews: one page of the review queue. @cursor: NULL or a previous
 * next_cursor (anything else: MT_ERR_BAD_REQUEST, path "cursor"); @limit_text: the "limit"
 * parameter (mt_list_limit_parse). @items (initialised here) is array-shaped;
 * @next_cursor is "" on the last page. Administrators only (MT_ERR_FORBIDDEN).
 */
bool mt_loans_reviews (const mt_ctx_t *ctx, const char *cursor, const char *limit_text,
                       bson_t *items, char next_cursor[MT_LOANS_CURSOR_MAX], mt_error_t *error);

/*
 * POST /v1/admin/reservations/{id}/review with @body (validated reservation_review.json).
 * @if_match (may be NULL): when given, the review applies only to that version
 * (MT_ERR_PRECONDITION_FAILED otherwise, and when another change wins meanwhile); without it a
 * lost compare-and-set is decided again on the new state, up to MT_LOANS_REVIEW_ATTEMPTS
 * times (then MT_ERR_STALE). Errors: MT_ERR_FORBIDDEN (not an administrator),
 * MT_ERR_NOT_FOUND, MT_ERR_CONFLICT (not "returned"). @out (initialised here): the reservation
 * after the review, as mt_reservation_view gives it (with "version").
 */
bool mt_loans_review (const mt_ctx_t *ctx, const char *id, const bson_t *body, const char *if_match,
                      bson_t *out, mt_error_t *error);

/*
 * GET /v1/admin/audit: audit entries, newest first, optionally of one @entity_id (NULL or
 * "": all). @page initialised here. Administrators only.
 */
bool mt_loans_audit (const mt_ctx_t *ctx, const char *entity_id, const char *cursor,
                     const char *limit_text, mt_store_page_t *page, mt_error_t *error);

/*
 * GET /v1/admin/export/loans.csv: every reservation, most recent first, appended to @out as
 * CSV (csv.h's writer: byte-order mark, ';', CRLF), with the columns id, listing_id,
 * listing_title, owner_member_id, owner_name, borrower_member_id, borrower_name, units, start,
 * end, status, overdue, created_at, approved_at, checked_out_at, returned_at, closed_at,
 * incident_type, incident_text, review_decision, review_note. Dates are RFC 3339 UTC; a text
 * that would start like a spreadsheet formula gets a "'" in front. @out's maximum applies
 * (MT_ERR_INTERNAL beyond it). Administrators only.
 */
bool mt_loans_export (const mt_ctx_t *ctx, mt_buf_t *out, mt_error_t *error);

/*
 * Records the audit entry of @reservation's "follow_up" review, if it has one
 * ("<id>:follow-up:<review.at ms>"); nothing to do otherwise. Idempotent (an entry already
 * stored is success). Used by the review and by reconciliation.
 */
bool mt_loans_record_follow_up (mt_store_t *store, const bson_t *reservation, mt_error_t *error);

/* The audit id of @reservation's follow-up review into @out; false when it has none (or
 * @size is too small). */
bool mt_loans_follow_up_audit_id (const bson_t *reservation, char *out, size_t size);

#endif
