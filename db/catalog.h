/* catalog — locations, VM sizes and OS images: what exists and what is
 * eligible. Lookups are case-insensitive and return the canonical name. */
#ifndef ACCELNET_DB_CATALOG_H
#define ACCELNET_DB_CATALOG_H

#include "db/db.h"

struct db_location {
    char name[65];      /* canonical: lower case, no spaces ("westeurope") */
    char *display_name; /* owned */
    int accelerated_networking;
};
void db_location_free(struct db_location *l);

/* name may be the canonical name or the display name ("West Europe"). */
enum db_status db_location_get(struct db_conn *c, const char *name, struct db_location *out);

#endif
