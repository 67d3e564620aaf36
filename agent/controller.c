#include "agent/controller.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>

#include "agent/agent.h"
#include "common/log.h"
#include "common/util.h"
#include "common/version.h"

struct ctl {
    struct agent *a;
    char *agent_url;
    char *callback_token;
    char *register_url, *heartbeat_url;
    char *auth_header;
    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* CLOCK_MONOTONIC */
    int stop;          /* under mu, read atomically by the transfer callback */
};

json_t *ctl_register_body(const struct agent_config *cfg, const char *agent_url,
                          const char *callback_token, const char *backend)
{
    json_t *pfs = json_array();
    for (size_t i = 0; i < cfg->npfs; i++) {
        const struct agent_pf *pf = &cfg->pfs[i];
        json_array_append_new(
            pfs, json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:s}", "name", pf->name, "pciAddress",
                           pf->pci, "vendorId", pf->vendor, "deviceId", pf->device, "vfDeviceId",
                           pf->vf_device, "numVfs", (int)pf->num_vfs, "driver", pf->driver));
    }
    return json_pack("{s:s, s:s, s:i, s:I, s:i, s:s, s:s, s:s, s:o}", "location", cfg->location,
                     "agentUrl", agent_url, "vcpus", (int)cfg->vcpus, "memoryMB",
                     (json_int_t)cfg->memory_mb, "faultDomain", (int)cfg->fault_domain, "backend",
                     backend, "agentVersion", ACCELNET_VERSION, "callbackToken", callback_token,
                     "physicalFunctions", pfs);
}

unsigned ctl_backoff_ms(unsigned attempt, unsigned first_ms, unsigned max_ms, double rnd)
{
    unsigned long long w = first_ms ? first_ms : 1;
    for (unsigned i = 1; i < attempt && w < max_ms; i++)
        w *= 2;
    if (w > max_ms)
        w = max_ms;
    if (rnd < 0)
        rnd = 0;
    if (rnd >= 1)
        rnd = 0.999999;
    return (unsigned)((double)w / 2 + rnd * ((double)w / 2));
}

/* --- one call ------------------------------------------------------------------- */

static size_t ctl_write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct buf *b = arg;
    size_t n = size * nmemb;
    if (b->len + n > (1u << 20))
        return 0; /* an answer this big is not accelnetd's */
    buf_append(b, ptr, n);
    return n;
}

static int ctl_progress_cb(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    struct ctl *c = arg;
    (void)dt;
    (void)dn;
    (void)ut;
    (void)un;
    return __atomic_load_n(&c->stop, __ATOMIC_ACQUIRE) ? 1 : 0;
}

struct ctl_result {
    long status; /* 0: no HTTP answer */
    json_t *body;
    char why[CURL_ERROR_SIZE + 64];
};

static void ctl_result_free(struct ctl_result *r)
{
    json_decref(r->body);
    memset(r, 0, sizeof(*r));
}

/* error.code and error.message of an ARM error body, or NULL. */
static const char *ctl_error_member(const struct ctl_result *r, const char *member)
{
    return json_string_value(json_object_get(json_object_get(r->body, "error"), member));
}

/* The HTTP status for a log line; null when no answer came back. */
static json_t *ctl_status_json(const struct ctl_result *r)
{
    return r->status ? json_integer(r->status) : json_null();
}

static void ctl_call(struct ctl *c, const char *method, const char *url, json_t *body,
                     struct ctl_result *r)
{
    const struct agent_config *cfg = c->a->cfg;
    char errbuf[CURL_ERROR_SIZE] = "";
    struct buf in = {0};
    struct curl_slist *hl = NULL;
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;

    memset(r, 0, sizeof(*r));
    CURL *h = curl_easy_init();
    if (!h || (body && !text)) {
        snprintf(r->why, sizeof(r->why), "out of memory");
        goto out;
    }
    hl = curl_slist_append(hl, c->auth_header);
    hl = curl_slist_append(hl, "Content-Type: application/json");
    hl = curl_slist_append(hl, "Accept: application/json");
    hl = curl_slist_append(hl, "Expect:");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, text ? text : "");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)cfg->controller_timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)cfg->controller_timeout_ms);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (cfg->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, cfg->ca_file);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "accelnet-agent/" ACCELNET_VERSION);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, ctl_write_cb);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &in);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, ctl_progress_cb);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
    CURLcode cc = curl_easy_perform(h);
    if (cc != CURLE_OK) {
        snprintf(r->why, sizeof(r->why), "%s", errbuf[0] ? errbuf : curl_easy_strerror(cc));
        goto out;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    if (in.len)
        r->body = json_loadb(in.data, in.len, 0, NULL);
    if (r->status >= 300) {
        const char *code = ctl_error_member(r, "code");
        const char *msg = ctl_error_member(r, "message");
        snprintf(r->why, sizeof(r->why), "HTTP %ld%s%s%s%s", r->status, code ? " " : "",
                 code ? code : "", msg ? ": " : "", msg ? msg : "");
    }
out:
    if (h)
        curl_easy_cleanup(h);
    curl_slist_free_all(hl);
    buf_free(&in);
    free(text);
}

/* --- the loop ------------------------------------------------------------------- */

/* Waits ms or until stopped; 1 when stopped. */
static int ctl_wait(struct ctl *c, unsigned ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&c->mu);
    while (!c->stop) {
        if (pthread_cond_timedwait(&c->cv, &c->mu, &ts) == ETIMEDOUT)
            break;
    }
    int stop = c->stop;
    pthread_mutex_unlock(&c->mu);
    return stop;
}

static int ctl_stopping(struct ctl *c)
{
    return __atomic_load_n(&c->stop, __ATOMIC_ACQUIRE);
}

/* Registers until it works (or the agent stops). 0 when registered. */
static int ctl_register(struct ctl *c)
{
    const struct agent_config *cfg = c->a->cfg;
    json_t *body = ctl_register_body(cfg, c->agent_url, c->callback_token, c->a->be.ops->name);
    for (unsigned attempt = 1; !ctl_stopping(c); attempt++) {
        struct ctl_result r;
        ctl_call(c, "PUT", c->register_url, body, &r);
        if (r.status == 200 || r.status == 201) {
            log_fields(LOGL_INFO,
                       json_pack("{s:s, s:s, s:s, s:s, s:i, s:i}", "msg",
                                 "registered with accelnetd", "controller", cfg->controller, "host",
                                 cfg->host_name, "agent_url", c->agent_url, "status", (int)r.status,
                                 "attempts", (int)attempt));
            ctl_result_free(&r);
            json_decref(body);
            return 0;
        }
        unsigned wait = ctl_backoff_ms(attempt, CTL_RETRY_FIRST_MS, cfg->retry_max_ms,
                                       (double)randombytes_uniform(1000000) / 1e6);
        if (!ctl_stopping(c))
            log_fields(LOGL_WARN, json_pack("{s:s, s:s, s:s, s:o, s:s*, s:s, s:i, s:i}", "msg",
                                            "registration with accelnetd failed", "controller",
                                            cfg->controller, "host", cfg->host_name, "status",
                                            ctl_status_json(&r), "error",
                                            ctl_error_member(&r, "code"), "detail", r.why,
                                            "attempt", (int)attempt, "retry_in_ms", (int)wait));
        ctl_result_free(&r);
        if (ctl_wait(c, wait))
            break;
    }
    json_decref(body);
    return -1;
}

/* One heartbeat. Returns 1 when accelnetd no longer knows the host. */
static int ctl_heartbeat(struct ctl *c, unsigned *interval_s)
{
    const struct agent_config *cfg = c->a->cfg;
    struct backend_health h;
    struct ctl_result r;
    agent_health(c->a, &h);
    json_t *body = json_pack("{s:i}", "vfsInUse", (int)h.vfs_in_use);
    ctl_call(c, "POST", c->heartbeat_url, body, &r);
    json_decref(body);
    int gone = 0;
    if (r.status == 200) {
        json_t *s = json_object_get(r.body, "heartbeatIntervalSeconds");
        json_int_t v = json_integer_value(s);
        if (json_is_integer(s) && v >= 1 && v <= 3600) {
            if ((unsigned)v != *interval_s)
                log_info("heartbeat interval is now %lld s", (long long)v);
            *interval_s = (unsigned)v;
        } else {
            log_warn("accelnetd's heartbeat answer has no heartbeatIntervalSeconds from 1 to "
                     "3600; keeping %u s",
                     *interval_s);
        }
        log_fields(LOGL_DEBUG,
                   json_pack("{s:s, s:i}", "msg", "heartbeat", "vfs_in_use", (int)h.vfs_in_use));
    } else if (r.status == 404) {
        log_fields(LOGL_WARN, json_pack("{s:s, s:s, s:s, s:s*}", "msg",
                                        "accelnetd does not know this host: registering again",
                                        "controller", cfg->controller, "host", cfg->host_name,
                                        "error", ctl_error_member(&r, "code")));
        gone = 1;
    } else if (!ctl_stopping(c)) {
        log_fields(LOGL_WARN, json_pack("{s:s, s:s, s:o, s:s*, s:s, s:i}", "msg",
                                        "heartbeat failed", "controller", cfg->controller, "status",
                                        ctl_status_json(&r), "error", ctl_error_member(&r, "code"),
                                        "detail", r.why, "retry_in_ms", (int)(*interval_s * 1000)));
    }
    ctl_result_free(&r);
    return gone;
}

static void *ctl_main(void *arg)
{
    struct ctl *c = arg;
    unsigned interval_s = CTL_DEFAULT_INTERVAL_S;
    while (!ctl_stopping(c)) {
        if (ctl_register(c) != 0)
            break;
        /* The first heartbeat right away: it says how many VFs are in use. */
        while (!ctl_stopping(c)) {
            if (ctl_heartbeat(c, &interval_s))
                break; /* register again */
            if (ctl_wait(c, interval_s * 1000u))
                break;
        }
    }
    return NULL;
}

struct ctl *ctl_start(struct agent *a, const char *agent_url, const char *callback_token)
{
    struct ctl *c = util_xcalloc(1, sizeof(*c));
    pthread_condattr_t ca;
    c->a = a;
    c->agent_url = util_xstrdup(agent_url);
    c->callback_token = util_xstrdup(callback_token);
    c->register_url = util_asprintf("%s/admin/hosts/%s?api-version=%s", a->cfg->controller,
                                    a->cfg->host_name, CTL_API_VERSION);
    c->heartbeat_url = util_asprintf("%s/admin/hosts/%s/heartbeat?api-version=%s",
                                     a->cfg->controller, a->cfg->host_name, CTL_API_VERSION);
    c->auth_header = util_asprintf("Authorization: Bearer %s", a->cfg->token);
    pthread_mutex_init(&c->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&c->thread, NULL, ctl_main, c) != 0) {
        log_error("cannot start the registration thread: %s", strerror(errno));
        ctl_stop(c);
        return NULL;
    }
    c->started = 1;
    return c;
}

void ctl_stop(struct ctl *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->mu);
    __atomic_store_n(&c->stop, 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    if (c->started)
        pthread_join(c->thread, NULL);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    sodium_memzero(c->callback_token, strlen(c->callback_token));
    sodium_memzero(c->auth_header, strlen(c->auth_header));
    free(c->callback_token);
    free(c->auth_header);
    free(c->agent_url);
    free(c->register_url);
    free(c->heartbeat_url);
    free(c);
}
