/* Unit tests for agent/proto.h: validation of the attach, policy and batch
 * policy bodies
 * (every problem reported with its path), the canonical forms, the NIC
 * object, the generation rule and what makes a repeated attach the same. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/proto.h"

#define RULE_VNET_IN                                                               \
    "{\"stage\":\"subnet\",\"name\":\"AllowVnetInBound\",\"priority\":65000,"      \
    "\"direction\":\"Inbound\",\"access\":\"Allow\",\"protocol\":\"*\","           \
    "\"sourceAddressPrefixes\":[\"VirtualNetwork\"],\"sourcePortRanges\":[\"*\"]," \
    "\"destinationAddressPrefixes\":[\"VirtualNetwork\"],\"destinationPortRanges\":[\"*\"]}"
#define RULE_SSH                                                                            \
    "{\"stage\":\"nic\",\"name\":\"ssh\",\"priority\":100,\"direction\":\"inbound\","       \
    "\"access\":\"allow\",\"protocol\":\"tcp\",\"sourceAddressPrefixes\":[\"10.0.0.0/16\"," \
    "\"172.16.0.0/12\",\"192.168.1.7\"],\"sourcePortRanges\":[\"*\"],"                      \
    "\"destinationAddressPrefixes\":[\"*\"],\"destinationPortRanges\":[\"22\",\"8000-8080\"]}"

#define ATTACH_BODY                                                                                \
    "{\"vmId\":\"7D3B4F8E-1111-4A2B-9C3D-000000000001\",\"macAddress\":\"00:0d:3a:00:00:01\","     \
    "\"ipAddress\":\"10.0.0.4\",\"prefixLength\":24,\"gateway\":\"10.0.0.1\","                     \
    "\"segmentId\":4096,\"rateLimitMbps\":0,\"policy\":{\"generation\":3,\"rules\":[" RULE_VNET_IN \
    "," RULE_SSH "]}}"

static json_t *load(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    if (!j)
        fail_msg("test JSON does not parse: %s: %s", je.text, text);
    return j;
}

/* Whether e has a detail whose target is `target` and whose message contains
 * `says`. */
static int has_detail(const struct err *e, const char *target, const char *says)
{
    for (size_t i = 0; i < e->ndetails; i++)
        if (e->details[i].target && strcmp(e->details[i].target, target) == 0 &&
            (!says || strstr(e->details[i].message, says)))
            return 1;
    return 0;
}

static void print_details(const struct err *e)
{
    for (size_t i = 0; i < e->ndetails; i++)
        fprintf(stderr, "  detail %s: %s\n", e->details[i].target ? e->details[i].target : "-",
                e->details[i].message);
}

static void test_attach_valid(void **state)
{
    struct nic_spec s;
    struct err e = {0};
    (void)state;
    json_t *body = load(ATTACH_BODY);
    if (proto_parse_attach(body, &s, &e) != 0) {
        print_details(&e);
        fail_msg("valid body refused: %s", e.message);
    }
    assert_string_equal(s.vm_id, "7d3b4f8e-1111-4a2b-9c3d-000000000001");
    assert_string_equal(s.mac, "00-0D-3A-00-00-01"); /* ARM's form */
    assert_string_equal(s.ip, "10.0.0.4");
    assert_int_equal(s.prefix_len, 24);
    assert_string_equal(s.gateway, "10.0.0.1");
    assert_int_equal(s.segment_id, 4096);
    assert_int_equal(s.rate_limit_mbps, 0);
    assert_int_equal(s.policy_generation, 3);
    assert_int_equal(json_array_size(s.policy_rules), 2);
    /* Canonical case for the enum values. */
    json_t *ssh = json_array_get(s.policy_rules, 1);
    assert_string_equal(json_string_value(json_object_get(ssh, "direction")), "Inbound");
    assert_string_equal(json_string_value(json_object_get(ssh, "access")), "Allow");
    assert_string_equal(json_string_value(json_object_get(ssh, "protocol")), "Tcp");
    assert_int_equal(json_array_size(json_object_get(ssh, "destinationPortRanges")), 2);

    /* The canonical attach body parses back to the same thing. */
    json_t *again = proto_attach_json(&s);
    struct nic_spec s2;
    assert_int_equal(proto_parse_attach(again, &s2, &e), 0);
    assert_null(proto_attach_differs(&s, &s2));
    assert_int_equal(s2.policy_generation, 3);
    assert_true(json_equal(s.policy_rules, s2.policy_rules));
    json_decref(again);
    nic_spec_clear(&s2);
    nic_spec_clear(&s);
    json_decref(body);
}

static void test_attach_optional_members(void **state)
{
    struct nic_spec s;
    struct err e = {0};
    (void)state;
    json_t *body = load("{\"vmId\":\"7d3b4f8e-1111-4a2b-9c3d-000000000001\","
                        "\"macAddress\":\"000D3A0000FF\",\"ipAddress\":\"2001:DB8::4\","
                        "\"prefixLength\":64,\"segmentId\":0,"
                        "\"policy\":{\"generation\":0,\"rules\":[]}}");
    if (proto_parse_attach(body, &s, &e) != 0) {
        print_details(&e);
        fail_msg("valid body refused: %s", e.message);
    }
    assert_string_equal(s.mac, "00-0D-3A-00-00-FF");
    assert_string_equal(s.ip, "2001:db8::4"); /* canonical text */
    assert_string_equal(s.gateway, "");
    assert_int_equal(s.rate_limit_mbps, 0);
    json_t *j = proto_attach_json(&s);
    assert_null(json_object_get(j, "gateway"));
    json_decref(j);
    nic_spec_clear(&s);
    json_decref(body);
}

/* Every problem of a bad body is reported, each with its path. */
static void test_attach_every_problem(void **state)
{
    struct nic_spec s;
    struct err e = {0};
    (void)state;
    json_t *body =
        load("{\"vmId\":\"not-a-uuid\",\"macAddress\":\"01-00-5E-00-00-01\",\"ipAddress\":\"10.0.0."
             "300\","
             "\"prefixLength\":24,\"gateway\":\"fe80::1\",\"segmentId\":16777216,"
             "\"rateLimitMbps\":-1,\"color\":\"red\",\"policy\":{\"generation\":-2,\"rules\":["
             "{\"stage\":\"vnet\",\"name\":\"\",\"priority\":99,\"direction\":\"Sideways\","
             "\"access\":\"Maybe\",\"protocol\":\"Sctp\",\"sourceAddressPrefixes\":[],"
             "\"sourcePortRanges\":[\"70000\"],\"destinationAddressPrefixes\":[\"10.0.0.0/33\"],"
             "\"destinationPortRanges\":[\"90-80\"],\"extra\":1},"
             "{\"stage\":\"nic\",\"name\":\"a\",\"priority\":200,\"direction\":\"Outbound\","
             "\"access\":\"Deny\",\"protocol\":\"Udp\",\"sourceAddressPrefixes\":[\"*\"],"
             "\"sourcePortRanges\":[\"*\"],\"destinationAddressPrefixes\":[\"not a prefix\"],"
             "\"destinationPortRanges\":[\"*\"]},"
             "{\"stage\":\"NIC\",\"name\":\"b\",\"priority\":200,\"direction\":\"outbound\","
             "\"access\":\"Deny\",\"protocol\":\"Udp\",\"sourceAddressPrefixes\":[\"*\"],"
             "\"sourcePortRanges\":[\"*\"],\"destinationAddressPrefixes\":[\"*\"],"
             "\"destinationPortRanges\":[\"*\"]}]}}");
    assert_int_equal(proto_parse_attach(body, &s, &e), -1);
    assert_int_equal(e.code, ERR_INVALID_REQUEST_CONTENT);
    static const struct {
        const char *target, *says;
    } want[] = {
        {"vmId", "UUID"},
        {"macAddress", "unicast"},
        {"ipAddress", "not an IPv4"},
        {"segmentId", "between"},
        {"rateLimitMbps", "between"},
        {"color", "not a known property"},
        {"policy.generation", "between"},
        {"policy.rules[0].stage", "one of"},
        {"policy.rules[0].name", "at least"},
        {"policy.rules[0].priority", "between"},
        {"policy.rules[0].direction", "one of"},
        {"policy.rules[0].access", "one of"},
        {"policy.rules[0].protocol", "one of"},
        {"policy.rules[0].sourceAddressPrefixes", "at least"},
        {"policy.rules[0].extra", "not a known property"},
        {"policy.rules[0].sourcePortRanges[0]", "port range"},
        {"policy.rules[0].destinationAddressPrefixes[0]", "address prefix"},
        {"policy.rules[0].destinationPortRanges[0]", "port range"},
        {"policy.rules[1].destinationAddressPrefixes[0]", "address prefix"},
        {"policy.rules[2].priority", "unique"},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        if (!has_detail(&e, want[i].target, want[i].says)) {
            print_details(&e);
            fail_msg("no detail for %s saying '%s'", want[i].target, want[i].says);
        }
    }
    assert_null(s.policy_rules);
    err_clear(&e);
    json_decref(body);

    /* The gateway's family must be the address's. */
    body = load("{\"vmId\":\"7d3b4f8e-1111-4a2b-9c3d-000000000001\",\"macAddress\":"
                "\"00-0D-3A-00-00-01\",\"ipAddress\":\"10.0.0.4\",\"prefixLength\":33,"
                "\"gateway\":\"fe80::1\",\"segmentId\":1,\"policy\":{\"generation\":1,"
                "\"rules\":[]}}");
    assert_int_equal(proto_parse_attach(body, &s, &e), -1);
    assert_true(has_detail(&e, "gateway", "family"));
    assert_true(has_detail(&e, "prefixLength", "at most 32"));
    err_clear(&e);
    json_decref(body);
}

static void test_attach_missing(void **state)
{
    struct nic_spec s;
    struct err e = {0};
    (void)state;
    assert_int_equal(proto_parse_attach(NULL, &s, &e), -1);
    assert_int_equal(e.code, ERR_INVALID_REQUEST_CONTENT);
    err_clear(&e);
    json_t *body = load("{}");
    assert_int_equal(proto_parse_attach(body, &s, &e), -1);
    static const char *const required[] = {"vmId",         "macAddress", "ipAddress",
                                           "prefixLength", "segmentId",  "policy"};
    for (size_t i = 0; i < 6; i++)
        if (!has_detail(&e, required[i], "required"))
            fail_msg("no 'required' detail for %s", required[i]);
    err_clear(&e);
    json_decref(body);
    body = load("[1]");
    assert_int_equal(proto_parse_attach(body, &s, &e), -1);
    err_clear(&e);
    json_decref(body);
}

static void test_mac_forms(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"00-0d-3a-00-00-01", "00-0D-3A-00-00-01"},
        {"00:0D:3A:00:00:01", "00-0D-3A-00-00-01"},
        {"000d3a000001", "00-0D-3A-00-00-01"},
        {"02-00-00-00-00-00", "02-00-00-00-00-00"},
        {"00-0D-3A:00-00-01", NULL}, /* mixed separators */
        {"00-0D-3A-00-00", NULL},
        {"00-0D-3A-00-00-0G", NULL},
        {"01-00-5E-00-00-01", NULL}, /* multicast */
        {"FF-FF-FF-FF-FF-FF", NULL},
        {"00-00-00-00-00-00", NULL},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[400];
        snprintf(text, sizeof(text),
                 "{\"vmId\":\"7d3b4f8e-1111-4a2b-9c3d-000000000001\",\"macAddress\":\"%s\","
                 "\"ipAddress\":\"10.0.0.4\",\"prefixLength\":24,\"segmentId\":1,"
                 "\"policy\":{\"generation\":1,\"rules\":[]}}",
                 cases[i].in);
        json_t *body = load(text);
        struct nic_spec s;
        struct err e = {0};
        int rc = proto_parse_attach(body, &s, &e);
        if (cases[i].out) {
            if (rc != 0)
                fail_msg("%s refused", cases[i].in);
            assert_string_equal(s.mac, cases[i].out);
            nic_spec_clear(&s);
        } else if (rc == 0) {
            fail_msg("%s accepted", cases[i].in);
        }
        err_clear(&e);
        json_decref(body);
    }
}

/* Prefixes and ports go through accelnetd's own parser (common/nsg_rule.h):
 * IPv4 only, no host bits, the three tags in canonical case. */
static void test_rule_elements(void **state)
{
    long long gen;
    json_t *rules = NULL;
    struct err e = {0};
    (void)state;
    json_t *body = json_loads(
        "{\"generation\":1,\"rules\":[{\"stage\":\"nic\",\"name\":\"a\",\"priority\":100,"
        "\"direction\":\"Inbound\",\"access\":\"Allow\",\"protocol\":\"Udp\","
        "\"sourceAddressPrefixes\":[\"virtualnetwork\",\"INTERNET\",\"10.1.0.0/16\"],"
        "\"sourcePortRanges\":[\"080\",\"1000-2000\"],"
        "\"destinationAddressPrefixes\":[\"azureloadbalancer\",\"*\"],"
        "\"destinationPortRanges\":[\"*\"]}]}",
        0, NULL);
    assert_int_equal(proto_parse_policy(body, &gen, &rules, &e), 0);
    json_t *r = json_array_get(rules, 0);
    json_t *want = json_pack("[s, s, s]", "VirtualNetwork", "Internet", "10.1.0.0/16");
    assert_true(json_equal(json_object_get(r, "sourceAddressPrefixes"), want));
    json_decref(want);
    want = json_pack("[s, s]", "80", "1000-2000");
    assert_true(json_equal(json_object_get(r, "sourcePortRanges"), want));
    json_decref(want);
    want = json_pack("[s, s]", "AzureLoadBalancer", "*");
    assert_true(json_equal(json_object_get(r, "destinationAddressPrefixes"), want));
    json_decref(want);
    json_decref(rules);
    json_decref(body);

    body = json_loads(
        "{\"generation\":1,\"rules\":[{\"stage\":\"nic\",\"name\":\"a\",\"priority\":100,"
        "\"direction\":\"Inbound\",\"access\":\"Allow\",\"protocol\":\"Udp\","
        "\"sourceAddressPrefixes\":[\"10.0.0.5/24\",\"2001:db8::/32\",\"Storage\"],"
        "\"sourcePortRanges\":[\"2000-1000\"],"
        "\"destinationAddressPrefixes\":[\"*\"],\"destinationPortRanges\":[\"65536\"]}]}",
        0, NULL);
    assert_int_equal(proto_parse_policy(body, &gen, &rules, &e), -1);
    assert_true(has_detail(&e, "rules[0].sourceAddressPrefixes[0]", "host bits"));
    assert_true(has_detail(&e, "rules[0].sourceAddressPrefixes[1]", "IPv4"));
    assert_true(has_detail(&e, "rules[0].sourceAddressPrefixes[2]", "address prefix"));
    assert_true(has_detail(&e, "rules[0].sourcePortRanges[0]", "port range"));
    assert_true(has_detail(&e, "rules[0].destinationPortRanges[0]", "port range"));
    err_clear(&e);
    json_decref(body);
}

static void test_policy_body(void **state)
{
    long long gen = -1;
    json_t *rules = NULL;
    struct err e = {0};
    (void)state;
    json_t *body = load("{\"generation\":7,\"rules\":[" RULE_SSH "]}");
    assert_int_equal(proto_parse_policy(body, &gen, &rules, &e), 0);
    assert_int_equal(gen, 7);
    assert_int_equal(json_array_size(rules), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(rules, 0), "protocol")),
                        "Tcp");
    json_decref(rules);
    json_decref(body);

    body = load("{\"generation\":\"7\",\"rules\":{},\"vmId\":\"x\"}");
    assert_int_equal(proto_parse_policy(body, &gen, &rules, &e), -1);
    assert_null(rules);
    assert_true(has_detail(&e, "generation", "integer"));
    assert_true(has_detail(&e, "rules", "array"));
    assert_true(has_detail(&e, "vmId", "not a known property"));
    err_clear(&e);
    json_decref(body);

    assert_int_equal(proto_parse_policy(NULL, &gen, &rules, &e), -1);
    err_clear(&e);
}

static void test_batch_body(void **state)
{
    struct proto_batch b;
    struct err e = {0};
    (void)state;
    json_t *body = load(
        "{\"ruleSets\":[[" RULE_SSH "],[" RULE_VNET_IN "," RULE_SSH "]],\"nics\":["
        "{\"nicId\":\"AAAAAAAA-0000-4000-8000-000000000001\",\"generation\":7,\"ruleSet\":1},"
        "{\"nicId\":\"aaaaaaaa-0000-4000-8000-000000000002\",\"generation\":0,\"ruleSet\":0},"
        "{\"nicId\":\"aaaaaaaa-0000-4000-8000-000000000003\",\"generation\":9,\"ruleSet\":1}]}");
    if (proto_parse_batch(body, &b, &e) != 0) {
        print_details(&e);
        fail();
    }
    assert_int_equal(b.nrule_sets, 2);
    assert_int_equal(b.nnics, 3);
    assert_string_equal(b.nics[0].id, "aaaaaaaa-0000-4000-8000-000000000001");
    assert_int_equal(b.nics[0].generation, 7);
    assert_int_equal(b.nics[0].rule_set, 1);
    assert_int_equal(b.nics[1].rule_set, 0);
    assert_int_equal(b.nics[2].generation, 9);
    /* Canonical form, as in a policy body. */
    assert_int_equal(json_array_size(b.rule_sets[1]), 2);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(b.rule_sets[0], 0), "direction")),
        "Inbound");
    proto_batch_free(&b);
    proto_batch_free(&b); /* safe twice */
    json_decref(body);

    /* Every problem at once, with its path; nothing to free. */
    body = load("{\"ruleSets\":[[{\"stage\":\"nic\"}],{},[" RULE_SSH "," RULE_SSH "]],\"nics\":["
                "{\"nicId\":\"x\",\"generation\":1,\"ruleSet\":0},"
                "{\"nicId\":\"aaaaaaaa-0000-4000-8000-000000000002\",\"generation\":1,"
                "\"ruleSet\":3},"
                "{\"nicId\":\"AAAAAAAA-0000-4000-8000-000000000002\",\"generation\":-2,"
                "\"ruleSet\":0},{\"generation\":1}],\"x\":1}");
    assert_int_equal(proto_parse_batch(body, &b, &e), -1);
    assert_int_equal(b.nnics, 0);
    assert_null(b.rule_sets);
    assert_int_equal(e.code, ERR_INVALID_REQUEST_CONTENT);
    assert_true(has_detail(&e, "ruleSets[0][0].name", "required"));
    assert_true(has_detail(&e, "ruleSets[1]", "array"));
    assert_true(has_detail(&e, "ruleSets[2][1].priority", "unique"));
    assert_true(has_detail(&e, "nics[0].nicId", "not a NIC id"));
    assert_true(has_detail(&e, "nics[1].ruleSet", "one of the 3 rule sets"));
    assert_true(has_detail(&e, "nics[2].nicId", "more than once"));
    assert_true(has_detail(&e, "nics[2].generation", NULL));
    assert_true(has_detail(&e, "nics[3].nicId", "required"));
    assert_true(has_detail(&e, "nics[3].ruleSet", "required"));
    assert_true(has_detail(&e, "x", "not a known property"));
    err_clear(&e);
    json_decref(body);

    /* Too many: one error naming the limit. */
    body = load("{\"ruleSets\":[[]],\"nics\":[]}");
    json_t *nics = json_object_get(body, "nics");
    for (int i = 0; i <= PROTO_MAX_BATCH; i++)
        json_array_append_new(nics, json_pack("{s:s, s:i, s:i}", "nicId",
                                              "aaaaaaaa-0000-4000-8000-000000000001", "generation",
                                              1, "ruleSet", 0));
    assert_int_equal(proto_parse_batch(body, &b, &e), -1);
    assert_string_equal(e.target, "nics");
    assert_non_null(strstr(e.message, "at most 256"));
    assert_int_equal(e.ndetails, 0);
    err_clear(&e);
    json_decref(body);

    assert_int_equal(proto_parse_batch(NULL, &b, &e), -1);
    err_clear(&e);
    body = load("[]");
    assert_int_equal(proto_parse_batch(body, &b, &e), -1);
    err_clear(&e);
    json_decref(body);
}

static void test_generation_rule(void **state)
{
    (void)state;
    assert_int_equal(proto_generation_rule(3, 2), PROTO_GEN_OLDER);
    assert_int_equal(proto_generation_rule(3, 0), PROTO_GEN_OLDER);
    assert_int_equal(proto_generation_rule(3, 3), PROTO_GEN_EQUAL);
    assert_int_equal(proto_generation_rule(3, 4), PROTO_GEN_NEWER);
    assert_int_equal(proto_generation_rule(0, 0), PROTO_GEN_EQUAL);
    assert_int_equal(proto_generation_rule(0, 9223372036854775807LL), PROTO_GEN_NEWER);
}

static void test_attach_differs(void **state)
{
    struct nic_spec a, b;
    struct err e = {0};
    (void)state;
    json_t *body = load(ATTACH_BODY);
    assert_int_equal(proto_parse_attach(body, &a, &e), 0);
    nic_spec_copy(&b, &a);
    assert_null(proto_attach_differs(&a, &b));
    /* The policy does not count: it follows the generation rule. */
    b.policy_generation = 9;
    assert_null(proto_attach_differs(&a, &b));
    b.rate_limit_mbps = 100;
    assert_string_equal(proto_attach_differs(&a, &b), "rateLimitMbps");
    b.rate_limit_mbps = a.rate_limit_mbps;
    b.segment_id = 1;
    assert_string_equal(proto_attach_differs(&a, &b), "segmentId");
    b.segment_id = a.segment_id;
    snprintf(b.vm_id, sizeof(b.vm_id), "%s", "00000000-0000-4000-8000-000000000000");
    assert_string_equal(proto_attach_differs(&a, &b), "vmId");
    nic_spec_clear(&b);
    nic_spec_clear(&a);
    json_decref(body);
}

static void test_nic_json(void **state)
{
    struct agent_pf pf;
    struct nic_entry n;
    struct err e = {0};
    char err[200];
    (void)state;
    json_t *body = load(ATTACH_BODY);
    assert_int_equal(proto_parse_attach(body, &n.spec, &e), 0);
    snprintf(n.spec.id, sizeof(n.spec.id), "%s", "aaaaaaaa-0000-4000-8000-000000000001");
    assert_int_equal(pf_parse("pf0,0000:03:00.0,15b3:1003,16", &pf, err, sizeof(err)), 0);
    nic_vf_info(&pf, 3, &n.vf);
    json_t *j = proto_nic_json(&n);
    json_t *want = load("{\"nicId\":\"aaaaaaaa-0000-4000-8000-000000000001\","
                        "\"vmId\":\"7d3b4f8e-1111-4a2b-9c3d-000000000001\","
                        "\"macAddress\":\"00-0D-3A-00-00-01\",\"policyGeneration\":3,"
                        "\"vf\":{\"pf\":\"pf0\",\"vfIndex\":3,\"pciAddress\":\"0000:03:00.4\","
                        "\"representor\":\"pf0vf3\",\"driver\":\"mlx4_core\","
                        "\"vendorId\":\"15b3\",\"deviceId\":\"1004\"}}");
    if (!json_equal(j, want)) {
        char *text = json_dumps(j, 0);
        fail_msg("NIC object: %s", text);
    }
    json_decref(want);
    json_decref(j);
    nic_spec_clear(&n.spec);
    json_decref(body);
}

static void test_uuid(void **state)
{
    (void)state;
    assert_true(proto_uuid_ok("aaaaaaaa-0000-4000-8000-000000000001"));
    assert_true(proto_uuid_ok("AAAAAAAA-0000-4000-8000-00000000000F"));
    assert_false(proto_uuid_ok("aaaaaaaa-0000-4000-8000-00000000000"));
    assert_false(proto_uuid_ok("aaaaaaaa00000-4000-8000-000000000001"));
    assert_false(proto_uuid_ok(""));
    assert_false(proto_uuid_ok(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attach_valid),
        cmocka_unit_test(test_attach_optional_members),
        cmocka_unit_test(test_attach_every_problem),
        cmocka_unit_test(test_attach_missing),
        cmocka_unit_test(test_mac_forms),
        cmocka_unit_test(test_rule_elements),
        cmocka_unit_test(test_policy_body),
        cmocka_unit_test(test_batch_body),
        cmocka_unit_test(test_generation_rule),
        cmocka_unit_test(test_attach_differs),
        cmocka_unit_test(test_nic_json),
        cmocka_unit_test(test_uuid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
