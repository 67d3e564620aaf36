/* it_agentclient — accelnetd's client for host agents (service/agentclient.h)
 * against PROTOCOL DOUBLES: small loopback HTTP(S) servers inside this test
 * that implement the agent side of notes/ISSUE5.md ("accelnetd → agent":
 * health, attach, set policy, policies in batches (POST /v1/policies, or
 * not: an agent from before it), detach, inventory, the ARM error envelope,
 * bearer callback tokens) with test-only fault injection (5xx answers,
 * dropped connections, delays, garbage). They are NOT accelnet-agent: the
 * real agent is written in parallel and replaces them in later tests.
 *
 * What is checked: every call and its parsed result (the VF), the agent's
 * error codes carried back (NoFreeVirtualFunction, StalePolicyGeneration,
 * NicNotFound, AuthenticationFailed), idempotency by NIC id, bounded retries
 * with backoff on 5xx, dropped connections, refused connections and
 * timeouts but never on 4xx, TLS verified against a CA file (and refused
 * without it, with no retry), plain http:// only to loopback, and the
 * fan-out's bounds per host and in total, and batches of policies: one
 * request per batch with each rule set once, the per-NIC outcomes, a failed
 * batch's error on each of its NICs, and the fallback to one PUT per NIC for
 * an agent that answers the batch 404 or 405. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>

#include "service/agentclient.h"
#include "tests/integration/itest.h"

/* ========================================================================== */
/* The protocol double                                                        */
/* ========================================================================== */

#define PD_MAX_VFS  16
#define PD_MAX_BODY 65536

struct pd_nic {
    int used;
    char nic_id[37];
    char vm_id[37];
    char mac[18];
    long long generation;
    json_t *rules;
};

struct pd {
    struct MHD_Daemon *mhd;
    unsigned port;
    int tls;
    char url[64];
    char host_name[64];
    char token[128];
    pthread_mutex_t lock;
    int nvfs;
    struct pd_nic vfs[PD_MAX_VFS]; /* VF index = slot */
    /* test-only fault injection, off by default */
    int fail_next;    /* answer 503 to this many requests */
    int drop_next;    /* close this many connections without an answer */
    int garbage_next; /* answer 200 with a body that is not JSON */
    int delay_ms;     /* every request waits this long first */
    int no_batches;   /* POST /v1/policies: 1 = 404 NotFound (an older agent), 2 = 405 */
    /* observations */
    int requests;
    int in_flight, max_in_flight;
    char last_method[8];
    char last_path[256];
    json_t *last_body;
};

/* In flight over every double at once (the fan-out's total bound). */
static pthread_mutex_t pd_all_lock = PTHREAD_MUTEX_INITIALIZER;
static int pd_all_in_flight, pd_all_max;

struct pd_conn {
    char *body;
    size_t len;
};

static json_t *pd_nic_json(const struct pd *p, int i)
{
    const struct pd_nic *n = &p->vfs[i];
    char pci[16], rep[16];
    snprintf(pci, sizeof pci, "0000:03:%02x.%d", i / 8, i % 8);
    snprintf(rep, sizeof rep, "pf0vf%d", i);
    return json_pack("{s:s, s:s, s:s, s:I, s:{s:s, s:i, s:s, s:s, s:s, s:s, s:s}}", "nicId",
                     n->nic_id, "vmId", n->vm_id, "macAddress", n->mac, "policyGeneration",
                     (json_int_t)n->generation, "vf", "pf", "pf0", "vfIndex", i, "pciAddress", pci,
                     "representor", rep, "driver", "mlx4_core", "vendorId", "15b3", "deviceId",
                     "1004");
}

static enum MHD_Result pd_reply(struct MHD_Connection *c, unsigned status, json_t *body)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    struct MHD_Response *r = MHD_create_response_from_buffer(
        text ? strlen(text) : 0, text ? text : (char *)"", MHD_RESPMEM_MUST_COPY);
    free(text);
    if (text)
        MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result pd_error(struct MHD_Connection *c, unsigned status, const char *code,
                                const char *message)
{
    return pd_reply(c, status,
                    json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", message));
}

static int pd_find(const struct pd *p, const char *nic_id)
{
    for (int i = 0; i < p->nvfs; i++)
        if (p->vfs[i].used && strcmp(p->vfs[i].nic_id, nic_id) == 0)
            return i;
    return -1;
}

/* Answers one request; called with p->lock held. */
static enum MHD_Result pd_handle(struct pd *p, struct MHD_Connection *c, const char *method,
                                 const char *url, json_t *body)
{
    char nic[37] = "";
    const char *rest = NULL;
    if (strncmp(url, "/v1/nics/", 9) == 0) {
        size_t n = strcspn(url + 9, "/");
        if (n == 0 || n >= sizeof nic)
            return pd_error(c, 404, "NotFound", "no such path");
        memcpy(nic, url + 9, n);
        nic[n] = '\0';
        rest = url + 9 + n;
    }
    if (strcmp(method, "GET") == 0 && strcmp(url, "/v1/health") == 0) {
        int used = 0;
        for (int i = 0; i < p->nvfs; i++)
            used += p->vfs[i].used;
        return pd_reply(c, 200,
                        json_pack("{s:s, s:s, s:s, s:i, s:i}", "status", "ok", "hostName",
                                  p->host_name, "backend", "sim", "vfsTotal", p->nvfs, "vfsInUse",
                                  used));
    }
    if (strcmp(method, "GET") == 0 && strcmp(url, "/v1/nics") == 0) {
        json_t *v = json_array();
        for (int i = 0; i < p->nvfs; i++)
            if (p->vfs[i].used)
                json_array_append_new(v, pd_nic_json(p, i));
        return pd_reply(c, 200, json_pack("{s:o}", "value", v));
    }
    if (rest && strcmp(method, "PUT") == 0 && *rest == '\0') {
        /* Attach: idempotent by nicId. */
        json_t *pol = json_object_get(body, "policy");
        if (!json_is_string(json_object_get(body, "vmId")) ||
            !json_is_string(json_object_get(body, "macAddress")) ||
            !json_is_integer(json_object_get(pol, "generation")) ||
            !json_is_array(json_object_get(pol, "rules")))
            return pd_error(c, 400, "InvalidRequestContent", "vmId, macAddress, policy needed");
        int i = pd_find(p, nic);
        if (i >= 0)
            return pd_reply(c, 200, pd_nic_json(p, i));
        for (i = 0; i < p->nvfs && p->vfs[i].used; i++)
            ;
        if (i == p->nvfs)
            return pd_error(c, 409, "NoFreeVirtualFunction", "every VF is in use");
        struct pd_nic *n = &p->vfs[i];
        n->used = 1;
        snprintf(n->nic_id, sizeof n->nic_id, "%s", nic);
        snprintf(n->vm_id, sizeof n->vm_id, "%s", json_string_value(json_object_get(body, "vmId")));
        snprintf(n->mac, sizeof n->mac, "%s",
                 json_string_value(json_object_get(body, "macAddress")));
        n->generation = json_integer_value(json_object_get(pol, "generation"));
        n->rules = json_incref(json_object_get(pol, "rules"));
        return pd_reply(c, 201, pd_nic_json(p, i));
    }
    if (rest && strcmp(method, "PUT") == 0 && strcmp(rest, "/policy") == 0) {
        int i = pd_find(p, nic);
        if (i < 0)
            return pd_error(c, 404, "NicNotFound", "no such NIC");
        json_t *gen = json_object_get(body, "generation");
        if (!json_is_integer(gen) || !json_is_array(json_object_get(body, "rules")))
            return pd_error(c, 400, "InvalidRequestContent", "generation and rules needed");
        if (json_integer_value(gen) < p->vfs[i].generation)
            return pd_error(c, 409, "StalePolicyGeneration", "a newer policy is installed");
        p->vfs[i].generation = json_integer_value(gen);
        json_decref(p->vfs[i].rules);
        p->vfs[i].rules = json_incref(json_object_get(body, "rules"));
        return pd_reply(c, 200, pd_nic_json(p, i));
    }
    if (strcmp(url, "/v1/policies") == 0 && p->no_batches == 2)
        return pd_error(c, 405, "MethodNotAllowed", "no such method");
    if (strcmp(method, "POST") == 0 && strcmp(url, "/v1/policies") == 0 && !p->no_batches) {
        /* The batch: each NIC as PUT .../policy would have it. */
        json_t *sets = json_object_get(body, "ruleSets");
        json_t *nics = json_object_get(body, "nics");
        if (!json_is_array(sets) || !json_is_array(nics) || json_array_size(nics) == 0 ||
            json_array_size(nics) > 256)
            return pd_error(c, 400, "InvalidRequestContent", "ruleSets and nics needed");
        json_t *results = json_array();
        for (size_t k = 0; k < json_array_size(nics); k++) {
            json_t *o = json_array_get(nics, k);
            const char *id = json_string_value(json_object_get(o, "nicId"));
            json_t *rules =
                json_array_get(sets, (size_t)json_integer_value(json_object_get(o, "ruleSet")));
            long long gen = json_integer_value(json_object_get(o, "generation"));
            int i = id ? pd_find(p, id) : -1;
            if (!json_is_array(rules)) {
                json_decref(results);
                return pd_error(c, 400, "InvalidRequestContent", "no such rule set");
            }
            json_t *r;
            if (i < 0)
                r = json_pack("{s:s, s:i, s:s, s:s}", "nicId", id ? id : "", "status", 404, "code",
                              "NicNotFound", "message", "no such NIC");
            else if (gen < p->vfs[i].generation)
                r = json_pack("{s:s, s:i, s:s, s:s, s:I}", "nicId", id, "status", 409, "code",
                              "StalePolicyGeneration", "message", "a newer policy is installed",
                              "policyGeneration", (json_int_t)p->vfs[i].generation);
            else {
                p->vfs[i].generation = gen;
                json_decref(p->vfs[i].rules);
                p->vfs[i].rules = json_incref(rules);
                r = json_pack("{s:s, s:i, s:I}", "nicId", id, "status", 200, "policyGeneration",
                              (json_int_t)gen);
            }
            json_array_append_new(results, r);
        }
        return pd_reply(c, 200, json_pack("{s:o}", "results", results));
    }
    if (rest && strcmp(method, "DELETE") == 0 && *rest == '\0') {
        int i = pd_find(p, nic);
        if (i < 0)
            return pd_reply(c, 204, NULL);
        json_decref(p->vfs[i].rules);
        memset(&p->vfs[i], 0, sizeof p->vfs[i]);
        return pd_reply(c, 200, json_object());
    }
    return pd_error(c, 404, "NotFound", "no such route");
}

static enum MHD_Result pd_access(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version, const char *upload,
                                 size_t *upload_size, void **con_cls)
{
    struct pd *p = cls;
    struct pd_conn *pc = *con_cls;
    (void)version;
    if (!pc) {
        *con_cls = calloc(1, sizeof(*pc));
        return *con_cls ? MHD_YES : MHD_NO;
    }
    if (*upload_size) {
        if (pc->len + *upload_size > PD_MAX_BODY)
            return MHD_NO;
        pc->body = realloc(pc->body, pc->len + *upload_size + 1);
        memcpy(pc->body + pc->len, upload, *upload_size);
        pc->len += *upload_size;
        pc->body[pc->len] = '\0';
        *upload_size = 0;
        return MHD_YES;
    }

    pthread_mutex_lock(&p->lock);
    p->requests++;
    if (++p->in_flight > p->max_in_flight)
        p->max_in_flight = p->in_flight;
    int delay = p->delay_ms;
    pthread_mutex_unlock(&p->lock);
    pthread_mutex_lock(&pd_all_lock);
    if (++pd_all_in_flight > pd_all_max)
        pd_all_max = pd_all_in_flight;
    pthread_mutex_unlock(&pd_all_lock);
    if (delay)
        itest_sleep_ms(delay);

    json_t *body = pc->len ? json_loadb(pc->body, pc->len, 0, NULL) : NULL;
    enum MHD_Result ret;
    pthread_mutex_lock(&p->lock);
    snprintf(p->last_method, sizeof p->last_method, "%s", method);
    snprintf(p->last_path, sizeof p->last_path, "%s", url);
    json_decref(p->last_body);
    p->last_body = json_incref(body);
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    char want[160];
    snprintf(want, sizeof want, "Bearer %s", p->token);
    if (p->drop_next > 0) {
        p->drop_next--;
        ret = MHD_NO; /* closes the connection without an answer */
    } else if (!auth || strlen(auth) != strlen(want) ||
               sodium_memcmp(auth, want, strlen(want)) != 0) {
        ret = pd_error(c, 401, "AuthenticationFailed", "wrong or missing callback token");
    } else if (p->fail_next > 0) {
        p->fail_next--;
        ret = pd_error(c, 503, "AgentBusy", "test-only fault injection: try again");
    } else if (p->garbage_next > 0) {
        p->garbage_next--;
        struct MHD_Response *r =
            MHD_create_response_from_buffer(9, (void *)"not json{", MHD_RESPMEM_PERSISTENT);
        ret = MHD_queue_response(c, 200, r);
        MHD_destroy_response(r);
    } else {
        ret = pd_handle(p, c, method, url, body);
    }
    p->in_flight--;
    pthread_mutex_unlock(&p->lock);
    pthread_mutex_lock(&pd_all_lock);
    pd_all_in_flight--;
    pthread_mutex_unlock(&pd_all_lock);
    json_decref(body);
    return ret;
}

static void pd_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct pd_conn *pc = *con_cls;
    (void)cls, (void)c, (void)toe;
    if (pc) {
        free(pc->body);
        free(pc);
    }
    *con_cls = NULL;
}

static char *pd_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = calloc(1, 65536);
    size_t n = fread(buf, 1, 65535, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* Starts a double on 127.0.0.1 (HTTPS with the test certificate when tls). */
static void pd_start(struct pd *p, const char *host_name, int nvfs, int tls)
{
    memset(p, 0, sizeof *p);
    pthread_mutex_init(&p->lock, NULL);
    snprintf(p->host_name, sizeof p->host_name, "%s", host_name);
    randombytes_buf(p->token, 24);
    for (int i = 0; i < 24; i++)
        p->token[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[(unsigned char)p->token[i] % 36];
    snprintf(p->token + 24, sizeof p->token - 24, "-callback-token-%s", host_name);
    p->nvfs = nvfs;
    p->tls = tls;
    p->port = itest_free_port();
    assert_true(p->port > 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)p->port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_ERROR_LOG | (tls ? MHD_USE_TLS : 0);
    char *cert = NULL, *key = NULL;
    if (tls) {
        cert = pd_read_file(itest_env("ACCELNET_TEST_TLS_CERT"));
        key = pd_read_file(itest_env("ACCELNET_TEST_TLS_KEY"));
        assert_non_null(cert);
        assert_non_null(key);
        p->mhd = MHD_start_daemon(flags, 0, NULL, NULL, pd_access, p, MHD_OPTION_SOCK_ADDR, &sa,
                                  MHD_OPTION_NOTIFY_COMPLETED, pd_completed, NULL,
                                  MHD_OPTION_HTTPS_MEM_CERT, cert, MHD_OPTION_HTTPS_MEM_KEY, key,
                                  MHD_OPTION_END);
    } else {
        p->mhd = MHD_start_daemon(flags, 0, NULL, NULL, pd_access, p, MHD_OPTION_SOCK_ADDR, &sa,
                                  MHD_OPTION_NOTIFY_COMPLETED, pd_completed, NULL, MHD_OPTION_END);
    }
    free(cert);
    free(key);
    assert_non_null(p->mhd);
    snprintf(p->url, sizeof p->url, "%s://127.0.0.1:%u", tls ? "https" : "http", p->port);
}

static void pd_stop(struct pd *p)
{
    if (p->mhd)
        MHD_stop_daemon(p->mhd);
    p->mhd = NULL;
    for (int i = 0; i < PD_MAX_VFS; i++)
        json_decref(p->vfs[i].rules);
    json_decref(p->last_body);
    pthread_mutex_destroy(&p->lock);
}

static struct agentc_target pd_target(const struct pd *p)
{
    return (struct agentc_target){.host = p->host_name, .url = p->url, .token = p->token};
}

/* ========================================================================== */
/* Tests                                                                      */
/* ========================================================================== */

#define NIC1 "6b1f2c3d-0000-4000-8000-000000000001"
#define NIC2 "6b1f2c3d-0000-4000-8000-000000000002"
#define NIC3 "6b1f2c3d-0000-4000-8000-000000000003"
#define VM1  "7c2e3d4f-0000-4000-8000-000000000001"

static struct agentc *client(unsigned timeout_ms, unsigned retries, const char *ca_file)
{
    struct agentc_opts o = {.timeout_ms = timeout_ms,
                            .retries = retries,
                            .retry_base_ms = 50,
                            .retry_max_ms = 400,
                            .ca_file = ca_file,
                            .max_in_flight = 8,
                            .max_per_host = 4};
    struct agentc *ac = agentc_new(&o);
    assert_non_null(ac);
    return ac;
}

static json_t *some_rules(void)
{
    return json_pack("[{s:s, s:s, s:i, s:s, s:s, s:s, s:[s], s:[s], s:[s], s:[s]}]", "stage", "nic",
                     "name", "allow-ssh", "priority", 100, "direction", "Inbound", "access",
                     "Allow", "protocol", "Tcp", "sourceAddressPrefixes", "*", "sourcePortRanges",
                     "*", "destinationAddressPrefixes", "*", "destinationPortRanges", "22");
}

static void test_health_and_auth(void **state)
{
    (void)state;
    struct pd p;
    pd_start(&p, "node-h", 4, 0);
    struct agentc *ac = client(2000, 3, NULL);
    struct agentc_target t = pd_target(&p);
    struct agentc_health h;
    struct agentc_error e;
    assert_int_equal(agentc_health(ac, &t, &h, &e), 0);
    assert_string_equal(h.status, "ok");
    assert_string_equal(h.host_name, "node-h");
    assert_string_equal(h.backend, "sim");
    assert_int_equal(h.vfs_total, 4);
    assert_int_equal(h.vfs_in_use, 0);
    assert_int_equal(e.attempts, 1);
    assert_string_equal(p.last_method, "GET");
    assert_string_equal(p.last_path, "/v1/health");

    /* A wrong callback token: 401 with the agent's code, never retried. */
    t.token = "not-the-callback-token-of-this-agent";
    int before = p.requests;
    assert_int_equal(agentc_health(ac, &t, &h, &e), -1);
    assert_int_equal(e.kind, AGENTC_E_HTTP);
    assert_int_equal(e.http_status, 401);
    assert_string_equal(e.code, "AuthenticationFailed");
    assert_int_equal(e.attempts, 1);
    assert_int_equal(p.requests - before, 1);
    agentc_free(ac);
    pd_stop(&p);
}

static void test_nic_calls(void **state)
{
    (void)state;
    struct pd p;
    pd_start(&p, "node-n", 2, 0);
    struct agentc *ac = client(2000, 3, NULL);
    struct agentc_target t = pd_target(&p);
    struct agentc_error e;
    struct agentc_nic n, n2;
    int created = -1;
    json_t *rules = some_rules();
    struct agentc_attach a = {.vm_id = VM1,
                              .mac_address = "00-0D-3A-00-00-01",
                              .ip_address = "10.0.0.4",
                              .prefix_length = 24,
                              .gateway = "10.0.0.1",
                              .segment_id = 4096,
                              .rate_limit_mbps = 0,
                              .policy_generation = 3,
                              .rules = rules};

    /* Attach: a new VF (201), parsed into the struct. */
    assert_int_equal(agentc_attach(ac, &t, NIC1, &a, &n, &created, &e), 0);
    assert_int_equal(created, 1);
    assert_string_equal(n.nic_id, NIC1);
    assert_string_equal(n.vm_id, VM1);
    assert_string_equal(n.mac_address, "00-0D-3A-00-00-01");
    assert_int_equal(n.policy_generation, 3);
    assert_string_equal(n.vf.pf, "pf0");
    assert_int_equal(n.vf.vf_index, 0);
    assert_string_equal(n.vf.pci_address, "0000:03:00.0");
    assert_string_equal(n.vf.representor, "pf0vf0");
    assert_string_equal(n.vf.driver, "mlx4_core");
    assert_string_equal(n.vf.vendor_id, "15b3");
    assert_string_equal(n.vf.device_id, "1004");
    /* What the agent got is the protocol's body. */
    assert_string_equal(p.last_method, "PUT");
    assert_string_equal(p.last_path, "/v1/nics/" NIC1);
    assert_string_equal(json_string_value(json_object_get(p.last_body, "ipAddress")), "10.0.0.4");
    assert_int_equal(json_integer_value(json_object_get(p.last_body, "prefixLength")), 24);
    assert_string_equal(json_string_value(json_object_get(p.last_body, "gateway")), "10.0.0.1");
    assert_int_equal(json_integer_value(json_object_get(p.last_body, "segmentId")), 4096);
    assert_int_equal(json_integer_value(json_object_get(p.last_body, "rateLimitMbps")), 0);
    assert_true(
        json_equal(json_object_get(json_object_get(p.last_body, "policy"), "rules"), rules));

    /* The same NIC again: the VF it has (200). */
    assert_int_equal(agentc_attach(ac, &t, NIC1, &a, &n2, &created, &e), 0);
    assert_int_equal(created, 0);
    assert_int_equal(n2.vf.vf_index, n.vf.vf_index);
    assert_int_equal(agentc_attach(ac, &t, NIC2, &a, &n2, &created, &e), 0);
    assert_int_equal(n2.vf.vf_index, 1);
    /* Out of VFs: the agent's 409 and code, not retried. */
    int before = p.requests;
    assert_int_equal(agentc_attach(ac, &t, NIC3, &a, &n2, &created, &e), -1);
    assert_int_equal(e.kind, AGENTC_E_HTTP);
    assert_int_equal(e.http_status, 409);
    assert_string_equal(e.code, "NoFreeVirtualFunction");
    assert_int_equal(e.attempts, 1);
    assert_int_equal(p.requests - before, 1);
    assert_non_null(strstr(e.message, "every VF is in use"));

    /* Policy: newer replaces, equal is fine, older refused. */
    assert_int_equal(agentc_set_policy(ac, &t, NIC1, 5, rules, &n2, &e), 0);
    assert_int_equal(n2.policy_generation, 5);
    assert_string_equal(p.last_path, "/v1/nics/" NIC1 "/policy");
    assert_int_equal(json_integer_value(json_object_get(p.last_body, "generation")), 5);
    assert_int_equal(agentc_set_policy(ac, &t, NIC1, 5, rules, &n2, &e), 0);
    assert_int_equal(agentc_set_policy(ac, &t, NIC1, 4, rules, &n2, &e), -1);
    assert_string_equal(e.code, "StalePolicyGeneration");
    assert_int_equal(e.http_status, 409);
    assert_int_equal(e.attempts, 1);
    assert_int_equal(agentc_set_policy(ac, &t, NIC3, 9, NULL, &n2, &e), -1);
    assert_string_equal(e.code, "NicNotFound");
    assert_int_equal(e.http_status, 404);
    /* No rules: an empty array on the wire. */
    assert_true(json_is_array(json_object_get(p.last_body, "rules")));

    /* Inventory. */
    struct agentc_nic *inv = NULL;
    size_t ninv = 0;
    assert_int_equal(agentc_inventory(ac, &t, &inv, &ninv, &e), 0);
    assert_int_equal(ninv, 2);
    assert_string_equal(inv[0].nic_id, NIC1);
    assert_int_equal(inv[0].policy_generation, 5);
    assert_string_equal(inv[1].nic_id, NIC2);
    free(inv);

    /* Detach: 200 then 204. */
    int detached = -1;
    assert_int_equal(agentc_detach(ac, &t, NIC1, &detached, &e), 0);
    assert_int_equal(detached, 1);
    assert_string_equal(p.last_method, "DELETE");
    assert_int_equal(agentc_detach(ac, &t, NIC1, &detached, &e), 0);
    assert_int_equal(detached, 0);
    assert_int_equal(agentc_inventory(ac, &t, &inv, &ninv, &e), 0);
    assert_int_equal(ninv, 1);
    free(inv);

    /* A NIC id that is not a UUID never leaves the process. */
    before = p.requests;
    assert_int_equal(agentc_detach(ac, &t, "../health", &detached, &e), -1);
    assert_int_equal(e.kind, AGENTC_E_URL);
    assert_int_equal(e.attempts, 0);
    assert_int_equal(p.requests, before);

    /* An answer that is not the protocol's. */
    p.garbage_next = 1;
    assert_int_equal(agentc_inventory(ac, &t, &inv, &ninv, &e), -1);
    assert_int_equal(e.kind, AGENTC_E_PROTOCOL);
    assert_null(inv);
    json_decref(rules);
    agentc_free(ac);
    pd_stop(&p);
}

/* Attaches NIC1..3 at generations 3, 5 and 4. */
static void attach_three(struct agentc *ac, const struct agentc_target *t, json_t *rules)
{
    static const char *const ids[] = {NIC1, NIC2, NIC3};
    static const long long gens[] = {3, 5, 4};
    struct agentc_error e;
    for (int i = 0; i < 3; i++) {
        struct agentc_attach a = {.vm_id = VM1,
                                  .mac_address = "00-0D-3A-00-00-01",
                                  .ip_address = "10.0.0.4",
                                  .prefix_length = 24,
                                  .segment_id = 4096,
                                  .policy_generation = gens[i],
                                  .rules = rules};
        assert_int_equal(agentc_attach(ac, t, ids[i], &a, NULL, NULL, &e), 0);
    }
}

#define NIC_UNKNOWN "6b1f2c3d-0000-4000-8000-000000000009"

/* One batch with every outcome: NIC1 newer, NIC2 older, NIC3 equal, one
 * unknown, one id that is not a UUID (never sent). */
static void batch_fill(struct agentc_policy pol[5], const json_t *a, const json_t *b)
{
    memset(pol, 0, 5 * sizeof(*pol));
    pol[0] = (struct agentc_policy){.nic_id = NIC1, .generation = 7, .rules = a};
    pol[1] = (struct agentc_policy){.nic_id = NIC2, .generation = 4, .rules = b};
    pol[2] = (struct agentc_policy){.nic_id = NIC3, .generation = 4, .rules = a};
    pol[3] = (struct agentc_policy){.nic_id = NIC_UNKNOWN, .generation = 1, .rules = a};
    pol[4] = (struct agentc_policy){.nic_id = "../health", .generation = 1, .rules = a};
}

/* The outcomes batch_fill's NICs must have, however they were sent. */
static void batch_expect(const struct agentc_policy pol[5])
{
    assert_int_equal(pol[0].err.kind, AGENTC_OK);
    assert_int_equal(pol[0].policy_generation, 7);
    assert_int_equal(pol[1].err.kind, AGENTC_E_HTTP);
    assert_int_equal(pol[1].err.http_status, 409);
    assert_string_equal(pol[1].err.code, "StalePolicyGeneration");
    assert_non_null(strstr(pol[1].err.message, "a newer policy is installed"));
    assert_int_equal(pol[2].err.kind, AGENTC_OK);
    assert_int_equal(pol[2].policy_generation, 4);
    assert_int_equal(pol[3].err.kind, AGENTC_E_HTTP);
    assert_int_equal(pol[3].err.http_status, 404);
    assert_string_equal(pol[3].err.code, "NicNotFound");
    assert_int_equal(pol[4].err.kind, AGENTC_E_URL);
    assert_int_equal(pol[4].err.attempts, 0);
}

static void test_policies_batch(void **state)
{
    (void)state;
    struct pd p;
    pd_start(&p, "node-b", 4, 0);
    struct agentc *ac = client(2000, 3, NULL);
    struct agentc_target t = pd_target(&p);
    json_t *a = some_rules(), *b = json_array();
    attach_three(ac, &t, b);

    struct agentc_policy pol[5];
    batch_fill(pol, a, b);
    struct agentc_call call = {
        .op = AGENTC_SET_POLICIES, .target = t, .policies = pol, .npolicies = 5};
    int before = p.requests;
    assert_int_equal(agentc_run(ac, &call, 1), 0);
    assert_int_equal(call.err.kind, AGENTC_OK);
    assert_int_equal(call.err.attempts, 1);
    assert_int_equal(call.per_nic, 0);
    batch_expect(pol);
    assert_non_null(strstr(pol[1].err.message, "host node-b: set policy of NIC " NIC2));
    /* One request, each rule set in it once. */
    assert_int_equal(p.requests - before, 1);
    assert_string_equal(p.last_method, "POST");
    assert_string_equal(p.last_path, "/v1/policies");
    json_t *sets = json_object_get(p.last_body, "ruleSets");
    json_t *nics = json_object_get(p.last_body, "nics");
    assert_int_equal(json_array_size(sets), 2);
    assert_true(json_equal(json_array_get(sets, 0), a));
    assert_true(json_equal(json_array_get(sets, 1), b));
    assert_int_equal(json_array_size(nics), 4);
    json_t *want = json_pack("{s:s, s:i, s:i}", "nicId", NIC3, "generation", 4, "ruleSet", 0);
    assert_true(json_equal(json_array_get(nics, 2), want));
    json_decref(want);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(nics, 1), "ruleSet")), 1);
    assert_int_equal(p.vfs[0].generation, 7);
    assert_true(json_equal(p.vfs[0].rules, a));
    assert_int_equal(p.vfs[1].generation, 5);

    /* The batch fails as a whole (503, retried, then given up): every NIC
     * sent has that error; the one never sent keeps its own. */
    batch_fill(pol, a, b);
    p.fail_next = 10;
    before = p.requests;
    assert_int_equal(agentc_run(ac, &call, 1), 1);
    assert_int_equal(call.err.kind, AGENTC_E_HTTP);
    assert_int_equal(call.err.http_status, 503);
    assert_int_equal(p.requests - before, 4); /* 1 + 3 retries */
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pol[i].err.kind, AGENTC_E_HTTP);
        assert_int_equal(pol[i].err.http_status, 503);
        assert_string_equal(pol[i].err.code, "AgentBusy");
    }
    assert_int_equal(pol[4].err.kind, AGENTC_E_URL);
    p.fail_next = 0;

    /* A wrong token: 401 on every NIC, not retried. */
    batch_fill(pol, a, b);
    call.target.token = "not-the-callback-token-of-this-agent";
    assert_int_equal(agentc_run(ac, &call, 1), 1);
    assert_int_equal(call.err.attempts, 1);
    assert_int_equal(pol[0].err.http_status, 401);
    assert_string_equal(pol[3].err.code, "AuthenticationFailed");
    call.target = t;

    /* Nothing to send, or too much: refused before any request. */
    before = p.requests;
    call.npolicies = 0;
    assert_int_equal(agentc_run(ac, &call, 1), 1);
    assert_int_equal(call.err.kind, AGENTC_E_URL);
    call.npolicies = AGENTC_POLICIES_MAX + 1;
    struct agentc_policy *many = calloc(AGENTC_POLICIES_MAX + 1, sizeof(*many));
    for (size_t i = 0; i <= AGENTC_POLICIES_MAX; i++)
        many[i] = (struct agentc_policy){.nic_id = NIC1, .generation = 8, .rules = a};
    call.policies = many;
    assert_int_equal(agentc_run(ac, &call, 1), 1);
    assert_int_equal(call.err.kind, AGENTC_E_URL);
    assert_int_equal(many[AGENTC_POLICIES_MAX].err.kind, AGENTC_E_URL);
    free(many);
    assert_int_equal(p.requests, before);

    /* An unreachable agent: every NIC unreachable. */
    batch_fill(pol, a, b);
    call = (struct agentc_call){
        .op = AGENTC_SET_POLICIES,
        .target = {.host = "node-gone", .url = "http://127.0.0.1:1", .token = "t"},
        .policies = pol,
        .npolicies = 5};
    assert_int_equal(agentc_run(ac, &call, 1), 1);
    assert_int_equal(pol[0].err.kind, AGENTC_E_UNREACHABLE);
    assert_int_equal(pol[3].err.kind, AGENTC_E_UNREACHABLE);
    assert_non_null(strstr(pol[0].err.message, "node-gone"));

    json_decref(a);
    json_decref(b);
    agentc_free(ac);
    pd_stop(&p);
}

/* An agent from before POST /v1/policies (404 NotFound) or one that does
 * not allow it (405): the same NICs go one PUT each, with the same
 * outcomes, within the same agentc_run(). */
static void test_policies_fallback(void **state)
{
    (void)state;
    for (int mode = 1; mode <= 2; mode++) {
        struct pd p;
        pd_start(&p, "node-old", 4, 0);
        p.no_batches = mode;
        struct agentc *ac = client(2000, 3, NULL);
        struct agentc_target t = pd_target(&p);
        json_t *a = some_rules(), *b = json_array();
        attach_three(ac, &t, b);
        struct agentc_policy pol[5];
        batch_fill(pol, a, b);
        /* And a second batch to another (new) agent in the same fan-out. */
        struct pd q;
        pd_start(&q, "node-new", 4, 0);
        struct agentc_target tq = pd_target(&q);
        attach_three(ac, &tq, b);
        struct agentc_policy polq[5];
        batch_fill(polq, a, b);
        struct agentc_call calls[2] = {
            {.op = AGENTC_SET_POLICIES, .target = t, .policies = pol, .npolicies = 5},
            {.op = AGENTC_SET_POLICIES, .target = tq, .policies = polq, .npolicies = 5}};
        int before = p.requests, beforeq = q.requests;
        assert_int_equal(agentc_run(ac, calls, 2), 0);
        assert_int_equal(calls[0].err.kind, AGENTC_OK);
        assert_int_equal(calls[0].per_nic, 1);
        assert_int_equal(calls[1].per_nic, 0);
        batch_expect(pol);
        batch_expect(polq);
        /* The batch, then one PUT per NIC that has a UUID. */
        assert_int_equal(p.requests - before, 1 + 4);
        assert_int_equal(q.requests - beforeq, 1);
        assert_string_equal(p.last_method, "PUT");
        assert_int_equal(p.vfs[0].generation, 7);
        assert_true(json_equal(p.vfs[0].rules, a));
        assert_int_equal(p.vfs[1].generation, 5);
        struct buf m = {0};
        agentc_metrics_render(&m);
        assert_non_null(strstr(m.data, "accelnet_agent_policy_batch_fallbacks_total"));
        assert_null(strstr(m.data, "accelnet_agent_policy_batch_fallbacks_total 0\n"));
        buf_free(&m);
        json_decref(a);
        json_decref(b);
        agentc_free(ac);
        pd_stop(&p);
        pd_stop(&q);
    }
}

static void test_retries(void **state)
{
    (void)state;
    struct pd p;
    pd_start(&p, "node-r", 4, 0);
    struct agentc *ac = client(2000, 3, NULL);
    struct agentc_target t = pd_target(&p);
    struct agentc_health h;
    struct agentc_error e;

    /* Two 503s, then an answer: three attempts, success. */
    p.fail_next = 2;
    long long t0 = itest_now_ms();
    assert_int_equal(agentc_health(ac, &t, &h, &e), 0);
    long long took = itest_now_ms() - t0;
    assert_int_equal(e.attempts, 3);
    assert_int_equal(e.kind, AGENTC_OK);
    assert_string_equal(e.code, "");
    /* Backoff with equal jitter: at least 25 + 50 ms. */
    if (took < 75)
        fail_msg("two retries took %lld ms: no backoff?", took);

    /* Always 503: 1 + 3 attempts, then the agent's code. */
    p.fail_next = 100;
    int before = p.requests;
    t0 = itest_now_ms();
    assert_int_equal(agentc_health(ac, &t, &h, &e), -1);
    took = itest_now_ms() - t0;
    assert_int_equal(e.kind, AGENTC_E_HTTP);
    assert_int_equal(e.http_status, 503);
    assert_string_equal(e.code, "AgentBusy");
    assert_int_equal(e.attempts, 4);
    assert_int_equal(p.requests - before, 4);
    /* 25+50+100 at least, 50+100+200 (+ the calls) at most. */
    if (took < 175 || took > 2000)
        fail_msg("three retries took %lld ms", took);
    p.fail_next = 0;

    /* A dropped connection is retried: by the client (a new attempt), or by
     * libcurl itself when the connection dropped was one kept from an
     * earlier call (it reconnects once at once). */
    p.drop_next = 1;
    assert_int_equal(agentc_health(ac, &t, &h, &e), 0);
    assert_true(e.attempts >= 1 && e.attempts <= 2);
    agentc_free(ac);

    /* No retries configured: one attempt. */
    ac = client(2000, 0, NULL);
    p.fail_next = 1;
    assert_int_equal(agentc_health(ac, &t, &h, &e), -1);
    assert_int_equal(e.attempts, 1);
    assert_int_equal(e.http_status, 503);
    agentc_free(ac);
    pd_stop(&p);
}

static void test_unreachable_and_timeout(void **state)
{
    (void)state;
    struct agentc *ac = client(300, 2, NULL);
    struct agentc_health h;
    struct agentc_error e;
    /* Nobody listens there. */
    unsigned port = itest_free_port();
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u", port);
    struct agentc_target t = {.host = "node-gone", .url = url, .token = "tok"};
    assert_int_equal(agentc_health(ac, &t, &h, &e), -1);
    assert_int_equal(e.kind, AGENTC_E_UNREACHABLE);
    assert_int_equal(e.attempts, 3);
    assert_int_equal(e.http_status, 0);
    assert_non_null(strstr(e.message, "node-gone"));

    /* An agent slower than the timeout: each attempt times out. */
    struct pd p;
    pd_start(&p, "node-slow", 4, 0);
    p.delay_ms = 700;
    t = pd_target(&p);
    long long t0 = itest_now_ms();
    assert_int_equal(agentc_health(ac, &t, &h, &e), -1);
    long long took = itest_now_ms() - t0;
    assert_int_equal(e.kind, AGENTC_E_UNREACHABLE);
    assert_int_equal(e.attempts, 3);
    if (took < 900 || took > 5000)
        fail_msg("three attempts of 300 ms took %lld ms", took);
    /* Fast again: fine. */
    p.delay_ms = 0;
    assert_int_equal(agentc_health(ac, &t, &h, &e), 0);
    agentc_free(ac);
    pd_stop(&p);
}

static void test_tls(void **state)
{
    (void)state;
    struct pd p;
    pd_start(&p, "node-tls", 4, 1);
    struct agentc_target t = pd_target(&p);
    struct agentc_health h;
    struct agentc_error e;

    /* Verified against the CA file: the test certificate names 127.0.0.1 and localhost. */
    struct agentc *ac = client(2000, 2, itest_env("ACCELNET_TEST_TLS_CERT"));
    assert_int_equal(agentc_health(ac, &t, &h, &e), 0);
    assert_string_equal(h.host_name, "node-tls");
    char url[64];
    snprintf(url, sizeof url, "https://localhost:%u/", p.port);
    t.url = url;
    assert_int_equal(agentc_health(ac, &t, &h, &e), 0);
    agentc_free(ac);

    /* A CA file that cannot be read: no client at all. */
    struct agentc_opts bad = {.ca_file = "/nonexistent/agents-ca.pem"};
    assert_null(agentc_new(&bad));

    /* Without it the self-signed certificate does not verify: refused, not retried. */
    ac = client(2000, 2, NULL);
    t = pd_target(&p);
    int before = p.requests;
    assert_int_equal(agentc_health(ac, &t, &h, &e), -1);
    assert_int_equal(e.kind, AGENTC_E_TLS);
    assert_int_equal(e.attempts, 1);
    assert_int_equal(p.requests, before);
    agentc_free(ac);
    pd_stop(&p);
}

static void test_url_rules(void **state)
{
    (void)state;
    static const char *const good[] = {
        "https://10.0.0.7:9101", "https://agent.example", "https://[fd00::7]:9101/base",
        "http://127.0.0.1:9101", "http://127.1.2.3:9101", "http://localhost:9101",
        "http://[::1]:9101",     "HTTP://LOCALHOST:1",
    };
    static const char *const bad[] = {
        "",
        "ftp://127.0.0.1/",
        "http://10.0.0.7:9101",
        "http://agent.example",
        "http://128.0.0.1",
        "http://[::2]:1",
        "https://user:pw@agent.example",
        "https://agent.example/?q=1",
        "https://agent.example/#x",
        "https://agent example",
        "https://",
        "127.0.0.1:9101",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (agentc_url_problem(good[i]) != NULL)
            fail_msg("%s refused: %s", good[i], agentc_url_problem(good[i]));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (agentc_url_problem(bad[i]) == NULL)
            fail_msg("%s accepted", bad[i]);
    /* A call to a plain-http non-loopback URL is never sent. */
    struct agentc *ac = client(300, 2, NULL);
    struct agentc_target t = {.host = "node-far", .url = "http://10.255.255.1:9101", .token = "t"};
    struct agentc_health h;
    struct agentc_error e;
    long long t0 = itest_now_ms();
    assert_int_equal(agentc_health(ac, &t, &h, &e), -1);
    assert_int_equal(e.kind, AGENTC_E_URL);
    assert_int_equal(e.attempts, 0);
    assert_true(itest_now_ms() - t0 < 200);
    agentc_free(ac);
}

static void test_fan_out_bounds(void **state)
{
    (void)state;
    enum { HOSTS = 3, PER_HOST = 8 };
    struct pd p[HOSTS];
    char names[HOSTS][24];
    for (int i = 0; i < HOSTS; i++) {
        snprintf(names[i], sizeof names[i], "node-f%d", i);
        pd_start(&p[i], names[i], 16, 0);
        p[i].delay_ms = 150;
    }
    struct agentc_opts o = {.timeout_ms = 3000,
                            .retries = 1,
                            .retry_base_ms = 50,
                            .max_in_flight = 4,
                            .max_per_host = 2};
    struct agentc *ac = agentc_new(&o);
    assert_non_null(ac);
    struct agentc_call calls[HOSTS * PER_HOST + 1];
    memset(calls, 0, sizeof calls);
    char nic_ids[HOSTS * PER_HOST][37];
    struct agentc_attach a = {.vm_id = VM1, .mac_address = "00-0D-3A-00-00-02", .rules = NULL};
    for (int i = 0; i < HOSTS * PER_HOST; i++) {
        /* Interleaved hosts, so that the per-host bound is what holds calls back. */
        snprintf(nic_ids[i], sizeof nic_ids[i], "6b1f2c3d-0000-4000-8000-%012d", i);
        calls[i].op = AGENTC_ATTACH;
        calls[i].target = pd_target(&p[i / PER_HOST]);
        calls[i].nic_id = nic_ids[i];
        calls[i].attach = &a;
    }
    /* And one host that is not there: its call fails, the others do not wait for it long. */
    calls[HOSTS * PER_HOST] = (struct agentc_call){
        .op = AGENTC_HEALTH,
        .target = {.host = "node-gone", .url = "http://127.0.0.1:1", .token = "t"}};
    pthread_mutex_lock(&pd_all_lock);
    pd_all_max = pd_all_in_flight = 0;
    pthread_mutex_unlock(&pd_all_lock);
    long long t0 = itest_now_ms();
    size_t failed = agentc_run(ac, calls, HOSTS * PER_HOST + 1);
    long long took = itest_now_ms() - t0;
    assert_int_equal(failed, 1);
    assert_int_equal(calls[HOSTS * PER_HOST].err.kind, AGENTC_E_UNREACHABLE);
    for (int i = 0; i < HOSTS * PER_HOST; i++) {
        if (calls[i].err.kind != AGENTC_OK)
            fail_msg("call %d: %s", i, calls[i].err.message);
        assert_int_equal(calls[i].created, 1);
        assert_string_equal(calls[i].nic.nic_id, nic_ids[i]);
    }
    printf("it_agentclient: fan-out of %d calls took %lld ms; most in flight: %d in total, "
           "%d/%d/%d per host\n",
           HOSTS * PER_HOST, took, pd_all_max, p[0].max_in_flight, p[1].max_in_flight,
           p[2].max_in_flight);
    for (int i = 0; i < HOSTS; i++) {
        assert_true(p[i].max_in_flight <= 2);
        assert_int_equal(p[i].requests, PER_HOST);
    }
    assert_true(pd_all_max <= 4);
    assert_true(pd_all_max >= 3); /* it did run in parallel */
    /* 24 calls of 150 ms, at most 4 at a time: 900 ms at least; one at a time
     * would be 3600 (parallelism itself is shown by the counts above). */
    if (took < 850 || took > 3500)
        fail_msg("the fan-out took %lld ms", took);
    for (int i = 0; i < HOSTS * PER_HOST + 1; i++)
        agentc_call_free(&calls[i]);
    agentc_free(ac);
    for (int i = 0; i < HOSTS; i++)
        pd_stop(&p[i]);
}

static void test_backoff_schedule(void **state)
{
    (void)state;
    /* Doubling from the base, capped, the upper half random. */
    assert_int_equal(agentc_backoff_ms(1, 100, 10000, 0), 50);
    assert_int_equal(agentc_backoff_ms(1, 100, 10000, 50), 100);
    assert_int_equal(agentc_backoff_ms(2, 100, 10000, 0), 100);
    assert_int_equal(agentc_backoff_ms(3, 100, 10000, 0), 200);
    assert_int_equal(agentc_backoff_ms(20, 100, 1000, 0), 500);
    assert_true(agentc_backoff_ms(20, 100, 1000, 0xffffffffu) <= 1000);
}

static int setup(void **state)
{
    (void)state;
    return sodium_init() < 0 ? -1 : 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_health_and_auth),
        cmocka_unit_test(test_nic_calls),
        cmocka_unit_test(test_policies_batch),
        cmocka_unit_test(test_policies_fallback),
        cmocka_unit_test(test_retries),
        cmocka_unit_test(test_unreachable_and_timeout),
        cmocka_unit_test(test_tls),
        cmocka_unit_test(test_url_rules),
        cmocka_unit_test(test_fan_out_bounds),
        cmocka_unit_test(test_backoff_schedule),
    };
    return cmocka_run_group_tests_name("it_agentclient", tests, setup, NULL);
}
