#include "db/migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

/* pg_advisory_lock key: "acnm" — accelnet migrations. */
#define MIGRATE_LOCK_KEY "1633906285"

static int migrate_ok(PGconn *pg, PGresult *r, const char *what, char *err, size_t errlen)
{
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return 0;
    snprintf(err, errlen, "%s: %s", what, r ? PQresultErrorMessage(r) : PQerrorMessage(pg));
    size_t n = strlen(err);
    while (n && err[n - 1] == '\n')
        err[--n] = '\0';
    return -1;
}

static int migrate_simple(PGconn *pg, const char *sql, const char *what, char *err, size_t errlen)
{
    PGresult *r = PQexec(pg, sql);
    int rc = migrate_ok(pg, r, what, err, errlen);
    PQclear(r);
    return rc;
}

/* Highest version recorded, 0 for none, -1 on error. */
static long migrate_current(PGconn *pg, char *err, size_t errlen)
{
    PGresult *r = PQexec(pg, "SELECT coalesce(max(version), 0) FROM schema_migrations");
    long v = -1;
    if (migrate_ok(pg, r, "reading schema_migrations", err, errlen) == 0)
        v = strtol(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return v;
}

static int migrate_apply(PGconn *pg, const struct migration *m, char *err, size_t errlen)
{
    char version[16];
    const char *params[2] = {version, m->name};
    PGresult *r;

    snprintf(version, sizeof(version), "%u", m->version);
    if (migrate_simple(pg, "BEGIN", "BEGIN", err, errlen) != 0)
        return -1;
    if (migrate_simple(pg, m->sql, m->name, err, errlen) != 0)
        goto fail;
    r = PQexecParams(pg, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", 2, NULL,
                     params, NULL, NULL, 0);
    if (migrate_ok(pg, r, "recording migration", err, errlen) != 0) {
        PQclear(r);
        goto fail;
    }
    PQclear(r);
    if (migrate_simple(pg, "COMMIT", "COMMIT", err, errlen) != 0)
        return -1;
    log_info("applied migration %s", m->name);
    return 0;
fail:
    PQclear(PQexec(pg, "ROLLBACK"));
    return -1;
}

int migrate_run(PGconn *pg, char *err, size_t errlen)
{
    int applied = 0;
    long current;

    for (unsigned i = 1; i < migrate_count; i++) {
        if (migrate_all[i].version <= migrate_all[i - 1].version) {
            snprintf(err, errlen, "migrations out of order or duplicated at %s",
                     migrate_all[i].name);
            return -1;
        }
    }
    if (migrate_simple(pg, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", "taking migration lock",
                       err, errlen) != 0)
        return -1;
    if (migrate_simple(pg,
                       "CREATE TABLE IF NOT EXISTS schema_migrations ("
                       " version integer PRIMARY KEY,"
                       " name text NOT NULL,"
                       " applied_at timestamptz NOT NULL DEFAULT now())",
                       "creating schema_migrations", err, errlen) != 0) {
        applied = -1;
        goto unlock;
    }
    current = migrate_current(pg, err, errlen);
    if (current < 0) {
        applied = -1;
        goto unlock;
    }
    if (migrate_count && current > (long)migrate_all[migrate_count - 1].version) {
        snprintf(err, errlen,
                 "the database schema is at version %ld, newer than this accelnetd knows (%u); "
                 "run a newer accelnetd",
                 current, migrate_all[migrate_count - 1].version);
        applied = -1;
        goto unlock;
    }
    for (unsigned i = 0; i < migrate_count; i++) {
        if ((long)migrate_all[i].version <= current)
            continue;
        if (migrate_apply(pg, &migrate_all[i], err, errlen) != 0) {
            applied = -1;
            goto unlock;
        }
        applied++;
    }
unlock:
    /* The lock also goes with the session; unlocking here lets the connection
     * be reused. A failure to unlock is not worth failing start-up over. */
    PQclear(PQexec(pg, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")"));
    return applied;
}
