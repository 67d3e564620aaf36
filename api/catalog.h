/* catalog — the pure parts of the catalogue API (api/catalog.c): name rules,
 * image keys and the skus list's $filter. No I/O; unit-tested on their own. */
#ifndef ACCELNET_API_CATALOG_H
#define ACCELNET_API_CATALOG_H

#include <stddef.h>

#include "db/catalog.h"

/* Location names: 1-64 ASCII letters and digits ("westeurope"). They are
 * stored in lower case and compared case-insensitively. NULL if name is fine,
 * else why not (static text that completes "it ..."). */
const char *catalog_location_name_problem(const char *name);
/* VM size names: 1-64 ASCII letters, digits and '_' ("Standard_D15_v2"). */
const char *catalog_vm_size_name_problem(const char *name);
/* One part of an image key: 1-64 ASCII letters, digits, '.', '_' and '-'. */
const char *catalog_image_part_problem(const char *part);

/* An OS image's key, "publisher:offer:sku". */
struct catalog_image_key {
    char publisher[DB_CATALOG_NAME_MAX + 1];
    char offer[DB_CATALOG_NAME_MAX + 1];
    char sku[DB_CATALOG_NAME_MAX + 1];
};

/* Splits key on ':' into exactly three valid parts. 0, or -1 with *why set to
 * a message (caller frees) saying what is wrong with it. */
int catalog_image_key_split(const char *key, struct catalog_image_key *out, char **why);

/* The $filter of the skus list. The one form supported is ARM's
 * `location eq '<location>'`: `location` and `eq` in any case, any amount of
 * spaces between the tokens, the value in single quotes (1-64 characters,
 * no quote or control characters; a display name such as 'West Europe' is
 * fine). 0 with the value copied into out, or -1 with *why set to a static
 * message. */
int catalog_filter_location(const char *filter, char *out, size_t outlen, const char **why);

#endif
