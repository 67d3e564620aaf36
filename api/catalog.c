/* The catalogue: locations, VM sizes and OS images.
 *
 *   /admin/catalog/locations[/{locationName}]          operators: CRUD
 *   /admin/catalog/vmSizes[/{vmSizeName}]
 *   /admin/catalog/osImages[/{imageKey}]               imageKey = publisher:offer:sku
 *   /subscriptions/{subscriptionId}/locations          ARM's Subscriptions_ListLocations
 *   /subscriptions/{subscriptionId}/providers/Microsoft.Compute/skus
 *                                                      ARM's ResourceSkus_List
 *
 * One source of truth: everything here reads and writes the catalogue tables
 * directly, and so do the eligibility check and the create handlers
 * (api/eligibility.h). Nothing is cached, so a change applies to the next
 * request. Every change is in the audit log, in the change's transaction. */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/arm.h"
#include "api/catalog.h"
#include "api/eligibility.h"
#include "common/jspec.h"
#include "common/util.h"
#include "db/audit.h"
#include "db/catalog.h"

/* Read-only members a client may send back from a GET: validated for their
 * type, otherwise ignored. */
#define CATALOG_RO(n)                                                                           \
    {                                                                                           \
        .name = (n), .type = JSPEC_T_STRING, .offset = (size_t)-1, .present_offset = (size_t)-1 \
    }

/* A read-only identifying member (name, publisher, ...) that is present must
 * agree with the path; one more problem for e when it does not. Returns the
 * new number of problems. */
static int catalog_ro_mismatch(struct err *e, int problems, const char *member, const char *given,
                               const char *expected)
{
    if (!given || strcasecmp(given, expected) == 0)
        return problems;
    err_add_detail(e, ERR_INVALID_REQUEST_CONTENT, member,
                   "'%s' is '%s' but the path names '%s'; leave it out or make them agree.", member,
                   given, expected);
    problems++;
    err_set(e, ERR_INVALID_REQUEST_CONTENT, NULL,
            "The request body is not valid (%d problem%s); see details.", problems,
            problems == 1 ? "" : "s");
    return problems;
}

static void catalog_no_body(struct reply *rp, const char *example)
{
    reply_error(rp, ERR_INVALID_REQUEST_CONTENT, NULL, "The request needs a JSON body: %s.",
                example);
}

/* The audit entry for a change; details borrowed. */
static enum db_status catalog_audit(struct db_conn *c, const char *actor, const char *what,
                                    int created, int deleted, const json_t *details)
{
    char *action = util_asprintf("catalog.%s.%s", what,
                                 deleted   ? "delete"
                                 : created ? "create"
                                           : "update");
    enum db_status st = db_audit_insert(c, actor, NULL, action, details);
    free(action);
    return st;
}

/* ========================================================================== */
/* locations                                                                  */
/* ========================================================================== */

#define LOC_EXAMPLE "{\"displayName\": \"West Europe\", \"acceleratedNetworking\": true}"

struct loc_put_req {
    const char *display_name;
    int accelerated_networking;
    const char *name;
};

static const struct jspec loc_put_spec[] = {
    JSPEC_STRING("displayName", struct loc_put_req, display_name, JSPEC_REQUIRED, .min_len = 1,
                 .max_len = 256),
    JSPEC_BOOL("acceleratedNetworking", struct loc_put_req, accelerated_networking, JSPEC_REQUIRED),
    JSPEC_STRING("name", struct loc_put_req, name, 0),
    CATALOG_RO("createdAt"),
    CATALOG_RO("updatedAt"),
    JSPEC_END,
};

static json_t *loc_json(const struct db_location *l)
{
    return json_pack("{s:s, s:s, s:b, s:s, s:s}", "name", l->name, "displayName", l->display_name,
                     "acceleratedNetworking", l->accelerated_networking, "createdAt", l->created_at,
                     "updatedAt", l->updated_at);
}

static json_t *loc_item_json(const void *item, const void *ctx)
{
    (void)ctx;
    return loc_json(item);
}

static char *loc_item_key(const void *item)
{
    return util_xstrdup(((const struct db_location *)item)->name);
}

/* The {locationName} parameter, checked and lower-cased into out; -1 with a
 * 400 in rp. */
static int loc_name_param(struct req *rq, struct reply *rp, char out[DB_CATALOG_NAME_MAX + 1])
{
    const char *name = req_param(rq, "locationName");
    const char *why = name ? catalog_location_name_problem(name) : "is missing";
    if (why) {
        reply_error(rp, ERR_INVALID_RESOURCE_NAME, "locationName",
                    "The location name '%s' is not valid: it %s.", name ? name : "", why);
        return -1;
    }
    size_t i = 0;
    for (; name[i]; i++)
        out[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] - 'A' + 'a' : name[i]);
    out[i] = '\0';
    return 0;
}

static void loc_not_found(struct reply *rp, const char *name)
{
    reply_error(rp, ERR_RESOURCE_NOT_FOUND, "locationName",
                "The catalogue has no location '%s' (GET /admin/catalog/locations lists them).",
                name);
}

struct loc_tx {
    const char *actor, *name;
    struct loc_put_req in;
    int created;
    struct db_location out;
};

static enum db_status loc_put_run(struct db_conn *c, void *arg)
{
    struct loc_tx *t = arg;
    db_location_free(&t->out);
    enum db_status st = db_location_upsert(c, t->name, t->in.display_name,
                                           t->in.accelerated_networking, &t->created, &t->out);
    if (st != DB_OK)
        return st;
    json_t *d = loc_json(&t->out);
    st = catalog_audit(c, t->actor, "location", t->created, 0, d);
    json_decref(d);
    return st;
}

void api_catalog_location_put(struct req *rq, struct reply *rp)
{
    char name[DB_CATALOG_NAME_MAX + 1];
    struct loc_tx t = {.actor = rq->who.token_id, .name = name};
    struct err e = {0};
    if (loc_name_param(rq, rp, name) != 0)
        return;
    if (!rq->body) {
        catalog_no_body(rp, LOC_EXAMPLE);
        return;
    }
    int problems = jspec_parse(rq->body, loc_put_spec, &t.in, "", JSPEC_STRICT, &e);
    problems = catalog_ro_mismatch(&e, problems, "name", t.in.name, name);
    if (problems) {
        reply_error_steal(rp, &e);
        return;
    }
    enum db_status st = db_tx(rq->app->db, loc_put_run, &t);
    if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else
        reply_json(rp, t.created ? 201 : 200, loc_json(&t.out));
    db_location_free(&t.out);
}

void api_catalog_location_get(struct req *rq, struct reply *rp)
{
    char name[DB_CATALOG_NAME_MAX + 1];
    struct db_location l = {0};
    struct db_conn *c;
    if (loc_name_param(rq, rp, name) != 0)
        return;
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        st = db_location_get(c, name, &l);
        db_release(rq->app->db, c);
    }
    if (st == DB_NOT_FOUND)
        loc_not_found(rp, name);
    else if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else
        reply_json(rp, 200, loc_json(&l));
    db_location_free(&l);
}

static enum db_status loc_delete_run(struct db_conn *c, void *arg)
{
    struct loc_tx *t = arg;
    db_location_free(&t->out);
    enum db_status st = db_location_delete(c, t->name, &t->out);
    if (st != DB_OK)
        return st;
    json_t *d = loc_json(&t->out);
    st = catalog_audit(c, t->actor, "location", 0, 1, d);
    json_decref(d);
    return st;
}

void api_catalog_location_delete(struct req *rq, struct reply *rp)
{
    char name[DB_CATALOG_NAME_MAX + 1];
    struct loc_tx t = {.actor = rq->who.token_id, .name = name};
    if (loc_name_param(rq, rp, name) != 0)
        return;
    enum db_status st = db_tx(rq->app->db, loc_delete_run, &t);
    if (st == DB_NOT_FOUND)
        reply_empty(rp, 204);
    else if (st == DB_CONFLICT)
        reply_error(rp, ERR_LOCATION_IN_USE, "locationName",
                    "The location '%s' is still used by resource groups, so it cannot be "
                    "deleted. Delete those groups first, or keep the location and set its "
                    "acceleratedNetworking to false.",
                    name);
    else if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else
        reply_empty(rp, 200);
    db_location_free(&t.out);
}

void api_catalog_location_list(struct req *rq, struct reply *rp)
{
    struct arm_page pg;
    struct db_conn *c;
    struct db_location *items = NULL;
    size_t n = 0;
    if (arm_page_parse(rq, rp, &pg) != 0)
        return;
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        st = db_location_list(c, pg.after, pg.top + 1, &items, &n);
        db_release(rq->app->db, c);
    }
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        arm_page_free(&pg);
        return;
    }
    json_t *list =
        arm_list_build(rq, &pg, items, n, sizeof(*items), loc_item_json, NULL, loc_item_key);
    db_location_list_free(items, n);
    arm_page_free(&pg);
    reply_json(rp, 200, list);
}

/* ========================================================================== */
/* VM sizes                                                                   */
/* ========================================================================== */

#define SIZE_EXAMPLE                                                      \
    "{\"vCPUs\": 20, \"memoryMB\": 143360, \"maxNetworkInterfaces\": 8, " \
    "\"acceleratedNetworking\": true}"

struct size_put_req {
    long long vcpus, memory_mb, max_nics;
    int accelerated_networking;
    const char *name;
};

static const struct jspec size_put_spec[] = {
    JSPEC_INT("vCPUs", struct size_put_req, vcpus, JSPEC_REQUIRED, .min = 1, .max = 4096),
    /* Up to 16 TiB. */
    JSPEC_INT("memoryMB", struct size_put_req, memory_mb, JSPEC_REQUIRED, .min = 1,
              .max = 16777216),
    JSPEC_INT("maxNetworkInterfaces", struct size_put_req, max_nics, JSPEC_REQUIRED, .min = 1,
              .max = 1024),
    JSPEC_BOOL("acceleratedNetworking", struct size_put_req, accelerated_networking,
               JSPEC_REQUIRED),
    JSPEC_STRING("name", struct size_put_req, name, 0),
    CATALOG_RO("createdAt"),
    CATALOG_RO("updatedAt"),
    JSPEC_END,
};

static json_t *size_json(const struct db_vm_size *s)
{
    return json_pack("{s:s, s:I, s:I, s:I, s:b, s:s, s:s}", "name", s->name, "vCPUs",
                     (json_int_t)s->vcpus, "memoryMB", (json_int_t)s->memory_mb,
                     "maxNetworkInterfaces", (json_int_t)s->max_nics, "acceleratedNetworking",
                     s->accelerated_networking, "createdAt", s->created_at, "updatedAt",
                     s->updated_at);
}

static json_t *size_item_json(const void *item, const void *ctx)
{
    (void)ctx;
    return size_json(item);
}

/* Lists are ordered by the lower-cased name. */
static char *size_item_key(const void *item)
{
    return util_xstrdup(((const struct db_vm_size *)item)->name);
}

static const char *size_name_param(struct req *rq, struct reply *rp)
{
    const char *name = req_param(rq, "vmSizeName");
    const char *why = name ? catalog_vm_size_name_problem(name) : "is missing";
    if (why) {
        reply_error(rp, ERR_INVALID_RESOURCE_NAME, "vmSizeName",
                    "The VM size name '%s' is not valid: it %s.", name ? name : "", why);
        return NULL;
    }
    return name;
}

struct size_tx {
    const char *actor;
    struct db_vm_size in;
    int created;
    struct db_vm_size out;
};

static enum db_status size_put_run(struct db_conn *c, void *arg)
{
    struct size_tx *t = arg;
    enum db_status st = db_vm_size_upsert(c, &t->in, &t->created, &t->out);
    if (st != DB_OK)
        return st;
    json_t *d = size_json(&t->out);
    st = catalog_audit(c, t->actor, "vmSize", t->created, 0, d);
    json_decref(d);
    return st;
}

void api_catalog_vm_size_put(struct req *rq, struct reply *rp)
{
    struct size_put_req in = {0};
    struct size_tx t = {.actor = rq->who.token_id};
    struct err e = {0};
    const char *name = size_name_param(rq, rp);
    if (!name)
        return;
    if (!rq->body) {
        catalog_no_body(rp, SIZE_EXAMPLE);
        return;
    }
    int problems = jspec_parse(rq->body, size_put_spec, &in, "", JSPEC_STRICT, &e);
    problems = catalog_ro_mismatch(&e, problems, "name", in.name, name);
    if (problems) {
        reply_error_steal(rp, &e);
        return;
    }
    snprintf(t.in.name, sizeof(t.in.name), "%s", name);
    t.in.vcpus = (long)in.vcpus;
    t.in.memory_mb = (long)in.memory_mb;
    t.in.max_nics = (long)in.max_nics;
    t.in.accelerated_networking = in.accelerated_networking;
    enum db_status st = db_tx(rq->app->db, size_put_run, &t);
    if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else
        reply_json(rp, t.created ? 201 : 200, size_json(&t.out));
}

static void size_not_found(struct reply *rp, const char *name)
{
    reply_error(rp, ERR_RESOURCE_NOT_FOUND, "vmSizeName",
                "The catalogue has no VM size '%s' (GET /admin/catalog/vmSizes lists them).", name);
}

void api_catalog_vm_size_get(struct req *rq, struct reply *rp)
{
    struct db_vm_size s;
    struct db_conn *c;
    const char *name = size_name_param(rq, rp);
    if (!name)
        return;
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        st = db_vm_size_get(c, name, &s);
        db_release(rq->app->db, c);
    }
    if (st == DB_NOT_FOUND)
        size_not_found(rp, name);
    else if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else
        reply_json(rp, 200, size_json(&s));
}

static enum db_status size_delete_run(struct db_conn *c, void *arg)
{
    struct size_tx *t = arg;
    enum db_status st = db_vm_size_delete(c, t->in.name, &t->out);
    if (st != DB_OK)
        return st;
    json_t *d = size_json(&t->out);
    st = catalog_audit(c, t->actor, "vmSize", 0, 1, d);
    json_decref(d);
    return st;
}

void api_catalog_vm_size_delete(struct req *rq, struct reply *rp)
{
    struct size_tx t = {.actor = rq->who.token_id};
    const char *name = size_name_param(rq, rp);
    if (!name)
        return;
    snprintf(t.in.name, sizeof(t.in.name), "%s", name);
    enum db_status st = db_tx(rq->app->db, size_delete_run, &t);
    if (st == DB_NOT_FOUND)
        reply_empty(rp, 204);
    else if (st == DB_CONFLICT)
        /* Nothing refers to a size yet; a later VM table will. */
        reply_error(rp, ERR_CONFLICT, "vmSizeName",
                    "The VM size '%s' is still in use, so it cannot be deleted. Set its "
                    "acceleratedNetworking to false instead.",
                    name);
    else if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else
        reply_empty(rp, 200);
}

void api_catalog_vm_size_list(struct req *rq, struct reply *rp)
{
    struct arm_page pg;
    struct db_conn *c;
    struct db_vm_size *items = NULL;
    size_t n = 0;
    if (arm_page_parse(rq, rp, &pg) != 0)
        return;
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        st = db_vm_size_list(c, pg.after, pg.top + 1, &items, &n);
        db_release(rq->app->db, c);
    }
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        arm_page_free(&pg);
        return;
    }
    json_t *list =
        arm_list_build(rq, &pg, items, n, sizeof(*items), size_item_json, NULL, size_item_key);
    free(items);
    arm_page_free(&pg);
    reply_json(rp, 200, list);
}

/* ========================================================================== */
/* OS images                                                                  */
/* ========================================================================== */

#define IMAGE_EXAMPLE                                                                    \
    "{\"displayName\": \"Windows Server 2012 R2 Datacenter\", \"osType\": \"Windows\", " \
    "\"acceleratedNetworking\": true, \"vfDriverName\": \"Mellanox ConnectX-3 Virtual "  \
    "Function Ethernet Adapter\"}"

struct image_put_req {
    const char *display_name;
    const char *os_type;
    int accelerated_networking;
    const char *vf_driver;
    const char *name, *publisher, *offer, *sku;
};

static const char *const image_os_types[] = {"Windows", "Linux", NULL};

static const struct jspec image_put_spec[] = {
    JSPEC_STRING("displayName", struct image_put_req, display_name, JSPEC_REQUIRED, .min_len = 1,
                 .max_len = 256),
    JSPEC_STRING("osType", struct image_put_req, os_type, JSPEC_REQUIRED, .one_of = image_os_types),
    JSPEC_BOOL("acceleratedNetworking", struct image_put_req, accelerated_networking,
               JSPEC_REQUIRED),
    JSPEC_STRING("vfDriverName", struct image_put_req, vf_driver, 0, .max_len = 256),
    JSPEC_STRING("name", struct image_put_req, name, 0),
    JSPEC_STRING("publisher", struct image_put_req, publisher, 0),
    JSPEC_STRING("offer", struct image_put_req, offer, 0),
    JSPEC_STRING("sku", struct image_put_req, sku, 0),
    CATALOG_RO("createdAt"),
    CATALOG_RO("updatedAt"),
    JSPEC_END,
};

static json_t *image_json(const struct db_os_image *i)
{
    char *key = util_asprintf("%s:%s:%s", i->publisher, i->offer, i->sku);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:s}", "name", key,
                          "publisher", i->publisher, "offer", i->offer, "sku", i->sku,
                          "displayName", i->display_name, "osType", i->os_type,
                          "acceleratedNetworking", i->accelerated_networking, "vfDriverName",
                          i->vf_driver, "createdAt", i->created_at, "updatedAt", i->updated_at);
    free(key);
    return o;
}

static json_t *image_item_json(const void *item, const void *ctx)
{
    (void)ctx;
    return image_json(item);
}

/* Lists are ordered by the lower-cased publisher:offer:sku. */
static char *image_item_key(const void *item)
{
    const struct db_os_image *i = item;
    return util_asprintf("%s:%s:%s", i->publisher, i->offer, i->sku);
}

static int image_key_param(struct req *rq, struct reply *rp, struct catalog_image_key *k)
{
    const char *key = req_param(rq, "imageKey");
    char *why = NULL;
    if (!key || catalog_image_key_split(key, k, &why) != 0) {
        reply_error(rp, ERR_INVALID_RESOURCE_NAME, "imageKey",
                    "The OS image key '%s' is not valid: %s.", key ? key : "",
                    why ? why : "it is missing");
        free(why);
        return -1;
    }
    return 0;
}

static void image_not_found(struct reply *rp, const struct catalog_image_key *k)
{
    reply_error(rp, ERR_RESOURCE_NOT_FOUND, "imageKey",
                "The catalogue has no OS image '%s:%s:%s' (GET /admin/catalog/osImages lists "
                "them).",
                k->publisher, k->offer, k->sku);
}

struct image_tx {
    const char *actor;
    struct db_os_image in; /* display_name and vf_driver borrowed */
    int created;
    struct db_os_image out;
};

static enum db_status image_put_run(struct db_conn *c, void *arg)
{
    struct image_tx *t = arg;
    db_os_image_free(&t->out);
    enum db_status st = db_os_image_upsert(c, &t->in, &t->created, &t->out);
    if (st != DB_OK)
        return st;
    json_t *d = image_json(&t->out);
    st = catalog_audit(c, t->actor, "osImage", t->created, 0, d);
    json_decref(d);
    return st;
}

void api_catalog_os_image_put(struct req *rq, struct reply *rp)
{
    struct catalog_image_key k;
    struct image_put_req in = {0};
    struct image_tx t = {.actor = rq->who.token_id};
    struct err e = {0};
    if (image_key_param(rq, rp, &k) != 0)
        return;
    if (!rq->body) {
        catalog_no_body(rp, IMAGE_EXAMPLE);
        return;
    }
    int problems = jspec_parse(rq->body, image_put_spec, &in, "", JSPEC_STRICT, &e);
    char *key = util_asprintf("%s:%s:%s", k.publisher, k.offer, k.sku);
    problems = catalog_ro_mismatch(&e, problems, "name", in.name, key);
    problems = catalog_ro_mismatch(&e, problems, "publisher", in.publisher, k.publisher);
    problems = catalog_ro_mismatch(&e, problems, "offer", in.offer, k.offer);
    problems = catalog_ro_mismatch(&e, problems, "sku", in.sku, k.sku);
    free(key);
    /* The guest must be told what to look for: an eligible image names the
     * VF's driver as the guest shows it. */
    if (in.accelerated_networking && (!in.vf_driver || !*in.vf_driver)) {
        err_add_detail(&e, ERR_INVALID_REQUEST_CONTENT, "vfDriverName",
                       "'vfDriverName' is required when 'acceleratedNetworking' is true: name "
                       "the adapter the guest shows for the virtual function, for example "
                       "'Mellanox ConnectX-3 Virtual Function Ethernet Adapter'.");
        problems++;
        err_set(&e, ERR_INVALID_REQUEST_CONTENT, NULL,
                "The request body is not valid (%d problem%s); see details.", problems,
                problems == 1 ? "" : "s");
    }
    if (problems) {
        reply_error_steal(rp, &e);
        return;
    }
    snprintf(t.in.publisher, sizeof(t.in.publisher), "%s", k.publisher);
    snprintf(t.in.offer, sizeof(t.in.offer), "%s", k.offer);
    snprintf(t.in.sku, sizeof(t.in.sku), "%s", k.sku);
    /* one_of matched case-insensitively; store the canonical spelling. */
    snprintf(t.in.os_type, sizeof(t.in.os_type), "%s",
             strcasecmp(in.os_type, "Windows") == 0 ? "Windows" : "Linux");
    t.in.display_name = (char *)in.display_name;
    t.in.vf_driver = (char *)(in.vf_driver ? in.vf_driver : "");
    t.in.accelerated_networking = in.accelerated_networking;
    enum db_status st = db_tx(rq->app->db, image_put_run, &t);
    if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else
        reply_json(rp, t.created ? 201 : 200, image_json(&t.out));
    db_os_image_free(&t.out);
}

void api_catalog_os_image_get(struct req *rq, struct reply *rp)
{
    struct catalog_image_key k;
    struct db_os_image img = {0};
    struct db_conn *c;
    if (image_key_param(rq, rp, &k) != 0)
        return;
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        st = db_os_image_get(c, k.publisher, k.offer, k.sku, &img);
        db_release(rq->app->db, c);
    }
    if (st == DB_NOT_FOUND)
        image_not_found(rp, &k);
    else if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else
        reply_json(rp, 200, image_json(&img));
    db_os_image_free(&img);
}

static enum db_status image_delete_run(struct db_conn *c, void *arg)
{
    struct image_tx *t = arg;
    db_os_image_free(&t->out);
    enum db_status st = db_os_image_delete(c, t->in.publisher, t->in.offer, t->in.sku, &t->out);
    if (st != DB_OK)
        return st;
    json_t *d = image_json(&t->out);
    st = catalog_audit(c, t->actor, "osImage", 0, 1, d);
    json_decref(d);
    return st;
}

void api_catalog_os_image_delete(struct req *rq, struct reply *rp)
{
    struct catalog_image_key k;
    struct image_tx t = {.actor = rq->who.token_id};
    if (image_key_param(rq, rp, &k) != 0)
        return;
    snprintf(t.in.publisher, sizeof(t.in.publisher), "%s", k.publisher);
    snprintf(t.in.offer, sizeof(t.in.offer), "%s", k.offer);
    snprintf(t.in.sku, sizeof(t.in.sku), "%s", k.sku);
    enum db_status st = db_tx(rq->app->db, image_delete_run, &t);
    if (st == DB_NOT_FOUND)
        reply_empty(rp, 204);
    else if (st == DB_CONFLICT)
        /* Nothing refers to an image yet; a later VM table will. */
        reply_error(rp, ERR_CONFLICT, "imageKey",
                    "The OS image '%s:%s:%s' is still in use, so it cannot be deleted. Set its "
                    "acceleratedNetworking to false instead.",
                    k.publisher, k.offer, k.sku);
    else if (st != DB_OK)
        reply_db_error(rp, rq, st);
    else
        reply_empty(rp, 200);
    db_os_image_free(&t.out);
}

void api_catalog_os_image_list(struct req *rq, struct reply *rp)
{
    struct arm_page pg;
    struct db_conn *c;
    struct db_os_image *items = NULL;
    struct catalog_image_key after;
    size_t n = 0;
    char *why = NULL;
    if (arm_page_parse(rq, rp, &pg) != 0)
        return;
    if (pg.after && catalog_image_key_split(pg.after, &after, &why) != 0) {
        free(why);
        reply_error(rp, ERR_INVALID_QUERY_PARAMETER, "$skipToken",
                    "The $skipToken is not one this service issued; use the nextLink of the "
                    "previous page as it is.");
        arm_page_free(&pg);
        return;
    }
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        st = db_os_image_list(c, pg.after ? after.publisher : NULL, pg.after ? after.offer : NULL,
                              pg.after ? after.sku : NULL, pg.top + 1, &items, &n);
        db_release(rq->app->db, c);
    }
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        arm_page_free(&pg);
        return;
    }
    json_t *list =
        arm_list_build(rq, &pg, items, n, sizeof(*items), image_item_json, NULL, image_item_key);
    db_os_image_list_free(items, n);
    arm_page_free(&pg);
    reply_json(rp, 200, list);
}

/* ========================================================================== */
/* a subscription's view (ARM)                                                */
/* ========================================================================== */

/* GET /subscriptions/{subscriptionId}/locations: every catalogue location, in
 * ARM's Location shape. Which of them offer Accelerated Networking shows in
 * the skus list and the eligibility check. */
void api_catalog_sub_locations(struct req *rq, struct reply *rp)
{
    struct db_conn *c;
    struct db_location *items = NULL;
    size_t n = 0;
    const char *sub = req_param(rq, "subscriptionId");
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        st = db_location_list(c, NULL, 0, &items, &n);
        db_release(rq->app->db, c);
    }
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        return;
    }
    json_t *value = json_array();
    for (size_t i = 0; i < n; i++) {
        char *id = util_asprintf("/subscriptions/%s/locations/%s", sub, items[i].name);
        json_array_append_new(value, json_pack("{s:s, s:s, s:s, s:s}", "id", id, "subscriptionId",
                                               sub, "name", items[i].name, "displayName",
                                               items[i].display_name));
        free(id);
    }
    db_location_list_free(items, n);
    reply_json(rp, 200, json_pack("{s:o}", "value", value));
}

/* {"name": name, "value": value} */
static json_t *sku_capability(const char *name, const char *value)
{
    return json_pack("{s:s, s:s}", "name", name, "value", value);
}

/* One ResourceSku: a VM size in one location, as ARM lists them (one entry
 * per size and location, "locations" holding that one location). */
static json_t *sku_json(const struct db_vm_size *s, const struct db_location *l)
{
    char buf[32];
    const char *us = strchr(s->name, '_');
    char *tier = us ? util_xstrndup(s->name, (size_t)(us - s->name)) : util_xstrdup("Standard");
    json_t *caps = json_array();
    snprintf(buf, sizeof(buf), "%ld", s->vcpus);
    json_array_append_new(caps, sku_capability("vCPUs", buf));
    snprintf(buf, sizeof(buf), "%.10g", (double)s->memory_mb / 1024.0);
    json_array_append_new(caps, sku_capability("MemoryGB", buf));
    snprintf(buf, sizeof(buf), "%ld", s->max_nics);
    json_array_append_new(caps, sku_capability("MaxNetworkInterfaces", buf));
    json_array_append_new(caps, sku_capability("AcceleratedNetworkingEnabled",
                                               elig_size_in_location(s, l) ? "True" : "False"));
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:[s], s:[{s:s, s:[], s:[]}], s:o, s:[]}",
                          "resourceType", "virtualMachines", "name", s->name, "tier", tier, "size",
                          us ? us + 1 : s->name, "locations", l->name, "locationInfo", "location",
                          l->name, "zones", "zoneDetails", "capabilities", caps, "restrictions");
    free(tier);
    return o;
}

/* GET /subscriptions/{subscriptionId}/providers/Microsoft.Compute/skus
 * [?$filter=location eq '<location>']: every VM size in every location.
 * AcceleratedNetworkingEnabled is "True" where both the size and the location
 * are eligible (elig_size_in_location), which is what the eligibility check
 * says about that size there; the subscription's preview registration and
 * the OS image are not properties of a SKU and show only in the check. */
void api_catalog_skus_list(struct req *rq, struct reply *rp)
{
    struct db_conn *c = NULL;
    struct db_vm_size *sizes = NULL;
    struct db_location *locs = NULL, one = {0};
    size_t nsizes = 0, nlocs = 0;
    char want[DB_CATALOG_NAME_MAX + 1];
    const char *why;
    const char *filter = req_query(rq, "$filter");
    const char *sub = req_param(rq, "subscriptionId");

    if (filter && catalog_filter_location(filter, want, sizeof(want), &why) != 0) {
        reply_error(rp, ERR_INVALID_QUERY_PARAMETER, "$filter",
                    "The $filter '%s' is not supported: %s.", filter, why);
        return;
    }
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st != DB_OK)
        goto dberr;
    if (filter) {
        st = db_location_get(c, want, &one);
        if (st == DB_NOT_FOUND) {
            reply_error(rp, ERR_INVALID_QUERY_PARAMETER, "$filter",
                        "The location '%s' in $filter is not known; GET "
                        "/subscriptions/%s/locations lists the locations.",
                        want, sub);
            goto out;
        }
    } else {
        st = db_location_list(c, NULL, 0, &locs, &nlocs);
    }
    if (st != DB_OK)
        goto dberr;
    st = db_vm_size_list(c, NULL, 0, &sizes, &nsizes);
    if (st != DB_OK)
        goto dberr;
    json_t *value = json_array();
    for (size_t i = 0; i < nsizes; i++) {
        if (filter)
            json_array_append_new(value, sku_json(&sizes[i], &one));
        else
            for (size_t j = 0; j < nlocs; j++)
                json_array_append_new(value, sku_json(&sizes[i], &locs[j]));
    }
    reply_json(rp, 200, json_pack("{s:o}", "value", value));
    goto out;
dberr:
    reply_db_error(rp, rq, st);
out:
    db_release(rq->app->db, c);
    free(sizes);
    db_location_list_free(locs, nlocs);
    db_location_free(&one);
}
