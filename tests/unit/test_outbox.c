/* Unit tests for service/outbox.h: the retry schedule and the metrics text. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "service/outbox.h"

/* Without jitter (rnd = 0) the delay is half the exponential step; with the
 * largest rnd it is the whole step: d/2 .. d. */
static void test_backoff_doubles_within_bounds(void **state)
{
    (void)state;
    unsigned long step = 1000;
    for (unsigned failures = 1; failures <= 8; failures++, step *= 2) {
        unsigned long lo = outbox_backoff_ms(failures, 1000, 1000000, 0);
        unsigned long hi = outbox_backoff_ms(failures, 1000, 1000000, (uint32_t)(step / 2));
        assert_int_equal(lo, step - step / 2);
        assert_int_equal(hi, step);
        for (uint32_t r = 0; r < 5000; r += 37) {
            unsigned long d = outbox_backoff_ms(failures, 1000, 1000000, r * 7919u);
            assert_true(d >= step - step / 2 && d <= step);
        }
    }
}

static void test_backoff_capped(void **state)
{
    (void)state;
    for (unsigned failures = 10; failures < 100; failures += 7) {
        unsigned long d = outbox_backoff_ms(failures, 500, 60000, UINT32_MAX);
        assert_true(d >= 30000 && d <= 60000);
    }
    /* Huge failure counts neither overflow nor loop for long. */
    assert_true(outbox_backoff_ms(UINT32_MAX, 1000, 86400000, 12345) <= 86400000);
    /* A cap below the base wins. */
    assert_true(outbox_backoff_ms(1, 5000, 100, 99) <= 100);
}

static void test_backoff_tiny(void **state)
{
    (void)state;
    assert_true(outbox_backoff_ms(1, 1, 1, 7) == 1);
    assert_true(outbox_backoff_ms(1, 0, 10, 0) >= 1);
}

static void test_metrics_text(void **state)
{
    struct buf b = {0};
    (void)state;
    outbox_metrics_render(&b);
    assert_non_null(strstr(b.data, "# TYPE accelnet_outbox_delivered_total counter\n"));
    assert_non_null(strstr(b.data, "accelnet_outbox_delivered_total 0\n"));
    assert_non_null(strstr(b.data, "accelnet_outbox_failed_attempts_total 0\n"));
    assert_non_null(strstr(b.data, "accelnet_outbox_expired_total 0\n"));
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff_doubles_within_bounds),
        cmocka_unit_test(test_backoff_capped),
        cmocka_unit_test(test_backoff_tiny),
        cmocka_unit_test(test_metrics_text),
    };
    return cmocka_run_group_tests_name("outbox", tests, NULL, NULL);
}
