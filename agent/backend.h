/* backend — what puts a NIC on a VF: the sim backend here (a VF table kept in
 * --state-dir), the Linux-datapath (netns) and SR-IOV hardware backends
 * later. A backend is a table of function pointers; the protocol layer
 * (agent/api.c) owns everything the API promises — validation, idempotency by
 * NIC id, the policy generation rule — and calls a backend only for a real
 * change:
 *
 *   attach        for a NIC that has no VF yet (never twice for one NIC)
 *   set_policy    for a NIC that has a VF, with a newer generation
 *   set_policies  the same for several NICs at once (POST /v1/policies)
 *   detach        for a NIC that has a VF
 *
 * Calls come one at a time (the protocol layer holds its lock around each,
 * lookups included), so a backend needs no locking of its own. A backend
 * keeps what it has handed out across restarts: after init, lookup and
 * inventory answer with what was attached before. On any failure a call
 * leaves nothing changed. */
#ifndef ACCELNET_AGENT_BACKEND_H
#define ACCELNET_AGENT_BACKEND_H

#include <stddef.h>

#include "agent/nic.h"
#include "agent/pf.h"

enum backend_status {
    BACKEND_OK,
    BACKEND_NOT_FOUND,  /* lookup/set_policy/detach: the NIC has no VF */
    BACKEND_NO_FREE_VF, /* attach: every VF is in use */
    BACKEND_ERROR,      /* anything else; err says what */
};

/* What every backend is given. Borrowed for the life of the backend. */
struct backend_params {
    const char *host_name;
    const struct agent_pf *pfs;
    size_t npfs;
    const char *state_dir;
};

struct backend_health {
    unsigned vfs_total;
    unsigned vfs_in_use;
    int ok; /* 0: the datapath is not working; detail says why */
    char detail[200];
};

struct backend;

/* One NIC of a set_policies call. */
struct backend_policy {
    const char *nic_id;         /* in: a NIC with a VF, each NIC once per call */
    long long generation;       /* in: newer than the installed one */
    json_t *rules;              /* in: borrowed (the backend takes its own reference) */
    enum backend_status status; /* out: BACKEND_OK, BACKEND_NOT_FOUND or BACKEND_ERROR */
};

struct backend_ops {
    const char *name;
    /* Sets be->priv. 0, or -1 with a sentence in err. */
    int (*init)(struct backend *be, const struct backend_params *p, char *err, size_t errlen);
    /* Chooses a free VF for spec and sets it up (MAC, addresses, segment,
     * rate, policy). *vf describes it. */
    enum backend_status (*attach)(struct backend *be, const struct nic_spec *spec,
                                  struct vf_info *vf, char *err, size_t errlen);
    /* Replaces the NIC's policy (rules borrowed; the backend takes its own
     * reference if it keeps them). */
    enum backend_status (*set_policy)(struct backend *be, const char *nic_id, long long generation,
                                      json_t *rules, char *err, size_t errlen);
    /* set_policy for n NICs as one change: whatever the backend persists is
     * written (durably) once for them all, not once per NIC. Each item's
     * status says how it went; an item that is not BACKEND_OK is left as it
     * was, and err says why (one sentence for the failed items). NULL: the
     * protocol layer calls set_policy for each NIC instead. */
    void (*set_policies)(struct backend *be, struct backend_policy *items, size_t n, char *err,
                         size_t errlen);
    /* Tears the NIC's VF down and frees it. */
    enum backend_status (*detach)(struct backend *be, const char *nic_id, char *err, size_t errlen);
    /* The NIC's entry (caller clears out->spec), or BACKEND_NOT_FOUND. */
    enum backend_status (*lookup)(struct backend *be, const char *nic_id, struct nic_entry *out);
    /* Every NIC with a VF, in the order they were attached (caller frees with
     * nic_entries_free). */
    enum backend_status (*inventory)(struct backend *be, struct nic_entry **out, size_t *n,
                                     char *err, size_t errlen);
    void (*health)(struct backend *be, struct backend_health *out);
    /* Releases what init took; the state stays on disk. Safe after a failed
     * init. */
    void (*close)(struct backend *be);
};

struct backend {
    const struct backend_ops *ops;
    void *priv;
};

/* The backend called `name`, or NULL. */
const struct backend_ops *backend_find(const char *name);
/* "sim" — the names backend_find knows, for messages. */
const char *backend_names(void);

extern const struct backend_ops backend_sim;

#endif
