/* output — printing results (-o json|table|tsv|none) and API errors.
 *
 * Rows for table and tsv: a list ({"value": [...]} or a JSON array) gives one
 * row per item; an object gives one row; a scalar one cell. Columns are the
 * items' scalar members (string, number, boolean, null) in order of first
 * appearance, then the scalar members of their "properties" object (ARM keeps
 * provisioningState and friends there) unless a top-level member has the same
 * name. Nested objects and arrays are left out. Items that are not objects go
 * in one column called "Result". table prints a header (member names with the
 * first letter capitalised, as az does) and a rule; tsv prints no header and
 * uses the same column order, with empty fields for missing members. */
#ifndef ACCELNET_CLI_OUTPUT_H
#define ACCELNET_CLI_OUTPUT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

enum cliout_format { CLIOUT_JSON, CLIOUT_TABLE, CLIOUT_TSV, CLIOUT_NONE };

/* "json" | "table" | "tsv" | "none" → 0; else -1. */
int cliout_parse_format(const char *s, enum cliout_format *out);

/* Prints v (NULL prints nothing). max_width > 0 narrows table columns (with
 * "...") so that lines fit; 0 never truncates. */
void cliout_print(FILE *f, const json_t *v, enum cliout_format fmt, size_t max_width);
/* Indented JSON (two spaces, members in the server's order) and a newline. */
void cliout_json(FILE *f, const json_t *v);
void cliout_table(FILE *f, const json_t *v, size_t max_width);
void cliout_tsv(FILE *f, const json_t *v);

/* A cell's text: strings as they are (control characters as spaces), numbers,
 * true/false, "" for null, compact JSON for arrays and objects. Owned. */
char *cliout_cell(const json_t *v);

/* Prints an API error response on f, as
 *     ERROR: (Code) Message
 *       target: (DetailCode) detail message        (one line per details[] entry)
 *     Request id: <x-ms-request-id>
 * from the ARM error envelope in body; when the body is not one, the code is
 * code_header (x-ms-error-code) or "HTTP <status>" and the message is the
 * body's first line. request_id may be NULL. */
void cliout_error(FILE *f, long status, const char *body, size_t len, const char *code_header,
                  const char *request_id);

#endif
