#include "cli/view.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/req.h"
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

/* The segment after `key` (any case) in an ARM id, or "" (owned). */
static char *id_part(const char *id, const char *key)
{
    size_t klen = strlen(key);
    for (const char *p = id; p && *p; p = strchr(p + 1, '/')) {
        if (p[0] == '/' && strncasecmp(p + 1, key, klen) == 0 && p[1 + klen] == '/') {
            const char *v = p + 2 + klen;
            return util_xstrndup(v, strcspn(v, "/"));
        }
    }
    return util_xstrdup("");
}

/* The last segment of the id in o's member `ref` ({"id": ...}), or "". */
static char *ref_name(const json_t *ref)
{
    const char *id = str_of(ref, "id");
    const char *slash = strrchr(id, '/');
    return util_xstrdup(slash ? slash + 1 : id);
}

/* The number of elements of an array member (0 when absent). */
static json_int_t count_of(const json_t *o, const char *member)
{
    return (json_int_t)json_array_size(json_object_get(o, member));
}

json_t *cliview_vnets(const json_t *v)
{
    json_t *items = items_of(v), *rows = json_array(), *n;
    size_t i;
    json_array_foreach(items, i, n)
    {
        const json_t *props = json_object_get(n, "properties");
        char *rg = id_part(str_of(n, "id"), "resourceGroups");
        char *prefixes = join_strings(
            json_object_get(json_object_get(props, "addressSpace"), "addressPrefixes"));
        struct buf subnets = {0};
        size_t k;
        json_t *s;
        buf_append(&subnets, "", 0);
        json_array_foreach(json_object_get(props, "subnets"), k, s)
        {
            buf_appendf(&subnets, "%s%s", subnets.len ? ", " : "", str_of(s, "name"));
        }
        json_array_append_new(rows,
                              json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "name", str_of(n, "name"),
                                        "resourceGroup", rg, "location", str_of(n, "location"),
                                        "addressPrefixes", prefixes, "subnets", subnets.data,
                                        "provisioningState", str_of(props, "provisioningState")));
        free(rg);
        free(prefixes);
        buf_free(&subnets);
    }
    json_decref(items);
    return rows;
}

json_t *cliview_subnets(const json_t *v)
{
    json_t *items = items_of(v), *rows = json_array(), *s;
    size_t i;
    json_array_foreach(items, i, s)
    {
        const json_t *props = json_object_get(s, "properties");
        char *nsg = ref_name(json_object_get(props, "networkSecurityGroup"));
        json_array_append_new(
            rows, json_pack("{s:s, s:s, s:s, s:I, s:s}", "name", str_of(s, "name"), "addressPrefix",
                            str_of(props, "addressPrefix"), "networkSecurityGroup", nsg,
                            "ipConfigurations", count_of(props, "ipConfigurations"),
                            "provisioningState", str_of(props, "provisioningState")));
        free(nsg);
    }
    json_decref(items);
    return rows;
}

json_t *cliview_nsgs(const json_t *v)
{
    json_t *items = items_of(v), *rows = json_array(), *n;
    size_t i;
    json_array_foreach(items, i, n)
    {
        const json_t *props = json_object_get(n, "properties");
        char *rg = id_part(str_of(n, "id"), "resourceGroups");
        json_array_append_new(
            rows, json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:s}", "name", str_of(n, "name"),
                            "resourceGroup", rg, "location", str_of(n, "location"), "securityRules",
                            count_of(props, "securityRules"), "subnets", count_of(props, "subnets"),
                            "networkInterfaces", count_of(props, "networkInterfaces"),
                            "provisioningState", str_of(props, "provisioningState")));
        free(rg);
    }
    json_decref(items);
    return rows;
}

json_t *cliview_rules(const json_t *v)
{
    static const char *const cols[CLIREQ_RULE_NLISTS] = {
        "sourceAddressPrefixes", "sourcePortRanges", "destinationAddressPrefixes",
        "destinationPortRanges"};
    json_t *items = items_of(v), *rows = json_array(), *r;
    size_t i;
    json_array_foreach(items, i, r)
    {
        const json_t *props = json_object_get(r, "properties");
        json_t *row =
            json_pack("{s:s, s:o, s:s, s:s, s:s}", "name", str_of(r, "name"), "priority",
                      copy_of(props, "priority"), "direction", str_of(props, "direction"), "access",
                      str_of(props, "access"), "protocol", str_of(props, "protocol"));
        for (int k = 0; k < CLIREQ_RULE_NLISTS; k++) {
            json_t *list = clireq_rule_list(props, k);
            char *text = join_strings(list);
            json_object_set_new(row, cols[k], json_string(text));
            free(text);
            json_decref(list);
        }
        json_array_append_new(rows, row);
    }
    json_decref(items);
    return rows;
}

/* The primary IP configuration's address (the only one's, else the one with
 * primary true); borrowed, "" when none. */
static const char *nic_private_ip(const json_t *props)
{
    const json_t *configs = json_object_get(props, "ipConfigurations"), *c;
    size_t i;
    json_array_foreach((json_t *)configs, i, c)
    {
        const json_t *cp = json_object_get(c, "properties");
        if (json_array_size(configs) == 1 || json_is_true(json_object_get(cp, "primary")))
            return str_of(cp, "privateIPAddress");
    }
    return "";
}

/* properties.virtualFunction as a cell: its pciAddress, a string as it is,
 * anything else as compact JSON; NULL when there is none. */
static json_t *nic_vf(const json_t *props)
{
    const json_t *vf = json_object_get(props, "virtualFunction");
    if (!vf || json_is_null(vf))
        return NULL;
    if (json_is_string(vf))
        return json_incref((json_t *)vf);
    const json_t *pci = json_object_get(vf, "pciAddress");
    if (json_is_string(pci))
        return json_incref((json_t *)pci);
    char *text = json_dumps(vf, JSON_COMPACT | JSON_ENCODE_ANY);
    json_t *s = json_string(text ? text : "");
    free(text);
    return s;
}

json_t *cliview_nics(const json_t *v)
{
    json_t *items = items_of(v), *rows = json_array(), *n;
    size_t i;
    int any_vf = 0;
    json_array_foreach(items, i, n)
    {
        json_t *vf = nic_vf(json_object_get(n, "properties"));
        any_vf |= vf != NULL;
        json_decref(vf);
    }
    json_array_foreach(items, i, n)
    {
        const json_t *props = json_object_get(n, "properties");
        char *rg = id_part(str_of(n, "id"), "resourceGroups");
        json_t *row =
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "name", str_of(n, "name"), "resourceGroup",
                      rg, "location", str_of(n, "location"), "privateIpAddress",
                      nic_private_ip(props), "macAddress", str_of(props, "macAddress"),
                      "acceleratedNetworking", copy_of(props, "enableAcceleratedNetworking"));
        if (any_vf) {
            json_t *vf = nic_vf(props);
            json_object_set_new(row, "virtualFunction", vf ? vf : json_string(""));
        }
        json_object_set_new(row, "provisioningState",
                            json_string(str_of(props, "provisioningState")));
        json_array_append_new(rows, row);
        free(rg);
    }
    json_decref(items);
    return rows;
}

/* A VM's power state: instanceView.powerState, else the PowerState/ status. */
static const char *vm_power(const json_t *props)
{
    const json_t *iv = json_object_get(props, "instanceView");
    const char *ps = str_of(iv, "powerState");
    if (*ps)
        return ps;
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(iv, "statuses"), i, s)
    {
        const char *code = str_of(s, "code");
        if (strncmp(code, "PowerState/", 11) == 0)
            return code + 11;
    }
    return "";
}

json_t *cliview_vms(const json_t *v)
{
    json_t *items = items_of(v), *rows = json_array(), *m;
    size_t i;
    json_array_foreach(items, i, m)
    {
        const json_t *props = json_object_get(m, "properties");
        char *rg = id_part(str_of(m, "id"), "resourceGroups");
        json_array_append_new(
            rows,
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "name", str_of(m, "name"), "resourceGroup",
                      rg, "location", str_of(m, "location"), "vmSize",
                      str_of(json_object_get(props, "hardwareProfile"), "vmSize"), "powerState",
                      vm_power(props), "provisioningState", str_of(props, "provisioningState")));
        free(rg);
    }
    json_decref(items);
    return rows;
}

json_t *cliview_vm_nics(const json_t *vm)
{
    json_t *rows = json_array(), *n;
    const json_t *props = json_object_get(vm, "properties");
    size_t i;
    json_array_foreach(
        json_object_get(json_object_get(props, "networkProfile"), "networkInterfaces"), i, n)
    {
        const json_t *np = json_object_get(n, "properties");
        const json_t *vf = json_object_get(np, "virtualFunction");
        const json_t *idx = json_object_get(vf, "vfIndex");
        char *nic = ref_name(n);
        json_array_append_new(
            rows, json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:o, s:s, s:s}", "name",
                            str_of(vm, "name"), "powerState", vm_power(props), "provisioningState",
                            str_of(props, "provisioningState"), "nic", nic, "primary",
                            copy_of(np, "primary"), "acceleratedNetworking",
                            copy_of(np, "enableAcceleratedNetworking"), "host", str_of(vf, "host"),
                            "pf", str_of(vf, "pf"), "vfIndex",
                            json_is_integer(idx) ? json_incref((json_t *)idx) : json_string(""),
                            "pciAddress", str_of(vf, "pciAddress"), "guestDriver",
                            str_of(vf, "guestDriver")));
        free(nic);
    }
    return rows;
}

/* "used/total" of a capacity entry ({"used": N, "total": N}); owned. */
static char *used_of_total(const json_t *cap)
{
    const json_t *used = json_object_get(cap, "used"), *total = json_object_get(cap, "total");
    if (!json_is_integer(used) || !json_is_integer(total))
        return util_xstrdup("");
    return util_asprintf("%" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT, json_integer_value(used),
                         json_integer_value(total));
}

json_t *cliview_hosts(const json_t *v)
{
    json_t *items = items_of(v), *rows = json_array(), *h;
    size_t i;
    json_array_foreach(items, i, h)
    {
        const json_t *cap = json_object_get(h, "capacity");
        char *vfs = used_of_total(json_object_get(cap, "virtualFunctions"));
        char *vcpus = used_of_total(json_object_get(cap, "vcpus"));
        json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "name",
                                              str_of(h, "name"), "location", str_of(h, "location"),
                                              "state", str_of(h, "state"), "health",
                                              str_of(h, "health"), "VFs", vfs, "vCPUs", vcpus,
                                              "lastHeartbeat", copy_of(h, "lastHeartbeat")));
        free(vfs);
        free(vcpus);
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
