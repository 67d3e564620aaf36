#include "agent/nic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void nic_spec_clear(struct nic_spec *s)
{
    json_decref(s->policy_rules);
    s->policy_rules = NULL;
}

void nic_spec_copy(struct nic_spec *dst, const struct nic_spec *src)
{
    *dst = *src;
    json_incref(dst->policy_rules);
}

void nic_vf_info(const struct agent_pf *pf, unsigned i, struct vf_info *out)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->pf, sizeof(out->pf), "%s", pf->name);
    out->index = i;
    pf_vf_pci(pf, i, out->pci);
    pf_vf_representor(pf, i, out->representor);
    snprintf(out->driver, sizeof(out->driver), "%s", pf->vf_driver);
    snprintf(out->vendor, sizeof(out->vendor), "%s", pf->vendor);
    snprintf(out->device, sizeof(out->device), "%s", pf->vf_device);
}

void nic_entries_free(struct nic_entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        nic_spec_clear(&e[i].spec);
    free(e);
}
