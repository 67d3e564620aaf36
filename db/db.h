/* db — the PostgreSQL connection pool and the one way queries are run.
 *
 * Every query is a `struct db_stmt` declared next to the function that runs it
 * (DB_STMT), prepared once per connection on first use and run with text
 * parameters; nothing is ever spliced into SQL. A connection that lost its
 * server is reset on its next use, so the daemon rides out a PostgreSQL
 * restart: requests during the outage get DB_UNAVAILABLE (→ 503), the first
 * ones after it succeed. */
#ifndef ACCELNET_DB_DB_H
#define ACCELNET_DB_DB_H

#include <libpq-fe.h>

enum db_status {
    DB_OK = 0,
    DB_NOT_FOUND,   /* no row where one was expected */
    DB_CONFLICT,    /* a constraint said no (unique, foreign key, check) */
    DB_RETRY,       /* serialization failure or deadlock: run the transaction again */
    DB_UNAVAILABLE, /* no connection to the server, or the pool is exhausted */
    DB_ERROR,       /* anything else: a bug or a broken schema */
};
const char *db_status_name(enum db_status st);

struct db_stmt {
    const char *name; /* the prepared statement's name: the variable's */
    const char *sql;
    int slot; /* assigned on first use; index into each connection's "prepared" bitmap */
};
#define DB_STMT(var, text) static struct db_stmt var = {#var, text, -1}

struct db_pool;
struct db_conn;

struct db_pool_stats {
    unsigned size, in_use, waiting;
    unsigned long long acquired_total, timeouts_total, resets_total;
};

/* conninfo: a libpq connection string or URI. Connections open lazily.
 * statement_timeout_ms (0 = none) bounds every statement, so that a request
 * stuck behind a lock cannot hold a connection and a thread forever. */
struct db_pool *db_pool_new(const char *conninfo, unsigned size, unsigned acquire_timeout_ms,
                            unsigned statement_timeout_ms);
void db_pool_free(struct db_pool *pool);
void db_pool_stats(struct db_pool *pool, struct db_pool_stats *out);

/* Takes a connection (waiting up to the pool's timeout); DB_UNAVAILABLE when
 * none could be had or the server cannot be reached. */
enum db_status db_acquire(struct db_pool *pool, struct db_conn **out);
void db_release(struct db_pool *pool, struct db_conn *conn);

/* Runs stmt with nparams text parameters (NULL = SQL NULL). On DB_OK and
 * out != NULL, *out is the result (the caller PQclear()s it); otherwise *out
 * is NULL. A statement with no rows is still DB_OK: callers decide what
 * "not found" means. */
enum db_status db_exec(struct db_conn *conn, struct db_stmt *stmt, int nparams,
                       const char *const *params, PGresult **out);
/* Runs literal SQL with no parameters (BEGIN, COMMIT, migrations). */
enum db_status db_exec_simple(struct db_conn *conn, const char *sql);

/* A transaction: fn runs between BEGIN and COMMIT and is run again (up to a
 * few times) when PostgreSQL reports a serialization failure or deadlock, so
 * fn must only touch the database and its own arg. Anything but DB_OK rolls
 * back. */
typedef enum db_status (*db_tx_fn)(struct db_conn *conn, void *arg);
enum db_status db_tx(struct db_pool *pool, db_tx_fn fn, void *arg);

/* Takes a transaction-scoped advisory lock on key (any text, e.g. a resource
 * id in lower case): writers of one resource queue up behind each other until
 * the transaction ends, so read-check-write sequences (ETag preconditions,
 * create-or-replace) are atomic even for a resource that does not exist yet. */
enum db_status db_lock_key(struct db_conn *conn, const char *key);

/* Routes the server's notices (NOTICE, WARNING) to the log instead of
 * stderr, where they would break the one-JSON-object-per-line format. */
void db_quiet_notices(PGconn *pg);

/* The last server error on this connection (for logs only, never clients). */
const char *db_last_error(struct db_conn *conn);
PGconn *db_pgconn(struct db_conn *conn);

#endif
