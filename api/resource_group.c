/* Resource groups: /subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName} */
#include "api/api.h"

#include <stdlib.h>
#include <string.h>

#include "api/arm.h"
#include "common/jspec.h"
#include "common/util.h"
#include "db/catalog.h"
#include "db/resource_group.h"

#define RG_MAX_TAGS 50

struct rg_put_req {
    const char *location;
    const json_t *tags;
};

/* ARM's tag limits: 50 tags, names up to 512 and values up to 256 characters. */
static const char *rg_tags_problem(const json_t *v)
{
    const char *k;
    json_t *val;
    if (json_object_size(v) > RG_MAX_TAGS)
        return "may hold at most 50 tags";
    json_object_foreach((json_t *)v, k, val)
    {
        if (!json_is_string(val))
            return "tag values must be strings";
        if (!*k || strlen(k) > 512)
            return "tag names must be 1 to 512 characters long";
        if (json_string_length(val) > 256)
            return "tag values must be at most 256 characters long";
    }
    return NULL;
}

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
    JSPEC_FIELD("tags", JSPEC_T_OBJECT, struct rg_put_req, tags, 0, .check = rg_tags_problem),
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

void api_rg_put(struct req *rq, struct reply *rp)
{
    struct rg_put_req in = {0};
    struct err e = {0};
    struct db_conn *c = NULL;
    struct db_location loc = {0};
    struct db_rg cur = {0}, out = {0};
    char etag[37];
    char *tags = NULL;
    int created = 0;
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
    if (st != DB_OK)
        goto dberr;
    st = db_location_get(c, in.location, &loc);
    if (st == DB_NOT_FOUND) {
        reply_error(rp, ERR_LOCATION_NOT_AVAILABLE, "location",
                    "The location '%s' is not available. Use one of the locations from GET "
                    "/subscriptions/%s/locations.",
                    in.location, sub);
        goto out;
    }
    if (st != DB_OK)
        goto dberr;
    st = db_rg_get(c, sub, name, &cur);
    if (st != DB_OK && st != DB_NOT_FOUND)
        goto dberr;
    if (arm_preconditions(rq, rp, st == DB_OK ? cur.etag : NULL) != 0)
        goto out;
    if (st == DB_OK && strcmp(cur.location, loc.name) != 0) {
        reply_error(rp, ERR_INVALID_RESOURCE_GROUP_LOCATION, "location",
                    "Resource group '%s' already exists in location '%s'; it cannot be moved "
                    "to '%s'.",
                    cur.name, cur.location, loc.name);
        goto out;
    }
    tags = json_dumps(in.tags ? in.tags : json_object(), JSON_COMPACT);
    util_uuid4(etag);
    st = db_rg_upsert(c, sub, name, loc.name, tags, etag, &created, &out);
    if (st == DB_CONFLICT) {
        /* Created meanwhile in another location by a concurrent request. */
        reply_error(rp, ERR_INVALID_RESOURCE_GROUP_LOCATION, "location",
                    "Resource group '%s' already exists in another location.", name);
        goto out;
    }
    if (st != DB_OK)
        goto dberr;
    reply_json(rp, created ? 201 : 200, rg_json(&out));
    goto out;
dberr:
    reply_db_error(rp, rq, st);
out:
    free(tags);
    db_release(rq->app->db, c);
    db_location_free(&loc);
    db_rg_free(&cur);
    db_rg_free(&out);
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

void api_rg_delete(struct req *rq, struct reply *rp)
{
    struct db_conn *c;
    struct db_rg g = {0};
    const char *sub = req_param(rq, "subscriptionId");
    const char *name = rg_name_param(rq, rp);
    if (!name)
        return;
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        return;
    }
    st = db_rg_get(c, sub, name, &g);
    if (st == DB_OK && arm_preconditions(rq, rp, g.etag) != 0)
        goto out;
    if (st == DB_NOT_FOUND && arm_preconditions(rq, rp, NULL) != 0)
        goto out;
    if (st == DB_OK)
        st = db_rg_delete(c, sub, name);
    if (st == DB_NOT_FOUND)
        reply_empty(rp, 204);
    else if (st == DB_CONFLICT)
        /* Resources in the group still refer to it (foreign keys). */
        reply_error(rp, ERR_RESOURCE_GROUP_NOT_EMPTY, "resourceGroupName",
                    "Resource group '%s' still contains resources; delete them first.", name);
    else if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else
        reply_empty(rp, 200);
out:
    db_release(rq->app->db, c);
    db_rg_free(&g);
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
    json_t *value = json_array();
    size_t shown = n > (size_t)pg.top ? (size_t)pg.top : n;
    char *last = NULL;
    for (size_t i = 0; i < shown; i++)
        json_array_append_new(value, rg_json(&items[i]));
    if (shown) {
        /* The key is the lower-cased name, as the list is ordered. */
        last = util_xstrdup(items[shown - 1].name);
        for (char *p = last; *p; p++)
            *p = (char)((*p >= 'A' && *p <= 'Z') ? *p - 'A' + 'a' : *p);
    }
    json_t *list = json_pack("{s:o}", "value", value);
    arm_page_finish(rq, &pg, list, n > shown, last);
    free(last);
    for (size_t i = 0; i < n; i++)
        db_rg_free(&items[i]);
    free(items);
    arm_page_free(&pg);
    reply_json(rp, 200, list);
}
