#include "db/feature.h"

#include <stdio.h>

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
