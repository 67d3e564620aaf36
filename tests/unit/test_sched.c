/* Unit tests for scheduler/sched.h: the filters (location, Enabled, healthy,
 * free vCPUs, memory and VFs), the weighers (spread, pack), the random pick
 * among the best, and the AllocationFailed messages. No database. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/sched.h"
#include "service/config.h"

/* A healthy, Enabled host in westeurope with the given free amounts. */
static struct db_host host(const char *name, long free_vcpus, long long free_mem, long free_vfs)
{
    struct db_host h;
    memset(&h, 0, sizeof h);
    snprintf(h.name, sizeof h.name, "%s", name);
    snprintf(h.location, sizeof h.location, "westeurope");
    snprintf(h.state, sizeof h.state, "Enabled");
    h.healthy = 1;
    h.vcpus_total = 64;
    h.vcpus_used = 64 - free_vcpus;
    h.memory_mb_total = 262144;
    h.memory_mb_used = 262144 - free_mem;
    h.vfs_total = 16;
    h.vfs_used = 16 - free_vfs;
    return h;
}

static const struct sched_request rq_2vf = {"westeurope", 4, 8192, 2};

static void test_filter_each_reason(void **state)
{
    (void)state;
    struct db_host h = host("a", 8, 16384, 4);
    assert_int_equal(sched_filter_host(&h, &rq_2vf), SCHED_FITS);

    struct db_host o = h;
    snprintf(o.location, sizeof o.location, "westcentralus");
    assert_int_equal(sched_filter_host(&o, &rq_2vf), SCHED_OTHER_LOCATION);
    o = h;
    snprintf(o.state, sizeof o.state, "Disabled");
    assert_int_equal(sched_filter_host(&o, &rq_2vf), SCHED_NOT_ENABLED);
    snprintf(o.state, sizeof o.state, "Draining");
    assert_int_equal(sched_filter_host(&o, &rq_2vf), SCHED_NOT_ENABLED);
    o = h;
    o.healthy = 0;
    assert_int_equal(sched_filter_host(&o, &rq_2vf), SCHED_UNHEALTHY);
    o = host("a", 3, 16384, 4);
    assert_int_equal(sched_filter_host(&o, &rq_2vf), SCHED_SHORT_VCPUS);
    o = host("a", 8, 8191, 4);
    assert_int_equal(sched_filter_host(&o, &rq_2vf), SCHED_SHORT_MEMORY);
    o = host("a", 8, 16384, 1);
    assert_int_equal(sched_filter_host(&o, &rq_2vf), SCHED_SHORT_VFS);
    /* Exactly enough fits. */
    o = host("a", 4, 8192, 2);
    assert_int_equal(sched_filter_host(&o, &rq_2vf), SCHED_FITS);
    /* A VM without accelerated NICs needs no VF. */
    struct sched_request no_vf = {"westeurope", 4, 8192, 0};
    o = host("a", 4, 8192, 0);
    assert_int_equal(sched_filter_host(&o, &no_vf), SCHED_FITS);
    /* The first failing filter is the one reported. */
    o = host("a", 0, 0, 0);
    o.healthy = 0;
    assert_int_equal(sched_filter_host(&o, &rq_2vf), SCHED_UNHEALTHY);
}

static void test_weighers(void **state)
{
    (void)state;
    struct db_host a = host("a", 8, 16384, 4), b = host("b", 16, 16384, 2),
                   c = host("c", 4, 16384, 4), d = host("d", 8, 32768, 4);
    /* spread: most free VFs first, then vCPUs, then memory. */
    assert_true(sched_compare(&a, &b, SCHED_SPREAD) < 0);
    assert_true(sched_compare(&a, &c, SCHED_SPREAD) < 0);
    assert_true(sched_compare(&d, &a, SCHED_SPREAD) < 0);
    /* pack: the fewest free first. */
    assert_true(sched_compare(&b, &a, SCHED_PACK) < 0);
    assert_true(sched_compare(&c, &a, SCHED_PACK) < 0);
    assert_true(sched_compare(&a, &d, SCHED_PACK) < 0);
    /* Ties by name, either way. */
    struct db_host a2 = host("a2", 8, 16384, 4);
    assert_true(sched_compare(&a, &a2, SCHED_SPREAD) < 0);
    assert_true(sched_compare(&a, &a2, SCHED_PACK) < 0);
    assert_int_equal(sched_compare(&a, &a, SCHED_SPREAD), 0);
}

static void test_candidates_order(void **state)
{
    (void)state;
    struct db_host hosts[6] = {
        host("h0", 8, 16384, 3),
        host("h1", 8, 16384, 8),
        host("h2", 8, 16384, 1) /* short */,
        host("h3", 16, 16384, 3),
        host("h4", 2, 16384, 9) /* short */,
        host("h5", 8, 16384, 5),
    };
    snprintf(hosts[5].state, sizeof hosts[5].state, "Draining");
    size_t order[6];
    size_t k = sched_candidates(hosts, 6, &rq_2vf, SCHED_SPREAD, 1, NULL, order);
    assert_int_equal(k, 3);
    assert_int_equal(order[0], 1); /* 8 free VFs */
    assert_int_equal(order[1], 3); /* 3 VFs, 16 vCPUs */
    assert_int_equal(order[2], 0); /* 3 VFs, 8 vCPUs */
    k = sched_candidates(hosts, 6, &rq_2vf, SCHED_PACK, 1, NULL, order);
    assert_int_equal(k, 3);
    assert_int_equal(order[0], 0);
    assert_int_equal(order[1], 3);
    assert_int_equal(order[2], 1);
    /* Nothing fits. */
    struct sched_request big = {"westeurope", 4, 8192, 10};
    assert_int_equal(sched_candidates(hosts, 6, &big, SCHED_SPREAD, 3, NULL, order), 0);
    assert_int_equal(sched_candidates(hosts, 0, &rq_2vf, SCHED_SPREAD, 3, NULL, order), 0);
}

/* A predictable "random" source: always the largest index. */
static uint32_t rnd_last(uint32_t upper)
{
    return upper - 1;
}

static uint32_t rnd_first(uint32_t upper)
{
    (void)upper;
    return 0;
}

static unsigned rnd_state = 12345;
static uint32_t rnd_lcg(uint32_t upper)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return (rnd_state >> 16) % upper;
}

static void test_random_among_best(void **state)
{
    (void)state;
    struct db_host hosts[5] = {
        host("h0", 8, 16384, 10), host("h1", 8, 16384, 9), host("h2", 8, 16384, 8),
        host("h3", 8, 16384, 7),  host("h4", 8, 16384, 6),
    };
    size_t order[5];
    /* rnd_first: Fisher-Yates with j = 0 rotates the best three. */
    size_t k = sched_candidates(hosts, 5, &rq_2vf, SCHED_SPREAD, 3, rnd_first, order);
    assert_int_equal(k, 5);
    assert_int_equal(order[3], 3);
    assert_int_equal(order[4], 4);
    /* rnd_last: no swap at all. */
    sched_candidates(hosts, 5, &rq_2vf, SCHED_SPREAD, 3, rnd_last, order);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(order[i], i);
    /* Over many picks each of the best three comes first, and nothing else
     * ever does; the rest keeps its weighed order. */
    int first[5] = {0};
    for (int i = 0; i < 3000; i++) {
        sched_candidates(hosts, 5, &rq_2vf, SCHED_SPREAD, 3, rnd_lcg, order);
        first[order[0]]++;
        int seen[3] = {0};
        for (size_t j = 0; j < 3; j++) {
            assert_true(order[j] < 3);
            seen[order[j]] = 1;
        }
        assert_true(seen[0] && seen[1] && seen[2]);
        assert_int_equal(order[3], 3);
        assert_int_equal(order[4], 4);
    }
    for (int i = 0; i < 3; i++)
        assert_true(first[i] > 700);
    assert_int_equal(first[3] + first[4], 0);
    /* choices = 1: always the best; choices larger than the candidates: all. */
    for (int i = 0; i < 50; i++) {
        sched_candidates(hosts, 5, &rq_2vf, SCHED_SPREAD, 1, rnd_lcg, order);
        assert_int_equal(order[0], 0);
        k = sched_candidates(hosts, 2, &rq_2vf, SCHED_SPREAD, 10, rnd_lcg, order);
        assert_int_equal(k, 2);
        assert_true((order[0] == 0 && order[1] == 1) || (order[0] == 1 && order[1] == 0));
    }
}

static void expect_in(const char *msg, const char *part)
{
    if (strstr(msg, part) == NULL)
        fail_msg("expected \"%s\" in the message: %s", part, msg);
}

static void test_explain(void **state)
{
    (void)state;
    char *m;
    /* Nothing in the location. */
    struct db_host other = host("x", 8, 16384, 8);
    snprintf(other.location, sizeof other.location, "eastus");
    m = sched_explain(&other, 1, &rq_2vf);
    expect_in(m, "no host is registered in location 'westeurope'");
    free(m);
    m = sched_explain(NULL, 0, &rq_2vf);
    expect_in(m, "no host is registered");
    free(m);

    /* Hosts, but none Enabled and healthy. */
    struct db_host hs[3] = {host("a", 8, 16384, 8), host("b", 8, 16384, 8), host("c", 8, 16384, 8)};
    snprintf(hs[0].state, sizeof hs[0].state, "Disabled");
    snprintf(hs[1].state, sizeof hs[1].state, "Draining");
    hs[2].healthy = 0;
    m = sched_explain(hs, 3, &rq_2vf);
    expect_in(m, "no Enabled, healthy host in westeurope (of its 3 hosts: 1 Draining, 1 "
                 "Disabled, 1 Unhealthy");
    free(m);

    /* The example of the issue: VFs short. */
    struct db_host vf[2] = {host("a", 8, 16384, 1), host("b", 8, 16384, 0)};
    m = sched_explain(vf, 2, &rq_2vf);
    assert_string_equal(m, "Allocation failed: no Enabled, healthy host in westeurope has 2 free "
                           "virtual functions; the most free is 1.");
    free(m);
    /* Several resources short: one sentence each. */
    struct db_host both[1] = {host("a", 2, 1024, 0)};
    m = sched_explain(both, 1, &rq_2vf);
    expect_in(m, "has 2 free virtual functions; the most free is 0.");
    expect_in(m, "has 4 free vCPUs; the most free is 2.");
    expect_in(m, "has 8192 MB of free memory; the most free is 1024.");
    free(m);
    struct sched_request one = {"westeurope", 1, 1, 1};
    struct db_host none[1] = {host("a", 0, 0, 0)};
    m = sched_explain(none, 1, &one);
    expect_in(m, "has 1 free virtual function; the most free is 0.");
    expect_in(m, "has 1 free vCPU; the most free is 0.");
    free(m);
    /* Each resource somewhere, but not together. */
    struct db_host split[2] = {host("a", 8, 16384, 0), host("b", 0, 16384, 8)};
    m = sched_explain(split, 2, &rq_2vf);
    expect_in(m, "has 4 vCPUs, 8192 MB of memory and 2 virtual functions free at once");
    expect_in(m, "a 8 vCPUs, 16384 MB, 0 VFs");
    expect_in(m, "b 0 vCPUs, 16384 MB, 8 VFs");
    free(m);
}

static void test_config(void **state)
{
    (void)state;
    struct config cfg;
    memset(&cfg, 0, sizeof cfg);
    struct sched_config sc;
    cfg.scheduler_weigher = (char *)"pack";
    cfg.scheduler_choices = 5;
    cfg.host_heartbeat_timeout_s = 30;
    sched_config_from(&cfg, &sc);
    assert_int_equal(sc.weigher, SCHED_PACK);
    assert_int_equal(sc.choices, 5);
    assert_int_equal(sc.heartbeat_timeout_s, 30);
    cfg.scheduler_weigher = (char *)"spread";
    sched_config_from(&cfg, &sc);
    assert_int_equal(sc.weigher, SCHED_SPREAD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter_each_reason),
        cmocka_unit_test(test_weighers),
        cmocka_unit_test(test_candidates_order),
        cmocka_unit_test(test_random_among_best),
        cmocka_unit_test(test_explain),
        cmocka_unit_test(test_config),
    };
    return cmocka_run_group_tests_name("test_sched", tests, NULL, NULL);
}
