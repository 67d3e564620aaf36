/* itest — helpers for the integration tests: a fresh database per test
 * binary on the throwaway PostgreSQL cluster, real accelnetd processes over
 * HTTPS, an HTTP client built on libcurl, and a step-table runner in the
 * spirit of GNU Taler's scenario tests.
 *
 * tests/run.sh sets up what these helpers need and exports it:
 *
 *   ACCELNET_TEST_BIN       directory with accelnetd and accelnet-agent (absolute)
 *   ACCELNET_TEST_PGHOST    PostgreSQL socket directory
 *   ACCELNET_TEST_PGPORT    PostgreSQL port
 *   ACCELNET_TEST_PGUSER    superuser (postgres)
 *   ACCELNET_TEST_PGDATA    directory managed by tests/pg.sh
 *   ACCELNET_TEST_PGCTL     tests/pg.sh (absolute), for stop/start
 *   ACCELNET_TEST_TLS_CERT  self-signed certificate for localhost/127.0.0.1
 *   ACCELNET_TEST_TLS_KEY   its key
 *   ACCELNET_TEST_TMP       scratch directory (daemon logs, token files)
 *   ACCELNET_TEST_CONTRACT_LOG  (optional) file every response is appended to,
 *                           one JSON line each, for the contract check against
 *                           openapi.yaml (tests/contract/validate.mjs)
 *
 * Every daemon started here is registered: it is killed when the test binary
 * exits or is interrupted, and the daemon itself gets SIGKILL if the test
 * binary dies (PR_SET_PDEATHSIG). Only PIDs started here are ever signalled.
 *
 * Functions that can fail in ways a test wants to check return a status;
 * the ones whose failure means the test cannot go on (itest_db_create) fail
 * the current cmocka test themselves. Returned strings are the caller's to
 * free() unless a comment says they are borrowed. */
#ifndef ACCELNET_TESTS_ITEST_H
#define ACCELNET_TESTS_ITEST_H

#include <stddef.h>
#include <sys/types.h>
#include <jansson.h>

/* The bootstrap admin token the daemons get unless told otherwise. */
#define ITEST_ADMIN_TOKEN "itest-admin-token-0123456789-abcdefghijklmnopqrstuvwxyz"
/* The one supported api-version, as a query string. */
#define ITEST_AV "api-version=2016-09-01"

/* --- environment ----------------------------------------------------------- */

/* The value of a required ACCELNET_TEST_* variable (borrowed); exits the test
 * binary with a message when it is missing (run the tests with tests/run.sh). */
const char *itest_env(const char *name);
/* Sleeps for ms milliseconds. */
void itest_sleep_ms(long ms);
/* Monotonic milliseconds. */
long long itest_now_ms(void);

/* --- PostgreSQL ------------------------------------------------------------ */

/* Drops (if it exists) and creates database `name` on the test cluster.
 * Returns a libpq conninfo for it ("host=... port=... user=postgres
 * dbname=..."); fails the current test on error. */
char *itest_db_create(const char *name);
/* Runs sql (may be several statements); 0, or -1 with the error printed. */
int itest_pg_exec(const char *conninfo, const char *sql);
/* The first column of the first row of sql, or NULL (no row, SQL NULL or an
 * error, which is printed). */
char *itest_pg_value(const char *conninfo, const char *sql);
/* itest_pg_value as a number; -1 when there is none. */
long long itest_pg_long(const char *conninfo, const char *sql);
/* Runs `$ACCELNET_TEST_PGCTL action $ACCELNET_TEST_PGDATA` (stop | start);
 * returns its exit status. */
int itest_pg_ctl(const char *action);

/* --- daemons --------------------------------------------------------------- */

struct itest_daemon_opts {
    int plain_http;     /* ACCELNET_INSECURE_HTTP=1 instead of the test certificate */
    int no_admin_token; /* leave ACCELNET_ADMIN_TOKEN unset: the daemon generates one
                           into token_file, which itest_daemon_wait_ready() reads */
    /* Extra environment, NULL-terminated: "NAME=value" sets or replaces a
     * variable, "NAME" alone removes one of the defaults. */
    const char *const *env;
    /* Extra command-line arguments, NULL-terminated. */
    const char *const *argv;
    int ready_timeout_ms; /* itest_daemon_start(); 0 = 20000 */
    unsigned port;        /* 0 = a free port; else this one (a restart in place) */
};

struct itest_daemon {
    pid_t pid; /* 0 when not running (or reaped) */
    int wait_status;
    int reaped;
    unsigned port;
    int plain_http;
    char url[64];         /* "https://127.0.0.1:PORT" (or http://) */
    char log_path[512];   /* the daemon's stdout and stderr */
    char token_file[512]; /* ACCELNET_ADMIN_TOKEN_FILE */
    char token[256];      /* admin token used by default ("" when unknown); for an
                             agent: its callback token */
    char program[32];     /* "accelnetd" or "accelnet-agent" (for messages) */
    char state_dir[480];  /* an agent's --state-dir */
};

/* A free port on 127.0.0.1 (bind to port 0, read it, close); 0 on error. */
unsigned itest_free_port(void);

/* Forks and execs ACCELNET_TEST_BIN/accelnetd with a clean environment (see
 * itest.c) without waiting for it. 0, or -1. opts may be NULL. */
int itest_daemon_spawn(struct itest_daemon *d, const char *conninfo,
                       const struct itest_daemon_opts *opts);
/* Polls GET /healthz until 200 (or the daemon exits, or timeout_ms passes);
 * then reads the generated token file if the daemon was started without a
 * token. 0, or -1 after printing the daemon's log tail. */
int itest_daemon_wait_ready(struct itest_daemon *d, int timeout_ms);
/* spawn + wait_ready. */
int itest_daemon_start(struct itest_daemon *d, const char *conninfo,
                       const struct itest_daemon_opts *opts);
/* Sends SIGTERM and waits up to timeout_ms for the exit. Returns the exit
 * code, 128+N when killed by signal N, or -1 when it had to be SIGKILLed
 * after the timeout (or was not running). Prints the log tail when the result
 * is not 0. */
int itest_daemon_stop(struct itest_daemon *d, int timeout_ms);
/* Waits up to timeout_ms for the daemon to exit by itself: exit code /
 * 128+signal as above, or -1 if still running (it is left running). */
int itest_daemon_wait_exit(struct itest_daemon *d, int timeout_ms);
/* SIGKILL and reap; safe on a daemon that is not running. */
void itest_daemon_kill(struct itest_daemon *d);
/* 1 while the process has not exited. */
int itest_daemon_alive(struct itest_daemon *d);
/* Prints the last `lines` lines of the daemon's log to stderr. */
void itest_daemon_log_tail(const struct itest_daemon *d, int lines);
/* The whole log (caller frees), or NULL. */
char *itest_daemon_log(const struct itest_daemon *d);
/* 1 when a TCP connection to 127.0.0.1:port is refused. */
int itest_port_refuses(unsigned port);

/* --- host agents ----------------------------------------------------------- */

/* The agent token the agents get unless told otherwise (what accelnetd would
 * have issued with POST /admin/tokens {"role":"agent"}). */
#define ITEST_AGENT_TOKEN "itest-agent-token-0123456789-abcdefghijklmnopqrstuvwxyz"

struct itest_agent_opts {
    int plain_http;         /* --insecure-http instead of the test certificate */
    const char *controller; /* --controller (required): accelnetd's URL */
    const char *token;      /* --token; NULL = ITEST_AGENT_TOKEN */
    const char *host_name;  /* --host-name; NULL = "itest-host-<n>" */
    const char *location;   /* --location; NULL = "westeurope" */
    /* --state-dir; NULL = a new directory under ACCELNET_TEST_TMP. Pass an
     * earlier agent's d->state_dir to restart it with what it had. */
    const char *state_dir;
    unsigned port;           /* 0 = a free port */
    const char *const *argv; /* extra flags, NULL-terminated (--pf, --test-...) */
    /* Extra environment, NULL-terminated, as for daemons. */
    const char *const *env;
    int ready_timeout_ms; /* itest_agent_start(); 0 = 20000 */
};

/* Forks and execs ACCELNET_TEST_BIN/accelnet-agent (clean environment, log
 * level debug, --ca-file the test certificate) without waiting for it. The
 * agent is an itest_daemon: stop, kill, logs and itest_do work the same. 0,
 * or -1. */
int itest_agent_spawn(struct itest_daemon *d, const struct itest_agent_opts *opts);
/* Waits until the agent has written its callback token (then d->token) and
 * GET /v1/health with it answers 200. 0, or -1 after printing the log tail. */
int itest_agent_wait_ready(struct itest_daemon *d, int timeout_ms);
/* spawn + wait_ready. */
int itest_agent_start(struct itest_daemon *d, const struct itest_agent_opts *opts);

/* --- HTTP ------------------------------------------------------------------ */

enum itest_auth {
    ITEST_AUTH_ADMIN = 0, /* "Authorization: Bearer <d->token>" */
    ITEST_AUTH_NONE,      /* no Authorization header */
    ITEST_AUTH_TOKEN,     /* "Authorization: Bearer <req.token>" */
    ITEST_AUTH_BAD,       /* a well-formed token nobody issued */
};

struct itest_req {
    const char *method; /* "GET" when NULL */
    const char *path;   /* path and query, e.g. "/admin/tokens?" ITEST_AV */
    enum itest_auth auth;
    const char *token;          /* for ITEST_AUTH_TOKEN */
    const char *const *headers; /* "Name: value", NULL-terminated, may be NULL */
    const char *body;           /* may be NULL */
    size_t body_len;            /* 0: strlen(body) */
    size_t raw_len;             /* > 0: send a body of raw_len bytes of 'x' instead */
    int chunked;                /* send the body with Transfer-Encoding: chunked */
    long timeout_ms;            /* 0 = 15000 */
};

struct itest_resp {
    long status; /* 0 when no HTTP response came back */
    size_t nheaders;
    char **hnames;
    char **hvalues;
    char *body; /* NUL-terminated */
    size_t body_len;
    json_t *json; /* the body parsed, or NULL */
    int curl_code;
    char error[256]; /* libcurl's message when curl_code != 0 */
};

/* Sends one request to d. Returns 0 when a response came back (resp filled),
 * -1 otherwise (resp->error says why). resp must be freed either way. */
int itest_do(const struct itest_daemon *d, const struct itest_req *rq, struct itest_resp *resp);
/* Shorthand: admin token, optional extra headers and JSON body. */
int itest_request(const struct itest_daemon *d, const char *method, const char *path,
                  const char *const *headers, const char *body, struct itest_resp *resp);
/* Sends `len` raw bytes over a fresh connection to d (TLS unless plain) and
 * collects what comes back until the response is complete (headers plus
 * Content-Length bytes), the server closes, or timeout_ms passes. For what
 * libcurl will not send: a Content-Length with no body behind it, broken
 * requests. *out (caller frees, NUL-terminated) may be partial. 0 when
 * anything came back, else -1. */
int itest_raw(const struct itest_daemon *d, const char *data, size_t len, long timeout_ms,
              char **out);
/* The status code of a raw response ("HTTP/1.1 413 ..."), or 0. */
int itest_raw_status(const char *raw);
/* A raw response's header value (case-insensitive name) copied into buf;
 * NULL when absent. */
const char *itest_raw_header(const char *raw, const char *name, char *buf, size_t size);

/* Every line of the daemon's log is a JSON object (notes/SPEC.md "Logs").
 * Returns 0, or -1 after printing the first line that is not. */
int itest_log_all_json(const struct itest_daemon *d);

/* The value of the first line of d's GET /metrics that starts with
 * line_prefix (e.g. "accelnet_reconcile_passes_total "); 0 when there is
 * none; fails the current test when /metrics does not answer 200. */
double itest_metric(const struct itest_daemon *d, const char *line_prefix);
/* A response header's value, name matched case-insensitively (borrowed), or
 * NULL. With several of the same name: the last. */
const char *itest_header(const struct itest_resp *r, const char *name);
/* error.code / error.message of an ARM error body (borrowed), or NULL. */
const char *itest_error_code(const struct itest_resp *r);
const char *itest_error_message(const struct itest_resp *r);
/* Frees what resp holds and zeroes it. Safe on a zeroed struct. */
void itest_resp_free(struct itest_resp *r);
/* A one-line description for failure messages: "503 {...body...}" (borrowed
 * static buffer, overwritten by the next call). */
const char *itest_resp_str(const struct itest_resp *r);
/* 1 when s is a UUID in text form (8-4-4-4-12 hex digits). */
int itest_is_uuid(const char *s);

/* cmocka assertions on a response (the test file includes cmocka.h). They
 * print the whole response on failure. */
#define ITEST_EXPECT_STATUS(r, st)                                                       \
    do {                                                                                 \
        if ((r)->status != (st))                                                         \
            fail_msg("%s:%d: expected status %d, got %s", __FILE__, __LINE__, (int)(st), \
                     itest_resp_str(r));                                                 \
    } while (0)

/* Status, error.code in the body and the x-ms-error-code header. */
#define ITEST_EXPECT_ERROR(r, st, code)                                                        \
    do {                                                                                       \
        ITEST_EXPECT_STATUS(r, st);                                                            \
        const char *itest_c_ = itest_error_code(r);                                            \
        const char *itest_h_ = itest_header(r, "x-ms-error-code");                             \
        if (itest_c_ == NULL || strcmp(itest_c_, (code)) != 0)                                 \
            fail_msg("%s:%d: expected error code %s in the body, got %s", __FILE__, __LINE__,  \
                     (code), itest_resp_str(r));                                               \
        if (itest_h_ == NULL || strcmp(itest_h_, (code)) != 0)                                 \
            fail_msg("%s:%d: expected header x-ms-error-code: %s, got %s", __FILE__, __LINE__, \
                     (code), itest_h_ ? itest_h_ : "(none)");                                  \
    } while (0)

/* --- step tables ----------------------------------------------------------- */

/* One request and what must come back. Tables end with a step whose label is
 * NULL. */
struct itest_step {
    const char *label;
    const char *method;
    const char *path;
    enum itest_auth auth; /* ITEST_AUTH_TOKEN uses the runner's token */
    const char *body;
    long status;
    /* The ARM error code expected in the body and in x-ms-error-code, or NULL
     * for "not an error" (then the status must be < 400). */
    const char *error;
};

/* Runs the steps in order against d and fails the current cmocka test at the
 * first step that does not match, naming its label. Every response must carry
 * an x-ms-request-id. token: for ITEST_AUTH_TOKEN steps (may be NULL). */
void itest_run_steps(const struct itest_daemon *d, const struct itest_step *steps,
                     const char *token);

#endif
