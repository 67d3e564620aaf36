/* it_network — virtual networks, subnets, private IP address management and
 * network interfaces (issue 4, part N1) against a real accelnetd over HTTPS
 * and a real PostgreSQL: CRUD, every validation error with its code and JSON
 * path (and nothing written), etags, paging, names, in-use deletes, subnet
 * exhaustion, static addresses, concurrent creates in one subnet, the
 * create-time-only rule for Accelerated Networking and eligibility at NIC
 * creation. What the daemon wrote is checked in the database too. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tests/integration/itest.h"

#define AV ITEST_AV

/* Each test has subscriptions of its own. */
#define SUB_VNET  "a0000001-0000-4000-8000-000000000001"
#define SUB_VBAD  "a0000002-0000-4000-8000-000000000002"
#define SUB_SUBN  "a0000003-0000-4000-8000-000000000003"
#define SUB_NIC   "a0000004-0000-4000-8000-000000000004"
#define SUB_NBAD  "a0000005-0000-4000-8000-000000000005"
#define SUB_IP    "a0000006-0000-4000-8000-000000000006"
#define SUB_FULL  "a0000007-0000-4000-8000-000000000007"
#define SUB_RACE  "a0000008-0000-4000-8000-000000000008"
#define SUB_USE   "a0000009-0000-4000-8000-000000000009"
#define SUB_AN    "a000000a-0000-4000-8000-00000000000a"
#define SUB_ELIG  "a000000b-0000-4000-8000-00000000000b"
#define SUB_ETAG  "a000000c-0000-4000-8000-00000000000c"
#define SUB_PAGE  "a000000d-0000-4000-8000-00000000000d"
#define SUB_NAME  "a000000e-0000-4000-8000-00000000000e"
#define SUB_OTHER "a000000f-0000-4000-8000-00000000000f"

#define NETP "/providers/Microsoft.Network"

static struct {
    char *conninfo;
    struct itest_daemon d;
} g;

static int setup(void **state)
{
    (void)state;
    g.conninfo = itest_db_create("it_network");
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
    if (getenv("IT_NETWORK_LOG"))
        itest_daemon_log_tail(&g.d, 400);
    if (g.d.pid > 0) {
        int st = itest_daemon_stop(&g.d, 20000);
        if (st != 0) {
            fprintf(stderr, "it_network: accelnetd exited with %d after SIGTERM, expected 0\n", st);
            rc = -1;
        }
    }
    free(g.conninfo);
    return rc;
}

/* --- helpers ---------------------------------------------------------------- */

static void call(const char *method, const char *path, const char *const *headers, const char *body,
                 struct itest_resp *r)
{
    struct itest_req rq = {
        .method = method, .path = path, .auth = ITEST_AUTH_ADMIN, .headers = headers, .body = body};
    itest_do(&g.d, &rq, r);
    if (itest_header(r, "x-ms-request-id") == NULL && r->status > 0)
        fail_msg("%s %s: no x-ms-request-id: %s", method, path, itest_resp_str(r));
}

/* The member at a path like "properties.subnets[0].name" (borrowed), or NULL. */
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
    call(method, path, NULL, body, &r);
    if (r.status != status || (code != NULL && (itest_error_code(&r) == NULL ||
                                                strcmp(itest_error_code(&r), code) != 0))) {
        char got[720];
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

/* details[] holds an entry with this target (and code, when not NULL). */
static int has_detail(const struct itest_resp *r, const char *target, const char *code)
{
    json_t *details = jget(r->json, "error.details");
    size_t i;
    json_t *d;
    json_array_foreach(details, i, d)
    {
        const char *t = json_string_value(json_object_get(d, "target"));
        const char *c = json_string_value(json_object_get(d, "code"));
        if (t != NULL && strcmp(t, target) == 0 && (code == NULL || (c && strcmp(c, code) == 0)))
            return 1;
    }
    return 0;
}

/* The problems of a 400/409: each (target, code) pair among the details. A
 * single problem is also the error itself (its code and target at the top
 * level); it may come without details. */
struct problem {
    const char *target;
    const char *code;
};

static void expect_problems(const char *method, const char *path, const char *body, long status,
                            const char *top_code, const struct problem *want, size_t n)
{
    struct itest_resp r;
    call(method, path, NULL, body, &r);
    ITEST_EXPECT_ERROR(&r, status, top_code);
    size_t ndetails = json_array_size(jget(r.json, "error.details"));
    for (size_t i = 0; i < n && ndetails; i++)
        if (!has_detail(&r, want[i].target, want[i].code))
            fail_msg("%s %s with %s: no details[] entry %s at \"%s\": %s", method, path, body,
                     want[i].code, want[i].target, itest_resp_str(&r));
    size_t got = json_array_size(jget(r.json, "error.details"));
    if (got != n && !(n == 1 && got == 0))
        fail_msg("%s %s with %s: expected %zu details, got %s", method, path, body, n,
                 itest_resp_str(&r));
    if (n == 1) {
        const char *t = jstr(r.json, "error.target");
        if (t == NULL || strcmp(t, want[0].target) != 0)
            fail_msg("%s %s: a single problem should be the error's target %s: %s", method, path,
                     want[0].target, itest_resp_str(&r));
    }
    itest_resp_free(&r);
}

/* A single problem. */
static void expect_problem(const char *method, const char *path, const char *body, long status,
                           const char *code, const char *target)
{
    struct problem p = {target, code};
    expect_problems(method, path, body, status, code, &p, 1);
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

static void put_subscription(const char *id)
{
    char path[256];
    snprintf(path, sizeof path, "/admin/subscriptions/%s?" AV, id);
    struct itest_resp r;
    call("PUT", path, NULL, "{\"displayName\":\"it_network\"}", &r);
    if (r.status != 201 && r.status != 200)
        fail_msg("PUT %s: %s", path, itest_resp_str(&r));
    itest_resp_free(&r);
}

static void put_rg(const char *sub, const char *rg, const char *location)
{
    char path[256], body[128];
    snprintf(path, sizeof path, "/subscriptions/%s/resourcegroups/%s?" AV, sub, rg);
    snprintf(body, sizeof body, "{\"location\":\"%s\"}", location);
    struct itest_resp r;
    call("PUT", path, NULL, body, &r);
    if (r.status != 201 && r.status != 200)
        fail_msg("PUT %s: %s", path, itest_resp_str(&r));
    itest_resp_free(&r);
}

/* Sets the subscription's registration for the feature ("" removes it). */
static void set_feature(const char *sub, const char *state)
{
    pg_exec("DELETE FROM feature_registrations WHERE subscription_id = '%s'", sub);
    if (*state)
        pg_exec("INSERT INTO feature_registrations (subscription_id, namespace, feature, state)"
                " VALUES ('%s', 'Microsoft.Network', 'AllowAcceleratedNetworkingFeature', '%s')",
                sub, state);
}

/* A network security group row (the NSG API is another part's). */
static void put_nsg_row(const char *sub, const char *rg, const char *name, const char *location)
{
    pg_exec("INSERT INTO network_security_groups (id, subscription_id, rg_key, name, location,"
            " etag) VALUES (gen_random_uuid(), '%s', lower('%s'), '%s', '%s', gen_random_uuid())",
            sub, rg, name, location);
}

/* Paths, in rotating static buffers: keep a copy of one that must live long. */
static char *pbuf(void)
{
    static char bufs[64][512];
    static int next;
    return bufs[next++ % 64];
}

static const char *vnet_url(const char *sub, const char *rg, const char *name)
{
    char *b = pbuf();
    snprintf(b, 512, "/subscriptions/%s/resourceGroups/%s" NETP "/virtualNetworks/%s?" AV, sub, rg,
             name);
    return b;
}

static const char *subnet_url(const char *sub, const char *rg, const char *vnet, const char *name)
{
    char *b = pbuf();
    snprintf(b, 512,
             "/subscriptions/%s/resourceGroups/%s" NETP "/virtualNetworks/%s/subnets/%s?" AV, sub,
             rg, vnet, name);
    return b;
}

static const char *nic_url(const char *sub, const char *rg, const char *name)
{
    char *b = pbuf();
    snprintf(b, 512, "/subscriptions/%s/resourceGroups/%s" NETP "/networkInterfaces/%s?" AV, sub,
             rg, name);
    return b;
}

/* The id of a subnet, as a NIC refers to it. */
static const char *subnet_id(const char *sub, const char *rg, const char *vnet, const char *name)
{
    char *b = pbuf();
    snprintf(b, 512, "/subscriptions/%s/resourceGroups/%s" NETP "/virtualNetworks/%s/subnets/%s",
             sub, rg, vnet, name);
    return b;
}

/* PUT a VNet with one address prefix and subnets "name=prefix,name=prefix". */
static void put_vnet(const char *sub, const char *rg, const char *name, const char *location,
                     const char *space, const char *subnets)
{
    char body[4096];
    size_t n = (size_t)snprintf(body, sizeof body,
                                "{\"location\":\"%s\",\"properties\":{\"addressSpace\":{"
                                "\"addressPrefixes\":[\"%s\"]},\"subnets\":[",
                                location, space);
    const char *p = subnets;
    int first = 1;
    while (p && *p) {
        size_t len = strcspn(p, ",");
        const char *eq = memchr(p, '=', len);
        n += (size_t)snprintf(body + n, sizeof body - n,
                              "%s{\"name\":\"%.*s\",\"properties\":{\"addressPrefix\":\"%.*s\"}}",
                              first ? "" : ",", (int)(eq - p), p, (int)(len - (size_t)(eq - p) - 1),
                              eq + 1);
        first = 0;
        p += len;
        if (*p == ',')
            p++;
    }
    snprintf(body + n, sizeof body - n, "]}}");
    struct itest_resp r;
    call("PUT", vnet_url(sub, rg, name), NULL, body, &r);
    if (r.status != 201 && r.status != 200)
        fail_msg("PUT vnet %s: %s", name, itest_resp_str(&r));
    itest_resp_free(&r);
}

/* A NIC body with one IP configuration. static_ip NULL: Dynamic. an: -1
 * leaves enableAcceleratedNetworking out. */
static char *nic_body(const char *location, const char *subnet, const char *static_ip, int an)
{
    char ip[128] = "";
    char anm[64] = "";
    if (static_ip)
        snprintf(ip, sizeof ip,
                 ",\"privateIPAllocationMethod\":\"Static\",\"privateIPAddress\":\"%s\"",
                 static_ip);
    if (an >= 0)
        snprintf(anm, sizeof anm, "\"enableAcceleratedNetworking\":%s,", an ? "true" : "false");
    char *b = malloc(2048);
    assert_non_null(b);
    snprintf(b, 2048,
             "{\"location\":\"%s\",\"properties\":{%s\"ipConfigurations\":[{\"name\":\"ipconfig1\","
             "\"properties\":{\"subnet\":{\"id\":\"%s\"}%s}}]}}",
             location, anm, subnet, ip);
    return b;
}

/* PUT a NIC; returns its response (caller frees) after checking 201/200. */
static void put_nic(const char *sub, const char *rg, const char *name, const char *body,
                    long status, struct itest_resp *r)
{
    call("PUT", nic_url(sub, rg, name), NULL, body, r);
    if (r->status != status)
        fail_msg("PUT nic %s: expected %ld, got %s", name, status, itest_resp_str(r));
}

static const char *next_path(const char *link)
{
    size_t n = strlen(g.d.url);
    if (strncmp(link, g.d.url, n) != 0 || link[n] != '/')
        fail_msg("nextLink %s does not start with this daemon's URL %s", link, g.d.url);
    if (strstr(link, "api-version=2016-09-01") == NULL)
        fail_msg("nextLink %s lost the api-version", link);
    return link + n;
}

/* Follows a list through its nextLinks; appends every value[].id to out and
 * returns the number of pages. */
static int walk_pages(const char *first_path, size_t top, json_t *out)
{
    char path[2048];
    int pages = 0;
    snprintf(path, sizeof path, "%s", first_path);
    for (;;) {
        struct itest_resp r;
        call("GET", path, NULL, NULL, &r);
        ITEST_EXPECT_STATUS(&r, 200);
        json_t *value = json_object_get(r.json, "value");
        if (!json_is_array(value) || json_array_size(value) > top)
            fail_msg("GET %s: bad page: %s", path, itest_resp_str(&r));
        pages++;
        size_t i;
        json_t *item;
        json_array_foreach(value, i, item)
        {
            json_array_append_new(out, json_string(jstr(item, "id")));
        }
        json_t *next = json_object_get(r.json, "nextLink");
        if (next == NULL || json_is_null(next)) {
            itest_resp_free(&r);
            break;
        }
        if (json_array_size(value) != top)
            fail_msg("GET %s: a nextLink after a short page", path);
        snprintf(path, sizeof path, "%s", next_path(json_string_value(next)));
        itest_resp_free(&r);
        if (pages > 100)
            fail_msg("more than 100 pages: the nextLinks loop");
    }
    return pages;
}

#define VNET_BODY(loc, space, subnets)                                                        \
    "{\"location\":\"" loc "\",\"properties\":{\"addressSpace\":{\"addressPrefixes\":[" space \
    "]},\"subnets\":[" subnets "]}}"
#define SUBNET(name, prefix) \
    "{\"name\":\"" name "\",\"properties\":{\"addressPrefix\":\"" prefix "\"}}"

/* --- virtual networks ----------------------------------------------------------- */

static void test_vnet_crud(void **state)
{
    (void)state;
    struct itest_resp r;
    put_subscription(SUB_VNET);
    put_rg(SUB_VNET, "RG1", "westeurope");
    const char *body = "{\"location\":\"West Europe\",\"tags\":{\"env\":\"test\"},"
                       "\"properties\":{\"addressSpace\":{\"addressPrefixes\":[\"10.0.0.0/16\","
                       "\"10.1.0.0/16\"]},\"subnets\":[" SUBNET(
                           "default", "10.0.0.0/24") "," SUBNET("Back", "10.1.0.0/24") "]}}";
    call("PUT", vnet_url(SUB_VNET, "rg1", "VNet1"), NULL, body, &r);
    ITEST_EXPECT_STATUS(&r, 201);
    expect_str(&r, "id",
               "/subscriptions/" SUB_VNET "/resourceGroups/RG1" NETP "/virtualNetworks/VNet1");
    expect_str(&r, "name", "VNet1");
    expect_str(&r, "type", "Microsoft.Network/virtualNetworks");
    expect_str(&r, "location", "westeurope");
    expect_str(&r, "tags.env", "test");
    expect_str(&r, "properties.provisioningState", "Succeeded");
    expect_str(&r, "properties.addressSpace.addressPrefixes[0]", "10.0.0.0/16");
    expect_str(&r, "properties.addressSpace.addressPrefixes[1]", "10.1.0.0/16");
    /* Subnets in name order, with full ids. */
    expect_str(&r, "properties.subnets[0].name", "Back");
    expect_str(&r, "properties.subnets[1].name", "default");
    expect_str(&r, "properties.subnets[1].id",
               "/subscriptions/" SUB_VNET "/resourceGroups/RG1" NETP
               "/virtualNetworks/VNet1/subnets/default");
    expect_str(&r, "properties.subnets[1].type", "Microsoft.Network/virtualNetworks/subnets");
    expect_str(&r, "properties.subnets[1].properties.addressPrefix", "10.0.0.0/24");
    assert_true(json_is_array(jget(r.json, "properties.subnets[1].properties.ipConfigurations")));
    assert_true(itest_is_uuid(jstr(r.json, "properties.resourceGuid")));
    const char *etag = jstr(r.json, "etag");
    assert_true(etag && strncmp(etag, "W/\"", 3) == 0);
    char etag1[128];
    snprintf(etag1, sizeof etag1, "%s", etag);
    json_int_t seg = json_integer_value(jget(r.json, "properties.accelnetSegmentId"));
    assert_true(seg >= 4096 && seg <= 16777215);
    itest_resp_free(&r);
    assert_int_equal(pg_long("SELECT segment_id FROM virtual_networks WHERE name = 'VNet1'"
                             " AND subscription_id = '%s'",
                             SUB_VNET),
                     seg);

    /* GET in any case; the names stay as stored. */
    call("GET", vnet_url(SUB_VNET, "rg1", "vnet1"), NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_str(&r, "name", "VNet1");
    expect_str(&r, "etag", etag1);
    itest_resp_free(&r);

    /* The same PUT again changes nothing, not even the etag (200). */
    call("PUT", vnet_url(SUB_VNET, "RG1", "VNET1"), NULL, body, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_str(&r, "etag", etag1);
    expect_str(&r, "name", "VNet1");
    itest_resp_free(&r);

    /* A second VNet gets another segment id. */
    put_vnet(SUB_VNET, "RG1", "VNet2", "westeurope", "10.0.0.0/16", "");
    assert_int_equal(pg_long("SELECT count(DISTINCT segment_id) FROM virtual_networks"
                             " WHERE subscription_id = '%s'",
                             SUB_VNET),
                     2);

    /* A change: new etag; a subnet left out is deleted. */
    call("PUT", vnet_url(SUB_VNET, "RG1", "VNet1"), NULL,
         VNET_BODY("westeurope", "\"10.0.0.0/16\"", SUBNET("default", "10.0.0.0/24")), &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_string_not_equal(jstr(r.json, "etag"), etag1);
    assert_int_equal(json_array_size(jget(r.json, "properties.subnets")), 1);
    assert_int_equal(json_object_size(jget(r.json, "tags")), 0);
    itest_resp_free(&r);
    assert_int_equal(pg_long("SELECT count(*) FROM subnets s JOIN virtual_networks v ON"
                             " v.id = s.vnet_id WHERE v.subscription_id = '%s' AND v.name = "
                             "'VNet1'",
                             SUB_VNET),
                     1);

    /* An absent subnets member means none. */
    expect("PUT", vnet_url(SUB_VNET, "RG1", "VNet1"),
           "{\"location\":\"westeurope\",\"properties\":{\"addressSpace\":{\"addressPrefixes\":["
           "\"10.0.0.0/16\"]}}}",
           200, NULL);
    call("GET", vnet_url(SUB_VNET, "RG1", "VNet1"), NULL, NULL, &r);
    assert_int_equal(json_array_size(jget(r.json, "properties.subnets")), 0);
    itest_resp_free(&r);

    /* What a GET returns can be sent back as it is. */
    call("GET", vnet_url(SUB_VNET, "RG1", "VNet2"), NULL, NULL, &r);
    char *text = json_dumps(r.json, JSON_COMPACT);
    char etag2[128];
    snprintf(etag2, sizeof etag2, "%s", jstr(r.json, "etag"));
    itest_resp_free(&r);
    call("PUT", vnet_url(SUB_VNET, "RG1", "VNet2"), NULL, text, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_str(&r, "etag", etag2);
    itest_resp_free(&r);
    free(text);

    /* The location cannot change. */
    expect("PUT", vnet_url(SUB_VNET, "RG1", "VNet2"),
           VNET_BODY("westcentralus", "\"10.0.0.0/16\"", ""), 409, "InvalidResourceLocation");

    /* PATCH: tags merge (set, remove with null); nothing else may be patched. */
    call("PATCH", vnet_url(SUB_VNET, "RG1", "VNet2"), NULL, "{\"tags\":{\"a\":\"1\",\"b\":\"2\"}}",
         &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_str(&r, "tags.a", "1");
    assert_string_not_equal(jstr(r.json, "etag"), etag2);
    itest_resp_free(&r);
    call("PATCH", vnet_url(SUB_VNET, "RG1", "VNet2"), NULL, "{\"tags\":{\"a\":null,\"c\":\"3\"}}",
         &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_null(jget(r.json, "tags.a"));
    expect_str(&r, "tags.b", "2");
    expect_str(&r, "tags.c", "3");
    itest_resp_free(&r);
    expect_problem("PATCH", vnet_url(SUB_VNET, "RG1", "VNet2"),
                   "{\"properties\":{\"addressSpace\":{}}}", 400, "InvalidRequestContent",
                   "properties");
    expect("PATCH", vnet_url(SUB_VNET, "RG1", "Nope"), "{\"tags\":{}}", 404, "ResourceNotFound");
    expect("PATCH", vnet_url(SUB_VNET, "NoGroup", "Nope"), "{\"tags\":{}}", 404,
           "ResourceGroupNotFound");
    expect("DELETE", vnet_url(SUB_VNET, "NoGroup", "Nope"), NULL, 404, "ResourceGroupNotFound");

    /* GET and DELETE of what is not there. */
    call("GET", vnet_url(SUB_VNET, "RG1", "Nope"), NULL, NULL, &r);
    ITEST_EXPECT_ERROR(&r, 404, "ResourceNotFound");
    assert_string_equal(itest_error_message(&r),
                        "The Resource 'Microsoft.Network/virtualNetworks/Nope' under resource "
                        "group 'RG1' was not found.");
    itest_resp_free(&r);
    expect("GET", vnet_url(SUB_VNET, "NoGroup", "VNet1"), NULL, 404, "ResourceGroupNotFound");
    expect("PUT", vnet_url(SUB_VNET, "NoGroup", "VNet1"),
           VNET_BODY("westeurope", "\"10.0.0.0/16\"", ""), 404, "ResourceGroupNotFound");

    /* (A DELETE of the group now deletes what it holds, as a long-running
     * operation: it_vm.c tests that cascade.) */
    expect("DELETE", vnet_url(SUB_VNET, "rg1", "vnet1"), NULL, 200, NULL);
    expect("DELETE", vnet_url(SUB_VNET, "rg1", "vnet1"), NULL, 204, NULL);
    expect("GET", vnet_url(SUB_VNET, "rg1", "vnet1"), NULL, 404, "ResourceNotFound");
    expect("DELETE", vnet_url(SUB_VNET, "RG1", "VNet2"), NULL, 200, NULL);
    expect("DELETE", "/subscriptions/" SUB_VNET "/resourcegroups/RG1?" AV, NULL, 200, NULL);
    assert_int_equal(
        pg_long("SELECT count(*) FROM virtual_networks WHERE subscription_id = '%s'", SUB_VNET), 0);
}

static void test_vnet_validation(void **state)
{
    (void)state;
    put_subscription(SUB_VBAD);
    put_subscription(SUB_OTHER);
    put_rg(SUB_OTHER, "rg", "westeurope");
    put_rg(SUB_VBAD, "rg", "westeurope");
    const char *url = vnet_url(SUB_VBAD, "rg", "v");

    expect("PUT", url, NULL, 400, "InvalidRequestContent");
    static const struct problem missing[] = {{"location", "InvalidRequestContent"},
                                             {"properties", "InvalidRequestContent"}};
    expect_problems("PUT", url, "{}", 400, "InvalidRequestContent", missing, 2);
    expect_problem("PUT", url, "{\"location\":\"westeurope\",\"properties\":{}}", 400,
                   "InvalidRequestContent", "properties.addressSpace");
    expect_problem("PUT", url,
                   "{\"location\":\"westeurope\",\"properties\":{\"addressSpace\":{"
                   "\"addressPrefixes\":[]}}}",
                   400, "InvalidRequestContent", "properties.addressSpace.addressPrefixes");
    expect("PUT", url, VNET_BODY("westeurope", "\"10.0.0.0/16\"", "") ",", 400,
           "InvalidRequestContent");
    expect_problem("PUT", url, VNET_BODY("atlantis", "\"10.0.0.0/16\"", ""), 400,
                   "LocationNotAvailableForResourceGroup", "location");
    expect_problem("PUT", url,
                   "{\"location\":\"westeurope\",\"sku\":1,\"properties\":{\"addressSpace\":{"
                   "\"addressPrefixes\":[\"10.0.0.0/16\"]}}}",
                   400, "InvalidRequestContent", "sku");
    expect_problem("PUT", url,
                   "{\"location\":\"westeurope\",\"properties\":{\"dhcp\":1,\"addressSpace\":{"
                   "\"addressPrefixes\":[\"10.0.0.0/16\"]}}}",
                   400, "InvalidRequestContent", "properties.dhcp");
    expect_problem("PUT", url,
                   "{\"location\":\"westeurope\",\"properties\":{\"enableDdosProtection\":true,"
                   "\"addressSpace\":{\"addressPrefixes\":[\"10.0.0.0/16\"]}}}",
                   400, "InvalidRequestContent", "properties.enableDdosProtection");
    expect_problem("PUT", url,
                   "{\"location\":\"westeurope\",\"name\":\"other\",\"properties\":{"
                   "\"addressSpace\":{\"addressPrefixes\":[\"10.0.0.0/16\"]}}}",
                   400, "InvalidRequestContent", "name");

    /* Address space. */
    const char *p0 = "properties.addressSpace.addressPrefixes[0]";
    const char *p1 = "properties.addressSpace.addressPrefixes[1]";
    struct itest_resp r;
    call("PUT", url, NULL, VNET_BODY("westeurope", "\"10.0.0.1/16\"", ""), &r);
    ITEST_EXPECT_ERROR(&r, 400, "InvalidCIDRNotation");
    assert_string_equal(jstr(r.json, "error.target"), p0);
    assert_non_null(strstr(itest_error_message(&r), "10.0.0.0/16"));
    itest_resp_free(&r);
    expect_problem("PUT", url, VNET_BODY("westeurope", "\"10.0.0.0/33\"", ""), 400,
                   "InvalidRequestContent", p0);
    expect_problem("PUT", url, VNET_BODY("westeurope", "\"10.0.0.0\"", ""), 400,
                   "InvalidRequestContent", p0);
    expect_problem("PUT", url, VNET_BODY("westeurope", "\"010.0.0.0/16\"", ""), 400,
                   "InvalidRequestContent", p0);
    expect_problem("PUT", url, VNET_BODY("westeurope", "\"fd00::/48\"", ""), 400,
                   "InvalidRequestContent", p0);
    expect_problem("PUT", url, VNET_BODY("westeurope", "\"10.0.0.0/30\"", ""), 400,
                   "InvalidRequestContent", p0);
    expect_problem("PUT", url, VNET_BODY("westeurope", "\"10.0.0.0/7\"", ""), 400,
                   "InvalidRequestContent", p0);
    expect_problem("PUT", url, VNET_BODY("westeurope", "\"10.0.0.0/16\",\"10.0.128.0/17\"", ""),
                   400, "VnetAddressPrefixesOverlap", p1);
    expect_problem("PUT", url, VNET_BODY("westeurope", "\"10.0.0.0/16\",\"10.0.0.0/16\"", ""), 400,
                   "VnetAddressPrefixesOverlap", p1);
    expect_problem("PUT", url, VNET_BODY("westeurope", "\"10.0.0.0/16\",3", ""), 400,
                   "InvalidRequestContent", p1);

    /* Subnets. */
    const char *s0 = "properties.subnets[0].properties.addressPrefix";
    const char *s1 = "properties.subnets[1].properties.addressPrefix";
    expect_problem("PUT", url,
                   VNET_BODY("westeurope", "\"10.0.0.0/16\"", SUBNET("a", "10.1.0.0/24")), 400,
                   "NetcfgSubnetRangeOutsideVnet", s0);
    expect_problem("PUT", url, VNET_BODY("westeurope", "\"10.0.0.0/16\"", SUBNET("a", "9.0.0.0/8")),
                   400, "NetcfgSubnetRangeOutsideVnet", s0);
    expect_problem("PUT", url,
                   VNET_BODY("westeurope", "\"10.0.0.0/16\"",
                             SUBNET("a", "10.0.0.0/24") "," SUBNET("b", "10.0.0.128/25")),
                   400, "NetcfgSubnetRangesOverlap", s1);
    expect_problem("PUT", url,
                   VNET_BODY("westeurope", "\"10.0.0.0/16\"", SUBNET("a", "10.0.0.1/24")), 400,
                   "InvalidCIDRNotation", s0);
    expect_problem("PUT", url,
                   VNET_BODY("westeurope", "\"10.0.0.0/16\"", SUBNET("a", "10.0.0.0/30")), 400,
                   "InvalidRequestContent", s0);
    expect_problem("PUT", url,
                   VNET_BODY("westeurope", "\"10.0.0.0/16\"",
                             SUBNET("a", "10.0.0.0/24") "," SUBNET("A", "10.0.1.0/24")),
                   400, "InvalidRequestContent", "properties.subnets[1].name");
    expect_problem("PUT", url,
                   VNET_BODY("westeurope", "\"10.0.0.0/16\"", SUBNET("-a", "10.0.0.0/24")), 400,
                   "InvalidResourceName", "properties.subnets[0].name");
    expect_problem("PUT", url,
                   VNET_BODY("westeurope", "\"10.0.0.0/16\"",
                             "{\"properties\":{\"addressPrefix\":\"10.0.0.0/24\"}}"),
                   400, "InvalidRequestContent", "properties.subnets[0].name");
    expect_problem("PUT", url,
                   VNET_BODY("westeurope", "\"10.0.0.0/16\"",
                             "{\"name\":\"a\",\"properties\":{\"addressPrefix\":\"10.0.0.0/24\","
                             "\"routeTable\":{}}}"),
                   400, "InvalidRequestContent", "properties.subnets[0].properties.routeTable");
    expect_problem("PUT", url, VNET_BODY("westeurope", "\"10.0.0.0/16\"", "7"), 400,
                   "InvalidRequestContent", "properties.subnets[0]");

    /* NSG references: the form, the subscription, existence, the location. */
    const char *nsgp = "properties.subnets[0].properties.networkSecurityGroup.id";
    char body[1024];
#define NSG_SUBNET(ref)                                                                     \
    snprintf(body, sizeof body,                                                             \
             VNET_BODY("westeurope", "\"10.0.0.0/16\"",                                     \
                       "{\"name\":\"a\",\"properties\":{\"addressPrefix\":\"10.0.0.0/24\"," \
                       "\"networkSecurityGroup\":{\"id\":\"%s\"}}}"),                       \
             ref)
    NSG_SUBNET("nsg1");
    expect_problem("PUT", url, body, 400, "InvalidResourceReference", nsgp);
    NSG_SUBNET("/subscriptions/" SUB_VBAD "/resourceGroups/rg" NETP "/virtualNetworks/x");
    expect_problem("PUT", url, body, 400, "InvalidResourceReference", nsgp);
    put_nsg_row(SUB_OTHER, "rg", "theirs", "westeurope");
    NSG_SUBNET("/subscriptions/" SUB_OTHER "/resourceGroups/rg" NETP
               "/networkSecurityGroups/theirs");
    expect_problem("PUT", url, body, 400, "InvalidResourceReference", nsgp);
    NSG_SUBNET("/subscriptions/" SUB_VBAD "/resourceGroups/rg" NETP "/networkSecurityGroups/none");
    expect_problem("PUT", url, body, 400, "InvalidResourceReference", nsgp);
    put_rg(SUB_VBAD, "east", "eastus");
    put_nsg_row(SUB_VBAD, "east", "far", "eastus");
    NSG_SUBNET("/subscriptions/" SUB_VBAD "/resourceGroups/east" NETP "/networkSecurityGroups/far");
    expect_problem("PUT", url, body, 400, "InvalidResourceReference", nsgp);
    snprintf(body, sizeof body,
             VNET_BODY("westeurope", "\"10.0.0.0/16\"",
                       "{\"name\":\"a\",\"properties\":{\"addressPrefix\":\"10.0.0.0/24\","
                       "\"networkSecurityGroup\":{\"name\":\"x\"}}}"));
    expect_problem("PUT", url, body, 400, "InvalidRequestContent",
                   "properties.subnets[0].properties.networkSecurityGroup");

    /* Several problems at once, each with its path and code. */
    static const struct problem many[] = {
        {"location", "InvalidRequestContent"},
        {"properties.addressSpace.addressPrefixes[0]", "InvalidCIDRNotation"},
        {"properties.subnets[0].name", "InvalidResourceName"},
        {"properties.subnets[1].properties.addressPrefix", "InvalidRequestContent"},
    };
    expect_problems(
        "PUT", url,
        "{\"location\":7,\"properties\":{\"addressSpace\":{\"addressPrefixes\":["
        "\"10.0.0.1/16\"]},\"subnets\":[" SUBNET("a!", "10.0.0.0/24") "," SUBNET("b", "x") "]}}",
        400, "InvalidCIDRNotation", many, 4);

    /* Bad names in the path. */
    expect("PUT", vnet_url(SUB_VBAD, "rg", "-v"), VNET_BODY("westeurope", "\"10.0.0.0/16\"", ""),
           400, "InvalidResourceName");
    expect("GET", vnet_url(SUB_VBAD, "rg", "v."), NULL, 400, "InvalidResourceName");
    expect("DELETE", vnet_url(SUB_VBAD, "rg.", "v"), NULL, 400, "InvalidResourceName");

    /* None of it was written. */
    assert_int_equal(
        pg_long("SELECT count(*) FROM virtual_networks WHERE subscription_id = '%s'", SUB_VBAD), 0);
}

/* --- subnets ------------------------------------------------------------------------ */

static void test_subnet_crud(void **state)
{
    (void)state;
    struct itest_resp r;
    put_subscription(SUB_SUBN);
    put_rg(SUB_SUBN, "rg", "westeurope");
    put_vnet(SUB_SUBN, "rg", "vnet", "westeurope", "10.0.0.0/16", "first=10.0.0.0/24");
    call("GET", vnet_url(SUB_SUBN, "rg", "vnet"), NULL, NULL, &r);
    char vetag[128];
    snprintf(vetag, sizeof vetag, "%s", jstr(r.json, "etag"));
    itest_resp_free(&r);

    /* Create a subnet as a child resource. */
    const char *url = subnet_url(SUB_SUBN, "rg", "vnet", "Second");
    call("PUT", url, NULL, "{\"properties\":{\"addressPrefix\":\"10.0.1.0/24\"}}", &r);
    ITEST_EXPECT_STATUS(&r, 201);
    expect_str(&r, "name", "Second");
    expect_str(&r, "id",
               "/subscriptions/" SUB_SUBN "/resourceGroups/rg" NETP
               "/virtualNetworks/vnet/subnets/Second");
    expect_str(&r, "type", "Microsoft.Network/virtualNetworks/subnets");
    expect_str(&r, "properties.addressPrefix", "10.0.1.0/24");
    expect_str(&r, "properties.provisioningState", "Succeeded");
    char setag[128];
    snprintf(setag, sizeof setag, "%s", jstr(r.json, "etag"));
    itest_resp_free(&r);
    /* The VNet changed with it. */
    call("GET", vnet_url(SUB_SUBN, "rg", "vnet"), NULL, NULL, &r);
    assert_string_not_equal(jstr(r.json, "etag"), vetag);
    assert_int_equal(json_array_size(jget(r.json, "properties.subnets")), 2);
    itest_resp_free(&r);

    /* Identical PUT: 200 and the same etag; GET in another case. */
    call("PUT", subnet_url(SUB_SUBN, "RG", "VNET", "second"), NULL,
         "{\"name\":\"second\",\"properties\":{\"addressPrefix\":\"10.0.1.0/24\"}}", &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_str(&r, "etag", setag);
    expect_str(&r, "name", "Second");
    itest_resp_free(&r);
    call("GET", subnet_url(SUB_SUBN, "RG", "VNET", "SECOND"), NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_str(&r, "etag", setag);
    itest_resp_free(&r);

    /* A change: a new etag. */
    call("PUT", url, NULL, "{\"properties\":{\"addressPrefix\":\"10.0.2.0/23\"}}", &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_string_not_equal(jstr(r.json, "etag"), setag);
    itest_resp_free(&r);

    /* Rules. */
    expect_problem("PUT", url, "{\"properties\":{\"addressPrefix\":\"10.1.0.0/24\"}}", 400,
                   "NetcfgSubnetRangeOutsideVnet", "properties.addressPrefix");
    expect_problem("PUT", url, "{\"properties\":{\"addressPrefix\":\"10.0.0.0/23\"}}", 400,
                   "NetcfgSubnetRangesOverlap", "properties.addressPrefix");
    expect_problem("PUT", url, "{\"properties\":{\"addressPrefix\":\"10.0.2.1/23\"}}", 400,
                   "InvalidCIDRNotation", "properties.addressPrefix");
    expect_problem("PUT", url, "{\"properties\":{}}", 400, "InvalidRequestContent",
                   "properties.addressPrefix");
    expect_problem("PUT", url,
                   "{\"name\":\"third\",\"properties\":{\"addressPrefix\":\"10.0.2.0/23\"}}", 400,
                   "InvalidRequestContent", "name");
    expect("PUT", subnet_url(SUB_SUBN, "rg", "vnet", "a%20b"),
           "{\"properties\":{\"addressPrefix\":\"10.0.9.0/24\"}}", 400, "InvalidResourceName");
    expect("PUT", subnet_url(SUB_SUBN, "rg", "nonet", "x"),
           "{\"properties\":{\"addressPrefix\":\"10.0.9.0/24\"}}", 404, "ParentResourceNotFound");
    expect("GET", subnet_url(SUB_SUBN, "rg", "nonet", "x"), NULL, 404, "ParentResourceNotFound");
    expect("PUT", subnet_url(SUB_SUBN, "nogroup", "vnet", "x"),
           "{\"properties\":{\"addressPrefix\":\"10.0.9.0/24\"}}", 404, "ResourceGroupNotFound");
    expect("GET", subnet_url(SUB_SUBN, "nogroup", "vnet", "x"), NULL, 404, "ResourceGroupNotFound");
    expect("GET",
           "/subscriptions/" SUB_SUBN "/resourceGroups/rg" NETP
           "/virtualNetworks/nonet/subnets?" AV,
           NULL, 404, "ParentResourceNotFound");
    expect("GET",
           "/subscriptions/" SUB_SUBN "/resourceGroups/nogroup" NETP
           "/virtualNetworks/vnet/subnets?" AV,
           NULL, 404, "ResourceGroupNotFound");
    expect("DELETE", subnet_url(SUB_SUBN, "rg", "nonet", "x"), NULL, 204, NULL);
    expect("DELETE", subnet_url(SUB_SUBN, "nogroup", "vnet", "x"), NULL, 404,
           "ResourceGroupNotFound");
    call("GET", subnet_url(SUB_SUBN, "rg", "vnet", "none"), NULL, NULL, &r);
    ITEST_EXPECT_ERROR(&r, 404, "ResourceNotFound");
    assert_string_equal(itest_error_message(&r),
                        "The Resource 'Microsoft.Network/virtualNetworks/vnet/subnets/none' under "
                        "resource group 'rg' was not found.");
    itest_resp_free(&r);

    /* With a network security group (of the VNet's location). */
    put_nsg_row(SUB_SUBN, "rg", "Guard", "westeurope");
    char body[512];
    snprintf(body, sizeof body,
             "{\"properties\":{\"addressPrefix\":\"10.0.2.0/23\",\"networkSecurityGroup\":{"
             "\"id\":\"/subscriptions/%s/resourceGroups/RG" NETP
             "/networkSecurityGroups/guard\",\"location\":\"westeurope\",\"tags\":{}}}}",
             SUB_SUBN);
    call("PUT", url, NULL, body, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_str(&r, "properties.networkSecurityGroup.id",
               "/subscriptions/" SUB_SUBN "/resourceGroups/rg" NETP "/networkSecurityGroups/Guard");
    itest_resp_free(&r);
    assert_int_equal(pg_long("SELECT count(*) FROM subnets s JOIN network_security_groups n ON"
                             " n.id = s.nsg_id WHERE n.name = 'Guard' AND n.subscription_id ="
                             " '%s'",
                             SUB_SUBN),
                     1);
    /* Without it again. */
    expect("PUT", url, "{\"properties\":{\"addressPrefix\":\"10.0.2.0/23\"}}", 200, NULL);
    assert_int_equal(pg_long("SELECT count(*) FROM subnets s JOIN virtual_networks v ON v.id ="
                             " s.vnet_id WHERE v.subscription_id = '%s' AND s.nsg_id IS NOT NULL",
                             SUB_SUBN),
                     0);

    /* List. */
    call("GET",
         "/subscriptions/" SUB_SUBN "/resourceGroups/rg" NETP "/virtualNetworks/vnet/subnets?" AV,
         NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_int_equal(json_array_size(jget(r.json, "value")), 2);
    expect_str(&r, "value[0].name", "first");
    expect_str(&r, "value[1].name", "Second");
    itest_resp_free(&r);

    /* DELETE: 200, then 204; the VNet changes. */
    call("GET", vnet_url(SUB_SUBN, "rg", "vnet"), NULL, NULL, &r);
    snprintf(vetag, sizeof vetag, "%s", jstr(r.json, "etag"));
    itest_resp_free(&r);
    expect("DELETE", url, NULL, 200, NULL);
    expect("DELETE", url, NULL, 204, NULL);
    expect("GET", url, NULL, 404, "ResourceNotFound");
    call("GET", vnet_url(SUB_SUBN, "rg", "vnet"), NULL, NULL, &r);
    assert_string_not_equal(jstr(r.json, "etag"), vetag);
    assert_int_equal(json_array_size(jget(r.json, "properties.subnets")), 1);
    itest_resp_free(&r);
}

/* Shrinking the address space under a subnet is refused. */
static void test_vnet_shrink(void **state)
{
    (void)state;
    put_subscription(SUB_SUBN);
    put_rg(SUB_SUBN, "rg", "westeurope");
    put_vnet(SUB_SUBN, "rg", "wide", "westeurope", "10.0.0.0/16", "s=10.0.200.0/24");
    expect_problem("PUT", vnet_url(SUB_SUBN, "rg", "wide"),
                   VNET_BODY("westeurope", "\"10.0.0.0/17\"", SUBNET("s", "10.0.200.0/24")), 400,
                   "NetcfgSubnetRangeOutsideVnet",
                   "properties.subnets[0].properties.addressPrefix");
    /* Another prefix that holds it is fine. */
    expect(
        "PUT", vnet_url(SUB_SUBN, "rg", "wide"),
        VNET_BODY("westeurope", "\"10.0.0.0/17\",\"10.0.128.0/17\"", SUBNET("s", "10.0.200.0/24")),
        200, NULL);
    char *p = pg_text("SELECT address_prefixes::text FROM virtual_networks WHERE name = 'wide'");
    assert_non_null(p);
    assert_string_equal(p, "{10.0.0.0/17,10.0.128.0/17}");
    free(p);
}

/* --- network interfaces --------------------------------------------------------------- */

static void test_nic_crud(void **state)
{
    (void)state;
    struct itest_resp r;
    put_subscription(SUB_NIC);
    put_rg(SUB_NIC, "Net", "westeurope");
    put_rg(SUB_NIC, "Apps", "westeurope");
    put_vnet(SUB_NIC, "Net", "VNet", "westeurope", "10.0.0.0/16", "Front=10.0.0.0/24");
    char sid[512];
    snprintf(sid, sizeof sid, "%s", subnet_id(SUB_NIC, "net", "vnet", "front"));
    char *body = nic_body("West Europe", sid, NULL, -1);
    put_nic(SUB_NIC, "apps", "Nic1", body, 201, &r);
    expect_str(&r, "id",
               "/subscriptions/" SUB_NIC "/resourceGroups/Apps" NETP "/networkInterfaces/Nic1");
    expect_str(&r, "name", "Nic1");
    expect_str(&r, "type", "Microsoft.Network/networkInterfaces");
    expect_str(&r, "location", "westeurope");
    expect_str(&r, "properties.provisioningState", "Succeeded");
    assert_true(itest_is_uuid(jstr(r.json, "properties.resourceGuid")));
    assert_true(json_is_false(jget(r.json, "properties.enableAcceleratedNetworking")));
    assert_true(json_is_false(jget(r.json, "properties.enableIPForwarding")));
    assert_null(jget(r.json, "properties.virtualMachine"));
    const char *mac = jstr(r.json, "properties.macAddress");
    assert_non_null(mac);
    assert_int_equal(strlen(mac), 17);
    assert_true(strncmp(mac, "00-0D-3A-", 9) == 0);
    for (int i = 9; i < 17; i++)
        assert_true((i % 3 == 2)
                        ? mac[i] == '-'
                        : (isdigit((unsigned char)mac[i]) || (mac[i] >= 'A' && mac[i] <= 'F')));
    const char *ic = "properties.ipConfigurations[0]";
    expect_str(&r, "properties.ipConfigurations[0].name", "ipconfig1");
    expect_str(&r, "properties.ipConfigurations[0].id",
               "/subscriptions/" SUB_NIC "/resourceGroups/Apps" NETP
               "/networkInterfaces/Nic1/ipConfigurations/ipconfig1");
    expect_str(&r, "properties.ipConfigurations[0].type",
               "Microsoft.Network/networkInterfaces/ipConfigurations");
    expect_str(&r, "properties.ipConfigurations[0].properties.privateIPAddress", "10.0.0.4");
    expect_str(&r, "properties.ipConfigurations[0].properties.privateIPAllocationMethod",
               "Dynamic");
    expect_str(&r, "properties.ipConfigurations[0].properties.privateIPAddressVersion", "IPv4");
    expect_str(&r, "properties.ipConfigurations[0].properties.subnet.id",
               "/subscriptions/" SUB_NIC "/resourceGroups/Net" NETP
               "/virtualNetworks/VNet/subnets/Front");
    assert_true(json_is_true(jget(r.json, "properties.ipConfigurations[0].properties.primary")));
    (void)ic;
    char etag[128], mac1[32];
    snprintf(etag, sizeof etag, "%s", jstr(r.json, "etag"));
    snprintf(mac1, sizeof mac1, "%s", mac);
    itest_resp_free(&r);

    /* The subnet lists who uses it. */
    call("GET", subnet_url(SUB_NIC, "Net", "VNet", "Front"), NULL, NULL, &r);
    expect_str(&r, "properties.ipConfigurations[0].id",
               "/subscriptions/" SUB_NIC "/resourceGroups/Apps" NETP
               "/networkInterfaces/Nic1/ipConfigurations/ipconfig1");
    itest_resp_free(&r);

    /* A second NIC gets the next address and another MAC. */
    put_nic(SUB_NIC, "apps", "Nic2", body, 201, &r);
    expect_str(&r, "properties.ipConfigurations[0].properties.privateIPAddress", "10.0.0.5");
    assert_string_not_equal(jstr(r.json, "properties.macAddress"), mac1);
    itest_resp_free(&r);

    /* Identical PUT: 200, same etag, same address and MAC. */
    put_nic(SUB_NIC, "APPS", "NIC1", body, 200, &r);
    expect_str(&r, "etag", etag);
    expect_str(&r, "name", "Nic1");
    expect_str(&r, "properties.macAddress", mac1);
    itest_resp_free(&r);

    /* What a GET returns can be sent back: nothing changes. */
    call("GET", nic_url(SUB_NIC, "apps", "nic1"), NULL, NULL, &r);
    char *text = json_dumps(r.json, JSON_COMPACT);
    itest_resp_free(&r);
    put_nic(SUB_NIC, "apps", "nic1", text, 200, &r);
    expect_str(&r, "etag", etag);
    itest_resp_free(&r);
    free(text);

    /* The lowest free address is .4 again once Nic1 is gone; a replace of Nic2
     * (new tags) keeps its Dynamic .5. */
    expect("DELETE", nic_url(SUB_NIC, "apps", "nic1"), NULL, 200, NULL);
    expect("DELETE", nic_url(SUB_NIC, "apps", "nic1"), NULL, 204, NULL);
    expect("GET", nic_url(SUB_NIC, "apps", "nic1"), NULL, 404, "ResourceNotFound");
    char tagged[2048];
    snprintf(tagged, sizeof tagged,
             "{\"location\":\"westeurope\",\"tags\":{\"t\":\"1\"},\"properties\":{"
             "\"enableIPForwarding\":true,\"ipConfigurations\":[{\"name\":\"ipconfig1\","
             "\"properties\":{\"subnet\":{\"id\":\"%s\"}}}]}}",
             sid);
    put_nic(SUB_NIC, "apps", "Nic2", tagged, 200, &r);
    expect_str(&r, "properties.ipConfigurations[0].properties.privateIPAddress", "10.0.0.5");
    expect_str(&r, "tags.t", "1");
    assert_true(json_is_true(jget(r.json, "properties.enableIPForwarding")));
    itest_resp_free(&r);
    put_nic(SUB_NIC, "apps", "Nic3", body, 201, &r);
    expect_str(&r, "properties.ipConfigurations[0].properties.privateIPAddress", "10.0.0.4");
    itest_resp_free(&r);

    /* PATCH tags. */
    call("PATCH", nic_url(SUB_NIC, "apps", "nic2"), NULL, "{\"tags\":{\"u\":\"2\"}}", &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_str(&r, "tags.t", "1");
    expect_str(&r, "tags.u", "2");
    expect_str(&r, "properties.ipConfigurations[0].properties.privateIPAddress", "10.0.0.5");
    itest_resp_free(&r);
    call("PATCH", nic_url(SUB_NIC, "apps", "nic2"), NULL, "{\"tags\":null}", &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_int_equal(json_object_size(jget(r.json, "tags")), 0);
    itest_resp_free(&r);
    expect_problem("PATCH", nic_url(SUB_NIC, "apps", "nic2"),
                   "{\"properties\":{\"enableIPForwarding\":false}}", 400, "InvalidRequestContent",
                   "properties.enableIPForwarding");
    expect("PATCH", nic_url(SUB_NIC, "apps", "none"), "{\"tags\":{}}", 404, "ResourceNotFound");
    expect("PATCH", nic_url(SUB_NIC, "nope", "none"), "{\"tags\":{}}", 404,
           "ResourceGroupNotFound");
    expect("GET", nic_url(SUB_NIC, "nope", "none"), NULL, 404, "ResourceGroupNotFound");
    expect("DELETE", nic_url(SUB_NIC, "nope", "none"), NULL, 404, "ResourceGroupNotFound");

    /* Lists at group and subscription scope. */
    call("GET", "/subscriptions/" SUB_NIC "/resourceGroups/apps" NETP "/networkInterfaces?" AV,
         NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_int_equal(json_array_size(jget(r.json, "value")), 2);
    expect_str(&r, "value[0].name", "Nic2");
    expect_str(&r, "value[1].name", "Nic3");
    itest_resp_free(&r);
    call("GET", "/subscriptions/" SUB_NIC NETP "/networkInterfaces?" AV, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_int_equal(json_array_size(jget(r.json, "value")), 2);
    itest_resp_free(&r);
    expect("GET", "/subscriptions/" SUB_NIC "/resourceGroups/nope" NETP "/networkInterfaces?" AV,
           NULL, 404, "ResourceGroupNotFound");

    /* Location: the NIC's must be the VNet's, and cannot change. */
    char *east = nic_body("eastus", sid, NULL, -1);
    expect_problem("PUT", nic_url(SUB_NIC, "apps", "NicEast"), east, 400,
                   "InvalidResourceReference",
                   "properties.ipConfigurations[0].properties.subnet.id");
    expect("PUT", nic_url(SUB_NIC, "apps", "Nic3"), east, 409, "InvalidResourceLocation");
    free(east);
    expect("PUT", nic_url(SUB_NIC, "nope", "x"), body, 404, "ResourceGroupNotFound");
    free(body);
}

static void test_nic_validation(void **state)
{
    (void)state;
    put_subscription(SUB_NBAD);
    put_subscription(SUB_OTHER);
    put_rg(SUB_NBAD, "rg", "westeurope");
    put_vnet(SUB_NBAD, "rg", "v1", "westeurope", "10.0.0.0/16", "a=10.0.0.0/24,b=10.0.1.0/24");
    put_vnet(SUB_NBAD, "rg", "v2", "westeurope", "10.1.0.0/16", "c=10.1.0.0/24");
    const char *url = nic_url(SUB_NBAD, "rg", "nic");
    char body[4096];
    char sa[512], sb[512], sc[512];
    snprintf(sa, sizeof sa, "%s", subnet_id(SUB_NBAD, "rg", "v1", "a"));
    snprintf(sb, sizeof sb, "%s", subnet_id(SUB_NBAD, "rg", "v1", "b"));
    snprintf(sc, sizeof sc, "%s", subnet_id(SUB_NBAD, "rg", "v2", "c"));

    expect("PUT", url, NULL, 400, "InvalidRequestContent");
    expect_problem("PUT", url, "{\"location\":\"westeurope\",\"properties\":{}}", 400,
                   "InvalidRequestContent", "properties.ipConfigurations");
    expect_problem("PUT", url,
                   "{\"location\":\"westeurope\",\"properties\":{\"ipConfigurations\":[]}}", 400,
                   "InvalidRequestContent", "properties.ipConfigurations");
    snprintf(body, sizeof body,
             "{\"location\":\"westeurope\",\"properties\":{\"ipConfigurations\":[{"
             "\"properties\":{\"subnet\":{\"id\":\"%s\"}}}]}}",
             sa);
    expect_problem("PUT", url, body, 400, "InvalidRequestContent",
                   "properties.ipConfigurations[0].name");
    expect_problem("PUT", url,
                   "{\"location\":\"westeurope\",\"properties\":{\"ipConfigurations\":[{"
                   "\"name\":\"c\",\"properties\":{}}]}}",
                   400, "InvalidRequestContent",
                   "properties.ipConfigurations[0].properties.subnet");
    expect_problem("PUT", url,
                   "{\"location\":\"westeurope\",\"properties\":{\"ipConfigurations\":[{"
                   "\"name\":\"c\",\"properties\":{\"subnet\":{}}}]}}",
                   400, "InvalidRequestContent",
                   "properties.ipConfigurations[0].properties.subnet");

#define NIC1(extra_props, ipc_props)                                                        \
    snprintf(body, sizeof body,                                                             \
             "{\"location\":\"westeurope\",\"properties\":{" extra_props                    \
             "\"ipConfigurations\":[{\"name\":\"c\",\"properties\":{\"subnet\":{\"id\":\"%" \
             "s\"}" ipc_props "}}]}}",                                                      \
             sa)
    const char *ipp = "properties.ipConfigurations[0].properties.privateIPAddress";
    NIC1("", ",\"privateIPAllocationMethod\":\"Static\"");
    expect_problem("PUT", url, body, 400, "InvalidRequestContent", ipp);
    NIC1("", ",\"privateIPAllocationMethod\":\"Static\",\"privateIPAddress\":\"10.0.0.256\"");
    expect_problem("PUT", url, body, 400, "InvalidRequestContent", ipp);
    NIC1("", ",\"privateIPAllocationMethod\":\"Sticky\"");
    expect_problem("PUT", url, body, 400, "InvalidRequestContent",
                   "properties.ipConfigurations[0].properties.privateIPAllocationMethod");
    NIC1("", ",\"privateIPAddressVersion\":\"IPv6\"");
    expect_problem("PUT", url, body, 400, "InvalidRequestContent",
                   "properties.ipConfigurations[0].properties.privateIPAddressVersion");
    NIC1("", ",\"primary\":false");
    expect_problem("PUT", url, body, 400, "OnePrimaryIpConfigurationRequired",
                   "properties.ipConfigurations[0].properties.primary");
    NIC1("", ",\"publicIPAddress\":{}");
    expect_problem("PUT", url, body, 400, "InvalidRequestContent",
                   "properties.ipConfigurations[0].properties.publicIPAddress");
    NIC1("\"enableAcceleratedNetworking\":\"yes\",", "");
    expect_problem("PUT", url, body, 400, "InvalidRequestContent",
                   "properties.enableAcceleratedNetworking");
    NIC1("\"dnsSettings\":{},", "");
    expect_problem("PUT", url, body, 400, "InvalidRequestContent", "properties.dnsSettings");
    NIC1("\"networkSecurityGroup\":{\"id\":\"/subscriptions/" SUB_NBAD "/resourceGroups/rg" NETP
         "/networkSecurityGroups/none\"},",
         "");
    expect_problem("PUT", url, body, 400, "InvalidResourceReference",
                   "properties.networkSecurityGroup.id");
    NIC1("\"networkSecurityGroup\":{\"id\":\"/subscriptions/" SUB_NBAD "/resourceGroups/rg" NETP
         "/virtualNetworks/v1\"},",
         "");
    expect_problem("PUT", url, body, 400, "InvalidResourceReference",
                   "properties.networkSecurityGroup.id");
    NIC1("", ",\"privateIPAllocationMethod\":\"Dynamic\",\"privateIPAddress\":\"10.0.0.9\"");
    expect_problem("PUT", url, body, 400, "InvalidRequestContent", ipp);

    /* Subnet references. */
    const char *sp = "properties.ipConfigurations[0].properties.subnet.id";
#define NIC_SUBNET(ref)                                                                            \
    snprintf(body, sizeof body,                                                                    \
             "{\"location\":\"westeurope\",\"properties\":{\"ipConfigurations\":[{\"name\":\"c\"," \
             "\"properties\":{\"subnet\":{\"id\":\"%s\"}}}]}}",                                    \
             ref)
    NIC_SUBNET("default");
    expect_problem("PUT", url, body, 400, "InvalidResourceReference", sp);
    NIC_SUBNET("/subscriptions/" SUB_NBAD "/resourceGroups/rg" NETP "/virtualNetworks/v1");
    expect_problem("PUT", url, body, 400, "InvalidResourceReference", sp);
    NIC_SUBNET("/subscriptions/" SUB_OTHER "/resourceGroups/rg" NETP
               "/virtualNetworks/v1/subnets/a");
    expect_problem("PUT", url, body, 400, "InvalidResourceReference", sp);
    NIC_SUBNET("/subscriptions/" SUB_NBAD "/resourceGroups/rg" NETP
               "/virtualNetworks/v1/subnets/none");
    expect_problem("PUT", url, body, 400, "InvalidResourceReference", sp);
    NIC_SUBNET("/subscriptions/" SUB_NBAD "/resourceGroups/rg" NETP
               "/virtualNetworks/none/subnets/a");
    expect_problem("PUT", url, body, 400, "InvalidResourceReference", sp);

    /* Several configurations: exactly one primary, distinct names, one VNet. */
#define NIC2(p1, s2, p2)                                                                       \
    snprintf(                                                                                  \
        body, sizeof body,                                                                     \
        "{\"location\":\"westeurope\",\"properties\":{\"ipConfigurations\":[{\"name\":\"c1\"," \
        "\"properties\":{\"subnet\":{\"id\":\"%s\"}" p1 "}},{\"name\":\"c2\","                 \
        "\"properties\":{\"subnet\":{\"id\":\"%s\"}" p2 "}}]}}",                               \
        sa, s2)
    NIC2("", sb, "");
    expect_problem("PUT", url, body, 400, "OnePrimaryIpConfigurationRequired",
                   "properties.ipConfigurations");
    NIC2(",\"primary\":true", sb, ",\"primary\":true");
    expect_problem("PUT", url, body, 400, "OnePrimaryIpConfigurationRequired",
                   "properties.ipConfigurations");
    NIC2(",\"primary\":true", sc, "");
    expect_problem("PUT", url, body, 400, "IpConfigurationsInDifferentVirtualNetworks",
                   "properties.ipConfigurations[1].properties.subnet.id");
    snprintf(body, sizeof body,
             "{\"location\":\"westeurope\",\"properties\":{\"ipConfigurations\":[{\"name\":\"c1\","
             "\"properties\":{\"primary\":true,\"subnet\":{\"id\":\"%s\"}}},{\"name\":\"C1\","
             "\"properties\":{\"subnet\":{\"id\":\"%s\"}}}]}}",
             sa, sa);
    expect_problem("PUT", url, body, 400, "InvalidRequestContent",
                   "properties.ipConfigurations[1].name");

    /* Several problems at once. */
    static const struct problem many[] = {
        {"location", "InvalidRequestContent"},
        {"properties.ipConfigurations[0].properties.privateIPAddress", "InvalidRequestContent"},
        {"properties.ipConfigurations[1].properties.subnet.id", "InvalidResourceReference"},
        {"properties.ipConfigurations", "OnePrimaryIpConfigurationRequired"},
    };
    snprintf(body, sizeof body,
             "{\"properties\":{\"ipConfigurations\":[{\"name\":\"c1\",\"properties\":{"
             "\"subnet\":{\"id\":\"%s\"},\"privateIPAllocationMethod\":\"Static\"}},{"
             "\"name\":\"c2\",\"properties\":{\"subnet\":{\"id\":\"x\"}}}]}}",
             sa);
    expect_problems("PUT", url, body, 400, "InvalidResourceReference", many, 4);

    /* Names in the path. */
    NIC_SUBNET(sa);
    expect("PUT", nic_url(SUB_NBAD, "rg", "_nic"), body, 400, "InvalidResourceName");
    char longname[100];
    memset(longname, 'n', 81);
    longname[81] = '\0';
    expect("PUT", nic_url(SUB_NBAD, "rg", longname), body, 400, "InvalidResourceName");

    /* Nothing was written. */
    assert_int_equal(
        pg_long("SELECT count(*) FROM network_interfaces WHERE subscription_id = '%s'", SUB_NBAD),
        0);
    /* The same body is fine with a valid name. */
    expect("PUT", url, body, 201, NULL);
    longname[80] = '\0';
    expect("PUT", nic_url(SUB_NBAD, "rg", longname), body, 201, NULL);
}

/* --- private IP addresses ---------------------------------------------------------------- */

static void test_static_ips(void **state)
{
    (void)state;
    struct itest_resp r;
    put_subscription(SUB_IP);
    put_rg(SUB_IP, "rg", "westeurope");
    put_vnet(SUB_IP, "rg", "v", "westeurope", "10.0.0.0/16", "s=10.0.0.0/24,t=10.0.1.0/24");
    char sid[512];
    snprintf(sid, sizeof sid, "%s", subnet_id(SUB_IP, "rg", "v", "s"));
    const char *ipp = "properties.ipConfigurations[0].properties.privateIPAddress";
    char *b;

    b = nic_body("westeurope", sid, "10.0.0.10", -1);
    put_nic(SUB_IP, "rg", "fixed", b, 201, &r);
    expect_str(&r, ipp, "10.0.0.10");
    expect_str(&r, "properties.ipConfigurations[0].properties.privateIPAllocationMethod", "Static");
    itest_resp_free(&r);
    /* Taken. */
    expect_problem("PUT", nic_url(SUB_IP, "rg", "other"), b, 400, "PrivateIPAddressInUse", ipp);
    free(b);
    /* Outside the subnet. */
    b = nic_body("westeurope", sid, "10.0.1.10", -1);
    expect_problem("PUT", nic_url(SUB_IP, "rg", "other"), b, 400, "PrivateIPAddressNotInSubnet",
                   ipp);
    free(b);
    /* Reserved: the first four and the last. */
    static const char *const reserved[] = {"10.0.0.0", "10.0.0.1", "10.0.0.2", "10.0.0.3",
                                           "10.0.0.255"};
    for (size_t i = 0; i < 5; i++) {
        b = nic_body("westeurope", sid, reserved[i], -1);
        expect_problem("PUT", nic_url(SUB_IP, "rg", "other"), b, 400, "PrivateIPAddressIsReserved",
                       ipp);
        free(b);
    }
    /* Dynamic takes the lowest free; the static one is skipped. */
    b = nic_body("westeurope", sid, NULL, -1);
    for (int i = 4; i <= 11; i++) {
        char name[16], want[16];
        snprintf(name, sizeof name, "dyn%d", i);
        snprintf(want, sizeof want, "10.0.0.%d", i == 10 ? 11 : i);
        if (i == 11)
            break;
        put_nic(SUB_IP, "rg", name, b, 201, &r);
        expect_str(&r, ipp, want);
        itest_resp_free(&r);
    }
    free(b);
    /* Static -> Dynamic keeping the address it has. */
    char body[4096];
    snprintf(body, sizeof body,
             "{\"location\":\"westeurope\",\"properties\":{\"ipConfigurations\":[{\"name\":"
             "\"ipconfig1\",\"properties\":{\"subnet\":{\"id\":\"%s\"},"
             "\"privateIPAllocationMethod\":\"Dynamic\",\"privateIPAddress\":\"10.0.0.10\"}}]}}",
             sid);
    put_nic(SUB_IP, "rg", "fixed", body, 200, &r);
    expect_str(&r, ipp, "10.0.0.10");
    expect_str(&r, "properties.ipConfigurations[0].properties.privateIPAllocationMethod",
               "Dynamic");
    itest_resp_free(&r);
    /* Dynamic -> Static at another address: the old one is free again. */
    b = nic_body("westeurope", sid, "10.0.0.200", -1);
    put_nic(SUB_IP, "rg", "fixed", b, 200, &r);
    expect_str(&r, ipp, "10.0.0.200");
    itest_resp_free(&r);
    free(b);
    b = nic_body("westeurope", sid, NULL, -1);
    put_nic(SUB_IP, "rg", "dyn11", b, 201, &r);
    expect_str(&r, ipp, "10.0.0.10");
    itest_resp_free(&r);
    free(b);
    /* Moving a configuration to another subnet gets an address there. */
    b = nic_body("westeurope", subnet_id(SUB_IP, "rg", "v", "t"), NULL, -1);
    put_nic(SUB_IP, "rg", "dyn4", b, 200, &r);
    expect_str(&r, ipp, "10.0.1.4");
    itest_resp_free(&r);
    free(b);
    /* Two configurations, one static, one dynamic; swapping addresses within
     * one NIC works. */
    snprintf(body, sizeof body,
             "{\"location\":\"westeurope\",\"properties\":{\"ipConfigurations\":[{\"name\":\"a\","
             "\"properties\":{\"primary\":true,\"subnet\":{\"id\":\"%s\"},"
             "\"privateIPAllocationMethod\":\"Static\",\"privateIPAddress\":\"10.0.0.50\"}},{"
             "\"name\":\"b\",\"properties\":{\"subnet\":{\"id\":\"%s\"},"
             "\"privateIPAllocationMethod\":\"Static\",\"privateIPAddress\":\"10.0.0.51\"}}]}}",
             sid, sid);
    put_nic(SUB_IP, "rg", "multi", body, 201, &r);
    expect_str(&r, "properties.ipConfigurations[0].properties.privateIPAddress", "10.0.0.50");
    expect_str(&r, "properties.ipConfigurations[1].properties.privateIPAddress", "10.0.0.51");
    itest_resp_free(&r);
    snprintf(body, sizeof body,
             "{\"location\":\"westeurope\",\"properties\":{\"ipConfigurations\":[{\"name\":\"a\","
             "\"properties\":{\"subnet\":{\"id\":\"%s\"},"
             "\"privateIPAllocationMethod\":\"Static\",\"privateIPAddress\":\"10.0.0.51\"}},{"
             "\"name\":\"b\",\"properties\":{\"primary\":true,\"subnet\":{\"id\":\"%s\"},"
             "\"privateIPAllocationMethod\":\"Static\",\"privateIPAddress\":\"10.0.0.50\"}}]}}",
             sid, sid);
    put_nic(SUB_IP, "rg", "multi", body, 200, &r);
    expect_str(&r, "properties.ipConfigurations[0].properties.privateIPAddress", "10.0.0.51");
    assert_true(json_is_false(jget(r.json, "properties.ipConfigurations[0].properties.primary")));
    assert_true(json_is_true(jget(r.json, "properties.ipConfigurations[1].properties.primary")));
    itest_resp_free(&r);
    /* Two configurations asking for one address. */
    snprintf(body, sizeof body,
             "{\"location\":\"westeurope\",\"properties\":{\"ipConfigurations\":[{\"name\":\"a\","
             "\"properties\":{\"primary\":true,\"subnet\":{\"id\":\"%s\"},"
             "\"privateIPAllocationMethod\":\"Static\",\"privateIPAddress\":\"10.0.0.60\"}},{"
             "\"name\":\"b\",\"properties\":{\"subnet\":{\"id\":\"%s\"},"
             "\"privateIPAllocationMethod\":\"Static\",\"privateIPAddress\":\"10.0.0.60\"}}]}}",
             sid, sid);
    expect_problem("PUT", nic_url(SUB_IP, "rg", "twice"), body, 400, "PrivateIPAddressInUse",
                   "properties.ipConfigurations[1].properties.privateIPAddress");
    /* The database agrees: no address twice in a subnet. */
    assert_int_equal(pg_long("SELECT count(*) - count(DISTINCT (subnet_id, private_ip)) FROM"
                             " nic_ip_configurations"),
                     0);
}

static void test_subnet_exhaustion(void **state)
{
    (void)state;
    struct itest_resp r;
    put_subscription(SUB_FULL);
    put_rg(SUB_FULL, "rg", "westeurope");
    put_vnet(SUB_FULL, "rg", "v", "westeurope", "10.9.0.0/16", "tiny=10.9.0.0/29");
    char *b = nic_body("westeurope", subnet_id(SUB_FULL, "rg", "v", "tiny"), NULL, -1);
    const char *ipp = "properties.ipConfigurations[0].properties.privateIPAddress";
    static const char *const want[] = {"10.9.0.4", "10.9.0.5", "10.9.0.6"};
    for (int i = 0; i < 3; i++) {
        char name[16];
        snprintf(name, sizeof name, "n%d", i);
        put_nic(SUB_FULL, "rg", name, b, 201, &r);
        expect_str(&r, ipp, want[i]);
        itest_resp_free(&r);
    }
    call("PUT", nic_url(SUB_FULL, "rg", "n3"), NULL, b, &r);
    ITEST_EXPECT_ERROR(&r, 400, "SubnetIsFull");
    assert_string_equal(jstr(r.json, "error.target"),
                        "properties.ipConfigurations[0].properties.subnet.id");
    assert_non_null(strstr(itest_error_message(&r), "tiny"));
    itest_resp_free(&r);
    assert_int_equal(pg_long("SELECT count(*) FROM network_interfaces WHERE subscription_id ="
                             " '%s'",
                             SUB_FULL),
                     3);
    /* .7 is the broadcast address: not even Static gets it. */
    char *s7 = nic_body("westeurope", subnet_id(SUB_FULL, "rg", "v", "tiny"), "10.9.0.7", -1);
    expect("PUT", nic_url(SUB_FULL, "rg", "n3"), s7, 400, "PrivateIPAddressIsReserved");
    free(s7);
    /* Free the middle one: the next NIC gets it. */
    expect("DELETE", nic_url(SUB_FULL, "rg", "n1"), NULL, 200, NULL);
    put_nic(SUB_FULL, "rg", "n3", b, 201, &r);
    expect_str(&r, ipp, "10.9.0.5");
    itest_resp_free(&r);
    free(b);
}

/* Concurrent creates in one small subnet: no address or MAC twice, and each
 * request either succeeds or gets SubnetIsFull. */
#define RACE_THREADS 8
#define RACE_EACH    4

struct race_arg {
    int thread;
    const char *body;
    int created, full, other;
    char other_text[512];
};

static void *race_run(void *p)
{
    struct race_arg *a = p;
    for (int i = 0; i < RACE_EACH; i++) {
        char path[512];
        snprintf(path, sizeof path,
                 "/subscriptions/" SUB_RACE "/resourceGroups/rg" NETP
                 "/networkInterfaces/race-%d-%d?" AV,
                 a->thread, i);
        struct itest_req rq = {.method = "PUT", .path = path, .body = a->body};
        struct itest_resp r;
        itest_do(&g.d, &rq, &r);
        const char *code = itest_error_code(&r);
        if (r.status == 201)
            a->created++;
        else if (r.status == 400 && code && strcmp(code, "SubnetIsFull") == 0)
            a->full++;
        else {
            a->other++;
            snprintf(a->other_text, sizeof a->other_text, "%s", itest_resp_str(&r));
        }
        itest_resp_free(&r);
    }
    return NULL;
}

static void test_concurrent_nics(void **state)
{
    (void)state;
    put_subscription(SUB_RACE);
    put_rg(SUB_RACE, "rg", "westeurope");
    /* A /27: 27 usable addresses for 32 creates. */
    put_vnet(SUB_RACE, "rg", "v", "westeurope", "10.20.0.0/16", "s=10.20.0.0/27");
    char *b = nic_body("westeurope", subnet_id(SUB_RACE, "rg", "v", "s"), NULL, -1);
    pthread_t th[RACE_THREADS];
    struct race_arg args[RACE_THREADS];
    for (int i = 0; i < RACE_THREADS; i++) {
        args[i] = (struct race_arg){.thread = i, .body = b};
        pthread_create(&th[i], NULL, race_run, &args[i]);
    }
    int created = 0, full = 0;
    for (int i = 0; i < RACE_THREADS; i++) {
        pthread_join(th[i], NULL);
        created += args[i].created;
        full += args[i].full;
        if (args[i].other)
            fail_msg("thread %d: %d unexpected answers, e.g. %s", i, args[i].other,
                     args[i].other_text);
    }
    free(b);
    assert_int_equal(created, 27);
    assert_int_equal(full, RACE_THREADS * RACE_EACH - 27);
    assert_int_equal(pg_long("SELECT count(DISTINCT ic.private_ip) FROM nic_ip_configurations ic"
                             " JOIN network_interfaces n ON n.id = ic.nic_id WHERE"
                             " n.subscription_id = '%s'",
                             SUB_RACE),
                     27);
    assert_int_equal(pg_long("SELECT count(DISTINCT mac_address) FROM network_interfaces WHERE"
                             " subscription_id = '%s'",
                             SUB_RACE),
                     27);
    /* Exactly the usable range .4 to .30. */
    assert_int_equal(pg_long("SELECT count(*) FROM nic_ip_configurations ic JOIN"
                             " network_interfaces n ON n.id = ic.nic_id WHERE n.subscription_id ="
                             " '%s' AND ic.private_ip BETWEEN '10.20.0.4' AND '10.20.0.30'",
                             SUB_RACE),
                     27);
}

/* --- in use ---------------------------------------------------------------------------- */

static void test_in_use(void **state)
{
    (void)state;
    struct itest_resp r;
    put_subscription(SUB_USE);
    put_rg(SUB_USE, "rg", "westeurope");
    put_vnet(SUB_USE, "rg", "v", "westeurope", "10.0.0.0/16", "s=10.0.0.0/24,t=10.0.1.0/24");
    char *b = nic_body("westeurope", subnet_id(SUB_USE, "rg", "v", "s"), NULL, -1);
    put_nic(SUB_USE, "rg", "nic", b, 201, &r);
    itest_resp_free(&r);
    char *s200 = nic_body("westeurope", subnet_id(SUB_USE, "rg", "v", "s"), "10.0.0.200", -1);
    put_nic(SUB_USE, "rg", "nic2", s200, 201, &r);
    itest_resp_free(&r);
    free(s200);

    /* A GET body sent back as it is (what SDKs do for a read-modify-write)
     * is accepted although it carries the read-only ipConfigurations, and
     * changes nothing, not even the etag. */
    const char *gets[] = {vnet_url(SUB_USE, "rg", "v"), subnet_url(SUB_USE, "rg", "v", "s")};
    for (size_t i = 0; i < 2; i++) {
        char url[512];
        snprintf(url, sizeof url, "%s", gets[i]);
        call("GET", url, NULL, NULL, &r);
        ITEST_EXPECT_STATUS(&r, 200);
        char *body = json_dumps(r.json, JSON_COMPACT);
        char etag[128];
        snprintf(etag, sizeof etag, "%s", jstr(r.json, "etag"));
        itest_resp_free(&r);
        call("PUT", url, NULL, body, &r);
        free(body);
        ITEST_EXPECT_STATUS(&r, 200);
        expect_str(&r, "etag", etag);
        itest_resp_free(&r);
    }

    /* The subnet, the VNet, and a VNet PUT without the subnet: 409. */
    call("DELETE", subnet_url(SUB_USE, "rg", "v", "s"), NULL, NULL, &r);
    ITEST_EXPECT_ERROR(&r, 409, "InUseSubnetCannotBeDeleted");
    assert_non_null(strstr(itest_error_message(&r), "nic/ipConfigurations/ipconfig1"));
    itest_resp_free(&r);
    expect("DELETE", vnet_url(SUB_USE, "rg", "v"), NULL, 409, "InUseSubnetCannotBeDeleted");
    expect_problem("PUT", vnet_url(SUB_USE, "rg", "v"),
                   VNET_BODY("westeurope", "\"10.0.0.0/16\"", SUBNET("t", "10.0.1.0/24")), 409,
                   "InUseSubnetCannotBeDeleted", "properties.subnets");
    /* An unused subnet can go. */
    expect("PUT", vnet_url(SUB_USE, "rg", "v"),
           VNET_BODY("westeurope", "\"10.0.0.0/16\"", SUBNET("s", "10.0.0.0/24")), 200, NULL);

    /* A new prefix must keep the given addresses usable (.4 and .200). */
    expect_problem("PUT", subnet_url(SUB_USE, "rg", "v", "s"),
                   "{\"properties\":{\"addressPrefix\":\"10.0.0.0/25\"}}", 400,
                   "InUseSubnetCannotBeUpdated", "properties.addressPrefix");
    char *prefix = pg_text("SELECT s.address_prefix::text FROM subnets s JOIN virtual_networks v"
                           " ON v.id = s.vnet_id WHERE v.subscription_id = '%s' AND s.name = 's'",
                           SUB_USE);
    assert_non_null(prefix);
    assert_string_equal(prefix, "10.0.0.0/24");
    free(prefix);
    expect_problem("PUT", vnet_url(SUB_USE, "rg", "v"),
                   VNET_BODY("westeurope", "\"10.0.0.0/16\"", SUBNET("s", "10.0.0.128/25")), 400,
                   "InUseSubnetCannotBeUpdated", "properties.subnets[0].properties.addressPrefix");
    /* Growing is fine; so is shrinking around them ... */
    expect("PUT", subnet_url(SUB_USE, "rg", "v", "s"),
           "{\"properties\":{\"addressPrefix\":\"10.0.0.0/23\"}}", 200, NULL);
    expect("PUT", subnet_url(SUB_USE, "rg", "v", "s"),
           "{\"properties\":{\"addressPrefix\":\"10.0.0.0/24\"}}", 200, NULL);
    /* ... unless one becomes the broadcast address. */
    char *s127 = nic_body("westeurope", subnet_id(SUB_USE, "rg", "v", "s"), "10.0.0.127", -1);
    put_nic(SUB_USE, "rg", "nic3", s127, 201, &r);
    itest_resp_free(&r);
    free(s127);
    expect("DELETE", nic_url(SUB_USE, "rg", "nic2"), NULL, 200, NULL);
    expect_problem("PUT", subnet_url(SUB_USE, "rg", "v", "s"),
                   "{\"properties\":{\"addressPrefix\":\"10.0.0.0/25\"}}", 400,
                   "InUseSubnetCannotBeUpdated", "properties.addressPrefix");
    expect("DELETE", nic_url(SUB_USE, "rg", "nic3"), NULL, 200, NULL);
    expect("PUT", subnet_url(SUB_USE, "rg", "v", "s"),
           "{\"properties\":{\"addressPrefix\":\"10.0.0.0/25\"}}", 200, NULL);

    /* A NIC attached to a VM cannot be deleted. */
    pg_exec("INSERT INTO virtual_machines (id, subscription_id, rg_key, name, location, etag,"
            " vm_size, image_publisher, image_offer, image_sku, image_version, computer_name,"
            " admin_username, provisioning_state, power_state) VALUES"
            " ('6f1c0c1e-0000-4000-8000-000000000001', '%s', 'rg', 'vm1', 'westeurope',"
            " gen_random_uuid(), 'Standard_A1', 'p', 'o', 's', 'latest', 'vm1', 'u', 'Succeeded',"
            " 'deallocated')",
            SUB_USE);
    pg_exec("UPDATE network_interfaces SET vm_id = '6f1c0c1e-0000-4000-8000-000000000001'"
            " WHERE name = 'nic' AND subscription_id = '%s'",
            SUB_USE);
    call("GET", nic_url(SUB_USE, "rg", "nic"), NULL, NULL, &r);
    assert_non_null(jget(r.json, "properties.virtualMachine"));
    itest_resp_free(&r);
    expect("DELETE", nic_url(SUB_USE, "rg", "nic"), NULL, 409, "NicInUse");
    assert_int_equal(pg_long("SELECT count(*) FROM network_interfaces WHERE name = 'nic' AND"
                             " subscription_id = '%s'",
                             SUB_USE),
                     1);
    pg_exec("UPDATE network_interfaces SET vm_id = NULL WHERE subscription_id = '%s'", SUB_USE);
    pg_exec("DELETE FROM virtual_machines WHERE subscription_id = '%s'", SUB_USE);
    expect("DELETE", nic_url(SUB_USE, "rg", "nic"), NULL, 200, NULL);
    /* Unused now. */
    expect("DELETE", subnet_url(SUB_USE, "rg", "v", "s"), NULL, 200, NULL);
    expect("DELETE", vnet_url(SUB_USE, "rg", "v"), NULL, 200, NULL);
    free(b);
}

/* --- Accelerated Networking: create-time only, eligibility ------------------------------ */

static void test_an_create_only(void **state)
{
    (void)state;
    struct itest_resp r;
    put_subscription(SUB_AN);
    set_feature(SUB_AN, "Registered");
    put_rg(SUB_AN, "rg", "westeurope");
    put_vnet(SUB_AN, "rg", "v", "westeurope", "10.0.0.0/16", "s=10.0.0.0/24");
    char sid[512];
    snprintf(sid, sizeof sid, "%s", subnet_id(SUB_AN, "rg", "v", "s"));
    const char *anp = "properties.enableAcceleratedNetworking";

    char *off = nic_body("westeurope", sid, NULL, 0);
    char *on = nic_body("westeurope", sid, NULL, 1);
    char *unsaid = nic_body("westeurope", sid, NULL, -1);
    put_nic(SUB_AN, "rg", "plain", off, 201, &r);
    char etag[128];
    snprintf(etag, sizeof etag, "%s", jstr(r.json, "etag"));
    itest_resp_free(&r);
    put_nic(SUB_AN, "rg", "fast", on, 201, &r);
    assert_true(json_is_true(jget(r.json, anp)));
    char fetag[128];
    snprintf(fetag, sizeof fetag, "%s", jstr(r.json, "etag"));
    itest_resp_free(&r);

    /* PUT that enables it on an existing NIC: refused, saying what to do. */
    call("PUT", nic_url(SUB_AN, "rg", "plain"), NULL, on, &r);
    ITEST_EXPECT_ERROR(&r, 400, "AcceleratedNetworkingCannotBeChangedOnExistingNic");
    assert_string_equal(jstr(r.json, "error.target"), anp);
    assert_non_null(strstr(itest_error_message(&r), "Create a new network interface"));
    itest_resp_free(&r);
    /* ... and disabling it too. */
    expect_problem("PUT", nic_url(SUB_AN, "rg", "fast"), off, 400,
                   "AcceleratedNetworkingCannotBeChangedOnExistingNic", anp);
    /* PATCH the same. */
    expect_problem("PATCH", nic_url(SUB_AN, "rg", "plain"),
                   "{\"properties\":{\"enableAcceleratedNetworking\":true}}", 400,
                   "AcceleratedNetworkingCannotBeChangedOnExistingNic", anp);
    expect_problem(
        "PATCH", nic_url(SUB_AN, "rg", "fast"),
        "{\"tags\":{\"a\":\"b\"},\"properties\":{\"enableAcceleratedNetworking\":false}}", 400,
        "AcceleratedNetworkingCannotBeChangedOnExistingNic", anp);
    /* Nothing changed. */
    assert_int_equal(pg_long("SELECT count(*) FROM network_interfaces WHERE subscription_id = '%s'"
                             " AND ((name = 'plain' AND enable_accelerated_networking) OR"
                             " (name = 'fast' AND NOT enable_accelerated_networking) OR"
                             " tags <> '{}')",
                             SUB_AN),
                     0);
    /* The same value, or leaving it out, is fine: nothing changes. */
    put_nic(SUB_AN, "rg", "plain", off, 200, &r);
    expect_str(&r, "etag", etag);
    itest_resp_free(&r);
    put_nic(SUB_AN, "rg", "fast", unsaid, 200, &r);
    expect_str(&r, "etag", fetag);
    assert_true(json_is_true(jget(r.json, anp)));
    itest_resp_free(&r);
    call("PATCH", nic_url(SUB_AN, "rg", "fast"), NULL,
         "{\"properties\":{\"enableAcceleratedNetworking\":true}}", &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_str(&r, "etag", fetag);
    itest_resp_free(&r);
    /* Even when the feature registration is gone, a replace of an existing
     * NIC is not a creation: no eligibility check. */
    set_feature(SUB_AN, "Unregistered");
    put_nic(SUB_AN, "rg", "fast", on, 200, &r);
    itest_resp_free(&r);
    free(off);
    free(on);
    free(unsaid);
}

static void test_eligibility(void **state)
{
    (void)state;
    struct itest_resp r;
    put_subscription(SUB_ELIG);
    put_rg(SUB_ELIG, "rg", "westeurope");
    put_rg(SUB_ELIG, "east", "eastus");
    put_vnet(SUB_ELIG, "rg", "v", "westeurope", "10.0.0.0/16", "s=10.0.0.0/24");
    put_vnet(SUB_ELIG, "east", "v", "eastus", "10.0.0.0/16", "s=10.0.0.0/24");
    char *on = nic_body("westeurope", subnet_id(SUB_ELIG, "rg", "v", "s"), NULL, 1);
    const char *url = nic_url(SUB_ELIG, "rg", "n");
    const char *anp = "properties.enableAcceleratedNetworking";
    static const struct {
        const char *state;
        const char *code;
        const char *says;
    } cases[] = {
        {"", "SubscriptionNotRegisteredForFeature", "NotRegistered"},
        {"Pending", "FeatureRegistrationPending", "Pending"},
        {"Rejected", "FeatureRegistrationRejected", "rejected"},
        {"Unregistering", "SubscriptionNotRegisteredForFeature", "Unregistering"},
        {"Unregistered", "SubscriptionNotRegisteredForFeature", "Unregistered"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        set_feature(SUB_ELIG, cases[i].state);
        call("PUT", url, NULL, on, &r);
        ITEST_EXPECT_ERROR(&r, 400, cases[i].code);
        assert_string_equal(jstr(r.json, "error.target"), anp);
        if (strstr(itest_error_message(&r), cases[i].says) == NULL)
            fail_msg("state %s: the message should say %s: %s", cases[i].state, cases[i].says,
                     itest_resp_str(&r));
        itest_resp_free(&r);
    }
    /* Without Accelerated Networking the feature does not matter. */
    char *off = nic_body("westeurope", subnet_id(SUB_ELIG, "rg", "v", "s"), NULL, 0);
    expect("PUT", nic_url(SUB_ELIG, "rg", "slow"), off, 201, NULL);
    free(off);
    assert_int_equal(pg_long("SELECT count(*) FROM network_interfaces WHERE subscription_id ="
                             " '%s' AND enable_accelerated_networking",
                             SUB_ELIG),
                     0);

    /* Registered: fine in westeurope, refused in eastus naming where it is. */
    set_feature(SUB_ELIG, "Registered");
    put_nic(SUB_ELIG, "rg", "n", on, 201, &r);
    assert_true(json_is_true(jget(r.json, anp)));
    itest_resp_free(&r);
    char *east = nic_body("eastus", subnet_id(SUB_ELIG, "east", "v", "s"), NULL, 1);
    call("PUT", nic_url(SUB_ELIG, "east", "n"), NULL, east, &r);
    ITEST_EXPECT_ERROR(&r, 400, "LocationIsNotPermittedToEnableAcceleratedNetworking");
    assert_string_equal(jstr(r.json, "error.target"), "location");
    assert_non_null(strstr(itest_error_message(&r), "westeurope"));
    assert_non_null(strstr(itest_error_message(&r), "westcentralus"));
    itest_resp_free(&r);
    /* Both at once: both reasons, the feature first. */
    set_feature(SUB_ELIG, "Pending");
    static const struct problem both[] = {
        {"properties.enableAcceleratedNetworking", "FeatureRegistrationPending"},
        {"location", "LocationIsNotPermittedToEnableAcceleratedNetworking"},
    };
    expect_problems("PUT", nic_url(SUB_ELIG, "east", "n"), east, 400, "FeatureRegistrationPending",
                    both, 2);
    free(east);
    free(on);
    assert_int_equal(pg_long("SELECT count(*) FROM network_interfaces WHERE subscription_id ="
                             " '%s' AND rg_key = 'east'",
                             SUB_ELIG),
                     0);
}

/* --- etags ------------------------------------------------------------------------------ */

static void test_etags(void **state)
{
    (void)state;
    struct itest_resp r;
    put_subscription(SUB_ETAG);
    put_rg(SUB_ETAG, "rg", "westeurope");
    static const char *const inm_any[] = {"If-None-Match: *", NULL};
    static const char *const im_any[] = {"If-Match: *", NULL};
    static const char *const im_stale[] = {"If-Match: W/\"00000000-0000-4000-8000-000000000000\"",
                                           NULL};
    const char *vbody = VNET_BODY("westeurope", "\"10.0.0.0/16\"", SUBNET("s", "10.0.0.0/24"));
    const char *vurl = vnet_url(SUB_ETAG, "rg", "v");

    /* VNet: If-Match on nothing, If-None-Match: * creates only. */
    call("PUT", vurl, im_any, vbody, &r);
    ITEST_EXPECT_ERROR(&r, 412, "PreconditionFailed");
    itest_resp_free(&r);
    call("PUT", vurl, inm_any, vbody, &r);
    ITEST_EXPECT_STATUS(&r, 201);
    char im[200];
    snprintf(im, sizeof im, "If-Match: %s", jstr(r.json, "etag"));
    itest_resp_free(&r);
    const char *im_cur[] = {im, NULL};
    call("PUT", vurl, inm_any, vbody, &r);
    ITEST_EXPECT_ERROR(&r, 412, "PreconditionFailed");
    itest_resp_free(&r);
    call("PUT", vurl, im_stale, vbody, &r);
    ITEST_EXPECT_ERROR(&r, 412, "PreconditionFailed");
    itest_resp_free(&r);
    call("PATCH", vurl, im_stale, "{\"tags\":{\"a\":\"b\"}}", &r);
    ITEST_EXPECT_ERROR(&r, 412, "PreconditionFailed");
    itest_resp_free(&r);
    call("DELETE", vurl, im_stale, NULL, &r);
    ITEST_EXPECT_ERROR(&r, 412, "PreconditionFailed");
    itest_resp_free(&r);
    call("PATCH", vurl, im_cur, "{\"tags\":{\"a\":\"b\"}}", &r);
    ITEST_EXPECT_STATUS(&r, 200);
    itest_resp_free(&r);
    /* Now the old etag is stale. */
    call("PUT", vurl, im_cur, vbody, &r);
    ITEST_EXPECT_ERROR(&r, 412, "PreconditionFailed");
    itest_resp_free(&r);
    assert_int_equal(pg_long("SELECT count(*) FROM virtual_networks WHERE subscription_id = '%s'"
                             " AND tags->>'a' = 'b'",
                             SUB_ETAG),
                     1);

    /* Subnet. */
    const char *surl = subnet_url(SUB_ETAG, "rg", "v", "s");
    const char *sbody = "{\"properties\":{\"addressPrefix\":\"10.0.0.0/24\"}}";
    call("PUT", surl, inm_any, sbody, &r);
    ITEST_EXPECT_ERROR(&r, 412, "PreconditionFailed");
    itest_resp_free(&r);
    call("PUT", subnet_url(SUB_ETAG, "rg", "v", "t"), im_any,
         "{\"properties\":{\"addressPrefix\":\"10.0.1.0/24\"}}", &r);
    ITEST_EXPECT_ERROR(&r, 412, "PreconditionFailed");
    itest_resp_free(&r);
    call("PUT", surl, im_stale, sbody, &r);
    ITEST_EXPECT_ERROR(&r, 412, "PreconditionFailed");
    itest_resp_free(&r);
    call("DELETE", surl, im_stale, NULL, &r);
    ITEST_EXPECT_ERROR(&r, 412, "PreconditionFailed");
    itest_resp_free(&r);
    call("GET", surl, NULL, NULL, &r);
    char sim[200];
    snprintf(sim, sizeof sim, "If-Match: %s", jstr(r.json, "etag"));
    itest_resp_free(&r);
    const char *sim_cur[] = {sim, NULL};
    call("PUT", surl, sim_cur, "{\"properties\":{\"addressPrefix\":\"10.0.0.0/23\"}}", &r);
    ITEST_EXPECT_STATUS(&r, 200);
    itest_resp_free(&r);

    /* NIC. */
    char *nbody = nic_body("westeurope", subnet_id(SUB_ETAG, "rg", "v", "s"), NULL, -1);
    const char *nurl = nic_url(SUB_ETAG, "rg", "n");
    call("PUT", nurl, im_any, nbody, &r);
    ITEST_EXPECT_ERROR(&r, 412, "PreconditionFailed");
    itest_resp_free(&r);
    assert_int_equal(pg_long("SELECT count(*) FROM network_interfaces WHERE subscription_id ="
                             " '%s'",
                             SUB_ETAG),
                     0);
    call("PUT", nurl, inm_any, nbody, &r);
    ITEST_EXPECT_STATUS(&r, 201);
    char nim[200];
    snprintf(nim, sizeof nim, "If-Match: %s", jstr(r.json, "etag"));
    itest_resp_free(&r);
    const char *nim_cur[] = {nim, NULL};
    call("PUT", nurl, inm_any, nbody, &r);
    ITEST_EXPECT_ERROR(&r, 412, "PreconditionFailed");
    itest_resp_free(&r);
    call("PATCH", nurl, im_stale, "{\"tags\":{}}", &r);
    ITEST_EXPECT_ERROR(&r, 412, "PreconditionFailed");
    itest_resp_free(&r);
    call("DELETE", nurl, im_stale, NULL, &r);
    ITEST_EXPECT_ERROR(&r, 412, "PreconditionFailed");
    itest_resp_free(&r);
    call("DELETE", nurl, nim_cur, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    itest_resp_free(&r);
    call("DELETE", nurl, im_any, NULL, &r);
    ITEST_EXPECT_ERROR(&r, 412, "PreconditionFailed");
    itest_resp_free(&r);
    free(nbody);
}

/* --- paging and names -------------------------------------------------------------------- */

static void test_paging(void **state)
{
    (void)state;
    put_subscription(SUB_PAGE);
    put_rg(SUB_PAGE, "b-group", "westeurope");
    put_rg(SUB_PAGE, "A-group", "westeurope");
    /* 4 VNets in b-group, 3 in A-group, mixed case. */
    static const char *const bnames[] = {"delta", "Alpha", "charlie", "Bravo"};
    static const char *const anames[] = {"zulu", "Yankee", "x-ray"};
    for (size_t i = 0; i < 4; i++)
        put_vnet(SUB_PAGE, "b-group", bnames[i], "westeurope", "10.0.0.0/16", "s=10.0.0.0/24");
    for (size_t i = 0; i < 3; i++)
        put_vnet(SUB_PAGE, "A-group", anames[i], "westeurope", "10.0.0.0/16", "");

    json_t *ids = json_array();
    int pages =
        walk_pages("/subscriptions/" SUB_PAGE NETP "/virtualNetworks?" AV "&$top=2", 2, ids);
    assert_int_equal(pages, 4);
    assert_int_equal(json_array_size(ids), 7);
    static const char *const order[] = {"x-ray", "Yankee",  "zulu", "Alpha",
                                        "Bravo", "charlie", "delta"};
    for (size_t i = 0; i < 7; i++) {
        const char *id = json_string_value(json_array_get(ids, i));
        const char *slash = strrchr(id, '/');
        if (strcmp(slash + 1, order[i]) != 0)
            fail_msg("item %zu is %s, expected %s", i, id, order[i]);
    }
    json_decref(ids);
    ids = json_array();
    pages = walk_pages("/subscriptions/" SUB_PAGE "/resourceGroups/B-GROUP" NETP
                       "/virtualNetworks?" AV "&$top=3",
                       3, ids);
    assert_int_equal(pages, 2);
    assert_int_equal(json_array_size(ids), 4);
    json_decref(ids);
    /* One page when everything fits. */
    ids = json_array();
    assert_int_equal(walk_pages("/subscriptions/" SUB_PAGE NETP "/virtualNetworks?" AV, 100, ids),
                     1);
    json_decref(ids);
    expect("GET", "/subscriptions/" SUB_PAGE NETP "/virtualNetworks?" AV "&$top=0", NULL, 400,
           "InvalidQueryParameterValue");
    expect("GET", "/subscriptions/" SUB_PAGE NETP "/virtualNetworks?" AV "&$skipToken=bm9zbGFzaA",
           NULL, 400, "InvalidQueryParameterValue");

    /* Subnets of one VNet. */
    for (int i = 1; i <= 4; i++) {
        char name[16], body[128];
        snprintf(name, sizeof name, "s%d", i);
        snprintf(body, sizeof body, "{\"properties\":{\"addressPrefix\":\"10.0.%d.0/24\"}}", i);
        expect("PUT", subnet_url(SUB_PAGE, "b-group", "alpha", name), body, 201, NULL);
    }
    ids = json_array();
    pages = walk_pages("/subscriptions/" SUB_PAGE "/resourceGroups/b-group" NETP
                       "/virtualNetworks/alpha/subnets?" AV "&$top=2",
                       2, ids);
    assert_int_equal(pages, 3);
    assert_int_equal(json_array_size(ids), 5);
    json_decref(ids);

    /* NICs across groups. */
    char *b = nic_body("westeurope", subnet_id(SUB_PAGE, "b-group", "alpha", "s"), NULL, -1);
    struct itest_resp r;
    static const char *const nics[] = {"n3", "N1", "n2"};
    for (size_t i = 0; i < 3; i++) {
        put_nic(SUB_PAGE, "b-group", nics[i], b, 201, &r);
        itest_resp_free(&r);
        put_nic(SUB_PAGE, "A-group", nics[i], b, 201, &r);
        itest_resp_free(&r);
    }
    free(b);
    ids = json_array();
    pages = walk_pages("/subscriptions/" SUB_PAGE NETP "/networkInterfaces?" AV "&$top=4", 4, ids);
    assert_int_equal(pages, 2);
    assert_int_equal(json_array_size(ids), 6);
    assert_non_null(strstr(json_string_value(json_array_get(ids, 0)), "/A-group/"));
    assert_non_null(strstr(json_string_value(json_array_get(ids, 0)), "/N1"));
    assert_non_null(strstr(json_string_value(json_array_get(ids, 5)), "/b-group/"));
    assert_non_null(strstr(json_string_value(json_array_get(ids, 5)), "/n3"));
    json_decref(ids);
    ids = json_array();
    pages = walk_pages("/subscriptions/" SUB_PAGE "/resourceGroups/a-group" NETP
                       "/networkInterfaces?" AV "&$top=1",
                       1, ids);
    assert_int_equal(pages, 3);
    json_decref(ids);
}

static void test_names(void **state)
{
    (void)state;
    struct itest_resp r;
    put_subscription(SUB_NAME);
    put_rg(SUB_NAME, "rg", "westeurope");
    const char *body = VNET_BODY("westeurope", "\"10.0.0.0/16\"", "");
    static const char *const good[] = {"a", "Z9", "v_", "v.n-1_", "0"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        expect("PUT", vnet_url(SUB_NAME, "rg", good[i]), body, 201, NULL);
    char name[100];
    memset(name, 'v', 80);
    name[80] = '\0';
    expect("PUT", vnet_url(SUB_NAME, "rg", name), body, 201, NULL);
    name[80] = 'v';
    name[81] = '\0';
    expect("PUT", vnet_url(SUB_NAME, "rg", name), body, 400, "InvalidResourceName");
    static const char *const bad[] = {"-a", "_a", ".a", "a.", "a-", "a%20b", "a!", "a@b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        expect("PUT", vnet_url(SUB_NAME, "rg", bad[i]), body, 400, "InvalidResourceName");
        expect("GET", nic_url(SUB_NAME, "rg", bad[i]), NULL, 400, "InvalidResourceName");
        expect("GET", subnet_url(SUB_NAME, "rg", "a", bad[i]), NULL, 400, "InvalidResourceName");
    }
    /* Unique ignoring case; the first spelling stays. */
    expect("PUT", vnet_url(SUB_NAME, "rg", "MyNet"), body, 201, NULL);
    call("PUT", vnet_url(SUB_NAME, "RG", "MYNET"), NULL,
         VNET_BODY("westeurope", "\"10.1.0.0/16\"", ""), &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_str(&r, "name", "MyNet");
    itest_resp_free(&r);
    assert_int_equal(pg_long("SELECT count(*) FROM virtual_networks WHERE subscription_id = '%s'"
                             " AND lower(name) = 'mynet'",
                             SUB_NAME),
                     1);
    /* Another group may use the name. */
    put_rg(SUB_NAME, "rg2", "westeurope");
    expect("PUT", vnet_url(SUB_NAME, "rg2", "mynet"), body, 201, NULL);
    /* A subnet keeps its first spelling through a VNet PUT too. */
    expect("PUT", vnet_url(SUB_NAME, "rg", "a"),
           VNET_BODY("westeurope", "\"10.0.0.0/16\"", SUBNET("Sub", "10.0.0.0/24")), 200, NULL);
    call("PUT", vnet_url(SUB_NAME, "rg", "a"), NULL,
         VNET_BODY("westeurope", "\"10.0.0.0/16\"", SUBNET("SUB", "10.0.0.0/25")), &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_str(&r, "properties.subnets[0].name", "Sub");
    expect_str(&r, "properties.subnets[0].properties.addressPrefix", "10.0.0.0/25");
    itest_resp_free(&r);
}

static void test_log_lines(void **state)
{
    (void)state;
    assert_int_equal(itest_log_all_json(&g.d), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vnet_crud),       cmocka_unit_test(test_vnet_validation),
        cmocka_unit_test(test_subnet_crud),     cmocka_unit_test(test_vnet_shrink),
        cmocka_unit_test(test_nic_crud),        cmocka_unit_test(test_nic_validation),
        cmocka_unit_test(test_static_ips),      cmocka_unit_test(test_subnet_exhaustion),
        cmocka_unit_test(test_concurrent_nics), cmocka_unit_test(test_in_use),
        cmocka_unit_test(test_an_create_only),  cmocka_unit_test(test_eligibility),
        cmocka_unit_test(test_etags),           cmocka_unit_test(test_paging),
        cmocka_unit_test(test_names),           cmocka_unit_test(test_log_lines),
    };
    return cmocka_run_group_tests_name("it_network", tests, setup, teardown);
}
