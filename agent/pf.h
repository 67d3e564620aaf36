/* pf — the host's SR-IOV physical functions as the agent is told about them
 * (--pf NAME,PCI_ADDRESS,VENDOR:DEVICE,NUM_VFS) and what follows from them:
 * the VF device id and drivers of a known adapter, each VF's PCI address and
 * its representor's interface name.
 *
 * VF addresses follow the SR-IOV capability as ConnectX-3 firmware sets it up
 * (First VF Offset 1, VF Stride 1): VF i sits at the PF's routing id + 1 + i,
 * so pf0 at 0000:03:00.0 has VF 3 at 0000:03:00.4 and VF 7 at 0000:03:01.0. */
#ifndef ACCELNET_AGENT_PF_H
#define ACCELNET_AGENT_PF_H

#include <stddef.h>

/* Interface names are at most 15 characters (IFNAMSIZ - 1). */
#define PF_NAME_MAX  16
#define PF_PCI_LEN   13  /* "0000:03:00.0" + NUL */
#define PF_ID_LEN    5   /* "15b3" + NUL */
#define PF_MAX_VFS   256 /* what accelnetd accepts per PF */
#define PF_MAX_COUNT 16

struct agent_pf {
    char name[PF_NAME_MAX];       /* "pf0"; [a-z0-9_] */
    char pci[PF_PCI_LEN];         /* lower-case hex */
    unsigned pci_domain, pci_rid; /* routing id: bus << 8 | device << 3 | function */
    char vendor[PF_ID_LEN];       /* "15b3" */
    char device[PF_ID_LEN];       /* "1003" */
    char vf_device[PF_ID_LEN];    /* "1004" */
    char driver[PF_NAME_MAX];     /* the PF's kernel driver, "mlx4_core" */
    char vf_driver[PF_NAME_MAX];  /* the VFs' kernel driver */
    unsigned num_vfs;
};

/* The default PF: one ConnectX-3 (15b3:1003) with 16 VFs. */
#define PF_DEFAULT_SPEC "pf0,0000:03:00.0,15b3:1003,16"

/* Parses one --pf value. 0, or -1 with a sentence in err saying what is wrong
 * (without naming the setting: the caller adds that). */
int pf_parse(const char *spec, struct agent_pf *out, char *err, size_t errlen);
/* Checks a whole set: 1..PF_MAX_COUNT PFs, unique names, no PCI address used twice
 * (PFs and VFs alike). 0, or -1 with a sentence in err. */
int pf_check_set(const struct agent_pf *pfs, size_t n, char *err, size_t errlen);

/* VF i's PCI address ("0000:03:00.4"); i < pf->num_vfs. */
void pf_vf_pci(const struct agent_pf *pf, unsigned i, char out[PF_PCI_LEN]);
/* VF i's representor interface name ("pf0vf3"). */
void pf_vf_representor(const struct agent_pf *pf, unsigned i, char out[PF_NAME_MAX]);
/* "15b3:1003 (Mellanox ConnectX-3), ..." — the adapters pf_parse knows. Static. */
const char *pf_known_devices(void);

#endif
