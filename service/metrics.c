#include "service/metrics.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* Latency buckets in seconds (upper bounds), Prometheus-style. */
static const double metrics_buckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                         0.25,  0.5,    1,     2.5,  5,     10};
#define METRICS_NBUCKETS (sizeof(metrics_buckets) / sizeof(metrics_buckets[0]))
#define METRICS_STATUSES 600

struct metrics_route {
    unsigned long long by_status[METRICS_STATUSES];
    unsigned long long buckets[METRICS_NBUCKETS + 1]; /* last: +Inf */
    unsigned long long count;
    unsigned long long sum_ns;
};

struct metrics {
    const struct route *routes;
    size_t nroutes;
    struct metrics_route *series; /* nroutes + 1 */
    long in_flight;
};

struct metrics *metrics_new(const struct route *routes, size_t nroutes)
{
    struct metrics *m = util_xcalloc(1, sizeof(*m));
    m->routes = routes;
    m->nroutes = nroutes;
    m->series = util_xcalloc(nroutes + 1, sizeof(*m->series));
    return m;
}

void metrics_free(struct metrics *m)
{
    if (!m)
        return;
    free(m->series);
    free(m);
}

void metrics_observe(struct metrics *m, size_t route_index, unsigned status, uint64_t duration_ns)
{
    struct metrics_route *s = &m->series[route_index < m->nroutes ? route_index : m->nroutes];
    double secs = (double)duration_ns / 1e9;
    size_t b = 0;
    while (b < METRICS_NBUCKETS && secs > metrics_buckets[b])
        b++;
    __atomic_add_fetch(&s->by_status[status < METRICS_STATUSES ? status : 0], 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&s->buckets[b], 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&s->count, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&s->sum_ns, duration_ns, __ATOMIC_RELAXED);
}

void metrics_in_flight(struct metrics *m, int delta)
{
    __atomic_add_fetch(&m->in_flight, delta, __ATOMIC_RELAXED);
}

long metrics_in_flight_now(struct metrics *m)
{
    return __atomic_load_n(&m->in_flight, __ATOMIC_RELAXED);
}

static void metrics_labels(struct metrics *m, size_t i, const char **route, const char **method)
{
    *route = i < m->nroutes ? m->routes[i].pattern : "unmatched";
    *method = i < m->nroutes ? m->routes[i].method : "";
}

void metrics_render(struct metrics *m, struct db_pool *pool, struct buf *out)
{
    const char *route, *method;

    buf_appendf(out, "# HELP accelnet_http_requests_total HTTP requests answered, by route and "
                     "status.\n# TYPE accelnet_http_requests_total counter\n");
    for (size_t i = 0; i <= m->nroutes; i++) {
        metrics_labels(m, i, &route, &method);
        for (unsigned st = 0; st < METRICS_STATUSES; st++) {
            unsigned long long n = __atomic_load_n(&m->series[i].by_status[st], __ATOMIC_RELAXED);
            if (n)
                buf_appendf(
                    out,
                    "accelnet_http_requests_total{route=\"%s\",method=\"%s\",status=\"%u\"} "
                    "%llu\n",
                    route, method, st, n);
        }
    }
    buf_appendf(out, "# HELP accelnet_http_request_duration_seconds Time from the first byte of "
                     "a request to its response.\n"
                     "# TYPE accelnet_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i <= m->nroutes; i++) {
        struct metrics_route *s = &m->series[i];
        unsigned long long count = __atomic_load_n(&s->count, __ATOMIC_RELAXED), cum = 0;
        if (!count)
            continue;
        metrics_labels(m, i, &route, &method);
        for (size_t b = 0; b <= METRICS_NBUCKETS; b++) {
            cum += __atomic_load_n(&s->buckets[b], __ATOMIC_RELAXED);
            if (b < METRICS_NBUCKETS)
                buf_appendf(
                    out,
                    "accelnet_http_request_duration_seconds_bucket{route=\"%s\",method=\"%s\","
                    "le=\"%g\"} %llu\n",
                    route, method, metrics_buckets[b], cum);
            else
                buf_appendf(
                    out,
                    "accelnet_http_request_duration_seconds_bucket{route=\"%s\",method=\"%s\","
                    "le=\"+Inf\"} %llu\n",
                    route, method, cum);
        }
        buf_appendf(
            out,
            "accelnet_http_request_duration_seconds_sum{route=\"%s\",method=\"%s\"} %.6f\n"
            "accelnet_http_request_duration_seconds_count{route=\"%s\",method=\"%s\"} %llu\n",
            route, method, (double)__atomic_load_n(&s->sum_ns, __ATOMIC_RELAXED) / 1e9, route,
            method, count);
    }
    buf_appendf(out,
                "# HELP accelnet_http_in_flight Requests being handled now.\n"
                "# TYPE accelnet_http_in_flight gauge\naccelnet_http_in_flight %ld\n",
                metrics_in_flight_now(m));
    if (pool) {
        struct db_pool_stats st;
        db_pool_stats(pool, &st);
        buf_appendf(out,
                    "# HELP accelnet_db_pool_size Connections the pool may hold.\n"
                    "# TYPE accelnet_db_pool_size gauge\naccelnet_db_pool_size %u\n"
                    "# HELP accelnet_db_pool_connections Pool connections by state.\n"
                    "# TYPE accelnet_db_pool_connections gauge\n"
                    "accelnet_db_pool_connections{state=\"in_use\"} %u\n"
                    "accelnet_db_pool_connections{state=\"idle\"} %u\n"
                    "# HELP accelnet_db_pool_waiting Requests waiting for a connection.\n"
                    "# TYPE accelnet_db_pool_waiting gauge\naccelnet_db_pool_waiting %u\n"
                    "# HELP accelnet_db_pool_acquired_total Connections handed out.\n"
                    "# TYPE accelnet_db_pool_acquired_total counter\n"
                    "accelnet_db_pool_acquired_total %llu\n"
                    "# HELP accelnet_db_pool_acquire_timeouts_total Waits for a connection that "
                    "timed out.\n"
                    "# TYPE accelnet_db_pool_acquire_timeouts_total counter\n"
                    "accelnet_db_pool_acquire_timeouts_total %llu\n"
                    "# HELP accelnet_db_pool_connects_total Connections (re)established.\n"
                    "# TYPE accelnet_db_pool_connects_total counter\n"
                    "accelnet_db_pool_connects_total %llu\n",
                    st.size, st.in_use, st.size - st.in_use, st.waiting, st.acquired_total,
                    st.timeouts_total, st.resets_total);
    }
}
