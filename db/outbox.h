/* outbox — webhook events waiting to be delivered. A row is written in the
 * transaction of the change it reports (db_outbox_insert) and delivered by
 * the worker in service/outbox.c, at least once, with its id as the event id
 * so that a receiver can drop repeats. Several daemons may share the table:
 * a row is claimed with FOR UPDATE SKIP LOCKED and a lease that runs out if
 * its claimer dies. */
#ifndef ACCELNET_DB_OUTBOX_H
#define ACCELNET_DB_OUTBOX_H

#include <jansson.h>

#include "db/db.h"

/* Queues event `payload` (borrowed) for url; it is given up expiry_s seconds
 * from now if not delivered by then. */
enum db_status db_outbox_insert(struct db_conn *c, const char *id, const char *subscription_id,
                                const char *url, const char *event_type, const json_t *payload,
                                unsigned expiry_s);

struct db_outbox_item {
    char id[37];
    char event_type[128];
    int attempts;  /* attempts made before this one */
    char *url;     /* owned */
    char *payload; /* owned, JSON text */
};
void db_outbox_item_free(struct db_outbox_item *it);

/* Claims the row that is due first (not delivered, not given up, not leased
 * by a live claimer) for owner, for lease_s seconds. DB_NOT_FOUND when none
 * is due. */
enum db_status db_outbox_claim(struct db_conn *c, const char *owner, unsigned lease_s,
                               struct db_outbox_item *out);
/* The attempt succeeded. */
enum db_status db_outbox_delivered(struct db_conn *c, const char *id);
/* The attempt failed with `error`: the next one is delay_ms from now, unless
 * that is past the row's expiry, when the row is given up (*expired = 1).
 * DB_NOT_FOUND when owner no longer holds the lease. */
enum db_status db_outbox_failed(struct db_conn *c, const char *id, const char *owner,
                                const char *error, unsigned long delay_ms, int *expired);
/* Gives the lease back without counting an attempt (shutdown mid-delivery). */
enum db_status db_outbox_release(struct db_conn *c, const char *id, const char *owner);
/* Gives up the rows whose expiry passed while nobody held them (a daemon
 * that was down, say); *n is how many. */
enum db_status db_outbox_expire_overdue(struct db_conn *c, long *n);

#endif
