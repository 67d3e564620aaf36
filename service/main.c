/* accelnetd — the accelnet control-plane daemon. */
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sodium.h>

#include "common/log.h"
#include "common/version.h"
#include "db/db.h"
#include "db/migrate.h"
#include "service/agentclient.h"
#include "service/auth.h"
#include "service/config.h"
#include "service/http.h"
#include "service/metrics.h"
#include "service/ops.h"
#include "service/reconcile.h"
#include "service/retention.h"
#include "service/outbox.h"
#include "service/routes.h"
#include "service/vmwork.h"

static const char *main_getenv(const char *name)
{
    return getenv(name);
}

/* Waits for a signal in `set` for up to ms; returns the signal or 0. */
static int main_wait_signal(const sigset_t *set, long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    int sig = sigtimedwait(set, NULL, &ts);
    return sig > 0 ? sig : 0;
}

/* Connects for migrations, waiting for PostgreSQL up to wait_s seconds (it
 * may still be starting). NULL if it never answered or a signal came. */
static PGconn *main_connect(const char *conninfo, unsigned wait_s, const sigset_t *sigs)
{
    const char *const keys[] = {"connect_timeout", "application_name", "dbname", NULL};
    const char *const vals[] = {"5", "accelnetd-migrate", conninfo, NULL};
    uint64_t deadline = util_now_ms() + (uint64_t)wait_s * 1000u;
    for (int attempt = 1;; attempt++) {
        PGconn *pg = PQconnectdbParams(keys, vals, 1);
        if (pg && PQstatus(pg) == CONNECTION_OK) {
            db_quiet_notices(pg);
            return pg;
        }
        const char *why = pg ? PQerrorMessage(pg) : "out of memory";
        if (util_now_ms() >= deadline) {
            log_error("cannot connect to the database (ACCELNET_DATABASE_URL): %s", why);
            PQfinish(pg);
            return NULL;
        }
        if (attempt == 1)
            log_warn("waiting for the database: %s", why);
        PQfinish(pg);
        if (main_wait_signal(sigs, 500))
            return NULL;
    }
}

/* Connections to clients, PostgreSQL and host agents (kept between fan-outs)
 * are descriptors: the soft limit goes up to the hard one, as far as the
 * operator allows. */
static void main_raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        log_warn("getrlimit(RLIMIT_NOFILE): %s", strerror(errno));
        return;
    }
    if (rl.rlim_cur >= rl.rlim_max)
        return;
    rlim_t was = rl.rlim_cur;
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        log_warn("cannot raise the open-files limit from %llu: %s", (unsigned long long)was,
                 strerror(errno));
}

int main(int argc, char **argv)
{
    struct config cfg;
    char err[512];
    sigset_t sigs;
    int rc = 1;
    struct db_pool *pool = NULL;
    struct metrics *metrics = NULL;
    struct http_server *srv = NULL;
    struct outbox *outbox = NULL;
    struct agentc *agents = NULL;
    struct ops *ops = NULL;
    struct reconcile *rec = NULL;
    struct retention *ret = NULL;

    log_set_program("accelnetd");
    switch (config_parse(&cfg, argc, argv, main_getenv, err, sizeof(err))) {
    case CONFIG_OK:
        break;
    case CONFIG_HELP:
        config_usage(stdout);
        config_free(&cfg);
        return 0;
    case CONFIG_VERSION:
        printf("accelnetd %s\n", ACCELNET_VERSION);
        config_free(&cfg);
        return 0;
    case CONFIG_ERROR:
        fprintf(stderr, "accelnetd: %s\n", err);
        config_free(&cfg);
        return 2;
    }
    log_set_level(cfg.log_level);
    main_raise_nofile();
    if (sodium_init() < 0) {
        log_error("libsodium failed to initialise");
        goto out;
    }

    /* Signals are taken synchronously by this thread; every thread started
     * from here on inherits the mask. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    PGconn *pg = main_connect(cfg.database_url, cfg.db_wait_s, &sigs);
    if (!pg)
        goto out;
    int applied = migrate_run(pg, err, sizeof(err));
    PQfinish(pg);
    if (applied < 0) {
        log_error("database migration failed: %s", err);
        goto out;
    }
    log_info("database schema up to date (%d migration%s applied now)", applied,
             applied == 1 ? "" : "s");

    pool = db_pool_new(cfg.database_url, cfg.db_pool_size, cfg.db_acquire_timeout_ms,
                       cfg.db_statement_timeout_ms);
    if (auth_bootstrap(pool, cfg.admin_token, cfg.admin_token_file) != 0)
        goto out;
    /* Before the HTTP threads: it initialises libcurl, which is not
     * thread-safe to do while others may use it. */
    outbox = outbox_start(pool, &cfg);
    if (!outbox)
        goto out;
    struct agentc_opts aopts;
    agentc_opts_from(&cfg, &aopts);
    agents = agentc_new(&aopts);
    if (!agents)
        goto out;
    /* The operation workers: VM create/delete/start/deallocate and
     * resource-group deletes, carried out from the operations table. */
    ops = ops_start(pool, agents, &cfg, vmwork_run);
    if (!ops)
        goto out;
    /* The reconciler: agents against the database (service/reconcile.h). */
    rec = reconcile_start(pool, agents, &cfg);
    if (!rec)
        goto out;
    /* Old operations and webhook events (service/retention.h). */
    ret = retention_start(pool, &cfg);
    if (!ret)
        goto out;
    metrics = metrics_new(routes, routes_count);
    struct app app = {.cfg = &cfg, .db = pool, .metrics = metrics, .agents = agents};
    srv = http_start(&app, routes, routes_count, err, sizeof(err));
    if (!srv) {
        log_error("%s", err);
        goto out;
    }
    log_fields(LOGL_INFO, json_pack("{s:s, s:s, s:s, s:i, s:i}", "msg", "listening", "url",
                                    http_url(srv), "version", ACCELNET_VERSION, "http_threads",
                                    (int)cfg.http_threads, "db_pool_size", (int)cfg.db_pool_size));

    for (;;) {
        int sig;
        if (sigwait(&sigs, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            log_info("SIGHUP ignored: settings are read at start-up; restart to change them");
            continue;
        }
        log_info("received %s: no new connections; finishing requests in flight",
                 sig == SIGTERM ? "SIGTERM" : "SIGINT");
        break;
    }
    http_quiesce(srv);
    long left = http_drain(srv, cfg.shutdown_grace_s);
    /* Each worker finishes the step it is in and gives its operation back
     * for whichever accelnetd runs next. */
    reconcile_stop(rec);
    rec = NULL;
    retention_stop(ret);
    ret = NULL;
    ops_stop(ops);
    ops = NULL;
    if (left > 0) {
        /* Their threads are blocked in handlers: stopping the server would
         * wait for them. Leave without tearing down what they still use. */
        log_warn("%ld request(s) still running after %u s; exiting without them", left,
                 cfg.shutdown_grace_s);
        _exit(0);
    }
    rc = 0;
out:
    http_stop(srv);
    reconcile_stop(rec);
    retention_stop(ret);
    ops_stop(ops);
    agentc_free(agents);
    /* After the requests (which may queue events), before the pool. */
    outbox_stop(outbox);
    metrics_free(metrics);
    db_pool_free(pool);
    if (rc == 0)
        log_info("stopped");
    config_free(&cfg);
    return rc;
}
