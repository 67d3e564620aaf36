/* config — accelnetd's settings: environment variables (ACCELNET_*),
 * overridden by command-line flags. Bad values fail start-up with a message
 * that names the setting and what it accepts. */
#ifndef ACCELNET_SERVICE_CONFIG_H
#define ACCELNET_SERVICE_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "common/log.h"

struct config {
    char *database_url; /* ACCELNET_DATABASE_URL, --database-url (required) */
    char *listen_host;  /* from ACCELNET_LISTEN, --listen host:port */
    unsigned listen_port;
    char *tls_cert;           /* ACCELNET_TLS_CERT, --tls-cert (PEM file) */
    char *tls_key;            /* ACCELNET_TLS_KEY, --tls-key (PEM file) */
    int insecure_http;        /* ACCELNET_INSECURE_HTTP=1, --insecure-http */
    char *admin_token;        /* ACCELNET_ADMIN_TOKEN, --admin-token */
    char *admin_token_file;   /* ACCELNET_ADMIN_TOKEN_FILE, --admin-token-file */
    char *public_url;         /* ACCELNET_PUBLIC_URL, --public-url (base of the links handed out) */
    enum log_level log_level; /* ACCELNET_LOG_LEVEL, --log-level */
    unsigned http_threads;    /* ACCELNET_HTTP_THREADS, --http-threads */
    unsigned db_pool_size;    /* ACCELNET_DB_POOL_SIZE, --db-pool-size */
    unsigned db_acquire_timeout_ms;   /* ACCELNET_DB_ACQUIRE_TIMEOUT_MS */
    unsigned db_statement_timeout_ms; /* ACCELNET_DB_STATEMENT_TIMEOUT_MS */
    unsigned long max_body_bytes;     /* ACCELNET_MAX_BODY_BYTES, --max-body-bytes */
    unsigned shutdown_grace_s;        /* ACCELNET_SHUTDOWN_GRACE, --shutdown-grace */
    unsigned db_wait_s;               /* ACCELNET_DB_WAIT, --db-wait */
    /* The webhook outbox (service/outbox.c). */
    unsigned outbox_poll_ms;       /* ACCELNET_OUTBOX_POLL_MS, --outbox-poll-ms */
    unsigned outbox_retry_base_ms; /* ACCELNET_OUTBOX_RETRY_BASE_MS, --outbox-retry-base-ms */
    unsigned outbox_retry_max_ms;  /* ACCELNET_OUTBOX_RETRY_MAX_MS, --outbox-retry-max-ms */
    unsigned outbox_timeout_ms;    /* ACCELNET_OUTBOX_TIMEOUT_MS, --outbox-timeout-ms */
    unsigned outbox_expiry_s;      /* ACCELNET_OUTBOX_EXPIRY, --outbox-expiry */
    /* Hosts, the scheduler and the calls to host agents. */
    unsigned host_heartbeat_interval_s; /* ACCELNET_HOST_HEARTBEAT_INTERVAL */
    unsigned host_heartbeat_timeout_s;  /* ACCELNET_HOST_HEARTBEAT_TIMEOUT */
    int agent_tokens_require_host;      /* ACCELNET_AGENT_TOKENS_REQUIRE_HOST */
    char *scheduler_weigher;            /* ACCELNET_SCHEDULER_WEIGHER: "spread" | "pack" */
    unsigned scheduler_choices;         /* ACCELNET_SCHEDULER_CHOICES */
    unsigned agent_timeout_ms;          /* ACCELNET_AGENT_TIMEOUT_MS */
    char *agent_ca_file;                /* ACCELNET_AGENT_CA_FILE (NULL: the system's CAs) */
    unsigned agent_retries;             /* ACCELNET_AGENT_RETRIES */
    unsigned agent_retry_base_ms;       /* ACCELNET_AGENT_RETRY_BASE_MS */
    unsigned agent_max_in_flight;       /* ACCELNET_AGENT_MAX_IN_FLIGHT */
    unsigned agent_max_per_host;        /* ACCELNET_AGENT_MAX_PER_HOST */
    /* The operation engine (service/ops.c). */
    unsigned workers;           /* ACCELNET_WORKERS */
    unsigned ops_poll_ms;       /* ACCELNET_OPS_POLL_MS */
    unsigned ops_lease_s;       /* ACCELNET_OPS_LEASE_S */
    unsigned ops_retry_after_s; /* ACCELNET_OPS_RETRY_AFTER */
    /* Policy propagation (service/policywork.c). */
    unsigned policy_push_deadline_s; /* ACCELNET_POLICY_PUSH_DEADLINE_S */
    unsigned policy_push_batch;      /* ACCELNET_POLICY_PUSH_BATCH */
    unsigned reconcile_interval_s;   /* ACCELNET_RECONCILE_INTERVAL_S */
    unsigned retention_s;            /* ACCELNET_RETENTION_S */
};

enum config_result { CONFIG_OK, CONFIG_HELP, CONFIG_VERSION, CONFIG_ERROR };

/* getenv-like lookup, so tests can pass their own environment. */
typedef const char *(*config_getenv_fn)(const char *name);

/* Fills cfg from env then argv. On CONFIG_ERROR, err holds one sentence that
 * names the setting and what it accepts. */
enum config_result config_parse(struct config *cfg, int argc, char **argv, config_getenv_fn env,
                                char *err, size_t errlen);
void config_free(struct config *cfg);
/* Prints --help (every setting, its variable, flag and default). */
void config_usage(FILE *out);

/* Splits "host:port" or "[v6]:port". 0 on success. */
int config_parse_hostport(const char *s, char **host, unsigned *port);

#endif
