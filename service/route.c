#include "service/route.h"

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
            if (!end)
                break; /* one trailing slash, or "/" alone */
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

static int route_hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes one raw segment into a new string. A '%' not followed by
 * two hex digits stays as it is; %00 makes the segment invalid (NULL). */
static char *route_decode(const struct route_seg *seg)
{
    char *out = util_xmalloc(seg->len + 1);
    size_t o = 0;
    for (size_t i = 0; i < seg->len; i++) {
        int hi, lo;
        if (seg->p[i] == '%' && i + 2 < seg->len && (hi = route_hex(seg->p[i + 1])) >= 0 &&
            (lo = route_hex(seg->p[i + 2])) >= 0) {
            if (hi == 0 && lo == 0) {
                free(out);
                return NULL;
            }
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[o++] = seg->p[i];
        }
    }
    out[o] = '\0';
    return out;
}

static int route_is_param(const struct route_seg *s)
{
    return s->len >= 2 && s->p[0] == '{' && s->p[s->len - 1] == '}';
}

/* Matches decoded path segments against one pattern; fills m's params on
 * success (m may be NULL to test only). */
static int route_try(const char *pattern, char *const *path, size_t npath, struct route_match *m)
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
        } else if (strlen(path[i]) != pat[i].len ||
                   strncasecmp(pat[i].p, path[i], pat[i].len) != 0) {
            return 0;
        }
    }
    if (m) {
        m->nparams = 0;
        for (size_t i = 0; i < npat && m->nparams < ROUTE_MAX_PARAMS; i++)
            if (route_is_param(&pat[i]))
                m->values[m->nparams++] = util_xstrdup(path[i]);
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
    char *decoded[ROUTE_MAX_SEGMENTS];
    size_t nsegs = 0, ndecoded = 0;
    size_t allow_len = 0;
    int path_known = 0;
    enum route_result result = ROUTE_NO_PATH;

    memset(m, 0, sizeof(*m));
    if (route_split(path, segs, &nsegs) != 0)
        return ROUTE_NO_PATH;
    /* Segments are split first and decoded after, so that an encoded '/'
     * (%2F) stays inside its segment: "a%2Fb" is one name, which the handler
     * then refuses as a name, rather than two segments and an unknown path. */
    for (; ndecoded < nsegs; ndecoded++)
        if (!(decoded[ndecoded] = route_decode(&segs[ndecoded])))
            goto out;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(table[i].method, method) == 0) {
            if (route_try(table[i].pattern, decoded, nsegs, m)) {
                m->route = &table[i];
                m->index = i;
                result = ROUTE_FOUND;
                goto out;
            }
        } else if (route_try(table[i].pattern, decoded, nsegs, NULL)) {
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
    result = path_known ? ROUTE_NO_METHOD : ROUTE_NO_PATH;
out:
    for (size_t i = 0; i < ndecoded; i++)
        free(decoded[i]);
    return result;
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
