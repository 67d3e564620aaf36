#include "common/nsg_rule.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/jspec.h"
#include "common/util.h"

void nsgrule_free(struct nsgrule *r)
{
    free(r->name);
    free(r->description);
    free(r->src);
    free(r->dst);
    free(r->src_ports);
    free(r->dst_ports);
    memset(r, 0, sizeof(*r));
}

const char *nsgrule_direction_name(enum nsgrule_direction d)
{
    return d == NSGRULE_OUTBOUND ? "Outbound" : "Inbound";
}

const char *nsgrule_access_name(enum nsgrule_access a)
{
    return a == NSGRULE_DENY ? "Deny" : "Allow";
}

const char *nsgrule_protocol_name(enum nsgrule_protocol p)
{
    switch (p) {
    case NSGRULE_PROTO_TCP:
        return "Tcp";
    case NSGRULE_PROTO_UDP:
        return "Udp";
    case NSGRULE_PROTO_ICMP:
        return "Icmp";
    case NSGRULE_PROTO_ANY:
        break;
    }
    return "*";
}

/* --- address prefixes -------------------------------------------------------- */

static const struct {
    const char *name;
    enum nsgrule_addr_kind kind;
} nsgrule_tags[] = {
    {"VirtualNetwork", NSGRULE_ADDR_VIRTUAL_NETWORK},
    {"Internet", NSGRULE_ADDR_INTERNET},
    {"AzureLoadBalancer", NSGRULE_ADDR_AZURE_LOAD_BALANCER},
};

/* A decimal number of at most maxdigits digits at *p, no sign, no leading
 * zero unless it is "0"; advances *p. -1 when there is none. */
static long nsgrule_decimal(const char **p, int maxdigits, int allow_leading_zeros)
{
    const char *s = *p;
    long v = 0;
    int n = 0;
    while (isdigit((unsigned char)s[n])) {
        if (n == maxdigits)
            return -1;
        v = v * 10 + (s[n] - '0');
        n++;
    }
    if (n == 0 || (!allow_leading_zeros && n > 1 && s[0] == '0'))
        return -1;
    *p = s + n;
    return v;
}

static int nsgrule_ipv4(const char **p, uint32_t *out)
{
    uint32_t a = 0;
    for (int i = 0; i < 4; i++) {
        if (i > 0) {
            if (**p != '.')
                return -1;
            (*p)++;
        }
        long octet = nsgrule_decimal(p, 3, 0);
        if (octet < 0 || octet > 255)
            return -1;
        a = (a << 8) | (uint32_t)octet;
    }
    *out = a;
    return 0;
}

static uint32_t nsgrule_mask(unsigned len)
{
    return len == 0 ? 0 : 0xffffffffu << (32 - len);
}

static void nsgrule_ipv4_format(uint32_t a, char *out, size_t size)
{
    snprintf(out, size, "%u.%u.%u.%u", (a >> 24) & 0xff, (a >> 16) & 0xff, (a >> 8) & 0xff,
             a & 0xff);
}

int nsgrule_addr_parse(const char *s, int in_list, struct nsgrule_addr *out, enum err_code *code,
                       char *why, size_t whysize)
{
    memset(out, 0, sizeof(*out));
    *code = ERR_SECURITY_RULE_INVALID_ADDRESS_PREFIX;
    if (strcmp(s, "*") == 0) {
        out->kind = NSGRULE_ADDR_ANY;
        goto special;
    }
    for (size_t i = 0; i < sizeof(nsgrule_tags) / sizeof(nsgrule_tags[0]); i++) {
        if (strcasecmp(s, nsgrule_tags[i].name) == 0) {
            out->kind = nsgrule_tags[i].kind;
            goto special;
        }
    }
    const char *p = s;
    uint32_t a;
    if (strchr(s, ':')) {
        snprintf(why, whysize, "is an IPv6 prefix; accelnet supports IPv4 only");
        return -1;
    }
    if (nsgrule_ipv4(&p, &a) != 0) {
        snprintf(why, whysize,
                 "is not an IPv4 address (10.0.0.4) or CIDR (10.0.0.0/24), '*', or one of the "
                 "tags VirtualNetwork, Internet, AzureLoadBalancer");
        return -1;
    }
    out->kind = NSGRULE_ADDR_PREFIX;
    out->len = 32;
    if (*p == '/') {
        p++;
        long len = nsgrule_decimal(&p, 2, 0);
        if (len < 0 || len > 32 || *p) {
            snprintf(why, whysize, "has a prefix length that is not a number from 0 to 32");
            return -1;
        }
        out->len = (uint8_t)len;
        out->has_len = 1;
    } else if (*p) {
        snprintf(why, whysize,
                 "is not an IPv4 address (10.0.0.4) or CIDR (10.0.0.0/24), '*', or one of the "
                 "tags VirtualNetwork, Internet, AzureLoadBalancer");
        return -1;
    }
    if (a & ~nsgrule_mask(out->len)) {
        char net[16];
        nsgrule_ipv4_format(a & nsgrule_mask(out->len), net, sizeof(net));
        snprintf(why, whysize, "has host bits set: the network is %s/%u", net, out->len);
        return -1;
    }
    out->net = a;
    return 0;
special:
    if (in_list) {
        *code = ERR_SECURITY_RULE_UNSUPPORTED_VALUE;
        snprintf(why, whysize,
                 "cannot be '*' or a tag (VirtualNetwork, Internet, AzureLoadBalancer) in a list "
                 "of prefixes; give it alone in the singular member instead");
        return -1;
    }
    return 0;
}

void nsgrule_addr_format(const struct nsgrule_addr *a, char out[NSGRULE_TEXT_MAX])
{
    switch (a->kind) {
    case NSGRULE_ADDR_ANY:
        snprintf(out, NSGRULE_TEXT_MAX, "*");
        return;
    case NSGRULE_ADDR_PREFIX:
        break;
    default:
        for (size_t i = 0; i < sizeof(nsgrule_tags) / sizeof(nsgrule_tags[0]); i++)
            if (nsgrule_tags[i].kind == a->kind)
                snprintf(out, NSGRULE_TEXT_MAX, "%s", nsgrule_tags[i].name);
        return;
    }
    char ip[16];
    nsgrule_ipv4_format(a->net, ip, sizeof(ip));
    if (a->has_len)
        snprintf(out, NSGRULE_TEXT_MAX, "%s/%u", ip, a->len);
    else
        snprintf(out, NSGRULE_TEXT_MAX, "%s", ip);
}

/* --- ports ------------------------------------------------------------------------ */

int nsgrule_ports_parse(const char *s, int in_list, struct nsgrule_ports *out, enum err_code *code,
                        char *why, size_t whysize)
{
    memset(out, 0, sizeof(*out));
    *code = ERR_SECURITY_RULE_INVALID_PORT_RANGE;
    if (strcmp(s, "*") == 0) {
        if (in_list) {
            *code = ERR_SECURITY_RULE_UNSUPPORTED_VALUE;
            snprintf(why, whysize,
                     "cannot be '*' in a list of port ranges; give '*' alone in the singular "
                     "member instead");
            return -1;
        }
        out->any = 1;
        out->hi = 65535;
        return 0;
    }
    const char *p = s;
    long lo = nsgrule_decimal(&p, 5, 1), hi = lo;
    if (lo >= 0 && *p == '-') {
        p++;
        hi = nsgrule_decimal(&p, 5, 1);
        out->is_range = 1;
    }
    if (lo < 0 || hi < 0 || *p) {
        snprintf(why, whysize,
                 "should be an integer or an integer range with a '-' delimiter (80, "
                 "1000-2000), or '*'");
        return -1;
    }
    if (lo > 65535 || hi > 65535) {
        snprintf(why, whysize, "is outside the valid range 0-65535");
        return -1;
    }
    if (lo > hi) {
        snprintf(why, whysize, "has a low end (%ld) greater than its high end (%ld)", lo, hi);
        return -1;
    }
    out->lo = (uint16_t)lo;
    out->hi = (uint16_t)hi;
    return 0;
}

void nsgrule_ports_format(const struct nsgrule_ports *p, char out[NSGRULE_TEXT_MAX])
{
    if (p->any)
        snprintf(out, NSGRULE_TEXT_MAX, "*");
    else if (p->is_range)
        snprintf(out, NSGRULE_TEXT_MAX, "%u-%u", p->lo, p->hi);
    else
        snprintf(out, NSGRULE_TEXT_MAX, "%u", p->lo);
}

/* --- a rule's properties ----------------------------------------------------------- */

/* What jspec fills; the semantic checks follow. */
struct nsgrule_in {
    const char *description, *protocol, *access, *direction;
    long long priority; /* LLONG_MIN: absent or not an integer */
    const char *single[4];
    const json_t *list[4];
    int single_given[4], list_given[4];
    const json_t *src_asgs, *dst_asgs;
};

/* The four address and port members, in the order of nsgrule_in's arrays. */
enum { NSGRULE_SRC_ADDR, NSGRULE_DST_ADDR, NSGRULE_SRC_PORTS, NSGRULE_DST_PORTS };
static const char *const nsgrule_single_names[4] = {
    "sourceAddressPrefix", "destinationAddressPrefix", "sourcePortRange", "destinationPortRange"};
static const char *const nsgrule_list_names[4] = {"sourceAddressPrefixes",
                                                  "destinationAddressPrefixes", "sourcePortRanges",
                                                  "destinationPortRanges"};

static const char *const nsgrule_directions[] = {"Inbound", "Outbound", NULL};
static const char *const nsgrule_accesses[] = {"Allow", "Deny", NULL};

static const char *nsgrule_asgs_problem(const json_t *v)
{
    return json_array_size(v) ? "application security groups are not supported by accelnet; "
                                "use address prefixes"
                              : NULL;
}

#define NSGRULE_SINGLE(n, i)                                                            \
    {                                                                                   \
        .name = (n), .type = JSPEC_T_STRING,                                            \
        .offset = offsetof(struct nsgrule_in, single) + (i) * sizeof(const char *),     \
        .present_offset = offsetof(struct nsgrule_in, single_given) + (i) * sizeof(int) \
    }
#define NSGRULE_LIST(n, i)                                                            \
    {                                                                                 \
        .name = (n), .type = JSPEC_T_ARRAY, .item_type = JSPEC_T_STRING,              \
        .max_len = NSGRULE_LIST_MAX,                                                  \
        .offset = offsetof(struct nsgrule_in, list) + (i) * sizeof(const json_t *),   \
        .present_offset = offsetof(struct nsgrule_in, list_given) + (i) * sizeof(int) \
    }

static const struct jspec nsgrule_spec[] = {
    JSPEC_STRING("description", struct nsgrule_in, description, 0,
                 .max_len = NSGRULE_DESCRIPTION_MAX),
    JSPEC_STRING("protocol", struct nsgrule_in, protocol, JSPEC_REQUIRED),
    JSPEC_STRING("access", struct nsgrule_in, access, JSPEC_REQUIRED, .one_of = nsgrule_accesses),
    JSPEC_STRING("direction", struct nsgrule_in, direction, JSPEC_REQUIRED,
                 .one_of = nsgrule_directions),
    JSPEC_INT("priority", struct nsgrule_in, priority, JSPEC_REQUIRED),
    NSGRULE_SINGLE("sourceAddressPrefix", NSGRULE_SRC_ADDR),
    NSGRULE_SINGLE("destinationAddressPrefix", NSGRULE_DST_ADDR),
    NSGRULE_SINGLE("sourcePortRange", NSGRULE_SRC_PORTS),
    NSGRULE_SINGLE("destinationPortRange", NSGRULE_DST_PORTS),
    NSGRULE_LIST("sourceAddressPrefixes", NSGRULE_SRC_ADDR),
    NSGRULE_LIST("destinationAddressPrefixes", NSGRULE_DST_ADDR),
    NSGRULE_LIST("sourcePortRanges", NSGRULE_SRC_PORTS),
    NSGRULE_LIST("destinationPortRanges", NSGRULE_DST_PORTS),
    JSPEC_FIELD("sourceApplicationSecurityGroups", JSPEC_T_ARRAY, struct nsgrule_in, src_asgs, 0,
                .item_type = JSPEC_T_ANY, .check = nsgrule_asgs_problem),
    JSPEC_FIELD("destinationApplicationSecurityGroups", JSPEC_T_ARRAY, struct nsgrule_in, dst_asgs,
                0, .item_type = JSPEC_T_ANY, .check = nsgrule_asgs_problem),
    /* Read-only; accepted and ignored as ARM does. */
    {.name = "provisioningState",
     .type = JSPEC_T_STRING,
     .offset = (size_t)-1,
     .present_offset = (size_t)-1},
    JSPEC_END,
};

static char *nsgrule_join(const char *path, const char *name)
{
    return *path ? util_asprintf("%s.%s", path, name) : util_xstrdup(name);
}

/* Parses element text s of list i (singular when index < 0) into the rule. */
static int nsgrule_element(struct nsgrule *out, int i, const char *s, const char *target,
                           int in_list, struct err *e)
{
    enum err_code code;
    char why[200];
    int bad;
    if (i == NSGRULE_SRC_ADDR || i == NSGRULE_DST_ADDR) {
        struct nsgrule_addr a;
        bad = nsgrule_addr_parse(s, in_list, &a, &code, why, sizeof(why));
        if (!bad) {
            struct nsgrule_addr **arr = i == NSGRULE_SRC_ADDR ? &out->src : &out->dst;
            size_t *n = i == NSGRULE_SRC_ADDR ? &out->nsrc : &out->ndst;
            *arr = util_xrealloc(*arr, (*n + 1) * sizeof(**arr));
            (*arr)[(*n)++] = a;
        } else if (code == ERR_SECURITY_RULE_INVALID_ADDRESS_PREFIX) {
            err_add_detail(e, code, target,
                           "Security rule has invalid Address prefix. Value provided: %s. It %s.",
                           s, why);
        }
    } else {
        struct nsgrule_ports p;
        bad = nsgrule_ports_parse(s, in_list, &p, &code, why, sizeof(why));
        if (!bad) {
            struct nsgrule_ports **arr = i == NSGRULE_SRC_PORTS ? &out->src_ports : &out->dst_ports;
            size_t *n = i == NSGRULE_SRC_PORTS ? &out->nsrc_ports : &out->ndst_ports;
            *arr = util_xrealloc(*arr, (*n + 1) * sizeof(**arr));
            (*arr)[(*n)++] = p;
        } else if (code == ERR_SECURITY_RULE_INVALID_PORT_RANGE) {
            err_add_detail(e, code, target,
                           "Security rule has invalid Port range. Value provided: %s. It %s.", s,
                           why);
        }
    }
    if (bad && code == ERR_SECURITY_RULE_UNSUPPORTED_VALUE)
        err_add_detail(e, code, target,
                       "Security rule parameter %s contains an unsupported value: %s. It %s.",
                       nsgrule_list_names[i], s, why);
    return bad ? 1 : 0;
}

int nsgrule_parse(const json_t *props, const char *path, struct nsgrule *out, struct err *e)
{
    struct nsgrule_in in;
    memset(out, 0, sizeof(*out));
    memset(&in, 0, sizeof(in));
    in.priority = LLONG_MIN;
    int problems = jspec_parse(props, nsgrule_spec, &in, path, JSPEC_STRICT, e);
    if (!json_is_object(props))
        return problems;

    out->description = util_xstrdup(in.description ? in.description : "");
    if (in.priority != LLONG_MIN) {
        if (in.priority < NSGRULE_PRIORITY_MIN || in.priority > NSGRULE_PRIORITY_MAX) {
            char *t = nsgrule_join(path, "priority");
            err_add_detail(e, ERR_SECURITY_RULE_INVALID_PRIORITY, t,
                           "Security rule has invalid Priority. Value provided: %lld. Allowed "
                           "range %d-%d.",
                           in.priority, NSGRULE_PRIORITY_MIN, NSGRULE_PRIORITY_MAX);
            free(t);
            problems++;
        } else {
            out->priority = (int)in.priority;
        }
    }
    if (in.protocol) {
        static const enum nsgrule_protocol protos[] = {NSGRULE_PROTO_TCP, NSGRULE_PROTO_UDP,
                                                       NSGRULE_PROTO_ICMP, NSGRULE_PROTO_ANY};
        size_t k;
        for (k = 0; k < 4; k++)
            if (strcasecmp(in.protocol, nsgrule_protocol_name(protos[k])) == 0)
                break;
        char *t = nsgrule_join(path, "protocol");
        if (k < 4) {
            out->protocol = protos[k];
        } else if (strcasecmp(in.protocol, "Esp") == 0 || strcasecmp(in.protocol, "Ah") == 0) {
            err_add_detail(e, ERR_SECURITY_RULE_UNSUPPORTED_VALUE, t,
                           "Security rule parameter protocol contains an unsupported value: %s. "
                           "accelnet offloads 'Tcp', 'Udp', 'Icmp' and '*' only.",
                           in.protocol);
            problems++;
        } else {
            err_add_detail(e, ERR_INVALID_REQUEST_CONTENT, t,
                           "'%s' must be one of 'Tcp', 'Udp', 'Icmp', '*'.", t);
            problems++;
        }
        free(t);
    }
    /* jspec reported values outside one_of; these only map the good ones. */
    if (in.direction)
        out->direction =
            strcasecmp(in.direction, "Outbound") == 0 ? NSGRULE_OUTBOUND : NSGRULE_INBOUND;
    if (in.access)
        out->access = strcasecmp(in.access, "Deny") == 0 ? NSGRULE_DENY : NSGRULE_ALLOW;

    for (int i = 0; i < 4; i++) {
        char *single = nsgrule_join(path, nsgrule_single_names[i]);
        char *list = nsgrule_join(path, nsgrule_list_names[i]);
        /* An empty list counts as absent: SDKs send one back next to the
         * singular member, as ARM's responses show them. A list of the
         * wrong type counts as given (jspec said what is wrong with it). */
        int list_given = in.list_given[i] && (!in.list[i] || json_array_size(in.list[i]) > 0);
        if (in.single_given[i] && list_given) {
            err_add_detail(e, ERR_INVALID_REQUEST_CONTENT, single,
                           "'%s' and '%s' cannot both be given: use the singular member for one "
                           "value, the list for several.",
                           single, list);
            problems++;
        } else if (!in.single_given[i] && !list_given) {
            err_add_detail(e, ERR_INVALID_REQUEST_CONTENT, single,
                           "'%s' (or the list '%s') is required.", single, list);
            problems++;
        } else if (in.single[i]) {
            problems += nsgrule_element(out, i, in.single[i], single, 0, e);
        } else if (in.list[i]) {
            size_t k;
            json_t *v;
            json_array_foreach(in.list[i], k, v)
            {
                if (!json_is_string(v))
                    continue; /* jspec reported it */
                char *t = util_asprintf("%s[%zu]", list, k);
                problems += nsgrule_element(out, i, json_string_value(v), t, 1, e);
                free(t);
            }
        }
        free(single);
        free(list);
    }
    return problems;
}

int nsgrule_conflict(const struct nsgrule *a, const struct nsgrule *b)
{
    return a->direction == b->direction && a->priority == b->priority;
}

static int nsgrule_addrs_equal(const struct nsgrule_addr *a, size_t na,
                               const struct nsgrule_addr *b, size_t nb)
{
    if (na != nb)
        return 0;
    for (size_t i = 0; i < na; i++)
        if (a[i].kind != b[i].kind || a[i].net != b[i].net || a[i].len != b[i].len ||
            a[i].has_len != b[i].has_len)
            return 0;
    return 1;
}

static int nsgrule_ports_equal(const struct nsgrule_ports *a, size_t na,
                               const struct nsgrule_ports *b, size_t nb)
{
    if (na != nb)
        return 0;
    for (size_t i = 0; i < na; i++)
        if (a[i].lo != b[i].lo || a[i].hi != b[i].hi || a[i].any != b[i].any ||
            a[i].is_range != b[i].is_range)
            return 0;
    return 1;
}

int nsgrule_equal(const struct nsgrule *a, const struct nsgrule *b)
{
    return a->priority == b->priority && a->direction == b->direction && a->access == b->access &&
           a->protocol == b->protocol &&
           strcmp(a->description ? a->description : "", b->description ? b->description : "") ==
               0 &&
           nsgrule_addrs_equal(a->src, a->nsrc, b->src, b->nsrc) &&
           nsgrule_addrs_equal(a->dst, a->ndst, b->dst, b->ndst) &&
           nsgrule_ports_equal(a->src_ports, a->nsrc_ports, b->src_ports, b->nsrc_ports) &&
           nsgrule_ports_equal(a->dst_ports, a->ndst_ports, b->dst_ports, b->ndst_ports);
}

static json_t *nsgrule_addrs_json(const struct nsgrule_addr *a, size_t n)
{
    json_t *arr = json_array();
    char text[NSGRULE_TEXT_MAX];
    for (size_t i = 0; i < n; i++) {
        nsgrule_addr_format(&a[i], text);
        json_array_append_new(arr, json_string(text));
    }
    return arr;
}

static json_t *nsgrule_ports_json(const struct nsgrule_ports *p, size_t n)
{
    json_t *arr = json_array();
    char text[NSGRULE_TEXT_MAX];
    for (size_t i = 0; i < n; i++) {
        nsgrule_ports_format(&p[i], text);
        json_array_append_new(arr, json_string(text));
    }
    return arr;
}

/* One list, ARM's way: a single element as the singular member next to an
 * empty list; several as the list. */
static void nsgrule_list_set(json_t *o, int i, json_t *arr)
{
    if (json_array_size(arr) == 1) {
        json_object_set(o, nsgrule_single_names[i], json_array_get(arr, 0));
        json_array_clear(arr);
    }
    json_object_set_new(o, nsgrule_list_names[i], arr);
}

json_t *nsgrule_properties_json(const struct nsgrule *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "provisioningState", json_string("Succeeded"));
    if (r->description && *r->description)
        json_object_set_new(o, "description", json_string(r->description));
    json_object_set_new(o, "protocol", json_string(nsgrule_protocol_name(r->protocol)));
    nsgrule_list_set(o, NSGRULE_SRC_PORTS, nsgrule_ports_json(r->src_ports, r->nsrc_ports));
    nsgrule_list_set(o, NSGRULE_DST_PORTS, nsgrule_ports_json(r->dst_ports, r->ndst_ports));
    nsgrule_list_set(o, NSGRULE_SRC_ADDR, nsgrule_addrs_json(r->src, r->nsrc));
    nsgrule_list_set(o, NSGRULE_DST_ADDR, nsgrule_addrs_json(r->dst, r->ndst));
    json_object_set_new(o, "access", json_string(nsgrule_access_name(r->access)));
    json_object_set_new(o, "priority", json_integer(r->priority));
    json_object_set_new(o, "direction", json_string(nsgrule_direction_name(r->direction)));
    return o;
}

static char *nsgrule_dump(json_t *arr)
{
    char *s = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    if (!s)
        abort(); /* out of memory */
    return s;
}

char *nsgrule_addrs_text(const struct nsgrule_addr *a, size_t n)
{
    return nsgrule_dump(nsgrule_addrs_json(a, n));
}

char *nsgrule_ports_text(const struct nsgrule_ports *p, size_t n)
{
    return nsgrule_dump(nsgrule_ports_json(p, n));
}

/* One stored list back into the rule; -1 when it does not parse. */
static int nsgrule_load_list(struct nsgrule *out, int i, const char *text)
{
    json_t *arr = json_loads(text ? text : "", 0, NULL);
    int rc = json_is_array(arr) && json_array_size(arr) > 0 ? 0 : -1;
    size_t k;
    json_t *v;
    struct err e = {0};
    json_array_foreach(arr, k, v)
    {
        /* Stored lists were validated on the way in; a one-element list may
         * hold what only the singular member allows. */
        if (rc != 0 || !json_is_string(v) ||
            nsgrule_element(out, i, json_string_value(v), NULL, 0, &e) != 0)
            rc = -1;
    }
    err_clear(&e);
    json_decref(arr);
    return rc;
}

int nsgrule_from_columns(struct nsgrule *out, const char *name, const char *description,
                         const char *priority, const char *direction, const char *access,
                         const char *protocol, const char *src_json, const char *dst_json,
                         const char *src_ports_json, const char *dst_ports_json)
{
    long prio;
    memset(out, 0, sizeof(*out));
    out->name = name ? util_xstrdup(name) : NULL;
    out->description = util_xstrdup(description ? description : "");
    int rc = util_parse_long(priority, 0, 65535, &prio);
    out->priority = (int)prio;
    if (rc == 0 && direction &&
        (strcmp(direction, "Inbound") == 0 || strcmp(direction, "Outbound") == 0))
        out->direction = strcmp(direction, "Outbound") == 0 ? NSGRULE_OUTBOUND : NSGRULE_INBOUND;
    else
        rc = -1;
    if (rc == 0 && access && (strcmp(access, "Allow") == 0 || strcmp(access, "Deny") == 0))
        out->access = strcmp(access, "Deny") == 0 ? NSGRULE_DENY : NSGRULE_ALLOW;
    else
        rc = -1;
    if (rc == 0 && protocol) {
        static const enum nsgrule_protocol protos[] = {NSGRULE_PROTO_TCP, NSGRULE_PROTO_UDP,
                                                       NSGRULE_PROTO_ICMP, NSGRULE_PROTO_ANY};
        rc = -1;
        for (size_t k = 0; k < 4; k++)
            if (strcmp(protocol, nsgrule_protocol_name(protos[k])) == 0) {
                out->protocol = protos[k];
                rc = 0;
            }
    }
    if (rc == 0)
        rc = nsgrule_load_list(out, NSGRULE_SRC_ADDR, src_json) |
             nsgrule_load_list(out, NSGRULE_DST_ADDR, dst_json) |
             nsgrule_load_list(out, NSGRULE_SRC_PORTS, src_ports_json) |
             nsgrule_load_list(out, NSGRULE_DST_PORTS, dst_ports_json);
    if (rc != 0)
        nsgrule_free(out);
    return rc;
}

/* --- Azure's default rules ---------------------------------------------------------- */

static struct nsgrule_addr nsgrule_any_addr[] = {{.kind = NSGRULE_ADDR_ANY}};
static struct nsgrule_addr nsgrule_vnet_addr[] = {{.kind = NSGRULE_ADDR_VIRTUAL_NETWORK}};
static struct nsgrule_addr nsgrule_lb_addr[] = {{.kind = NSGRULE_ADDR_AZURE_LOAD_BALANCER}};
static struct nsgrule_addr nsgrule_internet_addr[] = {{.kind = NSGRULE_ADDR_INTERNET}};
static struct nsgrule_ports nsgrule_any_ports[] = {{.lo = 0, .hi = 65535, .any = 1}};

#define NSGRULE_DEFAULT(n, desc, prio, dir, acc, s, d)                                             \
    {                                                                                              \
        .name = (char *)(n), .description = (char *)(desc), .priority = (prio),                    \
        .direction = (dir), .access = (acc), .protocol = NSGRULE_PROTO_ANY, .src = (s), .nsrc = 1, \
        .dst = (d), .ndst = 1, .src_ports = nsgrule_any_ports, .nsrc_ports = 1,                    \
        .dst_ports = nsgrule_any_ports, .ndst_ports = 1                                            \
    }

/* As ARM shows them (networkSecurityGroup.json's examples), in its order. */
static const struct nsgrule nsgrule_default_rules[] = {
    NSGRULE_DEFAULT("AllowVnetInBound", "Allow inbound traffic from all VMs in VNET", 65000,
                    NSGRULE_INBOUND, NSGRULE_ALLOW, nsgrule_vnet_addr, nsgrule_vnet_addr),
    NSGRULE_DEFAULT("AllowAzureLoadBalancerInBound",
                    "Allow inbound traffic from azure load balancer", 65001, NSGRULE_INBOUND,
                    NSGRULE_ALLOW, nsgrule_lb_addr, nsgrule_any_addr),
    NSGRULE_DEFAULT("DenyAllInBound", "Deny all inbound traffic", 65500, NSGRULE_INBOUND,
                    NSGRULE_DENY, nsgrule_any_addr, nsgrule_any_addr),
    NSGRULE_DEFAULT("AllowVnetOutBound", "Allow outbound traffic from all VMs to all VMs in VNET",
                    65000, NSGRULE_OUTBOUND, NSGRULE_ALLOW, nsgrule_vnet_addr, nsgrule_vnet_addr),
    NSGRULE_DEFAULT("AllowInternetOutBound", "Allow outbound traffic from all VMs to Internet",
                    65001, NSGRULE_OUTBOUND, NSGRULE_ALLOW, nsgrule_any_addr,
                    nsgrule_internet_addr),
    NSGRULE_DEFAULT("DenyAllOutBound", "Deny all outbound traffic", 65500, NSGRULE_OUTBOUND,
                    NSGRULE_DENY, nsgrule_any_addr, nsgrule_any_addr),
};

const struct nsgrule *nsgrule_defaults(size_t *n)
{
    *n = sizeof(nsgrule_default_rules) / sizeof(nsgrule_default_rules[0]);
    return nsgrule_default_rules;
}
