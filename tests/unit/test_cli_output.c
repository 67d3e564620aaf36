/* Unit tests for cli/output.h: -o json|table|tsv|none and the error display. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/output.h"

/* What cliout_print writes for the JSON text in, as a string (owned). */
static char *render(const char *in, enum cliout_format fmt, size_t width)
{
    char *s = NULL;
    size_t n = 0;
    json_error_t e;
    json_t *v = json_loads(in, JSON_DECODE_ANY, &e);
    if (!v)
        fail_msg("bad test JSON: %s", e.text);
    FILE *f = open_memstream(&s, &n);
    assert_non_null(f);
    cliout_print(f, v, fmt, width);
    fclose(f);
    json_decref(v);
    return s;
}

static void expect(const char *in, enum cliout_format fmt, size_t width, const char *want)
{
    char *got = render(in, fmt, width);
    if (strcmp(got, want) != 0)
        fail_msg("for %s\n--- got ---\n%s--- want ---\n%s", in, got, want);
    free(got);
}

static const char *tokens =
    "{\"value\":[{\"id\":\"a1\",\"role\":\"admin\",\"description\":\"bootstrap admin token\","
    "\"bootstrap\":true},{\"id\":\"b22\",\"role\":\"agent\",\"description\":\"\","
    "\"bootstrap\":false}]}";

static void test_format_names(void **state)
{
    (void)state;
    enum cliout_format f;
    assert_int_equal(cliout_parse_format("json", &f), 0);
    assert_int_equal(f, CLIOUT_JSON);
    assert_int_equal(cliout_parse_format("table", &f), 0);
    assert_int_equal(f, CLIOUT_TABLE);
    assert_int_equal(cliout_parse_format("tsv", &f), 0);
    assert_int_equal(f, CLIOUT_TSV);
    assert_int_equal(cliout_parse_format("none", &f), 0);
    assert_int_equal(f, CLIOUT_NONE);
    assert_int_equal(cliout_parse_format("yaml", &f), -1);
    assert_int_equal(cliout_parse_format(NULL, &f), -1);
}

static void test_json_pretty_in_server_order(void **state)
{
    (void)state;
    expect("{\"b\":1,\"a\":{\"c\":[1,\"x\"]}}", CLIOUT_JSON, 0,
           "{\n  \"b\": 1,\n  \"a\": {\n    \"c\": [\n      1,\n      \"x\"\n    ]\n  }\n}\n");
    expect("\"just text\"", CLIOUT_JSON, 0, "\"just text\"\n");
    expect("{}", CLIOUT_JSON, 0, "{}\n");
    expect("{\"a\":1}", CLIOUT_NONE, 0, "");
}

static void test_table_list(void **state)
{
    (void)state;
    expect(tokens, CLIOUT_TABLE, 0,
           "Id   Role   Description            Bootstrap\n"
           "---  -----  ---------------------  ---------\n"
           "a1   admin  bootstrap admin token  true\n"
           "b22  agent                         false\n");
    /* An empty list prints nothing. */
    expect("{\"value\":[]}", CLIOUT_TABLE, 0, "");
    expect("[]", CLIOUT_TABLE, 0, "");
}

static void test_table_object_and_properties(void **state)
{
    (void)state;
    /* One object: one row; nested objects are left out but the scalars of
     * "properties" become columns, after the top-level ones. */
    expect("{\"name\":\"nic1\",\"tags\":{\"a\":\"b\"},\"properties\":{\"provisioningState\":"
           "\"Succeeded\",\"ipConfigurations\":[],\"name\":\"shadowed\",\"primary\":true},"
           "\"location\":\"westeurope\"}",
           CLIOUT_TABLE, 0,
           "Name  Location    ProvisioningState  Primary\n"
           "----  ----------  -----------------  -------\n"
           "nic1  westeurope  Succeeded          true\n");
    /* Columns are the union over the items; missing members are blank. */
    expect("[{\"a\":1},{\"b\":2.5},{\"a\":null,\"b\":\"x\"}]", CLIOUT_TABLE, 0,
           "A  B\n"
           "-  ---\n"
           "1\n"
           "   2.5\n"
           "   x\n");
}

static void test_table_scalars(void **state)
{
    (void)state;
    expect("\"ok\"", CLIOUT_TABLE, 0, "Result\n------\nok\n");
    expect("[\"a\",\"bb\"]", CLIOUT_TABLE, 0, "Result\n------\na\nbb\n");
    expect("42", CLIOUT_TABLE, 0, "Result\n------\n42\n");
}

static void test_table_unicode_and_control_characters(void **state)
{
    (void)state;
    /* Width counts characters, not bytes; line breaks in values become spaces. */
    expect("[{\"n\":\"\xc3\xa9t\xc3\xa9\",\"m\":\"x\"},{\"n\":\"ab\",\"m\":\"two\\nlines\"}]",
           CLIOUT_TABLE, 0,
           "N    M\n"
           "---  ---------\n"
           "\xc3\xa9t\xc3\xa9  x\n"
           "ab   two lines\n");
}

static void test_table_fits_width(void **state)
{
    (void)state;
    /* 40 columns: the widest column (description) is cut with "...". */
    char *got = render(tokens, CLIOUT_TABLE, 40);
    char *line = got;
    while (*line) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        if ((size_t)(nl - line) > 40)
            fail_msg("line longer than 40: %.*s", (int)(nl - line), line);
        line = nl + 1;
    }
    assert_non_null(strstr(got, "..."));
    assert_non_null(strstr(got, "a1   admin"));
    free(got);
    /* Never narrower than a few characters per column, even if it overflows. */
    got = render(tokens, CLIOUT_TABLE, 5);
    assert_non_null(strstr(got, "Id"));
    free(got);
}

static void test_tsv(void **state)
{
    (void)state;
    expect(tokens, CLIOUT_TSV, 0,
           "a1\tadmin\tbootstrap admin token\ttrue\n"
           "b22\tagent\t\tfalse\n");
    expect("\"acn_secret\"", CLIOUT_TSV, 0, "acn_secret\n");
    expect("[\"a\",\"b\"]", CLIOUT_TSV, 0, "a\nb\n");
    expect("{\"a\":\"x\\ty\",\"b\":null}", CLIOUT_TSV, 0, "x y\t\n");
    expect("{\"value\":[]}", CLIOUT_TSV, 0, "");
}

static void test_cell(void **state)
{
    (void)state;
    json_t *v = json_pack("[s, i, f, b, n, {s:i}, [i]]", "s", 7, 0.5, 1, "k", 1, 2);
    static const char *const want[] = {"s", "7", "0.5", "true", "", "{\"k\":1}", "[2]"};
    for (size_t i = 0; i < 7; i++) {
        char *c = cliout_cell(json_array_get(v, i));
        assert_string_equal(c, want[i]);
        free(c);
    }
    json_decref(v);
}

/* cliout_error's output for a response. */
static char *error_text(long status, const char *body, const char *code_header,
                        const char *request_id)
{
    char *s = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&s, &n);
    cliout_error(f, status, body, body ? strlen(body) : 0, code_header, request_id);
    fclose(f);
    return s;
}

static void test_error_envelope(void **state)
{
    (void)state;
    char *s = error_text(404,
                         "{\"error\":{\"code\":\"ResourceNotFound\",\"message\":\"There is no "
                         "token with id 'x'.\",\"target\":null,\"details\":[]}}",
                         "ResourceNotFound", "rid-1");
    assert_string_equal(s, "ERROR: (ResourceNotFound) There is no token with id 'x'.\n"
                           "Request id: rid-1\n");
    free(s);

    s = error_text(400,
                   "{\"error\":{\"code\":\"InvalidRequestContent\",\"message\":\"2 problems\","
                   "\"details\":[{\"code\":\"InvalidRequestContent\",\"target\":\"role\","
                   "\"message\":\"bad role\"},{\"code\":\"X\",\"message\":\"no target\"}]}}",
                   NULL, NULL);
    assert_string_equal(s, "ERROR: (InvalidRequestContent) 2 problems\n"
                           "  role: (InvalidRequestContent) bad role\n"
                           "  (X) no target\n");
    free(s);
}

static void test_error_without_envelope(void **state)
{
    (void)state;
    char *s = error_text(502, "\n<html>Bad gateway</html>\nmore", NULL, NULL);
    assert_string_equal(s, "ERROR: (HTTP 502) <html>Bad gateway</html>\n");
    free(s);
    s = error_text(503, "", "ServiceUnavailable", "rid");
    assert_string_equal(s, "ERROR: (ServiceUnavailable) Service Unavailable\nRequest id: rid\n");
    free(s);
    s = error_text(404, NULL, NULL, NULL);
    assert_string_equal(s, "ERROR: (HTTP 404) Not Found\n");
    free(s);
    /* A JSON body that is not an envelope. */
    s = error_text(409, "{\"message\":\"nope\"}", NULL, NULL);
    assert_string_equal(s, "ERROR: (HTTP 409) {\"message\":\"nope\"}\n");
    free(s);
    /* Terminal escapes from the server are not passed through. */
    s = error_text(400, "{\"error\":{\"code\":\"A\",\"message\":\"x\\u001b[2Jy\"}}", NULL, NULL);
    assert_string_equal(s, "ERROR: (A) x [2Jy\n");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_names),
        cmocka_unit_test(test_json_pretty_in_server_order),
        cmocka_unit_test(test_table_list),
        cmocka_unit_test(test_table_object_and_properties),
        cmocka_unit_test(test_table_scalars),
        cmocka_unit_test(test_table_unicode_and_control_characters),
        cmocka_unit_test(test_table_fits_width),
        cmocka_unit_test(test_tsv),
        cmocka_unit_test(test_cell),
        cmocka_unit_test(test_error_envelope),
        cmocka_unit_test(test_error_without_envelope),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
