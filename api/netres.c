#include "api/netres.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "api/arm.h"
#include "common/util.h"
#include "db/resource_group.h"

const char *netres_ref_object_problem(const json_t *v)
{
    json_t *id = json_object_get(v, "id");
    if (!json_is_string(id) || json_string_length(id) == 0)
        return "a reference needs an 'id' (the full resource id)";
    return NULL;
}

const char *netres_ref_id(const json_t *ref)
{
    return json_string_value(json_object_get(ref, "id"));
}

const char *netres_rg_param(struct req *rq, struct reply *rp)
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

const char *netres_name_param(struct req *rq, struct reply *rp, const char *param, const char *what)
{
    const char *name = req_param(rq, param);
    const char *why = name ? arm_network_name_problem(name) : "is missing";
    if (why) {
        reply_error(rp, ERR_INVALID_RESOURCE_NAME, param, "The %s name '%s' is not valid: it %s.",
                    what, name ? name : "", why);
        return NULL;
    }
    return name;
}

void netres_err_finish(struct err *e)
{
    if (e->ndetails == 0)
        return;
    const struct err_detail *first = &e->details[0];
    if (e->ndetails == 1) {
        err_set(e, first->code, first->target, "%s", first->message);
        return;
    }
    enum err_code code = ERR_INVALID_REQUEST_CONTENT;
    for (size_t i = 0; i < e->ndetails; i++) {
        if (e->details[i].code != ERR_INVALID_REQUEST_CONTENT) {
            code = e->details[i].code;
            break;
        }
    }
    err_set(e, code, NULL, "The request is not valid (%zu problems); see details.", e->ndetails);
}

char *netres_lock_key(const char *sub, const char *rg, const char *type, const char *name)
{
    char *t = util_asprintf(NETRES_PROVIDER "/%s", type);
    char *key = arm_lock_key(sub, rg, t, name);
    free(t);
    return key;
}

enum db_status netres_lock(struct db_conn *c, const char *sub, const char *rg, const char *type,
                           const char *name)
{
    char *key = netres_lock_key(sub, rg, type, name);
    enum db_status st = db_lock_key(c, key);
    free(key);
    return st;
}

static int netres_strcmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

enum db_status netres_lock_all(struct db_conn *c, char **keys, size_t n)
{
    enum db_status st = DB_OK;
    if (n > 1)
        qsort(keys, n, sizeof(char *), netres_strcmp);
    for (size_t i = 0; i < n && st == DB_OK; i++)
        if (i == 0 || strcmp(keys[i], keys[i - 1]) != 0)
            st = db_lock_key(c, keys[i]);
    return st;
}

void netres_not_found(struct reply *rp, const char *what, const char *rg)
{
    reply_error(rp, ERR_RESOURCE_NOT_FOUND, NULL,
                "The Resource '" NETRES_PROVIDER "/%s' under resource group '%s' was not found.",
                what, rg);
}

void netres_rg_not_found(struct reply *rp, const char *rg)
{
    reply_error(rp, ERR_RESOURCE_GROUP_NOT_FOUND, "resourceGroupName",
                "Resource group '%s' could not be found.", rg);
}

json_t *netres_tags_merge(const char *tags, const json_t *patch)
{
    json_t *out = json_loads(tags ? tags : "{}", 0, NULL);
    if (!json_is_object(out)) {
        json_decref(out);
        out = json_object();
    }
    if (!patch || json_is_null(patch)) {
        json_object_clear(out);
        return out;
    }
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)patch, k, v)
    {
        if (json_is_null(v))
            json_object_del(out, k);
        else
            json_object_set(out, k, v);
    }
    return out;
}

static void netres_lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

int netres_page_key(const char *after, char **rg_key, char **name_key)
{
    *rg_key = *name_key = NULL;
    if (!after)
        return 0;
    const char *slash = strchr(after, '/');
    if (!slash)
        return -1;
    *rg_key = util_xstrndup(after, (size_t)(slash - after));
    *name_key = util_xstrdup(slash + 1);
    return 0;
}

char *netres_page_key_make(const char *rg, const char *name)
{
    char *k = util_asprintf("%s/%s", rg, name);
    netres_lower(k);
    return k;
}

void netres_list_reply(struct req *rq, struct reply *rp, const char *rg,
                       const struct netres_lister *l, void *self)
{
    struct arm_page pg;
    struct db_conn *c;
    size_t n = 0;
    char *after_rg = NULL, *after_name = NULL;
    const char *sub = req_param(rq, "subscriptionId");
    if (arm_page_parse(rq, rp, &pg) != 0)
        return;
    if (netres_page_key(pg.after, &after_rg, &after_name) != 0) {
        reply_error(rp, ERR_INVALID_QUERY_PARAMETER, "$skipToken",
                    "The $skipToken is not one this service issued; use the nextLink of the "
                    "previous page as it is.");
        arm_page_free(&pg);
        return;
    }
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        goto out;
    }
    if (rg) {
        struct db_rg g = {0};
        st = db_rg_get(c, sub, rg, &g);
        db_rg_free(&g);
    }
    if (st == DB_OK)
        st = l->fetch(c, self, sub, rg, after_rg, after_name, pg.top + 1, (size_t)pg.top, &n);
    db_release(rq->app->db, c);
    if (st == DB_NOT_FOUND) {
        netres_rg_not_found(rp, rg);
        goto out;
    }
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        goto out;
    }
    size_t shown = n > (size_t)pg.top ? (size_t)pg.top : n;
    json_t *value = json_array();
    for (size_t i = 0; i < shown; i++)
        json_array_append_new(value, l->item_json(rq, self, i));
    json_t *list = json_pack("{s:o}", "value", value);
    if (shown) {
        const char *lrg, *lname;
        l->item_names(self, shown - 1, &lrg, &lname);
        char *last = netres_page_key_make(lrg, lname);
        arm_page_finish(rq, &pg, list, n > shown, last);
        free(last);
    }
    reply_json(rp, 200, list);
out:
    l->release(self, n);
    free(after_rg);
    free(after_name);
    arm_page_free(&pg);
}
