/*
 * demo_data: the tables of the demonstration data set (see demo.h). Everything here is
 * fictitious: organisation names, people, e-mails (domains under ".exemple.fr") and phone
 * numbers (the 03 53 01 xx xx range that ARCEP keeps for fiction). Only the networks, the
 * communes and their approximate coordinates are real.
 *
 * Stable keys: a network is known by its slug ("apes", "mres"), an organisation by its short
 * key ("velo-lille" is the atelier vélo of Lille), a person by their e-mail. Later parts of the
 * demo (listings, reservations, exchanges) refer to these keys, never to table positions; use
 * mt_demo_org_find() here and mt_demo_member_id() (demo.h) to reach the stored member.
 *
 * The tables are static, read-only data; nothing here touches the store.
 */
#ifndef MT_DEMO_DATA_H
#define MT_DEMO_DATA_H

#include <stdbool.h>
#include <stddef.h>

/* Networks, as bits of mt_demo_org_t.networks; the bit is the index in mt_demo_networks. */
#define MT_DEMO_NET_APES (1u << 0)
#define MT_DEMO_NET_MRES (1u << 1)
#define MT_DEMO_NETWORK_COUNT 2

/* Most accounts of one demo organisation (a manager and up to two staff). */
#define MT_DEMO_PEOPLE_MAX 3

typedef struct {
  const char *slug; /* stable key and unique store key */
  const char *name;
  const char *description;
} mt_demo_network_t;

typedef struct {
  const char *name;        /* "Camille Lefebvre" */
  const char *email;       /* prenom.nom@<domain of the organisation> */
  const char *member_role; /* "manager" | "staff" */
} mt_demo_person_t;

typedef struct {
  const char *key; /* stable short key, e.g. "velo-lille" */
  const char *name;
  const char *kind; /* "association" | "cooperative" | "company" | "public_body" */
  const char *departement;
  const char *commune;
  double lat, lon; /* approximate centre of the commune */
  const char *description;
  const char *email; /* contact e-mail: contact@<domain> */
  const char *phone; /* may be NULL */
  const char *website;
  unsigned networks;         /* MT_DEMO_NET_* bits */
  const char *status;        /* "active" | "pending" | "suspended" */
  const char *status_reason; /* why it is suspended; NULL otherwise */
  /* people[0] is the manager who "signed up"; the list ends at the first NULL name. */
  mt_demo_person_t people[MT_DEMO_PEOPLE_MAX];
} mt_demo_org_t;

extern const mt_demo_network_t mt_demo_networks[MT_DEMO_NETWORK_COUNT];
extern const mt_demo_org_t mt_demo_orgs[];
extern const size_t mt_demo_org_count;

/* The organisation whose key is @key, or NULL. */
const mt_demo_org_t *mt_demo_org_find (const char *key);

/* The network whose slug is @slug, or NULL. */
const mt_demo_network_t *mt_demo_network_find (const char *slug);

/* Number of people (accounts) of @org. */
size_t mt_demo_org_people (const mt_demo_org_t *org);

/* Total number of accounts of the demo. */
size_t mt_demo_account_count (void);

#endif
