#include "service/body.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int body_begin(struct body *b, size_t max, const char *content_length)
{
    memset(b, 0, sizeof(*b));
    b->max = max;
    if (!content_length)
        return 0;
    /* Digits only; a number too big for any integer type is still too large.
     * A Content-Length that is not a number is MHD's to refuse, not ours. */
    size_t digits = strspn(content_length, "0123456789");
    if (digits == 0 || content_length[digits] != '\0')
        return 0;
    errno = 0;
    unsigned long long n = strtoull(content_length, NULL, 10);
    if (errno == ERANGE || n > max) {
        b->too_large = 1;
        return -1;
    }
    return 0;
}

void body_feed(struct body *b, const char *data, size_t n)
{
    if (b->too_large)
        return;
    if (b->data.len + n > b->max) {
        b->too_large = 1;
        buf_free(&b->data);
        return;
    }
    buf_append(&b->data, data, n);
}

static int body_blank(const struct buf *d)
{
    for (size_t i = 0; i < d->len; i++)
        if (!memchr(" \t\r\n", d->data[i], 4))
            return 0;
    return 1;
}

int body_parse(struct body *b, json_t **out, struct err *e)
{
    json_error_t je;
    *out = NULL;
    if (b->too_large) {
        err_set(e, ERR_REQUEST_TOO_LARGE, NULL,
                "The request body is larger than the limit of %zu bytes.", b->max);
        return -1;
    }
    if (body_blank(&b->data))
        return 0;
    *out = json_loadb(b->data.data, b->data.len, JSON_REJECT_DUPLICATES, &je);
    if (!*out) {
        err_set(e, ERR_INVALID_REQUEST_CONTENT, NULL,
                "The request body is not valid JSON: %s at line %d, column %d (position %d).",
                je.text, je.line, je.column, je.position);
        return -1;
    }
    return 0;
}

void body_free(struct body *b)
{
    buf_free(&b->data);
}
