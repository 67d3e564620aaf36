/* cmd — what command handlers share: the context (parsed arguments,
 * settings, output options) and the helpers that make a handler a few lines:
 * cli_call() for an API call with the error display and exit codes done,
 * cli_emit() for output with --query and -o applied. One file per resource
 * type (cmd_token.c, ...), handlers named cli_<resource>_<verb> like their
 * api_ and db_ counterparts. */
#ifndef ACCELNET_CLI_CMD_H
#define ACCELNET_CLI_CMD_H

#include <jansson.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/config.h"
#include "cli/http.h"
#include "cli/output.h"
#include "cli/query.h"

struct cli_ctx {
    const struct cli_table *table;
    const struct cli_parsed *args;
    FILE *out, *err;

    char *config_path;   /* or NULL when there is no home directory; owned */
    struct cliconf conf; /* the config file as read */
    struct cliconf_setting url, token, ca_file;
    char *base_url; /* url checked and without trailing '/', or NULL; owned */

    enum cliout_format format;
    struct cliquery *query; /* or NULL; owned */
    size_t max_width;       /* table width limit (the terminal's), 0: none */
    long timeout_ms;
    int debug;
};

/* cli_call() flags */
#define CLI_CALL_NO_AUTH 0x1u /* a public route: no token needed or sent */
#define CLI_CALL_RAW_URI 0x2u /* never add api-version (the caller knows best) */

/* Prints "ERROR: <message>" on stderr; returns CLI_EXIT_ERROR. */
int cli_error(struct cli_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "ERROR: <message>" and the command's help on stderr; returns
 * CLI_EXIT_USAGE. For argument values that only the handler can judge. */
int cli_usage_error(struct cli_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "WARNING: <message>" on stderr. */
void cli_warn(struct cli_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sends method uri (a path relative to the service URL; api-version added per
 * clihttp_url) with body (borrowed, may be NULL) and fills rp, whatever the
 * status. Returns 0, or an exit code after printing why there is no response
 * (no URL or token configured, bad URI, unreachable, TLS). */
int cli_http(struct cli_ctx *c, const char *method, const char *uri, const char *body,
             size_t body_len, const char *const *headers, unsigned flags,
             struct clihttp_response *rp);
/* Prints the API error in rp (status >= 400) and returns its exit code. */
int cli_http_error(struct cli_ctx *c, const struct clihttp_response *rp);

/* cli_http() for a JSON API: body (borrowed) serialised, errors printed.
 * Returns 0 with *out the parsed response (a new reference; NULL for an
 * empty body) and *status set (status may be NULL), or an exit code. */
int cli_call(struct cli_ctx *c, const char *method, const char *uri, const json_t *body,
             unsigned flags, long *status, json_t **out);
/* Prints v (borrowed; NULL prints nothing) with --query and -o applied. */
int cli_emit(struct cli_ctx *c, json_t *v);

/* cmd_account.c */
int cli_login(struct cli_ctx *c);
int cli_logout(struct cli_ctx *c);
int cli_account_show(struct cli_ctx *c);
/* cmd_token.c */
int cli_token_create(struct cli_ctx *c);
int cli_token_list(struct cli_ctx *c);
int cli_token_show(struct cli_ctx *c);
int cli_token_revoke(struct cli_ctx *c);
/* cmd_health.c */
int cli_health(struct cli_ctx *c);
/* cmd_rest.c */
int cli_rest(struct cli_ctx *c);

#endif
