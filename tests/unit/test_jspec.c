/* Unit tests for common/jspec.h: declarative request-body validation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/jspec.h"

/* --- fixtures -------------------------------------------------------------- */

static json_t *parse(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        fail_msg("test JSON does not parse: %s (%s)", je.text, text);
    return j;
}

/* 1 when some detail of e has exactly this target. */
static const struct err_detail *find_detail(const struct err *e, const char *target)
{
    for (size_t i = 0; i < e->ndetails; i++)
        if (e->details[i].target && strcmp(e->details[i].target, target) == 0)
            return &e->details[i];
    return NULL;
}

static void expect_detail(const struct err *e, const char *target, const char *msg_part)
{
    const struct err_detail *d = find_detail(e, target);
    if (!d) {
        for (size_t i = 0; i < e->ndetails; i++)
            print_message("detail %zu: target '%s': %s\n", i,
                          e->details[i].target ? e->details[i].target : "(null)",
                          e->details[i].message);
        fail_msg("no detail with target '%s'", target);
    }
    assert_int_equal(d->code, ERR_INVALID_REQUEST_CONTENT);
    if (msg_part && !strstr(d->message, msg_part))
        fail_msg("detail '%s': message '%s' lacks '%s'", target, d->message, msg_part);
}

/* The token request from the header comment, plus every other type. */
struct token_req {
    const char *role;
    const char *description;
    long long count;
    int count_given;
    int enabled;
    const json_t *tags;
    const json_t *any;
};

static const char *const roles[] = {"admin", "agent", NULL};

static const char *no_spaces(const json_t *v)
{
    return strchr(json_string_value(v), ' ') ? "must not contain spaces" : NULL;
}

static const struct jspec token_spec[] = {
    JSPEC_STRING("role", struct token_req, role, JSPEC_REQUIRED, .one_of = roles),
    JSPEC_STRING("description", struct token_req, description, 0, .max_len = 10, .min_len = 2),
    {.name = "count",
     .type = JSPEC_T_INT,
     .offset = offsetof(struct token_req, count),
     .present_offset = offsetof(struct token_req, count_given),
     .min = 1,
     .max = 100},
    JSPEC_BOOL("enabled", struct token_req, enabled, 0),
    JSPEC_FIELD("tags", JSPEC_T_ANY, struct token_req, tags, 0, .check = NULL),
    JSPEC_FIELD("any", JSPEC_T_ANY, struct token_req, any, JSPEC_NULLABLE, .check = NULL),
    JSPEC_END,
};

static const struct token_req token_init = {
    .role = "UNSET", .description = "UNSET", .count = -7, .count_given = 0, .enabled = 42};

/* --- tests -------------------------------------------------------------- */

static void test_valid_fills_dest(void **state)
{
    struct err e = {0};
    struct token_req r = token_init;
    (void)state;
    json_t *j = parse("{\"role\":\"agent\",\"description\":\"hello\",\"count\":100,"
                      "\"enabled\":true,\"tags\":[1,2],\"any\":{\"k\":1}}");
    assert_int_equal(jspec_parse(j, token_spec, &r, "", JSPEC_STRICT, &e), 0);
    assert_false(e.set);
    assert_int_equal(e.ndetails, 0);
    assert_string_equal(r.role, "agent");
    assert_string_equal(r.description, "hello");
    assert_int_equal(r.count, 100);
    assert_int_equal(r.count_given, 1);
    assert_int_equal(r.enabled, 1);
    assert_ptr_equal(r.tags, json_object_get(j, "tags"));
    assert_ptr_equal(r.any, json_object_get(j, "any"));
    /* Strings are borrowed from the document. */
    assert_ptr_equal(r.role, json_string_value(json_object_get(j, "role")));
    json_decref(j);
    err_clear(&e);
}

static void test_only_given_fields_filled(void **state)
{
    struct err e = {0};
    struct token_req r = token_init;
    (void)state;
    json_t *j = parse("{\"role\":\"admin\",\"enabled\":false}");
    assert_int_equal(jspec_parse(j, token_spec, &r, "", JSPEC_STRICT, &e), 0);
    assert_string_equal(r.role, "admin");
    assert_string_equal(r.description, "UNSET");
    assert_int_equal(r.count, -7);
    assert_int_equal(r.count_given, 0);
    assert_int_equal(r.enabled, 0);
    assert_null(r.tags);
    json_decref(j);
    err_clear(&e);
}

static void test_null_handling(void **state)
{
    struct err e = {0};
    struct token_req r = token_init;
    (void)state;
    /* Optional members given as null count as absent. */
    json_t *j = parse("{\"role\":\"admin\",\"description\":null,\"count\":null,"
                      "\"enabled\":null,\"any\":null}");
    assert_int_equal(jspec_parse(j, token_spec, &r, "", JSPEC_STRICT, &e), 0);
    assert_string_equal(r.description, "UNSET");
    assert_int_equal(r.count, -7);
    assert_int_equal(r.count_given, 0);
    assert_int_equal(r.enabled, 42);
    json_decref(j);
    err_clear(&e);

    /* A required member given as null is missing. */
    j = parse("{\"role\":null}");
    assert_int_equal(jspec_parse(j, token_spec, &r, "", JSPEC_STRICT, &e), 1);
    expect_detail(&e, "role", "required");
    json_decref(j);
    err_clear(&e);
}

static void test_required_nullable(void **state)
{
    struct x {
        const json_t *v;
    } x = {0};
    static const struct jspec spec[] = {
        JSPEC_FIELD("v", JSPEC_T_ANY, struct x, v, JSPEC_REQUIRED | JSPEC_NULLABLE, .check = NULL),
        JSPEC_END,
    };
    struct err e = {0};
    (void)state;
    json_t *j = parse("{\"v\":null}");
    assert_int_equal(jspec_parse(j, spec, &x, "", JSPEC_STRICT, &e), 0);
    assert_false(e.set);
    json_decref(j);
    /* Required-nullable still has to be there. */
    j = parse("{}");
    assert_int_equal(jspec_parse(j, spec, &x, "", JSPEC_STRICT, &e), 1);
    expect_detail(&e, "v", "required");
    json_decref(j);
    err_clear(&e);
}

static void test_missing_required(void **state)
{
    struct err e = {0};
    struct token_req r = token_init;
    (void)state;
    json_t *j = parse("{}");
    assert_int_equal(jspec_parse(j, token_spec, &r, "", JSPEC_STRICT, &e), 1);
    assert_true(e.set);
    assert_int_equal(e.code, ERR_INVALID_REQUEST_CONTENT);
    assert_string_equal(err_code_name(e.code), "InvalidRequestContent");
    assert_int_equal(e.ndetails, 1);
    expect_detail(&e, "role", "'role' is required");
    assert_string_equal(r.role, "UNSET");
    json_decref(j);
    err_clear(&e);
}

static void test_wrong_types(void **state)
{
    struct err e = {0};
    struct token_req r = token_init;
    (void)state;
    json_t *j = parse("{\"role\":1,\"description\":true,\"count\":\"5\",\"enabled\":1}");
    assert_int_equal(jspec_parse(j, token_spec, &r, "", JSPEC_STRICT, &e), 4);
    assert_int_equal(e.ndetails, 4);
    expect_detail(&e, "role", "string");
    expect_detail(&e, "description", "string");
    expect_detail(&e, "count", "integer");
    expect_detail(&e, "enabled", "boolean");
    /* Nothing of the wrong type was stored. */
    assert_string_equal(r.role, "UNSET");
    assert_int_equal(r.count, -7);
    assert_int_equal(r.enabled, 42);
    json_decref(j);
    err_clear(&e);

    /* A real number is not an integer. */
    j = parse("{\"role\":\"admin\",\"count\":5.0}");
    assert_int_equal(jspec_parse(j, token_spec, &r, "", JSPEC_STRICT, &e), 1);
    expect_detail(&e, "count", "integer");
    json_decref(j);
    err_clear(&e);
}

static void test_one_of_case_insensitive(void **state)
{
    static const char *const good[] = {"admin", "ADMIN", "Agent", "aGeNt"};
    static const char *const bad[] = {"\"adm\"", "\"admins\"", "\"\"", "\" admin\""};
    (void)state;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        struct err e = {0};
        struct token_req r = token_init;
        json_t *j = json_pack("{s:s}", "role", good[i]);
        assert_int_equal(jspec_parse(j, token_spec, &r, "", JSPEC_STRICT, &e), 0);
        assert_string_equal(r.role, good[i]);
        json_decref(j);
        err_clear(&e);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct err e = {0};
        struct token_req r = token_init;
        char text[64];
        snprintf(text, sizeof(text), "{\"role\":%s}", bad[i]);
        json_t *j = parse(text);
        if (jspec_parse(j, token_spec, &r, "", JSPEC_STRICT, &e) != 1)
            fail_msg("role %s accepted", bad[i]);
        /* The message lists what is allowed. */
        expect_detail(&e, "role", "'admin', 'agent'");
        json_decref(j);
        err_clear(&e);
    }
}

static void test_string_lengths(void **state)
{
    static const struct {
        const char *desc;
        int problems;
    } cases[] = {
        {"", 1}, {"a", 1}, {"ab", 0}, {"abcdefghij", 0}, {"abcdefghijk", 1},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct err e = {0};
        struct token_req r = token_init;
        json_t *j = json_pack("{s:s, s:s}", "role", "admin", "description", cases[i].desc);
        int n = jspec_parse(j, token_spec, &r, "", JSPEC_STRICT, &e);
        if (n != cases[i].problems)
            fail_msg("description '%s': %d problems, expected %d", cases[i].desc, n,
                     cases[i].problems);
        if (n)
            expect_detail(&e, "description",
                          cases[i].desc[0] && cases[i].desc[1] ? "most 10" : "least 2");
        json_decref(j);
        err_clear(&e);
    }
}

static void test_string_with_nul(void **state)
{
    struct err e = {0};
    struct token_req r = token_init;
    (void)state;
    json_t *j = json_pack("{s:s, s:s#}", "role", "admin", "description", "ab\0cd", 5);
    assert_int_equal(json_string_length(json_object_get(j, "description")), 5);
    assert_int_equal(jspec_parse(j, token_spec, &r, "", JSPEC_STRICT, &e), 1);
    expect_detail(&e, "description", "NUL");
    json_decref(j);
    err_clear(&e);
}

/* Lengths are characters, as in the API contract ("description <= 256
 * chars") and JSON Schema's maxLength: a 10-character string of two-byte
 * UTF-8 characters fits max_len 10; 11 characters do not. */
static void test_string_length_counts_characters(void **state)
{
    struct err e = {0};
    struct token_req r = token_init;
    char ten[32] = "", eleven[32] = "";
    (void)state;
    for (int i = 0; i < 11; i++) {
        if (i < 10)
            memcpy(ten + 2 * i, "\xc3\xa9", 2); /* U+00E9 */
        memcpy(eleven + 2 * i, "\xc3\xa9", 2);
    }
    json_t *j = json_pack("{s:s, s:s}", "role", "admin", "description", ten);
    int n = jspec_parse(j, token_spec, &r, "", JSPEC_STRICT, &e);
    json_decref(j);
    err_clear(&e);
    j = json_pack("{s:s, s:s}", "role", "admin", "description", eleven);
    int n11 = jspec_parse(j, token_spec, &r, "", JSPEC_STRICT, &e);
    json_decref(j);
    err_clear(&e);
    assert_int_equal(n11, 1);
    if (n != 0)
        fail_msg("10 characters (20 bytes) rejected by max_len 10");
}

static void test_int_range(void **state)
{
    static const struct {
        long long v;
        int ok;
    } cases[] = {{0, 0}, {1, 1}, {50, 1}, {100, 1}, {101, 0}, {-5, 0}, {9223372036854775807LL, 0}};
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct err e = {0};
        struct token_req r = token_init;
        json_t *j = json_pack("{s:s, s:I}", "role", "admin", "count", (json_int_t)cases[i].v);
        int n = jspec_parse(j, token_spec, &r, "", JSPEC_STRICT, &e);
        if (n != !cases[i].ok)
            fail_msg("count %lld: %d problems", cases[i].v, n);
        if (!cases[i].ok)
            expect_detail(&e, "count", "between 1 and 100");
        assert_int_equal(r.count_given, 1);
        json_decref(j);
        err_clear(&e);
    }

    /* min == max == 0: no range check. */
    struct y {
        long long n;
    } y = {0};
    static const struct jspec spec[] = {JSPEC_INT("n", struct y, n, 0), JSPEC_END};
    struct err e = {0};
    json_t *j = parse("{\"n\":-123456789012}");
    assert_int_equal(jspec_parse(j, spec, &y, "", JSPEC_STRICT, &e), 0);
    assert_true(y.n == -123456789012LL);
    json_decref(j);
    err_clear(&e);
}

static void test_check_callback(void **state)
{
    struct z {
        const char *name;
    } z = {0};
    static const struct jspec spec[] = {
        JSPEC_STRING("name", struct z, name, JSPEC_REQUIRED, .check = no_spaces, .max_len = 3),
        JSPEC_END,
    };
    struct err e = {0};
    (void)state;
    json_t *j = parse("{\"name\":\"a b\"}");
    assert_int_equal(jspec_parse(j, spec, &z, "", JSPEC_STRICT, &e), 1);
    expect_detail(&e, "name", "must not contain spaces");
    json_decref(j);
    err_clear(&e);

    /* Both the length and the check fail: two problems. */
    j = parse("{\"name\":\"a b c\"}");
    assert_int_equal(jspec_parse(j, spec, &z, "", JSPEC_STRICT, &e), 2);
    assert_int_equal(e.ndetails, 2);
    json_decref(j);
    err_clear(&e);

    j = parse("{\"name\":\"abc\"}");
    assert_int_equal(jspec_parse(j, spec, &z, "", JSPEC_STRICT, &e), 0);
    assert_string_equal(z.name, "abc");
    json_decref(j);
    err_clear(&e);
}

static void test_strict_unknown_members(void **state)
{
    struct err e = {0};
    struct token_req r = token_init;
    (void)state;
    json_t *j = parse("{\"role\":\"admin\",\"extra\":1,\"Role\":\"x\"}");
    assert_int_equal(jspec_parse(j, token_spec, &r, "", JSPEC_STRICT, &e), 2);
    expect_detail(&e, "extra", "not a known property");
    expect_detail(&e, "Role", "not a known property");
    assert_true(e.set);
    err_clear(&e);

    /* The same document is fine when unknown members are allowed. */
    r = token_init;
    assert_int_equal(jspec_parse(j, token_spec, &r, "", JSPEC_ALLOW_UNKNOWN, &e), 0);
    assert_false(e.set);
    assert_int_equal(e.ndetails, 0);
    assert_string_equal(r.role, "admin");
    json_decref(j);
    err_clear(&e);
}

static void test_not_an_object(void **state)
{
    static const char *const docs[] = {"[]", "[{\"role\":\"admin\"}]"};
    (void)state;
    for (size_t i = 0; i < 2; i++) {
        struct err e = {0};
        struct token_req r = token_init;
        json_t *j = parse(docs[i]);
        assert_int_equal(jspec_parse(j, token_spec, &r, "", JSPEC_STRICT, &e), 1);
        assert_true(e.set);
        assert_int_equal(e.code, ERR_INVALID_REQUEST_CONTENT);
        assert_int_equal(e.ndetails, 1);
        assert_non_null(strstr(e.details[0].message, "object"));
        json_decref(j);
        err_clear(&e);
    }
    struct err e = {0};
    assert_int_equal(jspec_parse(NULL, token_spec, NULL, "", JSPEC_STRICT, &e), 1);
    assert_true(e.set);
    err_clear(&e);
}

/* --- nested objects and arrays of objects ------------------------------- */

struct nic_req {
    const char *location;
    const json_t *properties;
    const json_t *ipconfigs;
    int accel;
    const char *dns;
};

static const struct jspec ipconfig_props_spec[] = {
    {.name = "privateIPAddress",
     .type = JSPEC_T_STRING,
     .offset = JSPEC__NONE,
     .present_offset = JSPEC__NONE},
    {.name = "subnet",
     .type = JSPEC_T_OBJECT,
     .flags = JSPEC_REQUIRED,
     .offset = JSPEC__NONE,
     .present_offset = JSPEC__NONE,
     .fields = (const struct jspec[]){{.name = "id",
                                       .type = JSPEC_T_STRING,
                                       .flags = JSPEC_REQUIRED,
                                       .offset = JSPEC__NONE,
                                       .present_offset = JSPEC__NONE,
                                       .min_len = 1},
                                      JSPEC_END}},
    JSPEC_END,
};

static const struct jspec ipconfig_spec[] = {
    {.name = "name",
     .type = JSPEC_T_STRING,
     .flags = JSPEC_REQUIRED,
     .offset = JSPEC__NONE,
     .present_offset = JSPEC__NONE,
     .max_len = 8},
    JSPEC_OBJECT("properties", JSPEC_REQUIRED, ipconfig_props_spec),
    JSPEC_END,
};

static const struct jspec dns_spec[] = {
    JSPEC_STRING("internalDnsNameLabel", struct nic_req, dns, 0),
    JSPEC_END,
};

static const struct jspec nic_props_spec[] = {
    {.name = "ipConfigurations",
     .type = JSPEC_T_ARRAY,
     .flags = JSPEC_REQUIRED,
     .offset = offsetof(struct nic_req, ipconfigs),
     .present_offset = JSPEC__NONE,
     .item_type = JSPEC_T_OBJECT,
     .fields = ipconfig_spec,
     .min_len = 1,
     .max_len = 3},
    JSPEC_BOOL("enableAcceleratedNetworking", struct nic_req, accel, 0),
    JSPEC_OBJECT("dnsSettings", 0, dns_spec),
    JSPEC_END,
};

static const struct jspec nic_spec[] = {
    JSPEC_STRING("location", struct nic_req, location, JSPEC_REQUIRED),
    {.name = "properties",
     .type = JSPEC_T_OBJECT,
     .flags = JSPEC_REQUIRED,
     .offset = offsetof(struct nic_req, properties),
     .present_offset = JSPEC__NONE,
     .fields = nic_props_spec},
    JSPEC_END,
};

static void test_nested_valid(void **state)
{
    struct err e = {0};
    struct nic_req n = {.accel = 42};
    (void)state;
    json_t *j = parse("{\"location\":\"westus\",\"properties\":{"
                      "\"enableAcceleratedNetworking\":true,"
                      "\"dnsSettings\":{\"internalDnsNameLabel\":\"lbl\"},"
                      "\"ipConfigurations\":[{\"name\":\"ip1\",\"properties\":{\"subnet\":"
                      "{\"id\":\"/s/1\"},\"privateIPAddress\":\"10.0.0.4\"}}]}}");
    assert_int_equal(jspec_parse(j, nic_spec, &n, "", JSPEC_STRICT, &e), 0);
    assert_false(e.set);
    assert_string_equal(n.location, "westus");
    assert_ptr_equal(n.properties, json_object_get(j, "properties"));
    assert_ptr_equal(n.ipconfigs, json_object_get(n.properties, "ipConfigurations"));
    assert_int_equal(n.accel, 1);
    /* Nested object members are filled into the same destination. */
    assert_string_equal(n.dns, "lbl");
    json_decref(j);
    err_clear(&e);
}

static void test_nested_every_problem_with_path(void **state)
{
    struct err e = {0};
    struct nic_req n = {0};
    (void)state;
    /* Problems:
     *   location                                    missing
     *   properties.enableAcceleratedNetworking      not a boolean
     *   properties.ipConfigurations[0].properties.subnet.id   too short
     *   properties.ipConfigurations[1].name         missing
     *   properties.ipConfigurations[1].properties.subnet      missing
     *   properties.ipConfigurations[1].extra        unknown (strict)
     *   properties.ipConfigurations[2].name         too long
     *   properties.ipConfigurations[2].properties   not an object
     *   properties.dnsSettings.bogus                unknown (strict)
     */
    json_t *j = parse("{\"properties\":{"
                      "\"enableAcceleratedNetworking\":\"yes\","
                      "\"dnsSettings\":{\"bogus\":1},"
                      "\"ipConfigurations\":["
                      "{\"name\":\"ok\",\"properties\":{\"subnet\":{\"id\":\"\"}}},"
                      "{\"properties\":{},\"extra\":true},"
                      "{\"name\":\"waytoolongname\",\"properties\":5}"
                      "]}}");
    int problems = jspec_parse(j, nic_spec, &n, "", JSPEC_STRICT, &e);
    assert_int_equal(problems, 9);
    assert_int_equal(e.ndetails, 9);
    assert_true(e.set);
    assert_int_equal(e.code, ERR_INVALID_REQUEST_CONTENT);
    assert_null(e.target);
    assert_non_null(strstr(e.message, "9"));
    expect_detail(&e, "location", "required");
    expect_detail(&e, "properties.enableAcceleratedNetworking", "boolean");
    expect_detail(&e, "properties.ipConfigurations[0].properties.subnet.id", "least 1");
    expect_detail(&e, "properties.ipConfigurations[1].name", "required");
    expect_detail(&e, "properties.ipConfigurations[1].properties.subnet", "required");
    expect_detail(&e, "properties.ipConfigurations[1].extra", "not a known property");
    expect_detail(&e, "properties.ipConfigurations[2].name", "most 8");
    expect_detail(&e, "properties.ipConfigurations[2].properties", "object");
    expect_detail(&e, "properties.dnsSettings.bogus", "not a known property");

    /* The envelope carries all of them. */
    json_t *env = err_envelope(&e);
    json_t *details = json_object_get(json_object_get(env, "error"), "details");
    assert_int_equal(json_array_size(details), 9);
    json_decref(env);
    json_decref(j);
    err_clear(&e);
}

static void test_three_problems_three_details(void **state)
{
    struct err e = {0};
    struct token_req r = token_init;
    (void)state;
    json_t *j = parse("{\"role\":\"root\",\"count\":0,\"description\":\"x\"}");
    assert_int_equal(jspec_parse(j, token_spec, &r, "", JSPEC_STRICT, &e), 3);
    assert_int_equal(e.ndetails, 3);
    expect_detail(&e, "role", NULL);
    expect_detail(&e, "count", NULL);
    expect_detail(&e, "description", NULL);
    assert_true(e.set);
    assert_string_equal(err_code_name(e.code), "InvalidRequestContent");
    json_decref(j);
    err_clear(&e);
}

static void test_array_counts_and_items(void **state)
{
    struct err e = {0};
    struct nic_req n = {0};
    (void)state;
    json_t *j = parse("{\"location\":\"l\",\"properties\":{\"ipConfigurations\":[]}}");
    assert_int_equal(jspec_parse(j, nic_spec, &n, "", JSPEC_STRICT, &e), 1);
    expect_detail(&e, "properties.ipConfigurations", "at least 1");
    json_decref(j);
    err_clear(&e);

    j = parse("{\"location\":\"l\",\"properties\":{\"ipConfigurations\":[1,\"a\","
              "{\"name\":\"a\",\"properties\":{\"subnet\":{\"id\":\"x\"}}},null]}}");
    assert_int_equal(jspec_parse(j, nic_spec, &n, "", JSPEC_STRICT, &e), 4);
    expect_detail(&e, "properties.ipConfigurations", "at most 3");
    expect_detail(&e, "properties.ipConfigurations[0]", "object");
    expect_detail(&e, "properties.ipConfigurations[1]", "object");
    expect_detail(&e, "properties.ipConfigurations[3]", "object");
    assert_null(find_detail(&e, "properties.ipConfigurations[2]"));
    json_decref(j);
    err_clear(&e);

    j = parse("{\"location\":\"l\",\"properties\":{\"ipConfigurations\":{}}}");
    assert_int_equal(jspec_parse(j, nic_spec, &n, "", JSPEC_STRICT, &e), 1);
    expect_detail(&e, "properties.ipConfigurations", "array");
    json_decref(j);
    err_clear(&e);
}

/* A caller-given path prefixes every target, and with a non-empty path the
 * top-level error is left to the caller. */
static void test_path_prefix(void **state)
{
    struct err e = {0};
    struct token_req r = token_init;
    (void)state;
    json_t *j = parse("{\"count\":1000}");
    assert_int_equal(jspec_parse(j, token_spec, &r, "body.inner", JSPEC_STRICT, &e), 2);
    expect_detail(&e, "body.inner.role", "required");
    expect_detail(&e, "body.inner.count", "between");
    assert_false(e.set);
    json_decref(j);
    err_clear(&e);
}

/* Validation appends to details already present (one request, one list). */
static void test_appends_to_existing_details(void **state)
{
    struct err e = {0};
    struct token_req r = token_init;
    (void)state;
    err_add_detail(&e, ERR_INVALID_PARAMETER, "tokenId", "earlier");
    json_t *j = parse("{}");
    assert_int_equal(jspec_parse(j, token_spec, &r, "", JSPEC_STRICT, &e), 1);
    assert_int_equal(e.ndetails, 2);
    assert_string_equal(e.details[0].target, "tokenId");
    expect_detail(&e, "role", "required");
    json_decref(j);
    err_clear(&e);
}

static void test_validate_only_offsets(void **state)
{
    static const struct jspec spec[] = {
        {.name = "a",
         .type = JSPEC_T_STRING,
         .flags = JSPEC_REQUIRED,
         .offset = JSPEC__NONE,
         .present_offset = JSPEC__NONE},
        JSPEC_END,
    };
    struct err e = {0};
    (void)state;
    json_t *j = parse("{\"a\":\"x\"}");
    assert_int_equal(jspec_parse(j, spec, NULL, "", JSPEC_STRICT, &e), 0);
    json_decref(j);
    j = parse("{\"a\":2}");
    assert_int_equal(jspec_parse(j, spec, NULL, "", JSPEC_STRICT, &e), 1);
    expect_detail(&e, "a", "string");
    json_decref(j);
    err_clear(&e);
}

/* An array spec that names no element type takes any elements: read-only
 * members of a GET body (arrays of objects) sent back must pass. */
static void test_array_default_item_type_is_any(void **state)
{
    static const struct jspec spec[] = {
        {.name = "ipConfigurations",
         .type = JSPEC_T_ARRAY,
         .offset = JSPEC__NONE,
         .present_offset = JSPEC__NONE},
        JSPEC_END,
    };
    struct err e = {0};
    (void)state;
    json_t *j = parse("{\"ipConfigurations\":[{\"id\":\"/x\"},\"s\",1,null]}");
    assert_int_equal(jspec_parse(j, spec, NULL, "", JSPEC_STRICT, &e), 0);
    json_decref(j);
    err_clear(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_fills_dest),
        cmocka_unit_test(test_only_given_fields_filled),
        cmocka_unit_test(test_null_handling),
        cmocka_unit_test(test_required_nullable),
        cmocka_unit_test(test_missing_required),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_one_of_case_insensitive),
        cmocka_unit_test(test_string_lengths),
        cmocka_unit_test(test_string_with_nul),
        cmocka_unit_test(test_string_length_counts_characters),
        cmocka_unit_test(test_int_range),
        cmocka_unit_test(test_check_callback),
        cmocka_unit_test(test_strict_unknown_members),
        cmocka_unit_test(test_not_an_object),
        cmocka_unit_test(test_nested_valid),
        cmocka_unit_test(test_nested_every_problem_with_path),
        cmocka_unit_test(test_three_problems_three_details),
        cmocka_unit_test(test_array_counts_and_items),
        cmocka_unit_test(test_path_prefix),
        cmocka_unit_test(test_appends_to_existing_details),
        cmocka_unit_test(test_validate_only_offsets),
        cmocka_unit_test(test_array_default_item_type_is_any),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
