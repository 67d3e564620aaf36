/* nic_policy — the seed's first rule, in one place: Accelerated Networking
 * can only be enabled (or disabled) when a network interface is created; a
 * PUT or PATCH that changes enableAcceleratedNetworking on an existing NIC is
 * refused with AcceleratedNetworkingCannotBeChangedOnExistingNic, never
 * accepted and ignored.
 *
 * The rule is a policy value so that an operator setting can relax it later
 * (for example: allow the change while the NIC's VM is deallocated, once the
 * compute issue knows VM power states). Today there is no such setting: every
 * caller passes NIC_AN_POLICY_DEFAULT. To add one, give struct config a field
 * of this type, parse it in service/config.c, and pass it here instead of the
 * default — nothing else changes. */
#ifndef ACCELNET_API_NIC_POLICY_H
#define ACCELNET_API_NIC_POLICY_H

enum nic_an_policy {
    /* The seed's rule: never on an existing NIC. A relaxed value (for example
     * NIC_AN_WHEN_VM_DEALLOCATED) is added together with the setting that
     * chooses it and the VM states it needs. */
    NIC_AN_CREATE_ONLY = 0,
};

#define NIC_AN_POLICY_DEFAULT NIC_AN_CREATE_ONLY

/* What the policy needs to know about the NIC. */
struct nic_an_subject {
    int attached; /* the NIC belongs to a VM */
};

/* 1 when policy allows changing enableAcceleratedNetworking on the existing
 * NIC described by s. */
int nic_policy_allows_an_change(enum nic_an_policy policy, const struct nic_an_subject *s);

/* The refusal's message (static). */
const char *nic_policy_an_refusal(enum nic_an_policy policy);

#endif
