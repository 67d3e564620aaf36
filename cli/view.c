#include "cli/view.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* The items v stands for, as a new array reference: a list's "value", an
 * array, or v itself as the one item. */
static json_t *items_of(const json_t *v)
{
    json_t *value = json_is_object(v) ? json_object_get(v, "value") : NULL;
    if (json_is_array(value))
        return json_incref(value);
    if (json_is_array(v))
        return json_incref((json_t *)v);
    json_t *a = json_array();
    if (v)
        json_array_append(a, (json_t *)v);
    return a;
}

/* member's value when it is a string, else "" (borrowed). */
static const char *str_of(const json_t *o, const char *member)
{
    const json_t *v = json_object_get(o, member);
    return json_is_string(v) ? json_string_value(v) : "";
}

/* A copy of member (JSON null when absent). */
static json_t *copy_of(const json_t *o, const char *member)
{
    json_t *v = json_object_get(o, member);
    return v ? json_incref(v) : json_null();
}

/* "k=v, k2=v2" from an object of strings; owned. */
static char *join_tags(const json_t *tags)
{
    struct buf b = {0};
    const char *k;
    json_t *val;
    buf_append(&b, "", 0);
    json_object_foreach((json_t *)tags, k, val)
    {
        buf_appendf(&b, "%s%s=%s", b.len ? ", " : "", k,
                    json_is_string(val) ? json_string_value(val) : "");
    }
    return b.data;
}

/* The strings of an array joined with ", "; owned. */
static char *join_strings(const json_t *a)
{
    struct buf b = {0};
    size_t i;
    json_t *s;
    buf_append(&b, "", 0);
    json_array_foreach((json_t *)a, i, s)
    {
        if (json_is_string(s))
            buf_appendf(&b, "%s%s", b.len ? ", " : "", json_string_value(s));
    }
    return b.data;
}

json_t *cliview_groups(const json_t *v)
{
    json_t *items = items_of(v), *rows = json_array(), *g;
    size_t i;
    json_array_foreach(items, i, g)
    {
        char *tags = join_tags(json_object_get(g, "tags"));
        json_array_append_new(
            rows,
            json_pack("{s:s, s:s, s:s, s:s}", "name", str_of(g, "name"), "location",
                      str_of(g, "location"), "provisioningState",
                      str_of(json_object_get(g, "properties"), "provisioningState"), "tags", tags));
        free(tags);
    }
    json_decref(items);
    return rows;
}

json_t *cliview_subscriptions(const json_t *v)
{
    json_t *items = items_of(v), *rows = json_array(), *s;
    size_t i;
    json_array_foreach(items, i, s)
    {
        json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:o}", "subscriptionId",
                                              str_of(s, "subscriptionId"), "displayName",
                                              str_of(s, "displayName"), "state", str_of(s, "state"),
                                              "contactWebhook", copy_of(s, "contactWebhook")));
    }
    json_decref(items);
    return rows;
}

json_t *cliview_features(const json_t *v)
{
    json_t *items = items_of(v), *rows = json_array(), *f;
    size_t i;
    json_array_foreach(items, i, f)
    {
        const json_t *props = json_object_get(f, "properties");
        json_array_append_new(rows,
                              json_pack("{s:s, s:s, s:s}", "name", str_of(f, "name"), "state",
                                        str_of(props, "state"), "reason", str_of(props, "reason")));
    }
    json_decref(items);
    return rows;
}

json_t *cliview_registrations(const json_t *v)
{
    json_t *items = items_of(v), *rows = json_array(), *r;
    size_t i;
    json_array_foreach(items, i, r)
    {
        char *feature = util_asprintf("%s/%s", str_of(r, "namespace"), str_of(r, "feature"));
        json_array_append_new(rows,
                              json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "subscriptionId",
                                        str_of(r, "subscriptionId"), "feature", feature, "state",
                                        str_of(r, "state"), "intendedUse", str_of(r, "intendedUse"),
                                        "requestedAt", str_of(r, "requestedAt"), "decidedBy",
                                        copy_of(r, "decidedBy"), "reason", copy_of(r, "reason")));
        free(feature);
    }
    json_decref(items);
    return rows;
}

const char *cliview_sku_capability(const json_t *sku, const char *name)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(sku, "capabilities"), i, c)
    {
        if (strcmp(str_of(c, "name"), name) == 0) {
            const json_t *val = json_object_get(c, "value");
            return json_is_string(val) ? json_string_value(val) : NULL;
        }
    }
    return NULL;
}

/* A capability as a JSON number (whole numbers as integers), or null. */
static json_t *capability_number(const json_t *sku, const char *name, double scale)
{
    const char *s = cliview_sku_capability(sku, name);
    char *end;
    if (!s || !*s)
        return json_null();
    double d = strtod(s, &end);
    if (*end || !isfinite(d))
        return json_null();
    d *= scale;
    /* No libm: a whole number is one that survives the round trip. */
    if (d > -9.0e15 && d < 9.0e15 && d == (double)(long long)d)
        return json_integer((json_int_t)d);
    return json_real(d);
}

/* "True" / "False" → a JSON boolean; anything else null. */
static json_t *capability_bool(const json_t *sku, const char *name)
{
    const char *s = cliview_sku_capability(sku, name);
    if (s && strcmp(s, "True") == 0)
        return json_true();
    if (s && strcmp(s, "False") == 0)
        return json_false();
    return json_null();
}

json_t *cliview_skus(const json_t *v)
{
    json_t *items = items_of(v), *rows = json_array(), *s;
    size_t i;
    json_array_foreach(items, i, s)
    {
        char *locs = join_strings(json_object_get(s, "locations"));
        json_array_append_new(rows, json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}", "name",
                                              str_of(s, "name"), "locations", locs, "vCPUs",
                                              capability_number(s, "vCPUs", 1), "memoryGB",
                                              capability_number(s, "MemoryGB", 1), "maxNics",
                                              capability_number(s, "MaxNetworkInterfaces", 1),
                                              "acceleratedNetworking",
                                              capability_bool(s, "AcceleratedNetworkingEnabled")));
        free(locs);
    }
    json_decref(items);
    return rows;
}

json_t *cliview_vm_sizes(const json_t *skus)
{
    json_t *items = items_of(skus), *value = json_array(), *s;
    size_t i;
    json_array_foreach(items, i, s)
    {
        if (strcmp(str_of(s, "resourceType"), "virtualMachines") != 0)
            continue;
        json_array_append_new(
            value,
            json_pack("{s:s, s:o, s:o, s:o, s:o}", "name", str_of(s, "name"), "numberOfCores",
                      capability_number(s, "vCPUs", 1), "memoryInMB",
                      capability_number(s, "MemoryGB", 1024), "maxNetworkInterfaces",
                      capability_number(s, "MaxNetworkInterfaces", 1), "acceleratedNetworking",
                      capability_bool(s, "AcceleratedNetworkingEnabled")));
    }
    json_decref(items);
    return json_pack("{s:o}", "value", value);
}

json_t *cliview_eligibility(const json_t *r, const char *location, const char *vm_size,
                            const char *image)
{
    json_t *rows = json_array(), *reason;
    const json_t *reasons = json_object_get(r, "reasons");
    size_t i;
    if (json_is_true(json_object_get(r, "eligible")) || json_array_size(reasons) == 0) {
        json_array_append_new(rows,
                              json_pack("{s:b, s:s, s:s, s:s}", "eligible",
                                        json_is_true(json_object_get(r, "eligible")), "location",
                                        location, "vmSize", vm_size, "image", image));
        return rows;
    }
    json_array_foreach((json_t *)reasons, i, reason)
    {
        char *allowed = join_strings(json_object_get(reason, "allowedValues"));
        json_array_append_new(rows,
                              json_pack("{s:s, s:o, s:s, s:s}", "code", str_of(reason, "code"),
                                        "target", copy_of(reason, "target"), "allowedValues",
                                        allowed, "message", str_of(reason, "message")));
        free(allowed);
    }
    return rows;
}
