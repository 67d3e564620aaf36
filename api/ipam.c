#include "api/ipam.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One decimal number of at most max_digits digits, no sign, no leading zero
 * (so "010" is not read as 8 or 10). Advances *s. 0 or -1. */
static int ipam_number(const char **s, unsigned max_digits, unsigned long *out)
{
    const char *p = *s;
    unsigned long v = 0;
    unsigned n = 0;
    while (*p >= '0' && *p <= '9') {
        if (++n > max_digits)
            return -1;
        v = v * 10 + (unsigned long)(*p - '0');
        p++;
    }
    if (n == 0 || (n > 1 && **s == '0'))
        return -1;
    *s = p;
    *out = v;
    return 0;
}

/* Parses a dotted quad at *s, advancing it. */
static int ipam_quad(const char **s, uint32_t *out)
{
    uint32_t a = 0;
    for (int i = 0; i < 4; i++) {
        unsigned long octet;
        if (i > 0) {
            if (**s != '.')
                return -1;
            (*s)++;
        }
        if (ipam_number(s, 3, &octet) != 0 || octet > 255)
            return -1;
        a = (a << 8) | (uint32_t)octet;
    }
    *out = a;
    return 0;
}

int ipam_addr_parse(const char *s, uint32_t *out)
{
    uint32_t a;
    if (!s || ipam_quad(&s, &a) != 0 || *s)
        return -1;
    *out = a;
    return 0;
}

void ipam_addr_format(uint32_t a, char out[IPAM_ADDR_STRLEN])
{
    snprintf(out, IPAM_ADDR_STRLEN, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
             a & 255);
}

uint32_t ipam_mask(unsigned len)
{
    return len == 0 ? 0 : len >= 32 ? 0xffffffffu : ~((1u << (32 - len)) - 1);
}

enum ipam_parse ipam_prefix_parse(const char *s, struct ipam_prefix *out)
{
    uint32_t a;
    unsigned long len;
    if (!s || ipam_quad(&s, &a) != 0 || *s != '/')
        return IPAM_SYNTAX;
    s++;
    if (ipam_number(&s, 2, &len) != 0 || *s || len > 32)
        return IPAM_SYNTAX;
    out->len = (unsigned)len;
    out->net = a & ipam_mask(out->len);
    return out->net == a ? IPAM_OK : IPAM_HOST_BITS;
}

void ipam_prefix_format(const struct ipam_prefix *p, char out[IPAM_PREFIX_STRLEN])
{
    char a[IPAM_ADDR_STRLEN];
    ipam_addr_format(p->net, a);
    snprintf(out, IPAM_PREFIX_STRLEN, "%s/%u", a, p->len);
}

uint32_t ipam_first(const struct ipam_prefix *p)
{
    return p->net & ipam_mask(p->len);
}

uint32_t ipam_last(const struct ipam_prefix *p)
{
    return ipam_first(p) | ~ipam_mask(p->len);
}

int ipam_has(const struct ipam_prefix *p, uint32_t addr)
{
    return (addr & ipam_mask(p->len)) == ipam_first(p);
}

int ipam_contains(const struct ipam_prefix *outer, const struct ipam_prefix *inner)
{
    return inner->len >= outer->len && ipam_has(outer, ipam_first(inner));
}

int ipam_overlap(const struct ipam_prefix *a, const struct ipam_prefix *b)
{
    return ipam_contains(a, b) || ipam_contains(b, a);
}

int ipam_reserved(const struct ipam_prefix *subnet, uint32_t addr)
{
    if (!ipam_has(subnet, addr))
        return 0;
    return addr - ipam_first(subnet) < IPAM_RESERVED_LOW || addr == ipam_last(subnet);
}

int ipam_usable(const struct ipam_prefix *subnet, uint32_t addr)
{
    return ipam_has(subnet, addr) && !ipam_reserved(subnet, addr);
}

uint64_t ipam_usable_count(const struct ipam_prefix *subnet)
{
    uint64_t size = (uint64_t)1 << (32 - subnet->len);
    return size > IPAM_RESERVED_LOW + 1 ? size - IPAM_RESERVED_LOW - 1 : 0;
}

static int ipam_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

void ipam_sort(uint32_t *addrs, size_t n)
{
    if (n > 1)
        qsort(addrs, n, sizeof(*addrs), ipam_cmp);
}

int ipam_lowest_free(const struct ipam_prefix *subnet, const uint32_t *used, size_t n,
                     uint32_t *out)
{
    if (ipam_usable_count(subnet) == 0)
        return -1;
    /* Candidates from the first usable to the last usable address; used[] is
     * sorted, so one pass finds the first gap. 64-bit so that the end of the
     * address space cannot wrap. */
    uint64_t cand = (uint64_t)ipam_first(subnet) + IPAM_RESERVED_LOW;
    uint64_t last = (uint64_t)ipam_last(subnet) - 1;
    for (size_t i = 0; i < n && cand <= last; i++) {
        if (used[i] < cand)
            continue;
        if (used[i] > cand)
            break;
        cand++;
    }
    if (cand > last)
        return -1;
    *out = (uint32_t)cand;
    return 0;
}
