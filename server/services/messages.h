/*
 * messages: the thread of a reservation, between the borrower's accounts, the owner's
 * accounts and administrators. docs/API.md ("Reservations", messages) is the contract.
 *
 * Who: exactly those who see the reservation (mt_reservation_load_visible of
 * reservations.h: borrower, owner, administrator); anyone else gets MT_ERR_NOT_FOUND, the
 * same answer as for a reservation that does not exist. Every status of the reservation
 * accepts messages (a thread may go on after the return).
 *
 * Stored document (store.h messages; immutable):
 *   id ("msg_..."), reservation_id, author_account_id, author_member_id, author_role
 *   ("borrower" | "owner" | "admin": the author's relation to the reservation when writing,
 *   borrower first, then owner), text (1..MT_MESSAGE_TEXT_MAX characters, not only
 *   white space; kept as written), created_at (date).
 * Listed oldest first ("created_at", then "id"), paged by the store's cursor. Ids start with
 * the creation time and a sequence number of the process in sortable characters, so that
 * messages written by one mutuad in the same millisecond keep the order they were written in
 * (messages written at the same millisecond through two instances are truly concurrent).
 */
#ifndef MT_MESSAGES_H
#define MT_MESSAGES_H

#include "mt_error.h"
#include "mt_id.h"
#include "service.h"

#include <bson/bson.h>
#include <stdbool.h>

#define MT_MESSAGE_ID_PREFIX "msg"
#define MT_MESSAGE_TEXT_MAX 4000 /* characters (Unicode code points) */

/* The message as the thread's readers receive it, in @out (initialised here): id,
 * reservation_id, author_account_id, author_member_id, author_role, text, created_at. */
void mt_message_view (const bson_t *message, bson_t *out);

/*
 * Checks @text: valid UTF-8 of 1..MT_MESSAGE_TEXT_MAX code points, not only white space.
 * MT_ERR_VALIDATION with path "/text" otherwise.
 */
bool mt_message_text_check (const char *text, mt_error_t *error);

/*
 * GET /v1/reservations/{id}/messages: one page (@limit: the query parameter as received,
 * NULL for 20; 1..100) from @cursor (NULL for the first page), oldest first, each as
 * mt_message_view gives it. @items (initialised here) is array-shaped; @next_cursor "" on
 * the last page. Errors: MT_ERR_NOT_FOUND (absent or not visible), MT_ERR_BAD_REQUEST (path
 * "limit" or "cursor"), store errors.
 */
bool mt_messages_list (const mt_ctx_t *ctx, const char *reservation_id, const char *cursor,
                       const char *limit, bson_t *items, char next_cursor[MT_STORE_CURSOR_MAX],
                       mt_error_t *error);

/*
 * POST /v1/reservations/{id}/messages with @body (validated message_create.json: {text}).
 * @out (initialised here): the stored message as mt_message_view gives it; @id_out its id.
 * Errors: MT_ERR_UNAUTHENTICATED, MT_ERR_NOT_FOUND, MT_ERR_VALIDATION (path "/text"), store
 * errors.
 */
bool mt_message_post (const mt_ctx_t *ctx, const char *reservation_id, const bson_t *body,
                      bson_t *out, char id_out[MT_ID_SIZE], mt_error_t *error);

#endif
