/* POST .../networkInterfaces/{nic}/effectiveNetworkSecurityGroups — ARM's
 * NetworkInterfaces_GetEffectiveNetworkSecurityGroups. ARM runs it as a
 * long-running POST (202 then the result); accelnet has everything at hand
 * and answers 200 with the result directly, which ARM's clients accept (a
 * long-running operation may end at once).
 *
 * The answer is ARM's EffectiveNetworkSecurityGroupListResult: one entry per
 * group that applies (the subnet's, then the NIC's), each with its
 * association and its effective rules (the group's own, then the default
 * rules), plus accelnet's extension `accelnetPolicy`: the generation the
 * database wants the NIC's host agent to have, the one the agent
 * acknowledged, and what the agent itself reports installed (GET /v1/nics on
 * its host, asked now), and whether they agree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/arm.h"
#include "api/netres.h"
#include "common/nsg_rule.h"
#include "common/util.h"
#include "db/host.h"
#include "db/nic.h"
#include "db/nsg.h"
#include "db/policy.h"
#include "db/resource_group.h"
#include "db/vm.h"
#include "service/agentclient.h"

#define EFF_NIC_TYPE "Microsoft.Network/networkInterfaces"

static json_t *eff_list(const struct nsgrule_addr *a, size_t n)
{
    char t[NSGRULE_TEXT_MAX];
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        nsgrule_addr_format(&a[i], t);
        json_array_append_new(arr, json_string(t));
    }
    return arr;
}

static json_t *eff_ports(const struct nsgrule_ports *p, size_t n)
{
    char t[NSGRULE_TEXT_MAX];
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        nsgrule_ports_format(&p[i], t);
        json_array_append_new(arr, json_string(t));
    }
    return arr;
}

/* One rule as ARM's EffectiveNetworkSecurityRule. */
static json_t *eff_rule(const char *kind, const struct nsgrule *r)
{
    json_t *src = eff_list(r->src, r->nsrc), *dst = eff_list(r->dst, r->ndst);
    json_t *sp = eff_ports(r->src_ports, r->nsrc_ports),
           *dp = eff_ports(r->dst_ports, r->ndst_ports);
    const char *proto = nsgrule_protocol_name(r->protocol);
    char *name = util_asprintf("%s/%s", kind, r->name ? r->name : "");
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:O, s:O, s:O, s:O, s:s, s:i, s:s}", "name", name,
                  "protocol", strcmp(proto, "*") == 0 ? "All" : proto, "sourcePortRange",
                  json_array_size(sp) == 1 ? json_string_value(json_array_get(sp, 0)) : "",
                  "destinationPortRange",
                  json_array_size(dp) == 1 ? json_string_value(json_array_get(dp, 0)) : "",
                  "sourceAddressPrefix",
                  json_array_size(src) == 1 ? json_string_value(json_array_get(src, 0)) : "",
                  "destinationAddressPrefix",
                  json_array_size(dst) == 1 ? json_string_value(json_array_get(dst, 0)) : "",
                  "sourcePortRanges", sp, "destinationPortRanges", dp, "sourceAddressPrefixes", src,
                  "destinationAddressPrefixes", dst, "access", nsgrule_access_name(r->access),
                  "priority", r->priority, "direction", nsgrule_direction_name(r->direction));
    free(name);
    json_decref(src);
    json_decref(dst);
    json_decref(sp);
    json_decref(dp);
    return o;
}

static json_t *eff_group(const char *sub, const char *nsg_id, const char *rg, const char *name,
                         json_t *association, const struct db_secrule *items, size_t n)
{
    char *id =
        arm_resource_id(sub, rg, "Microsoft.Network", "networkSecurityGroups", name, NULL, NULL);
    json_t *rules = json_array();
    for (size_t i = 0; i < n; i++)
        if (strcmp(items[i].nsg_id, nsg_id) == 0)
            json_array_append_new(rules, eff_rule("securityRules", &items[i].rule));
    size_t nd;
    const struct nsgrule *d = nsgrule_defaults(&nd);
    for (size_t i = 0; i < nd; i++)
        json_array_append_new(rules, eff_rule("defaultSecurityRules", &d[i]));
    json_t *o = json_pack("{s:{s:s}, s:o, s:o, s:{}}", "networkSecurityGroup", "id", id,
                          "association", association, "effectiveSecurityRules", rules, "tagMap");
    free(id);
    return o;
}

void api_nic_effective_nsgs(struct req *rq, struct reply *rp)
{
    const char *rg = netres_rg_param(rq, rp);
    const char *name =
        rg ? netres_name_param(rq, rp, "networkInterfaceName", "network interface") : NULL;
    if (!name)
        return;
    const char *sub = req_param(rq, "subscriptionId");
    struct db_conn *c;
    struct db_nic n = {0};
    struct db_policy_context ctx;
    struct db_policy_state *states = NULL;
    size_t nstates = 0;
    struct db_secrule *items = NULL;
    size_t nitems = 0;
    char *url = NULL, *token = NULL;
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        return;
    }
    st = db_nic_get(c, sub, rg, name, &n);
    if (st == DB_NOT_FOUND) {
        struct db_rg g = {0};
        st = db_rg_get(c, sub, rg, &g);
        db_rg_free(&g);
        if (st == DB_NOT_FOUND) {
            netres_rg_not_found(rp, rg);
        } else if (st != DB_OK) {
            reply_db_error(rp, rq, st);
        } else {
            char *w = util_asprintf(EFF_NIC_TYPE "/%s", name);
            netres_not_found(rp, w, rg);
            free(w);
        }
        db_release(rq->app->db, c);
        goto out;
    }
    const char *ids[2] = {n.id, NULL};
    if (st == DB_OK)
        st = db_policy_states(c, ids, 1, &states, &nstates);
    if (st == DB_OK)
        st = db_policy_nic_context(c, n.id, &ctx);
    if (st == DB_OK) {
        const char *nsgs[2];
        size_t k = 0;
        if (*ctx.subnet_nsg_id)
            nsgs[k++] = ctx.subnet_nsg_id;
        if (*ctx.nic_nsg_id)
            nsgs[k++] = ctx.nic_nsg_id;
        if (k)
            st = db_secrule_list(c, nsgs, k, NULL, 0, &items, &nitems);
    }
    const struct db_policy_state *ps = nstates == 1 ? &states[0] : NULL;
    if (st == DB_OK && ps && *ps->host) {
        enum db_status hs = db_host_agent_target(c, ps->host, &url, &token);
        if (hs != DB_OK && hs != DB_NOT_FOUND)
            st = hs;
    }
    db_release(rq->app->db, c);
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        goto out;
    }

    json_t *value = json_array();
    if (*ctx.subnet_nsg_id) {
        char *sid = arm_resource_id(sub, ctx.vnet_rg, "Microsoft.Network", "virtualNetworks",
                                    ctx.vnet_name, "subnets", ctx.subnet_name);
        json_array_append_new(
            value, eff_group(sub, ctx.subnet_nsg_id, ctx.subnet_nsg_rg, ctx.subnet_nsg_name,
                             json_pack("{s:{s:s}}", "subnet", "id", sid), items, nitems));
        free(sid);
    }
    if (*ctx.nic_nsg_id) {
        char *nid =
            arm_resource_id(sub, rg, "Microsoft.Network", "networkInterfaces", n.name, NULL, NULL);
        json_array_append_new(
            value, eff_group(sub, ctx.nic_nsg_id, ctx.nic_nsg_rg, ctx.nic_nsg_name,
                             json_pack("{s:{s:s}}", "networkInterface", "id", nid), items, nitems));
        free(nid);
    }

    /* What the host agent says it has. */
    json_t *pol = json_object();
    int has_vf = ps && ps->has_vf && *ps->host;
    json_object_set_new(pol, "virtualFunction", json_boolean(has_vf));
    if (has_vf) {
        json_object_set_new(pol, "host", json_string(ps->host));
        json_object_set_new(pol, "desiredGeneration", json_integer(ps->wanted));
        json_object_set_new(pol, "acknowledgedGeneration", json_integer(ps->acked));
        json_t *agent = json_object();
        long long installed = -1;
        if (url && rq->app->agents) {
            struct agentc_target t = {ps->host, url, token};
            struct agentc_nic *inv = NULL;
            size_t ninv = 0;
            struct agentc_error err = {0};
            if (agentc_inventory(rq->app->agents, &t, &inv, &ninv, &err) == 0) {
                json_object_set_new(agent, "reachable", json_true());
                installed = 0;
                for (size_t i = 0; i < ninv; i++)
                    if (strcasecmp(inv[i].nic_id, n.id) == 0)
                        installed = inv[i].policy_generation;
                if (installed > 0)
                    json_object_set_new(agent, "installedGeneration", json_integer(installed));
                else
                    json_object_set_new(agent, "installedGeneration", json_null());
            } else {
                json_object_set_new(agent, "reachable", json_false());
                json_object_set_new(agent, "error", json_string(err.message));
            }
            free(inv);
        } else {
            json_object_set_new(agent, "reachable", json_false());
            json_object_set_new(agent, "error", json_string("The host's agent has no URL."));
        }
        json_object_set_new(pol, "agent", agent);
        json_object_set_new(pol, "inSync",
                            json_boolean(installed == ps->wanted && ps->acked == ps->wanted));
    }
    reply_json(rp, 200, json_pack("{s:o, s:o}", "value", value, "accelnetPolicy", pol));
out:
    free(url);
    free(token);
    free(states);
    db_secrule_list_free(items, nitems);
    db_nic_free(&n);
}
