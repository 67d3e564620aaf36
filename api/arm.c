#include "api/arm.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>
#include <sodium.h>

#include "common/util.h"
#include "service/config.h"

int arm_page_parse(struct req *rq, struct reply *rp, struct arm_page *pg)
{
    const char *top = req_query(rq, "$top");
    const char *skip = req_query(rq, "$skipToken");
    memset(pg, 0, sizeof(*pg));
    pg->top = ARM_TOP_DEFAULT;
    if (top && util_parse_long(top, 1, ARM_TOP_MAX, &pg->top) != 0) {
        reply_error(rp, ERR_INVALID_QUERY_PARAMETER, "$top",
                    "The value '%s' of $top is not a whole number from 1 to %d.", top, ARM_TOP_MAX);
        return -1;
    }
    if (skip && *skip) {
        unsigned char raw[512];
        size_t len;
        if (sodium_base642bin(raw, sizeof(raw) - 1, skip, strlen(skip), NULL, &len, NULL,
                              sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
            len == 0 || memchr(raw, 0, len)) {
            reply_error(rp, ERR_INVALID_QUERY_PARAMETER, "$skipToken",
                        "The $skipToken is not one this service issued; use the nextLink of "
                        "the previous page as it is.");
            return -1;
        }
        pg->after = util_xstrndup((const char *)raw, len);
    }
    return 0;
}

void arm_page_free(struct arm_page *pg)
{
    free(pg->after);
    pg->after = NULL;
}

/* Appends key=value to a query string, percent-encoding the value. */
static void arm_query_add(struct buf *b, const char *key, const char *value)
{
    buf_appendf(b, "%s%s=", b->len && b->data[b->len - 1] != '?' ? "&" : "", key);
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        if (isalnum(*p) || strchr("-._~", *p))
            buf_append(b, p, 1);
        else
            buf_appendf(b, "%%%02X", *p);
    }
}

struct arm_query_ctx {
    struct buf *url;
};

/* Copies one query argument into the next link, except the paging ones. */
static enum MHD_Result arm_query_copy(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    struct arm_query_ctx *q = cls;
    (void)kind;
    if (strcmp(key, "$top") != 0 && strcmp(key, "$skipToken") != 0)
        arm_query_add(q->url, key, value ? value : "");
    return MHD_YES;
}

void arm_page_finish(const struct req *rq, const struct arm_page *pg, json_t *list, int more_follow,
                     const char *last_key)
{
    if (!more_follow || !last_key)
        return;
    size_t klen = strlen(last_key);
    size_t tlen = sodium_base64_ENCODED_LEN(klen, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *token = util_xmalloc(tlen);
    sodium_bin2base64(token, tlen, (const unsigned char *)last_key, klen,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *base = req_base_url(rq);
    struct buf url = {0};
    struct arm_query_ctx q = {&url};
    char top[24];
    buf_appendf(&url, "%s%s?", base, rq->path);
    free(base);
    MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, arm_query_copy, &q);
    snprintf(top, sizeof(top), "%ld", pg->top);
    arm_query_add(&url, "$top", top);
    arm_query_add(&url, "$skipToken", token);
    json_object_set_new(list, "nextLink", json_string(url.data));
    buf_free(&url);
    free(token);
}

json_t *arm_list_build(const struct req *rq, const struct arm_page *pg, const void *items, size_t n,
                       size_t item_size, arm_item_json_fn to_json, const void *ctx,
                       arm_item_key_fn key)
{
    json_t *value = json_array();
    size_t shown = n > (size_t)pg->top ? (size_t)pg->top : n;
    for (size_t i = 0; i < shown; i++)
        json_array_append_new(value, to_json((const char *)items + i * item_size, ctx));
    json_t *list = json_pack("{s:o}", "value", value);
    if (n > shown && shown) {
        char *last = key((const char *)items + (shown - 1) * item_size);
        util_str_lower(last);
        arm_page_finish(rq, pg, list, 1, last);
        free(last);
    }
    return list;
}

int arm_guid_param(struct req *rq, struct reply *rp, const char *name, char out[37])
{
    const char *v = req_param(rq, name);
    int is_sub = strcmp(name, "subscriptionId") == 0;
    if (!v || !util_is_guid(v)) {
        reply_error(rp, is_sub ? ERR_INVALID_SUBSCRIPTION_ID : ERR_INVALID_PARAMETER, name,
                    "The %s '%s' is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx).",
                    is_sub ? "subscription id" : name, v ? v : "");
        return -1;
    }
    snprintf(out, 37, "%s", v);
    util_str_lower(out);
    return 0;
}

/* Whether an If-Match / If-None-Match list names etag ("*" names any). */
static int arm_etag_listed(const char *list, const char *etag)
{
    size_t elen = strlen(etag);
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ",");
        while (n && p[n - 1] == ' ')
            n--;
        if ((n == 1 && *p == '*') || (n == elen && strncmp(p, etag, n) == 0))
            return 1;
        /* Clients may drop the weak prefix. */
        if (elen > 2 && n == elen - 2 && strncmp(p, etag + 2, n) == 0)
            return 1;
        p += strcspn(p, ",");
    }
    return 0;
}

int arm_preconditions(const struct req *rq, struct reply *rp, const char *current_etag)
{
    const char *im = req_header(rq, MHD_HTTP_HEADER_IF_MATCH);
    const char *inm = req_header(rq, MHD_HTTP_HEADER_IF_NONE_MATCH);
    char *etag = current_etag ? arm_etag(current_etag) : NULL;
    int rc = 0;
    if (im && (!etag || !arm_etag_listed(im, etag))) {
        if (etag)
            reply_error(rp, ERR_PRECONDITION_FAILED, "If-Match",
                        "The resource has changed: its etag is %s, not the one in If-Match. "
                        "Read it again and retry.",
                        etag);
        else
            reply_error(rp, ERR_PRECONDITION_FAILED, "If-Match",
                        "The resource does not exist, so If-Match cannot match.");
        rc = -1;
    } else if (inm && etag && arm_etag_listed(inm, etag)) {
        reply_error(rp, ERR_PRECONDITION_FAILED, "If-None-Match",
                    "The resource already exists (its etag is %s).", etag);
        rc = -1;
    }
    free(etag);
    return rc;
}

char *arm_etag(const char *uuid)
{
    return util_asprintf("W/\"%s\"", uuid);
}

const char *arm_rg_name_problem(const char *name)
{
    size_t n = strlen(name);
    if (n < 1 || n > 90)
        return "must be 1 to 90 characters long";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!isalnum(c) && !strchr("._-()", c))
            return "may only contain letters, digits, '.', '_', '-', '(' and ')'";
    }
    if (name[n - 1] == '.')
        return "must not end with a period";
    return NULL;
}

void arm_id_free(struct arm_id *id)
{
    free(id->resource_group);
    free(id->provider);
    free(id->type);
    free(id->name);
    free(id->child_type);
    free(id->child_name);
    memset(id, 0, sizeof(*id));
}

int arm_id_parse(const char *id, struct arm_id *out)
{
    char *copy = util_xstrdup(id ? id : "");
    char *seg[12];
    size_t n = 0;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    /* Split on '/', refusing empty segments (a single trailing '/' is fine). */
    char *p = copy;
    if (*p != '/')
        goto out;
    p++;
    while (*p && n < 12) {
        char *slash = strchr(p, '/');
        if (slash)
            *slash = '\0';
        if (!*p)
            goto out;
        seg[n++] = p;
        if (!slash)
            break;
        p = slash + 1;
    }
    if (*p && n == 12 && strchr(p, '/'))
        goto out;
    if ((n != 8 && n != 10) || strcasecmp(seg[0], "subscriptions") != 0 ||
        strcasecmp(seg[2], "resourceGroups") != 0 || strcasecmp(seg[4], "providers") != 0 ||
        !util_is_guid(seg[1]))
        goto out;
    for (int i = 0; i < 36; i++)
        out->subscription[i] = (char)tolower((unsigned char)seg[1][i]);
    out->resource_group = util_xstrdup(seg[3]);
    out->provider = util_xstrdup(seg[5]);
    out->type = util_xstrdup(seg[6]);
    out->name = util_xstrdup(seg[7]);
    if (n == 10) {
        out->child_type = util_xstrdup(seg[8]);
        out->child_name = util_xstrdup(seg[9]);
    }
    rc = 0;
out:
    free(copy);
    if (rc != 0)
        arm_id_free(out);
    return rc;
}

const char *arm_ref_problem(const char *ref, const char *sub, const char *provider,
                            const char *type, const char *child_type, struct arm_id *out)
{
    if (arm_id_parse(ref, out) != 0)
        return "is not a resource id (/subscriptions/{id}/resourceGroups/{group}/providers/...)";
    if (strcasecmp(out->subscription, sub) != 0)
        return "is in another subscription";
    if (strcasecmp(out->provider, provider) != 0 || strcasecmp(out->type, type) != 0 ||
        (child_type ? !out->child_type || strcasecmp(out->child_type, child_type) != 0
                    : out->child_type != NULL))
        return "is not a resource of the expected type";
    return NULL;
}

char *arm_resource_id(const char *sub, const char *rg, const char *provider, const char *type,
                      const char *name, const char *child_type, const char *child_name)
{
    if (child_type)
        return util_asprintf("/subscriptions/%s/resourceGroups/%s/providers/%s/%s/%s/%s/%s", sub,
                             rg, provider, type, name, child_type, child_name);
    return util_asprintf("/subscriptions/%s/resourceGroups/%s/providers/%s/%s/%s", sub, rg,
                         provider, type, name);
}

char *arm_lock_key(const char *sub, const char *rg, const char *type, const char *name)
{
    return util_str_lower(util_asprintf("%s/%s/%s/%s", sub, rg, type, name));
}

const char *arm_network_name_problem(const char *name)
{
    size_t n = strlen(name);
    if (n < 1 || n > 80)
        return "must be 1 to 80 characters long";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!isalnum(c) && !strchr("_.-", c))
            return "may only contain letters, digits, '_', '.' and '-'";
    }
    if (!isalnum((unsigned char)name[0]))
        return "must start with a letter or digit";
    if (!isalnum((unsigned char)name[n - 1]) && name[n - 1] != '_')
        return "must end with a letter, digit or '_'";
    return NULL;
}

const char *arm_tags_problem(const json_t *v)
{
    const char *k;
    json_t *val;
    if (json_object_size(v) > 50)
        return "may hold at most 50 tags";
    json_object_foreach((json_t *)v, k, val)
    {
        if (!json_is_string(val))
            return "tag values must be strings";
        if (!*k || strlen(k) > 512)
            return "tag names must be 1 to 512 characters long";
        if (json_string_length(val) > 256)
            return "tag values must be at most 256 characters long";
    }
    return NULL;
}
