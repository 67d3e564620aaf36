/* agentclient — the one way accelnetd calls host agents (accelnet-agent's
 * API, notes/ISSUE5.md "accelnetd → agent"):
 *
 *   GET    /v1/health                 agentc_health
 *   PUT    /v1/nics/{nicId}           agentc_attach      (a VF for a NIC)
 *   PUT    /v1/nics/{nicId}/policy    agentc_set_policy
 *   POST   /v1/policies               AGENTC_SET_POLICIES (many NICs of one host)
 *   DELETE /v1/nics/{nicId}           agentc_detach
 *   GET    /v1/nics                   agentc_inventory
 *   POST   /v1/service                agentc_service     (host servicing)
 *
 * Every call carries "Authorization: Bearer <the host's callbackToken>", is
 * bounded by a timeout, and is retried a bounded number of times with
 * exponential backoff and jitter after a connection error, a timeout or a 5xx
 * answer — never after a 4xx, which is the agent's decision. Retrying is safe
 * because every call is idempotent by NIC id. TLS certificates are verified
 * (against the CA file when one is configured); plain http:// is only used
 * for loopback agent URLs.
 *
 * Calls to many hosts go out together with agentc_run(): libcurl multi, with
 * at most max_in_flight transfers at once, and at most max_per_host to any
 * one host. The one-host functions are agentc_run() with one call.
 *
 * Thread-safe: one struct agentc may be used by many threads at once (each
 * run has its own transfers). */
#ifndef ACCELNET_SERVICE_AGENTCLIENT_H
#define ACCELNET_SERVICE_AGENTCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/util.h"

struct config;

struct agentc_opts {
    unsigned timeout_ms;    /* one attempt, connect and answer */
    unsigned retries;       /* attempts after the first */
    unsigned retry_base_ms; /* the first retry's delay; doubles, with jitter */
    unsigned retry_max_ms;  /* cap on one delay (0 = 30 s) */
    const char *ca_file;    /* PEM; NULL = the system's CAs (copied) */
    unsigned max_in_flight; /* per agentc_run(), in total */
    unsigned max_per_host;  /* per agentc_run(), to one host */
};

/* From accelnetd's settings (ACCELNET_AGENT_*). */
void agentc_opts_from(const struct config *cfg, struct agentc_opts *out);

struct agentc;
/* NULL (with a log line) when the CA file cannot be read or libcurl cannot be
 * initialised. Call from the main thread before other threads start (it
 * initialises libcurl). */
struct agentc *agentc_new(const struct agentc_opts *opts);
void agentc_free(struct agentc *ac);

/* NULL when url may be used to reach an agent: https://host[:port][/path],
 * or http:// only to a loopback address (127.0.0.0/8, [::1], localhost).
 * Otherwise why not (static). Registration checks agentUrl with it too. */
const char *agentc_url_problem(const char *url);

/* One agent: where it is and the secret it gave at registration. */
struct agentc_target {
    const char *host;  /* the host's name: the per-host bound and messages */
    const char *url;   /* agentUrl, e.g. "https://10.1.2.3:9101" */
    const char *token; /* the callbackToken */
};

/* The VF an agent gave a NIC. */
struct agentc_vf {
    char pf[16];
    long vf_index;
    char pci_address[16];
    char representor[32];
    char driver[65];
    char vendor_id[8];
    char device_id[8];
};

struct agentc_nic {
    char nic_id[37];
    char vm_id[37];
    char mac_address[18];
    long long policy_generation;
    struct agentc_vf vf;
};

struct agentc_health {
    char status[16]; /* "ok" */
    char host_name[64];
    char backend[33];
    long vfs_total;
    long vfs_in_use;
};

/* What to attach (strings borrowed). */
struct agentc_attach {
    const char *vm_id;
    const char *mac_address; /* "00-0D-3A-00-00-01" */
    const char *ip_address;
    int prefix_length;
    const char *gateway;
    long segment_id;
    long rate_limit_mbps; /* 0 = none */
    long long policy_generation;
    const json_t *rules; /* array of rules (borrowed) */
};

enum agentc_fail {
    AGENTC_OK = 0,
    AGENTC_E_URL,         /* the target cannot be called (bad or plain non-loopback URL) */
    AGENTC_E_UNREACHABLE, /* connection errors or timeouts on every attempt */
    AGENTC_E_TLS,         /* the agent's certificate did not verify (not retried) */
    AGENTC_E_HTTP,        /* the agent answered with an error status (code below) */
    AGENTC_E_PROTOCOL,    /* the answer is not what the protocol says */
};

struct agentc_error {
    enum agentc_fail kind;
    long http_status;  /* the last answer's status, 0 when none */
    char code[64];     /* the agent's error.code (AGENTC_E_HTTP), else "" */
    char message[512]; /* the agent's error.message, or what went wrong */
    unsigned attempts; /* how many times the call was sent */
};

enum agentc_op {
    AGENTC_HEALTH,
    AGENTC_ATTACH,
    AGENTC_SET_POLICY,
    AGENTC_DETACH,
    AGENTC_INVENTORY,
    AGENTC_SERVICE,
    /* POST /v1/policies: the policies of up to AGENTC_POLICIES_MAX NICs of one
     * host in one request (a rule set is sent once for all the NICs whose
     * rules are the same json_t). The call's err is the request's own (a
     * connection error, a 5xx after the retries, a 4xx); each NIC's err is its
     * outcome, as agentc_set_policy would have given it: AGENTC_OK (the
     * generation installed, or already there), or AGENTC_E_HTTP with the
     * agent's status and code (404 NicNotFound, 409 StalePolicyGeneration:
     * nothing changed, 500); when the request failed, every NIC has its err.
     * An agent that does not serve the route (404 without a NIC-level answer,
     * 405: one from before it), refuses the body as too large (413) or
     * refuses the batch as a whole (400: one NIC's part it will not take) is sent
     * one PUT /v1/nics/{nicId}/policy per NIC instead, in the same
     * agentc_run(): per_nic is set, the call's err is AGENTC_OK and each NIC's
     * err is its PUT's. */
    AGENTC_SET_POLICIES,
};

/* The most NICs one AGENTC_SET_POLICIES call carries (the agent's limit). */
#define AGENTC_POLICIES_MAX 256

/* One NIC of an AGENTC_SET_POLICIES call. */
struct agentc_policy {
    /* in */
    const char *nic_id;
    long long generation;
    const json_t *rules; /* borrowed; NULL = no rules */
    /* out */
    struct agentc_error err;     /* this NIC's outcome */
    long long policy_generation; /* installed on the agent after the call (200, 409, 500) */
};

/* One call of a fan-out: fill the inputs, read the outputs after agentc_run(). */
struct agentc_call {
    /* in */
    enum agentc_op op;
    struct agentc_target target;
    const char *nic_id;                 /* ATTACH, SET_POLICY, DETACH */
    const struct agentc_attach *attach; /* ATTACH */
    long long policy_generation;        /* SET_POLICY */
    const json_t *rules;                /* SET_POLICY (borrowed) */
    int service_start;                  /* SERVICE: 1 start, 0 complete */
    struct agentc_policy *policies;     /* SET_POLICIES: the NICs; outcomes written there */
    size_t npolicies;
    /* out */
    struct agentc_error err; /* kind == AGENTC_OK on success */
    int created;             /* ATTACH: 201 (a new VF) rather than 200 (the one it had) */
    int detached;            /* DETACH: 200 (was attached) rather than 204 */
    struct agentc_nic nic;   /* ATTACH, SET_POLICY */
    struct agentc_health health;
    struct agentc_nic *nics; /* INVENTORY: owned, free() */
    size_t nnics;
    long service_vfs; /* SERVICE: the VFs revoked or restored */
    int per_nic;      /* SET_POLICIES: sent as one PUT per NIC (the agent has no batches) */
    /* private */
    void *priv_;
};

/* Runs every call (in parallel within the bounds: a SET_POLICIES call is one
 * transfer) and returns when all are done. Returns how many failed (for
 * SET_POLICIES, the request; the NICs' outcomes are in policies[]). */
size_t agentc_run(struct agentc *ac, struct agentc_call *calls, size_t n);
/* Frees what a call's outputs own (the inventory). */
void agentc_call_free(struct agentc_call *call);

/* One call to one agent. 0 on success, else -1 with err filled. */
int agentc_health(struct agentc *ac, const struct agentc_target *t, struct agentc_health *out,
                  struct agentc_error *err);
/* created (may be NULL): 1 when the agent gave a new VF (201). */
int agentc_attach(struct agentc *ac, const struct agentc_target *t, const char *nic_id,
                  const struct agentc_attach *a, struct agentc_nic *out, int *created,
                  struct agentc_error *err);
/* 409 StalePolicyGeneration: the agent has a newer policy; nothing changed. */
int agentc_set_policy(struct agentc *ac, const struct agentc_target *t, const char *nic_id,
                      long long generation, const json_t *rules, struct agentc_nic *out,
                      struct agentc_error *err);
/* detached (may be NULL): 1 when a VF was attached and is now freed (200),
 * 0 when none was (204). */
int agentc_detach(struct agentc *ac, const struct agentc_target *t, const char *nic_id,
                  int *detached, struct agentc_error *err);
/* POST /v1/service {"action": "start"|"complete"}: host servicing (the agent
 * revokes every VF it handed out, or restores them). *vfs: how many. */
int agentc_service(struct agentc *ac, const struct agentc_target *t, int start, long *vfs,
                   struct agentc_error *err);
/* *nics: owned by the caller (free()). */
int agentc_inventory(struct agentc *ac, const struct agentc_target *t, struct agentc_nic **nics,
                     size_t *n, struct agentc_error *err);

/* The delay before retry number `retry` (1 = the first): base doubled per
 * earlier retry, capped, the upper half random (from rnd). Pure, for tests. */
unsigned long agentc_backoff_ms(unsigned retry, unsigned base_ms, unsigned max_ms, uint32_t rnd);

/* The process's call counters as Prometheus text. */
void agentc_metrics_render(struct buf *out);

#endif
