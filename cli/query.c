#include "cli/query.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

enum step_kind { STEP_MEMBER, STEP_INDEX, STEP_EACH };

struct step {
    enum step_kind kind;
    char *name; /* STEP_MEMBER, owned */
    long index; /* STEP_INDEX */
};

struct cliquery {
    struct step *steps;
    size_t n;
};

static void add_step(struct cliquery *q, struct step s)
{
    q->steps = util_xrealloc(q->steps, (q->n + 1) * sizeof(*q->steps));
    q->steps[q->n++] = s;
}

static int name_char(char ch)
{
    return ch && ch != '.' && ch != '[' && ch != ']' && ch != '"' && ch != ' ' && ch != '\t';
}

/* A quoted member name at *p (a JSON string); advances *p past it. */
static char *parse_quoted(const char **p)
{
    const char *s = *p + 1;
    while (*s && *s != '"') {
        if (*s == '\\' && s[1])
            s++;
        s++;
    }
    if (*s != '"')
        return NULL;
    size_t len = (size_t)(s + 1 - *p);
    json_error_t jerr;
    json_t *j = json_loadb(*p, len, JSON_DECODE_ANY, &jerr);
    if (!j || !json_is_string(j)) {
        json_decref(j);
        return NULL;
    }
    char *name = util_xstrdup(json_string_value(j));
    json_decref(j);
    *p = s + 1;
    return name;
}

struct cliquery *cliquery_compile(const char *expr, char **err)
{
    struct cliquery *q = util_xcalloc(1, sizeof(*q));
    const char *p = expr;
    int need_name = 1; /* at the start and after '.' a member name must come */
    int at_start = 1;

    if (!*expr) {
        *err = util_xstrdup("the query is empty");
        goto fail;
    }
    while (*p) {
        size_t pos = (size_t)(p - expr);
        if (*p == '[') {
            if (need_name && !at_start) {
                *err = util_asprintf("a member name is needed after '.' (position %zu)", pos);
                goto fail;
            }
            const char *close = strchr(p, ']');
            if (!close) {
                *err = util_asprintf("'[' at position %zu is not closed", pos);
                goto fail;
            }
            size_t len = (size_t)(close - p - 1);
            if (len == 0 || (len == 1 && p[1] == '*')) {
                add_step(q, (struct step){STEP_EACH, NULL, 0});
            } else {
                char *num = util_xstrndup(p + 1, len);
                long idx;
                int bad = util_parse_long(num, -1000000000L, 1000000000L, &idx);
                free(num);
                if (bad) {
                    *err = util_asprintf("'[%.*s]' at position %zu: expected [N], [-N], [] or [*]",
                                         (int)len, p + 1, pos);
                    goto fail;
                }
                add_step(q, (struct step){STEP_INDEX, NULL, idx});
            }
            p = close + 1;
            need_name = 0;
            at_start = 0;
            continue;
        }
        if (*p == '.') {
            if (need_name) {
                *err = util_asprintf("unexpected '.' at position %zu", pos);
                goto fail;
            }
            p++;
            need_name = 1;
            if (!*p) {
                *err = util_xstrdup("the query ends with '.'");
                goto fail;
            }
            continue;
        }
        if (!need_name) {
            *err = util_asprintf("expected '.' or '[' at position %zu", pos);
            goto fail;
        }
        char *name;
        if (*p == '"') {
            name = parse_quoted(&p);
            if (!name) {
                *err = util_asprintf("bad quoted name at position %zu", pos);
                goto fail;
            }
        } else {
            size_t len = 0;
            while (name_char(p[len]))
                len++;
            if (len == 0) {
                *err = util_asprintf("unexpected '%c' at position %zu", *p, pos);
                goto fail;
            }
            name = util_xstrndup(p, len);
            p += len;
        }
        add_step(q, (struct step){STEP_MEMBER, name, 0});
        need_name = 0;
        at_start = 0;
    }
    return q;
fail:
    cliquery_free(q);
    return NULL;
}

static json_t *eval_from(const struct cliquery *q, size_t i, json_t *v)
{
    for (; i < q->n; i++) {
        const struct step *s = &q->steps[i];
        if (!v)
            return NULL;
        switch (s->kind) {
        case STEP_MEMBER:
            v = json_is_object(v) ? json_object_get(v, s->name) : NULL;
            break;
        case STEP_INDEX: {
            if (!json_is_array(v))
                return NULL;
            long n = (long)json_array_size(v);
            long k = s->index < 0 ? n + s->index : s->index;
            v = k >= 0 && k < n ? json_array_get(v, (size_t)k) : NULL;
            break;
        }
        case STEP_EACH: {
            if (!json_is_array(v))
                return NULL;
            json_t *out = json_array();
            size_t k;
            json_t *item;
            json_array_foreach(v, k, item)
            {
                json_t *r = eval_from(q, i + 1, item);
                if (r && !json_is_null(r))
                    json_array_append_new(out, r);
                else
                    json_decref(r);
            }
            return out;
        }
        }
    }
    return v ? json_incref(v) : NULL;
}

json_t *cliquery_eval(const struct cliquery *q, json_t *v)
{
    return eval_from(q, 0, v);
}

void cliquery_free(struct cliquery *q)
{
    if (!q)
        return;
    for (size_t i = 0; i < q->n; i++)
        free(q->steps[i].name);
    free(q->steps);
    free(q);
}
