/* migrate — brings a database's schema up to date from the numbered files in
 * db/migrations/ (compiled in by scripts/embed-migrations.sh). */
#ifndef ACCELNET_DB_MIGRATE_H
#define ACCELNET_DB_MIGRATE_H

#include <stddef.h>
#include <libpq-fe.h>

struct migration {
    unsigned version;
    const char *name;
    const char *sql;
};

extern const struct migration migrate_all[];
extern const unsigned migrate_count;

/* Applies, in order, every migration not yet recorded in schema_migrations,
 * each in its own transaction, while holding a session advisory lock so that
 * daemons starting together apply each one exactly once. Returns the number
 * applied, or -1 with a message in err. */
int migrate_run(PGconn *pg, char *err, size_t errlen);

#endif
