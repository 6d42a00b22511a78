/*
 * stats: GET /v1/admin/stats, the administrators' statistics over a period and their impact
 * estimate. docs/API.md ("Statistics") is the contract; this header states the definitions
 * the code follows.
 *
 * Period: [from, to), RFC 3339. Both optional: to defaults to now, from to the same instant
 * one calendar year before to (29 February -> 28 February). from < to, at most
 * MT_STATS_PERIOD_MAX_DAYS days apart.
 *
 * What counts, each thing once, in the period of the event that makes it count:
 *   loan     a reservation now "checked_out", "returned" or "closed" whose check-out
 *            (checkout.at, else the history item to "checked_out") is in [from, to).
 *            units: its "units" (clamped to 1..1000); loan-days: ceil((end - start) / 24 h)
 *            of the reserved period, at least 1 (the reserved period, not the hand-over
 *            times owners record late or never).
 *   service  a booking now "confirmed" whose completed_at is in [from, to); its hours are
 *            "hours" (given at completion), else duration_minutes / 60; summed in minutes
 *            (each booking rounded to the nearest minute).
 *   listing  a listing (good or service) whose created_at is in [from, to).
 *   credits  a ledger entry whose created_at is in [from, to): a "reversal" when it has
 *            "reverses", else a "grant" when "from" is "system", else a "transfer" when
 *            both ends are members; anything else is not counted.
 * Filters (both optional, combined with AND):
 *   network      a loan counts when its borrower or its lender belongs to the network; a
 *                service when its requester or provider does; a listing when its owner does;
 *                a ledger entry when its sender or receiver does.
 *   departement  a loan counts when its listing's territory.departement is this one; a
 *                service likewise with the service listing; a new listing with its own; a
 *                ledger entry when its sender's or receiver's member territory is in it.
 * Members:
 *   active               distinct members that are the borrower or lender of a counted loan,
 *                        the requester or provider of a counted service or the owner of a
 *                        counted listing; with a network filter, members of that network only.
 *   with_active_status   members whose status is "active" now (a snapshot, not the period), in
 *                        the network and whose own territory is in the departement when given.
 *   borrowers, lenders, requesters, providers: distinct members over the counted loans and
 *   services (the network filter keeps the partner outside the network in these).
 *
 * Impact (goods only, from schemas/impact-factors.json): for each category c with a factor
 * {price, kg CO2e, share}, with u_c the units of the counted loans of c:
 *   purchases avoided  u_c × share        (reported to 0.1, half up)
 *   euros avoided      u_c × share × price (reported to the euro, half up)
 *   kg CO2e avoided    u_c × share × kg    (reported to the kg, half up)
 * computed exactly in integers (share in thousandths, price in cents, kg in tenths); totals
 * are rounded once from the exact sums, so they may differ from the sum of the rounded
 * categories. Loans of a category without a factor (or of a listing that no longer exists, or
 * whose category is unknown) count in the loans and in units_without_factor, not in the
 * impact.
 *
 * Bounds: the store is read page by page and at most MT_STATS_*_MAX documents of each kind
 * are read; past a bound the figures are lower bounds and "limits.truncated" names what was
 * cut. Everything is read on the calling thread with its store handle.
 */
#ifndef MT_STATS_H
#define MT_STATS_H

#include "mt_error.h"
#include "service.h"

#include <bson/bson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MT_STATS_DAY_MS INT64_C (86400000)
#define MT_STATS_PERIOD_MAX_DAYS 3660 /* about ten years */

/* Documents read at most per request, by kind. */
#define MT_STATS_MEMBERS_MAX 20000
#define MT_STATS_RESERVATIONS_MAX 100000
#define MT_STATS_BOOKINGS_MAX 100000
#define MT_STATS_LISTINGS_MAX 100000
#define MT_STATS_LEDGER_MAX 200000

/* Units of one reservation are clamped to 1..MT_STATS_UNITS_MAX (listing.json's quantity). */
#define MT_STATS_UNITS_MAX 1000

/* Bounds of the factor table's values (larger is refused when the table is read), which keep
 * the exact integer sums within int64 at the bounds above. */
#define MT_IMPACT_FACTORS_MAX 64
#define MT_IMPACT_PRICE_MAX_EUR 100000
#define MT_IMPACT_KG_MAX 100000

/* One row of the factor table. Strings point into the table's parsed document. */
typedef struct {
  const char *category;   /* a "good" slug of categories.json */
  const char *item;       /* the typical item the figures describe */
  int64_t price_cents;    /* purchase price of a new typical item, in cents */
  int64_t kg_tenths;      /* kg CO2e of making it, in tenths of a kg */
  int64_t share_permille; /* share of loans that avoid a purchase, in thousandths */
  const char *source;
  const char *assumption;
} mt_impact_factor_t;

/* The parsed factor table. */
typedef struct {
  bson_t doc; /* the whole file, returned with the statistics */
  mt_impact_factor_t factors[MT_IMPACT_FACTORS_MAX];
  size_t count;
} mt_impact_table_t;

/*
 * Parses and checks a factor table (the format of schemas/impact-factors.json): "factors" is
 * an array of {category, item, price_eur, kg_co2e, avoided_purchase_share, source,
 * assumption}; the category must be a "good" of categories.json and appear once (also not in
 * "without_factor"); price_eur in 0..MT_IMPACT_PRICE_MAX_EUR with at most 2 decimals, kg_co2e
 * in 0..MT_IMPACT_KG_MAX with at most 1 decimal, the share in 0..1 with at most 3 decimals;
 * texts non-empty. "without_factor" (optional) is an array of {category, reason}. @table is
 * initialised here in every case; destroy it with mt_impact_table_destroy. Errors:
 * MT_ERR_INTERNAL naming the offending entry.
 */
bool mt_impact_table_parse (const char *json, size_t len, mt_impact_table_t *table,
                            mt_error_t *error);
void mt_impact_table_destroy (mt_impact_table_t *table);

/* The table of the embedded schemas/impact-factors.json, parsed once (thread-safe); NULL
 * when it could not be read (logged; a unit test rules it out). */
const mt_impact_table_t *mt_impact_table (void);

/* The factor of @category in @table, or NULL when it has none. */
const mt_impact_factor_t *mt_impact_table_find (const mt_impact_table_t *table,
                                                const char *category);

/* Exact impact sums: thousandths of a purchase, 1e-5 euros, 1e-4 kg CO2e. */
typedef struct {
  int64_t purchases_milli;
  int64_t eur_e5;
  int64_t kg_e4;
} mt_impact_sum_t;

/* Adds @units lent under @factor (NULL: nothing) to @sum. */
void mt_impact_add (mt_impact_sum_t *sum, const mt_impact_factor_t *factor, int64_t units);

/* The sums rounded half up: purchases avoided in tenths, euros, kg CO2e. */
int64_t mt_impact_purchases_tenths (const mt_impact_sum_t *sum);
int64_t mt_impact_eur (const mt_impact_sum_t *sum);
int64_t mt_impact_kg (const mt_impact_sum_t *sum);

/* Loan-days of a reserved period [start, end): ceil((end - start) / 24 h), at least 1. */
int64_t mt_stats_loan_days (int64_t start_ms, int64_t end_ms);

/* Minutes of a booking: "hours" × 60 rounded to the nearest minute when "hours" is a
 * positive number, else "duration_minutes" when positive, else 0. */
int64_t mt_stats_booking_minutes (const bson_t *booking);

/*
 * The period of @from and @to (query texts; NULL when absent) at @now_ms, with the defaults
 * and checks above. Errors: MT_ERR_BAD_REQUEST with the parameter's name as path.
 */
bool mt_stats_period_parse (const char *from, const char *to, int64_t now_ms, int64_t *from_ms,
                            int64_t *to_ms, mt_error_t *error);

/* Query of GET /v1/admin/stats (strings as received; NULL when absent). */
typedef struct {
  const char *from;
  const char *to;
  const char *network;     /* a network id */
  const char *departement; /* a département code (common.json's pattern) */
  /* The factor table to apply; NULL = mt_impact_table () (tests pass their own). */
  const mt_impact_table_t *factors;
} mt_stats_query_t;

/*
 * GET /v1/admin/stats: the statistics into @out (initialised here), in the shape of
 * docs/API.md. Errors: MT_ERR_FORBIDDEN (not an administrator), MT_ERR_BAD_REQUEST (bad
 * parameter, path = its name: from, to, network (malformed or no such network),
 * departement), store errors (MT_ERR_UNAVAILABLE...), MT_ERR_INTERNAL when the factor table
 * cannot be read.
 */
bool mt_stats_compute (const mt_ctx_t *ctx, const mt_stats_query_t *query, bson_t *out,
                       mt_error_t *error);

#endif
