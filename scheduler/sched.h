/* sched — placing a VM on a host.
 *
 * A request (location, vCPUs, memory, VFs) is placed in three steps:
 *
 *   1. filters: the host is in the location, Enabled, healthy (its last
 *      heartbeat is younger than the timeout), and has the free vCPUs, memory
 *      and virtual functions asked for;
 *   2. weighers: spread (most free VFs, then most free vCPUs, then most free
 *      memory) or pack (the fewest that still fit), ties by name; then the
 *      best `choices` hosts are shuffled, so that concurrent placements rarely
 *      go for the same host first;
 *   3. the claim, in that order: a conditional UPDATE (db_host_claim) that
 *      only adds to a host's used counters when the host is still Enabled,
 *      healthy and has room, so several accelnetd processes on one database
 *      cannot over-commit a host. A claim that lost a race matches no row and
 *      the next candidate is tried.
 *
 * When no host can take the request the answer is AllocationFailed with a
 * message that says what was short ("no Enabled, healthy host in westeurope
 * has 2 free virtual functions; the most free is 1").
 *
 * The filter, weigh and explain functions are pure (unit-tested); only
 * sched_place and sched_release touch the database. */
#ifndef ACCELNET_SCHEDULER_SCHED_H
#define ACCELNET_SCHEDULER_SCHED_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/util.h"
#include "db/db.h"
#include "db/host.h"

struct config;

/* What a VM needs. Amounts are >= 0. */
struct sched_request {
    const char *location; /* canonical name ("westeurope") */
    long vcpus;
    long long memory_mb;
    long vfs; /* one per accelerated network interface */
};

enum sched_weigher { SCHED_SPREAD, SCHED_PACK };

struct sched_config {
    enum sched_weigher weigher;
    unsigned choices;             /* pick at random among this many best (>= 1) */
    unsigned heartbeat_timeout_s; /* older heartbeat = unhealthy */
};

/* From accelnetd's settings (ACCELNET_SCHEDULER_WEIGHER, _CHOICES,
 * ACCELNET_HOST_HEARTBEAT_TIMEOUT). */
void sched_config_from(const struct config *cfg, struct sched_config *out);

/* --- pure functions --------------------------------------------------------- */

/* Why a host cannot take a request: the first filter it fails, in this order. */
enum sched_reason {
    SCHED_FITS = 0,
    SCHED_OTHER_LOCATION,
    SCHED_NOT_ENABLED,
    SCHED_UNHEALTHY,
    SCHED_SHORT_VCPUS,
    SCHED_SHORT_MEMORY,
    SCHED_SHORT_VFS,
};
enum sched_reason sched_filter_host(const struct db_host *h, const struct sched_request *rq);

/* <0 when a is the better host for the weigher, >0 when b is, 0 only for
 * the same name. */
int sched_compare(const struct db_host *a, const struct db_host *b, enum sched_weigher w);

/* A random number in [0, upper) (upper >= 1); randombytes_uniform in
 * accelnetd, something predictable in tests. */
typedef uint32_t (*sched_rand_fn)(uint32_t upper);

/* Fills order (room for n) with the indices of the hosts that pass every
 * filter, best first; then shuffles the first `choices` of them with rnd (no
 * shuffle when rnd is NULL). Returns how many passed. */
size_t sched_candidates(const struct db_host *hosts, size_t n, const struct sched_request *rq,
                        enum sched_weigher w, unsigned choices, sched_rand_fn rnd, size_t *order);

/* The message of AllocationFailed for a request that none of hosts (the
 * location's hosts, as loaded) can take: what was short, and how much the
 * best host had. Caller frees. */
char *sched_explain(const struct db_host *hosts, size_t n, const struct sched_request *rq);

/* --- placement ------------------------------------------------------------- */

/* A claim on one host: what sched_release gives back. */
struct sched_claim {
    char host[DB_HOST_NAME_MAX + 1];
    long vcpus;
    long long memory_mb;
    long vfs;
};

/* Places rq and claims its capacity. Runs on c as it is: in the caller's
 * transaction when one is open (then the claim commits or rolls back with
 * it), else each claim commits by itself. DB_OK: out says where. DB_NOT_FOUND:
 * no host could take it; e is set (AllocationFailed, target "location").
 * Anything else: the database failed (e untouched). rnd as above (NULL:
 * randombytes_uniform). */
enum db_status sched_place(struct db_conn *c, const struct sched_config *cfg,
                           const struct sched_request *rq, sched_rand_fn rnd,
                           struct sched_claim *out, struct err *e);

/* Gives a claim back (the inverse UPDATE). DB_NOT_FOUND: the host is gone;
 * DB_CONFLICT: a counter would fall below zero (a claim released twice);
 * nothing changes then. */
enum db_status sched_release(struct db_conn *c, const struct sched_claim *claim);

/* The process's counters since start (placements, AllocationFailed answers,
 * claims lost to a concurrent placement), and the same as Prometheus text. */
void sched_counters(unsigned long long *placed, unsigned long long *failed,
                    unsigned long long *lost_races);
void sched_metrics_render(struct buf *out);

#endif
