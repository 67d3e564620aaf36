/* Virtual networks and their subnets (Microsoft.Network):
 *
 *   .../resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks[/{name}]
 *   .../virtualNetworks/{name}/subnets[/{subnetName}]
 *   /subscriptions/{sub}/providers/Microsoft.Network/virtualNetworks
 *
 * Address prefixes are canonical IPv4 CIDRs (api/ipam.h). Subnets are inline
 * in a VNet PUT (properties.subnets replaces the set: a subnet left out is
 * deleted, as ARM does, and an absent or null `subnets` means none) and a
 * child resource of their own. Every rule about a subnet (inside the address
 * space, no overlap with its siblings, addresses already given out stay
 * usable, not deleted while NICs use it) is checked under the advisory locks
 * of the VNet and of each subnet concerned, so it holds against concurrent
 * writers; network interfaces take the subnet's lock when they allocate.
 *
 * Lock order (no cycles): VNet, then its subnets in sorted key order; a NIC
 * takes its own key, then its subnets in sorted key order, never a VNet's.
 *
 * Etags: a subnet's changes with its prefix or NSG; the VNet's with its tags,
 * prefixes or any of its subnets. A subnet's ipConfigurations (who uses it)
 * are back-references owned by the NICs: they change no etag. Each VNet has
 * a segment id (the VNI of its datapath), shown read-only as
 * properties.accelnetSegmentId. */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/arm.h"
#include "api/ipam.h"
#include "api/netres.h"
#include "api/operation.h"
#include "common/jspec.h"
#include "common/util.h"
#include "db/catalog.h"
#include "db/policy.h"
#include "db/resource_group.h"
#include "db/vnet.h"

#define VNET_TYPE       "virtualNetworks"
#define VNET_TYPE_FULL  NETRES_PROVIDER "/" VNET_TYPE
#define SUBNET_TYPE     "subnets"
#define VNET_MAX_PREFIX 100
#define VNET_MAX_SUBNET 1000

/* --- rendering ------------------------------------------------------------ */

/* A VNet as shown: the row, its subnets and who uses them. */
struct vnet_view {
    struct db_vnet v;
    struct db_subnet *subnets;
    size_t nsubnets;
    struct db_subnet_user *users;
    size_t nusers;
};

static void vnet_view_free(struct vnet_view *w)
{
    db_vnet_free(&w->v);
    free(w->subnets);
    free(w->users);
    memset(w, 0, sizeof(*w));
}

/* The subnets of vnets[0..n) and their users. */
static enum db_status vnet_children_load(struct db_conn *c, const struct db_vnet *vnets, size_t n,
                                         struct db_subnet **subnets, size_t *nsubnets,
                                         struct db_subnet_user **users, size_t *nusers)
{
    *subnets = NULL;
    *users = NULL;
    *nsubnets = *nusers = 0;
    if (n == 0)
        return DB_OK;
    const char **ids = util_xcalloc(n, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        ids[i] = vnets[i].id;
    enum db_status st = db_subnet_list(c, ids, n, NULL, 0, subnets, nsubnets);
    free(ids);
    if (st != DB_OK || *nsubnets == 0)
        return st;
    ids = util_xcalloc(*nsubnets, sizeof(char *));
    for (size_t i = 0; i < *nsubnets; i++)
        ids[i] = (*subnets)[i].id;
    st = db_subnet_users(c, ids, *nsubnets, users, nusers);
    free(ids);
    if (st != DB_OK) {
        free(*subnets);
        *subnets = NULL;
        *nsubnets = 0;
    }
    return st;
}

static enum db_status vnet_view_load(struct db_conn *c, const char *sub, const char *rg,
                                     const char *name, struct vnet_view *w)
{
    memset(w, 0, sizeof(*w));
    enum db_status st = db_vnet_get(c, sub, rg, name, &w->v);
    if (st != DB_OK)
        return st;
    st = vnet_children_load(c, &w->v, 1, &w->subnets, &w->nsubnets, &w->users, &w->nusers);
    if (st != DB_OK)
        vnet_view_free(w);
    return st;
}

static json_t *vnet_ref_json(char *id /* stolen */)
{
    json_t *o = json_pack("{s:s}", "id", id);
    free(id);
    return o;
}

static json_t *subnet_json(const struct db_vnet *v, const struct db_subnet *s,
                           const struct db_subnet_user *users, size_t nusers)
{
    char *id = arm_resource_id(v->subscription_id, v->rg_name, NETRES_PROVIDER, VNET_TYPE, v->name,
                               SUBNET_TYPE, s->name);
    char *etag = arm_etag(s->etag);
    json_t *configs = json_array();
    for (size_t i = 0; i < nusers; i++)
        if (strcmp(users[i].subnet_id, s->id) == 0)
            json_array_append_new(configs, vnet_ref_json(arm_resource_id(
                                               v->subscription_id, users[i].nic_rg, NETRES_PROVIDER,
                                               "networkInterfaces", users[i].nic_name,
                                               "ipConfigurations", users[i].name)));
    json_t *props = json_pack("{s:s, s:s, s:o}", "provisioningState", s->provisioning_state,
                              "addressPrefix", s->prefix, "ipConfigurations", configs);
    if (*s->nsg_id)
        json_object_set_new(
            props, "networkSecurityGroup",
            vnet_ref_json(arm_resource_id(v->subscription_id, s->nsg_rg, NETRES_PROVIDER,
                                          "networkSecurityGroups", s->nsg_name, NULL, NULL)));
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o}", "id", id, "name", s->name, "etag", etag,
                          "type", VNET_TYPE_FULL "/" SUBNET_TYPE, "properties", props);
    free(id);
    free(etag);
    return o;
}

static json_t *vnet_json(const struct db_vnet *v, const struct db_subnet *subnets, size_t nsubnets,
                         const struct db_subnet_user *users, size_t nusers)
{
    char *id = arm_resource_id(v->subscription_id, v->rg_name, NETRES_PROVIDER, VNET_TYPE, v->name,
                               NULL, NULL);
    char *etag = arm_etag(v->etag);
    json_t *tags = json_loads(v->tags, 0, NULL);
    json_t *prefixes = json_array();
    for (size_t i = 0; i < v->nprefixes; i++)
        json_array_append_new(prefixes, json_string(v->prefixes[i]));
    json_t *subs = json_array();
    for (size_t i = 0; i < nsubnets; i++)
        if (strcmp(subnets[i].vnet_id, v->id) == 0)
            json_array_append_new(subs, subnet_json(v, &subnets[i], users, nusers));
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:{s:s, s:s, s:{s:o}, s:o, s:[], s:b, s:I}}",
                  "id", id, "name", v->name, "type", VNET_TYPE_FULL, "location", v->location,
                  "tags", tags ? tags : json_object(), "etag", etag, "properties",
                  "provisioningState", v->provisioning_state, "resourceGuid", v->id, "addressSpace",
                  "addressPrefixes", prefixes, "subnets", subs, "virtualNetworkPeerings",
                  "enableDdosProtection", 0, "accelnetSegmentId", (json_int_t)v->segment_id);
    free(id);
    free(etag);
    return o;
}

static json_t *vnet_view_json(const struct vnet_view *w)
{
    return vnet_json(&w->v, w->subnets, w->nsubnets, w->users, w->nusers);
}

/* The subnet's users as "nic/ipconfig, ..." (at most a few); caller frees. */
static char *subnet_users_text(const struct db_subnet_user *users, size_t n, const char *subnet_id)
{
    struct buf b = {0};
    size_t shown = 0, total = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(users[i].subnet_id, subnet_id) != 0)
            continue;
        total++;
        if (shown < 5) {
            buf_appendf(&b, "%s'%s/ipConfigurations/%s' (resource group '%s')", shown ? ", " : "",
                        users[i].nic_name, users[i].name, users[i].nic_rg);
            shown++;
        }
    }
    if (total > shown)
        buf_appendf(&b, " and %zu more", total - shown);
    if (!b.data)
        return util_xstrdup("");
    return b.data;
}

static int subnet_in_use(const struct db_subnet_user *users, size_t n, const char *subnet_id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(users[i].subnet_id, subnet_id) == 0)
            return 1;
    return 0;
}

/* --- request bodies ------------------------------------------------------- */

/* One subnet of a request (inline in a VNet PUT, or a subnet PUT). */
struct subnet_in {
    const char *name;
    const char *prefix_text;
    const json_t *nsg_ref; /* the reference object, or NULL */
    int nsg_present;
    const char *path; /* prefix of its JSON paths: "properties.subnets[2]." or "" */
    /* checked */
    int prefix_ok;
    struct ipam_prefix prefix;
    char prefix_str[IPAM_PREFIX_STRLEN];
    struct arm_id nsg; /* parsed reference when nsg_ok */
    int nsg_ok;
    /* resolved in the transaction */
    char nsg_id[37];
};

static void subnet_in_free(struct subnet_in *s)
{
    arm_id_free(&s->nsg);
}

static const char *vnet_ddos_problem(const json_t *v)
{
    return json_is_true(v) ? "DDoS protection is not offered; leave it out or set it to false"
                           : NULL;
}

static const char *vnet_vm_protection_problem(const json_t *v)
{
    return json_is_true(v) ? "VM protection is not offered; leave it out or set it to false" : NULL;
}

static const char *vnet_peerings_problem(const json_t *v)
{
    return json_array_size(v) ? "virtual network peering is not offered; send an empty list" : NULL;
}

static const struct jspec subnet_properties_spec[] = {
    JSPEC_STRING("addressPrefix", struct subnet_in, prefix_text, JSPEC_REQUIRED, .min_len = 1,
                 .max_len = 64),
    {.name = "networkSecurityGroup",
     .type = JSPEC_T_OBJECT,
     .offset = offsetof(struct subnet_in, nsg_ref),
     .present_offset = offsetof(struct subnet_in, nsg_present),
     .check = netres_ref_object_problem},
    /* Read-only. */
    NETRES_IGNORED("provisioningState", JSPEC_T_STRING),
    NETRES_IGNORED("ipConfigurations", JSPEC_T_ARRAY),
    JSPEC_END,
};

/* An element of properties.subnets: the name is required there. */
static const struct jspec subnet_inline_spec[] = {
    JSPEC_STRING("name", struct subnet_in, name, JSPEC_REQUIRED, .min_len = 1, .max_len = 80),
    JSPEC_OBJECT("properties", JSPEC_REQUIRED, subnet_properties_spec),
    NETRES_IGNORED("id", JSPEC_T_STRING),
    NETRES_IGNORED("etag", JSPEC_T_STRING),
    NETRES_IGNORED("type", JSPEC_T_STRING),
    JSPEC_END,
};

/* The body of a subnet PUT: the name is the path's. */
static const struct jspec subnet_put_spec[] = {
    JSPEC_STRING("name", struct subnet_in, name, 0, .min_len = 1, .max_len = 80),
    JSPEC_OBJECT("properties", JSPEC_REQUIRED, subnet_properties_spec),
    NETRES_IGNORED("id", JSPEC_T_STRING),
    NETRES_IGNORED("etag", JSPEC_T_STRING),
    NETRES_IGNORED("type", JSPEC_T_STRING),
    JSPEC_END,
};

struct vnet_put_req {
    const char *location;
    const json_t *tags;
    const char *name;
    const json_t *prefixes; /* properties.addressSpace.addressPrefixes */
    const json_t *subnets;  /* properties.subnets */
};

static const struct jspec vnet_address_space_spec[] = {
    {.name = "addressPrefixes",
     .type = JSPEC_T_ARRAY,
     .flags = JSPEC_REQUIRED,
     .offset = offsetof(struct vnet_put_req, prefixes),
     .present_offset = JSPEC__NONE,
     .item_type = JSPEC_T_STRING,
     .min_len = 1,
     .max_len = VNET_MAX_PREFIX},
    JSPEC_END,
};

static const struct jspec vnet_properties_spec[] = {
    JSPEC_OBJECT("addressSpace", JSPEC_REQUIRED, vnet_address_space_spec),
    /* Elements are checked one by one (subnet_inline_spec). */
    {.name = "subnets",
     .type = JSPEC_T_ARRAY,
     .offset = offsetof(struct vnet_put_req, subnets),
     .present_offset = JSPEC__NONE,
     .item_type = JSPEC_T_ANY,
     .max_len = VNET_MAX_SUBNET},
    {.name = "enableDdosProtection",
     .type = JSPEC_T_BOOL,
     .offset = JSPEC__NONE,
     .present_offset = JSPEC__NONE,
     .check = vnet_ddos_problem},
    {.name = "enableVmProtection",
     .type = JSPEC_T_BOOL,
     .offset = JSPEC__NONE,
     .present_offset = JSPEC__NONE,
     .check = vnet_vm_protection_problem},
    {.name = "virtualNetworkPeerings",
     .type = JSPEC_T_ARRAY,
     .offset = JSPEC__NONE,
     .present_offset = JSPEC__NONE,
     .item_type = JSPEC_T_ANY,
     .check = vnet_peerings_problem},
    /* Read-only. */
    NETRES_IGNORED("provisioningState", JSPEC_T_STRING),
    NETRES_IGNORED("resourceGuid", JSPEC_T_STRING),
    NETRES_IGNORED("accelnetSegmentId", JSPEC_T_INT),
    JSPEC_END,
};

static const struct jspec vnet_put_spec[] = {
    JSPEC_STRING("location", struct vnet_put_req, location, JSPEC_REQUIRED, .min_len = 1,
                 .max_len = 64),
    JSPEC_FIELD("tags", JSPEC_T_OBJECT, struct vnet_put_req, tags, 0, .check = arm_tags_problem),
    JSPEC_OBJECT("properties", JSPEC_REQUIRED, vnet_properties_spec),
    JSPEC_STRING("name", struct vnet_put_req, name, 0),
    NETRES_IGNORED("id", JSPEC_T_STRING),
    NETRES_IGNORED("type", JSPEC_T_STRING),
    NETRES_IGNORED("etag", JSPEC_T_STRING),
    JSPEC_END,
};

/* Checks a prefix string; adds the problem to e at path. 0 when fine. */
static int vnet_prefix_check(const char *text, const char *path, unsigned min_len, unsigned max_len,
                             const char *what, struct ipam_prefix *out, struct err *e)
{
    char canon[IPAM_PREFIX_STRLEN];
    switch (ipam_prefix_parse(text, out)) {
    case IPAM_SYNTAX:
        err_add_detail(e, ERR_INVALID_REQUEST_CONTENT, path,
                       "'%s' is not an IPv4 prefix in CIDR notation (for example 10.0.0.0/16).",
                       text);
        return -1;
    case IPAM_HOST_BITS:
        ipam_prefix_format(out, canon);
        err_add_detail(e, ERR_INVALID_CIDR_NOTATION, path,
                       "The address prefix %s has an invalid CIDR notation: for the given prefix "
                       "length, the address prefix should be %s.",
                       text, canon);
        return -1;
    case IPAM_OK:
        break;
    }
    if (out->len < min_len || out->len > max_len) {
        err_add_detail(e, ERR_INVALID_REQUEST_CONTENT, path,
                       "The prefix length of %s must be from /%u to /%u for %s.", text, min_len,
                       max_len, what);
        return -1;
    }
    return 0;
}

/* Checks the NSG reference of s (if any) for its form; problems to e. */
static void subnet_nsg_check(struct subnet_in *s, const char *sub, struct err *e)
{
    if (!s->nsg_ref)
        return;
    const char *ref = netres_ref_id(s->nsg_ref);
    if (!ref)
        return; /* jspec reported it */
    const char *why =
        arm_ref_problem(ref, sub, NETRES_PROVIDER, "networkSecurityGroups", NULL, &s->nsg);
    if (why) {
        char *path = util_asprintf("%sproperties.networkSecurityGroup.id", s->path);
        err_add_detail(e, ERR_INVALID_RESOURCE_REFERENCE, path,
                       "The network security group reference '%s' %s.", ref, why);
        free(path);
        arm_id_free(&s->nsg);
        return;
    }
    s->nsg_ok = 1;
}

/* Checks what can be checked of s without the database. */
static void subnet_in_check(struct subnet_in *s, const char *sub, struct err *e)
{
    if (s->name) {
        const char *why = arm_network_name_problem(s->name);
        if (why) {
            char *path = util_asprintf("%sname", s->path);
            err_add_detail(e, ERR_INVALID_RESOURCE_NAME, path,
                           "The subnet name '%s' is not valid: it %s.", s->name, why);
            free(path);
        }
    }
    if (s->prefix_text) {
        char *path = util_asprintf("%sproperties.addressPrefix", s->path);
        s->prefix_ok = vnet_prefix_check(s->prefix_text, path, IPAM_SPACE_MIN_LEN,
                                         IPAM_SUBNET_MAX_LEN, "a subnet", &s->prefix, e) == 0;
        if (s->prefix_ok)
            ipam_prefix_format(&s->prefix, s->prefix_str);
        free(path);
    }
    subnet_nsg_check(s, sub, e);
}

/* --- resolving references in a transaction ---------------------------------- */

/* Looks up the NSG of s: must exist and be in `location`. Problems to e. */
static enum db_status subnet_nsg_resolve(struct db_conn *c, struct subnet_in *s,
                                         const char *location, struct err *e)
{
    char loc[65];
    s->nsg_id[0] = '\0';
    if (!s->nsg_ok)
        return DB_OK;
    enum db_status st = db_vnet_nsg_find(c, s->nsg.subscription, s->nsg.resource_group, s->nsg.name,
                                         s->nsg_id, loc);
    if (st != DB_OK && st != DB_NOT_FOUND)
        return st;
    char *path = util_asprintf("%sproperties.networkSecurityGroup.id", s->path);
    if (st == DB_NOT_FOUND) {
        s->nsg_id[0] = '\0';
        err_add_detail(e, ERR_INVALID_RESOURCE_REFERENCE, path,
                       "The network security group '%s' in resource group '%s' was not found.",
                       s->nsg.name, s->nsg.resource_group);
    } else if (strcmp(loc, location) != 0) {
        err_add_detail(e, ERR_INVALID_RESOURCE_REFERENCE, path,
                       "The network security group '%s' is in location '%s'; a subnet of a "
                       "virtual network in '%s' can only use a network security group in '%s'.",
                       s->nsg.name, loc, location, location);
    }
    free(path);
    return DB_OK;
}

/* The addresses given out in subnet `cur` that would not be usable in
 * `next`: one problem for e at path, listing them. */
static enum db_status subnet_shrink_check(struct db_conn *c, const struct db_subnet *cur,
                                          const struct ipam_prefix *next, const char *path,
                                          struct err *e)
{
    uint32_t *addrs;
    size_t n;
    enum db_status st = db_subnet_addresses(c, cur->id, NULL, &addrs, &n);
    if (st != DB_OK)
        return st;
    struct buf bad = {0};
    size_t nbad = 0;
    for (size_t i = 0; i < n; i++) {
        if (ipam_usable(next, addrs[i]))
            continue;
        char a[IPAM_ADDR_STRLEN];
        ipam_addr_format(addrs[i], a);
        if (nbad < 10)
            buf_appendf(&bad, "%s%s", nbad ? ", " : "", a);
        nbad++;
    }
    if (nbad) {
        char p[IPAM_PREFIX_STRLEN];
        ipam_prefix_format(next, p);
        err_add_detail(e, ERR_IN_USE_SUBNET_CANNOT_BE_UPDATED, path,
                       "Subnet '%s' cannot have the address prefix %s: %zu address%s given to "
                       "network interfaces would no longer be usable in it (%s%s). Keep a prefix "
                       "that holds them, or move those network interfaces first.",
                       cur->name, p, nbad, nbad == 1 ? "" : "es", bad.data,
                       nbad > 10 ? ", ..." : "");
    }
    buf_free(&bad);
    free(addrs);
    return DB_OK;
}

/* Locks the subnets `names` of VNet `vnet` (sorted, each once). */
static enum db_status subnet_lock_all(struct db_conn *c, const char *sub, const char *rg,
                                      const char *vnet, const char *const *names, size_t n)
{
    char **keys = util_xcalloc(n ? n : 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        char *child = util_asprintf("%s/" SUBNET_TYPE "/%s", vnet, names[i]);
        keys[i] = netres_lock_key(sub, rg, VNET_TYPE, child);
        free(child);
    }
    enum db_status st = netres_lock_all(c, keys, n);
    for (size_t i = 0; i < n; i++)
        free(keys[i]);
    free(keys);
    return st;
}

/* --- PUT virtualNetworks/{name} ---------------------------------------------- */

enum vnet_outcome {
    VNET_CREATED,
    VNET_UPDATED,
    VNET_UNCHANGED,
    VNET_PRECONDITION, /* the 412 is in rp */
    VNET_RG_MISSING,
    VNET_MISSING,
    VNET_PARENT_MISSING,
    VNET_MOVED,
    VNET_INVALID, /* err */
    VNET_DELETED,
};

static char *vnet_resource_id(const char *sub, const char *rg, const char *name)
{
    return util_asprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/"
                         "virtualNetworks/%s",
                         sub, rg, name);
}

/* A subnet's NSG changed under NICs with a VF: provisioningState Updating and
 * the policy.push operation's headers. */
static void vnet_mark_updating(const struct req *rq, struct reply *rp, json_t *body,
                               const char *sub, const char *location, const char *op_id)
{
    json_t *props = json_object_get(body, "properties");
    if (props)
        json_object_set_new(props, "provisioningState", json_string("Updating"));
    api_op_headers(rq, rp, sub, location, op_id);
}

struct vnet_put_tx {
    const struct req *rq;
    struct reply *rp;
    const char *sub, *rg, *name, *location;
    const json_t *tags;
    char **prefixes; /* canonical, in the client's order */
    size_t nprefixes;
    struct subnet_in *subnets;
    size_t nsubnets;
    /* outcome */
    enum vnet_outcome outcome;
    struct err err;
    char cur_location[65];
    struct vnet_view out;
    char op_id[37]; /* the policy.push of subnets' NSG changes ("" when none) */
};

/* 1 when the request would change nothing of w. */
static int vnet_put_same(const struct vnet_put_tx *t, const struct vnet_view *w)
{
    json_t *had = json_loads(w->v.tags, 0, NULL);
    int same = had && json_equal(had, (json_t *)t->tags);
    json_decref(had);
    if (!same || w->v.nprefixes != t->nprefixes || w->nsubnets != t->nsubnets)
        return 0;
    for (size_t i = 0; i < t->nprefixes; i++)
        if (strcmp(w->v.prefixes[i], t->prefixes[i]) != 0)
            return 0;
    for (size_t i = 0; i < t->nsubnets; i++) {
        const struct subnet_in *s = &t->subnets[i];
        const struct db_subnet *cur = NULL;
        for (size_t j = 0; j < w->nsubnets && !cur; j++)
            if (strcasecmp(w->subnets[j].name, s->name) == 0)
                cur = &w->subnets[j];
        if (!cur || strcmp(cur->prefix, s->prefix_str) != 0 || strcmp(cur->nsg_id, s->nsg_id) != 0)
            return 0;
    }
    return 1;
}

static enum db_status vnet_put_run(struct db_conn *c, void *arg)
{
    struct vnet_put_tx *t = arg;
    t->op_id[0] = '\0';
    struct db_rg g = {0};
    struct vnet_view cur = {0};
    enum db_status st;
    char etag[37];

    vnet_view_free(&t->out);
    err_clear(&t->err);
    st = netres_lock(c, t->sub, t->rg, VNET_TYPE, t->name);
    if (st == DB_OK)
        st = db_rg_get(c, t->sub, t->rg, &g);
    db_rg_free(&g);
    if (st == DB_NOT_FOUND) {
        t->outcome = VNET_RG_MISSING;
        return DB_OK;
    }
    if (st != DB_OK)
        return st;
    st = vnet_view_load(c, t->sub, t->rg, t->name, &cur);
    if (st != DB_OK && st != DB_NOT_FOUND)
        return st;
    int exists = st == DB_OK;
    st = DB_OK;
    if (arm_preconditions(t->rq, t->rp, exists ? cur.v.etag : NULL) != 0) {
        t->outcome = VNET_PRECONDITION;
        goto done;
    }
    if (exists && strcmp(cur.v.location, t->location) != 0) {
        snprintf(t->cur_location, sizeof(t->cur_location), "%s", cur.v.location);
        t->outcome = VNET_MOVED;
        goto done;
    }

    /* Every subnet concerned, old and new, is locked before it is judged. */
    const char **names = util_xcalloc(cur.nsubnets + t->nsubnets + 1, sizeof(char *));
    size_t nnames = 0;
    for (size_t i = 0; i < cur.nsubnets; i++)
        names[nnames++] = cur.subnets[i].name;
    for (size_t i = 0; i < t->nsubnets; i++)
        names[nnames++] = t->subnets[i].name;
    st = subnet_lock_all(c, t->sub, t->rg, t->name, names, nnames);
    free(names);
    if (st != DB_OK)
        goto done;
    /* The users may have changed while we waited for the locks. */
    if (exists) {
        free(cur.users);
        cur.users = NULL;
        cur.nusers = 0;
        const char **ids = util_xcalloc(cur.nsubnets + 1, sizeof(char *));
        for (size_t i = 0; i < cur.nsubnets; i++)
            ids[i] = cur.subnets[i].id;
        st = db_subnet_users(c, ids, cur.nsubnets, &cur.users, &cur.nusers);
        free(ids);
        if (st != DB_OK)
            goto done;
    }

    for (size_t i = 0; i < t->nsubnets && st == DB_OK; i++)
        st = subnet_nsg_resolve(c, &t->subnets[i], t->location, &t->err);
    /* Subnets left out are deleted (not while in use); subnets kept may only
     * change their prefix if what they gave out stays usable. */
    for (size_t i = 0; i < cur.nsubnets && st == DB_OK; i++) {
        const struct db_subnet *s = &cur.subnets[i];
        const struct subnet_in *in = NULL;
        for (size_t j = 0; j < t->nsubnets && !in; j++)
            if (strcasecmp(t->subnets[j].name, s->name) == 0)
                in = &t->subnets[j];
        if (!in && subnet_in_use(cur.users, cur.nusers, s->id)) {
            char *who = subnet_users_text(cur.users, cur.nusers, s->id);
            err_add_detail(&t->err, ERR_IN_USE_SUBNET_CANNOT_BE_DELETED, "properties.subnets",
                           "Subnet '%s' is in use by %s and cannot be deleted. Delete those "
                           "network interfaces (or move their IP configurations to another "
                           "subnet) first, or keep the subnet in properties.subnets.",
                           s->name, who);
            free(who);
        } else if (in && strcmp(in->prefix_str, s->prefix) != 0) {
            char *path = util_asprintf("%sproperties.addressPrefix", in->path);
            st = subnet_shrink_check(c, s, &in->prefix, path, &t->err);
            free(path);
        }
    }
    if (st != DB_OK)
        goto done;
    if (t->err.ndetails) {
        netres_err_finish(&t->err);
        t->outcome = VNET_INVALID;
        goto done;
    }
    if (exists && vnet_put_same(t, &cur)) {
        t->outcome = VNET_UNCHANGED;
        t->out = cur;
        memset(&cur, 0, sizeof(cur));
        goto done;
    }

    /* Write. */
    char *tags = json_dumps(t->tags, JSON_COMPACT);
    char *lit = db_vnet_array_literal((const char *const *)t->prefixes, t->nprefixes);
    char vnet_id[37];
    util_uuid4(etag);
    if (exists) {
        snprintf(vnet_id, sizeof(vnet_id), "%s", cur.v.id);
        st = db_vnet_update(c, vnet_id, tags, etag, lit);
    } else {
        util_uuid4(vnet_id);
        st = db_vnet_insert(c, vnet_id, t->sub, t->rg, t->name, t->location, tags, etag, lit);
    }
    free(tags);
    free(lit);
    for (size_t i = 0; i < cur.nsubnets && st == DB_OK; i++) {
        int kept = 0;
        for (size_t j = 0; j < t->nsubnets && !kept; j++)
            kept = strcasecmp(t->subnets[j].name, cur.subnets[i].name) == 0;
        if (!kept)
            st = db_subnet_delete(c, cur.subnets[i].id);
    }
    const char **nsg_changed = util_xcalloc(t->nsubnets + 1, sizeof(*nsg_changed));
    size_t nchanged = 0;
    for (size_t i = 0; i < t->nsubnets && st == DB_OK; i++) {
        const struct subnet_in *in = &t->subnets[i];
        const struct db_subnet *s = NULL;
        char id[37], setag[37];
        for (size_t j = 0; j < cur.nsubnets && !s; j++)
            if (strcasecmp(cur.subnets[j].name, in->name) == 0)
                s = &cur.subnets[j];
        util_uuid4(setag);
        if (!s) {
            util_uuid4(id);
            st = db_subnet_insert(c, id, vnet_id, in->name, setag, in->prefix_str,
                                  *in->nsg_id ? in->nsg_id : NULL);
        } else if (strcmp(s->prefix, in->prefix_str) != 0 || strcmp(s->nsg_id, in->nsg_id) != 0) {
            st = db_subnet_update(c, s->id, setag, in->prefix_str, *in->nsg_id ? in->nsg_id : NULL);
            if (strcmp(s->nsg_id, in->nsg_id) != 0)
                nsg_changed[nchanged++] = s->id;
        }
    }
    if (st == DB_OK && nchanged) {
        /* The NICs of those subnets with a VF get the new policy. */
        char *rid = vnet_resource_id(t->sub, t->rg, t->name);
        st =
            db_policy_enqueue_subnets(c, nsg_changed, nchanged, t->sub, t->location, rid, t->op_id);
        free(rid);
    }
    free(nsg_changed);
    /* A constraint said no although the locks were held: a concurrent change
     * we do not lock against (a group or NSG deleted). Run again: the checks
     * then see it. */
    if (st == DB_CONFLICT)
        st = DB_RETRY;
    if (st == DB_OK)
        st = vnet_view_load(c, t->sub, t->rg, t->name, &t->out);
    t->outcome = exists ? VNET_UPDATED : VNET_CREATED;
done:
    vnet_view_free(&cur);
    return st;
}

/* Parses and checks a VNet PUT body into t (what can be checked without the
 * database). Problems to e. */
static void vnet_put_parse(struct req *rq, const char *name, struct vnet_put_req *in,
                           struct vnet_put_tx *t, struct err *e)
{
    const char *sub = t->sub;
    jspec_parse(rq->body, vnet_put_spec, in, "", JSPEC_STRICT, e);
    if (in->name && strcasecmp(in->name, name) != 0)
        err_add_detail(e, ERR_INVALID_REQUEST_CONTENT, "name",
                       "'name' is '%s' but the path names '%s'; leave it out or make them agree.",
                       in->name, name);

    /* The address space: canonical, /8 to /29, no overlaps. */
    size_t np = json_array_size(in->prefixes);
    struct ipam_prefix *p = util_xcalloc(np ? np : 1, sizeof(*p));
    int *ok = util_xcalloc(np ? np : 1, sizeof(int));
    t->prefixes = util_xcalloc(np ? np : 1, sizeof(char *));
    for (size_t i = 0; i < np; i++) {
        const char *text = json_string_value(json_array_get(in->prefixes, i));
        if (!text)
            continue;
        char *path = util_asprintf("properties.addressSpace.addressPrefixes[%zu]", i);
        ok[i] = vnet_prefix_check(text, path, IPAM_SPACE_MIN_LEN, IPAM_SPACE_MAX_LEN,
                                  "an address space", &p[i], e) == 0;
        if (ok[i]) {
            char canon[IPAM_PREFIX_STRLEN];
            ipam_prefix_format(&p[i], canon);
            t->prefixes[t->nprefixes++] = util_xstrdup(canon);
            for (size_t j = 0; j < i; j++) {
                if (ok[j] && ipam_overlap(&p[i], &p[j])) {
                    char other[IPAM_PREFIX_STRLEN];
                    ipam_prefix_format(&p[j], other);
                    err_add_detail(e, ERR_VNET_ADDRESS_PREFIXES_OVERLAP, path,
                                   "The address prefix %s overlaps with %s "
                                   "(properties.addressSpace.addressPrefixes[%zu]); the prefixes "
                                   "of an address space must not overlap.",
                                   canon, other, j);
                    break;
                }
            }
        }
        free(path);
    }

    /* The subnets: each on its own, then against the space and each other. */
    size_t ns = json_array_size(in->subnets);
    t->subnets = util_xcalloc(ns ? ns : 1, sizeof(*t->subnets));
    for (size_t i = 0; i < ns; i++) {
        struct subnet_in *s = &t->subnets[i];
        char *path = util_asprintf("properties.subnets[%zu]", i);
        s->path = util_asprintf("%s.", path); /* owned by t: vnet_put_tx_free */
        jspec_parse(json_array_get(in->subnets, i), subnet_inline_spec, s, path, JSPEC_STRICT, e);
        free(path);
        subnet_in_check(s, sub, e);
        t->nsubnets++;
        for (size_t j = 0; j < i && s->name; j++) {
            if (t->subnets[j].name && strcasecmp(t->subnets[j].name, s->name) == 0) {
                char *npath = util_asprintf("%sname", s->path);
                err_add_detail(e, ERR_INVALID_REQUEST_CONTENT, npath,
                               "The subnet name '%s' appears twice (also properties.subnets[%zu]); "
                               "subnet names are unique ignoring case.",
                               s->name, j);
                free(npath);
                break;
            }
        }
        if (!s->prefix_ok)
            continue;
        char *ppath = util_asprintf("%sproperties.addressPrefix", s->path);
        int inside = 0, any_space = 0;
        for (size_t k = 0; k < np; k++) {
            any_space |= ok[k];
            inside |= ok[k] && ipam_contains(&p[k], &s->prefix);
        }
        if (any_space && !inside)
            err_add_detail(e, ERR_SUBNET_RANGE_OUTSIDE_VNET, ppath,
                           "Subnet '%s' is not valid because its IP address range %s is outside "
                           "the IP address range of virtual network '%s' (%s%s).",
                           s->name ? s->name : "", s->prefix_str, name,
                           t->nprefixes ? t->prefixes[0] : "", t->nprefixes > 1 ? ", ..." : "");
        for (size_t j = 0; j < i; j++) {
            const struct subnet_in *o = &t->subnets[j];
            if (o->prefix_ok && ipam_overlap(&o->prefix, &s->prefix)) {
                err_add_detail(e, ERR_SUBNET_RANGES_OVERLAP, ppath,
                               "Subnet '%s' is not valid because its IP address range %s overlaps "
                               "with that of subnet '%s' (%s) in virtual network '%s'.",
                               s->name ? s->name : "", s->prefix_str, o->name ? o->name : "",
                               o->prefix_str, name);
                break;
            }
        }
        free(ppath);
    }
    free(p);
    free(ok);
}

static void vnet_put_tx_free(struct vnet_put_tx *t)
{
    for (size_t i = 0; i < t->nprefixes; i++)
        free(t->prefixes[i]);
    free(t->prefixes);
    for (size_t i = 0; i < t->nsubnets; i++) {
        subnet_in_free(&t->subnets[i]);
        free((char *)t->subnets[i].path);
    }
    free(t->subnets);
    err_clear(&t->err);
    vnet_view_free(&t->out);
}

/* The canonical location, or a 400 in rp (NULL). out filled on success. */
static int net_location(struct req *rq, struct reply *rp, const char *name, struct db_location *out)
{
    struct db_conn *c;
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        st = db_location_get(c, name, out);
        db_release(rq->app->db, c);
    }
    if (st == DB_NOT_FOUND) {
        reply_error(rp, ERR_LOCATION_NOT_AVAILABLE, "location",
                    "The location '%s' is not available. Use one of the locations from GET "
                    "/subscriptions/%s/locations.",
                    name, req_param(rq, "subscriptionId"));
        return -1;
    }
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        return -1;
    }
    return 0;
}

/* The common answers of a write transaction; 1 when it answered. */
static int vnet_tx_reply(struct req *rq, struct reply *rp, enum db_status st,
                         enum vnet_outcome outcome, struct err *e, const char *rg, const char *what,
                         const char *name)
{
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        return 1;
    }
    switch (outcome) {
    case VNET_PRECONDITION:
        return 1;
    case VNET_RG_MISSING:
        netres_rg_not_found(rp, rg);
        return 1;
    case VNET_INVALID:
        reply_error_steal(rp, e);
        return 1;
    case VNET_PARENT_MISSING:
        reply_error(rp, ERR_PARENT_RESOURCE_NOT_FOUND, NULL,
                    "Can not perform requested operation on nested resource. Parent resource "
                    "'%s' not found.",
                    what);
        return 1;
    case VNET_MISSING: {
        char *w = util_asprintf("%s/%s", what, name);
        netres_not_found(rp, w, rg);
        free(w);
        return 1;
    }
    default:
        return 0;
    }
}

void api_vnet_put(struct req *rq, struct reply *rp)
{
    struct vnet_put_req in = {0};
    struct err e = {0};
    struct db_location loc = {0};
    const char *rg = netres_rg_param(rq, rp);
    const char *name =
        rg ? netres_name_param(rq, rp, "virtualNetworkName", "virtual network") : NULL;
    if (!name)
        return;
    if (!rq->body) {
        reply_error(rp, ERR_INVALID_REQUEST_CONTENT, NULL,
                    "The request needs a JSON body: {\"location\": \"westeurope\", "
                    "\"properties\": {\"addressSpace\": {\"addressPrefixes\": [\"10.0.0.0/16\"]}, "
                    "\"subnets\": [{\"name\": \"default\", \"properties\": {\"addressPrefix\": "
                    "\"10.0.0.0/24\"}}]}}.");
        return;
    }
    struct vnet_put_tx t = {
        .rq = rq, .rp = rp, .sub = req_param(rq, "subscriptionId"), .rg = rg, .name = name};
    vnet_put_parse(rq, name, &in, &t, &e);
    if (e.ndetails) {
        netres_err_finish(&e);
        reply_error_steal(rp, &e);
        goto out;
    }
    if (net_location(rq, rp, in.location, &loc) != 0)
        goto out;
    json_t *tags = in.tags ? json_incref((json_t *)in.tags) : json_object();
    t.location = loc.name;
    t.tags = tags;
    enum db_status st = db_tx(rq->app->db, vnet_put_run, &t);
    if (!vnet_tx_reply(rq, rp, st, t.outcome, &t.err, rg, VNET_TYPE, name)) {
        if (t.outcome == VNET_MOVED)
            reply_error(rp, ERR_INVALID_RESOURCE_LOCATION, "location",
                        "The virtual network '%s' already exists in location '%s'; a resource "
                        "cannot move to another location ('%s'). Use '%s', or create a new "
                        "virtual network.",
                        name, t.cur_location, loc.name, t.cur_location);
        else {
            json_t *body = vnet_view_json(&t.out);
            if (*t.op_id)
                vnet_mark_updating(rq, rp, body, t.sub, t.location, t.op_id);
            reply_json(rp, t.outcome == VNET_CREATED ? 201 : 200, body);
        }
    }
    json_decref(tags);
out:
    err_clear(&e);
    db_location_free(&loc);
    vnet_put_tx_free(&t);
}

/* --- GET, DELETE, PATCH, lists --------------------------------------------- */

/* For a resource that was not found: 404 ResourceGroupNotFound when the
 * group is missing too, else ResourceNotFound (or ParentResourceNotFound for
 * a child whose parent is missing). */
static void vnet_not_found(struct req *rq, struct reply *rp, struct db_conn *c, const char *rg,
                           const char *type, const char *name)
{
    struct db_rg g = {0};
    enum db_status st = db_rg_get(c, req_param(rq, "subscriptionId"), rg, &g);
    db_rg_free(&g);
    if (st == DB_NOT_FOUND)
        netres_rg_not_found(rp, rg);
    else if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else {
        char *w = util_asprintf("%s/%s", type, name);
        netres_not_found(rp, w, rg);
        free(w);
    }
}

/* A subnet's virtual network was not found: ResourceGroupNotFound when the
 * group is missing, else ParentResourceNotFound. */
static void vnet_parent_not_found(struct req *rq, struct reply *rp, struct db_conn *c,
                                  const char *rg, const char *vnet)
{
    struct db_rg g = {0};
    enum db_status st = db_rg_get(c, req_param(rq, "subscriptionId"), rg, &g);
    db_rg_free(&g);
    if (st == DB_NOT_FOUND)
        netres_rg_not_found(rp, rg);
    else if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else
        reply_error(rp, ERR_PARENT_RESOURCE_NOT_FOUND, NULL,
                    "Can not perform requested operation on nested resource. Parent resource "
                    "'%s' not found.",
                    vnet);
}

void api_vnet_get(struct req *rq, struct reply *rp)
{
    struct db_conn *c;
    struct vnet_view w = {0};
    const char *rg = netres_rg_param(rq, rp);
    const char *name =
        rg ? netres_name_param(rq, rp, "virtualNetworkName", "virtual network") : NULL;
    if (!name)
        return;
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        return;
    }
    st = vnet_view_load(c, req_param(rq, "subscriptionId"), rg, name, &w);
    if (st == DB_NOT_FOUND)
        vnet_not_found(rq, rp, c, rg, VNET_TYPE, name);
    else if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else
        reply_json(rp, 200, vnet_view_json(&w));
    db_release(rq->app->db, c);
    vnet_view_free(&w);
}

struct vnet_delete_tx {
    const struct req *rq;
    struct reply *rp;
    const char *sub, *rg, *name;
    enum vnet_outcome outcome;
    struct err err;
};

static enum db_status vnet_delete_run(struct db_conn *c, void *arg)
{
    struct vnet_delete_tx *t = arg;
    struct vnet_view cur = {0};
    struct db_rg g = {0};
    err_clear(&t->err);
    enum db_status st = netres_lock(c, t->sub, t->rg, VNET_TYPE, t->name);
    if (st == DB_OK)
        st = vnet_view_load(c, t->sub, t->rg, t->name, &cur);
    if (st == DB_NOT_FOUND) {
        st = db_rg_get(c, t->sub, t->rg, &g);
        db_rg_free(&g);
        if (st == DB_NOT_FOUND) {
            t->outcome = VNET_RG_MISSING;
            return DB_OK;
        }
        if (st != DB_OK)
            return st;
        t->outcome = arm_preconditions(t->rq, t->rp, NULL) ? VNET_PRECONDITION : VNET_MISSING;
        return DB_OK;
    }
    if (st != DB_OK)
        return st;
    if (arm_preconditions(t->rq, t->rp, cur.v.etag) != 0) {
        t->outcome = VNET_PRECONDITION;
        goto done;
    }
    const char **names = util_xcalloc(cur.nsubnets + 1, sizeof(char *));
    const char **ids = util_xcalloc(cur.nsubnets + 1, sizeof(char *));
    for (size_t i = 0; i < cur.nsubnets; i++) {
        names[i] = cur.subnets[i].name;
        ids[i] = cur.subnets[i].id;
    }
    st = subnet_lock_all(c, t->sub, t->rg, t->name, names, cur.nsubnets);
    free(cur.users);
    cur.users = NULL;
    cur.nusers = 0;
    if (st == DB_OK && cur.nsubnets)
        st = db_subnet_users(c, ids, cur.nsubnets, &cur.users, &cur.nusers);
    free(names);
    free(ids);
    if (st != DB_OK)
        goto done;
    for (size_t i = 0; i < cur.nsubnets; i++) {
        if (!subnet_in_use(cur.users, cur.nusers, cur.subnets[i].id))
            continue;
        char *who = subnet_users_text(cur.users, cur.nusers, cur.subnets[i].id);
        char *path = util_asprintf("properties.subnets[%zu]", i);
        err_add_detail(&t->err, ERR_IN_USE_SUBNET_CANNOT_BE_DELETED, path,
                       "Subnet '%s' of virtual network '%s' is in use by %s and cannot be "
                       "deleted. Delete those network interfaces first.",
                       cur.subnets[i].name, cur.v.name, who);
        free(path);
        free(who);
    }
    if (t->err.ndetails) {
        netres_err_finish(&t->err);
        t->outcome = VNET_INVALID;
        goto done;
    }
    st = db_vnet_delete(c, cur.v.id);
    if (st == DB_CONFLICT)
        st = DB_RETRY;
    t->outcome = VNET_DELETED;
done:
    vnet_view_free(&cur);
    return st;
}

void api_vnet_delete(struct req *rq, struct reply *rp)
{
    const char *rg = netres_rg_param(rq, rp);
    const char *name =
        rg ? netres_name_param(rq, rp, "virtualNetworkName", "virtual network") : NULL;
    if (!name)
        return;
    struct vnet_delete_tx t = {
        .rq = rq, .rp = rp, .sub = req_param(rq, "subscriptionId"), .rg = rg, .name = name};
    enum db_status st = db_tx(rq->app->db, vnet_delete_run, &t);
    if (st == DB_OK && t.outcome == VNET_MISSING)
        reply_empty(rp, 204);
    else if (!vnet_tx_reply(rq, rp, st, t.outcome, &t.err, rg, VNET_TYPE, name))
        reply_empty(rp, 200);
    err_clear(&t.err);
}

/* PATCH bodies: tags only (ARM's UpdateTags), merged as RFC 7386 says. */
struct net_patch_req {
    const json_t *tags;
    int tags_present;
};

static const char *net_tags_patch_problem(const json_t *v)
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

static const struct jspec net_patch_spec[] = {
    {.name = "tags",
     .type = JSPEC_T_OBJECT,
     .flags = JSPEC_NULLABLE,
     .offset = offsetof(struct net_patch_req, tags),
     .present_offset = offsetof(struct net_patch_req, tags_present),
     .check = net_tags_patch_problem},
    JSPEC_END,
};

struct vnet_patch_tx {
    const struct req *rq;
    struct reply *rp;
    const char *sub, *rg, *name;
    const json_t *patch; /* tags patch, NULL: remove all */
    int tags_present;
    enum vnet_outcome outcome;
    struct err err;
    struct vnet_view out;
};

static enum db_status vnet_patch_run(struct db_conn *c, void *arg)
{
    struct vnet_patch_tx *t = arg;
    vnet_view_free(&t->out);
    err_clear(&t->err);
    enum db_status st = netres_lock(c, t->sub, t->rg, VNET_TYPE, t->name);
    if (st == DB_OK)
        st = vnet_view_load(c, t->sub, t->rg, t->name, &t->out);
    if (st == DB_NOT_FOUND) {
        struct db_rg g = {0};
        st = db_rg_get(c, t->sub, t->rg, &g);
        db_rg_free(&g);
        t->outcome = st == DB_NOT_FOUND ? VNET_RG_MISSING : VNET_MISSING;
        return st == DB_NOT_FOUND ? DB_OK : st;
    }
    if (st != DB_OK)
        return st;
    if (arm_preconditions(t->rq, t->rp, t->out.v.etag) != 0) {
        t->outcome = VNET_PRECONDITION;
        return DB_OK;
    }
    t->outcome = VNET_UNCHANGED;
    if (!t->tags_present)
        return DB_OK;
    json_t *had = json_loads(t->out.v.tags, 0, NULL);
    json_t *tags = netres_tags_merge(t->out.v.tags, t->patch);
    int same = had && json_equal(had, tags);
    json_decref(had);
    if (json_object_size(tags) > NETRES_MAX_TAGS) {
        err_set(&t->err, ERR_INVALID_REQUEST_CONTENT, "tags",
                "The virtual network would have %zu tags; at most %d are allowed.",
                json_object_size(tags), NETRES_MAX_TAGS);
        t->outcome = VNET_INVALID;
    } else if (!same) {
        char etag[37];
        char *text = json_dumps(tags, JSON_COMPACT);
        char *lit =
            db_vnet_array_literal((const char *const *)t->out.v.prefixes, t->out.v.nprefixes);
        util_uuid4(etag);
        st = db_vnet_update(c, t->out.v.id, text, etag, lit);
        free(text);
        free(lit);
        vnet_view_free(&t->out);
        if (st == DB_OK)
            st = vnet_view_load(c, t->sub, t->rg, t->name, &t->out);
        t->outcome = VNET_UPDATED;
    }
    json_decref(tags);
    return st;
}

void api_vnet_patch(struct req *rq, struct reply *rp)
{
    struct net_patch_req in = {0};
    struct err e = {0};
    const char *rg = netres_rg_param(rq, rp);
    const char *name =
        rg ? netres_name_param(rq, rp, "virtualNetworkName", "virtual network") : NULL;
    if (!name)
        return;
    if (!rq->body) {
        reply_error(rp, ERR_INVALID_REQUEST_CONTENT, NULL,
                    "The request needs a JSON body: {\"tags\": {\"env\": \"test\"}}.");
        return;
    }
    if (jspec_parse(rq->body, net_patch_spec, &in, "", JSPEC_STRICT, &e)) {
        netres_err_finish(&e);
        reply_error_steal(rp, &e);
        return;
    }
    struct vnet_patch_tx t = {.rq = rq,
                              .rp = rp,
                              .sub = req_param(rq, "subscriptionId"),
                              .rg = rg,
                              .name = name,
                              .patch = in.tags,
                              .tags_present =
                                  in.tags_present || json_object_get(rq->body, "tags") != NULL};
    enum db_status st = db_tx(rq->app->db, vnet_patch_run, &t);
    if (!vnet_tx_reply(rq, rp, st, t.outcome, &t.err, rg, VNET_TYPE, name))
        reply_json(rp, 200, vnet_view_json(&t.out));
    err_clear(&t.err);
    vnet_view_free(&t.out);
}

/* Lists at group scope (rg != NULL) or subscription scope. */
struct vnet_list_items {
    struct db_vnet *items;
    struct db_subnet *subnets;
    struct db_subnet_user *users;
    size_t ns, nu;
};

static enum db_status vnet_list_fetch(struct db_conn *c, void *self, const char *sub,
                                      const char *rg, const char *after_rg, const char *after_name,
                                      long limit, size_t shown_max, size_t *n)
{
    struct vnet_list_items *l = self;
    enum db_status st = db_vnet_list(c, sub, rg, after_rg, after_name, limit, &l->items, n);
    if (st == DB_OK)
        st = vnet_children_load(c, l->items, *n < shown_max ? *n : shown_max, &l->subnets, &l->ns,
                                &l->users, &l->nu);
    return st;
}

static json_t *vnet_list_json(const struct req *rq, void *self, size_t i)
{
    struct vnet_list_items *l = self;
    (void)rq;
    return vnet_json(&l->items[i], l->subnets, l->ns, l->users, l->nu);
}

static void vnet_list_names(void *self, size_t i, const char **rg, const char **name)
{
    const struct db_vnet *v = &((struct vnet_list_items *)self)->items[i];
    *rg = v->rg_name;
    *name = v->name;
}

static void vnet_list_release(void *self, size_t n)
{
    struct vnet_list_items *l = self;
    db_vnet_list_free(l->items, n);
    free(l->subnets);
    free(l->users);
}

static void vnet_list(struct req *rq, struct reply *rp, const char *rg)
{
    static const struct netres_lister lister = {vnet_list_fetch, vnet_list_json, vnet_list_names,
                                                vnet_list_release};
    struct vnet_list_items l = {0};
    netres_list_reply(rq, rp, rg, &lister, &l);
}

void api_vnet_list(struct req *rq, struct reply *rp)
{
    const char *rg = netres_rg_param(rq, rp);
    if (rg)
        vnet_list(rq, rp, rg);
}

void api_vnet_list_all(struct req *rq, struct reply *rp)
{
    vnet_list(rq, rp, NULL);
}

/* --- subnets ---------------------------------------------------------------- */

/* The path's group, VNet and (when subnet != NULL) subnet names; -1 with a
 * 400 in rp when one is bad. */
static int subnet_params(struct req *rq, struct reply *rp, const char **rg, const char **vnet,
                         const char **subnet)
{
    *rg = netres_rg_param(rq, rp);
    *vnet = *rg ? netres_name_param(rq, rp, "virtualNetworkName", "virtual network") : NULL;
    if (!*vnet)
        return -1;
    if (subnet != NULL) {
        *subnet = netres_name_param(rq, rp, "subnetName", "subnet");
        if (!*subnet)
            return -1;
    }
    return 0;
}

static char *subnet_type_name(const char *vnet, const char *subnet)
{
    return util_asprintf(VNET_TYPE "/%s/" SUBNET_TYPE "/%s", vnet, subnet);
}

void api_subnet_get(struct req *rq, struct reply *rp)
{
    struct db_conn *c;
    struct vnet_view w = {0};
    const char *rg, *vnet, *name;
    if (subnet_params(rq, rp, &rg, &vnet, &name) != 0)
        return;
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        return;
    }
    st = vnet_view_load(c, req_param(rq, "subscriptionId"), rg, vnet, &w);
    if (st == DB_NOT_FOUND)
        vnet_parent_not_found(rq, rp, c, rg, vnet);
    db_release(rq->app->db, c);
    if (st == DB_NOT_FOUND) {
        /* answered */
    } else if (st != DB_OK) {
        reply_db_error(rp, rq, st);
    } else {
        const struct db_subnet *s = NULL;
        for (size_t i = 0; i < w.nsubnets && !s; i++)
            if (strcasecmp(w.subnets[i].name, name) == 0)
                s = &w.subnets[i];
        if (s) {
            reply_json(rp, 200, subnet_json(&w.v, s, w.users, w.nusers));
        } else {
            char *tn = subnet_type_name(w.v.name, name);
            netres_not_found(rp, tn, rg);
            free(tn);
        }
    }
    vnet_view_free(&w);
}

void api_subnet_list(struct req *rq, struct reply *rp)
{
    struct arm_page pg;
    struct db_conn *c;
    struct db_vnet v = {0};
    struct db_subnet *subnets = NULL;
    struct db_subnet_user *users = NULL;
    size_t n = 0, nu = 0;
    const char *rg, *vnet;
    if (subnet_params(rq, rp, &rg, &vnet, NULL) != 0)
        return;
    if (arm_page_parse(rq, rp, &pg) != 0)
        return;
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        arm_page_free(&pg);
        return;
    }
    st = db_vnet_get(c, req_param(rq, "subscriptionId"), rg, vnet, &v);
    if (st == DB_OK) {
        const char *ids[] = {v.id};
        st = db_subnet_list(c, ids, 1, pg.after, pg.top + 1, &subnets, &n);
    }
    size_t shown = n > (size_t)pg.top ? (size_t)pg.top : n;
    if (st == DB_OK && shown) {
        const char **ids = util_xcalloc(shown, sizeof(char *));
        for (size_t i = 0; i < shown; i++)
            ids[i] = subnets[i].id;
        st = db_subnet_users(c, ids, shown, &users, &nu);
        free(ids);
    }
    if (st == DB_NOT_FOUND)
        vnet_parent_not_found(rq, rp, c, rg, vnet);
    db_release(rq->app->db, c);
    if (st == DB_NOT_FOUND) {
        /* answered */
    } else if (st != DB_OK) {
        reply_db_error(rp, rq, st);
    } else {
        json_t *value = json_array();
        for (size_t i = 0; i < shown; i++)
            json_array_append_new(value, subnet_json(&v, &subnets[i], users, nu));
        json_t *list = json_pack("{s:o}", "value", value);
        if (shown) {
            char *last = util_xstrdup(subnets[shown - 1].name);
            for (char *p = last; *p; p++)
                *p = (char)((*p >= 'A' && *p <= 'Z') ? *p - 'A' + 'a' : *p);
            arm_page_finish(rq, &pg, list, n > shown, last);
            free(last);
        }
        reply_json(rp, 200, list);
    }
    db_vnet_free(&v);
    free(subnets);
    free(users);
    arm_page_free(&pg);
}

struct subnet_put_tx {
    const struct req *rq;
    struct reply *rp;
    const char *sub, *rg, *vnet, *name;
    struct subnet_in *in;
    enum vnet_outcome outcome;
    struct err err;
    struct vnet_view out; /* the VNet, for rendering the subnet */
    char op_id[37];       /* the policy.push of an NSG change ("" when none) */
    char location[65];
};

static enum db_status subnet_put_run(struct db_conn *c, void *arg)
{
    struct subnet_put_tx *t = arg;
    t->op_id[0] = '\0';
    struct vnet_view w = {0};
    struct db_rg g = {0};
    vnet_view_free(&t->out);
    err_clear(&t->err);
    enum db_status st = netres_lock(c, t->sub, t->rg, VNET_TYPE, t->vnet);
    if (st == DB_OK)
        st = subnet_lock_all(c, t->sub, t->rg, t->vnet, &t->name, 1);
    if (st == DB_OK)
        st = db_rg_get(c, t->sub, t->rg, &g);
    db_rg_free(&g);
    if (st == DB_NOT_FOUND) {
        t->outcome = VNET_RG_MISSING;
        return DB_OK;
    }
    if (st == DB_OK)
        st = vnet_view_load(c, t->sub, t->rg, t->vnet, &w);
    if (st == DB_NOT_FOUND) {
        t->outcome = VNET_PARENT_MISSING;
        return DB_OK;
    }
    if (st != DB_OK)
        return st;
    const struct db_subnet *cur = NULL;
    for (size_t i = 0; i < w.nsubnets && !cur; i++)
        if (strcasecmp(w.subnets[i].name, t->name) == 0)
            cur = &w.subnets[i];
    if (arm_preconditions(t->rq, t->rp, cur ? cur->etag : NULL) != 0) {
        t->outcome = VNET_PRECONDITION;
        goto done;
    }
    const struct subnet_in *in = t->in;
    const char *ppath = "properties.addressPrefix";
    int inside = 0;
    for (size_t k = 0; k < w.v.nprefixes && !inside; k++) {
        struct ipam_prefix space;
        inside = ipam_prefix_parse(w.v.prefixes[k], &space) == IPAM_OK &&
                 ipam_contains(&space, &in->prefix);
    }
    if (!inside)
        err_add_detail(&t->err, ERR_SUBNET_RANGE_OUTSIDE_VNET, ppath,
                       "Subnet '%s' is not valid because its IP address range %s is outside the "
                       "IP address range of virtual network '%s' (%s%s).",
                       t->name, in->prefix_str, w.v.name, w.v.nprefixes ? w.v.prefixes[0] : "",
                       w.v.nprefixes > 1 ? ", ..." : "");
    for (size_t i = 0; i < w.nsubnets; i++) {
        struct ipam_prefix other;
        if (&w.subnets[i] == cur || ipam_prefix_parse(w.subnets[i].prefix, &other) != IPAM_OK ||
            !ipam_overlap(&other, &in->prefix))
            continue;
        err_add_detail(&t->err, ERR_SUBNET_RANGES_OVERLAP, ppath,
                       "Subnet '%s' is not valid because its IP address range %s overlaps with "
                       "that of subnet '%s' (%s) in virtual network '%s'.",
                       t->name, in->prefix_str, w.subnets[i].name, w.subnets[i].prefix, w.v.name);
        break;
    }
    st = subnet_nsg_resolve(c, t->in, w.v.location, &t->err);
    if (st == DB_OK && cur && strcmp(cur->prefix, in->prefix_str) != 0)
        st = subnet_shrink_check(c, cur, &in->prefix, ppath, &t->err);
    if (st != DB_OK)
        goto done;
    if (t->err.ndetails) {
        netres_err_finish(&t->err);
        t->outcome = VNET_INVALID;
        goto done;
    }
    if (cur && strcmp(cur->prefix, in->prefix_str) == 0 && strcmp(cur->nsg_id, in->nsg_id) == 0) {
        t->outcome = VNET_UNCHANGED;
        t->out = w;
        memset(&w, 0, sizeof(w));
        goto done;
    }
    char etag[37], vetag[37], id[37];
    util_uuid4(etag);
    util_uuid4(vetag);
    if (cur) {
        st = db_subnet_update(c, cur->id, etag, in->prefix_str, *in->nsg_id ? in->nsg_id : NULL);
        if (st == DB_OK && strcmp(cur->nsg_id, in->nsg_id) != 0) {
            char *vid = vnet_resource_id(t->sub, t->rg, t->vnet);
            char *rid = util_asprintf("%s/subnets/%s", vid, t->name);
            free(vid);
            st = db_policy_enqueue(c, NULL, cur->id, t->sub, w.v.location, rid, t->op_id);
            snprintf(t->location, sizeof(t->location), "%s", w.v.location);
            free(rid);
        }
    } else {
        util_uuid4(id);
        st = db_subnet_insert(c, id, w.v.id, t->name, etag, in->prefix_str,
                              *in->nsg_id ? in->nsg_id : NULL);
    }
    if (st == DB_OK)
        st = db_vnet_set_etag(c, w.v.id, vetag);
    if (st == DB_CONFLICT)
        st = DB_RETRY;
    if (st == DB_OK)
        st = vnet_view_load(c, t->sub, t->rg, t->vnet, &t->out);
    t->outcome = cur ? VNET_UPDATED : VNET_CREATED;
done:
    vnet_view_free(&w);
    return st;
}

static void subnet_reply(struct reply *rp, unsigned status, const struct vnet_view *w,
                         const char *name, const struct req *rq, const char *sub,
                         const char *location, const char *op_id)
{
    for (size_t i = 0; i < w->nsubnets; i++) {
        if (strcasecmp(w->subnets[i].name, name) == 0) {
            json_t *body = subnet_json(&w->v, &w->subnets[i], w->users, w->nusers);
            if (op_id && *op_id)
                vnet_mark_updating(rq, rp, body, sub, location, op_id);
            reply_json(rp, status, body);
            return;
        }
    }
    reply_error(rp, ERR_INTERNAL, NULL, "The subnet '%s' vanished after it was written.", name);
}

void api_subnet_put(struct req *rq, struct reply *rp)
{
    struct subnet_in in = {.path = ""};
    struct err e = {0};
    const char *rg, *vnet, *name;
    if (subnet_params(rq, rp, &rg, &vnet, &name) != 0)
        return;
    if (!rq->body) {
        reply_error(rp, ERR_INVALID_REQUEST_CONTENT, NULL,
                    "The request needs a JSON body: {\"properties\": {\"addressPrefix\": "
                    "\"10.0.0.0/24\"}}.");
        return;
    }
    const char *sub = req_param(rq, "subscriptionId");
    jspec_parse(rq->body, subnet_put_spec, &in, "", JSPEC_STRICT, &e);
    if (in.name && strcasecmp(in.name, name) != 0)
        err_add_detail(&e, ERR_INVALID_REQUEST_CONTENT, "name",
                       "'name' is '%s' but the path names '%s'; leave it out or make them agree.",
                       in.name, name);
    in.name = name;
    subnet_in_check(&in, sub, &e);
    if (e.ndetails) {
        netres_err_finish(&e);
        reply_error_steal(rp, &e);
        subnet_in_free(&in);
        return;
    }
    struct subnet_put_tx t = {
        .rq = rq, .rp = rp, .sub = sub, .rg = rg, .vnet = vnet, .name = name, .in = &in};
    enum db_status st = db_tx(rq->app->db, subnet_put_run, &t);
    if (!vnet_tx_reply(rq, rp, st, t.outcome, &t.err, rg, VNET_TYPE, vnet))
        subnet_reply(rp, t.outcome == VNET_CREATED ? 201 : 200, &t.out, name, rq, t.sub, t.location,
                     t.op_id);
    err_clear(&t.err);
    vnet_view_free(&t.out);
    subnet_in_free(&in);
}

struct subnet_delete_tx {
    const struct req *rq;
    struct reply *rp;
    const char *sub, *rg, *vnet, *name;
    enum vnet_outcome outcome;
    struct err err;
};

static enum db_status subnet_delete_run(struct db_conn *c, void *arg)
{
    struct subnet_delete_tx *t = arg;
    struct db_vnet v = {0};
    struct db_subnet s;
    struct db_subnet_user *users = NULL;
    size_t nu = 0;
    err_clear(&t->err);
    enum db_status st = netres_lock(c, t->sub, t->rg, VNET_TYPE, t->vnet);
    if (st == DB_OK)
        st = subnet_lock_all(c, t->sub, t->rg, t->vnet, &t->name, 1);
    if (st == DB_OK)
        st = db_vnet_get(c, t->sub, t->rg, t->vnet, &v);
    if (st == DB_OK)
        st = db_subnet_get(c, v.id, t->name, &s);
    if (st == DB_NOT_FOUND) {
        struct db_rg g = {0};
        st = db_rg_get(c, t->sub, t->rg, &g);
        db_rg_free(&g);
        if (st == DB_OK)
            t->outcome = arm_preconditions(t->rq, t->rp, NULL) ? VNET_PRECONDITION : VNET_MISSING;
        else if (st == DB_NOT_FOUND)
            t->outcome = VNET_RG_MISSING;
        db_vnet_free(&v);
        return st == DB_NOT_FOUND ? DB_OK : st;
    }
    if (st != DB_OK)
        goto done;
    if (arm_preconditions(t->rq, t->rp, s.etag) != 0) {
        t->outcome = VNET_PRECONDITION;
        goto done;
    }
    const char *ids[] = {s.id};
    st = db_subnet_users(c, ids, 1, &users, &nu);
    if (st != DB_OK)
        goto done;
    if (nu) {
        char *who = subnet_users_text(users, nu, s.id);
        err_set(&t->err, ERR_IN_USE_SUBNET_CANNOT_BE_DELETED, NULL,
                "Subnet '%s' is in use by %s and cannot be deleted. Delete those network "
                "interfaces (or move their IP configurations to another subnet) first.",
                s.name, who);
        free(who);
        t->outcome = VNET_INVALID;
        goto done;
    }
    char vetag[37];
    util_uuid4(vetag);
    st = db_subnet_delete(c, s.id);
    if (st == DB_OK)
        st = db_vnet_set_etag(c, v.id, vetag);
    if (st == DB_CONFLICT)
        st = DB_RETRY;
    t->outcome = VNET_DELETED;
done:
    free(users);
    db_vnet_free(&v);
    return st;
}

void api_subnet_delete(struct req *rq, struct reply *rp)
{
    const char *rg, *vnet, *name;
    if (subnet_params(rq, rp, &rg, &vnet, &name) != 0)
        return;
    struct subnet_delete_tx t = {.rq = rq,
                                 .rp = rp,
                                 .sub = req_param(rq, "subscriptionId"),
                                 .rg = rg,
                                 .vnet = vnet,
                                 .name = name};
    enum db_status st = db_tx(rq->app->db, subnet_delete_run, &t);
    if (st == DB_OK && t.outcome == VNET_MISSING)
        reply_empty(rp, 204);
    else if (!vnet_tx_reply(rq, rp, st, t.outcome, &t.err, rg, VNET_TYPE, vnet))
        reply_empty(rp, 200);
    err_clear(&t.err);
}
