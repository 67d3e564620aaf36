/* feature — preview features (Microsoft.Features) and their registrations. */
#ifndef ACCELNET_DB_FEATURE_H
#define ACCELNET_DB_FEATURE_H

#include "db/db.h"

#define FEATURE_AN_NAMESPACE "Microsoft.Network"
#define FEATURE_AN_NAME      "AllowAcceleratedNetworkingFeature"

/* A subscription's registration state for a feature: "NotRegistered" when it
 * never asked, else "Pending", "Registered", "Rejected", "Unregistering" or
 * "Unregistered". Namespace and feature match case-insensitively. */
enum db_status db_feature_state(struct db_conn *c, const char *sub, const char *ns,
                                const char *feature, char state[16]);

#endif
