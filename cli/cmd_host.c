/* admin host list|show|drain|enable|disable|service|complete-service|
 * show-service|evacuate|delete — /admin/hosts[/{hostName}[/drain|/enable|
 * /disable|/service[/complete]|/evacuate]] (api/host.c).
 *
 * Hosts are registered by their agents (accelnet-agent); operators only look
 * at them and set their state: Enabled (the scheduler may place new VMs
 * there), Draining or Disabled (it places none; the VMs already there stay),
 * and declare a host that is not coming back dead (delete). The server
 * answers a state change with the host, whatever its state was. */
#include "cli/cmd.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

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

/* POST .../{action}; a long-running answer (Azure-AsyncOperation) is waited
 * for like the vm commands do, anything else is printed as it comes. */
static int host_action(struct cli_ctx *c, const char *action, const char *doing)
{
    json_t *out = NULL;
    struct clihttp_response rp = {0};
    /* "service/complete" is two segments: only the host name is encoded. */
    char *base = host_uri(c, NULL);
    char *uri = util_asprintf("%s/%s", base, action);
    free(base);
    int rc = cli_call_rp(c, "POST", uri, NULL, 0, &rp, &out);
    if (rc == 0) {
        const char *op_url = clihttp_header(&rp, "Azure-AsyncOperation");
        int printed = 0;
        if (op_url) {
            char *what = util_asprintf("%s %s", doing, cli_arg(c->args, "name"));
            rc = cli_wait_op(c, op_url, what, &printed);
            free(what);
            if (rc == 0 && !printed) {
                json_decref(out);
                out = NULL;
                char *get = host_uri(c, strcmp(action, "evacuate") == 0 ? NULL : "service");
                rc = cli_call(c, "GET", get, NULL, 0, NULL, &out);
                free(get);
                if (rc == 0)
                    cli_emit(c, out);
            }
        } else {
            cli_emit(c, out);
        }
    }
    clihttp_response_free(&rp);
    json_decref(out);
    free(uri);
    return rc;
}

int cli_host_service(struct cli_ctx *c)
{
    return host_action(c, "service", "Servicing");
}

int cli_host_complete_service(struct cli_ctx *c)
{
    return host_action(c, "service/complete", "Completing the servicing of");
}

int cli_host_evacuate(struct cli_ctx *c)
{
    return host_action(c, "evacuate", "Evacuating");
}

int cli_host_show_service(struct cli_ctx *c)
{
    json_t *out = NULL;
    char *uri = host_uri(c, "service");
    int rc = cli_call(c, "GET", uri, NULL, 0, NULL, &out);
    if (rc == 0)
        cli_emit(c, out);
    json_decref(out);
    free(uri);
    return rc;
}

/* DELETE /admin/hosts/{hostName}: prints what was ended with the host. A
 * refusal (HostHasVirtualMachines, HostIsHealthy) is exit 4, an unknown
 * host exit 3. */
int cli_host_delete(struct cli_ctx *c)
{
    json_t *out = NULL;
    char *uri = host_uri(c, NULL);
    int rc = cli_call(c, "DELETE", uri, NULL, 0, NULL, &out);
    if (rc == 0)
        cli_emit(c, out);
    json_decref(out);
    free(uri);
    return rc;
}
