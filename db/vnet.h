/* vnet — virtual networks, their subnets, and what refers to a subnet (the
 * IP configurations of network interfaces). Names match case-insensitively
 * and come back as stored; the resource group comes back as stored too
 * (rg_name), for the ids in responses.
 *
 * Nothing here checks a rule: the handlers (api/virtual_network.c) check
 * under advisory locks, and the constraints of db/migrations/005_network.sql
 * are the last word (DB_CONFLICT). */
#ifndef ACCELNET_DB_VNET_H
#define ACCELNET_DB_VNET_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

#define DB_NET_NAME_MAX 80

struct db_vnet {
    char id[37];
    char subscription_id[37];
    char rg_name[91];
    char name[DB_NET_NAME_MAX + 1];
    char location[65];
    char etag[37];
    char provisioning_state[16];
    long segment_id;
    char *tags;      /* owned JSON object text */
    char **prefixes; /* owned, canonical CIDRs in the stored order */
    size_t nprefixes;
};
void db_vnet_free(struct db_vnet *v);
void db_vnet_list_free(struct db_vnet *items, size_t n);

/* By subscription, group and name (both case-insensitive). */
enum db_status db_vnet_get(struct db_conn *c, const char *sub, const char *rg, const char *name,
                           struct db_vnet *out);
/* prefixes: a PostgreSQL array literal of CIDRs ("{10.0.0.0/16}"); tags:
 * JSON object text. The segment id comes from vnet_segment_seq. */
enum db_status db_vnet_insert(struct db_conn *c, const char *id, const char *sub, const char *rg,
                              const char *name, const char *location, const char *tags,
                              const char *etag, const char *prefixes);
enum db_status db_vnet_update(struct db_conn *c, const char *id, const char *tags, const char *etag,
                              const char *prefixes);
/* A new etag only (a subnet of it changed). */
enum db_status db_vnet_set_etag(struct db_conn *c, const char *id, const char *etag);
/* Subnets go with it (ON DELETE CASCADE); DB_CONFLICT when a NIC still uses
 * one of them. */
enum db_status db_vnet_delete(struct db_conn *c, const char *id);
/* Ordered by (rg_key, lower(name)) after the key (after_rg, after_name), both
 * lower case, or from the start when NULL; rg NULL: the whole subscription. */
enum db_status db_vnet_list(struct db_conn *c, const char *sub, const char *rg,
                            const char *after_rg, const char *after_name, long limit,
                            struct db_vnet **items, size_t *n);

struct db_subnet {
    char id[37];
    char vnet_id[37];
    char name[DB_NET_NAME_MAX + 1];
    char etag[37];
    char prefix[19];
    char provisioning_state[16];
    char nsg_id[37]; /* "" when none */
    char nsg_rg[91]; /* the NSG's group and name, for its id */
    char nsg_name[DB_NET_NAME_MAX + 1];
};

/* The subnets of the given virtual networks, ordered by (vnet_id,
 * lower(name)), after after_name (lower case) when not NULL, at most limit
 * (<= 0: all). The caller frees *items. */
enum db_status db_subnet_list(struct db_conn *c, const char *const *vnet_ids, size_t nids,
                              const char *after_name, long limit, struct db_subnet **items,
                              size_t *n);
enum db_status db_subnet_get(struct db_conn *c, const char *vnet_id, const char *name,
                             struct db_subnet *out);
/* nsg_id NULL: none. */
enum db_status db_subnet_insert(struct db_conn *c, const char *id, const char *vnet_id,
                                const char *name, const char *etag, const char *prefix,
                                const char *nsg_id);
enum db_status db_subnet_update(struct db_conn *c, const char *id, const char *etag,
                                const char *prefix, const char *nsg_id);
/* DB_CONFLICT when an IP configuration still uses it. */
enum db_status db_subnet_delete(struct db_conn *c, const char *id);

/* An IP configuration of a network interface, as seen from its subnet. */
struct db_subnet_user {
    char subnet_id[37];
    char nic_id[37];
    char nic_rg[91];
    char nic_name[DB_NET_NAME_MAX + 1];
    char name[DB_NET_NAME_MAX + 1]; /* the IP configuration's */
};
/* Who uses the given subnets, ordered by (subnet_id, NIC group, NIC name,
 * configuration name). The caller frees *items. */
enum db_status db_subnet_users(struct db_conn *c, const char *const *subnet_ids, size_t nids,
                               struct db_subnet_user **items, size_t *n);
/* The private addresses taken in a subnet (host byte order, ascending),
 * leaving out those of network interface except_nic (may be NULL). The caller
 * frees *addrs. */
enum db_status db_subnet_addresses(struct db_conn *c, const char *subnet_id, const char *except_nic,
                                   uint32_t **addrs, size_t *n);

/* A network security group (by subscription, group and name, all
 * case-insensitive): its id and location. */
enum db_status db_vnet_nsg_find(struct db_conn *c, const char *sub, const char *rg,
                                const char *name, char id[37], char location[65]);

/* "{a,b,c}": a PostgreSQL array literal of items that need no quoting (uuids,
 * CIDRs). Caller frees. */
char *db_vnet_array_literal(const char *const *items, size_t n);

#endif
