/* it_features — preview enrollment (Microsoft.Features) against a real
 * accelnetd and PostgreSQL: the registration state machine, operator
 * decisions and feature definitions, bad input (with nothing written), who
 * may call what, the audit trail, and webhook delivery through the outbox to
 * a small HTTP receiver on 127.0.0.1 — down at first, up later, with the
 * daemon restarted in between, and with two daemons sharing the outbox. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "tests/integration/itest.h"

#define AV       ITEST_AV
#define NS       "Microsoft.Network"
#define AN       "AllowAcceleratedNetworkingFeature"
#define FEATURES "/providers/Microsoft.Features/providers/"

/* Short outbox timings, so that retries happen within a test. */
static const char *const daemon_env[] = {
    "ACCELNET_OUTBOX_POLL_MS=100",
    "ACCELNET_OUTBOX_RETRY_BASE_MS=200",
    "ACCELNET_OUTBOX_RETRY_MAX_MS=800",
    "ACCELNET_OUTBOX_TIMEOUT_MS=3000",
    NULL,
};
static const struct itest_daemon_opts daemon_opts = {.env = daemon_env};

static struct {
    char *conninfo;
    struct itest_daemon d;
    struct itest_daemon d2; /* a second replica, in the replica test */
    char admin_id[64];      /* the bootstrap admin token's id */
} g;

/* --- a webhook receiver: one thread, a plain socket ------------------------ */

#define RECV_MAX 512

struct receiver {
    int fd;
    unsigned port;
    pthread_t thread;
    int running;
    int stop;
    pthread_mutex_t lock;
    int fail_next; /* answer 503 to this many requests first */
    size_t n;
    char ids[RECV_MAX][40];   /* X-Accelnet-Event-Id of each request */
    json_t *bodies[RECV_MAX]; /* each body, parsed */
    char content_types[RECV_MAX][80];
};

static struct receiver rcv = {.fd = -1, .lock = PTHREAD_MUTEX_INITIALIZER};

/* The value of header `name` in the header block (a copy, or ""). */
static void recv_header(const char *head, const char *name, char *out, size_t outlen)
{
    size_t nlen = strlen(name);
    out[0] = '\0';
    for (const char *line = strstr(head, "\r\n"); line; line = strstr(line + 2, "\r\n")) {
        const char *p = line + 2;
        if (strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
            p += nlen + 1;
            while (*p == ' ')
                p++;
            size_t len = strcspn(p, "\r\n");
            if (len >= outlen)
                len = outlen - 1;
            memcpy(out, p, len);
            out[len] = '\0';
            return;
        }
    }
}

static void recv_one(int c)
{
    char buf[65536];
    size_t have = 0;
    char *end = NULL;
    struct timeval tv = {5, 0};
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    while (!end && have < sizeof buf - 1) {
        ssize_t k = recv(c, buf + have, sizeof buf - 1 - have, 0);
        if (k <= 0)
            return;
        have += (size_t)k;
        buf[have] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    if (!end)
        return;
    *end = '\0';
    char clen[32], id[40], ctype[80];
    recv_header(buf, "Content-Length", clen, sizeof clen);
    recv_header(buf, "X-Accelnet-Event-Id", id, sizeof id);
    recv_header(buf, "Content-Type", ctype, sizeof ctype);
    long want = strtol(clen, NULL, 10);
    char *body = end + 4;
    size_t body_have = have - (size_t)(body - buf);
    while ((long)body_have < want && have < sizeof buf - 1) {
        ssize_t k = recv(c, buf + have, sizeof buf - 1 - have, 0);
        if (k <= 0)
            return;
        have += (size_t)k;
        body_have += (size_t)k;
    }
    buf[have] = '\0';
    int fail;
    pthread_mutex_lock(&rcv.lock);
    fail = rcv.fail_next > 0;
    if (fail) {
        rcv.fail_next--;
    } else if (rcv.n < RECV_MAX) {
        snprintf(rcv.ids[rcv.n], sizeof rcv.ids[0], "%s", id);
        snprintf(rcv.content_types[rcv.n], sizeof rcv.content_types[0], "%s", ctype);
        rcv.bodies[rcv.n] = json_loadb(body, body_have, 0, NULL);
        rcv.n++;
    }
    pthread_mutex_unlock(&rcv.lock);
    const char *answer = fail ? "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                                "Connection: close\r\n\r\n"
                              : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
                                "Connection: close\r\n\r\nok";
    ssize_t w = send(c, answer, strlen(answer), MSG_NOSIGNAL);
    (void)w;
}

static void *recv_main(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&rcv.stop, __ATOMIC_ACQUIRE)) {
        struct pollfd p = {.fd = rcv.fd, .events = POLLIN};
        if (poll(&p, 1, 100) <= 0)
            continue;
        int c = accept(rcv.fd, NULL, NULL);
        if (c < 0)
            continue;
        recv_one(c);
        close(c);
    }
    return NULL;
}

/* Starts listening on rcv.port (chosen earlier, so that events can name it
 * while nothing listens yet). */
static void recv_start(void)
{
    int one = 1;
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons((uint16_t)rcv.port);
    rcv.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(rcv.fd >= 0);
    setsockopt(rcv.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(rcv.fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(rcv.fd, 16) != 0)
        fail_msg("receiver: cannot listen on 127.0.0.1:%u: %s", rcv.port, strerror(errno));
    rcv.stop = 0;
    assert_int_equal(pthread_create(&rcv.thread, NULL, recv_main, NULL), 0);
    rcv.running = 1;
}

static void recv_stop(void)
{
    if (!rcv.running)
        return;
    __atomic_store_n(&rcv.stop, 1, __ATOMIC_RELEASE);
    pthread_join(rcv.thread, NULL);
    close(rcv.fd);
    rcv.fd = -1;
    rcv.running = 0;
}

/* How many requests carried event id `id`. */
static int recv_count(const char *id)
{
    int n = 0;
    pthread_mutex_lock(&rcv.lock);
    for (size_t i = 0; i < rcv.n; i++)
        if (strcmp(rcv.ids[i], id) == 0)
            n++;
    pthread_mutex_unlock(&rcv.lock);
    return n;
}

/* The body of the (first) request with event id `id` (borrowed), or NULL. */
static json_t *recv_body(const char *id)
{
    json_t *b = NULL;
    pthread_mutex_lock(&rcv.lock);
    for (size_t i = 0; i < rcv.n && !b; i++)
        if (strcmp(rcv.ids[i], id) == 0)
            b = rcv.bodies[i];
    pthread_mutex_unlock(&rcv.lock);
    return b;
}

static void recv_reset(void)
{
    pthread_mutex_lock(&rcv.lock);
    for (size_t i = 0; i < rcv.n; i++)
        json_decref(rcv.bodies[i]);
    rcv.n = 0;
    rcv.fail_next = 0;
    pthread_mutex_unlock(&rcv.lock);
}

/* --- helpers ------------------------------------------------------------- */

/* A request as admin (token NULL) or with a token; the response must have
 * status `want`. The caller frees r. */
static void call(const char *method, const char *path, const char *token, const char *body,
                 long want, struct itest_resp *r)
{
    struct itest_req rq = {.method = method,
                           .path = path,
                           .auth = token ? ITEST_AUTH_TOKEN : ITEST_AUTH_ADMIN,
                           .token = token,
                           .body = body};
    itest_do(&g.d, &rq, r);
    if (r->status != want)
        fail_msg("%s %s: expected %ld, got %s", method, path, want, itest_resp_str(r));
}

static void call_error(const char *method, const char *path, const char *token, const char *body,
                       long want, const char *code)
{
    struct itest_resp r;
    call(method, path, token, body, want, &r);
    ITEST_EXPECT_ERROR(&r, want, code);
    itest_resp_free(&r);
}

static char *path_of(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *path_of(const char *fmt, ...)
{
    char *p = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&p, fmt, ap) < 0)
        p = NULL;
    va_end(ap);
    assert_non_null(p);
    return p;
}

/* A new subscription (webhook may be NULL); returns a user token of it in
 * token (256 bytes). */
static void make_subscription(const char *sub, const char *webhook, char *token)
{
    struct itest_resp r;
    char *path = path_of("/admin/subscriptions/%s?" AV, sub);
    char *body =
        webhook ? path_of("{\"displayName\":\"it_features\",\"contactWebhook\":\"%s\"}", webhook)
                : path_of("{\"displayName\":\"it_features\"}");
    call("PUT", path, NULL, body, 201, &r);
    itest_resp_free(&r);
    free(path);
    free(body);
    path = path_of("/admin/subscriptions/%s/tokens?" AV, sub);
    call("POST", path, NULL, NULL, 201, &r);
    const char *t = json_string_value(json_object_get(r.json, "token"));
    assert_non_null(t);
    snprintf(token, 256, "%s", t);
    itest_resp_free(&r);
    free(path);
}

/* The user's feature path: /subscriptions/{sub}/providers/Microsoft.Features/
 * providers/{ns}/features/{name}{suffix}?api-version=... */
static char *feature_path(const char *sub, const char *ns, const char *name, const char *suffix)
{
    return path_of("/subscriptions/%s" FEATURES "%s/features/%s%s?" AV, sub, ns, name, suffix);
}

static char *decision_path(const char *sub, const char *ns, const char *name, const char *verb)
{
    return path_of("/admin/featureRegistrations/%s/%s/%s%s?" AV, sub, ns, name, verb);
}

static const char *state_of(const struct itest_resp *r)
{
    return json_string_value(json_object_get(json_object_get(r->json, "properties"), "state"));
}

/* POST register/unregister as `token`: expects 200, the state and whether
 * it changed (x-accelnet-state-changed). */
static void expect_change(const char *sub, const char *ns, const char *name, const char *verb,
                          const char *token, const char *body, const char *state, int changed)
{
    struct itest_resp r;
    char *path = feature_path(sub, ns, name, verb);
    call("POST", path, token, body, 200, &r);
    if (!state_of(&r) || strcmp(state_of(&r), state) != 0)
        fail_msg("POST %s: expected state %s, got %s", path, state, itest_resp_str(&r));
    const char *h = itest_header(&r, "x-accelnet-state-changed");
    if (!h || strcmp(h, changed ? "true" : "false") != 0)
        fail_msg("POST %s: expected x-accelnet-state-changed: %s, got %s", path,
                 changed ? "true" : "false", h ? h : "(none)");
    itest_resp_free(&r);
    free(path);
}

static void expect_state(const char *sub, const char *ns, const char *name, const char *token,
                         const char *state)
{
    struct itest_resp r;
    char *path = feature_path(sub, ns, name, "");
    call("GET", path, token, NULL, 200, &r);
    if (!state_of(&r) || strcmp(state_of(&r), state) != 0)
        fail_msg("GET %s: expected state %s, got %s", path, state, itest_resp_str(&r));
    itest_resp_free(&r);
    free(path);
}

/* An operator decision: 200 with the registration, or an error. */
static void decide(const char *sub, const char *ns, const char *name, const char *verb,
                   const char *body, long want, const char *want_state_or_code,
                   struct itest_resp *out)
{
    struct itest_resp r;
    char *path = decision_path(sub, ns, name, verb);
    call("POST", path, NULL, body, want, &r);
    if (want == 200) {
        const char *st = json_string_value(json_object_get(r.json, "state"));
        if (!st || strcmp(st, want_state_or_code) != 0)
            fail_msg("POST %s: expected state %s, got %s", path, want_state_or_code,
                     itest_resp_str(&r));
    } else {
        ITEST_EXPECT_ERROR(&r, want, want_state_or_code);
    }
    if (out)
        *out = r;
    else
        itest_resp_free(&r);
    free(path);
}

static long long sql_long(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static long long sql_long(const char *fmt, ...)
{
    char *sql = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&sql, fmt, ap) < 0)
        sql = NULL;
    va_end(ap);
    assert_non_null(sql);
    long long v = itest_pg_long(g.conninfo, sql);
    free(sql);
    return v;
}

/* Waits up to ms for `SELECT ...` (a count) to reach want; returns the last value. */
static long long wait_for(long long want, long ms, const char *sql)
{
    long long v = -1;
    long long deadline = itest_now_ms() + ms;
    do {
        v = itest_pg_long(g.conninfo, sql);
        if (v == want)
            return v;
        itest_sleep_ms(50);
    } while (itest_now_ms() < deadline);
    return v;
}

/* Counts of everything a refused request must leave alone. */
struct written {
    long long regs, audit, outbox, features;
};

static void count_written(struct written *w)
{
    w->regs = itest_pg_long(g.conninfo, "SELECT count(*) FROM feature_registrations");
    w->audit = itest_pg_long(g.conninfo, "SELECT count(*) FROM audit_log");
    w->outbox = itest_pg_long(g.conninfo, "SELECT count(*) FROM outbox");
    w->features = itest_pg_long(g.conninfo, "SELECT count(*) FROM features");
}

/* --- set-up ---------------------------------------------------------------- */

static int group_setup(void **state)
{
    (void)state;
    g.conninfo = itest_db_create("it_features");
    if (itest_daemon_start(&g.d, g.conninfo, &daemon_opts) != 0) {
        memset(&g.d, 0, sizeof g.d);
        return -1;
    }
    char *id = itest_pg_value(g.conninfo, "SELECT id::text FROM tokens WHERE bootstrap");
    if (!id)
        return -1;
    snprintf(g.admin_id, sizeof g.admin_id, "%s", id);
    free(id);
    rcv.port = itest_free_port();
    return rcv.port ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    int rc = 0;
    recv_stop();
    recv_reset();
    itest_daemon_kill(&g.d2);
    if (g.d.pid > 0 && itest_daemon_stop(&g.d, 20000) != 0) {
        fprintf(stderr, "it_features: accelnetd did not exit 0 after SIGTERM\n");
        rc = -1;
    }
    free(g.conninfo);
    return rc;
}

/* --- the state machine ----------------------------------------------------- */

#define SUB_A "a0000000-0000-4000-8000-000000000001"
#define SUB_B "b0000000-0000-4000-8000-000000000002"

static void test_state_machine(void **state)
{
    (void)state;
    char tok[256];
    struct itest_resp r;
    make_subscription(SUB_A, NULL, tok);

    expect_state(SUB_A, NS, AN, tok, "NotRegistered");
    /* Unregistering what was never registered changes nothing. */
    expect_change(SUB_A, NS, AN, "/unregister", tok, NULL, "NotRegistered", 0);
    assert_int_equal(sql_long("SELECT count(*) FROM feature_registrations WHERE "
                              "subscription_id = '%s'",
                              SUB_A),
                     0);

    /* register → Pending (names match case-insensitively), and again: nothing changes. */
    expect_change(SUB_A, "microsoft.network", "allowacceleratednetworkingfeature", "/register", tok,
                  "{\"properties\":{\"description\":\"SR-IOV for our trading VMs\"}}", "Pending",
                  1);
    expect_change(SUB_A, NS, AN, "/register", tok,
                  "{\"properties\":{\"description\":\"something else\"}}", "Pending", 0);
    expect_state(SUB_A, NS, AN, tok, "Pending");

    /* The FeatureResult shape. */
    char *path = feature_path(SUB_A, "MICROSOFT.NETWORK", AN, "");
    call("GET", path, tok, NULL, 200, &r);
    free(path);
    assert_string_equal(json_string_value(json_object_get(r.json, "name")), NS "/" AN);
    assert_string_equal(json_string_value(json_object_get(r.json, "type")),
                        "Microsoft.Features/providers/features");
    assert_string_equal(json_string_value(json_object_get(r.json, "id")),
                        "/subscriptions/" SUB_A FEATURES NS "/features/" AN);
    itest_resp_free(&r);

    /* The operator sees it, with the intended use of the first request. */
    path = decision_path(SUB_A, NS, AN, "");
    call("GET", path, NULL, NULL, 200, &r);
    free(path);
    assert_string_equal(json_string_value(json_object_get(r.json, "intendedUse")),
                        "SR-IOV for our trading VMs");
    assert_true(json_is_null(json_object_get(r.json, "decidedBy")));
    itest_resp_free(&r);
    call("GET", "/admin/featureRegistrations?state=pending&" AV, NULL, NULL, 200, &r);
    json_t *v;
    size_t i;
    int seen = 0;
    json_array_foreach(json_object_get(r.json, "value"), i, v)
    {
        assert_string_equal(json_string_value(json_object_get(v, "state")), "Pending");
        seen += strcmp(json_string_value(json_object_get(v, "subscriptionId")), SUB_A) == 0;
    }
    assert_int_equal(seen, 1);
    itest_resp_free(&r);

    /* approve → Registered, with who and when. */
    decide(SUB_A, NS, AN, "/approve", NULL, 200, "Registered", &r);
    assert_string_equal(json_string_value(json_object_get(r.json, "decidedBy")), g.admin_id);
    assert_true(json_is_string(json_object_get(r.json, "decidedAt")));
    itest_resp_free(&r);
    expect_state(SUB_A, NS, AN, tok, "Registered");
    expect_change(SUB_A, NS, AN, "/register", tok, NULL, "Registered", 0);

    /* Decisions on a registration that is not Pending. */
    decide(SUB_A, NS, AN, "/approve", NULL, 409, "FeatureRegistrationNotPending", NULL);
    decide(SUB_A, NS, AN, "/reject", "{\"reason\":\"late\"}", 409, "FeatureRegistrationNotPending",
           NULL);

    /* unregister → Unregistered; again: nothing changes; a decision: 409. */
    expect_change(SUB_A, NS, AN, "/unregister", tok, NULL, "Unregistered", 1);
    expect_change(SUB_A, NS, AN, "/unregister", tok, "{}", "Unregistered", 0);
    decide(SUB_A, NS, AN, "/approve", NULL, 409, "FeatureRegistrationNotPending", NULL);

    /* re-register after unregister → Pending; reject with a reason. */
    expect_change(SUB_A, NS, AN, "/register", tok, NULL, "Pending", 1);
    decide(SUB_A, NS, AN, "/reject", "{\"reason\":\"capacity is reserved for now\"}", 200,
           "Rejected", &r);
    assert_string_equal(json_string_value(json_object_get(r.json, "reason")),
                        "capacity is reserved for now");
    assert_string_equal(json_string_value(json_object_get(r.json, "decidedBy")), g.admin_id);
    itest_resp_free(&r);
    path = feature_path(SUB_A, NS, AN, "");
    call("GET", path, tok, NULL, 200, &r);
    free(path);
    assert_string_equal(state_of(&r), "Rejected");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(r.json, "properties"), "reason")),
        "capacity is reserved for now");
    itest_resp_free(&r);
    decide(SUB_A, NS, AN, "/reject", "{\"reason\":\"again\"}", 409, "FeatureRegistrationNotPending",
           NULL);

    /* A rejection stays until the subscription asks again: unregister
     * changes nothing, register is a new request (Pending, decision
     * cleared). */
    expect_change(SUB_A, NS, AN, "/unregister", tok, NULL, "Rejected", 0);
    expect_change(SUB_A, NS, AN, "/register", tok,
                  "{\"properties\":{\"description\":\"second try\"}}", "Pending", 1);
    path = decision_path(SUB_A, NS, AN, "");
    call("GET", path, NULL, NULL, 200, &r);
    free(path);
    assert_string_equal(json_string_value(json_object_get(r.json, "state")), "Pending");
    assert_string_equal(json_string_value(json_object_get(r.json, "intendedUse")), "second try");
    assert_true(json_is_null(json_object_get(r.json, "decidedBy")));
    assert_true(json_is_null(json_object_get(r.json, "reason")));
    itest_resp_free(&r);
    decide(SUB_A, NS, AN, "/approve", "{\"reason\":\"capacity freed\"}", 200, "Registered", NULL);

    /* One audit row per change, none for the requests that changed nothing:
     * register, approve, unregister, register, reject, register, approve. */
    assert_int_equal(sql_long("SELECT count(*) FROM audit_log WHERE subscription_id = '%s' "
                              "AND action LIKE 'feature.%%'",
                              SUB_A),
                     7);
    assert_int_equal(sql_long("SELECT count(*) FROM audit_log WHERE subscription_id = '%s' "
                              "AND action = 'feature.reject' AND actor_token_id = '%s' "
                              "AND details->>'reason' = 'capacity is reserved for now' "
                              "AND details->>'from' = 'Pending' AND details->>'to' = 'Rejected'",
                              SUB_A, g.admin_id),
                     1);
    /* The user's own changes are recorded under the user's token. */
    assert_int_equal(sql_long("SELECT count(*) FROM audit_log a JOIN tokens t ON "
                              "t.id = a.actor_token_id WHERE a.subscription_id = '%s' AND "
                              "a.action IN ('feature.register', 'feature.unregister') AND "
                              "t.role = 'user'",
                              SUB_A),
                     4);
    /* No webhook: no events. */
    assert_int_equal(sql_long("SELECT count(*) FROM outbox WHERE subscription_id = '%s'", SUB_A),
                     0);
}

/* --- operator-defined features --------------------------------------------- */

static void test_feature_definitions(void **state)
{
    (void)state;
    char tok[256];
    struct itest_resp r;
    make_subscription(SUB_B, NULL, tok);

    /* Not defined yet: the namespace is unknown. */
    char *path = feature_path(SUB_B, "Microsoft.Compute", "LinuxAcceleratedNetworking", "");
    call_error("GET", path, tok, NULL, 400, "InvalidResourceNamespace");
    free(path);

    call("PUT", "/admin/features/Microsoft.Compute/LinuxAcceleratedNetworking?" AV, NULL,
         "{\"approvalType\":\"autoapproval\",\"description\":\"Linux preview\"}", 201, &r);
    assert_string_equal(json_string_value(json_object_get(r.json, "approvalType")), "AutoApproval");
    assert_string_equal(json_string_value(json_object_get(r.json, "namespace")),
                        "Microsoft.Compute");
    itest_resp_free(&r);
    /* Defined again in another case: the same feature, updated, its spelling kept. */
    call("PUT", "/admin/features/microsoft.compute/linuxacceleratednetworking?" AV, NULL,
         "{\"approvalType\":\"AutoApproval\"}", 200, &r);
    assert_string_equal(json_string_value(json_object_get(r.json, "name")),
                        "LinuxAcceleratedNetworking");
    assert_string_equal(json_string_value(json_object_get(r.json, "description")), "Linux preview");
    itest_resp_free(&r);
    call("GET", "/admin/features/Microsoft.Compute/LinuxAcceleratedNetworking?" AV, NULL, NULL, 200,
         &r);
    assert_string_equal(json_string_value(json_object_get(r.json, "approvalType")), "AutoApproval");
    itest_resp_free(&r);
    assert_int_equal(sql_long("SELECT count(*) FROM audit_log WHERE action IN "
                              "('feature.define', 'feature.update') AND "
                              "details->>'name' = 'LinuxAcceleratedNetworking'"),
                     2);

    /* AutoApproval: registered at once. */
    expect_change(SUB_B, "Microsoft.Compute", "LinuxAcceleratedNetworking", "/register", tok, NULL,
                  "Registered", 1);
    expect_change(SUB_B, "Microsoft.Compute", "LinuxAcceleratedNetworking", "/register", tok, NULL,
                  "Registered", 0);
    decide(SUB_B, "Microsoft.Compute", "LinuxAcceleratedNetworking", "/approve", NULL, 409,
           "FeatureRegistrationNotPending", NULL);
    assert_int_equal(sql_long("SELECT count(*) FROM audit_log WHERE subscription_id = '%s' "
                              "AND action = 'feature.register' AND details->>'to' = "
                              "'Registered'",
                              SUB_B),
                     1);

    /* Lists: one namespace, and all of them, with this subscription's states. */
    path = path_of("/subscriptions/%s" FEATURES "Microsoft.Compute/features?" AV, SUB_B);
    call("GET", path, tok, NULL, 200, &r);
    free(path);
    assert_int_equal(json_array_size(json_object_get(r.json, "value")), 1);
    itest_resp_free(&r);
    path = path_of("/subscriptions/%s/providers/Microsoft.Features/features?" AV, SUB_B);
    call("GET", path, tok, NULL, 200, &r);
    free(path);
    json_t *value = json_object_get(r.json, "value");
    assert_int_equal(json_array_size(value), 2);
    for (size_t i = 0; i < 2; i++) {
        json_t *f = json_array_get(value, i);
        const char *name = json_string_value(json_object_get(f, "name"));
        const char *st =
            json_string_value(json_object_get(json_object_get(f, "properties"), "state"));
        if (strcmp(name, NS "/" AN) == 0)
            assert_string_equal(st, "NotRegistered");
        else if (strcmp(name, "Microsoft.Compute/LinuxAcceleratedNetworking") == 0)
            assert_string_equal(st, "Registered");
        else
            fail_msg("unexpected feature %s", name);
    }
    itest_resp_free(&r);

    /* Paging: one feature per page, the nextLink leads to the rest. */
    call("GET", "/admin/features?$top=1&" AV, NULL, NULL, 200, &r);
    assert_int_equal(json_array_size(json_object_get(r.json, "value")), 1);
    const char *next = json_string_value(json_object_get(r.json, "nextLink"));
    assert_non_null(next);
    const char *rel = strstr(next, "/admin/features");
    assert_non_null(rel);
    struct itest_resp r2;
    call("GET", rel, NULL, NULL, 200, &r2);
    assert_int_equal(json_array_size(json_object_get(r2.json, "value")), 1);
    assert_null(json_object_get(r2.json, "nextLink"));
    itest_resp_free(&r2);
    itest_resp_free(&r);

    /* The operator's list keeps its state filter from page to page. */
    call("GET", "/admin/featureRegistrations?state=Registered&$top=1&" AV, NULL, NULL, 200, &r);
    next = json_string_value(json_object_get(r.json, "nextLink"));
    assert_non_null(next);
    assert_non_null(strstr(next, "state=Registered"));
    itest_resp_free(&r);

    /* Switching the feature to ApprovalRequired affects new requests only. */
    call("PUT", "/admin/features/Microsoft.Compute/LinuxAcceleratedNetworking?" AV, NULL,
         "{\"approvalType\":\"ApprovalRequired\"}", 200, &r);
    itest_resp_free(&r);
    expect_state(SUB_B, "Microsoft.Compute", "LinuxAcceleratedNetworking", tok, "Registered");
    expect_change(SUB_B, "Microsoft.Compute", "LinuxAcceleratedNetworking", "/unregister", tok,
                  NULL, "Unregistered", 1);
    expect_change(SUB_B, "Microsoft.Compute", "LinuxAcceleratedNetworking", "/register", tok, NULL,
                  "Pending", 1);
}

/* --- bad input: 4xx with stable codes, nothing written --------------------- */

static void test_bad_input(void **state)
{
    (void)state;
    char tok[256];
    struct written before, after;
    make_subscription("c0000000-0000-4000-8000-000000000003", NULL, tok);
#define SUB_C "c0000000-0000-4000-8000-000000000003"
    count_written(&before);

    static const struct {
        const char *method, *path, *body;
        long status;
        const char *code;
    } cases[] = {
        /* user routes */
        {"POST", "/subscriptions/not-a-guid" FEATURES NS "/features/" AN "/register?" AV, NULL, 400,
         "InvalidSubscriptionId"},
        {"GET", "/subscriptions/not-a-guid/providers/Microsoft.Features/features?" AV, NULL, 400,
         "InvalidSubscriptionId"},
        {"POST", "/subscriptions/" SUB_C FEATURES "Microsoft.Nothing/features/" AN "/register?" AV,
         NULL, 400, "InvalidResourceNamespace"},
        {"POST", "/subscriptions/" SUB_C FEATURES "Microsoft/features/" AN "/register?" AV, NULL,
         400, "InvalidResourceNamespace"},
        {"GET", "/subscriptions/" SUB_C FEATURES "Microsoft.Nothing/features?" AV, NULL, 400,
         "InvalidResourceNamespace"},
        {"GET", "/subscriptions/" SUB_C FEATURES "Microsoft.Nothing/features/" AN "?" AV, NULL, 400,
         "InvalidResourceNamespace"},
        {"POST", "/subscriptions/" SUB_C FEATURES NS "/features/NoSuchFeature/register?" AV, NULL,
         404, "FeatureNotFound"},
        {"POST", "/subscriptions/" SUB_C FEATURES NS "/features/NoSuchFeature/unregister?" AV, NULL,
         404, "FeatureNotFound"},
        {"GET", "/subscriptions/" SUB_C FEATURES NS "/features/NoSuchFeature?" AV, NULL, 404,
         "FeatureNotFound"},
        {"POST", "/subscriptions/" SUB_C FEATURES NS "/features/" AN "/register?" AV,
         "{\"properties\":{\"description\":5}}", 400, "InvalidRequestContent"},
        {"POST", "/subscriptions/" SUB_C FEATURES NS "/features/" AN "/register?" AV,
         "{\"properties\":\"use\"}", 400, "InvalidRequestContent"},
        {"POST", "/subscriptions/" SUB_C FEATURES NS "/features/" AN "/register?" AV,
         "{\"properties\":{\"description\":\"x\",\"colour\":\"red\"}}", 400,
         "InvalidRequestContent"},
        {"POST", "/subscriptions/" SUB_C FEATURES NS "/features/" AN "/register?" AV,
         "{\"description\":\"at the wrong level\"}", 400, "InvalidRequestContent"},
        {"POST", "/subscriptions/" SUB_C FEATURES NS "/features/" AN "/register?" AV, "[1]", 400,
         "InvalidRequestContent"},
        {"POST", "/subscriptions/" SUB_C FEATURES NS "/features/" AN "/register?" AV,
         "{\"a\":", 400, "InvalidRequestContent"},
        {"POST", "/subscriptions/" SUB_C FEATURES NS "/features/" AN "/unregister?" AV,
         "{\"force\":true}", 400, "InvalidRequestContent"},
        {"GET", "/subscriptions/" SUB_C "/providers/Microsoft.Features/features?$skipToken=zz&" AV,
         NULL, 400, "InvalidQueryParameterValue"},
        /* admin routes */
        {"POST", "/admin/featureRegistrations/not-a-guid/" NS "/" AN "/approve?" AV, NULL, 400,
         "InvalidSubscriptionId"},
        {"POST",
         "/admin/featureRegistrations/d0000000-0000-4000-8000-00000000ffff/" NS "/" AN
         "/approve?" AV,
         NULL, 404, "SubscriptionNotFound"},
        {"POST", "/admin/featureRegistrations/" SUB_C "/Microsoft.Nothing/" AN "/approve?" AV, NULL,
         400, "InvalidResourceNamespace"},
        {"POST", "/admin/featureRegistrations/" SUB_C "/" NS "/NoSuchFeature/approve?" AV, NULL,
         404, "FeatureNotFound"},
        {"POST", "/admin/featureRegistrations/" SUB_C "/" NS "/" AN "/approve?" AV, NULL, 409,
         "FeatureRegistrationNotPending"},
        {"POST", "/admin/featureRegistrations/" SUB_C "/" NS "/" AN "/approve?" AV,
         "{\"reason\":7}", 400, "InvalidRequestContent"},
        {"POST", "/admin/featureRegistrations/" SUB_C "/" NS "/" AN "/reject?" AV, NULL, 400,
         "InvalidRequestContent"},
        {"POST", "/admin/featureRegistrations/" SUB_C "/" NS "/" AN "/reject?" AV, "{}", 400,
         "InvalidRequestContent"},
        {"POST", "/admin/featureRegistrations/" SUB_C "/" NS "/" AN "/reject?" AV,
         "{\"reason\":\"\"}", 400, "InvalidRequestContent"},
        {"POST", "/admin/featureRegistrations/" SUB_C "/" NS "/" AN "/reject?" AV,
         "{\"reason\":[\"no\"]}", 400, "InvalidRequestContent"},
        {"POST", "/admin/featureRegistrations/" SUB_C "/" NS "/" AN "/reject?" AV,
         "{\"reason\":\"no\",\"notify\":false}", 400, "InvalidRequestContent"},
        {"GET", "/admin/featureRegistrations/" SUB_C "/" NS "/" AN "?" AV, NULL, 404,
         "ResourceNotFound"},
        {"GET", "/admin/featureRegistrations?state=Approved&" AV, NULL, 400,
         "InvalidQueryParameterValue"},
        {"GET", "/admin/featureRegistrations?$skipToken=bm90LWEtZ3VpZC94L3k&" AV, NULL, 400,
         "InvalidQueryParameterValue"},
        {"PUT", "/admin/features/Microsoft.Compute/Bad*Name?" AV,
         "{\"approvalType\":\"AutoApproval\"}", 400, "InvalidResourceName"},
        {"PUT", "/admin/features/Microsoft_Compute/Good?" AV, "{\"approvalType\":\"AutoApproval\"}",
         400, "InvalidResourceNamespace"},
        {"PUT", "/admin/features/Compute/Good?" AV, "{\"approvalType\":\"AutoApproval\"}", 400,
         "InvalidResourceNamespace"},
        {"PUT", "/admin/features/Microsoft.Compute/Good?" AV, NULL, 400, "InvalidRequestContent"},
        {"PUT", "/admin/features/Microsoft.Compute/Good?" AV, "{}", 400, "InvalidRequestContent"},
        {"PUT", "/admin/features/Microsoft.Compute/Good?" AV, "{\"approvalType\":\"Sometimes\"}",
         400, "InvalidRequestContent"},
        {"PUT", "/admin/features/Microsoft.Compute/Good?" AV, "{\"approvalType\":1}", 400,
         "InvalidRequestContent"},
        {"PUT", "/admin/features/Microsoft.Compute/Good?" AV,
         "{\"approvalType\":\"AutoApproval\",\"owner\":\"me\"}", 400, "InvalidRequestContent"},
        {"PUT", "/admin/features/Microsoft.Compute/Good?" AV,
         "{\"approvalType\":\"AutoApproval\",\"description\":false}", 400, "InvalidRequestContent"},
        {"GET", "/admin/features/Microsoft.Network/NoSuchFeature?" AV, NULL, 404,
         "FeatureNotFound"},
        {"GET", "/admin/features?$top=0&" AV, NULL, 400, "InvalidQueryParameterValue"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        /* A user token on a path that names no subscription of its own
         * is refused before the path is looked at: bad GUIDs go as admin. */
        int user =
            strncmp(cases[i].path, "/admin", 6) != 0 && strstr(cases[i].path, "not-a-guid") == NULL;
        call_error(cases[i].method, cases[i].path, user ? tok : NULL, cases[i].body,
                   cases[i].status, cases[i].code);
    }

    /* A problem in the body names its JSON path. */
    struct itest_resp r;
    call("POST", "/subscriptions/" SUB_C FEATURES NS "/features/" AN "/register?" AV, tok,
         "{\"properties\":{\"description\":5}}", 400, &r);
    json_t *d = json_array_get(json_object_get(json_object_get(r.json, "error"), "details"), 0);
    assert_string_equal(json_string_value(json_object_get(d, "target")), "properties.description");
    itest_resp_free(&r);

    count_written(&after);
    assert_int_equal(after.regs, before.regs);
    assert_int_equal(after.audit, before.audit);
    assert_int_equal(after.outbox, before.outbox);
    assert_int_equal(after.features, before.features);
    assert_int_equal(sql_long("SELECT count(*) FROM features WHERE name = 'Good'"), 0);
}

/* --- who may call what ----------------------------------------------------- */

static void test_access(void **state)
{
    (void)state;
    char tok_d[256], tok_e[256];
#define SUB_D "d0000000-0000-4000-8000-000000000004"
#define SUB_E "e0000000-0000-4000-8000-000000000005"
    make_subscription(SUB_D, NULL, tok_d);
    make_subscription(SUB_E, NULL, tok_e);
    expect_change(SUB_D, NS, AN, "/register", tok_d, NULL, "Pending", 1);

    /* Another subscription's user token on D's routes: 403, revealing nothing. */
    static const struct {
        const char *method, *path, *body;
    } user_routes[] = {
        {"POST", "/subscriptions/" SUB_D FEATURES NS "/features/" AN "/register?" AV, NULL},
        {"POST", "/subscriptions/" SUB_D FEATURES NS "/features/" AN "/unregister?" AV, NULL},
        {"GET", "/subscriptions/" SUB_D FEATURES NS "/features/" AN "?" AV, NULL},
        {"GET", "/subscriptions/" SUB_D FEATURES NS "/features?" AV, NULL},
        {"GET", "/subscriptions/" SUB_D "/providers/Microsoft.Features/features?" AV, NULL},
        /* ... and on a subscription that does not exist: the same answer. */
        {"GET", "/subscriptions/f0000000-0000-4000-8000-00000000dead" FEATURES NS "/features?" AV,
         NULL},
    };
    for (size_t i = 0; i < sizeof user_routes / sizeof user_routes[0]; i++)
        call_error(user_routes[i].method, user_routes[i].path, tok_e, user_routes[i].body, 403,
                   "AuthorizationFailed");

    /* User tokens (even of the subscription concerned) on the admin routes: 403. */
    static const struct {
        const char *method, *path, *body;
    } admin_routes[] = {
        {"GET", "/admin/featureRegistrations?state=Pending&" AV, NULL},
        {"GET", "/admin/featureRegistrations/" SUB_D "/" NS "/" AN "?" AV, NULL},
        {"POST", "/admin/featureRegistrations/" SUB_D "/" NS "/" AN "/approve?" AV, NULL},
        {"POST", "/admin/featureRegistrations/" SUB_D "/" NS "/" AN "/reject?" AV,
         "{\"reason\":\"x\"}"},
        {"GET", "/admin/features?" AV, NULL},
        {"GET", "/admin/features/" NS "/" AN "?" AV, NULL},
        {"PUT", "/admin/features/" NS "/" AN "?" AV, "{\"approvalType\":\"AutoApproval\"}"},
    };
    for (size_t i = 0; i < sizeof admin_routes / sizeof admin_routes[0]; i++) {
        call_error(admin_routes[i].method, admin_routes[i].path, tok_d, admin_routes[i].body, 403,
                   "AuthorizationFailed");
        struct itest_req rq = {.method = admin_routes[i].method,
                               .path = admin_routes[i].path,
                               .auth = ITEST_AUTH_NONE,
                               .body = admin_routes[i].body};
        struct itest_resp r;
        itest_do(&g.d, &rq, &r);
        ITEST_EXPECT_ERROR(&r, 401, "AuthenticationFailed");
        itest_resp_free(&r);
    }
    /* Nothing moved. */
    expect_state(SUB_D, NS, AN, tok_d, "Pending");
    struct itest_resp r;
    call("GET", "/admin/features/" NS "/" AN "?" AV, NULL, NULL, 200, &r);
    assert_string_equal(json_string_value(json_object_get(r.json, "approvalType")),
                        "ApprovalRequired");
    itest_resp_free(&r);

    /* A disabled subscription reads its features but cannot change them. */
    call("POST", "/admin/subscriptions/" SUB_D "/disable?" AV, NULL, NULL, 200, &r);
    itest_resp_free(&r);
    expect_state(SUB_D, NS, AN, tok_d, "Pending");
    char *path = feature_path(SUB_D, NS, AN, "/unregister");
    call_error("POST", path, tok_d, NULL, 409, "ReadOnlyDisabledSubscription");
    free(path);
    call("POST", "/admin/subscriptions/" SUB_D "/enable?" AV, NULL, NULL, 200, &r);
    itest_resp_free(&r);
}

/* --- webhooks ---------------------------------------------------------------- */

#define SUB_W "f0000000-0000-4000-8000-000000000006"

static void expect_event(const char *id, const char *type, const char *state_, const char *previous)
{
    if (recv_count(id) != 1)
        fail_msg("event %s arrived %d times, expected once", id, recv_count(id));
    json_t *b = recv_body(id);
    if (!b)
        fail_msg("event %s: the body is not JSON", id);
    assert_string_equal(json_string_value(json_object_get(b, "id")), id);
    assert_string_equal(json_string_value(json_object_get(b, "type")), type);
    assert_string_equal(json_string_value(json_object_get(b, "subscriptionId")), SUB_W);
    assert_string_equal(json_string_value(json_object_get(b, "namespace")), NS);
    assert_string_equal(json_string_value(json_object_get(b, "feature")), AN);
    assert_string_equal(json_string_value(json_object_get(b, "state")), state_);
    assert_string_equal(json_string_value(json_object_get(b, "previousState")), previous);
    assert_true(json_is_string(json_object_get(b, "time")));
}

/* The id of the event of type (suffix) for SUB_W (caller frees). */
static char *event_id(const char *type)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT id::text FROM outbox WHERE subscription_id = '" SUB_W
             "' AND event_type = 'Microsoft.Features/featureRegistration.%s'",
             type);
    char *id = itest_pg_value(g.conninfo, sql);
    if (!id)
        fail_msg("no %s event in the outbox", type);
    return id;
}

/* Down at first, up after a restart of the daemon: every event arrives
 * once, with its id in the header and the body, and is marked delivered. */
static void test_webhook_delivery(void **state)
{
    (void)state;
    char tok[256], hook[128];
    recv_reset();
    snprintf(hook, sizeof hook, "http://127.0.0.1:%u/hooks/accelnet?key=s3cret", rcv.port);
    make_subscription(SUB_W, hook, tok);
    assert_true(itest_port_refuses(rcv.port));

    /* register (→ requested) and approve (→ approved): two events, in the
     * transactions of the changes. */
    expect_change(SUB_W, NS, AN, "/register", tok,
                  "{\"properties\":{\"description\":\"webhooks\"}}", "Pending", 1);
    decide(SUB_W, NS, AN, "/approve", NULL, 200, "Registered", NULL);
    assert_int_equal(sql_long("SELECT count(*) FROM outbox WHERE subscription_id = '" SUB_W
                              "' AND url = '%s'",
                              hook),
                     2);
    /* The audit rows name the events. */
    assert_int_equal(sql_long("SELECT count(*) FROM audit_log a JOIN outbox o ON "
                              "o.id::text = a.details->>'eventId' WHERE a.subscription_id = '" SUB_W
                              "'"),
                     2);

    /* The receiver is down: both fail, more than once, and stay undelivered. */
    long long v = wait_for(2, 15000,
                           "SELECT count(*) FROM outbox WHERE subscription_id = '" SUB_W
                           "' AND attempts >= 2 AND delivered_at IS NULL AND last_error IS NOT "
                           "NULL");
    if (v != 2)
        fail_msg("expected both events to have failed twice, got %lld", v);

    /* Restart the daemon, then bring the receiver up. */
    assert_int_equal(itest_daemon_stop(&g.d, 20000), 0);
    char *log = itest_daemon_log(&g.d);
    assert_non_null(log);
    assert_non_null(strstr(log, "webhook delivery failed; will retry"));
    /* The secret in the webhook's query string is never logged. */
    assert_null(strstr(log, "s3cret"));
    free(log);
    recv_start();
    assert_int_equal(itest_daemon_start(&g.d, g.conninfo, &daemon_opts), 0);
    v = wait_for(2, 15000,
                 "SELECT count(*) FROM outbox WHERE subscription_id = '" SUB_W
                 "' AND delivered_at IS NOT NULL");
    if (v != 2)
        fail_msg("expected both events delivered after the restart, got %lld", v);

    char *requested = event_id("requested"), *approved = event_id("approved");
    expect_event(requested, "Microsoft.Features/featureRegistration.requested", "Pending",
                 "NotRegistered");
    expect_event(approved, "Microsoft.Features/featureRegistration.approved", "Registered",
                 "Pending");
    assert_string_equal(json_string_value(json_object_get(recv_body(approved), "decidedBy")),
                        g.admin_id);
    pthread_mutex_lock(&rcv.lock);
    assert_int_equal(rcv.n, 2);
    assert_string_equal(rcv.content_types[0], "application/json; charset=utf-8");
    pthread_mutex_unlock(&rcv.lock);

    /* A receiver that answers 503 twice: retried with backoff, delivered
     * later. Three more events: unregistered, requested, rejected. */
    pthread_mutex_lock(&rcv.lock);
    rcv.fail_next = 2;
    pthread_mutex_unlock(&rcv.lock);
    expect_change(SUB_W, NS, AN, "/unregister", tok, NULL, "Unregistered", 1);
    expect_change(SUB_W, NS, AN, "/register", tok, NULL, "Pending", 1);
    decide(SUB_W, NS, AN, "/reject", "{\"reason\":\"not this quarter\"}", 200, "Rejected", NULL);
    v = wait_for(5, 15000,
                 "SELECT count(*) FROM outbox WHERE subscription_id = '" SUB_W
                 "' AND delivered_at IS NOT NULL");
    if (v != 5)
        fail_msg("expected all five events delivered, got %lld", v);
    /* Three deliveries and the two refused attempts. */
    assert_int_equal(sql_long("SELECT sum(attempts) FROM outbox WHERE subscription_id = '" SUB_W
                              "' AND id NOT IN ('%s', '%s')",
                              requested, approved),
                     5);
    char *rejected = event_id("rejected"), *unregistered = event_id("unregistered");
    expect_event(rejected, "Microsoft.Features/featureRegistration.rejected", "Rejected",
                 "Pending");
    assert_string_equal(json_string_value(json_object_get(recv_body(rejected), "reason")),
                        "not this quarter");
    expect_event(unregistered, "Microsoft.Features/featureRegistration.unregistered",
                 "Unregistered", "Registered");
    /* Each of the five ids arrived exactly once (the 503s are not kept). */
    pthread_mutex_lock(&rcv.lock);
    assert_int_equal(rcv.n, 5);
    pthread_mutex_unlock(&rcv.lock);
    free(requested);
    free(approved);
    free(rejected);
    free(unregistered);

    /* /metrics counts them. */
    struct itest_resp r;
    struct itest_req mrq = {.path = "/metrics"};
    itest_do(&g.d, &mrq, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_non_null(strstr(r.body, "accelnet_outbox_delivered_total "));
    assert_non_null(strstr(r.body, "accelnet_outbox_failed_attempts_total "));
    assert_non_null(strstr(r.body, "accelnet_outbox_expired_total "));
    assert_null(strstr(r.body, "accelnet_outbox_delivered_total 0\n"));
    assert_null(strstr(r.body, "accelnet_outbox_failed_attempts_total 0\n"));
    itest_resp_free(&r);
}

/* An event whose receiver never answers is given up when it expires. */
static void test_webhook_expiry(void **state)
{
    (void)state;
    char tok[256], hook[128];
    unsigned dead = itest_free_port();
    assert_true(dead != 0 && dead != rcv.port);
#define SUB_X "a1000000-0000-4000-8000-000000000007"
    snprintf(hook, sizeof hook, "http://127.0.0.1:%u/", dead);
    make_subscription(SUB_X, hook, tok);
    expect_change(SUB_X, NS, AN, "/register", tok, NULL, "Pending", 1);
    long long v = wait_for(1, 15000,
                           "SELECT count(*) FROM outbox WHERE subscription_id = '" SUB_X
                           "' AND attempts >= 1");
    assert_int_equal(v, 1);
    /* As if a day had passed. */
    assert_int_equal(itest_pg_exec(g.conninfo, "UPDATE outbox SET expires_at = now() WHERE "
                                               "subscription_id = '" SUB_X "'"),
                     0);
    v = wait_for(1, 15000,
                 "SELECT count(*) FROM outbox WHERE subscription_id = '" SUB_X
                 "' AND expired_at IS NOT NULL AND delivered_at IS NULL");
    assert_int_equal(v, 1);
    /* And stays given up. */
    long long attempts =
        sql_long("SELECT attempts FROM outbox WHERE subscription_id = '" SUB_X "'");
    itest_sleep_ms(600);
    assert_int_equal(sql_long("SELECT attempts FROM outbox WHERE subscription_id = '" SUB_X "'"),
                     attempts);
    struct itest_resp r;
    struct itest_req mrq = {.path = "/metrics"};
    itest_do(&g.d, &mrq, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_null(strstr(r.body, "accelnet_outbox_expired_total 0\n"));
    itest_resp_free(&r);
}

/* Two daemons on one database share the outbox: each event is claimed by
 * one of them (SKIP LOCKED and the lease) and arrives once. */
static void test_webhook_replicas(void **state)
{
    (void)state;
    char hook[128], tok[256];
    enum { NSUBS = 12 };
    if (!rcv.running)
        recv_start();
    recv_reset();
    snprintf(hook, sizeof hook, "http://127.0.0.1:%u/replicas", rcv.port);
    /* The second daemon starts while the receiver listens (so that it
     * cannot be given the receiver's port); then the receiver goes away,
     * the events are written and fail, and both daemons retry them. */
    assert_int_equal(itest_daemon_start(&g.d2, g.conninfo, &daemon_opts), 0);
    recv_stop();
    for (int i = 0; i < NSUBS; i++) {
        char sub[37];
        snprintf(sub, sizeof sub, "b1000000-0000-4000-8000-%012d", i);
        make_subscription(sub, hook, tok);
        expect_change(sub, NS, AN, "/register", tok, NULL, "Pending", 1);
    }
    long long failed = wait_for(NSUBS, 15000,
                                "SELECT count(*) FROM outbox WHERE subscription_id::text LIKE "
                                "'b1000000-%' AND attempts >= 1");
    assert_int_equal(failed, NSUBS);
    recv_start();
    long long v = wait_for(NSUBS, 20000,
                           "SELECT count(*) FROM outbox WHERE subscription_id::text LIKE "
                           "'b1000000-%' AND delivered_at IS NOT NULL");
    if (v != NSUBS)
        fail_msg("expected %d events delivered, got %lld", NSUBS, v);
    pthread_mutex_lock(&rcv.lock);
    size_t n = rcv.n;
    pthread_mutex_unlock(&rcv.lock);
    assert_int_equal(n, NSUBS);
    for (size_t i = 0; i < n; i++) {
        char id[40];
        pthread_mutex_lock(&rcv.lock);
        snprintf(id, sizeof id, "%s", rcv.ids[i]);
        pthread_mutex_unlock(&rcv.lock);
        assert_int_equal(recv_count(id), 1);
        assert_int_equal(sql_long("SELECT count(*) FROM outbox WHERE id = '%s' AND "
                                  "delivered_at IS NOT NULL",
                                  id),
                         1);
    }
    assert_int_equal(itest_daemon_stop(&g.d2, 20000), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_machine),    cmocka_unit_test(test_feature_definitions),
        cmocka_unit_test(test_bad_input),        cmocka_unit_test(test_access),
        cmocka_unit_test(test_webhook_delivery), cmocka_unit_test(test_webhook_expiry),
        cmocka_unit_test(test_webhook_replicas),
    };
    return cmocka_run_group_tests_name("it_features", tests, group_setup, group_teardown);
}
