/* check-eligibility — POST .../providers/Microsoft.Network/locations/
 * {location}/checkAcceleratedNetworkingEligibility (api/eligibility.c).
 *
 * The answer is printed whatever it is (every failing condition with what
 * would be eligible); the exit code says it for scripts: 0 eligible, 4 not
 * (CLI_EXIT_REFUSED: what a NIC or VM create would be for the same reasons). */
#include "cli/cmd.h"

#include <stdlib.h>

#include "common/util.h"

int cli_elig_check(struct cli_ctx *c)
{
    const struct cli_parsed *p = c->args;
    struct clireq_image im;
    json_t *body = NULL, *out = NULL, *rows = NULL;
    char *err = NULL, *uri = NULL;
    const char *sub;
    int rc = cli_sub(c, &sub);
    if (rc != 0)
        return rc;
    if (clireq_image_parse(cli_arg(p, "image"), &im, &err) != 0) {
        rc = cli_usage_error(c, "argument --image: %s", err);
        free(err);
        return rc;
    }
    body = clireq_elig_body(cli_arg(p, "size"), &im);
    uri = clireq_uri("/subscriptions/%s/providers/Microsoft.Network/locations/%s/"
                     "checkAcceleratedNetworkingEligibility",
                     sub, cli_arg(p, "location"));
    rc = cli_call(c, "POST", uri, body, 0, NULL, &out);
    if (rc != 0)
        goto out;
    if (c->format == CLIOUT_TABLE && !c->query) {
        rows = cliview_eligibility(out, cli_arg(p, "location"), cli_arg(p, "size"),
                                   cli_arg(p, "image"));
        cli_emit(c, rows);
    } else {
        cli_emit(c, out);
    }
    if (!json_is_true(json_object_get(out, "eligible"))) {
        size_t n = json_array_size(json_object_get(out, "reasons"));
        fprintf(c->err, "Not eligible for Accelerated Networking: %zu reason%s (exit code %d).\n",
                n, n == 1 ? "" : "s", CLI_EXIT_REFUSED);
        rc = CLI_EXIT_REFUSED;
    }
out:
    json_decref(rows);
    json_decref(out);
    json_decref(body);
    free(uri);
    clireq_image_free(&im);
    return rc;
}
