/* config — accelnet-agent's settings: ACCELNET_AGENT_* environment variables,
 * overridden by command-line flags (the same table as accelnetd's, see
 * service/config.c). Bad values fail start-up (exit 2) with one sentence that
 * names the setting and what it accepts. */
#ifndef ACCELNET_AGENT_CONFIG_H
#define ACCELNET_AGENT_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "agent/pf.h"
#include "common/log.h"

struct agent_config {
    char *controller;  /* --controller: accelnetd's base URL, no trailing '/' (required) */
    char *token;       /* --token or the first line of --token-file (required) */
    char *token_file;  /* --token-file */
    char *host_name;   /* --host-name, lower-cased; default: the system's host name */
    char *location;    /* --location (required) */
    char *listen_host; /* --listen host:port */
    unsigned listen_port;
    char *advertise_url;               /* --advertise-url; NULL: derived from --listen once bound */
    char *backend;                     /* --backend (sim) */
    unsigned vcpus;                    /* --vcpus */
    unsigned long memory_mb;           /* --memory-mb */
    struct agent_pf pfs[PF_MAX_COUNT]; /* --pf, repeatable */
    size_t npfs;
    unsigned fault_domain;          /* --fault-domain */
    char *state_dir;                /* --state-dir */
    char *ca_file;                  /* --ca-file: CA bundle that verifies accelnetd */
    char *tls_cert, *tls_key;       /* --tls-cert, --tls-key: serve HTTPS */
    int insecure_http;              /* --insecure-http: serve plain HTTP (loopback only) */
    enum log_level log_level;       /* --log-level */
    unsigned http_threads;          /* --http-threads */
    unsigned shutdown_grace_s;      /* --shutdown-grace */
    unsigned controller_timeout_ms; /* --controller-timeout-ms: one call to accelnetd */
    unsigned retry_max_ms;          /* --register-retry-max-ms: longest registration backoff */
    /* Test-only fault injection; all off by default. */
    double test_fail_rate;  /* --test-fail-rate: fraction of attach/policy/detach answered 503 */
    unsigned test_delay_ms; /* --test-delay-ms: added to every API call */
    char *test_hang_file;   /* --test-hang-file: API calls block while it exists */
    int test_no_policy_batches; /* --test-no-policy-batches: no POST /v1/policies route */
};

enum agent_config_result {
    AGENT_CONFIG_OK,
    AGENT_CONFIG_HELP,
    AGENT_CONFIG_VERSION,
    AGENT_CONFIG_ERROR
};

typedef const char *(*agent_config_getenv_fn)(const char *name);
/* gethostname-like, so tests can pick the system host name. */
typedef int (*agent_config_hostname_fn)(char *name, size_t len);

/* Fills cfg from env then argv (flags win; --pf flags replace ACCELNET_AGENT_PF
 * as a whole). hostname may be NULL (gethostname). On AGENT_CONFIG_ERROR, err
 * holds one sentence that names the setting. */
enum agent_config_result agent_config_parse(struct agent_config *cfg, int argc, char **argv,
                                            agent_config_getenv_fn env,
                                            agent_config_hostname_fn hostname, char *err,
                                            size_t errlen);
void agent_config_free(struct agent_config *cfg);
void agent_config_usage(FILE *out);

/* The agentUrl sent at registration: --advertise-url, else derived from
 * --listen and the port actually bound ("https://127.0.0.1:9101"). Caller
 * frees. */
char *agent_config_agent_url(const struct agent_config *cfg, unsigned bound_port);

/* Host names accelnetd accepts: 1-63 of [a-z0-9-], not starting or ending
 * with '-'. */
int agent_config_host_name_ok(const char *s);

#endif
