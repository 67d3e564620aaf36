/* network vnet create|show|list|update|delete and
 * network vnet subnet create|show|list|update|delete —
 * .../providers/Microsoft.Network/virtualNetworks[/{name}[/subnets[/{name}]]]
 * (api/virtual_network.c).
 *
 * A VNet PUT replaces its subnets with the ones it lists, so `vnet update`
 * reads the VNet and sends it back whole (its subnets included) with
 * If-Match; subnets are changed one by one through their own route. */
#include "cli/cmd.h"

#include <stdlib.h>

#include "common/util.h"

#define NET "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network"

static char *vnet_uri(const char *sub, const char *rg, const char *name)
{
    return clireq_uri(NET "/virtualNetworks/%s", sub, rg, name);
}

static char *subnet_uri(const char *sub, const char *rg, const char *vnet, const char *name)
{
    return name ? clireq_uri(NET "/virtualNetworks/%s/subnets/%s", sub, rg, vnet, name)
                : clireq_uri(NET "/virtualNetworks/%s/subnets", sub, rg, vnet);
}

/* --- virtual networks ----------------------------------------------------------- */

int cli_vnet_create(struct cli_ctx *c)
{
    const struct cli_parsed *p = c->args;
    json_t *tags = NULL, *body = NULL, *out = NULL;
    char *err = NULL, *uri = NULL, *location = NULL;
    const char *sub, *rg;
    int rc = cli_sub_rg(c, &sub, &rg);
    if (rc != 0 || (rc = cli_tags(c, &tags)) != 0)
        return rc;
    struct clireq_vnet_args a = {.location = "", .tags = tags};
    a.prefixes = cli_arg_list(p, "address-prefixes", &a.nprefixes);
    a.subnet_name = cli_arg(p, "subnet-name");
    a.subnet_prefixes = cli_arg_list(p, "subnet-prefixes", &a.nsubnet_prefixes);
    /* Everything the command line alone can get wrong, before any request. */
    body = clireq_vnet_body(&a, &err);
    if (!body) {
        rc = cli_usage_error(c, "%s", err);
        goto out;
    }
    if ((rc = cli_location(c, sub, rg, &location)) != 0)
        goto out;
    json_object_set_new(body, "location", json_string(location));
    uri = vnet_uri(sub, rg, cli_arg(p, "name"));
    rc = cli_write(c, "PUT", uri, body, NULL, NULL, &out);
    if (rc == 0)
        cli_emit_view(c, out, cliview_vnets);
out:
    free(err);
    free(uri);
    free(location);
    json_decref(tags);
    json_decref(body);
    json_decref(out);
    return rc;
}

int cli_vnet_show(struct cli_ctx *c)
{
    const char *sub, *rg;
    int rc = cli_sub_rg(c, &sub, &rg);
    if (rc != 0)
        return rc;
    char *uri = vnet_uri(sub, rg, cli_arg(c->args, "name"));
    rc = cli_show(c, uri, cliview_vnets);
    free(uri);
    return rc;
}

int cli_vnet_list(struct cli_ctx *c)
{
    const char *sub, *rg = c->resource_group.value;
    int rc = cli_sub(c, &sub);
    if (rc != 0)
        return rc;
    /* Without a group: the whole subscription, as `az network vnet list`. */
    char *uri =
        rg ? clireq_uri(NET "/virtualNetworks", sub, rg)
           : clireq_uri("/subscriptions/%s/providers/Microsoft.Network/virtualNetworks", sub);
    rc = cli_list_show(c, uri, cliview_vnets);
    free(uri);
    return rc;
}

int cli_vnet_update(struct cli_ctx *c)
{
    static const char *const flags[] = {"address-prefixes", "tags", NULL};
    json_t *tags = NULL;
    const char *sub, *rg;
    int rc = cli_sub_rg(c, &sub, &rg);
    if (rc != 0 || (rc = cli_need_one_of(c, flags)) != 0 || (rc = cli_tags(c, &tags)) != 0)
        return rc;
    struct clireq_vnet_update u = {.tags = tags};
    u.prefixes = cli_arg_list(c->args, "address-prefixes", &u.nprefixes);
    char *uri = vnet_uri(sub, rg, cli_arg(c->args, "name"));
    rc = cli_update(c, uri, clireq_vnet_apply, &u, cliview_vnets);
    free(uri);
    json_decref(tags);
    return rc;
}

int cli_vnet_delete(struct cli_ctx *c)
{
    const char *sub, *rg;
    int rc = cli_sub_rg(c, &sub, &rg);
    if (rc != 0)
        return rc;
    char *uri = vnet_uri(sub, rg, cli_arg(c->args, "name"));
    char *what =
        util_asprintf("virtual network '%s' in resource group '%s'", cli_arg(c->args, "name"), rg);
    rc = cli_delete(c, uri, what);
    free(what);
    free(uri);
    return rc;
}

/* --- subnets ------------------------------------------------------------------------ */

/* The one prefix of --address-prefix / --address-prefixes (borrowed), or a
 * usage error. */
static int subnet_prefix(struct cli_ctx *c, int required, const char **prefix)
{
    size_t n;
    char *err = NULL;
    const char *const *list = cli_arg_list(c->args, "address-prefixes", &n);
    *prefix = clireq_subnet_prefix_arg(cli_arg(c->args, "address-prefix"), list, n, required, &err);
    if (!err)
        return 0;
    int rc = cli_usage_error(c, "%s", err);
    free(err);
    return rc;
}

int cli_subnet_create(struct cli_ctx *c)
{
    const struct cli_parsed *p = c->args;
    json_t *body = NULL, *out = NULL;
    const char *sub, *rg, *prefix;
    int rc = cli_sub_rg(c, &sub, &rg);
    if (rc != 0 || (rc = subnet_prefix(c, 1, &prefix)) != 0)
        return rc;
    char *nsg = cli_nsg_arg(c, sub, rg);
    body = clireq_subnet_body(prefix, nsg);
    char *uri = subnet_uri(sub, rg, cli_arg(p, "vnet-name"), cli_arg(p, "name"));
    rc = cli_write(c, "PUT", uri, body, NULL, NULL, &out);
    if (rc == 0)
        cli_emit_view(c, out, cliview_subnets);
    free(uri);
    free(nsg);
    json_decref(body);
    json_decref(out);
    return rc;
}

int cli_subnet_show(struct cli_ctx *c)
{
    const char *sub, *rg;
    int rc = cli_sub_rg(c, &sub, &rg);
    if (rc != 0)
        return rc;
    char *uri = subnet_uri(sub, rg, cli_arg(c->args, "vnet-name"), cli_arg(c->args, "name"));
    rc = cli_show(c, uri, cliview_subnets);
    free(uri);
    return rc;
}

int cli_subnet_list(struct cli_ctx *c)
{
    const char *sub, *rg;
    int rc = cli_sub_rg(c, &sub, &rg);
    if (rc != 0)
        return rc;
    char *uri = subnet_uri(sub, rg, cli_arg(c->args, "vnet-name"), NULL);
    rc = cli_list_show(c, uri, cliview_subnets);
    free(uri);
    return rc;
}

int cli_subnet_update(struct cli_ctx *c)
{
    static const char *const flags[] = {"address-prefixes", "address-prefix", "nsg", NULL};
    const char *sub, *rg, *prefix;
    int rc = cli_sub_rg(c, &sub, &rg);
    if (rc != 0 || (rc = cli_need_one_of(c, flags)) != 0 ||
        (rc = subnet_prefix(c, 0, &prefix)) != 0)
        return rc;
    char *nsg = cli_nsg_arg(c, sub, rg);
    struct clireq_subnet_update u = {.prefix = prefix, .nsg_id = nsg};
    char *uri = subnet_uri(sub, rg, cli_arg(c->args, "vnet-name"), cli_arg(c->args, "name"));
    rc = cli_update(c, uri, clireq_subnet_apply, &u, cliview_subnets);
    free(uri);
    free(nsg);
    return rc;
}

int cli_subnet_delete(struct cli_ctx *c)
{
    const char *sub, *rg;
    int rc = cli_sub_rg(c, &sub, &rg);
    if (rc != 0)
        return rc;
    const char *vnet = cli_arg(c->args, "vnet-name"), *name = cli_arg(c->args, "name");
    char *uri = subnet_uri(sub, rg, vnet, name);
    char *what =
        util_asprintf("subnet '%s' in virtual network '%s' of resource group '%s'", name, vnet, rg);
    rc = cli_delete(c, uri, what);
    free(what);
    free(uri);
    return rc;
}
