/* it_fanout — one NSG on 1,000 accelerated NICs spread over 50 host agents
 * (issue 6): a rule change reaches every NIC's agent with the new
 * generation, and two changes racing end with the newer one everywhere.
 *
 * Real processes: accelnetd and 50 accelnet-agent (sim backend, HTTPS both
 * ways). The fleet is built through the API (itfleet.h): 125 VMs of 8
 * accelerated NICs each, placed by the spread weigher on 50 hosts of 24 VFs.
 * Five of the agents are "older" ones (--test-no-policy-batches: no POST
 * /v1/policies), as in a rolling upgrade: their NICs get one PUT each, the
 * others' come in batches, and all converge alike.
 * This checks convergence, not speed: `make bench` measures the fan-out. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/itest.h"
#include "tests/integration/itfleet.h"

#define AGENTS      50
#define VFS         24
#define VMS         125
#define NICS_PER_VM 8
#define LEGACY      5

static struct itfleet fleet;

static const char *const daemon_env[] = {
    "ACCELNET_OPS_POLL_MS=200",
    "ACCELNET_OPS_RETRY_AFTER=1",
    "ACCELNET_DB_POOL_SIZE=24",
    "ACCELNET_WORKERS=6",
    /* Heartbeats: 50 agents, with room for a loaded machine. */
    "ACCELNET_HOST_HEARTBEAT_INTERVAL=5",
    "ACCELNET_HOST_HEARTBEAT_TIMEOUT=120",
    "ACCELNET_POLICY_PUSH_DEADLINE_S=120",
    /* About 20 NICs per host: batches of 8 make several per host, some in
     * flight to one agent at once. */
    "ACCELNET_POLICY_PUSH_BATCH=8",
    NULL,
};

static int setup(void **state)
{
    (void)state;
    struct itfleet_opts o = {.db_name = "it_fanout",
                             .agents = AGENTS,
                             .vfs_per_agent = VFS,
                             .vms = VMS,
                             .nics_per_vm = NICS_PER_VM,
                             .threads = 8,
                             .legacy_agents = LEGACY,
                             .env = daemon_env};
    if (itfleet_start(&fleet, &o) != 0) {
        fprintf(stderr, "it_fanout: %s\n", fleet.error);
        if (fleet.d.pid > 0)
            itest_daemon_log_tail(&fleet.d, 60);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    itfleet_stop(&fleet);
    return 0;
}

static void check(int rc)
{
    if (rc != 0) {
        itest_daemon_log_tail(&fleet.d, 40);
        fail_msg("%s", fleet.error);
    }
}

static long long pg(const char *sql)
{
    return itest_pg_long(fleet.conninfo, sql);
}

static void expect_op_succeeded(json_t *op)
{
    const char *status = json_string_value(json_object_get(op, "status"));
    if (status == NULL || strcmp(status, "Succeeded") != 0) {
        char *t = json_dumps(op, 0);
        fail_msg("the change's operation did not succeed: %s", t);
    }
}

/* 1,000 NICs with VFs on all 50 hosts, every agent with what the database
 * wants. */
static void test_fleet(void **state)
{
    (void)state;
    long long t0 = itest_now_ms();
    check(itfleet_populate(&fleet));
    fprintf(stderr, "it_fanout: %d VMs with %d NICs each created in %lld ms\n", VMS, NICS_PER_VM,
            itest_now_ms() - t0);
    assert_int_equal(pg("SELECT count(*) FROM network_interfaces WHERE vf_index IS NOT NULL"),
                     VMS * NICS_PER_VM);
    assert_int_equal(itfleet_hosts_used(&fleet), AGENTS);
    long long nics = 0;
    check(itfleet_check(&fleet, &nics));
    assert_int_equal(nics, VMS * NICS_PER_VM);
}

/* One rule PUT: Updating, then Succeeded once all 50 agents acknowledged
 * the new generation for all 1,000 NICs. */
static void test_fanout(void **state)
{
    (void)state;
    long long before = pg("SELECT max(vf_policy_generation) FROM network_interfaces");
    double calls0 = itest_metric(&fleet.d, "\naccelnet_agent_calls_total ");
    double fallbacks0 = itest_metric(&fleet.d, "\naccelnet_agent_policy_batch_fallbacks_total ");
    json_t *op = NULL;
    long long t0 = itest_now_ms();
    check(itfleet_rule_put(&fleet, "https", 110, "443", 180000, &op));
    fprintf(stderr, "it_fanout: one rule change on %d NICs over %d agents took %lld ms\n",
            VMS * NICS_PER_VM, AGENTS, itest_now_ms() - t0);
    expect_op_succeeded(op);
    json_decref(op);
    /* Every NIC has a generation newer than any before the change. */
    assert_true(pg("SELECT min(vf_policy_generation) FROM network_interfaces") > before);
    long long nics = 0;
    check(itfleet_check(&fleet, &nics));
    assert_int_equal(nics, VMS * NICS_PER_VM);
    /* In batches (about 20 NICs per host: three calls each), but to the
     * older agents, which got one PUT per NIC after their batches' 404. */
    double calls = itest_metric(&fleet.d, "\naccelnet_agent_calls_total ") - calls0;
    double fallbacks =
        itest_metric(&fleet.d, "\naccelnet_agent_policy_batch_fallbacks_total ") - fallbacks0;
    fprintf(stderr, "it_fanout: %.0f agent calls, %.0f batches sent one NIC at a time\n", calls,
            fallbacks);
    assert_true(fallbacks >= 2 * LEGACY);
    assert_true(calls < (VMS * NICS_PER_VM) / 2);
    /* The operation's policy.push reached all 50 hosts. */
    assert_int_equal(pg("SELECT count(*) FROM operations WHERE kind = 'policy.push' AND status "
                        "<> 'Succeeded'"),
                     0);
}

struct racer {
    const char *name, *port;
    int priority;
    json_t *op;
    int rc;
    char error[1024];
};

static void *race_one(void *arg)
{
    struct racer *r = arg;
    /* itfleet_rule_put writes its message to the fleet: use a copy. */
    static struct itfleet copies[2];
    struct itfleet *f = &copies[r->priority & 1];
    memcpy(f, &fleet, sizeof *f);
    r->rc = itfleet_rule_put(f, r->name, r->priority, r->port, 180000, &r->op);
    snprintf(r->error, sizeof r->error, "%s", f->error);
    return NULL;
}

/* Two changes at once: both operations succeed, and every agent ends with
 * the newer generation. */
static void test_race(void **state)
{
    (void)state;
    long long before = pg("SELECT max(vf_policy_generation) FROM network_interfaces");
    struct racer r[2] = {{.name = "race-a", .port = "8080", .priority = 120},
                         {.name = "race-b", .port = "8443", .priority = 121}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, race_one, &r[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 2; i++) {
        if (r[i].rc != 0)
            fail_msg("rule %s: %s", r[i].name, r[i].error);
        expect_op_succeeded(r[i].op);
        json_decref(r[i].op);
    }
    /* Each NIC's generations come from one sequence: the second change's are
     * above every one of the first's, and that is what every agent has. */
    assert_true(pg("SELECT min(vf_policy_generation) FROM network_interfaces") >
                before + VMS * NICS_PER_VM);
    check(itfleet_check(&fleet, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fleet),
        cmocka_unit_test(test_fanout),
        cmocka_unit_test(test_race),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
