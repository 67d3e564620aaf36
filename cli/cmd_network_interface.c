/* network nic create|show|list|update|delete —
 * .../providers/Microsoft.Network/networkInterfaces[/{name}]
 * (api/network_interface.c).
 *
 * Accelerated networking is chosen when a NIC is created. `nic update
 * --accelerated-networking` still sends the change, like any other, and
 * shows the server's answer: on an existing NIC a refusal
 * (AcceleratedNetworkingCannotBeChangedOnExistingNic, exit 4), never hidden
 * or pre-empted here, so that what the server allows stays its decision.
 */
#include "cli/cmd.h"

#include <stdlib.h>

#include "common/util.h"

#define NET "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network"

static char *nic_uri(const char *sub, const char *rg, const char *name)
{
    return clireq_uri(NET "/networkInterfaces/%s", sub, rg, name);
}

int cli_nic_create(struct cli_ctx *c)
{
    const struct cli_parsed *p = c->args;
    json_t *tags = NULL, *body = NULL, *out = NULL;
    char *err = NULL, *uri = NULL, *location = NULL, *subnet = NULL, *nsg = NULL;
    const char *sub, *rg;
    int rc = cli_sub_rg(c, &sub, &rg);
    if (rc != 0 || (rc = cli_tags(c, &tags)) != 0)
        return rc;
    subnet = clireq_subnet_id(sub, rg, cli_arg(p, "vnet-name"), cli_arg(p, "subnet"), &err);
    if (!subnet) {
        rc = cli_usage_error(c, "%s", err);
        goto out;
    }
    nsg = cli_nsg_arg(c, sub, rg);
    struct clireq_nic_args a = {.location = "",
                                .subnet_id = subnet,
                                .private_ip = cli_arg(p, "private-ip-address"),
                                .nsg_id = nsg && *nsg ? nsg : NULL,
                                .accelerated_networking = cli_arg(p, "accelerated-networking"),
                                .ip_forwarding = cli_arg(p, "ip-forwarding"),
                                .tags = tags};
    body = clireq_nic_body(&a, &err);
    if (!body) {
        rc = cli_usage_error(c, "%s", err);
        goto out;
    }
    if ((rc = cli_location(c, sub, rg, &location)) != 0)
        goto out;
    json_object_set_new(body, "location", json_string(location));
    uri = nic_uri(sub, rg, cli_arg(p, "name"));
    rc = cli_call(c, "PUT", uri, body, 0, NULL, &out);
    if (rc == 0)
        cli_emit_view(c, out, cliview_nics);
out:
    free(err);
    free(uri);
    free(location);
    free(subnet);
    free(nsg);
    json_decref(tags);
    json_decref(body);
    json_decref(out);
    return rc;
}

int cli_nic_show(struct cli_ctx *c)
{
    const char *sub, *rg;
    int rc = cli_sub_rg(c, &sub, &rg);
    if (rc != 0)
        return rc;
    char *uri = nic_uri(sub, rg, cli_arg(c->args, "name"));
    rc = cli_show(c, uri, cliview_nics);
    free(uri);
    return rc;
}

/* POST .../effectiveNetworkSecurityGroups: the rules in force on the NIC
 * (its subnet's group, then its own), and what its host agent has installed. */
int cli_nic_show_effective_nsg(struct cli_ctx *c)
{
    const char *sub, *rg;
    json_t *out = NULL;
    int rc = cli_sub_rg(c, &sub, &rg);
    if (rc != 0)
        return rc;
    char *nic = nic_uri(sub, rg, cli_arg(c->args, "name"));
    char *uri = util_asprintf("%s/effectiveNetworkSecurityGroups", nic);
    rc = cli_call(c, "POST", uri, NULL, 0, NULL, &out);
    if (rc == 0)
        cli_emit(c, out);
    json_decref(out);
    free(uri);
    free(nic);
    return rc;
}

int cli_nic_list(struct cli_ctx *c)
{
    const char *sub, *rg = c->resource_group.value;
    int rc = cli_sub(c, &sub);
    if (rc != 0)
        return rc;
    char *uri =
        rg ? clireq_uri(NET "/networkInterfaces", sub, rg)
           : clireq_uri("/subscriptions/%s/providers/Microsoft.Network/networkInterfaces", sub);
    rc = cli_list_show(c, uri, cliview_nics);
    free(uri);
    return rc;
}

int cli_nic_update(struct cli_ctx *c)
{
    static const char *const flags[] = {"accelerated-networking", "ip-forwarding", "nsg", "tags",
                                        NULL};
    const struct cli_parsed *p = c->args;
    json_t *tags = NULL;
    const char *sub, *rg;
    int rc = cli_sub_rg(c, &sub, &rg);
    if (rc != 0 || (rc = cli_need_one_of(c, flags)) != 0 || (rc = cli_tags(c, &tags)) != 0)
        return rc;
    char *nsg = cli_nsg_arg(c, sub, rg);
    struct clireq_nic_args a = {.nsg_id = nsg,
                                .accelerated_networking = cli_arg(p, "accelerated-networking"),
                                .ip_forwarding = cli_arg(p, "ip-forwarding"),
                                .tags = tags};
    char *uri = nic_uri(sub, rg, cli_arg(p, "name"));
    rc = cli_update(c, uri, clireq_nic_apply, &a, cliview_nics);
    free(uri);
    free(nsg);
    json_decref(tags);
    return rc;
}

int cli_nic_delete(struct cli_ctx *c)
{
    const char *sub, *rg;
    int rc = cli_sub_rg(c, &sub, &rg);
    if (rc != 0)
        return rc;
    char *uri = nic_uri(sub, rg, cli_arg(c->args, "name"));
    char *what = util_asprintf("network interface '%s' in resource group '%s'",
                               cli_arg(c->args, "name"), rg);
    rc = cli_delete(c, uri, what);
    free(what);
    free(uri);
    return rc;
}
