/* The pure parts of the catalogue API: see api/catalog.h. */
#include "api/catalog.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"

static int catalog_is_alnum(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

/* NULL when name is 1-64 characters that are alphanumeric or in extra. */
static const char *catalog_name_check(const char *name, const char *extra, const char *rule)
{
    size_t len = strlen(name);
    if (len == 0 || len > DB_CATALOG_NAME_MAX)
        return rule;
    for (const char *p = name; *p; p++)
        if (!catalog_is_alnum(*p) && !strchr(extra, *p))
            return rule;
    return NULL;
}

const char *catalog_location_name_problem(const char *name)
{
    return catalog_name_check(name, "",
                              "must be 1 to 64 letters and digits, for example 'westeurope'");
}

const char *catalog_vm_size_name_problem(const char *name)
{
    return catalog_name_check(name, "_",
                              "must be 1 to 64 letters, digits and '_', for example "
                              "'Standard_D15_v2'");
}

const char *catalog_image_part_problem(const char *part)
{
    return catalog_name_check(part, "._-", "must be 1 to 64 letters, digits, '.', '_' and '-'");
}

int catalog_image_key_split(const char *key, struct catalog_image_key *out, char **why)
{
    static const char *const names[3] = {"publisher", "offer", "sku"};
    char *dest[3] = {out->publisher, out->offer, out->sku};
    const char *p = key;
    memset(out, 0, sizeof(*out));
    *why = NULL;
    for (int i = 0; i < 3; i++) {
        const char *end = i < 2 ? strchr(p, ':') : p + strlen(p);
        if (!end || (i == 2 && strchr(p, ':'))) {
            *why = util_xstrdup("it must have the form publisher:offer:sku (three parts "
                                "separated by ':')");
            return -1;
        }
        size_t len = (size_t)(end - p);
        char part[DB_CATALOG_NAME_MAX + 2];
        if (len > DB_CATALOG_NAME_MAX)
            len = DB_CATALOG_NAME_MAX + 1; /* too long: the check below says so */
        memcpy(part, p, len);
        part[len] = '\0';
        const char *bad = catalog_image_part_problem(part);
        if (bad) {
            *why = util_asprintf("its %s '%.*s' %s", names[i], (int)(end - p), p, bad);
            return -1;
        }
        memcpy(dest[i], part, len + 1);
        p = end + (i < 2);
    }
    return 0;
}

/* Skips spaces; returns the new position. */
static const char *catalog_skip_spaces(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* Matches the keyword kw (case-insensitively) followed by a space or end. */
static const char *catalog_keyword(const char *p, const char *kw)
{
    size_t n = strlen(kw);
    if (strncasecmp(p, kw, n) != 0)
        return NULL;
    if (p[n] != ' ' && p[n] != '\t')
        return NULL;
    return p + n;
}

int catalog_filter_location(const char *filter, char *out, size_t outlen, const char **why)
{
    static const char form[] = "only location eq '<location>' is supported, for example "
                               "$filter=location eq 'westeurope'";
    const char *p = catalog_skip_spaces(filter);
    *why = form;
    if (!(p = catalog_keyword(p, "location")))
        return -1;
    p = catalog_skip_spaces(p);
    if (!(p = catalog_keyword(p, "eq")))
        return -1;
    p = catalog_skip_spaces(p);
    if (*p != '\'')
        return -1;
    const char *start = ++p;
    while (*p && *p != '\'') {
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            *why = "the location must not contain control characters";
            return -1;
        }
        p++;
    }
    if (*p != '\'')
        return -1;
    size_t len = (size_t)(p - start);
    if (len == 0 || len > DB_CATALOG_NAME_MAX || len >= outlen) {
        *why = "the location must be 1 to 64 characters long";
        return -1;
    }
    if (*catalog_skip_spaces(p + 1) != '\0')
        return -1; /* more after the value: another clause, or a quote inside it */
    memcpy(out, start, len);
    out[len] = '\0';
    *why = NULL;
    return 0;
}
