#include "db/audit.h"

#include <stdlib.h>

DB_STMT(db_audit_insert_q,
        "INSERT INTO audit_log (actor_token_id, subscription_id, action, details)"
        " VALUES ($1::uuid, $2::uuid, $3, coalesce($4::jsonb, '{}'))");

enum db_status db_audit_insert(struct db_conn *c, const char *actor_token_id,
                               const char *subscription_id, const char *action,
                               const json_t *details)
{
    char *text = details ? json_dumps(details, JSON_COMPACT) : NULL;
    const char *params[] = {actor_token_id && *actor_token_id ? actor_token_id : NULL,
                            subscription_id, action, text};
    enum db_status st = db_exec(c, &db_audit_insert_q, 4, params, NULL);
    free(text);
    return st;
}
