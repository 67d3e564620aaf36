/* req — what a handler sees of a request and how it answers.
 *
 * By the time a handler runs, the route has matched, the caller is
 * authenticated and allowed, the api-version is supported and the body (if
 * any) is parsed JSON. A handler fills the reply with reply_json() or
 * reply_error() and never chooses a status code for an error by hand. */
#ifndef ACCELNET_SERVICE_REQ_H
#define ACCELNET_SERVICE_REQ_H

#include <jansson.h>

#include "common/error.h"
#include "db/db.h"
#include "common/route.h"

struct MHD_Connection;
struct config;
struct metrics;
struct agentc;

/* What every handler can reach: process-wide, read-only after start-up. */
struct app {
    const struct config *cfg;
    struct db_pool *db;
    struct metrics *metrics;
    struct agentc *agents; /* calls to host agents (NULL in tests without them) */
};

enum role { ROLE_NONE = 0, ROLE_ADMIN, ROLE_AGENT, ROLE_USER };
const char *role_name(enum role r);

struct principal {
    enum role role;
    char token_id[37];
    char subscription_id[37]; /* ROLE_USER only */
    char host_name[64];       /* ROLE_AGENT: the host the token is bound to, "" if none */
};

struct req {
    struct app *app;
    struct MHD_Connection *conn;
    const char *method;
    const char *path;
    struct route_match match;
    json_t *body; /* parsed body or NULL; borrowed */
    const char *api_version;
    struct principal who;
    char request_id[37];
    /* AUTH_SUBSCRIPTION routes: the subscription's state ("Enabled" or
     * "Disabled"); the pipeline has checked that it exists. */
    char sub_state[9];
};

#define REPLY_MAX_HEADERS 8

struct reply {
    unsigned status;
    json_t *body;             /* owned */
    const char *content_type; /* NULL = JSON */
    char *text;               /* owned; a non-JSON body (metrics) */
    struct err err;           /* set = an error reply */
    unsigned retry_after;     /* seconds; 0 = no header */
    struct {
        const char *name;
        char *value; /* owned */
    } headers[REPLY_MAX_HEADERS];
    size_t nheaders;
};

/* The value of path parameter `name` ({name} in the pattern), or NULL. */
const char *req_param(const struct req *rq, const char *name);
/* A query-string argument or request header (case-insensitive), or NULL. */
const char *req_query(const struct req *rq, const char *key);
const char *req_header(const struct req *rq, const char *name);

/* The base URL of the links this request's answer hands out
 * ("https://host:port", no trailing slash): ACCELNET_PUBLIC_URL when set,
 * else the scheme served and the request's Host header (when it is a plain
 * host[:port]). Caller frees. */
char *req_base_url(const struct req *rq);

void reply_json(struct reply *rp, unsigned status, json_t *body);
void reply_text(struct reply *rp, unsigned status, const char *content_type, char *text);
void reply_empty(struct reply *rp, unsigned status);
void reply_error(struct reply *rp, enum err_code code, const char *target, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Takes over e (it is zeroed). */
void reply_error_steal(struct reply *rp, struct err *e);
/* The reply for a database status other than DB_OK: 503 with Retry-After for
 * DB_UNAVAILABLE/DB_RETRY, 500 for the rest (the message names only the
 * request id). */
void reply_db_error(struct reply *rp, const struct req *rq, enum db_status st);
void reply_internal(struct reply *rp, const struct req *rq);
void reply_header(struct reply *rp, const char *name, const char *value);
void reply_free(struct reply *rp);

#endif
