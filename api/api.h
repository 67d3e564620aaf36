/* api — the handlers, one file per resource type, named after what they
 * serve. The route table (service/routes.c) is the only caller. */
#ifndef ACCELNET_API_API_H
#define ACCELNET_API_API_H

#include "service/req.h"

/* api/health.c */
void api_health_live(struct req *rq, struct reply *rp);
void api_health_ready(struct req *rq, struct reply *rp);
void api_metrics_get(struct req *rq, struct reply *rp);

/* api/token.c — admin and agent tokens */
void api_token_create(struct req *rq, struct reply *rp);
void api_token_list(struct req *rq, struct reply *rp);
void api_token_get(struct req *rq, struct reply *rp);
void api_token_delete(struct req *rq, struct reply *rp);
void api_token_subscription_create(struct req *rq, struct reply *rp);
void api_token_subscription_list(struct req *rq, struct reply *rp);
void api_token_subscription_delete(struct req *rq, struct reply *rp);

/* api/subscription.c */
void api_subscription_put(struct req *rq, struct reply *rp);
void api_subscription_admin_get(struct req *rq, struct reply *rp);
void api_subscription_list(struct req *rq, struct reply *rp);
void api_subscription_disable(struct req *rq, struct reply *rp);
void api_subscription_enable(struct req *rq, struct reply *rp);
void api_subscription_get(struct req *rq, struct reply *rp);
void api_subscription_list_visible(struct req *rq, struct reply *rp);

/* api/resource_group.c */
void api_rg_put(struct req *rq, struct reply *rp);
void api_rg_get(struct req *rq, struct reply *rp);
void api_rg_head(struct req *rq, struct reply *rp);
void api_rg_delete(struct req *rq, struct reply *rp);
void api_rg_list(struct req *rq, struct reply *rp);

/* api/catalog.c — the catalogue (admin CRUD) and a subscription's view of it */
void api_catalog_location_put(struct req *rq, struct reply *rp);
void api_catalog_location_get(struct req *rq, struct reply *rp);
void api_catalog_location_delete(struct req *rq, struct reply *rp);
void api_catalog_location_list(struct req *rq, struct reply *rp);
void api_catalog_vm_size_put(struct req *rq, struct reply *rp);
void api_catalog_vm_size_get(struct req *rq, struct reply *rp);
void api_catalog_vm_size_delete(struct req *rq, struct reply *rp);
void api_catalog_vm_size_list(struct req *rq, struct reply *rp);
void api_catalog_os_image_put(struct req *rq, struct reply *rp);
void api_catalog_os_image_get(struct req *rq, struct reply *rp);
void api_catalog_os_image_delete(struct req *rq, struct reply *rp);
void api_catalog_os_image_list(struct req *rq, struct reply *rp);
void api_catalog_sub_locations(struct req *rq, struct reply *rp);
void api_catalog_skus_list(struct req *rq, struct reply *rp);

/* api/eligibility.c — checkAcceleratedNetworkingEligibility */
void api_elig_check(struct req *rq, struct reply *rp);
/* api/feature.c — preview features (Microsoft.Features) and operator decisions */
void api_feature_register(struct req *rq, struct reply *rp);
void api_feature_unregister(struct req *rq, struct reply *rp);
void api_feature_get(struct req *rq, struct reply *rp);
void api_feature_list(struct req *rq, struct reply *rp);
void api_feature_list_all(struct req *rq, struct reply *rp);
void api_feature_def_put(struct req *rq, struct reply *rp);
void api_feature_def_get(struct req *rq, struct reply *rp);
void api_feature_def_list(struct req *rq, struct reply *rp);
void api_feature_reg_list(struct req *rq, struct reply *rp);
void api_feature_reg_get(struct req *rq, struct reply *rp);
void api_feature_reg_approve(struct req *rq, struct reply *rp);
void api_feature_reg_reject(struct req *rq, struct reply *rp);

/* api/nsg.c — network security groups */
void api_nsg_put(struct req *rq, struct reply *rp);
void api_nsg_get(struct req *rq, struct reply *rp);
void api_nsg_patch(struct req *rq, struct reply *rp);
void api_nsg_delete(struct req *rq, struct reply *rp);
void api_nsg_list(struct req *rq, struct reply *rp);
void api_nsg_list_all(struct req *rq, struct reply *rp);

/* api/security_rule.c — security rules and Azure's default rules */
void api_secrule_put(struct req *rq, struct reply *rp);
void api_secrule_get(struct req *rq, struct reply *rp);
void api_secrule_delete(struct req *rq, struct reply *rp);
void api_secrule_list(struct req *rq, struct reply *rp);
void api_nsg_default_rule_list(struct req *rq, struct reply *rp);
void api_nsg_default_rule_get(struct req *rq, struct reply *rp);

/* api/virtual_network.c — virtual networks and subnets (Microsoft.Network) */
void api_vnet_put(struct req *rq, struct reply *rp);
void api_vnet_get(struct req *rq, struct reply *rp);
void api_vnet_delete(struct req *rq, struct reply *rp);
void api_vnet_patch(struct req *rq, struct reply *rp);
void api_vnet_list(struct req *rq, struct reply *rp);
void api_vnet_list_all(struct req *rq, struct reply *rp);
void api_subnet_put(struct req *rq, struct reply *rp);
void api_subnet_get(struct req *rq, struct reply *rp);
void api_subnet_delete(struct req *rq, struct reply *rp);
void api_subnet_list(struct req *rq, struct reply *rp);

/* api/network_interface.c — network interfaces (Microsoft.Network) */
void api_nic_put(struct req *rq, struct reply *rp);
void api_nic_get(struct req *rq, struct reply *rp);
void api_nic_delete(struct req *rq, struct reply *rp);
void api_nic_patch(struct req *rq, struct reply *rp);
void api_nic_list(struct req *rq, struct reply *rp);
void api_nic_list_all(struct req *rq, struct reply *rp);
/* POST .../effectiveNetworkSecurityGroups (api/effective_nsg.c). */
void api_nic_effective_nsgs(struct req *rq, struct reply *rp);

/* api/host.c — hosts: registration and heartbeats (agents), view and state (admins) */
void api_host_put(struct req *rq, struct reply *rp);
void api_host_heartbeat(struct req *rq, struct reply *rp);
void api_host_get(struct req *rq, struct reply *rp);
void api_host_list(struct req *rq, struct reply *rp);
void api_host_disable(struct req *rq, struct reply *rp);
void api_host_drain(struct req *rq, struct reply *rp);
void api_host_enable(struct req *rq, struct reply *rp);
/* Host servicing: GET/POST /admin/hosts/{hostName}/service[/complete]. */
void api_host_service_get(struct req *rq, struct reply *rp);
void api_host_service_start(struct req *rq, struct reply *rp);
void api_host_service_complete(struct req *rq, struct reply *rp);
/* POST /admin/hosts/{hostName}/evacuate. */
void api_host_evacuate(struct req *rq, struct reply *rp);
/* DELETE /admin/hosts/{hostName}: a host declared dead (or decommissioned). */
void api_host_delete(struct req *rq, struct reply *rp);
struct buf;
void api_host_metrics_render(struct buf *out);

/* api/virtual_machine.c — virtual machines (Microsoft.Compute) */
void api_vm_put(struct req *rq, struct reply *rp);
void api_vm_get(struct req *rq, struct reply *rp);
void api_vm_patch(struct req *rq, struct reply *rp);
void api_vm_delete(struct req *rq, struct reply *rp);
void api_vm_deallocate(struct req *rq, struct reply *rp);
void api_vm_start(struct req *rq, struct reply *rp);
void api_vm_list(struct req *rq, struct reply *rp);
void api_vm_list_all(struct req *rq, struct reply *rp);

/* api/operation.c — the status of long-running operations */
void api_op_get(struct req *rq, struct reply *rp);
void api_op_result(struct req *rq, struct reply *rp);

#endif
