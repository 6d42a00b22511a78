/*
 * routes: the one table of every endpoint of mutuad: {method, path pattern, handler, auth,
 * body schema, body limit}. schemas/openapi.json describes the same endpoints; a test keeps
 * the two in step.
 */
#include "routes.h"

#define ROUTE(method, pattern, handler, auth, schema, summary)                                     \
  {                                                                                                \
    method, pattern, handler, auth, schema, 0, summary                                             \
  }
/* A route whose body is not JSON (uploads, CSV) and may be up to @limit bytes. */
#define ROUTE_RAW(method, pattern, handler, auth, limit, summary)                                  \
  {                                                                                                \
    method, pattern, handler, auth, NULL, limit, summary                                           \
  }

#define MT_PHOTO_MAX_BYTES (5 * 1024 * 1024)
#define MT_IMPORT_MAX_BYTES (16 * 1024 * 1024)

const mt_route_t mt_routes[] = {
  /* ops */
  ROUTE ("GET", "/healthz", mt_route_healthz, MT_AUTH_NONE, NULL, "liveness"),
  ROUTE ("GET", "/readyz", mt_route_readyz, MT_AUTH_NONE, NULL, "readiness (store reachable)"),
  ROUTE ("GET", "/metrics", mt_route_metrics, MT_AUTH_NONE, NULL, "Prometheus metrics"),
  ROUTE ("GET", "/v1/openapi.json", mt_route_openapi, MT_AUTH_NONE, NULL, "OpenAPI description"),
  ROUTE ("GET", "/v1/schemas/{name}", mt_route_schema_get, MT_AUTH_NONE, NULL,
         "a JSON Schema of schemas/"),

  /* auth */
  ROUTE ("POST", "/v1/auth/signup", mt_route_auth_signup, MT_AUTH_NONE, "signup.json",
         "create a pending member and its first manager"),
  ROUTE ("POST", "/v1/auth/login", mt_route_auth_login, MT_AUTH_NONE, "login.json",
         "sign in: token and session cookie"),
  ROUTE ("POST", "/v1/auth/logout", mt_route_auth_logout, MT_AUTH_ACCOUNT, NULL,
         "sign out: revoke the token"),
  ROUTE ("POST", "/v1/auth/password", mt_route_auth_password, MT_AUTH_ACCOUNT,
         "password_change.json", "change one's password (revokes other sessions)"),
  ROUTE ("POST", "/v1/auth/invitations/accept", mt_route_auth_invitation_accept, MT_AUTH_NONE,
         "invitation_accept.json", "accept an invitation and choose a password"),

  /* me */
  ROUTE ("GET", "/v1/me", mt_route_me_get, MT_AUTH_ACCOUNT, NULL, "one's account and member"),
  ROUTE ("PATCH", "/v1/me", mt_route_me_patch, MT_AUTH_ACCOUNT, "me_patch.json",
         "update one's account"),
  ROUTE ("GET", "/v1/me/export", mt_route_me_export, MT_AUTH_ACCOUNT, NULL,
         "export one's data (JSON)"),
  ROUTE ("DELETE", "/v1/me", mt_route_me_delete, MT_AUTH_ACCOUNT, NULL,
         "delete one's account (anonymised)"),

  /* members */
  ROUTE ("GET", "/v1/members", mt_route_members_list, MT_AUTH_MEMBER, NULL,
         "directory of the members of one's networks"),
  ROUTE ("GET", "/v1/members/{id}", mt_route_member_get, MT_AUTH_ACCOUNT, NULL, "a member"),
  ROUTE ("PATCH", "/v1/members/{id}", mt_route_member_patch, MT_AUTH_ACCOUNT, "member_patch.json",
         "update a member (its managers)"),
  ROUTE ("POST", "/v1/members/{id}/accounts", mt_route_member_invite, MT_AUTH_ACCOUNT,
         "invitation_create.json", "invite a colleague (managers)"),
  ROUTE ("DELETE", "/v1/members/{id}/accounts/{aid}", mt_route_member_remove_account,
         MT_AUTH_ACCOUNT, NULL, "remove a colleague (managers)"),

  /* networks */
  ROUTE ("GET", "/v1/networks", mt_route_networks_list, MT_AUTH_NONE, NULL, "the networks"),
  ROUTE ("POST", "/v1/networks", mt_route_networks_create, MT_AUTH_ADMIN, "network_create.json",
         "create a network (admins)"),

  /* admin */
  ROUTE ("GET", "/v1/admin/members", mt_route_admin_members_list, MT_AUTH_ADMIN, NULL,
         "members by status (admins)"),
  ROUTE ("GET", "/v1/admin/export/members.csv", mt_route_admin_export_members, MT_AUTH_ADMIN, NULL,
         "export members (organisations) as CSV (admins)"),
  ROUTE ("POST", "/v1/admin/members/{id}/approve", mt_route_admin_member_approve, MT_AUTH_ADMIN,
         NULL, "approve a member (admins)"),
  ROUTE ("POST", "/v1/admin/members/{id}/suspend", mt_route_admin_member_suspend, MT_AUTH_ADMIN,
         "member_suspend.json", "suspend a member (admins)"),

  /* listings */
  ROUTE ("GET", "/v1/categories", mt_route_categories_list, MT_AUTH_NONE, NULL,
         "categories of goods and services"),
  ROUTE ("GET", "/v1/listings", mt_route_listings_search, MT_AUTH_OPTIONAL, NULL,
         "search listings"),
  ROUTE ("POST", "/v1/listings", mt_route_listings_create, MT_AUTH_MEMBER, "listing_create.json",
         "publish a good or a service"),
  ROUTE ("GET", "/v1/listings/{id}", mt_route_listing_get, MT_AUTH_OPTIONAL, NULL, "a listing"),
  ROUTE ("PATCH", "/v1/listings/{id}", mt_route_listing_patch, MT_AUTH_MEMBER, "listing_patch.json",
         "update a listing (If-Match required)"),
  ROUTE ("DELETE", "/v1/listings/{id}", mt_route_listing_delete, MT_AUTH_MEMBER, NULL,
         "delete (or archive) a listing"),
  ROUTE ("GET", "/v1/listings/{id}/availability", mt_route_listing_availability, MT_AUTH_OPTIONAL,
         NULL, "busy periods and free units over a range"),
  ROUTE_RAW ("POST", "/v1/listings/{id}/photos", mt_route_listing_photo_upload, MT_AUTH_MEMBER,
             MT_PHOTO_MAX_BYTES, "add a photo (JPEG, PNG, WebP)"),
  ROUTE ("DELETE", "/v1/listings/{id}/photos/{photo_id}", mt_route_listing_photo_delete,
         MT_AUTH_MEMBER, NULL, "remove a photo"),
  ROUTE ("GET", "/v1/photos/{id}", mt_route_photo_get, MT_AUTH_OPTIONAL, NULL, "a photo"),
  ROUTE_RAW ("POST", "/v1/admin/import/listings", mt_route_admin_import_listings, MT_AUTH_ADMIN,
             MT_IMPORT_MAX_BYTES, "import listings from CSV (admins)"),
  ROUTE ("GET", "/v1/admin/export/listings.csv", mt_route_admin_export_listings, MT_AUTH_ADMIN,
         NULL, "export listings as CSV (admins)"),

  /* reservations (rows added with their handlers) */
  ROUTE ("POST", "/v1/reservations", mt_route_reservations_create, MT_AUTH_MEMBER,
         "reservation_create.json", "reserve a good (Idempotency-Key honoured)"),
  ROUTE ("GET", "/v1/reservations", mt_route_reservations_list, MT_AUTH_MEMBER, NULL,
         "one's reservations, as borrower or lender"),
  ROUTE ("GET", "/v1/reservations/{id}", mt_route_reservation_get, MT_AUTH_MEMBER, NULL,
         "a reservation"),
  ROUTE ("POST", "/v1/reservations/{id}/approve", mt_route_reservation_approve, MT_AUTH_MEMBER,
         "reservation_approve.json", "approve a request (owner)"),
  ROUTE ("POST", "/v1/reservations/{id}/decline", mt_route_reservation_decline, MT_AUTH_MEMBER,
         "reservation_decline.json", "decline a request (owner)"),
  ROUTE ("POST", "/v1/reservations/{id}/cancel", mt_route_reservation_cancel, MT_AUTH_MEMBER,
         "reservation_cancel.json", "cancel (borrower or owner, with a reason)"),
  ROUTE ("POST", "/v1/reservations/{id}/checkout", mt_route_reservation_checkout, MT_AUTH_MEMBER,
         "reservation_checkout.json", "hand the good over (owner)"),
  ROUTE ("POST", "/v1/reservations/{id}/return", mt_route_reservation_return, MT_AUTH_MEMBER,
         "reservation_return.json", "get the good back, with an incident if any (owner)"),

  /* reservation messages */
  ROUTE ("GET", "/v1/reservations/{id}/messages", mt_route_reservation_messages_list,
         MT_AUTH_MEMBER, NULL, "the reservation's messages"),
  ROUTE ("POST", "/v1/reservations/{id}/messages", mt_route_reservation_messages_post,
         MT_AUTH_MEMBER, "message_create.json", "write in the reservation's thread"),

  /* loans administration and notifications */
  ROUTE ("GET", "/v1/admin/reviews", mt_route_admin_reviews, MT_AUTH_ADMIN, NULL,
         "loans needing an administrator"),
  ROUTE ("POST", "/v1/admin/reservations/{id}/review", mt_route_admin_reservation_review,
         MT_AUTH_ADMIN, "reservation_review.json", "review a returned loan (admins)"),
  ROUTE ("GET", "/v1/admin/audit", mt_route_admin_audit, MT_AUTH_ADMIN, NULL, "the audit log"),
  ROUTE ("GET", "/v1/admin/export/loans.csv", mt_route_admin_export_loans, MT_AUTH_ADMIN, NULL,
         "export loans as CSV (admins)"),
  ROUTE ("GET", "/v1/me/notifications", mt_route_me_notifications, MT_AUTH_ACCOUNT, NULL,
         "one's notifications"),

  /* calendars */
  ROUTE ("GET", "/v1/listings/{id}/calendar.ics", mt_route_listing_calendar_ics, MT_AUTH_OPTIONAL,
         NULL, "busy periods of a listing (iCalendar)"),
  ROUTE ("GET", "/v1/me/calendar-url", mt_route_me_calendar_url_get, MT_AUTH_ACCOUNT, NULL,
         "the secret address of one's calendar"),
  ROUTE ("DELETE", "/v1/me/calendar-url", mt_route_me_calendar_url_delete, MT_AUTH_ACCOUNT, NULL,
         "revoke the secret calendar address"),
  ROUTE ("GET", "/v1/calendars/{token}", mt_route_calendar_feed, MT_AUTH_NONE, NULL,
         "one's reservations (iCalendar, by secret address)"),

  /* service bookings (rows added with their handlers) */
  ROUTE ("POST", "/v1/bookings", mt_route_bookings_create, MT_AUTH_MEMBER, "booking_create.json",
         "book a service (Idempotency-Key honoured)"),
  ROUTE ("GET", "/v1/bookings", mt_route_bookings_list, MT_AUTH_MEMBER, NULL,
         "one's service bookings, as requester or provider"),
  ROUTE ("GET", "/v1/bookings/{id}", mt_route_booking_get, MT_AUTH_MEMBER, NULL,
         "a service booking"),
  ROUTE ("POST", "/v1/bookings/{id}/accept", mt_route_booking_accept, MT_AUTH_MEMBER,
         "booking.json#/$defs/empty", "accept a service request (provider)"),
  ROUTE ("POST", "/v1/bookings/{id}/decline", mt_route_booking_decline, MT_AUTH_MEMBER,
         "booking_decline.json", "decline a service request (provider)"),
  ROUTE ("POST", "/v1/bookings/{id}/cancel", mt_route_booking_cancel, MT_AUTH_MEMBER,
         "booking_cancel.json", "cancel (requester or provider, with a reason)"),
  ROUTE ("POST", "/v1/bookings/{id}/complete", mt_route_booking_complete, MT_AUTH_MEMBER,
         "booking_complete.json", "mark the service done, with the hours given (provider)"),
  ROUTE ("POST", "/v1/bookings/{id}/confirm", mt_route_booking_confirm, MT_AUTH_MEMBER,
         "booking.json#/$defs/empty", "confirm the service, which pays the provider (requester)"),

  /* needs (rows added with their handlers) */
  ROUTE ("POST", "/v1/needs", mt_route_needs_create, MT_AUTH_MEMBER, "need_create.json",
         "post a need"),
  ROUTE ("GET", "/v1/needs", mt_route_needs_search, MT_AUTH_OPTIONAL, NULL, "search needs"),
  ROUTE ("GET", "/v1/needs/{id}", mt_route_need_get, MT_AUTH_OPTIONAL, NULL,
         "a need, with the answers one may see"),
  ROUTE ("POST", "/v1/needs/{id}/answers", mt_route_need_answer, MT_AUTH_MEMBER, "need_answer.json",
         "answer a need with a listing or a message"),
  ROUTE ("POST", "/v1/needs/{id}/close", mt_route_need_close, MT_AUTH_MEMBER, "need_close.json",
         "close a need (author or admins)"),

  /* credits (rows added with their handlers) */
  ROUTE ("GET", "/v1/me/ledger", mt_route_me_ledger, MT_AUTH_ACCOUNT, NULL,
         "one's balance and statement"),
  ROUTE ("POST", "/v1/admin/ledger/grants", mt_route_admin_ledger_grant, MT_AUTH_ADMIN,
         "ledger_grant.json", "grant credits (admins)"),
  ROUTE ("POST", "/v1/admin/ledger/entries/{id}/reverse", mt_route_admin_ledger_reverse,
         MT_AUTH_ADMIN, "ledger_reverse.json", "reverse an entry (admins)"),

  /* notifications and webhooks (rows added with their handlers) */
  ROUTE ("POST", "/v1/me/notifications/{id}/read", mt_route_me_notification_read, MT_AUTH_ACCOUNT,
         NULL, "mark one's notification read"),
  ROUTE ("GET", "/v1/admin/webhooks", mt_route_admin_webhooks_list, MT_AUTH_ADMIN, NULL,
         "the webhooks, without their secrets (admins)"),
  ROUTE ("POST", "/v1/admin/webhooks", mt_route_admin_webhooks_create, MT_AUTH_ADMIN,
         "webhook_create.json", "add a webhook; its signing secret is shown once (admins)"),
  ROUTE ("DELETE", "/v1/admin/webhooks/{id}", mt_route_admin_webhook_delete, MT_AUTH_ADMIN, NULL,
         "remove a webhook (admins)"),
  ROUTE ("GET", "/v1/admin/webhooks/{id}/deliveries", mt_route_admin_webhook_deliveries,
         MT_AUTH_ADMIN, NULL, "a webhook's delivery log (admins)"),

  /* the web app (clients/web, embedded): pages and their assets */
  ROUTE ("GET", "/", mt_route_web_index, MT_AUTH_NONE, NULL, "the members' web app"),
  ROUTE ("GET", "/admin", mt_route_web_admin, MT_AUTH_NONE, NULL, "the administration console"),
  ROUTE ("GET", "/assets/{file}", mt_route_web_asset, MT_AUTH_NONE, NULL, "a file of the web app"),
  ROUTE ("GET", "/assets/{dir}/{file}", mt_route_web_asset, MT_AUTH_NONE, NULL,
         "a file of the web app"),
  ROUTE ("GET", "/assets/{dir}/{sub}/{file}", mt_route_web_asset, MT_AUTH_NONE, NULL,
         "a file of the web app"),

  /* statistics (rows added with their handlers) */
  ROUTE ("GET", "/v1/admin/stats", mt_route_admin_stats, MT_AUTH_ADMIN, NULL,
         "statistics and impact estimate (admins)"),
};

const size_t mt_route_count = sizeof mt_routes / sizeof mt_routes[0];
