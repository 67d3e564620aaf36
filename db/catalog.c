#include "db/catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

void db_location_free(struct db_location *l)
{
    free(l->display_name);
    l->display_name = NULL;
}

DB_STMT(db_location_get_q,
        "SELECT name, display_name, accelerated_networking FROM locations"
        " WHERE name = lower(replace($1, ' ', '')) OR lower(display_name) = lower($1)");

enum db_status db_location_get(struct db_conn *c, const char *name, struct db_location *out)
{
    const char *params[] = {name};
    PGresult *r;
    enum db_status st = db_exec(c, &db_location_get_q, 1, params, &r);
    if (st != DB_OK)
        return st;
    if (PQntuples(r) >= 1) {
        memset(out, 0, sizeof(*out));
        snprintf(out->name, sizeof(out->name), "%s", PQgetvalue(r, 0, 0));
        out->display_name = util_xstrdup(PQgetvalue(r, 0, 1));
        out->accelerated_networking = PQgetvalue(r, 0, 2)[0] == 't';
    } else {
        st = DB_NOT_FOUND;
    }
    PQclear(r);
    return st;
}
