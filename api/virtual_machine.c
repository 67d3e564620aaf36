/* Virtual machines (Microsoft.Compute):
 *
 *   .../resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines[/{vmName}]
 *   .../virtualMachines/{vmName}/deallocate | /start          (POST)
 *   /subscriptions/{sub}/providers/Microsoft.Compute/virtualMachines
 *
 * Create, delete, deallocate and start are long-running: the handler writes
 * the VM's new state and an operation (db/op.h) in one transaction and
 * answers 201/202 with Azure-AsyncOperation (api/operation.h); the workers
 * (service/vmwork.c) place the VM, attach the VFs and finish.
 *
 * The rules, all checked under the VM's advisory lock and those of the NICs
 * it names, every failing one reported at once:
 *   - create: the NICs exist, are in the VM's location, are attached to no
 *     other VM (409 NicInUse), are no more than the size's maximum, exactly
 *     one is primary; when any has Accelerated Networking, the subscription,
 *     location, size and image are eligible (api/eligibility.h, the check
 *     endpoint's rule);
 *   - an existing VM: a NIC with Accelerated Networking is only attached
 *     when the VM is created (400 AcceleratedNicCanOnlyBeAttachedAtVmCreation,
 *     even when deallocated); other network profile changes and resizes need
 *     a deallocated VM (409 VmMustBeDeallocated); the image, computer name
 *     and admin user never change (409 PropertyChangeNotAllowed); nothing
 *     changes while an operation runs on it (429
 *     RetryableErrorDueToAnotherOperation). A PUT on a VM whose creation
 *     failed creates it again. An identical PUT changes nothing.
 *
 * osProfile.adminPassword is accepted and never stored nor returned. */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/arm.h"
#include "api/eligibility.h"
#include "api/netres.h"
#include "api/operation.h"
#include "api/vm_state.h"
#include "common/jspec.h"
#include "common/util.h"
#include "db/catalog.h"
#include "db/nic.h"
#include "db/op.h"
#include "db/resource_group.h"
#include "db/vm.h"
#include "service/config.h"
#include "service/vmwork.h"

#define VM_PROVIDER  "Microsoft.Compute"
#define VM_TYPE      "virtualMachines"
#define VM_TYPE_FULL VM_PROVIDER "/" VM_TYPE
#define VM_MAX_NICS  64
#define VM_NICS_PATH "properties.networkProfile.networkInterfaces"

/* --- rendering ------------------------------------------------------------------ */

static json_t *vm_status(const char *code, const char *level, const char *display)
{
    return json_pack("{s:s, s:s, s:s}", "code", code, "level", level, "displayStatus", display);
}

static json_t *vm_instance_view(const struct db_vm *v, int admin)
{
    char code[128], display[64];
    const char *ps = v->provisioning_state;
    char lower[16];
    snprintf(lower, sizeof(lower), "%s", ps);
    util_str_lower(lower);
    snprintf(code, sizeof(code), "ProvisioningState/%s", lower);
    if (strcmp(ps, "Succeeded") == 0 || strcmp(ps, "Failed") == 0)
        snprintf(display, sizeof(display), "Provisioning %s", lower);
    else
        snprintf(display, sizeof(display), "%s", ps);
    json_t *statuses = json_array();
    json_t *pstatus = vm_status(code, strcmp(ps, "Failed") == 0 ? "Error" : "Info", display);
    /* Why it failed, as ARM shows it: ProvisioningState/failed/<code>. */
    if (strcmp(ps, "Failed") == 0 && *v->error_code) {
        snprintf(code, sizeof(code), "ProvisioningState/failed/%s", v->error_code);
        json_object_set_new(pstatus, "code", json_string(code));
        json_object_set_new(pstatus, "message",
                            json_string(v->error_message ? v->error_message : ""));
    }
    json_array_append_new(statuses, pstatus);
    snprintf(code, sizeof(code), "PowerState/%s", v->power_state);
    snprintf(display, sizeof(display), "VM %s", v->power_state);
    json_array_append_new(statuses, vm_status(code, "Info", display));
    json_t *iv = json_pack("{s:s, s:s, s:o}", "computerName", v->computer_name, "powerState",
                           v->power_state, "statuses", statuses);
    /* Where it runs: operators only. */
    if (admin && *v->host_name)
        json_object_set_new(iv, "assignedHost", json_string(v->host_name));
    return iv;
}

static json_t *vm_json(const struct db_vm *v, int admin)
{
    char *id =
        arm_resource_id(v->subscription_id, v->rg_name, VM_PROVIDER, VM_TYPE, v->name, NULL, NULL);
    char *etag = arm_etag(v->etag);
    json_t *tags = json_loads(v->tags, 0, NULL);
    json_t *nics = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(v->network_profile, i, e)
    {
        json_array_append_new(nics,
                              json_pack("{s:O, s:{s:O}}", "id", json_object_get(e, "id"),
                                        "properties", "primary", json_object_get(e, "primary")));
    }
    json_t *props = json_pack(
        "{s:s, s:s, s:{s:s}, s:{s:{s:s, s:s, s:s, s:s}}, s:{s:s, s:s}, s:{s:o}, s:o, s:s}",
        "provisioningState", v->provisioning_state, "vmId", v->id, "hardwareProfile", "vmSize",
        v->vm_size, "storageProfile", "imageReference", "publisher", v->image_publisher, "offer",
        v->image_offer, "sku", v->image_sku, "version", v->image_version, "osProfile",
        "computerName", v->computer_name, "adminUsername", v->admin_username, "networkProfile",
        "networkInterfaces", nics, "instanceView", vm_instance_view(v, admin), "timeCreated",
        v->created_at);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:o}", "id", id, "name", v->name, "type",
                          VM_TYPE_FULL, "location", v->location, "tags",
                          tags ? tags : json_object(), "etag", etag, "properties", props);
    free(id);
    free(etag);
    return o;
}

/* --- request bodies ---------------------------------------------------------------- */

struct vm_put_req {
    const char *location;
    const json_t *tags;
    const char *name;
    const char *vm_size;
    const char *publisher, *offer, *sku, *version;
    const char *computer_name, *admin_username, *admin_password;
    const json_t *nics;
};

#define VM_IGNORED(n, t)                                                               \
    {                                                                                  \
        .name = (n), .type = (t), .offset = JSPEC__NONE, .present_offset = JSPEC__NONE \
    }

static const struct jspec vm_hw_spec[] = {
    JSPEC_STRING("vmSize", struct vm_put_req, vm_size, JSPEC_REQUIRED, .min_len = 1, .max_len = 64),
    JSPEC_END,
};

static const struct jspec vm_image_spec[] = {
    JSPEC_STRING("publisher", struct vm_put_req, publisher, JSPEC_REQUIRED, .min_len = 1,
                 .max_len = 64),
    JSPEC_STRING("offer", struct vm_put_req, offer, JSPEC_REQUIRED, .min_len = 1, .max_len = 64),
    JSPEC_STRING("sku", struct vm_put_req, sku, JSPEC_REQUIRED, .min_len = 1, .max_len = 64),
    JSPEC_STRING("version", struct vm_put_req, version, 0, .min_len = 1, .max_len = 64),
    VM_IGNORED("exactVersion", JSPEC_T_STRING),
    JSPEC_END,
};

static const struct jspec vm_storage_spec[] = {
    JSPEC_OBJECT("imageReference", JSPEC_REQUIRED, vm_image_spec),
    /* Disks are not modelled: accepted (an SDK sends what it read back). */
    VM_IGNORED("osDisk", JSPEC_T_OBJECT),
    VM_IGNORED("dataDisks", JSPEC_T_ARRAY),
    JSPEC_END,
};

static const struct jspec vm_os_spec[] = {
    JSPEC_STRING("computerName", struct vm_put_req, computer_name, 0, .min_len = 1, .max_len = 64),
    JSPEC_STRING("adminUsername", struct vm_put_req, admin_username, JSPEC_REQUIRED, .min_len = 1,
                 .max_len = 64),
    /* Accepted; never stored nor returned. */
    JSPEC_STRING("adminPassword", struct vm_put_req, admin_password, 0, .max_len = 123),
    VM_IGNORED("windowsConfiguration", JSPEC_T_OBJECT),
    VM_IGNORED("linuxConfiguration", JSPEC_T_OBJECT),
    VM_IGNORED("secrets", JSPEC_T_ARRAY),
    VM_IGNORED("allowExtensionOperations", JSPEC_T_BOOL),
    JSPEC_END,
};

static const struct jspec vm_net_spec[] = {
    {.name = "networkInterfaces",
     .type = JSPEC_T_ARRAY,
     .flags = JSPEC_REQUIRED,
     .offset = offsetof(struct vm_put_req, nics),
     .present_offset = JSPEC__NONE,
     .item_type = JSPEC_T_ANY,
     .min_len = 1,
     .max_len = VM_MAX_NICS},
    JSPEC_END,
};

static const struct jspec vm_properties_spec[] = {
    JSPEC_OBJECT("hardwareProfile", JSPEC_REQUIRED, vm_hw_spec),
    JSPEC_OBJECT("storageProfile", JSPEC_REQUIRED, vm_storage_spec),
    JSPEC_OBJECT("osProfile", JSPEC_REQUIRED, vm_os_spec),
    JSPEC_OBJECT("networkProfile", JSPEC_REQUIRED, vm_net_spec),
    /* Read-only. */
    VM_IGNORED("provisioningState", JSPEC_T_STRING),
    VM_IGNORED("vmId", JSPEC_T_STRING),
    VM_IGNORED("instanceView", JSPEC_T_OBJECT),
    VM_IGNORED("timeCreated", JSPEC_T_STRING),
    JSPEC_END,
};

static const struct jspec vm_put_spec[] = {
    JSPEC_STRING("location", struct vm_put_req, location, JSPEC_REQUIRED, .min_len = 1,
                 .max_len = 64),
    JSPEC_FIELD("tags", JSPEC_T_OBJECT, struct vm_put_req, tags, 0, .check = arm_tags_problem),
    JSPEC_OBJECT("properties", JSPEC_REQUIRED, vm_properties_spec),
    JSPEC_STRING("name", struct vm_put_req, name, 0),
    VM_IGNORED("id", JSPEC_T_STRING),
    VM_IGNORED("type", JSPEC_T_STRING),
    VM_IGNORED("etag", JSPEC_T_STRING),
    JSPEC_END,
};

/* One element of networkInterfaces, checked. */
struct vm_nic_in {
    struct arm_id ref;
    int ref_ok;
    int primary;
    /* resolved in the transaction */
    struct db_nic nic;
    int found;
};

/* VM names: 1-64 letters, digits, '.', '_', '-', starting with a letter or
 * digit and ending with a letter, digit or '_'. */
static const char *vm_name_problem(const char *name)
{
    size_t n = strlen(name);
    if (n < 1 || n > 64)
        return "must be 1 to 64 characters long";
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        int alnum =
            (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
        if (!alnum && ch != '.' && ch != '_' && ch != '-')
            return "may only contain letters, digits, '.', '_' and '-'";
        if (i == 0 && !alnum)
            return "must start with a letter or a digit";
        if (i == n - 1 && !alnum && ch != '_')
            return "must end with a letter, a digit or '_'";
    }
    return NULL;
}

static const char *vm_computer_name_problem(const char *name)
{
    int digits_only = 1;
    for (const char *p = name; *p; p++) {
        char ch = *p;
        int alnum =
            (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
        if (!alnum && ch != '-')
            return "may only contain letters, digits and '-'";
        if (!(ch >= '0' && ch <= '9'))
            digits_only = 0;
    }
    return digits_only ? "must not be only digits" : NULL;
}

/* Checks the NIC references of the body (no database). */
static struct vm_nic_in *vm_nics_parse(const json_t *arr, const char *sub, size_t *count,
                                       struct err *e)
{
    size_t n = json_array_size(arr);
    size_t nprimary = 0;
    int explicit_false = 0;
    struct vm_nic_in *out = util_xcalloc(n ? n : 1, sizeof(*out));
    for (size_t i = 0; i < n; i++) {
        const json_t *el = json_array_get(arr, i);
        char path[96];
        snprintf(path, sizeof(path), VM_NICS_PATH "[%zu]", i);
        if (!json_is_object(el)) {
            err_add_detail(e, ERR_INVALID_REQUEST_CONTENT, path,
                           "'%s' must be an object: {\"id\": \"/subscriptions/.../"
                           "networkInterfaces/nic1\", \"properties\": {\"primary\": true}}.",
                           path);
            continue;
        }
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)el, k, v)
        {
            if (strcmp(k, "id") != 0 && strcmp(k, "properties") != 0)
                err_add_detail(e, ERR_INVALID_REQUEST_CONTENT, path,
                               "'%s.%s' is not a member of a network interface reference (id, "
                               "properties).",
                               path, k);
        }
        const json_t *props = json_object_get(el, "properties");
        if (props && !json_is_object(props)) {
            err_add_detail(e, ERR_INVALID_REQUEST_CONTENT, path,
                           "'%s.properties' must be an object ({\"primary\": true}).", path);
        } else if (props) {
            json_object_foreach((json_t *)props, k, v)
            {
                if (strcmp(k, "primary") == 0 && json_is_boolean(v))
                    continue;
                if (strcmp(k, "deleteOption") == 0 && json_is_string(v))
                    continue; /* ARM's; NICs are always kept here */
                err_add_detail(e, ERR_INVALID_REQUEST_CONTENT, path,
                               strcmp(k, "primary") == 0
                                   ? "'%s.properties.%s' must be true or false."
                                   : "'%s.properties.%s' is not a member of a network interface "
                                     "reference's properties (primary).",
                               path, k);
            }
            const json_t *p = json_object_get(props, "primary");
            if (json_is_true(p)) {
                out[i].primary = 1;
                nprimary++;
            } else if (json_is_false(p)) {
                explicit_false = 1;
            }
        }
        const char *ref = json_string_value(json_object_get(el, "id"));
        char idpath[100];
        snprintf(idpath, sizeof(idpath), "%s.id", path);
        if (!ref) {
            err_add_detail(e, ERR_INVALID_REQUEST_CONTENT, idpath,
                           "'%s' is required: the full id of a network interface.", idpath);
            continue;
        }
        const char *why =
            arm_ref_problem(ref, sub, NETRES_PROVIDER, "networkInterfaces", NULL, &out[i].ref);
        if (why) {
            err_add_detail(e, ERR_INVALID_RESOURCE_REFERENCE, idpath,
                           "The network interface reference '%s' %s (expected /subscriptions/%s/"
                           "resourceGroups/{group}/providers/Microsoft.Network/"
                           "networkInterfaces/{name}).",
                           ref, why, sub);
            arm_id_free(&out[i].ref);
            continue;
        }
        out[i].ref_ok = 1;
        for (size_t j = 0; j < i; j++) {
            if (out[j].ref_ok &&
                strcasecmp(out[j].ref.resource_group, out[i].ref.resource_group) == 0 &&
                strcasecmp(out[j].ref.name, out[i].ref.name) == 0) {
                err_add_detail(e, ERR_INVALID_PARAMETER, idpath,
                               "Network interface '%s' is listed twice (also at "
                               "%s[%zu]).",
                               out[i].ref.name, VM_NICS_PATH, j);
                break;
            }
        }
    }
    if (n == 1 && explicit_false)
        err_add_detail(e, ERR_VM_PRIMARY_NIC, VM_NICS_PATH "[0].properties.primary",
                       "The only network interface of a virtual machine is its primary one: leave "
                       "primary out or set it to true.");
    else if (n > 1 && nprimary != 1)
        err_add_detail(e, ERR_VM_PRIMARY_NIC, VM_NICS_PATH,
                       "A virtual machine with several network interfaces needs exactly one with "
                       "properties.primary set to true; %zu %s.",
                       nprimary, nprimary == 1 ? "has" : "have");
    if (n == 1)
        out[0].primary = 1;
    *count = n;
    return out;
}

static void vm_nics_free(struct vm_nic_in *nics, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        arm_id_free(&nics[i].ref);
        db_nic_free(&nics[i].nic);
    }
    free(nics);
}

/* --- PUT / PATCH ---------------------------------------------------------------------- */

enum vm_outcome {
    VM_CREATED,   /* 201 + operation */
    VM_RECREATED, /* 200 + operation (a Failed VM created again) */
    VM_UPDATED,
    VM_UNCHANGED,
    VM_PRECONDITION,
    VM_RG_MISSING,
    VM_MISSING,
    VM_MOVED,
    VM_INVALID,
    VM_BUSY,     /* an operation runs on it */
    VM_ACCEPTED, /* 202 + operation (delete, deallocate, start) */
    VM_GONE,     /* DELETE of a VM that does not exist */
};

struct vm_put_tx {
    const struct req *rq;
    struct reply *rp;
    const char *sub, *rg, *name, *location;
    struct vm_put_req *in;
    const json_t *tags;
    struct vm_nic_in *nics;
    size_t nnics;
    /* outcome */
    enum vm_outcome outcome;
    struct err err;
    struct db_vm cur, out;
    char op_id[37];
    char busy_op[16];
};

/* Compares the request to the VM as stored: which parts differ. */
struct vm_diff {
    int tags, size, image, computer_name, admin_username, nics;
};

static json_t *vm_profile_json(const struct vm_nic_in *nics, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct db_nic *x = &nics[i].nic;
        char *id = arm_resource_id(x->subscription_id, x->rg_name, NETRES_PROVIDER,
                                   "networkInterfaces", x->name, NULL, NULL);
        json_array_append_new(arr, json_pack("{s:s, s:s, s:b}", "id", id, "nicId", x->id, "primary",
                                             nics[i].primary));
        free(id);
    }
    return arr;
}

/* 1 when NIC uuid id is in the stored profile. */
static int vm_profile_has(const json_t *profile, const char *id)
{
    size_t i;
    json_t *e;
    json_array_foreach(profile, i, e)
    {
        const char *x = json_string_value(json_object_get(e, "nicId"));
        if (x && strcmp(x, id) == 0)
            return 1;
    }
    return 0;
}

/* The same NICs in the same order with the same primary flags. */
static int vm_profile_same(const json_t *a, const json_t *b)
{
    if (json_array_size(a) != json_array_size(b))
        return 0;
    for (size_t i = 0; i < json_array_size(a); i++) {
        const json_t *x = json_array_get(a, i), *y = json_array_get(b, i);
        if (!json_equal(json_object_get(x, "nicId"), json_object_get(y, "nicId")) ||
            !json_equal(json_object_get(x, "primary"), json_object_get(y, "primary")))
            return 0;
    }
    return 1;
}

/* Resolves the NIC references; problems to t->err. creating: the VM is
 * being created (its NICs are checked as new attachments). */
static enum db_status vm_resolve_nics(struct db_conn *c, struct vm_put_tx *t, const char *vm_id)
{
    for (size_t i = 0; i < t->nnics; i++) {
        struct vm_nic_in *x = &t->nics[i];
        char path[100];
        snprintf(path, sizeof(path), VM_NICS_PATH "[%zu].id", i);
        db_nic_free(&x->nic);
        x->found = 0;
        if (!x->ref_ok)
            continue;
        enum db_status st =
            db_nic_get(c, x->ref.subscription, x->ref.resource_group, x->ref.name, &x->nic);
        if (st == DB_NOT_FOUND) {
            err_add_detail(&t->err, ERR_INVALID_RESOURCE_REFERENCE, path,
                           "The network interface '%s' in resource group '%s' was not found.",
                           x->ref.name, x->ref.resource_group);
            continue;
        }
        if (st != DB_OK)
            return st;
        x->found = 1;
        if (strcmp(x->nic.location, t->location) != 0)
            err_add_detail(&t->err, ERR_NIC_LOCATION_MISMATCH, path,
                           "Network interface '%s' is in location '%s'; a virtual machine in "
                           "'%s' can only use network interfaces of its own location.",
                           x->nic.name, x->nic.location, t->location);
        if (*x->nic.vm_id && (!vm_id || strcmp(x->nic.vm_id, vm_id) != 0)) {
            char *vm = arm_resource_id(x->nic.subscription_id, x->nic.vm_rg, VM_PROVIDER, VM_TYPE,
                                       x->nic.vm_name, NULL, NULL);
            err_add_detail(&t->err, ERR_NIC_IN_USE, path,
                           "Network interface '%s' is attached to virtual machine %s. A network "
                           "interface belongs to one virtual machine at a time.",
                           x->nic.name, vm);
            free(vm);
        } else if (!*x->nic.vm_id && *x->nic.vf.host) {
            err_add_detail(&t->err, ERR_NIC_IN_USE, path,
                           "The virtual function of network interface '%s' on host %s is still "
                           "being released (its agent has not confirmed it yet). Try again in "
                           "a little while.",
                           x->nic.name, x->nic.vf.host);
        }
    }
    return DB_OK;
}

/* Size, image and eligibility of what the VM is to be; problems to t->err. */
static enum db_status vm_check_catalog(struct db_conn *c, struct vm_put_tx *t,
                                       const char *size_name, const char *pub, const char *offer,
                                       const char *sku)
{
    struct db_vm_size size;
    struct db_os_image img = {0};
    int any_an = 0;
    enum db_status st = db_vm_size_get(c, size_name, &size);
    if (st == DB_NOT_FOUND)
        err_add_detail(&t->err, ERR_INVALID_PARAMETER, "properties.hardwareProfile.vmSize",
                       "The VM size '%s' is not offered. GET /subscriptions/%s/providers/"
                       "Microsoft.Compute/skus lists the sizes.",
                       size_name, t->sub);
    else if (st != DB_OK)
        return st;
    else if ((long)t->nnics > size.max_nics)
        err_add_detail(&t->err, ERR_NIC_COUNT_EXCEEDED, VM_NICS_PATH,
                       "The VM size %s takes at most %ld network interface%s; the request has "
                       "%zu.",
                       size.name, size.max_nics, size.max_nics == 1 ? "" : "s", t->nnics);
    st = db_os_image_get(c, pub, offer, sku, &img);
    if (st == DB_NOT_FOUND)
        err_add_detail(&t->err, ERR_INVALID_PARAMETER, "properties.storageProfile.imageReference",
                       "The image %s:%s:%s is not offered. GET /admin/catalog/osImages (operators) "
                       "lists the images.",
                       pub, offer, sku);
    else if (st != DB_OK)
        return st;
    db_os_image_free(&img);
    for (size_t i = 0; i < t->nnics; i++)
        if (t->nics[i].found && t->nics[i].nic.accelerated_networking)
            any_an = 1;
    if (!any_an)
        return DB_OK;
    struct elig_query q = {t->location, size_name, pub, offer, sku};
    struct elig_result res = {0};
    st = elig_check(c, t->sub, &q, &res);
    if (st != DB_OK)
        return st;
    static const char *const targets[ELIG__COUNT] = {
        [ELIG_LOCATION] = "location",
        [ELIG_VM_SIZE] = "properties.hardwareProfile.vmSize",
        [ELIG_OS_IMAGE] = "properties.storageProfile.imageReference"};
    for (size_t i = 0; i < res.nreasons; i++) {
        const struct elig_reason *x = &res.reasons[i];
        const char *target = targets[x->condition] ? targets[x->condition] : x->target;
        err_add_detail(&t->err, x->code, target, "%s", x->message);
    }
    elig_result_free(&res);
    return DB_OK;
}

/* Attaches the request's NICs to vm_id and detaches the VM's others. */
static enum db_status vm_attach_nics(struct db_conn *c, struct vm_put_tx *t, const char *vm_id)
{
    enum db_status st = db_vm_nic_detach_all(c, vm_id);
    for (size_t i = 0; i < t->nnics && st == DB_OK; i++)
        st = db_vm_nic_attach(c, t->nics[i].nic.id, vm_id);
    return st;
}

/* Fills vm from the request (for an insert or an update). */
static void vm_from_request(const struct vm_put_tx *t, struct db_vm *vm, const char *tags_text)
{
    snprintf(vm->subscription_id, sizeof(vm->subscription_id), "%s", t->sub);
    snprintf(vm->name, sizeof(vm->name), "%s", t->name);
    snprintf(vm->location, sizeof(vm->location), "%s", t->location);
    util_uuid4(vm->etag);
    vm->tags = (char *)tags_text;
    snprintf(vm->vm_size, sizeof(vm->vm_size), "%s", t->in->vm_size);
    snprintf(vm->image_publisher, sizeof(vm->image_publisher), "%s", t->in->publisher);
    snprintf(vm->image_offer, sizeof(vm->image_offer), "%s", t->in->offer);
    snprintf(vm->image_sku, sizeof(vm->image_sku), "%s", t->in->sku);
    snprintf(vm->image_version, sizeof(vm->image_version), "%s",
             t->in->version ? t->in->version : "latest");
    snprintf(vm->computer_name, sizeof(vm->computer_name), "%s",
             t->in->computer_name ? t->in->computer_name : t->name);
    snprintf(vm->admin_username, sizeof(vm->admin_username), "%s", t->in->admin_username);
    vm->network_profile = vm_profile_json(t->nics, t->nnics);
}

static enum db_status vm_start_op(struct db_conn *c, struct vm_put_tx *t, const char *vm_id,
                                  const char *kind, const char *status)
{
    char *rid = arm_resource_id(t->sub, t->out.rg_name[0] ? t->out.rg_name : t->rg, VM_PROVIDER,
                                VM_TYPE, t->out.name[0] ? t->out.name : t->name, NULL, NULL);
    util_uuid4(t->op_id);
    enum db_status st =
        db_op_insert(c, t->op_id, t->sub, t->location, kind, rid, vm_id, NULL, status);
    free(rid);
    return st;
}

/* The diff of an existing VM and the request. */
static void vm_diff(const struct vm_put_tx *t, const json_t *profile, struct vm_diff *d)
{
    const struct db_vm *v = &t->cur;
    const struct vm_put_req *in = t->in;
    json_t *had = json_loads(v->tags, 0, NULL);
    memset(d, 0, sizeof(*d));
    d->tags = !had || !json_equal(had, t->tags);
    json_decref(had);
    d->size = strcasecmp(v->vm_size, in->vm_size) != 0;
    d->image = strcasecmp(v->image_publisher, in->publisher) != 0 ||
               strcasecmp(v->image_offer, in->offer) != 0 ||
               strcasecmp(v->image_sku, in->sku) != 0 ||
               strcasecmp(v->image_version, in->version ? in->version : "latest") != 0;
    d->computer_name = strcmp(v->computer_name, in->computer_name ? in->computer_name : v->name);
    d->admin_username = strcmp(v->admin_username, in->admin_username) != 0;
    d->nics = !vm_profile_same(v->network_profile, profile);
}

static enum db_status vm_put_run(struct db_conn *c, void *arg)
{
    struct vm_put_tx *t = arg;
    struct db_rg g = {0};
    enum db_status st;
    db_vm_free(&t->cur);
    db_vm_free(&t->out);
    memset(&t->cur, 0, sizeof(t->cur));
    memset(&t->out, 0, sizeof(t->out));
    err_clear(&t->err);

    char *key = vmwork_vm_lock_key(t->sub, t->rg, t->name);
    st = db_lock_key(c, key);
    free(key);
    /* The NICs' locks, sorted (as their own handlers take them). */
    char **keys = util_xcalloc(t->nnics + 1, sizeof(char *));
    size_t nkeys = 0;
    for (size_t i = 0; i < t->nnics; i++)
        if (t->nics[i].ref_ok)
            keys[nkeys++] =
                netres_lock_key(t->nics[i].ref.subscription, t->nics[i].ref.resource_group,
                                "networkInterfaces", t->nics[i].ref.name);
    if (st == DB_OK)
        st = netres_lock_all(c, keys, nkeys);
    for (size_t i = 0; i < nkeys; i++)
        free(keys[i]);
    free(keys);
    if (st == DB_OK)
        st = db_rg_get(c, t->sub, t->rg, &g);
    db_rg_free(&g);
    if (st == DB_NOT_FOUND) {
        t->outcome = VM_RG_MISSING;
        return DB_OK;
    }
    if (st != DB_OK)
        return st;
    st = db_vm_get(c, t->sub, t->rg, t->name, &t->cur);
    if (st != DB_OK && st != DB_NOT_FOUND)
        return st;
    int exists = st == DB_OK;
    if (arm_preconditions(t->rq, t->rp, exists ? t->cur.etag : NULL) != 0) {
        t->outcome = VM_PRECONDITION;
        return DB_OK;
    }
    if (exists && strcmp(t->cur.location, t->location) != 0) {
        t->outcome = VM_MOVED;
        return DB_OK;
    }
    st = vm_resolve_nics(c, t, exists ? t->cur.id : NULL);
    if (st != DB_OK)
        return st;
    char *tags_text = json_dumps(t->tags, JSON_COMPACT);
    /* A new VM, or one whose creation failed: created (again). */
    if (!exists || strcmp(t->cur.provisioning_state, "Failed") == 0) {
        if (exists) {
            struct db_op other = {0};
            st = db_op_active_for_target(c, t->cur.id, &other);
            if (st == DB_OK) {
                t->outcome = VM_BUSY;
                snprintf(t->busy_op, sizeof(t->busy_op), "%s", other.kind);
                db_op_free(&other);
                goto out;
            }
            if (st != DB_NOT_FOUND)
                goto out;
        }
        st = vm_check_catalog(c, t, t->in->vm_size, t->in->publisher, t->in->offer, t->in->sku);
        if (st != DB_OK)
            goto out;
        if (t->err.ndetails) {
            t->outcome = VM_INVALID;
            goto out;
        }
        struct db_vm *vm = &t->out;
        if (exists)
            snprintf(vm->id, sizeof(vm->id), "%s", t->cur.id);
        else
            util_uuid4(vm->id);
        vm_from_request(t, vm, tags_text);
        snprintf(vm->provisioning_state, sizeof(vm->provisioning_state), "Creating");
        snprintf(vm->power_state, sizeof(vm->power_state), "starting");
        st = exists ? db_vm_update(c, vm) : db_vm_insert(c, vm, t->rg);
        vm->tags = NULL;
        json_decref(vm->network_profile);
        vm->network_profile = NULL;
        if (st == DB_OK)
            st = vm_attach_nics(c, t, vm->id);
        if (st == DB_OK)
            st = vm_start_op(c, t, vm->id, "vm.create", "InProgress");
        if (st == DB_OK) {
            char id[37];
            snprintf(id, sizeof(id), "%s", vm->id);
            db_vm_free(vm);
            st = db_vm_get_by_id(c, id, vm);
        }
        t->outcome = exists ? VM_RECREATED : VM_CREATED;
        goto out;
    }

    /* An existing VM. */
    json_t *profile = vm_profile_json(t->nics, t->nnics);
    struct vm_diff d;
    vm_diff(t, profile, &d);
    if (!d.tags && !d.size && !d.image && !d.computer_name && !d.admin_username && !d.nics &&
        !t->err.ndetails) {
        t->outcome = VM_UNCHANGED;
        json_decref(profile);
        goto out;
    }
    struct db_op other = {0};
    st = db_op_active_for_target(c, t->cur.id, &other);
    if (st == DB_OK) {
        snprintf(t->busy_op, sizeof(t->busy_op), "%s", other.kind);
        db_op_free(&other);
        t->outcome = VM_BUSY;
        json_decref(profile);
        goto out;
    }
    if (st != DB_NOT_FOUND) {
        json_decref(profile);
        goto out;
    }
    st = DB_OK;
    int deallocated = strcmp(t->cur.power_state, "deallocated") == 0;
    if (d.image)
        err_add_detail(&t->err, ERR_PROPERTY_CHANGE_NOT_ALLOWED,
                       "properties.storageProfile.imageReference",
                       "The image of virtual machine '%s' is %s:%s:%s:%s; it cannot be changed. "
                       "Create a new virtual machine to use another image.",
                       t->cur.name, t->cur.image_publisher, t->cur.image_offer, t->cur.image_sku,
                       t->cur.image_version);
    if (d.computer_name)
        err_add_detail(&t->err, ERR_PROPERTY_CHANGE_NOT_ALLOWED,
                       "properties.osProfile.computerName",
                       "The computer name of virtual machine '%s' is '%s'; it cannot be changed.",
                       t->cur.name, t->cur.computer_name);
    if (d.admin_username)
        err_add_detail(&t->err, ERR_PROPERTY_CHANGE_NOT_ALLOWED,
                       "properties.osProfile.adminUsername",
                       "The admin user of virtual machine '%s' is '%s'; it cannot be changed.",
                       t->cur.name, t->cur.admin_username);
    /* The seed's rule: accelerated NICs only at creation, whatever the power
     * state. */
    int an_added = 0;
    for (size_t i = 0; i < t->nnics; i++) {
        const struct vm_nic_in *x = &t->nics[i];
        if (!x->found || !x->nic.accelerated_networking ||
            vm_profile_has(t->cur.network_profile, x->nic.id))
            continue;
        char path[100];
        snprintf(path, sizeof(path), VM_NICS_PATH "[%zu].id", i);
        err_add_detail(&t->err, ERR_AN_NIC_ATTACH_AT_CREATE_ONLY, path,
                       "Network interface '%s' has Accelerated Networking enabled: such a network "
                       "interface can only be attached to a virtual machine when the virtual "
                       "machine is created, not to the existing '%s'. Create a new virtual "
                       "machine with it, or use a network interface without Accelerated "
                       "Networking.",
                       x->nic.name, t->cur.name);
        an_added = 1;
    }
    if (d.nics && !deallocated && !an_added)
        err_add_detail(&t->err, ERR_VM_MUST_BE_DEALLOCATED, "properties.networkProfile",
                       "The network interfaces of virtual machine '%s' can only be changed while "
                       "it is deallocated (its power state is %s). POST .../deallocate first.",
                       t->cur.name, t->cur.power_state);
    if (d.size && !deallocated)
        err_add_detail(&t->err, ERR_VM_MUST_BE_DEALLOCATED, "properties.hardwareProfile.vmSize",
                       "Virtual machine '%s' can only be resized (from %s to %s) while it is "
                       "deallocated (its power state is %s). POST .../deallocate first.",
                       t->cur.name, t->cur.vm_size, t->in->vm_size, t->cur.power_state);
    if ((d.size || d.nics) && deallocated && !t->err.ndetails)
        st = vm_check_catalog(c, t, t->in->vm_size, t->cur.image_publisher, t->cur.image_offer,
                              t->cur.image_sku);
    if (st != DB_OK || t->err.ndetails) {
        t->outcome = VM_INVALID;
        json_decref(profile);
        goto out;
    }
    struct db_vm upd = t->cur;
    upd.tags = tags_text;
    upd.network_profile = profile;
    util_uuid4(upd.etag);
    snprintf(upd.vm_size, sizeof(upd.vm_size), "%s", t->in->vm_size);
    st = db_vm_update(c, &upd);
    if (st == DB_OK && d.nics)
        st = vm_attach_nics(c, t, t->cur.id);
    json_decref(profile);
    if (st == DB_OK)
        st = db_vm_get_by_id(c, t->cur.id, &t->out);
    t->outcome = VM_UPDATED;
out:
    free(tags_text);
    return st;
}

static const char *vm_name_param(struct req *rq, struct reply *rp, const char **rg)
{
    *rg = netres_rg_param(rq, rp);
    if (!*rg)
        return NULL;
    const char *name = req_param(rq, "vmName");
    const char *why = name ? vm_name_problem(name) : "is missing";
    if (why) {
        reply_error(rp, ERR_INVALID_RESOURCE_NAME, "vmName",
                    "The virtual machine name '%s' is not valid: it %s.", name ? name : "", why);
        return NULL;
    }
    return name;
}

static void vm_not_found(struct reply *rp, const char *name, const char *rg)
{
    reply_error(rp, ERR_RESOURCE_NOT_FOUND, NULL,
                "The Resource '" VM_TYPE_FULL "/%s' under resource group '%s' was not found.", name,
                rg);
}

static void vm_busy(struct reply *rp, const struct req *rq, const char *name, const char *op)
{
    reply_error(rp, ERR_RETRYABLE_ANOTHER_OPERATION, NULL,
                "Virtual machine '%s' has an operation in progress (%s); this request can only be "
                "made once it has ended. Retry later.",
                name, op);
    rp->retry_after = rq->app->cfg->ops_retry_after_s;
}

/* The common answers of a VM transaction; 1 when it answered. */
static int vm_tx_reply(struct req *rq, struct reply *rp, enum db_status st, enum vm_outcome outcome,
                       struct err *e, const char *rg, const char *name, const char *busy_op)
{
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        return 1;
    }
    switch (outcome) {
    case VM_PRECONDITION:
        return 1;
    case VM_RG_MISSING:
        netres_rg_not_found(rp, rg);
        return 1;
    case VM_MISSING:
        vm_not_found(rp, name, rg);
        return 1;
    case VM_INVALID:
        netres_err_finish(e);
        reply_error_steal(rp, e);
        return 1;
    case VM_BUSY:
        vm_busy(rp, rq, name, busy_op);
        return 1;
    default:
        return 0;
    }
}

/* Parses and checks a PUT body (or a PATCH merged into the current VM) and
 * runs the transaction. */
static void vm_put_body(struct req *rq, struct reply *rp, const char *rg, const char *name,
                        const json_t *body)
{
    struct vm_put_req in = {0};
    struct err e = {0};
    struct db_location loc = {0};
    struct db_conn *c;
    const char *sub = req_param(rq, "subscriptionId");
    struct vm_put_tx t = {.rq = rq, .rp = rp, .sub = sub, .rg = rg, .name = name};
    jspec_parse(body, vm_put_spec, &in, "", JSPEC_STRICT, &e);
    if (in.name && strcasecmp(in.name, name) != 0)
        err_add_detail(&e, ERR_INVALID_REQUEST_CONTENT, "name",
                       "The name in the body ('%s') is not the one in the URL ('%s').", in.name,
                       name);
    if (in.computer_name) {
        const char *why = vm_computer_name_problem(in.computer_name);
        if (why)
            err_add_detail(&e, ERR_INVALID_PARAMETER, "properties.osProfile.computerName",
                           "The computer name '%s' is not valid: it %s.", in.computer_name, why);
    }
    if (in.nics)
        t.nics = vm_nics_parse(in.nics, sub, &t.nnics, &e);
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
        reply_error(rp, ERR_LOCATION_NOT_AVAILABLE_FOR_TYPE, "location",
                    "The location '%s' is not available for resource type " VM_TYPE_FULL
                    ". Use one of the locations from GET /subscriptions/%s/locations.",
                    in.location, sub);
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
    st = db_tx(rq->app->db, vm_put_run, &t);
    if (!vm_tx_reply(rq, rp, st, t.outcome, &t.err, rg, name, t.busy_op)) {
        int admin = rq->who.role == ROLE_ADMIN;
        if (t.outcome == VM_MOVED) {
            reply_error(rp, ERR_INVALID_RESOURCE_LOCATION, "location",
                        "The virtual machine '%s' already exists in location '%s'; a resource "
                        "cannot move to another location ('%s').",
                        name, t.cur.location, loc.name);
        } else if (t.outcome == VM_UNCHANGED) {
            reply_json(rp, 200, vm_json(&t.cur, admin));
        } else if (t.outcome == VM_CREATED || t.outcome == VM_RECREATED) {
            api_op_headers(rq, rp, sub, loc.name, t.op_id);
            reply_json(rp, t.outcome == VM_CREATED ? 201 : 200, vm_json(&t.out, admin));
        } else {
            reply_json(rp, 200, vm_json(&t.out, admin));
        }
    }
    json_decref(tags);
out:
    err_clear(&e);
    err_clear(&t.err);
    db_location_free(&loc);
    vm_nics_free(t.nics, t.nnics);
    db_vm_free(&t.cur);
    db_vm_free(&t.out);
}

void api_vm_put(struct req *rq, struct reply *rp)
{
    const char *rg;
    const char *name = vm_name_param(rq, rp, &rg);
    if (!name)
        return;
    if (!rq->body) {
        reply_error(rp, ERR_INVALID_REQUEST_CONTENT, NULL,
                    "The request needs a JSON body: {\"location\": \"westeurope\", "
                    "\"properties\": {\"hardwareProfile\": {\"vmSize\": \"Standard_D15_v2\"}, "
                    "\"storageProfile\": {\"imageReference\": {...}}, \"osProfile\": "
                    "{\"adminUsername\": \"...\"}, \"networkProfile\": {\"networkInterfaces\": "
                    "[{\"id\": \"...\"}]}}}.");
        return;
    }
    vm_put_body(rq, rp, rg, name, rq->body);
}

/* RFC 7386 merge of patch into target (in place). */
static void vm_merge(json_t *target, const json_t *patch)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)patch, k, v)
    {
        json_t *cur = json_object_get(target, k);
        if (json_is_null(v))
            json_object_del(target, k);
        else if (json_is_object(v) && json_is_object(cur))
            vm_merge(cur, v);
        else
            json_object_set(target, k, v);
    }
}

/* PATCH: the request merged into the VM as a PUT body would describe it,
 * then the PUT's rules. */
void api_vm_patch(struct req *rq, struct reply *rp)
{
    const char *rg;
    struct db_conn *c;
    struct db_vm v = {0};
    const char *name = vm_name_param(rq, rp, &rg);
    if (!name)
        return;
    if (!json_is_object(rq->body)) {
        reply_error(rp, ERR_INVALID_REQUEST_CONTENT, NULL,
                    "The request needs a JSON object body: {\"tags\": {...}} or {\"properties\": "
                    "{...}}.");
        return;
    }
    const char *sub = req_param(rq, "subscriptionId");
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        st = db_vm_get(c, sub, rg, name, &v);
        db_release(rq->app->db, c);
    }
    if (st == DB_NOT_FOUND) {
        vm_not_found(rp, name, rg);
        return;
    }
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        return;
    }
    json_t *nics = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(v.network_profile, i, e)
    {
        json_array_append_new(nics,
                              json_pack("{s:O, s:{s:O}}", "id", json_object_get(e, "id"),
                                        "properties", "primary", json_object_get(e, "primary")));
    }
    json_t *tags = json_loads(v.tags, 0, NULL);
    json_t *body =
        json_pack("{s:s, s:o, s:{s:{s:s}, s:{s:{s:s, s:s, s:s, s:s}}, s:{s:s, s:s}, s:{s:o}}}",
                  "location", v.location, "tags", tags ? tags : json_object(), "properties",
                  "hardwareProfile", "vmSize", v.vm_size, "storageProfile", "imageReference",
                  "publisher", v.image_publisher, "offer", v.image_offer, "sku", v.image_sku,
                  "version", v.image_version, "osProfile", "computerName", v.computer_name,
                  "adminUsername", v.admin_username, "networkProfile", "networkInterfaces", nics);
    /* Tags are replaced as a whole by a PATCH (ARM's UpdateTags). */
    const json_t *ptags = json_object_get(rq->body, "tags");
    vm_merge(body, rq->body);
    if (json_is_object(ptags))
        json_object_set(body, "tags", (json_t *)ptags);
    vm_put_body(rq, rp, rg, name, body);
    json_decref(body);
    db_vm_free(&v);
}

void api_vm_get(struct req *rq, struct reply *rp)
{
    const char *rg;
    struct db_conn *c;
    struct db_vm v = {0};
    const char *name = vm_name_param(rq, rp, &rg);
    if (!name)
        return;
    const char *sub = req_param(rq, "subscriptionId");
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        return;
    }
    st = db_vm_get(c, sub, rg, name, &v);
    if (st == DB_NOT_FOUND) {
        struct db_rg g = {0};
        st = db_rg_get(c, sub, rg, &g);
        db_rg_free(&g);
        if (st == DB_NOT_FOUND)
            netres_rg_not_found(rp, rg);
        else if (st != DB_OK)
            reply_db_error(rp, rq, st);
        else
            vm_not_found(rp, name, rg);
    } else if (st != DB_OK) {
        reply_db_error(rp, rq, st);
    } else {
        reply_json(rp, 200, vm_json(&v, rq->who.role == ROLE_ADMIN));
    }
    db_release(rq->app->db, c);
    db_vm_free(&v);
}

/* --- DELETE, deallocate, start ---------------------------------------------------------- */

struct vm_action_tx {
    const struct req *rq;
    struct reply *rp;
    const char *sub, *rg, *name;
    enum vm_action action;
    enum vm_outcome outcome;
    struct err err;
    char op_id[37];
    char location[65];
    char busy_op[16];
};

static enum db_status vm_action_run(struct db_conn *c, void *arg)
{
    struct vm_action_tx *t = arg;
    struct db_vm v = {0};
    struct db_op other = {0};
    err_clear(&t->err);
    char *key = vmwork_vm_lock_key(t->sub, t->rg, t->name);
    enum db_status st = db_lock_key(c, key);
    free(key);
    if (st == DB_OK)
        st = db_vm_get(c, t->sub, t->rg, t->name, &v);
    if (st == DB_NOT_FOUND) {
        struct db_rg g = {0};
        st = db_rg_get(c, t->sub, t->rg, &g);
        db_rg_free(&g);
        if (st == DB_NOT_FOUND)
            t->outcome = VM_RG_MISSING;
        else if (t->action == VM_ACT_DELETE)
            t->outcome = arm_preconditions(t->rq, t->rp, NULL) ? VM_PRECONDITION : VM_GONE;
        else
            t->outcome = VM_MISSING;
        return st == DB_NOT_FOUND ? DB_OK : st;
    }
    if (st != DB_OK)
        return st;
    snprintf(t->location, sizeof(t->location), "%s", v.location);
    if (t->action == VM_ACT_DELETE && arm_preconditions(t->rq, t->rp, v.etag) != 0) {
        t->outcome = VM_PRECONDITION;
        goto out;
    }
    st = db_op_active_for_target(c, v.id, &other);
    if (st != DB_OK && st != DB_NOT_FOUND)
        goto out;
    struct vm_transition tr;
    vm_state_action(t->action, v.provisioning_state, v.power_state, st == DB_OK ? other.kind : NULL,
                    &tr);
    st = DB_OK;
    switch (tr.decision) {
    case VM_DECIDE_SAME_OP:
        /* The same request again: the operation already under way. */
        snprintf(t->op_id, sizeof(t->op_id), "%s", other.id);
        t->outcome = VM_ACCEPTED;
        goto out;
    case VM_DECIDE_BUSY:
        snprintf(t->busy_op, sizeof(t->busy_op), "%s", other.kind);
        t->outcome = VM_BUSY;
        goto out;
    case VM_DECIDE_NOT_ALLOWED:
        err_set(&t->err, ERR_OPERATION_NOT_ALLOWED, NULL,
                "Virtual machine '%s' failed to be created, so it cannot be %s. PUT it again to "
                "create it anew, or delete it.",
                v.name, t->action == VM_ACT_START ? "started" : "deallocated");
        t->outcome = VM_INVALID;
        goto out;
    case VM_DECIDE_START_OP:
        st = db_vm_set_state(c, v.id, tr.provisioning, tr.power);
        break;
    case VM_DECIDE_ALREADY_DONE:
        break;
    }
    if (st == DB_OK) {
        /* Nothing to do: an operation that is done already, for the client
         * to poll like any other. */
        int run = tr.decision == VM_DECIDE_START_OP;
        char *rid =
            arm_resource_id(v.subscription_id, v.rg_name, VM_PROVIDER, VM_TYPE, v.name, NULL, NULL);
        util_uuid4(t->op_id);
        st = db_op_insert(c, t->op_id, t->sub, v.location, tr.kind, rid, run ? v.id : NULL, NULL,
                          run ? "InProgress" : "Succeeded");
        free(rid);
    }
    t->outcome = VM_ACCEPTED;
out:
    db_op_free(&other);
    db_vm_free(&v);
    return st;
}

static void vm_action(struct req *rq, struct reply *rp, enum vm_action action)
{
    const char *rg;
    const char *name = vm_name_param(rq, rp, &rg);
    if (!name)
        return;
    struct vm_action_tx t = {.rq = rq,
                             .rp = rp,
                             .sub = req_param(rq, "subscriptionId"),
                             .rg = rg,
                             .name = name,
                             .action = action};
    enum db_status st = db_tx(rq->app->db, vm_action_run, &t);
    if (st == DB_OK && t.outcome == VM_GONE) {
        reply_empty(rp, 204);
    } else if (!vm_tx_reply(rq, rp, st, t.outcome, &t.err, rg, name, t.busy_op)) {
        api_op_headers(rq, rp, t.sub, t.location, t.op_id);
        reply_empty(rp, 202);
    }
    err_clear(&t.err);
}

void api_vm_delete(struct req *rq, struct reply *rp)
{
    vm_action(rq, rp, VM_ACT_DELETE);
}

void api_vm_deallocate(struct req *rq, struct reply *rp)
{
    vm_action(rq, rp, VM_ACT_DEALLOCATE);
}

void api_vm_start(struct req *rq, struct reply *rp)
{
    vm_action(rq, rp, VM_ACT_START);
}

/* --- lists ---------------------------------------------------------------------------------- */

struct vm_list_items {
    struct db_vm *items;
};

static enum db_status vm_list_fetch(struct db_conn *c, void *self, const char *sub, const char *rg,
                                    const char *after_rg, const char *after_name, long limit,
                                    size_t shown_max, size_t *n)
{
    struct vm_list_items *l = self;
    (void)shown_max;
    return db_vm_list(c, sub, rg, after_rg, after_name, limit, &l->items, n);
}

static json_t *vm_list_json(const struct req *rq, void *self, size_t i)
{
    return vm_json(&((struct vm_list_items *)self)->items[i], rq->who.role == ROLE_ADMIN);
}

static void vm_list_names(void *self, size_t i, const char **rg, const char **name)
{
    const struct db_vm *v = &((struct vm_list_items *)self)->items[i];
    *rg = v->rg_name;
    *name = v->name;
}

static void vm_list_release(void *self, size_t n)
{
    db_vm_list_free(((struct vm_list_items *)self)->items, n);
}

static void vm_list(struct req *rq, struct reply *rp, const char *rg)
{
    static const struct netres_lister lister = {vm_list_fetch, vm_list_json, vm_list_names,
                                                vm_list_release};
    struct vm_list_items l = {0};
    netres_list_reply(rq, rp, rg, &lister, &l);
}

void api_vm_list(struct req *rq, struct reply *rp)
{
    const char *rg = netres_rg_param(rq, rp);
    if (rg)
        vm_list(rq, rp, rg);
}

void api_vm_list_all(struct req *rq, struct reply *rp)
{
    vm_list(rq, rp, NULL);
}
