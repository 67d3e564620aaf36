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

#define FLAG_HOST_NAME                                                                      \
    {                                                                                       \
        .name = "name", .short_name = 'n', .opts = CLI_REQUIRED, .metavar = "NAME",         \
        .help = "The host's name, as its agent registered it (`accelnet admin host list`)." \
    }

static const char *const rule_directions[] = {"Inbound", "Outbound", NULL};
static const char *const rule_accesses[] = {"Allow", "Deny", NULL};
static const char *const rule_protocols[] = {"Tcp", "Udp", "Icmp", "*", NULL};

/* Flags of the network commands. */
#define FLAG_RESOURCE_GROUP                                                                  \
    {                                                                                        \
        .name = "resource-group", .short_name = 'g', .metavar = "NAME",                      \
        .help = "The resource group. Default: ACCELNET_RESOURCE_GROUP, else the one stored " \
                "by `accelnet account set --resource-group NAME`."                           \
    }
#define FLAG_RESOURCE_GROUP_LIST(what)                                                         \
    {                                                                                          \
        .name = "resource-group", .short_name = 'g', .metavar = "NAME",                        \
        .help = "Only this resource group's " what ". Default: ACCELNET_RESOURCE_GROUP, else " \
                "the one stored by `accelnet account set --resource-group NAME`; without "     \
                "any, the whole subscription's."                                               \
    }
#define FLAG_NET_NAME(what)                                                                   \
    {                                                                                         \
        .name = "name", .short_name = 'n', .opts = CLI_REQUIRED, .metavar = "NAME",           \
        .help = "The " what "'s name: 1-80 letters, digits, '_', '.' and '-', starting with " \
                "a letter or digit and ending with one or '_'."                               \
    }
#define FLAG_LOCATION(what)                                                                \
    {                                                                                      \
        .name = "location", .short_name = 'l', .metavar = "LOCATION",                      \
        .help = "The " what "'s location, e.g. westeurope. Default: the resource group's." \
    }
#define FLAG_TAGS                                                                     \
    {                                                                                 \
        .name = "tags", .type = CLI_LIST, .metavar = "KEY=VALUE",                     \
        .help = "Space-separated tags: key[=value] ...; \"\" for none. They replace " \
                "the tags it had."                                                    \
    }
#define FLAG_VNET_NAME                                                \
    {                                                                 \
        .name = "vnet-name", .opts = CLI_REQUIRED, .metavar = "NAME", \
        .help = "The virtual network the subnet belongs to."          \
    }
#define FLAG_NSG_NAME                                                \
    {                                                                \
        .name = "nsg-name", .opts = CLI_REQUIRED, .metavar = "NAME", \
        .help = "The network security group the rule belongs to."    \
    }
#define FLAG_NSG(what)                                                                     \
    {                                                                                      \
        .name = "nsg", .metavar = "NAME_OR_ID",                                            \
        .help = "The network security group " what ": a name in the same resource group, " \
                "or an id. It must be in the same location."                               \
    }
#define FLAG_SUBNET_PREFIXES(more)                                                         \
    {                                                                                      \
        .name = "address-prefixes", .type = CLI_LIST, .metavar = "PREFIX",                 \
        .help = "The subnet's address prefix, IPv4 CIDR inside the virtual network's "     \
                "address space, /8 to /29 (one: a subnet has a single prefix here). " more \
    }
#define FLAG_SUBNET_PREFIX                                                              \
    {                                                                                   \
        .name = "address-prefix", .metavar = "PREFIX",                                  \
        .help = "The same as --address-prefixes with one prefix (az's older spelling)." \
    }
#define FLAG_ACCELERATED_NIC                                                               \
    {                                                                                      \
        .name = "accelerated-networking", .type = CLI_ENUM, .metavar = "BOOL",             \
        .choices = booleans,                                                               \
        .help = "Accelerated Networking (SR-IOV). Chosen at creation (default false) and " \
                "fixed afterwards."                                                        \
    }
#define FLAG_IP_FORWARDING                                                                   \
    {                                                                                        \
        .name = "ip-forwarding", .type = CLI_ENUM, .metavar = "BOOL", .choices = booleans,   \
        .help = "Whether the NIC may send and receive traffic not addressed to it (default " \
                "false)."                                                                    \
    }
/* The four address and port lists of a security rule, each with more help. */
#define FLAG_RULE_LISTS(src_addr, src_ports, dst_addr, dst_ports)                       \
    {.name = "source-address-prefixes",                                                 \
     .type = CLI_LIST,                                                                  \
     .metavar = "PREFIX",                                                               \
     .help = "Where the traffic comes from: IPv4 addresses or CIDRs, or one of \"*\", " \
             "VirtualNetwork, Internet, AzureLoadBalancer. " src_addr},                 \
        {.name = "source-port-ranges",                                                  \
         .type = CLI_LIST,                                                              \
         .metavar = "RANGE",                                                            \
         .help = "Its ports: \"*\", 80 or 1000-2000. " src_ports},                      \
        {.name = "destination-address-prefixes",                                        \
         .type = CLI_LIST,                                                              \
         .metavar = "PREFIX",                                                           \
         .help = "Where it goes, in the same forms as the source. " dst_addr},          \
    {                                                                                   \
        .name = "destination-port-ranges", .type = CLI_LIST, .metavar = "RANGE",        \
        .help = "Its ports: \"*\", 3389 or 1000-2000. " dst_ports                       \
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
            "    ACCELNET_SUBSCRIPTION), which wins over the file. `accelnet account set\n"
            "    --resource-group NAME` stores a default resource group for the commands that\n"
            "    take -g (ACCELNET_RESOURCE_GROUP and -g win over it).\n"
            "\n"
            "Output\n"
            "    Results go to stdout (-o json, table, tsv or none; --query picks a part);\n"
            "    errors go to stderr as `ERROR: (Code) message` with the request id.\n"
            "\n"
            "Exit codes\n"
            "    0  success\n"
            "    1  server error (5xx), service unreachable or unavailable, a long-running\n"
            "       operation that failed on the service's side, or another failure\n"
            "    2  usage error: bad command line (the relevant help is printed on stderr)\n"
            "    3  not found (HTTP 404)\n"
            "    4  refused: any other 4xx (400 invalid request, 401 not authenticated,\n"
            "       403 not allowed, 409 conflict, 412 precondition failed, 413 too large, ...);\n"
            "       also `check-eligibility` when the answer is \"not eligible\", and a\n"
            "       long-running operation (vm create, ...) that failed with a refusal\n"
            "       (AllocationFailed, NoFreeVirtualFunction, ...)",
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
                {"Create a NIC with Accelerated Networking in it.",
                 "accelnet network nic create -g rg1 -n nic1 --vnet-name vnet1 --subnet default "
                 "--accelerated-networking true"},
                {0},
            },
    },
    {
        .path = "account",
        .summary = "The service, credentials, default subscription and resource group this CLI "
                   "uses; the subscription's locations.",
        .help = "`accelnet login` sets them; `accelnet account set` changes the default\n"
                "subscription and resource group (az's `az account set` and `az config set\n"
                "defaults.group`); `accelnet logout` forgets the token.",
        .examples =
            (const struct cli_example[]){
                {"Show the settings in use.", "accelnet account show"},
                {"Work on another subscription by default.",
                 "accelnet account set --subscription " EX_SUB},
                {"Work in resource group rg1 by default.",
                 "accelnet account set --resource-group rg1"},
                {0},
            },
    },
    {
        .path = "admin",
        .summary = "Operator commands (an admin token is needed).",
        .help = "Subscriptions and their users' tokens, admin and agent tokens, the preview\n"
                "feature and the operator's decisions on it, the catalogue of locations, VM\n"
                "sizes and OS images that decides what is eligible, and the hosts the VMs run\n"
                "on.",
        .examples =
            (const struct cli_example[]){
                {"Create a subscription.", "accelnet admin subscription create --display-name "
                                           "Contoso"},
                {"See who is waiting for the preview.",
                 "accelnet admin feature list-pending -o table"},
                {"See the hosts and what is in use on them.", "accelnet admin host list -o table"},
                {0},
            },
    },
    {
        .path = "admin host",
        .summary =
            "The hosts VMs run on: list, show, drain, disable, enable, service, evacuate and "
            "delete them.",
        .help = "Hosts are not created here: each host's agent (accelnet-agent, with an agent\n"
                "token from `accelnet admin token create --role agent --host-name NAME`)\n"
                "registers it and sends heartbeats. A host whose last heartbeat is too old is\n"
                "Unhealthy. The scheduler places new VMs only on Enabled, Healthy hosts with\n"
                "enough free vCPUs, memory and virtual functions (VFs); Draining and Disabled\n"
                "hosts get no new VMs, and the VMs already on them stay where they are. A host\n"
                "that is not coming back is evacuated (its VMs placed elsewhere), then deleted\n"
                "(declared dead).",
        .examples =
            (const struct cli_example[]){
                {"Every host, with its state, health and the VFs and vCPUs in use.",
                 "accelnet admin host list -o table"},
                {"Take a host out of placement before maintenance.",
                 "accelnet admin host drain -n host-we-1"},
                {0},
            },
    },
    {
        .path = "admin token",
        .summary = "Create, list, show and revoke admin and agent tokens.",
        .help = "Admin tokens may do anything; agent tokens are for accelnet-agent on each host.\n"
                "Bind each agent token to its host (--host-name): it may then register and\n"
                "heartbeat that host only, and a leaked one cannot bring in new hosts.\n"
                "A token's secret is shown once, when it is created; only its hash is stored.\n"
                "The tokens of a subscription's users are under `accelnet admin subscription\n"
                "token`.",
        .examples =
            (const struct cli_example[]){
                {"Create a token for the agent of one host (it may act for that host only).",
                 "accelnet admin token create --role agent --host-name weu-042"},
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
    {
        .path = "network",
        .summary = "Virtual networks, subnets, network security groups and network interfaces "
                   "(Microsoft.Network).",
        .help =
            "Resources of a resource group: -g names it (default: ACCELNET_RESOURCE_GROUP, else\n"
            "`accelnet account set --resource-group NAME`), and a create without --location\n"
            "uses the group's location, as az does. `update` commands read the resource,\n"
            "change what their flags name and write it back with If-Match: a change made in\n"
            "between is refused with 412 (exit 4), never overwritten.\n"
            "\n"
            "The walkthrough: a virtual network with a subnet, a network security group with\n"
            "a rule that lets RDP in, and a NIC with Accelerated Networking in West Europe\n"
            "(once the preview is approved: `accelnet feature show`). Accelerated Networking\n"
            "is chosen when a NIC is created and cannot be changed afterwards.",
        .examples =
            (const struct cli_example[]){
                {"Work in resource group rg1 from now on.",
                 "accelnet account set --resource-group rg1"},
                {"A virtual network with one subnet.",
                 "accelnet network vnet create -n vnet1 --address-prefixes 10.0.0.0/16 "
                 "--subnet-name default --subnet-prefixes 10.0.0.0/24"},
                {"A network security group.", "accelnet network nsg create -n nsg1"},
                {"A rule in it that lets RDP (TCP 3389) in.",
                 "accelnet network nsg rule create --nsg-name nsg1 -n AllowRDP --priority 1000 "
                 "--protocol Tcp --destination-port-ranges 3389"},
                {"A NIC with Accelerated Networking.",
                 "accelnet network nic create -n nic1 --vnet-name vnet1 --subnet default --nsg "
                 "nsg1 --accelerated-networking true"},
                {"See them.", "accelnet network nic list -o table"},
                {0},
            },
    },
    {
        .path = "network vnet",
        .summary = "Virtual networks: address spaces and their subnets.",
        .help = "A virtual network has an address space (IPv4 prefixes, /8 to /29) and subnets\n"
                "inside it; NICs take their private addresses from a subnet. `vnet create` is\n"
                "ARM's create-or-replace: for a virtual network that exists it replaces the\n"
                "address space, the tags and the subnets (those not named are deleted, which is\n"
                "refused for a subnet in use). `vnet update` keeps the subnets.",
        .examples =
            (const struct cli_example[]){
                {"Create one with a subnet.",
                 "accelnet network vnet create -g rg1 -n vnet1 --address-prefixes 10.0.0.0/16 "
                 "--subnet-name default --subnet-prefixes 10.0.0.0/24"},
                {"List them.", "accelnet network vnet list -g rg1 -o table"},
                {0},
            },
    },
    {
        .path = "network vnet subnet",
        .summary = "Subnets of a virtual network.",
        .help = "A subnet has one address prefix inside its virtual network's address space and\n"
                "may have a network security group (of the same location) for every NIC in it.\n"
                "A subnet that NICs use cannot be deleted, nor shrink so that their addresses\n"
                "fall outside it.",
        .examples =
            (const struct cli_example[]){
                {"Add a subnet with an NSG.",
                 "accelnet network vnet subnet create -g rg1 --vnet-name vnet1 -n backend "
                 "--address-prefixes 10.0.1.0/24 --nsg nsg1"},
                {"List them.", "accelnet network vnet subnet list -g rg1 --vnet-name vnet1 -o "
                               "table"},
                {0},
            },
    },
    {
        .path = "network nsg",
        .summary = "Network security groups: the rules that filter a NIC's or a subnet's "
                   "traffic.",
        .help = "A group holds its own rules (`accelnet network nsg rule`, priorities 100-4096)\n"
                "and Azure's six default rules (65000-65500: traffic within the virtual network\n"
                "and from the load balancer in, everything else in denied; out to the virtual\n"
                "network and the Internet). It is used through a NIC's or a subnet's --nsg.\n"
                "`nsg create` is ARM's create-or-replace: for a group that exists it replaces\n"
                "the tags and removes its rules; `nsg update` keeps them.",
        .examples =
            (const struct cli_example[]){
                {"Create one.", "accelnet network nsg create -g rg1 -n nsg1"},
                {"Allow RDP in.",
                 "accelnet network nsg rule create -g rg1 --nsg-name nsg1 -n AllowRDP --priority "
                 "1000 --protocol Tcp --destination-port-ranges 3389"},
                {0},
            },
    },
    {
        .path = "network nsg rule",
        .summary = "Security rules of a network security group.",
        .help = "A rule allows or denies traffic in one direction by protocol, source and\n"
                "destination address prefixes (IPv4 addresses and CIDRs, or one of \"*\",\n"
                "VirtualNetwork, Internet, AzureLoadBalancer) and port ranges (\"*\", 80,\n"
                "1000-2000). Rules are evaluated by priority (lower first); no two rules of a\n"
                "group may share a priority and a direction.",
        .examples =
            (const struct cli_example[]){
                {"Allow RDP in from anywhere.",
                 "accelnet network nsg rule create -g rg1 --nsg-name nsg1 -n AllowRDP --priority "
                 "1000 --protocol Tcp --destination-port-ranges 3389"},
                {"Every rule the group applies, its own and the default ones.",
                 "accelnet network nsg rule list -g rg1 --nsg-name nsg1 --include-default -o "
                 "table"},
                {0},
            },
    },
    {
        .path = "network nic",
        .summary = "Network interfaces, with or without Accelerated Networking.",
        .help = "A NIC takes a private address in a subnet (the lowest free one, or\n"
                "--private-ip-address), a MAC address that never changes, and optionally a\n"
                "network security group. Accelerated Networking (SR-IOV: a virtual function of\n"
                "the host's adapter instead of the synthetic path) is chosen when the NIC is\n"
                "created, which needs the preview registration and an eligible location\n"
                "(`accelnet check-eligibility`); it cannot be switched on or off afterwards\n"
                "(AcceleratedNetworkingCannotBeChangedOnExistingNic, exit 4).",
        .examples =
            (const struct cli_example[]){
                {"Create one with Accelerated Networking.",
                 "accelnet network nic create -g rg1 -n nic1 --vnet-name vnet1 --subnet default "
                 "--accelerated-networking true"},
                {"List them.", "accelnet network nic list -g rg1 -o table"},
                {0},
            },
    },
    {
        .path = "vm",
        .summary = "Virtual machines: create, show, list, deallocate, start and delete them; the "
                   "sizes and SKUs on offer.",
        .help = "A VM gets its network interfaces when it is created; with an accelerated NIC\n"
                "(`accelnet network nic create --accelerated-networking true`) it is placed on a\n"
                "host with a free virtual function (VF) of the host's adapter, which the guest\n"
                "sees as its network adapter (`accelnet vm show` lists each NIC's VF).\n"
                "\n"
                "create, delete, deallocate and start are long-running: the command waits,\n"
                "showing the operation's status and the elapsed time on stderr, until it\n"
                "Succeeded or Failed (polling as often as the service's Retry-After says).\n"
                "--no-wait prints the operation at once instead. A failed operation prints its\n"
                "code and message: exit 4 for a refusal (AllocationFailed: no host can take the\n"
                "VM; NoFreeVirtualFunction, VirtualFunctionAttachFailed, ...), exit 1 for the\n"
                "service's own failure (InternalServerError, HostAgentUnavailable).",
        .examples =
            (const struct cli_example[]){
                {"The walkthrough's VM, with the accelerated NIC (the password read from stdin).",
                 "accelnet vm create -g rg1 -n vm1 --size Standard_DS15_v2 --image "
                 "MicrosoftWindowsServer:WindowsServer:2016-Technical-Preview-5 --nics nic1 "
                 "--admin-username azureuser --admin-password -"},
                {"Its NICs and their VFs.", "accelnet vm show -g rg1 -n vm1 -o table"},
                {"Which sizes offer Accelerated Networking in West Europe?",
                 "accelnet vm list-sizes -l westeurope -o table"},
                {0},
            },
    },
    {
        .path = "vm nic",
        .summary = "A virtual machine's network interfaces.",
        .help = "NICs are given to a VM when it is created. An accelerated NIC can only be\n"
                "attached then; `accelnet vm nic add` shows the service's refusal otherwise.",
        .examples =
            (const struct cli_example[]){
                {"Add a NIC to a deallocated VM.",
                 "accelnet vm nic add -g rg1 --vm-name vm1 --nics nic2"},
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
                "default subscription) and forgetting the default resource group. Prints the\n"
                "account as `accelnet account show` does.",
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
        .summary = "Show the service URL, CA file, default subscription and resource group in "
                   "use (never the token).",
        .help = "The values shown are the ones commands would use: flags, then the environment,\n"
                "then the config file. \"loggedIn\" says whether a token is set;\n"
                "\"subscriptionId\" is the default subscription (ACCELNET_SUBSCRIPTION, else the\n"
                "config file), or null; \"resourceGroup\" the default resource group\n"
                "(ACCELNET_RESOURCE_GROUP, else the config file), or null.",
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
        .summary = "Store the default subscription and/or resource group for the commands that "
                   "work on one.",
        .help = "Checks first that the token in use can read the subscription and the resource\n"
                "group (use --no-verify to store them as they are). The environment\n"
                "(ACCELNET_SUBSCRIPTION, ACCELNET_RESOURCE_GROUP) and the commands' own\n"
                "--subscription and --resource-group still win over them. A new login forgets\n"
                "the default resource group.",
        .flags =
            (const struct cli_flag[]){
                {.name = "subscription",
                 .metavar = "ID",
                 .help = "The default subscription (a GUID)."},
                {.name = "resource-group",
                 .short_name = 'g',
                 .metavar = "NAME",
                 .help = "The default resource group, in the default subscription (az's "
                         "defaults.group); \"\" forgets it."},
                {.name = "no-verify",
                 .type = CLI_SWITCH,
                 .help = "Store them without contacting the service."},
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Work on this subscription from now on.",
                 "accelnet account set --subscription " EX_SUB},
                {"And in this resource group: the network commands then need no -g.",
                 "accelnet account set --resource-group rg1"},
                {"Forget the default resource group.",
                 "accelnet account set --resource-group \"\""},
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
                {.name = "host-name",
                 .metavar = "NAME",
                 .help = "Agent tokens only: bind the token to this host, so that it may register "
                         "and heartbeat NAME and no other host (recommended: a leaked token then "
                         "cannot bring in new hosts)."},
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Create a token for the agent of host weu-042 and keep only the secret.",
                 "accelnet admin token create --role agent --host-name weu-042 --query token "
                 "-o tsv"},
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

    /* --- admin host ---------------------------------------------------------------------- */
    {
        .group = "admin host",
        .verb = "list",
        .handler = cli_host_list,
        .summary = "List the hosts, with their state, health and capacity.",
        .help = "-o table shows each host's name, location, state (Enabled, Draining,\n"
                "Disabled), health (Healthy, or Unhealthy when its heartbeats stopped), the\n"
                "virtual functions and vCPUs in use out of its total, and its last heartbeat.\n"
                "-o json has everything: memory, physical functions, the agent's URL and version.",
        .examples =
            (const struct cli_example[]){
                {"As a table.", "accelnet admin host list -o table"},
                {"Just the names, one per line.",
                 "accelnet admin host list --query \"value[].name\" -o tsv"},
                {0},
            },
    },
    {
        .group = "admin host",
        .verb = "show",
        .handler = cli_host_show,
        .summary = "Show a host: capacity in use, physical functions, agent, heartbeat.",
        .flags =
            (const struct cli_flag[]){
                FLAG_HOST_NAME,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Show one.", "accelnet admin host show -n host-we-1"},
                {"How many of its VFs are in use?", "accelnet admin host show -n host-we-1 --query "
                                                    "capacity.virtualFunctions.used -o tsv"},
                {0},
            },
    },
    {
        .group = "admin host",
        .verb = "drain",
        .handler = cli_host_drain,
        .summary = "Drain a host: no new VMs are placed on it (state Draining).",
        .help = "The VMs already on it keep running. `accelnet admin host enable` takes it back\n"
                "into placement. Prints the host.",
        .flags =
            (const struct cli_flag[]){
                FLAG_HOST_NAME,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Before maintenance.", "accelnet admin host drain -n host-we-1 -o table"},
                {0},
            },
    },
    {
        .group = "admin host",
        .verb = "disable",
        .handler = cli_host_disable,
        .summary = "Disable a host: no new VMs are placed on it (state Disabled).",
        .help = "The VMs already on it keep running. `accelnet admin host enable` takes it back\n"
                "into placement. Prints the host.",
        .flags =
            (const struct cli_flag[]){
                FLAG_HOST_NAME,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Disable one.", "accelnet admin host disable -n host-we-2"},
                {0},
            },
    },
    {
        .group = "admin host",
        .verb = "enable",
        .handler = cli_host_enable,
        .summary = "Enable a drained or disabled host: new VMs may be placed on it again.",
        .help = "Only a Healthy host gets new VMs; its agent keeps it so with heartbeats. Prints\n"
                "the host.",
        .flags =
            (const struct cli_flag[]){
                FLAG_HOST_NAME,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Back into placement.", "accelnet admin host enable -n host-we-1"},
                {0},
            },
    },
    {
        .group = "admin host",
        .verb = "service",
        .handler = cli_host_service,
        .summary = "Start servicing a host: its agent revokes every VF it handed out.",
        .help = "What Azure does during host maintenance: each accelerated NIC on the host falls\n"
                "back to the synthetic path (state Fallback; its policy is still enforced there)\n"
                "and the host gets no new VMs. No VM loses its NIC, MAC or IP. Waits until the\n"
                "agent has revoked them (--no-wait returns at once), then prints the servicing\n"
                "state. `accelnet admin host complete-service` gives the VFs back.",
        .flags =
            (const struct cli_flag[]){
                FLAG_HOST_NAME,
                {.name = "no-wait",
                 .type = CLI_SWITCH,
                 .help = "Do not wait: print the operation at once."},
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Before maintenance.", "accelnet admin host service -n host-we-1"},
                {0},
            },
    },
    {
        .group = "admin host",
        .verb = "complete-service",
        .handler = cli_host_complete_service,
        .summary = "Complete the servicing of a host: its VFs come back, NICs are Active again.",
        .flags =
            (const struct cli_flag[]){
                FLAG_HOST_NAME,
                {.name = "no-wait",
                 .type = CLI_SWITCH,
                 .help = "Do not wait: print the operation at once."},
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"After maintenance.", "accelnet admin host complete-service -n host-we-1"},
                {0},
            },
    },
    {
        .group = "admin host",
        .verb = "show-service",
        .handler = cli_host_show_service,
        .summary = "Show whether a host is being serviced, since when, and its NICs' states.",
        .flags =
            (const struct cli_flag[]){
                FLAG_HOST_NAME,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Is it in servicing?", "accelnet admin host show-service -n host-we-1"},
                {0},
            },
    },
    {
        .group = "admin host",
        .verb = "evacuate",
        .handler = cli_host_evacuate,
        .summary = "Move a host's VMs to other hosts (new VFs there; the old ones are released).",
        .flags =
            (const struct cli_flag[]){
                FLAG_HOST_NAME,
                {.name = "no-wait",
                 .type = CLI_SWITCH,
                 .help = "Do not wait: print the operation at once."},
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"A host that is not coming back.", "accelnet admin host evacuate -n host-we-2"},
                {0},
            },
    },
    {
        .group = "admin host",
        .verb = "delete",
        .handler = cli_host_delete,
        .summary = "Declare a host dead (or decommission it): forget it and what waits for it.",
        .help = "For a host that is not coming back. Its vf.release operations (the old VFs of\n"
                "evacuated VMs) end, the NICs forget their VFs there, and the host is deleted.\n"
                "Refused (exit 4) while VMs are placed on it (HostHasVirtualMachines: run\n"
                "`accelnet admin host evacuate` first and wait for it), and while it is Healthy\n"
                "with VFs still placed on it (HostIsHealthy: stop its agent and wait until the\n"
                "host is Unhealthy, after the heartbeat timeout). An unknown host is exit 3. A\n"
                "Healthy host with nothing on it is deleted too; if its agent still runs, it\n"
                "registers the host again (a new host), and so does an agent that comes back\n"
                "later: the reconciler then releases the VFs it still holds. Prints the host's\n"
                "name, its health, how many VFs were forgotten and the operations ended.",
        .flags =
            (const struct cli_flag[]){
                FLAG_HOST_NAME,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"A dead host, after its evacuation.", "accelnet admin host delete -n host-we-2"},
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

    /* --- network vnet ---------------------------------------------------------------- */
    {
        .group = "network vnet",
        .verb = "create",
        .handler = cli_vnet_create,
        .summary = "Create a virtual network, optionally with a subnet.",
        .help = "Create-or-replace, as in ARM: for a virtual network that exists, the address\n"
                "space, the tags and the subnets are replaced (subnets not named are deleted;\n"
                "that is refused for one in use). Use `vnet update` and `vnet subnet` to change\n"
                "one thing.",
        .flags =
            (const struct cli_flag[]){
                FLAG_NET_NAME("virtual network"),
                FLAG_RESOURCE_GROUP,
                FLAG_LOCATION("virtual network"),
                {.name = "address-prefixes",
                 .type = CLI_LIST,
                 .metavar = "PREFIX",
                 .help = "The address space: space-separated IPv4 CIDR prefixes, /8 to /29, that "
                         "do not overlap. Default: 10.0.0.0/16."},
                {.name = "subnet-name",
                 .metavar = "NAME",
                 .help = "Create a subnet of this name too."},
                {.name = "subnet-prefixes",
                 .type = CLI_LIST,
                 .metavar = "PREFIX",
                 .help = "The subnet's address prefix (one here), inside the address space. "
                         "Default: the first /24 of the address space."},
                FLAG_TAGS,
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"The walkthrough's network: 10.0.0.0/16 with the subnet default.",
                 "accelnet network vnet create -g rg1 -n vnet1 --address-prefixes 10.0.0.0/16 "
                 "--subnet-name default --subnet-prefixes 10.0.0.0/24"},
                {"In another location than the group's, with two address prefixes.",
                 "accelnet network vnet create -g rg1 -n vnet2 -l westcentralus "
                 "--address-prefixes 10.1.0.0/16 10.2.0.0/16"},
                {0},
            },
    },
    {
        .group = "network vnet",
        .verb = "show",
        .handler = cli_vnet_show,
        .summary = "Show a virtual network, with its subnets.",
        .flags =
            (const struct cli_flag[]){
                FLAG_NET_NAME("virtual network"),
                FLAG_RESOURCE_GROUP,
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Show one.", "accelnet network vnet show -g rg1 -n vnet1"},
                {"Its address space.", "accelnet network vnet show -g rg1 -n vnet1 --query "
                                       "properties.addressSpace.addressPrefixes -o tsv"},
                {0},
            },
    },
    {
        .group = "network vnet",
        .verb = "list",
        .handler = cli_vnet_list,
        .summary = "List virtual networks.",
        .flags =
            (const struct cli_flag[]){
                FLAG_RESOURCE_GROUP_LIST("virtual networks"),
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"A group's, as a table.", "accelnet network vnet list -g rg1 -o table"},
                {"Just the names.",
                 "accelnet network vnet list -g rg1 --query \"value[].name\" -o tsv"},
                {0},
            },
    },
    {
        .group = "network vnet",
        .verb = "update",
        .handler = cli_vnet_update,
        .summary = "Change a virtual network's address space or tags; its subnets stay.",
        .help = "Reads the virtual network and writes it back with what the flags change\n"
                "(If-Match: a change made in between is refused with 412, exit 4). The address\n"
                "space must still hold every subnet.",
        .flags =
            (const struct cli_flag[]){
                FLAG_NET_NAME("virtual network"),
                FLAG_RESOURCE_GROUP,
                {.name = "address-prefixes",
                 .type = CLI_LIST,
                 .metavar = "PREFIX",
                 .help = "The new address space: space-separated IPv4 CIDR prefixes."},
                FLAG_TAGS,
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Grow the address space.",
                 "accelnet network vnet update -g rg1 -n vnet1 --address-prefixes 10.0.0.0/16 "
                 "10.10.0.0/16"},
                {"Replace the tags.", "accelnet network vnet update -g rg1 -n vnet1 --tags "
                                      "env=prod"},
                {0},
            },
    },
    {
        .group = "network vnet",
        .verb = "delete",
        .handler = cli_vnet_delete,
        .summary = "Delete a virtual network and its subnets.",
        .help = "Refused while NICs use one of its subnets (exit 4,\n"
                "InUseSubnetCannotBeDeleted). Deleting one that does not exist changes nothing\n"
                "and says so on stderr (exit 0).",
        .flags =
            (const struct cli_flag[]){
                FLAG_NET_NAME("virtual network"),
                FLAG_RESOURCE_GROUP,
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Delete one.", "accelnet network vnet delete -g rg1 -n vnet1"},
                {0},
            },
    },
    /* --- network vnet subnet ------------------------------------------------------- */
    {
        .group = "network vnet subnet",
        .verb = "create",
        .handler = cli_subnet_create,
        .summary = "Create a subnet in a virtual network.",
        .help = "Create-or-replace, as in ARM: for a subnet that exists, its prefix and network\n"
                "security group become the ones given.",
        .flags =
            (const struct cli_flag[]){
                FLAG_VNET_NAME,
                FLAG_NET_NAME("subnet"),
                FLAG_RESOURCE_GROUP,
                FLAG_SUBNET_PREFIXES("Required (or --address-prefix)."),
                FLAG_SUBNET_PREFIX,
                FLAG_NSG("for every NIC in the subnet"),
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Add a subnet.", "accelnet network vnet subnet create -g rg1 --vnet-name vnet1 "
                                  "-n backend --address-prefixes 10.0.1.0/24"},
                {"With a network security group.",
                 "accelnet network vnet subnet create -g rg1 --vnet-name vnet1 -n frontend "
                 "--address-prefixes 10.0.2.0/24 --nsg nsg1"},
                {0},
            },
    },
    {
        .group = "network vnet subnet",
        .verb = "show",
        .handler = cli_subnet_show,
        .summary = "Show a subnet, with the IP configurations that use it.",
        .flags =
            (const struct cli_flag[]){
                FLAG_VNET_NAME,
                FLAG_NET_NAME("subnet"),
                FLAG_RESOURCE_GROUP,
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Show one.", "accelnet network vnet subnet show -g rg1 --vnet-name vnet1 -n "
                              "default"},
                {0},
            },
    },
    {
        .group = "network vnet subnet",
        .verb = "list",
        .handler = cli_subnet_list,
        .summary = "List the subnets of a virtual network.",
        .flags =
            (const struct cli_flag[]){
                FLAG_VNET_NAME,
                FLAG_RESOURCE_GROUP,
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"As a table.", "accelnet network vnet subnet list -g rg1 --vnet-name vnet1 -o "
                                "table"},
                {0},
            },
    },
    {
        .group = "network vnet subnet",
        .verb = "update",
        .handler = cli_subnet_update,
        .summary = "Change a subnet's address prefix or network security group.",
        .help = "Reads the subnet and writes it back with what the flags change (If-Match: a\n"
                "change made in between is refused with 412, exit 4). A subnet in use keeps a\n"
                "prefix that holds its NICs' addresses.",
        .flags =
            (const struct cli_flag[]){
                FLAG_VNET_NAME,
                FLAG_NET_NAME("subnet"),
                FLAG_RESOURCE_GROUP,
                FLAG_SUBNET_PREFIXES("The new prefix."),
                FLAG_SUBNET_PREFIX,
                FLAG_NSG("for every NIC in the subnet; \"\" removes it"),
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Attach a network security group.",
                 "accelnet network vnet subnet update -g rg1 --vnet-name vnet1 -n default --nsg "
                 "nsg1"},
                {"Detach it.", "accelnet network vnet subnet update -g rg1 --vnet-name vnet1 -n "
                               "default --nsg \"\""},
                {0},
            },
    },
    {
        .group = "network vnet subnet",
        .verb = "delete",
        .handler = cli_subnet_delete,
        .summary = "Delete a subnet.",
        .help = "Refused while NICs use it (exit 4, InUseSubnetCannotBeDeleted). Deleting one\n"
                "that does not exist changes nothing and says so on stderr (exit 0).",
        .flags =
            (const struct cli_flag[]){
                FLAG_VNET_NAME,
                FLAG_NET_NAME("subnet"),
                FLAG_RESOURCE_GROUP,
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Delete one.", "accelnet network vnet subnet delete -g rg1 --vnet-name vnet1 -n "
                                "backend"},
                {0},
            },
    },
    /* --- network nsg --------------------------------------------------------------- */
    {
        .group = "network nsg",
        .verb = "create",
        .handler = cli_nsg_create,
        .summary = "Create a network security group (with the default rules only).",
        .help = "Create-or-replace, as in ARM: for a group that exists the tags are replaced and\n"
                "its own rules removed. Use `nsg update` to change the tags only.",
        .flags =
            (const struct cli_flag[]){
                FLAG_NET_NAME("network security group"),
                FLAG_RESOURCE_GROUP,
                FLAG_LOCATION("network security group"),
                FLAG_TAGS,
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Create one in the group's location.", "accelnet network nsg create -g rg1 -n "
                                                        "nsg1"},
                {"With tags.", "accelnet network nsg create -g rg1 -n nsg2 --tags env=test"},
                {0},
            },
    },
    {
        .group = "network nsg",
        .verb = "show",
        .handler = cli_nsg_show,
        .summary = "Show a network security group: its rules, the default ones and who uses it.",
        .flags =
            (const struct cli_flag[]){
                FLAG_NET_NAME("network security group"),
                FLAG_RESOURCE_GROUP,
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Show one.", "accelnet network nsg show -g rg1 -n nsg1"},
                {"The NICs that use it.", "accelnet network nsg show -g rg1 -n nsg1 --query "
                                          "\"properties.networkInterfaces[].id\" -o tsv"},
                {0},
            },
    },
    {
        .group = "network nsg",
        .verb = "list",
        .handler = cli_nsg_list,
        .summary = "List network security groups.",
        .flags =
            (const struct cli_flag[]){
                FLAG_RESOURCE_GROUP_LIST("network security groups"),
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"As a table.", "accelnet network nsg list -g rg1 -o table"},
                {0},
            },
    },
    {
        .group = "network nsg",
        .verb = "update",
        .handler = cli_nsg_update,
        .summary = "Change a network security group's tags; its rules stay.",
        .help = "Reads the group and writes it back with the new tags (If-Match: a change made\n"
                "in between, to a rule too, is refused with 412, exit 4).",
        .flags =
            (const struct cli_flag[]){
                FLAG_NET_NAME("network security group"),
                FLAG_RESOURCE_GROUP,
                FLAG_TAGS,
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Replace the tags.", "accelnet network nsg update -g rg1 -n nsg1 --tags "
                                      "env=prod"},
                {0},
            },
    },
    {
        .group = "network nsg",
        .verb = "delete",
        .handler = cli_nsg_delete,
        .summary = "Delete a network security group.",
        .help = "Refused while a NIC or a subnet uses it (exit 4,\n"
                "InUseNetworkSecurityGroupCannotBeDeleted). Deleting one that does not exist\n"
                "changes nothing and says so on stderr (exit 0).",
        .flags =
            (const struct cli_flag[]){
                FLAG_NET_NAME("network security group"),
                FLAG_RESOURCE_GROUP,
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Delete one.", "accelnet network nsg delete -g rg1 -n nsg1"},
                {0},
            },
    },
    /* --- network nsg rule ------------------------------------------------------------ */
    {
        .group = "network nsg rule",
        .verb = "create",
        .handler = cli_secrule_create,
        .summary = "Create a security rule.",
        .help = "What is not given takes az's defaults: allow inbound traffic of any protocol\n"
                "from any address and port to any address on port 80. Create-or-replace, as in\n"
                "ARM: a rule that exists gets exactly these properties.",
        .flags =
            (const struct cli_flag[]){
                FLAG_NSG_NAME,
                FLAG_NET_NAME("rule"),
                FLAG_RESOURCE_GROUP,
                {.name = "priority",
                 .type = CLI_INT,
                 .opts = CLI_REQUIRED,
                 .metavar = "N",
                 .min = 100,
                 .max = 4096,
                 .help = "100 to 4096, lower first; unique per direction in the group."},
                {.name = "direction",
                 .type = CLI_ENUM,
                 .metavar = "DIRECTION",
                 .choices = rule_directions,
                 .def = "Inbound",
                 .help = "The traffic it applies to."},
                {.name = "access",
                 .type = CLI_ENUM,
                 .metavar = "ACCESS",
                 .choices = rule_accesses,
                 .def = "Allow",
                 .help = "Allow or deny it."},
                {.name = "protocol",
                 .type = CLI_ENUM,
                 .metavar = "PROTOCOL",
                 .choices = rule_protocols,
                 .def = "*",
                 .help = "The protocol (\"*\": any)."},
                FLAG_RULE_LISTS("Default: \"*\".", "Default: \"*\".", "Default: \"*\".",
                                "Default: 80."),
                {.name = "description",
                 .metavar = "TEXT",
                 .help = "Free text, up to 140 characters."},
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Allow RDP (TCP 3389) in from anywhere: the Windows VM's.",
                 "accelnet network nsg rule create -g rg1 --nsg-name nsg1 -n AllowRDP --priority "
                 "1000 --protocol Tcp --destination-port-ranges 3389"},
                {"Deny outbound SMTP to the Internet.",
                 "accelnet network nsg rule create -g rg1 --nsg-name nsg1 -n DenySmtp --priority "
                 "200 --direction Outbound --access Deny --protocol Tcp "
                 "--destination-address-prefixes Internet --destination-port-ranges 25"},
                {"Several prefixes and ports.",
                 "accelnet network nsg rule create -g rg1 --nsg-name nsg1 -n AllowWeb --priority "
                 "300 --protocol Tcp --source-address-prefixes 10.1.0.0/16 10.2.0.0/16 "
                 "--destination-port-ranges 80 443 8000-8080"},
                {0},
            },
    },
    {
        .group = "network nsg rule",
        .verb = "show",
        .handler = cli_secrule_show,
        .summary = "Show a security rule.",
        .flags =
            (const struct cli_flag[]){
                FLAG_NSG_NAME,
                FLAG_NET_NAME("rule"),
                FLAG_RESOURCE_GROUP,
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Show one as a table.", "accelnet network nsg rule show -g rg1 --nsg-name nsg1 "
                                         "-n AllowRDP -o table"},
                {0},
            },
    },
    {
        .group = "network nsg rule",
        .verb = "list",
        .handler = cli_secrule_list,
        .summary = "List the security rules of a network security group.",
        .flags =
            (const struct cli_flag[]){
                FLAG_NSG_NAME,
                FLAG_RESOURCE_GROUP,
                {.name = "include-default",
                 .type = CLI_SWITCH,
                 .help = "Add Azure's six default rules (priorities 65000-65500) after the "
                         "group's own."},
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"The group's own rules.", "accelnet network nsg rule list -g rg1 --nsg-name nsg1 "
                                           "-o table"},
                {"Every rule that applies, in one table.",
                 "accelnet network nsg rule list -g rg1 --nsg-name nsg1 --include-default -o "
                 "table"},
                {0},
            },
    },
    {
        .group = "network nsg rule",
        .verb = "update",
        .handler = cli_secrule_update,
        .summary = "Change a security rule.",
        .help = "Reads the rule and writes it back with what the flags change (If-Match: a\n"
                "change made in between is refused with 412, exit 4). A list flag replaces that\n"
                "list.",
        .flags =
            (const struct cli_flag[]){
                FLAG_NSG_NAME,
                FLAG_NET_NAME("rule"),
                FLAG_RESOURCE_GROUP,
                {.name = "priority",
                 .type = CLI_INT,
                 .metavar = "N",
                 .min = 100,
                 .max = 4096,
                 .help = "100 to 4096, lower first; unique per direction in the group."},
                {.name = "direction",
                 .type = CLI_ENUM,
                 .metavar = "DIRECTION",
                 .choices = rule_directions,
                 .help = "The traffic it applies to."},
                {.name = "access",
                 .type = CLI_ENUM,
                 .metavar = "ACCESS",
                 .choices = rule_accesses,
                 .help = "Allow or deny it."},
                {.name = "protocol",
                 .type = CLI_ENUM,
                 .metavar = "PROTOCOL",
                 .choices = rule_protocols,
                 .help = "The protocol (\"*\": any)."},
                FLAG_RULE_LISTS("", "", "", ""),
                {.name = "description",
                 .metavar = "TEXT",
                 .help = "Free text, up to 140 characters; \"\" removes it."},
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Let RDP in only from one network.",
                 "accelnet network nsg rule update -g rg1 --nsg-name nsg1 -n AllowRDP "
                 "--source-address-prefixes 203.0.113.0/24"},
                {"Turn it into a deny.", "accelnet network nsg rule update -g rg1 --nsg-name nsg1 "
                                         "-n AllowRDP --access Deny"},
                {0},
            },
    },
    {
        .group = "network nsg rule",
        .verb = "delete",
        .handler = cli_secrule_delete,
        .summary = "Delete a security rule.",
        .help = "Deleting one that does not exist changes nothing and says so on stderr (exit\n"
                "0). The default rules cannot be deleted; a rule of higher priority overrides\n"
                "them.",
        .flags =
            (const struct cli_flag[]){
                FLAG_NSG_NAME,
                FLAG_NET_NAME("rule"),
                FLAG_RESOURCE_GROUP,
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Delete one.", "accelnet network nsg rule delete -g rg1 --nsg-name nsg1 -n "
                                "AllowRDP"},
                {0},
            },
    },
    /* --- network nic --------------------------------------------------------------- */
    {
        .group = "network nic",
        .verb = "create",
        .handler = cli_nic_create,
        .summary = "Create a network interface, with or without Accelerated Networking.",
        .help = "With --accelerated-networking true the subscription must be Registered for\n"
                "Microsoft.Network/AllowAcceleratedNetworkingFeature and the location must offer\n"
                "it; otherwise the create is refused with every reason (exit 4:\n"
                "FeatureRegistrationPending, LocationIsNotPermittedToEnableAcceleratedNetworking,\n"
                "...; `accelnet check-eligibility` shows the same). The subnet's virtual network\n"
                "must be in the NIC's location. Create-or-replace, as in ARM, except that\n"
                "Accelerated Networking cannot change on a NIC that exists.",
        .flags =
            (const struct cli_flag[]){
                FLAG_NET_NAME("network interface"),
                FLAG_RESOURCE_GROUP,
                FLAG_LOCATION("network interface"),
                {.name = "subnet",
                 .opts = CLI_REQUIRED,
                 .metavar = "NAME_OR_ID",
                 .help = "The subnet of its IP configuration: a name (with --vnet-name) or the "
                         "subnet's id."},
                {.name = "vnet-name",
                 .metavar = "NAME",
                 .help = "The virtual network of --subnet, in the same resource group."},
                {.name = "private-ip-address",
                 .metavar = "ADDRESS",
                 .help = "A static private address in the subnet (not one of its first four or "
                         "its last). Default: the lowest free one (Dynamic)."},
                FLAG_NSG("for the NIC"),
                FLAG_ACCELERATED_NIC,
                FLAG_IP_FORWARDING,
                FLAG_TAGS,
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"The walkthrough's NIC: accelerated, in West Europe, with the NSG.",
                 "accelnet network nic create -g rg1 -n nic1 --vnet-name vnet1 --subnet default "
                 "--nsg nsg1 --accelerated-networking true"},
                {"Without Accelerated Networking, at a fixed address.",
                 "accelnet network nic create -g rg1 -n nic2 --vnet-name vnet1 --subnet default "
                 "--private-ip-address 10.0.0.10"},
                {0},
            },
    },
    {
        .group = "network nic",
        .verb = "show",
        .handler = cli_nic_show,
        .summary = "Show a network interface.",
        .flags =
            (const struct cli_flag[]){
                FLAG_NET_NAME("network interface"),
                FLAG_RESOURCE_GROUP,
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"At a glance.", "accelnet network nic show -g rg1 -n nic1 -o table"},
                {"Is it accelerated?", "accelnet network nic show -g rg1 -n nic1 --query "
                                       "properties.enableAcceleratedNetworking -o tsv"},
                {0},
            },
    },
    {
        .group = "network nic",
        .verb = "list",
        .handler = cli_nic_list,
        .summary = "List network interfaces.",
        .help = "-o table shows the name, location, private address, MAC address, whether\n"
                "Accelerated Networking is on and, for a NIC of a running VM, its virtual\n"
                "function.",
        .flags =
            (const struct cli_flag[]){
                FLAG_RESOURCE_GROUP_LIST("network interfaces"),
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"As a table.", "accelnet network nic list -g rg1 -o table"},
                {"The accelerated ones.",
                 "accelnet network nic list -g rg1 --query "
                 "\"value[].properties.enableAcceleratedNetworking\" -o tsv"},
                {0},
            },
    },
    {
        .group = "network nic",
        .verb = "update",
        .handler = cli_nic_update,
        .summary = "Change a network interface's NSG, IP forwarding or tags.",
        .help = "Reads the NIC and writes it back with what the flags change (If-Match: a change\n"
                "made in between is refused with 412, exit 4). --accelerated-networking is sent\n"
                "as given, and the service refuses a change on an existing NIC\n"
                "(AcceleratedNetworkingCannotBeChangedOnExistingNic, exit 4): create a new NIC\n"
                "instead. A new --nsg on a NIC whose VM runs goes to its VF's host agent: the\n"
                "command waits until the agent has the new policy, with progress on stderr\n"
                "(the same for NSG and rule changes that reach running VMs).",
        .flags =
            (const struct cli_flag[]){
                FLAG_NET_NAME("network interface"),
                FLAG_RESOURCE_GROUP,
                FLAG_NSG("for the NIC; \"\" removes it"),
                FLAG_ACCELERATED_NIC,
                FLAG_IP_FORWARDING,
                FLAG_TAGS,
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Use another network security group.",
                 "accelnet network nic update -g rg1 -n nic1 --nsg nsg2"},
                {"Try to switch Accelerated Networking off (refused: it is fixed at creation).",
                 "accelnet network nic update -g rg1 -n nic1 --accelerated-networking false"},
                {0},
            },
    },
    {
        .group = "network nic",
        .verb = "delete",
        .handler = cli_nic_delete,
        .summary = "Delete a network interface.",
        .help = "Refused while a VM uses it (exit 4, NicInUse). Deleting one that does not exist\n"
                "changes nothing and says so on stderr (exit 0).",
        .flags =
            (const struct cli_flag[]){
                FLAG_NET_NAME("network interface"),
                FLAG_RESOURCE_GROUP,
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Delete one.", "accelnet network nic delete -g rg1 -n nic1"},
                {0},
            },
    },
    {
        .group = "network nic",
        .verb = "show-effective-nsg",
        .handler = cli_nic_show_effective_nsg,
        .summary = "Show the security rules in force on a network interface.",
        .help = "The rules of its subnet's network security group and of its own, default rules\n"
                "included, in the order they apply; and for an accelerated NIC, the policy\n"
                "generation the service wants next to the one its host agent has installed.",
        .flags =
            (const struct cli_flag[]){
                FLAG_NET_NAME("network interface"),
                FLAG_RESOURCE_GROUP,
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"What is in force on nic1.",
                 "accelnet network nic show-effective-nsg -g rg1 -n nic1"},
                {0},
            },
    },

    /* --- vm -------------------------------------------------------------------------- */
    {
        .group = "vm nic",
        .verb = "add",
        .handler = cli_vm_nic_add,
        .summary = "Add network interfaces to an existing virtual machine.",
        .help = "Sends the VM's NICs and the new ones. An accelerated NIC can only be attached\n"
                "when a VM is created: adding one is refused\n"
                "(AcceleratedNicCanOnlyBeAttachedAtVmCreation, exit 4); create a new VM with it\n"
                "instead. Other NIC changes need the VM deallocated.",
        .flags =
            (const struct cli_flag[]){
                {.name = "vm-name",
                 .opts = CLI_REQUIRED,
                 .metavar = "NAME",
                 .help = "The virtual machine."},
                {.name = "nics",
                 .type = CLI_LIST,
                 .opts = CLI_REQUIRED,
                 .metavar = "NAME_OR_ID",
                 .help = "The network interfaces to add: names in the resource group, or ids."},
                FLAG_RESOURCE_GROUP,
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Add a (non-accelerated) NIC to a deallocated VM.",
                 "accelnet vm nic add -g rg1 --vm-name vm1 --nics nic2"},
                {0},
            },
    },
    {
        .group = "vm",
        .verb = "create",
        .handler = cli_vm_create,
        .summary = "Create a virtual machine with its network interfaces, and wait until it runs.",
        .help = "The first of --nics is the primary one. With a NIC that has Accelerated\n"
                "Networking the subscription must be registered for the preview and the\n"
                "location, size and image eligible (`accelnet check-eligibility`), else the\n"
                "request is refused at once with the reason's code (exit 4, e.g.\n"
                "VMSizeIsNotPermittedToEnableAcceleratedNetworking). The command then waits for\n"
                "the creation (status and elapsed time on stderr) and prints the VM as\n"
                "`accelnet vm show` does; if no host can take it, the operation fails with\n"
                "AllocationFailed (exit 4). --admin-password - reads the password from stdin\n"
                "(not echoed on a terminal); it is never printed, not even with --debug.",
        .flags =
            (const struct cli_flag[]){
                {.name = "name",
                 .short_name = 'n',
                 .opts = CLI_REQUIRED,
                 .metavar = "NAME",
                 .help = "The VM's name (1-64 letters, digits, '.', '_' and '-'); also its "
                         "computer name."},
                FLAG_RESOURCE_GROUP,
                {.name = "size",
                 .opts = CLI_REQUIRED,
                 .metavar = "SIZE",
                 .help = "The VM size, e.g. Standard_DS15_v2 (`accelnet vm list-sizes`)."},
                {.name = "image",
                 .opts = CLI_REQUIRED,
                 .metavar = "URN",
                 .help = "The OS image, PUBLISHER:OFFER:SKU[:VERSION], e.g. "
                         "MicrosoftWindowsServer:WindowsServer:2016-Technical-Preview-5."},
                {.name = "nics",
                 .type = CLI_LIST,
                 .opts = CLI_REQUIRED,
                 .metavar = "NAME_OR_ID",
                 .help = "Its network interfaces: names in the resource group, or ids; the "
                         "first is the primary one."},
                {.name = "admin-username",
                 .opts = CLI_REQUIRED,
                 .metavar = "NAME",
                 .help = "The administrator's user name."},
                {.name = "admin-password",
                 .metavar = "PASSWORD",
                 .help = "The administrator's password; - reads it from stdin (one line)."},
                FLAG_LOCATION("VM"),
                FLAG_TAGS,
                {.name = "no-wait",
                 .type = CLI_SWITCH,
                 .help = "Do not wait: print the operation (its status) at once."},
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"The walkthrough's VM: Windows Server 2016 TP5 with the accelerated NIC.",
                 "accelnet vm create -g rg1 -n vm1 --size Standard_DS15_v2 --image "
                 "MicrosoftWindowsServer:WindowsServer:2016-Technical-Preview-5 --nics nic1 "
                 "--admin-username azureuser --admin-password -"},
                {"Without waiting: the operation is printed.",
                 "accelnet vm create -g rg1 -n vm2 --size Standard_DS3_v2 --image "
                 "Canonical:UbuntuServer:16.04-LTS --nics nic2 --admin-username azureuser "
                 "--no-wait"},
                {0},
            },
    },
    {
        .group = "vm",
        .verb = "show",
        .handler = cli_vm_show,
        .summary = "Show a virtual machine, with each NIC's virtual function.",
        .help = "The VM as the service has it, with each network interface's\n"
                "enableAcceleratedNetworking and virtualFunction (host, pf, vfIndex, pciAddress,\n"
                "driver, guestDriver: what the guest sees, e.g. \"Mellanox ConnectX-3 Virtual\n"
                "Function Ethernet Adapter\") added from the NIC. A NIC has a VF while its VM\n"
                "runs with Accelerated Networking. -o table shows one row per NIC with the\n"
                "power and provisioning states.",
        .flags =
            (const struct cli_flag[]){
                {.name = "name",
                 .short_name = 'n',
                 .opts = CLI_REQUIRED,
                 .metavar = "NAME",
                 .help = "The VM's name."},
                FLAG_RESOURCE_GROUP,
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Its NICs and their VFs.", "accelnet vm show -g rg1 -n vm1 -o table"},
                {"The guest's driver of the primary NIC.",
                 "accelnet vm show -g rg1 -n vm1 --query "
                 "\"properties.networkProfile.networkInterfaces[0].properties.virtualFunction."
                 "guestDriver\" -o tsv"},
                {0},
            },
    },
    {
        .group = "vm",
        .verb = "list",
        .handler = cli_vm_list,
        .summary = "List virtual machines.",
        .help = "-o table shows each VM's size, power state (running, deallocated, ...) and\n"
                "provisioning state.",
        .flags =
            (const struct cli_flag[]){
                FLAG_RESOURCE_GROUP_LIST("VMs"),
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"As a table.", "accelnet vm list -g rg1 -o table"},
                {0},
            },
    },
    {
        .group = "vm",
        .verb = "deallocate",
        .handler = cli_vm_deallocate,
        .summary = "Stop a virtual machine and release its host (and VFs); wait until done.",
        .help = "Its NICs keep their addresses; the VFs go back to the host. --no-wait prints the\n"
                "operation at once.",
        .flags =
            (const struct cli_flag[]){
                {.name = "name",
                 .short_name = 'n',
                 .opts = CLI_REQUIRED,
                 .metavar = "NAME",
                 .help = "The VM's name."},
                FLAG_RESOURCE_GROUP,
                {.name = "no-wait",
                 .type = CLI_SWITCH,
                 .help = "Do not wait: print the operation (its status) at once."},
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Deallocate it.", "accelnet vm deallocate -g rg1 -n vm1"},
                {0},
            },
    },
    {
        .group = "vm",
        .verb = "start",
        .handler = cli_vm_start,
        .summary = "Start a deallocated virtual machine (placed again, VFs attached); wait until "
                   "done.",
        .help = "If no host can take it the operation fails with AllocationFailed (exit 4).\n"
                "--no-wait prints the operation at once.",
        .flags =
            (const struct cli_flag[]){
                {.name = "name",
                 .short_name = 'n',
                 .opts = CLI_REQUIRED,
                 .metavar = "NAME",
                 .help = "The VM's name."},
                FLAG_RESOURCE_GROUP,
                {.name = "no-wait",
                 .type = CLI_SWITCH,
                 .help = "Do not wait: print the operation (its status) at once."},
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Start it again.", "accelnet vm start -g rg1 -n vm1"},
                {0},
            },
    },
    {
        .group = "vm",
        .verb = "delete",
        .handler = cli_vm_delete,
        .summary = "Delete a virtual machine (its NICs stay); wait until it is gone.",
        .help = "The NICs are detached and can be used again or deleted. Deleting one that does\n"
                "not exist changes nothing and says so on stderr (exit 0). --no-wait prints the\n"
                "operation at once.",
        .flags =
            (const struct cli_flag[]){
                {.name = "name",
                 .short_name = 'n',
                 .opts = CLI_REQUIRED,
                 .metavar = "NAME",
                 .help = "The VM's name."},
                FLAG_RESOURCE_GROUP,
                {.name = "no-wait",
                 .type = CLI_SWITCH,
                 .help = "Do not wait: print the operation (its status) at once."},
                FLAG_SUBSCRIPTION,
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"Delete it.", "accelnet vm delete -g rg1 -n vm1"},
                {0},
            },
    },
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
