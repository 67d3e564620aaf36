#include "common/jspec.h"

#include <string.h>
#include <strings.h>

#include "common/util.h"

static const char *jspec_type_name(enum jspec_type t)
{
    switch (t) {
    case JSPEC_T_STRING:
        return "a string";
    case JSPEC_T_INT:
        return "an integer";
    case JSPEC_T_BOOL:
        return "a boolean";
    case JSPEC_T_OBJECT:
        return "an object";
    case JSPEC_T_ARRAY:
        return "an array";
    case JSPEC_T_ANY:
        return "a value";
    }
    return "a value";
}

static int jspec_type_ok(enum jspec_type t, const json_t *v)
{
    switch (t) {
    case JSPEC_T_STRING:
        return json_is_string(v);
    case JSPEC_T_INT:
        return json_is_integer(v);
    case JSPEC_T_BOOL:
        return json_is_boolean(v);
    case JSPEC_T_OBJECT:
        return json_is_object(v);
    case JSPEC_T_ARRAY:
        return json_is_array(v);
    case JSPEC_T_ANY:
        return 1;
    }
    return 0;
}

static char *jspec_join(const char *path, const char *name)
{
    return *path ? util_asprintf("%s.%s", path, name) : util_xstrdup(name);
}

static void jspec_problem(struct err *e, const char *path, const char *fmt, const char *a,
                          const char *b)
{
    err_add_detail(e, ERR_INVALID_REQUEST_CONTENT, path, fmt, a, b);
}

static int jspec_one_of(const struct jspec *s, const char *v)
{
    for (const char *const *p = s->one_of; *p; p++)
        if (strcasecmp(*p, v) == 0)
            return 1;
    return 0;
}

/* Checks one value (already known present and non-null) against s. */
static int jspec_value(const json_t *v, const struct jspec *s, enum jspec_type type, void *dest,
                       const char *path, enum jspec_mode mode, struct err *e)
{
    int problems = 0;
    if (!jspec_type_ok(type, v)) {
        jspec_problem(e, path, "'%s' must be %s.", path, jspec_type_name(type));
        return 1;
    }
    const char *why = s->check ? s->check(v) : NULL;
    switch (type) {
    case JSPEC_T_STRING: {
        const char *str = json_string_value(v);
        size_t bytes = json_string_length(v), len = 0;
        if (strlen(str) != bytes) {
            jspec_problem(e, path, "'%s' must not contain NUL characters.", path, NULL);
            return 1;
        }
        /* Lengths are in characters (jansson guarantees valid UTF-8). */
        for (size_t i = 0; i < bytes; i++)
            len += ((unsigned char)str[i] & 0xc0) != 0x80;
        if (s->min_len && len < s->min_len) {
            err_add_detail(e, ERR_INVALID_REQUEST_CONTENT, path,
                           "'%s' must be at least %zu characters long.", path, s->min_len);
            problems++;
        }
        if (s->max_len && len > s->max_len) {
            err_add_detail(e, ERR_INVALID_REQUEST_CONTENT, path,
                           "'%s' must be at most %zu characters long.", path, s->max_len);
            problems++;
        }
        if (s->one_of && !jspec_one_of(s, str)) {
            struct buf allowed = {0};
            for (const char *const *p = s->one_of; *p; p++)
                buf_appendf(&allowed, "%s'%s'", p == s->one_of ? "" : ", ", *p);
            jspec_problem(e, path, "'%s' must be one of %s.", path, allowed.data);
            buf_free(&allowed);
            problems++;
        }
        if (dest && s->offset != JSPEC__NONE)
            *(const char **)((char *)dest + s->offset) = str;
        break;
    }
    case JSPEC_T_INT: {
        long long n = json_integer_value(v);
        if (s->min < s->max && (n < s->min || n > s->max)) {
            err_add_detail(e, ERR_INVALID_REQUEST_CONTENT, path,
                           "'%s' must be between %lld and %lld.", path, s->min, s->max);
            problems++;
        }
        if (dest && s->offset != JSPEC__NONE)
            *(long long *)((char *)dest + s->offset) = n;
        break;
    }
    case JSPEC_T_BOOL:
        if (dest && s->offset != JSPEC__NONE)
            *(int *)((char *)dest + s->offset) = json_is_true(v);
        break;
    case JSPEC_T_OBJECT:
        if (s->fields)
            problems += jspec_parse(v, s->fields, dest, path, mode, e);
        if (dest && s->offset != JSPEC__NONE)
            *(const json_t **)((char *)dest + s->offset) = v;
        break;
    case JSPEC_T_ARRAY: {
        size_t n = json_array_size(v);
        if (s->min_len && n < s->min_len) {
            err_add_detail(e, ERR_INVALID_REQUEST_CONTENT, path,
                           "'%s' must have at least %zu element(s).", path, s->min_len);
            problems++;
        }
        if (s->max_len && n > s->max_len) {
            err_add_detail(e, ERR_INVALID_REQUEST_CONTENT, path,
                           "'%s' must have at most %zu element(s).", path, s->max_len);
            problems++;
        }
        /* Elements are validated only; the handler walks the array itself. */
        struct jspec item = {.name = "",
                             .type = s->item_type,
                             .fields = s->fields,
                             .offset = JSPEC__NONE,
                             .present_offset = JSPEC__NONE};
        for (size_t i = 0; i < n; i++) {
            char *ipath = util_asprintf("%s[%zu]", path, i);
            problems +=
                jspec_value(json_array_get(v, i), &item, s->item_type, NULL, ipath, mode, e);
            free(ipath);
        }
        if (dest && s->offset != JSPEC__NONE)
            *(const json_t **)((char *)dest + s->offset) = v;
        break;
    }
    case JSPEC_T_ANY:
        if (dest && s->offset != JSPEC__NONE)
            *(const json_t **)((char *)dest + s->offset) = v;
        break;
    }
    if (why) {
        jspec_problem(e, path, "'%s': %s", path, why);
        problems++;
    }
    return problems;
}

static const struct jspec *jspec_find(const struct jspec *spec, const char *key)
{
    for (const struct jspec *s = spec; s->name; s++)
        if (strcmp(s->name, key) == 0)
            return s;
    return NULL;
}

int jspec_parse(const json_t *obj, const struct jspec *spec, void *dest, const char *path,
                enum jspec_mode mode, struct err *e)
{
    int problems = 0;
    if (!json_is_object(obj)) {
        jspec_problem(e, *path ? path : NULL, "%s%s must be a JSON object.",
                      *path ? path : "The request body", "");
        problems = 1;
        goto out;
    }
    for (const struct jspec *s = spec; s->name; s++) {
        char *fpath = jspec_join(path, s->name);
        json_t *v = json_object_get(obj, s->name);
        if (!v || json_is_null(v)) {
            if ((s->flags & JSPEC_REQUIRED) && !(v && (s->flags & JSPEC_NULLABLE))) {
                jspec_problem(e, fpath, "'%s' is required.", fpath, NULL);
                problems++;
            }
        } else {
            if (dest && s->present_offset != JSPEC__NONE)
                *(int *)((char *)dest + s->present_offset) = 1;
            problems += jspec_value(v, s, s->type, dest, fpath, mode, e);
        }
        free(fpath);
    }
    if (mode == JSPEC_STRICT) {
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)obj, key, v)
        {
            if (!jspec_find(spec, key)) {
                char *fpath = jspec_join(path, key);
                jspec_problem(e, fpath, "'%s' is not a known property.", fpath, NULL);
                free(fpath);
                problems++;
            }
        }
    }
out:
    if (problems && !*path)
        err_set(e, ERR_INVALID_REQUEST_CONTENT, NULL,
                "The request body is not valid (%d problem%s); see details.", problems,
                problems == 1 ? "" : "s");
    return problems;
}
