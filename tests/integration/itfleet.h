/* itfleet — a fleet for fan-out tests and benchmarks: one accelnetd, many
 * real accelnet-agent processes (sim backend, HTTPS both ways), and one
 * subscription whose VMs have many accelerated NICs, all in one NSG.
 *
 *   itfleet_start()     accelnetd, the agents (Healthy), the subscription
 *                       (enrolled), a resource group "fleet" with the NSG
 *                       "fleet-nsg" and a VNet whose subnet holds every NIC;
 *   itfleet_populate()  the NICs (NSG fleet-nsg) and the VMs, created through
 *                       the API by several threads at once; returns when every
 *                       VM's creation has ended;
 *   itfleet_rule_put()  one rule PUT on fleet-nsg (a change that reaches every
 *                       NIC); returns its operation's final status;
 *   itfleet_single()    one more NSG with one NIC on one VM (a 1-NIC change);
 *   itfleet_restart()   accelnetd again, on the same port, with more settings;
 *   itfleet_check()     every agent's inventory against the database: each
 *                       NIC with a VF is on the agent the database says, with
 *                       the generation the database wants, and acknowledged;
 *   itfleet_stop()      stops what itfleet_start() started.
 *
 * Functions return 0 or -1 with a message in f->error, so that both cmocka
 * tests and the benchmark program can use them. */
#ifndef ACCELNET_TESTS_ITFLEET_H
#define ACCELNET_TESTS_ITFLEET_H

#include <jansson.h>

#include "tests/integration/itest.h"

#define ITFLEET_SUB     "f1ee0006-0000-4000-8000-0000000f1ee7"
#define ITFLEET_RG      "fleet"
#define ITFLEET_NSG     "fleet-nsg"
#define ITFLEET_HOSTS   256 /* most agents one fleet has */
#define ITFLEET_RG_PATH "/subscriptions/" ITFLEET_SUB "/resourceGroups/" ITFLEET_RG

struct itfleet_opts {
    const char *db_name; /* the test database (created afresh) */
    int agents;          /* host agents, 1..ITFLEET_HOSTS */
    int vfs_per_agent;   /* each agent's one physical function's VFs */
    int vms;             /* VMs itfleet_populate() creates */
    int nics_per_vm;     /* accelerated NICs per VM (1..8, Standard_D15_v2) */
    int threads;         /* concurrent API calls while populating; 0 = 8 */
    /* The first this many agents serve no POST /v1/policies
     * (--test-no-policy-batches), as agents from before it: a fleet in the
     * middle of a rolling upgrade. */
    int legacy_agents;
    const char *const *env; /* extra accelnetd environment, NULL-terminated */
};

struct itfleet {
    struct itfleet_opts o;
    char *conninfo;
    struct itest_daemon d;
    struct itest_daemon agents[ITFLEET_HOSTS];
    char host_names[ITFLEET_HOSTS][32];
    char agent_token[128];
    char error[1024];
};

int itfleet_start(struct itfleet *f, const struct itfleet_opts *o);
int itfleet_populate(struct itfleet *f);
/* The body of a NIC PUT that itfleet_populate() sends: an accelerated NIC on
 * the fleet's subnet, in NSG `nsg` (of the fleet's resource group). */
void itfleet_nic_body(char *buf, size_t size, const char *nsg);
/* An NSG `nsg` of its own (one rule) and a VM `vm` with one accelerated
 * NIC `nic` in it: a change to nsg reaches that one NIC. Returns once the VM
 * runs. */
int itfleet_single(struct itfleet *f, const char *nsg, const char *nic, const char *vm);
/* PUTs rule `name` (Inbound Allow Tcp to `port`, at `priority`) on
 * fleet-nsg. The answer must be 200/201 with provisioningState Updating and
 * an Azure-AsyncOperation; *op gets the operation's final status object
 * (caller decrefs) once it is no longer InProgress (timeout_ms). */
int itfleet_rule_put(struct itfleet *f, const char *name, int priority, const char *port,
                     long timeout_ms, json_t **op);
/* The same on NSG `nsg` of the fleet's resource group. */
int itfleet_nsg_rule_put(struct itfleet *f, const char *nsg, const char *name, int priority,
                         const char *port, long timeout_ms, json_t **op);
/* 0 when every agent has every NIC the database puts there, and nothing
 * else, at the generation the database wants and has acknowledged; *nics
 * (may be NULL) gets the number of NICs checked. */
int itfleet_check(struct itfleet *f, long long *nics);
/* Number of hosts that hold at least one VF. */
long long itfleet_hosts_used(struct itfleet *f);
/* Stops accelnetd and starts it again on the same port (the agents keep
 * their controller URL) and database, with the fleet's environment and then
 * `env` (NULL-terminated, may be NULL; a later entry replaces an earlier
 * one): a configuration change. */
int itfleet_restart(struct itfleet *f, const char *const *env);
void itfleet_stop(struct itfleet *f);

#endif
