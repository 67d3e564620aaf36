/* req — the pure half of turning command-line arguments into API requests:
 * URIs with their parameters escaped, image references, tags, request bodies,
 * the read-merge-write of the `set`/`update`/`define` commands, and list
 * paging. No I/O (the handlers in cmd_*.c do that); unit-tested in
 * tests/unit/test_cli_req.c. */
#ifndef ACCELNET_CLI_REQ_H
#define ACCELNET_CLI_REQ_H

#include <jansson.h>
#include <stddef.h>

/* A URI from fmt, where each "%s" is replaced by the next argument
 * percent-encoded as one path segment or query value (clihttp_escape), so a
 * name can never add a segment or a query. "%%" is a '%'; no other
 * conversion is allowed. Owned. */
char *clireq_uri(const char *fmt, ...);

/* An image reference from the command line, "PUBLISHER:OFFER:SKU[:VERSION]"
 * (az's URN form). Every part is non-empty and has no white space or control
 * character; the server judges the rest. Owned strings; version is NULL when
 * not given. */
struct clireq_image {
    char *publisher, *offer, *sku, *version;
};
/* 0, or -1 with *err (owned) saying what is wrong with s. out is left zeroed
 * on failure. */
int clireq_image_parse(const char *s, struct clireq_image *out, char **err);
/* "publisher:offer:sku" (no version); owned. */
char *clireq_image_key(const struct clireq_image *im);
void clireq_image_free(struct clireq_image *im);

/* --tags k=v ...: a JSON object (new reference). "k" alone and "k=" are the
 * empty value; a single "" gives {} (removes every tag, as in az). NULL with
 * *err (owned) for an empty name or a name given twice. */
json_t *clireq_tags(const char *const *items, size_t n, char **err);

/* The check-eligibility body: {"vmSize", "imageReference": {"publisher",
 * "offer", "sku"[, "version"]}}. New reference. */
json_t *clireq_elig_body(const char *vm_size, const struct clireq_image *im);

/* The feature register body: {"properties": {"description": intended_use}},
 * or NULL (no body) when intended_use is NULL. */
json_t *clireq_feature_register_body(const char *intended_use);

/* The subscription id for `admin subscription create`: given (checked to be
 * a GUID, lower-cased), or a new random version 4 GUID when given is NULL.
 * 0, or -1 with *err (owned). */
int clireq_subscription_id(const char *given, char out[37], char **err);

/* The skus list of a subscription, with $filter=location eq '<location>'
 * when location is not NULL. Owned. */
char *clireq_skus_uri(const char *sub, const char *location);

/* --- read, merge, write -----------------------------------------------------
 *
 * The `set` (catalogue), `update` (subscription) and `define` (feature)
 * commands change only what their flags name: the handler reads the entry
 * (NULL when it does not exist yet), merges the given flags over it and PUTs
 * the result. A field's value on the command line is text; "" for an
 * optional string removes the member. A required field has to come from the
 * command line or from the current entry. */
enum clireq_type { CLIREQ_STRING, CLIREQ_BOOL, CLIREQ_INT };

struct clireq_field {
    const char *flag;   /* "display-name" (for messages) */
    const char *member; /* "displayName" */
    enum clireq_type type;
    int required; /* the body must have it */
};

/* values[i] is the text given for fields[i], or NULL. Returns the body (new
 * reference), or NULL with *err (owned): nothing given at all (when
 * current != NULL: there is nothing to change), a required field missing
 * from both, or a value that is not of its type ("true"/"false", a whole
 * number). */
json_t *clireq_merge(const struct clireq_field *fields, size_t n, const char *const *values,
                     const json_t *current, char **err);

/* --- network resources (cli/req_net.c) --------------------------------------
 *
 * The bodies of the `network vnet|nsg|nic` commands, in the shapes of
 * api/virtual_network.c, api/nsg.c, api/security_rule.c and
 * api/network_interface.c, and the changes the `update` commands make to a
 * resource as read (cli_update() PUTs it back with If-Match). A flag that
 * was not given is NULL (or a list of 0); the server judges the values
 * (prefixes, addresses, names), so that its codes reach the user. */

#define CLIREQ_NET_PROVIDER "Microsoft.Network"

/* The id of a resource named on the command line: name_or_id as it is when
 * it is an id (starts with '/'), else /subscriptions/{sub}/resourceGroups/
 * {rg}/providers/Microsoft.Network/{type}/{name}. Owned. */
char *clireq_net_id(const char *sub, const char *rg, const char *type, const char *name_or_id);
/* A subnet's id: an id as it is; a name needs vnet (the --vnet-name), else
 * NULL with *err (owned). */
char *clireq_subnet_id(const char *sub, const char *rg, const char *vnet, const char *name_or_id,
                       char **err);

/* The address prefix az gives a VNet's first subnet when none is named: the
 * first /24 of the space's first prefix (the prefix itself when it is
 * smaller). NULL with *err (owned) when that prefix is not IPv4 CIDR. */
char *clireq_default_subnet_prefix(const char *space_prefix, char **err);

struct clireq_vnet_args {
    const char *location;
    const char *const *prefixes; /* the address space; none: 10.0.0.0/16, as in az */
    size_t nprefixes;
    const char *subnet_name; /* NULL: no subnet */
    const char *const *subnet_prefixes;
    size_t nsubnet_prefixes;
    const json_t *tags; /* NULL: none */
};
/* {"location", "tags", "properties": {"addressSpace": {"addressPrefixes"},
 * "subnets": [{"name", "properties": {"addressPrefix"}}]}}. NULL with *err
 * (owned) for --subnet-prefixes without --subnet-name or with more than one
 * prefix (a subnet has one here). */
json_t *clireq_vnet_body(const struct clireq_vnet_args *a, char **err);

/* `vnet update` over the VNet as read. */
struct clireq_vnet_update {
    const char *const *prefixes; /* n > 0: the new address space */
    size_t nprefixes;
    const json_t *tags; /* non-NULL: the new tags */
};
int clireq_vnet_apply(json_t *vnet, void *update /* struct clireq_vnet_update */, char **err);

/* A subnet PUT: {"properties": {"addressPrefix"[, "networkSecurityGroup":
 * {"id"}]}}. nsg_id may be NULL. */
json_t *clireq_subnet_body(const char *prefix, const char *nsg_id);
/* `subnet update` over the subnet as read: prefix (NULL: kept), nsg_id
 * (NULL: kept, "": removed). */
struct clireq_subnet_update {
    const char *prefix;
    const char *nsg_id;
};
int clireq_subnet_apply(json_t *subnet, void *update /* struct clireq_subnet_update */, char **err);
/* --address-prefix and --address-prefixes: the one prefix a subnet has
 * here (borrowed), or NULL with *err (owned): neither (when required), both,
 * or several. */
const char *clireq_subnet_prefix_arg(const char *single, const char *const *list, size_t n,
                                     int required, char **err);

/* An NSG PUT: {"location", "tags"} (no rules: a PUT replaces the set). */
json_t *clireq_nsg_body(const char *location, const json_t *tags);
/* `nsg update`: new tags (the rules, read with the group, go back as they
 * are). */
int clireq_nsg_apply(json_t *nsg, void *tags /* const json_t */, char **err);

/* The four lists of a security rule, in this order. */
enum {
    CLIREQ_RULE_SRC_ADDR,
    CLIREQ_RULE_SRC_PORTS,
    CLIREQ_RULE_DST_ADDR,
    CLIREQ_RULE_DST_PORTS,
    CLIREQ_RULE_NLISTS
};
struct clireq_rule_args {
    const char *priority, *direction, *access, *protocol;
    const char *description; /* "" removes it */
    const char *const *lists[CLIREQ_RULE_NLISTS];
    size_t nlists[CLIREQ_RULE_NLISTS]; /* 0: not given */
};
/* A security rule PUT, {"properties": {...}}: the properties of current
 * (a rule as read; NULL for a new rule, which gets az's defaults: access
 * Allow, direction Inbound, protocol "*", source and destination address "*",
 * source port "*", destination port 80) with what a gives over them. One
 * value of a list goes in the singular member (sourceAddressPrefix), several
 * in the plural one (sourceAddressPrefixes), as ARM wants. NULL with *err
 * (owned) when a new rule has no priority or the priority is not a number. */
json_t *clireq_rule_body(const struct clireq_rule_args *a, const json_t *current, char **err);
/* `nsg rule update`: the rule as read becomes {"properties": merged}. */
int clireq_rule_apply(json_t *rule, void *args /* struct clireq_rule_args */, char **err);
/* The values of list i of a rule's properties (singular or plural member),
 * as a new array of strings. */
json_t *clireq_rule_list(const json_t *properties, int i);

struct clireq_nic_args {
    const char *location;
    const char *subnet_id;
    const char *private_ip;             /* NULL: Dynamic; else Static with this address */
    const char *nsg_id;                 /* create: NULL none; update: NULL kept, "" removed */
    const char *accelerated_networking; /* "true" | "false" | NULL (not sent / kept) */
    const char *ip_forwarding;          /* "true" | "false" | NULL */
    const json_t *tags;                 /* NULL: none / kept */
};
/* A NIC PUT: {"location", "tags", "properties": {"ipConfigurations":
 * [{"name": "ipconfig1", "properties": {"subnet": {"id"},
 * "privateIPAllocationMethod"[, "privateIPAddress"]}}][,
 * "networkSecurityGroup"][, "enableAcceleratedNetworking"][,
 * "enableIPForwarding"]}}. NULL with *err (owned) for a value that is not
 * true or false. */
json_t *clireq_nic_body(const struct clireq_nic_args *a, char **err);
/* `nic update` over the NIC as read: accelerated_networking, ip_forwarding,
 * nsg_id and tags (location, subnet and address are not used). A change of
 * enableAcceleratedNetworking is sent like any other: the server decides
 * (and refuses it on an existing NIC). */
int clireq_nic_apply(json_t *nic, void *args /* struct clireq_nic_args */, char **err);

/* --- lists ------------------------------------------------------------------ */

/* Appends the items of page's "value" array to acc's "value" array (acc is
 * {"value": [...]}). Returns page's "nextLink" (borrowed from page) when it is
 * a non-empty string, else NULL. -1 in *bad when page is not a list. */
const char *clireq_list_append(json_t *acc, const json_t *page, int *bad);

/* --- virtual machines and long-running operations (cli/req_vm.c) ------------ */

#define CLIREQ_COMPUTE_PROVIDER "Microsoft.Compute"

struct clireq_vm_args {
    const char *location;
    const char *vm_size;
    const struct clireq_image *image;
    const char *admin_username;
    const char *admin_password; /* NULL: not sent */
    const char *const *nic_ids; /* full ids; the first is the primary */
    size_t nnics;
    const json_t *tags; /* NULL: none */
};
/* A VM PUT: {"location", "tags", "properties": {"hardwareProfile":
 * {"vmSize"}, "storageProfile": {"imageReference": {"publisher", "offer",
 * "sku"[, "version"]}}, "osProfile": {"computerName": name, "adminUsername"[,
 * "adminPassword"]}, "networkProfile": {"networkInterfaces": [{"id",
 * "properties": {"primary"}}]}}}. NULL with *err (owned) when there is no
 * NIC. */
json_t *clireq_vm_body(const char *name, const struct clireq_vm_args *a, char **err);

/* The path (and query) of an operation URL the service sent back
 * (Azure-AsyncOperation or Location, absolute): what follows
 * "scheme://host[:port]", so that it is asked of the service the CLI is
 * configured for, the token never going anywhere else. A path is returned as
 * it is. NULL when url has no path. Owned. */
char *clireq_op_path(const char *url);

/* Retry-After as a delay in milliseconds: whole seconds (the only form the
 * service sends; an HTTP date is not honoured), clamped to [min_ms, max_ms];
 * def_ms when absent or unreadable. */
long clireq_retry_after_ms(const char *header, long def_ms, long min_ms, long max_ms);

/* What one poll of an operation says. */
enum clireq_op_state {
    CLIREQ_OP_RUNNING,   /* InProgress (or another non-terminal status): poll again */
    CLIREQ_OP_SUCCEEDED, /* Succeeded */
    CLIREQ_OP_FAILED,    /* Failed or Canceled */
    CLIREQ_OP_BAD,       /* not an operation: no "status" string */
};
/* The state of an operation status document ({"status", "error": {"code",
 * "message"}}); for Failed/Canceled *code and *message (borrowed from op, or
 * a default) say why. code and message may be NULL. */
enum clireq_op_state clireq_op_state(const json_t *op, const char **code, const char **message);

/* The progress line of a wait: "<what>: <status> (<elapsed>s)", e.g.
 * "Creating vm1: InProgress (12s)". Owned. */
char *clireq_op_progress(const char *what, const char *status, long elapsed_ms);

/* The exit code of a failed operation by its error code: refusals (the
 * request cannot be met as it is: AllocationFailed, NoFreeVirtualFunction,
 * VirtualFunctionAttachFailed, the eligibility codes, Conflict, Canceled,
 * ...) exit 4 (CLI_EXIT_REFUSED), like a 4xx; the service's own failures
 * (InternalServerError, a code ending in "Unavailable" such as
 * HostAgentUnavailable, or no code at all) exit 1, like a 5xx. */
int clireq_op_exit_code(const char *code);

/* The waiting loop of a long-running command, with its I/O given as
 * callbacks so that it is unit-tested: poll the operation, report progress,
 * sleep what Retry-After says (clamped), until Succeeded or Failed. */
struct clireq_waiter {
    /* GET the operation: 0 with *op (a new reference) and *retry_after (the
     * header, owned, or NULL); else an exit code (the error printed). */
    int (*poll)(void *arg, json_t **op, char **retry_after);
    void (*sleep_ms)(void *arg, long ms);
    long long (*now_ms)(void *arg);
    /* A progress line (clireq_op_progress); changed: the status differs from
     * the previous poll's (or it is the first). */
    void (*progress)(void *arg, const char *line, int changed);
    void *arg;
    const char *what;                /* "Creating vm1" */
    long default_ms, min_ms, max_ms; /* poll interval without / bounds of Retry-After */
    long timeout_ms;                 /* 0: wait for ever */
};
/* 0 when the operation Succeeded; CLIREQ_WAIT_FAILED when it Failed (or was
 * Canceled): *op is the operation (a new reference) for its error; else an
 * exit code: a poll's, or CLI_EXIT_ERROR with *why (owned) for an answer
 * that is not an operation or a timeout. *op is NULL unless returned. */
#define CLIREQ_WAIT_FAILED (-1)
int clireq_wait(const struct clireq_waiter *w, json_t **op, char **why);

#endif
