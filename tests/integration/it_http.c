/* it_http — accelnetd's HTTP contract (notes/SPEC.md "HTTP behaviour" and the
 * foundation routes), checked against a real daemon over HTTPS with the test
 * certificate and a real PostgreSQL database. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tests/integration/itest.h"

#define AV       ITEST_AV
#define TOKENS   "/admin/tokens?" AV
#define NO_TOKEN "00000000-0000-4000-8000-000000000000"
/* Daemon default ACCELNET_MAX_BODY_BYTES. */
#define MAX_BODY 1048576

static struct {
    char *conninfo;
    struct itest_daemon d;
    char agent_token[256];
} g;

static int setup(void **state)
{
    (void)state;
    g.conninfo = itest_db_create("it_http");
    if (itest_daemon_start(&g.d, g.conninfo, NULL) != 0) {
        memset(&g.d, 0, sizeof g.d); /* nothing for teardown to stop */
        return -1;
    }
    /* An agent token for the 403 checks. */
    struct itest_resp r;
    itest_request(&g.d, "POST", TOKENS, NULL,
                  "{\"role\":\"agent\",\"description\":\"it_http agent\"}", &r);
    const char *tok = json_string_value(json_object_get(r.json, "token"));
    if (r.status != 201 || tok == NULL) {
        fprintf(stderr, "it_http: could not create an agent token: %s\n", itest_resp_str(&r));
        itest_resp_free(&r);
        return -1;
    }
    snprintf(g.agent_token, sizeof g.agent_token, "%s", tok);
    itest_resp_free(&r);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    int rc = 0;
    if (g.d.pid > 0) {
        int st = itest_daemon_stop(&g.d, 20000);
        if (st != 0) {
            fprintf(stderr, "it_http: accelnetd exited with %d after SIGTERM, expected 0\n", st);
            rc = -1;
        }
    }
    free(g.conninfo);
    return rc;
}

/* GET with the admin token (or none / another token). */
static void get(const char *path, enum itest_auth auth, const char *token, struct itest_resp *r)
{
    struct itest_req rq = {.method = "GET", .path = path, .auth = auth, .token = token};
    itest_do(&g.d, &rq, r);
}

static void expect_json_content_type(const struct itest_resp *r)
{
    const char *ct = itest_header(r, "Content-Type");
    if (ct == NULL || strcasecmp(ct, "application/json; charset=utf-8") != 0)
        fail_msg("expected Content-Type: application/json; charset=utf-8, got %s",
                 ct ? ct : "(none)");
}

/* The ARM error envelope: {"error":{"code","message","target","details":[]}}. */
static void expect_envelope(const struct itest_resp *r)
{
    json_t *err = json_object_get(r->json, "error");
    if (!json_is_object(err))
        fail_msg("no error object in %s", itest_resp_str(r));
    if (!json_is_string(json_object_get(err, "code")) ||
        !json_is_string(json_object_get(err, "message")))
        fail_msg("error.code / error.message missing in %s", itest_resp_str(r));
    json_t *target = json_object_get(err, "target");
    if (target == NULL || !(json_is_null(target) || json_is_string(target)))
        fail_msg("error.target must be null or a string in %s", itest_resp_str(r));
    if (!json_is_array(json_object_get(err, "details")))
        fail_msg("error.details must be an array in %s", itest_resp_str(r));
    expect_json_content_type(r);
}

/* --- probes ----------------------------------------------------------------- */

static void test_health(void **state)
{
    (void)state;
    struct itest_resp r;
    get("/healthz", ITEST_AUTH_NONE, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "status")), "ok");
    expect_json_content_type(&r);
    itest_resp_free(&r);

    get("/readyz", ITEST_AUTH_NONE, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "status")), "ready");
    itest_resp_free(&r);
}

/* --- the simple request/response checks, as one step table -------------------- */

static const struct itest_step basic_steps[] = {
    /* api-version */
    {"list tokens", "GET", TOKENS, ITEST_AUTH_ADMIN, NULL, 200, NULL},
    {"no api-version", "GET", "/admin/tokens", ITEST_AUTH_ADMIN, NULL, 400,
     "MissingApiVersionParameter"},
    {"unsupported api-version", "GET", "/admin/tokens?api-version=2099-01-01", ITEST_AUTH_ADMIN,
     NULL, 400, "UnsupportedApiVersionValue"},
    {"api-version among other parameters", "GET", "/admin/tokens?foo=bar&" AV, ITEST_AUTH_ADMIN,
     NULL, 200, NULL},
    /* The versions the official Azure SDK clients send (service/apiver.c). */
    {"api-version of @azure/arm-features", "GET", "/admin/tokens?api-version=2021-07-01",
     ITEST_AUTH_ADMIN, NULL, 200, NULL},
    {"api-version of @azure/arm-resources", "GET", "/admin/tokens?api-version=2025-04-01",
     ITEST_AUTH_ADMIN, NULL, 200, NULL},
    {"api-version of @azure/arm-network", "GET", "/admin/tokens?api-version=2026-01-01",
     ITEST_AUTH_ADMIN, NULL, 200, NULL},
    {"api-version of arm-network's scale set operations", "GET",
     "/admin/tokens?api-version=2018-10-01", ITEST_AUTH_ADMIN, NULL, 400,
     "UnsupportedApiVersionValue"},
    {"probes need no api-version", "GET", "/readyz", ITEST_AUTH_NONE, NULL, 200, NULL},
    /* authentication and roles */
    {"no token", "GET", TOKENS, ITEST_AUTH_NONE, NULL, 401, "AuthenticationFailed"},
    {"no token and no api-version: 401 comes first", "GET", "/admin/tokens", ITEST_AUTH_NONE, NULL,
     401, "AuthenticationFailed"},
    {"token nobody issued", "GET", TOKENS, ITEST_AUTH_BAD, NULL, 401, "AuthenticationFailed"},
    {"agent token on an admin route", "GET", TOKENS, ITEST_AUTH_TOKEN, NULL, 403,
     "AuthorizationFailed"},
    {"agent token creating a token", "POST", TOKENS, ITEST_AUTH_TOKEN, "{\"role\":\"admin\"}", 403,
     "AuthorizationFailed"},
    {"agent token on /metrics", "GET", "/metrics", ITEST_AUTH_TOKEN, NULL, 403,
     "AuthorizationFailed"},
    {"no token on /metrics", "GET", "/metrics", ITEST_AUTH_NONE, NULL, 401, "AuthenticationFailed"},
    /* routing */
    {"unknown route", "GET", "/nope", ITEST_AUTH_NONE, NULL, 404, "NotFound"},
    {"unknown route below /admin", "GET", "/admin/nope?" AV, ITEST_AUTH_ADMIN, NULL, 404,
     "NotFound"},
    {"unknown route without a token: 404 before 401", "GET", "/admin/tokens/x/y", ITEST_AUTH_NONE,
     NULL, 404, "NotFound"},
    {"wrong method", "PUT", TOKENS, ITEST_AUTH_ADMIN, NULL, 405, "MethodNotAllowed"},
    {"wrong method without a token: 405 before 401", "PATCH", "/admin/tokens", ITEST_AUTH_NONE,
     NULL, 405, "MethodNotAllowed"},
    {"wrong method on a probe", "POST", "/healthz", ITEST_AUTH_NONE, NULL, 405, "MethodNotAllowed"},
    {"literal segments match case-insensitively", "GET", "/ADMIN/Tokens?" AV, ITEST_AUTH_ADMIN,
     NULL, 200, NULL},
    {"probe path case-insensitive", "GET", "/HealthZ", ITEST_AUTH_NONE, NULL, 200, NULL},
    /* token resources */
    {"token id not a GUID", "GET", "/admin/tokens/not-a-guid?" AV, ITEST_AUTH_ADMIN, NULL, 400,
     "InvalidParameter"},
    {"token id not a GUID (DELETE)", "DELETE", "/admin/tokens/not-a-guid?" AV, ITEST_AUTH_ADMIN,
     NULL, 400, "InvalidParameter"},
    {"unknown token id", "GET", "/admin/tokens/" NO_TOKEN "?" AV, ITEST_AUTH_ADMIN, NULL, 404,
     "ResourceNotFound"},
    {"delete an unknown token", "DELETE", "/admin/tokens/" NO_TOKEN "?" AV, ITEST_AUTH_ADMIN, NULL,
     204, NULL},
    {"create without a body", "POST", TOKENS, ITEST_AUTH_ADMIN, NULL, 400, "InvalidRequestContent"},
    {"create with an unknown role", "POST", TOKENS, ITEST_AUTH_ADMIN, "{\"role\":\"root\"}", 400,
     "InvalidRequestContent"},
    {"create with a JSON array", "POST", TOKENS, ITEST_AUTH_ADMIN, "[1,2]", 400,
     "InvalidRequestContent"},
    {"create an agent token", "POST", TOKENS, ITEST_AUTH_ADMIN, "{\"role\":\"agent\"}", 201, NULL},
    {NULL, NULL, NULL, 0, NULL, 0, NULL},
};

static void test_steps(void **state)
{
    (void)state;
    itest_run_steps(&g.d, basic_steps, g.agent_token);
}

/* --- authentication details --------------------------------------------------- */

static void expect_www_authenticate(const struct itest_resp *r)
{
    const char *w = itest_header(r, "WWW-Authenticate");
    if (w == NULL || strncmp(w, "Bearer realm=\"accelnet\"", 23) != 0)
        fail_msg("expected WWW-Authenticate: Bearer realm=\"accelnet\"..., got %s",
                 w ? w : "(none)");
}

static void test_unauthenticated(void **state)
{
    (void)state;
    struct itest_resp r;
    get(TOKENS, ITEST_AUTH_NONE, NULL, &r);
    ITEST_EXPECT_ERROR(&r, 401, "AuthenticationFailed");
    expect_www_authenticate(&r);
    expect_envelope(&r);
    itest_resp_free(&r);

    get(TOKENS, ITEST_AUTH_BAD, NULL, &r);
    ITEST_EXPECT_ERROR(&r, 401, "AuthenticationFailed");
    expect_www_authenticate(&r);
    itest_resp_free(&r);

    /* Not a bearer token at all. */
    static const char *const basic[] = {"Authorization: Basic YWRtaW46YWRtaW4=", NULL};
    struct itest_req rq = {.path = TOKENS, .auth = ITEST_AUTH_NONE, .headers = basic};
    itest_do(&g.d, &rq, &r);
    ITEST_EXPECT_ERROR(&r, 401, "AuthenticationFailed");
    expect_www_authenticate(&r);
    itest_resp_free(&r);

    /* The admin token with one character changed. */
    char wrong[sizeof ITEST_ADMIN_TOKEN];
    memcpy(wrong, ITEST_ADMIN_TOKEN, sizeof wrong);
    wrong[sizeof wrong - 2] = wrong[sizeof wrong - 2] == 'z' ? 'y' : 'z';
    get(TOKENS, ITEST_AUTH_TOKEN, wrong, &r);
    ITEST_EXPECT_ERROR(&r, 401, "AuthenticationFailed");
    itest_resp_free(&r);

    get(TOKENS, ITEST_AUTH_TOKEN, g.agent_token, &r);
    ITEST_EXPECT_ERROR(&r, 403, "AuthorizationFailed");
    expect_envelope(&r);
    itest_resp_free(&r);
}

/* --- 405 Allow ---------------------------------------------------------------- */

/* Allow lists exactly the methods in `want` (comma-separated, any order). */
static void expect_allow(const struct itest_resp *r, const char *const *want, size_t nwant)
{
    const char *allow = itest_header(r, "Allow");
    if (allow == NULL)
        fail_msg("405 without an Allow header: %s", itest_resp_str(r));
    char buf[256];
    snprintf(buf, sizeof buf, "%s", allow);
    size_t found = 0, total = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ", ", &save); tok != NULL; tok = strtok_r(NULL, ", ", &save)) {
        total++;
        for (size_t i = 0; i < nwant; i++) {
            if (strcmp(tok, want[i]) == 0)
                found++;
        }
    }
    if (found != nwant || total != nwant)
        fail_msg("unexpected Allow: %s (%zu methods expected)", allow, nwant);
}

static void test_method_not_allowed(void **state)
{
    (void)state;
    struct itest_resp r;
    struct itest_req rq = {.method = "PUT", .path = TOKENS, .body = "{}"};
    itest_do(&g.d, &rq, &r);
    ITEST_EXPECT_ERROR(&r, 405, "MethodNotAllowed");
    static const char *const tokens_methods[] = {"GET", "POST"};
    expect_allow(&r, tokens_methods, 2);
    expect_envelope(&r);
    itest_resp_free(&r);

    rq = (struct itest_req){
        .method = "POST", .path = "/admin/tokens/" NO_TOKEN "?" AV, .body = "{}"};
    itest_do(&g.d, &rq, &r);
    ITEST_EXPECT_ERROR(&r, 405, "MethodNotAllowed");
    static const char *const token_methods[] = {"GET", "DELETE"};
    expect_allow(&r, token_methods, 2);
    itest_resp_free(&r);

    rq = (struct itest_req){.method = "DELETE", .path = "/healthz", .auth = ITEST_AUTH_NONE};
    itest_do(&g.d, &rq, &r);
    ITEST_EXPECT_ERROR(&r, 405, "MethodNotAllowed");
    const char *allow = itest_header(&r, "Allow");
    if (allow == NULL || strstr(allow, "GET") == NULL)
        fail_msg("405 on /healthz: Allow should name GET, got %s", allow ? allow : "(none)");
    itest_resp_free(&r);
}

/* --- request bodies ------------------------------------------------------------ */

static void test_body_too_large_content_length(void **state)
{
    (void)state;
    struct itest_resp r;
    /* Expect: 100-continue lets the daemon answer before the body is sent,
     * which is what "without reading the body" looks like on the wire. */
    static const char *const expect[] = {"Expect: 100-continue", NULL};
    struct itest_req rq = {
        .method = "POST", .path = TOKENS, .headers = expect, .raw_len = MAX_BODY + 1};
    itest_do(&g.d, &rq, &r);
    ITEST_EXPECT_ERROR(&r, 413, "RequestBodyTooLarge");
    expect_envelope(&r);
    itest_resp_free(&r);

    /* Headers that announce more than the maximum and no body behind them:
     * the answer must come without the daemon waiting for the body. */
    char req[512];
    int n = snprintf(req, sizeof req,
                     "POST /admin/tokens?%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %d\r\n\r\n",
                     AV, ITEST_ADMIN_TOKEN, 64 * MAX_BODY);
    char *raw = NULL;
    itest_raw(&g.d, req, (size_t)n, 5000, &raw);
    char code[64];
    if (itest_raw_status(raw) != 413 ||
        itest_raw_header(raw, "x-ms-error-code", code, sizeof code) == NULL ||
        strcmp(code, "RequestBodyTooLarge") != 0) {
        char got[300];
        snprintf(got, sizeof got, "%.250s", raw ? raw : "");
        free(raw);
        fail_msg("Content-Length over the maximum with no body sent: expected 413 "
                 "RequestBodyTooLarge at once, got \"%s\"",
                 got[0] ? got : "(nothing within 5 s)");
    }
    free(raw);

    /* Still serving. */
    get("/healthz", ITEST_AUTH_NONE, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    itest_resp_free(&r);
}

static void test_body_too_large_chunked(void **state)
{
    (void)state;
    struct itest_resp r;
    struct itest_req rq = {.method = "POST", .path = TOKENS, .chunked = 1, .raw_len = MAX_BODY + 1};
    itest_do(&g.d, &rq, &r);
    ITEST_EXPECT_ERROR(&r, 413, "RequestBodyTooLarge");
    itest_resp_free(&r);

    /* A small chunked body is fine. */
    rq = (struct itest_req){.method = "POST",
                            .path = TOKENS,
                            .chunked = 1,
                            .body = "{\"role\": \"agent\", \"description\": \"sent chunked\"}"};
    itest_do(&g.d, &rq, &r);
    ITEST_EXPECT_STATUS(&r, 201);
    assert_string_equal(json_string_value(json_object_get(r.json, "description")), "sent chunked");
    itest_resp_free(&r);
}

static void test_malformed_json(void **state)
{
    (void)state;
    struct itest_resp r;
    itest_request(&g.d, "POST", TOKENS, NULL, "{\"role\": \"admin\",\n  \"description\": }", &r);
    ITEST_EXPECT_ERROR(&r, 400, "InvalidRequestContent");
    expect_envelope(&r);
    const char *msg = itest_error_message(&r);
    regex_t re;
    assert_int_equal(
        regcomp(&re, "line [0-9]+, column [0-9]+ \\(position [0-9]+\\)", REG_EXTENDED | REG_NOSUB),
        0);
    int m = regexec(&re, msg ? msg : "", 0, NULL, 0);
    regfree(&re);
    if (m != 0)
        fail_msg("the message should say \"line N, column N (position N)\": %s",
                 msg ? msg : "(none)");
    if (strstr(msg, "line 2,") == NULL)
        fail_msg("the error is on line 2: %s", msg);
    itest_resp_free(&r);

    /* Truncated document and trailing garbage. */
    itest_request(&g.d, "POST", TOKENS, NULL, "{\"role\": \"adm", &r);
    ITEST_EXPECT_ERROR(&r, 400, "InvalidRequestContent");
    itest_resp_free(&r);
    itest_request(&g.d, "POST", TOKENS, NULL, "{\"role\": \"admin\"} x", &r);
    ITEST_EXPECT_ERROR(&r, 400, "InvalidRequestContent");
    itest_resp_free(&r);
}

/* details[] holds an entry whose target is `target`. */
static int has_detail(const struct itest_resp *r, const char *target)
{
    json_t *details = json_object_get(json_object_get(r->json, "error"), "details");
    size_t i;
    json_t *d;
    json_array_foreach(details, i, d)
    {
        const char *t = json_string_value(json_object_get(d, "target"));
        if (t != NULL && strcmp(t, target) == 0)
            return 1;
    }
    return 0;
}

static size_t ndetails(const struct itest_resp *r)
{
    return json_array_size(json_object_get(json_object_get(r->json, "error"), "details"));
}

static void expect_details(const char *body, const char *const *targets, size_t n)
{
    struct itest_resp r;
    itest_request(&g.d, "POST", TOKENS, NULL, body, &r);
    ITEST_EXPECT_ERROR(&r, 400, "InvalidRequestContent");
    expect_envelope(&r);
    for (size_t i = 0; i < n; i++) {
        if (!has_detail(&r, targets[i]))
            fail_msg("body %s: no details[] entry with target \"%s\": %s", body, targets[i],
                     itest_resp_str(&r));
    }
    if (ndetails(&r) != n)
        fail_msg("body %s: expected %zu details (one per problem), got %s", body, n,
                 itest_resp_str(&r));
    itest_resp_free(&r);
}

static void test_validation(void **state)
{
    (void)state;
    static const char *const bogus[] = {"bogus"};
    expect_details("{\"role\":\"admin\",\"bogus\":1}", bogus, 1);
    static const char *const role[] = {"role"};
    expect_details("{\"role\":5}", role, 1);
    expect_details("{\"description\":\"no role\"}", role, 1);
    expect_details("{\"role\":\"superuser\"}", role, 1);
    static const char *const two[] = {"description", "extra"};
    expect_details("{\"role\":\"admin\",\"description\":7,\"extra\":true}", two, 2);

    char body[400];
    char longdesc[258];
    memset(longdesc, 'd', 257);
    longdesc[257] = '\0';
    snprintf(body, sizeof body, "{\"role\":\"agent\",\"description\":\"%s\"}", longdesc);
    static const char *const desc[] = {"description"};
    expect_details(body, desc, 1);

    /* 256 characters are allowed. */
    longdesc[256] = '\0';
    snprintf(body, sizeof body, "{\"role\":\"agent\",\"description\":\"%s\"}", longdesc);
    struct itest_resp r;
    itest_request(&g.d, "POST", TOKENS, NULL, body, &r);
    ITEST_EXPECT_STATUS(&r, 201);
    itest_resp_free(&r);
}

/* --- request ids --------------------------------------------------------------- */

static void test_request_ids(void **state)
{
    (void)state;
    struct itest_resp a, b;
    get("/healthz", ITEST_AUTH_NONE, NULL, &a);
    get("/healthz", ITEST_AUTH_NONE, NULL, &b);
    const char *ida = itest_header(&a, "x-ms-request-id");
    const char *idb = itest_header(&b, "x-ms-request-id");
    if (!itest_is_uuid(ida) || !itest_is_uuid(idb))
        fail_msg("x-ms-request-id must be a UUID: %s / %s", ida ? ida : "(none)",
                 idb ? idb : "(none)");
    assert_string_not_equal(ida, idb);
    /* No correlation id sent: the request id stands in. */
    const char *corr = itest_header(&a, "x-ms-correlation-request-id");
    if (corr == NULL || strcmp(corr, ida) != 0)
        fail_msg(
            "x-ms-correlation-request-id should equal x-ms-request-id %s when not sent, got %s",
            ida, corr ? corr : "(none)");
    if (itest_header(&a, "x-ms-client-request-id") != NULL)
        fail_msg("x-ms-client-request-id must only be echoed when sent");
    itest_resp_free(&a);
    itest_resp_free(&b);

    static const char *const ids[] = {"x-ms-client-request-id: 9b4e3a51-client-id",
                                      "x-ms-correlation-request-id: corr-1234-abcd", NULL};
    struct itest_req rq = {.path = TOKENS, .headers = ids};
    itest_do(&g.d, &rq, &a);
    ITEST_EXPECT_STATUS(&a, 200);
    const char *v = itest_header(&a, "x-ms-client-request-id");
    if (v == NULL || strcmp(v, "9b4e3a51-client-id") != 0)
        fail_msg("x-ms-client-request-id not echoed: %s", v ? v : "(none)");
    v = itest_header(&a, "x-ms-correlation-request-id");
    if (v == NULL || strcmp(v, "corr-1234-abcd") != 0)
        fail_msg("x-ms-correlation-request-id not echoed: %s", v ? v : "(none)");
    assert_true(itest_is_uuid(itest_header(&a, "x-ms-request-id")));
    itest_resp_free(&a);

    /* On errors too, with x-ms-error-code. */
    rq = (struct itest_req){.path = "/no/such/route", .auth = ITEST_AUTH_NONE, .headers = ids};
    itest_do(&g.d, &rq, &a);
    ITEST_EXPECT_ERROR(&a, 404, "NotFound");
    expect_envelope(&a);
    assert_true(itest_is_uuid(itest_header(&a, "x-ms-request-id")));
    v = itest_header(&a, "x-ms-client-request-id");
    if (v == NULL || strcmp(v, "9b4e3a51-client-id") != 0)
        fail_msg("x-ms-client-request-id not echoed on an error: %s", v ? v : "(none)");
    v = itest_header(&a, "x-ms-correlation-request-id");
    if (v == NULL || strcmp(v, "corr-1234-abcd") != 0)
        fail_msg("x-ms-correlation-request-id not echoed on an error: %s", v ? v : "(none)");
    itest_resp_free(&a);

    rq = (struct itest_req){.path = TOKENS, .auth = ITEST_AUTH_NONE, .headers = ids};
    itest_do(&g.d, &rq, &a);
    ITEST_EXPECT_ERROR(&a, 401, "AuthenticationFailed");
    assert_true(itest_is_uuid(itest_header(&a, "x-ms-request-id")));
    itest_resp_free(&a);
}

/* --- the token lifecycle -------------------------------------------------------- */

static void test_token_lifecycle(void **state)
{
    (void)state;
    struct itest_resp r;
    itest_request(&g.d, "POST", TOKENS, NULL,
                  "{\"role\":\"admin\",\"description\":\"lifecycle test\"}", &r);
    ITEST_EXPECT_STATUS(&r, 201);
    expect_json_content_type(&r);
    const char *id = json_string_value(json_object_get(r.json, "id"));
    const char *tok = json_string_value(json_object_get(r.json, "token"));
    if (!itest_is_uuid(id))
        fail_msg("id must be a GUID: %s", itest_resp_str(&r));
    if (tok == NULL || strncmp(tok, "acn_", 4) != 0 || strlen(tok) < 40 || strlen(tok) > 60)
        fail_msg("token must be ~47 characters starting with acn_: %s", itest_resp_str(&r));
    assert_string_equal(json_string_value(json_object_get(r.json, "role")), "admin");
    assert_string_equal(json_string_value(json_object_get(r.json, "description")),
                        "lifecycle test");
    assert_non_null(json_string_value(json_object_get(r.json, "createdAt")));
    char token_id[64], token[128];
    snprintf(token_id, sizeof token_id, "%s", id);
    snprintf(token, sizeof token, "%s", tok);
    itest_resp_free(&r);

    /* The new token works. */
    get(TOKENS, ITEST_AUTH_TOKEN, token, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    itest_resp_free(&r);

    /* GET by id: the object, without the token. */
    char path[256];
    snprintf(path, sizeof path, "/admin/tokens/%s?" AV, token_id);
    get(path, ITEST_AUTH_ADMIN, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "id")), token_id);
    assert_string_equal(json_string_value(json_object_get(r.json, "role")), "admin");
    assert_true(json_is_false(json_object_get(r.json, "bootstrap")));
    assert_null(json_object_get(r.json, "token"));
    assert_null(json_object_get(r.json, "hash"));
    assert_null(strstr(r.body, token));
    itest_resp_free(&r);

    /* The list never shows a token or its hash. */
    get(TOKENS, ITEST_AUTH_ADMIN, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    json_t *value = json_object_get(r.json, "value");
    if (!json_is_array(value))
        fail_msg("list: no value array: %s", itest_resp_str(&r));
    size_t i;
    json_t *item;
    int seen = 0, bootstrap = 0;
    json_array_foreach(value, i, item)
    {
        static const char *const members[] = {"id", "role", "description", "createdAt",
                                              "bootstrap"};
        for (size_t k = 0; k < sizeof members / sizeof members[0]; k++) {
            if (json_object_get(item, members[k]) == NULL)
                fail_msg("list entry %zu has no %s", i, members[k]);
        }
        if (json_object_get(item, "token") != NULL || json_object_get(item, "hash") != NULL)
            fail_msg("list entry %zu shows a token or hash", i);
        const char *iid = json_string_value(json_object_get(item, "id"));
        if (iid != NULL && strcmp(iid, token_id) == 0)
            seen = 1;
        if (json_is_true(json_object_get(item, "bootstrap")))
            bootstrap++;
    }
    assert_int_equal(seen, 1);
    assert_int_equal(bootstrap, 1);
    assert_null(strstr(r.body, token));
    assert_null(strstr(r.body, ITEST_ADMIN_TOKEN));
    char *hash = itest_pg_value(g.conninfo, "SELECT string_agg(hash, ',') FROM tokens");
    assert_non_null(hash);
    char *save = NULL;
    for (char *h = strtok_r(hash, ",", &save); h != NULL; h = strtok_r(NULL, ",", &save)) {
        if (strstr(r.body, h) != NULL)
            fail_msg("the list shows a token hash (%s)", h);
    }
    free(hash);
    itest_resp_free(&r);

    /* DELETE: 200 {} and the token stops working at once. */
    struct itest_req del = {.method = "DELETE", .path = path};
    itest_do(&g.d, &del, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    if (!json_is_object(r.json) || json_object_size(r.json) != 0)
        fail_msg("DELETE should answer {}: %s", itest_resp_str(&r));
    itest_resp_free(&r);

    get(TOKENS, ITEST_AUTH_TOKEN, token, &r);
    ITEST_EXPECT_ERROR(&r, 401, "AuthenticationFailed");
    itest_resp_free(&r);

    itest_do(&g.d, &del, &r);
    ITEST_EXPECT_STATUS(&r, 204);
    itest_resp_free(&r);

    get(path, ITEST_AUTH_ADMIN, NULL, &r);
    ITEST_EXPECT_ERROR(&r, 404, "ResourceNotFound");
    itest_resp_free(&r);

    /* The bootstrap admin token still works. */
    get(TOKENS, ITEST_AUTH_ADMIN, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    itest_resp_free(&r);
}

/* An agent token is created with role agent and can be revoked like any other. */
static void test_agent_token(void **state)
{
    (void)state;
    struct itest_resp r;
    itest_request(&g.d, "POST", TOKENS, NULL, "{\"role\":\"agent\"}", &r);
    ITEST_EXPECT_STATUS(&r, 201);
    assert_string_equal(json_string_value(json_object_get(r.json, "role")), "agent");
    const char *tok = json_string_value(json_object_get(r.json, "token"));
    assert_non_null(tok);
    assert_int_equal(strncmp(tok, "acn_", 4), 0);
    itest_resp_free(&r);
}

/* --- /metrics ------------------------------------------------------------------ */

static void test_metrics(void **state)
{
    (void)state;
    struct itest_resp r;
    get("/metrics", ITEST_AUTH_NONE, NULL, &r);
    ITEST_EXPECT_ERROR(&r, 401, "AuthenticationFailed");
    itest_resp_free(&r);

    get("/metrics", ITEST_AUTH_TOKEN, g.agent_token, &r);
    ITEST_EXPECT_ERROR(&r, 403, "AuthorizationFailed");
    itest_resp_free(&r);

    get("/metrics", ITEST_AUTH_ADMIN, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    const char *ct = itest_header(&r, "Content-Type");
    if (ct == NULL || strncmp(ct, "text/plain", 10) != 0 || strstr(ct, "version=0.0.4") == NULL)
        fail_msg("/metrics Content-Type should be text/plain; version=0.0.4, got %s",
                 ct ? ct : "(none)");
    static const char *const names[] = {
        "accelnet_http_requests_total{",
        "accelnet_http_request_duration_seconds_bucket{",
        "accelnet_http_request_duration_seconds_sum{",
        "accelnet_http_request_duration_seconds_count{",
        "accelnet_db_pool_connections{",
        "accelnet_db_pool_size",
        "accelnet_db_pool_waiting",
        "accelnet_db_pool_acquire_timeouts_total",
        "accelnet_http_in_flight",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strstr(r.body, names[i]) == NULL)
            fail_msg("/metrics has no %s", names[i]);
    }
    /* Labels of the request counter. */
    const char *line = strstr(r.body, "accelnet_http_requests_total{");
    const char *eol = strchr(line, '\n');
    size_t len = eol ? (size_t)(eol - line) : strlen(line);
    char first[512];
    snprintf(first, sizeof first, "%.*s", (int)(len < 511 ? len : 511), line);
    if (strstr(first, "route=") == NULL || strstr(first, "method=") == NULL ||
        strstr(first, "status=") == NULL)
        fail_msg("accelnet_http_requests_total should carry route, method and status: %s", first);
    itest_resp_free(&r);
}

/* Logs are one JSON object per line; the "listening" line names the URL. */
static void test_log_lines(void **state)
{
    (void)state;
    if (itest_log_all_json(&g.d) != 0)
        fail_msg("accelnetd's log has lines that are not JSON objects (see above)");
    char *log = itest_daemon_log(&g.d);
    assert_non_null(log);
    int found = 0;
    char *save = NULL;
    for (char *line = strtok_r(log, "\n", &save); line != NULL && !found;
         line = strtok_r(NULL, "\n", &save)) {
        json_t *j = json_loads(line, 0, NULL);
        const char *msg = json_string_value(json_object_get(j, "msg"));
        const char *url = json_string_value(json_object_get(j, "url"));
        if (msg != NULL && strcmp(msg, "listening") == 0)
            found = url != NULL && strcmp(url, g.d.url) == 0 ? 1 : -1;
        json_decref(j);
    }
    free(log);
    if (found != 1)
        fail_msg("expected a log line {\"msg\":\"listening\",\"url\":\"%s\"}%s", g.d.url,
                 found < 0 ? " (the url differs)" : "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_health),
        cmocka_unit_test(test_steps),
        cmocka_unit_test(test_unauthenticated),
        cmocka_unit_test(test_method_not_allowed),
        cmocka_unit_test(test_body_too_large_content_length),
        cmocka_unit_test(test_body_too_large_chunked),
        cmocka_unit_test(test_malformed_json),
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_request_ids),
        cmocka_unit_test(test_token_lifecycle),
        cmocka_unit_test(test_agent_token),
        cmocka_unit_test(test_metrics),
        cmocka_unit_test(test_log_lines),
    };
    return cmocka_run_group_tests_name("it_http", tests, setup, teardown);
}
