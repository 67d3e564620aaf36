/* vm — virtual machines, the network interfaces attached to them, and the
 * virtual functions recorded on those NICs.
 *
 * Names match case-insensitively and come back as stored. Nothing here checks
 * a rule: api/virtual_machine.c checks under advisory locks, the workers
 * (service/vmwork.c) write under their operation's lease, and the
 * constraints of db/migrations/007_compute.sql are the last word. */
#ifndef ACCELNET_DB_VM_H
#define ACCELNET_DB_VM_H

#include <stddef.h>

#include <jansson.h>

#include "db/db.h"

struct db_vm {
    char id[37]; /* the vmId */
    char subscription_id[37];
    char rg_name[91];
    char name[81];
    char location[65];
    char etag[37];
    char *tags; /* owned JSON object text */
    char vm_size[65];
    char image_publisher[65];
    char image_offer[65];
    char image_sku[65];
    char image_version[65];
    char computer_name[65];
    char admin_username[65];
    json_t *network_profile; /* owned: [{"id", "nicId", "primary"}] */
    char provisioning_state[12];
    char power_state[16];
    char host_name[64]; /* "" when not placed */
    long claim_vcpus;
    long long claim_memory_mb;
    long claim_vfs;
    char created_at[40];
    /* Failed: the code and message of its latest failed operation ("" and
     * NULL otherwise; owned). */
    char error_code[80];
    char *error_message;
};
void db_vm_free(struct db_vm *v);
void db_vm_list_free(struct db_vm *items, size_t n);

enum db_status db_vm_get(struct db_conn *c, const char *sub, const char *rg, const char *name,
                         struct db_vm *out);
enum db_status db_vm_get_by_id(struct db_conn *c, const char *id, struct db_vm *out);
/* Ordered by (rg_key, lower(name)) after (after_rg, after_name) (lower case;
 * NULL: from the start); rg NULL: the whole subscription. */
enum db_status db_vm_list(struct db_conn *c, const char *sub, const char *rg, const char *after_rg,
                          const char *after_name, long limit, struct db_vm **items, size_t *n);

/* in: every member but rg_name/created_at/host/claims; rg any case. */
enum db_status db_vm_insert(struct db_conn *c, const struct db_vm *in, const char *rg);
/* What a PUT/PATCH changes in place: tags, size, NICs (and the states, for a
 * create retried with PUT on a Failed VM). New etag. */
enum db_status db_vm_update(struct db_conn *c, const struct db_vm *in);
/* Provisioning and power state (NULL: unchanged); new etag. */
enum db_status db_vm_set_state(struct db_conn *c, const char *id, const char *provisioning,
                               const char *power);
/* Records the host and the capacity claimed on it (host NULL: none). */
enum db_status db_vm_set_placement(struct db_conn *c, const char *id, const char *host, long vcpus,
                                   long long memory_mb, long vfs);
enum db_status db_vm_delete(struct db_conn *c, const char *id);

/* The VM's power state, its row locked FOR SHARE until the transaction ends
 * (so that no start or deallocate changes it meanwhile). */
enum db_status db_vm_power_for_share(struct db_conn *c, const char *id, char power[16]);

/* --- the NICs of a VM ---------------------------------------------------------- */

/* Sets (vm_id) or clears (vm_id NULL) the attachment of a NIC. */
enum db_status db_vm_nic_attach(struct db_conn *c, const char *nic_id, const char *vm_id);
/* Clears vm_id on every NIC attached to vm_id. */
enum db_status db_vm_nic_detach_all(struct db_conn *c, const char *vm_id);

/* What the worker needs to attach a VF for a NIC. */
struct db_vm_nic {
    char id[37];
    char name[81];
    char vm_id[37]; /* "" when not attached */
    int accelerated;
    char mac[18];
    char ip[16];       /* the primary IP configuration's address ("" when none) */
    int prefix_length; /* of its subnet */
    char gateway[16];  /* the subnet's first address */
    long segment_id;   /* the virtual network's */
    char nic_nsg_id[37];
    char subnet_nsg_id[37];
    char vf_host[64]; /* "" when no VF is recorded (or being released) */
    long vf_index;    /* -1 when none */
};
/* The NICs among ids (n of them) that exist, in the order of ids. */
enum db_status db_vm_nics(struct db_conn *c, const char *const *ids, size_t n,
                          struct db_vm_nic **items, size_t *count);

/* The VF the agent gave (generation: the policy it was given). */
enum db_status db_nic_vf_record(struct db_conn *c, const char *nic_id, const char *host,
                                const char *pf, long index, const char *pci_address,
                                const char *representor, const char *driver,
                                const char *guest_driver, long long generation);
/* No VF any more (host: only if it is recorded on that host; NULL: any). */
enum db_status db_nic_vf_clear(struct db_conn *c, const char *nic_id, const char *host);
/* A VF that may exist on host is being released (vf_host alone). */
enum db_status db_nic_vf_pending(struct db_conn *c, const char *nic_id, const char *host);

/* The next policy generation (nic_policy_generation_seq). */
enum db_status db_nic_policy_generation(struct db_conn *c, long long *out);

/* The ids of the VMs of a resource group (any case). *ids: caller frees. */
enum db_status db_vm_ids_in_rg(struct db_conn *c, const char *sub, const char *rg, char (**ids)[37],
                               size_t *n);

#endif
