#include "api/api.h"

#include "common/util.h"
#include "scheduler/sched.h"
#include "service/agentclient.h"
#include "service/reconcile.h"
#include "service/retention.h"
#include "service/metrics.h"
#include "service/ops.h"
#include "service/outbox.h"

DB_STMT(api_health_ping_q, "SELECT 1");

void api_health_live(struct req *rq, struct reply *rp)
{
    (void)rq;
    reply_json(rp, 200, json_pack("{s:s}", "status", "ok"));
}

void api_health_ready(struct req *rq, struct reply *rp)
{
    struct db_conn *c;
    enum db_status st = db_acquire(rq->app->db, &c);
    if (st == DB_OK) {
        st = db_exec(c, &api_health_ping_q, 0, NULL, NULL);
        db_release(rq->app->db, c);
    }
    if (st != DB_OK) {
        reply_db_error(rp, rq, st);
        return;
    }
    reply_json(rp, 200, json_pack("{s:s}", "status", "ready"));
}

void api_metrics_get(struct req *rq, struct reply *rp)
{
    struct buf out = {0};
    metrics_render(rq->app->metrics, rq->app->db, &out);
    outbox_metrics_render(&out);
    sched_metrics_render(&out);
    agentc_metrics_render(&out);
    ops_metrics_render(&out);
    reconcile_metrics_render(&out);
    retention_metrics_render(&out);
    api_host_metrics_render(&out);
    reply_text(rp, 200, "text/plain; version=0.0.4; charset=utf-8", out.data);
}
