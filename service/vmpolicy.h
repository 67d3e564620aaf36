/* vmpolicy — the policy a host agent installs for an accelerated NIC: the
 * rules of the NIC's subnet's network security group (stage "subnet") and of
 * the NIC's own (stage "nic"), each followed by Azure's default rules, as the
 * agent protocol spells them (notes/ISSUE5.md). A stage without a group has
 * no rules (no NSG: nothing filtered at that stage, as in Azure).
 *
 * Generations: one counter for every NIC (nic_policy_generation_seq), taken
 * when the policy is computed, so that a later policy always has a higher
 * generation than an earlier one, whichever groups it came from (the max of
 * the two groups' own generations would go backwards when a NIC moves to a
 * younger group). Pure functions. */
#ifndef ACCELNET_SERVICE_VMPOLICY_H
#define ACCELNET_SERVICE_VMPOLICY_H

#include <stddef.h>

#include <jansson.h>

#include "common/nsg_rule.h"

/* One rule as the agent protocol has it: {"stage", "name", "priority",
 * "direction", "access", "protocol", "sourceAddressPrefixes",
 * "sourcePortRanges", "destinationAddressPrefixes", "destinationPortRanges"}.
 * A new reference. */
json_t *vmpolicy_rule_json(const char *stage, const struct nsgrule *r);

/* The rules of both stages (subnet first): for each stage whose group is
 * present, its rules ordered by direction (Inbound first) and priority, then
 * the six default rules. A new reference (an array). */
json_t *vmpolicy_rules(int subnet_nsg, const struct nsgrule *subnet_rules, size_t nsubnet,
                       int nic_nsg, const struct nsgrule *nic_rules, size_t nnic);

#endif
