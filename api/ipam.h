/* ipam — IPv4 address arithmetic for virtual networks, subnets and the
 * private addresses of network interfaces. Pure functions: no allocation, no
 * database; the handlers (api/virtual_network.c, api/network_interface.c)
 * feed them what they read under the subnet's lock.
 *
 * Prefixes are written in CIDR notation ("10.0.0.0/16") and must be
 * canonical: the address is the network address of its length. A prefix with
 * host bits set ("10.0.0.1/24") is refused, as ARM does (InvalidCIDRNotation),
 * and the parser says which canonical prefix was probably meant.
 *
 * Azure reserves five addresses of every subnet: the network address, the
 * next three (gateway and DNS) and the last (broadcast). A /29 therefore has
 * three usable addresses; Dynamic allocation takes the lowest usable address
 * that is free. */
#ifndef ACCELNET_API_IPAM_H
#define ACCELNET_API_IPAM_H

#include <stddef.h>
#include <stdint.h>

/* Longest prefix a subnet may have: a /29 leaves 3 usable addresses. */
#define IPAM_SUBNET_MAX_LEN 29
/* Address-space prefixes: from /8 to /29. */
#define IPAM_SPACE_MIN_LEN 8
#define IPAM_SPACE_MAX_LEN 29
/* The reserved addresses at the start of a subnet (network, gateway, 2 DNS). */
#define IPAM_RESERVED_LOW 4
/* Enough for "255.255.255.255/32". */
#define IPAM_PREFIX_STRLEN 19
#define IPAM_ADDR_STRLEN   16

struct ipam_prefix {
    uint32_t net; /* host byte order */
    unsigned len; /* 0..32 */
};

enum ipam_parse {
    IPAM_OK = 0,
    IPAM_SYNTAX,    /* not a.b.c.d/n with 0 <= n <= 32 */
    IPAM_HOST_BITS, /* well-formed but not canonical; *out holds the canonical prefix */
};

/* A dotted quad: four decimal numbers 0..255 without leading zeros. 0 or -1. */
int ipam_addr_parse(const char *s, uint32_t *out);
void ipam_addr_format(uint32_t addr, char out[IPAM_ADDR_STRLEN]);

enum ipam_parse ipam_prefix_parse(const char *s, struct ipam_prefix *out);
void ipam_prefix_format(const struct ipam_prefix *p, char out[IPAM_PREFIX_STRLEN]);

uint32_t ipam_mask(unsigned len);
uint32_t ipam_first(const struct ipam_prefix *p); /* the network address */
uint32_t ipam_last(const struct ipam_prefix *p);  /* the broadcast address */
int ipam_has(const struct ipam_prefix *p, uint32_t addr);
/* inner lies entirely within outer. */
int ipam_contains(const struct ipam_prefix *outer, const struct ipam_prefix *inner);
int ipam_overlap(const struct ipam_prefix *a, const struct ipam_prefix *b);

/* addr is one of the five addresses Azure reserves in subnet (addr must lie
 * in the subnet for a 1). */
int ipam_reserved(const struct ipam_prefix *subnet, uint32_t addr);
/* addr can be given to a NIC in subnet: inside and not reserved. */
int ipam_usable(const struct ipam_prefix *subnet, uint32_t addr);
/* How many addresses of subnet can be given to NICs. */
uint64_t ipam_usable_count(const struct ipam_prefix *subnet);

/* Sorts addresses ascending (for ipam_lowest_free). */
void ipam_sort(uint32_t *addrs, size_t n);
/* The lowest usable address of subnet that is not in used[] (sorted
 * ascending, duplicates allowed, may hold addresses outside the subnet). 0
 * with *out set, or -1 when the subnet is full. */
int ipam_lowest_free(const struct ipam_prefix *subnet, const uint32_t *used, size_t n,
                     uint32_t *out);

#endif
