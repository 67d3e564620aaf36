/* Unit tests for common/error.h: the error table and the ARM error envelope. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

static void test_every_code_has_name_and_status(void **state)
{
    (void)state;
    assert_true(ERR__COUNT > 0);
    for (int c = 0; c < ERR__COUNT; c++) {
        const char *name = err_code_name((enum err_code)c);
        unsigned status = err_http_status((enum err_code)c);
        assert_non_null(name);
        if (!isupper((unsigned char)name[0]))
            fail_msg("code %d: name '%s' is not PascalCase", c, name);
        for (const char *p = name; *p; p++)
            if (!isalnum((unsigned char)*p))
                fail_msg("code %d: name '%s' has a non-alphanumeric character", c, name);
        if (status < 400 || status > 599)
            fail_msg("code %d (%s): status %u is not 4xx/5xx", c, name, status);
        /* Names are unique. */
        for (int d = 0; d < c; d++)
            if (strcmp(name, err_code_name((enum err_code)d)) == 0)
                fail_msg("codes %d and %d share the name '%s'", d, c, name);
    }
}

/* The table is documented as sorted by status. */
static void test_table_sorted_by_status(void **state)
{
    (void)state;
    for (int c = 1; c < ERR__COUNT; c++)
        if (err_http_status((enum err_code)c) < err_http_status((enum err_code)(c - 1)))
            fail_msg("code %d (%s) is out of status order", c, err_code_name((enum err_code)c));
}

static void test_specific_codes(void **state)
{
    static const struct {
        enum err_code code;
        const char *name;
        unsigned status;
    } want[] = {
        {ERR_INVALID_REQUEST_CONTENT, "InvalidRequestContent", 400},
        {ERR_INVALID_PARAMETER, "InvalidParameter", 400},
        {ERR_MISSING_API_VERSION, "MissingApiVersionParameter", 400},
        {ERR_UNSUPPORTED_API_VERSION, "UnsupportedApiVersionValue", 400},
        {ERR_AUTHENTICATION_FAILED, "AuthenticationFailed", 401},
        {ERR_AUTHORIZATION_FAILED, "AuthorizationFailed", 403},
        {ERR_NOT_FOUND, "NotFound", 404},
        {ERR_RESOURCE_NOT_FOUND, "ResourceNotFound", 404},
        {ERR_METHOD_NOT_ALLOWED, "MethodNotAllowed", 405},
        {ERR_REQUEST_TOO_LARGE, "RequestBodyTooLarge", 413},
        {ERR_INTERNAL, "InternalServerError", 500},
        {ERR_SERVICE_UNAVAILABLE, "ServiceUnavailable", 503},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        assert_string_equal(err_code_name(want[i].code), want[i].name);
        assert_int_equal(err_http_status(want[i].code), want[i].status);
    }
}

static void test_out_of_range_code(void **state)
{
    (void)state;
    assert_string_equal(err_code_name(ERR__COUNT), "InternalServerError");
    assert_int_equal(err_http_status(ERR__COUNT), 500);
    assert_string_equal(err_code_name((enum err_code) - 1), "InternalServerError");
    assert_int_equal(err_http_status((enum err_code) - 1), 500);
}

static void test_set_formats_message(void **state)
{
    struct err e = {0};
    (void)state;
    err_set(&e, ERR_RESOURCE_NOT_FOUND, "tokenId", "Token '%s' was not found (%d).", "abc", 42);
    assert_true(e.set);
    assert_int_equal(e.code, ERR_RESOURCE_NOT_FOUND);
    assert_string_equal(e.target, "tokenId");
    assert_string_equal(e.message, "Token 'abc' was not found (42).");
    assert_int_equal(e.ndetails, 0);

    /* Setting again replaces code, target and message. */
    err_set(&e, ERR_CONFLICT, NULL, "%s-%05.1f-%%", "x", 2.5);
    assert_int_equal(e.code, ERR_CONFLICT);
    assert_null(e.target);
    assert_string_equal(e.message, "x-002.5-%");
    err_clear(&e);
}

static void setv_helper(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void setv_helper(struct err *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_setv(e, ERR_INVALID_PARAMETER, "p", fmt, ap);
    va_end(ap);
}

static void test_setv(void **state)
{
    struct err e = {0};
    (void)state;
    setv_helper(&e, "%d items, %s", 3, "ok");
    assert_int_equal(e.code, ERR_INVALID_PARAMETER);
    assert_string_equal(e.message, "3 items, ok");
    assert_string_equal(e.target, "p");
    err_clear(&e);
}

static void test_long_message(void **state)
{
    struct err e = {0};
    char big[5000];
    (void)state;
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    err_set(&e, ERR_INTERNAL, NULL, "<%s>", big);
    assert_int_equal(strlen(e.message), sizeof(big) + 1);
    assert_int_equal(e.message[0], '<');
    assert_int_equal(e.message[sizeof(big)], '>');
    err_clear(&e);
}

static void test_envelope_no_target(void **state)
{
    struct err e = {0};
    (void)state;
    err_set(&e, ERR_NOT_FOUND, NULL, "No route for %s.", "/x");
    json_t *env = err_envelope(&e);
    assert_non_null(env);
    assert_int_equal(json_object_size(env), 1);
    json_t *err = json_object_get(env, "error");
    assert_true(json_is_object(err));
    assert_int_equal(json_object_size(err), 4);
    assert_string_equal(json_string_value(json_object_get(err, "code")), "NotFound");
    assert_string_equal(json_string_value(json_object_get(err, "message")), "No route for /x.");
    /* "target" is present and null, not missing. */
    json_t *target = json_object_get(err, "target");
    assert_non_null(target);
    assert_true(json_is_null(target));
    json_t *details = json_object_get(err, "details");
    assert_true(json_is_array(details));
    assert_int_equal(json_array_size(details), 0);

    /* The exact serialised shape. */
    char *text = json_dumps(env, JSON_SORT_KEYS | JSON_COMPACT);
    assert_string_equal(text, "{\"error\":{\"code\":\"NotFound\",\"details\":[],\"message\":\"No "
                              "route for /x.\",\"target\":null}}");
    free(text);
    json_decref(env);
    err_clear(&e);
}

static void test_envelope_with_target_and_details(void **state)
{
    struct err e = {0};
    (void)state;
    err_set(&e, ERR_INVALID_REQUEST_CONTENT, "body", "The body has %d problems.", 2);
    err_add_detail(&e, ERR_INVALID_REQUEST_CONTENT, "properties.ipConfigurations[1].name",
                   "'%s' is required.", "properties.ipConfigurations[1].name");
    err_add_detail(&e, ERR_INVALID_PARAMETER, NULL, "bad %s", "thing");
    /* Adding details leaves the top level as it was. */
    assert_int_equal(e.code, ERR_INVALID_REQUEST_CONTENT);
    assert_string_equal(e.message, "The body has 2 problems.");
    assert_int_equal(e.ndetails, 2);

    json_t *env = err_envelope(&e);
    json_t *err = json_object_get(env, "error");
    assert_string_equal(json_string_value(json_object_get(err, "code")), "InvalidRequestContent");
    assert_string_equal(json_string_value(json_object_get(err, "target")), "body");
    json_t *details = json_object_get(err, "details");
    assert_int_equal(json_array_size(details), 2);

    json_t *d0 = json_array_get(details, 0);
    assert_string_equal(json_string_value(json_object_get(d0, "code")), "InvalidRequestContent");
    assert_string_equal(json_string_value(json_object_get(d0, "target")),
                        "properties.ipConfigurations[1].name");
    assert_string_equal(json_string_value(json_object_get(d0, "message")),
                        "'properties.ipConfigurations[1].name' is required.");

    json_t *d1 = json_array_get(details, 1);
    assert_string_equal(json_string_value(json_object_get(d1, "code")), "InvalidParameter");
    assert_string_equal(json_string_value(json_object_get(d1, "message")), "bad thing");
    /* A detail without a target carries "target": null like the top level. */
    assert_non_null(json_object_get(d1, "target"));
    assert_true(json_is_null(json_object_get(d1, "target")));
    json_decref(env);
    err_clear(&e);
}

/* Details alone (no err_set) on a zeroed struct. */
static void test_detail_on_zeroed(void **state)
{
    struct err e = {0};
    (void)state;
    for (int i = 0; i < 50; i++)
        err_add_detail(&e, ERR_INVALID_PARAMETER, "t", "detail %d", i);
    assert_int_equal(e.ndetails, 50);
    assert_string_equal(e.details[49].message, "detail 49");
    assert_string_equal(e.details[0].message, "detail 0");
    assert_string_equal(e.details[7].target, "t");
    assert_false(e.set);
    err_clear(&e);
    assert_int_equal(e.ndetails, 0);
    assert_null(e.details);
}

static void test_clear_zeroed_and_reused(void **state)
{
    struct err e;
    (void)state;
    memset(&e, 0, sizeof(e));
    err_clear(&e); /* zeroed */
    err_clear(&e); /* and again */
    assert_false(e.set);

    err_set(&e, ERR_CONFLICT, "x", "first");
    err_add_detail(&e, ERR_CONFLICT, "y", "d");
    err_clear(&e);
    assert_false(e.set);
    assert_int_equal(e.code, 0);
    assert_null(e.target);
    assert_null(e.message);
    assert_null(e.details);
    assert_int_equal(e.ndetails, 0);

    /* Reuse after clear: nothing of the first error is left. */
    err_set(&e, ERR_SERVICE_UNAVAILABLE, NULL, "second %s", "time");
    assert_int_equal(e.ndetails, 0);
    json_t *env = err_envelope(&e);
    json_t *err = json_object_get(env, "error");
    assert_string_equal(json_string_value(json_object_get(err, "code")), "ServiceUnavailable");
    assert_string_equal(json_string_value(json_object_get(err, "message")), "second time");
    assert_true(json_is_null(json_object_get(err, "target")));
    assert_int_equal(json_array_size(json_object_get(err, "details")), 0);
    json_decref(env);
    err_clear(&e);
    err_clear(&e);
}

static void test_message_with_json_specials(void **state)
{
    struct err e = {0};
    (void)state;
    err_set(&e, ERR_INVALID_PARAMETER, "a\"b", "quote \" backslash \\ newline \n tab \t");
    json_t *env = err_envelope(&e);
    char *text = json_dumps(env, JSON_COMPACT);
    json_error_t je;
    json_t *back = json_loads(text, 0, &je);
    assert_non_null(back);
    json_t *err = json_object_get(back, "error");
    assert_string_equal(json_string_value(json_object_get(err, "message")),
                        "quote \" backslash \\ newline \n tab \t");
    assert_string_equal(json_string_value(json_object_get(err, "target")), "a\"b");
    json_decref(back);
    free(text);
    json_decref(env);
    err_clear(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_code_has_name_and_status),
        cmocka_unit_test(test_table_sorted_by_status),
        cmocka_unit_test(test_specific_codes),
        cmocka_unit_test(test_out_of_range_code),
        cmocka_unit_test(test_set_formats_message),
        cmocka_unit_test(test_setv),
        cmocka_unit_test(test_long_message),
        cmocka_unit_test(test_envelope_no_target),
        cmocka_unit_test(test_envelope_with_target_and_details),
        cmocka_unit_test(test_detail_on_zeroed),
        cmocka_unit_test(test_clear_zeroed_and_reused),
        cmocka_unit_test(test_message_with_json_specials),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
