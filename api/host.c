/* Hosts: registration and heartbeats from host agents, and the operators'
 * view and control of them.
 *
 *   PUT  /admin/hosts/{hostName}             agents (and admins): register
 *   POST /admin/hosts/{hostName}/heartbeat   agents (and admins): alive
 *   GET  /admin/hosts[/{hostName}]           admins
 *   POST /admin/hosts/{hostName}/disable     admins: Disabled (no new VMs)
 *   POST /admin/hosts/{hostName}/drain       admins: Draining (no new VMs)
 *   POST /admin/hosts/{hostName}/enable      admins: Enabled
 *   POST /admin/hosts/{hostName}/evacuate    admins: its VMs placed elsewhere
 *   DELETE /admin/hosts/{hostName}           admins: declared dead (or
 *                                            decommissioned), forgotten
 *
 * The first agent token that registers a host owns it: another agent token
 * gets 409 HostOwnedByAnotherAgent on registration and heartbeats, until the
 * owner token is revoked (then the next agent token to register takes the
 * host over). Admin tokens may register any host and keep its owner.
 * Registration never changes the state an operator set, nor what is in use;
 * it cannot move a host that has capacity in use to another location, change
 * the physical functions of a host with VFs in use, or lower a capacity
 * below what is in use (409 HostInUse). The callbackToken an agent gives is
 * stored for calling it and never shown. */
#include "api/api.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>

#include "api/arm.h"
#include "common/jspec.h"
#include "common/util.h"
#include "db/audit.h"
#include "db/catalog.h"
#include "db/host.h"
#include "db/op.h"
#include "db/servicing.h"
#include "db/vm.h"
#include "scheduler/sched.h"
#include "service/agentclient.h"
#include "service/config.h"
#include "service/reconcile.h"
#include "service/vmwork.h"

#define HOST_PF_MAX 64

#define HOST_EXAMPLE                                                                          \
    "{\"location\": \"westeurope\", \"agentUrl\": \"https://10.0.0.7:9101\", \"vcpus\": 64, " \
    "\"memoryMB\": 262144, \"faultDomain\": 0, \"backend\": \"sim\", \"agentVersion\": "      \
    "\"0.1.0\", \"callbackToken\": \"...\", \"physicalFunctions\": [{\"name\": \"pf0\", "     \
    "\"pciAddress\": \"0000:03:00.0\", \"vendorId\": \"15b3\", \"deviceId\": \"1003\", "      \
    "\"vfDeviceId\": \"1004\", \"numVfs\": 16, \"driver\": \"mlx4_core\"}]}"

/* --- validation ---------------------------------------------------------------------- */

/* The {hostName} parameter, checked and lower-cased into out; -1 with a 400
 * in rp. */
static int host_name_param(struct req *rq, struct reply *rp, char out[DB_HOST_NAME_MAX + 1])
{
    const char *name = req_param(rq, "hostName");
    const char *why = name ? util_dns_label_problem(name) : "is missing";
    if (why) {
        reply_error(rp, ERR_INVALID_RESOURCE_NAME, "hostName",
                    "The host name '%s' is not valid: it %s.", name ? name : "", why);
        return -1;
    }
    snprintf(out, DB_HOST_NAME_MAX + 1, "%s", name);
    util_str_lower(out);
    return 0;
}

static int host_all(const char *s, int (*ok)(int))
{
    for (; *s; s++)
        if (!ok((unsigned char)*s))
            return 0;
    return 1;
}

static int host_is_visible(int c)
{
    return c > ' ' && c < 0x7f;
}

static int host_is_printable(int c)
{
    return c >= ' ' && c < 0x7f;
}

static const char *host_url_check(const json_t *v)
{
    return agentc_url_problem(json_string_value(v));
}

static const char *host_token_check(const json_t *v)
{
    return host_all(json_string_value(v), host_is_visible)
               ? NULL
               : "must be printable ASCII without spaces (it is sent in an HTTP header)";
}

static const char *host_printable_check(const json_t *v)
{
    return host_all(json_string_value(v), host_is_printable) ? NULL : "must be printable ASCII";
}

static const char *host_backend_check(const json_t *v)
{
    const char *s = json_string_value(v);
    if (!islower((unsigned char)s[0]) && !isdigit((unsigned char)s[0]))
        return "must start with a lower-case letter or digit";
    for (; *s; s++)
        if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_' && *s != '-')
            return "may only contain lower-case letters, digits, '_' and '-'";
    return NULL;
}

static const char *host_pf_name_check(const json_t *v)
{
    const char *s = json_string_value(v);
    if (!isalnum((unsigned char)s[0]))
        return "must start with a letter or digit (a network interface name such as pf0)";
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
            return "may only contain letters, digits, '_', '.' and '-'";
    return NULL;
}

/* "0000:03:00.0": domain:bus:device.function, hexadecimal. */
static const char *host_pci_check(const json_t *v)
{
    const char *s = json_string_value(v);
    static const char shape[] = "hhhh:hh:hh.f";
    if (strlen(s) != sizeof(shape) - 1)
        return "must be a PCI address such as 0000:03:00.0";
    for (size_t i = 0; shape[i]; i++) {
        char c = s[i];
        int ok = shape[i] == 'h'   ? isxdigit((unsigned char)c)
                 : shape[i] == 'f' ? (c >= '0' && c <= '7')
                                   : c == shape[i];
        if (!ok)
            return "must be a PCI address such as 0000:03:00.0";
    }
    return NULL;
}

static const char *host_pci_id_check(const json_t *v)
{
    const char *s = json_string_value(v);
    if (strlen(s) != 4 || !host_all(s, isxdigit))
        return "must be a PCI id of 4 hexadecimal digits, such as 15b3";
    return NULL;
}

struct host_pf_req {
    const char *name, *pci_address, *vendor_id, *device_id, *vf_device_id, *driver;
    long long num_vfs;
};

static const struct jspec host_pf_spec[] = {
    JSPEC_STRING("name", struct host_pf_req, name, JSPEC_REQUIRED, .min_len = 1, .max_len = 15,
                 .check = host_pf_name_check),
    JSPEC_STRING("pciAddress", struct host_pf_req, pci_address, JSPEC_REQUIRED,
                 .check = host_pci_check),
    JSPEC_STRING("vendorId", struct host_pf_req, vendor_id, JSPEC_REQUIRED,
                 .check = host_pci_id_check),
    JSPEC_STRING("deviceId", struct host_pf_req, device_id, JSPEC_REQUIRED,
                 .check = host_pci_id_check),
    JSPEC_STRING("vfDeviceId", struct host_pf_req, vf_device_id, JSPEC_REQUIRED,
                 .check = host_pci_id_check),
    JSPEC_INT("numVfs", struct host_pf_req, num_vfs, JSPEC_REQUIRED, .min = 0, .max = 256),
    JSPEC_STRING("driver", struct host_pf_req, driver, JSPEC_REQUIRED, .min_len = 1, .max_len = 64,
                 .check = host_printable_check),
    JSPEC_END,
};

struct host_put_req {
    const char *location, *agent_url, *backend, *agent_version, *callback_token;
    long long vcpus, memory_mb, fault_domain;
    const json_t *pfs;
};

static const struct jspec host_put_spec[] = {
    JSPEC_STRING("location", struct host_put_req, location, JSPEC_REQUIRED, .min_len = 1,
                 .max_len = 64),
    JSPEC_STRING("agentUrl", struct host_put_req, agent_url, JSPEC_REQUIRED, .max_len = 2048,
                 .check = host_url_check),
    /* Up to 64 Ki vCPUs and 64 TiB. */
    JSPEC_INT("vcpus", struct host_put_req, vcpus, JSPEC_REQUIRED, .min = 1, .max = 65536),
    JSPEC_INT("memoryMB", struct host_put_req, memory_mb, JSPEC_REQUIRED, .min = 1,
              .max = 67108864),
    JSPEC_INT("faultDomain", struct host_put_req, fault_domain, 0, .min = 0, .max = 255),
    JSPEC_STRING("backend", struct host_put_req, backend, JSPEC_REQUIRED, .min_len = 1,
                 .max_len = 32, .check = host_backend_check),
    JSPEC_STRING("agentVersion", struct host_put_req, agent_version, JSPEC_REQUIRED, .min_len = 1,
                 .max_len = 64, .check = host_printable_check),
    JSPEC_STRING("callbackToken", struct host_put_req, callback_token, JSPEC_REQUIRED,
                 .min_len = 32, .max_len = 512, .check = host_token_check),
    {.name = "physicalFunctions",
     .type = JSPEC_T_ARRAY,
     .flags = JSPEC_REQUIRED,
     .offset = offsetof(struct host_put_req, pfs),
     .present_offset = JSPEC__NONE,
     .fields = host_pf_spec,
     .item_type = JSPEC_T_OBJECT,
     .max_len = HOST_PF_MAX},
    JSPEC_END,
};

/* One more problem in e (after jspec_parse); returns the new count. */
static int host_problem(struct err *e, int problems, const char *target, const char *fmt,
                        const char *a, const char *b)
{
    err_add_detail(e, ERR_INVALID_REQUEST_CONTENT, target, fmt, a, b);
    problems++;
    err_set(e, ERR_INVALID_REQUEST_CONTENT, NULL,
            "The request body is not valid (%d problem%s); see details.", problems,
            problems == 1 ? "" : "s");
    return problems;
}

static void host_copy_lower(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src);
    util_str_lower(dst);
}

static int host_pf_cmp(const void *a, const void *b)
{
    return strcmp(((const struct db_host_pf *)a)->name, ((const struct db_host_pf *)b)->name);
}

/* Reads the (validated) PFs into pfs, sorted by name; reports duplicate names
 * and PCI addresses. Returns the new number of problems. */
static int host_pfs_read(const json_t *arr, struct db_host_pf *pfs, size_t *npfs, long *vfs_total,
                         struct err *e, int problems)
{
    size_t n = json_array_size(arr);
    *vfs_total = 0;
    for (size_t i = 0; i < n; i++) {
        struct host_pf_req in = {0};
        struct err ignore = {0};
        jspec_parse(json_array_get(arr, i), host_pf_spec, &in, "x", JSPEC_STRICT, &ignore);
        err_clear(&ignore);
        struct db_host_pf *p = &pfs[i];
        memset(p, 0, sizeof(*p));
        snprintf(p->name, sizeof(p->name), "%s", in.name);
        host_copy_lower(p->pci_address, sizeof(p->pci_address), in.pci_address);
        host_copy_lower(p->vendor_id, sizeof(p->vendor_id), in.vendor_id);
        host_copy_lower(p->device_id, sizeof(p->device_id), in.device_id);
        host_copy_lower(p->vf_device_id, sizeof(p->vf_device_id), in.vf_device_id);
        snprintf(p->driver, sizeof(p->driver), "%s", in.driver);
        p->num_vfs = (int)in.num_vfs;
        *vfs_total += p->num_vfs;
        for (size_t j = 0; j < i; j++) {
            char target[64];
            if (strcmp(pfs[j].name, p->name) == 0) {
                snprintf(target, sizeof(target), "physicalFunctions[%zu].name", i);
                problems = host_problem(e, problems, target,
                                        "'%s' repeats the name '%s' of an earlier physical "
                                        "function; names must be unique.",
                                        target, p->name);
            }
            if (strcmp(pfs[j].pci_address, p->pci_address) == 0) {
                snprintf(target, sizeof(target), "physicalFunctions[%zu].pciAddress", i);
                problems = host_problem(e, problems, target,
                                        "'%s' repeats the PCI address '%s' of an earlier "
                                        "physical function; addresses must be unique.",
                                        target, p->pci_address);
            }
        }
    }
    *npfs = n;
    qsort(pfs, n, sizeof(*pfs), host_pf_cmp);
    return problems;
}

/* --- the host object ------------------------------------------------------------------ */

static json_t *host_str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static json_t *host_json(const struct db_host *h)
{
    json_t *pfs = json_array();
    for (size_t i = 0; i < h->npfs; i++) {
        const struct db_host_pf *p = &h->pfs[i];
        json_array_append_new(pfs,
                              json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:s}", "name", p->name,
                                        "pciAddress", p->pci_address, "vendorId", p->vendor_id,
                                        "deviceId", p->device_id, "vfDeviceId", p->vf_device_id,
                                        "numVfs", p->num_vfs, "driver", p->driver));
    }
    json_t *vfs =
        json_pack("{s:I, s:I}", "total", (json_int_t)h->vfs_total, "used", (json_int_t)h->vfs_used);
    json_object_set_new(vfs, "agentInUse",
                        h->agent_vfs_in_use >= 0 ? json_integer(h->agent_vfs_in_use) : json_null());
    json_t *capacity = json_pack("{s:{s:I, s:I}, s:{s:I, s:I}, s:o}", "vcpus", "total",
                                 (json_int_t)h->vcpus_total, "used", (json_int_t)h->vcpus_used,
                                 "memoryMB", "total", (json_int_t)h->memory_mb_total, "used",
                                 (json_int_t)h->memory_mb_used, "virtualFunctions", vfs);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:s}",
                     "name", h->name, "location", h->location, "agentUrl", h->agent_url, "backend",
                     h->backend, "agentVersion", h->agent_version, "faultDomain", h->fault_domain,
                     "state", h->state, "health", h->healthy ? "Healthy" : "Unhealthy",
                     "lastHeartbeat", host_str_or_null(h->last_heartbeat_at), "capacity", capacity,
                     "physicalFunctions", pfs, "agentTokenId", host_str_or_null(h->owner_token_id),
                     "registeredAt", h->registered_at, "updatedAt", h->updated_at);
}

static json_t *host_item_json(const void *item, const void *ctx)
{
    (void)ctx;
    return host_json(item);
}

static char *host_item_key(const void *item)
{
    return util_xstrdup(((const struct db_host *)item)->name);
}

static void host_not_found(struct reply *rp, const char *name)
{
    reply_error(rp, ERR_HOST_NOT_FOUND, "hostName",
                "There is no host '%s'. Its agent registers it with PUT /admin/hosts/%s; GET "
                "/admin/hosts lists the hosts there are.",
                name, name);
}

static unsigned host_timeout(const struct req *rq)
{
    return rq->app->cfg->host_heartbeat_timeout_s;
}

/* --- registration --------------------------------------------------------------------- */

enum host_refusal {
    HOST_REFUSE_NONE,
    HOST_REFUSE_LOCATION,      /* not in the catalogue */
    HOST_REFUSE_OWNED,         /* another live agent token owns it */
    HOST_REFUSE_MOVE,          /* location change with capacity in use */
    HOST_REFUSE_PFS,           /* PF change with VFs in use */
    HOST_REFUSE_VCPUS_IN_USE,  /* vcpus below what is used */
    HOST_REFUSE_MEMORY_IN_USE, /* memoryMB below what is used */
};

struct host_put_tx {
    /* in */
    const char *actor;
    int is_agent;
    unsigned timeout_s;
    const char *location_in;
    struct db_host_reg reg;
    /* out */
    int created;
    enum host_refusal refusal;
    char location[65];
    struct db_host before; /* on an update */
    struct db_host out;
};

static int host_pfs_differ(const struct db_host *h, const struct db_host_reg *r)
{
    if (h->npfs != r->npfs)
        return 1;
    for (size_t i = 0; i < h->npfs; i++) {
        const struct db_host_pf *a = &h->pfs[i], *b = &r->pfs[i];
        if (strcmp(a->name, b->name) != 0 || strcmp(a->pci_address, b->pci_address) != 0 ||
            strcmp(a->vendor_id, b->vendor_id) != 0 || strcmp(a->device_id, b->device_id) != 0 ||
            strcmp(a->vf_device_id, b->vf_device_id) != 0 || a->num_vfs != b->num_vfs ||
            strcmp(a->driver, b->driver) != 0)
            return 1;
    }
    return 0;
}

/* What a registration changed, for the audit log (never the token itself). */
static json_t *host_changes(const struct db_host *b, const struct db_host_reg *r, int token_changed,
                            int pfs_changed)
{
    json_t *d = json_object();
    if (strcmp(b->location, r->location) != 0)
        json_object_set_new(d, "location", json_string(r->location));
    if (strcmp(b->agent_url, r->agent_url) != 0)
        json_object_set_new(d, "agentUrl", json_string(r->agent_url));
    if (strcmp(b->backend, r->backend) != 0)
        json_object_set_new(d, "backend", json_string(r->backend));
    if (strcmp(b->agent_version, r->agent_version) != 0)
        json_object_set_new(d, "agentVersion", json_string(r->agent_version));
    if (b->fault_domain != r->fault_domain)
        json_object_set_new(d, "faultDomain", json_integer(r->fault_domain));
    if (b->vcpus_total != r->vcpus)
        json_object_set_new(d, "vcpus", json_integer(r->vcpus));
    if (b->memory_mb_total != r->memory_mb)
        json_object_set_new(d, "memoryMB", json_integer(r->memory_mb));
    if (pfs_changed)
        json_object_set_new(d, "physicalFunctions", json_true());
    if (token_changed)
        json_object_set_new(d, "callbackTokenChanged", json_true());
    const char *owner = r->owner_token_id ? r->owner_token_id : "";
    if (strcmp(b->owner_token_id, owner) != 0) {
        json_object_set_new(d, "agentTokenId", host_str_or_null(owner));
        json_object_set_new(d, "previousAgentTokenId", host_str_or_null(b->owner_token_id));
    }
    return d;
}

static enum db_status host_put_run(struct db_conn *c, void *arg)
{
    struct host_put_tx *t = arg;
    struct db_location loc = {0};
    db_host_free(&t->before);
    db_host_free(&t->out);
    t->refusal = HOST_REFUSE_NONE;
    t->created = 0;

    enum db_status st = db_location_get(c, t->location_in, &loc);
    if (st == DB_NOT_FOUND)
        t->refusal = HOST_REFUSE_LOCATION;
    if (st != DB_OK)
        return st;
    snprintf(t->location, sizeof(t->location), "%s", loc.name);
    db_location_free(&loc);
    t->reg.location = t->location;

    st = db_host_get_for_update(c, t->reg.name, t->timeout_s, &t->before);
    if (st == DB_NOT_FOUND) {
        t->reg.owner_token_id = t->is_agent ? t->actor : NULL;
        st = db_host_insert(c, &t->reg);
        if (st != DB_OK)
            return st;
        t->created = 1;
        json_t *d = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:o}", "host", t->reg.name,
                              "location", t->reg.location, "agentUrl", t->reg.agent_url, "vcpus",
                              (json_int_t)t->reg.vcpus, "memoryMB", (json_int_t)t->reg.memory_mb,
                              "virtualFunctions", (json_int_t)t->reg.vfs_total, "agentTokenId",
                              host_str_or_null(t->reg.owner_token_id));
        st = db_audit_insert(c, t->actor, NULL, "host.register", d);
        json_decref(d);
    } else if (st == DB_OK) {
        const struct db_host *b = &t->before;
        /* Who owns it afterwards. */
        if (t->is_agent && *b->owner_token_id && strcmp(b->owner_token_id, t->actor) != 0 &&
            b->owner_live) {
            t->refusal = HOST_REFUSE_OWNED;
            return DB_CONFLICT;
        }
        t->reg.owner_token_id =
            t->is_agent ? t->actor : (*b->owner_token_id ? b->owner_token_id : NULL);
        int in_use = b->vcpus_used > 0 || b->memory_mb_used > 0 || b->vfs_used > 0;
        int pfs_changed = host_pfs_differ(b, &t->reg);
        if (strcmp(b->location, t->reg.location) != 0 && in_use)
            t->refusal = HOST_REFUSE_MOVE;
        else if (pfs_changed && b->vfs_used > 0)
            t->refusal = HOST_REFUSE_PFS;
        else if (t->reg.vcpus < b->vcpus_used)
            t->refusal = HOST_REFUSE_VCPUS_IN_USE;
        else if (t->reg.memory_mb < b->memory_mb_used)
            t->refusal = HOST_REFUSE_MEMORY_IN_USE;
        if (t->refusal != HOST_REFUSE_NONE)
            return DB_CONFLICT;
        int same_token = 0;
        st = db_host_callback_token_is(c, t->reg.name, t->reg.callback_token, &same_token);
        if (st != DB_OK)
            return st;
        st = db_host_update(c, &t->reg, pfs_changed);
        if (st != DB_OK)
            return st;
        json_t *d = host_changes(b, &t->reg, !same_token, pfs_changed);
        if (json_object_size(d) > 0) {
            json_object_set_new(d, "host", json_string(t->reg.name));
            st = db_audit_insert(c, t->actor, NULL, "host.update", d);
        }
        json_decref(d);
    }
    if (st != DB_OK)
        return st;
    return db_host_get(c, t->reg.name, t->timeout_s, &t->out);
}

/* 400 LocationNotAvailableForResourceType, naming the catalogue's locations. */
static void host_reply_bad_location(struct req *rq, struct reply *rp, const char *location)
{
    struct db_conn *c;
    struct db_location *items = NULL;
    size_t n = 0;
    struct buf names = {0};
    if (db_acquire(rq->app->db, &c) == DB_OK) {
        if (db_location_list(c, NULL, 0, &items, &n) != DB_OK)
            n = 0;
        db_release(rq->app->db, c);
    }
    for (size_t i = 0; i < n; i++)
        buf_appendf(&names, "%s%s", i ? ", " : "", items[i].name);
    reply_error(rp, ERR_LOCATION_NOT_AVAILABLE_FOR_TYPE, "location",
                "The location '%s' is not in the catalogue, so no host can be registered there. "
                "Locations: %s.",
                location, n ? names.data : "(none yet; add one under /admin/catalog/locations)");
    buf_free(&names);
    db_location_list_free(items, n);
}

static void host_reply_refusal(struct req *rq, struct reply *rp, const struct host_put_tx *t)
{
    const struct db_host *b = &t->before;
    switch (t->refusal) {
    case HOST_REFUSE_LOCATION:
        host_reply_bad_location(rq, rp, t->location_in);
        break;
    case HOST_REFUSE_OWNED:
        reply_error(rp, ERR_HOST_OWNED_BY_ANOTHER_AGENT, "hostName",
                    "The host '%s' is registered by another agent token (id %s); only that token "
                    "may register it and send its heartbeats. To move the host to this token, "
                    "revoke the other one (DELETE /admin/tokens/%s), then register again.",
                    b->name, b->owner_token_id, b->owner_token_id);
        break;
    case HOST_REFUSE_MOVE:
        reply_error(rp, ERR_HOST_IN_USE, "location",
                    "The host '%s' is in location '%s' and has capacity in use (%ld vCPUs, %lld "
                    "MB of memory, %ld virtual functions), so it cannot move to '%s'. Move or "
                    "delete its VMs first, or register it again in '%s'.",
                    b->name, b->location, b->vcpus_used, b->memory_mb_used, b->vfs_used,
                    t->location, b->location);
        break;
    case HOST_REFUSE_PFS:
        reply_error(rp, ERR_HOST_IN_USE, "physicalFunctions",
                    "The host '%s' has %ld virtual function%s in use, so its physical functions "
                    "cannot change. Register it with the physical functions it has, or release "
                    "its VFs first.",
                    b->name, b->vfs_used, b->vfs_used == 1 ? "" : "s");
        break;
    case HOST_REFUSE_VCPUS_IN_USE:
        reply_error(rp, ERR_HOST_IN_USE, "vcpus",
                    "The host '%s' has %ld vCPUs in use, so 'vcpus' cannot be %ld; it must be at "
                    "least %ld until they are released.",
                    b->name, b->vcpus_used, t->reg.vcpus, b->vcpus_used);
        break;
    case HOST_REFUSE_MEMORY_IN_USE:
        reply_error(rp, ERR_HOST_IN_USE, "memoryMB",
                    "The host '%s' has %lld MB of memory in use, so 'memoryMB' cannot be %lld; it "
                    "must be at least %lld until it is released.",
                    b->name, b->memory_mb_used, t->reg.memory_mb, b->memory_mb_used);
        break;
    case HOST_REFUSE_NONE:
        break;
    }
}

void api_host_put(struct req *rq, struct reply *rp)
{
    char name[DB_HOST_NAME_MAX + 1];
    struct host_put_req in = {0};
    struct db_host_pf pfs[HOST_PF_MAX];
    struct err e = {0};
    if (host_name_param(rq, rp, name) != 0)
        return;
    if (!rq->body) {
        reply_error(rp, ERR_INVALID_REQUEST_CONTENT, NULL, "The request needs a JSON body: %s.",
                    HOST_EXAMPLE);
        return;
    }
    int problems = jspec_parse(rq->body, host_put_spec, &in, "", JSPEC_STRICT, &e);
    struct host_put_tx t = {.actor = rq->who.token_id,
                            .is_agent = rq->who.role == ROLE_AGENT,
                            .timeout_s = host_timeout(rq),
                            .location_in = in.location};
    /* The PFs are read only when each of them is valid. */
    int pf_problems = 0;
    for (size_t i = 0; e.set && i < e.ndetails; i++)
        pf_problems +=
            e.details[i].target && strncmp(e.details[i].target, "physicalFunctions", 17) == 0;
    if (!pf_problems && in.pfs)
        problems = host_pfs_read(in.pfs, pfs, &t.reg.npfs, &t.reg.vfs_total, &e, problems);
    if (problems) {
        reply_error_steal(rp, &e);
        return;
    }
    t.reg.name = name;
    t.reg.agent_url = in.agent_url;
    t.reg.callback_token = in.callback_token;
    t.reg.fault_domain = (int)in.fault_domain;
    t.reg.backend = in.backend;
    t.reg.agent_version = in.agent_version;
    t.reg.vcpus = (long)in.vcpus;
    t.reg.memory_mb = in.memory_mb;
    t.reg.pfs = pfs;

    enum db_status st = db_tx(rq->app->db, host_put_run, &t);
    if (t.refusal != HOST_REFUSE_NONE && (st == DB_CONFLICT || st == DB_NOT_FOUND))
        host_reply_refusal(rq, rp, &t);
    else if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else {
        reply_json(rp, t.created ? 201 : 200, host_json(&t.out));
        /* An agent (re)registered: it may have lost its state. */
        reconcile_kick();
    }
    db_host_free(&t.before);
    db_host_free(&t.out);
}

/* --- heartbeats ----------------------------------------------------------------------- */

struct host_heartbeat_req {
    long long vfs_in_use;
};

static const struct jspec host_heartbeat_spec[] = {
    JSPEC_INT("vfsInUse", struct host_heartbeat_req, vfs_in_use, JSPEC_REQUIRED, .min = 0,
              .max = 65536),
    JSPEC_END,
};

void api_host_heartbeat(struct req *rq, struct reply *rp)
{
    char name[DB_HOST_NAME_MAX + 1];
    struct host_heartbeat_req in = {0};
    struct err e = {0};
    struct db_conn *c;
    struct db_host h = {0};
    if (host_name_param(rq, rp, name) != 0)
        return;
    if (!rq->body) {
        reply_error(rp, ERR_INVALID_REQUEST_CONTENT, NULL,
                    "The request needs a JSON body: {\"vfsInUse\": 0}.");
        return;
    }
    if (jspec_parse(rq->body, host_heartbeat_spec, &in, "", JSPEC_STRICT, &e)) {
        reply_error_steal(rp, &e);
        return;
    }
    const char *owner = rq->who.role == ROLE_AGENT ? rq->who.token_id : NULL;
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        st = db_host_heartbeat(c, name, owner, (long)in.vfs_in_use);
        /* Not updated: unknown, or someone else's. */
        if (st == DB_NOT_FOUND && db_host_get(c, name, host_timeout(rq), &h) == DB_OK)
            st = DB_CONFLICT;
        db_release(rq->app->db, c);
    }
    if (st == DB_NOT_FOUND)
        host_not_found(rp, name);
    else if (st == DB_CONFLICT && !*h.owner_token_id)
        reply_error(rp, ERR_HOST_OWNED_BY_ANOTHER_AGENT, "hostName",
                    "The host '%s' was registered by an admin token and no agent token owns it "
                    "yet; register it with PUT /admin/hosts/%s (this token then owns it) before "
                    "sending heartbeats.",
                    name, name);
    else if (st == DB_CONFLICT && !h.owner_live)
        reply_error(rp, ERR_HOST_OWNED_BY_ANOTHER_AGENT, "hostName",
                    "The host '%s' belongs to agent token %s, which was revoked; register it "
                    "again with PUT /admin/hosts/%s to take it over with this token.",
                    name, h.owner_token_id, name);
    else if (st == DB_CONFLICT)
        reply_error(rp, ERR_HOST_OWNED_BY_ANOTHER_AGENT, "hostName",
                    "The host '%s' is registered by another agent token (id %s); only that "
                    "token may send its heartbeats.",
                    name, h.owner_token_id);
    else if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else
        reply_json(rp, 200,
                   json_pack("{s:i}", "heartbeatIntervalSeconds",
                             (int)rq->app->cfg->host_heartbeat_interval_s));
    db_host_free(&h);
}

/* --- the operators' view -------------------------------------------------------------- */

void api_host_get(struct req *rq, struct reply *rp)
{
    char name[DB_HOST_NAME_MAX + 1];
    struct db_host h = {0};
    struct db_conn *c;
    if (host_name_param(rq, rp, name) != 0)
        return;
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        st = db_host_get(c, name, host_timeout(rq), &h);
        db_release(rq->app->db, c);
    }
    if (st == DB_NOT_FOUND)
        host_not_found(rp, name);
    else if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else
        reply_json(rp, 200, host_json(&h));
    db_host_free(&h);
}

void api_host_list(struct req *rq, struct reply *rp)
{
    struct arm_page pg;
    struct db_conn *c;
    struct db_host *items = NULL;
    size_t n = 0;
    if (arm_page_parse(rq, rp, &pg) != 0)
        return;
    if (pg.after && util_dns_label_problem(pg.after)) {
        reply_error(rp, ERR_INVALID_QUERY_PARAMETER, "$skipToken",
                    "The $skipToken is not one this list issued; use the nextLink of the "
                    "previous page as it is.");
        arm_page_free(&pg);
        return;
    }
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        st = db_host_list(c, pg.after, pg.top + 1, host_timeout(rq), &items, &n);
        db_release(rq->app->db, c);
    }
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        arm_page_free(&pg);
        return;
    }
    json_t *list =
        arm_list_build(rq, &pg, items, n, sizeof(*items), host_item_json, NULL, host_item_key);
    db_host_list_free(items, n);
    arm_page_free(&pg);
    reply_json(rp, 200, list);
}

struct host_state_tx {
    const char *name, *state, *actor;
    unsigned timeout_s;
    struct db_host out;
};

static enum db_status host_state_run(struct db_conn *c, void *arg)
{
    struct host_state_tx *t = arg;
    struct db_host before = {0};
    db_host_free(&t->out);
    enum db_status st = db_host_get_for_update(c, t->name, t->timeout_s, &before);
    if (st == DB_OK)
        st = db_host_set_state(c, t->name, t->state, t->timeout_s, &t->out);
    if (st == DB_OK) {
        const char *action = strcmp(t->state, "Disabled") == 0   ? "host.disable"
                             : strcmp(t->state, "Draining") == 0 ? "host.drain"
                                                                 : "host.enable";
        json_t *d =
            json_pack("{s:s, s:s, s:s}", "host", t->name, "from", before.state, "to", t->state);
        st = db_audit_insert(c, t->actor, NULL, action, d);
        json_decref(d);
    }
    db_host_free(&before);
    return st;
}

static void host_set_state(struct req *rq, struct reply *rp, const char *state)
{
    char name[DB_HOST_NAME_MAX + 1];
    if (host_name_param(rq, rp, name) != 0)
        return;
    struct host_state_tx t = {
        .name = name, .state = state, .actor = rq->who.token_id, .timeout_s = host_timeout(rq)};
    enum db_status st = db_tx(rq->app->db, host_state_run, &t);
    if (st == DB_NOT_FOUND)
        host_not_found(rp, name);
    else if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else
        reply_json(rp, 200, host_json(&t.out));
    db_host_free(&t.out);
}

void api_host_disable(struct req *rq, struct reply *rp)
{
    host_set_state(rq, rp, "Disabled");
}

void api_host_drain(struct req *rq, struct reply *rp)
{
    host_set_state(rq, rp, "Draining");
}

void api_host_enable(struct req *rq, struct reply *rp)
{
    host_set_state(rq, rp, "Enabled");
}

/* --- servicing ------------------------------------------------------------------------ */

static unsigned long long host_fallbacks_total, host_restored_total;
/* DELETE /admin/hosts/{hostName} (below). */
static unsigned long long host_deleted_total, host_deleted_vfs_total;

void api_host_metrics_render(struct buf *out)
{
    buf_appendf(out,
                "# HELP accelnet_host_servicing_fallbacks_total NICs whose VF was revoked by host "
                "servicing (accelerated state Fallback).\n"
                "# TYPE accelnet_host_servicing_fallbacks_total counter\n"
                "accelnet_host_servicing_fallbacks_total %llu\n"
                "# HELP accelnet_host_servicing_restored_total NICs whose VF came back when host "
                "servicing completed (accelerated state Active).\n"
                "# TYPE accelnet_host_servicing_restored_total counter\n"
                "accelnet_host_servicing_restored_total %llu\n",
                __atomic_load_n(&host_fallbacks_total, __ATOMIC_RELAXED),
                __atomic_load_n(&host_restored_total, __ATOMIC_RELAXED));
    buf_appendf(out,
                "# HELP accelnet_hosts_deleted_total Hosts deleted (declared dead or "
                "decommissioned) by DELETE /admin/hosts/{hostName}.\n"
                "# TYPE accelnet_hosts_deleted_total counter\n"
                "accelnet_hosts_deleted_total %llu\n"
                "# HELP accelnet_host_deleted_vfs_total Virtual functions still placed on hosts "
                "when they were deleted (their vf.release operations ended, the NICs forget "
                "them).\n"
                "# TYPE accelnet_host_deleted_vfs_total counter\n"
                "accelnet_host_deleted_vfs_total %llu\n",
                __atomic_load_n(&host_deleted_total, __ATOMIC_RELAXED),
                __atomic_load_n(&host_deleted_vfs_total, __ATOMIC_RELAXED));
}

static json_t *host_servicing_json(const char *name, const struct db_servicing_view *v)
{
    json_t *nics = json_array();
    for (size_t i = 0; i < v->nnics; i++)
        json_array_append_new(nics,
                              json_pack("{s:s, s:s, s:s, s:o}", "nicId", v->nics[i].nic_id, "name",
                                        v->nics[i].name, "acceleratedState", v->nics[i].state,
                                        "stateChangedAt", host_str_or_null(v->nics[i].changed_at)));
    return json_pack("{s:s, s:b, s:o, s:o}", "hostName", name, "servicing", v->servicing,
                     "changedAt", host_str_or_null(v->changed_at), "networkInterfaces", nics);
}

static void host_servicing_reply(struct req *rq, struct reply *rp, const char *name)
{
    struct db_conn *c;
    struct db_servicing_view v = {0};
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        st = db_servicing_get(c, name, &v);
        db_release(rq->app->db, c);
    }
    if (st == DB_NOT_FOUND)
        host_not_found(rp, name);
    else if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else
        reply_json(rp, 200, host_servicing_json(name, &v));
    db_servicing_view_free(&v);
}

void api_host_service_get(struct req *rq, struct reply *rp)
{
    char name[DB_HOST_NAME_MAX + 1];
    if (host_name_param(rq, rp, name) != 0)
        return;
    host_servicing_reply(rq, rp, name);
}

/* start: the agent revokes every VF (POST /v1/service {"action": "start"}),
 * then the host is servicing and its NICs Fallback; complete: the agent
 * restores them, then the NICs are Active again. The agent first: the
 * database never says Active for a VF the guest does not have. */
static void host_service(struct req *rq, struct reply *rp, int start)
{
    char name[DB_HOST_NAME_MAX + 1];
    if (host_name_param(rq, rp, name) != 0)
        return;
    struct db_conn *c;
    char *url = NULL, *token = NULL;
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        st = db_host_agent_target(c, name, &url, &token);
        db_release(rq->app->db, c);
    }
    if (st == DB_NOT_FOUND) {
        host_not_found(rp, name);
        goto out;
    }
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        goto out;
    }
    struct agentc_target t = {name, url, token};
    struct agentc_error err = {0};
    long vfs = 0;
    if (!rq->app->agents || agentc_service(rq->app->agents, &t, start, &vfs, &err) != 0) {
        reply_error(rp, ERR_HOST_AGENT_UNAVAILABLE, NULL,
                    "The agent of host %s could not %s servicing: %s%s%s. Nothing was changed; "
                    "try again.",
                    name, start ? "start" : "complete", *err.code ? err.code : "",
                    *err.code ? ": " : "", err.message);
        goto out;
    }
    long changed = 0;
    st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        st = db_servicing_set(c, name, start, &changed);
        db_release(rq->app->db, c);
    }
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        goto out;
    }
    __atomic_add_fetch(start ? &host_fallbacks_total : &host_restored_total,
                       (unsigned long long)changed, __ATOMIC_RELAXED);
    log_fields(LOGL_INFO,
               json_pack("{s:s, s:s, s:I, s:I}", "msg",
                         start ? "host servicing started: VFs revoked, NICs Fallback"
                               : "host servicing complete: VFs restored, NICs Active",
                         "host", name, "agentVfs", (json_int_t)vfs, "nics", (json_int_t)changed));
    host_servicing_reply(rq, rp, name);
out:
    free(url);
    free(token);
}

void api_host_service_start(struct req *rq, struct reply *rp)
{
    host_service(rq, rp, 1);
}

void api_host_service_complete(struct req *rq, struct reply *rp)
{
    host_service(rq, rp, 0);
}

/* --- evacuation ------------------------------------------------------------------------ */

struct host_evac_tx {
    const struct req *rq;
    const char *name;
    unsigned timeout_s;
    int found;
    json_t *moved;   /* [{"id", "operationId"}] */
    json_t *skipped; /* [{"id", "reason"}] */
};

DB_STMT(host_evac_vms_q, "SELECT id::text FROM virtual_machines WHERE host_name = $1 ORDER BY id");

/* One VM: its VFs on the host are handed to vf.release operations (they
 * detach when the host's agent answers again: the host is back, or they
 * wait), its claim there is given back, and a vm.start places it elsewhere
 * and attaches new VFs. */
static enum db_status host_evac_vm(struct db_conn *c, struct host_evac_tx *t, const char *vm_id)
{
    struct db_vm vm = {0};
    struct db_op other = {0};
    struct db_vm_nic *nics = NULL;
    size_t nn = 0;
    enum db_status st = db_vm_get_by_id(c, vm_id, &vm);
    if (st == DB_NOT_FOUND)
        return DB_OK;
    char *key = st == DB_OK ? vmwork_vm_lock_key(vm.subscription_id, vm.rg_name, vm.name) : NULL;
    if (st == DB_OK)
        st = db_lock_key(c, key);
    free(key);
    char *rid = st == DB_OK ? arm_resource_id(vm.subscription_id, vm.rg_name, "Microsoft.Compute",
                                              "virtualMachines", vm.name, NULL, NULL)
                            : NULL;
    if (st == DB_OK) {
        st = db_op_active_for_target(c, vm.id, &other);
        if (st == DB_OK) {
            json_array_append_new(t->skipped,
                                  json_pack("{s:s, s:s}", "id", rid, "reason",
                                            "an operation is in progress on the VM; evacuate "
                                            "again once it has ended"));
            goto out;
        }
        if (st == DB_NOT_FOUND)
            st = DB_OK;
    }
    if (st == DB_OK && (strcmp(vm.power_state, "running") != 0 ||
                        strcmp(vm.provisioning_state, "Succeeded") != 0)) {
        json_array_append_new(
            t->skipped, json_pack("{s:s, s:s}", "id", rid, "reason", "the VM is not running"));
        goto out;
    }
    size_t np = json_array_size(vm.network_profile);
    const char **ids = util_xcalloc(np + 1, sizeof(*ids));
    for (size_t i = 0; i < np; i++)
        ids[i] = json_string_value(json_object_get(json_array_get(vm.network_profile, i), "nicId"));
    if (st == DB_OK && np)
        st = db_vm_nics(c, ids, np, &nics, &nn);
    free(ids);
    long pending = 0;
    for (size_t i = 0; i < nn && st == DB_OK; i++) {
        const struct db_vm_nic *n = &nics[i];
        if (!n->accelerated || strcmp(n->vm_id, vm.id) != 0 || strcmp(n->vf_host, t->name) != 0)
            continue;
        const char *nref = n->id;
        for (size_t k = 0; k < np; k++) {
            json_t *e = json_array_get(vm.network_profile, k);
            if (strcmp(json_string_value(json_object_get(e, "nicId")), n->id) == 0)
                nref = json_string_value(json_object_get(e, "id"));
        }
        char id[37];
        util_uuid4(id);
        json_t *params = json_pack("{s:s, s:s}", "host", t->name, "nicId", n->id);
        st = db_nic_vf_clear(c, n->id, t->name);
        if (st == DB_OK)
            st = db_op_insert(c, id, vm.subscription_id, vm.location, "vf.release", nref, NULL,
                              params, "InProgress");
        json_decref(params);
        pending++;
    }
    if (st == DB_OK) {
        struct sched_claim claim = {.vcpus = vm.claim_vcpus,
                                    .memory_mb = vm.claim_memory_mb,
                                    .vfs = vm.claim_vfs - pending};
        snprintf(claim.host, sizeof(claim.host), "%s", t->name);
        if (claim.vfs < 0)
            claim.vfs = 0;
        st = sched_release(c, &claim);
    }
    if (st == DB_OK)
        st = db_vm_set_placement(c, vm.id, NULL, 0, 0, 0);
    if (st == DB_OK)
        st = db_vm_set_state(c, vm.id, "Updating", "starting");
    char op_id[37];
    util_uuid4(op_id);
    if (st == DB_OK)
        st = db_op_insert(c, op_id, vm.subscription_id, vm.location, "vm.start", rid, vm.id, NULL,
                          "InProgress");
    if (st == DB_OK)
        json_array_append_new(t->moved,
                              json_pack("{s:s, s:s, s:I}", "id", rid, "operationId", op_id,
                                        "virtualFunctionsReleasedLater", (json_int_t)pending));
out:
    free(rid);
    free(nics);
    db_op_free(&other);
    db_vm_free(&vm);
    return st;
}

static enum db_status host_evac_run(struct db_conn *c, void *arg)
{
    struct host_evac_tx *t = arg;
    struct db_host h = {0};
    json_array_clear(t->moved);
    json_array_clear(t->skipped);
    t->found = 0;
    /* Draining: the VMs are placed elsewhere, and nothing new comes. */
    enum db_status st = db_host_set_state(c, t->name, "Draining", t->timeout_s, &h);
    db_host_free(&h);
    if (st == DB_NOT_FOUND)
        return DB_OK;
    if (st != DB_OK)
        return st;
    t->found = 1;
    const char *params[] = {t->name};
    PGresult *r;
    st = db_exec(c, &host_evac_vms_q, 1, params, &r);
    if (st != DB_OK)
        return st;
    int n = PQntuples(r);
    char(*ids)[37] = util_xcalloc((size_t)n + 1, sizeof(*ids));
    for (int i = 0; i < n; i++)
        snprintf(ids[i], sizeof(ids[i]), "%s", PQgetvalue(r, i, 0));
    PQclear(r);
    for (int i = 0; i < n && st == DB_OK; i++)
        st = host_evac_vm(c, t, ids[i]);
    free(ids);
    return st;
}

/* POST /admin/hosts/{hostName}/evacuate: the host becomes Draining and each
 * running VM on it gets a vm.start that places it on another host and
 * attaches new VFs (same NICs, MACs and IPs); its old VFs are released by
 * vf.release operations once the host's agent answers (the host is back;
 * a host declared dead is deleted with them). 200 with the VMs moved (and
 * their operations) and those skipped. */
void api_host_evacuate(struct req *rq, struct reply *rp)
{
    char name[DB_HOST_NAME_MAX + 1];
    if (host_name_param(rq, rp, name) != 0)
        return;
    struct host_evac_tx t = {.rq = rq,
                             .name = name,
                             .timeout_s = host_timeout(rq),
                             .moved = json_array(),
                             .skipped = json_array()};
    enum db_status st = db_tx(rq->app->db, host_evac_run, &t);
    if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else if (!t.found)
        host_not_found(rp, name);
    else {
        log_fields(LOGL_INFO, json_pack("{s:s, s:s, s:I, s:I}", "msg", "host evacuation started",
                                        "host", name, "moved", (json_int_t)json_array_size(t.moved),
                                        "skipped", (json_int_t)json_array_size(t.skipped)));
        reply_json(rp, 200,
                   json_pack("{s:s, s:s, s:O, s:O}", "hostName", name, "state", "Draining",
                             "virtualMachines", t.moved, "skipped", t.skipped));
    }
    json_decref(t.moved);
    json_decref(t.skipped);
}

/* --- declaring a host dead ------------------------------------------------------------ */

/* VMs named in a HostHasVirtualMachines refusal. */
#define HOST_DELETE_VMS_NAMED 3

enum host_delete_refusal {
    HOST_DELETE_OK,
    HOST_DELETE_HAS_VMS,    /* VMs are placed on it */
    HOST_DELETE_IS_HEALTHY, /* it heartbeats and VFs are still placed on it */
};

struct host_delete_tx {
    const char *name, *actor;
    unsigned timeout_s;
    /* out */
    int found, healthy;
    enum host_delete_refusal refusal;
    struct db_host_vm *vms; /* some of them, on HOST_DELETE_HAS_VMS */
    size_t nvms;
    long vms_total;
    long pending;    /* VFs placed on it, on HOST_DELETE_IS_HEALTHY */
    json_t *op_ids;  /* the vf.release operations ended: [id] */
    json_t *nic_ids; /* the NICs whose VF there was forgotten: {id: true} */
};

static enum db_status host_delete_run(struct db_conn *c, void *arg)
{
    struct host_delete_tx *t = arg;
    struct db_host h = {0};
    free(t->vms);
    t->vms = NULL;
    t->nvms = 0;
    t->vms_total = t->pending = 0;
    t->found = t->healthy = 0;
    t->refusal = HOST_DELETE_OK;
    json_array_clear(t->op_ids);
    json_object_clear(t->nic_ids);
    /* The row lock first: a placement that claimed capacity here before it
     * has committed (and its VM is seen below); one that comes after waits
     * for this transaction and then finds no row to claim (db_host_claim
     * matches none: the scheduler tries the next host). */
    enum db_status st = db_host_get_for_update(c, t->name, t->timeout_s, &h);
    if (st == DB_NOT_FOUND)
        return DB_OK;
    if (st != DB_OK)
        return st;
    t->found = 1;
    t->healthy = h.healthy;
    db_host_free(&h);
    st = db_host_vms(c, t->name, HOST_DELETE_VMS_NAMED, &t->vms, &t->nvms, &t->vms_total);
    if (st != DB_OK)
        return st;
    if (t->vms_total > 0) {
        t->refusal = HOST_DELETE_HAS_VMS;
        return DB_OK; /* nothing was written */
    }
    st = db_host_vfs_pending(c, t->name, &t->pending);
    if (st != DB_OK)
        return st;
    if (t->healthy && t->pending > 0) {
        t->refusal = HOST_DELETE_IS_HEALTHY;
        return DB_OK;
    }
    st = db_host_vf_releases_end(c, t->name, t->op_ids, t->nic_ids);
    if (st == DB_OK)
        st = db_host_nics_vf_clear(c, t->name, t->nic_ids);
    if (st == DB_OK)
        st = db_host_delete(c, t->name);
    /* Something came to refer to the host after all: look again. */
    if (st == DB_CONFLICT)
        st = DB_RETRY;
    if (st == DB_OK) {
        json_t *d =
            json_pack("{s:s, s:s, s:I, s:O}", "host", t->name, "health",
                      t->healthy ? "Healthy" : "Unhealthy", "virtualFunctionsReleased",
                      (json_int_t)json_object_size(t->nic_ids), "operationsEnded", t->op_ids);
        st = db_audit_insert(c, t->actor, NULL, "host.delete", d);
        json_decref(d);
    }
    return st;
}

static void host_delete_refuse_vms(struct reply *rp, const struct host_delete_tx *t)
{
    struct buf names = {0};
    for (size_t i = 0; i < t->nvms; i++) {
        char *id =
            arm_resource_id(t->vms[i].subscription_id, t->vms[i].rg_name, "Microsoft.Compute",
                            "virtualMachines", t->vms[i].name, NULL, NULL);
        buf_appendf(&names, "%s%s", i ? ", " : "", id);
        free(id);
    }
    if (t->vms_total > (long)t->nvms)
        buf_appendf(&names, " and %ld more", t->vms_total - (long)t->nvms);
    reply_error(rp, ERR_HOST_HAS_VIRTUAL_MACHINES, "hostName",
                "The host '%s' cannot be deleted: %ld virtual machine%s %s placed on it (%s). "
                "Evacuate it first (POST /admin/hosts/%s/evacuate) so that they are placed on "
                "other hosts, wait until the evacuation's vm.start operations have ended, then "
                "delete it.",
                t->name, t->vms_total, t->vms_total == 1 ? "" : "s",
                t->vms_total == 1 ? "is" : "are", names.data ? names.data : "", t->name);
    buf_free(&names);
}

static void host_delete_refuse_healthy(struct reply *rp, const struct host_delete_tx *t)
{
    reply_error(rp, ERR_HOST_IS_HEALTHY, "hostName",
                "The host '%s' is still Healthy (its agent sent a heartbeat within the last %u "
                "seconds) and %ld virtual function%s %s still placed on it, waiting to be "
                "released: an agent that heartbeats may still hold them, so the host cannot be "
                "declared dead. Either stop its agent and wait until the host is Unhealthy (%u "
                "seconds without a heartbeat), then delete it; or, if the host is reachable, let "
                "its vf.release operations finish (its VFs are then released), then delete it.",
                t->name, t->timeout_s, t->pending, t->pending == 1 ? "" : "s",
                t->pending == 1 ? "is" : "are", t->timeout_s);
}

/* DELETE /admin/hosts/{hostName}: the operator declares the host dead, or
 * decommissions it. Refused while VMs are placed on it (409
 * HostHasVirtualMachines: evacuate first), and while it still heartbeats
 * with VFs placed on it (409 HostIsHealthy: its agent may still hold them).
 * Otherwise, in one transaction: its vf.release operations end Succeeded
 * (the VFs went with the host), the NICs forget their VFs there, and the
 * host is deleted with its physical functions. A healthy host with nothing
 * on it may be deleted too (a clean decommission: nothing can leak); if
 * its agent still runs, it registers the host again at its next heartbeat
 * (a new host, Enabled), so stop the agent first. An agent of a deleted
 * host that comes back registers again the same way; the reconciler then
 * releases the VFs it still holds (leaks: the database knows none of
 * them). */
void api_host_delete(struct req *rq, struct reply *rp)
{
    char name[DB_HOST_NAME_MAX + 1];
    if (host_name_param(rq, rp, name) != 0)
        return;
    struct host_delete_tx t = {.name = name,
                               .actor = rq->who.token_id,
                               .timeout_s = host_timeout(rq),
                               .op_ids = json_array(),
                               .nic_ids = json_object()};
    enum db_status st = db_tx(rq->app->db, host_delete_run, &t);
    if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else if (!t.found)
        host_not_found(rp, name);
    else if (t.refusal == HOST_DELETE_HAS_VMS)
        host_delete_refuse_vms(rp, &t);
    else if (t.refusal == HOST_DELETE_IS_HEALTHY)
        host_delete_refuse_healthy(rp, &t);
    else {
        json_int_t vfs = (json_int_t)json_object_size(t.nic_ids);
        __atomic_add_fetch(&host_deleted_total, 1, __ATOMIC_RELAXED);
        __atomic_add_fetch(&host_deleted_vfs_total, (unsigned long long)vfs, __ATOMIC_RELAXED);
        log_fields(LOGL_INFO,
                   json_pack("{s:s, s:s, s:s, s:I, s:I}", "msg",
                             t.healthy ? "host deleted (decommissioned while Healthy: a running "
                                         "agent registers it again)"
                                       : "host declared dead and deleted",
                             "host", name, "health", t.healthy ? "Healthy" : "Unhealthy",
                             "virtualFunctionsReleased", vfs, "operationsEnded",
                             (json_int_t)json_array_size(t.op_ids)));
        reply_json(rp, 200,
                   json_pack("{s:s, s:s, s:I, s:O}", "hostName", name, "health",
                             t.healthy ? "Healthy" : "Unhealthy", "virtualFunctionsReleased", vfs,
                             "operationsEnded", t.op_ids));
    }
    free(t.vms);
    json_decref(t.op_ids);
    json_decref(t.nic_ids);
}
