/* Network security groups:
 * /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/
 * networkSecurityGroups/{networkSecurityGroupName}, with their rules inline
 * (properties.securityRules, replaced as a set by a PUT), Azure's default
 * rules, who refers to them, and the policy generation that every change to
 * the rules bumps. */
#include "api/nsg.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/arm.h"
#include "api/operation.h"
#include "common/jspec.h"
#include "common/util.h"
#include "db/catalog.h"
#include "db/policy.h"
#include "db/resource_group.h"

#define NSG_MAX_TAGS 50

/* --- shared with api/security_rule.c ----------------------------------------------- */

int nsg_names_get(struct req *rq, struct reply *rp, int want_nsg, const char *rule_param,
                  struct nsg_names *out)
{
    memset(out, 0, sizeof(*out));
    out->sub = req_param(rq, "subscriptionId");
    out->rg = req_param(rq, "resourceGroupName");
    if (out->rg) {
        const char *why = arm_rg_name_problem(out->rg);
        if (why) {
            reply_error(rp, ERR_INVALID_RESOURCE_NAME, "resourceGroupName",
                        "The resource group name '%s' is not valid: it %s.", out->rg, why);
            return -1;
        }
    }
    if (want_nsg) {
        out->nsg = req_param(rq, "networkSecurityGroupName");
        const char *why = out->nsg ? arm_network_name_problem(out->nsg) : "is missing";
        if (why) {
            reply_error(rp, ERR_INVALID_RESOURCE_NAME, "networkSecurityGroupName",
                        "The network security group name '%s' is not valid: it %s.",
                        out->nsg ? out->nsg : "", why);
            return -1;
        }
    }
    if (rule_param) {
        out->rule = req_param(rq, rule_param);
        const char *why = out->rule ? arm_network_name_problem(out->rule) : "is missing";
        if (why) {
            reply_error(rp, ERR_INVALID_RESOURCE_NAME, rule_param,
                        "The security rule name '%s' is not valid: it %s.",
                        out->rule ? out->rule : "", why);
            return -1;
        }
    }
    return 0;
}

char *nsg_lock_key(const char *sub, const char *rg, const char *name)
{
    return arm_lock_key(sub, rg, NSG_RTYPE, name);
}

void nsg_view_free(struct nsg_view *v)
{
    db_nsg_free(&v->nsg);
    db_secrule_list_free(v->rules, v->nrules);
    db_nsg_refs_free(&v->refs);
    memset(v, 0, sizeof(*v));
}

enum db_status nsg_view_load(struct db_conn *c, const char *sub, const char *rg, const char *name,
                             struct nsg_view *v)
{
    nsg_view_free(v);
    enum db_status st = db_nsg_get(c, sub, rg, name, &v->nsg);
    if (st != DB_OK)
        return st;
    const char *ids[] = {v->nsg.id};
    st = db_secrule_list(c, ids, 1, NULL, 0, &v->rules, &v->nrules);
    if (st == DB_OK)
        st = db_nsg_refs_get(c, ids, 1, &v->refs);
    return st;
}

enum db_status nsg_snapshot(struct db_conn *c)
{
    return db_exec_simple(c, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
}

static json_t *nsg_ref_json(const struct db_nsg_ref *r)
{
    char *id = r->vnet ? arm_resource_id(r->subscription_id, r->rg_name, NSG_PROVIDER,
                                         "virtualNetworks", r->vnet, "subnets", r->name)
                       : arm_resource_id(r->subscription_id, r->rg_name, NSG_PROVIDER,
                                         "networkInterfaces", r->name, NULL, NULL);
    json_t *o = json_pack("{s:s}", "id", id);
    free(id);
    return o;
}

json_t *nsg_rule_json(const struct db_nsg *n, const struct db_secrule *r)
{
    char *id = arm_resource_id(n->subscription_id, n->rg_name, NSG_PROVIDER, NSG_TYPE, n->name,
                               "securityRules", r->rule.name);
    char *etag = arm_etag(r->etag);
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s, s:o}", "id", id, "name", r->rule.name, "etag", etag, "type",
                  NSG_RTYPE "/securityRules", "properties", nsgrule_properties_json(&r->rule));
    free(id);
    free(etag);
    return o;
}

json_t *nsg_default_rule_json(const struct db_nsg *n, const struct nsgrule *r)
{
    char *id = arm_resource_id(n->subscription_id, n->rg_name, NSG_PROVIDER, NSG_TYPE, n->name,
                               "defaultSecurityRules", r->name);
    /* Default rules change only with their group: they carry its etag. */
    char *etag = arm_etag(n->etag);
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s, s:o}", "id", id, "name", r->name, "etag", etag, "type",
                  NSG_RTYPE "/defaultSecurityRules", "properties", nsgrule_properties_json(r));
    free(id);
    free(etag);
    return o;
}

json_t *nsg_json(const struct db_nsg *n, const struct db_secrule *rules, size_t nrules,
                 const struct db_nsg_refs *refs)
{
    char *id = arm_resource_id(n->subscription_id, n->rg_name, NSG_PROVIDER, NSG_TYPE, n->name,
                               NULL, NULL);
    char *etag = arm_etag(n->etag);
    json_t *tags = json_loads(n->tags, 0, NULL);
    json_t *sec = json_array(), *defs = json_array(), *nics = json_array(), *subnets = json_array();
    size_t ndefs;
    const struct nsgrule *d = nsgrule_defaults(&ndefs);

    for (size_t i = 0; i < nrules; i++)
        if (strcmp(rules[i].nsg_id, n->id) == 0)
            json_array_append_new(sec, nsg_rule_json(n, &rules[i]));
    for (size_t i = 0; i < ndefs; i++)
        json_array_append_new(defs, nsg_default_rule_json(n, &d[i]));
    for (size_t i = 0; refs && i < refs->nnics; i++)
        if (strcmp(refs->nics[i].nsg_id, n->id) == 0)
            json_array_append_new(nics, nsg_ref_json(&refs->nics[i]));
    for (size_t i = 0; refs && i < refs->nsubnets; i++)
        if (strcmp(refs->subnets[i].nsg_id, n->id) == 0)
            json_array_append_new(subnets, nsg_ref_json(&refs->subnets[i]));

    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:{s:s, s:s, s:o, s:o, s:o, s:o, s:I}}",
                          "id", id, "name", n->name, "type", NSG_RTYPE, "location", n->location,
                          "tags", tags ? tags : json_object(), "etag", etag, "properties",
                          "provisioningState", "Succeeded", "resourceGuid", n->id, "securityRules",
                          sec, "defaultSecurityRules", defs, "networkInterfaces", nics, "subnets",
                          subnets, "accelnetPolicyGeneration", (json_int_t)n->generation);
    free(id);
    free(etag);
    return o;
}

void nsg_reply_rg_not_found(struct reply *rp, const char *rg)
{
    reply_error(rp, ERR_RESOURCE_GROUP_NOT_FOUND, "resourceGroupName",
                "Resource group '%s' could not be found.", rg);
}

void nsg_reply_not_found(struct reply *rp, const char *rg, const char *name)
{
    reply_error(rp, ERR_RESOURCE_NOT_FOUND, "networkSecurityGroupName",
                "The Resource '" NSG_RTYPE "/%s' under resource group '%s' was not found.", name,
                rg);
}

void nsg_reply_parent_not_found(struct reply *rp, const char *rg, const char *name)
{
    reply_error(
        rp, ERR_PARENT_RESOURCE_NOT_FOUND, "networkSecurityGroupName",
        "Can not perform requested operation on nested resource. Parent resource '" NSG_RTYPE
        "/%s' under resource group '%s' was not found.",
        name, rg);
}

void nsg_err_finish(struct err *e)
{
    enum err_code code = e->ndetails ? e->details[0].code : ERR_INVALID_REQUEST_CONTENT;
    for (size_t i = 1; i < e->ndetails; i++)
        if (e->details[i].code != code)
            code = ERR_INVALID_REQUEST_CONTENT;
    if (e->ndetails == 1)
        err_set(e, code, e->details[0].target, "%s", e->details[0].message);
    else
        err_set(e, code, NULL, "The request body is not valid (%zu problems); see details.",
                e->ndetails);
}

/* --- PUT ------------------------------------------------------------------------------ */

struct nsg_put_in {
    const char *location;
    const json_t *tags;
    const json_t *rules;
    int flush_connection;
};

static const char *nsg_flush_problem(const json_t *v)
{
    return json_is_true(v) ? "accelnet does not re-evaluate existing flows when rules change; "
                             "leave flushConnection false"
                           : NULL;
}

#define NSG_IGNORED(n, t)                                                             \
    {                                                                                 \
        .name = (n), .type = (t), .offset = (size_t)-1, .present_offset = (size_t)-1, \
        .item_type = JSPEC_T_ANY                                                      \
    }

static const struct jspec nsg_properties_spec[] = {
    JSPEC_FIELD("securityRules", JSPEC_T_ARRAY, struct nsg_put_in, rules, 0,
                .item_type = JSPEC_T_OBJECT),
    JSPEC_BOOL("flushConnection", struct nsg_put_in, flush_connection, 0,
               .check = nsg_flush_problem),
    /* Read-only members a GET returns; accepted and ignored. */
    NSG_IGNORED("provisioningState", JSPEC_T_STRING),
    NSG_IGNORED("resourceGuid", JSPEC_T_STRING),
    NSG_IGNORED("defaultSecurityRules", JSPEC_T_ARRAY),
    NSG_IGNORED("networkInterfaces", JSPEC_T_ARRAY),
    NSG_IGNORED("subnets", JSPEC_T_ARRAY),
    NSG_IGNORED("flowLogs", JSPEC_T_ARRAY),
    NSG_IGNORED("accelnetPolicyGeneration", JSPEC_T_INT),
    JSPEC_END,
};

static const struct jspec nsg_put_spec[] = {
    JSPEC_STRING("location", struct nsg_put_in, location, JSPEC_REQUIRED, .min_len = 1,
                 .max_len = 64),
    JSPEC_FIELD("tags", JSPEC_T_OBJECT, struct nsg_put_in, tags, 0, .check = arm_tags_problem),
    JSPEC_OBJECT("properties", 0, nsg_properties_spec),
    NSG_IGNORED("id", JSPEC_T_STRING),
    NSG_IGNORED("name", JSPEC_T_STRING),
    NSG_IGNORED("type", JSPEC_T_STRING),
    NSG_IGNORED("etag", JSPEC_T_STRING),
    JSPEC_END,
};

struct nsg_inline_rule {
    const char *name;
    const json_t *properties;
};

static const struct jspec nsg_inline_rule_spec[] = {
    JSPEC_STRING("name", struct nsg_inline_rule, name, JSPEC_REQUIRED),
    JSPEC_FIELD("properties", JSPEC_T_OBJECT, struct nsg_inline_rule, properties, JSPEC_REQUIRED),
    NSG_IGNORED("id", JSPEC_T_STRING),
    NSG_IGNORED("etag", JSPEC_T_STRING),
    NSG_IGNORED("type", JSPEC_T_STRING),
    JSPEC_END,
};

/* 1 when props.direction is one of ARM's (any case). */
static int nsg_direction_valid(const json_t *props)
{
    const char *d = json_string_value(json_object_get(props, "direction"));
    return d && (strcasecmp(d, "Inbound") == 0 || strcasecmp(d, "Outbound") == 0);
}

/* Validates properties.securityRules[*]: each rule, their names, and that
 * no two share a priority and a direction. Fills rules (n of them, names
 * set). Returns the number of problems. */
static int nsg_rules_parse(const json_t *arr, struct nsgrule **rules, size_t *n, struct err *e)
{
    size_t count = json_array_size(arr);
    int problems = 0;
    int *checkable = util_xcalloc(count ? count : 1, sizeof(int));
    *rules = util_xcalloc(count ? count : 1, sizeof(**rules));
    *n = count;
    for (size_t i = 0; i < count; i++) {
        const json_t *item = json_array_get(arr, i);
        struct nsg_inline_rule in = {0};
        char *path = util_asprintf("properties.securityRules[%zu]", i);
        if (!json_is_object(item)) {
            free(path);
            continue; /* jspec reported it */
        }
        problems += jspec_parse(item, nsg_inline_rule_spec, &in, path, JSPEC_STRICT, e);
        if (in.name) {
            const char *why = arm_network_name_problem(in.name);
            char *t = util_asprintf("%s.name", path);
            if (why) {
                err_add_detail(e, ERR_INVALID_RESOURCE_NAME, t,
                               "The security rule name '%s' is not valid: it %s.", in.name, why);
                problems++;
            }
            for (size_t k = 0; !why && k < i; k++) {
                if ((*rules)[k].name && strcasecmp((*rules)[k].name, in.name) == 0) {
                    err_add_detail(e, ERR_INVALID_REQUEST_CONTENT, t,
                                   "'%s': properties.securityRules[%zu] is named '%s' already "
                                   "(names are compared ignoring case).",
                                   t, k, (*rules)[k].name);
                    problems++;
                    break;
                }
            }
            free(t);
        }
        if (in.properties) {
            char *ppath = util_asprintf("%s.properties", path);
            int bad = nsgrule_parse(in.properties, ppath, &(*rules)[i], e);
            problems += bad;
            checkable[i] = (*rules)[i].priority != 0 && nsg_direction_valid(in.properties);
            free(ppath);
        }
        if (in.name)
            (*rules)[i].name = util_xstrdup(in.name);
        free(path);
    }
    for (size_t j = 0; j < count; j++) {
        for (size_t i = 0; checkable[j] && i < j; i++) {
            if (checkable[i] && nsgrule_conflict(&(*rules)[i], &(*rules)[j])) {
                char *t = util_asprintf("properties.securityRules[%zu].properties.priority", j);
                err_add_detail(e, ERR_SECURITY_RULE_CONFLICT, t,
                               "Security rule %s conflicts with rule %s. Rules cannot have the "
                               "same Priority and Direction (%d, %s).",
                               (*rules)[j].name ? (*rules)[j].name : "(unnamed)",
                               (*rules)[i].name ? (*rules)[i].name : "(unnamed)",
                               (*rules)[j].priority, nsgrule_direction_name((*rules)[j].direction));
                free(t);
                problems++;
                break;
            }
        }
    }
    free(checkable);
    return problems;
}

enum nsg_put_outcome {
    NSG_CREATED,
    NSG_UPDATED,
    NSG_UNCHANGED,
    NSG_PRECONDITION,
    NSG_MOVED,
    NSG_NO_RG
};

char *nsg_resource_id(const char *sub, const char *rg, const char *name)
{
    return util_asprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/"
                         "networkSecurityGroups/%s",
                         sub, rg, name);
}

void nsg_mark_updating(const struct req *rq, struct reply *rp, json_t *body, const char *sub,
                       const char *location, const char *op_id)
{
    json_t *props = json_object_get(body, "properties");
    if (props)
        json_object_set_new(props, "provisioningState", json_string("Updating"));
    api_op_headers(rq, rp, sub, location, op_id);
}

struct nsg_put_tx {
    const struct req *rq;
    struct reply *rp;
    const struct nsg_names *nm;
    const char *location;
    json_t *tags;                /* borrowed */
    const struct nsgrule *rules; /* the requested set */
    size_t nrules;
    enum nsg_put_outcome outcome;
    char had_location[65];
    struct nsg_view view; /* the group as it is afterwards */
    char op_id[37];       /* the policy.push of a rule change ("" when none) */
};

/* Writes the requested rule set over the stored one: rules not listed are
 * deleted, changed ones replaced (same id, new etag), new ones inserted;
 * unchanged ones are left alone. *changed says whether anything was
 * written. Deletions go first, so that two rules may swap priorities. */
static enum db_status nsg_rules_replace(struct db_conn *c, const char *nsg_id,
                                        const struct db_secrule *cur, size_t ncur,
                                        const struct nsgrule *want, size_t nwant, int *changed)
{
    enum db_status st = DB_OK;
    long *match = util_xcalloc(nwant ? nwant : 1, sizeof(long));
    int *keep = util_xcalloc(ncur ? ncur : 1, sizeof(int));
    *changed = 0;
    for (size_t i = 0; i < nwant; i++) {
        match[i] = -1;
        for (size_t k = 0; k < ncur; k++)
            if (strcasecmp(cur[k].rule.name, want[i].name) == 0)
                match[i] = (long)k;
        if (match[i] >= 0 && nsgrule_equal(&cur[match[i]].rule, &want[i]))
            keep[match[i]] = 1;
    }
    for (size_t k = 0; k < ncur && st == DB_OK; k++) {
        if (!keep[k]) {
            st = db_secrule_delete(c, cur[k].id);
            *changed = 1;
        }
    }
    for (size_t i = 0; i < nwant && st == DB_OK; i++) {
        if (match[i] >= 0 && keep[match[i]])
            continue;
        char id[37], etag[37];
        struct nsgrule r = want[i];
        util_uuid4(etag);
        if (match[i] >= 0) {
            /* A changed rule keeps its id and the case of its name. */
            snprintf(id, sizeof(id), "%s", cur[match[i]].id);
            r.name = cur[match[i]].rule.name;
        } else {
            util_uuid4(id);
        }
        st = db_secrule_insert(c, id, nsg_id, etag, &r);
        *changed = 1;
    }
    free(match);
    free(keep);
    return st;
}

static enum db_status nsg_put_run(struct db_conn *c, void *arg)
{
    struct nsg_put_tx *t = arg;
    t->op_id[0] = '\0';
    struct db_rg g = {0};
    struct nsg_view cur = {0};
    char etag[37];
    int rules_changed = 0;

    nsg_view_free(&t->view);
    char *key = nsg_lock_key(t->nm->sub, t->nm->rg, t->nm->nsg);
    enum db_status st = db_lock_key(c, key);
    free(key);
    if (st == DB_OK)
        st = db_rg_get(c, t->nm->sub, t->nm->rg, &g);
    db_rg_free(&g);
    if (st == DB_NOT_FOUND) {
        t->outcome = NSG_NO_RG;
        return DB_OK;
    }
    if (st == DB_OK)
        st = nsg_view_load(c, t->nm->sub, t->nm->rg, t->nm->nsg, &cur);
    if (st != DB_OK && st != DB_NOT_FOUND)
        goto out;
    int exists = st == DB_OK;
    st = DB_OK;
    if (arm_preconditions(t->rq, t->rp, exists ? cur.nsg.etag : NULL) != 0) {
        t->outcome = NSG_PRECONDITION;
        goto out;
    }
    if (exists && strcmp(cur.nsg.location, t->location) != 0) {
        snprintf(t->had_location, sizeof(t->had_location), "%s", cur.nsg.location);
        t->outcome = NSG_MOVED;
        goto out;
    }
    char *tags = json_dumps(t->tags, JSON_COMPACT | JSON_SORT_KEYS);
    if (!exists) {
        char id[37];
        util_uuid4(id);
        util_uuid4(etag);
        st = db_nsg_insert(c, id, t->nm->sub, t->nm->rg, t->nm->nsg, t->location, tags, etag);
        if (st == DB_OK)
            st = nsg_rules_replace(c, id, NULL, 0, t->rules, t->nrules, &rules_changed);
        t->outcome = NSG_CREATED;
    } else {
        json_t *had = json_loads(cur.nsg.tags, 0, NULL);
        int same_tags = had && json_equal(had, t->tags);
        json_decref(had);
        st = nsg_rules_replace(c, cur.nsg.id, cur.rules, cur.nrules, t->rules, t->nrules,
                               &rules_changed);
        if (st == DB_OK && (rules_changed || !same_tags)) {
            /* One change, one new etag; only rule changes are policy. */
            util_uuid4(etag);
            st = db_nsg_update(c, cur.nsg.id, tags, etag, rules_changed);
            if (st == DB_OK && rules_changed) {
                char *rid = nsg_resource_id(t->nm->sub, cur.nsg.rg_name, cur.nsg.name);
                st = db_policy_enqueue(c, cur.nsg.id, NULL, t->nm->sub, cur.nsg.location, rid,
                                       t->op_id);
                free(rid);
            }
            t->outcome = NSG_UPDATED;
        } else {
            /* The same PUT again changes nothing, not even the etag. */
            t->outcome = NSG_UNCHANGED;
        }
    }
    free(tags);
    if (st == DB_OK)
        st = nsg_view_load(c, t->nm->sub, t->nm->rg, t->nm->nsg, &t->view);
out:
    nsg_view_free(&cur);
    return st;
}

void api_nsg_put(struct req *rq, struct reply *rp)
{
    struct nsg_names nm;
    struct nsg_put_in in = {0};
    struct err e = {0};
    struct nsgrule *rules = NULL;
    size_t nrules = 0;
    struct db_conn *c;
    struct db_location loc = {0};
    json_t *tags = NULL;

    if (nsg_names_get(rq, rp, 1, NULL, &nm) != 0)
        return;
    if (!rq->body) {
        reply_error(rp, ERR_INVALID_REQUEST_CONTENT, NULL,
                    "The request needs a JSON body: {\"location\": \"westeurope\", "
                    "\"properties\": {\"securityRules\": []}}.");
        return;
    }
    int problems = jspec_parse(rq->body, nsg_put_spec, &in, "", JSPEC_STRICT, &e);
    if (in.rules)
        problems += nsg_rules_parse(in.rules, &rules, &nrules, &e);
    if (problems) {
        nsg_err_finish(&e);
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
                    "The provided location '%s' is not available for resource type '" NSG_RTYPE
                    "'. Use one of the locations from GET /subscriptions/%s/locations.",
                    in.location, nm.sub);
        goto out;
    }
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        goto out;
    }
    tags = in.tags ? json_incref((json_t *)in.tags) : json_object();
    struct nsg_put_tx t = {.rq = rq,
                           .rp = rp,
                           .nm = &nm,
                           .location = loc.name,
                           .tags = tags,
                           .rules = rules,
                           .nrules = nrules};
    st = db_tx(rq->app->db, nsg_put_run, &t);
    if (st == DB_CONFLICT && t.outcome == NSG_CREATED)
        /* The resource group went away between the check and the insert. */
        nsg_reply_rg_not_found(rp, nm.rg);
    else if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else if (t.outcome == NSG_NO_RG)
        nsg_reply_rg_not_found(rp, nm.rg);
    else if (t.outcome == NSG_MOVED)
        reply_error(rp, ERR_INVALID_RESOURCE_LOCATION, "location",
                    "The resource '%s' already exists in location '%s' in resource group '%s'. A "
                    "resource with the same name cannot be created in location '%s'. Please "
                    "select a new resource name.",
                    nm.nsg, t.had_location, nm.rg, loc.name);
    else if (t.outcome != NSG_PRECONDITION) {
        json_t *body = nsg_json(&t.view.nsg, t.view.rules, t.view.nrules, &t.view.refs);
        if (*t.op_id)
            nsg_mark_updating(rq, rp, body, nm.sub, t.view.nsg.location, t.op_id);
        reply_json(rp, t.outcome == NSG_CREATED ? 201 : 200, body);
    }
    nsg_view_free(&t.view);
out:
    for (size_t i = 0; i < nrules; i++)
        nsgrule_free(&rules[i]);
    free(rules);
    json_decref(tags);
    db_location_free(&loc);
    err_clear(&e);
}

/* --- GET --------------------------------------------------------------------------------- */

struct nsg_get_tx {
    const struct nsg_names *nm;
    int rg_exists;
    int pushing; /* a policy.push of a change is still reaching host agents */
    struct nsg_view view;
};

static enum db_status nsg_get_run(struct db_conn *c, void *arg)
{
    struct nsg_get_tx *t = arg;
    struct db_rg g = {0};
    enum db_status st = nsg_snapshot(c);
    if (st == DB_OK)
        st = nsg_view_load(c, t->nm->sub, t->nm->rg, t->nm->nsg, &t->view);
    if (st == DB_OK) {
        char *rid = nsg_resource_id(t->nm->sub, t->view.nsg.rg_name, t->view.nsg.name);
        st = db_policy_push_pending(c, rid, &t->pushing);
        free(rid);
    }
    if (st == DB_NOT_FOUND) {
        enum db_status rs = db_rg_get(c, t->nm->sub, t->nm->rg, &g);
        db_rg_free(&g);
        if (rs != DB_OK && rs != DB_NOT_FOUND)
            return rs;
        t->rg_exists = rs == DB_OK;
    }
    return st;
}

void api_nsg_get(struct req *rq, struct reply *rp)
{
    struct nsg_names nm;
    if (nsg_names_get(rq, rp, 1, NULL, &nm) != 0)
        return;
    struct nsg_get_tx t = {.nm = &nm};
    enum db_status st = db_tx(rq->app->db, nsg_get_run, &t);
    if (st == DB_NOT_FOUND && !t.rg_exists)
        nsg_reply_rg_not_found(rp, nm.rg);
    else if (st == DB_NOT_FOUND)
        nsg_reply_not_found(rp, nm.rg, nm.nsg);
    else if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else {
        json_t *body = nsg_json(&t.view.nsg, t.view.rules, t.view.nrules, &t.view.refs);
        /* While the last change is still reaching host agents, the group is
         * Updating, as the PUT that made it said. */
        if (t.pushing)
            json_object_set_new(json_object_get(body, "properties"), "provisioningState",
                                json_string("Updating"));
        reply_json(rp, 200, body);
    }
    nsg_view_free(&t.view);
}

/* --- PATCH (tags) ------------------------------------------------------------------------- */

/* A merge-patch of tags: null values remove a tag. */
static const char *nsg_tags_patch_problem(const json_t *v)
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

struct nsg_patch_in {
    const json_t *tags;
};

static const struct jspec nsg_patch_spec[] = {
    JSPEC_FIELD("tags", JSPEC_T_OBJECT, struct nsg_patch_in, tags, 0,
                .check = nsg_tags_patch_problem),
    JSPEC_END,
};

enum nsg_patch_outcome { NSG_PATCH_DONE, NSG_PATCH_PRECONDITION, NSG_PATCH_TOO_MANY };

struct nsg_patch_tx {
    const struct req *rq;
    struct reply *rp;
    const struct nsg_names *nm;
    const json_t *patch; /* the tags member: an object, null (remove all), or NULL (absent) */
    int rg_exists;
    enum nsg_patch_outcome outcome;
    struct nsg_view view;
};

static enum db_status nsg_patch_run(struct db_conn *c, void *arg)
{
    struct nsg_patch_tx *t = arg;
    struct db_rg g = {0};
    nsg_view_free(&t->view);
    t->outcome = NSG_PATCH_DONE;
    char *key = nsg_lock_key(t->nm->sub, t->nm->rg, t->nm->nsg);
    enum db_status st = db_lock_key(c, key);
    free(key);
    if (st == DB_OK)
        st = nsg_view_load(c, t->nm->sub, t->nm->rg, t->nm->nsg, &t->view);
    if (st == DB_NOT_FOUND) {
        enum db_status rs = db_rg_get(c, t->nm->sub, t->nm->rg, &g);
        db_rg_free(&g);
        if (rs != DB_OK && rs != DB_NOT_FOUND)
            return rs;
        t->rg_exists = rs == DB_OK;
        /* If-Match on a group that does not exist: 412, as for a PUT. */
        if (arm_preconditions(t->rq, t->rp, NULL) != 0) {
            t->outcome = NSG_PATCH_PRECONDITION;
            return DB_OK;
        }
        return DB_NOT_FOUND;
    }
    if (st != DB_OK)
        return st;
    if (arm_preconditions(t->rq, t->rp, t->view.nsg.etag) != 0) {
        t->outcome = NSG_PATCH_PRECONDITION;
        return DB_OK;
    }
    json_t *had = json_loads(t->view.nsg.tags, 0, NULL);
    json_t *tags = json_is_object(had) ? json_deep_copy(had) : json_object();
    if (json_is_null(t->patch)) {
        json_object_clear(tags);
    } else if (t->patch) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)t->patch, k, v)
        {
            if (json_is_null(v))
                json_object_del(tags, k);
            else
                json_object_set(tags, k, v);
        }
    }
    if (json_object_size(tags) > NSG_MAX_TAGS) {
        t->outcome = NSG_PATCH_TOO_MANY;
    } else if (!had || !json_equal(had, tags)) {
        char etag[37];
        char *text = json_dumps(tags, JSON_COMPACT | JSON_SORT_KEYS);
        util_uuid4(etag);
        st = db_nsg_update(c, t->view.nsg.id, text, etag, 0);
        free(text);
        if (st == DB_OK)
            st = nsg_view_load(c, t->nm->sub, t->nm->rg, t->nm->nsg, &t->view);
    }
    json_decref(had);
    json_decref(tags);
    return st;
}

void api_nsg_patch(struct req *rq, struct reply *rp)
{
    struct nsg_names nm;
    struct nsg_patch_in in = {0};
    struct err e = {0};
    if (nsg_names_get(rq, rp, 1, NULL, &nm) != 0)
        return;
    if (!rq->body) {
        reply_error(rp, ERR_INVALID_REQUEST_CONTENT, NULL,
                    "The request needs a JSON body: {\"tags\": {\"env\": \"test\"}}.");
        return;
    }
    if (jspec_parse(rq->body, nsg_patch_spec, &in, "", JSPEC_STRICT, &e)) {
        nsg_err_finish(&e);
        reply_error_steal(rp, &e);
        return;
    }
    struct nsg_patch_tx t = {
        .rq = rq, .rp = rp, .nm = &nm, .patch = json_object_get(rq->body, "tags")};
    enum db_status st = db_tx(rq->app->db, nsg_patch_run, &t);
    if (st == DB_NOT_FOUND && !t.rg_exists)
        nsg_reply_rg_not_found(rp, nm.rg);
    else if (st == DB_NOT_FOUND)
        nsg_reply_not_found(rp, nm.rg, nm.nsg);
    else if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else if (t.outcome == NSG_PATCH_TOO_MANY)
        reply_error(rp, ERR_INVALID_REQUEST_CONTENT, "tags",
                    "'tags': the group would have more than %d tags.", NSG_MAX_TAGS);
    else if (t.outcome == NSG_PATCH_DONE)
        reply_json(rp, 200, nsg_json(&t.view.nsg, t.view.rules, t.view.nrules, &t.view.refs));
    nsg_view_free(&t.view);
}

/* --- DELETE ------------------------------------------------------------------------------- */

enum nsg_delete_outcome {
    NSG_DELETED,
    NSG_ABSENT,
    NSG_DEL_NO_RG,
    NSG_DEL_PRECONDITION,
    NSG_IN_USE
};

struct nsg_delete_tx {
    const struct req *rq;
    struct reply *rp;
    const struct nsg_names *nm;
    enum nsg_delete_outcome outcome;
    struct db_nsg_refs refs; /* NSG_IN_USE: who refers to it */
    char stored_name[81];
};

static enum db_status nsg_delete_run(struct db_conn *c, void *arg)
{
    struct nsg_delete_tx *t = arg;
    struct db_nsg n = {0};
    struct db_rg g = {0};
    db_nsg_refs_free(&t->refs);
    char *key = nsg_lock_key(t->nm->sub, t->nm->rg, t->nm->nsg);
    enum db_status st = db_lock_key(c, key);
    free(key);
    if (st == DB_OK)
        st = db_nsg_get(c, t->nm->sub, t->nm->rg, t->nm->nsg, &n);
    if (st == DB_NOT_FOUND) {
        st = db_rg_get(c, t->nm->sub, t->nm->rg, &g);
        db_rg_free(&g);
        if (st == DB_NOT_FOUND) {
            t->outcome = NSG_DEL_NO_RG;
            return DB_OK;
        }
        if (st != DB_OK)
            return st;
        t->outcome = arm_preconditions(t->rq, t->rp, NULL) != 0 ? NSG_DEL_PRECONDITION : NSG_ABSENT;
        return DB_OK;
    }
    if (st != DB_OK)
        return st;
    snprintf(t->stored_name, sizeof(t->stored_name), "%s", n.name);
    if (arm_preconditions(t->rq, t->rp, n.etag) != 0) {
        t->outcome = NSG_DEL_PRECONDITION;
        goto out;
    }
    const char *ids[] = {n.id};
    st = db_nsg_refs_get(c, ids, 1, &t->refs);
    if (st != DB_OK)
        goto out;
    if (t->refs.nnics || t->refs.nsubnets) {
        t->outcome = NSG_IN_USE;
        goto out;
    }
    st = db_nsg_delete(c, n.id);
    t->outcome = NSG_DELETED;
out:
    db_nsg_free(&n);
    return st;
}

/* 409 InUseNetworkSecurityGroupCannotBeDeleted naming (some of) the users. */
static void nsg_reply_in_use(struct reply *rp, const char *name, const struct db_nsg_refs *refs)
{
    struct buf list = {0};
    size_t shown = 0, total = refs->nnics + refs->nsubnets;
    for (size_t i = 0; i < total && shown < 5; i++, shown++) {
        const struct db_nsg_ref *r =
            i < refs->nnics ? &refs->nics[i] : &refs->subnets[i - refs->nnics];
        json_t *o = nsg_ref_json(r);
        buf_appendf(&list, "%s%s", shown ? ", " : "", json_string_value(json_object_get(o, "id")));
        json_decref(o);
    }
    if (total > shown)
        buf_appendf(&list, " and %zu more", total - shown);
    reply_error(rp, ERR_IN_USE_NSG, "networkSecurityGroupName",
                "Network security group %s cannot be deleted because it is in use by %s. "
                "Dissociate it from them first.",
                name, list.data ? list.data : "another resource");
    buf_free(&list);
}

void api_nsg_delete(struct req *rq, struct reply *rp)
{
    struct nsg_names nm;
    if (nsg_names_get(rq, rp, 1, NULL, &nm) != 0)
        return;
    struct nsg_delete_tx t = {.rq = rq, .rp = rp, .nm = &nm};
    enum db_status st = db_tx(rq->app->db, nsg_delete_run, &t);
    if (st == DB_CONFLICT)
        /* A NIC or subnet started referring to it after the check. */
        reply_error(rp, ERR_IN_USE_NSG, "networkSecurityGroupName",
                    "Network security group %s cannot be deleted because it is in use. "
                    "Dissociate it from the network interfaces and subnets that use it first.",
                    nm.nsg);
    else if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else if (t.outcome == NSG_DEL_NO_RG)
        nsg_reply_rg_not_found(rp, nm.rg);
    else if (t.outcome == NSG_IN_USE)
        nsg_reply_in_use(rp, t.stored_name, &t.refs);
    else if (t.outcome == NSG_ABSENT)
        reply_empty(rp, 204);
    else if (t.outcome == NSG_DELETED)
        reply_empty(rp, 200);
    db_nsg_refs_free(&t.refs);
}

/* --- lists -------------------------------------------------------------------------------- */

struct nsg_list_tx {
    const struct nsg_names *nm; /* nm->rg NULL: the whole subscription */
    const struct arm_page *pg;
    int rg_missing;
    struct db_nsg *items;
    size_t n;
    struct db_secrule *rules;
    size_t nrules;
    struct db_nsg_refs refs;
};

static void nsg_list_tx_free(struct nsg_list_tx *t)
{
    db_nsg_list_free(t->items, t->n);
    db_secrule_list_free(t->rules, t->nrules);
    db_nsg_refs_free(&t->refs);
    t->items = NULL;
    t->rules = NULL;
    t->n = t->nrules = 0;
}

static enum db_status nsg_list_run(struct db_conn *c, void *arg)
{
    struct nsg_list_tx *t = arg;
    struct db_rg g = {0};
    char *after_rg = NULL;
    const char *after_name = t->pg->after;
    nsg_list_tx_free(t);
    enum db_status st = nsg_snapshot(c);
    if (st == DB_OK && t->nm->rg) {
        st = db_rg_get(c, t->nm->sub, t->nm->rg, &g);
        db_rg_free(&g);
        if (st == DB_NOT_FOUND) {
            t->rg_missing = 1;
            return DB_OK;
        }
    }
    if (st != DB_OK)
        return st;
    if (!t->nm->rg && t->pg->after) {
        /* The subscription-wide key is "rg_key/name" (a group name has no '/'). */
        const char *slash = strchr(t->pg->after, '/');
        after_rg = util_xstrndup(t->pg->after,
                                 slash ? (size_t)(slash - t->pg->after) : strlen(t->pg->after));
        after_name = slash ? slash + 1 : "";
    }
    st = db_nsg_list(c, t->nm->sub, t->nm->rg, after_rg, after_name, t->pg->top + 1, &t->items,
                     &t->n);
    free(after_rg);
    size_t shown = t->n > (size_t)t->pg->top ? (size_t)t->pg->top : t->n;
    if (st == DB_OK && shown) {
        const char **ids = util_xcalloc(shown, sizeof(*ids));
        for (size_t i = 0; i < shown; i++)
            ids[i] = t->items[i].id;
        st = db_secrule_list(c, ids, shown, NULL, 0, &t->rules, &t->nrules);
        if (st == DB_OK)
            st = db_nsg_refs_get(c, ids, shown, &t->refs);
        free(ids);
    }
    return st;
}

static void nsg_list(struct req *rq, struct reply *rp, int whole_subscription)
{
    struct nsg_names nm;
    struct arm_page pg;
    if (nsg_names_get(rq, rp, 0, NULL, &nm) != 0)
        return;
    if (whole_subscription)
        nm.rg = NULL;
    if (arm_page_parse(rq, rp, &pg) != 0)
        return;
    struct nsg_list_tx t = {.nm = &nm, .pg = &pg};
    enum db_status st = db_tx(rq->app->db, nsg_list_run, &t);
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
    } else if (t.rg_missing) {
        nsg_reply_rg_not_found(rp, nm.rg);
    } else {
        json_t *value = json_array();
        size_t shown = t.n > (size_t)pg.top ? (size_t)pg.top : t.n;
        char *last = NULL;
        for (size_t i = 0; i < shown; i++)
            json_array_append_new(value, nsg_json(&t.items[i], t.rules, t.nrules, &t.refs));
        if (shown) {
            const struct db_nsg *l = &t.items[shown - 1];
            last = whole_subscription ? util_asprintf("%s/%s", l->rg_key, l->name)
                                      : util_xstrdup(l->name);
            /* The key is lower case, as the list is ordered. */
            for (char *p = last; *p; p++)
                *p = (char)tolower((unsigned char)*p);
        }
        json_t *list = json_pack("{s:o}", "value", value);
        arm_page_finish(rq, &pg, list, t.n > shown, last);
        free(last);
        reply_json(rp, 200, list);
    }
    nsg_list_tx_free(&t);
    arm_page_free(&pg);
}

void api_nsg_list(struct req *rq, struct reply *rp)
{
    nsg_list(rq, rp, 0);
}

void api_nsg_list_all(struct req *rq, struct reply *rp)
{
    nsg_list(rq, rp, 1);
}
