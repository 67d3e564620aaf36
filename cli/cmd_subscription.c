/* admin subscription create|update|show|list|disable|enable —
 * /admin/subscriptions (api/subscription.c). */
#include "cli/cmd.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

static const struct clireq_field sub_fields[] = {
    {"display-name", "displayName", CLIREQ_STRING, 1},
    {"contact-webhook", "contactWebhook", CLIREQ_STRING, 0},
};
#define SUB_NFIELDS (sizeof(sub_fields) / sizeof(sub_fields[0]))

static char *sub_uri(const char *id, const char *action)
{
    return action ? clireq_uri("/admin/subscriptions/%s/%s", id, action)
                  : clireq_uri("/admin/subscriptions/%s", id);
}

static int sub_put(struct cli_ctx *c, const char *id, const json_t *body)
{
    json_t *out = NULL;
    char *uri = sub_uri(id, NULL);
    int rc = cli_call(c, "PUT", uri, body, 0, NULL, &out);
    if (rc == 0)
        cli_emit_view(c, out, cliview_subscriptions);
    json_decref(out);
    free(uri);
    return rc;
}

/* PUT is create-or-replace; create refuses an id that is taken, so that a
 * mistyped id does not rename someone else's subscription (a check before the
 * PUT: a subscription created in between by another operator is replaced). */
int cli_subscription_create(struct cli_ctx *c)
{
    const struct cli_parsed *p = c->args;
    char id[37], *err = NULL;
    json_t *cur = NULL, *body = NULL;
    const char *values[SUB_NFIELDS] = {cli_arg(p, "display-name"), cli_arg(p, "contact-webhook")};
    int rc;

    if (clireq_subscription_id(cli_arg(p, "id"), id, &err) != 0) {
        rc = cli_usage_error(c, "argument --id: %s", err);
        goto out;
    }
    if (cli_arg(p, "id")) {
        char *uri = sub_uri(id, NULL);
        rc = cli_get_optional(c, uri, &cur);
        free(uri);
        if (rc != 0)
            goto out;
        if (cur) {
            fprintf(c->err,
                    "ERROR: subscription %s already exists; change it with `accelnet admin "
                    "subscription update --id %s`\n",
                    id, id);
            rc = CLI_EXIT_REFUSED;
            goto out;
        }
    }
    body = clireq_merge(sub_fields, SUB_NFIELDS, values, NULL, &err);
    if (!body) {
        rc = cli_usage_error(c, "%s", err);
        goto out;
    }
    rc = sub_put(c, id, body);
out:
    free(err);
    json_decref(cur);
    json_decref(body);
    return rc;
}

int cli_subscription_update(struct cli_ctx *c)
{
    const struct cli_parsed *p = c->args;
    char id[37], *err = NULL;
    json_t *cur = NULL, *body = NULL;
    const char *values[SUB_NFIELDS] = {cli_arg(p, "display-name"), cli_arg(p, "contact-webhook")};
    int rc;

    if (clireq_subscription_id(cli_arg(p, "id"), id, &err) != 0) {
        rc = cli_usage_error(c, "argument --id: %s", err);
        goto out;
    }
    char *uri = sub_uri(id, NULL);
    rc = cli_get_optional(c, uri, &cur);
    free(uri);
    if (rc != 0)
        goto out;
    if (!cur) {
        fprintf(c->err,
                "ERROR: there is no subscription %s; create it with `accelnet admin subscription "
                "create --id %s --display-name NAME`\n",
                id, id);
        rc = CLI_EXIT_NOT_FOUND;
        goto out;
    }
    body = clireq_merge(sub_fields, SUB_NFIELDS, values, cur, &err);
    if (!body) {
        rc = cli_usage_error(c, "%s", err);
        goto out;
    }
    rc = sub_put(c, id, body);
out:
    free(err);
    json_decref(cur);
    json_decref(body);
    return rc;
}

int cli_subscription_show(struct cli_ctx *c)
{
    char *uri = sub_uri(cli_arg(c->args, "id"), NULL);
    int rc = cli_show(c, uri, cliview_subscriptions);
    free(uri);
    return rc;
}

int cli_subscription_list(struct cli_ctx *c)
{
    return cli_list_show(c, "/admin/subscriptions", cliview_subscriptions);
}

static int sub_set_state(struct cli_ctx *c, const char *action)
{
    json_t *out = NULL;
    char *uri = sub_uri(cli_arg(c->args, "id"), action);
    int rc = cli_call(c, "POST", uri, NULL, 0, NULL, &out);
    if (rc == 0)
        cli_emit_view(c, out, cliview_subscriptions);
    json_decref(out);
    free(uri);
    return rc;
}

int cli_subscription_disable(struct cli_ctx *c)
{
    return sub_set_state(c, "disable");
}

int cli_subscription_enable(struct cli_ctx *c)
{
    return sub_set_state(c, "enable");
}
