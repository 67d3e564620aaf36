/* servicing (db) — host servicing: the hosts' flag and their NICs'
 * accelerated state (Active / Fallback). */
#ifndef ACCELNET_DB_SERVICING_H
#define ACCELNET_DB_SERVICING_H

#include "db/db.h"

/* Sets the host's servicing flag (when it changes, with the time) and the
 * state of every NIC with a VF there: Fallback when on, Active when off.
 * *changed: how many NICs changed state. DB_NOT_FOUND: no such host. */
enum db_status db_servicing_set(struct db_conn *c, const char *host, int on, long *changed);

struct db_servicing_nic {
    char nic_id[37];
    char name[81];
    char state[12];
    char changed_at[40];
};
struct db_servicing_view {
    int servicing;
    char changed_at[40]; /* "" when never */
    struct db_servicing_nic *nics;
    size_t nnics;
};
/* DB_NOT_FOUND: no such host. */
enum db_status db_servicing_get(struct db_conn *c, const char *host, struct db_servicing_view *out);
void db_servicing_view_free(struct db_servicing_view *v);

#endif
