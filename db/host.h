/* host — the hosts VMs are placed on, their physical functions, and the
 * capacity claims of the scheduler.
 *
 * Health is not stored: a host is healthy while its last heartbeat is younger
 * than the heartbeat timeout, which every query that needs it is given (in
 * seconds), so that all accelnetd processes judge by the database's clock. */
#ifndef ACCELNET_DB_HOST_H
#define ACCELNET_DB_HOST_H

#include <stddef.h>

#include <jansson.h>

#include "db/db.h"

#define DB_HOST_NAME_MAX 63

struct db_host_pf {
    char name[16];
    char pci_address[13]; /* "0000:03:00.0" */
    char vendor_id[5];    /* "15b3" */
    char device_id[5];
    char vf_device_id[5];
    int num_vfs;
    char driver[65];
};

struct db_host {
    char name[DB_HOST_NAME_MAX + 1];
    char location[65];
    char *agent_url;         /* owned */
    char owner_token_id[37]; /* "" when no agent token owns it */
    int owner_live;          /* the owner token is not revoked (0 when there is none) */
    int fault_domain;
    char backend[33];
    char agent_version[65];
    char state[9]; /* "Enabled" | "Draining" | "Disabled" */
    int healthy;
    char last_heartbeat_at[40]; /* RFC 3339, "" when never */
    long vcpus_total, vcpus_used;
    long long memory_mb_total, memory_mb_used;
    long vfs_total, vfs_used;
    long agent_vfs_in_use; /* -1 before the first heartbeat */
    char registered_at[40];
    char updated_at[40];
    struct db_host_pf *pfs; /* owned */
    size_t npfs;
};
void db_host_free(struct db_host *h);
void db_host_list_free(struct db_host *items, size_t n);

/* What a registration writes (strings borrowed). */
struct db_host_reg {
    const char *name, *location, *agent_url, *callback_token, *owner_token_id;
    int fault_domain;
    const char *backend, *agent_version;
    long vcpus;
    long long memory_mb;
    long vfs_total;
    const struct db_host_pf *pfs;
    size_t npfs;
};

/* One host with its physical functions. */
enum db_status db_host_get(struct db_conn *c, const char *name, unsigned timeout_s,
                           struct db_host *out);
/* The same, locking the row until the transaction ends (run in db_tx). */
enum db_status db_host_get_for_update(struct db_conn *c, const char *name, unsigned timeout_s,
                                      struct db_host *out);
/* Ordered by name, after `after` (NULL = from the start), at most limit. */
enum db_status db_host_list(struct db_conn *c, const char *after, long limit, unsigned timeout_s,
                            struct db_host **items, size_t *n);

/* A new host (state Enabled, heartbeat now) with its PFs. DB_RETRY when
 * another transaction inserted the same name first (db_tx runs again and
 * then finds it). */
enum db_status db_host_insert(struct db_conn *c, const struct db_host_reg *in);
/* Replaces what a registration says about an existing host (not its state
 * nor what is used) and marks it alive; replaces its PFs when replace_pfs.
 * DB_CONFLICT when a capacity would fall below what is claimed. */
enum db_status db_host_update(struct db_conn *c, const struct db_host_reg *in, int replace_pfs);

/* Records a heartbeat. owner: the agent token that must own the host, or NULL
 * (admin). DB_NOT_FOUND when no such host, or it has another owner (look it up
 * to tell which). */
enum db_status db_host_heartbeat(struct db_conn *c, const char *name, const char *owner,
                                 long vfs_in_use);
/* Sets the operator state; out is the host afterwards. */
enum db_status db_host_set_state(struct db_conn *c, const char *name, const char *state,
                                 unsigned timeout_s, struct db_host *out);

/* --- the scheduler's queries ---------------------------------------------- */

/* Every host of a location (canonical name) with its capacity, state and
 * health; PFs are not read. */
enum db_status db_host_in_location(struct db_conn *c, const char *location, unsigned timeout_s,
                                   struct db_host **items, size_t *n);
/* Claims capacity on one host in one conditional UPDATE: only when it is
 * Enabled, healthy, and has room for all three amounts. DB_OK when claimed,
 * DB_NOT_FOUND when it did not fit (any more). */
enum db_status db_host_claim(struct db_conn *c, const char *name, long vcpus, long long memory_mb,
                             long vfs, unsigned timeout_s);
/* Gives claimed capacity back. DB_NOT_FOUND when there is no such host,
 * DB_CONFLICT when a counter would fall below zero (nothing is changed). */
enum db_status db_host_release(struct db_conn *c, const char *name, long vcpus, long long memory_mb,
                               long vfs);

/* *same: whether the host's stored callback token is `token` (0 when there is
 * no such host). */
enum db_status db_host_callback_token_is(struct db_conn *c, const char *name, const char *token,
                                         int *same);

/* Where and how to call a host's agent: its URL and callback token (caller
 * frees both). */
enum db_status db_host_agent_target(struct db_conn *c, const char *name, char **agent_url,
                                    char **callback_token);

/* --- declaring a host dead (DELETE /admin/hosts/{hostName}) ---------------- */

/* A VM placed on a host, enough to name it. */
struct db_host_vm {
    char subscription_id[37];
    char rg_name[91];
    char name[81];
};
/* The VMs placed on a host (virtual_machines.host_name), by name: at most
 * max of them into *out (caller frees), how many there are in all in
 * *total. */
enum db_status db_host_vms(struct db_conn *c, const char *name, long max, struct db_host_vm **out,
                           size_t *n, long *total);
/* How many VFs the database still places on a host: NICs that record a VF
 * there or wait for one to be released there (vf_host), and NICs of
 * vf.release operations in progress for it, each NIC once. */
enum db_status db_host_vfs_pending(struct db_conn *c, const char *name, long *n);
/* Ends every vf.release operation in progress for the host: Succeeded, step
 * "hostDeclaredDead" (the VF went with the host). Appends their ids to the
 * array op_ids and sets their NICs' ids (lower case) as keys of the object
 * nic_ids. */
enum db_status db_host_vf_releases_end(struct db_conn *c, const char *name, json_t *op_ids,
                                       json_t *nic_ids);
/* Clears the VF of every NIC that records one on the host or waits for one
 * to be released there; their ids become keys of the object nic_ids. */
enum db_status db_host_nics_vf_clear(struct db_conn *c, const char *name, json_t *nic_ids);
/* Deletes the host (its physical functions go with it). DB_NOT_FOUND when
 * there is none, DB_CONFLICT while a VM or NIC still refers to it. */
enum db_status db_host_delete(struct db_conn *c, const char *name);

#endif
