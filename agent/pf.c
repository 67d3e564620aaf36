#include "agent/pf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* The adapters whose VF device id and drivers the agent knows. */
static const struct pf_model {
    const char *vendor, *device, *vf_device, *driver, *vf_driver, *desc;
} pf_models[] = {
    {"15b3", "1003", "1004", "mlx4_core", "mlx4_core", "Mellanox ConnectX-3"},
    {"15b3", "1007", "1004", "mlx4_core", "mlx4_core", "Mellanox ConnectX-3 Pro"},
    {"15b3", "1013", "1014", "mlx5_core", "mlx5_core", "Mellanox ConnectX-4"},
    {"15b3", "1015", "1016", "mlx5_core", "mlx5_core", "Mellanox ConnectX-4 Lx"},
    {"15b3", "1017", "1018", "mlx5_core", "mlx5_core", "Mellanox ConnectX-5"},
    {"15b3", "1019", "101a", "mlx5_core", "mlx5_core", "Mellanox ConnectX-5 Ex"},
    {"15b3", "101b", "101c", "mlx5_core", "mlx5_core", "Mellanox ConnectX-6"},
    {"15b3", "101d", "101e", "mlx5_core", "mlx5_core", "Mellanox ConnectX-6 Dx"},
    {"15b3", "101f", "101e", "mlx5_core", "mlx5_core", "Mellanox ConnectX-6 Lx"},
    {"8086", "10fb", "10ed", "ixgbe", "ixgbevf", "Intel 82599"},
    {"8086", "1572", "154c", "i40e", "iavf", "Intel X710"},
};
#define PF_NMODELS (sizeof(pf_models) / sizeof(pf_models[0]))

const char *pf_known_devices(void)
{
    static char text[1024];
    static int done;
    if (!done) {
        size_t off = 0;
        for (size_t i = 0; i < PF_NMODELS && off < sizeof(text); i++)
            off += (size_t)snprintf(text + off, sizeof(text) - off, "%s%s:%s (%s)", i ? ", " : "",
                                    pf_models[i].vendor, pf_models[i].device, pf_models[i].desc);
        done = 1;
    }
    return text;
}

/* Exactly n hex digits at s, lower-cased into out (n + 1 bytes); the value in
 * *v. 0, or -1. */
static int pf_hex(const char *s, size_t n, char *out, unsigned *v)
{
    unsigned x = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isxdigit((unsigned char)s[i]))
            return -1;
        char c = (char)tolower((unsigned char)s[i]);
        x = x * 16 + (unsigned)(isdigit((unsigned char)c) ? c - '0' : c - 'a' + 10);
        if (out)
            out[i] = c;
    }
    if (out)
        out[n] = '\0';
    *v = x;
    return 0;
}

/* "DDDD:BB:DD.F". */
static int pf_parse_pci(const char *s, size_t len, struct agent_pf *pf)
{
    unsigned dom, bus, dev, fn;
    if (len != 12 || s[4] != ':' || s[7] != ':' || s[10] != '.')
        return -1;
    if (pf_hex(s, 4, NULL, &dom) || pf_hex(s + 5, 2, NULL, &bus) || pf_hex(s + 8, 2, NULL, &dev) ||
        pf_hex(s + 11, 1, NULL, &fn) || dev > 0x1f || fn > 7)
        return -1;
    pf->pci_domain = dom;
    pf->pci_rid = bus << 8 | dev << 3 | fn;
    snprintf(pf->pci, sizeof(pf->pci), "%04x:%02x:%02x.%x", dom, bus, dev, fn);
    return 0;
}

static void pf_format_pci(unsigned domain, unsigned rid, char out[PF_PCI_LEN])
{
    snprintf(out, PF_PCI_LEN, "%04x:%02x:%02x.%x", domain & 0xffff, (rid >> 8) & 0xff,
             (rid >> 3) & 0x1f, rid & 7);
}

void pf_vf_pci(const struct agent_pf *pf, unsigned i, char out[PF_PCI_LEN])
{
    pf_format_pci(pf->pci_domain, pf->pci_rid + 1 + i, out);
}

void pf_vf_representor(const struct agent_pf *pf, unsigned i, char out[PF_NAME_MAX])
{
    char buf[64];
    /* pf_parse has checked that every representor name fits. */
    snprintf(buf, sizeof(buf), "%svf%u", pf->name, i);
    snprintf(out, PF_NAME_MAX, "%.15s", buf);
}

static int pf_name_ok(const char *s, size_t len)
{
    if (len == 0 || len >= PF_NAME_MAX || !islower((unsigned char)s[0]))
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '_')
            return 0;
    return 1;
}

int pf_parse(const char *spec, struct agent_pf *out, char *err, size_t errlen)
{
    const char *part[4];
    size_t len[4];
    const char *p = spec;
    long nvfs;
    char num[16];
    unsigned v;

    memset(out, 0, sizeof(*out));
    for (int i = 0; i < 4; i++) {
        const char *comma = strchr(p, ',');
        part[i] = p;
        len[i] = comma ? (size_t)(comma - p) : strlen(p);
        if ((i < 3 && !comma) || (i == 3 && comma)) {
            snprintf(err, errlen,
                     "'%s' is not NAME,PCI_ADDRESS,VENDOR:DEVICE,NUM_VFS (for example %s)", spec,
                     PF_DEFAULT_SPEC);
            return -1;
        }
        p = comma ? comma + 1 : p + len[i];
    }
    if (!pf_name_ok(part[0], len[0])) {
        snprintf(err, errlen,
                 "'%.*s' in '%s' is not a PF name (1-15 lower-case letters, digits or '_', "
                 "starting with a letter, like pf0)",
                 (int)len[0], part[0], spec);
        return -1;
    }
    memcpy(out->name, part[0], len[0]);
    if (pf_parse_pci(part[1], len[1], out) != 0) {
        snprintf(err, errlen,
                 "'%.*s' in '%s' is not a PCI address DOMAIN:BUS:DEVICE.FUNCTION (like "
                 "0000:03:00.0)",
                 (int)len[1], part[1], spec);
        return -1;
    }
    if (len[2] != 9 || part[2][4] != ':' || pf_hex(part[2], 4, out->vendor, &v) ||
        pf_hex(part[2] + 5, 4, out->device, &v)) {
        snprintf(err, errlen, "'%.*s' in '%s' is not VENDOR:DEVICE in hexadecimal (like 15b3:1003)",
                 (int)len[2], part[2], spec);
        return -1;
    }
    const struct pf_model *m = NULL;
    for (size_t i = 0; i < PF_NMODELS; i++)
        if (strcmp(pf_models[i].vendor, out->vendor) == 0 &&
            strcmp(pf_models[i].device, out->device) == 0)
            m = &pf_models[i];
    if (!m) {
        snprintf(err, errlen, "%s:%s in '%s' is not an adapter the agent knows; known: %s",
                 out->vendor, out->device, spec, pf_known_devices());
        return -1;
    }
    snprintf(out->vf_device, sizeof(out->vf_device), "%s", m->vf_device);
    snprintf(out->driver, sizeof(out->driver), "%s", m->driver);
    snprintf(out->vf_driver, sizeof(out->vf_driver), "%s", m->vf_driver);
    snprintf(num, sizeof(num), "%.*s", (int)(len[3] < 15 ? len[3] : 15), part[3]);
    if (len[3] >= 15 || util_parse_long(num, 1, PF_MAX_VFS, &nvfs) != 0) {
        snprintf(err, errlen, "'%.*s' in '%s' is not a number of VFs from 1 to %d", (int)len[3],
                 part[3], spec, PF_MAX_VFS);
        return -1;
    }
    out->num_vfs = (unsigned)nvfs;
    /* The last VF must still be on a bus of this domain. */
    if (out->pci_rid + out->num_vfs > 0xffff) {
        snprintf(err, errlen, "'%s': %u VFs after %s run past bus ff", spec, out->num_vfs,
                 out->pci);
        return -1;
    }
    char rep[64];
    snprintf(rep, sizeof(rep), "%svf%u", out->name, out->num_vfs - 1);
    if (strlen(rep) >= PF_NAME_MAX) {
        snprintf(err, errlen,
                 "'%s': the representor name %s would be longer than 15 characters; use a "
                 "shorter PF name",
                 spec, rep);
        return -1;
    }
    return 0;
}

/* Whether [a_lo, a_hi] and [b_lo, b_hi] share a routing id. */
static int pf_overlap(unsigned a_lo, unsigned a_hi, unsigned b_lo, unsigned b_hi)
{
    return a_lo <= b_hi && b_lo <= a_hi;
}

int pf_check_set(const struct agent_pf *pfs, size_t n, char *err, size_t errlen)
{
    char a[PF_PCI_LEN], b[PF_PCI_LEN];
    if (n == 0 || n > PF_MAX_COUNT) {
        snprintf(err, errlen, "give 1 to %d physical functions (got %zu)", PF_MAX_COUNT, n);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < i; j++) {
            if (strcmp(pfs[i].name, pfs[j].name) == 0) {
                snprintf(err, errlen, "two physical functions are named %s", pfs[i].name);
                return -1;
            }
            if (pfs[i].pci_domain != pfs[j].pci_domain)
                continue;
            /* Each PF occupies its own routing id and those of its VFs. */
            if (pf_overlap(pfs[i].pci_rid, pfs[i].pci_rid + pfs[i].num_vfs, pfs[j].pci_rid,
                           pfs[j].pci_rid + pfs[j].num_vfs)) {
                pf_vf_pci(&pfs[j], pfs[j].num_vfs - 1, a);
                pf_vf_pci(&pfs[i], pfs[i].num_vfs - 1, b);
                snprintf(err, errlen,
                         "the PCI addresses of %s (%s to %s) and %s (%s to %s) overlap: VF i of "
                         "a PF is at the PF's address + 1 + i",
                         pfs[j].name, pfs[j].pci, a, pfs[i].name, pfs[i].pci, b);
                return -1;
            }
        }
    }
    return 0;
}
