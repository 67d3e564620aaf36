#include "service/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "common/log.h"
#include "common/util.h"
#include "service/apiver.h"
#include "service/auth.h"
#include "service/body.h"
#include "service/config.h"
#include "service/metrics.h"

struct http_server {
    struct MHD_Daemon *daemon;
    struct app *app;
    const struct route *routes;
    size_t nroutes;
    char *cert_pem, *key_pem;
    char url[300];
    int draining;
};

/* One request's state, from its first byte to its completion callback. */
struct http_ctx {
    struct http_server *srv;
    struct req rq;
    struct reply rp;
    struct body body;
    uint64_t start_ns;
    enum route_result found;
    char *raw_path; /* the path as sent, still percent-encoded (route.h) */
    int started;    /* the access handler has seen this request */
    int queued;     /* a response is queued: ignore the rest of the upload */
};

/* Called by libmicrohttpd with the request line's URI before it decodes it:
 * the request's state starts here, so that routing sees the raw path. */
static void *http_uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct http_ctx *x = util_xcalloc(1, sizeof(*x));
    (void)conn;
    x->srv = cls;
    x->start_ns = util_now_ns();
    x->raw_path = util_xstrndup(uri, strcspn(uri, "?"));
    return x;
}

/* Header values are echoed only when they are short printable ASCII. */
static int http_echoable(const char *v)
{
    size_t n = 0;
    for (; v[n]; n++)
        if ((unsigned char)v[n] < 0x20 || (unsigned char)v[n] > 0x7e || n >= 200)
            return 0;
    return n > 0;
}

static char *http_render_body(struct http_ctx *x, const char **content_type)
{
    struct reply *rp = &x->rp;
    json_t *env = NULL;
    char *text = NULL;

    if (rp->err.set) {
        env = err_envelope(&rp->err);
        text = json_dumps(env, JSON_COMPACT);
        json_decref(env);
    } else if (rp->text) {
        *content_type = rp->content_type ? rp->content_type : "text/plain; charset=utf-8";
        text = rp->text;
        rp->text = NULL;
        return text;
    } else if (rp->body) {
        text = json_dumps(rp->body, JSON_COMPACT);
    } else {
        *content_type = NULL;
        return util_xstrdup("");
    }
    *content_type = "application/json; charset=utf-8";
    return text ? text : util_xstrdup("");
}

static void http_add(struct MHD_Response *r, const char *name, const char *value)
{
    if (MHD_add_response_header(r, name, value) != MHD_YES)
        log_warn("could not add response header %s", name);
}

/* Queues rp as the response. */
static enum MHD_Result http_respond(struct http_ctx *x)
{
    struct reply *rp = &x->rp;
    struct req *rq = &x->rq;
    const char *ctype = NULL;
    char num[24];

    if (rp->status == 0)
        reply_internal(rp, rq); /* a handler that answered nothing is a bug */
    char *text = http_render_body(x, &ctype);
    size_t len = strlen(text);
    struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(text);
        return MHD_NO;
    }
    if (ctype)
        http_add(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    http_add(r, "x-ms-request-id", rq->request_id);
    const char *corr =
        MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "x-ms-correlation-request-id");
    http_add(r, "x-ms-correlation-request-id", corr && http_echoable(corr) ? corr : rq->request_id);
    const char *client =
        MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "x-ms-client-request-id");
    if (client && http_echoable(client))
        http_add(r, "x-ms-client-request-id", client);
    if (rp->err.set)
        http_add(r, "x-ms-error-code", err_code_name(rp->err.code));
    if (rp->retry_after) {
        snprintf(num, sizeof(num), "%u", rp->retry_after);
        http_add(r, MHD_HTTP_HEADER_RETRY_AFTER, num);
    }
    for (size_t i = 0; i < rp->nheaders; i++)
        http_add(r, rp->headers[i].name, rp->headers[i].value);
    if (__atomic_load_n(&x->srv->draining, __ATOMIC_ACQUIRE))
        http_add(r, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(rq->conn, rp->status, r);
    MHD_destroy_response(r);
    x->queued = 1;
    return ret;
}

/* The checks that need only the request line and headers. 0 to go on. */
static int http_precheck(struct http_ctx *x, const char *method, const char *url)
{
    struct req *rq = &x->rq;
    struct reply *rp = &x->rp;

    /* A HEAD route answers HEAD where the table has one (ARM's existence
     * checks: 204 or 404); elsewhere HEAD is GET without the body
     * (libmicrohttpd drops the body). */
    x->found = route_find(x->srv->routes, x->srv->nroutes, method, url, &rq->match);
    if (x->found != ROUTE_FOUND && strcmp(method, MHD_HTTP_METHOD_HEAD) == 0) {
        route_match_free(&rq->match);
        x->found =
            route_find(x->srv->routes, x->srv->nroutes, MHD_HTTP_METHOD_GET, url, &rq->match);
    }
    if (x->found == ROUTE_NO_PATH) {
        reply_error(rp, ERR_NOT_FOUND, NULL, "No resource or operation exists at '%s'.", url);
        return -1;
    }
    if (x->found == ROUTE_NO_METHOD) {
        reply_error(rp, ERR_METHOD_NOT_ALLOWED, NULL,
                    "The method %s is not allowed on '%s'; allowed: %s.", method, url,
                    rq->match.allow);
        reply_header(rp, MHD_HTTP_HEADER_ALLOW, rq->match.allow);
        return -1;
    }
    if (auth_check(rq, rp) != 0)
        return -1;
    if (!(rq->match.route->flags & ROUTE_NO_API_VERSION)) {
        rq->api_version = req_query(rq, "api-version");
        if (!rq->api_version || !*rq->api_version) {
            reply_error(rp, ERR_MISSING_API_VERSION, "api-version",
                        "The api-version query parameter (?api-version=) is required for all "
                        "requests. Supported api-versions: %s.",
                        apiver_list());
            return -1;
        }
        if (!apiver_supported(rq->api_version)) {
            reply_error(rp, ERR_UNSUPPORTED_API_VERSION, "api-version",
                        "The api-version '%s' is not supported. Supported api-versions: %s.",
                        rq->api_version, apiver_list());
            return -1;
        }
    }
    const char *clen =
        MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (body_begin(&x->body, x->srv->app->cfg->max_body_bytes, clen) != 0) {
        struct err e = {0};
        json_t *ignored;
        body_parse(&x->body, &ignored, &e);
        reply_error_steal(rp, &e);
        return -1;
    }
    return 0;
}

static enum MHD_Result http_access(void *cls, struct MHD_Connection *conn, const char *url,
                                   const char *method, const char *version, const char *upload_data,
                                   size_t *upload_data_size, void **con_cls)
{
    struct http_server *srv = cls;
    struct http_ctx *x = *con_cls;
    (void)version;
    (void)url; /* decoded by libmicrohttpd; routing uses x->raw_path */

    if (!x) {
        /* http_uri_log always runs first; this is only a safety net. */
        x = http_uri_log(srv, url, conn);
        *con_cls = x;
    }
    if (!x->started) {
        x->started = 1;
        x->rq.app = srv->app;
        x->rq.conn = conn;
        x->rq.method = method;
        x->rq.path = x->raw_path;
        util_uuid4(x->rq.request_id);
        metrics_in_flight(srv->app->metrics, 1);
        if (http_precheck(x, method, x->raw_path) != 0)
            return http_respond(x);
        return MHD_YES;
    }
    if (x->queued) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size) {
        body_feed(&x->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    /* The whole request is here. */
    struct err e = {0};
    json_t *doc = NULL;
    if (body_parse(&x->body, &doc, &e) != 0) {
        reply_error_steal(&x->rp, &e);
        return http_respond(x);
    }
    x->rq.body = doc;
    x->rq.match.route->handler(&x->rq, &x->rp);
    x->rq.body = NULL;
    json_decref(doc);
    return http_respond(x);
}

static void http_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                           enum MHD_RequestTerminationCode toe)
{
    struct http_server *srv = cls;
    struct http_ctx *x = *con_cls;
    (void)conn;
    if (!x)
        return;
    *con_cls = NULL;
    if (!x->started) {
        /* libmicrohttpd refused the request before any handler saw it. */
        free(x->raw_path);
        free(x);
        return;
    }
    uint64_t dur = util_now_ns() - x->start_ns;
    const struct route *route = x->found == ROUTE_FOUND ? x->rq.match.route : NULL;
    const char *sub = route ? req_param(&x->rq, "subscriptionId") : NULL;
    if (!sub && x->rq.who.role == ROLE_USER)
        sub = x->rq.who.subscription_id;
    unsigned status = x->queued ? x->rp.status : 0; /* 0: the client went away */

    metrics_observe(srv->app->metrics, route ? x->rq.match.index : srv->nroutes, status, dur);
    json_t *line = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:f, s:s*, s:s*}", "msg", "request",
                             "request_id", x->rq.request_id, "method", x->rq.method, "route",
                             route ? route->pattern : "unmatched", "path", x->rq.path, "status",
                             (int)status, "duration_ms", (double)dur / 1e6, "subscription", sub,
                             "error", x->rp.err.set ? err_code_name(x->rp.err.code) : NULL);
    if (line && toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
        json_object_set_new(line, "terminated", json_integer(toe));
    log_fields(status >= 500 || status == 0 ? LOGL_WARN : LOGL_INFO, line);

    route_match_free(&x->rq.match);
    reply_free(&x->rp);
    body_free(&x->body);
    free(x->raw_path);
    free(x);
    metrics_in_flight(srv->app->metrics, -1);
}

static void http_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char *msg = util_vasprintf(fmt, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n')
        msg[--n] = '\0';
    log_fields(LOGL_WARN, json_pack("{s:s, s:s}", "msg", "libmicrohttpd", "detail", msg));
    free(msg);
}

static char *http_read_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    struct buf b = {0};
    char chunk[4096];
    size_t n;
    if (!f) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_append(&b, chunk, n);
    if (ferror(f) || b.len == 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, b.len ? strerror(errno) : "empty file");
        fclose(f);
        buf_free(&b);
        return NULL;
    }
    fclose(f);
    return b.data;
}

struct http_server *http_start(struct app *app, const struct route *routes, size_t nroutes,
                               char *err, size_t errlen)
{
    const struct config *cfg = app->cfg;
    struct http_server *s = util_xcalloc(1, sizeof(*s));
    struct addrinfo hints = {.ai_flags = AI_NUMERICSERV, .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai = NULL;
    char port[8];
    unsigned flags =
        MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;

    s->app = app;
    s->routes = routes;
    s->nroutes = nroutes;
    snprintf(port, sizeof(port), "%u", cfg->listen_port);
    int gai = getaddrinfo(cfg->listen_host, port, &hints, &ai);
    if (gai != 0 || !ai) {
        snprintf(err, errlen, "ACCELNET_LISTEN: cannot resolve '%s': %s", cfg->listen_host,
                 gai_strerror(gai));
        goto fail;
    }
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (!cfg->insecure_http) {
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
            snprintf(err, errlen, "this libmicrohttpd was built without TLS support");
            goto fail;
        }
        if (!(s->cert_pem = http_read_file(cfg->tls_cert, err, errlen)) ||
            !(s->key_pem = http_read_file(cfg->tls_key, err, errlen)))
            goto fail;
        flags |= MHD_USE_TLS;
    }
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, http_access, s, MHD_OPTION_EXTERNAL_LOGGER, http_mhd_log, NULL,
        MHD_OPTION_URI_LOG_CALLBACK, http_uri_log, s, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->http_threads, MHD_OPTION_NOTIFY_COMPLETED,
        http_completed, s, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096, MHD_OPTION_LISTENING_ADDRESS_REUSE,
        (unsigned)1, s->cert_pem ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, s->cert_pem,
        MHD_OPTION_HTTPS_MEM_KEY, s->key_pem, MHD_OPTION_HTTPS_PRIORITIES,
        "NORMAL:-VERS-SSL3.0:-VERS-TLS1.0:-VERS-TLS1.1", MHD_OPTION_END);
    if (!s->daemon) {
        snprintf(err, errlen,
                 "cannot serve on %s:%u (address in use, not local, or a bad TLS certificate "
                 "or key)",
                 cfg->listen_host, cfg->listen_port);
        goto fail;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    unsigned bound = info ? info->port : cfg->listen_port;
    snprintf(s->url, sizeof(s->url), "%s://%s%s%s:%u", cfg->insecure_http ? "http" : "https",
             ai->ai_family == AF_INET6 ? "[" : "", cfg->listen_host,
             ai->ai_family == AF_INET6 ? "]" : "", bound);
    freeaddrinfo(ai);
    return s;
fail:
    if (ai)
        freeaddrinfo(ai);
    free(s->cert_pem);
    free(s->key_pem);
    free(s);
    return NULL;
}

const char *http_url(const struct http_server *s)
{
    return s->url;
}

void http_quiesce(struct http_server *s)
{
    __atomic_store_n(&s->draining, 1, __ATOMIC_RELEASE);
    MHD_socket fd = MHD_quiesce_daemon(s->daemon);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
}

long http_drain(struct http_server *s, unsigned timeout_s)
{
    uint64_t deadline = util_now_ms() + (uint64_t)timeout_s * 1000u;
    long left;
    while ((left = metrics_in_flight_now(s->app->metrics)) > 0 && util_now_ms() < deadline) {
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return left;
}

void http_stop(struct http_server *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->daemon);
    if (s->key_pem)
        memset(s->key_pem, 0, strlen(s->key_pem));
    free(s->cert_pem);
    free(s->key_pem);
    free(s);
}
