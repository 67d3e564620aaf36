#include "db/token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#define TOKEN_COLUMNS                                                                          \
    "id::text, role, coalesce(subscription_id::text, ''), hash, "                              \
    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), bootstrap, " \
    "description, coalesce(host_name, '')"

void db_token_free(struct db_token *t)
{
    free(t->description);
    t->description = NULL;
}

static void db_token_row(PGresult *r, int row, struct db_token *t)
{
    memset(t, 0, sizeof(*t));
    snprintf(t->id, sizeof(t->id), "%s", PQgetvalue(r, row, 0));
    snprintf(t->role, sizeof(t->role), "%s", PQgetvalue(r, row, 1));
    snprintf(t->subscription_id, sizeof(t->subscription_id), "%s", PQgetvalue(r, row, 2));
    snprintf(t->hash, sizeof(t->hash), "%s", PQgetvalue(r, row, 3));
    snprintf(t->created_at, sizeof(t->created_at), "%s", PQgetvalue(r, row, 4));
    t->bootstrap = PQgetvalue(r, row, 5)[0] == 't';
    t->description = util_xstrdup(PQgetvalue(r, row, 6));
    snprintf(t->host_name, sizeof(t->host_name), "%s", PQgetvalue(r, row, 7));
}

/* Runs a statement expected to return at most one token row. */
static enum db_status db_token_one(struct db_conn *c, struct db_stmt *stmt, int nparams,
                                   const char *const *params, struct db_token *out)
{
    PGresult *r;
    enum db_status st = db_exec(c, stmt, nparams, params, &r);
    if (st != DB_OK)
        return st;
    if (PQntuples(r) == 1)
        db_token_row(r, 0, out);
    else
        st = DB_NOT_FOUND;
    PQclear(r);
    return st;
}

DB_STMT(db_token_find_by_hash_q,
        "SELECT " TOKEN_COLUMNS " FROM tokens WHERE hash = $1 AND revoked_at IS NULL");

enum db_status db_token_find_by_hash(struct db_conn *c, const char *hash, struct db_token *out)
{
    const char *params[] = {hash};
    return db_token_one(c, &db_token_find_by_hash_q, 1, params, out);
}

DB_STMT(db_token_get_q,
        "SELECT " TOKEN_COLUMNS " FROM tokens WHERE id = $1::uuid AND revoked_at IS NULL");

enum db_status db_token_get(struct db_conn *c, const char *id, struct db_token *out)
{
    const char *params[] = {id};
    return db_token_one(c, &db_token_get_q, 1, params, out);
}

DB_STMT(db_token_insert_q,
        "INSERT INTO tokens (id, role, subscription_id, hash, description, host_name)"
        " VALUES ($1::uuid, $2, $3::uuid, $4, $5, $6) RETURNING " TOKEN_COLUMNS);

enum db_status db_token_insert(struct db_conn *c, const char *id, const char *role,
                               const char *subscription_id, const char *hash,
                               const char *description, const char *host_name, struct db_token *out)
{
    const char *params[] = {id,       role, subscription_id, hash, description ? description : "",
                            host_name};
    return db_token_one(c, &db_token_insert_q, 6, params, out);
}

static enum db_status db_token_many(struct db_conn *c, struct db_stmt *stmt, int nparams,
                                    const char *const *params, struct db_token **items, size_t *n)
{
    PGresult *r;
    enum db_status st = db_exec(c, stmt, nparams, params, &r);
    *items = NULL;
    *n = 0;
    if (st != DB_OK)
        return st;
    *n = (size_t)PQntuples(r);
    *items = util_xcalloc(*n, sizeof(**items));
    for (size_t i = 0; i < *n; i++)
        db_token_row(r, (int)i, &(*items)[i]);
    PQclear(r);
    return DB_OK;
}

DB_STMT(db_token_list_admin_q, "SELECT " TOKEN_COLUMNS " FROM tokens WHERE role <> 'user'"
                               " AND revoked_at IS NULL ORDER BY created_at, id");

enum db_status db_token_list_admin(struct db_conn *c, struct db_token **items, size_t *n)
{
    return db_token_many(c, &db_token_list_admin_q, 0, NULL, items, n);
}

DB_STMT(db_token_list_subscription_q,
        "SELECT " TOKEN_COLUMNS " FROM tokens WHERE subscription_id = $1::uuid"
        " AND revoked_at IS NULL ORDER BY created_at, id");

enum db_status db_token_list_subscription(struct db_conn *c, const char *sub,
                                          struct db_token **items, size_t *n)
{
    const char *params[] = {sub};
    return db_token_many(c, &db_token_list_subscription_q, 1, params, items, n);
}

DB_STMT(db_token_revoke_in_subscription_q,
        "UPDATE tokens SET revoked_at = now() WHERE id = $2::uuid"
        " AND subscription_id = $1::uuid AND revoked_at IS NULL");

static enum db_status db_token_update_one(struct db_conn *c, struct db_stmt *stmt, int nparams,
                                          const char *const *params)
{
    PGresult *r;
    enum db_status st = db_exec(c, stmt, nparams, params, &r);
    if (st != DB_OK)
        return st;
    if (strcmp(PQcmdTuples(r), "0") == 0)
        st = DB_NOT_FOUND;
    PQclear(r);
    return st;
}

enum db_status db_token_revoke_in_subscription(struct db_conn *c, const char *sub, const char *id)
{
    const char *params[] = {sub, id};
    return db_token_update_one(c, &db_token_revoke_in_subscription_q, 2, params);
}

DB_STMT(db_token_revoke_q, "UPDATE tokens SET revoked_at = now()"
                           " WHERE id = $1::uuid AND role <> 'user' AND revoked_at IS NULL");

enum db_status db_token_revoke(struct db_conn *c, const char *id)
{
    const char *params[] = {id};
    return db_token_update_one(c, &db_token_revoke_q, 1, params);
}

DB_STMT(db_token_bootstrap_set_q, "INSERT INTO tokens (id, role, hash, description, bootstrap)"
                                  " VALUES ($1::uuid, 'admin', $2, 'bootstrap admin token', true)"
                                  " ON CONFLICT (bootstrap) WHERE bootstrap"
                                  " DO UPDATE SET hash = EXCLUDED.hash, revoked_at = NULL");

enum db_status db_token_bootstrap_set(struct db_conn *c, const char *id, const char *hash)
{
    const char *params[] = {id, hash};
    return db_exec(c, &db_token_bootstrap_set_q, 2, params, NULL);
}

DB_STMT(db_token_bootstrap_create_q,
        "INSERT INTO tokens (id, role, hash, description, bootstrap)"
        " VALUES ($1::uuid, 'admin', $2, 'bootstrap admin token', true)"
        " ON CONFLICT (bootstrap) WHERE bootstrap DO NOTHING");

enum db_status db_token_bootstrap_create(struct db_conn *c, const char *id, const char *hash)
{
    const char *params[] = {id, hash};
    PGresult *r;
    enum db_status st = db_exec(c, &db_token_bootstrap_create_q, 2, params, &r);
    if (st != DB_OK)
        return st;
    if (strcmp(PQcmdTuples(r), "0") == 0)
        st = DB_CONFLICT;
    PQclear(r);
    return st;
}
