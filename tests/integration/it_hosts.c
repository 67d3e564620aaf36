/* it_hosts — hosts in accelnetd against a real daemon and PostgreSQL: agent
 * registration (create, idempotent update, ownership by the first agent
 * token, take-over after the owner token is revoked, what registration may
 * not change while capacity is in use), heartbeats, health from the last
 * heartbeat, the operators' list/get and disable/drain/enable with their
 * audit rows, a host declared dead (DELETE), and every refusal with its code
 * and JSON paths. The callback
 * token an agent gives must never come back out of the API or the audit log. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tests/integration/itest.h"

#define AV ITEST_AV

/* Short heartbeat timings, so that a host turns Unhealthy within a test. */
static const char *const daemon_env[] = {
    "ACCELNET_HOST_HEARTBEAT_INTERVAL=1",
    "ACCELNET_HOST_HEARTBEAT_TIMEOUT=3",
    NULL,
};
static const struct itest_daemon_opts daemon_opts = {.env = daemon_env};

#define CB_TOKEN  "cb-secret-0123456789abcdefghijklmnopqrstuvwxyz"
#define CB_TOKEN2 "cb-secret-second-0123456789abcdefghijklmnopqrs"
#define PF0                                                                                 \
    "{\"name\":\"pf0\",\"pciAddress\":\"0000:03:00.0\",\"vendorId\":\"15b3\",\"deviceId\":" \
    "\"1003\",\"vfDeviceId\":\"1004\",\"numVfs\":16,\"driver\":\"mlx4_core\"}"
#define PF1                                                                                 \
    "{\"name\":\"pf1\",\"pciAddress\":\"0000:04:00.0\",\"vendorId\":\"15B3\",\"deviceId\":" \
    "\"1003\",\"vfDeviceId\":\"1004\",\"numVfs\":8,\"driver\":\"mlx4_core\"}"

static struct {
    char *conninfo;
    struct itest_daemon d;
    char agent1[128], agent1_id[64];
    char agent2[128], agent2_id[64];
    char agent3[128], agent3_id[64];
    char user[128];
} g;

/* --- helpers ------------------------------------------------------------------------ */

static const char *jstr(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* One request. token: a bearer token, or NULL for the admin token. */
static void call(const char *method, const char *path, const char *token, const char *body,
                 struct itest_resp *r)
{
    struct itest_req rq = {.method = method,
                           .path = path,
                           .auth = token ? ITEST_AUTH_TOKEN : ITEST_AUTH_ADMIN,
                           .token = token,
                           .body = body};
    itest_do(&g.d, &rq, r);
    if (itest_header(r, "x-ms-request-id") == NULL && r->status > 0)
        fail_msg("%s %s: no x-ms-request-id: %s", method, path, itest_resp_str(r));
}

/* call() and check the status (and the error code when code != NULL); frees r. */
static void expect(const char *method, const char *path, const char *token, const char *body,
                   long status, const char *code)
{
    struct itest_resp r;
    call(method, path, token, body, &r);
    if (code != NULL) {
        ITEST_EXPECT_ERROR(&r, status, code);
    } else if (r.status != status) {
        char got[720];
        snprintf(got, sizeof got, "%s", itest_resp_str(&r));
        itest_resp_free(&r);
        fail_msg("%s %s: expected %ld, got %s", method, path, status, got);
    }
    itest_resp_free(&r);
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

/* details[] holds an entry whose target is `target`. */
static int has_detail(const struct itest_resp *r, const char *target)
{
    json_t *details = json_object_get(json_object_get(r->json, "error"), "details");
    size_t i;
    json_t *d;
    json_array_foreach(details, i, d)
    {
        const char *t = jstr(d, "target");
        if (t != NULL && strcmp(t, target) == 0)
            return 1;
    }
    return 0;
}

/* A registration body. pfs: the JSON array's contents. */
static char *reg_body(const char *location, const char *url, long vcpus, long long mem,
                      const char *version, const char *token, const char *pfs)
{
    char *b = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&b, &len);
    assert_non_null(f);
    fprintf(f,
            "{\"location\":\"%s\",\"agentUrl\":\"%s\",\"vcpus\":%ld,\"memoryMB\":%lld,"
            "\"faultDomain\":1,\"backend\":\"sim\",\"agentVersion\":\"%s\","
            "\"callbackToken\":\"%s\",\"physicalFunctions\":[%s]}",
            location, url, vcpus, mem, version, token, pfs);
    fclose(f);
    return b;
}

/* PUT /admin/hosts/{name} with the standard body; returns the response. */
static void reg(const char *name, const char *token, const char *body, struct itest_resp *r)
{
    char path[256];
    snprintf(path, sizeof path, "/admin/hosts/%s?" AV, name);
    call("PUT", path, token, body, r);
}

static void reg_std(const char *name, const char *token, long want)
{
    struct itest_resp r;
    char *body = reg_body("westeurope", "https://127.0.0.1:9101", 64, 262144, "0.1.0", CB_TOKEN,
                          PF0 "," PF1);
    reg(name, token, body, &r);
    free(body);
    ITEST_EXPECT_STATUS(&r, want);
    itest_resp_free(&r);
}

static void heartbeat(const char *name, const char *token, const char *body, long status,
                      const char *code)
{
    char path[256];
    snprintf(path, sizeof path, "/admin/hosts/%s/heartbeat?" AV, name);
    expect("POST", path, token, body, status, code);
}

static void get_host(const char *name, struct itest_resp *r)
{
    char path[256];
    snprintf(path, sizeof path, "/admin/hosts/%s?" AV, name);
    call("GET", path, NULL, NULL, r);
    ITEST_EXPECT_STATUS(r, 200);
}

static long long jint_at(const json_t *o, const char *a, const char *b, const char *c)
{
    const json_t *v = json_object_get(o, a);
    if (b)
        v = json_object_get(v, b);
    if (c)
        v = json_object_get(v, c);
    if (!json_is_integer(v))
        fail_msg("no integer at %s.%s.%s", a, b ? b : "", c ? c : "");
    return json_integer_value(v);
}

static void expect_str(const struct itest_resp *r, const char *key, const char *want)
{
    const char *v = jstr(r->json, key);
    if (v == NULL || strcmp(v, want) != 0)
        fail_msg("expected \"%s\": \"%s\", got %s", key, want, itest_resp_str(r));
}

/* The body never holds a callback token, under any name. */
static void expect_no_secret(const struct itest_resp *r)
{
    if (r->body && (strstr(r->body, "callbackToken") || strstr(r->body, CB_TOKEN) ||
                    strstr(r->body, CB_TOKEN2)))
        fail_msg("the callback token leaks: %s", itest_resp_str(r));
}

static int issue_agent(char token[128], char id[64])
{
    struct itest_resp r;
    itest_request(&g.d, "POST", "/admin/tokens?" AV, NULL,
                  "{\"role\":\"agent\",\"description\":\"it_hosts\"}", &r);
    const char *t = jstr(r.json, "token"), *i = jstr(r.json, "id");
    int ok = r.status == 201 && t && i;
    if (ok) {
        snprintf(token, 128, "%s", t);
        snprintf(id, 64, "%s", i);
    } else {
        fprintf(stderr, "it_hosts set-up: agent token: %s\n", itest_resp_str(&r));
    }
    itest_resp_free(&r);
    return ok ? 0 : -1;
}

static int setup(void **state)
{
    (void)state;
    g.conninfo = itest_db_create("it_hosts");
    if (itest_daemon_start(&g.d, g.conninfo, &daemon_opts) != 0) {
        memset(&g.d, 0, sizeof g.d);
        return -1;
    }
    if (issue_agent(g.agent1, g.agent1_id) != 0 || issue_agent(g.agent2, g.agent2_id) != 0 ||
        issue_agent(g.agent3, g.agent3_id) != 0)
        return -1;
    struct itest_resp r;
    itest_request(&g.d, "PUT", "/admin/subscriptions/12121212-1212-4212-8212-121212121212?" AV,
                  NULL, "{\"displayName\":\"it_hosts\"}", &r);
    itest_resp_free(&r);
    itest_request(&g.d, "POST",
                  "/admin/subscriptions/12121212-1212-4212-8212-121212121212/tokens?" AV, NULL,
                  NULL, &r);
    const char *t = jstr(r.json, "token");
    snprintf(g.user, sizeof g.user, "%s", t ? t : "");
    itest_resp_free(&r);
    return *g.user ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    int rc = 0;
    if (g.d.pid > 0) {
        int st = itest_daemon_stop(&g.d, 20000);
        if (st != 0) {
            fprintf(stderr, "it_hosts: accelnetd exited with %d after SIGTERM, expected 0\n", st);
            rc = -1;
        }
    }
    free(g.conninfo);
    return rc;
}

/* --- registration ------------------------------------------------------------------- */

static void test_register_and_get(void **state)
{
    (void)state;
    struct itest_resp r;
    char *body = reg_body("West Europe", "https://127.0.0.1:9101", 64, 262144, "0.1.0", CB_TOKEN,
                          PF1 "," PF0);
    /* Upper case in the path: stored in lower case. */
    reg("Node-1", g.agent1, body, &r);
    ITEST_EXPECT_STATUS(&r, 201);
    expect_no_secret(&r);
    expect_str(&r, "name", "node-1");
    expect_str(&r, "location", "westeurope");
    expect_str(&r, "agentUrl", "https://127.0.0.1:9101");
    expect_str(&r, "backend", "sim");
    expect_str(&r, "agentVersion", "0.1.0");
    expect_str(&r, "state", "Enabled");
    expect_str(&r, "health", "Healthy");
    expect_str(&r, "agentTokenId", g.agent1_id);
    assert_int_equal(jint_at(r.json, "faultDomain", NULL, NULL), 1);
    assert_int_equal(jint_at(r.json, "capacity", "vcpus", "total"), 64);
    assert_int_equal(jint_at(r.json, "capacity", "vcpus", "used"), 0);
    assert_int_equal(jint_at(r.json, "capacity", "memoryMB", "total"), 262144);
    assert_int_equal(jint_at(r.json, "capacity", "virtualFunctions", "total"), 24);
    assert_int_equal(jint_at(r.json, "capacity", "virtualFunctions", "used"), 0);
    assert_true(json_is_null(json_object_get(
        json_object_get(json_object_get(r.json, "capacity"), "virtualFunctions"), "agentInUse")));
    assert_non_null(jstr(r.json, "lastHeartbeat"));
    assert_non_null(jstr(r.json, "registeredAt"));
    /* PFs sorted by name, ids in lower case. */
    json_t *pfs = json_object_get(r.json, "physicalFunctions");
    assert_int_equal(json_array_size(pfs), 2);
    assert_string_equal(jstr(json_array_get(pfs, 0), "name"), "pf0");
    assert_string_equal(jstr(json_array_get(pfs, 1), "name"), "pf1");
    assert_string_equal(jstr(json_array_get(pfs, 1), "vendorId"), "15b3");
    assert_int_equal(jint_at(json_array_get(pfs, 1), "numVfs", NULL, NULL), 8);
    char *first = json_dumps(r.json, JSON_COMPACT | JSON_SORT_KEYS);
    itest_resp_free(&r);

    /* The callback token is stored as given, for calling the agent. */
    assert_int_equal(pg_long("SELECT count(*) FROM hosts WHERE name = 'node-1' AND "
                             "callback_token = '%s'",
                             CB_TOKEN),
                     1);
    assert_int_equal(pg_long("SELECT count(*) FROM audit_log WHERE action = 'host.register' AND "
                             "details->>'host' = 'node-1' AND actor_token_id = '%s'",
                             g.agent1_id),
                     1);

    /* Idempotent: the same registration again is 200 and changes nothing but
     * the heartbeat; no audit row for it. */
    reg("node-1", g.agent1, body, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_no_secret(&r);
    json_object_del(r.json, "lastHeartbeat");
    json_t *was = json_loads(first, 0, NULL);
    json_object_del(was, "lastHeartbeat");
    if (!json_equal(was, r.json))
        fail_msg("a repeated registration changed the host: %s then %s", first, itest_resp_str(&r));
    json_decref(was);
    free(first);
    itest_resp_free(&r);
    free(body);
    assert_int_equal(pg_long("SELECT count(*) FROM audit_log WHERE action = 'host.update' AND "
                             "details->>'host' = 'node-1'"),
                     0);

    /* An update: new version and callback token. */
    body = reg_body("westeurope", "https://127.0.0.1:9101", 64, 262144, "0.2.0", CB_TOKEN2,
                    PF0 "," PF1);
    reg("node-1", g.agent1, body, &r);
    free(body);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_str(&r, "agentVersion", "0.2.0");
    expect_no_secret(&r);
    itest_resp_free(&r);
    assert_int_equal(pg_long("SELECT count(*) FROM audit_log WHERE action = 'host.update' AND "
                             "details->>'host' = 'node-1' AND details->>'agentVersion' = '0.2.0' "
                             "AND details->>'callbackTokenChanged' = 'true'"),
                     1);
    assert_int_equal(pg_long("SELECT count(*) FROM hosts WHERE callback_token = '%s'", CB_TOKEN2),
                     1);
    /* The audit log never holds a callback token. */
    assert_int_equal(pg_long("SELECT count(*) FROM audit_log WHERE details::text LIKE "
                             "'%%cb-secret%%'"),
                     0);

    get_host("NODE-1", &r);
    expect_str(&r, "name", "node-1");
    expect_no_secret(&r);
    itest_resp_free(&r);
    expect("GET", "/admin/hosts/no-such-host?" AV, NULL, NULL, 404, "HostNotFound");
}

static void test_ownership(void **state)
{
    (void)state;
    struct itest_resp r;
    reg_std("owned-1", g.agent1, 201);
    /* Another agent token: refused, for registration and heartbeats. */
    reg_std("owned-1", g.agent2, 409);
    char *body =
        reg_body("westeurope", "https://127.0.0.1:9101", 64, 262144, "0.1.0", CB_TOKEN, PF0);
    reg("owned-1", g.agent2, body, &r);
    ITEST_EXPECT_ERROR(&r, 409, "HostOwnedByAnotherAgent");
    if (strstr(itest_error_message(&r), g.agent1_id) == NULL)
        fail_msg("the refusal should name the owner token: %s", itest_resp_str(&r));
    itest_resp_free(&r);
    heartbeat("owned-1", g.agent2, "{\"vfsInUse\":0}", 409, "HostOwnedByAnotherAgent");
    heartbeat("owned-1", g.agent1, "{\"vfsInUse\":0}", 200, NULL);
    /* Admins may register it; the owner stays. */
    reg("owned-1", NULL, body, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_str(&r, "agentTokenId", g.agent1_id);
    itest_resp_free(&r);
    heartbeat("owned-1", NULL, "{\"vfsInUse\":0}", 200, NULL);

    /* Revoking the owner token lets the next agent token take the host over. */
    char path[256];
    snprintf(path, sizeof path, "/admin/tokens/%s?" AV, g.agent1_id);
    expect("DELETE", path, NULL, NULL, 200, NULL);
    heartbeat("owned-1", g.agent2, "{\"vfsInUse\":0}", 409, "HostOwnedByAnotherAgent");
    reg("owned-1", g.agent2, body, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_str(&r, "agentTokenId", g.agent2_id);
    itest_resp_free(&r);
    heartbeat("owned-1", g.agent2, "{\"vfsInUse\":0}", 200, NULL);
    assert_int_equal(pg_long("SELECT count(*) FROM audit_log WHERE action = 'host.update' AND "
                             "details->>'host' = 'owned-1' AND details->>'agentTokenId' = '%s' "
                             "AND details->>'previousAgentTokenId' = '%s'",
                             g.agent2_id, g.agent1_id),
                     1);
    /* The revoked token itself is refused before anything is looked up. */
    reg("owned-1", g.agent1, body, &r);
    ITEST_EXPECT_ERROR(&r, 401, "AuthenticationFailed");
    itest_resp_free(&r);

    /* A host an admin registered has no owner until an agent registers it. */
    reg("adm-host", NULL, body, &r);
    ITEST_EXPECT_STATUS(&r, 201);
    assert_true(json_is_null(json_object_get(r.json, "agentTokenId")));
    itest_resp_free(&r);
    heartbeat("adm-host", g.agent3, "{\"vfsInUse\":0}", 409, "HostOwnedByAnotherAgent");
    reg("adm-host", g.agent3, body, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_str(&r, "agentTokenId", g.agent3_id);
    itest_resp_free(&r);
    heartbeat("adm-host", g.agent3, "{\"vfsInUse\":0}", 200, NULL);
    free(body);

    /* User tokens may not register, heartbeat or read hosts; agents may not read them. */
    body = reg_body("westeurope", "https://127.0.0.1:9101", 64, 262144, "0.1.0", CB_TOKEN, PF0);
    reg("user-host", g.user, body, &r);
    ITEST_EXPECT_ERROR(&r, 403, "AuthorizationFailed");
    itest_resp_free(&r);
    free(body);
    heartbeat("adm-host", g.user, "{\"vfsInUse\":0}", 403, "AuthorizationFailed");
    expect("GET", "/admin/hosts?" AV, g.agent3, NULL, 403, "AuthorizationFailed");
    expect("GET", "/admin/hosts/adm-host?" AV, g.agent3, NULL, 403, "AuthorizationFailed");
    expect("POST", "/admin/hosts/adm-host/disable?" AV, g.agent3, NULL, 403, "AuthorizationFailed");
    assert_int_equal(pg_long("SELECT count(*) FROM hosts WHERE name = 'user-host'"), 0);
}

/* --- agent tokens bound to one host -------------------------------------------------- */

/* POST /admin/tokens with body, expecting 201; the token and its id copied out. */
static void issue_token(const char *body, char token[128], char id[64])
{
    struct itest_resp r;
    call("POST", "/admin/tokens?" AV, NULL, body, &r);
    ITEST_EXPECT_STATUS(&r, 201);
    const char *t = jstr(r.json, "token"), *i = jstr(r.json, "id");
    if (t == NULL || i == NULL)
        fail_msg("no token or id in %s", itest_resp_str(&r));
    snprintf(token, 128, "%s", t);
    snprintf(id, 64, "%s", i);
    itest_resp_free(&r);
}

/* A 403 AuthorizationFailed on hostName whose message holds each of the
 * NULL-terminated strings; frees r. */
static void expect_bound_refusal(struct itest_resp *r, ...)
{
    ITEST_EXPECT_ERROR(r, 403, "AuthorizationFailed");
    const char *target = jstr(json_object_get(r->json, "error"), "target");
    if (target == NULL || strcmp(target, "hostName") != 0)
        fail_msg("the refusal should have target hostName: %s", itest_resp_str(r));
    va_list ap;
    va_start(ap, r);
    for (const char *want = va_arg(ap, const char *); want; want = va_arg(ap, const char *))
        if (strstr(itest_error_message(r), want) == NULL) {
            va_end(ap);
            fail_msg("the refusal should say '%s': %s", want, itest_resp_str(r));
        }
    va_end(ap);
    itest_resp_free(r);
}

/* POST /admin/tokens with body: 400 InvalidRequestContent with a detail on
 * each NULL-terminated target, and no token made. */
static void expect_token_refused(const char *path, const char *body, ...)
{
    struct itest_resp r;
    long long before = pg_long("SELECT count(*) FROM tokens");
    call("POST", path, NULL, body, &r);
    ITEST_EXPECT_ERROR(&r, 400, "InvalidRequestContent");
    va_list ap;
    va_start(ap, body);
    for (const char *t = va_arg(ap, const char *); t; t = va_arg(ap, const char *))
        if (!has_detail(&r, t)) {
            va_end(ap);
            fail_msg("%s: expected a detail on '%s': %s", body, t, itest_resp_str(&r));
        }
    va_end(ap);
    itest_resp_free(&r);
    assert_int_equal(pg_long("SELECT count(*) FROM tokens"), before);
}

static void test_bound_tokens(void **state)
{
    (void)state;
    struct itest_resp r;
    char tok[128], id[64], path[256];

    /* Issued with a host name in any case: kept and shown in lower case. */
    call("POST", "/admin/tokens?" AV, NULL,
         "{\"role\":\"agent\",\"hostName\":\"Bound-1\",\"description\":\"it_hosts bound\"}", &r);
    ITEST_EXPECT_STATUS(&r, 201);
    expect_str(&r, "hostName", "bound-1");
    expect_str(&r, "role", "agent");
    snprintf(tok, sizeof tok, "%s", jstr(r.json, "token"));
    snprintf(id, sizeof id, "%s", jstr(r.json, "id"));
    itest_resp_free(&r);
    assert_int_equal(pg_long("SELECT count(*) FROM tokens WHERE id = '%s' AND host_name = "
                             "'bound-1'",
                             id),
                     1);
    assert_int_equal(pg_long("SELECT count(*) FROM audit_log WHERE action = 'token.issue' AND "
                             "details->>'tokenId' = '%s' AND details->>'hostName' = 'bound-1'",
                             id),
                     1);
    /* GET shows it; the list shows it, and null for unbound tokens. */
    snprintf(path, sizeof path, "/admin/tokens/%s?" AV, id);
    call("GET", path, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_str(&r, "hostName", "bound-1");
    itest_resp_free(&r);
    call("GET", "/admin/tokens?" AV, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    size_t i, seen = 0;
    json_t *t;
    json_array_foreach(json_object_get(r.json, "value"), i, t)
    {
        json_t *h = json_object_get(t, "hostName");
        if (strcmp(jstr(t, "id"), id) == 0)
            seen += json_is_string(h) && strcmp(json_string_value(h), "bound-1") == 0;
        else if (!json_is_null(h))
            fail_msg("an unbound token should show \"hostName\": null: %s", itest_resp_str(&r));
    }
    if (seen != 1)
        fail_msg("the list should show the bound token with its host: %s", itest_resp_str(&r));
    itest_resp_free(&r);

    /* It registers and heartbeats its own host (the path's case does not matter). */
    char *body =
        reg_body("westeurope", "https://127.0.0.1:9101", 64, 262144, "0.1.0", CB_TOKEN, PF0);
    reg("Bound-1", tok, body, &r);
    ITEST_EXPECT_STATUS(&r, 201);
    expect_str(&r, "name", "bound-1");
    expect_str(&r, "agentTokenId", id);
    itest_resp_free(&r);
    reg("bound-1", tok, body, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    itest_resp_free(&r);
    heartbeat("bound-1", tok, "{\"vfsInUse\":0}", 200, NULL);
    heartbeat("BOUND-1", tok, "{\"vfsInUse\":1}", 200, NULL);

    /* Any other host: 403 naming both hosts and the token to issue, before
     * anything is written, whether the host exists or not. */
    long long audit = pg_long("SELECT count(*) FROM audit_log");
    reg("bound-2", tok, body, &r);
    expect_bound_refusal(&r, "'bound-1'", "'bound-2'", id,
                         "POST /admin/tokens {\"role\": \"agent\", \"hostName\": \"bound-2\"}",
                         NULL);
    assert_int_equal(pg_long("SELECT count(*) FROM hosts WHERE name = 'bound-2'"), 0);
    reg("node-1", tok, body, &r);
    expect_bound_refusal(&r, "'bound-1'", "'node-1'", NULL);
    heartbeat("bound-2", tok, "{\"vfsInUse\":0}", 403, "AuthorizationFailed");
    heartbeat("node-1", tok, "{\"vfsInUse\":0}", 403, "AuthorizationFailed");
    /* A name that cannot be a host is not its host either. */
    heartbeat("bound_1", tok, "{\"vfsInUse\":0}", 403, "AuthorizationFailed");
    assert_int_equal(pg_long("SELECT count(*) FROM audit_log"), audit);
    assert_int_equal(pg_long("SELECT count(*) FROM hosts WHERE name = 'bound-2'"), 0);
    assert_int_equal(pg_long("SELECT count(*) FROM hosts WHERE name = 'node-1' AND "
                             "owner_token_id = '%s'",
                             id),
                     0);
    /* Its host stays as it was; admin tokens may still register any host. */
    heartbeat("bound-1", tok, "{\"vfsInUse\":0}", 200, NULL);
    reg("bound-2", NULL, body, &r);
    ITEST_EXPECT_STATUS(&r, 201);
    itest_resp_free(&r);
    /* Nor may it read hosts (agent tokens never could). */
    expect("GET", "/admin/hosts/bound-1?" AV, tok, NULL, 403, "AuthorizationFailed");

    /* Bad host names, and host names on other roles: 400, no token made. */
    expect_token_refused("/admin/tokens?" AV, "{\"role\":\"agent\",\"hostName\":\"bad_name\"}",
                         "hostName", NULL);
    expect_token_refused("/admin/tokens?" AV, "{\"role\":\"agent\",\"hostName\":\"-edge\"}",
                         "hostName", NULL);
    expect_token_refused("/admin/tokens?" AV, "{\"role\":\"agent\",\"hostName\":\"\"}", "hostName",
                         NULL);
    expect_token_refused("/admin/tokens?" AV,
                         "{\"role\":\"agent\",\"hostName\":"
                         "\"a234567890123456789012345678901234567890123456789012345678901234\"}",
                         "hostName", NULL);
    expect_token_refused("/admin/tokens?" AV, "{\"role\":\"agent\",\"hostName\":7}", "hostName",
                         NULL);
    expect_token_refused("/admin/tokens?" AV, "{\"role\":\"admin\",\"hostName\":\"bound-1\"}",
                         "hostName", NULL);
    /* Every problem at once. */
    expect_token_refused("/admin/tokens?" AV,
                         "{\"role\":\"Admin\",\"hostName\":\"bound-1\",\"description\":5}",
                         "hostName", "description", NULL);
    expect_token_refused("/admin/tokens?" AV, "{\"role\":\"user\",\"hostName\":\"bound-1\"}",
                         "role", NULL);
    expect_token_refused("/admin/subscriptions/12121212-1212-4212-8212-121212121212/tokens?" AV,
                         "{\"hostName\":\"bound-1\"}", "hostName", NULL);
    /* null is no host: an unbound agent token. */
    call("POST", "/admin/tokens?" AV, NULL, "{\"role\":\"agent\",\"hostName\":null}", &r);
    ITEST_EXPECT_STATUS(&r, 201);
    assert_true(json_is_null(json_object_get(r.json, "hostName")));
    itest_resp_free(&r);
    free(body);
}

/* ACCELNET_AGENT_TOKENS_REQUIRE_HOST=1 on a second accelnetd on the same
 * database: unbound agent tokens are not issued and act for no host; bound
 * ones and admin tokens work as before. */
static void test_require_host(void **state)
{
    (void)state;
    static const char *const env[] = {"ACCELNET_AGENT_TOKENS_REQUIRE_HOST=1", NULL};
    const struct itest_daemon_opts opts = {.env = env};
    struct itest_daemon strict = {0};
    struct itest_resp r;
    char tok[128], id[64];
    if (itest_daemon_start(&strict, g.conninfo, &opts) != 0)
        fail_msg("the second accelnetd did not start");
    struct itest_req rq = {.method = "POST",
                           .path = "/admin/tokens?" AV,
                           .auth = ITEST_AUTH_ADMIN,
                           .body = "{\"role\":\"agent\"}"};
    itest_do(&strict, &rq, &r);
    ITEST_EXPECT_ERROR(&r, 400, "InvalidRequestContent");
    if (!has_detail(&r, "hostName") ||
        strstr(itest_resp_str(&r), "ACCELNET_AGENT_TOKENS_REQUIRE_HOST") == NULL)
        fail_msg("the refusal should name hostName and the setting: %s", itest_resp_str(&r));
    itest_resp_free(&r);
    rq.body = "{\"role\":\"admin\"}";
    itest_do(&strict, &rq, &r);
    ITEST_EXPECT_STATUS(&r, 201);
    itest_resp_free(&r);

    /* agent3 (unbound) owns adm-host: refused there and everywhere. */
    char *body =
        reg_body("westeurope", "https://127.0.0.1:9101", 64, 262144, "0.1.0", CB_TOKEN, PF0);
    struct itest_req put = {.method = "PUT",
                            .path = "/admin/hosts/adm-host?" AV,
                            .auth = ITEST_AUTH_TOKEN,
                            .token = g.agent3,
                            .body = body};
    itest_do(&strict, &put, &r);
    expect_bound_refusal(&r, "ACCELNET_AGENT_TOKENS_REQUIRE_HOST", "'adm-host'", NULL);
    put.path = "/admin/hosts/strict-1?" AV;
    itest_do(&strict, &put, &r);
    expect_bound_refusal(&r, "'strict-1'", NULL);
    struct itest_req hb = {.method = "POST",
                           .path = "/admin/hosts/adm-host/heartbeat?" AV,
                           .auth = ITEST_AUTH_TOKEN,
                           .token = g.agent3,
                           .body = "{\"vfsInUse\":0}"};
    itest_do(&strict, &hb, &r);
    ITEST_EXPECT_ERROR(&r, 403, "AuthorizationFailed");
    itest_resp_free(&r);
    assert_int_equal(pg_long("SELECT count(*) FROM hosts WHERE name = 'strict-1'"), 0);

    /* A bound token works. */
    issue_token("{\"role\":\"agent\",\"hostName\":\"strict-1\"}", tok, id);
    put.token = tok;
    itest_do(&strict, &put, &r);
    ITEST_EXPECT_STATUS(&r, 201);
    expect_str(&r, "agentTokenId", id);
    itest_resp_free(&r);
    hb.path = "/admin/hosts/strict-1/heartbeat?" AV;
    hb.token = tok;
    itest_do(&strict, &hb, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    itest_resp_free(&r);
    free(body);
    /* The first daemon (setting off) still lets agent3 heartbeat its host. */
    heartbeat("adm-host", g.agent3, "{\"vfsInUse\":0}", 200, NULL);
    assert_int_equal(itest_daemon_stop(&strict, 20000), 0);
}

/* --- heartbeats and health ---------------------------------------------------------- */

static void test_heartbeat_and_health(void **state)
{
    (void)state;
    struct itest_resp r;
    heartbeat("never-registered", g.agent2, "{\"vfsInUse\":0}", 404, "HostNotFound");
    reg_std("hb-1", g.agent2, 201);
    heartbeat("hb-1", g.agent2, NULL, 400, "InvalidRequestContent");
    heartbeat("hb-1", g.agent2, "{\"vfsInUse\":-1}", 400, "InvalidRequestContent");
    heartbeat("hb-1", g.agent2, "{\"vfsInUse\":1,\"extra\":true}", 400, "InvalidRequestContent");
    heartbeat("-bad-", g.agent2, "{\"vfsInUse\":0}", 400, "InvalidResourceName");

    call("POST", "/admin/hosts/hb-1/heartbeat?" AV, g.agent2, "{\"vfsInUse\":3}", &r);
    ITEST_EXPECT_STATUS(&r, 200);
    /* The interval agents are told: ACCELNET_HOST_HEARTBEAT_INTERVAL. */
    assert_int_equal(json_integer_value(json_object_get(r.json, "heartbeatIntervalSeconds")), 1);
    assert_int_equal(json_object_size(r.json), 1);
    itest_resp_free(&r);
    get_host("hb-1", &r);
    expect_str(&r, "health", "Healthy");
    assert_int_equal(jint_at(r.json, "capacity", "virtualFunctions", "agentInUse"), 3);
    itest_resp_free(&r);

    /* No heartbeat for longer than the timeout (3 s): Unhealthy. */
    pg_exec("UPDATE hosts SET last_heartbeat_at = now() - interval '4 seconds' "
            "WHERE name = 'hb-1'");
    get_host("hb-1", &r);
    expect_str(&r, "health", "Unhealthy");
    itest_resp_free(&r);
    heartbeat("hb-1", g.agent2, "{\"vfsInUse\":0}", 200, NULL);
    get_host("hb-1", &r);
    expect_str(&r, "health", "Healthy");
    itest_resp_free(&r);
    /* And by itself, with real time passing. */
    itest_sleep_ms(3500);
    get_host("hb-1", &r);
    expect_str(&r, "health", "Unhealthy");
    itest_resp_free(&r);
    /* Registration is a sign of life too. */
    reg_std("hb-1", g.agent2, 200);
    get_host("hb-1", &r);
    expect_str(&r, "health", "Healthy");
    itest_resp_free(&r);
}

/* --- operators: state --------------------------------------------------------------- */

static void test_state(void **state)
{
    (void)state;
    struct itest_resp r;
    reg_std("st-1", g.agent2, 201);
    call("POST", "/admin/hosts/st-1/disable?" AV, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_str(&r, "state", "Disabled");
    expect_no_secret(&r);
    itest_resp_free(&r);
    /* Registration keeps what the operator set. */
    reg_std("st-1", g.agent2, 200);
    get_host("st-1", &r);
    expect_str(&r, "state", "Disabled");
    itest_resp_free(&r);
    /* Idempotent. */
    expect("POST", "/admin/hosts/st-1/disable?" AV, NULL, NULL, 200, NULL);
    call("POST", "/admin/hosts/ST-1/drain?" AV, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_str(&r, "state", "Draining");
    itest_resp_free(&r);
    call("POST", "/admin/hosts/st-1/enable?" AV, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_str(&r, "state", "Enabled");
    itest_resp_free(&r);
    assert_int_equal(pg_long("SELECT count(*) FROM audit_log WHERE details->>'host' = 'st-1' AND "
                             "action IN ('host.disable', 'host.drain', 'host.enable')"),
                     4);
    assert_int_equal(pg_long("SELECT count(*) FROM audit_log WHERE action = 'host.drain' AND "
                             "details->>'from' = 'Disabled' AND details->>'to' = 'Draining'"),
                     1);
    expect("POST", "/admin/hosts/no-such-host/disable?" AV, NULL, NULL, 404, "HostNotFound");
    expect("POST", "/admin/hosts/no-such-host/enable?" AV, NULL, NULL, 404, "HostNotFound");
    expect("POST", "/admin/hosts/bad_name/drain?" AV, NULL, NULL, 400, "InvalidResourceName");
}

/* --- what registration may not change ----------------------------------------------- */

static void test_in_use(void **state)
{
    (void)state;
    struct itest_resp r;
    reg_std("use-1", g.agent2, 201);
    /* As a claim of the scheduler would. */
    pg_exec("UPDATE hosts SET vcpus_used = 8, memory_mb_used = 16384, vfs_used = 2 "
            "WHERE name = 'use-1'");
    char *body =
        reg_body("westeurope", "https://127.0.0.1:9101", 64, 262144, "0.1.0", CB_TOKEN, PF0);
    reg("use-1", g.agent2, body, &r);
    free(body);
    ITEST_EXPECT_ERROR(&r, 409, "HostInUse");
    assert_string_equal(jstr(json_object_get(r.json, "error"), "target"), "physicalFunctions");
    itest_resp_free(&r);
    body = reg_body("westcentralus", "https://127.0.0.1:9101", 64, 262144, "0.1.0", CB_TOKEN,
                    PF0 "," PF1);
    reg("use-1", g.agent2, body, &r);
    free(body);
    ITEST_EXPECT_ERROR(&r, 409, "HostInUse");
    assert_string_equal(jstr(json_object_get(r.json, "error"), "target"), "location");
    itest_resp_free(&r);
    body =
        reg_body("westeurope", "https://127.0.0.1:9101", 4, 262144, "0.1.0", CB_TOKEN, PF0 "," PF1);
    reg("use-1", g.agent2, body, &r);
    free(body);
    ITEST_EXPECT_ERROR(&r, 409, "HostInUse");
    assert_string_equal(jstr(json_object_get(r.json, "error"), "target"), "vcpus");
    itest_resp_free(&r);
    body =
        reg_body("westeurope", "https://127.0.0.1:9101", 64, 1024, "0.1.0", CB_TOKEN, PF0 "," PF1);
    reg("use-1", g.agent2, body, &r);
    free(body);
    ITEST_EXPECT_ERROR(&r, 409, "HostInUse");
    assert_string_equal(jstr(json_object_get(r.json, "error"), "target"), "memoryMB");
    itest_resp_free(&r);
    /* Nothing changed, and registration kept what is used. */
    assert_int_equal(pg_long("SELECT count(*) FROM hosts WHERE name = 'use-1' AND location = "
                             "'westeurope' AND vcpus_total = 64 AND vfs_total = 24 AND "
                             "vcpus_used = 8 AND vfs_used = 2"),
                     1);
    assert_int_equal(pg_long("SELECT count(*) FROM host_pfs WHERE host_name = 'use-1'"), 2);
    /* More vCPUs and memory are fine while in use. */
    body = reg_body("westeurope", "https://127.0.0.1:9101", 96, 524288, "0.1.0", CB_TOKEN,
                    PF0 "," PF1);
    reg("use-1", g.agent2, body, &r);
    free(body);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_int_equal(jint_at(r.json, "capacity", "vcpus", "used"), 8);
    assert_int_equal(jint_at(r.json, "capacity", "vcpus", "total"), 96);
    assert_int_equal(jint_at(r.json, "capacity", "virtualFunctions", "used"), 2);
    itest_resp_free(&r);

    /* Once released, the host may move and change its PFs. */
    pg_exec("UPDATE hosts SET vcpus_used = 0, memory_mb_used = 0, vfs_used = 0 "
            "WHERE name = 'use-1'");
    body = reg_body("westcentralus", "https://127.0.0.1:9101", 64, 262144, "0.1.0", CB_TOKEN, PF0);
    reg("use-1", g.agent2, body, &r);
    free(body);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_str(&r, "location", "westcentralus");
    assert_int_equal(jint_at(r.json, "capacity", "virtualFunctions", "total"), 16);
    assert_int_equal(json_array_size(json_object_get(r.json, "physicalFunctions")), 1);
    itest_resp_free(&r);
    assert_int_equal(pg_long("SELECT count(*) FROM host_pfs WHERE host_name = 'use-1'"), 1);
}

/* --- bad input ---------------------------------------------------------------------- */

static void test_bad_input(void **state)
{
    (void)state;
    struct itest_resp r;
    long long hosts = pg_long("SELECT count(*) FROM hosts");
    char *body =
        reg_body("westeurope", "https://127.0.0.1:9101", 64, 262144, "0.1.0", CB_TOKEN, PF0);
    static const char *const bad_names[] = {"-node", "node-", "no_de", "n.de",
                                            "0123456789012345678901234567890123456789012345678901"
                                            "234567890123"};
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
        reg(bad_names[i], g.agent2, body, &r);
        ITEST_EXPECT_ERROR(&r, 400, "InvalidResourceName");
        assert_string_equal(jstr(json_object_get(r.json, "error"), "target"), "hostName");
        itest_resp_free(&r);
    }
    free(body);
    reg("bad-1", g.agent2, NULL, &r);
    ITEST_EXPECT_ERROR(&r, 400, "InvalidRequestContent");
    itest_resp_free(&r);

    /* Every problem at once, each with its JSON path. */
    reg("bad-1", g.agent2,
        "{\"location\":\"westeurope\",\"agentUrl\":\"http://10.0.0.1:9101\",\"vcpus\":0,"
        "\"memoryMB\":\"lots\",\"faultDomain\":300,\"backend\":\"Sim!\",\"agentVersion\":\"\","
        "\"callbackToken\":\"short\",\"extra\":1,\"physicalFunctions\":["
        "{\"name\":\"pf0\",\"pciAddress\":\"03:00.0\",\"vendorId\":\"15b3x\",\"deviceId\":"
        "\"1003\",\"vfDeviceId\":\"1004\",\"numVfs\":300,\"driver\":\"mlx4_core\"},"
        "{\"name\":\"pf1\",\"vendorId\":\"15b3\",\"deviceId\":\"1003\",\"vfDeviceId\":\"1004\","
        "\"numVfs\":1,\"driver\":\"d\",\"bogus\":true}]}",
        &r);
    ITEST_EXPECT_ERROR(&r, 400, "InvalidRequestContent");
    static const char *const targets[] = {
        "agentUrl",
        "vcpus",
        "memoryMB",
        "faultDomain",
        "backend",
        "agentVersion",
        "callbackToken",
        "extra",
        "physicalFunctions[0].pciAddress",
        "physicalFunctions[0].vendorId",
        "physicalFunctions[0].numVfs",
        "physicalFunctions[1].pciAddress",
        "physicalFunctions[1].bogus",
    };
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++)
        if (!has_detail(&r, targets[i]))
            fail_msg("no details[] entry with target %s: %s", targets[i], itest_resp_str(&r));
    itest_resp_free(&r);

    /* Duplicate PF names and addresses. */
    reg("bad-1", g.agent2,
        "{\"location\":\"westeurope\",\"agentUrl\":\"https://h.example:9101\",\"vcpus\":4,"
        "\"memoryMB\":4096,\"backend\":\"sim\",\"agentVersion\":\"1\",\"callbackToken\":\"" CB_TOKEN
        "\",\"physicalFunctions\":[" PF0 "," PF0 "]}",
        &r);
    ITEST_EXPECT_ERROR(&r, 400, "InvalidRequestContent");
    assert_true(has_detail(&r, "physicalFunctions[1].name"));
    assert_true(has_detail(&r, "physicalFunctions[1].pciAddress"));
    itest_resp_free(&r);

    /* A location the catalogue does not have: the message lists those it has. */
    body = reg_body("atlantis", "https://127.0.0.1:9101", 64, 262144, "0.1.0", CB_TOKEN, PF0);
    reg("bad-1", g.agent2, body, &r);
    free(body);
    ITEST_EXPECT_ERROR(&r, 400, "LocationNotAvailableForResourceType");
    assert_string_equal(jstr(json_object_get(r.json, "error"), "target"), "location");
    if (strstr(itest_error_message(&r), "westeurope") == NULL)
        fail_msg("the message should list the locations: %s", itest_resp_str(&r));
    itest_resp_free(&r);
    /* Plain http:// is only for loopback agents. */
    body = reg_body("westeurope", "http://agent.example:9101", 64, 262144, "0.1.0", CB_TOKEN, PF0);
    reg("bad-1", g.agent2, body, &r);
    free(body);
    ITEST_EXPECT_ERROR(&r, 400, "InvalidRequestContent");
    assert_true(has_detail(&r, "agentUrl"));
    itest_resp_free(&r);
    assert_int_equal(pg_long("SELECT count(*) FROM hosts"), hosts);

    /* Loopback over http:// and a host without PFs are fine. */
    body = reg_body("westeurope", "http://[::1]:9101", 8, 8192, "0.1.0", CB_TOKEN, "");
    reg("no-pfs", g.agent2, body, &r);
    free(body);
    ITEST_EXPECT_STATUS(&r, 201);
    assert_int_equal(jint_at(r.json, "capacity", "virtualFunctions", "total"), 0);
    itest_resp_free(&r);
}

/* --- the list ----------------------------------------------------------------------- */

static void test_list_paging(void **state)
{
    (void)state;
    for (int i = 0; i < 5; i++) {
        char name[32];
        snprintf(name, sizeof name, "page-%d", i);
        reg_std(name, g.agent3, 201);
    }
    long long total = pg_long("SELECT count(*) FROM hosts");
    char path[2048];
    snprintf(path, sizeof path, "/admin/hosts?" AV "&$top=2");
    json_t *names = json_array();
    int pages = 0;
    for (;;) {
        struct itest_resp r;
        call("GET", path, NULL, NULL, &r);
        ITEST_EXPECT_STATUS(&r, 200);
        expect_no_secret(&r);
        json_t *value = json_object_get(r.json, "value");
        assert_true(json_array_size(value) <= 2);
        size_t i;
        json_t *item;
        json_array_foreach(value, i, item)
        {
            json_array_append_new(names, json_string(jstr(item, "name")));
            assert_non_null(jstr(item, "health"));
        }
        pages++;
        const char *next = jstr(r.json, "nextLink");
        if (!next) {
            itest_resp_free(&r);
            break;
        }
        size_t n = strlen(g.d.url);
        assert_int_equal(strncmp(next, g.d.url, n), 0);
        snprintf(path, sizeof path, "%s", next + n);
        itest_resp_free(&r);
        assert_true(pages < 100);
    }
    assert_int_equal((long long)json_array_size(names), total);
    for (size_t i = 1; i < json_array_size(names); i++)
        assert_true(strcmp(json_string_value(json_array_get(names, i - 1)),
                           json_string_value(json_array_get(names, i))) < 0);
    json_decref(names);
    expect("GET", "/admin/hosts?" AV "&$skipToken=%25%25", NULL, NULL, 400,
           "InvalidQueryParameterValue");
    expect("GET", "/admin/hosts?" AV "&$top=0", NULL, NULL, 400, "InvalidQueryParameterValue");
}

/* --- declaring a host dead ---------------------------------------------------------- */

#define DEL_SUB "12121212-1212-4212-8212-121212121212"
#define DEL_NIC "0d0d0d0d-0000-4000-8000-0000000000d1"

static void test_delete(void **state)
{
    (void)state;
    struct itest_resp r;
    expect("DELETE", "/admin/hosts/no-such-host?" AV, NULL, NULL, 404, "HostNotFound");
    expect("DELETE", "/admin/hosts/bad_name?" AV, NULL, NULL, 400, "InvalidResourceName");
    reg_std("del-1", g.agent2, 201);
    expect("DELETE", "/admin/hosts/del-1?" AV, g.agent2, NULL, 403, "AuthorizationFailed");
    expect("DELETE", "/admin/hosts/del-1?" AV, g.user, NULL, 403, "AuthorizationFailed");
    call("PATCH", "/admin/hosts/del-1?" AV, NULL, "{}", &r);
    ITEST_EXPECT_ERROR(&r, 405, "MethodNotAllowed");
    assert_string_equal(itest_header(&r, "Allow"), "PUT, GET, DELETE");
    itest_resp_free(&r);

    /* A VF waiting to be released there (leased, so that no worker tries its
     * agent meanwhile). */
    pg_exec("INSERT INTO operations (id, subscription_id, location, kind, resource_id, params,"
            " lease_owner, leased_until) VALUES ('0d0d0d0d-0000-4000-8000-0000000000a1', '" DEL_SUB
            "', 'westeurope', 'vf.release', '/subscriptions/" DEL_SUB
            "/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/nic1',"
            " '{\"host\": \"del-1\", \"nicId\": \"" DEL_NIC "\"}', 'it_hosts',"
            " now() + interval '1 hour')");
    /* Healthy: its agent may still hold it. */
    call("DELETE", "/admin/hosts/del-1?" AV, NULL, NULL, &r);
    ITEST_EXPECT_ERROR(&r, 409, "HostIsHealthy");
    assert_string_equal(jstr(json_object_get(r.json, "error"), "target"), "hostName");
    if (!strstr(itest_error_message(&r), "3 seconds"))
        fail_msg("the message should give the heartbeat timeout: %s", itest_resp_str(&r));
    itest_resp_free(&r);
    assert_int_equal(pg_long("SELECT count(*) FROM operations WHERE params->>'host' = 'del-1' "
                             "AND status = 'InProgress'"),
                     1);

    /* Unhealthy: declared dead. */
    pg_exec("UPDATE hosts SET last_heartbeat_at = now() - interval '10 seconds' "
            "WHERE name = 'del-1'");
    call("DELETE", "/admin/hosts/DEL-1?" AV, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_str(&r, "hostName", "del-1");
    expect_str(&r, "health", "Unhealthy");
    assert_int_equal(json_integer_value(json_object_get(r.json, "virtualFunctionsReleased")), 1);
    json_t *ended = json_object_get(r.json, "operationsEnded");
    assert_int_equal(json_array_size(ended), 1);
    assert_string_equal(json_string_value(json_array_get(ended, 0)),
                        "0d0d0d0d-0000-4000-8000-0000000000a1");
    itest_resp_free(&r);
    assert_int_equal(pg_long("SELECT count(*) FROM operations WHERE params->>'host' = 'del-1' "
                             "AND status = 'Succeeded' AND step = 'hostDeclaredDead' AND "
                             "lease_owner IS NULL"),
                     1);
    assert_int_equal(pg_long("SELECT count(*) FROM hosts WHERE name = 'del-1'"), 0);
    assert_int_equal(pg_long("SELECT count(*) FROM host_pfs WHERE host_name = 'del-1'"), 0);
    assert_int_equal(pg_long("SELECT count(*) FROM audit_log WHERE action = 'host.delete' AND "
                             "details->>'host' = 'del-1' AND "
                             "(details->>'virtualFunctionsReleased')::int = 1"),
                     1);
    expect("DELETE", "/admin/hosts/del-1?" AV, NULL, NULL, 404, "HostNotFound");
    heartbeat("del-1", g.agent2, "{\"vfsInUse\":1}", 404, "HostNotFound");

    /* Healthy with nothing on it: a clean decommission. Its agent registers
     * it again, as a new host. */
    reg_std("del-1", g.agent2, 201);
    call("DELETE", "/admin/hosts/del-1?" AV, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_str(&r, "health", "Healthy");
    assert_int_equal(json_integer_value(json_object_get(r.json, "virtualFunctionsReleased")), 0);
    assert_int_equal(json_array_size(json_object_get(r.json, "operationsEnded")), 0);
    itest_resp_free(&r);
    reg_std("del-1", g.agent2, 201);

    call("GET", "/metrics", NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    const char *m = r.body ? strstr(r.body, "\naccelnet_hosts_deleted_total ") : NULL;
    if (!m || strtol(m + strlen("\naccelnet_hosts_deleted_total "), NULL, 10) < 2)
        fail_msg("accelnet_hosts_deleted_total should count both deletions");
    itest_resp_free(&r);
}

static void test_log_lines(void **state)
{
    (void)state;
    assert_int_equal(itest_log_all_json(&g.d), 0);
    char *log = itest_daemon_log(&g.d);
    assert_non_null(log);
    if (strstr(log, "cb-secret"))
        fail_msg("the daemon's log holds a callback token");
    free(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_register_and_get),
        cmocka_unit_test(test_ownership),
        cmocka_unit_test(test_bound_tokens),
        cmocka_unit_test(test_require_host),
        cmocka_unit_test(test_heartbeat_and_health),
        cmocka_unit_test(test_state),
        cmocka_unit_test(test_in_use),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_list_paging),
        cmocka_unit_test(test_delete),
        cmocka_unit_test(test_log_lines),
    };
    return cmocka_run_group_tests_name("it_hosts", tests, setup, teardown);
}
