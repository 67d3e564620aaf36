#include "common/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

static const struct {
    const char *name;
    unsigned status;
} err_table[ERR__COUNT] = {
#define ERR_ROW(e, code, status) [e] = {code, status},
    ERR_TABLE(ERR_ROW)
#undef ERR_ROW
};

const char *err_code_name(enum err_code code)
{
    return (unsigned)code < ERR__COUNT ? err_table[code].name : "InternalServerError";
}

unsigned err_http_status(enum err_code code)
{
    return (unsigned)code < ERR__COUNT ? err_table[code].status : 500;
}

void err_setv(struct err *e, enum err_code code, const char *target, const char *fmt, va_list ap)
{
    free(e->target);
    free(e->message);
    e->code = code;
    e->set = 1;
    e->target = target ? util_xstrdup(target) : NULL;
    e->message = util_vasprintf(fmt, ap);
}

void err_set(struct err *e, enum err_code code, const char *target, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_setv(e, code, target, fmt, ap);
    va_end(ap);
}

void err_add_detail(struct err *e, enum err_code code, const char *target, const char *fmt, ...)
{
    struct err_detail *d = util_xrealloc(e->details, (e->ndetails + 1) * sizeof(*d));
    va_list ap;
    e->details = d;
    d += e->ndetails++;
    d->code = code;
    d->target = target ? util_xstrdup(target) : NULL;
    va_start(ap, fmt);
    d->message = util_vasprintf(fmt, ap);
    va_end(ap);
}

void err_clear(struct err *e)
{
    for (size_t i = 0; i < e->ndetails; i++) {
        free(e->details[i].target);
        free(e->details[i].message);
    }
    free(e->details);
    free(e->target);
    free(e->message);
    memset(e, 0, sizeof(*e));
}

json_t *err_envelope(const struct err *e)
{
    json_t *details = json_array();
    for (size_t i = 0; i < e->ndetails; i++) {
        const struct err_detail *d = &e->details[i];
        json_array_append_new(details, json_pack("{s:s, s:s, s:s?}", "code", err_code_name(d->code),
                                                 "message", d->message ? d->message : "", "target",
                                                 d->target));
    }
    return json_pack("{s:{s:s, s:s, s:s?, s:o}}", "error", "code", err_code_name(e->code),
                     "message", e->message ? e->message : "", "target", e->target, "details",
                     details);
}
