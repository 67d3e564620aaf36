/* Preview features (Microsoft.Features): a subscription registers for a
 * feature, an operator approves or rejects the request (features whose
 * approvalType is AutoApproval are registered at once), and the subscription
 * may unregister. Operators define the features themselves: they are rows,
 * not code.
 *
 * The state machine of one (subscription, feature) registration:
 *
 *   NotRegistered / Unregistered / Rejected --register--> Pending
 *                                              (AutoApproval: Registered)
 *   Pending --approve--> Registered        Pending --reject(reason)--> Rejected
 *   Pending / Registered --unregister--> Unregistered
 *
 * Anything else changes nothing: registering while Pending or Registered,
 * unregistering while NotRegistered, Unregistered or Rejected (a rejection
 * stays visible, with its reason, until the subscription asks again) answer
 * 200 with the state as it is and `x-accelnet-state-changed: false`. An
 * operator decision on a registration that is not Pending is 409
 * FeatureRegistrationNotPending. Unregistering takes effect at once, so
 * Unregistering (ARM's intermediate state) is never shown today.
 *
 * Every change writes an audit row and, when the subscription has a
 * contactWebhook, an outbox row with the event (service/outbox.c delivers
 * it), both in the transaction of the change. */
#include "api/api.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/arm.h"
#include "common/jspec.h"
#include "common/util.h"
#include "db/audit.h"
#include "db/feature.h"
#include "db/outbox.h"
#include "db/subscription.h"
#include "service/config.h"

#define FEATURE_TYPE         "Microsoft.Features/providers/features"
#define FEATURE_EVENT_PREFIX "Microsoft.Features/featureRegistration."
#define FEATURE_CHANGED      "x-accelnet-state-changed"
#define FEATURE_TEXT_MAX     1024

static const char *const feature_approval_types[] = {"ApprovalRequired", "AutoApproval", NULL};
static const char *const feature_states[] = {"Pending",       "Registered",   "Rejected",
                                             "Unregistering", "Unregistered", NULL};

/* --- names and parameters -------------------------------------------------- */

/* The namespace rule of the features table: two or more dot-separated runs
 * of letters and digits ("Microsoft.Network"). NULL if fine, else why not. */
static const char *feature_ns_problem(const char *ns)
{
    size_t len = strlen(ns), run = 0, dots = 0;
    if (len == 0 || len > 128)
        return "must be 1 to 128 characters long";
    for (const char *p = ns; *p; p++) {
        if (*p == '.') {
            if (run == 0)
                return "must be dot-separated names of letters and digits (Microsoft.Network)";
            dots++;
            run = 0;
        } else if (isalnum((unsigned char)*p)) {
            run++;
        } else {
            return "may contain only letters, digits and dots (for example Microsoft.Network)";
        }
    }
    if (run == 0 || dots == 0)
        return "must be dot-separated names of letters and digits (Microsoft.Network)";
    return NULL;
}

/* Feature names: 1-128 of letters, digits, '_', '.', '-'. */
static const char *feature_name_problem(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > 128)
        return "must be 1 to 128 characters long";
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
            return "may contain only letters, digits, '_', '.' and '-'";
    return NULL;
}

static const char *feature_ns_param(struct req *rq)
{
    const char *ns = req_param(rq, "resourceProviderNamespace");
    return ns ? ns : req_param(rq, "namespace");
}

/* Why a feature could not be found, as the client is told: the namespace
 * has no features at all (400 InvalidResourceNamespace), or the feature is
 * not one of them (404 FeatureNotFound). */
enum feature_missing { FEATURE_FOUND = 0, FEATURE_NO_NAMESPACE, FEATURE_NO_FEATURE };

static enum db_status feature_find(struct db_conn *c, const char *ns, const char *name,
                                   struct db_feature *f, enum feature_missing *missing)
{
    int known = 0;
    char canon[129];
    *missing = FEATURE_FOUND;
    if (feature_ns_problem(ns)) {
        *missing = FEATURE_NO_NAMESPACE;
        return DB_OK;
    }
    if (feature_name_problem(name)) {
        *missing = FEATURE_NO_FEATURE;
        return DB_OK;
    }
    enum db_status st = db_feature_get(c, ns, name, f);
    if (st != DB_NOT_FOUND)
        return st;
    st = db_feature_namespace_known(c, ns, &known, canon);
    if (st == DB_OK)
        *missing = known ? FEATURE_NO_FEATURE : FEATURE_NO_NAMESPACE;
    return st;
}

static void feature_reply_missing(const struct req *rq, struct reply *rp,
                                  enum feature_missing missing, const char *ns, const char *name)
{
    /* Named as in the route the client called, which the hint follows. */
    int admin = req_param(rq, "resourceProviderNamespace") == NULL;
    char *where = admin
                      ? util_xstrdup("GET /admin/features")
                      : util_asprintf("GET /subscriptions/%s/providers/Microsoft.Features/features",
                                      req_param(rq, "subscriptionId"));
    if (missing == FEATURE_NO_NAMESPACE)
        reply_error(rp, ERR_INVALID_RESOURCE_NAMESPACE,
                    admin ? "namespace" : "resourceProviderNamespace",
                    "The resource namespace '%s' is invalid: no preview features are defined "
                    "in it. %s lists the features there are.",
                    ns, where);
    else
        reply_error(rp, ERR_FEATURE_NOT_FOUND, "featureName",
                    "The feature '%s' could not be found in namespace '%s'. %s lists the "
                    "features there are.",
                    name, ns, where);
    free(where);
}

/* --- JSON ------------------------------------------------------------------ */

/* ARM's FeatureResult. reason (may be NULL) is shown for Rejected. */
static json_t *feature_result_json(const char *sub, const char *ns, const char *name,
                                   const char *state, const char *reason)
{
    char *id = util_asprintf("/subscriptions/%s/providers/Microsoft.Features/providers/%s/"
                             "features/%s",
                             sub, ns, name);
    char *full = util_asprintf("%s/%s", ns, name);
    json_t *props = json_pack("{s:s}", "state", state);
    if (reason && strcmp(state, "Rejected") == 0)
        json_object_set_new(props, "reason", json_string(reason));
    json_t *o = json_pack("{s:s, s:s, s:s, s:o}", "name", full, "id", id, "type", FEATURE_TYPE,
                          "properties", props);
    free(id);
    free(full);
    return o;
}

static json_t *feature_def_json(const struct db_feature *f)
{
    char *id = util_asprintf("/admin/features/%s/%s", f->namespace_, f->name);
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", id, "namespace", f->namespace_,
                  "name", f->name, "approvalType", f->approval_type, "description", f->description,
                  "createdAt", f->created_at, "updatedAt", f->updated_at);
    free(id);
    return o;
}

static json_t *feature_str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static json_t *feature_reg_json(const struct db_feature_reg *g)
{
    char *id = util_asprintf("/admin/featureRegistrations/%s/%s/%s", g->subscription_id,
                             g->namespace_, g->feature);
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "id", id, "subscriptionId",
        g->subscription_id, "namespace", g->namespace_, "feature", g->feature, "state", g->state,
        "intendedUse", g->intended_use, "requestedAt", g->requested_at, "updatedAt", g->updated_at,
        "decidedBy", feature_str_or_null(g->decided_by), "decidedAt",
        feature_str_or_null(g->decided_at), "reason", feature_str_or_null(g->reason));
    free(id);
    return o;
}

/* Paging keys and JSON for the three lists (namespace/name, and
 * subscription/namespace/feature for registrations). */
static char *feature_sub_state_key(const void *item)
{
    const struct db_feature_sub_state *f = item;
    return util_asprintf("%s/%s", f->namespace_, f->name);
}

static json_t *feature_sub_state_json(const void *item, const void *sub)
{
    const struct db_feature_sub_state *f = item;
    return feature_result_json(sub, f->namespace_, f->name, f->state, f->reason);
}

static char *feature_def_key(const void *item)
{
    const struct db_feature *f = item;
    return util_asprintf("%s/%s", f->namespace_, f->name);
}

static json_t *feature_def_item_json(const void *item, const void *ctx)
{
    (void)ctx;
    return feature_def_json(item);
}

static char *feature_reg_key(const void *item)
{
    const struct db_feature_reg *g = item;
    return util_asprintf("%s/%s/%s", g->subscription_id, g->namespace_, g->feature);
}

static json_t *feature_reg_item_json(const void *item, const void *ctx)
{
    (void)ctx;
    return feature_reg_json(item);
}

/* --- changes: one transaction each ----------------------------------------- */

enum feature_op { FEATURE_REGISTER, FEATURE_UNREGISTER, FEATURE_APPROVE, FEATURE_REJECT };

enum feature_outcome {
    FEATURE_DONE = 0,        /* changed, or nothing to change (see changed) */
    FEATURE_NO_SUBSCRIPTION, /* admin routes: no such subscription */
    FEATURE_MISSING,         /* see missing */
    FEATURE_NOT_PENDING,     /* a decision on a registration that is not Pending */
};

struct feature_change_tx {
    /* in */
    enum feature_op op;
    const char *sub, *ns_in, *name_in, *actor;
    const char *intended_use; /* register */
    const char *reason;       /* approve (optional), reject */
    unsigned expiry_s;
    /* out */
    enum feature_outcome outcome;
    enum feature_missing missing;
    int changed;
    char from[16];
    char state[16]; /* after the change, or as it is */
    struct db_feature f;
    struct db_feature_reg reg; /* filled when a row exists */
    int have_reg;
};

static void feature_change_clear(struct feature_change_tx *t)
{
    db_feature_free(&t->f);
    db_feature_reg_free(&t->reg);
    memset(&t->f, 0, sizeof(t->f));
    memset(&t->reg, 0, sizeof(t->reg));
    t->have_reg = 0;
    t->outcome = FEATURE_DONE;
    t->missing = FEATURE_FOUND;
    t->changed = 0;
    t->from[0] = t->state[0] = '\0';
}

static const char *feature_event_type(const struct feature_change_tx *t)
{
    switch (t->op) {
    case FEATURE_REGISTER:
        return strcmp(t->state, "Registered") == 0 ? "autoApproved" : "requested";
    case FEATURE_UNREGISTER:
        return "unregistered";
    case FEATURE_APPROVE:
        return "approved";
    case FEATURE_REJECT:
        return "rejected";
    }
    return "changed";
}

static const char *feature_audit_action(enum feature_op op)
{
    static const char *const names[] = {"feature.register", "feature.unregister", "feature.approve",
                                        "feature.reject"};
    return names[op];
}

/* The audit row and (when the subscription has a webhook) the event of the
 * change just made in t. */
static enum db_status feature_record(struct db_conn *c, struct feature_change_tx *t,
                                     const char *webhook)
{
    char event_id[37];
    const struct db_feature_reg *g = &t->reg;
    int decision = t->op == FEATURE_APPROVE || t->op == FEATURE_REJECT;
    util_uuid4(event_id);
    json_t *d = json_pack("{s:s, s:s, s:s, s:s}", "namespace", g->namespace_, "feature", g->feature,
                          "from", t->from, "to", g->state);
    if (t->op == FEATURE_REGISTER)
        json_object_set_new(d, "intendedUse", json_string(g->intended_use));
    if (decision && g->reason)
        json_object_set_new(d, "reason", json_string(g->reason));
    if (webhook)
        json_object_set_new(d, "eventId", json_string(event_id));
    enum db_status st = db_audit_insert(c, t->actor, t->sub, feature_audit_action(t->op), d);
    json_decref(d);
    if (st != DB_OK || !webhook)
        return st;

    char *type = util_asprintf(FEATURE_EVENT_PREFIX "%s", feature_event_type(t));
    json_t *ev =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", event_id, "type", type, "time",
                  g->updated_at, "subscriptionId", g->subscription_id, "namespace", g->namespace_,
                  "feature", g->feature, "state", g->state, "previousState", t->from);
    if (decision && g->reason)
        json_object_set_new(ev, "reason", json_string(g->reason));
    if (decision)
        json_object_set_new(ev, "decidedBy", json_string(g->decided_by));
    st = db_outbox_insert(c, event_id, t->sub, webhook, type, ev, t->expiry_s);
    json_decref(ev);
    free(type);
    return st;
}

/* The state of the registration as it is (after a change was refused). */
static enum db_status feature_current(struct db_conn *c, struct feature_change_tx *t)
{
    enum db_status st = db_feature_reg_get(c, t->sub, t->f.namespace_, t->f.name, 0, &t->reg);
    if (st == DB_NOT_FOUND) {
        snprintf(t->state, sizeof(t->state), "NotRegistered");
        return DB_OK;
    }
    if (st == DB_OK) {
        t->have_reg = 1;
        snprintf(t->state, sizeof(t->state), "%s", t->reg.state);
    }
    return st;
}

static enum db_status feature_register_step(struct db_conn *c, struct feature_change_tx *t)
{
    const char *to = strcmp(t->f.approval_type, "AutoApproval") == 0 ? "Registered" : "Pending";
    enum db_status st = db_feature_reg_get(c, t->sub, t->f.namespace_, t->f.name, 1, &t->reg);
    if (st == DB_NOT_FOUND) {
        snprintf(t->from, sizeof(t->from), "NotRegistered");
        st = db_feature_reg_insert(c, t->sub, t->f.namespace_, t->f.name, to, t->intended_use,
                                   &t->reg);
        /* Inserted meanwhile by a concurrent request: decide again. */
        if (st == DB_CONFLICT)
            return DB_RETRY;
    } else if (st == DB_OK) {
        snprintf(t->from, sizeof(t->from), "%s", t->reg.state);
        if (strcmp(t->reg.state, "Pending") == 0 || strcmp(t->reg.state, "Registered") == 0) {
            t->have_reg = 1;
            snprintf(t->state, sizeof(t->state), "%s", t->reg.state);
            return DB_OK;
        }
        db_feature_reg_free(&t->reg);
        st = db_feature_reg_rerequest(c, t->sub, t->f.namespace_, t->f.name, to, t->intended_use,
                                      &t->reg);
    }
    if (st != DB_OK)
        return st;
    t->have_reg = 1;
    t->changed = 1;
    snprintf(t->state, sizeof(t->state), "%s", t->reg.state);
    return DB_OK;
}

/* Unregister and the operator's decisions: one conditional UPDATE, so that
 * two concurrent decisions cannot both succeed. */
static enum db_status feature_transition_step(struct db_conn *c, struct feature_change_tx *t)
{
    const char *from_states, *to, *by = NULL;
    switch (t->op) {
    case FEATURE_UNREGISTER:
        from_states = "{Pending,Registered}";
        to = "Unregistered";
        break;
    case FEATURE_APPROVE:
    case FEATURE_REJECT:
        from_states = "{Pending}";
        to = t->op == FEATURE_APPROVE ? "Registered" : "Rejected";
        by = t->actor;
        break;
    default:
        return DB_ERROR;
    }
    /* The state before, for the audit row and the event: read under the
     * row lock the UPDATE is about to take anyway. */
    enum db_status st = db_feature_reg_get(c, t->sub, t->f.namespace_, t->f.name, 1, &t->reg);
    if (st == DB_OK) {
        snprintf(t->from, sizeof(t->from), "%s", t->reg.state);
        db_feature_reg_free(&t->reg);
        st = db_feature_reg_transition(c, t->sub, t->f.namespace_, t->f.name, from_states, to, by,
                                       t->reason, &t->reg);
    }
    if (st == DB_NOT_FOUND) {
        st = feature_current(c, t);
        if (st == DB_OK && t->op != FEATURE_UNREGISTER)
            t->outcome = FEATURE_NOT_PENDING;
        return st;
    }
    if (st != DB_OK)
        return st;
    t->have_reg = 1;
    t->changed = 1;
    snprintf(t->state, sizeof(t->state), "%s", t->reg.state);
    return DB_OK;
}

static enum db_status feature_change_run(struct db_conn *c, void *arg)
{
    struct feature_change_tx *t = arg;
    struct db_subscription s = {0};
    feature_change_clear(t);
    enum db_status st = db_subscription_get(c, t->sub, &s);
    if (st == DB_NOT_FOUND) {
        t->outcome = FEATURE_NO_SUBSCRIPTION;
        return DB_OK;
    }
    if (st != DB_OK)
        return st;
    st = feature_find(c, t->ns_in, t->name_in, &t->f, &t->missing);
    if (st != DB_OK || t->missing != FEATURE_FOUND) {
        if (st == DB_OK)
            t->outcome = FEATURE_MISSING;
        goto out;
    }
    st = t->op == FEATURE_REGISTER ? feature_register_step(c, t) : feature_transition_step(c, t);
    if (st == DB_OK && t->changed)
        st = feature_record(c, t, s.contact_webhook);
out:
    db_subscription_free(&s);
    return st;
}

/* Runs a change and answers for it; reply_ok builds the success reply. */
static void feature_change(struct req *rq, struct reply *rp, struct feature_change_tx *t,
                           void (*reply_ok)(struct reply *rp, struct feature_change_tx *t))
{
    t->ns_in = feature_ns_param(rq);
    t->name_in = req_param(rq, "featureName");
    t->actor = rq->who.token_id;
    t->expiry_s = rq->app->cfg->outbox_expiry_s;
    enum db_status st = db_tx(rq->app->db, feature_change_run, t);
    if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else if (t->outcome == FEATURE_NO_SUBSCRIPTION)
        reply_error(rp, ERR_SUBSCRIPTION_NOT_FOUND, "subscriptionId",
                    "The subscription '%s' could not be found.", t->sub);
    else if (t->outcome == FEATURE_MISSING)
        feature_reply_missing(rq, rp, t->missing, t->ns_in, t->name_in);
    else if (t->outcome == FEATURE_NOT_PENDING)
        reply_error(rp, ERR_FEATURE_NOT_PENDING, NULL,
                    "The registration of subscription '%s' for feature '%s/%s' is %s, not "
                    "Pending: only a pending registration can be approved or rejected.%s",
                    t->sub, t->f.namespace_, t->f.name, t->state,
                    strcmp(t->state, "NotRegistered") == 0 ||
                            strcmp(t->state, "Unregistered") == 0 ||
                            strcmp(t->state, "Rejected") == 0
                        ? " The subscription has to register (again) first."
                        : "");
    else
        reply_ok(rp, t);
    feature_change_clear(t);
}

/* --- the subscription's API (ARM Microsoft.Features) ----------------------- */

struct feature_register_req {
    const char *description;
};

static const struct jspec feature_register_props_spec[] = {
    JSPEC_STRING("description", struct feature_register_req, description, 0,
                 .max_len = FEATURE_TEXT_MAX),
    JSPEC_END,
};

static const struct jspec feature_register_spec[] = {
    JSPEC_OBJECT("properties", 0, feature_register_props_spec),
    JSPEC_END,
};

static void feature_reply_result(struct reply *rp, struct feature_change_tx *t)
{
    reply_header(rp, FEATURE_CHANGED, t->changed ? "true" : "false");
    reply_json(rp, 200,
               feature_result_json(t->sub, t->f.namespace_, t->f.name, t->state,
                                   t->have_reg ? t->reg.reason : NULL));
}

void api_feature_register(struct req *rq, struct reply *rp)
{
    struct feature_register_req in = {0};
    struct feature_change_tx t = {.op = FEATURE_REGISTER};
    struct err e = {0};
    char sub[37];
    if (arm_guid_param(rq, rp, "subscriptionId", sub) != 0)
        return;
    if (rq->body && jspec_parse(rq->body, feature_register_spec, &in, "", JSPEC_STRICT, &e)) {
        reply_error_steal(rp, &e);
        return;
    }
    t.sub = sub;
    t.intended_use = in.description ? in.description : "";
    feature_change(rq, rp, &t, feature_reply_result);
}

void api_feature_unregister(struct req *rq, struct reply *rp)
{
    struct feature_change_tx t = {.op = FEATURE_UNREGISTER};
    struct err e = {0};
    static const struct jspec empty[] = {JSPEC_END};
    char sub[37];
    if (arm_guid_param(rq, rp, "subscriptionId", sub) != 0)
        return;
    if (rq->body && jspec_parse(rq->body, empty, NULL, "", JSPEC_STRICT, &e)) {
        reply_error_steal(rp, &e);
        return;
    }
    t.sub = sub;
    feature_change(rq, rp, &t, feature_reply_result);
}

void api_feature_get(struct req *rq, struct reply *rp)
{
    struct db_conn *c;
    struct db_feature f = {0};
    enum feature_missing missing = FEATURE_FOUND;
    struct db_feature_reg g = {0};
    const char *ns = feature_ns_param(rq), *name = req_param(rq, "featureName");
    char sub[37];
    if (arm_guid_param(rq, rp, "subscriptionId", sub) != 0)
        return;
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        st = feature_find(c, ns, name, &f, &missing);
        if (st == DB_OK && missing == FEATURE_FOUND)
            st = db_feature_reg_get(c, sub, f.namespace_, f.name, 0, &g);
        db_release(rq->app->db, c);
    }
    if (st == DB_OK && missing != FEATURE_FOUND)
        feature_reply_missing(rq, rp, missing, ns, name);
    else if (st == DB_NOT_FOUND)
        reply_json(rp, 200, feature_result_json(sub, f.namespace_, f.name, "NotRegistered", NULL));
    else if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else
        reply_json(rp, 200, feature_result_json(sub, f.namespace_, f.name, g.state, g.reason));
    db_feature_free(&f);
    db_feature_reg_free(&g);
}

/* A $skipToken key of `parts` '/'-separated non-empty parts (the first a
 * GUID when guid_first). 0 if well-formed, else -1 with a 400 in rp. */
static int feature_check_key(struct reply *rp, const char *key, int parts, int guid_first)
{
    int n = 1;
    const char *p = key;
    if (key == NULL)
        return 0;
    for (const char *q = key;; q++) {
        if (*q == '/' || *q == '\0') {
            if (q == p)
                goto bad;
            if (guid_first && n == 1) {
                char first[37];
                if (q - p != 36)
                    goto bad;
                memcpy(first, p, 36);
                first[36] = '\0';
                if (!util_is_guid(first))
                    goto bad;
            }
            if (*q == '\0')
                break;
            n++;
            p = q + 1;
        }
    }
    if (n == parts)
        return 0;
bad:
    reply_error(rp, ERR_INVALID_QUERY_PARAMETER, "$skipToken",
                "The $skipToken is not one this service issued; use the nextLink of the "
                "previous page as it is.");
    return -1;
}

static void feature_reply_sub_list(struct req *rq, struct reply *rp, const char *ns)
{
    struct arm_page pg;
    struct db_conn *c;
    struct db_feature_sub_state *items = NULL;
    size_t n = 0;
    int known = 1;
    char canon[129], sub[37];
    if (arm_guid_param(rq, rp, "subscriptionId", sub) != 0 || arm_page_parse(rq, rp, &pg) != 0)
        return;
    if (feature_check_key(rp, pg.after, 2, 0) != 0)
        goto out;
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        if (ns && feature_ns_problem(ns))
            known = 0;
        else if (ns)
            st = db_feature_namespace_known(c, ns, &known, canon);
        if (st == DB_OK && known)
            st = db_feature_list_for_subscription(c, sub, ns, pg.after, pg.top + 1, &items, &n);
        db_release(rq->app->db, c);
    }
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        goto out;
    }
    if (!known) {
        feature_reply_missing(rq, rp, FEATURE_NO_NAMESPACE, ns, NULL);
        goto out;
    }
    reply_json(rp, 200,
               arm_list_build(rq, &pg, items, n, sizeof(*items), feature_sub_state_json, sub,
                              feature_sub_state_key));
out:
    for (size_t i = 0; i < n; i++)
        db_feature_sub_state_free(&items[i]);
    free(items);
    arm_page_free(&pg);
}

void api_feature_list(struct req *rq, struct reply *rp)
{
    feature_reply_sub_list(rq, rp, feature_ns_param(rq));
}

void api_feature_list_all(struct req *rq, struct reply *rp)
{
    feature_reply_sub_list(rq, rp, NULL);
}

/* --- operators: feature definitions ---------------------------------------- */

struct feature_put_req {
    const char *approval_type;
    const char *description;
};

#define FEATURE_IGNORED(n)                                                                      \
    {                                                                                           \
        .name = (n), .type = JSPEC_T_STRING, .offset = (size_t)-1, .present_offset = (size_t)-1 \
    }

static const struct jspec feature_put_spec[] = {
    JSPEC_STRING("approvalType", struct feature_put_req, approval_type, JSPEC_REQUIRED,
                 .one_of = feature_approval_types),
    JSPEC_STRING("description", struct feature_put_req, description, 0,
                 .max_len = FEATURE_TEXT_MAX),
    /* Read-only members a client may send back from a GET. */
    FEATURE_IGNORED("id"),
    FEATURE_IGNORED("namespace"),
    FEATURE_IGNORED("name"),
    FEATURE_IGNORED("createdAt"),
    FEATURE_IGNORED("updatedAt"),
    JSPEC_END,
};

struct feature_put_tx {
    const char *ns, *name, *approval_type, *description, *actor;
    int created;
    struct db_feature out;
};

static enum db_status feature_put_run(struct db_conn *c, void *arg)
{
    struct feature_put_tx *t = arg;
    db_feature_free(&t->out);
    enum db_status st = db_feature_upsert(c, t->ns, t->name, t->approval_type, t->description,
                                          &t->created, &t->out);
    if (st != DB_OK)
        return st;
    json_t *d = feature_def_json(&t->out);
    st = db_audit_insert(c, t->actor, NULL, t->created ? "feature.define" : "feature.update", d);
    json_decref(d);
    return st;
}

void api_feature_def_put(struct req *rq, struct reply *rp)
{
    struct feature_put_req in = {0};
    struct err e = {0};
    const char *ns = feature_ns_param(rq), *name = req_param(rq, "featureName");
    const char *why;
    if ((why = feature_ns_problem(ns)) != NULL) {
        reply_error(rp, ERR_INVALID_RESOURCE_NAMESPACE, "namespace",
                    "The resource namespace '%s' is invalid: it %s.", ns, why);
        return;
    }
    if ((why = feature_name_problem(name)) != NULL) {
        reply_error(rp, ERR_INVALID_RESOURCE_NAME, "featureName",
                    "The feature name '%s' is not valid: it %s.", name, why);
        return;
    }
    if (!rq->body) {
        reply_error(rp, ERR_INVALID_REQUEST_CONTENT, NULL,
                    "The request needs a JSON body: {\"approvalType\": \"ApprovalRequired\" | "
                    "\"AutoApproval\", \"description\": \"...\"}.");
        return;
    }
    if (jspec_parse(rq->body, feature_put_spec, &in, "", JSPEC_STRICT, &e)) {
        reply_error_steal(rp, &e);
        return;
    }
    struct feature_put_tx t = {
        .ns = ns,
        .name = name,
        /* Stored in the canonical case whatever the client sent. */
        .approval_type =
            strcasecmp(in.approval_type, "AutoApproval") == 0 ? "AutoApproval" : "ApprovalRequired",
        .description = in.description,
        .actor = rq->who.token_id,
    };
    enum db_status st = db_tx(rq->app->db, feature_put_run, &t);
    if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else
        reply_json(rp, t.created ? 201 : 200, feature_def_json(&t.out));
    db_feature_free(&t.out);
}

void api_feature_def_get(struct req *rq, struct reply *rp)
{
    struct db_conn *c;
    struct db_feature f = {0};
    enum feature_missing missing = FEATURE_FOUND;
    const char *ns = feature_ns_param(rq), *name = req_param(rq, "featureName");
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        st = feature_find(c, ns, name, &f, &missing);
        db_release(rq->app->db, c);
    }
    if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else if (missing != FEATURE_FOUND)
        feature_reply_missing(rq, rp, missing, ns, name);
    else
        reply_json(rp, 200, feature_def_json(&f));
    db_feature_free(&f);
}

void api_feature_def_list(struct req *rq, struct reply *rp)
{
    struct arm_page pg;
    struct db_conn *c;
    struct db_feature *items = NULL;
    size_t n = 0;
    if (arm_page_parse(rq, rp, &pg) != 0)
        return;
    if (feature_check_key(rp, pg.after, 2, 0) != 0)
        goto out;
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        st = db_feature_list(c, NULL, pg.after, pg.top + 1, &items, &n);
        db_release(rq->app->db, c);
    }
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        goto out;
    }
    reply_json(rp, 200,
               arm_list_build(rq, &pg, items, n, sizeof(*items), feature_def_item_json, NULL,
                              feature_def_key));
out:
    for (size_t i = 0; i < n; i++)
        db_feature_free(&items[i]);
    free(items);
    arm_page_free(&pg);
}

/* --- operators: registrations and decisions -------------------------------- */

void api_feature_reg_list(struct req *rq, struct reply *rp)
{
    struct arm_page pg;
    struct db_conn *c;
    struct db_feature_reg *items = NULL;
    size_t n = 0;
    const char *state = NULL, *q = req_query(rq, "state");
    if (q) {
        for (const char *const *s = feature_states; *s && !state; s++)
            if (strcasecmp(*s, q) == 0)
                state = *s;
        if (!state) {
            reply_error(rp, ERR_INVALID_QUERY_PARAMETER, "state",
                        "The state '%s' is not one of Pending, Registered, Rejected, "
                        "Unregistering, Unregistered (leave it out to list every "
                        "registration).",
                        q);
            return;
        }
    }
    if (arm_page_parse(rq, rp, &pg) != 0)
        return;
    if (feature_check_key(rp, pg.after, 3, 1) != 0)
        goto out;
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        st = db_feature_reg_list(c, state, pg.after, pg.top + 1, &items, &n);
        db_release(rq->app->db, c);
    }
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        goto out;
    }
    reply_json(rp, 200,
               arm_list_build(rq, &pg, items, n, sizeof(*items), feature_reg_item_json, NULL,
                              feature_reg_key));
out:
    for (size_t i = 0; i < n; i++)
        db_feature_reg_free(&items[i]);
    free(items);
    arm_page_free(&pg);
}

void api_feature_reg_get(struct req *rq, struct reply *rp)
{
    struct db_conn *c;
    struct db_feature f = {0};
    struct db_feature_reg g = {0};
    struct db_subscription s = {0};
    enum feature_missing missing = FEATURE_FOUND;
    const char *ns = feature_ns_param(rq), *name = req_param(rq, "featureName");
    char sub[37];
    if (arm_guid_param(rq, rp, "subscriptionId", sub) != 0)
        return;
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        return;
    }
    st = db_subscription_get(c, sub, &s);
    if (st == DB_NOT_FOUND) {
        reply_error(rp, ERR_SUBSCRIPTION_NOT_FOUND, "subscriptionId",
                    "The subscription '%s' could not be found.", sub);
        goto out;
    }
    if (st == DB_OK)
        st = feature_find(c, ns, name, &f, &missing);
    if (st == DB_OK && missing != FEATURE_FOUND) {
        feature_reply_missing(rq, rp, missing, ns, name);
        goto out;
    }
    if (st == DB_OK)
        st = db_feature_reg_get(c, sub, f.namespace_, f.name, 0, &g);
    if (st == DB_NOT_FOUND)
        reply_error(rp, ERR_RESOURCE_NOT_FOUND, "featureName",
                    "Subscription '%s' has never registered for feature '%s/%s' (its state is "
                    "NotRegistered).",
                    sub, f.namespace_, f.name);
    else if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else
        reply_json(rp, 200, feature_reg_json(&g));
out:
    db_release(rq->app->db, c);
    db_subscription_free(&s);
    db_feature_free(&f);
    db_feature_reg_free(&g);
}

struct feature_decision_req {
    const char *reason;
};

static const struct jspec feature_approve_spec[] = {
    JSPEC_STRING("reason", struct feature_decision_req, reason, 0, .max_len = FEATURE_TEXT_MAX),
    JSPEC_END,
};

static const struct jspec feature_reject_spec[] = {
    JSPEC_STRING("reason", struct feature_decision_req, reason, JSPEC_REQUIRED, .min_len = 1,
                 .max_len = FEATURE_TEXT_MAX),
    JSPEC_END,
};

static void feature_reply_reg(struct reply *rp, struct feature_change_tx *t)
{
    reply_json(rp, 200, feature_reg_json(&t->reg));
}

static void feature_decide(struct req *rq, struct reply *rp, enum feature_op op)
{
    struct feature_decision_req in = {0};
    struct feature_change_tx t = {.op = op};
    struct err e = {0};
    char sub[37];
    if (arm_guid_param(rq, rp, "subscriptionId", sub) != 0)
        return;
    if (!rq->body && op == FEATURE_REJECT) {
        reply_error(rp, ERR_INVALID_REQUEST_CONTENT, NULL,
                    "A rejection needs a JSON body with the reason the subscription is told: "
                    "{\"reason\": \"...\"}.");
        return;
    }
    if (rq->body &&
        jspec_parse(rq->body, op == FEATURE_REJECT ? feature_reject_spec : feature_approve_spec,
                    &in, "", JSPEC_STRICT, &e)) {
        reply_error_steal(rp, &e);
        return;
    }
    t.sub = sub;
    t.reason = in.reason && *in.reason ? in.reason : NULL; /* "" is no reason */
    feature_change(rq, rp, &t, feature_reply_reg);
}

void api_feature_reg_approve(struct req *rq, struct reply *rp)
{
    feature_decide(rq, rp, FEATURE_APPROVE);
}

void api_feature_reg_reject(struct req *rq, struct reply *rp)
{
    feature_decide(rq, rp, FEATURE_REJECT);
}
