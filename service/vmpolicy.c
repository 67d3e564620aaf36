#include "service/vmpolicy.h"

#include <stdlib.h>

static json_t *vmpolicy_addrs(const struct nsgrule_addr *a, size_t n)
{
    char t[NSGRULE_TEXT_MAX];
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        nsgrule_addr_format(&a[i], t);
        json_array_append_new(arr, json_string(t));
    }
    return arr;
}

static json_t *vmpolicy_ports(const struct nsgrule_ports *p, size_t n)
{
    char t[NSGRULE_TEXT_MAX];
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        nsgrule_ports_format(&p[i], t);
        json_array_append_new(arr, json_string(t));
    }
    return arr;
}

json_t *vmpolicy_rule_json(const char *stage, const struct nsgrule *r)
{
    return json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "stage", stage, "name",
                     r->name ? r->name : "", "priority", r->priority, "direction",
                     nsgrule_direction_name(r->direction), "access", nsgrule_access_name(r->access),
                     "protocol", nsgrule_protocol_name(r->protocol), "sourceAddressPrefixes",
                     vmpolicy_addrs(r->src, r->nsrc), "sourcePortRanges",
                     vmpolicy_ports(r->src_ports, r->nsrc_ports), "destinationAddressPrefixes",
                     vmpolicy_addrs(r->dst, r->ndst), "destinationPortRanges",
                     vmpolicy_ports(r->dst_ports, r->ndst_ports));
}

static int vmpolicy_cmp(const void *a, const void *b)
{
    const struct nsgrule *x = *(const struct nsgrule *const *)a;
    const struct nsgrule *y = *(const struct nsgrule *const *)b;
    if (x->direction != y->direction)
        return x->direction == NSGRULE_INBOUND ? -1 : 1;
    return (x->priority > y->priority) - (x->priority < y->priority);
}

static void vmpolicy_stage(json_t *out, const char *stage, const struct nsgrule *rules, size_t n)
{
    size_t nd;
    const struct nsgrule *defaults = nsgrule_defaults(&nd);
    const struct nsgrule **all = calloc(n + nd + 1, sizeof(*all));
    if (!all)
        abort();
    for (size_t i = 0; i < n; i++)
        all[i] = &rules[i];
    for (size_t i = 0; i < nd; i++)
        all[n + i] = &defaults[i];
    /* Default rules (65000-65500) sort after every user rule (<= 4096). */
    qsort(all, n + nd, sizeof(*all), vmpolicy_cmp);
    for (size_t i = 0; i < n + nd; i++)
        json_array_append_new(out, vmpolicy_rule_json(stage, all[i]));
    free(all);
}

json_t *vmpolicy_rules(int subnet_nsg, const struct nsgrule *subnet_rules, size_t nsubnet,
                       int nic_nsg, const struct nsgrule *nic_rules, size_t nnic)
{
    json_t *out = json_array();
    if (subnet_nsg)
        vmpolicy_stage(out, "subnet", subnet_rules, nsubnet);
    if (nic_nsg)
        vmpolicy_stage(out, "nic", nic_rules, nnic);
    return out;
}
