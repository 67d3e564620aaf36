#include "db/servicing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "common/util.h"

#define SV_TS(col) \
    "coalesce(to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), '')"

DB_STMT(db_servicing_host_q,
        "UPDATE hosts SET servicing = $2::boolean, servicing_changed_at = CASE WHEN servicing ="
        " $2::boolean THEN servicing_changed_at ELSE now() END WHERE name = $1 RETURNING name");
DB_STMT(db_servicing_nics_q,
        "UPDATE network_interfaces SET vf_state = $2, vf_state_changed_at = now()"
        " WHERE vf_host = $1 AND vf_index IS NOT NULL AND vf_state IS DISTINCT FROM $2"
        " RETURNING id");

enum db_status db_servicing_set(struct db_conn *c, const char *host, int on, long *changed)
{
    const char *p1[] = {host, on ? "true" : "false"};
    PGresult *r;
    *changed = 0;
    enum db_status st = db_exec(c, &db_servicing_host_q, 2, p1, &r);
    if (st != DB_OK)
        return st;
    int found = PQntuples(r) == 1;
    PQclear(r);
    if (!found)
        return DB_NOT_FOUND;
    const char *p2[] = {host, on ? "Fallback" : "Active"};
    st = db_exec(c, &db_servicing_nics_q, 2, p2, &r);
    if (st != DB_OK)
        return st;
    *changed = PQntuples(r);
    PQclear(r);
    return DB_OK;
}

DB_STMT(db_servicing_get_q,
        "SELECT servicing::int, " SV_TS("servicing_changed_at") " FROM hosts WHERE name = $1");
DB_STMT(db_servicing_get_nics_q,
        "SELECT id::text, name, coalesce(vf_state, 'Active'), " SV_TS(
            "vf_state_changed_at") " FROM network_interfaces WHERE vf_host = $1 AND vf_index IS "
                                   "NOT NULL ORDER BY id");

enum db_status db_servicing_get(struct db_conn *c, const char *host, struct db_servicing_view *out)
{
    const char *p[] = {host};
    PGresult *r;
    memset(out, 0, sizeof(*out));
    enum db_status st = db_exec(c, &db_servicing_get_q, 1, p, &r);
    if (st != DB_OK)
        return st;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return DB_NOT_FOUND;
    }
    out->servicing = atoi(PQgetvalue(r, 0, 0));
    snprintf(out->changed_at, sizeof(out->changed_at), "%s", PQgetvalue(r, 0, 1));
    PQclear(r);
    st = db_exec(c, &db_servicing_get_nics_q, 1, p, &r);
    if (st != DB_OK)
        return st;
    out->nnics = (size_t)PQntuples(r);
    out->nics = util_xcalloc(out->nnics ? out->nnics : 1, sizeof(*out->nics));
    for (size_t i = 0; i < out->nnics; i++) {
        struct db_servicing_nic *n = &out->nics[i];
        snprintf(n->nic_id, sizeof(n->nic_id), "%s", PQgetvalue(r, (int)i, 0));
        snprintf(n->name, sizeof(n->name), "%s", PQgetvalue(r, (int)i, 1));
        snprintf(n->state, sizeof(n->state), "%s", PQgetvalue(r, (int)i, 2));
        snprintf(n->changed_at, sizeof(n->changed_at), "%s", PQgetvalue(r, (int)i, 3));
    }
    PQclear(r);
    return DB_OK;
}

void db_servicing_view_free(struct db_servicing_view *v)
{
    free(v->nics);
    memset(v, 0, sizeof(*v));
}
