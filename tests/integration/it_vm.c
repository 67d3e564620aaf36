/* it_vm — virtual machines end to end: a real accelnetd, real accelnet-agent
 * processes (sim backend, HTTPS both ways) registered with it, and the
 * operation engine in between.
 *
 *   - creates with one and several accelerated NICs: the VFs on the NICs and
 *     in the agents' own inventories (GET /v1/nics with the callback token
 *     from the hosts table);
 *   - every refusal with its code;
 *   - delete, deallocate and start; the resource-group cascade;
 *   - capacity never exceeded under concurrent creates (few VFs, many VMs),
 *     and the database's counters equal to the agents' inventories;
 *   - an agent killed during creates, accelnetd SIGKILLed during creates and
 *     restarted, two accelnetd processes on one database. */
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

#include "tests/integration/itest.h"

#define AV ITEST_AV

#define SUB     "b0000001-0000-4000-8000-000000000001"
#define SUB_NO  "b0000002-0000-4000-8000-000000000002" /* not registered for the feature */
#define NETP    "/providers/Microsoft.Network"
#define COMPUTE "/providers/Microsoft.Compute"

#define SIZE_AN  "Standard_D15_v2"
#define IMAGE_AN "MicrosoftWindowsServer", "WindowsServer", "2012-R2-Datacenter"
#define GUEST_VF "Mellanox ConnectX-3 Virtual Function Ethernet Adapter"
#define NAGENTS  3
#define HOST_VFS 4

static const char *daemon_env[] = {
    "ACCELNET_HOST_HEARTBEAT_INTERVAL=1",
    "ACCELNET_HOST_HEARTBEAT_TIMEOUT=4",
    "ACCELNET_AGENT_TIMEOUT_MS=1500",
    "ACCELNET_AGENT_RETRIES=1",
    "ACCELNET_AGENT_RETRY_BASE_MS=50",
    "ACCELNET_OPS_POLL_MS=200",
    "ACCELNET_OPS_LEASE_S=3",
    "ACCELNET_OPS_RETRY_AFTER=1",
    "ACCELNET_WORKERS=4",
    "ACCELNET_DB_POOL_SIZE=16",
    /* The shortest: test_retention; every test polls its operations at once. */
    "ACCELNET_RETENTION_S=60",
    NULL, /* ACCELNET_AGENT_CA_FILE, filled in setup */
    NULL,
};

static struct {
    char *conninfo;
    struct itest_daemon d;
    struct itest_daemon agents[NAGENTS];
    char agent_token[128];
    char ca_env[600];
} g;

static const char *const host_names[NAGENTS] = {"vm-host-1", "vm-host-2", "vm-host-wcus"};

/* --- helpers -------------------------------------------------------------------- */

static void call_on(const struct itest_daemon *d, const char *method, const char *path,
                    const char *body, struct itest_resp *r)
{
    struct itest_req rq = {.method = method, .path = path, .auth = ITEST_AUTH_ADMIN, .body = body};
    itest_do(d, &rq, r);
    if (itest_header(r, "x-ms-request-id") == NULL && r->status > 0)
        fail_msg("%s %s: no x-ms-request-id: %s", method, path, itest_resp_str(r));
}

static void call(const char *method, const char *path, const char *body, struct itest_resp *r)
{
    call_on(&g.d, method, path, body, r);
}

static json_t *jget(const json_t *o, const char *path)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *cur = (json_t *)o;
    char *p = buf;
    while (cur && *p) {
        size_t n = strcspn(p, ".[");
        if (n) {
            char c = p[n];
            p[n] = '\0';
            cur = json_object_get(cur, p);
            p[n] = c;
            p += n;
        }
        if (*p == '[') {
            cur = json_array_get(cur, strtoul(p + 1, &p, 10));
            if (*p == ']')
                p++;
        }
        if (*p == '.')
            p++;
    }
    return cur;
}

static const char *jstr(const json_t *o, const char *path)
{
    return json_string_value(jget(o, path));
}

static void expect_str(const struct itest_resp *r, const char *path, const char *want)
{
    const char *v = jstr(r->json, path);
    if (v == NULL || strcmp(v, want) != 0)
        fail_msg("expected %s = \"%s\", got %s", path, want, itest_resp_str(r));
}

/* call() and check the status (and error code when code != NULL); frees r. */
static void expect(const char *method, const char *path, const char *body, long status,
                   const char *code)
{
    struct itest_resp r;
    call(method, path, body, &r);
    if (r.status != status || (code != NULL && (itest_error_code(&r) == NULL ||
                                                strcmp(itest_error_code(&r), code) != 0))) {
        char got[900];
        snprintf(got, sizeof got, "%s", itest_resp_str(&r));
        itest_resp_free(&r);
        fail_msg("%s %s: expected %ld%s%s, got %s", method, path, status, code ? " " : "",
                 code ? code : "", got);
    }
    if (code != NULL) {
        const char *h = itest_header(&r, "x-ms-error-code");
        if (h == NULL || strcmp(h, code) != 0)
            fail_msg("%s %s: x-ms-error-code should be %s, got %s", method, path, code,
                     h ? h : "(none)");
    }
    itest_resp_free(&r);
}

/* details[] holds an entry with this target and code. */
static int has_detail(const struct itest_resp *r, const char *target, const char *code)
{
    size_t i;
    json_t *d;
    json_array_foreach(jget(r->json, "error.details"), i, d)
    {
        const char *t = json_string_value(json_object_get(d, "target"));
        const char *c = json_string_value(json_object_get(d, "code"));
        if (t && strcmp(t, target) == 0 && c && strcmp(c, code) == 0)
            return 1;
    }
    const char *t = jstr(r->json, "error.target");
    const char *c = jstr(r->json, "error.code");
    return t && c && strcmp(t, target) == 0 && strcmp(c, code) == 0;
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

static char *pg_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *pg_text(const char *fmt, ...)
{
    char sql[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    return itest_pg_value(g.conninfo, sql);
}

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

/* Paths, in rotating static buffers. */
static char *pbuf(void)
{
    static char bufs[64][600];
    static int next;
    return bufs[next++ % 64];
}

static const char *rg_url(const char *sub, const char *rg)
{
    char *b = pbuf();
    snprintf(b, 600, "/subscriptions/%s/resourcegroups/%s?" AV, sub, rg);
    return b;
}

static const char *nic_id(const char *sub, const char *rg, const char *name)
{
    char *b = pbuf();
    snprintf(b, 600, "/subscriptions/%s/resourceGroups/%s" NETP "/networkInterfaces/%s", sub, rg,
             name);
    return b;
}

static const char *nic_url(const char *sub, const char *rg, const char *name)
{
    char *b = pbuf();
    snprintf(b, 600, "/subscriptions/%s/resourceGroups/%s" NETP "/networkInterfaces/%s?" AV, sub,
             rg, name);
    return b;
}

static const char *vm_url(const char *sub, const char *rg, const char *name, const char *action)
{
    char *b = pbuf();
    snprintf(b, 600, "/subscriptions/%s/resourceGroups/%s" COMPUTE "/virtualMachines/%s%s%s?" AV,
             sub, rg, name, action ? "/" : "", action ? action : "");
    return b;
}

static void put_ok(const char *path, const char *body)
{
    struct itest_resp r;
    call("PUT", path, body, &r);
    if (r.status != 201 && r.status != 200)
        fail_msg("PUT %s: %s", path, itest_resp_str(&r));
    itest_resp_free(&r);
}

static void set_feature(const char *sub, const char *state)
{
    pg_exec("DELETE FROM feature_registrations WHERE subscription_id = '%s'", sub);
    if (*state)
        pg_exec("INSERT INTO feature_registrations (subscription_id, namespace, feature, state)"
                " VALUES ('%s', 'Microsoft.Network', 'AllowAcceleratedNetworkingFeature', '%s')",
                sub, state);
}

/* A resource group with a VNet (10.0.0.0/16, subnet "s" 10.0.0.0/24 with
 * NSG "subnet-nsg"), and an NSG "nic-nsg" with one rule, all in location. */
static void put_network(const char *sub, const char *rg, const char *location)
{
    char body[1200];
    char rgbody[96];
    snprintf(rgbody, sizeof rgbody, "{\"location\":\"%s\"}", location);
    put_ok(rg_url(sub, rg), rgbody);
    snprintf(body, sizeof body,
             "{\"location\":\"%s\",\"properties\":{\"securityRules\":[{\"name\":\"rdp\","
             "\"properties\":{\"priority\":100,\"direction\":\"Inbound\",\"access\":\"Allow\","
             "\"protocol\":\"Tcp\",\"sourceAddressPrefix\":\"*\",\"sourcePortRange\":\"*\","
             "\"destinationAddressPrefix\":\"*\",\"destinationPortRange\":\"3389\"}}]}}",
             location);
    char *p = pbuf();
    snprintf(p, 600,
             "/subscriptions/%s/resourceGroups/%s" NETP "/networkSecurityGroups/nic-nsg?" AV, sub,
             rg);
    put_ok(p, body);
    snprintf(body, sizeof body,
             "{\"location\":\"%s\",\"properties\":{\"securityRules\":[{\"name\":\"deny-telnet\","
             "\"properties\":{\"priority\":200,\"direction\":\"Inbound\",\"access\":\"Deny\","
             "\"protocol\":\"Tcp\",\"sourceAddressPrefix\":\"Internet\",\"sourcePortRange\":\"*\","
             "\"destinationAddressPrefix\":\"*\",\"destinationPortRange\":\"23\"}}]}}",
             location);
    p = pbuf();
    snprintf(p, 600,
             "/subscriptions/%s/resourceGroups/%s" NETP "/networkSecurityGroups/subnet-nsg?" AV,
             sub, rg);
    put_ok(p, body);
    snprintf(body, sizeof body,
             "{\"location\":\"%s\",\"properties\":{\"addressSpace\":{\"addressPrefixes\":"
             "[\"10.0.0.0/16\"]},\"subnets\":[{\"name\":\"s\",\"properties\":{\"addressPrefix\":"
             "\"10.0.0.0/24\",\"networkSecurityGroup\":{\"id\":\"/subscriptions/%s/resourceGroups/"
             "%s" NETP "/networkSecurityGroups/subnet-nsg\"}}}]}}",
             location, sub, rg);
    p = pbuf();
    snprintf(p, 600, "/subscriptions/%s/resourceGroups/%s" NETP "/virtualNetworks/vnet?" AV, sub,
             rg);
    put_ok(p, body);
}

/* A NIC in subnet "s" of the group's VNet. */
static void put_nic(const char *sub, const char *rg, const char *name, const char *location,
                    int accelerated, int with_nsg)
{
    char body[1200], nsg[400] = "";
    if (with_nsg)
        snprintf(nsg, sizeof nsg,
                 ",\"networkSecurityGroup\":{\"id\":\"/subscriptions/%s/resourceGroups/%s" NETP
                 "/networkSecurityGroups/nic-nsg\"}",
                 sub, rg);
    snprintf(body, sizeof body,
             "{\"location\":\"%s\",\"properties\":{\"enableAcceleratedNetworking\":%s%s,"
             "\"ipConfigurations\":[{\"name\":\"ipconfig1\",\"properties\":{\"subnet\":{\"id\":"
             "\"/subscriptions/%s/resourceGroups/%s" NETP "/virtualNetworks/vnet/subnets/s\"}}}]}}",
             location, accelerated ? "true" : "false", nsg, sub, rg);
    put_ok(nic_url(sub, rg, name), body);
}

/* A VM body: nics is a NULL-terminated list of NIC names in rg; the first
 * is primary when there are several (primary < 0: none is). */
static char *vm_body_ex(const char *sub, const char *rg, const char *location, const char *size,
                        const char *pub, const char *offer, const char *sku,
                        const char *const *nics, int primary)
{
    char *out = NULL;
    size_t n = 0;
    char refs[4096] = "";
    size_t count = 0;
    while (nics[count])
        count++;
    for (size_t i = 0; i < count; i++) {
        char one[700];
        if (count > 1)
            snprintf(one, sizeof one, "%s{\"id\":\"%s\",\"properties\":{\"primary\":%s}}",
                     i ? "," : "", nic_id(sub, rg, nics[i]), (int)i == primary ? "true" : "false");
        else
            snprintf(one, sizeof one, "{\"id\":\"%s\"}", nic_id(sub, rg, nics[i]));
        size_t have = strlen(refs);
        snprintf(refs + have, sizeof refs - have, "%s", one);
    }
    FILE *f = open_memstream(&out, &n);
    fprintf(f,
            "{\"location\":\"%s\",\"properties\":{\"hardwareProfile\":{\"vmSize\":\"%s\"},"
            "\"storageProfile\":{\"imageReference\":{\"publisher\":\"%s\",\"offer\":\"%s\","
            "\"sku\":\"%s\",\"version\":\"latest\"}},\"osProfile\":{\"computerName\":\"vm\","
            "\"adminUsername\":\"azureuser\",\"adminPassword\":\"S3cret-Passw0rd!\"},"
            "\"networkProfile\":{\"networkInterfaces\":[%s]}}}",
            location, size, pub, offer, sku, refs);
    fclose(f);
    return out;
}

static char *vm_body(const char *sub, const char *rg, const char *const *nics)
{
    return vm_body_ex(sub, rg, "westeurope", SIZE_AN, IMAGE_AN, nics, 0);
}

/* The path (and query) of an absolute URL from a header. */
static const char *url_path(const char *url)
{
    const char *p = strstr(url, "://");
    return p ? strchr(p + 3, '/') : url;
}

/* Polls an Azure-AsyncOperation URL until the operation ends; returns its
 * status object (caller decrefs). */
static json_t *wait_op_on(const struct itest_daemon *d, const char *async_url, long timeout_ms)
{
    char path[700];
    snprintf(path, sizeof path, "%s", url_path(async_url));
    long long deadline = itest_now_ms() + timeout_ms;
    for (;;) {
        struct itest_resp r;
        call_on(d, "GET", path, NULL, &r);
        if (r.status == 200 && strcmp(jstr(r.json, "status"), "InProgress") != 0) {
            json_t *o = json_incref(r.json);
            itest_resp_free(&r);
            return o;
        }
        if (r.status != 200 && r.status != 0)
            fail_msg("GET %s: %s", path, itest_resp_str(&r));
        itest_resp_free(&r);
        if (itest_now_ms() > deadline)
            fail_msg("operation %s still in progress after %ld ms", path, timeout_ms);
        itest_sleep_ms(100);
    }
}

static json_t *wait_op(const char *async_url)
{
    return wait_op_on(&g.d, async_url, 30000);
}

/* PUTs a VM and waits for the creation; returns the operation's final
 * status object (caller decrefs). */
static json_t *create_vm(const char *sub, const char *rg, const char *name, const char *body)
{
    struct itest_resp r;
    call("PUT", vm_url(sub, rg, name, NULL), body, &r);
    ITEST_EXPECT_STATUS(&r, 201);
    expect_str(&r, "properties.provisioningState", "Creating");
    const char *async = itest_header(&r, "Azure-AsyncOperation");
    assert_non_null(async);
    assert_non_null(itest_header(&r, "Location"));
    assert_non_null(itest_header(&r, "Retry-After"));
    json_t *op = wait_op(async);
    itest_resp_free(&r);
    return op;
}

static void expect_op(json_t *op, const char *status, const char *code)
{
    const char *s = jstr(op, "status");
    if (!s || strcmp(s, status) != 0 ||
        (code && (!jstr(op, "error.code") || strcmp(jstr(op, "error.code"), code) != 0))) {
        char *t = json_dumps(op, 0);
        fail_msg("expected operation %s%s%s, got %s", status, code ? " " : "", code ? code : "", t);
    }
}

/* An action (DELETE, POST deallocate/start) that answers 202; waits. */
static json_t *vm_action(const char *method, const char *sub, const char *rg, const char *name,
                         const char *action)
{
    struct itest_resp r;
    call(method, vm_url(sub, rg, name, action), NULL, &r);
    ITEST_EXPECT_STATUS(&r, 202);
    const char *async = itest_header(&r, "Azure-AsyncOperation");
    assert_non_null(async);
    assert_non_null(itest_header(&r, "Location"));
    json_t *op = wait_op(async);
    /* The Location URL says 200 (no body) once it succeeded. */
    if (strcmp(jstr(op, "status"), "Succeeded") == 0) {
        struct itest_resp l;
        call("GET", url_path(itest_header(&r, "Location")), NULL, &l);
        ITEST_EXPECT_STATUS(&l, 200);
        assert_int_equal(l.body_len, 0);
        itest_resp_free(&l);
    }
    itest_resp_free(&r);
    return op;
}

static json_t *get_json(const char *path)
{
    struct itest_resp r;
    call("GET", path, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    json_t *o = json_incref(r.json);
    itest_resp_free(&r);
    return o;
}

/* An agent's inventory, asked with the callback token accelnetd stores for
 * the host. */
static json_t *inventory(int i)
{
    char *token = pg_text("SELECT callback_token FROM hosts WHERE name = '%s'", host_names[i]);
    assert_non_null(token);
    struct itest_req rq = {.path = "/v1/nics", .auth = ITEST_AUTH_TOKEN, .token = token};
    struct itest_resp r;
    itest_do(&g.agents[i], &rq, &r);
    free(token);
    ITEST_EXPECT_STATUS(&r, 200);
    json_t *v = json_incref(json_object_get(r.json, "value"));
    itest_resp_free(&r);
    return v;
}

/* The agent's VF for a NIC (borrowed from inv), or NULL. */
static json_t *inventory_nic(json_t *inv, const char *nic_uuid)
{
    size_t i;
    json_t *n;
    json_array_foreach(inv, i, n)
    {
        if (strcasecmp(json_string_value(json_object_get(n, "nicId")), nic_uuid) == 0)
            return n;
    }
    return NULL;
}

/* Every host: vfs_used in the database == the VFs in its agent's inventory
 * == the NICs whose VF the database records there (plus those being
 * released); and every recorded VF is the one the agent has. */
static void expect_consistent(void)
{
    for (int i = 0; i < NAGENTS; i++) {
        if (!itest_daemon_alive(&g.agents[i]))
            continue;
        json_t *inv = inventory(i);
        long long used = pg_long("SELECT vfs_used FROM hosts WHERE name = '%s'", host_names[i]);
        long long recorded =
            pg_long("SELECT count(*) FROM network_interfaces WHERE vf_host = '%s'", host_names[i]);
        if ((long long)json_array_size(inv) != used || used != recorded)
            fail_msg("host %s: %zu VFs in the agent's inventory, vfs_used %lld, %lld NICs with a "
                     "VF there",
                     host_names[i], json_array_size(inv), used, recorded);
        size_t k;
        json_t *n;
        json_array_foreach(inv, k, n)
        {
            const char *nic = json_string_value(json_object_get(n, "nicId"));
            long long idx = json_integer_value(jget(n, "vf.vfIndex"));
            if (pg_long("SELECT count(*) FROM network_interfaces WHERE id = '%s' AND vf_host = '%s'"
                        " AND vf_index = %lld",
                        nic, host_names[i], idx) != 1)
                fail_msg("host %s: the agent's VF %lld for NIC %s is not recorded", host_names[i],
                         idx, nic);
        }
        json_decref(inv);
        if (pg_long("SELECT vcpus_used FROM hosts WHERE name = '%s'", host_names[i]) !=
            pg_long("SELECT coalesce(sum(claim_vcpus), 0) FROM virtual_machines WHERE host_name = "
                    "'%s'",
                    host_names[i]))
            fail_msg("host %s: vcpus_used is not the sum of its VMs' claims", host_names[i]);
    }
}

/* Waits until no operation is in progress. */
static void wait_idle(long timeout_ms)
{
    long long deadline = itest_now_ms() + timeout_ms;
    while (pg_long("SELECT count(*) FROM operations WHERE status = 'InProgress'") > 0) {
        if (itest_now_ms() > deadline)
            fail_msg("operations still in progress after %ld ms", timeout_ms);
        itest_sleep_ms(100);
    }
}

static int host_healthy(const char *name)
{
    char path[128];
    snprintf(path, sizeof path, "/admin/hosts/%s?" AV, name);
    struct itest_resp r;
    call("GET", path, NULL, &r);
    int ok =
        r.status == 200 && jstr(r.json, "health") && strcmp(jstr(r.json, "health"), "Healthy") == 0;
    itest_resp_free(&r);
    return ok;
}

static void wait_healthy(const char *name)
{
    long long deadline = itest_now_ms() + 15000;
    while (!host_healthy(name)) {
        if (itest_now_ms() > deadline)
            fail_msg("host %s is not Healthy", name);
        itest_sleep_ms(100);
    }
}

static int start_agent(int i, const char *state_dir)
{
    static const char *const argv_we[] = {
        "--vcpus", "160", "--memory-mb", "2097152", "--pf", "pf0,0000:03:00.0,15b3:1003,4", NULL};
    static const char *const argv_wcus[] = {"--vcpus", "160", "--memory-mb", "2097152", NULL};
    struct itest_agent_opts o = {.controller = g.d.url,
                                 .token = g.agent_token,
                                 .host_name = host_names[i],
                                 .location = i < 2 ? "westeurope" : "westcentralus",
                                 .state_dir = state_dir,
                                 .port = state_dir ? g.agents[i].port : 0,
                                 .argv = i < 2 ? argv_we : argv_wcus};
    if (itest_agent_start(&g.agents[i], &o) != 0)
        return -1;
    wait_healthy(host_names[i]);
    return 0;
}

/* Stops agent i (if running) and starts it again with what it had, its
 * calls delayed by delay_ms (test-only fault injection; 0: none). */
static void restart_agent(int i, int delay_ms)
{
    char state_dir[480], delay[16];
    snprintf(state_dir, sizeof state_dir, "%s", g.agents[i].state_dir);
    snprintf(delay, sizeof delay, "%d", delay_ms);
    if (itest_daemon_alive(&g.agents[i]))
        itest_daemon_stop(&g.agents[i], 10000);
    const char *argv[] = {"--vcpus",
                          "160",
                          "--memory-mb",
                          "2097152",
                          "--pf",
                          i < 2 ? "pf0,0000:03:00.0,15b3:1003,4" : "pf0,0000:03:00.0,15b3:1003,16",
                          "--test-delay-ms",
                          delay,
                          NULL};
    struct itest_agent_opts o = {.controller = g.d.url,
                                 .token = g.agent_token,
                                 .host_name = host_names[i],
                                 .location = i < 2 ? "westeurope" : "westcentralus",
                                 .state_dir = state_dir,
                                 .port = g.agents[i].port,
                                 .argv = argv};
    if (itest_agent_start(&g.agents[i], &o) != 0)
        fail_msg("agent %d did not restart", i + 1);
    wait_healthy(host_names[i]);
}

/* --- fixture -------------------------------------------------------------------- */

static int setup(void **state)
{
    (void)state;
    g.conninfo = itest_db_create("it_vm");
    snprintf(g.ca_env, sizeof g.ca_env, "ACCELNET_AGENT_CA_FILE=%s",
             itest_env("ACCELNET_TEST_TLS_CERT"));
    size_t n = 0;
    while (daemon_env[n])
        n++;
    daemon_env[n] = g.ca_env;
    struct itest_daemon_opts o = {.env = daemon_env};
    if (itest_daemon_start(&g.d, g.conninfo, &o) != 0)
        return -1;
    struct itest_resp r;
    call("POST", "/admin/tokens?" AV, "{\"role\":\"agent\",\"description\":\"it_vm\"}", &r);
    if (r.status != 201)
        return -1;
    snprintf(g.agent_token, sizeof g.agent_token, "%s", jstr(r.json, "token"));
    itest_resp_free(&r);
    for (int i = 0; i < NAGENTS; i++)
        if (start_agent(i, NULL) != 0)
            return -1;
    put_ok("/admin/subscriptions/" SUB "?" AV, "{\"displayName\":\"it_vm\"}");
    put_ok("/admin/subscriptions/" SUB_NO "?" AV, "{\"displayName\":\"it_vm not registered\"}");
    set_feature(SUB, "Registered");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    int rc = 0;
    if (getenv("IT_VM_LOG"))
        itest_daemon_log_tail(&g.d, 400);
    for (int i = 0; i < NAGENTS; i++)
        if (g.agents[i].pid > 0)
            itest_daemon_stop(&g.agents[i], 10000);
    if (g.d.pid > 0 && itest_daemon_stop(&g.d, 20000) != 0) {
        fprintf(stderr, "it_vm: accelnetd did not exit with 0 after SIGTERM\n");
        rc = -1;
    }
    free(g.conninfo);
    return rc;
}

/* --- tests ------------------------------------------------------------------------- */

/* One VM with one accelerated NIC, one with two and a synthetic one. */
static void test_create(void **state)
{
    (void)state;
    put_network(SUB, "rg1", "westeurope");
    put_nic(SUB, "rg1", "nic-a", "westeurope", 1, 1);
    put_nic(SUB, "rg1", "nic-b1", "westeurope", 1, 0);
    put_nic(SUB, "rg1", "nic-b2", "westeurope", 1, 1);
    put_nic(SUB, "rg1", "nic-b3", "westeurope", 0, 0);

    const char *one[] = {"nic-a", NULL};
    char *body = vm_body(SUB, "rg1", one);
    json_t *op = create_vm(SUB, "rg1", "vm-a", body);
    expect_op(op, "Succeeded", NULL);
    assert_non_null(jstr(op, "startTime"));
    assert_non_null(jstr(op, "endTime"));
    assert_null(jget(op, "error"));
    json_decref(op);

    /* The same PUT again changes nothing. */
    struct itest_resp r;
    json_t *vm = get_json(vm_url(SUB, "rg1", "vm-a", NULL));
    call("PUT", vm_url(SUB, "rg1", "vm-a", NULL), body, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_string_equal(jstr(r.json, "etag"), jstr(vm, "etag"));
    assert_null(itest_header(&r, "Azure-AsyncOperation"));
    itest_resp_free(&r);
    free(body);

    assert_string_equal(jstr(vm, "properties.provisioningState"), "Succeeded");
    assert_string_equal(jstr(vm, "type"), "Microsoft.Compute/virtualMachines");
    assert_string_equal(jstr(vm, "properties.instanceView.statuses[1].code"), "PowerState/running");
    assert_string_equal(jstr(vm, "properties.instanceView.powerState"), "running");
    assert_string_equal(jstr(vm, "properties.hardwareProfile.vmSize"), SIZE_AN);
    assert_null(jget(vm, "properties.osProfile.adminPassword"));
    const char *host = jstr(vm, "properties.instanceView.assignedHost"); /* admin view */
    assert_non_null(host);
    char *text = json_dumps(vm, 0);
    assert_null(strstr(text, "S3cret"));
    free(text);

    json_t *nic = get_json(nic_url(SUB, "rg1", "nic-a"));
    assert_string_equal(jstr(nic, "properties.virtualMachine.id"), jstr(vm, "id"));
    assert_string_equal(jstr(nic, "properties.virtualFunction.host"), host);
    assert_string_equal(jstr(nic, "properties.virtualFunction.pf"), "pf0");
    assert_string_equal(jstr(nic, "properties.virtualFunction.driver"), "mlx4_core");
    assert_string_equal(jstr(nic, "properties.virtualFunction.guestDriver"), GUEST_VF);
    /* The agent has it: the same VF, the VM's id, the NIC's MAC. */
    int hi = strcmp(host, host_names[0]) == 0 ? 0 : 1;
    json_t *inv = inventory(hi);
    json_t *have = inventory_nic(inv, jstr(nic, "properties.resourceGuid"));
    assert_non_null(have);
    assert_string_equal(jstr(have, "vmId"), jstr(vm, "properties.vmId"));
    assert_string_equal(jstr(have, "macAddress"), jstr(nic, "properties.macAddress"));
    assert_string_equal(jstr(have, "vf.pciAddress"),
                        jstr(nic, "properties.virtualFunction.pciAddress"));
    assert_int_equal(json_integer_value(jget(have, "vf.vfIndex")),
                     json_integer_value(jget(nic, "properties.virtualFunction.vfIndex")));
    assert_true(json_integer_value(json_object_get(have, "policyGeneration")) >= 1);
    json_decref(inv);
    json_decref(nic);
    json_decref(vm);

    /* Several NICs: a VF for each accelerated one, none for the synthetic. */
    const char *three[] = {"nic-b1", "nic-b2", "nic-b3", NULL};
    body = vm_body(SUB, "rg1", three);
    op = create_vm(SUB, "rg1", "vm-b", body);
    expect_op(op, "Succeeded", NULL);
    json_decref(op);
    free(body);
    vm = get_json(vm_url(SUB, "rg1", "vm-b", NULL));
    assert_int_equal(json_array_size(jget(vm, "properties.networkProfile.networkInterfaces")), 3);
    assert_true(json_is_true(
        jget(vm, "properties.networkProfile.networkInterfaces[0].properties.primary")));
    host = jstr(vm, "properties.instanceView.assignedHost");
    for (int i = 0; i < 3; i++) {
        nic = get_json(nic_url(SUB, "rg1", three[i]));
        if (i < 2)
            assert_string_equal(jstr(nic, "properties.virtualFunction.host"), host);
        else
            assert_null(jget(nic, "properties.virtualFunction"));
        assert_string_equal(jstr(nic, "properties.virtualMachine.id"), jstr(vm, "id"));
        json_decref(nic);
    }
    json_decref(vm);

    /* Lists: the group's and the subscription's. */
    json_t *list =
        get_json("/subscriptions/" SUB "/resourceGroups/rg1" COMPUTE "/virtualMachines?" AV);
    assert_int_equal(json_array_size(json_object_get(list, "value")), 2);
    json_decref(list);
    list = get_json("/subscriptions/" SUB COMPUTE "/virtualMachines?" AV "&$top=1");
    assert_int_equal(json_array_size(json_object_get(list, "value")), 1);
    assert_non_null(jstr(list, "nextLink"));
    json_decref(list);
    expect_consistent();
}

/* Every refusal, with its code. */
static void test_refusals(void **state)
{
    (void)state;
    struct itest_resp r;
    put_network(SUB, "rg2", "westeurope");
    put_nic(SUB, "rg2", "an1", "westeurope", 1, 0);
    put_nic(SUB, "rg2", "an2", "westeurope", 1, 0);
    put_nic(SUB, "rg2", "plain1", "westeurope", 0, 0);
    put_nic(SUB, "rg2", "plain2", "westeurope", 0, 0);
    put_nic(SUB, "rg2", "plain3", "westeurope", 0, 0);
    put_network(SUB, "rg2w", "westcentralus");
    put_nic(SUB, "rg2w", "an-w", "westcentralus", 1, 0);

    const char *an1[] = {"an1", NULL};
    char *body = vm_body(SUB, "rg2", an1);
    json_t *op = create_vm(SUB, "rg2", "vm1", body);
    expect_op(op, "Succeeded", NULL);
    json_decref(op);

    /* The NIC is vm1's: another VM cannot have it, and it cannot be deleted. */
    call("PUT", vm_url(SUB, "rg2", "vm2", NULL), body, &r);
    ITEST_EXPECT_ERROR(&r, 409, "NicInUse");
    assert_string_equal(jstr(r.json, "error.target"),
                        "properties.networkProfile.networkInterfaces[0].id");
    itest_resp_free(&r);
    free(body);
    expect("DELETE", nic_url(SUB, "rg2", "an1"), NULL, 409, "NicInUse");
    expect("GET", vm_url(SUB, "rg2", "vm2", NULL), NULL, 404, "ResourceNotFound");

    /* More NICs than the size takes (Standard_A1: 2). */
    const char *three[] = {"plain1", "plain2", "plain3", NULL};
    body = vm_body_ex(SUB, "rg2", "westeurope", "Standard_A1", "Canonical", "UbuntuServer",
                      "16.04-LTS", three, 0);
    call("PUT", vm_url(SUB, "rg2", "vm3", NULL), body, &r);
    ITEST_EXPECT_ERROR(&r, 400, "NetworkInterfaceCountExceeded");
    itest_resp_free(&r);
    free(body);
    /* Several NICs, none primary. */
    const char *two[] = {"plain1", "plain2", NULL};
    body = vm_body_ex(SUB, "rg2", "westeurope", "Standard_A1", "Canonical", "UbuntuServer",
                      "16.04-LTS", two, -1);
    call("PUT", vm_url(SUB, "rg2", "vm3", NULL), body, &r);
    ITEST_EXPECT_ERROR(&r, 400, "VirtualMachineMustHaveOneNetworkInterfaceAsPrimary");
    itest_resp_free(&r);
    free(body);
    /* A NIC of another location. */
    char wnic[600];
    snprintf(wnic, sizeof wnic, "%s", nic_id(SUB, "rg2w", "an-w"));
    body = vm_body(SUB, "rg2", an1);
    char *swapped = NULL;
    {
        const char *old_id = nic_id(SUB, "rg2", "an1");
        const char *at = strstr(body, old_id);
        if (asprintf(&swapped, "%.*s%s%s", (int)(at - body), body, wnic, at + strlen(old_id)) < 0)
            abort();
    }
    call("PUT", vm_url(SUB, "rg2", "vm3", NULL), swapped, &r);
    ITEST_EXPECT_ERROR(&r, 400, "NicLocationMismatch");
    itest_resp_free(&r);
    free(swapped);
    free(body);
    /* A NIC that does not exist, a malformed reference. */
    const char *nope[] = {"nope", NULL};
    body = vm_body(SUB, "rg2", nope);
    call("PUT", vm_url(SUB, "rg2", "vm3", NULL), body, &r);
    ITEST_EXPECT_ERROR(&r, 400, "InvalidResourceReference");
    itest_resp_free(&r);
    free(body);

    /* Eligibility, every reason at once: size and image. */
    const char *an2[] = {"an2", NULL};
    body = vm_body_ex(SUB, "rg2", "westeurope", "Standard_D2_v2", "Canonical", "UbuntuServer",
                      "16.04-LTS", an2, 0);
    call("PUT", vm_url(SUB, "rg2", "vm3", NULL), body, &r);
    ITEST_EXPECT_STATUS(&r, 400);
    assert_true(has_detail(&r, "properties.hardwareProfile.vmSize",
                           "VMSizeIsNotPermittedToEnableAcceleratedNetworking"));
    assert_true(has_detail(&r, "properties.storageProfile.imageReference",
                           "OSImageIsNotPermittedToEnableAcceleratedNetworking"));
    /* The message names what would be eligible. */
    char *t = json_dumps(r.json, 0);
    assert_non_null(strstr(t, "Standard_DS15_v2"));
    free(t);
    itest_resp_free(&r);
    free(body);
    /* The same NIC's VM without accelerated NICs is fine with those. */
    /* The feature: an unregistered subscription. */
    put_network(SUB_NO, "rg", "westeurope");
    pg_exec("INSERT INTO feature_registrations (subscription_id, namespace, feature, state) VALUES"
            " ('" SUB_NO "', 'Microsoft.Network', 'AllowAcceleratedNetworkingFeature',"
            " 'Registered')");
    put_nic(SUB_NO, "rg", "an", "westeurope", 1, 0);
    set_feature(SUB_NO, "");
    const char *an[] = {"an", NULL};
    body = vm_body(SUB_NO, "rg", an);
    call("PUT", vm_url(SUB_NO, "rg", "vm", NULL), body, &r);
    ITEST_EXPECT_ERROR(&r, 400, "SubscriptionNotRegisteredForFeature");
    itest_resp_free(&r);
    free(body);
    /* The location: westcentralus no longer eligible (an operator's edit). */
    pg_exec("UPDATE locations SET accelerated_networking = false WHERE name = 'westcentralus'");
    const char *anw[] = {"an-w", NULL};
    body = vm_body_ex(SUB, "rg2w", "westcentralus", SIZE_AN, IMAGE_AN, anw, 0);
    call("PUT", vm_url(SUB, "rg2w", "vmw", NULL), body, &r);
    ITEST_EXPECT_ERROR(&r, 400, "LocationIsNotPermittedToEnableAcceleratedNetworking");
    itest_resp_free(&r);
    pg_exec("UPDATE locations SET accelerated_networking = true WHERE name = 'westcentralus'");
    /* ... and eligible again: placed on the westcentralus host. */
    op = create_vm(SUB, "rg2w", "vmw", body);
    expect_op(op, "Succeeded", NULL);
    json_decref(op);
    free(body);
    json_t *vm = get_json(vm_url(SUB, "rg2w", "vmw", NULL));
    assert_string_equal(jstr(vm, "properties.instanceView.assignedHost"), host_names[2]);
    json_decref(vm);

    /* An existing VM: no accelerated NIC added, running or not. */
    const char *plus_an[] = {"an1", "an2", NULL};
    body = vm_body(SUB, "rg2", plus_an);
    call("PUT", vm_url(SUB, "rg2", "vm1", NULL), body, &r);
    ITEST_EXPECT_ERROR(&r, 400, "AcceleratedNicCanOnlyBeAttachedAtVmCreation");
    assert_string_equal(jstr(r.json, "error.target"),
                        "properties.networkProfile.networkInterfaces[1].id");
    itest_resp_free(&r);
    /* Other network changes only when deallocated. */
    const char *plus_plain[] = {"an1", "plain1", NULL};
    char *body2 = vm_body(SUB, "rg2", plus_plain);
    call("PUT", vm_url(SUB, "rg2", "vm1", NULL), body2, &r);
    ITEST_EXPECT_ERROR(&r, 409, "VmMustBeDeallocated");
    itest_resp_free(&r);
    /* The image never changes. */
    char *body3 = vm_body_ex(SUB, "rg2", "westeurope", SIZE_AN, "MicrosoftWindowsServer",
                             "WindowsServer", "2016-Technical-Preview-with-Containers", an1, 0);
    call("PUT", vm_url(SUB, "rg2", "vm1", NULL), body3, &r);
    ITEST_EXPECT_ERROR(&r, 409, "PropertyChangeNotAllowed");
    itest_resp_free(&r);
    free(body3);
    /* PATCH follows the same rules; tags are fine. */
    call("PATCH", vm_url(SUB, "rg2", "vm1", NULL), "{\"tags\":{\"env\":\"test\"}}", &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_str(&r, "tags.env", "test");
    itest_resp_free(&r);

    op = vm_action("POST", SUB, "rg2", "vm1", "deallocate");
    expect_op(op, "Succeeded", NULL);
    json_decref(op);
    call("PUT", vm_url(SUB, "rg2", "vm1", NULL), body, &r);
    ITEST_EXPECT_ERROR(&r, 400, "AcceleratedNicCanOnlyBeAttachedAtVmCreation");
    itest_resp_free(&r);
    call("PUT", vm_url(SUB, "rg2", "vm1", NULL), body2, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    itest_resp_free(&r);
    json_t *p1 = get_json(nic_url(SUB, "rg2", "plain1"));
    assert_non_null(jget(p1, "properties.virtualMachine.id"));
    json_decref(p1);
    free(body);
    free(body2);
    /* A failed VM cannot be started; a started one is. */
    op = vm_action("POST", SUB, "rg2", "vm1", "start");
    expect_op(op, "Succeeded", NULL);
    json_decref(op);
    vm = get_json(vm_url(SUB, "rg2", "vm1", NULL));
    assert_string_equal(jstr(vm, "properties.instanceView.powerState"), "running");
    json_decref(vm);
    expect("POST", vm_url(SUB, "rg2", "nope", "start"), NULL, 404, "ResourceNotFound");
    expect_consistent();
}

/* Delete, deallocate and start. */
static void test_lifecycle(void **state)
{
    (void)state;
    put_network(SUB, "rg3", "westeurope");
    put_nic(SUB, "rg3", "n1", "westeurope", 1, 1);
    const char *n1[] = {"n1", NULL};
    char *body = vm_body(SUB, "rg3", n1);
    json_t *op = create_vm(SUB, "rg3", "vm", body);
    expect_op(op, "Succeeded", NULL);
    json_decref(op);
    free(body);
    char *nic_uuid = pg_text("SELECT id::text FROM network_interfaces WHERE name = 'n1'");
    /* While the VM runs, the NIC's addresses are with its VF: changing them
     * waits for a deallocation. Its NSG may change (it_policy follows the
     * new policy to the agent). */
    char nbody[1200];
    snprintf(nbody, sizeof nbody,
             "{\"location\":\"westeurope\",\"properties\":{\"enableAcceleratedNetworking\":true,"
             "\"ipConfigurations\":[{\"name\":\"ipconfig1\",\"properties\":{"
             "\"privateIPAllocationMethod\":\"Static\",\"privateIPAddress\":\"10.0.0.200\","
             "\"subnet\":{\"id\":\"/subscriptions/%s/resourceGroups/rg3" NETP
             "/virtualNetworks/vnet/subnets/s\"}}}]}}",
             SUB);
    struct itest_resp nr;
    call("PUT", nic_url(SUB, "rg3", "n1"), nbody, &nr);
    ITEST_EXPECT_ERROR(&nr, 409, "VmMustBeDeallocated");
    assert_string_equal(jstr(nr.json, "error.target"), "properties.ipConfigurations");
    itest_resp_free(&nr);

    op = vm_action("POST", SUB, "rg3", "vm", "deallocate");
    expect_op(op, "Succeeded", NULL);
    json_decref(op);
    json_t *vm = get_json(vm_url(SUB, "rg3", "vm", NULL));
    assert_string_equal(jstr(vm, "properties.instanceView.powerState"), "deallocated");
    assert_string_equal(jstr(vm, "properties.provisioningState"), "Succeeded");
    assert_null(jget(vm, "properties.instanceView.assignedHost"));
    json_decref(vm);
    json_t *nic = get_json(nic_url(SUB, "rg3", "n1"));
    assert_null(jget(nic, "properties.virtualFunction"));
    assert_non_null(jget(nic, "properties.virtualMachine"));
    json_decref(nic);
    for (int i = 0; i < 2; i++) {
        json_t *inv = inventory(i);
        assert_null(inventory_nic(inv, nic_uuid));
        json_decref(inv);
    }
    expect_consistent();
    /* Deallocating again: an operation that is done at once. */
    op = vm_action("POST", SUB, "rg3", "vm", "deallocate");
    expect_op(op, "Succeeded", NULL);
    json_decref(op);
    /* Deallocated: the NIC may change (the next start applies it). */
    call("PUT", nic_url(SUB, "rg3", "n1"), nbody, &nr);
    ITEST_EXPECT_STATUS(&nr, 200);
    assert_null(jget(nr.json, "properties.networkSecurityGroup"));
    assert_string_equal(jstr(nr.json, "properties.ipConfigurations[0].properties.privateIPAddress"),
                        "10.0.0.200");
    itest_resp_free(&nr);

    op = vm_action("POST", SUB, "rg3", "vm", "start");
    expect_op(op, "Succeeded", NULL);
    json_decref(op);
    nic = get_json(nic_url(SUB, "rg3", "n1"));
    assert_non_null(jget(nic, "properties.virtualFunction"));
    json_decref(nic);
    expect_consistent();

    op = vm_action("DELETE", SUB, "rg3", "vm", NULL);
    expect_op(op, "Succeeded", NULL);
    json_decref(op);
    expect("GET", vm_url(SUB, "rg3", "vm", NULL), NULL, 404, "ResourceNotFound");
    expect("DELETE", vm_url(SUB, "rg3", "vm", NULL), NULL, 204, NULL);
    nic = get_json(nic_url(SUB, "rg3", "n1"));
    assert_null(jget(nic, "properties.virtualFunction"));
    assert_null(jget(nic, "properties.virtualMachine"));
    json_decref(nic);
    expect_consistent();
    /* The NIC is free again: a new VM may have it, and it may be deleted. */
    body = vm_body(SUB, "rg3", n1);
    op = create_vm(SUB, "rg3", "vm-again", body);
    expect_op(op, "Succeeded", NULL);
    json_decref(op);
    free(body);
    op = vm_action("DELETE", SUB, "rg3", "vm-again", NULL);
    json_decref(op);
    expect("DELETE", nic_url(SUB, "rg3", "n1"), NULL, 200, NULL);
    free(nic_uuid);
    expect_consistent();
}

/* The operation routes' own answers. */
static void test_operation_status(void **state)
{
    (void)state;
    expect("GET",
           "/subscriptions/" SUB COMPUTE
           "/locations/westeurope/operations/00000000-0000-4000-8000-000000000000?" AV,
           NULL, 404, "NotFound");
    expect("GET", "/subscriptions/" SUB COMPUTE "/locations/westeurope/operations/nope?" AV, NULL,
           400, "InvalidParameter");
}

/* A group with VMs, NICs, a VNet and NSGs: DELETE deletes them all. */
static void test_rg_cascade(void **state)
{
    (void)state;
    struct itest_resp r;
    put_network(SUB, "rg4", "westeurope");
    put_nic(SUB, "rg4", "c1", "westeurope", 1, 1);
    put_nic(SUB, "rg4", "c2", "westeurope", 0, 0);
    const char *c1[] = {"c1", NULL};
    char *body = vm_body(SUB, "rg4", c1);
    json_t *op = create_vm(SUB, "rg4", "vm", body);
    expect_op(op, "Succeeded", NULL);
    json_decref(op);
    free(body);
    call("DELETE", rg_url(SUB, "rg4"), NULL, &r);
    ITEST_EXPECT_STATUS(&r, 202);
    op = wait_op(itest_header(&r, "Azure-AsyncOperation"));
    expect_op(op, "Succeeded", NULL);
    json_decref(op);
    itest_resp_free(&r);
    expect("GET", rg_url(SUB, "rg4"), NULL, 404, "ResourceGroupNotFound");
    assert_int_equal(pg_long("SELECT count(*) FROM network_interfaces WHERE rg_key = 'rg4'"), 0);
    assert_int_equal(pg_long("SELECT count(*) FROM virtual_networks WHERE rg_key = 'rg4'"), 0);
    assert_int_equal(pg_long("SELECT count(*) FROM network_security_groups WHERE rg_key = 'rg4'"),
                     0);
    assert_int_equal(pg_long("SELECT count(*) FROM virtual_machines WHERE rg_key = 'rg4'"), 0);
    expect_consistent();
    /* A group whose NIC a VM of another group uses: the cascade fails with
     * NicInUse, and the group stays. */
    put_network(SUB, "rg4n", "westeurope");
    put_nic(SUB, "rg4n", "shared", "westeurope", 0, 0);
    put_network(SUB, "rg4v", "westeurope");
    const char *shared[] = {"shared", NULL};
    body = vm_body_ex(SUB, "rg4n", "westeurope", "Standard_A1", "Canonical", "UbuntuServer",
                      "16.04-LTS", shared, 0);
    call("PUT", vm_url(SUB, "rg4v", "vm", NULL), body, &r);
    ITEST_EXPECT_STATUS(&r, 201);
    op = wait_op(itest_header(&r, "Azure-AsyncOperation"));
    expect_op(op, "Succeeded", NULL);
    json_decref(op);
    itest_resp_free(&r);
    free(body);
    call("DELETE", rg_url(SUB, "rg4n"), NULL, &r);
    ITEST_EXPECT_STATUS(&r, 202);
    op = wait_op(itest_header(&r, "Azure-AsyncOperation"));
    expect_op(op, "Failed", "NicInUse");
    json_decref(op);
    itest_resp_free(&r);
    json_decref(get_json(rg_url(SUB, "rg4n")));
    json_decref(get_json(nic_url(SUB, "rg4n", "shared")));
    /* Once that VM's group is gone, the other one goes too. */
    call("DELETE", rg_url(SUB, "rg4v"), NULL, &r);
    ITEST_EXPECT_STATUS(&r, 202);
    op = wait_op(itest_header(&r, "Azure-AsyncOperation"));
    expect_op(op, "Succeeded", NULL);
    json_decref(op);
    itest_resp_free(&r);
    call("DELETE", rg_url(SUB, "rg4n"), NULL, &r);
    ITEST_EXPECT_STATUS(&r, 202);
    op = wait_op(itest_header(&r, "Azure-AsyncOperation"));
    expect_op(op, "Succeeded", NULL);
    json_decref(op);
    itest_resp_free(&r);
    expect("GET", rg_url(SUB, "rg4n"), NULL, 404, "ResourceGroupNotFound");
    /* An empty group goes at once. */
    put_ok(rg_url(SUB, "rg4e"), "{\"location\":\"westeurope\"}");
    expect("DELETE", rg_url(SUB, "rg4e"), NULL, 200, NULL);
}

/* --- concurrency ----------------------------------------------------------------------- */

struct create_job {
    const struct itest_daemon *d;
    char name[32];
    char *body;
    long status;
    char async[600];
    char result[32];
    char code[64];
};

static void *create_thread(void *arg)
{
    struct create_job *j = arg;
    struct itest_resp r;
    struct itest_req rq = {
        .method = "PUT", .path = NULL, .auth = ITEST_AUTH_ADMIN, .body = j->body};
    char path[600];
    snprintf(path, sizeof path,
             "/subscriptions/" SUB "/resourceGroups/rg5" COMPUTE "/virtualMachines/%s?" AV,
             j->name);
    rq.path = path;
    itest_do(j->d, &rq, &r);
    j->status = r.status;
    const char *a = itest_header(&r, "Azure-AsyncOperation");
    if (a)
        snprintf(j->async, sizeof j->async, "%s", a);
    itest_resp_free(&r);
    return NULL;
}

/* Creates n VMs at once (one accelerated NIC each, "cc-nic-<i>"), spread over
 * the daemons; waits for every operation. */
static void create_many(struct create_job *jobs, int n, const struct itest_daemon *const *ds,
                        int nds, const char *prefix)
{
    pthread_t th[64];
    for (int i = 0; i < n; i++) {
        char nic[32];
        snprintf(nic, sizeof nic, "%s-nic-%d", prefix, i);
        const char *nics[] = {nic, NULL};
        memset(&jobs[i], 0, sizeof jobs[i]);
        jobs[i].d = ds[i % nds];
        snprintf(jobs[i].name, sizeof jobs[i].name, "%s-vm-%d", prefix, i);
        jobs[i].body = vm_body(SUB, "rg5", nics);
    }
    for (int i = 0; i < n; i++)
        pthread_create(&th[i], NULL, create_thread, &jobs[i]);
    for (int i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < n; i++) {
        free(jobs[i].body);
        if (jobs[i].status != 201)
            fail_msg("PUT %s: %ld", jobs[i].name, jobs[i].status);
    }
}

static void collect(struct create_job *jobs, int n, const struct itest_daemon *d, int *ok,
                    int *alloc_failed, int *other)
{
    *ok = *alloc_failed = *other = 0;
    for (int i = 0; i < n; i++) {
        json_t *op = wait_op_on(d, jobs[i].async, 60000);
        snprintf(jobs[i].result, sizeof jobs[i].result, "%s", jstr(op, "status"));
        snprintf(jobs[i].code, sizeof jobs[i].code, "%s",
                 jstr(op, "error.code") ? jstr(op, "error.code") : "");
        if (strcmp(jobs[i].result, "Succeeded") == 0)
            (*ok)++;
        else if (strcmp(jobs[i].code, "AllocationFailed") == 0)
            (*alloc_failed)++;
        else
            (*other)++;
        json_decref(op);
    }
}

static void make_nics(const char *prefix, int n)
{
    for (int i = 0; i < n; i++) {
        char nic[32];
        snprintf(nic, sizeof nic, "%s-nic-%d", prefix, i);
        put_nic(SUB, "rg5", nic, "westeurope", 1, 0);
    }
}

static void delete_all_vms(const char *rg)
{
    char *sql = NULL;
    if (asprintf(&sql, "SELECT string_agg(name, ',') FROM virtual_machines WHERE rg_key = '%s'",
                 rg) < 0)
        abort();
    char *names = itest_pg_value(g.conninfo, sql);
    free(sql);
    for (char *p = names, *next; p && *p; p = next) {
        next = strchr(p, ',');
        if (next)
            *next++ = '\0';
        struct itest_resp r;
        call("DELETE", vm_url(SUB, rg, p, NULL), NULL, &r);
        if (r.status != 202 && r.status != 204)
            fail_msg("DELETE %s: %s", p, itest_resp_str(&r));
        itest_resp_free(&r);
    }
    free(names);
    wait_idle(30000);
}

/* Many VMs at once (the 50) against two hosts with 4 VFs each: 8
 * succeed, the rest fail with AllocationFailed, and nothing is
 * over-committed. */
#define CAPACITY_VMS 50
static void test_capacity(void **state)
{
    (void)state;
    struct create_job jobs[CAPACITY_VMS];
    const struct itest_daemon *ds[] = {&g.d};
    int ok, af, other;
    put_network(SUB, "rg5", "westeurope");
    /* The other tests' VMs in westeurope hold VFs: start from none. */
    delete_all_vms("rg1");
    delete_all_vms("rg2");
    assert_int_equal(pg_long("SELECT sum(vfs_used) FROM hosts WHERE location = 'westeurope'"), 0);
    make_nics("cap", CAPACITY_VMS);
    create_many(jobs, CAPACITY_VMS, ds, 1, "cap");
    collect(jobs, CAPACITY_VMS, &g.d, &ok, &af, &other);
    if (ok != 2 * HOST_VFS || af != CAPACITY_VMS - 2 * HOST_VFS || other != 0)
        fail_msg("expected %d Succeeded and %d AllocationFailed, got %d, %d and %d other",
                 2 * HOST_VFS, CAPACITY_VMS - 2 * HOST_VFS, ok, af, other);
    assert_int_equal(pg_long("SELECT sum(vfs_used) FROM hosts WHERE location = 'westeurope'"),
                     2 * HOST_VFS);
    expect_consistent();
    /* The failed ones hold nothing: their NICs are free. */
    assert_int_equal(pg_long("SELECT count(*) FROM network_interfaces WHERE name LIKE 'cap-nic-%%'"
                             " AND vm_id IS NULL"),
                     CAPACITY_VMS - 2 * HOST_VFS);
    /* A failed VM is Failed and deallocated; once there is room, the same PUT
     * creates it again (200 with the operation's headers). */
    int failed = -1, succeeded = -1;
    for (int i = 0; i < CAPACITY_VMS; i++) {
        if (strcmp(jobs[i].result, "Succeeded") == 0)
            succeeded = i;
        else
            failed = i;
    }
    json_t *vm = get_json(vm_url(SUB, "rg5", jobs[failed].name, NULL));
    assert_string_equal(jstr(vm, "properties.provisioningState"), "Failed");
    assert_string_equal(jstr(vm, "properties.instanceView.statuses[0].level"), "Error");
    assert_string_equal(jstr(vm, "properties.instanceView.statuses[0].code"),
                        "ProvisioningState/failed/AllocationFailed");
    assert_non_null(
        strstr(jstr(vm, "properties.instanceView.statuses[0].message"), "virtual function"));
    assert_string_equal(jstr(vm, "properties.instanceView.powerState"), "deallocated");
    json_decref(vm);
    /* Start and deallocate make no sense for it. */
    expect("POST", vm_url(SUB, "rg5", jobs[failed].name, "start"), NULL, 409,
           "OperationNotAllowed");
    json_t *op = vm_action("DELETE", SUB, "rg5", jobs[succeeded].name, NULL);
    expect_op(op, "Succeeded", NULL);
    json_decref(op);
    char nic[32];
    snprintf(nic, sizeof nic, "cap-nic-%d", failed);
    const char *nics[] = {nic, NULL};
    char *body = vm_body(SUB, "rg5", nics);
    struct itest_resp r;
    call("PUT", vm_url(SUB, "rg5", jobs[failed].name, NULL), body, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_str(&r, "properties.provisioningState", "Creating");
    op = wait_op(itest_header(&r, "Azure-AsyncOperation"));
    expect_op(op, "Succeeded", NULL);
    json_decref(op);
    itest_resp_free(&r);
    free(body);
    expect_consistent();
    delete_all_vms("rg5");
    assert_int_equal(pg_long("SELECT sum(vfs_used) FROM hosts WHERE location = 'westeurope'"), 0);
    expect_consistent();
}

/* An agent killed (SIGKILL) while VMs are being created on it: every VM
 * ends Succeeded or Failed, and once it is back nothing leaked. */
static void test_agent_killed(void **state)
{
    (void)state;
    struct create_job jobs[8];
    const struct itest_daemon *ds[] = {&g.d};
    int ok, af, other;
    make_nics("ak", 8);
    /* Slow calls on host 1, so that the kill lands in the middle of
     * attaches. */
    restart_agent(0, 1000);
    create_many(jobs, 8, ds, 1, "ak");
    itest_sleep_ms(500);
    itest_daemon_kill(&g.agents[0]);
    collect(jobs, 8, &g.d, &ok, &af, &other);
    fprintf(stderr, "it_vm: agent killed: %d Succeeded, %d AllocationFailed, %d other\n", ok, af,
            other);
    for (int i = 0; i < 8; i++)
        if (strcmp(jobs[i].result, "Succeeded") != 0 &&
            strcmp(jobs[i].code, "AllocationFailed") != 0 &&
            strcmp(jobs[i].code, "HostAgentUnavailable") != 0)
            fail_msg("%s ended %s %s", jobs[i].name, jobs[i].result, jobs[i].code);
    /* While the agent is away, the NICs of the VMs that failed on it wait
     * for their VF's release: no other VM may have them yet. */
    char *pending = pg_text("SELECT name FROM network_interfaces WHERE vf_host IS NOT NULL AND"
                            " vf_index IS NULL AND vm_id IS NULL LIMIT 1");
    if (other > 0) {
        assert_non_null(pending);
        const char *pn[] = {pending, NULL};
        char *pb = vm_body(SUB, "rg5", pn);
        struct itest_resp r;
        call("PUT", vm_url(SUB, "rg5", "ak-pending", NULL), pb, &r);
        ITEST_EXPECT_ERROR(&r, 409, "NicInUse");
        itest_resp_free(&r);
        free(pb);
    }
    free(pending);
    /* Back with what it had: the pending releases finish, and the counts
     * agree. */
    restart_agent(0, 0);
    wait_idle(30000);
    expect_consistent();
    delete_all_vms("rg5");
    expect_consistent();
    assert_int_equal(pg_long("SELECT sum(vfs_used) FROM hosts WHERE location = 'westeurope'"), 0);
}

/* accelnetd SIGKILLed in the middle of creates, then started again on the
 * same port: every operation ends, no VF leaked or used twice. */
static void test_daemon_killed(void **state)
{
    (void)state;
    struct create_job jobs[8];
    const struct itest_daemon *ds[] = {&g.d};
    int ok, af, other;
    make_nics("dk", 8);
    /* Slow agents, so that the kill lands between attaches and their
     * records: the next worker attaches again and gets the same VF. */
    restart_agent(0, 400);
    restart_agent(1, 400);
    create_many(jobs, 8, ds, 1, "dk");
    /* While the last one is being created: the same PUT changes nothing,
     * other changes wait for the operation. */
    {
        struct itest_resp r;
        char nic[32] = "dk-nic-7";
        const char *nics[] = {nic, NULL};
        char *body = vm_body(SUB, "rg5", nics);
        call("PUT", vm_url(SUB, "rg5", "dk-vm-7", NULL), body, &r);
        ITEST_EXPECT_STATUS(&r, 200);
        expect_str(&r, "properties.provisioningState", "Creating");
        itest_resp_free(&r);
        free(body);
        call("DELETE", vm_url(SUB, "rg5", "dk-vm-7", NULL), NULL, &r);
        ITEST_EXPECT_ERROR(&r, 429, "RetryableErrorDueToAnotherOperation");
        assert_non_null(itest_header(&r, "Retry-After"));
        itest_resp_free(&r);
        call("POST", vm_url(SUB, "rg5", "dk-vm-7", "deallocate"), NULL, &r);
        ITEST_EXPECT_ERROR(&r, 429, "RetryableErrorDueToAnotherOperation");
        itest_resp_free(&r);
        call("PATCH", vm_url(SUB, "rg5", "dk-vm-7", NULL), "{\"tags\":{\"a\":\"b\"}}", &r);
        ITEST_EXPECT_ERROR(&r, 429, "RetryableErrorDueToAnotherOperation");
        itest_resp_free(&r);
        /* The operation's result: 202 while it runs. */
        call("GET", url_path(jobs[7].async), NULL, &r);
        ITEST_EXPECT_STATUS(&r, 200);
        expect_str(&r, "status", "InProgress");
        assert_non_null(itest_header(&r, "Retry-After"));
        itest_resp_free(&r);
    }
    itest_sleep_ms(100);
    itest_daemon_kill(&g.d);
    unsigned port = g.d.port;
    char listen[64];
    snprintf(listen, sizeof listen, "ACCELNET_LISTEN=127.0.0.1:%u", port);
    const char *env[16];
    size_t n = 0;
    for (; daemon_env[n]; n++)
        env[n] = daemon_env[n];
    env[n++] = listen;
    env[n] = NULL;
    struct itest_daemon_opts o = {.env = env};
    if (itest_daemon_spawn(&g.d, g.conninfo, &o) != 0)
        fail_msg("accelnetd did not restart");
    g.d.port = port;
    snprintf(g.d.url, sizeof g.d.url, "https://127.0.0.1:%u", port);
    if (itest_daemon_wait_ready(&g.d, 20000) != 0)
        fail_msg("accelnetd did not come back");
    collect(jobs, 8, &g.d, &ok, &af, &other);
    fprintf(stderr, "it_vm: accelnetd killed: %d Succeeded, %d AllocationFailed, %d other\n", ok,
            af, other);
    /* Workers of the restarted daemon took over operations the killed one
     * had claimed. */
    assert_true(pg_long("SELECT count(*) FROM operations WHERE kind = 'vm.create' AND attempts > 1"
                        " AND resource_id LIKE '%%/dk-vm-%%'") > 0);
    if (ok + af != 8)
        fail_msg("after the restart: %d Succeeded, %d AllocationFailed, %d other", ok, af, other);
    wait_idle(30000);
    expect_consistent();
    delete_all_vms("rg5");
    expect_consistent();
    restart_agent(0, 0);
    restart_agent(1, 0);
}

/* SIGTERM while operations run: accelnetd exits 0 after the workers
 * finished their step or gave their operation back, and the next accelnetd
 * finishes the rest. */
static void test_daemon_sigterm(void **state)
{
    (void)state;
    struct create_job jobs[6];
    const struct itest_daemon *ds[] = {&g.d};
    int ok, af, other;
    make_nics("st", 6);
    restart_agent(0, 300);
    restart_agent(1, 300);
    create_many(jobs, 6, ds, 1, "st");
    itest_sleep_ms(200);
    unsigned port = g.d.port;
    assert_int_equal(itest_daemon_stop(&g.d, 20000), 0);
    char *log = itest_daemon_log(&g.d);
    assert_non_null(strstr(log, "operation workers stopped"));
    free(log);
    /* Nothing is leased by the stopped process. */
    assert_int_equal(pg_long("SELECT count(*) FROM operations WHERE status = 'InProgress' AND"
                             " lease_owner IS NOT NULL"),
                     0);
    char listen[64];
    snprintf(listen, sizeof listen, "ACCELNET_LISTEN=127.0.0.1:%u", port);
    const char *env[16];
    size_t n = 0;
    for (; daemon_env[n]; n++)
        env[n] = daemon_env[n];
    env[n++] = listen;
    env[n] = NULL;
    struct itest_daemon_opts o = {.env = env};
    if (itest_daemon_spawn(&g.d, g.conninfo, &o) != 0)
        fail_msg("accelnetd did not restart");
    g.d.port = port;
    snprintf(g.d.url, sizeof g.d.url, "https://127.0.0.1:%u", port);
    if (itest_daemon_wait_ready(&g.d, 20000) != 0)
        fail_msg("accelnetd did not come back");
    collect(jobs, 6, &g.d, &ok, &af, &other);
    if (ok != 6)
        fail_msg("after SIGTERM and a restart: %d Succeeded, %d AllocationFailed, %d other", ok, af,
                 other);
    wait_idle(30000);
    expect_consistent();
    delete_all_vms("rg5");
    expect_consistent();
    restart_agent(0, 0);
    restart_agent(1, 0);
}

/* Two accelnetd processes on one database, creates spread over both. */
static void test_two_daemons(void **state)
{
    (void)state;
    struct itest_daemon d2;
    struct create_job jobs[16];
    int ok, af, other;
    struct itest_daemon_opts o = {.env = daemon_env};
    if (itest_daemon_start(&d2, g.conninfo, &o) != 0)
        fail_msg("the second accelnetd did not start");
    const struct itest_daemon *ds[] = {&g.d, &d2};
    make_nics("td", 16);
    create_many(jobs, 16, ds, 2, "td");
    collect(jobs, 16, &g.d, &ok, &af, &other);
    if (ok != 2 * HOST_VFS || af != 16 - 2 * HOST_VFS)
        fail_msg("expected %d Succeeded and %d AllocationFailed, got %d, %d and %d other",
                 2 * HOST_VFS, 16 - 2 * HOST_VFS, ok, af, other);
    expect_consistent();
    delete_all_vms("rg5");
    expect_consistent();
    assert_int_equal(itest_daemon_stop(&d2, 20000), 0);
}

/* A value from the daemon's /metrics (0 when the line is not there). */
static double metric(const char *line_prefix)
{
    return itest_metric(&g.d, line_prefix);
}

/* ACCELNET_RETENTION_S (60 here): operations that ended longer ago are
 * pruned, except a VM's latest; webhook events once delivered or given up. */
static void test_retention(void **state)
{
    (void)state;
    double before = metric("accelnet_retention_pruned_total{kind=\"operation\"} ");
    /* A VM with several operations, all made an hour old. */
    put_network(SUB, "rg-ret", "westeurope");
    put_nic(SUB, "rg-ret", "n1", "westeurope", 1, 1);
    const char *n1[] = {"n1", NULL};
    char *body = vm_body(SUB, "rg-ret", n1);
    json_t *op = create_vm(SUB, "rg-ret", "vm", body);
    expect_op(op, "Succeeded", NULL);
    json_decref(op);
    free(body);
    op = vm_action("POST", SUB, "rg-ret", "vm", "deallocate");
    expect_op(op, "Succeeded", NULL);
    char *vm_id = pg_text("SELECT id::text FROM virtual_machines WHERE name = 'vm' AND rg_key = "
                          "'rg-ret'");
    char *latest = pg_text("SELECT id::text FROM operations WHERE target_id = '%s' ORDER BY "
                           "start_time DESC LIMIT 1",
                           vm_id);
    json_decref(op);
    assert_true(pg_long("SELECT count(*) FROM operations WHERE target_id = '%s'", vm_id) >= 2);
    pg_exec("UPDATE operations SET start_time = start_time - interval '1 hour', end_time = "
            "end_time - interval '1 hour' WHERE target_id = '%s'",
            vm_id);
    /* An old operation of no VM, a recent one, and webhook events. */
    pg_exec("INSERT INTO operations (id, subscription_id, location, kind, resource_id, status, "
            "start_time, end_time) VALUES ('0e7e7e7e-0000-4000-8000-000000000001', '%s', "
            "'westeurope', 'rg.delete', '/subscriptions/%s/resourcegroups/old', 'Succeeded', "
            "now() - interval '2 hours', now() - interval '2 hours'), "
            "('0e7e7e7e-0000-4000-8000-000000000002', '%s', 'westeurope', 'rg.delete', "
            "'/subscriptions/%s/resourcegroups/new', 'Succeeded', now(), now())",
            SUB, SUB, SUB, SUB);
    pg_exec("INSERT INTO outbox (id, subscription_id, url, event_type, payload, expires_at, "
            "delivered_at, expired_at) VALUES "
            "('0e7e7e7e-0000-4000-8000-0000000000a1', '%s', 'https://127.0.0.1:1/', 'test', '{}', "
            "now(), now() - interval '2 hours', NULL), "
            "('0e7e7e7e-0000-4000-8000-0000000000a2', '%s', 'https://127.0.0.1:1/', 'test', '{}', "
            "now(), NULL, now() - interval '2 hours'), "
            "('0e7e7e7e-0000-4000-8000-0000000000a3', '%s', 'https://127.0.0.1:1/', 'test', '{}', "
            "now() + interval '1 day', NULL, NULL)",
            SUB, SUB, SUB);
    /* Pruned within a period (6 s here). */
    long long deadline = itest_now_ms() + 20000;
    while (pg_long("SELECT count(*) FROM operations WHERE id = "
                   "'0e7e7e7e-0000-4000-8000-000000000001'") != 0 ||
           pg_long("SELECT count(*) FROM outbox WHERE id IN "
                   "('0e7e7e7e-0000-4000-8000-0000000000a1', "
                   "'0e7e7e7e-0000-4000-8000-0000000000a2')") != 0) {
        if (itest_now_ms() > deadline)
            fail_msg("old operations and webhook events were not pruned");
        itest_sleep_ms(250);
    }
    /* The VM keeps its latest operation only; the recent one stays, and so
     * does the event still to deliver. */
    assert_int_equal(pg_long("SELECT count(*) FROM operations WHERE target_id = '%s'", vm_id), 1);
    assert_int_equal(pg_long("SELECT count(*) FROM operations WHERE id = '%s'", latest), 1);
    assert_int_equal(pg_long("SELECT count(*) FROM operations WHERE id = "
                             "'0e7e7e7e-0000-4000-8000-000000000002'"),
                     1);
    assert_int_equal(pg_long("SELECT count(*) FROM outbox WHERE id = "
                             "'0e7e7e7e-0000-4000-8000-0000000000a3'"),
                     1);
    assert_true(metric("accelnet_retention_pruned_total{kind=\"operation\"} ") >= before + 2);
    assert_true(metric("accelnet_retention_pruned_total{kind=\"webhook\"} ") >= 2);
    /* The pruned one's status URL is gone; the kept one still answers. */
    char path[300];
    snprintf(path, sizeof path,
             "/subscriptions/" SUB "/providers/Microsoft.Compute/locations/westeurope/operations/"
             "0e7e7e7e-0000-4000-8000-000000000001?" AV);
    struct itest_resp r;
    call("GET", path, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 404);
    itest_resp_free(&r);
    free(latest);
    free(vm_id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create),         cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_lifecycle),      cmocka_unit_test(test_operation_status),
        cmocka_unit_test(test_rg_cascade),     cmocka_unit_test(test_capacity),
        cmocka_unit_test(test_agent_killed),   cmocka_unit_test(test_daemon_killed),
        cmocka_unit_test(test_daemon_sigterm), cmocka_unit_test(test_two_daemons),
        cmocka_unit_test(test_retention),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
