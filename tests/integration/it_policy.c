/* it_policy — policy propagation (issue 6) end to end: a real accelnetd and
 * real accelnet-agent processes (sim backend, HTTPS both ways).
 *
 *   - an NSG rule change (rule PUT, rule DELETE, inline PUT of the group, the
 *     subnet's group) answers provisioningState Updating with an operation,
 *     which succeeds once every affected agent has the new generation: the
 *     agents' inventories, the database's wanted and acknowledged generations
 *     agree;
 *   - two racing updates end with the newer generation everywhere;
 *   - an agent down during an update: the operation fails naming its host
 *     before ACCELNET_POLICY_PUSH_DEADLINE_S, the NIC stays wanted > acked;
 *   - reconciliation, servicing, evacuation, and a host declared dead
 *     (DELETE /admin/hosts/{hostName}) whose agent comes back later. */
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

#include "common/util.h"
#include "tests/integration/itest.h"

#define AV ITEST_AV

#define SUB     "b0000006-0000-4000-8000-000000000006"
#define NETP    "/providers/Microsoft.Network"
#define COMPUTE "/providers/Microsoft.Compute"

#define SIZE_AN  "Standard_D15_v2"
#define IMAGE_AN "MicrosoftWindowsServer", "WindowsServer", "2012-R2-Datacenter"
#define NAGENTS  3

static const char *daemon_env[] = {
    "ACCELNET_HOST_HEARTBEAT_INTERVAL=1",
    "ACCELNET_HOST_HEARTBEAT_TIMEOUT=4",
    "ACCELNET_AGENT_TIMEOUT_MS=1000",
    "ACCELNET_AGENT_RETRIES=1",
    "ACCELNET_AGENT_RETRY_BASE_MS=50",
    "ACCELNET_OPS_POLL_MS=200",
    "ACCELNET_OPS_LEASE_S=3",
    "ACCELNET_OPS_RETRY_AFTER=1",
    "ACCELNET_WORKERS=4",
    "ACCELNET_DB_POOL_SIZE=16",
    "ACCELNET_POLICY_PUSH_DEADLINE_S=3",
    "ACCELNET_RECONCILE_INTERVAL_S=2",
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

static const char *const host_names[NAGENTS] = {"pol-host-1", "pol-host-2", "pol-host-wcus"};

/* --- helpers (as in it_vm) ------------------------------------------------------- */

static __attribute__((unused)) void call_on(const struct itest_daemon *d, const char *method,
                                            const char *path, const char *body,
                                            struct itest_resp *r)
{
    struct itest_req rq = {.method = method, .path = path, .auth = ITEST_AUTH_ADMIN, .body = body};
    itest_do(d, &rq, r);
    if (itest_header(r, "x-ms-request-id") == NULL && r->status > 0)
        fail_msg("%s %s: no x-ms-request-id: %s", method, path, itest_resp_str(r));
}

static __attribute__((unused)) void call(const char *method, const char *path, const char *body,
                                         struct itest_resp *r)
{
    call_on(&g.d, method, path, body, r);
}

static __attribute__((unused)) json_t *jget(const json_t *o, const char *path)
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

static __attribute__((unused)) const char *jstr(const json_t *o, const char *path)
{
    return json_string_value(jget(o, path));
}

static __attribute__((unused)) void expect_str(const struct itest_resp *r, const char *path,
                                               const char *want)
{
    const char *v = jstr(r->json, path);
    if (v == NULL || strcmp(v, want) != 0)
        fail_msg("expected %s = \"%s\", got %s", path, want, itest_resp_str(r));
}

/* call() and check the status (and error code when code != NULL); frees r. */
static __attribute__((unused)) void expect(const char *method, const char *path, const char *body,
                                           long status, const char *code)
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
static __attribute__((unused)) int has_detail(const struct itest_resp *r, const char *target,
                                              const char *code)
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

static __attribute__((unused)) long long pg_long(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static __attribute__((unused)) long long pg_long(const char *fmt, ...)
{
    char sql[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    return itest_pg_long(g.conninfo, sql);
}

static __attribute__((unused)) char *pg_text(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static __attribute__((unused)) char *pg_text(const char *fmt, ...)
{
    char sql[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    return itest_pg_value(g.conninfo, sql);
}

static __attribute__((unused)) void pg_exec(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static __attribute__((unused)) void pg_exec(const char *fmt, ...)
{
    char sql[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    if (itest_pg_exec(g.conninfo, sql) != 0)
        fail_msg("SQL failed: %s", sql);
}

/* Paths, in rotating static __attribute__((unused)) buffers. */
static __attribute__((unused)) char *pbuf(void)
{
    static char bufs[64][600];
    static int next;
    return bufs[next++ % 64];
}

static __attribute__((unused)) const char *rg_url(const char *sub, const char *rg)
{
    char *b = pbuf();
    snprintf(b, 600, "/subscriptions/%s/resourcegroups/%s?" AV, sub, rg);
    return b;
}

static __attribute__((unused)) const char *nic_id(const char *sub, const char *rg, const char *name)
{
    char *b = pbuf();
    snprintf(b, 600, "/subscriptions/%s/resourceGroups/%s" NETP "/networkInterfaces/%s", sub, rg,
             name);
    return b;
}

static __attribute__((unused)) const char *nic_url(const char *sub, const char *rg,
                                                   const char *name)
{
    char *b = pbuf();
    snprintf(b, 600, "/subscriptions/%s/resourceGroups/%s" NETP "/networkInterfaces/%s?" AV, sub,
             rg, name);
    return b;
}

static __attribute__((unused)) const char *vm_url(const char *sub, const char *rg, const char *name,
                                                  const char *action)
{
    char *b = pbuf();
    snprintf(b, 600, "/subscriptions/%s/resourceGroups/%s" COMPUTE "/virtualMachines/%s%s%s?" AV,
             sub, rg, name, action ? "/" : "", action ? action : "");
    return b;
}

static __attribute__((unused)) void put_ok(const char *path, const char *body)
{
    struct itest_resp r;
    call("PUT", path, body, &r);
    if (r.status != 201 && r.status != 200)
        fail_msg("PUT %s: %s", path, itest_resp_str(&r));
    itest_resp_free(&r);
}

static __attribute__((unused)) void set_feature(const char *sub, const char *state)
{
    pg_exec("DELETE FROM feature_registrations WHERE subscription_id = '%s'", sub);
    if (*state)
        pg_exec("INSERT INTO feature_registrations (subscription_id, namespace, feature, state)"
                " VALUES ('%s', 'Microsoft.Network', 'AllowAcceleratedNetworkingFeature', '%s')",
                sub, state);
}

/* A resource group with a VNet (10.0.0.0/16, subnet "s" 10.0.0.0/24 with
 * NSG "subnet-nsg"), and an NSG "nic-nsg" with one rule, all in location. */
static __attribute__((unused)) void put_network(const char *sub, const char *rg,
                                                const char *location)
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
static __attribute__((unused)) void put_nic(const char *sub, const char *rg, const char *name,
                                            const char *location, int accelerated, int with_nsg)
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
static __attribute__((unused)) char *vm_body_ex(const char *sub, const char *rg,
                                                const char *location, const char *size,
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

static __attribute__((unused)) char *vm_body(const char *sub, const char *rg,
                                             const char *const *nics)
{
    return vm_body_ex(sub, rg, "westeurope", SIZE_AN, IMAGE_AN, nics, 0);
}

/* The path (and query) of an absolute URL from a header. */
static __attribute__((unused)) const char *url_path(const char *url)
{
    const char *p = strstr(url, "://");
    return p ? strchr(p + 3, '/') : url;
}

/* Polls an Azure-AsyncOperation URL until the operation ends; returns its
 * status object (caller decrefs). */
static __attribute__((unused)) json_t *wait_op_on(const struct itest_daemon *d,
                                                  const char *async_url, long timeout_ms)
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

static __attribute__((unused)) json_t *wait_op(const char *async_url)
{
    return wait_op_on(&g.d, async_url, 30000);
}

/* PUTs a VM and waits for the creation; returns the operation's final
 * status object (caller decrefs). */
static __attribute__((unused)) json_t *create_vm(const char *sub, const char *rg, const char *name,
                                                 const char *body)
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

static __attribute__((unused)) void expect_op(json_t *op, const char *status, const char *code)
{
    const char *s = jstr(op, "status");
    if (!s || strcmp(s, status) != 0 ||
        (code && (!jstr(op, "error.code") || strcmp(jstr(op, "error.code"), code) != 0))) {
        char *t = json_dumps(op, 0);
        fail_msg("expected operation %s%s%s, got %s", status, code ? " " : "", code ? code : "", t);
    }
}

/* An action (DELETE, POST deallocate/start) that answers 202; waits. */
static __attribute__((unused)) json_t *
vm_action(const char *method, const char *sub, const char *rg, const char *name, const char *action)
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

static __attribute__((unused)) json_t *get_json(const char *path)
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
static __attribute__((unused)) json_t *inventory(int i)
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
static __attribute__((unused)) json_t *inventory_nic(json_t *inv, const char *nic_uuid)
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
static __attribute__((unused)) void expect_consistent(void)
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

/* Which of the first two agents (0 or 1) has more of what count_sql (a
 * count with one '%s' for the host name) counts; the first on a tie. */
static int busier_agent(const char *count_sql)
{
    char q0[256], q1[256];
    snprintf(q0, sizeof q0, count_sql, host_names[0]);
    snprintf(q1, sizeof q1, count_sql, host_names[1]);
    return itest_pg_long(g.conninfo, q0) >= itest_pg_long(g.conninfo, q1) ? 0 : 1;
}

/* Waits until no operation is in progress. */
static __attribute__((unused)) void wait_idle(long timeout_ms)
{
    long long deadline = itest_now_ms() + timeout_ms;
    while (pg_long("SELECT count(*) FROM operations WHERE status = 'InProgress'") > 0) {
        if (itest_now_ms() > deadline)
            fail_msg("operations still in progress after %ld ms", timeout_ms);
        itest_sleep_ms(100);
    }
}

static __attribute__((unused)) int host_healthy(const char *name)
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

static __attribute__((unused)) void wait_healthy(const char *name)
{
    long long deadline = itest_now_ms() + 15000;
    while (!host_healthy(name)) {
        if (itest_now_ms() > deadline)
            fail_msg("host %s is not Healthy", name);
        itest_sleep_ms(100);
    }
}

static __attribute__((unused)) int start_agent(int i, const char *state_dir)
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
static __attribute__((unused)) void restart_agent(int i, int delay_ms)
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
    g.conninfo = itest_db_create("it_policy");
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
    call("POST", "/admin/tokens?" AV, "{\"role\":\"agent\",\"description\":\"it_policy\"}", &r);
    if (r.status != 201)
        return -1;
    snprintf(g.agent_token, sizeof g.agent_token, "%s", jstr(r.json, "token"));
    itest_resp_free(&r);
    for (int i = 0; i < 2; i++)
        if (start_agent(i, NULL) != 0)
            return -1;
    put_ok("/admin/subscriptions/" SUB "?" AV, "{\"displayName\":\"it_policy\"}");
    set_feature(SUB, "Registered");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    int rc = 0;
    if (getenv("IT_POLICY_LOG"))
        itest_daemon_log_tail(&g.d, 400);
    for (int i = 0; i < NAGENTS; i++)
        if (g.agents[i].pid > 0)
            itest_daemon_stop(&g.agents[i], 10000);
    if (g.d.pid > 0 && itest_daemon_stop(&g.d, 20000) != 0) {
        fprintf(stderr, "it_policy: accelnetd did not exit with 0 after SIGTERM\n");
        rc = -1;
    }
    free(g.conninfo);
    return rc;
}

/* --- tests ------------------------------------------------------------------------- */

static const char *nsg_url(const char *rg, const char *nsg, const char *rule)
{
    char *b = pbuf();
    snprintf(b, 600,
             "/subscriptions/" SUB "/resourceGroups/%s" NETP "/networkSecurityGroups/%s%s%s?" AV,
             rg, nsg, rule ? "/securityRules/" : "", rule ? rule : "");
    return b;
}

static char *rule_body(int priority, const char *port)
{
    return util_asprintf("{\"properties\":{\"priority\":%d,\"direction\":\"Inbound\","
                         "\"access\":\"Allow\",\"protocol\":\"Tcp\",\"sourceAddressPrefix\":"
                         "\"*\",\"sourcePortRange\":\"*\",\"destinationAddressPrefix\":\"*\","
                         "\"destinationPortRange\":\"%s\"}}",
                         priority, port);
}

/* A change that reaches NICs with VFs: Updating + an operation; waits. */
static json_t *change(const char *method, const char *path, const char *body, long status)
{
    struct itest_resp r;
    call(method, path, body, &r);
    if (r.status != status)
        fail_msg("%s %s: expected %ld, got %s", method, path, status, itest_resp_str(&r));
    if (body)
        expect_str(&r, "properties.provisioningState", "Updating");
    const char *async = itest_header(&r, "Azure-AsyncOperation");
    if (!async)
        fail_msg("%s %s: no Azure-AsyncOperation: %s", method, path, itest_resp_str(&r));
    json_t *op = wait_op(async);
    itest_resp_free(&r);
    return op;
}

/* Every NIC with a VF: the agent's generation == wanted == acknowledged. */
static void expect_converged(void)
{
    long long nics = pg_long("SELECT count(*) FROM network_interfaces WHERE vf_index IS NOT NULL");
    assert_true(nics > 0);
    long long seen = 0;
    for (int i = 0; i < NAGENTS; i++) {
        if (!itest_daemon_alive(&g.agents[i]))
            continue;
        json_t *inv = inventory(i);
        size_t k;
        json_t *n;
        json_array_foreach(inv, k, n)
        {
            const char *nic = json_string_value(json_object_get(n, "nicId"));
            long long have = json_integer_value(json_object_get(n, "policyGeneration"));
            long long want = pg_long("SELECT vf_policy_generation FROM network_interfaces WHERE id "
                                     "= '%s'",
                                     nic);
            long long acked =
                pg_long("SELECT vf_policy_acked FROM network_interfaces WHERE id = '%s'", nic);
            if (have != want || acked != want)
                fail_msg("NIC %s on %s: agent has generation %lld, the database wants %lld, "
                         "acknowledged %lld",
                         nic, host_names[i], have, want, acked);
            seen++;
        }
        json_decref(inv);
    }
    assert_int_equal(seen, nics);
}

/* Until every agent has what the database wants (the reconciler at work). */
static void wait_converged(long timeout_ms)
{
    long long deadline = itest_now_ms() + timeout_ms;
    while (pg_long("SELECT count(*) FROM network_interfaces WHERE vf_index IS NOT NULL AND "
                   "coalesce(vf_policy_acked, 0) < vf_policy_generation") > 0) {
        if (itest_now_ms() > deadline)
            fail_msg("policies not acknowledged after %ld ms", timeout_ms);
        itest_sleep_ms(200);
    }
    expect_converged();
}

static void make_vms(const char *rg, int count)
{
    put_network(SUB, rg, "westeurope");
    for (int i = 0; i < count; i++) {
        char nic[32], vm[32];
        snprintf(nic, sizeof nic, "nic-%d", i);
        snprintf(vm, sizeof vm, "vm-%d", i);
        put_nic(SUB, rg, nic, "westeurope", 1, 1);
        const char *one[] = {nic, NULL};
        char *body = vm_body(SUB, rg, one);
        json_t *op = create_vm(SUB, rg, vm, body);
        expect_op(op, "Succeeded", NULL);
        json_decref(op);
        free(body);
    }
}

static void test_push(void **state)
{
    (void)state;
    make_vms("rgp", 5); /* more than one host's 4 VFs: both agents have some */
    /* Both agents have VFs. */
    assert_int_equal(pg_long("SELECT count(DISTINCT vf_host) FROM network_interfaces WHERE "
                             "vf_index IS NOT NULL"),
                     2);
    expect_converged();
    long long before = pg_long("SELECT max(vf_policy_generation) FROM network_interfaces");

    /* A rule PUT on the NICs' NSG. */
    char *b = rule_body(300, "443");
    json_t *op = change("PUT", nsg_url("rgp", "nic-nsg", "https"), b, 201);
    free(b);
    expect_op(op, "Succeeded", NULL);
    json_decref(op);
    expect_converged();
    assert_true(pg_long("SELECT min(vf_policy_generation) FROM network_interfaces WHERE vf_index "
                        "IS NOT NULL") > before);
    /* The agents have the rule, at the NIC stage (the sim backend's state). */
    for (int i = 0; i < 2; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/vftable.json", g.agents[i].state_dir);
        json_t *t = json_load_file(path, 0, NULL);
        assert_non_null(t);
        char *text = json_dumps(t, JSON_COMPACT);
        if (!strstr(text, "\"name\":\"https\"") || !strstr(text, "\"stage\":\"nic\""))
            fail_msg("agent %s: the new rule is not installed: %.600s", host_names[i], text);
        free(text);
        json_decref(t);
    }

    /* The subnet's NSG, inline (the whole group PUT). */
    char body[1200];
    snprintf(body, sizeof body,
             "{\"location\":\"westeurope\",\"properties\":{\"securityRules\":[{\"name\":"
             "\"deny-telnet\",\"properties\":{\"priority\":200,\"direction\":\"Inbound\","
             "\"access\":\"Deny\",\"protocol\":\"Tcp\",\"sourceAddressPrefix\":\"Internet\","
             "\"sourcePortRange\":\"*\",\"destinationAddressPrefix\":\"*\","
             "\"destinationPortRange\":\"2323\"}}]}}");
    op = change("PUT", nsg_url("rgp", "subnet-nsg", NULL), body, 200);
    expect_op(op, "Succeeded", NULL);
    json_decref(op);
    expect_converged();

    /* A rule DELETE: 202, then Succeeded. */
    op = change("DELETE", nsg_url("rgp", "nic-nsg", "https"), NULL, 202);
    expect_op(op, "Succeeded", NULL);
    json_decref(op);
    expect_converged();

    /* The subnet's NSG replaced (subnet PUT): the NICs get the other rules. */
    snprintf(body, sizeof body,
             "{\"properties\":{\"addressPrefix\":\"10.0.0.0/24\",\"networkSecurityGroup\":{"
             "\"id\":\"/subscriptions/" SUB "/resourceGroups/rgp" NETP
             "/networkSecurityGroups/nic-nsg\"}}}");
    char *sp = pbuf();
    snprintf(sp, 600,
             "/subscriptions/" SUB "/resourceGroups/rgp" NETP
             "/virtualNetworks/vnet/subnets/s?" AV);
    op = change("PUT", sp, body, 200);
    expect_op(op, "Succeeded", NULL);
    json_decref(op);
    expect_converged();
    /* ... and back through the VNet PUT (inline subnets). */
    snprintf(body, sizeof body,
             "{\"location\":\"westeurope\",\"properties\":{\"addressSpace\":{"
             "\"addressPrefixes\":[\"10.0.0.0/16\"]},\"subnets\":[{\"name\":\"s\","
             "\"properties\":{\"addressPrefix\":\"10.0.0.0/24\",\"networkSecurityGroup\":{"
             "\"id\":\"/subscriptions/" SUB "/resourceGroups/rgp" NETP
             "/networkSecurityGroups/subnet-nsg\"}}}]}}");
    sp = pbuf();
    snprintf(sp, 600, "/subscriptions/" SUB "/resourceGroups/rgp" NETP "/virtualNetworks/vnet?" AV);
    op = change("PUT", sp, body, 200);
    expect_op(op, "Succeeded", NULL);
    json_decref(op);
    expect_converged();

    /* The same PUT again changes nothing: no operation. */
    snprintf(body, sizeof body,
             "{\"location\":\"westeurope\",\"properties\":{\"securityRules\":[{\"name\":"
             "\"deny-telnet\",\"properties\":{\"priority\":200,\"direction\":\"Inbound\","
             "\"access\":\"Deny\",\"protocol\":\"Tcp\",\"sourceAddressPrefix\":\"Internet\","
             "\"sourcePortRange\":\"*\",\"destinationAddressPrefix\":\"*\","
             "\"destinationPortRange\":\"2323\"}}]}}");
    struct itest_resp r;
    call("PUT", nsg_url("rgp", "subnet-nsg", NULL), body, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_str(&r, "properties.provisioningState", "Succeeded");
    assert_null(itest_header(&r, "Azure-AsyncOperation"));
    itest_resp_free(&r);
}

static json_t *effective(const char *rg, const char *nic)
{
    char *p = pbuf();
    snprintf(p, 600,
             "/subscriptions/" SUB "/resourceGroups/%s" NETP
             "/networkInterfaces/%s/effectiveNetworkSecurityGroups?" AV,
             rg, nic);
    struct itest_resp r;
    call("POST", p, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    json_t *o = json_incref(r.json);
    itest_resp_free(&r);
    return o;
}

/* The NIC stage of the policy an agent holds for one NIC (the sim backend's
 * state): the names of its rules, comma-separated, "" when it has no NIC
 * stage. Caller frees. */
static char *agent_nic_stage(int agent, const char *nic_uuid)
{
    char path[600];
    snprintf(path, sizeof path, "%s/vftable.json", g.agents[agent].state_dir);
    json_t *t = json_load_file(path, 0, NULL);
    assert_non_null(t);
    json_t *entry = NULL, *n;
    size_t i;
    json_array_foreach(json_object_get(t, "nics"), i, n)
    {
        const char *id = json_string_value(json_object_get(n, "nicId"));
        if (id && strcasecmp(id, nic_uuid) == 0)
            entry = n;
    }
    if (!entry) {
        json_decref(t);
        fail_msg("agent %s has no entry for NIC %s", host_names[agent], nic_uuid);
        return NULL;
    }
    struct buf names = {0};
    json_t *rule;
    json_array_foreach(jget(entry, "attach.policy.rules"), i, rule)
    {
        if (strcmp(jstr(rule, "stage"), "nic") == 0)
            buf_appendf(&names, "%s%s", names.len ? "," : "", jstr(rule, "name"));
    }
    json_decref(t);
    char *out = util_xstrdup(names.data ? names.data : "");
    buf_free(&names);
    return out;
}

/* A NIC's own NSG changed while its VM runs: Updating with a policy.push,
 * and its agent gets the new policy (the NIC stage goes, and comes back). */
static void test_nic_nsg(void **state)
{
    (void)state;
    char *nic_uuid = pg_text("SELECT id::text FROM network_interfaces WHERE name = 'nic-0' AND "
                             "rg_key = 'rgp' AND vf_index IS NOT NULL");
    assert_non_null(nic_uuid);
    char *host = pg_text("SELECT vf_host FROM network_interfaces WHERE id = '%s'", nic_uuid);
    int agent = strcmp(host, host_names[0]) == 0 ? 0 : 1;
    free(host);
    char *stage = agent_nic_stage(agent, nic_uuid);
    assert_true(strstr(stage, "rdp") != NULL);
    free(stage);
    long long before =
        pg_long("SELECT vf_policy_generation FROM network_interfaces WHERE id = '%s'", nic_uuid);

    /* Without its NSG. */
    char body[1200];
    snprintf(body, sizeof body,
             "{\"location\":\"westeurope\",\"properties\":{\"enableAcceleratedNetworking\":true,"
             "\"ipConfigurations\":[{\"name\":\"ipconfig1\",\"properties\":{\"subnet\":{\"id\":"
             "\"/subscriptions/" SUB "/resourceGroups/rgp" NETP
             "/virtualNetworks/vnet/subnets/s\"}}}]}}");
    json_t *op = change("PUT", nic_url(SUB, "rgp", "nic-0"), body, 200);
    expect_op(op, "Succeeded", NULL);
    json_decref(op);
    assert_true(pg_long("SELECT vf_policy_generation FROM network_interfaces WHERE id = '%s'",
                        nic_uuid) > before);
    expect_converged();
    stage = agent_nic_stage(agent, nic_uuid);
    assert_string_equal(stage, "");
    free(stage);
    /* Its GET is Succeeded again, and an identical PUT pushes nothing. */
    json_t *nic = get_json(nic_url(SUB, "rgp", "nic-0"));
    assert_string_equal(jstr(nic, "properties.provisioningState"), "Succeeded");
    assert_null(jget(nic, "properties.networkSecurityGroup"));
    json_decref(nic);
    struct itest_resp r;
    call("PUT", nic_url(SUB, "rgp", "nic-0"), body, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_str(&r, "properties.provisioningState", "Succeeded");
    assert_null(itest_header(&r, "Azure-AsyncOperation"));
    itest_resp_free(&r);

    /* Back with its NSG: the NIC stage returns. */
    put_nic(SUB, "rgp", "nic-tmp-unused", "westeurope", 0, 0); /* an unrelated NIC: no push */
    snprintf(body, sizeof body,
             "{\"location\":\"westeurope\",\"properties\":{\"enableAcceleratedNetworking\":true,"
             "\"networkSecurityGroup\":{\"id\":\"/subscriptions/" SUB "/resourceGroups/rgp" NETP
             "/networkSecurityGroups/nic-nsg\"},\"ipConfigurations\":[{\"name\":\"ipconfig1\","
             "\"properties\":{\"subnet\":{\"id\":\"/subscriptions/" SUB "/resourceGroups/rgp" NETP
             "/virtualNetworks/vnet/subnets/s\"}}}]}}");
    op = change("PUT", nic_url(SUB, "rgp", "nic-0"), body, 200);
    expect_op(op, "Succeeded", NULL);
    json_decref(op);
    expect_converged();
    stage = agent_nic_stage(agent, nic_uuid);
    assert_true(strstr(stage, "rdp") != NULL);
    free(stage);
    expect("DELETE", nic_url(SUB, "rgp", "nic-tmp-unused"), NULL, 200, NULL);

    /* Its addresses still wait for a deallocation. */
    snprintf(body, sizeof body,
             "{\"location\":\"westeurope\",\"properties\":{\"enableAcceleratedNetworking\":true,"
             "\"ipConfigurations\":[{\"name\":\"ipconfig1\",\"properties\":{"
             "\"privateIPAllocationMethod\":\"Static\",\"privateIPAddress\":\"10.0.0.200\","
             "\"subnet\":{\"id\":\"/subscriptions/" SUB "/resourceGroups/rgp" NETP
             "/virtualNetworks/vnet/subnets/s\"}}}]}}");
    expect("PUT", nic_url(SUB, "rgp", "nic-0"), body, 409, "VmMustBeDeallocated");
    free(nic_uuid);
}

/* The effective groups (subnet's, then NIC's) and the agent's generation next
 * to the database's. */
static void test_effective(void **state)
{
    (void)state;
    json_t *e = effective("rgp", "nic-0");
    assert_int_equal(json_array_size(json_object_get(e, "value")), 2);
    assert_non_null(jget(e, "value[0].association.subnet.id"));
    assert_non_null(strstr(jstr(e, "value[0].networkSecurityGroup.id"), "subnet-nsg"));
    assert_non_null(jget(e, "value[1].association.networkInterface.id"));
    assert_non_null(strstr(jstr(e, "value[1].networkSecurityGroup.id"), "nic-nsg"));
    /* The group's rule first, then the defaults. */
    assert_string_equal(jstr(e, "value[1].effectiveSecurityRules[0].name"), "securityRules/rdp");
    assert_string_equal(jstr(e, "value[1].effectiveSecurityRules[1].name"),
                        "defaultSecurityRules/AllowVnetInBound");
    assert_true(json_is_true(jget(e, "accelnetPolicy.virtualFunction")));
    assert_true(json_is_true(jget(e, "accelnetPolicy.inSync")));
    assert_true(json_is_true(jget(e, "accelnetPolicy.agent.reachable")));
    long long want = json_integer_value(jget(e, "accelnetPolicy.desiredGeneration"));
    assert_true(want > 0);
    assert_int_equal(json_integer_value(jget(e, "accelnetPolicy.agent.installedGeneration")), want);
    assert_int_equal(json_integer_value(jget(e, "accelnetPolicy.acknowledgedGeneration")), want);
    assert_int_equal(pg_long("SELECT vf_policy_generation FROM network_interfaces WHERE name = "
                             "'nic-0'"),
                     want);
    /* GET answers the same as ARM's POST action. */
    json_t *got = get_json("/subscriptions/" SUB "/resourceGroups/rgp" NETP
                           "/networkInterfaces/nic-0/effectiveNetworkSecurityGroups?" AV);
    if (!json_equal(got, e)) {
        char *a = json_dumps(got, JSON_COMPACT), *b = json_dumps(e, JSON_COMPACT);
        fail_msg("GET answered %.800s\nPOST answered %.800s", a, b);
    }
    json_decref(got);
    json_decref(e);
    /* A NIC without a VM: the groups, no virtual function. */
    put_nic(SUB, "rgp", "nic-spare", "westeurope", 1, 0);
    e = effective("rgp", "nic-spare");
    assert_int_equal(json_array_size(json_object_get(e, "value")), 1);
    assert_true(json_is_false(jget(e, "accelnetPolicy.virtualFunction")));
    json_decref(e);
    expect("POST",
           "/subscriptions/" SUB "/resourceGroups/rgp" NETP
           "/networkInterfaces/none/effectiveNetworkSecurityGroups?" AV,
           NULL, 404, "ResourceNotFound");
}

struct racer {
    const char *path;
    char *body;
    char async[700];
    long status;
};

static void *race_one(void *arg)
{
    struct racer *x = arg;
    struct itest_resp r;
    struct itest_req rq = {
        .method = "PUT", .path = x->path, .auth = ITEST_AUTH_ADMIN, .body = x->body};
    itest_do(&g.d, &rq, &r);
    x->status = r.status;
    const char *a = itest_header(&r, "Azure-AsyncOperation");
    snprintf(x->async, sizeof x->async, "%s", a ? a : "");
    itest_resp_free(&r);
    return NULL;
}

/* Two updates at once: whichever commits last has the higher generation, and
 * that generation is on every agent at the end. */
static void test_race(void **state)
{
    (void)state;
    for (int round = 0; round < 5; round++) {
        struct racer x[2] = {{nsg_url("rgp", "nic-nsg", "r1"), rule_body(400, "8080"), "", 0},
                             {nsg_url("rgp", "nic-nsg", "r2"), rule_body(410, "8081"), "", 0}};
        char p1[16], p2[16];
        snprintf(p1, sizeof p1, "%d", 8100 + round);
        snprintf(p2, sizeof p2, "%d", 8200 + round);
        free(x[0].body);
        free(x[1].body);
        x[0].body = rule_body(400, p1);
        x[1].body = rule_body(410, p2);
        pthread_t t[2];
        for (int i = 0; i < 2; i++)
            pthread_create(&t[i], NULL, race_one, &x[i]);
        for (int i = 0; i < 2; i++)
            pthread_join(t[i], NULL);
        for (int i = 0; i < 2; i++) {
            if (x[i].status != 201 && x[i].status != 200)
                fail_msg("racing PUT %s: %ld", x[i].path, x[i].status);
            assert_true(x[i].async[0] != '\0');
            json_t *op = wait_op(x[i].async);
            expect_op(op, "Succeeded", NULL);
            json_decref(op);
            free(x[i].body);
        }
        expect_converged();
    }
}

/* An agent down during an update: Failed naming its host before the
 * deadline; its NICs stay wanted > acked; the other agent has the update. */
static void test_agent_down(void **state)
{
    (void)state;
    itest_daemon_stop(&g.agents[1], 10000);
    char *b = rule_body(500, "9000");
    long long t0 = itest_now_ms();
    struct itest_resp r;
    call("PUT", nsg_url("rgp", "nic-nsg", "down"), b, &r);
    free(b);
    ITEST_EXPECT_STATUS(&r, 201);
    const char *async = itest_header(&r, "Azure-AsyncOperation");
    assert_non_null(async);
    char *async_url = strdup(async);
    itest_resp_free(&r);
    /* While the change is still trying to reach the stopped agent, the
     * group itself reads Updating. */
    call("GET", nsg_url("rgp", "nic-nsg", NULL), NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_str(&r, "properties.provisioningState", "Updating");
    itest_resp_free(&r);
    json_t *op = wait_op(async_url);
    free(async_url);
    expect_op(op, "Failed", "HostAgentUnavailable");
    const char *msg = jstr(op, "error.message");
    if (!msg || !strstr(msg, host_names[1]) || strstr(msg, host_names[0]))
        fail_msg("the message should name %s only: %s", host_names[1], msg ? msg : "(none)");
    json_decref(op);
    assert_true(itest_now_ms() - t0 < 15000);
    /* The effective view says the agent is out of reach and behind. */
    char *nic =
        pg_text("SELECT name FROM network_interfaces WHERE vf_host = '%s' LIMIT 1", host_names[1]);
    json_t *e = effective("rgp", nic);
    free(nic);
    assert_true(json_is_false(jget(e, "accelnetPolicy.agent.reachable")));
    assert_true(json_is_false(jget(e, "accelnetPolicy.inSync")));
    assert_true(json_integer_value(jget(e, "accelnetPolicy.desiredGeneration")) >
                json_integer_value(jget(e, "accelnetPolicy.acknowledgedGeneration")));
    json_decref(e);
    assert_true(pg_long("SELECT count(*) FROM network_interfaces WHERE vf_host = '%s' AND "
                        "vf_policy_generation > vf_policy_acked",
                        host_names[1]) > 0);
    assert_int_equal(pg_long("SELECT count(*) FROM network_interfaces WHERE vf_host = '%s' AND "
                             "vf_policy_generation > vf_policy_acked",
                             host_names[0]),
                     0);
    /* The operation is over: the group reads Succeeded again. */
    call("GET", nsg_url("rgp", "nic-nsg", NULL), NULL, &r);
    expect_str(&r, "properties.provisioningState", "Succeeded");
    itest_resp_free(&r);
    /* Back: the reconciler pushes what it missed. */
    restart_agent(1, 0);
    wait_converged(20000);
}

/* A metric's value in /metrics (0 when absent). */
/* A value from the daemon's /metrics (0 when the line is not there). */
static double metric(const char *line_prefix)
{
    return itest_metric(&g.d, line_prefix);
}

/* An agent restarted with an empty state directory: the reconciler attaches
 * its VFs again with their policies. */
static void test_lost_state(void **state)
{
    (void)state;
    long long on0 = pg_long("SELECT count(*) FROM network_interfaces WHERE vf_host = '%s' AND "
                            "vf_index IS NOT NULL",
                            host_names[0]);
    assert_true(on0 > 0);
    double before = metric("accelnet_reconcile_repaired_total{kind=\"lost\"} ");
    char dir[480], cmd[1100];
    snprintf(dir, sizeof dir, "%s", g.agents[0].state_dir);
    itest_daemon_stop(&g.agents[0], 10000);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'/* '%s'/.[!.]*", dir, dir);
    assert_int_equal(system(cmd), 0);
    restart_agent(0, 0);
    long long deadline = itest_now_ms() + 20000;
    for (;;) {
        json_t *inv = inventory(0);
        size_t have = json_array_size(inv);
        json_decref(inv);
        if ((long long)have == on0)
            break;
        if (itest_now_ms() > deadline)
            fail_msg("agent %s has %zu VFs after a restart with an empty state, the database "
                     "%lld",
                     host_names[0], have, on0);
        itest_sleep_ms(200);
    }
    wait_converged(20000);
    assert_true(metric("accelnet_reconcile_repaired_total{kind=\"lost\"} ") >=
                before + (double)on0);
}

/* A VF attached on the agent behind the database's back is released. */
/* Attaches a VF for a NIC the database does not know on agent a, behind
 * accelnetd's back, and waits for the reconciler to release it. */
static void leak_and_wait(int a, const char *leak)
{
    char *token = pg_text("SELECT callback_token FROM hosts WHERE name = '%s'", host_names[a]);
    char path[128];
    snprintf(path, sizeof path, "/v1/nics/%s", leak);
    struct itest_req rq = {
        .method = "PUT",
        .path = path,
        .auth = ITEST_AUTH_TOKEN,
        .token = token,
        .body = "{\"vmId\":\"6e6e6e6e-0000-4000-8000-00000000cafe\",\"macAddress\":"
                "\"00-0D-3A-6E-6E-6E\",\"ipAddress\":\"10.9.0.4\",\"prefixLength\":24,"
                "\"gateway\":\"10.9.0.1\",\"segmentId\":999,\"policy\":{\"generation\":1,"
                "\"rules\":[]}}"};
    struct itest_resp r;
    itest_do(&g.agents[a], &rq, &r);
    if (r.status != 201)
        fail_msg("attaching on the agent directly: %s", itest_resp_str(&r));
    itest_resp_free(&r);
    free(token);
    long long deadline = itest_now_ms() + 20000;
    for (;;) {
        json_t *inv = inventory(a);
        int there = inventory_nic(inv, leak) != NULL;
        json_decref(inv);
        if (!there)
            break;
        if (itest_now_ms() > deadline)
            fail_msg("the VF leaked on %s is still on the agent", host_names[a]);
        itest_sleep_ms(200);
    }
}

static void test_leak(void **state)
{
    (void)state;
    double before = metric("accelnet_reconcile_repaired_total{kind=\"leak\"} ");
    /* The agent with a free VF. */
    int a =
        pg_long("SELECT count(*) FROM network_interfaces WHERE vf_host = '%s'", host_names[0]) < 4
            ? 0
            : 1;
    leak_and_wait(a, "6e6e6e6e-0000-4000-8000-00000000beef");
    assert_true(metric("accelnet_reconcile_repaired_total{kind=\"leak\"} ") >= before + 1);
    assert_true(metric("accelnet_reconcile_drift_found_total{kind=\"leak\"} ") >= 1);
    expect_converged();
}

/* The rules an agent installed for a NIC (its sim backend's state), as text. */
static char *installed_rules(int agent, const char *nic_uuid)
{
    char path[600];
    snprintf(path, sizeof path, "%s/vftable.json", g.agents[agent].state_dir);
    json_t *t = json_load_file(path, 0, NULL);
    char *out = NULL;
    size_t i;
    json_t *n;
    json_array_foreach(json_object_get(t, "nics"), i, n)
    {
        if (strcasecmp(json_string_value(json_object_get(n, "nicId")), nic_uuid) == 0)
            out = json_dumps(jget(n, "attach.policy.rules"), JSON_COMPACT);
    }
    json_decref(t);
    return out;
}

/* An NSG change while a VF is being attached (agents slowed down): the NIC
 * ends with the new rules, whichever read the rules first. */
static void test_attach_race(void **state)
{
    (void)state;
    /* Slower than an attach takes, within ACCELNET_AGENT_TIMEOUT_MS. */
    restart_agent(0, 600);
    restart_agent(1, 600);
    put_nic(SUB, "rgp", "nic-race", "westeurope", 1, 1);
    const char *one[] = {"nic-race", NULL};
    char *body = vm_body(SUB, "rgp", one);
    struct itest_resp r;
    call("PUT", vm_url(SUB, "rgp", "vm-race", NULL), body, &r);
    free(body);
    ITEST_EXPECT_STATUS(&r, 201);
    char vm_async[700];
    snprintf(vm_async, sizeof vm_async, "%s", itest_header(&r, "Azure-AsyncOperation"));
    itest_resp_free(&r);
    /* Placed: the attach is on its way to the (slow) agent. */
    long long deadline = itest_now_ms() + 15000;
    while (pg_long("SELECT count(*) FROM operations o JOIN virtual_machines v ON v.id = "
                   "o.target_id WHERE v.name = 'vm-race' AND o.status = 'InProgress' AND "
                   "o.step = 'placed'") == 0) {
        if (itest_now_ms() > deadline)
            fail_msg("vm-race was not placed");
        itest_sleep_ms(20);
    }
    char *b = rule_body(700, "6000");
    json_t *op = change("PUT", nsg_url("rgp", "nic-nsg", "race"), b, 201);
    free(b);
    expect_op(op, "Succeeded", NULL);
    json_decref(op);
    op = wait_op(vm_async);
    expect_op(op, "Succeeded", NULL);
    json_decref(op);
    wait_converged(20000);
    char *nic = pg_text("SELECT id::text FROM network_interfaces WHERE name = 'nic-race'");
    char *host = pg_text("SELECT vf_host FROM network_interfaces WHERE name = 'nic-race'");
    int a = strcmp(host, host_names[0]) == 0 ? 0 : 1;
    char *rules = installed_rules(a, nic);
    if (!rules || !strstr(rules, "\"race\""))
        fail_msg("nic-race on %s lacks the rule changed during its attach: %.300s", host,
                 rules ? rules : "(none)");
    free(rules);
    free(nic);
    free(host);
    restart_agent(0, 0);
    restart_agent(1, 0);
}

/* Host servicing with several VMs: the agent revokes every VF, the NICs are
 * Fallback (and say since when), MAC and IP stay; completion restores them. */
static void test_servicing(void **state)
{
    (void)state;
    /* The agent with the most VMs. */
    int ai = busier_agent("SELECT count(*) FROM network_interfaces WHERE vf_host = '%s'");
    const char *h = host_names[ai];
    long long n = pg_long("SELECT count(*) FROM network_interfaces WHERE vf_host = '%s' AND "
                          "vf_index IS NOT NULL",
                          h);
    assert_true(n >= 2);
    char *nic = pg_text("SELECT name FROM network_interfaces WHERE vf_host = '%s' AND vf_index IS "
                        "NOT NULL ORDER BY name LIMIT 1",
                        h);
    json_t *before = get_json(nic_url(SUB, "rgp", nic));
    double fb = metric("\naccelnet_host_servicing_fallbacks_total ");

    struct itest_resp r;
    char path[128];
    snprintf(path, sizeof path, "/admin/hosts/%s/service?" AV, h);
    call("POST", path, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_true(json_is_true(jget(r.json, "servicing")));
    assert_non_null(jstr(r.json, "changedAt"));
    assert_int_equal(json_array_size(jget(r.json, "networkInterfaces")), n);
    size_t i;
    json_t *x;
    json_array_foreach(jget(r.json, "networkInterfaces"), i, x)
        assert_string_equal(json_string_value(json_object_get(x, "acceleratedState")), "Fallback");
    itest_resp_free(&r);
    /* The agent has revoked them all. */
    json_t *inv = inventory(ai);
    json_array_foreach(inv, i, x)
        assert_string_equal(json_string_value(json_object_get(x, "vfState")), "Revoked");
    assert_int_equal(json_array_size(inv), n);
    json_decref(inv);
    /* The NIC: Fallback since then; same MAC and IP, still its VM's. */
    json_t *during = get_json(nic_url(SUB, "rgp", nic));
    assert_string_equal(jstr(during, "properties.virtualFunction.state"), "Fallback");
    assert_non_null(jstr(during, "properties.virtualFunction.stateChangedAt"));
    assert_string_equal(jstr(during, "properties.macAddress"),
                        jstr(before, "properties.macAddress"));
    assert_string_equal(jstr(during, "properties.ipConfigurations[0].properties.privateIPAddress"),
                        jstr(before, "properties.ipConfigurations[0].properties.privateIPAddress"));
    assert_string_equal(jstr(during, "properties.virtualMachine.id"),
                        jstr(before, "properties.virtualMachine.id"));
    json_decref(during);
    assert_true(metric("\naccelnet_host_servicing_fallbacks_total ") >= fb + (double)n);
    /* The policy still follows changes while serviced (enforced on the
     * synthetic path). */
    char *b = rule_body(600, "7000");
    json_t *op = change("PUT", nsg_url("rgp", "nic-nsg", "svc"), b, 201);
    free(b);
    expect_op(op, "Succeeded", NULL);
    json_decref(op);

    snprintf(path, sizeof path, "/admin/hosts/%s/service/complete?" AV, h);
    call("POST", path, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_true(json_is_false(jget(r.json, "servicing")));
    json_array_foreach(jget(r.json, "networkInterfaces"), i, x)
        assert_string_equal(json_string_value(json_object_get(x, "acceleratedState")), "Active");
    itest_resp_free(&r);
    inv = inventory(ai);
    json_array_foreach(inv, i, x) assert_null(json_object_get(x, "vfState"));
    json_decref(inv);
    json_t *after = get_json(nic_url(SUB, "rgp", nic));
    assert_string_equal(jstr(after, "properties.virtualFunction.state"), "Active");
    assert_string_equal(jstr(after, "properties.macAddress"),
                        jstr(before, "properties.macAddress"));
    assert_int_equal(json_integer_value(jget(after, "properties.virtualFunction.vfIndex")),
                     json_integer_value(jget(before, "properties.virtualFunction.vfIndex")));
    json_decref(after);
    json_decref(before);
    free(nic);
    expect_converged();
    expect("POST", "/admin/hosts/no-such-host/service?" AV, NULL, 404, "HostNotFound");
}

/* Evacuation: the host's agent dies; its VMs are placed elsewhere with new
 * VFs (same NICs, MACs, IPs); the old VFs are released once it is back. */
static void test_evacuate(void **state)
{
    (void)state;
    /* A third host in westeurope with room for everything. */
    static const char *const argv8[] = {
        "--vcpus", "160", "--memory-mb", "2097152", "--pf", "pf0,0000:03:00.0,15b3:1003,8", NULL};
    struct itest_agent_opts o = {.controller = g.d.url,
                                 .token = g.agent_token,
                                 .host_name = host_names[2],
                                 .location = "westeurope",
                                 .argv = argv8};
    if (itest_agent_start(&g.agents[2], &o) != 0)
        fail_msg("the third agent did not start");
    wait_healthy(host_names[2]);

    int ai = busier_agent("SELECT count(*) FROM network_interfaces WHERE vf_host = '%s'");
    const char *h = host_names[ai];
    long long vms = pg_long("SELECT count(*) FROM virtual_machines WHERE host_name = '%s'", h);
    assert_true(vms >= 1);
    char *macs = pg_text("SELECT string_agg(n.mac_address::text || host(ic.private_ip), ',' ORDER "
                         "BY n.id) FROM network_interfaces n JOIN nic_ip_configurations ic ON "
                         "ic.nic_id = n.id WHERE n.vm_id IS NOT NULL");
    itest_daemon_stop(&g.agents[ai], 10000); /* the host is gone */

    char path[128];
    snprintf(path, sizeof path, "/admin/hosts/%s/evacuate?" AV, h);
    struct itest_resp r;
    call("POST", path, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_string_equal(jstr(r.json, "state"), "Draining");
    assert_int_equal(json_array_size(jget(r.json, "virtualMachines")), vms);
    itest_resp_free(&r);
    /* Every VM runs elsewhere. */
    long long deadline = itest_now_ms() + 30000;
    while (pg_long("SELECT count(*) FROM operations WHERE status = 'InProgress' AND kind = "
                   "'vm.start'") > 0) {
        if (itest_now_ms() > deadline)
            fail_msg("the evacuation's vm.start operations did not end");
        itest_sleep_ms(200);
    }
    assert_int_equal(pg_long("SELECT count(*) FROM virtual_machines WHERE host_name = '%s'", h), 0);
    assert_int_equal(pg_long("SELECT count(*) FROM virtual_machines WHERE provisioning_state <> "
                             "'Succeeded' OR power_state <> 'running'"),
                     0);
    assert_int_equal(pg_long("SELECT count(*) FROM network_interfaces WHERE vm_id IS NOT NULL AND "
                             "(vf_index IS NULL OR vf_host = '%s')",
                             h),
                     0);
    char *macs2 = pg_text("SELECT string_agg(n.mac_address::text || host(ic.private_ip), ',' ORDER "
                          "BY n.id) FROM network_interfaces n JOIN nic_ip_configurations ic ON "
                          "ic.nic_id = n.id WHERE n.vm_id IS NOT NULL");
    assert_string_equal(macs, macs2);
    free(macs);
    free(macs2);
    /* The old VFs wait for the host; back, it releases them. */
    assert_true(pg_long("SELECT count(*) FROM operations WHERE status = 'InProgress' AND kind = "
                        "'vf.release'") > 0);
    /* Meanwhile a leak on another host is still repaired: the releases
     * waiting for the dead host hold back nothing else. */
    leak_and_wait(2, "6e6e6e6e-0000-4000-8000-00000000d00d");
    assert_true(pg_long("SELECT count(*) FROM operations WHERE status = 'InProgress' AND kind = "
                        "'vf.release'") > 0);
    restart_agent(ai, 0);
    deadline = itest_now_ms() + 30000;
    for (;;) {
        json_t *inv = inventory(ai);
        size_t left = json_array_size(inv);
        json_decref(inv);
        if (left == 0 && pg_long("SELECT vfs_used FROM hosts WHERE name = '%s'", h) == 0)
            break;
        if (itest_now_ms() > deadline)
            fail_msg("host %s still has %zu VFs after the evacuation", h, left);
        itest_sleep_ms(200);
    }
    expect_converged();
    snprintf(path, sizeof path, "/admin/hosts/%s/enable?" AV, h);
    call("POST", path, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    itest_resp_free(&r);
    expect("POST", "/admin/hosts/no-such-host/evacuate?" AV, NULL, 404, "HostNotFound");
}

/* Declaring a host dead: its agent dies with VMs on it. Refused while VMs
 * are placed on it and while it is still Healthy with VFs placed on it;
 * evacuated and Unhealthy, it is deleted: its vf.release operations end,
 * nothing refers to it. The agent comes back with its old state: it
 * registers a new host and the reconciler releases the VFs it still holds.
 * A Healthy host with nothing on it is deleted too: its running agent gets
 * 404 on its next heartbeat and registers it again. */
static void test_declare_dead(void **state)
{
    (void)state;
    /* The busier of the first two hosts (the other and the third have room
     * for everything). */
    int ai = busier_agent("SELECT count(*) FROM virtual_machines WHERE host_name = '%s'");
    const char *h = host_names[ai];
    long long vms = pg_long("SELECT count(*) FROM virtual_machines WHERE host_name = '%s'", h);
    assert_true(vms >= 1);
    char *vm = pg_text("SELECT name FROM virtual_machines WHERE host_name = '%s' ORDER BY "
                       "lower(name), id LIMIT 1",
                       h);
    itest_daemon_stop(&g.agents[ai], 10000); /* the host dies */

    char path[128], evac[128];
    snprintf(path, sizeof path, "/admin/hosts/%s?" AV, h);
    snprintf(evac, sizeof evac, "/admin/hosts/%s/evacuate", h);
    struct itest_resp r;
    /* VMs on it: evacuate first. */
    call("DELETE", path, NULL, &r);
    ITEST_EXPECT_ERROR(&r, 409, "HostHasVirtualMachines");
    assert_string_equal(jstr(r.json, "error.target"), "hostName");
    const char *msg = itest_error_message(&r);
    if (!strstr(msg, evac) || !strstr(msg, vm))
        fail_msg("the refusal should name %s and say to evacuate: %s", vm, msg);
    itest_resp_free(&r);
    free(vm);

    snprintf(evac, sizeof evac, "/admin/hosts/%s/evacuate?" AV, h);
    call("POST", evac, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_int_equal(json_array_size(jget(r.json, "virtualMachines")), vms);
    itest_resp_free(&r);
    /* Still heartbeating (as if the agent were only cut off from the VMs):
     * it may hold the VFs that wait to be released. */
    pg_exec("UPDATE hosts SET last_heartbeat_at = now() WHERE name = '%s'", h);
    call("DELETE", path, NULL, &r);
    ITEST_EXPECT_ERROR(&r, 409, "HostIsHealthy");
    msg = itest_error_message(&r);
    if (!strstr(msg, "4 seconds") || !strstr(msg, "vf.release"))
        fail_msg("the refusal should give the heartbeat timeout and name vf.release: %s", msg);
    itest_resp_free(&r);
    assert_int_equal(pg_long("SELECT count(*) FROM hosts WHERE name = '%s'", h), 1);

    long long deadline = itest_now_ms() + 30000;
    while (pg_long("SELECT count(*) FROM operations WHERE status = 'InProgress' AND kind = "
                   "'vm.start'") > 0) {
        if (itest_now_ms() > deadline)
            fail_msg("the evacuation's vm.start operations did not end");
        itest_sleep_ms(200);
    }
    deadline = itest_now_ms() + 15000;
    while (host_healthy(h)) {
        if (itest_now_ms() > deadline)
            fail_msg("host %s is still Healthy", h);
        itest_sleep_ms(200);
    }
    long long pending = pg_long("SELECT count(*) FROM operations WHERE kind = 'vf.release' AND "
                                "status = 'InProgress' AND params->>'host' = '%s'",
                                h);
    assert_int_equal(pending, vms);
    double deleted = metric("\naccelnet_hosts_deleted_total ");
    double leaks = metric("accelnet_reconcile_repaired_total{kind=\"leak\"} ");

    /* Declared dead. */
    call("DELETE", path, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_str(&r, "hostName", h);
    expect_str(&r, "health", "Unhealthy");
    assert_int_equal(json_integer_value(jget(r.json, "virtualFunctionsReleased")), pending);
    json_t *ended = jget(r.json, "operationsEnded");
    assert_int_equal(json_array_size(ended), pending);
    size_t i;
    json_t *x;
    json_array_foreach(ended, i, x)
    {
        const char *id = json_string_value(x);
        assert_int_equal(pg_long("SELECT count(*) FROM operations WHERE id = '%s' AND kind = "
                                 "'vf.release' AND status = 'Succeeded' AND end_time IS NOT NULL",
                                 id),
                         1);
        if (i == 0) {
            /* As its subscription sees it. */
            char op_path[300];
            snprintf(op_path, sizeof op_path,
                     "/subscriptions/" SUB COMPUTE "/locations/westeurope/operations/%s?" AV, id);
            json_t *op = get_json(op_path);
            expect_op(op, "Succeeded", NULL);
            json_decref(op);
        }
    }
    itest_resp_free(&r);
    expect("GET", path, NULL, 404, "HostNotFound");
    expect("DELETE", path, NULL, 404, "HostNotFound");
    assert_int_equal(pg_long("SELECT count(*) FROM network_interfaces WHERE vf_host = '%s'", h), 0);
    assert_int_equal(pg_long("SELECT count(*) FROM host_pfs WHERE host_name = '%s'", h), 0);
    assert_int_equal(pg_long("SELECT count(*) FROM operations WHERE status = 'InProgress' AND "
                             "params->>'host' = '%s'",
                             h),
                     0);
    assert_int_equal(pg_long("SELECT count(*) FROM audit_log WHERE action = 'host.delete' AND "
                             "details->>'host' = '%s'",
                             h),
                     1);
    assert_true(metric("\naccelnet_hosts_deleted_total ") >= deleted + 1);

    /* The agent comes back with what it had: a new host, and the VFs it still
     * holds are leaks the reconciler releases. */
    restart_agent(ai, 0);
    assert_int_equal(pg_long("SELECT vfs_used FROM hosts WHERE name = '%s'", h), 0);
    deadline = itest_now_ms() + 30000;
    for (;;) {
        json_t *inv = inventory(ai);
        size_t left = json_array_size(inv);
        json_decref(inv);
        if (left == 0)
            break;
        if (itest_now_ms() > deadline)
            fail_msg("host %s still has %zu VFs after it was declared dead and came back", h, left);
        itest_sleep_ms(200);
    }
    assert_true(metric("accelnet_reconcile_repaired_total{kind=\"leak\"} ") >=
                leaks + (double)pending);

    /* A clean decommission: Healthy, nothing on it. Its agent still runs, so
     * it registers the host again at its next heartbeat. */
    call("DELETE", path, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_str(&r, "health", "Healthy");
    assert_int_equal(json_integer_value(jget(r.json, "virtualFunctionsReleased")), 0);
    assert_int_equal(json_array_size(jget(r.json, "operationsEnded")), 0);
    itest_resp_free(&r);
    wait_healthy(h);
    assert_true(metric("\naccelnet_hosts_deleted_total ") >= deleted + 2);
    expect_converged();
    expect("DELETE", "/admin/hosts/no-such-host?" AV, NULL, 404, "HostNotFound");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_push),         cmocka_unit_test(test_nic_nsg),
        cmocka_unit_test(test_effective),    cmocka_unit_test(test_race),
        cmocka_unit_test(test_agent_down),   cmocka_unit_test(test_lost_state),
        cmocka_unit_test(test_leak),         cmocka_unit_test(test_attach_race),
        cmocka_unit_test(test_servicing),    cmocka_unit_test(test_evacuate),
        cmocka_unit_test(test_declare_dead),
    };
    return cmocka_run_group_tests_name("it_policy", tests, setup, teardown);
}
