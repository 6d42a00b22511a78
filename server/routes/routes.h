/*
 * routes: the route table of mutuad (routes.c) and the handlers it names, one file per area
 * (routes_ops.c, routes_auth.c, routes_me.c, routes_members.c, routes_networks.c,
 * routes_admin.c, ...).
 *
 * Handlers decode what the dispatcher has not (query parameters, If-Match), call one
 * service, and encode its result; the rules themselves live in services/.
 */
#ifndef MT_ROUTES_H
#define MT_ROUTES_H

#include "request.h"

extern const mt_route_t mt_routes[];
extern const size_t mt_route_count;

/* Creates a resource with the service @create, honouring the Idempotency-Key: 201 with
 * Location "<collection>/<id>" and ETag, or the problem (routes_idempotent.c). */
typedef bool (*mt_route_create_fn) (const mt_ctx_t *ctx, const bson_t *body, bson_t *out,
                                    char id_out[MT_ID_SIZE], mt_error_t *error);
void mt_route_idempotent_create (mt_request_t *r, const char *collection,
                                 mt_route_create_fn create);

/* A unit of writes around one service call (routes_unit.c): begin, call the service, commit
 * whatever it wrote (success or refusal), then answer. Both answer the problem themselves
 * and return false when they fail (a failed commit is 503 with Retry-After: nothing was
 * written). */
bool mt_route_unit_begin (mt_request_t *r);
bool mt_route_unit_commit (mt_request_t *r);

/* ops (routes_ops.c) */
void mt_route_healthz (mt_request_t *r);
void mt_route_readyz (mt_request_t *r);
void mt_route_metrics (mt_request_t *r);
void mt_route_openapi (mt_request_t *r);
void mt_route_schema_get (mt_request_t *r);

/* auth (routes_auth.c) */
void mt_route_auth_signup (mt_request_t *r);
void mt_route_auth_login (mt_request_t *r);
void mt_route_auth_logout (mt_request_t *r);
void mt_route_auth_password (mt_request_t *r);
void mt_route_auth_invitation_accept (mt_request_t *r);

/* me (routes_me.c) */
void mt_route_me_get (mt_request_t *r);
void mt_route_me_patch (mt_request_t *r);
void mt_route_me_export (mt_request_t *r);
void mt_route_me_delete (mt_request_t *r);

/* members (routes_members.c) */
void mt_route_members_list (mt_request_t *r);
void mt_route_member_get (mt_request_t *r);
void mt_route_member_patch (mt_request_t *r);
void mt_route_member_invite (mt_request_t *r);
void mt_route_member_remove_account (mt_request_t *r);

/* networks (routes_networks.c) */
void mt_route_networks_list (mt_request_t *r);
void mt_route_networks_create (mt_request_t *r);

/* admin (routes_admin.c) */
void mt_route_admin_members_list (mt_request_t *r);
void mt_route_admin_export_members (mt_request_t *r);
void mt_route_admin_member_approve (mt_request_t *r);
void mt_route_admin_member_suspend (mt_request_t *r);

/* listings (routes_listings.c) */
void mt_route_categories_list (mt_request_t *r);
void mt_route_listings_search (mt_request_t *r);
void mt_route_listings_create (mt_request_t *r);
void mt_route_listing_get (mt_request_t *r);
void mt_route_listing_patch (mt_request_t *r);
void mt_route_listing_delete (mt_request_t *r);
void mt_route_listing_availability (mt_request_t *r);

/* photos (routes_photos.c) */
void mt_route_listing_photo_upload (mt_request_t *r);
void mt_route_listing_photo_delete (mt_request_t *r);
void mt_route_photo_get (mt_request_t *r);

/* CSV import and export of listings (routes_listings_csv.c) */
void mt_route_admin_import_listings (mt_request_t *r);
void mt_route_admin_export_listings (mt_request_t *r);

/* reservations (routes_reservations.c) */
void mt_route_reservations_create (mt_request_t *r);
void mt_route_reservations_list (mt_request_t *r);
void mt_route_reservation_get (mt_request_t *r);
void mt_route_reservation_approve (mt_request_t *r);
void mt_route_reservation_decline (mt_request_t *r);
void mt_route_reservation_cancel (mt_request_t *r);
void mt_route_reservation_checkout (mt_request_t *r);
void mt_route_reservation_return (mt_request_t *r);

/* messages (routes_messages.c) */
void mt_route_reservation_messages_list (mt_request_t *r);
void mt_route_reservation_messages_post (mt_request_t *r);

/* loans administration and notifications (routes_loans_admin.c) */
void mt_route_admin_reviews (mt_request_t *r);
void mt_route_admin_reservation_review (mt_request_t *r);
void mt_route_admin_audit (mt_request_t *r);
void mt_route_admin_export_loans (mt_request_t *r);
void mt_route_me_notifications (mt_request_t *r);

/* calendars (routes_calendars.c) */
void mt_route_listing_calendar_ics (mt_request_t *r);
void mt_route_me_calendar_url_get (mt_request_t *r);
void mt_route_me_calendar_url_delete (mt_request_t *r);
void mt_route_calendar_feed (mt_request_t *r);

/* service bookings (routes_bookings.c) */
void mt_route_bookings_create (mt_request_t *r);
void mt_route_bookings_list (mt_request_t *r);
void mt_route_booking_get (mt_request_t *r);
void mt_route_booking_accept (mt_request_t *r);
void mt_route_booking_decline (mt_request_t *r);
void mt_route_booking_cancel (mt_request_t *r);
void mt_route_booking_complete (mt_request_t *r);
void mt_route_booking_confirm (mt_request_t *r);

/* needs (routes_needs.c) */
void mt_route_needs_create (mt_request_t *r);
void mt_route_needs_search (mt_request_t *r);
void mt_route_need_get (mt_request_t *r);
void mt_route_need_answer (mt_request_t *r);
void mt_route_need_close (mt_request_t *r);

/* credits (routes_credits.c) */
void mt_route_me_ledger (mt_request_t *r);
void mt_route_admin_ledger_grant (mt_request_t *r);
void mt_route_admin_ledger_reverse (mt_request_t *r);

/* notifications and webhooks (routes_webhooks.c) */
void mt_route_me_notification_read (mt_request_t *r);
void mt_route_admin_webhooks_list (mt_request_t *r);
void mt_route_admin_webhooks_create (mt_request_t *r);
void mt_route_admin_webhook_delete (mt_request_t *r);
void mt_route_admin_webhook_deliveries (mt_request_t *r);

/* the web app's static files (routes_web.c) */
void mt_route_web_index (mt_request_t *r);
void mt_route_web_admin (mt_request_t *r);
void mt_route_web_asset (mt_request_t *r);

/* statistics (routes_stats.c) */
void mt_route_admin_stats (mt_request_t *r);

#endif
