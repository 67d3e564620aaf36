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
