/* retention — what is pruned once it is older than ACCELNET_RETENTION_S
 * (service/retention.h runs it): finished operations and settled webhook
 * events. Each call deletes at most `limit` rows, so that no prune holds
 * locks for long; several accelnetd processes may prune at once. */
#ifndef ACCELNET_DB_RETENTION_H
#define ACCELNET_DB_RETENTION_H

#include "db/db.h"

/* Operations that ended more than age_s seconds ago, except the latest
 * operation of a VM that still exists (its instance view says why it
 * failed). *n: how many were deleted. */
enum db_status db_retention_operations(struct db_conn *c, unsigned age_s, unsigned limit, long *n);
/* Webhook events delivered or given up more than age_s seconds ago. */
enum db_status db_retention_outbox(struct db_conn *c, unsigned age_s, unsigned limit, long *n);

#endif
