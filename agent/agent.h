/* agent — the process-wide context every part of accelnet-agent shares: the
 * settings, the backend and the one lock around it, and the callback token
 * (as a hash) that accelnetd must present. Read-only after start-up except
 * where a comment says otherwise. */
#ifndef ACCELNET_AGENT_AGENT_H
#define ACCELNET_AGENT_AGENT_H

#include <pthread.h>

#include "agent/backend.h"
#include "agent/config.h"

struct agent {
    const struct agent_config *cfg;
    /* Every backend call — lookups included — happens under this lock, so a
     * NIC id's lookup and the change that follows are one step. */
    pthread_mutex_t lock;
    struct backend be;
    unsigned char token_hash[32]; /* BLAKE2b-256 of the callback token */
    int stopping;                 /* set on SIGTERM/SIGINT (atomic) */
    /* Host servicing (POST /v1/service): every VF handed out is revoked from
     * its guest (the NICs keep them reserved, with their policies, for the
     * completion); kept in the state directory (file "servicing"). Under
     * the lock. */
    int servicing;
};

/* Reads the servicing flag from the state directory (0 when absent). */
int agent_servicing_load(const char *state_dir);

/* The backend's health, taken under the lock. */
void agent_health(struct agent *a, struct backend_health *out);

#endif
