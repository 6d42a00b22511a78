/*
 * demo: the demonstration data set loaded by `mutuad --demo`: the Apes and MRES networks of
 * Hauts-de-France, a dozen organisations across the départements with their managers and
 * staff, and their catalogue of goods and services (later issues add reservations and
 * exchanges). The data lives in tables (demo_data.h, and mt_demo_listings below, both filled
 * in demo_data.c) with stable keys: networks by slug ("apes", "mres"), organisations by a
 * short key ("velo-lille"), people by e-mail, listings by "<organisation key>/<slug>"
 * ("velo-lille/cargo-bakfiets").
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

extern const mt_demo_listing_t mt_demo_listings[];
extern const size_t mt_demo_listing_count;

/* The listing row whose key is @key, or NULL. */
const mt_demo_listing_t *mt_demo_listing_find (const char *key);

/* The organisation owning @listing (the part of its key before '/'), or NULL. */
const mt_demo_org_t *mt_demo_listing_org (const mt_demo_listing_t *listing);

typedef struct {
  bool loaded;          /* the demo is in the store (loaded now or before) */
  int members;          /* organisations of the demo */
  int accounts;         /* accounts of the demo */
  int networks;         /* networks of the demo */
  int members_created;  /* of which created by this load */
  int accounts_created; /* of which created by this load (with their organisation or not) */
  int networks_created; /* of which created by this load */
  int listings;         /* listings of the demo (rows of mt_demo_listings) */
  int listings_created; /* of which created by this load */
} mt_demo_result_t;

/*
 * Loads the demo into ctx->store (with ctx->now_ms as creation and approval time). @result is
 * always initialised. Runs on the main thread before the loops start (it hashes one password
 * when something has to be created).
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

#endif
