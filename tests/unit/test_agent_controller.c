/* Unit tests for agent/controller.h's pure parts: the registration body
 * (exactly what notes/ISSUE5.md lists) and the registration backoff. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/config.h"
#include "agent/controller.h"
#include "common/version.h"

static void test_register_body(void **state)
{
    struct agent_config cfg;
    char err[300];
    (void)state;
    memset(&cfg, 0, sizeof(cfg));
    cfg.location = "westeurope";
    cfg.vcpus = 64;
    cfg.memory_mb = 262144;
    cfg.fault_domain = 2;
    assert_int_equal(pf_parse("pf0,0000:03:00.0,15b3:1003,16", &cfg.pfs[0], err, sizeof(err)), 0);
    assert_int_equal(pf_parse("pf1,0000:81:00.0,15b3:1015,8", &cfg.pfs[1], err, sizeof(err)), 0);
    cfg.npfs = 2;
    json_t *got = ctl_register_body(&cfg, "https://127.0.0.1:9101", "tok", "sim");
    json_t *want = json_pack(
        "{s:s, s:s, s:i, s:i, s:i, s:s, s:s, s:s, s:[{s:s, s:s, s:s, s:s, s:s, s:i, s:s},"
        " {s:s, s:s, s:s, s:s, s:s, s:i, s:s}]}",
        "location", "westeurope", "agentUrl", "https://127.0.0.1:9101", "vcpus", 64, "memoryMB",
        262144, "faultDomain", 2, "backend", "sim", "agentVersion", ACCELNET_VERSION,
        "callbackToken", "tok", "physicalFunctions", "name", "pf0", "pciAddress", "0000:03:00.0",
        "vendorId", "15b3", "deviceId", "1003", "vfDeviceId", "1004", "numVfs", 16, "driver",
        "mlx4_core", "name", "pf1", "pciAddress", "0000:81:00.0", "vendorId", "15b3", "deviceId",
        "1015", "vfDeviceId", "1016", "numVfs", 8, "driver", "mlx5_core");
    assert_non_null(want);
    if (!json_equal(got, want)) {
        char *text = json_dumps(got, JSON_SORT_KEYS);
        fail_msg("registration body: %s", text);
    }
    json_decref(got);
    json_decref(want);
}

static void test_backoff(void **state)
{
    (void)state;
    /* rnd close to 1: the full wait; it doubles up to the cap. */
    static const unsigned full[] = {500, 1000, 2000, 4000, 8000, 16000, 30000, 30000};
    for (unsigned a = 1; a <= 8; a++) {
        unsigned w = ctl_backoff_ms(a, 500, 30000, 0.9999999);
        if (w + 1 < full[a - 1] || w > full[a - 1])
            fail_msg("attempt %u: %u ms, expected about %u", a, w, full[a - 1]);
        /* rnd 0: half of it. */
        assert_int_equal(ctl_backoff_ms(a, 500, 30000, 0.0), full[a - 1] / 2);
    }
    /* Jitter stays within [w/2, w]. */
    for (int i = 0; i < 1000; i++) {
        double rnd = (double)i / 1000.0;
        unsigned w = ctl_backoff_ms(3, 500, 30000, rnd);
        assert_true(w >= 1000 && w <= 2000);
    }
    /* Huge attempt numbers do not overflow; a small cap holds. */
    assert_true(ctl_backoff_ms(1000000, 500, 30000, 0.5) <= 30000);
    assert_true(ctl_backoff_ms(5, 500, 300, 0.99) <= 300);
    assert_true(ctl_backoff_ms(1, 500, 30000, -1.0) == 250);
    assert_true(ctl_backoff_ms(1, 500, 30000, 7.0) <= 500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_register_body),
        cmocka_unit_test(test_backoff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
