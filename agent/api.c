#include "agent/api.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/proto.h"
#include "agent/state.h"
#include "common/log.h"
#include "common/util.h"

#define V1_ROUTE(method, pattern, handler, flags)                            \
    {                                                                        \
        method, pattern, handler, AUTH_AGENT, ROUTE_NO_API_VERSION | (flags) \
    }

const struct route agent_routes[] = {
    V1_ROUTE("GET", "/v1/health", agent_api_health, 0),
    V1_ROUTE("GET", "/v1/nics", agent_api_nics_list, 0),
    V1_ROUTE("PUT", "/v1/nics/{nicId}", agent_api_nic_put, AGENT_ROUTE_FAULTS),
    V1_ROUTE("DELETE", "/v1/nics/{nicId}", agent_api_nic_delete, AGENT_ROUTE_FAULTS),
    V1_ROUTE("PUT", "/v1/nics/{nicId}/policy", agent_api_nic_policy_put, AGENT_ROUTE_FAULTS),
    V1_ROUTE("POST", "/v1/policies", agent_api_policies_post, AGENT_ROUTE_FAULTS),
    V1_ROUTE("GET", "/v1/service", agent_api_service_get, 0),
    V1_ROUTE("POST", "/v1/service", agent_api_service_post, AGENT_ROUTE_FAULTS),
};
const size_t agent_routes_count = sizeof(agent_routes) / sizeof(agent_routes[0]);

void agent_health(struct agent *a, struct backend_health *out)
{
    pthread_mutex_lock(&a->lock);
    a->be.ops->health(&a->be, out);
    pthread_mutex_unlock(&a->lock);
}

/* The {nicId} parameter, lower-cased into out. 0, or -1 with the reply set. */
static int api_nic_id(const struct req *rq, struct reply *rp, char out[NIC_ID_LEN])
{
    const char *id = agent_req_param(rq, "nicId");
    if (!proto_uuid_ok(id)) {
        agent_reply_error(rp, ERR_INVALID_PARAMETER, "nicId",
                          "'%s' is not a NIC id: use the NIC's resourceGuid (a UUID).",
                          id ? id : "");
        return -1;
    }
    snprintf(out, NIC_ID_LEN, "%s", id);
    util_str_lower(out);
    return 0;
}

/* The reply for a backend failure other than the expected ones. */
static void api_backend_error(const struct req *rq, struct reply *rp, const char *what,
                              const char *why)
{
    log_fields(LOGL_ERROR, json_pack("{s:s, s:s, s:s, s:s}", "msg", "backend call failed",
                                     "request_id", rq->request_id, "call", what, "error", why));
    agent_reply_error(rp, ERR_INTERNAL, NULL,
                      "The %s backend could not %s: %s (request id %s). Nothing was changed.",
                      rq->agent->be.ops->name, what, why, rq->request_id);
}

static void api_reply_nic(struct reply *rp, unsigned status, const struct nic_entry *e)
{
    json_t *j = proto_nic_json(e);
    if (!j) {
        agent_reply_error(rp, ERR_INTERNAL, NULL, "Could not render the NIC (out of memory).");
        return;
    }
    agent_reply_json(rp, status, j);
}

void agent_api_health(struct req *rq, struct reply *rp)
{
    struct agent *a = rq->agent;
    struct backend_health h;
    agent_health(a, &h);
    json_t *j = json_pack("{s:s, s:s, s:s, s:i, s:i}", "status", h.ok ? "ok" : "degraded",
                          "hostName", a->cfg->host_name, "backend", a->be.ops->name, "vfsTotal",
                          (int)h.vfs_total, "vfsInUse", (int)h.vfs_in_use);
    if (j && !h.ok)
        json_object_set_new(j, "detail", json_string(h.detail));
    agent_reply_json(rp, 200, j);
}

void agent_api_nics_list(struct req *rq, struct reply *rp)
{
    struct agent *a = rq->agent;
    struct nic_entry *list = NULL;
    size_t n = 0;
    char why[400] = "";
    pthread_mutex_lock(&a->lock);
    enum backend_status st = a->be.ops->inventory(&a->be, &list, &n, why, sizeof(why));
    pthread_mutex_unlock(&a->lock);
    if (st != BACKEND_OK) {
        api_backend_error(rq, rp, "list its NICs", why);
        return;
    }
    json_t *value = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *j = proto_nic_json(&list[i]);
        if (j && a->servicing)
            json_object_set_new(j, "vfState", json_string("Revoked"));
        json_array_append_new(value, j);
    }
    nic_entries_free(list, n);
    agent_reply_json(rp, 200, json_pack("{s:o}", "value", value));
}

/* The NIC has a VF already: the same attach again (200, with the policy
 * following the generation rule), or another one (409). Under the lock. */
static void api_attach_again(struct req *rq, struct reply *rp, struct nic_entry *have,
                             const struct nic_spec *want)
{
    struct agent *a = rq->agent;
    char why[400] = "";
    const char *differs = proto_attach_differs(&have->spec, want);
    if (differs) {
        agent_reply_error(rp, ERR_CONFLICT, differs,
                          "NIC %s already has VF %u of %s for VM %s, attached with another %s; "
                          "detach it first (DELETE /v1/nics/%s).",
                          have->spec.id, have->vf.index, have->vf.pf, have->spec.vm_id, differs,
                          have->spec.id);
        return;
    }
    if (proto_generation_rule(have->spec.policy_generation, want->policy_generation) ==
        PROTO_GEN_NEWER) {
        enum backend_status st = a->be.ops->set_policy(&a->be, want->id, want->policy_generation,
                                                       want->policy_rules, why, sizeof(why));
        if (st != BACKEND_OK) {
            api_backend_error(rq, rp, "install the policy", why);
            return;
        }
        have->spec.policy_generation = want->policy_generation;
    }
    api_reply_nic(rp, 200, have);
}

void agent_api_nic_put(struct req *rq, struct reply *rp)
{
    struct agent *a = rq->agent;
    struct nic_spec want;
    struct nic_entry have = {0};
    struct err e = {0};
    char why[400] = "";
    char id[NIC_ID_LEN];

    if (api_nic_id(rq, rp, id) != 0)
        return;
    if (proto_parse_attach(rq->body, &want, &e) != 0) {
        agent_reply_error_steal(rp, &e);
        return;
    }
    memcpy(want.id, id, sizeof(want.id));

    pthread_mutex_lock(&a->lock);
    enum backend_status st = a->be.ops->lookup(&a->be, id, &have);
    if (st == BACKEND_OK) {
        api_attach_again(rq, rp, &have, &want);
        goto out;
    }
    if (a->servicing) {
        agent_reply_error(rp, ERR_HOST_IN_SERVICING, NULL,
                          "Host %s is being serviced: its VFs are revoked and no new VF is "
                          "handed out until POST /v1/service {\"action\": \"complete\"}.",
                          a->cfg->host_name);
        goto out;
    }
    struct nic_entry made = {0};
    st = a->be.ops->attach(&a->be, &want, &made.vf, why, sizeof(why));
    if (st == BACKEND_NO_FREE_VF) {
        struct backend_health h;
        a->be.ops->health(&a->be, &h);
        agent_reply_error(rp, ERR_NO_FREE_VIRTUAL_FUNCTION, NULL,
                          "Host %s has no free virtual function: all %u are in use. Detach a NIC "
                          "or place the VM on another host.",
                          a->cfg->host_name, h.vfs_total);
        goto out;
    }
    if (st != BACKEND_OK) {
        api_backend_error(rq, rp, "attach a VF", why);
        goto out;
    }
    made.spec = want; /* borrowed for the reply */
    api_reply_nic(rp, 201, &made);
    log_fields(LOGL_INFO, json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:s}", "msg", "VF attached",
                                    "request_id", rq->request_id, "nic", id, "vm", want.vm_id, "pf",
                                    made.vf.pf, "vf", (int)made.vf.index, "pci", made.vf.pci));
out:
    pthread_mutex_unlock(&a->lock);
    nic_spec_clear(&have.spec);
    nic_spec_clear(&want);
}

void agent_api_nic_policy_put(struct req *rq, struct reply *rp)
{
    struct agent *a = rq->agent;
    struct nic_entry have = {0};
    struct err e = {0};
    json_t *rules = NULL;
    long long gen = 0;
    char why[400] = "";
    char id[NIC_ID_LEN];

    if (api_nic_id(rq, rp, id) != 0)
        return;
    if (proto_parse_policy(rq->body, &gen, &rules, &e) != 0) {
        agent_reply_error_steal(rp, &e);
        return;
    }
    pthread_mutex_lock(&a->lock);
    if (a->be.ops->lookup(&a->be, id, &have) != BACKEND_OK) {
        agent_reply_error(rp, ERR_NIC_NOT_FOUND, "nicId",
                          "NIC %s has no VF on this host; attach it first (PUT /v1/nics/%s).", id,
                          id);
        goto out;
    }
    switch (proto_generation_rule(have.spec.policy_generation, gen)) {
    case PROTO_GEN_OLDER:
        agent_reply_error(rp, ERR_STALE_POLICY_GENERATION, "generation",
                          "NIC %s has policy generation %lld installed; generation %lld is "
                          "older and was not applied.",
                          id, have.spec.policy_generation, gen);
        goto out;
    case PROTO_GEN_EQUAL:
        break;
    case PROTO_GEN_NEWER:
        if (a->be.ops->set_policy(&a->be, id, gen, rules, why, sizeof(why)) != BACKEND_OK) {
            api_backend_error(rq, rp, "install the policy", why);
            goto out;
        }
        log_fields(LOGL_INFO, json_pack("{s:s, s:s, s:s, s:I, s:I, s:i}", "msg", "policy replaced",
                                        "request_id", rq->request_id, "nic", id, "from_generation",
                                        (json_int_t)have.spec.policy_generation, "generation",
                                        (json_int_t)gen, "rules", (int)json_array_size(rules)));
        have.spec.policy_generation = gen;
        break;
    }
    api_reply_nic(rp, 200, &have);
out:
    pthread_mutex_unlock(&a->lock);
    nic_spec_clear(&have.spec);
    json_decref(rules);
}

/* --- policies in batches ------------------------------------------------------------ */

/* One NIC's outcome in POST /v1/policies. */
struct api_policy_result {
    unsigned status; /* 200, 404, 409 or 500 */
    enum err_code code;
    char *message;        /* owned; NULL for a 200 */
    long long generation; /* installed after the call */
    int has_generation;   /* 0: the NIC has no VF here */
};

static void api_result_error(struct api_policy_result *r, enum err_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void api_result_error(struct api_policy_result *r, enum err_code code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    r->status = err_http_status(code);
    r->code = code;
    free(r->message);
    r->message = util_vasprintf(fmt, ap);
    va_end(ap);
}

static json_t *api_results_json(const struct proto_batch *b, const struct api_policy_result *res)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < b->nnics; i++) {
        const struct api_policy_result *r = &res[i];
        json_t *o = json_pack("{s:s, s:i}", "nicId", b->nics[i].id, "status", (int)r->status);
        if (o && r->message) {
            json_object_set_new(o, "code", json_string(err_code_name(r->code)));
            json_object_set_new(o, "message", json_string(r->message));
        }
        if (o && r->has_generation)
            json_object_set_new(o, "policyGeneration", json_integer(r->generation));
        if (!o || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr ? json_pack("{s:o}", "results", arr) : NULL;
}

/* The new policies of the NICs that need one (items), through the backend's
 * set_policies (one save for them all) or, for a backend without it, one
 * set_policy each. Fills each item's status; the results of the failed ones.
 * Under the lock. */
static void api_policies_apply(struct req *rq, struct backend_policy *items, size_t n,
                               const size_t *result_of, struct api_policy_result *res)
{
    struct agent *a = rq->agent;
    char why[400] = "";
    if (a->be.ops->set_policies) {
        a->be.ops->set_policies(&a->be, items, n, why, sizeof(why));
    } else {
        for (size_t k = 0; k < n; k++) {
            why[0] = '\0';
            items[k].status = a->be.ops->set_policy(&a->be, items[k].nic_id, items[k].generation,
                                                    items[k].rules, why, sizeof(why));
            if (items[k].status == BACKEND_ERROR)
                api_result_error(&res[result_of[k]], ERR_INTERNAL,
                                 "The %s backend could not install the policy: %s (request id "
                                 "%s). Nothing was changed for this NIC.",
                                 a->be.ops->name, why, rq->request_id);
        }
        why[0] = '\0';
    }
    int logged = 0;
    for (size_t k = 0; k < n; k++) {
        struct api_policy_result *r = &res[result_of[k]];
        switch (items[k].status) {
        case BACKEND_OK:
            log_fields(LOGL_INFO,
                       json_pack("{s:s, s:s, s:s, s:I, s:I, s:i}", "msg", "policy replaced",
                                 "request_id", rq->request_id, "nic", items[k].nic_id,
                                 "from_generation", (json_int_t)r->generation, "generation",
                                 (json_int_t)items[k].generation, "rules",
                                 (int)json_array_size(items[k].rules)));
            r->status = 200;
            r->generation = items[k].generation;
            break;
        case BACKEND_NOT_FOUND: /* gone since the lookup: not under this lock */
            r->has_generation = 0;
            api_result_error(r, ERR_NIC_NOT_FOUND,
                             "NIC %s has no VF on this host; attach it first (PUT /v1/nics/%s).",
                             items[k].nic_id, items[k].nic_id);
            break;
        default:
            if (!r->message)
                api_result_error(r, ERR_INTERNAL,
                                 "The %s backend could not install the policy: %s (request id "
                                 "%s). Nothing was changed for this NIC.",
                                 a->be.ops->name, why, rq->request_id);
            if (!logged++)
                log_fields(LOGL_ERROR,
                           json_pack("{s:s, s:s, s:s, s:s}", "msg", "backend call failed",
                                     "request_id", rq->request_id, "call", "install policies",
                                     "error", r->message));
            break;
        }
    }
}

/* POST /v1/policies: PUT /v1/nics/{nicId}/policy for many NICs under one
 * lock and one save of the state (see api.h). */
void agent_api_policies_post(struct req *rq, struct reply *rp)
{
    struct agent *a = rq->agent;
    struct proto_batch b;
    struct err e = {0};
    if (proto_parse_batch(rq->body, &b, &e) != 0) {
        agent_reply_error_steal(rp, &e);
        return;
    }
    struct api_policy_result *res = util_xcalloc(b.nnics, sizeof(*res));
    struct backend_policy *items = util_xcalloc(b.nnics, sizeof(*items));
    size_t *result_of = util_xcalloc(b.nnics, sizeof(*result_of));
    size_t nitems = 0;

    pthread_mutex_lock(&a->lock);
    for (size_t i = 0; i < b.nnics; i++) {
        const struct proto_batch_nic *n = &b.nics[i];
        struct api_policy_result *r = &res[i];
        struct nic_entry have = {0};
        if (a->be.ops->lookup(&a->be, n->id, &have) != BACKEND_OK) {
            api_result_error(r, ERR_NIC_NOT_FOUND,
                             "NIC %s has no VF on this host; attach it first (PUT /v1/nics/%s).",
                             n->id, n->id);
            continue;
        }
        r->generation = have.spec.policy_generation;
        r->has_generation = 1;
        nic_spec_clear(&have.spec);
        switch (proto_generation_rule(r->generation, n->generation)) {
        case PROTO_GEN_OLDER:
            api_result_error(r, ERR_STALE_POLICY_GENERATION,
                             "NIC %s has policy generation %lld installed; generation %lld is "
                             "older and was not applied.",
                             n->id, r->generation, n->generation);
            break;
        case PROTO_GEN_EQUAL:
            r->status = 200;
            break;
        case PROTO_GEN_NEWER:
            items[nitems] = (struct backend_policy){n->id, n->generation, b.rule_sets[n->rule_set],
                                                    BACKEND_ERROR};
            result_of[nitems++] = i;
            break;
        }
    }
    if (nitems)
        api_policies_apply(rq, items, nitems, result_of, res);
    pthread_mutex_unlock(&a->lock);

    json_t *j = api_results_json(&b, res);
    if (j)
        agent_reply_json(rp, 200, j);
    else
        agent_reply_error(rp, ERR_INTERNAL, NULL, "Could not render the results (out of memory).");
    for (size_t i = 0; i < b.nnics; i++)
        free(res[i].message);
    free(res);
    free(items);
    free(result_of);
    proto_batch_free(&b);
}

void agent_api_nic_delete(struct req *rq, struct reply *rp)
{
    struct agent *a = rq->agent;
    struct nic_entry have = {0};
    char why[400] = "";
    char id[NIC_ID_LEN];

    if (api_nic_id(rq, rp, id) != 0)
        return;
    pthread_mutex_lock(&a->lock);
    if (a->be.ops->lookup(&a->be, id, &have) != BACKEND_OK) {
        agent_reply_empty(rp, 204);
        goto out;
    }
    enum backend_status st = a->be.ops->detach(&a->be, id, why, sizeof(why));
    if (st == BACKEND_NOT_FOUND) {
        agent_reply_empty(rp, 204);
        goto out;
    }
    if (st != BACKEND_OK) {
        api_backend_error(rq, rp, "detach the VF", why);
        goto out;
    }
    api_reply_nic(rp, 200, &have);
    log_fields(LOGL_INFO,
               json_pack("{s:s, s:s, s:s, s:s, s:i}", "msg", "VF detached", "request_id",
                         rq->request_id, "nic", id, "pf", have.vf.pf, "vf", (int)have.vf.index));
out:
    pthread_mutex_unlock(&a->lock);
    nic_spec_clear(&have.spec);
}

/* --- host servicing ---------------------------------------------------------------- */

#define SERVICING_FILE "servicing"

int agent_servicing_load(const char *state_dir)
{
    char *data = NULL;
    size_t len = 0;
    char err[200];
    int on = 0;
    if (state_read(state_dir, SERVICING_FILE, &data, &len, err, sizeof(err)) == 1)
        on = len > 0 && data[0] == '1';
    free(data);
    return on;
}

static json_t *api_service_json(const struct agent *a, size_t vfs)
{
    return json_pack("{s:b, s:i}", "servicing", a->servicing, "virtualFunctions", (int)vfs);
}

void agent_api_service_get(struct req *rq, struct reply *rp)
{
    struct agent *a = rq->agent;
    struct backend_health h;
    pthread_mutex_lock(&a->lock);
    a->be.ops->health(&a->be, &h);
    json_t *j = api_service_json(a, h.vfs_in_use);
    pthread_mutex_unlock(&a->lock);
    agent_reply_json(rp, 200, j);
}

/* {"action": "start"}: revokes every VF from its guest (hot-remove; the
 * guest's traffic takes the synthetic path, where the host still enforces
 * the policy); {"action": "complete"}: gives them back. Idempotent: a start
 * while servicing (or a completion while not) changes nothing. 200 with
 * {"servicing", "virtualFunctions"} (how many VFs were revoked or restored). */
void agent_api_service_post(struct req *rq, struct reply *rp)
{
    struct agent *a = rq->agent;
    const char *action = json_string_value(json_object_get(rq->body, "action"));
    int start = action && strcmp(action, "start") == 0;
    if (!action || (!start && strcmp(action, "complete") != 0)) {
        agent_reply_error(rp, ERR_INVALID_REQUEST_CONTENT, "action",
                          "The body must be {\"action\": \"start\"} or {\"action\": "
                          "\"complete\"}.");
        return;
    }
    struct nic_entry *list = NULL;
    size_t n = 0;
    char why[400] = "";
    pthread_mutex_lock(&a->lock);
    enum backend_status st = a->be.ops->inventory(&a->be, &list, &n, why, sizeof(why));
    if (st != BACKEND_OK) {
        pthread_mutex_unlock(&a->lock);
        api_backend_error(rq, rp, "list its NICs", why);
        return;
    }
    if (a->servicing != start) {
        const char *v = start ? "1\n" : "0\n";
        if (state_write_atomic(a->cfg->state_dir, SERVICING_FILE, v, 2, 0600, why, sizeof(why)) !=
            0) {
            pthread_mutex_unlock(&a->lock);
            nic_entries_free(list, n);
            api_backend_error(rq, rp, "record the servicing state", why);
            return;
        }
        a->servicing = start;
        for (size_t i = 0; i < n; i++)
            log_fields(LOGL_INFO, json_pack("{s:s, s:s, s:s, s:s, s:i}", "msg",
                                            start ? "VF revoked (host servicing)"
                                                  : "VF restored (host servicing complete)",
                                            "request_id", rq->request_id, "nic", list[i].spec.id,
                                            "pf", list[i].vf.pf, "vf", (int)list[i].vf.index));
    }
    json_t *j = api_service_json(a, n);
    pthread_mutex_unlock(&a->lock);
    nic_entries_free(list, n);
    agent_reply_json(rp, 200, j);
}
