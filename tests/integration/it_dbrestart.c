/* it_dbrestart — PostgreSQL goes away and comes back under a running daemon
 * (notes/SPEC.md: "Database unreachable → 503 ServiceUnavailable with
 * Retry-After, never a crash; when it is back, requests succeed again without
 * restarting the daemon"). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/itest.h"

#define TOKENS "/admin/tokens?" ITEST_AV

static struct {
    char *conninfo;
    struct itest_daemon d;
    int pg_stopped;
} g;

static int setup(void **state)
{
    (void)state;
    g.conninfo = itest_db_create("it_dbrestart");
    if (itest_daemon_start(&g.d, g.conninfo, NULL) != 0) {
        memset(&g.d, 0, sizeof g.d); /* nothing for teardown to stop */
        return -1;
    }
    return 0;
}

/* PostgreSQL is started again whatever happened: the other suites need it. */
static int teardown(void **state)
{
    (void)state;
    int rc = 0;
    if (g.pg_stopped) {
        if (itest_pg_ctl("start") != 0) {
            fprintf(stderr, "it_dbrestart: could not restart PostgreSQL\n");
            rc = -1;
        }
        g.pg_stopped = 0;
    }
    if (g.d.pid > 0) {
        int st = itest_daemon_stop(&g.d, 20000);
        if (st != 0) {
            fprintf(stderr, "it_dbrestart: accelnetd exited with %d after SIGTERM, expected 0\n",
                    st);
            rc = -1;
        }
    }
    free(g.conninfo);
    return rc;
}

static void get(const char *path, enum itest_auth auth, struct itest_resp *r)
{
    struct itest_req rq = {.path = path, .auth = auth, .timeout_ms = 20000};
    itest_do(&g.d, &rq, r);
}

static void expect_unavailable(const struct itest_resp *r)
{
    ITEST_EXPECT_ERROR(r, 503, "ServiceUnavailable");
    const char *ra = itest_header(r, "Retry-After");
    if (ra == NULL || ra[0] == '\0')
        fail_msg("503 without Retry-After: %s", itest_resp_str(r));
    for (const char *p = ra; *p; p++) {
        if (!isdigit((unsigned char)*p))
            fail_msg("Retry-After must be a number of seconds, got \"%s\"", ra);
    }
    /* 5xx messages never show internals and name the request id. */
    const char *msg = itest_error_message(r);
    const char *rid = itest_header(r, "x-ms-request-id");
    if (msg == NULL || rid == NULL || strstr(msg, rid) == NULL)
        fail_msg("the 503 message should name the request id %s: %s", rid ? rid : "(none)",
                 itest_resp_str(r));
    const char *sock = getenv("ACCELNET_TEST_PGHOST");
    if ((sock != NULL && strstr(r->body, sock) != NULL) ||
        strstr(r->body, "could not connect") != NULL || strstr(r->body, "PQ") != NULL ||
        strstr(r->body, "server closed") != NULL)
        fail_msg("the 503 shows database internals: %s", itest_resp_str(r));
}

static void test_database_restart(void **state)
{
    (void)state;
    struct itest_resp r;
    pid_t pid = g.d.pid;

    get("/readyz", ITEST_AUTH_NONE, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    itest_resp_free(&r);
    get(TOKENS, ITEST_AUTH_ADMIN, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    itest_resp_free(&r);

    g.pg_stopped = 1;
    assert_int_equal(itest_pg_ctl("stop"), 0);

    /* Twice each: the first use of a dead connection and the ones after. */
    for (int round = 0; round < 2; round++) {
        get("/readyz", ITEST_AUTH_NONE, &r);
        expect_unavailable(&r);
        itest_resp_free(&r);
        get(TOKENS, ITEST_AUTH_ADMIN, &r);
        expect_unavailable(&r);
        itest_resp_free(&r);
    }
    /* Still serving what needs no database. */
    get("/healthz", ITEST_AUTH_NONE, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    itest_resp_free(&r);
    if (!itest_daemon_alive(&g.d))
        fail_msg("accelnetd died while PostgreSQL was down");

    assert_int_equal(itest_pg_ctl("start"), 0);
    g.pg_stopped = 0;

    /* Back within a few seconds, same process. */
    long long deadline = itest_now_ms() + 15000;
    int ready = 0, tokens = 0;
    while (!(ready && tokens) && itest_now_ms() < deadline) {
        if (!ready) {
            get("/readyz", ITEST_AUTH_NONE, &r);
            ready = r.status == 200;
            itest_resp_free(&r);
        }
        if (!tokens) {
            get(TOKENS, ITEST_AUTH_ADMIN, &r);
            tokens = r.status == 200;
            itest_resp_free(&r);
        }
        if (!(ready && tokens))
            itest_sleep_ms(100);
    }
    if (!ready || !tokens) {
        get(TOKENS, ITEST_AUTH_ADMIN, &r);
        fail_msg("15 s after PostgreSQL came back: /readyz %s, /admin/tokens %s",
                 ready ? "200" : "not 200", itest_resp_str(&r));
    }
    assert_true(itest_daemon_alive(&g.d));
    assert_int_equal(g.d.pid, pid);

    /* Writes work again too. */
    itest_request(&g.d, "POST", TOKENS, NULL, "{\"role\":\"agent\"}", &r);
    ITEST_EXPECT_STATUS(&r, 201);
    itest_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_database_restart),
    };
    return cmocka_run_group_tests_name("it_dbrestart", tests, setup, teardown);
}
