/* bench_api — requests per second that accelnetd serves, for the calls a
 * portal makes most, against baselines measured in the same run:
 *
 *   - GET /healthz: the HTTP stack alone (TLS, routing, the log line; no
 *     token, no database). Every API call is read against it;
 *   - pgbench -S on the same PostgreSQL cluster, as many clients: what the
 *     database alone serves, one indexed SELECT per transaction. GET a NIC
 *     is read against it too.
 *
 * The calls: GET /readyz (one SELECT 1 from the pool), GET a NIC, GET a
 * page of 100 NICs (the first page of the resource group's list), PUT a NIC
 * with the body it already has (an update that changes nothing: 200), and
 * PUT a new NIC (201: IP address, MAC, the NSG looked up).
 *
 * CLIENTS threads send a fixed number of requests each time, each over one
 * HTTPS connection it keeps (libcurl reuses it, as a portal backend or an
 * SDK client would; itest_do opens one per request). Every kind runs once
 * per repetition, in turn, so that a change in the machine's load touches
 * all alike; the table shows the median. Every response is checked (status,
 * and the body of the GETs and PUTs); a wrong one fails the bench instead of
 * giving a number. accelnetd runs with its default settings (8 HTTP threads,
 * 8 database connections) and logs at level info, one line per request. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <curl/curl.h>
#include <jansson.h>

#include "bench/benchout.h"
#include "tests/integration/itest.h"
#include "tests/integration/itfleet.h"

#define CLIENTS  4
#define NICS     200 /* NICs in the resource group before the runs */
#define PAGE     100 /* the list's default page */
#define MAX_REPS 50

#define NIC_PATH ITFLEET_RG_PATH "/providers/Microsoft.Network/networkInterfaces"

static struct itfleet fleet;

/* --- a client that keeps its connection ----------------------------------------- */

struct client {
    CURL *c;
    struct curl_slist *headers;
    char *body;
    size_t len, cap;
    long status;
    char error[CURL_ERROR_SIZE];
};

static size_t client_write(char *p, size_t size, size_t n, void *arg)
{
    struct client *cl = arg;
    size_t add = size * n;
    if (cl->len + add + 1 > cl->cap) {
        size_t cap = cl->cap ? cl->cap : 4096;
        while (cap < cl->len + add + 1)
            cap *= 2;
        char *b = realloc(cl->body, cap);
        if (b == NULL)
            return 0;
        cl->body = b;
        cl->cap = cap;
    }
    memcpy(cl->body + cl->len, p, add);
    cl->len += add;
    cl->body[cl->len] = '\0';
    return add;
}

static int client_init(struct client *cl)
{
    memset(cl, 0, sizeof *cl);
    cl->c = curl_easy_init();
    if (cl->c == NULL)
        return -1;
    cl->headers = curl_slist_append(NULL, "Authorization: Bearer " ITEST_ADMIN_TOKEN);
    cl->headers = curl_slist_append(cl->headers, "Content-Type: application/json");
    cl->headers = curl_slist_append(cl->headers, "Expect:");
    if (cl->headers == NULL)
        return -1;
    curl_easy_setopt(cl->c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(cl->c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(cl->c, CURLOPT_TIMEOUT_MS, 60000L);
    curl_easy_setopt(cl->c, CURLOPT_CAINFO, itest_env("ACCELNET_TEST_TLS_CERT"));
    curl_easy_setopt(cl->c, CURLOPT_HTTPHEADER, cl->headers);
    curl_easy_setopt(cl->c, CURLOPT_WRITEFUNCTION, client_write);
    curl_easy_setopt(cl->c, CURLOPT_WRITEDATA, cl);
    curl_easy_setopt(cl->c, CURLOPT_ERRORBUFFER, cl->error);
    return 0;
}

static void client_free(struct client *cl)
{
    if (cl->c)
        curl_easy_cleanup(cl->c);
    curl_slist_free_all(cl->headers);
    free(cl->body);
    memset(cl, 0, sizeof *cl);
}

/* One request on the kept connection: 0 when a response came back
 * (cl->status, cl->body), else -1 (cl->error). */
static int client_do(struct client *cl, const char *method, const char *path, const char *body)
{
    char url[600];
    snprintf(url, sizeof url, "%s%s", fleet.d.url, path);
    cl->len = 0;
    cl->status = 0;
    cl->error[0] = '\0';
    if (cl->body)
        cl->body[0] = '\0';
    curl_easy_setopt(cl->c, CURLOPT_URL, url);
    if (body) {
        curl_easy_setopt(cl->c, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(cl->c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(cl->c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    } else {
        curl_easy_setopt(cl->c, CURLOPT_CUSTOMREQUEST, NULL);
        curl_easy_setopt(cl->c, CURLOPT_HTTPGET, 1L);
    }
    CURLcode cc = curl_easy_perform(cl->c);
    curl_easy_getinfo(cl->c, CURLINFO_RESPONSE_CODE, &cl->status);
    if (cc != CURLE_OK && cl->error[0] == '\0')
        snprintf(cl->error, sizeof cl->error, "%s", curl_easy_strerror(cc));
    return cc == CURLE_OK ? 0 : -1;
}

/* --- what is measured ------------------------------------------------------------ */

static char nic_body[1024];
static int rep_now; /* the repetition running: names the new NICs */

struct kind {
    const char *what; /* the row */
    const char *method;
    int count; /* requests per run, over all clients */
    long want; /* the status every response must have */
    /* Request i's path (and body, or NULL). */
    void (*request)(int i, char *path, size_t size, const char **body);
    /* 0 when response i is right, else -1 with why. */
    int (*check)(int i, const char *body, size_t len, char *why, size_t size);
};

static void req_healthz(int i, char *path, size_t size, const char **body)
{
    (void)i;
    snprintf(path, size, "/healthz");
    *body = NULL;
}

static void req_readyz(int i, char *path, size_t size, const char **body)
{
    (void)i;
    snprintf(path, size, "/readyz");
    *body = NULL;
}

static void req_nic_get(int i, char *path, size_t size, const char **body)
{
    snprintf(path, size, NIC_PATH "/nic-%05d?" ITEST_AV, i % NICS);
    *body = NULL;
}

static void req_nic_list(int i, char *path, size_t size, const char **body)
{
    (void)i;
    snprintf(path, size, NIC_PATH "?" ITEST_AV);
    *body = NULL;
}

static void req_nic_put(int i, char *path, size_t size, const char **body)
{
    snprintf(path, size, NIC_PATH "/nic-%05d?" ITEST_AV, i % NICS);
    *body = nic_body;
}

static void req_nic_create(int i, char *path, size_t size, const char **body)
{
    snprintf(path, size, NIC_PATH "/new-%02d-%05d?" ITEST_AV, rep_now, i);
    *body = nic_body;
}

static int why_not(char *why, size_t size, const char *fmt, const char *arg)
{
    snprintf(why, size, fmt, arg);
    return -1;
}

static int check_status_ok(int i, const char *body, size_t len, char *why, size_t size)
{
    (void)i;
    json_t *j = json_loadb(body, len, 0, NULL);
    const char *s = json_string_value(json_object_get(j, "status"));
    int rc = s && (strcmp(s, "ok") == 0 || strcmp(s, "ready") == 0)
                 ? 0
                 : why_not(why, size, "unexpected body %.200s", body);
    json_decref(j);
    return rc;
}

/* A NIC as the API shows it: its name, Succeeded, accelerated. */
static int nic_ok(json_t *nic, const char *name, char *why, size_t size)
{
    const char *n = json_string_value(json_object_get(nic, "name"));
    json_t *props = json_object_get(nic, "properties");
    const char *ps = json_string_value(json_object_get(props, "provisioningState"));
    if (n == NULL || (name && strcmp(n, name) != 0))
        return why_not(why, size, "a NIC named %s", n ? n : "(none)");
    if (ps == NULL || strcmp(ps, "Succeeded") != 0 ||
        !json_is_true(json_object_get(props, "enableAcceleratedNetworking")))
        return why_not(why, size, "NIC %s not Succeeded and accelerated", n);
    return 0;
}

static int check_nic(const char *name, const char *body, size_t len, char *why, size_t size)
{
    json_t *j = json_loadb(body, len, 0, NULL);
    int rc = j ? nic_ok(j, name, why, size) : why_not(why, size, "not JSON: %.200s", body);
    json_decref(j);
    return rc;
}

static int check_nic_get(int i, const char *body, size_t len, char *why, size_t size)
{
    char name[32];
    snprintf(name, sizeof name, "nic-%05d", i % NICS);
    return check_nic(name, body, len, why, size);
}

static int check_nic_create(int i, const char *body, size_t len, char *why, size_t size)
{
    char name[32];
    snprintf(name, sizeof name, "new-%02d-%05d", rep_now, i);
    return check_nic(name, body, len, why, size);
}

static int check_nic_list(int i, const char *body, size_t len, char *why, size_t size)
{
    (void)i;
    json_t *j = json_loadb(body, len, 0, NULL);
    json_t *v = json_object_get(j, "value");
    int rc = 0;
    if (json_array_size(v) != PAGE || !json_is_string(json_object_get(j, "nextLink")))
        rc = why_not(why, size, "not a full page with a nextLink: %.200s", body);
    size_t k;
    json_t *nic;
    json_array_foreach(v, k, nic)
    {
        if (rc == 0)
            rc = nic_ok(nic, NULL, why, size);
    }
    json_decref(j);
    return rc;
}

/* The counts make each run last about a second on a small machine. */
static const struct kind kinds[] = {
    {"GET /healthz", "GET", 20000, 200, req_healthz, check_status_ok},
    {"GET /readyz (SELECT 1)", "GET", 10000, 200, req_readyz, check_status_ok},
    {"GET a NIC", "GET", 2000, 200, req_nic_get, check_nic_get},
    {"GET a page of 100 NICs", "GET", 200, 200, req_nic_list, check_nic_list},
    {"PUT a NIC, unchanged", "PUT", 1000, 200, req_nic_put, check_nic_get},
    {"PUT a new NIC", "PUT", 400, 201, req_nic_create, check_nic_create},
};
/* pgbench -S transactions per run, over all clients. */
#define PGBENCH_TX 20000
#define NKINDS     (sizeof kinds / sizeof kinds[0])

/* --- running one kind --------------------------------------------------------- */

struct run {
    const struct kind *k;
    int next; /* the next request to send */
    int ready;
    int failed;
    char error[600];
    long long t0, t1;
    pthread_mutex_t lock;
    pthread_cond_t cond;
};

/* Records the first failure; the other clients stop. */
static void run_fail(struct run *r, int i, const char *why)
{
    pthread_mutex_lock(&r->lock);
    if (!r->failed)
        snprintf(r->error, sizeof r->error, "%s, request %d: %s", r->k->what, i, why);
    r->failed = 1;
    pthread_mutex_unlock(&r->lock);
}

/* One request i: 0 when it came back right. */
static int one(struct run *r, struct client *cl, int i)
{
    char path[400], why[400];
    const char *body;
    r->k->request(i, path, sizeof path, &body);
    if (client_do(cl, r->k->method, path, body) != 0) {
        run_fail(r, i, cl->error);
        return -1;
    }
    if (cl->status != r->k->want) {
        snprintf(why, sizeof why, "status %ld (want %ld): %.200s", cl->status, r->k->want,
                 cl->body ? cl->body : "");
        run_fail(r, i, why);
        return -1;
    }
    if (r->k->check(i, cl->body ? cl->body : "", cl->len, why, sizeof why) != 0) {
        run_fail(r, i, why);
        return -1;
    }
    return 0;
}

static void *client_main(void *arg)
{
    struct run *r = arg;
    struct client cl;
    int ok = client_init(&cl) == 0;
    /* The connection first (TLS), outside the measured time. */
    if (ok && client_do(&cl, "GET", "/healthz", NULL) != 0) {
        run_fail(r, -1, cl.error);
        ok = 0;
    }
    pthread_mutex_lock(&r->lock);
    if (!ok && !r->failed) {
        snprintf(r->error, sizeof r->error, "%s: no client", r->k->what);
        r->failed = 1;
    }
    r->ready++;
    if (r->ready == CLIENTS) {
        r->t0 = itest_now_ms();
        pthread_cond_broadcast(&r->cond);
    }
    while (r->ready < CLIENTS)
        pthread_cond_wait(&r->cond, &r->lock);
    pthread_mutex_unlock(&r->lock);
    for (;;) {
        pthread_mutex_lock(&r->lock);
        int i = r->failed ? r->k->count : r->next++;
        pthread_mutex_unlock(&r->lock);
        if (i >= r->k->count || one(r, &cl, i) != 0)
            break;
    }
    client_free(&cl);
    return NULL;
}

/* Requests per second of one run of kind k; exits when a response is wrong. */
static double run_kind(const struct kind *k)
{
    struct run r = {.k = k};
    pthread_mutex_init(&r.lock, NULL);
    pthread_cond_init(&r.cond, NULL);
    pthread_t th[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
        if (pthread_create(&th[i], NULL, client_main, &r) != 0) {
            fprintf(stderr, "bench_api: pthread_create: %s\n", strerror(errno));
            exit(1);
        }
    }
    for (int i = 0; i < CLIENTS; i++)
        pthread_join(th[i], NULL);
    r.t1 = itest_now_ms();
    pthread_mutex_destroy(&r.lock);
    pthread_cond_destroy(&r.cond);
    if (r.failed) {
        fprintf(stderr, "bench_api: %s\n", r.error);
        itest_daemon_log_tail(&fleet.d, 20);
        itfleet_stop(&fleet);
        exit(1);
    }
    double s = (double)(r.t1 - r.t0) / 1000.0;
    double rate = s > 0 ? k->count / s : 0;
    printf("  %-26s %6d requests in %6.2f s: %8.1f per second\n", k->what, k->count, s, rate);
    return rate;
}

/* --- pgbench ------------------------------------------------------------------- */

/* Runs `pgbench args` against the test cluster; *out (caller frees) gets
 * what it printed. Its exit status, or -1. */
static int pgbench(const char *args, char **out)
{
    const char *bin = getenv("ACCELNET_BENCH_PGBENCH");
    *out = NULL;
    if (bin == NULL || access(bin, X_OK) != 0) {
        fprintf(stderr, "bench_api: no pgbench (ACCELNET_BENCH_PGBENCH=%s)\n",
                bin ? bin : "(unset)");
        return -1;
    }
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "'%s' -h '%s' -p '%s' -U '%s' %s bench_pgbench 2>&1 </dev/null", bin,
             itest_env("ACCELNET_TEST_PGHOST"), itest_env("ACCELNET_TEST_PGPORT"),
             itest_env("ACCELNET_TEST_PGUSER"), args);
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return -1;
    size_t len = 0;
    FILE *m = open_memstream(out, &len);
    char buf[4096];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, p)) > 0)
        if (m)
            fwrite(buf, 1, got, m);
    if (m)
        fclose(m);
    int st = pclose(p);
    return st == -1 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Transactions per second of pgbench -S (one SELECT by primary key each)
 * with CLIENTS clients, prepared statements as accelnetd's; exits on a
 * failure. */
static double pgbench_select(void)
{
    char *out = NULL, args[200];
    snprintf(args, sizeof args, "-n -S -M prepared -c %d -j %d -t %d", CLIENTS, CLIENTS,
             PGBENCH_TX / CLIENTS);
    int rc = pgbench(args, &out);
    const char *tps = out ? strstr(out, "tps = ") : NULL;
    double v = tps ? strtod(tps + 6, NULL) : 0;
    if (rc != 0 || v <= 0) {
        fprintf(stderr, "bench_api: pgbench %s failed (%d): %s\n", args, rc, out ? out : "");
        free(out);
        itfleet_stop(&fleet);
        exit(1);
    }
    free(out);
    printf("  %-26s %6d transactions: %8.1f per second\n", "pgbench -S", PGBENCH_TX, v);
    return v;
}

/* --- main ---------------------------------------------------------------------- */

static void die(const char *what)
{
    fprintf(stderr, "bench_api: %s: %s\n", what, fleet.error);
    if (fleet.d.pid > 0)
        itest_daemon_log_tail(&fleet.d, 40);
    itfleet_stop(&fleet);
    exit(1);
}

/* A row: v requests per second against a baseline of `base` (its unit). */
static void row(const char *what, double v, const char *base_what, double base,
                const char *base_unit)
{
    char val[64], b[96], ratio[32], n1[32], n2[32];
    snprintf(val, sizeof val, "%s req/s", benchout_num(n1, sizeof n1, v, 0));
    snprintf(b, sizeof b, "%s: %s %s", base_what, benchout_num(n2, sizeof n2, base, 0), base_unit);
    snprintf(ratio, sizeof ratio, "%.3f", base > 0 ? v / base : 0);
    if (benchout_row(what, val, b, ratio) != 0)
        exit(1);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int reps = benchout_reps();
    if (reps > MAX_REPS)
        reps = MAX_REPS;
    /* One agent: the fleet's subscription, resource group, NSG and subnet;
     * the NICs here have no VM. */
    struct itfleet_opts o = {.db_name = "bench_api",
                             .agents = 1,
                             .vfs_per_agent = 8,
                             .vms = 0,
                             .nics_per_vm = 1,
                             .env = NULL};
    if (itfleet_start(&fleet, &o) != 0)
        die("starting accelnetd");
    itfleet_nic_body(nic_body, sizeof nic_body, ITFLEET_NSG);
    /* The NICs the GETs and PUTs use. */
    static const struct kind create = {"creating the NICs", "PUT",        NICS, 201,
                                       req_nic_put,         check_nic_get};
    run_kind(&create);

    /* pgbench's tables, in a database of their own on the same cluster. */
    char *out = NULL;
    free(itest_db_create("bench_pgbench"));
    if (pgbench("-i -q -s 1", &out) != 0) {
        fprintf(stderr, "bench_api: pgbench -i failed: %s\n", out ? out : "");
        free(out);
        itfleet_stop(&fleet);
        return 1;
    }
    free(out);

    double rate[NKINDS][MAX_REPS], pg[MAX_REPS];
    for (int r = 0; r < reps; r++) {
        printf("repetition %d of %d\n", r + 1, reps);
        rep_now = r;
        for (size_t k = 0; k < NKINDS; k++)
            rate[k][r] = run_kind(&kinds[k]);
        pg[r] = pgbench_select();
    }
    itfleet_stop(&fleet);

    double med[NKINDS];
    for (size_t k = 0; k < NKINDS; k++)
        med[k] = benchout_median(rate[k], (size_t)reps);
    double pgmed = benchout_median(pg, (size_t)reps);
    for (size_t k = 1; k < NKINDS; k++)
        row(kinds[k].what, med[k], "GET /healthz", med[0], "req/s");
    row("GET a NIC, against PostgreSQL alone", med[2], "pgbench -S", pgmed, "tx/s");
    return 0;
}
