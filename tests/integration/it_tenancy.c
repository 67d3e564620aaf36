/* it_tenancy — subscriptions (admin API, disable/enable), subscription
 * tokens, resource groups (ARM names, locations, tags, paging, etags) and the
 * audit log, against a real accelnetd over HTTPS and a real PostgreSQL
 * database (issue 3, "Subscriptions, principals, tokens"). What the daemon
 * wrote is checked in the database, not only in the responses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tests/integration/itest.h"

#define AV ITEST_AV

/* Each test works on its own subscriptions, so they do not disturb each
 * other (the tests share one daemon and one database). */
#define SUB_CRUD   "11111111-1111-4111-8111-111111111111"
#define SUB_BAD    "22222222-2222-4222-8222-222222222222" /* bad bodies: never created */
#define SUB_DIS    "33333333-3333-4333-8333-333333333333"
#define SUB_TOK    "44444444-4444-4444-8444-444444444444"
#define SUB_TOK2   "45454545-4545-4545-8545-454545454545"
#define SUB_RG     "55555555-5555-4555-8555-555555555555"
#define SUB_RG2    "56565656-5656-4656-8656-565656565656"
#define SUB_PAGE   "66666666-6666-4666-8666-66666666660" /* + one digit: 5 subscriptions */
#define SUB_AUDIT  "77777777-7777-4777-8777-777777777777"
#define SUB_ETAG   "88888888-8888-4888-8888-888888888888"
#define SUB_LIST   "5a5a5a5a-5a5a-4a5a-8a5a-5a5a5a5a5a5a"
#define SUB_EMPTY  "5b5b5b5b-5b5b-4b5b-8b5b-5b5b5b5b5b5b"
#define SUB_NONE   "99999999-9999-4999-8999-999999999999" /* never created */
#define TOKEN_NONE "0badc0de-0000-4000-8000-000000000000"

#define ADM_SUBS "/admin/subscriptions"
/* With tags: a PUT without them is test_rg_put_without_tags, on a daemon of its own. */
#define RG_WEU "{\"location\":\"westeurope\",\"tags\":{}}"

static struct {
    char *conninfo;
    struct itest_daemon d;
    char bootstrap_id[64]; /* tokens.id of the bootstrap admin token */
} g;

static int setup(void **state)
{
    (void)state;
    g.conninfo = itest_db_create("it_tenancy");
    if (itest_daemon_start(&g.d, g.conninfo, NULL) != 0) {
        memset(&g.d, 0, sizeof g.d);
        return -1;
    }
    char *id = itest_pg_value(g.conninfo, "SELECT id::text FROM tokens WHERE bootstrap");
    if (id == NULL) {
        fprintf(stderr, "it_tenancy: no bootstrap token row\n");
        return -1;
    }
    snprintf(g.bootstrap_id, sizeof g.bootstrap_id, "%s", id);
    free(id);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    int rc = 0;
    if (g.d.pid > 0) {
        int st = itest_daemon_stop(&g.d, 20000);
        if (st != 0) {
            fprintf(stderr, "it_tenancy: accelnetd exited with %d after SIGTERM, expected 0\n", st);
            rc = -1;
        }
    }
    free(g.conninfo);
    return rc;
}

/* --- helpers ---------------------------------------------------------------- */

/* One request. token: a bearer token, or NULL for the admin token. */
static void call(const char *method, const char *path, const char *token,
                 const char *const *headers, const char *body, struct itest_resp *r)
{
    struct itest_req rq = {.method = method,
                           .path = path,
                           .auth = token ? ITEST_AUTH_TOKEN : ITEST_AUTH_ADMIN,
                           .token = token,
                           .headers = headers,
                           .body = body};
    itest_do(&g.d, &rq, r);
    if (itest_header(r, "x-ms-request-id") == NULL && r->status > 0)
        fail_msg("%s %s: no x-ms-request-id: %s", method, path, itest_resp_str(r));
}

/* call() and check the status (and error code when code != NULL); frees r. */
static void expect(const char *method, const char *path, const char *token, const char *body,
                   long status, const char *code)
{
    struct itest_resp r;
    call(method, path, token, NULL, body, &r);
    if (r.status != status || (code != NULL && (itest_error_code(&r) == NULL ||
                                                strcmp(itest_error_code(&r), code) != 0))) {
        char got[720];
        snprintf(got, sizeof got, "%s", itest_resp_str(&r));
        itest_resp_free(&r);
        fail_msg("%s %s: expected %ld%s%s, got %s", method, path, status, code ? " " : "",
                 code ? code : "", got);
    }
    if (code != NULL) {
        const char *h = itest_header(&r, "x-ms-error-code");
        if (h == NULL || strcmp(h, code) != 0)
            fail_msg("%s %s: x-ms-error-code should be %s, got %s", method, path, code,
                     h ? h : "(none)");
    }
    itest_resp_free(&r);
}

static const char *jstr(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* o[key] is the string want. */
static void expect_jmember(const json_t *o, const char *key, const char *want)
{
    const char *v = jstr(o, key);
    if (v == NULL || strcmp(v, want) != 0) {
        char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
        char got[600];
        snprintf(got, sizeof got, "%s", text ? text : "(nothing)");
        free(text);
        fail_msg("expected \"%s\": \"%s\" in %s", key, want, got);
    }
}

static void expect_member(const struct itest_resp *r, const char *key, const char *want)
{
    const char *v = jstr(r->json, key);
    if (v == NULL || strcmp(v, want) != 0)
        fail_msg("expected \"%s\": \"%s\", got %s", key, want, itest_resp_str(r));
}

static long long pg_long(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static long long pg_long(const char *fmt, ...)
{
    char sql[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    return itest_pg_long(g.conninfo, sql);
}

/* The first column of the first row, or NULL; caller frees. */
static char *pg_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *pg_text(const char *fmt, ...)
{
    char sql[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    return itest_pg_value(g.conninfo, sql);
}

/* details[] holds an entry whose target is `target`. */
static int has_detail(const struct itest_resp *r, const char *target)
{
    json_t *details = json_object_get(json_object_get(r->json, "error"), "details");
    size_t i;
    json_t *d;
    json_array_foreach(details, i, d)
    {
        const char *t = jstr(d, "target");
        if (t != NULL && strcmp(t, target) == 0)
            return 1;
    }
    return 0;
}

/* 400 InvalidRequestContent with exactly the details targets (n of them). */
static void expect_details(const char *method, const char *path, const char *body,
                           const char *const *targets, size_t n)
{
    struct itest_resp r;
    call(method, path, NULL, NULL, body, &r);
    ITEST_EXPECT_ERROR(&r, 400, "InvalidRequestContent");
    for (size_t i = 0; i < n; i++) {
        if (!has_detail(&r, targets[i]))
            fail_msg("%s %s with %s: no details[] entry with target \"%s\": %s", method, path, body,
                     targets[i], itest_resp_str(&r));
    }
    size_t got = json_array_size(json_object_get(json_object_get(r.json, "error"), "details"));
    if (got != n)
        fail_msg("%s %s with %s: expected %zu details, got %s", method, path, body, n,
                 itest_resp_str(&r));
    itest_resp_free(&r);
}

static void put_subscription(const char *id, const char *name)
{
    char path[256], body[512];
    snprintf(path, sizeof path, ADM_SUBS "/%s?" AV, id);
    snprintf(body, sizeof body, "{\"displayName\":\"%s\"}", name);
    struct itest_resp r;
    call("PUT", path, NULL, NULL, body, &r);
    if (r.status != 201 && r.status != 200)
        fail_msg("PUT %s: %s", path, itest_resp_str(&r));
    itest_resp_free(&r);
}

/* Issues a user token of subscription sub; id and token are copied out. */
static void issue_user_token(const char *sub, char id[64], char token[128])
{
    char path[256];
    snprintf(path, sizeof path, ADM_SUBS "/%s/tokens?" AV, sub);
    struct itest_resp r;
    call("POST", path, NULL, NULL, "{\"description\":\"it_tenancy user\"}", &r);
    ITEST_EXPECT_STATUS(&r, 201);
    const char *i = jstr(r.json, "id"), *t = jstr(r.json, "token");
    if (!itest_is_uuid(i) || t == NULL)
        fail_msg("token issue: no id/token in %s", itest_resp_str(&r));
    snprintf(id, 64, "%s", i);
    snprintf(token, 128, "%s", t);
    itest_resp_free(&r);
}

/* The path and query of a nextLink, after checking it points at this daemon. */
static const char *next_path(const char *link)
{
    size_t n = strlen(g.d.url);
    if (strncmp(link, g.d.url, n) != 0 || link[n] != '/')
        fail_msg("nextLink %s does not start with this daemon's URL %s", link, g.d.url);
    if (strstr(link, "api-version=2016-09-01") == NULL)
        fail_msg("nextLink %s lost the api-version", link);
    return link + n;
}

/* Follows a list from first_path through its nextLinks. Appends every
 * value[].key to out (a JSON array of strings) and returns the number of
 * pages; fails if a page holds more than top items. */
static int walk_pages(const char *first_path, const char *token, size_t top, const char *key,
                      json_t *out)
{
    char path[2048];
    int pages = 0;
    snprintf(path, sizeof path, "%s", first_path);
    for (;;) {
        struct itest_resp r;
        call("GET", path, token, NULL, NULL, &r);
        ITEST_EXPECT_STATUS(&r, 200);
        json_t *value = json_object_get(r.json, "value");
        if (!json_is_array(value))
            fail_msg("GET %s: no value array: %s", path, itest_resp_str(&r));
        if (json_array_size(value) > top)
            fail_msg("GET %s: %zu items on a page of $top=%zu", path, json_array_size(value), top);
        pages++;
        size_t i;
        json_t *item;
        json_array_foreach(value, i, item)
        {
            const char *v = jstr(item, key);
            if (v == NULL)
                fail_msg("GET %s: item %zu has no %s", path, i, key);
            json_array_append_new(out, json_string(v));
        }
        json_t *next = json_object_get(r.json, "nextLink");
        if (next == NULL || json_is_null(next)) {
            itest_resp_free(&r);
            break;
        }
        if (!json_is_string(next))
            fail_msg("nextLink must be a string: %s", itest_resp_str(&r));
        if (json_array_size(value) != top)
            fail_msg("GET %s: a nextLink after a short page (%zu of %zu)", path,
                     json_array_size(value), top);
        snprintf(path, sizeof path, "%s", next_path(json_string_value(next)));
        itest_resp_free(&r);
        if (pages > 100)
            fail_msg("more than 100 pages: the nextLinks loop");
    }
    return pages;
}

/* --- subscriptions: create, update, read --------------------------------------- */

static void expect_admin_subscription(const struct itest_resp *r, const char *id, const char *name,
                                      const char *state)
{
    char rid[128];
    snprintf(rid, sizeof rid, "/subscriptions/%s", id);
    expect_member(r, "id", rid);
    expect_member(r, "subscriptionId", id);
    expect_member(r, "displayName", name);
    expect_member(r, "state", state);
    if (jstr(r->json, "createdAt") == NULL || jstr(r->json, "updatedAt") == NULL)
        fail_msg("createdAt / updatedAt missing: %s", itest_resp_str(r));
    if (json_object_get(r->json, "contactWebhook") == NULL)
        fail_msg("contactWebhook must be present (null when unset): %s", itest_resp_str(r));
}

static void test_subscription_crud(void **state)
{
    (void)state;
    struct itest_resp r;
    const char *path = ADM_SUBS "/" SUB_CRUD "?" AV;

    call("GET", path, NULL, NULL, NULL, &r);
    ITEST_EXPECT_ERROR(&r, 404, "SubscriptionNotFound");
    itest_resp_free(&r);

    call("PUT", path, NULL, NULL, "{\"displayName\":\"Contoso preview\"}", &r);
    ITEST_EXPECT_STATUS(&r, 201);
    expect_admin_subscription(&r, SUB_CRUD, "Contoso preview", "Enabled");
    if (!json_is_null(json_object_get(r.json, "contactWebhook")))
        fail_msg("contactWebhook should be null when not given: %s", itest_resp_str(&r));
    char created[64];
    snprintf(created, sizeof created, "%s", jstr(r.json, "createdAt"));
    itest_resp_free(&r);
    assert_int_equal(pg_long("SELECT count(*) FROM subscriptions WHERE id = '%s'", SUB_CRUD), 1);

    /* Update: 200, the new values. */
    call(
        "PUT", path, NULL, NULL,
        "{\"displayName\":\"Contoso (renamed)\",\"contactWebhook\":\"https://hooks.contoso.example/"
        "accelnet\"}",
        &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_admin_subscription(&r, SUB_CRUD, "Contoso (renamed)", "Enabled");
    expect_member(&r, "contactWebhook", "https://hooks.contoso.example/accelnet");
    expect_member(&r, "createdAt", created); /* an update keeps the creation time */
    itest_resp_free(&r);

    call("GET", path, NULL, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_admin_subscription(&r, SUB_CRUD, "Contoso (renamed)", "Enabled");
    expect_member(&r, "contactWebhook", "https://hooks.contoso.example/accelnet");
    itest_resp_free(&r);

    /* The GUID in upper case is the same subscription, answered in lower case. */
    char upper[128];
    snprintf(upper, sizeof upper, ADM_SUBS "/%s?" AV, SUB_CRUD);
    for (char *p = upper + strlen(ADM_SUBS); *p && *p != '?'; p++)
        *p = (char)toupper((unsigned char)*p);
    call("GET", upper, NULL, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_member(&r, "subscriptionId", SUB_CRUD);
    itest_resp_free(&r);
    call("PUT", upper, NULL, NULL, "{\"displayName\":\"Contoso\",\"contactWebhook\":null}", &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_member(&r, "subscriptionId", SUB_CRUD);
    expect_member(&r, "displayName", "Contoso");
    itest_resp_free(&r);
    assert_int_equal(pg_long("SELECT count(*) FROM subscriptions WHERE id = '%s'", SUB_CRUD), 1);

    /* 256 characters (not bytes) are allowed in displayName. */
    char body[1400];
    int n = snprintf(body, sizeof body, "{\"displayName\":\"");
    for (int i = 0; i < 256; i++)
        n += snprintf(body + n, sizeof body - (size_t)n, "\xc3\xa9"); /* é */
    snprintf(body + n, sizeof body - (size_t)n, "\"}");
    call("PUT", path, NULL, NULL, body, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    itest_resp_free(&r);

    /* The subscription's own view (ARM's Subscription), with the admin token. */
    call("GET", "/subscriptions/" SUB_CRUD "?" AV, NULL, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_member(&r, "subscriptionId", SUB_CRUD);
    expect_member(&r, "id", "/subscriptions/" SUB_CRUD);
    expect_member(&r, "state", "Enabled");
    itest_resp_free(&r);
}

/* --- subscriptions: bad input, nothing written ------------------------------------ */

static const struct itest_step bad_guid_steps[] = {
    {"PUT with a bad GUID", "PUT", ADM_SUBS "/not-a-guid?" AV, ITEST_AUTH_ADMIN,
     "{\"displayName\":\"x\"}", 400, "InvalidSubscriptionId"},
    {"GET with a bad GUID", "GET", ADM_SUBS "/not-a-guid?" AV, ITEST_AUTH_ADMIN, NULL, 400,
     "InvalidSubscriptionId"},
    {"GUID without dashes", "GET", ADM_SUBS "/22222222222242228222222222222222?" AV,
     ITEST_AUTH_ADMIN, NULL, 400, "InvalidSubscriptionId"},
    {"GUID one character short", "GET", ADM_SUBS "/2222222-2222-4222-8222-222222222222?" AV,
     ITEST_AUTH_ADMIN, NULL, 400, "InvalidSubscriptionId"},
    {"GUID with a trailing character", "GET", ADM_SUBS "/22222222-2222-4222-8222-222222222222x?" AV,
     ITEST_AUTH_ADMIN, NULL, 400, "InvalidSubscriptionId"},
    {"disable with a bad GUID", "POST", ADM_SUBS "/not-a-guid/disable?" AV, ITEST_AUTH_ADMIN, NULL,
     400, "InvalidSubscriptionId"},
    {"enable with a bad GUID", "POST", ADM_SUBS "/not-a-guid/enable?" AV, ITEST_AUTH_ADMIN, NULL,
     400, "InvalidSubscriptionId"},
    {"token issue with a bad GUID", "POST", ADM_SUBS "/not-a-guid/tokens?" AV, ITEST_AUTH_ADMIN,
     NULL, 400, "InvalidSubscriptionId"},
    {"token list with a bad GUID", "GET", ADM_SUBS "/not-a-guid/tokens?" AV, ITEST_AUTH_ADMIN, NULL,
     400, "InvalidSubscriptionId"},
    {"token revoke with a bad GUID", "DELETE", ADM_SUBS "/not-a-guid/tokens/" TOKEN_NONE "?" AV,
     ITEST_AUTH_ADMIN, NULL, 400, "InvalidSubscriptionId"},
    {"ARM GET with a bad GUID", "GET", "/subscriptions/not-a-guid?" AV, ITEST_AUTH_ADMIN, NULL, 400,
     "InvalidSubscriptionId"},
    {"ARM resource groups with a bad GUID", "GET", "/subscriptions/not-a-guid/resourcegroups?" AV,
     ITEST_AUTH_ADMIN, NULL, 400, "InvalidSubscriptionId"},
    {"PUT without a body", "PUT", ADM_SUBS "/" SUB_BAD "?" AV, ITEST_AUTH_ADMIN, NULL, 400,
     "InvalidRequestContent"},
    {"PUT with an array", "PUT", ADM_SUBS "/" SUB_BAD "?" AV, ITEST_AUTH_ADMIN,
     "[{\"displayName\":\"x\"}]", 400, "InvalidRequestContent"},
    {"PUT with malformed JSON", "PUT", ADM_SUBS "/" SUB_BAD "?" AV, ITEST_AUTH_ADMIN,
     "{\"displayName\":", 400, "InvalidRequestContent"},
    {"PUT without api-version", "PUT", ADM_SUBS "/" SUB_BAD, ITEST_AUTH_ADMIN,
     "{\"displayName\":\"x\"}", 400, "MissingApiVersionParameter"},
    {NULL, NULL, NULL, 0, NULL, 0, NULL},
};

static void test_subscription_bad_input(void **state)
{
    (void)state;
    itest_run_steps(&g.d, bad_guid_steps, NULL);

    const char *path = ADM_SUBS "/" SUB_BAD "?" AV;
    static const char *const name[] = {"displayName"};
    static const char *const hook[] = {"contactWebhook"};
    static const char *const bogus[] = {"bogus"};
    static const char *const two[] = {"displayName", "contactWebhook"};
    expect_details("PUT", path, "{}", name, 1);
    expect_details("PUT", path, "{\"contactWebhook\":\"https://h.example/\"}", name, 1);
    expect_details("PUT", path, "{\"displayName\":null}", name, 1);
    expect_details("PUT", path, "{\"displayName\":5}", name, 1);
    expect_details("PUT", path, "{\"displayName\":[\"x\"]}", name, 1);
    expect_details("PUT", path, "{\"displayName\":\"\"}", name, 1);
    expect_details("PUT", path, "{\"displayName\":\"x\",\"bogus\":true}", bogus, 1);
    expect_details("PUT", path, "{\"displayName\":\"x\",\"contactWebhook\":7}", hook, 1);
    expect_details("PUT", path, "{\"displayName\":\"x\",\"contactWebhook\":\"ftp://h.example/\"}",
                   hook, 1);
    expect_details("PUT", path, "{\"displayName\":\"x\",\"contactWebhook\":\"not a url\"}", hook,
                   1);
    expect_details("PUT", path, "{\"displayName\":\"x\",\"contactWebhook\":\"https://\"}", hook, 1);
    expect_details("PUT", path, "{\"displayName\":\"x\",\"contactWebhook\":\"https:///path\"}",
                   hook, 1);
    expect_details("PUT", path,
                   "{\"displayName\":\"x\",\"contactWebhook\":\"https://h.example/a b\"}", hook, 1);
    expect_details("PUT", path, "{\"displayName\":false,\"contactWebhook\":\"mailto:a@b\"}", two,
                   2);
    /* Read-only members of the admin view are not accepted back. */
    static const char *const state_m[] = {"state"};
    expect_details("PUT", path, "{\"displayName\":\"x\",\"state\":\"Disabled\"}", state_m, 1);
    /* 257 characters. */
    char body[400];
    int n = snprintf(body, sizeof body, "{\"displayName\":\"");
    for (int i = 0; i < 257; i++)
        body[n++] = 'n';
    snprintf(body + n, sizeof body - (size_t)n, "\"}");
    expect_details("PUT", path, body, name, 1);

    /* Nothing was written: no row, no audit entry. */
    assert_int_equal(pg_long("SELECT count(*) FROM subscriptions WHERE id = '%s'", SUB_BAD), 0);
    assert_int_equal(
        pg_long("SELECT count(*) FROM audit_log WHERE subscription_id = '%s'", SUB_BAD), 0);

    /* A bad update of an existing subscription changes nothing either. */
    put_subscription(SUB_BAD, "Fabrikam");
    long long audits =
        pg_long("SELECT count(*) FROM audit_log WHERE subscription_id = '%s'", SUB_BAD);
    char *before = pg_text("SELECT display_name || '|' || coalesce(contact_webhook, '-') || '|' ||"
                           " updated_at::text FROM subscriptions WHERE id = '%s'",
                           SUB_BAD);
    expect_details("PUT", path, "{\"displayName\":\"Changed\",\"contactWebhook\":\"gopher://x\"}",
                   hook, 1);
    expect_details("PUT", path, "{\"displayName\":\"Changed\",\"extra\":1}",
                   (const char *[]){"extra"}, 1);
    char *after = pg_text("SELECT display_name || '|' || coalesce(contact_webhook, '-') || '|' ||"
                          " updated_at::text FROM subscriptions WHERE id = '%s'",
                          SUB_BAD);
    assert_non_null(before);
    assert_non_null(after);
    assert_string_equal(before, after);
    free(before);
    free(after);
    assert_int_equal(
        pg_long("SELECT count(*) FROM audit_log WHERE subscription_id = '%s'", SUB_BAD), audits);
}

/* --- subscriptions: list and paging ------------------------------------------------- */

static void test_subscription_list_paging(void **state)
{
    (void)state;
    for (int i = 1; i <= 5; i++) {
        char id[64], name[32];
        snprintf(id, sizeof id, SUB_PAGE "%d", i);
        snprintf(name, sizeof name, "paging %d", i);
        put_subscription(id, name);
    }
    long long total = pg_long("SELECT count(*) FROM subscriptions");
    assert_true(total >= 5);

    json_t *ids = json_array();
    int pages = walk_pages(ADM_SUBS "?" AV "&$top=2", NULL, 2, "subscriptionId", ids);
    if ((long long)json_array_size(ids) != total)
        fail_msg("paging with $top=2 gave %zu subscriptions, the table has %lld",
                 json_array_size(ids), total);
    if (pages != (int)((total + 1) / 2))
        fail_msg("%lld subscriptions in pages of 2 should take %lld pages, took %d", total,
                 (total + 1) / 2, pages);
    /* Ordered, each once, and the five new ones among them. */
    int seen = 0;
    for (size_t i = 0; i < json_array_size(ids); i++) {
        const char *id = json_string_value(json_array_get(ids, i));
        if (i > 0 && strcmp(json_string_value(json_array_get(ids, i - 1)), id) >= 0)
            fail_msg("list not in a stable order (or repeated): %s after %s", id,
                     json_string_value(json_array_get(ids, i - 1)));
        if (strncmp(id, SUB_PAGE, strlen(SUB_PAGE)) == 0)
            seen++;
    }
    assert_int_equal(seen, 5);
    json_decref(ids);

    /* One big page: no nextLink. */
    struct itest_resp r;
    call("GET", ADM_SUBS "?" AV "&$top=1000", NULL, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_int_equal((long long)json_array_size(json_object_get(r.json, "value")), total);
    if (json_object_get(r.json, "nextLink") != NULL &&
        !json_is_null(json_object_get(r.json, "nextLink")))
        fail_msg("a complete list must have no nextLink: %s", itest_resp_str(&r));
    itest_resp_free(&r);

    /* Exactly $top left: the page is full but nothing follows. */
    char path[128];
    snprintf(path, sizeof path, ADM_SUBS "?" AV "&$top=%lld", total);
    call("GET", path, NULL, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    if (json_object_get(r.json, "nextLink") != NULL &&
        !json_is_null(json_object_get(r.json, "nextLink")))
        fail_msg("$top = the number of subscriptions: no nextLink expected: %s",
                 itest_resp_str(&r));
    itest_resp_free(&r);

    /* The default page holds them all (fewer than 100 here). */
    call("GET", ADM_SUBS "?" AV, NULL, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_int_equal((long long)json_array_size(json_object_get(r.json, "value")), total);
    itest_resp_free(&r);

    expect("GET", ADM_SUBS "?" AV "&$top=0", NULL, NULL, 400, "InvalidQueryParameterValue");
    expect("GET", ADM_SUBS "?" AV "&$top=1001", NULL, NULL, 400, "InvalidQueryParameterValue");
    expect("GET", ADM_SUBS "?" AV "&$top=two", NULL, NULL, 400, "InvalidQueryParameterValue");
    expect("GET", ADM_SUBS "?" AV "&$top=-1", NULL, NULL, 400, "InvalidQueryParameterValue");
    expect("GET", ADM_SUBS "?" AV "&$skipToken=%21%21%21", NULL, NULL, 400,
           "InvalidQueryParameterValue");
    /* Valid base64url, but not a token this list issued. */
    expect("GET", ADM_SUBS "?" AV "&$skipToken=aGVsbG8", NULL, NULL, 400,
           "InvalidQueryParameterValue");
}

/* --- disabled subscriptions ---------------------------------------------------------- */

static void test_disable_enable(void **state)
{
    (void)state;
    struct itest_resp r;
    char tok_id[64], tok[128];
    put_subscription(SUB_DIS, "Northwind");
    issue_user_token(SUB_DIS, tok_id, tok);
    expect("PUT", "/subscriptions/" SUB_DIS "/resourcegroups/keep?" AV, tok, RG_WEU, 201, NULL);

    call("POST", ADM_SUBS "/" SUB_DIS "/disable?" AV, NULL, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_admin_subscription(&r, SUB_DIS, "Northwind", "Disabled");
    itest_resp_free(&r);
    char *st = pg_text("SELECT state FROM subscriptions WHERE id = '%s'", SUB_DIS);
    assert_non_null(st);
    assert_string_equal(st, "Disabled");
    free(st);

    /* Still readable, by its users and by the admin. */
    call("GET", "/subscriptions/" SUB_DIS "?" AV, tok, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_member(&r, "state", "Disabled");
    itest_resp_free(&r);
    expect("GET", "/subscriptions/" SUB_DIS "/resourcegroups?" AV, tok, NULL, 200, NULL);
    expect("GET", "/subscriptions/" SUB_DIS "/resourcegroups/keep?" AV, tok, NULL, 200, NULL);
    expect("GET", "/subscriptions/" SUB_DIS "/resourcegroups/keep?" AV, NULL, NULL, 200, NULL);
    expect("GET", ADM_SUBS "/" SUB_DIS "?" AV, NULL, NULL, 200, NULL);

    /* But every write is refused, whoever asks, before anything else. */
    expect("PUT", "/subscriptions/" SUB_DIS "/resourcegroups/newgroup?" AV, tok, RG_WEU, 409,
           "ReadOnlyDisabledSubscription");
    expect("PUT", "/subscriptions/" SUB_DIS "/resourcegroups/keep?" AV, tok, RG_WEU, 409,
           "ReadOnlyDisabledSubscription");
    expect("PUT", "/subscriptions/" SUB_DIS "/resourcegroups/newgroup?" AV, NULL, RG_WEU, 409,
           "ReadOnlyDisabledSubscription");
    expect("DELETE", "/subscriptions/" SUB_DIS "/resourcegroups/keep?" AV, tok, NULL, 409,
           "ReadOnlyDisabledSubscription");
    expect("DELETE", "/subscriptions/" SUB_DIS "/resourcegroups/keep?" AV, NULL, NULL, 409,
           "ReadOnlyDisabledSubscription");
    assert_int_equal(
        pg_long("SELECT count(*) FROM resource_groups WHERE subscription_id = '%s'", SUB_DIS), 1);

    /* Disabling again is harmless; an admin update keeps it disabled. */
    call("POST", ADM_SUBS "/" SUB_DIS "/disable?" AV, NULL, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_member(&r, "state", "Disabled");
    itest_resp_free(&r);
    call("PUT", ADM_SUBS "/" SUB_DIS "?" AV, NULL, NULL, "{\"displayName\":\"Northwind Traders\"}",
         &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_admin_subscription(&r, SUB_DIS, "Northwind Traders", "Disabled");
    itest_resp_free(&r);
    expect("PUT", "/subscriptions/" SUB_DIS "/resourcegroups/newgroup?" AV, tok, RG_WEU, 409,
           "ReadOnlyDisabledSubscription");

    /* Enabled again: writes work. */
    call("POST", ADM_SUBS "/" SUB_DIS "/enable?" AV, NULL, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_admin_subscription(&r, SUB_DIS, "Northwind Traders", "Enabled");
    itest_resp_free(&r);
    expect("PUT", "/subscriptions/" SUB_DIS "/resourcegroups/newgroup?" AV, tok, RG_WEU, 201, NULL);
    expect("PUT", "/subscriptions/" SUB_DIS "/resourcegroups/keep?" AV, tok, RG_WEU, 200, NULL);
    expect("DELETE", "/subscriptions/" SUB_DIS "/resourcegroups/newgroup?" AV, tok, NULL, 200,
           NULL);
    call("POST", ADM_SUBS "/" SUB_DIS "/enable?" AV, NULL, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_member(&r, "state", "Enabled");
    itest_resp_free(&r);

    /* Unknown subscriptions. */
    expect("POST", ADM_SUBS "/" SUB_NONE "/disable?" AV, NULL, NULL, 404, "SubscriptionNotFound");
    expect("POST", ADM_SUBS "/" SUB_NONE "/enable?" AV, NULL, NULL, 404, "SubscriptionNotFound");
    assert_int_equal(pg_long("SELECT count(*) FROM subscriptions WHERE id = '%s'", SUB_NONE), 0);
}

/* --- subscription tokens ------------------------------------------------------------- */

static void test_subscription_tokens(void **state)
{
    (void)state;
    struct itest_resp r;
    put_subscription(SUB_TOK, "Adventure Works");
    put_subscription(SUB_TOK2, "Wide World Importers");

    /* Issue: 201, the token shown once. */
    call("POST", ADM_SUBS "/" SUB_TOK "/tokens?" AV, NULL, NULL,
         "{\"description\":\"portal backend\"}", &r);
    ITEST_EXPECT_STATUS(&r, 201);
    expect_member(&r, "role", "user");
    expect_member(&r, "subscriptionId", SUB_TOK);
    expect_member(&r, "description", "portal backend");
    if (json_object_get(r.json, "bootstrap") != NULL)
        fail_msg("subscription tokens carry no bootstrap member: %s", itest_resp_str(&r));
    if (jstr(r.json, "createdAt") == NULL)
        fail_msg("no createdAt: %s", itest_resp_str(&r));
    const char *t = jstr(r.json, "token");
    /* acn_ + base64url of at least 32 random bytes (43 characters). */
    if (t == NULL || strncmp(t, "acn_", 4) != 0 || strlen(t) < 4 + 43)
        fail_msg("token should be acn_ and >= 43 characters: %s", itest_resp_str(&r));
    char id[64], tok[128];
    snprintf(id, sizeof id, "%s", jstr(r.json, "id"));
    snprintf(tok, sizeof tok, "%s", t);
    assert_true(itest_is_uuid(id));
    itest_resp_free(&r);

    /* Stored as a hash only. */
    char *role = pg_text("SELECT role || '|' || subscription_id || '|' || length(hash)"
                         " FROM tokens WHERE id = '%s'",
                         id);
    assert_non_null(role);
    assert_string_equal(role, "user|" SUB_TOK "|64");
    free(role);
    assert_int_equal(
        pg_long("SELECT count(*) FROM tokens WHERE hash = '%s' OR description = '%s'", tok, tok),
        0);

    /* No body at all is fine too; a body with a role is not (no escalation). */
    char id2[64], tok2[128];
    call("POST", ADM_SUBS "/" SUB_TOK "/tokens?" AV, NULL, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 201);
    snprintf(id2, sizeof id2, "%s", jstr(r.json, "id"));
    snprintf(tok2, sizeof tok2, "%s", jstr(r.json, "token"));
    expect_member(&r, "description", "");
    itest_resp_free(&r);
    static const char *const rolet[] = {"role"};
    expect_details("POST", ADM_SUBS "/" SUB_TOK "/tokens?" AV, "{\"role\":\"admin\"}", rolet, 1);
    static const char *const desct[] = {"description"};
    expect_details("POST", ADM_SUBS "/" SUB_TOK "/tokens?" AV, "{\"description\":1}", desct, 1);
    /* Nor can /admin/tokens make user tokens. */
    expect_details("POST", "/admin/tokens?" AV, "{\"role\":\"user\"}", rolet, 1);
    assert_int_equal(pg_long("SELECT count(*) FROM tokens WHERE subscription_id = '%s'", SUB_TOK),
                     2);

    /* The list: ids and creation times, never a token or a hash. */
    call("GET", ADM_SUBS "/" SUB_TOK "/tokens?" AV, NULL, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    json_t *value = json_object_get(r.json, "value");
    assert_int_equal(json_array_size(value), 2);
    size_t i;
    json_t *item;
    json_array_foreach(value, i, item)
    {
        if (!itest_is_uuid(jstr(item, "id")) || jstr(item, "createdAt") == NULL)
            fail_msg("token list entry %zu without id/createdAt: %s", i, itest_resp_str(&r));
        if (json_object_get(item, "token") != NULL || json_object_get(item, "hash") != NULL)
            fail_msg("token list shows a token or hash: %s", itest_resp_str(&r));
        if (strcmp(jstr(item, "role") ? jstr(item, "role") : "", "user") != 0 ||
            strcmp(jstr(item, "subscriptionId") ? jstr(item, "subscriptionId") : "", SUB_TOK) != 0)
            fail_msg("token list entry %zu: role user and subscriptionId expected: %s", i,
                     itest_resp_str(&r));
    }
    assert_null(strstr(r.body, tok));
    assert_null(strstr(r.body, tok2));
    char *hashes =
        pg_text("SELECT string_agg(hash, ',') FROM tokens WHERE subscription_id = '%s'", SUB_TOK);
    assert_non_null(hashes);
    char *save = NULL;
    for (char *h = strtok_r(hashes, ",", &save); h; h = strtok_r(NULL, ",", &save))
        if (strstr(r.body, h) != NULL)
            fail_msg("the token list shows a hash");
    free(hashes);
    itest_resp_free(&r);
    /* Another subscription's list does not show them. */
    call("GET", ADM_SUBS "/" SUB_TOK2 "/tokens?" AV, NULL, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_int_equal(json_array_size(json_object_get(r.json, "value")), 0);
    itest_resp_free(&r);
    /* Nor the admin token list. */
    call("GET", "/admin/tokens?" AV, NULL, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    if (strstr(r.body, id) != NULL)
        fail_msg("/admin/tokens lists a subscription token: %s", itest_resp_str(&r));
    itest_resp_free(&r);

    /* The user token works on its own subscription (any case of the GUID)... */
    call("GET", "/subscriptions/" SUB_TOK "?" AV, tok, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_member(&r, "subscriptionId", SUB_TOK);
    expect_member(&r, "displayName", "Adventure Works");
    expect_member(&r, "state", "Enabled");
    itest_resp_free(&r);
    expect("GET", "/SUBSCRIPTIONS/44444444-4444-4444-8444-444444444444/ResourceGroups?" AV, tok,
           NULL, 200, NULL);
    expect("PUT", "/subscriptions/" SUB_TOK "/resourcegroups/user-made?" AV, tok, RG_WEU, 201,
           NULL);
    /* ...and nowhere else. */
    expect("GET", "/subscriptions/" SUB_TOK2 "?" AV, tok, NULL, 403, "AuthorizationFailed");
    expect("GET", "/subscriptions/" SUB_TOK2 "/resourcegroups?" AV, tok, NULL, 403,
           "AuthorizationFailed");
    expect("GET", ADM_SUBS "/" SUB_TOK "?" AV, tok, NULL, 403, "AuthorizationFailed");
    expect("GET", ADM_SUBS "/" SUB_TOK "/tokens?" AV, tok, NULL, 403, "AuthorizationFailed");
    expect("POST", ADM_SUBS "/" SUB_TOK "/tokens?" AV, tok, "{}", 403, "AuthorizationFailed");
    expect("GET", "/admin/tokens?" AV, tok, NULL, 403, "AuthorizationFailed");
    expect("GET", "/metrics", tok, NULL, 403, "AuthorizationFailed");

    /* Revoking through another subscription's path does nothing. */
    char path[256];
    snprintf(path, sizeof path, ADM_SUBS "/" SUB_TOK2 "/tokens/%s?" AV, id);
    expect("DELETE", path, NULL, NULL, 204, NULL);
    expect("GET", "/subscriptions/" SUB_TOK "?" AV, tok, NULL, 200, NULL);

    /* Revoke: 200 {}, 401 at once, 204 when repeated. */
    snprintf(path, sizeof path, ADM_SUBS "/" SUB_TOK "/tokens/%s?" AV, id);
    call("DELETE", path, NULL, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    if (!json_is_object(r.json) || json_object_size(r.json) != 0)
        fail_msg("DELETE should answer {}: %s", itest_resp_str(&r));
    itest_resp_free(&r);
    expect("GET", "/subscriptions/" SUB_TOK "?" AV, tok, NULL, 401, "AuthenticationFailed");
    expect("GET", "/subscriptions/" SUB_TOK "/resourcegroups?" AV, tok, NULL, 401,
           "AuthenticationFailed");
    expect("DELETE", path, NULL, NULL, 204, NULL);
    /* The other token of the subscription is untouched. */
    expect("GET", "/subscriptions/" SUB_TOK "?" AV, tok2, NULL, 200, NULL);
    call("GET", ADM_SUBS "/" SUB_TOK "/tokens?" AV, NULL, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_int_equal(json_array_size(json_object_get(r.json, "value")), 1);
    expect_jmember(json_array_get(json_object_get(r.json, "value"), 0), "id", id2);
    itest_resp_free(&r);

    /* A token id that is not a GUID; an unknown one. */
    expect("DELETE", ADM_SUBS "/" SUB_TOK "/tokens/nope?" AV, NULL, NULL, 400, "InvalidParameter");
    expect("DELETE", ADM_SUBS "/" SUB_TOK "/tokens/" TOKEN_NONE "?" AV, NULL, NULL, 204, NULL);

    /* Tokens of a subscription that does not exist. */
    expect("POST", ADM_SUBS "/" SUB_NONE "/tokens?" AV, NULL, "{}", 404, "SubscriptionNotFound");
    expect("POST", ADM_SUBS "/" SUB_NONE "/tokens?" AV, NULL, NULL, 404, "SubscriptionNotFound");
    expect("GET", ADM_SUBS "/" SUB_NONE "/tokens?" AV, NULL, NULL, 404, "SubscriptionNotFound");
    assert_int_equal(pg_long("SELECT count(*) FROM tokens WHERE subscription_id = '%s'", SUB_NONE),
                     0);
}

/* DELETE .../tokens/{id} under a subscription that does not exist: the parent
 * is missing, which ARM answers with 404 (as for the other two token routes),
 * not with the 204 of a missing child. */
/* GET /subscriptions: a user token sees its own subscription and nothing
 * else (that is how a client learns whose token it holds); an admin sees
 * all; an agent token is refused. */
static void test_subscriptions_visible(void **state)
{
    (void)state;
    struct itest_resp r;
    char id[64], tok[128], agent[128];
    put_subscription(SUB_TOK, "Adventure Works");
    put_subscription(SUB_TOK2, "Wide World Importers");
    issue_user_token(SUB_TOK, id, tok);

    call("GET", "/subscriptions?" AV, tok, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    json_t *value = json_object_get(r.json, "value");
    if (json_array_size(value) != 1 ||
        strcmp(jstr(json_array_get(value, 0), "subscriptionId"), SUB_TOK) != 0 ||
        strcmp(jstr(json_array_get(value, 0), "id"), "/subscriptions/" SUB_TOK) != 0 ||
        json_object_get(json_array_get(value, 0), "contactWebhook") != NULL)
        fail_msg("a user token should see exactly its own subscription: %s", itest_resp_str(&r));
    itest_resp_free(&r);

    call("GET", "/subscriptions?" AV "&$top=1", NULL, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    if (json_array_size(json_object_get(r.json, "value")) != 1 || !jstr(r.json, "nextLink"))
        fail_msg("the admin should see every subscription, one page at a time: %s",
                 itest_resp_str(&r));
    itest_resp_free(&r);

    call("POST", "/admin/tokens?" AV, NULL, NULL, "{\"role\":\"agent\"}", &r);
    ITEST_EXPECT_STATUS(&r, 201);
    snprintf(agent, sizeof agent, "%s", jstr(r.json, "token"));
    itest_resp_free(&r);
    expect("GET", "/subscriptions?" AV, agent, NULL, 403, "AuthorizationFailed");
    expect("GET", "/subscriptions?" AV, "acn_nobody-issued-this-token-0123456789abcdefghij", NULL,
           401, "AuthenticationFailed");
}

static void test_token_revoke_unknown_subscription(void **state)
{
    (void)state;
    expect("DELETE", ADM_SUBS "/" SUB_NONE "/tokens/" TOKEN_NONE "?" AV, NULL, NULL, 404,
           "SubscriptionNotFound");
}

/* /admin/tokens/{id} does not know subscription tokens (GET answers 404), so
 * DELETE there must not revoke one either: it answers 204 and the token keeps
 * working; subscription tokens are revoked under their subscription (which is
 * also where the audit log files the revocation). */
static void test_admin_tokens_route_leaves_user_tokens(void **state)
{
    (void)state;
    char id[64], tok[128], path[256];
    put_subscription(SUB_TOK2, "Wide World Importers");
    issue_user_token(SUB_TOK2, id, tok);
    snprintf(path, sizeof path, "/admin/tokens/%s?" AV, id);
    expect("GET", path, NULL, NULL, 404, "ResourceNotFound");
    expect("DELETE", path, NULL, NULL, 204, NULL);
    expect("GET", "/subscriptions/" SUB_TOK2 "?" AV, tok, NULL, 200, NULL);
}

/* --- resource groups ---------------------------------------------------------------- */

#define RG_PATH(name) "/subscriptions/" SUB_RG "/resourcegroups/" name "?" AV

static void expect_rg(const struct itest_resp *r, const char *sub, const char *name,
                      const char *location)
{
    char id[256];
    snprintf(id, sizeof id, "/subscriptions/%s/resourceGroups/%s", sub, name);
    expect_member(r, "id", id);
    expect_member(r, "name", name);
    expect_member(r, "type", "Microsoft.Resources/resourceGroups");
    expect_member(r, "location", location);
    const char *etag = jstr(r->json, "etag");
    if (etag == NULL || strncmp(etag, "W/\"", 3) != 0)
        fail_msg("etag should be W/\"...\": %s", itest_resp_str(r));
    if (!json_is_object(json_object_get(r->json, "tags")))
        fail_msg("tags should be an object: %s", itest_resp_str(r));
    const char *ps = jstr(json_object_get(r->json, "properties"), "provisioningState");
    if (ps == NULL || strcmp(ps, "Succeeded") != 0)
        fail_msg("properties.provisioningState should be Succeeded: %s", itest_resp_str(r));
}

static long long rg_count(const char *sub)
{
    return pg_long("SELECT count(*) FROM resource_groups WHERE subscription_id = '%s'", sub);
}

static void test_rg_crud(void **state)
{
    (void)state;
    struct itest_resp r;
    put_subscription(SUB_RG, "Litware");
    put_subscription(SUB_RG2, "Proseware");

    expect("GET", RG_PATH("MyGroup"), NULL, NULL, 404, "ResourceGroupNotFound");

    /* Create with a display name as location: normalized. */
    call("PUT", RG_PATH("MyGroup"), NULL, NULL,
         "{\"location\":\"West Europe\",\"tags\":{\"env\":\"test\",\"owner\":\"it\"}}", &r);
    ITEST_EXPECT_STATUS(&r, 201);
    expect_rg(&r, SUB_RG, "MyGroup", "westeurope");
    expect_jmember(json_object_get(r.json, "tags"), "env", "test");
    char etag1[128];
    snprintf(etag1, sizeof etag1, "%s", jstr(r.json, "etag"));
    itest_resp_free(&r);
    char *loc = pg_text("SELECT location FROM resource_groups WHERE subscription_id = '%s'"
                        " AND name = 'MyGroup'",
                        SUB_RG);
    assert_non_null(loc);
    assert_string_equal(loc, "westeurope");
    free(loc);

    /* Same name in another case: the same group, its name keeps the first case. */
    call("PUT", RG_PATH("mygroup"), NULL, NULL, "{\"location\":\"WESTEUROPE\",\"tags\":{}}", &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_rg(&r, SUB_RG, "MyGroup", "westeurope");
    assert_int_equal(json_object_size(json_object_get(r.json, "tags")), 0);
    if (strcmp(jstr(r.json, "etag"), etag1) == 0)
        fail_msg("an update must change the etag: %s", itest_resp_str(&r));
    itest_resp_free(&r);
    assert_int_equal(rg_count(SUB_RG), 1);

    call("GET", RG_PATH("MYGROUP"), NULL, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_rg(&r, SUB_RG, "MyGroup", "westeurope");
    itest_resp_free(&r);

    /* What a GET returned can be PUT back (read-only members are accepted). */
    call("GET", RG_PATH("MyGroup"), NULL, NULL, NULL, &r);
    char *back = json_dumps(r.json, JSON_COMPACT);
    itest_resp_free(&r);
    expect("PUT", RG_PATH("MyGroup"), NULL, back, 200, NULL);
    free(back);

    /* The same name in another subscription is another group. */
    expect("PUT", "/subscriptions/" SUB_RG2 "/resourcegroups/MyGroup?" AV, NULL,
           "{\"location\":\"westcentralus\",\"tags\":{}}", 201, NULL);

    /* Location: required, known, and never changed. */
    static const char *const loct[] = {"location"};
    expect_details("PUT", RG_PATH("NoLoc"), "{}", loct, 1);
    expect_details("PUT", RG_PATH("NoLoc"), "{\"tags\":{}}", loct, 1);
    expect_details("PUT", RG_PATH("NoLoc"), "{\"location\":5}", loct, 1);
    expect_details("PUT", RG_PATH("NoLoc"), "{\"location\":\"\"}", loct, 1);
    expect("PUT", RG_PATH("NoLoc"), NULL, NULL, 400, "InvalidRequestContent");
    call("PUT", RG_PATH("NoLoc"), NULL, NULL, "{\"location\":\"atlantis\"}", &r);
    ITEST_EXPECT_ERROR(&r, 400, "LocationNotAvailableForResourceGroup");
    if (jstr(json_object_get(r.json, "error"), "target") == NULL ||
        strcmp(jstr(json_object_get(r.json, "error"), "target"), "location") != 0)
        fail_msg("target should be location: %s", itest_resp_str(&r));
    itest_resp_free(&r);
    expect("PUT", RG_PATH("MyGroup"), NULL, "{\"location\":\"eastus\"}", 409,
           "InvalidResourceGroupLocation");
    expect("PUT", RG_PATH("mygroup"), NULL, "{\"location\":\"North Europe\"}", 409,
           "InvalidResourceGroupLocation");
    expect("PUT", RG_PATH("MyGroup"), NULL, "{\"location\":\"nowhere\"}", 400,
           "LocationNotAvailableForResourceGroup");

    /* Tags. */
    static const char *const tagst[] = {"tags"};
    expect_details("PUT", RG_PATH("Tagged"), "{\"location\":\"westeurope\",\"tags\":[]}", tagst, 1);
    expect_details("PUT", RG_PATH("Tagged"), "{\"location\":\"westeurope\",\"tags\":\"a=b\"}",
                   tagst, 1);
    expect_details("PUT", RG_PATH("Tagged"), "{\"location\":\"westeurope\",\"tags\":{\"n\":1}}",
                   tagst, 1);
    expect_details("PUT", RG_PATH("Tagged"),
                   "{\"location\":\"westeurope\",\"tags\":{\"n\":{\"x\":\"y\"}}}", tagst, 1);
    expect_details("PUT", RG_PATH("Tagged"), "{\"location\":\"westeurope\",\"tags\":{\"\":\"v\"}}",
                   tagst, 1);
    json_t *tags = json_object();
    for (int i = 0; i < 51; i++) {
        char k[16];
        snprintf(k, sizeof k, "tag%d", i);
        json_object_set_new(tags, k, json_string("v"));
    }
    json_t *body = json_pack("{s:s, s:O}", "location", "westeurope", "tags", tags);
    char *text = json_dumps(body, JSON_COMPACT);
    expect_details("PUT", RG_PATH("Tagged"), text, tagst, 1); /* 51 tags */
    free(text);
    json_object_del(tags, "tag50");
    json_object_set(body, "tags", tags);
    text = json_dumps(body, JSON_COMPACT);
    expect("PUT", RG_PATH("Tagged50"), NULL, text, 201, NULL); /* 50 are fine */
    free(text);
    json_decref(tags);
    char longv[300];
    memset(longv, 'v', 257);
    longv[257] = '\0';
    tags = json_pack("{s:s}", "k", longv);
    json_object_set_new(body, "tags", tags);
    text = json_dumps(body, JSON_COMPACT);
    expect_details("PUT", RG_PATH("Tagged"), text, tagst, 1); /* value of 257 */
    free(text);
    longv[256] = '\0';
    json_object_set_new(body, "tags", json_pack("{s:s}", "k", longv));
    text = json_dumps(body, JSON_COMPACT);
    expect("PUT", RG_PATH("Tagged256"), NULL, text, 201, NULL);
    free(text);
    char longk[600];
    memset(longk, 'k', 513);
    longk[513] = '\0';
    json_object_set_new(body, "tags", json_pack("{s:s}", longk, "v"));
    text = json_dumps(body, JSON_COMPACT);
    expect_details("PUT", RG_PATH("Tagged"), text, tagst, 1); /* name of 513 */
    free(text);
    json_decref(body);

    /* Unknown members, wrong types elsewhere. */
    static const char *const unknown[] = {"sku"};
    expect_details("PUT", RG_PATH("Odd"), "{\"location\":\"westeurope\",\"sku\":\"x\"}", unknown,
                   1);
    static const char *const props[] = {"properties"};
    expect_details("PUT", RG_PATH("Odd"), "{\"location\":\"westeurope\",\"properties\":3}", props,
                   1);
    static const char *const nested[] = {"properties.colour"};
    expect_details("PUT", RG_PATH("Odd"),
                   "{\"location\":\"westeurope\",\"properties\":{\"colour\":\"red\"}}", nested, 1);
    static const char *const both[] = {"location", "tags"};
    expect_details("PUT", RG_PATH("Odd"), "{\"location\":true,\"tags\":7}", both, 2);

    /* None of the refused requests wrote anything. */
    assert_int_equal(pg_long("SELECT count(*) FROM resource_groups WHERE subscription_id = '%s'"
                             " AND lower(name) IN ('noloc', 'tagged', 'odd')",
                             SUB_RG),
                     0);
    loc = pg_text("SELECT location FROM resource_groups WHERE subscription_id = '%s'"
                  " AND name = 'MyGroup'",
                  SUB_RG);
    assert_non_null(loc);
    assert_string_equal(loc, "westeurope");
    free(loc);

    /* DELETE: 200, then 404 on GET and 204 on DELETE. */
    call("DELETE", RG_PATH("MYgroup"), NULL, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    itest_resp_free(&r);
    expect("GET", RG_PATH("MyGroup"), NULL, NULL, 404, "ResourceGroupNotFound");
    expect("DELETE", RG_PATH("MyGroup"), NULL, NULL, 204, NULL);
    assert_int_equal(pg_long("SELECT count(*) FROM resource_groups WHERE subscription_id = '%s'"
                             " AND lower(name) = 'mygroup'",
                             SUB_RG),
                     0);
    /* The other subscription's group of that name is still there. */
    expect("GET", "/subscriptions/" SUB_RG2 "/resourcegroups/mygroup?" AV, NULL, NULL, 200, NULL);
    /* Deleted, it can be made again elsewhere. */
    expect("PUT", RG_PATH("MyGroup"), NULL, "{\"location\":\"eastus\",\"tags\":{}}", 201, NULL);
}

static void test_rg_names(void **state)
{
    (void)state;
    put_subscription(SUB_RG, "Litware");
    static const char *const good[] = {"a",
                                       "Z",
                                       "0",
                                       "rg-1",
                                       "rg_1",
                                       "rg.1",
                                       "rg(1)",
                                       "(x)",
                                       "..a",
                                       "-_.()x",
                                       "RG-Production_2016.west(1)"};
    char path[512];
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        snprintf(path, sizeof path, "/subscriptions/" SUB_RG "/resourcegroups/%s?" AV, good[i]);
        expect("PUT", path, NULL, RG_WEU, 201, NULL);
        expect("GET", path, NULL, NULL, 200, NULL);
    }
    char name[100];
    memset(name, 'n', 90);
    name[90] = '\0';
    snprintf(path, sizeof path, "/subscriptions/" SUB_RG "/resourcegroups/%s?" AV, name);
    expect("PUT", path, NULL, RG_WEU, 201, NULL);
    expect("GET", path, NULL, NULL, 200, NULL);

    long long before = rg_count(SUB_RG);
    static const char *const bad[] = {"ends.", "a.",   "..a.", "rg!", "rg%20x", "rg@x",  "rg%2Cx",
                                      "rg+x",  "rg$x", "rg~x", "rg*", "rg'x",   "rg%3Bx"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(path, sizeof path, "/subscriptions/" SUB_RG "/resourcegroups/%s?" AV, bad[i]);
        expect("PUT", path, NULL, RG_WEU, 400, "InvalidResourceName");
        expect("GET", path, NULL, NULL, 400, "InvalidResourceName");
        expect("DELETE", path, NULL, NULL, 400, "InvalidResourceName");
    }
    name[90] = 'n';
    name[91] = '\0';
    snprintf(path, sizeof path, "/subscriptions/" SUB_RG "/resourcegroups/%s?" AV, name);
    expect("PUT", path, NULL, RG_WEU, 400, "InvalidResourceName");
    expect("GET", path, NULL, NULL, 400, "InvalidResourceName");
    assert_int_equal(rg_count(SUB_RG), before);
}

static void test_rg_list_paging(void **state)
{
    (void)state;
    /* Its own subscription, so the list holds exactly these. */
    put_subscription(SUB_LIST, "Blue Yonder");
    static const char *const names[] = {"rg-C", "Rg-a", "rG-b", "RG-e", "rg-d"};
    static const char *const sorted[] = {"Rg-a", "rG-b", "rg-C", "rg-d", "RG-e"};
    char path[256];
    for (size_t i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "/subscriptions/" SUB_LIST "/resourcegroups/%s?" AV, names[i]);
        expect("PUT", path, NULL, RG_WEU, 201, NULL);
    }
    char id[64], tok[128];
    issue_user_token(SUB_LIST, id, tok);

    for (size_t top = 1; top <= 6; top++) {
        json_t *got = json_array();
        snprintf(path, sizeof path, "/subscriptions/" SUB_LIST "/resourceGroups?" AV "&$top=%zu",
                 top);
        int pages = walk_pages(path, top % 2 ? tok : NULL, top, "name", got);
        if (json_array_size(got) != 5)
            fail_msg("$top=%zu: %zu groups listed, 5 expected", top, json_array_size(got));
        for (size_t i = 0; i < 5; i++)
            if (strcmp(json_string_value(json_array_get(got, i)), sorted[i]) != 0)
                fail_msg("$top=%zu: item %zu is %s, expected %s (ordered case-insensitively)", top,
                         i, json_string_value(json_array_get(got, i)), sorted[i]);
        if (pages != (int)((5 + top - 1) / top))
            fail_msg("$top=%zu: %d pages", top, pages);
        json_decref(got);
    }

    /* Every item is a whole resource group. */
    struct itest_resp r;
    call("GET", "/subscriptions/" SUB_LIST "/resourcegroups?" AV, NULL, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    json_t *first = json_array_get(json_object_get(r.json, "value"), 0);
    expect_rg(&(struct itest_resp){.json = first}, SUB_LIST, "Rg-a", "westeurope");
    itest_resp_free(&r);

    /* An empty list: value [] and no nextLink. */
    put_subscription(SUB_EMPTY, "Empty");
    call("GET", "/subscriptions/" SUB_EMPTY "/resourcegroups?" AV "&$top=1", NULL, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_int_equal(json_array_size(json_object_get(r.json, "value")), 0);
    assert_true(json_is_array(json_object_get(r.json, "value")));
    assert_null(json_object_get(r.json, "nextLink"));
    itest_resp_free(&r);
    /* Groups of other subscriptions never show. */
    call("GET", "/subscriptions/" SUB_LIST "/resourcegroups?" AV, tok, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    assert_int_equal(json_array_size(json_object_get(r.json, "value")), 5);
    itest_resp_free(&r);

    expect("GET", "/subscriptions/" SUB_LIST "/resourcegroups?" AV "&$top=0", NULL, NULL, 400,
           "InvalidQueryParameterValue");
    expect("GET", "/subscriptions/" SUB_LIST "/resourcegroups?" AV "&$top=x", NULL, NULL, 400,
           "InvalidQueryParameterValue");
    expect("GET", "/subscriptions/" SUB_LIST "/resourcegroups?" AV "&$skipToken=*", NULL, NULL, 400,
           "InvalidQueryParameterValue");
}

static void test_rg_etags(void **state)
{
    (void)state;
    struct itest_resp r;
    put_subscription(SUB_ETAG, "Tailspin");
    const char *path = "/subscriptions/" SUB_ETAG "/resourcegroups/Guarded?" AV;
    static const char *const inm_any[] = {"If-None-Match: *", NULL};
    static const char *const im_any[] = {"If-Match: *", NULL};

    /* If-Match on a group that does not exist. */
    call("PUT", path, NULL, im_any, RG_WEU, &r);
    ITEST_EXPECT_ERROR(&r, 412, "PreconditionFailed");
    itest_resp_free(&r);
    /* If-None-Match: * creates only. */
    call("PUT", path, NULL, inm_any, RG_WEU, &r);
    ITEST_EXPECT_STATUS(&r, 201);
    char etag[128];
    snprintf(etag, sizeof etag, "%s", jstr(r.json, "etag"));
    itest_resp_free(&r);
    call("PUT", path, NULL, inm_any, RG_WEU, &r);
    ITEST_EXPECT_ERROR(&r, 412, "PreconditionFailed");
    itest_resp_free(&r);

    /* The same PUT again changes nothing, not even the etag. */
    call("PUT", path, NULL, NULL, RG_WEU, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_member(&r, "etag", etag);
    itest_resp_free(&r);

    /* If-Match with the current etag: 200 and a new etag. */
    char im[200];
    snprintf(im, sizeof im, "If-Match: %s", etag);
    const char *im_cur[] = {im, NULL};
    call("PUT", path, NULL, im_cur, "{\"location\":\"westeurope\",\"tags\":{\"v\":\"2\"}}", &r);
    ITEST_EXPECT_STATUS(&r, 200);
    char etag2[128];
    snprintf(etag2, sizeof etag2, "%s", jstr(r.json, "etag"));
    itest_resp_free(&r);
    assert_string_not_equal(etag, etag2);

    /* The old etag is stale now: 412 and nothing changes. */
    call("PUT", path, NULL, im_cur, "{\"location\":\"westeurope\",\"tags\":{\"v\":\"3\"}}", &r);
    ITEST_EXPECT_ERROR(&r, 412, "PreconditionFailed");
    itest_resp_free(&r);
    call("DELETE", path, NULL, im_cur, NULL, &r);
    ITEST_EXPECT_ERROR(&r, 412, "PreconditionFailed");
    itest_resp_free(&r);
    char *v = pg_text("SELECT tags->>'v' FROM resource_groups WHERE subscription_id = '%s'"
                      " AND name = 'Guarded'",
                      SUB_ETAG);
    assert_non_null(v);
    assert_string_equal(v, "2");
    free(v);

    /* If-Match: * matches an existing group; a list with the current etag too. */
    call("PUT", path, NULL, im_any, "{\"location\":\"westeurope\",\"tags\":{\"v\":\"2\"}}", &r);
    ITEST_EXPECT_STATUS(&r, 200);
    snprintf(etag2, sizeof etag2, "%s", jstr(r.json, "etag"));
    itest_resp_free(&r);
    char list[400];
    snprintf(list, sizeof list, "If-Match: %s, %s", etag, etag2);
    const char *im_list[] = {list, NULL};
    call("PUT", path, NULL, im_list, RG_WEU, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    snprintf(etag2, sizeof etag2, "%s", jstr(r.json, "etag"));
    itest_resp_free(&r);
    /* If-None-Match with a stale etag does not stop an update. */
    char inm[200];
    snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
    const char *inm_stale[] = {inm, NULL};
    call("PUT", path, NULL, inm_stale, RG_WEU, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    snprintf(etag2, sizeof etag2, "%s", jstr(r.json, "etag"));
    itest_resp_free(&r);
    /* ...but with the current one it does. */
    snprintf(inm, sizeof inm, "If-None-Match: %s", etag2);
    call("PUT", path, NULL, inm_stale, RG_WEU, &r);
    ITEST_EXPECT_ERROR(&r, 412, "PreconditionFailed");
    itest_resp_free(&r);

    /* The etag of GET is the current one. */
    call("GET", path, NULL, NULL, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    expect_member(&r, "etag", etag2);
    itest_resp_free(&r);

    /* DELETE with the current etag. */
    snprintf(im, sizeof im, "If-Match: %s", etag2);
    call("DELETE", path, NULL, im_cur, NULL, &r);
    ITEST_EXPECT_STATUS(&r, 200);
    itest_resp_free(&r);
    call("DELETE", path, NULL, im_cur, NULL, &r);
    ITEST_EXPECT_ERROR(&r, 412, "PreconditionFailed"); /* If-Match on a group that is gone */
    itest_resp_free(&r);
    assert_int_equal(pg_long("SELECT count(*) FROM resource_groups WHERE subscription_id = '%s'"
                             " AND name = 'Guarded'",
                             SUB_ETAG),
                     0);
}

/* A PUT without tags (or with "tags": null) stores {} and leaks nothing: the
 * daemon is stopped after it and must exit 0 (the sanitizer build reports a
 * leak as a non-zero exit). A daemon of its own, so that the leak, if there
 * is one, is pinned on this request. */
static void test_rg_put_without_tags(void **state)
{
    (void)state;
    struct itest_daemon d;
    char *conninfo = itest_db_create("it_tenancy_tags");
    if (itest_daemon_start(&d, conninfo, NULL) != 0)
        fail_msg("the second daemon did not start");
    static const char *const steps_body[] = {
        "{\"location\":\"westeurope\"}",
        "{\"location\":\"westeurope\",\"tags\":null}",
    };
    struct itest_resp r;
    itest_request(&d, "PUT", ADM_SUBS "/" SUB_RG "?" AV, NULL, "{\"displayName\":\"tags\"}", &r);
    ITEST_EXPECT_STATUS(&r, 201);
    itest_resp_free(&r);
    for (size_t i = 0; i < 2; i++) {
        itest_request(&d, "PUT", "/subscriptions/" SUB_RG "/resourcegroups/untagged?" AV, NULL,
                      steps_body[i], &r);
        if (r.status != (i == 0 ? 201 : 200))
            fail_msg("PUT %s: %s", steps_body[i], itest_resp_str(&r));
        if (!json_is_object(json_object_get(r.json, "tags")) ||
            json_object_size(json_object_get(r.json, "tags")) != 0)
            fail_msg("PUT %s: tags should be {}: %s", steps_body[i], itest_resp_str(&r));
        itest_resp_free(&r);
    }
    int st = itest_daemon_stop(&d, 20000);
    free(conninfo);
    if (st != 0)
        fail_msg("accelnetd exited with %d after two resource group PUTs without tags, expected "
                 "0 (see its log above: a leak in api_rg_put?)",
                 st);
}

/* Preconditions hold under concurrency: of several PUTs sent at the same
 * moment with If-None-Match: * (create only) exactly one creates the group,
 * and of several with If-Match: <etag> exactly one updates it; the others get
 * 412. Otherwise the etag does not protect against lost updates. */
#define RACERS 8
#define ROUNDS 25

struct racer {
    pthread_barrier_t *go;
    const char *path;
    const char *header;
    char body[128];
    long status;
};

static void *race_one(void *arg)
{
    struct racer *a = arg;
    const char *headers[] = {a->header, NULL};
    struct itest_req rq = {.method = "PUT",
                           .path = a->path,
                           .auth = ITEST_AUTH_ADMIN,
                           .headers = headers,
                           .body = a->body};
    struct itest_resp r;
    pthread_barrier_wait(a->go);
    itest_do(&g.d, &rq, &r);
    a->status = r.status;
    itest_resp_free(&r);
    return NULL;
}

/* Sends RACERS PUTs to path at once; counts the 2xx and the 412 answers. */
/* Every body differs from every other and from what a previous race wrote
 * (phase), so that no PUT is a no-op that keeps the etag. */
static void race(const char *path, const char *header, const char *phase, int *ok, int *refused)
{
    pthread_barrier_t go;
    pthread_t th[RACERS];
    struct racer a[RACERS];
    pthread_barrier_init(&go, NULL, RACERS);
    for (int i = 0; i < RACERS; i++) {
        a[i] = (struct racer){.go = &go, .path = path, .header = header};
        snprintf(a[i].body, sizeof a[i].body,
                 "{\"location\":\"westeurope\",\"tags\":{\"writer\":\"%s-%d\"}}", phase, i);
        pthread_create(&th[i], NULL, race_one, &a[i]);
    }
    *ok = *refused = 0;
    for (int i = 0; i < RACERS; i++) {
        pthread_join(th[i], NULL);
        if (a[i].status == 200 || a[i].status == 201)
            (*ok)++;
        else if (a[i].status == 412)
            (*refused)++;
        else
            fail_msg("%s (%s): unexpected status %ld", path, header, a[i].status);
    }
    pthread_barrier_destroy(&go);
}

static void test_rg_precondition_races(void **state)
{
    (void)state;
    put_subscription(SUB_ETAG, "Tailspin");
    expect("GET", "/healthz", NULL, NULL, 200, NULL); /* the client is initialised */
    char path[256];
    int created_twice = 0, lost_updates = 0;
    for (int round = 0; round < ROUNDS; round++) {
        int ok, refused;
        snprintf(path, sizeof path, "/subscriptions/" SUB_ETAG "/resourcegroups/race-%d?" AV,
                 round);
        race(path, "If-None-Match: *", "create", &ok, &refused);
        if (ok != 1)
            created_twice++;

        struct itest_resp r;
        call("GET", path, NULL, NULL, NULL, &r);
        ITEST_EXPECT_STATUS(&r, 200);
        char im[200];
        snprintf(im, sizeof im, "If-Match: %s", jstr(r.json, "etag"));
        itest_resp_free(&r);
        race(path, im, "update", &ok, &refused);
        if (ok != 1)
            lost_updates++;
    }
    if (created_twice || lost_updates)
        fail_msg("of %d rounds of %d concurrent PUTs: %d rounds with more than one success for "
                 "If-None-Match: * and %d with more than one for If-Match: <etag> (exactly one "
                 "may succeed, the others must get 412)",
                 ROUNDS, RACERS, created_twice, lost_updates);
}

/* --- audit log ---------------------------------------------------------------------- */

static void test_audit_log(void **state)
{
    (void)state;
    struct itest_resp r;
    /* A second admin token, to see that the actor is recorded. */
    call("POST", "/admin/tokens?" AV, NULL, NULL, "{\"role\":\"admin\",\"description\":\"ops\"}",
         &r);
    ITEST_EXPECT_STATUS(&r, 201);
    char ops_id[64], ops[128];
    snprintf(ops_id, sizeof ops_id, "%s", jstr(r.json, "id"));
    snprintf(ops, sizeof ops, "%s", jstr(r.json, "token"));
    itest_resp_free(&r);

    put_subscription(SUB_AUDIT, "Audited");
    put_subscription(SUB_AUDIT, "Audited (renamed)");
    expect("POST", ADM_SUBS "/" SUB_AUDIT "/disable?" AV, ops, NULL, 200, NULL);
    expect("POST", ADM_SUBS "/" SUB_AUDIT "/enable?" AV, ops, NULL, 200, NULL);
    char tid[64], tok[128], path[256];
    issue_user_token(SUB_AUDIT, tid, tok);
    snprintf(path, sizeof path, ADM_SUBS "/" SUB_AUDIT "/tokens/%s?" AV, tid);
    expect("DELETE", path, ops, NULL, 200, NULL);
    /* What changes nothing leaves no trace. */
    expect("DELETE", path, ops, NULL, 204, NULL);
    expect("PUT", ADM_SUBS "/" SUB_AUDIT "?" AV, NULL, "{\"displayName\":1}", 400, NULL);
    /* Reads leave none either. */
    expect("GET", ADM_SUBS "/" SUB_AUDIT "?" AV, NULL, NULL, 200, NULL);
    expect("GET", ADM_SUBS "/" SUB_AUDIT "/tokens?" AV, NULL, NULL, 200, NULL);

    char *actions =
        pg_text("SELECT string_agg(action || ':' || coalesce(actor_token_id::text, '-'),"
                " ',' ORDER BY id) FROM audit_log WHERE subscription_id = '%s'",
                SUB_AUDIT);
    assert_non_null(actions);
    char want[1024];
    snprintf(want, sizeof want,
             "subscription.create:%s,subscription.update:%s,subscription.disable:%s,"
             "subscription.enable:%s,token.issue:%s,token.revoke:%s",
             g.bootstrap_id, g.bootstrap_id, ops_id, ops_id, g.bootstrap_id, ops_id);
    if (strcmp(actions, want) != 0)
        fail_msg("audit_log for %s:\n  got  %s\n  want %s", SUB_AUDIT, actions, want);
    free(actions);

    /* Details name what changed. */
    assert_int_equal(pg_long("SELECT count(*) FROM audit_log WHERE subscription_id = '%s' AND"
                             " action = 'subscription.update' AND"
                             " details->>'displayName' = 'Audited (renamed)'",
                             SUB_AUDIT),
                     1);
    assert_int_equal(pg_long("SELECT count(*) FROM audit_log WHERE subscription_id = '%s' AND"
                             " action IN ('token.issue', 'token.revoke') AND"
                             " details->>'tokenId' = '%s'",
                             SUB_AUDIT, tid),
                     2);
    /* The token itself and its hash are never in the audit log. */
    assert_int_equal(pg_long("SELECT count(*) FROM audit_log a JOIN tokens t ON"
                             " a.details::text LIKE '%%' || t.hash || '%%'"),
                     0);
    char *leak = pg_text("SELECT count(*) FROM audit_log WHERE details::text LIKE '%%%s%%'", tok);
    assert_non_null(leak);
    assert_string_equal(leak, "0");
    free(leak);
    /* Every row has a time. */
    assert_int_equal(pg_long("SELECT count(*) FROM audit_log WHERE at IS NULL"), 0);
}

/* --- the admin token on subscriptions that do not exist ------------------------------- */

static const struct itest_step unknown_steps[] = {
    {"admin GET", "GET", ADM_SUBS "/" SUB_NONE "?" AV, ITEST_AUTH_ADMIN, NULL, 404,
     "SubscriptionNotFound"},
    {"ARM GET", "GET", "/subscriptions/" SUB_NONE "?" AV, ITEST_AUTH_ADMIN, NULL, 404,
     "SubscriptionNotFound"},
    {"resource group list", "GET", "/subscriptions/" SUB_NONE "/resourcegroups?" AV,
     ITEST_AUTH_ADMIN, NULL, 404, "SubscriptionNotFound"},
    {"resource group GET", "GET", "/subscriptions/" SUB_NONE "/resourcegroups/rg?" AV,
     ITEST_AUTH_ADMIN, NULL, 404, "SubscriptionNotFound"},
    {"resource group PUT", "PUT", "/subscriptions/" SUB_NONE "/resourcegroups/rg?" AV,
     ITEST_AUTH_ADMIN, RG_WEU, 404, "SubscriptionNotFound"},
    {"resource group DELETE", "DELETE", "/subscriptions/" SUB_NONE "/resourcegroups/rg?" AV,
     ITEST_AUTH_ADMIN, NULL, 404, "SubscriptionNotFound"},
    {"resource group PUT, bad name: the subscription first", "PUT",
     "/subscriptions/" SUB_NONE "/resourcegroups/bad.?" AV, ITEST_AUTH_ADMIN, RG_WEU, 404,
     "SubscriptionNotFound"},
    {"upper-case GUID", "GET", "/subscriptions/9999999A-9999-4999-8999-999999999999?" AV,
     ITEST_AUTH_ADMIN, NULL, 404, "SubscriptionNotFound"},
    {"no token", "GET", "/subscriptions/" SUB_NONE "?" AV, ITEST_AUTH_NONE, NULL, 401,
     "AuthenticationFailed"},
    {"a token nobody issued", "GET", "/subscriptions/" SUB_NONE "?" AV, ITEST_AUTH_BAD, NULL, 401,
     "AuthenticationFailed"},
    {NULL, NULL, NULL, 0, NULL, 0, NULL},
};

static void test_unknown_subscription(void **state)
{
    (void)state;
    itest_run_steps(&g.d, unknown_steps, NULL);
    assert_int_equal(pg_long("SELECT count(*) FROM subscriptions WHERE id = '%s'", SUB_NONE), 0);
    assert_int_equal(rg_count(SUB_NONE), 0);
}

/* Every line of the daemon's log is JSON, also after all of the above. */
static void test_log_lines(void **state)
{
    (void)state;
    if (itest_log_all_json(&g.d) != 0)
        fail_msg("accelnetd's log has lines that are not JSON objects (see above)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_subscription_crud),
        cmocka_unit_test(test_subscription_bad_input),
        cmocka_unit_test(test_subscription_list_paging),
        cmocka_unit_test(test_disable_enable),
        cmocka_unit_test(test_subscription_tokens),
        cmocka_unit_test(test_subscriptions_visible),
        cmocka_unit_test(test_token_revoke_unknown_subscription),
        cmocka_unit_test(test_admin_tokens_route_leaves_user_tokens),
        cmocka_unit_test(test_rg_crud),
        cmocka_unit_test(test_rg_names),
        cmocka_unit_test(test_rg_list_paging),
        cmocka_unit_test(test_rg_etags),
        cmocka_unit_test(test_rg_put_without_tags),
        cmocka_unit_test(test_rg_precondition_races),
        cmocka_unit_test(test_audit_log),
        cmocka_unit_test(test_unknown_subscription),
        cmocka_unit_test(test_log_lines),
    };
    return cmocka_run_group_tests_name("it_tenancy", tests, setup, teardown);
}
