/* resource_group — a subscription's resource groups. */
#ifndef ACCELNET_DB_RESOURCE_GROUP_H
#define ACCELNET_DB_RESOURCE_GROUP_H

#include <stddef.h>

#include "db/db.h"

struct db_rg {
    char subscription_id[37];
    char name[91];
    char location[65];
    char etag[37];
    char *tags; /* owned JSON object text */
};
void db_rg_free(struct db_rg *g);

/* Case-insensitive on name; the stored name keeps the case it was created with. */
enum db_status db_rg_get(struct db_conn *c, const char *sub, const char *name, struct db_rg *out);
/* Creates, or updates the tags of an existing group (same location). *created
 * says which. tags: JSON object text. */
enum db_status db_rg_upsert(struct db_conn *c, const char *sub, const char *name,
                            const char *location, const char *tags, const char *etag, int *created,
                            struct db_rg *out);
/* DB_NOT_FOUND when absent; DB_CONFLICT when resources still refer to it. */
enum db_status db_rg_delete(struct db_conn *c, const char *sub, const char *name);
/* Ordered by lower(name), after `after` (lower-cased key), at most limit. */
enum db_status db_rg_list(struct db_conn *c, const char *sub, const char *after, long limit,
                          struct db_rg **items, size_t *n);

/* The cascade of a resource-group delete (service/vmwork.c), in one
 * transaction after its VMs are gone. Each DB_CONFLICT means something
 * outside the group still uses what is being deleted. */
/* Its network interfaces; DB_CONFLICT when one is still attached to a VM. */
enum db_status db_rg_delete_nics(struct db_conn *c, const char *sub, const char *rg);
/* Its virtual networks with their subnets. */
enum db_status db_rg_delete_vnets(struct db_conn *c, const char *sub, const char *rg);
/* Its network security groups with their rules. */
enum db_status db_rg_delete_nsgs(struct db_conn *c, const char *sub, const char *rg);

#endif
