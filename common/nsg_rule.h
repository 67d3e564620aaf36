/* nsg_rule — one network security rule, parsed and validated.
 *
 * This is the representation of a rule that the API validates and stores and
 * that the policy compiler (NSG rules in priority order, then Azure's default
 * rules → an nftables ruleset) installs, so that what the API accepted is
 * exactly what gets offloaded. It lives in common/ because the host agents
 * compile policy too.
 *
 * Text forms follow Azure Resource Manager's SecurityRulePropertiesFormat:
 *   address prefix  an IPv4 address ("10.0.0.4"), an IPv4 CIDR without host
 *                   bits ("10.0.0.0/24"), "*", or one of the tags
 *                   VirtualNetwork, Internet, AzureLoadBalancer (any case in,
 *                   canonical case out). The plural lists
 *                   (sourceAddressPrefixes, ...) hold addresses and CIDRs only.
 *   port range      "*", "80" or "1000-2000" with 0 <= low <= high <= 65535;
 *                   the plural lists hold no "*".
 * Every element keeps the form it was written in ("10.0.0.4" stays an address,
 * "10.0.0.4/32" a CIDR, "80-80" a range), so the canonical text of a parsed
 * value is what a client sent, minus case differences and leading zeros of
 * port numbers. */
#ifndef ACCELNET_COMMON_NSG_RULE_H
#define ACCELNET_COMMON_NSG_RULE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "common/error.h"

#define NSGRULE_PRIORITY_MIN    100
#define NSGRULE_PRIORITY_MAX    4096
#define NSGRULE_DESCRIPTION_MAX 140
/* Elements of one plural list (sourceAddressPrefixes, ...). */
#define NSGRULE_LIST_MAX 4000
/* The longest canonical text of an address prefix or port range, with NUL:
 * "255.255.255.255/32", "AzureLoadBalancer", "65535-65535". */
#define NSGRULE_TEXT_MAX 20

enum nsgrule_direction { NSGRULE_INBOUND, NSGRULE_OUTBOUND };
enum nsgrule_access { NSGRULE_ALLOW, NSGRULE_DENY };
enum nsgrule_protocol {
    NSGRULE_PROTO_ANY,
    NSGRULE_PROTO_TCP,
    NSGRULE_PROTO_UDP,
    NSGRULE_PROTO_ICMP
};

enum nsgrule_addr_kind {
    NSGRULE_ADDR_ANY,                 /* "*" */
    NSGRULE_ADDR_PREFIX,              /* an IPv4 address or CIDR: net/len */
    NSGRULE_ADDR_VIRTUAL_NETWORK,     /* tag: the virtual network's address space */
    NSGRULE_ADDR_INTERNET,            /* tag: everything outside the virtual network */
    NSGRULE_ADDR_AZURE_LOAD_BALANCER, /* tag: the platform's load balancer probes */
};

struct nsgrule_addr {
    enum nsgrule_addr_kind kind;
    uint32_t net;    /* PREFIX: the network, host byte order, host bits zero */
    uint8_t len;     /* PREFIX: prefix length, 0-32 (32 for a plain address) */
    uint8_t has_len; /* PREFIX: written as a CIDR ("10.0.0.4/32"), not as an address */
};

struct nsgrule_ports {
    uint16_t lo, hi;  /* inclusive; "*" is 0-65535 */
    uint8_t any;      /* written "*" */
    uint8_t is_range; /* written "lo-hi" */
};

/* One rule. Lists hold at least one element once parsed. */
struct nsgrule {
    char *name;        /* owned; NULL when the rule was not named in its body */
    char *description; /* owned; "" when there is none */
    int priority;      /* 100-4096 (Azure's default rules: 65000-65500) */
    enum nsgrule_direction direction;
    enum nsgrule_access access;
    enum nsgrule_protocol protocol;
    struct nsgrule_addr *src, *dst; /* owned */
    size_t nsrc, ndst;
    struct nsgrule_ports *src_ports, *dst_ports; /* owned */
    size_t nsrc_ports, ndst_ports;
};

/* Frees what r owns and zeroes it. Safe on a zeroed struct. */
void nsgrule_free(struct nsgrule *r);

const char *nsgrule_direction_name(enum nsgrule_direction d); /* "Inbound" */
const char *nsgrule_access_name(enum nsgrule_access a);       /* "Allow" */
const char *nsgrule_protocol_name(enum nsgrule_protocol p);   /* "Tcp", "*" */

/* Parses one address prefix. in_list: an element of a plural list, where
 * "*" and tags are not allowed. 0 on success; -1 with *code
 * (ERR_SECURITY_RULE_INVALID_ADDRESS_PREFIX or
 * ERR_SECURITY_RULE_UNSUPPORTED_VALUE) and a sentence fragment in why ("has
 * host bits set: ...") on failure. */
int nsgrule_addr_parse(const char *s, int in_list, struct nsgrule_addr *out, enum err_code *code,
                       char *why, size_t whysize);
void nsgrule_addr_format(const struct nsgrule_addr *a, char out[NSGRULE_TEXT_MAX]);
/* Parses one port or port range, like nsgrule_addr_parse (codes
 * ERR_SECURITY_RULE_INVALID_PORT_RANGE or ERR_SECURITY_RULE_UNSUPPORTED_VALUE). */
int nsgrule_ports_parse(const char *s, int in_list, struct nsgrule_ports *out, enum err_code *code,
                        char *why, size_t whysize);
void nsgrule_ports_format(const struct nsgrule_ports *p, char out[NSGRULE_TEXT_MAX]);

/* Validates an ARM SecurityRulePropertiesFormat object, `props`, whose JSON
 * path is `path` ("properties.securityRules[2].properties"), and fills out
 * (zeroed first; out->name is left NULL). Unknown members are refused;
 * read-only ones (provisioningState) are ignored. Every problem becomes a
 * detail of e, its target the member's JSON path and its code one of
 * InvalidRequestContent (shape, enums, lengths, singular and plural given
 * together), SecurityRuleInvalidPriority, SecurityRuleInvalidAddressPrefix,
 * SecurityRuleInvalidPortRange, SecurityRuleParameterContainsUnsupportedValue.
 * e's top-level error is not touched. Returns the number of problems; out
 * must be freed either way. */
int nsgrule_parse(const json_t *props, const char *path, struct nsgrule *out, struct err *e);

/* 1 when a and b have the same direction and priority (they may not both be
 * in one network security group). */
int nsgrule_conflict(const struct nsgrule *a, const struct nsgrule *b);
/* 1 when a and b have the same properties (their names aside). */
int nsgrule_equal(const struct nsgrule *a, const struct nsgrule *b);

/* ARM's properties object of the rule: provisioningState, description (when
 * not empty), protocol, access, priority, direction, and each of the four
 * lists as ARM shows it: one element as the singular member
 * ("sourceAddressPrefix") next to an empty plural array, several as the
 * plural array alone. A new reference. */
json_t *nsgrule_properties_json(const struct nsgrule *r);

/* The lists as JSON arrays of canonical text (how they are stored). Caller
 * frees. */
char *nsgrule_addrs_text(const struct nsgrule_addr *a, size_t n);
char *nsgrule_ports_text(const struct nsgrule_ports *p, size_t n);
/* Rebuilds a stored rule (the columns of security_rules as text; the lists
 * as JSON arrays of strings). 0, or -1 when a value does not parse (out is
 * freed). */
int nsgrule_from_columns(struct nsgrule *out, const char *name, const char *description,
                         const char *priority, const char *direction, const char *access,
                         const char *protocol, const char *src_json, const char *dst_json,
                         const char *src_ports_json, const char *dst_ports_json);

/* Azure's six default security rules, in ARM's order: AllowVnetInBound
 * (65000), AllowAzureLoadBalancerInBound (65001), DenyAllInBound (65500),
 * AllowVnetOutBound (65000), AllowInternetOutBound (65001), DenyAllOutBound
 * (65500). Static; *n = 6. */
const struct nsgrule *nsgrule_defaults(size_t *n);

#endif
