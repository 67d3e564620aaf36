/* it_migrate — schema migrations when several daemons start together on one
 * fresh database, and the generated bootstrap admin token
 * (notes/SPEC.md "Database" and ACCELNET_ADMIN_TOKEN / _FILE). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/integration/itest.h"

#define TOKENS "/admin/tokens?" ITEST_AV

static struct itest_daemon daemons[3];
static char *conninfo;

static int teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof daemons / sizeof daemons[0]; i++)
        itest_daemon_kill(&daemons[i]);
    memset(daemons, 0, sizeof daemons);
    free(conninfo);
    conninfo = NULL;
    return 0;
}

static void expect_stop_ok(struct itest_daemon *d)
{
    int st = itest_daemon_stop(d, 20000);
    if (st != 0)
        fail_msg("accelnetd (pid %ld) exited with %d after SIGTERM, expected 0", (long)d->pid, st);
}

static void expect_tokens_ok(const struct itest_daemon *d)
{
    struct itest_resp r;
    itest_request(d, "GET", TOKENS, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    itest_resp_free(&r);
}

/* Two daemons started at the same moment on a fresh database: both come up,
 * each migration is recorded once, and a third start applies nothing. */
static void test_concurrent_start(void **state)
{
    (void)state;
    conninfo = itest_db_create("it_migrate_race");
    /* Fork both before waiting for either. */
    assert_int_equal(itest_daemon_spawn(&daemons[0], conninfo, NULL), 0);
    assert_int_equal(itest_daemon_spawn(&daemons[1], conninfo, NULL), 0);
    for (int i = 0; i < 2; i++) {
        if (itest_daemon_wait_ready(&daemons[i], 0) != 0)
            fail_msg("daemon %d of the two started together on a fresh database did not "
                     "become healthy (its log is above)",
                     i + 1);
    }

    long long rows = itest_pg_long(conninfo, "SELECT count(*) FROM schema_migrations");
    long long versions =
        itest_pg_long(conninfo, "SELECT count(DISTINCT version) FROM schema_migrations");
    if (rows < 1 || rows != versions)
        fail_msg("schema_migrations: %lld rows for %lld versions (each version exactly once)", rows,
                 versions);
    assert_int_equal(itest_pg_long(conninfo, "SELECT count(*) FROM schema_migrations "
                                             "WHERE version = 1"),
                     1);
    assert_int_equal(itest_pg_long(conninfo,
                                   "SELECT count(*) FROM schema_migrations WHERE name IS NULL OR "
                                   "applied_at IS NULL"),
                     0);
    char *t = itest_pg_value(conninfo, "SELECT to_regclass('public.tokens')::text");
    if (t == NULL)
        fail_msg("table tokens does not exist after migrations");
    free(t);
    /* Both had the same ACCELNET_ADMIN_TOKEN: one bootstrap row. */
    assert_int_equal(itest_pg_long(conninfo, "SELECT count(*) FROM tokens WHERE bootstrap"), 1);

    expect_tokens_ok(&daemons[0]);
    expect_tokens_ok(&daemons[1]);
    expect_stop_ok(&daemons[0]);
    expect_stop_ok(&daemons[1]);

    char *before = itest_pg_value(conninfo, "SELECT count(*) || '/' || max(applied_at)::text "
                                            "FROM schema_migrations");
    assert_non_null(before);
    assert_int_equal(itest_daemon_start(&daemons[2], conninfo, NULL), 0);
    char *after = itest_pg_value(conninfo, "SELECT count(*) || '/' || max(applied_at)::text "
                                           "FROM schema_migrations");
    assert_non_null(after);
    if (strcmp(before, after) != 0)
        fail_msg("a third start changed schema_migrations: %s -> %s", before, after);
    free(before);
    free(after);
    assert_int_equal(itest_pg_long(conninfo, "SELECT count(*) FROM tokens WHERE bootstrap"), 1);
    expect_tokens_ok(&daemons[2]);
    expect_stop_ok(&daemons[2]);
}

/* ACCELNET_ADMIN_TOKEN unset on a new database: a token is generated into
 * ACCELNET_ADMIN_TOKEN_FILE (mode 0600) and works; a second daemon on the
 * same database generates none. */
static void test_bootstrap_token_generated(void **state)
{
    (void)state;
    conninfo = itest_db_create("it_migrate_bootstrap");
    struct itest_daemon_opts opts = {.no_admin_token = 1};
    assert_int_equal(itest_daemon_start(&daemons[0], conninfo, &opts), 0);

    struct stat st;
    if (stat(daemons[0].token_file, &st) != 0)
        fail_msg("no token file %s: %s", daemons[0].token_file, strerror(errno));
    if ((st.st_mode & 07777) != 0600)
        fail_msg("token file %s has mode %04o, expected 0600", daemons[0].token_file,
                 (unsigned)(st.st_mode & 07777));
    if (strlen(daemons[0].token) < 32)
        fail_msg("generated token too short: \"%s\"", daemons[0].token);
    expect_tokens_ok(&daemons[0]);
    assert_int_equal(itest_pg_long(conninfo, "SELECT count(*) FROM tokens WHERE bootstrap"), 1);
    assert_int_equal(itest_pg_long(conninfo, "SELECT count(*) FROM tokens"), 1);

    /* A second daemon, same database, no token either: nothing generated. */
    assert_int_equal(itest_daemon_start(&daemons[1], conninfo, &opts), 0);
    if (stat(daemons[1].token_file, &st) == 0)
        fail_msg("the second daemon wrote a token file %s", daemons[1].token_file);
    assert_int_equal(itest_pg_long(conninfo, "SELECT count(*) FROM tokens"), 1);
    /* The first token works through the second daemon. */
    snprintf(daemons[1].token, sizeof daemons[1].token, "%s", daemons[0].token);
    expect_tokens_ok(&daemons[1]);

    /* A wrong token is still refused: the generated one is not "anything". */
    struct itest_resp r;
    struct itest_req rq = {.path = TOKENS, .auth = ITEST_AUTH_TOKEN, .token = ITEST_ADMIN_TOKEN};
    itest_do(&daemons[1], &rq, &r);
    ITEST_EXPECT_ERROR(&r, 401, "AuthenticationFailed");
    itest_resp_free(&r);

    expect_stop_ok(&daemons[0]);
    expect_stop_ok(&daemons[1]);
}

/* stderr carries one JSON object per line, also on a restart where the
 * schema is already there (nothing from libpq leaks through as plain text). */
static void test_logs_are_json(void **state)
{
    (void)state;
    conninfo = itest_db_create("it_migrate_logs");
    assert_int_equal(itest_daemon_start(&daemons[0], conninfo, NULL), 0);
    expect_tokens_ok(&daemons[0]);
    expect_stop_ok(&daemons[0]);
    assert_int_equal(itest_daemon_start(&daemons[1], conninfo, NULL), 0);
    expect_tokens_ok(&daemons[1]);
    expect_stop_ok(&daemons[1]);
    if (itest_log_all_json(&daemons[0]) != 0)
        fail_msg("first start: the log has lines that are not JSON objects (see above)");
    if (itest_log_all_json(&daemons[1]) != 0)
        fail_msg("second start: the log has lines that are not JSON objects (see above)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_concurrent_start, teardown),
        cmocka_unit_test_teardown(test_bootstrap_token_generated, teardown),
        cmocka_unit_test_teardown(test_logs_are_json, teardown),
    };
    return cmocka_run_group_tests_name("it_migrate", tests, NULL, NULL);
}
