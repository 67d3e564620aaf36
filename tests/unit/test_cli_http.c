/* Unit tests for cli/http.h — the pure URL, exit-code and redaction helpers —
 * and for the whole client path (cli_run → clihttp_perform → libcurl) against
 * a small libmicrohttpd server on loopback that answers canned responses and
 * echoes what it received. The real accelnetd needs PostgreSQL; what is
 * checked here is the client's side: headers sent, api-version, error
 * display, exit codes, --debug redaction, timeouts. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <ftw.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <microhttpd.h>

#include "cli/cli.h"
#include "cli/http.h"
#include "common/util.h"

/* --- pure helpers -------------------------------------------------------------- */

static void test_base_url(void **state)
{
    (void)state;
    char *err = NULL, *u;
    u = clihttp_base_url("https://127.0.0.1:8443//", &err);
    assert_string_equal(u, "https://127.0.0.1:8443");
    free(u);
    u = clihttp_base_url("HTTP://h/prefix/", &err);
    assert_string_equal(u, "HTTP://h/prefix");
    free(u);
    static const char *const bad[] = {"ftp://h",       "h:8443",      "https://",   "https:///x",
                                      "https://h?x=1", "https://h#f", "https://h x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err = NULL;
        u = clihttp_base_url(bad[i], &err);
        if (u)
            fail_msg("'%s' accepted", bad[i]);
        assert_non_null(err);
        free(err);
    }
}

static void test_api_version_rule(void **state)
{
    (void)state;
    assert_false(clihttp_needs_api_version("/healthz"));
    assert_false(clihttp_needs_api_version("/READYZ"));
    assert_false(clihttp_needs_api_version("/metrics/"));
    assert_false(clihttp_needs_api_version("/metrics?x=1"));
    assert_true(clihttp_needs_api_version("/metricsx"));
    assert_true(clihttp_needs_api_version("/admin/tokens"));
    assert_true(clihttp_needs_api_version("/"));

    assert_true(clihttp_has_query_param("/a?api-version=1", "api-version"));
    assert_true(clihttp_has_query_param("/a?x=1&API-VERSION=1", "api-version"));
    assert_true(clihttp_has_query_param("/a?api-version", "api-version"));
    assert_false(clihttp_has_query_param("/a?xapi-version=1", "api-version"));
    assert_false(clihttp_has_query_param("/a?x=api-version", "api-version"));
    assert_false(clihttp_has_query_param("/a#?api-version=1", "api-version"));
    assert_false(clihttp_has_query_param("/api-version", "api-version"));
}

static void expect_url(const char *base, const char *uri, int add, const char *want)
{
    char *err = NULL;
    char *u = clihttp_url(base, uri, add, &err);
    if (!want) {
        if (u)
            fail_msg("'%s' on '%s' accepted as %s", uri, base, u);
        assert_non_null(err);
        free(err);
        return;
    }
    if (!u)
        fail_msg("'%s' on '%s' refused: %s", uri, base, err);
    if (strcmp(u, want) != 0)
        fail_msg("'%s' on '%s': got %s, want %s", uri, base, u, want);
    free(u);
}

static void test_url(void **state)
{
    (void)state;
    const char *b = "https://h:1";
    expect_url(b, "/admin/tokens", 1, "https://h:1/admin/tokens?api-version=2016-09-01");
    expect_url(b, "admin/tokens", 1, "https://h:1/admin/tokens?api-version=2016-09-01");
    expect_url(b, "/a?$top=2", 1, "https://h:1/a?$top=2&api-version=2016-09-01");
    expect_url(b, "/a?", 1, "https://h:1/a?api-version=2016-09-01");
    expect_url(b, "/a?api-version=2020-01-01", 1, "https://h:1/a?api-version=2020-01-01");
    expect_url(b, "/healthz", 1, "https://h:1/healthz");
    expect_url(b, "/metrics", 1, "https://h:1/metrics");
    expect_url(b, "/admin/tokens", 0, "https://h:1/admin/tokens");
    /* Absolute URLs (a nextLink) only on the service itself. */
    expect_url(b, "https://h:1/a?x=1", 1, "https://h:1/a?x=1&api-version=2016-09-01");
    expect_url(b, "https://h:1/healthz", 1, "https://h:1/healthz");
    expect_url(b, "https://h:12/a", 1, NULL);
    expect_url(b, "https://evil.example/a", 1, NULL);
    expect_url(b, "http://h:1/a", 1, NULL);
    expect_url("https://h/p", "/x", 1, "https://h/p/x?api-version=2016-09-01");
    expect_url(b, "/a b", 1, NULL);
    expect_url(b, "/a\r\nX: y", 1, NULL);
}

static void test_escape(void **state)
{
    (void)state;
    char *s = clihttp_escape("Az09-._~");
    assert_string_equal(s, "Az09-._~");
    free(s);
    s = clihttp_escape("a/b c?d#e%f\xc3\xa9");
    assert_string_equal(s, "a%2Fb%20c%3Fd%23e%25f%C3%A9");
    free(s);
    s = clihttp_escape("");
    assert_string_equal(s, "");
    free(s);
}

static void test_cleartext_remote(void **state)
{
    (void)state;
    assert_false(clihttp_is_cleartext_remote("https://example.com"));
    assert_false(clihttp_is_cleartext_remote("http://127.0.0.1:8080/x"));
    assert_false(clihttp_is_cleartext_remote("http://localhost/x"));
    assert_false(clihttp_is_cleartext_remote("http://[::1]:80"));
    assert_true(clihttp_is_cleartext_remote("http://example.com"));
    assert_true(clihttp_is_cleartext_remote("http://localhost.example.com"));
    assert_true(clihttp_is_cleartext_remote("http://10.0.0.1:8443"));
}

static void test_exit_codes(void **state)
{
    (void)state;
    assert_int_equal(clihttp_exit_code(200), CLI_EXIT_OK);
    assert_int_equal(clihttp_exit_code(201), CLI_EXIT_OK);
    assert_int_equal(clihttp_exit_code(204), CLI_EXIT_OK);
    assert_int_equal(clihttp_exit_code(404), CLI_EXIT_NOT_FOUND);
    static const long refused[] = {400, 401, 403, 405, 409, 412, 413, 415, 429};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
        assert_int_equal(clihttp_exit_code(refused[i]), CLI_EXIT_REFUSED);
    assert_int_equal(clihttp_exit_code(500), CLI_EXIT_ERROR);
    assert_int_equal(clihttp_exit_code(503), CLI_EXIT_ERROR);
    assert_int_equal(clihttp_exit_code(0), CLI_EXIT_ERROR);
}

static void test_redaction(void **state)
{
    (void)state;
    char *s = clihttp_redact_header("Authorization: Bearer acn_secret");
    assert_string_equal(s, "Authorization: Bearer <redacted>");
    free(s);
    s = clihttp_redact_header("authorization:Basic abc");
    assert_string_equal(s, "authorization: <redacted>");
    free(s);
    s = clihttp_redact_header("x-ms-client-request-id: 1");
    assert_string_equal(s, "x-ms-client-request-id: 1");
    free(s);

    const char *body = "{\"id\":\"1\",\"Token\":\"acn_x\",\"nested\":[{\"adminPassword\":\"p\","
                       "\"clientSecret\":\"c\",\"token\":7}],\"description\":\"token\"}";
    s = clihttp_redact_body(body, strlen(body));
    assert_string_equal(s, "{\"id\":\"1\",\"Token\":\"<redacted>\",\"nested\":[{\"adminPassword\":"
                           "\"<redacted>\",\"clientSecret\":\"<redacted>\",\"token\":7}],"
                           "\"description\":\"token\"}");
    free(s);
    s = clihttp_redact_body("plain text", 5);
    assert_string_equal(s, "plain");
    free(s);
}

/* --- a canned server -------------------------------------------------------------- */

static struct MHD_Daemon *daemon_;
static unsigned short port_;
static char tmpdir[4096];
static char url_env[64];

struct upload {
    struct buf body;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *ctype,
                             const char *body, const char *error_code)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    if (*body)
        MHD_add_response_header(r, "Content-Type", ctype);
    MHD_add_response_header(r, "x-ms-request-id", "rid-0000");
    if (error_code)
        MHD_add_response_header(r, "x-ms-error-code", error_code);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static const char *header(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* Subscriptions the canned server knows: requests under SUB_ECHO are echoed,
 * SUB_PAGED's lists come in two pages, SUB_LOOP's nextLink never ends, and
 * SUB_ELIGIBLE is eligible in westeurope. */
#define SUB_ECHO     "e0000000-0000-4000-8000-00000000000e"
#define SUB_PAGED    "a0000000-0000-4000-8000-00000000000a"
#define SUB_LOOP     "b0000000-0000-4000-8000-00000000000b"
#define SUB_ELIGIBLE "c0000000-0000-4000-8000-00000000000c"
/* SUB_NET has resource group rg1 (in northeurope) and, in it, NIC nic1 (etag
 * W/"1") and NIC stale, whose PUT always fails its If-Match (412); its other
 * requests are echoed. */
#define SUB_NET "d1000000-0000-4000-8000-0000000000d1"
#define NET_RG1 "/subscriptions/" SUB_NET "/resourceGroups/rg1/providers/Microsoft.Network"

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    json_object_set_new(cls, key, value ? json_string(value) : json_null());
    return MHD_YES;
}

/* Answers by path; /echo (and everything under /admin/ and SUB_ECHO not
 * answered otherwise) describes the request it got. */
static enum MHD_Result answer(struct MHD_Connection *c, const char *url, const char *method,
                              const char *body)
{
    static const char json[] = "application/json; charset=utf-8";
    if (strcmp(url, "/notjson") == 0 || strcmp(url, "/admin/tokens/notjson") == 0)
        return reply(c, 200, json, "{oops", NULL);
    if (strncmp(url, "/subscriptions/" SUB_PAGED "/", strlen("/subscriptions/" SUB_PAGED "/")) ==
        0) {
        /* Two pages, the second behind an absolute nextLink. */
        const char *tok = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "$skipToken");
        if (tok && strcmp(tok, "p2") == 0)
            return reply(c, 200, json, "{\"value\":[{\"name\":\"b\",\"location\":\"l\"}]}", NULL);
        char *page = util_asprintf("{\"value\":[{\"name\":\"a\",\"location\":\"l\"}],"
                                   "\"nextLink\":\"%s%s?api-version=2016-09-01&$skipToken=p2\"}",
                                   url_env, url);
        enum MHD_Result r = reply(c, 200, json, page, NULL);
        free(page);
        return r;
    }
    if (strncmp(url, "/subscriptions/" SUB_LOOP "/", strlen("/subscriptions/" SUB_LOOP "/")) == 0) {
        char *page = util_asprintf("{\"value\":[],\"nextLink\":\"%s%s?api-version=2016-09-01&"
                                   "$skipToken=same\"}",
                                   url_env, url);
        enum MHD_Result r = reply(c, 200, json, page, NULL);
        free(page);
        return r;
    }
    if (strcmp(url, "/subscriptions/" SUB_ELIGIBLE "/providers/Microsoft.Network/locations/"
                    "westeurope/checkAcceleratedNetworkingEligibility") == 0)
        return reply(c, 200, json, "{\"eligible\":true,\"reasons\":[]}", NULL);
    if (strcmp(method, "GET") == 0 &&
        (strncmp(url, "/admin/catalog/locations/", 25) == 0 ||
         (strncmp(url, "/admin/subscriptions/", 21) == 0 && strlen(url) == 21 + 36))) {
        /* The read of a read-merge-write: one entry exists. */
        if (strcmp(url, "/admin/catalog/locations/eastus") == 0)
            return reply(c, 200, json,
                         "{\"name\":\"eastus\",\"displayName\":\"East US\","
                         "\"acceleratedNetworking\":false,\"createdAt\":\"t\",\"updatedAt\":"
                         "\"t\"}",
                         NULL);
        if (strcmp(url, "/admin/subscriptions/" SUB_ECHO) == 0)
            return reply(c, 200, json,
                         "{\"id\":\"/subscriptions/" SUB_ECHO "\",\"subscriptionId\":\"" SUB_ECHO
                         "\",\"displayName\":\"Old\",\"state\":\"Enabled\","
                         "\"contactWebhook\":\"https://hook.example/\"}",
                         NULL);
        return reply(c, 404, json,
                     "{\"error\":{\"code\":\"ResourceNotFound\",\"message\":\"No such "
                     "entry.\",\"target\":null,\"details\":[]}}",
                     "ResourceNotFound");
    }
    if (strncmp(url, "/subscriptions/" SUB_NET, strlen("/subscriptions/" SUB_NET)) == 0) {
        if (strcmp(method, "GET") == 0 &&
            strcmp(url, "/subscriptions/" SUB_NET "/resourcegroups/rg1") == 0)
            return reply(c, 200, json,
                         "{\"name\":\"rg1\",\"location\":\"northeurope\",\"properties\":"
                         "{\"provisioningState\":\"Succeeded\"}}",
                         NULL);
        if (strcmp(method, "GET") == 0 &&
            strncmp(url, "/subscriptions/" SUB_NET "/resourcegroups/",
                    strlen("/subscriptions/" SUB_NET "/resourcegroups/")) == 0)
            return reply(c, 404, json,
                         "{\"error\":{\"code\":\"ResourceGroupNotFound\",\"message\":"
                         "\"Resource group could not be found.\",\"target\":null,\"details\":[]}}",
                         "ResourceGroupNotFound");
        if (strcmp(method, "GET") == 0 && (strcmp(url, NET_RG1 "/networkInterfaces/nic1") == 0 ||
                                           strcmp(url, NET_RG1 "/networkInterfaces/stale") == 0))
            return reply(c, 200, json,
                         "{\"name\":\"nic1\",\"location\":\"westeurope\",\"tags\":{},"
                         "\"etag\":\"W/\\\"1\\\"\",\"properties\":{"
                         "\"enableAcceleratedNetworking\":true,\"enableIPForwarding\":false,"
                         "\"ipConfigurations\":[{\"name\":\"ipconfig1\",\"properties\":"
                         "{\"privateIPAddress\":\"10.0.0.4\"}}]}}",
                         NULL);
        if (strcmp(method, "PUT") == 0 && strcmp(url, NET_RG1 "/networkInterfaces/stale") == 0)
            return reply(c, 412, json,
                         "{\"error\":{\"code\":\"PreconditionFailed\",\"message\":\"The "
                         "resource has changed.\",\"target\":\"If-Match\",\"details\":[]}}",
                         "PreconditionFailed");
    }
    if (strcmp(url, "/echo") == 0 || strncmp(url, "/admin/", 7) == 0 ||
        strncmp(url, "/subscriptions/" SUB_NET, strlen("/subscriptions/" SUB_NET)) == 0 ||
        strncmp(url, "/subscriptions/" SUB_ECHO, strlen("/subscriptions/" SUB_ECHO)) == 0) {
        if (strcmp(method, "DELETE") == 0 && strstr(url, "missing"))
            return reply(c, 204, json, "", NULL);
        const char *v;
        json_t *o = json_object();
        json_object_set_new(o, "method", json_string(method));
        json_object_set_new(o, "path", json_string(url));
        v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "api-version");
        json_object_set_new(o, "apiVersion", v ? json_string(v) : json_null());
        v = header(c, "Authorization");
        json_object_set_new(o, "authorization", v ? json_string(v) : json_null());
        v = header(c, "x-ms-client-request-id");
        json_object_set_new(o, "clientRequestId", v ? json_string(v) : json_null());
        v = header(c, "Content-Type");
        json_object_set_new(o, "contentType", v ? json_string(v) : json_null());
        v = header(c, "X-Extra");
        json_object_set_new(o, "extra", v ? json_string(v) : json_null());
        v = header(c, "If-Match");
        json_object_set_new(o, "ifMatch", v ? json_string(v) : json_null());
        json_object_set_new(o, "body", json_string(body));
        json_object_set_new(o, "token", json_string("acn_RESPONSE_SECRET"));
        json_t *q = json_object();
        MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, q);
        json_object_set_new(o, "query", q);
        /* For the list commands (which follow "value"): the echo again. */
        json_object_set_new(o, "value", json_pack("[o]", json_deep_copy(o)));
        char *s = json_dumps(o, JSON_COMPACT);
        enum MHD_Result r = reply(c, 200, json, s, NULL);
        free(s);
        json_decref(o);
        return r;
    }
    if (strcmp(url, "/healthz") == 0)
        return reply(c, 200, json, "{\"status\":\"ok\"}", NULL);
    if (strcmp(url, "/readyz") == 0)
        return reply(c, 503, json,
                     "{\"error\":{\"code\":\"ServiceUnavailable\",\"message\":\"The database "
                     "is unreachable.\",\"target\":null,\"details\":[]}}",
                     "ServiceUnavailable");
    if (strcmp(url, "/notfound") == 0)
        return reply(c, 404, json,
                     "{\"error\":{\"code\":\"ResourceNotFound\",\"message\":\"No such "
                     "thing.\",\"target\":null,\"details\":[]}}",
                     "ResourceNotFound");
    if (strcmp(url, "/conflict") == 0)
        return reply(c, 409, json,
                     "{\"error\":{\"code\":\"Conflict\",\"message\":\"It is in the "
                     "way.\",\"target\":null,\"details\":[]}}",
                     "Conflict");
    if (strcmp(url, "/boom") == 0)
        return reply(c, 500, json,
                     "{\"error\":{\"code\":\"InternalServerError\",\"message\":\"Something "
                     "broke (request id rid-0000).\",\"target\":null,\"details\":[]}}",
                     "InternalServerError");
    if (strcmp(url, "/text") == 0)
        return reply(c, 200, "text/plain; version=0.0.4", "metric 1\n", NULL);
    if (strcmp(url, "/empty") == 0)
        return reply(c, 204, json, "", NULL);
    if (strcmp(url, "/slow") == 0) {
        sleep(2);
        return reply(c, 200, json, "{}", NULL);
    }
    return reply(c, 404, json,
                 "{\"error\":{\"code\":\"NotFound\",\"message\":\"No route.\",\"target\":null,"
                 "\"details\":[]}}",
                 "NotFound");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)cls;
    (void)version;
    struct upload *u = *con_cls;
    if (!u) {
        *con_cls = util_xcalloc(1, sizeof(*u));
        return MHD_YES;
    }
    if (*upload_data_size) {
        buf_append(&u->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    return answer(c, url, method, u->body.data ? u->body.data : "");
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    struct upload *u = *con_cls;
    if (u) {
        buf_free(&u->body);
        free(u);
    }
    *con_cls = NULL;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int server_up(void **state)
{
    (void)state;
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = 0;
    daemon_ = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
                               NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, &sa,
                               MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL, MHD_OPTION_END);
    if (!daemon_)
        return -1;
    port_ = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT)->port;
    snprintf(url_env, sizeof(url_env), "http://127.0.0.1:%u", port_);

    const char *base = getenv("ACCELNET_TEST_TMP");
    if (!base || !*base)
        base = "/tmp";
    snprintf(tmpdir, sizeof(tmpdir), "%s/cli-http.XXXXXX", base);
    if (!mkdtemp(tmpdir))
        return -1;
    /* No config file: everything comes from the environment. */
    setenv("XDG_CONFIG_HOME", tmpdir, 1);
    setenv("ACCELNET_URL", url_env, 1);
    setenv("ACCELNET_TOKEN", "acn_TEST_SECRET", 1);
    unsetenv("ACCELNET_CA_FILE");
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return 0;
}

static int server_down(void **state)
{
    (void)state;
    MHD_stop_daemon(daemon_);
    nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    curl_global_cleanup();
    return 0;
}

static int run(char **out, char **err, const char *const *words)
{
    char *argv[64];
    int argc = 0;
    size_t ol, el;
    argv[argc++] = (char *)"accelnet";
    for (size_t i = 0; words[i]; i++)
        argv[argc++] = (char *)words[i];
    argv[argc] = NULL;
    FILE *fo = open_memstream(out, &ol);
    FILE *fe = open_memstream(err, &el);
    int rc = cli_run(&cli_table, argc, argv, fo, fe);
    fclose(fo);
    fclose(fe);
    return rc;
}

#define RUN(out, err, ...) run((out), (err), (const char *const[]){__VA_ARGS__, NULL})

/* Runs the command and parses its stdout as JSON (must exit 0). */
static json_t *run_json(const char *const *words)
{
    char *out, *err;
    int rc = run(&out, &err, words);
    if (rc != 0)
        fail_msg("exit %d: %s", rc, err);
    json_t *j = json_loads(out, 0, NULL);
    if (!j)
        fail_msg("not JSON: %s", out);
    free(out);
    free(err);
    return j;
}

#define RUN_JSON(...) run_json((const char *const[]){__VA_ARGS__, NULL})

static const char *str(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static void test_request_headers(void **state)
{
    (void)state;
    json_t *a = RUN_JSON("rest", "--uri", "/echo");
    assert_string_equal(str(a, "method"), "GET");
    assert_string_equal(str(a, "apiVersion"), "2016-09-01");
    assert_string_equal(str(a, "authorization"), "Bearer acn_TEST_SECRET");
    assert_true(util_is_guid(str(a, "clientRequestId")));
    assert_null(str(a, "contentType"));
    json_t *b = RUN_JSON("rest", "--uri", "/echo");
    /* A new request id per call. */
    assert_string_not_equal(str(a, "clientRequestId"), str(b, "clientRequestId"));
    json_decref(a);
    json_decref(b);

    /* The caller's api-version is kept; flags beat the environment. */
    a = RUN_JSON("rest", "--uri", "/echo?api-version=2099-01-01", "--token", "acn_FLAG");
    assert_string_equal(str(a, "apiVersion"), "2099-01-01");
    assert_string_equal(str(a, "authorization"), "Bearer acn_FLAG");
    json_decref(a);

    a = RUN_JSON("rest", "--uri", "/echo", "--skip-authorization-header");
    assert_null(str(a, "authorization"));
    json_decref(a);
}

static void test_request_bodies(void **state)
{
    (void)state;
    json_t *a = RUN_JSON("rest", "-m", "post", "--uri", "/echo", "--body", "{\"role\":\"agent\"}",
                         "--headers", "X-Extra=1=2");
    assert_string_equal(str(a, "method"), "POST");
    assert_string_equal(str(a, "body"), "{\"role\":\"agent\"}");
    assert_string_equal(str(a, "contentType"), "application/json");
    assert_string_equal(str(a, "extra"), "1=2");
    json_decref(a);

    char path[4200];
    snprintf(path, sizeof(path), "%s/body.json", tmpdir);
    FILE *f = fopen(path, "w");
    fputs("{\"from\":\"file\"}\n", f);
    fclose(f);
    char at[4300];
    snprintf(at, sizeof(at), "@%s", path);
    a = RUN_JSON("rest", "--method", "PUT", "--uri", "/echo", "--body", at, "--headers",
                 "Content-Type=text/plain");
    assert_string_equal(str(a, "method"), "PUT");
    assert_string_equal(str(a, "body"), "{\"from\":\"file\"}\n");
    assert_string_equal(str(a, "contentType"), "text/plain");
    json_decref(a);

    /* The typed commands send what the API expects. */
    a = RUN_JSON("admin", "token", "show", "--id", "abc");
    assert_string_equal(str(a, "method"), "GET");
    assert_string_equal(str(a, "path"), "/admin/tokens/abc");
    assert_string_equal(str(a, "apiVersion"), "2016-09-01");
    json_decref(a);

    char *out, *err;
    assert_int_equal(RUN(&out, &err, "rest", "--uri", "/echo", "--body", "@/no/such/file"), 2);
    assert_non_null(strstr(err, "argument --body: cannot open /no/such/file"));
    free(out);
    free(err);
    assert_int_equal(RUN(&out, &err, "rest", "--uri", "/echo", "--headers", "novalue"), 2);
    assert_non_null(strstr(err, "is not NAME=VALUE"));
    free(out);
    free(err);
}

static void expect_error(const char *uri, int want_rc, const char *want_err)
{
    char *out, *err;
    int rc = RUN(&out, &err, "rest", "--uri", uri);
    if (rc != want_rc)
        fail_msg("%s: exit %d, want %d (%s)", uri, rc, want_rc, err);
    if (!strstr(err, want_err))
        fail_msg("%s: stderr '%s' lacks '%s'", uri, err, want_err);
    assert_string_equal(out, "");
    free(out);
    free(err);
}

static void test_errors_and_exit_codes(void **state)
{
    (void)state;
    expect_error("/notfound", 3,
                 "ERROR: (ResourceNotFound) No such thing.\nRequest id: rid-0000\n");
    expect_error("/conflict", 4, "ERROR: (Conflict) It is in the way.\n");
    expect_error("/boom", 1, "ERROR: (InternalServerError) Something broke");
    expect_error("/nothing-here", 3, "ERROR: (NotFound) No route.");

    /* A typed command needs JSON back; rest passes it on as it came. */
    char *out, *err;
    assert_int_equal(RUN(&out, &err, "admin", "token", "show", "--id", "notjson"), 1);
    assert_non_null(strstr(err, "the response (HTTP 200) is not JSON"));
    free(out);
    free(err);
    assert_int_equal(RUN(&out, &err, "rest", "--uri", "/notjson"), 0);
    assert_string_equal(out, "{oops");
    free(out);
    free(err);

    /* Unreachable: exit 1 and a hint. */
    assert_int_equal(RUN(&out, &err, "admin", "token", "list", "--url", "http://127.0.0.1:1"), 1);
    assert_non_null(strstr(err, "ERROR: GET http://127.0.0.1:1/admin/tokens?api-version="));
    assert_non_null(strstr(err, "is accelnetd running there?"));
    free(out);
    free(err);

    /* TLS to a plain-HTTP port fails (exit 1) instead of falling back. */
    char https[64];
    snprintf(https, sizeof(https), "https://127.0.0.1:%u", port_);
    assert_int_equal(RUN(&out, &err, "rest", "--uri", "/echo", "--url", https), 1);
    assert_non_null(strstr(err, "ERROR: GET https://"));
    free(out);
    free(err);

    /* A timeout. */
    assert_int_equal(RUN(&out, &err, "rest", "--uri", "/slow", "--timeout", "1"), 1);
    assert_non_null(strstr(err, "no answer within 1 s (--timeout)"));
    free(out);
    free(err);

    /* No URL at all. */
    unsetenv("ACCELNET_URL");
    assert_int_equal(RUN(&out, &err, "admin", "token", "list"), 1);
    assert_non_null(strstr(err, "ERROR: no service URL"));
    free(out);
    free(err);
    setenv("ACCELNET_URL", "not a url", 1);
    assert_int_equal(RUN(&out, &err, "admin", "token", "list"), 1);
    assert_non_null(strstr(err, "the service URL from the environment"));
    free(out);
    free(err);
    setenv("ACCELNET_URL", url_env, 1);

    /* A URI elsewhere never gets the token. */
    assert_int_equal(RUN(&out, &err, "rest", "--uri", "https://evil.example/x"), 2);
    assert_non_null(strstr(err, "the token is only sent there"));
    free(out);
    free(err);
}

static void test_outputs(void **state)
{
    (void)state;
    char *out, *err;
    /* Non-JSON bodies as they come; 204 prints nothing. */
    assert_int_equal(RUN(&out, &err, "rest", "--uri", "/text"), 0);
    assert_string_equal(out, "metric 1\n");
    free(out);
    free(err);
    assert_int_equal(RUN(&out, &err, "rest", "--uri", "/empty", "-m", "DELETE"), 0);
    assert_string_equal(out, "");
    free(out);
    free(err);
    /* --query and -o on a response. */
    assert_int_equal(RUN(&out, &err, "rest", "--uri", "/echo", "--query", "method", "-o", "tsv"),
                     0);
    assert_string_equal(out, "GET\n");
    free(out);
    free(err);
    assert_int_equal(RUN(&out, &err, "rest", "--uri", "/echo", "--query", "nope"), 0);
    assert_string_equal(out, "");
    free(out);
    free(err);
}

static void test_debug_redacts(void **state)
{
    (void)state;
    char *out, *err;
    assert_int_equal(RUN(&out, &err, "--debug", "rest", "-m", "POST", "--uri", "/echo", "--body",
                         "{\"password\":\"hunter2\"}", "-o", "none"),
                     0);
    assert_non_null(strstr(err, "DEBUG: Request: POST http://127.0.0.1:"));
    assert_non_null(strstr(err, "DEBUG: Request header: Authorization: Bearer <redacted>"));
    assert_non_null(strstr(err, "DEBUG: Request header: x-ms-client-request-id: "));
    assert_non_null(strstr(err, "DEBUG: Response: 200"));
    assert_non_null(strstr(err, "DEBUG: Response header: x-ms-request-id: rid-0000"));
    assert_non_null(strstr(err, "\"token\":\"<redacted>\""));
    assert_null(strstr(err, "acn_TEST_SECRET"));
    assert_null(strstr(err, "acn_RESPONSE_SECRET"));
    /* The request body's secrets too (the echo sends the body back inside a
     * string, which is no JSON member to redact: look at the request line). */
    assert_non_null(strstr(err, "DEBUG: Request body: {\"password\":\"<redacted>\"}\n"));
    free(out);
    free(err);
}

static void test_health(void **state)
{
    (void)state;
    char *out, *err;
    /* /readyz answers 503 here: exit 1, the error shown, and the summary. */
    unsetenv("ACCELNET_TOKEN"); /* not needed */
    assert_int_equal(RUN(&out, &err, "health", "-o", "tsv"), 1);
    char want[128];
    snprintf(want, sizeof(want), "%s\tok\tServiceUnavailable\n", url_env);
    assert_string_equal(out, want);
    assert_non_null(strstr(err, "ERROR: (ServiceUnavailable) The database is unreachable."));
    free(out);
    free(err);
    setenv("ACCELNET_TOKEN", "acn_TEST_SECRET", 1);

    assert_int_equal(RUN(&out, &err, "health", "--url", "http://127.0.0.1:1"), 1);
    assert_string_equal(out, "");
    assert_non_null(strstr(err, "ERROR: GET http://127.0.0.1:1/healthz"));
    free(out);
    free(err);
}

static void test_token_revoke(void **state)
{
    (void)state;
    char *out, *err;
    assert_int_equal(RUN(&out, &err, "admin", "token", "revoke", "--id", "present"), 0);
    assert_string_equal(out, "");
    assert_string_equal(err, "");
    free(out);
    free(err);
    assert_int_equal(RUN(&out, &err, "admin", "token", "revoke", "--id", "missing"), 0);
    assert_non_null(strstr(err, "WARNING: there is no token with id missing"));
    free(out);
    free(err);
}

/* --- the commands of the walkthrough: what they send ------------------------------ */

/* stdout of a command that must exit with want_rc; stderr in *err_out (owned)
 * when err_out is not NULL. */
static char *run_rc(int want_rc, char **err_out, const char *const *words)
{
    char *out, *err;
    int rc = run(&out, &err, words);
    if (rc != want_rc)
        fail_msg("exit %d, want %d; stderr: %s", rc, want_rc, err);
    if (err_out)
        *err_out = err;
    else
        free(err);
    return out;
}

#define RUN_RC(rc, err, ...) run_rc((rc), (err), (const char *const[]){__VA_ARGS__, NULL})

/* The echo's request body, parsed. */
static json_t *echo_body(json_t *echo)
{
    json_t *b = json_loads(str(echo, "body"), 0, NULL);
    if (!b)
        fail_msg("the request body is not JSON: %s", str(echo, "body"));
    return b;
}

static void expect_json_text(const json_t *v, const char *want)
{
    json_t *w = json_loads(want, 0, NULL);
    assert_non_null(w);
    if (!json_equal(v, w)) {
        char *got = json_dumps(v, JSON_COMPACT);
        fail_msg("expected %s, got %s", want, got);
    }
    json_decref(w);
}

static void test_subscription_scoped_requests(void **state)
{
    (void)state;
    char *out, *err;
    unsetenv("ACCELNET_SUBSCRIPTION");

    /* No subscription anywhere: a usage error before anything is sent. */
    out = RUN_RC(2, &err, "group", "list");
    assert_string_equal(out, "");
    assert_non_null(strstr(err, "ERROR: no subscription: pass --subscription ID"));
    assert_non_null(strstr(err, "accelnet group list : ")); /* the command's help */
    free(out);
    free(err);
    setenv("ACCELNET_SUBSCRIPTION", "not-a-guid", 1);
    out = RUN_RC(2, &err, "group", "list");
    assert_non_null(strstr(err, "the subscription 'not-a-guid' (from the environment) is not a "
                                "GUID"));
    free(out);
    free(err);

    /* The environment, and the flag over it. */
    setenv("ACCELNET_SUBSCRIPTION", SUB_ECHO, 1);
    json_t *a = RUN_JSON("group", "create", "-n", "rg 1", "-l", "westeurope", "--tags", "env=test",
                         "team=");
    assert_string_equal(str(a, "method"), "PUT");
    assert_string_equal(str(a, "path"), "/subscriptions/" SUB_ECHO "/resourcegroups/rg 1");
    assert_string_equal(str(json_object_get(a, "query"), "api-version"), "2016-09-01");
    json_t *b = echo_body(a);
    expect_json_text(b, "{\"location\":\"westeurope\",\"tags\":{\"env\":\"test\",\"team\":\"\"}}");
    json_decref(b);
    json_decref(a);
    out = RUN_RC(2, &err, "group", "list", "--subscription", "7c9e6679");
    assert_non_null(strstr(err, "(from the flag) is not a GUID"));
    free(out);
    free(err);
    out = RUN_RC(2, &err, "group", "create", "-n", "x", "-l", "y", "--tags", "=v");
    assert_non_null(strstr(err, "ERROR: argument --tags: '=v' has no tag name"));
    free(out);
    free(err);

    /* Lists follow nextLink to the end. */
    a = RUN_JSON("group", "list", "--subscription", SUB_PAGED, "--query", "value[].name");
    expect_json_text(a, "[\"a\",\"b\"]");
    json_decref(a);
    out = RUN_RC(1, &err, "group", "list", "--subscription", SUB_LOOP);
    assert_non_null(strstr(err, "the service sent the same nextLink twice"));
    assert_string_equal(out, "");
    free(out);
    free(err);

    /* Feature registration: the intended use goes in properties.description. */
    a = RUN_JSON("feature", "register", "--namespace", "Microsoft.Network", "--name",
                 "AllowAcceleratedNetworkingFeature", "--intended-use", "trading", "--query",
                 "value[0]");
    assert_string_equal(str(a, "method"), "POST");
    assert_string_equal(str(a, "path"),
                        "/subscriptions/" SUB_ECHO "/providers/Microsoft.Features/providers/"
                        "Microsoft.Network/features/AllowAcceleratedNetworkingFeature/register");
    b = echo_body(a);
    expect_json_text(b, "{\"properties\":{\"description\":\"trading\"}}");
    json_decref(b);
    json_decref(a);
    a = RUN_JSON("feature", "unregister", "--namespace", "Microsoft.Network", "-n", "F");
    assert_string_equal(str(a, "body"), ""); /* no body */
    json_decref(a);

    /* SKUs: the location as ARM's $filter. */
    a = RUN_JSON("vm", "list-skus", "-l", "westeurope", "--query", "value[0]");
    assert_string_equal(str(a, "path"),
                        "/subscriptions/" SUB_ECHO "/providers/Microsoft.Compute/skus");
    assert_string_equal(str(json_object_get(a, "query"), "$filter"), "location eq 'westeurope'");
    json_decref(a);

    /* delete: 204 says there was nothing. */
    out = RUN_RC(0, &err, "group", "delete", "-n", "missing");
    assert_non_null(strstr(err, "WARNING: there is no resource group 'missing': nothing was "
                                "deleted"));
    free(out);
    free(err);
    unsetenv("ACCELNET_SUBSCRIPTION");
}

static void test_check_eligibility(void **state)
{
    (void)state;
    char *out, *err;
    /* The echo has no "eligible": not eligible, exit 4, the answer still printed. */
    out = RUN_RC(4, &err, "check-eligibility", "--subscription", SUB_ECHO, "-l", "eastus", "--size",
                 "Standard_D2_v2", "--image", "Canonical:UbuntuServer:16.04-LTS:latest", "--query",
                 "body", "-o", "tsv");
    json_t *b = json_loads(out, 0, NULL);
    expect_json_text(b, "{\"vmSize\":\"Standard_D2_v2\",\"imageReference\":{\"publisher\":"
                        "\"Canonical\",\"offer\":\"UbuntuServer\",\"sku\":\"16.04-LTS\","
                        "\"version\":\"latest\"}}");
    json_decref(b);
    assert_non_null(
        strstr(err, "Not eligible for Accelerated Networking: 0 reasons (exit code 4)"));
    free(out);
    free(err);
    json_t *a = RUN_JSON("rest", "--uri", "/echo"); /* (the server is still fine) */
    json_decref(a);
    out = RUN_RC(4, NULL, "check-eligibility", "--subscription", SUB_ECHO, "-l", "eastus", "--size",
                 "S", "--image", "P:O:S", "--query", "path", "-o", "tsv");
    assert_string_equal(out, "/subscriptions/" SUB_ECHO "/providers/Microsoft.Network/locations/"
                             "eastus/checkAcceleratedNetworkingEligibility\n");
    free(out);

    /* Eligible: exit 0, and the table says so. */
    out = RUN_RC(0, &err, "check-eligibility", "--subscription", SUB_ELIGIBLE, "-l", "westeurope",
                 "--size", "Standard_DS15_v2", "--image", "P:O:S", "-o", "table");
    assert_string_equal(out, "Eligible  Location    VmSize            Image\n"
                             "--------  ----------  ----------------  -----\n"
                             "true      westeurope  Standard_DS15_v2  P:O:S\n");
    assert_string_equal(err, "");
    free(out);
    free(err);

    /* A bad image is a usage error, caught before anything is sent. */
    out = RUN_RC(2, &err, "check-eligibility", "--subscription", SUB_ECHO, "-l", "x", "--size", "y",
                 "--image", "Canonical:UbuntuServer");
    assert_non_null(strstr(err, "ERROR: argument --image: 'Canonical:UbuntuServer' is not "
                                "PUBLISHER:OFFER:SKU[:VERSION]"));
    assert_non_null(strstr(err, "accelnet check-eligibility : "));
    free(out);
    free(err);
}

static void test_admin_requests(void **state)
{
    (void)state;
    char *out, *err;

    /* catalogue set: read, merge, write. */
    json_t *a = RUN_JSON("admin", "catalog", "location", "set", "-n", "eastus",
                         "--accelerated-networking", "true");
    assert_string_equal(str(a, "method"), "PUT");
    assert_string_equal(str(a, "path"), "/admin/catalog/locations/eastus");
    json_t *b = echo_body(a);
    expect_json_text(b, "{\"displayName\":\"East US\",\"acceleratedNetworking\":true}");
    json_decref(b);
    json_decref(a);
    out = RUN_RC(2, &err, "admin", "catalog", "location", "set", "-n", "newplace",
                 "--accelerated-networking", "true");
    assert_non_null(strstr(err, "it does not exist yet, so the following arguments are required "
                                "to create it: --display-name"));
    free(out);
    free(err);
    out = RUN_RC(2, &err, "admin", "catalog", "location", "set", "-n", "eastus");
    assert_non_null(strstr(err, "nothing to change"));
    free(out);
    free(err);
    a = RUN_JSON("admin", "catalog", "size", "set", "-n", "Standard_X", "--vcpus", "2",
                 "--memory-mb", "4096", "--max-nics", "2", "--accelerated-networking", "false");
    b = echo_body(a);
    expect_json_text(b, "{\"vCPUs\":2,\"memoryMB\":4096,\"maxNetworkInterfaces\":2,"
                        "\"acceleratedNetworking\":false}");
    json_decref(b);
    json_decref(a);
    a = RUN_JSON("admin", "catalog", "image", "show", "--image", "RedHat:RHEL:7.2");
    assert_string_equal(str(a, "path"), "/admin/catalog/osImages/RedHat:RHEL:7.2");
    json_decref(a);
    out = RUN_RC(2, &err, "admin", "catalog", "image", "show", "--image", "RedHat:RHEL:7.2:latest");
    assert_non_null(strstr(err, "has a version"));
    free(out);
    free(err);

    /* subscriptions: create generates an id, refuses a taken one; update merges. */
    a = RUN_JSON("admin", "subscription", "create", "--display-name", "Contoso");
    const char *path = str(a, "path");
    assert_true(strncmp(path, "/admin/subscriptions/", 21) == 0);
    assert_true(util_is_guid(path + 21));
    b = echo_body(a);
    expect_json_text(b, "{\"displayName\":\"Contoso\"}");
    json_decref(b);
    json_decref(a);
    out =
        RUN_RC(4, &err, "admin", "subscription", "create", "--id", SUB_ECHO, "--display-name", "X");
    assert_non_null(strstr(err, "ERROR: subscription " SUB_ECHO " already exists"));
    free(out);
    free(err);
    a = RUN_JSON("admin", "subscription", "create", "--id", "D0000000-0000-4000-8000-00000000000D",
                 "--display-name", "Y", "--contact-webhook", "https://h.example/");
    assert_string_equal(str(a, "path"),
                        "/admin/subscriptions/d0000000-0000-4000-8000-00000000000d");
    json_decref(a);
    a = RUN_JSON("admin", "subscription", "update", "--id", SUB_ECHO, "--contact-webhook", "");
    b = echo_body(a);
    expect_json_text(b, "{\"displayName\":\"Old\"}");
    json_decref(b);
    json_decref(a);
    out = RUN_RC(3, &err, "admin", "subscription", "update", "--id",
                 "d0000000-0000-4000-8000-00000000000d", "--display-name", "Z");
    assert_non_null(strstr(err, "ERROR: there is no subscription"));
    free(out);
    free(err);

    /* Decisions. */
    a = RUN_JSON("admin", "feature", "reject", "--subscription", SUB_ECHO, "--namespace",
                 "Microsoft.Network", "-n", "F", "--reason", "full");
    assert_string_equal(str(a, "path"),
                        "/admin/featureRegistrations/" SUB_ECHO "/Microsoft.Network/F/reject");
    b = echo_body(a);
    expect_json_text(b, "{\"reason\":\"full\"}");
    json_decref(b);
    json_decref(a);
    out = RUN_RC(2, &err, "admin", "feature", "reject", "--subscription", SUB_ECHO, "--namespace",
                 "Microsoft.Network", "-n", "F");
    assert_non_null(strstr(err, "the following arguments are required: --reason"));
    free(out);
    free(err);
    a = RUN_JSON("admin", "feature", "list-pending", "--query", "value[0].query");
    assert_string_equal(str(a, "state"), "Pending");
    json_decref(a);
    a = RUN_JSON("admin", "subscription", "token", "create", "--subscription", SUB_ECHO);
    assert_string_equal(str(a, "path"), "/admin/subscriptions/" SUB_ECHO "/tokens");
    assert_string_equal(str(a, "body"), "{}");
    json_decref(a);
}

static void test_network_requests(void **state)
{
    (void)state;
    char *out, *err;
    setenv("ACCELNET_SUBSCRIPTION", SUB_NET, 1);
    unsetenv("ACCELNET_RESOURCE_GROUP");

    /* No resource group anywhere: a usage error before anything is sent. */
    out = RUN_RC(2, &err, "network", "nsg", "show", "-n", "nsg1");
    assert_non_null(strstr(err, "ERROR: no resource group: pass --resource-group (-g) NAME"));
    assert_non_null(strstr(err, "accelnet network nsg show : "));
    free(out);
    free(err);
    /* ... except for the lists, which then cover the subscription. */
    json_t *a = RUN_JSON("network", "vnet", "list", "--query", "value[0]");
    assert_string_equal(str(a, "path"),
                        "/subscriptions/" SUB_NET "/providers/Microsoft.Network/virtualNetworks");
    json_decref(a);

    /* The group from the environment, -g over it. */
    setenv("ACCELNET_RESOURCE_GROUP", "envgroup", 1);
    a = RUN_JSON("network", "nic", "list", "--query", "value[0]");
    assert_string_equal(str(a, "path"), "/subscriptions/" SUB_NET
                                        "/resourceGroups/envgroup/providers/Microsoft.Network/"
                                        "networkInterfaces");
    json_decref(a);
    a = RUN_JSON("network", "vnet", "show", "-g", "rg1", "-n", "vnet1");
    assert_string_equal(str(a, "path"), NET_RG1 "/virtualNetworks/vnet1");
    json_decref(a);
    unsetenv("ACCELNET_RESOURCE_GROUP");

    /* create without --location: the group's (northeurope), as in az. */
    a = RUN_JSON("network", "nic", "create", "-g", "rg1", "-n", "nic9", "--vnet-name", "vnet1",
                 "--subnet", "default", "--nsg", "nsg1", "--accelerated-networking", "true");
    assert_string_equal(str(a, "method"), "PUT");
    assert_string_equal(str(a, "path"), NET_RG1 "/networkInterfaces/nic9");
    json_t *b = echo_body(a);
    expect_json_text(b, "{\"location\":\"northeurope\",\"tags\":{},\"properties\":{"
                        "\"ipConfigurations\":[{\"name\":\"ipconfig1\",\"properties\":{"
                        "\"subnet\":{\"id\":\"" NET_RG1 "/virtualNetworks/vnet1/subnets/default\"},"
                        "\"privateIPAllocationMethod\":\"Dynamic\"}}],\"networkSecurityGroup\":"
                        "{\"id\":\"" NET_RG1 "/networkSecurityGroups/nsg1\"},"
                        "\"enableAcceleratedNetworking\":true}}");
    json_decref(b);
    json_decref(a);
    /* A subnet name needs its virtual network: nothing is sent. */
    out = RUN_RC(2, &err, "network", "nic", "create", "-g", "rg1", "-n", "nic9", "--subnet",
                 "default", "-l", "westeurope");
    assert_non_null(strstr(err, "give its virtual network with --vnet-name"));
    free(out);
    free(err);
    /* A group that does not exist: its 404 (exit 3). */
    out = RUN_RC(3, &err, "network", "nsg", "create", "-g", "nogroup", "-n", "nsg1");
    assert_non_null(strstr(err, "ERROR: (ResourceGroupNotFound) "));
    free(out);
    free(err);

    /* update: read, change, PUT with If-Match of the etag read. The change of
     * Accelerated Networking is sent (the server decides). */
    a = RUN_JSON("network", "nic", "update", "-g", "rg1", "-n", "nic1", "--accelerated-networking",
                 "false", "--tags", "env=test");
    assert_string_equal(str(a, "method"), "PUT");
    assert_string_equal(str(a, "ifMatch"), "W/\"1\"");
    b = echo_body(a);
    expect_json_text(b, "{\"name\":\"nic1\",\"location\":\"westeurope\",\"tags\":{\"env\":"
                        "\"test\"},\"etag\":\"W/\\\"1\\\"\",\"properties\":{"
                        "\"enableAcceleratedNetworking\":false,\"enableIPForwarding\":false,"
                        "\"ipConfigurations\":[{\"name\":\"ipconfig1\",\"properties\":"
                        "{\"privateIPAddress\":\"10.0.0.4\"}}]}}");
    json_decref(b);
    json_decref(a);
    /* Changed in between: the 412 is shown, exit 4. */
    out = RUN_RC(4, &err, "network", "nic", "update", "-g", "rg1", "-n", "stale", "--ip-forwarding",
                 "true");
    assert_non_null(strstr(err, "ERROR: (PreconditionFailed) The resource has changed."));
    assert_string_equal(out, "");
    free(out);
    free(err);
    /* Nothing to change: a usage error, nothing sent. */
    out = RUN_RC(2, &err, "network", "nic", "update", "-g", "rg1", "-n", "nic1");
    assert_non_null(strstr(err, "nothing to change: give at least one of --accelerated-networking, "
                                "--ip-forwarding, --nsg, --tags"));
    free(out);
    free(err);
    /* A resource without an etag is not written blind. */
    out = RUN_RC(1, &err, "network", "nsg", "update", "-g", "rg1", "-n", "x", "--tags", "a=b");
    assert_non_null(strstr(err, "has no etag; it cannot be updated safely"));
    free(out);
    free(err);

    /* rule list --include-default: the group's rules, then the default ones. */
    a = RUN_JSON("network", "nsg", "rule", "list", "-g", "rg1", "--nsg-name", "nsg1",
                 "--include-default", "--query", "value[].path");
    expect_json_text(a, "[\"" NET_RG1 "/networkSecurityGroups/nsg1/securityRules\",\"" NET_RG1
                        "/networkSecurityGroups/nsg1/defaultSecurityRules\"]");
    json_decref(a);
    /* A rule: az's defaults, the plural member for several values. */
    a = RUN_JSON("network", "nsg", "rule", "create", "-g", "rg1", "--nsg-name", "nsg1", "-n",
                 "AllowRDP", "--priority", "1000", "--protocol", "tcp", "--destination-port-ranges",
                 "3389", "3390");
    assert_string_equal(str(a, "path"),
                        NET_RG1 "/networkSecurityGroups/nsg1/securityRules/AllowRDP");
    b = echo_body(a);
    expect_json_text(b, "{\"properties\":{\"priority\":1000,\"protocol\":\"Tcp\",\"access\":"
                        "\"Allow\",\"direction\":\"Inbound\",\"sourceAddressPrefix\":\"*\","
                        "\"sourcePortRange\":\"*\",\"destinationAddressPrefix\":\"*\","
                        "\"destinationPortRanges\":[\"3389\",\"3390\"]}}");
    json_decref(b);
    json_decref(a);
    /* A VNet with its subnet; a subnet's one prefix. */
    a = RUN_JSON("network", "vnet", "create", "-g", "rg1", "-n", "vnet1", "-l", "westeurope",
                 "--subnet-name", "default");
    b = echo_body(a);
    expect_json_text(b, "{\"location\":\"westeurope\",\"tags\":{},\"properties\":{"
                        "\"addressSpace\":{\"addressPrefixes\":[\"10.0.0.0/16\"]},\"subnets\":["
                        "{\"name\":\"default\",\"properties\":{\"addressPrefix\":"
                        "\"10.0.0.0/24\"}}]}}");
    json_decref(b);
    json_decref(a);
    out = RUN_RC(2, &err, "network", "vnet", "subnet", "create", "-g", "rg1", "--vnet-name",
                 "vnet1", "-n", "s", "--address-prefixes", "10.0.1.0/24", "10.0.2.0/24");
    assert_non_null(strstr(err, "a subnet has one address prefix here, not 2"));
    free(out);
    free(err);
    /* delete: 204 names what was not there. */
    out = RUN_RC(0, &err, "network", "nic", "delete", "-g", "rg1", "-n", "missing");
    assert_non_null(strstr(err, "WARNING: there is no network interface 'missing' in resource "
                                "group 'rg1': nothing was deleted"));
    free(out);
    free(err);
    unsetenv("ACCELNET_SUBSCRIPTION");
}

int main(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_base_url),
        cmocka_unit_test(test_api_version_rule),
        cmocka_unit_test(test_url),
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_cleartext_remote),
        cmocka_unit_test(test_exit_codes),
        cmocka_unit_test(test_redaction),
    };
    const struct CMUnitTest live[] = {
        cmocka_unit_test(test_request_headers),
        cmocka_unit_test(test_request_bodies),
        cmocka_unit_test(test_errors_and_exit_codes),
        cmocka_unit_test(test_outputs),
        cmocka_unit_test(test_debug_redacts),
        cmocka_unit_test(test_health),
        cmocka_unit_test(test_token_revoke),
        cmocka_unit_test(test_subscription_scoped_requests),
        cmocka_unit_test(test_check_eligibility),
        cmocka_unit_test(test_admin_requests),
        cmocka_unit_test(test_network_requests),
    };
    int failed = cmocka_run_group_tests_name("clihttp helpers", pure, NULL, NULL);
    failed +=
        cmocka_run_group_tests_name("cli against a canned server", live, server_up, server_down);
    return failed ? 1 : 0;
}
