/* api — the agent API's handlers and their route table (notes/ISSUE5.md,
 * "accelnetd → agent"):
 *
 *   GET    /v1/health                health and VF counts
 *   GET    /v1/nics                  the inventory
 *   PUT    /v1/nics/{nicId}          attach a VF (201 new, 200 the one it has)
 *   DELETE /v1/nics/{nicId}          detach (200 with what was detached, 204 if none)
 *   PUT    /v1/nics/{nicId}/policy   replace the policy (the generation rule)
 *   POST   /v1/policies              replace the policies of many NICs at once:
 *                                    the body is
 *          {"ruleSets": [[<rule>...], ...],
 *           "nics": [{"nicId": "<uuid>", "generation": N, "ruleSet": <index>}, ...]}
 *                                    (a rule set once for all the NICs that
 *                                    share it; 1 to PROTO_MAX_BATCH = 256 NICs,
 *                                    each once, and 1 to 256 rule sets). Each
 *                                    NIC gets exactly what PUT .../policy would
 *                                    give it, but under one acquisition of the
 *                                    lock and with one (durable) save of the
 *                                    state for the whole call, before the
 *                                    answer: 200
 *          {"results": [{"nicId", "status", "code"?, "message"?, "policyGeneration"?}]}
 *                                    in the order of "nics": status 200 (a
 *                                    newer generation installed, or the same
 *                                    one already there), 404 NicNotFound (no VF
 *                                    here; no policyGeneration), 409
 *                                    StalePolicyGeneration (older than the
 *                                    installed one, nothing changes), 500
 *                                    InternalServerError (the backend failed,
 *                                    nothing changes for that NIC);
 *                                    policyGeneration is the one installed
 *                                    after the call. The body is validated
 *                                    whole first: any problem, or more than
 *                                    256 NICs or rule sets, is a 400
 *                                    InvalidRequestContent and nothing
 *                                    changes (413 beyond the body size limit).
 *                                    An agent from before this route answers
 *                                    404 NotFound: accelnetd then sends one
 *                                    PUT .../policy per NIC (and so does it
 *                                    for a 405 or 413).
 *   GET    /v1/service               {"servicing": bool, "virtualFunctions": N}
 *   POST   /v1/service               host servicing (issue 6), body
 *                                    {"action": "start"|"complete"}: start revokes
 *                                    every VF handed out (hot-remove from the
 *                                    guests; the VFs stay reserved with their
 *                                    policies), complete gives them back; 200
 *                                    {"servicing", "virtualFunctions": how many};
 *                                    idempotent; 400 InvalidRequestContent for
 *                                    another body. While servicing, GET /v1/nics
 *                                    shows "vfState": "Revoked" on every NIC
 *                                    (absent otherwise) and an attach of a NIC without a
 *                                    VF is 409 HostInServicing. The state is kept
 *                                    in the state directory (file "servicing").
 *
 * This is the protocol layer: it validates, makes every call idempotent by
 * NIC id and applies the generation rule, then calls the backend only for a
 * real change, holding the agent's lock from the lookup to the change. */
#ifndef ACCELNET_AGENT_API_H
#define ACCELNET_AGENT_API_H

#include <stddef.h>

#include "agent/http.h"

extern const struct route agent_routes[];
extern const size_t agent_routes_count;

void agent_api_health(struct req *rq, struct reply *rp);
void agent_api_nics_list(struct req *rq, struct reply *rp);
void agent_api_nic_put(struct req *rq, struct reply *rp);
void agent_api_nic_delete(struct req *rq, struct reply *rp);
void agent_api_nic_policy_put(struct req *rq, struct reply *rp);
void agent_api_policies_post(struct req *rq, struct reply *rp);
/* GET and POST /v1/service: host servicing (VF revocation). */
void agent_api_service_get(struct req *rq, struct reply *rp);
void agent_api_service_post(struct req *rq, struct reply *rp);

#endif
