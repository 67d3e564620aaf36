#include "service/retention.h"

#include <stdlib.h>

#include "common/log.h"
#include "common/periodic.h"
#include "db/retention.h"
#include "service/config.h"

/* Rows deleted per statement, and statements per prune and kind. */
#define RETENTION_BATCH       1000
#define RETENTION_MAX_BATCHES 100

struct retention {
    struct periodic *thread;
    struct db_pool *pool;
    unsigned age_s;
};

static unsigned long long pruned_operations, pruned_webhooks;

void retention_metrics_render(struct buf *out)
{
    buf_appendf(out,
                "# HELP accelnet_retention_pruned_total Rows deleted after "
                "ACCELNET_RETENTION_S, by kind.\n"
                "# TYPE accelnet_retention_pruned_total counter\n"
                "accelnet_retention_pruned_total{kind=\"operation\"} %llu\n"
                "accelnet_retention_pruned_total{kind=\"webhook\"} %llu\n",
                __atomic_load_n(&pruned_operations, __ATOMIC_RELAXED),
                __atomic_load_n(&pruned_webhooks, __ATOMIC_RELAXED));
}

/* Deletes in batches until a batch is short; the total in *total. */
static enum db_status retention_kind(struct db_pool *pool,
                                     enum db_status (*del)(struct db_conn *, unsigned, unsigned,
                                                           long *),
                                     unsigned age_s, long *total)
{
    *total = 0;
    for (int i = 0; i < RETENTION_MAX_BATCHES; i++) {
        struct db_conn *c;
        long n = 0;
        enum db_status st = db_acquire(pool, &c);
        if (st != DB_OK)
            return st;
        st = del(c, age_s, RETENTION_BATCH, &n);
        db_release(pool, c);
        if (st != DB_OK)
            return st;
        *total += n;
        if (n < RETENTION_BATCH)
            break;
    }
    return DB_OK;
}

int retention_prune(struct db_pool *pool, unsigned age_s)
{
    long ops = 0, hooks = 0;
    enum db_status st = retention_kind(pool, db_retention_operations, age_s, &ops);
    if (st == DB_OK)
        st = retention_kind(pool, db_retention_outbox, age_s, &hooks);
    __atomic_add_fetch(&pruned_operations, (unsigned long long)ops, __ATOMIC_RELAXED);
    __atomic_add_fetch(&pruned_webhooks, (unsigned long long)hooks, __ATOMIC_RELAXED);
    if (ops || hooks)
        log_fields(LOGL_INFO, json_pack("{s:s, s:I, s:I, s:I}", "msg", "pruned", "operations",
                                        (json_int_t)ops, "webhookEvents", (json_int_t)hooks,
                                        "olderThanSeconds", (json_int_t)age_s));
    if (st != DB_OK) {
        log_warn("retention: pruning failed (%s); trying again later", db_status_name(st));
        return -1;
    }
    return 0;
}

static void retention_run(void *arg)
{
    struct retention *r = arg;
    retention_prune(r->pool, r->age_s);
}

struct retention *retention_start(struct db_pool *pool, const struct config *cfg)
{
    struct retention *r = util_xcalloc(1, sizeof(*r));
    r->pool = pool;
    r->age_s = cfg->retention_s;
    unsigned period_s = r->age_s / 10;
    if (period_s > 3600)
        period_s = 3600;
    if (period_s < 5)
        period_s = 5;
    r->thread = periodic_start("retention", period_s, retention_run, r);
    if (!r->thread) {
        free(r);
        return NULL;
    }
    return r;
}

void retention_stop(struct retention *r)
{
    if (!r)
        return;
    periodic_stop(r->thread);
    free(r);
}
