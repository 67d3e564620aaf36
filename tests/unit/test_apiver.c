/* Unit tests for service/apiver.h: the supported api-versions. The exact list
 * is asserted here on purpose: adding a version is a decision (see the
 * comment in service/apiver.c) that also changes openapi.yaml's ApiVersion
 * parameter. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "service/apiver.h"

static void test_supported(void **state)
{
    (void)state;
    /* accelnet's own, then @azure/arm-features, @azure/arm-resources and
     * @azure/arm-network as pinned in tests/sdk/package-lock.json. */
    assert_true(apiver_supported("2016-09-01"));
    assert_true(apiver_supported("2021-07-01"));
    assert_true(apiver_supported("2025-04-01"));
    assert_true(apiver_supported("2026-01-01"));
}

static void test_unsupported(void **state)
{
    (void)state;
    assert_false(apiver_supported(""));
    assert_false(apiver_supported("2016-09-02"));
    assert_false(apiver_supported("2016-09-01 "));
    assert_false(apiver_supported(" 2016-09-01"));
    assert_false(apiver_supported("2026-01-01-preview"));
    assert_false(apiver_supported("2018-10-01")); /* arm-network's scale set operations */
    assert_false(apiver_supported("2016-09"));
}

static void test_list_for_messages(void **state)
{
    (void)state;
    assert_string_equal(apiver_list(),
                        "'2016-09-01', '2021-07-01', '2025-04-01', '2026-01-01', '2026-04-01'");
    /* Built once, the same storage every time. */
    assert_ptr_equal(apiver_list(), apiver_list());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_supported),
        cmocka_unit_test(test_unsupported),
        cmocka_unit_test(test_list_for_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
