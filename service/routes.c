#include "service/routes.h"

#include "api/api.h"

#define SUB     "/subscriptions/{subscriptionId}"
#define ADM_SUB "/admin/subscriptions/{subscriptionId}"
#define ADM_CAT "/admin/catalog"
#define FEAT    SUB "/providers/Microsoft.Features/providers/{resourceProviderNamespace}/features"
#define ADM_REG "/admin/featureRegistrations/{subscriptionId}/{namespace}/{featureName}"
#define HOST    "/admin/hosts/{hostName}"
#define NET     SUB "/resourceGroups/{resourceGroupName}/providers/Microsoft.Network"
#define NSGS    NET "/networkSecurityGroups"
#define NSG     NSGS "/{networkSecurityGroupName}"
#define VNET    NET "/virtualNetworks/{virtualNetworkName}"
#define NIC     NET "/networkInterfaces/{networkInterfaceName}"
#define COMPUTE SUB "/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute"
#define VM      COMPUTE "/virtualMachines/{vmName}"
#define OPS     SUB "/providers/Microsoft.Compute/locations/{location}"

/* Every endpoint accelnetd serves. Order matters only where two patterns
 * could match the same path: the first wins. */
// clang-format off
const struct route routes[] = {
    /* method   pattern                                  handler                          who may call       flags */
    {"GET",    "/healthz",                               api_health_live,                 AUTH_PUBLIC,       ROUTE_NO_API_VERSION},
    {"GET",    "/readyz",                                api_health_ready,                AUTH_PUBLIC,       ROUTE_NO_API_VERSION},
    {"GET",    "/metrics",                               api_metrics_get,                 AUTH_ADMIN,        ROUTE_NO_API_VERSION},

    /* admin: tokens and subscriptions */
    {"POST",   "/admin/tokens",                          api_token_create,                AUTH_ADMIN,        0},
    {"GET",    "/admin/tokens",                          api_token_list,                  AUTH_ADMIN,        0},
    {"GET",    "/admin/tokens/{tokenId}",                api_token_get,                   AUTH_ADMIN,        0},
    {"DELETE", "/admin/tokens/{tokenId}",                api_token_delete,                AUTH_ADMIN,        0},
    {"GET",    "/admin/subscriptions",                   api_subscription_list,           AUTH_ADMIN,        0},
    {"PUT",    ADM_SUB,                                  api_subscription_put,            AUTH_ADMIN,        0},
    {"GET",    ADM_SUB,                                  api_subscription_admin_get,      AUTH_ADMIN,        0},
    {"POST",   ADM_SUB "/disable",                       api_subscription_disable,        AUTH_ADMIN,        0},
    {"POST",   ADM_SUB "/enable",                        api_subscription_enable,         AUTH_ADMIN,        0},
    {"POST",   ADM_SUB "/tokens",                        api_token_subscription_create,   AUTH_ADMIN,        0},
    {"GET",    ADM_SUB "/tokens",                        api_token_subscription_list,     AUTH_ADMIN,        0},
    {"DELETE", ADM_SUB "/tokens/{tokenId}",              api_token_subscription_delete,   AUTH_ADMIN,        0},

    /* admin: the catalogue */
    {"GET",    ADM_CAT "/locations",                     api_catalog_location_list,       AUTH_ADMIN,        0},
    {"PUT",    ADM_CAT "/locations/{locationName}",      api_catalog_location_put,        AUTH_ADMIN,        0},
    {"GET",    ADM_CAT "/locations/{locationName}",      api_catalog_location_get,        AUTH_ADMIN,        0},
    {"DELETE", ADM_CAT "/locations/{locationName}",      api_catalog_location_delete,     AUTH_ADMIN,        0},
    {"GET",    ADM_CAT "/vmSizes",                       api_catalog_vm_size_list,        AUTH_ADMIN,        0},
    {"PUT",    ADM_CAT "/vmSizes/{vmSizeName}",          api_catalog_vm_size_put,         AUTH_ADMIN,        0},
    {"GET",    ADM_CAT "/vmSizes/{vmSizeName}",          api_catalog_vm_size_get,         AUTH_ADMIN,        0},
    {"DELETE", ADM_CAT "/vmSizes/{vmSizeName}",          api_catalog_vm_size_delete,      AUTH_ADMIN,        0},
    {"GET",    ADM_CAT "/osImages",                      api_catalog_os_image_list,       AUTH_ADMIN,        0},
    {"PUT",    ADM_CAT "/osImages/{imageKey}",           api_catalog_os_image_put,        AUTH_ADMIN,        0},
    {"GET",    ADM_CAT "/osImages/{imageKey}",           api_catalog_os_image_get,        AUTH_ADMIN,        0},
    {"DELETE", ADM_CAT "/osImages/{imageKey}",           api_catalog_os_image_delete,     AUTH_ADMIN,        0},
    /* admin: preview features and the decisions on registrations */
    {"GET",    "/admin/features",                        api_feature_def_list,            AUTH_ADMIN,        0},
    {"PUT",    "/admin/features/{namespace}/{featureName}", api_feature_def_put,          AUTH_ADMIN,        0},
    {"GET",    "/admin/features/{namespace}/{featureName}", api_feature_def_get,          AUTH_ADMIN,        0},
    {"GET",    "/admin/featureRegistrations",            api_feature_reg_list,            AUTH_ADMIN,        0},
    {"GET",    ADM_REG,                                  api_feature_reg_get,             AUTH_ADMIN,        0},
    {"POST",   ADM_REG "/approve",                       api_feature_reg_approve,         AUTH_ADMIN,        0},
    {"POST",   ADM_REG "/reject",                        api_feature_reg_reject,          AUTH_ADMIN,        0},
    /* hosts: registered and kept alive by their agents, watched and steered by operators */
    {"GET",    "/admin/hosts",                           api_host_list,                   AUTH_ADMIN,        0},
    {"PUT",    HOST,                                     api_host_put,                    AUTH_AGENT,        0},
    {"GET",    HOST,                                     api_host_get,                    AUTH_ADMIN,        0},
    {"DELETE", HOST,                                     api_host_delete,                 AUTH_ADMIN,        0},
    {"POST",   HOST "/heartbeat",                        api_host_heartbeat,              AUTH_AGENT,        0},
    {"POST",   HOST "/disable",                          api_host_disable,                AUTH_ADMIN,        0},
    {"POST",   HOST "/drain",                            api_host_drain,                  AUTH_ADMIN,        0},
    {"POST",   HOST "/enable",                           api_host_enable,                 AUTH_ADMIN,        0},
    {"GET",    HOST "/service",                          api_host_service_get,            AUTH_ADMIN,        0},
    {"POST",   HOST "/service",                          api_host_service_start,          AUTH_ADMIN,        0},
    {"POST",   HOST "/service/complete",                 api_host_service_complete,       AUTH_ADMIN,        0},
    {"POST",   HOST "/evacuate",                         api_host_evacuate,               AUTH_ADMIN,        0},

    /* a subscription's own API (ARM) */
    {"GET",    "/subscriptions",                         api_subscription_list_visible,   AUTH_TENANT,       0},
    {"GET",    SUB,                                      api_subscription_get,            AUTH_SUBSCRIPTION, 0},
    {"GET",    SUB "/resourcegroups",                    api_rg_list,                     AUTH_SUBSCRIPTION, 0},
    {"PUT",    SUB "/resourcegroups/{resourceGroupName}", api_rg_put,                     AUTH_SUBSCRIPTION, 0},
    {"GET",    SUB "/resourcegroups/{resourceGroupName}", api_rg_get,                     AUTH_SUBSCRIPTION, 0},
    {"HEAD",   SUB "/resourcegroups/{resourceGroupName}", api_rg_head,                    AUTH_SUBSCRIPTION, 0},
    {"DELETE", SUB "/resourcegroups/{resourceGroupName}", api_rg_delete,                  AUTH_SUBSCRIPTION, 0},
    {"GET",    SUB "/locations",                         api_catalog_sub_locations,       AUTH_SUBSCRIPTION, 0},
    {"GET",    SUB "/providers/Microsoft.Compute/skus",  api_catalog_skus_list,           AUTH_SUBSCRIPTION, 0},
    {"POST",   SUB "/providers/Microsoft.Network/locations/{location}/checkAcceleratedNetworkingEligibility",
                                                         api_elig_check,                  AUTH_SUBSCRIPTION, ROUTE_READ},
    {"GET",    SUB "/providers/Microsoft.Features/features", api_feature_list_all,        AUTH_SUBSCRIPTION, 0},
    {"GET",    FEAT,                                     api_feature_list,                AUTH_SUBSCRIPTION, 0},
    {"GET",    FEAT "/{featureName}",                    api_feature_get,                 AUTH_SUBSCRIPTION, 0},
    {"POST",   FEAT "/{featureName}/register",           api_feature_register,            AUTH_SUBSCRIPTION, 0},
    {"POST",   FEAT "/{featureName}/unregister",         api_feature_unregister,          AUTH_SUBSCRIPTION, 0},

    /* Microsoft.Network: network security groups and their rules */
    {"GET",    SUB "/providers/Microsoft.Network/networkSecurityGroups", api_nsg_list_all, AUTH_SUBSCRIPTION, 0},
    {"GET",    NSGS,                                     api_nsg_list,                    AUTH_SUBSCRIPTION, 0},
    {"PUT",    NSG,                                      api_nsg_put,                     AUTH_SUBSCRIPTION, 0},
    {"GET",    NSG,                                      api_nsg_get,                     AUTH_SUBSCRIPTION, 0},
    {"PATCH",  NSG,                                      api_nsg_patch,                   AUTH_SUBSCRIPTION, 0},
    {"DELETE", NSG,                                      api_nsg_delete,                  AUTH_SUBSCRIPTION, 0},
    {"GET",    NSG "/securityRules",                     api_secrule_list,                AUTH_SUBSCRIPTION, 0},
    {"PUT",    NSG "/securityRules/{securityRuleName}",  api_secrule_put,                 AUTH_SUBSCRIPTION, 0},
    {"GET",    NSG "/securityRules/{securityRuleName}",  api_secrule_get,                 AUTH_SUBSCRIPTION, 0},
    {"DELETE", NSG "/securityRules/{securityRuleName}",  api_secrule_delete,              AUTH_SUBSCRIPTION, 0},
    {"GET",    NSG "/defaultSecurityRules",              api_nsg_default_rule_list,       AUTH_SUBSCRIPTION, 0},
    {"GET",    NSG "/defaultSecurityRules/{defaultSecurityRuleName}", api_nsg_default_rule_get, AUTH_SUBSCRIPTION, 0},

    /* Microsoft.Network: virtual networks, subnets, network interfaces */
    {"GET",    SUB "/providers/Microsoft.Network/virtualNetworks", api_vnet_list_all,     AUTH_SUBSCRIPTION, 0},
    {"GET",    NET "/virtualNetworks",                   api_vnet_list,                   AUTH_SUBSCRIPTION, 0},
    {"PUT",    VNET,                                     api_vnet_put,                    AUTH_SUBSCRIPTION, 0},
    {"GET",    VNET,                                     api_vnet_get,                    AUTH_SUBSCRIPTION, 0},
    {"PATCH",  VNET,                                     api_vnet_patch,                  AUTH_SUBSCRIPTION, 0},
    {"DELETE", VNET,                                     api_vnet_delete,                 AUTH_SUBSCRIPTION, 0},
    {"GET",    VNET "/subnets",                          api_subnet_list,                 AUTH_SUBSCRIPTION, 0},
    {"PUT",    VNET "/subnets/{subnetName}",             api_subnet_put,                  AUTH_SUBSCRIPTION, 0},
    {"GET",    VNET "/subnets/{subnetName}",             api_subnet_get,                  AUTH_SUBSCRIPTION, 0},
    {"DELETE", VNET "/subnets/{subnetName}",             api_subnet_delete,               AUTH_SUBSCRIPTION, 0},
    {"GET",    SUB "/providers/Microsoft.Network/networkInterfaces", api_nic_list_all,    AUTH_SUBSCRIPTION, 0},
    {"GET",    NET "/networkInterfaces",                 api_nic_list,                    AUTH_SUBSCRIPTION, 0},
    {"PUT",    NIC,                                      api_nic_put,                     AUTH_SUBSCRIPTION, 0},
    {"GET",    NIC,                                      api_nic_get,                     AUTH_SUBSCRIPTION, 0},
    {"PATCH",  NIC,                                      api_nic_patch,                   AUTH_SUBSCRIPTION, 0},
    {"DELETE", NIC,                                      api_nic_delete,                  AUTH_SUBSCRIPTION, 0},
    {"GET",    NIC "/effectiveNetworkSecurityGroups",    api_nic_effective_nsgs,          AUTH_SUBSCRIPTION, 0},
    {"POST",   NIC "/effectiveNetworkSecurityGroups",    api_nic_effective_nsgs,          AUTH_SUBSCRIPTION, 0},

    /* Microsoft.Compute: virtual machines and the status of long-running operations */
    {"GET",    SUB "/providers/Microsoft.Compute/virtualMachines", api_vm_list_all,       AUTH_SUBSCRIPTION, 0},
    {"GET",    COMPUTE "/virtualMachines",               api_vm_list,                     AUTH_SUBSCRIPTION, 0},
    {"PUT",    VM,                                       api_vm_put,                      AUTH_SUBSCRIPTION, 0},
    {"GET",    VM,                                       api_vm_get,                      AUTH_SUBSCRIPTION, 0},
    {"PATCH",  VM,                                       api_vm_patch,                    AUTH_SUBSCRIPTION, 0},
    {"DELETE", VM,                                       api_vm_delete,                   AUTH_SUBSCRIPTION, 0},
    {"POST",   VM "/deallocate",                         api_vm_deallocate,               AUTH_SUBSCRIPTION, 0},
    {"POST",   VM "/start",                              api_vm_start,                    AUTH_SUBSCRIPTION, 0},
    {"GET",    OPS "/operations/{operationId}",          api_op_get,                      AUTH_SUBSCRIPTION, 0},
    {"GET",    OPS "/operationResults/{operationId}",    api_op_result,                   AUTH_SUBSCRIPTION, 0},
};
// clang-format on
const size_t routes_count = sizeof(routes) / sizeof(routes[0]);
