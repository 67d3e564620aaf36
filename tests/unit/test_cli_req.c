/* Unit tests for cli/req.h: command-line arguments to API requests — URIs
 * with escaped parameters, image references, tags, bodies, subscription ids
 * (given or generated), the skus filter, the read-merge-write of the set /
 * update / define commands, list paging, and the network commands' bodies
 * and updates (cli/req_net.c). */
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

/* --- network resources ------------------------------------------------------------ */

#define T_SUB "7c9e6679-7425-40de-944b-e07fc1f90ae7"
#define T_NET "/subscriptions/" T_SUB "/resourceGroups/rg1/providers/Microsoft.Network"

static void test_net_ids(void **state)
{
    (void)state;
    char *err = NULL;
    char *id = clireq_net_id(T_SUB, "rg1", "networkSecurityGroups", "nsg1");
    assert_string_equal(id, T_NET "/networkSecurityGroups/nsg1");
    free(id);
    /* An id is taken as it is (another group's NSG). */
    id = clireq_net_id(T_SUB, "rg1", "networkSecurityGroups", "/subscriptions/x/resourceGroups/o");
    assert_string_equal(id, "/subscriptions/x/resourceGroups/o");
    free(id);
    id = clireq_subnet_id(T_SUB, "rg1", "vnet1", "default", &err);
    assert_string_equal(id, T_NET "/virtualNetworks/vnet1/subnets/default");
    free(id);
    id = clireq_subnet_id(T_SUB, "rg1", NULL, T_NET "/virtualNetworks/v/subnets/s", &err);
    assert_string_equal(id, T_NET "/virtualNetworks/v/subnets/s");
    free(id);
    /* A subnet name alone cannot be found. */
    assert_null(clireq_subnet_id(T_SUB, "rg1", NULL, "default", &err));
    assert_non_null(strstr(err, "give its virtual network with --vnet-name"));
    free(err);
}

static void test_default_subnet_prefix(void **state)
{
    (void)state;
    char *err = NULL;
    static const char *const cases[][2] = {
        {"10.0.0.0/16", "10.0.0.0/24"},     {"192.168.4.0/22", "192.168.4.0/24"},
        {"10.1.2.0/24", "10.1.2.0/24"},     {"10.1.2.64/26", "10.1.2.64/26"},
        {"10.20.30.40/8", "10.20.30.0/24"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *p = clireq_default_subnet_prefix(cases[i][0], &err);
        assert_non_null(p);
        assert_string_equal(p, cases[i][1]);
        free(p);
    }
    static const char *const bad[] = {"10.0.0.0",    "10.0.0/16", "300.0.0.0/16",
                                      "10.0.0.0/33", "a.b.c.d/8", "fd00::/8"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err = NULL;
        if (clireq_default_subnet_prefix(bad[i], &err))
            fail_msg("'%s' accepted", bad[i]);
        assert_non_null(strstr(err, "give --subnet-prefixes"));
        free(err);
    }
}

static void test_vnet_body(void **state)
{
    (void)state;
    char *err = NULL;
    const char *prefixes[] = {"10.1.0.0/16", "10.2.0.0/16"};
    const char *sp[] = {"10.1.5.0/24"};
    json_t *tags = json_pack("{s:s}", "env", "test");

    /* az's defaults: 10.0.0.0/16, no subnet. */
    struct clireq_vnet_args a = {.location = "westeurope"};
    json_t *b = clireq_vnet_body(&a, &err);
    expect_json(b, "{\"location\":\"westeurope\",\"tags\":{},\"properties\":{\"addressSpace\":"
                   "{\"addressPrefixes\":[\"10.0.0.0/16\"]},\"subnets\":[]}}");
    json_decref(b);
    /* A subnet without a prefix: the first /24 of the space. */
    a.subnet_name = "default";
    b = clireq_vnet_body(&a, &err);
    expect_json(b, "{\"location\":\"westeurope\",\"tags\":{},\"properties\":{\"addressSpace\":"
                   "{\"addressPrefixes\":[\"10.0.0.0/16\"]},\"subnets\":[{\"name\":\"default\","
                   "\"properties\":{\"addressPrefix\":\"10.0.0.0/24\"}}]}}");
    json_decref(b);
    /* Everything given. */
    a = (struct clireq_vnet_args){.location = "eastus",
                                  .prefixes = prefixes,
                                  .nprefixes = 2,
                                  .subnet_name = "web",
                                  .subnet_prefixes = sp,
                                  .nsubnet_prefixes = 1,
                                  .tags = tags};
    b = clireq_vnet_body(&a, &err);
    expect_json(b, "{\"location\":\"eastus\",\"tags\":{\"env\":\"test\"},\"properties\":"
                   "{\"addressSpace\":{\"addressPrefixes\":[\"10.1.0.0/16\",\"10.2.0.0/16\"]},"
                   "\"subnets\":[{\"name\":\"web\",\"properties\":{\"addressPrefix\":"
                   "\"10.1.5.0/24\"}}]}}");
    json_decref(b);
    /* Subnet prefixes need a subnet name, and there is one prefix per subnet. */
    a.subnet_name = NULL;
    assert_null(clireq_vnet_body(&a, &err));
    assert_non_null(strstr(err, "--subnet-prefixes needs --subnet-name"));
    free(err);
    a.subnet_name = "web";
    a.subnet_prefixes = prefixes;
    a.nsubnet_prefixes = 2;
    assert_null(clireq_vnet_body(&a, &err));
    assert_non_null(strstr(err, "a subnet has one address prefix here, not 2"));
    free(err);
    assert_int_equal(tags->refcount, 1); /* borrowed: every body released it */
    json_decref(tags);
}

/* A VNet as GET shows it, with a subnet in use. */
static const char vnet_read[] =
    "{\"id\":\"" T_NET "/virtualNetworks/vnet1\",\"name\":\"vnet1\",\"location\":\"westeurope\","
    "\"tags\":{\"a\":\"b\"},\"etag\":\"W/\\\"1\\\"\",\"properties\":{\"provisioningState\":"
    "\"Succeeded\",\"addressSpace\":{\"addressPrefixes\":[\"10.0.0.0/16\"]},\"subnets\":[{\"name\":"
    "\"default\",\"etag\":\"W/\\\"2\\\"\",\"properties\":{\"addressPrefix\":\"10.0.0.0/24\","
    "\"ipConfigurations\":[{\"id\":\"" T_NET "/networkInterfaces/nic1/ipConfigurations/ipconfig1"
    "\"}],\"networkSecurityGroup\":{\"id\":\"" T_NET "/networkSecurityGroups/nsg1\"}}}]}}";

static void test_vnet_and_subnet_updates(void **state)
{
    (void)state;
    char *err = NULL;
    const char *prefixes[] = {"10.0.0.0/16", "10.9.0.0/16"};

    /* New prefixes and tags; the subnets stay (without who uses them). */
    json_t *v = json_loads(vnet_read, 0, NULL);
    json_t *tags = json_pack("{s:s}", "env", "prod");
    struct clireq_vnet_update u = {.prefixes = prefixes, .nprefixes = 2, .tags = tags};
    assert_int_equal(clireq_vnet_apply(v, &u, &err), 0);
    expect_json(v, "{\"id\":\"" T_NET "/virtualNetworks/vnet1\",\"name\":\"vnet1\",\"location\":"
                   "\"westeurope\",\"tags\":{\"env\":\"prod\"},\"etag\":\"W/\\\"1\\\"\","
                   "\"properties\":{\"provisioningState\":\"Succeeded\",\"addressSpace\":"
                   "{\"addressPrefixes\":[\"10.0.0.0/16\",\"10.9.0.0/16\"]},\"subnets\":[{\"name\":"
                   "\"default\",\"etag\":\"W/\\\"2\\\"\",\"properties\":{\"addressPrefix\":"
                   "\"10.0.0.0/24\",\"networkSecurityGroup\":{\"id\":\"" T_NET
                   "/networkSecurityGroups/nsg1\"}}}]}}");
    json_decref(v);
    json_decref(tags);
    /* Only the tags: the address space is left as it was. */
    v = json_loads(vnet_read, 0, NULL);
    tags = json_object();
    u = (struct clireq_vnet_update){.tags = tags};
    assert_int_equal(clireq_vnet_apply(v, &u, &err), 0);
    expect_json(json_object_get(v, "tags"), "{}");
    expect_json(json_object_get(json_object_get(v, "properties"), "addressSpace"),
                "{\"addressPrefixes\":[\"10.0.0.0/16\"]}");
    json_decref(v);
    json_decref(tags);

    /* Subnets. */
    json_t *b = clireq_subnet_body("10.0.1.0/24", NULL);
    expect_json(b, "{\"properties\":{\"addressPrefix\":\"10.0.1.0/24\"}}");
    json_decref(b);
    b = clireq_subnet_body("10.0.1.0/24", T_NET "/networkSecurityGroups/nsg1");
    expect_json(b, "{\"properties\":{\"addressPrefix\":\"10.0.1.0/24\",\"networkSecurityGroup\":"
                   "{\"id\":\"" T_NET "/networkSecurityGroups/nsg1\"}}}");
    json_decref(b);
    v = json_loads(vnet_read, 0, NULL);
    json_t *s = json_deep_copy(
        json_array_get(json_object_get(json_object_get(v, "properties"), "subnets"), 0));
    json_decref(v);
    struct clireq_subnet_update su = {.nsg_id = ""}; /* --nsg "": detach, keep the prefix */
    assert_int_equal(clireq_subnet_apply(s, &su, &err), 0);
    expect_json(s, "{\"name\":\"default\",\"etag\":\"W/\\\"2\\\"\",\"properties\":"
                   "{\"addressPrefix\":\"10.0.0.0/24\"}}");
    su = (struct clireq_subnet_update){.prefix = "10.0.0.0/23", .nsg_id = "/x/nsg2"};
    assert_int_equal(clireq_subnet_apply(s, &su, &err), 0);
    expect_json(s, "{\"name\":\"default\",\"etag\":\"W/\\\"2\\\"\",\"properties\":"
                   "{\"addressPrefix\":\"10.0.0.0/23\",\"networkSecurityGroup\":{\"id\":"
                   "\"/x/nsg2\"}}}");
    json_decref(s);

    /* --address-prefix / --address-prefixes: one prefix, from either. */
    const char *one[] = {"10.0.3.0/24"};
    assert_string_equal(clireq_subnet_prefix_arg("10.0.2.0/24", NULL, 0, 1, &err), "10.0.2.0/24");
    assert_string_equal(clireq_subnet_prefix_arg(NULL, one, 1, 1, &err), "10.0.3.0/24");
    assert_null(clireq_subnet_prefix_arg(NULL, NULL, 0, 0, &err)); /* update: not given */
    struct {
        const char *single;
        size_t n;
        int required;
        const char *why;
    } bad[] = {
        {NULL, 0, 1, "required: --address-prefixes"},
        {"10.0.2.0/24", 1, 1, "not both"},
        {NULL, 2, 0, "one address prefix here, not 2"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err = NULL;
        assert_null(
            clireq_subnet_prefix_arg(bad[i].single, prefixes, bad[i].n, bad[i].required, &err));
        if (!err || !strstr(err, bad[i].why))
            fail_msg("case %zu: %s", i, err ? err : "(no error)");
        free(err);
    }
}

static void test_nsg_bodies(void **state)
{
    (void)state;
    char *err = NULL;
    json_t *tags = json_pack("{s:s}", "env", "test");
    json_t *b = clireq_nsg_body("westeurope", NULL);
    expect_json(b, "{\"location\":\"westeurope\",\"tags\":{}}");
    json_decref(b);
    b = clireq_nsg_body("westeurope", tags);
    expect_json(b, "{\"location\":\"westeurope\",\"tags\":{\"env\":\"test\"}}");
    json_decref(b);
    /* update: the tags change, the rules (read with the group) go back as read. */
    json_t *g = json_loads("{\"name\":\"nsg1\",\"location\":\"westeurope\",\"tags\":{},\"etag\":"
                           "\"e\",\"properties\":{\"securityRules\":[{\"name\":\"r\"}]}}",
                           0, NULL);
    assert_int_equal(clireq_nsg_apply(g, tags, &err), 0);
    expect_json(g, "{\"name\":\"nsg1\",\"location\":\"westeurope\",\"tags\":{\"env\":\"test\"},"
                   "\"etag\":\"e\",\"properties\":{\"securityRules\":[{\"name\":\"r\"}]}}");
    json_decref(g);
    json_decref(tags);
}

static void test_rule_bodies(void **state)
{
    (void)state;
    char *err = NULL;
    /* Only a priority: az's defaults for the rest. */
    struct clireq_rule_args a = {.priority = "1000"};
    json_t *b = clireq_rule_body(&a, NULL, &err);
    expect_json(b, "{\"properties\":{\"priority\":1000,\"protocol\":\"*\",\"access\":\"Allow\","
                   "\"direction\":\"Inbound\",\"sourceAddressPrefix\":\"*\",\"sourcePortRange\":"
                   "\"*\",\"destinationAddressPrefix\":\"*\",\"destinationPortRange\":\"80\"}}");
    json_decref(b);
    /* RDP from two networks: several values go in the plural member. */
    const char *src[] = {"10.1.0.0/16", "10.2.0.0/16"};
    const char *rdp[] = {"3389"};
    a = (struct clireq_rule_args){.priority = "300",
                                  .direction = "Inbound",
                                  .access = "Deny",
                                  .protocol = "Tcp",
                                  .description = "rdp",
                                  .lists = {src, NULL, NULL, rdp},
                                  .nlists = {2, 0, 0, 1}};
    b = clireq_rule_body(&a, NULL, &err);
    expect_json(b, "{\"properties\":{\"priority\":300,\"protocol\":\"Tcp\",\"access\":\"Deny\","
                   "\"direction\":\"Inbound\",\"description\":\"rdp\",\"sourceAddressPrefixes\":"
                   "[\"10.1.0.0/16\",\"10.2.0.0/16\"],\"sourcePortRange\":\"*\","
                   "\"destinationAddressPrefix\":\"*\",\"destinationPortRange\":\"3389\"}}");
    json_decref(b);
    /* A new rule needs a priority. */
    a = (struct clireq_rule_args){.protocol = "Udp"};
    assert_null(clireq_rule_body(&a, NULL, &err));
    assert_non_null(strstr(err, "required: --priority"));
    free(err);

    /* update: over the rule as read (ARM's shape: singular plus an empty
     * plural); a list given replaces both members, the others stay. */
    json_t *r = json_loads(
        "{\"name\":\"AllowRDP\",\"etag\":\"W/\\\"7\\\"\",\"properties\":{\"provisioningState\":"
        "\"Succeeded\",\"description\":\"old\",\"protocol\":\"Tcp\",\"sourcePortRange\":\"*\","
        "\"sourcePortRanges\":[],\"destinationPortRange\":\"3389\",\"destinationPortRanges\":[],"
        "\"sourceAddressPrefixes\":[\"10.1.0.0/16\",\"10.2.0.0/16\"],\"destinationAddressPrefix\":"
        "\"*\",\"destinationAddressPrefixes\":[],\"access\":\"Allow\",\"priority\":1000,"
        "\"direction\":\"Inbound\"}}",
        0, NULL);
    const char *office[] = {"203.0.113.0/24"};
    a = (struct clireq_rule_args){
        .access = "Deny", .description = "", .lists = {office}, .nlists = {1}};
    assert_int_equal(clireq_rule_apply(r, &a, &err), 0);
    expect_json(r, "{\"name\":\"AllowRDP\",\"etag\":\"W/\\\"7\\\"\",\"properties\":{\"protocol\":"
                   "\"Tcp\",\"sourcePortRange\":\"*\",\"sourcePortRanges\":[],"
                   "\"destinationPortRange\":\"3389\",\"destinationPortRanges\":[],"
                   "\"sourceAddressPrefix\":\"203.0.113.0/24\",\"destinationAddressPrefix\":\"*\","
                   "\"destinationAddressPrefixes\":[],\"access\":\"Deny\",\"priority\":1000,"
                   "\"direction\":\"Inbound\"}}");
    /* The lists as a person reads them, whichever member holds them. */
    json_t *l = clireq_rule_list(json_object_get(r, "properties"), CLIREQ_RULE_SRC_ADDR);
    expect_json(l, "[\"203.0.113.0/24\"]");
    json_decref(l);
    const char *ports[] = {"80", "443"};
    a = (struct clireq_rule_args){
        .priority = "1001", .lists = {NULL, NULL, NULL, ports}, .nlists = {0, 0, 0, 2}};
    assert_int_equal(clireq_rule_apply(r, &a, &err), 0);
    l = clireq_rule_list(json_object_get(r, "properties"), CLIREQ_RULE_DST_PORTS);
    expect_json(l, "[\"80\",\"443\"]");
    json_decref(l);
    assert_null(json_object_get(json_object_get(r, "properties"), "destinationPortRange"));
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(r, "properties"), "priority")), 1001);
    json_decref(r);
}

static void test_nic_bodies(void **state)
{
    (void)state;
    char *err = NULL;
    json_t *tags = json_pack("{s:s}", "env", "test");
    struct clireq_nic_args a = {.location = "westeurope",
                                .subnet_id = T_NET "/virtualNetworks/vnet1/subnets/default"};
    json_t *b = clireq_nic_body(&a, &err);
    expect_json(b, "{\"location\":\"westeurope\",\"tags\":{},\"properties\":{\"ipConfigurations\":"
                   "[{\"name\":\"ipconfig1\",\"properties\":{\"subnet\":{\"id\":\"" T_NET
                   "/virtualNetworks/vnet1/subnets/default\"},\"privateIPAllocationMethod\":"
                   "\"Dynamic\"}}]}}");
    json_decref(b);
    /* The walkthrough's NIC, and a static address. */
    a.private_ip = "10.0.0.10";
    a.nsg_id = T_NET "/networkSecurityGroups/nsg1";
    a.accelerated_networking = "true";
    a.ip_forwarding = "false";
    a.tags = tags;
    b = clireq_nic_body(&a, &err);
    expect_json(b, "{\"location\":\"westeurope\",\"tags\":{\"env\":\"test\"},\"properties\":"
                   "{\"ipConfigurations\":[{\"name\":\"ipconfig1\",\"properties\":{\"subnet\":"
                   "{\"id\":\"" T_NET "/virtualNetworks/vnet1/subnets/default\"},"
                   "\"privateIPAllocationMethod\":\"Static\",\"privateIPAddress\":\"10.0.0.10\"}}],"
                   "\"networkSecurityGroup\":{\"id\":\"" T_NET "/networkSecurityGroups/nsg1\"},"
                   "\"enableAcceleratedNetworking\":true,\"enableIPForwarding\":false}}");
    json_decref(b);
    a.accelerated_networking = "yes";
    assert_null(clireq_nic_body(&a, &err));
    assert_non_null(strstr(err, "argument --accelerated-networking: 'yes' is not true or false"));
    free(err);

    /* update: the change of enableAcceleratedNetworking is sent as asked (the
     * server judges it); the IP configurations go back as read. */
    static const char nic_read[] =
        "{\"name\":\"nic1\",\"location\":\"westeurope\",\"tags\":{},\"etag\":\"W/\\\"3\\\"\","
        "\"properties\":{\"macAddress\":\"00-0D-3A-00-00-01\",\"enableAcceleratedNetworking\":true,"
        "\"enableIPForwarding\":false,\"ipConfigurations\":[{\"name\":\"ipconfig1\",\"properties\":"
        "{\"privateIPAddress\":\"10.0.0.4\",\"privateIPAllocationMethod\":\"Dynamic\"}}],"
        "\"networkSecurityGroup\":{\"id\":\"/n\"}}}";
    json_t *n = json_loads(nic_read, 0, NULL);
    struct clireq_nic_args u = {.accelerated_networking = "false"};
    assert_int_equal(clireq_nic_apply(n, &u, &err), 0);
    json_t *want = json_loads(nic_read, 0, NULL);
    json_object_set_new(json_object_get(want, "properties"), "enableAcceleratedNetworking",
                        json_false());
    if (!json_equal(n, want))
        fail_msg("nic update changed more than enableAcceleratedNetworking");
    json_decref(want);
    u = (struct clireq_nic_args){.nsg_id = "", .ip_forwarding = "true", .tags = tags};
    assert_int_equal(clireq_nic_apply(n, &u, &err), 0);
    assert_null(json_object_get(json_object_get(n, "properties"), "networkSecurityGroup"));
    assert_true(
        json_is_true(json_object_get(json_object_get(n, "properties"), "enableIPForwarding")));
    expect_json(json_object_get(n, "tags"), "{\"env\":\"test\"}");
    u = (struct clireq_nic_args){.ip_forwarding = "maybe"};
    assert_int_equal(clireq_nic_apply(n, &u, &err), -1);
    assert_non_null(strstr(err, "argument --ip-forwarding"));
    free(err);
    json_decref(n);
    json_decref(tags);
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
        cmocka_unit_test(test_net_ids),
        cmocka_unit_test(test_default_subnet_prefix),
        cmocka_unit_test(test_vnet_body),
        cmocka_unit_test(test_vnet_and_subnet_updates),
        cmocka_unit_test(test_nsg_bodies),
        cmocka_unit_test(test_rule_bodies),
        cmocka_unit_test(test_nic_bodies),
    };
    return cmocka_run_group_tests_name("cli/req", tests, NULL, NULL);
}
