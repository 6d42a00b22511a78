/*
 * demo: the demonstration data set loaded by `mutuad --demo`: the Apes and MRES networks of
 * Hauts-de-France, a dozen organisations across the départements with their managers and
 * staff, their catalogue of goods and services, loans between them in every state, service
 * bookings, needs with their answers, and a credits ledger with history (see "Service
 * bookings, needs and credits" below). The data lives in tables (demo_data.h, and
 * mt_demo_listings, mt_demo_reservations, mt_demo_messages, mt_demo_bookings and
 * mt_demo_needs below, all filled in demo_data.c) with stable
 * keys: networks by slug ("apes", "mres"), organisations by a short key ("velo-lille"),
 * people by e-mail, listings by "<organisation key>/<slug>" ("velo-lille/cargo-bakfiets"),
 * reservations by "<borrower organisation key>/<slug>" ("jardin-laon/fete-des-jardins").
 *
 * Loading is idempotent and resumable: a network whose slug exists is reused; an organisation
 * one of whose demo e-mails exists is considered present (its member is found through that
 * account) and only its missing demo accounts are added; a complete demo is left as it is,
 * without hashing anything. Every demo account has the password MT_DEMO_PASSWORD, hashed once
 * per load. A demo account that was deleted (e-mail erased) comes back at the next load.
 *
 * Listings are built by the listings service exactly as POST /v1/listings builds them: each
 * row becomes a listing_create.json body, validated against that schema (from
 * ctx->env->schemas, which must hold it: MT_ERR_INTERNAL otherwise), then mt_listing_build
 * (category of the right kind, defaults, blackouts as dates), created by the account of the
 * row's author. A listing carries no demo marker (the schema forbids unknown fields): a demo
 * listing is recognised by its owner and its title, which are unique within the demo. So a
 * stored listing of the demo organisation whose title is the row's title is that row's
 * listing, whatever its status or other fields (members may edit, pause or archive it; it is
 * never touched again); a demo listing deleted or renamed comes back at the next load.
 * Listings of an organisation absent from the store are not created; all missing listings
 * are stored at once (listing_insert_many), so a failed load stores none of them.
 * Dates: a listing is dated "age_days" before the load (created_at = published_at =
 * updated_at); blackouts start and end at midnight UTC, whole days after the load date.
 * They are computed once, at creation: later loads change nothing, so a demo stays
 * deterministic for a given load instant.
 *
 * Reservations (mt_demo_reservations): loans between demo organisations in every state
 * (requested, approved, declined, cancelled, expired, checked_out with one overdue, returned
 * with and without an incident, closed), each known by a stable key "<borrower
 * organisation>/<slug>". They are made THROUGH THE RESERVATIONS SERVICE, never written to the
 * store by hand, so that every rule holds and calendars, history and audit agree:
 *   - the request is mt_reservation_create with a body validated against
 *     reservation_create.json, by a context whose principal is the requesting demo account
 *     (its account and member read from the store, as mt_auth_authenticate builds them);
 *   - owner steps (approve, decline, checkout, return) and cancellations are
 *     mt_reservation_act as the acting demo account (owner's, or borrower's for a cancel),
 *     bodies validated against reservation_<action>.json;
 *   - the timers' steps are made as the timers make them (sweeps.c): expire (actor "system",
 *     reason "no_answer", expired_at) with the "expired" notification, the overdue flag with
 *     the "overdue" notification, close (reason "no_incident", closed_at, closed_by
 *     "system"), each through mt_reservation_apply;
 *   - the thread's messages (mt_demo_messages) are mt_message_post as their authors.
 * Dating: loans lie in the past, which the creation rules (min notice, start in the future)
 * would refuse at the load instant. Each step therefore runs with ctx->now_ms set to the
 * instant it happened, in the past: the request at "day"/"hour" of its row, then every step
 * at its own instant, never earlier than the previous one, so the rules are checked against
 * the time they applied at (notice, horizon, duration, calendar, limits) and every date
 * (created_at, history "at", approved_at, checkout.at, audit "at", calendar entry
 * created_at, message created_at) is when it happened. Days count from midnight UTC of the
 * load day (start and end are whole days; steps carry an hour, UTC); every user step is on a
 * day before the load day, so never after the load instant. A timers' step happens
 * MT_DEMO_TIMER_DELAY_MS after it fell due (expires_at, end, returned_at +
 * close_after_days); one that would fall after the load instant (a configuration with a
 * longer close_after_days, say) is left to the timers of mutuad. Reminders are not simulated.
 * Idempotency: the reservations are made only when NONE of the listings they use holds any
 * reservation (store reservation_count of each), all in the same load; otherwise (an earlier
 * load made them, or members reserved those goods meanwhile) none is added, and a deleted
 * demo reservation does not come back. A stored demo reservation is recognised by its
 * listing, its borrower member and its message, which is unique within the demo
 * (mt_demo_reservation_id).
 * Refusals: on a store changed since an earlier load (a listing paused or edited, an
 * organisation suspended, other settings), a rule of the service may refuse a row; the row
 * is then skipped, or left in the state reached, with a warning (result->reservations_skipped)
 * and the load goes on. Store failures stop the load.
 */
#ifndef MT_DEMO_H
#define MT_DEMO_H

#include "demo_data.h"
#include "mt_error.h"
#include "mt_id.h"
#include "service.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Password of every demo account (the demo is for trying mutua, never for production). */
#define MT_DEMO_PASSWORD "demo-mutua-2026"

/* Bounds of a row of mt_demo_listings (lists end at the first NULL or empty entry). */
#define MT_DEMO_TAGS_MAX 6
#define MT_DEMO_BLACKOUTS_MAX 3
#define MT_DEMO_LANGUAGES_MAX 3

/* A period when a good cannot be lent: [load day + start_day, load day + end_day), whole
 * days from midnight UTC of the load date. A row's list ends at the first end_day of 0. */
typedef struct {
  int start_day;
  int end_day;
  const char *reason; /* may be NULL */
} mt_demo_blackout_t;

/*
 * One listing of the demo. Fields left at 0 / NULL are left out of the body, so that the
 * service's defaults apply (quantity 1, loan rules 14 days / 24 h / 0 h / 180 days, manual
 * approval, languages ["fr"]). Territory: always the organisation's (departement, commune,
 * coordinates of demo_data.h).
 */
typedef struct {
  const char *key;         /* "<organisation key>/<slug>", stable */
  const char *kind;        /* "good" | "service" */
  const char *title;       /* unique within the demo */
  const char *description; /* French, as a member would write it */
  const char *category;    /* slug of categories.h matching kind */
  const char *tags[MT_DEMO_TAGS_MAX];
  const char *visibility; /* "networks" | "public" */
  const char *status;     /* "draft" | "published" | "paused" | "archived" */
  int age_days;           /* created this many days before the load */
  int author;             /* index in the organisation's people: who created it */
  /* Goods. */
  int quantity;
  const char *condition; /* "new" | "good" | "fair" | "worn" | NULL */
  int64_t replacement_value_cents;
  int64_t deposit_cents;
  int max_days, min_notice_hours, buffer_hours, horizon_days; /* loan rules */
  const char *approval;                                       /* "manual" | "auto" | NULL */
  const char *pickup_address;                                 /* NULL: no pickup */
  const char *pickup_instructions;                            /* may be NULL */
  mt_demo_blackout_t blackouts[MT_DEMO_BLACKOUTS_MAX];
  int credit_price_per_day;
  /* Services. */
  const char *format; /* "on_site" | "remote" | "both" */
  int duration_minutes;
  int credit_rate_per_hour;
  const char *languages[MT_DEMO_LANGUAGES_MAX];
} mt_demo_listing_t;

/* Delay between a change falling due and the timers making it (their default interval). */
#define MT_DEMO_TIMER_DELAY_MS INT64_C (60000)

/* Bound of the steps of one demo reservation (the list ends at the first MT_DEMO_STEP_END). */
#define MT_DEMO_STEPS_MAX 4

typedef enum {
  MT_DEMO_STEP_END = 0,  /* no more steps */
  MT_DEMO_STEP_APPROVE,  /* owner's person; text: the note (may be NULL) */
  MT_DEMO_STEP_DECLINE,  /* owner's person; text: the reason (may be NULL) */
  MT_DEMO_STEP_CANCEL,   /* owner's or borrower's person (by_borrower); text: the reason */
  MT_DEMO_STEP_CHECKOUT, /* owner's person; text: the condition note */
  MT_DEMO_STEP_RETURN,   /* owner's person; text: the condition note; incident_* if any */
  MT_DEMO_STEP_EXPIRE,   /* timers, at expires_at + MT_DEMO_TIMER_DELAY_MS */
  MT_DEMO_STEP_OVERDUE,  /* timers, at end + MT_DEMO_TIMER_DELAY_MS */
  MT_DEMO_STEP_CLOSE,    /* timers, at returned_at + close_after_days + MT_DEMO_TIMER_DELAY_MS */
} mt_demo_step_kind_t;

/* One change of a demo reservation after its request. */
typedef struct {
  mt_demo_step_kind_t kind;
  int day, hour;    /* user steps: when (days from midnight UTC of the load day, hour UTC) */
  int person;       /* user steps: index in the acting organisation's people */
  bool by_borrower; /* cancel: the borrower's person acts (otherwise the owner's) */
  const char *text; /* note, reason or condition note, as the step says */
  const char *incident_type; /* return: "damage" | "missing_part" | "loss", or NULL */
  const char *incident_text; /* return with an incident */
} mt_demo_step_t;

/* One reservation of the demo (see the header comment). */
typedef struct {
  const char *key;        /* "<borrower organisation key>/<slug>", stable */
  const char *listing;    /* key of its good in mt_demo_listings */
  const char *borrower;   /* key of the borrowing organisation (never the owner) */
  int requester;          /* index in the borrower's people: who asks */
  int day, hour;          /* when it is asked (days from midnight UTC of the load day, hour UTC) */
  int start_day, end_day; /* [start, end): midnight UTC of those days after the load day */
  int units;              /* 0: left out of the body (1) */
  const char *message;    /* French, unique within the demo */
  mt_demo_step_t steps[MT_DEMO_STEPS_MAX];
  const char *status; /* the status its steps lead to */
} mt_demo_reservation_t;

/* One message of a demo reservation's thread, written by a person of the borrower or of the
 * owner, at a day and hour after the request (and before the load day). */
typedef struct {
  const char *reservation; /* key in mt_demo_reservations */
  int day, hour, minute;
  bool by_borrower; /* the author is of the borrower (otherwise of the owner) */
  int person;       /* index in that organisation's people */
  const char *text;
} mt_demo_message_t;

extern const mt_demo_listing_t mt_demo_listings[];
extern const size_t mt_demo_listing_count;

/* The listing row whose key is @key, or NULL. */
const mt_demo_listing_t *mt_demo_listing_find (const char *key);

/* The organisation owning @listing (the part of its key before '/'), or NULL. */
const mt_demo_org_t *mt_demo_listing_org (const mt_demo_listing_t *listing);

extern const mt_demo_reservation_t mt_demo_reservations[];
extern const size_t mt_demo_reservation_count;
extern const mt_demo_message_t mt_demo_messages[];
extern const size_t mt_demo_message_count;

/* The reservation row whose key is @key, or NULL. */
const mt_demo_reservation_t *mt_demo_reservation_find (const char *key);

/* ---- Service bookings, needs and credits ----------------------------------------------------
 *
 * Service bookings (mt_demo_bookings): skill exchanges between demo organisations on the
 * demo's "service" listings, in every state (requested, accepted, declined, cancelled,
 * completed, confirmed), each known by a stable key "<requester organisation>/<slug>". As the
 * reservations, they are made THROUGH THE BOOKINGS SERVICE (bookings.h), in the past, each
 * step with ctx->now_ms at the instant it happened and as the right demo account: the
 * request is mt_booking_create (body validated against booking_create.json) by the
 * requester's person; accept, decline, complete by the provider's person, cancel by either,
 * confirm by the requester's, all through mt_booking_act (bodies validated against
 * booking_<action>.json when the action has a body). A confirmation pays the provider when
 * credits are enabled (ledger entry "booking:<id>"). Idempotency: the bookings are made only
 * when NONE of the service listings they use holds any booking (store booking_list), all in
 * the same load; a stored demo booking is recognised by its listing, its requester member
 * and its message, unique within the demo (mt_demo_booking_id). Refusals by a rule skip the
 * row with a warning (result->bookings_skipped); store failures stop the load.
 *
 * Needs (mt_demo_needs): what demo organisations look for, in French, by the row's person
 * through mt_need_create (need_create.json), then answered by other organisations through
 * mt_need_answer (with one of their published listings, a message, or both), and closed by
 * their author through mt_need_close when the row says so, each at its own past instant. A
 * need is recognised by its author member and its title (unique within the demo): a stored
 * need is left as it is (its answers and status too), a missing one is created with its
 * answers and closing. Its wanted dates are whole days after the load day.
 *
 * Credits (only when the deployment enables them, config credits_enabled; mutuad --demo
 * enables them unless the operator set credits_enabled, see config.c): the ledger gets a
 * history made by the credits service itself:
 *   - the welcome grant of every approved demo organisation (active or suspended), by
 *     mt_credits_welcome (the function the administrators' approval uses), dated
 *     MT_DEMO_LEDGER_START_DAYS before midnight UTC of the load day (the day the demo network
 *     "opened"), id "welcome:<member>", so made once whatever the number of loads;
 *   - one pass of the monthly grant (mt_credits_monthly_step, ids "monthly:<member>:
 *     <YYYY-MM>") at midnight UTC of the first day of the month after the stored welcome
 *     grant of the first demo organisation (plus MT_DEMO_TIMER_DELAY_MS, and never after
 *     the load instant): every active member then stored gets it, once; later months are
 *     the timers' of mutuad;
 *   - one administrators' grant (mt_credits_admin_grant, by the active administrator whose
 *     e-mail is config admin_email, as mutuad's bootstrap creates it) to the organisation
 *     and with the reason of MT_DEMO_GRANT_*; recognised by its recipient, its payer
 *     "system" and its reason, so made once; without such an administrator it is left out
 *     with a warning;
 *   - the reservations' charges at return (credit_price_per_day of the demo goods, by the
 *     reservations service) and the bookings' payments at confirmation.
 * Grants come before the reservations and bookings in the load, so that the floor holds.
 */

/* Days before the load day of the welcome grants (before the oldest demo listing). */
#define MT_DEMO_LEDGER_START_DAYS 80

/* The administrators' grant of the demo. */
#define MT_DEMO_GRANT_ORG "jardin-laon"
#define MT_DEMO_GRANT_AMOUNT 20
#define MT_DEMO_GRANT_REASON                                                                       \
  "Dotation du réseau MRES pour la fête des jardins partagés (prêts de matériel aux écoles)"
#define MT_DEMO_GRANT_DAY (-20) /* days from midnight UTC of the load day */
#define MT_DEMO_GRANT_HOUR 10

/* Bound of the steps of one demo booking (the list ends at the first MT_DEMO_BOOKING_END). */
#define MT_DEMO_BOOKING_STEPS_MAX 3

typedef enum {
  MT_DEMO_BOOKING_END = 0,  /* no more steps */
  MT_DEMO_BOOKING_ACCEPT,   /* provider's person */
  MT_DEMO_BOOKING_DECLINE,  /* provider's person; text: the reason (may be NULL) */
  MT_DEMO_BOOKING_CANCEL,   /* requester's (by_requester) or provider's person; text: reason */
  MT_DEMO_BOOKING_COMPLETE, /* provider's person; hours: given (0: the booking's duration) */
  MT_DEMO_BOOKING_CONFIRM,  /* requester's person: pays the provider */
} mt_demo_booking_step_kind_t;

/* One change of a demo booking after its request. */
typedef struct {
  mt_demo_booking_step_kind_t kind;
  int day, hour;     /* days from midnight UTC of the load day (before it), hour UTC */
  int person;        /* index in the acting organisation's people */
  bool by_requester; /* cancel: the requester's person acts (otherwise the provider's) */
  const char *text;  /* decline or cancel reason */
  double hours;      /* complete */
} mt_demo_booking_step_t;

/* One service booking of the demo (see above). */
typedef struct {
  const char *key;           /* "<requester organisation key>/<slug>", stable */
  const char *listing;       /* key of its service in mt_demo_listings */
  const char *requester;     /* key of the requesting organisation (never the provider) */
  int person;                /* index in the requester's people: who asks */
  int day, hour;             /* when it is asked (days from midnight UTC of the load day, hour) */
  int start_day, start_hour; /* when the service is to be given */
  int duration_minutes;      /* 0: left out of the body (the listing's) */
  const char *message;       /* French, unique within the demo */
  mt_demo_booking_step_t steps[MT_DEMO_BOOKING_STEPS_MAX];
  const char *status; /* the status its steps lead to */
} mt_demo_booking_t;

/* Bound of the answers of one demo need. */
#define MT_DEMO_NEED_ANSWERS_MAX 2

/* One answer to a demo need, by a person of another organisation. */
typedef struct {
  const char *org;     /* key of the answering organisation; NULL ends the list */
  int person;          /* index in its people */
  int day, hour;       /* when (days from midnight UTC of the load day, hour UTC) */
  const char *listing; /* key of one of its listings in mt_demo_listings, or NULL */
  const char *text;    /* may be NULL when listing is set */
} mt_demo_need_answer_t;

/* One need of the demo. */
typedef struct {
  const char *key;   /* "<organisation key>/<slug>", stable */
  const char *org;   /* the author organisation */
  int person;        /* index in its people: who posts it */
  int day, hour;     /* when it is posted */
  const char *kind;  /* "good" | "service" */
  const char *title; /* unique within the demo */
  const char *description;
  const char *category; /* slug of categories.h of that kind, or NULL */
  const char *tags[MT_DEMO_TAGS_MAX];
  const char *visibility;             /* "networks" | "public" */
  int wanted_from_day, wanted_to_day; /* after the load day; 0: left out */
  mt_demo_need_answer_t answers[MT_DEMO_NEED_ANSWERS_MAX];
  int close_day, close_hour; /* closed by its author's person then, when close_reason is set */
  const char *close_reason;
} mt_demo_need_t;

extern const mt_demo_booking_t mt_demo_bookings[];
extern const size_t mt_demo_booking_count;
extern const mt_demo_need_t mt_demo_needs[];
extern const size_t mt_demo_need_count;

/* The booking row whose key is @key, or NULL. */
const mt_demo_booking_t *mt_demo_booking_find (const char *key);

/* The need row whose key is @key, or NULL. */
const mt_demo_need_t *mt_demo_need_find (const char *key);

typedef struct {
  bool loaded;              /* the demo is in the store (loaded now or before) */
  int members;              /* organisations of the demo */
  int accounts;             /* accounts of the demo */
  int networks;             /* networks of the demo */
  int members_created;      /* of which created by this load */
  int accounts_created;     /* of which created by this load (with their organisation or not) */
  int networks_created;     /* of which created by this load */
  int listings;             /* listings of the demo (rows of mt_demo_listings) */
  int listings_created;     /* of which created by this load */
  int reservations;         /* reservations of the demo (rows of mt_demo_reservations) */
  int reservations_created; /* of which created by this load */
  int reservations_skipped; /* rows refused by a rule, or stopped before their status */
  int messages;             /* messages of the demo (rows of mt_demo_messages) */
  int messages_created;     /* of which written by this load */
  int bookings;             /* service bookings of the demo (rows of mt_demo_bookings) */
  int bookings_created;     /* of which created by this load */
  int bookings_skipped;     /* rows refused by a rule, or stopped before their status */
  int needs;                /* needs of the demo (rows of mt_demo_needs) */
  int needs_created;        /* of which created by this load */
  int answers_created;      /* answers written by this load */
  int needs_skipped;        /* needs, answers or closings refused by a rule */
  int grants_created;       /* welcome, monthly and administrators' grants stored now */
} mt_demo_result_t;

/*
 * Loads the demo into ctx->store (with ctx->now_ms as the load instant: creation and
 * approval time of members and accounts, reference of every other date). ctx->principal is
 * not used (each reservation step runs as its demo account). @result is always initialised.
 * Runs on the main thread before the loops start (it hashes one password when something has
 * to be created).
 */
bool mt_demo_load (const mt_ctx_t *ctx, mt_demo_result_t *result, mt_error_t *error);

/*
 * The stored id of the demo network @slug (copied to @id_out). MT_ERR_NOT_FOUND when it is
 * not in the store.
 */
bool mt_demo_network_id (const mt_ctx_t *ctx, const char *slug, char id_out[MT_ID_SIZE],
                         mt_error_t *error);

/*
 * The stored member id of the demo organisation @key (e.g. "velo-lille"), found through the
 * first of its demo accounts present in the store. MT_ERR_NOT_FOUND for an unknown key or an
 * organisation that is not in the store.
 */
bool mt_demo_member_id (const mt_ctx_t *ctx, const char *key, char id_out[MT_ID_SIZE],
                        mt_error_t *error);

/*
 * The stored id of the demo listing @key (e.g. "velo-lille/cargo-bakfiets"): the listing of
 * the organisation's member whose title is the row's. MT_ERR_NOT_FOUND for an unknown key,
 * an organisation that is not in the store, or no such listing.
 */
bool mt_demo_listing_id (const mt_ctx_t *ctx, const char *key, char id_out[MT_ID_SIZE],
                         mt_error_t *error);

/*
 * The stored id of the demo reservation @key (e.g. "jardin-laon/fete-des-jardins"): the
 * reservation of the row's listing by the row's borrower member carrying the row's message.
 * MT_ERR_NOT_FOUND for an unknown key, a listing or organisation absent from the store, or
 * no such reservation.
 */
bool mt_demo_reservation_id (const mt_ctx_t *ctx, const char *key, char id_out[MT_ID_SIZE],
                             mt_error_t *error);

/*
 * The stored id of the demo booking @key (e.g. "jardin-laon/fresque-ecole"): the booking of
 * the row's service by the row's requester member carrying the row's message.
 * MT_ERR_NOT_FOUND for an unknown key, a listing or organisation absent from the store, or
 * no such booking.
 */
bool mt_demo_booking_id (const mt_ctx_t *ctx, const char *key, char id_out[MT_ID_SIZE],
                         mt_error_t *error);

/*
 * The stored id of the demo need @key: the need of the row's organisation whose title is the
 * row's. MT_ERR_NOT_FOUND for an unknown key, an organisation absent from the store, or no
 * such need.
 */
bool mt_demo_need_id (const mt_ctx_t *ctx, const char *key, char id_out[MT_ID_SIZE],
                      mt_error_t *error);

#endif
