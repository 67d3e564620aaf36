/* token — bearer tokens in the database (only their hashes). */
#ifndef ACCELNET_DB_TOKEN_H
#define ACCELNET_DB_TOKEN_H

#include "db/db.h"

struct db_token {
    char id[37];
    char role[8];
    char subscription_id[37]; /* "" unless role is user */
    char hash[65];
    char created_at[40];
    int bootstrap;
    char *description;  /* owned */
    char host_name[64]; /* "" unless an agent token bound to one host (lower case) */
};
void db_token_free(struct db_token *t);

/* DB_NOT_FOUND when no live token has this hash. */
enum db_status db_token_find_by_hash(struct db_conn *c, const char *hash, struct db_token *out);
enum db_status db_token_get(struct db_conn *c, const char *id, struct db_token *out);
/* Fills out (id, created_at) from the new row. host_name: NULL for a token
 * not bound to a host (the only choice unless role is agent), else a lower-case
 * host name. */
enum db_status db_token_insert(struct db_conn *c, const char *id, const char *role,
                               const char *subscription_id, const char *hash,
                               const char *description, const char *host_name,
                               struct db_token *out);
/* Live admin and agent tokens, oldest first. *items
 * is an array of *n tokens; free each, then the array. */
enum db_status db_token_list_admin(struct db_conn *c, struct db_token **items, size_t *n);
/* Live tokens of one subscription, oldest first. */
enum db_status db_token_list_subscription(struct db_conn *c, const char *sub,
                                          struct db_token **items, size_t *n);
/* Revokes a token only if it belongs to subscription sub (DB_NOT_FOUND otherwise). */
enum db_status db_token_revoke_in_subscription(struct db_conn *c, const char *sub, const char *id);
/* Revokes an admin or agent token at once (the row stays, for the record).
 * DB_NOT_FOUND when there was no such live token; subscription tokens are
 * revoked under their subscription. */
enum db_status db_token_revoke(struct db_conn *c, const char *id);

/* Makes hash the bootstrap admin token (creating or replacing it). */
enum db_status db_token_bootstrap_set(struct db_conn *c, const char *id, const char *hash);
/* Creates the bootstrap token only if there is none: DB_OK when this call
 * created it, DB_CONFLICT when one already existed. */
enum db_status db_token_bootstrap_create(struct db_conn *c, const char *id, const char *hash);

#endif
