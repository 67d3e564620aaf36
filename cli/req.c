#include "cli/req.h"

#include <assert.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/http.h"
#include "common/util.h"

char *clireq_uri(const char *fmt, ...)
{
    struct buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    buf_append(&b, "", 0);
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            buf_append(&b, p, 1);
            continue;
        }
        p++;
        if (*p == '%') {
            buf_append(&b, "%", 1);
            continue;
        }
        assert(*p == 's'); /* the only conversion: a bug in the caller otherwise */
        char *esc = clihttp_escape(va_arg(ap, const char *));
        buf_append(&b, esc, strlen(esc));
        free(esc);
    }
    va_end(ap);
    return b.data;
}

/* --- images ------------------------------------------------------------------ */

void clireq_image_free(struct clireq_image *im)
{
    free(im->publisher);
    free(im->offer);
    free(im->sku);
    free(im->version);
    memset(im, 0, sizeof(*im));
}

static int has_space_or_control(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
            return 1;
    return 0;
}

int clireq_image_parse(const char *s, struct clireq_image *out, char **err)
{
    static const char *const names[] = {"publisher", "offer", "sku", "version"};
    char **dest[] = {&out->publisher, &out->offer, &out->sku, &out->version};
    const char *p = s;
    size_t nparts = 0;

    memset(out, 0, sizeof(*out));
    for (;;) {
        const char *colon = strchr(p, ':');
        size_t len = colon ? (size_t)(colon - p) : strlen(p);
        if (nparts == 4) {
            *err = util_asprintf("'%s' has more than four parts; the form is "
                                 "PUBLISHER:OFFER:SKU[:VERSION]",
                                 s);
            goto bad;
        }
        if (len == 0) {
            *err = util_asprintf("'%s' has an empty %s; the form is PUBLISHER:OFFER:SKU[:VERSION] "
                                 "(for example MicrosoftWindowsServer:WindowsServer:"
                                 "2012-R2-Datacenter:latest)",
                                 s, names[nparts]);
            goto bad;
        }
        if (has_space_or_control(p, len)) {
            *err =
                util_asprintf("'%s': the %s has a space or a control character", s, names[nparts]);
            goto bad;
        }
        *dest[nparts++] = util_xstrndup(p, len);
        if (!colon)
            break;
        p = colon + 1;
    }
    if (nparts < 3) {
        *err = util_asprintf("'%s' is not PUBLISHER:OFFER:SKU[:VERSION] (for example "
                             "MicrosoftWindowsServer:WindowsServer:2012-R2-Datacenter)",
                             s);
        goto bad;
    }
    return 0;
bad:
    clireq_image_free(out);
    return -1;
}

char *clireq_image_key(const struct clireq_image *im)
{
    return util_asprintf("%s:%s:%s", im->publisher, im->offer, im->sku);
}

/* --- bodies ------------------------------------------------------------------ */

json_t *clireq_tags(const char *const *items, size_t n, char **err)
{
    json_t *tags = json_object();
    if (n == 1 && items[0][0] == '\0')
        return tags;
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(items[i], '=');
        size_t klen = eq ? (size_t)(eq - items[i]) : strlen(items[i]);
        if (klen == 0) {
            *err = util_asprintf("'%s' has no tag name (write NAME=VALUE)", items[i]);
            goto bad;
        }
        char *key = util_xstrndup(items[i], klen);
        int dup = json_object_get(tags, key) != NULL;
        if (!dup)
            json_object_set_new(tags, key, json_string(eq ? eq + 1 : ""));
        free(key);
        if (dup) {
            *err = util_asprintf("the tag '%.*s' is given more than once", (int)klen, items[i]);
            goto bad;
        }
    }
    return tags;
bad:
    json_decref(tags);
    return NULL;
}

json_t *clireq_elig_body(const char *vm_size, const struct clireq_image *im)
{
    json_t *ref = json_pack("{s:s, s:s, s:s}", "publisher", im->publisher, "offer", im->offer,
                            "sku", im->sku);
    if (im->version)
        json_object_set_new(ref, "version", json_string(im->version));
    return json_pack("{s:s, s:o}", "vmSize", vm_size, "imageReference", ref);
}

json_t *clireq_feature_register_body(const char *intended_use)
{
    if (!intended_use)
        return NULL;
    return json_pack("{s:{s:s}}", "properties", "description", intended_use);
}

int clireq_subscription_id(const char *given, char out[37], char **err)
{
    if (!given) {
        util_uuid4(out);
        return 0;
    }
    if (strlen(given) != 36 || !util_is_guid(given)) {
        *err = util_asprintf("'%s' is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx); leave "
                             "--id out to have one generated",
                             given);
        return -1;
    }
    memcpy(out, given, 37);
    util_str_lower(out);
    return 0;
}

char *clireq_skus_uri(const char *sub, const char *location)
{
    if (!location)
        return clireq_uri("/subscriptions/%s/providers/Microsoft.Compute/skus", sub);
    char *filter = util_asprintf("location eq '%s'", location);
    char *uri =
        clireq_uri("/subscriptions/%s/providers/Microsoft.Compute/skus?$filter=%s", sub, filter);
    free(filter);
    return uri;
}

/* --- read, merge, write ------------------------------------------------------ */

/* The JSON value of text for a field; NULL with *err when it does not fit. */
static json_t *field_value(const struct clireq_field *f, const char *text, char **err)
{
    long n;
    switch (f->type) {
    case CLIREQ_BOOL:
        if (strcmp(text, "true") == 0)
            return json_true();
        if (strcmp(text, "false") == 0)
            return json_false();
        *err = util_asprintf("argument --%s: '%s' is not true or false", f->flag, text);
        return NULL;
    case CLIREQ_INT:
        if (util_parse_long(text, 0, 1L << 40, &n) != 0) {
            *err = util_asprintf("argument --%s: '%s' is not a whole number", f->flag, text);
            return NULL;
        }
        return json_integer(n);
    case CLIREQ_STRING:
    default:
        return json_string(text);
    }
}

json_t *clireq_merge(const struct clireq_field *fields, size_t n, const char *const *values,
                     const json_t *current, char **err)
{
    struct buf missing = {0}, all = {0};
    json_t *body = json_object();
    int given = 0;

    for (size_t i = 0; i < n; i++) {
        const struct clireq_field *f = &fields[i];
        buf_appendf(&all, "%s--%s", i ? ", " : "", f->flag);
        if (values[i]) {
            given = 1;
            if (f->type == CLIREQ_STRING && !*values[i] && !f->required)
                continue; /* "" removes an optional member */
            json_t *v = field_value(f, values[i], err);
            if (!v)
                goto bad;
            json_object_set_new(body, f->member, v);
            continue;
        }
        json_t *had = current ? json_object_get(current, f->member) : NULL;
        if (had && !json_is_null(had)) {
            json_object_set(body, f->member, had);
            continue;
        }
        if (f->required)
            buf_appendf(&missing, "%s--%s", missing.len ? ", " : "", f->flag);
    }
    if (!given) {
        *err = current ? util_asprintf("nothing to change: give at least one of %s", all.data)
                       : util_asprintf("the following arguments are required: %s",
                                       missing.len ? missing.data : all.data);
        goto bad;
    }
    if (missing.len) {
        *err = util_asprintf("it does not exist yet, so the following arguments are required to "
                             "create it: %s",
                             missing.data);
        goto bad;
    }
    buf_free(&missing);
    buf_free(&all);
    return body;
bad:
    buf_free(&missing);
    buf_free(&all);
    json_decref(body);
    return NULL;
}

/* --- lists ------------------------------------------------------------------- */

const char *clireq_list_append(json_t *acc, const json_t *page, int *bad)
{
    json_t *value = json_object_get(page, "value");
    json_t *into = json_object_get(acc, "value");
    *bad = 0;
    if (!json_is_array(value) || !json_is_array(into)) {
        *bad = -1;
        return NULL;
    }
    json_array_extend(into, value);
    json_t *next = json_object_get(page, "nextLink");
    if (json_is_string(next) && json_string_length(next) > 0)
        return json_string_value(next);
    return NULL;
}
