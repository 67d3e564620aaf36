/* it_catalog — the catalogue (admin CRUD, a subscription's locations and
 * skus) and the Accelerated Networking eligibility check, against a real
 * daemon and PostgreSQL. Feature registration states are set directly in the
 * database (the enrollment API is tested in its own suite). */
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
/* Subscriptions: A and B for cross-subscription checks, C for the
 * eligibility matrix, D to be disabled. */
#define SUB_A "0a0a0a0a-0000-4000-8000-00000000000a"
#define SUB_B "0b0b0b0b-0000-4000-8000-00000000000b"
#define SUB_C "0c0c0c0c-0000-4000-8000-00000000000c"
#define SUB_D "0d0d0d0d-0000-4000-8000-00000000000d"

#define CAT        "/admin/catalog"
#define CHECK(s)   "/subscriptions/" s "/providers/Microsoft.Network/locations/"
#define CHECK_TAIL "/checkAcceleratedNetworkingEligibility?" AV
#define SKUS(s)    "/subscriptions/" s "/providers/Microsoft.Compute/skus?" AV

#define IMG_2012 "MicrosoftWindowsServer:WindowsServer:2012-R2-Datacenter"
#define IMG_TP5  "MicrosoftWindowsServer:WindowsServer:2016-Technical-Preview-with-Containers"

static struct {
    char *conninfo;
    struct itest_daemon d;
    char token_a[256];
    char token_b[256];
} g;

/* --- helpers --------------------------------------------------------------- */

static void call(const char *method, const char *path, enum itest_auth auth, const char *token,
                 const char *body, struct itest_resp *r)
{
    struct itest_req rq = {
        .method = method, .path = path, .auth = auth, .token = token, .body = body};
    itest_do(&g.d, &rq, r);
}

/* An admin request whose status must be `status`; the response is kept. */
static void admin_expect(const char *method, const char *path, const char *body, long status,
                         struct itest_resp *r)
{
    call(method, path, ITEST_AUTH_ADMIN, NULL, body, r);
    ITEST_EXPECT_STATUS(r, status);
}

static void admin_ok(const char *method, const char *path, const char *body, long status)
{
    struct itest_resp r;
    admin_expect(method, path, body, status, &r);
    itest_resp_free(&r);
}

static long long sql_long(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static long long sql_long(const char *fmt, ...)
{
    char sql[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    return itest_pg_long(g.conninfo, sql);
}

static void sql_exec(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sql_exec(const char *fmt, ...)
{
    char sql[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    if (itest_pg_exec(g.conninfo, sql) != 0)
        fail_msg("SQL failed: %s", sql);
}

/* A snapshot of everything the catalogue API may write. */
static long long catalog_fingerprint(void)
{
    return sql_long("SELECT (SELECT count(*) FROM audit_log) * 1000000"
                    " + (SELECT count(*) FROM locations) * 10000"
                    " + (SELECT count(*) FROM vm_sizes) * 100 + (SELECT count(*) FROM os_images)");
}

/* The value of an object's member that is a string, or NULL. */
static const char *jstr(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* 1 when some detail of the error body has exactly this target. */
static int has_detail(const struct itest_resp *r, const char *target)
{
    json_t *details = json_object_get(json_object_get(r->json, "error"), "details");
    size_t i;
    json_t *d;
    json_array_foreach(details, i, d)
    {
        const char *t = jstr(d, "target");
        if (t && strcmp(t, target) == 0)
            return 1;
    }
    return 0;
}

/* The skus entry for (size, location), or NULL (borrowed from r). */
static json_t *find_sku(const struct itest_resp *r, const char *size, const char *location)
{
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(r->json, "value"), i, s)
    {
        const char *loc = json_string_value(json_array_get(json_object_get(s, "locations"), 0));
        if (strcmp(jstr(s, "name"), size) == 0 && loc && strcmp(loc, location) == 0)
            return s;
    }
    return NULL;
}

/* The value of a sku's capability, or NULL. */
static const char *sku_cap(const json_t *sku, const char *name)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(sku, "capabilities"), i, c)
    {
        if (strcmp(jstr(c, "name"), name) == 0)
            return jstr(c, "value");
    }
    return NULL;
}

/* 1 when the JSON array of strings holds s. */
static int array_has(const json_t *a, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
            return 1;
    }
    return 0;
}

static void make_subscription(const char *id)
{
    char path[256];
    snprintf(path, sizeof path, "/admin/subscriptions/%s?" AV, id);
    admin_ok("PUT", path, "{\"displayName\": \"it_catalog\"}", 201);
}

static void make_user_token(const char *sub, char *out, size_t outlen)
{
    char path[256];
    struct itest_resp r;
    snprintf(path, sizeof path, "/admin/subscriptions/%s/tokens?" AV, sub);
    admin_expect("POST", path, "{\"description\": \"it_catalog\"}", 201, &r);
    const char *tok = jstr(r.json, "token");
    assert_non_null(tok);
    snprintf(out, outlen, "%s", tok);
    itest_resp_free(&r);
}

/* Sets subscription sub's registration for the preview feature (NULL: none). */
static void set_feature_state(const char *sub, const char *state)
{
    sql_exec("DELETE FROM feature_registrations WHERE subscription_id = '%s'", sub);
    if (state)
        sql_exec("INSERT INTO feature_registrations (subscription_id, namespace, feature, state)"
                 " VALUES ('%s', 'Microsoft.Network', 'AllowAcceleratedNetworkingFeature', '%s')",
                 sub, state);
}

/* POST checkAcceleratedNetworkingEligibility; expects 200. */
static void check_elig(const char *sub, const char *location, const char *size,
                       const char *publisher, const char *offer, const char *sku,
                       struct itest_resp *r)
{
    char path[512], body[1024];
    snprintf(path, sizeof path,
             "/subscriptions/%s/providers/Microsoft.Network/locations/%s" CHECK_TAIL, sub,
             location);
    snprintf(body, sizeof body,
             "{\"vmSize\": \"%s\", \"imageReference\": {\"publisher\": \"%s\", \"offer\": \"%s\","
             " \"sku\": \"%s\", \"version\": \"latest\"}}",
             size, publisher, offer, sku);
    call("POST", path, ITEST_AUTH_ADMIN, NULL, body, r);
    ITEST_EXPECT_STATUS(r, 200);
}

/* The reason with this code in a check response, or NULL. */
static json_t *find_reason(const struct itest_resp *r, const char *code)
{
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(r->json, "reasons"), i, x)
    {
        if (strcmp(jstr(x, "code"), code) == 0)
            return x;
    }
    return NULL;
}

/* --- fixtures -------------------------------------------------------------- */

static int setup(void **state)
{
    (void)state;
    g.conninfo = itest_db_create("it_catalog");
    if (itest_daemon_start(&g.d, g.conninfo, NULL) != 0) {
        memset(&g.d, 0, sizeof g.d);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    int rc = 0;
    if (g.d.pid > 0 && itest_daemon_stop(&g.d, 20000) != 0) {
        fprintf(stderr, "it_catalog: accelnetd did not exit cleanly after SIGTERM\n");
        rc = -1;
    }
    free(g.conninfo);
    return rc;
}

/* Runs first: the subscriptions and tokens the other tests use. */
static void test_subscriptions_and_tokens(void **state)
{
    (void)state;
    make_subscription(SUB_A);
    make_subscription(SUB_B);
    make_subscription(SUB_C);
    make_subscription(SUB_D);
    make_user_token(SUB_A, g.token_a, sizeof g.token_a);
    make_user_token(SUB_B, g.token_b, sizeof g.token_b);
}

/* --- the seed -------------------------------------------------------------- */

static void test_seed_listed(void **state)
{
    (void)state;
    struct itest_resp r;
    admin_expect("GET", CAT "/locations?" AV, NULL, 200, &r);
    json_t *v = json_object_get(r.json, "value");
    assert_int_equal(json_array_size(v), 6);
    /* Ordered by name. */
    assert_string_equal(jstr(json_array_get(v, 0), "name"), "eastus");
    int eligible = 0;
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x)
    {
        if (json_is_true(json_object_get(x, "acceleratedNetworking")))
            eligible++;
    }
    assert_int_equal(eligible, 2);
    itest_resp_free(&r);

    admin_expect("GET", CAT "/vmSizes/Standard_D15_v2?" AV, NULL, 200, &r);
    assert_int_equal(json_integer_value(json_object_get(r.json, "vCPUs")), 20);
    assert_int_equal(json_integer_value(json_object_get(r.json, "memoryMB")), 143360);
    assert_int_equal(json_integer_value(json_object_get(r.json, "maxNetworkInterfaces")), 8);
    assert_true(json_is_true(json_object_get(r.json, "acceleratedNetworking")));
    itest_resp_free(&r);

    admin_expect("GET", CAT "/osImages/" IMG_TP5 "?" AV, NULL, 200, &r);
    assert_string_equal(jstr(r.json, "name"), IMG_TP5);
    assert_string_equal(jstr(r.json, "displayName"), "Windows Server 2016 Technical Preview 5");
    assert_string_equal(jstr(r.json, "osType"), "Windows");
    assert_string_equal(jstr(r.json, "vfDriverName"),
                        "Mellanox ConnectX-3 Virtual Function Ethernet Adapter");
    itest_resp_free(&r);

    admin_expect("GET", CAT "/osImages?" AV, NULL, 200, &r);
    assert_int_equal(json_array_size(json_object_get(r.json, "value")), 6);
    itest_resp_free(&r);
}

/* --- CRUD ------------------------------------------------------------------ */

static void test_location_crud(void **state)
{
    (void)state;
    struct itest_resp r;
    long long audit0 =
        sql_long("SELECT count(*) FROM audit_log WHERE action LIKE 'catalog.location.%%'");
    admin_expect("PUT", CAT "/locations/brazilsouth?" AV,
                 "{\"displayName\": \"Brazil South\", \"acceleratedNetworking\": false}", 201, &r);
    assert_string_equal(jstr(r.json, "name"), "brazilsouth");
    assert_string_equal(jstr(r.json, "displayName"), "Brazil South");
    assert_true(json_is_false(json_object_get(r.json, "acceleratedNetworking")));
    assert_non_null(jstr(r.json, "createdAt"));
    itest_resp_free(&r);

    /* Replace, naming it in another case; a GET body sent back is accepted. */
    admin_expect("PUT", CAT "/locations/BrazilSouth?" AV,
                 "{\"name\": \"brazilsouth\", \"displayName\": \"Brazil South (São Paulo)\","
                 " \"acceleratedNetworking\": true, \"createdAt\": \"x\", \"updatedAt\": \"y\"}",
                 200, &r);
    assert_string_equal(jstr(r.json, "name"), "brazilsouth");
    assert_true(json_is_true(json_object_get(r.json, "acceleratedNetworking")));
    itest_resp_free(&r);

    admin_expect("GET", CAT "/locations/BRAZILSOUTH?" AV, NULL, 200, &r);
    assert_string_equal(jstr(r.json, "displayName"), "Brazil South (São Paulo)");
    itest_resp_free(&r);

    admin_expect("GET", CAT "/locations?" AV, NULL, 200, &r);
    assert_int_equal(json_array_size(json_object_get(r.json, "value")), 7);
    itest_resp_free(&r);

    /* Paging. */
    admin_expect("GET", CAT "/locations?" AV "&$top=4", NULL, 200, &r);
    assert_int_equal(json_array_size(json_object_get(r.json, "value")), 4);
    const char *next = jstr(r.json, "nextLink");
    assert_non_null(next);
    const char *p = strstr(next, "/admin/");
    assert_non_null(p);
    char path[512];
    snprintf(path, sizeof path, "%s", p);
    itest_resp_free(&r);
    admin_expect("GET", path, NULL, 200, &r);
    assert_int_equal(json_array_size(json_object_get(r.json, "value")), 3);
    assert_null(json_object_get(r.json, "nextLink"));
    itest_resp_free(&r);

    admin_ok("DELETE", CAT "/locations/brazilsouth?" AV, NULL, 200);
    admin_ok("DELETE", CAT "/locations/brazilsouth?" AV, NULL, 204);
    admin_expect("GET", CAT "/locations/brazilsouth?" AV, NULL, 404, &r);
    ITEST_EXPECT_ERROR(&r, 404, "ResourceNotFound");
    itest_resp_free(&r);

    assert_int_equal(
        sql_long("SELECT count(*) FROM audit_log WHERE action LIKE 'catalog.location.%%'"),
        audit0 + 3);
    assert_int_equal(sql_long("SELECT count(*) FROM audit_log WHERE action = "
                              "'catalog.location.delete' AND details->>'name' = 'brazilsouth'"
                              " AND actor_token_id IS NOT NULL"),
                     1);
}

static void test_vm_size_crud(void **state)
{
    (void)state;
    struct itest_resp r;
    admin_expect("PUT", CAT "/vmSizes/Standard_F8s?" AV,
                 "{\"vCPUs\": 8, \"memoryMB\": 16384, \"maxNetworkInterfaces\": 8,"
                 " \"acceleratedNetworking\": false}",
                 201, &r);
    assert_string_equal(jstr(r.json, "name"), "Standard_F8s");
    assert_int_equal(json_integer_value(json_object_get(r.json, "memoryMB")), 16384);
    itest_resp_free(&r);
    /* Same size in another case: replaced, keeps the name it was created with. */
    admin_expect("PUT", CAT "/vmSizes/standard_f8S?" AV,
                 "{\"vCPUs\": 8, \"memoryMB\": 16384, \"maxNetworkInterfaces\": 4,"
                 " \"acceleratedNetworking\": true}",
                 200, &r);
    assert_string_equal(jstr(r.json, "name"), "Standard_F8s");
    assert_int_equal(json_integer_value(json_object_get(r.json, "maxNetworkInterfaces")), 4);
    itest_resp_free(&r);
    admin_expect("GET", CAT "/vmSizes/STANDARD_F8S?" AV, NULL, 200, &r);
    assert_true(json_is_true(json_object_get(r.json, "acceleratedNetworking")));
    itest_resp_free(&r);
    admin_expect("GET", CAT "/vmSizes?" AV, NULL, 200, &r);
    assert_int_equal(json_array_size(json_object_get(r.json, "value")), 7);
    itest_resp_free(&r);
    admin_expect("GET", CAT "/vmSizes?" AV "&$top=5", NULL, 200, &r);
    assert_int_equal(json_array_size(json_object_get(r.json, "value")), 5);
    assert_non_null(jstr(r.json, "nextLink"));
    itest_resp_free(&r);
    admin_ok("DELETE", CAT "/vmSizes/standard_f8s?" AV, NULL, 200);
    admin_ok("DELETE", CAT "/vmSizes/standard_f8s?" AV, NULL, 204);
    admin_expect("GET", CAT "/vmSizes/Standard_F8s?" AV, NULL, 404, &r);
    ITEST_EXPECT_ERROR(&r, 404, "ResourceNotFound");
    itest_resp_free(&r);
    assert_int_equal(sql_long("SELECT count(*) FROM audit_log WHERE action LIKE "
                              "'catalog.vmSize.%%' AND details->>'name' = 'Standard_F8s'"),
                     3);
}

static void test_os_image_crud(void **state)
{
    (void)state;
    struct itest_resp r;
    admin_expect("PUT", CAT "/osImages/RedHat:RHEL:7.2?" AV,
                 "{\"displayName\": \"Red Hat Enterprise Linux 7.2\", \"osType\": \"linux\","
                 " \"acceleratedNetworking\": false}",
                 201, &r);
    assert_string_equal(jstr(r.json, "name"), "RedHat:RHEL:7.2");
    assert_string_equal(jstr(r.json, "publisher"), "RedHat");
    assert_string_equal(jstr(r.json, "offer"), "RHEL");
    assert_string_equal(jstr(r.json, "sku"), "7.2");
    assert_string_equal(jstr(r.json, "osType"), "Linux");
    assert_string_equal(jstr(r.json, "vfDriverName"), "");
    itest_resp_free(&r);
    /* The key percent-encoded, in another case; read-only members sent back. */
    admin_expect("PUT", CAT "/osImages/redhat%3Arhel%3A7.2?" AV,
                 "{\"name\": \"RedHat:RHEL:7.2\", \"publisher\": \"RedHat\", \"offer\": \"RHEL\","
                 " \"sku\": \"7.2\", \"displayName\": \"RHEL 7.2\", \"osType\": \"Linux\","
                 " \"acceleratedNetworking\": true, \"vfDriverName\": \"mlx4_en\"}",
                 200, &r);
    assert_string_equal(jstr(r.json, "name"), "RedHat:RHEL:7.2");
    assert_string_equal(jstr(r.json, "vfDriverName"), "mlx4_en");
    itest_resp_free(&r);
    admin_expect("GET", CAT "/osImages/REDHAT:rhel:7.2?" AV, NULL, 200, &r);
    assert_string_equal(jstr(r.json, "displayName"), "RHEL 7.2");
    itest_resp_free(&r);

    /* Paging through all 7 images two at a time. */
    char path[512] = CAT "/osImages?" AV "&$top=2";
    int seen = 0, pages = 0;
    for (;;) {
        admin_expect("GET", path, NULL, 200, &r);
        seen += (int)json_array_size(json_object_get(r.json, "value"));
        pages++;
        const char *next = jstr(r.json, "nextLink");
        if (!next) {
            itest_resp_free(&r);
            break;
        }
        snprintf(path, sizeof path, "%s", strstr(next, "/admin/"));
        itest_resp_free(&r);
        assert_true(pages < 10);
    }
    assert_int_equal(seen, 7);
    assert_int_equal(pages, 4);

    admin_ok("DELETE", CAT "/osImages/RedHat:RHEL:7.2?" AV, NULL, 200);
    admin_ok("DELETE", CAT "/osImages/RedHat:RHEL:7.2?" AV, NULL, 204);
    admin_expect("GET", CAT "/osImages/RedHat:RHEL:7.2?" AV, NULL, 404, &r);
    ITEST_EXPECT_ERROR(&r, 404, "ResourceNotFound");
    itest_resp_free(&r);
    assert_int_equal(sql_long("SELECT count(*) FROM audit_log WHERE action LIKE "
                              "'catalog.osImage.%%' AND details->>'sku' = '7.2'"),
                     3);
}

/* --- bad input: 400 with the JSON paths, nothing written ------------------- */

struct bad_case {
    const char *label;
    const char *method;
    const char *path;
    const char *body;
    long status;
    const char *code;
    const char *target;     /* error.target, or NULL not to check */
    const char *details[7]; /* targets every one of which must be in details */
};

static const struct bad_case bad_cases[] = {
    {"location name with a dash",
     "PUT",
     CAT "/locations/west-europe?" AV,
     "{\"displayName\": \"x\", \"acceleratedNetworking\": true}",
     400,
     "InvalidResourceName",
     "locationName",
     {NULL}},
    {"location name too long",
     "PUT",
     CAT "/locations/a123456789b123456789c123456789d123456789e123456789f123456789g1234?" AV,
     "{\"displayName\": \"x\", \"acceleratedNetworking\": true}",
     400,
     "InvalidResourceName",
     "locationName",
     {NULL}},
    {"location without a body",
     "PUT",
     CAT "/locations/newloc?" AV,
     NULL,
     400,
     "InvalidRequestContent",
     NULL,
     {NULL}},
    {"location body not an object",
     "PUT",
     CAT "/locations/newloc?" AV,
     "[1]",
     400,
     "InvalidRequestContent",
     NULL,
     {NULL}},
    {"location empty body",
     "PUT",
     CAT "/locations/newloc?" AV,
     "{}",
     400,
     "InvalidRequestContent",
     NULL,
     {"displayName", "acceleratedNetworking", NULL}},
    {"location wrong types and unknown member",
     "PUT",
     CAT "/locations/newloc?" AV,
     "{\"displayName\": 5, \"acceleratedNetworking\": \"yes\", \"colour\": 1}",
     400,
     "InvalidRequestContent",
     NULL,
     {"displayName", "acceleratedNetworking", "colour", NULL}},
    {"location name disagrees with the path",
     "PUT",
     CAT "/locations/newloc?" AV,
     "{\"name\": \"otherloc\", \"displayName\": \"\", \"acceleratedNetworking\": true}",
     400,
     "InvalidRequestContent",
     NULL,
     {"name", "displayName", NULL}},
    {"location GET bad name",
     "GET",
     CAT "/locations/west_europe?" AV,
     NULL,
     400,
     "InvalidResourceName",
     "locationName",
     {NULL}},
    {"location DELETE bad name",
     "DELETE",
     CAT "/locations/west%20europe?" AV,
     NULL,
     400,
     "InvalidResourceName",
     "locationName",
     {NULL}},
    {"location no api-version",
     "PUT",
     CAT "/locations/newloc",
     "{\"displayName\": \"x\", \"acceleratedNetworking\": true}",
     400,
     "MissingApiVersionParameter",
     NULL,
     {NULL}},
    {"size name with a space",
     "PUT",
     CAT "/vmSizes/Standard%20D2?" AV,
     "{\"vCPUs\": 1, \"memoryMB\": 1, \"maxNetworkInterfaces\": 1, \"acceleratedNetworking\": "
     "true}",
     400,
     "InvalidResourceName",
     "vmSizeName",
     {NULL}},
    {"size out of range and wrong types",
     "PUT",
     CAT "/vmSizes/Standard_X1?" AV,
     "{\"vCPUs\": 0, \"memoryMB\": -1, \"maxNetworkInterfaces\": \"8\", "
     "\"acceleratedNetworking\": 1, \"zones\": []}",
     400,
     "InvalidRequestContent",
     NULL,
     {"vCPUs", "memoryMB", "maxNetworkInterfaces", "acceleratedNetworking", "zones", NULL}},
    {"size fractional vCPUs",
     "PUT",
     CAT "/vmSizes/Standard_X1?" AV,
     "{\"vCPUs\": 1.5, \"memoryMB\": 1024, \"maxNetworkInterfaces\": 1, "
     "\"acceleratedNetworking\": false}",
     400,
     "InvalidRequestContent",
     NULL,
     {"vCPUs", NULL}},
    {"size missing members",
     "PUT",
     CAT "/vmSizes/Standard_X1?" AV,
     "{\"vCPUs\": 2}",
     400,
     "InvalidRequestContent",
     NULL,
     {"memoryMB", "maxNetworkInterfaces", "acceleratedNetworking", NULL}},
    {"size name disagrees with the path",
     "PUT",
     CAT "/vmSizes/Standard_X1?" AV,
     "{\"name\": \"Standard_X2\", \"vCPUs\": 1, \"memoryMB\": 1024, "
     "\"maxNetworkInterfaces\": 1, \"acceleratedNetworking\": false}",
     400,
     "InvalidRequestContent",
     NULL,
     {"name", NULL}},
    {"image key with two parts",
     "PUT",
     CAT "/osImages/Canonical:UbuntuServer?" AV,
     "{\"displayName\": \"x\", \"osType\": \"Linux\", \"acceleratedNetworking\": false}",
     400,
     "InvalidResourceName",
     "imageKey",
     {NULL}},
    {"image key with four parts",
     "PUT",
     CAT "/osImages/a:b:c:d?" AV,
     "{\"displayName\": \"x\", \"osType\": \"Linux\", \"acceleratedNetworking\": false}",
     400,
     "InvalidResourceName",
     "imageKey",
     {NULL}},
    {"image key with an empty part",
     "PUT",
     CAT "/osImages/a::c?" AV,
     "{\"displayName\": \"x\", \"osType\": \"Linux\", \"acceleratedNetworking\": false}",
     400,
     "InvalidResourceName",
     "imageKey",
     {NULL}},
    {"image key with a space",
     "GET",
     CAT "/osImages/a:b%20c:d?" AV,
     NULL,
     400,
     "InvalidResourceName",
     "imageKey",
     {NULL}},
    {"image bad osType, no driver",
     "PUT",
     CAT "/osImages/a:b:c?" AV,
     "{\"displayName\": \"x\", \"osType\": \"BeOS\", \"acceleratedNetworking\": true}",
     400,
     "InvalidRequestContent",
     NULL,
     {"osType", "vfDriverName", NULL}},
    {"image key members disagree",
     "PUT",
     CAT "/osImages/a:b:c?" AV,
     "{\"name\": \"a:b:d\", \"publisher\": \"x\", \"offer\": \"b\", \"sku\": \"d\","
     " \"displayName\": \"x\", \"osType\": \"Linux\", \"acceleratedNetworking\": false,"
     " \"vfDriverName\": 7}",
     400,
     "InvalidRequestContent",
     NULL,
     {"name", "publisher", "sku", "vfDriverName", NULL}},
    {"image empty body",
     "PUT",
     CAT "/osImages/a:b:c?" AV,
     "{}",
     400,
     "InvalidRequestContent",
     NULL,
     {"displayName", "osType", "acceleratedNetworking", NULL}},
    {"locations list bad $top",
     "GET",
     CAT "/locations?" AV "&$top=0",
     NULL,
     400,
     "InvalidQueryParameterValue",
     "$top",
     {NULL}},
    {"images list bad $skipToken",
     "GET",
     CAT "/osImages?" AV "&$skipToken=bm9wZQ",
     NULL,
     400,
     "InvalidQueryParameterValue",
     "$skipToken",
     {NULL}},
    {NULL},
};

static void test_bad_input(void **state)
{
    (void)state;
    long long before = catalog_fingerprint();
    for (const struct bad_case *c = bad_cases; c->label; c++) {
        struct itest_resp r;
        call(c->method, c->path, ITEST_AUTH_ADMIN, NULL, c->body, &r);
        if (r.status != c->status || !itest_error_code(&r) ||
            strcmp(itest_error_code(&r), c->code) != 0)
            fail_msg("%s: expected %ld %s, got %s", c->label, c->status, c->code,
                     itest_resp_str(&r));
        const char *target = jstr(json_object_get(r.json, "error"), "target");
        if (c->target && (!target || strcmp(target, c->target) != 0))
            fail_msg("%s: expected target %s, got %s", c->label, c->target, itest_resp_str(&r));
        for (int i = 0; c->details[i]; i++)
            if (!has_detail(&r, c->details[i]))
                fail_msg("%s: no detail with target '%s' in %s", c->label, c->details[i],
                         itest_resp_str(&r));
        itest_resp_free(&r);
    }
    assert_int_equal(catalog_fingerprint(), before);
}

/* A location that resource groups use cannot be deleted. */
static void test_location_in_use(void **state)
{
    (void)state;
    struct itest_resp r;
    admin_ok("PUT", CAT "/locations/testloc?" AV,
             "{\"displayName\": \"Test Location\", \"acceleratedNetworking\": false}", 201);
    admin_ok("PUT", "/subscriptions/" SUB_A "/resourcegroups/rg-in-testloc?" AV,
             "{\"location\": \"testloc\"}", 201);
    long long before = catalog_fingerprint();
    admin_expect("DELETE", CAT "/locations/testloc?" AV, NULL, 409, &r);
    ITEST_EXPECT_ERROR(&r, 409, "LocationInUse");
    itest_resp_free(&r);
    assert_int_equal(catalog_fingerprint(), before);
    admin_ok("GET", CAT "/locations/testloc?" AV, NULL, 200);
    admin_ok("DELETE", "/subscriptions/" SUB_A "/resourcegroups/rg-in-testloc?" AV, NULL, 200);
    admin_ok("DELETE", CAT "/locations/TestLoc?" AV, NULL, 200);
}

/* --- a subscription's view: locations and skus ------------------------------ */

static void test_subscription_locations(void **state)
{
    (void)state;
    struct itest_resp r;
    call("GET", "/subscriptions/" SUB_A "/locations?" AV, ITEST_AUTH_TOKEN, g.token_a, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    json_t *v = json_object_get(r.json, "value");
    assert_int_equal(json_array_size(v), 6);
    size_t i;
    json_t *x;
    int found = 0;
    json_array_foreach(v, i, x)
    {
        if (strcmp(jstr(x, "name"), "westeurope") == 0) {
            found = 1;
            assert_string_equal(jstr(x, "id"), "/subscriptions/" SUB_A "/locations/westeurope");
            assert_string_equal(jstr(x, "displayName"), "West Europe");
            assert_string_equal(jstr(x, "subscriptionId"), SUB_A);
        }
    }
    assert_true(found);
    itest_resp_free(&r);
}

static void test_skus(void **state)
{
    (void)state;
    struct itest_resp r;
    call("GET", SKUS(SUB_A), ITEST_AUTH_TOKEN, g.token_a, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    /* Every size in every location: 6 × 6. */
    assert_int_equal(json_array_size(json_object_get(r.json, "value")), 36);
    json_t *s = find_sku(&r, "Standard_D15_v2", "westeurope");
    assert_non_null(s);
    assert_string_equal(jstr(s, "resourceType"), "virtualMachines");
    assert_string_equal(jstr(s, "tier"), "Standard");
    assert_string_equal(jstr(s, "size"), "D15_v2");
    assert_string_equal(sku_cap(s, "vCPUs"), "20");
    assert_string_equal(sku_cap(s, "MemoryGB"), "140");
    assert_string_equal(sku_cap(s, "MaxNetworkInterfaces"), "8");
    assert_string_equal(sku_cap(s, "AcceleratedNetworkingEnabled"), "True");
    assert_int_equal(json_array_size(json_object_get(s, "restrictions")), 0);
    assert_string_equal(jstr(json_array_get(json_object_get(s, "locationInfo"), 0), "location"),
                        "westeurope");
    /* An eligible size in an ineligible location, and the reverse. */
    assert_string_equal(
        sku_cap(find_sku(&r, "Standard_D15_v2", "eastus"), "AcceleratedNetworkingEnabled"),
        "False");
    assert_string_equal(
        sku_cap(find_sku(&r, "Standard_D2_v2", "westeurope"), "AcceleratedNetworkingEnabled"),
        "False");
    assert_string_equal(sku_cap(find_sku(&r, "Standard_A1", "westus"), "MemoryGB"), "1.75");
    itest_resp_free(&r);

    /* $filter, in its spellings. */
    static const char *const filters[] = {
        "location%20eq%20%27westeurope%27",
        "LOCATION%20EQ%20%27WestEurope%27",
        "%20location%20%20eq%20%20%27West%20Europe%27%20",
        "location+eq+%27westeurope%27", /* form encoding: '+' is a space */
        NULL,
    };
    for (int i = 0; filters[i]; i++) {
        char path[512];
        snprintf(path, sizeof path, SKUS(SUB_A) "&$filter=%s", filters[i]);
        call("GET", path, ITEST_AUTH_TOKEN, g.token_a, NULL, &r);
        ITEST_EXPECT_STATUS(&r, 200);
        json_t *v = json_object_get(r.json, "value");
        assert_int_equal(json_array_size(v), 6);
        size_t j;
        json_t *x;
        json_array_foreach(v, j, x)
        {
            json_t *locs = json_object_get(x, "locations");
            assert_int_equal(json_array_size(locs), 1);
            assert_string_equal(json_string_value(json_array_get(locs, 0)), "westeurope");
        }
        assert_non_null(find_sku(&r, "Standard_DS15_v2", "westeurope"));
        itest_resp_free(&r);
    }

    /* Anything else is refused. */
    static const char *const bad[] = {
        "name%20eq%20%27Standard_A1%27",
        "location%20eq%20westeurope",
        "location%20ne%20%27westeurope%27",
        "location%20eq%20%27westeurope%27%20and%20name%20eq%20%27x%27",
        "location%20eq%20%27west%27europe%27",
        "location%20eq%20%27%27",
        "location%20eq%20%27mars%27",
        "",
        NULL,
    };
    for (int i = 0; bad[i]; i++) {
        char path[512];
        snprintf(path, sizeof path, SKUS(SUB_A) "&$filter=%s", bad[i]);
        call("GET", path, ITEST_AUTH_TOKEN, g.token_a, NULL, &r);
        if (r.status != 400 || !itest_error_code(&r) ||
            strcmp(itest_error_code(&r), "InvalidQueryParameterValue") != 0 ||
            strcmp(jstr(json_object_get(r.json, "error"), "target"), "$filter") != 0)
            fail_msg("$filter=%s: expected 400 InvalidQueryParameterValue on $filter, got %s",
                     bad[i], itest_resp_str(&r));
        itest_resp_free(&r);
    }
}

/* --- edits apply at once, everywhere --------------------------------------- */

static void test_edits_take_effect(void **state)
{
    (void)state;
    struct itest_resp r;
    set_feature_state(SUB_C, "Registered");

    /* eastus: not eligible, then eligible, then not again. */
    check_elig(SUB_C, "eastus", "Standard_D15_v2", "MicrosoftWindowsServer", "WindowsServer",
               "2012-R2-Datacenter", &r);
    assert_true(json_is_false(json_object_get(r.json, "eligible")));
    assert_non_null(find_reason(&r, "LocationIsNotPermittedToEnableAcceleratedNetworking"));
    itest_resp_free(&r);

    admin_ok("PUT", CAT "/locations/eastus?" AV,
             "{\"displayName\": \"East US\", \"acceleratedNetworking\": true}", 200);
    check_elig(SUB_C, "eastus", "Standard_D15_v2", "MicrosoftWindowsServer", "WindowsServer",
               "2012-R2-Datacenter", &r);
    assert_true(json_is_true(json_object_get(r.json, "eligible")));
    itest_resp_free(&r);
    call("GET", SKUS(SUB_C) "&$filter=location%20eq%20%27eastus%27", ITEST_AUTH_ADMIN, NULL, NULL,
         &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_string_equal(
        sku_cap(find_sku(&r, "Standard_D15_v2", "eastus"), "AcceleratedNetworkingEnabled"), "True");
    itest_resp_free(&r);
    /* ... and eastus is now named among the allowed locations. */
    check_elig(SUB_C, "mars", "Standard_D15_v2", "MicrosoftWindowsServer", "WindowsServer",
               "2012-R2-Datacenter", &r);
    assert_true(array_has(
        json_object_get(find_reason(&r, "LocationIsNotPermittedToEnableAcceleratedNetworking"),
                        "allowedValues"),
        "eastus"));
    itest_resp_free(&r);

    /* A size made eligible; an image made ineligible. */
    admin_ok("PUT", CAT "/vmSizes/Standard_D2_v2?" AV,
             "{\"vCPUs\": 2, \"memoryMB\": 7168, \"maxNetworkInterfaces\": 2,"
             " \"acceleratedNetworking\": true}",
             200);
    admin_ok("PUT", CAT "/osImages/" IMG_2012 "?" AV,
             "{\"displayName\": \"Windows Server 2012 R2 Datacenter\", \"osType\": \"Windows\","
             " \"acceleratedNetworking\": false}",
             200);
    call("GET", SKUS(SUB_C), ITEST_AUTH_ADMIN, NULL, NULL, &r);
    assert_string_equal(
        sku_cap(find_sku(&r, "Standard_D2_v2", "westeurope"), "AcceleratedNetworkingEnabled"),
        "True");
    assert_string_equal(
        sku_cap(find_sku(&r, "Standard_D2_v2", "eastus"), "AcceleratedNetworkingEnabled"), "True");
    itest_resp_free(&r);
    check_elig(SUB_C, "eastus", "Standard_D2_v2", "MicrosoftWindowsServer", "WindowsServer",
               "2012-R2-Datacenter", &r);
    assert_true(json_is_false(json_object_get(r.json, "eligible")));
    assert_int_equal(json_array_size(json_object_get(r.json, "reasons")), 1);
    json_t *img = find_reason(&r, "OSImageIsNotPermittedToEnableAcceleratedNetworking");
    assert_non_null(img);
    assert_false(array_has(json_object_get(img, "allowedValues"), IMG_2012));
    assert_true(array_has(json_object_get(img, "allowedValues"), IMG_TP5));
    itest_resp_free(&r);

    /* Back to the seed. */
    admin_ok("PUT", CAT "/locations/eastus?" AV,
             "{\"displayName\": \"East US\", \"acceleratedNetworking\": false}", 200);
    admin_ok("PUT", CAT "/vmSizes/Standard_D2_v2?" AV,
             "{\"vCPUs\": 2, \"memoryMB\": 7168, \"maxNetworkInterfaces\": 2,"
             " \"acceleratedNetworking\": false}",
             200);
    admin_ok("PUT", CAT "/osImages/" IMG_2012 "?" AV,
             "{\"displayName\": \"Windows Server 2012 R2 Datacenter\", \"osType\": \"Windows\","
             " \"acceleratedNetworking\": true, \"vfDriverName\": \"Mellanox ConnectX-3 Virtual "
             "Function Ethernet Adapter\"}",
             200);
    call("GET", SKUS(SUB_C), ITEST_AUTH_ADMIN, NULL, NULL, &r);
    assert_string_equal(
        sku_cap(find_sku(&r, "Standard_D15_v2", "eastus"), "AcceleratedNetworkingEnabled"),
        "False");
    itest_resp_free(&r);
    set_feature_state(SUB_C, NULL);
}

/* --- the eligibility check: every combination of reasons ------------------- */

struct feature_case {
    const char *state; /* NULL: never registered */
    const char *code;  /* the reason, NULL when eligible */
};
static const struct feature_case feature_cases[] = {
    {NULL, "SubscriptionNotRegisteredForFeature"},
    {"Pending", "FeatureRegistrationPending"},
    {"Registered", NULL},
    {"Rejected", "FeatureRegistrationRejected"},
    {"Unregistering", "SubscriptionNotRegisteredForFeature"},
    {"Unregistered", "SubscriptionNotRegisteredForFeature"},
};

struct value_case {
    const char *label;
    const char *a, *b, *c; /* location / size use a; images a:b:c */
    int ok;
};
static const struct value_case location_cases[] = {
    {"eligible", "westeurope", NULL, NULL, 1},
    {"eligible (display name)", "West%20Central%20US", NULL, NULL, 1},
    {"ineligible", "eastus", NULL, NULL, 0},
    {"unknown", "mars", NULL, NULL, 0},
};
static const struct value_case size_cases[] = {
    {"eligible", "standard_ds15_V2", NULL, NULL, 1},
    {"ineligible", "Standard_A1", NULL, NULL, 0},
    {"unknown", "Standard_Z99", NULL, NULL, 0},
};
static const struct value_case image_cases[] = {
    {"eligible", "MicrosoftWindowsServer", "WindowsServer",
     "2016-Technical-Preview-with-Containers", 1},
    {"ineligible", "Canonical", "UbuntuServer", "16.04-LTS", 0},
    {"unknown", "Contoso", "Nothing", "1.0", 0},
};

/* One expected reason: its code, target and allowed values (NULL-ended). */
static void expect_reason(const struct itest_resp *r, size_t index, const char *code,
                          const char *target, const char *const *allowed, const char *label)
{
    json_t *x = json_array_get(json_object_get(r->json, "reasons"), index);
    if (!x || strcmp(jstr(x, "code"), code) != 0)
        fail_msg("%s: reason %zu should be %s: %s", label, index, code, itest_resp_str(r));
    json_t *t = json_object_get(x, "target");
    if (target ? !json_is_string(t) || strcmp(json_string_value(t), target) != 0 : !json_is_null(t))
        fail_msg("%s: reason %s should have target %s: %s", label, code, target ? target : "null",
                 itest_resp_str(r));
    if (!jstr(x, "message") || !*jstr(x, "message"))
        fail_msg("%s: reason %s has no message", label, code);
    json_t *av = json_object_get(x, "allowedValues");
    size_t n = 0;
    for (; allowed[n]; n++) {
        if (!array_has(av, allowed[n]))
            fail_msg("%s: reason %s should allow %s: %s", label, code, allowed[n],
                     itest_resp_str(r));
        /* Each allowed value is named in the message too. */
        if (!strstr(jstr(x, "message"), allowed[n]))
            fail_msg("%s: reason %s's message should name %s", label, code, allowed[n]);
    }
    if (json_array_size(av) != n)
        fail_msg("%s: reason %s should allow exactly %zu values: %s", label, code, n,
                 itest_resp_str(r));
}

static void test_eligibility_matrix(void **state)
{
    (void)state;
    static const char *const no_values[] = {NULL};
    static const char *const locs[] = {"westcentralus", "westeurope", NULL};
    static const char *const sizes[] = {"Standard_D15_v2", "Standard_DS15_v2", NULL};
    static const char *const images[] = {IMG_2012, IMG_TP5, NULL};
    size_t nf = sizeof feature_cases / sizeof *feature_cases;
    size_t nl = sizeof location_cases / sizeof *location_cases;
    size_t ns = sizeof size_cases / sizeof *size_cases;
    size_t ni = sizeof image_cases / sizeof *image_cases;
    int combos = 0, eligible = 0;

    for (size_t f = 0; f < nf; f++) {
        set_feature_state(SUB_C, feature_cases[f].state);
        for (size_t l = 0; l < nl; l++)
            for (size_t s = 0; s < ns; s++)
                for (size_t i = 0; i < ni; i++) {
                    const struct value_case *lc = &location_cases[l], *sc = &size_cases[s],
                                            *ic = &image_cases[i];
                    char label[256];
                    snprintf(label, sizeof label, "feature %s, location %s, size %s, image %s",
                             feature_cases[f].state ? feature_cases[f].state : "none", lc->label,
                             sc->label, ic->label);
                    struct itest_resp r;
                    check_elig(SUB_C, lc->a, sc->a, ic->a, ic->b, ic->c, &r);
                    int ok = !feature_cases[f].code && lc->ok && sc->ok && ic->ok;
                    size_t want = (feature_cases[f].code != NULL) + !lc->ok + !sc->ok + !ic->ok;
                    if (json_is_true(json_object_get(r.json, "eligible")) != ok ||
                        json_array_size(json_object_get(r.json, "reasons")) != want)
                        fail_msg("%s: expected eligible=%d with %zu reasons, got %s", label, ok,
                                 want, itest_resp_str(&r));
                    size_t k = 0;
                    if (feature_cases[f].code)
                        expect_reason(&r, k++, feature_cases[f].code, NULL, no_values, label);
                    if (!lc->ok)
                        expect_reason(&r, k++,
                                      "LocationIsNotPermittedToEnableAcceleratedNetworking",
                                      "location", locs, label);
                    if (!sc->ok)
                        expect_reason(&r, k++, "VMSizeIsNotPermittedToEnableAcceleratedNetworking",
                                      "vmSize", sizes, label);
                    if (!ic->ok)
                        expect_reason(&r, k++, "OSImageIsNotPermittedToEnableAcceleratedNetworking",
                                      "imageReference", images, label);
                    itest_resp_free(&r);
                    combos++;
                    eligible += ok;
                }
    }
    assert_int_equal(combos, 6 * 4 * 3 * 3);
    assert_int_equal(eligible, 2); /* Registered × both spellings of an eligible location */
    set_feature_state(SUB_C, NULL);
}

/* Messages say what is wrong and what to do. */
static void test_eligibility_messages(void **state)
{
    (void)state;
    struct itest_resp r;
    set_feature_state(SUB_C, "Pending");
    check_elig(SUB_C, "eastus", "Standard_A1", "Canonical", "UbuntuServer", "16.04-LTS", &r);
    const char *m = jstr(find_reason(&r, "FeatureRegistrationPending"), "message");
    assert_non_null(strstr(m, "Pending"));
    m = jstr(find_reason(&r, "LocationIsNotPermittedToEnableAcceleratedNetworking"), "message");
    assert_non_null(strstr(m, "'eastus' (East US)"));
    m = jstr(find_reason(&r, "VMSizeIsNotPermittedToEnableAcceleratedNetworking"), "message");
    assert_non_null(strstr(m, "'Standard_A1'"));
    m = jstr(find_reason(&r, "OSImageIsNotPermittedToEnableAcceleratedNetworking"), "message");
    assert_non_null(strstr(m, "Ubuntu Server 16.04 LTS"));
    assert_non_null(strstr(m, "Windows Server 2016 Technical Preview 5"));
    itest_resp_free(&r);
    set_feature_state(SUB_C, NULL);
    check_elig(SUB_C, "westeurope", "Standard_D15_v2", "MicrosoftWindowsServer", "WindowsServer",
               "2012-R2-Datacenter", &r);
    m = jstr(find_reason(&r, "SubscriptionNotRegisteredForFeature"), "message");
    assert_non_null(strstr(m, "/subscriptions/" SUB_C "/providers/Microsoft.Features/providers/"
                              "Microsoft.Network/features/AllowAcceleratedNetworkingFeature/"
                              "register"));
    itest_resp_free(&r);

    /* Nothing eligible at all: the lists are empty and the messages say so. */
    sql_exec("UPDATE vm_sizes SET accelerated_networking = false");
    check_elig(SUB_C, "westeurope", "Standard_D15_v2", "MicrosoftWindowsServer", "WindowsServer",
               "2012-R2-Datacenter", &r);
    json_t *x = find_reason(&r, "VMSizeIsNotPermittedToEnableAcceleratedNetworking");
    assert_int_equal(json_array_size(json_object_get(x, "allowedValues")), 0);
    assert_non_null(strstr(jstr(x, "message"), "none at the moment"));
    itest_resp_free(&r);
    sql_exec("UPDATE vm_sizes SET accelerated_networking = true"
             " WHERE name IN ('Standard_D15_v2', 'Standard_DS15_v2')");
}

static void test_eligibility_bad_body(void **state)
{
    (void)state;
    static const struct {
        const char *label;
        const char *body;
        const char *details[8];
    } cases[] = {
        {"no body", NULL, {NULL}},
        {"not an object", "\"Standard_D15_v2\"", {NULL}},
        {"empty", "{}", {"vmSize", "imageReference", NULL}},
        {"everything wrong",
         "{\"vmSize\": 1, \"imageReference\": {\"publisher\": \"\", \"sku\": 2, \"id\": \"x\","
         " \"version\": 3}, \"location\": \"westeurope\"}",
         {"vmSize", "imageReference.publisher", "imageReference.offer", "imageReference.sku",
          "imageReference.id", "imageReference.version", "location", NULL}},
        {"imageReference not an object",
         "{\"vmSize\": \"Standard_D15_v2\", \"imageReference\": "
         "\"Canonical:UbuntuServer:16.04-LTS\"}",
         {"imageReference", NULL}},
        {NULL, NULL, {NULL}},
    };
    for (int i = 0; cases[i].label; i++) {
        struct itest_resp r;
        call("POST", CHECK(SUB_A) "westeurope" CHECK_TAIL, ITEST_AUTH_TOKEN, g.token_a,
             cases[i].body, &r);
        if (r.status != 400 || !itest_error_code(&r) ||
            strcmp(itest_error_code(&r), "InvalidRequestContent") != 0)
            fail_msg("%s: expected 400 InvalidRequestContent, got %s", cases[i].label,
                     itest_resp_str(&r));
        for (int j = 0; cases[i].details[j]; j++)
            if (!has_detail(&r, cases[i].details[j]))
                fail_msg("%s: no detail for '%s' in %s", cases[i].label, cases[i].details[j],
                         itest_resp_str(&r));
        itest_resp_free(&r);
    }
    /* GET is not the method. */
    struct itest_resp r;
    call("GET", CHECK(SUB_A) "westeurope" CHECK_TAIL, ITEST_AUTH_TOKEN, g.token_a, NULL, &r);
    ITEST_EXPECT_ERROR(&r, 405, "MethodNotAllowed");
    itest_resp_free(&r);
}

/* The check only reads: a disabled subscription may still ask. */
static void test_eligibility_disabled_subscription(void **state)
{
    (void)state;
    struct itest_resp r;
    set_feature_state(SUB_D, "Registered");
    admin_ok("POST", "/admin/subscriptions/" SUB_D "/disable?" AV, NULL, 200);
    check_elig(SUB_D, "westeurope", "Standard_D15_v2", "MicrosoftWindowsServer", "WindowsServer",
               "2012-R2-Datacenter", &r);
    assert_true(json_is_true(json_object_get(r.json, "eligible")));
    assert_int_equal(json_array_size(json_object_get(r.json, "reasons")), 0);
    itest_resp_free(&r);
    admin_ok("POST", "/admin/subscriptions/" SUB_D "/enable?" AV, NULL, 200);
}

/* --- who may call what ----------------------------------------------------- */

static void test_access(void **state)
{
    (void)state;
    static const char elig_body[] =
        "{\"vmSize\": \"Standard_D15_v2\", \"imageReference\": {\"publisher\": "
        "\"MicrosoftWindowsServer\", \"offer\": \"WindowsServer\", \"sku\": "
        "\"2012-R2-Datacenter\", \"version\": \"latest\"}}";
    static const char loc_body[] = "{\"displayName\": \"X\", \"acceleratedNetworking\": true}";
    const struct itest_step steps[] = {
        /* A's user on A's routes. */
        {"own locations", "GET", "/subscriptions/" SUB_A "/locations?" AV, ITEST_AUTH_TOKEN, NULL,
         200, NULL},
        {"own skus", "GET", SKUS(SUB_A), ITEST_AUTH_TOKEN, NULL, 200, NULL},
        {"own check", "POST", CHECK(SUB_A) "westeurope" CHECK_TAIL, ITEST_AUTH_TOKEN, elig_body,
         200, NULL},
        /* A's user on B's routes: refused before anything is looked up. */
        {"other's locations", "GET", "/subscriptions/" SUB_B "/locations?" AV, ITEST_AUTH_TOKEN,
         NULL, 403, "AuthorizationFailed"},
        {"other's skus", "GET", SKUS(SUB_B), ITEST_AUTH_TOKEN, NULL, 403, "AuthorizationFailed"},
        {"other's check", "POST", CHECK(SUB_B) "westeurope" CHECK_TAIL, ITEST_AUTH_TOKEN, elig_body,
         403, "AuthorizationFailed"},
        {"unknown subscription's skus", "GET", SKUS("00000000-0000-4000-8000-0000000000ff"),
         ITEST_AUTH_TOKEN, NULL, 403, "AuthorizationFailed"},
        /* A's user on the admin catalogue. */
        {"user lists locations", "GET", CAT "/locations?" AV, ITEST_AUTH_TOKEN, NULL, 403,
         "AuthorizationFailed"},
        {"user reads a location", "GET", CAT "/locations/westeurope?" AV, ITEST_AUTH_TOKEN, NULL,
         403, "AuthorizationFailed"},
        {"user writes a location", "PUT", CAT "/locations/westeurope?" AV, ITEST_AUTH_TOKEN,
         loc_body, 403, "AuthorizationFailed"},
        {"user deletes a location", "DELETE", CAT "/locations/westeurope?" AV, ITEST_AUTH_TOKEN,
         NULL, 403, "AuthorizationFailed"},
        {"user lists sizes", "GET", CAT "/vmSizes?" AV, ITEST_AUTH_TOKEN, NULL, 403,
         "AuthorizationFailed"},
        {"user deletes a size", "DELETE", CAT "/vmSizes/Standard_D15_v2?" AV, ITEST_AUTH_TOKEN,
         NULL, 403, "AuthorizationFailed"},
        {"user lists images", "GET", CAT "/osImages?" AV, ITEST_AUTH_TOKEN, NULL, 403,
         "AuthorizationFailed"},
        {"user deletes an image", "DELETE", CAT "/osImages/" IMG_2012 "?" AV, ITEST_AUTH_TOKEN,
         NULL, 403, "AuthorizationFailed"},
        /* No token at all. */
        {"anonymous skus", "GET", SKUS(SUB_A), ITEST_AUTH_NONE, NULL, 401, "AuthenticationFailed"},
        {"anonymous catalogue", "GET", CAT "/locations?" AV, ITEST_AUTH_NONE, NULL, 401,
         "AuthenticationFailed"},
        /* Admin: any subscription; a bad or unknown one. */
        {"admin on B's skus", "GET", SKUS(SUB_B), ITEST_AUTH_ADMIN, NULL, 200, NULL},
        {"admin, bad subscription id", "GET", SKUS("not-a-guid"), ITEST_AUTH_ADMIN, NULL, 400,
         "InvalidSubscriptionId"},
        {"admin, unknown subscription", "POST",
         CHECK("00000000-0000-4000-8000-0000000000ff") "westeurope" CHECK_TAIL, ITEST_AUTH_ADMIN,
         elig_body, 404, "SubscriptionNotFound"},
        {"skus without api-version", "GET",
         "/subscriptions/" SUB_A "/providers/Microsoft.Compute/skus", ITEST_AUTH_ADMIN, NULL, 400,
         "MissingApiVersionParameter"},
        {"provider segments in any case", "GET",
         "/subscriptions/" SUB_A "/PROVIDERS/microsoft.compute/SKUS?" AV, ITEST_AUTH_ADMIN, NULL,
         200, NULL},
        {NULL},
    };
    long long before = catalog_fingerprint();
    itest_run_steps(&g.d, steps, g.token_a);
    assert_int_equal(catalog_fingerprint(), before);
    /* B's own token works on B. */
    const struct itest_step b_steps[] = {
        {"B's skus", "GET", SKUS(SUB_B), ITEST_AUTH_TOKEN, NULL, 200, NULL},
        {"B on A's locations", "GET", "/subscriptions/" SUB_A "/locations?" AV, ITEST_AUTH_TOKEN,
         NULL, 403, "AuthorizationFailed"},
        {NULL},
    };
    itest_run_steps(&g.d, b_steps, g.token_b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_subscriptions_and_tokens),
        cmocka_unit_test(test_seed_listed),
        cmocka_unit_test(test_location_crud),
        cmocka_unit_test(test_vm_size_crud),
        cmocka_unit_test(test_os_image_crud),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_location_in_use),
        cmocka_unit_test(test_subscription_locations),
        cmocka_unit_test(test_skus),
        cmocka_unit_test(test_edits_take_effect),
        cmocka_unit_test(test_eligibility_matrix),
        cmocka_unit_test(test_eligibility_messages),
        cmocka_unit_test(test_eligibility_bad_body),
        cmocka_unit_test(test_eligibility_disabled_subscription),
        cmocka_unit_test(test_access),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
