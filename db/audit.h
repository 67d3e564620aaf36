/* audit — the record of decisions and administrative changes. */
#ifndef ACCELNET_DB_AUDIT_H
#define ACCELNET_DB_AUDIT_H

#include <jansson.h>

#include "db/db.h"

/* Appends one entry. actor_token_id and subscription_id may be NULL; details
 * (borrowed, may be NULL) is stored as JSON. Run it in the transaction of the
 * change it records. */
enum db_status db_audit_insert(struct db_conn *c, const char *actor_token_id,
                               const char *subscription_id, const char *action,
                               const json_t *details);

#endif
