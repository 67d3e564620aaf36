/* network nsg create|show|list|update|delete —
 * .../providers/Microsoft.Network/networkSecurityGroups[/{name}] (api/nsg.c).
 *
 * A group's PUT replaces its rules with the ones it lists: `nsg create` on a
 * group that exists leaves it with none (ARM's create-or-replace), while
 * `nsg update` reads the group and sends it back whole, rules included, with
 * If-Match. The rules themselves are `network nsg rule` (cmd_security_rule.c). */
#include "cli/cmd.h"

#include <stdlib.h>

#include "common/util.h"

static char *nsg_uri(const char *sub, const char *rg, const char *name)
{
    return clireq_uri("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/"
                      "networkSecurityGroups/%s",
                      sub, rg, name);
}

int cli_nsg_create(struct cli_ctx *c)
{
    json_t *tags = NULL, *body = NULL, *out = NULL;
    char *location = NULL, *uri = NULL;
    const char *sub, *rg;
    int rc = cli_sub_rg(c, &sub, &rg);
    if (rc != 0 || (rc = cli_tags(c, &tags)) != 0)
        return rc;
    if ((rc = cli_location(c, sub, rg, &location)) != 0)
        goto out;
    body = clireq_nsg_body(location, tags);
    uri = nsg_uri(sub, rg, cli_arg(c->args, "name"));
    rc = cli_write(c, "PUT", uri, body, NULL, NULL, &out);
    if (rc == 0)
        cli_emit_view(c, out, cliview_nsgs);
out:
    free(location);
    free(uri);
    json_decref(tags);
    json_decref(body);
    json_decref(out);
    return rc;
}

int cli_nsg_show(struct cli_ctx *c)
{
    const char *sub, *rg;
    int rc = cli_sub_rg(c, &sub, &rg);
    if (rc != 0)
        return rc;
    char *uri = nsg_uri(sub, rg, cli_arg(c->args, "name"));
    rc = cli_show(c, uri, cliview_nsgs);
    free(uri);
    return rc;
}

int cli_nsg_list(struct cli_ctx *c)
{
    const char *sub, *rg = c->resource_group.value;
    int rc = cli_sub(c, &sub);
    if (rc != 0)
        return rc;
    char *uri = rg ? clireq_uri("/subscriptions/%s/resourceGroups/%s/providers/"
                                "Microsoft.Network/networkSecurityGroups",
                                sub, rg)
                   : clireq_uri("/subscriptions/%s/providers/Microsoft.Network/"
                                "networkSecurityGroups",
                                sub);
    rc = cli_list_show(c, uri, cliview_nsgs);
    free(uri);
    return rc;
}

int cli_nsg_update(struct cli_ctx *c)
{
    static const char *const flags[] = {"tags", NULL};
    json_t *tags = NULL;
    const char *sub, *rg;
    int rc = cli_sub_rg(c, &sub, &rg);
    if (rc != 0 || (rc = cli_need_one_of(c, flags)) != 0 || (rc = cli_tags(c, &tags)) != 0)
        return rc;
    char *uri = nsg_uri(sub, rg, cli_arg(c->args, "name"));
    rc = cli_update(c, uri, clireq_nsg_apply, tags, cliview_nsgs);
    free(uri);
    json_decref(tags);
    return rc;
}

int cli_nsg_delete(struct cli_ctx *c)
{
    const char *sub, *rg;
    int rc = cli_sub_rg(c, &sub, &rg);
    if (rc != 0)
        return rc;
    char *uri = nsg_uri(sub, rg, cli_arg(c->args, "name"));
    char *what = util_asprintf("network security group '%s' in resource group '%s'",
                               cli_arg(c->args, "name"), rg);
    rc = cli_delete(c, uri, what);
    free(what);
    free(uri);
    return rc;
}
