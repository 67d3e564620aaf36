/* netres — what the virtual network and network interface handlers share:
 * path parameters, tags, references by id ({"id": ...}), the error for a
 * body with several problems, lock keys and the ARM "not found" answers.
 *
 * References: a member such as properties.networkSecurityGroup or
 * properties.ipConfigurations[].properties.subnet is an object of which only
 * "id" is read. Clients often pass back a whole resource they read (the SDK
 * serializes every writable member of it), so the other members are accepted
 * and ignored, as ARM does. */
#ifndef ACCELNET_API_NETRES_H
#define ACCELNET_API_NETRES_H

#include <jansson.h>

#include "api/arm.h"
#include "common/error.h"
#include "common/jspec.h"
#include "db/db.h"
#include "service/req.h"

#define NETRES_PROVIDER "Microsoft.Network"
#define NETRES_MAX_TAGS 50

/* A body member that is read-only (sent back from a GET): its type is
 * checked, its value ignored. */
#define NETRES_IGNORED(n, t)                                                           \
    {                                                                                  \
        .name = (n), .type = (t), .offset = JSPEC__NONE, .present_offset = JSPEC__NONE \
    }

const char *netres_ref_object_problem(const json_t *v);
/* The "id" of a reference object (borrowed), or NULL. */
const char *netres_ref_id(const json_t *ref);

/* Path parameters. The resource group name (ARM's rules), or a network
 * resource name (arm_network_name_problem) of parameter `param`, `what` naming
 * it in the message ("virtual network"). NULL with a 400
 * InvalidResourceName in rp when bad. */
const char *netres_rg_param(struct req *rq, struct reply *rp);
const char *netres_name_param(struct req *rq, struct reply *rp, const char *param,
                              const char *what);

/* Gives e its top-level error from its details: a single problem becomes the
 * error itself; several keep the first code that is not
 * InvalidRequestContent (else InvalidRequestContent) and a count. Nothing
 * when e has no details. */
void netres_err_finish(struct err *e);

/* db_lock_key() on the resource: arm_lock_key(sub, rg,
 * "Microsoft.Network/<type>", name), name being "vnet/subnets/subnet" for a
 * subnet. */
enum db_status netres_lock(struct db_conn *c, const char *sub, const char *rg, const char *type,
                           const char *name);
/* The key netres_lock() would take (caller frees). */
char *netres_lock_key(const char *sub, const char *rg, const char *type, const char *name);
/* Sorts keys[0..n) and locks each distinct one in that order: whoever takes
 * several locks of one kind takes them sorted, so two writers cannot wait
 * for each other. */
enum db_status netres_lock_all(struct db_conn *c, char **keys, size_t n);

/* 404 ResourceNotFound: "The Resource 'Microsoft.Network/<what>' under
 * resource group '<rg>' was not found.", what being "<type>/<name>" (or
 * "virtualNetworks/<vnet>/subnets/<name>"). */
void netres_not_found(struct reply *rp, const char *what, const char *rg);
/* 404 ResourceGroupNotFound. */
void netres_rg_not_found(struct reply *rp, const char *rg);

/* Merges a tags patch (RFC 7386: a string sets, null removes; a null patch
 * removes every tag) into the JSON object text `tags`. A new reference. */
json_t *netres_tags_merge(const char *tags, const json_t *patch);

/* A list of one resource type at resource-group scope (rg) or subscription
 * scope (rg NULL), ordered by (resource group, name). The type supplies: */
struct netres_lister {
    /* the fetch of at most limit items after (after_rg, after_name), kept in
     * self, with *n set; it may load more on c for the first `shown` ones; */
    enum db_status (*fetch)(struct db_conn *c, void *self, const char *sub, const char *rg,
                            const char *after_rg, const char *after_name, long limit,
                            size_t shown_max, size_t *n);
    /* the JSON of item i (a new reference) and its resource group and name; */
    json_t *(*item_json)(const struct req *rq, void *self, size_t i);
    void (*item_names)(void *self, size_t i, const char **rg, const char **name);
    /* and freeing what fetch kept (n items). */
    void (*release)(void *self, size_t n);
};
/* The whole GET of a list: $top/$skipToken, 404 ResourceGroupNotFound for a
 * missing group, {value, nextLink}. */
void netres_list_reply(struct req *rq, struct reply *rp, const char *rg,
                       const struct netres_lister *l, void *self);

/* Pages: the skip key "rg_key/lower(name)" split into its two halves (both
 * owned), or both NULL. -1 when the key has no '/'. */
int netres_page_key(const char *after, char **rg_key, char **name_key);
/* "lower(rg)/lower(name)"; caller frees. */
char *netres_page_key_make(const char *rg, const char *name);

#endif
