/* route — matching a method and path against a route table.
 *
 * Patterns are literal segments and {params}: "/admin/tokens/{tokenId}".
 * The path is the raw one from the request line: it is split on '/' and
 * each segment percent-decoded after, so an encoded slash stays in its
 * segment. Literal segments match case-insensitively (ARM treats "resourceGroups",
 * "providers", "Microsoft.Network" and type names that way); parameters keep
 * the case the client sent. One trailing slash is ignored. */
#ifndef ACCELNET_SERVICE_ROUTE_H
#define ACCELNET_SERVICE_ROUTE_H

#include <stddef.h>

#define ROUTE_MAX_PARAMS   12
#define ROUTE_MAX_SEGMENTS 24

struct req;
struct reply;
typedef void (*route_handler)(struct req *rq, struct reply *rp);

/* Who may call a route. */
enum route_auth {
    AUTH_PUBLIC,       /* no token needed */
    AUTH_ADMIN,        /* admin tokens only */
    AUTH_AGENT,        /* host-agent tokens (and admin) */
    AUTH_SUBSCRIPTION, /* admin, or a user token of the {subscriptionId} in the path */
    AUTH_TENANT,       /* admin, or any user token (the handler shows only what it may see) */
};

enum route_flags {
    ROUTE_NO_API_VERSION = 1, /* probes and metrics: no api-version parameter */
    ROUTE_READ = 2,           /* a POST that only reads (allowed on disabled subscriptions) */
};

struct route {
    const char *method;
    const char *pattern;
    route_handler handler;
    enum route_auth auth;
    unsigned flags;
};

enum route_result { ROUTE_FOUND, ROUTE_NO_PATH, ROUTE_NO_METHOD };

struct route_match {
    const struct route *route;
    size_t index; /* into the table */
    size_t nparams;
    const char *names[ROUTE_MAX_PARAMS]; /* pointers into the pattern (not terminated) */
    size_t name_lens[ROUTE_MAX_PARAMS];
    char *values[ROUTE_MAX_PARAMS]; /* owned; route_match_free() */
    char allow[128];                /* on ROUTE_NO_METHOD: "GET, PUT" */
};

enum route_result route_find(const struct route *table, size_t n, const char *method,
                             const char *path, struct route_match *m);
void route_match_free(struct route_match *m);
/* The value of parameter `name`, or NULL. */
const char *route_param(const struct route_match *m, const char *name);

#endif
