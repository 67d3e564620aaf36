#include "db/retention.h"

#include <stdio.h>
#include <stdlib.h>

#include <libpq-fe.h>

static enum db_status retention_delete(struct db_conn *c, struct db_stmt *q, unsigned age_s,
                                       unsigned limit, long *n)
{
    char age[16], lim[16];
    snprintf(age, sizeof(age), "%u", age_s);
    snprintf(lim, sizeof(lim), "%u", limit);
    const char *params[] = {age, lim};
    PGresult *r;
    *n = 0;
    enum db_status st = db_exec(c, q, 2, params, &r);
    if (st != DB_OK)
        return st;
    *n = atol(PQcmdTuples(r));
    PQclear(r);
    return DB_OK;
}

DB_STMT(db_retention_operations_q,
        "DELETE FROM operations WHERE id IN (SELECT o.id FROM operations o"
        " WHERE o.status <> 'InProgress' AND o.end_time < now() - $1::integer * interval '1 second'"
        " AND NOT EXISTS (SELECT 1 FROM virtual_machines v WHERE v.id = o.target_id"
        " AND NOT EXISTS (SELECT 1 FROM operations l WHERE l.target_id = o.target_id"
        " AND l.start_time > o.start_time))"
        " ORDER BY o.end_time LIMIT $2::integer)");

enum db_status db_retention_operations(struct db_conn *c, unsigned age_s, unsigned limit, long *n)
{
    return retention_delete(c, &db_retention_operations_q, age_s, limit, n);
}

DB_STMT(db_retention_outbox_q,
        "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox"
        " WHERE coalesce(delivered_at, expired_at) < now() - $1::integer * interval '1 second'"
        " ORDER BY coalesce(delivered_at, expired_at) LIMIT $2::integer)");

enum db_status db_retention_outbox(struct db_conn *c, unsigned age_s, unsigned limit, long *n)
{
    return retention_delete(c, &db_retention_outbox_q, age_s, limit, n);
}
