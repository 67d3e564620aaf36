#include "agent/http.h"

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>

#include "agent/agent.h"
#include "common/log.h"
#include "common/util.h"

struct agent_http {
    struct MHD_Daemon *daemon;
    struct agent *agent;
    const struct route *routes;
    size_t nroutes;
    char *cert_pem, *key_pem;
    unsigned port;
    long in_flight; /* atomic */
    int draining;   /* atomic */
};

/* One request's state, from its first byte to its completion callback. */
struct http_ctx {
    struct agent_http *srv;
    struct req rq;
    struct reply rp;
    struct buf body;
    int too_large;
    uint64_t start_ns;
    enum route_result found;
    char *raw_path; /* the path as sent, still percent-encoded (common/route.h) */
    int started;    /* the access handler has seen this request */
    int queued;     /* a response is queued: ignore the rest of the upload */
};

/* Called by libmicrohttpd with the request line's URI before it decodes it:
 * the request's state starts here, so that routing sees the raw path (as in
 * accelnetd). */
static void *http_uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct http_ctx *x = util_xcalloc(1, sizeof(*x));
    (void)conn;
    x->srv = cls;
    x->start_ns = util_now_ns();
    x->found = ROUTE_NO_PATH;
    x->raw_path = util_xstrndup(uri, strcspn(uri, "?"));
    return x;
}

/* --- requests and replies -------------------------------------------------------- */

const char *agent_req_param(const struct req *rq, const char *name)
{
    return route_param(&rq->match, name);
}

void agent_reply_json(struct reply *rp, unsigned status, json_t *body)
{
    json_decref(rp->body);
    rp->status = status;
    rp->body = body;
}

void agent_reply_empty(struct reply *rp, unsigned status)
{
    json_decref(rp->body);
    rp->body = NULL;
    rp->status = status;
}

void agent_reply_error(struct reply *rp, enum err_code code, const char *target, const char *fmt,
                       ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_setv(&rp->err, code, target, fmt, ap);
    va_end(ap);
    rp->status = err_http_status(code);
}

void agent_reply_error_steal(struct reply *rp, struct err *e)
{
    err_clear(&rp->err);
    rp->err = *e;
    rp->status = err_http_status(e->code);
    memset(e, 0, sizeof(*e));
}

static void http_reply_free(struct reply *rp)
{
    json_decref(rp->body);
    err_clear(&rp->err);
    memset(rp, 0, sizeof(*rp));
}

/* --- the pipeline ------------------------------------------------------------- */

static void http_add(struct MHD_Response *r, const char *name, const char *value)
{
    if (MHD_add_response_header(r, name, value) != MHD_YES)
        log_warn("could not add response header %s", name);
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

static enum MHD_Result http_respond(struct http_ctx *x)
{
    struct reply *rp = &x->rp;
    char *text = NULL;
    char num[24];

    if (rp->status == 0)
        agent_reply_error(rp, ERR_INTERNAL, NULL,
                          "The agent could not complete the request (request id %s).",
                          x->rq.request_id);
    if (rp->err.set) {
        json_t *env = err_envelope(&rp->err);
        text = json_dumps(env, JSON_COMPACT);
        json_decref(env);
    } else if (rp->body) {
        text = json_dumps(rp->body, JSON_COMPACT);
    }
    int has_body = text != NULL;
    if (!text)
        text = util_xstrdup("");
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(text);
        return MHD_NO;
    }
    if (has_body)
        http_add(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
    http_add(r, "x-ms-request-id", x->rq.request_id);
    const char *corr =
        MHD_lookup_connection_value(x->rq.conn, MHD_HEADER_KIND, "x-ms-correlation-request-id");
    if (corr && http_echoable(corr))
        http_add(r, "x-ms-correlation-request-id", corr);
    if (rp->err.set)
        http_add(r, "x-ms-error-code", err_code_name(rp->err.code));
    if (rp->status == 401)
        http_add(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"accelnet-agent\"");
    if (rp->status == 405)
        http_add(r, MHD_HTTP_HEADER_ALLOW, x->rq.match.allow);
    if (rp->retry_after) {
        snprintf(num, sizeof(num), "%u", rp->retry_after);
        http_add(r, MHD_HTTP_HEADER_RETRY_AFTER, num);
    }
    if (__atomic_load_n(&x->srv->draining, __ATOMIC_ACQUIRE))
        http_add(r, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(x->rq.conn, rp->status, r);
    MHD_destroy_response(r);
    x->queued = 1;
    return ret;
}

/* The token in "Authorization: Bearer <token>", or NULL. */
static const char *http_bearer(const char *header)
{
    if (!header || strncasecmp(header, "Bearer ", 7) != 0)
        return NULL;
    header += 7;
    while (*header == ' ')
        header++;
    return *header ? header : NULL;
}

/* The callback token, compared as BLAKE2b hashes (equal lengths) in
 * constant time. 0 when it matches. */
static int http_auth(struct http_ctx *x)
{
    const char *h =
        MHD_lookup_connection_value(x->rq.conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    const char *token = http_bearer(h);
    unsigned char hash[32];
    if (!token) {
        agent_reply_error(&x->rp, ERR_AUTHENTICATION_FAILED, NULL,
                          "This agent needs 'Authorization: Bearer <callback token>': the token "
                          "it gave accelnetd at registration.");
        return -1;
    }
    crypto_generichash(hash, sizeof(hash), (const unsigned char *)token, strlen(token), NULL, 0);
    int ok = sodium_memcmp(hash, x->srv->agent->token_hash, sizeof(hash)) == 0;
    sodium_memzero(hash, sizeof(hash));
    if (!ok) {
        agent_reply_error(&x->rp, ERR_AUTHENTICATION_FAILED, NULL,
                          "The bearer token is not this agent's callback token.");
        return -1;
    }
    return 0;
}

/* The checks that need only the request line and headers. 0 to go on. */
static int http_precheck(struct http_ctx *x, const char *method, const char *url)
{
    struct req *rq = &x->rq;
    if (http_auth(x) != 0)
        return -1;
    const char *as = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0 ? MHD_HTTP_METHOD_GET : method;
    x->found = route_find(x->srv->routes, x->srv->nroutes, as, url, &rq->match);
    if (x->found == ROUTE_NO_PATH) {
        agent_reply_error(&x->rp, ERR_NOT_FOUND, NULL, "No operation exists at '%s'.", url);
        return -1;
    }
    if (x->found == ROUTE_NO_METHOD) {
        agent_reply_error(&x->rp, ERR_METHOD_NOT_ALLOWED, NULL,
                          "The method %s is not allowed on '%s'; allowed: %s.", method, url,
                          rq->match.allow);
        return -1;
    }
    const char *clen =
        MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (clen && strspn(clen, "0123456789") == strlen(clen) && *clen &&
        (strlen(clen) > 12 || strtoull(clen, NULL, 10) > AGENT_MAX_BODY_BYTES)) {
        agent_reply_error(&x->rp, ERR_REQUEST_TOO_LARGE, NULL,
                          "The request body is larger than the limit of %u bytes.",
                          AGENT_MAX_BODY_BYTES);
        return -1;
    }
    return 0;
}

static void http_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Test-only fault injection (all off unless configured). 0 to go on, -1 when
 * the reply is a fault. */
static int http_faults(struct http_ctx *x)
{
    const struct agent_config *cfg = x->srv->agent->cfg;
    const int *stopping = &x->srv->agent->stopping;
    if (cfg->test_hang_file && access(cfg->test_hang_file, F_OK) == 0) {
        log_fields(LOGL_WARN,
                   json_pack("{s:s, s:s, s:s}", "msg", "test fault: hanging", "request_id",
                             x->rq.request_id, "hang_file", cfg->test_hang_file));
        while (access(cfg->test_hang_file, F_OK) == 0 &&
               !__atomic_load_n(stopping, __ATOMIC_ACQUIRE))
            http_sleep_ms(20);
    }
    if (cfg->test_delay_ms)
        http_sleep_ms((long)cfg->test_delay_ms);
    if (cfg->test_fail_rate > 0 && (x->rq.match.route->flags & AGENT_ROUTE_FAULTS) &&
        (double)randombytes_uniform(1000000) < cfg->test_fail_rate * 1e6) {
        agent_reply_error(&x->rp, ERR_SERVICE_UNAVAILABLE, NULL,
                          "Test fault injection (--test-fail-rate %g): this call was refused "
                          "before it changed anything.",
                          cfg->test_fail_rate);
        x->rp.retry_after = 1;
        return -1;
    }
    return 0;
}

static enum MHD_Result http_access(void *cls, struct MHD_Connection *conn, const char *url,
                                   const char *method, const char *version, const char *upload_data,
                                   size_t *upload_data_size, void **con_cls)
{
    struct agent_http *srv = cls;
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
        x->rq.agent = srv->agent;
        x->rq.conn = conn;
        x->rq.method = method;
        x->rq.path = x->raw_path;
        util_uuid4(x->rq.request_id);
        __atomic_add_fetch(&srv->in_flight, 1, __ATOMIC_ACQ_REL);
        if (http_precheck(x, method, x->raw_path) != 0)
            return http_respond(x);
        return MHD_YES;
    }
    if (x->queued) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!x->too_large && x->body.len + *upload_data_size > AGENT_MAX_BODY_BYTES) {
            x->too_large = 1;
            buf_free(&x->body);
        }
        if (!x->too_large)
            buf_append(&x->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    /* The whole request is here. */
    if (x->too_large) {
        agent_reply_error(&x->rp, ERR_REQUEST_TOO_LARGE, NULL,
                          "The request body is larger than the limit of %u bytes.",
                          AGENT_MAX_BODY_BYTES);
        return http_respond(x);
    }
    json_t *doc = NULL;
    if (x->body.len && strspn(x->body.data, " \t\r\n") != x->body.len) {
        json_error_t je;
        doc = json_loadb(x->body.data, x->body.len, JSON_REJECT_DUPLICATES, &je);
        if (!doc) {
            agent_reply_error(&x->rp, ERR_INVALID_REQUEST_CONTENT, NULL,
                              "The request body is not valid JSON: %s at line %d, column %d.",
                              je.text, je.line, je.column);
            return http_respond(x);
        }
    }
    if (http_faults(x) == 0) {
        x->rq.body = doc;
        x->rq.match.route->handler(&x->rq, &x->rp);
        x->rq.body = NULL;
    }
    json_decref(doc);
    return http_respond(x);
}

static void http_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                           enum MHD_RequestTerminationCode toe)
{
    struct agent_http *srv = cls;
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
    unsigned status = x->queued ? x->rp.status : 0; /* 0: the client went away */
    const char *corr =
        MHD_lookup_connection_value(x->rq.conn, MHD_HEADER_KIND, "x-ms-correlation-request-id");
    json_t *line = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:f, s:s*, s:s*, s:s*}", "msg",
                             "request", "request_id", x->rq.request_id, "method", x->rq.method,
                             "route", route ? route->pattern : "unmatched", "path", x->rq.path,
                             "status", (int)status, "duration_ms", (double)dur / 1e6, "nic",
                             route ? route_param(&x->rq.match, "nicId") : NULL, "correlation_id",
                             corr && http_echoable(corr) ? corr : NULL, "error",
                             x->rp.err.set ? err_code_name(x->rp.err.code) : NULL);
    if (line && toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
        json_object_set_new(line, "terminated", json_integer(toe));
    log_fields(status >= 500 || status == 0 ? LOGL_WARN : LOGL_INFO, line);

    route_match_free(&x->rq.match);
    http_reply_free(&x->rp);
    buf_free(&x->body);
    free(x->raw_path);
    free(x);
    __atomic_sub_fetch(&srv->in_flight, 1, __ATOMIC_ACQ_REL);
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

static char *http_read_file(const char *path, const char *setting, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    struct buf b = {0};
    char chunk[4096];
    size_t n;
    if (!f) {
        snprintf(err, errlen, "%s: cannot read %s: %s", setting, path, strerror(errno));
        return NULL;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_append(&b, chunk, n);
    if (ferror(f) || b.len == 0) {
        snprintf(err, errlen, "%s: cannot read %s: %s", setting, path,
                 b.len ? strerror(errno) : "empty file");
        fclose(f);
        buf_free(&b);
        return NULL;
    }
    fclose(f);
    return b.data;
}

struct agent_http *agent_http_start(struct agent *a, const struct route *routes, size_t nroutes,
                                    char *err, size_t errlen)
{
    const struct agent_config *cfg = a->cfg;
    struct agent_http *s = util_xcalloc(1, sizeof(*s));
    struct addrinfo hints = {.ai_flags = AI_NUMERICSERV, .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai = NULL;
    char port[8];
    unsigned flags =
        MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;

    s->agent = a;
    s->routes = routes;
    s->nroutes = nroutes;
    snprintf(port, sizeof(port), "%u", cfg->listen_port);
    int gai = getaddrinfo(cfg->listen_host, port, &hints, &ai);
    if (gai != 0 || !ai) {
        snprintf(err, errlen, "ACCELNET_AGENT_LISTEN: cannot resolve '%s': %s", cfg->listen_host,
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
        if (!(s->cert_pem =
                  http_read_file(cfg->tls_cert, "ACCELNET_AGENT_TLS_CERT", err, errlen)) ||
            !(s->key_pem = http_read_file(cfg->tls_key, "ACCELNET_AGENT_TLS_KEY", err, errlen)))
            goto fail;
        flags |= MHD_USE_TLS;
    }
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, http_access, s, MHD_OPTION_EXTERNAL_LOGGER, http_mhd_log, NULL,
        MHD_OPTION_URI_LOG_CALLBACK, http_uri_log, s, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->http_threads, MHD_OPTION_NOTIFY_COMPLETED,
        http_completed, s, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)1024, MHD_OPTION_LISTENING_ADDRESS_REUSE,
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
    s->port = info ? info->port : cfg->listen_port;
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

unsigned agent_http_port(const struct agent_http *s)
{
    return s->port;
}

void agent_http_quiesce(struct agent_http *s)
{
    __atomic_store_n(&s->draining, 1, __ATOMIC_RELEASE);
    MHD_socket fd = MHD_quiesce_daemon(s->daemon);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
}

long agent_http_drain(struct agent_http *s, unsigned timeout_s)
{
    uint64_t deadline = util_now_ms() + (uint64_t)timeout_s * 1000u;
    long left;
    while ((left = __atomic_load_n(&s->in_flight, __ATOMIC_ACQUIRE)) > 0 &&
           util_now_ms() < deadline)
        http_sleep_ms(20);
    return left;
}

void agent_http_stop(struct agent_http *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->daemon);
    if (s->key_pem)
        sodium_memzero(s->key_pem, strlen(s->key_pem));
    free(s->cert_pem);
    free(s->key_pem);
    free(s);
}
