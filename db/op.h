/* op — the operations table: long-running work (VM create/delete/
 * deallocate/start, resource-group delete, VF release) as rows.
 *
 * An operation is inserted in the transaction of the resource change it
 * carries out (db_op_insert, which also NOTIFYs accelnet_ops: delivered at
 * commit). Workers (service/ops.c) claim one with FOR UPDATE SKIP LOCKED and a
 * lease held by their process; every write a worker makes afterwards starts
 * with db_op_lock_owned in the same transaction, so a worker that lost its
 * lease (its process stalled past it, another took over) changes nothing. */
#ifndef ACCELNET_DB_OP_H
#define ACCELNET_DB_OP_H

#include <jansson.h>

#include "db/db.h"

#define DB_OP_CHANNEL "accelnet_ops"

struct db_op {
    char id[37];
    char subscription_id[37];
    char location[65];
    char kind[16];
    char *resource_id;  /* owned */
    char target_id[37]; /* "" when none */
    json_t *params;     /* owned */
    char status[12];
    char step[64];
    char error_code[80]; /* "" unless Failed */
    char *error_message; /* owned; NULL unless Failed */
    int attempts;
    char start_time[40];
    char end_time[40]; /* "" while InProgress */
};
void db_op_free(struct db_op *op);

/* A new operation (status = "InProgress", or a terminal status for work that
 * needs no worker: then end_time is now). target_id may be NULL; params
 * borrowed (NULL = {}). NOTIFYs the workers. DB_CONFLICT: target_id already
 * has an operation in progress. */
enum db_status db_op_insert(struct db_conn *c, const char *id, const char *sub,
                            const char *location, const char *kind, const char *resource_id,
                            const char *target_id, const json_t *params, const char *status);

/* By id within a subscription (the status route). DB_NOT_FOUND when none. */
enum db_status db_op_get(struct db_conn *c, const char *sub, const char *id, struct db_op *out);
/* The operation in progress on target (a VM), if any: DB_NOT_FOUND when none. */
enum db_status db_op_active_for_target(struct db_conn *c, const char *target_id, struct db_op *out);
/* The rg.delete in progress for a resource id (compared case-insensitively). */
enum db_status db_op_active_for_resource(struct db_conn *c, const char *sub, const char *kind,
                                         const char *resource_id, struct db_op *out);

/* --- the workers' queries ----------------------------------------------------- */

/* Claims the oldest InProgress operation whose lease is free or ran out, for
 * owner, for lease_s seconds (attempts + 1). DB_NOT_FOUND when none is due. */
enum db_status db_op_claim(struct db_conn *c, const char *owner, unsigned lease_s,
                           struct db_op *out);
/* Extends every lease owner holds. *n: how many. */
enum db_status db_op_renew(struct db_conn *c, const char *owner, unsigned lease_s, long *n);
/* In a transaction: locks the row if owner still holds it and it is in
 * progress. DB_NOT_FOUND: the lease was lost (or the operation ended). */
enum db_status db_op_lock_owned(struct db_conn *c, const char *id, const char *owner);
/* Records a completed step. */
enum db_status db_op_set_step(struct db_conn *c, const char *id, const char *step);
/* Records why it is failing while its undo runs (read back into error_code
 * and error_message by a worker that takes it over). */
enum db_status db_op_set_error(struct db_conn *c, const char *id, const char *error_code,
                               const char *error_message);
/* Ends it: status Succeeded, Failed (with code and message) or Canceled. */
enum db_status db_op_finish(struct db_conn *c, const char *id, const char *status,
                            const char *error_code, const char *error_message);
/* Gives the lease back; the operation is due again after delay_ms (0: at
 * once, for whoever claims it next). Only if owner holds it. */
enum db_status db_op_release(struct db_conn *c, const char *id, const char *owner,
                             unsigned long delay_ms);

#endif
