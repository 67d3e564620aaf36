/* Resource groups: /subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName} */
#include "api/api.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "api/arm.h"
#include "api/operation.h"
#include "common/jspec.h"
#include "common/util.h"
#include "db/catalog.h"
#include "db/op.h"
#include "db/resource_group.h"

struct rg_put_req {
    const char *location;
    const json_t *tags;
};

static const struct jspec rg_properties_spec[] = {
    /* provisioningState is read-only; accepted and ignored as ARM does. */
    {.name = "provisioningState",
     .type = JSPEC_T_STRING,
     .offset = (size_t)-1,
     .present_offset = (size_t)-1},
    JSPEC_END,
};

static const struct jspec rg_put_spec[] = {
    JSPEC_STRING("location", struct rg_put_req, location, JSPEC_REQUIRED, .min_len = 1,
                 .max_len = 64),
    JSPEC_FIELD("tags", JSPEC_T_OBJECT, struct rg_put_req, tags, 0, .check = arm_tags_problem),
    JSPEC_OBJECT("properties", 0, rg_properties_spec),
    /* Read-only members a client may send back from a GET. */
    {.name = "id", .type = JSPEC_T_STRING, .offset = (size_t)-1, .present_offset = (size_t)-1},
    {.name = "name", .type = JSPEC_T_STRING, .offset = (size_t)-1, .present_offset = (size_t)-1},
    {.name = "type", .type = JSPEC_T_STRING, .offset = (size_t)-1, .present_offset = (size_t)-1},
    {.name = "etag", .type = JSPEC_T_STRING, .offset = (size_t)-1, .present_offset = (size_t)-1},
    JSPEC_END,
};

static json_t *rg_json(const struct db_rg *g)
{
    char *id = util_asprintf("/subscriptions/%s/resourceGroups/%s", g->subscription_id, g->name);
    char *etag = arm_etag(g->etag);
    json_t *tags = json_loads(g->tags, 0, NULL);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:{s:s}}", "id", id, "name", g->name,
                          "type", "Microsoft.Resources/resourceGroups", "location", g->location,
                          "etag", etag, "tags", tags ? tags : json_object(), "properties",
                          "provisioningState", "Succeeded");
    free(id);
    free(etag);
    return o;
}

static json_t *rg_item_json(const void *item, const void *ctx)
{
    (void)ctx;
    return rg_json(item);
}

/* Lists are ordered by the lower-cased name. */
static char *rg_item_key(const void *item)
{
    return util_xstrdup(((const struct db_rg *)item)->name);
}

/* The group name from the path, checked; NULL with a 400 in rp if bad. */
static const char *rg_name_param(struct req *rq, struct reply *rp)
{
    const char *name = req_param(rq, "resourceGroupName");
    const char *why = name ? arm_rg_name_problem(name) : "is missing";
    if (why) {
        reply_error(rp, ERR_INVALID_RESOURCE_NAME, "resourceGroupName",
                    "The resource group name '%s' is not valid: it %s.", name ? name : "", why);
        return NULL;
    }
    return name;
}

static void rg_not_found(struct reply *rp, const char *name)
{
    reply_error(rp, ERR_RESOURCE_GROUP_NOT_FOUND, "resourceGroupName",
                "Resource group '%s' could not be found.", name);
}

/* The outcome of a PUT, decided inside its transaction. */
enum rg_put_outcome { RG_CREATED, RG_UPDATED, RG_UNCHANGED, RG_PRECONDITION, RG_MOVED };

struct rg_put_tx {
    const struct req *rq;
    struct reply *rp; /* for a 412 from arm_preconditions */
    const char *sub, *name, *location;
    json_t *tags; /* the requested tags (borrowed) */
    enum rg_put_outcome outcome;
    struct db_rg cur, out;
};

static enum db_status rg_put_run(struct db_conn *c, void *arg)
{
    struct rg_put_tx *t = arg;
    char etag[37];
    int created = 0;
    db_rg_free(&t->cur);
    db_rg_free(&t->out);
    memset(&t->cur, 0, sizeof(t->cur));
    char *key = arm_lock_key(t->sub, "", "resourceGroups", t->name);
    enum db_status st = db_lock_key(c, key);
    free(key);
    if (st == DB_OK)
        st = db_rg_get(c, t->sub, t->name, &t->cur);
    if (st != DB_OK && st != DB_NOT_FOUND)
        return st;
    int exists = st == DB_OK;
    if (arm_preconditions(t->rq, t->rp, exists ? t->cur.etag : NULL) != 0) {
        t->outcome = RG_PRECONDITION;
        return DB_OK;
    }
    if (exists && strcmp(t->cur.location, t->location) != 0) {
        t->outcome = RG_MOVED;
        return DB_OK;
    }
    if (exists) {
        /* The same PUT twice changes nothing, not even the etag. */
        json_t *had = json_loads(t->cur.tags, 0, NULL);
        int same = had && json_equal(had, t->tags);
        json_decref(had);
        if (same) {
            t->outcome = RG_UNCHANGED;
            return DB_OK;
        }
    }
    char *tags = json_dumps(t->tags, JSON_COMPACT);
    util_uuid4(etag);
    st = db_rg_upsert(c, t->sub, t->name, t->location, tags, etag, &created, &t->out);
    free(tags);
    t->outcome = created ? RG_CREATED : RG_UPDATED;
    return st;
}

void api_rg_put(struct req *rq, struct reply *rp)
{
    struct rg_put_req in = {0};
    struct err e = {0};
    struct db_conn *c = NULL;
    struct db_location loc = {0};
    const char *sub = req_param(rq, "subscriptionId");
    const char *name = rg_name_param(rq, rp);

    if (!name)
        return;
    if (!rq->body) {
        reply_error(rp, ERR_INVALID_REQUEST_CONTENT, NULL,
                    "The request needs a JSON body: {\"location\": \"westeurope\", \"tags\": {}}.");
        return;
    }
    if (jspec_parse(rq->body, rg_put_spec, &in, "", JSPEC_STRICT, &e)) {
        reply_error_steal(rp, &e);
        return;
    }
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        st = db_location_get(c, in.location, &loc);
        db_release(rq->app->db, c);
    }
    if (st == DB_NOT_FOUND) {
        reply_error(rp, ERR_LOCATION_NOT_AVAILABLE, "location",
                    "The location '%s' is not available. Use one of the locations from GET "
                    "/subscriptions/%s/locations.",
                    in.location, sub);
        return;
    }
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        return;
    }
    json_t *tags = in.tags ? json_incref((json_t *)in.tags) : json_object();
    struct rg_put_tx t = {
        .rq = rq, .rp = rp, .sub = sub, .name = name, .location = loc.name, .tags = tags};
    st = db_tx(rq->app->db, rg_put_run, &t);
    if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else if (t.outcome == RG_MOVED)
        reply_error(rp, ERR_INVALID_RESOURCE_GROUP_LOCATION, "location",
                    "Resource group '%s' already exists in location '%s'; it cannot be moved "
                    "to '%s'.",
                    t.cur.name, t.cur.location, loc.name);
    else if (t.outcome == RG_UNCHANGED)
        reply_json(rp, 200, rg_json(&t.cur));
    else if (t.outcome != RG_PRECONDITION)
        reply_json(rp, t.outcome == RG_CREATED ? 201 : 200, rg_json(&t.out));
    json_decref(tags);
    db_location_free(&loc);
    db_rg_free(&t.cur);
    db_rg_free(&t.out);
}

void api_rg_get(struct req *rq, struct reply *rp)
{
    struct db_conn *c;
    struct db_rg g = {0};
    const char *sub = req_param(rq, "subscriptionId");
    const char *name = rg_name_param(rq, rp);
    if (!name)
        return;
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        st = db_rg_get(c, sub, name, &g);
        db_release(rq->app->db, c);
    }
    if (st == DB_NOT_FOUND)
        rg_not_found(rp, name);
    else if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else
        reply_json(rp, 200, rg_json(&g));
    db_rg_free(&g);
}

struct rg_delete_tx {
    const struct req *rq;
    struct reply *rp;
    const char *sub, *name;
    int precondition_failed;
};

static enum db_status rg_delete_run(struct db_conn *c, void *arg)
{
    struct rg_delete_tx *t = arg;
    struct db_rg g = {0};
    char *key = arm_lock_key(t->sub, "", "resourceGroups", t->name);
    enum db_status st = db_lock_key(c, key);
    free(key);
    if (st == DB_OK)
        st = db_rg_get(c, t->sub, t->name, &g);
    if (st != DB_OK && st != DB_NOT_FOUND)
        return st;
    int exists = st == DB_OK;
    t->precondition_failed = arm_preconditions(t->rq, t->rp, exists ? g.etag : NULL) != 0;
    db_rg_free(&g);
    if (t->precondition_failed)
        return DB_OK;
    return exists ? db_rg_delete(c, t->sub, t->name) : DB_NOT_FOUND;
}

/* A group with resources is deleted by an rg.delete operation (its VMs
 * first, then its network interfaces, virtual networks and network security
 * groups: service/vmwork.c). One at a time per group: a second DELETE answers
 * with the operation already under way. */
struct rg_cascade_tx {
    const char *sub, *name;
    char op_id[37];
    char location[65];
    int gone;
};

static enum db_status rg_cascade_run(struct db_conn *c, void *arg)
{
    struct rg_cascade_tx *t = arg;
    struct db_rg g = {0};
    struct db_op other = {0};
    t->gone = 0;
    char *key = arm_lock_key(t->sub, "", "resourceGroups", t->name);
    enum db_status st = db_lock_key(c, key);
    free(key);
    if (st == DB_OK)
        st = db_rg_get(c, t->sub, t->name, &g);
    if (st == DB_NOT_FOUND) {
        t->gone = 1;
        return DB_OK;
    }
    if (st != DB_OK)
        return st;
    char *rid = util_asprintf("/subscriptions/%s/resourceGroups/%s", g.subscription_id, g.name);
    snprintf(t->location, sizeof(t->location), "%s", g.location);
    st = db_op_active_for_resource(c, t->sub, "rg.delete", rid, &other);
    if (st == DB_OK) {
        snprintf(t->op_id, sizeof(t->op_id), "%s", other.id);
    } else if (st == DB_NOT_FOUND) {
        json_t *params = json_pack("{s:s}", "resourceGroup", g.name);
        util_uuid4(t->op_id);
        st = db_op_insert(c, t->op_id, t->sub, g.location, "rg.delete", rid, NULL, params,
                          "InProgress");
        json_decref(params);
    }
    db_op_free(&other);
    free(rid);
    db_rg_free(&g);
    return st;
}

/* HEAD: ARM's CheckExistence, 204 when the group exists, 404 when not. */
void api_rg_head(struct req *rq, struct reply *rp)
{
    api_rg_get(rq, rp);
    if (rp->status == 200)
        reply_empty(rp, 204);
}

void api_rg_delete(struct req *rq, struct reply *rp)
{
    const char *name = rg_name_param(rq, rp);
    if (!name)
        return;
    struct rg_delete_tx t = {
        .rq = rq, .rp = rp, .sub = req_param(rq, "subscriptionId"), .name = name};
    enum db_status st = db_tx(rq->app->db, rg_delete_run, &t);
    if (t.precondition_failed && st == DB_OK)
        return; /* the 412 is in rp */
    if (st == DB_NOT_FOUND)
        reply_empty(rp, 204);
    else if (st == DB_CONFLICT) {
        /* Resources in the group still refer to it (foreign keys): delete
         * them, then the group, as a long-running operation. */
        struct rg_cascade_tx ct = {.sub = t.sub, .name = name};
        st = db_tx(rq->app->db, rg_cascade_run, &ct);
        if (st != DB_OK) {
            reply_db_error(rp, rq, st);
        } else if (ct.gone) {
            reply_empty(rp, 204);
        } else {
            api_op_headers(rq, rp, t.sub, ct.location, ct.op_id);
            reply_empty(rp, 202);
        }
    } else if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else
        reply_empty(rp, 200);
}

void api_rg_list(struct req *rq, struct reply *rp)
{
    struct arm_page pg;
    struct db_conn *c;
    struct db_rg *items = NULL;
    size_t n = 0;
    const char *sub = req_param(rq, "subscriptionId");
    if (arm_page_parse(rq, rp, &pg) != 0)
        return;
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        st = db_rg_list(c, sub, pg.after, pg.top + 1, &items, &n);
        db_release(rq->app->db, c);
    }
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        arm_page_free(&pg);
        return;
    }
    json_t *list =
        arm_list_build(rq, &pg, items, n, sizeof(*items), rg_item_json, NULL, rg_item_key);
    for (size_t i = 0; i < n; i++)
        db_rg_free(&items[i]);
    free(items);
    arm_page_free(&pg);
    reply_json(rp, 200, list);
}
