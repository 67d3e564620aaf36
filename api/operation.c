/* Operation status: .../providers/Microsoft.Compute/locations/{location}/
 * operations/{operationId} and .../operationResults/{operationId}. */
#include "api/operation.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/arm.h"
#include "common/util.h"
#include "db/op.h"
#include "service/config.h"

#define OP_BASE "/subscriptions/%s/providers/Microsoft.Compute/locations/%s/"

static char *op_url(const struct req *rq, const char *sub, const char *location, const char *what,
                    const char *op_id)
{
    char *base = req_base_url(rq);
    char *url = util_asprintf("%s" OP_BASE "%s/%s?api-version=%s", base, sub, location, what, op_id,
                              rq->api_version ? rq->api_version : "");
    free(base);
    return url;
}

void api_op_headers(const struct req *rq, struct reply *rp, const char *sub, const char *location,
                    const char *op_id)
{
    char *a = op_url(rq, sub, location, "operations", op_id);
    char *l = op_url(rq, sub, location, "operationResults", op_id);
    reply_header(rp, "Azure-AsyncOperation", a);
    reply_header(rp, "Location", l);
    rp->retry_after = rq->app->cfg->ops_retry_after_s;
    free(a);
    free(l);
}

/* The operation of the path; 0, or -1 with the answer in rp. */
static int op_load(struct req *rq, struct reply *rp, struct db_op *op)
{
    char id[37];
    struct db_conn *c;
    const char *sub = req_param(rq, "subscriptionId");
    const char *location = req_param(rq, "location");
    if (arm_guid_param(rq, rp, "operationId", id) != 0)
        return -1;
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        st = db_op_get(c, sub, id, op);
        db_release(rq->app->db, c);
    }
    if (st == DB_OK && strcasecmp(op->location, location) != 0) {
        db_op_free(op);
        st = DB_NOT_FOUND;
    }
    if (st == DB_NOT_FOUND) {
        reply_error(rp, ERR_NOT_FOUND, "operationId",
                    "Operation '%s' was not found in location '%s' of subscription %s.", id,
                    location, sub);
        return -1;
    }
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        return -1;
    }
    return 0;
}

void api_op_get(struct req *rq, struct reply *rp)
{
    struct db_op op = {0};
    if (op_load(rq, rp, &op) != 0)
        return;
    char *id = util_asprintf(OP_BASE "operations/%s", op.subscription_id, op.location, op.id);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "id", id, "name", op.id, "status", op.status,
                          "startTime", op.start_time);
    free(id);
    if (*op.end_time)
        json_object_set_new(o, "endTime", json_string(op.end_time));
    if (strcmp(op.status, "Failed") == 0)
        json_object_set_new(o, "error",
                            json_pack("{s:s, s:s}", "code", *op.error_code ? op.error_code : "",
                                      "message", op.error_message ? op.error_message : ""));
    if (strcmp(op.status, "InProgress") == 0)
        rp->retry_after = rq->app->cfg->ops_retry_after_s;
    reply_json(rp, 200, o);
    db_op_free(&op);
}

/* An error code of the table by name (a failed operation's), or
 * InternalServerError. */
static enum err_code op_code(const char *name)
{
    for (int i = 0; i < ERR__COUNT; i++)
        if (strcmp(err_code_name((enum err_code)i), name) == 0)
            return (enum err_code)i;
    return ERR_INTERNAL;
}

void api_op_result(struct req *rq, struct reply *rp)
{
    struct db_op op = {0};
    if (op_load(rq, rp, &op) != 0)
        return;
    if (strcmp(op.status, "InProgress") == 0) {
        char *l = op_url(rq, op.subscription_id, op.location, "operationResults", op.id);
        reply_header(rp, "Location", l);
        free(l);
        rp->retry_after = rq->app->cfg->ops_retry_after_s;
        reply_empty(rp, 202);
    } else if (strcmp(op.status, "Failed") == 0) {
        reply_error(rp, op_code(op.error_code), NULL, "%s",
                    op.error_message ? op.error_message : "The operation failed.");
    } else if (strcmp(op.status, "Canceled") == 0) {
        reply_error(rp, ERR_CONFLICT, NULL, "The operation was canceled.");
    } else {
        /* 200 without a body, as ARM answers an action's result (the SDKs'
         * pollers accept 200 for every kind of operation, 204 only for
         * deletes). */
        reply_empty(rp, 200);
    }
    db_op_free(&op);
}
