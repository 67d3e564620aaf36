/* Preview features (api/feature.c):
 *   feature register|unregister|show|list      a subscription's registrations
 *                                              (ARM Microsoft.Features)
 *   admin feature list|show|define             the feature definitions
 *   admin feature list-pending|list-registrations|show-registration|approve|reject
 *                                              the operator's decisions */
#include "cli/cmd.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#define FEATURES_PATH "/subscriptions/%s/providers/Microsoft.Features/providers/%s/features"

/* --- a subscription's registrations ------------------------------------------ */

static char *feature_uri(const char *sub, const struct cli_parsed *p, const char *action)
{
    return action
               ? clireq_uri(FEATURES_PATH "/%s/%s", sub, cli_arg(p, "namespace"),
                            cli_arg(p, "name"), action)
               : clireq_uri(FEATURES_PATH "/%s", sub, cli_arg(p, "namespace"), cli_arg(p, "name"));
}

/* register / unregister: POST, then say what became of the registration. */
static int feature_change(struct cli_ctx *c, const char *action, const json_t *body)
{
    const struct cli_parsed *p = c->args;
    struct clihttp_response rp;
    json_t *out = NULL;
    const char *sub;
    int rc = cli_sub(c, &sub);
    if (rc != 0)
        return rc;
    char *uri = feature_uri(sub, p, action);
    rc = cli_call_rp(c, "POST", uri, body, 0, &rp, &out);
    if (rc == 0) {
        const json_t *st = json_object_get(json_object_get(out, "properties"), "state");
        const char *state = json_is_string(st) ? json_string_value(st) : "unknown";
        const char *changed = clihttp_header(&rp, "x-accelnet-state-changed");
        if (changed && strcmp(changed, "false") == 0)
            cli_warn(c, "the registration is %s already: nothing changed", state);
        else if (strcmp(state, "Pending") == 0)
            fprintf(c->err,
                    "The registration is Pending until an operator approves it. See its state "
                    "with: accelnet feature show --namespace %s --name %s\n",
                    cli_arg(p, "namespace"), cli_arg(p, "name"));
        cli_emit_view(c, out, cliview_features);
    }
    json_decref(out);
    clihttp_response_free(&rp);
    free(uri);
    return rc;
}

int cli_feature_register(struct cli_ctx *c)
{
    json_t *body = clireq_feature_register_body(cli_arg(c->args, "intended-use"));
    int rc = feature_change(c, "register", body);
    json_decref(body);
    return rc;
}

int cli_feature_unregister(struct cli_ctx *c)
{
    return feature_change(c, "unregister", NULL);
}

int cli_feature_show(struct cli_ctx *c)
{
    const char *sub;
    int rc = cli_sub(c, &sub);
    if (rc != 0)
        return rc;
    char *uri = feature_uri(sub, c->args, NULL);
    rc = cli_show(c, uri, cliview_features);
    free(uri);
    return rc;
}

int cli_feature_list(struct cli_ctx *c)
{
    const char *sub, *ns = cli_arg(c->args, "namespace");
    int rc = cli_sub(c, &sub);
    if (rc != 0)
        return rc;
    char *uri = ns ? clireq_uri(FEATURES_PATH, sub, ns)
                   : clireq_uri("/subscriptions/%s/providers/Microsoft.Features/features", sub);
    rc = cli_list_show(c, uri, cliview_features);
    free(uri);
    return rc;
}

/* --- operators: definitions -------------------------------------------------- */

static char *def_uri(const struct cli_parsed *p)
{
    return clireq_uri("/admin/features/%s/%s", cli_arg(p, "namespace"), cli_arg(p, "name"));
}

int cli_feature_def_list(struct cli_ctx *c)
{
    return cli_list_show(c, "/admin/features", NULL);
}

int cli_feature_def_show(struct cli_ctx *c)
{
    char *uri = def_uri(c->args);
    int rc = cli_show(c, uri, NULL);
    free(uri);
    return rc;
}

int cli_feature_def_define(struct cli_ctx *c)
{
    static const struct clireq_field fields[] = {
        {"approval-type", "approvalType", CLIREQ_STRING, 1},
        {"description", "description", CLIREQ_STRING, 0},
    };
    const struct cli_parsed *p = c->args;
    const char *values[] = {cli_arg(p, "approval-type"), cli_arg(p, "description")};
    json_t *cur = NULL, *body = NULL, *out = NULL;
    char *err = NULL;
    char *uri = def_uri(p);
    int rc = cli_get_optional(c, uri, &cur);
    if (rc != 0)
        goto out;
    body = clireq_merge(fields, 2, values, cur, &err);
    if (!body) {
        rc = cli_usage_error(c, "%s", err);
        goto out;
    }
    rc = cli_call(c, "PUT", uri, body, 0, NULL, &out);
    if (rc == 0)
        cli_emit(c, out);
out:
    free(err);
    free(uri);
    json_decref(cur);
    json_decref(body);
    json_decref(out);
    return rc;
}

/* --- operators: registrations and decisions ---------------------------------- */

static char *reg_uri(const struct cli_parsed *p, const char *action)
{
    return action
               ? clireq_uri("/admin/featureRegistrations/%s/%s/%s/%s", cli_arg(p, "subscription"),
                            cli_arg(p, "namespace"), cli_arg(p, "name"), action)
               : clireq_uri("/admin/featureRegistrations/%s/%s/%s", cli_arg(p, "subscription"),
                            cli_arg(p, "namespace"), cli_arg(p, "name"));
}

int cli_feature_reg_list_pending(struct cli_ctx *c)
{
    return cli_list_show(c, "/admin/featureRegistrations?state=Pending", cliview_registrations);
}

int cli_feature_reg_list(struct cli_ctx *c)
{
    const char *state = cli_arg(c->args, "state");
    char *uri = state ? clireq_uri("/admin/featureRegistrations?state=%s", state)
                      : util_xstrdup("/admin/featureRegistrations");
    int rc = cli_list_show(c, uri, cliview_registrations);
    free(uri);
    return rc;
}

int cli_feature_reg_show(struct cli_ctx *c)
{
    char *uri = reg_uri(c->args, NULL);
    int rc = cli_show(c, uri, cliview_registrations);
    free(uri);
    return rc;
}

static int reg_decide(struct cli_ctx *c, const char *action)
{
    const char *reason = cli_arg(c->args, "reason");
    json_t *body = reason ? json_pack("{s:s}", "reason", reason) : NULL;
    json_t *out = NULL;
    char *uri = reg_uri(c->args, action);
    int rc = cli_call(c, "POST", uri, body, 0, NULL, &out);
    if (rc == 0)
        cli_emit_view(c, out, cliview_registrations);
    json_decref(body);
    json_decref(out);
    free(uri);
    return rc;
}

int cli_feature_reg_approve(struct cli_ctx *c)
{
    return reg_decide(c, "approve");
}

int cli_feature_reg_reject(struct cli_ctx *c)
{
    return reg_decide(c, "reject");
}
