/* Unit tests for cli/req.h: command-line arguments to API requests — URIs
 * with escaped parameters, image references, tags, bodies, subscription ids
 * (given or generated), the skus filter, the read-merge-write of the set /
 * update / define commands, and list paging. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/req.h"
#include "common/util.h"

/* Compares v with the JSON text want (parsed), printing both on a mismatch. */
static void expect_json(const json_t *v, const char *want)
{
    json_t *w = json_loads(want, 0, NULL);
    assert_non_null(w);
    if (!json_equal(v, w)) {
        char *got = v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        fail_msg("expected %s, got %s", want, got ? got : "NULL");
    }
    json_decref(w);
}

static void test_uri_escapes_every_parameter(void **state)
{
    (void)state;
    char *u =
        clireq_uri("/subscriptions/%s/resourcegroups/%s", "7c9e6679-7425-40de", "rg 1/../x?y");
    assert_string_equal(u, "/subscriptions/7c9e6679-7425-40de/resourcegroups/rg%201%2F..%2Fx%3Fy");
    free(u);
    u = clireq_uri("/admin/catalog/osImages/%s", "A:B:C");
    assert_string_equal(u, "/admin/catalog/osImages/A%3AB%3AC");
    free(u);
    u = clireq_uri("/x?state=%s&p=100%%", "Pending");
    assert_string_equal(u, "/x?state=Pending&p=100%");
    free(u);
    u = clireq_uri("/plain");
    assert_string_equal(u, "/plain");
    free(u);
}

static void test_image_parse(void **state)
{
    (void)state;
    struct clireq_image im;
    char *err = NULL;

    assert_int_equal(
        clireq_image_parse("MicrosoftWindowsServer:WindowsServer:2012-R2-Datacenter", &im, &err),
        0);
    assert_string_equal(im.publisher, "MicrosoftWindowsServer");
    assert_string_equal(im.offer, "WindowsServer");
    assert_string_equal(im.sku, "2012-R2-Datacenter");
    assert_null(im.version);
    char *key = clireq_image_key(&im);
    assert_string_equal(key, "MicrosoftWindowsServer:WindowsServer:2012-R2-Datacenter");
    free(key);
    clireq_image_free(&im);

    assert_int_equal(clireq_image_parse("Canonical:UbuntuServer:16.04-LTS:latest", &im, &err), 0);
    assert_string_equal(im.sku, "16.04-LTS");
    assert_string_equal(im.version, "latest");
    key = clireq_image_key(&im); /* the key never has the version */
    assert_string_equal(key, "Canonical:UbuntuServer:16.04-LTS");
    free(key);
    clireq_image_free(&im);

    static const struct {
        const char *in, *says;
    } bad[] = {
        {"", "empty publisher"},
        {"a", "is not PUBLISHER:OFFER:SKU"},
        {"a:b", "is not PUBLISHER:OFFER:SKU"},
        {"a::c", "empty offer"},
        {"a:b:", "empty sku"},
        {"a:b:c:", "empty version"},
        {":b:c", "empty publisher"},
        {"a:b:c:d:e", "more than four parts"},
        {"a:b c:d", "offer has a space"},
        {"a:b:c\t", "sku has a space or a control character"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err = NULL;
        if (clireq_image_parse(bad[i].in, &im, &err) == 0)
            fail_msg("'%s' was accepted", bad[i].in);
        assert_non_null(err);
        if (!strstr(err, bad[i].says))
            fail_msg("'%s': expected '%s' in: %s", bad[i].in, bad[i].says, err);
        assert_null(im.publisher); /* nothing left behind */
        free(err);
    }
}

static void test_tags(void **state)
{
    (void)state;
    char *err = NULL;
    const char *a[] = {"env=test", "team=net", "empty=", "bare", "eq=a=b"};
    json_t *t = clireq_tags(a, 5, &err);
    expect_json(t, "{\"env\":\"test\",\"team\":\"net\",\"empty\":\"\",\"bare\":\"\","
                   "\"eq\":\"a=b\"}");
    json_decref(t);

    t = clireq_tags(NULL, 0, &err); /* not given: no tags */
    expect_json(t, "{}");
    json_decref(t);
    const char *none[] = {""};
    t = clireq_tags(none, 1, &err); /* --tags "": none either */
    expect_json(t, "{}");
    json_decref(t);

    const char *noname[] = {"a=1", "=x"};
    assert_null(clireq_tags(noname, 2, &err));
    assert_non_null(strstr(err, "'=x' has no tag name"));
    free(err);
    const char *twice[] = {"a=1", "b", "a=2"};
    assert_null(clireq_tags(twice, 3, &err));
    assert_non_null(strstr(err, "the tag 'a' is given more than once"));
    free(err);
    const char *empty_among[] = {"a=1", ""};
    assert_null(clireq_tags(empty_among, 2, &err));
    free(err);
}

static void test_bodies(void **state)
{
    (void)state;
    struct clireq_image im;
    char *err = NULL;
    assert_int_equal(clireq_image_parse("P:O:S", &im, &err), 0);
    json_t *b = clireq_elig_body("Standard_DS15_v2", &im);
    expect_json(b, "{\"vmSize\":\"Standard_DS15_v2\",\"imageReference\":{\"publisher\":\"P\","
                   "\"offer\":\"O\",\"sku\":\"S\"}}");
    json_decref(b);
    clireq_image_free(&im);
    assert_int_equal(clireq_image_parse("P:O:S:1.2.3", &im, &err), 0);
    b = clireq_elig_body("Standard_D2_v2", &im);
    expect_json(b, "{\"vmSize\":\"Standard_D2_v2\",\"imageReference\":{\"publisher\":\"P\","
                   "\"offer\":\"O\",\"sku\":\"S\",\"version\":\"1.2.3\"}}");
    json_decref(b);
    clireq_image_free(&im);

    assert_null(clireq_feature_register_body(NULL));
    b = clireq_feature_register_body("low-latency trading");
    expect_json(b, "{\"properties\":{\"description\":\"low-latency trading\"}}");
    json_decref(b);
}

static void test_subscription_id(void **state)
{
    (void)state;
    char id[37], id2[37], *err = NULL;
    assert_int_equal(clireq_subscription_id("7C9E6679-7425-40DE-944B-E07FC1F90AE7", id, &err), 0);
    assert_string_equal(id, "7c9e6679-7425-40de-944b-e07fc1f90ae7");

    /* Generated: a lower-case version 4, variant 1 GUID, new every time. */
    assert_int_equal(clireq_subscription_id(NULL, id, &err), 0);
    assert_int_equal(clireq_subscription_id(NULL, id2, &err), 0);
    assert_int_equal(strlen(id), 36);
    assert_true(util_is_guid(id));
    assert_string_not_equal(id, id2);
    assert_int_equal(id[14], '4');
    assert_non_null(strchr("89ab", id[19]));
    for (const char *p = id; *p; p++)
        assert_false(*p >= 'A' && *p <= 'Z');

    static const char *const bad[] = {"",
                                      "x",
                                      "7c9e6679-7425-40de-944b-e07fc1f90ae",
                                      "7c9e6679-7425-40de-944b-e07fc1f90ae70",
                                      "7c9e6679x7425-40de-944b-e07fc1f90ae7",
                                      "gc9e6679-7425-40de-944b-e07fc1f90ae7"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err = NULL;
        if (clireq_subscription_id(bad[i], id, &err) == 0)
            fail_msg("'%s' was accepted", bad[i]);
        assert_non_null(strstr(err, "is not a GUID"));
        free(err);
    }
}

static void test_skus_uri(void **state)
{
    (void)state;
    char *u = clireq_skus_uri("7c9e6679-7425-40de-944b-e07fc1f90ae7", NULL);
    assert_string_equal(
        u, "/subscriptions/7c9e6679-7425-40de-944b-e07fc1f90ae7/providers/Microsoft.Compute/skus");
    free(u);
    u = clireq_skus_uri("s", "westeurope");
    assert_string_equal(u, "/subscriptions/s/providers/Microsoft.Compute/skus?$filter=location%20eq"
                           "%20%27westeurope%27");
    free(u);
    /* A quote or an ampersand in the location cannot end the filter. */
    u = clireq_skus_uri("s", "a'&b=c");
    assert_string_equal(u, "/subscriptions/s/providers/Microsoft.Compute/skus?$filter=location%20eq"
                           "%20%27a%27%26b%3Dc%27");
    free(u);
}

static const struct clireq_field size_fields[] = {
    {"vcpus", "vCPUs", CLIREQ_INT, 1},
    {"accelerated-networking", "acceleratedNetworking", CLIREQ_BOOL, 1},
    {"display-name", "displayName", CLIREQ_STRING, 1},
    {"vf-driver-name", "vfDriverName", CLIREQ_STRING, 0},
};

static void test_merge_new_entry(void **state)
{
    (void)state;
    char *err = NULL;
    const char *all[] = {"20", "true", "Big", "Mellanox"};
    json_t *b = clireq_merge(size_fields, 4, all, NULL, &err);
    expect_json(b, "{\"vCPUs\":20,\"acceleratedNetworking\":true,\"displayName\":\"Big\","
                   "\"vfDriverName\":\"Mellanox\"}");
    json_decref(b);

    /* Optional fields may be left out; "" drops an optional string. */
    const char *some[] = {"2", "false", "Small", ""};
    b = clireq_merge(size_fields, 4, some, NULL, &err);
    expect_json(b, "{\"vCPUs\":2,\"acceleratedNetworking\":false,\"displayName\":\"Small\"}");
    json_decref(b);

    /* A new entry needs every required field. */
    const char *partial[] = {NULL, "true", NULL, NULL};
    assert_null(clireq_merge(size_fields, 4, partial, NULL, &err));
    assert_string_equal(err, "it does not exist yet, so the following arguments are required to "
                             "create it: --vcpus, --display-name");
    free(err);
    const char *nothing[] = {NULL, NULL, NULL, NULL};
    assert_null(clireq_merge(size_fields, 4, nothing, NULL, &err));
    assert_string_equal(err, "the following arguments are required: --vcpus, "
                             "--accelerated-networking, --display-name");
    free(err);
}

static void test_merge_existing_entry(void **state)
{
    (void)state;
    char *err = NULL;
    json_t *cur = json_loads("{\"name\":\"Standard_X\",\"vCPUs\":4,\"acceleratedNetworking\":false,"
                             "\"displayName\":\"X\",\"vfDriverName\":\"old\",\"createdAt\":\"t\"}",
                             0, NULL);
    /* What is not given stays; read-only members are not sent back. */
    const char *one[] = {NULL, "true", NULL, NULL};
    json_t *b = clireq_merge(size_fields, 4, one, cur, &err);
    expect_json(b, "{\"vCPUs\":4,\"acceleratedNetworking\":true,\"displayName\":\"X\","
                   "\"vfDriverName\":\"old\"}");
    json_decref(b);
    /* "" removes an optional member that was there. */
    const char *drop[] = {NULL, NULL, NULL, ""};
    b = clireq_merge(size_fields, 4, drop, cur, &err);
    expect_json(b, "{\"vCPUs\":4,\"acceleratedNetworking\":false,\"displayName\":\"X\"}");
    json_decref(b);
    /* Nothing given: nothing to change. */
    const char *nothing[] = {NULL, NULL, NULL, NULL};
    assert_null(clireq_merge(size_fields, 4, nothing, cur, &err));
    assert_string_equal(err, "nothing to change: give at least one of --vcpus, "
                             "--accelerated-networking, --display-name, --vf-driver-name");
    free(err);
    /* A null member counts as absent (a subscription without a webhook). */
    json_object_set_new(cur, "vfDriverName", json_null());
    b = clireq_merge(size_fields, 4, one, cur, &err);
    assert_null(json_object_get(b, "vfDriverName"));
    json_decref(b);
    /* Values are checked for their type. */
    const char *notint[] = {"four", NULL, NULL, NULL};
    assert_null(clireq_merge(size_fields, 4, notint, cur, &err));
    assert_string_equal(err, "argument --vcpus: 'four' is not a whole number");
    free(err);
    const char *notbool[] = {NULL, "yes", NULL, NULL};
    assert_null(clireq_merge(size_fields, 4, notbool, cur, &err));
    assert_string_equal(err, "argument --accelerated-networking: 'yes' is not true or false");
    free(err);
    json_decref(cur);
}

static void test_list_append(void **state)
{
    (void)state;
    int bad;
    json_t *acc = json_pack("{s:[]}", "value");
    json_t *p1 = json_loads("{\"value\":[1,2],\"nextLink\":\"https://h/x?$skipToken=2\"}", 0, NULL);
    json_t *p2 = json_loads("{\"value\":[3]}", 0, NULL);
    json_t *p3 = json_loads("{\"value\":[],\"nextLink\":\"\"}", 0, NULL);
    json_t *notlist = json_loads("{\"id\":\"x\"}", 0, NULL);

    const char *next = clireq_list_append(acc, p1, &bad);
    assert_int_equal(bad, 0);
    assert_string_equal(next, "https://h/x?$skipToken=2");
    assert_null(clireq_list_append(acc, p2, &bad));
    assert_null(clireq_list_append(acc, p3, &bad)); /* an empty nextLink ends it too */
    expect_json(acc, "{\"value\":[1,2,3]}");
    assert_null(clireq_list_append(acc, notlist, &bad));
    assert_int_equal(bad, -1);
    expect_json(acc, "{\"value\":[1,2,3]}");

    json_decref(acc);
    json_decref(p1);
    json_decref(p2);
    json_decref(p3);
    json_decref(notlist);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uri_escapes_every_parameter),
        cmocka_unit_test(test_image_parse),
        cmocka_unit_test(test_tags),
        cmocka_unit_test(test_bodies),
        cmocka_unit_test(test_subscription_id),
        cmocka_unit_test(test_skus_uri),
        cmocka_unit_test(test_merge_new_entry),
        cmocka_unit_test(test_merge_existing_entry),
        cmocka_unit_test(test_list_append),
    };
    return cmocka_run_group_tests_name("cli/req", tests, NULL, NULL);
}
