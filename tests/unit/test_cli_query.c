/* Unit tests for cli/query.h: --query paths, compiled and evaluated. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cli/query.h"

static const char *doc_text =
    "{\"value\":[{\"id\":\"a\",\"properties\":{\"provisioningState\":\"Succeeded\",\"n\":1}},"
    "{\"id\":\"b\",\"properties\":{\"provisioningState\":\"Failed\"}},"
    "{\"name\":\"no id\"}],"
    "\"nextLink\":null,\"odd.key\":{\"x\":true},\"arr\":[[1,2],[3]]}";

/* Evaluates expr on the document; the compact JSON of the result or "<none>". */
static char *eval(const char *expr)
{
    char *err = NULL;
    json_t *doc = json_loads(doc_text, 0, NULL);
    assert_non_null(doc);
    struct cliquery *q = cliquery_compile(expr, &err);
    if (!q)
        fail_msg("'%s' does not compile: %s", expr, err);
    json_t *r = cliquery_eval(q, doc);
    char *s = r ? json_dumps(r, JSON_COMPACT | JSON_ENCODE_ANY) : strdup("<none>");
    json_decref(r);
    json_decref(doc);
    cliquery_free(q);
    return s;
}

static void expect(const char *expr, const char *want)
{
    char *got = eval(expr);
    if (strcmp(got, want) != 0)
        fail_msg("query '%s': got %s, want %s", expr, got, want);
    free(got);
}

static void test_paths(void **state)
{
    (void)state;
    expect("value[0].id", "\"a\"");
    expect("value[1].properties.provisioningState", "\"Failed\"");
    expect("value[-1].name", "\"no id\"");
    expect("value[-3].id", "\"a\"");
    expect("value[0].properties.n", "1");
    expect("nextLink", "null");
    expect("\"odd.key\".x", "true");
    expect("arr[0][1]", "2");
    expect("arr[1]", "[3]");
}

static void test_projections(void **state)
{
    (void)state;
    /* Items without the member drop out, as in JMESPath. */
    expect("value[].id", "[\"a\",\"b\"]");
    expect("value[*].properties.provisioningState", "[\"Succeeded\",\"Failed\"]");
    expect("arr[][0]", "[1,3]");
    expect("value[].missing", "[]");
}

static void test_missing(void **state)
{
    (void)state;
    expect("nothing", "<none>");
    expect("value[3]", "<none>");
    expect("value[-4]", "<none>");
    expect("value.id", "<none>");      /* a member of an array */
    expect("value[0].id.x", "<none>"); /* a member of a string */
    expect("nextLink[0]", "<none>");   /* an index of null */
    expect("\"odd.key\"[]", "<none>"); /* a projection of an object */
}

static void test_top_level_array(void **state)
{
    (void)state;
    char *err = NULL;
    json_t *a = json_loads("[{\"id\":1},{\"id\":2}]", 0, NULL);
    struct cliquery *q = cliquery_compile("[1].id", &err);
    assert_non_null(q);
    json_t *r = cliquery_eval(q, a);
    assert_int_equal(json_integer_value(r), 2);
    json_decref(r);
    cliquery_free(q);
    q = cliquery_compile("[].id", &err);
    assert_non_null(q);
    r = cliquery_eval(q, a);
    assert_int_equal(json_array_size(r), 2);
    json_decref(r);
    cliquery_free(q);
    json_decref(a);
}

static void test_syntax_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",          ".value", "value.", "value..id",      "value[",     "value[x]",   "value[1",
        "value.[0]", "value]", "a b",    "\"unterminated", "value[0]id", "value[1.5]",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *err = NULL;
        struct cliquery *q = cliquery_compile(bad[i], &err);
        if (q)
            fail_msg("'%s' compiled", bad[i]);
        assert_non_null(err);
        free(err);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths),         cmocka_unit_test(test_projections),
        cmocka_unit_test(test_missing),       cmocka_unit_test(test_top_level_array),
        cmocka_unit_test(test_syntax_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
