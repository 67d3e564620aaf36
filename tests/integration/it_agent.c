/* it_agent — the REAL bin/accelnet-agent (sim backend) on loopback, over
 * plain HTTP and HTTPS with the test certificate: the whole agent API of
 * notes/ISSUE5.md (attach with the VF chosen and idempotent repeats,
 * inventory, policy replacement and the generation rule, policies in batches
 * (POST /v1/policies: per-NIC results, one save, validation, the route
 * switched off), detach, VF exhaustion, validation), the callback-token
 * authentication, restarts with
 * the same --state-dir, SIGTERM with a call in flight, the test-only fault
 * injection flags, bad settings, and the agent → accelnetd side
 * (registration and heartbeat bodies, re-registration on 404, serving while
 * accelnetd is down).
 *
 * Most tests point the agent's --controller at the CONTROLLER STAND-IN: a tiny
 * loopback HTTP receiver in this file that records every call and answers as
 * ISSUE5.md says accelnetd does, so that the bodies can be checked exactly
 * and accelnetd's answers (404, 503, down) chosen. test_with_accelnetd runs
 * the agent against a REAL accelnetd (/admin/hosts, written on the hosts
 * branch) and calls it with accelnetd's own agent client
 * (service/agentclient.h). */
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
#include <strings.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>

#include "service/agentclient.h"
#include "tests/integration/itest.h"

/* --- the controller stand-in -------------------------------------------------- */

#define STANDIN_MAX_CALLS 4096

struct standin_call {
    char method[8];
    char path[256];
    char api_version[32];
    char auth[256];
    json_t *body;
    long long at_ms;
};

struct standin {
    struct MHD_Daemon *mhd;
    unsigned port;
    pthread_mutex_t mu;
    struct standin_call calls[STANDIN_MAX_CALLS];
    size_t ncalls;
    int registered;         /* a PUT has succeeded (and not been forgotten) */
    int forget;             /* the next heartbeat answers 404 and forgets the host */
    int register_failures;  /* answer this many registrations with 503 first */
    int heartbeat_interval; /* heartbeatIntervalSeconds */
};

struct standin_conn {
    char *data;
    size_t len;
};

static enum MHD_Result standin_reply(struct MHD_Connection *c, unsigned status, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result standin_access(void *cls, struct MHD_Connection *c, const char *url,
                                      const char *method, const char *version, const char *upload,
                                      size_t *upload_size, void **con_cls)
{
    struct standin *s = cls;
    struct standin_conn *x = *con_cls;
    (void)version;
    if (!x) {
        x = calloc(1, sizeof(*x));
        *con_cls = x;
        return MHD_YES;
    }
    if (*upload_size) {
        x->data = realloc(x->data, x->len + *upload_size + 1);
        memcpy(x->data + x->len, upload, *upload_size);
        x->len += *upload_size;
        x->data[x->len] = '\0';
        *upload_size = 0;
        return MHD_YES;
    }
    const char *av = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "api-version");
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    json_t *body = x->len ? json_loadb(x->data, x->len, 0, NULL) : NULL;
    pthread_mutex_lock(&s->mu);
    if (s->ncalls < STANDIN_MAX_CALLS) {
        struct standin_call *k = &s->calls[s->ncalls++];
        snprintf(k->method, sizeof k->method, "%s", method);
        snprintf(k->path, sizeof k->path, "%s", url);
        snprintf(k->api_version, sizeof k->api_version, "%s", av ? av : "");
        snprintf(k->auth, sizeof k->auth, "%s", auth ? auth : "");
        k->body = json_incref(body);
        k->at_ms = itest_now_ms();
    }
    unsigned status;
    json_t *answer;
    int is_heartbeat = strlen(url) > 10 && strcmp(url + strlen(url) - 10, "/heartbeat") == 0;
    if (strcmp(method, "PUT") == 0 && strncmp(url, "/admin/hosts/", 13) == 0) {
        if (s->register_failures > 0) {
            s->register_failures--;
            status = 503;
            answer = json_pack("{s:{s:s, s:s}}", "error", "code", "ServiceUnavailable", "message",
                               "stand-in: not ready yet");
        } else {
            status = s->registered ? 200 : 201;
            s->registered = 1;
            answer = json_pack("{s:s, s:s}", "name", url + 13, "state", "Enabled");
        }
    } else if (strcmp(method, "POST") == 0 && is_heartbeat) {
        if (!s->registered || s->forget) {
            s->forget = 0;
            s->registered = 0;
            status = 404;
            answer = json_pack("{s:{s:s, s:s}}", "error", "code", "HostNotFound", "message",
                               "stand-in: no such host");
        } else {
            status = 200;
            answer = json_pack("{s:i}", "heartbeatIntervalSeconds", s->heartbeat_interval);
        }
    } else {
        status = 404;
        answer = json_pack("{s:{s:s, s:s}}", "error", "code", "NotFound", "message", "stand-in");
    }
    pthread_mutex_unlock(&s->mu);
    json_decref(body);
    return standin_reply(c, status, answer);
}

static void standin_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                              enum MHD_RequestTerminationCode toe)
{
    struct standin_conn *x = *con_cls;
    (void)cls;
    (void)c;
    (void)toe;
    if (x) {
        free(x->data);
        free(x);
        *con_cls = NULL;
    }
}

/* Starts the stand-in on 127.0.0.1:port (0 = a free port). */
static struct standin *standin_start(unsigned port)
{
    struct standin *s = calloc(1, sizeof(*s));
    pthread_mutex_init(&s->mu, NULL);
    s->heartbeat_interval = 1;
    s->port = port ? port : itest_free_port();
    s->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION,
                              (uint16_t)s->port, NULL, NULL, standin_access, s,
                              MHD_OPTION_NOTIFY_COMPLETED, standin_completed, s,
                              MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_END);
    if (!s->mhd)
        fail_msg("the controller stand-in cannot listen on port %u", s->port);
    return s;
}

static void standin_stop(struct standin *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->mhd);
    for (size_t i = 0; i < s->ncalls; i++)
        json_decref(s->calls[i].body);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static char *standin_url(const struct standin *s)
{
    char *u = NULL;
    if (asprintf(&u, "http://127.0.0.1:%u", s->port) < 0)
        abort();
    return u;
}

/* How many calls of method whose path ends with suffix have come in. */
static size_t standin_count(struct standin *s, const char *method, const char *suffix)
{
    size_t n = 0, slen = strlen(suffix);
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->ncalls; i++) {
        size_t plen = strlen(s->calls[i].path);
        if (strcmp(s->calls[i].method, method) == 0 && plen >= slen &&
            strcmp(s->calls[i].path + plen - slen, suffix) == 0)
            n++;
    }
    pthread_mutex_unlock(&s->mu);
    return n;
}

/* Waits until there are at least `want` such calls; fails the test after
 * timeout_ms. Returns the index of the want-th one. */
static size_t standin_wait(struct standin *s, const char *method, const char *suffix, size_t want,
                           long timeout_ms)
{
    long long deadline = itest_now_ms() + timeout_ms;
    while (standin_count(s, method, suffix) < want) {
        if (itest_now_ms() > deadline)
            fail_msg("the controller stand-in got %zu %s ...%s calls in %ld ms, expected %zu",
                     standin_count(s, method, suffix), method, suffix, timeout_ms, want);
        itest_sleep_ms(20);
    }
    size_t n = 0, slen = strlen(suffix);
    pthread_mutex_lock(&s->mu);
    size_t idx = 0;
    for (size_t i = 0; i < s->ncalls; i++) {
        size_t plen = strlen(s->calls[i].path);
        if (strcmp(s->calls[i].method, method) == 0 && plen >= slen &&
            strcmp(s->calls[i].path + plen - slen, suffix) == 0 && ++n == want) {
            idx = i;
            break;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return idx;
}

/* --- helpers ------------------------------------------------------------------ */

#define NIC(n) "aaaaaaaa-0000-4000-8000-00000000000" #n
#define VM1    "7d3b4f8e-1111-4a2b-9c3d-000000000001"
#define VM2    "7d3b4f8e-1111-4a2b-9c3d-000000000002"

#define RULE(stage, name, prio, dir, access, proto, dports)                                      \
    "{\"stage\":\"" stage "\",\"name\":\"" name "\",\"priority\":" #prio ",\"direction\":\"" dir \
    "\",\"access\":\"" access "\",\"protocol\":\"" proto "\","                                   \
    "\"sourceAddressPrefixes\":[\"*\"],\"sourcePortRanges\":[\"*\"],"                            \
    "\"destinationAddressPrefixes\":[\"*\"],\"destinationPortRanges\":[\"" dports "\"]}"
#define DEFAULT_RULES                                                       \
    RULE("subnet", "AllowVnetInBound", 65000, "Inbound", "Allow", "*", "*") \
    "," RULE("subnet", "DenyAllInBound", 65500, "Inbound", "Deny", "*", "*")

/* An attach body (caller frees). */
static char *attach_body(const char *vm, unsigned mac, long long gen, const char *extra_rule)
{
    char *b = NULL;
    if (asprintf(&b,
                 "{\"vmId\":\"%s\",\"macAddress\":\"00-0D-3A-00-00-%02X\",\"ipAddress\":"
                 "\"10.0.0.%u\",\"prefixLength\":24,\"gateway\":\"10.0.0.1\",\"segmentId\":4096,"
                 "\"rateLimitMbps\":0,\"policy\":{\"generation\":%lld,\"rules\":[%s%s" DEFAULT_RULES
                 "]}}",
                 vm, mac, 3 + mac, gen, extra_rule ? extra_rule : "", extra_rule ? "," : "") < 0)
        abort();
    return b;
}

static char *policy_body(long long gen, const char *rule_name)
{
    char *b = NULL;
    if (asprintf(&b,
                 "{\"generation\":%lld,\"rules\":[{\"stage\":\"nic\",\"name\":\"%s\","
                 "\"priority\":100,\"direction\":\"Inbound\",\"access\":\"Allow\","
                 "\"protocol\":\"Tcp\",\"sourceAddressPrefixes\":[\"10.0.0.0/16\"],"
                 "\"sourcePortRanges\":[\"*\"],\"destinationAddressPrefixes\":[\"*\"],"
                 "\"destinationPortRanges\":[\"22\"]}," DEFAULT_RULES "]}",
                 gen, rule_name) < 0)
        abort();
    return b;
}

/* One call with the agent's callback token; fails the test unless the status
 * is `status` (and, for an error, the code is `code`). Returns the response
 * body (caller decrefs; may be NULL). */
static json_t *call(const struct itest_daemon *d, const char *method, const char *path,
                    const char *body, long status, const char *code)
{
    struct itest_req rq = {.method = method, .path = path, .body = body};
    struct itest_resp r;
    itest_do(d, &rq, &r);
    if (r.status != status)
        fail_msg("%s %s: expected %ld, got %s", method, path, status, itest_resp_str(&r));
    if (!itest_header(&r, "x-ms-request-id"))
        fail_msg("%s %s: no x-ms-request-id", method, path);
    if (code) {
        const char *c = itest_error_code(&r);
        const char *h = itest_header(&r, "x-ms-error-code");
        if (!c || strcmp(c, code) != 0 || !h || strcmp(h, code) != 0)
            fail_msg("%s %s: expected error %s, got %s", method, path, code, itest_resp_str(&r));
    }
    json_t *j = json_incref(r.json);
    itest_resp_free(&r);
    return j;
}

static const char *jstr(const json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    if (!v)
        fail_msg("no string member %s", key);
    return v;
}

static long long jint(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v))
        fail_msg("no integer member %s", key);
    return json_integer_value(v);
}

/* Checks a NIC object's VF. */
static void expect_vf(const json_t *nic, const char *pf, int index, const char *pci)
{
    const json_t *vf = json_object_get(nic, "vf");
    char rep[32];
    snprintf(rep, sizeof(rep), "%svf%d", pf, index);
    assert_string_equal(jstr(vf, "pf"), pf);
    assert_int_equal(jint(vf, "vfIndex"), index);
    assert_string_equal(jstr(vf, "pciAddress"), pci);
    assert_string_equal(jstr(vf, "representor"), rep);
    assert_string_equal(jstr(vf, "driver"), "mlx4_core");
    assert_string_equal(jstr(vf, "vendorId"), "15b3");
    assert_string_equal(jstr(vf, "deviceId"), "1004");
    assert_int_equal(json_object_size(vf), 7);
    assert_int_equal(json_object_size(nic), 5);
}

static json_t *inventory(const struct itest_daemon *d)
{
    json_t *j = call(d, "GET", "/v1/nics", NULL, 200, NULL);
    assert_true(json_is_array(json_object_get(j, "value")));
    assert_int_equal(json_object_size(j), 1);
    return j;
}

static size_t inventory_size(const struct itest_daemon *d)
{
    json_t *j = inventory(d);
    size_t n = json_array_size(json_object_get(j, "value"));
    json_decref(j);
    return n;
}

static int log_contains(const struct itest_daemon *d, const char *needle)
{
    char *log = itest_daemon_log(d);
    int yes = log && strstr(log, needle) != NULL;
    free(log);
    return yes;
}

/* Whether the log says needle within timeout_ms: the agent answers
 * /v1/health (what itest_agent_start waits for) a moment before it logs what
 * it started with. */
static int log_soon(const struct itest_daemon *d, const char *needle, long timeout_ms)
{
    long long deadline = itest_now_ms() + timeout_ms;
    while (!log_contains(d, needle)) {
        if (itest_now_ms() > deadline)
            return 0;
        itest_sleep_ms(20);
    }
    return 1;
}

static int log_count(const struct itest_daemon *d, const char *needle)
{
    char *log = itest_daemon_log(d);
    int n = 0;
    for (const char *p = log; p && (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    free(log);
    return n;
}

/* The test's processes: killed after every test whatever happened. */
static struct {
    struct itest_daemon a, b;
    struct standin *ctl;
    char *ctl_url;
} g;

static int teardown(void **state)
{
    (void)state;
    itest_daemon_kill(&g.a);
    itest_daemon_kill(&g.b);
    standin_stop(g.ctl);
    free(g.ctl_url);
    memset(&g, 0, sizeof g);
    return 0;
}

/* A stand-in and one agent (plain HTTP unless tls) with extra flags. */
static void start_plain(const char *const *argv, const char *host)
{
    g.ctl = standin_start(0);
    g.ctl_url = standin_url(g.ctl);
    struct itest_agent_opts o = {
        .plain_http = 1, .controller = g.ctl_url, .argv = argv, .host_name = host};
    if (itest_agent_start(&g.a, &o) != 0)
        fail_msg("the agent did not start");
}

static void stop_ok(struct itest_daemon *d)
{
    assert_int_equal(itest_daemon_stop(d, 15000), 0);
    assert_int_equal(itest_log_all_json(d), 0);
}

/* --- registration and heartbeats ------------------------------------------------- */

static void test_registration_and_heartbeat(void **state)
{
    (void)state;
    const char *argv[] = {"--vcpus", "32", "--memory-mb", "131072", "--fault-domain", "1", NULL};
    start_plain(argv, "itest-reg-1");
    size_t i = standin_wait(g.ctl, "PUT", "/admin/hosts/itest-reg-1", 1, 10000);
    struct standin_call *k = &g.ctl->calls[i];
    assert_string_equal(k->api_version, "2016-09-01");
    assert_string_equal(k->auth, "Bearer " ITEST_AGENT_TOKEN);
    char *want_text = NULL;
    assert_true(asprintf(&want_text,
                         "{\"location\":\"westeurope\",\"agentUrl\":\"%s\",\"vcpus\":32,"
                         "\"memoryMB\":131072,\"faultDomain\":1,\"backend\":\"sim\","
                         "\"agentVersion\":\"0.1.0\",\"callbackToken\":\"%s\","
                         "\"physicalFunctions\":[{\"name\":\"pf0\",\"pciAddress\":"
                         "\"0000:03:00.0\",\"vendorId\":\"15b3\",\"deviceId\":\"1003\","
                         "\"vfDeviceId\":\"1004\",\"numVfs\":16,\"driver\":\"mlx4_core\"}]}",
                         g.a.url, g.a.token) > 0);
    json_t *want = json_loads(want_text, 0, NULL);
    free(want_text);
    if (!json_equal(k->body, want)) {
        char *got = json_dumps(k->body, JSON_COMPACT);
        fail_msg("registration body: %s", got ? got : "(none)");
    }
    json_decref(want);
    assert_int_equal(strlen(g.a.token), 43);

    /* Heartbeats every heartbeatIntervalSeconds (1 here), right after the
     * registration, with the VFs in use. */
    size_t h1 = standin_wait(g.ctl, "POST", "/admin/hosts/itest-reg-1/heartbeat", 1, 5000);
    size_t h2 = standin_wait(g.ctl, "POST", "/admin/hosts/itest-reg-1/heartbeat", 2, 5000);
    assert_true(g.ctl->calls[h1].at_ms - g.ctl->calls[i].at_ms < 900);
    long long gap = g.ctl->calls[h2].at_ms - g.ctl->calls[h1].at_ms;
    if (gap < 800 || gap > 3000)
        fail_msg("heartbeats %lld ms apart with an interval of 1 s", gap);
    k = &g.ctl->calls[h2];
    assert_string_equal(k->api_version, "2016-09-01");
    assert_string_equal(k->auth, "Bearer " ITEST_AGENT_TOKEN);
    json_t *hb0 = json_pack("{s:i}", "vfsInUse", 0);
    assert_true(json_equal(k->body, hb0));
    json_decref(hb0);

    /* The count follows what the agent handed out. */
    char *b = attach_body(VM1, 1, 1, NULL);
    json_decref(call(&g.a, "PUT", "/v1/nics/" NIC(1), b, 201, NULL));
    free(b);
    size_t n = standin_count(g.ctl, "POST", "/heartbeat");
    size_t h3 = standin_wait(g.ctl, "POST", "/heartbeat", n + 1, 5000);
    json_t *hb1 = json_pack("{s:i}", "vfsInUse", 1);
    assert_true(json_equal(g.ctl->calls[h3].body, hb1));
    json_decref(hb1);

    /* accelnetd forgot the host: 404 on the heartbeat, and the agent registers
     * again (same body), then heartbeats again. */
    pthread_mutex_lock(&g.ctl->mu);
    g.ctl->forget = 1;
    pthread_mutex_unlock(&g.ctl->mu);
    size_t r2 = standin_wait(g.ctl, "PUT", "/admin/hosts/itest-reg-1", 2, 5000);
    assert_true(json_equal(g.ctl->calls[r2].body, g.ctl->calls[i].body));
    n = standin_count(g.ctl, "POST", "/heartbeat");
    standin_wait(g.ctl, "POST", "/heartbeat", n + 1, 5000);
    assert_true(log_contains(&g.a, "accelnetd does not know this host: registering again"));
    stop_ok(&g.a);
}

static void test_controller_down_then_up(void **state)
{
    (void)state;
    unsigned port = itest_free_port();
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u", port);
    const char *argv[] = {"--register-retry-max-ms", "300", NULL};
    struct itest_agent_opts o = {
        .plain_http = 1, .controller = url, .argv = argv, .host_name = "itest-down-1"};
    if (itest_agent_start(&g.a, &o) != 0)
        fail_msg("the agent did not start with its controller down");
    /* It serves while accelnetd is unreachable. */
    char *b = attach_body(VM1, 1, 1, NULL);
    json_t *nic = call(&g.a, "PUT", "/v1/nics/" NIC(1), b, 201, NULL);
    free(b);
    json_decref(nic);
    json_decref(call(&g.a, "GET", "/v1/health", NULL, 200, NULL));
    long long deadline = itest_now_ms() + 5000;
    while (log_count(&g.a, "registration with accelnetd failed") < 3 && itest_now_ms() < deadline)
        itest_sleep_ms(50);
    assert_true(log_count(&g.a, "registration with accelnetd failed") >= 3);

    /* accelnetd comes up, answering 503 twice before it works. */
    g.ctl = standin_start(port);
    pthread_mutex_lock(&g.ctl->mu);
    g.ctl->register_failures = 2;
    pthread_mutex_unlock(&g.ctl->mu);
    standin_wait(g.ctl, "PUT", "/admin/hosts/itest-down-1", 3, 10000);
    size_t h = standin_wait(g.ctl, "POST", "/admin/hosts/itest-down-1/heartbeat", 1, 5000);
    json_t *hb = json_pack("{s:i}", "vfsInUse", 1);
    assert_true(json_equal(g.ctl->calls[h].body, hb));
    json_decref(hb);
    assert_true(log_contains(&g.a, "\"error\":\"ServiceUnavailable\""));
    assert_true(log_contains(&g.a, "registered with accelnetd"));

    /* And down again: heartbeats fail, the API still answers. */
    standin_stop(g.ctl);
    g.ctl = NULL;
    deadline = itest_now_ms() + 5000;
    while (!log_contains(&g.a, "heartbeat failed") && itest_now_ms() < deadline)
        itest_sleep_ms(50);
    assert_true(log_contains(&g.a, "heartbeat failed"));
    assert_int_equal(inventory_size(&g.a), 1);
    stop_ok(&g.a);
}

/* --- the API ------------------------------------------------------------------- */

static void test_attach_inventory_policy_detach(void **state)
{
    (void)state;
    start_plain(NULL, "itest-api-1");
    json_t *j = inventory(&g.a);
    assert_int_equal(json_array_size(json_object_get(j, "value")), 0);
    json_decref(j);

    /* Attach: the first free VF. */
    char *b1 = attach_body(VM1, 1, 3, NULL);
    json_t *n1 = call(&g.a, "PUT", "/v1/nics/" NIC(1), b1, 201, NULL);
    assert_string_equal(jstr(n1, "nicId"), NIC(1));
    assert_string_equal(jstr(n1, "vmId"), VM1);
    assert_string_equal(jstr(n1, "macAddress"), "00-0D-3A-00-00-01");
    assert_int_equal(jint(n1, "policyGeneration"), 3);
    expect_vf(n1, "pf0", 0, "0000:03:00.1");

    /* The same call again: the VF it has, 200. Also with the id in upper case. */
    j = call(&g.a, "PUT", "/v1/nics/" NIC(1), b1, 200, NULL);
    assert_true(json_equal(j, n1));
    json_decref(j);
    j = call(&g.a, "PUT", "/v1/nics/AAAAAAAA-0000-4000-8000-000000000001", b1, 200, NULL);
    assert_true(json_equal(j, n1));
    json_decref(j);
    free(b1);

    /* A repeat with a newer policy installs it; an older one changes nothing. */
    b1 = attach_body(VM1, 1, 5, NULL);
    j = call(&g.a, "PUT", "/v1/nics/" NIC(1), b1, 200, NULL);
    assert_int_equal(jint(j, "policyGeneration"), 5);
    expect_vf(j, "pf0", 0, "0000:03:00.1");
    json_decref(j);
    free(b1);
    b1 = attach_body(VM1, 1, 4, NULL);
    j = call(&g.a, "PUT", "/v1/nics/" NIC(1), b1, 200, NULL);
    assert_int_equal(jint(j, "policyGeneration"), 5);
    json_decref(j);
    free(b1);
    /* Another attach under the same NIC id: 409, nothing changes. */
    b1 = attach_body(VM2, 1, 5, NULL);
    json_decref(call(&g.a, "PUT", "/v1/nics/" NIC(1), b1, 409, "Conflict"));
    free(b1);
    b1 = attach_body(VM1, 9, 5, NULL);
    json_decref(call(&g.a, "PUT", "/v1/nics/" NIC(1), b1, 409, "Conflict"));
    free(b1);

    /* A second NIC: the next VF. */
    char *b2 = attach_body(VM1, 2, 1, RULE("nic", "web", 100, "Inbound", "Allow", "Tcp", "80-443"));
    json_t *n2 = call(&g.a, "PUT", "/v1/nics/" NIC(2), b2, 201, NULL);
    expect_vf(n2, "pf0", 1, "0000:03:00.2");
    free(b2);

    /* The inventory, in attach order. */
    j = inventory(&g.a);
    json_t *v = json_object_get(j, "value");
    assert_int_equal(json_array_size(v), 2);
    assert_string_equal(jstr(json_array_get(v, 0), "nicId"), NIC(1));
    assert_int_equal(jint(json_array_get(v, 0), "policyGeneration"), 5);
    assert_true(json_equal(json_array_get(v, 1), n2));
    json_decref(j);
    j = call(&g.a, "GET", "/v1/health", NULL, 200, NULL);
    json_t *want = json_pack("{s:s, s:s, s:s, s:i, s:i}", "status", "ok", "hostName", "itest-api-1",
                             "backend", "sim", "vfsTotal", 16, "vfsInUse", 2);
    assert_true(json_equal(j, want));
    json_decref(want);
    json_decref(j);

    /* Policy: newer replaces, older is refused (409, nothing changes), equal
     * answers 200 and changes nothing either. */
    char *p = policy_body(7, "ssh7");
    j = call(&g.a, "PUT", "/v1/nics/" NIC(1) "/policy", p, 200, NULL);
    assert_int_equal(jint(j, "policyGeneration"), 7);
    expect_vf(j, "pf0", 0, "0000:03:00.1");
    json_decref(j);
    free(p);
    p = policy_body(6, "ssh6");
    json_decref(call(&g.a, "PUT", "/v1/nics/" NIC(1) "/policy", p, 409, "StalePolicyGeneration"));
    free(p);
    p = policy_body(7, "ssh7-other-rules");
    j = call(&g.a, "PUT", "/v1/nics/" NIC(1) "/policy", p, 200, NULL);
    assert_int_equal(jint(j, "policyGeneration"), 7);
    json_decref(j);
    free(p);
    /* What is installed (the state file) is generation 7's first rules. */
    char path[600];
    snprintf(path, sizeof path, "%s/vftable.json", g.a.state_dir);
    json_t *table = json_load_file(path, 0, NULL);
    assert_non_null(table);
    json_t *rules = json_object_get(
        json_object_get(
            json_object_get(json_array_get(json_object_get(table, "nics"), 0), "attach"), "policy"),
        "rules");
    assert_int_equal(json_array_size(rules), 3);
    assert_string_equal(jstr(json_array_get(rules, 0), "name"), "ssh7");
    json_decref(table);
    j = inventory(&g.a);
    assert_int_equal(jint(json_array_get(json_object_get(j, "value"), 0), "policyGeneration"), 7);
    json_decref(j);
    p = policy_body(1, "x");
    json_decref(call(&g.a, "PUT", "/v1/nics/" NIC(9) "/policy", p, 404, "NicNotFound"));
    free(p);

    /* Detach: 200 with what was detached, then 204. */
    j = call(&g.a, "DELETE", "/v1/nics/" NIC(1), NULL, 200, NULL);
    assert_string_equal(jstr(j, "nicId"), NIC(1));
    expect_vf(j, "pf0", 0, "0000:03:00.1");
    json_decref(j);
    json_decref(call(&g.a, "DELETE", "/v1/nics/" NIC(1), NULL, 204, NULL));
    json_decref(call(&g.a, "DELETE", "/v1/nics/" NIC(9), NULL, 204, NULL));
    assert_int_equal(inventory_size(&g.a), 1);
    p = policy_body(8, "x");
    json_decref(call(&g.a, "PUT", "/v1/nics/" NIC(1) "/policy", p, 404, "NicNotFound"));
    free(p);
    /* The freed VF is handed out again. */
    char *b3 = attach_body(VM2, 3, 1, NULL);
    j = call(&g.a, "PUT", "/v1/nics/" NIC(3), b3, 201, NULL);
    expect_vf(j, "pf0", 0, "0000:03:00.1");
    json_decref(j);
    free(b3);

    json_decref(n1);
    json_decref(n2);
    assert_true(log_contains(&g.a, "\"route\":\"/v1/nics/{nicId}/policy\""));
    assert_true(log_contains(&g.a, "\"msg\":\"VF attached\""));
    stop_ok(&g.a);
}

static void test_bad_requests(void **state)
{
    (void)state;
    start_plain(NULL, "itest-bad-1");
    char *b = attach_body(VM1, 1, 1, NULL);
    json_decref(call(&g.a, "PUT", "/v1/nics/not-a-uuid", b, 400, "InvalidParameter"));
    json_decref(call(&g.a, "PUT", "/v1/nics/" NIC(1), NULL, 400, "InvalidRequestContent"));
    json_decref(call(&g.a, "PUT", "/v1/nics/" NIC(1), "{\"vmId\":", 400, "InvalidRequestContent"));
    json_decref(
        call(&g.a, "PUT", "/v1/nics/" NIC(1) "/policy", "[]", 400, "InvalidRequestContent"));
    json_t *j = call(&g.a, "PUT", "/v1/nics/" NIC(1),
                     "{\"vmId\":\"" VM1 "\",\"macAddress\":\"01-00-5E-00-00-01\","
                     "\"ipAddress\":\"10.0.0.4\",\"prefixLength\":24,\"segmentId\":-1,"
                     "\"bogus\":1,\"policy\":{\"generation\":1,\"rules\":[{\"stage\":\"x\"}]}}",
                     400, "InvalidRequestContent");
    json_t *details = json_object_get(json_object_get(j, "error"), "details");
    int saw_mac = 0, saw_segment = 0, saw_bogus = 0, saw_rule = 0;
    for (size_t i = 0; i < json_array_size(details); i++) {
        const char *t = json_string_value(json_object_get(json_array_get(details, i), "target"));
        saw_mac |= t && strcmp(t, "macAddress") == 0;
        saw_segment |= t && strcmp(t, "segmentId") == 0;
        saw_bogus |= t && strcmp(t, "bogus") == 0;
        saw_rule |= t && strcmp(t, "policy.rules[0].stage") == 0;
    }
    assert_true(saw_mac && saw_segment && saw_bogus && saw_rule);
    json_decref(j);
    assert_int_equal(inventory_size(&g.a), 0); /* nothing attached */

    json_decref(call(&g.a, "GET", "/v1/nope", NULL, 404, "NotFound"));
    json_decref(call(&g.a, "GET", "/v2/nics", NULL, 404, "NotFound"));
    struct itest_req rq = {.method = "POST", .path = "/v1/nics", .body = "{}"};
    struct itest_resp r;
    itest_do(&g.a, &rq, &r);
    ITEST_EXPECT_ERROR(&r, 405, "MethodNotAllowed");
    assert_string_equal(itest_header(&r, "Allow"), "GET");
    itest_resp_free(&r);
    struct itest_req big = {.method = "PUT", .path = "/v1/nics/" NIC(1), .raw_len = 5u << 20};
    itest_do(&g.a, &big, &r);
    ITEST_EXPECT_ERROR(&r, 413, "RequestBodyTooLarge");
    itest_resp_free(&r);
    free(b);
    stop_ok(&g.a);
}

/* --- policies in batches (POST /v1/policies) ------------------------------------- */

/* Counts the saves of the VF table: each is a rename onto vftable.json. */
static int saves_watch(const char *state_dir)
{
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    assert_true(fd >= 0);
    assert_true(inotify_add_watch(fd, state_dir, IN_MOVED_TO) >= 0);
    return fd;
}

/* The saves since the last look. */
static int saves_count(int fd)
{
    char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
    int n = 0;
    ssize_t len;
    while ((len = read(fd, buf, sizeof buf)) > 0)
        for (char *p = buf; p < buf + len;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            if (ev->len && strcmp(ev->name, "vftable.json") == 0)
                n++;
            p += sizeof(*ev) + ev->len;
        }
    return n;
}

/* A rule set: one "nic" rule named name on port 22, and the defaults. */
static json_t *rule_set(const char *name)
{
    char *text = NULL;
    if (asprintf(&text,
                 "[{\"stage\":\"nic\",\"name\":\"%s\",\"priority\":100,\"direction\":\"Inbound\","
                 "\"access\":\"Allow\",\"protocol\":\"Tcp\",\"sourceAddressPrefixes\":[\"*\"],"
                 "\"sourcePortRanges\":[\"*\"],\"destinationAddressPrefixes\":[\"*\"],"
                 "\"destinationPortRanges\":[\"22\"]}," DEFAULT_RULES "]",
                 name) < 0)
        abort();
    json_t *j = json_loads(text, 0, NULL);
    free(text);
    assert_non_null(j);
    return j;
}

static void batch_add(json_t *body, const char *nic, long long gen, int set)
{
    json_array_append_new(
        json_object_get(body, "nics"),
        json_pack("{s:s, s:I, s:i}", "nicId", nic, "generation", (json_int_t)gen, "ruleSet", set));
}

/* POST /v1/policies with body (stolen); the answer's results (checked to be
 * one per NIC, in order). */
static json_t *batch_post(json_t *body, long status, const char *code)
{
    char *text = json_dumps(body, JSON_COMPACT);
    json_t *j = call(&g.a, "POST", "/v1/policies", text, status, code);
    free(text);
    if (status == 200) {
        json_t *res = json_object_get(j, "results");
        assert_int_equal(json_object_size(j), 1);
        assert_int_equal(json_array_size(res), json_array_size(json_object_get(body, "nics")));
        for (size_t i = 0; i < json_array_size(res); i++)
            assert_int_equal(
                strcasecmp(jstr(json_array_get(res, i), "nicId"),
                           jstr(json_array_get(json_object_get(body, "nics"), i), "nicId")),
                0);
    }
    json_decref(body);
    return j;
}

/* The i-th result: its status, code ("" for none) and policyGeneration (-1:
 * none). */
static void expect_result(const json_t *answer, size_t i, long status, const char *code,
                          long long gen)
{
    const json_t *r = json_array_get(json_object_get(answer, "results"), i);
    assert_non_null(r);
    if (jint(r, "status") != status)
        fail_msg("result %zu: expected %ld, got %s", i, status, json_dumps(r, 0));
    const char *c = json_string_value(json_object_get(r, "code"));
    assert_string_equal(c ? c : "", code);
    assert_true(!*code || json_is_string(json_object_get(r, "message")));
    if (gen < 0)
        assert_null(json_object_get(r, "policyGeneration"));
    else
        assert_int_equal(jint(r, "policyGeneration"), gen);
}

/* The policy of NIC n as the state file has it: its generation and its
 * first rule's name. */
static long long table_policy(const char *nic, char name[64])
{
    char path[600];
    snprintf(path, sizeof path, "%s/vftable.json", g.a.state_dir);
    json_t *table = json_load_file(path, 0, NULL);
    assert_non_null(table);
    json_t *nics = json_object_get(table, "nics");
    long long gen = -1;
    for (size_t i = 0; i < json_array_size(nics); i++) {
        json_t *n = json_array_get(nics, i);
        if (strcmp(jstr(n, "nicId"), nic) != 0)
            continue;
        json_t *pol = json_object_get(json_object_get(n, "attach"), "policy");
        gen = jint(pol, "generation");
        snprintf(name, 64, "%s", jstr(json_array_get(json_object_get(pol, "rules"), 0), "name"));
    }
    json_decref(table);
    return gen;
}

static json_t *batch_new(void)
{
    return json_pack("{s:[], s:[]}", "ruleSets", "nics");
}

static void test_policies_batch(void **state)
{
    (void)state;
    char name[64];
    start_plain(NULL, "itest-batch-1");
    /* NIC 1 at generation 3, NIC 2 at 5, NIC 3 at 4. */
    static const long long gens[] = {0, 3, 5, 4};
    for (int i = 1; i <= 3; i++) {
        char path[64];
        char *b = attach_body(VM1, (unsigned)i, gens[i],
                              RULE("nic", "attached", 100, "Inbound", "Allow", "Tcp", "80"));
        snprintf(path, sizeof path, "/v1/nics/aaaaaaaa-0000-4000-8000-00000000000%d", i);
        json_decref(call(&g.a, "PUT", path, b, 201, NULL));
        free(b);
    }
    int watch = saves_watch(g.a.state_dir);

    /* One call, every outcome: newer (installed), older (409, kept), equal
     * (200, kept), unknown (404); NIC 1 and 3 share rule set 0. */
    json_t *body = batch_new();
    json_array_append_new(json_object_get(body, "ruleSets"), rule_set("set0"));
    json_array_append_new(json_object_get(body, "ruleSets"), rule_set("set1"));
    batch_add(body, NIC(1), 7, 0);
    batch_add(body, NIC(2), 4, 1);
    batch_add(body, NIC(3), 4, 0);
    batch_add(body, NIC(9), 1, 1);
    json_t *j = batch_post(body, 200, NULL);
    expect_result(j, 0, 200, "", 7);
    expect_result(j, 1, 409, "StalePolicyGeneration", 5);
    expect_result(j, 2, 200, "", 4);
    expect_result(j, 3, 404, "NicNotFound", -1);
    json_decref(j);
    /* Saved once, before the answer; only NIC 1 changed. */
    assert_int_equal(saves_count(watch), 1);
    assert_int_equal(table_policy(NIC(1), name), 7);
    assert_string_equal(name, "set0");
    assert_int_equal(table_policy(NIC(2), name), 5);
    assert_string_equal(name, "attached");
    assert_int_equal(table_policy(NIC(3), name), 4);
    assert_string_equal(name, "attached");
    j = inventory(&g.a);
    json_t *v = json_object_get(j, "value");
    assert_int_equal(jint(json_array_get(v, 0), "policyGeneration"), 7);
    assert_int_equal(jint(json_array_get(v, 1), "policyGeneration"), 5);
    assert_int_equal(jint(json_array_get(v, 2), "policyGeneration"), 4);
    json_decref(j);

    /* Three newer at once (upper-case ids are the same NICs): still one save. */
    body = batch_new();
    json_array_append_new(json_object_get(body, "ruleSets"), rule_set("all"));
    batch_add(body, NIC(1), 8, 0);
    batch_add(body, "AAAAAAAA-0000-4000-8000-000000000002", 8, 0);
    batch_add(body, NIC(3), 8, 0);
    j = batch_post(body, 200, NULL);
    for (size_t i = 0; i < 3; i++)
        expect_result(j, i, 200, "", 8);
    assert_string_equal(jstr(json_array_get(json_object_get(j, "results"), 1), "nicId"), NIC(2));
    json_decref(j);
    assert_int_equal(saves_count(watch), 1);
    static const char *const ids[] = {NIC(1), NIC(2), NIC(3)};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(table_policy(ids[i], name), 8);
        assert_string_equal(name, "all");
    }
    /* The same again: nothing changes, nothing is written. */
    body = batch_new();
    json_array_append_new(json_object_get(body, "ruleSets"), rule_set("all"));
    batch_add(body, NIC(1), 8, 0);
    batch_add(body, NIC(9), 8, 0);
    j = batch_post(body, 200, NULL);
    expect_result(j, 0, 200, "", 8);
    expect_result(j, 1, 404, "NicNotFound", -1);
    json_decref(j);
    assert_int_equal(saves_count(watch), 0);

    /* The backend cannot save (the temporary file's name is taken by a
     * directory): the NIC that needed a change gets 500 and keeps what it
     * had, the others their usual answers; in memory too. */
    char tmpdir[700], inside[800];
    snprintf(tmpdir, sizeof tmpdir, "%s/.vftable.json.tmp", g.a.state_dir);
    snprintf(inside, sizeof inside, "%s/keep", tmpdir);
    assert_int_equal(mkdir(tmpdir, 0700), 0);
    assert_int_equal(mkdir(inside, 0700), 0);
    body = batch_new();
    json_array_append_new(json_object_get(body, "ruleSets"), rule_set("unsaved"));
    batch_add(body, NIC(1), 9, 0);
    batch_add(body, NIC(2), 8, 0);
    batch_add(body, NIC(3), 1, 0);
    j = batch_post(body, 200, NULL);
    expect_result(j, 0, 500, "InternalServerError", 8);
    expect_result(j, 1, 200, "", 8);
    expect_result(j, 2, 409, "StalePolicyGeneration", 8);
    assert_non_null(strstr(jstr(json_array_get(json_object_get(j, "results"), 0), "message"),
                           "Nothing was changed"));
    json_decref(j);
    assert_int_equal(saves_count(watch), 0);
    j = inventory(&g.a);
    assert_int_equal(jint(json_array_get(json_object_get(j, "value"), 0), "policyGeneration"), 8);
    json_decref(j);
    assert_int_equal(rmdir(inside), 0);
    assert_int_equal(rmdir(tmpdir), 0);
    body = batch_new();
    json_array_append_new(json_object_get(body, "ruleSets"), rule_set("saved"));
    batch_add(body, NIC(1), 9, 0);
    j = batch_post(body, 200, NULL);
    expect_result(j, 0, 200, "", 9);
    json_decref(j);
    assert_int_equal(saves_count(watch), 1);
    assert_int_equal(table_policy(NIC(1), name), 9);
    assert_string_equal(name, "saved");

    /* The single-NIC route is still there and agrees. */
    char *p = policy_body(8, "old");
    json_decref(call(&g.a, "PUT", "/v1/nics/" NIC(1) "/policy", p, 409, "StalePolicyGeneration"));
    free(p);
    close(watch);
    assert_true(log_contains(&g.a, "\"route\":\"/v1/policies\""));
    assert_int_equal(log_count(&g.a, "\"msg\":\"policy replaced\""), 5);
    stop_ok(&g.a);
}

/* The whole body is validated before anything changes: each of these is a
 * 400 and no NIC's policy moves. */
static void test_policies_batch_invalid(void **state)
{
    (void)state;
    char name[64];
    start_plain(NULL, "itest-batch-2");
    char *b = attach_body(VM1, 1, 3, NULL);
    json_decref(call(&g.a, "PUT", "/v1/nics/" NIC(1), b, 201, NULL));
    free(b);
    int watch = saves_watch(g.a.state_dir);

    static const struct {
        const char *body, *target;
    } bad[] = {
        {NULL, NULL},
        {"[]", NULL},
        {"{}", "ruleSets"},
        {"{\"ruleSets\":[[]],\"nics\":[]}", "nics"},
        {"{\"ruleSets\":[[]],\"nics\":[{\"nicId\":\"" NIC(1) "\",\"generation\":5,\"ruleSet\":1}]}",
         "nics[0].ruleSet"},
        {"{\"ruleSets\":[[]],\"nics\":[{\"nicId\":\"" NIC(
             1) "\",\"generation\":-1,\"ruleSet\":0}]}",
         "nics[0].generation"},
        {"{\"ruleSets\":[[]],\"nics\":[{\"nicId\":\"nic-1\",\"generation\":5,\"ruleSet\":0}]}",
         "nics[0].nicId"},
        {"{\"ruleSets\":[[]],\"nics\":[{\"nicId\":\"" NIC(
             1) "\",\"generation\":5,\"ruleSet\":0},"
                "{\"nicId\":\"AAAAAAAA-0000-4000-8000-000000000001\",\"generation\":6,\"ruleSet\":"
                "0}]}",
         "nics[1].nicId"},
        {"{\"ruleSets\":[{}],\"nics\":[{\"nicId\":\"" NIC(1) "\",\"generation\":5,\"ruleSet\":0}]}",
         "ruleSets[0]"},
        {"{\"ruleSets\":[[{\"stage\":\"nic\"}]],\"nics\":[{\"nicId\":\"" NIC(
             1) "\",\"generation\":5,\"ruleSet\":0}]}",
         "ruleSets[0][0].name"},
        {"{\"ruleSets\":[[" RULE("nic", "a", 100, "Inbound", "Allow", "Tcp",
                                 "99999") "]],"
                                          "\"nics\":[{\"nicId\":\"" NIC(
                                              1) "\",\"generation\":5,\"ruleSet\":0}]}",
         "ruleSets[0][0].destinationPortRanges[0]"},
        {"{\"ruleSets\":[[]],\"nics\":[{\"nicId\":\"" NIC(
             1) "\",\"generation\":5,\"ruleSet\":0,\"extra\":1}]}",
         "nics[0].extra"},
        {"{\"ruleSets\":[[]],\"nics\":[{\"nicId\":\"" NIC(
             1) "\",\"generation\":5,\"ruleSet\":0}],\"more\":true}",
         "more"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *j = call(&g.a, "POST", "/v1/policies", bad[i].body, 400, "InvalidRequestContent");
        if (bad[i].target) {
            json_t *details = json_object_get(json_object_get(j, "error"), "details");
            int seen = 0;
            for (size_t k = 0; k < json_array_size(details); k++) {
                const char *t =
                    json_string_value(json_object_get(json_array_get(details, k), "target"));
                seen |= t && strcmp(t, bad[i].target) == 0;
            }
            if (!seen)
                fail_msg("body %zu: no problem reported at %s: %s", i, bad[i].target,
                         json_dumps(j, 0));
        }
        json_decref(j);
    }

    /* More than 256 NICs: one clear error, whatever else is wrong. */
    json_t *body = batch_new();
    json_array_append_new(json_object_get(body, "ruleSets"), rule_set("x"));
    for (int i = 0; i < 257; i++) {
        char id[64];
        snprintf(id, sizeof id, "bbbbbbbb-0000-4000-8000-%012d", i);
        batch_add(body, id, 5, 0);
    }
    json_t *j = batch_post(body, 400, "InvalidRequestContent");
    assert_string_equal(jstr(json_object_get(j, "error"), "target"), "nics");
    assert_non_null(strstr(jstr(json_object_get(j, "error"), "message"), "at most 256"));
    json_decref(j);
    /* 256 is fine. */
    body = batch_new();
    json_array_append_new(json_object_get(body, "ruleSets"), rule_set("x"));
    for (int i = 0; i < 255; i++) {
        char id[64];
        snprintf(id, sizeof id, "bbbbbbbb-0000-4000-8000-%012d", i);
        batch_add(body, id, 5, 0);
    }
    batch_add(body, NIC(1), 3, 0);
    j = batch_post(body, 200, NULL);
    expect_result(j, 0, 404, "NicNotFound", -1);
    expect_result(j, 255, 200, "", 3);
    json_decref(j);

    /* Wrong method: 405 with Allow. */
    struct itest_req rq = {.method = "PUT", .path = "/v1/policies", .body = "{}"};
    struct itest_resp r;
    itest_do(&g.a, &rq, &r);
    ITEST_EXPECT_ERROR(&r, 405, "MethodNotAllowed");
    assert_string_equal(itest_header(&r, "Allow"), "POST");
    itest_resp_free(&r);

    assert_int_equal(saves_count(watch), 0);
    assert_int_equal(table_policy(NIC(1), name), 3);
    close(watch);
    stop_ok(&g.a);
}

/* --test-no-policy-batches: the agent answers POST /v1/policies as one from
 * before the route (404 NotFound), the rest as usual. */
static void test_policies_batch_switched_off(void **state)
{
    (void)state;
    const char *argv[] = {"--test-no-policy-batches", NULL};
    start_plain(argv, "itest-batch-3");
    assert_true(log_soon(&g.a, "\"test_no_policy_batches\":true", 5000));
    char *b = attach_body(VM1, 1, 3, NULL);
    json_decref(call(&g.a, "PUT", "/v1/nics/" NIC(1), b, 201, NULL));
    free(b);
    json_t *body = batch_new();
    json_array_append_new(json_object_get(body, "ruleSets"), rule_set("x"));
    batch_add(body, NIC(1), 5, 0);
    json_decref(batch_post(body, 404, "NotFound"));
    char *p = policy_body(5, "x");
    json_decref(call(&g.a, "PUT", "/v1/nics/" NIC(1) "/policy", p, 200, NULL));
    free(p);

    /* accelnetd's client falls back to one PUT per NIC, with the same
     * outcomes. */
    struct agentc_opts co = {.timeout_ms = 5000, .retries = 1, .retry_base_ms = 50};
    struct agentc *ac = agentc_new(&co);
    assert_non_null(ac);
    json_t *rules = rule_set("fallback");
    struct agentc_policy pol[3] = {{.nic_id = NIC(1), .generation = 6, .rules = rules},
                                   {.nic_id = NIC(2), .generation = 1, .rules = rules},
                                   {.nic_id = NIC(1), .generation = 1, .rules = rules}};
    struct agentc_call bc = {
        .op = AGENTC_SET_POLICIES,
        .target = {.host = "itest-batch-3", .url = g.a.url, .token = g.a.token},
        .policies = pol,
        .npolicies = 2};
    assert_int_equal(agentc_run(ac, &bc, 1), 0);
    assert_int_equal(bc.per_nic, 1);
    assert_int_equal(pol[0].err.kind, AGENTC_OK);
    assert_int_equal(pol[0].policy_generation, 6);
    assert_string_equal(pol[1].err.code, "NicNotFound");
    bc.policies = &pol[2];
    bc.npolicies = 1;
    assert_int_equal(agentc_run(ac, &bc, 1), 0);
    assert_string_equal(pol[2].err.code, "StalePolicyGeneration");
    char name[64];
    assert_int_equal(table_policy(NIC(1), name), 6);
    assert_string_equal(name, "fallback");
    json_decref(rules);
    agentc_free(ac);
    stop_ok(&g.a);
}

static void test_vf_exhaustion(void **state)
{
    (void)state;
    const char *argv[] = {"--pf", "pf0,0000:03:00.0,15b3:1003,2", NULL};
    start_plain(argv, "itest-full-1");
    char *b1 = attach_body(VM1, 1, 1, NULL), *b2 = attach_body(VM1, 2, 1, NULL),
         *b3 = attach_body(VM1, 3, 1, NULL);
    json_decref(call(&g.a, "PUT", "/v1/nics/" NIC(1), b1, 201, NULL));
    json_decref(call(&g.a, "PUT", "/v1/nics/" NIC(2), b2, 201, NULL));
    json_t *j = call(&g.a, "PUT", "/v1/nics/" NIC(3), b3, 409, "NoFreeVirtualFunction");
    assert_non_null(strstr(jstr(json_object_get(j, "error"), "message"), "itest-full-1"));
    json_decref(j);
    /* The ones it has still answer 200. */
    json_decref(call(&g.a, "PUT", "/v1/nics/" NIC(2), b2, 200, NULL));
    assert_int_equal(inventory_size(&g.a), 2);
    j = call(&g.a, "GET", "/v1/health", NULL, 200, NULL);
    assert_int_equal(jint(j, "vfsTotal"), 2);
    assert_int_equal(jint(j, "vfsInUse"), 2);
    json_decref(j);
    json_decref(call(&g.a, "DELETE", "/v1/nics/" NIC(1), NULL, 200, NULL));
    j = call(&g.a, "PUT", "/v1/nics/" NIC(3), b3, 201, NULL);
    expect_vf(j, "pf0", 0, "0000:03:00.1");
    json_decref(j);
    free(b1);
    free(b2);
    free(b3);
    stop_ok(&g.a);

    /* Two PFs: spread over them, and the registration lists both. */
    teardown(NULL);
    const char *two[] = {"--pf", "pf0,0000:03:00.0,15b3:1003,1", "--pf",
                         "pf1,0000:04:00.0,15b3:1003,1", NULL};
    start_plain(two, "itest-full-2");
    b1 = attach_body(VM1, 1, 1, NULL);
    b2 = attach_body(VM1, 2, 1, NULL);
    b3 = attach_body(VM1, 3, 1, NULL);
    j = call(&g.a, "PUT", "/v1/nics/" NIC(1), b1, 201, NULL);
    expect_vf(j, "pf0", 0, "0000:03:00.1");
    json_decref(j);
    j = call(&g.a, "PUT", "/v1/nics/" NIC(2), b2, 201, NULL);
    expect_vf(j, "pf1", 0, "0000:04:00.1");
    json_decref(j);
    json_decref(call(&g.a, "PUT", "/v1/nics/" NIC(3), b3, 409, "NoFreeVirtualFunction"));
    size_t i = standin_wait(g.ctl, "PUT", "/admin/hosts/itest-full-2", 1, 10000);
    assert_int_equal(json_array_size(json_object_get(g.ctl->calls[i].body, "physicalFunctions")),
                     2);
    free(b1);
    free(b2);
    free(b3);
    stop_ok(&g.a);
}

static void test_restart_keeps_inventory(void **state)
{
    (void)state;
    start_plain(NULL, "itest-restart-1");
    char *b[4];
    for (int i = 1; i <= 3; i++) {
        char path[64];
        b[i] = attach_body(VM1, (unsigned)i, 1, NULL);
        snprintf(path, sizeof path, "/v1/nics/aaaaaaaa-0000-4000-8000-00000000000%d", i);
        json_decref(call(&g.a, "PUT", path, b[i], 201, NULL));
    }
    char *p = policy_body(4, "kept");
    json_decref(call(&g.a, "PUT", "/v1/nics/" NIC(2) "/policy", p, 200, NULL));
    free(p);
    json_decref(call(&g.a, "DELETE", "/v1/nics/" NIC(1), NULL, 200, NULL));
    json_t *before = inventory(&g.a);
    char token[256], state_dir[480];
    snprintf(token, sizeof token, "%s", g.a.token);
    snprintf(state_dir, sizeof state_dir, "%s", g.a.state_dir);

    /* A second agent on the same state directory is refused. */
    struct itest_agent_opts o2 = {.plain_http = 1,
                                  .controller = g.ctl_url,
                                  .state_dir = state_dir,
                                  .host_name = "itest-restart-1"};
    assert_int_equal(itest_agent_spawn(&g.b, &o2), 0);
    assert_int_equal(itest_daemon_wait_exit(&g.b, 10000), 1);
    assert_true(log_contains(&g.b, "another accelnet-agent is using the state directory"));

    stop_ok(&g.a);
    struct itest_agent_opts o = {.plain_http = 1,
                                 .controller = g.ctl_url,
                                 .state_dir = state_dir,
                                 .host_name = "itest-restart-1"};
    size_t regs = standin_count(g.ctl, "PUT", "/admin/hosts/itest-restart-1");
    assert_int_equal(itest_agent_start(&g.a, &o), 0);
    assert_string_equal(g.a.token, token); /* the same callback token */
    json_t *after = inventory(&g.a);
    if (!json_equal(before, after)) {
        char *x = json_dumps(before, 0), *y = json_dumps(after, 0);
        fail_msg("inventory changed across a restart:\n%s\n%s", x, y);
    }
    json_decref(after);
    size_t i = standin_wait(g.ctl, "PUT", "/admin/hosts/itest-restart-1", regs + 1, 10000);
    assert_string_equal(jstr(g.ctl->calls[i].body, "callbackToken"), token);
    /* Idempotency holds across the restart. */
    json_decref(call(&g.a, "PUT", "/v1/nics/" NIC(2), b[2], 200, NULL));
    json_decref(call(&g.a, "PUT", "/v1/nics/" NIC(1), b[1], 201, NULL));
    p = policy_body(3, "older");
    json_decref(call(&g.a, "PUT", "/v1/nics/" NIC(2) "/policy", p, 409, "StalePolicyGeneration"));
    free(p);
    json_decref(call(&g.a, "DELETE", "/v1/nics/" NIC(1), NULL, 200, NULL));
    stop_ok(&g.a);

    /* PFs that lost a VF in use: the agent refuses to start (exit 1). */
    const char *fewer[] = {"--pf", "pf0,0000:03:00.0,15b3:1003,2", NULL};
    o.argv = fewer;
    assert_int_equal(itest_agent_spawn(&g.b, &o), 0);
    assert_int_equal(itest_daemon_wait_exit(&g.b, 10000), 1);
    assert_true(log_contains(&g.b, "configured with 2 VFs"));
    /* Back to the PFs it had: everything is still there. */
    o.argv = NULL;
    assert_int_equal(itest_agent_start(&g.a, &o), 0);
    json_t *again = inventory(&g.a);
    assert_true(json_equal(before, again));
    json_decref(again);
    json_decref(before);
    for (int k = 1; k <= 3; k++)
        free(b[k]);
    stop_ok(&g.a);
}

static void test_auth(void **state)
{
    (void)state;
    start_plain(NULL, "itest-auth-1");
    static const char *const paths[][2] = {{"GET", "/v1/health"},
                                           {"GET", "/v1/nics"},
                                           {"PUT", "/v1/nics/" NIC(1)},
                                           {"DELETE", "/v1/nics/" NIC(1)},
                                           {"PUT", "/v1/nics/" NIC(1) "/policy"},
                                           {"POST", "/v1/policies"},
                                           {"GET", "/v1/unknown"}};
    char wrong_len[300], basic[300], agent_token[300], flipped[300];
    snprintf(wrong_len, sizeof wrong_len, "Authorization: Bearer %sx", g.a.token);
    snprintf(basic, sizeof basic, "Authorization: Basic %s", g.a.token);
    snprintf(agent_token, sizeof agent_token, "Authorization: Bearer %s", ITEST_AGENT_TOKEN);
    snprintf(flipped, sizeof flipped, "Authorization: Bearer %s", g.a.token);
    char *last = flipped + strlen(flipped) - 1;
    *last = *last == 'A' ? 'B' : 'A';
    const char *const *variants[] = {
        (const char *const[]){NULL},
        (const char *const[]){"Authorization: Bearer", NULL},
        (const char *const[]){wrong_len, NULL},
        (const char *const[]){basic, NULL},
        (const char *const[]){agent_token, NULL},
        (const char *const[]){flipped, NULL},
    };
    char *b = attach_body(VM1, 1, 1, NULL);
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
            struct itest_req rq = {
                .method = paths[i][0],
                .path = paths[i][1],
                .auth = ITEST_AUTH_NONE,
                .headers = variants[v],
                .body =
                    strcmp(paths[i][0], "PUT") == 0 || strcmp(paths[i][0], "POST") == 0 ? b : NULL};
            struct itest_resp r;
            itest_do(&g.a, &rq, &r);
            if (r.status != 401)
                fail_msg("%s %s with auth variant %zu: %s", paths[i][0], paths[i][1], v,
                         itest_resp_str(&r));
            ITEST_EXPECT_ERROR(&r, 401, "AuthenticationFailed");
            assert_non_null(itest_header(&r, "WWW-Authenticate"));
            itest_resp_free(&r);
        }
    }
    free(b);
    assert_int_equal(inventory_size(&g.a), 0); /* and the right token works */
    stop_ok(&g.a);
}

static void test_https(void **state)
{
    (void)state;
    g.ctl = standin_start(0);
    g.ctl_url = standin_url(g.ctl);
    struct itest_agent_opts o = {.controller = g.ctl_url, .host_name = "itest-tls-1"};
    if (itest_agent_start(&g.a, &o) != 0)
        fail_msg("the agent did not start with TLS");
    assert_int_equal(strncmp(g.a.url, "https://", 8), 0);
    char *b = attach_body(VM1, 1, 1, NULL);
    json_t *j = call(&g.a, "PUT", "/v1/nics/" NIC(1), b, 201, NULL);
    expect_vf(j, "pf0", 0, "0000:03:00.1");
    json_decref(j);
    free(b);
    size_t i = standin_wait(g.ctl, "PUT", "/admin/hosts/itest-tls-1", 1, 10000);
    assert_string_equal(jstr(g.ctl->calls[i].body, "agentUrl"), g.a.url);
    stop_ok(&g.a);
}

/* --- shutdown ---------------------------------------------------------------------- */

struct inflight {
    const struct itest_daemon *d;
    const char *method, *path, *body;
    long timeout_ms;
    struct itest_resp resp;
    long long took_ms;
};

static void *inflight_call(void *arg)
{
    struct inflight *f = arg;
    struct itest_req rq = {
        .method = f->method, .path = f->path, .body = f->body, .timeout_ms = f->timeout_ms};
    long long t0 = itest_now_ms();
    itest_do(f->d, &rq, &f->resp);
    f->took_ms = itest_now_ms() - t0;
    return NULL;
}

static void test_sigterm_finishes_in_flight(void **state)
{
    (void)state;
    const char *argv[] = {"--test-delay-ms", "1500", NULL};
    start_plain(argv, "itest-term-1");
    char *b = attach_body(VM1, 1, 1, NULL);
    struct inflight f = {
        .d = &g.a, .method = "PUT", .path = "/v1/nics/" NIC(1), .body = b, .timeout_ms = 20000};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, inflight_call, &f), 0);
    itest_sleep_ms(400);
    kill(g.a.pid, SIGTERM);
    itest_sleep_ms(200);
    assert_true(itest_port_refuses(g.a.port)); /* no new connections */
    pthread_join(t, NULL);
    ITEST_EXPECT_STATUS(&f.resp, 201);
    itest_resp_free(&f.resp);
    assert_int_equal(itest_daemon_wait_exit(&g.a, 10000), 0);
    assert_true(log_contains(&g.a, "\"msg\":\"stopped\""));
    /* What the call did was kept. */
    struct itest_agent_opts o = {.plain_http = 1,
                                 .controller = g.ctl_url,
                                 .state_dir = g.a.state_dir,
                                 .host_name = "itest-term-1"};
    char state_dir[480];
    snprintf(state_dir, sizeof state_dir, "%s", g.a.state_dir);
    o.state_dir = state_dir;
    assert_int_equal(itest_agent_start(&g.b, &o), 0);
    assert_int_equal(inventory_size(&g.b), 1);
    free(b);
    kill(g.b.pid, SIGINT);
    assert_int_equal(itest_daemon_wait_exit(&g.b, 10000), 0);
}

/* Concurrent attaches: one VF per NIC id however many ask at once, and never
 * more VFs than there are. */
static void test_concurrent_attaches(void **state)
{
    enum { SAME = 8, MANY = 20 };
    (void)state;
    const char *argv[] = {"--http-threads", "8", NULL};
    start_plain(argv, "itest-race-1");
    char *b = attach_body(VM1, 1, 1, NULL);
    struct inflight f[MANY];
    pthread_t t[MANY];
    for (int i = 0; i < SAME; i++) {
        f[i] = (struct inflight){
            .d = &g.a, .method = "PUT", .path = "/v1/nics/" NIC(1), .body = b, .timeout_ms = 20000};
        assert_int_equal(pthread_create(&t[i], NULL, inflight_call, &f[i]), 0);
    }
    int created = 0, repeated = 0;
    for (int i = 0; i < SAME; i++) {
        pthread_join(t[i], NULL);
        created += f[i].resp.status == 201;
        repeated += f[i].resp.status == 200;
        itest_resp_free(&f[i].resp);
    }
    assert_int_equal(created, 1);
    assert_int_equal(repeated, SAME - 1);
    assert_int_equal(inventory_size(&g.a), 1);

    /* 20 NICs for the 15 VFs left. */
    char paths[MANY][64], *bodies[MANY];
    for (int i = 0; i < MANY; i++) {
        snprintf(paths[i], sizeof paths[i], "/v1/nics/bbbbbbbb-0000-4000-8000-%012d", i);
        bodies[i] = attach_body(VM2, (unsigned)(100 + i), 1, NULL);
        f[i] = (struct inflight){
            .d = &g.a, .method = "PUT", .path = paths[i], .body = bodies[i], .timeout_ms = 20000};
        assert_int_equal(pthread_create(&t[i], NULL, inflight_call, &f[i]), 0);
    }
    int ok = 0, full = 0;
    for (int i = 0; i < MANY; i++) {
        pthread_join(t[i], NULL);
        ok += f[i].resp.status == 201;
        full += f[i].resp.status == 409 &&
                strcmp(itest_error_code(&f[i].resp), "NoFreeVirtualFunction") == 0;
        itest_resp_free(&f[i].resp);
        free(bodies[i]);
    }
    assert_int_equal(ok, 15);
    assert_int_equal(full, MANY - 15);
    /* Every VF index once. */
    json_t *j = inventory(&g.a);
    json_t *v = json_object_get(j, "value");
    assert_int_equal(json_array_size(v), 16);
    int seen[16] = {0};
    for (size_t i = 0; i < 16; i++) {
        long long idx = jint(json_object_get(json_array_get(v, i), "vf"), "vfIndex");
        assert_true(idx >= 0 && idx < 16);
        assert_int_equal(seen[idx]++, 0);
    }
    json_decref(j);
    free(b);
    stop_ok(&g.a);
}

/* --- fault injection ----------------------------------------------------------------- */

static void test_fault_fail_rate(void **state)
{
    (void)state;
    const char *argv[] = {"--test-fail-rate", "1", NULL};
    start_plain(argv, "itest-fail-1");
    assert_true(log_soon(&g.a, "TEST fault injection is on", 5000));
    char *b = attach_body(VM1, 1, 1, NULL);
    struct itest_req rq = {.method = "PUT", .path = "/v1/nics/" NIC(1), .body = b};
    struct itest_resp r;
    itest_do(&g.a, &rq, &r);
    ITEST_EXPECT_ERROR(&r, 503, "ServiceUnavailable");
    assert_non_null(itest_header(&r, "Retry-After"));
    assert_non_null(strstr(itest_error_message(&r), "--test-fail-rate"));
    itest_resp_free(&r);
    char *p = policy_body(2, "x");
    json_decref(call(&g.a, "PUT", "/v1/nics/" NIC(1) "/policy", p, 503, "ServiceUnavailable"));
    json_decref(call(&g.a, "DELETE", "/v1/nics/" NIC(1), NULL, 503, "ServiceUnavailable"));
    json_decref(call(
        &g.a, "POST", "/v1/policies",
        "{\"ruleSets\":[[]],\"nics\":[{\"nicId\":\"" NIC(1) "\",\"generation\":2,\"ruleSet\":0}]}",
        503, "ServiceUnavailable"));
    free(p);
    /* Reads are not failed, and nothing was changed. */
    json_decref(call(&g.a, "GET", "/v1/health", NULL, 200, NULL));
    assert_int_equal(inventory_size(&g.a), 0);
    stop_ok(&g.a);

    /* Half of them: what succeeded is exactly what the inventory has. */
    teardown(NULL);
    const char *half[] = {"--test-fail-rate", "0.5", "--pf", "pf0,0000:03:00.0,15b3:1003,64", NULL};
    start_plain(half, "itest-fail-2");
    int ok = 0, failed = 0;
    for (unsigned i = 0; i < 40; i++) {
        char path[64];
        char *bi = attach_body(VM1, i, 1, NULL);
        snprintf(path, sizeof path, "/v1/nics/aaaaaaaa-0000-4000-8000-%012u", i);
        struct itest_req q = {.method = "PUT", .path = path, .body = bi};
        itest_do(&g.a, &q, &r);
        if (r.status == 201)
            ok++;
        else if (r.status == 503)
            failed++;
        else
            fail_msg("PUT %s: %s", path, itest_resp_str(&r));
        itest_resp_free(&r);
        free(bi);
    }
    assert_true(ok > 0 && failed > 0);
    assert_int_equal(inventory_size(&g.a), (size_t)ok);
    free(b);
    stop_ok(&g.a);
}

static void test_fault_delay_and_hang(void **state)
{
    (void)state;
    char hang[600];
    snprintf(hang, sizeof hang, "%s/it_agent-%ld.hang", itest_env("ACCELNET_TEST_TMP"),
             (long)getpid());
    unlink(hang);
    const char *argv[] = {"--test-delay-ms", "300", "--test-hang-file", hang, NULL};
    start_plain(argv, "itest-hang-1");
    char *b = attach_body(VM1, 1, 1, NULL);
    long long t0 = itest_now_ms();
    json_decref(call(&g.a, "PUT", "/v1/nics/" NIC(1), b, 201, NULL));
    assert_true(itest_now_ms() - t0 >= 300);

    /* While the file exists, calls block. */
    FILE *f = fopen(hang, "w");
    assert_non_null(f);
    fclose(f);
    struct itest_req rq = {.method = "GET", .path = "/v1/nics", .timeout_ms = 1000};
    struct itest_resp r;
    itest_do(&g.a, &rq, &r);
    if (r.status != 0)
        fail_msg("a call answered while the hang file exists: %s", itest_resp_str(&r));
    itest_resp_free(&r);
    struct inflight fl = {
        .d = &g.a, .method = "PUT", .path = "/v1/nics/" NIC(1), .body = b, .timeout_ms = 20000};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, inflight_call, &fl), 0);
    itest_sleep_ms(700);
    unlink(hang);
    pthread_join(t, NULL);
    ITEST_EXPECT_STATUS(&fl.resp, 200);
    assert_true(fl.took_ms >= 700);
    itest_resp_free(&fl.resp);
    assert_true(log_contains(&g.a, "test fault: hanging"));

    /* SIGTERM releases a hung call, which still finishes, and the agent exits 0. */
    f = fopen(hang, "w");
    assert_non_null(f);
    fclose(f);
    fl = (struct inflight){
        .d = &g.a, .method = "DELETE", .path = "/v1/nics/" NIC(1), .timeout_ms = 20000};
    assert_int_equal(pthread_create(&t, NULL, inflight_call, &fl), 0);
    itest_sleep_ms(500);
    kill(g.a.pid, SIGTERM);
    pthread_join(t, NULL);
    ITEST_EXPECT_STATUS(&fl.resp, 200);
    itest_resp_free(&fl.resp);
    assert_int_equal(itest_daemon_wait_exit(&g.a, 10000), 0);
    unlink(hang);
    free(b);
}

/* --- settings ------------------------------------------------------------------------ */

static void test_bad_settings_exit_2(void **state)
{
    (void)state;
    static const struct {
        const char *flag, *value, *env, *says;
    } cases[] = {
        {"--vcpus", "abc", NULL, "--vcpus"},
        {"--pf", "pf0,0000:03:00.0,15b3:1003", NULL, "--pf"},
        {"--pf", "pf0,0000:03:00.0,dead:beef,4", NULL, "not an adapter the agent knows"},
        {"--test-fail-rate", "2", NULL, "--test-fail-rate"},
        {"--backend", "sriov", NULL, "--backend"},
        {NULL, NULL, "ACCELNET_AGENT_FAULT_DOMAIN=x", "ACCELNET_AGENT_FAULT_DOMAIN"},
        {NULL, NULL, "ACCELNET_AGENT_LISTEN=10.9.9.9:1", "loopback"},
        {NULL, NULL, "ACCELNET_AGENT_CONTROLLER=http://accelnet.example", "clear"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *argv[] = {cases[i].flag, cases[i].value, NULL};
        const char *env[] = {cases[i].env, NULL};
        struct itest_agent_opts o = {.plain_http = 1,
                                     .controller = "http://127.0.0.1:1",
                                     .argv = cases[i].flag ? argv : NULL,
                                     .env = cases[i].env ? env : NULL};
        assert_int_equal(itest_agent_spawn(&g.a, &o), 0);
        int rc = itest_daemon_wait_exit(&g.a, 10000);
        if (rc != 2) {
            itest_daemon_log_tail(&g.a, 10);
            fail_msg("case %zu: exit %d, expected 2", i, rc);
        }
        if (!log_contains(&g.a, cases[i].says)) {
            itest_daemon_log_tail(&g.a, 10);
            fail_msg("case %zu: the message does not say %s", i, cases[i].says);
        }
    }
    /* --help documents the flags and exits 0. */
    const char *help[] = {"--help", NULL};
    struct itest_agent_opts o = {.plain_http = 1, .controller = "http://127.0.0.1:1", .argv = help};
    assert_int_equal(itest_agent_spawn(&g.a, &o), 0);
    assert_int_equal(itest_daemon_wait_exit(&g.a, 10000), 0);
    assert_true(log_contains(&g.a, "--test-hang-file"));
    assert_true(log_contains(&g.a, "ACCELNET_AGENT_PF"));
}

/* --- with a real accelnetd ----------------------------------------------------------- */

static const char *const e2e_daemon_env[] = {"ACCELNET_HOST_HEARTBEAT_INTERVAL=1",
                                             "ACCELNET_HOST_HEARTBEAT_TIMEOUT=3", NULL};

/* An agent token from POST /admin/tokens, into token. */
static void issue_agent_token(const struct itest_daemon *d, char token[128])
{
    struct itest_resp r;
    itest_request(d, "POST", "/admin/tokens?" ITEST_AV, NULL,
                  "{\"role\":\"agent\",\"description\":\"it_agent\"}", &r);
    ITEST_EXPECT_STATUS(&r, 201);
    snprintf(token, 128, "%s", jstr(r.json, "token"));
    itest_resp_free(&r);
}

/* GET /admin/hosts/{name} until pred holds (or fail after timeout_ms);
 * returns the host object (caller decrefs). */
static json_t *host_until(const struct itest_daemon *d, const char *name,
                          int (*pred)(const json_t *host, const void *arg), const void *arg,
                          long timeout_ms, const char *what)
{
    char path[128];
    snprintf(path, sizeof path, "/admin/hosts/%s?" ITEST_AV, name);
    long long deadline = itest_now_ms() + timeout_ms;
    for (;;) {
        struct itest_resp r;
        itest_request(d, "GET", path, NULL, NULL, &r);
        if (r.status == 200 && pred(r.json, arg)) {
            json_t *h = json_incref(r.json);
            itest_resp_free(&r);
            return h;
        }
        if (itest_now_ms() > deadline)
            fail_msg("host %s: not %s after %ld ms (last: %s)", name, what, timeout_ms,
                     itest_resp_str(&r));
        itest_resp_free(&r);
        itest_sleep_ms(100);
    }
}

static int host_health_is(const json_t *h, const void *arg)
{
    const char *v = json_string_value(json_object_get(h, "health"));
    return v && strcmp(v, arg) == 0;
}

static int host_agent_in_use_is(const json_t *h, const void *arg)
{
    const json_t *vfs = json_object_get(json_object_get(h, "capacity"), "virtualFunctions");
    const json_t *v = json_object_get(vfs, "agentInUse");
    return json_is_integer(v) && json_integer_value(v) == *(const long long *)arg;
}

static int host_heartbeat_after(const json_t *h, const void *arg)
{
    const char *v = json_string_value(json_object_get(h, "lastHeartbeat"));
    return v && strcmp(v, arg) > 0; /* RFC 3339 in UTC: text order is time order */
}

static void test_with_accelnetd(void **state)
{
    (void)state;
    char *conninfo = itest_db_create("it_agent");
    struct itest_daemon_opts dopts = {.env = e2e_daemon_env};
    if (itest_daemon_start(&g.b, conninfo, &dopts) != 0)
        fail_msg("accelnetd did not start");
    char token_a[128], token_b[128];
    issue_agent_token(&g.b, token_a);
    issue_agent_token(&g.b, token_b);

    /* The agent registers (HTTPS both ways, the test CA) and is Healthy. */
    const char *argv[] = {"--vcpus", "32", NULL};
    struct itest_agent_opts o = {
        .controller = g.b.url, .token = token_a, .host_name = "e2e-host-1", .argv = argv};
    if (itest_agent_start(&g.a, &o) != 0)
        fail_msg("the agent did not start");
    json_t *h = host_until(&g.b, "e2e-host-1", host_health_is, "Healthy", 10000, "Healthy");
    assert_string_equal(jstr(h, "agentUrl"), g.a.url);
    assert_string_equal(jstr(h, "location"), "westeurope");
    assert_string_equal(jstr(h, "backend"), "sim");
    assert_string_equal(jstr(h, "agentVersion"), "0.1.0");
    assert_string_equal(jstr(h, "state"), "Enabled");
    json_t *cap = json_object_get(h, "capacity");
    assert_int_equal(jint(json_object_get(cap, "vcpus"), "total"), 32);
    assert_int_equal(jint(json_object_get(cap, "virtualFunctions"), "total"), 16);
    json_t *pf = json_array_get(json_object_get(h, "physicalFunctions"), 0);
    assert_string_equal(jstr(pf, "pciAddress"), "0000:03:00.0");
    assert_string_equal(jstr(pf, "vfDeviceId"), "1004");
    char *text = json_dumps(h, 0);
    assert_null(strstr(text, g.a.token)); /* the callback token is never shown */
    free(text);
    char first_beat[64];
    snprintf(first_beat, sizeof first_beat, "%s", jstr(h, "lastHeartbeat"));
    json_decref(h);
    /* Heartbeats at accelnetd's interval (1 s here). */
    json_decref(
        host_until(&g.b, "e2e-host-1", host_heartbeat_after, first_beat, 5000, "heartbeating"));

    /* accelnetd's own agent client against the real agent. */
    struct agentc_opts co = {.timeout_ms = 5000,
                             .retries = 1,
                             .retry_base_ms = 50,
                             .retry_max_ms = 200,
                             .ca_file = itest_env("ACCELNET_TEST_TLS_CERT"),
                             .max_in_flight = 4,
                             .max_per_host = 2};
    struct agentc *ac = agentc_new(&co);
    assert_non_null(ac);
    struct agentc_target t = {.host = "e2e-host-1", .url = g.a.url, .token = g.a.token};
    struct agentc_error err;
    struct agentc_nic nic;
    struct agentc_health health;
    json_t *rules = json_loads("[" DEFAULT_RULES "]", 0, NULL);
    struct agentc_attach at = {.vm_id = VM1,
                               .mac_address = "00-0D-3A-00-00-01",
                               .ip_address = "10.0.0.4",
                               .prefix_length = 24,
                               .gateway = "10.0.0.1",
                               .segment_id = 4096,
                               .policy_generation = 3,
                               .rules = rules};
    int created = -1, detached = -1;
    if (agentc_attach(ac, &t, NIC(1), &at, &nic, &created, &err) != 0)
        fail_msg("attach: %s %s", err.code, err.message);
    assert_int_equal(created, 1);
    assert_string_equal(nic.nic_id, NIC(1));
    assert_string_equal(nic.vf.pci_address, "0000:03:00.1");
    assert_string_equal(nic.vf.representor, "pf0vf0");
    assert_string_equal(nic.vf.device_id, "1004");
    assert_int_equal(agentc_attach(ac, &t, NIC(1), &at, &nic, &created, &err), 0);
    assert_int_equal(created, 0);
    assert_int_equal(agentc_set_policy(ac, &t, NIC(1), 5, rules, &nic, &err), 0);
    assert_int_equal(nic.policy_generation, 5);
    assert_int_equal(agentc_set_policy(ac, &t, NIC(1), 4, rules, &nic, &err), -1);
    assert_string_equal(err.code, "StalePolicyGeneration");
    assert_int_equal(agentc_set_policy(ac, &t, NIC(2), 4, rules, &nic, &err), -1);
    assert_string_equal(err.code, "NicNotFound");
    /* The same in one batch. */
    struct agentc_policy pol[3] = {{.nic_id = NIC(1), .generation = 6, .rules = rules},
                                   {.nic_id = NIC(2), .generation = 4, .rules = rules},
                                   {.nic_id = NIC(1), .generation = 0}};
    struct agentc_call bc = {
        .op = AGENTC_SET_POLICIES, .target = t, .policies = pol, .npolicies = 2};
    assert_int_equal(agentc_run(ac, &bc, 1), 0);
    assert_int_equal(bc.per_nic, 0);
    assert_int_equal(pol[0].err.kind, AGENTC_OK);
    assert_int_equal(pol[0].policy_generation, 6);
    assert_string_equal(pol[1].err.code, "NicNotFound");
    pol[0].generation = 5;
    assert_int_equal(agentc_run(ac, &bc, 1), 0);
    assert_string_equal(pol[0].err.code, "StalePolicyGeneration");
    assert_int_equal(pol[0].policy_generation, 6);
    /* A NIC twice: the agent refuses the batch (400), and the client sends
     * the NICs one by one, so that only what is wrong fails. */
    bc.npolicies = 3;
    agentc_run(ac, &bc, 1);
    assert_int_equal(bc.per_nic, 1);
    assert_string_equal(pol[0].err.code, "StalePolicyGeneration");
    assert_string_equal(pol[1].err.code, "NicNotFound");
    assert_int_equal(pol[2].err.kind, AGENTC_E_HTTP);
    assert_string_equal(pol[2].err.code, "StalePolicyGeneration"); /* generation 0 < 6 */
    assert_int_equal(agentc_set_policy(ac, &t, NIC(1), 5, rules, &nic, &err), -1);
    struct agentc_nic *list = NULL;
    size_t n = 0;
    assert_int_equal(agentc_inventory(ac, &t, &list, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].policy_generation, 6);
    free(list);
    assert_int_equal(agentc_health(ac, &t, &health, &err), 0);
    assert_string_equal(health.status, "ok");
    assert_string_equal(health.host_name, "e2e-host-1");
    assert_int_equal(health.vfs_total, 16);
    assert_int_equal(health.vfs_in_use, 1);
    struct agentc_target wrong = t;
    wrong.token = token_a; /* the controller token is not the callback token */
    assert_int_equal(agentc_health(ac, &wrong, &health, &err), -1);
    assert_string_equal(err.code, "AuthenticationFailed");
    /* The heartbeat tells accelnetd what is in use. */
    long long one = 1, zero = 0;
    json_decref(
        host_until(&g.b, "e2e-host-1", host_agent_in_use_is, &one, 5000, "reporting 1 VF in use"));
    assert_int_equal(agentc_detach(ac, &t, NIC(1), &detached, &err), 0);
    assert_int_equal(detached, 1);
    assert_int_equal(agentc_detach(ac, &t, NIC(1), &detached, &err), 0);
    assert_int_equal(detached, 0);
    json_decref(host_until(&g.b, "e2e-host-1", host_agent_in_use_is, &zero, 5000,
                           "reporting 0 VFs in use"));
    json_decref(rules);
    agentc_free(ac);

    /* Another agent token may not take the host name: the second agent is
     * refused (409 HostOwnedByAnotherAgent, logged, retried) and still serves. */
    struct itest_daemon other;
    const char *fast[] = {"--register-retry-max-ms", "300", NULL};
    struct itest_agent_opts o2 = {
        .controller = g.b.url, .token = token_b, .host_name = "e2e-host-1", .argv = fast};
    assert_int_equal(itest_agent_start(&other, &o2), 0);
    long long deadline = itest_now_ms() + 5000;
    while (!log_contains(&other, "HostOwnedByAnotherAgent") && itest_now_ms() < deadline)
        itest_sleep_ms(50);
    assert_true(log_contains(&other, "HostOwnedByAnotherAgent"));
    assert_int_equal(inventory_size(&other), 0);
    h = host_until(&g.b, "e2e-host-1", host_health_is, "Healthy", 1000, "Healthy");
    assert_string_equal(jstr(h, "agentUrl"), g.a.url); /* still the first agent's */
    json_decref(h);
    assert_int_equal(itest_daemon_stop(&other, 15000), 0);

    /* The agent stops: the host turns Unhealthy; it comes back: Healthy. */
    char state_dir[480];
    snprintf(state_dir, sizeof state_dir, "%s", g.a.state_dir);
    stop_ok(&g.a);
    json_decref(host_until(&g.b, "e2e-host-1", host_health_is, "Unhealthy", 10000, "Unhealthy"));
    o.state_dir = state_dir;
    assert_int_equal(itest_agent_start(&g.a, &o), 0);
    json_decref(host_until(&g.b, "e2e-host-1", host_health_is, "Healthy", 10000, "Healthy"));
    stop_ok(&g.a);
    assert_int_equal(itest_daemon_stop(&g.b, 15000), 0);
    free(conninfo);
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, teardown)
    const struct CMUnitTest tests[] = {
        T(test_registration_and_heartbeat),
        T(test_controller_down_then_up),
        T(test_attach_inventory_policy_detach),
        T(test_bad_requests),
        T(test_policies_batch),
        T(test_policies_batch_invalid),
        T(test_policies_batch_switched_off),
        T(test_vf_exhaustion),
        T(test_restart_keeps_inventory),
        T(test_auth),
        T(test_https),
        T(test_sigterm_finishes_in_flight),
        T(test_concurrent_attaches),
        T(test_fault_fail_rate),
        T(test_fault_delay_and_hang),
        T(test_bad_settings_exit_2),
        T(test_with_accelnetd),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
