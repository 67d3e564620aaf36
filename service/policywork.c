#include "service/policywork.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/error.h"
#include "common/log.h"
#include "common/util.h"
#include "db/host.h"
#include "db/nsg.h"
#include "db/op.h"
#include "db/policy.h"
#include "service/agentclient.h"
#include "service/config.h"
#include "service/vmpolicy.h"

/* The distinct rules one batch carries at most, as JSON text (the agent
 * reads bodies up to 4 MiB); a batch ends before a new rule set would pass
 * it (a rule set larger than this goes alone). */
#define PW_BATCH_RULES_BYTES (1u << 20)

/* Rounds in one run while new generations keep arriving. */
#define PW_ROUNDS 5
/* Between two looks at attaches in flight. */
#define PW_WAIT_MS 300

enum db_status policywork_nic_rules(struct db_conn *c, const struct db_vm_nic *n, json_t **rules)
{
    struct db_secrule *items = NULL;
    size_t count = 0;
    *rules = NULL;
    const char *ids[2];
    size_t nids = 0;
    if (*n->subnet_nsg_id)
        ids[nids++] = n->subnet_nsg_id;
    if (*n->nic_nsg_id)
        ids[nids++] = n->nic_nsg_id;
    enum db_status st = DB_OK;
    if (nids)
        st = db_secrule_list(c, ids, nids, NULL, 0, &items, &count);
    if (st != DB_OK) {
        db_secrule_list_free(items, count);
        return st;
    }
    struct nsgrule *sub = util_xcalloc(count + 1, sizeof(*sub));
    struct nsgrule *nic = util_xcalloc(count + 1, sizeof(*nic));
    size_t ns = 0, nn = 0;
    for (size_t i = 0; i < count; i++) {
        /* A group used at both stages applies at both. */
        if (*n->subnet_nsg_id && strcmp(items[i].nsg_id, n->subnet_nsg_id) == 0)
            sub[ns++] = items[i].rule;
        if (*n->nic_nsg_id && strcmp(items[i].nsg_id, n->nic_nsg_id) == 0)
            nic[nn++] = items[i].rule;
    }
    *rules = vmpolicy_rules(*n->subnet_nsg_id != '\0', sub, ns, *n->nic_nsg_id != '\0', nic, nn);
    free(sub);
    free(nic);
    db_secrule_list_free(items, count);
    return DB_OK;
}

/* One push: a NIC, its host's agent, the generation and rules sent. */
struct pw_push {
    char nic_id[37];
    char host[64];
    char *url, *token;
    long long generation;
    json_t *rules;
};

static void pw_pushes_free(struct pw_push *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(p[i].url);
        free(p[i].token);
        json_decref(p[i].rules);
    }
    free(p);
}

/* What one load has read already: the rules of a (subnet NSG, NIC NSG) pair
 * and the agent of a host. One NSG on 1,000 NICs over 50 hosts then costs a
 * few dozen queries, not two per NIC. */
struct pw_cache {
    struct pw_cached_rules {
        char subnet_nsg[37], nic_nsg[37];
        json_t *rules;
    } * rules;
    size_t nrules;
    struct pw_cached_host {
        char host[64];
        char *url, *token; /* NULL when the host is gone */
    } * hosts;
    size_t nhosts;
};

static void pw_cache_free(struct pw_cache *pc)
{
    for (size_t i = 0; i < pc->nrules; i++)
        json_decref(pc->rules[i].rules);
    for (size_t i = 0; i < pc->nhosts; i++) {
        free(pc->hosts[i].url);
        free(pc->hosts[i].token);
    }
    free(pc->rules);
    free(pc->hosts);
}

static enum db_status pw_cached_rules(struct db_conn *c, struct pw_cache *pc,
                                      const struct db_vm_nic *n, json_t **rules)
{
    for (size_t i = 0; i < pc->nrules; i++)
        if (strcmp(pc->rules[i].subnet_nsg, n->subnet_nsg_id) == 0 &&
            strcmp(pc->rules[i].nic_nsg, n->nic_nsg_id) == 0) {
            *rules = json_incref(pc->rules[i].rules);
            return DB_OK;
        }
    enum db_status st = policywork_nic_rules(c, n, rules);
    if (st != DB_OK)
        return st;
    pc->rules = util_xrealloc(pc->rules, (pc->nrules + 1) * sizeof(*pc->rules));
    struct pw_cached_rules *e = &pc->rules[pc->nrules++];
    snprintf(e->subnet_nsg, sizeof(e->subnet_nsg), "%s", n->subnet_nsg_id);
    snprintf(e->nic_nsg, sizeof(e->nic_nsg), "%s", n->nic_nsg_id);
    e->rules = json_incref(*rules);
    return DB_OK;
}

static enum db_status pw_cached_host(struct db_conn *c, struct pw_cache *pc, struct pw_push *q)
{
    struct pw_cached_host *e = NULL;
    for (size_t i = 0; i < pc->nhosts && !e; i++)
        if (strcmp(pc->hosts[i].host, q->host) == 0)
            e = &pc->hosts[i];
    if (!e) {
        char *url = NULL, *token = NULL;
        enum db_status st = db_host_agent_target(c, q->host, &url, &token);
        if (st != DB_OK && st != DB_NOT_FOUND)
            return st;
        pc->hosts = util_xrealloc(pc->hosts, (pc->nhosts + 1) * sizeof(*pc->hosts));
        e = &pc->hosts[pc->nhosts++];
        snprintf(e->host, sizeof(e->host), "%s", q->host);
        e->url = url;
        e->token = token;
    }
    q->url = e->url ? util_xstrdup(e->url) : NULL;
    q->token = e->token ? util_xstrdup(e->token) : NULL;
    return DB_OK;
}

/* What still has to be pushed: NICs with a VF whose wanted generation is
 * above the acknowledged one, with their policy as it is now. */
static enum db_status pw_load(struct db_conn *c, const char *const *ids, size_t n,
                              struct pw_push **out, size_t *count)
{
    struct db_policy_state *states = NULL;
    size_t ns = 0;
    *out = NULL;
    *count = 0;
    enum db_status st = db_policy_states(c, ids, n, &states, &ns);
    if (st != DB_OK)
        return st;
    const char **pending = util_xcalloc(ns + 1, sizeof(*pending));
    const struct db_policy_state **pstate = util_xcalloc(ns + 1, sizeof(*pstate));
    size_t np = 0;
    for (size_t i = 0; i < ns; i++)
        if (states[i].has_vf && *states[i].host && states[i].wanted > states[i].acked) {
            pstate[np] = &states[i];
            pending[np++] = states[i].nic_id;
        }
    struct db_vm_nic *nics = NULL;
    size_t nn = 0;
    if (np)
        st = db_vm_nics(c, pending, np, &nics, &nn);
    struct pw_push *p = util_xcalloc(nn + 1, sizeof(*p));
    struct pw_cache pc = {0};
    size_t k = 0, j = 0;
    for (size_t i = 0; st == DB_OK && i < nn; i++) {
        /* nics[] follows pending[] (without the NICs that are gone). */
        while (j < np && strcmp(pending[j], nics[i].id) != 0)
            j++;
        if (j == np)
            break;
        const struct db_policy_state *s = pstate[j++];
        struct pw_push *q = &p[k++];
        snprintf(q->nic_id, sizeof(q->nic_id), "%s", s->nic_id);
        snprintf(q->host, sizeof(q->host), "%s", s->host);
        q->generation = s->wanted;
        st = pw_cached_rules(c, &pc, &nics[i], &q->rules);
        if (st == DB_OK)
            st = pw_cached_host(c, &pc, q);
    }
    pw_cache_free(&pc);
    free(nics);
    free(pstate);
    free(pending);
    free(states);
    if (st != DB_OK) {
        pw_pushes_free(p, k);
        return st;
    }
    *out = p;
    *count = k;
    return DB_OK;
}

/* The agent calls of one round: the pushes grouped by host into batches
 * (AGENTC_SET_POLICIES) of at most `batch` NICs and PW_BATCH_RULES_BYTES of
 * distinct rules, or one AGENTC_SET_POLICY per push when batch is 1.
 * outcome[i] is where push i's result will be (NULL: its host has no agent
 * URL, nothing is sent). */
struct pw_calls {
    struct agentc_call *calls;
    size_t ncalls;
    struct agentc_policy *pol;
    const struct agentc_error **outcome;
};

static void pw_calls_free(struct pw_calls *pc)
{
    for (size_t i = 0; i < pc->ncalls; i++)
        agentc_call_free(&pc->calls[i]);
    free(pc->calls);
    free(pc->pol);
    free(pc->outcome);
}

/* A push to be sorted by host (then as they came). */
struct pw_order {
    const char *host;
    size_t push;
};

static int pw_order_cmp(const void *a, const void *b)
{
    const struct pw_order *x = a, *y = b;
    int c = strcmp(x->host, y->host);
    return c ? c : (x->push > y->push) - (x->push < y->push);
}

/* What each rule set adds to a batch's body, measured once per round (the
 * pushes of one NSG share one json_t). */
struct pw_sizes {
    const json_t **rules;
    size_t *bytes;
    size_t n;
};

static size_t pw_rules_bytes(struct pw_sizes *sz, const json_t *rules)
{
    for (size_t i = 0; i < sz->n; i++)
        if (sz->rules[i] == rules)
            return sz->bytes[i];
    size_t b = rules ? json_dumpb(rules, NULL, 0, JSON_COMPACT) : 2;
    sz->rules = util_xrealloc(sz->rules, (sz->n + 1) * sizeof(*sz->rules));
    sz->bytes = util_xrealloc(sz->bytes, (sz->n + 1) * sizeof(*sz->bytes));
    sz->rules[sz->n] = rules;
    sz->bytes[sz->n++] = b ? b : 1;
    return b ? b : 1;
}

static void pw_calls_build(const struct pw_push *p, size_t n, unsigned batch, struct pw_calls *pc)
{
    memset(pc, 0, sizeof(*pc));
    pc->calls = util_xcalloc(n + 1, sizeof(*pc->calls));
    pc->outcome = util_xcalloc(n + 1, sizeof(*pc->outcome));
    if (batch <= 1) {
        for (size_t i = 0; i < n; i++) {
            if (!p[i].url)
                continue;
            struct agentc_call *k = &pc->calls[pc->ncalls++];
            k->op = AGENTC_SET_POLICY;
            k->target = (struct agentc_target){p[i].host, p[i].url, p[i].token};
            k->nic_id = p[i].nic_id;
            k->policy_generation = p[i].generation;
            k->rules = p[i].rules;
            pc->outcome[i] = &k->err;
        }
        return;
    }
    if (batch > AGENTC_POLICIES_MAX)
        batch = AGENTC_POLICIES_MAX;
    struct pw_order *order = util_xcalloc(n + 1, sizeof(*order));
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i].url)
            order[m++] = (struct pw_order){p[i].host, i};
    qsort(order, m, sizeof(*order), pw_order_cmp);

    pc->pol = util_xcalloc(m + 1, sizeof(*pc->pol));
    const json_t **sets = util_xcalloc(batch, sizeof(*sets)); /* the current batch's */
    size_t nsets = 0, bytes = 0;
    struct pw_sizes sz = {0};
    struct agentc_call *k = NULL;
    for (size_t j = 0; j < m; j++) {
        const struct pw_push *q = &p[order[j].push];
        int fresh = !k || strcmp(k->target.host, q->host) != 0 || k->npolicies == batch;
        size_t s = 0;
        while (!fresh && s < nsets && sets[s] != q->rules)
            s++;
        size_t more = !fresh && s < nsets ? 0 : pw_rules_bytes(&sz, q->rules);
        if (!fresh && more && bytes + more > PW_BATCH_RULES_BYTES)
            fresh = 1;
        if (fresh) {
            k = &pc->calls[pc->ncalls++];
            k->op = AGENTC_SET_POLICIES;
            k->target = (struct agentc_target){q->host, q->url, q->token};
            k->policies = &pc->pol[j];
            nsets = bytes = 0;
        }
        if (more) {
            sets[nsets++] = q->rules;
            bytes += more;
        }
        pc->pol[j] = (struct agentc_policy){
            .nic_id = q->nic_id, .generation = q->generation, .rules = q->rules};
        k->npolicies++;
        pc->outcome[order[j].push] = &pc->pol[j].err;
    }
    free(sz.rules);
    free(sz.bytes);
    free(sets);
    free(order);
}

/* Acknowledgements and the end, under the operation's lease. */
struct pw_tx {
    const struct ops_ctx *ctx;
    const struct db_op *op;
    const struct pw_push *pushes;
    const int *acked;
    size_t n;
    const char *status, *code, *message; /* status NULL: not the end */
    int lost;
};

static enum db_status pw_tx_run(struct db_conn *c, void *arg)
{
    struct pw_tx *t = arg;
    t->lost = 0;
    enum db_status st = db_op_lock_owned(c, t->op->id, t->ctx->owner);
    if (st == DB_NOT_FOUND) {
        t->lost = 1;
        return DB_OK;
    }
    /* One statement for every acknowledgement of the round. */
    const char **ids = util_xcalloc(t->n + 1, sizeof(*ids));
    const char **hosts = util_xcalloc(t->n + 1, sizeof(*hosts));
    long long *gens = util_xcalloc(t->n + 1, sizeof(*gens));
    size_t m = 0;
    for (size_t i = 0; i < t->n; i++)
        if (t->acked[i]) {
            ids[m] = t->pushes[i].nic_id;
            hosts[m] = t->pushes[i].host;
            gens[m++] = t->pushes[i].generation;
        }
    if (st == DB_OK)
        st = db_policy_ack_many(c, ids, hosts, gens, m);
    free(ids);
    free(hosts);
    free(gens);
    if (st == DB_OK && t->status)
        st = db_op_finish(c, t->op->id, t->status, t->code, t->message);
    return st;
}

static enum ops_result pw_db_retry(const struct db_op *op, unsigned long *defer_ms)
{
    log_warn("ops: operation %s (%s): database error; it will be tried again", op->id, op->kind);
    *defer_ms = ops_retry_delay_ms(op->attempts, randombytes_random());
    return OPS_DEFER;
}

struct pw_rebump {
    const struct ops_ctx *ctx;
    const struct db_op *op;
    const char *const *ids;
    size_t n;
    long waiting;
    int lost;
};

static enum db_status pw_rebump_run(struct db_conn *c, void *arg)
{
    struct pw_rebump *t = arg;
    t->lost = 0;
    enum db_status st = db_op_lock_owned(c, t->op->id, t->ctx->owner);
    if (st == DB_NOT_FOUND) {
        t->lost = 1;
        return DB_OK;
    }
    if (st == DB_OK)
        st = db_policy_inflight_waiting(c, t->ids, t->n, &t->waiting);
    if (st == DB_OK && t->waiting == 0)
        st = db_policy_rebump(c, t->ids, t->n);
    if (st == DB_OK && t->waiting == 0)
        st = db_op_set_step(c, t->op->id, "rebumped");
    return st;
}

static int pw_is_stale(const struct agentc_error *e)
{
    return e->kind == AGENTC_E_HTTP && e->http_status == 409 &&
           strcmp(e->code, "StalePolicyGeneration") == 0;
}

enum ops_result policywork_run(struct ops_ctx *ctx, struct db_op *op, unsigned long *defer_ms)
{
    json_t *arr = json_object_get(op->params, "nics");
    json_t *inflight = json_object_get(op->params, "inflight");
    size_t nnics = json_array_size(arr), nin = json_array_size(inflight);
    size_t nids = nnics + nin;
    const char **ids = util_xcalloc(nids + 1, sizeof(*ids));
    for (size_t i = 0; i < nnics; i++)
        ids[i] = json_string_value(json_array_get(arr, i));
    for (size_t i = 0; i < nin; i++)
        ids[nnics + i] = json_string_value(json_array_get(inflight, i));
    enum ops_result res = OPS_DONE;

    /* NICs whose VF was being attached when the change was made: wait for
     * their attach to end, then give them a new generation (their attach may
     * have read the rules before the change) and push it with the rest. */
    if (nin && strcmp(op->step, "rebumped") != 0) {
        struct pw_rebump rb = {ctx, op, ids + nnics, nin, 0, 0};
        enum db_status st = db_tx(ctx->pool, pw_rebump_run, &rb);
        if (st != DB_OK) {
            res = pw_db_retry(op, defer_ms);
            goto out;
        }
        if (rb.lost) {
            res = OPS_LOST;
            goto out;
        }
        if (rb.waiting) {
            *defer_ms = PW_WAIT_MS;
            res = OPS_DEFER;
            goto out;
        }
        snprintf(op->step, sizeof(op->step), "rebumped");
    }

    for (int round = 0; round < PW_ROUNDS; round++) {
        struct db_conn *c;
        struct pw_push *p = NULL;
        size_t n = 0;
        uint64_t t_load = util_now_ms();
        enum db_status st = db_acquire(ctx->pool, &c);
        if (st == DB_OK) {
            st = pw_load(c, ids, nids, &p, &n);
            db_release(ctx->pool, c);
        }
        if (st != DB_OK) {
            res = pw_db_retry(op, defer_ms);
            goto out;
        }
        int *acked = util_xcalloc(n + 1, sizeof(*acked));
        struct pw_calls pc;
        pw_calls_build(p, n, ctx->cfg->policy_push_batch, &pc);
        uint64_t t_push = util_now_ms();
        if (pc.ncalls)
            agentc_run(ctx->agents, pc.calls, pc.ncalls);
        uint64_t t_ack = util_now_ms();
        struct buf hosts = {0};
        const char *first_error = NULL;
        size_t failed = 0;
        for (size_t i = 0; i < n; i++) {
            const struct agentc_error *e = pc.outcome[i];
            if (e && (e->kind == AGENTC_OK || pw_is_stale(e))) {
                acked[i] = 1;
                continue;
            }
            failed++;
            if (!first_error)
                first_error = e ? e->message : "the host's agent has no URL";
            /* Each failed host once, in order of first failure. */
            int seen = 0;
            for (size_t j = 0; j < i; j++)
                if (!acked[j] && strcmp(p[j].host, p[i].host) == 0)
                    seen = 1;
            if (!seen)
                buf_appendf(&hosts, "%s%s", hosts.len ? ", " : "", p[i].host);
        }
        double age = 0;
        int past_deadline = 0;
        if (failed) {
            if (db_acquire(ctx->pool, &c) == DB_OK) {
                db_policy_op_age(c, op->id, &age);
                db_release(ctx->pool, c);
            }
            past_deadline = age >= (double)ctx->cfg->policy_push_deadline_s;
        }
        char *msg = NULL;
        struct pw_tx t = {ctx, op, p, acked, n, NULL, NULL, NULL, 0};
        if (n == 0) {
            t.status = "Succeeded";
        } else if (failed && past_deadline) {
            msg = util_asprintf("The policy of %zu network interface(s) could not be installed "
                                "before the deadline (%us) by the agents of host(s): %s (%s). "
                                "The reconciler installs it when they are reachable again.",
                                failed, ctx->cfg->policy_push_deadline_s, hosts.data,
                                first_error ? first_error : "");
            t.status = "Failed";
            t.code = err_code_name(ERR_HOST_AGENT_UNAVAILABLE);
            t.message = msg;
        }
        st = db_tx(ctx->pool, pw_tx_run, &t);
        if (n)
            log_fields(LOGL_INFO,
                       json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "msg", "policy pushed",
                                 "operationId", op->id, "nics", (json_int_t)n, "calls",
                                 (json_int_t)pc.ncalls, "failed", (json_int_t)failed, "loadMs",
                                 (json_int_t)(t_push - t_load), "pushMs",
                                 (json_int_t)(t_ack - t_push), "ackMs",
                                 (json_int_t)(util_now_ms() - t_ack)));
        pw_calls_free(&pc);
        free(acked);
        pw_pushes_free(p, n);
        if (st == DB_OK && t.status)
            log_fields(t.status[0] == 'S' ? LOGL_INFO : LOGL_WARN,
                       json_pack("{s:s, s:s, s:s, s:s, s:s}", "msg",
                                 t.status[0] == 'S' ? "operation succeeded" : "operation failed",
                                 "operationId", op->id, "kind", op->kind, "resource",
                                 op->resource_id, "hosts", hosts.data ? hosts.data : ""));
        buf_free(&hosts);
        free(msg);
        if (st != DB_OK) {
            res = pw_db_retry(op, defer_ms);
            goto out;
        }
        if (t.lost) {
            res = OPS_LOST;
            goto out;
        }
        if (t.status) {
            res = OPS_DONE;
            goto out;
        }
        if (failed) {
            unsigned long d = ops_retry_delay_ms(op->attempts, randombytes_random());
            *defer_ms = d > 1000 ? 1000 : d;
            res = OPS_DEFER;
            goto out;
        }
        if (ops_stopping(ctx->ops)) {
            *defer_ms = 0;
            res = OPS_DEFER;
            goto out;
        }
        /* Everything acknowledged: one more look for generations that arrived
         * meanwhile (n == 0 then ends it). */
    }
    *defer_ms = 0;
    res = OPS_DEFER;
out:
    free(ids);
    return res;
}
