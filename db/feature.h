/* feature — preview features (Microsoft.Features) and their registrations. */
#ifndef ACCELNET_DB_FEATURE_H
#define ACCELNET_DB_FEATURE_H

#include <stddef.h>

#include "db/db.h"

#define FEATURE_AN_NAMESPACE "Microsoft.Network"
#define FEATURE_AN_NAME      "AllowAcceleratedNetworkingFeature"

/* A subscription's registration state for a feature: "NotRegistered" when it
 * never asked, else "Pending", "Registered", "Rejected", "Unregistering" or
 * "Unregistered". Namespace and feature match case-insensitively. */
enum db_status db_feature_state(struct db_conn *c, const char *sub, const char *ns,
                                const char *feature, char state[16]);

/* A feature definition (a row of `features`). */
struct db_feature {
    char namespace_[129];
    char name[129];
    char approval_type[17]; /* "ApprovalRequired" | "AutoApproval" */
    char created_at[40];
    char updated_at[40];
    char *description; /* owned */
};
void db_feature_free(struct db_feature *f);

/* The feature, matched case-insensitively; out holds its canonical case.
 * DB_NOT_FOUND when there is none. */
enum db_status db_feature_get(struct db_conn *c, const char *ns, const char *name,
                              struct db_feature *out);
/* 1 in *known when some feature lives in namespace ns (case-insensitive),
 * and its canonical spelling in canon. */
enum db_status db_feature_namespace_known(struct db_conn *c, const char *ns, int *known,
                                          char canon[129]);
/* Defines a feature or changes an existing one (matched case-insensitively;
 * the stored spelling stays). description NULL keeps the current one (empty
 * for a new feature). *created says which. DB_RETRY when a concurrent
 * definition of the same name in another case won the race. */
enum db_status db_feature_upsert(struct db_conn *c, const char *ns, const char *name,
                                 const char *approval_type, const char *description, int *created,
                                 struct db_feature *out);
/* Ordered by (lower(namespace), lower(name)); only namespace ns when not
 * NULL; after the key "ns/name" (lower case) when after is not NULL. */
enum db_status db_feature_list(struct db_conn *c, const char *ns, const char *after, long limit,
                               struct db_feature **items, size_t *n);

/* A subscription's registration for a feature. A feature the subscription
 * never registered for has no row (state NotRegistered). */
struct db_feature_reg {
    char subscription_id[37];
    char namespace_[129];
    char feature[129];
    char state[16];
    char requested_at[40];
    char updated_at[40];
    char decided_by[37]; /* "" when none */
    char decided_at[40]; /* "" when none */
    char *intended_use;  /* owned */
    char *reason;        /* owned; NULL when none */
};
void db_feature_reg_free(struct db_feature_reg *r);

/* The registration of (sub, ns, name), canonical names; locked FOR UPDATE
 * when lock (inside a transaction). DB_NOT_FOUND when there is none. */
enum db_status db_feature_reg_get(struct db_conn *c, const char *sub, const char *ns,
                                  const char *name, int lock, struct db_feature_reg *out);
/* Inserts a new registration in `state` (Pending, or Registered for an
 * automatically approved feature: decided_at is then set). DB_CONFLICT when
 * one exists already. */
enum db_status db_feature_reg_insert(struct db_conn *c, const char *sub, const char *ns,
                                     const char *name, const char *state, const char *intended_use,
                                     struct db_feature_reg *out);
/* A new request on an existing row (after Rejected or Unregistered): the
 * previous decision is cleared, as for a new row. */
enum db_status db_feature_reg_rerequest(struct db_conn *c, const char *sub, const char *ns,
                                        const char *name, const char *state,
                                        const char *intended_use, struct db_feature_reg *out);
/* Moves the registration from one of the states in from_states (a
 * PostgreSQL array literal such as "{Pending,Registered}") to `to`. With
 * decided_by set, records the decision (who, now, reason). DB_NOT_FOUND when
 * there is no row in one of those states (the caller reads the current state
 * to tell the client). */
enum db_status db_feature_reg_transition(struct db_conn *c, const char *sub, const char *ns,
                                         const char *name, const char *from_states, const char *to,
                                         const char *decided_by, const char *reason,
                                         struct db_feature_reg *out);
/* Every registration, optionally only those in `state`, ordered by
 * (subscription, lower(namespace), lower(feature)), after the key
 * "sub/ns/name" (lower case) when after is not NULL. */
enum db_status db_feature_reg_list(struct db_conn *c, const char *state, const char *after,
                                   long limit, struct db_feature_reg **items, size_t *n);

/* For a subscription's feature lists: every feature (of namespace ns when
 * not NULL) with the subscription's state, "NotRegistered" where there is no
 * registration. Same order and keys as db_feature_list. */
struct db_feature_sub_state {
    char namespace_[129];
    char name[129];
    char state[16];
    char *reason; /* owned; NULL unless Rejected */
};
void db_feature_sub_state_free(struct db_feature_sub_state *s);
enum db_status db_feature_list_for_subscription(struct db_conn *c, const char *sub, const char *ns,
                                                const char *after, long limit,
                                                struct db_feature_sub_state **items, size_t *n);

#endif
