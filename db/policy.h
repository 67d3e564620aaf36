/* policy — the policy generations of NICs with a VF (issue 6).
 *
 * network_interfaces.vf_policy_generation is the generation the database
 * wants the NIC's host agent to have: set when the VF is recorded, and bumped
 * (nic_policy_generation_seq) in the transaction of every change that alters
 * the NIC's effective policy. vf_policy_acked is the generation its agent
 * acknowledged (or answered 409 StalePolicyGeneration to: it had a newer
 * one). wanted > acked: the agent still has to get the current policy. */
#ifndef ACCELNET_DB_POLICY_H
#define ACCELNET_DB_POLICY_H

#include "db/db.h"

/* Every NIC with a VF that nsg_id reaches (as its own NSG or its subnet's)
 * gets a new wanted generation. *ids: those NICs (caller frees). */
enum db_status db_policy_bump_nsg(struct db_conn *c, const char *nsg_id, char (**ids)[37],
                                  size_t *n);
/* The same for every NIC with a VF in a subnet (its NSG changed). */
enum db_status db_policy_bump_subnet(struct db_conn *c, const char *subnet_id, char (**ids)[37],
                                     size_t *n);

struct db_policy_state {
    char nic_id[37];
    char host[64];    /* "" when the NIC has no VF any more */
    int has_vf;       /* vf_index is set (not being attached or released) */
    long long wanted; /* 0 when none */
    long long acked;  /* 0 when none */
};
/* The generations of the NICs among ids that exist (read before the rules,
 * so that rules read afterwards are at least as new). */
enum db_status db_policy_states(struct db_conn *c, const char *const *ids, size_t n,
                                struct db_policy_state **out, size_t *count);
/* The agent of host acknowledged generation (only while the VF is there). */
enum db_status db_policy_ack(struct db_conn *c, const char *nic_id, const char *host,
                             long long generation);
/* db_policy_ack for n NICs in one statement (row locks in id order). */
enum db_status db_policy_ack_many(struct db_conn *c, const char *const *nic_ids,
                                  const char *const *hosts, const long long *generations, size_t n);
/* In the transaction of a change to an NSG's rules (nsg_id) or to a
 * subnet's NSG (subnet_id, nsg_id NULL): bumps the generations of the NICs it
 * reaches and, when there are any, inserts a policy.push operation for them
 * (params {"nics": [ids]}) about resource_id; op_id: its id, "" when no NIC
 * with a VF is affected (nothing to push). */
enum db_status db_policy_enqueue(struct db_conn *c, const char *nsg_id, const char *subnet_id,
                                 const char *sub, const char *location, const char *resource_id,
                                 char op_id[37]);
/* The same for one NIC whose own NSG changed (its row is locked by the
 * caller's update). */
enum db_status db_policy_enqueue_nic(struct db_conn *c, const char *nic_id, const char *sub,
                                     const char *location, const char *resource_id, char op_id[37]);
/* Whether a policy.push started by a change to the resource resource_id (an
 * ARM id) or one of its children (a security rule) is still in progress. */
enum db_status db_policy_push_pending(struct db_conn *c, const char *resource_id, int *pending);
/* The same for the NICs of several subnets whose NSG changed (one
 * operation for them all). */
enum db_status db_policy_enqueue_subnets(struct db_conn *c, const char *const *subnet_ids,
                                         size_t nsubnets, const char *sub, const char *location,
                                         const char *resource_id, char op_id[37]);
/* Where a NIC's policy comes from: its primary subnet and the two groups
 * ("" when none), with the resource groups' names for their ids. */
struct db_policy_context {
    char subnet_nsg_id[37], subnet_nsg_rg[91], subnet_nsg_name[81];
    char vnet_rg[91], vnet_name[81], subnet_name[81];
    char nic_nsg_id[37], nic_nsg_rg[91], nic_nsg_name[81];
};
/* DB_NOT_FOUND: no such NIC (or no primary IP configuration). */
enum db_status db_policy_nic_context(struct db_conn *c, const char *nic_id,
                                     struct db_policy_context *out);
/* In-flight attaches (params "inflight" of a policy.push): how many of ids
 * still have no VF while their VM's operation runs; and, once none does, a
 * new wanted generation for those that got a VF (their attach may have read
 * the rules before the change: they get the policy again). */
enum db_status db_policy_inflight_waiting(struct db_conn *c, const char *const *ids, size_t n,
                                          long *waiting);
enum db_status db_policy_rebump(struct db_conn *c, const char *const *ids, size_t n);
/* Seconds since an operation started. */
enum db_status db_policy_op_age(struct db_conn *c, const char *op_id, double *seconds);

#endif
