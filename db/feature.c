#include "db/feature.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#define FEATURE_TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

DB_STMT(db_feature_state_q,
        "SELECT state FROM feature_registrations WHERE subscription_id = $1::uuid"
        " AND lower(namespace) = lower($2) AND lower(feature) = lower($3)");

enum db_status db_feature_state(struct db_conn *c, const char *sub, const char *ns,
                                const char *feature, char state[16])
{
    const char *params[] = {sub, ns, feature};
    PGresult *r;
    enum db_status st = db_exec(c, &db_feature_state_q, 3, params, &r);
    if (st != DB_OK)
        return st;
    snprintf(state, 16, "%s", PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "NotRegistered");
    PQclear(r);
    return DB_OK;
}

/* --- features -------------------------------------------------------------- */

#define FEATURE_COLUMNS                                                          \
    "namespace, name, approval_type, " FEATURE_TS("created_at") ", " FEATURE_TS( \
        "updated_at") ", description"

void db_feature_free(struct db_feature *f)
{
    free(f->description);
    f->description = NULL;
}

static void db_feature_row(PGresult *r, int row, struct db_feature *f)
{
    memset(f, 0, sizeof(*f));
    snprintf(f->namespace_, sizeof(f->namespace_), "%s", PQgetvalue(r, row, 0));
    snprintf(f->name, sizeof(f->name), "%s", PQgetvalue(r, row, 1));
    snprintf(f->approval_type, sizeof(f->approval_type), "%s", PQgetvalue(r, row, 2));
    snprintf(f->created_at, sizeof(f->created_at), "%s", PQgetvalue(r, row, 3));
    snprintf(f->updated_at, sizeof(f->updated_at), "%s", PQgetvalue(r, row, 4));
    f->description = util_xstrdup(PQgetvalue(r, row, 5));
}

static enum db_status db_feature_one(struct db_conn *c, struct db_stmt *stmt, int nparams,
                                     const char *const *params, struct db_feature *out)
{
    PGresult *r;
    enum db_status st = db_exec(c, stmt, nparams, params, &r);
    if (st != DB_OK)
        return st;
    if (PQntuples(r) == 1)
        db_feature_row(r, 0, out);
    else
        st = DB_NOT_FOUND;
    PQclear(r);
    return st;
}

DB_STMT(db_feature_get_q, "SELECT " FEATURE_COLUMNS " FROM features"
                          " WHERE lower(namespace) = lower($1) AND lower(name) = lower($2)");

enum db_status db_feature_get(struct db_conn *c, const char *ns, const char *name,
                              struct db_feature *out)
{
    const char *params[] = {ns, name};
    return db_feature_one(c, &db_feature_get_q, 2, params, out);
}

DB_STMT(db_feature_namespace_known_q,
        "SELECT namespace FROM features WHERE lower(namespace) = lower($1)"
        " ORDER BY created_at LIMIT 1");

enum db_status db_feature_namespace_known(struct db_conn *c, const char *ns, int *known,
                                          char canon[129])
{
    const char *params[] = {ns};
    PGresult *r;
    enum db_status st = db_exec(c, &db_feature_namespace_known_q, 1, params, &r);
    if (st != DB_OK)
        return st;
    *known = PQntuples(r) == 1;
    snprintf(canon, 129, "%s", *known ? PQgetvalue(r, 0, 0) : ns);
    PQclear(r);
    return DB_OK;
}

DB_STMT(db_feature_lock_q, "SELECT namespace, name FROM features"
                           " WHERE lower(namespace) = lower($1) AND lower(name) = lower($2)"
                           " FOR UPDATE");
DB_STMT(db_feature_update_q,
        "UPDATE features SET approval_type = $3, description = coalesce($4, description),"
        " updated_at = now() WHERE namespace = $1 AND name = $2 RETURNING " FEATURE_COLUMNS);
/* A namespace keeps the spelling of its first feature, so that one namespace
 * is never listed under two spellings. */
DB_STMT(db_feature_insert_q,
        "INSERT INTO features (namespace, name, approval_type, description)"
        " VALUES (coalesce((SELECT namespace FROM features WHERE lower(namespace) = lower($1)"
        " ORDER BY created_at LIMIT 1), $1), $2, $3, coalesce($4, ''))"
        " ON CONFLICT DO NOTHING RETURNING " FEATURE_COLUMNS);

enum db_status db_feature_upsert(struct db_conn *c, const char *ns, const char *name,
                                 const char *approval_type, const char *description, int *created,
                                 struct db_feature *out)
{
    const char *lock_params[] = {ns, name};
    PGresult *r;
    enum db_status st = db_exec(c, &db_feature_lock_q, 2, lock_params, &r);
    if (st != DB_OK)
        return st;
    if (PQntuples(r) == 1) {
        char *cur_ns = util_xstrdup(PQgetvalue(r, 0, 0));
        char *cur_name = util_xstrdup(PQgetvalue(r, 0, 1));
        PQclear(r);
        const char *params[] = {cur_ns, cur_name, approval_type, description};
        *created = 0;
        st = db_feature_one(c, &db_feature_update_q, 4, params, out);
        free(cur_ns);
        free(cur_name);
        return st;
    }
    PQclear(r);
    const char *params[] = {ns, name, approval_type, description};
    *created = 1;
    st = db_feature_one(c, &db_feature_insert_q, 4, params, out);
    /* Nothing inserted: the same feature (perhaps spelled in another case)
     * was defined meanwhile. Run again: this time it is found and updated. */
    if (st == DB_NOT_FOUND)
        st = DB_RETRY;
    return st;
}

DB_STMT(db_feature_list_q, "SELECT " FEATURE_COLUMNS " FROM features"
                           " WHERE ($1::text IS NULL OR lower(namespace) = lower($1))"
                           " AND ($2::text IS NULL OR (lower(namespace), lower(name)) >"
                           " (split_part($2, '/', 1), split_part($2, '/', 2)))"
                           " ORDER BY lower(namespace), lower(name) LIMIT $3");

enum db_status db_feature_list(struct db_conn *c, const char *ns, const char *after, long limit,
                               struct db_feature **items, size_t *n)
{
    char lim[24];
    PGresult *r;
    snprintf(lim, sizeof(lim), "%ld", limit);
    const char *params[] = {ns, after, lim};
    enum db_status st = db_exec(c, &db_feature_list_q, 3, params, &r);
    *items = NULL;
    *n = 0;
    if (st != DB_OK)
        return st;
    *n = (size_t)PQntuples(r);
    *items = util_xcalloc(*n, sizeof(**items));
    for (size_t i = 0; i < *n; i++)
        db_feature_row(r, (int)i, &(*items)[i]);
    PQclear(r);
    return DB_OK;
}

/* --- registrations --------------------------------------------------------- */

#define REG_COLUMNS                                                                             \
    "subscription_id::text, namespace, feature, state, " FEATURE_TS(                            \
        "requested_at") ", " FEATURE_TS("updated_at") ", coalesce(decided_by::text, ''), "      \
                                                      "coalesce(" FEATURE_TS(                   \
                                                          "decided_at") ", ''), intended_use, " \
                                                                        "reason"

void db_feature_reg_free(struct db_feature_reg *g)
{
    free(g->intended_use);
    free(g->reason);
    g->intended_use = g->reason = NULL;
}

static void db_feature_reg_row(PGresult *r, int row, struct db_feature_reg *g)
{
    memset(g, 0, sizeof(*g));
    snprintf(g->subscription_id, sizeof(g->subscription_id), "%s", PQgetvalue(r, row, 0));
    snprintf(g->namespace_, sizeof(g->namespace_), "%s", PQgetvalue(r, row, 1));
    snprintf(g->feature, sizeof(g->feature), "%s", PQgetvalue(r, row, 2));
    snprintf(g->state, sizeof(g->state), "%s", PQgetvalue(r, row, 3));
    snprintf(g->requested_at, sizeof(g->requested_at), "%s", PQgetvalue(r, row, 4));
    snprintf(g->updated_at, sizeof(g->updated_at), "%s", PQgetvalue(r, row, 5));
    snprintf(g->decided_by, sizeof(g->decided_by), "%s", PQgetvalue(r, row, 6));
    snprintf(g->decided_at, sizeof(g->decided_at), "%s", PQgetvalue(r, row, 7));
    g->intended_use = util_xstrdup(PQgetvalue(r, row, 8));
    g->reason = PQgetisnull(r, row, 9) ? NULL : util_xstrdup(PQgetvalue(r, row, 9));
}

static enum db_status db_feature_reg_one(struct db_conn *c, struct db_stmt *stmt, int nparams,
                                         const char *const *params, struct db_feature_reg *out)
{
    PGresult *r;
    enum db_status st = db_exec(c, stmt, nparams, params, &r);
    if (st != DB_OK)
        return st;
    if (PQntuples(r) == 1)
        db_feature_reg_row(r, 0, out);
    else
        st = DB_NOT_FOUND;
    PQclear(r);
    return st;
}

DB_STMT(db_feature_reg_get_q, "SELECT " REG_COLUMNS " FROM feature_registrations"
                              " WHERE subscription_id = $1::uuid AND namespace = $2"
                              " AND feature = $3");
DB_STMT(db_feature_reg_get_lock_q, "SELECT " REG_COLUMNS " FROM feature_registrations"
                                   " WHERE subscription_id = $1::uuid AND namespace = $2"
                                   " AND feature = $3 FOR UPDATE");

enum db_status db_feature_reg_get(struct db_conn *c, const char *sub, const char *ns,
                                  const char *name, int lock, struct db_feature_reg *out)
{
    const char *params[] = {sub, ns, name};
    return db_feature_reg_one(c, lock ? &db_feature_reg_get_lock_q : &db_feature_reg_get_q, 3,
                              params, out);
}

DB_STMT(db_feature_reg_insert_q,
        "INSERT INTO feature_registrations (subscription_id, namespace, feature, state,"
        " intended_use, decided_at) VALUES ($1::uuid, $2, $3, $4, $5,"
        " CASE WHEN $4 = 'Registered' THEN now() END)"
        " ON CONFLICT DO NOTHING RETURNING " REG_COLUMNS);

enum db_status db_feature_reg_insert(struct db_conn *c, const char *sub, const char *ns,
                                     const char *name, const char *state, const char *intended_use,
                                     struct db_feature_reg *out)
{
    const char *params[] = {sub, ns, name, state, intended_use ? intended_use : ""};
    enum db_status st = db_feature_reg_one(c, &db_feature_reg_insert_q, 5, params, out);
    return st == DB_NOT_FOUND ? DB_CONFLICT : st;
}

DB_STMT(db_feature_reg_rerequest_q,
        "UPDATE feature_registrations SET state = $4, intended_use = $5, requested_at = now(),"
        " decided_by = NULL, decided_at = CASE WHEN $4 = 'Registered' THEN now() END,"
        " reason = NULL, updated_at = now()"
        " WHERE subscription_id = $1::uuid AND namespace = $2 AND feature = $3"
        " RETURNING " REG_COLUMNS);

enum db_status db_feature_reg_rerequest(struct db_conn *c, const char *sub, const char *ns,
                                        const char *name, const char *state,
                                        const char *intended_use, struct db_feature_reg *out)
{
    const char *params[] = {sub, ns, name, state, intended_use ? intended_use : ""};
    return db_feature_reg_one(c, &db_feature_reg_rerequest_q, 5, params, out);
}

DB_STMT(db_feature_reg_transition_q,
        "UPDATE feature_registrations SET state = $5,"
        " decided_by = CASE WHEN $6::uuid IS NULL THEN decided_by ELSE $6::uuid END,"
        " decided_at = CASE WHEN $6::uuid IS NULL THEN decided_at ELSE now() END,"
        " reason = CASE WHEN $6::uuid IS NULL THEN reason ELSE $7 END,"
        " updated_at = now()"
        " WHERE subscription_id = $1::uuid AND namespace = $2 AND feature = $3"
        " AND state = ANY ($4::text[]) RETURNING " REG_COLUMNS);

enum db_status db_feature_reg_transition(struct db_conn *c, const char *sub, const char *ns,
                                         const char *name, const char *from_states, const char *to,
                                         const char *decided_by, const char *reason,
                                         struct db_feature_reg *out)
{
    const char *params[] = {sub, ns, name, from_states, to, decided_by, reason};
    return db_feature_reg_one(c, &db_feature_reg_transition_q, 7, params, out);
}

DB_STMT(db_feature_reg_list_q,
        "SELECT " REG_COLUMNS " FROM feature_registrations"
        " WHERE ($1::text IS NULL OR state = $1)"
        " AND ($2::text IS NULL OR (subscription_id, lower(namespace), lower(feature)) >"
        " (split_part($2, '/', 1)::uuid, split_part($2, '/', 2), split_part($2, '/', 3)))"
        " ORDER BY subscription_id, lower(namespace), lower(feature) LIMIT $3");

enum db_status db_feature_reg_list(struct db_conn *c, const char *state, const char *after,
                                   long limit, struct db_feature_reg **items, size_t *n)
{
    char lim[24];
    PGresult *r;
    snprintf(lim, sizeof(lim), "%ld", limit);
    const char *params[] = {state, after, lim};
    enum db_status st = db_exec(c, &db_feature_reg_list_q, 3, params, &r);
    *items = NULL;
    *n = 0;
    if (st != DB_OK)
        return st;
    *n = (size_t)PQntuples(r);
    *items = util_xcalloc(*n, sizeof(**items));
    for (size_t i = 0; i < *n; i++)
        db_feature_reg_row(r, (int)i, &(*items)[i]);
    PQclear(r);
    return DB_OK;
}

void db_feature_sub_state_free(struct db_feature_sub_state *s)
{
    free(s->reason);
    s->reason = NULL;
}

DB_STMT(db_feature_list_for_subscription_q,
        "SELECT f.namespace, f.name, coalesce(r.state, 'NotRegistered'),"
        " CASE WHEN r.state = 'Rejected' THEN r.reason END"
        " FROM features f LEFT JOIN feature_registrations r"
        " ON r.namespace = f.namespace AND r.feature = f.name AND r.subscription_id = $1::uuid"
        " WHERE ($2::text IS NULL OR lower(f.namespace) = lower($2))"
        " AND ($3::text IS NULL OR (lower(f.namespace), lower(f.name)) >"
        " (split_part($3, '/', 1), split_part($3, '/', 2)))"
        " ORDER BY lower(f.namespace), lower(f.name) LIMIT $4");

enum db_status db_feature_list_for_subscription(struct db_conn *c, const char *sub, const char *ns,
                                                const char *after, long limit,
                                                struct db_feature_sub_state **items, size_t *n)
{
    char lim[24];
    PGresult *r;
    snprintf(lim, sizeof(lim), "%ld", limit);
    const char *params[] = {sub, ns, after, lim};
    enum db_status st = db_exec(c, &db_feature_list_for_subscription_q, 4, params, &r);
    *items = NULL;
    *n = 0;
    if (st != DB_OK)
        return st;
    *n = (size_t)PQntuples(r);
    *items = util_xcalloc(*n, sizeof(**items));
    for (size_t i = 0; i < *n; i++) {
        struct db_feature_sub_state *s = &(*items)[i];
        snprintf(s->namespace_, sizeof(s->namespace_), "%s", PQgetvalue(r, (int)i, 0));
        snprintf(s->name, sizeof(s->name), "%s", PQgetvalue(r, (int)i, 1));
        snprintf(s->state, sizeof(s->state), "%s", PQgetvalue(r, (int)i, 2));
        s->reason = PQgetisnull(r, (int)i, 3) ? NULL : util_xstrdup(PQgetvalue(r, (int)i, 3));
    }
    PQclear(r);
    return DB_OK;
}
