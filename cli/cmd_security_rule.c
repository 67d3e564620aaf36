/* network nsg rule create|show|list|update|delete —
 * .../networkSecurityGroups/{nsg}/securityRules[/{name}] and, for
 * `list --include-default`, .../defaultSecurityRules (api/security_rule.c).
 *
 * create fills in az's defaults for what is not given (cli/req.h,
 * clireq_rule_body); update reads the rule, changes what its flags name and
 * PUTs it back with If-Match. */
#include "cli/cmd.h"

#include <stdlib.h>

#include "common/util.h"

#define NSG_URI \
    "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/networkSecurityGroups/%s"

static char *rule_uri(const char *sub, const char *rg, const char *nsg, const char *name)
{
    return name ? clireq_uri(NSG_URI "/securityRules/%s", sub, rg, nsg, name)
                : clireq_uri(NSG_URI "/securityRules", sub, rg, nsg);
}

/* The rule flags of the command line. */
static void rule_args(const struct cli_parsed *p, struct clireq_rule_args *a)
{
    static const char *const lists[CLIREQ_RULE_NLISTS] = {
        "source-address-prefixes", "source-port-ranges", "destination-address-prefixes",
        "destination-port-ranges"};
    a->priority = cli_arg(p, "priority");
    a->direction = cli_arg(p, "direction");
    a->access = cli_arg(p, "access");
    a->protocol = cli_arg(p, "protocol");
    a->description = cli_arg(p, "description");
    for (int i = 0; i < CLIREQ_RULE_NLISTS; i++)
        a->lists[i] = cli_arg_list(p, lists[i], &a->nlists[i]);
}

int cli_secrule_create(struct cli_ctx *c)
{
    const struct cli_parsed *p = c->args;
    struct clireq_rule_args a = {0};
    json_t *body = NULL, *out = NULL;
    char *err = NULL;
    const char *sub, *rg;
    int rc = cli_sub_rg(c, &sub, &rg);
    if (rc != 0)
        return rc;
    rule_args(p, &a);
    body = clireq_rule_body(&a, NULL, &err);
    if (!body) {
        rc = cli_usage_error(c, "%s", err);
        free(err);
        return rc;
    }
    char *uri = rule_uri(sub, rg, cli_arg(p, "nsg-name"), cli_arg(p, "name"));
    rc = cli_write(c, "PUT", uri, body, NULL, NULL, &out);
    if (rc == 0)
        cli_emit_view(c, out, cliview_rules);
    free(uri);
    json_decref(body);
    json_decref(out);
    return rc;
}

int cli_secrule_show(struct cli_ctx *c)
{
    const char *sub, *rg;
    int rc = cli_sub_rg(c, &sub, &rg);
    if (rc != 0)
        return rc;
    char *uri = rule_uri(sub, rg, cli_arg(c->args, "nsg-name"), cli_arg(c->args, "name"));
    rc = cli_show(c, uri, cliview_rules);
    free(uri);
    return rc;
}

int cli_secrule_list(struct cli_ctx *c)
{
    json_t *out = NULL, *defaults = NULL;
    const char *sub, *rg;
    int rc = cli_sub_rg(c, &sub, &rg);
    if (rc != 0)
        return rc;
    const char *nsg = cli_arg(c->args, "nsg-name");
    char *uri = rule_uri(sub, rg, nsg, NULL);
    rc = cli_list(c, uri, &out);
    free(uri);
    if (rc == 0 && cli_arg_given(c->args, "include-default")) {
        /* The group's own rules, then Azure's six default ones. */
        uri = clireq_uri(NSG_URI "/defaultSecurityRules", sub, rg, nsg);
        rc = cli_list(c, uri, &defaults);
        free(uri);
        if (rc == 0)
            json_array_extend(json_object_get(out, "value"), json_object_get(defaults, "value"));
    }
    if (rc == 0)
        cli_emit_view(c, out, cliview_rules);
    json_decref(out);
    json_decref(defaults);
    return rc;
}

int cli_secrule_update(struct cli_ctx *c)
{
    static const char *const flags[] = {"priority",
                                        "direction",
                                        "access",
                                        "protocol",
                                        "description",
                                        "source-address-prefixes",
                                        "source-port-ranges",
                                        "destination-address-prefixes",
                                        "destination-port-ranges",
                                        NULL};
    struct clireq_rule_args a = {0};
    const char *sub, *rg;
    int rc = cli_sub_rg(c, &sub, &rg);
    if (rc != 0 || (rc = cli_need_one_of(c, flags)) != 0)
        return rc;
    rule_args(c->args, &a);
    char *uri = rule_uri(sub, rg, cli_arg(c->args, "nsg-name"), cli_arg(c->args, "name"));
    rc = cli_update(c, uri, clireq_rule_apply, &a, cliview_rules);
    free(uri);
    return rc;
}

int cli_secrule_delete(struct cli_ctx *c)
{
    const char *sub, *rg;
    int rc = cli_sub_rg(c, &sub, &rg);
    if (rc != 0)
        return rc;
    const char *nsg = cli_arg(c->args, "nsg-name"), *name = cli_arg(c->args, "name");
    char *uri = rule_uri(sub, rg, nsg, name);
    char *what = util_asprintf("security rule '%s' in network security group '%s' of resource "
                               "group '%s'",
                               name, nsg, rg);
    rc = cli_delete(c, uri, what);
    free(what);
    free(uri);
    return rc;
}
