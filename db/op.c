#include "db/op.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#define DB_COPY(dst, r, row, col) snprintf((dst), sizeof(dst), "%s", PQgetvalue((r), (row), (col)))

#define OP_COLUMNS                                                                  \
    "id::text, subscription_id::text, location, kind, resource_id,"                 \
    " coalesce(target_id::text, ''), params::text, status, step,"                   \
    " coalesce(error->>'code', ''), error->>'message', attempts,"                   \
    " to_char(start_time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')," \
    " coalesce(to_char(end_time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), '')"

void db_op_free(struct db_op *op)
{
    free(op->resource_id);
    free(op->error_message);
    json_decref(op->params);
    op->resource_id = op->error_message = NULL;
    op->params = NULL;
}

static void db_op_row(PGresult *r, int row, struct db_op *op)
{
    memset(op, 0, sizeof(*op));
    DB_COPY(op->id, r, row, 0);
    DB_COPY(op->subscription_id, r, row, 1);
    DB_COPY(op->location, r, row, 2);
    DB_COPY(op->kind, r, row, 3);
    op->resource_id = util_xstrdup(PQgetvalue(r, row, 4));
    DB_COPY(op->target_id, r, row, 5);
    op->params = json_loads(PQgetvalue(r, row, 6), 0, NULL);
    if (!op->params)
        op->params = json_object();
    DB_COPY(op->status, r, row, 7);
    DB_COPY(op->step, r, row, 8);
    DB_COPY(op->error_code, r, row, 9);
    if (!PQgetisnull(r, row, 10))
        op->error_message = util_xstrdup(PQgetvalue(r, row, 10));
    op->attempts = atoi(PQgetvalue(r, row, 11));
    DB_COPY(op->start_time, r, row, 12);
    DB_COPY(op->end_time, r, row, 13);
}

/* One row into out, or DB_NOT_FOUND. */
static enum db_status db_op_one(struct db_conn *c, struct db_stmt *q, int n, const char **params,
                                struct db_op *out)
{
    PGresult *r;
    enum db_status st = db_exec(c, q, n, params, &r);
    if (st != DB_OK)
        return st;
    if (PQntuples(r) < 1) {
        PQclear(r);
        return DB_NOT_FOUND;
    }
    if (out)
        db_op_row(r, 0, out);
    PQclear(r);
    return DB_OK;
}

DB_STMT(db_op_insert_q,
        "WITH o AS (INSERT INTO operations (id, subscription_id, location, kind, resource_id,"
        " target_id, params, status, end_time)"
        " VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6::uuid, $7::jsonb, $8,"
        " CASE WHEN $8 = 'InProgress' THEN NULL ELSE now() END) RETURNING id)"
        " SELECT pg_notify('" DB_OP_CHANNEL "', id::text) FROM o");

enum db_status db_op_insert(struct db_conn *c, const char *id, const char *sub,
                            const char *location, const char *kind, const char *resource_id,
                            const char *target_id, const json_t *params, const char *status)
{
    char *text = params ? json_dumps(params, JSON_COMPACT) : NULL;
    const char *p[] = {id, sub, location, kind, resource_id, target_id, text ? text : "{}", status};
    enum db_status st = db_exec(c, &db_op_insert_q, 8, p, NULL);
    free(text);
    return st;
}

DB_STMT(db_op_get_q, "SELECT " OP_COLUMNS " FROM operations"
                     " WHERE id = $2::uuid AND subscription_id = $1::uuid");

enum db_status db_op_get(struct db_conn *c, const char *sub, const char *id, struct db_op *out)
{
    const char *p[] = {sub, id};
    return db_op_one(c, &db_op_get_q, 2, p, out);
}

DB_STMT(db_op_active_target_q, "SELECT " OP_COLUMNS " FROM operations"
                               " WHERE target_id = $1::uuid AND status = 'InProgress'");

enum db_status db_op_active_for_target(struct db_conn *c, const char *target_id, struct db_op *out)
{
    const char *p[] = {target_id};
    return db_op_one(c, &db_op_active_target_q, 1, p, out);
}

DB_STMT(db_op_active_resource_q,
        "SELECT " OP_COLUMNS " FROM operations WHERE subscription_id = $1::uuid AND kind = $2"
        " AND lower(resource_id) = lower($3) AND status = 'InProgress'"
        " ORDER BY start_time LIMIT 1");

enum db_status db_op_active_for_resource(struct db_conn *c, const char *sub, const char *kind,
                                         const char *resource_id, struct db_op *out)
{
    const char *p[] = {sub, kind, resource_id};
    return db_op_one(c, &db_op_active_resource_q, 3, p, out);
}

/* One statement, so no transaction is held while the work runs: the lease,
 * not a lock, keeps other workers off the row meanwhile. */
DB_STMT(db_op_claim_q, "UPDATE operations SET lease_owner = $1,"
                       " leased_until = now() + make_interval(secs => $2::double precision),"
                       " attempts = attempts + 1"
                       " WHERE id = (SELECT id FROM operations WHERE status = 'InProgress'"
                       " AND (leased_until IS NULL OR leased_until < now())"
                       " ORDER BY start_time LIMIT 1 FOR UPDATE SKIP LOCKED)"
                       " RETURNING " OP_COLUMNS);

enum db_status db_op_claim(struct db_conn *c, const char *owner, unsigned lease_s,
                           struct db_op *out)
{
    char lease[24];
    snprintf(lease, sizeof(lease), "%u", lease_s);
    const char *p[] = {owner, lease};
    return db_op_one(c, &db_op_claim_q, 2, p, out);
}

DB_STMT(db_op_renew_q,
        "UPDATE operations SET leased_until = now() + make_interval(secs => $2::double precision)"
        " WHERE lease_owner = $1 AND status = 'InProgress' AND leased_until IS NOT NULL");

enum db_status db_op_renew(struct db_conn *c, const char *owner, unsigned lease_s, long *n)
{
    char lease[24];
    PGresult *r;
    snprintf(lease, sizeof(lease), "%u", lease_s);
    const char *p[] = {owner, lease};
    *n = 0;
    enum db_status st = db_exec(c, &db_op_renew_q, 2, p, &r);
    if (st != DB_OK)
        return st;
    *n = atol(PQcmdTuples(r));
    PQclear(r);
    return DB_OK;
}

DB_STMT(db_op_lock_owned_q, "SELECT 1 FROM operations WHERE id = $1::uuid AND lease_owner = $2"
                            " AND status = 'InProgress' FOR UPDATE");

enum db_status db_op_lock_owned(struct db_conn *c, const char *id, const char *owner)
{
    PGresult *r;
    const char *p[] = {id, owner};
    enum db_status st = db_exec(c, &db_op_lock_owned_q, 2, p, &r);
    if (st != DB_OK)
        return st;
    st = PQntuples(r) == 1 ? DB_OK : DB_NOT_FOUND;
    PQclear(r);
    return st;
}

DB_STMT(db_op_set_step_q, "UPDATE operations SET step = $2 WHERE id = $1::uuid");

enum db_status db_op_set_step(struct db_conn *c, const char *id, const char *step)
{
    const char *p[] = {id, step};
    return db_exec(c, &db_op_set_step_q, 2, p, NULL);
}

DB_STMT(db_op_set_error_q,
        "UPDATE operations SET error = jsonb_build_object('code', $2::text, 'message', $3::text)"
        " WHERE id = $1::uuid");

enum db_status db_op_set_error(struct db_conn *c, const char *id, const char *error_code,
                               const char *error_message)
{
    const char *p[] = {id, error_code, error_message};
    return db_exec(c, &db_op_set_error_q, 3, p, NULL);
}

DB_STMT(db_op_finish_q,
        "UPDATE operations SET status = $2, end_time = now(), lease_owner = NULL,"
        " leased_until = NULL, error = CASE WHEN $3::text IS NULL THEN NULL"
        " ELSE jsonb_build_object('code', $3::text, 'message', coalesce($4::text, '')) END"
        " WHERE id = $1::uuid AND status = 'InProgress'");

enum db_status db_op_finish(struct db_conn *c, const char *id, const char *status,
                            const char *error_code, const char *error_message)
{
    const char *p[] = {id, status, error_code, error_message};
    return db_exec(c, &db_op_finish_q, 4, p, NULL);
}

DB_STMT(db_op_release_q, "UPDATE operations SET lease_owner = NULL,"
                         " leased_until = CASE WHEN $3::bigint = 0 THEN NULL"
                         " ELSE now() + make_interval(secs => $3::double precision / 1000) END"
                         " WHERE id = $1::uuid AND lease_owner = $2 AND status = 'InProgress'");

enum db_status db_op_release(struct db_conn *c, const char *id, const char *owner,
                             unsigned long delay_ms)
{
    char delay[24];
    snprintf(delay, sizeof(delay), "%lu", delay_ms);
    const char *p[] = {id, owner, delay};
    return db_exec(c, &db_op_release_q, 3, p, NULL);
}
