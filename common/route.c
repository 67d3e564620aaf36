#include "common/route.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"

struct route_seg {
    const char *p;
    size_t len;
};

/* Splits a path into segments (no copies). -1 when there are too many or an
 * empty segment sits in the middle ("//"). */
static int route_split(const char *path, struct route_seg *segs, size_t *n)
{
    size_t count = 0;
    const char *s = path;
    if (*s != '/')
        return -1;
    while (*s) {
        s++; /* skip '/' */
        const char *end = strchr(s, '/');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        if (len == 0) {
            if (!end && count > 0)
                break; /* one trailing slash */
            if (!end && count == 0)
                break; /* "/" alone */
            return -1;
        }
        if (count == ROUTE_MAX_SEGMENTS)
            return -1;
        segs[count++] = (struct route_seg){s, len};
        s += len;
    }
    *n = count;
    return 0;
}

static int route_is_param(const struct route_seg *s)
{
    return s->len >= 2 && s->p[0] == '{' && s->p[s->len - 1] == '}';
}

/* Matches path segments against one pattern; fills m's params on success. */
static int route_try(const char *pattern, const struct route_seg *path, size_t npath,
                     struct route_match *m)
{
    struct route_seg pat[ROUTE_MAX_SEGMENTS];
    size_t npat, np = 0;
    if (route_split(pattern, pat, &npat) != 0 || npat != npath)
        return 0;
    for (size_t i = 0; i < npat; i++) {
        if (route_is_param(&pat[i])) {
            if (m && np < ROUTE_MAX_PARAMS) {
                m->names[np] = pat[i].p + 1;
                m->name_lens[np] = pat[i].len - 2;
            }
            np++;
        } else if (pat[i].len != path[i].len || strncasecmp(pat[i].p, path[i].p, pat[i].len)) {
            return 0;
        }
    }
    if (m) {
        m->nparams = 0;
        for (size_t i = 0; i < npat && m->nparams < ROUTE_MAX_PARAMS; i++)
            if (route_is_param(&pat[i]))
                m->values[m->nparams++] = util_xstrndup(path[i].p, path[i].len);
    }
    return 1;
}

/* Whether the ", "-separated list already names method. */
static int route_allow_has(const char *allow, const char *method)
{
    size_t len = strlen(method);
    for (const char *p = allow; *p;) {
        size_t n = strcspn(p, ",");
        if (n == len && strncmp(p, method, len) == 0)
            return 1;
        p += n;
        while (*p == ',' || *p == ' ')
            p++;
    }
    return 0;
}

enum route_result route_find(const struct route *table, size_t n, const char *method,
                             const char *path, struct route_match *m)
{
    struct route_seg segs[ROUTE_MAX_SEGMENTS];
    size_t nsegs;
    size_t allow_len = 0;
    int path_known = 0;

    memset(m, 0, sizeof(*m));
    if (route_split(path, segs, &nsegs) != 0)
        return ROUTE_NO_PATH;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(table[i].method, method) == 0) {
            if (route_try(table[i].pattern, segs, nsegs, m)) {
                m->route = &table[i];
                m->index = i;
                return ROUTE_FOUND;
            }
        } else if (route_try(table[i].pattern, segs, nsegs, NULL)) {
            /* Same path, another method: remember it for Allow (once each). */
            size_t mlen = strlen(table[i].method);
            if (!route_allow_has(m->allow, table[i].method) &&
                allow_len + mlen + 3 < sizeof(m->allow)) {
                if (allow_len) {
                    memcpy(m->allow + allow_len, ", ", 2);
                    allow_len += 2;
                }
                memcpy(m->allow + allow_len, table[i].method, mlen + 1);
                allow_len += mlen;
            }
            path_known = 1;
        }
    }
    return path_known ? ROUTE_NO_METHOD : ROUTE_NO_PATH;
}

void route_match_free(struct route_match *m)
{
    for (size_t i = 0; i < m->nparams; i++)
        free(m->values[i]);
    m->nparams = 0;
}

const char *route_param(const struct route_match *m, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < m->nparams; i++)
        if (m->name_lens[i] == len && strncmp(m->names[i], name, len) == 0)
            return m->values[i];
    return NULL;
}
