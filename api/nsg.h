/* nsg — what the network security group handlers (api/nsg.c) and the
 * security rule handlers (api/security_rule.c) share: path names, the JSON
 * of groups and rules, errors, lock keys. */
#ifndef ACCELNET_API_NSG_H
#define ACCELNET_API_NSG_H

#include "db/nsg.h"
#include "service/req.h"

#define NSG_PROVIDER "Microsoft.Network"
#define NSG_TYPE     "networkSecurityGroups"
#define NSG_RTYPE    "Microsoft.Network/networkSecurityGroups"

/* The names in a request's path, checked. */
struct nsg_names {
    const char *sub;
    const char *rg;
    const char *nsg;  /* NULL for lists */
    const char *rule; /* {securityRuleName} or {defaultSecurityRuleName}, when the route has one */
};
/* Reads {subscriptionId}, {resourceGroupName} (when the route has it),
 * {networkSecurityGroupName} and a rule name (when want_*), checking the
 * names against ARM's rules. 0, or -1 with 400 InvalidResourceName in rp. */
int nsg_names_get(struct req *rq, struct reply *rp, int want_nsg, const char *rule_param,
                  struct nsg_names *out);

/* The lock key of group `name` (db_lock_key): every write to a group, its
 * rules, or what refers to it takes it first. Caller frees. */
char *nsg_lock_key(const char *sub, const char *rg, const char *name);
/* The group's ARM id (caller frees). */
char *nsg_resource_id(const char *sub, const char *rg, const char *name);
/* A change started a policy.push (db/policy.h): the body says
 * provisioningState Updating and rp gets the operation's headers. */
void nsg_mark_updating(const struct req *rq, struct reply *rp, json_t *body, const char *sub,
                       const char *location, const char *op_id);

/* Everything a group's body shows. */
struct nsg_view {
    struct db_nsg nsg;
    struct db_secrule *rules;
    size_t nrules;
    struct db_nsg_refs refs;
};
void nsg_view_free(struct nsg_view *v);
/* Loads v->nsg (case-insensitive name) with its rules and references.
 * DB_NOT_FOUND when there is no such group. */
enum db_status nsg_view_load(struct db_conn *c, const char *sub, const char *rg, const char *name,
                             struct nsg_view *v);

/* Makes the transaction a consistent read-only snapshot (the first
 * statement in a db_tx function), so that a group, its rules and its etag
 * are read as of one moment. */
enum db_status nsg_snapshot(struct db_conn *c);

/* The ARM JSON of a group; rules and refs may hold other groups' too (only
 * those of n->id are shown). New reference. */
json_t *nsg_json(const struct db_nsg *n, const struct db_secrule *rules, size_t nrules,
                 const struct db_nsg_refs *refs);
json_t *nsg_rule_json(const struct db_nsg *n, const struct db_secrule *r);
json_t *nsg_default_rule_json(const struct db_nsg *n, const struct nsgrule *r);

/* 404s: ResourceGroupNotFound, ResourceNotFound (the group) and
 * ParentResourceNotFound (a child of a group that does not exist). */
void nsg_reply_rg_not_found(struct reply *rp, const char *rg);
void nsg_reply_not_found(struct reply *rp, const char *rg, const char *name);
void nsg_reply_parent_not_found(struct reply *rp, const char *rg, const char *name);

/* After body validation with problems: the top-level error is the code all
 * details share, or InvalidRequestContent when they differ. */
void nsg_err_finish(struct err *e);

#endif
