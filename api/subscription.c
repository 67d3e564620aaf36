/* Subscriptions (tenants): the admin API, and what a subscription's own
 * users can read of it. */
#include "api/api.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>

#include "api/arm.h"
#include "common/jspec.h"
#include "common/util.h"
#include "db/audit.h"
#include "db/subscription.h"

struct sub_put_req {
    const char *display_name;
    const char *contact_webhook;
};

/* http(s)://host[...]: where decisions are POSTed. */
static const char *sub_webhook_problem(const json_t *v)
{
    const char *url = json_string_value(v);
    const char *rest;
    if (strncasecmp(url, "https://", 8) == 0)
        rest = url + 8;
    else if (strncasecmp(url, "http://", 7) == 0)
        rest = url + 7;
    else
        return "must be an http:// or https:// URL";
    if (!*rest || *rest == '/' || *rest == ':')
        return "must name a host";
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
            return "must not contain spaces or control characters";
    return NULL;
}

static const struct jspec sub_put_spec[] = {
    JSPEC_STRING("displayName", struct sub_put_req, display_name, JSPEC_REQUIRED, .min_len = 1,
                 .max_len = 256),
    JSPEC_STRING("contactWebhook", struct sub_put_req, contact_webhook, 0, .max_len = 2048,
                 .check = sub_webhook_problem),
    JSPEC_END,
};

static json_t *sub_json_admin(const struct db_subscription *s)
{
    char *id = util_asprintf("/subscriptions/%s", s->id);
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s, s:s*, s:s, s:s}", "id", id, "subscriptionId", s->id,
                  "displayName", s->display_name, "state", s->state, "contactWebhook",
                  s->contact_webhook, "createdAt", s->created_at, "updatedAt", s->updated_at);
    if (o && !s->contact_webhook)
        json_object_set_new(o, "contactWebhook", json_null());
    free(id);
    return o;
}

static json_t *sub_item_json(const void *item, const void *ctx)
{
    (void)ctx;
    return sub_json_admin(item);
}

static char *sub_item_key(const void *item)
{
    return util_xstrdup(((const struct db_subscription *)item)->id);
}

struct sub_put_tx {
    const char *id, *actor;
    struct sub_put_req in;
    int created;
    struct db_subscription out;
};

static enum db_status sub_put_run(struct db_conn *c, void *arg)
{
    struct sub_put_tx *t = arg;
    db_subscription_free(&t->out);
    enum db_status st = db_subscription_upsert(c, t->id, t->in.display_name, t->in.contact_webhook,
                                               &t->created, &t->out);
    if (st != DB_OK)
        return st;
    json_t *d = sub_json_admin(&t->out);
    st = db_audit_insert(c, t->actor, t->id,
                         t->created ? "subscription.create" : "subscription.update", d);
    json_decref(d);
    return st;
}

void api_subscription_put(struct req *rq, struct reply *rp)
{
    struct sub_put_tx t = {.actor = rq->who.token_id};
    struct err e = {0};
    char id[37];
    if (arm_guid_param(rq, rp, "subscriptionId", id) != 0)
        return;
    t.id = id;
    if (!rq->body) {
        reply_error(rp, ERR_INVALID_REQUEST_CONTENT, NULL,
                    "The request needs a JSON body: {\"displayName\": \"...\", "
                    "\"contactWebhook\": \"https://...\"}.");
        return;
    }
    if (jspec_parse(rq->body, sub_put_spec, &t.in, "", JSPEC_STRICT, &e)) {
        reply_error_steal(rp, &e);
        return;
    }
    enum db_status st = db_tx(rq->app->db, sub_put_run, &t);
    if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else
        reply_json(rp, t.created ? 201 : 200, sub_json_admin(&t.out));
    db_subscription_free(&t.out);
}

void api_subscription_admin_get(struct req *rq, struct reply *rp)
{
    struct db_subscription s = {0};
    struct db_conn *c;
    char id[37];
    if (arm_guid_param(rq, rp, "subscriptionId", id) != 0)
        return;
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        st = db_subscription_get(c, id, &s);
        db_release(rq->app->db, c);
    }
    if (st == DB_NOT_FOUND)
        reply_error(rp, ERR_SUBSCRIPTION_NOT_FOUND, "subscriptionId",
                    "The subscription '%s' could not be found.", id);
    else if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else
        reply_json(rp, 200, sub_json_admin(&s));
    db_subscription_free(&s);
}

void api_subscription_list(struct req *rq, struct reply *rp)
{
    struct arm_page pg;
    struct db_conn *c;
    struct db_subscription *items = NULL;
    size_t n = 0;
    if (arm_page_parse(rq, rp, &pg) != 0)
        return;
    if (pg.after && !util_is_guid(pg.after)) {
        reply_error(rp, ERR_INVALID_QUERY_PARAMETER, "$skipToken",
                    "The $skipToken is not one this service issued.");
        arm_page_free(&pg);
        return;
    }
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        st = db_subscription_list(c, pg.after, pg.top + 1, &items, &n);
        db_release(rq->app->db, c);
    }
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        arm_page_free(&pg);
        return;
    }
    json_t *list =
        arm_list_build(rq, &pg, items, n, sizeof(*items), sub_item_json, NULL, sub_item_key);
    for (size_t i = 0; i < n; i++)
        db_subscription_free(&items[i]);
    free(items);
    arm_page_free(&pg);
    reply_json(rp, 200, list);
}

struct sub_state_tx {
    const char *id, *actor, *state;
    struct db_subscription out;
};

static enum db_status sub_state_run(struct db_conn *c, void *arg)
{
    struct sub_state_tx *t = arg;
    db_subscription_free(&t->out);
    enum db_status st = db_subscription_set_state(c, t->id, t->state, &t->out);
    if (st != DB_OK)
        return st;
    return db_audit_insert(
        c, t->actor, t->id,
        strcmp(t->state, "Disabled") == 0 ? "subscription.disable" : "subscription.enable", NULL);
}

static void sub_set_state(struct req *rq, struct reply *rp, const char *state)
{
    char id[37];
    struct sub_state_tx t = {.actor = rq->who.token_id, .state = state};
    if (arm_guid_param(rq, rp, "subscriptionId", id) != 0)
        return;
    t.id = id;
    enum db_status st = db_tx(rq->app->db, sub_state_run, &t);
    if (st == DB_NOT_FOUND)
        reply_error(rp, ERR_SUBSCRIPTION_NOT_FOUND, "subscriptionId",
                    "The subscription '%s' could not be found.", id);
    else if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else
        reply_json(rp, 200, sub_json_admin(&t.out));
    db_subscription_free(&t.out);
}

void api_subscription_disable(struct req *rq, struct reply *rp)
{
    sub_set_state(rq, rp, "Disabled");
}

void api_subscription_enable(struct req *rq, struct reply *rp)
{
    sub_set_state(rq, rp, "Enabled");
}

/* ARM's Subscription, as its users see it. */
static json_t *sub_json_user(const struct db_subscription *s)
{
    char *rid = util_asprintf("/subscriptions/%s", s->id);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "id", rid, "subscriptionId", s->id, "displayName",
                          s->display_name, "state", s->state);
    free(rid);
    return o;
}

static json_t *sub_item_json_user(const void *item, const void *ctx)
{
    (void)ctx;
    return sub_json_user(item);
}

/* GET /subscriptions/{subscriptionId} */
void api_subscription_get(struct req *rq, struct reply *rp)
{
    struct db_subscription s = {0};
    struct db_conn *c;
    const char *id = req_param(rq, "subscriptionId");
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        st = db_subscription_get(c, id, &s);
        db_release(rq->app->db, c);
    }
    if (st == DB_NOT_FOUND)
        reply_error(rp, ERR_SUBSCRIPTION_NOT_FOUND, "subscriptionId",
                    "The subscription '%s' could not be found.", id);
    else if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else
        reply_json(rp, 200, sub_json_user(&s));
    db_subscription_free(&s);
}

/* GET /subscriptions (ARM's Subscriptions_List): the subscriptions the token
 * may see — its own for a user token, all of them for an admin. This is how
 * a client learns which subscription its token belongs to. */
void api_subscription_list_visible(struct req *rq, struct reply *rp)
{
    struct arm_page pg;
    struct db_conn *c;
    struct db_subscription *items = NULL;
    size_t n = 0;
    if (arm_page_parse(rq, rp, &pg) != 0)
        return;
    if (pg.after && !util_is_guid(pg.after)) {
        reply_error(rp, ERR_INVALID_QUERY_PARAMETER, "$skipToken",
                    "The $skipToken is not one this service issued.");
        arm_page_free(&pg);
        return;
    }
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        if (rq->who.role == ROLE_ADMIN) {
            st = db_subscription_list(c, pg.after, pg.top + 1, &items, &n);
        } else if (!pg.after) {
            items = util_xcalloc(1, sizeof(*items));
            st = db_subscription_get(c, rq->who.subscription_id, items);
            n = st == DB_OK;
            if (st == DB_NOT_FOUND)
                st = DB_OK;
        }
        db_release(rq->app->db, c);
    }
    if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else
        reply_json(rp, 200,
                   arm_list_build(rq, &pg, items, n, sizeof(*items), sub_item_json_user, NULL,
                                  sub_item_key));
    for (size_t i = 0; i < n; i++)
        db_subscription_free(&items[i]);
    free(items);
    arm_page_free(&pg);
}
