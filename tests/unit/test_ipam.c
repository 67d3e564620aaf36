/* Unit tests for the address arithmetic of api/ipam.h, and for the small pure
 * parts around it: the create-time-only policy (api/nic_policy.h) and the
 * shared helpers of the network handlers (api/netres.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/ipam.h"
#include "api/arm.h"
#include "api/netres.h"
#include "api/nic_policy.h"

static uint32_t A(const char *s)
{
    uint32_t a;
    if (ipam_addr_parse(s, &a) != 0)
        fail_msg("'%s' should parse", s);
    return a;
}

static struct ipam_prefix P(const char *s) {
    struct ipam_prefix p;
    if (ipam_prefix_parse(s, &p) != IPAM_OK)
        fail_msg("'%s' should be a canonical prefix", s);
    return p;
}

/* --- addresses ---------------------------------------------------------------- */

static void
test_addr_parse(void **state)
{
    (void)state;
    uint32_t a;
    assert_int_equal(ipam_addr_parse("10.0.0.4", &a), 0);
    assert_int_equal(a, 0x0a000004u);
    assert_int_equal(ipam_addr_parse("0.0.0.0", &a), 0);
    assert_int_equal(a, 0);
    assert_int_equal(ipam_addr_parse("255.255.255.255", &a), 0);
    assert_int_equal(a, 0xffffffffu);
    static const char *const bad[] = {
        "",          "10",         "10.0.0",      "10.0.0.0.0", "10.0.0.256", "10.0.0.-1",
        "010.0.0.1", "10.0.0.01",  "10.0.0.1 ",   " 10.0.0.1",  "10..0.1",    "10.0.0.",
        "1e1.0.0.1", "0x0a.0.0.1", "10.0.0.1/32", "1000.0.0.1", "::1",        NULL};
    for (int i = 0; bad[i]; i++)
        if (ipam_addr_parse(bad[i], &a) == 0)
            fail_msg("'%s' should not parse as an address", bad[i]);
    assert_int_equal(ipam_addr_parse(NULL, &a), -1);
    char out[IPAM_ADDR_STRLEN];
    ipam_addr_format(0xc0a80101u, out);
    assert_string_equal(out, "192.168.1.1");
    ipam_addr_format(0xffffffffu, out);
    assert_string_equal(out, "255.255.255.255");
}

/* --- prefixes ----------------------------------------------------------------- */

static void test_prefix_parse(void **state)
{
    (void)state;
    struct ipam_prefix p;
    char out[IPAM_PREFIX_STRLEN];
    assert_int_equal(ipam_prefix_parse("10.0.0.0/16", &p), IPAM_OK);
    assert_int_equal(p.net, 0x0a000000u);
    assert_int_equal(p.len, 16);
    assert_int_equal(ipam_prefix_parse("0.0.0.0/0", &p), IPAM_OK);
    assert_int_equal(p.len, 0);
    assert_int_equal(ipam_prefix_parse("10.0.0.7/32", &p), IPAM_OK);
    /* Host bits: not canonical, but the canonical form is given back. */
    assert_int_equal(ipam_prefix_parse("10.0.0.1/24", &p), IPAM_HOST_BITS);
    ipam_prefix_format(&p, out);
    assert_string_equal(out, "10.0.0.0/24");
    assert_int_equal(ipam_prefix_parse("10.1.2.3/8", &p), IPAM_HOST_BITS);
    ipam_prefix_format(&p, out);
    assert_string_equal(out, "10.0.0.0/8");
    static const char *const bad[] = {
        "10.0.0.0",    "10.0.0.0/",    "10.0.0.0/33", "10.0.0.0/-1",  "10.0.0.0/08",
        "10.0.0.0/1a", "10.0.0/8",     "/8",          "10.0.0.0/8/8", "10.0.0.0 /8",
        "fd00::/8",    "10.0.0.0/100", NULL};
    for (int i = 0; bad[i]; i++)
        if (ipam_prefix_parse(bad[i], &p) != IPAM_SYNTAX)
            fail_msg("'%s' should be a syntax error", bad[i]);
    assert_int_equal(ipam_prefix_parse(NULL, &p), IPAM_SYNTAX);
    p = P("172.16.0.0/12");
    ipam_prefix_format(&p, out);
    assert_string_equal(out, "172.16.0.0/12");
}

static void test_masks_and_bounds(void **state)
{
    (void)state;
    assert_int_equal(ipam_mask(0), 0);
    assert_int_equal(ipam_mask(8), 0xff000000u);
    assert_int_equal(ipam_mask(31), 0xfffffffeu);
    assert_int_equal(ipam_mask(32), 0xffffffffu);
    struct ipam_prefix p = P("10.0.0.0/24");
    assert_int_equal(ipam_first(&p), A("10.0.0.0"));
    assert_int_equal(ipam_last(&p), A("10.0.0.255"));
    p = P("0.0.0.0/0");
    assert_int_equal(ipam_first(&p), 0);
    assert_int_equal(ipam_last(&p), 0xffffffffu);
    p = P("255.255.255.248/29");
    assert_int_equal(ipam_last(&p), 0xffffffffu);
}

static void test_contains_overlap(void **state)
{
    (void)state;
    struct ipam_prefix space = P("10.0.0.0/16"), a = P("10.0.1.0/24"), b = P("10.0.1.128/25"),
                       c = P("10.1.0.0/24"), d = P("10.0.0.0/8"), e = P("10.0.2.0/24");
    assert_true(ipam_contains(&space, &a));
    assert_true(ipam_contains(&space, &space));
    assert_false(ipam_contains(&space, &c));
    assert_false(ipam_contains(&space, &d)); /* bigger */
    assert_true(ipam_contains(&d, &space));
    assert_true(ipam_overlap(&a, &b));
    assert_true(ipam_overlap(&b, &a));
    assert_false(ipam_overlap(&a, &e));
    assert_false(ipam_overlap(&space, &c));
    assert_true(ipam_overlap(&space, &d));
    assert_true(ipam_has(&a, A("10.0.1.255")));
    assert_false(ipam_has(&a, A("10.0.2.0")));
    assert_false(ipam_has(&a, A("10.0.0.255")));
}

/* --- reserved and usable addresses --------------------------------------------- */

static void test_reserved(void **state)
{
    (void)state;
    struct ipam_prefix s = P("10.0.0.0/24");
    static const char *const reserved[] = {"10.0.0.0", "10.0.0.1",   "10.0.0.2",
                                           "10.0.0.3", "10.0.0.255", NULL};
    for (int i = 0; reserved[i]; i++) {
        if (!ipam_reserved(&s, A(reserved[i])))
            fail_msg("%s should be reserved in 10.0.0.0/24", reserved[i]);
        assert_false(ipam_usable(&s, A(reserved[i])));
    }
    assert_true(ipam_usable(&s, A("10.0.0.4")));
    assert_true(ipam_usable(&s, A("10.0.0.254")));
    /* Outside: neither reserved nor usable. */
    assert_false(ipam_reserved(&s, A("10.0.1.0")));
    assert_false(ipam_usable(&s, A("10.0.1.4")));
    assert_int_equal(ipam_usable_count(&s), 251);
    struct ipam_prefix t = P("10.0.0.0/29");
    assert_int_equal(ipam_usable_count(&t), 3);
    assert_true(ipam_reserved(&t, A("10.0.0.7")));
    struct ipam_prefix tiny = P("10.0.0.0/30");
    assert_int_equal(ipam_usable_count(&tiny), 0);
    struct ipam_prefix host = P("10.0.0.0/32");
    assert_int_equal(ipam_usable_count(&host), 0);
    struct ipam_prefix big = P("10.0.0.0/8");
    assert_int_equal(ipam_usable_count(&big), (1u << 24) - 5);
}

static void test_lowest_free(void **state)
{
    (void)state;
    struct ipam_prefix s = P("10.0.0.0/29");
    uint32_t out = 0;
    /* Empty: the first usable address. */
    assert_int_equal(ipam_lowest_free(&s, NULL, 0, &out), 0);
    assert_int_equal(out, A("10.0.0.4"));
    uint32_t used[8];
    used[0] = A("10.0.0.4");
    assert_int_equal(ipam_lowest_free(&s, used, 1, &out), 0);
    assert_int_equal(out, A("10.0.0.5"));
    /* A gap is filled first; duplicates and outsiders do not matter. */
    uint32_t gap[] = {A("9.255.255.255"), A("10.0.0.4"), A("10.0.0.4"), A("10.0.0.6")};
    assert_int_equal(ipam_lowest_free(&s, gap, 4, &out), 0);
    assert_int_equal(out, A("10.0.0.5"));
    /* Full: .4 .5 .6 taken (.7 is the broadcast address). */
    uint32_t full[] = {A("10.0.0.4"), A("10.0.0.5"), A("10.0.0.6"), A("10.0.0.200")};
    assert_int_equal(ipam_lowest_free(&s, full, 4, &out), -1);
    /* A reserved address in used[] changes nothing. */
    uint32_t res[] = {A("10.0.0.1"), A("10.0.0.4")};
    assert_int_equal(ipam_lowest_free(&s, res, 2, &out), 0);
    assert_int_equal(out, A("10.0.0.5"));
    /* The top of the address space does not wrap. */
    struct ipam_prefix top = P("255.255.255.248/29");
    uint32_t topused[] = {A("255.255.255.252"), A("255.255.255.253"), A("255.255.255.254")};
    assert_int_equal(ipam_lowest_free(&top, topused, 3, &out), -1);
    assert_int_equal(ipam_lowest_free(&top, topused, 2, &out), 0);
    assert_int_equal(out, A("255.255.255.254"));
    /* No usable address at all. */
    struct ipam_prefix tiny = P("10.0.0.0/30");
    assert_int_equal(ipam_lowest_free(&tiny, NULL, 0, &out), -1);
    /* Sorting. */
    uint32_t unsorted[] = {5, 1, 4, 1, 3};
    ipam_sort(unsorted, 5);
    assert_int_equal(unsorted[0], 1);
    assert_int_equal(unsorted[1], 1);
    assert_int_equal(unsorted[2], 3);
    assert_int_equal(unsorted[4], 5);
    ipam_sort(unsorted, 0);
}

/* --- the create-time-only policy ------------------------------------------------ */

static void test_nic_policy(void **state)
{
    (void)state;
    struct nic_an_subject detached = {.attached = 0}, attached = {.attached = 1};
    /* The seed's rule: never on an existing NIC, attached or not. */
    assert_int_equal(NIC_AN_POLICY_DEFAULT, NIC_AN_CREATE_ONLY);
    assert_false(nic_policy_allows_an_change(NIC_AN_POLICY_DEFAULT, &detached));
    assert_false(nic_policy_allows_an_change(NIC_AN_POLICY_DEFAULT, &attached));
    assert_false(nic_policy_allows_an_change(NIC_AN_CREATE_ONLY, NULL));
    const char *msg = nic_policy_an_refusal(NIC_AN_POLICY_DEFAULT);
    assert_non_null(strstr(msg, "Create a new network interface"));
}

/* --- netres helpers ---------------------------------------------------------------- */

static void test_err_finish(void **state)
{
    (void)state;
    struct err e = {0};
    netres_err_finish(&e);
    assert_false(e.set);
    /* One problem is the error itself. */
    err_add_detail(&e, ERR_SUBNET_IS_FULL, "properties.x", "full");
    netres_err_finish(&e);
    assert_true(e.set);
    assert_int_equal(e.code, ERR_SUBNET_IS_FULL);
    assert_string_equal(e.target, "properties.x");
    assert_string_equal(e.message, "full");
    assert_int_equal(e.ndetails, 1);
    err_clear(&e);
    /* Several: the first specific code, no target, a count. */
    err_add_detail(&e, ERR_INVALID_REQUEST_CONTENT, "a", "x");
    err_add_detail(&e, ERR_INVALID_CIDR_NOTATION, "b", "y");
    err_add_detail(&e, ERR_SUBNET_IS_FULL, "c", "z");
    netres_err_finish(&e);
    assert_int_equal(e.code, ERR_INVALID_CIDR_NOTATION);
    assert_null(e.target);
    assert_non_null(strstr(e.message, "3 problems"));
    err_clear(&e);
    err_add_detail(&e, ERR_INVALID_REQUEST_CONTENT, "a", "x");
    err_add_detail(&e, ERR_INVALID_REQUEST_CONTENT, "b", "y");
    netres_err_finish(&e);
    assert_int_equal(e.code, ERR_INVALID_REQUEST_CONTENT);
    err_clear(&e);
}

static void test_tags(void **state)
{
    (void)state;
    json_t *patch = json_pack("{s:s, s:n}", "a", "1", "b");
    json_t *out = netres_tags_merge("{\"b\":\"2\",\"c\":\"3\"}", patch);
    assert_string_equal(json_string_value(json_object_get(out, "a")), "1");
    assert_null(json_object_get(out, "b"));
    assert_string_equal(json_string_value(json_object_get(out, "c")), "3");
    json_decref(out);
    out = netres_tags_merge("{\"b\":\"2\"}", NULL);
    assert_int_equal(json_object_size(out), 0);
    json_decref(out);
    out = netres_tags_merge("not json", patch);
    assert_int_equal(json_object_size(out), 1);
    json_decref(out);
    json_decref(patch);

    json_t *ok = json_pack("{s:s}", "k", "v");
    assert_null(arm_tags_problem(ok));
    json_decref(ok);
    json_t *num = json_pack("{s:i}", "k", 1);
    assert_non_null(arm_tags_problem(num));
    json_decref(num);
    json_t *many = json_object();
    for (int i = 0; i < 51; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        json_object_set_new(many, k, json_string("v"));
    }
    assert_non_null(arm_tags_problem(many));
    json_decref(many);

    json_t *ref = json_pack("{s:s, s:s}", "id", "/subscriptions/x", "name", "ignored");
    assert_null(netres_ref_object_problem(ref));
    assert_string_equal(netres_ref_id(ref), "/subscriptions/x");
    json_decref(ref);
    ref = json_pack("{s:s}", "name", "x");
    assert_non_null(netres_ref_object_problem(ref));
    assert_null(netres_ref_id(ref));
    json_decref(ref);
    ref = json_pack("{s:s}", "id", "");
    assert_non_null(netres_ref_object_problem(ref));
    json_decref(ref);
}

static void test_page_keys(void **state)
{
    (void)state;
    char *rg, *name;
    char *k = netres_page_key_make("My-Group", "VNet1");
    assert_string_equal(k, "my-group/vnet1");
    assert_int_equal(netres_page_key(k, &rg, &name), 0);
    assert_string_equal(rg, "my-group");
    assert_string_equal(name, "vnet1");
    free(rg);
    free(name);
    free(k);
    assert_int_equal(netres_page_key(NULL, &rg, &name), 0);
    assert_null(rg);
    assert_null(name);
    assert_int_equal(netres_page_key("noslash", &rg, &name), -1);
    assert_null(rg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addr_parse),
        cmocka_unit_test(test_prefix_parse),
        cmocka_unit_test(test_masks_and_bounds),
        cmocka_unit_test(test_contains_overlap),
        cmocka_unit_test(test_reserved),
        cmocka_unit_test(test_lowest_free),
        cmocka_unit_test(test_nic_policy),
        cmocka_unit_test(test_err_finish),
        cmocka_unit_test(test_tags),
        cmocka_unit_test(test_page_keys),
    };
    return cmocka_run_group_tests_name("test_ipam", tests, NULL, NULL);
}
