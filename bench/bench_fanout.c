/* bench_fanout — how long one NSG rule change takes to reach 1,000
 * accelerated NICs on 50 host agents (issue 6), with the default fan-out
 * bounds (ACCELNET_AGENT_MAX_IN_FLIGHT=32, ACCELNET_AGENT_MAX_PER_HOST=4) and
 * batches (ACCELNET_POLICY_PUSH_BATCH=64: each agent's NICs in one POST
 * /v1/policies), against three baselines measured in the same run:
 *
 *   - the same change with one PUT per NIC, one at a time (both bounds 1,
 *     ACCELNET_POLICY_PUSH_BATCH=1): what the bounded, batched fan-out buys;
 *   - the same change with one PUT per NIC within the default bounds (the
 *     fan-out before batches): what the batches buy;
 *   - a change that reaches one NIC (an NSG of its own on one more VM): the
 *     fixed cost of any change, against which the cost per NIC is read.
 *
 * The fleet is real processes, built through the API (tests/integration/
 * itfleet.h): accelnetd and 50 accelnet-agent (sim backend, HTTPS both
 * ways), 125 VMs of 8 accelerated NICs on hosts of 24 VFs. accelnetd's
 * settings are fixed at its start, so each configuration is a restart of it
 * on the same port and database (the agents keep their controller URL);
 * the two alternate, repetition after repetition, so that a change in the
 * machine's load touches both alike.
 *
 * A change's time is its operation's, from startTime (the transaction of
 * the rule PUT) to endTime (every agent has acknowledged), as the operation
 * resource reports them in microseconds: polling would round it to the poll
 * interval. No time is reported for a wrong result: after every change the
 * operation must be Succeeded, every NIC it reaches must have a newer
 * generation, and every agent's inventory must match the database
 * (itfleet_check). Exit status 0, or 1 when the bench could not run or a
 * result was wrong. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/benchout.h"
#include "tests/integration/itest.h"
#include "tests/integration/itfleet.h"

#define AGENTS      50
#define VFS         24
#define VMS         125
#define NICS_PER_VM 8
#define NICS        (VMS * NICS_PER_VM)
#define MAX_REPS    50

/* The NSG of the 1-NIC change, its NIC and VM. */
#define ONE_NSG "one-nsg"
#define ONE_NIC "one-nic"
#define ONE_VM  "one-vm"

static struct itfleet fleet;

static const char *const daemon_env[] = {
    "ACCELNET_OPS_POLL_MS=200",
    "ACCELNET_OPS_RETRY_AFTER=1",
    /* 50 agents heartbeat; a restart of accelnetd must not make them
     * Unhealthy. */
    "ACCELNET_HOST_HEARTBEAT_INTERVAL=5",
    "ACCELNET_HOST_HEARTBEAT_TIMEOUT=120",
    "ACCELNET_POLICY_PUSH_DEADLINE_S=120",
    /* No reconciler pass in the middle of a measurement (one still runs when
     * an agent registers). */
    "ACCELNET_RECONCILE_INTERVAL_S=0",
    NULL,
};

static const char *const env_default[] = {
    "ACCELNET_AGENT_MAX_IN_FLIGHT=32",
    "ACCELNET_AGENT_MAX_PER_HOST=4",
    "ACCELNET_POLICY_PUSH_BATCH=64",
    NULL,
};

static const char *const env_per_nic[] = {
    "ACCELNET_AGENT_MAX_IN_FLIGHT=32",
    "ACCELNET_AGENT_MAX_PER_HOST=4",
    "ACCELNET_POLICY_PUSH_BATCH=1",
    NULL,
};

static const char *const env_serial[] = {
    "ACCELNET_AGENT_MAX_IN_FLIGHT=1",
    "ACCELNET_AGENT_MAX_PER_HOST=1",
    "ACCELNET_POLICY_PUSH_BATCH=1",
    NULL,
};

static void die(const char *what)
{
    fprintf(stderr, "bench_fanout: %s: %s\n", what, fleet.error);
    if (fleet.d.pid > 0)
        itest_daemon_log_tail(&fleet.d, 40);
    itfleet_stop(&fleet);
    exit(1);
}

/* "2016-09-01T12:34:56.123456Z" as seconds since the epoch; -1 when it is
 * not that. */
static double iso_seconds(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *rest = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
    if (rest == NULL)
        return -1;
    double frac = 0;
    if (*rest == '.') {
        char *end;
        frac = strtod(rest, &end);
        rest = end;
    }
    if (strcmp(rest, "Z") != 0)
        return -1;
    return (double)timegm(&tm) + frac;
}

/* What accelnetd's log says of operation `id`'s pushes ("policy pushed"
 * lines: loading the NICs' policies, the agents' calls, recording the
 * acknowledgements), summed over its rounds, in buf. */
static void push_phases(const char *id, char *buf, size_t size)
{
    buf[0] = '\0';
    if (id == NULL)
        return;
    char *log = itest_daemon_log(&fleet.d);
    long long load = 0, push = 0, ack = 0, rounds = 0, nics = 0, calls = 0;
    for (char *line = log, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (strstr(line, "policy pushed") == NULL || strstr(line, id) == NULL)
            continue;
        json_t *j = json_loads(line, 0, NULL);
        const char *op = json_string_value(json_object_get(j, "operationId"));
        if (op && strcmp(op, id) == 0) {
            rounds++;
            nics += json_integer_value(json_object_get(j, "nics"));
            calls += json_integer_value(json_object_get(j, "calls"));
            load += json_integer_value(json_object_get(j, "loadMs"));
            push += json_integer_value(json_object_get(j, "pushMs"));
            ack += json_integer_value(json_object_get(j, "ackMs"));
        }
        json_decref(j);
    }
    free(log);
    snprintf(buf, size,
             "%lld round(s), %lld pushes in %lld calls: load %lld ms, push %lld ms, ack %lld ms",
             rounds, nics, calls, load, push, ack);
}

static long long pg(const char *sql)
{
    return itest_pg_long(fleet.conninfo, sql);
}

/* The lowest generation wanted for the NICs of `where`, and how many have a
 * VF. */
static long long min_generation(const char *where, long long *count)
{
    char sql[300];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM network_interfaces WHERE vf_index IS NOT NULL AND %s", where);
    *count = pg(sql);
    snprintf(sql, sizeof sql,
             "SELECT min(vf_policy_generation) FROM network_interfaces WHERE vf_index IS NOT "
             "NULL AND %s",
             where);
    return pg(sql);
}

/* One rule change on nsg, reaching `nics` NICs (those of `where`): its
 * operation's duration in ms, after checking that it is right everywhere.
 * Exits on a wrong result. */
static double change(const char *nsg, const char *where, long long nics, const char *label)
{
    static int seq;
    char port[16];
    snprintf(port, sizeof port, "%d", 10000 + ++seq);
    long long before = pg("SELECT max(vf_policy_generation) FROM network_interfaces");
    json_t *op = NULL;
    long long t0 = itest_now_ms();
    if (itfleet_nsg_rule_put(&fleet, nsg, "bench", 200, port, 300000, &op) != 0)
        die(label);
    long long client_ms = itest_now_ms() - t0;
    const char *status = json_string_value(json_object_get(op, "status"));
    double start = iso_seconds(json_string_value(json_object_get(op, "startTime")));
    double end = iso_seconds(json_string_value(json_object_get(op, "endTime")));
    if (status == NULL || strcmp(status, "Succeeded") != 0 || start < 0 || end < start) {
        char *t = json_dumps(op, 0);
        snprintf(fleet.error, sizeof fleet.error, "the operation did not succeed: %s", t ? t : "?");
        free(t);
        die(label);
    }
    char phases[200];
    push_phases(json_string_value(json_object_get(op, "name")), phases, sizeof phases);
    json_decref(op);
    long long count = 0;
    long long lowest = min_generation(where, &count);
    if (count != nics || lowest <= before) {
        snprintf(fleet.error, sizeof fleet.error,
                 "%lld NICs (want %lld) with generation from %lld (want above %lld)", count, nics,
                 lowest, before);
        die(label);
    }
    long long seen = 0;
    if (itfleet_check(&fleet, &seen) != 0)
        die(label);
    double ms = (end - start) * 1000.0;
    printf("  %-28s %8.1f ms (the client saw it after %lld ms; %s); %lld NICs checked\n", label, ms,
           client_ms, phases, seen);
    fflush(stdout);
    return ms;
}

static void restart(const char *const *env, const char *what)
{
    long long t0 = itest_now_ms();
    if (itfleet_restart(&fleet, env) != 0)
        die("restarting accelnetd");
    printf("accelnetd restarted with %s (%lld ms)\n", what, itest_now_ms() - t0);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int reps = benchout_reps();
    if (reps > MAX_REPS)
        reps = MAX_REPS;
    struct itfleet_opts o = {.db_name = "bench_fanout",
                             .agents = AGENTS,
                             .vfs_per_agent = VFS,
                             .vms = VMS,
                             .nics_per_vm = NICS_PER_VM,
                             .threads = 8,
                             .env = daemon_env};
    long long t0 = itest_now_ms();
    if (itfleet_start(&fleet, &o) != 0)
        die("starting the fleet");
    printf("fleet: accelnetd and %d agents started in %lld ms\n", AGENTS, itest_now_ms() - t0);
    t0 = itest_now_ms();
    if (itfleet_populate(&fleet) != 0 || itfleet_single(&fleet, ONE_NSG, ONE_NIC, ONE_VM) != 0)
        die("populating the fleet");
    printf("fleet: %d VMs with %d accelerated NICs each, and one with 1, created in %lld ms\n", VMS,
           NICS_PER_VM, itest_now_ms() - t0);
    if (itfleet_hosts_used(&fleet) != AGENTS) {
        snprintf(fleet.error, sizeof fleet.error, "VFs on %lld hosts, not %d",
                 itfleet_hosts_used(&fleet), AGENTS);
        die("populating the fleet");
    }
    if (itfleet_check(&fleet, NULL) != 0)
        die("checking the fleet");

    const char *fleet_where = "nsg_id = (SELECT id FROM network_security_groups WHERE name = "
                              "'" ITFLEET_NSG "')";
    const char *one_where = "name = '" ONE_NIC "'";
    double def[MAX_REPS], per_nic[MAX_REPS], serial[MAX_REPS], one[MAX_REPS];
    for (int r = 0; r < reps; r++) {
        printf("repetition %d of %d\n", r + 1, reps);
        /* The first repetition runs with accelnetd as itfleet_start() left
         * it: the defaults, which env_default spells out. */
        if (r > 0)
            restart(env_default,
                    "the default bounds (32 in flight, 4 per host) and batches of 64 NICs");
        /* A first change after a start pays for new database connections. */
        change(ONE_NSG, one_where, 1, "warm-up, 1 NIC");
        def[r] = change(ITFLEET_NSG, fleet_where, NICS, "1,000 NICs, batches");
        one[r] = change(ONE_NSG, one_where, 1, "1 NIC, batches");
        restart(env_per_nic, "one PUT per NIC within the default bounds");
        change(ONE_NSG, one_where, 1, "warm-up, 1 NIC");
        per_nic[r] = change(ITFLEET_NSG, fleet_where, NICS, "1,000 NICs, a PUT per NIC");
        restart(env_serial, "one PUT per NIC, one at a time (1 in flight, 1 per host)");
        change(ONE_NSG, one_where, 1, "warm-up, 1 NIC");
        serial[r] = change(ITFLEET_NSG, fleet_where, NICS, "1,000 NICs, one at a time");
    }
    itfleet_stop(&fleet);

    double d = benchout_median(def, (size_t)reps), s = benchout_median(serial, (size_t)reps),
           p = benchout_median(per_nic, (size_t)reps), n1 = benchout_median(one, (size_t)reps);
    char v[64], b[96], ratio[32], num[32];
    snprintf(v, sizeof v, "%s ms", benchout_num(num, sizeof num, d, 0));
    snprintf(b, sizeof b, "pushes one at a time: %s ms", benchout_num(num, sizeof num, s, 0));
    snprintf(ratio, sizeof ratio, "%.1fx faster", d > 0 ? s / d : 0);
    int rc = benchout_row("NSG change to 1,000 NICs on 50 agents", v, b, ratio);
    snprintf(b, sizeof b, "a PUT per NIC: %s ms", benchout_num(num, sizeof num, p, 0));
    snprintf(ratio, sizeof ratio, "%.1fx faster", d > 0 ? p / d : 0);
    rc |= benchout_row("  the same, in batches of 64", v, b, ratio);
    snprintf(v, sizeof v, "%.2f ms per NIC", d / NICS);
    snprintf(b, sizeof b, "change to 1 NIC: %s ms", benchout_num(num, sizeof num, n1, 1));
    snprintf(ratio, sizeof ratio, "%.3f", n1 > 0 ? d / NICS / n1 : 0);
    rc |= benchout_row("  the same, per NIC", v, b, ratio);
    return rc ? 1 : 0;
}
