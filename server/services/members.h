/*
 * members: the organisations (or individuals) of the networks.
 *
 * Stored document:
 *   id, version, name, kind ("association" | "cooperative" | "company" | "public_body" |
 *   "individual" | "platform"), territory {departement, commune, coordinates? {lat, lon}},
 *   description, contact {email, phone, website}, networks (array of network ids),
 *   status ("pending" | "active" | "suspended" | "deleted"), created_at, updated_at,
 *   and approved_at / suspended_at / status_reason when they apply.
 */
#ifndef MT_MEMBERS_H
#define MT_MEMBERS_H

#include "mt_error.h"
#include "mt_id.h"
#include "service.h"

#include <bson/bson.h>
#include <stdbool.h>

/*
 * Builds a new member document in @out (initialised here): the fields of @profile (already
 * validated: name, kind, territory, description, contact, networks) plus a fresh id
 * (copied to @id_out when not NULL), version 1, @status and dates at @now_ms.
 */
void mt_member_build (const bson_t *profile, const char *status, int64_t now_ms, bson_t *out,
                      char id_out[MT_ID_SIZE]);

#endif
