/* error — the one table of API error codes, their HTTP status and the ARM
 * error envelope built from them. Handlers name an error; they never pick a
 * status code by hand. */
#ifndef ACCELNET_COMMON_ERROR_H
#define ACCELNET_COMMON_ERROR_H

#include <jansson.h>
#include <stdarg.h>

/* Accelerated Networking eligibility (api/eligibility.h): one code per reason a
 * request is not eligible. All 400; ERR_TABLE includes them with the 400s. */
#define ERR_TABLE_ELIGIBILITY(X)                                                               \
    X(ERR_SUBSCRIPTION_NOT_REGISTERED_FOR_FEATURE, "SubscriptionNotRegisteredForFeature", 400) \
    X(ERR_FEATURE_REGISTRATION_PENDING, "FeatureRegistrationPending", 400)                     \
    X(ERR_FEATURE_REGISTRATION_REJECTED, "FeatureRegistrationRejected", 400)                   \
    X(ERR_LOCATION_NOT_PERMITTED, "LocationIsNotPermittedToEnableAcceleratedNetworking", 400)  \
    X(ERR_VM_SIZE_NOT_PERMITTED, "VMSizeIsNotPermittedToEnableAcceleratedNetworking", 400)     \
    X(ERR_OS_IMAGE_NOT_PERMITTED, "OSImageIsNotPermittedToEnableAcceleratedNetworking", 400)

/* Network security groups and their rules (api/nsg.c, common/nsg_rule.h):
 * ARM's codes for a rule that is not valid, and for a network resource in a
 * location that does not exist. All 400; ERR_TABLE includes them with the
 * 400s. */
#define ERR_TABLE_NSG(X)                                                                         \
    X(ERR_SECURITY_RULE_INVALID_PRIORITY, "SecurityRuleInvalidPriority", 400)                    \
    X(ERR_SECURITY_RULE_INVALID_ADDRESS_PREFIX, "SecurityRuleInvalidAddressPrefix", 400)         \
    X(ERR_SECURITY_RULE_INVALID_PORT_RANGE, "SecurityRuleInvalidPortRange", 400)                 \
    X(ERR_SECURITY_RULE_UNSUPPORTED_VALUE, "SecurityRuleParameterContainsUnsupportedValue", 400) \
    X(ERR_SECURITY_RULE_CONFLICT, "SecurityRuleConflict", 400)                                   \
    X(ERR_LOCATION_NOT_AVAILABLE_FOR_TYPE, "LocationNotAvailableForResourceType", 400)
/* Virtual networks, subnets, private IP addresses and network interfaces
 * (api/virtual_network.c, api/network_interface.c): the 400s, then the
 * others. ARM's own codes where ARM has one. */
#define ERR_TABLE_VNET_NIC_400(X)                                                         \
    X(ERR_INVALID_CIDR_NOTATION, "InvalidCIDRNotation", 400)                              \
    X(ERR_VNET_ADDRESS_PREFIXES_OVERLAP, "VnetAddressPrefixesOverlap", 400)               \
    X(ERR_SUBNET_RANGE_OUTSIDE_VNET, "NetcfgSubnetRangeOutsideVnet", 400)                 \
    X(ERR_SUBNET_RANGES_OVERLAP, "NetcfgSubnetRangesOverlap", 400)                        \
    X(ERR_IN_USE_SUBNET_CANNOT_BE_UPDATED, "InUseSubnetCannotBeUpdated", 400)             \
    X(ERR_PRIVATE_IP_IN_USE, "PrivateIPAddressInUse", 400)                                \
    X(ERR_PRIVATE_IP_NOT_IN_SUBNET, "PrivateIPAddressNotInSubnet", 400)                   \
    X(ERR_PRIVATE_IP_RESERVED, "PrivateIPAddressIsReserved", 400)                         \
    X(ERR_SUBNET_IS_FULL, "SubnetIsFull", 400)                                            \
    X(ERR_NIC_PRIMARY_IP_CONFIGURATION, "OnePrimaryIpConfigurationRequired", 400)         \
    X(ERR_NIC_IP_CONFIGURATIONS_VNETS, "IpConfigurationsInDifferentVirtualNetworks", 400) \
    X(ERR_AN_CHANGE_ON_EXISTING_NIC, "AcceleratedNetworkingCannotBeChangedOnExistingNic", 400)
#define ERR_TABLE_VNET_NIC_404(X) X(ERR_PARENT_RESOURCE_NOT_FOUND, "ParentResourceNotFound", 404)
#define ERR_TABLE_VNET_NIC_409(X)                                             \
    X(ERR_INVALID_RESOURCE_LOCATION, "InvalidResourceLocation", 409)          \
    X(ERR_IN_USE_SUBNET_CANNOT_BE_DELETED, "InUseSubnetCannotBeDeleted", 409) \
    X(ERR_NIC_IN_USE, "NicInUse", 409)

/* Virtual machines and their operations (api/virtual_machine.c,
 * api/operation.c, service/vmwork.c): the 400s, then the others. ARM's own
 * codes where ARM has one (AllocationFailed is in the main table). The codes
 * of a failed operation (HostAgentUnavailable, VirtualFunctionAttachFailed)
 * are shown in the operation's error; their status is what the
 * operationResults URL answers with. */
#define ERR_TABLE_VM_400(X)                                                                 \
    X(ERR_AN_NIC_ATTACH_AT_CREATE_ONLY, "AcceleratedNicCanOnlyBeAttachedAtVmCreation", 400) \
    X(ERR_NIC_COUNT_EXCEEDED, "NetworkInterfaceCountExceeded", 400)                         \
    X(ERR_VM_PRIMARY_NIC, "VirtualMachineMustHaveOneNetworkInterfaceAsPrimary", 400)        \
    X(ERR_NIC_LOCATION_MISMATCH, "NicLocationMismatch", 400)
#define ERR_TABLE_VM_409(X)                                             \
    X(ERR_VM_MUST_BE_DEALLOCATED, "VmMustBeDeallocated", 409)           \
    X(ERR_PROPERTY_CHANGE_NOT_ALLOWED, "PropertyChangeNotAllowed", 409) \
    X(ERR_OPERATION_NOT_ALLOWED, "OperationNotAllowed", 409)            \
    X(ERR_VF_ATTACH_FAILED, "VirtualFunctionAttachFailed", 409)
#define ERR_TABLE_VM_429(X) \
    X(ERR_RETRYABLE_ANOTHER_OPERATION, "RetryableErrorDueToAnotherOperation", 429)
#define ERR_TABLE_VM_503(X) X(ERR_HOST_AGENT_UNAVAILABLE, "HostAgentUnavailable", 503)

/* X(enum, "ArmCode", http_status), grouped by status. Codes are API: once
 * published, a code keeps its name and status. */
#define ERR_TABLE(X)                                                            \
    X(ERR_INVALID_PARAMETER, "InvalidParameter", 400)                           \
    X(ERR_INVALID_QUERY_PARAMETER, "InvalidQueryParameterValue", 400)           \
    X(ERR_INVALID_SUBSCRIPTION_ID, "InvalidSubscriptionId", 400)                \
    X(ERR_LOCATION_NOT_AVAILABLE, "LocationNotAvailableForResourceGroup", 400)  \
    X(ERR_INVALID_REQUEST_CONTENT, "InvalidRequestContent", 400)                \
    X(ERR_INVALID_RESOURCE_NAME, "InvalidResourceName", 400)                    \
    X(ERR_INVALID_RESOURCE_REFERENCE, "InvalidResourceReference", 400)          \
    X(ERR_INVALID_RESOURCE_NAMESPACE, "InvalidResourceNamespace", 400)          \
    X(ERR_MISSING_API_VERSION, "MissingApiVersionParameter", 400)               \
    X(ERR_UNSUPPORTED_API_VERSION, "UnsupportedApiVersionValue", 400)           \
    ERR_TABLE_ELIGIBILITY(X)                                                    \
    ERR_TABLE_NSG(X)                                                            \
    ERR_TABLE_VNET_NIC_400(X)                                                   \
    ERR_TABLE_VM_400(X)                                                         \
    X(ERR_AUTHENTICATION_FAILED, "AuthenticationFailed", 401)                   \
    X(ERR_AUTHORIZATION_FAILED, "AuthorizationFailed", 403)                     \
    X(ERR_NOT_FOUND, "NotFound", 404)                                           \
    X(ERR_RESOURCE_NOT_FOUND, "ResourceNotFound", 404)                          \
    X(ERR_RESOURCE_GROUP_NOT_FOUND, "ResourceGroupNotFound", 404)               \
    X(ERR_SUBSCRIPTION_NOT_FOUND, "SubscriptionNotFound", 404)                  \
    X(ERR_FEATURE_NOT_FOUND, "FeatureNotFound", 404)                            \
    ERR_TABLE_VNET_NIC_404(X)                                                   \
    X(ERR_HOST_NOT_FOUND, "HostNotFound", 404)                                  \
    X(ERR_NIC_NOT_FOUND, "NicNotFound", 404)                                    \
    X(ERR_METHOD_NOT_ALLOWED, "MethodNotAllowed", 405)                          \
    X(ERR_CONFLICT, "Conflict", 409)                                            \
    X(ERR_INVALID_RESOURCE_GROUP_LOCATION, "InvalidResourceGroupLocation", 409) \
    X(ERR_READ_ONLY_DISABLED_SUBSCRIPTION, "ReadOnlyDisabledSubscription", 409) \
    X(ERR_RESOURCE_GROUP_NOT_EMPTY, "ResourceGroupNotEmpty", 409)               \
    X(ERR_LOCATION_IN_USE, "LocationInUse", 409)                                \
    X(ERR_FEATURE_NOT_PENDING, "FeatureRegistrationNotPending", 409)            \
    X(ERR_IN_USE_NSG, "InUseNetworkSecurityGroupCannotBeDeleted", 409)          \
    ERR_TABLE_VNET_NIC_409(X)                                                   \
    X(ERR_HOST_OWNED_BY_ANOTHER_AGENT, "HostOwnedByAnotherAgent", 409)          \
    X(ERR_HOST_IN_USE, "HostInUse", 409)                                        \
    X(ERR_HOST_HAS_VIRTUAL_MACHINES, "HostHasVirtualMachines", 409)             \
    X(ERR_HOST_IS_HEALTHY, "HostIsHealthy", 409)                                \
    X(ERR_ALLOCATION_FAILED, "AllocationFailed", 409) /* ARM's; scheduler/ */   \
    X(ERR_NO_FREE_VIRTUAL_FUNCTION, "NoFreeVirtualFunction", 409)               \
    X(ERR_STALE_POLICY_GENERATION, "StalePolicyGeneration", 409)                \
    X(ERR_HOST_IN_SERVICING, "HostInServicing", 409)                            \
    ERR_TABLE_VM_409(X)                                                         \
    X(ERR_PRECONDITION_FAILED, "PreconditionFailed", 412)                       \
    X(ERR_REQUEST_TOO_LARGE, "RequestBodyTooLarge", 413)                        \
    X(ERR_UNSUPPORTED_MEDIA_TYPE, "UnsupportedMediaType", 415)                  \
    X(ERR_TOO_MANY_REQUESTS, "TooManyRequests", 429)                            \
    ERR_TABLE_VM_429(X)                                                         \
    X(ERR_INTERNAL, "InternalServerError", 500)                                 \
    X(ERR_SERVICE_UNAVAILABLE, "ServiceUnavailable", 503)                       \
    ERR_TABLE_VM_503(X)

enum err_code {
#define ERR_ENUM(e, code, status) e,
    ERR_TABLE(ERR_ENUM)
#undef ERR_ENUM
        ERR__COUNT
};

/* One problem inside a request (a field, a parameter); goes to "details". */
struct err_detail {
    enum err_code code;
    char *target;  /* JSON path or parameter name, may be NULL; owned */
    char *message; /* owned */
};

/* An API error: what the client is told. Zero-initialised means "no error". */
struct err {
    enum err_code code;
    int set;
    char *target;  /* owned, may be NULL */
    char *message; /* owned */
    struct err_detail *details;
    size_t ndetails;
};

const char *err_code_name(enum err_code code);
unsigned err_http_status(enum err_code code);

/* Sets e (freeing what it held) to code with a printf-style message. */
void err_set(struct err *e, enum err_code code, const char *target, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void err_setv(struct err *e, enum err_code code, const char *target, const char *fmt, va_list ap);
/* Appends one detail; the top-level code/message stay as they are. */
void err_add_detail(struct err *e, enum err_code code, const char *target, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Frees what e owns and zeroes it. Safe on a zeroed struct. */
void err_clear(struct err *e);

/* {"error":{"code","message","target","details":[...]}} — a new reference. */
json_t *err_envelope(const struct err *e);

#endif
