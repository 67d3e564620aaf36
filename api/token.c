/* Tokens: admin and agent tokens (/admin/tokens) and the tokens of a
 * subscription's users (/admin/subscriptions/{id}/tokens). A token is shown
 * once, when it is issued; only its hash is kept. */
#include "api/api.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/arm.h"
#include "common/jspec.h"
#include "common/util.h"
#include "db/audit.h"
#include "db/subscription.h"
#include "db/token.h"
#include "service/auth.h"
#include "service/config.h"

struct token_create_req {
    const char *role;
    const char *description;
    const char *host_name;
};

static const char *const token_roles[] = {"admin", "agent", NULL};

/* POST /admin/tokens {"role": "admin"|"agent", "description"?, "hostName"?}
 * (hostName: agent tokens only; checked in token_host_name_problems) */
static const struct jspec token_create_spec[] = {
    JSPEC_STRING("role", struct token_create_req, role, JSPEC_REQUIRED, .one_of = token_roles),
    JSPEC_STRING("description", struct token_create_req, description, 0, .max_len = 256),
    JSPEC_STRING("hostName", struct token_create_req, host_name, 0),
    JSPEC_END,
};

/* POST /admin/subscriptions/{id}/tokens {"description"?} */
static const struct jspec token_user_create_spec[] = {
    JSPEC_STRING("description", struct token_create_req, description, 0, .max_len = 256),
    JSPEC_END,
};

static json_t *token_json(const struct db_token *t)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "id", t->id, "role", t->role, "description",
                          t->description ? t->description : "", "createdAt", t->created_at);
    if (*t->subscription_id) {
        json_object_set_new(o, "subscriptionId", json_string(t->subscription_id));
    } else {
        json_object_set_new(o, "bootstrap", json_boolean(t->bootstrap));
        json_object_set_new(o, "hostName", *t->host_name ? json_string(t->host_name) : json_null());
    }
    return o;
}

struct token_issue_tx {
    const char *id, *role, *sub, *hash, *description, *host_name, *actor;
    struct db_token out;
};

static enum db_status token_issue_run(struct db_conn *c, void *arg)
{
    struct token_issue_tx *t = arg;
    char state[9];
    db_token_free(&t->out);
    if (t->sub) {
        enum db_status st = db_subscription_state(c, t->sub, state);
        if (st != DB_OK)
            return st;
    }
    enum db_status st =
        db_token_insert(c, t->id, t->role, t->sub, t->hash, t->description, t->host_name, &t->out);
    if (st != DB_OK)
        return st;
    json_t *d = json_pack("{s:s, s:s}", "tokenId", t->id, "role", t->role);
    if (t->host_name)
        json_object_set_new(d, "hostName", json_string(t->host_name));
    st = db_audit_insert(c, t->actor, t->sub, "token.issue", d);
    json_decref(d);
    return st;
}

/* Issues a token of role (for subscription sub when not NULL; bound to host
 * host_name when not NULL). */
static void token_issue(struct req *rq, struct reply *rp, const char *role, const char *sub,
                        const char *description, const char *host_name)
{
    char id[37], hash[65], token[AUTH_TOKEN_MAX];
    struct token_issue_tx t = {.id = id,
                               .role = role,
                               .sub = sub,
                               .hash = hash,
                               .description = description,
                               .host_name = host_name,
                               .actor = rq->who.token_id};
    util_uuid4(id);
    auth_token_generate(token);
    auth_token_hash(token, hash);
    enum db_status st = db_tx(rq->app->db, token_issue_run, &t);
    if (st == DB_NOT_FOUND) {
        reply_error(rp, ERR_SUBSCRIPTION_NOT_FOUND, "subscriptionId",
                    "The subscription '%s' could not be found; create it first with PUT "
                    "/admin/subscriptions/%s.",
                    sub, sub);
    } else if (st != DB_OK) {
        reply_db_error(rp, rq, st);
    } else {
        json_t *out = token_json(&t.out);
        json_object_set_new(out, "token", json_string(token));
        reply_json(rp, 201, out);
    }
    db_token_free(&t.out);
}

/* Parses the optional body of a subscription token's creation. */
static int token_user_parse(struct req *rq, struct reply *rp, struct token_create_req *in)
{
    struct err e = {0};
    if (rq->body && jspec_parse(rq->body, token_user_create_spec, in, "", JSPEC_STRICT, &e)) {
        reply_error_steal(rp, &e);
        return -1;
    }
    return 0;
}

/* What is wrong with hostName (or its absence) for the role asked for; each
 * problem a detail of e. Returns the number of problems added. */
static int token_host_name_problems(const struct token_create_req *in, int require_host,
                                    struct err *e)
{
    int agent = strcasecmp(in->role, "agent") == 0;
    if (in->host_name && !agent) {
        err_add_detail(e, ERR_INVALID_REQUEST_CONTENT, "hostName",
                       "'hostName' binds an agent token to one host; a token of role '%s' "
                       "cannot have one. Leave 'hostName' out, or ask for role 'agent'.",
                       in->role);
        return 1;
    }
    if (in->host_name) {
        const char *why = util_dns_label_problem(in->host_name);
        if (!why)
            return 0;
        err_add_detail(e, ERR_INVALID_REQUEST_CONTENT, "hostName",
                       "'hostName' is not a valid host name: it %s (a host name is 1 to 63 "
                       "letters, digits and '-', starting and ending with a letter or digit).",
                       why);
        return 1;
    }
    if (agent && require_host) {
        err_add_detail(e, ERR_INVALID_REQUEST_CONTENT, "hostName",
                       "'hostName' is required for agent tokens: this service requires each "
                       "agent token to be bound to the one host it registers "
                       "(ACCELNET_AGENT_TOKENS_REQUIRE_HOST).");
        return 1;
    }
    return 0;
}

void api_token_create(struct req *rq, struct reply *rp)
{
    struct token_create_req in = {0};
    struct err e = {0};
    char host[UTIL_DNS_LABEL_MAX + 1];
    if (!rq->body) {
        reply_error(rp, ERR_INVALID_REQUEST_CONTENT, NULL,
                    "The request needs a JSON body: {\"role\": \"admin\" | \"agent\", "
                    "\"description\": \"...\", \"hostName\": \"...\" (agent tokens)}.");
        return;
    }
    /* Every problem at once: the members' own, then hostName against the role
     * (when the role is one of those allowed). */
    int problems = jspec_parse(rq->body, token_create_spec, &in, "", JSPEC_STRICT, &e);
    if (in.role && (strcasecmp(in.role, "admin") == 0 || strcasecmp(in.role, "agent") == 0))
        problems += token_host_name_problems(&in, rq->app->cfg->agent_tokens_require_host, &e);
    if (problems) {
        err_set(&e, ERR_INVALID_REQUEST_CONTENT, NULL,
                "The request body is not valid (%d problem%s); see details.", problems,
                problems == 1 ? "" : "s");
        reply_error_steal(rp, &e);
        return;
    }
    /* Stored in the canonical case whatever the client sent: the role, and
     * the host name in lower case as hosts are. */
    if (in.host_name) {
        snprintf(host, sizeof(host), "%s", in.host_name);
        util_str_lower(host);
    }
    token_issue(rq, rp, strcasecmp(in.role, "admin") == 0 ? "admin" : "agent", NULL, in.description,
                in.host_name ? host : NULL);
}

void api_token_subscription_create(struct req *rq, struct reply *rp)
{
    struct token_create_req in = {0};
    char sub[37];
    if (arm_guid_param(rq, rp, "subscriptionId", sub) != 0 || token_user_parse(rq, rp, &in) != 0)
        return;
    token_issue(rq, rp, "user", sub, in.description, NULL);
}

static void token_reply_list(struct req *rq, struct reply *rp, const char *sub)
{
    struct db_conn *c;
    struct db_token *items = NULL;
    size_t n = 0;
    char state[9];
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        st = sub ? db_subscription_state(c, sub, state) : DB_OK;
        if (st == DB_OK)
            st = sub ? db_token_list_subscription(c, sub, &items, &n)
                     : db_token_list_admin(c, &items, &n);
        db_release(rq->app->db, c);
    }
    if (st == DB_NOT_FOUND) {
        reply_error(rp, ERR_SUBSCRIPTION_NOT_FOUND, "subscriptionId",
                    "The subscription '%s' could not be found.", sub);
        return;
    }
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        return;
    }
    json_t *value = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(value, token_json(&items[i]));
        db_token_free(&items[i]);
    }
    free(items);
    reply_json(rp, 200, json_pack("{s:o}", "value", value));
}

void api_token_list(struct req *rq, struct reply *rp)
{
    token_reply_list(rq, rp, NULL);
}

void api_token_subscription_list(struct req *rq, struct reply *rp)
{
    char sub[37];
    if (arm_guid_param(rq, rp, "subscriptionId", sub) == 0)
        token_reply_list(rq, rp, sub);
}

void api_token_get(struct req *rq, struct reply *rp)
{
    struct db_conn *c;
    struct db_token t = {0};
    char id[37];
    if (arm_guid_param(rq, rp, "tokenId", id) != 0)
        return;
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        st = db_token_get(c, id, &t);
        db_release(rq->app->db, c);
    }
    /* Subscription tokens are managed under their subscription, not here. */
    if (st == DB_NOT_FOUND || (st == DB_OK && strcmp(t.role, "user") == 0)) {
        db_token_free(&t);
        reply_error(rp, ERR_RESOURCE_NOT_FOUND, "tokenId", "There is no token with id '%s'.", id);
        return;
    }
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        return;
    }
    reply_json(rp, 200, token_json(&t));
    db_token_free(&t);
}

struct token_revoke_tx {
    const char *id, *sub, *actor;
    int no_subscription;
};

static enum db_status token_revoke_run(struct db_conn *c, void *arg)
{
    struct token_revoke_tx *t = arg;
    char state[9];
    if (t->sub) {
        enum db_status sst = db_subscription_state(c, t->sub, state);
        t->no_subscription = sst == DB_NOT_FOUND;
        if (sst != DB_OK)
            return sst;
    }
    enum db_status st =
        t->sub ? db_token_revoke_in_subscription(c, t->sub, t->id) : db_token_revoke(c, t->id);
    if (st != DB_OK)
        return st;
    json_t *d = json_pack("{s:s}", "tokenId", t->id);
    st = db_audit_insert(c, t->actor, t->sub, "token.revoke", d);
    json_decref(d);
    return st;
}

/* DELETE: 200 when a live token was revoked (it stops working at once), 204
 * when there was none. */
static void token_revoke(struct req *rq, struct reply *rp, const char *sub)
{
    char id[37];
    if (arm_guid_param(rq, rp, "tokenId", id) != 0)
        return;
    struct token_revoke_tx t = {.id = id, .sub = sub, .actor = rq->who.token_id};
    enum db_status st = db_tx(rq->app->db, token_revoke_run, &t);
    if (st == DB_NOT_FOUND && t.no_subscription)
        reply_error(rp, ERR_SUBSCRIPTION_NOT_FOUND, "subscriptionId",
                    "The subscription '%s' could not be found.", sub);
    else if (st == DB_NOT_FOUND)
        reply_empty(rp, 204);
    else if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else
        reply_json(rp, 200, json_object());
}

void api_token_delete(struct req *rq, struct reply *rp)
{
    token_revoke(rq, rp, NULL);
}

void api_token_subscription_delete(struct req *rq, struct reply *rp)
{
    char sub[37];
    if (arm_guid_param(rq, rp, "subscriptionId", sub) == 0)
        token_revoke(rq, rp, sub);
}
