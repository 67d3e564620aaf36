#include "cli/http.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>

#include "common/version.h"

#define DEBUG_BODY_MAX (64u * 1024u)

/* --- pure helpers -------------------------------------------------------- */

static int has_prefix_ci(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

static int is_absolute(const char *uri)
{
    return has_prefix_ci(uri, "http://") || has_prefix_ci(uri, "https://");
}

static int has_bad_char(const char *s)
{
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f)
            return 1;
    return 0;
}

char *clihttp_base_url(const char *url, char **err)
{
    if (!is_absolute(url)) {
        *err = util_asprintf("'%s' is not an http:// or https:// URL", url);
        return NULL;
    }
    if (has_bad_char(url)) {
        *err = util_asprintf("'%s' has a space or a control character", url);
        return NULL;
    }
    if (strpbrk(url, "?#")) {
        *err = util_asprintf("'%s': the service URL cannot have a query or a fragment", url);
        return NULL;
    }
    const char *host = strstr(url, "://") + 3;
    if (*host == '\0' || *host == '/' || *host == ':') {
        *err = util_asprintf("'%s' has no host", url);
        return NULL;
    }
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        n--;
    return util_xstrndup(url, n);
}

int clihttp_needs_api_version(const char *uri)
{
    static const char *const exempt[] = {"/healthz", "/readyz", "/metrics"};
    size_t n = strcspn(uri, "?#");
    if (n > 1 && uri[n - 1] == '/')
        n--;
    for (size_t i = 0; i < sizeof(exempt) / sizeof(exempt[0]); i++)
        if (strlen(exempt[i]) == n && strncasecmp(uri, exempt[i], n) == 0)
            return 0;
    return 1;
}

int clihttp_has_query_param(const char *uri, const char *name)
{
    size_t before_fragment = strcspn(uri, "#");
    const char *q = memchr(uri, '?', before_fragment);
    if (!q)
        return 0;
    q++;
    size_t end = strcspn(q, "#");
    size_t nl = strlen(name);
    size_t i = 0;
    while (i < end) {
        size_t len = strcspn(q + i, "&#");
        if (len > end - i)
            len = end - i;
        size_t klen = strcspn(q + i, "=&#");
        if (klen > len)
            klen = len;
        if (klen == nl && strncasecmp(q + i, name, nl) == 0)
            return 1;
        i += len + 1;
    }
    return 0;
}

char *clihttp_url(const char *base, const char *uri, int add_api_version, char **err)
{
    const char *rel = uri;
    char *url;

    if (has_bad_char(uri)) {
        *err = util_asprintf("'%s' has a space or a control character (percent-encode it: "
                             "%%20)",
                             uri);
        return NULL;
    }
    if (is_absolute(uri)) {
        size_t bl = strlen(base);
        if (strncasecmp(uri, base, bl) != 0 ||
            (uri[bl] != '\0' && uri[bl] != '/' && uri[bl] != '?')) {
            *err = util_asprintf("'%s' is not on the service %s (the token is only sent there)",
                                 uri, base);
            return NULL;
        }
        rel = uri + bl;
        url = util_xstrdup(uri);
    } else if (uri[0] == '/') {
        url = util_asprintf("%s%s", base, uri);
    } else {
        url = util_asprintf("%s/%s", base, uri);
    }
    if (add_api_version && clihttp_needs_api_version(*rel == '/' ? rel : "/") &&
        !clihttp_has_query_param(rel, "api-version")) {
        /* Before a fragment, if someone wrote one. */
        size_t at = strcspn(url, "#");
        const char *q = memchr(url, '?', at);
        const char *sep = !q ? "?" : (url[at - 1] == '?' || url[at - 1] == '&') ? "" : "&";
        char *with = util_asprintf("%.*s%sapi-version=%s%s", (int)at, url, sep, CLIHTTP_API_VERSION,
                                   url + at);
        free(url);
        url = with;
    }
    return url;
}

char *clihttp_escape(const char *s)
{
    struct buf b = {0};
    buf_append(&b, "", 0);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~')
            buf_append(&b, p, 1);
        else
            buf_appendf(&b, "%%%02X", *p);
    }
    return b.data;
}

int clihttp_is_cleartext_remote(const char *url)
{
    if (!has_prefix_ci(url, "http://"))
        return 0;
    const char *host = url + strlen("http://");
    size_t hl = strcspn(host, "/?#");
    const char *at = memchr(host, '@', hl);
    if (at) {
        hl -= (size_t)(at + 1 - host);
        host = at + 1;
    }
    if (hl >= 5 && strncmp(host, "[::1]", 5) == 0)
        return 0;
    size_t name = strcspn(host, ":/?#");
    if (name > hl)
        name = hl;
    if (name == strlen("localhost") && strncasecmp(host, "localhost", name) == 0)
        return 0;
    if (name >= 4 && strncmp(host, "127.", 4) == 0)
        return 0;
    return 1;
}

int clihttp_exit_code(long status)
{
    if (status >= 100 && status < 400)
        return 0;
    if (status == 404)
        return 3;
    if (status >= 400 && status < 500)
        return 4;
    return 1;
}

char *clihttp_redact_header(const char *line)
{
    size_t n = strcspn(line, ":");
    if (line[n] == ':' && n == strlen("Authorization") &&
        strncasecmp(line, "Authorization", n) == 0) {
        const char *v = line + n + 1;
        while (*v == ' ')
            v++;
        return util_asprintf("%.*s: %s<redacted>", (int)n, line,
                             has_prefix_ci(v, "Bearer ") ? "Bearer " : "");
    }
    return util_xstrdup(line);
}

static int secret_name(const char *key)
{
    if (strcasecmp(key, "token") == 0 || strcasecmp(key, "authorization") == 0)
        return 1;
    char *low = util_xstrdup(key);
    for (char *p = low; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    int r = strstr(low, "password") || strstr(low, "secret");
    free(low);
    return r;
}

static void redact(json_t *v)
{
    const char *key;
    json_t *m;
    size_t i;
    if (json_is_object(v)) {
        json_object_foreach(v, key, m)
        {
            if (json_is_string(m) && secret_name(key))
                json_object_set_new(v, key, json_string("<redacted>"));
            else
                redact(m);
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, m) redact(m);
    }
}

char *clihttp_redact_body(const char *body, size_t len)
{
    json_t *doc = json_loadb(body, len, JSON_DECODE_ANY, NULL);
    if (!doc)
        return util_xstrndup(body, len);
    redact(doc);
    char *s = json_dumps(doc, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(doc);
    return s ? s : util_xstrdup("");
}

/* --- responses --------------------------------------------------------------- */

void clihttp_response_free(struct clihttp_response *rp)
{
    for (size_t i = 0; i < rp->nheaders; i++) {
        free(rp->headers[i].name);
        free(rp->headers[i].value);
    }
    free(rp->headers);
    buf_free(&rp->body);
    memset(rp, 0, sizeof(*rp));
}

const char *clihttp_header(const struct clihttp_response *rp, const char *name)
{
    for (size_t i = 0; i < rp->nheaders; i++)
        if (strcasecmp(rp->headers[i].name, name) == 0)
            return rp->headers[i].value;
    return NULL;
}

int clihttp_is_json(const struct clihttp_response *rp)
{
    const char *ct = clihttp_header(rp, "Content-Type");
    if (!ct)
        return 0;
    size_t n = strcspn(ct, ";");
    while (n > 0 && ct[n - 1] == ' ')
        n--;
    return (n == strlen("application/json") && strncasecmp(ct, "application/json", n) == 0) ||
           (n > 5 && strncasecmp(ct + n - 5, "+json", 5) == 0);
}

struct transfer {
    struct clihttp_response *rp;
    int too_big;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    struct transfer *t = ud;
    size_t n = size * nmemb;
    if (t->rp->body.len + n > CLIHTTP_MAX_RESPONSE) {
        t->too_big = 1;
        return 0;
    }
    buf_append(&t->rp->body, data, n);
    return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
    struct transfer *t = ud;
    struct clihttp_response *rp = t->rp;
    size_t n = size * nmemb, len = n;
    while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
        len--;
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        /* A new response (after a 100 Continue, say): forget the last one's. */
        for (size_t i = 0; i < rp->nheaders; i++) {
            free(rp->headers[i].name);
            free(rp->headers[i].value);
        }
        rp->nheaders = 0;
        return n;
    }
    const char *colon = memchr(data, ':', len);
    if (!colon)
        return n;
    const char *v = colon + 1;
    while (v < data + len && (*v == ' ' || *v == '\t'))
        v++;
    rp->headers = util_xrealloc(rp->headers, (rp->nheaders + 1) * sizeof(*rp->headers));
    rp->headers[rp->nheaders].name = util_xstrndup(data, (size_t)(colon - data));
    rp->headers[rp->nheaders].value = util_xstrndup(v, (size_t)(data + len - v));
    rp->nheaders++;
    return n;
}

static void debug_body(FILE *f, const char *what, const char *body, size_t len)
{
    if (!len)
        return;
    char *safe = clihttp_redact_body(body, len);
    size_t sl = strlen(safe);
    if (sl > DEBUG_BODY_MAX)
        fprintf(f, "DEBUG: %s body: %.*s ... (%zu more bytes)\n", what, (int)DEBUG_BODY_MAX, safe,
                sl - DEBUG_BODY_MAX);
    else
        fprintf(f, "DEBUG: %s body: %s\n", what, safe);
    free(safe);
}

static int has_header(const char *const *headers, const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = 0; headers && headers[i]; i++)
        if (strncasecmp(headers[i], name, nl) == 0 && headers[i][nl] == ':')
            return 1;
    return 0;
}

/* Adds a header line to the list (and to the debug stream). */
static int add_header(struct curl_slist **list, FILE *debug, const char *line)
{
    struct curl_slist *l = curl_slist_append(*list, line);
    if (!l)
        return -1;
    *list = l;
    if (debug) {
        char *safe = clihttp_redact_header(line);
        fprintf(debug, "DEBUG: Request header: %s\n", safe);
        free(safe);
    }
    return 0;
}

static char *transport_error(const struct clihttp_request *rq, CURLcode rc, const char *errbuf,
                             long timeout_ms)
{
    const char *detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    const char *hint = "";
    switch (rc) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
        hint = " (is the server's CA certificate given with --ca-file, ACCELNET_CA_FILE or "
               "`accelnet login --ca-file`?)";
        break;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
        hint = " (is accelnetd running there?)";
        break;
    case CURLE_OPERATION_TIMEDOUT:
        return util_asprintf("%s %s: no answer within %ld s (--timeout)", rq->method, rq->url,
                             timeout_ms / 1000);
    default:
        break;
    }
    return util_asprintf("%s %s: %s%s", rq->method, rq->url, detail, hint);
}

int clihttp_perform(const struct clihttp_request *rq, struct clihttp_response *rp, char **err)
{
    CURL *h = NULL;
    struct curl_slist *hdrs = NULL;
    char errbuf[CURL_ERROR_SIZE] = "";
    struct transfer t = {rp, 0};
    long timeout_ms = rq->timeout_ms > 0 ? rq->timeout_ms : 60000;
    int rc = -1;
    char *line = NULL;

    memset(rp, 0, sizeof(*rp));
    util_uuid4(rp->client_request_id);
    h = curl_easy_init();
    if (!h) {
        *err = util_xstrdup("cannot initialise libcurl");
        goto out;
    }
    if (rq->debug)
        fprintf(rq->debug, "DEBUG: Request: %s %s\n", rq->method, rq->url);

    int bad = 0;
    bad |= add_header(&hdrs, rq->debug, "Accept: application/json");
    if (rq->token && !has_header(rq->headers, "Authorization")) {
        line = util_asprintf("Authorization: Bearer %s", rq->token);
        bad |= add_header(&hdrs, rq->debug, line);
        free(line);
        line = NULL;
    }
    line = util_asprintf("x-ms-client-request-id: %s", rp->client_request_id);
    bad |= add_header(&hdrs, rq->debug, line);
    if (rq->body && !has_header(rq->headers, "Content-Type"))
        bad |= add_header(&hdrs, rq->debug, "Content-Type: application/json");
    /* No "Expect: 100-continue" round trip for large bodies. */
    bad |= add_header(&hdrs, NULL, "Expect:");
    for (size_t i = 0; rq->headers && rq->headers[i]; i++)
        bad |= add_header(&hdrs, rq->debug, rq->headers[i]);
    if (bad) {
        *err = util_xstrdup("out of memory building the request headers");
        goto out;
    }
    if (rq->debug && rq->body)
        debug_body(rq->debug, "Request", rq->body, rq->body_len);

    char ua[64];
    snprintf(ua, sizeof(ua), "accelnet-cli/%s", ACCELNET_VERSION);
    CURLcode c = CURLE_OK;
#define SETOPT(opt, val)                       \
    do {                                       \
        if (c == CURLE_OK)                     \
            c = curl_easy_setopt(h, opt, val); \
    } while (0)
    SETOPT(CURLOPT_URL, rq->url);
    SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
    SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
    SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
    SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
    if (rq->ca_file)
        SETOPT(CURLOPT_CAINFO, rq->ca_file);
    SETOPT(CURLOPT_TIMEOUT_MS, timeout_ms);
    SETOPT(CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 10000 ? timeout_ms : 10000L);
    SETOPT(CURLOPT_NOSIGNAL, 1L);
    SETOPT(CURLOPT_USERAGENT, ua);
    SETOPT(CURLOPT_HTTPHEADER, hdrs);
    SETOPT(CURLOPT_ERRORBUFFER, errbuf);
    SETOPT(CURLOPT_WRITEFUNCTION, on_body);
    SETOPT(CURLOPT_WRITEDATA, &t);
    SETOPT(CURLOPT_HEADERFUNCTION, on_header);
    SETOPT(CURLOPT_HEADERDATA, &t);
    if (strcmp(rq->method, "GET") == 0 && !rq->body) {
        SETOPT(CURLOPT_HTTPGET, 1L);
    } else if (strcmp(rq->method, "HEAD") == 0) {
        SETOPT(CURLOPT_NOBODY, 1L);
    } else {
        SETOPT(CURLOPT_CUSTOMREQUEST, rq->method);
        if (rq->body) {
            SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
            SETOPT(CURLOPT_POSTFIELDS, rq->body);
        } else if (strcmp(rq->method, "POST") == 0 || strcmp(rq->method, "PUT") == 0 ||
                   strcmp(rq->method, "PATCH") == 0) {
            /* An empty body with Content-Length: 0, not a chunked one. */
            SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
            SETOPT(CURLOPT_POSTFIELDS, "");
        }
    }
#undef SETOPT
    if (c != CURLE_OK) {
        *err = util_asprintf("cannot set up the request: %s", curl_easy_strerror(c));
        goto out;
    }

    uint64_t t0 = util_now_ms();
    c = curl_easy_perform(h);
    if (c != CURLE_OK) {
        if (t.too_big)
            *err = util_asprintf("%s %s: the response is larger than %u bytes", rq->method, rq->url,
                                 CLIHTTP_MAX_RESPONSE);
        else
            *err = transport_error(rq, c, errbuf, timeout_ms);
        if (rq->debug)
            fprintf(rq->debug, "DEBUG: No response: %s\n", *err);
        goto out;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &rp->status);
    if (rq->debug) {
        fprintf(rq->debug, "DEBUG: Response: %ld (%llu ms)\n", rp->status,
                (unsigned long long)(util_now_ms() - t0));
        for (size_t i = 0; i < rp->nheaders; i++)
            fprintf(rq->debug, "DEBUG: Response header: %s: %s\n", rp->headers[i].name,
                    rp->headers[i].value);
        debug_body(rq->debug, "Response", rp->body.data, rp->body.len);
    }
    rc = 0;
out:
    free(line);
    curl_slist_free_all(hdrs);
    if (h)
        curl_easy_cleanup(h);
    return rc;
}
