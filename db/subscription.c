#include "db/subscription.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#define SUB_COLUMNS                                                                 \
    "id::text, state, "                                                             \
    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), " \
    "to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), " \
    "display_name, contact_webhook"

void db_subscription_free(struct db_subscription *s)
{
    free(s->display_name);
    free(s->contact_webhook);
    s->display_name = s->contact_webhook = NULL;
}

static void db_subscription_row(PGresult *r, int row, struct db_subscription *s)
{
    memset(s, 0, sizeof(*s));
    snprintf(s->id, sizeof(s->id), "%s", PQgetvalue(r, row, 0));
    snprintf(s->state, sizeof(s->state), "%s", PQgetvalue(r, row, 1));
    snprintf(s->created_at, sizeof(s->created_at), "%s", PQgetvalue(r, row, 2));
    snprintf(s->updated_at, sizeof(s->updated_at), "%s", PQgetvalue(r, row, 3));
    s->display_name = util_xstrdup(PQgetvalue(r, row, 4));
    s->contact_webhook = PQgetisnull(r, row, 5) ? NULL : util_xstrdup(PQgetvalue(r, row, 5));
}

static enum db_status db_subscription_one(struct db_conn *c, struct db_stmt *stmt, int nparams,
                                          const char *const *params, struct db_subscription *out,
                                          int *flag)
{
    PGresult *r;
    enum db_status st = db_exec(c, stmt, nparams, params, &r);
    if (st != DB_OK)
        return st;
    if (PQntuples(r) == 1) {
        db_subscription_row(r, 0, out);
        if (flag)
            *flag = PQgetvalue(r, 0, 6)[0] == 't';
    } else {
        st = DB_NOT_FOUND;
    }
    PQclear(r);
    return st;
}

DB_STMT(db_subscription_upsert_q,
        "INSERT INTO subscriptions (id, display_name, contact_webhook) VALUES ($1::uuid, $2, $3)"
        " ON CONFLICT (id) DO UPDATE SET display_name = EXCLUDED.display_name,"
        " contact_webhook = EXCLUDED.contact_webhook, updated_at = now()"
        " RETURNING " SUB_COLUMNS ", (xmax = 0)");

enum db_status db_subscription_upsert(struct db_conn *c, const char *id, const char *display_name,
                                      const char *contact_webhook, int *created,
                                      struct db_subscription *out)
{
    const char *params[] = {id, display_name, contact_webhook};
    return db_subscription_one(c, &db_subscription_upsert_q, 3, params, out, created);
}

DB_STMT(db_subscription_get_q, "SELECT " SUB_COLUMNS " FROM subscriptions WHERE id = $1::uuid");

enum db_status db_subscription_get(struct db_conn *c, const char *id, struct db_subscription *out)
{
    const char *params[] = {id};
    return db_subscription_one(c, &db_subscription_get_q, 1, params, out, NULL);
}

DB_STMT(db_subscription_list_q, "SELECT " SUB_COLUMNS " FROM subscriptions"
                                " WHERE $1::uuid IS NULL OR id > $1::uuid ORDER BY id LIMIT $2");

enum db_status db_subscription_list(struct db_conn *c, const char *after, long limit,
                                    struct db_subscription **items, size_t *n)
{
    char lim[24];
    PGresult *r;
    snprintf(lim, sizeof(lim), "%ld", limit);
    const char *params[] = {after, lim};
    enum db_status st = db_exec(c, &db_subscription_list_q, 2, params, &r);
    *items = NULL;
    *n = 0;
    if (st != DB_OK)
        return st;
    *n = (size_t)PQntuples(r);
    *items = util_xcalloc(*n, sizeof(**items));
    for (size_t i = 0; i < *n; i++)
        db_subscription_row(r, (int)i, &(*items)[i]);
    PQclear(r);
    return DB_OK;
}

DB_STMT(db_subscription_set_state_q,
        "UPDATE subscriptions SET state = $2, updated_at = CASE WHEN state = $2 THEN updated_at"
        " ELSE now() END WHERE id = $1::uuid RETURNING " SUB_COLUMNS);

enum db_status db_subscription_set_state(struct db_conn *c, const char *id, const char *state,
                                         struct db_subscription *out)
{
    const char *params[] = {id, state};
    return db_subscription_one(c, &db_subscription_set_state_q, 2, params, out, NULL);
}

DB_STMT(db_subscription_state_q, "SELECT state FROM subscriptions WHERE id = $1::uuid");

enum db_status db_subscription_state(struct db_conn *c, const char *id, char state[9])
{
    const char *params[] = {id};
    PGresult *r;
    enum db_status st = db_exec(c, &db_subscription_state_q, 1, params, &r);
    if (st != DB_OK)
        return st;
    if (PQntuples(r) == 1)
        snprintf(state, 9, "%s", PQgetvalue(r, 0, 0));
    else
        st = DB_NOT_FOUND;
    PQclear(r);
    return st;
}
