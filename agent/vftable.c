#include "agent/vftable.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/proto.h"
#include "agent/state.h"
#include "common/util.h"

#define VFT_FORMAT 1

void vft_init(struct vft *t, const struct agent_pf *pfs, size_t npfs)
{
    memset(t, 0, sizeof(*t));
    t->npfs = npfs < PF_MAX_COUNT ? npfs : PF_MAX_COUNT;
    for (size_t p = 0; p < t->npfs; p++) {
        t->pfs[p] = pfs[p];
        t->used[p] = util_xcalloc(pfs[p].num_vfs, 1);
    }
}

static void vft_clear_nics(struct vft *t)
{
    for (size_t i = 0; i < t->nnics; i++) {
        struct vft_nic *n = &t->nics[i];
        t->used[n->pf][n->vf] = 0;
        nic_spec_clear(&n->spec);
    }
    t->nnics = 0;
}

void vft_free(struct vft *t)
{
    vft_clear_nics(t);
    for (size_t p = 0; p < t->npfs; p++)
        free(t->used[p]);
    free(t->nics);
    memset(t, 0, sizeof(*t));
}

struct vft_nic *vft_find(const struct vft *t, const char *nic_id)
{
    for (size_t i = 0; i < t->nnics; i++)
        if (strcmp(t->nics[i].spec.id, nic_id) == 0)
            return &t->nics[i];
    return NULL;
}

unsigned vft_total(const struct vft *t)
{
    unsigned n = 0;
    for (size_t p = 0; p < t->npfs; p++)
        n += t->pfs[p].num_vfs;
    return n;
}

unsigned vft_in_use(const struct vft *t)
{
    return (unsigned)t->nnics;
}

static unsigned vft_free_on(const struct vft *t, size_t p)
{
    unsigned n = 0;
    for (unsigned i = 0; i < t->pfs[p].num_vfs; i++)
        n += !t->used[p][i];
    return n;
}

int vft_pick(const struct vft *t, size_t *pf, unsigned *vf)
{
    size_t best = 0;
    unsigned best_free = 0;
    for (size_t p = 0; p < t->npfs; p++) {
        unsigned f = vft_free_on(t, p);
        if (f > best_free) {
            best = p;
            best_free = f;
        }
    }
    if (best_free == 0)
        return -1;
    for (unsigned i = 0; i < t->pfs[best].num_vfs; i++) {
        if (!t->used[best][i]) {
            *pf = best;
            *vf = i;
            return 0;
        }
    }
    return -1;
}

static void vft_insert(struct vft *t, const struct vft_nic *n, size_t position)
{
    if (t->nnics == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->nics = util_xrealloc(t->nics, t->cap * sizeof(*t->nics));
    }
    if (position > t->nnics)
        position = t->nnics;
    memmove(&t->nics[position + 1], &t->nics[position], (t->nnics - position) * sizeof(*t->nics));
    t->nics[position] = *n;
    t->nnics++;
    t->used[n->pf][n->vf] = 1;
}

void vft_add(struct vft *t, const struct nic_spec *spec, size_t pf, unsigned vf)
{
    struct vft_nic n = {.pf = pf, .vf = vf};
    nic_spec_copy(&n.spec, spec);
    vft_insert(t, &n, t->nnics);
}

int vft_remove(struct vft *t, const char *nic_id, struct vft_nic *out)
{
    struct vft_nic *n = vft_find(t, nic_id);
    if (!n)
        return -1;
    size_t i = (size_t)(n - t->nics);
    t->used[n->pf][n->vf] = 0;
    if (out)
        *out = *n;
    else
        nic_spec_clear(&n->spec);
    memmove(&t->nics[i], &t->nics[i + 1], (t->nnics - i - 1) * sizeof(*t->nics));
    t->nnics--;
    return 0;
}

void vft_restore(struct vft *t, struct vft_nic *n, size_t position)
{
    vft_insert(t, n, position);
}

void vft_entry(const struct vft *t, const struct vft_nic *n, struct nic_entry *out)
{
    nic_spec_copy(&out->spec, &n->spec);
    nic_vf_info(&t->pfs[n->pf], n->vf, &out->vf);
}

/* --- the document ---------------------------------------------------------------- */

json_t *vft_to_json(const struct vft *t)
{
    json_t *pfs = json_array(), *nics = json_array();
    for (size_t p = 0; p < t->npfs; p++) {
        const struct agent_pf *pf = &t->pfs[p];
        json_array_append_new(pfs, json_pack("{s:s, s:s, s:s, s:s, s:i}", "name", pf->name,
                                             "pciAddress", pf->pci, "vendorId", pf->vendor,
                                             "deviceId", pf->device, "numVfs", (int)pf->num_vfs));
    }
    for (size_t i = 0; i < t->nnics; i++) {
        const struct vft_nic *n = &t->nics[i];
        json_array_append_new(nics, json_pack("{s:s, s:s, s:i, s:o}", "nicId", n->spec.id, "pf",
                                              t->pfs[n->pf].name, "vfIndex", (int)n->vf, "attach",
                                              proto_attach_json(&n->spec)));
    }
    return json_pack("{s:i, s:o, s:o}", "format", VFT_FORMAT, "physicalFunctions", pfs, "nics",
                     nics);
}

static int vft_pf_index(const struct vft *t, const char *name, size_t *out)
{
    for (size_t p = 0; p < t->npfs; p++) {
        if (strcmp(t->pfs[p].name, name) == 0) {
            *out = p;
            return 0;
        }
    }
    return -1;
}

/* The recorded PF named `name` (from the document), or NULL. */
static const json_t *vft_recorded_pf(const json_t *doc, const char *name)
{
    const json_t *pfs = json_object_get(doc, "physicalFunctions");
    for (size_t i = 0; i < json_array_size(pfs); i++) {
        const json_t *pf = json_array_get(pfs, i);
        const char *n = json_string_value(json_object_get(pf, "name"));
        if (n && strcmp(n, name) == 0)
            return pf;
    }
    return NULL;
}

/* A PF with VFs in use must be the PF it was: same address and device. */
static int vft_pf_unchanged(const struct agent_pf *pf, const json_t *rec, char *err, size_t errlen)
{
    const char *pci = json_string_value(json_object_get(rec, "pciAddress"));
    const char *vendor = json_string_value(json_object_get(rec, "vendorId"));
    const char *device = json_string_value(json_object_get(rec, "deviceId"));
    if (!pci || !vendor || !device || strcmp(pci, pf->pci) != 0 ||
        strcmp(vendor, pf->vendor) != 0 || strcmp(device, pf->device) != 0) {
        snprintf(err, errlen,
                 "%s has VFs in use, and it was %s %s:%s when they were attached, but is now "
                 "configured as %s %s:%s; restore its --pf or detach its NICs first",
                 pf->name, pci ? pci : "?", vendor ? vendor : "?", device ? device : "?", pf->pci,
                 pf->vendor, pf->device);
        return -1;
    }
    return 0;
}

int vft_from_json(struct vft *t, const json_t *doc, char *err, size_t errlen)
{
    const json_t *nics = json_object_get(doc, "nics");
    if (!json_is_object(doc) || json_integer_value(json_object_get(doc, "format")) != VFT_FORMAT ||
        !json_is_array(nics) || !json_is_array(json_object_get(doc, "physicalFunctions"))) {
        snprintf(err, errlen, "not a VF table of format %d", VFT_FORMAT);
        return -1;
    }
    for (size_t i = 0; i < json_array_size(nics); i++) {
        const json_t *j = json_array_get(nics, i);
        const char *id = json_string_value(json_object_get(j, "nicId"));
        const char *pfname = json_string_value(json_object_get(j, "pf"));
        const json_t *vfj = json_object_get(j, "vfIndex");
        struct nic_spec spec;
        struct err e = {0};
        size_t p;
        if (!id || !proto_uuid_ok(id) || !pfname || !json_is_integer(vfj)) {
            snprintf(err, errlen, "nics[%zu]: no nicId (a UUID), pf and vfIndex", i);
            goto fail;
        }
        if (vft_find(t, id)) {
            snprintf(err, errlen, "nics[%zu]: NIC %s appears twice", i, id);
            goto fail;
        }
        if (vft_pf_index(t, pfname, &p) != 0) {
            snprintf(err, errlen,
                     "NIC %s has VF %lld of %s, which is not configured (--pf); restore it or "
                     "detach the NIC first",
                     id, (long long)json_integer_value(vfj), pfname);
            goto fail;
        }
        json_int_t vf = json_integer_value(vfj);
        if (vf < 0 || vf >= (json_int_t)t->pfs[p].num_vfs) {
            snprintf(err, errlen,
                     "NIC %s has VF %lld of %s, but %s is configured with %u VFs; restore its "
                     "--pf or detach the NIC first",
                     id, (long long)vf, pfname, pfname, t->pfs[p].num_vfs);
            goto fail;
        }
        const json_t *rec = vft_recorded_pf(doc, pfname);
        if (vft_pf_unchanged(&t->pfs[p], rec, err, errlen) != 0)
            goto fail;
        if (t->used[p][vf]) {
            snprintf(err, errlen, "VF %lld of %s is recorded for two NICs", (long long)vf, pfname);
            goto fail;
        }
        if (proto_parse_attach(json_object_get(j, "attach"), &spec, &e) != 0) {
            snprintf(err, errlen, "NIC %s: %s%s%s", id, e.message ? e.message : "invalid",
                     e.ndetails ? " " : "", e.ndetails ? e.details[0].message : "");
            err_clear(&e);
            goto fail;
        }
        snprintf(spec.id, sizeof(spec.id), "%s", id);
        util_str_lower(spec.id);
        vft_add(t, &spec, p, (unsigned)vf);
        nic_spec_clear(&spec);
    }
    return 0;
fail:
    vft_clear_nics(t);
    return -1;
}

int vft_save(const struct vft *t, const char *dir, char *err, size_t errlen)
{
    json_t *doc = vft_to_json(t);
    /* Compact: it is written on every change (a policy push to one NIC too). */
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!text) {
        snprintf(err, errlen, "cannot render the VF table (out of memory)");
        return -1;
    }
    size_t len = strlen(text);
    char *with_nl = util_xrealloc(text, len + 2);
    with_nl[len] = '\n';
    with_nl[len + 1] = '\0';
    int rc = state_write_atomic(dir, VFT_FILE, with_nl, len + 1, 0600, err, errlen);
    free(with_nl);
    return rc;
}

int vft_load(struct vft *t, const char *dir, char *err, size_t errlen)
{
    char *data = NULL;
    size_t len = 0;
    json_error_t je;
    char why[400];
    int rc = state_read(dir, VFT_FILE, &data, &len, err, errlen);
    if (rc <= 0)
        return rc;
    json_t *doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    free(data);
    if (!doc) {
        snprintf(err, errlen, "%s/%s is not JSON: %s at line %d", dir, VFT_FILE, je.text, je.line);
        return -1;
    }
    rc = vft_from_json(t, doc, why, sizeof(why));
    json_decref(doc);
    if (rc != 0)
        snprintf(err, errlen, "%s/%s: %s", dir, VFT_FILE, why);
    return rc;
}
