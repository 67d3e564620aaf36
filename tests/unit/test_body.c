/* Unit tests for service/body.h: size caps and parsing a request body. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "service/body.h"

#define CAP 1024

/* Feeds text in chunks of `chunk` bytes. */
static void feed_chunks(struct body *b, const char *text, size_t len, size_t chunk)
{
    for (size_t off = 0; off < len; off += chunk)
        body_feed(b, text + off, len - off < chunk ? len - off : chunk);
}

static void test_content_length_over_cap(void **state)
{
    struct body b;
    struct err e = {0};
    json_t *j = (json_t *)1;
    (void)state;
    assert_int_equal(body_begin(&b, CAP, "1025"), -1);
    assert_true(b.too_large);
    assert_int_equal(body_parse(&b, &j, &e), -1);
    assert_null(j);
    assert_int_equal(e.code, ERR_REQUEST_TOO_LARGE);
    assert_int_equal(err_http_status(e.code), 413);
    assert_non_null(strstr(e.message, "1024"));
    body_free(&b);
    err_clear(&e);
}

/* Every declared length past the cap is refused at begin, however large. */
static void test_content_length_huge(void **state)
{
    static const char *const lengths[] = {"1048577", "2147483647", "2147483648", "4294967296",
                                          "9223372036854775807"};
    (void)state;
    for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
        struct body b;
        int rc = body_begin(&b, CAP, lengths[i]);
        int too_large = b.too_large;
        body_free(&b);
        if (rc != -1 || !too_large)
            fail_msg("Content-Length %s over a cap of %d: body_begin gave %d", lengths[i], CAP, rc);
    }
}

static void test_content_length_at_cap(void **state)
{
    struct body b;
    struct err e = {0};
    json_t *j = NULL;
    char text[CAP + 1];
    (void)state;
    /* A JSON document of exactly CAP bytes: {"k":"xxxx...x"} */
    memset(text, 'x', CAP);
    memcpy(text, "{\"k\":\"", 6);
    memcpy(text + CAP - 2, "\"}", 2);
    text[CAP] = '\0';
    assert_int_equal(body_begin(&b, CAP, "1024"), 0);
    assert_false(b.too_large);
    body_feed(&b, text, CAP);
    assert_false(b.too_large);
    assert_int_equal(b.data.len, CAP);
    assert_int_equal(body_parse(&b, &j, &e), 0);
    assert_false(e.set);
    assert_non_null(j);
    assert_int_equal(strlen(json_string_value(json_object_get(j, "k"))), CAP - 8);
    json_decref(j);
    body_free(&b);
    err_clear(&e);
}

static void test_no_content_length_and_odd_values(void **state)
{
    struct body b;
    (void)state;
    assert_int_equal(body_begin(&b, CAP, NULL), 0);
    assert_false(b.too_large);
    assert_int_equal(b.max, CAP);
    body_free(&b);
    assert_int_equal(body_begin(&b, CAP, "0"), 0);
    assert_false(b.too_large);
    body_free(&b);
    /* Not a number: left to the HTTP layer. */
    assert_int_equal(body_begin(&b, CAP, "abc"), 0);
    body_free(&b);
}

static void test_chunked_over_cap(void **state)
{
    struct body b;
    struct err e = {0};
    json_t *j = NULL;
    char text[CAP + 100];
    (void)state;
    memset(text, ' ', sizeof(text));
    text[0] = '{';
    text[sizeof(text) - 1] = '}';
    assert_int_equal(body_begin(&b, CAP, NULL), 0);
    feed_chunks(&b, text, sizeof(text), 100);
    assert_true(b.too_large);
    /* The collected part was dropped. */
    assert_int_equal(b.data.len, 0);
    /* More chunks after that are ignored. */
    body_feed(&b, "{}", 2);
    assert_true(b.too_large);
    assert_int_equal(b.data.len, 0);
    assert_int_equal(body_parse(&b, &j, &e), -1);
    assert_null(j);
    assert_int_equal(e.code, ERR_REQUEST_TOO_LARGE);
    assert_string_equal(err_code_name(e.code), "RequestBodyTooLarge");
    body_free(&b);
    err_clear(&e);
}

/* Over by a single byte, reached one byte at a time. */
static void test_chunked_one_byte_over(void **state)
{
    struct body b;
    char text[CAP + 1];
    (void)state;
    memset(text, ' ', sizeof(text));
    assert_int_equal(body_begin(&b, CAP, NULL), 0);
    feed_chunks(&b, text, CAP, 1);
    assert_false(b.too_large);
    assert_int_equal(b.data.len, CAP);
    body_feed(&b, text, 1);
    assert_true(b.too_large);
    body_free(&b);
}

/* The declared length lies (small), the actual body is larger: still 413. */
static void test_chunked_over_cap_despite_small_header(void **state)
{
    struct body b;
    struct err e = {0};
    json_t *j = NULL;
    char text[2 * CAP];
    (void)state;
    memset(text, ' ', sizeof(text));
    assert_int_equal(body_begin(&b, CAP, "10"), 0);
    feed_chunks(&b, text, sizeof(text), 512);
    assert_int_equal(body_parse(&b, &j, &e), -1);
    assert_int_equal(e.code, ERR_REQUEST_TOO_LARGE);
    body_free(&b);
    err_clear(&e);
}

static void test_blank_body(void **state)
{
    static const char *const blanks[] = {"", " ", "\r\n", " \t \n\r "};
    (void)state;
    for (size_t i = 0; i < sizeof(blanks) / sizeof(blanks[0]); i++) {
        struct body b;
        struct err e = {0};
        json_t *j = (json_t *)1;
        assert_int_equal(body_begin(&b, CAP, NULL), 0);
        body_feed(&b, blanks[i], strlen(blanks[i]));
        assert_int_equal(body_parse(&b, &j, &e), 0);
        assert_null(j);
        assert_false(e.set);
        body_free(&b);
        err_clear(&e);
    }
    /* Nothing fed at all. */
    struct body b;
    struct err e = {0};
    json_t *j = (json_t *)1;
    assert_int_equal(body_begin(&b, CAP, NULL), 0);
    assert_int_equal(body_parse(&b, &j, &e), 0);
    assert_null(j);
    body_free(&b);
}

/* A body of NUL bytes is not blank: it is malformed JSON. */
static void test_nul_bytes_are_not_blank(void **state)
{
    static const struct {
        const char *data;
        size_t len;
    } bodies[] = {{"\0", 1}, {" \0 ", 3}, {"\0\0\0\0", 4}};
    (void)state;
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        struct body b;
        struct err e = {0};
        json_t *j = NULL;
        assert_int_equal(body_begin(&b, CAP, NULL), 0);
        body_feed(&b, bodies[i].data, bodies[i].len);
        int rc = body_parse(&b, &j, &e);
        enum err_code code = e.code;
        int set = e.set;
        json_decref(j);
        body_free(&b);
        err_clear(&e);
        if (rc != -1 || !set || code != ERR_INVALID_REQUEST_CONTENT)
            fail_msg("body %zu (%zu NUL/space bytes): rc %d, error set %d - treated as blank", i,
                     bodies[i].len, rc, set);
    }
}

static void expect_malformed(const char *text, const char *where)
{
    struct body b;
    struct err e = {0};
    json_t *j = (json_t *)1;
    assert_int_equal(body_begin(&b, CAP, NULL), 0);
    body_feed(&b, text, strlen(text));
    int rc = body_parse(&b, &j, &e);
    if (rc != -1)
        fail_msg("'%s' accepted", text);
    assert_null(j);
    assert_true(e.set);
    assert_int_equal(e.code, ERR_INVALID_REQUEST_CONTENT);
    assert_int_equal(err_http_status(e.code), 400);
    if (!strstr(e.message, "line") || !strstr(e.message, "column") ||
        !strstr(e.message, "position"))
        fail_msg("message '%s' lacks line/column/position", e.message);
    if (where && !strstr(e.message, where))
        fail_msg("message '%s' lacks '%s'", e.message, where);
    body_free(&b);
    err_clear(&e);
}

static void test_malformed(void **state)
{
    (void)state;
    expect_malformed("{", NULL);
    expect_malformed("{\"a\":}", "line 1, column 6");
    expect_malformed("{\n  \"a\": 1,\n  \"b\" 2\n}", "line 3");
    expect_malformed("{\"a\":1} trailing", NULL);
    expect_malformed("nope", NULL);
    expect_malformed("{'a':1}", NULL);
    expect_malformed("{\"a\":1,}", NULL);
    expect_malformed("\xff\xfe{}", NULL);
}

static void test_duplicate_keys(void **state)
{
    (void)state;
    expect_malformed("{\"a\":1,\"a\":2}", NULL);
    expect_malformed("{\"o\":{\"x\":1,\"x\":1}}", NULL);
}

static void test_valid(void **state)
{
    struct body b;
    struct err e = {0};
    json_t *j = NULL;
    static const char text[] = "  {\"role\":\"admin\",\"n\":[1,2,{\"x\":null}],\"ok\":true}\n";
    (void)state;
    assert_int_equal(body_begin(&b, CAP, "51"), 0);
    feed_chunks(&b, text, strlen(text), 7);
    assert_int_equal(body_parse(&b, &j, &e), 0);
    assert_false(e.set);
    assert_true(json_is_object(j));
    assert_string_equal(json_string_value(json_object_get(j, "role")), "admin");
    assert_int_equal(json_array_size(json_object_get(j, "n")), 3);
    assert_true(json_is_true(json_object_get(j, "ok")));
    json_decref(j);
    body_free(&b);
    err_clear(&e);

    /* Top-level arrays are JSON too. */
    assert_int_equal(body_begin(&b, CAP, NULL), 0);
    body_feed(&b, "[1]", 3);
    assert_int_equal(body_parse(&b, &j, &e), 0);
    assert_true(json_is_array(j));
    json_decref(j);
    body_free(&b);
}

static void test_free_zeroed_and_twice(void **state)
{
    struct body b;
    (void)state;
    memset(&b, 0, sizeof(b));
    body_free(&b);
    assert_int_equal(body_begin(&b, CAP, NULL), 0);
    body_feed(&b, "{}", 2);
    body_free(&b);
    body_free(&b);
    assert_null(b.data.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_content_length_over_cap),
        cmocka_unit_test(test_content_length_huge),
        cmocka_unit_test(test_content_length_at_cap),
        cmocka_unit_test(test_no_content_length_and_odd_values),
        cmocka_unit_test(test_chunked_over_cap),
        cmocka_unit_test(test_chunked_one_byte_over),
        cmocka_unit_test(test_chunked_over_cap_despite_small_header),
        cmocka_unit_test(test_blank_body),
        cmocka_unit_test(test_nul_bytes_are_not_blank),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_free_zeroed_and_twice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
