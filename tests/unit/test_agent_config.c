/* Unit tests for agent/config.h and agent/pf.h: accelnet-agent's settings
 * (with a fake environment and host name), --pf parsing, the VF addresses and
 * representor names that follow from a PF. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/config.h"
#include "agent/pf.h"

/* --- a fake environment -------------------------------------------------- */

#define FAKE_MAX 40
static const char *fake_names[FAKE_MAX];
static const char *fake_values[FAKE_MAX];
static size_t fake_n;
static const char *fake_hostname_value = "node-7.rack1.example";

static const char *fake_getenv(const char *name)
{
    for (size_t i = 0; i < fake_n; i++)
        if (strcmp(fake_names[i], name) == 0)
            return fake_values[i];
    return NULL;
}

static int fake_hostname(char *name, size_t len)
{
    snprintf(name, len, "%s", fake_hostname_value);
    return 0;
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

static void env_unset(const char *name)
{
    for (size_t i = 0; i < fake_n; i++)
        if (strcmp(fake_names[i], name) == 0) {
            memmove(&fake_names[i], &fake_names[i + 1], (fake_n - i - 1) * sizeof(char *));
            memmove(&fake_values[i], &fake_values[i + 1], (fake_n - i - 1) * sizeof(char *));
            fake_n--;
            return;
        }
}

/* The smallest environment that parses. */
static int setup_env(void **state)
{
    (void)state;
    fake_n = 0;
    fake_hostname_value = "node-7.rack1.example";
    env_set("ACCELNET_AGENT_CONTROLLER", "https://accelnet.example:8443");
    env_set("ACCELNET_AGENT_TOKEN", "acn_agenttoken");
    env_set("ACCELNET_AGENT_LOCATION", "westeurope");
    env_set("ACCELNET_AGENT_INSECURE_HTTP", "1");
    return 0;
}

struct run {
    struct agent_config cfg;
    enum agent_config_result result;
    char err[600];
};

/* Runs agent_config_parse on a NULL-terminated list of flags. */
static void run_parse(struct run *r, const char *const *flags)
{
    char *argv[40];
    int argc = 0;
    static char prog[] = "accelnet-agent";
    argv[argc++] = prog;
    for (; flags && *flags; flags++) {
        assert_true(argc < 39);
        argv[argc++] = (char *)*flags;
    }
    argv[argc] = NULL;
    memset(r, 0, sizeof(*r));
    r->result =
        agent_config_parse(&r->cfg, argc, argv, fake_getenv, fake_hostname, r->err, sizeof(r->err));
}

static void expect_ok(struct run *r)
{
    if (r->result != AGENT_CONFIG_OK)
        fail_msg("expected a valid configuration, got: %s", r->err);
}

/* Fails unless the parse failed with a message containing every fragment. */
static void expect_error(struct run *r, const char *frag1, const char *frag2)
{
    if (r->result != AGENT_CONFIG_ERROR)
        fail_msg("expected an error naming %s", frag1);
    if (frag1 && !strstr(r->err, frag1))
        fail_msg("message does not contain '%s': %s", frag1, r->err);
    if (frag2 && !strstr(r->err, frag2))
        fail_msg("message does not contain '%s': %s", frag2, r->err);
}

/* --- settings -------------------------------------------------------------- */

static void test_defaults(void **state)
{
    struct run r;
    (void)state;
    run_parse(&r, NULL);
    expect_ok(&r);
    assert_string_equal(r.cfg.controller, "https://accelnet.example:8443");
    assert_string_equal(r.cfg.token, "acn_agenttoken");
    assert_string_equal(r.cfg.host_name, "node-7"); /* up to the first '.' */
    assert_string_equal(r.cfg.location, "westeurope");
    assert_string_equal(r.cfg.listen_host, "127.0.0.1");
    assert_int_equal(r.cfg.listen_port, 9101);
    assert_null(r.cfg.advertise_url);
    assert_string_equal(r.cfg.backend, "sim");
    assert_int_equal(r.cfg.vcpus, 64);
    assert_int_equal(r.cfg.memory_mb, 262144);
    assert_int_equal(r.cfg.fault_domain, 0);
    assert_string_equal(r.cfg.state_dir, "/var/lib/accelnet-agent");
    assert_int_equal(r.cfg.http_threads, 4);
    assert_int_equal(r.cfg.retry_max_ms, 30000);
    /* Fault injection is off. */
    assert_true(r.cfg.test_fail_rate == 0.0);
    assert_int_equal(r.cfg.test_delay_ms, 0);
    assert_null(r.cfg.test_hang_file);
    /* The default PF: one ConnectX-3 with 16 VFs, VF id 1004. */
    assert_int_equal(r.cfg.npfs, 1);
    assert_string_equal(r.cfg.pfs[0].name, "pf0");
    assert_string_equal(r.cfg.pfs[0].pci, "0000:03:00.0");
    assert_string_equal(r.cfg.pfs[0].vendor, "15b3");
    assert_string_equal(r.cfg.pfs[0].device, "1003");
    assert_string_equal(r.cfg.pfs[0].vf_device, "1004");
    assert_string_equal(r.cfg.pfs[0].driver, "mlx4_core");
    assert_int_equal(r.cfg.pfs[0].num_vfs, 16);
    char *url = agent_config_agent_url(&r.cfg, 0);
    assert_string_equal(url, "http://127.0.0.1:9101");
    free(url);
    url = agent_config_agent_url(&r.cfg, 40001); /* --listen ...:0, bound later */
    assert_string_equal(url, "http://127.0.0.1:40001");
    free(url);
    agent_config_free(&r.cfg);
}

static void test_env_and_flags(void **state)
{
    struct run r;
    (void)state;
    env_set("ACCELNET_AGENT_VCPUS", "32");
    env_set("ACCELNET_AGENT_MEMORY_MB", "65536");
    env_set("ACCELNET_AGENT_HOST_NAME", "Host-A1");
    env_set("ACCELNET_AGENT_FAULT_DOMAIN", "2");
    env_set("ACCELNET_AGENT_LISTEN", "127.0.0.1:7000");
    const char *flags[] = {
        "--vcpus",    "48",          "--location", "westcentralus", "--listen",
        "[::1]:7001", "--state-dir", "/tmp/st",    "--controller",  "https://c.example/base/",
        NULL};
    run_parse(&r, flags);
    expect_ok(&r);
    assert_int_equal(r.cfg.vcpus, 48);               /* the flag wins */
    assert_int_equal(r.cfg.memory_mb, 65536);        /* the variable */
    assert_string_equal(r.cfg.host_name, "host-a1"); /* lower-cased */
    assert_int_equal(r.cfg.fault_domain, 2);
    assert_string_equal(r.cfg.location, "westcentralus");
    assert_string_equal(r.cfg.listen_host, "::1");
    assert_int_equal(r.cfg.listen_port, 7001);
    assert_string_equal(r.cfg.state_dir, "/tmp/st");
    assert_string_equal(r.cfg.controller, "https://c.example/base"); /* no trailing '/' */
    char *url = agent_config_agent_url(&r.cfg, 0);
    assert_string_equal(url, "http://[::1]:7001");
    free(url);
    agent_config_free(&r.cfg);
}

static void test_fault_flags(void **state)
{
    struct run r;
    (void)state;
    const char *flags[] = {"--test-fail-rate", "0.25", "--test-delay-ms", "150", "--test-hang-file",
                           "/tmp/hang",        NULL};
    run_parse(&r, flags);
    expect_ok(&r);
    assert_true(r.cfg.test_fail_rate == 0.25);
    assert_int_equal(r.cfg.test_delay_ms, 150);
    assert_string_equal(r.cfg.test_hang_file, "/tmp/hang");
    agent_config_free(&r.cfg);

    static const char *const bad_rates[] = {"1.5", "-0.1", "x", "", " 0.5", "0.5x", "nan"};
    for (size_t i = 0; i < sizeof(bad_rates) / sizeof(bad_rates[0]); i++) {
        const char *f[] = {"--test-fail-rate", bad_rates[i], NULL};
        run_parse(&r, f);
        expect_error(&r, "--test-fail-rate", "fraction");
        agent_config_free(&r.cfg);
    }
    env_set("ACCELNET_AGENT_TEST_FAIL_RATE", "2");
    run_parse(&r, NULL);
    expect_error(&r, "ACCELNET_AGENT_TEST_FAIL_RATE", NULL);
    agent_config_free(&r.cfg);
}

static void test_bad_values_name_the_setting(void **state)
{
    static const struct {
        const char *flag, *value, *says;
    } cases[] = {
        {"--vcpus", "abc", "--vcpus"},
        {"--vcpus", "0", "--vcpus"},
        {"--memory-mb", "-1", "--memory-mb"},
        {"--fault-domain", "256", "--fault-domain"},
        {"--listen", "nonsense", "--listen"},
        {"--http-threads", "0", "--http-threads"},
        {"--log-level", "loud", "--log-level"},
        {"--insecure-http=maybe", NULL, "--insecure-http"},
        {"--host-name", "-bad", "--host-name"},
        {"--host-name", "under_score", "--host-name"},
        {"--host-name", "a234567890123456789012345678901234567890123456789012345678901234",
         "--host-name"},
        {"--location", "west/europe", "--location"},
        {"--backend", "netns", "--backend"},
        {"--controller", "ftp://x.example", "--controller"},
        {"--controller", "not a url", "--controller"},
        {"--controller", "https://x.example/?q=1", "--controller"},
        {"--controller", "http://accelnet.example", "--controller"}, /* clear text, not loopback */
        {"--advertise-url", "gopher://h", "--advertise-url"},
        {"--token", "has space", "--token"},
        {"--pf", "pf0", "--pf"},
        {"--test-delay-ms", "x", "--test-delay-ms"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct run r;
        const char *flags[] = {cases[i].flag, cases[i].value, NULL};
        run_parse(&r, flags);
        if (r.result != AGENT_CONFIG_ERROR)
            fail_msg("%s %s: accepted", cases[i].flag, cases[i].value ? cases[i].value : "");
        if (!strstr(r.err, cases[i].says))
            fail_msg("%s %s: message does not name %s: %s", cases[i].flag,
                     cases[i].value ? cases[i].value : "", cases[i].says, r.err);
        agent_config_free(&r.cfg);
    }
}

static void test_env_errors_name_the_variable(void **state)
{
    struct run r;
    (void)state;
    env_set("ACCELNET_AGENT_VCPUS", "many");
    run_parse(&r, NULL);
    expect_error(&r, "ACCELNET_AGENT_VCPUS", "many");
    agent_config_free(&r.cfg);
    env_unset("ACCELNET_AGENT_VCPUS");
    env_set("ACCELNET_AGENT_PF", "pf0,0000:03:00.0,15b3:1003,zero");
    run_parse(&r, NULL);
    expect_error(&r, "ACCELNET_AGENT_PF", "zero");
    agent_config_free(&r.cfg);
    /* The flag replaces the variable's list entirely, so it is not looked at. */
    const char *flags[] = {"--pf", "pf1,0000:05:00.0,15b3:1015,8", NULL};
    run_parse(&r, flags);
    expect_ok(&r);
    assert_int_equal(r.cfg.npfs, 1);
    assert_string_equal(r.cfg.pfs[0].name, "pf1");
    agent_config_free(&r.cfg);
}

static void test_required_settings(void **state)
{
    struct run r;
    (void)state;
    env_unset("ACCELNET_AGENT_CONTROLLER");
    run_parse(&r, NULL);
    expect_error(&r, "ACCELNET_AGENT_CONTROLLER", "--controller");
    agent_config_free(&r.cfg);
    env_set("ACCELNET_AGENT_CONTROLLER", "http://127.0.0.1:8443"); /* loopback: plain is fine */
    env_unset("ACCELNET_AGENT_TOKEN");
    run_parse(&r, NULL);
    expect_error(&r, "ACCELNET_AGENT_TOKEN", "--token");
    agent_config_free(&r.cfg);
    env_set("ACCELNET_AGENT_TOKEN", "t");
    env_unset("ACCELNET_AGENT_LOCATION");
    run_parse(&r, NULL);
    expect_error(&r, "ACCELNET_AGENT_LOCATION", "--location");
    agent_config_free(&r.cfg);
    env_set("ACCELNET_AGENT_LOCATION", "westeurope");
    /* No usable system host name. */
    fake_hostname_value = "Not_Valid";
    run_parse(&r, NULL);
    expect_error(&r, "ACCELNET_AGENT_HOST_NAME", "not_valid");
    agent_config_free(&r.cfg);
    fake_hostname_value = "node-7";
    run_parse(&r, NULL);
    expect_ok(&r);
    agent_config_free(&r.cfg);
}

static void test_tls_and_http(void **state)
{
    struct run r;
    (void)state;
    env_unset("ACCELNET_AGENT_INSECURE_HTTP");
    run_parse(&r, NULL);
    expect_error(&r, "ACCELNET_AGENT_TLS_CERT", "ACCELNET_AGENT_INSECURE_HTTP");
    agent_config_free(&r.cfg);
    const char *tls[] = {"--tls-cert", "c.pem", "--tls-key", "k.pem", NULL};
    run_parse(&r, tls);
    expect_ok(&r);
    char *url = agent_config_agent_url(&r.cfg, 0);
    assert_string_equal(url, "https://127.0.0.1:9101");
    free(url);
    agent_config_free(&r.cfg);
    const char *both[] = {"--tls-cert", "c.pem", "--tls-key", "k.pem", "--insecure-http", NULL};
    run_parse(&r, both);
    expect_error(&r, "--insecure-http", "choose one");
    agent_config_free(&r.cfg);
    /* Plain HTTP only on loopback. */
    const char *outside[] = {"--insecure-http", "--listen", "10.1.2.3:9101", NULL};
    run_parse(&r, outside);
    expect_error(&r, "--insecure-http", "loopback");
    agent_config_free(&r.cfg);
    /* The wildcard address needs an advertised URL. */
    const char *wild[] = {"--tls-cert", "c.pem",        "--tls-key", "k.pem",
                          "--listen",   "0.0.0.0:9101", NULL};
    run_parse(&r, wild);
    expect_error(&r, "ACCELNET_AGENT_ADVERTISE_URL", "0.0.0.0");
    agent_config_free(&r.cfg);
    const char *adv[] = {
        "--tls-cert", "c.pem",        "--tls-key",       "k.pem",
        "--listen",   "0.0.0.0:9101", "--advertise-url", "https://host7.example:9101/",
        NULL};
    run_parse(&r, adv);
    expect_ok(&r);
    url = agent_config_agent_url(&r.cfg, 9101);
    assert_string_equal(url, "https://host7.example:9101");
    free(url);
    agent_config_free(&r.cfg);
}

static void test_token_file(void **state)
{
    struct run r;
    char path[] = "/tmp/test_agent_config_tokenXXXXXX";
    (void)state;
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "acn_fromfile\nignored\n", 21), 21);
    close(fd);
    env_unset("ACCELNET_AGENT_TOKEN");
    const char *flags[] = {"--token-file", path, NULL};
    run_parse(&r, flags);
    expect_ok(&r);
    assert_string_equal(r.cfg.token, "acn_fromfile");
    agent_config_free(&r.cfg);
    const char *both[] = {"--token-file", path, "--token", "x", NULL};
    run_parse(&r, both);
    expect_error(&r, "--token", "choose one");
    agent_config_free(&r.cfg);
    unlink(path);
    run_parse(&r, flags);
    expect_error(&r, "--token-file", path);
    agent_config_free(&r.cfg);
}

static void test_pf_flags(void **state)
{
    struct run r;
    (void)state;
    const char *flags[] = {"--pf", "pf0,0000:03:00.0,15b3:1003,4", "--pf",
                           "pf1,0000:81:00.0,15B3:1015,8", NULL};
    run_parse(&r, flags);
    expect_ok(&r);
    assert_int_equal(r.cfg.npfs, 2);
    assert_string_equal(r.cfg.pfs[1].name, "pf1");
    assert_string_equal(r.cfg.pfs[1].pci, "0000:81:00.0");
    assert_string_equal(r.cfg.pfs[1].vendor, "15b3"); /* lower-cased */
    assert_string_equal(r.cfg.pfs[1].vf_device, "1016");
    assert_string_equal(r.cfg.pfs[1].driver, "mlx5_core");
    assert_int_equal(r.cfg.pfs[1].num_vfs, 8);
    agent_config_free(&r.cfg);

    env_set("ACCELNET_AGENT_PF", "pf0,0000:03:00.0,15b3:1003,2;;pf1,0000:04:00.0,8086:10fb,2");
    run_parse(&r, NULL);
    expect_ok(&r);
    assert_int_equal(r.cfg.npfs, 2);
    assert_string_equal(r.cfg.pfs[1].vf_device, "10ed");
    assert_string_equal(r.cfg.pfs[1].vf_driver, "ixgbevf");
    agent_config_free(&r.cfg);

    /* A set that does not fit together. */
    const char *dup[] = {"--pf", "pf0,0000:03:00.0,15b3:1003,4", "--pf",
                         "pf0,0000:05:00.0,15b3:1003,4", NULL};
    run_parse(&r, dup);
    expect_error(&r, "--pf", "two physical functions are named pf0");
    agent_config_free(&r.cfg);
    const char *overlap[] = {"--pf", "pf0,0000:03:00.0,15b3:1003,16", "--pf",
                             "pf1,0000:03:01.0,15b3:1003,4", NULL};
    run_parse(&r, overlap);
    expect_error(&r, "--pf", "overlap");
    agent_config_free(&r.cfg);
}

static void test_help_version_and_usage(void **state)
{
    struct run r;
    (void)state;
    fake_n = 0; /* --help works whatever the environment lacks */
    const char *help[] = {"--help", NULL};
    run_parse(&r, help);
    assert_int_equal(r.result, AGENT_CONFIG_HELP);
    agent_config_free(&r.cfg);
    const char *version[] = {"--version", NULL};
    run_parse(&r, version);
    assert_int_equal(r.result, AGENT_CONFIG_VERSION);
    agent_config_free(&r.cfg);
    const char *unknown[] = {"--nope", NULL};
    run_parse(&r, unknown);
    expect_error(&r, "--nope", "--help");
    agent_config_free(&r.cfg);
    const char *stray[] = {"stray", NULL};
    run_parse(&r, stray);
    expect_error(&r, "stray", NULL);
    agent_config_free(&r.cfg);

    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    agent_config_usage(f);
    fclose(f);
    static const char *const documented[] = {"--controller",
                                             "--token",
                                             "--token-file",
                                             "--host-name",
                                             "--location",
                                             "--listen",
                                             "--advertise-url",
                                             "--backend",
                                             "--vcpus",
                                             "--memory-mb",
                                             "--pf",
                                             "--fault-domain",
                                             "--state-dir",
                                             "--ca-file",
                                             "--tls-cert",
                                             "--tls-key",
                                             "--insecure-http",
                                             "--log-level",
                                             "--http-threads",
                                             "--shutdown-grace",
                                             "--test-fail-rate",
                                             "--test-delay-ms",
                                             "--test-hang-file",
                                             "--controller-timeout-ms",
                                             "--register-retry-max-ms",
                                             "ACCELNET_AGENT_CONTROLLER",
                                             "ACCELNET_AGENT_PF",
                                             "ACCELNET_AGENT_TEST_HANG_FILE",
                                             "TEST ONLY",
                                             "15b3:1003,16"};
    for (size_t i = 0; i < sizeof(documented) / sizeof(documented[0]); i++)
        if (!strstr(text, documented[i]))
            fail_msg("--help does not mention %s", documented[i]);
    free(text);
}

/* --- physical functions ------------------------------------------------------- */

static void test_pf_parse_and_addresses(void **state)
{
    struct agent_pf pf;
    char err[400], pci[PF_PCI_LEN], rep[PF_NAME_MAX];
    (void)state;
    assert_int_equal(pf_parse("pf0,0000:03:00.0,15b3:1003,16", &pf, err, sizeof(err)), 0);
    pf_vf_pci(&pf, 0, pci);
    assert_string_equal(pci, "0000:03:00.1");
    pf_vf_pci(&pf, 3, pci); /* the protocol's example */
    assert_string_equal(pci, "0000:03:00.4");
    pf_vf_pci(&pf, 7, pci); /* past function 7: the next device */
    assert_string_equal(pci, "0000:03:01.0");
    pf_vf_pci(&pf, 15, pci);
    assert_string_equal(pci, "0000:03:02.0");
    pf_vf_representor(&pf, 3, rep);
    assert_string_equal(rep, "pf0vf3");

    /* Past device 1f: the next bus. */
    assert_int_equal(pf_parse("enp5s0f0,000A:05:1F.7,15b3:101d,2", &pf, err, sizeof(err)), 0);
    assert_string_equal(pf.pci, "000a:05:1f.7");
    assert_string_equal(pf.vf_device, "101e");
    pf_vf_pci(&pf, 0, pci);
    assert_string_equal(pci, "000a:06:00.0");
    pf_vf_representor(&pf, 1, rep);
    assert_string_equal(rep, "enp5s0f0vf1");
}

static void test_pf_parse_errors(void **state)
{
    static const struct {
        const char *spec, *says;
    } cases[] = {
        {"", "NAME,PCI_ADDRESS"},
        {"pf0,0000:03:00.0,15b3:1003", "NAME,PCI_ADDRESS"},
        {"pf0,0000:03:00.0,15b3:1003,16,extra", "NAME,PCI_ADDRESS"},
        {"Pf0,0000:03:00.0,15b3:1003,16", "PF name"},
        {"0pf,0000:03:00.0,15b3:1003,16", "PF name"},
        {"pf-0,0000:03:00.0,15b3:1003,16", "PF name"},
        {"pf0,03:00.0,15b3:1003,16", "PCI address"},
        {"pf0,0000:03:20.0,15b3:1003,16", "PCI address"}, /* device > 1f */
        {"pf0,0000:03:00.8,15b3:1003,16", "PCI address"}, /* function > 7 */
        {"pf0,0000:0g:00.0,15b3:1003,16", "PCI address"},
        {"pf0,0000:03:00.0,15b3-1003,16", "VENDOR:DEVICE"},
        {"pf0,0000:03:00.0,15b3:10031,16", "VENDOR:DEVICE"},
        {"pf0,0000:03:00.0,dead:beef,16", "not an adapter the agent knows"},
        {"pf0,0000:03:00.0,15b3:1003,0", "number of VFs"},
        {"pf0,0000:03:00.0,15b3:1003,257", "number of VFs"},
        {"pf0,0000:03:00.0,15b3:1003,-1", "number of VFs"},
        {"pf0,0000:ff:1f.0,15b3:1003,16", "past bus ff"},
        {"averylongname12,0000:03:00.0,15b3:1003,16", "representor"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct agent_pf pf;
        char err[400] = "";
        if (pf_parse(cases[i].spec, &pf, err, sizeof(err)) == 0)
            fail_msg("'%s' accepted", cases[i].spec);
        if (!strstr(err, cases[i].says))
            fail_msg("'%s': message does not say '%s': %s", cases[i].spec, cases[i].says, err);
    }
    /* The message about an unknown adapter lists the known ones. */
    struct agent_pf pf;
    char err[600];
    pf_parse("pf0,0000:03:00.0,dead:beef,16", &pf, err, sizeof(err));
    assert_non_null(strstr(err, "15b3:1003 (Mellanox ConnectX-3)"));
}

static void test_pf_sets(void **state)
{
    struct agent_pf pfs[3];
    char err[400];
    (void)state;
    assert_int_equal(pf_parse("pf0,0000:03:00.0,15b3:1003,7", &pfs[0], err, sizeof(err)), 0);
    /* pf0's VFs take 03:00.1-03:00.7; 03:01.0 is free. */
    assert_int_equal(pf_parse("pf1,0000:03:01.0,15b3:1003,7", &pfs[1], err, sizeof(err)), 0);
    assert_int_equal(pf_check_set(pfs, 2, err, sizeof(err)), 0);
    /* Another domain never overlaps. */
    assert_int_equal(pf_parse("pf2,0001:03:00.0,15b3:1003,16", &pfs[2], err, sizeof(err)), 0);
    assert_int_equal(pf_check_set(pfs, 3, err, sizeof(err)), 0);
    assert_int_equal(pf_parse("pf1,0000:03:00.7,15b3:1003,1", &pfs[1], err, sizeof(err)), 0);
    assert_int_equal(pf_check_set(pfs, 2, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "overlap"));
    assert_int_equal(pf_check_set(pfs, 0, err, sizeof(err)), -1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, setup_env)
    const struct CMUnitTest tests[] = {
        T(test_defaults),
        T(test_env_and_flags),
        T(test_fault_flags),
        T(test_bad_values_name_the_setting),
        T(test_env_errors_name_the_variable),
        T(test_required_settings),
        T(test_tls_and_http),
        T(test_token_file),
        T(test_pf_flags),
        T(test_help_version_and_usage),
        cmocka_unit_test(test_pf_parse_and_addresses),
        cmocka_unit_test(test_pf_parse_errors),
        cmocka_unit_test(test_pf_sets),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
