/* nsg — network security groups, their security rules, and who refers to
 * them (network interfaces and subnets).
 *
 * Names are matched case-insensitively and returned as stored. Every change
 * to a group's rules goes with a bump of its generation (db_nsg_update), in
 * the same transaction: host agents tag what they install with it. */
#ifndef ACCELNET_DB_NSG_H
#define ACCELNET_DB_NSG_H

#include <stddef.h>

#include "common/nsg_rule.h"
#include "db/db.h"

struct db_nsg {
    char id[37]; /* the resourceGuid */
    char subscription_id[37];
    char rg_name[91]; /* the resource group's name as stored */
    char rg_key[91];  /* lower(rg_name) */
    char name[81];
    char location[65];
    char etag[37];
    long long generation;
    char *tags; /* owned JSON object text */
};
void db_nsg_free(struct db_nsg *n);
void db_nsg_list_free(struct db_nsg *items, size_t n);

struct db_secrule {
    char id[37];
    char nsg_id[37];
    char etag[37];
    struct nsgrule rule; /* rule.name as stored */
};
void db_secrule_free(struct db_secrule *r);
void db_secrule_list_free(struct db_secrule *items, size_t n);

/* A network interface or subnet that refers to a group. */
struct db_nsg_ref {
    char nsg_id[37];
    char id[37]; /* the NIC's or subnet's uuid */
    char subscription_id[37];
    char *rg_name; /* as stored; owned */
    char *vnet;    /* subnets: the virtual network's name; NULL for NICs; owned */
    char *name;    /* owned */
};
struct db_nsg_refs {
    struct db_nsg_ref *nics; /* ordered by resource group, then name */
    size_t nnics;
    struct db_nsg_ref *subnets; /* ordered by resource group, network, name */
    size_t nsubnets;
};
void db_nsg_refs_free(struct db_nsg_refs *r);

/* --- groups ----------------------------------------------------------------- */

/* DB_NOT_FOUND when there is none. */
enum db_status db_nsg_get(struct db_conn *c, const char *sub, const char *rg, const char *name,
                          struct db_nsg *out);
/* rg: the resource group's name in any case (stored by its key). tags: JSON
 * object text. DB_CONFLICT when the group or the name is taken (or the
 * resource group is gone). */
enum db_status db_nsg_insert(struct db_conn *c, const char *id, const char *sub, const char *rg,
                             const char *name, const char *location, const char *tags,
                             const char *etag);
/* Sets tags and etag; bump_generation adds 1 to the generation. */
enum db_status db_nsg_update(struct db_conn *c, const char *id, const char *tags, const char *etag,
                             int bump_generation);
/* DB_NOT_FOUND when absent; DB_CONFLICT when a NIC or subnet still refers to it. */
enum db_status db_nsg_delete(struct db_conn *c, const char *id);
/* A page of groups ordered by (resource group key, lower(name)): those of
 * resource group rg, or of the whole subscription when rg is NULL. after_rg
 * and after_name (lower case; NULL = from the start) are the key of the last
 * item already seen (after_rg is ignored when rg is given). At most limit. */
enum db_status db_nsg_list(struct db_conn *c, const char *sub, const char *rg, const char *after_rg,
                           const char *after_name, long limit, struct db_nsg **items, size_t *n);

/* --- rules --------------------------------------------------------------------- */

/* The rules of the groups in nsg_ids (n_ids of them), ordered by group id
 * then lower(name); after (a lower-cased name, or NULL) and limit (<= 0: no
 * limit) page through one group's rules. */
enum db_status db_secrule_list(struct db_conn *c, const char *const *nsg_ids, size_t n_ids,
                               const char *after, long limit, struct db_secrule **items, size_t *n);
/* DB_NOT_FOUND when there is none. */
enum db_status db_secrule_get(struct db_conn *c, const char *nsg_id, const char *name,
                              struct db_secrule *out);
/* rule->name is the rule's name. DB_CONFLICT on a taken name or priority. */
enum db_status db_secrule_insert(struct db_conn *c, const char *id, const char *nsg_id,
                                 const char *etag, const struct nsgrule *rule);
/* DB_NOT_FOUND when absent. */
enum db_status db_secrule_delete(struct db_conn *c, const char *id);

/* --- references ------------------------------------------------------------------ */

/* The NICs (network_interfaces.nsg_id) and subnets (subnets.nsg_id) that
 * refer to the groups in nsg_ids: where their policy applies. */
enum db_status db_nsg_refs_get(struct db_conn *c, const char *const *nsg_ids, size_t n_ids,
                               struct db_nsg_refs *out);
/* Every NIC the group's policy applies to: those that refer to it
 * themselves and those with an IP configuration in a subnet that refers to
 * it; each once, ordered by id. *ids is an array of *n uuids (caller frees). */
enum db_status db_nsg_nics_affected(struct db_conn *c, const char *nsg_id, char (**ids)[37],
                                    size_t *n);

#endif
