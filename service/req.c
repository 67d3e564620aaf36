#include "service/req.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "common/log.h"
#include "common/util.h"
#include "service/config.h"

const char *role_name(enum role r)
{
    switch (r) {
    case ROLE_ADMIN:
        return "admin";
    case ROLE_AGENT:
        return "agent";
    case ROLE_USER:
        return "user";
    case ROLE_NONE:
        break;
    }
    return "none";
}

const char *req_param(const struct req *rq, const char *name)
{
    return route_param(&rq->match, name);
}

const char *req_query(const struct req *rq, const char *key)
{
    return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *req_header(const struct req *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

char *req_base_url(const struct req *rq)
{
    const struct config *cfg = rq->app->cfg;
    if (cfg->public_url)
        return util_xstrdup(cfg->public_url);
    const char *host = req_header(rq, MHD_HTTP_HEADER_HOST);
    /* Only a plain host[:port] (or [v6]:port) is echoed into a link. */
    if (!host || !*host || strlen(host) > 255 ||
        strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") !=
            strlen(host))
        host = cfg->listen_host;
    return util_asprintf("%s://%s", cfg->insecure_http ? "http" : "https", host);
}

void reply_json(struct reply *rp, unsigned status, json_t *body)
{
    json_decref(rp->body);
    rp->status = status;
    rp->body = body;
}

void reply_text(struct reply *rp, unsigned status, const char *content_type, char *text)
{
    free(rp->text);
    rp->status = status;
    rp->content_type = content_type;
    rp->text = text;
}

void reply_empty(struct reply *rp, unsigned status)
{
    json_decref(rp->body);
    rp->body = NULL;
    rp->status = status;
}

void reply_error(struct reply *rp, enum err_code code, const char *target, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_setv(&rp->err, code, target, fmt, ap);
    va_end(ap);
    rp->status = err_http_status(code);
}

void reply_error_steal(struct reply *rp, struct err *e)
{
    err_clear(&rp->err);
    rp->err = *e;
    rp->status = err_http_status(e->code);
    memset(e, 0, sizeof(*e));
}

void reply_internal(struct reply *rp, const struct req *rq)
{
    reply_error(rp, ERR_INTERNAL, NULL,
                "The server could not complete the request. Quote request id %s when reporting "
                "this.",
                rq->request_id);
}

void reply_db_error(struct reply *rp, const struct req *rq, enum db_status st)
{
    if (st == DB_UNAVAILABLE || st == DB_RETRY) {
        reply_error(rp, ERR_SERVICE_UNAVAILABLE, NULL,
                    "The service cannot reach its database right now. Retry after the interval "
                    "in Retry-After (request id %s).",
                    rq->request_id);
        rp->retry_after = 5;
        return;
    }
    reply_internal(rp, rq);
}

void reply_header(struct reply *rp, const char *name, const char *value)
{
    if (rp->nheaders == REPLY_MAX_HEADERS) {
        log_error("too many response headers; dropped %s", name);
        return;
    }
    rp->headers[rp->nheaders].name = name;
    rp->headers[rp->nheaders].value = util_xstrdup(value);
    rp->nheaders++;
}

void reply_free(struct reply *rp)
{
    json_decref(rp->body);
    free(rp->text);
    err_clear(&rp->err);
    for (size_t i = 0; i < rp->nheaders; i++)
        free(rp->headers[i].value);
    memset(rp, 0, sizeof(*rp));
}
