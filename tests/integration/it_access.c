/* it_access — who may call what, checked for every route in accelnetd's route
 * table (service/routes.c, linked in), so that routes added later are covered
 * without anyone adding them here:
 *
 *   - AUTH_SUBSCRIPTION routes: a user token of subscription A on subscription
 *     B's path gets 403 AuthorizationFailed, and exactly the same answer
 *     whether B exists, is disabled, or was never created (nothing about B
 *     leaks); an agent token gets 403 too; A's own token is let through;
 *   - AUTH_ADMIN routes: user and agent tokens get 403;
 *   - AUTH_AGENT routes: user tokens get 403; those with {hostName} answer
 *     an agent token bound to another host 403 too;
 *   - every route that is not public: no token, a token nobody issued, and a
 *     revoked token get 401 AuthenticationFailed with WWW-Authenticate.
 *
 * Path parameters other than {subscriptionId} get plausible values (see
 * param_value()); the filled path is checked against the table with
 * route_find() so that it reaches the route under test and not an earlier one. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "service/routes.h"
#include "tests/integration/itest.h"

#define AV "api-version=2016-09-01"

#define SUB_A        "a1a1a1a1-0000-4000-8000-00000000000a" /* the caller's */
#define SUB_B        "b2b2b2b2-0000-4000-8000-00000000000b" /* another, enabled */
#define SUB_C        "c3c3c3c3-0000-4000-8000-00000000000c" /* another, disabled */
#define SUB_NEVER    "d4d4d4d4-0000-4000-8000-00000000000d" /* never created */
#define SUB_B_UPPER  "B2B2B2B2-0000-4000-8000-00000000000B"
#define SOME_GUID    "e5e5e5e5-0000-4000-8000-00000000000e"
#define BOUND_HOST   "access-bound" /* not param_value()'s host name */
#define FAILURES_MAX 8192

static struct {
    char *conninfo;
    struct itest_daemon d;
    char user_a[128];  /* user token of SUB_A */
    char user_b[128];  /* user token of SUB_B */
    char agent[128];   /* agent token */
    char bound[128];   /* agent token bound to host BOUND_HOST */
    char revoked[128]; /* a user token of SUB_A, revoked */
} g;

/* --- set-up ------------------------------------------------------------------ */

static int admin_call(const char *method, const char *path, const char *body, long want,
                      char *token_out)
{
    struct itest_resp r;
    itest_request(&g.d, method, path, NULL, body, &r);
    int ok = r.status == want;
    if (!ok)
        fprintf(stderr, "it_access set-up: %s %s: expected %ld, got %s\n", method, path, want,
                itest_resp_str(&r));
    if (ok && token_out != NULL) {
        const char *t = json_string_value(json_object_get(r.json, "token"));
        ok = t != NULL;
        snprintf(token_out, 128, "%s", t ? t : "");
    }
    itest_resp_free(&r);
    return ok ? 0 : -1;
}

static int setup(void **state)
{
    (void)state;
    g.conninfo = itest_db_create("it_access");
    if (itest_daemon_start(&g.d, g.conninfo, NULL) != 0) {
        memset(&g.d, 0, sizeof g.d);
        return -1;
    }
    static const char *const subs[] = {SUB_A, SUB_B, SUB_C};
    char path[256], id[64] = "";
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "/admin/subscriptions/%s?" AV, subs[i]);
        if (admin_call("PUT", path, "{\"displayName\":\"it_access\"}", 201, NULL) != 0)
            return -1;
        /* Something in each, so that "exists" is not only the subscription row. */
        snprintf(path, sizeof path, "/subscriptions/%s/resourcegroups/rg-access?" AV, subs[i]);
        if (admin_call("PUT", path, "{\"location\":\"westeurope\",\"tags\":{}}", 201, NULL) != 0)
            return -1;
    }
    if (admin_call("POST", "/admin/subscriptions/" SUB_C "/disable?" AV, NULL, 200, NULL) != 0 ||
        admin_call("POST", "/admin/subscriptions/" SUB_A "/tokens?" AV, NULL, 201, g.user_a) != 0 ||
        admin_call("POST", "/admin/subscriptions/" SUB_B "/tokens?" AV, NULL, 201, g.user_b) != 0 ||
        admin_call("POST", "/admin/tokens?" AV, "{\"role\":\"agent\"}", 201, g.agent) != 0 ||
        admin_call("POST", "/admin/tokens?" AV,
                   "{\"role\":\"agent\",\"hostName\":\"" BOUND_HOST "\"}", 201, g.bound) != 0)
        return -1;

    /* A revoked token of SUB_A. */
    struct itest_resp r;
    itest_request(&g.d, "POST", "/admin/subscriptions/" SUB_A "/tokens?" AV, NULL, NULL, &r);
    const char *tid = json_string_value(json_object_get(r.json, "id"));
    const char *tok = json_string_value(json_object_get(r.json, "token"));
    if (r.status != 201 || tid == NULL || tok == NULL) {
        fprintf(stderr, "it_access set-up: token issue: %s\n", itest_resp_str(&r));
        itest_resp_free(&r);
        return -1;
    }
    snprintf(id, sizeof id, "%s", tid);
    snprintf(g.revoked, sizeof g.revoked, "%s", tok);
    itest_resp_free(&r);
    snprintf(path, sizeof path, "/admin/subscriptions/" SUB_A "/tokens/%s?" AV, id);
    return admin_call("DELETE", path, NULL, 200, NULL);
}

static int teardown(void **state)
{
    (void)state;
    int rc = 0;
    if (g.d.pid > 0) {
        int st = itest_daemon_stop(&g.d, 20000);
        if (st != 0) {
            fprintf(stderr, "it_access: accelnetd exited with %d after SIGTERM, expected 0\n", st);
            rc = -1;
        }
    }
    free(g.conninfo);
    return rc;
}

/* --- filling in a route's pattern ------------------------------------------------ */

/* A plausible value for path parameter `name` (not subscriptionId): GUIDs for
 * ids, real catalogue and feature names where the name says what it is. The
 * access checks run before any handler looks at these, so they only need to
 * route; they also make A's own requests meaningful. */
static const char *param_value(const char *name, size_t len)
{
    static const struct {
        const char *name;
        const char *value;
    } known[] = {
        {"resourceGroupName", "rg-access"},
        {"location", "westeurope"},
        {"locationName", "westeurope"},
        {"name", "access-test"},
        {"vmSize", "Standard_D15_v2"},
        {"vmSizeName", "Standard_D15_v2"},
        {"publisher", "MicrosoftWindowsServer"},
        {"offer", "WindowsServer"},
        {"sku", "2012-R2-Datacenter"},
        {"namespace", "Microsoft.Network"},
        {"providerNamespace", "Microsoft.Network"},
        {"resourceProviderNamespace", "Microsoft.Network"},
        {"feature", "AllowAcceleratedNetworkingFeature"},
        {"featureName", "AllowAcceleratedNetworkingFeature"},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strlen(known[i].name) == len && strncmp(known[i].name, name, len) == 0)
            return known[i].value;
    /* tokenId, operationId, hostId, ...: a GUID. */
    if (len >= 2 && strncmp(name + len - 2, "Id", 2) == 0)
        return SOME_GUID;
    return "access-test";
}

/* Fills r's pattern: {subscriptionId} = sub, other {params} = param_value().
 * Then checks that the path reaches r itself. 0, or -1 with why in err. */
static int fill(const struct route *r, size_t index, const char *sub, char *out, size_t size,
                char *err, size_t errsize)
{
    size_t n = 0;
    for (const char *p = r->pattern; *p;) {
        const char *val = NULL;
        size_t skip = 1;
        if (*p == '{') {
            const char *end = strchr(p, '}');
            if (end == NULL) {
                snprintf(err, errsize, "unterminated parameter in %s", r->pattern);
                return -1;
            }
            size_t len = (size_t)(end - p - 1);
            val = len == strlen("subscriptionId") && strncmp(p + 1, "subscriptionId", len) == 0
                      ? sub
                      : param_value(p + 1, len);
            skip = len + 2;
        }
        size_t vlen = val ? strlen(val) : 1;
        if (n + vlen + 1 > size) {
            snprintf(err, errsize, "path too long");
            return -1;
        }
        memcpy(out + n, val ? val : p, vlen);
        n += vlen;
        p += skip;
    }
    out[n] = '\0';

    struct route_match m;
    enum route_result res = route_find(routes, routes_count, r->method, out, &m);
    int rc = 0;
    if (res != ROUTE_FOUND || m.index != index) {
        snprintf(err, errsize,
                 "the filled path %s %s reaches %s, not this route: give its parameters other "
                 "values in param_value()",
                 r->method, out, res == ROUTE_FOUND ? routes[m.index].pattern : "no route");
        rc = -1;
    }
    route_match_free(&m);
    return rc;
}

/* --- requests --------------------------------------------------------------------- */

static int sends_body(const char *method)
{
    return strcmp(method, "PUT") == 0 || strcmp(method, "POST") == 0 ||
           strcmp(method, "PATCH") == 0;
}

/* Sends route r's method to path (the query is added here) with the given
 * authentication; a JSON body {} for methods that take one. */
static void send_route(const struct route *r, const char *path, enum itest_auth auth,
                       const char *token, struct itest_resp *resp)
{
    char url[1200];
    snprintf(url, sizeof url, "%s?" AV, path);
    struct itest_req rq = {.method = r->method,
                           .path = url,
                           .auth = auth,
                           .token = token,
                           .body = sends_body(r->method) ? "{}" : NULL};
    itest_do(&g.d, &rq, resp);
}

/* Failures are collected over all routes and reported together. */
struct failures {
    char text[FAILURES_MAX];
    size_t len;
    int count;
};

/* One at a time (the tests run in sequence); static, so that a failing test
 * (cmocka jumps out of it) leaks nothing. */
static struct failures *failures_reset(void)
{
    static struct failures f;
    memset(&f, 0, sizeof f);
    return &f;
}

static void failf(struct failures *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void failf(struct failures *f, const char *fmt, ...)
{
    f->count++;
    if (f->len + 2 >= sizeof f->text)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(f->text + f->len, sizeof f->text - f->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        f->len += (size_t)n < sizeof f->text - f->len ? (size_t)n : sizeof f->text - f->len - 1;
    if (f->len + 1 < sizeof f->text) {
        f->text[f->len++] = '\n';
        f->text[f->len] = '\0';
    }
}

/* The response is status with error code `code` (also in x-ms-error-code). */
/* The status and code: in the body and x-ms-error-code alike, or, for a
 * HEAD (which has no body), in the header alone. */
static int is_error(const struct itest_resp *resp, const char *method, long status,
                    const char *code)
{
    const char *c = strcmp(method, "HEAD") == 0 ? code : itest_error_code(resp);
    const char *h = itest_header(resp, "x-ms-error-code");
    return resp->status == status && c != NULL && strcmp(c, code) == 0 && h != NULL &&
           strcmp(h, code) == 0;
}

static void expect_refused(struct failures *f, const struct route *r, const char *path,
                           enum itest_auth auth, const char *token, const char *who, long status,
                           const char *code)
{
    struct itest_resp resp;
    send_route(r, path, auth, token, &resp);
    if (!is_error(&resp, r->method, status, code))
        failf(f, "%s %s with %s: expected %ld %s, got %s", r->method, path, who, status, code,
              itest_resp_str(&resp));
    else if (status == 401) {
        const char *w = itest_header(&resp, "WWW-Authenticate");
        if (w == NULL || strncmp(w, "Bearer realm=\"accelnet\"", 23) != 0)
            failf(f, "%s %s with %s: 401 without WWW-Authenticate: Bearer realm=\"accelnet\"",
                  r->method, path, who);
    }
    itest_resp_free(&resp);
}

static void report(const struct failures *f, const char *what, size_t checked)
{
    printf("it_access: %s: %zu route(s) checked, %d failure(s)\n", what, checked, f->count);
    /* cmocka cuts long messages: the list goes to stdout. */
    if (f->count > 0)
        printf("%s%s", f->text, f->len + 2 >= sizeof f->text ? "(more not shown)\n" : "");
    fflush(stdout);
    if (checked == 0)
        fail_msg("%s: no route checked; the route table has none of this kind?", what);
    if (f->count > 0)
        fail_msg("%s: %d failure(s), listed above", what, f->count);
}

/* --- AUTH_SUBSCRIPTION ---------------------------------------------------------------- */

/* The parts of a response that could tell one subscription from another:
 * status, body, and every header except the per-request ones. */
static char *fingerprint(const struct itest_resp *resp)
{
    size_t cap = 256 + resp->body_len;
    for (size_t i = 0; i < resp->nheaders; i++)
        cap += strlen(resp->hnames[i]) + strlen(resp->hvalues[i]) + 4;
    char *s = malloc(cap);
    assert_non_null(s);
    size_t n = (size_t)snprintf(s, cap, "%ld\n", resp->status);
    for (size_t i = 0; i < resp->nheaders; i++) {
        const char *h = resp->hnames[i];
        if (strcasecmp(h, "x-ms-request-id") == 0 ||
            strcasecmp(h, "x-ms-correlation-request-id") == 0 || strcasecmp(h, "Date") == 0)
            continue;
        n += (size_t)snprintf(s + n, cap - n, "%s: %s\n", h, resp->hvalues[i]);
    }
    snprintf(s + n, cap - n, "\n%s", resp->body ? resp->body : "");
    return s;
}

static void test_subscription_routes(void **state)
{
    (void)state;
    struct failures *f = failures_reset();
    size_t checked = 0;
    /* Another subscription's path in every form: existing, disabled, never
     * created, upper case, and not a GUID at all. */
    static const struct {
        const char *sub;
        const char *what;
    } others[] = {
        {SUB_B, "existing B"},        {SUB_C, "disabled C"},
        {SUB_NEVER, "never created"}, {SUB_B_UPPER, "B in upper case"},
        {"not-a-guid", "not a GUID"},
    };
    for (size_t i = 0; i < routes_count; i++) {
        const struct route *r = &routes[i];
        if (r->auth != AUTH_SUBSCRIPTION)
            continue;
        checked++;
        char path[1024], err[512], *first = NULL;
        const char *first_what = NULL;
        for (size_t k = 0; k < sizeof others / sizeof others[0]; k++) {
            if (fill(r, i, others[k].sub, path, sizeof path, err, sizeof err) != 0) {
                failf(f, "%s %s: %s", r->method, r->pattern, err);
                break;
            }
            struct itest_resp resp;
            send_route(r, path, ITEST_AUTH_TOKEN, g.user_a, &resp);
            if (!is_error(&resp, r->method, 403, "AuthorizationFailed")) {
                failf(f, "%s %s with A's user token (%s): expected 403 AuthorizationFailed, got %s",
                      r->method, path, others[k].what, itest_resp_str(&resp));
            } else {
                char *fp = fingerprint(&resp);
                if (first == NULL) {
                    first = fp;
                    first_what = others[k].what;
                } else {
                    if (strcmp(first, fp) != 0)
                        failf(f,
                              "%s %s: the answer for %s differs from the one for %s, so it "
                              "tells them apart:\n--- %s:\n%s\n--- %s:\n%s",
                              r->method, r->pattern, others[k].what, first_what, first_what, first,
                              others[k].what, fp);
                    free(fp);
                }
            }
            itest_resp_free(&resp);
        }
        free(first);

        /* B's own token on A, and the agent token: refused too. */
        if (fill(r, i, SUB_A, path, sizeof path, err, sizeof err) == 0) {
            expect_refused(f, r, path, ITEST_AUTH_TOKEN, g.user_b, "B's user token", 403,
                           "AuthorizationFailed");
            expect_refused(f, r, path, ITEST_AUTH_TOKEN, g.agent, "an agent token", 403,
                           "AuthorizationFailed");
            /* A's own token is let through (whatever the handler then says). */
            struct itest_resp resp;
            send_route(r, path, ITEST_AUTH_TOKEN, g.user_a, &resp);
            const char *code = itest_error_code(&resp);
            if (resp.status == 0 || resp.status == 401 || resp.status == 403 ||
                (code != NULL && (strcmp(code, "AuthorizationFailed") == 0 ||
                                  strcmp(code, "AuthenticationFailed") == 0)))
                failf(f, "%s %s with A's own user token: expected to be let through, got %s",
                      r->method, path, itest_resp_str(&resp));
            itest_resp_free(&resp);
        }
    }
    report(f, "AUTH_SUBSCRIPTION routes, other subscriptions' tokens", checked);
}

/* --- AUTH_ADMIN and AUTH_AGENT ----------------------------------------------------------- */

static void test_admin_routes(void **state)
{
    (void)state;
    struct failures *f = failures_reset();
    size_t checked = 0;
    for (size_t i = 0; i < routes_count; i++) {
        const struct route *r = &routes[i];
        if (r->auth != AUTH_ADMIN)
            continue;
        checked++;
        char path[1024], err[512];
        /* The user's own subscription where the route names one. */
        if (fill(r, i, SUB_A, path, sizeof path, err, sizeof err) != 0) {
            failf(f, "%s %s: %s", r->method, r->pattern, err);
            continue;
        }
        expect_refused(f, r, path, ITEST_AUTH_TOKEN, g.user_a, "a user token", 403,
                       "AuthorizationFailed");
        expect_refused(f, r, path, ITEST_AUTH_TOKEN, g.agent, "an agent token", 403,
                       "AuthorizationFailed");
    }
    report(f, "AUTH_ADMIN routes, user and agent tokens", checked);
}

static void test_agent_routes(void **state)
{
    (void)state;
    struct failures *f = failures_reset();
    size_t checked = 0;
    for (size_t i = 0; i < routes_count; i++) {
        const struct route *r = &routes[i];
        if (r->auth != AUTH_AGENT)
            continue;
        checked++;
        char path[1024], err[512];
        if (fill(r, i, SUB_A, path, sizeof path, err, sizeof err) != 0) {
            failf(f, "%s %s: %s", r->method, r->pattern, err);
            continue;
        }
        expect_refused(f, r, path, ITEST_AUTH_TOKEN, g.user_a, "a user token", 403,
                       "AuthorizationFailed");
        /* A route that names a host: an agent token bound to another one is
         * refused before the handler, whatever the route does. */
        if (strstr(r->pattern, "{hostName}") != NULL)
            expect_refused(f, r, path, ITEST_AUTH_TOKEN, g.bound,
                           "an agent token bound to " BOUND_HOST, 403, "AuthorizationFailed");
    }
    /* No agent routes yet (the host agent comes with a later issue): that is
     * not a failure, but it is said. */
    if (checked == 0)
        printf("it_access: AUTH_AGENT routes: none in the table yet\n");
    else
        report(f, "AUTH_AGENT routes, user tokens and agent tokens bound to another host", checked);
}

/* AUTH_TENANT routes answer admins and users (each seeing only what is
 * theirs): agent tokens get 403. */
static void test_tenant_routes(void **state)
{
    (void)state;
    struct failures *f = failures_reset();
    size_t checked = 0;
    for (size_t i = 0; i < routes_count; i++) {
        const struct route *r = &routes[i];
        if (r->auth != AUTH_TENANT)
            continue;
        checked++;
        char path[1024], err[512];
        if (fill(r, i, SUB_A, path, sizeof path, err, sizeof err) != 0) {
            failf(f, "%s %s: %s", r->method, r->pattern, err);
            continue;
        }
        expect_refused(f, r, path, ITEST_AUTH_TOKEN, g.agent, "an agent token", 403,
                       "AuthorizationFailed");
    }
    report(f, "AUTH_TENANT routes, agent tokens", checked);
}

/* --- no token, a bad token, a revoked token ------------------------------------------------ */

static void test_unauthenticated(void **state)
{
    (void)state;
    struct failures *f = failures_reset();
    size_t checked = 0, public = 0;
    for (size_t i = 0; i < routes_count; i++) {
        const struct route *r = &routes[i];
        char path[1024], err[512];
        if (fill(r, i, SUB_A, path, sizeof path, err, sizeof err) != 0) {
            failf(f, "%s %s: %s", r->method, r->pattern, err);
            continue;
        }
        if (r->auth == AUTH_PUBLIC) {
            /* Public routes answer without a token. */
            public++;
            struct itest_resp resp;
            send_route(r, path, ITEST_AUTH_NONE, NULL, &resp);
            if (resp.status == 0 || resp.status == 401 || resp.status == 403)
                failf(f, "%s %s (public) without a token: got %s", r->method, path,
                      itest_resp_str(&resp));
            itest_resp_free(&resp);
            continue;
        }
        checked++;
        expect_refused(f, r, path, ITEST_AUTH_NONE, NULL, "no token", 401, "AuthenticationFailed");
        expect_refused(f, r, path, ITEST_AUTH_BAD, NULL, "a token nobody issued", 401,
                       "AuthenticationFailed");
        expect_refused(f, r, path, ITEST_AUTH_TOKEN, g.revoked, "a revoked user token", 401,
                       "AuthenticationFailed");
    }
    printf("it_access: public routes: %zu answered without a token\n", public);
    report(f, "non-public routes without a valid token", checked);
}

/* The table itself: every route has a method, a pattern starting with '/',
 * and a handler; {subscriptionId} appears exactly in the routes that need it
 * checked (AUTH_SUBSCRIPTION ones must have it). */
static void test_table(void **state)
{
    (void)state;
    struct failures *f = failures_reset();
    for (size_t i = 0; i < routes_count; i++) {
        const struct route *r = &routes[i];
        if (r->method == NULL || r->pattern == NULL || r->pattern[0] != '/' || r->handler == NULL)
            failf(f, "route %zu is incomplete", i);
        else if (r->auth == AUTH_SUBSCRIPTION && strstr(r->pattern, "{subscriptionId}") == NULL)
            failf(f, "%s %s is AUTH_SUBSCRIPTION without {subscriptionId} in its path", r->method,
                  r->pattern);
        else if (r->auth == AUTH_PUBLIC && strncasecmp(r->pattern, "/subscriptions/", 15) == 0)
            failf(f, "%s %s: a subscription's path is public", r->method, r->pattern);
        else if (r->auth == AUTH_PUBLIC && strncasecmp(r->pattern, "/admin/", 7) == 0)
            failf(f, "%s %s: an admin path is public", r->method, r->pattern);
        else if (strncasecmp(r->pattern, "/subscriptions/{subscriptionId}", 31) == 0 &&
                 r->auth != AUTH_SUBSCRIPTION)
            failf(f, "%s %s is under /subscriptions/{subscriptionId} but not AUTH_SUBSCRIPTION",
                  r->method, r->pattern);
    }
    report(f, "route table", routes_count);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),         cmocka_unit_test(test_subscription_routes),
        cmocka_unit_test(test_admin_routes),  cmocka_unit_test(test_agent_routes),
        cmocka_unit_test(test_tenant_routes), cmocka_unit_test(test_unauthenticated),
    };
    return cmocka_run_group_tests_name("it_access", tests, setup, teardown);
}
