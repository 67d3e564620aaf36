#include "api/arm.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

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

void arm_page_finish(const struct req *rq, const struct arm_page *pg, json_t *list, int more_follow,
                     const char *last_key)
{
    if (!more_follow || !last_key)
        return;
    size_t klen = strlen(last_key);
    char *token =
        util_xmalloc(sodium_base64_ENCODED_LEN(klen, sodium_base64_VARIANT_URLSAFE_NO_PADDING));
    sodium_bin2base64(
        token, sodium_base64_ENCODED_LEN(klen, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
        (const unsigned char *)last_key, klen, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    const char *host = req_header(rq, MHD_HTTP_HEADER_HOST);
    struct buf url = {0};
    char top[24];
    buf_appendf(&url, "%s://%s%s?", rq->app->cfg->insecure_http ? "http" : "https",
                host ? host : "localhost", rq->path);
    if (rq->api_version)
        arm_query_add(&url, "api-version", rq->api_version);
    /* Keep the filter the client asked for on every page. */
    const char *filter = req_query(rq, "$filter");
    if (filter)
        arm_query_add(&url, "$filter", filter);
    snprintf(top, sizeof(top), "%ld", pg->top);
    arm_query_add(&url, "$top", top);
    arm_query_add(&url, "$skipToken", token);
    json_object_set_new(list, "nextLink", json_string(url.data));
    buf_free(&url);
    free(token);
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
