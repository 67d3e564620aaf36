#include "db/resource_group.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#define RG_COLUMNS "subscription_id::text, name, location, etag::text, tags::text"

void db_rg_free(struct db_rg *g)
{
    free(g->tags);
    g->tags = NULL;
}

static void db_rg_row(PGresult *r, int row, struct db_rg *g)
{
    memset(g, 0, sizeof(*g));
    snprintf(g->subscription_id, sizeof(g->subscription_id), "%s", PQgetvalue(r, row, 0));
    snprintf(g->name, sizeof(g->name), "%s", PQgetvalue(r, row, 1));
    snprintf(g->location, sizeof(g->location), "%s", PQgetvalue(r, row, 2));
    snprintf(g->etag, sizeof(g->etag), "%s", PQgetvalue(r, row, 3));
    g->tags = util_xstrdup(PQgetvalue(r, row, 4));
}

DB_STMT(db_rg_get_q, "SELECT " RG_COLUMNS " FROM resource_groups"
                     " WHERE subscription_id = $1::uuid AND lower(name) = lower($2)");

enum db_status db_rg_get(struct db_conn *c, const char *sub, const char *name, struct db_rg *out)
{
    const char *params[] = {sub, name};
    PGresult *r;
    enum db_status st = db_exec(c, &db_rg_get_q, 2, params, &r);
    if (st != DB_OK)
        return st;
    if (PQntuples(r) == 1)
        db_rg_row(r, 0, out);
    else
        st = DB_NOT_FOUND;
    PQclear(r);
    return st;
}

/* The conflict target is the case-insensitive index, so "RG1" and "rg1" are
 * one group; the location never changes here (the handler refuses that). */
DB_STMT(db_rg_upsert_q,
        "INSERT INTO resource_groups (subscription_id, name, location, tags, etag)"
        " VALUES ($1::uuid, $2, $3, $4::jsonb, $5::uuid)"
        " ON CONFLICT (subscription_id, lower(name)) DO UPDATE SET tags = EXCLUDED.tags,"
        " etag = EXCLUDED.etag, updated_at = now()"
        " WHERE resource_groups.location = EXCLUDED.location"
        " RETURNING " RG_COLUMNS ", (xmax = 0)");

enum db_status db_rg_upsert(struct db_conn *c, const char *sub, const char *name,
                            const char *location, const char *tags, const char *etag, int *created,
                            struct db_rg *out)
{
    const char *params[] = {sub, name, location, tags, etag};
    PGresult *r;
    enum db_status st = db_exec(c, &db_rg_upsert_q, 5, params, &r);
    if (st != DB_OK)
        return st;
    if (PQntuples(r) == 1) {
        db_rg_row(r, 0, out);
        *created = PQgetvalue(r, 0, 5)[0] == 't';
    } else {
        st = DB_CONFLICT; /* it exists in another location */
    }
    PQclear(r);
    return st;
}

DB_STMT(db_rg_delete_q, "DELETE FROM resource_groups"
                        " WHERE subscription_id = $1::uuid AND lower(name) = lower($2)");

enum db_status db_rg_delete(struct db_conn *c, const char *sub, const char *name)
{
    const char *params[] = {sub, name};
    PGresult *r;
    enum db_status st = db_exec(c, &db_rg_delete_q, 2, params, &r);
    if (st != DB_OK)
        return st;
    if (strcmp(PQcmdTuples(r), "0") == 0)
        st = DB_NOT_FOUND;
    PQclear(r);
    return st;
}

DB_STMT(db_rg_list_q, "SELECT " RG_COLUMNS " FROM resource_groups WHERE subscription_id = $1::uuid"
                      " AND ($2::text IS NULL OR lower(name) > $2) ORDER BY lower(name) LIMIT $3");

enum db_status db_rg_list(struct db_conn *c, const char *sub, const char *after, long limit,
                          struct db_rg **items, size_t *n)
{
    char lim[24];
    PGresult *r;
    snprintf(lim, sizeof(lim), "%ld", limit);
    const char *params[] = {sub, after, lim};
    enum db_status st = db_exec(c, &db_rg_list_q, 3, params, &r);
    *items = NULL;
    *n = 0;
    if (st != DB_OK)
        return st;
    *n = (size_t)PQntuples(r);
    *items = util_xcalloc(*n, sizeof(**items));
    for (size_t i = 0; i < *n; i++)
        db_rg_row(r, (int)i, &(*items)[i]);
    PQclear(r);
    return DB_OK;
}

DB_STMT(db_rg_delete_nics_q,
        "WITH d AS (DELETE FROM network_interfaces WHERE subscription_id = $1::uuid"
        " AND rg_key = lower($2) AND vm_id IS NULL RETURNING 1)"
        " SELECT count(*) FROM network_interfaces WHERE subscription_id = $1::uuid"
        " AND rg_key = lower($2) AND vm_id IS NOT NULL");

enum db_status db_rg_delete_nics(struct db_conn *c, const char *sub, const char *rg)
{
    PGresult *r;
    const char *p[] = {sub, rg};
    enum db_status st = db_exec(c, &db_rg_delete_nics_q, 2, p, &r);
    if (st != DB_OK)
        return st;
    st = atol(PQgetvalue(r, 0, 0)) > 0 ? DB_CONFLICT : DB_OK;
    PQclear(r);
    return st;
}

DB_STMT(db_rg_delete_vnets_q, "DELETE FROM virtual_networks WHERE subscription_id = $1::uuid"
                              " AND rg_key = lower($2)");

enum db_status db_rg_delete_vnets(struct db_conn *c, const char *sub, const char *rg)
{
    const char *p[] = {sub, rg};
    return db_exec(c, &db_rg_delete_vnets_q, 2, p, NULL);
}

DB_STMT(db_rg_delete_nsgs_q, "DELETE FROM network_security_groups WHERE subscription_id = $1::uuid"
                             " AND rg_key = lower($2)");

enum db_status db_rg_delete_nsgs(struct db_conn *c, const char *sub, const char *rg)
{
    const char *p[] = {sub, rg};
    return db_exec(c, &db_rg_delete_nsgs_q, 2, p, NULL);
}
