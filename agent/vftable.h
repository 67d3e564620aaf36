/* vftable — which VF of which PF each NIC has, with what accelnetd asked for
 * (VM, MAC, addresses, segment, rate limit, policy and its generation), in
 * memory and as a JSON document in the state directory (vftable.json).
 *
 * The document:
 *   {"format": 1,
 *    "physicalFunctions": [{"name", "pciAddress", "vendorId", "deviceId", "numVfs"}],
 *    "nics": [{"nicId", "pf", "vfIndex", "attach": <the canonical attach body>}]}
 * The PFs are recorded so that a restart with different --pf flags cannot
 * silently lose or move a VF in use: loading refuses a table whose NICs sit
 * on a PF that is gone, has fewer VFs, or another address or device id.
 *
 * Not thread-safe: the caller serializes (the protocol layer's lock). */
#ifndef ACCELNET_AGENT_VFTABLE_H
#define ACCELNET_AGENT_VFTABLE_H

#include <stddef.h>
#include <jansson.h>

#include "agent/nic.h"
#include "agent/pf.h"

#define VFT_FILE "vftable.json"

struct vft_nic {
    struct nic_spec spec; /* owns its rules reference */
    size_t pf;            /* index into the table's PFs */
    unsigned vf;
};

struct vft {
    struct agent_pf pfs[PF_MAX_COUNT];
    size_t npfs;
    unsigned char *used[PF_MAX_COUNT]; /* used[p][i]: VF i of PF p is taken */
    struct vft_nic *nics;              /* in the order they were attached */
    size_t nnics, cap;
};

/* An empty table over pfs (copied). */
void vft_init(struct vft *t, const struct agent_pf *pfs, size_t npfs);
/* Frees everything; safe on a zeroed struct. */
void vft_free(struct vft *t);

struct vft_nic *vft_find(const struct vft *t, const char *nic_id);
unsigned vft_total(const struct vft *t);
unsigned vft_in_use(const struct vft *t);
/* The free VF to hand out next: on the PF with the most free VFs (the first
 * such PF on a tie), the lowest free index. 0, or -1 when none is free. */
int vft_pick(const struct vft *t, size_t *pf, unsigned *vf);
/* Records spec (copied; the rules reference shared) on VF vf of PF pf, which
 * must be free and spec->id not yet in the table. */
void vft_add(struct vft *t, const struct nic_spec *spec, size_t pf, unsigned vf);
/* Removes nic_id; its record goes to *out (which then owns the rules) or is
 * freed when out is NULL. 0, or -1 when it is not in the table. */
int vft_remove(struct vft *t, const char *nic_id, struct vft_nic *out);
/* Puts a removed record back where it was (undo of vft_remove). */
void vft_restore(struct vft *t, struct vft_nic *n, size_t position);
/* n as an inventory entry (spec copied, rules shared). */
void vft_entry(const struct vft *t, const struct vft_nic *n, struct nic_entry *out);

/* The document (a new reference). */
json_t *vft_to_json(const struct vft *t);
/* Fills t (initialised over the configured PFs, empty) from doc. 0, or -1
 * with a sentence in err (t is then empty again). */
int vft_from_json(struct vft *t, const json_t *doc, char *err, size_t errlen);

/* Writes the document to dir/vftable.json atomically (mode 0600). */
int vft_save(const struct vft *t, const char *dir, char *err, size_t errlen);
/* Loads dir/vftable.json into t (initialised, empty); a missing file leaves t
 * empty. 0, or -1 with a sentence in err. */
int vft_load(struct vft *t, const char *dir, char *err, size_t errlen);

#endif
