/* Unit tests for common/util.h: ids, number parsing, buffers and time. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/util.h"

/* --- util_uuid4 / util_is_guid ---------------------------------------------- */

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void test_uuid4_format(void **state)
{
    (void)state;
    for (int n = 0; n < 200; n++) {
        char u[37];
        memset(u, 'Z', sizeof(u));
        util_uuid4(u);
        assert_int_equal(strlen(u), 36);
        for (int i = 0; i < 36; i++) {
            if (i == 8 || i == 13 || i == 18 || i == 23) {
                assert_int_equal(u[i], '-');
            } else if (hexval(u[i]) < 0) {
                fail_msg("'%s': position %d is not a lower-case hex digit", u, i);
            }
        }
        /* Version 4, RFC 4122 variant (10xx). */
        assert_int_equal(u[14], '4');
        int variant = hexval(u[19]);
        if ((variant & 0xc) != 0x8)
            fail_msg("'%s': variant digit %c is not 8, 9, a or b", u, u[19]);
        assert_true(util_is_guid(u));
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

static void test_uuid4_unique(void **state)
{
    enum { N = 2000 };
    char(*ids)[37] = malloc(N * sizeof(*ids));
    int seen_bits[128] = {0};
    (void)state;
    assert_non_null(ids);
    for (int i = 0; i < N; i++)
        util_uuid4(ids[i]);
    qsort(ids, N, sizeof(*ids), cmp_str);
    for (int i = 1; i < N; i++)
        if (strcmp(ids[i - 1], ids[i]) == 0)
            fail_msg("duplicate uuid %s", ids[i]);
    /* The random digits actually vary: every hex value shows up at some
     * random position over 2000 ids. */
    for (int i = 0; i < N; i++)
        seen_bits[hexval(ids[i][0])] = 1;
    for (int v = 0; v < 16; v++)
        if (!seen_bits[v])
            fail_msg("hex digit %x never appeared first in %d uuids", v, N);
    free(ids);
}

static void test_is_guid(void **state)
{
    static const struct {
        const char *s;
        int ok;
    } cases[] = {
        {"00000000-0000-0000-0000-000000000000", 1},
        {"0123abcd-ef01-4567-89ab-cdef01234567", 1},
        {"0123ABCD-EF01-4567-89AB-CDEF01234567", 1},
        {"0123abcd-EF01-4567-89ab-CDEF01234567", 1},
        {"0123abcd-ef01-4567-89ab-cdef0123456", 0},   /* 35 */
        {"0123abcd-ef01-4567-89ab-cdef012345678", 0}, /* 37 */
        {"0123abcdef01-4567-89ab-cdef012345678-", 0}, /* dashes misplaced */
        {"0123abcd-ef01-4567-89ab_cdef01234567", 0},
        {"0123abcg-ef01-4567-89ab-cdef01234567", 0},
        {"{0123abc-ef01-4567-89ab-cdef01234567}", 0},
        {"0123abcd-ef01-4567-89ab-cdef0123456 ", 0},
        {" 0123abcd-ef01-4567-89ab-cdef0123456", 0},
        {"0123abcd0ef0104567089ab0cdef01234567", 0},
        {"------------------------------------", 0},
        {"", 0},
        {"not-a-guid", 0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (util_is_guid(cases[i].s) != cases[i].ok)
            fail_msg("util_is_guid('%s') != %d", cases[i].s, cases[i].ok);
}

/* --- util_parse_long -------------------------------------------------------- */

static void test_parse_long(void **state)
{
    static const struct {
        const char *s;
        long min, max;
        int ok;
        long want;
    } cases[] = {
        {"0", 0, 10, 1, 0},
        {"10", 0, 10, 1, 10},
        {"11", 0, 10, 0, 0},
        {"-1", 0, 10, 0, 0},
        {"-1", -5, 10, 1, -1},
        {"-5", -5, 10, 1, -5},
        {"-6", -5, 10, 0, 0},
        {"007", 0, 10, 1, 7},
        {"+7", 0, 10, 1, 7},
        {"", 0, 10, 0, 0},
        {" 7", 0, 10, 0, 0},
        {"7 ", 0, 10, 0, 0},
        {"\t7", 0, 10, 0, 0},
        {"7\n", 0, 10, 0, 0},
        {"7a", 0, 100, 0, 0},
        {"a7", 0, 100, 0, 0},
        {"0x10", 0, 100, 0, 0},
        {"1e2", 0, 1000, 0, 0},
        {"1.0", 0, 10, 0, 0},
        {"-", 0, 10, 0, 0},
        {"+", 0, 10, 0, 0},
        {"9223372036854775807", 0, LONG_MAX, 1, LONG_MAX},
        {"9223372036854775808", 0, LONG_MAX, 0, 0},
        {"-9223372036854775808", LONG_MIN, 0, 1, LONG_MIN},
        {"-9223372036854775809", LONG_MIN, 0, 0, 0},
        {"99999999999999999999999", LONG_MIN, LONG_MAX, 0, 0},
        {"65535", 0, 65535, 1, 65535},
        {"65536", 0, 65535, 0, 0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        long out = 12345;
        int rc = util_parse_long(cases[i].s, cases[i].min, cases[i].max, &out);
        if ((rc == 0) != cases[i].ok)
            fail_msg("util_parse_long('%s', %ld, %ld) = %d", cases[i].s, cases[i].min, cases[i].max,
                     rc);
        if (cases[i].ok && out != cases[i].want)
            fail_msg("util_parse_long('%s') gave %ld, expected %ld", cases[i].s, out,
                     cases[i].want);
        if (!cases[i].ok && out != 12345)
            fail_msg("util_parse_long('%s') failed but wrote %ld", cases[i].s, out);
    }
    long out = 1;
    assert_int_equal(util_parse_long(NULL, 0, 10, &out), -1);
    assert_int_equal(out, 1);
}

/* --- buf -------------------------------------------------------------------- */

static void test_buf_append_growth(void **state)
{
    struct buf b = {0};
    char expect[10000];
    size_t elen = 0;
    (void)state;
    /* An empty append on an empty buffer still yields a valid string. */
    buf_append(&b, "", 0);
    assert_non_null(b.data);
    assert_string_equal(b.data, "");
    assert_int_equal(b.len, 0);
    for (int i = 0; i < 1000; i++) {
        char piece[16];
        int n = snprintf(piece, sizeof(piece), "%d,", i);
        buf_append(&b, piece, (size_t)n);
        memcpy(expect + elen, piece, (size_t)n);
        elen += (size_t)n;
        assert_true(b.cap > b.len);
        assert_int_equal(b.data[b.len], '\0');
    }
    expect[elen] = '\0';
    assert_int_equal(b.len, elen);
    assert_string_equal(b.data, expect);
    buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    buf_free(&b); /* twice is harmless */
}

static void test_buf_append_binary_and_large(void **state)
{
    struct buf b = {0};
    (void)state;
    buf_append(&b, "a\0b", 3);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "a\0b", 4);
    /* One append far larger than the initial capacity. */
    size_t big = 100000;
    char *p = malloc(big);
    assert_non_null(p);
    memset(p, 'q', big);
    buf_append(&b, p, big);
    assert_int_equal(b.len, big + 3);
    assert_true(b.cap >= big + 4);
    assert_int_equal(b.data[3], 'q');
    assert_int_equal(b.data[big + 2], 'q');
    assert_int_equal(b.data[big + 3], '\0');
    free(p);
    buf_free(&b);
}

static void test_buf_appendf(void **state)
{
    struct buf b = {0};
    (void)state;
    buf_appendf(&b, "%s=%d", "a", 1);
    assert_string_equal(b.data, "a=1");
    assert_int_equal(b.len, 3);
    buf_appendf(&b, ", %05.2f%%", 3.14159);
    assert_string_equal(b.data, "a=1, 03.14%");
    /* Exactly filling and then crossing capacity boundaries. */
    for (int i = 0; i < 500; i++)
        buf_appendf(&b, "[%03d]", i);
    assert_int_equal(b.len, 11 + 500 * 5);
    assert_int_equal(strlen(b.data), b.len);
    assert_memory_equal(b.data + 11, "[000][001]", 10);
    assert_string_equal(b.data + b.len - 5, "[499]");
    /* A single formatted piece larger than everything so far. */
    char big[3000];
    memset(big, 'z', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    size_t before = b.len;
    buf_appendf(&b, "<%s>", big);
    assert_int_equal(b.len, before + sizeof(big) + 1);
    assert_int_equal(b.data[before], '<');
    assert_int_equal(b.data[b.len - 1], '>');
    assert_int_equal(b.data[b.len], '\0');
    /* Mixing with buf_append. */
    buf_append(&b, "!", 1);
    assert_int_equal(b.data[b.len - 1], '!');
    assert_int_equal(strlen(b.data), b.len);
    buf_free(&b);
}

/* Zero-initialised is empty and the buffer is always NUL-terminated, even
 * when the first append formats to nothing. */
static void test_buf_appendf_empty(void **state)
{
    struct buf b = {0};
    (void)state;
    buf_appendf(&b, "%s", "");
    assert_int_equal(b.len, 0);
    assert_non_null(b.data);
    assert_string_equal(b.data, "");
    buf_free(&b);
}

/* --- time ------------------------------------------------------------------- */

static void test_time_rfc3339(void **state)
{
    char t[32];
    (void)state;
    memset(t, 'X', sizeof(t));
    time_t before = time(NULL);
    util_time_rfc3339(t);
    time_t after = time(NULL);
    /* "2026-11-29T15:50:27.123Z" */
    assert_int_equal(strlen(t), 24);
    static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
    for (int i = 0; i < 24; i++) {
        if (shape[i] == 'd' ? !isdigit((unsigned char)t[i]) : t[i] != shape[i])
            fail_msg("'%s' does not look like %s (position %d)", t, shape, i);
    }
    struct tm tm = {0};
    char *end = strptime(t, "%Y-%m-%dT%H:%M:%S", &tm);
    assert_non_null(end);
    assert_int_equal(*end, '.');
    time_t parsed = timegm(&tm);
    /* UTC, and now. */
    assert_true(parsed >= before && parsed <= after);
    assert_true(tm.tm_mon >= 0 && tm.tm_mon <= 11);
    assert_true(tm.tm_mday >= 1 && tm.tm_mday <= 31);
    assert_true(tm.tm_hour <= 23 && tm.tm_min <= 59 && tm.tm_sec <= 60);
}

static void test_now_monotonic(void **state)
{
    (void)state;
    uint64_t a = util_now_ns();
    uint64_t b = util_now_ns();
    assert_true(b >= a);
    uint64_t ms = util_now_ms();
    assert_true(ms >= a / 1000000u);
    struct timespec ts = {0, 20 * 1000000L};
    nanosleep(&ts, NULL);
    assert_true(util_now_ms() - ms >= 20);
}

/* --- strings ---------------------------------------------------------------- */

static void test_strings(void **state)
{
    (void)state;
    char *s = util_xstrdup("hello");
    assert_string_equal(s, "hello");
    free(s);
    s = util_xstrndup("hello", 3);
    assert_string_equal(s, "hel");
    free(s);
    s = util_xstrndup("a\0b", 3);
    assert_memory_equal(s, "a\0b", 4);
    free(s);
    s = util_asprintf("%s-%d-%zu", "x", -3, (size_t)7);
    assert_string_equal(s, "x--3-7");
    free(s);
    s = util_asprintf("%s", "");
    assert_string_equal(s, "");
    free(s);
    char big[5000];
    memset(big, 'm', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    s = util_asprintf("%s%s", big, big);
    assert_int_equal(strlen(s), 2 * (sizeof(big) - 1));
    free(s);
}

/* Host names: DNS labels, any case (the same rule as hosts.name in
 * db/migrations/006_hosts.sql once lower-cased). */
static void test_dns_label(void **state)
{
    (void)state;
    static const char *const good[] = {
        "a",
        "0",
        "host-we-1",
        "Host-WE-1",
        "a-b-c",
        "9x",
        "a23456789012345678901234567890123456789012345678901234567890123", /* 63 */
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        if (util_dns_label_problem(good[i]) != NULL)
            fail_msg("'%s' should be a host name: %s", good[i], util_dns_label_problem(good[i]));
    static const struct {
        const char *name, *why;
    } bad[] = {
        {"", "1 to 63"},
        {"a234567890123456789012345678901234567890123456789012345678901234", "1 to 63"},
        {"-a", "start or end"},
        {"a-", "start or end"},
        {"-", "start or end"},
        {"a_b", "letters, digits"},
        {"a.b", "letters, digits"},
        {"a b", "letters, digits"},
        {"h\xc3\xa9te", "letters, digits"}, /* UTF-8: not ASCII */
        {"a/b", "letters, digits"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *why = util_dns_label_problem(bad[i].name);
        if (why == NULL || strstr(why, bad[i].why) == NULL)
            fail_msg("'%s': expected a problem with '%s', got %s", bad[i].name, bad[i].why,
                     why ? why : "none");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uuid4_format),
        cmocka_unit_test(test_uuid4_unique),
        cmocka_unit_test(test_is_guid),
        cmocka_unit_test(test_parse_long),
        cmocka_unit_test(test_buf_append_growth),
        cmocka_unit_test(test_buf_append_binary_and_large),
        cmocka_unit_test(test_buf_appendf),
        cmocka_unit_test(test_buf_appendf_empty),
        cmocka_unit_test(test_time_rfc3339),
        cmocka_unit_test(test_now_monotonic),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_dns_label),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
