/* Unit tests for the ARM helpers of api/arm.h that need no request: resource
 * ids (arm_id_parse, arm_resource_id), references found in bodies
 * (arm_ref_problem), lock keys and the Microsoft.Network name rules. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/arm.h"

#define SUB  "aaaaaaaa-2222-4333-8444-bbbbbbbbbbbb"
#define SUBU "AAAAAAAA-2222-4333-8444-BBBBBBBBBBBB"

static void test_id_parse_top_level(void **state)
{
    (void)state;
    struct arm_id id;
    assert_int_equal(arm_id_parse("/subscriptions/" SUB "/resourceGroups/RG1/providers/"
                                  "Microsoft.Network/virtualNetworks/VNet1",
                                  &id),
                     0);
    assert_string_equal(id.subscription, SUB);
    assert_string_equal(id.resource_group, "RG1");
    assert_string_equal(id.provider, "Microsoft.Network");
    assert_string_equal(id.type, "virtualNetworks");
    assert_string_equal(id.name, "VNet1");
    assert_null(id.child_type);
    assert_null(id.child_name);
    arm_id_free(&id);
    /* Literal segments in any case; the subscription comes back in lower case;
     * one trailing slash is fine. */
    assert_int_equal(arm_id_parse("/SUBSCRIPTIONS/" SUBU "/resourcegroups/rg/PROVIDERS/"
                                  "microsoft.network/networkInterfaces/nic/",
                                  &id),
                     0);
    assert_string_equal(id.subscription, SUB);
    assert_string_equal(id.name, "nic");
    arm_id_free(&id);
}

static void test_id_parse_child(void **state)
{
    (void)state;
    struct arm_id id;
    assert_int_equal(arm_id_parse("/subscriptions/" SUB "/resourceGroups/rg/providers/"
                                  "Microsoft.Network/virtualNetworks/v/subnets/Default",
                                  &id),
                     0);
    assert_string_equal(id.type, "virtualNetworks");
    assert_string_equal(id.name, "v");
    assert_string_equal(id.child_type, "subnets");
    assert_string_equal(id.child_name, "Default");
    arm_id_free(&id);
}

static void test_id_parse_bad(void **state)
{
    (void)state;
    struct arm_id id;
    static const char *const bad[] = {
        "",
        "subnets",
        "/",
        "subscriptions/" SUB "/resourceGroups/rg/providers/P/t/n",
        "/subscriptions/not-a-guid/resourceGroups/rg/providers/P/t/n",
        "/subscriptions/" SUB "/resourceGroups/rg",
        "/subscriptions/" SUB "/resourceGroups/rg/providers/P/t",
        "/subscriptions/" SUB "/resourceGroups/rg/providers/P/t/n/c",
        "/subscriptions/" SUB "/resourceGroups/rg/providers/P/t/n/c/m/x",
        "/subscriptions/" SUB "/resourceGroups/rg/providers/P/t/n/c/m/x/y",
        "/subscriptions/" SUB "/resourceGroups/rg/providers/P/t/n/c/m/x/y/z/w/v",
        "/subscriptions/" SUB "/resourceGroups//providers/P/t/n",
        "/subscriptions/" SUB "/resourceGroups/rg/providers/P//n",
        "/subscriptions/" SUB "/resourceGroups/rg/provider/P/t/n",
        "/subscription/" SUB "/resourceGroups/rg/providers/P/t/n",
        "/subscriptions/" SUB "/groups/rg/providers/P/t/n",
        "//subscriptions/" SUB "/resourceGroups/rg/providers/P/t/n",
        "/subscriptions/" SUB "/resourceGroups/rg/providers/P/t/n//",
        NULL};
    for (int i = 0; bad[i]; i++) {
        if (arm_id_parse(bad[i], &id) == 0) {
            arm_id_free(&id);
            fail_msg("'%s' should not parse as a resource id", bad[i]);
        }
        /* Nothing is left allocated on failure. */
        assert_null(id.resource_group);
        assert_null(id.name);
    }
    assert_int_equal(arm_id_parse(NULL, &id), -1);
}

static void test_ref_problem(void **state)
{
    (void)state;
    struct arm_id id;
    const char *subnet = "/subscriptions/" SUB "/resourceGroups/rg/providers/Microsoft.Network/"
                         "virtualNetworks/v/subnets/s";
    assert_null(
        arm_ref_problem(subnet, SUB, "Microsoft.Network", "virtualNetworks", "subnets", &id));
    assert_string_equal(id.child_name, "s");
    arm_id_free(&id);
    /* The subscription compares ignoring case. */
    assert_null(
        arm_ref_problem(subnet, SUBU, "microsoft.network", "VIRTUALNETWORKS", "Subnets", &id));
    arm_id_free(&id);
    const char *why =
        arm_ref_problem("x", SUB, "Microsoft.Network", "virtualNetworks", "subnets", &id);
    assert_non_null(why);
    assert_non_null(strstr(why, "not a resource id"));
    why = arm_ref_problem(subnet, "99999999-2222-4333-8444-555555555555", "Microsoft.Network",
                          "virtualNetworks", "subnets", &id);
    assert_non_null(why);
    assert_non_null(strstr(why, "another subscription"));
    arm_id_free(&id);
    /* The wrong type, a child where a top-level resource is expected, and the
     * reverse. */
    why = arm_ref_problem(subnet, SUB, "Microsoft.Network", "networkSecurityGroups", NULL, &id);
    assert_non_null(why);
    assert_non_null(strstr(why, "expected type"));
    arm_id_free(&id);
    why = arm_ref_problem(subnet, SUB, "Microsoft.Network", "virtualNetworks", NULL, &id);
    assert_non_null(why);
    arm_id_free(&id);
    why = arm_ref_problem("/subscriptions/" SUB "/resourceGroups/rg/providers/Microsoft.Network/"
                          "virtualNetworks/v",
                          SUB, "Microsoft.Network", "virtualNetworks", "subnets", &id);
    assert_non_null(why);
    arm_id_free(&id);
    why = arm_ref_problem("/subscriptions/" SUB "/resourceGroups/rg/providers/Microsoft.Compute/"
                          "virtualNetworks/v/subnets/s",
                          SUB, "Microsoft.Network", "virtualNetworks", "subnets", &id);
    assert_non_null(why);
    arm_id_free(&id);
    why = arm_ref_problem("/subscriptions/" SUB "/resourceGroups/rg/providers/Microsoft.Network/"
                          "virtualNetworks/v/ipConfigurations/s",
                          SUB, "Microsoft.Network", "virtualNetworks", "subnets", &id);
    assert_non_null(why);
    arm_id_free(&id);
}

static void test_resource_id_and_lock_key(void **state)
{
    (void)state;
    char *id = arm_resource_id(SUB, "RG", "Microsoft.Network", "virtualNetworks", "V", NULL, NULL);
    assert_string_equal(id, "/subscriptions/" SUB
                            "/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/V");
    struct arm_id parsed;
    assert_int_equal(arm_id_parse(id, &parsed), 0);
    assert_string_equal(parsed.name, "V");
    arm_id_free(&parsed);
    free(id);
    id = arm_resource_id(SUB, "RG", "Microsoft.Network", "networkInterfaces", "N",
                         "ipConfigurations", "c1");
    assert_string_equal(id, "/subscriptions/" SUB "/resourceGroups/RG/providers/Microsoft.Network/"
                            "networkInterfaces/N/ipConfigurations/c1");
    free(id);
    char *a = arm_lock_key(SUB, "RG", "Microsoft.Network/virtualNetworks", "VNet");
    char *b = arm_lock_key(SUBU, "rg", "microsoft.network/VIRTUALNETWORKS", "vnet");
    assert_string_equal(a, b);
    free(b);
    b = arm_lock_key(SUB, "rg", "Microsoft.Network/virtualNetworks", "vnet2");
    assert_string_not_equal(a, b);
    free(a);
    free(b);
    char *etag = arm_etag("5a1b7c9e-2d4f-4e6a-8b0c-1d2e3f4a5b6c");
    assert_string_equal(etag, "W/\"5a1b7c9e-2d4f-4e6a-8b0c-1d2e3f4a5b6c\"");
    free(etag);
}

static void test_network_names(void **state)
{
    (void)state;
    static const char *const good[] = {"a",   "Z",  "0",        "vnet-1", "vnet_1",
                                       "v.n", "a_", "A.b-c_D9", "x_",     NULL};
    for (int i = 0; good[i]; i++)
        if (arm_network_name_problem(good[i]))
            fail_msg("'%s' should be a valid network resource name: %s", good[i],
                     arm_network_name_problem(good[i]));
    static const char *const bad[] = {"",    "-a", "_a",   ".a", "a-",   "a.", "a b",
                                      "a/b", "a!", "a(1)", "ä",  "a\tb", NULL};
    for (int i = 0; bad[i]; i++)
        if (!arm_network_name_problem(bad[i]))
            fail_msg("'%s' should not be a valid network resource name", bad[i]);
    char name[90];
    memset(name, 'n', 80);
    name[80] = '\0';
    assert_null(arm_network_name_problem(name));
    name[80] = 'n';
    name[81] = '\0';
    assert_non_null(strstr(arm_network_name_problem(name), "80"));
    assert_non_null(strstr(arm_network_name_problem("-a"), "start"));
    assert_non_null(strstr(arm_network_name_problem("a."), "end"));
}

static void test_rg_names(void **state)
{
    (void)state;
    assert_null(arm_rg_name_problem("rg(1)"));
    assert_null(arm_rg_name_problem("-rg-"));
    assert_non_null(arm_rg_name_problem("rg."));
    assert_non_null(arm_rg_name_problem(""));
    assert_non_null(arm_rg_name_problem("r g"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_id_parse_top_level),
        cmocka_unit_test(test_id_parse_child),
        cmocka_unit_test(test_id_parse_bad),
        cmocka_unit_test(test_ref_problem),
        cmocka_unit_test(test_resource_id_and_lock_key),
        cmocka_unit_test(test_network_names),
        cmocka_unit_test(test_rg_names),
    };
    return cmocka_run_group_tests_name("test_arm", tests, NULL, NULL);
}
