/* run — the CLI's entry point after main(): parse, help, settings, handler;
 * and the helpers handlers share (cli/cmd.h). */
#include "cli/cmd.h"

#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <sodium.h>

#include "common/util.h"
#include "common/version.h"

int cli_error(struct cli_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("ERROR: ", c->err);
    vfprintf(c->err, fmt, ap);
    fputc('\n', c->err);
    va_end(ap);
    return CLI_EXIT_ERROR;
}

int cli_usage_error(struct cli_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("ERROR: ", c->err);
    vfprintf(c->err, fmt, ap);
    fputc('\n', c->err);
    va_end(ap);
    cli_help_print(c->err, c->table, c->args->group, c->args->cmd);
    return CLI_EXIT_USAGE;
}

void cli_warn(struct cli_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("WARNING: ", c->err);
    vfprintf(c->err, fmt, ap);
    fputc('\n', c->err);
    va_end(ap);
}

int cli_http(struct cli_ctx *c, const char *method, const char *uri, const char *body,
             size_t body_len, const char *const *headers, unsigned flags,
             struct clihttp_response *rp)
{
    char *err = NULL;
    memset(rp, 0, sizeof(*rp));
    if (!c->url.value)
        return cli_error(c, "no service URL: run `accelnet login --url URL --token TOKEN`, set "
                            "ACCELNET_URL or pass --url");
    if (!c->base_url) {
        c->base_url = clihttp_base_url(c->url.value, &err);
        if (!c->base_url) {
            cli_error(c, "the service URL from the %s: %s", cliconf_source_name(c->url.source),
                      err);
            free(err);
            return CLI_EXIT_ERROR;
        }
    }
    if (!(flags & CLI_CALL_NO_AUTH) && !c->token.value)
        return cli_error(c, "not logged in: run `accelnet login --url URL --token TOKEN`, set "
                            "ACCELNET_TOKEN or pass --token");
    char *url = clihttp_url(c->base_url, uri, !(flags & CLI_CALL_RAW_URI), &err);
    if (!url) {
        /* Only a URI from the command line (rest --uri) can be wrong. */
        int rc = cli_usage_error(c, "%s", err);
        free(err);
        return rc;
    }
    const char *token = (flags & CLI_CALL_NO_AUTH) ? NULL : c->token.value;
    if (token && clihttp_is_cleartext_remote(url))
        cli_warn(c, "sending the token in clear text (http://) to a host that is not loopback");
    struct clihttp_request rq = {
        .method = method,
        .url = url,
        .token = token,
        .ca_file = c->ca_file.value,
        .timeout_ms = c->timeout_ms,
        .body = body,
        .body_len = body_len,
        .headers = headers,
        .debug = c->debug ? c->err : NULL,
    };
    int rc = clihttp_perform(&rq, rp, &err);
    free(url);
    if (rc != 0) {
        cli_error(c, "%s", err);
        free(err);
        return CLI_EXIT_ERROR;
    }
    return 0;
}

int cli_http_error(struct cli_ctx *c, const struct clihttp_response *rp)
{
    cliout_error(c->err, rp->status, rp->body.data, rp->body.len,
                 clihttp_header(rp, "x-ms-error-code"), clihttp_header(rp, "x-ms-request-id"));
    return clihttp_exit_code(rp->status);
}

static int call_rp(struct cli_ctx *c, const char *method, const char *uri, const json_t *body,
                   const char *const *headers, unsigned flags, struct clihttp_response *rp,
                   json_t **out)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    int rc = cli_http(c, method, uri, text, text ? strlen(text) : 0, headers, flags, rp);
    free(text);
    *out = NULL;
    if (rc != 0)
        return rc;
    if (rp->status >= 400)
        return cli_http_error(c, rp);
    if (rp->body.len) {
        json_error_t jerr;
        *out = json_loadb(rp->body.data, rp->body.len, 0, &jerr);
        if (!*out)
            return cli_error(c, "%s %s: the response (HTTP %ld) is not JSON: %s", method, uri,
                             rp->status, jerr.text);
    }
    return 0;
}

int cli_call_rp(struct cli_ctx *c, const char *method, const char *uri, const json_t *body,
                unsigned flags, struct clihttp_response *rp, json_t **out)
{
    return call_rp(c, method, uri, body, NULL, flags, rp, out);
}

int cli_call_headers(struct cli_ctx *c, const char *method, const char *uri, const json_t *body,
                     const char *const *headers, unsigned flags, long *status, json_t **out)
{
    struct clihttp_response rp;
    int rc = call_rp(c, method, uri, body, headers, flags, &rp, out);
    if (status && (rc == 0 || rp.status))
        *status = rp.status;
    clihttp_response_free(&rp);
    return rc;
}

int cli_call(struct cli_ctx *c, const char *method, const char *uri, const json_t *body,
             unsigned flags, long *status, json_t **out)
{
    return cli_call_headers(c, method, uri, body, NULL, flags, status, out);
}

/* "Updating nsg1" for .../networkSecurityGroups/nsg1?api-version=... */
static char *write_what(const char *method, const char *uri)
{
    size_t end = strcspn(uri, "?");
    size_t start = end;
    while (start > 0 && uri[start - 1] != '/')
        start--;
    return util_asprintf("%s %.*s", strcmp(method, "DELETE") == 0 ? "Deleting" : "Updating",
                         (int)(end - start), uri + start);
}

int cli_write(struct cli_ctx *c, const char *method, const char *uri, const json_t *body,
              const char *const *headers, long *status, json_t **out)
{
    struct clihttp_response rp;
    int rc = call_rp(c, method, uri, body, headers, 0, &rp, out);
    if (status && (rc == 0 || rp.status))
        *status = rp.status;
    const char *op_url = rc == 0 ? clihttp_header(&rp, "Azure-AsyncOperation") : NULL;
    if (op_url) {
        int printed = 0;
        char *what = write_what(method, uri);
        json_decref(*out);
        *out = NULL;
        rc = cli_wait_op(c, op_url, what, &printed);
        free(what);
        if (rc == 0 && !printed && strcmp(method, "PUT") == 0)
            rc = cli_call(c, "GET", uri, NULL, 0, NULL, out);
    }
    clihttp_response_free(&rp);
    return rc;
}

int cli_get_optional(struct cli_ctx *c, const char *uri, json_t **out)
{
    struct clihttp_response rp;
    int rc = cli_http(c, "GET", uri, NULL, 0, NULL, 0, &rp);
    *out = NULL;
    if (rc == 0 && rp.status == 404)
        goto out;
    if (rc == 0 && rp.status >= 400)
        rc = cli_http_error(c, &rp);
    if (rc == 0) {
        *out = json_loadb(rp.body.data ? rp.body.data : "", rp.body.len, 0, NULL);
        if (!json_is_object(*out)) {
            json_decref(*out);
            *out = NULL;
            rc = cli_error(c, "GET %s: the response (HTTP %ld) is not a JSON object", uri,
                           rp.status);
        }
    }
out:
    clihttp_response_free(&rp);
    return rc;
}

/* A limit on the pages of one list, so that a server whose nextLink goes
 * round in circles cannot keep the CLI busy for ever. */
#define CLI_LIST_MAX_PAGES 10000

int cli_list(struct cli_ctx *c, const char *uri, json_t **out)
{
    json_t *acc = json_pack("{s:[]}", "value");
    char *next = NULL;
    int rc = 0;
    *out = NULL;
    for (int pages = 0;; pages++) {
        json_t *page = NULL;
        int bad;
        if (pages == CLI_LIST_MAX_PAGES) {
            rc = cli_error(c, "GET %s: more than %d pages; giving up", uri, CLI_LIST_MAX_PAGES);
            break;
        }
        rc = cli_call(c, "GET", next ? next : uri, NULL, 0, NULL, &page);
        if (rc != 0)
            break;
        const char *link = clireq_list_append(acc, page, &bad);
        if (bad) {
            json_decref(page);
            rc = cli_error(c, "GET %s: the response is not a list ({\"value\": [...]})", uri);
            break;
        }
        char *was = next;
        next = link ? util_xstrdup(link) : NULL;
        json_decref(page);
        if (next && was && strcmp(next, was) == 0)
            rc = cli_error(c, "GET %s: the service sent the same nextLink twice", uri);
        free(was);
        if (rc != 0 || !next)
            break;
    }
    free(next);
    if (rc == 0)
        *out = acc;
    else
        json_decref(acc);
    return rc;
}

int cli_emit(struct cli_ctx *c, json_t *v)
{
    json_t *shown = v ? json_incref(v) : NULL;
    if (c->query && v) {
        json_decref(shown);
        shown = cliquery_eval(c->query, v);
    }
    if (shown && !json_is_null(shown))
        cliout_print(c->out, shown, c->format, c->max_width);
    json_decref(shown);
    fflush(c->out);
    return CLI_EXIT_OK;
}

int cli_emit_view(struct cli_ctx *c, json_t *v, cliview_fn view)
{
    if (!v || !view || c->format != CLIOUT_TABLE || c->query)
        return cli_emit(c, v);
    json_t *rows = view(v);
    int rc = cli_emit(c, rows);
    json_decref(rows);
    return rc;
}

int cli_show(struct cli_ctx *c, const char *uri, cliview_fn view)
{
    json_t *out = NULL;
    int rc = cli_call(c, "GET", uri, NULL, 0, NULL, &out);
    if (rc == 0)
        cli_emit_view(c, out, view);
    json_decref(out);
    return rc;
}

int cli_list_show(struct cli_ctx *c, const char *uri, cliview_fn view)
{
    json_t *out = NULL;
    int rc = cli_list(c, uri, &out);
    if (rc == 0)
        cli_emit_view(c, out, view);
    json_decref(out);
    return rc;
}

int cli_delete(struct cli_ctx *c, const char *uri, const char *what)
{
    json_t *out = NULL;
    long status = 0;
    int rc = cli_write(c, "DELETE", uri, NULL, NULL, &status, &out);
    if (rc == 0 && status == 204)
        cli_warn(c, "there is no %s: nothing was deleted", what);
    json_decref(out);
    return rc;
}

int cli_update(struct cli_ctx *c, const char *uri, cli_apply_fn apply, void *arg, cliview_fn view)
{
    json_t *cur = NULL, *out = NULL;
    char *err = NULL, *if_match = NULL;
    int rc = cli_call(c, "GET", uri, NULL, 0, NULL, &cur);
    if (rc != 0)
        goto out;
    const json_t *etag = json_object_get(cur, "etag");
    if (!json_is_object(cur) || !json_is_string(etag) || json_string_length(etag) == 0) {
        /* Without an etag a concurrent change could be lost: refuse. */
        rc = cli_error(c, "GET %s: the resource has no etag; it cannot be updated safely", uri);
        goto out;
    }
    if_match = util_asprintf("If-Match: %s", json_string_value(etag));
    if (apply(cur, arg, &err) != 0) {
        rc = cli_usage_error(c, "%s", err);
        goto out;
    }
    const char *headers[] = {if_match, NULL};
    rc = cli_write(c, "PUT", uri, cur, headers, NULL, &out);
    if (rc == 0)
        cli_emit_view(c, out, view);
out:
    free(err);
    free(if_match);
    json_decref(cur);
    json_decref(out);
    return rc;
}

int cli_need_one_of(struct cli_ctx *c, const char *const *names)
{
    struct buf all = {0};
    for (size_t i = 0; names[i]; i++) {
        if (cli_arg_given(c->args, names[i])) {
            buf_free(&all);
            return 0;
        }
        buf_appendf(&all, "%s--%s", i ? ", " : "", names[i]);
    }
    int rc = cli_usage_error(c, "nothing to change: give at least one of %s", all.data);
    buf_free(&all);
    return rc;
}

int cli_rg(struct cli_ctx *c, const char **rg)
{
    *rg = c->resource_group.value;
    if (!*rg)
        return cli_usage_error(c, "no resource group: pass --resource-group (-g) NAME, set "
                                  "ACCELNET_RESOURCE_GROUP, or store a default with `accelnet "
                                  "account set --resource-group NAME`");
    return 0;
}

int cli_sub_rg(struct cli_ctx *c, const char **sub, const char **rg)
{
    int rc = cli_sub(c, sub);
    return rc != 0 ? rc : cli_rg(c, rg);
}

int cli_location(struct cli_ctx *c, const char *sub, const char *rg, char **location)
{
    json_t *out = NULL;
    const char *given = cli_arg(c->args, "location");
    *location = NULL;
    if (given) {
        *location = util_xstrdup(given);
        return 0;
    }
    char *uri = clireq_uri("/subscriptions/%s/resourcegroups/%s", sub, rg);
    int rc = cli_call(c, "GET", uri, NULL, 0, NULL, &out);
    if (rc == 0) {
        const json_t *loc = json_object_get(out, "location");
        if (json_is_string(loc) && json_string_length(loc))
            *location = util_xstrdup(json_string_value(loc));
        else
            rc = cli_error(c, "GET %s: the resource group has no location; pass --location", uri);
    }
    json_decref(out);
    free(uri);
    return rc;
}

char *cli_nsg_arg(struct cli_ctx *c, const char *sub, const char *rg)
{
    const char *v = cli_arg(c->args, "nsg");
    if (!v)
        return NULL;
    return *v ? clireq_net_id(sub, rg, "networkSecurityGroups", v) : util_xstrdup("");
}

int cli_tags(struct cli_ctx *c, json_t **tags)
{
    size_t n;
    char *err = NULL;
    const char *const *v = cli_arg_list(c->args, "tags", &n);
    *tags = NULL;
    if (!cli_arg_given(c->args, "tags"))
        return 0;
    *tags = clireq_tags(v, n, &err);
    if (*tags)
        return 0;
    int rc = cli_usage_error(c, "argument --tags: %s", err);
    free(err);
    return rc;
}

int cli_command_has_flag(const struct cli_command *cmd, const char *name)
{
    for (size_t k = 0; cmd && cmd->flags && cmd->flags[k].name; k++)
        if (strcmp(cmd->flags[k].name, name) == 0)
            return 1;
    return 0;
}

int cli_sub(struct cli_ctx *c, const char **sub)
{
    const char *v = c->subscription.value;
    *sub = NULL;
    if (!v)
        return cli_usage_error(c, "no subscription: pass --subscription ID, set "
                                  "ACCELNET_SUBSCRIPTION, or store a default with `accelnet "
                                  "account set --subscription ID`");
    if (strlen(v) != 36 || !util_is_guid(v))
        return cli_usage_error(c, "the subscription '%s' (from the %s) is not a GUID", v,
                               cliconf_source_name(c->subscription.source));
    *sub = v;
    return 0;
}

/* The terminal's width when out is one, else 0 (no truncation). */
static size_t terminal_width(FILE *out)
{
    int fd = fileno(out);
    struct winsize ws;
    if (fd < 0 || !isatty(fd))
        return 0;
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    long cols;
    if (util_parse_long(getenv("COLUMNS"), 20, 10000, &cols) == 0)
        return (size_t)cols;
    return 0;
}

static char *config_path(void)
{
    const char *home = getenv("HOME");
    if (!home || !*home) {
        struct passwd *pw = getpwuid(getuid());
        home = pw ? pw->pw_dir : NULL;
    }
    return cliconf_default_path(getenv("XDG_CONFIG_HOME"), home);
}

static int run_command(const struct cli_table *t, const struct cli_parsed *p, FILE *out, FILE *err)
{
    struct cli_ctx c = {.table = t, .args = p, .out = out, .err = err};
    char *msg = NULL;
    int rc;

    c.debug = p->g.debug;
    c.timeout_ms = p->g.timeout * 1000;
    c.max_width = terminal_width(out);
    if (cliout_parse_format(p->g.output, &c.format) != 0)
        c.format = CLIOUT_JSON; /* the parser only lets the four names through */
    if (p->g.query) {
        c.query = cliquery_compile(p->g.query, &msg);
        if (!c.query) {
            rc = cli_usage_error(&c, "argument --query: %s", msg);
            goto out;
        }
    }
    c.config_path = config_path();
    if (c.config_path && cliconf_load(&c.conf, c.config_path, &msg) != 0) {
        rc = cli_error(&c, "config file: %s", msg);
        goto out;
    }
    if (c.conf.loose_mode)
        cli_warn(&c, "%s can be read or written by other users; run: chmod 600 %s", c.config_path,
                 c.config_path);
    c.url = cliconf_pick(p->g.url, getenv("ACCELNET_URL"), cliconf_get(&c.conf, CLICONF_URL));
    c.token =
        cliconf_pick(p->g.token, getenv("ACCELNET_TOKEN"), cliconf_get(&c.conf, CLICONF_TOKEN));
    c.ca_file = cliconf_pick(p->g.ca_file, getenv("ACCELNET_CA_FILE"),
                             cliconf_get(&c.conf, CLICONF_CA_FILE));
    /* login has a --subscription of its own that it stores; for the others
     * it names the subscription to work on. */
    c.subscription = cliconf_pick(
        cli_command_has_flag(p->cmd, "subscription") ? cli_arg(p, "subscription") : NULL,
        getenv("ACCELNET_SUBSCRIPTION"), cliconf_get(&c.conf, CLICONF_SUBSCRIPTION));
    c.resource_group = cliconf_pick(
        cli_command_has_flag(p->cmd, "resource-group") ? cli_arg(p, "resource-group") : NULL,
        getenv("ACCELNET_RESOURCE_GROUP"), cliconf_get(&c.conf, CLICONF_RESOURCE_GROUP));
    rc = p->cmd->handler(&c);
out:
    free(msg);
    cliquery_free(c.query);
    cliconf_free(&c.conf);
    free(c.config_path);
    free(c.base_url);
    return rc;
}

int cli_run(const struct cli_table *t, int argc, char **argv, FILE *out, FILE *err)
{
    struct cli_parsed p;
    int rc;

    if (sodium_init() < 0) { /* request ids come from its random generator */
        fputs("ERROR: cannot initialise libsodium\n", err);
        return CLI_EXIT_ERROR;
    }
    /* The hidden words of the completion script and `make install`. */
    if (argc >= 2 && strcmp(argv[1], "__complete") == 0) {
        cli_complete(out, t, argc - 2, argv + 2);
        fflush(out);
        return CLI_EXIT_OK;
    }
    if (argc == 2 && strcmp(argv[1], "__man") == 0) {
        cli_man_print(out, t);
        fflush(out);
        return CLI_EXIT_OK;
    }
    switch (cli_parse(&p, t, argc, argv)) {
    case CLI_PARSE_HELP:
        cli_help_print(out, t, p.group, p.cmd);
        rc = CLI_EXIT_OK;
        break;
    case CLI_PARSE_VERSION:
        fprintf(out, "accelnet %s\n", ACCELNET_VERSION);
        rc = CLI_EXIT_OK;
        break;
    case CLI_PARSE_USAGE:
        if (p.error)
            fprintf(err, "ERROR: %s\n", p.error);
        cli_help_print(err, t, p.group, p.cmd);
        rc = CLI_EXIT_USAGE;
        break;
    case CLI_PARSE_RUN:
    default:
        rc = run_command(t, &p, out, err);
        break;
    }
    cli_parsed_free(&p);
    fflush(out);
    fflush(err);
    return rc;
}
