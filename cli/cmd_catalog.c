/* The catalogue (api/catalog.c):
 *   admin catalog location|size|image set|show|list|delete
 *                                  /admin/catalog/{locations,vmSizes,osImages}
 *   vm list-skus, vm list-sizes    /subscriptions/{id}/providers/Microsoft.Compute/skus
 * (account list-locations is in cmd_account.c).
 *
 * `set` changes only what its flags name: it reads the entry, merges the flags
 * over it and PUTs the whole entry (cli/req.h, clireq_merge); an entry that
 * does not exist yet needs every required flag. */
#include "cli/cmd.h"

#include <stdlib.h>

#include "common/util.h"

/* Reads uri (the entry may not exist), merges values over it, PUTs it. */
static int catalog_set(struct cli_ctx *c, const char *uri, const struct clireq_field *fields,
                       size_t n, const char *const *values)
{
    json_t *cur = NULL, *body = NULL, *out = NULL;
    char *err = NULL;
    int rc = cli_get_optional(c, uri, &cur);
    if (rc != 0)
        goto out;
    body = clireq_merge(fields, n, values, cur, &err);
    if (!body) {
        rc = cli_usage_error(c, "%s", err);
        goto out;
    }
    rc = cli_call(c, "PUT", uri, body, 0, NULL, &out);
    if (rc == 0)
        cli_emit(c, out);
out:
    free(err);
    json_decref(cur);
    json_decref(body);
    json_decref(out);
    return rc;
}

/* --- locations ---------------------------------------------------------------- */

static char *location_uri(const struct cli_ctx *c)
{
    return clireq_uri("/admin/catalog/locations/%s", cli_arg(c->args, "name"));
}

int cli_catalog_location_set(struct cli_ctx *c)
{
    static const struct clireq_field fields[] = {
        {"display-name", "displayName", CLIREQ_STRING, 1},
        {"accelerated-networking", "acceleratedNetworking", CLIREQ_BOOL, 1},
    };
    const char *values[] = {cli_arg(c->args, "display-name"),
                            cli_arg(c->args, "accelerated-networking")};
    char *uri = location_uri(c);
    int rc = catalog_set(c, uri, fields, 2, values);
    free(uri);
    return rc;
}

int cli_catalog_location_show(struct cli_ctx *c)
{
    char *uri = location_uri(c);
    int rc = cli_show(c, uri, NULL);
    free(uri);
    return rc;
}

int cli_catalog_location_list(struct cli_ctx *c)
{
    return cli_list_show(c, "/admin/catalog/locations", NULL);
}

int cli_catalog_location_delete(struct cli_ctx *c)
{
    char *uri = location_uri(c);
    char *what = util_asprintf("location '%s' in the catalogue", cli_arg(c->args, "name"));
    int rc = cli_delete(c, uri, what);
    free(what);
    free(uri);
    return rc;
}

/* --- VM sizes ------------------------------------------------------------------ */

static char *size_uri(const struct cli_ctx *c)
{
    return clireq_uri("/admin/catalog/vmSizes/%s", cli_arg(c->args, "name"));
}

int cli_catalog_vm_size_set(struct cli_ctx *c)
{
    static const struct clireq_field fields[] = {
        {"vcpus", "vCPUs", CLIREQ_INT, 1},
        {"memory-mb", "memoryMB", CLIREQ_INT, 1},
        {"max-nics", "maxNetworkInterfaces", CLIREQ_INT, 1},
        {"accelerated-networking", "acceleratedNetworking", CLIREQ_BOOL, 1},
    };
    const struct cli_parsed *p = c->args;
    const char *values[] = {cli_arg(p, "vcpus"), cli_arg(p, "memory-mb"), cli_arg(p, "max-nics"),
                            cli_arg(p, "accelerated-networking")};
    char *uri = size_uri(c);
    int rc = catalog_set(c, uri, fields, 4, values);
    free(uri);
    return rc;
}

int cli_catalog_vm_size_show(struct cli_ctx *c)
{
    char *uri = size_uri(c);
    int rc = cli_show(c, uri, NULL);
    free(uri);
    return rc;
}

int cli_catalog_vm_size_list(struct cli_ctx *c)
{
    return cli_list_show(c, "/admin/catalog/vmSizes", NULL);
}

int cli_catalog_vm_size_delete(struct cli_ctx *c)
{
    char *uri = size_uri(c);
    char *what = util_asprintf("VM size '%s' in the catalogue", cli_arg(c->args, "name"));
    int rc = cli_delete(c, uri, what);
    free(what);
    free(uri);
    return rc;
}

/* --- OS images ----------------------------------------------------------------- */

/* The entry's URI for --image PUBLISHER:OFFER:SKU (no version: the catalogue
 * judges an image by its sku); NULL after a usage error (*rc set). */
static char *image_uri(struct cli_ctx *c, int *rc, char **key_out)
{
    struct clireq_image im;
    char *err = NULL;
    *rc = 0;
    if (clireq_image_parse(cli_arg(c->args, "image"), &im, &err) != 0) {
        *rc = cli_usage_error(c, "argument --image: %s", err);
        free(err);
        return NULL;
    }
    if (im.version) {
        *rc = cli_usage_error(c,
                              "argument --image: '%s' has a version; catalogue images are "
                              "PUBLISHER:OFFER:SKU (eligibility does not depend on the version)",
                              cli_arg(c->args, "image"));
        clireq_image_free(&im);
        return NULL;
    }
    char *key = clireq_image_key(&im);
    char *uri = clireq_uri("/admin/catalog/osImages/%s", key);
    clireq_image_free(&im);
    if (key_out)
        *key_out = key;
    else
        free(key);
    return uri;
}

int cli_catalog_os_image_set(struct cli_ctx *c)
{
    static const struct clireq_field fields[] = {
        {"display-name", "displayName", CLIREQ_STRING, 1},
        {"os-type", "osType", CLIREQ_STRING, 1},
        {"accelerated-networking", "acceleratedNetworking", CLIREQ_BOOL, 1},
        {"vf-driver-name", "vfDriverName", CLIREQ_STRING, 0},
    };
    const struct cli_parsed *p = c->args;
    const char *values[] = {cli_arg(p, "display-name"), cli_arg(p, "os-type"),
                            cli_arg(p, "accelerated-networking"), cli_arg(p, "vf-driver-name")};
    int rc;
    char *uri = image_uri(c, &rc, NULL);
    if (!uri)
        return rc;
    rc = catalog_set(c, uri, fields, 4, values);
    free(uri);
    return rc;
}

int cli_catalog_os_image_show(struct cli_ctx *c)
{
    int rc;
    char *uri = image_uri(c, &rc, NULL);
    if (!uri)
        return rc;
    rc = cli_show(c, uri, NULL);
    free(uri);
    return rc;
}

int cli_catalog_os_image_list(struct cli_ctx *c)
{
    return cli_list_show(c, "/admin/catalog/osImages", NULL);
}

int cli_catalog_os_image_delete(struct cli_ctx *c)
{
    int rc;
    char *key = NULL;
    char *uri = image_uri(c, &rc, &key);
    if (!uri)
        return rc;
    char *what = util_asprintf("OS image '%s' in the catalogue", key);
    rc = cli_delete(c, uri, what);
    free(what);
    free(key);
    free(uri);
    return rc;
}

/* --- a subscription's view: SKUs and sizes --------------------------------------- */

int cli_catalog_skus_list(struct cli_ctx *c)
{
    const char *sub;
    int rc = cli_sub(c, &sub);
    if (rc != 0)
        return rc;
    char *uri = clireq_skus_uri(sub, cli_arg(c->args, "location"));
    rc = cli_list_show(c, uri, cliview_skus);
    free(uri);
    return rc;
}

int cli_catalog_vm_sizes_list(struct cli_ctx *c)
{
    json_t *skus = NULL;
    const char *sub;
    int rc = cli_sub(c, &sub);
    if (rc != 0)
        return rc;
    char *uri = clireq_skus_uri(sub, cli_arg(c->args, "location"));
    rc = cli_list(c, uri, &skus);
    if (rc == 0) {
        json_t *sizes = cliview_vm_sizes(skus);
        cli_emit(c, sizes);
        json_decref(sizes);
    }
    json_decref(skus);
    free(uri);
    return rc;
}
