#include "service/outbox.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "common/log.h"
#include "common/version.h"
#include "db/outbox.h"
#include "service/config.h"

/* The lease outlives one delivery attempt by this much, so that a slow
 * database round trip after the POST does not let another daemon send the
 * same event while this one is still marking it. */
#define OUTBOX_LEASE_MARGIN_S 30
/* The most of a receiver's answer that is read (then the transfer stops). */
#define OUTBOX_MAX_RESPONSE 65536

struct outbox {
    struct db_pool *pool;
    unsigned poll_ms, base_ms, max_ms, timeout_ms;
    char owner[64]; /* this daemon's name on the leases it takes */
    CURL *curl;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stopping; /* under lock; also read atomically by the curl callback */
};

/* Process-wide counters for /metrics (one worker per daemon). */
static unsigned long long outbox_delivered_total, outbox_failed_total, outbox_expired_total;

unsigned long outbox_backoff_ms(unsigned failures, unsigned base_ms, unsigned max_ms, uint32_t rnd)
{
    unsigned long d = base_ms ? base_ms : 1;
    for (unsigned i = 1; i < failures && d < max_ms; i++)
        d *= 2;
    if (d > max_ms)
        d = max_ms;
    unsigned long half = d / 2;
    return (d - half) + (half ? rnd % (half + 1) : 0);
}

void outbox_metrics_render(struct buf *out)
{
    buf_appendf(out,
                "# HELP accelnet_outbox_delivered_total Webhook events delivered.\n"
                "# TYPE accelnet_outbox_delivered_total counter\n"
                "accelnet_outbox_delivered_total %llu\n"
                "# HELP accelnet_outbox_failed_attempts_total Webhook delivery attempts that "
                "failed (each is retried until the event expires).\n"
                "# TYPE accelnet_outbox_failed_attempts_total counter\n"
                "accelnet_outbox_failed_attempts_total %llu\n"
                "# HELP accelnet_outbox_expired_total Webhook events given up undelivered.\n"
                "# TYPE accelnet_outbox_expired_total counter\n"
                "accelnet_outbox_expired_total %llu\n",
                __atomic_load_n(&outbox_delivered_total, __ATOMIC_RELAXED),
                __atomic_load_n(&outbox_failed_total, __ATOMIC_RELAXED),
                __atomic_load_n(&outbox_expired_total, __ATOMIC_RELAXED));
}

static int outbox_stopping(struct outbox *ob)
{
    return __atomic_load_n(&ob->stopping, __ATOMIC_ACQUIRE);
}

/* Waits up to ms, or until outbox_stop(). */
static void outbox_sleep(struct outbox *ob, unsigned ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&ob->lock);
    while (!ob->stopping)
        if (pthread_cond_timedwait(&ob->wake, &ob->lock, &until) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&ob->lock);
}

/* The URL as logged: without its query string, which may hold a secret. */
static char *outbox_url_for_log(const char *url)
{
    return util_xstrndup(url, strcspn(url, "?#"));
}

static size_t outbox_discard(char *data, size_t size, size_t n, void *arg)
{
    size_t *seen = arg;
    (void)data;
    *seen += size * n;
    return *seen > OUTBOX_MAX_RESPONSE ? 0 : size * n;
}

static int outbox_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                           curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    return outbox_stopping(arg);
}

enum outbox_result { OUTBOX_SENT, OUTBOX_FAILED, OUTBOX_ABANDONED };

/* POSTs one event. On OUTBOX_FAILED, err says why. */
static enum outbox_result outbox_post(struct outbox *ob, const struct db_outbox_item *it, char *err,
                                      size_t errlen)
{
    char curl_err[CURL_ERROR_SIZE] = "";
    struct curl_slist *headers = NULL, *h;
    size_t seen = 0;
    long status = 0;
    enum outbox_result res = OUTBOX_FAILED;
    char *id_header = util_asprintf("X-Accelnet-Event-Id: %s", it->id);
    char *type_header = util_asprintf("X-Accelnet-Event-Type: %s", it->event_type);
    const char *const lines[] = {"Content-Type: application/json; charset=utf-8",
                                 "User-Agent: accelnetd/" ACCELNET_VERSION, "Expect:", id_header,
                                 type_header};
    CURL *c = ob->curl;

    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        h = curl_slist_append(headers, lines[i]);
        if (!h) {
            snprintf(err, errlen, "out of memory");
            goto out;
        }
        headers = h;
    }
    curl_easy_reset(c);
    CURLcode rc = CURLE_OK;
#define OUTBOX_SETOPT(opt, val)                     \
    do {                                            \
        if (rc == CURLE_OK)                         \
            rc = curl_easy_setopt(c, (opt), (val)); \
    } while (0)
    OUTBOX_SETOPT(CURLOPT_URL, it->url);
    OUTBOX_SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
    OUTBOX_SETOPT(CURLOPT_NOSIGNAL, 1L);
    OUTBOX_SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
    OUTBOX_SETOPT(CURLOPT_TIMEOUT_MS, (long)ob->timeout_ms);
    OUTBOX_SETOPT(CURLOPT_CONNECTTIMEOUT_MS, (long)ob->timeout_ms);
    OUTBOX_SETOPT(CURLOPT_HTTPHEADER, headers);
    OUTBOX_SETOPT(CURLOPT_POSTFIELDS, it->payload);
    OUTBOX_SETOPT(CURLOPT_POSTFIELDSIZE, (long)strlen(it->payload));
    OUTBOX_SETOPT(CURLOPT_WRITEFUNCTION, outbox_discard);
    OUTBOX_SETOPT(CURLOPT_WRITEDATA, &seen);
    OUTBOX_SETOPT(CURLOPT_NOPROGRESS, 0L);
    OUTBOX_SETOPT(CURLOPT_XFERINFOFUNCTION, outbox_progress);
    OUTBOX_SETOPT(CURLOPT_XFERINFODATA, ob);
    OUTBOX_SETOPT(CURLOPT_ERRORBUFFER, curl_err);
#undef OUTBOX_SETOPT
    if (rc != CURLE_OK) {
        snprintf(err, errlen, "libcurl: %s", curl_easy_strerror(rc));
        goto out;
    }
    rc = curl_easy_perform(c);
    if (rc == CURLE_ABORTED_BY_CALLBACK && outbox_stopping(ob)) {
        res = OUTBOX_ABANDONED;
        goto out;
    }
    /* A receiver that answers with a long body still answered. */
    if (rc == CURLE_WRITE_ERROR && seen > OUTBOX_MAX_RESPONSE)
        rc = CURLE_OK;
    if (rc != CURLE_OK) {
        snprintf(err, errlen, "%s", *curl_err ? curl_err : curl_easy_strerror(rc));
        goto out;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300)
        res = OUTBOX_SENT;
    else
        snprintf(err, errlen, "the receiver answered HTTP %ld", status);
out:
    /* The handle keeps pointers to these until the next reset. */
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
    curl_slist_free_all(headers);
    free(id_header);
    free(type_header);
    return res;
}

/* Records what became of an attempt. */
static void outbox_record(struct outbox *ob, const struct db_outbox_item *it,
                          enum outbox_result res, const char *err)
{
    struct db_conn *c;
    enum db_status st = db_acquire(ob->pool, &c);
    char *url = outbox_url_for_log(it->url);
    unsigned failures = (unsigned)it->attempts + 1;
    if (st != DB_OK) {
        /* The lease runs out and the event is sent again: at least once. */
        log_warn("outbox: cannot record the delivery of event %s (database %s); it will be "
                 "sent again",
                 it->id, db_status_name(st));
        goto out;
    }
    if (res == OUTBOX_SENT) {
        st = db_outbox_delivered(c, it->id);
        __atomic_add_fetch(&outbox_delivered_total, 1, __ATOMIC_RELAXED);
        log_fields(LOGL_INFO,
                   json_pack("{s:s, s:s, s:s, s:s, s:i}", "msg", "webhook delivered", "eventId",
                             it->id, "type", it->event_type, "url", url, "attempt", (int)failures));
    } else if (res == OUTBOX_ABANDONED) {
        st = db_outbox_release(c, it->id, ob->owner);
    } else {
        int expired = 0;
        unsigned long delay =
            outbox_backoff_ms(failures, ob->base_ms, ob->max_ms, randombytes_random());
        st = db_outbox_failed(c, it->id, ob->owner, err, delay, &expired);
        __atomic_add_fetch(&outbox_failed_total, 1, __ATOMIC_RELAXED);
        if (st == DB_OK && expired) {
            __atomic_add_fetch(&outbox_expired_total, 1, __ATOMIC_RELAXED);
            log_fields(LOGL_WARN, json_pack("{s:s, s:s, s:s, s:s, s:i, s:s}", "msg",
                                            "webhook delivery failed; event expired, giving up",
                                            "eventId", it->id, "type", it->event_type, "url", url,
                                            "attempt", (int)failures, "error", err));
        } else {
            log_fields(LOGL_WARN,
                       json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:I}", "msg",
                                 "webhook delivery failed; will retry", "eventId", it->id, "type",
                                 it->event_type, "url", url, "attempt", (int)failures, "error", err,
                                 "retryInMs", (json_int_t)delay));
        }
    }
    if (st != DB_OK && st != DB_NOT_FOUND)
        log_warn("outbox: recording event %s failed (database %s)", it->id, db_status_name(st));
    db_release(ob->pool, c);
out:
    free(url);
}

/* One round: gives up overdue events, then claims and sends the event due
 * first. 1 when an event was handled (look again at once), 0 when there was
 * nothing to do or the database is away (sleep first). */
static int outbox_round(struct outbox *ob)
{
    struct db_outbox_item it = {0};
    struct db_conn *c;
    char err[CURL_ERROR_SIZE + 64] = "";
    long expired = 0;
    unsigned lease_s = ob->timeout_ms / 1000 + 1 + OUTBOX_LEASE_MARGIN_S;

    if (db_acquire(ob->pool, &c) != DB_OK)
        return 0;
    enum db_status st = db_outbox_claim(c, ob->owner, lease_s, &it);
    if (st == DB_NOT_FOUND && db_outbox_expire_overdue(c, &expired) == DB_OK && expired > 0) {
        __atomic_add_fetch(&outbox_expired_total, (unsigned long long)expired, __ATOMIC_RELAXED);
        log_warn("outbox: gave up %ld webhook event(s) that expired undelivered", expired);
    }
    /* No connection is held while the receiver is being called. */
    db_release(ob->pool, c);
    if (st != DB_OK)
        return 0;
    enum outbox_result res = outbox_post(ob, &it, err, sizeof(err));
    outbox_record(ob, &it, res, err);
    db_outbox_item_free(&it);
    return res != OUTBOX_ABANDONED;
}

static void *outbox_main(void *arg)
{
    struct outbox *ob = arg;
    while (!outbox_stopping(ob))
        if (!outbox_round(ob))
            outbox_sleep(ob, ob->poll_ms);
    return NULL;
}

struct outbox *outbox_start(struct db_pool *pool, const struct config *cfg)
{
    char id[37];
    pthread_condattr_t ca;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        log_error("outbox: libcurl failed to initialise");
        return NULL;
    }
    struct outbox *ob = util_xcalloc(1, sizeof(*ob));
    ob->pool = pool;
    ob->poll_ms = cfg->outbox_poll_ms;
    ob->base_ms = cfg->outbox_retry_base_ms;
    ob->max_ms = cfg->outbox_retry_max_ms;
    ob->timeout_ms = cfg->outbox_timeout_ms;
    util_uuid4(id);
    snprintf(ob->owner, sizeof(ob->owner), "%ld/%.8s", (long)getpid(), id);
    ob->curl = curl_easy_init();
    pthread_mutex_init(&ob->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&ob->wake, &ca);
    pthread_condattr_destroy(&ca);
    if (!ob->curl || pthread_create(&ob->thread, NULL, outbox_main, ob) != 0) {
        log_error("outbox: the delivery worker could not start");
        if (ob->curl)
            curl_easy_cleanup(ob->curl);
        pthread_cond_destroy(&ob->wake);
        pthread_mutex_destroy(&ob->lock);
        free(ob);
        curl_global_cleanup();
        return NULL;
    }
    log_info("outbox: webhook delivery worker started (poll every %u ms)", ob->poll_ms);
    return ob;
}

void outbox_stop(struct outbox *ob)
{
    if (!ob)
        return;
    pthread_mutex_lock(&ob->lock);
    __atomic_store_n(&ob->stopping, 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&ob->wake);
    pthread_mutex_unlock(&ob->lock);
    pthread_join(ob->thread, NULL);
    curl_easy_cleanup(ob->curl);
    pthread_cond_destroy(&ob->wake);
    pthread_mutex_destroy(&ob->lock);
    free(ob);
    curl_global_cleanup();
    log_info("outbox: webhook delivery worker stopped");
}
