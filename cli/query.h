/* query — `--query`: a small dotted path into a JSON result, evaluated on the
 * client like az's JMESPath, but only its path subset:
 *
 *     value                        a member
 *     properties.provisioningState members of members
 *     value[0].id, value[-1]       array elements (negative counts from the end)
 *     value[].id, value[*].id      every element: the rest of the path applied to
 *                                  each, the non-null results collected in an array
 *     "odd.name"                   a quoted member name (JSON string syntax)
 *
 * A path that leads nowhere (missing member, index out of range, member of a
 * non-object) evaluates to NULL; the caller prints nothing. */
#ifndef ACCELNET_CLI_QUERY_H
#define ACCELNET_CLI_QUERY_H

#include <jansson.h>

struct cliquery;

/* Compiles expr. NULL with *err (owned) saying where it is wrong. */
struct cliquery *cliquery_compile(const char *expr, char **err);
/* The part of v that q names: a new reference, or NULL when there is none. */
json_t *cliquery_eval(const struct cliquery *q, json_t *v);
void cliquery_free(struct cliquery *q);

#endif
