#include "api/api.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/jspec.h"
#include "common/util.h"
#include "db/token.h"
#include "service/auth.h"

/* POST /admin/tokens {"role": "admin"|"agent", "description"?} */
struct token_create_req {
    const char *role;
    const char *description;
};

static const char *const token_roles[] = {"admin", "agent", NULL};

static const struct jspec token_create_spec[] = {
    JSPEC_STRING("role", struct token_create_req, role, JSPEC_REQUIRED, .one_of = token_roles),
    JSPEC_STRING("description", struct token_create_req, description, 0, .max_len = 256),
    JSPEC_END,
};

static json_t *token_json(const struct db_token *t)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:b}", "id", t->id, "role", t->role, "description",
                     t->description ? t->description : "", "createdAt", t->created_at,
                     "bootstrap", t->bootstrap);
}

/* The tokenId path parameter, checked; NULL (with the reply set) if bad. */
static const char *token_id_param(struct req *rq, struct reply *rp)
{
    const char *id = req_param(rq, "tokenId");
    if (!id || !util_is_guid(id)) {
        reply_error(rp, ERR_INVALID_PARAMETER, "tokenId",
                    "The token id '%s' is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx).",
                    id ? id : "");
        return NULL;
    }
    return id;
}

void api_token_create(struct req *rq, struct reply *rp)
{
    struct token_create_req in = {0};
    struct err e = {0};
    struct db_conn *c;
    struct db_token t = {0};
    char id[37], hash[65], token[AUTH_TOKEN_MAX];
    char role[8];

    if (!rq->body) {
        reply_error(rp, ERR_INVALID_REQUEST_CONTENT, NULL,
                    "The request needs a JSON body: {\"role\": \"admin\" | \"agent\", "
                    "\"description\": \"...\"}.");
        return;
    }
    if (jspec_parse(rq->body, token_create_spec, &in, "", JSPEC_STRICT, &e)) {
        reply_error_steal(rp, &e);
        return;
    }
    /* Stored in the canonical case whatever the client sent. */
    snprintf(role, sizeof(role), "%s", strcasecmp(in.role, "admin") == 0 ? "admin" : "agent");
    util_uuid4(id);
    auth_token_generate(token);
    auth_token_hash(token, hash);
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        st = db_token_insert(c, id, role, NULL, hash, in.description, &t);
        db_release(rq->app->db, c);
    }
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        return;
    }
    json_t *out = token_json(&t);
    json_object_set_new(out, "token", json_string(token));
    db_token_free(&t);
    reply_json(rp, 201, out);
}

void api_token_list(struct req *rq, struct reply *rp)
{
    struct db_conn *c;
    struct db_token *items = NULL;
    size_t n = 0;
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        st = db_token_list_admin(c, &items, &n);
        db_release(rq->app->db, c);
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

void api_token_get(struct req *rq, struct reply *rp)
{
    struct db_conn *c;
    struct db_token t = {0};
    const char *id = token_id_param(rq, rp);
    if (!id)
        return;
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        st = db_token_get(c, id, &t);
        db_release(rq->app->db, c);
    }
    /* Subscription tokens are managed under their subscription, not here. */
    if (st == DB_NOT_FOUND || (st == DB_OK && strcmp(t.role, "user") == 0)) {
        db_token_free(&t);
        reply_error(rp, ERR_RESOURCE_NOT_FOUND, "tokenId", "There is no token with id '%s'.",
                    id);
        return;
    }
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        return;
    }
    reply_json(rp, 200, token_json(&t));
    db_token_free(&t);
}

void api_token_delete(struct req *rq, struct reply *rp)
{
    struct db_conn *c;
    const char *id = token_id_param(rq, rp);
    if (!id)
        return;
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        st = db_token_revoke(c, id);
        db_release(rq->app->db, c);
    }
    if (st == DB_NOT_FOUND) {
        reply_empty(rp, 204);
        return;
    }
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        return;
    }
    reply_json(rp, 200, json_object());
}
