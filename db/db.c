#include "db/db.h"

#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/util.h"

/* Upper bound on distinct statements in the program; checked at first use. */
#define DB_MAX_STMTS   1024
#define DB_TX_ATTEMPTS 5
/* After a failed reconnect, a connection waits this long before the next try,
 * so that an outage does not turn every request into a connect attempt. */
#define DB_RECONNECT_GAP 250

struct db_conn {
    PGconn *pg;
    int in_use;
    int in_tx;
    uint64_t next_connect_ms;
    unsigned char prepared[DB_MAX_STMTS];
    char last_error[512];
};

struct db_pool {
    char *conninfo;
    unsigned size;
    unsigned acquire_timeout_ms;
    char statement_timeout[16];
    struct db_conn *conns;
    pthread_mutex_t lock;
    pthread_cond_t freed;
    unsigned in_use, waiting;
    unsigned long long acquired_total, timeouts_total, resets_total;
};

static pthread_mutex_t db_slot_lock = PTHREAD_MUTEX_INITIALIZER;
static int db_slot_next;

const char *db_status_name(enum db_status st)
{
    static const char *const names[] = {"ok",    "not found",   "conflict",
                                        "retry", "unavailable", "error"};
    return (unsigned)st < sizeof(names) / sizeof(names[0]) ? names[st] : "?";
}

struct db_pool *db_pool_new(const char *conninfo, unsigned size, unsigned acquire_timeout_ms,
                            unsigned statement_timeout_ms)
{
    struct db_pool *p = util_xcalloc(1, sizeof(*p));
    pthread_condattr_t ca;
    p->conninfo = util_xstrdup(conninfo);
    p->size = size ? size : 1;
    p->acquire_timeout_ms = acquire_timeout_ms;
    snprintf(p->statement_timeout, sizeof(p->statement_timeout), "%u", statement_timeout_ms);
    p->conns = util_xcalloc(p->size, sizeof(*p->conns));
    pthread_mutex_init(&p->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->freed, &ca);
    pthread_condattr_destroy(&ca);
    return p;
}

void db_pool_free(struct db_pool *p)
{
    if (!p)
        return;
    for (unsigned i = 0; i < p->size; i++)
        if (p->conns[i].pg)
            PQfinish(p->conns[i].pg);
    pthread_cond_destroy(&p->freed);
    pthread_mutex_destroy(&p->lock);
    free(p->conns);
    free(p->conninfo);
    free(p);
}

void db_pool_stats(struct db_pool *p, struct db_pool_stats *out)
{
    pthread_mutex_lock(&p->lock);
    out->size = p->size;
    out->in_use = p->in_use;
    out->waiting = p->waiting;
    out->acquired_total = p->acquired_total;
    out->timeouts_total = p->timeouts_total;
    out->resets_total = p->resets_total;
    pthread_mutex_unlock(&p->lock);
}

static void db_note_error(struct db_conn *c, const char *msg)
{
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        n--;
    if (n >= sizeof(c->last_error))
        n = sizeof(c->last_error) - 1;
    memcpy(c->last_error, msg, n);
    c->last_error[n] = '\0';
}

static void db_notice(void *arg, const char *message)
{
    size_t n = strlen(message);
    (void)arg;
    while (n && message[n - 1] == '\n')
        n--;
    log_debug("postgresql: %.*s", (int)n, message);
}

void db_quiet_notices(PGconn *pg)
{
    if (pg)
        PQsetNoticeProcessor(pg, db_notice, NULL);
}

/* Opens (or reopens) the connection. The caller holds it exclusively. */
static int db_conn_open(struct db_pool *p, struct db_conn *c)
{
    /* Our settings come first so that the conninfo's own win. */
    char options[64];
    snprintf(options, sizeof(options), "-c statement_timeout=%s", p->statement_timeout);
    const char *const keys[] = {"connect_timeout", "application_name", "options", "dbname", NULL};
    const char *const vals[] = {"3", "accelnetd", options, p->conninfo, NULL};
    uint64_t now = util_now_ms();

    if (now < c->next_connect_ms)
        return -1;
    if (c->pg)
        PQfinish(c->pg);
    memset(c->prepared, 0, sizeof(c->prepared));
    c->pg = PQconnectdbParams(keys, vals, 1);
    if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
        db_note_error(c, c->pg ? PQerrorMessage(c->pg) : "out of memory");
        log_warn("database connection failed: %s", c->last_error);
        c->next_connect_ms = now + DB_RECONNECT_GAP;
        return -1;
    }
    c->next_connect_ms = 0;
    db_quiet_notices(c->pg);
    pthread_mutex_lock(&p->lock);
    p->resets_total++;
    pthread_mutex_unlock(&p->lock);
    return 0;
}

/* A connection whose server went away (restart, crash) learns it here, before
 * a statement is sent on it, rather than by failing the statement. */
static int db_conn_check(struct db_pool *p, struct db_conn *c)
{
    if (c->pg && PQstatus(c->pg) == CONNECTION_OK && PQconsumeInput(c->pg) == 1 &&
        PQstatus(c->pg) == CONNECTION_OK && PQtransactionStatus(c->pg) == PQTRANS_IDLE)
        return 0;
    return db_conn_open(p, c);
}

enum db_status db_acquire(struct db_pool *p, struct db_conn **out)
{
    struct timespec deadline;
    struct db_conn *c = NULL;

    *out = NULL;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += p->acquire_timeout_ms / 1000;
    deadline.tv_nsec += (long)(p->acquire_timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }

    pthread_mutex_lock(&p->lock);
    for (;;) {
        /* Prefer a connection that is already open. */
        for (unsigned i = 0; i < p->size && !c; i++)
            if (!p->conns[i].in_use && p->conns[i].pg)
                c = &p->conns[i];
        for (unsigned i = 0; i < p->size && !c; i++)
            if (!p->conns[i].in_use)
                c = &p->conns[i];
        if (c)
            break;
        p->waiting++;
        int rc = pthread_cond_timedwait(&p->freed, &p->lock, &deadline);
        p->waiting--;
        if (rc == ETIMEDOUT) {
            p->timeouts_total++;
            pthread_mutex_unlock(&p->lock);
            log_warn("database pool exhausted (%u connections busy)", p->size);
            return DB_UNAVAILABLE;
        }
    }
    c->in_use = 1;
    p->in_use++;
    p->acquired_total++;
    pthread_mutex_unlock(&p->lock);

    if (db_conn_check(p, c) != 0) {
        db_release(p, c);
        return DB_UNAVAILABLE;
    }
    c->in_tx = 0;
    *out = c;
    return DB_OK;
}

void db_release(struct db_pool *p, struct db_conn *c)
{
    if (!c)
        return;
    /* Never hand out a connection in the middle of a transaction. */
    if (c->pg && PQstatus(c->pg) == CONNECTION_OK && PQtransactionStatus(c->pg) != PQTRANS_IDLE) {
        PGresult *r = PQexec(c->pg, "ROLLBACK");
        PQclear(r);
    }
    pthread_mutex_lock(&p->lock);
    c->in_use = 0;
    c->in_tx = 0;
    p->in_use--;
    pthread_cond_signal(&p->freed);
    pthread_mutex_unlock(&p->lock);
}

static enum db_status db_classify(struct db_conn *c, PGresult *res)
{
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return DB_OK;
    db_note_error(c, res ? PQresultErrorMessage(res) : PQerrorMessage(c->pg));
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (PQstatus(c->pg) != CONNECTION_OK)
        return DB_UNAVAILABLE;
    if (state) {
        if (strncmp(state, "23", 2) == 0)
            return DB_CONFLICT;
        if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
            return DB_RETRY;
        if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0)
            return DB_UNAVAILABLE;
    }
    return DB_ERROR;
}

static int db_stmt_slot(struct db_stmt *stmt)
{
    int slot = __atomic_load_n(&stmt->slot, __ATOMIC_ACQUIRE);
    if (slot >= 0)
        return slot;
    pthread_mutex_lock(&db_slot_lock);
    if (stmt->slot < 0) {
        if (db_slot_next >= DB_MAX_STMTS) {
            pthread_mutex_unlock(&db_slot_lock);
            log_error("too many prepared statements (raise DB_MAX_STMTS)");
            abort();
        }
        __atomic_store_n(&stmt->slot, db_slot_next++, __ATOMIC_RELEASE);
    }
    slot = stmt->slot;
    pthread_mutex_unlock(&db_slot_lock);
    return slot;
}

enum db_status db_exec(struct db_conn *c, struct db_stmt *stmt, int nparams,
                       const char *const *params, PGresult **out)
{
    char name[16];
    enum db_status st;
    int slot = db_stmt_slot(stmt);

    if (out)
        *out = NULL;
    snprintf(name, sizeof(name), "s%d", slot);
    if (!c->prepared[slot]) {
        PGresult *r = PQprepare(c->pg, name, stmt->sql, 0, NULL);
        st = db_classify(c, r);
        PQclear(r);
        if (st != DB_OK) {
            log_error("prepare %s failed: %s", stmt->name, c->last_error);
            return st;
        }
        c->prepared[slot] = 1;
    }
    PGresult *res = PQexecPrepared(c->pg, name, nparams, params, NULL, NULL, 0);
    st = db_classify(c, res);
    if (st == DB_OK && out) {
        *out = res;
        return DB_OK;
    }
    if (st != DB_OK && st != DB_CONFLICT && st != DB_RETRY)
        log_error("query %s failed: %s", stmt->name, c->last_error);
    PQclear(res);
    return st;
}

enum db_status db_exec_simple(struct db_conn *c, const char *sql)
{
    PGresult *res = PQexec(c->pg, sql);
    enum db_status st = db_classify(c, res);
    PQclear(res);
    return st;
}

enum db_status db_tx(struct db_pool *p, db_tx_fn fn, void *arg)
{
    struct db_conn *c;
    enum db_status st = db_acquire(p, &c);
    if (st != DB_OK)
        return st;
    for (int attempt = 1;; attempt++) {
        st = db_exec_simple(c, "BEGIN");
        if (st == DB_OK) {
            c->in_tx = 1;
            st = fn(c, arg);
            if (st == DB_OK)
                st = db_exec_simple(c, "COMMIT");
            else
                (void)db_exec_simple(c, "ROLLBACK");
            c->in_tx = 0;
        }
        if (st != DB_RETRY || attempt == DB_TX_ATTEMPTS)
            break;
        /* Back off a little, with jitter, before the next attempt. */
        struct timespec ts = {0, (long)(1 + (util_now_ns() % 10)) * attempt * 1000000L};
        nanosleep(&ts, NULL);
    }
    db_release(p, c);
    return st;
}

DB_STMT(db_lock_key_q, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))");

enum db_status db_lock_key(struct db_conn *c, const char *key)
{
    const char *params[] = {key};
    return db_exec(c, &db_lock_key_q, 1, params, NULL);
}

const char *db_last_error(struct db_conn *c)
{
    return c->last_error;
}

PGconn *db_pgconn(struct db_conn *c)
{
    return c->pg;
}
