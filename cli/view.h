/* view — how results look in `-o table`, for the shapes the generic table
 * (cli/output.h) shows badly: nested members (tags, reasons, capabilities)
 * and long ids. A view maps the server's JSON to a list of flat rows; it is
 * applied only for -o table without --query, as az applies its table
 * transformers (json and tsv always show the server's JSON, so scripts see
 * the API's shape). Each view takes a single resource or a list
 * ({"value": [...]}) and returns a new reference. Pure; unit-tested in
 * tests/unit/test_cli_view.c. */
#ifndef ACCELNET_CLI_VIEW_H
#define ACCELNET_CLI_VIEW_H

#include <jansson.h>

/* A view: the rows for -o table (a new reference). */
typedef json_t *(*cliview_fn)(const json_t *v);

/* Resource groups: Name, Location, ProvisioningState, Tags ("k=v, k2=v2"). */
json_t *cliview_groups(const json_t *v);
/* Subscriptions (operator view): SubscriptionId, DisplayName, State,
 * ContactWebhook. */
json_t *cliview_subscriptions(const json_t *v);
/* Feature registrations of a subscription (ARM FeatureResult): Name, State,
 * Reason. */
json_t *cliview_features(const json_t *v);
/* Operator views of registrations: SubscriptionId, Feature (ns/name), State,
 * IntendedUse, RequestedAt, DecidedBy, Reason. */
json_t *cliview_registrations(const json_t *v);
/* Resource SKUs: Name, Location(s), VCPUs, MemoryGB, MaxNics,
 * AcceleratedNetworking (from capabilities). */
json_t *cliview_skus(const json_t *v);

/* Network resources (one resource or a list), the columns az shows or a
 * person wants at a glance; ResourceGroup comes from the id.
 * Virtual networks: Name, ResourceGroup, Location, AddressPrefixes,
 * Subnets (their names), ProvisioningState. */
json_t *cliview_vnets(const json_t *v);
/* Subnets: Name, AddressPrefix, NetworkSecurityGroup (its name), IpConfigurations
 * (how many NIC IP configurations use it), ProvisioningState. */
json_t *cliview_subnets(const json_t *v);
/* Network security groups: Name, ResourceGroup, Location, SecurityRules,
 * Subnets, NetworkInterfaces (how many of each), ProvisioningState. */
json_t *cliview_nsgs(const json_t *v);
/* Security rules (their own and the default ones): Name, Priority,
 * Direction, Access, Protocol, SourceAddressPrefixes, SourcePortRanges,
 * DestinationAddressPrefixes, DestinationPortRanges (singular or plural
 * member, joined with ", "). */
json_t *cliview_rules(const json_t *v);
/* Network interfaces: Name, ResourceGroup, Location, PrivateIpAddress (of the
 * primary IP configuration), MacAddress, AcceleratedNetworking, VirtualFunction
 * (only when some NIC has properties.virtualFunction, which VMs bring: its
 * pciAddress, else the value as text), ProvisioningState. */
json_t *cliview_nics(const json_t *v);

/* Virtual machines: Name, ResourceGroup, Location, VmSize, PowerState (the
 * instance view's), ProvisioningState. */
json_t *cliview_vms(const json_t *v);
/* One VM as `vm show` has it (each networkInterfaces entry with the NIC's
 * enableAcceleratedNetworking and virtualFunction added): one row per NIC,
 * Name, PowerState, ProvisioningState, Nic, Primary, AcceleratedNetworking,
 * Host, Pf, VfIndex, PciAddress, GuestDriver (the VF's; "" without one). */
json_t *cliview_vm_nics(const json_t *vm);

/* Hosts (operator view): Name, Location, State, Health, VFs and VCPUs (each
 * "used/total" from capacity), LastHeartbeat. */
json_t *cliview_hosts(const json_t *v);

/* The eligibility answer: one row per reason (Code, Target, AllowedValues
 * joined with ", ", Message), or when eligible one row that says so with what
 * was asked (Eligible, Location, VmSize, Image). */
json_t *cliview_eligibility(const json_t *r, const char *location, const char *vm_size,
                            const char *image);

/* `vm list-sizes` output (not only a view): the skus list of one location as
 * ARM's VirtualMachineSize list, {"value": [{"name", "numberOfCores",
 * "memoryInMB", "maxNetworkInterfaces", "acceleratedNetworking"}]}, numbers
 * from the SKU's capabilities. New reference. */
json_t *cliview_vm_sizes(const json_t *skus);

/* The capability `name` of a SKU (borrowed string), or NULL. */
const char *cliview_sku_capability(const json_t *sku, const char *name);

#endif
