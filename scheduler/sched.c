#include "scheduler/sched.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/log.h"
#include "common/util.h"
#include "service/config.h"

/* Loads of the location's hosts before giving up when every candidate of
 * each load was claimed by someone else first. */
#define SCHED_ROUNDS 3
/* Hosts named in a message when no single resource explains the failure. */
#define SCHED_EXPLAIN_HOSTS 5

/* Process-wide counters for /metrics. */
static unsigned long long sched_placed_total, sched_failed_total, sched_lost_total;

void sched_counters(unsigned long long *placed, unsigned long long *failed,
                    unsigned long long *lost_races)
{
    *placed = __atomic_load_n(&sched_placed_total, __ATOMIC_RELAXED);
    *failed = __atomic_load_n(&sched_failed_total, __ATOMIC_RELAXED);
    *lost_races = __atomic_load_n(&sched_lost_total, __ATOMIC_RELAXED);
}

void sched_metrics_render(struct buf *out)
{
    unsigned long long placed, failed, lost;
    sched_counters(&placed, &failed, &lost);
    buf_appendf(out,
                "# HELP accelnet_scheduler_placements_total Capacity claims that succeeded.\n"
                "# TYPE accelnet_scheduler_placements_total counter\n"
                "accelnet_scheduler_placements_total %llu\n"
                "# HELP accelnet_scheduler_allocation_failures_total Placements that failed "
                "with AllocationFailed.\n"
                "# TYPE accelnet_scheduler_allocation_failures_total counter\n"
                "accelnet_scheduler_allocation_failures_total %llu\n"
                "# HELP accelnet_scheduler_lost_races_total Claims that found the host taken by "
                "a concurrent placement (the next candidate was tried).\n"
                "# TYPE accelnet_scheduler_lost_races_total counter\n"
                "accelnet_scheduler_lost_races_total %llu\n",
                placed, failed, lost);
}

void sched_config_from(const struct config *cfg, struct sched_config *out)
{
    out->weigher = cfg->scheduler_weigher && strcmp(cfg->scheduler_weigher, "pack") == 0
                       ? SCHED_PACK
                       : SCHED_SPREAD;
    out->choices = cfg->scheduler_choices ? cfg->scheduler_choices : 1;
    out->heartbeat_timeout_s = cfg->host_heartbeat_timeout_s;
}

static long sched_free_vcpus(const struct db_host *h)
{
    return h->vcpus_total - h->vcpus_used;
}

static long long sched_free_memory(const struct db_host *h)
{
    return h->memory_mb_total - h->memory_mb_used;
}

static long sched_free_vfs(const struct db_host *h)
{
    return h->vfs_total - h->vfs_used;
}

enum sched_reason sched_filter_host(const struct db_host *h, const struct sched_request *rq)
{
    if (strcmp(h->location, rq->location) != 0)
        return SCHED_OTHER_LOCATION;
    if (strcmp(h->state, "Enabled") != 0)
        return SCHED_NOT_ENABLED;
    if (!h->healthy)
        return SCHED_UNHEALTHY;
    if (sched_free_vcpus(h) < rq->vcpus)
        return SCHED_SHORT_VCPUS;
    if (sched_free_memory(h) < rq->memory_mb)
        return SCHED_SHORT_MEMORY;
    if (sched_free_vfs(h) < rq->vfs)
        return SCHED_SHORT_VFS;
    return SCHED_FITS;
}

static int sched_cmp_num(long long a, long long b)
{
    return (a > b) - (a < b);
}

int sched_compare(const struct db_host *a, const struct db_host *b, enum sched_weigher w)
{
    /* Spread: more free is better; pack: less free (that still fits) is. */
    int sign = w == SCHED_SPREAD ? -1 : 1;
    int c = sched_cmp_num(sched_free_vfs(a), sched_free_vfs(b));
    if (c == 0)
        c = sched_cmp_num(sched_free_vcpus(a), sched_free_vcpus(b));
    if (c == 0)
        c = sched_cmp_num(sched_free_memory(a), sched_free_memory(b));
    if (c != 0)
        return sign * c;
    return strcmp(a->name, b->name);
}

size_t sched_candidates(const struct db_host *hosts, size_t n, const struct sched_request *rq,
                        enum sched_weigher w, unsigned choices, sched_rand_fn rnd, size_t *order)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (sched_filter_host(&hosts[i], rq) != SCHED_FITS)
            continue;
        /* Insertion, best first (a location has tens of hosts, not millions). */
        size_t j = k++;
        while (j > 0 && sched_compare(&hosts[i], &hosts[order[j - 1]], w) < 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
    size_t best = choices < k ? choices : k;
    if (rnd)
        for (size_t i = best; i > 1; i--) {
            size_t j = rnd((uint32_t)i);
            size_t t = order[i - 1];
            order[i - 1] = order[j];
            order[j] = t;
        }
    return k;
}

/* "1 free virtual function" / "2 free virtual functions". */
static void sched_amount(struct buf *b, long long n, const char *one, const char *many)
{
    buf_appendf(b, "%lld %s", n, n == 1 ? one : many);
}

char *sched_explain(const struct db_host *hosts, size_t n, const struct sched_request *rq)
{
    struct buf b = {0};
    size_t total = 0, draining = 0, disabled = 0, unhealthy = 0, eligible = 0;
    long max_vcpus = -1, max_vfs = -1;
    long long max_mem = -1;
    for (size_t i = 0; i < n; i++) {
        const struct db_host *h = &hosts[i];
        switch (sched_filter_host(h, rq)) {
        case SCHED_OTHER_LOCATION:
            continue;
        case SCHED_NOT_ENABLED:
            if (strcmp(h->state, "Draining") == 0)
                draining++;
            else
                disabled++;
            break;
        case SCHED_UNHEALTHY:
            unhealthy++;
            break;
        default:
            eligible++;
            if (sched_free_vcpus(h) > max_vcpus)
                max_vcpus = sched_free_vcpus(h);
            if (sched_free_memory(h) > max_mem)
                max_mem = sched_free_memory(h);
            if (sched_free_vfs(h) > max_vfs)
                max_vfs = sched_free_vfs(h);
            break;
        }
        total++;
    }
    buf_appendf(&b, "Allocation failed: ");
    if (total == 0) {
        buf_appendf(&b, "no host is registered in location '%s'.", rq->location);
        return b.data;
    }
    if (eligible == 0) {
        buf_appendf(&b, "no Enabled, healthy host in %s (of its %zu host%s:", rq->location, total,
                    total == 1 ? "" : "s");
        const char *sep = " ";
        if (draining) {
            buf_appendf(&b, "%s%zu Draining", sep, draining);
            sep = ", ";
        }
        if (disabled) {
            buf_appendf(&b, "%s%zu Disabled", sep, disabled);
            sep = ", ";
        }
        if (unhealthy)
            buf_appendf(&b, "%s%zu Unhealthy (no heartbeat lately)", sep, unhealthy);
        buf_appendf(&b, ").");
        return b.data;
    }
    /* One sentence per resource that no host has enough of. */
    int shortages = 0;
    struct {
        long long want, best;
        const char *one, *many;
    } res[] = {
        {rq->vfs, max_vfs, "free virtual function", "free virtual functions"},
        {rq->vcpus, max_vcpus, "free vCPU", "free vCPUs"},
        {rq->memory_mb, max_mem, "MB of free memory", "MB of free memory"},
    };
    for (size_t i = 0; i < sizeof(res) / sizeof(res[0]); i++) {
        if (res[i].want <= res[i].best)
            continue;
        buf_appendf(&b, "%sno Enabled, healthy host in %s has ", shortages ? " Also, " : "",
                    rq->location);
        sched_amount(&b, res[i].want, res[i].one, res[i].many);
        buf_appendf(&b, "; the most free is %lld.", res[i].best);
        shortages++;
    }
    if (shortages)
        return b.data;
    /* Each resource is there somewhere, but not all of them on one host. */
    buf_appendf(&b, "no Enabled, healthy host in %s has ", rq->location);
    sched_amount(&b, rq->vcpus, "vCPU", "vCPUs");
    buf_appendf(&b, ", %lld MB of memory and ", rq->memory_mb);
    sched_amount(&b, rq->vfs, "virtual function", "virtual functions");
    buf_appendf(&b, " free at once. Free now:");
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) {
        const struct db_host *h = &hosts[i];
        enum sched_reason r = sched_filter_host(h, rq);
        if (r == SCHED_OTHER_LOCATION || r == SCHED_NOT_ENABLED || r == SCHED_UNHEALTHY)
            continue;
        if (shown == SCHED_EXPLAIN_HOSTS) {
            buf_appendf(&b, ", ...");
            break;
        }
        buf_appendf(&b, "%s %s %ld vCPUs, %lld MB, %ld VFs", shown ? "," : "", h->name,
                    sched_free_vcpus(h), sched_free_memory(h), sched_free_vfs(h));
        shown++;
    }
    buf_appendf(&b, ".");
    return b.data;
}

static uint32_t sched_random(uint32_t upper)
{
    return randombytes_uniform(upper);
}

enum db_status sched_place(struct db_conn *c, const struct sched_config *cfg,
                           const struct sched_request *rq, sched_rand_fn rnd,
                           struct sched_claim *out, struct err *e)
{
    unsigned tries = 0;
    if (!rnd)
        rnd = sched_random;
    for (int round = 0; round < SCHED_ROUNDS; round++) {
        struct db_host *hosts = NULL;
        size_t n = 0;
        enum db_status st =
            db_host_in_location(c, rq->location, cfg->heartbeat_timeout_s, &hosts, &n);
        if (st != DB_OK)
            return st;
        size_t *order = util_xcalloc(n ? n : 1, sizeof(*order));
        size_t k = sched_candidates(hosts, n, rq, cfg->weigher, cfg->choices, rnd, order);
        if (k == 0) {
            char *why = sched_explain(hosts, n, rq);
            err_set(e, ERR_ALLOCATION_FAILED, "location", "%s", why);
            __atomic_add_fetch(&sched_failed_total, 1, __ATOMIC_RELAXED);
            free(why);
            free(order);
            db_host_list_free(hosts, n);
            return DB_NOT_FOUND;
        }
        for (size_t i = 0; i < k; i++) {
            const struct db_host *h = &hosts[order[i]];
            tries++;
            st = db_host_claim(c, h->name, rq->vcpus, rq->memory_mb, rq->vfs,
                               cfg->heartbeat_timeout_s);
            if (st == DB_NOT_FOUND) {
                __atomic_add_fetch(&sched_lost_total, 1, __ATOMIC_RELAXED);
                log_debug("scheduler: lost the race for host %s; trying the next one", h->name);
                continue;
            }
            if (st == DB_OK) {
                __atomic_add_fetch(&sched_placed_total, 1, __ATOMIC_RELAXED);
                snprintf(out->host, sizeof(out->host), "%s", h->name);
                out->vcpus = rq->vcpus;
                out->memory_mb = rq->memory_mb;
                out->vfs = rq->vfs;
                log_debug("scheduler: claimed %ld vCPUs, %lld MB, %ld VFs on host %s (%u tries)",
                          rq->vcpus, rq->memory_mb, rq->vfs, h->name, tries);
            }
            free(order);
            db_host_list_free(hosts, n);
            return st;
        }
        free(order);
        db_host_list_free(hosts, n);
    }
    __atomic_add_fetch(&sched_failed_total, 1, __ATOMIC_RELAXED);
    err_set(e, ERR_ALLOCATION_FAILED, "location",
            "Allocation failed: every host in %s that could take %ld vCPUs, %lld MB of memory and "
            "%ld virtual functions was claimed by concurrent placements first (%u tries). Try "
            "again.",
            rq->location, rq->vcpus, rq->memory_mb, rq->vfs, tries);
    return DB_NOT_FOUND;
}

enum db_status sched_release(struct db_conn *c, const struct sched_claim *claim)
{
    enum db_status st = db_host_release(c, claim->host, claim->vcpus, claim->memory_mb, claim->vfs);
    if (st == DB_CONFLICT)
        log_error("scheduler: releasing %ld vCPUs, %lld MB, %ld VFs on host %s would take a "
                  "counter below zero (released twice?); nothing changed",
                  claim->vcpus, claim->memory_mb, claim->vfs, claim->host);
    return st;
}
