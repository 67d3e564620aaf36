/* it_cli — the seed's walkthrough with the CLI alone, as far as the server
 * goes today: the real bin/accelnet (ACCELNET_TEST_BIN) against a real
 * accelnetd and PostgreSQL over HTTPS, each identity (the operator, two
 * users) with a config directory of its own (XDG_CONFIG_HOME in a temporary
 * directory) and ACCELNET_CA_FILE set to the test certificate.
 *
 * The operator logs in, creates a subscription and a user token, and an
 * agent token with which a real host agent (accelnet-agent) registers a host
 * that the operator lists, drains, disables and enables; the user logs in
 * with the user token, registers for the preview (Pending), is told it is not
 * eligible because of that (exit 4), the operator approves, the user checks
 * an eligible and an ineligible combination (every reason listed), creates
 * and lists resource groups; then the output formats, the error display
 * (`ERROR: (Code) message` and the request id) with each exit code, the
 * catalogue; the network part (a VNet with a subnet, an NSG with an RDP rule,
 * an accelerated NIC in West Europe, refused in East US and refused a change
 * of Accelerated Networking, tables, updates, deletes); a rejection,
 * disabling, revoking and deleting.
 *
 * The steps depend on each other and run in order. Every CLI run is a fork
 * and exec of the CLI with a clean environment, waited for with a timeout;
 * only those children are ever signalled. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "tests/integration/itest.h"

#define NS         "Microsoft.Network"
#define AN         "AllowAcceleratedNetworkingFeature"
#define IMG_WS2012 "MicrosoftWindowsServer:WindowsServer:2012-R2-Datacenter"
#define IMG_UBUNTU "Canonical:UbuntuServer:16.04-LTS"
#define SUB2       "5e5e5e5e-0000-4000-8000-0000000000c1" /* the second subscription */

#define CLI_TIMEOUT_MS 60000

/* One identity: its own config directory. */
struct who {
    const char *name;
    char home[700];
};

static struct {
    char *conninfo;
    struct itest_daemon d;
    char tmp[512];
    struct itest_daemon agent;  /* a real host agent, registered with agent_token */
    struct itest_daemon agent2; /* a second one, for the VMs */
    char ca_env[700];
    char agent_token[96];  /* bound to cli-host-1 */
    char agent2_token[96]; /* bound to cli-host-2 */
    struct who admin, user, user2;
    char sub[37];        /* the subscription created in the walkthrough */
    char user_token[96]; /* its user's token */
    char user2_token[96];
} g;

/* --- running the CLI -------------------------------------------------------- */

struct run {
    int rc; /* exit code, 128 + signal, or -1 when it had to be killed */
    char *out, *err;
    json_t *json; /* stdout parsed, or NULL */
};

static void run_free(struct run *r)
{
    free(r->out);
    free(r->err);
    json_decref(r->json);
    memset(r, 0, sizeof(*r));
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *s = NULL;
    size_t len = 0;
    if (!f)
        return strdup("");
    FILE *m = open_memstream(&s, &len);
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, n, m);
    fclose(m);
    fclose(f);
    return s;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Runs `accelnet args...` as w, with stdin_text on stdin (NULL: /dev/null)
 * and env_extra ("NAME=value", NULL-terminated, may be NULL) added to the
 * environment. */
static void cli_exec(struct run *r, const struct who *w, const char *stdin_text,
                     const char *const *env_extra, const char *const *args)
{
    static unsigned n;
    char out_path[800], err_path[800], in_path[800];
    char *bin;
    memset(r, 0, sizeof(*r));
    n++;
    snprintf(out_path, sizeof out_path, "%s/run%u.out", g.tmp, n);
    snprintf(err_path, sizeof err_path, "%s/run%u.err", g.tmp, n);
    snprintf(in_path, sizeof in_path, "%s/run%u.in", g.tmp, n);
    write_file(in_path, stdin_text ? stdin_text : "");
    if (asprintf(&bin, "%s/accelnet", itest_env("ACCELNET_TEST_BIN")) < 0)
        fail_msg("out of memory");

    /* A clean environment: nothing of the developer's ACCELNET_* settings. */
    char *env[32];
    size_t ne = 0;
    static const char *const pass[] = {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"};
    if (asprintf(&env[ne++], "PATH=/usr/local/bin:/usr/bin:/bin") < 0 ||
        asprintf(&env[ne++], "HOME=%s", w->home) < 0 ||
        asprintf(&env[ne++], "XDG_CONFIG_HOME=%s/config", w->home) < 0 ||
        asprintf(&env[ne++], "ACCELNET_CA_FILE=%s", itest_env("ACCELNET_TEST_TLS_CERT")) < 0)
        fail_msg("out of memory");
    for (size_t i = 0; i < sizeof pass / sizeof pass[0]; i++)
        if (getenv(pass[i]) && asprintf(&env[ne++], "%s=%s", pass[i], getenv(pass[i])) < 0)
            fail_msg("out of memory");
    for (const char *const *e = env_extra; e && *e && ne < 30; e++)
        env[ne++] = strdup(*e);
    env[ne] = NULL;

    const char *argv[64];
    size_t na = 0;
    argv[na++] = bin;
    for (; args[na - 1] && na < 63; na++)
        argv[na] = args[na - 1];
    argv[na] = NULL;

    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0)
        fail_msg("fork: %s", strerror(errno));
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        int in = open(in_path, O_RDONLY);
        int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (in < 0 || out < 0 || err < 0)
            _exit(126);
        dup2(in, 0);
        dup2(out, 1);
        dup2(err, 2);
        execve(bin, (char *const *)argv, env);
        _exit(127);
    }
    int st = 0;
    long long deadline = itest_now_ms() + CLI_TIMEOUT_MS;
    for (;;) {
        pid_t got = waitpid(pid, &st, WNOHANG);
        if (got == pid)
            break;
        if (got < 0 && errno != EINTR)
            fail_msg("waitpid: %s", strerror(errno));
        if (itest_now_ms() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            st = -1;
            break;
        }
        itest_sleep_ms(5);
    }
    r->rc = st == -1 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r->out = slurp(out_path);
    r->err = slurp(err_path);
    r->json = json_loads(r->out, JSON_DECODE_ANY, NULL);
    unlink(out_path);
    unlink(err_path);
    unlink(in_path);
    for (size_t i = 0; i < ne; i++)
        free(env[i]);
    free(bin);
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})
/* CLI(&r, &g.user, "group", "list") */
#define CLI(r, w, ...) cli_exec((r), (w), NULL, NULL, ARGS(__VA_ARGS__))

/* The exit code must be want; else the whole run is shown. */
#define EXPECT_RC(r, want)                                                                \
    do {                                                                                  \
        if ((r)->rc != (want))                                                            \
            fail_msg("%s:%d: exit %d, want %d\n--- stdout:\n%s--- stderr:\n%s", __FILE__, \
                     __LINE__, (r)->rc, (want), (r)->out, (r)->err);                      \
    } while (0)
#define EXPECT_IN(r, stream, text)                                                               \
    do {                                                                                         \
        if (!strstr((r)->stream, (text)))                                                        \
            fail_msg("%s:%d: %s lacks '%s'\n--- stdout:\n%s--- stderr:\n%s", __FILE__, __LINE__, \
                     #stream, (text), (r)->out, (r)->err);                                       \
    } while (0)
#define EXPECT_NOT_IN(r, stream, text)                                                         \
    do {                                                                                       \
        if (strstr((r)->stream, (text)))                                                       \
            fail_msg("%s:%d: %s has '%s'\n--- stdout:\n%s--- stderr:\n%s", __FILE__, __LINE__, \
                     #stream, (text), (r)->out, (r)->err);                                     \
    } while (0)
#define EXPECT_OUT(r, text)                                                                     \
    do {                                                                                        \
        if (strcmp((r)->out, (text)) != 0)                                                      \
            fail_msg("%s:%d: stdout is not\n%s--- but:\n%s--- stderr:\n%s", __FILE__, __LINE__, \
                     (text), (r)->out, (r)->err);                                               \
    } while (0)

/* The error display: `ERROR: (code) ...` on stderr with the request id, and
 * nothing on stdout. */
static void expect_api_error(const struct run *r, const char *code)
{
    char want[160];
    snprintf(want, sizeof want, "ERROR: (%s) ", code);
    if (strncmp(r->err, want, strlen(want)) != 0)
        fail_msg("stderr does not start with '%s':\n%s", want, r->err);
    const char *rid = strstr(r->err, "\nRequest id: ");
    if (!rid)
        fail_msg("no request id in:\n%s", r->err);
    char id[64] = "";
    snprintf(id, sizeof id, "%.36s", rid + strlen("\nRequest id: "));
    if (!itest_is_uuid(id))
        fail_msg("the request id '%s' is not a UUID:\n%s", id, r->err);
    if (*r->out)
        fail_msg("an error printed something on stdout:\n%s", r->out);
}

/* --- set-up ------------------------------------------------------------------ */

static void who_init(struct who *w, const char *name)
{
    w->name = name;
    snprintf(w->home, sizeof w->home, "%s/%s", g.tmp, name);
    if (mkdir(w->home, 0700) != 0)
        fail_msg("mkdir %s: %s", w->home, strerror(errno));
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int group_setup(void **state)
{
    (void)state;
    snprintf(g.tmp, sizeof g.tmp, "%s/it_cli.XXXXXX", itest_env("ACCELNET_TEST_TMP"));
    if (!mkdtemp(g.tmp)) {
        fprintf(stderr, "it_cli: mkdtemp: %s\n", strerror(errno));
        return -1;
    }
    who_init(&g.admin, "admin");
    who_init(&g.user, "user");
    who_init(&g.user2, "user2");
    g.conninfo = itest_db_create("it_cli");
    /* accelnetd calls the agents over TLS with the test certificate; the
     * operations are polled quickly. */
    snprintf(g.ca_env, sizeof g.ca_env, "ACCELNET_AGENT_CA_FILE=%s",
             itest_env("ACCELNET_TEST_TLS_CERT"));
    const char *env[] = {g.ca_env, "ACCELNET_OPS_POLL_MS=200", "ACCELNET_OPS_RETRY_AFTER=1",
                         "ACCELNET_HOST_HEARTBEAT_INTERVAL=1", NULL};
    struct itest_daemon_opts dopts = {.env = env};
    if (itest_daemon_start(&g.d, g.conninfo, &dopts) != 0) {
        memset(&g.d, 0, sizeof g.d);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    int rc = 0;
    if (g.agent2.pid > 0 && itest_daemon_stop(&g.agent2, 20000) != 0) {
        fprintf(stderr, "it_cli: the second accelnet-agent did not stop cleanly\n");
        rc = -1;
    }
    if (g.agent.pid > 0 && itest_daemon_stop(&g.agent, 20000) != 0) {
        fprintf(stderr, "it_cli: accelnet-agent did not stop cleanly\n");
        rc = -1;
    }
    if (g.d.pid > 0 && itest_daemon_stop(&g.d, 20000) != 0) {
        fprintf(stderr, "it_cli: accelnetd did not stop cleanly\n");
        rc = -1;
    }
    free(g.conninfo);
    if (*g.tmp)
        nftw(g.tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}

/* --- the walkthrough ------------------------------------------------------------ */

/* The operator logs in, creates a subscription and a token for its user. */
static void test_operator_sets_up_a_subscription(void **state)
{
    (void)state;
    struct run r;

    /* The token from stdin, the CA from ACCELNET_CA_FILE. */
    cli_exec(&r, &g.admin, ITEST_ADMIN_TOKEN "\n", NULL,
             ARGS("login", "--url", g.d.url, "--token", "-"));
    EXPECT_RC(&r, 0);
    EXPECT_IN(&r, err, "Logged in to ");
    assert_true(json_is_true(json_object_get(r.json, "loggedIn")));
    EXPECT_NOT_IN(&r, out, ITEST_ADMIN_TOKEN);
    run_free(&r);
    char cfg[800];
    struct stat st;
    snprintf(cfg, sizeof cfg, "%s/config/accelnet/config", g.admin.home);
    assert_int_equal(stat(cfg, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    CLI(&r, &g.admin, "health", "-o", "tsv");
    EXPECT_RC(&r, 0);
    run_free(&r);

    /* A subscription with a generated id. */
    CLI(&r, &g.admin, "admin", "subscription", "create", "--display-name", "Contoso", "--query",
        "subscriptionId", "-o", "tsv");
    EXPECT_RC(&r, 0);
    assert_int_equal(strlen(r.out), 37);
    snprintf(g.sub, sizeof g.sub, "%.36s", r.out);
    assert_true(itest_is_uuid(g.sub));
    run_free(&r);
    CLI(&r, &g.admin, "admin", "subscription", "show", "--id", g.sub, "--query", "state", "-o",
        "tsv");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "Enabled\n");
    run_free(&r);
    /* The same id again is refused. */
    CLI(&r, &g.admin, "admin", "subscription", "create", "--id", g.sub, "--display-name", "Other");
    EXPECT_RC(&r, 4);
    EXPECT_IN(&r, err, "already exists");
    run_free(&r);

    /* A token for its user, shown once. */
    CLI(&r, &g.admin, "admin", "subscription", "token", "create", "--subscription", g.sub,
        "--description", "alice", "--query", "token", "-o", "tsv");
    EXPECT_RC(&r, 0);
    EXPECT_IN(&r, err, "shown only this once");
    assert_true(strncmp(r.out, "acn_", 4) == 0);
    snprintf(g.user_token, sizeof g.user_token, "%.*s", (int)strcspn(r.out, "\n"), r.out);
    run_free(&r);
}

/* `accelnet ARGS... --query Q -o tsv` as w until its output is want (one
 * line), or fail after timeout_ms. */
static void cli_until(const struct who *w, const char *const *args, const char *want,
                      long timeout_ms)
{
    struct run r;
    long long deadline = itest_now_ms() + timeout_ms;
    for (;;) {
        cli_exec(&r, w, NULL, NULL, args);
        if (r.rc == 0 && strcmp(r.out, want) == 0)
            break;
        if (itest_now_ms() > deadline)
            fail_msg("'%s %s %s ...' did not print '%s' within %ld ms; last: exit %d\n--- "
                     "stdout:\n%s--- stderr:\n%s",
                     args[0], args[1], args[2], want, timeout_ms, r.rc, r.out, r.err);
        run_free(&r);
        itest_sleep_ms(100);
    }
    run_free(&r);
}

/* An agent token bound to host (--host-name) into out; checks that the
 * token shows the host it is bound to. */
static void agent_token_create(const char *host, char out[96])
{
    struct run r;
    CLI(&r, &g.admin, "admin", "token", "create", "--role", "agent", "--host-name", host,
        "--description", "it_cli host");
    EXPECT_RC(&r, 0);
    const char *tok = json_string_value(json_object_get(r.json, "token"));
    const char *bound = json_string_value(json_object_get(r.json, "hostName"));
    if (tok == NULL || strncmp(tok, "acn_", 4) != 0 || bound == NULL || strcmp(bound, host) != 0)
        fail_msg("expected an agent token bound to %s, got %s", host, r.out);
    snprintf(out, 96, "%s", tok);
    run_free(&r);
}

/* The operator makes an agent token bound to its host; a real host agent
 * registers with it; the operator sees the host and drains, disables and
 * enables it, and deletes (declares dead) another one. */
static void test_operator_and_hosts(void **state)
{
    (void)state;
    struct run r;
    agent_token_create("cli-host-1", g.agent_token);
    /* A host name is for agent tokens only (exit 4, the server's 400). */
    CLI(&r, &g.admin, "admin", "token", "create", "--role", "admin", "--host-name", "cli-host-1");
    EXPECT_RC(&r, 4);
    expect_api_error(&r, "InvalidRequestContent");
    EXPECT_IN(&r, err, "hostName");
    run_free(&r);

    /* No host yet. */
    CLI(&r, &g.admin, "admin", "host", "list", "-o", "table");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "");
    run_free(&r);

    const char *argv[] = {"--vcpus", "64", NULL};
    struct itest_agent_opts o = {.controller = g.d.url,
                                 .token = g.agent_token,
                                 .host_name = "cli-host-1",
                                 .location = "westeurope",
                                 .argv = argv};
    if (itest_agent_start(&g.agent, &o) != 0)
        fail_msg("the agent did not start");
    cli_until(&g.admin,
              ARGS("admin", "host", "show", "-n", "cli-host-1", "--query", "health", "-o", "tsv"),
              "Healthy\n", 15000);

    CLI(&r, &g.admin, "admin", "host", "list", "-o", "table");
    EXPECT_RC(&r, 0);
    static const char head[] =
        "Name        Location    State    Health   VFs   VCPUs  LastHeartbeat\n";
    if (strncmp(r.out, head, strlen(head)) != 0)
        fail_msg("the table does not start with\n%s--- but:\n%s", head, r.out);
    EXPECT_IN(&r, out, "\ncli-host-1  westeurope  Enabled  Healthy  0/16  0/64   20");
    run_free(&r);
    CLI(&r, &g.admin, "admin", "host", "show", "-n", "cli-host-1");
    EXPECT_RC(&r, 0);
    assert_string_equal(json_string_value(json_object_get(r.json, "agentUrl")), g.agent.url);
    assert_int_equal(
        json_integer_value(json_object_get(
            json_object_get(json_object_get(r.json, "capacity"), "virtualFunctions"), "total")),
        16);
    EXPECT_NOT_IN(&r, out, g.agent.token); /* the callback token is never shown */
    run_free(&r);

    /* Drain, disable, enable: each prints the host in its new state. */
    CLI(&r, &g.admin, "admin", "host", "drain", "-n", "cli-host-1", "-o", "table");
    EXPECT_RC(&r, 0);
    EXPECT_IN(&r, out, "\ncli-host-1  westeurope  Draining  Healthy  0/16  0/64   20");
    run_free(&r);
    CLI(&r, &g.admin, "admin", "host", "disable", "-n", "CLI-HOST-1", "--query", "state", "-o",
        "tsv");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "Disabled\n");
    run_free(&r);
    CLI(&r, &g.admin, "admin", "host", "list", "--query", "value[].state", "-o", "tsv");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "Disabled\n");
    run_free(&r);
    CLI(&r, &g.admin, "admin", "host", "enable", "-n", "cli-host-1", "--query", "state", "-o",
        "tsv");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "Enabled\n");
    run_free(&r);

    /* Errors: no such host (exit 3), a name that cannot be one (exit 4), a
     * user token (exit 4), no name (exit 2). */
    CLI(&r, &g.admin, "admin", "host", "drain", "-n", "no-such-host");
    EXPECT_RC(&r, 3);
    expect_api_error(&r, "HostNotFound");
    run_free(&r);
    CLI(&r, &g.admin, "admin", "host", "show", "-n", "not_a_host");
    EXPECT_RC(&r, 4);
    expect_api_error(&r, "InvalidResourceName");
    run_free(&r);
    CLI(&r, &g.user, "admin", "host", "list", "--url", g.d.url, "--token", g.user_token);
    EXPECT_RC(&r, 4);
    expect_api_error(&r, "AuthorizationFailed");
    run_free(&r);
    CLI(&r, &g.admin, "admin", "host", "enable");
    EXPECT_RC(&r, 2);
    EXPECT_IN(&r, err, "the following arguments are required: --name");
    run_free(&r);

    /* Declaring a host dead: one with nothing on it is deleted (a clean
     * decommission), an unknown one is exit 3. */
    struct itest_resp hr;
    itest_request(&g.d, "PUT", "/admin/hosts/cli-dead?" ITEST_AV, NULL,
                  "{\"location\":\"westeurope\",\"agentUrl\":\"http://127.0.0.1:9\","
                  "\"vcpus\":8,\"memoryMB\":8192,\"backend\":\"sim\",\"agentVersion\":"
                  "\"0.1.0\",\"callbackToken\":\"cb-0123456789abcdefghijklmnopqrstuvwxyz\","
                  "\"physicalFunctions\":[]}",
                  &hr);
    ITEST_EXPECT_STATUS(&hr, 201);
    itest_resp_free(&hr);
    CLI(&r, &g.admin, "admin", "host", "delete", "-n", "cli-dead", "--query",
        "virtualFunctionsReleased", "-o", "tsv");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "0\n");
    run_free(&r);
    CLI(&r, &g.admin, "admin", "host", "delete", "-n", "cli-dead");
    EXPECT_RC(&r, 3);
    expect_api_error(&r, "HostNotFound");
    run_free(&r);
}

/* The user logs in and asks for the preview: Pending, and not eligible yet. */
static void test_user_registers_and_waits(void **state)
{
    (void)state;
    struct run r;
    CLI(&r, &g.user, "login", "--url", g.d.url, "--token", g.user_token, "--subscription", g.sub);
    EXPECT_RC(&r, 0);
    assert_string_equal(json_string_value(json_object_get(r.json, "subscriptionId")), g.sub);
    run_free(&r);
    /* The stored default subscription is the one commands use. */
    CLI(&r, &g.user, "account", "show", "--query", "subscriptionId", "-o", "tsv");
    EXPECT_RC(&r, 0);
    assert_int_equal(strncmp(r.out, g.sub, 36), 0);
    run_free(&r);

    CLI(&r, &g.user, "feature", "register", "--namespace", NS, "--name", AN, "--intended-use",
        "low-latency trading");
    EXPECT_RC(&r, 0);
    json_t *props = json_object_get(r.json, "properties");
    assert_string_equal(json_string_value(json_object_get(props, "state")), "Pending");
    assert_string_equal(json_string_value(json_object_get(r.json, "name")), NS "/" AN);
    EXPECT_IN(&r, err, "The registration is Pending until an operator approves it.");
    run_free(&r);
    /* Again: nothing changes, and the user is told. */
    CLI(&r, &g.user, "feature", "register", "--namespace", NS, "--name", AN);
    EXPECT_RC(&r, 0);
    EXPECT_IN(&r, err, "WARNING: the registration is Pending already: nothing changed");
    run_free(&r);
    CLI(&r, &g.user, "feature", "show", "--namespace", NS, "--name", AN, "--query",
        "properties.state", "-o", "tsv");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "Pending\n");
    run_free(&r);

    /* Not eligible while Pending: the reason, exit 4. */
    CLI(&r, &g.user, "check-eligibility", "--location", "westeurope", "--size", "Standard_DS15_v2",
        "--image", IMG_WS2012);
    EXPECT_RC(&r, 4);
    assert_true(json_is_false(json_object_get(r.json, "eligible")));
    json_t *reasons = json_object_get(r.json, "reasons");
    assert_int_equal(json_array_size(reasons), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(reasons, 0), "code")),
                        "FeatureRegistrationPending");
    EXPECT_IN(&r, err, "Not eligible for Accelerated Networking: 1 reason (exit code 4).");
    run_free(&r);

    /* Nor is an accelerated NIC created while Pending: the code is shown. */
    CLI(&r, &g.user, "group", "create", "-n", "rg-pending", "-l", "westeurope", "-o", "none");
    EXPECT_RC(&r, 0);
    run_free(&r);
    CLI(&r, &g.user, "network", "vnet", "create", "-g", "rg-pending", "-n", "vnet-p",
        "--address-prefixes", "10.9.0.0/16", "--subnet-name", "default", "-o", "none");
    EXPECT_RC(&r, 0);
    run_free(&r);
    CLI(&r, &g.user, "network", "nic", "create", "-g", "rg-pending", "-n", "nic-p", "--vnet-name",
        "vnet-p", "--subnet", "default", "--accelerated-networking", "true");
    EXPECT_RC(&r, 4);
    expect_api_error(&r, "FeatureRegistrationPending");
    run_free(&r);
    CLI(&r, &g.user, "network", "vnet", "delete", "-g", "rg-pending", "-n", "vnet-p");
    EXPECT_RC(&r, 0);
    run_free(&r);
    CLI(&r, &g.user, "group", "delete", "-n", "rg-pending");
    EXPECT_RC(&r, 0);
    run_free(&r);
}

/* The operator approves; the user checks an eligible and an ineligible
 * combination. */
static void test_operator_approves_and_user_checks(void **state)
{
    (void)state;
    struct run r;
    char line[256];

    CLI(&r, &g.admin, "admin", "feature", "list-pending", "-o", "table");
    EXPECT_RC(&r, 0);
    assert_true(strncmp(r.out, "SubscriptionId", 14) == 0);
    snprintf(line, sizeof line, "%s  %s/%s  Pending  low-latency trading", g.sub, NS, AN);
    EXPECT_IN(&r, out, line);
    run_free(&r);

    CLI(&r, &g.admin, "admin", "feature", "approve", "--subscription", g.sub, "--namespace", NS,
        "--name", AN);
    EXPECT_RC(&r, 0);
    assert_string_equal(json_string_value(json_object_get(r.json, "state")), "Registered");
    run_free(&r);
    /* A second decision is refused: it is not Pending any more. */
    CLI(&r, &g.admin, "admin", "feature", "approve", "--subscription", g.sub, "--namespace", NS,
        "--name", AN);
    EXPECT_RC(&r, 4);
    expect_api_error(&r, "FeatureRegistrationNotPending");
    run_free(&r);

    CLI(&r, &g.user, "feature", "show", "--namespace", NS, "--name", AN, "-o", "table");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "Name                                                 State       Reason\n"
                   "---------------------------------------------------  ----------  ------\n"
                   "Microsoft.Network/AllowAcceleratedNetworkingFeature  Registered\n");
    run_free(&r);

    /* Eligible: exit 0. */
    CLI(&r, &g.user, "check-eligibility", "--location", "westeurope", "--size", "Standard_DS15_v2",
        "--image", IMG_WS2012);
    EXPECT_RC(&r, 0);
    assert_true(json_is_true(json_object_get(r.json, "eligible")));
    assert_int_equal(json_array_size(json_object_get(r.json, "reasons")), 0);
    assert_string_equal(r.err, "");
    run_free(&r);
    CLI(&r, &g.user, "check-eligibility", "-l", "westeurope", "--size", "Standard_DS15_v2",
        "--image", IMG_WS2012 ":latest", "-o", "table");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "Eligible  Location    VmSize            Image\n"
                   "--------  ----------  ----------------  "
                   "--------------------------------------------------------------\n"
                   "true      westeurope  Standard_DS15_v2  " IMG_WS2012 ":latest\n");
    run_free(&r);

    /* Not eligible: every reason, each with what would be. */
    CLI(&r, &g.user, "check-eligibility", "--location", "eastus", "--size", "Standard_D2_v2",
        "--image", IMG_UBUNTU);
    EXPECT_RC(&r, 4);
    assert_true(json_is_false(json_object_get(r.json, "eligible")));
    json_t *reasons = json_object_get(r.json, "reasons");
    assert_int_equal(json_array_size(reasons), 3);
    static const char *const codes[] = {"LocationIsNotPermittedToEnableAcceleratedNetworking",
                                        "VMSizeIsNotPermittedToEnableAcceleratedNetworking",
                                        "OSImageIsNotPermittedToEnableAcceleratedNetworking"};
    static const char *const targets[] = {"location", "vmSize", "imageReference"};
    static const char *const allowed[] = {
        "[\"westcentralus\",\"westeurope\"]", "[\"Standard_D15_v2\",\"Standard_DS15_v2\"]",
        "[\"" IMG_WS2012 "\",\"MicrosoftWindowsServer:WindowsServer:"
        "2016-Technical-Preview-with-Containers\"]"};
    for (size_t i = 0; i < 3; i++) {
        json_t *x = json_array_get(reasons, i);
        assert_string_equal(json_string_value(json_object_get(x, "code")), codes[i]);
        assert_string_equal(json_string_value(json_object_get(x, "target")), targets[i]);
        json_t *want = json_loads(allowed[i], 0, NULL);
        if (!json_equal(json_object_get(x, "allowedValues"), want))
            fail_msg("reason %zu: allowedValues are not %s:\n%s", i, allowed[i], r.out);
        json_decref(want);
    }
    EXPECT_IN(&r, err, "Not eligible for Accelerated Networking: 3 reasons (exit code 4).");
    run_free(&r);
    /* As a table: one row per reason, the allowed values joined. */
    CLI(&r, &g.user, "check-eligibility", "-l", "eastus", "--size", "Standard_D2_v2", "--image",
        IMG_UBUNTU, "-o", "table");
    EXPECT_RC(&r, 4);
    assert_true(strncmp(r.out, "Code  ", 6) == 0);
    EXPECT_IN(&r, out, "  Target          AllowedValues  ");
    EXPECT_IN(&r, out,
              "\nLocationIsNotPermittedToEnableAcceleratedNetworking  location        "
              "westcentralus, westeurope  ");
    EXPECT_IN(&r, out,
              "\nVMSizeIsNotPermittedToEnableAcceleratedNetworking    vmSize          "
              "Standard_D15_v2, Standard_DS15_v2  ");
    EXPECT_IN(&r, out,
              "\nOSImageIsNotPermittedToEnableAcceleratedNetworking   imageReference  "
              "" IMG_WS2012 ", ");
    run_free(&r);
    /* For scripts: -o none and the exit code. */
    CLI(&r, &g.user, "check-eligibility", "-l", "eastus", "--size", "Standard_D2_v2", "--image",
        IMG_UBUNTU, "-o", "none");
    EXPECT_RC(&r, 4);
    EXPECT_OUT(&r, "");
    run_free(&r);
}

/* The user creates and lists resource groups. */
static void test_user_creates_resource_groups(void **state)
{
    (void)state;
    struct run r;
    CLI(&r, &g.user, "group", "create", "-n", "rg1", "-l", "westeurope", "--tags", "env=test",
        "team=net");
    EXPECT_RC(&r, 0);
    assert_string_equal(json_string_value(json_object_get(r.json, "name")), "rg1");
    assert_string_equal(json_string_value(json_object_get(r.json, "location")), "westeurope");
    assert_string_equal(json_string_value(json_object_get(json_object_get(r.json, "tags"), "team")),
                        "net");
    run_free(&r);
    CLI(&r, &g.user, "group", "create", "--name", "rg2", "--location", "westcentralus");
    EXPECT_RC(&r, 0);
    run_free(&r);

    CLI(&r, &g.user, "group", "list", "-o", "table");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "Name  Location       ProvisioningState  Tags\n"
                   "----  -------------  -----------------  ------------------\n"
                   "rg1   westeurope     Succeeded          env=test, team=net\n"
                   "rg2   westcentralus  Succeeded\n");
    run_free(&r);
    CLI(&r, &g.user, "group", "list", "--query", "value[].name", "-o", "tsv");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "rg1\nrg2\n");
    run_free(&r);
    CLI(&r, &g.user, "group", "show", "-n", "RG1", "--query", "tags.env", "-o", "tsv");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "test\n");
    run_free(&r);
    /* tsv without --query: the server's scalar members, no header. */
    CLI(&r, &g.user, "group", "show", "-n", "rg2", "-o", "tsv");
    EXPECT_RC(&r, 0);
    char want[256];
    snprintf(want, sizeof want, "/subscriptions/%s/resourceGroups/rg2\trg2\t", g.sub);
    assert_true(strncmp(r.out, want, strlen(want)) == 0);
    run_free(&r);
}

/* Errors: the ARM code and message, the request id, the documented exit code. */
static void test_errors_and_exit_codes(void **state)
{
    (void)state;
    struct run r;

    /* 404: exit 3. */
    CLI(&r, &g.user, "group", "show", "-n", "nope");
    EXPECT_RC(&r, 3);
    expect_api_error(&r, "ResourceGroupNotFound");
    EXPECT_IN(&r, err, "Resource group 'nope' could not be found.");
    run_free(&r);
    CLI(&r, &g.user, "feature", "show", "--namespace", NS, "--name", "NoSuchFeature");
    EXPECT_RC(&r, 3);
    expect_api_error(&r, "FeatureNotFound");
    run_free(&r);

    /* 400, 401, 403, 409: exit 4. */
    CLI(&r, &g.user, "group", "create", "-n", "rg3", "-l", "atlantis");
    EXPECT_RC(&r, 4);
    expect_api_error(&r, "LocationNotAvailableForResourceGroup");
    run_free(&r);
    CLI(&r, &g.user, "group", "create", "-n", "rg1", "-l", "westcentralus");
    EXPECT_RC(&r, 4);
    expect_api_error(&r, "InvalidResourceGroupLocation");
    run_free(&r);
    CLI(&r, &g.user, "group", "create", "-n", "bad name.", "-l", "westeurope");
    EXPECT_RC(&r, 4);
    expect_api_error(&r, "InvalidResourceName");
    run_free(&r);
    CLI(&r, &g.user, "feature", "show", "--namespace", "Microsoft.Nothing", "--name", AN);
    EXPECT_RC(&r, 4);
    expect_api_error(&r, "InvalidResourceNamespace");
    run_free(&r);
    CLI(&r, &g.user, "admin", "subscription", "list");
    EXPECT_RC(&r, 4);
    expect_api_error(&r, "AuthorizationFailed");
    run_free(&r);
    CLI(&r, &g.user, "group", "list", "--token", "acn_not_a_real_token");
    EXPECT_RC(&r, 4);
    expect_api_error(&r, "AuthenticationFailed");
    run_free(&r);
    /* Another subscription than the token's. */
    CLI(&r, &g.user, "group", "list", "--subscription", SUB2);
    EXPECT_RC(&r, 4);
    EXPECT_IN(&r, err, "ERROR: (");
    run_free(&r);

    /* Usage errors: exit 2 with the command's help, nothing sent. */
    CLI(&r, &g.user, "group", "create", "-n", "x");
    EXPECT_RC(&r, 2);
    EXPECT_IN(&r, err, "ERROR: the following arguments are required: --location");
    EXPECT_IN(&r, err, "accelnet group create : ");
    EXPECT_OUT(&r, "");
    run_free(&r);
    CLI(&r, &g.user, "check-eligibility", "-l", "westeurope", "--size", "Standard_DS15_v2",
        "--image", "WindowsServer");
    EXPECT_RC(&r, 2);
    EXPECT_IN(&r, err, "ERROR: argument --image: 'WindowsServer' is not PUBLISHER:OFFER:SKU");
    run_free(&r);
    CLI(&r, &g.user, "gruop", "list");
    EXPECT_RC(&r, 2);
    EXPECT_IN(&r, err, "Did you mean 'group'?");
    run_free(&r);
    /* No subscription at all (the admin has none stored). */
    CLI(&r, &g.admin, "group", "list");
    EXPECT_RC(&r, 2);
    EXPECT_IN(&r, err, "ERROR: no subscription: pass --subscription ID");
    run_free(&r);

    /* Unreachable: exit 1. */
    char url[64];
    snprintf(url, sizeof url, "https://127.0.0.1:%u", itest_free_port());
    CLI(&r, &g.user, "group", "list", "--url", url);
    EXPECT_RC(&r, 1);
    EXPECT_IN(&r, err, "ERROR: GET ");
    run_free(&r);

    /* --debug shows the exchange without the token. */
    CLI(&r, &g.user, "--debug", "group", "list", "-o", "none");
    EXPECT_RC(&r, 0);
    EXPECT_IN(&r, err, "Authorization: Bearer <redacted>");
    EXPECT_NOT_IN(&r, err, g.user_token);
    run_free(&r);
}

/* What a subscription can see of the catalogue, and the operator's edits. */
static void test_catalogue(void **state)
{
    (void)state;
    struct run r;
    CLI(&r, &g.user, "account", "list-locations", "--query", "value[].name", "-o", "tsv");
    EXPECT_RC(&r, 0);
    EXPECT_IN(&r, out, "westeurope\n");
    EXPECT_IN(&r, out, "eastus\n");
    run_free(&r);

    CLI(&r, &g.user, "vm", "list-sizes", "-l", "westeurope");
    EXPECT_RC(&r, 0);
    json_t *v, *ds15 = NULL, *d2 = NULL;
    size_t i;
    json_array_foreach(json_object_get(r.json, "value"), i, v)
    {
        const char *name = json_string_value(json_object_get(v, "name"));
        if (strcmp(name, "Standard_DS15_v2") == 0)
            ds15 = v;
        if (strcmp(name, "Standard_D2_v2") == 0)
            d2 = v;
    }
    assert_non_null(ds15);
    assert_non_null(d2);
    assert_int_equal(json_integer_value(json_object_get(ds15, "numberOfCores")), 20);
    assert_int_equal(json_integer_value(json_object_get(ds15, "memoryInMB")), 143360);
    assert_true(json_is_true(json_object_get(ds15, "acceleratedNetworking")));
    assert_true(json_is_false(json_object_get(d2, "acceleratedNetworking")));
    run_free(&r);
    CLI(&r, &g.user, "vm", "list-sizes", "-l", "eastus", "-o", "table");
    EXPECT_RC(&r, 0);
    EXPECT_IN(&r, out,
              "Name              NumberOfCores  MemoryInMB  MaxNetworkInterfaces  "
              "AcceleratedNetworking\n");
    EXPECT_IN(&r, out,
              "\nStandard_DS15_v2  20             143360      8                     "
              "false\n");
    run_free(&r);
    CLI(&r, &g.user, "vm", "list-skus", "-l", "westeurope", "-o", "table");
    EXPECT_RC(&r, 0);
    EXPECT_IN(&r, out,
              "Name              Locations   VCPUs  MemoryGB  MaxNics  "
              "AcceleratedNetworking\n");
    EXPECT_IN(&r, out, "\nStandard_DS15_v2  westeurope  20     140       8        true\n");
    run_free(&r);
    CLI(&r, &g.user, "vm", "list-skus", "-l", "atlantis");
    EXPECT_RC(&r, 4);
    expect_api_error(&r, "InvalidQueryParameterValue");
    run_free(&r);

    /* The operator opens East US: set changes only what it names. */
    CLI(&r, &g.admin, "admin", "catalog", "location", "set", "-n", "eastus",
        "--accelerated-networking", "true");
    EXPECT_RC(&r, 0);
    assert_string_equal(json_string_value(json_object_get(r.json, "displayName")), "East US");
    assert_true(json_is_true(json_object_get(r.json, "acceleratedNetworking")));
    run_free(&r);
    /* ... which the next check sees at once: two reasons left. */
    CLI(&r, &g.user, "check-eligibility", "-l", "eastus", "--size", "Standard_D2_v2", "--image",
        IMG_UBUNTU, "--query", "reasons[].code", "-o", "tsv");
    EXPECT_RC(&r, 4);
    EXPECT_OUT(&r, "VMSizeIsNotPermittedToEnableAcceleratedNetworking\n"
                   "OSImageIsNotPermittedToEnableAcceleratedNetworking\n");
    run_free(&r);
    CLI(&r, &g.admin, "admin", "catalog", "location", "set", "-n", "eastus",
        "--accelerated-networking", "false", "-o", "none");
    EXPECT_RC(&r, 0);
    run_free(&r);
    CLI(&r, &g.admin, "admin", "catalog", "location", "show", "-n", "eastus", "--query",
        "acceleratedNetworking", "-o", "tsv");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "false\n");
    run_free(&r);
    /* A new location needs its display name. */
    CLI(&r, &g.admin, "admin", "catalog", "location", "set", "-n", "brazilsouth",
        "--accelerated-networking", "false");
    EXPECT_RC(&r, 2);
    EXPECT_IN(&r, err, "required to create it: --display-name");
    run_free(&r);

    /* Sizes and images. */
    CLI(&r, &g.admin, "admin", "catalog", "size", "show", "-n", "Standard_DS15_v2", "--query",
        "vCPUs", "-o", "tsv");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "20\n");
    run_free(&r);
    CLI(&r, &g.admin, "admin", "catalog", "size", "set", "-n", "Standard_D5_v2", "--vcpus", "16",
        "--memory-mb", "57344", "--max-nics", "8", "--accelerated-networking", "false");
    EXPECT_RC(&r, 0);
    assert_int_equal(json_integer_value(json_object_get(r.json, "memoryMB")), 57344);
    run_free(&r);
    CLI(&r, &g.admin, "admin", "catalog", "size", "delete", "-n", "Standard_D5_v2");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "");
    run_free(&r);
    CLI(&r, &g.admin, "admin", "catalog", "image", "set", "--image", "RedHat:RHEL:7.2",
        "--display-name", "Red Hat Enterprise Linux 7.2", "--os-type", "linux",
        "--accelerated-networking", "false");
    EXPECT_RC(&r, 0);
    assert_string_equal(json_string_value(json_object_get(r.json, "name")), "RedHat:RHEL:7.2");
    assert_string_equal(json_string_value(json_object_get(r.json, "osType")), "Linux");
    run_free(&r);
    /* Eligible images name the guest's VF driver: the server says so. */
    CLI(&r, &g.admin, "admin", "catalog", "image", "set", "--image", "RedHat:RHEL:7.2",
        "--accelerated-networking", "true");
    EXPECT_RC(&r, 4);
    expect_api_error(&r, "InvalidRequestContent");
    EXPECT_IN(&r, err, "  vfDriverName: (InvalidRequestContent) ");
    run_free(&r);
    CLI(&r, &g.admin, "admin", "catalog", "image", "list", "--query", "value[].name", "-o", "tsv");
    EXPECT_RC(&r, 0);
    EXPECT_IN(&r, out, "RedHat:RHEL:7.2\n");
    run_free(&r);
    CLI(&r, &g.admin, "admin", "catalog", "image", "delete", "--image", "RedHat:RHEL:7.2");
    EXPECT_RC(&r, 0);
    run_free(&r);
    CLI(&r, &g.admin, "admin", "catalog", "image", "delete", "--image", "RedHat:RHEL:7.2");
    EXPECT_RC(&r, 0);
    EXPECT_IN(&r, err, "WARNING: there is no OS image 'RedHat:RHEL:7.2' in the catalogue");
    run_free(&r);
    CLI(&r, &g.admin, "admin", "catalog", "image", "show", "--image", "RedHat:RHEL:7.2");
    EXPECT_RC(&r, 3);
    expect_api_error(&r, "ResourceNotFound");
    run_free(&r);
}

/* The walkthrough's network, with the CLI alone: a group (the default one
 * from now on), a VNet with a subnet, an NSG with a rule that lets RDP in for
 * the Windows VM, an accelerated NIC in West Europe; the same NIC refused in
 * East US, and refused a change of Accelerated Networking afterwards; the
 * lists as tables; updates (If-Match); deleting everything. */
static void test_network(void **state)
{
    (void)state;
    struct run r;
    char line[512];

    CLI(&r, &g.user, "group", "create", "-n", "rg-net", "-l", "westeurope", "-o", "none");
    EXPECT_RC(&r, 0);
    run_free(&r);
    /* No group yet: -g is needed. */
    CLI(&r, &g.user, "network", "vnet", "show", "-n", "vnet1");
    EXPECT_RC(&r, 2);
    EXPECT_IN(&r, err, "ERROR: no resource group: pass --resource-group (-g) NAME");
    run_free(&r);
    /* Then the default group, as az's defaults.group. */
    CLI(&r, &g.user, "account", "set", "--resource-group", "rg-net");
    EXPECT_RC(&r, 0);
    EXPECT_IN(&r, err, "Default resource group 'rg-net' saved in ");
    assert_string_equal(json_string_value(json_object_get(r.json, "resourceGroup")), "rg-net");
    run_free(&r);
    CLI(&r, &g.user, "account", "set", "--resource-group", "nope");
    EXPECT_RC(&r, 3);
    expect_api_error(&r, "ResourceGroupNotFound");
    run_free(&r);
    CLI(&r, &g.user, "account", "show", "--query", "resourceGroup", "-o", "tsv");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "rg-net\n");
    run_free(&r);

    /* A virtual network with one subnet, in the group's location. */
    CLI(&r, &g.user, "network", "vnet", "create", "-n", "vnet1", "--address-prefixes",
        "10.0.0.0/16", "--subnet-name", "default", "--subnet-prefixes", "10.0.0.0/24");
    EXPECT_RC(&r, 0);
    assert_string_equal(json_string_value(json_object_get(r.json, "location")), "westeurope");
    json_t *subnets = json_object_get(json_object_get(r.json, "properties"), "subnets");
    assert_int_equal(json_array_size(subnets), 1);
    run_free(&r);
    CLI(&r, &g.user, "network", "vnet", "subnet", "list", "--vnet-name", "vnet1", "-o", "table");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "Name     AddressPrefix  NetworkSecurityGroup  IpConfigurations  "
                   "ProvisioningState\n"
                   "-------  -------------  --------------------  ----------------  "
                   "-----------------\n"
                   "default  10.0.0.0/24                          0                 Succeeded\n");
    run_free(&r);

    /* A network security group with a rule that lets RDP in. */
    CLI(&r, &g.user, "network", "nsg", "create", "-n", "nsg1", "--query", "location", "-o", "tsv");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "westeurope\n");
    run_free(&r);
    CLI(&r, &g.user, "network", "nsg", "rule", "create", "--nsg-name", "nsg1", "-n", "AllowRDP",
        "--priority", "1000", "--protocol", "Tcp", "--destination-port-ranges", "3389");
    EXPECT_RC(&r, 0);
    json_t *props = json_object_get(r.json, "properties");
    assert_string_equal(json_string_value(json_object_get(props, "destinationPortRange")), "3389");
    assert_string_equal(json_string_value(json_object_get(props, "access")), "Allow");
    assert_string_equal(json_string_value(json_object_get(props, "direction")), "Inbound");
    assert_string_equal(json_string_value(json_object_get(props, "sourceAddressPrefix")), "*");
    run_free(&r);
    /* The same priority and direction twice is the server's conflict. */
    CLI(&r, &g.user, "network", "nsg", "rule", "create", "--nsg-name", "nsg1", "-n", "Other",
        "--priority", "1000");
    EXPECT_RC(&r, 4);
    expect_api_error(&r, "SecurityRuleConflict");
    run_free(&r);
    CLI(&r, &g.user, "network", "nsg", "rule", "list", "--nsg-name", "nsg1", "--include-default",
        "-o", "table");
    EXPECT_RC(&r, 0);
    static const char rules_header[] =
        "Name                           Priority  Direction  Access  Protocol  "
        "SourceAddressPrefixes  SourcePortRanges  DestinationAddressPrefixes  "
        "DestinationPortRanges\n";
    if (strncmp(r.out, rules_header, strlen(rules_header)) != 0)
        fail_msg("the rules table does not start with\n%s--- but:\n%s", rules_header, r.out);
    EXPECT_IN(&r, out,
              "\nAllowRDP                       1000      Inbound    Allow   Tcp       *       "
              "               *                 *                           3389\n");
    EXPECT_IN(&r, out,
              "\nDenyAllInBound                 65500     Inbound    Deny    *         *       "
              "               *                 *                           *\n");
    run_free(&r);

    /* The accelerated NIC in West Europe: created. */
    CLI(&r, &g.user, "network", "nic", "create", "-n", "nic1", "--vnet-name", "vnet1", "--subnet",
        "default", "--nsg", "nsg1", "--accelerated-networking", "true");
    EXPECT_RC(&r, 0);
    props = json_object_get(r.json, "properties");
    assert_true(json_is_true(json_object_get(props, "enableAcceleratedNetworking")));
    assert_string_equal(json_string_value(json_object_get(r.json, "location")), "westeurope");
    json_t *ipc = json_object_get(json_array_get(json_object_get(props, "ipConfigurations"), 0),
                                  "properties");
    assert_string_equal(json_string_value(json_object_get(ipc, "privateIPAddress")), "10.0.0.4");
    char mac[32];
    snprintf(mac, sizeof mac, "%s", json_string_value(json_object_get(props, "macAddress")));
    assert_int_equal(strncmp(mac, "00-0D-3A-", 9), 0);
    run_free(&r);

    /* The same in East US, which does not offer it: refused with the
     * location's code, exit 4. */
    CLI(&r, &g.user, "network", "vnet", "create", "-n", "vnet-eus", "-l", "eastus",
        "--address-prefixes", "10.1.0.0/16", "--subnet-name", "default", "-o", "none");
    EXPECT_RC(&r, 0);
    run_free(&r);
    CLI(&r, &g.user, "network", "nic", "create", "-n", "nic-eus", "-l", "eastus", "--vnet-name",
        "vnet-eus", "--subnet", "default", "--accelerated-networking", "true");
    EXPECT_RC(&r, 4);
    expect_api_error(&r, "LocationIsNotPermittedToEnableAcceleratedNetworking");
    EXPECT_IN(&r, err, "westeurope");
    run_free(&r);
    CLI(&r, &g.user, "network", "nic", "show", "-n", "nic-eus");
    EXPECT_RC(&r, 3);
    expect_api_error(&r, "ResourceNotFound");
    run_free(&r);

    /* Switching it off on the existing NIC: sent, refused, shown (exit 4). */
    CLI(&r, &g.user, "network", "nic", "update", "-n", "nic1", "--accelerated-networking", "false");
    EXPECT_RC(&r, 4);
    expect_api_error(&r, "AcceleratedNetworkingCannotBeChangedOnExistingNic");
    run_free(&r);
    CLI(&r, &g.user, "network", "nic", "show", "-n", "nic1", "--query",
        "properties.enableAcceleratedNetworking", "-o", "tsv");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "true\n");
    run_free(&r);
    /* Other changes go through, with If-Match of the etag read. */
    CLI(&r, &g.user, "--debug", "network", "nic", "update", "-n", "nic1", "--tags", "role=rdp",
        "--query", "tags.role", "-o", "tsv");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "rdp\n");
    EXPECT_IN(&r, err, "If-Match: W/\"");
    run_free(&r);

    /* The lists, as tables. */
    CLI(&r, &g.user, "network", "nic", "list", "-o", "table");
    EXPECT_RC(&r, 0);
    snprintf(line, sizeof line,
             "Name  ResourceGroup  Location    PrivateIpAddress  MacAddress         "
             "AcceleratedNetworking  ProvisioningState\n"
             "----  -------------  ----------  ----------------  -----------------  "
             "---------------------  -----------------\n"
             "nic1  rg-net         westeurope  10.0.0.4          %s  true                   "
             "Succeeded\n",
             mac);
    EXPECT_OUT(&r, line);
    run_free(&r);
    CLI(&r, &g.user, "network", "vnet", "list", "-o", "table");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "Name      ResourceGroup  Location    AddressPrefixes  Subnets  "
                   "ProvisioningState\n"
                   "--------  -------------  ----------  ---------------  -------  "
                   "-----------------\n"
                   "vnet-eus  rg-net         eastus      10.1.0.0/16      default  Succeeded\n"
                   "vnet1     rg-net         westeurope  10.0.0.0/16      default  Succeeded\n");
    run_free(&r);
    CLI(&r, &g.user, "network", "nsg", "list", "-o", "table");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "Name  ResourceGroup  Location    SecurityRules  Subnets  NetworkInterfaces  "
                   "ProvisioningState\n"
                   "----  -------------  ----------  -------------  -------  -----------------  "
                   "-----------------\n"
                   "nsg1  rg-net         westeurope  1              0        1                  "
                   "Succeeded\n");
    run_free(&r);

    /* Updates of what NICs use: the subnet gets the NSG, the VNet a second
     * prefix, the rule a narrower source. */
    CLI(&r, &g.user, "network", "vnet", "subnet", "update", "--vnet-name", "vnet1", "-n", "default",
        "--nsg", "nsg1", "-o", "table");
    EXPECT_RC(&r, 0);
    EXPECT_IN(&r, out,
              "\ndefault  10.0.0.0/24    nsg1                  1                 "
              "Succeeded\n");
    run_free(&r);
    CLI(&r, &g.user, "network", "vnet", "update", "-n", "vnet1", "--address-prefixes",
        "10.0.0.0/16", "10.10.0.0/16", "--query", "properties.addressSpace.addressPrefixes", "-o",
        "tsv");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "10.0.0.0/16\n10.10.0.0/16\n");
    run_free(&r);
    CLI(&r, &g.user, "network", "vnet", "show", "-n", "vnet1", "--query",
        "properties.subnets[0].properties.networkSecurityGroup.id", "-o", "tsv");
    EXPECT_RC(&r, 0);
    EXPECT_IN(&r, out, "/networkSecurityGroups/nsg1\n"); /* the subnet kept its NSG */
    run_free(&r);
    CLI(&r, &g.user, "network", "nsg", "rule", "update", "--nsg-name", "nsg1", "-n", "AllowRDP",
        "--source-address-prefixes", "203.0.113.0/24", "-o", "table");
    EXPECT_RC(&r, 0);
    EXPECT_IN(&r, out, "\nAllowRDP  1000      Inbound    Allow   Tcp       203.0.113.0/24  ");
    run_free(&r);
    CLI(&r, &g.user, "network", "nsg", "update", "-n", "nsg1", "--tags", "env=test", "--query",
        "properties.securityRules[].name", "-o", "tsv");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "AllowRDP\n"); /* the rules stay */
    run_free(&r);

    /* Deleting: what is in use is refused, then everything goes. */
    CLI(&r, &g.user, "network", "nsg", "delete", "-n", "nsg1");
    EXPECT_RC(&r, 4);
    expect_api_error(&r, "InUseNetworkSecurityGroupCannotBeDeleted");
    run_free(&r);
    CLI(&r, &g.user, "network", "vnet", "subnet", "delete", "--vnet-name", "vnet1", "-n",
        "default");
    EXPECT_RC(&r, 4);
    expect_api_error(&r, "InUseSubnetCannotBeDeleted");
    run_free(&r);
    static const char *const deletes[][6] = {
        {"nic", "delete", "-n", "nic1", NULL},
        {"vnet", "subnet", "update", "--vnet-name", "vnet1", NULL},
        {"nsg", "rule", "delete", "--nsg-name", "nsg1", NULL},
        {"nsg", "delete", "-n", "nsg1", NULL},
        {"vnet", "delete", "-n", "vnet1", NULL},
        {"vnet", "delete", "-n", "vnet-eus", NULL},
    };
    for (size_t i = 0; i < sizeof deletes / sizeof deletes[0]; i++) {
        const char *argv[16] = {"network"};
        size_t n = 1;
        for (size_t k = 0; deletes[i][k]; k++)
            argv[n++] = deletes[i][k];
        if (i == 1) { /* the subnet lets go of the NSG */
            argv[n++] = "-n";
            argv[n++] = "default";
            argv[n++] = "--nsg";
            argv[n++] = "";
        } else if (i == 2) {
            argv[n++] = "-n";
            argv[n++] = "AllowRDP";
        }
        argv[n++] = "-o";
        argv[n++] = "none";
        argv[n] = NULL;
        cli_exec(&r, &g.user, NULL, NULL, argv);
        EXPECT_RC(&r, 0);
        if (i != 1)
            assert_string_equal(r.err, "");
        run_free(&r);
    }
    CLI(&r, &g.user, "network", "nic", "delete", "-n", "nic1");
    EXPECT_RC(&r, 0);
    EXPECT_IN(&r, err,
              "WARNING: there is no network interface 'nic1' in resource group "
              "'rg-net': nothing was deleted");
    run_free(&r);
    CLI(&r, &g.user, "network", "nic", "list", "-o", "tsv");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "");
    run_free(&r);
    CLI(&r, &g.user, "group", "delete", "-n", "rg-net");
    EXPECT_RC(&r, 0);
    run_free(&r);
    CLI(&r, &g.user, "account", "set", "--resource-group", "");
    EXPECT_RC(&r, 0);
    EXPECT_IN(&r, err, "Default resource group removed from ");
    assert_true(json_is_null(json_object_get(r.json, "resourceGroup")));
    run_free(&r);
}

/* The walkthrough's VM step, against the two real agents: an ineligible size
 * refused at once (its code, exit 4); the Windows Server 2016 VM with the
 * accelerated NIC created and waited for (the password from stdin, never
 * shown, not even with --debug); `vm show` shows the VF the guest sees;
 * list; a second VM on the other host; a third that no host can take fails
 * with AllocationFailed (exit 4); deallocate, start (--no-wait, then waited
 * for), delete. */
#define IMG_WS2016 "MicrosoftWindowsServer:WindowsServer:2016-Technical-Preview-with-Containers"
#define VF_DRIVER  "Mellanox ConnectX-3 Virtual Function Ethernet Adapter"
static void test_vm(void **state)
{
    (void)state;
    struct run r;
    const char *argv[] = {"--vcpus", "64", NULL};
    agent_token_create("cli-host-2", g.agent2_token);
    struct itest_agent_opts o = {.controller = g.d.url,
                                 .token = g.agent2_token,
                                 .host_name = "cli-host-2",
                                 .location = "westeurope",
                                 .argv = argv};
    if (itest_agent_start(&g.agent2, &o) != 0)
        fail_msg("the second agent did not start");
    cli_until(&g.admin,
              ARGS("admin", "host", "show", "-n", "cli-host-2", "--query", "health", "-o", "tsv"),
              "Healthy\n", 15000);
    cli_until(&g.admin,
              ARGS("admin", "host", "show", "-n", "cli-host-1", "--query", "health", "-o", "tsv"),
              "Healthy\n", 15000);

    CLI(&r, &g.user, "group", "create", "-n", "rg-vm", "-l", "westeurope", "-o", "none");
    EXPECT_RC(&r, 0);
    run_free(&r);
    CLI(&r, &g.user, "network", "vnet", "create", "-g", "rg-vm", "-n", "vnet1",
        "--address-prefixes", "10.0.0.0/16", "--subnet-name", "default", "-o", "none");
    EXPECT_RC(&r, 0);
    run_free(&r);
    static const char *const nics[] = {"nic1", "nic2", "nic3"};
    for (size_t i = 0; i < 3; i++) {
        CLI(&r, &g.user, "network", "nic", "create", "-g", "rg-vm", "-n", nics[i], "--vnet-name",
            "vnet1", "--subnet", "default", "--accelerated-networking", "true", "-o", "none");
        EXPECT_RC(&r, 0);
        run_free(&r);
    }

    /* A size that does not offer Accelerated Networking: refused at once. */
    CLI(&r, &g.user, "vm", "create", "-g", "rg-vm", "-n", "vm-small", "--size", "Standard_D2_v2",
        "--image", IMG_WS2016, "--nics", "nic1", "--admin-username", "azureuser");
    EXPECT_RC(&r, 4);
    expect_api_error(&r, "VMSizeIsNotPermittedToEnableAcceleratedNetworking");
    run_free(&r);
    CLI(&r, &g.user, "vm", "show", "-g", "rg-vm", "-n", "vm-small");
    EXPECT_RC(&r, 3);
    run_free(&r);

    /* The walkthrough's VM, waited for; the password read from stdin. */
    cli_exec(&r, &g.user, "Pa55-w0rd-never-shown\n", NULL,
             ARGS("--debug", "vm", "create", "-g", "rg-vm", "-n", "vm1", "--size",
                  "Standard_DS15_v2", "--image", IMG_WS2016, "--nics", "nic1", "--admin-username",
                  "azureuser", "--admin-password", "-"));
    EXPECT_RC(&r, 0);
    EXPECT_NOT_IN(&r, err, "Pa55-w0rd-never-shown");
    EXPECT_NOT_IN(&r, out, "Pa55-w0rd-never-shown");
    EXPECT_IN(&r, err, "\"adminPassword\":\"<redacted>\"");
    EXPECT_IN(&r, err, "Creating vm1: ");
    EXPECT_IN(&r, err, "Creating vm1: Succeeded (");
    EXPECT_IN(&r, err, "/operations/");
    json_t *props = json_object_get(r.json, "properties");
    assert_string_equal(json_string_value(json_object_get(props, "provisioningState")),
                        "Succeeded");
    json_t *nic0 = json_array_get(
        json_object_get(json_object_get(props, "networkProfile"), "networkInterfaces"), 0);
    json_t *vf = json_object_get(json_object_get(nic0, "properties"), "virtualFunction");
    assert_non_null(vf);
    assert_string_equal(json_string_value(json_object_get(vf, "guestDriver")), VF_DRIVER);
    char vm1_host[64];
    snprintf(vm1_host, sizeof vm1_host, "%s", json_string_value(json_object_get(vf, "host")));
    run_free(&r);

    /* vm show: each NIC's VF at a glance. */
    CLI(&r, &g.user, "vm", "show", "-g", "rg-vm", "-n", "vm1", "-o", "table");
    EXPECT_RC(&r, 0);
    EXPECT_IN(&r, out,
              "Name  PowerState  ProvisioningState  Nic   Primary  AcceleratedNetworking  "
              "Host        Pf   VfIndex  PciAddress    GuestDriver\n");
    EXPECT_IN(&r, out, "\nvm1   running     Succeeded          nic1  true     true  ");
    EXPECT_IN(&r, out, vm1_host);
    EXPECT_IN(&r, out, VF_DRIVER "\n");
    run_free(&r);
    /* Its host cannot be declared dead while vm1 is placed there (exit 4). */
    CLI(&r, &g.admin, "admin", "host", "delete", "-n", vm1_host);
    EXPECT_RC(&r, 4);
    expect_api_error(&r, "HostHasVirtualMachines");
    EXPECT_IN(&r, err, "/virtualMachines/vm1");
    EXPECT_IN(&r, err, "evacuate");
    run_free(&r);
    CLI(&r, &g.user, "vm", "list", "-g", "rg-vm", "-o", "table");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "Name  ResourceGroup  Location    VmSize            PowerState  "
                   "ProvisioningState\n"
                   "----  -------------  ----------  ----------------  ----------  "
                   "-----------------\n"
                   "vm1   rg-vm          westeurope  Standard_DS15_v2  running     Succeeded\n");
    run_free(&r);

    /* vm1's NIC gets an NSG while vm1 runs: the change reaches the VF's host
     * agent, and the CLI waits for it like for a VM. */
    CLI(&r, &g.user, "network", "nsg", "create", "-g", "rg-vm", "-n", "nsg-vm", "-o", "none");
    EXPECT_RC(&r, 0);
    run_free(&r);
    CLI(&r, &g.user, "network", "nic", "update", "-g", "rg-vm", "-n", "nic1", "--nsg", "nsg-vm");
    EXPECT_RC(&r, 0);
    EXPECT_IN(&r, err, "Updating nic1: Succeeded (");
    json_t *nprops = json_object_get(r.json, "properties");
    assert_string_equal(json_string_value(json_object_get(nprops, "provisioningState")),
                        "Succeeded");
    assert_non_null(strstr(
        json_string_value(json_object_get(json_object_get(nprops, "networkSecurityGroup"), "id")),
        "/networkSecurityGroups/nsg-vm"));
    run_free(&r);
    /* A rule on that NSG too (a rule PUT that reaches the agent). */
    CLI(&r, &g.user, "network", "nsg", "rule", "create", "-g", "rg-vm", "--nsg-name", "nsg-vm",
        "-n", "AllowHttps", "--priority", "100", "--destination-port-ranges", "443", "--query",
        "properties.provisioningState", "-o", "tsv");
    EXPECT_RC(&r, 0);
    EXPECT_IN(&r, err, "Updating AllowHttps: Succeeded (");
    EXPECT_OUT(&r, "Succeeded\n");
    run_free(&r);

    /* An accelerated NIC can only be attached when a VM is created: adding
     * one to vm1 is refused, with the code shown, and nic2 stays free. */
    CLI(&r, &g.user, "vm", "nic", "add", "-g", "rg-vm", "--vm-name", "vm1", "--nics", "nic2");
    EXPECT_RC(&r, 4);
    expect_api_error(&r, "AcceleratedNicCanOnlyBeAttachedAtVmCreation");
    run_free(&r);

    /* A second one fits on the other host; a third fits nowhere (memory):
     * the operation fails with AllocationFailed, shown with exit 4. */
    CLI(&r, &g.user, "vm", "create", "-g", "rg-vm", "-n", "vm2", "--size", "Standard_DS15_v2",
        "--image", IMG_WS2016, "--nics", "nic2", "--admin-username", "azureuser", "--query",
        "properties.networkProfile.networkInterfaces[0].properties.virtualFunction.host", "-o",
        "tsv");
    EXPECT_RC(&r, 0);
    EXPECT_NOT_IN(&r, out, vm1_host);
    EXPECT_IN(&r, out, "cli-host-");
    run_free(&r);
    CLI(&r, &g.user, "vm", "create", "-g", "rg-vm", "-n", "vm3", "--size", "Standard_DS15_v2",
        "--image", IMG_WS2016, "--nics", "nic3", "--admin-username", "azureuser");
    EXPECT_RC(&r, 4);
    EXPECT_IN(&r, err, "Creating vm3: Failed (");
    EXPECT_IN(&r, err, "ERROR: (AllocationFailed) ");
    EXPECT_IN(&r, err, "\nOperation: /subscriptions/");
    assert_string_equal(r.out, "");
    run_free(&r);
    CLI(&r, &g.user, "vm", "list", "-g", "rg-vm", "--query", "value[].name", "-o", "tsv");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "vm1\nvm2\nvm3\n");
    run_free(&r);
    CLI(&r, &g.user, "vm", "delete", "-g", "rg-vm", "-n", "vm3");
    EXPECT_RC(&r, 0);
    EXPECT_IN(&r, err, "Deleting vm3: Succeeded (");
    run_free(&r);

    /* Deallocate: the VF goes back; start: --no-wait prints the operation,
     * then the same start waits for it. */
    CLI(&r, &g.user, "vm", "deallocate", "-g", "rg-vm", "-n", "vm1");
    EXPECT_RC(&r, 0);
    EXPECT_IN(&r, err, "Deallocating vm1: Succeeded (");
    assert_string_equal(r.out, "");
    run_free(&r);
    CLI(&r, &g.user, "vm", "show", "-g", "rg-vm", "-n", "vm1", "--query",
        "properties.instanceView.powerState", "-o", "tsv");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "deallocated\n");
    run_free(&r);
    CLI(&r, &g.user, "vm", "show", "-g", "rg-vm", "-n", "vm1", "--query",
        "properties.networkProfile.networkInterfaces[0].properties.virtualFunction", "-o", "tsv");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "");
    run_free(&r);
    CLI(&r, &g.user, "vm", "start", "-g", "rg-vm", "-n", "vm1", "--no-wait");
    EXPECT_RC(&r, 0);
    const char *st = json_string_value(json_object_get(r.json, "status"));
    assert_non_null(st);
    assert_true(strcmp(st, "InProgress") == 0 || strcmp(st, "Succeeded") == 0);
    assert_non_null(strstr(json_string_value(json_object_get(r.json, "id")), "/operations/"));
    EXPECT_NOT_IN(&r, err, "Starting vm1");
    run_free(&r);
    CLI(&r, &g.user, "vm", "start", "-g", "rg-vm", "-n", "vm1");
    EXPECT_RC(&r, 0);
    EXPECT_IN(&r, err, "Starting vm1: Succeeded (");
    run_free(&r);
    CLI(&r, &g.user, "vm", "show", "-g", "rg-vm", "-n", "vm1", "-o", "table");
    EXPECT_RC(&r, 0);
    EXPECT_IN(&r, out, "\nvm1   running     Succeeded          nic1  true     true  ");
    EXPECT_IN(&r, out, VF_DRIVER "\n");
    run_free(&r);

    /* The NIC is in use while the VM is there; then everything goes. */
    CLI(&r, &g.user, "network", "nic", "delete", "-g", "rg-vm", "-n", "nic1");
    EXPECT_RC(&r, 4);
    expect_api_error(&r, "NicInUse");
    run_free(&r);
    static const char *const vms[] = {"vm1", "vm2"};
    for (size_t i = 0; i < 2; i++) {
        CLI(&r, &g.user, "vm", "delete", "-g", "rg-vm", "-n", vms[i]);
        EXPECT_RC(&r, 0);
        EXPECT_IN(&r, err, ": Succeeded (");
        run_free(&r);
    }
    CLI(&r, &g.user, "vm", "delete", "-g", "rg-vm", "-n", "vm1");
    EXPECT_RC(&r, 0);
    EXPECT_IN(&r, err, "WARNING: there is no virtual machine 'vm1' in resource group 'rg-vm'");
    run_free(&r);
    CLI(&r, &g.user, "vm", "list", "-g", "rg-vm", "-o", "tsv");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "");
    run_free(&r);
    CLI(&r, &g.user, "group", "delete", "-n", "rg-vm");
    EXPECT_RC(&r, 0);
    run_free(&r);
}

/* A second subscription is rejected, then disabled; the feature definitions. */
static void test_rejection_and_disabling(void **state)
{
    (void)state;
    struct run r;
    CLI(&r, &g.admin, "admin", "subscription", "create", "--id", SUB2, "--display-name",
        "Fabrikam");
    EXPECT_RC(&r, 0);
    assert_string_equal(json_string_value(json_object_get(r.json, "subscriptionId")), SUB2);
    run_free(&r);
    CLI(&r, &g.admin, "admin", "subscription", "token", "create", "--subscription", SUB2, "--query",
        "token", "-o", "tsv");
    EXPECT_RC(&r, 0);
    snprintf(g.user2_token, sizeof g.user2_token, "%.*s", (int)strcspn(r.out, "\n"), r.out);
    run_free(&r);
    /* This user keeps the subscription in the environment, not the file. */
    CLI(&r, &g.user2, "login", "--url", g.d.url, "--token", g.user2_token);
    EXPECT_RC(&r, 0);
    EXPECT_IN(&r, err, "WARNING: this is not an admin token");
    run_free(&r);
    const char *const env2[] = {"ACCELNET_SUBSCRIPTION=" SUB2, NULL};
    cli_exec(
        &r, &g.user2, NULL, env2,
        ARGS("feature", "register", "--namespace", NS, "--name", AN, "--intended-use", "testing"));
    EXPECT_RC(&r, 0);
    run_free(&r);

    CLI(&r, &g.admin, "admin", "feature", "reject", "--subscription", SUB2, "--namespace", NS,
        "--name", AN);
    EXPECT_RC(&r, 2);
    EXPECT_IN(&r, err, "the following arguments are required: --reason");
    run_free(&r);
    CLI(&r, &g.admin, "admin", "feature", "reject", "--subscription", SUB2, "--namespace", NS,
        "--name", AN, "--reason", "The preview is full.");
    EXPECT_RC(&r, 0);
    assert_string_equal(json_string_value(json_object_get(r.json, "state")), "Rejected");
    run_free(&r);
    CLI(&r, &g.admin, "admin", "feature", "list-registrations", "--state", "rejected", "--query",
        "value[].subscriptionId", "-o", "tsv");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, SUB2 "\n");
    run_free(&r);
    CLI(&r, &g.admin, "admin", "feature", "show-registration", "--subscription", SUB2,
        "--namespace", NS, "--name", AN, "--query", "reason", "-o", "tsv");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "The preview is full.\n");
    run_free(&r);

    cli_exec(&r, &g.user2, NULL, env2, ARGS("feature", "list", "--namespace", NS, "-o", "table"));
    EXPECT_RC(&r, 0);
    EXPECT_IN(&r, out,
              "Microsoft.Network/AllowAcceleratedNetworkingFeature  Rejected  The "
              "preview is full.\n");
    run_free(&r);
    cli_exec(&r, &g.user2, NULL, env2,
             ARGS("check-eligibility", "-l", "westeurope", "--size", "Standard_DS15_v2", "--image",
                  IMG_WS2012, "--query", "reasons[0].code", "-o", "tsv"));
    EXPECT_RC(&r, 4);
    EXPECT_OUT(&r, "FeatureRegistrationRejected\n");
    run_free(&r);

    /* Disabled: read-only. */
    CLI(&r, &g.admin, "admin", "subscription", "disable", "--id", SUB2, "--query", "state", "-o",
        "tsv");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "Disabled\n");
    run_free(&r);
    cli_exec(&r, &g.user2, NULL, env2, ARGS("group", "create", "-n", "g", "-l", "westeurope"));
    EXPECT_RC(&r, 4);
    expect_api_error(&r, "ReadOnlyDisabledSubscription");
    run_free(&r);
    cli_exec(&r, &g.user2, NULL, env2, ARGS("group", "list"));
    EXPECT_RC(&r, 0);
    run_free(&r);
    CLI(&r, &g.admin, "admin", "subscription", "enable", "--id", SUB2, "-o", "none");
    EXPECT_RC(&r, 0);
    run_free(&r);
    CLI(&r, &g.admin, "admin", "subscription", "update", "--id", SUB2, "--display-name",
        "Fabrikam Ltd", "--query", "displayName", "-o", "tsv");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "Fabrikam Ltd\n");
    run_free(&r);
    CLI(&r, &g.admin, "admin", "subscription", "list", "-o", "table");
    EXPECT_RC(&r, 0);
    EXPECT_IN(&r, out,
              "SubscriptionId                        DisplayName   State    "
              "ContactWebhook\n");
    EXPECT_IN(&r, out, "\n" SUB2 "  Fabrikam Ltd  Enabled\n");
    char line[128];
    snprintf(line, sizeof line, "\n%s  Contoso       Enabled\n", g.sub);
    EXPECT_IN(&r, out, line);
    run_free(&r);

    /* The operator's view of the feature itself. */
    CLI(&r, &g.admin, "admin", "feature", "show", "--namespace", NS, "--name", AN, "--query",
        "approvalType", "-o", "tsv");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "ApprovalRequired\n");
    run_free(&r);
    CLI(&r, &g.admin, "admin", "feature", "define", "--namespace", NS, "--name", "AllowFastPath",
        "--description", "no approval type");
    EXPECT_RC(&r, 2);
    EXPECT_IN(&r, err, "required to create it: --approval-type");
    run_free(&r);
    CLI(&r, &g.admin, "admin", "feature", "define", "--namespace", NS, "--name", "AllowFastPath",
        "--approval-type", "autoapproval");
    EXPECT_RC(&r, 0);
    run_free(&r);
    CLI(&r, &g.user, "feature", "register", "--namespace", NS, "--name", "AllowFastPath", "--query",
        "properties.state", "-o", "tsv");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "Registered\n");
    run_free(&r);
    CLI(&r, &g.admin, "admin", "feature", "list", "--query", "value[].name", "-o", "tsv");
    EXPECT_RC(&r, 0);
    EXPECT_IN(&r, out, AN "\n");
    EXPECT_IN(&r, out, "AllowFastPath\n");
    run_free(&r);
}

/* Unregistering, deleting, revoking. */
static void test_unregister_delete_revoke(void **state)
{
    (void)state;
    struct run r;
    CLI(&r, &g.user, "feature", "unregister", "--namespace", NS, "--name", AN, "--query",
        "properties.state", "-o", "tsv");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "Unregistered\n");
    run_free(&r);
    CLI(&r, &g.user, "check-eligibility", "-l", "westeurope", "--size", "Standard_DS15_v2",
        "--image", IMG_WS2012, "--query", "reasons[].code", "-o", "tsv");
    EXPECT_RC(&r, 4);
    EXPECT_OUT(&r, "SubscriptionNotRegisteredForFeature\n");
    run_free(&r);

    CLI(&r, &g.user, "group", "delete", "-n", "rg1");
    EXPECT_RC(&r, 0);
    EXPECT_OUT(&r, "");
    assert_string_equal(r.err, "");
    run_free(&r);
    CLI(&r, &g.user, "group", "delete", "-n", "rg1");
    EXPECT_RC(&r, 0);
    EXPECT_IN(&r, err, "WARNING: there is no resource group 'rg1': nothing was deleted");
    run_free(&r);
    CLI(&r, &g.user, "group", "show", "-n", "rg1");
    EXPECT_RC(&r, 3);
    run_free(&r);

    /* The operator revokes the user's token: it stops working at once. */
    CLI(&r, &g.admin, "admin", "subscription", "token", "list", "--subscription", g.sub, "--query",
        "value[0].id", "-o", "tsv");
    EXPECT_RC(&r, 0);
    char id[64];
    snprintf(id, sizeof id, "%.*s", (int)strcspn(r.out, "\n"), r.out);
    assert_true(itest_is_uuid(id));
    run_free(&r);
    CLI(&r, &g.admin, "admin", "subscription", "token", "revoke", "--subscription", g.sub, "--id",
        id);
    EXPECT_RC(&r, 0);
    run_free(&r);
    CLI(&r, &g.user, "group", "list");
    EXPECT_RC(&r, 4);
    expect_api_error(&r, "AuthenticationFailed");
    run_free(&r);
    CLI(&r, &g.admin, "admin", "subscription", "token", "revoke", "--subscription", g.sub, "--id",
        id);
    EXPECT_RC(&r, 0);
    EXPECT_IN(&r, err, "nothing was revoked");
    run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_operator_sets_up_a_subscription),
        cmocka_unit_test(test_operator_and_hosts),
        cmocka_unit_test(test_user_registers_and_waits),
        cmocka_unit_test(test_operator_approves_and_user_checks),
        cmocka_unit_test(test_user_creates_resource_groups),
        cmocka_unit_test(test_errors_and_exit_codes),
        cmocka_unit_test(test_catalogue),
        cmocka_unit_test(test_network),
        cmocka_unit_test(test_vm),
        cmocka_unit_test(test_rejection_and_disabling),
        cmocka_unit_test(test_unregister_delete_revoke),
    };
    return cmocka_run_group_tests_name("it_cli", tests, group_setup, group_teardown);
}
