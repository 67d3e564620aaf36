/* req_net — the network half of cli/req.h: the bodies of the `network vnet`,
 * `network vnet subnet`, `network nsg`, `network nsg rule` and `network nic`
 * commands, and the changes their `update` commands make to a resource as
 * read. Pure (no I/O); unit-tested in tests/unit/test_cli_req.c.
 *
 * What the server checks (prefixes, addresses, names, references, the
 * create-time-only rule of accelerated networking) is left to it, so that
 * its error codes reach the user as they are; only what cannot be put into
 * a request at all is refused here. */
#include "cli/req.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* --- ids ----------------------------------------------------------------------- */

char *clireq_net_id(const char *sub, const char *rg, const char *type, const char *name_or_id)
{
    if (name_or_id[0] == '/')
        return util_xstrdup(name_or_id);
    return util_asprintf("/subscriptions/%s/resourceGroups/%s/providers/" CLIREQ_NET_PROVIDER
                         "/%s/%s",
                         sub, rg, type, name_or_id);
}

char *clireq_subnet_id(const char *sub, const char *rg, const char *vnet, const char *name_or_id,
                       char **err)
{
    if (name_or_id[0] == '/')
        return util_xstrdup(name_or_id);
    if (!vnet || !*vnet) {
        *err = util_asprintf("--subnet '%s' is a name: give its virtual network with --vnet-name, "
                             "or the subnet's full id (/subscriptions/.../virtualNetworks/VNET/"
                             "subnets/%s)",
                             name_or_id, name_or_id);
        return NULL;
    }
    return util_asprintf("/subscriptions/%s/resourceGroups/%s/providers/" CLIREQ_NET_PROVIDER
                         "/virtualNetworks/%s/subnets/%s",
                         sub, rg, vnet, name_or_id);
}

/* --- virtual networks ------------------------------------------------------------ */

/* "a.b.c.d/len" → address and length; -1 when it is not that. */
static int cidr_parse(const char *s, uint32_t *addr, unsigned *len)
{
    uint32_t a = 0;
    const char *p = s;
    for (int i = 0; i < 4; i++) {
        unsigned long octet = 0;
        int digits = 0;
        while (*p >= '0' && *p <= '9' && digits < 4) {
            octet = octet * 10 + (unsigned long)(*p - '0');
            p++;
            digits++;
        }
        if (digits == 0 || octet > 255 || *p != (i < 3 ? '.' : '/'))
            return -1;
        a = (a << 8) | (uint32_t)octet;
        p++;
    }
    long l;
    if (util_parse_long(p, 0, 32, &l) != 0)
        return -1;
    *addr = a;
    *len = (unsigned)l;
    return 0;
}

char *clireq_default_subnet_prefix(const char *space_prefix, char **err)
{
    uint32_t a;
    unsigned len;
    if (cidr_parse(space_prefix, &a, &len) != 0) {
        *err = util_asprintf("cannot choose a subnet prefix inside '%s': give --subnet-prefixes",
                             space_prefix);
        return NULL;
    }
    unsigned sub_len = len > 24 ? len : 24;
    uint32_t mask = sub_len ? ~(uint32_t)0 << (32 - sub_len) : 0;
    a &= mask;
    return util_asprintf("%u.%u.%u.%u/%u", (unsigned)(a >> 24), (unsigned)(a >> 16) & 255u,
                         (unsigned)(a >> 8) & 255u, (unsigned)a & 255u, sub_len);
}

/* A new reference to tags, or a new empty object. */
static json_t *tags_or_none(const json_t *tags)
{
    return tags ? json_incref((json_t *)tags) : json_object();
}

static json_t *strings_array(const char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

json_t *clireq_vnet_body(const struct clireq_vnet_args *a, char **err)
{
    static const char *const default_space[] = {"10.0.0.0/16"};
    const char *const *prefixes = a->nprefixes ? a->prefixes : default_space;
    size_t nprefixes = a->nprefixes ? a->nprefixes : 1;
    json_t *subnets = json_array();
    if (a->nsubnet_prefixes && !a->subnet_name) {
        *err = util_xstrdup("--subnet-prefixes needs --subnet-name: the name of the subnet to "
                            "create");
        goto bad;
    }
    if (a->nsubnet_prefixes > 1) {
        *err = util_asprintf("--subnet-prefixes: a subnet has one address prefix here, not %zu",
                             a->nsubnet_prefixes);
        goto bad;
    }
    if (a->subnet_name) {
        char *def = NULL;
        const char *prefix = a->nsubnet_prefixes ? a->subnet_prefixes[0] : NULL;
        if (!prefix && !(prefix = def = clireq_default_subnet_prefix(prefixes[0], err)))
            goto bad;
        json_array_append_new(subnets, json_pack("{s:s, s:{s:s}}", "name", a->subnet_name,
                                                 "properties", "addressPrefix", prefix));
        free(def);
    }
    return json_pack("{s:s, s:o, s:{s:{s:o}, s:o}}", "location", a->location, "tags",
                     tags_or_none(a->tags), "properties", "addressSpace", "addressPrefixes",
                     strings_array(prefixes, nprefixes), "subnets", subnets);
bad:
    json_decref(subnets);
    return NULL;
}

/* o's member `name` as an object, created when absent. */
static json_t *object_member(json_t *o, const char *name)
{
    json_t *m = json_object_get(o, name);
    if (!json_is_object(m)) {
        m = json_object();
        json_object_set_new(o, name, m);
    }
    return m;
}

/* A subnet as read, made fit to be sent back: without its read-only
 * ipConfigurations (who uses it; the NICs own that). The server ignores
 * them in principle, but refuses a non-empty list of objects today. */
static void subnet_strip(json_t *subnet)
{
    json_object_del(json_object_get(subnet, "properties"), "ipConfigurations");
}

int clireq_vnet_apply(json_t *vnet, void *update, char **err)
{
    const struct clireq_vnet_update *u = update;
    size_t i;
    json_t *s;
    (void)err;
    json_array_foreach(json_object_get(json_object_get(vnet, "properties"), "subnets"), i, s)
    {
        subnet_strip(s);
    }
    if (u->nprefixes) {
        json_t *space = object_member(object_member(vnet, "properties"), "addressSpace");
        json_object_set_new(space, "addressPrefixes", strings_array(u->prefixes, u->nprefixes));
    }
    if (u->tags)
        json_object_set(vnet, "tags", (json_t *)u->tags);
    return 0;
}

/* --- subnets ------------------------------------------------------------------------ */

json_t *clireq_subnet_body(const char *prefix, const char *nsg_id)
{
    json_t *props = json_pack("{s:s}", "addressPrefix", prefix);
    if (nsg_id && *nsg_id)
        json_object_set_new(props, "networkSecurityGroup", json_pack("{s:s}", "id", nsg_id));
    return json_pack("{s:o}", "properties", props);
}

int clireq_subnet_apply(json_t *subnet, void *update, char **err)
{
    const struct clireq_subnet_update *u = update;
    json_t *props = object_member(subnet, "properties");
    (void)err;
    subnet_strip(subnet);
    if (u->prefix)
        json_object_set_new(props, "addressPrefix", json_string(u->prefix));
    if (u->nsg_id && *u->nsg_id)
        json_object_set_new(props, "networkSecurityGroup", json_pack("{s:s}", "id", u->nsg_id));
    else if (u->nsg_id)
        json_object_del(props, "networkSecurityGroup");
    return 0;
}

const char *clireq_subnet_prefix_arg(const char *single, const char *const *list, size_t n,
                                     int required, char **err)
{
    if (single && n) {
        *err = util_xstrdup("give --address-prefix or --address-prefixes, not both");
        return NULL;
    }
    if (n > 1) {
        *err =
            util_asprintf("--address-prefixes: a subnet has one address prefix here, not %zu", n);
        return NULL;
    }
    if (!single && !n && required) {
        *err = util_xstrdup("the following arguments are required: --address-prefixes (or "
                            "--address-prefix)");
        return NULL;
    }
    return single ? single : n ? list[0] : NULL;
}

/* --- network security groups ------------------------------------------------------ */

json_t *clireq_nsg_body(const char *location, const json_t *tags)
{
    return json_pack("{s:s, s:o}", "location", location, "tags", tags_or_none(tags));
}

int clireq_nsg_apply(json_t *nsg, void *tags, char **err)
{
    (void)err;
    if (tags)
        json_object_set(nsg, "tags", (json_t *)tags);
    return 0;
}

/* --- security rules ----------------------------------------------------------------- */

static const char *const rule_single[CLIREQ_RULE_NLISTS] = {
    "sourceAddressPrefix", "sourcePortRange", "destinationAddressPrefix", "destinationPortRange"};
static const char *const rule_plural[CLIREQ_RULE_NLISTS] = {
    "sourceAddressPrefixes", "sourcePortRanges", "destinationAddressPrefixes",
    "destinationPortRanges"};
/* az's defaults for a new rule. */
static const char *const rule_default[CLIREQ_RULE_NLISTS] = {"*", "*", "*", "80"};

json_t *clireq_rule_list(const json_t *properties, int i)
{
    json_t *out = json_array();
    const json_t *single = json_object_get(properties, rule_single[i]);
    const json_t *plural = json_object_get(properties, rule_plural[i]);
    size_t k;
    json_t *v;
    if (json_is_string(single))
        json_array_append(out, (json_t *)single);
    json_array_foreach((json_t *)plural, k, v)
    {
        if (json_is_string(v))
            json_array_append(out, v);
    }
    return out;
}

/* Sets list i of props: one value as the singular member, several as the
 * plural one; the other member is removed. */
static void rule_list_set(json_t *props, int i, const char *const *v, size_t n)
{
    json_object_del(props, rule_single[i]);
    json_object_del(props, rule_plural[i]);
    if (n == 1)
        json_object_set_new(props, rule_single[i], json_string(v[0]));
    else
        json_object_set_new(props, rule_plural[i], strings_array(v, n));
}

json_t *clireq_rule_body(const struct clireq_rule_args *a, const json_t *current, char **err)
{
    const json_t *cur_props = current ? json_object_get(current, "properties") : NULL;
    json_t *props = json_is_object(cur_props) ? json_deep_copy(cur_props) : json_object();
    /* Read-only; the server would ignore it. */
    json_object_del(props, "provisioningState");
    if (!current) {
        json_object_set_new(props, "protocol", json_string("*"));
        json_object_set_new(props, "access", json_string("Allow"));
        json_object_set_new(props, "direction", json_string("Inbound"));
        for (int i = 0; i < CLIREQ_RULE_NLISTS; i++)
            rule_list_set(props, i, &rule_default[i], 1);
    }
    if (a->priority) {
        long prio;
        if (util_parse_long(a->priority, -2147483647L, 2147483647L, &prio) != 0) {
            *err = util_asprintf("argument --priority: '%s' is not a whole number", a->priority);
            goto bad;
        }
        json_object_set_new(props, "priority", json_integer(prio));
    } else if (!current) {
        *err = util_xstrdup("the following arguments are required: --priority");
        goto bad;
    }
    if (a->direction)
        json_object_set_new(props, "direction", json_string(a->direction));
    if (a->access)
        json_object_set_new(props, "access", json_string(a->access));
    if (a->protocol)
        json_object_set_new(props, "protocol", json_string(a->protocol));
    if (a->description && *a->description)
        json_object_set_new(props, "description", json_string(a->description));
    else if (a->description)
        json_object_del(props, "description");
    for (int i = 0; i < CLIREQ_RULE_NLISTS; i++)
        if (a->nlists[i])
            rule_list_set(props, i, a->lists[i], a->nlists[i]);
    return json_pack("{s:o}", "properties", props);
bad:
    json_decref(props);
    return NULL;
}

int clireq_rule_apply(json_t *rule, void *args, char **err)
{
    json_t *body = clireq_rule_body(args, rule, err);
    if (!body)
        return -1;
    json_object_set(rule, "properties", json_object_get(body, "properties"));
    json_decref(body);
    return 0;
}

/* --- network interfaces ------------------------------------------------------------- */

/* "true"/"false" → a JSON boolean; NULL with *err otherwise. */
static json_t *bool_arg(const char *flag, const char *v, char **err)
{
    if (strcmp(v, "true") == 0)
        return json_true();
    if (strcmp(v, "false") == 0)
        return json_false();
    *err = util_asprintf("argument --%s: '%s' is not true or false", flag, v);
    return NULL;
}

/* The flags every NIC body shares: NSG, the two switches. */
static int nic_props_set(json_t *props, const struct clireq_nic_args *a, char **err)
{
    json_t *b;
    if (a->nsg_id && *a->nsg_id)
        json_object_set_new(props, "networkSecurityGroup", json_pack("{s:s}", "id", a->nsg_id));
    else if (a->nsg_id)
        json_object_del(props, "networkSecurityGroup");
    if (a->accelerated_networking) {
        if (!(b = bool_arg("accelerated-networking", a->accelerated_networking, err)))
            return -1;
        json_object_set_new(props, "enableAcceleratedNetworking", b);
    }
    if (a->ip_forwarding) {
        if (!(b = bool_arg("ip-forwarding", a->ip_forwarding, err)))
            return -1;
        json_object_set_new(props, "enableIPForwarding", b);
    }
    return 0;
}

json_t *clireq_nic_body(const struct clireq_nic_args *a, char **err)
{
    json_t *ipprops = json_pack("{s:{s:s}, s:s}", "subnet", "id", a->subnet_id,
                                "privateIPAllocationMethod", a->private_ip ? "Static" : "Dynamic");
    if (a->private_ip)
        json_object_set_new(ipprops, "privateIPAddress", json_string(a->private_ip));
    json_t *props = json_pack("{s:[{s:s, s:o}]}", "ipConfigurations", "name", "ipconfig1",
                              "properties", ipprops);
    if (nic_props_set(props, a, err) != 0) {
        json_decref(props);
        return NULL;
    }
    return json_pack("{s:s, s:o, s:o}", "location", a->location, "tags", tags_or_none(a->tags),
                     "properties", props);
}

int clireq_nic_apply(json_t *nic, void *args, char **err)
{
    const struct clireq_nic_args *a = args;
    if (nic_props_set(object_member(nic, "properties"), a, err) != 0)
        return -1;
    if (a->tags)
        json_object_set(nic, "tags", (json_t *)a->tags);
    return 0;
}
