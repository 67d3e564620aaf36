/* login, logout, account show|set — the settings file (cli/config.h): the
 * service, the token, the default subscription and resource group; and
 * account list-locations, the subscription's locations (api/catalog.c). */
#include "cli/cmd.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"

/* A token must fit in an HTTP header as it is. */
static int token_ok(const char *t)
{
    if (!*t)
        return 0;
    for (const char *p = t; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
            return 0;
    return 1;
}

/* The first line of stdin (for --token -), without its line break; owned. */
static char *read_stdin_line(void)
{
    struct buf b = {0};
    int ch;
    while ((ch = getchar()) != EOF && ch != '\n') {
        char cc = (char)ch;
        buf_append(&b, &cc, 1);
        if (b.len > 4096)
            break;
    }
    if (b.len && b.data[b.len - 1] == '\r')
        b.data[--b.len] = '\0';
    return b.data ? b.data : util_xstrdup("");
}

static json_t *account_json(const struct cli_ctx *c)
{
    return json_pack("{s:s?, s:s?, s:s?, s:b, s:s?, s:s?}", "url", c->url.value, "caFile",
                     c->ca_file.value, "configFile", c->config_path, "loggedIn",
                     c->token.value != NULL, "subscriptionId", c->subscription.value,
                     "resourceGroup", c->resource_group.value);
}

/* A subscription id from the command line, checked and lower-cased into out;
 * else a usage error. */
static int sub_arg(struct cli_ctx *c, const char *v, char out[37])
{
    if (strlen(v) != 36 || !util_is_guid(v))
        return cli_usage_error(c,
                               "argument --subscription: '%s' is not a GUID "
                               "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
                               v);
    memcpy(out, v, 37);
    util_str_lower(out);
    return 0;
}

/* The token may use subscription sub: GET /subscriptions/{sub} answers 200
 * (403 when the token is another subscription's, 404 when there is no such
 * subscription). */
static int sub_verify(struct cli_ctx *c, const char *sub)
{
    json_t *out = NULL;
    char *uri = clireq_uri("/subscriptions/%s", sub);
    int rc = cli_call(c, "GET", uri, NULL, 0, NULL, &out);
    json_decref(out);
    free(uri);
    return rc;
}

/* Checks the new settings against the server before they are stored: the
 * service answers /healthz over TLS with this CA, and takes the token. There
 * is no "who am I" route yet, so the token is tried on GET /admin/tokens: 200
 * (an admin token) and 403 (a valid token of another role) both prove it is
 * known; 401 means it is not. With a subscription (sub, or NULL), the token
 * must also be able to read it. */
static int login_verify(struct cli_ctx *c, const char *sub)
{
    struct clihttp_response rp;
    int rc = cli_http(c, "GET", "/healthz", NULL, 0, NULL, CLI_CALL_NO_AUTH, &rp);
    if (rc != 0)
        goto out;
    if (rp.status != 200) {
        rc = cli_http_error(c, &rp);
        goto out;
    }
    clihttp_response_free(&rp);
    rc = cli_http(c, "GET", "/admin/tokens", NULL, 0, NULL, 0, &rp);
    if (rc != 0)
        goto out;
    if (rp.status != 200 && rp.status != 403)
        rc = cli_http_error(c, &rp);
    else if (sub)
        rc = sub_verify(c, sub);
    else if (rp.status == 403)
        cli_warn(c, "this is not an admin token: a subscription's commands need its id; pass "
                    "--subscription ID here, or later to `accelnet account set`");
out:
    clihttp_response_free(&rp);
    if (rc != 0)
        fputs("Nothing was stored (use --no-verify to store the settings without checking "
              "them).\n",
              c->err);
    return rc;
}

int cli_login(struct cli_ctx *c)
{
    const struct cli_parsed *p = c->args;
    char *err = NULL, *base = NULL, *token = NULL, *ca = NULL;
    char sub[37] = "";
    int rc;

    if (cli_arg(p, "subscription") && (rc = sub_arg(c, cli_arg(p, "subscription"), sub)) != 0)
        goto out;
    base = clihttp_base_url(cli_arg(p, "url"), &err);
    if (!base) {
        rc = cli_usage_error(c, "argument --url: %s", err);
        goto out;
    }
    token = strcmp(cli_arg(p, "token"), "-") == 0 ? read_stdin_line()
                                                  : util_xstrdup(cli_arg(p, "token"));
    if (!token_ok(token)) {
        rc = cli_usage_error(c, "argument --token: empty, or has spaces or characters that "
                                "cannot go in an HTTP header");
        goto out;
    }
    if (cli_arg(p, "ca-file")) {
        /* Stored as an absolute path: the CLI runs from other directories. */
        char resolved[PATH_MAX];
        if (!realpath(cli_arg(p, "ca-file"), resolved)) {
            rc = cli_usage_error(c, "argument --ca-file: %s: %s", cli_arg(p, "ca-file"),
                                 strerror(errno));
            goto out;
        }
        ca = util_xstrdup(resolved);
    }
    if (!c->config_path) {
        rc = cli_error(c, "no place for the config file: set HOME or XDG_CONFIG_HOME");
        goto out;
    }
    /* From here on the new settings are the ones in effect. */
    c->url = (struct cliconf_setting){base, CLICONF_SRC_FLAG};
    c->token = (struct cliconf_setting){token, CLICONF_SRC_FLAG};
    /* Without --ca-file the check uses ACCELNET_CA_FILE if that is set (it will
     * keep applying), not the old file's CA: the file is being replaced. */
    if (ca)
        c->ca_file = (struct cliconf_setting){ca, CLICONF_SRC_FLAG};
    else if (c->ca_file.source != CLICONF_SRC_ENV)
        c->ca_file = (struct cliconf_setting){NULL, CLICONF_SRC_NONE};
    free(c->base_url);
    c->base_url = NULL;
    if (*sub)
        c->subscription = (struct cliconf_setting){sub, CLICONF_SRC_FLAG};
    else if (c->subscription.source != CLICONF_SRC_ENV)
        c->subscription = (struct cliconf_setting){NULL, CLICONF_SRC_NONE};
    if (!cli_arg_given(p, "no-verify")) {
        rc = login_verify(c, *sub ? sub : NULL);
        if (rc != 0)
            goto out;
    }
    if (clihttp_is_cleartext_remote(base))
        cli_warn(c,
                 "%s is plain http to a host that is not loopback: the token will cross the "
                 "network in clear text",
                 base);
    if (cliconf_set(&c->conf, CLICONF_URL, base) != 0 ||
        cliconf_set(&c->conf, CLICONF_TOKEN, token) != 0 ||
        (ca && cliconf_set(&c->conf, CLICONF_CA_FILE, ca) != 0) ||
        (*sub && cliconf_set(&c->conf, CLICONF_SUBSCRIPTION, sub) != 0)) {
        rc = cli_usage_error(c, "a value cannot be stored (it has a control character or "
                                "surrounding white space)");
        goto out;
    }
    if (!ca)
        cliconf_unset(&c->conf, CLICONF_CA_FILE);
    /* A new login is a new identity: an old default subscription (and the
     * default resource group in it) would be someone else's. */
    if (!*sub)
        cliconf_unset(&c->conf, CLICONF_SUBSCRIPTION);
    cliconf_unset(&c->conf, CLICONF_RESOURCE_GROUP);
    if (c->resource_group.source == CLICONF_SRC_FILE)
        c->resource_group = (struct cliconf_setting){NULL, CLICONF_SRC_NONE};
    if (cliconf_save(&c->conf, c->config_path, &err) != 0) {
        rc = cli_error(c, "%s", err);
        goto out;
    }
    fprintf(c->err, "Logged in to %s; settings saved in %s.\n", base, c->config_path);
    rc = 0;
    json_t *acct = account_json(c);
    cli_emit(c, acct);
    json_decref(acct);
out:
    free(err);
    free(base);
    free(token);
    free(ca);
    return rc;
}

int cli_logout(struct cli_ctx *c)
{
    char *err = NULL;
    if (!c->config_path)
        return 0;
    if (cliconf_unset(&c->conf, CLICONF_TOKEN)) {
        if (cliconf_save(&c->conf, c->config_path, &err) != 0) {
            cli_error(c, "%s", err);
            free(err);
            return CLI_EXIT_ERROR;
        }
        fprintf(c->err, "Logged out: the token was removed from %s.\n", c->config_path);
    }
    const char *env = getenv("ACCELNET_TOKEN");
    if (env && *env)
        cli_warn(c, "ACCELNET_TOKEN is still set in the environment and will keep being used");
    return 0;
}

int cli_account_show(struct cli_ctx *c)
{
    if (!c->url.value)
        return cli_error(c, "not logged in: run `accelnet login --url URL --token TOKEN` or set "
                            "ACCELNET_URL");
    json_t *acct = account_json(c);
    int rc = cli_emit(c, acct);
    json_decref(acct);
    return rc;
}

/* The resource group may be used: GET .../resourcegroups/{rg} answers 200. */
static int rg_verify(struct cli_ctx *c, const char *sub, const char *rg)
{
    json_t *out = NULL;
    char *uri = clireq_uri("/subscriptions/%s/resourcegroups/%s", sub, rg);
    int rc = cli_call(c, "GET", uri, NULL, 0, NULL, &out);
    json_decref(out);
    free(uri);
    return rc;
}

int cli_account_set(struct cli_ctx *c)
{
    static const char *const flags[] = {"subscription", "resource-group", NULL};
    const struct cli_parsed *p = c->args;
    const char *rg = cli_arg(p, "resource-group");
    char sub[37] = "", *err = NULL;
    int rc = cli_need_one_of(c, flags);
    if (rc != 0)
        return rc;
    if (cli_arg(p, "subscription") && (rc = sub_arg(c, cli_arg(p, "subscription"), sub)) != 0)
        return rc;
    if (rg && *rg && cliconf_set(&c->conf, CLICONF_RESOURCE_GROUP, rg) != 0)
        return cli_usage_error(c,
                               "argument --resource-group: '%s' cannot be stored (it has a "
                               "control character or surrounding white space)",
                               rg);
    if (!c->config_path)
        return cli_error(c, "no place for the config file: set HOME or XDG_CONFIG_HOME");
    /* The subscription the group is looked up in: the new one, else the one in
     * effect. */
    const char *in_sub = *sub ? sub : c->subscription.value;
    if (rg && *rg && !in_sub)
        return cli_usage_error(c,
                               "no subscription to find resource group '%s' in: pass "
                               "--subscription ID too",
                               rg);
    if (!cli_arg_given(p, "no-verify")) {
        if (*sub)
            rc = sub_verify(c, sub);
        if (rc == 0 && rg && *rg)
            rc = rg_verify(c, in_sub, rg);
        if (rc != 0) {
            fputs("Nothing was stored (use --no-verify to store the settings without checking "
                  "them).\n",
                  c->err);
            return rc;
        }
    }
    if (*sub)
        cliconf_set(&c->conf, CLICONF_SUBSCRIPTION, sub); /* a GUID always fits */
    if (rg && !*rg)
        cliconf_unset(&c->conf, CLICONF_RESOURCE_GROUP); /* "" forgets it */
    if (cliconf_save(&c->conf, c->config_path, &err) != 0) {
        cli_error(c, "%s", err);
        free(err);
        return CLI_EXIT_ERROR;
    }
    if (*sub) {
        const char *env = getenv("ACCELNET_SUBSCRIPTION");
        if (env && *env && strcasecmp(env, sub) != 0) {
            cli_warn(c, "ACCELNET_SUBSCRIPTION is set in the environment and wins over the "
                        "stored default");
            c->subscription = (struct cliconf_setting){env, CLICONF_SRC_ENV};
        } else
            c->subscription = (struct cliconf_setting){sub, CLICONF_SRC_FILE};
        fprintf(c->err, "Default subscription %s saved in %s.\n", sub, c->config_path);
    }
    if (rg) {
        const char *env = getenv("ACCELNET_RESOURCE_GROUP");
        if (env && *env && strcmp(env, rg) != 0) {
            cli_warn(c, "ACCELNET_RESOURCE_GROUP is set in the environment and wins over the "
                        "stored default");
            c->resource_group = (struct cliconf_setting){env, CLICONF_SRC_ENV};
        } else
            c->resource_group = (struct cliconf_setting){*rg ? rg : NULL,
                                                         *rg ? CLICONF_SRC_FILE : CLICONF_SRC_NONE};
        if (*rg)
            fprintf(c->err, "Default resource group '%s' saved in %s.\n", rg, c->config_path);
        else
            fprintf(c->err, "Default resource group removed from %s.\n", c->config_path);
    }
    json_t *acct = account_json(c);
    cli_emit(c, acct);
    json_decref(acct);
    return 0;
}

int cli_catalog_sub_locations(struct cli_ctx *c)
{
    const char *sub;
    int rc = cli_sub(c, &sub);
    if (rc != 0)
        return rc;
    char *uri = clireq_uri("/subscriptions/%s/locations", sub);
    rc = cli_list_show(c, uri, NULL);
    free(uri);
    return rc;
}
