#include "service/reconcile.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/periodic.h"
#include "db/policy.h"
#include "db/reconcile.h"
#include "db/vm.h"
#include "service/agentclient.h"
#include "service/config.h"
#include "service/policywork.h"

enum rc_kind { RC_LEAK, RC_LOST, RC_STALE, RC_KINDS };
static const char *const rc_kind_names[RC_KINDS] = {"leak", "lost", "stale_policy"};

static unsigned long long rc_found[RC_KINDS], rc_repaired[RC_KINDS], rc_failed[RC_KINDS];
static unsigned long long rc_passes;

struct reconcile {
    struct periodic *thread;
    struct db_pool *pool;
    struct agentc *agents;
    const struct config *cfg;
};

static pthread_mutex_t rc_global_mu = PTHREAD_MUTEX_INITIALIZER;
static struct reconcile *rc_global;

static void rc_count(unsigned long long *arr, enum rc_kind k)
{
    __atomic_add_fetch(&arr[k], 1, __ATOMIC_RELAXED);
}

static void rc_log(int level, enum rc_kind k, const char *what, const char *host,
                   const char *nic_id, const char *detail)
{
    log_fields(level, json_pack("{s:s, s:s, s:s, s:s, s:s}", "msg", what, "kind", rc_kind_names[k],
                                "host", host, "nicId", nic_id, "detail", detail ? detail : ""));
}

/* --- repairs -------------------------------------------------------------------- */

static void rc_leak(struct db_pool *pool, struct agentc *ac, const struct agentc_target *t,
                    const struct agentc_nic *an)
{
    struct db_conn *c;
    int busy = 1;
    if (db_acquire(pool, &c) != DB_OK)
        return;
    enum db_status st = db_reconcile_busy(c, an->vm_id, an->nic_id, t->host, &busy);
    db_release(pool, c);
    if (st != DB_OK || busy)
        return; /* an operation may be about to record or release it */
    rc_count(rc_found, RC_LEAK);
    struct agentc_error err = {0};
    if (agentc_detach(ac, t, an->nic_id, NULL, &err) == 0) {
        rc_count(rc_repaired, RC_LEAK);
        rc_log(LOGL_WARN, RC_LEAK, "reconcile: released a VF the database does not know", t->host,
               an->nic_id, NULL);
    } else {
        rc_count(rc_failed, RC_LEAK);
        rc_log(LOGL_WARN, RC_LEAK, "reconcile: releasing a leaked VF failed", t->host, an->nic_id,
               err.message);
    }
}

/* The NIC's attach body and policy, as the database has them now. */
static int rc_lost(struct db_pool *pool, struct agentc *ac, const struct agentc_target *t,
                   const struct db_reconcile_nic *dn)
{
    struct db_conn *c;
    struct db_vm_nic *nics = NULL;
    size_t n = 0;
    json_t *rules = NULL;
    const char *ids[] = {dn->nic_id};
    int busy = 1;
    enum db_status st = db_acquire(pool, &c);
    if (st == DB_OK) {
        st = db_reconcile_busy(c, dn->vm_id, dn->nic_id, t->host, &busy);
        if (st != DB_OK || busy) {
            /* Its VM's operation is attaching or releasing it right now. */
            db_release(pool, c);
            return 0;
        }
    }
    rc_count(rc_found, RC_LOST);
    if (st == DB_OK) {
        st = db_vm_nics(c, ids, 1, &nics, &n);
        if (st == DB_OK && n == 1)
            st = policywork_nic_rules(c, &nics[0], &rules);
        db_release(pool, c);
    }
    if (st != DB_OK || n != 1) {
        rc_count(rc_failed, RC_LOST);
        free(nics);
        json_decref(rules);
        return -1;
    }
    struct agentc_attach a = {.vm_id = nics[0].vm_id,
                              .mac_address = nics[0].mac,
                              .ip_address = nics[0].ip,
                              .prefix_length = nics[0].prefix_length,
                              .gateway = nics[0].gateway,
                              .segment_id = nics[0].segment_id,
                              .policy_generation = dn->wanted,
                              .rules = rules};
    struct agentc_nic got;
    struct agentc_error err = {0};
    int rc = agentc_attach(ac, t, dn->nic_id, &a, &got, NULL, &err);
    json_decref(rules);
    free(nics);
    if (rc != 0) {
        rc_count(rc_failed, RC_LOST);
        rc_log(LOGL_WARN, RC_LOST, "reconcile: attaching a lost VF again failed", t->host,
               dn->nic_id, err.message);
        return -1;
    }
    st = db_acquire(pool, &c);
    if (st == DB_OK) {
        st = db_reconcile_vf_update(c, dn->nic_id, t->host, got.vf.pf, got.vf.vf_index,
                                    got.vf.pci_address, got.vf.representor, got.vf.driver,
                                    dn->wanted);
        db_release(pool, c);
    }
    if (st != DB_OK) {
        rc_count(rc_failed, RC_LOST);
        rc_log(LOGL_WARN, RC_LOST, "reconcile: recording a VF attached again failed", t->host,
               dn->nic_id, db_status_name(st));
        return -1;
    }
    rc_count(rc_repaired, RC_LOST);
    char detail[96];
    snprintf(detail, sizeof(detail), "%s VF %ld (was %ld)", got.vf.pf, got.vf.vf_index,
             dn->vf_index);
    rc_log(LOGL_WARN, RC_LOST, "reconcile: attached a VF the agent had lost", t->host, dn->nic_id,
           detail);
    return 0;
}

static void rc_ack(struct db_pool *pool, const char *nic_id, const char *host, long long gen)
{
    struct db_conn *c;
    if (db_acquire(pool, &c) == DB_OK) {
        db_policy_ack(c, nic_id, host, gen);
        db_release(pool, c);
    }
}

static void rc_stale(struct db_pool *pool, struct agentc *ac, const struct agentc_target *t,
                     const struct db_reconcile_nic *dn)
{
    rc_count(rc_found, RC_STALE);
    struct db_conn *c;
    struct db_vm_nic *nics = NULL;
    size_t n = 0;
    json_t *rules = NULL;
    const char *ids[] = {dn->nic_id};
    enum db_status st = db_acquire(pool, &c);
    /* The generation was read before the rules (in the host's NIC list). */
    if (st == DB_OK) {
        st = db_vm_nics(c, ids, 1, &nics, &n);
        if (st == DB_OK && n == 1)
            st = policywork_nic_rules(c, &nics[0], &rules);
        db_release(pool, c);
    }
    free(nics);
    if (st != DB_OK || n != 1) {
        rc_count(rc_failed, RC_STALE);
        json_decref(rules);
        return;
    }
    struct agentc_nic got;
    struct agentc_error err = {0};
    int rc = agentc_set_policy(ac, t, dn->nic_id, dn->wanted, rules, &got, &err);
    json_decref(rules);
    if (rc == 0 || (err.kind == AGENTC_E_HTTP && err.http_status == 409 &&
                    strcmp(err.code, "StalePolicyGeneration") == 0)) {
        rc_ack(pool, dn->nic_id, t->host, dn->wanted);
        rc_count(rc_repaired, RC_STALE);
        char detail[64];
        snprintf(detail, sizeof(detail), "generation %lld", dn->wanted);
        rc_log(LOGL_WARN, RC_STALE, "reconcile: pushed a stale policy again", t->host, dn->nic_id,
               detail);
    } else {
        rc_count(rc_failed, RC_STALE);
        rc_log(LOGL_WARN, RC_STALE, "reconcile: pushing a stale policy failed", t->host, dn->nic_id,
               err.message);
    }
}

/* --- a pass ---------------------------------------------------------------------- */

static void rc_host(struct db_pool *pool, struct agentc *ac, const struct db_reconcile_host *h,
                    const struct agentc_call *inv)
{
    struct agentc_target t = {h->name, h->url, h->token};
    struct db_conn *c;
    struct db_reconcile_nic *dn = NULL;
    size_t ndn = 0;
    if (db_acquire(pool, &c) != DB_OK)
        return;
    enum db_status st = db_reconcile_host_nics(c, h->name, &dn, &ndn);
    db_release(pool, c);
    if (st != DB_OK)
        return;
    /* Leaks: on the agent, not placed there by the database. */
    for (size_t i = 0; i < inv->nnics; i++) {
        int known = 0;
        for (size_t j = 0; j < ndn && !known; j++)
            known = strcasecmp(dn[j].nic_id, inv->nics[i].nic_id) == 0;
        if (!known)
            rc_leak(pool, ac, &t, &inv->nics[i]);
    }
    /* Lost VFs and stale policies. */
    for (size_t j = 0; j < ndn; j++) {
        if (!dn[j].has_vf)
            continue; /* being released: its operation handles it */
        const struct agentc_nic *an = NULL;
        for (size_t i = 0; i < inv->nnics && !an; i++)
            if (strcasecmp(dn[j].nic_id, inv->nics[i].nic_id) == 0)
                an = &inv->nics[i];
        if (!an) {
            rc_lost(pool, ac, &t, &dn[j]);
        } else if (an->policy_generation < dn[j].wanted) {
            rc_stale(pool, ac, &t, &dn[j]);
        } else if (dn[j].acked < dn[j].wanted) {
            /* The agent has it; only the acknowledgement was missing. */
            rc_ack(pool, dn[j].nic_id, h->name, dn[j].wanted);
        }
    }
    free(dn);
}

int reconcile_pass(struct db_pool *pool, struct agentc *ac, const struct config *cfg)
{
    struct db_conn *lock;
    int got = 0;
    if (db_acquire(pool, &lock) != DB_OK)
        return -1;
    if (db_reconcile_try_lock(lock, &got) != DB_OK) {
        db_release(pool, lock);
        return -1;
    }
    if (!got) {
        db_release(pool, lock);
        return 1;
    }
    __atomic_add_fetch(&rc_passes, 1, __ATOMIC_RELAXED);
    struct db_conn *c;
    struct db_reconcile_host *hosts = NULL;
    size_t nh = 0;
    enum db_status st = db_acquire(pool, &c);
    if (st == DB_OK) {
        st = db_reconcile_hosts(c, cfg->host_heartbeat_timeout_s, &hosts, &nh);
        db_release(pool, c);
    }
    if (st == DB_OK && nh) {
        struct agentc_call *calls = util_xcalloc(nh, sizeof(*calls));
        for (size_t i = 0; i < nh; i++) {
            calls[i].op = AGENTC_INVENTORY;
            calls[i].target = (struct agentc_target){hosts[i].name, hosts[i].url, hosts[i].token};
        }
        agentc_run(ac, calls, nh);
        for (size_t i = 0; i < nh; i++) {
            if (calls[i].err.kind == AGENTC_OK)
                rc_host(pool, ac, &hosts[i], &calls[i]);
            agentc_call_free(&calls[i]);
        }
        free(calls);
    }
    db_reconcile_hosts_free(hosts, nh);
    db_reconcile_unlock(lock);
    db_release(pool, lock);
    return st == DB_OK ? 0 : -1;
}

/* --- the thread ------------------------------------------------------------------ */

static void rc_run(void *arg)
{
    struct reconcile *r = arg;
    reconcile_pass(r->pool, r->agents, r->cfg);
}

struct reconcile *reconcile_start(struct db_pool *pool, struct agentc *agents,
                                  const struct config *cfg)
{
    struct reconcile *r = util_xcalloc(1, sizeof(*r));
    r->pool = pool;
    r->agents = agents;
    r->cfg = cfg;
    r->thread = periodic_start("reconcile", cfg->reconcile_interval_s, rc_run, r);
    if (!r->thread) {
        free(r);
        return NULL;
    }
    pthread_mutex_lock(&rc_global_mu);
    rc_global = r;
    pthread_mutex_unlock(&rc_global_mu);
    return r;
}

void reconcile_stop(struct reconcile *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&rc_global_mu);
    if (rc_global == r)
        rc_global = NULL;
    pthread_mutex_unlock(&rc_global_mu);
    periodic_stop(r->thread);
    free(r);
}

void reconcile_kick(void)
{
    pthread_mutex_lock(&rc_global_mu);
    if (rc_global)
        periodic_kick(rc_global->thread);
    pthread_mutex_unlock(&rc_global_mu);
}

void reconcile_metrics_render(struct buf *out)
{
    static const char *const names[3] = {"found", "repaired", "failed"};
    static const char *const help[3] = {
        "Differences between a host agent and the database the reconciler found, by kind.",
        "Differences the reconciler repaired, by kind.",
        "Repairs that failed (tried again at the next pass), by kind."};
    unsigned long long *arrs[3] = {rc_found, rc_repaired, rc_failed};
    for (int m = 0; m < 3; m++) {
        const char *suffix = m == 0 ? "drift_found" : names[m];
        buf_appendf(out, "# HELP accelnet_reconcile_%s_total %s\n", suffix, help[m]);
        buf_appendf(out, "# TYPE accelnet_reconcile_%s_total counter\n", suffix);
        for (int k = 0; k < RC_KINDS; k++)
            buf_appendf(out, "accelnet_reconcile_%s_total{kind=\"%s\"} %llu\n", suffix,
                        rc_kind_names[k], __atomic_load_n(&arrs[m][k], __ATOMIC_RELAXED));
    }
    buf_appendf(out,
                "# HELP accelnet_reconcile_passes_total Reconciler passes run by this process.\n"
                "# TYPE accelnet_reconcile_passes_total counter\n"
                "accelnet_reconcile_passes_total %llu\n",
                __atomic_load_n(&rc_passes, __ATOMIC_RELAXED));
}
