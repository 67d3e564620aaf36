/* retention — prunes what the database no longer needs: operations that
 * ended, and webhook events delivered or given up, more than
 * ACCELNET_RETENTION_S seconds ago (db/retention.h says what is kept). One
 * thread per accelnetd; every process prunes (a delete is idempotent), in
 * batches, every tenth of the retention time (at most hourly, at least every
 * 5 s). /metrics: accelnet_retention_pruned_total by kind. */
#ifndef ACCELNET_SERVICE_RETENTION_H
#define ACCELNET_SERVICE_RETENTION_H

#include "common/util.h"
#include "db/db.h"

struct config;
struct retention;

/* Starts the thread (NULL when it could not start). */
struct retention *retention_start(struct db_pool *pool, const struct config *cfg);
/* Stops and joins it. Safe on NULL. */
void retention_stop(struct retention *r);
/* One prune now, on this thread: 0, or -1 after a database error. */
int retention_prune(struct db_pool *pool, unsigned age_s);
void retention_metrics_render(struct buf *out);

#endif
