/* group create|show|list|delete — /subscriptions/{id}/resourcegroups
 * (api/resource_group.c). */
#include "cli/cmd.h"

#include <stdlib.h>

#include "common/util.h"

static char *rg_uri(const char *sub, const char *name)
{
    return name ? clireq_uri("/subscriptions/%s/resourcegroups/%s", sub, name)
                : clireq_uri("/subscriptions/%s/resourcegroups", sub);
}

int cli_rg_create(struct cli_ctx *c)
{
    const struct cli_parsed *p = c->args;
    json_t *tags = NULL, *body = NULL, *out = NULL;
    char *err = NULL, *uri = NULL;
    size_t ntags;
    const char *sub;
    int rc = cli_sub(c, &sub);
    if (rc != 0)
        return rc;
    const char *const *tv = cli_arg_list(p, "tags", &ntags);
    tags = clireq_tags(tv, ntags, &err);
    if (!tags) {
        rc = cli_usage_error(c, "argument --tags: %s", err);
        goto out;
    }
    body = json_pack("{s:s, s:O}", "location", cli_arg(p, "location"), "tags", tags);
    uri = rg_uri(sub, cli_arg(p, "name"));
    rc = cli_call(c, "PUT", uri, body, 0, NULL, &out);
    if (rc == 0)
        cli_emit_view(c, out, cliview_groups);
out:
    free(err);
    free(uri);
    json_decref(tags);
    json_decref(body);
    json_decref(out);
    return rc;
}

int cli_rg_show(struct cli_ctx *c)
{
    const char *sub;
    int rc = cli_sub(c, &sub);
    if (rc != 0)
        return rc;
    char *uri = rg_uri(sub, cli_arg(c->args, "name"));
    rc = cli_show(c, uri, cliview_groups);
    free(uri);
    return rc;
}

int cli_rg_list(struct cli_ctx *c)
{
    const char *sub;
    int rc = cli_sub(c, &sub);
    if (rc != 0)
        return rc;
    char *uri = rg_uri(sub, NULL);
    rc = cli_list_show(c, uri, cliview_groups);
    free(uri);
    return rc;
}

int cli_rg_delete(struct cli_ctx *c)
{
    const char *sub;
    int rc = cli_sub(c, &sub);
    if (rc != 0)
        return rc;
    char *uri = rg_uri(sub, cli_arg(c->args, "name"));
    char *what = util_asprintf("resource group '%s'", cli_arg(c->args, "name"));
    rc = cli_delete(c, uri, what);
    free(what);
    free(uri);
    return rc;
}
