/* nic — network interfaces and their IP configurations. Names match
 * case-insensitively and come back as stored, with the stored names of the
 * groups, virtual networks and subnets they refer to (for the ids in
 * responses).
 *
 * The MAC address comes from nic_mac_seq (00-0D-3A and 24 bits); two IP
 * configurations never share an address in a subnet (UNIQUE (subnet_id,
 * private_ip): DB_CONFLICT). */
#ifndef ACCELNET_DB_NIC_H
#define ACCELNET_DB_NIC_H

#include <stddef.h>

#include "db/db.h"
#include "db/vnet.h"

struct db_ipconfig {
    char id[37];
    char name[DB_NET_NAME_MAX + 1];
    char etag[37];
    char subnet_id[37];
    char vnet_id[37];
    char vnet_rg[91];
    char vnet_name[DB_NET_NAME_MAX + 1];
    char subnet_name[DB_NET_NAME_MAX + 1];
    char ip[16];    /* "10.0.0.4" */
    char method[8]; /* "Dynamic" | "Static" */
    int primary;
};

/* The virtual function backing an accelerated NIC of a running VM (host ""
 * when none). A host with index -1 is a VF being released: the host's agent
 * did not confirm its detach yet. */
struct db_nic_vf {
    char host[64];
    char pf[16];
    long index; /* -1 when not recorded */
    char pci_address[16];
    char representor[32];
    char driver[65];
    char guest_driver[128]; /* what the guest shows (the image's vf_driver) */
    char state[12];         /* "Active", "Fallback" (host servicing), "" */
    char state_changed_at[40];
};

struct db_nic {
    char id[37];
    char subscription_id[37];
    char rg_name[91];
    char name[DB_NET_NAME_MAX + 1];
    char location[65];
    char etag[37];
    char provisioning_state[16];
    char mac[18]; /* "00-0D-3A-00-00-01" */
    int accelerated_networking;
    int ip_forwarding;
    char nsg_id[37]; /* "" when none */
    char nsg_rg[91];
    char nsg_name[DB_NET_NAME_MAX + 1];
    char vm_id[37]; /* "" when not attached */
    char vm_rg[91]; /* the VM's group and name, for its id */
    char vm_name[81];
    struct db_nic_vf vf;
    char *tags;                  /* owned JSON object text */
    struct db_ipconfig *configs; /* owned, ordered by lower(name) */
    size_t nconfigs;
};
void db_nic_free(struct db_nic *n);
void db_nic_list_free(struct db_nic *items, size_t n);

/* With its IP configurations. */
enum db_status db_nic_get(struct db_conn *c, const char *sub, const char *rg, const char *name,
                          struct db_nic *out);
/* A new NIC with the next MAC address; nsg_id NULL: none. */
enum db_status db_nic_insert(struct db_conn *c, const char *id, const char *sub, const char *rg,
                             const char *name, const char *location, const char *tags,
                             const char *etag, int accelerated_networking, int ip_forwarding,
                             const char *nsg_id);
/* Everything a PUT may change (enableAcceleratedNetworking is never
 * changed here: see api/nic_policy.h). */
enum db_status db_nic_update(struct db_conn *c, const char *id, const char *tags, const char *etag,
                             int ip_forwarding, const char *nsg_id);
/* Its IP configurations go with it. */
enum db_status db_nic_delete(struct db_conn *c, const char *id);
/* Ordered by (rg_key, lower(name)) after (after_rg, after_name) (lower
 * case; NULL: from the start); rg NULL: the whole subscription. With their
 * IP configurations. */
enum db_status db_nic_list(struct db_conn *c, const char *sub, const char *rg, const char *after_rg,
                           const char *after_name, long limit, struct db_nic **items, size_t *n);

enum db_status db_ipconfig_insert(struct db_conn *c, const char *id, const char *nic_id,
                                  const char *name, const char *etag, const char *subnet_id,
                                  const char *ip, const char *method, int primary);
/* Removes every IP configuration of a NIC (a PUT writes the new set). */
enum db_status db_ipconfig_delete_all(struct db_conn *c, const char *nic_id);

#endif
