#include "db/outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

DB_STMT(db_outbox_insert_q,
        "INSERT INTO outbox (id, subscription_id, url, event_type, payload, expires_at)"
        " VALUES ($1::uuid, $2::uuid, $3, $4, $5::jsonb,"
        " now() + make_interval(secs => $6::double precision))");

enum db_status db_outbox_insert(struct db_conn *c, const char *id, const char *subscription_id,
                                const char *url, const char *event_type, const json_t *payload,
                                unsigned expiry_s)
{
    char expiry[24];
    char *text = json_dumps(payload, JSON_COMPACT);
    if (!text)
        return DB_ERROR;
    snprintf(expiry, sizeof(expiry), "%u", expiry_s);
    const char *params[] = {id, subscription_id, url, event_type, text, expiry};
    enum db_status st = db_exec(c, &db_outbox_insert_q, 6, params, NULL);
    free(text);
    return st;
}

void db_outbox_item_free(struct db_outbox_item *it)
{
    free(it->url);
    free(it->payload);
    it->url = it->payload = NULL;
}

/* One statement, so no transaction is held while the event is being sent:
 * the lease, not a lock, keeps other daemons off the row meanwhile. */
DB_STMT(db_outbox_claim_q,
        "UPDATE outbox SET leased_until = now() + make_interval(secs => $2::double precision),"
        " lease_owner = $1, last_attempt_at = now()"
        " WHERE id = (SELECT id FROM outbox WHERE delivered_at IS NULL AND expired_at IS NULL"
        " AND next_attempt_at <= now() AND expires_at > now()"
        " AND (leased_until IS NULL OR leased_until < now())"
        " ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED)"
        " RETURNING id::text, event_type, attempts, url, payload::text");

enum db_status db_outbox_claim(struct db_conn *c, const char *owner, unsigned lease_s,
                               struct db_outbox_item *out)
{
    char lease[24];
    PGresult *r;
    snprintf(lease, sizeof(lease), "%u", lease_s);
    const char *params[] = {owner, lease};
    enum db_status st = db_exec(c, &db_outbox_claim_q, 2, params, &r);
    if (st != DB_OK)
        return st;
    if (PQntuples(r) == 1) {
        memset(out, 0, sizeof(*out));
        snprintf(out->id, sizeof(out->id), "%s", PQgetvalue(r, 0, 0));
        snprintf(out->event_type, sizeof(out->event_type), "%s", PQgetvalue(r, 0, 1));
        out->attempts = atoi(PQgetvalue(r, 0, 2));
        out->url = util_xstrdup(PQgetvalue(r, 0, 3));
        out->payload = util_xstrdup(PQgetvalue(r, 0, 4));
    } else {
        st = DB_NOT_FOUND;
    }
    PQclear(r);
    return st;
}

/* Whoever holds the lease now: the receiver has the event either way. */
DB_STMT(db_outbox_delivered_q,
        "UPDATE outbox SET delivered_at = now(), attempts = attempts + 1, leased_until = NULL,"
        " last_error = NULL WHERE id = $1::uuid AND delivered_at IS NULL");

enum db_status db_outbox_delivered(struct db_conn *c, const char *id)
{
    const char *params[] = {id};
    return db_exec(c, &db_outbox_delivered_q, 1, params, NULL);
}

DB_STMT(db_outbox_failed_q,
        "UPDATE outbox SET attempts = attempts + 1, last_error = $3, leased_until = NULL,"
        " next_attempt_at = now() + make_interval(secs => $4::double precision / 1000),"
        " expired_at = CASE WHEN now() + make_interval(secs => $4::double precision / 1000)"
        " >= expires_at THEN now() END"
        " WHERE id = $1::uuid AND lease_owner = $2 AND delivered_at IS NULL"
        " AND expired_at IS NULL RETURNING expired_at IS NOT NULL");

enum db_status db_outbox_failed(struct db_conn *c, const char *id, const char *owner,
                                const char *error, unsigned long delay_ms, int *expired)
{
    char delay[24];
    PGresult *r;
    snprintf(delay, sizeof(delay), "%lu", delay_ms);
    const char *params[] = {id, owner, error, delay};
    enum db_status st = db_exec(c, &db_outbox_failed_q, 4, params, &r);
    *expired = 0;
    if (st != DB_OK)
        return st;
    if (PQntuples(r) == 1)
        *expired = PQgetvalue(r, 0, 0)[0] == 't';
    else
        st = DB_NOT_FOUND;
    PQclear(r);
    return st;
}

DB_STMT(db_outbox_release_q, "UPDATE outbox SET leased_until = NULL"
                             " WHERE id = $1::uuid AND lease_owner = $2 AND delivered_at IS NULL");

enum db_status db_outbox_release(struct db_conn *c, const char *id, const char *owner)
{
    const char *params[] = {id, owner};
    return db_exec(c, &db_outbox_release_q, 2, params, NULL);
}

DB_STMT(db_outbox_expire_overdue_q,
        "UPDATE outbox SET expired_at = now(), leased_until = NULL"
        " WHERE delivered_at IS NULL AND expired_at IS NULL AND expires_at <= now()"
        " AND (leased_until IS NULL OR leased_until < now())");

enum db_status db_outbox_expire_overdue(struct db_conn *c, long *n)
{
    PGresult *r;
    enum db_status st = db_exec(c, &db_outbox_expire_overdue_q, 0, NULL, &r);
    *n = 0;
    if (st != DB_OK)
        return st;
    *n = atol(PQcmdTuples(r));
    PQclear(r);
    return DB_OK;
}
