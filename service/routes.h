/* routes — the route table of accelnetd. */
#ifndef ACCELNET_SERVICE_ROUTES_H
#define ACCELNET_SERVICE_ROUTES_H

#include <stddef.h>

#include "common/route.h"

extern const struct route routes[];
extern const size_t routes_count;

#endif
