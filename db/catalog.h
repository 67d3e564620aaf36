/* catalog — locations, VM sizes and OS images: what exists and what is
 * eligible. Lookups are case-insensitive and return the canonical name.
 *
 * Nothing here is cached: every caller reads the tables, so an operator's
 * change is seen by the next request. */
#ifndef ACCELNET_DB_CATALOG_H
#define ACCELNET_DB_CATALOG_H

#include <stddef.h>

#include "db/db.h"

/* The longest name part the schema allows (locations, sizes, image parts). */
#define DB_CATALOG_NAME_MAX 64

/* --- locations ------------------------------------------------------------ */

struct db_location {
    char name[65];      /* canonical: lower case, no spaces ("westeurope") */
    char *display_name; /* owned */
    int accelerated_networking;
    char created_at[40];
    char updated_at[40];
};
void db_location_free(struct db_location *l);

/* name may be the canonical name or the display name ("West Europe"). */
enum db_status db_location_get(struct db_conn *c, const char *name, struct db_location *out);
/* Ordered by name, after `after` (NULL = from the start), at most limit
 * (limit <= 0: all of them). */
enum db_status db_location_list(struct db_conn *c, const char *after, long limit,
                                struct db_location **items, size_t *n);
/* Creates or replaces the location `name` (already canonical); *created says
 * which. */
enum db_status db_location_upsert(struct db_conn *c, const char *name, const char *display_name,
                                  int accelerated_networking, int *created,
                                  struct db_location *out);
/* Deletes by canonical name (case-insensitive). DB_NOT_FOUND when there was
 * none; DB_CONFLICT when resource groups still use it. On DB_OK, out (may be
 * NULL) is the row as it was. */
enum db_status db_location_delete(struct db_conn *c, const char *name, struct db_location *out);
void db_location_list_free(struct db_location *items, size_t n);

/* --- VM sizes ------------------------------------------------------------- */

struct db_vm_size {
    char name[65]; /* as created ("Standard_D15_v2") */
    long vcpus;
    long memory_mb;
    long max_nics;
    int accelerated_networking;
    char created_at[40];
    char updated_at[40];
};

/* name matches case-insensitively. */
enum db_status db_vm_size_get(struct db_conn *c, const char *name, struct db_vm_size *out);
/* Ordered by lower(name), after `after` (a lower-cased name; NULL = from the
 * start), at most limit (<= 0: all). The caller frees *items. */
enum db_status db_vm_size_list(struct db_conn *c, const char *after, long limit,
                               struct db_vm_size **items, size_t *n);
/* Creates, or replaces the size whose name matches case-insensitively (its
 * name keeps the case it was created with). */
enum db_status db_vm_size_upsert(struct db_conn *c, const struct db_vm_size *in, int *created,
                                 struct db_vm_size *out);
/* DB_NOT_FOUND when there was none; on DB_OK out (may be NULL) is the row as
 * it was. */
enum db_status db_vm_size_delete(struct db_conn *c, const char *name, struct db_vm_size *out);

/* --- OS images ------------------------------------------------------------ */

struct db_os_image {
    char publisher[65];
    char offer[65];
    char sku[65];
    char *display_name; /* owned */
    char os_type[8];    /* "Windows" | "Linux" */
    int accelerated_networking;
    char *vf_driver; /* owned; "" when none */
    char created_at[40];
    char updated_at[40];
};
void db_os_image_free(struct db_os_image *i);
void db_os_image_list_free(struct db_os_image *items, size_t n);

/* publisher, offer and sku match case-insensitively. */
enum db_status db_os_image_get(struct db_conn *c, const char *publisher, const char *offer,
                               const char *sku, struct db_os_image *out);
/* Ordered by (lower(publisher), lower(offer), lower(sku)), after the key
 * given by the three after_* (all NULL = from the start; lower-cased), at most
 * limit (<= 0: all). */
enum db_status db_os_image_list(struct db_conn *c, const char *after_publisher,
                                const char *after_offer, const char *after_sku, long limit,
                                struct db_os_image **items, size_t *n);
/* Creates, or replaces the image whose key matches case-insensitively (the key
 * keeps the case it was created with). in->display_name and in->vf_driver are
 * borrowed. */
enum db_status db_os_image_upsert(struct db_conn *c, const struct db_os_image *in, int *created,
                                  struct db_os_image *out);
enum db_status db_os_image_delete(struct db_conn *c, const char *publisher, const char *offer,
                                  const char *sku, struct db_os_image *out);

#endif
