#include "service/config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"

enum cfg_kind { CFG_STRING, CFG_UINT, CFG_ULONG, CFG_BOOL, CFG_LISTEN, CFG_LOGLEVEL };

/* The settings, in the order --help lists them. */
static const struct cfg_setting {
    const char *env;
    const char *flag;
    enum cfg_kind kind;
    size_t offset;
    const char *def; /* default, as text; NULL = unset */
    unsigned long min, max;
    const char *help;
} cfg_settings[] = {
    {"ACCELNET_DATABASE_URL", "database-url", CFG_STRING, offsetof(struct config, database_url),
     NULL, 0, 0, "PostgreSQL connection string or URI (required)"},
    {"ACCELNET_LISTEN", "listen", CFG_LISTEN, 0, "127.0.0.1:8443", 0, 0,
     "address to serve the API on, host:port or [v6]:port"},
    {"ACCELNET_TLS_CERT", "tls-cert", CFG_STRING, offsetof(struct config, tls_cert), NULL, 0, 0,
     "TLS certificate chain (PEM file)"},
    {"ACCELNET_TLS_KEY", "tls-key", CFG_STRING, offsetof(struct config, tls_key), NULL, 0, 0,
     "TLS private key (PEM file)"},
    {"ACCELNET_INSECURE_HTTP", "insecure-http", CFG_BOOL, offsetof(struct config, insecure_http),
     "0", 0, 1, "serve plain HTTP instead of TLS (only for tests on loopback)"},
    {"ACCELNET_ADMIN_TOKEN", "admin-token", CFG_STRING, offsetof(struct config, admin_token), NULL,
     0, 0,
     "bootstrap admin token (at least 32 characters); if unset on a new database, one is "
     "generated and written to the admin token file"},
    {"ACCELNET_ADMIN_TOKEN_FILE", "admin-token-file", CFG_STRING,
     offsetof(struct config, admin_token_file), "accelnetd-admin-token", 0, 0,
     "where a generated bootstrap admin token is written (mode 0600)"},
    {"ACCELNET_PUBLIC_URL", "public-url", CFG_STRING, offsetof(struct config, public_url), NULL, 0,
     0,
     "the base URL clients reach accelnetd at (e.g. https://accelnet.example.net), used in the "
     "links the API hands out (nextLink, Azure-AsyncOperation, Location); unset: the scheme served "
     "and the request's Host header"},
    {"ACCELNET_LOG_LEVEL", "log-level", CFG_LOGLEVEL, 0, "info", 0, 0,
     "debug, info, warn or error"},
    {"ACCELNET_HTTP_THREADS", "http-threads", CFG_UINT, offsetof(struct config, http_threads), "8",
     1, 256, "HTTP worker threads (each runs an epoll loop)"},
    {"ACCELNET_DB_POOL_SIZE", "db-pool-size", CFG_UINT, offsetof(struct config, db_pool_size), "8",
     1, 512, "PostgreSQL connections in the pool"},
    {"ACCELNET_DB_ACQUIRE_TIMEOUT_MS", "db-acquire-timeout-ms", CFG_UINT,
     offsetof(struct config, db_acquire_timeout_ms), "5000", 1, 600000,
     "how long a request waits for a free database connection before 503"},
    {"ACCELNET_DB_STATEMENT_TIMEOUT_MS", "db-statement-timeout-ms", CFG_UINT,
     offsetof(struct config, db_statement_timeout_ms), "30000", 0, 3600000,
     "longest a single SQL statement may run (0 = no limit)"},
    {"ACCELNET_MAX_BODY_BYTES", "max-body-bytes", CFG_ULONG,
     offsetof(struct config, max_body_bytes), "1048576", 1024, 67108864,
     "largest request body accepted; larger gets 413"},
    {"ACCELNET_SHUTDOWN_GRACE", "shutdown-grace", CFG_UINT,
     offsetof(struct config, shutdown_grace_s), "30", 0, 3600,
     "seconds to let in-flight requests finish on SIGTERM/SIGINT"},
    {"ACCELNET_DB_WAIT", "db-wait", CFG_UINT, offsetof(struct config, db_wait_s), "30", 0, 3600,
     "seconds to wait for PostgreSQL at start-up before giving up"},
    {"ACCELNET_OUTBOX_POLL_MS", "outbox-poll-ms", CFG_UINT, offsetof(struct config, outbox_poll_ms),
     "1000", 10, 600000, "how often the webhook outbox looks for events that are due"},
    {"ACCELNET_OUTBOX_RETRY_BASE_MS", "outbox-retry-base-ms", CFG_UINT,
     offsetof(struct config, outbox_retry_base_ms), "10000", 10, 3600000,
     "delay before the first retry of a failed webhook delivery; it doubles with each "
     "failure (with jitter)"},
    {"ACCELNET_OUTBOX_RETRY_MAX_MS", "outbox-retry-max-ms", CFG_UINT,
     offsetof(struct config, outbox_retry_max_ms), "3600000", 10, 86400000,
     "longest delay between two webhook delivery attempts"},
    {"ACCELNET_OUTBOX_TIMEOUT_MS", "outbox-timeout-ms", CFG_UINT,
     offsetof(struct config, outbox_timeout_ms), "10000", 100, 300000,
     "time allowed for one webhook delivery (connect and response)"},
    {"ACCELNET_OUTBOX_EXPIRY", "outbox-expiry", CFG_UINT, offsetof(struct config, outbox_expiry_s),
     "86400", 1, 2592000, "seconds after which an undelivered webhook event is given up"},
    {"ACCELNET_HOST_HEARTBEAT_INTERVAL", "host-heartbeat-interval", CFG_UINT,
     offsetof(struct config, host_heartbeat_interval_s), "5", 1, 3600,
     "seconds between two heartbeats of a host agent (handed to the agents in the heartbeat "
     "answer)"},
    {"ACCELNET_HOST_HEARTBEAT_TIMEOUT", "host-heartbeat-timeout", CFG_UINT,
     offsetof(struct config, host_heartbeat_timeout_s), "30", 2, 86400,
     "seconds without a heartbeat after which a host is Unhealthy and gets no new VMs (more "
     "than the interval)"},
    {"ACCELNET_AGENT_TOKENS_REQUIRE_HOST", "agent-tokens-require-host", CFG_BOOL,
     offsetof(struct config, agent_tokens_require_host), "0", 0, 1,
     "agent tokens must be bound to one host (POST /admin/tokens {\"role\": \"agent\", "
     "\"hostName\": ...}): agent tokens without a host are not issued, and those issued before "
     "get 403 on every host's registration and heartbeats"},
    {"ACCELNET_SCHEDULER_WEIGHER", "scheduler-weigher", CFG_STRING,
     offsetof(struct config, scheduler_weigher), "spread", 0, 0,
     "how VMs are placed: spread (the host with the most free VFs, then vCPUs) or pack (the "
     "fewest that still fit)"},
    {"ACCELNET_SCHEDULER_CHOICES", "scheduler-choices", CFG_UINT,
     offsetof(struct config, scheduler_choices), "3", 1, 100,
     "the scheduler picks at random among this many best hosts, so that concurrent placements "
     "rarely race for one host"},
    {"ACCELNET_AGENT_TIMEOUT_MS", "agent-timeout-ms", CFG_UINT,
     offsetof(struct config, agent_timeout_ms), "5000", 100, 600000,
     "time allowed for one call to a host agent (connect and answer)"},
    {"ACCELNET_AGENT_CA_FILE", "agent-ca-file", CFG_STRING, offsetof(struct config, agent_ca_file),
     NULL, 0, 0,
     "CA certificates (PEM) that host agents' TLS certificates are verified with; unset: the "
     "system's"},
    {"ACCELNET_AGENT_RETRIES", "agent-retries", CFG_UINT, offsetof(struct config, agent_retries),
     "3", 0, 10,
     "retries of a call to a host agent after a connection error, a timeout or a 5xx answer "
     "(never after a 4xx)"},
    {"ACCELNET_AGENT_RETRY_BASE_MS", "agent-retry-base-ms", CFG_UINT,
     offsetof(struct config, agent_retry_base_ms), "200", 1, 60000,
     "delay before the first retry of a call to a host agent; it doubles with each retry (with "
     "jitter)"},
    {"ACCELNET_AGENT_MAX_IN_FLIGHT", "agent-max-in-flight", CFG_UINT,
     offsetof(struct config, agent_max_in_flight), "32", 1, 1024,
     "most calls to host agents one fan-out has in flight at once"},
    {"ACCELNET_AGENT_MAX_PER_HOST", "agent-max-per-host", CFG_UINT,
     offsetof(struct config, agent_max_per_host), "4", 1, 256,
     "most calls one fan-out has in flight to one host agent at once"},
    {"ACCELNET_WORKERS", "workers", CFG_UINT, offsetof(struct config, workers), "4", 0, 64,
     "operation worker threads (VM create/delete/start/deallocate, resource-group delete); 0: "
     "this process only serves the API and other processes do the work"},
    {"ACCELNET_OPS_POLL_MS", "ops-poll-ms", CFG_UINT, offsetof(struct config, ops_poll_ms), "1000",
     10, 600000,
     "how often idle operation workers look for work even without a notification (LISTEN/NOTIFY "
     "wakes them at once)"},
    {"ACCELNET_OPS_LEASE_S", "ops-lease-s", CFG_UINT, offsetof(struct config, ops_lease_s), "30", 2,
     3600,
     "seconds an operation stays with the process working on it without a renewal (renewed "
     "every third of it); when a process dies, any accelnetd takes its operations over after "
     "this long"},
    {"ACCELNET_OPS_RETRY_AFTER", "ops-retry-after", CFG_UINT,
     offsetof(struct config, ops_retry_after_s), "2", 1, 3600,
     "the Retry-After (seconds) that long-running operations tell clients to poll with"},
    {"ACCELNET_POLICY_PUSH_DEADLINE_S", "policy-push-deadline-s", CFG_UINT,
     offsetof(struct config, policy_push_deadline_s), "30", 1, 3600,
     "seconds a policy.push operation (an NSG change reaching its NICs' host agents) keeps "
     "retrying unreachable agents before it fails naming them; the reconciler pushes later"},
    {"ACCELNET_POLICY_PUSH_BATCH", "policy-push-batch", CFG_UINT,
     offsetof(struct config, policy_push_batch), "64", 1, 256,
     "most NICs a policy.push sends one host agent in one call (POST /v1/policies: one lock and "
     "one save of its state for them all); 1: one PUT /v1/nics/{id}/policy per NIC"},
    {"ACCELNET_RECONCILE_INTERVAL_S", "reconcile-interval-s", CFG_UINT,
     offsetof(struct config, reconcile_interval_s), "30", 0, 86400,
     "seconds between two reconciler passes (each healthy agent's VFs and policies against the "
     "database; one pass at a time across accelnetd processes); 0: only when an agent "
     "registers"},
    {"ACCELNET_RETENTION_S", "retention-s", CFG_UINT, offsetof(struct config, retention_s),
     "2592000", 60, 315360000,
     "seconds finished operations and delivered (or given up) webhook events are kept; pruned "
     "after that, except each existing VM's latest operation"},
};
#define CFG_N (sizeof(cfg_settings) / sizeof(cfg_settings[0]))

int config_parse_hostport(const char *s, char **host, unsigned *port)
{
    return util_parse_hostport(s, host, port);
}

static int cfg_is_true(const char *v, int *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off", ""};
    for (size_t i = 0; i < 4; i++)
        if (strcasecmp(v, yes[i]) == 0)
            return *out = 1, 0;
    for (size_t i = 0; i < 5; i++)
        if (strcasecmp(v, no[i]) == 0)
            return *out = 0, 0;
    return -1;
}

/* Applies one value; `from` says where it came from, for the message. */
static int cfg_apply(struct config *cfg, const struct cfg_setting *s, const char *v,
                     const char *from, char *err, size_t errlen)
{
    char *base = (char *)cfg;
    long n;
    switch (s->kind) {
    case CFG_STRING:
        free(*(char **)(base + s->offset));
        *(char **)(base + s->offset) = *v ? util_xstrdup(v) : NULL;
        return 0;
    case CFG_UINT:
    case CFG_ULONG:
        if (util_parse_long(v, (long)s->min, (long)s->max, &n) != 0) {
            snprintf(err, errlen, "%s: '%s' is not a whole number from %lu to %lu", from, v, s->min,
                     s->max);
            return -1;
        }
        if (s->kind == CFG_UINT)
            *(unsigned *)(base + s->offset) = (unsigned)n;
        else
            *(unsigned long *)(base + s->offset) = (unsigned long)n;
        return 0;
    case CFG_BOOL:
        if (cfg_is_true(v, (int *)(base + s->offset)) != 0) {
            snprintf(err, errlen, "%s: '%s' is not a boolean (use 1/0, true/false, yes/no)", from,
                     v);
            return -1;
        }
        return 0;
    case CFG_LISTEN:
        free(cfg->listen_host);
        cfg->listen_host = NULL;
        if (config_parse_hostport(v, &cfg->listen_host, &cfg->listen_port) != 0) {
            snprintf(err, errlen,
                     "%s: '%s' is not host:port (for example 127.0.0.1:8443 or [::1]:8443)", from,
                     v);
            return -1;
        }
        return 0;
    case CFG_LOGLEVEL:
        if (log_parse_level(v, &cfg->log_level) != 0) {
            snprintf(err, errlen, "%s: '%s' is not a log level (debug, info, warn, error)", from,
                     v);
            return -1;
        }
        return 0;
    }
    return -1;
}

void config_free(struct config *cfg)
{
    free(cfg->database_url);
    free(cfg->listen_host);
    free(cfg->tls_cert);
    free(cfg->tls_key);
    free(cfg->admin_token);
    free(cfg->admin_token_file);
    free(cfg->public_url);
    free(cfg->scheduler_weigher);
    free(cfg->agent_ca_file);
    memset(cfg, 0, sizeof(*cfg));
}

void config_usage(FILE *out)
{
    fputs("Usage: accelnetd [--flag VALUE]...\n"
          "\n"
          "accelnetd serves the accelnet API (ARM-shaped REST over HTTPS). Every setting\n"
          "comes from its environment variable, and a flag overrides it.\n"
          "\n",
          out);
    for (size_t i = 0; i < CFG_N; i++) {
        const struct cfg_setting *s = &cfg_settings[i];
        fprintf(out, "  --%-24s %s\n      %s", s->flag, s->env, s->help);
        if (s->def && s->kind != CFG_BOOL)
            fprintf(out, " [default: %s]", s->def);
        fputc('\n', out);
    }
    fputs("  --help                     this text\n"
          "  --version                  print the version\n",
          out);
}

enum config_result config_parse(struct config *cfg, int argc, char **argv, config_getenv_fn env,
                                char *err, size_t errlen)
{
    struct option opts[CFG_N + 3];
    const char *flag_value[CFG_N] = {0};
    char from[128];

    memset(cfg, 0, sizeof(*cfg));
    /* The flags first (so that --help works whatever the environment
     * holds), then for each setting: its flag, else its variable, else the
     * default. Only the value that wins is checked. */
    for (size_t i = 0; i < CFG_N; i++)
        opts[i] = (struct option){
            cfg_settings[i].flag,
            cfg_settings[i].kind == CFG_BOOL ? optional_argument : required_argument, NULL, (int)i};
    opts[CFG_N] = (struct option){"help", no_argument, NULL, 1000};
    opts[CFG_N + 1] = (struct option){"version", no_argument, NULL, 1001};
    opts[CFG_N + 2] = (struct option){NULL, 0, NULL, 0};
    optind = 0; /* 0, not 1: glibc then forgets the previous scan entirely */
    opterr = 0;
    for (;;) {
        int longindex = -1;
        int c = getopt_long(argc, argv, ":", opts, &longindex);
        if (c == -1)
            break;
        if (c == 1000)
            return CONFIG_HELP;
        if (c == 1001)
            return CONFIG_VERSION;
        if (c == '?' || c == ':') {
            const char *arg = argv[optind - 1];
            /* Unknown short options set optopt to the letter; unknown long
             * ones and missing values leave the flag in argv. */
            if (c == '?' && optopt)
                snprintf(err, errlen, "unknown option '-%c' (see --help)", optopt);
            else
                snprintf(err, errlen,
                         c == ':' ? "%s needs a value (see --help)"
                                  : "unknown option '%s' (see --help)",
                         arg);
            return CONFIG_ERROR;
        }
        flag_value[c] = optarg ? optarg : "1";
    }
    if (optind < argc) {
        snprintf(err, errlen, "unexpected argument '%s' (see --help)", argv[optind]);
        return CONFIG_ERROR;
    }
    for (size_t i = 0; i < CFG_N; i++) {
        const struct cfg_setting *s = &cfg_settings[i];
        const char *v = flag_value[i];
        const char *origin = from;
        if (v) {
            snprintf(from, sizeof(from), "--%s", s->flag);
        } else if (env && (v = env(s->env)) != NULL) {
            origin = s->env;
        } else if ((v = s->def) != NULL) {
            origin = "default";
        } else {
            continue;
        }
        if (cfg_apply(cfg, s, v, origin, err, errlen) != 0)
            return CONFIG_ERROR;
    }

    /* Settings that only make sense together. */
    if (!cfg->database_url) {
        snprintf(err, errlen,
                 "ACCELNET_DATABASE_URL (or --database-url) is required, for example "
                 "'host=/run/postgresql dbname=accelnet'");
        return CONFIG_ERROR;
    }
    if (!cfg->insecure_http && (!cfg->tls_cert || !cfg->tls_key)) {
        snprintf(err, errlen,
                 "TLS needs both ACCELNET_TLS_CERT and ACCELNET_TLS_KEY (or --tls-cert and "
                 "--tls-key); to serve plain HTTP set ACCELNET_INSECURE_HTTP=1");
        return CONFIG_ERROR;
    }
    if (cfg->insecure_http && (cfg->tls_cert || cfg->tls_key)) {
        snprintf(
            err, errlen,
            "ACCELNET_INSECURE_HTTP is set together with a TLS certificate or key: choose one");
        return CONFIG_ERROR;
    }
    if (cfg->admin_token && strlen(cfg->admin_token) < 32) {
        snprintf(err, errlen,
                 "ACCELNET_ADMIN_TOKEN must be at least 32 characters long (it has %zu)",
                 strlen(cfg->admin_token));
        return CONFIG_ERROR;
    }
    if (cfg->public_url) {
        size_t n = strlen(cfg->public_url);
        while (n && cfg->public_url[n - 1] == '/')
            cfg->public_url[--n] = '\0';
        if ((strncmp(cfg->public_url, "https://", 8) != 0 &&
             strncmp(cfg->public_url, "http://", 7) != 0) ||
            strchr(cfg->public_url, '?') || strpbrk(cfg->public_url, " \t\r\n")) {
            snprintf(err, errlen,
                     "ACCELNET_PUBLIC_URL: '%s' is not an http:// or https:// base URL "
                     "(for example https://accelnet.example.net)",
                     cfg->public_url);
            return CONFIG_ERROR;
        }
    }
    if (!cfg->admin_token_file) {
        snprintf(err, errlen, "ACCELNET_ADMIN_TOKEN_FILE must not be empty");
        return CONFIG_ERROR;
    }
    if (!cfg->scheduler_weigher || (strcmp(cfg->scheduler_weigher, "spread") != 0 &&
                                    strcmp(cfg->scheduler_weigher, "pack") != 0)) {
        snprintf(err, errlen, "ACCELNET_SCHEDULER_WEIGHER: '%s' is not a weigher (spread or pack)",
                 cfg->scheduler_weigher ? cfg->scheduler_weigher : "");
        return CONFIG_ERROR;
    }
    if (cfg->host_heartbeat_timeout_s <= cfg->host_heartbeat_interval_s) {
        snprintf(err, errlen,
                 "ACCELNET_HOST_HEARTBEAT_TIMEOUT (%u s) must be longer than "
                 "ACCELNET_HOST_HEARTBEAT_INTERVAL (%u s), or every host would be Unhealthy "
                 "between two heartbeats",
                 cfg->host_heartbeat_timeout_s, cfg->host_heartbeat_interval_s);
        return CONFIG_ERROR;
    }
    return CONFIG_OK;
}
