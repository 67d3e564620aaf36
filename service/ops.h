/* ops — the operation engine: worker threads that carry out the rows of the
 * operations table (db/op.h).
 *
 *   - ACCELNET_WORKERS worker threads claim operations one at a time (FOR
 *     UPDATE SKIP LOCKED + a lease in this process's name) and run them with
 *     the handler given to ops_start (service/vmwork.c in accelnetd);
 *   - one more thread LISTENs on accelnet_ops on its own connection and wakes
 *     the workers when an operation is inserted (the insert NOTIFYs at
 *     commit); the workers also look every ACCELNET_OPS_POLL_MS, so a lost
 *     notification (or a listener without a connection) only delays work;
 *   - the same thread renews this process's leases every third of
 *     ACCELNET_OPS_LEASE_S while the work runs. A process that dies (or
 *     stalls past its lease) loses them, and any accelnetd on the database
 *     takes the operations over: each step is recorded and idempotent, so
 *     the next worker continues where the last one stopped.
 *
 * Stopping (ops_stop) lets each worker finish the step it is in; a handler
 * that sees ops_stopping() between steps gives its operation back
 * (OPS_DEFER with no delay) for the next process to continue. */
#ifndef ACCELNET_SERVICE_OPS_H
#define ACCELNET_SERVICE_OPS_H

#include "common/util.h"
#include "db/db.h"
#include "db/op.h"
#include "scheduler/sched.h"

struct config;
struct agentc;
struct ops;

/* What a handler works with. */
struct ops_ctx {
    struct ops *ops;
    struct db_pool *pool;
    struct agentc *agents;
    const struct config *cfg;
    struct sched_config sched;
    const char *owner; /* the lease owner: this process */
};

enum ops_result {
    OPS_DONE,  /* the operation ended (the handler wrote its status) */
    OPS_DEFER, /* not finished: due again after *defer_ms (0 = now, e.g. when stopping) */
    OPS_LOST,  /* the lease was lost: another worker has it now */
};

/* Runs (a part of) one claimed operation. Every write starts with
 * db_op_lock_owned(op->id, ctx->owner) in its transaction. */
typedef enum ops_result (*ops_run_fn)(struct ops_ctx *ctx, struct db_op *op,
                                      unsigned long *defer_ms);

/* Starts cfg->workers workers and the listener (none when workers is 0: the
 * process then serves the API only and leaves the work to other processes).
 * NULL when a thread could not start. */
struct ops *ops_start(struct db_pool *pool, struct agentc *agents, const struct config *cfg,
                      ops_run_fn run);
/* Stops and joins every thread (see above). Safe on NULL. */
void ops_stop(struct ops *ops);
/* 1 once ops_stop has been called: a handler gives its operation back at the
 * next step. */
int ops_stopping(const struct ops *ops);

/* The delay before an operation that met a transient problem (database,
 * agent) is tried again: doubles per attempt from 500 ms up to 30 s, with
 * jitter. Pure, for tests. */
unsigned long ops_retry_delay_ms(int attempts, uint32_t rnd);

/* The process's operation counters as Prometheus text: operations run to
 * their end, given back to run later, and lost to another worker. */
void ops_metrics_render(struct buf *out);

#endif
