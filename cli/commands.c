/* commands — the accelnet command table: every group and command, their
 * flags, help and examples. A new command is a row here plus its handler
 * (cli/cmd.h); tests/unit/test_cli_args.c checks that the table hangs
 * together and that every example parses. */
#include "cli/cli.h"
#include "cli/cmd.h"

static const char *const token_roles[] = {"admin", "agent", NULL};
static const char *const http_methods[] = {"GET", "PUT", "POST", "PATCH", "DELETE", "HEAD", NULL};
static const char *const booleans[] = {"true", "false", NULL};
static const char *const approval_types[] = {"ApprovalRequired", "AutoApproval", NULL};
static const char *const registration_states[] = {"Pending",       "Registered",   "Rejected",
                                                  "Unregistering", "Unregistered", NULL};
static const char *const os_types[] = {"Windows", "Linux", NULL};

/* Flags that several commands share. */
#define EX_SUB          "7c9e6679-7425-40de-944b-e07fc1f90ae7"
#define EX_TOKEN_ID     "2f1e6b0c-6a8e-4a53-9d0c-2b8f5f1d7a10"
#define EX_FEATURE      "--namespace Microsoft.Network --name AllowAcceleratedNetworkingFeature"
#define EX_IMAGE_WS2012 "MicrosoftWindowsServer:WindowsServer:2012-R2-Datacenter"

#define FLAG_SUBSCRIPTION                                                                \
    {                                                                                    \
        .name = "subscription", .metavar = "ID",                                         \
        .help = "The subscription to work on (a GUID). Default: ACCELNET_SUBSCRIPTION, " \
                "else the one stored by `accelnet account set --subscription ID` or "    \
                "`accelnet login --subscription ID`."                                    \
    }
/* Admin commands name the subscription they act on; there is no default. */
#define FLAG_ADMIN_SUBSCRIPTION(what)                                  \
    {                                                                  \
        .name = "subscription", .opts = CLI_REQUIRED, .metavar = "ID", \
        .help = "The subscription " what " (a GUID)."                  \
    }
#define FLAG_NAMESPACE                                                          \
    {                                                                           \
        .name = "namespace", .opts = CLI_REQUIRED, .metavar = "NAMESPACE",      \
        .help = "The feature's resource provider namespace: Microsoft.Network." \
    }
#define FLAG_FEATURE_NAME                                                                \
    {                                                                                    \
        .name = "name", .short_name = 'n', .opts = CLI_REQUIRED, .metavar = "NAME",      \
        .help = "The feature's name: AllowAcceleratedNetworkingFeature for Accelerated " \
                "Networking."                                                            \
    }
#define FLAG_RG_NAME                                                                       \
    {                                                                                      \
        .name = "name", .short_name = 'n', .opts = CLI_REQUIRED, .metavar = "NAME",        \
        .help = "The resource group's name (1-90 letters, digits, '.', '_', '-', '(' and " \
                "')', not ending in '.')."                                                 \
    }
#define FLAG_SUB_ID                                          \
    {                                                        \
        .name = "id", .opts = CLI_REQUIRED, .metavar = "ID", \
        .help = "The subscription's id (a GUID)."            \
    }
#define FLAG_ACCELERATED(what)                                                             \
    {                                                                                      \
        .name = "accelerated-networking", .type = CLI_ENUM, .metavar = "BOOL",             \
        .choices = booleans, .help = "Whether Accelerated Networking is offered " what "." \
    }

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
            "    `accelnet login --url URL --token TOKEN [--ca-file FILE] [--subscription ID]`\n"
            "    stores the endpoint, the token, the CA file and the default subscription in\n"
            "    $XDG_CONFIG_HOME/accelnet/config (else ~/.config/accelnet/config; key=value,\n"
            "    mode 0600). For each of them a flag (--url, --token, --ca-file, --subscription)\n"
            "    wins over the environment (ACCELNET_URL, ACCELNET_TOKEN, ACCELNET_CA_FILE,\n"
            "    ACCELNET_SUBSCRIPTION), which wins over the file.\n"
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
            "       403 not allowed, 409 conflict, 412 precondition failed, 413 too large, ...);\n"
            "       also `check-eligibility` when the answer is \"not eligible\"",
        .examples =
            (const struct cli_example[]){
                {"Log in to a local accelnetd with its admin token.",
                 "accelnet login --url https://127.0.0.1:8443 --token acn_... --ca-file cert.pem"},
                {"As the operator: create a subscription and a token for its users.",
                 "accelnet admin subscription create --display-name Contoso --query "
                 "subscriptionId -o tsv"},
                {"As a user of that subscription: log in with its token.",
                 "accelnet login --url https://127.0.0.1:8443 --token acn_... --ca-file cert.pem "
                 "--subscription " EX_SUB},
                {"Ask to join the Accelerated Networking preview.",
                 "accelnet feature register " EX_FEATURE " --intended-use \"low-latency trading\""},
                {"Check whether a VM could have it.",
                 "accelnet check-eligibility --location westeurope --size Standard_DS15_v2 "
                 "--image " EX_IMAGE_WS2012},
                {"Create a resource group.", "accelnet group create -n rg1 -l westeurope"},
                {0},
            },
    },
    {
        .path = "account",
        .summary = "The service, credentials and default subscription this CLI uses; the "
                   "subscription's locations.",
        .help = "`accelnet login` sets them; `accelnet account set` changes the default\n"
                "subscription; `accelnet logout` forgets the token.",
        .examples =
            (const struct cli_example[]){
                {"Show the settings in use.", "accelnet account show"},
                {"Work on another subscription by default.",
                 "accelnet account set --subscription " EX_SUB},
                {0},
            },
    },
    {
        .path = "admin",
        .summary = "Operator commands (an admin token is needed).",
        .help = "Subscriptions and their users' tokens, admin and agent tokens, the preview\n"
                "feature and the operator's decisions on it, and the catalogue of locations,\n"
                "VM sizes and OS images that decides what is eligible.",
        .examples =
            (const struct cli_example[]){
                {"Create a subscription.", "accelnet admin subscription create --display-name "
                                           "Contoso"},
                {"See who is waiting for the preview.",
                 "accelnet admin feature list-pending -o table"},
                {0},
            },
    },
    {
        .path = "admin token",
        .summary = "Create, list, show and revoke admin and agent tokens.",
        .help = "Admin tokens may do anything; agent tokens are for accelnet-agent on each host.\n"
                "A token's secret is shown once, when it is created; only its hash is stored.\n"
                "The tokens of a subscription's users are under `accelnet admin subscription\n"
                "token`.",
        .examples =
            (const struct cli_example[]){
                {"Create a token for the agent on a host.",
                 "accelnet admin token create --role agent --description \"host weu-042\""},
                {"Revoke it.", "accelnet admin token revoke --id " EX_TOKEN_ID},
                {0},
            },
    },
    {
        .path = "admin subscription",
        .summary = "Create, change, list, disable and enable subscriptions.",
        .help = "A subscription is a tenant: its users' tokens can use only its resources. A\n"
                "disabled subscription is read-only until it is enabled again.",
        .examples =
            (const struct cli_example[]){
                {"Create one with a generated id and keep the id.",
                 "accelnet admin subscription create --display-name Contoso --query "
                 "subscriptionId -o tsv"},
                {"List them as a table.", "accelnet admin subscription list -o table"},
                {0},
            },
    },
    {
        .path = "admin subscription token",
        .summary = "Create, list and revoke the tokens of a subscription's users.",
        .help = "A user token may call the subscription's own API (/subscriptions/{id}/...) and\n"
                "nothing else. Its secret is shown once, when it is created.",
        .examples =
            (const struct cli_example[]){
                {"Give a user of the subscription a token.",
                 "accelnet admin subscription token create --subscription " EX_SUB
                 " --description alice --query token -o tsv"},
                {0},
            },
    },
    {
        .path = "admin feature",
        .summary = "Preview features and the decisions on subscriptions' registrations.",
        .help = "A subscription registers for a preview feature (`accelnet feature register`);\n"
                "for a feature whose approval type is ApprovalRequired the registration stays\n"
                "Pending until an operator approves it (Registered) or rejects it with a reason\n"
                "(Rejected). The subscription's contact webhook is told either way.",
        .examples =
            (const struct cli_example[]){
                {"See the pending registrations.", "accelnet admin feature list-pending -o table"},
                {"Approve one.",
                 "accelnet admin feature approve --subscription " EX_SUB " " EX_FEATURE},
                {0},
            },
    },
    {
        .path = "admin catalog",
        .summary = "The catalogue: which locations, VM sizes and OS images offer Accelerated "
                   "Networking.",
        .help = "These lists are data: what an operator sets here applies to the next request\n"
                "(eligibility checks, the SKU list, creates). Each entry has\n"
                "acceleratedNetworking true or false.",
        .examples =
            (const struct cli_example[]){
                {"Offer Accelerated Networking in East US too.",
                 "accelnet admin catalog location set --name eastus --accelerated-networking "
                 "true"},
                {"List the VM sizes.", "accelnet admin catalog size list -o table"},
                {0},
            },
    },
    {
        .path = "admin catalog location",
        .summary = "Locations (regions).",
        .examples =
            (const struct cli_example[]){
                {"List the locations.", "accelnet admin catalog location list -o table"},
                {0},
            },
    },
    {
        .path = "admin catalog size",
        .summary = "VM sizes.",
        .examples =
            (const struct cli_example[]){
                {"Show one size.", "accelnet admin catalog size show --name Standard_DS15_v2"},
                {0},
            },
    },
    {
        .path = "admin catalog image",
        .summary = "OS images (PUBLISHER:OFFER:SKU).",
        .examples =
            (const struct cli_example[]){
                {"List the images.", "accelnet admin catalog image list -o table"},
                {0},
            },
    },
    {
        .path = "feature",
        .summary = "Register the subscription for preview features (Microsoft.Features).",
        .help = "Accelerated Networking is a preview: register for\n"
                "Microsoft.Network/AllowAcceleratedNetworkingFeature, then wait until an\n"
                "operator approves the registration (its state goes from Pending to Registered).",
        .examples =
            (const struct cli_example[]){
                {"Register.",
                 "accelnet feature register " EX_FEATURE " --intended-use \"low-latency trading\""},
                {"See the state.",
                 "accelnet feature show " EX_FEATURE " --query properties.state -o tsv"},
                {0},
            },
    },
    {
        .path = "group",
        .summary = "Resource groups.",
        .examples =
            (const struct cli_example[]){
                {"Create one in West Europe.", "accelnet group create -n rg1 -l westeurope"},
                {"List them.", "accelnet group list -o table"},
                {0},
            },
    },
    /* network (vnet, subnet, nsg, nic): its groups go here, with the network
     * API's routes (service/routes.c). */
    {
        .path = "vm",
        .summary = "Virtual machines: the sizes and SKUs on offer.",
        .help = "Creating VMs comes with the VM API; today this group lists what may be created.",
        .examples =
            (const struct cli_example[]){
                {"Which sizes offer Accelerated Networking in West Europe?",
                 "accelnet vm list-sizes -l westeurope -o table"},
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
        .summary = "Store the service URL, a token, the CA file and a default subscription for "
                   "later commands.",
        .help = "Checks them first: the service must answer over TLS with this CA and accept the\n"
                "token, and with --subscription the token must be able to read that\n"
                "subscription (use --no-verify to store them as they are). They go to\n"
                "$XDG_CONFIG_HOME/accelnet/config (else ~/.config/accelnet/config), mode 0600,\n"
                "replacing what was there (a login without --subscription forgets the old\n"
                "default subscription). Prints the account as `accelnet account show` does.",
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
                {.name = "subscription",
                 .metavar = "ID",
                 .help = "The default subscription (a GUID) for the commands that work on one: "
                         "the one a user token belongs to."},
                {.name = "no-verify",
                 .type = CLI_SWITCH,
                 .help = "Store the settings without contacting the service."},
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Log in as a user of a subscription, with the token the operator gave you.",
                 "accelnet login --url https://127.0.0.1:8443 --token acn_... --ca-file cert.pem "
                 "--subscription " EX_SUB},
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

    {
        .group = "",
        .verb = "check-eligibility",
        .handler = cli_elig_check,
        .summary = "Check whether a VM may have Accelerated Networking, and if not, why.",
        .help = "Asks the service about a VM of --size from --image in --location for the\n"
                "subscription. Every condition that fails is listed with its code and the\n"
                "values that would be eligible (allowedValues):\n"
                "    the preview feature is not Registered: FeatureRegistrationPending,\n"
                "        FeatureRegistrationRejected or SubscriptionNotRegisteredForFeature;\n"
                "    the location does not offer it:\n"
                "        LocationIsNotPermittedToEnableAcceleratedNetworking;\n"
                "    the size does not: VMSizeIsNotPermittedToEnableAcceleratedNetworking;\n"
                "    the image does not: OSImageIsNotPermittedToEnableAcceleratedNetworking.\n"
                "The answer is printed either way (-o table: one row per reason). Exit code 0\n"
                "when eligible; 4 when not (what a create would get for the same reasons),\n"
                "with a line on stderr; 2, 3, 4 or 1 as usual when the check itself fails.",
        .flags =
            (const struct cli_flag[]){
                {.name = "location",
                 .short_name = 'l',
                 .opts = CLI_REQUIRED,
                 .metavar = "LOCATION",
                 .help = "The location, e.g. westeurope (`accelnet account list-locations`)."},
                {.name = "size",
                 .opts = CLI_REQUIRED,
                 .metavar = "SIZE",
                 .help = "The VM size, e.g. Standard_DS15_v2 (`accelnet vm list-sizes`)."},
                {.name = "image",
                 .opts = CLI_REQUIRED,
                 .metavar = "URN",
                 .help = "The OS image as PUBLISHER:OFFER:SKU[:VERSION], e.g. "
                         "MicrosoftWindowsServer:WindowsServer:2012-R2-Datacenter:latest. "
                         "Eligibility depends on the sku, not the version."},
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"A combination that is eligible once the preview is approved.",
                 "accelnet check-eligibility --location westeurope --size Standard_DS15_v2 "
                 "--image " EX_IMAGE_WS2012},
                {"One that is not, with every reason as a table.",
                 "accelnet check-eligibility -l eastus --size Standard_D2_v2 --image "
                 "Canonical:UbuntuServer:16.04-LTS -o table"},
                {"Use it in a script.", "accelnet check-eligibility -l westeurope --size "
                                        "Standard_DS15_v2 --image " EX_IMAGE_WS2012 " -o none"},
                {0},
            },
    },

    /* --- account ------------------------------------------------------------------- */
    {
        .group = "account",
        .verb = "show",
        .handler = cli_account_show,
        .summary = "Show the service URL, CA file and default subscription in use (never the "
                   "token).",
        .help = "The values shown are the ones commands would use: flags, then the environment,\n"
                "then the config file. \"loggedIn\" says whether a token is set;\n"
                "\"subscriptionId\" is the default subscription (ACCELNET_SUBSCRIPTION, else the\n"
                "config file), or null.",
        .examples =
            (const struct cli_example[]){
                {"Show where the CLI is pointed.", "accelnet account show"},
                {"Print just the URL.", "accelnet account show --query url -o tsv"},
                {0},
            },
    },

    {
        .group = "account",
        .verb = "set",
        .handler = cli_account_set,
        .summary = "Store the default subscription for the commands that work on one.",
        .help = "Checks first that the token in use can read the subscription (use --no-verify\n"
                "to store it as it is). ACCELNET_SUBSCRIPTION and --subscription still win over\n"
                "it.",
        .flags =
            (const struct cli_flag[]){
                {.name = "subscription",
                 .opts = CLI_REQUIRED,
                 .metavar = "ID",
                 .help = "The subscription (a GUID)."},
                {.name = "no-verify",
                 .type = CLI_SWITCH,
                 .help = "Store it without contacting the service."},
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Work on this subscription from now on.",
                 "accelnet account set --subscription " EX_SUB},
                {0},
            },
    },
    {
        .group = "account",
        .verb = "list-locations",
        .handler = cli_catalog_sub_locations,
        .summary = "List the locations the subscription can use.",
        .help = "Which of them offer Accelerated Networking shows in `accelnet vm list-skus` and\n"
                "`accelnet check-eligibility`.",
        .flags =
            (const struct cli_flag[]){
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"List them as a table.", "accelnet account list-locations -o table"},
                {"Just the names.", "accelnet account list-locations --query \"value[].name\" -o "
                                    "tsv"},
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
                {"Show a token.", "accelnet admin token show --id " EX_TOKEN_ID},
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
                {"Revoke a token.", "accelnet admin token revoke --id " EX_TOKEN_ID},
                {0},
            },
    },
    /* --- admin subscription -------------------------------------------------------- */
    {
        .group = "admin subscription",
        .verb = "create",
        .handler = cli_subscription_create,
        .summary = "Create a subscription.",
        .help = "Without --id a new GUID is generated (shown as subscriptionId in the result).\n"
                "An --id that exists already is refused (exit 4): change a subscription with\n"
                "`accelnet admin subscription update`.",
        .flags =
            (const struct cli_flag[]){
                {.name = "id",
                 .metavar = "ID",
                 .help = "The subscription's id (a GUID). Default: a new random one."},
                {.name = "display-name",
                 .opts = CLI_REQUIRED,
                 .metavar = "NAME",
                 .help = "What it is called, 1 to 256 characters."},
                {.name = "contact-webhook",
                 .metavar = "URL",
                 .help = "An http:// or https:// URL that is told about decisions on the "
                         "subscription's preview registrations."},
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Create one and keep its generated id.",
                 "accelnet admin subscription create --display-name Contoso --query "
                 "subscriptionId -o tsv"},
                {"Create one with a given id and a webhook.",
                 "accelnet admin subscription create --id " EX_SUB " --display-name Contoso "
                 "--contact-webhook https://hooks.contoso.example/accelnet"},
                {0},
            },
    },
    {
        .group = "admin subscription",
        .verb = "update",
        .handler = cli_subscription_update,
        .summary = "Change a subscription's display name or contact webhook.",
        .help = "What is not given stays as it is; --contact-webhook \"\" removes the webhook.",
        .flags =
            (const struct cli_flag[]){
                FLAG_SUB_ID,
                {.name = "display-name",
                 .metavar = "NAME",
                 .help = "What it is called, 1 to 256 characters."},
                {.name = "contact-webhook",
                 .metavar = "URL",
                 .help = "An http:// or https:// URL for decisions on its registrations; \"\" "
                         "removes it."},
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Rename it.", "accelnet admin subscription update --id " EX_SUB
                               " --display-name \"Contoso Ltd\""},
                {"Stop the webhook.",
                 "accelnet admin subscription update --id " EX_SUB " --contact-webhook \"\""},
                {0},
            },
    },
    {
        .group = "admin subscription",
        .verb = "show",
        .handler = cli_subscription_show,
        .summary = "Show a subscription.",
        .flags =
            (const struct cli_flag[]){
                FLAG_SUB_ID,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Is it enabled?",
                 "accelnet admin subscription show --id " EX_SUB " --query state -o tsv"},
                {0},
            },
    },
    {
        .group = "admin subscription",
        .verb = "list",
        .handler = cli_subscription_list,
        .summary = "List the subscriptions.",
        .examples =
            (const struct cli_example[]){
                {"As a table.", "accelnet admin subscription list -o table"},
                {0},
            },
    },
    {
        .group = "admin subscription",
        .verb = "disable",
        .handler = cli_subscription_disable,
        .summary = "Disable a subscription: its resources become read-only.",
        .flags =
            (const struct cli_flag[]){
                FLAG_SUB_ID,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Disable it.", "accelnet admin subscription disable --id " EX_SUB},
                {0},
            },
    },
    {
        .group = "admin subscription",
        .verb = "enable",
        .handler = cli_subscription_enable,
        .summary = "Enable a disabled subscription again.",
        .flags =
            (const struct cli_flag[]){
                FLAG_SUB_ID,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Enable it.", "accelnet admin subscription enable --id " EX_SUB},
                {0},
            },
    },
    /* --- admin subscription token --------------------------------------------------- */
    {
        .group = "admin subscription token",
        .verb = "create",
        .handler = cli_token_subscription_create,
        .summary = "Create a token for a user of the subscription.",
        .help = "The result holds the token itself (\"token\": acn_...), shown this once. Its\n"
                "user logs in with `accelnet login --token ... --subscription ID`.",
        .flags =
            (const struct cli_flag[]){
                FLAG_ADMIN_SUBSCRIPTION("the token is for"),
                {.name = "description",
                 .metavar = "TEXT",
                 .help = "Free text, up to 256 characters, e.g. who it is for."},
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Create one and keep only the secret.",
                 "accelnet admin subscription token create --subscription " EX_SUB
                 " --description alice --query token -o tsv"},
                {0},
            },
    },
    {
        .group = "admin subscription token",
        .verb = "list",
        .handler = cli_token_subscription_list,
        .summary = "List the subscription's tokens (never their secrets).",
        .flags =
            (const struct cli_flag[]){
                FLAG_ADMIN_SUBSCRIPTION("whose tokens to list"),
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"As a table.",
                 "accelnet admin subscription token list --subscription " EX_SUB " -o table"},
                {0},
            },
    },
    {
        .group = "admin subscription token",
        .verb = "revoke",
        .handler = cli_token_subscription_revoke,
        .summary = "Revoke one of the subscription's tokens: it stops working at once.",
        .help = "Revoking a token that does not exist changes nothing and says so on stderr\n"
                "(exit 0, so that a revoke can be repeated).",
        .flags =
            (const struct cli_flag[]){
                FLAG_ADMIN_SUBSCRIPTION("the token belongs to"),
                {.name = "id",
                 .opts = CLI_REQUIRED,
                 .metavar = "ID",
                 .help = "The token's id (a GUID, from `accelnet admin subscription token "
                         "list`)."},
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Revoke a token.",
                 "accelnet admin subscription token revoke --subscription " EX_SUB
                 " --id " EX_TOKEN_ID},
                {0},
            },
    },

    /* --- admin feature -------------------------------------------------------------- */
    {
        .group = "admin feature",
        .verb = "list",
        .handler = cli_feature_def_list,
        .summary = "List the preview features that are defined.",
        .examples =
            (const struct cli_example[]){
                {"As a table.", "accelnet admin feature list -o table"},
                {0},
            },
    },
    {
        .group = "admin feature",
        .verb = "show",
        .handler = cli_feature_def_show,
        .summary = "Show a feature's definition (its approval type and description).",
        .flags =
            (const struct cli_flag[]){
                FLAG_NAMESPACE,
                FLAG_FEATURE_NAME,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Show the Accelerated Networking preview.",
                 "accelnet admin feature show " EX_FEATURE},
                {0},
            },
    },
    {
        .group = "admin feature",
        .verb = "define",
        .handler = cli_feature_def_define,
        .summary = "Define a preview feature, or change one.",
        .help = "A new feature needs --approval-type; for an existing one, what is not given\n"
                "stays as it is. ApprovalRequired keeps registrations Pending until an operator\n"
                "decides; AutoApproval registers at once.",
        .flags =
            (const struct cli_flag[]){
                FLAG_NAMESPACE,
                FLAG_FEATURE_NAME,
                {.name = "approval-type",
                 .type = CLI_ENUM,
                 .metavar = "TYPE",
                 .choices = approval_types,
                 .help = "What a registration request becomes."},
                {.name = "description",
                 .metavar = "TEXT",
                 .help = "What the feature is, up to 1024 characters."},
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Let every subscription in at once.",
                 "accelnet admin feature define " EX_FEATURE " --approval-type AutoApproval"},
                {"Define a new feature.",
                 "accelnet admin feature define --namespace Microsoft.Network --name "
                 "AllowFastPath --approval-type ApprovalRequired --description \"Fast path\""},
                {0},
            },
    },
    {
        .group = "admin feature",
        .verb = "list-pending",
        .handler = cli_feature_reg_list_pending,
        .summary = "List the registrations waiting for a decision.",
        .examples =
            (const struct cli_example[]){
                {"As a table.", "accelnet admin feature list-pending -o table"},
                {0},
            },
    },
    {
        .group = "admin feature",
        .verb = "list-registrations",
        .handler = cli_feature_reg_list,
        .summary = "List the subscriptions' registrations, in any state or in one.",
        .flags =
            (const struct cli_flag[]){
                {.name = "state",
                 .type = CLI_ENUM,
                 .metavar = "STATE",
                 .choices = registration_states,
                 .help = "Only the registrations in this state."},
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"The rejected ones.",
                 "accelnet admin feature list-registrations --state Rejected -o table"},
                {0},
            },
    },
    {
        .group = "admin feature",
        .verb = "show-registration",
        .handler = cli_feature_reg_show,
        .summary = "Show a subscription's registration for a feature, with its history.",
        .flags =
            (const struct cli_flag[]){
                FLAG_ADMIN_SUBSCRIPTION("that registered"),
                FLAG_NAMESPACE,
                FLAG_FEATURE_NAME,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Show one.",
                 "accelnet admin feature show-registration --subscription " EX_SUB " " EX_FEATURE},
                {0},
            },
    },
    {
        .group = "admin feature",
        .verb = "approve",
        .handler = cli_feature_reg_approve,
        .summary = "Approve a pending registration: its state becomes Registered.",
        .help = "Only a Pending registration can be approved (else exit 4,\n"
                "FeatureRegistrationNotPending).",
        .flags =
            (const struct cli_flag[]){
                FLAG_ADMIN_SUBSCRIPTION("that registered"),
                FLAG_NAMESPACE,
                FLAG_FEATURE_NAME,
                {.name = "reason",
                 .metavar = "TEXT",
                 .help = "A note kept with the decision, up to 1024 characters."},
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Approve it.",
                 "accelnet admin feature approve --subscription " EX_SUB " " EX_FEATURE},
                {0},
            },
    },
    {
        .group = "admin feature",
        .verb = "reject",
        .handler = cli_feature_reg_reject,
        .summary = "Reject a pending registration, saying why: its state becomes Rejected.",
        .help = "The reason is shown to the subscription (and sent to its webhook). It may\n"
                "register again later.",
        .flags =
            (const struct cli_flag[]){
                FLAG_ADMIN_SUBSCRIPTION("that registered"),
                FLAG_NAMESPACE,
                FLAG_FEATURE_NAME,
                {.name = "reason",
                 .opts = CLI_REQUIRED,
                 .metavar = "TEXT",
                 .help = "Why, 1 to 1024 characters; the subscription is told."},
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Reject it.", "accelnet admin feature reject --subscription " EX_SUB " " EX_FEATURE
                               " --reason \"The preview is full.\""},
                {0},
            },
    },

    /* --- admin catalog ---------------------------------------------------------------- */
    {
        .group = "admin catalog location",
        .verb = "set",
        .handler = cli_catalog_location_set,
        .summary = "Add a location or change one.",
        .help = "A new location needs --display-name and --accelerated-networking; for an\n"
                "existing one, what is not given stays as it is.",
        .flags =
            (const struct cli_flag[]){
                {.name = "name",
                 .short_name = 'n',
                 .opts = CLI_REQUIRED,
                 .metavar = "NAME",
                 .help = "The location's name: 1 to 64 letters and digits, e.g. westeurope."},
                {.name = "display-name",
                 .metavar = "TEXT",
                 .help = "Its name for people, e.g. \"West Europe\"."},
                FLAG_ACCELERATED("there"),
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Offer Accelerated Networking in East US.",
                 "accelnet admin catalog location set -n eastus --accelerated-networking true"},
                {"Add a location.", "accelnet admin catalog location set -n brazilsouth "
                                    "--display-name \"Brazil South\" --accelerated-networking "
                                    "false"},
                {0},
            },
    },
    {
        .group = "admin catalog location",
        .verb = "show",
        .handler = cli_catalog_location_show,
        .summary = "Show a location.",
        .flags =
            (const struct cli_flag[]){
                {.name = "name",
                 .short_name = 'n',
                 .opts = CLI_REQUIRED,
                 .metavar = "NAME",
                 .help = "The location's name, e.g. westeurope."},
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Show West Europe.", "accelnet admin catalog location show -n westeurope"},
                {0},
            },
    },
    {
        .group = "admin catalog location",
        .verb = "list",
        .handler = cli_catalog_location_list,
        .summary = "List the locations.",
        .examples =
            (const struct cli_example[]){
                {"As a table.", "accelnet admin catalog location list -o table"},
                {0},
            },
    },
    {
        .group = "admin catalog location",
        .verb = "delete",
        .handler = cli_catalog_location_delete,
        .summary = "Delete a location that no resource group uses.",
        .help = "A location in use is refused (exit 4, LocationInUse): set its\n"
                "--accelerated-networking to false instead. Deleting one that does not exist\n"
                "changes nothing and says so on stderr (exit 0).",
        .flags =
            (const struct cli_flag[]){
                {.name = "name",
                 .short_name = 'n',
                 .opts = CLI_REQUIRED,
                 .metavar = "NAME",
                 .help = "The location's name."},
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Delete one.", "accelnet admin catalog location delete -n brazilsouth"},
                {0},
            },
    },
    {
        .group = "admin catalog size",
        .verb = "set",
        .handler = cli_catalog_vm_size_set,
        .summary = "Add a VM size or change one.",
        .help = "A new size needs every flag; for an existing one, what is not given stays as it\n"
                "is.",
        .flags =
            (const struct cli_flag[]){
                {.name = "name",
                 .short_name = 'n',
                 .opts = CLI_REQUIRED,
                 .metavar = "NAME",
                 .help = "The size's name: 1 to 64 letters, digits and '_', e.g. "
                         "Standard_DS15_v2."},
                {.name = "vcpus",
                 .type = CLI_INT,
                 .metavar = "N",
                 .min = 1,
                 .max = 4096,
                 .help = "Virtual CPUs."},
                {.name = "memory-mb",
                 .type = CLI_INT,
                 .metavar = "MB",
                 .min = 1,
                 .max = 16777216,
                 .help = "Memory in MiB."},
                {.name = "max-nics",
                 .type = CLI_INT,
                 .metavar = "N",
                 .min = 1,
                 .max = 1024,
                 .help = "The most network interfaces a VM of this size can have."},
                FLAG_ACCELERATED("for this size"),
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Make a size eligible.",
                 "accelnet admin catalog size set -n Standard_D4_v2 --accelerated-networking "
                 "true"},
                {"Add a size.", "accelnet admin catalog size set -n Standard_D5_v2 --vcpus 16 "
                                "--memory-mb 57344 --max-nics 8 --accelerated-networking false"},
                {0},
            },
    },
    {
        .group = "admin catalog size",
        .verb = "show",
        .handler = cli_catalog_vm_size_show,
        .summary = "Show a VM size.",
        .flags =
            (const struct cli_flag[]){
                {.name = "name",
                 .short_name = 'n',
                 .opts = CLI_REQUIRED,
                 .metavar = "NAME",
                 .help = "The size's name, e.g. Standard_DS15_v2."},
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Show one.", "accelnet admin catalog size show -n Standard_DS15_v2"},
                {0},
            },
    },
    {
        .group = "admin catalog size",
        .verb = "list",
        .handler = cli_catalog_vm_size_list,
        .summary = "List the VM sizes.",
        .examples =
            (const struct cli_example[]){
                {"As a table.", "accelnet admin catalog size list -o table"},
                {0},
            },
    },
    {
        .group = "admin catalog size",
        .verb = "delete",
        .handler = cli_catalog_vm_size_delete,
        .summary = "Delete a VM size.",
        .help = "A size in use is refused (exit 4). Deleting one that does not exist changes\n"
                "nothing and says so on stderr (exit 0).",
        .flags =
            (const struct cli_flag[]){
                {.name = "name",
                 .short_name = 'n',
                 .opts = CLI_REQUIRED,
                 .metavar = "NAME",
                 .help = "The size's name."},
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Delete one.", "accelnet admin catalog size delete -n Standard_D5_v2"},
                {0},
            },
    },
    {
        .group = "admin catalog image",
        .verb = "set",
        .handler = cli_catalog_os_image_set,
        .summary = "Add an OS image or change one.",
        .help = "A new image needs --display-name, --os-type and --accelerated-networking (and\n"
                "--vf-driver-name when that is true); for an existing one, what is not given\n"
                "stays as it is.",
        .flags =
            (const struct cli_flag[]){
                {.name = "image",
                 .opts = CLI_REQUIRED,
                 .metavar = "URN",
                 .help = "PUBLISHER:OFFER:SKU, each 1 to 64 letters, digits, '.', '_' and '-'."},
                {.name = "display-name",
                 .metavar = "TEXT",
                 .help = "Its name for people, e.g. \"Windows Server 2012 R2 Datacenter\"."},
                {.name = "os-type",
                 .type = CLI_ENUM,
                 .metavar = "TYPE",
                 .choices = os_types,
                 .help = "The guest's operating system family."},
                FLAG_ACCELERATED("for this image"),
                {.name = "vf-driver-name",
                 .metavar = "TEXT",
                 .help = "The adapter the guest shows for the virtual function, e.g. \"Mellanox "
                         "ConnectX-3 Virtual Function Ethernet Adapter\"; \"\" removes it."},
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Make Windows Server 2016 TP5 eligible.",
                 "accelnet admin catalog image set --image "
                 "MicrosoftWindowsServer:WindowsServer:2016-Technical-Preview-with-Containers "
                 "--accelerated-networking true"},
                {"Add an image.",
                 "accelnet admin catalog image set --image RedHat:RHEL:7.2 --display-name "
                 "\"Red Hat Enterprise Linux 7.2\" --os-type Linux --accelerated-networking "
                 "false"},
                {0},
            },
    },
    {
        .group = "admin catalog image",
        .verb = "show",
        .handler = cli_catalog_os_image_show,
        .summary = "Show an OS image.",
        .flags =
            (const struct cli_flag[]){
                {.name = "image",
                 .opts = CLI_REQUIRED,
                 .metavar = "URN",
                 .help = "PUBLISHER:OFFER:SKU."},
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Show one.", "accelnet admin catalog image show --image " EX_IMAGE_WS2012},
                {0},
            },
    },
    {
        .group = "admin catalog image",
        .verb = "list",
        .handler = cli_catalog_os_image_list,
        .summary = "List the OS images.",
        .examples =
            (const struct cli_example[]){
                {"Just the keys.", "accelnet admin catalog image list --query "
                                   "\"value[].name\" -o tsv"},
                {0},
            },
    },
    {
        .group = "admin catalog image",
        .verb = "delete",
        .handler = cli_catalog_os_image_delete,
        .summary = "Delete an OS image.",
        .help = "An image in use is refused (exit 4). Deleting one that does not exist changes\n"
                "nothing and says so on stderr (exit 0).",
        .flags =
            (const struct cli_flag[]){
                {.name = "image",
                 .opts = CLI_REQUIRED,
                 .metavar = "URN",
                 .help = "PUBLISHER:OFFER:SKU."},
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Delete one.", "accelnet admin catalog image delete --image RedHat:RHEL:7.2"},
                {0},
            },
    },

    /* --- feature -------------------------------------------------------------------- */
    {
        .group = "feature",
        .verb = "register",
        .handler = cli_feature_register,
        .summary = "Ask to join a preview feature.",
        .help = "For a feature that needs approval the registration is Pending until an\n"
                "operator approves (Registered) or rejects it (Rejected, with a reason).\n"
                "Registering again while Pending or Registered changes nothing (a warning says\n"
                "so); after a rejection or an unregister it asks anew.",
        .flags =
            (const struct cli_flag[]){
                FLAG_NAMESPACE,
                FLAG_FEATURE_NAME,
                {.name = "intended-use",
                 .metavar = "TEXT",
                 .help = "What the subscription wants it for, up to 1024 characters; the "
                         "operator reads it before deciding."},
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Register for Accelerated Networking.",
                 "accelnet feature register " EX_FEATURE " --intended-use \"low-latency trading\""},
                {0},
            },
    },
    {
        .group = "feature",
        .verb = "unregister",
        .handler = cli_feature_unregister,
        .summary = "Leave a preview feature (or withdraw a pending request).",
        .flags =
            (const struct cli_flag[]){
                FLAG_NAMESPACE,
                FLAG_FEATURE_NAME,
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Unregister.", "accelnet feature unregister " EX_FEATURE},
                {0},
            },
    },
    {
        .group = "feature",
        .verb = "show",
        .handler = cli_feature_show,
        .summary = "Show the subscription's registration state for a feature.",
        .help = "States: NotRegistered, Pending, Registered, Rejected (with the operator's\n"
                "reason), Unregistered.",
        .flags =
            (const struct cli_flag[]){
                FLAG_NAMESPACE,
                FLAG_FEATURE_NAME,
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Just the state.",
                 "accelnet feature show " EX_FEATURE " --query properties.state -o tsv"},
                {0},
            },
    },
    {
        .group = "feature",
        .verb = "list",
        .handler = cli_feature_list,
        .summary = "List the preview features and the subscription's state for each.",
        .flags =
            (const struct cli_flag[]){
                {.name = "namespace",
                 .metavar = "NAMESPACE",
                 .help = "Only the features of this namespace, e.g. Microsoft.Network."},
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"As a table.", "accelnet feature list -o table"},
                {"Microsoft.Network's.", "accelnet feature list --namespace Microsoft.Network"},
                {0},
            },
    },

    /* --- group ---------------------------------------------------------------------- */
    {
        .group = "group",
        .verb = "create",
        .handler = cli_rg_create,
        .summary = "Create a resource group, or update its tags.",
        .help = "Create-or-replace, as in ARM: for a group that exists the tags are replaced\n"
                "by --tags (none when not given). A group cannot move to another location.",
        .flags =
            (const struct cli_flag[]){
                FLAG_RG_NAME,
                {.name = "location",
                 .short_name = 'l',
                 .opts = CLI_REQUIRED,
                 .metavar = "LOCATION",
                 .help = "Its location, e.g. westeurope (`accelnet account list-locations`)."},
                {.name = "tags",
                 .type = CLI_LIST,
                 .metavar = "KEY=VALUE",
                 .help = "Space-separated tags: key[=value] ...; \"\" for none."},
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Create one in West Europe.", "accelnet group create -n rg1 -l westeurope"},
                {"With tags.", "accelnet group create -n rg1 -l westeurope --tags env=test "
                               "team=net"},
                {0},
            },
    },
    {
        .group = "group",
        .verb = "show",
        .handler = cli_rg_show,
        .summary = "Show a resource group.",
        .flags =
            (const struct cli_flag[]){
                FLAG_RG_NAME,
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Show one.", "accelnet group show -n rg1"},
                {"Its tags.", "accelnet group show -n rg1 --query tags"},
                {0},
            },
    },
    {
        .group = "group",
        .verb = "list",
        .handler = cli_rg_list,
        .summary = "List the subscription's resource groups.",
        .flags =
            (const struct cli_flag[]){
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"As a table.", "accelnet group list -o table"},
                {"Just the names.", "accelnet group list --query \"value[].name\" -o tsv"},
                {0},
            },
    },
    {
        .group = "group",
        .verb = "delete",
        .handler = cli_rg_delete,
        .summary = "Delete an empty resource group.",
        .help = "A group that still holds resources is refused (exit 4,\n"
                "ResourceGroupNotEmpty). Deleting one that does not exist changes nothing and\n"
                "says so on stderr (exit 0).",
        .flags =
            (const struct cli_flag[]){
                FLAG_RG_NAME,
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Delete one.", "accelnet group delete -n rg1"},
                {0},
            },
    },

    /* --- network vnet|vnet subnet|nsg|nsg rule|nic: with the network API's routes --- */

    /* --- vm (create|show|list|delete|deallocate|start come with the VM API) ---------- */
    {
        .group = "vm",
        .verb = "list-sizes",
        .handler = cli_catalog_vm_sizes_list,
        .summary = "List the VM sizes in a location, and whether each offers Accelerated "
                   "Networking there.",
        .help = "Derived from the SKU list (`accelnet vm list-skus`), in ARM's\n"
                "VirtualMachineSize shape plus acceleratedNetworking.",
        .flags =
            (const struct cli_flag[]){
                {.name = "location",
                 .short_name = 'l',
                 .opts = CLI_REQUIRED,
                 .metavar = "LOCATION",
                 .help = "The location, e.g. westeurope."},
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"As a table.", "accelnet vm list-sizes -l westeurope -o table"},
                {"Just the names.",
                 "accelnet vm list-sizes -l westeurope --query \"value[].name\" -o tsv"},
                {0},
            },
    },
    {
        .group = "vm",
        .verb = "list-skus",
        .handler = cli_catalog_skus_list,
        .summary = "List the VM SKUs (Microsoft.Compute/skus): one per size and location.",
        .help = "capabilities holds vCPUs, MemoryGB, MaxNetworkInterfaces and\n"
                "AcceleratedNetworkingEnabled (\"True\" where both the size and the location\n"
                "offer it). -o table shows them as columns.",
        .flags =
            (const struct cli_flag[]){
                {.name = "location",
                 .short_name = 'l',
                 .metavar = "LOCATION",
                 .help = "Only this location's SKUs."},
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Every SKU as a table.", "accelnet vm list-skus -o table"},
                {"West Europe's.", "accelnet vm list-skus -l westeurope"},
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
