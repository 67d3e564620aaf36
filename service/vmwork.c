#include "service/vmwork.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api/arm.h"
#include "common/error.h"
#include "common/log.h"
#include "common/util.h"
#include "db/catalog.h"
#include "db/host.h"
#include "db/nsg.h"
#include "db/resource_group.h"
#include "db/vm.h"
#include "service/agentclient.h"
#include "service/policywork.h"
#include "service/vmpolicy.h"

/* How long a cascade waits between two looks at its VMs' deletes, and an
 * operation that waits for another (a VF release) between two looks. */
#define VW_WAIT_MS 300
/* A resource-group delete gives up when resources keep appearing in the
 * group after this many rounds. */
#define VW_RG_MAX_ROUNDS 200

char *vmwork_vm_lock_key(const char *sub, const char *rg, const char *name)
{
    return arm_lock_key(sub, rg, "Microsoft.Compute/virtualMachines", name);
}

/* --- transactions under the operation's lease -------------------------------- */

typedef enum db_status (*vw_fn)(struct db_conn *c, void *arg);

struct vw_tx {
    const struct ops_ctx *ctx;
    const struct db_op *op;
    const char *lock_key; /* also taken (a VM's), or NULL */
    vw_fn fn;
    void *arg;
    int lost;
};

static enum db_status vw_tx_run(struct db_conn *c, void *arg)
{
    struct vw_tx *t = arg;
    t->lost = 0;
    enum db_status st = db_op_lock_owned(c, t->op->id, t->ctx->owner);
    if (st == DB_NOT_FOUND) {
        t->lost = 1;
        return DB_OK; /* nothing was written */
    }
    if (st == DB_OK && t->lock_key)
        st = db_lock_key(c, t->lock_key);
    return st == DB_OK ? t->fn(c, t->arg) : st;
}

enum vw_status { VW_OK, VW_LOST, VW_DB };

/* Runs fn in a transaction that first checks that this process still holds
 * the operation. */
static enum vw_status vw_tx(const struct ops_ctx *ctx, const struct db_op *op, const char *lock_key,
                            vw_fn fn, void *arg)
{
    struct vw_tx t = {ctx, op, lock_key, fn, arg, 0};
    enum db_status st = db_tx(ctx->pool, vw_tx_run, &t);
    if (st != DB_OK) {
        log_warn("ops: operation %s (%s): database %s; it will be tried again", op->id, op->kind,
                 db_status_name(st));
        return VW_DB;
    }
    return t.lost ? VW_LOST : VW_OK;
}

static enum ops_result vw_result(enum vw_status s, const struct db_op *op, unsigned long *defer_ms)
{
    if (s == VW_LOST)
        return OPS_LOST;
    *defer_ms = ops_retry_delay_ms(op->attempts, randombytes_random());
    return OPS_DEFER;
}

/* Ends the operation (alone). */
struct vw_finish {
    const struct db_op *op;
    const char *status, *code, *message;
};

static enum db_status vw_finish_run(struct db_conn *c, void *arg)
{
    struct vw_finish *f = arg;
    return db_op_finish(c, f->op->id, f->status, f->code, f->message);
}

static enum ops_result vw_finish(struct ops_ctx *ctx, const struct db_op *op, const char *status,
                                 const char *code, const char *message, unsigned long *defer_ms)
{
    struct vw_finish f = {op, status, code, message};
    enum vw_status s = vw_tx(ctx, op, NULL, vw_finish_run, &f);
    return s == VW_OK ? OPS_DONE : vw_result(s, op, defer_ms);
}

/* --- what a VM operation works with --------------------------------------------- */

struct vw_vm {
    struct db_vm vm;
    char *lock_key;
    struct db_vm_nic *nics; /* the NICs of its network profile that exist */
    size_t nnics;
    char *url, *token; /* its host's agent (when placed) */
};

static void vw_vm_free(struct vw_vm *w)
{
    db_vm_free(&w->vm);
    free(w->lock_key);
    free(w->nics);
    free(w->url);
    free(w->token);
    memset(w, 0, sizeof(*w));
}

/* Loads the VM, its NICs and (when placed) its agent. DB_NOT_FOUND: the VM
 * is gone. */
static enum db_status vw_vm_load(struct ops_ctx *ctx, const char *vm_id, struct vw_vm *w)
{
    struct db_conn *c;
    vw_vm_free(w);
    enum db_status st = db_acquire(ctx->pool, &c);
    if (st != DB_OK)
        return st;
    st = db_vm_get_by_id(c, vm_id, &w->vm);
    if (st == DB_OK) {
        w->lock_key = vmwork_vm_lock_key(w->vm.subscription_id, w->vm.rg_name, w->vm.name);
        size_t n = json_array_size(w->vm.network_profile);
        const char **ids = util_xcalloc(n ? n : 1, sizeof(char *));
        for (size_t i = 0; i < n; i++)
            ids[i] = json_string_value(
                json_object_get(json_array_get(w->vm.network_profile, i), "nicId"));
        st = db_vm_nics(c, ids, n, &w->nics, &w->nnics);
        free(ids);
    }
    if (st == DB_OK && *w->vm.host_name)
        st = db_host_agent_target(c, w->vm.host_name, &w->url, &w->token);
    db_release(ctx->pool, c);
    return st;
}

/* The NIC's ARM id from the VM's network profile. */
static const char *vw_nic_ref(const struct vw_vm *w, const char *nic_id)
{
    size_t i;
    json_t *e;
    json_array_foreach(w->vm.network_profile, i, e)
    {
        const char *id = json_string_value(json_object_get(e, "nicId"));
        if (id && strcmp(id, nic_id) == 0)
            return json_string_value(json_object_get(e, "id"));
    }
    return nic_id;
}

/* The accelerated NICs a VF was (or may have been) attached for on the
 * VM's host: those attached to the VM (a NIC leaves a VM only in the
 * transaction that records its VF's detach or release). */
static int vw_nic_has_vf(const struct vw_vm *w, const struct db_vm_nic *n)
{
    return n->accelerated && strcmp(n->vm_id, w->vm.id) == 0;
}

/* --- detaching (undo, delete, deallocate) ----------------------------------------- */

/* Detaches every VF of w's NICs on its host. confirmed[i] = 1 for each NIC the
 * agent confirmed (or that had nothing there to detach). */
static void vw_detach_all(struct ops_ctx *ctx, struct vw_vm *w, int *confirmed)
{
    for (size_t i = 0; i < w->nnics; i++) {
        confirmed[i] = 1;
        if (!*w->vm.host_name || !vw_nic_has_vf(w, &w->nics[i]))
            continue;
        struct agentc_target t = {w->vm.host_name, w->url, w->token};
        struct agentc_error err;
        int detached = 0;
        if (!w->url || agentc_detach(ctx->agents, &t, w->nics[i].id, &detached, &err) != 0) {
            confirmed[i] = 0;
            log_warn("ops: the agent of host %s did not confirm the detach of NIC %s (%s); a "
                     "vf.release operation will retry it",
                     w->vm.host_name, w->nics[i].id, w->url ? err.message : "no agent URL");
        }
    }
}

enum vw_end { VW_END_FAILED_CREATE, VW_END_FAILED_START, VW_END_DELETED, VW_END_DEALLOCATED };

struct vw_release {
    const struct db_op *op;
    struct vw_vm *w;
    const int *confirmed;
    enum vw_end end;
    const char *code, *message;
};

/* Records the detaches, queues a vf.release for each unconfirmed one, gives
 * the claim back (less the VFs still held) and ends the VM and the
 * operation. */
static enum db_status vw_release_run(struct db_conn *c, void *arg)
{
    struct vw_release *r = arg;
    struct vw_vm *w = r->w;
    const char *host = w->vm.host_name;
    enum db_status st = DB_OK;
    long pending = 0;
    for (size_t i = 0; i < w->nnics && st == DB_OK; i++) {
        const struct db_vm_nic *n = &w->nics[i];
        if (!*host || !vw_nic_has_vf(w, n))
            continue;
        if (r->confirmed[i]) {
            st = db_nic_vf_clear(c, n->id, host);
            continue;
        }
        char id[37];
        util_uuid4(id);
        json_t *params = json_pack("{s:s, s:s}", "host", host, "nicId", n->id);
        st = db_nic_vf_pending(c, n->id, host);
        if (st == DB_OK)
            st = db_op_insert(c, id, w->vm.subscription_id, w->vm.location, "vf.release",
                              vw_nic_ref(w, n->id), NULL, params, "InProgress");
        json_decref(params);
        pending++;
    }
    if (st == DB_OK && *host) {
        struct sched_claim claim = {.vcpus = w->vm.claim_vcpus,
                                    .memory_mb = w->vm.claim_memory_mb,
                                    .vfs = w->vm.claim_vfs - pending};
        snprintf(claim.host, sizeof(claim.host), "%s", host);
        if (claim.vfs < 0)
            claim.vfs = 0; /* more NICs than were claimed for: the rest were never claimed */
        st = sched_release(c, &claim);
        if (st == DB_OK)
            st = db_vm_set_placement(c, w->vm.id, NULL, 0, 0, 0);
    }
    if (st != DB_OK)
        return st;
    switch (r->end) {
    case VW_END_FAILED_CREATE:
        st = db_vm_nic_detach_all(c, w->vm.id);
        if (st == DB_OK)
            st = db_vm_set_state(c, w->vm.id, "Failed", "deallocated");
        break;
    case VW_END_FAILED_START:
        st = db_vm_set_state(c, w->vm.id, "Failed", "deallocated");
        break;
    case VW_END_DELETED:
        st = db_vm_nic_detach_all(c, w->vm.id);
        if (st == DB_OK)
            st = db_vm_delete(c, w->vm.id);
        break;
    case VW_END_DEALLOCATED:
        st = db_vm_set_state(c, w->vm.id, "Succeeded", "deallocated");
        break;
    }
    if (st == DB_OK)
        st = db_op_finish(c, r->op->id, r->code ? "Failed" : "Succeeded", r->code, r->message);
    return st;
}

static enum ops_result vw_release(struct ops_ctx *ctx, const struct db_op *op, struct vw_vm *w,
                                  enum vw_end end, const char *code, const char *message,
                                  unsigned long *defer_ms)
{
    int *confirmed = util_xcalloc(w->nnics ? w->nnics : 1, sizeof(int));
    vw_detach_all(ctx, w, confirmed);
    struct vw_release r = {op, w, confirmed, end, code, message};
    enum vw_status s = vw_tx(ctx, op, w->lock_key, vw_release_run, &r);
    free(confirmed);
    if (s != VW_OK)
        return vw_result(s, op, defer_ms);
    log_fields(code ? LOGL_WARN : LOGL_INFO,
               json_pack("{s:s, s:s, s:s, s:s, s:s*, s:s*}", "msg",
                         code ? "operation failed" : "operation succeeded", "operationId", op->id,
                         "kind", op->kind, "resource", op->resource_id, "code", code, "error",
                         message));
    return OPS_DONE;
}

struct vw_set_error {
    const struct db_op *op;
    const char *code, *message;
};

static enum db_status vw_set_error_run(struct db_conn *c, void *arg)
{
    struct vw_set_error *e = arg;
    enum db_status st = db_op_set_step(c, e->op->id, "undo");
    return st == DB_OK ? db_op_set_error(c, e->op->id, e->code, e->message) : st;
}

/* A create or start failed: undo, then Failed with code. */
static enum ops_result vw_undo(struct ops_ctx *ctx, const struct db_op *op, struct vw_vm *w,
                               const char *code, const char *message, unsigned long *defer_ms)
{
    struct vw_set_error e = {op, code, message};
    enum vw_status s = vw_tx(ctx, op, NULL, vw_set_error_run, &e);
    if (s != VW_OK)
        return vw_result(s, op, defer_ms);
    int create = strcmp(op->kind, "vm.create") == 0;
    return vw_release(ctx, op, w, create ? VW_END_FAILED_CREATE : VW_END_FAILED_START, code,
                      message, defer_ms);
}

/* --- placing --------------------------------------------------------------------- */

struct vw_place {
    struct ops_ctx *ctx;
    const struct db_op *op;
    struct vw_vm *w;
    long vfs;
    struct err err; /* AllocationFailed */
};

static enum db_status vw_place_run(struct db_conn *c, void *arg)
{
    struct vw_place *p = arg;
    struct db_vm_size size;
    struct sched_claim claim;
    err_clear(&p->err);
    enum db_status st = db_vm_size_get(c, p->w->vm.vm_size, &size);
    if (st == DB_NOT_FOUND) {
        err_set(&p->err, ERR_ALLOCATION_FAILED, "properties.hardwareProfile.vmSize",
                "Allocation failed: the VM size '%s' is no longer in the catalogue.",
                p->w->vm.vm_size);
        st = DB_OK;
    } else if (st == DB_OK) {
        struct sched_request rq = {p->w->vm.location, size.vcpus, size.memory_mb, p->vfs};
        st = sched_place(c, &p->ctx->sched, &rq, NULL, &claim, &p->err);
        if (st == DB_OK)
            st = db_vm_set_placement(c, p->w->vm.id, claim.host, claim.vcpus, claim.memory_mb,
                                     claim.vfs);
        if (st == DB_OK)
            st = db_op_set_step(c, p->op->id, "placed");
        if (st == DB_NOT_FOUND)
            st = DB_OK; /* p->err says why */
    }
    if (st == DB_OK && p->err.set) {
        int create = strcmp(p->op->kind, "vm.create") == 0;
        if (create)
            st = db_vm_nic_detach_all(c, p->w->vm.id);
        if (st == DB_OK)
            st = db_vm_set_state(c, p->w->vm.id, "Failed", "deallocated");
        if (st == DB_OK)
            st = db_op_finish(c, p->op->id, "Failed", err_code_name(p->err.code), p->err.message);
    }
    return st;
}

/* --- attaching -------------------------------------------------------------------- */

/* The policy of one NIC and a new generation: the generation first, then
 * the rules, so that an NSG change committed in between has a lower
 * generation than this policy, or is in it. */
static enum db_status vw_policy(struct ops_ctx *ctx, const struct db_vm_nic *n, json_t **rules,
                                long long *generation)
{
    struct db_conn *c;
    *rules = NULL;
    enum db_status st = db_acquire(ctx->pool, &c);
    if (st != DB_OK)
        return st;
    st = db_nic_policy_generation(c, generation);
    if (st == DB_OK)
        st = policywork_nic_rules(c, n, rules);
    db_release(ctx->pool, c);
    return st;
}

struct vw_record {
    const struct db_op *op;
    const char *nic_id, *host, *guest_driver;
    const struct agentc_nic *got;
    long long generation;
    int conflict;
};

static enum db_status vw_record_run(struct db_conn *c, void *arg)
{
    struct vw_record *r = arg;
    r->conflict = 0;
    enum db_status st = db_nic_vf_record(c, r->nic_id, r->host, r->got->vf.pf, r->got->vf.vf_index,
                                         r->got->vf.pci_address, r->got->vf.representor,
                                         r->got->vf.driver, r->guest_driver, r->generation);
    if (st == DB_CONFLICT) {
        /* The database already records that VF for another NIC. */
        r->conflict = 1;
        return DB_OK;
    }
    return st;
}

struct vw_succeed {
    const struct db_op *op;
    const char *vm_id;
};

static enum db_status vw_succeed_run(struct db_conn *c, void *arg)
{
    struct vw_succeed *s = arg;
    enum db_status st = db_vm_set_state(c, s->vm_id, "Succeeded", "running");
    return st == DB_OK ? db_op_finish(c, s->op->id, "Succeeded", NULL, NULL) : st;
}

/* The code of a failed attach. */
static enum err_code vw_attach_code(const struct agentc_error *e)
{
    if (e->kind == AGENTC_E_HTTP && e->http_status == 409 &&
        strcmp(e->code, "NoFreeVirtualFunction") == 0)
        return ERR_ALLOCATION_FAILED;
    if (e->kind == AGENTC_E_HTTP && e->http_status >= 400 && e->http_status < 500)
        return ERR_VF_ATTACH_FAILED;
    return ERR_HOST_AGENT_UNAVAILABLE;
}

/* vm.create and vm.start. */
static enum ops_result vw_bringup(struct ops_ctx *ctx, struct db_op *op, unsigned long *defer_ms)
{
    struct vw_vm w = {0};
    enum ops_result res = OPS_DONE;
    enum db_status st = vw_vm_load(ctx, op->target_id, &w);
    if (st == DB_NOT_FOUND) {
        res = vw_finish(ctx, op, "Canceled", NULL, NULL, defer_ms);
        goto out;
    }
    if (st != DB_OK) {
        res = vw_result(VW_DB, op, defer_ms);
        goto out;
    }
    if (strcmp(op->step, "undo") == 0) {
        res = vw_undo(ctx, op, &w, *op->error_code ? op->error_code : "InternalServerError",
                      op->error_message ? op->error_message : "", defer_ms);
        goto out;
    }
    if (op->step[0] == '\0') {
        long vfs = 0;
        for (size_t i = 0; i < w.nnics; i++) {
            if (!w.nics[i].accelerated || strcmp(w.nics[i].vm_id, w.vm.id) != 0)
                continue;
            if (*w.nics[i].vf_host) {
                /* A VF of an earlier run is still being released. */
                *defer_ms = VW_WAIT_MS;
                res = OPS_DEFER;
                goto out;
            }
            vfs++;
        }
        struct vw_place p = {ctx, op, &w, vfs, {0}};
        enum vw_status s = vw_tx(ctx, op, w.lock_key, vw_place_run, &p);
        if (s == VW_OK && p.err.set)
            log_fields(LOGL_WARN, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "msg",
                                            "operation failed", "operationId", op->id, "kind",
                                            op->kind, "resource", op->resource_id, "code",
                                            err_code_name(p.err.code), "error", p.err.message));
        int failed = p.err.set;
        err_clear(&p.err);
        if (s != VW_OK || failed) {
            res = s == VW_OK ? OPS_DONE : vw_result(s, op, defer_ms);
            goto out;
        }
        snprintf(op->step, sizeof(op->step), "placed");
        st = vw_vm_load(ctx, op->target_id, &w);
        if (st != DB_OK) {
            res = vw_result(VW_DB, op, defer_ms);
            goto out;
        }
    }
    /* "placed": a VF for each accelerated NIC. */
    char *guest_driver = NULL;
    struct db_conn *c;
    if (db_acquire(ctx->pool, &c) == DB_OK) {
        struct db_os_image img = {0};
        if (db_os_image_get(c, w.vm.image_publisher, w.vm.image_offer, w.vm.image_sku, &img) ==
            DB_OK)
            guest_driver = util_xstrdup(img.vf_driver ? img.vf_driver : "");
        db_os_image_free(&img);
        db_release(ctx->pool, c);
    }
    for (size_t i = 0; i < w.nnics; i++) {
        const struct db_vm_nic *n = &w.nics[i];
        if (!n->accelerated || strcmp(n->vm_id, w.vm.id) != 0)
            continue;
        if (ops_stopping(ctx->ops)) {
            *defer_ms = 0;
            res = OPS_DEFER;
            goto out_driver;
        }
        json_t *rules = NULL;
        long long generation = 0;
        if (vw_policy(ctx, n, &rules, &generation) != DB_OK) {
            res = vw_result(VW_DB, op, defer_ms);
            goto out_driver;
        }
        struct agentc_attach a = {.vm_id = w.vm.id,
                                  .mac_address = n->mac,
                                  .ip_address = n->ip,
                                  .prefix_length = n->prefix_length,
                                  .gateway = n->gateway,
                                  .segment_id = n->segment_id,
                                  .policy_generation = generation,
                                  .rules = rules};
        struct agentc_target t = {w.vm.host_name, w.url, w.token};
        struct agentc_nic got;
        struct agentc_error err = {0};
        int rc = w.url ? agentc_attach(ctx->agents, &t, n->id, &a, &got, NULL, &err) : -1;
        json_decref(rules);
        if (rc != 0) {
            enum err_code code = w.url ? vw_attach_code(&err) : ERR_HOST_AGENT_UNAVAILABLE;
            char *msg = util_asprintf(
                "Attaching a virtual function for network interface '%s' on host %s failed: "
                "%s%s%s",
                n->name, w.vm.host_name, *err.code ? err.code : "", *err.code ? ": " : "",
                w.url ? err.message : "the host's agent has no URL");
            res = vw_undo(ctx, op, &w, err_code_name(code), msg, defer_ms);
            free(msg);
            goto out_driver;
        }
        struct vw_record r = {
            op, n->id, w.vm.host_name, guest_driver ? guest_driver : "", &got, generation, 0};
        enum vw_status s = vw_tx(ctx, op, NULL, vw_record_run, &r);
        if (s != VW_OK) {
            res = vw_result(s, op, defer_ms);
            goto out_driver;
        }
        if (r.conflict) {
            char *msg = util_asprintf(
                "The agent of host %s gave network interface '%s' virtual function %s %ld, which "
                "is recorded for another network interface.",
                w.vm.host_name, n->name, got.vf.pf, got.vf.vf_index);
            res = vw_undo(ctx, op, &w, err_code_name(ERR_VF_ATTACH_FAILED), msg, defer_ms);
            free(msg);
            goto out_driver;
        }
    }
    struct vw_succeed s = {op, w.vm.id};
    enum vw_status vs = vw_tx(ctx, op, w.lock_key, vw_succeed_run, &s);
    if (vs != VW_OK) {
        res = vw_result(vs, op, defer_ms);
        goto out_driver;
    }
    log_fields(LOGL_INFO, json_pack("{s:s, s:s, s:s, s:s, s:s}", "msg", "operation succeeded",
                                    "operationId", op->id, "kind", op->kind, "resource",
                                    op->resource_id, "host", w.vm.host_name));
    res = OPS_DONE;
out_driver:
    free(guest_driver);
out:
    vw_vm_free(&w);
    return res;
}

/* vm.delete and vm.deallocate. */
static enum ops_result vw_teardown(struct ops_ctx *ctx, struct db_op *op, unsigned long *defer_ms)
{
    struct vw_vm w = {0};
    enum ops_result res;
    enum db_status st = vw_vm_load(ctx, op->target_id, &w);
    if (st == DB_NOT_FOUND)
        res = vw_finish(ctx, op, "Succeeded", NULL, NULL, defer_ms);
    else if (st != DB_OK)
        res = vw_result(VW_DB, op, defer_ms);
    else
        res = vw_release(ctx, op, &w,
                         strcmp(op->kind, "vm.delete") == 0 ? VW_END_DELETED : VW_END_DEALLOCATED,
                         NULL, NULL, defer_ms);
    vw_vm_free(&w);
    return res;
}

/* --- vf.release ------------------------------------------------------------------------ */

struct vw_vf_done {
    const struct db_op *op;
    const char *host, *nic_id;
};

static enum db_status vw_vf_done_run(struct db_conn *c, void *arg)
{
    struct vw_vf_done *d = arg;
    enum db_status st = db_nic_vf_clear(c, d->nic_id, d->host);
    if (st == DB_OK)
        st = db_host_release(c, d->host, 0, 0, 1);
    if (st == DB_NOT_FOUND || st == DB_CONFLICT) {
        log_warn("ops: releasing one VF on host %s: %s; nothing released", d->host,
                 db_status_name(st));
        st = DB_OK;
    }
    return st == DB_OK ? db_op_finish(c, d->op->id, "Succeeded", NULL, NULL) : st;
}

/* The host is gone (DELETE /admin/hosts/{hostName} ends its vf.release
 * operations in the transaction that deletes it; this is for one that
 * slipped past): the VF went with it. */
static enum db_status vw_vf_gone_run(struct db_conn *c, void *arg)
{
    struct vw_vf_done *d = arg;
    /* No NIC can refer to it any more (a foreign key). */
    enum db_status st = db_op_set_step(c, d->op->id, "hostGone");
    return st == DB_OK ? db_op_finish(c, d->op->id, "Succeeded", NULL, NULL) : st;
}

static enum ops_result vw_vf_release(struct ops_ctx *ctx, struct db_op *op, unsigned long *defer_ms)
{
    const char *host = json_string_value(json_object_get(op->params, "host"));
    const char *nic_id = json_string_value(json_object_get(op->params, "nicId"));
    char *url = NULL, *token = NULL;
    struct db_conn *c;
    if (!host || !nic_id)
        return vw_finish(ctx, op, "Failed", "InternalServerError",
                         "The operation has no host or NIC to release.", defer_ms);
    enum db_status st = db_acquire(ctx->pool, &c);
    if (st == DB_OK) {
        st = db_host_agent_target(c, host, &url, &token);
        db_release(ctx->pool, c);
    }
    if (st == DB_NOT_FOUND) {
        log_info("ops: VF release of NIC %s: host %s was deleted; nothing left to release", nic_id,
                 host);
        struct vw_vf_done d = {op, host, nic_id};
        enum vw_status s = vw_tx(ctx, op, NULL, vw_vf_gone_run, &d);
        return s == VW_OK ? OPS_DONE : vw_result(s, op, defer_ms);
    }
    if (st != DB_OK) {
        free(url);
        free(token);
        return vw_result(VW_DB, op, defer_ms);
    }
    struct agentc_target t = {host, url, token};
    struct agentc_error err;
    int rc = agentc_detach(ctx->agents, &t, nic_id, NULL, &err);
    free(url);
    free(token);
    if (rc != 0) {
        *defer_ms = ops_retry_delay_ms(op->attempts, randombytes_random());
        log_debug("ops: VF release of NIC %s on host %s: %s; again in %lu ms", nic_id, host,
                  err.message, *defer_ms);
        return OPS_DEFER;
    }
    struct vw_vf_done d = {op, host, nic_id};
    enum vw_status s = vw_tx(ctx, op, NULL, vw_vf_done_run, &d);
    return s == VW_OK ? OPS_DONE : vw_result(s, op, defer_ms);
}

/* --- rg.delete --------------------------------------------------------------------------- */

struct vw_rg {
    const struct db_op *op;
    const char *sub, *rg;
    size_t remaining; /* VMs left */
    enum err_code conflict;
    int conflicted;
    int deleted; /* the group is gone */
};

/* Starts a vm.delete for each VM of the group that has none in progress. */
static enum db_status vw_rg_vms_run(struct db_conn *c, void *arg)
{
    struct vw_rg *r = arg;
    char(*ids)[37] = NULL;
    size_t n = 0;
    r->remaining = 0;
    enum db_status st = db_vm_ids_in_rg(c, r->sub, r->rg, &ids, &n);
    for (size_t i = 0; i < n && st == DB_OK; i++) {
        struct db_op other = {0};
        struct db_vm vm = {0};
        r->remaining++;
        st = db_op_active_for_target(c, ids[i], &other);
        db_op_free(&other);
        if (st == DB_OK)
            continue; /* wait for it (a create, or a delete already under way) */
        if (st != DB_NOT_FOUND)
            break;
        st = db_vm_get_by_id(c, ids[i], &vm);
        if (st == DB_NOT_FOUND) {
            st = DB_OK;
            continue;
        }
        if (st == DB_OK) {
            char *key = vmwork_vm_lock_key(vm.subscription_id, vm.rg_name, vm.name);
            char *rid = arm_resource_id(vm.subscription_id, vm.rg_name, "Microsoft.Compute",
                                        "virtualMachines", vm.name, NULL, NULL);
            char id[37];
            util_uuid4(id);
            st = db_lock_key(c, key);
            if (st == DB_OK)
                st = db_vm_set_state(c, vm.id, "Deleting", NULL);
            if (st == DB_OK)
                st = db_op_insert(c, id, vm.subscription_id, vm.location, "vm.delete", rid, vm.id,
                                  NULL, "InProgress");
            if (st == DB_CONFLICT)
                st = DB_OK; /* another operation started meanwhile: wait for it */
            free(key);
            free(rid);
        }
        db_vm_free(&vm);
    }
    free(ids);
    return st;
}

/* The rest of the group, in one transaction. */
static enum db_status vw_rg_rest_run(struct db_conn *c, void *arg)
{
    struct vw_rg *r = arg;
    char(*ids)[37] = NULL;
    size_t n = 0;
    r->conflicted = 0;
    r->deleted = 0;
    char *key = arm_lock_key(r->sub, "", "resourceGroups", r->rg);
    enum db_status st = db_lock_key(c, key);
    free(key);
    if (st == DB_OK)
        st = db_vm_ids_in_rg(c, r->sub, r->rg, &ids, &n);
    free(ids);
    if (st != DB_OK)
        return st;
    if (n > 0) {
        r->remaining = n; /* created meanwhile: delete them first */
        return DB_OK;
    }
    st = db_rg_delete_nics(c, r->sub, r->rg);
    if (st == DB_CONFLICT) {
        r->conflict = ERR_NIC_IN_USE;
        goto conflict;
    }
    /* Virtual networks before network security groups: their subnets refer
     * to the groups. */
    if (st == DB_OK)
        st = db_rg_delete_vnets(c, r->sub, r->rg);
    if (st == DB_CONFLICT) {
        r->conflict = ERR_IN_USE_SUBNET_CANNOT_BE_DELETED;
        goto conflict;
    }
    if (st == DB_OK)
        st = db_rg_delete_nsgs(c, r->sub, r->rg);
    if (st == DB_CONFLICT) {
        r->conflict = ERR_IN_USE_NSG;
        goto conflict;
    }
    if (st == DB_OK)
        st = db_rg_delete(c, r->sub, r->rg);
    if (st == DB_NOT_FOUND)
        st = DB_OK;
    if (st == DB_CONFLICT) {
        r->conflict = ERR_RESOURCE_GROUP_NOT_EMPTY;
        goto conflict;
    }
    if (st == DB_OK) {
        r->deleted = 1;
        st = db_op_finish(c, r->op->id, "Succeeded", NULL, NULL);
    }
    return st;
conflict:
    /* Rolls back what this transaction deleted; the caller fails the
     * operation in the next one. */
    r->conflicted = 1;
    return DB_CONFLICT;
}

static enum ops_result vw_rg_delete(struct ops_ctx *ctx, struct db_op *op, unsigned long *defer_ms)
{
    const char *rg = json_string_value(json_object_get(op->params, "resourceGroup"));
    if (!rg)
        return vw_finish(ctx, op, "Failed", "InternalServerError",
                         "The operation does not name a resource group.", defer_ms);
    struct vw_rg r = {.op = op, .sub = op->subscription_id, .rg = rg};
    enum ops_result res;
    enum vw_status s = vw_tx(ctx, op, NULL, vw_rg_vms_run, &r);
    if (s != VW_OK) {
        res = vw_result(s, op, defer_ms);
        goto out;
    }
    if (r.remaining > 0) {
        *defer_ms = VW_WAIT_MS;
        res = OPS_DEFER;
        goto out;
    }
    struct vw_tx t = {ctx, op, NULL, vw_rg_rest_run, &r, 0};
    enum db_status st = db_tx(ctx->pool, vw_tx_run, &t);
    if (t.lost) {
        res = OPS_LOST;
    } else if (st == DB_CONFLICT && r.conflicted && r.conflict == ERR_RESOURCE_GROUP_NOT_EMPTY &&
               op->attempts < VW_RG_MAX_ROUNDS) {
        *defer_ms = VW_WAIT_MS; /* something new appeared: another round */
        res = OPS_DEFER;
    } else if (st == DB_CONFLICT && r.conflicted) {
        char *msg = util_asprintf(
            "Resource group '%s' could not be deleted: %s", rg,
            r.conflict == ERR_NIC_IN_USE
                ? "a network interface in it is attached to a virtual machine of another group."
            : r.conflict == ERR_IN_USE_SUBNET_CANNOT_BE_DELETED
                ? "a subnet of one of its virtual networks is used by a network interface of "
                  "another group."
            : r.conflict == ERR_IN_USE_NSG
                ? "one of its network security groups is used by a network interface or subnet "
                  "of another group."
                : "resources keep being created in it.");
        res = vw_finish(ctx, op, "Failed", err_code_name(r.conflict), msg, defer_ms);
        free(msg);
    } else if (st != DB_OK) {
        res = vw_result(VW_DB, op, defer_ms);
    } else if (r.remaining > 0) {
        *defer_ms = VW_WAIT_MS;
        res = OPS_DEFER;
    } else {
        log_fields(LOGL_INFO,
                   json_pack("{s:s, s:s, s:s, s:s}", "msg", "operation succeeded", "operationId",
                             op->id, "kind", op->kind, "resource", op->resource_id));
        res = OPS_DONE;
    }
out:
    return res;
}

enum ops_result vmwork_run(struct ops_ctx *ctx, struct db_op *op, unsigned long *defer_ms)
{
    if (strcmp(op->kind, "vm.create") == 0 || strcmp(op->kind, "vm.start") == 0)
        return vw_bringup(ctx, op, defer_ms);
    if (strcmp(op->kind, "vm.delete") == 0 || strcmp(op->kind, "vm.deallocate") == 0)
        return vw_teardown(ctx, op, defer_ms);
    if (strcmp(op->kind, "vf.release") == 0)
        return vw_vf_release(ctx, op, defer_ms);
    if (strcmp(op->kind, "rg.delete") == 0)
        return vw_rg_delete(ctx, op, defer_ms);
    if (strcmp(op->kind, "policy.push") == 0)
        return policywork_run(ctx, op, defer_ms);
    return vw_finish(ctx, op, "Failed", "InternalServerError", "Unknown operation kind.", defer_ms);
}
