/* arm — the Azure Resource Manager conventions every handler shares: list
 * paging ($top, $skipToken, nextLink), ETag preconditions (If-Match,
 * If-None-Match) and resource names. */
#ifndef ACCELNET_API_ARM_H
#define ACCELNET_API_ARM_H

#include "service/req.h"

#define ARM_TOP_DEFAULT 100
#define ARM_TOP_MAX     1000

struct arm_page {
    long top;    /* page size */
    char *after; /* decoded $skipToken: the key of the last item already seen, or NULL */
};

/* Reads $top and $skipToken. 0, or -1 with a 400 in rp. */
int arm_page_parse(struct req *rq, struct reply *rp, struct arm_page *pg);
void arm_page_free(struct arm_page *pg);
/* Sets "nextLink" on list (an object with "value") to this request's URL
 * with $skipToken = last_key, when more_follow. Every other query argument
 * of the request ($filter, state=...) is kept, so each page lists the same
 * thing. */
void arm_page_finish(const struct req *rq, const struct arm_page *pg, json_t *list, int more_follow,
                     const char *last_key);

/* The JSON of one item of an array of items, and its paging key (the value
 * the list is ordered by; a new string, lower-cased by arm_list_build). */
typedef json_t *(*arm_item_json_fn)(const void *item, const void *ctx);
typedef char *(*arm_item_key_fn)(const void *item);
/* {value, nextLink} from n items of item_size bytes fetched with a limit of
 * pg->top + 1: shows at most pg->top (to_json gets ctx with each), and when
 * more followed, links to the next page from the last one shown. A new
 * reference. */
json_t *arm_list_build(const struct req *rq, const struct arm_page *pg, const void *items, size_t n,
                       size_t item_size, arm_item_json_fn to_json, const void *ctx,
                       arm_item_key_fn key);

/* The GUID path parameter `name` (subscriptionId, tokenId, ...), lower-cased
 * into out. -1 with a 400 in rp when it is not a GUID (InvalidSubscriptionId
 * for subscriptionId, InvalidParameter for the rest). */
int arm_guid_param(struct req *rq, struct reply *rp, const char *name, char out[37]);

/* Checks If-Match / If-None-Match against the resource's current etag (its
 * uuid, NULL when it does not exist). 0 to go on, -1 with 412 in rp. */
int arm_preconditions(const struct req *rq, struct reply *rp, const char *current_etag);
/* The etag value as sent on the wire: W/"<uuid>". */
char *arm_etag(const char *uuid);

/* A parsed ARM resource id:
 * /subscriptions/{sub}/resourceGroups/{rg}/providers/{provider}/{type}/{name}
 * [/{child_type}/{child_name}]. Literal segments are matched
 * case-insensitively; the strings are owned (arm_id_free). */
struct arm_id {
    char subscription[37]; /* lower case */
    char *resource_group;
    char *provider;
    char *type;
    char *name;
    char *child_type; /* NULL for a top-level resource */
    char *child_name;
};
/* 0 on success; -1 when id is not a resource id of that shape. */
int arm_id_parse(const char *id, struct arm_id *out);
void arm_id_free(struct arm_id *id);
/* Checks a reference found in a request body: it must parse, be in
 * subscription sub, and be of provider/type (and child_type, or top-level
 * when child_type is NULL). NULL if fine, else why not (static). */
const char *arm_ref_problem(const char *ref, const char *sub, const char *provider,
                            const char *type, const char *child_type, struct arm_id *out);
/* The full id of a resource (child_type may be NULL). Caller frees. */
char *arm_resource_id(const char *sub, const char *rg, const char *provider, const char *type,
                      const char *name, const char *child_type, const char *child_name);
/* A lower-case key for db_lock_key() naming one resource: the same for every
 * spelling of its id. Caller frees. */
char *arm_lock_key(const char *sub, const char *rg, const char *type, const char *name);

/* ARM name rules for Microsoft.Network resources (virtual networks, subnets,
 * network security groups, security rules, network interfaces, IP
 * configurations): 1-80 characters of letters, digits, '_', '.', '-',
 * starting with a letter or digit, ending with a letter, digit or '_'. NULL
 * if fine, else why not (static). */
const char *arm_network_name_problem(const char *name);

/* ARM's tag rules, for a jspec .check: an object of at most 50 tags, names
 * 1-512 and values up to 256 characters, values strings. NULL if fine. */
const char *arm_tags_problem(const json_t *tags);

/* ARM resource-group name rules: 1-90 of letters, digits, '.', '_', '-',
 * '(', ')', not ending in '.'. NULL if fine, else why not (static). */
const char *arm_rg_name_problem(const char *name);

#endif
