/* Unit tests for service/route.h: route_find, route_param, route_match_free. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "service/route.h"

/* Distinct handlers so a test can tell which route matched by more than its
 * index. They are never called. */
static void h_healthz(struct req *rq, struct reply *rp)
{
    (void)rq;
    (void)rp;
}
static void h_tokens(struct req *rq, struct reply *rp)
{
    (void)rq;
    (void)rp;
}
static void h_token(struct req *rq, struct reply *rp)
{
    (void)rq;
    (void)rp;
}
static void h_nic(struct req *rq, struct reply *rp)
{
    (void)rq;
    (void)rp;
}

#define NIC_PATTERN                                                                 \
    "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/" \
    "Microsoft.Network/networkInterfaces/{nicName}"

static const struct route table[] = {
    /* 0 */ {"GET", "/healthz", h_healthz, AUTH_PUBLIC, ROUTE_NO_API_VERSION},
    /* 1 */ {"GET", "/readyz", h_healthz, AUTH_PUBLIC, ROUTE_NO_API_VERSION},
    /* 2 */ {"POST", "/admin/tokens", h_tokens, AUTH_ADMIN, 0},
    /* 3 */ {"GET", "/admin/tokens", h_tokens, AUTH_ADMIN, 0},
    /* 4 */ {"GET", "/admin/tokens/bootstrap", h_token, AUTH_ADMIN, 0},
    /* 5 */ {"GET", "/admin/tokens/{tokenId}", h_token, AUTH_ADMIN, 0},
    /* 6 */ {"DELETE", "/admin/tokens/{tokenId}", h_token, AUTH_ADMIN, 0},
    /* 7 */ {"GET", NIC_PATTERN, h_nic, AUTH_SUBSCRIPTION, 0},
    /* 8 */ {"PUT", NIC_PATTERN, h_nic, AUTH_SUBSCRIPTION, 0},
    /* 9 */ {"DELETE", NIC_PATTERN, h_nic, AUTH_SUBSCRIPTION, 0},
    /* 10 */ {"GET", "/x/{a}", h_token, AUTH_PUBLIC, 0},
    /* 11 */ {"PUT", "/x/{a}", h_token, AUTH_PUBLIC, 0},
    /* 12 */ {"GET", "/x/{b}", h_token, AUTH_PUBLIC, 0}, /* shadowed by 10 */
    /* 13 */ {"PUT", "/x/fixed", h_token, AUTH_PUBLIC, 0},
    /* 14 */ {"GET", "/", h_healthz, AUTH_PUBLIC, 0},
};
#define NTABLE (sizeof(table) / sizeof(table[0]))

/* One row per request; the expected outcome and, when found, the index. */
static const struct {
    const char *method;
    const char *path;
    enum route_result result;
    size_t index;
    const char *allow; /* ROUTE_NO_METHOD only */
} cases[] = {
    {"GET", "/healthz", ROUTE_FOUND, 0, NULL},
    {"GET", "/readyz", ROUTE_FOUND, 1, NULL},
    {"GET", "/HEALTHZ", ROUTE_FOUND, 0, NULL},
    {"GET", "/healthz/", ROUTE_FOUND, 0, NULL},
    {"GET", "/healthz//", ROUTE_NO_PATH, 0, NULL},
    {"GET", "//healthz", ROUTE_NO_PATH, 0, NULL},
    {"GET", "/healthzz", ROUTE_NO_PATH, 0, NULL},
    {"GET", "/health", ROUTE_NO_PATH, 0, NULL},
    {"GET", "/healthz/x", ROUTE_NO_PATH, 0, NULL},
    {"GET", "healthz", ROUTE_NO_PATH, 0, NULL},
    {"GET", "", ROUTE_NO_PATH, 0, NULL},
    {"GET", "/", ROUTE_FOUND, 14, NULL},
    {"POST", "/admin/tokens", ROUTE_FOUND, 2, NULL},
    {"GET", "/admin/tokens", ROUTE_FOUND, 3, NULL},
    {"GET", "/ADMIN/Tokens", ROUTE_FOUND, 3, NULL},
    {"GET", "/admin/tokens/", ROUTE_FOUND, 3, NULL},
    {"GET", "/admin//tokens", ROUTE_NO_PATH, 0, NULL},
    {"DELETE", "/admin/tokens", ROUTE_NO_METHOD, 0, "POST, GET"},
    {"GET", "/admin/tokens/bootstrap", ROUTE_FOUND, 4, NULL},
    {"GET", "/admin/tokens/BOOTSTRAP", ROUTE_FOUND, 4, NULL},
    {"GET", "/admin/tokens/abc", ROUTE_FOUND, 5, NULL},
    {"DELETE", "/admin/tokens/abc", ROUTE_FOUND, 6, NULL},
    {"PUT", "/admin/tokens/abc", ROUTE_NO_METHOD, 0, "GET, DELETE"},
    {"GET", "/admin/tokens/abc/def", ROUTE_NO_PATH, 0, NULL},
    {"GET", "/healthz", ROUTE_FOUND, 0, NULL},
    {"POST", "/healthz", ROUTE_NO_METHOD, 0, "GET"},
    {"get", "/healthz", ROUTE_NO_METHOD, 0, "GET"}, /* methods are case-sensitive */
    {"GET", "/x/fixed", ROUTE_FOUND, 10, NULL},
    {"PUT", "/x/fixed", ROUTE_FOUND, 11, NULL},
    {"PATCH", "/x/other", ROUTE_NO_METHOD, 0, "GET, PUT"},
    /* GET appears at 10 and 12, PUT at 11 and 13: each listed once. */
    {"DELETE", "/x/fixed", ROUTE_NO_METHOD, 0, "GET, PUT"},
    {"POST", NULL, ROUTE_NO_METHOD, 0, "GET, PUT, DELETE"}, /* NULL path = a NIC path */
};

static const char nic_path[] = "/subscriptions/00000000-0000-0000-0000-000000000001/"
                               "resourceGroups/rg1/providers/Microsoft.Network/"
                               "networkInterfaces/nic1";

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct route_match m;
        const char *path = cases[i].path ? cases[i].path : nic_path;
        enum route_result r = route_find(table, NTABLE, cases[i].method, path, &m);
        if (r != cases[i].result)
            fail_msg("case %zu: %s %s: result %d, expected %d", i, cases[i].method, path, (int)r,
                     (int)cases[i].result);
        if (r == ROUTE_FOUND) {
            if (m.index != cases[i].index)
                fail_msg("case %zu: %s %s: index %zu, expected %zu", i, cases[i].method, path,
                         m.index, cases[i].index);
            assert_ptr_equal(m.route, &table[cases[i].index]);
        }
        if (r == ROUTE_NO_METHOD && strcmp(m.allow, cases[i].allow) != 0)
            fail_msg("case %zu: %s %s: allow '%s', expected '%s'", i, cases[i].method, path,
                     m.allow, cases[i].allow);
        route_match_free(&m);
    }
}

static void test_params_case_preserved(void **state)
{
    struct route_match m;
    (void)state;
    assert_int_equal(route_find(table, NTABLE, "PUT",
                                "/SUBSCRIPTIONS/abc/resourcegroups/RG/providers/microsoft.network/"
                                "NETWORKINTERFACES/Nic1",
                                &m),
                     ROUTE_FOUND);
    assert_int_equal(m.index, 8);
    assert_ptr_equal(m.route->handler, h_nic);
    assert_int_equal(m.nparams, 3);
    assert_string_equal(route_param(&m, "subscriptionId"), "abc");
    assert_string_equal(route_param(&m, "resourceGroupName"), "RG");
    assert_string_equal(route_param(&m, "nicName"), "Nic1");
    /* Names are matched exactly. */
    assert_null(route_param(&m, "nicname"));
    assert_null(route_param(&m, "nic"));
    assert_null(route_param(&m, "nicNameX"));
    assert_null(route_param(&m, ""));
    route_match_free(&m);
    assert_int_equal(m.nparams, 0);
    assert_null(route_param(&m, "nicName"));
}

static void test_params_with_trailing_slash(void **state)
{
    struct route_match m;
    (void)state;
    assert_int_equal(route_find(table, NTABLE, "DELETE", "/admin/tokens/AbC-1/", &m), ROUTE_FOUND);
    assert_int_equal(m.index, 6);
    assert_int_equal(m.nparams, 1);
    assert_string_equal(route_param(&m, "tokenId"), "AbC-1");
    route_match_free(&m);
}

static void test_params_none(void **state)
{
    struct route_match m;
    (void)state;
    assert_int_equal(route_find(table, NTABLE, "GET", "/admin/tokens", &m), ROUTE_FOUND);
    assert_int_equal(m.nparams, 0);
    assert_null(route_param(&m, "tokenId"));
    route_match_free(&m);
}

/* The first matching row wins: the literal "bootstrap" row sits above the
 * {tokenId} row, and /x/{a} above /x/{b} and /x/fixed. */
static void test_priority(void **state)
{
    struct route_match m;
    (void)state;
    assert_int_equal(route_find(table, NTABLE, "GET", "/admin/tokens/bootstrap", &m), ROUTE_FOUND);
    assert_int_equal(m.index, 4);
    assert_int_equal(m.nparams, 0);
    route_match_free(&m);

    assert_int_equal(route_find(table, NTABLE, "GET", "/x/val", &m), ROUTE_FOUND);
    assert_int_equal(m.index, 10);
    assert_string_equal(route_param(&m, "a"), "val");
    assert_null(route_param(&m, "b"));
    route_match_free(&m);

    /* Reversed table order: the {tokenId} row now wins. */
    static const struct route rev[] = {
        {"GET", "/admin/tokens/{tokenId}", h_token, AUTH_ADMIN, 0},
        {"GET", "/admin/tokens/bootstrap", h_tokens, AUTH_ADMIN, 0},
    };
    assert_int_equal(route_find(rev, 2, "GET", "/admin/tokens/bootstrap", &m), ROUTE_FOUND);
    assert_int_equal(m.index, 0);
    assert_string_equal(route_param(&m, "tokenId"), "bootstrap");
    route_match_free(&m);
}

/* A row whose method matches but whose later literal fails must not leave
 * stale parameters behind for the row that does match. */
static void test_partial_match_no_leftovers(void **state)
{
    static const struct route t[] = {
        {"GET", "/a/{p}/{q}/z", h_token, AUTH_PUBLIC, 0},
        {"GET", "/a/{r}/y/{s}", h_tokens, AUTH_PUBLIC, 0},
    };
    struct route_match m;
    (void)state;
    assert_int_equal(route_find(t, 2, "GET", "/a/one/y/two", &m), ROUTE_FOUND);
    assert_int_equal(m.index, 1);
    assert_int_equal(m.nparams, 2);
    assert_string_equal(route_param(&m, "r"), "one");
    assert_string_equal(route_param(&m, "s"), "two");
    assert_null(route_param(&m, "p"));
    assert_null(route_param(&m, "q"));
    route_match_free(&m);
}

static void build_path(char *out, size_t outlen, size_t nsegs)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < nsegs; i++) {
        int n = snprintf(out + len, outlen - len, "/s%zu", i);
        assert_true(n > 0 && (size_t)n < outlen - len);
        len += (size_t)n;
    }
}

static void test_segment_limit(void **state)
{
    char pattern[512], path[512];
    struct route_match m;
    (void)state;

    /* Exactly ROUTE_MAX_SEGMENTS segments is fine. */
    build_path(pattern, sizeof(pattern), ROUTE_MAX_SEGMENTS);
    struct route t[] = {{"GET", pattern, h_token, AUTH_PUBLIC, 0}};
    build_path(path, sizeof(path), ROUTE_MAX_SEGMENTS);
    assert_int_equal(route_find(t, 1, "GET", path, &m), ROUTE_FOUND);
    route_match_free(&m);

    /* One more segment is refused as an unknown path, even with a slash. */
    build_path(path, sizeof(path), ROUTE_MAX_SEGMENTS + 1);
    assert_int_equal(route_find(t, 1, "GET", path, &m), ROUTE_NO_PATH);
    route_match_free(&m);
    assert_int_equal(route_find(table, NTABLE, "GET", path, &m), ROUTE_NO_PATH);
    route_match_free(&m);
    size_t l = strlen(path);
    path[l] = '/';
    path[l + 1] = '\0';
    assert_int_equal(route_find(t, 1, "GET", path, &m), ROUTE_NO_PATH);
    route_match_free(&m);

    /* A long path of many segments far past the limit. */
    char big[4096];
    build_path(big, sizeof(big), 200);
    assert_int_equal(route_find(table, NTABLE, "GET", big, &m), ROUTE_NO_PATH);
    route_match_free(&m);
}

static void test_literal_case_insensitive_param_any_case(void **state)
{
    struct route_match m;
    (void)state;
    assert_int_equal(route_find(table, NTABLE, "GET",
                                "/subscriptions/S/RESOURCEGROUPS/g/PROVIDERS/MICROSOFT.NETWORK/"
                                "networkinterfaces/N",
                                &m),
                     ROUTE_FOUND);
    assert_int_equal(m.index, 7);
    assert_string_equal(route_param(&m, "subscriptionId"), "S");
    assert_string_equal(route_param(&m, "resourceGroupName"), "g");
    assert_string_equal(route_param(&m, "nicName"), "N");
    route_match_free(&m);

    /* A literal that differs (not just in case) is not a match. */
    assert_int_equal(route_find(table, NTABLE, "GET",
                                "/subscriptions/S/resourceGroups/g/providers/Microsoft.Compute/"
                                "networkInterfaces/N",
                                &m),
                     ROUTE_NO_PATH);
    route_match_free(&m);
    /* A missing trailing parameter is not a match either. */
    assert_int_equal(route_find(table, NTABLE, "GET",
                                "/subscriptions/S/resourceGroups/g/providers/Microsoft.Network/"
                                "networkInterfaces/",
                                &m),
                     ROUTE_NO_PATH);
    route_match_free(&m);
}

static void test_no_method_allow_order(void **state)
{
    static const struct route t[] = {
        {"DELETE", "/r", h_token, AUTH_PUBLIC, 0},  {"GET", "/other", h_token, AUTH_PUBLIC, 0},
        {"PUT", "/r", h_token, AUTH_PUBLIC, 0},     {"DELETE", "/r", h_token, AUTH_PUBLIC, 0},
        {"GET", "/{any}", h_token, AUTH_PUBLIC, 0}, {"PUT", "/r", h_token, AUTH_PUBLIC, 0},
    };
    struct route_match m;
    (void)state;
    assert_int_equal(route_find(t, 6, "POST", "/R/", &m), ROUTE_NO_METHOD);
    assert_string_equal(m.allow, "DELETE, PUT, GET");
    assert_null(m.route);
    assert_int_equal(m.nparams, 0);
    route_match_free(&m);

    /* Unknown path: nothing to allow. */
    assert_int_equal(route_find(t, 6, "POST", "/r/s", &m), ROUTE_NO_PATH);
    assert_string_equal(m.allow, "");
    assert_null(m.route);
    route_match_free(&m);

    /* Found: allow stays unused. */
    assert_int_equal(route_find(t, 6, "PUT", "/r", &m), ROUTE_FOUND);
    assert_int_equal(m.index, 2);
    route_match_free(&m);
}

/* "Each method once" must compare whole method names: a method that is a
 * substring of one already listed (LOCK in UNLOCK) is still listed. */
static void test_no_method_allow_substring_methods(void **state)
{
    static const struct route t[] = {
        {"UNLOCK", "/r", h_token, AUTH_PUBLIC, 0},
        {"LOCK", "/r", h_token, AUTH_PUBLIC, 0},
        {"PROPPATCH", "/r", h_token, AUTH_PUBLIC, 0},
        {"PATCH", "/r", h_token, AUTH_PUBLIC, 0},
    };
    struct route_match m;
    (void)state;
    assert_int_equal(route_find(t, 4, "GET", "/r", &m), ROUTE_NO_METHOD);
    assert_string_equal(m.allow, "UNLOCK, LOCK, PROPPATCH, PATCH");
    route_match_free(&m);
}

static void test_empty_table(void **state)
{
    struct route_match m;
    (void)state;
    assert_int_equal(route_find(table, 0, "GET", "/healthz", &m), ROUTE_NO_PATH);
    route_match_free(&m);
}

/* route_match_free leaves the struct reusable for another route_find. */
/* The path is split before it is decoded: an encoded '/' stays inside its
 * parameter, and literal segments may be percent-encoded. */
static void test_percent_decoding(void **state)
{
    struct route_match m;
    (void)state;
    assert_int_equal(route_find(table, NTABLE, "GET", "/x/a%2Fb%3F", &m), ROUTE_FOUND);
    assert_int_equal(m.index, 10);
    assert_string_equal(route_param(&m, "a"), "a/b?");
    route_match_free(&m);
    assert_int_equal(route_find(table, NTABLE, "GET", "/x/100%25%20sure", &m), ROUTE_FOUND);
    assert_string_equal(route_param(&m, "a"), "100% sure");
    route_match_free(&m);
    /* A '%' without two hex digits is kept as it is. */
    assert_int_equal(route_find(table, NTABLE, "GET", "/x/50%zz%4", &m), ROUTE_FOUND);
    assert_string_equal(route_param(&m, "a"), "50%zz%4");
    route_match_free(&m);
    /* Encoded literal segments still match (case-insensitively). */
    assert_int_equal(route_find(table, NTABLE, "GET", "/%61dmin/TOKENS", &m), ROUTE_FOUND);
    assert_int_equal(m.index, 3);
    route_match_free(&m);
    /* An encoded slash never makes a new segment. */
    assert_int_equal(route_find(table, NTABLE, "GET", "/admin%2Ftokens", &m), ROUTE_NO_PATH);
    /* NUL bytes are refused. */
    assert_int_equal(route_find(table, NTABLE, "GET", "/x/a%00b", &m), ROUTE_NO_PATH);
}

static void test_match_reuse(void **state)
{
    struct route_match m;
    (void)state;
    assert_int_equal(route_find(table, NTABLE, "GET", nic_path, &m), ROUTE_FOUND);
    assert_string_equal(route_param(&m, "nicName"), "nic1");
    route_match_free(&m);
    route_match_free(&m); /* twice is harmless */
    assert_int_equal(route_find(table, NTABLE, "GET", "/admin/tokens/t2", &m), ROUTE_FOUND);
    assert_int_equal(m.nparams, 1);
    assert_string_equal(route_param(&m, "tokenId"), "t2");
    assert_null(route_param(&m, "nicName"));
    route_match_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_params_case_preserved),
        cmocka_unit_test(test_params_with_trailing_slash),
        cmocka_unit_test(test_params_none),
        cmocka_unit_test(test_priority),
        cmocka_unit_test(test_partial_match_no_leftovers),
        cmocka_unit_test(test_segment_limit),
        cmocka_unit_test(test_literal_case_insensitive_param_any_case),
        cmocka_unit_test(test_no_method_allow_order),
        cmocka_unit_test(test_no_method_allow_substring_methods),
        cmocka_unit_test(test_empty_table),
        cmocka_unit_test(test_percent_decoding),
        cmocka_unit_test(test_match_reuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
