/* health — GET /healthz (the process answers) and GET /readyz (it can serve:
 * the database is reachable). Public routes: no token needed. */
#include "cli/cmd.h"

#include <string.h>

/* One probe: its "status" text, or the error code when it failed; the exit
 * code in *rc (the first failure's). *reached = 0 when no answer came. */
static json_t *probe(struct cli_ctx *c, const char *path, int *rc, int *reached)
{
    struct clihttp_response rp;
    json_t *result;
    int r = cli_http(c, "GET", path, NULL, 0, NULL, CLI_CALL_NO_AUTH, &rp);
    *reached = r == 0;
    if (r != 0) {
        result = json_string("Unreachable");
    } else if (rp.status >= 400) {
        const char *code = clihttp_header(&rp, "x-ms-error-code");
        r = cli_http_error(c, &rp);
        result = code ? json_string(code) : json_sprintf("HTTP %ld", rp.status);
    } else {
        json_t *doc = json_loadb(rp.body.data ? rp.body.data : "", rp.body.len, 0, NULL);
        json_t *st = json_object_get(doc, "status");
        result = json_is_string(st) ? json_incref(st) : json_sprintf("HTTP %ld", rp.status);
        json_decref(doc);
    }
    clihttp_response_free(&rp);
    if (r != 0 && *rc == 0)
        *rc = r;
    return result;
}

int cli_health(struct cli_ctx *c)
{
    int rc = 0, reached = 0;
    json_t *live = probe(c, "/healthz", &rc, &reached);
    if (!reached) {
        json_decref(live);
        return rc; /* why was printed; there is nothing to show */
    }
    json_t *ready = probe(c, "/readyz", &rc, &reached);
    json_t *out = json_pack("{s:s, s:o, s:o}", "url", c->base_url ? c->base_url : c->url.value,
                            "healthz", live, "readyz", ready);
    cli_emit(c, out);
    json_decref(out);
    return rc;
}
