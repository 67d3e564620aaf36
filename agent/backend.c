#include "agent/backend.h"

#include <string.h>

/* Every backend this build has; the netns and sriov backends join here. */
static const struct backend_ops *const backend_all[] = {&backend_sim};
#define BACKEND_N (sizeof(backend_all) / sizeof(backend_all[0]))

const struct backend_ops *backend_find(const char *name)
{
    for (size_t i = 0; i < BACKEND_N; i++)
        if (strcmp(backend_all[i]->name, name) == 0)
            return backend_all[i];
    return NULL;
}

const char *backend_names(void)
{
    return "sim";
}
