/* it_nsg — network security groups and security rules (issue 4, "Network
 * security groups"): CRUD of groups and of rules as child resources, the
 * inline rule set replaced by a PUT, Azure's default rules, validation (every
 * problem with its code and JSON path, nothing written), priority conflicts,
 * the policy generation, etags, paging, case-insensitive names, who refers
 * to a group and the delete refused while it is referenced. Against a real
 * accelnetd over HTTPS and a real PostgreSQL database; what the daemon wrote
 * is checked in the database, and the reference queries (db/nsg.h) are run
 * against it directly. */
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

#include "db/nsg.h"
#include "tests/integration/itest.h"

#define AV ITEST_AV

/* Each test has subscriptions of its own (one daemon, one database). */
#define SUB_CRUD  "a0000001-0000-4000-8000-000000000001"
#define SUB_REPL  "a0000002-0000-4000-8000-000000000002"
#define SUB_DEF   "a0000003-0000-4000-8000-000000000003"
#define SUB_BAD   "a0000004-0000-4000-8000-000000000004"
#define SUB_CONF  "a0000005-0000-4000-8000-000000000005"
#define SUB_RULE  "a0000006-0000-4000-8000-000000000006"
#define SUB_ETAG  "a0000007-0000-4000-8000-000000000007"
#define SUB_PAGE  "a0000008-0000-4000-8000-000000000008"
#define SUB_PAGE2 "a0000009-0000-4000-8000-000000000009"
#define SUB_CASE  "a000000a-0000-4000-8000-00000000000a"
#define SUB_USE   "a000000b-0000-4000-8000-00000000000b"
#define SUB_RACE  "a000000c-0000-4000-8000-00000000000c"

#define PROV "/providers/Microsoft.Network/networkSecurityGroups"

static struct {
    char *conninfo;
    struct itest_daemon d;
} g;

static int setup(void **state)
{
    (void)state;
    g.conninfo = itest_db_create("it_nsg");
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
    if (g.d.pid > 0) {
        /* The sanitizer build exits non-zero on a leak: every handler above
         * ran in this daemon. */
        int st = itest_daemon_stop(&g.d, 20000);
        if (st != 0) {
            fprintf(stderr, "it_nsg: accelnetd exited with %d after SIGTERM, expected 0\n", st);
            rc = -1;
        }
    }
    free(g.conninfo);
    return rc;
}

/* --- helpers ---------------------------------------------------------------- */

/* printf into one of a ring of static buffers: paths and bodies for one
 * statement or two without free()s. */
static const char *F(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *F(const char *fmt, ...)
{
    static char ring[16][8192];
    static int next;
    char *b = ring[next++ % 16];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof ring[0], fmt, ap);
    va_end(ap);
    return b;
}

/* The group's path (and query) under subscription sub, resource group rg. */
#define NSG_PATH(sub, rg, name) \
    F("/subscriptions/%s/resourceGroups/%s" PROV "/%s?" AV, sub, rg, name)
#define NSG_SUB(sub, rg, name, rest) \
    F("/subscriptions/%s/resourceGroups/%s" PROV "/%s%s?" AV, sub, rg, name, rest)

static void call(const char *method, const char *path, const char *const *headers, const char *body,
                 struct itest_resp *r)
{
    struct itest_req rq = {
        .method = method, .path = path, .auth = ITEST_AUTH_ADMIN, .headers = headers, .body = body};
    itest_do(&g.d, &rq, r);
    if (itest_header(r, "x-ms-request-id") == NULL && r->status > 0)
        fail_msg("%s %s: no x-ms-request-id: %s", method, path, itest_resp_str(r));
}

/* call(), check status and (when code != NULL) error code; frees r. */
static void expect(const char *method, const char *path, const char *body, long status,
                   const char *code)
{
    struct itest_resp r;
    call(method, path, NULL, body, &r);
    if (code)
        ITEST_EXPECT_ERROR(&r, status, code);
    else
        ITEST_EXPECT_STATUS(&r, status);
    itest_resp_free(&r);
}

static const char *jstr(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static json_t *jprops(const json_t *o)
{
    return json_object_get(o, "properties");
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
    char sql[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    if (itest_pg_exec(g.conninfo, sql) != 0)
        fail_msg("SQL failed: %s", sql);
}

/* A subscription with resource group rg (westeurope). */
static void make_sub(const char *sub, const char *rg)
{
    expect("PUT", F("/admin/subscriptions/%s?" AV, sub), "{\"displayName\":\"it_nsg\"}", 201, NULL);
    if (rg)
        expect("PUT", F("/subscriptions/%s/resourcegroups/%s?" AV, sub, rg),
               "{\"location\":\"westeurope\",\"tags\":{}}", 201, NULL);
}

/* The generation stored for group `name` of subscription sub. */
static long long generation(const char *sub, const char *name)
{
    return pg_long("SELECT generation FROM network_security_groups WHERE subscription_id = '%s'"
                   " AND lower(name) = lower('%s')",
                   sub, name);
}

static long long rule_count(const char *sub, const char *name)
{
    return pg_long("SELECT count(*) FROM security_rules r JOIN network_security_groups n"
                   " ON n.id = r.nsg_id WHERE n.subscription_id = '%s'"
                   " AND lower(n.name) = lower('%s')",
                   sub, name);
}

/* One rule as it appears in a request: "*" everywhere but what is given. */
#define RULE(name, prio, dir)                                                                  \
    "{\"name\":\"" name "\",\"properties\":{\"protocol\":\"Tcp\",\"access\":\"Allow\","        \
    "\"direction\":\"" dir "\",\"priority\":" #prio ",\"sourceAddressPrefix\":\"*\","          \
    "\"destinationAddressPrefix\":\"*\",\"sourcePortRange\":\"*\",\"destinationPortRange\":\"" \
    "80\"}}"
#define RULE_PROPS(prio, dir, port)                                                            \
    "{\"properties\":{\"protocol\":\"Tcp\",\"access\":\"Allow\",\"direction\":\"" dir "\","    \
    "\"priority\":" #prio ",\"sourceAddressPrefix\":\"*\",\"destinationAddressPrefix\":\"*\"," \
    "\"sourcePortRange\":\"*\",\"destinationPortRange\":\"" port "\"}}"
#define NSG_BODY(rules) \
    "{\"location\":\"westeurope\",\"properties\":{\"securityRules\":[" rules "]}}"

/* The value[i] of json array a whose "name" is name, or NULL. */
static json_t *by_name(const json_t *a, const char *name)
{
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        if (jstr(v, "name") && strcmp(jstr(v, "name"), name) == 0)
            return v;
    }
    return NULL;
}

/* A rule's etag in the group body r. */
static const char *rule_etag(const json_t *nsg, const char *rule)
{
    json_t *v = by_name(json_object_get(jprops(nsg), "securityRules"), rule);
    if (!v)
        fail_msg("no rule %s in the group", rule);
    return jstr(v, "etag");
}

/* Appends s and a comma to buf (size bytes). */
static void add_name(char *buf, size_t size, const char *s)
{
    size_t n = strlen(buf);
    snprintf(buf + n, size - n, "%s,", s ? s : "(null)");
}

struct det {
    const char *target;
    const char *code;
};

/* 400 with top-level code `code` and exactly the details dets (n of them). */
static void expect_details(const char *method, const char *path, const char *body, const char *code,
                           const struct det *dets, size_t n)
{
    struct itest_resp r;
    call(method, path, NULL, body, &r);
    ITEST_EXPECT_ERROR(&r, 400, code);
    json_t *details = json_object_get(json_object_get(r.json, "error"), "details");
    for (size_t k = 0; k < n; k++) {
        size_t i;
        json_t *d;
        int found = 0;
        json_array_foreach(details, i, d)
        {
            if (jstr(d, "target") && strcmp(jstr(d, "target"), dets[k].target) == 0) {
                found = 1;
                if (!jstr(d, "code") || strcmp(jstr(d, "code"), dets[k].code) != 0)
                    fail_msg("%s %s: detail %s has code %s, expected %s: %s", method, path,
                             dets[k].target, jstr(d, "code"), dets[k].code, itest_resp_str(&r));
            }
        }
        if (!found)
            fail_msg("%s %s: no detail with target %s: %s", method, path, dets[k].target,
                     itest_resp_str(&r));
    }
    if (json_array_size(details) != n)
        fail_msg("%s %s: expected %zu details, got %s", method, path, n, itest_resp_str(&r));
    itest_resp_free(&r);
}

/* --- the default rules, as ARM shows them ------------------------------------------ */

#define DEF(name, desc, src, dst, access, prio, dir)                                         \
    "{\"name\":\"" name "\",\"type\":\"Microsoft.Network/networkSecurityGroups/"             \
    "defaultSecurityRules\",\"properties\":{\"provisioningState\":\"Succeeded\","            \
    "\"description\":\"" desc "\",\"protocol\":\"*\",\"sourcePortRange\":\"*\","             \
    "\"destinationPortRange\":\"*\",\"sourceAddressPrefix\":\"" src "\","                    \
    "\"destinationAddressPrefix\":\"" dst "\",\"access\":\"" access "\",\"priority\":" #prio \
    ",\"direction\":\"" dir "\",\"sourcePortRanges\":[],\"destinationPortRanges\":[],"       \
    "\"sourceAddressPrefixes\":[],\"destinationAddressPrefixes\":[]}}"

static const char *const default_rules[6] = {
    DEF("AllowVnetInBound", "Allow inbound traffic from all VMs in VNET", "VirtualNetwork",
        "VirtualNetwork", "Allow", 65000, "Inbound"),
    DEF("AllowAzureLoadBalancerInBound", "Allow inbound traffic from azure load balancer",
        "AzureLoadBalancer", "*", "Allow", 65001, "Inbound"),
    DEF("DenyAllInBound", "Deny all inbound traffic", "*", "*", "Deny", 65500, "Inbound"),
    DEF("AllowVnetOutBound", "Allow outbound traffic from all VMs to all VMs in VNET",
        "VirtualNetwork", "VirtualNetwork", "Allow", 65000, "Outbound"),
    DEF("AllowInternetOutBound", "Allow outbound traffic from all VMs to Internet", "*", "Internet",
        "Allow", 65001, "Outbound"),
    DEF("DenyAllOutBound", "Deny all outbound traffic", "*", "*", "Deny", 65500, "Outbound"),
};

/* got is Azure's default rule number i of the group whose id and etag are
 * given. */
static void expect_default_rule(const json_t *got, size_t i, const char *nsg_id, const char *etag)
{
    json_t *want = json_loads(default_rules[i], 0, NULL);
    assert_non_null(want);
    const char *name = jstr(want, "name");
    json_object_set_new(want, "id", json_string(F("%s/defaultSecurityRules/%s", nsg_id, name)));
    json_object_set_new(want, "etag", json_string(etag));
    if (!json_equal(got, want)) {
        char *g1 = json_dumps(got, JSON_SORT_KEYS), *w1 = json_dumps(want, JSON_SORT_KEYS);
        fail_msg("default rule %zu:\n  got  %s\n  want %s", i, g1, w1);
    }
    json_decref(want);
}

/* arr holds exactly Azure's six default rules, in ARM's order. */
static void expect_default_rules(const json_t *arr, const char *nsg_id, const char *etag)
{
    if (json_array_size(arr) != 6)
        fail_msg("expected 6 default rules, got %zu", json_array_size(arr));
    for (size_t i = 0; i < 6; i++)
        expect_default_rule(json_array_get(arr, i), i, nsg_id, etag);
}

/* --- CRUD ------------------------------------------------------------------------- */

static void test_nsg_crud(void **state)
{
    (void)state;
    struct itest_resp r;
    make_sub(SUB_CRUD, "rg1");
    const char *path = NSG_PATH(SUB_CRUD, "rg1", "web-nsg");
    const char *nsg_id = "/subscriptions/" SUB_CRUD "/resourceGroups/rg1" PROV "/web-nsg";

    call("GET", path, NULL, NULL, &r);
    ITEST_EXPECT_ERROR(&r, 404, "ResourceNotFound");
    if (!strstr(itest_error_message(&r),
                "The Resource 'Microsoft.Network/networkSecurityGroups/web-nsg' under resource "
                "group 'rg1' was not found."))
        fail_msg("ARM's not-found message expected: %s", itest_resp_str(&r));
    itest_resp_free(&r);
    expect("GET", NSG_PATH(SUB_CRUD, "nogroup", "web-nsg"), NULL, 404, "ResourceGroupNotFound");
    expect("PUT", NSG_PATH(SUB_CRUD, "nogroup", "web-nsg"), NSG_BODY(), 404,
           "ResourceGroupNotFound");
    expect("DELETE", NSG_PATH(SUB_CRUD, "nogroup", "web-nsg"), NULL, 404, "ResourceGroupNotFound");
    expect("PATCH", NSG_PATH(SUB_CRUD, "nogroup", "web-nsg"), "{\"tags\":{}}", 404,
           "ResourceGroupNotFound");
    expect("PATCH", path, "{\"tags\":{}}", 404, "ResourceNotFound");
    expect("PUT", path, "{\"location\":\"atlantis\"}", 400, "LocationNotAvailableForResourceType");
    assert_int_equal(
        pg_long("SELECT count(*) FROM network_security_groups WHERE subscription_id = '%s'",
                SUB_CRUD),
        0);

    /* Create, with a display-name location: 201, the whole resource. */
    call("PUT", path, NULL,
         "{\"location\":\"West Europe\",\"tags\":{\"env\":\"test\"},\"properties\":{"
         "\"securityRules\":[" RULE(
             "allow-http", 100,
             "Inbound") ",{\"name\":\"deny-ssh\","
                        "\"properties\":{\"description\":\"no "
                        "ssh\",\"protocol\":\"tcp\",\"access\":\"deny\","
                        "\"direction\":\"inbound\",\"priority\":200,\"sourceAddressPrefixes\":["
                        "\"10.0.0.0/8\","
                        "\"192.168.1.7\"],\"destinationAddressPrefix\":\"VirtualNetwork\","
                        "\"sourcePortRange\":"
                        "\"*\",\"destinationPortRanges\":[\"22\",\"2200-2299\"]}}]}}",
         &r);
    ITEST_EXPECT_STATUS(&r, 201);
    assert_string_equal(jstr(r.json, "id"), nsg_id);
    assert_string_equal(jstr(r.json, "name"), "web-nsg");
    assert_string_equal(jstr(r.json, "type"), "Microsoft.Network/networkSecurityGroups");
    assert_string_equal(jstr(r.json, "location"), "westeurope");
    assert_string_equal(jstr(json_object_get(r.json, "tags"), "env"), "test");
    const char *etag = jstr(r.json, "etag");
    if (!etag || strncmp(etag, "W/\"", 3) != 0 || !itest_is_uuid(F("%.36s", etag + 3)))
        fail_msg("etag should be W/\"<uuid>\": %s", itest_resp_str(&r));
    json_t *p = jprops(r.json);
    assert_string_equal(jstr(p, "provisioningState"), "Succeeded");
    assert_true(itest_is_uuid(jstr(p, "resourceGuid")));
    assert_int_equal(json_integer_value(json_object_get(p, "accelnetPolicyGeneration")), 1);
    assert_int_equal(json_array_size(json_object_get(p, "networkInterfaces")), 0);
    assert_int_equal(json_array_size(json_object_get(p, "subnets")), 0);
    expect_default_rules(json_object_get(p, "defaultSecurityRules"), nsg_id, etag);
    json_t *rules = json_object_get(p, "securityRules");
    assert_int_equal(json_array_size(rules), 2);
    /* Rules: ARM child shape; canonical enum case; lists as ARM shows them. */
    json_t *deny = by_name(rules, "deny-ssh");
    assert_non_null(deny);
    assert_string_equal(jstr(deny, "id"), F("%s/securityRules/deny-ssh", nsg_id));
    assert_string_equal(jstr(deny, "type"),
                        "Microsoft.Network/networkSecurityGroups/securityRules");
    assert_true(strncmp(jstr(deny, "etag"), "W/\"", 3) == 0);
    json_t *want = json_loads(
        "{\"provisioningState\":\"Succeeded\",\"description\":\"no ssh\",\"protocol\":\"Tcp\","
        "\"sourcePortRange\":\"*\",\"sourcePortRanges\":[],\"destinationPortRanges\":[\"22\","
        "\"2200-2299\"],\"sourceAddressPrefixes\":[\"10.0.0.0/8\",\"192.168.1.7\"],"
        "\"destinationAddressPrefix\":\"VirtualNetwork\",\"destinationAddressPrefixes\":[],"
        "\"access\":\"Deny\",\"priority\":200,\"direction\":\"Inbound\"}",
        0, NULL);
    if (!json_equal(jprops(deny), want))
        fail_msg("deny-ssh properties: %s", json_dumps(jprops(deny), JSON_SORT_KEYS));
    json_decref(want);
    char *created = json_dumps(r.json, JSON_SORT_KEYS);
    char etag1[128];
    snprintf(etag1, sizeof etag1, "%s", etag);
    itest_resp_free(&r);

    /* In the database: the group, its canonical location, two rules. */
    assert_int_equal(pg_long("SELECT count(*) FROM network_security_groups WHERE subscription_id"
                             " = '%s' AND name = 'web-nsg' AND location = 'westeurope'"
                             " AND rg_key = 'rg1' AND generation = 1",
                             SUB_CRUD),
                     1);
    assert_int_equal(rule_count(SUB_CRUD, "web-nsg"), 2);
    char *stored = pg_text("SELECT array_to_string(source_address_prefixes, ',') || ' ' ||"
                           " array_to_string(destination_port_ranges, ',') || ' ' || protocol ||"
                           " access || direction FROM security_rules WHERE name = 'deny-ssh'");
    assert_non_null(stored);
    assert_string_equal(stored, "10.0.0.0/8,192.168.1.7 22,2200-2299 TcpDenyInbound");
    free(stored);

    /* GET answers what the PUT did. */
    call("GET", path, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    char *got = json_dumps(r.json, JSON_SORT_KEYS);
    if (strcmp(got, created) != 0)
        fail_msg("GET differs from the PUT's answer:\n  %s\n  %s", got, created);
    free(got);
    /* Sent back as it is (read-only members and all), nothing changes:
     * same etag, same generation (what an SDK's get-modify-put does). */
    char *round = json_dumps(r.json, 0);
    itest_resp_free(&r);
    call("PUT", path, NULL, round, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_string_equal(jstr(r.json, "etag"), etag1);
    assert_int_equal(
        json_integer_value(json_object_get(jprops(r.json), "accelnetPolicyGeneration")), 1);
    itest_resp_free(&r);
    free(round);
    free(created);
    assert_int_equal(generation(SUB_CRUD, "web-nsg"), 1);

    /* PATCH merges tags (null removes one): a new etag, the same generation. */
    call("PATCH", path, NULL, "{\"tags\":{\"owner\":\"ops\"}}", &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_string_equal(jstr(json_object_get(r.json, "tags"), "env"), "test");
    assert_string_equal(jstr(json_object_get(r.json, "tags"), "owner"), "ops");
    assert_string_not_equal(jstr(r.json, "etag"), etag1);
    assert_int_equal(json_array_size(json_object_get(jprops(r.json), "securityRules")), 2);
    char etag2[128];
    snprintf(etag2, sizeof etag2, "%s", jstr(r.json, "etag"));
    itest_resp_free(&r);
    call("PATCH", path, NULL, "{\"tags\":{\"owner\":\"ops\"}}", &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_string_equal(jstr(r.json, "etag"), etag2); /* nothing changed */
    itest_resp_free(&r);
    call("PATCH", path, NULL, "{\"tags\":{\"env\":null}}", &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_null(json_object_get(json_object_get(r.json, "tags"), "env"));
    assert_string_equal(jstr(json_object_get(r.json, "tags"), "owner"), "ops");
    itest_resp_free(&r);
    call("PATCH", path, NULL, "{\"tags\":null}", &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_int_equal(json_object_size(json_object_get(r.json, "tags")), 0);
    itest_resp_free(&r);
    expect("PATCH", path, "{\"tags\":{\"a\":1}}", 400, "InvalidRequestContent");
    expect("PATCH", path, "{\"location\":\"westeurope\"}", 400, "InvalidRequestContent");
    assert_int_equal(generation(SUB_CRUD, "web-nsg"), 1);

    /* A PUT may not move it. */
    call("PUT", path, NULL, "{\"location\":\"westcentralus\"}", &r);
    ITEST_EXPECT_ERROR(&r, 409, "InvalidResourceLocation");
    itest_resp_free(&r);
    assert_int_equal(rule_count(SUB_CRUD, "web-nsg"), 2);

    /* (A DELETE of the resource group now deletes the groups in it, as a
     * long-running operation: it_vm.c tests that cascade.) */

    /* DELETE: 200, then 204; the rules go with it. */
    expect("DELETE", path, NULL, 200, NULL);
    expect("DELETE", path, NULL, 204, NULL);
    expect("GET", path, NULL, 404, "ResourceNotFound");
    assert_int_equal(pg_long("SELECT count(*) FROM security_rules r WHERE NOT EXISTS (SELECT 1"
                             " FROM network_security_groups n WHERE n.id = r.nsg_id)"),
                     0);
    assert_int_equal(
        pg_long("SELECT count(*) FROM network_security_groups WHERE subscription_id = '%s'",
                SUB_CRUD),
        0);
    /* Now the resource group can go. */
    expect("DELETE", "/subscriptions/" SUB_CRUD "/resourcegroups/rg1?" AV, NULL, 200, NULL);

    /* A group without properties and tags. */
    expect("PUT", "/subscriptions/" SUB_CRUD "/resourcegroups/rg2?" AV,
           "{\"location\":\"westeurope\"}", 201, NULL);
    call("PUT", NSG_PATH(SUB_CRUD, "rg2", "empty"), NULL, "{\"location\":\"westeurope\"}", &r);
    ITEST_EXPECT_STATUS(&r, 201);
    assert_int_equal(json_object_size(json_object_get(r.json, "tags")), 0);
    assert_int_equal(json_array_size(json_object_get(jprops(r.json), "securityRules")), 0);
    assert_int_equal(json_array_size(json_object_get(jprops(r.json), "defaultSecurityRules")), 6);
    itest_resp_free(&r);
}

/* --- the inline rule set -------------------------------------------------------------- */

static void test_inline_replace(void **state)
{
    (void)state;
    struct itest_resp r;
    make_sub(SUB_REPL, "rg");
    const char *path = NSG_PATH(SUB_REPL, "rg", "nsg");
    call("PUT", path, NULL,
         NSG_BODY(RULE("a", 100, "Inbound") "," RULE("b", 200, "Inbound") "," RULE("c", 300,
                                                                                   "Outbound")),
         &r);
    ITEST_EXPECT_STATUS(&r, 201);
    char ea[128], eb[128], nsg_etag[128];
    snprintf(ea, sizeof ea, "%s", rule_etag(r.json, "a"));
    snprintf(eb, sizeof eb, "%s", rule_etag(r.json, "b"));
    snprintf(nsg_etag, sizeof nsg_etag, "%s", jstr(r.json, "etag"));
    char *id_b = pg_text("SELECT id::text FROM security_rules WHERE name = 'b' AND nsg_id ="
                         " (SELECT id FROM network_security_groups WHERE subscription_id = '%s')",
                         SUB_REPL);
    itest_resp_free(&r);
    assert_int_equal(generation(SUB_REPL, "nsg"), 1);

    /* a unchanged, b changed, c left out (deleted), d new. */
    call("PUT", path, NULL,
         NSG_BODY(RULE("a", 100, "Inbound") "," RULE("b", 250, "Inbound") "," RULE("d", 300,
                                                                                   "Outbound")),
         &r);
    ITEST_EXPECT_STATUS(&r, 200);
    json_t *rules = json_object_get(jprops(r.json), "securityRules");
    assert_int_equal(json_array_size(rules), 3);
    assert_null(by_name(rules, "c"));
    assert_non_null(by_name(rules, "d"));
    assert_string_equal(rule_etag(r.json, "a"), ea);
    assert_string_not_equal(rule_etag(r.json, "b"), eb);
    assert_string_not_equal(jstr(r.json, "etag"), nsg_etag);
    assert_int_equal(
        json_integer_value(json_object_get(jprops(r.json), "accelnetPolicyGeneration")), 2);
    itest_resp_free(&r);
    assert_int_equal(generation(SUB_REPL, "nsg"), 2);
    assert_int_equal(rule_count(SUB_REPL, "nsg"), 3);
    /* A changed rule keeps its id. */
    char *id_b2 =
        pg_text("SELECT id::text FROM security_rules WHERE name = 'b' AND priority = 250");
    assert_non_null(id_b);
    assert_non_null(id_b2);
    assert_string_equal(id_b, id_b2);
    free(id_b);
    free(id_b2);

    /* Two rules swap priorities in one PUT. */
    call("PUT", path, NULL,
         NSG_BODY(RULE("a", 250, "Inbound") "," RULE("b", 100, "Inbound") "," RULE("d", 300,
                                                                                   "Outbound")),
         &r);
    ITEST_EXPECT_STATUS(&r, 200);
    itest_resp_free(&r);
    assert_int_equal(generation(SUB_REPL, "nsg"), 3);
    assert_int_equal(pg_long("SELECT priority FROM security_rules WHERE name = 'a' AND nsg_id ="
                             " (SELECT id FROM network_security_groups WHERE subscription_id ="
                             " '%s')",
                             SUB_REPL),
                     250);

    /* The same set in another order, with names in another case: nothing
     * changes, and the names keep the case they were created with. */
    call("GET", path, NULL, NULL, &r);
    snprintf(nsg_etag, sizeof nsg_etag, "%s", jstr(r.json, "etag"));
    itest_resp_free(&r);
    call("PUT", path, NULL,
         NSG_BODY(RULE("D", 300, "Outbound") "," RULE("A", 250, "Inbound") "," RULE("b", 100,
                                                                                    "Inbound")),
         &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_string_equal(jstr(r.json, "etag"), nsg_etag);
    assert_non_null(by_name(json_object_get(jprops(r.json), "securityRules"), "a"));
    itest_resp_free(&r);
    assert_int_equal(generation(SUB_REPL, "nsg"), 3);

    /* Tags only: a new etag, not a new generation. */
    call("PUT", path, NULL,
         "{\"location\":\"westeurope\",\"tags\":{\"t\":\"1\"},\"properties\":{\"securityRules\":"
         "[" RULE("a", 250, "Inbound") "," RULE("b", 100, "Inbound") "," RULE("d", 300,
                                                                              "Outbound") "]}}",
         &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_string_not_equal(jstr(r.json, "etag"), nsg_etag);
    itest_resp_free(&r);
    assert_int_equal(generation(SUB_REPL, "nsg"), 3);

    /* An empty set, then no properties at all: every rule goes (once). */
    call("PUT", path, NULL, "{\"location\":\"westeurope\",\"properties\":{\"securityRules\":[]}}",
         &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_int_equal(json_array_size(json_object_get(jprops(r.json), "securityRules")), 0);
    itest_resp_free(&r);
    assert_int_equal(rule_count(SUB_REPL, "nsg"), 0);
    assert_int_equal(generation(SUB_REPL, "nsg"), 4);
    expect("PUT", path, "{\"location\":\"westeurope\"}", 200, NULL);
    assert_int_equal(generation(SUB_REPL, "nsg"), 4);
    expect("PUT", path, NSG_BODY(RULE("z", 4096, "Outbound")), 200, NULL);
    expect("PUT", path, "{\"location\":\"westeurope\"}", 200, NULL);
    assert_int_equal(rule_count(SUB_REPL, "nsg"), 0);
    assert_int_equal(generation(SUB_REPL, "nsg"), 6);
}

/* --- default rules ------------------------------------------------------------------------ */

static void test_default_rules(void **state)
{
    (void)state;
    struct itest_resp r;
    make_sub(SUB_DEF, "rg");
    call("PUT", NSG_PATH(SUB_DEF, "rg", "Def"), NULL, NSG_BODY(), &r);
    ITEST_EXPECT_STATUS(&r, 201);
    char etag[128];
    snprintf(etag, sizeof etag, "%s", jstr(r.json, "etag"));
    itest_resp_free(&r);
    const char *nsg_id = "/subscriptions/" SUB_DEF "/resourceGroups/rg" PROV "/Def";

    call("GET", NSG_SUB(SUB_DEF, "rg", "def", "/defaultSecurityRules"), NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_default_rules(json_object_get(r.json, "value"), nsg_id, etag);
    assert_null(json_object_get(r.json, "nextLink"));
    itest_resp_free(&r);

    /* Each one by name, in any case. */
    for (size_t i = 0; i < 6; i++) {
        json_t *want = json_loads(default_rules[i], 0, NULL);
        char lower[64];
        snprintf(lower, sizeof lower, "%s", jstr(want, "name"));
        for (char *c = lower; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        call("GET", NSG_SUB(SUB_DEF, "rg", "Def", F("/defaultSecurityRules/%s", lower)), NULL, NULL,
             &r);
        ITEST_EXPECT_STATUS(&r, 200);
        expect_default_rule(r.json, i, nsg_id, etag);
        itest_resp_free(&r);
        json_decref(want);
    }
    expect("GET", NSG_SUB(SUB_DEF, "rg", "Def", "/defaultSecurityRules/AllowAll"), NULL, 404,
           "ResourceNotFound");
    expect("GET", NSG_SUB(SUB_DEF, "rg", "nope", "/defaultSecurityRules"), NULL, 404,
           "ParentResourceNotFound");
    expect("GET", NSG_SUB(SUB_DEF, "rg", "nope", "/defaultSecurityRules/DenyAllInBound"), NULL, 404,
           "ParentResourceNotFound");
    expect("GET", NSG_SUB(SUB_DEF, "nogroup", "Def", "/defaultSecurityRules"), NULL, 404,
           "ResourceGroupNotFound");
    /* Read-only: no PUT or DELETE. */
    expect("PUT", NSG_SUB(SUB_DEF, "rg", "Def", "/defaultSecurityRules/DenyAllInBound"),
           RULE_PROPS(100, "Inbound", "*"), 405, "MethodNotAllowed");
    expect("DELETE", NSG_SUB(SUB_DEF, "rg", "Def", "/defaultSecurityRules/DenyAllInBound"), NULL,
           405, "MethodNotAllowed");

    /* Paged: 4 + 2. */
    call("GET",
         F("/subscriptions/" SUB_DEF "/resourceGroups/rg" PROV "/Def/defaultSecurityRules?" AV
           "&$top=4"),
         NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_int_equal(json_array_size(json_object_get(r.json, "value")), 4);
    const char *next = jstr(r.json, "nextLink");
    assert_non_null(next);
    char path2[1024];
    snprintf(path2, sizeof path2, "%s", next + strlen(g.d.url));
    itest_resp_free(&r);
    call("GET", path2, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_int_equal(json_array_size(json_object_get(r.json, "value")), 2);
    assert_string_equal(jstr(json_array_get(json_object_get(r.json, "value"), 0), "name"),
                        "AllowInternetOutBound");
    assert_null(json_object_get(r.json, "nextLink"));
    itest_resp_free(&r);

    /* A user rule may not use the default priorities (they are outside 100-4096). */
    expect("PUT", NSG_SUB(SUB_DEF, "rg", "Def", "/securityRules/x"),
           RULE_PROPS(65000, "Inbound", "*"), 400, "SecurityRuleInvalidPriority");
}

/* --- validation ------------------------------------------------------------------------------ */

#define OKP(prio)                                                                              \
    "{\"protocol\":\"Tcp\",\"access\":\"Allow\",\"direction\":\"Inbound\",\"priority\":" #prio \
    ",\"sourceAddressPrefix\":\"*\",\"destinationAddressPrefix\":\"*\",\"sourcePortRange\":"   \
    "\"*\",\"destinationPortRange\":\"*\"}"

static void test_validation(void **state)
{
    (void)state;
    struct itest_resp r;
    make_sub(SUB_BAD, "rg");
    const char *exists = NSG_PATH(SUB_BAD, "rg", "exists");
    call("PUT", exists, NULL, NSG_BODY(RULE("keep", 100, "Inbound")), &r);
    ITEST_EXPECT_STATUS(&r, 201);
    char etag[128];
    snprintf(etag, sizeof etag, "%s", jstr(r.json, "etag"));
    itest_resp_free(&r);
    const char *fresh = NSG_PATH(SUB_BAD, "rg", "fresh");

    /* Every problem at once, each with its path and code. */
    static const char everything[] =
        "{\"location\":\"westeurope\",\"colour\":\"red\",\"tags\":{\"a\":1},\"properties\":{"
        "\"flushConnection\":true,\"bogus\":1,\"securityRules\":["
        "{\"name\":\"ok1\",\"properties\":" OKP(
            100) "},"
                 "{\"name\":\"bad name!\",\"properties\":" OKP(
                     101) "},"
                          "{\"name\":\"OK1\",\"properties\":" OKP(
                              102) "},"
                                   "{\"name\":\"r3\",\"properties\":{\"protocol\":\"Gre\","
                                   "\"access\":\"Allow\","
                                   "\"direction\":\"Inbound\",\"priority\":50,"
                                   "\"sourceAddressPrefix\":\"10.0.0.1/24\","
                                   "\"destinationAddressPrefix\":\"*\",\"sourcePortRange\":"
                                   "\"70000\","
                                   "\"destinationPortRange\":\"*\"}},"
                                   "{\"name\":\"r4\",\"properties\":" OKP(
                                       100) "},"
                                            "{\"properties\":" OKP(300) "},"
                                                                        "5]}}";
    static const struct det every[] = {
        {"colour", "InvalidRequestContent"},
        {"tags", "InvalidRequestContent"},
        {"properties.flushConnection", "InvalidRequestContent"},
        {"properties.bogus", "InvalidRequestContent"},
        {"properties.securityRules[6]", "InvalidRequestContent"},
        {"properties.securityRules[1].name", "InvalidResourceName"},
        {"properties.securityRules[2].name", "InvalidRequestContent"},
        {"properties.securityRules[3].properties.protocol", "InvalidRequestContent"},
        {"properties.securityRules[3].properties.priority", "SecurityRuleInvalidPriority"},
        {"properties.securityRules[3].properties.sourceAddressPrefix",
         "SecurityRuleInvalidAddressPrefix"},
        {"properties.securityRules[3].properties.sourcePortRange", "SecurityRuleInvalidPortRange"},
        {"properties.securityRules[4].properties.priority", "SecurityRuleConflict"},
        {"properties.securityRules[5].name", "InvalidRequestContent"},
    };
    expect_details("PUT", fresh, everything, "InvalidRequestContent", every,
                   sizeof every / sizeof every[0]);
    expect_details("PUT", exists, everything, "InvalidRequestContent", every,
                   sizeof every / sizeof every[0]);

    /* A rule missing everything. */
    static const struct det missing[] = {
        {"properties.securityRules[0].properties.protocol", "InvalidRequestContent"},
        {"properties.securityRules[0].properties.access", "InvalidRequestContent"},
        {"properties.securityRules[0].properties.direction", "InvalidRequestContent"},
        {"properties.securityRules[0].properties.priority", "InvalidRequestContent"},
        {"properties.securityRules[0].properties.sourceAddressPrefix", "InvalidRequestContent"},
        {"properties.securityRules[0].properties.destinationAddressPrefix",
         "InvalidRequestContent"},
        {"properties.securityRules[0].properties.sourcePortRange", "InvalidRequestContent"},
        {"properties.securityRules[0].properties.destinationPortRange", "InvalidRequestContent"},
    };
    expect_details("PUT", fresh, NSG_BODY("{\"name\":\"x\",\"properties\":{}}"),
                   "InvalidRequestContent", missing, sizeof missing / sizeof missing[0]);
    static const struct det no_props[] = {
        {"properties.securityRules[0].properties", "InvalidRequestContent"},
        {"location", "InvalidRequestContent"},
    };
    expect_details("PUT", fresh, "{\"properties\":{\"securityRules\":[{\"name\":\"x\"}]}}",
                   "InvalidRequestContent", no_props, 2);

    /* One kind of problem: its own code at the top (an SDK sees ARM's code). */
    static const struct det prio[] = {
        {"properties.securityRules[0].properties.priority", "SecurityRuleInvalidPriority"}};
    expect_details("PUT", exists, NSG_BODY(RULE("p", 4097, "Inbound")),
                   "SecurityRuleInvalidPriority", prio, 1);
    static const struct det two_prios[] = {
        {"properties.securityRules[0].properties.priority", "SecurityRuleInvalidPriority"},
        {"properties.securityRules[1].properties.priority", "SecurityRuleInvalidPriority"}};
    expect_details("PUT", exists, NSG_BODY(RULE("p", 99, "Inbound") "," RULE("q", 0, "Outbound")),
                   "SecurityRuleInvalidPriority", two_prios, 2);
    static const struct det conflict[] = {
        {"properties.securityRules[1].properties.priority", "SecurityRuleConflict"}};
    expect_details("PUT", exists,
                   NSG_BODY(RULE("p", 300, "Outbound") "," RULE("q", 300, "outbound")),
                   "SecurityRuleConflict", conflict, 1);
    static const struct det ports[] = {
        {"properties.securityRules[0].properties.destinationPortRange",
         "SecurityRuleInvalidPortRange"}};
    expect_details("PUT", exists,
                   NSG_BODY("{\"name\":\"p\",\"properties\":{\"protocol\":\"Udp\",\"access\":"
                            "\"Allow\",\"direction\":\"Inbound\",\"priority\":100,"
                            "\"sourceAddressPrefix\":\"*\",\"destinationAddressPrefix\":\"*\","
                            "\"sourcePortRange\":\"*\",\"destinationPortRange\":\"2000-1000\"}}"),
                   "SecurityRuleInvalidPortRange", ports, 1);
    static const struct det unsupported[] = {
        {"properties.securityRules[0].properties.sourceAddressPrefixes[1]",
         "SecurityRuleParameterContainsUnsupportedValue"},
        {"properties.securityRules[0].properties.destinationPortRanges[0]",
         "SecurityRuleParameterContainsUnsupportedValue"}};
    expect_details("PUT", exists,
                   NSG_BODY("{\"name\":\"p\",\"properties\":{\"protocol\":\"*\",\"access\":"
                            "\"Deny\",\"direction\":\"Outbound\",\"priority\":100,"
                            "\"sourceAddressPrefixes\":[\"10.0.0.0/8\",\"VirtualNetwork\"],"
                            "\"destinationAddressPrefix\":\"*\",\"sourcePortRange\":\"*\","
                            "\"destinationPortRanges\":[\"*\"]}}"),
                   "SecurityRuleParameterContainsUnsupportedValue", unsupported, 2);
    static const struct det both[] = {
        {"properties.securityRules[0].properties.sourceAddressPrefix", "InvalidRequestContent"}};
    expect_details("PUT", exists,
                   NSG_BODY("{\"name\":\"p\",\"properties\":{\"protocol\":\"*\",\"access\":"
                            "\"Deny\",\"direction\":\"Outbound\",\"priority\":100,"
                            "\"sourceAddressPrefix\":\"*\",\"sourceAddressPrefixes\":[\"1.2.3.4\"],"
                            "\"destinationAddressPrefix\":\"*\",\"sourcePortRange\":\"*\","
                            "\"destinationPortRange\":\"*\"}}"),
                   "InvalidRequestContent", both, 1);
    char longdesc[300];
    memset(longdesc, 'x', 141);
    longdesc[141] = '\0';
    static const struct det desc[] = {
        {"properties.securityRules[0].properties.description", "InvalidRequestContent"}};
    expect_details("PUT", exists,
                   F(NSG_BODY("{\"name\":\"p\",\"properties\":{\"description\":\"%s\","
                              "\"protocol\":\"*\",\"access\":\"Deny\",\"direction\":\"Outbound\","
                              "\"priority\":100,\"sourceAddressPrefix\":\"*\","
                              "\"destinationAddressPrefix\":\"*\",\"sourcePortRange\":\"*\","
                              "\"destinationPortRange\":\"*\"}}"),
                     longdesc),
                   "InvalidRequestContent", desc, 1);
    static const struct det badname[] = {
        {"properties.securityRules[0].name", "InvalidResourceName"}};
    expect_details("PUT", exists, NSG_BODY(RULE("-starts-badly", 100, "Inbound")),
                   "InvalidResourceName", badname, 1);
    static const struct det esp[] = {{"properties.securityRules[0].properties.protocol",
                                      "SecurityRuleParameterContainsUnsupportedValue"}};
    expect_details("PUT", exists,
                   NSG_BODY("{\"name\":\"p\",\"properties\":{\"protocol\":\"Esp\",\"access\":"
                            "\"Deny\",\"direction\":\"Outbound\",\"priority\":100,"
                            "\"sourceAddressPrefix\":\"*\",\"destinationAddressPrefix\":\"*\","
                            "\"sourcePortRange\":\"*\",\"destinationPortRange\":\"*\"}}"),
                   "SecurityRuleParameterContainsUnsupportedValue", esp, 1);

    /* The child resource: the same checks, paths under "properties". */
    const char *rule = NSG_SUB(SUB_BAD, "rg", "exists", "/securityRules/new-rule");
    static const struct det child[] = {
        {"name", "InvalidRequestContent"},
        {"extra", "InvalidRequestContent"},
        {"properties.priority", "SecurityRuleInvalidPriority"},
        {"properties.sourceAddressPrefix", "SecurityRuleInvalidAddressPrefix"},
        {"properties.destinationAddressPrefixes[0]", "SecurityRuleInvalidAddressPrefix"},
        {"properties.destinationPortRange", "SecurityRuleInvalidPortRange"},
        {"properties.access", "InvalidRequestContent"},
    };
    expect_details("PUT", rule,
                   "{\"name\":\"other-name\",\"extra\":1,\"properties\":{\"protocol\":\"icmp\","
                   "\"access\":\"Maybe\",\"direction\":\"Outbound\",\"priority\":5000,"
                   "\"sourceAddressPrefix\":\"10.0.0.256\",\"destinationAddressPrefixes\":["
                   "\"fe80::/64\"],\"sourcePortRange\":\"*\",\"destinationPortRange\":\"1-2-3\"}}",
                   "InvalidRequestContent", child, sizeof child / sizeof child[0]);
    static const struct det child_prio[] = {{"properties.priority", "SecurityRuleInvalidPriority"}};
    expect_details("PUT", rule, RULE_PROPS(42, "Inbound", "*"), "SecurityRuleInvalidPriority",
                   child_prio, 1);
    static const struct det child_none[] = {{"properties", "InvalidRequestContent"}};
    expect_details("PUT", rule, "{}", "InvalidRequestContent", child_none, 1);

    /* Names in the path; bodies that are not objects. */
    expect("PUT", NSG_PATH(SUB_BAD, "rg", "bad!name"), NSG_BODY(), 400, "InvalidResourceName");
    expect("PUT", NSG_PATH(SUB_BAD, "rg", "ends-with-dot."), NSG_BODY(), 400,
           "InvalidResourceName");
    expect("GET", NSG_PATH(SUB_BAD, "rg", "-x"), NULL, 400, "InvalidResourceName");
    expect("PUT", NSG_SUB(SUB_BAD, "rg", "exists", "/securityRules/-bad"),
           RULE_PROPS(100, "Inbound", "*"), 400, "InvalidResourceName");
    expect("PUT", NSG_PATH(SUB_BAD, "rg.", "x"), NSG_BODY(), 400, "InvalidResourceName");
    expect("PUT", fresh, NULL, 400, "InvalidRequestContent");
    expect("PUT", fresh, "[]", 400, "InvalidRequestContent");
    expect("PUT", rule, NULL, 400, "InvalidRequestContent");
    expect("PATCH", exists, NULL, 400, "InvalidRequestContent");

    /* Nothing was written. */
    assert_int_equal(
        pg_long("SELECT count(*) FROM network_security_groups WHERE subscription_id = '%s'",
                SUB_BAD),
        1);
    assert_int_equal(rule_count(SUB_BAD, "exists"), 1);
    assert_int_equal(generation(SUB_BAD, "exists"), 1);
    call("GET", exists, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_string_equal(jstr(r.json, "etag"), etag);
    itest_resp_free(&r);
}

/* --- priority conflicts --------------------------------------------------------------------- */

static void test_priority_conflicts(void **state)
{
    (void)state;
    struct itest_resp r;
    make_sub(SUB_CONF, "rg");
    const char *path = NSG_PATH(SUB_CONF, "rg", "nsg");
    /* One priority, two directions: fine. */
    expect("PUT", path, NSG_BODY(RULE("a", 100, "Inbound") "," RULE("b", 100, "Outbound")), 201,
           NULL);
    assert_int_equal(generation(SUB_CONF, "nsg"), 1);

    /* A new rule on a taken priority and direction: ARM's code, naming the rule. */
    call("PUT", NSG_SUB(SUB_CONF, "rg", "nsg", "/securityRules/c"), NULL,
         RULE_PROPS(100, "inbound", "*"), &r);
    ITEST_EXPECT_ERROR(&r, 400, "SecurityRuleConflict");
    if (!strstr(itest_error_message(&r), "conflicts with rule a"))
        fail_msg("the message should name rule a: %s", itest_resp_str(&r));
    assert_string_equal(jstr(json_object_get(r.json, "error"), "target"), "properties.priority");
    itest_resp_free(&r);
    assert_int_equal(rule_count(SUB_CONF, "nsg"), 2);
    assert_int_equal(generation(SUB_CONF, "nsg"), 1);

    /* A rule keeps its own priority: no conflict with itself. */
    expect("PUT", NSG_SUB(SUB_CONF, "rg", "nsg", "/securityRules/a"),
           RULE_PROPS(100, "Inbound", "443"), 200, NULL);
    assert_int_equal(generation(SUB_CONF, "nsg"), 2);
    /* Moving b onto a's priority and direction: refused, nothing written. */
    expect("PUT", NSG_SUB(SUB_CONF, "rg", "nsg", "/securityRules/b"),
           RULE_PROPS(100, "Inbound", "*"), 400, "SecurityRuleConflict");
    assert_int_equal(pg_long("SELECT count(*) FROM security_rules WHERE name = 'b' AND direction ="
                             " 'Outbound'"),
                     1);
    /* Once a moves away, the priority is free. */
    expect("PUT", NSG_SUB(SUB_CONF, "rg", "nsg", "/securityRules/a"),
           RULE_PROPS(200, "Inbound", "443"), 200, NULL);
    expect("PUT", NSG_SUB(SUB_CONF, "rg", "nsg", "/securityRules/c"),
           RULE_PROPS(100, "Inbound", "*"), 201, NULL);
    assert_int_equal(generation(SUB_CONF, "nsg"), 4);

    /* Inline: the second of two is the one reported; the set is unchanged. */
    call("PUT", path, NULL, NSG_BODY(RULE("x", 300, "Outbound") "," RULE("y", 300, "Outbound")),
         &r);
    ITEST_EXPECT_ERROR(&r, 400, "SecurityRuleConflict");
    if (!strstr(itest_error_message(&r), "Security rule y conflicts with rule x"))
        fail_msg("message: %s", itest_resp_str(&r));
    itest_resp_free(&r);
    assert_int_equal(rule_count(SUB_CONF, "nsg"), 3);
    assert_int_equal(generation(SUB_CONF, "nsg"), 4);
}

/* --- rules as child resources --------------------------------------------------------------- */

static void test_rule_crud(void **state)
{
    (void)state;
    struct itest_resp r;
    make_sub(SUB_RULE, "rg");
    const char *nsg = NSG_PATH(SUB_RULE, "rg", "nsg");
    const char *r1 = NSG_SUB(SUB_RULE, "rg", "nsg", "/securityRules/r1");
    char nsg_etag[128], etag[128];
    call("PUT", nsg, NULL, NSG_BODY(), &r);
    ITEST_EXPECT_STATUS(&r, 201);
    snprintf(nsg_etag, sizeof nsg_etag, "%s", jstr(r.json, "etag"));
    itest_resp_free(&r);

    expect("GET", r1, NULL, 404, "ResourceNotFound");
    expect("DELETE", r1, NULL, 204, NULL);
    assert_int_equal(generation(SUB_RULE, "nsg"), 1);

    call("PUT", r1, NULL, RULE_PROPS(100, "Inbound", "443"), &r);
    ITEST_EXPECT_STATUS(&r, 201);
    assert_string_equal(jstr(r.json, "id"), "/subscriptions/" SUB_RULE "/resourceGroups/rg" PROV
                                            "/nsg/securityRules/r1");
    assert_string_equal(jstr(r.json, "name"), "r1");
    assert_string_equal(jstr(r.json, "type"),
                        "Microsoft.Network/networkSecurityGroups/securityRules");
    assert_string_equal(jstr(jprops(r.json), "destinationPortRange"), "443");
    assert_string_equal(jstr(jprops(r.json), "provisioningState"), "Succeeded");
    snprintf(etag, sizeof etag, "%s", jstr(r.json, "etag"));
    char *created = json_dumps(r.json, JSON_SORT_KEYS);
    itest_resp_free(&r);
    assert_int_equal(generation(SUB_RULE, "nsg"), 2);

    /* The group shows it, with the same etag, and has a new etag itself. */
    call("GET", nsg, NULL, NULL, &r);
    assert_string_equal(rule_etag(r.json, "r1"), etag);
    assert_string_not_equal(jstr(r.json, "etag"), nsg_etag);
    snprintf(nsg_etag, sizeof nsg_etag, "%s", jstr(r.json, "etag"));
    assert_int_equal(
        json_integer_value(json_object_get(jprops(r.json), "accelnetPolicyGeneration")), 2);
    itest_resp_free(&r);

    /* GET, in any case. */
    call("GET", NSG_SUB(SUB_RULE, "rg", "NSG", "/securityRules/R1"), NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    char *got = json_dumps(r.json, JSON_SORT_KEYS);
    assert_string_equal(got, created);
    free(got);
    /* Sent back as a GET shows it (to another spelling of the name): no change. */
    char *round = json_dumps(r.json, 0);
    itest_resp_free(&r);
    call("PUT", NSG_SUB(SUB_RULE, "rg", "nsg", "/securityRules/R1"), NULL, round, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_string_equal(jstr(r.json, "etag"), etag);
    assert_string_equal(jstr(r.json, "name"), "r1");
    itest_resp_free(&r);
    free(round);
    free(created);
    expect("PUT", r1, RULE_PROPS(100, "Inbound", "443"), 200, NULL);
    assert_int_equal(generation(SUB_RULE, "nsg"), 2);
    call("GET", nsg, NULL, NULL, &r);
    assert_string_equal(jstr(r.json, "etag"), nsg_etag);
    itest_resp_free(&r);

    /* A change: new etag, next generation. */
    call("PUT", r1, NULL, RULE_PROPS(100, "Inbound", "8443"), &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_string_not_equal(jstr(r.json, "etag"), etag);
    itest_resp_free(&r);
    assert_int_equal(generation(SUB_RULE, "nsg"), 3);
    assert_int_equal(pg_long("SELECT count(*) FROM security_rules WHERE name = 'r1' AND"
                             " destination_port_ranges = '{8443}'"),
                     1);

    /* More rules; the list pages by name. */
    static const char *const names[] = {"r5", "R3", "r2", "r4"};
    for (int i = 0; i < 4; i++) {
        call("PUT", NSG_SUB(SUB_RULE, "rg", "nsg", F("/securityRules/%s", names[i])), NULL,
             F("{\"properties\":{\"protocol\":\"Udp\",\"access\":\"Deny\",\"direction\":"
               "\"Outbound\",\"priority\":%d,\"sourceAddressPrefix\":\"10.1.0.0/16\","
               "\"destinationAddressPrefix\":\"Internet\",\"sourcePortRange\":\"*\","
               "\"destinationPortRange\":\"53\"}}",
               1000 + i),
             &r);
        ITEST_EXPECT_STATUS(&r, 201);
        itest_resp_free(&r);
    }
    assert_int_equal(generation(SUB_RULE, "nsg"), 7);
    char path[2048];
    snprintf(path, sizeof path, "%s&$top=2", NSG_SUB(SUB_RULE, "rg", "nsg", "/securityRules"));
    struct {
        char names[256];
    } seen = {""};
    int pages = 0;
    for (;;) {
        call("GET", path, NULL, NULL, &r);
        ITEST_EXPECT_STATUS(&r, 200);
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(r.json, "value"), i, v)
        {
            add_name(seen.names, sizeof seen.names, jstr(v, "name"));
        }
        pages++;
        const char *next = jstr(r.json, "nextLink");
        if (!next) {
            itest_resp_free(&r);
            break;
        }
        snprintf(path, sizeof path, "%s", next + strlen(g.d.url));
        itest_resp_free(&r);
        if (pages > 10)
            fail_msg("nextLinks loop");
    }
    assert_string_equal(seen.names, "r1,r2,R3,r4,r5,");
    assert_int_equal(pages, 3);

    /* DELETE: 200 and a generation; then 204 and none. */
    call("DELETE", NSG_SUB(SUB_RULE, "rg", "nsg", "/securityRules/r3"), NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_null(r.json);
    itest_resp_free(&r);
    assert_int_equal(generation(SUB_RULE, "nsg"), 8);
    expect("DELETE", NSG_SUB(SUB_RULE, "rg", "nsg", "/securityRules/R3"), NULL, 204, NULL);
    assert_int_equal(generation(SUB_RULE, "nsg"), 8);
    expect("GET", NSG_SUB(SUB_RULE, "rg", "nsg", "/securityRules/r3"), NULL, 404,
           "ResourceNotFound");
    assert_int_equal(rule_count(SUB_RULE, "nsg"), 4);

    /* Under a group that does not exist, or a resource group that does not. */
    static const char *const methods[] = {"PUT", "GET", "DELETE"};
    for (int i = 0; i < 3; i++) {
        expect(methods[i], NSG_SUB(SUB_RULE, "rg", "nope", "/securityRules/r1"),
               i == 0 ? RULE_PROPS(100, "Inbound", "*") : NULL, 404, "ParentResourceNotFound");
        expect(methods[i], NSG_SUB(SUB_RULE, "nogroup", "nsg", "/securityRules/r1"),
               i == 0 ? RULE_PROPS(100, "Inbound", "*") : NULL, 404, "ResourceGroupNotFound");
    }
    expect("GET", NSG_SUB(SUB_RULE, "rg", "nope", "/securityRules"), NULL, 404,
           "ParentResourceNotFound");
    expect("GET", NSG_SUB(SUB_RULE, "nogroup", "nope", "/securityRules"), NULL, 404,
           "ResourceGroupNotFound");
    assert_int_equal(pg_long("SELECT count(*) FROM network_security_groups WHERE subscription_id"
                             " = '%s'",
                             SUB_RULE),
                     1);
}

/* --- etags ---------------------------------------------------------------------------------------
 */

static void test_etags(void **state)
{
    (void)state;
    struct itest_resp r;
    make_sub(SUB_ETAG, "rg");
    const char *path = NSG_PATH(SUB_ETAG, "rg", "guarded");
    const char *inm_any[] = {"If-None-Match: *", NULL};
    const char *im_any[] = {"If-Match: *", NULL};
    call("PUT", path, im_any, NSG_BODY(), &r);
    ITEST_EXPECT_ERROR(&r, 412, "PreconditionFailed"); /* If-Match: * and nothing there */
    itest_resp_free(&r);
    call("PUT", path, inm_any, NSG_BODY(RULE("r", 100, "Inbound")), &r);
    ITEST_EXPECT_STATUS(&r, 201);
    char e1[128], e2[128], im[200];
    snprintf(e1, sizeof e1, "%s", jstr(r.json, "etag"));
    itest_resp_free(&r);
    call("PUT", path, inm_any, NSG_BODY(RULE("r", 100, "Inbound")), &r);
    ITEST_EXPECT_ERROR(&r, 412, "PreconditionFailed");
    itest_resp_free(&r);

    /* If-Match with the current etag: the change goes through. */
    snprintf(im, sizeof im, "If-Match: %s", e1);
    const char *im_1[] = {im, NULL};
    call("PUT", path, im_1, NSG_BODY(RULE("r", 101, "Inbound")), &r);
    ITEST_EXPECT_STATUS(&r, 200);
    snprintf(e2, sizeof e2, "%s", jstr(r.json, "etag"));
    itest_resp_free(&r);
    assert_string_not_equal(e1, e2);
    /* Now e1 is stale: PUT, PATCH and DELETE are refused, nothing changes. */
    call("PUT", path, im_1, NSG_BODY(RULE("r", 102, "Inbound")), &r);
    ITEST_EXPECT_ERROR(&r, 412, "PreconditionFailed");
    itest_resp_free(&r);
    call("PATCH", path, im_1, "{\"tags\":{\"a\":\"b\"}}", &r);
    ITEST_EXPECT_ERROR(&r, 412, "PreconditionFailed");
    itest_resp_free(&r);
    call("DELETE", path, im_1, NULL, &r);
    ITEST_EXPECT_ERROR(&r, 412, "PreconditionFailed");
    itest_resp_free(&r);
    assert_int_equal(pg_long("SELECT priority FROM security_rules r JOIN network_security_groups"
                             " n ON n.id = r.nsg_id WHERE n.subscription_id = '%s'",
                             SUB_ETAG),
                     101);
    assert_int_equal(generation(SUB_ETAG, "guarded"), 2);

    /* Rules have etags of their own. */
    const char *rule = NSG_SUB(SUB_ETAG, "rg", "guarded", "/securityRules/r");
    const char *rule2 = NSG_SUB(SUB_ETAG, "rg", "guarded", "/securityRules/r2");
    call("GET", rule, NULL, NULL, &r);
    char re[128], rim[200];
    snprintf(re, sizeof re, "%s", jstr(r.json, "etag"));
    itest_resp_free(&r);
    call("PUT", rule, inm_any, RULE_PROPS(101, "Inbound", "80"), &r);
    ITEST_EXPECT_ERROR(&r, 412, "PreconditionFailed");
    itest_resp_free(&r);
    call("PUT", rule2, im_any, RULE_PROPS(300, "Inbound", "80"), &r);
    ITEST_EXPECT_ERROR(&r, 412, "PreconditionFailed");
    itest_resp_free(&r);
    call("PUT", rule2, inm_any, RULE_PROPS(300, "Inbound", "80"), &r);
    ITEST_EXPECT_STATUS(&r, 201);
    itest_resp_free(&r);
    /* The group's etag is not the rule's. */
    call("GET", path, NULL, NULL, &r);
    snprintf(im, sizeof im, "If-Match: %s", jstr(r.json, "etag"));
    itest_resp_free(&r);
    call("PUT", rule, im_1, RULE_PROPS(101, "Inbound", "81"), &r);
    ITEST_EXPECT_ERROR(&r, 412, "PreconditionFailed");
    itest_resp_free(&r);
    snprintf(rim, sizeof rim, "If-Match: %s", re);
    const char *rim_1[] = {rim, NULL};
    call("PUT", rule, rim_1, RULE_PROPS(101, "Inbound", "81"), &r);
    ITEST_EXPECT_STATUS(&r, 200);
    itest_resp_free(&r);
    call("PUT", rule, rim_1, RULE_PROPS(101, "Inbound", "82"), &r); /* stale now */
    ITEST_EXPECT_ERROR(&r, 412, "PreconditionFailed");
    itest_resp_free(&r);
    call("DELETE", rule, rim_1, NULL, &r);
    ITEST_EXPECT_ERROR(&r, 412, "PreconditionFailed");
    itest_resp_free(&r);
    call("DELETE", NSG_SUB(SUB_ETAG, "rg", "guarded", "/securityRules/absent"), im_any, NULL, &r);
    ITEST_EXPECT_ERROR(&r, 412, "PreconditionFailed");
    itest_resp_free(&r);
    assert_int_equal(rule_count(SUB_ETAG, "guarded"), 2);
    assert_int_equal(generation(SUB_ETAG, "guarded"), 4);

    /* DELETE with the current etag. */
    call("GET", path, NULL, NULL, &r);
    snprintf(im, sizeof im, "If-Match: %s", jstr(r.json, "etag"));
    itest_resp_free(&r);
    call("DELETE", path, im_1, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    itest_resp_free(&r);
    call("DELETE", path, im_1, NULL, &r);
    ITEST_EXPECT_ERROR(&r, 412, "PreconditionFailed"); /* If-Match on a group that is gone */
    itest_resp_free(&r);
}

/* --- paging ----------------------------------------------------------------------------------- */

/* Follows a list through its nextLinks; returns "name,name,..." (static)
 * and the number of pages in *pages. Every item must be a whole group. */
static const char *walk(const char *first, size_t top, int *pages)
{
    static char names[1024];
    char path[2048];
    names[0] = '\0';
    *pages = 0;
    snprintf(path, sizeof path, "%s", first);
    for (;;) {
        struct itest_resp r;
        call("GET", path, NULL, NULL, &r);
        ITEST_EXPECT_STATUS(&r, 200);
        json_t *value = json_object_get(r.json, "value");
        if (json_array_size(value) > top)
            fail_msg("GET %s: more than $top=%zu items", path, top);
        size_t i;
        json_t *v;
        json_array_foreach(value, i, v)
        {
            if (json_array_size(json_object_get(jprops(v), "defaultSecurityRules")) != 6)
                fail_msg("GET %s: item %zu is not a whole group", path, i);
            add_name(names, sizeof names, jstr(v, "name"));
        }
        (*pages)++;
        const char *next = jstr(r.json, "nextLink");
        if (!next) {
            itest_resp_free(&r);
            break;
        }
        if (strncmp(next, g.d.url, strlen(g.d.url)) != 0 || !strstr(next, "api-version="))
            fail_msg("nextLink %s", next);
        snprintf(path, sizeof path, "%s", next + strlen(g.d.url));
        itest_resp_free(&r);
        if (*pages > 50)
            fail_msg("nextLinks loop");
    }
    return names;
}

static void test_paging(void **state)
{
    (void)state;
    struct itest_resp r;
    make_sub(SUB_PAGE, "rg-b");
    expect("PUT", "/subscriptions/" SUB_PAGE "/resourcegroups/RG-a?" AV,
           "{\"location\":\"westeurope\"}", 201, NULL);
    make_sub(SUB_PAGE2, "rg-a");
    static const char *const in_a[] = {"n3", "N1", "n2"};
    static const char *const in_b[] = {"m1", "M0", "z9", "a5"};
    for (int i = 0; i < 3; i++)
        expect("PUT", NSG_PATH(SUB_PAGE, "rg-a", in_a[i]),
               i == 1 ? NSG_BODY(RULE("one", 100, "Inbound") "," RULE("two", 200, "Inbound"))
                      : NSG_BODY(),
               201, NULL);
    for (int i = 0; i < 4; i++)
        expect("PUT", NSG_PATH(SUB_PAGE, "rg-b", in_b[i]),
               i == 2 ? NSG_BODY(RULE("three", 300, "Outbound")) : NSG_BODY(), 201, NULL);
    expect("PUT", NSG_PATH(SUB_PAGE2, "rg-a", "elsewhere"), NSG_BODY(), 201, NULL);

    int pages;
    const char *got =
        walk(F("/subscriptions/" SUB_PAGE "/resourceGroups/rg-a" PROV "?" AV "&$top=2"), 2, &pages);
    assert_string_equal(got, "N1,n2,n3,");
    assert_int_equal(pages, 2);
    got = walk(F("/subscriptions/" SUB_PAGE "/providers/Microsoft.Network/networkSecurityGroups?" AV
                 "&$top=3"),
               3, &pages);
    assert_string_equal(got, "N1,n2,n3,a5,M0,m1,z9,");
    assert_int_equal(pages, 3);
    got =
        walk(F("/subscriptions/" SUB_PAGE "/providers/Microsoft.Network/networkSecurityGroups?" AV),
             100, &pages);
    assert_string_equal(got, "N1,n2,n3,a5,M0,m1,z9,");
    assert_int_equal(pages, 1);
    for (size_t top = 1; top <= 7; top++) {
        got = walk(F("/subscriptions/" SUB_PAGE
                     "/providers/Microsoft.Network/networkSecurityGroups?" AV "&$top=%zu",
                     top),
                   top, &pages);
        assert_string_equal(got, "N1,n2,n3,a5,M0,m1,z9,");
    }

    /* Each item shows its own rules, and only those. */
    call("GET",
         F("/subscriptions/" SUB_PAGE "/providers/Microsoft.Network/networkSecurityGroups?" AV),
         NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(r.json, "value"), i, v)
    {
        size_t want = strcmp(jstr(v, "name"), "N1") == 0 ? 2 : strcmp(jstr(v, "name"), "z9") == 0;
        if (json_array_size(json_object_get(jprops(v), "securityRules")) != want)
            fail_msg("%s should show %zu rules: %s", jstr(v, "name"), want,
                     json_dumps(v, JSON_COMPACT));
        if (strcmp(jstr(v, "name"), "z9") == 0)
            assert_string_equal(
                jstr(json_array_get(json_object_get(jprops(v), "securityRules"), 0), "id"),
                "/subscriptions/" SUB_PAGE "/resourceGroups/rg-b" PROV "/z9/securityRules/three");
    }
    itest_resp_free(&r);

    expect("GET", F("/subscriptions/" SUB_PAGE "/resourceGroups/rg-a" PROV "?" AV "&$top=0"), NULL,
           400, "InvalidQueryParameterValue");
    expect("GET",
           F("/subscriptions/" SUB_PAGE "/resourceGroups/rg-a" PROV "?" AV "&$skipToken=%%25"),
           NULL, 400, "InvalidQueryParameterValue");
    expect("GET", F("/subscriptions/" SUB_PAGE "/resourceGroups/nogroup" PROV "?" AV), NULL, 404,
           "ResourceGroupNotFound");
    /* An empty resource group: an empty list. */
    expect("PUT", "/subscriptions/" SUB_PAGE "/resourcegroups/empty?" AV,
           "{\"location\":\"westeurope\"}", 201, NULL);
    call("GET", F("/subscriptions/" SUB_PAGE "/resourceGroups/empty" PROV "?" AV), NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_int_equal(json_array_size(json_object_get(r.json, "value")), 0);
    assert_null(json_object_get(r.json, "nextLink"));
    itest_resp_free(&r);
}

/* --- names keep their case
 * ------------------------------------------------------------------------ */

static void test_case_insensitive_names(void **state)
{
    (void)state;
    struct itest_resp r;
    make_sub(SUB_CASE, "MyGroup");
    call("PUT", NSG_PATH(SUB_CASE, "mygroup", "MyNsg"), NULL,
         NSG_BODY(RULE("Rule1", 100, "Inbound")), &r);
    ITEST_EXPECT_STATUS(&r, 201);
    const char *id = "/subscriptions/" SUB_CASE "/resourceGroups/MyGroup" PROV "/MyNsg";
    assert_string_equal(jstr(r.json, "id"), id);
    itest_resp_free(&r);

    /* Any spelling of the names and of the literal segments. */
    call("GET",
         F("/SUBSCRIPTIONS/" SUB_CASE "/RESOURCEGROUPS/MYGROUP/Providers/microsoft.network/"
           "NETWORKSECURITYGROUPS/MYNSG?" AV),
         NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_string_equal(jstr(r.json, "name"), "MyNsg");
    assert_string_equal(jstr(r.json, "id"), id);
    assert_string_equal(
        jstr(json_array_get(json_object_get(jprops(r.json), "securityRules"), 0), "id"),
        F("%s/securityRules/Rule1", id));
    itest_resp_free(&r);

    /* A PUT in another case updates the same group; its name keeps its case. */
    call("PUT", NSG_PATH(SUB_CASE, "MYGROUP", "mynsg"), NULL,
         "{\"location\":\"westeurope\",\"tags\":{\"x\":\"y\"},\"properties\":{\"securityRules\":["
         "" RULE("RULE1", 100, "Inbound") "]}}",
         &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_string_equal(jstr(r.json, "name"), "MyNsg");
    assert_string_equal(
        jstr(json_array_get(json_object_get(jprops(r.json), "securityRules"), 0), "name"), "Rule1");
    itest_resp_free(&r);
    assert_int_equal(pg_long("SELECT count(*) FROM network_security_groups WHERE subscription_id"
                             " = '%s'",
                             SUB_CASE),
                     1);
    assert_int_equal(generation(SUB_CASE, "MyNsg"), 1);

    call("GET", NSG_SUB(SUB_CASE, "MYGROUP", "mynsg", "/securityRules/rule1"), NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_string_equal(jstr(r.json, "name"), "Rule1");
    assert_string_equal(jstr(r.json, "id"), F("%s/securityRules/Rule1", id));
    itest_resp_free(&r);
    /* The subscription list shows the stored names too. */
    call("GET",
         F("/subscriptions/" SUB_CASE "/providers/Microsoft.Network/networkSecurityGroups?" AV),
         NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_string_equal(jstr(json_array_get(json_object_get(r.json, "value"), 0), "id"), id);
    itest_resp_free(&r);
    expect("DELETE", NSG_PATH(SUB_CASE, "mygroup", "MYNSG"), NULL, 200, NULL);
    assert_int_equal(pg_long("SELECT count(*) FROM network_security_groups WHERE subscription_id"
                             " = '%s'",
                             SUB_CASE),
                     0);
}

/* --- who refers to a group; delete refused while it is in use
 * --------------------------------------- */

#define NIC1_ID   "b0000001-0000-4000-8000-000000000001"
#define NIC2_ID   "b0000002-0000-4000-8000-000000000002"
#define VNET_ID   "b0000003-0000-4000-8000-000000000003"
#define SUBNET_ID "b0000004-0000-4000-8000-000000000004"
#define OTHER_SN  "b0000005-0000-4000-8000-000000000005"

static char *nsg_uuid(const char *sub, const char *name)
{
    char *id = pg_text("SELECT id::text FROM network_security_groups WHERE subscription_id = '%s'"
                       " AND name = '%s'",
                       sub, name);
    assert_non_null(id);
    return id;
}

static void test_in_use(void **state)
{
    (void)state;
    struct itest_resp r;
    make_sub(SUB_USE, "Net-RG");
    const char *shared = NSG_PATH(SUB_USE, "net-rg", "shared");
    expect("PUT", shared, NSG_BODY(RULE("web", 100, "Inbound")), 201, NULL);
    expect("PUT", NSG_PATH(SUB_USE, "net-rg", "other"), NSG_BODY(), 201, NULL);
    char *shared_id = nsg_uuid(SUB_USE, "shared");
    char *other_id = nsg_uuid(SUB_USE, "other");

    /* The network interface and virtual network API comes with another
     * branch: the rows are written here as it will write them. Nic1 refers
     * to the group itself; Nic2 only through its subnet. */
    pg_exec("INSERT INTO virtual_networks (id, subscription_id, rg_key, name, location, etag,"
            " address_prefixes) VALUES ('" VNET_ID "', '%s', 'net-rg', 'VNet1', 'westeurope',"
            " '" VNET_ID "', '{10.0.0.0/16}');"
            "INSERT INTO subnets (id, vnet_id, name, etag, address_prefix, nsg_id) VALUES"
            " ('" SUBNET_ID "', '" VNET_ID "', 'Front', '" SUBNET_ID "', '10.0.1.0/24', '%s'),"
            " ('" OTHER_SN "', '" VNET_ID "', 'Back', '" OTHER_SN "', '10.0.2.0/24', '%s');"
            "INSERT INTO network_interfaces (id, subscription_id, rg_key, name, location, etag,"
            " mac_address, nsg_id) VALUES ('" NIC1_ID "', '%s', 'net-rg', 'Nic1', 'westeurope',"
            " '" NIC1_ID "', '00:0d:3a:00:00:01', '%s'), ('" NIC2_ID "', '%s', 'net-rg', 'Nic2',"
            " 'westeurope', '" NIC2_ID "', '00:0d:3a:00:00:02', NULL);"
            "INSERT INTO nic_ip_configurations (id, nic_id, name, etag, subnet_id, private_ip,"
            " allocation_method, is_primary) VALUES ('" NIC2_ID "', '" NIC2_ID "', 'ipconfig1',"
            " '" NIC2_ID "', '" SUBNET_ID "', '10.0.1.4', 'Dynamic', true)",
            SUB_USE, shared_id, other_id, SUB_USE, shared_id, SUB_USE);

    const char *base =
        "/subscriptions/" SUB_USE "/resourceGroups/Net-RG/providers/Microsoft.Network";
    call("GET", shared, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    json_t *nics = json_object_get(jprops(r.json), "networkInterfaces");
    json_t *subnets = json_object_get(jprops(r.json), "subnets");
    assert_int_equal(json_array_size(nics), 1);
    assert_int_equal(json_array_size(subnets), 1);
    assert_string_equal(jstr(json_array_get(nics, 0), "id"), F("%s/networkInterfaces/Nic1", base));
    assert_string_equal(jstr(json_array_get(subnets, 0), "id"),
                        F("%s/virtualNetworks/VNet1/subnets/Front", base));
    itest_resp_free(&r);
    /* The lists show them too (loaded for a whole page at once). */
    call("GET", F("/subscriptions/" SUB_USE "/resourceGroups/net-rg" PROV "?" AV), NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    json_t *other = by_name(json_object_get(r.json, "value"), "other");
    json_t *sh = by_name(json_object_get(r.json, "value"), "shared");
    assert_int_equal(json_array_size(json_object_get(jprops(sh), "networkInterfaces")), 1);
    assert_int_equal(json_array_size(json_object_get(jprops(other), "networkInterfaces")), 0);
    assert_string_equal(jstr(json_array_get(json_object_get(jprops(other), "subnets"), 0), "id"),
                        F("%s/virtualNetworks/VNet1/subnets/Back", base));
    itest_resp_free(&r);

    /* The queries a policy push will use, run directly. */
    struct db_pool *pool = db_pool_new(g.conninfo, 1, 5000, 0);
    struct db_conn *c;
    assert_int_equal(db_acquire(pool, &c), DB_OK);
    struct db_nsg_refs refs;
    const char *ids[] = {shared_id, other_id};
    assert_int_equal(db_nsg_refs_get(c, ids, 2, &refs), DB_OK);
    assert_int_equal(refs.nnics, 1);
    assert_string_equal(refs.nics[0].id, NIC1_ID);
    assert_string_equal(refs.nics[0].nsg_id, shared_id);
    assert_string_equal(refs.nics[0].name, "Nic1");
    assert_string_equal(refs.nics[0].rg_name, "Net-RG");
    assert_null(refs.nics[0].vnet);
    assert_int_equal(refs.nsubnets, 2);
    for (size_t i = 0; i < 2; i++) {
        int is_shared = strcmp(refs.subnets[i].nsg_id, shared_id) == 0;
        assert_string_equal(refs.subnets[i].id, is_shared ? SUBNET_ID : OTHER_SN);
        assert_string_equal(refs.subnets[i].name, is_shared ? "Front" : "Back");
        assert_string_equal(refs.subnets[i].vnet, "VNet1");
    }
    db_nsg_refs_free(&refs);
    char(*affected)[37];
    size_t naffected;
    assert_int_equal(db_nsg_nics_affected(c, shared_id, &affected, &naffected), DB_OK);
    assert_int_equal(naffected, 2);
    assert_string_equal(affected[0], NIC1_ID);
    assert_string_equal(affected[1], NIC2_ID);
    free(affected);
    assert_int_equal(db_nsg_nics_affected(c, other_id, &affected, &naffected), DB_OK);
    assert_int_equal(naffected, 0);
    free(affected);
    db_release(pool, c);
    db_pool_free(pool);

    /* In use: 409 with ARM's code, naming who uses it; nothing deleted. */
    call("DELETE", shared, NULL, NULL, &r);
    ITEST_EXPECT_ERROR(&r, 409, "InUseNetworkSecurityGroupCannotBeDeleted");
    const char *msg = itest_error_message(&r);
    if (!strstr(msg, F("%s/networkInterfaces/Nic1", base)) ||
        !strstr(msg, F("%s/virtualNetworks/VNet1/subnets/Front", base)))
        fail_msg("the message should name the NIC and the subnet: %s", itest_resp_str(&r));
    itest_resp_free(&r);
    expect("DELETE", NSG_PATH(SUB_USE, "net-rg", "other"), NULL, 409,
           "InUseNetworkSecurityGroupCannotBeDeleted");
    assert_int_equal(rule_count(SUB_USE, "shared"), 1);
    expect("GET", shared, NULL, 200, NULL);
    /* Its rules still change (and the generation with them). */
    expect("PUT", NSG_SUB(SUB_USE, "net-rg", "shared", "/securityRules/web"),
           RULE_PROPS(100, "Inbound", "443"), 200, NULL);
    assert_int_equal(generation(SUB_USE, "shared"), 2);

    /* Without the subnet's reference it is still in use by the NIC... */
    pg_exec("UPDATE subnets SET nsg_id = NULL WHERE id = '" SUBNET_ID "'");
    expect("DELETE", shared, NULL, 409, "InUseNetworkSecurityGroupCannotBeDeleted");
    /* ...and without that, it goes. */
    pg_exec("UPDATE network_interfaces SET nsg_id = NULL WHERE id = '" NIC1_ID "'");
    expect("DELETE", shared, NULL, 200, NULL);
    pg_exec("UPDATE subnets SET nsg_id = NULL WHERE id = '" OTHER_SN "'");
    expect("DELETE", NSG_PATH(SUB_USE, "net-rg", "other"), NULL, 200, NULL);
    free(shared_id);
    free(other_id);
}

/* --- concurrency
 * ----------------------------------------------------------------------------------- */

#define RACERS 8

struct racer {
    pthread_barrier_t *go;
    char path[512];
    char body[512];
    long status;
    char code[64];
};

static void *race_one(void *arg)
{
    struct racer *a = arg;
    struct itest_req rq = {
        .method = "PUT", .path = a->path, .auth = ITEST_AUTH_ADMIN, .body = a->body};
    struct itest_resp r;
    pthread_barrier_wait(a->go);
    itest_do(&g.d, &rq, &r);
    a->status = r.status;
    snprintf(a->code, sizeof a->code, "%s", itest_error_code(&r) ? itest_error_code(&r) : "");
    itest_resp_free(&r);
    return NULL;
}

/* Runs RACERS PUTs of rule rule-<round>-<i> at once; priority base + i, or
 * base for all when same_priority. Counts 201s and SecurityRuleConflicts. */
static void race(int round, int base, int same_priority, int *created, int *conflicts)
{
    pthread_barrier_t go;
    pthread_t th[RACERS];
    struct racer a[RACERS];
    pthread_barrier_init(&go, NULL, RACERS);
    for (int i = 0; i < RACERS; i++) {
        a[i] = (struct racer){.go = &go};
        snprintf(a[i].path, sizeof a[i].path, "%s",
                 NSG_SUB(SUB_RACE, "rg", "race", F("/securityRules/rule-%d-%d", round, i)));
        snprintf(a[i].body, sizeof a[i].body,
                 "{\"properties\":{\"protocol\":\"Tcp\",\"access\":\"Allow\",\"direction\":"
                 "\"Inbound\",\"priority\":%d,\"sourceAddressPrefix\":\"*\","
                 "\"destinationAddressPrefix\":\"*\",\"sourcePortRange\":\"*\","
                 "\"destinationPortRange\":\"%d\"}}",
                 same_priority ? base : base + i, 1000 + i);
        pthread_create(&th[i], NULL, race_one, &a[i]);
    }
    *created = *conflicts = 0;
    for (int i = 0; i < RACERS; i++) {
        pthread_join(th[i], NULL);
        if (a[i].status == 201)
            (*created)++;
        else if (a[i].status == 400 && strcmp(a[i].code, "SecurityRuleConflict") == 0)
            (*conflicts)++;
        else
            fail_msg("%s: unexpected %ld %s", a[i].path, a[i].status, a[i].code);
    }
    pthread_barrier_destroy(&go);
}

/* Concurrent rule writes to one group: each bumps the generation exactly
 * once, and of several on one priority exactly one wins. */
static void test_concurrent_rules(void **state)
{
    (void)state;
    make_sub(SUB_RACE, "rg");
    expect("PUT", NSG_PATH(SUB_RACE, "rg", "race"), NSG_BODY(), 201, NULL);
    int created, conflicts;
    race(0, 100, 0, &created, &conflicts);
    assert_int_equal(created, RACERS);
    assert_int_equal(generation(SUB_RACE, "race"), 1 + RACERS);
    for (int round = 1; round <= 5; round++) {
        race(round, 1000 + round, 1, &created, &conflicts);
        if (created != 1 || conflicts != RACERS - 1)
            fail_msg("round %d: %d created, %d conflicts (exactly one may win)", round, created,
                     conflicts);
    }
    assert_int_equal(rule_count(SUB_RACE, "race"), RACERS + 5);
    assert_int_equal(generation(SUB_RACE, "race"), 1 + RACERS + 5);
}

/* Every line of the daemon's log is JSON, also after all of the above. */
static void test_log_lines(void **state)
{
    (void)state;
    if (itest_log_all_json(&g.d) != 0)
        fail_msg("accelnetd's log has lines that are not JSON objects (see above)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nsg_crud),
        cmocka_unit_test(test_inline_replace),
        cmocka_unit_test(test_default_rules),
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_priority_conflicts),
        cmocka_unit_test(test_rule_crud),
        cmocka_unit_test(test_etags),
        cmocka_unit_test(test_paging),
        cmocka_unit_test(test_case_insensitive_names),
        cmocka_unit_test(test_in_use),
        cmocka_unit_test(test_concurrent_rules),
        cmocka_unit_test(test_log_lines),
    };
    return cmocka_run_group_tests_name("it_nsg", tests, setup, teardown);
}
