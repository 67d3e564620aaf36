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
 * with $skipToken = last_key, when more_follow. */
void arm_page_finish(const struct req *rq, const struct arm_page *pg, json_t *list, int more_follow,
                     const char *last_key);

/* Checks If-Match / If-None-Match against the resource's current etag (its
 * uuid, NULL when it does not exist). 0 to go on, -1 with 412 in rp. */
int arm_preconditions(const struct req *rq, struct reply *rp, const char *current_etag);
/* The etag value as sent on the wire: W/"<uuid>". */
char *arm_etag(const char *uuid);

/* ARM resource-group name rules: 1-90 of letters, digits, '.', '_', '-',
 * '(', ')', not ending in '.'. NULL if fine, else why not (static). */
const char *arm_rg_name_problem(const char *name);

#endif
