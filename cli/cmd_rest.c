/* rest — any call to the API, like `az rest`: the URL, token, CA, request id,
 * api-version and error display are filled in; the body and the response are
 * the caller's. */
#include "cli/cmd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* --body: the text itself, @FILE for a file's contents, @- for stdin. */
static int read_body(struct cli_ctx *c, const char *arg, struct buf *out)
{
    if (arg[0] != '@') {
        buf_append(out, arg, strlen(arg));
        return 0;
    }
    const char *path = arg + 1;
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return cli_usage_error(c, "argument --body: cannot open %s: %s", path, strerror(errno));
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_append(out, chunk, n);
    int bad = ferror(f);
    if (f != stdin)
        fclose(f);
    if (bad)
        return cli_error(c, "argument --body: cannot read %s", path);
    buf_append(out, "", 0);
    return 0;
}

int cli_rest(struct cli_ctx *c)
{
    const struct cli_parsed *p = c->args;
    struct buf body = {0};
    struct clihttp_response rp = {0};
    const char **headers = NULL;
    size_t nh = 0;
    int rc = 0;

    if (cli_arg(p, "body") && (rc = read_body(c, cli_arg(p, "body"), &body)) != 0)
        goto out;
    const char *const *hv = cli_arg_list(p, "headers", &nh);
    headers = util_xcalloc(nh + 1, sizeof(*headers));
    for (size_t i = 0; i < nh; i++) {
        const char *eq = strchr(hv[i], '=');
        if (!eq || eq == hv[i]) {
            rc = cli_usage_error(c, "argument --headers: '%s' is not NAME=VALUE", hv[i]);
            goto out;
        }
        headers[i] = util_asprintf("%.*s: %s", (int)(eq - hv[i]), hv[i], eq + 1);
    }
    unsigned flags = cli_arg_given(p, "skip-authorization-header") ? CLI_CALL_NO_AUTH : 0;
    rc = cli_http(c, cli_arg(p, "method"), cli_arg(p, "uri"), cli_arg(p, "body") ? body.data : NULL,
                  body.len, headers, flags, &rp);
    if (rc != 0)
        goto out;
    if (rp.status >= 400) {
        rc = cli_http_error(c, &rp);
        goto out;
    }
    if (!rp.body.len)
        goto out;
    json_t *doc = clihttp_is_json(&rp) ? json_loadb(rp.body.data, rp.body.len, 0, NULL) : NULL;
    if (doc) {
        cli_emit(c, doc);
        json_decref(doc);
    } else {
        /* Not JSON (/metrics is text): as it came. */
        fwrite(rp.body.data, 1, rp.body.len, c->out);
        fflush(c->out);
    }
out:
    for (size_t i = 0; headers && i < nh; i++)
        free((char *)headers[i]);
    free(headers);
    buf_free(&body);
    clihttp_response_free(&rp);
    return rc;
}
