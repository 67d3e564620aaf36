/* admin host list|show|drain|enable|disable — /admin/hosts[/{hostName}[/drain|
 * /enable|/disable]] (api/host.c).
 *
 * Hosts are registered by their agents (accelnet-agent); operators only look
 * at them and set their state: Enabled (the scheduler may place new VMs
 * there), Draining or Disabled (it places none; the VMs already there stay).
 * The server answers a state change with the host, whatever its state was. */
#include "cli/cmd.h"

#include <stdlib.h>

static char *host_uri(const struct cli_ctx *c, const char *action)
{
    return action ? clireq_uri("/admin/hosts/%s/%s", cli_arg(c->args, "name"), action)
                  : clireq_uri("/admin/hosts/%s", cli_arg(c->args, "name"));
}

int cli_host_list(struct cli_ctx *c)
{
    return cli_list_show(c, "/admin/hosts", cliview_hosts);
}

int cli_host_show(struct cli_ctx *c)
{
    char *uri = host_uri(c, NULL);
    int rc = cli_show(c, uri, cliview_hosts);
    free(uri);
    return rc;
}

/* POST .../{action} (no body) and print the host as it is now. */
static int host_set_state(struct cli_ctx *c, const char *action)
{
    json_t *out = NULL;
    char *uri = host_uri(c, action);
    int rc = cli_call(c, "POST", uri, NULL, 0, NULL, &out);
    if (rc == 0)
        cli_emit_view(c, out, cliview_hosts);
    json_decref(out);
    free(uri);
    return rc;
}

int cli_host_drain(struct cli_ctx *c)
{
    return host_set_state(c, "drain");
}

int cli_host_enable(struct cli_ctx *c)
{
    return host_set_state(c, "enable");
}

int cli_host_disable(struct cli_ctx *c)
{
    return host_set_state(c, "disable");
}
