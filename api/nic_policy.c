#include "api/nic_policy.h"

#include <stddef.h>

int nic_policy_allows_an_change(enum nic_an_policy policy, const struct nic_an_subject *s)
{
    (void)s;
    switch (policy) {
    case NIC_AN_CREATE_ONLY:
        return 0;
    }
    return 0;
}

const char *nic_policy_an_refusal(enum nic_an_policy policy)
{
    (void)policy;
    return "Accelerated Networking can only be set when a network interface is created; it "
           "cannot be enabled or disabled on an existing one. Create a new network interface "
           "with enableAcceleratedNetworking set as you want it (and delete this one if it is no "
           "longer needed).";
}
