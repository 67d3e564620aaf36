#include "service/ops.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sodium.h>

#include "common/log.h"
#include "common/util.h"
#include "service/outbox.h"
#include "service/config.h"

#define OPS_MAX_WORKERS 64
/* The listener waits at most this long in one poll, so it sees a stop soon. */
#define OPS_LISTEN_TICK_MS 200

struct ops {
    struct ops_ctx ctx;
    ops_run_fn run;
    char owner[64];
    char *conninfo;
    unsigned nworkers, poll_ms, lease_s;
    pthread_t workers[OPS_MAX_WORKERS];
    unsigned started;
    pthread_t listener;
    int listener_started;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    unsigned long long generation; /* bumped by every notification (under lock) */
    int stopping;
};

/* Process-wide counters for /metrics. */
static unsigned long long ops_done_total, ops_deferred_total, ops_lost_total;

void ops_metrics_render(struct buf *out)
{
    buf_appendf(out,
                "# HELP accelnet_operations_ended_total Operation runs that ended the operation "
                "(Succeeded, Failed or Canceled).\n"
                "# TYPE accelnet_operations_ended_total counter\n"
                "accelnet_operations_ended_total %llu\n"
                "# HELP accelnet_operations_deferred_total Operation runs that gave the operation "
                "back to be continued later (waiting, a transient error, a stop).\n"
                "# TYPE accelnet_operations_deferred_total counter\n"
                "accelnet_operations_deferred_total %llu\n"
                "# HELP accelnet_operations_lost_total Operation runs that found their lease "
                "taken over by another worker.\n"
                "# TYPE accelnet_operations_lost_total counter\n"
                "accelnet_operations_lost_total %llu\n",
                __atomic_load_n(&ops_done_total, __ATOMIC_RELAXED),
                __atomic_load_n(&ops_deferred_total, __ATOMIC_RELAXED),
                __atomic_load_n(&ops_lost_total, __ATOMIC_RELAXED));
}

int ops_stopping(const struct ops *ops)
{
    return ops && __atomic_load_n(&ops->stopping, __ATOMIC_ACQUIRE);
}

unsigned long ops_retry_delay_ms(int attempts, uint32_t rnd)
{
    return outbox_backoff_ms(attempts > 0 ? (unsigned)attempts : 1, 500, 30000, rnd);
}

static void ops_deadline(struct timespec *until, unsigned ms)
{
    clock_gettime(CLOCK_MONOTONIC, until);
    until->tv_sec += ms / 1000;
    until->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until->tv_nsec >= 1000000000L) {
        until->tv_sec++;
        until->tv_nsec -= 1000000000L;
    }
}

/* Waits until a notification newer than *seen, a stop, or ms. */
static void ops_wait(struct ops *o, unsigned long long *seen, unsigned ms)
{
    struct timespec until;
    ops_deadline(&until, ms);
    pthread_mutex_lock(&o->lock);
    while (!o->stopping && o->generation == *seen)
        if (pthread_cond_timedwait(&o->wake, &o->lock, &until) == ETIMEDOUT)
            break;
    *seen = o->generation;
    pthread_mutex_unlock(&o->lock);
}

static void ops_notify(struct ops *o)
{
    pthread_mutex_lock(&o->lock);
    o->generation++;
    pthread_cond_broadcast(&o->wake);
    pthread_mutex_unlock(&o->lock);
}

/* Hands an operation back (due again after delay_ms). */
static void ops_give_back(struct ops *o, const struct db_op *op, unsigned long delay_ms)
{
    struct db_conn *c;
    if (db_acquire(o->ctx.pool, &c) != DB_OK) {
        log_warn("ops: cannot give operation %s back (database unavailable); its lease runs out",
                 op->id);
        return;
    }
    if (db_op_release(c, op->id, o->owner, delay_ms) != DB_OK)
        log_warn("ops: giving operation %s back failed; its lease runs out", op->id);
    db_release(o->ctx.pool, c);
}

/* One round: claims an operation and runs it. 1 when one was run. */
static int ops_round(struct ops *o)
{
    struct db_conn *c;
    struct db_op op = {0};
    if (db_acquire(o->ctx.pool, &c) != DB_OK)
        return 0;
    enum db_status st = db_op_claim(c, o->owner, o->lease_s, &op);
    db_release(o->ctx.pool, c);
    if (st != DB_OK)
        return 0;
    log_fields(LOGL_DEBUG, json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "msg", "operation claimed",
                                     "operationId", op.id, "kind", op.kind, "resource",
                                     op.resource_id, "step", op.step, "attempt", op.attempts));
    unsigned long defer_ms = 0;
    enum ops_result res = o->run(&o->ctx, &op, &defer_ms);
    if (res == OPS_DONE)
        __atomic_add_fetch(&ops_done_total, 1, __ATOMIC_RELAXED);
    else if (res == OPS_DEFER)
        __atomic_add_fetch(&ops_deferred_total, 1, __ATOMIC_RELAXED);
    else
        __atomic_add_fetch(&ops_lost_total, 1, __ATOMIC_RELAXED);
    if (res == OPS_DEFER)
        ops_give_back(o, &op, defer_ms);
    else if (res == OPS_LOST)
        log_warn("ops: lost the lease of operation %s (%s); another worker continues it", op.id,
                 op.kind);
    db_op_free(&op);
    return 1;
}

static void *ops_worker_main(void *arg)
{
    struct ops *o = arg;
    unsigned long long seen = 0;
    while (!ops_stopping(o))
        if (!ops_round(o))
            ops_wait(o, &seen, o->poll_ms);
    return NULL;
}

/* --- the listener ---------------------------------------------------------------- */

static PGconn *ops_listen_connect(struct ops *o)
{
    const char *const keys[] = {"connect_timeout", "application_name", "dbname", NULL};
    const char *const vals[] = {"3", "accelnetd-ops-listen", o->conninfo, NULL};
    PGconn *pg = PQconnectdbParams(keys, vals, 1);
    if (!pg || PQstatus(pg) != CONNECTION_OK) {
        log_warn("ops: the LISTEN connection failed (%s); polling every %u ms meanwhile",
                 pg ? PQerrorMessage(pg) : "out of memory", o->poll_ms);
        PQfinish(pg);
        return NULL;
    }
    db_quiet_notices(pg);
    PGresult *r = PQexec(pg, "LISTEN " DB_OP_CHANNEL);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) {
        log_warn("ops: LISTEN failed: %s", PQerrorMessage(pg));
        PQfinish(pg);
        return NULL;
    }
    return pg;
}

static void ops_renew(struct ops *o)
{
    struct db_conn *c;
    long n = 0;
    if (db_acquire(o->ctx.pool, &c) != DB_OK)
        return;
    if (db_op_renew(c, o->owner, o->lease_s, &n) != DB_OK)
        log_warn("ops: renewing the leases failed; they run out in %u s unless renewed",
                 o->lease_s);
    db_release(o->ctx.pool, c);
}

static void *ops_listener_main(void *arg)
{
    struct ops *o = arg;
    PGconn *pg = NULL;
    uint64_t next_connect = 0, next_renew = 0;
    uint64_t renew_every = (uint64_t)o->lease_s * 1000 / 3;
    if (renew_every < 100)
        renew_every = 100;
    while (!ops_stopping(o)) {
        uint64_t now = util_now_ms();
        if (now >= next_renew) {
            ops_renew(o);
            next_renew = now + renew_every;
        }
        if (!pg && now >= next_connect) {
            pg = ops_listen_connect(o);
            if (!pg)
                next_connect = now + 1000;
            else
                ops_notify(o); /* something may have been inserted meanwhile */
        }
        if (!pg) {
            struct timespec ts = {0, OPS_LISTEN_TICK_MS * 1000000L};
            nanosleep(&ts, NULL);
            continue;
        }
        struct pollfd p = {.fd = PQsocket(pg), .events = POLLIN};
        int rc = poll(&p, 1, OPS_LISTEN_TICK_MS);
        if (rc < 0 && errno != EINTR)
            break;
        if (rc <= 0)
            continue;
        if (!PQconsumeInput(pg) || PQstatus(pg) != CONNECTION_OK) {
            log_warn("ops: the LISTEN connection broke (%s); reconnecting", PQerrorMessage(pg));
            PQfinish(pg);
            pg = NULL;
            next_connect = util_now_ms() + 500;
            continue;
        }
        int n = 0;
        PGnotify *nt;
        while ((nt = PQnotifies(pg)) != NULL) {
            n++;
            PQfreemem(nt);
        }
        if (n)
            ops_notify(o);
    }
    PQfinish(pg);
    return NULL;
}

struct ops *ops_start(struct db_pool *pool, struct agentc *agents, const struct config *cfg,
                      ops_run_fn run)
{
    char id[37];
    pthread_condattr_t ca;
    struct ops *o = util_xcalloc(1, sizeof(*o));
    util_uuid4(id);
    snprintf(o->owner, sizeof(o->owner), "%ld/%.8s", (long)getpid(), id);
    o->run = run;
    o->conninfo = util_xstrdup(cfg->database_url);
    o->nworkers = cfg->workers > OPS_MAX_WORKERS ? OPS_MAX_WORKERS : cfg->workers;
    o->poll_ms = cfg->ops_poll_ms;
    o->lease_s = cfg->ops_lease_s;
    o->ctx.ops = o;
    o->ctx.pool = pool;
    o->ctx.agents = agents;
    o->ctx.cfg = cfg;
    o->ctx.owner = o->owner;
    sched_config_from(cfg, &o->ctx.sched);
    pthread_mutex_init(&o->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&o->wake, &ca);
    pthread_condattr_destroy(&ca);
    if (o->nworkers == 0) {
        log_info("ops: no operation workers (ACCELNET_WORKERS=0): other processes carry the "
                 "operations out");
        return o;
    }
    if (pthread_create(&o->listener, NULL, ops_listener_main, o) != 0)
        goto fail;
    o->listener_started = 1;
    for (; o->started < o->nworkers; o->started++)
        if (pthread_create(&o->workers[o->started], NULL, ops_worker_main, o) != 0)
            goto fail;
    log_info("ops: %u operation worker(s) started (lease %u s, poll every %u ms, owner %s)",
             o->nworkers, o->lease_s, o->poll_ms, o->owner);
    return o;
fail:
    log_error("ops: an operation worker thread could not start");
    ops_stop(o);
    return NULL;
}

void ops_stop(struct ops *o)
{
    if (!o)
        return;
    pthread_mutex_lock(&o->lock);
    __atomic_store_n(&o->stopping, 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&o->wake);
    pthread_mutex_unlock(&o->lock);
    for (unsigned i = 0; i < o->started; i++)
        pthread_join(o->workers[i], NULL);
    if (o->listener_started)
        pthread_join(o->listener, NULL);
    pthread_cond_destroy(&o->wake);
    pthread_mutex_destroy(&o->lock);
    free(o->conninfo);
    if (o->nworkers)
        log_info("ops: operation workers stopped");
    free(o);
}
