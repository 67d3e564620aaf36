/* subscription — tenants. */
#ifndef ACCELNET_DB_SUBSCRIPTION_H
#define ACCELNET_DB_SUBSCRIPTION_H

#include <stddef.h>

#include "db/db.h"

struct db_subscription {
    char id[37];
    char state[9]; /* "Enabled" | "Disabled" */
    char created_at[40];
    char updated_at[40];
    char *display_name;    /* owned */
    char *contact_webhook; /* owned, NULL when none */
};
void db_subscription_free(struct db_subscription *s);

/* Creates or replaces; *created says which. */
enum db_status db_subscription_upsert(struct db_conn *c, const char *id, const char *display_name,
                                      const char *contact_webhook, int *created,
                                      struct db_subscription *out);
enum db_status db_subscription_get(struct db_conn *c, const char *id, struct db_subscription *out);
/* Ordered by id, after `after` (NULL = from the start), at most limit. */
enum db_status db_subscription_list(struct db_conn *c, const char *after, long limit,
                                    struct db_subscription **items, size_t *n);
enum db_status db_subscription_set_state(struct db_conn *c, const char *id, const char *state,
                                         struct db_subscription *out);
/* Only the state ("Enabled"/"Disabled"), for the request pipeline. */
enum db_status db_subscription_state(struct db_conn *c, const char *id, char state[9]);

#endif
