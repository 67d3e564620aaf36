/* metrics — request counters and latency histograms per route, rendered in
 * the Prometheus text format with the database pool's gauges. */
#ifndef ACCELNET_SERVICE_METRICS_H
#define ACCELNET_SERVICE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "common/util.h"
#include "db/db.h"
#include "common/route.h"

struct metrics;

/* One series per route of the table, plus one for requests no route took. */
struct metrics *metrics_new(const struct route *routes, size_t nroutes);
void metrics_free(struct metrics *m);
/* route_index == nroutes for unmatched requests. Thread-safe, lock-free. */
void metrics_observe(struct metrics *m, size_t route_index, unsigned status, uint64_t duration_ns);
void metrics_in_flight(struct metrics *m, int delta);
long metrics_in_flight_now(struct metrics *m);
/* Appends the exposition text to out. pool may be NULL. */
void metrics_render(struct metrics *m, struct db_pool *pool, struct buf *out);

#endif
