/* backend_sim — the simulated backend: no datapath at all, only the VF table
 * (agent/vftable.h), persisted in --state-dir after every change. A change
 * whose write fails is undone in memory too, so memory and disk never
 * disagree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/backend.h"
#include "agent/vftable.h"
#include "common/util.h"

struct sim {
    struct vft table;
    char *state_dir;
};

static int sim_init(struct backend *be, const struct backend_params *p, char *err, size_t errlen)
{
    struct sim *s = util_xcalloc(1, sizeof(*s));
    vft_init(&s->table, p->pfs, p->npfs);
    s->state_dir = util_xstrdup(p->state_dir);
    be->priv = s;
    return vft_load(&s->table, s->state_dir, err, errlen);
}

static enum backend_status sim_attach(struct backend *be, const struct nic_spec *spec,
                                      struct vf_info *vf, char *err, size_t errlen)
{
    struct sim *s = be->priv;
    size_t pf;
    unsigned i;
    if (vft_pick(&s->table, &pf, &i) != 0)
        return BACKEND_NO_FREE_VF;
    vft_add(&s->table, spec, pf, i);
    if (vft_save(&s->table, s->state_dir, err, errlen) != 0) {
        vft_remove(&s->table, spec->id, NULL);
        return BACKEND_ERROR;
    }
    nic_vf_info(&s->table.pfs[pf], i, vf);
    return BACKEND_OK;
}

static enum backend_status sim_set_policy(struct backend *be, const char *nic_id,
                                          long long generation, json_t *rules, char *err,
                                          size_t errlen)
{
    struct sim *s = be->priv;
    struct vft_nic *n = vft_find(&s->table, nic_id);
    if (!n)
        return BACKEND_NOT_FOUND;
    long long old_gen = n->spec.policy_generation;
    json_t *old_rules = n->spec.policy_rules;
    n->spec.policy_generation = generation;
    n->spec.policy_rules = json_incref(rules);
    if (vft_save(&s->table, s->state_dir, err, errlen) != 0) {
        json_decref(n->spec.policy_rules);
        n->spec.policy_generation = old_gen;
        n->spec.policy_rules = old_rules;
        return BACKEND_ERROR;
    }
    json_decref(old_rules);
    return BACKEND_OK;
}

/* Every NIC's new policy in memory, then one save of the table for them all
 * (the save — render, write, fsync, rename — is what a policy change costs;
 * a batch of 64 pays it once). A failed save puts every NIC back. */
static void sim_set_policies(struct backend *be, struct backend_policy *items, size_t n, char *err,
                             size_t errlen)
{
    struct sim *s = be->priv;
    struct sim_old {
        struct vft_nic *nic;
        long long generation;
        json_t *rules;
    } *old = util_xcalloc(n ? n : 1, sizeof(*old));
    size_t changed = 0;
    for (size_t i = 0; i < n; i++) {
        struct vft_nic *nic = vft_find(&s->table, items[i].nic_id);
        if (!nic) {
            items[i].status = BACKEND_NOT_FOUND;
            continue;
        }
        old[i] = (struct sim_old){nic, nic->spec.policy_generation, nic->spec.policy_rules};
        nic->spec.policy_generation = items[i].generation;
        nic->spec.policy_rules = json_incref(items[i].rules);
        items[i].status = BACKEND_OK;
        changed++;
    }
    int saved = changed == 0 || vft_save(&s->table, s->state_dir, err, errlen) == 0;
    for (size_t i = 0; i < n; i++) {
        if (!old[i].nic)
            continue;
        if (saved) {
            json_decref(old[i].rules);
            continue;
        }
        json_decref(old[i].nic->spec.policy_rules);
        old[i].nic->spec.policy_generation = old[i].generation;
        old[i].nic->spec.policy_rules = old[i].rules;
        items[i].status = BACKEND_ERROR;
    }
    free(old);
}

static enum backend_status sim_detach(struct backend *be, const char *nic_id, char *err,
                                      size_t errlen)
{
    struct sim *s = be->priv;
    struct vft_nic *n = vft_find(&s->table, nic_id);
    struct vft_nic removed;
    if (!n)
        return BACKEND_NOT_FOUND;
    size_t position = (size_t)(n - s->table.nics);
    vft_remove(&s->table, nic_id, &removed);
    if (vft_save(&s->table, s->state_dir, err, errlen) != 0) {
        vft_restore(&s->table, &removed, position);
        return BACKEND_ERROR;
    }
    nic_spec_clear(&removed.spec);
    return BACKEND_OK;
}

static enum backend_status sim_lookup(struct backend *be, const char *nic_id, struct nic_entry *out)
{
    struct sim *s = be->priv;
    const struct vft_nic *n = vft_find(&s->table, nic_id);
    if (!n)
        return BACKEND_NOT_FOUND;
    vft_entry(&s->table, n, out);
    return BACKEND_OK;
}

static enum backend_status sim_inventory(struct backend *be, struct nic_entry **out, size_t *n,
                                         char *err, size_t errlen)
{
    struct sim *s = be->priv;
    (void)err;
    (void)errlen;
    *n = s->table.nnics;
    *out = util_xcalloc(*n ? *n : 1, sizeof(**out));
    for (size_t i = 0; i < *n; i++)
        vft_entry(&s->table, &s->table.nics[i], &(*out)[i]);
    return BACKEND_OK;
}

static void sim_health(struct backend *be, struct backend_health *out)
{
    struct sim *s = be->priv;
    memset(out, 0, sizeof(*out));
    out->vfs_total = vft_total(&s->table);
    out->vfs_in_use = vft_in_use(&s->table);
    out->ok = 1;
}

static void sim_close(struct backend *be)
{
    struct sim *s = be->priv;
    if (!s)
        return;
    vft_free(&s->table);
    free(s->state_dir);
    free(s);
    be->priv = NULL;
}

const struct backend_ops backend_sim = {
    .name = "sim",
    .init = sim_init,
    .attach = sim_attach,
    .set_policy = sim_set_policy,
    .set_policies = sim_set_policies,
    .detach = sim_detach,
    .lookup = sim_lookup,
    .inventory = sim_inventory,
    .health = sim_health,
    .close = sim_close,
};
