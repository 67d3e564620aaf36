/* reconcile — the reconciler: makes every healthy host agent agree with the
 * database (issue 6).
 *
 * One thread per accelnetd; one pass at a time across every accelnetd on the
 * database (pg_try_advisory_lock: a process that finds it taken skips the
 * pass). A pass runs every ACCELNET_RECONCILE_INTERVAL_S seconds (0: never
 * on a timer) and at once after an agent (re)registers (reconcile_kick). For
 * each host that heartbeats, it asks the agent's inventory (GET /v1/nics, all
 * hosts at once through agentc_run) and compares it with the NICs the
 * database places there:
 *
 *   leak   a VF the agent has for a NIC the database does not place there
 *          (and no operation of its VM, nor a release of its VF, is in progress):
 *          DELETE /v1/nics/{id};
 *   lost   a VF the database records that the agent lacks (an agent that
 *          lost its state): attached again (PUT /v1/nics/{id}) with the
 *          NIC's current policy and generation, the VF it gives recorded;
 *   stale  the agent's policy generation is below the one the database wants
 *          (a push that failed, an agent that was down): pushed again;
 *          an agent that already has it only gets its acknowledgement
 *          recorded.
 *
 * Every repair is logged; /metrics counts accelnet_reconcile_drift_found_total,
 * _repaired_total and _failed_total by kind, and passes run. */
#ifndef ACCELNET_SERVICE_RECONCILE_H
#define ACCELNET_SERVICE_RECONCILE_H

#include "common/util.h"
#include "db/db.h"

struct agentc;
struct config;
struct reconcile;

/* Starts the thread (NULL when it could not start). */
struct reconcile *reconcile_start(struct db_pool *pool, struct agentc *agents,
                                  const struct config *cfg);
/* Stops and joins it (after the pass in progress). Safe on NULL. */
void reconcile_stop(struct reconcile *r);
/* Asks the running reconciler (if any) for a pass now. */
void reconcile_kick(void);

/* One pass: 0 done, 1 another process holds the pass, -1 database error. */
int reconcile_pass(struct db_pool *pool, struct agentc *agents, const struct config *cfg);

void reconcile_metrics_render(struct buf *out);

#endif
