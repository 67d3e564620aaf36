/* Security rules as child resources of their group:
 * .../networkSecurityGroups/{networkSecurityGroupName}/securityRules/{securityRuleName},
 * and Azure's default rules (read-only):
 * .../networkSecurityGroups/{networkSecurityGroupName}/defaultSecurityRules[/{name}].
 * Every change to a group's rules bumps its generation and gives the group
 * a new etag (its body shows the rules). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/arm.h"
#include "api/nsg.h"
#include "api/operation.h"
#include "common/jspec.h"
#include "common/util.h"
#include "db/policy.h"
#include "db/resource_group.h"

/* The group a child request names: DB_NOT_FOUND with *rg_exists saying
 * whether its resource group exists. */
static enum db_status secrule_parent(struct db_conn *c, const struct nsg_names *nm,
                                     struct db_nsg *out, int *rg_exists)
{
    struct db_rg g = {0};
    enum db_status st = db_nsg_get(c, nm->sub, nm->rg, nm->nsg, out);
    if (st != DB_NOT_FOUND)
        return st;
    enum db_status rs = db_rg_get(c, nm->sub, nm->rg, &g);
    db_rg_free(&g);
    if (rs != DB_OK && rs != DB_NOT_FOUND)
        return rs;
    *rg_exists = rs == DB_OK;
    return DB_NOT_FOUND;
}

static void secrule_reply_parent_missing(struct reply *rp, const struct nsg_names *nm,
                                         int rg_exists)
{
    if (rg_exists)
        nsg_reply_parent_not_found(rp, nm->rg, nm->nsg);
    else
        nsg_reply_rg_not_found(rp, nm->rg);
}

static void secrule_reply_not_found(struct reply *rp, const struct nsg_names *nm,
                                    const char *child_type, const char *param)
{
    reply_error(rp, ERR_RESOURCE_NOT_FOUND, param,
                "The Resource '" NSG_RTYPE "/%s/%s/%s' under resource group '%s' was not found.",
                nm->nsg, child_type, nm->rule, nm->rg);
}

static char *secrule_lock_key(const struct nsg_names *nm)
{
    char *type = util_asprintf(NSG_RTYPE "/%s/securityRules", nm->nsg);
    char *key = arm_lock_key(nm->sub, nm->rg, type, nm->rule);
    free(type);
    return key;
}

/* --- PUT ------------------------------------------------------------------------------ */

struct secrule_put_in {
    const char *name;
    const json_t *properties;
};

static const struct jspec secrule_put_spec[] = {
    JSPEC_STRING("name", struct secrule_put_in, name, 0),
    JSPEC_FIELD("properties", JSPEC_T_OBJECT, struct secrule_put_in, properties, JSPEC_REQUIRED),
    /* Read-only members a GET returns; accepted and ignored. */
    {.name = "id", .type = JSPEC_T_STRING, .offset = (size_t)-1, .present_offset = (size_t)-1},
    {.name = "etag", .type = JSPEC_T_STRING, .offset = (size_t)-1, .present_offset = (size_t)-1},
    {.name = "type", .type = JSPEC_T_STRING, .offset = (size_t)-1, .present_offset = (size_t)-1},
    JSPEC_END,
};

enum secrule_put_outcome {
    SECRULE_CREATED,
    SECRULE_UPDATED,
    SECRULE_UNCHANGED,
    SECRULE_PRECONDITION,
    SECRULE_CONFLICT,
    SECRULE_NO_PARENT,
};

struct secrule_put_tx {
    const struct req *rq;
    struct reply *rp;
    const struct nsg_names *nm;
    struct nsgrule *rule; /* the requested rule; its name is set here */
    enum secrule_put_outcome outcome;
    int rg_exists;
    char conflict_with[81];
    struct db_nsg nsg;     /* the group afterwards */
    struct db_secrule out; /* the rule afterwards */
    char op_id[37];        /* the policy.push of the change ("" when none) */
};

static enum db_status secrule_put_run(struct db_conn *c, void *arg)
{
    struct secrule_put_tx *t = arg;
    t->op_id[0] = '\0';
    struct db_secrule *all = NULL;
    size_t nall = 0;
    db_nsg_free(&t->nsg);
    db_secrule_free(&t->out);
    char *key = nsg_lock_key(t->nm->sub, t->nm->rg, t->nm->nsg);
    enum db_status st = db_lock_key(c, key);
    free(key);
    if (st == DB_OK) {
        key = secrule_lock_key(t->nm);
        st = db_lock_key(c, key);
        free(key);
    }
    if (st == DB_OK)
        st = secrule_parent(c, t->nm, &t->nsg, &t->rg_exists);
    if (st == DB_NOT_FOUND) {
        t->outcome = SECRULE_NO_PARENT;
        return DB_OK;
    }
    if (st != DB_OK)
        return st;
    const char *ids[] = {t->nsg.id};
    st = db_secrule_list(c, ids, 1, NULL, 0, &all, &nall);
    if (st != DB_OK)
        goto out;
    const struct db_secrule *existing = NULL;
    for (size_t i = 0; i < nall; i++)
        if (strcasecmp(all[i].rule.name, t->nm->rule) == 0)
            existing = &all[i];
    if (arm_preconditions(t->rq, t->rp, existing ? existing->etag : NULL) != 0) {
        t->outcome = SECRULE_PRECONDITION;
        goto out;
    }
    for (size_t i = 0; i < nall; i++) {
        if (&all[i] != existing && nsgrule_conflict(&all[i].rule, t->rule)) {
            snprintf(t->conflict_with, sizeof(t->conflict_with), "%s", all[i].rule.name);
            t->outcome = SECRULE_CONFLICT;
            goto out;
        }
    }
    char id[37], etag[37];
    if (existing && nsgrule_equal(&existing->rule, t->rule)) {
        /* The same PUT again changes nothing: not the rule, its etag, the
         * group's etag or the generation. */
        t->outcome = SECRULE_UNCHANGED;
        st = db_secrule_get(c, t->nsg.id, t->nm->rule, &t->out);
        goto out;
    }
    if (existing) {
        /* Names keep the case they were created with. */
        snprintf(id, sizeof(id), "%s", existing->id);
        t->rule->name = util_xstrdup(existing->rule.name);
        st = db_secrule_delete(c, existing->id);
        t->outcome = SECRULE_UPDATED;
    } else {
        util_uuid4(id);
        t->rule->name = util_xstrdup(t->nm->rule);
        t->outcome = SECRULE_CREATED;
    }
    util_uuid4(etag);
    if (st == DB_OK)
        st = db_secrule_insert(c, id, t->nsg.id, etag, t->rule);
    free(t->rule->name);
    t->rule->name = NULL;
    if (st == DB_OK) {
        char nsg_etag[37];
        util_uuid4(nsg_etag);
        st = db_nsg_update(c, t->nsg.id, t->nsg.tags, nsg_etag, 1);
    }
    if (st == DB_OK) {
        char *rid = nsg_resource_id(t->nm->sub, t->nsg.rg_name, t->nsg.name);
        st = db_policy_enqueue(c, t->nsg.id, NULL, t->nm->sub, t->nsg.location, rid, t->op_id);
        free(rid);
    }
    if (st == DB_OK)
        st = db_secrule_get(c, t->nsg.id, t->nm->rule, &t->out);
    if (st == DB_OK) {
        db_nsg_free(&t->nsg);
        st = db_nsg_get(c, t->nm->sub, t->nm->rg, t->nm->nsg, &t->nsg);
    }
out:
    db_secrule_list_free(all, nall);
    return st;
}

void api_secrule_put(struct req *rq, struct reply *rp)
{
    struct nsg_names nm;
    struct secrule_put_in in = {0};
    struct nsgrule rule = {0};
    struct err e = {0};
    if (nsg_names_get(rq, rp, 1, "securityRuleName", &nm) != 0)
        return;
    if (!rq->body) {
        reply_error(rp, ERR_INVALID_REQUEST_CONTENT, NULL,
                    "The request needs a JSON body: {\"properties\": {\"protocol\": \"Tcp\", "
                    "\"access\": \"Allow\", \"direction\": \"Inbound\", \"priority\": 100, ...}}.");
        return;
    }
    int problems = jspec_parse(rq->body, secrule_put_spec, &in, "", JSPEC_STRICT, &e);
    if (in.name && strcasecmp(in.name, nm.rule) != 0) {
        err_add_detail(&e, ERR_INVALID_REQUEST_CONTENT, "name",
                       "'name' is '%s' but the path names the rule '%s'; leave 'name' out or "
                       "make them the same.",
                       in.name, nm.rule);
        problems++;
    }
    if (in.properties)
        problems += nsgrule_parse(in.properties, "properties", &rule, &e);
    if (problems) {
        nsg_err_finish(&e);
        reply_error_steal(rp, &e);
        nsgrule_free(&rule);
        return;
    }
    struct secrule_put_tx t = {.rq = rq, .rp = rp, .nm = &nm, .rule = &rule};
    enum db_status st = db_tx(rq->app->db, secrule_put_run, &t);
    if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else if (t.outcome == SECRULE_NO_PARENT)
        secrule_reply_parent_missing(rp, &nm, t.rg_exists);
    else if (t.outcome == SECRULE_CONFLICT)
        reply_error(rp, ERR_SECURITY_RULE_CONFLICT, "properties.priority",
                    "Security rule %s conflicts with rule %s. Rules cannot have the same Priority "
                    "and Direction (%d, %s).",
                    nm.rule, t.conflict_with, rule.priority,
                    nsgrule_direction_name(rule.direction));
    else if (t.outcome != SECRULE_PRECONDITION) {
        json_t *body = nsg_rule_json(&t.nsg, &t.out);
        if (*t.op_id)
            nsg_mark_updating(rq, rp, body, nm.sub, t.nsg.location, t.op_id);
        reply_json(rp, t.outcome == SECRULE_CREATED ? 201 : 200, body);
    }
    db_nsg_free(&t.nsg);
    db_secrule_free(&t.out);
    nsgrule_free(&rule);
}

/* --- GET ------------------------------------------------------------------------------ */

struct secrule_get_tx {
    const struct nsg_names *nm;
    int rg_exists, parent_missing;
    struct db_nsg nsg;
    struct db_secrule out;
};

static enum db_status secrule_get_run(struct db_conn *c, void *arg)
{
    struct secrule_get_tx *t = arg;
    db_nsg_free(&t->nsg);
    db_secrule_free(&t->out);
    enum db_status st = nsg_snapshot(c);
    if (st == DB_OK)
        st = secrule_parent(c, t->nm, &t->nsg, &t->rg_exists);
    if (st == DB_NOT_FOUND) {
        t->parent_missing = 1;
        return DB_OK;
    }
    if (st == DB_OK)
        st = db_secrule_get(c, t->nsg.id, t->nm->rule, &t->out);
    return st;
}

void api_secrule_get(struct req *rq, struct reply *rp)
{
    struct nsg_names nm;
    if (nsg_names_get(rq, rp, 1, "securityRuleName", &nm) != 0)
        return;
    struct secrule_get_tx t = {.nm = &nm};
    enum db_status st = db_tx(rq->app->db, secrule_get_run, &t);
    if (st == DB_NOT_FOUND)
        secrule_reply_not_found(rp, &nm, "securityRules", "securityRuleName");
    else if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else if (t.parent_missing)
        secrule_reply_parent_missing(rp, &nm, t.rg_exists);
    else
        reply_json(rp, 200, nsg_rule_json(&t.nsg, &t.out));
    db_nsg_free(&t.nsg);
    db_secrule_free(&t.out);
}

/* --- DELETE ---------------------------------------------------------------------------- */

enum secrule_delete_outcome {
    SECRULE_DELETED,
    SECRULE_ABSENT,
    SECRULE_DEL_PRECONDITION,
    SECRULE_DEL_NO_PARENT,
};

struct secrule_delete_tx {
    const struct req *rq;
    struct reply *rp;
    const struct nsg_names *nm;
    enum secrule_delete_outcome outcome;
    int rg_exists;
    char op_id[37]; /* the policy.push of the change ("" when none) */
    char location[65];
};

static enum db_status secrule_delete_run(struct db_conn *c, void *arg)
{
    struct secrule_delete_tx *t = arg;
    t->op_id[0] = '\0';
    struct db_nsg n = {0};
    struct db_secrule cur = {0};
    char *key = nsg_lock_key(t->nm->sub, t->nm->rg, t->nm->nsg);
    enum db_status st = db_lock_key(c, key);
    free(key);
    if (st == DB_OK) {
        key = secrule_lock_key(t->nm);
        st = db_lock_key(c, key);
        free(key);
    }
    if (st == DB_OK)
        st = secrule_parent(c, t->nm, &n, &t->rg_exists);
    if (st == DB_NOT_FOUND) {
        t->outcome = SECRULE_DEL_NO_PARENT;
        return DB_OK;
    }
    if (st != DB_OK)
        return st;
    st = db_secrule_get(c, n.id, t->nm->rule, &cur);
    if (st != DB_OK && st != DB_NOT_FOUND)
        goto out;
    int exists = st == DB_OK;
    st = DB_OK;
    if (arm_preconditions(t->rq, t->rp, exists ? cur.etag : NULL) != 0) {
        t->outcome = SECRULE_DEL_PRECONDITION;
        goto out;
    }
    if (!exists) {
        t->outcome = SECRULE_ABSENT;
        goto out;
    }
    st = db_secrule_delete(c, cur.id);
    if (st == DB_OK) {
        char etag[37];
        util_uuid4(etag);
        st = db_nsg_update(c, n.id, n.tags, etag, 1);
    }
    if (st == DB_OK) {
        char *rid = nsg_resource_id(t->nm->sub, n.rg_name, n.name);
        st = db_policy_enqueue(c, n.id, NULL, t->nm->sub, n.location, rid, t->op_id);
        snprintf(t->location, sizeof(t->location), "%s", n.location);
        free(rid);
    }
    t->outcome = SECRULE_DELETED;
out:
    db_nsg_free(&n);
    db_secrule_free(&cur);
    return st;
}

void api_secrule_delete(struct req *rq, struct reply *rp)
{
    struct nsg_names nm;
    if (nsg_names_get(rq, rp, 1, "securityRuleName", &nm) != 0)
        return;
    struct secrule_delete_tx t = {.rq = rq, .rp = rp, .nm = &nm};
    enum db_status st = db_tx(rq->app->db, secrule_delete_run, &t);
    if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else if (t.outcome == SECRULE_DEL_NO_PARENT)
        secrule_reply_parent_missing(rp, &nm, t.rg_exists);
    else if (t.outcome == SECRULE_ABSENT)
        reply_empty(rp, 204);
    else if (t.outcome == SECRULE_DELETED && *t.op_id) {
        /* ARM's long-running delete: 202 while the hosts are updated. */
        api_op_headers(rq, rp, nm.sub, t.location, t.op_id);
        reply_empty(rp, 202);
    } else if (t.outcome == SECRULE_DELETED)
        reply_empty(rp, 200);
}

/* --- lists ------------------------------------------------------------------------------ */

struct secrule_list_tx {
    const struct nsg_names *nm;
    const struct arm_page *pg;
    int rg_exists, parent_missing;
    struct db_nsg nsg;
    struct db_secrule *items;
    size_t n;
};

static enum db_status secrule_list_run(struct db_conn *c, void *arg)
{
    struct secrule_list_tx *t = arg;
    db_nsg_free(&t->nsg);
    db_secrule_list_free(t->items, t->n);
    t->items = NULL;
    t->n = 0;
    enum db_status st = nsg_snapshot(c);
    if (st == DB_OK)
        st = secrule_parent(c, t->nm, &t->nsg, &t->rg_exists);
    if (st == DB_NOT_FOUND) {
        t->parent_missing = 1;
        return DB_OK;
    }
    const char *ids[] = {t->nsg.id};
    if (st == DB_OK)
        st = db_secrule_list(c, ids, 1, t->pg->after, t->pg->top + 1, &t->items, &t->n);
    return st;
}

/* The last key of a page, lower case (the list is ordered that way). */
static char *secrule_page_key(const char *name)
{
    char *k = util_xstrdup(name);
    for (char *p = k; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return k;
}

void api_secrule_list(struct req *rq, struct reply *rp)
{
    struct nsg_names nm;
    struct arm_page pg;
    if (nsg_names_get(rq, rp, 1, NULL, &nm) != 0)
        return;
    if (arm_page_parse(rq, rp, &pg) != 0)
        return;
    struct secrule_list_tx t = {.nm = &nm, .pg = &pg};
    enum db_status st = db_tx(rq->app->db, secrule_list_run, &t);
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
    } else if (t.parent_missing) {
        secrule_reply_parent_missing(rp, &nm, t.rg_exists);
    } else {
        json_t *value = json_array();
        size_t shown = t.n > (size_t)pg.top ? (size_t)pg.top : t.n;
        for (size_t i = 0; i < shown; i++)
            json_array_append_new(value, nsg_rule_json(&t.nsg, &t.items[i]));
        char *last = shown ? secrule_page_key(t.items[shown - 1].rule.name) : NULL;
        json_t *list = json_pack("{s:o}", "value", value);
        arm_page_finish(rq, &pg, list, t.n > shown, last);
        free(last);
        reply_json(rp, 200, list);
    }
    db_nsg_free(&t.nsg);
    db_secrule_list_free(t.items, t.n);
    arm_page_free(&pg);
}

/* --- default rules ------------------------------------------------------------------------- */

struct secrule_default_tx {
    const struct nsg_names *nm;
    int rg_exists, parent_missing;
    struct db_nsg nsg;
};

static enum db_status secrule_default_run(struct db_conn *c, void *arg)
{
    struct secrule_default_tx *t = arg;
    db_nsg_free(&t->nsg);
    enum db_status st = secrule_parent(c, t->nm, &t->nsg, &t->rg_exists);
    if (st == DB_NOT_FOUND) {
        t->parent_missing = 1;
        return DB_OK;
    }
    return st;
}

void api_nsg_default_rule_list(struct req *rq, struct reply *rp)
{
    struct nsg_names nm;
    struct arm_page pg;
    size_t ndefs, start = 0;
    const struct nsgrule *defs = nsgrule_defaults(&ndefs);
    if (nsg_names_get(rq, rp, 1, NULL, &nm) != 0)
        return;
    if (arm_page_parse(rq, rp, &pg) != 0)
        return;
    if (pg.after) {
        /* The six are in ARM's order, not by name: the key is the last name shown. */
        for (start = 0; start < ndefs; start++)
            if (strcasecmp(defs[start].name, pg.after) == 0)
                break;
        if (start == ndefs) {
            reply_error(rp, ERR_INVALID_QUERY_PARAMETER, "$skipToken",
                        "The $skipToken is not one this service issued; use the nextLink of "
                        "the previous page as it is.");
            arm_page_free(&pg);
            return;
        }
        start++;
    }
    struct secrule_default_tx t = {.nm = &nm};
    enum db_status st = db_tx(rq->app->db, secrule_default_run, &t);
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
    } else if (t.parent_missing) {
        secrule_reply_parent_missing(rp, &nm, t.rg_exists);
    } else {
        json_t *value = json_array();
        size_t end = start + (size_t)pg.top < ndefs ? start + (size_t)pg.top : ndefs;
        for (size_t i = start; i < end; i++)
            json_array_append_new(value, nsg_default_rule_json(&t.nsg, &defs[i]));
        char *last = end > start ? secrule_page_key(defs[end - 1].name) : NULL;
        json_t *list = json_pack("{s:o}", "value", value);
        arm_page_finish(rq, &pg, list, end < ndefs, last);
        free(last);
        reply_json(rp, 200, list);
    }
    db_nsg_free(&t.nsg);
    arm_page_free(&pg);
}

void api_nsg_default_rule_get(struct req *rq, struct reply *rp)
{
    struct nsg_names nm;
    size_t ndefs;
    const struct nsgrule *defs = nsgrule_defaults(&ndefs);
    if (nsg_names_get(rq, rp, 1, "defaultSecurityRuleName", &nm) != 0)
        return;
    struct secrule_default_tx t = {.nm = &nm};
    enum db_status st = db_tx(rq->app->db, secrule_default_run, &t);
    const struct nsgrule *found = NULL;
    for (size_t i = 0; i < ndefs; i++)
        if (strcasecmp(defs[i].name, nm.rule) == 0)
            found = &defs[i];
    if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else if (t.parent_missing)
        secrule_reply_parent_missing(rp, &nm, t.rg_exists);
    else if (!found)
        secrule_reply_not_found(rp, &nm, "defaultSecurityRules", "defaultSecurityRuleName");
    else
        reply_json(rp, 200, nsg_default_rule_json(&t.nsg, found));
    db_nsg_free(&t.nsg);
}
