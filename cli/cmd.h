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
#include "cli/req.h"
#include "cli/view.h"

struct cli_ctx {
    const struct cli_table *table;
    const struct cli_parsed *args;
    FILE *out, *err;

    char *config_path;   /* or NULL when there is no home directory; owned */
    struct cliconf conf; /* the config file as read */
    struct cliconf_setting url, token, ca_file;
    /* The default subscription: the command's --subscription, else
     * ACCELNET_SUBSCRIPTION, else the config file; see cli_sub(). */
    struct cliconf_setting subscription;
    /* The default resource group: the command's --resource-group, else
     * ACCELNET_RESOURCE_GROUP, else the config file; see cli_rg(). */
    struct cliconf_setting resource_group;
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
/* cli_call() with extra request headers ("Name: value", NULL-terminated;
 * may be NULL), e.g. If-Match. */
int cli_call_headers(struct cli_ctx *c, const char *method, const char *uri, const json_t *body,
                     const char *const *headers, unsigned flags, long *status, json_t **out);
/* cli_call() that also hands back the response (rp, whose headers the
 * caller may read; the caller frees it with clihttp_response_free(), whatever
 * the result). */
int cli_call_rp(struct cli_ctx *c, const char *method, const char *uri, const json_t *body,
                unsigned flags, struct clihttp_response *rp, json_t **out);
/* A PUT or DELETE whose answer may be long-running (a network change that
 * host agents must get: Updating / 202 with Azure-AsyncOperation). Such an
 * answer is waited for like the vm commands (progress on stderr, --no-wait
 * prints the operation instead: then *out is NULL), and after a PUT the
 * resource is read again, so that *out is what it became. Otherwise as
 * cli_call_headers(). */
int cli_write(struct cli_ctx *c, const char *method, const char *uri, const json_t *body,
              const char *const *headers, long *status, json_t **out);
/* GET of one resource that may not exist: 0 with *out the resource (a new
 * reference) or NULL after a 404 (nothing printed); else an exit code after
 * printing the error. For the read-merge-write commands (cli/req.h). */
int cli_get_optional(struct cli_ctx *c, const char *uri, json_t **out);
/* GET of a list, following nextLink to the end: *out is {"value": [every
 * item]} (a new reference). 0, or an exit code. */
int cli_list(struct cli_ctx *c, const char *uri, json_t **out);
/* Prints v (borrowed; NULL prints nothing) with --query and -o applied. */
int cli_emit(struct cli_ctx *c, json_t *v);
/* cli_emit(), except that -o table without --query shows view(v) (may be
 * NULL: then v as it is). */
int cli_emit_view(struct cli_ctx *c, json_t *v, cliview_fn view);
/* The common handlers' shapes: GET uri and print it (a list when list is
 * set: every page); DELETE uri, where a 204 (there was nothing to delete)
 * exits 0 with a warning that names what (so that a delete can be
 * repeated, but a typo is heard about). */
int cli_show(struct cli_ctx *c, const char *uri, cliview_fn view);
int cli_list_show(struct cli_ctx *c, const char *uri, cliview_fn view);
int cli_delete(struct cli_ctx *c, const char *uri, const char *what);

/* The subscription a subscription-scoped command works on (c->subscription):
 * 0 with *sub set (borrowed), or a usage error (exit 2) when none is set or
 * it is not a GUID. */
int cli_sub(struct cli_ctx *c, const char **sub);
/* The resource group a group-scoped command works on (c->resource_group):
 * 0 with *rg set (borrowed), or a usage error (exit 2) when none is set. */
int cli_rg(struct cli_ctx *c, const char **rg);
/* cli_sub() and cli_rg() together, for the commands on a group's resources. */
int cli_sub_rg(struct cli_ctx *c, const char **sub, const char **rg);
/* The create commands' location: --location when given, else (as in az) the
 * location of resource group rg, read from the server. 0 with *location
 * (owned), or an exit code after printing the error (404: no such group). */
int cli_location(struct cli_ctx *c, const char *sub, const char *rg, char **location);
/* --nsg NAME_OR_ID: the network security group's id (a name is one in
 * resource group rg), "" when the flag is "" (remove it), NULL when not
 * given. Owned. */
char *cli_nsg_arg(struct cli_ctx *c, const char *sub, const char *rg);
/* --tags: 0 with *tags a new object, or NULL when the flag was not given; a
 * usage error (exit 2) for a bad tag. */
int cli_tags(struct cli_ctx *c, json_t **tags);
/* The read-modify-write of the `update` commands: GET uri (a 404 is an
 * error, exit 3), apply(resource, arg, &err) changes the resource as read in
 * place (0, or -1 with *err owned: a usage error), then PUT it back with
 * If-Match: the etag read, so that a change made in between gives 412
 * (exit 4) instead of being lost. The result is printed with view. */
typedef int (*cli_apply_fn)(json_t *resource, void *arg, char **err);
int cli_update(struct cli_ctx *c, const char *uri, cli_apply_fn apply, void *arg, cliview_fn view);
/* A usage error unless at least one of the flags names[] (NULL-terminated)
 * was given: "nothing to change". 0 when one was. */
int cli_need_one_of(struct cli_ctx *c, const char *const *names);
/* 1 when the command has a flag called name. */
int cli_command_has_flag(const struct cli_command *cmd, const char *name);

/* cmd_account.c */
int cli_login(struct cli_ctx *c);
int cli_logout(struct cli_ctx *c);
int cli_account_show(struct cli_ctx *c);
int cli_account_set(struct cli_ctx *c);
/* cmd_token.c */
int cli_token_subscription_create(struct cli_ctx *c);
int cli_token_subscription_list(struct cli_ctx *c);
int cli_token_subscription_revoke(struct cli_ctx *c);
/* cmd_subscription.c */
int cli_subscription_create(struct cli_ctx *c);
int cli_subscription_update(struct cli_ctx *c);
int cli_subscription_show(struct cli_ctx *c);
int cli_subscription_list(struct cli_ctx *c);
int cli_subscription_disable(struct cli_ctx *c);
int cli_subscription_enable(struct cli_ctx *c);
/* cmd_feature.c */
int cli_feature_register(struct cli_ctx *c);
int cli_feature_unregister(struct cli_ctx *c);
int cli_feature_show(struct cli_ctx *c);
int cli_feature_list(struct cli_ctx *c);
int cli_feature_def_list(struct cli_ctx *c);
int cli_feature_def_show(struct cli_ctx *c);
int cli_feature_def_define(struct cli_ctx *c);
int cli_feature_reg_list_pending(struct cli_ctx *c);
int cli_feature_reg_list(struct cli_ctx *c);
int cli_feature_reg_show(struct cli_ctx *c);
int cli_feature_reg_approve(struct cli_ctx *c);
int cli_feature_reg_reject(struct cli_ctx *c);
/* cmd_eligibility.c */
int cli_elig_check(struct cli_ctx *c);
/* cmd_resource_group.c */
int cli_rg_create(struct cli_ctx *c);
int cli_rg_show(struct cli_ctx *c);
int cli_rg_list(struct cli_ctx *c);
int cli_rg_delete(struct cli_ctx *c);
/* cmd_virtual_network.c */
int cli_vnet_create(struct cli_ctx *c);
int cli_vnet_show(struct cli_ctx *c);
int cli_vnet_list(struct cli_ctx *c);
int cli_vnet_update(struct cli_ctx *c);
int cli_vnet_delete(struct cli_ctx *c);
int cli_subnet_create(struct cli_ctx *c);
int cli_subnet_show(struct cli_ctx *c);
int cli_subnet_list(struct cli_ctx *c);
int cli_subnet_update(struct cli_ctx *c);
int cli_subnet_delete(struct cli_ctx *c);
/* cmd_nsg.c */
int cli_nsg_create(struct cli_ctx *c);
int cli_nsg_show(struct cli_ctx *c);
int cli_nsg_list(struct cli_ctx *c);
int cli_nsg_update(struct cli_ctx *c);
int cli_nsg_delete(struct cli_ctx *c);
/* cmd_security_rule.c */
int cli_secrule_create(struct cli_ctx *c);
int cli_secrule_show(struct cli_ctx *c);
int cli_secrule_list(struct cli_ctx *c);
int cli_secrule_update(struct cli_ctx *c);
int cli_secrule_delete(struct cli_ctx *c);
/* cmd_network_interface.c */
int cli_nic_create(struct cli_ctx *c);
int cli_nic_show(struct cli_ctx *c);
int cli_nic_show_effective_nsg(struct cli_ctx *c);
int cli_nic_list(struct cli_ctx *c);
int cli_nic_update(struct cli_ctx *c);
int cli_nic_delete(struct cli_ctx *c);
/* cmd_vm.c */
int cli_vm_create(struct cli_ctx *c);
int cli_vm_show(struct cli_ctx *c);
int cli_vm_list(struct cli_ctx *c);
int cli_vm_delete(struct cli_ctx *c);
int cli_vm_deallocate(struct cli_ctx *c);
int cli_vm_start(struct cli_ctx *c);
/* cmd_catalog.c */
int cli_catalog_location_set(struct cli_ctx *c);
int cli_catalog_location_show(struct cli_ctx *c);
int cli_catalog_location_list(struct cli_ctx *c);
int cli_catalog_location_delete(struct cli_ctx *c);
int cli_catalog_vm_size_set(struct cli_ctx *c);
int cli_catalog_vm_size_show(struct cli_ctx *c);
int cli_catalog_vm_size_list(struct cli_ctx *c);
int cli_catalog_vm_size_delete(struct cli_ctx *c);
int cli_catalog_os_image_set(struct cli_ctx *c);
int cli_catalog_os_image_show(struct cli_ctx *c);
int cli_catalog_os_image_list(struct cli_ctx *c);
int cli_catalog_os_image_delete(struct cli_ctx *c);
int cli_catalog_sub_locations(struct cli_ctx *c);
int cli_catalog_skus_list(struct cli_ctx *c);
int cli_catalog_vm_sizes_list(struct cli_ctx *c);
/* cmd_token.c */
int cli_token_create(struct cli_ctx *c);
int cli_token_list(struct cli_ctx *c);
int cli_token_show(struct cli_ctx *c);
int cli_token_revoke(struct cli_ctx *c);
/* cmd_host.c */
int cli_host_list(struct cli_ctx *c);
int cli_host_show(struct cli_ctx *c);
int cli_host_drain(struct cli_ctx *c);
int cli_host_enable(struct cli_ctx *c);
int cli_host_service(struct cli_ctx *c);
int cli_vm_nic_add(struct cli_ctx *c);
int cli_host_complete_service(struct cli_ctx *c);
int cli_host_show_service(struct cli_ctx *c);
int cli_host_evacuate(struct cli_ctx *c);
int cli_host_delete(struct cli_ctx *c);
/* Waits for the long-running operation at op_url (absolute or a path) with
 * progress on stderr, or with --no-wait prints it (*printed set). 0 when it
 * Succeeded, else an exit code after printing why (cli/cmd_vm.c). */
int cli_wait_op(struct cli_ctx *c, const char *op_url, const char *what, int *printed);
int cli_host_disable(struct cli_ctx *c);
/* cmd_health.c */
int cli_health(struct cli_ctx *c);
/* cmd_rest.c */
int cli_rest(struct cli_ctx *c);

#endif
