/* Unit tests for service/config.h: config_parse (with a fake environment) and
 * config_parse_hostport. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "service/config.h"

/* --- a fake environment -------------------------------------------------- */

#define FAKE_MAX 32
static const char *fake_names[FAKE_MAX];
static const char *fake_values[FAKE_MAX];
static size_t fake_n;

static const char *fake_getenv(const char *name)
{
    for (size_t i = 0; i < fake_n; i++)
        if (strcmp(fake_names[i], name) == 0)
            return fake_values[i];
    return NULL;
}

static void env_set(const char *name, const char *value)
{
    for (size_t i = 0; i < fake_n; i++)
        if (strcmp(fake_names[i], name) == 0) {
            fake_values[i] = value;
            return;
        }
    assert_true(fake_n < FAKE_MAX);
    fake_names[fake_n] = name;
    fake_values[fake_n++] = value;
}

/* The smallest environment that parses: a database and plain HTTP. */
static int setup_env(void **state)
{
    (void)state;
    fake_n = 0;
    env_set("ACCELNET_DATABASE_URL", "dbname=accelnet");
    env_set("ACCELNET_INSECURE_HTTP", "1");
    return 0;
}

static int setup_empty_env(void **state)
{
    (void)state;
    fake_n = 0;
    return 0;
}

/* Runs config_parse on a NULL-terminated list of flags (argv[0] added). The
 * strings are copied because getopt_long may permute argv. */
struct run {
    struct config cfg;
    enum config_result result;
    char err[512];
};

static void run_parse(struct run *r, const char *const *flags)
{
    char *argv[32];
    int argc = 0;
    static char prog[] = "accelnetd";
    argv[argc++] = prog;
    for (; flags && *flags; flags++) {
        assert_true(argc < 31);
        argv[argc++] = (char *)*flags;
    }
    argv[argc] = NULL;
    memset(r, 0, sizeof(*r));
    r->result = config_parse(&r->cfg, argc, argv, fake_getenv, r->err, sizeof(r->err));
}

/* Expects CONFIG_ERROR with a one-line message containing word1 (and word2).
 * The config is freed before any assertion so a failure does not leak. */
static void expect_error(const char *const *flags, const char *word1, const char *word2)
{
    struct run r;
    run_parse(&r, flags);
    config_free(&r.cfg);
    if (r.result != CONFIG_ERROR)
        fail_msg("expected CONFIG_ERROR (mentioning %s), got %d", word1, (int)r.result);
    if (!strstr(r.err, word1))
        fail_msg("message '%s' does not mention '%s'", r.err, word1);
    if (word2 && !strstr(r.err, word2))
        fail_msg("message '%s' does not mention '%s'", r.err, word2);
    if (strchr(r.err, '\n'))
        fail_msg("message '%s' is more than one line", r.err);
}

#define FLAGS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* --- tests --------------------------------------------------------------- */

static void test_defaults(void **state)
{
    struct run r;
    (void)state;
    run_parse(&r, NULL);
    assert_int_equal(r.result, CONFIG_OK);
    assert_string_equal(r.cfg.database_url, "dbname=accelnet");
    assert_string_equal(r.cfg.listen_host, "127.0.0.1");
    assert_int_equal(r.cfg.listen_port, 8443);
    assert_null(r.cfg.tls_cert);
    assert_null(r.cfg.tls_key);
    assert_int_equal(r.cfg.insecure_http, 1);
    assert_null(r.cfg.admin_token);
    assert_string_equal(r.cfg.admin_token_file, "accelnetd-admin-token");
    assert_int_equal(r.cfg.log_level, LOGL_INFO);
    assert_int_equal(r.cfg.http_threads, 8);
    assert_int_equal(r.cfg.db_pool_size, 8);
    assert_int_equal(r.cfg.db_acquire_timeout_ms, 5000);
    assert_int_equal(r.cfg.max_body_bytes, 1048576);
    assert_int_equal(r.cfg.shutdown_grace_s, 30);
    assert_int_equal(r.cfg.db_wait_s, 30);
    assert_int_equal(r.cfg.outbox_poll_ms, 1000);
    assert_int_equal(r.cfg.outbox_retry_base_ms, 10000);
    assert_int_equal(r.cfg.outbox_retry_max_ms, 3600000);
    assert_int_equal(r.cfg.outbox_timeout_ms, 10000);
    assert_int_equal(r.cfg.outbox_expiry_s, 86400);
    config_free(&r.cfg);
    /* config_free zeroes, so a second call is harmless. */
    assert_null(r.cfg.database_url);
    config_free(&r.cfg);
}

/* Hosts, the scheduler and the agent client (issue 5). */
static void test_host_settings(void **state)
{
    struct run r;
    (void)state;
    run_parse(&r, NULL);
    assert_int_equal(r.result, CONFIG_OK);
    assert_int_equal(r.cfg.host_heartbeat_interval_s, 5);
    assert_int_equal(r.cfg.host_heartbeat_timeout_s, 30);
    assert_string_equal(r.cfg.scheduler_weigher, "spread");
    assert_int_equal(r.cfg.scheduler_choices, 3);
    assert_int_equal(r.cfg.agent_timeout_ms, 5000);
    assert_null(r.cfg.agent_ca_file);
    assert_int_equal(r.cfg.agent_retries, 3);
    assert_int_equal(r.cfg.agent_retry_base_ms, 200);
    assert_int_equal(r.cfg.agent_max_in_flight, 32);
    assert_int_equal(r.cfg.agent_max_per_host, 4);
    assert_int_equal(r.cfg.agent_tokens_require_host, 0);
    config_free(&r.cfg);

    env_set("ACCELNET_AGENT_TOKENS_REQUIRE_HOST", "1");
    run_parse(&r, NULL);
    assert_int_equal(r.result, CONFIG_OK);
    assert_int_equal(r.cfg.agent_tokens_require_host, 1);
    config_free(&r.cfg);
    run_parse(&r, FLAGS("--agent-tokens-require-host=no"));
    assert_int_equal(r.result, CONFIG_OK);
    assert_int_equal(r.cfg.agent_tokens_require_host, 0);
    config_free(&r.cfg);
    env_set("ACCELNET_AGENT_TOKENS_REQUIRE_HOST", "maybe");
    run_parse(&r, NULL);
    assert_int_equal(r.result, CONFIG_ERROR);
    assert_non_null(strstr(r.err, "ACCELNET_AGENT_TOKENS_REQUIRE_HOST"));
    config_free(&r.cfg);
    env_set("ACCELNET_AGENT_TOKENS_REQUIRE_HOST", "0");

    env_set("ACCELNET_SCHEDULER_WEIGHER", "pack");
    env_set("ACCELNET_AGENT_CA_FILE", "/etc/accelnet/agents-ca.pem");
    run_parse(&r, FLAGS("--host-heartbeat-timeout", "12", "--agent-retries=0"));
    assert_int_equal(r.result, CONFIG_OK);
    assert_string_equal(r.cfg.scheduler_weigher, "pack");
    assert_string_equal(r.cfg.agent_ca_file, "/etc/accelnet/agents-ca.pem");
    assert_int_equal(r.cfg.host_heartbeat_timeout_s, 12);
    assert_int_equal(r.cfg.agent_retries, 0);
    config_free(&r.cfg);

    env_set("ACCELNET_SCHEDULER_WEIGHER", "random");
    run_parse(&r, NULL);
    assert_int_equal(r.result, CONFIG_ERROR);
    assert_non_null(strstr(r.err, "ACCELNET_SCHEDULER_WEIGHER"));
    assert_non_null(strstr(r.err, "spread or pack"));
    config_free(&r.cfg);
    env_set("ACCELNET_SCHEDULER_WEIGHER", "spread");

    /* A timeout no longer than the interval would make every host Unhealthy. */
    run_parse(&r, FLAGS("--host-heartbeat-interval", "30"));
    assert_int_equal(r.result, CONFIG_ERROR);
    assert_non_null(strstr(r.err, "ACCELNET_HOST_HEARTBEAT_TIMEOUT"));
    config_free(&r.cfg);
    run_parse(&r, FLAGS("--scheduler-choices", "0"));
    assert_int_equal(r.result, CONFIG_ERROR);
    assert_non_null(strstr(r.err, "--scheduler-choices"));
    config_free(&r.cfg);
    run_parse(&r, FLAGS("--agent-timeout-ms", "99"));
    assert_int_equal(r.result, CONFIG_ERROR);
    config_free(&r.cfg);
}

static void test_env_values(void **state)
{
    struct run r;
    (void)state;
    env_set("ACCELNET_DATABASE_URL", "postgresql://u@h/db");
    env_set("ACCELNET_LISTEN", "0.0.0.0:9000");
    env_set("ACCELNET_INSECURE_HTTP", "0");
    env_set("ACCELNET_TLS_CERT", "/etc/a/cert.pem");
    env_set("ACCELNET_TLS_KEY", "/etc/a/key.pem");
    env_set("ACCELNET_ADMIN_TOKEN", "0123456789abcdef0123456789abcdef");
    env_set("ACCELNET_ADMIN_TOKEN_FILE", "/var/lib/a/token");
    env_set("ACCELNET_LOG_LEVEL", "debug");
    env_set("ACCELNET_HTTP_THREADS", "16");
    env_set("ACCELNET_DB_POOL_SIZE", "512");
    env_set("ACCELNET_DB_ACQUIRE_TIMEOUT_MS", "250");
    env_set("ACCELNET_MAX_BODY_BYTES", "2048");
    env_set("ACCELNET_SHUTDOWN_GRACE", "5");
    env_set("ACCELNET_DB_WAIT", "0");
    run_parse(&r, NULL);
    assert_int_equal(r.result, CONFIG_OK);
    assert_string_equal(r.cfg.database_url, "postgresql://u@h/db");
    assert_string_equal(r.cfg.listen_host, "0.0.0.0");
    assert_int_equal(r.cfg.listen_port, 9000);
    assert_int_equal(r.cfg.insecure_http, 0);
    assert_string_equal(r.cfg.tls_cert, "/etc/a/cert.pem");
    assert_string_equal(r.cfg.tls_key, "/etc/a/key.pem");
    assert_string_equal(r.cfg.admin_token, "0123456789abcdef0123456789abcdef");
    assert_string_equal(r.cfg.admin_token_file, "/var/lib/a/token");
    assert_int_equal(r.cfg.log_level, LOGL_DEBUG);
    assert_int_equal(r.cfg.http_threads, 16);
    assert_int_equal(r.cfg.db_pool_size, 512);
    assert_int_equal(r.cfg.db_acquire_timeout_ms, 250);
    assert_int_equal(r.cfg.max_body_bytes, 2048);
    assert_int_equal(r.cfg.shutdown_grace_s, 5);
    assert_int_equal(r.cfg.db_wait_s, 0);
    config_free(&r.cfg);
}

static void test_log_levels(void **state)
{
    static const struct {
        const char *text;
        enum log_level level;
    } levels[] = {{"debug", LOGL_DEBUG},
                  {"info", LOGL_INFO},
                  {"warn", LOGL_WARN},
                  {"error", LOGL_ERROR},
                  {"WARN", LOGL_WARN}};
    (void)state;
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
        struct run r;
        env_set("ACCELNET_LOG_LEVEL", levels[i].text);
        run_parse(&r, NULL);
        assert_int_equal(r.result, CONFIG_OK);
        assert_int_equal(r.cfg.log_level, levels[i].level);
        config_free(&r.cfg);
    }
}

static void test_flags_override_env(void **state)
{
    struct run r;
    (void)state;
    env_set("ACCELNET_DATABASE_URL", "dbname=fromenv");
    env_set("ACCELNET_HTTP_THREADS", "4");
    env_set("ACCELNET_LOG_LEVEL", "error");
    env_set("ACCELNET_LISTEN", "10.0.0.1:1000");
    env_set("ACCELNET_INSECURE_HTTP", "0");
    env_set("ACCELNET_TLS_CERT", "env-cert");
    env_set("ACCELNET_TLS_KEY", "env-key");
    run_parse(&r, FLAGS("--database-url", "dbname=fromflag", "--http-threads=32", "--log-level",
                        "warn", "--listen", "[::1]:8444", "--tls-cert", "flag-cert",
                        "--max-body-bytes", "1024", "--db-pool-size", "1", "--shutdown-grace", "0",
                        "--db-wait", "3600", "--admin-token-file", "tokfile", "--admin-token",
                        "abcdefghijklmnopqrstuvwxyz0123456789"));
    assert_int_equal(r.result, CONFIG_OK);
    assert_string_equal(r.cfg.database_url, "dbname=fromflag");
    assert_int_equal(r.cfg.http_threads, 32);
    assert_int_equal(r.cfg.log_level, LOGL_WARN);
    assert_string_equal(r.cfg.listen_host, "::1");
    assert_int_equal(r.cfg.listen_port, 8444);
    assert_string_equal(r.cfg.tls_cert, "flag-cert");
    assert_string_equal(r.cfg.tls_key, "env-key"); /* not overridden */
    assert_int_equal(r.cfg.max_body_bytes, 1024);
    assert_int_equal(r.cfg.db_pool_size, 1);
    assert_int_equal(r.cfg.shutdown_grace_s, 0);
    assert_int_equal(r.cfg.db_wait_s, 3600);
    assert_string_equal(r.cfg.admin_token_file, "tokfile");
    assert_string_equal(r.cfg.admin_token, "abcdefghijklmnopqrstuvwxyz0123456789");
    config_free(&r.cfg);
}

static void test_insecure_flag(void **state)
{
    struct run r;
    (void)state;
    env_set("ACCELNET_INSECURE_HTTP", "0");
    run_parse(&r, FLAGS("--insecure-http"));
    assert_int_equal(r.result, CONFIG_OK);
    assert_int_equal(r.cfg.insecure_http, 1);
    config_free(&r.cfg);

    /* Flag turning it off again: then TLS files are required. */
    env_set("ACCELNET_INSECURE_HTTP", "1");
    run_parse(&r, FLAGS("--insecure-http=false"));
    assert_int_equal(r.result, CONFIG_ERROR);
    assert_non_null(strstr(r.err, "ACCELNET_TLS_CERT"));
    config_free(&r.cfg);

    env_set("ACCELNET_INSECURE_HTTP", "yes");
    run_parse(&r, NULL);
    assert_int_equal(r.result, CONFIG_OK);
    assert_int_equal(r.cfg.insecure_http, 1);
    config_free(&r.cfg);

    env_set("ACCELNET_INSECURE_HTTP", "maybe");
    expect_error(NULL, "ACCELNET_INSECURE_HTTP", "maybe");
}

static void test_help_and_version(void **state)
{
    struct run r;
    (void)state;
    run_parse(&r, FLAGS("--help"));
    assert_int_equal(r.result, CONFIG_HELP);
    config_free(&r.cfg);
    run_parse(&r, FLAGS("--version"));
    assert_int_equal(r.result, CONFIG_VERSION);
    config_free(&r.cfg);
    run_parse(&r, FLAGS("--http-threads", "2", "--version"));
    assert_int_equal(r.result, CONFIG_VERSION);
    config_free(&r.cfg);
}

/* --help works even when the required settings are missing. */
static void test_help_without_database(void **state)
{
    struct run r;
    (void)state;
    run_parse(&r, FLAGS("--help"));
    assert_int_equal(r.result, CONFIG_HELP);
    config_free(&r.cfg);
}

static void test_usage_lists_every_setting(void **state)
{
    static const char *const names[] = {
        "ACCELNET_DATABASE_URL",
        "--database-url",
        "ACCELNET_LISTEN",
        "--listen",
        "ACCELNET_TLS_CERT",
        "--tls-cert",
        "ACCELNET_TLS_KEY",
        "--tls-key",
        "ACCELNET_INSECURE_HTTP",
        "--insecure-http",
        "ACCELNET_ADMIN_TOKEN",
        "--admin-token",
        "ACCELNET_ADMIN_TOKEN_FILE",
        "--admin-token-file",
        "ACCELNET_LOG_LEVEL",
        "--log-level",
        "ACCELNET_HTTP_THREADS",
        "--http-threads",
        "ACCELNET_DB_POOL_SIZE",
        "--db-pool-size",
        "ACCELNET_DB_ACQUIRE_TIMEOUT_MS",
        "ACCELNET_MAX_BODY_BYTES",
        "--max-body-bytes",
        "ACCELNET_SHUTDOWN_GRACE",
        "--shutdown-grace",
        "ACCELNET_DB_WAIT",
        "--db-wait",
        "ACCELNET_OUTBOX_POLL_MS",
        "--outbox-poll-ms",
        "ACCELNET_OUTBOX_RETRY_BASE_MS",
        "--outbox-retry-base-ms",
        "ACCELNET_OUTBOX_RETRY_MAX_MS",
        "--outbox-retry-max-ms",
        "ACCELNET_OUTBOX_TIMEOUT_MS",
        "--outbox-timeout-ms",
        "ACCELNET_OUTBOX_EXPIRY",
        "--outbox-expiry",
        "ACCELNET_HOST_HEARTBEAT_INTERVAL",
        "--host-heartbeat-interval",
        "ACCELNET_HOST_HEARTBEAT_TIMEOUT",
        "--host-heartbeat-timeout",
        "ACCELNET_SCHEDULER_WEIGHER",
        "--scheduler-weigher",
        "ACCELNET_SCHEDULER_CHOICES",
        "--scheduler-choices",
        "ACCELNET_AGENT_TIMEOUT_MS",
        "--agent-timeout-ms",
        "ACCELNET_AGENT_CA_FILE",
        "--agent-ca-file",
        "ACCELNET_AGENT_RETRIES",
        "--agent-retries",
        "ACCELNET_AGENT_RETRY_BASE_MS",
        "--agent-retry-base-ms",
        "ACCELNET_AGENT_MAX_IN_FLIGHT",
        "--agent-max-in-flight",
        "ACCELNET_AGENT_MAX_PER_HOST",
        "--agent-max-per-host",
        "ACCELNET_AGENT_TOKENS_REQUIRE_HOST",
        "--agent-tokens-require-host",
        "ACCELNET_WORKERS",
        "--workers",
        "ACCELNET_OPS_POLL_MS",
        "--ops-poll-ms",
        "ACCELNET_OPS_LEASE_S",
        "--ops-lease-s",
        "ACCELNET_OPS_RETRY_AFTER",
        "--ops-retry-after",
        "--help",
        "--version",
        "127.0.0.1:8443",
        "1048576",
    };
    char *text = NULL;
    size_t len = 0;
    (void)state;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    config_usage(f);
    assert_int_equal(fclose(f), 0);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!strstr(text, names[i]))
            fail_msg("--help does not mention %s", names[i]);
    free(text);
}

static void test_bad_numbers(void **state)
{
    (void)state;
    env_set("ACCELNET_HTTP_THREADS", "0");
    expect_error(NULL, "ACCELNET_HTTP_THREADS", "'0'");
    env_set("ACCELNET_HTTP_THREADS", "abc");
    expect_error(NULL, "ACCELNET_HTTP_THREADS", "abc");
    env_set("ACCELNET_HTTP_THREADS", "300");
    expect_error(NULL, "ACCELNET_HTTP_THREADS", "300");
    env_set("ACCELNET_HTTP_THREADS", "-1");
    expect_error(NULL, "ACCELNET_HTTP_THREADS", NULL);
    env_set("ACCELNET_HTTP_THREADS", "8 ");
    expect_error(NULL, "ACCELNET_HTTP_THREADS", NULL);
    env_set("ACCELNET_HTTP_THREADS", "");
    expect_error(NULL, "ACCELNET_HTTP_THREADS", NULL);
    env_set("ACCELNET_HTTP_THREADS", "256");
    {
        struct run r;
        run_parse(&r, NULL);
        assert_int_equal(r.result, CONFIG_OK);
        assert_int_equal(r.cfg.http_threads, 256);
        config_free(&r.cfg);
    }
    env_set("ACCELNET_HTTP_THREADS", "1");
    {
        struct run r;
        run_parse(&r, NULL);
        assert_int_equal(r.result, CONFIG_OK);
        assert_int_equal(r.cfg.http_threads, 1);
        config_free(&r.cfg);
    }
    env_set("ACCELNET_HTTP_THREADS", "8");
    env_set("ACCELNET_DB_POOL_SIZE", "513");
    expect_error(NULL, "ACCELNET_DB_POOL_SIZE", NULL);
    env_set("ACCELNET_DB_POOL_SIZE", "8");
    env_set("ACCELNET_DB_ACQUIRE_TIMEOUT_MS", "0");
    expect_error(NULL, "ACCELNET_DB_ACQUIRE_TIMEOUT_MS", NULL);
    env_set("ACCELNET_DB_ACQUIRE_TIMEOUT_MS", "600001");
    expect_error(NULL, "ACCELNET_DB_ACQUIRE_TIMEOUT_MS", NULL);
    env_set("ACCELNET_DB_ACQUIRE_TIMEOUT_MS", "5000");

    /* The same checks through flags name the flag. */
    expect_error(FLAGS("--http-threads", "0"), "--http-threads", NULL);
    expect_error(FLAGS("--http-threads=abc"), "--http-threads", "abc");
    expect_error(FLAGS("--db-wait", "x"), "--db-wait", NULL);
    expect_error(FLAGS("--shutdown-grace", "99999999999999999999"), "--shutdown-grace", NULL);
}

static void test_max_body_bytes(void **state)
{
    struct run r;
    (void)state;
    env_set("ACCELNET_MAX_BODY_BYTES", "1023");
    expect_error(NULL, "ACCELNET_MAX_BODY_BYTES", "1023");
    env_set("ACCELNET_MAX_BODY_BYTES", "67108865");
    expect_error(NULL, "ACCELNET_MAX_BODY_BYTES", NULL);
    env_set("ACCELNET_MAX_BODY_BYTES", "67108864");
    run_parse(&r, NULL);
    assert_int_equal(r.result, CONFIG_OK);
    assert_int_equal(r.cfg.max_body_bytes, 67108864);
    config_free(&r.cfg);
    expect_error(FLAGS("--max-body-bytes", "100"), "--max-body-bytes", NULL);
}

static void test_bad_listen(void **state)
{
    struct run r;
    (void)state;
    env_set("ACCELNET_LISTEN", "127.0.0.1");
    expect_error(NULL, "ACCELNET_LISTEN", "127.0.0.1");
    env_set("ACCELNET_LISTEN", "127.0.0.1:70000");
    expect_error(NULL, "ACCELNET_LISTEN", NULL);
    env_set("ACCELNET_LISTEN", "::1:80");
    expect_error(NULL, "ACCELNET_LISTEN", NULL);
    env_set("ACCELNET_LISTEN", "localhost:");
    expect_error(NULL, "ACCELNET_LISTEN", NULL);
    env_set("ACCELNET_LISTEN", ":8443");
    expect_error(NULL, "ACCELNET_LISTEN", NULL);
    env_set("ACCELNET_LISTEN", "");
    expect_error(NULL, "ACCELNET_LISTEN", NULL);
    env_set("ACCELNET_LISTEN", NULL);
    expect_error(FLAGS("--listen", "nohost"), "--listen", "nohost");
    expect_error(FLAGS("--listen=[::1]:99999"), "--listen", NULL);

    env_set("ACCELNET_LISTEN", "[::1]:8443");
    run_parse(&r, NULL);
    assert_int_equal(r.result, CONFIG_OK);
    assert_string_equal(r.cfg.listen_host, "::1");
    assert_int_equal(r.cfg.listen_port, 8443);
    config_free(&r.cfg);

    env_set("ACCELNET_LISTEN", "localhost:1");
    run_parse(&r, NULL);
    assert_int_equal(r.result, CONFIG_OK);
    assert_string_equal(r.cfg.listen_host, "localhost");
    assert_int_equal(r.cfg.listen_port, 1);
    config_free(&r.cfg);
}

static void test_bad_log_level(void **state)
{
    (void)state;
    env_set("ACCELNET_LOG_LEVEL", "loud");
    expect_error(NULL, "ACCELNET_LOG_LEVEL", "loud");
    env_set("ACCELNET_LOG_LEVEL", "info");
    expect_error(FLAGS("--log-level", "verbose"), "--log-level", "verbose");
}

static void test_missing_database(void **state)
{
    (void)state;
    env_set("ACCELNET_INSECURE_HTTP", "1");
    expect_error(NULL, "ACCELNET_DATABASE_URL", NULL);
    /* Empty counts as missing. */
    env_set("ACCELNET_DATABASE_URL", "");
    expect_error(NULL, "ACCELNET_DATABASE_URL", NULL);
    expect_error(FLAGS("--database-url="), "ACCELNET_DATABASE_URL", NULL);
}

static void test_tls_pairs(void **state)
{
    (void)state;
    /* Neither TLS nor insecure. */
    env_set("ACCELNET_INSECURE_HTTP", "0");
    expect_error(NULL, "ACCELNET_TLS_CERT", "ACCELNET_INSECURE_HTTP");
    /* Cert without key. */
    env_set("ACCELNET_TLS_CERT", "c.pem");
    expect_error(NULL, "ACCELNET_TLS_KEY", NULL);
    /* Key without cert. */
    env_set("ACCELNET_TLS_CERT", NULL);
    env_set("ACCELNET_TLS_KEY", "k.pem");
    expect_error(NULL, "ACCELNET_TLS_CERT", NULL);
    /* Insecure HTTP together with a certificate. */
    env_set("ACCELNET_TLS_KEY", NULL);
    env_set("ACCELNET_INSECURE_HTTP", "1");
    env_set("ACCELNET_TLS_CERT", "c.pem");
    expect_error(NULL, "ACCELNET_INSECURE_HTTP", NULL);
    env_set("ACCELNET_TLS_CERT", NULL);
    expect_error(FLAGS("--tls-key", "k.pem"), "ACCELNET_INSECURE_HTTP", NULL);

    /* Both cert and key, no insecure: fine. */
    struct run r;
    env_set("ACCELNET_INSECURE_HTTP", NULL);
    run_parse(&r, FLAGS("--tls-cert", "c.pem", "--tls-key", "k.pem"));
    assert_int_equal(r.result, CONFIG_OK);
    assert_int_equal(r.cfg.insecure_http, 0);
    assert_string_equal(r.cfg.tls_cert, "c.pem");
    assert_string_equal(r.cfg.tls_key, "k.pem");
    config_free(&r.cfg);
}

static void test_admin_token_length(void **state)
{
    struct run r;
    (void)state;
    env_set("ACCELNET_ADMIN_TOKEN", "0123456789abcdef0123456789abcde"); /* 31 */
    expect_error(NULL, "ACCELNET_ADMIN_TOKEN", "31");
    env_set("ACCELNET_ADMIN_TOKEN", "0123456789abcdef0123456789abcdef"); /* 32 */
    run_parse(&r, NULL);
    assert_int_equal(r.result, CONFIG_OK);
    assert_string_equal(r.cfg.admin_token, "0123456789abcdef0123456789abcdef");
    config_free(&r.cfg);
    env_set("ACCELNET_ADMIN_TOKEN", NULL);
    expect_error(FLAGS("--admin-token", "short"), "ADMIN_TOKEN", NULL);
}

static void test_admin_token_file_empty(void **state)
{
    (void)state;
    env_set("ACCELNET_ADMIN_TOKEN_FILE", "");
    expect_error(NULL, "ACCELNET_ADMIN_TOKEN_FILE", NULL);
}

static void test_public_url(void **state)
{
    struct run r;
    (void)state;
    env_set("ACCELNET_PUBLIC_URL", "https://accelnet.example.net/");
    run_parse(&r, NULL);
    assert_int_equal(r.result, CONFIG_OK);
    assert_string_equal(r.cfg.public_url, "https://accelnet.example.net");
    config_free(&r.cfg);
    env_set("ACCELNET_PUBLIC_URL", "ftp://accelnet.example.net");
    expect_error(NULL, "ACCELNET_PUBLIC_URL", NULL);
    env_set("ACCELNET_PUBLIC_URL", "https://a.example.net/?x=1");
    expect_error(NULL, "ACCELNET_PUBLIC_URL", NULL);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    expect_error(FLAGS("--bogus"), "--bogus", NULL);
    expect_error(FLAGS("--bogus=1"), "--bogus", NULL);
    expect_error(FLAGS("-x"), "-x", NULL);
    expect_error(FLAGS("--listen"), "--listen", NULL);
    expect_error(FLAGS("--http-threads", "4", "--database-url"), "--database-url", NULL);
    expect_error(FLAGS("stray"), "stray", NULL);
    expect_error(FLAGS("--http-threads", "4", "stray2"), "stray2", NULL);
    /* A flag's value that looks like a flag is still its value. */
    struct run r;
    run_parse(&r, FLAGS("--admin-token-file", "--weird"));
    assert_int_equal(r.result, CONFIG_OK);
    assert_string_equal(r.cfg.admin_token_file, "--weird");
    config_free(&r.cfg);
}

/* config_parse is called more than once in a process (tests, re-reading):
 * each call must start from a clean getopt state. */
static void test_repeated_parses(void **state)
{
    struct run r;
    (void)state;
    for (int i = 0; i < 3; i++) {
        run_parse(&r, FLAGS("--http-threads", "3", "--help"));
        assert_int_equal(r.result, CONFIG_HELP);
        config_free(&r.cfg);
        run_parse(&r, FLAGS("--http-threads", "3"));
        assert_int_equal(r.result, CONFIG_OK);
        assert_int_equal(r.cfg.http_threads, 3);
        config_free(&r.cfg);
    }
}

/* An unknown short option inside a group ("-xy") must name the option, and
 * must not leave getopt in the middle of the group for the next call. */
static void test_unknown_short_group(void **state)
{
    struct run r;
    char first_err[sizeof(r.err)];
    enum config_result first;
    (void)state;
    run_parse(&r, FLAGS("-xy"));
    first = r.result;
    memcpy(first_err, r.err, sizeof(first_err));
    config_free(&r.cfg);

    /* The next, valid, parse must succeed. */
    run_parse(&r, FLAGS("--http-threads", "5"));
    unsigned threads = r.cfg.http_threads;
    config_free(&r.cfg);

    assert_int_equal(first, CONFIG_ERROR);
    if (!strstr(first_err, "-x"))
        fail_msg("message '%s' does not name the option -x", first_err);
    if (r.result != CONFIG_OK)
        fail_msg("parse after '-xy' failed: %s", r.err);
    assert_int_equal(threads, 5);
}

/* --- config_parse_hostport ------------------------------------------------- */

static void test_hostport(void **state)
{
    static const struct {
        const char *in;
        int ok;
        const char *host;
        unsigned port;
    } cases[] = {
        {"127.0.0.1:8443", 1, "127.0.0.1", 8443},
        {"[::1]:8443", 1, "::1", 8443},
        {"[fe80::1%eth0]:80", 1, "fe80::1%eth0", 80},
        {"example.com:65535", 1, "example.com", 65535},
        {"h:0", 1, "h", 0},
        {"h:65536", 0, NULL, 0},
        {"127.0.0.1:70000", 0, NULL, 0},
        {"127.0.0.1", 0, NULL, 0},
        {"::1:80", 0, NULL, 0},
        {"::1", 0, NULL, 0},
        {"[::1]", 0, NULL, 0},
        {"[::1]8443", 0, NULL, 0},
        {"[]:80", 0, NULL, 0},
        {"[::1:80", 0, NULL, 0},
        {":80", 0, NULL, 0},
        {"h:", 0, NULL, 0},
        {"h:-1", 0, NULL, 0},
        {"h:80x", 0, NULL, 0},
        {"h: 80", 0, NULL, 0},
        {"", 0, NULL, 0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *host = NULL;
        unsigned port = 12345;
        int rc = config_parse_hostport(cases[i].in, &host, &port);
        if ((rc == 0) != cases[i].ok)
            fail_msg("'%s': rc %d, expected %s", cases[i].in, rc,
                     cases[i].ok ? "success" : "failure");
        if (cases[i].ok) {
            assert_non_null(host);
            if (strcmp(host, cases[i].host) != 0 || port != cases[i].port)
                fail_msg("'%s': got '%s' port %u", cases[i].in, host, port);
        } else {
            assert_null(host);
            assert_int_equal(port, 12345);
        }
        free(host);
    }
    char *host = NULL;
    unsigned port = 0;
    assert_int_equal(config_parse_hostport(NULL, &host, &port), -1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, setup_env)
    const struct CMUnitTest tests[] = {
        T(test_defaults),
        T(test_host_settings),
        T(test_env_values),
        T(test_log_levels),
        T(test_flags_override_env),
        T(test_insecure_flag),
        T(test_help_and_version),
        cmocka_unit_test_setup(test_help_without_database, setup_empty_env),
        cmocka_unit_test(test_usage_lists_every_setting),
        T(test_bad_numbers),
        T(test_max_body_bytes),
        T(test_bad_listen),
        T(test_bad_log_level),
        cmocka_unit_test_setup(test_missing_database, setup_empty_env),
        T(test_tls_pairs),
        T(test_admin_token_length),
        T(test_admin_token_file_empty),
        T(test_public_url),
        T(test_bad_arguments),
        T(test_repeated_parses),
        cmocka_unit_test(test_hostport),
        /* Last: if it fails, getopt may be left dirty for later parses. */
        T(test_unknown_short_group),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
