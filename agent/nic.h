/* nic — what the agent knows about one NIC: what accelnetd asked for in the
 * attach call (struct nic_spec), the VF that backs it (struct vf_info), and the
 * two together (struct nic_entry, what the inventory lists). Shared by the
 * protocol layer (agent/proto.c, agent/api.c) and every backend. */
#ifndef ACCELNET_AGENT_NIC_H
#define ACCELNET_AGENT_NIC_H

#include <jansson.h>

#include "agent/pf.h"

#define NIC_ID_LEN   37 /* a UUID in lower case + NUL */
#define NIC_MAC_LEN  18 /* "00-0D-3A-00-00-01" + NUL */
#define NIC_ADDR_LEN 46 /* INET6_ADDRSTRLEN */

struct nic_spec {
    char id[NIC_ID_LEN];    /* nicId: the NIC's resourceGuid, lower case */
    char vm_id[NIC_ID_LEN]; /* lower case */
    char mac[NIC_MAC_LEN];  /* upper-case hex pairs joined by '-' (ARM's form) */
    char ip[NIC_ADDR_LEN];
    unsigned prefix_len;
    char gateway[NIC_ADDR_LEN]; /* "" when none was given */
    long long segment_id;       /* the virtual network's VXLAN id */
    long long rate_limit_mbps;  /* 0 = no limit */
    long long policy_generation;
    json_t *policy_rules; /* one reference, owned; an array in canonical form */
};

struct vf_info {
    char pf[PF_NAME_MAX];
    unsigned index;
    char pci[PF_PCI_LEN];
    char representor[PF_NAME_MAX];
    char driver[PF_NAME_MAX];
    char vendor[PF_ID_LEN];
    char device[PF_ID_LEN];
};

struct nic_entry {
    struct nic_spec spec;
    struct vf_info vf;
};

/* Drops the rules reference; safe on a zeroed struct. */
void nic_spec_clear(struct nic_spec *s);
/* A copy that shares (increfs) the rules. */
void nic_spec_copy(struct nic_spec *dst, const struct nic_spec *src);
/* The VF i of pf, described. */
void nic_vf_info(const struct agent_pf *pf, unsigned i, struct vf_info *out);
/* Frees an array of entries (their rules too). */
void nic_entries_free(struct nic_entry *e, size_t n);

#endif
