/* reconcile (db) — what the reconciler (service/reconcile.c) reads and
 * writes. */
#ifndef ACCELNET_DB_RECONCILE_H
#define ACCELNET_DB_RECONCILE_H

#include "db/db.h"

/* pg_try_advisory_lock on the reconciler's key (session level: unlock on the
 * same connection before giving it back). *got: 1 when this session has it. */
enum db_status db_reconcile_try_lock(struct db_conn *c, int *got);
enum db_status db_reconcile_unlock(struct db_conn *c);

struct db_reconcile_host {
    char name[64];
    char *url, *token; /* owned */
};
/* Hosts whose last heartbeat is younger than timeout_s. */
enum db_status db_reconcile_hosts(struct db_conn *c, unsigned timeout_s,
                                  struct db_reconcile_host **out, size_t *n);
void db_reconcile_hosts_free(struct db_reconcile_host *h, size_t n);

struct db_reconcile_nic {
    char nic_id[37];
    char vm_id[37]; /* "" when none */
    int has_vf;     /* vf_index set (else being released or attached) */
    long vf_index;
    long long wanted, acked;
};
/* The NICs the database places on host (vf_host), by VF index. */
enum db_status db_reconcile_host_nics(struct db_conn *c, const char *host,
                                      struct db_reconcile_nic **out, size_t *n);
/* 1 when host's VF for nic_id may be in the middle of an operation: one on
 * its VM (vm_id as the agent has it, or as the database has it) is in
 * progress, or a release of that NIC's VF on that host is (a host that never
 * answers its vf.release operations holds back no repair elsewhere, not even
 * of the same NIC on the host it moved to). */
enum db_status db_reconcile_busy(struct db_conn *c, const char *vm_id, const char *nic_id,
                                 const char *host, int *busy);
/* The VF an agent gave again (re-attach after it lost its state). */
enum db_status db_reconcile_vf_update(struct db_conn *c, const char *nic_id, const char *host,
                                      const char *pf, long index, const char *pci_address,
                                      const char *representor, const char *driver,
                                      long long generation);

#endif
