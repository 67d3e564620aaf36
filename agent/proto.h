/* proto — the agent API's JSON, as notes/ISSUE5.md defines it: validating
 * the attach and policy bodies (every problem reported with its JSON path),
 * rendering the NIC object, and the two rules the protocol layer applies
 * before it calls a backend — the policy generation rule and what makes a
 * repeated attach "the same". Pure functions: no I/O, no locks.
 *
 * A rule's address prefixes and port ranges are checked with accelnetd's own
 * parser (common/nsg_rule.h), so the agent accepts exactly what the NSG API
 * accepted: "*", IPv4 addresses and CIDRs without host bits, the tags
 * VirtualNetwork, Internet and AzureLoadBalancer; "*", ports and ranges. */
#ifndef ACCELNET_AGENT_PROTO_H
#define ACCELNET_AGENT_PROTO_H

#include <jansson.h>

#include "agent/nic.h"
#include "common/error.h"

/* The most rules one policy may carry (both stages, default rules included). */
#define PROTO_MAX_RULES 4096

/* 1 when s is a UUID (any case). */
int proto_uuid_ok(const char *s);

/* Parses the body of PUT /v1/nics/{nicId} into spec (everything but spec->id).
 * Returns 0, or -1 with e set (InvalidRequestContent, one detail per problem);
 * spec then holds nothing to free. The rules are stored in canonical form
 * (enum values in the protocol's case, only the protocol's members). */
int proto_parse_attach(const json_t *body, struct nic_spec *spec, struct err *e);
/* Parses the body of PUT /v1/nics/{nicId}/policy. 0 with *rules (a new
 * reference, canonical form) and *generation, or -1 with e set. */
int proto_parse_policy(const json_t *body, long long *generation, json_t **rules, struct err *e);

/* The most NICs, and the most rule sets, one POST /v1/policies may carry. */
#define PROTO_MAX_BATCH 256

/* The body of POST /v1/policies, parsed:
 *   {"ruleSets": [[<rule>...], ...],
 *    "nics": [{"nicId": "<uuid>", "generation": N, "ruleSet": <index into ruleSets>}, ...]}
 * (1 to PROTO_MAX_BATCH NICs, each once; 1 to PROTO_MAX_BATCH rule sets, each
 * as the rules of PUT /v1/nics/{nicId}/policy). */
struct proto_batch_nic {
    char id[NIC_ID_LEN]; /* lower case */
    long long generation;
    size_t rule_set;
};
struct proto_batch {
    json_t **rule_sets; /* each a new reference, canonical form */
    size_t nrule_sets;
    struct proto_batch_nic *nics;
    size_t nnics;
};
/* 0 with *b filled (free with proto_batch_free), or -1 with e set (every
 * problem, with its JSON path) and *b empty. */
int proto_parse_batch(const json_t *body, struct proto_batch *b, struct err *e);
/* Safe on a zeroed struct. */
void proto_batch_free(struct proto_batch *b);

/* The canonical attach body for spec (what proto_parse_attach accepts back).
 * A new reference. */
json_t *proto_attach_json(const struct nic_spec *spec);
/* The NIC object: {"nicId", "vmId", "macAddress", "policyGeneration", "vf":
 * {"pf", "vfIndex", "pciAddress", "representor", "driver", "vendorId",
 * "deviceId"}}. A new reference. */
json_t *proto_nic_json(const struct nic_entry *e);

/* The generation rule: an offered policy generation against the installed one. */
enum proto_generation {
    PROTO_GEN_OLDER, /* refuse: 409 StalePolicyGeneration, nothing changes */
    PROTO_GEN_EQUAL, /* 200, nothing changes */
    PROTO_GEN_NEWER, /* install it */
};
enum proto_generation proto_generation_rule(long long installed, long long offered);

/* A repeated attach of a NIC that has a VF is the same attach when it names
 * the same VM, MAC, addresses, segment and rate limit (the policy follows the
 * generation rule instead). NULL when it is, else the JSON name of the first
 * member that differs (static). */
const char *proto_attach_differs(const struct nic_spec *have, const struct nic_spec *want);

#endif
