/* accelnet-agent — the per-host agent: registers the host with accelnetd,
 * heartbeats, and serves the agent API (notes/ISSUE5.md) over a pluggable
 * backend (agent/backend.h; this version has the sim backend). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "agent/agent.h"
#include "agent/api.h"
#include "agent/config.h"
#include "agent/controller.h"
#include "agent/http.h"
#include "agent/state.h"
#include "common/log.h"
#include "common/util.h"
#include "common/version.h"

static const char *main_getenv(const char *name)
{
    return getenv(name);
}

int main(int argc, char **argv)
{
    struct agent_config cfg;
    struct agent a;
    char err[600];
    char token[STATE_TOKEN_LEN];
    sigset_t sigs;
    int rc = 1, generated = 0, lockfd = -1, curl_up = 0;
    struct agent_http *srv = NULL;
    struct ctl *ctl = NULL;
    char *agent_url = NULL;
    struct route *routes = NULL;
    size_t nroutes = 0;

    memset(&a, 0, sizeof(a));
    log_set_program("accelnet-agent");
    switch (agent_config_parse(&cfg, argc, argv, main_getenv, NULL, err, sizeof(err))) {
    case AGENT_CONFIG_OK:
        break;
    case AGENT_CONFIG_HELP:
        agent_config_usage(stdout);
        agent_config_free(&cfg);
        return 0;
    case AGENT_CONFIG_VERSION:
        printf("accelnet-agent %s\n", ACCELNET_VERSION);
        agent_config_free(&cfg);
        return 0;
    case AGENT_CONFIG_ERROR:
        fprintf(stderr, "accelnet-agent: %s\n", err);
        agent_config_free(&cfg);
        return 2;
    }
    log_set_level(cfg.log_level);
    a.cfg = &cfg;
    pthread_mutex_init(&a.lock, NULL);
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
    /* Before any thread: libcurl's global set-up is not thread-safe. */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        log_error("libcurl failed to initialise");
        goto out;
    }
    curl_up = 1;

    lockfd = state_dir_open(cfg.state_dir, err, sizeof(err));
    if (lockfd < 0) {
        log_error("%s", err);
        goto out;
    }
    if (state_callback_token(cfg.state_dir, token, &generated, err, sizeof(err)) != 0) {
        log_error("%s", err);
        goto out;
    }
    if (generated)
        log_info("generated a callback token in %s/%s", cfg.state_dir, STATE_TOKEN_FILE);
    crypto_generichash(a.token_hash, sizeof(a.token_hash), (const unsigned char *)token,
                       strlen(token), NULL, 0);

    a.be.ops = backend_find(cfg.backend);
    struct backend_params bp = {
        .host_name = cfg.host_name, .pfs = cfg.pfs, .npfs = cfg.npfs, .state_dir = cfg.state_dir};
    if (a.be.ops->init(&a.be, &bp, err, sizeof(err)) != 0) {
        log_error("the %s backend cannot start: %s", a.be.ops->name, err);
        goto out;
    }

    a.servicing = agent_servicing_load(cfg.state_dir);
    if (a.servicing)
        log_info("the host is being serviced: its VFs stay revoked until POST /v1/service "
                 "{\"action\": \"complete\"}");
    /* --test-no-policy-batches: the table without POST /v1/policies, so
     * that the agent answers it 404 as an agent from before it does. */
    routes = util_xcalloc(agent_routes_count, sizeof(*routes));
    for (size_t i = 0; i < agent_routes_count; i++)
        if (!cfg.test_no_policy_batches || agent_routes[i].handler != agent_api_policies_post)
            routes[nroutes++] = agent_routes[i];
    srv = agent_http_start(&a, routes, nroutes, err, sizeof(err));
    if (!srv) {
        log_error("%s", err);
        goto out;
    }
    agent_url = agent_config_agent_url(&cfg, agent_http_port(srv));
    struct backend_health h;
    agent_health(&a, &h);
    log_fields(LOGL_INFO,
               json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:i}", "msg", "listening", "url",
                         agent_url, "host", cfg.host_name, "location", cfg.location, "backend",
                         a.be.ops->name, "controller", cfg.controller, "vfs_total",
                         (int)h.vfs_total, "vfs_in_use", (int)h.vfs_in_use, "http_threads",
                         (int)cfg.http_threads));
    if (cfg.test_fail_rate > 0 || cfg.test_delay_ms || cfg.test_hang_file ||
        cfg.test_no_policy_batches)
        log_fields(LOGL_WARN,
                   json_pack("{s:s, s:f, s:i, s:s*, s:b}", "msg", "TEST fault injection is on",
                             "test_fail_rate", cfg.test_fail_rate, "test_delay_ms",
                             (int)cfg.test_delay_ms, "test_hang_file", cfg.test_hang_file,
                             "test_no_policy_batches", cfg.test_no_policy_batches));

    ctl = ctl_start(&a, agent_url, token);
    if (!ctl)
        goto out;

    for (;;) {
        int sig;
        if (sigwait(&sigs, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            log_info("SIGHUP ignored: settings are read at start-up; restart to change them");
            continue;
        }
        log_info("received %s: no new connections; finishing calls in flight",
                 sig == SIGTERM ? "SIGTERM" : "SIGINT");
        break;
    }
    /* Calls blocked by --test-hang-file go on from here. */
    __atomic_store_n(&a.stopping, 1, __ATOMIC_RELEASE);
    agent_http_quiesce(srv);
    long left = agent_http_drain(srv, cfg.shutdown_grace_s);
    ctl_stop(ctl);
    ctl = NULL;
    if (left > 0) {
        /* Their threads are inside handlers; the state on disk is whole
         * (written atomically), so leaving now loses nothing recorded. */
        log_warn("%ld call(s) still running after %u s; exiting without them", left,
                 cfg.shutdown_grace_s);
        _exit(0);
    }
    rc = 0;
out:
    ctl_stop(ctl);
    agent_http_stop(srv);
    free(routes);
    if (a.be.ops && a.be.ops->close)
        a.be.ops->close(&a.be);
    if (curl_up)
        curl_global_cleanup();
    if (lockfd >= 0)
        close(lockfd);
    sodium_memzero(token, sizeof(token));
    free(agent_url);
    pthread_mutex_destroy(&a.lock);
    if (rc == 0)
        log_info("stopped");
    agent_config_free(&cfg);
    return rc;
}
