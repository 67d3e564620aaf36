/* eligibility — whether a subscription may enable Accelerated Networking for
 * a VM of a given size, in a given location, from a given OS image.
 *
 * This is the one place the rule lives. The check endpoint
 * (checkAcceleratedNetworkingEligibility) shows its answer; NIC and VM create
 * refuse with it (elig_result_err()), so what the portal is told is exactly
 * what a create enforces. It reads the catalogue tables and the feature
 * registration on every call: an operator's change applies to the next
 * request.
 *
 * The conditions, each checked on its own so that every failing one is
 * reported at once, in this order:
 *
 *   1. feature:  the subscription's registration for
 *                Microsoft.Network/AllowAcceleratedNetworkingFeature is
 *                "Registered" (NotRegistered, Unregistering and Unregistered →
 *                SubscriptionNotRegisteredForFeature; Pending →
 *                FeatureRegistrationPending; Rejected →
 *                FeatureRegistrationRejected);
 *   2. location: a catalogue location with acceleratedNetworking;
 *   3. VM size:  a catalogue VM size with acceleratedNetworking;
 *   4. OS image: a catalogue image (publisher:offer:sku) with
 *                acceleratedNetworking.
 *
 * An unknown location, size or image fails its condition like an ineligible
 * one (the message says which). Every reason lists what would be eligible in
 * allowedValues (empty for the feature). */
#ifndef ACCELNET_API_ELIGIBILITY_H
#define ACCELNET_API_ELIGIBILITY_H

#include <stddef.h>
#include <jansson.h>

#include "common/error.h"
#include "db/catalog.h"
#include "db/db.h"

/* What is asked about, all borrowed. The feature is always checked; a NULL
 * location, vm_size or publisher means "not asked": that condition is left
 * out (a NIC create asks about the location only, a VM create about all of
 * them). The check endpoint always asks about everything. */
struct elig_query {
    const char *location;
    const char *vm_size;
    const char *publisher;
    const char *offer;
    const char *sku;
};

/* The conditions, in the order they are checked and reported. */
enum elig_condition { ELIG_FEATURE, ELIG_LOCATION, ELIG_VM_SIZE, ELIG_OS_IMAGE, ELIG__COUNT };

/* One failing condition. */
struct elig_reason {
    enum elig_condition condition;
    enum err_code code;
    /* What the client should change, as the check endpoint names it:
     * "location", "vmSize", "imageReference"; NULL for the feature. Owned. */
    char *target;
    char *message;  /* owned */
    char **allowed; /* owned; what would be eligible */
    size_t nallowed;
};

struct elig_result {
    int eligible; /* 1 when nreasons == 0 */
    struct elig_reason *reasons;
    size_t nreasons;
};

/* Checks every condition for subscription `sub` (a GUID). On DB_OK, out holds
 * the answer (free it with elig_result_free); on any other status out is
 * empty. */
enum db_status elig_check(struct db_conn *c, const char *sub, const struct elig_query *q,
                          struct elig_result *out);
/* Frees what r owns and zeroes it. Safe on a zeroed struct. */
void elig_result_free(struct elig_result *r);

/* {"eligible": bool, "reasons": [{"code","message","target","allowedValues"}]}
 * — a new reference. */
json_t *elig_result_json(const struct elig_result *r);

/* For create handlers: the refusal as an API error. The first reason is the
 * top-level error; every reason (the first included) is also a detail, so a
 * client sees all of them. targets (may be NULL, and so may each entry)
 * replaces a reason's target by condition, for bodies that name things
 * differently ("properties.hardwareProfile.vmSize"). Does nothing when r is
 * eligible. */
void elig_result_err(const struct elig_result *r, const char *const targets[ELIG__COUNT],
                     struct err *e);

/* Whether a VM size offers Accelerated Networking in a location: both must be
 * eligible. The skus list (AcceleratedNetworkingEnabled) uses this, so it
 * agrees with elig_check on location and size. */
int elig_size_in_location(const struct db_vm_size *size, const struct db_location *loc);

#endif
