#include "service/routes.h"

#include "api/api.h"

/* Every endpoint accelnetd serves. Order matters only where two patterns
 * could match the same path: the first wins. */
// clang-format off
const struct route routes[] = {
    /* method   pattern                      handler           who may call  flags */
    {"GET",    "/healthz",                   api_health_live,  AUTH_PUBLIC,  ROUTE_NO_API_VERSION},
    {"GET",    "/readyz",                    api_health_ready, AUTH_PUBLIC,  ROUTE_NO_API_VERSION},
    {"GET",    "/metrics",                   api_metrics_get,  AUTH_ADMIN,   ROUTE_NO_API_VERSION},

    {"POST",   "/admin/tokens",              api_token_create, AUTH_ADMIN,   0},
    {"GET",    "/admin/tokens",              api_token_list,   AUTH_ADMIN,   0},
    {"GET",    "/admin/tokens/{tokenId}",    api_token_get,    AUTH_ADMIN,   0},
    {"DELETE", "/admin/tokens/{tokenId}",    api_token_delete, AUTH_ADMIN,   0},
};
// clang-format on
const size_t routes_count = sizeof(routes) / sizeof(routes[0]);
