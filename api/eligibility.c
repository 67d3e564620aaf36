/* Accelerated Networking eligibility: the rule (elig_check) and the endpoint
 * that shows it, POST /subscriptions/{subscriptionId}/providers/
 * Microsoft.Network/locations/{location}/checkAcceleratedNetworkingEligibility. */
#include "api/eligibility.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "common/jspec.h"
#include "common/util.h"
#include "db/feature.h"

#define ELIG_REGISTER_PATH                                                           \
    "/subscriptions/%s/providers/Microsoft.Features/providers/" FEATURE_AN_NAMESPACE \
    "/features/" FEATURE_AN_NAME "/register"

void elig_result_free(struct elig_result *r)
{
    for (size_t i = 0; i < r->nreasons; i++) {
        struct elig_reason *x = &r->reasons[i];
        free(x->target);
        free(x->message);
        for (size_t j = 0; j < x->nallowed; j++)
            free(x->allowed[j]);
        free(x->allowed);
    }
    free(r->reasons);
    memset(r, 0, sizeof(*r));
}

/* Appends a reason; takes over allowed (an array of nallowed owned strings). */
static void elig_add(struct elig_result *r, enum elig_condition cond, enum err_code code,
                     const char *target, char **allowed, size_t nallowed, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

static void elig_add(struct elig_result *r, enum elig_condition cond, enum err_code code,
                     const char *target, char **allowed, size_t nallowed, const char *fmt, ...)
{
    va_list ap;
    r->reasons = util_xrealloc(r->reasons, (r->nreasons + 1) * sizeof(*r->reasons));
    struct elig_reason *x = &r->reasons[r->nreasons++];
    x->condition = cond;
    x->code = code;
    x->target = target ? util_xstrdup(target) : NULL;
    va_start(ap, fmt);
    x->message = util_vasprintf(fmt, ap);
    va_end(ap);
    x->allowed = allowed;
    x->nallowed = nallowed;
    r->eligible = 0;
}

/* "a, b, c", or `none` when the list is empty; the caller frees it. */
static char *elig_join(char *const *items, size_t n, const char *none)
{
    struct buf b = {0};
    if (n == 0)
        return util_xstrdup(none);
    for (size_t i = 0; i < n; i++)
        buf_appendf(&b, "%s%s", i ? ", " : "", items[i]);
    return b.data;
}

int elig_size_in_location(const struct db_vm_size *size, const struct db_location *loc)
{
    return size->accelerated_networking && loc->accelerated_networking;
}

/* 1. The preview feature. */
static enum db_status elig_feature(struct db_conn *c, const char *sub, struct elig_result *r)
{
    char state[16];
    enum db_status st = db_feature_state(c, sub, FEATURE_AN_NAMESPACE, FEATURE_AN_NAME, state);
    if (st != DB_OK)
        return st;
    if (strcmp(state, "Registered") == 0)
        return DB_OK;
    if (strcmp(state, "Pending") == 0)
        elig_add(r, ELIG_FEATURE, ERR_FEATURE_REGISTRATION_PENDING, NULL, NULL, 0,
                 "The subscription's registration for the preview feature " FEATURE_AN_NAMESPACE
                 "/" FEATURE_AN_NAME " is Pending: an operator has not approved it yet. "
                 "Accelerated Networking becomes available when its state is Registered.");
    else if (strcmp(state, "Rejected") == 0)
        elig_add(r, ELIG_FEATURE, ERR_FEATURE_REGISTRATION_REJECTED, NULL, NULL, 0,
                 "The subscription's registration for the preview feature " FEATURE_AN_NAMESPACE
                 "/" FEATURE_AN_NAME " was rejected. Ask your operator why, or register "
                 "again with POST " ELIG_REGISTER_PATH " to ask anew.",
                 sub);
    else
        elig_add(r, ELIG_FEATURE, ERR_SUBSCRIPTION_NOT_REGISTERED_FOR_FEATURE, NULL, NULL, 0,
                 "The subscription is not registered for the preview feature " FEATURE_AN_NAMESPACE
                 "/" FEATURE_AN_NAME " (its state is %s). Register with POST " ELIG_REGISTER_PATH
                 " and wait until an operator approves it.",
                 state, sub);
    return DB_OK;
}

/* 2. The location. */
static enum db_status elig_location(struct db_conn *c, const char *name, struct elig_result *r)
{
    struct db_location loc = {0}, *all = NULL;
    size_t n = 0, k = 0;
    enum db_status st = db_location_get(c, name, &loc);
    if (st != DB_OK && st != DB_NOT_FOUND)
        return st;
    if (st == DB_OK && loc.accelerated_networking) {
        db_location_free(&loc);
        return DB_OK;
    }
    int known = st == DB_OK;
    st = db_location_list(c, NULL, 0, &all, &n);
    if (st != DB_OK) {
        db_location_free(&loc);
        return st;
    }
    char **allowed = util_xcalloc(n ? n : 1, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        if (all[i].accelerated_networking)
            allowed[k++] = util_xstrdup(all[i].name);
    char *list = elig_join(allowed, k, "none at the moment");
    if (known)
        elig_add(r, ELIG_LOCATION, ERR_LOCATION_NOT_PERMITTED, "location", allowed, k,
                 "Accelerated Networking is not available in location '%s' (%s). Locations "
                 "where it is: %s.",
                 loc.name, loc.display_name, list);
    else
        elig_add(r, ELIG_LOCATION, ERR_LOCATION_NOT_PERMITTED, "location", allowed, k,
                 "The location '%s' is not known. Locations where Accelerated Networking is "
                 "available: %s.",
                 name, list);
    free(list);
    db_location_free(&loc);
    db_location_list_free(all, n);
    return DB_OK;
}

/* 3. The VM size. */
static enum db_status elig_vm_size(struct db_conn *c, const char *name, struct elig_result *r)
{
    struct db_vm_size size, *all = NULL;
    size_t n = 0, k = 0;
    enum db_status st = db_vm_size_get(c, name, &size);
    if (st != DB_OK && st != DB_NOT_FOUND)
        return st;
    if (st == DB_OK && size.accelerated_networking)
        return DB_OK;
    int known = st == DB_OK;
    st = db_vm_size_list(c, NULL, 0, &all, &n);
    if (st != DB_OK)
        return st;
    char **allowed = util_xcalloc(n ? n : 1, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        if (all[i].accelerated_networking)
            allowed[k++] = util_xstrdup(all[i].name);
    char *list = elig_join(allowed, k, "none at the moment");
    if (known)
        elig_add(r, ELIG_VM_SIZE, ERR_VM_SIZE_NOT_PERMITTED, "vmSize", allowed, k,
                 "The VM size '%s' is not permitted to enable Accelerated Networking. Sizes "
                 "that are: %s.",
                 size.name, list);
    else
        elig_add(r, ELIG_VM_SIZE, ERR_VM_SIZE_NOT_PERMITTED, "vmSize", allowed, k,
                 "The VM size '%s' is not known. Sizes permitted to enable Accelerated "
                 "Networking: %s.",
                 name, list);
    free(list);
    free(all);
    return DB_OK;
}

/* 4. The OS image. */
static enum db_status elig_os_image(struct db_conn *c, const struct elig_query *q,
                                    struct elig_result *r)
{
    struct db_os_image img = {0}, *all = NULL;
    size_t n = 0, k = 0;
    enum db_status st = db_os_image_get(c, q->publisher, q->offer, q->sku, &img);
    if (st != DB_OK && st != DB_NOT_FOUND)
        return st;
    if (st == DB_OK && img.accelerated_networking) {
        db_os_image_free(&img);
        return DB_OK;
    }
    int known = st == DB_OK;
    st = db_os_image_list(c, NULL, NULL, NULL, 0, &all, &n);
    if (st != DB_OK) {
        db_os_image_free(&img);
        return st;
    }
    char **allowed = util_xcalloc(n ? n : 1, sizeof(char *));
    struct buf named = {0};
    for (size_t i = 0; i < n; i++) {
        if (!all[i].accelerated_networking)
            continue;
        allowed[k] = util_asprintf("%s:%s:%s", all[i].publisher, all[i].offer, all[i].sku);
        buf_appendf(&named, "%s%s (%s)", k ? ", " : "", allowed[k], all[i].display_name);
        k++;
    }
    const char *list = k ? named.data : "none at the moment";
    if (known)
        elig_add(r, ELIG_OS_IMAGE, ERR_OS_IMAGE_NOT_PERMITTED, "imageReference", allowed, k,
                 "The OS image '%s:%s:%s' (%s) is not permitted to enable Accelerated "
                 "Networking. Images that are: %s.",
                 img.publisher, img.offer, img.sku, img.display_name, list);
    else
        elig_add(r, ELIG_OS_IMAGE, ERR_OS_IMAGE_NOT_PERMITTED, "imageReference", allowed, k,
                 "The OS image '%s:%s:%s' is not known. Images permitted to enable Accelerated "
                 "Networking: %s.",
                 q->publisher, q->offer, q->sku, list);
    buf_free(&named);
    db_os_image_free(&img);
    db_os_image_list_free(all, n);
    return DB_OK;
}

enum db_status elig_check(struct db_conn *c, const char *sub, const struct elig_query *q,
                          struct elig_result *out)
{
    memset(out, 0, sizeof(*out));
    out->eligible = 1;
    enum db_status st = elig_feature(c, sub, out);
    if (st == DB_OK && q->location)
        st = elig_location(c, q->location, out);
    if (st == DB_OK && q->vm_size)
        st = elig_vm_size(c, q->vm_size, out);
    if (st == DB_OK && q->publisher)
        st = elig_os_image(c, q, out);
    if (st != DB_OK)
        elig_result_free(out);
    return st;
}

json_t *elig_result_json(const struct elig_result *r)
{
    json_t *reasons = json_array();
    for (size_t i = 0; i < r->nreasons; i++) {
        const struct elig_reason *x = &r->reasons[i];
        json_t *allowed = json_array();
        for (size_t j = 0; j < x->nallowed; j++)
            json_array_append_new(allowed, json_string(x->allowed[j]));
        /* s? is JSON null for the feature, which has no target. */
        json_array_append_new(reasons, json_pack("{s:s, s:s, s:s?, s:o}", "code",
                                                 err_code_name(x->code), "message", x->message,
                                                 "target", x->target, "allowedValues", allowed));
    }
    return json_pack("{s:b, s:o}", "eligible", r->eligible, "reasons", reasons);
}

void elig_result_err(const struct elig_result *r, const char *const targets[ELIG__COUNT],
                     struct err *e)
{
    for (size_t i = 0; i < r->nreasons; i++) {
        const struct elig_reason *x = &r->reasons[i];
        const char *target = targets && targets[x->condition] ? targets[x->condition] : x->target;
        if (i == 0)
            err_set(e, x->code, target, "%s", x->message);
        err_add_detail(e, x->code, target, "%s", x->message);
    }
}

/* --- the endpoint --------------------------------------------------------- */

struct elig_req {
    const char *vm_size;
    const char *publisher, *offer, *sku, *version;
};

static const struct jspec elig_image_spec[] = {
    JSPEC_STRING("publisher", struct elig_req, publisher, JSPEC_REQUIRED, .min_len = 1,
                 .max_len = 256),
    JSPEC_STRING("offer", struct elig_req, offer, JSPEC_REQUIRED, .min_len = 1, .max_len = 256),
    JSPEC_STRING("sku", struct elig_req, sku, JSPEC_REQUIRED, .min_len = 1, .max_len = 256),
    /* Eligibility is per sku, whatever the version; the version is checked
     * for its type only. */
    JSPEC_STRING("version", struct elig_req, version, 0, .min_len = 1, .max_len = 256),
    JSPEC_END,
};

static const struct jspec elig_req_spec[] = {
    JSPEC_STRING("vmSize", struct elig_req, vm_size, JSPEC_REQUIRED, .min_len = 1, .max_len = 256),
    JSPEC_OBJECT("imageReference", JSPEC_REQUIRED, elig_image_spec),
    JSPEC_END,
};

void api_elig_check(struct req *rq, struct reply *rp)
{
    struct elig_req in = {0};
    struct elig_result res = {0};
    struct err e = {0};
    struct db_conn *c;
    const char *sub = req_param(rq, "subscriptionId");
    const char *location = req_param(rq, "location");

    if (!rq->body) {
        reply_error(rp, ERR_INVALID_REQUEST_CONTENT, NULL,
                    "The request needs a JSON body: {\"vmSize\": \"Standard_D15_v2\", "
                    "\"imageReference\": {\"publisher\": \"...\", \"offer\": \"...\", \"sku\": "
                    "\"...\", \"version\": \"latest\"}}.");
        return;
    }
    if (jspec_parse(rq->body, elig_req_spec, &in, "", JSPEC_STRICT, &e)) {
        reply_error_steal(rp, &e);
        return;
    }
    struct elig_query q = {.location = location ? location : "",
                           .vm_size = in.vm_size,
                           .publisher = in.publisher,
                           .offer = in.offer,
                           .sku = in.sku};
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        st = elig_check(c, sub, &q, &res);
        db_release(rq->app->db, c);
    }
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        return;
    }
    reply_json(rp, 200, elig_result_json(&res));
    elig_result_free(&res);
}
