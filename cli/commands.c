/* commands — the accelnet command table: every group and command, their
 * flags, help and examples. A new command is a row here plus its handler
 * (cli/cmd.h); tests/unit/test_cli_args.c checks that the table hangs
 * together and that every example parses. */
#include "cli/cli.h"
#include "cli/cmd.h"

static const char *const token_roles[] = {"admin", "agent", NULL};
static const char *const http_methods[] = {"GET", "PUT", "POST", "PATCH", "DELETE", "HEAD", NULL};

static const struct cli_group groups[] = {
    {
        .path = "",
        .summary = "accelnet — the command line for accelnetd, the Accelerated Networking "
                   "control plane.",
        .help =
            "Usage: accelnet <group> [<subgroup>] <command> [--flags]\n"
            "       accelnet <group> --help    shows what a group holds\n"
            "\n"
            "Settings\n"
            "    `accelnet login --url URL --token TOKEN [--ca-file FILE]` stores the endpoint,\n"
            "    the token and the CA file in $XDG_CONFIG_HOME/accelnet/config (else\n"
            "    ~/.config/accelnet/config; key=value, mode 0600). For each of them a global\n"
            "    flag (--url, --token, --ca-file) wins over the environment (ACCELNET_URL,\n"
            "    ACCELNET_TOKEN, ACCELNET_CA_FILE), which wins over the file.\n"
            "\n"
            "Output\n"
            "    Results go to stdout (-o json, table, tsv or none; --query picks a part);\n"
            "    errors go to stderr as `ERROR: (Code) message` with the request id.\n"
            "\n"
            "Exit codes\n"
            "    0  success\n"
            "    1  server error (5xx), service unreachable or unavailable, or another failure\n"
            "    2  usage error: bad command line (the relevant help is printed on stderr)\n"
            "    3  not found (HTTP 404)\n"
            "    4  refused: any other 4xx (400 invalid request, 401 not authenticated,\n"
            "       403 not allowed, 409 conflict, 412 precondition failed, 413 too large, ...)",
        .examples =
            (const struct cli_example[]){
                {"Log in to a local accelnetd with its admin token.",
                 "accelnet login --url https://127.0.0.1:8443 --token acn_... --ca-file cert.pem"},
                {"Check that the service is up and ready.", "accelnet health"},
                {"List the API tokens as a table.", "accelnet admin token list -o table"},
                {0},
            },
    },
    {
        .path = "account",
        .summary = "The service and credentials this CLI uses.",
        .help = "`accelnet login` sets them; `accelnet logout` forgets the token.",
    },
    {
        .path = "admin",
        .summary = "Operator commands (an admin token is needed).",
    },
    {
        .path = "admin token",
        .summary = "Create, list, show and revoke API tokens.",
        .help = "Admin tokens may do anything; agent tokens are for accelnet-agent on each host.\n"
                "A token's secret is shown once, when it is created; only its hash is stored.",
        .examples =
            (const struct cli_example[]){
                {"Create a token for the agent on a host.",
                 "accelnet admin token create --role agent --description \"host weu-042\""},
                {"Revoke it.",
                 "accelnet admin token revoke --id 2f1e6b0c-6a8e-4a53-9d0c-2b8f5f1d7a10"},
                {0},
            },
    },
};

static const struct cli_command commands[] = {
    /* --- top level ----------------------------------------------------------------- */
    {
        .group = "",
        .verb = "login",
        .handler = cli_login,
        .summary = "Store the service URL, a token and the CA file for later commands.",
        .help = "Checks them first: the service must answer over TLS with this CA and accept the\n"
                "token (use --no-verify to store them as they are). They go to\n"
                "$XDG_CONFIG_HOME/accelnet/config (else ~/.config/accelnet/config), mode 0600,\n"
                "replacing what was there. Prints the account as `accelnet account show` does.",
        .flags =
            (const struct cli_flag[]){
                {.name = "url",
                 .opts = CLI_REQUIRED,
                 .metavar = "URL",
                 .help = "The accelnetd endpoint, e.g. https://127.0.0.1:8443."},
                {.name = "token",
                 .opts = CLI_REQUIRED,
                 .metavar = "TOKEN",
                 .help = "The bearer token (acn_...). '-' reads it from the first line of stdin, "
                         "which keeps it out of the shell history."},
                {.name = "ca-file",
                 .metavar = "FILE",
                 .help = "PEM file with the CA certificate(s) that signed the server's "
                         "certificate; stored as an absolute path. Without it the system's CA "
                         "store is used."},
                {.name = "no-verify",
                 .type = CLI_SWITCH,
                 .help = "Store the settings without contacting the service."},
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Log in with the admin token accelnetd wrote at its first start.",
                 "accelnet login --url https://127.0.0.1:8443 --token - --ca-file cert.pem < "
                 "accelnetd-admin-token"},
                {"Store settings for a service that is not running yet.",
                 "accelnet login --url https://127.0.0.1:8443 --token acn_... --no-verify"},
                {0},
            },
    },
    {
        .group = "",
        .verb = "logout",
        .handler = cli_logout,
        .summary = "Remove the stored token (the URL and CA file stay).",
        .examples =
            (const struct cli_example[]){
                {"Forget the token.", "accelnet logout"},
                {0},
            },
    },
    {
        .group = "",
        .verb = "health",
        .handler = cli_health,
        .summary = "Check that the service is alive (/healthz) and ready to serve (/readyz).",
        .help = "No token is needed. Exits 1 when the service is unreachable or not ready (for\n"
                "instance when its database is down).",
        .examples =
            (const struct cli_example[]){
                {"Check the service in the settings.", "accelnet health"},
                {"Check another one, as a table.",
                 "accelnet health --url https://127.0.0.1:9443 -o table"},
                {0},
            },
    },
    {
        .group = "",
        .verb = "rest",
        .handler = cli_rest,
        .summary = "Call any API route, like `az rest`.",
        .help = "The service URL, token, CA file and request id are added, and\n"
                "api-version=2016-09-01 when the URI has none (except for /healthz, /readyz and\n"
                "/metrics). JSON responses honour -o and --query; others are printed as they\n"
                "come. Errors and exit codes are those of every other command.",
        .flags =
            (const struct cli_flag[]){
                {.name = "method",
                 .short_name = 'm',
                 .type = CLI_ENUM,
                 .metavar = "METHOD",
                 .choices = http_methods,
                 .def = "GET",
                 .help = "The HTTP method."},
                {.name = "uri",
                 .short_name = 'u',
                 .opts = CLI_REQUIRED,
                 .metavar = "URI",
                 .help = "The path and query (/admin/tokens), or an absolute URL on the "
                         "service (a nextLink)."},
                {.name = "body",
                 .short_name = 'b',
                 .metavar = "JSON",
                 .help = "The request body: JSON text, @FILE for a file's contents or @- for "
                         "stdin. Sent as application/json."},
                {.name = "headers",
                 .type = CLI_LIST,
                 .metavar = "NAME=VALUE",
                 .help = "Extra request headers (If-Match=\"...\", Content-Type=text/plain)."},
                {.name = "skip-authorization-header",
                 .type = CLI_SWITCH,
                 .help = "Send no Authorization header."},
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"List the tokens.", "accelnet rest --uri /admin/tokens"},
                {"Create an agent token from a JSON body.",
                 "accelnet rest --method POST --uri /admin/tokens --body "
                 "'{\"role\":\"agent\",\"description\":\"host weu-042\"}'"},
                {"Read the Prometheus metrics.", "accelnet rest --uri /metrics"},
                {0},
            },
    },

    /* --- account ------------------------------------------------------------------- */
    {
        .group = "account",
        .verb = "show",
        .handler = cli_account_show,
        .summary = "Show the service URL and CA file in use (never the token).",
        .help = "The values shown are the ones commands would use: flags, then the environment,\n"
                "then the config file. \"loggedIn\" says whether a token is set.",
        .examples =
            (const struct cli_example[]){
                {"Show where the CLI is pointed.", "accelnet account show"},
                {"Print just the URL.", "accelnet account show --query url -o tsv"},
                {0},
            },
    },

    /* --- admin token --------------------------------------------------------------- */
    {
        .group = "admin token",
        .verb = "create",
        .handler = cli_token_create,
        .summary = "Create an API token.",
        .help = "The result holds the token itself (\"token\": acn_...), shown this once.",
        .flags =
            (const struct cli_flag[]){
                {.name = "role",
                 .type = CLI_ENUM,
                 .opts = CLI_REQUIRED,
                 .metavar = "ROLE",
                 .choices = token_roles,
                 .help = "What the token may do: admin (everything) or agent (a host agent)."},
                {.name = "description",
                 .metavar = "TEXT",
                 .help = "Free text, up to 256 characters, e.g. the host or person it is for."},
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Create a token for a host agent and keep only the secret.",
                 "accelnet admin token create --role agent --description \"host weu-042\" "
                 "--query token -o tsv"},
                {"Create a second admin token.",
                 "accelnet admin token create --role admin --description \"on-call\""},
                {0},
            },
    },
    {
        .group = "admin token",
        .verb = "list",
        .handler = cli_token_list,
        .summary = "List the tokens (ids, roles, descriptions; never the secrets).",
        .examples =
            (const struct cli_example[]){
                {"List them as a table.", "accelnet admin token list -o table"},
                {"Print the ids of the agent tokens, one per line.",
                 "accelnet admin token list --query \"value[].id\" -o tsv"},
                {0},
            },
    },
    {
        .group = "admin token",
        .verb = "show",
        .handler = cli_token_show,
        .summary = "Show one token.",
        .flags =
            (const struct cli_flag[]){
                {.name = "id",
                 .opts = CLI_REQUIRED,
                 .metavar = "ID",
                 .help = "The token's id (a GUID, from `accelnet admin token list`)."},
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Show a token.",
                 "accelnet admin token show --id 2f1e6b0c-6a8e-4a53-9d0c-2b8f5f1d7a10"},
                {0},
            },
    },
    {
        .group = "admin token",
        .verb = "revoke",
        .handler = cli_token_revoke,
        .summary = "Revoke a token: it stops working at once.",
        .help = "Revoking a token that does not exist changes nothing and says so on stderr\n"
                "(exit 0, so that a revoke can be repeated).",
        .flags =
            (const struct cli_flag[]){
                {.name = "id",
                 .opts = CLI_REQUIRED,
                 .metavar = "ID",
                 .help = "The token's id (a GUID, from `accelnet admin token list`)."},
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Revoke a token.",
                 "accelnet admin token revoke --id 2f1e6b0c-6a8e-4a53-9d0c-2b8f5f1d7a10"},
                {0},
            },
    },
};

const struct cli_table cli_table = {
    .groups = groups,
    .ngroups = sizeof(groups) / sizeof(groups[0]),
    .commands = commands,
    .ncommands = sizeof(commands) / sizeof(commands[0]),
};
