#include "service/apiver.h"

#include <pthread.h>
#include <string.h>

#include "common/util.h"

/* Oldest first. Every route accepts every version here (the API does not
 * change between them); ARM scopes versions per resource provider, accelnetd
 * keeps one list so that the official clients work unchanged. Which client
 * sends which (read from the packages pinned in tests/sdk/package-lock.json):
 *
 *   2016-09-01  accelnet's own: the Microsoft.Network API version of the
 *               Accelerated Networking preview (the CLI, the docs, the tests)
 *   2021-07-01  @azure/arm-features 3.1.0 (Microsoft.Features: features,
 *               register, unregister)
 *   2025-04-01  @azure/arm-resources 8.0.0 (Microsoft.Resources: resource
 *               groups, providers)
 *   2026-01-01  @azure/arm-network 39.0.0 (Microsoft.Network: virtual networks,
 *               subnets, network security groups, network interfaces; its
 *               virtual machine scale set operations send 2018-10-01, which
 *               accelnetd does not serve)
 *   2026-04-01  @azure/arm-compute 25.1.1 (Microsoft.Compute: virtual machines)
 *
 * A new client release that sends another version: add it here and to the
 * ApiVersion parameter in openapi.yaml. */
static const char *const apiver_versions[] = {"2016-09-01", "2021-07-01", "2025-04-01",
                                              "2026-01-01", "2026-04-01"};
#define APIVER_N (sizeof(apiver_versions) / sizeof(apiver_versions[0]))

static pthread_once_t apiver_once = PTHREAD_ONCE_INIT;
static struct buf apiver_text;

int apiver_supported(const char *v)
{
    for (size_t i = 0; i < APIVER_N; i++)
        if (strcmp(v, apiver_versions[i]) == 0)
            return 1;
    return 0;
}

static void apiver_build(void)
{
    for (size_t i = 0; i < APIVER_N; i++)
        buf_appendf(&apiver_text, "%s'%s'", i ? ", " : "", apiver_versions[i]);
}

const char *apiver_list(void)
{
    pthread_once(&apiver_once, apiver_build);
    return apiver_text.data;
}
