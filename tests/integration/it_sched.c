/* it_sched — the scheduler's claim against a real PostgreSQL database, under
 * concurrency. This test links the service library and calls sched_place /
 * sched_release directly (no daemon, no test-only route): each thread has a
 * connection pool of its own, as separate accelnetd processes would.
 *
 *   - 20 threads place VMs needing one VF each on two hosts with 3 and 4 VFs:
 *     exactly 7 succeed, every other one fails with AllocationFailed naming
 *     the virtual functions, and the database's counters equal the claims —
 *     with the random pick among the best (choices 3) and with every thread
 *     going for the same host first (choices 1, where lost races must move on
 *     to the next candidate);
 *   - the same with vCPUs as the short resource;
 *   - release gives everything back and never takes a counter below zero;
 *   - Disabled, Draining and Unhealthy hosts are never claimed, also when
 *     they turn so between the scheduler's read and its claim;
 *   - a claim in a transaction that rolls back leaves nothing claimed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "db/db.h"
#include "db/host.h"
#include "db/migrate.h"
#include "scheduler/sched.h"
#include "tests/integration/itest.h"

#define THREADS 20
#define TIMEOUT 30 /* heartbeat timeout, seconds */

static struct {
    char *conninfo;
    struct db_pool *pool; /* for the checks */
} g;

static void pg_exec(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void pg_exec(const char *fmt, ...)
{
    char sql[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    if (itest_pg_exec(g.conninfo, sql) != 0)
        fail_msg("SQL failed: %s", sql);
}

static long long pg_long(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static long long pg_long(const char *fmt, ...)
{
    char sql[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    return itest_pg_long(g.conninfo, sql);
}

/* The SQLSTATE sql fails with ("" when it succeeds), quietly: for statements
 * that are meant to fail. */
static void pg_sqlstate(const char *sql, char state[6])
{
    PGconn *pg = PQconnectdb(g.conninfo);
    PGresult *r = PQexec(pg, sql);
    const char *s = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    snprintf(state, 6, "%s", s ? s : "");
    PQclear(r);
    PQfinish(pg);
}

/* A registered, healthy, Enabled host. */
static void add_host(const char *name, const char *location, long vcpus, long long mem, long vfs)
{
    pg_exec("INSERT INTO hosts (name, location, agent_url, callback_token, backend, "
            "agent_version, vcpus_total, memory_mb_total, vfs_total, last_heartbeat_at) "
            "VALUES ('%s', '%s', 'https://127.0.0.1:9', "
            "'it-sched-callback-token-0123456789abcdef', 'sim', 'it', %ld, %lld, %ld, now())",
            name, location, vcpus, mem, vfs);
}

static int setup(void **state)
{
    (void)state;
    char err[512];
    if (sodium_init() < 0)
        return -1;
    g.conninfo = itest_db_create("it_sched");
    PGconn *pg = PQconnectdb(g.conninfo);
    if (PQstatus(pg) != CONNECTION_OK) {
        fprintf(stderr, "it_sched: %s\n", PQerrorMessage(pg));
        PQfinish(pg);
        return -1;
    }
    int applied = migrate_run(pg, err, sizeof err);
    PQfinish(pg);
    if (applied < 0) {
        fprintf(stderr, "it_sched: migrations: %s\n", err);
        return -1;
    }
    g.pool = db_pool_new(g.conninfo, 2, 5000, 30000);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    db_pool_free(g.pool);
    free(g.conninfo);
    return 0;
}

static void clear_hosts(void)
{
    pg_exec("DELETE FROM hosts");
}

/* --- the race ----------------------------------------------------------------------- */

struct racer {
    pthread_t thread;
    pthread_barrier_t *start;
    struct sched_config cfg;
    struct sched_request rq;
    /* out */
    enum db_status st;
    struct sched_claim claim;
    char code[64];
    char message[512];
};

static void *racer_main(void *arg)
{
    struct racer *r = arg;
    struct err e = {0};
    struct db_conn *c;
    /* A pool of its own: another accelnetd as far as PostgreSQL can tell. */
    struct db_pool *pool = db_pool_new(g.conninfo, 1, 10000, 30000);
    r->st = db_acquire(pool, &c);
    /* Connect before the start line, so that all claims go out together. */
    if (r->st == DB_OK)
        r->st = db_exec_simple(c, "SELECT 1");
    pthread_barrier_wait(r->start);
    if (r->st == DB_OK) {
        r->st = sched_place(c, &r->cfg, &r->rq, NULL, &r->claim, &e);
        db_release(pool, c);
    }
    if (e.set) {
        snprintf(r->code, sizeof r->code, "%s", err_code_name(e.code));
        snprintf(r->message, sizeof r->message, "%s", e.message);
    }
    err_clear(&e);
    db_pool_free(pool);
    return NULL;
}

/* Runs THREADS placements of rq at once; returns the successes, checks the
 * failures' code and that each names `short_what`. */
static int race(const struct sched_config *cfg, const struct sched_request *rq,
                const char *short_what, struct racer *rs)
{
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, THREADS);
    for (int i = 0; i < THREADS; i++) {
        memset(&rs[i], 0, sizeof rs[i]);
        rs[i].start = &start;
        rs[i].cfg = *cfg;
        rs[i].rq = *rq;
        assert_int_equal(pthread_create(&rs[i].thread, NULL, racer_main, &rs[i]), 0);
    }
    int ok = 0;
    for (int i = 0; i < THREADS; i++)
        pthread_join(rs[i].thread, NULL);
    pthread_barrier_destroy(&start);
    for (int i = 0; i < THREADS; i++) {
        if (rs[i].st == DB_OK) {
            ok++;
            continue;
        }
        if (rs[i].st != DB_NOT_FOUND)
            fail_msg("placement %d: database status %s", i, db_status_name(rs[i].st));
        assert_string_equal(rs[i].code, "AllocationFailed");
        if (strstr(rs[i].message, short_what) == NULL)
            fail_msg("placement %d: the message should name %s: %s", i, short_what, rs[i].message);
    }
    return ok;
}

static void check_claims_match(const struct racer *rs, const char *host, const char *column)
{
    long long mine = 0;
    for (int i = 0; i < THREADS; i++)
        if (rs[i].st == DB_OK && strcmp(rs[i].claim.host, host) == 0)
            mine += strcmp(column, "vfs_used") == 0 ? rs[i].claim.vfs : rs[i].claim.vcpus;
    long long used = pg_long("SELECT %s FROM hosts WHERE name = '%s'", column, host);
    if (used != mine)
        fail_msg("host %s: %s is %lld in the database, the claims add up to %lld", host, column,
                 used, mine);
}

static void vf_race(unsigned choices)
{
    struct racer rs[THREADS];
    clear_hosts();
    add_host("race-a", "westeurope", 64, 262144, 3);
    add_host("race-b", "westeurope", 64, 262144, 4);
    add_host("race-other", "westcentralus", 64, 262144, 16); /* another location */
    struct sched_config cfg = {SCHED_SPREAD, choices, TIMEOUT};
    struct sched_request rq = {"westeurope", 2, 1024, 1};
    unsigned long long placed0, failed0, lost0, placed1, failed1, lost1;
    sched_counters(&placed0, &failed0, &lost0);
    int ok = race(&cfg, &rq, "free virtual function", rs);
    assert_int_equal(ok, 7);
    sched_counters(&placed1, &failed1, &lost1);
    assert_int_equal(placed1 - placed0, 7);
    assert_int_equal(failed1 - failed0, THREADS - 7);
    printf("it_sched: choices %u: %llu claim(s) lost to a concurrent placement\n", choices,
           lost1 - lost0);
    /* With every thread going for the same host first, races are certain. */
    if (choices == 1)
        assert_true(lost1 - lost0 > 0);
    assert_int_equal(pg_long("SELECT vfs_used FROM hosts WHERE name = 'race-a'"), 3);
    assert_int_equal(pg_long("SELECT vfs_used FROM hosts WHERE name = 'race-b'"), 4);
    assert_int_equal(pg_long("SELECT vcpus_used FROM hosts WHERE name = 'race-a'"), 6);
    assert_int_equal(pg_long("SELECT memory_mb_used FROM hosts WHERE name = 'race-b'"), 4096);
    assert_int_equal(pg_long("SELECT vfs_used + vcpus_used FROM hosts WHERE name = "
                             "'race-other'"),
                     0);
    check_claims_match(rs, "race-a", "vfs_used");
    check_claims_match(rs, "race-b", "vfs_used");

    /* Release everything: back to zero. Releasing again changes nothing. */
    struct db_conn *c;
    assert_int_equal(db_acquire(g.pool, &c), DB_OK);
    for (int i = 0; i < THREADS; i++)
        if (rs[i].st == DB_OK)
            assert_int_equal(sched_release(c, &rs[i].claim), DB_OK);
    for (int i = 0; i < THREADS; i++)
        if (rs[i].st == DB_OK)
            assert_int_equal(sched_release(c, &rs[i].claim), DB_CONFLICT);
    struct sched_claim gone = {"no-such-host", 1, 1, 1};
    assert_int_equal(sched_release(c, &gone), DB_NOT_FOUND);
    db_release(g.pool, c);
    assert_int_equal(pg_long("SELECT sum(vfs_used + vcpus_used + memory_mb_used) FROM hosts"), 0);
}

static void test_vf_race_random_best(void **state)
{
    (void)state;
    vf_race(3);
}

/* choices 1: every thread goes for the same host first; the losers must
 * move on to the other one. */
static void test_vf_race_same_first(void **state)
{
    (void)state;
    vf_race(1);
}

static void test_vcpu_race(void **state)
{
    (void)state;
    struct racer rs[THREADS];
    clear_hosts();
    add_host("cpu-a", "westeurope", 16, 262144, 16);
    add_host("cpu-b", "westeurope", 20, 262144, 16);
    struct sched_config cfg = {SCHED_PACK, 2, TIMEOUT};
    struct sched_request rq = {"westeurope", 8, 1024, 0};
    int ok = race(&cfg, &rq, "free vCPUs", rs);
    assert_int_equal(ok, 4);
    check_claims_match(rs, "cpu-a", "vcpus_used");
    check_claims_match(rs, "cpu-b", "vcpus_used");
    assert_int_equal(pg_long("SELECT vcpus_used FROM hosts WHERE name = 'cpu-a'"), 16);
    assert_int_equal(pg_long("SELECT vcpus_used FROM hosts WHERE name = 'cpu-b'"), 16);
}

/* --- filters in the database --------------------------------------------------------- */

static enum db_status place(const struct sched_request *rq, struct sched_claim *out, struct err *e)
{
    struct db_conn *c;
    struct sched_config cfg = {SCHED_SPREAD, 3, TIMEOUT};
    enum db_status st = db_acquire(g.pool, &c);
    if (st == DB_OK) {
        st = sched_place(c, &cfg, rq, NULL, out, e);
        db_release(g.pool, c);
    }
    return st;
}

static void test_only_enabled_healthy(void **state)
{
    (void)state;
    struct sched_claim cl;
    struct err e = {0};
    clear_hosts();
    add_host("f-disabled", "westeurope", 64, 262144, 16);
    add_host("f-draining", "westeurope", 64, 262144, 16);
    add_host("f-stale", "westeurope", 64, 262144, 16);
    add_host("f-ok", "westeurope", 64, 262144, 2);
    pg_exec("UPDATE hosts SET state = 'Disabled' WHERE name = 'f-disabled'");
    pg_exec("UPDATE hosts SET state = 'Draining' WHERE name = 'f-draining'");
    pg_exec("UPDATE hosts SET last_heartbeat_at = now() - interval '31 seconds' "
            "WHERE name = 'f-stale'");
    struct sched_request rq = {"westeurope", 2, 1024, 1};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(place(&rq, &cl, &e), DB_OK);
        assert_string_equal(cl.host, "f-ok");
    }
    assert_int_equal(place(&rq, &cl, &e), DB_NOT_FOUND);
    assert_int_equal(e.code, ERR_ALLOCATION_FAILED);
    if (strstr(e.message, "has 1 free virtual function; the most free is 0.") == NULL)
        fail_msg("unexpected message: %s", e.message);
    err_clear(&e);
    /* f-ok full and the others out: the message says why each is out. */
    pg_exec("UPDATE hosts SET vcpus_used = 0, memory_mb_used = 0, vfs_used = 0 "
            "WHERE name = 'f-ok'");
    pg_exec("UPDATE hosts SET last_heartbeat_at = now() - interval '31 seconds' "
            "WHERE name = 'f-ok'");
    assert_int_equal(place(&rq, &cl, &e), DB_NOT_FOUND);
    if (strstr(e.message, "no Enabled, healthy host in westeurope (of its 4 hosts: 1 Draining, "
                          "1 Disabled, 2 Unhealthy") == NULL)
        fail_msg("unexpected message: %s", e.message);
    err_clear(&e);
    /* Another location has nothing. */
    struct sched_request far = {"westcentralus", 1, 1, 0};
    assert_int_equal(place(&far, &cl, &e), DB_NOT_FOUND);
    assert_non_null(strstr(e.message, "no host is registered in location 'westcentralus'"));
    err_clear(&e);

    /* The claim itself re-checks state and health: a host read as fit but
     * disabled or stale by the time of the UPDATE is not claimed. */
    struct db_conn *c;
    assert_int_equal(db_acquire(g.pool, &c), DB_OK);
    pg_exec("UPDATE hosts SET last_heartbeat_at = now() WHERE name = 'f-ok'");
    pg_exec("UPDATE hosts SET state = 'Disabled' WHERE name = 'f-ok'");
    assert_int_equal(db_host_claim(c, "f-ok", 1, 1, 1, TIMEOUT), DB_NOT_FOUND);
    pg_exec("UPDATE hosts SET state = 'Enabled', last_heartbeat_at = now() - interval '31 "
            "seconds' WHERE name = 'f-ok'");
    assert_int_equal(db_host_claim(c, "f-ok", 1, 1, 1, TIMEOUT), DB_NOT_FOUND);
    pg_exec("UPDATE hosts SET last_heartbeat_at = now() WHERE name = 'f-ok'");
    assert_int_equal(db_host_claim(c, "f-ok", 1, 1, 3, TIMEOUT), DB_NOT_FOUND); /* 2 VFs */
    assert_int_equal(db_host_claim(c, "f-ok", 65, 1, 1, TIMEOUT), DB_NOT_FOUND);
    assert_int_equal(db_host_claim(c, "f-ok", 1, 262145, 1, TIMEOUT), DB_NOT_FOUND);
    assert_int_equal(db_host_claim(c, "f-ok", 64, 262144, 2, TIMEOUT), DB_OK);
    assert_int_equal(db_host_claim(c, "f-ok", 0, 0, 0, TIMEOUT), DB_OK);
    assert_int_equal(db_host_claim(c, "f-ok", 0, 0, 1, TIMEOUT), DB_NOT_FOUND);
    db_release(g.pool, c);
    /* The CHECK constraints stop anything else that would over-commit. */
    char sqlstate[6];
    pg_sqlstate("UPDATE hosts SET vfs_used = vfs_used + 1 WHERE name = 'f-ok'", sqlstate);
    assert_string_equal(sqlstate, "23514"); /* check_violation */
    pg_sqlstate("UPDATE hosts SET vcpus_used = -1 WHERE name = 'f-draining'", sqlstate);
    assert_string_equal(sqlstate, "23514");
    pg_sqlstate("UPDATE hosts SET memory_mb_used = memory_mb_total + 1 WHERE name = 'f-draining'",
                sqlstate);
    assert_string_equal(sqlstate, "23514");
}

static void test_claim_rolls_back(void **state)
{
    (void)state;
    struct sched_claim cl;
    struct err e = {0};
    struct db_conn *c;
    struct sched_config cfg = {SCHED_SPREAD, 3, TIMEOUT};
    struct sched_request rq = {"westeurope", 4, 4096, 2};
    clear_hosts();
    add_host("tx-a", "westeurope", 64, 262144, 8);
    assert_int_equal(db_acquire(g.pool, &c), DB_OK);
    assert_int_equal(db_exec_simple(c, "BEGIN"), DB_OK);
    assert_int_equal(sched_place(c, &cfg, &rq, NULL, &cl, &e), DB_OK);
    assert_string_equal(cl.host, "tx-a");
    /* Not visible outside the transaction yet. */
    assert_int_equal(pg_long("SELECT vfs_used FROM hosts WHERE name = 'tx-a'"), 0);
    assert_int_equal(db_exec_simple(c, "ROLLBACK"), DB_OK);
    assert_int_equal(pg_long("SELECT vfs_used FROM hosts WHERE name = 'tx-a'"), 0);
    assert_int_equal(db_exec_simple(c, "BEGIN"), DB_OK);
    assert_int_equal(sched_place(c, &cfg, &rq, NULL, &cl, &e), DB_OK);
    assert_int_equal(db_exec_simple(c, "COMMIT"), DB_OK);
    db_release(g.pool, c);
    assert_int_equal(pg_long("SELECT vfs_used FROM hosts WHERE name = 'tx-a'"), 2);
    assert_int_equal(pg_long("SELECT vcpus_used FROM hosts WHERE name = 'tx-a'"), 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vf_race_random_best), cmocka_unit_test(test_vf_race_same_first),
        cmocka_unit_test(test_vcpu_race),           cmocka_unit_test(test_only_enabled_healthy),
        cmocka_unit_test(test_claim_rolls_back),
    };
    return cmocka_run_group_tests_name("it_sched", tests, setup, teardown);
}
