/* req — the pure half of turning command-line arguments into API requests:
 * URIs with their parameters escaped, image references, tags, request bodies,
 * the read-merge-write of the `set`/`update`/`define` commands, and list
 * paging. No I/O (the handlers in cmd_*.c do that); unit-tested in
 * tests/unit/test_cli_req.c. */
#ifndef ACCELNET_CLI_REQ_H
#define ACCELNET_CLI_REQ_H

#include <jansson.h>
#include <stddef.h>

/* A URI from fmt, where each "%s" is replaced by the next argument
 * percent-encoded as one path segment or query value (clihttp_escape), so a
 * name can never add a segment or a query. "%%" is a '%'; no other
 * conversion is allowed. Owned. */
char *clireq_uri(const char *fmt, ...);

/* An image reference from the command line, "PUBLISHER:OFFER:SKU[:VERSION]"
 * (az's URN form). Every part is non-empty and has no white space or control
 * character; the server judges the rest. Owned strings; version is NULL when
 * not given. */
struct clireq_image {
    char *publisher, *offer, *sku, *version;
};
/* 0, or -1 with *err (owned) saying what is wrong with s. out is left zeroed
 * on failure. */
int clireq_image_parse(const char *s, struct clireq_image *out, char **err);
/* "publisher:offer:sku" (no version); owned. */
char *clireq_image_key(const struct clireq_image *im);
void clireq_image_free(struct clireq_image *im);

/* --tags k=v ...: a JSON object (new reference). "k" alone and "k=" are the
 * empty value; a single "" gives {} (removes every tag, as in az). NULL with
 * *err (owned) for an empty name or a name given twice. */
json_t *clireq_tags(const char *const *items, size_t n, char **err);

/* The check-eligibility body: {"vmSize", "imageReference": {"publisher",
 * "offer", "sku"[, "version"]}}. New reference. */
json_t *clireq_elig_body(const char *vm_size, const struct clireq_image *im);

/* The feature register body: {"properties": {"description": intended_use}},
 * or NULL (no body) when intended_use is NULL. */
json_t *clireq_feature_register_body(const char *intended_use);

/* The subscription id for `admin subscription create`: given (checked to be
 * a GUID, lower-cased), or a new random version 4 GUID when given is NULL.
 * 0, or -1 with *err (owned). */
int clireq_subscription_id(const char *given, char out[37], char **err);

/* The skus list of a subscription, with $filter=location eq '<location>'
 * when location is not NULL. Owned. */
char *clireq_skus_uri(const char *sub, const char *location);

/* --- read, merge, write -----------------------------------------------------
 *
 * The `set` (catalogue), `update` (subscription) and `define` (feature)
 * commands change only what their flags name: the handler reads the entry
 * (NULL when it does not exist yet), merges the given flags over it and PUTs
 * the result. A field's value on the command line is text; "" for an
 * optional string removes the member. A required field has to come from the
 * command line or from the current entry. */
enum clireq_type { CLIREQ_STRING, CLIREQ_BOOL, CLIREQ_INT };

struct clireq_field {
    const char *flag;   /* "display-name" (for messages) */
    const char *member; /* "displayName" */
    enum clireq_type type;
    int required; /* the body must have it */
};

/* values[i] is the text given for fields[i], or NULL. Returns the body (new
 * reference), or NULL with *err (owned): nothing given at all (when
 * current != NULL: there is nothing to change), a required field missing
 * from both, or a value that is not of its type ("true"/"false", a whole
 * number). */
json_t *clireq_merge(const struct clireq_field *fields, size_t n, const char *const *values,
                     const json_t *current, char **err);

/* --- lists ------------------------------------------------------------------ */

/* Appends the items of page's "value" array to acc's "value" array (acc is
 * {"value": [...]}). Returns page's "nextLink" (borrowed from page) when it is
 * a non-empty string, else NULL. -1 in *bad when page is not a list. */
const char *clireq_list_append(json_t *acc, const json_t *page, int *bad);

#endif
