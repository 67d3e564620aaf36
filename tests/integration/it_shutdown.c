/* it_shutdown — how accelnetd ends: SIGTERM while a request is in flight
 * (stop accepting, let it finish, exit 0), SIGINT, and start-up errors in the
 * configuration (exit 2 with a one-line message naming the setting). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "tests/integration/itest.h"

#define TOKENS "/admin/tokens?" ITEST_AV

static struct {
    char *conninfo;
    struct itest_daemon d;
    PGconn *locker;
} g;

static int group_setup(void **state)
{
    (void)state;
    g.conninfo = itest_db_create("it_shutdown");
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    free(g.conninfo);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (g.locker != NULL) {
        PQfinish(g.locker);
        g.locker = NULL;
    }
    itest_daemon_kill(&g.d);
    memset(&g.d, 0, sizeof g.d);
    return 0;
}

struct inflight {
    const struct itest_daemon *d;
    struct itest_resp resp;
};

static void *inflight_request(void *arg)
{
    struct inflight *f = arg;
    struct itest_req rq = {.path = TOKENS, .timeout_ms = 40000};
    itest_do(f->d, &rq, &f->resp);
    return NULL;
}

static void exec_ok(PGconn *pg, const char *sql)
{
    PGresult *res = PQexec(pg, sql);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(pg));
        PQclear(res);
        fail_msg("%s: %s", sql, msg);
    }
    PQclear(res);
}

/* SIGTERM while a request waits on a table lock: new connections are refused
 * at once, the request still completes with 200, the exit status is 0. */
static void test_sigterm_inflight(void **state)
{
    (void)state;
    assert_int_equal(itest_daemon_start(&g.d, g.conninfo, NULL), 0);
    struct itest_resp r;
    itest_request(&g.d, "GET", TOKENS, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    itest_resp_free(&r);

    g.locker = PQconnectdb(g.conninfo);
    if (PQstatus(g.locker) != CONNECTION_OK)
        fail_msg("locker connection: %s", PQerrorMessage(g.locker));
    exec_ok(g.locker, "BEGIN");
    exec_ok(g.locker, "LOCK TABLE tokens IN ACCESS EXCLUSIVE MODE");

    struct inflight f = {.d = &g.d};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, inflight_request, &f), 0);

    /* Wait (bounded) until the daemon's session queues behind the lock, so
     * that the request really is in flight when SIGTERM arrives. */
    long long deadline = itest_now_ms() + 10000;
    long long waiting = 0;
    while (itest_now_ms() < deadline) {
        waiting = itest_pg_long(g.conninfo, "SELECT count(*) FROM pg_locks l JOIN pg_class c "
                                            "ON c.oid = l.relation WHERE c.relname = 'tokens' "
                                            "AND NOT l.granted");
        if (waiting > 0)
            break;
        itest_sleep_ms(20);
    }
    if (waiting <= 0) {
        exec_ok(g.locker, "ROLLBACK");
        pthread_join(th, NULL);
        fail_msg("the authenticated request never waited on the tokens lock (got %s)",
                 itest_resp_str(&f.resp));
    }

    long long t_term = itest_now_ms();
    assert_int_equal(kill(g.d.pid, SIGTERM), 0);

    /* New connections are refused soon after. */
    deadline = t_term + 5000;
    int refused = 0;
    while (!refused && itest_now_ms() < deadline) {
        refused = itest_port_refuses(g.d.port);
        if (!refused)
            itest_sleep_ms(20);
    }
    if (!refused) {
        exec_ok(g.locker, "ROLLBACK");
        pthread_join(th, NULL);
        itest_resp_free(&f.resp);
        fail_msg("accelnetd still accepts connections 5 s after SIGTERM");
    }
    if (!itest_daemon_alive(&g.d))
        fail_msg("accelnetd exited before its in-flight request finished");

    /* Hold the lock about a second after SIGTERM, then let the request go. */
    long long hold = t_term + 1000 - itest_now_ms();
    if (hold > 0)
        itest_sleep_ms((long)hold);
    assert_true(itest_daemon_alive(&g.d));
    exec_ok(g.locker, "ROLLBACK");

    pthread_join(th, NULL);
    if (f.resp.status != 200) {
        char got[720];
        snprintf(got, sizeof got, "%s", itest_resp_str(&f.resp));
        itest_resp_free(&f.resp);
        itest_daemon_log_tail(&g.d, 30);
        fail_msg("the in-flight request should complete with 200 after SIGTERM, got %s", got);
    }
    itest_resp_free(&f.resp);

    int st = itest_daemon_wait_exit(&g.d, 20000);
    if (st != 0) {
        itest_daemon_log_tail(&g.d, 30);
        fail_msg("accelnetd should exit 0 after SIGTERM, got %d", st);
    }
}

static void test_sigint(void **state)
{
    (void)state;
    assert_int_equal(itest_daemon_start(&g.d, g.conninfo, NULL), 0);
    assert_int_equal(kill(g.d.pid, SIGINT), 0);
    int st = itest_daemon_wait_exit(&g.d, 20000);
    if (st != 0) {
        itest_daemon_log_tail(&g.d, 30);
        fail_msg("accelnetd should exit 0 after SIGINT, got %d", st);
    }
}

/* One bad setting, what the message must name. */
struct bad_config {
    const char *env[3];
    const char *argv[3];
    const char *names;
};

static const struct bad_config bad_configs[] = {
    {{"ACCELNET_HTTP_THREADS=0"}, {NULL}, "ACCELNET_HTTP_THREADS"},
    {{"ACCELNET_HTTP_THREADS=257"}, {NULL}, "ACCELNET_HTTP_THREADS"},
    {{"ACCELNET_LISTEN=not-a-host-port"}, {NULL}, "ACCELNET_LISTEN"},
    {{"ACCELNET_LISTEN=127.0.0.1:99999"}, {NULL}, "ACCELNET_LISTEN"},
    {{"ACCELNET_DB_POOL_SIZE=0"}, {NULL}, "ACCELNET_DB_POOL_SIZE"},
    {{"ACCELNET_DB_ACQUIRE_TIMEOUT_MS=0"}, {NULL}, "ACCELNET_DB_ACQUIRE_TIMEOUT_MS"},
    {{"ACCELNET_MAX_BODY_BYTES=100"}, {NULL}, "ACCELNET_MAX_BODY_BYTES"},
    {{"ACCELNET_SHUTDOWN_GRACE=soon"}, {NULL}, "ACCELNET_SHUTDOWN_GRACE"},
    {{"ACCELNET_DB_WAIT=-1"}, {NULL}, "ACCELNET_DB_WAIT"},
    {{"ACCELNET_LOG_LEVEL=loud"}, {NULL}, "ACCELNET_LOG_LEVEL"},
    {{"ACCELNET_ADMIN_TOKEN=too-short"}, {NULL}, "ACCELNET_ADMIN_TOKEN"},
    {{"ACCELNET_DATABASE_URL"}, {NULL}, "ACCELNET_DATABASE_URL"},
    {{"ACCELNET_INSECURE_HTTP=1"}, {NULL}, "ACCELNET_INSECURE_HTTP"},
    {{"ACCELNET_TLS_KEY"}, {NULL}, "ACCELNET_TLS_KEY"},
    {{NULL}, {"--http-threads", "0"}, "http-threads"},
};

static void test_bad_config(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_configs / sizeof bad_configs[0]; i++) {
        const struct bad_config *c = &bad_configs[i];
        const char *what = c->env[0] ? c->env[0] : c->argv[0];
        struct itest_daemon_opts opts = {.env = c->env, .argv = c->argv};
        assert_int_equal(itest_daemon_spawn(&g.d, g.conninfo, &opts), 0);
        int st = itest_daemon_wait_exit(&g.d, 5000);
        if (st != 2) {
            itest_daemon_log_tail(&g.d, 20);
            fail_msg("with %s accelnetd should exit 2 at once, got %d%s", what, st,
                     st < 0 ? " (still running after 5 s)" : "");
        }
        char *log = itest_daemon_log(&g.d);
        assert_non_null(log);
        if (strstr(log, c->names) == NULL) {
            itest_daemon_log_tail(&g.d, 20);
            free(log);
            fail_msg("with %s the message should name %s", what, c->names);
        }
        /* One line. */
        size_t lines = 0;
        for (const char *p = log; *p; p++) {
            if (*p == '\n' && p[1] != '\0' && p[1] != '\n')
                lines++;
        }
        if (lines != 0) {
            itest_daemon_log_tail(&g.d, 20);
            free(log);
            fail_msg("with %s the message should be one line on stderr", what);
        }
        free(log);
        memset(&g.d, 0, sizeof g.d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_sigterm_inflight, teardown),
        cmocka_unit_test_teardown(test_sigint, teardown),
        cmocka_unit_test_teardown(test_bad_config, teardown),
    };
    return cmocka_run_group_tests_name("it_shutdown", tests, group_setup, group_teardown);
}
