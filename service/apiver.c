#include "service/apiver.h"

#include <pthread.h>
#include <string.h>

#include "common/util.h"

/* Oldest first. 2016-09-01 is the Microsoft.Network API version of the
 * Accelerated Networking preview. */
static const char *const apiver_versions[] = {"2016-09-01"};
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
