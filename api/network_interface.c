/* Network interfaces (Microsoft.Network):
 *
 *   .../resourceGroups/{rg}/providers/Microsoft.Network/networkInterfaces[/{name}]
 *   /subscriptions/{sub}/providers/Microsoft.Network/networkInterfaces
 *
 * A NIC has one or more IP configurations, each in a subnet of one virtual
 * network in the NIC's location, exactly one of them primary. Private
 * addresses are managed here (api/ipam.h for the arithmetic): under the
 * advisory lock of every subnet concerned, Static takes the requested
 * address, Dynamic the lowest free one, and a configuration that stays in its
 * subnet keeps its address (a replace never reallocates). The UNIQUE
 * (subnet_id, private_ip) constraint is the last word: a violation despite
 * the locks re-runs the transaction, whose checks then give a clean answer.
 *
 * enableAcceleratedNetworking is fixed at creation (api/nic_policy.h): a PUT
 * or PATCH that sends the other value for an existing NIC is refused; a PUT
 * that leaves it out keeps it. Creating a NIC with it enabled needs the
 * subscription's feature registration and an eligible location
 * (api/eligibility.h, the rule the check endpoint shows).
 *
 * The MAC address is assigned at creation from a sequence (00-0D-3A-xx-xx-xx)
 * and never changes. A NIC attached to a virtual machine cannot be deleted. */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/arm.h"
#include "api/eligibility.h"
#include "api/ipam.h"
#include "api/netres.h"
#include "api/nic_policy.h"
#include "api/operation.h"
#include "common/jspec.h"
#include "common/util.h"
#include "db/catalog.h"
#include "db/nic.h"
#include "db/policy.h"
#include "db/resource_group.h"
#include "db/vm.h"
#include "db/vnet.h"

#define NIC_TYPE          "networkInterfaces"
#define NIC_TYPE_FULL     NETRES_PROVIDER "/" NIC_TYPE
#define IPCONFIG_TYPE     "ipConfigurations"
#define NIC_MAX_IPCONFIGS 256
#define NIC_AN_MEMBER     "properties.enableAcceleratedNetworking"

/* --- rendering ------------------------------------------------------------ */

static json_t *nic_ref_json(char *id /* stolen */)
{
    json_t *o = json_pack("{s:s}", "id", id);
    free(id);
    return o;
}

static json_t *nic_json(const struct db_nic *n)
{
    char *id = arm_resource_id(n->subscription_id, n->rg_name, NETRES_PROVIDER, NIC_TYPE, n->name,
                               NULL, NULL);
    char *etag = arm_etag(n->etag);
    json_t *tags = json_loads(n->tags, 0, NULL);
    json_t *configs = json_array();
    for (size_t i = 0; i < n->nconfigs; i++) {
        const struct db_ipconfig *ic = &n->configs[i];
        char *cid = arm_resource_id(n->subscription_id, n->rg_name, NETRES_PROVIDER, NIC_TYPE,
                                    n->name, IPCONFIG_TYPE, ic->name);
        char *cetag = arm_etag(ic->etag);
        char *sid = arm_resource_id(n->subscription_id, ic->vnet_rg, NETRES_PROVIDER,
                                    "virtualNetworks", ic->vnet_name, "subnets", ic->subnet_name);
        json_array_append_new(
            configs,
            json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:o, s:b}}", "id", cid, "name",
                      ic->name, "etag", cetag, "type", NIC_TYPE_FULL "/" IPCONFIG_TYPE,
                      "properties", "provisioningState", "Succeeded", "privateIPAddress", ic->ip,
                      "privateIPAllocationMethod", ic->method, "privateIPAddressVersion", "IPv4",
                      "subnet", nic_ref_json(sid), "primary", ic->primary));
        free(cid);
        free(cetag);
    }
    json_t *props = json_pack("{s:s, s:s, s:s, s:b, s:b, s:o}", "provisioningState",
                              n->provisioning_state, "resourceGuid", n->id, "macAddress", n->mac,
                              "enableAcceleratedNetworking", n->accelerated_networking,
                              "enableIPForwarding", n->ip_forwarding, "ipConfigurations", configs);
    if (*n->nsg_id)
        json_object_set_new(
            props, "networkSecurityGroup",
            nic_ref_json(arm_resource_id(n->subscription_id, n->nsg_rg, NETRES_PROVIDER,
                                         "networkSecurityGroups", n->nsg_name, NULL, NULL)));
    if (*n->vm_id)
        json_object_set_new(
            props, "virtualMachine",
            nic_ref_json(arm_resource_id(n->subscription_id, n->vm_rg, "Microsoft.Compute",
                                         "virtualMachines", n->vm_name, NULL, NULL)));
    /* The VF that backs it while its VM runs (what the guest sees as the
     * "Mellanox ConnectX-3 Virtual Function Ethernet Adapter"). */
    if (*n->vf.host && n->vf.index >= 0) {
        json_t *vf = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s}", "host", n->vf.host, "pf", n->vf.pf,
                               "vfIndex", (int)n->vf.index, "pciAddress", n->vf.pci_address,
                               "driver", n->vf.driver, "guestDriver", n->vf.guest_driver);
        /* Fallback while its host is serviced (the VF revoked, traffic on the
         * synthetic path), and since when. */
        if (*n->vf.state)
            json_object_set_new(vf, "state", json_string(n->vf.state));
        if (*n->vf.state_changed_at)
            json_object_set_new(vf, "stateChangedAt", json_string(n->vf.state_changed_at));
        json_object_set_new(props, "virtualFunction", vf);
    }
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:o}", "id", id, "name", n->name, "type",
                          NIC_TYPE_FULL, "location", n->location, "tags",
                          tags ? tags : json_object(), "etag", etag, "properties", props);
    free(id);
    free(etag);
    return o;
}

/* --- request bodies ------------------------------------------------------- */

struct ipconfig_in {
    const char *name;
    const json_t *subnet_ref;
    const char *method;
    const char *address;
    const char *version;
    int primary;
    int primary_present;
    char *path; /* "properties.ipConfigurations[N]." (owned) */
    /* checked */
    struct arm_id subnet; /* the reference, when subnet_ok */
    int subnet_ok;
    int is_static;
    uint32_t addr; /* privateIPAddress, when addr_ok */
    int addr_ok;
    /* resolved in the transaction */
    char subnet_id[37];
    char vnet_id[37];
    struct ipam_prefix prefix;
    char subnet_name[DB_NET_NAME_MAX + 1];
    const struct db_ipconfig *cur; /* the current configuration of that name */
    uint32_t ip;                   /* the address it gets */
    int has_ip;
};

static const char *const nic_methods[] = {"Dynamic", "Static", NULL};
static const char *const nic_ip_versions[] = {"IPv4", NULL};

static const struct jspec ipconfig_properties_spec[] = {
    {.name = "subnet",
     .type = JSPEC_T_OBJECT,
     .flags = JSPEC_REQUIRED,
     .offset = offsetof(struct ipconfig_in, subnet_ref),
     .present_offset = JSPEC__NONE,
     .check = netres_ref_object_problem},
    JSPEC_STRING("privateIPAllocationMethod", struct ipconfig_in, method, 0, .one_of = nic_methods),
    JSPEC_STRING("privateIPAddress", struct ipconfig_in, address, 0, .min_len = 1, .max_len = 15),
    JSPEC_STRING("privateIPAddressVersion", struct ipconfig_in, version, 0,
                 .one_of = nic_ip_versions),
    {.name = "primary",
     .type = JSPEC_T_BOOL,
     .offset = offsetof(struct ipconfig_in, primary),
     .present_offset = offsetof(struct ipconfig_in, primary_present)},
    NETRES_IGNORED("provisioningState", JSPEC_T_STRING),
    JSPEC_END,
};

static const struct jspec ipconfig_spec[] = {
    JSPEC_STRING("name", struct ipconfig_in, name, JSPEC_REQUIRED, .min_len = 1, .max_len = 80),
    JSPEC_OBJECT("properties", JSPEC_REQUIRED, ipconfig_properties_spec),
    NETRES_IGNORED("id", JSPEC_T_STRING),
    NETRES_IGNORED("etag", JSPEC_T_STRING),
    NETRES_IGNORED("type", JSPEC_T_STRING),
    JSPEC_END,
};

struct nic_put_req {
    const char *location;
    const json_t *tags;
    const char *name;
    const json_t *configs;
    const json_t *nsg_ref;
    int an;
    int an_present;
    int ip_forwarding;
};

static const struct jspec nic_properties_spec[] = {
    /* Elements are checked one by one (ipconfig_spec). */
    {.name = "ipConfigurations",
     .type = JSPEC_T_ARRAY,
     .flags = JSPEC_REQUIRED,
     .offset = offsetof(struct nic_put_req, configs),
     .present_offset = JSPEC__NONE,
     .item_type = JSPEC_T_ANY,
     .min_len = 1,
     .max_len = NIC_MAX_IPCONFIGS},
    {.name = "networkSecurityGroup",
     .type = JSPEC_T_OBJECT,
     .offset = offsetof(struct nic_put_req, nsg_ref),
     .present_offset = JSPEC__NONE,
     .check = netres_ref_object_problem},
    {.name = "enableAcceleratedNetworking",
     .type = JSPEC_T_BOOL,
     .offset = offsetof(struct nic_put_req, an),
     .present_offset = offsetof(struct nic_put_req, an_present)},
    JSPEC_BOOL("enableIPForwarding", struct nic_put_req, ip_forwarding, 0),
    /* Read-only. */
    NETRES_IGNORED("provisioningState", JSPEC_T_STRING),
    NETRES_IGNORED("resourceGuid", JSPEC_T_STRING),
    NETRES_IGNORED("macAddress", JSPEC_T_STRING),
    NETRES_IGNORED("virtualMachine", JSPEC_T_OBJECT),
    NETRES_IGNORED("virtualFunction", JSPEC_T_OBJECT),
    NETRES_IGNORED("primary", JSPEC_T_BOOL),
    JSPEC_END,
};

static const struct jspec nic_put_spec[] = {
    JSPEC_STRING("location", struct nic_put_req, location, JSPEC_REQUIRED, .min_len = 1,
                 .max_len = 64),
    JSPEC_FIELD("tags", JSPEC_T_OBJECT, struct nic_put_req, tags, 0, .check = arm_tags_problem),
    JSPEC_OBJECT("properties", JSPEC_REQUIRED, nic_properties_spec),
    JSPEC_STRING("name", struct nic_put_req, name, 0),
    NETRES_IGNORED("id", JSPEC_T_STRING),
    NETRES_IGNORED("type", JSPEC_T_STRING),
    NETRES_IGNORED("etag", JSPEC_T_STRING),
    JSPEC_END,
};

/* Path of a member of configuration c; caller frees. */
static char *ipc_path(const struct ipconfig_in *c, const char *member)
{
    return util_asprintf("%s%s", c->path, member);
}

/* Checks configuration c without the database. */
static void ipconfig_check(struct ipconfig_in *c, const char *sub, struct err *e)
{
    char *path;
    if (c->name) {
        const char *why = arm_network_name_problem(c->name);
        if (why) {
            path = ipc_path(c, "name");
            err_add_detail(e, ERR_INVALID_RESOURCE_NAME, path,
                           "The IP configuration name '%s' is not valid: it %s.", c->name, why);
            free(path);
        }
    }
    c->is_static = c->method && strcasecmp(c->method, "Static") == 0;
    if (c->address) {
        path = ipc_path(c, "properties.privateIPAddress");
        if (ipam_addr_parse(c->address, &c->addr) != 0)
            err_add_detail(e, ERR_INVALID_REQUEST_CONTENT, path,
                           "'%s' is not an IPv4 address (for example 10.0.0.4).", c->address);
        else
            c->addr_ok = 1;
        free(path);
    } else if (c->is_static) {
        path = ipc_path(c, "properties.privateIPAddress");
        err_add_detail(e, ERR_INVALID_REQUEST_CONTENT, path,
                       "'%s' is required when privateIPAllocationMethod is Static: it is the "
                       "address to take.",
                       path);
        free(path);
    }
    const char *ref = netres_ref_id(c->subnet_ref);
    if (ref) {
        const char *why =
            arm_ref_problem(ref, sub, NETRES_PROVIDER, "virtualNetworks", "subnets", &c->subnet);
        if (why) {
            path = ipc_path(c, "properties.subnet.id");
            err_add_detail(e, ERR_INVALID_RESOURCE_REFERENCE, path,
                           "The subnet reference '%s' %s (expected /subscriptions/%s/"
                           "resourceGroups/{group}/providers/Microsoft.Network/virtualNetworks/"
                           "{vnet}/subnets/{subnet}).",
                           ref, why, sub);
            free(path);
            arm_id_free(&c->subnet);
        } else {
            c->subnet_ok = 1;
        }
    }
}

/* --- PUT ------------------------------------------------------------------ */

enum nic_outcome {
    NIC_CREATED,
    NIC_UPDATED,
    NIC_UNCHANGED,
    NIC_PRECONDITION,
    NIC_RG_MISSING,
    NIC_MISSING,
    NIC_MOVED,
    NIC_INVALID,
    NIC_DELETED,
};

struct nic_put_tx {
    const struct req *rq;
    struct reply *rp;
    const char *sub, *rg, *name, *location;
    const json_t *tags;
    struct nic_put_req *in;
    struct ipconfig_in *configs;
    size_t nconfigs;
    struct arm_id nsg; /* when nsg_ok */
    int nsg_ok;
    /* outcome */
    enum nic_outcome outcome;
    struct err err;
    char cur_location[65];
    struct db_nic cur;
    struct db_nic out;
    char op_id[37]; /* the policy.push of an NSG change under a VF ("" when none) */
};

/* The addresses other NICs hold in a subnet, fetched once per subnet. */
struct nic_subnet_used {
    const char *subnet_id;
    uint32_t *addrs;
    size_t n;
};

static enum db_status nic_used(struct db_conn *c, struct nic_subnet_used **cache, size_t *ncache,
                               const char *subnet_id, const char *except_nic,
                               struct nic_subnet_used **out)
{
    for (size_t i = 0; i < *ncache; i++) {
        if (strcmp((*cache)[i].subnet_id, subnet_id) == 0) {
            *out = &(*cache)[i];
            return DB_OK;
        }
    }
    *cache = util_xrealloc(*cache, (*ncache + 1) * sizeof(**cache));
    struct nic_subnet_used *u = &(*cache)[*ncache];
    u->subnet_id = subnet_id;
    enum db_status st = db_subnet_addresses(c, subnet_id, except_nic, &u->addrs, &u->n);
    if (st != DB_OK)
        return st;
    (*ncache)++;
    *out = u;
    return DB_OK;
}

static int nic_addr_in(const uint32_t *addrs, size_t n, uint32_t a)
{
    for (size_t i = 0; i < n; i++)
        if (addrs[i] == a)
            return 1;
    return 0;
}

/* Resolves every subnet reference (exists, VNet in the NIC's location, one
 * VNet for all). Problems to t->err. */
static enum db_status nic_resolve_subnets(struct db_conn *c, struct nic_put_tx *t)
{
    enum db_status st = DB_OK;
    const char *first_vnet = NULL, *first_vnet_name = NULL;
    for (size_t i = 0; i < t->nconfigs && st == DB_OK; i++) {
        struct ipconfig_in *ic = &t->configs[i];
        struct db_vnet v = {0};
        struct db_subnet s;
        if (!ic->subnet_ok)
            continue;
        char *path = ipc_path(ic, "properties.subnet.id");
        st =
            db_vnet_get(c, ic->subnet.subscription, ic->subnet.resource_group, ic->subnet.name, &v);
        if (st == DB_OK)
            st = db_subnet_get(c, v.id, ic->subnet.child_name, &s);
        if (st == DB_NOT_FOUND) {
            st = DB_OK;
            err_add_detail(&t->err, ERR_INVALID_RESOURCE_REFERENCE, path,
                           "The subnet '%s' of virtual network '%s' in resource group '%s' was "
                           "not found.",
                           ic->subnet.child_name, ic->subnet.name, ic->subnet.resource_group);
        } else if (st == DB_OK && strcmp(v.location, t->location) != 0) {
            err_add_detail(&t->err, ERR_INVALID_RESOURCE_REFERENCE, path,
                           "The subnet '%s' belongs to virtual network '%s' in location '%s'; a "
                           "network interface in '%s' can only use subnets of virtual networks "
                           "in '%s'.",
                           s.name, v.name, v.location, t->location, t->location);
        } else if (st == DB_OK) {
            snprintf(ic->subnet_id, sizeof(ic->subnet_id), "%s", s.id);
            snprintf(ic->vnet_id, sizeof(ic->vnet_id), "%s", v.id);
            snprintf(ic->subnet_name, sizeof(ic->subnet_name), "%s", s.name);
            if (ipam_prefix_parse(s.prefix, &ic->prefix) != IPAM_OK)
                st = DB_ERROR; /* the database holds only canonical prefixes */
            if (!first_vnet) {
                first_vnet = ic->vnet_id;
                first_vnet_name = ic->subnet.name;
            } else if (strcmp(first_vnet, ic->vnet_id) != 0) {
                err_add_detail(&t->err, ERR_NIC_IP_CONFIGURATIONS_VNETS, path,
                               "All IP configurations of a network interface must be in subnets "
                               "of one virtual network: this one is in '%s', an earlier one in "
                               "'%s'.",
                               v.name, first_vnet_name);
            }
        }
        free(path);
        db_vnet_free(&v);
    }
    return st;
}

/* Gives every configuration its address. Problems to t->err. */
static enum db_status nic_allocate(struct db_conn *c, struct nic_put_tx *t, int exists)
{
    struct nic_subnet_used *cache = NULL;
    size_t ncache = 0;
    enum db_status st = DB_OK;
    const char *except = exists ? t->cur.id : NULL;

    /* Claims first (kept and Static addresses), then Dynamic ones in order. */
    for (int pass = 0; pass < 2 && st == DB_OK; pass++) {
        for (size_t i = 0; i < t->nconfigs && st == DB_OK; i++) {
            struct ipconfig_in *ic = &t->configs[i];
            struct nic_subnet_used *u;
            if (!*ic->subnet_id || ic->has_ip)
                continue;
            int same_subnet = ic->cur && strcmp(ic->cur->subnet_id, ic->subnet_id) == 0;
            uint32_t cur_ip = 0;
            if (same_subnet && ipam_addr_parse(ic->cur->ip, &cur_ip) != 0)
                same_subnet = 0;
            int want_specific = ic->is_static || (ic->addr_ok && !ic->is_static);
            if (pass == 1 && want_specific)
                continue;
            if (pass == 0 && !want_specific && !same_subnet)
                continue;
            st = nic_used(c, &cache, &ncache, ic->subnet_id, except, &u);
            if (st != DB_OK)
                break;
            char *path = ipc_path(ic, "properties.privateIPAddress");
            char a[IPAM_ADDR_STRLEN], p[IPAM_PREFIX_STRLEN];
            ipam_prefix_format(&ic->prefix, p);
            if (pass == 0 && !ic->is_static && ic->addr_ok &&
                !(same_subnet && cur_ip == ic->addr)) {
                /* Dynamic with an address it does not hold. */
                err_add_detail(&t->err, ERR_INVALID_REQUEST_CONTENT, path,
                               "A Dynamic IP configuration gets its address from the service: "
                               "'%s' may only repeat the address it already has. Leave it out "
                               "to get the lowest free address of the subnet, or set "
                               "privateIPAllocationMethod to Static to ask for %s.",
                               path, ic->address);
                free(path);
                continue;
            }
            uint32_t want = 0;
            int ok = 1;
            if (pass == 0 && ic->is_static) {
                want = ic->addr;
                ipam_addr_format(want, a);
                if (!ipam_has(&ic->prefix, want)) {
                    err_add_detail(&t->err, ERR_PRIVATE_IP_NOT_IN_SUBNET, path,
                                   "The private IP address %s is not in subnet '%s' (%s). Use "
                                   "an address of the subnet, or Dynamic allocation.",
                                   a, ic->subnet_name, p);
                    ok = 0;
                } else if (ipam_reserved(&ic->prefix, want)) {
                    err_add_detail(&t->err, ERR_PRIVATE_IP_RESERVED, path,
                                   "The private IP address %s is reserved in subnet '%s' (%s): "
                                   "the first four addresses and the last of a subnet are. Use "
                                   "another address of the subnet.",
                                   a, ic->subnet_name, p);
                    ok = 0;
                } else if (!(same_subnet && cur_ip == want) && nic_addr_in(u->addrs, u->n, want)) {
                    err_add_detail(&t->err, ERR_PRIVATE_IP_IN_USE, path,
                                   "The private IP address %s of subnet '%s' is already in use "
                                   "by another network interface. Choose another address, or "
                                   "use Dynamic allocation.",
                                   a, ic->subnet_name);
                    ok = 0;
                }
            } else if (pass == 0) {
                want = cur_ip; /* keeps its address */
            } else {
                /* The lowest free address: used = other NICs' + claimed. */
                size_t n = u->n;
                uint32_t *all = util_xcalloc(n + t->nconfigs + 1, sizeof(uint32_t));
                memcpy(all, u->addrs, n * sizeof(uint32_t));
                for (size_t j = 0; j < t->nconfigs; j++)
                    if (t->configs[j].has_ip && strcmp(t->configs[j].subnet_id, ic->subnet_id) == 0)
                        all[n++] = t->configs[j].ip;
                ipam_sort(all, n);
                if (ipam_lowest_free(&ic->prefix, all, n, &want) != 0) {
                    char *spath = ipc_path(ic, "properties.subnet.id");
                    err_add_detail(&t->err, ERR_SUBNET_IS_FULL, spath,
                                   "Subnet '%s' (%s) has no free address: all %llu usable "
                                   "addresses are in use. Use another subnet, or free an "
                                   "address.",
                                   ic->subnet_name, p,
                                   (unsigned long long)ipam_usable_count(&ic->prefix));
                    free(spath);
                    ok = 0;
                }
                free(all);
            }
            if (ok) {
                /* Two configurations of this request asking for one address. */
                for (size_t j = 0; j < t->nconfigs && ok; j++) {
                    const struct ipconfig_in *o = &t->configs[j];
                    if (o->has_ip && o->ip == want && strcmp(o->subnet_id, ic->subnet_id) == 0) {
                        ipam_addr_format(want, a);
                        err_add_detail(&t->err, ERR_PRIVATE_IP_IN_USE, path,
                                       "The private IP address %s is also asked for by %sname "
                                       "'%s'; each IP configuration needs its own address.",
                                       a, o->path, o->name);
                        ok = 0;
                    }
                }
            }
            if (ok) {
                ic->ip = want;
                ic->has_ip = 1;
            }
            free(path);
        }
    }
    for (size_t i = 0; i < ncache; i++)
        free(cache[i].addrs);
    free(cache);
    return st;
}

/* 1 when configuration ic would be stored exactly as cur is. */
static int ipconfig_same(const struct ipconfig_in *ic, const struct db_ipconfig *cur, int primary)
{
    char a[IPAM_ADDR_STRLEN];
    if (!cur || strcmp(cur->subnet_id, ic->subnet_id) != 0 || cur->primary != primary ||
        strcmp(cur->method, ic->is_static ? "Static" : "Dynamic") != 0)
        return 0;
    ipam_addr_format(ic->ip, a);
    return strcmp(cur->ip, a) == 0;
}

/* Whether configuration i is the primary one (a single one always is). */
static int ipconfig_primary(const struct nic_put_tx *t, size_t i)
{
    return t->nconfigs == 1 || t->configs[i].primary;
}

static enum db_status nic_put_run(struct db_conn *c, void *arg)
{
    struct nic_put_tx *t = arg;
    struct db_rg g = {0};
    char nsg_id[37] = "";
    enum db_status st;

    db_nic_free(&t->cur);
    db_nic_free(&t->out);
    memset(&t->cur, 0, sizeof(t->cur));
    err_clear(&t->err);
    for (size_t i = 0; i < t->nconfigs; i++) {
        struct ipconfig_in *ic = &t->configs[i];
        ic->subnet_id[0] = ic->vnet_id[0] = '\0';
        ic->cur = NULL;
        ic->has_ip = 0;
    }

    st = netres_lock(c, t->sub, t->rg, NIC_TYPE, t->name);
    if (st == DB_OK)
        st = db_rg_get(c, t->sub, t->rg, &g);
    db_rg_free(&g);
    if (st == DB_NOT_FOUND) {
        t->outcome = NIC_RG_MISSING;
        return DB_OK;
    }
    if (st != DB_OK)
        return st;
    st = db_nic_get(c, t->sub, t->rg, t->name, &t->cur);
    if (st != DB_OK && st != DB_NOT_FOUND)
        return st;
    int exists = st == DB_OK;
    if (arm_preconditions(t->rq, t->rp, exists ? t->cur.etag : NULL) != 0) {
        t->outcome = NIC_PRECONDITION;
        return DB_OK;
    }
    if (exists && strcmp(t->cur.location, t->location) != 0) {
        snprintf(t->cur_location, sizeof(t->cur_location), "%s", t->cur.location);
        t->outcome = NIC_MOVED;
        return DB_OK;
    }
    int an = exists && !t->in->an_present ? t->cur.accelerated_networking : t->in->an;
    if (exists && an != t->cur.accelerated_networking) {
        struct nic_an_subject subj = {.attached = *t->cur.vm_id != '\0'};
        if (!nic_policy_allows_an_change(NIC_AN_POLICY_DEFAULT, &subj))
            err_add_detail(&t->err, ERR_AN_CHANGE_ON_EXISTING_NIC, NIC_AN_MEMBER,
                           "Network interface '%s' has enableAcceleratedNetworking %s. %s",
                           t->cur.name, t->cur.accelerated_networking ? "true" : "false",
                           nic_policy_an_refusal(NIC_AN_POLICY_DEFAULT));
    }

    /* Lock every subnet concerned (old and new), sorted, then judge. */
    char **keys = util_xcalloc(t->nconfigs + t->cur.nconfigs + 1, sizeof(char *));
    size_t nkeys = 0;
    for (size_t i = 0; i < t->nconfigs; i++) {
        const struct ipconfig_in *ic = &t->configs[i];
        if (!ic->subnet_ok)
            continue;
        char *child = util_asprintf("%s/subnets/%s", ic->subnet.name, ic->subnet.child_name);
        keys[nkeys++] =
            netres_lock_key(t->sub, ic->subnet.resource_group, "virtualNetworks", child);
        free(child);
    }
    for (size_t i = 0; i < t->cur.nconfigs; i++) {
        const struct db_ipconfig *ic = &t->cur.configs[i];
        char *child = util_asprintf("%s/subnets/%s", ic->vnet_name, ic->subnet_name);
        keys[nkeys++] = netres_lock_key(t->sub, ic->vnet_rg, "virtualNetworks", child);
        free(child);
    }
    st = netres_lock_all(c, keys, nkeys);
    for (size_t i = 0; i < nkeys; i++)
        free(keys[i]);
    free(keys);
    if (st == DB_OK)
        st = nic_resolve_subnets(c, t);
    if (st != DB_OK)
        return st;

    if (t->nsg_ok) {
        char loc[65];
        st = db_vnet_nsg_find(c, t->nsg.subscription, t->nsg.resource_group, t->nsg.name, nsg_id,
                              loc);
        if (st == DB_NOT_FOUND) {
            st = DB_OK;
            nsg_id[0] = '\0';
            err_add_detail(&t->err, ERR_INVALID_RESOURCE_REFERENCE,
                           "properties.networkSecurityGroup.id",
                           "The network security group '%s' in resource group '%s' was not "
                           "found.",
                           t->nsg.name, t->nsg.resource_group);
        } else if (st == DB_OK && strcmp(loc, t->location) != 0) {
            err_add_detail(&t->err, ERR_INVALID_RESOURCE_REFERENCE,
                           "properties.networkSecurityGroup.id",
                           "The network security group '%s' is in location '%s'; a network "
                           "interface in '%s' can only use a network security group in '%s'.",
                           t->nsg.name, loc, t->location, t->location);
        } else if (st != DB_OK) {
            return st;
        }
    }

    /* Eligibility, when a NIC is created with Accelerated Networking. */
    if (!exists && an) {
        struct elig_result res = {0};
        struct elig_query q = {.location = t->location};
        st = elig_check(c, t->sub, &q, &res);
        if (st != DB_OK)
            return st;
        for (size_t i = 0; i < res.nreasons; i++) {
            const struct elig_reason *x = &res.reasons[i];
            err_add_detail(&t->err, x->code,
                           x->condition == ELIG_LOCATION ? "location" : NIC_AN_MEMBER, "%s",
                           x->message);
        }
        elig_result_free(&res);
    }

    /* Addresses: only once every reference is sound. */
    for (size_t i = 0; i < t->nconfigs; i++)
        for (size_t j = 0; j < t->cur.nconfigs && !t->configs[i].cur; j++)
            if (strcasecmp(t->cur.configs[j].name, t->configs[i].name) == 0)
                t->configs[i].cur = &t->cur.configs[j];
    if (!t->err.ndetails)
        st = nic_allocate(c, t, exists);
    if (st != DB_OK)
        return st;
    if (t->err.ndetails) {
        netres_err_finish(&t->err);
        t->outcome = NIC_INVALID;
        return DB_OK;
    }

    if (exists) {
        json_t *had = json_loads(t->cur.tags, 0, NULL);
        int same = had && json_equal(had, (json_t *)t->tags) &&
                   t->cur.ip_forwarding == t->in->ip_forwarding &&
                   strcmp(t->cur.nsg_id, nsg_id) == 0 && t->cur.nconfigs == t->nconfigs;
        json_decref(had);
        for (size_t i = 0; i < t->nconfigs && same; i++)
            same = ipconfig_same(&t->configs[i], t->configs[i].cur, ipconfig_primary(t, i));
        if (same) {
            t->outcome = NIC_UNCHANGED;
            t->out = t->cur;
            memset(&t->cur, 0, sizeof(t->cur));
            return DB_OK;
        }
        /* The addresses and the policy of a NIC whose VM runs are with its
         * VF on the host's agent: a change there could not take effect, so
         * it is refused until the VM is deallocated (then its next start
         * attaches a VF with what the NIC says). */
        int configs_same = t->cur.nconfigs == t->nconfigs;
        for (size_t i = 0; i < t->nconfigs && configs_same; i++)
            configs_same = ipconfig_same(&t->configs[i], t->configs[i].cur, ipconfig_primary(t, i));
        /* The NSG may change: its new policy is pushed to the VF's agent. */
        if (!configs_same) {
            char power[16] = "";
            if (*t->cur.vm_id) {
                st = db_vm_power_for_share(c, t->cur.vm_id, power);
                if (st != DB_OK && st != DB_NOT_FOUND)
                    return st;
                st = DB_OK;
            }
            int live = (*t->cur.vm_id && strcmp(power, "deallocated") != 0) || *t->cur.vf.host;
            if (live && t->cur.accelerated_networking) {
                err_set(&t->err, ERR_VM_MUST_BE_DEALLOCATED, "properties.ipConfigurations",
                        "Network interface '%s' has Accelerated Networking and its virtual "
                        "machine %s is %s: its IP configurations cannot change until the "
                        "virtual machine is deallocated (POST .../deallocate), when its next "
                        "start applies them. Its network security group can change at any time.",
                        t->cur.name, t->cur.vm_name[0] ? t->cur.vm_name : "(being released)",
                        power[0] ? power : "releasing its virtual function");
                t->outcome = NIC_INVALID;
                return DB_OK;
            }
        }
    }

    /* Write: the NIC, then its configurations anew (ids and etags of those
     * that did not change are kept). */
    char etag[37], nic_id[37];
    char *tags = json_dumps(t->tags, JSON_COMPACT);
    util_uuid4(etag);
    if (exists) {
        snprintf(nic_id, sizeof(nic_id), "%s", t->cur.id);
        st = db_nic_update(c, nic_id, tags, etag, t->in->ip_forwarding, *nsg_id ? nsg_id : NULL);
        if (st == DB_OK)
            st = db_ipconfig_delete_all(c, nic_id);
    } else {
        util_uuid4(nic_id);
        st = db_nic_insert(c, nic_id, t->sub, t->rg, t->name, t->location, tags, etag, an,
                           t->in->ip_forwarding, *nsg_id ? nsg_id : NULL);
    }
    free(tags);
    for (size_t i = 0; i < t->nconfigs && st == DB_OK; i++) {
        const struct ipconfig_in *ic = &t->configs[i];
        char id[37], cetag[37], a[IPAM_ADDR_STRLEN];
        int primary = ipconfig_primary(t, i);
        if (ic->cur)
            snprintf(id, sizeof(id), "%s", ic->cur->id);
        else
            util_uuid4(id);
        if (ipconfig_same(ic, ic->cur, primary))
            snprintf(cetag, sizeof(cetag), "%s", ic->cur->etag);
        else
            util_uuid4(cetag);
        ipam_addr_format(ic->ip, a);
        /* A configuration keeps the name it was created with. */
        st = db_ipconfig_insert(c, id, nic_id, ic->cur ? ic->cur->name : ic->name, cetag,
                                ic->subnet_id, a, ic->is_static ? "Static" : "Dynamic", primary);
    }
    /* A constraint said no despite the locks (a subnet, NSG or group deleted
     * by a writer we do not lock against): run again, the checks then see
     * why. */
    if (st == DB_CONFLICT)
        st = DB_RETRY;
    /* A new NSG on a NIC with a VF: its agent gets the new policy. */
    t->op_id[0] = '\0';
    if (st == DB_OK && exists && t->cur.accelerated_networking &&
        strcmp(t->cur.nsg_id, nsg_id) != 0) {
        char *rid = arm_resource_id(t->sub, t->cur.rg_name, NETRES_PROVIDER, "networkInterfaces",
                                    t->cur.name, NULL, NULL);
        st = db_policy_enqueue_nic(c, nic_id, t->sub, t->cur.location, rid, t->op_id);
        free(rid);
    }
    if (st == DB_OK)
        st = db_nic_get(c, t->sub, t->rg, t->name, &t->out);
    t->outcome = exists ? NIC_UPDATED : NIC_CREATED;
    return st;
}

/* Parses and checks the body (what needs no database). Problems to e. */
static void nic_put_parse(struct req *rq, const char *name, struct nic_put_req *in,
                          struct nic_put_tx *t, struct err *e)
{
    jspec_parse(rq->body, nic_put_spec, in, "", JSPEC_STRICT, e);
    if (in->name && strcasecmp(in->name, name) != 0)
        err_add_detail(e, ERR_INVALID_REQUEST_CONTENT, "name",
                       "'name' is '%s' but the path names '%s'; leave it out or make them agree.",
                       in->name, name);
    const char *ref = netres_ref_id(in->nsg_ref);
    if (ref) {
        const char *why =
            arm_ref_problem(ref, t->sub, NETRES_PROVIDER, "networkSecurityGroups", NULL, &t->nsg);
        if (why) {
            err_add_detail(e, ERR_INVALID_RESOURCE_REFERENCE, "properties.networkSecurityGroup.id",
                           "The network security group reference '%s' %s.", ref, why);
            arm_id_free(&t->nsg);
        } else {
            t->nsg_ok = 1;
        }
    }
    size_t n = json_array_size(in->configs);
    size_t nprimary = 0, explicit_false = 0;
    t->configs = util_xcalloc(n ? n : 1, sizeof(*t->configs));
    for (size_t i = 0; i < n; i++) {
        struct ipconfig_in *ic = &t->configs[i];
        char *path = util_asprintf("properties.ipConfigurations[%zu]", i);
        ic->path = util_asprintf("%s.", path);
        t->nconfigs++;
        jspec_parse(json_array_get(in->configs, i), ipconfig_spec, ic, path, JSPEC_STRICT, e);
        free(path);
        ipconfig_check(ic, t->sub, e);
        nprimary += ic->primary_present && ic->primary;
        explicit_false += ic->primary_present && !ic->primary;
        for (size_t j = 0; j < i && ic->name; j++) {
            if (t->configs[j].name && strcasecmp(t->configs[j].name, ic->name) == 0) {
                char *np = ipc_path(ic, "name");
                err_add_detail(e, ERR_INVALID_REQUEST_CONTENT, np,
                               "The IP configuration name '%s' appears twice (also "
                               "properties.ipConfigurations[%zu]); names are unique ignoring "
                               "case.",
                               ic->name, j);
                free(np);
                break;
            }
        }
    }
    if (n == 1 && explicit_false)
        err_add_detail(e, ERR_NIC_PRIMARY_IP_CONFIGURATION,
                       "properties.ipConfigurations[0].properties.primary",
                       "The only IP configuration of a network interface is its primary one: "
                       "leave primary out or set it to true.");
    else if (n > 1 && nprimary != 1)
        err_add_detail(e, ERR_NIC_PRIMARY_IP_CONFIGURATION, "properties.ipConfigurations",
                       "A network interface with several IP configurations needs exactly one "
                       "with primary set to true; %zu %s.",
                       nprimary, nprimary == 1 ? "has" : "have");
}

static void nic_put_tx_free(struct nic_put_tx *t)
{
    for (size_t i = 0; i < t->nconfigs; i++) {
        arm_id_free(&t->configs[i].subnet);
        free(t->configs[i].path);
    }
    free(t->configs);
    arm_id_free(&t->nsg);
    err_clear(&t->err);
    db_nic_free(&t->cur);
    db_nic_free(&t->out);
}

static const char *nic_name_param(struct req *rq, struct reply *rp, const char **rg)
{
    *rg = netres_rg_param(rq, rp);
    return *rg ? netres_name_param(rq, rp, "networkInterfaceName", "network interface") : NULL;
}

/* The common answers of a write transaction; 1 when it answered. */
static int nic_tx_reply(struct req *rq, struct reply *rp, enum db_status st,
                        enum nic_outcome outcome, struct err *e, const char *rg, const char *name)
{
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        return 1;
    }
    switch (outcome) {
    case NIC_PRECONDITION:
        return 1;
    case NIC_RG_MISSING:
        netres_rg_not_found(rp, rg);
        return 1;
    case NIC_INVALID:
        reply_error_steal(rp, e);
        return 1;
    case NIC_MISSING: {
        char *w = util_asprintf(NIC_TYPE "/%s", name);
        netres_not_found(rp, w, rg);
        free(w);
        return 1;
    }
    default:
        return 0;
    }
}

void api_nic_put(struct req *rq, struct reply *rp)
{
    struct nic_put_req in = {0};
    struct err e = {0};
    struct db_location loc = {0};
    struct db_conn *c;
    const char *rg;
    const char *name = nic_name_param(rq, rp, &rg);
    if (!name)
        return;
    if (!rq->body) {
        reply_error(rp, ERR_INVALID_REQUEST_CONTENT, NULL,
                    "The request needs a JSON body: {\"location\": \"westeurope\", "
                    "\"properties\": {\"enableAcceleratedNetworking\": true, "
                    "\"ipConfigurations\": [{\"name\": \"ipconfig1\", \"properties\": "
                    "{\"subnet\": {\"id\": \"/subscriptions/.../virtualNetworks/vnet1/subnets/"
                    "default\"}}}]}}.");
        return;
    }
    struct nic_put_tx t = {
        .rq = rq, .rp = rp, .sub = req_param(rq, "subscriptionId"), .rg = rg, .name = name};
    nic_put_parse(rq, name, &in, &t, &e);
    if (e.ndetails) {
        netres_err_finish(&e);
        reply_error_steal(rp, &e);
        goto out;
    }
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        st = db_location_get(c, in.location, &loc);
        db_release(rq->app->db, c);
    }
    if (st == DB_NOT_FOUND) {
        reply_error(rp, ERR_LOCATION_NOT_AVAILABLE, "location",
                    "The location '%s' is not available. Use one of the locations from GET "
                    "/subscriptions/%s/locations.",
                    in.location, t.sub);
        goto out;
    }
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        goto out;
    }
    json_t *tags = in.tags ? json_incref((json_t *)in.tags) : json_object();
    t.location = loc.name;
    t.tags = tags;
    t.in = &in;
    st = db_tx(rq->app->db, nic_put_run, &t);
    if (!nic_tx_reply(rq, rp, st, t.outcome, &t.err, rg, name)) {
        if (t.outcome == NIC_MOVED)
            reply_error(rp, ERR_INVALID_RESOURCE_LOCATION, "location",
                        "The network interface '%s' already exists in location '%s'; a resource "
                        "cannot move to another location ('%s'). Use '%s', or create a new "
                        "network interface.",
                        name, t.cur_location, loc.name, t.cur_location);
        else if (*t.op_id) {
            /* Updating until the NIC's host agent has the new policy. */
            json_t *body = nic_json(&t.out);
            json_object_set_new(json_object_get(body, "properties"), "provisioningState",
                                json_string("Updating"));
            api_op_headers(rq, rp, t.sub, t.out.location, t.op_id);
            reply_json(rp, 200, body);
        } else
            reply_json(rp, t.outcome == NIC_CREATED ? 201 : 200, nic_json(&t.out));
    }
    json_decref(tags);
out:
    err_clear(&e);
    db_location_free(&loc);
    nic_put_tx_free(&t);
}

/* --- GET, DELETE, PATCH, lists --------------------------------------------- */

void api_nic_get(struct req *rq, struct reply *rp)
{
    struct db_conn *c;
    struct db_nic n = {0};
    const char *rg;
    const char *name = nic_name_param(rq, rp, &rg);
    if (!name)
        return;
    const char *sub = req_param(rq, "subscriptionId");
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
            char *w = util_asprintf(NIC_TYPE "/%s", name);
            netres_not_found(rp, w, rg);
            free(w);
        }
    } else if (st != DB_OK) {
        reply_db_error(rp, rq, st);
    } else {
        /* While its last NSG change is still reaching its host agent, the
         * NIC is Updating, as the PUT that made it said. */
        int pushing = 0;
        char *rid = arm_resource_id(sub, n.rg_name, NETRES_PROVIDER, "networkInterfaces", n.name,
                                    NULL, NULL);
        st = db_policy_push_pending(c, rid, &pushing);
        free(rid);
        if (st != DB_OK) {
            reply_db_error(rp, rq, st);
        } else {
            json_t *body = nic_json(&n);
            if (pushing)
                json_object_set_new(json_object_get(body, "properties"), "provisioningState",
                                    json_string("Updating"));
            reply_json(rp, 200, body);
        }
    }
    db_release(rq->app->db, c);
    db_nic_free(&n);
}

struct nic_delete_tx {
    const struct req *rq;
    struct reply *rp;
    const char *sub, *rg, *name;
    enum nic_outcome outcome;
    struct err err;
};

static enum db_status nic_delete_run(struct db_conn *c, void *arg)
{
    struct nic_delete_tx *t = arg;
    struct db_nic n = {0};
    err_clear(&t->err);
    enum db_status st = netres_lock(c, t->sub, t->rg, NIC_TYPE, t->name);
    if (st == DB_OK)
        st = db_nic_get(c, t->sub, t->rg, t->name, &n);
    if (st == DB_NOT_FOUND) {
        struct db_rg g = {0};
        st = db_rg_get(c, t->sub, t->rg, &g);
        db_rg_free(&g);
        if (st == DB_NOT_FOUND)
            t->outcome = NIC_RG_MISSING;
        else if (st == DB_OK)
            t->outcome = arm_preconditions(t->rq, t->rp, NULL) ? NIC_PRECONDITION : NIC_MISSING;
        return st == DB_NOT_FOUND ? DB_OK : st;
    }
    if (st != DB_OK)
        return st;
    if (arm_preconditions(t->rq, t->rp, n.etag) != 0) {
        t->outcome = NIC_PRECONDITION;
    } else if (*n.vm_id) {
        /* network_interfaces.vm_id is the key to virtual_machines (007). */
        char *vm = arm_resource_id(n.subscription_id, n.vm_rg, "Microsoft.Compute",
                                   "virtualMachines", n.vm_name, NULL, NULL);
        err_set(&t->err, ERR_NIC_IN_USE, NULL,
                "Network interface '%s' is used by virtual machine %s. Delete the virtual "
                "machine, or detach the network interface from it, first.",
                n.name, vm);
        free(vm);
        t->outcome = NIC_INVALID;
    } else {
        st = db_nic_delete(c, n.id);
        t->outcome = NIC_DELETED;
    }
    db_nic_free(&n);
    return st;
}

void api_nic_delete(struct req *rq, struct reply *rp)
{
    const char *rg;
    const char *name = nic_name_param(rq, rp, &rg);
    if (!name)
        return;
    struct nic_delete_tx t = {
        .rq = rq, .rp = rp, .sub = req_param(rq, "subscriptionId"), .rg = rg, .name = name};
    enum db_status st = db_tx(rq->app->db, nic_delete_run, &t);
    if (st == DB_OK && t.outcome == NIC_MISSING)
        reply_empty(rp, 204);
    else if (!nic_tx_reply(rq, rp, st, t.outcome, &t.err, rg, name))
        reply_empty(rp, 200);
    err_clear(&t.err);
}

/* PATCH: tags (merged as RFC 7386 says) and, for the create-time-only rule,
 * enableAcceleratedNetworking, which may only repeat the current value. */
struct nic_patch_req {
    const json_t *tags;
    int an;
    int an_present;
};

static const char *nic_tags_patch_problem(const json_t *v)
{
    const char *k;
    json_t *val;
    json_object_foreach((json_t *)v, k, val)
    {
        if (!json_is_string(val) && !json_is_null(val))
            return "tag values must be strings (or null to remove the tag)";
        if (!*k || strlen(k) > 512)
            return "tag names must be 1 to 512 characters long";
        if (json_is_string(val) && json_string_length(val) > 256)
            return "tag values must be at most 256 characters long";
    }
    return NULL;
}

static const struct jspec nic_patch_properties_spec[] = {
    {.name = "enableAcceleratedNetworking",
     .type = JSPEC_T_BOOL,
     .offset = offsetof(struct nic_patch_req, an),
     .present_offset = offsetof(struct nic_patch_req, an_present)},
    JSPEC_END,
};

static const struct jspec nic_patch_spec[] = {
    {.name = "tags",
     .type = JSPEC_T_OBJECT,
     .flags = JSPEC_NULLABLE,
     .offset = offsetof(struct nic_patch_req, tags),
     .present_offset = JSPEC__NONE,
     .check = nic_tags_patch_problem},
    JSPEC_OBJECT("properties", 0, nic_patch_properties_spec),
    JSPEC_END,
};

struct nic_patch_tx {
    const struct req *rq;
    struct reply *rp;
    const char *sub, *rg, *name;
    const struct nic_patch_req *in;
    int tags_present;
    enum nic_outcome outcome;
    struct err err;
    struct db_nic out;
};

static enum db_status nic_patch_run(struct db_conn *c, void *arg)
{
    struct nic_patch_tx *t = arg;
    db_nic_free(&t->out);
    err_clear(&t->err);
    enum db_status st = netres_lock(c, t->sub, t->rg, NIC_TYPE, t->name);
    if (st == DB_OK)
        st = db_nic_get(c, t->sub, t->rg, t->name, &t->out);
    if (st == DB_NOT_FOUND) {
        struct db_rg g = {0};
        st = db_rg_get(c, t->sub, t->rg, &g);
        db_rg_free(&g);
        t->outcome = st == DB_NOT_FOUND ? NIC_RG_MISSING : NIC_MISSING;
        return st == DB_NOT_FOUND ? DB_OK : st;
    }
    if (st != DB_OK)
        return st;
    if (arm_preconditions(t->rq, t->rp, t->out.etag) != 0) {
        t->outcome = NIC_PRECONDITION;
        return DB_OK;
    }
    if (t->in->an_present && t->in->an != t->out.accelerated_networking) {
        struct nic_an_subject subj = {.attached = *t->out.vm_id != '\0'};
        if (!nic_policy_allows_an_change(NIC_AN_POLICY_DEFAULT, &subj)) {
            err_set(&t->err, ERR_AN_CHANGE_ON_EXISTING_NIC, NIC_AN_MEMBER,
                    "Network interface '%s' has enableAcceleratedNetworking %s. %s", t->out.name,
                    t->out.accelerated_networking ? "true" : "false",
                    nic_policy_an_refusal(NIC_AN_POLICY_DEFAULT));
            t->outcome = NIC_INVALID;
            return DB_OK;
        }
    }
    t->outcome = NIC_UNCHANGED;
    if (!t->tags_present)
        return DB_OK;
    json_t *had = json_loads(t->out.tags, 0, NULL);
    json_t *tags = netres_tags_merge(t->out.tags, t->in->tags);
    int same = had && json_equal(had, tags);
    json_decref(had);
    if (json_object_size(tags) > NETRES_MAX_TAGS) {
        err_set(&t->err, ERR_INVALID_REQUEST_CONTENT, "tags",
                "The network interface would have %zu tags; at most %d are allowed.",
                json_object_size(tags), NETRES_MAX_TAGS);
        t->outcome = NIC_INVALID;
    } else if (!same) {
        char etag[37];
        char *text = json_dumps(tags, JSON_COMPACT);
        util_uuid4(etag);
        st = db_nic_update(c, t->out.id, text, etag, t->out.ip_forwarding,
                           *t->out.nsg_id ? t->out.nsg_id : NULL);
        free(text);
        db_nic_free(&t->out);
        if (st == DB_OK)
            st = db_nic_get(c, t->sub, t->rg, t->name, &t->out);
        t->outcome = NIC_UPDATED;
    }
    json_decref(tags);
    return st;
}

void api_nic_patch(struct req *rq, struct reply *rp)
{
    struct nic_patch_req in = {0};
    struct err e = {0};
    const char *rg;
    const char *name = nic_name_param(rq, rp, &rg);
    if (!name)
        return;
    if (!rq->body) {
        reply_error(rp, ERR_INVALID_REQUEST_CONTENT, NULL,
                    "The request needs a JSON body: {\"tags\": {\"env\": \"test\"}}.");
        return;
    }
    if (jspec_parse(rq->body, nic_patch_spec, &in, "", JSPEC_STRICT, &e)) {
        netres_err_finish(&e);
        reply_error_steal(rp, &e);
        return;
    }
    struct nic_patch_tx t = {.rq = rq,
                             .rp = rp,
                             .sub = req_param(rq, "subscriptionId"),
                             .rg = rg,
                             .name = name,
                             .in = &in,
                             .tags_present = json_object_get(rq->body, "tags") != NULL};
    enum db_status st = db_tx(rq->app->db, nic_patch_run, &t);
    if (!nic_tx_reply(rq, rp, st, t.outcome, &t.err, rg, name))
        reply_json(rp, 200, nic_json(&t.out));
    err_clear(&t.err);
    db_nic_free(&t.out);
}

struct nic_list_items {
    struct db_nic *items;
};

static enum db_status nic_list_fetch(struct db_conn *c, void *self, const char *sub, const char *rg,
                                     const char *after_rg, const char *after_name, long limit,
                                     size_t shown_max, size_t *n)
{
    struct nic_list_items *l = self;
    (void)shown_max;
    return db_nic_list(c, sub, rg, after_rg, after_name, limit, &l->items, n);
}

static json_t *nic_list_json(const struct req *rq, void *self, size_t i)
{
    (void)rq;
    return nic_json(&((struct nic_list_items *)self)->items[i]);
}

static void nic_list_names(void *self, size_t i, const char **rg, const char **name)
{
    const struct db_nic *n = &((struct nic_list_items *)self)->items[i];
    *rg = n->rg_name;
    *name = n->name;
}

static void nic_list_release(void *self, size_t n)
{
    db_nic_list_free(((struct nic_list_items *)self)->items, n);
}

static void nic_list(struct req *rq, struct reply *rp, const char *rg)
{
    static const struct netres_lister lister = {nic_list_fetch, nic_list_json, nic_list_names,
                                                nic_list_release};
    struct nic_list_items l = {0};
    netres_list_reply(rq, rp, rg, &lister, &l);
}

void api_nic_list(struct req *rq, struct reply *rp)
{
    const char *rg = netres_rg_param(rq, rp);
    if (rg)
        nic_list(rq, rp, rg);
}

void api_nic_list_all(struct req *rq, struct reply *rp)
{
    nic_list(rq, rp, NULL);
}
