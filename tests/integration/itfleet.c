/* itfleet — see itfleet.h. */
#include "tests/integration/itfleet.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define AV      ITEST_AV
#define NETP    "/providers/Microsoft.Network"
#define RG_PATH ITFLEET_RG_PATH
#define NSG_ID  RG_PATH NETP "/networkSecurityGroups/" ITFLEET_NSG
#define SUBNET  RG_PATH NETP "/virtualNetworks/vnet/subnets/s"

static int fail(struct itfleet *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct itfleet *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->error, sizeof f->error, fmt, ap);
    va_end(ap);
    return -1;
}

/* One admin request; 0 when the status is one of want (0-terminated). */
static int call(struct itfleet *f, const char *method, const char *path, const char *body,
                const long *want, struct itest_resp *r)
{
    struct itest_req rq = {.method = method, .path = path, .body = body, .timeout_ms = 60000};
    itest_do(&f->d, &rq, r);
    for (const long *w = want; *w; w++)
        if (r->status == *w)
            return 0;
    return fail(f, "%s %s: %s", method, path, itest_resp_str(r));
}

static int put(struct itfleet *f, const char *path, const char *body)
{
    static const long ok[] = {200, 201, 0};
    struct itest_resp r;
    int rc = call(f, "PUT", path, body, ok, &r);
    itest_resp_free(&r);
    return rc;
}

/* --- the fleet ------------------------------------------------------------------ */

static int agents_start(struct itfleet *f)
{
    char pf[64];
    snprintf(pf, sizeof pf, "pf0,0000:03:00.0,15b3:1003,%d", f->o.vfs_per_agent);
    const char *argv[] = {"--vcpus", "640", "--memory-mb", "8388608", "--pf", pf, NULL};
    /* All at once: each registers and heartbeats by itself. */
    for (int i = 0; i < f->o.agents; i++) {
        snprintf(f->host_names[i], sizeof f->host_names[i], "fleet-host-%03d", i + 1);
        struct itest_agent_opts o = {
            .controller = f->d.url,
            .token = f->agent_token,
            .host_name = f->host_names[i],
            .location = "westeurope",
            .argv = argv,
            .env = (const char *const[]){
                "ACCELNET_AGENT_LOG_LEVEL=info",
                i < f->o.legacy_agents ? "ACCELNET_AGENT_TEST_NO_POLICY_BATCHES=1" : NULL, NULL}};
        if (itest_agent_spawn(&f->agents[i], &o) != 0)
            return fail(f, "agent %s did not start", f->host_names[i]);
    }
    for (int i = 0; i < f->o.agents; i++)
        if (itest_agent_wait_ready(&f->agents[i], 60000) != 0)
            return fail(f, "agent %s is not ready", f->host_names[i]);
    /* Healthy: registered, and heartbeating. */
    long long deadline = itest_now_ms() + 60000;
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM hosts WHERE name LIKE 'fleet-host-%%' AND last_heartbeat_at > "
             "now() - interval '20 seconds'");
    while (itest_pg_long(f->conninfo, sql) < f->o.agents) {
        if (itest_now_ms() > deadline)
            return fail(f, "%lld of %d agents registered after 60 s",
                        itest_pg_long(f->conninfo, sql), f->o.agents);
        itest_sleep_ms(100);
    }
    return 0;
}

/* NSG `name` in the fleet's resource group, with one rule (ssh). */
static int nsg_put(struct itfleet *f, const char *name)
{
    char path[300];
    snprintf(path, sizeof path, RG_PATH NETP "/networkSecurityGroups/%s?" AV, name);
    return put(f, path,
               "{\"location\":\"westeurope\",\"properties\":{\"securityRules\":[{\"name\":"
               "\"ssh\",\"properties\":{\"priority\":100,\"direction\":\"Inbound\",\"access\":"
               "\"Allow\",\"protocol\":\"Tcp\",\"sourceAddressPrefix\":\"*\",\"sourcePortRange\":"
               "\"*\",\"destinationAddressPrefix\":\"*\",\"destinationPortRange\":\"22\"}}]}}");
}

static int network_put(struct itfleet *f)
{
    char body[1024];
    if (put(f, "/admin/subscriptions/" ITFLEET_SUB "?" AV, "{\"displayName\":\"fleet\"}") != 0)
        return -1;
    char sql[300];
    snprintf(sql, sizeof sql,
             "INSERT INTO feature_registrations (subscription_id, namespace, feature, state) "
             "VALUES ('%s', 'Microsoft.Network', 'AllowAcceleratedNetworkingFeature', "
             "'Registered')",
             ITFLEET_SUB);
    if (itest_pg_exec(f->conninfo, sql) != 0)
        return fail(f, "cannot enroll the subscription");
    if (put(f, RG_PATH "?" AV, "{\"location\":\"westeurope\"}") != 0)
        return -1;
    if (nsg_put(f, ITFLEET_NSG) != 0)
        return -1;
    /* A /20: 4,091 addresses for NICs. */
    snprintf(body, sizeof body,
             "{\"location\":\"westeurope\",\"properties\":{\"addressSpace\":{\"addressPrefixes\":"
             "[\"10.0.0.0/16\"]},\"subnets\":[{\"name\":\"s\",\"properties\":{\"addressPrefix\":"
             "\"10.0.0.0/20\"}}]}}");
    return put(f, RG_PATH NETP "/virtualNetworks/vnet?" AV, body);
}

/* accelnetd on the fleet's database: the fleet's environment, then `more`
 * (may be NULL; a later entry replaces an earlier one), on `port` (0: a free
 * one). */
static int daemon_start(struct itfleet *f, const char *const *more, unsigned port)
{
    static char ca_env[600];
    snprintf(ca_env, sizeof ca_env, "ACCELNET_AGENT_CA_FILE=%s",
             itest_env("ACCELNET_TEST_TLS_CERT"));
    const char *env[96];
    size_t n = 0;
    env[n++] = ca_env;
    env[n++] = "ACCELNET_LOG_LEVEL=info";
    for (const char *const *p = f->o.env; p && *p && n < 63; p++)
        env[n++] = *p;
    for (const char *const *p = more; p && *p && n < 95; p++)
        env[n++] = *p;
    env[n] = NULL;
    struct itest_daemon_opts dopts = {.env = env, .port = port};
    if (itest_daemon_start(&f->d, f->conninfo, &dopts) != 0)
        return fail(f, "accelnetd did not start");
    return 0;
}

int itfleet_restart(struct itfleet *f, const char *const *env)
{
    unsigned port = f->d.port;
    int rc = itest_daemon_stop(&f->d, 30000);
    if (rc != 0)
        return fail(f, "accelnetd stopped with status %d", rc);
    return daemon_start(f, env, port);
}

int itfleet_start(struct itfleet *f, const struct itfleet_opts *o)
{
    memset(f, 0, sizeof *f);
    f->o = *o;
    if (f->o.threads <= 0)
        f->o.threads = 8;
    if (o->agents < 1 || o->agents > ITFLEET_HOSTS || o->nics_per_vm < 1 || o->nics_per_vm > 8)
        return fail(f, "itfleet_start: %d agents, %d NICs per VM", o->agents, o->nics_per_vm);
    f->conninfo = itest_db_create(o->db_name);
    if (daemon_start(f, NULL, 0) != 0)
        return -1;
    static const long created[] = {201, 0};
    struct itest_resp r;
    if (call(f, "POST", "/admin/tokens?" AV, "{\"role\":\"agent\",\"description\":\"fleet\"}",
             created, &r) != 0) {
        itest_resp_free(&r);
        return -1;
    }
    snprintf(f->agent_token, sizeof f->agent_token, "%s",
             json_string_value(json_object_get(r.json, "token")));
    itest_resp_free(&r);
    if (agents_start(f) != 0)
        return -1;
    return network_put(f);
}

void itfleet_stop(struct itfleet *f)
{
    for (int i = 0; i < f->o.agents; i++)
        if (f->agents[i].pid > 0)
            itest_daemon_kill(&f->agents[i]);
    if (f->d.pid > 0)
        itest_daemon_stop(&f->d, 30000);
    free(f->conninfo);
    f->conninfo = NULL;
}

/* --- populating, several requests at once --------------------------------------- */

struct pool {
    struct itfleet *f;
    int (*job)(struct itfleet *f, int i, char *err, size_t size);
    int count;
    int next;
    int failed;
    char error[1024];
    pthread_mutex_t lock;
};

static void *pool_worker(void *arg)
{
    struct pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        int i = p->failed ? p->count : p->next++;
        pthread_mutex_unlock(&p->lock);
        if (i >= p->count)
            return NULL;
        char err[1024];
        if (p->job(p->f, i, err, sizeof err) != 0) {
            pthread_mutex_lock(&p->lock);
            if (!p->failed)
                snprintf(p->error, sizeof p->error, "%s", err);
            p->failed = 1;
            pthread_mutex_unlock(&p->lock);
        }
    }
}

static int pool_run(struct itfleet *f, int count,
                    int (*job)(struct itfleet *f, int i, char *err, size_t size))
{
    struct pool p = {.f = f, .job = job, .count = count};
    pthread_t th[64];
    int n = f->o.threads < 64 ? f->o.threads : 64, started = 0;
    pthread_mutex_init(&p.lock, NULL);
    for (; started < n; started++)
        if (pthread_create(&th[started], NULL, pool_worker, &p) != 0)
            break;
    if (started == 0)
        pool_worker(&p);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_mutex_destroy(&p.lock);
    return p.failed ? fail(f, "%s", p.error) : 0;
}

/* A request whose status must be one of want; the message goes to err. */
static int job_call(struct itfleet *f, const char *method, const char *path, const char *body,
                    long want, char *err, size_t size)
{
    struct itest_req rq = {.method = method, .path = path, .body = body, .timeout_ms = 60000};
    struct itest_resp r;
    itest_do(&f->d, &rq, &r);
    int rc = r.status == want ? 0 : -1;
    if (rc != 0)
        snprintf(err, size, "%s %s: %s", method, path, itest_resp_str(&r));
    itest_resp_free(&r);
    return rc;
}

void itfleet_nic_body(char *buf, size_t size, const char *nsg)
{
    snprintf(buf, size,
             "{\"location\":\"westeurope\",\"properties\":{\"enableAcceleratedNetworking\":true,"
             "\"networkSecurityGroup\":{\"id\":\"" RG_PATH NETP
             "/networkSecurityGroups/%s\"},\"ipConfigurations\":[{\"name\":\"ipconfig1\","
             "\"properties\":{\"subnet\":{\"id\":\"" SUBNET "\"}}}]}}",
             nsg);
}

/* NIC `name` on the fleet's subnet, accelerated, in NSG nsg. */
static int nic_put(struct itfleet *f, const char *name, const char *nsg, char *err, size_t size)
{
    char path[300], body[700];
    snprintf(path, sizeof path, RG_PATH NETP "/networkInterfaces/%s?" AV, name);
    itfleet_nic_body(body, sizeof body, nsg);
    return job_call(f, "PUT", path, body, 201, err, size);
}

static int nic_job(struct itfleet *f, int i, char *err, size_t size)
{
    char name[32];
    snprintf(name, sizeof name, "nic-%05d", i);
    return nic_put(f, name, ITFLEET_NSG, err, size);
}

/* VM `name` (Standard_D15_v2) with the NICs named nics[0..n-1], the first
 * primary. */
static int vm_put(struct itfleet *f, const char *name, const char *const *nics, int n, char *err,
                  size_t size)
{
    char path[300], refs[3000] = "";
    size_t used = 0;
    for (int k = 0; k < n && used < sizeof refs; k++)
        used += (size_t)snprintf(refs + used, sizeof refs - used,
                                 "%s{\"id\":\"" RG_PATH NETP
                                 "/networkInterfaces/%s\",\"properties\":{\"primary\":%s}}",
                                 k ? "," : "", nics[k], k ? "false" : "true");
    char *body = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&body, &len);
    if (m == NULL)
        return snprintf(err, size, "open_memstream failed"), -1;
    fprintf(m,
            "{\"location\":\"westeurope\",\"properties\":{\"hardwareProfile\":{\"vmSize\":"
            "\"Standard_D15_v2\"},\"storageProfile\":{\"imageReference\":{\"publisher\":"
            "\"MicrosoftWindowsServer\",\"offer\":\"WindowsServer\",\"sku\":\"2012-R2-Datacenter\","
            "\"version\":\"latest\"}},\"osProfile\":{\"computerName\":\"%s\",\"adminUsername\":"
            "\"azureuser\",\"adminPassword\":\"S3cret-Passw0rd!\"},\"networkProfile\":{"
            "\"networkInterfaces\":[%s]}}}",
            name, refs);
    fclose(m);
    snprintf(path, sizeof path, RG_PATH "/providers/Microsoft.Compute/virtualMachines/%s?" AV,
             name);
    int rc = job_call(f, "PUT", path, body, 201, err, size);
    free(body);
    return rc;
}

static int vm_job(struct itfleet *f, int i, char *err, size_t size)
{
    char names[8][32], vm[32];
    const char *nics[8];
    for (int k = 0; k < f->o.nics_per_vm; k++) {
        snprintf(names[k], sizeof names[k], "nic-%05d", i * f->o.nics_per_vm + k);
        nics[k] = names[k];
    }
    snprintf(vm, sizeof vm, "vm-%04d", i);
    return vm_put(f, vm, nics, f->o.nics_per_vm, err, size);
}

/* Until no operation is in progress. */
static int wait_idle(struct itfleet *f, long timeout_ms)
{
    long long deadline = itest_now_ms() + timeout_ms;
    while (itest_pg_long(f->conninfo,
                         "SELECT count(*) FROM operations WHERE status = 'InProgress'") != 0) {
        if (itest_now_ms() > deadline)
            return fail(f, "%lld operations still in progress after %ld ms",
                        itest_pg_long(f->conninfo, "SELECT count(*) FROM operations WHERE "
                                                   "status = 'InProgress'"),
                        timeout_ms);
        itest_sleep_ms(200);
    }
    return 0;
}

/* Waits until no operation is in progress; 0 when `want` VMs then run
 * (name: only the VM of that name; NULL: all). */
static int vms_running(struct itfleet *f, const char *name, int want)
{
    if (wait_idle(f, 300000) != 0)
        return -1;
    char sql[300];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM virtual_machines WHERE provisioning_state = 'Succeeded' AND "
             "power_state = 'running'%s%s%s",
             name ? " AND name = '" : "", name ? name : "", name ? "'" : "");
    long long ok = itest_pg_long(f->conninfo, sql);
    if (ok != want) {
        char *why = itest_pg_value(f->conninfo, "SELECT string_agg(DISTINCT coalesce(error_code, "
                                                "status), ', ') FROM operations WHERE kind = "
                                                "'vm.create' AND status <> 'Succeeded'");
        fail(f, "%lld of %d VMs are running (operations: %s)", ok, want, why ? why : "-");
        free(why);
        return -1;
    }
    return 0;
}

int itfleet_populate(struct itfleet *f)
{
    if (pool_run(f, f->o.vms * f->o.nics_per_vm, nic_job) != 0)
        return -1;
    if (pool_run(f, f->o.vms, vm_job) != 0)
        return -1;
    return vms_running(f, NULL, f->o.vms);
}

int itfleet_single(struct itfleet *f, const char *nsg, const char *nic, const char *vm)
{
    char err[1024];
    if (nsg_put(f, nsg) != 0)
        return -1;
    if (nic_put(f, nic, nsg, err, sizeof err) != 0 ||
        vm_put(f, vm, (const char *const[]){nic}, 1, err, sizeof err) != 0)
        return fail(f, "%s", err);
    return vms_running(f, vm, 1);
}

/* --- changes and convergence ---------------------------------------------------- */

static const char *url_path(const char *url)
{
    const char *p = strstr(url, "://");
    return p ? strchr(p + 3, '/') : url;
}

int itfleet_rule_put(struct itfleet *f, const char *name, int priority, const char *port,
                     long timeout_ms, json_t **op)
{
    return itfleet_nsg_rule_put(f, ITFLEET_NSG, name, priority, port, timeout_ms, op);
}

int itfleet_nsg_rule_put(struct itfleet *f, const char *nsg, const char *name, int priority,
                         const char *port, long timeout_ms, json_t **op)
{
    char path[400], body[600];
    *op = NULL;
    snprintf(path, sizeof path, RG_PATH NETP "/networkSecurityGroups/%s/securityRules/%s?" AV, nsg,
             name);
    snprintf(body, sizeof body,
             "{\"properties\":{\"priority\":%d,\"direction\":\"Inbound\",\"access\":\"Allow\","
             "\"protocol\":\"Tcp\",\"sourceAddressPrefix\":\"*\",\"sourcePortRange\":\"*\","
             "\"destinationAddressPrefix\":\"*\",\"destinationPortRange\":\"%s\"}}",
             priority, port);
    static const long ok[] = {200, 201, 0};
    struct itest_resp r;
    if (call(f, "PUT", path, body, ok, &r) != 0) {
        itest_resp_free(&r);
        return -1;
    }
    const char *ps = json_string_value(
        json_object_get(json_object_get(r.json, "properties"), "provisioningState"));
    const char *async = itest_header(&r, "Azure-AsyncOperation");
    if (ps == NULL || strcmp(ps, "Updating") != 0 || async == NULL) {
        fail(f, "PUT %s: expected Updating with an Azure-AsyncOperation, got %s", path,
             itest_resp_str(&r));
        itest_resp_free(&r);
        return -1;
    }
    char op_path[700];
    snprintf(op_path, sizeof op_path, "%s", url_path(async));
    itest_resp_free(&r);
    long long deadline = itest_now_ms() + timeout_ms;
    static const long got[] = {200, 0};
    for (;;) {
        if (call(f, "GET", op_path, NULL, got, &r) != 0) {
            itest_resp_free(&r);
            return -1;
        }
        const char *status = json_string_value(json_object_get(r.json, "status"));
        if (status && strcmp(status, "InProgress") != 0) {
            *op = json_incref(r.json);
            itest_resp_free(&r);
            return 0;
        }
        itest_resp_free(&r);
        if (itest_now_ms() > deadline)
            return fail(f, "operation %s still InProgress after %ld ms", op_path, timeout_ms);
        itest_sleep_ms(50);
    }
}

/* An agent's inventory (the "value" array, caller decrefs), asked with the
 * callback token accelnetd stores for the host. */
static json_t *inventory(struct itfleet *f, int i)
{
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT callback_token FROM hosts WHERE name = '%s'",
             f->host_names[i]);
    char *token = itest_pg_value(f->conninfo, sql);
    if (token == NULL) {
        fail(f, "host %s is not registered", f->host_names[i]);
        return NULL;
    }
    struct itest_req rq = {.path = "/v1/nics", .auth = ITEST_AUTH_TOKEN, .token = token};
    struct itest_resp r;
    itest_do(&f->agents[i], &rq, &r);
    free(token);
    json_t *v = json_object_get(r.json, "value");
    if (r.status != 200 || !json_is_array(v)) {
        fail(f, "GET /v1/nics on %s: %s", f->host_names[i], itest_resp_str(&r));
        itest_resp_free(&r);
        return NULL;
    }
    json_incref(v);
    itest_resp_free(&r);
    return v;
}

/* What the database says: NIC id (lower case) -> [host, wanted, acknowledged]. */
static json_t *db_view(struct itfleet *f)
{
    PGconn *c = PQconnectdb(f->conninfo);
    if (PQstatus(c) != CONNECTION_OK) {
        fail(f, "PostgreSQL: %s", PQerrorMessage(c));
        PQfinish(c);
        return NULL;
    }
    PGresult *res = PQexec(c, "SELECT lower(id::text), vf_host, vf_policy_generation, "
                              "coalesce(vf_policy_acked, 0) FROM network_interfaces WHERE "
                              "vf_index IS NOT NULL");
    json_t *view = NULL;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        fail(f, "PostgreSQL: %s", PQerrorMessage(c));
    } else {
        view = json_object();
        for (int i = 0; i < PQntuples(res); i++)
            json_object_set_new(view, PQgetvalue(res, i, 0),
                                json_pack("[s, I, I]", PQgetvalue(res, i, 1),
                                          (json_int_t)atoll(PQgetvalue(res, i, 2)),
                                          (json_int_t)atoll(PQgetvalue(res, i, 3))));
    }
    PQclear(res);
    PQfinish(c);
    return view;
}

int itfleet_check(struct itfleet *f, long long *nics)
{
    json_t *view = db_view(f);
    if (view == NULL)
        return -1;
    int rc = 0;
    long long seen = 0;
    for (int i = 0; i < f->o.agents && rc == 0; i++) {
        json_t *inv = inventory(f, i);
        if (inv == NULL) {
            rc = -1;
            break;
        }
        size_t k;
        json_t *n;
        json_array_foreach(inv, k, n)
        {
            char id[64];
            snprintf(id, sizeof id, "%s", json_string_value(json_object_get(n, "nicId")));
            for (char *p = id; *p; p++)
                *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
            long long have = json_integer_value(json_object_get(n, "policyGeneration"));
            json_t *want = json_object_get(view, id);
            if (want == NULL) {
                rc = fail(f, "host %s has a VF for NIC %s, which the database does not put there",
                          f->host_names[i], id);
                break;
            }
            const char *host = json_string_value(json_array_get(want, 0));
            long long wanted = json_integer_value(json_array_get(want, 1));
            long long acked = json_integer_value(json_array_get(want, 2));
            if (strcmp(host, f->host_names[i]) != 0) {
                rc = fail(f, "NIC %s: its VF is on %s, the database says %s", id, f->host_names[i],
                          host);
                break;
            }
            if (have != wanted || acked != wanted) {
                rc = fail(f,
                          "NIC %s on %s: the agent has generation %lld, the database wants %lld "
                          "and has %lld acknowledged",
                          id, host, have, wanted, acked);
                break;
            }
            seen++;
        }
        json_decref(inv);
    }
    if (rc == 0 && seen != (long long)json_object_size(view))
        rc = fail(f, "the agents have %lld of the %zu VFs the database records", seen,
                  json_object_size(view));
    json_decref(view);
    if (nics)
        *nics = seen;
    return rc;
}

long long itfleet_hosts_used(struct itfleet *f)
{
    return itest_pg_long(f->conninfo, "SELECT count(DISTINCT vf_host) FROM network_interfaces "
                                      "WHERE vf_index IS NOT NULL");
}
