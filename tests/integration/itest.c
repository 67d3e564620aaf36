/* itest — see itest.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <curl/curl.h>
#include <libpq-fe.h>

#include "tests/integration/itest.h"

extern char **environ;

/* --- small helpers --------------------------------------------------------- */

static char *xstrdup(const char *s)
{
    char *p = strdup(s);
    if (p == NULL) {
        fprintf(stderr, "itest: out of memory\n");
        abort();
    }
    return p;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *out = NULL;
    va_start(ap, fmt);
    int n = vasprintf(&out, fmt, ap);
    va_end(ap);
    if (n < 0) {
        fprintf(stderr, "itest: out of memory\n");
        abort();
    }
    return out;
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL) {
        fprintf(stderr, "itest: out of memory\n");
        abort();
    }
    return q;
}

const char *itest_env(const char *name)
{
    const char *v = getenv(name);
    if (v == NULL || v[0] == '\0') {
        fprintf(stderr,
                "itest: %s is not set: run the integration tests through tests/run.sh "
                "BUILD_DIR, which sets up PostgreSQL and TLS for them\n",
                name);
        exit(1);
    }
    return v;
}

void itest_sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

long long itest_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- the registry of started daemons ---------------------------------------- */

/* Daemons that are (maybe) still running, so that none outlives the test
 * binary: killed at exit and on SIGINT/SIGTERM/SIGHUP. Written only from the
 * thread that starts and stops daemons; read from a signal handler. */
#define ITEST_MAX_DAEMONS 320
static volatile pid_t registry[ITEST_MAX_DAEMONS];
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;

static void registry_add(pid_t pid)
{
    pthread_mutex_lock(&registry_lock);
    for (size_t i = 0; i < ITEST_MAX_DAEMONS; i++) {
        if (registry[i] == 0) {
            registry[i] = pid;
            break;
        }
    }
    pthread_mutex_unlock(&registry_lock);
}

static void registry_remove(pid_t pid)
{
    pthread_mutex_lock(&registry_lock);
    for (size_t i = 0; i < ITEST_MAX_DAEMONS; i++) {
        if (registry[i] == pid)
            registry[i] = 0;
    }
    pthread_mutex_unlock(&registry_lock);
}

static void registry_kill_all(void)
{
    for (size_t i = 0; i < ITEST_MAX_DAEMONS; i++) {
        pid_t pid = registry[i];
        if (pid > 0) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            registry[i] = 0;
        }
    }
}

static void on_fatal_signal(int sig)
{
    /* kill() and waitpid() are async-signal-safe. */
    registry_kill_all();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void itest_init_once(void)
{
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fatal_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    atexit(registry_kill_all);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "itest: curl_global_init failed\n");
        exit(1);
    }
    /* Keep stdout and stderr in order when run.sh sends both to one file. */
    setvbuf(stdout, NULL, _IOLBF, 0);
}

static void itest_init(void)
{
    pthread_once(&init_once, itest_init_once);
}

/* --- PostgreSQL --------------------------------------------------------------- */

static char *conninfo_for(const char *dbname)
{
    return xasprintf("host=%s port=%s user=%s dbname=%s connect_timeout=10",
                     itest_env("ACCELNET_TEST_PGHOST"), itest_env("ACCELNET_TEST_PGPORT"),
                     itest_env("ACCELNET_TEST_PGUSER"), dbname);
}

static PGconn *pg_connect(const char *conninfo)
{
    PGconn *pg = PQconnectdb(conninfo);
    if (pg == NULL || PQstatus(pg) != CONNECTION_OK) {
        fprintf(stderr, "itest: cannot connect to PostgreSQL (%s): %s", conninfo,
                pg ? PQerrorMessage(pg) : "out of memory\n");
        PQfinish(pg);
        return NULL;
    }
    PQsetNoticeProcessor(pg, NULL, NULL);
    return pg;
}

static int pg_exec_on(PGconn *pg, const char *sql)
{
    PGresult *res = PQexec(pg, sql);
    ExecStatusType st = PQresultStatus(res);
    int rc = 0;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        fprintf(stderr, "itest: SQL failed: %s\n  %s", sql, PQerrorMessage(pg));
        rc = -1;
    }
    PQclear(res);
    return rc;
}

static void notice_ignore(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

char *itest_db_create(const char *name)
{
    itest_init();
    char *admin = conninfo_for("postgres");
    PGconn *pg = pg_connect(admin);
    free(admin);
    if (pg == NULL)
        fail_msg("itest_db_create(%s): no connection to the test cluster", name);
    PQsetNoticeProcessor(pg, notice_ignore, NULL);
    char *ident = PQescapeIdentifier(pg, name, strlen(name));
    if (ident == NULL) {
        PQfinish(pg);
        fail_msg("itest_db_create(%s): bad name", name);
    }
    char *drop = xasprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", ident);
    char *create = xasprintf("CREATE DATABASE %s", ident);
    int rc = pg_exec_on(pg, drop);
    if (rc == 0)
        rc = pg_exec_on(pg, create);
    free(drop);
    free(create);
    PQfreemem(ident);
    PQfinish(pg);
    if (rc != 0)
        fail_msg("itest_db_create(%s) failed", name);
    /* A name with spaces or quotes would need quoting here; tests use plain
     * identifiers. */
    return conninfo_for(name);
}

int itest_pg_exec(const char *conninfo, const char *sql)
{
    PGconn *pg = pg_connect(conninfo);
    if (pg == NULL)
        return -1;
    int rc = pg_exec_on(pg, sql);
    PQfinish(pg);
    return rc;
}

char *itest_pg_value(const char *conninfo, const char *sql)
{
    PGconn *pg = pg_connect(conninfo);
    if (pg == NULL)
        return NULL;
    char *out = NULL;
    PGresult *res = PQexec(pg, sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        fprintf(stderr, "itest: SQL failed: %s\n  %s", sql, PQerrorMessage(pg));
    } else if (PQntuples(res) > 0 && PQnfields(res) > 0 && !PQgetisnull(res, 0, 0)) {
        out = xstrdup(PQgetvalue(res, 0, 0));
    }
    PQclear(res);
    PQfinish(pg);
    return out;
}

long long itest_pg_long(const char *conninfo, const char *sql)
{
    char *v = itest_pg_value(conninfo, sql);
    if (v == NULL)
        return -1;
    char *end = NULL;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    int ok = errno == 0 && end != v && *end == '\0';
    free(v);
    return ok ? n : -1;
}

int itest_pg_ctl(const char *action)
{
    itest_init();
    const char *ctl = itest_env("ACCELNET_TEST_PGCTL");
    const char *dir = itest_env("ACCELNET_TEST_PGDATA");
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execl("/bin/sh", "sh", ctl, action, dir, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (rc != 0)
        fprintf(stderr, "itest: %s %s %s exited %d\n", ctl, action, dir, rc);
    return rc;
}

/* --- daemons --------------------------------------------------------------- */

/* Ports handed out by this process: daemons spawned back to back must not be
 * given the same one before the first has bound it. */
static unsigned ports_given[256];
static size_t nports_given;

static int port_was_given(unsigned port)
{
    size_t n = nports_given < sizeof ports_given / sizeof ports_given[0]
                   ? nports_given
                   : sizeof ports_given / sizeof ports_given[0];
    for (size_t i = 0; i < n; i++) {
        if (ports_given[i] == port)
            return 1;
    }
    return 0;
}

static unsigned free_port_once(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = 0;
    socklen_t len = sizeof sa;
    unsigned port = 0;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

unsigned itest_free_port(void)
{
    for (int tries = 0; tries < 50; tries++) {
        unsigned port = free_port_once();
        if (port == 0)
            return 0;
        if (port_was_given(port))
            continue;
        ports_given[nports_given++ % (sizeof ports_given / sizeof ports_given[0])] = port;
        return port;
    }
    return 0;
}

int itest_port_refuses(unsigned port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons((uint16_t)port);
    int rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
    int refused = rc != 0 && errno == ECONNREFUSED;
    close(fd);
    return refused;
}

/* A NULL-terminated "NAME=value" list that can be edited before exec. */
struct envlist {
    char **v;
    size_t n;
};

static size_t env_name_len(const char *s)
{
    const char *eq = strchr(s, '=');
    return eq ? (size_t)(eq - s) : strlen(s);
}

static void env_unset(struct envlist *e, const char *name, size_t nlen)
{
    for (size_t i = 0; i < e->n; i++) {
        if (env_name_len(e->v[i]) == nlen && strncmp(e->v[i], name, nlen) == 0) {
            free(e->v[i]);
            memmove(&e->v[i], &e->v[i + 1], (e->n - i) * sizeof e->v[0]);
            e->n--;
            return;
        }
    }
}

/* "NAME=value" sets (replacing), "NAME" removes. */
static void env_put(struct envlist *e, const char *entry)
{
    size_t nlen = env_name_len(entry);
    env_unset(e, entry, nlen);
    if (entry[nlen] != '=')
        return;
    e->v = xrealloc(e->v, (e->n + 2) * sizeof e->v[0]);
    e->v[e->n++] = xstrdup(entry);
    e->v[e->n] = NULL;
}

static void env_putf(struct envlist *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void env_putf(struct envlist *e, const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();
    env_put(e, s);
    free(s);
}

static void env_pass(struct envlist *e, const char *name)
{
    const char *v = getenv(name);
    if (v != NULL)
        env_putf(e, "%s=%s", name, v);
}

static void env_free(struct envlist *e)
{
    for (size_t i = 0; i < e->n; i++)
        free(e->v[i]);
    free(e->v);
    e->v = NULL;
    e->n = 0;
}

/* Forks and execs bin with argv and envv in cwd, stdout and stderr going to
 * d->log_path; registers the child. 0, or -1. */
static int spawn_logged(struct itest_daemon *d, const char *bin, char **argv, char **envv,
                        const char *cwd)
{
    int logfd = open(d->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (logfd < 0) {
        fprintf(stderr, "itest: %s: %s\n", d->log_path, strerror(errno));
        return -1;
    }
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "itest: fork: %s\n", strerror(errno));
        close(logfd);
        return -1;
    }
    if (pid == 0) {
        /* Only async-signal-safe calls from here on. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        dup2(logfd, 1);
        dup2(logfd, 2);
        if (chdir(cwd) != 0)
            _exit(126);
        execve(bin, argv, envv);
        static const char msg[] = "itest: cannot execute ";
        ssize_t w = write(2, msg, sizeof msg - 1);
        w = write(2, bin, strlen(bin));
        w = write(2, "\n", 1);
        (void)w;
        _exit(127);
    }
    close(logfd);
    d->pid = pid;
    registry_add(pid);
    return 0;
}

static unsigned daemon_counter;

/* What a started process is called in messages. */
static const char *daemon_name(const struct itest_daemon *d)
{
    return d->program[0] ? d->program : "accelnetd";
}

int itest_daemon_spawn(struct itest_daemon *d, const char *conninfo,
                       const struct itest_daemon_opts *opts)
{
    static const struct itest_daemon_opts no_opts;
    itest_init();
    if (opts == NULL)
        opts = &no_opts;
    memset(d, 0, sizeof *d);
    snprintf(d->program, sizeof d->program, "accelnetd");
    d->plain_http = opts->plain_http;
    d->port = opts->port ? opts->port : itest_free_port();
    if (d->port == 0) {
        fprintf(stderr, "itest: no free port on 127.0.0.1\n");
        return -1;
    }
    snprintf(d->url, sizeof d->url, "%s://127.0.0.1:%u", d->plain_http ? "http" : "https", d->port);
    const char *tmp = itest_env("ACCELNET_TEST_TMP");
    unsigned n = ++daemon_counter;
    snprintf(d->log_path, sizeof d->log_path, "%s/%s-%ld-d%u.log", tmp,
             program_invocation_short_name, (long)getpid(), n);
    snprintf(d->token_file, sizeof d->token_file, "%s/%s-%ld-d%u.token", tmp,
             program_invocation_short_name, (long)getpid(), n);
    unlink(d->token_file);
    if (!opts->no_admin_token)
        snprintf(d->token, sizeof d->token, "%s", ITEST_ADMIN_TOKEN);

    /* The daemon's environment: only what it needs, so that a developer's
     * own ACCELNET_* settings cannot change what the tests see. */
    struct envlist env = {0};
    env_put(&env, "PATH=/usr/local/bin:/usr/bin:/bin");
    env_pass(&env, "PATH");
    env_pass(&env, "ASAN_OPTIONS");
    env_pass(&env, "UBSAN_OPTIONS");
    env_pass(&env, "LSAN_OPTIONS");
    env_putf(&env, "ACCELNET_DATABASE_URL=%s", conninfo);
    env_putf(&env, "ACCELNET_LISTEN=127.0.0.1:%u", d->port);
    if (opts->plain_http) {
        env_put(&env, "ACCELNET_INSECURE_HTTP=1");
    } else {
        env_putf(&env, "ACCELNET_TLS_CERT=%s", itest_env("ACCELNET_TEST_TLS_CERT"));
        env_putf(&env, "ACCELNET_TLS_KEY=%s", itest_env("ACCELNET_TEST_TLS_KEY"));
    }
    if (!opts->no_admin_token)
        env_putf(&env, "ACCELNET_ADMIN_TOKEN=%s", ITEST_ADMIN_TOKEN);
    env_putf(&env, "ACCELNET_ADMIN_TOKEN_FILE=%s", d->token_file);
    env_put(&env, "ACCELNET_LOG_LEVEL=debug");
    for (const char *const *p = opts->env; p != NULL && *p != NULL; p++)
        env_put(&env, *p);

    char *bin = xasprintf("%s/accelnetd", itest_env("ACCELNET_TEST_BIN"));
    size_t nargs = 0;
    for (const char *const *p = opts->argv; p != NULL && *p != NULL; p++)
        nargs++;
    char **argv = xrealloc(NULL, (nargs + 2) * sizeof argv[0]);
    argv[0] = bin;
    for (size_t i = 0; i < nargs; i++)
        argv[i + 1] = (char *)opts->argv[i];
    argv[nargs + 1] = NULL;

    int rc = spawn_logged(d, bin, argv, env.v, tmp);
    free(argv);
    free(bin);
    env_free(&env);
    return rc;
}

/* Decodes a wait status: exit code, or 128 + signal. */
static int decode_status(int st)
{
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return -1;
}

/* Reaps d if it exited; 1 when it has. */
static int daemon_poll_exit(struct itest_daemon *d)
{
    if (d->reaped)
        return 1;
    if (d->pid <= 0)
        return 1;
    int st = 0;
    pid_t r = waitpid(d->pid, &st, WNOHANG);
    if (r == d->pid) {
        d->wait_status = st;
        d->reaped = 1;
        registry_remove(d->pid);
        return 1;
    }
    if (r < 0 && errno == ECHILD) {
        d->reaped = 1;
        d->wait_status = -1;
        registry_remove(d->pid);
        return 1;
    }
    return 0;
}

int itest_daemon_alive(struct itest_daemon *d)
{
    return d->pid > 0 && !daemon_poll_exit(d);
}

char *itest_daemon_log(const struct itest_daemon *d)
{
    FILE *f = fopen(d->log_path, "r");
    if (f == NULL)
        return NULL;
    char *data = NULL;
    size_t len = 0;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        data = xrealloc(data, len + n + 1);
        memcpy(data + len, chunk, n);
        len += n;
    }
    fclose(f);
    if (data == NULL)
        data = xstrdup("");
    else
        data[len] = '\0';
    return data;
}

void itest_daemon_log_tail(const struct itest_daemon *d, int lines)
{
    char *log = itest_daemon_log(d);
    if (log == NULL) {
        fprintf(stderr, "itest: no log at %s\n", d->log_path);
        return;
    }
    size_t len = strlen(log);
    size_t start = len;
    int seen = 0;
    /* Walk back over `lines` newlines (a trailing one does not count). */
    if (start > 0 && log[start - 1] == '\n')
        start--;
    while (start > 0) {
        if (log[start - 1] == '\n' && ++seen == lines)
            break;
        start--;
    }
    fprintf(stderr, "---- last %d lines of %s (pid %ld) ----\n%s%s---- end of log ----\n", lines,
            d->log_path, (long)d->pid, log + start, len > 0 && log[len - 1] != '\n' ? "\n" : "");
    free(log);
}

int itest_daemon_wait_ready(struct itest_daemon *d, int timeout_ms)
{
    if (timeout_ms <= 0)
        timeout_ms = 20000;
    long long deadline = itest_now_ms() + timeout_ms;
    struct itest_resp r = {0};
    int ok = 0;
    for (;;) {
        if (daemon_poll_exit(d)) {
            fprintf(stderr,
                    "itest: accelnetd (pid %ld) exited with status %d before it was healthy\n",
                    (long)d->pid, decode_status(d->wait_status));
            break;
        }
        struct itest_req rq = {
            .method = "GET", .path = "/healthz", .auth = ITEST_AUTH_NONE, .timeout_ms = 2000};
        itest_resp_free(&r);
        if (itest_do(d, &rq, &r) == 0 && r.status == 200) {
            ok = 1;
            break;
        }
        if (itest_now_ms() >= deadline) {
            fprintf(stderr, "itest: accelnetd (pid %ld) not healthy after %d ms (last: %s)\n",
                    (long)d->pid, timeout_ms, r.status ? itest_resp_str(&r) : r.error);
            break;
        }
        itest_sleep_ms(50);
    }
    itest_resp_free(&r);
    if (ok && d->token[0] == '\0') {
        /* Generated bootstrap token: it is in the file before /healthz answers. */
        FILE *f = fopen(d->token_file, "r");
        if (f != NULL) {
            if (fgets(d->token, sizeof d->token, f) == NULL)
                d->token[0] = '\0';
            fclose(f);
            d->token[strcspn(d->token, "\r\n")] = '\0';
        }
    }
    if (!ok)
        itest_daemon_log_tail(d, 40);
    return ok ? 0 : -1;
}

int itest_daemon_start(struct itest_daemon *d, const char *conninfo,
                       const struct itest_daemon_opts *opts)
{
    if (itest_daemon_spawn(d, conninfo, opts) != 0)
        return -1;
    if (itest_daemon_wait_ready(d, opts ? opts->ready_timeout_ms : 0) != 0) {
        itest_daemon_kill(d);
        return -1;
    }
    return 0;
}

int itest_daemon_wait_exit(struct itest_daemon *d, int timeout_ms)
{
    if (d->pid <= 0)
        return -1;
    long long deadline = itest_now_ms() + timeout_ms;
    while (!daemon_poll_exit(d)) {
        if (itest_now_ms() >= deadline)
            return -1;
        itest_sleep_ms(20);
    }
    return decode_status(d->wait_status);
}

void itest_daemon_kill(struct itest_daemon *d)
{
    if (d->pid <= 0 || daemon_poll_exit(d))
        return;
    kill(d->pid, SIGKILL);
    int st = 0;
    while (waitpid(d->pid, &st, 0) < 0 && errno == EINTR) {
    }
    d->wait_status = st;
    d->reaped = 1;
    registry_remove(d->pid);
}

int itest_daemon_stop(struct itest_daemon *d, int timeout_ms)
{
    if (d->pid <= 0)
        return -1;
    if (daemon_poll_exit(d)) {
        int rc = decode_status(d->wait_status);
        fprintf(stderr, "itest: %s (pid %ld) had already exited (status %d)\n", daemon_name(d),
                (long)d->pid, rc);
        itest_daemon_log_tail(d, 30);
        return rc;
    }
    kill(d->pid, SIGTERM);
    int rc = itest_daemon_wait_exit(d, timeout_ms);
    if (rc < 0) {
        fprintf(stderr, "itest: %s (pid %ld) still running %d ms after SIGTERM: SIGKILL\n",
                daemon_name(d), (long)d->pid, timeout_ms);
        itest_daemon_kill(d);
        rc = -1;
    }
    if (rc != 0) {
        fprintf(stderr, "itest: %s (pid %ld) stopped with status %d\n", daemon_name(d),
                (long)d->pid, rc);
        itest_daemon_log_tail(d, 30);
    }
    return rc;
}

/* --- host agents ----------------------------------------------------------- */

static unsigned agent_counter;

int itest_agent_spawn(struct itest_daemon *d, const struct itest_agent_opts *opts)
{
    itest_init();
    memset(d, 0, sizeof *d);
    snprintf(d->program, sizeof d->program, "accelnet-agent");
    if (opts == NULL || opts->controller == NULL) {
        fprintf(stderr, "itest_agent_spawn: opts->controller is required\n");
        return -1;
    }
    d->plain_http = opts->plain_http;
    d->port = opts->port ? opts->port : itest_free_port();
    if (d->port == 0) {
        fprintf(stderr, "itest: no free port on 127.0.0.1\n");
        return -1;
    }
    snprintf(d->url, sizeof d->url, "%s://127.0.0.1:%u", d->plain_http ? "http" : "https", d->port);
    const char *tmp = itest_env("ACCELNET_TEST_TMP");
    unsigned n = ++agent_counter;
    snprintf(d->log_path, sizeof d->log_path, "%s/%s-%ld-a%u.log", tmp,
             program_invocation_short_name, (long)getpid(), n);
    if (opts->state_dir != NULL)
        snprintf(d->state_dir, sizeof d->state_dir, "%s", opts->state_dir);
    else
        snprintf(d->state_dir, sizeof d->state_dir, "%s/%s-%ld-a%u.state", tmp,
                 program_invocation_short_name, (long)getpid(), n);
    snprintf(d->token_file, sizeof d->token_file, "%.480s/callback-token", d->state_dir);

    struct envlist env = {0};
    env_put(&env, "PATH=/usr/local/bin:/usr/bin:/bin");
    env_pass(&env, "PATH");
    env_pass(&env, "ASAN_OPTIONS");
    env_pass(&env, "UBSAN_OPTIONS");
    env_pass(&env, "LSAN_OPTIONS");
    env_putf(&env, "ACCELNET_AGENT_CONTROLLER=%s", opts->controller);
    env_putf(&env, "ACCELNET_AGENT_TOKEN=%s", opts->token ? opts->token : ITEST_AGENT_TOKEN);
    if (opts->host_name != NULL)
        env_putf(&env, "ACCELNET_AGENT_HOST_NAME=%s", opts->host_name);
    else
        env_putf(&env, "ACCELNET_AGENT_HOST_NAME=itest-host-%u", n);
    env_putf(&env, "ACCELNET_AGENT_LOCATION=%s", opts->location ? opts->location : "westeurope");
    env_putf(&env, "ACCELNET_AGENT_LISTEN=127.0.0.1:%u", d->port);
    env_putf(&env, "ACCELNET_AGENT_STATE_DIR=%s", d->state_dir);
    env_putf(&env, "ACCELNET_AGENT_CA_FILE=%s", itest_env("ACCELNET_TEST_TLS_CERT"));
    if (opts->plain_http) {
        env_put(&env, "ACCELNET_AGENT_INSECURE_HTTP=1");
    } else {
        env_putf(&env, "ACCELNET_AGENT_TLS_CERT=%s", itest_env("ACCELNET_TEST_TLS_CERT"));
        env_putf(&env, "ACCELNET_AGENT_TLS_KEY=%s", itest_env("ACCELNET_TEST_TLS_KEY"));
    }
    env_put(&env, "ACCELNET_AGENT_LOG_LEVEL=debug");
    for (const char *const *p = opts->env; p != NULL && *p != NULL; p++)
        env_put(&env, *p);

    char *bin = xasprintf("%s/accelnet-agent", itest_env("ACCELNET_TEST_BIN"));
    size_t nargs = 0;
    for (const char *const *p = opts->argv; p != NULL && *p != NULL; p++)
        nargs++;
    char **argv = xrealloc(NULL, (nargs + 2) * sizeof argv[0]);
    argv[0] = bin;
    for (size_t i = 0; i < nargs; i++)
        argv[i + 1] = (char *)opts->argv[i];
    argv[nargs + 1] = NULL;
    int rc = spawn_logged(d, bin, argv, env.v, tmp);
    free(argv);
    free(bin);
    env_free(&env);
    return rc;
}

int itest_agent_wait_ready(struct itest_daemon *d, int timeout_ms)
{
    if (timeout_ms <= 0)
        timeout_ms = 20000;
    long long deadline = itest_now_ms() + timeout_ms;
    struct itest_resp r = {0};
    int ok = 0;
    for (;;) {
        if (daemon_poll_exit(d)) {
            fprintf(stderr,
                    "itest: accelnet-agent (pid %ld) exited with status %d before it "
                    "was ready\n",
                    (long)d->pid, decode_status(d->wait_status));
            break;
        }
        if (d->token[0] == '\0') {
            /* Written (atomically) before the agent serves. */
            FILE *f = fopen(d->token_file, "r");
            if (f != NULL) {
                if (fgets(d->token, sizeof d->token, f) == NULL)
                    d->token[0] = '\0';
                fclose(f);
                d->token[strcspn(d->token, "\r\n")] = '\0';
            }
        }
        if (d->token[0] != '\0') {
            struct itest_req rq = {.method = "GET", .path = "/v1/health", .timeout_ms = 2000};
            itest_resp_free(&r);
            if (itest_do(d, &rq, &r) == 0 && r.status == 200) {
                ok = 1;
                break;
            }
        }
        if (itest_now_ms() >= deadline) {
            fprintf(stderr, "itest: accelnet-agent (pid %ld) not ready after %d ms (last: %s)\n",
                    (long)d->pid, timeout_ms,
                    r.status      ? itest_resp_str(&r)
                    : d->token[0] ? r.error
                                  : "no callback token");
            break;
        }
        itest_sleep_ms(50);
    }
    itest_resp_free(&r);
    if (!ok)
        itest_daemon_log_tail(d, 40);
    return ok ? 0 : -1;
}

int itest_agent_start(struct itest_daemon *d, const struct itest_agent_opts *opts)
{
    if (itest_agent_spawn(d, opts) != 0)
        return -1;
    if (itest_agent_wait_ready(d, opts->ready_timeout_ms) != 0) {
        itest_daemon_kill(d);
        return -1;
    }
    return 0;
}

/* --- HTTP ------------------------------------------------------------------ */

struct upload {
    const char *data; /* NULL: raw 'x' bytes */
    size_t len, off;
};

static size_t read_cb(char *ptr, size_t size, size_t nitems, void *arg)
{
    struct upload *u = arg;
    size_t room = size * nitems;
    size_t left = u->len - u->off;
    size_t n = left < room ? left : room;
    /* Small pieces, so that a chunked body really is sent in many chunks. */
    if (n > 16384)
        n = 16384;
    if (u->data != NULL)
        memcpy(ptr, u->data + u->off, n);
    else
        memset(ptr, 'x', n);
    u->off += n;
    return n;
}

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct itest_resp *r = arg;
    size_t n = size * nmemb;
    r->body = xrealloc(r->body, r->body_len + n + 1);
    memcpy(r->body + r->body_len, ptr, n);
    r->body_len += n;
    r->body[r->body_len] = '\0';
    return n;
}

static void headers_clear(struct itest_resp *r)
{
    for (size_t i = 0; i < r->nheaders; i++) {
        free(r->hnames[i]);
        free(r->hvalues[i]);
    }
    free(r->hnames);
    free(r->hvalues);
    r->hnames = NULL;
    r->hvalues = NULL;
    r->nheaders = 0;
}

static size_t header_cb(char *ptr, size_t size, size_t nitems, void *arg)
{
    struct itest_resp *r = arg;
    size_t n = size * nitems;
    /* A new status line (after "100 Continue"): forget earlier headers. */
    if (n >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {
        headers_clear(r);
        return n;
    }
    const char *colon = memchr(ptr, ':', n);
    if (colon == NULL)
        return n;
    size_t nlen = (size_t)(colon - ptr);
    const char *v = colon + 1;
    const char *end = ptr + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    r->hnames = xrealloc(r->hnames, (r->nheaders + 1) * sizeof r->hnames[0]);
    r->hvalues = xrealloc(r->hvalues, (r->nheaders + 1) * sizeof r->hvalues[0]);
    r->hnames[r->nheaders] = strndup(ptr, nlen);
    r->hvalues[r->nheaders] = strndup(v, (size_t)(end - v));
    if (r->hnames[r->nheaders] == NULL || r->hvalues[r->nheaders] == NULL)
        abort();
    r->nheaders++;
    return n;
}

static int has_header(const char *const *headers, const char *name)
{
    size_t nlen = strlen(name);
    for (const char *const *p = headers; p != NULL && *p != NULL; p++) {
        if (strncasecmp(*p, name, nlen) == 0 && ((*p)[nlen] == ':' || (*p)[nlen] == ';'))
            return 1;
    }
    return 0;
}

static struct curl_slist *slist_add(struct curl_slist *l, const char *s)
{
    struct curl_slist *n = curl_slist_append(l, s);
    if (n == NULL)
        abort();
    return n;
}

/* --- the contract log ------------------------------------------------------- */

/* When ACCELNET_TEST_CONTRACT_LOG names a file, every response itest_do()
 * gets from accelnetd (not from agents) is appended to it as one JSON line {suite, method, path,
 * status, contentType, body} (body as text; bodyBase64 instead when it is not UTF-8).
 * tests/contract/validate.mjs checks each against openapi.yaml. One write()
 * per line on an O_APPEND descriptor, under a lock: lines from concurrent
 * requests and from several test binaries never interleave. */
static pthread_mutex_t contract_lock = PTHREAD_MUTEX_INITIALIZER;

static json_t *contract_body(const struct itest_resp *r, const char **key)
{
    *key = "body";
    json_t *s = json_stringn(r->body ? r->body : "", r->body_len);
    if (s != NULL)
        return s;
    /* Not UTF-8: keep the bytes, base64-encoded. */
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *in = (const unsigned char *)r->body;
    size_t n = r->body_len;
    char *out = xrealloc(NULL, 4 * ((n + 2) / 3) + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = b64[(v >> 18) & 63];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? b64[v & 63] : '=';
    }
    out[o] = '\0';
    *key = "bodyBase64";
    s = json_string(out);
    free(out);
    return s;
}

static void contract_record(const char *method, const char *path, const struct itest_resp *r)
{
    const char *file = getenv("ACCELNET_TEST_CONTRACT_LOG");
    if (file == NULL || file[0] == '\0' || r->status <= 0)
        return;
    const char *ctype = itest_header(r, "Content-Type");
    const char *key;
    json_t *body = contract_body(r, &key);
    json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:s?, s:o}", "suite", program_invocation_short_name,
                          "method", method, "path", path, "status", (int)r->status, "contentType",
                          ctype, key, body);
    char *line = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (line == NULL) {
        fprintf(stderr, "itest: cannot record %s %s for the contract check\n", method, path);
        return;
    }
    size_t len = strlen(line);
    line[len] = '\n'; /* json_dumps leaves the NUL: replace it, write len + 1 */
    pthread_mutex_lock(&contract_lock);
    int fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    ssize_t w = fd >= 0 ? write(fd, line, len + 1) : -1;
    if (fd >= 0)
        close(fd);
    pthread_mutex_unlock(&contract_lock);
    if (w != (ssize_t)(len + 1))
        fprintf(stderr, "itest: %s: cannot append the response of %s %s: %s\n", file, method, path,
                strerror(errno));
    free(line);
}

int itest_do(const struct itest_daemon *d, const struct itest_req *rq, struct itest_resp *resp)
{
    itest_init();
    memset(resp, 0, sizeof *resp);
    const char *method = rq->method ? rq->method : "GET";
    char *url = xasprintf("%s%s", d->url, rq->path ? rq->path : "/");
    struct curl_slist *hl = NULL;
    char *auth = NULL;
    struct upload up = {0};
    int rc = -1;

    CURL *c = curl_easy_init();
    if (c == NULL) {
        snprintf(resp->error, sizeof resp->error, "curl_easy_init failed");
        goto out;
    }
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, rq->timeout_ms > 0 ? rq->timeout_ms : 15000L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
    if (!d->plain_http) {
        curl_easy_setopt(c, CURLOPT_CAINFO, itest_env("ACCELNET_TEST_TLS_CERT"));
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, resp);

    switch (rq->auth) {
    case ITEST_AUTH_ADMIN:
        auth = xasprintf("Authorization: Bearer %s", d->token);
        break;
    case ITEST_AUTH_TOKEN:
        auth = xasprintf("Authorization: Bearer %s", rq->token ? rq->token : "");
        break;
    case ITEST_AUTH_BAD:
        auth = xstrdup("Authorization: Bearer acn_notIssuedByAnyoneXXXXXXXXXXXXXXXXXXXXXXXXXXX");
        break;
    case ITEST_AUTH_NONE:
        break;
    }
    if (auth != NULL && !has_header(rq->headers, "Authorization"))
        hl = slist_add(hl, auth);
    for (const char *const *p = rq->headers; p != NULL && *p != NULL; p++)
        hl = slist_add(hl, *p);

    int has_body = rq->body != NULL || rq->raw_len > 0;
    if (has_body && !has_header(rq->headers, "Content-Type"))
        hl = slist_add(hl, "Content-Type: application/json");
    if (has_body && !has_header(rq->headers, "Expect"))
        hl = slist_add(hl, "Expect:"); /* no 100-continue round trip unless asked */

    if (rq->raw_len > 0 || (rq->body != NULL && rq->chunked)) {
        up.data = rq->raw_len > 0 ? NULL : rq->body;
        up.len = rq->raw_len > 0 ? rq->raw_len : (rq->body_len ? rq->body_len : strlen(rq->body));
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
        curl_easy_setopt(c, CURLOPT_READDATA, &up);
        if (rq->chunked)
            hl = slist_add(hl, "Transfer-Encoding: chunked");
        else
            curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)up.len);
    } else if (rq->body != NULL) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)(rq->body_len ? rq->body_len : strlen(rq->body)));
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    } else if (strcmp(method, "GET") == 0) {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);

    CURLcode cc = curl_easy_perform(c);
    resp->curl_code = (int)cc;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
    if (cc != CURLE_OK)
        snprintf(resp->error, sizeof resp->error, "%.10s %.100s: %.120s", method, url,
                 errbuf[0] ? errbuf : curl_easy_strerror(cc));
    if (resp->body == NULL) {
        resp->body = xstrdup("");
        resp->body_len = 0;
    }
    if (resp->body_len > 0)
        resp->json = json_loadb(resp->body, resp->body_len, JSON_DECODE_ANY, NULL);
    /* openapi.yaml is accelnetd's contract; the agent API is not in it. */
    if (strcmp(daemon_name(d), "accelnetd") == 0)
        contract_record(method, rq->path ? rq->path : "/", resp);
    /* A response that came back counts even if the upload was cut short
     * (the server may answer 413 and close before reading everything). */
    rc = resp->status > 0 ? 0 : -1;
out:
    if (c != NULL)
        curl_easy_cleanup(c);
    curl_slist_free_all(hl);
    free(auth);
    free(url);
    return rc;
}

/* Waits until the connection's socket is readable (what = 0) or writable. */
static int wait_socket(CURL *c, int writable, long long deadline)
{
    curl_socket_t fd = CURL_SOCKET_BAD;
    if (curl_easy_getinfo(c, CURLINFO_ACTIVESOCKET, &fd) != CURLE_OK || fd == CURL_SOCKET_BAD)
        return -1;
    long long left = deadline - itest_now_ms();
    if (left <= 0)
        return -1;
    struct pollfd p = {.fd = fd, .events = writable ? POLLOUT : POLLIN};
    int rc = poll(&p, 1, (int)left);
    return rc > 0 ? 0 : -1;
}

/* Content-Length of the headers in raw (which end at hdr_end), or 0. */
static size_t raw_content_length(const char *raw, const char *hdr_end)
{
    char buf[32];
    (void)hdr_end;
    const char *v = itest_raw_header(raw, "Content-Length", buf, sizeof buf);
    return v ? (size_t)strtoul(v, NULL, 10) : 0;
}

int itest_raw(const struct itest_daemon *d, const char *data, size_t len, long timeout_ms,
              char **out)
{
    itest_init();
    *out = NULL;
    size_t got = 0;
    char *buf = xrealloc(NULL, 1);
    buf[0] = '\0';
    long long deadline = itest_now_ms() + (timeout_ms > 0 ? timeout_ms : 15000);
    CURL *c = curl_easy_init();
    if (c == NULL)
        goto out;
    curl_easy_setopt(c, CURLOPT_URL, d->url);
    curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    if (!d->plain_http) {
        curl_easy_setopt(c, CURLOPT_CAINFO, itest_env("ACCELNET_TEST_TLS_CERT"));
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    }
    if (curl_easy_perform(c) != CURLE_OK)
        goto out;
    size_t sent = 0;
    while (sent < len) {
        size_t n = 0;
        CURLcode cc = curl_easy_send(c, data + sent, len - sent, &n);
        if (cc == CURLE_AGAIN) {
            if (wait_socket(c, 1, deadline) != 0)
                break;
            continue;
        }
        if (cc != CURLE_OK)
            break; /* the server may have answered and closed: read what it said */
        sent += n;
    }
    for (;;) {
        const char *hdr_end = strstr(buf, "\r\n\r\n");
        if (hdr_end != NULL &&
            got >= (size_t)(hdr_end + 4 - buf) + raw_content_length(buf, hdr_end))
            break;
        char chunk[4096];
        size_t n = 0;
        CURLcode cc = curl_easy_recv(c, chunk, sizeof chunk, &n);
        if (cc == CURLE_AGAIN) {
            if (wait_socket(c, 0, deadline) != 0)
                break;
            continue;
        }
        if (cc != CURLE_OK || n == 0)
            break;
        buf = xrealloc(buf, got + n + 1);
        memcpy(buf + got, chunk, n);
        got += n;
        buf[got] = '\0';
    }
out:
    if (c != NULL)
        curl_easy_cleanup(c);
    *out = buf;
    return got > 0 ? 0 : -1;
}

int itest_raw_status(const char *raw)
{
    if (raw == NULL || strncmp(raw, "HTTP/1.", 7) != 0 || strlen(raw) < 12)
        return 0;
    const char *sp = strchr(raw, ' ');
    if (sp == NULL)
        return 0;
    return (int)strtol(sp + 1, NULL, 10);
}

const char *itest_raw_header(const char *raw, const char *name, char *buf, size_t size)
{
    size_t nlen = strlen(name);
    const char *end = strstr(raw, "\r\n\r\n");
    const char *line = strstr(raw, "\r\n");
    while (line != NULL && (end == NULL || line < end)) {
        line += 2;
        if (strncasecmp(line, name, nlen) == 0 && line[nlen] == ':') {
            const char *v = line + nlen + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            size_t vlen = strcspn(v, "\r\n");
            snprintf(buf, size, "%.*s", (int)vlen, v);
            return buf;
        }
        line = strstr(line, "\r\n");
    }
    return NULL;
}

int itest_log_all_json(const struct itest_daemon *d)
{
    char *log = itest_daemon_log(d);
    if (log == NULL)
        return -1;
    int rc = 0;
    size_t lineno = 0;
    char *save = NULL;
    for (char *line = strtok_r(log, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        json_error_t jerr;
        json_t *j = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
        int ok = json_is_object(j);
        json_decref(j);
        if (!ok) {
            fprintf(stderr, "itest: %s line %zu is not a JSON object: %.300s\n", d->log_path,
                    lineno, line);
            rc = -1;
            break;
        }
    }
    free(log);
    return rc;
}

int itest_request(const struct itest_daemon *d, const char *method, const char *path,
                  const char *const *headers, const char *body, struct itest_resp *resp)
{
    struct itest_req rq = {.method = method, .path = path, .headers = headers, .body = body};
    return itest_do(d, &rq, resp);
}

const char *itest_header(const struct itest_resp *r, const char *name)
{
    const char *found = NULL;
    for (size_t i = 0; i < r->nheaders; i++) {
        if (strcasecmp(r->hnames[i], name) == 0)
            found = r->hvalues[i];
    }
    return found;
}

static const char *error_member(const struct itest_resp *r, const char *member)
{
    if (r->json == NULL)
        return NULL;
    json_t *err = json_object_get(r->json, "error");
    return json_string_value(json_object_get(err, member));
}

const char *itest_error_code(const struct itest_resp *r)
{
    return error_member(r, "code");
}

const char *itest_error_message(const struct itest_resp *r)
{
    return error_member(r, "message");
}

void itest_resp_free(struct itest_resp *r)
{
    headers_clear(r);
    free(r->body);
    json_decref(r->json);
    memset(r, 0, sizeof *r);
}

const char *itest_resp_str(const struct itest_resp *r)
{
    static char buf[700];
    if (r->status == 0) {
        snprintf(buf, sizeof buf, "no response (%s)", r->error);
        return buf;
    }
    const char *body = r->body ? r->body : "";
    size_t len = strlen(body);
    snprintf(buf, sizeof buf, "%ld %.*s%s", r->status, (int)(len > 600 ? 600 : len), body,
             len > 600 ? "..." : "");
    return buf;
}

int itest_is_uuid(const char *s)
{
    if (s == NULL || strlen(s) != 36)
        return 0;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return 0;
        } else if (!isxdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

/* --- step tables ----------------------------------------------------------- */

void itest_run_steps(const struct itest_daemon *d, const struct itest_step *steps,
                     const char *token)
{
    for (const struct itest_step *s = steps; s->label != NULL; s++) {
        struct itest_req rq = {
            .method = s->method, .path = s->path, .auth = s->auth, .token = token, .body = s->body};
        struct itest_resp r;
        itest_do(d, &rq, &r);
        char why[256] = "";
        const char *code = itest_error_code(&r);
        const char *hcode = itest_header(&r, "x-ms-error-code");
        if (r.status != s->status) {
            snprintf(why, sizeof why, "expected status %ld", s->status);
        } else if (itest_header(&r, "x-ms-request-id") == NULL) {
            snprintf(why, sizeof why, "no x-ms-request-id header");
        } else if (s->error != NULL && (code == NULL || strcmp(code, s->error) != 0)) {
            snprintf(why, sizeof why, "expected error code %s in the body", s->error);
        } else if (s->error != NULL && (hcode == NULL || strcmp(hcode, s->error) != 0)) {
            snprintf(why, sizeof why, "expected x-ms-error-code: %s, got %s", s->error,
                     hcode ? hcode : "(none)");
        } else if (s->error == NULL && s->status >= 400) {
            snprintf(why, sizeof why, "step expects an error status without an error code");
        }
        if (why[0] != '\0') {
            char got[720];
            snprintf(got, sizeof got, "%s", itest_resp_str(&r));
            itest_resp_free(&r);
            fail_msg("step \"%s\" (%s %s): %s; got %s", s->label, s->method ? s->method : "GET",
                     s->path, why, got);
        }
        itest_resp_free(&r);
    }
}

double itest_metric(const struct itest_daemon *d, const char *line_prefix)
{
    struct itest_resp r;
    itest_request(d, "GET", "/metrics", NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    double v = 0;
    const char *p = r.body ? strstr(r.body, line_prefix) : NULL;
    if (p)
        v = strtod(p + strlen(line_prefix), NULL);
    itest_resp_free(&r);
    return v;
}
