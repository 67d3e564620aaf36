/* policywork — policy propagation (issue 6): the policy.push operation.
 *
 * An NSG change (or a subnet's NSG change) bumps the wanted generation of
 * every NIC with a VF it reaches and inserts a policy.push operation for them
 * in its own transaction (db/policy.h). The worker:
 *
 *   1. reads each NIC's wanted and acknowledged generations, then (after, so
 *      they are at least as new) its rules: subnet NSG then NIC NSG, the
 *      agent protocol's stages (service/vmpolicy.h);
 *   2. sends the policies to every host agent at once, in batches: the NICs
 *      of one host in calls of up to ACCELNET_POLICY_PUSH_BATCH (POST
 *      /v1/policies, each rule set once per call, about 1 MiB of distinct
 *      rules at most; one lock and one save on the agent per call), so that
 *      the fan-out's bounds (agentc_run: libcurl multi, bounded per host and
 *      in total) count batches; ACCELNET_POLICY_PUSH_BATCH=1, or an agent
 *      without the batch route, gets one PUT /v1/nics/{id}/policy per NIC;
 *   3. records the acknowledgements (one statement per round); a NIC's 409
 *      StalePolicyGeneration means the agent already has a newer policy:
 *      acknowledged, not an error; any other outcome of a NIC (or of its
 *      batch) is a failure for that NIC;
 *   4. Succeeded when every NIC is acknowledged (or has no VF any more);
 *      otherwise tried again until ACCELNET_POLICY_PUSH_DEADLINE_S after the
 *      operation started, then Failed (HostAgentUnavailable) naming the hosts
 *      that were not reached. Those NICs stay wanted > acked: the reconciler
 *      pushes them when their agents are back.
 *
 * NICs whose VF was being attached when the change committed ("inflight":
 * their attach may have read the rules just before) are waited for, then
 * given a new generation and pushed like the others. */
#ifndef ACCELNET_SERVICE_POLICYWORK_H
#define ACCELNET_SERVICE_POLICYWORK_H

#include <jansson.h>

#include "db/db.h"
#include "db/vm.h"
#include "service/ops.h"

/* The effective policy of one NIC (rules of its subnet's NSG and its own, as
 * they are now). */
enum db_status policywork_nic_rules(struct db_conn *c, const struct db_vm_nic *n, json_t **rules);

enum ops_result policywork_run(struct ops_ctx *ctx, struct db_op *op, unsigned long *defer_ms);

#endif
