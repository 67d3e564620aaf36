#include "service/agentclient.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "common/log.h"
#include "common/util.h"
#include "common/version.h"
#include "service/config.h"
#include "service/outbox.h"

/* The most of an agent's answer that is read (an inventory of a big host is
 * well under this). */
#define AGENTC_MAX_RESPONSE (8u << 20)
#define AGENTC_RETRY_MAX_MS 30000u
/* How long agentc_run() waits in one poll at most while a retry is due. */
#define AGENTC_POLL_MS 1000
/* How long a thread's parsed CA store (ACCELNET_AGENT_CA_FILE) is reused: a
 * CA file replaced in place takes effect within this time. */
#define AGENTC_CA_CACHE_S 300L

struct agentc {
    struct agentc_opts o;
    char *ca_file; /* owned copy */
};

/* Process-wide counters for /metrics. */
static unsigned long long agentc_calls_total, agentc_failures_total, agentc_retries_total;
static unsigned long long agentc_policy_fallbacks_total;

void agentc_metrics_render(struct buf *out)
{
    buf_appendf(out,
                "# HELP accelnet_agent_calls_total Calls to host agents (each counted once, "
                "however many attempts it took).\n"
                "# TYPE accelnet_agent_calls_total counter\n"
                "accelnet_agent_calls_total %llu\n"
                "# HELP accelnet_agent_call_failures_total Calls to host agents that failed "
                "after their last attempt.\n"
                "# TYPE accelnet_agent_call_failures_total counter\n"
                "accelnet_agent_call_failures_total %llu\n"
                "# HELP accelnet_agent_retries_total Attempts repeated after a connection "
                "error, a timeout or a 5xx answer.\n"
                "# TYPE accelnet_agent_retries_total counter\n"
                "accelnet_agent_retries_total %llu\n"
                "# HELP accelnet_agent_policy_batch_fallbacks_total Batches of policies "
                "(POST /v1/policies) sent as one PUT per NIC instead, because the agent does not "
                "serve the batch route (an older agent) or refused its size.\n"
                "# TYPE accelnet_agent_policy_batch_fallbacks_total counter\n"
                "accelnet_agent_policy_batch_fallbacks_total %llu\n",
                __atomic_load_n(&agentc_calls_total, __ATOMIC_RELAXED),
                __atomic_load_n(&agentc_failures_total, __ATOMIC_RELAXED),
                __atomic_load_n(&agentc_retries_total, __ATOMIC_RELAXED),
                __atomic_load_n(&agentc_policy_fallbacks_total, __ATOMIC_RELAXED));
}

void agentc_opts_from(const struct config *cfg, struct agentc_opts *out)
{
    memset(out, 0, sizeof(*out));
    out->timeout_ms = cfg->agent_timeout_ms;
    out->retries = cfg->agent_retries;
    out->retry_base_ms = cfg->agent_retry_base_ms;
    out->retry_max_ms = AGENTC_RETRY_MAX_MS;
    out->ca_file = cfg->agent_ca_file;
    out->max_in_flight = cfg->agent_max_in_flight;
    out->max_per_host = cfg->agent_max_per_host;
}

struct agentc *agentc_new(const struct agentc_opts *opts)
{
    /* A CA file that cannot be read would fail every call: say so at once. */
    if (opts->ca_file && access(opts->ca_file, R_OK) != 0) {
        log_error("agent client: ACCELNET_AGENT_CA_FILE %s cannot be read: %s", opts->ca_file,
                  strerror(errno));
        return NULL;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        log_error("agent client: libcurl failed to initialise");
        return NULL;
    }
    struct agentc *ac = util_xcalloc(1, sizeof(*ac));
    ac->o = *opts;
    ac->ca_file = opts->ca_file ? util_xstrdup(opts->ca_file) : NULL;
    ac->o.ca_file = ac->ca_file;
    if (!ac->o.timeout_ms)
        ac->o.timeout_ms = 5000;
    if (!ac->o.retry_base_ms)
        ac->o.retry_base_ms = 200;
    if (!ac->o.retry_max_ms)
        ac->o.retry_max_ms = AGENTC_RETRY_MAX_MS;
    if (!ac->o.max_in_flight)
        ac->o.max_in_flight = 32;
    if (!ac->o.max_per_host)
        ac->o.max_per_host = 4;
    return ac;
}

void agentc_free(struct agentc *ac)
{
    if (!ac)
        return;
    free(ac->ca_file);
    free(ac);
    curl_global_cleanup();
}

unsigned long agentc_backoff_ms(unsigned retry, unsigned base_ms, unsigned max_ms, uint32_t rnd)
{
    /* The outbox's schedule: doubling, capped, "equal jitter". */
    return outbox_backoff_ms(retry, base_ms, max_ms, rnd);
}

/* --- URLs ------------------------------------------------------------------------------- */

static int agentc_is_loopback(const char *host)
{
    struct in_addr a4;
    if (strcasecmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0)
        return 1;
    return inet_pton(AF_INET, host, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127;
}

const char *agentc_url_problem(const char *url)
{
    const char *why = NULL;
    char *scheme = NULL, *host = NULL, *user = NULL, *query = NULL, *fragment = NULL;
    if (!url || !*url)
        return "must not be empty";
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
            return "must not contain spaces or control characters";
    if (strncasecmp(url, "https://", 8) != 0 && strncasecmp(url, "http://", 7) != 0)
        return "must be an https:// URL (or http:// to a loopback address)";
    CURLU *u = curl_url();
    if (!u)
        return "could not be checked (out of memory)";
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host) {
        why = "is not a URL with a host (for example https://10.0.0.7:9101)";
        goto out;
    }
    if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
        why = "must not carry a user name or password";
        goto out;
    }
    if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK ||
        curl_url_get(u, CURLUPART_FRAGMENT, &fragment, 0) == CURLUE_OK) {
        why = "must not have a query or a fragment";
        goto out;
    }
    if (strcmp(scheme, "http") == 0 && !agentc_is_loopback(host))
        why = "may only be http:// for a loopback address (127.0.0.1, [::1], localhost); use "
              "https:// for anything else";
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(user);
    curl_free(query);
    curl_free(fragment);
    curl_url_cleanup(u);
    return why;
}

/* --- one transfer ----------------------------------------------------------------------- */

enum agentc_xstate { XS_WAITING, XS_RUNNING, XS_DONE };

struct agentc_xfer {
    struct agentc_call *call;
    const char *method;
    char *url;
    char *body; /* request body or NULL */
    struct curl_slist *headers;
    CURL *easy;
    struct buf resp;
    int too_big;
    enum agentc_xstate state;
    uint64_t not_before_ms;
    size_t host_slot; /* index into the fan-out's per-host counts */
    char curl_err[CURL_ERROR_SIZE];
    /* SET_POLICIES: the policies[] index of each NIC in the body, in order. */
    size_t *sent;
    size_t nsent;
};

static void agentc_fail(struct agentc_call *call, enum agentc_fail kind, long status,
                        const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void agentc_fail(struct agentc_call *call, enum agentc_fail kind, long status,
                        const char *code, const char *fmt, ...)
{
    va_list ap;
    call->err.kind = kind;
    call->err.http_status = status;
    snprintf(call->err.code, sizeof(call->err.code), "%s", code ? code : "");
    va_start(ap, fmt);
    vsnprintf(call->err.message, sizeof(call->err.message), fmt, ap);
    va_end(ap);
}

static const char *agentc_op_name(enum agentc_op op)
{
    static const char *const names[] = {"health",    "attach",  "set policy",  "detach",
                                        "inventory", "service", "set policies"};
    return (unsigned)op < sizeof(names) / sizeof(names[0]) ? names[op] : "?";
}

static json_t *agentc_rules(const json_t *rules)
{
    return rules ? json_deep_copy(rules) : json_array();
}

/* The rules of one fan-out as JSON text, by json_t: a change to one NSG
 * sends the same rules to every NIC it reaches, serialised once. */
struct agentc_rules_cache {
    const json_t **rules;
    char **text;
    size_t n;
};

static const char *agentc_rules_text(struct agentc_rules_cache *rc, const json_t *rules)
{
    for (size_t i = 0; i < rc->n; i++)
        if (rc->rules[i] == rules)
            return rc->text[i];
    char *t = rules ? json_dumps(rules, JSON_COMPACT) : util_xstrdup("[]");
    if (!t)
        return NULL;
    rc->rules = util_xrealloc(rc->rules, (rc->n + 1) * sizeof(*rc->rules));
    rc->text = util_xrealloc(rc->text, (rc->n + 1) * sizeof(*rc->text));
    rc->rules[rc->n] = rules;
    rc->text[rc->n] = t;
    return rc->text[rc->n++];
}

static void agentc_rules_cache_free(struct agentc_rules_cache *rc)
{
    for (size_t i = 0; i < rc->n; i++)
        free(rc->text[i]);
    free(rc->text);
    free(rc->rules);
}

/* The body of POST /v1/policies: each distinct rule set once (by json_t, its
 * text from the fan-out's cache), then the NICs with the index of theirs. A
 * NIC whose id is not a UUID is not sent (its own err says why). 0, or -1
 * with call->err set when no request can be made. */
static int agentc_policies_body(struct agentc_xfer *x, struct agentc_rules_cache *rc)
{
    struct agentc_call *call = x->call;
    const char *host = call->target.host ? call->target.host : "?";
    if (!call->policies || call->npolicies == 0 || call->npolicies > AGENTC_POLICIES_MAX) {
        agentc_fail(call, AGENTC_E_URL, 0, NULL,
                    "host %s: a set policies call takes 1 to %d NICs, not %zu", host,
                    AGENTC_POLICIES_MAX, call->policies ? call->npolicies : 0);
        return -1;
    }
    const json_t **sets = util_xcalloc(call->npolicies, sizeof(*sets));
    size_t nsets = 0;
    struct buf nics = {0}, body = {0};
    int rc_out = -1;
    x->sent = util_xcalloc(call->npolicies, sizeof(*x->sent));
    for (size_t i = 0; i < call->npolicies; i++) {
        struct agentc_policy *p = &call->policies[i];
        if (!p->nic_id || !util_is_guid(p->nic_id)) {
            snprintf(p->err.message, sizeof(p->err.message), "the NIC id '%s' is not a UUID",
                     p->nic_id ? p->nic_id : "");
            p->err.kind = AGENTC_E_URL;
            continue;
        }
        size_t k = 0;
        while (k < nsets && sets[k] != p->rules)
            k++;
        if (k == nsets)
            sets[nsets++] = p->rules;
        buf_appendf(&nics, "%s{\"nicId\":\"%s\",\"generation\":%lld,\"ruleSet\":%zu}",
                    x->nsent ? "," : "", p->nic_id, p->generation, k);
        x->sent[x->nsent++] = i;
    }
    if (x->nsent == 0) {
        agentc_fail(call, AGENTC_E_URL, 0, NULL, "host %s: no NIC of the call has a usable id",
                    host);
        goto out;
    }
    buf_appendf(&body, "{\"ruleSets\":[");
    for (size_t k = 0; k < nsets; k++) {
        const char *text = agentc_rules_text(rc, sets[k]);
        if (!text) {
            agentc_fail(call, AGENTC_E_URL, 0, NULL, "the rules cannot be serialised");
            goto out;
        }
        buf_appendf(&body, "%s%s", k ? "," : "", text);
    }
    buf_appendf(&body, "],\"nics\":[%s]}", nics.data);
    x->body = body.data;
    body.data = NULL;
    rc_out = 0;
out:
    buf_free(&body);
    buf_free(&nics);
    free(sets);
    return rc_out;
}

/* Builds method, URL and body; -1 with call->err set when the call cannot be
 * made at all. */
static int agentc_prepare(struct agentc_xfer *x, struct agentc_rules_cache *rc)
{
    struct agentc_call *call = x->call;
    const struct agentc_target *t = &call->target;
    const char *why = agentc_url_problem(t->url);
    if (why) {
        agentc_fail(call, AGENTC_E_URL, 0, NULL, "host %s: the agent URL '%s' %s",
                    t->host ? t->host : "?", t->url ? t->url : "", why);
        return -1;
    }
    if (!t->token || !*t->token || strpbrk(t->token, "\r\n")) {
        agentc_fail(call, AGENTC_E_URL, 0, NULL, "host %s: no usable callback token",
                    t->host ? t->host : "?");
        return -1;
    }
    if (call->op != AGENTC_HEALTH && call->op != AGENTC_INVENTORY && call->op != AGENTC_SERVICE &&
        call->op != AGENTC_SET_POLICIES && (!call->nic_id || !util_is_guid(call->nic_id))) {
        agentc_fail(call, AGENTC_E_URL, 0, NULL, "the NIC id '%s' is not a UUID",
                    call->nic_id ? call->nic_id : "");
        return -1;
    }
    size_t blen = strlen(t->url);
    while (blen && t->url[blen - 1] == '/')
        blen--;
    json_t *body = NULL;
    switch (call->op) {
    case AGENTC_HEALTH:
        x->method = "GET";
        x->url = util_asprintf("%.*s/v1/health", (int)blen, t->url);
        break;
    case AGENTC_INVENTORY:
        x->method = "GET";
        x->url = util_asprintf("%.*s/v1/nics", (int)blen, t->url);
        break;
    case AGENTC_SERVICE:
        x->method = "POST";
        x->url = util_asprintf("%.*s/v1/service", (int)blen, t->url);
        body = json_pack("{s:s}", "action", call->service_start ? "start" : "complete");
        break;
    case AGENTC_DETACH:
        x->method = "DELETE";
        x->url = util_asprintf("%.*s/v1/nics/%s", (int)blen, t->url, call->nic_id);
        break;
    case AGENTC_SET_POLICY:
        x->method = "PUT";
        x->url = util_asprintf("%.*s/v1/nics/%s/policy", (int)blen, t->url, call->nic_id);
        {
            const char *rules = agentc_rules_text(rc, call->rules);
            if (!rules) {
                agentc_fail(call, AGENTC_E_URL, 0, NULL, "the rules cannot be serialised");
                return -1;
            }
            x->body = util_asprintf("{\"generation\":%lld,\"rules\":%s}",
                                    (long long)call->policy_generation, rules);
            break;
        }
    case AGENTC_SET_POLICIES:
        x->method = "POST";
        x->url = util_asprintf("%.*s/v1/policies", (int)blen, t->url);
        if (agentc_policies_body(x, rc) != 0)
            return -1;
        break;
    case AGENTC_ATTACH: {
        const struct agentc_attach *a = call->attach;
        if (!a) {
            agentc_fail(call, AGENTC_E_URL, 0, NULL, "attach without its parameters");
            return -1;
        }
        x->method = "PUT";
        x->url = util_asprintf("%.*s/v1/nics/%s", (int)blen, t->url, call->nic_id);
        body = json_pack("{s:s?, s:s?, s:s?, s:i, s:s?, s:I, s:I, s:{s:I, s:o}}", "vmId", a->vm_id,
                         "macAddress", a->mac_address, "ipAddress", a->ip_address, "prefixLength",
                         a->prefix_length, "gateway", a->gateway, "segmentId",
                         (json_int_t)a->segment_id, "rateLimitMbps", (json_int_t)a->rate_limit_mbps,
                         "policy", "generation", (json_int_t)a->policy_generation, "rules",
                         agentc_rules(a->rules));
        break;
    }
    }
    if (body) {
        x->body = json_dumps(body, JSON_COMPACT);
        json_decref(body);
    }
    char *auth = util_asprintf("Authorization: Bearer %s", t->token);
    const char *const lines[] = {"Accept: application/json",
                                 "User-Agent: accelnetd/" ACCELNET_VERSION, "Expect:", auth,
                                 x->body ? "Content-Type: application/json; charset=utf-8" : NULL};
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]) && lines[i]; i++)
        x->headers = curl_slist_append(x->headers, lines[i]);
    sodium_memzero(auth, strlen(auth));
    free(auth);
    return 0;
}

static size_t agentc_write(char *data, size_t size, size_t n, void *arg)
{
    struct agentc_xfer *x = arg;
    if (x->resp.len + size * n > AGENTC_MAX_RESPONSE) {
        x->too_big = 1;
        return 0;
    }
    buf_append(&x->resp, data, size * n);
    return size * n;
}

/* A new easy handle for the next attempt. -1 when libcurl refuses. */
static int agentc_start(struct agentc *ac, struct agentc_xfer *x)
{
    CURL *c = curl_easy_init();
    CURLcode rc = c ? CURLE_OK : CURLE_OUT_OF_MEMORY;
#define AGENTC_SETOPT(opt, val)                     \
    do {                                            \
        if (rc == CURLE_OK)                         \
            rc = curl_easy_setopt(c, (opt), (val)); \
    } while (0)
    AGENTC_SETOPT(CURLOPT_URL, x->url);
    AGENTC_SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
    AGENTC_SETOPT(CURLOPT_NOSIGNAL, 1L);
    AGENTC_SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
    AGENTC_SETOPT(CURLOPT_TIMEOUT_MS, (long)ac->o.timeout_ms);
    AGENTC_SETOPT(CURLOPT_CONNECTTIMEOUT_MS, (long)ac->o.timeout_ms);
    AGENTC_SETOPT(CURLOPT_HTTPHEADER, x->headers);
    AGENTC_SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
    AGENTC_SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
    if (ac->o.ca_file)
        AGENTC_SETOPT(CURLOPT_CAINFO, ac->o.ca_file);
#if LIBCURL_VERSION_NUM >= 0x075700 /* 7.87.0 */
    AGENTC_SETOPT(CURLOPT_CA_CACHE_TIMEOUT, AGENTC_CA_CACHE_S);
#endif
    AGENTC_SETOPT(CURLOPT_WRITEFUNCTION, agentc_write);
    AGENTC_SETOPT(CURLOPT_WRITEDATA, x);
    AGENTC_SETOPT(CURLOPT_ERRORBUFFER, x->curl_err);
    AGENTC_SETOPT(CURLOPT_PRIVATE, x);
    if (strcmp(x->method, "GET") != 0)
        AGENTC_SETOPT(CURLOPT_CUSTOMREQUEST, x->method);
    if (x->body) {
        AGENTC_SETOPT(CURLOPT_POSTFIELDS, x->body);
        AGENTC_SETOPT(CURLOPT_POSTFIELDSIZE, (long)strlen(x->body));
    }
#undef AGENTC_SETOPT
    if (rc != CURLE_OK) {
        agentc_fail(x->call, AGENTC_E_URL, 0, NULL, "libcurl: %s", curl_easy_strerror(rc));
        if (c)
            curl_easy_cleanup(c);
        return -1;
    }
    buf_free(&x->resp);
    x->too_big = 0;
    x->curl_err[0] = '\0';
    x->easy = c;
    x->call->err.attempts++;
    return 0;
}

/* --- answers ---------------------------------------------------------------------------- */

static void agentc_copy(char *dst, size_t size, const json_t *v)
{
    snprintf(dst, size, "%s", json_is_string(v) ? json_string_value(v) : "");
}

/* A NIC object; -1 when it lacks what the protocol promises. */
static int agentc_parse_nic(const json_t *o, struct agentc_nic *n)
{
    const json_t *vf = json_object_get(o, "vf");
    memset(n, 0, sizeof(*n));
    if (!json_is_string(json_object_get(o, "nicId")) || !json_is_object(vf) ||
        !json_is_string(json_object_get(vf, "pf")) ||
        !json_is_integer(json_object_get(vf, "vfIndex")) ||
        !json_is_string(json_object_get(vf, "pciAddress")))
        return -1;
    agentc_copy(n->nic_id, sizeof(n->nic_id), json_object_get(o, "nicId"));
    agentc_copy(n->vm_id, sizeof(n->vm_id), json_object_get(o, "vmId"));
    agentc_copy(n->mac_address, sizeof(n->mac_address), json_object_get(o, "macAddress"));
    n->policy_generation = json_integer_value(json_object_get(o, "policyGeneration"));
    agentc_copy(n->vf.pf, sizeof(n->vf.pf), json_object_get(vf, "pf"));
    n->vf.vf_index = (long)json_integer_value(json_object_get(vf, "vfIndex"));
    agentc_copy(n->vf.pci_address, sizeof(n->vf.pci_address), json_object_get(vf, "pciAddress"));
    agentc_copy(n->vf.representor, sizeof(n->vf.representor), json_object_get(vf, "representor"));
    agentc_copy(n->vf.driver, sizeof(n->vf.driver), json_object_get(vf, "driver"));
    agentc_copy(n->vf.vendor_id, sizeof(n->vf.vendor_id), json_object_get(vf, "vendorId"));
    agentc_copy(n->vf.device_id, sizeof(n->vf.device_id), json_object_get(vf, "deviceId"));
    return 0;
}

/* The 200 of POST /v1/policies: {"results": [...]}, one per NIC sent, in
 * order. Each NIC's outcome into its err. -1 when the answer is not that
 * (then no NIC's err has been touched). */
static int agentc_parse_results(struct agentc_xfer *x, const json_t *j)
{
    struct agentc_call *call = x->call;
    const char *host = call->target.host ? call->target.host : "?";
    const json_t *res = json_object_get(j, "results");
    if (!json_is_array(res) || json_array_size(res) != x->nsent)
        return -1;
    for (size_t i = 0; i < x->nsent; i++) {
        const json_t *r = json_array_get(res, i);
        const char *id = json_string_value(json_object_get(r, "nicId"));
        const json_t *st = json_object_get(r, "status");
        if (!id || strcasecmp(id, call->policies[x->sent[i]].nic_id) != 0 || !json_is_integer(st) ||
            json_integer_value(st) < 200 || json_integer_value(st) > 599)
            return -1;
    }
    for (size_t i = 0; i < x->nsent; i++) {
        const json_t *r = json_array_get(res, i);
        struct agentc_policy *p = &call->policies[x->sent[i]];
        long status = (long)json_integer_value(json_object_get(r, "status"));
        const char *code = json_string_value(json_object_get(r, "code"));
        const char *msg = json_string_value(json_object_get(r, "message"));
        memset(&p->err, 0, sizeof(p->err));
        p->err.attempts = call->err.attempts;
        p->err.http_status = status;
        p->policy_generation = json_integer_value(json_object_get(r, "policyGeneration"));
        if (status == 200)
            continue;
        p->err.kind = AGENTC_E_HTTP;
        snprintf(p->err.code, sizeof(p->err.code), "%s", code ? code : "");
        snprintf(p->err.message, sizeof(p->err.message),
                 "host %s: set policy of NIC %s answered HTTP %ld%s%s", host, p->nic_id, status,
                 msg ? ": " : "", msg ? msg : "");
    }
    return 0;
}

/* A 2xx answer: fills the call's outputs. -1 with err set when it is not what
 * the protocol says. */
static int agentc_parse_ok(struct agentc_xfer *x, long status)
{
    struct agentc_call *call = x->call;
    json_t *j = NULL;
    int ok = 0;
    if (call->op == AGENTC_DETACH && (status == 200 || status == 204)) {
        call->detached = status == 200;
        return 0;
    }
    int want_201 = call->op == AGENTC_ATTACH;
    if (status != 200 && !(want_201 && status == 201))
        goto bad;
    j = json_loadb(x->resp.data ? x->resp.data : "", x->resp.len, 0, NULL);
    if (!json_is_object(j))
        goto bad;
    switch (call->op) {
    case AGENTC_HEALTH: {
        struct agentc_health *h = &call->health;
        if (!json_is_string(json_object_get(j, "status")))
            goto bad;
        agentc_copy(h->status, sizeof(h->status), json_object_get(j, "status"));
        agentc_copy(h->host_name, sizeof(h->host_name), json_object_get(j, "hostName"));
        agentc_copy(h->backend, sizeof(h->backend), json_object_get(j, "backend"));
        h->vfs_total = (long)json_integer_value(json_object_get(j, "vfsTotal"));
        h->vfs_in_use = (long)json_integer_value(json_object_get(j, "vfsInUse"));
        ok = 1;
        break;
    }
    case AGENTC_ATTACH:
    case AGENTC_SET_POLICY:
        ok = agentc_parse_nic(j, &call->nic) == 0;
        call->created = status == 201;
        break;
    case AGENTC_INVENTORY: {
        json_t *v = json_object_get(j, "value");
        if (!json_is_array(v))
            goto bad;
        size_t n = json_array_size(v);
        call->nics = util_xcalloc(n ? n : 1, sizeof(*call->nics));
        call->nnics = n;
        ok = 1;
        for (size_t i = 0; i < n && ok; i++)
            ok = agentc_parse_nic(json_array_get(v, i), &call->nics[i]) == 0;
        if (!ok) {
            free(call->nics);
            call->nics = NULL;
            call->nnics = 0;
        }
        break;
    }
    case AGENTC_SERVICE:
        if (!json_is_boolean(json_object_get(j, "servicing")))
            goto bad;
        call->service_vfs = (long)json_integer_value(json_object_get(j, "virtualFunctions"));
        ok = 1;
        break;
    case AGENTC_SET_POLICIES:
        ok = agentc_parse_results(x, j) == 0;
        break;
    case AGENTC_DETACH:
        break;
    }
    if (ok) {
        json_decref(j);
        return 0;
    }
bad:
    json_decref(j);
    agentc_fail(call, AGENTC_E_PROTOCOL, status, NULL,
                "host %s: the agent's answer to %s (HTTP %ld) is not what the protocol says",
                call->target.host ? call->target.host : "?", agentc_op_name(call->op), status);
    return -1;
}

/* An error status: the agent's code and message from the ARM envelope. */
static void agentc_http_error(struct agentc_xfer *x, long status)
{
    json_t *j = json_loadb(x->resp.data ? x->resp.data : "", x->resp.len, 0, NULL);
    json_t *e = json_object_get(j, "error");
    const char *code = json_string_value(json_object_get(e, "code"));
    const char *msg = json_string_value(json_object_get(e, "message"));
    agentc_fail(
        x->call, AGENTC_E_HTTP, status, code ? code : (status == 401 ? "AuthenticationFailed" : ""),
        "host %s: %s answered HTTP %ld%s%s", x->call->target.host ? x->call->target.host : "?",
        agentc_op_name(x->call->op), status, msg ? ": " : "", msg ? msg : "");
    json_decref(j);
}

static int agentc_curl_retryable(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
        return 1;
    default:
        return 0;
    }
}

static int agentc_curl_tls(CURLcode rc)
{
    switch (rc) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CONNECT_ERROR:
        return 1;
    default:
        return 0;
    }
}

/* A SET_POLICIES call answered as an agent without batches answers it (404
 * that is no NIC's, 405), or refused for its size (413): its NICs go one PUT
 * each. */
static int agentc_wants_per_nic(const struct agentc_call *call)
{
    if (call->op != AGENTC_SET_POLICIES || call->err.kind != AGENTC_E_HTTP)
        return 0;
    long s = call->err.http_status;
    /* 400: the agent refused the batch as a whole (one NIC's rules over its
     * limit, say): one by one, only that NIC fails. */
    return s == 400 || s == 405 || s == 413 ||
           (s == 404 && strcmp(call->err.code, "NicNotFound") != 0);
}

/* One attempt ended: done (success or final failure) or due again later. */
static void agentc_finish(struct agentc *ac, struct agentc_xfer *x, CURLcode rc)
{
    struct agentc_call *call = x->call;
    long status = 0;
    int retry = 0;
    const char *host = call->target.host ? call->target.host : "?";
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    if (rc == CURLE_OK && status >= 200 && status < 300) {
        if (agentc_parse_ok(x, status) == 0) {
            /* What earlier attempts said no longer matters. */
            call->err.kind = AGENTC_OK;
            call->err.http_status = status;
            call->err.code[0] = call->err.message[0] = '\0';
        }
    } else if (rc == CURLE_OK && status >= 500) {
        agentc_http_error(x, status);
        retry = 1;
    } else if (rc == CURLE_OK && status >= 400) {
        agentc_http_error(x, status);
    } else if (rc == CURLE_OK) {
        agentc_fail(call, AGENTC_E_PROTOCOL, status, NULL,
                    "host %s: %s answered HTTP %ld, which the protocol does not use", host,
                    agentc_op_name(call->op), status);
    } else if (rc == CURLE_WRITE_ERROR && x->too_big) {
        agentc_fail(call, AGENTC_E_PROTOCOL, status, NULL,
                    "host %s: the answer to %s is larger than %u bytes", host,
                    agentc_op_name(call->op), AGENTC_MAX_RESPONSE);
    } else {
        agentc_fail(call, agentc_curl_tls(rc) ? AGENTC_E_TLS : AGENTC_E_UNREACHABLE, 0, NULL,
                    "host %s: %s at %s: %s", host, agentc_op_name(call->op), call->target.url,
                    x->curl_err[0] ? x->curl_err : curl_easy_strerror(rc));
        /* A certificate that does not verify will not verify next time;
         * a handshake cut short may go through. */
        retry = agentc_curl_retryable(rc);
    }
    curl_easy_cleanup(x->easy);
    x->easy = NULL;
    if (retry && call->err.attempts <= ac->o.retries) {
        unsigned long delay = agentc_backoff_ms(call->err.attempts, ac->o.retry_base_ms,
                                                ac->o.retry_max_ms, randombytes_random());
        log_fields(LOGL_DEBUG,
                   json_pack("{s:s, s:s, s:s, s:i, s:s, s:I}", "msg",
                             "agent call failed; will retry", "host", host, "op",
                             agentc_op_name(call->op), "attempt", (int)call->err.attempts, "error",
                             call->err.message, "retryInMs", (json_int_t)delay));
        __atomic_add_fetch(&agentc_retries_total, 1, __ATOMIC_RELAXED);
        x->not_before_ms = util_now_ms() + delay;
        x->state = XS_WAITING;
        return;
    }
    x->state = XS_DONE;
    __atomic_add_fetch(&agentc_calls_total, 1, __ATOMIC_RELAXED);
    if (agentc_wants_per_nic(call))
        return; /* not a failure: agentc_policies_finish() sends them one by one */
    if (call->err.kind != AGENTC_OK)
        __atomic_add_fetch(&agentc_failures_total, 1, __ATOMIC_RELAXED);
    if (call->err.kind != AGENTC_OK)
        log_fields(LOGL_WARN, json_pack("{s:s, s:s, s:s, s:i, s:s}", "msg", "agent call failed",
                                        "host", host, "op", agentc_op_name(call->op), "attempts",
                                        (int)call->err.attempts, "error", call->err.message));
}

/* --- the fan-out ------------------------------------------------------------------------ */

static const char *agentc_host_key(const struct agentc_call *c)
{
    return c->target.host ? c->target.host : c->target.url ? c->target.url : "";
}

static int agentc_host_cmp(const void *a, const void *b)
{
    const struct agentc_xfer *x = *(const struct agentc_xfer *const *)a;
    const struct agentc_xfer *y = *(const struct agentc_xfer *const *)b;
    return strcmp(agentc_host_key(x->call), agentc_host_key(y->call));
}

/* Gives each transfer the slot of its host (calls to one host share one),
 * sorting instead of comparing every pair: a fan-out has thousands. */
static void agentc_host_slots(struct agentc_xfer *xs, size_t n)
{
    struct agentc_xfer **order = util_xcalloc(n ? n : 1, sizeof(*order));
    for (size_t i = 0; i < n; i++)
        order[i] = &xs[i];
    qsort(order, n, sizeof(*order), agentc_host_cmp);
    size_t slot = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && agentc_host_cmp(&order[i - 1], &order[i]) != 0)
            slot++;
        order[i]->host_slot = slot;
    }
    free(order);
}

/* One multi handle per thread, kept between fan-outs: its connection cache
 * keeps the TLS connections to agents (and its CA store) from one change to
 * the next, instead of a handshake per agent per change. Freed when the
 * thread ends (the workers, the reconciler and the HTTP threads all end
 * before agentc_free()). */
static pthread_key_t agentc_multi_key;
static pthread_once_t agentc_multi_once = PTHREAD_ONCE_INIT;
static int agentc_multi_key_ok;

static void agentc_multi_free(void *m)
{
    curl_multi_cleanup(m);
}

static void agentc_multi_key_init(void)
{
    agentc_multi_key_ok = pthread_key_create(&agentc_multi_key, agentc_multi_free) == 0;
}

static CURLM *agentc_thread_multi(const struct agentc *ac)
{
    pthread_once(&agentc_multi_once, agentc_multi_key_init);
    if (!agentc_multi_key_ok)
        return NULL;
    CURLM *m = pthread_getspecific(agentc_multi_key);
    if (m)
        return m;
    m = curl_multi_init();
    if (!m)
        return NULL;
    /* As many idle connections as one fan-out has in flight (a batch per
     * host): each thread keeps that many descriptors at most. */
    if (curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, (long)ac->o.max_in_flight) != CURLM_OK ||
        pthread_setspecific(agentc_multi_key, m) != 0) {
        curl_multi_cleanup(m);
        return NULL;
    }
    return m;
}

/* After the transfers, the NICs of SET_POLICIES calls: those of a call that
 * failed get its err; those of an agent without batches go one PUT
 * /v1/nics/{nicId}/policy each, in one more fan-out within the same bounds
 * (its calls are SET_POLICY, so this recurses once at most). */
static void agentc_policies_finish(struct agentc *ac, struct agentc_xfer *xs, size_t n)
{
    size_t nsub = 0;
    for (size_t i = 0; i < n; i++) {
        struct agentc_call *call = xs[i].call;
        if (call->op != AGENTC_SET_POLICIES || call->err.kind == AGENTC_OK)
            continue;
        if (agentc_wants_per_nic(call)) {
            nsub += xs[i].nsent;
            continue;
        }
        if (xs[i].nsent) {
            for (size_t k = 0; k < xs[i].nsent; k++)
                call->policies[xs[i].sent[k]].err = call->err;
        } else if (call->policies) {
            for (size_t k = 0; k < call->npolicies; k++)
                if (call->policies[k].err.kind == AGENTC_OK)
                    call->policies[k].err = call->err;
        }
    }
    if (nsub == 0)
        return;
    struct agentc_call *sub = util_xcalloc(nsub, sizeof(*sub));
    struct agentc_policy **of = util_xcalloc(nsub, sizeof(*of));
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        struct agentc_call *call = xs[i].call;
        if (!agentc_wants_per_nic(call))
            continue;
        log_fields(LOGL_INFO,
                   json_pack("{s:s, s:s, s:i, s:I, s:s}", "msg",
                             "the agent takes no batch of policies; sending one per NIC", "host",
                             call->target.host ? call->target.host : "?", "nics", (int)xs[i].nsent,
                             "status", (json_int_t)call->err.http_status, "error",
                             call->err.message));
        __atomic_add_fetch(&agentc_policy_fallbacks_total, 1, __ATOMIC_RELAXED);
        for (size_t k = 0; k < xs[i].nsent; k++) {
            struct agentc_policy *p = &call->policies[xs[i].sent[k]];
            sub[m] = (struct agentc_call){.op = AGENTC_SET_POLICY,
                                          .target = call->target,
                                          .nic_id = p->nic_id,
                                          .policy_generation = p->generation,
                                          .rules = p->rules};
            of[m++] = p;
        }
        unsigned attempts = call->err.attempts;
        memset(&call->err, 0, sizeof(call->err));
        call->err.attempts = attempts;
        call->per_nic = 1;
    }
    agentc_run(ac, sub, m);
    for (size_t k = 0; k < m; k++) {
        of[k]->err = sub[k].err;
        of[k]->policy_generation = sub[k].err.kind == AGENTC_OK ? sub[k].nic.policy_generation : 0;
        agentc_call_free(&sub[k]);
    }
    free(of);
    free(sub);
}

size_t agentc_run(struct agentc *ac, struct agentc_call *calls, size_t n)
{
    struct agentc_xfer *xs = util_xcalloc(n ? n : 1, sizeof(*xs));
    unsigned *to_host = util_xcalloc(n ? n : 1, sizeof(*to_host)); /* running, per host slot */
    size_t failed = 0, running = 0, left = 0;
    struct agentc_rules_cache cache = {0};
    CURLM *m = agentc_thread_multi(ac);

    for (size_t i = 0; i < n; i++) {
        struct agentc_call *call = &calls[i];
        struct agentc_xfer *x = &xs[i];
        memset(&call->err, 0, sizeof(call->err));
        call->created = call->detached = 0;
        call->nics = NULL;
        call->nnics = 0;
        memset(&call->nic, 0, sizeof(call->nic));
        memset(&call->health, 0, sizeof(call->health));
        call->per_nic = 0;
        if (call->op == AGENTC_SET_POLICIES && call->policies)
            for (size_t k = 0; k < call->npolicies; k++) {
                memset(&call->policies[k].err, 0, sizeof(call->policies[k].err));
                call->policies[k].policy_generation = 0;
            }
        x->call = call;
        call->err.kind = AGENTC_E_UNREACHABLE; /* until an attempt says otherwise */
        if (!m) {
            agentc_fail(call, AGENTC_E_URL, 0, NULL, "libcurl: no multi handle");
            x->state = XS_DONE;
        } else if (agentc_prepare(x, &cache) != 0) {
            x->state = XS_DONE;
        } else {
            x->state = XS_WAITING;
            left++;
        }
    }
    agentc_host_slots(xs, n);

    while (left > 0) {
        uint64_t now = util_now_ms();
        uint64_t next_due = 0;
        /* Start what the bounds allow, in the order given. */
        for (size_t i = 0; i < n && running < ac->o.max_in_flight; i++) {
            struct agentc_xfer *x = &xs[i];
            if (x->state != XS_WAITING)
                continue;
            if (x->not_before_ms > now) {
                if (!next_due || x->not_before_ms < next_due)
                    next_due = x->not_before_ms;
                continue;
            }
            if (to_host[x->host_slot] >= ac->o.max_per_host)
                continue;
            if (agentc_start(ac, x) != 0) {
                x->state = XS_DONE;
                left--;
                continue;
            }
            CURLMcode mc = curl_multi_add_handle(m, x->easy);
            if (mc != CURLM_OK) {
                agentc_fail(x->call, AGENTC_E_UNREACHABLE, 0, NULL, "libcurl: %s",
                            curl_multi_strerror(mc));
                x->state = XS_DONE;
                left--;
                continue;
            }
            x->state = XS_RUNNING;
            running++;
            to_host[x->host_slot]++;
        }
        int still = 0, finished = 0;
        curl_multi_perform(m, &still);
        CURLMsg *msg;
        int queued;
        while ((msg = curl_multi_info_read(m, &queued)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            struct agentc_xfer *x = NULL;
            CURL *easy = msg->easy_handle;
            CURLcode rc = msg->data.result;
            curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&x);
            curl_multi_remove_handle(m, easy);
            running--;
            to_host[x->host_slot]--;
            finished++;
            agentc_finish(ac, x, rc);
            if (x->state == XS_DONE)
                left--;
        }
        /* A finished transfer freed a slot: start the next ones at once. */
        if (left == 0 || finished)
            continue;
        int wait_ms = AGENTC_POLL_MS;
        if (next_due) {
            uint64_t now2 = util_now_ms();
            wait_ms = next_due <= now2 ? 0 : (int)(next_due - now2);
            if (wait_ms > AGENTC_POLL_MS)
                wait_ms = AGENTC_POLL_MS;
        }
        if (wait_ms > 0)
            curl_multi_poll(m, NULL, 0, wait_ms, NULL);
    }

    /* Every transfer is done (none is in the multi handle any more). */
    agentc_policies_finish(ac, xs, n);
    for (size_t i = 0; i < n; i++) {
        struct agentc_xfer *x = &xs[i];
        if (x->easy) {
            curl_multi_remove_handle(m, x->easy);
            curl_easy_cleanup(x->easy);
        }
        curl_slist_free_all(x->headers);
        free(x->url);
        free(x->body);
        free(x->sent);
        buf_free(&x->resp);
        failed += calls[i].err.kind != AGENTC_OK;
    }
    agentc_rules_cache_free(&cache);
    free(to_host);
    free(xs);
    return failed;
}

void agentc_call_free(struct agentc_call *call)
{
    free(call->nics);
    call->nics = NULL;
    call->nnics = 0;
}

/* --- one call to one agent --------------------------------------------------------------- */

static int agentc_one(struct agentc *ac, struct agentc_call *call, struct agentc_error *err)
{
    agentc_run(ac, call, 1);
    if (err)
        *err = call->err;
    return call->err.kind == AGENTC_OK ? 0 : -1;
}

int agentc_service(struct agentc *ac, const struct agentc_target *t, int start, long *vfs,
                   struct agentc_error *err)
{
    struct agentc_call call = {.op = AGENTC_SERVICE, .target = *t, .service_start = start};
    int rc = agentc_one(ac, &call, err);
    if (rc == 0 && vfs)
        *vfs = call.service_vfs;
    return rc;
}

int agentc_health(struct agentc *ac, const struct agentc_target *t, struct agentc_health *out,
                  struct agentc_error *err)
{
    struct agentc_call call = {.op = AGENTC_HEALTH, .target = *t};
    int rc = agentc_one(ac, &call, err);
    if (rc == 0 && out)
        *out = call.health;
    return rc;
}

int agentc_attach(struct agentc *ac, const struct agentc_target *t, const char *nic_id,
                  const struct agentc_attach *a, struct agentc_nic *out, int *created,
                  struct agentc_error *err)
{
    struct agentc_call call = {.op = AGENTC_ATTACH, .target = *t, .nic_id = nic_id, .attach = a};
    int rc = agentc_one(ac, &call, err);
    if (rc == 0 && out)
        *out = call.nic;
    if (created)
        *created = rc == 0 && call.created;
    return rc;
}

int agentc_set_policy(struct agentc *ac, const struct agentc_target *t, const char *nic_id,
                      long long generation, const json_t *rules, struct agentc_nic *out,
                      struct agentc_error *err)
{
    struct agentc_call call = {.op = AGENTC_SET_POLICY,
                               .target = *t,
                               .nic_id = nic_id,
                               .policy_generation = generation,
                               .rules = rules};
    int rc = agentc_one(ac, &call, err);
    if (rc == 0 && out)
        *out = call.nic;
    return rc;
}

int agentc_detach(struct agentc *ac, const struct agentc_target *t, const char *nic_id,
                  int *detached, struct agentc_error *err)
{
    struct agentc_call call = {.op = AGENTC_DETACH, .target = *t, .nic_id = nic_id};
    int rc = agentc_one(ac, &call, err);
    if (detached)
        *detached = rc == 0 && call.detached;
    return rc;
}

int agentc_inventory(struct agentc *ac, const struct agentc_target *t, struct agentc_nic **nics,
                     size_t *n, struct agentc_error *err)
{
    struct agentc_call call = {.op = AGENTC_INVENTORY, .target = *t};
    int rc = agentc_one(ac, &call, err);
    *nics = rc == 0 ? call.nics : NULL;
    *n = rc == 0 ? call.nnics : 0;
    if (rc != 0)
        agentc_call_free(&call);
    return rc;
}
