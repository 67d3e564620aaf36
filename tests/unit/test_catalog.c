/* Unit tests for the pure parts of the catalogue and eligibility modules:
 * name rules, image keys, the skus $filter (api/catalog.h), and how an
 * eligibility answer is shown and turned into an error (api/eligibility.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/catalog.h"
#include "api/eligibility.h"
#include "common/util.h"

/* --- names ------------------------------------------------------------------ */

static void test_location_names(void **state)
{
    (void)state;
    static const char *const good[] = {
        "westeurope",
        "WestEurope",
        "a",
        "eastus2",
        "a123456789b123456789c123456789d123456789e123456789f123456789g123",
        NULL};
    static const char *const bad[] = {
        "",
        "west europe",
        "west-europe",
        "west_europe",
        "westeurope.",
        "über",
        "a\tb",
        "a123456789b123456789c123456789d123456789e123456789f123456789g1234",
        NULL};
    for (int i = 0; good[i]; i++)
        if (catalog_location_name_problem(good[i]))
            fail_msg("'%s' should be a valid location name", good[i]);
    for (int i = 0; bad[i]; i++)
        if (!catalog_location_name_problem(bad[i]))
            fail_msg("'%s' should not be a valid location name", bad[i]);
    assert_non_null(strstr(catalog_location_name_problem("x y"), "westeurope"));
}

static void test_vm_size_names(void **state)
{
    (void)state;
    assert_null(catalog_vm_size_name_problem("Standard_D15_v2"));
    assert_null(catalog_vm_size_name_problem("A1"));
    assert_null(catalog_vm_size_name_problem("_"));
    assert_non_null(catalog_vm_size_name_problem(""));
    assert_non_null(catalog_vm_size_name_problem("Standard D2"));
    assert_non_null(catalog_vm_size_name_problem("Standard-D2"));
    assert_non_null(catalog_vm_size_name_problem("Standard_D2.v2"));
    char long_name[66];
    memset(long_name, 'S', 65);
    long_name[65] = '\0';
    assert_non_null(catalog_vm_size_name_problem(long_name));
    long_name[64] = '\0';
    assert_null(catalog_vm_size_name_problem(long_name));
}

/* --- image keys ------------------------------------------------------------- */

static void test_image_key_split_good(void **state)
{
    (void)state;
    struct catalog_image_key k;
    char *why = (char *)"untouched";
    assert_int_equal(catalog_image_key_split(
                         "MicrosoftWindowsServer:WindowsServer:2012-R2-Datacenter", &k, &why),
                     0);
    assert_null(why);
    assert_string_equal(k.publisher, "MicrosoftWindowsServer");
    assert_string_equal(k.offer, "WindowsServer");
    assert_string_equal(k.sku, "2012-R2-Datacenter");

    assert_int_equal(catalog_image_key_split("a:b:c", &k, &why), 0);
    assert_string_equal(k.publisher, "a");
    assert_string_equal(k.offer, "b");
    assert_string_equal(k.sku, "c");

    assert_int_equal(catalog_image_key_split("Canonical:UbuntuServer:16.04-LTS", &k, &why), 0);
    assert_string_equal(k.sku, "16.04-LTS");
    assert_int_equal(catalog_image_key_split("a_b:c.d:e-f", &k, &why), 0);

    /* 64 characters per part is the most. */
    char key[3 * 64 + 3];
    memset(key, 'p', 64);
    key[64] = ':';
    memset(key + 65, 'o', 64);
    key[129] = ':';
    memset(key + 130, 's', 64);
    key[194] = '\0';
    assert_int_equal(catalog_image_key_split(key, &k, &why), 0);
    assert_int_equal(strlen(k.publisher), 64);
    assert_int_equal(strlen(k.offer), 64);
    assert_int_equal(strlen(k.sku), 64);
}

static void test_image_key_split_bad(void **state)
{
    (void)state;
    static const struct {
        const char *key;
        const char *why_has; /* part of the explanation */
    } cases[] = {
        {"", "publisher:offer:sku"},
        {"a", "publisher:offer:sku"},
        {"a:b", "publisher:offer:sku"},
        {"a:b:c:d", "publisher:offer:sku"},
        {":b:c", "publisher ''"},
        {"a::c", "offer ''"},
        {"a:b:", "sku ''"},
        {"a b:c:d", "publisher 'a b'"},
        {"a:b/c:d", "offer 'b/c'"},
        {"a:b:c d", "sku 'c d'"},
        {"a:b:c%3A", "sku"},
        {"::", "publisher"},
        {NULL, NULL},
    };
    for (int i = 0; cases[i].key; i++) {
        struct catalog_image_key k;
        char *why = NULL;
        if (catalog_image_key_split(cases[i].key, &k, &why) != -1)
            fail_msg("'%s' should not split", cases[i].key);
        if (!why || !strstr(why, cases[i].why_has))
            fail_msg("'%s': explanation '%s' lacks '%s'", cases[i].key, why ? why : "(null)",
                     cases[i].why_has);
        free(why);
    }
    /* A part of 65 characters. */
    char key[80];
    memset(key, 'x', 65);
    memcpy(key + 65, ":b:c", 5);
    struct catalog_image_key k;
    char *why = NULL;
    assert_int_equal(catalog_image_key_split(key, &k, &why), -1);
    assert_non_null(strstr(why, "1 to 64"));
    free(why);
}

/* --- $filter ---------------------------------------------------------------- */

static void test_filter_good(void **state)
{
    (void)state;
    static const struct {
        const char *filter, *want;
    } cases[] = {
        {"location eq 'westeurope'", "westeurope"},
        {"LOCATION EQ 'WestEurope'", "WestEurope"},
        {"Location Eq 'westeurope'", "westeurope"},
        {"  location   eq\t'westeurope'  ", "westeurope"},
        {"location eq 'West Europe'", "West Europe"},
        {"location eq 'x'", "x"},
        {NULL, NULL},
    };
    for (int i = 0; cases[i].filter; i++) {
        char out[65] = "";
        const char *why = "untouched";
        if (catalog_filter_location(cases[i].filter, out, sizeof out, &why) != 0)
            fail_msg("'%s' should parse: %s", cases[i].filter, why);
        assert_null(why);
        assert_string_equal(out, cases[i].want);
    }
}

static void test_filter_bad(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        " ",
        "location",
        "location eq",
        "location eq ''",
        "location eq westeurope",
        "location eq \"westeurope\"",
        "location eq 'westeurope",
        "location eq 'west'europe'",
        "location eq 'westeurope' and name eq 'Standard_A1'",
        "location eq 'westeurope' or location eq 'eastus'",
        "location ne 'westeurope'",
        "location  eq'westeurope'x",
        "locationeq 'westeurope'",
        "location eq'westeurope'",
        "name eq 'Standard_A1'",
        "locations eq 'westeurope'",
        "location eq 'west\neurope'",
        "location eq 'a123456789b123456789c123456789d123456789e123456789f123456789g1234'",
        NULL,
    };
    for (int i = 0; bad[i]; i++) {
        char out[65];
        const char *why = NULL;
        if (catalog_filter_location(bad[i], out, sizeof out, &why) != -1)
            fail_msg("'%s' should be refused", bad[i]);
        if (!why || !*why)
            fail_msg("'%s': no explanation", bad[i]);
    }
    /* The explanation of an unsupported form shows the supported one. */
    char out[65];
    const char *why = NULL;
    catalog_filter_location("name eq 'x'", out, sizeof out, &why);
    assert_non_null(strstr(why, "location eq '<location>'"));
    /* A value longer than the output buffer is refused, never cut. */
    char small[4];
    assert_int_equal(catalog_filter_location("location eq 'westeurope'", small, sizeof small, &why),
                     -1);
}

/* --- eligibility: showing the answer ---------------------------------------- */

static void test_size_in_location(void **state)
{
    (void)state;
    struct db_vm_size s = {.accelerated_networking = 1};
    struct db_location l = {.accelerated_networking = 1};
    assert_true(elig_size_in_location(&s, &l));
    l.accelerated_networking = 0;
    assert_false(elig_size_in_location(&s, &l));
    s.accelerated_networking = 0;
    assert_false(elig_size_in_location(&s, &l));
    l.accelerated_networking = 1;
    assert_false(elig_size_in_location(&s, &l));
}

/* A result with a feature reason (no target, nothing allowed) and a size
 * reason (two allowed values), built by hand. */
static void make_result(struct elig_result *r)
{
    memset(r, 0, sizeof(*r));
    r->nreasons = 2;
    r->reasons = util_xcalloc(2, sizeof(*r->reasons));
    r->reasons[0].condition = ELIG_FEATURE;
    r->reasons[0].code = ERR_FEATURE_REGISTRATION_PENDING;
    r->reasons[0].message = util_xstrdup("pending");
    r->reasons[1].condition = ELIG_VM_SIZE;
    r->reasons[1].code = ERR_VM_SIZE_NOT_PERMITTED;
    r->reasons[1].target = util_xstrdup("vmSize");
    r->reasons[1].message = util_xstrdup("size");
    r->reasons[1].nallowed = 2;
    r->reasons[1].allowed = util_xcalloc(2, sizeof(char *));
    r->reasons[1].allowed[0] = util_xstrdup("Standard_D15_v2");
    r->reasons[1].allowed[1] = util_xstrdup("Standard_DS15_v2");
}

static void test_result_json(void **state)
{
    (void)state;
    struct elig_result r;
    make_result(&r);
    json_t *j = elig_result_json(&r);
    char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(
        text, "{\"eligible\":false,\"reasons\":[{\"allowedValues\":[],\"code\":"
              "\"FeatureRegistrationPending\",\"message\":\"pending\",\"target\":null},"
              "{\"allowedValues\":[\"Standard_D15_v2\",\"Standard_DS15_v2\"],\"code\":"
              "\"VMSizeIsNotPermittedToEnableAcceleratedNetworking\",\"message\":\"size\","
              "\"target\":\"vmSize\"}]}");
    free(text);
    json_decref(j);
    elig_result_free(&r);
    assert_int_equal(r.nreasons, 0);
    assert_null(r.reasons);
    elig_result_free(&r); /* safe twice */

    struct elig_result ok = {.eligible = 1};
    j = elig_result_json(&ok);
    text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(text, "{\"eligible\":true,\"reasons\":[]}");
    free(text);
    json_decref(j);
}

static void test_result_err(void **state)
{
    (void)state;
    struct elig_result r;
    struct err e = {0};
    make_result(&r);
    elig_result_err(&r, NULL, &e);
    assert_true(e.set);
    assert_int_equal(e.code, ERR_FEATURE_REGISTRATION_PENDING);
    assert_null(e.target);
    assert_string_equal(e.message, "pending");
    assert_int_equal(e.ndetails, 2);
    assert_int_equal(e.details[1].code, ERR_VM_SIZE_NOT_PERMITTED);
    assert_string_equal(e.details[1].target, "vmSize");
    err_clear(&e);

    /* Targets renamed for a create body. */
    const char *targets[ELIG__COUNT] = {[ELIG_VM_SIZE] = "properties.hardwareProfile.vmSize"};
    elig_result_err(&r, targets, &e);
    assert_string_equal(e.details[1].target, "properties.hardwareProfile.vmSize");
    assert_null(e.details[0].target);
    err_clear(&e);

    /* Every eligibility code is a 400. */
    for (size_t i = 0; i < r.nreasons; i++)
        assert_int_equal(err_http_status(r.reasons[i].code), 400);
    assert_int_equal(err_http_status(ERR_LOCATION_NOT_PERMITTED), 400);
    assert_int_equal(err_http_status(ERR_OS_IMAGE_NOT_PERMITTED), 400);
    assert_int_equal(err_http_status(ERR_SUBSCRIPTION_NOT_REGISTERED_FOR_FEATURE), 400);
    assert_int_equal(err_http_status(ERR_FEATURE_REGISTRATION_REJECTED), 400);
    assert_int_equal(err_http_status(ERR_LOCATION_IN_USE), 409);
    elig_result_free(&r);

    /* Nothing to refuse. */
    struct elig_result ok = {.eligible = 1};
    elig_result_err(&ok, NULL, &e);
    assert_false(e.set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_location_names),       cmocka_unit_test(test_vm_size_names),
        cmocka_unit_test(test_image_key_split_good), cmocka_unit_test(test_image_key_split_bad),
        cmocka_unit_test(test_filter_good),          cmocka_unit_test(test_filter_bad),
        cmocka_unit_test(test_size_in_location),     cmocka_unit_test(test_result_json),
        cmocka_unit_test(test_result_err),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
