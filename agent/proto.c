#include "agent/proto.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/jspec.h"
#include "common/nsg_rule.h"
#include "common/util.h"

/* --- the specs ---------------------------------------------------------------- */

/* Validation only (nothing stored): the members of one rule. */
#define PROTO_V(n, t, fl, ...)                                          \
    {                                                                   \
        .name = (n), .type = (t), .flags = (fl), .offset = JSPEC__NONE, \
        .present_offset = JSPEC__NONE, __VA_ARGS__                      \
    }

static const char *const proto_stages[] = {"subnet", "nic", NULL};
static const char *const proto_directions[] = {"Inbound", "Outbound", NULL};
static const char *const proto_accesses[] = {"Allow", "Deny", NULL};
static const char *const proto_protocols[] = {"Tcp", "Udp", "Icmp", "*", NULL};

#define PROTO_LIST(n)                                                                    \
    PROTO_V(n, JSPEC_T_ARRAY, JSPEC_REQUIRED, .item_type = JSPEC_T_STRING, .min_len = 1, \
            .max_len = 4000)

static const struct jspec proto_rule_spec[] = {
    PROTO_V("stage", JSPEC_T_STRING, JSPEC_REQUIRED, .one_of = proto_stages),
    PROTO_V("name", JSPEC_T_STRING, JSPEC_REQUIRED, .min_len = 1, .max_len = 80),
    PROTO_V("priority", JSPEC_T_INT, JSPEC_REQUIRED, .min = 100, .max = 65500),
    PROTO_V("direction", JSPEC_T_STRING, JSPEC_REQUIRED, .one_of = proto_directions),
    PROTO_V("access", JSPEC_T_STRING, JSPEC_REQUIRED, .one_of = proto_accesses),
    PROTO_V("protocol", JSPEC_T_STRING, JSPEC_REQUIRED, .one_of = proto_protocols),
    PROTO_LIST("sourceAddressPrefixes"),
    PROTO_LIST("sourcePortRanges"),
    PROTO_LIST("destinationAddressPrefixes"),
    PROTO_LIST("destinationPortRanges"),
    JSPEC_END};

struct proto_policy_body {
    long long generation;
    const json_t *rules;
};

#define PROTO_POLICY_FIELDS(type_)                                                          \
    JSPEC_INT("generation", type_, generation, JSPEC_REQUIRED, .min = 0, .max = LLONG_MAX), \
    {                                                                                       \
        .name = "rules", .type = JSPEC_T_ARRAY, .flags = JSPEC_REQUIRED,                    \
        .offset = offsetof(type_, rules), .present_offset = JSPEC__NONE,                    \
        .item_type = JSPEC_T_OBJECT, .fields = proto_rule_spec, .max_len = PROTO_MAX_RULES  \
    }

static const struct jspec proto_policy_spec[] = {PROTO_POLICY_FIELDS(struct proto_policy_body),
                                                 JSPEC_END};

struct proto_attach_body {
    const char *vm_id, *mac, *ip, *gateway;
    long long prefix_len, segment_id, rate_limit;
    long long generation;
    const json_t *rules;
};

static const struct jspec proto_attach_policy_spec[] = {
    PROTO_POLICY_FIELDS(struct proto_attach_body), JSPEC_END};

static const struct jspec proto_attach_spec[] = {
    JSPEC_STRING("vmId", struct proto_attach_body, vm_id, JSPEC_REQUIRED),
    JSPEC_STRING("macAddress", struct proto_attach_body, mac, JSPEC_REQUIRED),
    JSPEC_STRING("ipAddress", struct proto_attach_body, ip, JSPEC_REQUIRED),
    JSPEC_INT("prefixLength", struct proto_attach_body, prefix_len, JSPEC_REQUIRED, .min = 0,
              .max = 128),
    JSPEC_STRING("gateway", struct proto_attach_body, gateway, 0),
    JSPEC_INT("segmentId", struct proto_attach_body, segment_id, JSPEC_REQUIRED, .min = 0,
              .max = 16777215),
    JSPEC_INT("rateLimitMbps", struct proto_attach_body, rate_limit, 0, .min = 0, .max = 10000000),
    JSPEC_OBJECT("policy", JSPEC_REQUIRED, proto_attach_policy_spec),
    JSPEC_END};

/* --- small checks ------------------------------------------------------------- */

int proto_uuid_ok(const char *s)
{
    return s && util_is_guid(s);
}

static void proto_problem(struct err *e, int *problems, const char *path, const char *fmt,
                          const char *a)
{
    err_add_detail(e, ERR_INVALID_REQUEST_CONTENT, path, fmt, path, a);
    (*problems)++;
}

/* "00-0D-3A-00-00-01", "00:0d:3a:00:00:01" or "000D3A000001" → ARM's form.
 * Unicast only. 0, or -1. */
static int proto_mac(const char *s, char out[NIC_MAC_LEN])
{
    unsigned char b[6];
    size_t len = strlen(s);
    size_t step = len == 17 ? 3 : len == 12 ? 2 : 0;
    if (!step)
        return -1;
    for (size_t i = 0; i < 6; i++) {
        const char *p = s + i * step;
        if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]))
            return -1;
        if (step == 3 && i < 5 && p[2] != (s[2] == ':' ? ':' : '-'))
            return -1;
        char hex[3] = {p[0], p[1], '\0'};
        b[i] = (unsigned char)strtoul(hex, NULL, 16);
    }
    if (b[0] & 1)
        return -1; /* multicast */
    if (!(b[0] | b[1] | b[2] | b[3] | b[4] | b[5]))
        return -1;
    snprintf(out, NIC_MAC_LEN, "%02X-%02X-%02X-%02X-%02X-%02X", b[0], b[1], b[2], b[3], b[4], b[5]);
    return 0;
}

/* An IPv4 or IPv6 address in canonical text; its family in *family. */
static int proto_addr(const char *s, char out[NIC_ADDR_LEN], int *family)
{
    unsigned char a[16];
    if (inet_pton(AF_INET, s, a) == 1)
        *family = AF_INET;
    else if (inet_pton(AF_INET6, s, a) == 1)
        *family = AF_INET6;
    else
        return -1;
    return inet_ntop(*family, a, out, NIC_ADDR_LEN) ? 0 : -1;
}

/* The allowed value v matches, in the protocol's case. */
static const char *proto_canon(const char *const *allowed, const char *v)
{
    for (const char *const *p = allowed; *p; p++)
        if (strcasecmp(*p, v) == 0)
            return *p;
    return v;
}

/* One element of a rule's list, with accelnetd's own parser (common/nsg_rule.h,
 * as a singular member: "*" and the tags allowed), so that the agent accepts
 * exactly what the NSG API did. Its canonical text goes to out. */
static int proto_element(const char *v, int ports, char out[NSGRULE_TEXT_MAX], const char *path,
                         struct err *e)
{
    enum err_code code;
    char why[200];
    if (ports) {
        struct nsgrule_ports p;
        if (nsgrule_ports_parse(v, 0, &p, &code, why, sizeof(why)) == 0) {
            nsgrule_ports_format(&p, out);
            return 0;
        }
    } else {
        struct nsgrule_addr a;
        if (nsgrule_addr_parse(v, 0, &a, &code, why, sizeof(why)) == 0) {
            nsgrule_addr_format(&a, out);
            return 0;
        }
    }
    err_add_detail(e, code, path, "'%s': '%s' is not %s: it %s.", path, v,
                   ports ? "a port range ('*', '80' or '1000-2000')"
                         : "an address prefix ('*', an IPv4 address or CIDR, VirtualNetwork, "
                           "Internet or AzureLoadBalancer)",
                   why);
    return 1;
}

static const char *const proto_lists[] = {"sourceAddressPrefixes", "sourcePortRanges",
                                          "destinationAddressPrefixes", "destinationPortRanges"};

/* What jspec cannot say about rules (already of the right shape): each
 * prefix and port range, and one priority per stage and direction. */
static int proto_rules_check(const json_t *rules, const char *path, struct err *e)
{
    int problems = 0;
    char canon[NSGRULE_TEXT_MAX];
    size_t n = json_array_size(rules);
    for (size_t i = 0; i < n; i++) {
        const json_t *r = json_array_get(rules, i);
        for (size_t l = 0; l < 4; l++) {
            const json_t *arr = json_object_get(r, proto_lists[l]);
            for (size_t k = 0; k < json_array_size(arr); k++) {
                const char *v = json_string_value(json_array_get(arr, k));
                if (!v)
                    continue;
                char *p = util_asprintf("%s[%zu].%s[%zu]", path, i, proto_lists[l], k);
                problems += proto_element(v, l % 2 == 1, canon, p, e);
                free(p);
            }
        }
        const char *stage = json_string_value(json_object_get(r, "stage"));
        const char *dir = json_string_value(json_object_get(r, "direction"));
        json_int_t prio = json_integer_value(json_object_get(r, "priority"));
        for (size_t j = 0; j < i && stage && dir; j++) {
            const json_t *o = json_array_get(rules, j);
            const char *ostage = json_string_value(json_object_get(o, "stage"));
            const char *odir = json_string_value(json_object_get(o, "direction"));
            if (ostage && odir && strcasecmp(stage, ostage) == 0 && strcasecmp(dir, odir) == 0 &&
                json_integer_value(json_object_get(o, "priority")) == prio) {
                char *p = util_asprintf("%s[%zu].priority", path, i);
                char *other = util_asprintf("%s[%zu]", path, j);
                proto_problem(e, &problems, p,
                              "'%s': another rule of the same stage and direction (%s) has this "
                              "priority; priorities must be unique.",
                              other);
                free(other);
                free(p);
                break;
            }
        }
    }
    return problems;
}

/* A list in canonical text (each element already checked). */
static json_t *proto_list_canonical(const json_t *arr, int ports)
{
    json_t *out = json_array();
    char canon[NSGRULE_TEXT_MAX];
    struct err ignored = {0};
    for (size_t k = 0; k < json_array_size(arr); k++) {
        const char *v = json_string_value(json_array_get(arr, k));
        if (v && proto_element(v, ports, canon, "", &ignored) == 0)
            json_array_append_new(out, json_string(canon));
    }
    err_clear(&ignored);
    return out;
}

/* The rules in canonical form: a new array of new objects. */
static json_t *proto_rules_canonical(const json_t *rules)
{
    json_t *out = json_array();
    size_t n = json_array_size(rules);
    for (size_t i = 0; i < n; i++) {
        const json_t *r = json_array_get(rules, i);
        json_t *c = json_pack(
            "{s:s, s:O, s:O, s:s, s:s, s:s}", "stage",
            proto_canon(proto_stages, json_string_value(json_object_get(r, "stage"))), "name",
            json_object_get(r, "name"), "priority", json_object_get(r, "priority"), "direction",
            proto_canon(proto_directions, json_string_value(json_object_get(r, "direction"))),
            "access", proto_canon(proto_accesses, json_string_value(json_object_get(r, "access"))),
            "protocol",
            proto_canon(proto_protocols, json_string_value(json_object_get(r, "protocol"))));
        for (size_t l = 0; c && l < 4; l++)
            json_object_set_new(c, proto_lists[l],
                                proto_list_canonical(json_object_get(r, proto_lists[l]), l % 2));
        if (!c) {
            json_decref(out);
            return NULL;
        }
        json_array_append_new(out, c);
    }
    return out;
}

static void proto_finish(struct err *e, int problems)
{
    if (problems)
        err_set(e, ERR_INVALID_REQUEST_CONTENT, NULL,
                "The request body is not valid (%d problem%s); see details.", problems,
                problems == 1 ? "" : "s");
}

/* --- the bodies ----------------------------------------------------------------- */

int proto_parse_attach(const json_t *body, struct nic_spec *spec, struct err *e)
{
    struct proto_attach_body b = {0};
    int family = 0, gfamily = 0;
    memset(spec, 0, sizeof(*spec));
    if (!body) {
        err_set(e, ERR_INVALID_REQUEST_CONTENT, NULL,
                "The request body is required: the NIC's vmId, macAddress, ipAddress, "
                "prefixLength, segmentId and policy.");
        return -1;
    }
    int problems = jspec_parse(body, proto_attach_spec, &b, "", JSPEC_STRICT, e);
    if (!json_is_object(body))
        return -1;
    /* The members jspec has vouched for the type of are checked further. */
    if (b.vm_id) {
        if (!proto_uuid_ok(b.vm_id))
            proto_problem(e, &problems, "vmId", "'%s': '%s' is not a UUID.", b.vm_id);
        else
            util_str_lower(memcpy(spec->vm_id, b.vm_id, NIC_ID_LEN)); /* 36 + NUL */
    }
    if (b.mac && proto_mac(b.mac, spec->mac) != 0)
        proto_problem(e, &problems, "macAddress",
                      "'%s': '%s' is not a unicast MAC address like 00-0D-3A-00-00-01.", b.mac);
    if (b.ip && proto_addr(b.ip, spec->ip, &family) != 0)
        proto_problem(e, &problems, "ipAddress", "'%s': '%s' is not an IPv4 or IPv6 address.",
                      b.ip);
    if (family == AF_INET && b.prefix_len > 32)
        proto_problem(e, &problems, "prefixLength", "'%s' must be at most 32 for %s.", spec->ip);
    if (b.gateway) {
        if (proto_addr(b.gateway, spec->gateway, &gfamily) != 0)
            proto_problem(e, &problems, "gateway", "'%s': '%s' is not an IPv4 or IPv6 address.",
                          b.gateway);
        else if (family && gfamily != family)
            proto_problem(e, &problems, "gateway",
                          "'%s' must be of the same address family as ipAddress (%s).", spec->ip);
    }
    if (b.rules)
        problems += proto_rules_check(b.rules, "policy.rules", e);
    if (problems) {
        proto_finish(e, problems);
        memset(spec, 0, sizeof(*spec));
        return -1;
    }
    spec->prefix_len = (unsigned)b.prefix_len;
    spec->segment_id = b.segment_id;
    spec->rate_limit_mbps = b.rate_limit;
    spec->policy_generation = b.generation;
    spec->policy_rules = proto_rules_canonical(b.rules);
    if (!spec->policy_rules) {
        err_set(e, ERR_INTERNAL, NULL, "out of memory");
        return -1;
    }
    return 0;
}

int proto_parse_policy(const json_t *body, long long *generation, json_t **rules, struct err *e)
{
    struct proto_policy_body b = {0};
    *rules = NULL;
    if (!body) {
        err_set(e, ERR_INVALID_REQUEST_CONTENT, NULL,
                "The request body is required: {\"generation\": N, \"rules\": [...]}.");
        return -1;
    }
    int problems = jspec_parse(body, proto_policy_spec, &b, "", JSPEC_STRICT, e);
    if (!json_is_object(body))
        return -1;
    if (b.rules)
        problems += proto_rules_check(b.rules, "rules", e);
    if (problems) {
        proto_finish(e, problems);
        return -1;
    }
    *generation = b.generation;
    *rules = proto_rules_canonical(b.rules);
    if (!*rules) {
        err_set(e, ERR_INTERNAL, NULL, "out of memory");
        return -1;
    }
    return 0;
}

static const struct jspec proto_batch_nic_spec[] = {
    PROTO_V("nicId", JSPEC_T_STRING, JSPEC_REQUIRED),
    PROTO_V("generation", JSPEC_T_INT, JSPEC_REQUIRED, .min = 0, .max = LLONG_MAX),
    PROTO_V("ruleSet", JSPEC_T_INT, JSPEC_REQUIRED, .min = 0, .max = PROTO_MAX_BATCH - 1),
    JSPEC_END};

static const struct jspec proto_batch_spec[] = {
    PROTO_V("ruleSets", JSPEC_T_ARRAY, JSPEC_REQUIRED, .item_type = JSPEC_T_ARRAY, .min_len = 1),
    PROTO_V("nics", JSPEC_T_ARRAY, JSPEC_REQUIRED, .item_type = JSPEC_T_OBJECT,
            .fields = proto_batch_nic_spec, .min_len = 1),
    JSPEC_END};

void proto_batch_free(struct proto_batch *b)
{
    for (size_t i = 0; i < b->nrule_sets; i++)
        json_decref(b->rule_sets[i]);
    free(b->rule_sets);
    free(b->nics);
    memset(b, 0, sizeof(*b));
}

/* One rule set: an array of at most PROTO_MAX_RULES rules, each as in a
 * policy body. Its problems are added to e; returns how many. */
static int proto_rule_set_check(const json_t *set, size_t index, struct err *e)
{
    int problems = 0;
    char *path = util_asprintf("ruleSets[%zu]", index);
    size_t n = json_array_size(set);
    if (n > PROTO_MAX_RULES) {
        err_add_detail(e, ERR_INVALID_REQUEST_CONTENT, path,
                       "'%s' has %zu rules; a policy has at most %d.", path, n, PROTO_MAX_RULES);
        problems++;
    }
    for (size_t i = 0; i < n; i++) {
        char *rpath = util_asprintf("%s[%zu]", path, i);
        problems +=
            jspec_parse(json_array_get(set, i), proto_rule_spec, NULL, rpath, JSPEC_STRICT, e);
        free(rpath);
    }
    problems += proto_rules_check(set, path, e);
    free(path);
    return problems;
}

int proto_parse_batch(const json_t *body, struct proto_batch *b, struct err *e)
{
    int problems = 0;
    memset(b, 0, sizeof(*b));
    if (!body) {
        err_set(e, ERR_INVALID_REQUEST_CONTENT, NULL,
                "The request body is required: {\"ruleSets\": [[<rule>...]...], \"nics\": "
                "[{\"nicId\", \"generation\", \"ruleSet\"}...]}.");
        return -1;
    }
    /* Too many first, alone: a clear answer, not one detail per element. */
    size_t nn = json_array_size(json_object_get(body, "nics"));
    size_t nr = json_array_size(json_object_get(body, "ruleSets"));
    if (nn > PROTO_MAX_BATCH || nr > PROTO_MAX_BATCH) {
        err_set(e, ERR_INVALID_REQUEST_CONTENT, nn > PROTO_MAX_BATCH ? "nics" : "ruleSets",
                "The call carries %zu NICs and %zu rule sets; one call takes at most %d of "
                "each. Split it into several calls.",
                nn, nr, PROTO_MAX_BATCH);
        return -1;
    }
    problems = jspec_parse(body, proto_batch_spec, NULL, "", JSPEC_STRICT, e);
    if (!json_is_object(body))
        return -1;
    const json_t *rule_sets = json_object_get(body, "ruleSets");
    const json_t *nics = json_object_get(body, "nics");
    for (size_t i = 0; i < nr; i++)
        if (json_is_array(json_array_get(rule_sets, i)))
            problems += proto_rule_set_check(json_array_get(rule_sets, i), i, e);
    b->nics = util_xcalloc(nn ? nn : 1, sizeof(*b->nics));
    for (size_t i = 0; i < nn; i++) {
        const json_t *o = json_array_get(nics, i);
        const char *id = json_string_value(json_object_get(o, "nicId"));
        const json_t *gen = json_object_get(o, "generation");
        const json_t *set = json_object_get(o, "ruleSet");
        char *path = NULL;
        if (!json_is_object(o))
            continue;
        if (id && !proto_uuid_ok(id)) {
            path = util_asprintf("nics[%zu].nicId", i);
            proto_problem(e, &problems, path,
                          "'%s': '%s' is not a NIC id: use the NIC's resourceGuid (a UUID).", id);
        } else if (id) {
            struct proto_batch_nic *n = &b->nics[b->nnics];
            snprintf(n->id, sizeof(n->id), "%s", id);
            util_str_lower(n->id);
            for (size_t j = 0; j < b->nnics; j++)
                if (strcmp(b->nics[j].id, n->id) == 0) {
                    path = util_asprintf("nics[%zu].nicId", i);
                    proto_problem(e, &problems, path, "'%s': NIC %s is in the call more than once.",
                                  n->id);
                    break;
                }
            n->generation = json_integer_value(gen);
            n->rule_set = (size_t)json_integer_value(set);
            if (json_is_integer(set) && json_integer_value(set) >= 0 && n->rule_set >= nr) {
                free(path);
                path = util_asprintf("nics[%zu].ruleSet", i);
                char *count = util_asprintf("%zu", nr);
                proto_problem(e, &problems, path,
                              "'%s' must be the index of one of the %s rule sets.", count);
                free(count);
            }
            b->nnics++;
        }
        free(path);
    }
    if (problems) {
        proto_finish(e, problems);
        proto_batch_free(b);
        return -1;
    }
    b->rule_sets = util_xcalloc(nr ? nr : 1, sizeof(*b->rule_sets));
    for (size_t i = 0; i < nr; i++) {
        b->rule_sets[i] = proto_rules_canonical(json_array_get(rule_sets, i));
        if (!b->rule_sets[i]) {
            proto_batch_free(b);
            err_set(e, ERR_INTERNAL, NULL, "out of memory");
            return -1;
        }
        b->nrule_sets = i + 1;
    }
    return 0;
}

/* --- rendering ------------------------------------------------------------------- */

json_t *proto_attach_json(const struct nic_spec *s)
{
    json_t *rules = s->policy_rules ? json_incref(s->policy_rules) : json_array();
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:i, s:I, s:I, s:{s:I, s:o}}", "vmId", s->vm_id, "macAddress",
                  s->mac, "ipAddress", s->ip, "prefixLength", (int)s->prefix_len, "segmentId",
                  (json_int_t)s->segment_id, "rateLimitMbps", (json_int_t)s->rate_limit_mbps,
                  "policy", "generation", (json_int_t)s->policy_generation, "rules", rules);
    if (o && s->gateway[0])
        json_object_set_new(o, "gateway", json_string(s->gateway));
    return o;
}

json_t *proto_nic_json(const struct nic_entry *e)
{
    return json_pack("{s:s, s:s, s:s, s:I, s:{s:s, s:i, s:s, s:s, s:s, s:s, s:s}}", "nicId",
                     e->spec.id, "vmId", e->spec.vm_id, "macAddress", e->spec.mac,
                     "policyGeneration", (json_int_t)e->spec.policy_generation, "vf", "pf",
                     e->vf.pf, "vfIndex", (int)e->vf.index, "pciAddress", e->vf.pci, "representor",
                     e->vf.representor, "driver", e->vf.driver, "vendorId", e->vf.vendor,
                     "deviceId", e->vf.device);
}

/* --- the rules ------------------------------------------------------------------ */

enum proto_generation proto_generation_rule(long long installed, long long offered)
{
    if (offered < installed)
        return PROTO_GEN_OLDER;
    return offered == installed ? PROTO_GEN_EQUAL : PROTO_GEN_NEWER;
}

const char *proto_attach_differs(const struct nic_spec *have, const struct nic_spec *want)
{
    if (strcmp(have->vm_id, want->vm_id) != 0)
        return "vmId";
    if (strcmp(have->mac, want->mac) != 0)
        return "macAddress";
    if (strcmp(have->ip, want->ip) != 0)
        return "ipAddress";
    if (have->prefix_len != want->prefix_len)
        return "prefixLength";
    if (strcmp(have->gateway, want->gateway) != 0)
        return "gateway";
    if (have->segment_id != want->segment_id)
        return "segmentId";
    if (have->rate_limit_mbps != want->rate_limit_mbps)
        return "rateLimitMbps";
    return NULL;
}
