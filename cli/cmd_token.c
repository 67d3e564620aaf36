/* admin token create|list|show|revoke — /admin/tokens — and admin
 * subscription token create|list|revoke — /admin/subscriptions/{id}/tokens,
 * the tokens of a subscription's users (api/token.c). */
#include "cli/cmd.h"

#include <stdlib.h>

#include "common/util.h"

/* POSTs body to uri and prints the new token, which is shown only once. */
static int token_issue(struct cli_ctx *c, const char *uri, const json_t *body)
{
    json_t *out = NULL;
    int rc = cli_call(c, "POST", uri, body, 0, NULL, &out);
    if (rc == 0) {
        if (c->format != CLIOUT_NONE)
            cli_warn(c, "the token is shown only this once: store it now");
        cli_emit(c, out);
    }
    json_decref(out);
    return rc;
}

int cli_token_create(struct cli_ctx *c)
{
    const struct cli_parsed *p = c->args;
    json_t *body = json_pack("{s:s}", "role", cli_arg(p, "role"));
    if (cli_arg(p, "description"))
        json_object_set_new(body, "description", json_string(cli_arg(p, "description")));
    if (cli_arg(p, "host-name"))
        json_object_set_new(body, "hostName", json_string(cli_arg(p, "host-name")));
    int rc = token_issue(c, "/admin/tokens", body);
    json_decref(body);
    return rc;
}

int cli_token_list(struct cli_ctx *c)
{
    json_t *out = NULL;
    int rc = cli_call(c, "GET", "/admin/tokens", NULL, 0, NULL, &out);
    if (rc == 0)
        cli_emit(c, out);
    json_decref(out);
    return rc;
}

static char *token_uri(const struct cli_ctx *c)
{
    char *id = clihttp_escape(cli_arg(c->args, "id"));
    char *uri = util_asprintf("/admin/tokens/%s", id);
    free(id);
    return uri;
}

int cli_token_show(struct cli_ctx *c)
{
    json_t *out = NULL;
    char *uri = token_uri(c);
    int rc = cli_call(c, "GET", uri, NULL, 0, NULL, &out);
    if (rc == 0)
        cli_emit(c, out);
    json_decref(out);
    free(uri);
    return rc;
}

/* DELETE is idempotent (204 when there was no such token), so re-running a
 * revoke succeeds; but a mistyped id revokes nothing, which the user must
 * hear about. */
int cli_token_revoke(struct cli_ctx *c)
{
    json_t *out = NULL;
    long status = 0;
    char *uri = token_uri(c);
    int rc = cli_call(c, "DELETE", uri, NULL, 0, &status, &out);
    if (rc == 0 && status == 204)
        cli_warn(c, "there is no token with id %s: nothing was revoked", cli_arg(c->args, "id"));
    json_decref(out);
    free(uri);
    return rc;
}

/* --- a subscription's user tokens ------------------------------------------- */

int cli_token_subscription_create(struct cli_ctx *c)
{
    const struct cli_parsed *p = c->args;
    json_t *body = json_object();
    if (cli_arg(p, "description"))
        json_object_set_new(body, "description", json_string(cli_arg(p, "description")));
    char *uri = clireq_uri("/admin/subscriptions/%s/tokens", cli_arg(p, "subscription"));
    int rc = token_issue(c, uri, body);
    json_decref(body);
    free(uri);
    return rc;
}

int cli_token_subscription_list(struct cli_ctx *c)
{
    char *uri = clireq_uri("/admin/subscriptions/%s/tokens", cli_arg(c->args, "subscription"));
    int rc = cli_list_show(c, uri, NULL);
    free(uri);
    return rc;
}

int cli_token_subscription_revoke(struct cli_ctx *c)
{
    const struct cli_parsed *p = c->args;
    json_t *out = NULL;
    long status = 0;
    char *uri = clireq_uri("/admin/subscriptions/%s/tokens/%s", cli_arg(p, "subscription"),
                           cli_arg(p, "id"));
    int rc = cli_call(c, "DELETE", uri, NULL, 0, &status, &out);
    if (rc == 0 && status == 204)
        cli_warn(c, "subscription %s has no token with id %s: nothing was revoked",
                 cli_arg(p, "subscription"), cli_arg(p, "id"));
    json_decref(out);
    free(uri);
    return rc;
}
