/* Unit tests for common/nsg_rule.h: parsing and validating security rules,
 * their canonical text, equality and conflicts, storage round trips and
 * Azure's default rules. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/nsg_rule.h"

/* --- helpers ------------------------------------------------------------------ */

static json_t *parse(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        fail_msg("test JSON does not parse: %s (%s)", je.text, text);
    return j;
}

static void print_details(const struct err *e)
{
    for (size_t i = 0; i < e->ndetails; i++)
        print_message("detail %zu: %s %s: %s\n", i, err_code_name(e->details[i].code),
                      e->details[i].target ? e->details[i].target : "(null)",
                      e->details[i].message);
}

/* e has a detail with this target and code (and msg_part in its message). */
static void expect_detail(const struct err *e, const char *target, enum err_code code,
                          const char *msg_part)
{
    for (size_t i = 0; i < e->ndetails; i++) {
        const struct err_detail *d = &e->details[i];
        if (d->target && strcmp(d->target, target) == 0) {
            if (d->code != code) {
                print_details(e);
                fail_msg("detail '%s': code %s, expected %s", target, err_code_name(d->code),
                         err_code_name(code));
            }
            if (msg_part && !strstr(d->message, msg_part))
                fail_msg("detail '%s': message '%s' lacks '%s'", target, d->message, msg_part);
            return;
        }
    }
    print_details(e);
    fail_msg("no detail with target '%s'", target);
}

/* Parses props (JSON text) at path "p"; returns the number of problems. */
static int parse_rule(const char *props, struct nsgrule *r, struct err *e)
{
    json_t *j = parse(props);
    int n = nsgrule_parse(j, "p", r, e);
    json_decref(j);
    return n;
}

#define BASE "\"protocol\":\"Tcp\",\"access\":\"Allow\",\"direction\":\"Inbound\",\"priority\":100"
#define ANY4                                                                                      \
    "\"sourceAddressPrefix\":\"*\",\"destinationAddressPrefix\":\"*\",\"sourcePortRange\":\"*\"," \
    "\"destinationPortRange\":\"*\""

/* --- address prefixes --------------------------------------------------------------- */

static void test_addr_valid(void **state)
{
    (void)state;
    static const struct {
        const char *in, *canon;
        enum nsgrule_addr_kind kind;
        uint32_t net;
        int len;
    } ok[] = {
        {"*", "*", NSGRULE_ADDR_ANY, 0, 0},
        {"VirtualNetwork", "VirtualNetwork", NSGRULE_ADDR_VIRTUAL_NETWORK, 0, 0},
        {"virtualnetwork", "VirtualNetwork", NSGRULE_ADDR_VIRTUAL_NETWORK, 0, 0},
        {"INTERNET", "Internet", NSGRULE_ADDR_INTERNET, 0, 0},
        {"AzureLoadBalancer", "AzureLoadBalancer", NSGRULE_ADDR_AZURE_LOAD_BALANCER, 0, 0},
        {"10.0.0.4", "10.0.0.4", NSGRULE_ADDR_PREFIX, 0x0a000004, 32},
        {"10.0.0.4/32", "10.0.0.4/32", NSGRULE_ADDR_PREFIX, 0x0a000004, 32},
        {"10.0.0.0/8", "10.0.0.0/8", NSGRULE_ADDR_PREFIX, 0x0a000000, 8},
        {"0.0.0.0/0", "0.0.0.0/0", NSGRULE_ADDR_PREFIX, 0, 0},
        {"255.255.255.255", "255.255.255.255", NSGRULE_ADDR_PREFIX, 0xffffffff, 32},
        {"192.168.1.128/25", "192.168.1.128/25", NSGRULE_ADDR_PREFIX, 0xc0a80180, 25},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        struct nsgrule_addr a;
        enum err_code code;
        char why[200] = "", text[NSGRULE_TEXT_MAX];
        if (nsgrule_addr_parse(ok[i].in, 0, &a, &code, why, sizeof(why)) != 0)
            fail_msg("'%s' refused: %s", ok[i].in, why);
        assert_int_equal(a.kind, ok[i].kind);
        if (a.kind == NSGRULE_ADDR_PREFIX) {
            assert_int_equal(a.net, ok[i].net);
            assert_int_equal(a.len, ok[i].len);
        }
        nsgrule_addr_format(&a, text);
        assert_string_equal(text, ok[i].canon);
    }
}

static void test_addr_invalid(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *why;
    } bad[] = {
        {"", "is not an IPv4 address"},
        {"any", "is not an IPv4 address"},
        {"Storage", "is not an IPv4 address"},
        {"10.0.0", "is not an IPv4 address"},
        {"10.0.0.0.0", "is not an IPv4 address"},
        {"256.0.0.0", "is not an IPv4 address"},
        {"10.0.0.01", "is not an IPv4 address"},
        {"10.0.0.-1", "is not an IPv4 address"},
        {" 10.0.0.1", "is not an IPv4 address"},
        {"10.0.0.1 ", "is not an IPv4 address"},
        {"10.0.0.1,10.0.0.2", "is not an IPv4 address"},
        {"10.0.0.0/33", "prefix length"},
        {"10.0.0.0/", "prefix length"},
        {"10.0.0.0/08", "prefix length"},
        {"10.0.0.0/8/8", "prefix length"},
        {"10.0.0.1/24", "host bits set: the network is 10.0.0.0/24"},
        {"50.206.209.68/27", "the network is 50.206.209.64/27"},
        {"fe80::1", "IPv6"},
        {"::/0", "IPv6"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct nsgrule_addr a;
        enum err_code code;
        char why[200] = "";
        if (nsgrule_addr_parse(bad[i].in, 0, &a, &code, why, sizeof(why)) == 0)
            fail_msg("'%s' accepted", bad[i].in);
        assert_int_equal(code, ERR_SECURITY_RULE_INVALID_ADDRESS_PREFIX);
        if (!strstr(why, bad[i].why))
            fail_msg("'%s': '%s' lacks '%s'", bad[i].in, why, bad[i].why);
    }
}

static void test_addr_in_list(void **state)
{
    (void)state;
    static const char *const special[] = {"*", "VirtualNetwork", "internet", "AzureLoadBalancer"};
    for (size_t i = 0; i < 4; i++) {
        struct nsgrule_addr a;
        enum err_code code;
        char why[200] = "";
        assert_int_equal(nsgrule_addr_parse(special[i], 1, &a, &code, why, sizeof(why)), -1);
        assert_int_equal(code, ERR_SECURITY_RULE_UNSUPPORTED_VALUE);
    }
    struct nsgrule_addr a;
    enum err_code code;
    char why[200];
    assert_int_equal(nsgrule_addr_parse("10.1.0.0/16", 1, &a, &code, why, sizeof(why)), 0);
}

/* --- ports ------------------------------------------------------------------------ */

static void test_ports(void **state)
{
    (void)state;
    static const struct {
        const char *in, *canon;
        int lo, hi;
    } ok[] = {
        {"*", "*", 0, 65535},
        {"0", "0", 0, 0},
        {"80", "80", 80, 80},
        {"65535", "65535", 65535, 65535},
        {"1000-2000", "1000-2000", 1000, 2000},
        {"80-80", "80-80", 80, 80},
        {"0-65535", "0-65535", 0, 65535},
        {"080", "80", 80, 80},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        struct nsgrule_ports p;
        enum err_code code;
        char why[200] = "", text[NSGRULE_TEXT_MAX];
        if (nsgrule_ports_parse(ok[i].in, 0, &p, &code, why, sizeof(why)) != 0)
            fail_msg("'%s' refused: %s", ok[i].in, why);
        assert_int_equal(p.lo, ok[i].lo);
        assert_int_equal(p.hi, ok[i].hi);
        nsgrule_ports_format(&p, text);
        assert_string_equal(text, ok[i].canon);
    }
    static const struct {
        const char *in, *why;
    } bad[] = {
        {"", "should be an integer"},
        {"http", "should be an integer"},
        {"-1", "should be an integer"},
        {"+80", "should be an integer"},
        {"80-", "should be an integer"},
        {"-80", "should be an integer"},
        {"80 ", "should be an integer"},
        {"80,443", "should be an integer"},
        {"1-2-3", "should be an integer"},
        {"123456", "should be an integer"},
        {"65536", "outside the valid range 0-65535"},
        {"1000-70000", "outside the valid range"},
        {"2000-1000", "low end (2000) greater than its high end (1000)"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct nsgrule_ports p;
        enum err_code code;
        char why[200] = "";
        if (nsgrule_ports_parse(bad[i].in, 0, &p, &code, why, sizeof(why)) == 0)
            fail_msg("'%s' accepted", bad[i].in);
        assert_int_equal(code, ERR_SECURITY_RULE_INVALID_PORT_RANGE);
        if (!strstr(why, bad[i].why))
            fail_msg("'%s': '%s' lacks '%s'", bad[i].in, why, bad[i].why);
    }
    struct nsgrule_ports p;
    enum err_code code;
    char why[200];
    assert_int_equal(nsgrule_ports_parse("*", 1, &p, &code, why, sizeof(why)), -1);
    assert_int_equal(code, ERR_SECURITY_RULE_UNSUPPORTED_VALUE);
    assert_int_equal(nsgrule_ports_parse("22", 1, &p, &code, why, sizeof(why)), 0);
}

/* --- whole rules ---------------------------------------------------------------------- */

static void test_parse_minimal(void **state)
{
    (void)state;
    struct nsgrule r;
    struct err e = {0};
    assert_int_equal(parse_rule("{" BASE "," ANY4 "}", &r, &e), 0);
    assert_int_equal(e.ndetails, 0);
    assert_null(r.name);
    assert_string_equal(r.description, "");
    assert_int_equal(r.priority, 100);
    assert_int_equal(r.direction, NSGRULE_INBOUND);
    assert_int_equal(r.access, NSGRULE_ALLOW);
    assert_int_equal(r.protocol, NSGRULE_PROTO_TCP);
    assert_int_equal(r.nsrc, 1);
    assert_int_equal(r.src[0].kind, NSGRULE_ADDR_ANY);
    assert_int_equal(r.ndst_ports, 1);
    assert_true(r.dst_ports[0].any);
    nsgrule_free(&r);
    nsgrule_free(&r); /* safe twice */
}

/* Enum values in any case; canonical on the way out. */
static void test_parse_case_insensitive(void **state)
{
    (void)state;
    struct nsgrule r;
    struct err e = {0};
    assert_int_equal(parse_rule("{\"protocol\":\"UDP\",\"access\":\"deny\",\"direction\":"
                                "\"OUTBOUND\",\"priority\":4096," ANY4 "}",
                                &r, &e),
                     0);
    assert_int_equal(r.protocol, NSGRULE_PROTO_UDP);
    assert_int_equal(r.access, NSGRULE_DENY);
    assert_int_equal(r.direction, NSGRULE_OUTBOUND);
    json_t *o = nsgrule_properties_json(&r);
    assert_string_equal(json_string_value(json_object_get(o, "protocol")), "Udp");
    assert_string_equal(json_string_value(json_object_get(o, "access")), "Deny");
    assert_string_equal(json_string_value(json_object_get(o, "direction")), "Outbound");
    json_decref(o);
    nsgrule_free(&r);
    static const char *const protos[] = {"tcp", "Udp", "ICMP", "*"};
    static const enum nsgrule_protocol want[] = {NSGRULE_PROTO_TCP, NSGRULE_PROTO_UDP,
                                                 NSGRULE_PROTO_ICMP, NSGRULE_PROTO_ANY};
    for (size_t i = 0; i < 4; i++) {
        char body[512];
        snprintf(body, sizeof(body),
                 "{\"protocol\":\"%s\",\"access\":\"Allow\",\"direction\":\"Inbound\","
                 "\"priority\":200," ANY4 "}",
                 protos[i]);
        assert_int_equal(parse_rule(body, &r, &e), 0);
        assert_int_equal(r.protocol, want[i]);
        nsgrule_free(&r);
    }
}

static void test_parse_lists(void **state)
{
    (void)state;
    struct nsgrule r;
    struct err e = {0};
    assert_int_equal(
        parse_rule("{" BASE ",\"description\":\"web\",\"sourceAddressPrefixes\":[\"10.0.0.0/8\","
                   "\"192.168.0.1\"],\"destinationAddressPrefix\":\"VirtualNetwork\","
                   "\"sourcePortRange\":\"*\",\"destinationPortRanges\":[\"80\",\"443\","
                   "\"8000-8100\"],\"sourcePortRanges\":[],\"destinationAddressPrefixes\":[],"
                   "\"provisioningState\":\"Succeeded\",\"sourceApplicationSecurityGroups\":[]}",
                   &r, &e),
        0);
    assert_int_equal(r.nsrc, 2);
    assert_int_equal(r.ndst, 1);
    assert_int_equal(r.ndst_ports, 3);
    assert_int_equal(r.dst_ports[2].lo, 8000);
    assert_string_equal(r.description, "web");

    /* ARM's shape on the way out: several → the list alone; one → the
     * singular member next to an empty list. */
    json_t *o = nsgrule_properties_json(&r);
    json_t *want =
        parse("{\"provisioningState\":\"Succeeded\",\"description\":\"web\",\"protocol\":\"Tcp\","
              "\"sourcePortRange\":\"*\",\"sourcePortRanges\":[],\"destinationPortRanges\":[\"80\","
              "\"443\",\"8000-8100\"],\"sourceAddressPrefixes\":[\"10.0.0.0/8\",\"192.168.0.1\"],"
              "\"destinationAddressPrefix\":\"VirtualNetwork\",\"destinationAddressPrefixes\":[],"
              "\"access\":\"Allow\",\"priority\":100,\"direction\":\"Inbound\"}");
    if (!json_equal(o, want)) {
        char *got = json_dumps(o, JSON_SORT_KEYS);
        fail_msg("properties: %s", got);
    }
    /* What a GET shows parses back to the same rule (an SDK sends it back). */
    struct nsgrule again;
    assert_int_equal(nsgrule_parse(o, "p", &again, &e), 0);
    assert_true(nsgrule_equal(&r, &again));
    nsgrule_free(&again);
    json_decref(o);
    json_decref(want);

    /* A list of one is the same rule as the singular member. */
    assert_int_equal(parse_rule("{" BASE ",\"description\":\"web\",\"sourceAddressPrefixes\":["
                                "\"10.0.0.0/8\",\"192.168.0.1\"],\"destinationAddressPrefixes\":["
                                "\"VirtualNetwork\"],\"sourcePortRange\":\"*\","
                                "\"destinationPortRanges\":[\"80\",\"443\",\"8000-8100\"]}",
                                &again, &e),
                     1); /* a tag in a list is refused */
    nsgrule_free(&again);
    err_clear(&e);
    assert_int_equal(parse_rule("{" BASE ",\"sourceAddressPrefixes\":[\"10.0.0.0/8\"],"
                                "\"destinationAddressPrefix\":\"*\",\"sourcePortRanges\":[\"22\"],"
                                "\"destinationPortRange\":\"*\"}",
                                &again, &e),
                     0);
    struct nsgrule single;
    assert_int_equal(parse_rule("{" BASE ",\"sourceAddressPrefix\":\"10.0.0.0/8\","
                                "\"destinationAddressPrefix\":\"*\",\"sourcePortRange\":\"22\","
                                "\"destinationPortRange\":\"*\"}",
                                &single, &e),
                     0);
    assert_true(nsgrule_equal(&again, &single));
    nsgrule_free(&again);
    nsgrule_free(&single);
    nsgrule_free(&r);
}

/* Every problem at once, each with its JSON path and code. */
static void test_parse_every_problem(void **state)
{
    (void)state;
    struct nsgrule r;
    struct err e = {0};
    char desc[200];
    memset(desc, 'd', 141);
    desc[141] = '\0';
    char body[2048];
    snprintf(body, sizeof(body),
             "{\"description\":\"%s\",\"protocol\":\"Gre\",\"access\":\"Permit\","
             "\"direction\":\"Sideways\",\"priority\":99,"
             "\"sourceAddressPrefix\":\"10.0.0.1/24\",\"sourceAddressPrefixes\":[\"10.0.0.0/8\"],"
             "\"destinationAddressPrefixes\":[\"10.0.0.0/8\",\"*\",\"Internet\",\"bogus\",7],"
             "\"sourcePortRange\":\"70000\",\"destinationPortRanges\":[\"80\",\"*\",\"9-1\"],"
             "\"colour\":\"red\",\"sourceApplicationSecurityGroups\":[{\"id\":\"x\"}]}",
             desc);
    int n = parse_rule(body, &r, &e);
    expect_detail(&e, "p.description", ERR_INVALID_REQUEST_CONTENT, "at most 140");
    expect_detail(&e, "p.protocol", ERR_INVALID_REQUEST_CONTENT, "'Tcp', 'Udp', 'Icmp', '*'");
    expect_detail(&e, "p.access", ERR_INVALID_REQUEST_CONTENT, "'Allow', 'Deny'");
    expect_detail(&e, "p.direction", ERR_INVALID_REQUEST_CONTENT, "'Inbound', 'Outbound'");
    expect_detail(&e, "p.priority", ERR_SECURITY_RULE_INVALID_PRIORITY, "Value provided: 99");
    expect_detail(&e, "p.sourceAddressPrefix", ERR_INVALID_REQUEST_CONTENT, "cannot both");
    expect_detail(&e, "p.destinationAddressPrefixes[1]", ERR_SECURITY_RULE_UNSUPPORTED_VALUE, "*");
    expect_detail(&e, "p.destinationAddressPrefixes[2]", ERR_SECURITY_RULE_UNSUPPORTED_VALUE,
                  "Internet");
    expect_detail(&e, "p.destinationAddressPrefixes[3]", ERR_SECURITY_RULE_INVALID_ADDRESS_PREFIX,
                  "Value provided: bogus");
    expect_detail(&e, "p.destinationAddressPrefixes[4]", ERR_INVALID_REQUEST_CONTENT, "string");
    expect_detail(&e, "p.sourcePortRange", ERR_SECURITY_RULE_INVALID_PORT_RANGE,
                  "Value provided: 70000");
    expect_detail(&e, "p.destinationPortRanges[1]", ERR_SECURITY_RULE_UNSUPPORTED_VALUE, NULL);
    expect_detail(&e, "p.destinationPortRanges[2]", ERR_SECURITY_RULE_INVALID_PORT_RANGE,
                  "greater than");
    expect_detail(&e, "p.colour", ERR_INVALID_REQUEST_CONTENT, "not a known property");
    expect_detail(&e, "p.sourceApplicationSecurityGroups", ERR_INVALID_REQUEST_CONTENT,
                  "application security groups");
    if (n != 15 || e.ndetails != 15) {
        print_details(&e);
        fail_msg("expected 15 problems, got %d (%zu details)", n, e.ndetails);
    }
    assert_false(e.set); /* the caller sets the top-level error */
    nsgrule_free(&r);
    err_clear(&e);
}

static void test_parse_missing(void **state)
{
    (void)state;
    struct nsgrule r;
    struct err e = {0};
    /* An empty list is absent: the singular member is then required. */
    int n = parse_rule("{\"sourceAddressPrefixes\":[],\"destinationPortRange\":null}", &r, &e);
    expect_detail(&e, "p.protocol", ERR_INVALID_REQUEST_CONTENT, "required");
    expect_detail(&e, "p.access", ERR_INVALID_REQUEST_CONTENT, "required");
    expect_detail(&e, "p.direction", ERR_INVALID_REQUEST_CONTENT, "required");
    expect_detail(&e, "p.priority", ERR_INVALID_REQUEST_CONTENT, "required");
    expect_detail(&e, "p.sourceAddressPrefix", ERR_INVALID_REQUEST_CONTENT,
                  "(or the list 'p.sourceAddressPrefixes') is required");
    expect_detail(&e, "p.destinationAddressPrefix", ERR_INVALID_REQUEST_CONTENT, "required");
    expect_detail(&e, "p.sourcePortRange", ERR_INVALID_REQUEST_CONTENT, "required");
    expect_detail(&e, "p.destinationPortRange", ERR_INVALID_REQUEST_CONTENT, "required");
    assert_int_equal(n, 8);
    assert_int_equal(e.ndetails, 8);
    nsgrule_free(&r);
    err_clear(&e);

    /* Wrong types are reported once, as types. */
    n = parse_rule("{\"protocol\":6,\"access\":true,\"direction\":[],\"priority\":\"100\","
                   "\"sourceAddressPrefix\":1,\"destinationAddressPrefixes\":\"10.0.0.0/8\","
                   "\"sourcePortRange\":\"*\",\"destinationPortRange\":\"*\",\"description\":5}",
                   &r, &e);
    expect_detail(&e, "p.priority", ERR_INVALID_REQUEST_CONTENT, "integer");
    expect_detail(&e, "p.sourceAddressPrefix", ERR_INVALID_REQUEST_CONTENT, "string");
    expect_detail(&e, "p.destinationAddressPrefixes", ERR_INVALID_REQUEST_CONTENT, "array");
    assert_int_equal(n, 7);
    nsgrule_free(&r);
    err_clear(&e);

    /* Not an object at all. */
    json_t *j = json_integer(1);
    assert_int_equal(nsgrule_parse(j, "p", &r, &e), 1);
    json_decref(j);
    nsgrule_free(&r);
    err_clear(&e);
}

static void test_parse_limits(void **state)
{
    (void)state;
    struct nsgrule r;
    struct err e = {0};
    static const struct {
        const char *prio;
        int ok;
    } prios[] = {{"100", 1}, {"4096", 1}, {"99", 0},    {"4097", 0},
                 {"0", 0},   {"-5", 0},   {"65000", 0}, {"99999999999", 0}};
    for (size_t i = 0; i < sizeof(prios) / sizeof(prios[0]); i++) {
        char body[512];
        snprintf(body, sizeof(body),
                 "{\"protocol\":\"*\",\"access\":\"Allow\",\"direction\":\"Inbound\","
                 "\"priority\":%s," ANY4 "}",
                 prios[i].prio);
        int n = parse_rule(body, &r, &e);
        if (prios[i].ok)
            assert_int_equal(n, 0);
        else
            expect_detail(&e, "p.priority", ERR_SECURITY_RULE_INVALID_PRIORITY, "100-4096");
        nsgrule_free(&r);
        err_clear(&e);
    }
    /* 140 characters (not bytes) of description are fine. */
    char body[2048];
    int k = snprintf(body, sizeof(body), "{" BASE "," ANY4 ",\"description\":\"");
    for (int i = 0; i < 140; i++)
        k += snprintf(body + k, sizeof(body) - (size_t)k, "\xc3\xa9");
    snprintf(body + k, sizeof(body) - (size_t)k, "\"}");
    assert_int_equal(parse_rule(body, &r, &e), 0);
    nsgrule_free(&r);
    /* Esp and Ah are ARM protocols accelnet does not offload. */
    assert_int_equal(
        parse_rule("{\"protocol\":\"esp\",\"access\":\"Allow\",\"direction\":\"Inbound\","
                   "\"priority\":300," ANY4 "}",
                   &r, &e),
        1);
    expect_detail(&e, "p.protocol", ERR_SECURITY_RULE_UNSUPPORTED_VALUE, "esp");
    nsgrule_free(&r);
    err_clear(&e);
}

static void test_equal_and_conflict(void **state)
{
    (void)state;
    struct nsgrule a, b;
    struct err e = {0};
    assert_int_equal(parse_rule("{" BASE "," ANY4 "}", &a, &e), 0);
    assert_int_equal(parse_rule("{" BASE "," ANY4 ",\"description\":\"\"}", &b, &e), 0);
    assert_true(nsgrule_equal(&a, &b));
    assert_true(nsgrule_conflict(&a, &b));
    nsgrule_free(&b);
    /* Same priority, other direction: no conflict. */
    assert_int_equal(parse_rule("{\"protocol\":\"Tcp\",\"access\":\"Allow\",\"direction\":"
                                "\"Outbound\",\"priority\":100," ANY4 "}",
                                &b, &e),
                     0);
    assert_false(nsgrule_conflict(&a, &b));
    assert_false(nsgrule_equal(&a, &b));
    nsgrule_free(&b);
    /* Every property counts. */
    static const char *const other[] = {
        "{" BASE "," ANY4 ",\"description\":\"x\"}",
        "{\"protocol\":\"Udp\",\"access\":\"Allow\",\"direction\":\"Inbound\",\"priority\":"
        "100," ANY4 "}",
        "{\"protocol\":\"Tcp\",\"access\":\"Deny\",\"direction\":\"Inbound\",\"priority\":100," ANY4
        "}",
        "{\"protocol\":\"Tcp\",\"access\":\"Allow\",\"direction\":\"Inbound\",\"priority\":"
        "101," ANY4 "}",
        "{" BASE ",\"sourceAddressPrefix\":\"10.0.0.4\",\"destinationAddressPrefix\":\"*\","
        "\"sourcePortRange\":\"*\",\"destinationPortRange\":\"*\"}",
        "{" BASE ",\"sourceAddressPrefix\":\"*\",\"destinationAddressPrefix\":\"*\","
        "\"sourcePortRange\":\"*\",\"destinationPortRange\":\"0-65535\"}",
    };
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
        assert_int_equal(parse_rule(other[i], &b, &e), 0);
        if (nsgrule_equal(&a, &b))
            fail_msg("%s equals the base rule", other[i]);
        nsgrule_free(&b);
    }
    /* An address and the same address as a /32 are written differently:
     * a change (what a GET shows differs). */
    struct nsgrule c, d;
    assert_int_equal(parse_rule("{" BASE ",\"sourceAddressPrefix\":\"10.0.0.4\","
                                "\"destinationAddressPrefix\":\"*\",\"sourcePortRange\":\"*\","
                                "\"destinationPortRange\":\"*\"}",
                                &c, &e),
                     0);
    assert_int_equal(parse_rule("{" BASE ",\"sourceAddressPrefix\":\"10.0.0.4/32\","
                                "\"destinationAddressPrefix\":\"*\",\"sourcePortRange\":\"*\","
                                "\"destinationPortRange\":\"*\"}",
                                &d, &e),
                     0);
    assert_false(nsgrule_equal(&c, &d));
    nsgrule_free(&c);
    nsgrule_free(&d);
    nsgrule_free(&a);
}

/* What is stored comes back as the same rule. */
static void test_storage_round_trip(void **state)
{
    (void)state;
    struct nsgrule r, back;
    struct err e = {0};
    assert_int_equal(
        parse_rule("{\"protocol\":\"Icmp\",\"access\":\"Deny\",\"direction\":\"Outbound\","
                   "\"priority\":4000,\"description\":\"no ping\",\"sourceAddressPrefix\":"
                   "\"virtualNETWORK\",\"destinationAddressPrefixes\":[\"1.2.3.0/24\","
                   "\"4.5.6.7\"],\"sourcePortRange\":\"*\",\"destinationPortRanges\":[\"1-2\","
                   "\"3\"]}",
                   &r, &e),
        0);
    char *src = nsgrule_addrs_text(r.src, r.nsrc);
    char *dst = nsgrule_addrs_text(r.dst, r.ndst);
    char *sp = nsgrule_ports_text(r.src_ports, r.nsrc_ports);
    char *dp = nsgrule_ports_text(r.dst_ports, r.ndst_ports);
    assert_string_equal(src, "[\"VirtualNetwork\"]");
    assert_string_equal(dst, "[\"1.2.3.0/24\",\"4.5.6.7\"]");
    assert_string_equal(sp, "[\"*\"]");
    assert_string_equal(dp, "[\"1-2\",\"3\"]");
    assert_int_equal(nsgrule_from_columns(&back, "r1", "no ping", "4000", "Outbound", "Deny",
                                          "Icmp", src, dst, sp, dp),
                     0);
    assert_true(nsgrule_equal(&r, &back));
    assert_string_equal(back.name, "r1");
    nsgrule_free(&back);
    /* Something that does not parse is refused, not half-loaded. */
    assert_int_equal(nsgrule_from_columns(&back, "r1", "", "4000", "Outbound", "Deny", "Icmp",
                                          "[\"nope\"]", dst, sp, dp),
                     -1);
    assert_null(back.src);
    assert_int_equal(
        nsgrule_from_columns(&back, "r1", "", "4000", "Sideways", "Deny", "Icmp", src, dst, sp, dp),
        -1);
    assert_int_equal(nsgrule_from_columns(&back, "r1", "", "4000", "Outbound", "Deny", "Icmp", "[]",
                                          dst, sp, dp),
                     -1);
    free(src);
    free(dst);
    free(sp);
    free(dp);
    nsgrule_free(&r);
}

/* Azure's six, exactly. */
static void test_defaults(void **state)
{
    (void)state;
    size_t n;
    const struct nsgrule *d = nsgrule_defaults(&n);
    assert_int_equal(n, 6);
    static const char *const want[] = {
        "{\"name\":\"AllowVnetInBound\",\"properties\":{\"provisioningState\":\"Succeeded\","
        "\"description\":\"Allow inbound traffic from all VMs in VNET\",\"protocol\":\"*\","
        "\"sourcePortRange\":\"*\",\"destinationPortRange\":\"*\",\"sourceAddressPrefix\":"
        "\"VirtualNetwork\",\"destinationAddressPrefix\":\"VirtualNetwork\",\"access\":\"Allow\","
        "\"priority\":65000,\"direction\":\"Inbound\"}}",
        "{\"name\":\"AllowAzureLoadBalancerInBound\",\"properties\":{\"provisioningState\":"
        "\"Succeeded\",\"description\":\"Allow inbound traffic from azure load balancer\","
        "\"protocol\":\"*\",\"sourcePortRange\":\"*\",\"destinationPortRange\":\"*\","
        "\"sourceAddressPrefix\":\"AzureLoadBalancer\",\"destinationAddressPrefix\":\"*\","
        "\"access\":\"Allow\",\"priority\":65001,\"direction\":\"Inbound\"}}",
        "{\"name\":\"DenyAllInBound\",\"properties\":{\"provisioningState\":\"Succeeded\","
        "\"description\":\"Deny all inbound traffic\",\"protocol\":\"*\",\"sourcePortRange\":\"*\","
        "\"destinationPortRange\":\"*\",\"sourceAddressPrefix\":\"*\",\"destinationAddressPrefix\":"
        "\"*\",\"access\":\"Deny\",\"priority\":65500,\"direction\":\"Inbound\"}}",
        "{\"name\":\"AllowVnetOutBound\",\"properties\":{\"provisioningState\":\"Succeeded\","
        "\"description\":\"Allow outbound traffic from all VMs to all VMs in VNET\",\"protocol\":"
        "\"*\",\"sourcePortRange\":\"*\",\"destinationPortRange\":\"*\",\"sourceAddressPrefix\":"
        "\"VirtualNetwork\",\"destinationAddressPrefix\":\"VirtualNetwork\",\"access\":\"Allow\","
        "\"priority\":65000,\"direction\":\"Outbound\"}}",
        "{\"name\":\"AllowInternetOutBound\",\"properties\":{\"provisioningState\":\"Succeeded\","
        "\"description\":\"Allow outbound traffic from all VMs to Internet\",\"protocol\":\"*\","
        "\"sourcePortRange\":\"*\",\"destinationPortRange\":\"*\",\"sourceAddressPrefix\":\"*\","
        "\"destinationAddressPrefix\":\"Internet\",\"access\":\"Allow\",\"priority\":65001,"
        "\"direction\":\"Outbound\"}}",
        "{\"name\":\"DenyAllOutBound\",\"properties\":{\"provisioningState\":\"Succeeded\","
        "\"description\":\"Deny all outbound traffic\",\"protocol\":\"*\",\"sourcePortRange\":"
        "\"*\",\"destinationPortRange\":\"*\",\"sourceAddressPrefix\":\"*\","
        "\"destinationAddressPrefix\":\"*\",\"access\":\"Deny\",\"priority\":65500,\"direction\":"
        "\"Outbound\"}}",
    };
    for (size_t i = 0; i < n; i++) {
        json_t *w = parse(want[i]);
        json_t *props = nsgrule_properties_json(&d[i]);
        /* The empty plural lists ARM adds next to singular members. */
        json_t *wp = json_object_get(w, "properties");
        json_object_set_new(wp, "sourcePortRanges", json_array());
        json_object_set_new(wp, "destinationPortRanges", json_array());
        json_object_set_new(wp, "sourceAddressPrefixes", json_array());
        json_object_set_new(wp, "destinationAddressPrefixes", json_array());
        assert_string_equal(d[i].name, json_string_value(json_object_get(w, "name")));
        if (!json_equal(props, wp)) {
            char *got = json_dumps(props, JSON_SORT_KEYS);
            fail_msg("default rule %s: %s", d[i].name, got);
        }
        json_decref(props);
        json_decref(w);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addr_valid),         cmocka_unit_test(test_addr_invalid),
        cmocka_unit_test(test_addr_in_list),       cmocka_unit_test(test_ports),
        cmocka_unit_test(test_parse_minimal),      cmocka_unit_test(test_parse_case_insensitive),
        cmocka_unit_test(test_parse_lists),        cmocka_unit_test(test_parse_every_problem),
        cmocka_unit_test(test_parse_missing),      cmocka_unit_test(test_parse_limits),
        cmocka_unit_test(test_equal_and_conflict), cmocka_unit_test(test_storage_round_trip),
        cmocka_unit_test(test_defaults),
    };
    return cmocka_run_group_tests_name("test_nsg_rule", tests, NULL, NULL);
}
