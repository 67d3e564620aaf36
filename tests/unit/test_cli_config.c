/* Unit tests for cli/config.h (the settings file and precedence), and for
 * login / logout / account show|set run through cli_run against a temporary
 * XDG_CONFIG_HOME (login --no-verify: no service is contacted). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/config.h"

static char tmpdir[4096];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup_tmp(void **state)
{
    (void)state;
    const char *base = getenv("ACCELNET_TEST_TMP");
    if (!base || !*base)
        base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    snprintf(tmpdir, sizeof(tmpdir), "%s/cli-config.XXXXXX", base);
    assert_non_null(mkdtemp(tmpdir));
    setenv("XDG_CONFIG_HOME", tmpdir, 1);
    unsetenv("ACCELNET_URL");
    unsetenv("ACCELNET_TOKEN");
    unsetenv("ACCELNET_CA_FILE");
    unsetenv("ACCELNET_SUBSCRIPTION");
    unsetenv("ACCELNET_RESOURCE_GROUP");
    return 0;
}

static int teardown_tmp(void **state)
{
    (void)state;
    nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("ACCELNET_URL");
    unsetenv("ACCELNET_TOKEN");
    unsetenv("ACCELNET_CA_FILE");
    unsetenv("ACCELNET_SUBSCRIPTION");
    unsetenv("ACCELNET_RESOURCE_GROUP");
    return 0;
}

static char *path_in_tmp(const char *rel)
{
    size_t n = strlen(tmpdir) + strlen(rel) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", tmpdir, rel);
    return p;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *s = calloc(1, 65536);
    size_t n = fread(s, 1, 65535, f);
    s[n] = '\0';
    fclose(f);
    return s;
}

/* Entries in a directory other than . and .. */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    assert_non_null(d);
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static int run(char **out, char **err, const char *const *words)
{
    char *argv[64];
    int argc = 0;
    size_t ol, el;
    argv[argc++] = (char *)"accelnet";
    for (size_t i = 0; words[i]; i++)
        argv[argc++] = (char *)words[i];
    argv[argc] = NULL;
    FILE *fo = open_memstream(out, &ol);
    FILE *fe = open_memstream(err, &el);
    int rc = cli_run(&cli_table, argc, argv, fo, fe);
    fclose(fo);
    fclose(fe);
    return rc;
}

#define RUN(out, err, ...) run((out), (err), (const char *const[]){__VA_ARGS__, NULL})

/* --- the module ----------------------------------------------------------------- */

static void test_default_path(void **state)
{
    (void)state;
    char *p = cliconf_default_path("/x/cfg", "/home/u");
    assert_string_equal(p, "/x/cfg/accelnet/config");
    free(p);
    p = cliconf_default_path(NULL, "/home/u");
    assert_string_equal(p, "/home/u/.config/accelnet/config");
    free(p);
    /* A relative XDG_CONFIG_HOME is ignored (XDG Base Directory spec). */
    p = cliconf_default_path("rel/cfg", "/home/u");
    assert_string_equal(p, "/home/u/.config/accelnet/config");
    free(p);
    p = cliconf_default_path("", "/home/u");
    assert_string_equal(p, "/home/u/.config/accelnet/config");
    free(p);
    assert_null(cliconf_default_path(NULL, NULL));
    assert_null(cliconf_default_path(NULL, ""));
}

static void test_parse_and_format(void **state)
{
    (void)state;
    struct cliconf c = {0};
    char *err = NULL;
    assert_int_equal(cliconf_parse(&c,
                                   "# comment\n"
                                   "\n"
                                   "  url = https://h:1  \r\n"
                                   "token=acn_a=b\n"
                                   "future.key=kept\n"
                                   "url=https://h:2\n",
                                   &err),
                     0);
    assert_string_equal(cliconf_get(&c, "url"), "https://h:2"); /* the last one wins */
    assert_string_equal(cliconf_get(&c, "token"), "acn_a=b");   /* split at the first = */
    assert_string_equal(cliconf_get(&c, "future.key"), "kept");
    assert_null(cliconf_get(&c, "ca_file"));
    char *text = cliconf_format(&c);
    assert_non_null(strstr(text, "\nurl=https://h:2\ntoken=acn_a=b\nfuture.key=kept\n"));
    /* It reads back the same. */
    struct cliconf d = {0};
    assert_int_equal(cliconf_parse(&d, text, &err), 0);
    assert_int_equal(d.n, 3);
    assert_string_equal(cliconf_get(&d, "token"), "acn_a=b");
    free(text);
    cliconf_free(&d);

    assert_int_equal(cliconf_unset(&c, "token"), 1);
    assert_int_equal(cliconf_unset(&c, "token"), 0);
    assert_null(cliconf_get(&c, "token"));
    assert_int_equal(c.n, 2);
    cliconf_free(&c);

    assert_int_equal(cliconf_parse(&c, "url=x\njust words\n", &err), -1);
    assert_string_equal(err, "line 2: expected key=value");
    free(err);
    cliconf_free(&c);
    assert_int_equal(cliconf_parse(&c, "Bad Key=x\n", &err), -1);
    assert_non_null(strstr(err, "line 1"));
    free(err);
    cliconf_free(&c);
}

static void test_set_rejects_what_the_file_cannot_hold(void **state)
{
    (void)state;
    struct cliconf c = {0};
    assert_int_equal(cliconf_set(&c, "token", "a\nurl=https://evil"), -1);
    assert_int_equal(cliconf_set(&c, "token", "a\r"), -1);
    assert_int_equal(cliconf_set(&c, "token", " padded"), -1);
    assert_int_equal(cliconf_set(&c, "Token", "x"), -1);
    assert_int_equal(cliconf_set(&c, "", "x"), -1);
    assert_int_equal(cliconf_set(&c, "a=b", "x"), -1);
    assert_int_equal(c.n, 0);
    assert_int_equal(cliconf_set(&c, "ca_file", "/a b/c.pem"), 0);
    assert_int_equal(cliconf_set(&c, "ca_file", ""), 0);
    assert_string_equal(cliconf_get(&c, "ca_file"), "");
    assert_int_equal(c.n, 1);
    cliconf_free(&c);
}

static void test_save_and_load(void **state)
{
    (void)state;
    struct cliconf c = {0}, d = {0};
    char *err = NULL;
    char *path = path_in_tmp("deep/er/accelnet/config");
    char *dir = path_in_tmp("deep/er/accelnet");
    struct stat st;

    /* A missing file is an empty configuration. */
    assert_int_equal(cliconf_load(&d, path, &err), 0);
    assert_int_equal(d.n, 0);

    assert_int_equal(cliconf_set(&c, "url", "https://127.0.0.1:8443"), 0);
    assert_int_equal(cliconf_set(&c, "token", "acn_secret"), 0);
    umask(022); /* the file is private whatever the umask */
    assert_int_equal(cliconf_save(&c, path, &err), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);

    assert_int_equal(cliconf_load(&d, path, &err), 0);
    assert_string_equal(cliconf_get(&d, "token"), "acn_secret");
    assert_false(d.loose_mode);

    /* Rewriting replaces the file (no temporary file is left behind), and a
     * directory that was too open is made private. */
    assert_int_equal(chmod(dir, 0755), 0);
    assert_int_equal(cliconf_unset(&c, "token"), 1);
    assert_int_equal(cliconf_save(&c, path, &err), 0);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(cliconf_load(&d, path, &err), 0);
    assert_null(cliconf_get(&d, "token"));
    assert_string_equal(cliconf_get(&d, "url"), "https://127.0.0.1:8443");
    assert_int_equal(count_entries(dir), 1); /* just "config" */

    /* A file others can read is reported. */
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(cliconf_load(&d, path, &err), 0);
    assert_true(d.loose_mode);

    /* A broken file is an error naming it. */
    FILE *f = fopen(path, "w");
    fputs("url\n", f);
    fclose(f);
    assert_int_equal(cliconf_load(&d, path, &err), -1);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "line 1"));
    free(err);

    cliconf_free(&c);
    cliconf_free(&d);
    free(path);
    free(dir);
}

static void test_pick_precedence(void **state)
{
    (void)state;
    struct cliconf_setting s = cliconf_pick("f", "e", "c");
    assert_string_equal(s.value, "f");
    assert_int_equal(s.source, CLICONF_SRC_FLAG);
    s = cliconf_pick(NULL, "e", "c");
    assert_string_equal(s.value, "e");
    assert_int_equal(s.source, CLICONF_SRC_ENV);
    s = cliconf_pick("", "", "c"); /* empty is unset */
    assert_string_equal(s.value, "c");
    assert_int_equal(s.source, CLICONF_SRC_FILE);
    s = cliconf_pick(NULL, NULL, "");
    assert_null(s.value);
    assert_int_equal(s.source, CLICONF_SRC_NONE);
    assert_string_equal(cliconf_source_name(CLICONF_SRC_ENV), "environment");
}

/* --- login, logout, account show ---------------------------------------------------- */

static void test_login_logout_account(void **state)
{
    (void)state;
    char *out, *err, *text;
    char *cfg = path_in_tmp("accelnet/config");
    char *ca = path_in_tmp("ca.pem");
    FILE *f = fopen(ca, "w");
    fputs("not really a certificate\n", f);
    fclose(f);

    /* Not logged in yet. */
    assert_int_equal(RUN(&out, &err, "account", "show"), 1);
    assert_non_null(strstr(err, "ERROR: not logged in"));
    free(out);
    free(err);

    /* A relative --ca-file is stored as an absolute path. */
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir(tmpdir), 0);
    assert_int_equal(RUN(&out, &err, "login", "--url", "https://127.0.0.1:8443/", "--token",
                         "acn_TOKEN_1", "--ca-file", "ca.pem", "--no-verify"),
                     0);
    assert_int_equal(chdir(cwd), 0);
    assert_non_null(strstr(out, "\"url\": \"https://127.0.0.1:8443\"")); /* no trailing '/' */
    assert_non_null(strstr(out, "\"loggedIn\": true"));
    assert_null(strstr(out, "acn_TOKEN_1"));
    free(out);
    free(err);
    text = slurp(cfg);
    assert_non_null(text);
    assert_non_null(strstr(text, "url=https://127.0.0.1:8443\n"));
    assert_non_null(strstr(text, "token=acn_TOKEN_1\n"));
    char *want_ca = malloc(strlen(ca) + 16);
    snprintf(want_ca, strlen(ca) + 16, "ca_file=%s\n", ca);
    assert_non_null(strstr(text, want_ca));
    free(want_ca);
    free(text);

    /* account show: url and CA file, never the token. */
    assert_int_equal(RUN(&out, &err, "account", "show"), 0);
    assert_non_null(strstr(out, "https://127.0.0.1:8443"));
    assert_non_null(strstr(out, ca));
    assert_null(strstr(out, "acn_TOKEN_1"));
    assert_null(strstr(err, "acn_TOKEN_1"));
    free(out);
    free(err);

    /* Precedence: flag > environment > file. */
    assert_int_equal(RUN(&out, &err, "account", "show", "--query", "url", "-o", "tsv"), 0);
    assert_string_equal(out, "https://127.0.0.1:8443\n");
    free(out);
    free(err);
    setenv("ACCELNET_URL", "https://env.example:1", 1);
    setenv("ACCELNET_CA_FILE", "/env/ca.pem", 1);
    assert_int_equal(RUN(&out, &err, "account", "show", "--query", "url", "-o", "tsv"), 0);
    assert_string_equal(out, "https://env.example:1\n");
    free(out);
    free(err);
    assert_int_equal(RUN(&out, &err, "account", "show", "--url", "https://flag.example:2",
                         "--query", "caFile", "-o", "tsv"),
                     0);
    assert_string_equal(out, "/env/ca.pem\n");
    free(out);
    free(err);
    assert_int_equal(RUN(&out, &err, "account", "show", "--url", "https://flag.example:2",
                         "--ca-file", "/flag/ca.pem", "-o", "tsv"),
                     0);
    assert_non_null(strstr(out, "https://flag.example:2\t/flag/ca.pem\t"));
    free(out);
    free(err);
    setenv("ACCELNET_URL", "", 1); /* empty counts as unset */
    unsetenv("ACCELNET_CA_FILE");
    assert_int_equal(RUN(&out, &err, "account", "show", "--query", "url", "-o", "tsv"), 0);
    assert_string_equal(out, "https://127.0.0.1:8443\n");
    free(out);
    free(err);

    /* logout drops the token, keeps the rest. */
    assert_int_equal(RUN(&out, &err, "logout"), 0);
    free(out);
    free(err);
    text = slurp(cfg);
    assert_null(strstr(text, "token"));
    assert_non_null(strstr(text, "url=https://127.0.0.1:8443\n"));
    assert_non_null(strstr(text, "ca_file="));
    free(text);
    assert_int_equal(RUN(&out, &err, "account", "show", "--query", "loggedIn"), 0);
    assert_string_equal(out, "false\n");
    free(out);
    free(err);
    /* ... and a command that needs the token says so (exit 1). */
    assert_int_equal(RUN(&out, &err, "admin", "token", "list"), 1);
    assert_non_null(strstr(err, "ERROR: not logged in"));
    free(out);
    free(err);
    /* ACCELNET_TOKEN stands in for the file, and logout warns it stays. */
    setenv("ACCELNET_TOKEN", "acn_from_env", 1);
    assert_int_equal(RUN(&out, &err, "account", "show", "--query", "loggedIn"), 0);
    assert_string_equal(out, "true\n");
    free(out);
    free(err);
    assert_int_equal(RUN(&out, &err, "logout"), 0);
    assert_non_null(strstr(err, "ACCELNET_TOKEN is still set"));
    free(out);
    free(err);
    unsetenv("ACCELNET_TOKEN");

    /* A new login without --ca-file forgets the old CA file. */
    assert_int_equal(RUN(&out, &err, "login", "--url", "https://other:9", "--token", "acn_2",
                         "--no-verify", "-o", "none"),
                     0);
    assert_string_equal(out, "");
    free(out);
    free(err);
    text = slurp(cfg);
    assert_null(strstr(text, "ca_file"));
    assert_non_null(strstr(text, "token=acn_2\n"));
    free(text);

    free(cfg);
    free(ca);
}

static void test_login_rejects_bad_values(void **state)
{
    (void)state;
    char *out, *err;
    char *cfg = path_in_tmp("accelnet/config");
    assert_int_equal(RUN(&out, &err, "login", "--url", "ftp://x", "--token", "t", "--no-verify"),
                     2);
    assert_non_null(strstr(err, "ERROR: argument --url: 'ftp://x' is not an http:// or https://"));
    assert_non_null(strstr(err, "accelnet login : ")); /* the help */
    free(out);
    free(err);
    assert_int_equal(
        RUN(&out, &err, "login", "--url", "https://x", "--token", "a b", "--no-verify"), 2);
    assert_non_null(strstr(err, "argument --token"));
    free(out);
    free(err);
    assert_int_equal(RUN(&out, &err, "login", "--url", "https://x", "--token", "t", "--ca-file",
                         "/does/not/exist.pem", "--no-verify"),
                     2);
    assert_non_null(strstr(err, "argument --ca-file: /does/not/exist.pem"));
    free(out);
    free(err);
    /* Nothing was written by any of them. */
    assert_int_equal(access(cfg, F_OK), -1);
    free(cfg);
}

static void test_broken_config_file(void **state)
{
    (void)state;
    char *out, *err;
    char *dir = path_in_tmp("accelnet");
    char *cfg = path_in_tmp("accelnet/config");
    assert_int_equal(mkdir(dir, 0700), 0);
    FILE *f = fopen(cfg, "w");
    fputs("url=https://x\ngarbage\n", f);
    fclose(f);
    assert_int_equal(RUN(&out, &err, "account", "show"), 1);
    assert_non_null(strstr(err, "ERROR: config file: "));
    assert_non_null(strstr(err, "line 2"));
    free(out);
    free(err);
    /* Readable by others: a warning, and it still works. */
    f = fopen(cfg, "w");
    fputs("url=https://x\n", f);
    fclose(f);
    assert_int_equal(chmod(cfg, 0644), 0);
    assert_int_equal(RUN(&out, &err, "account", "show", "--query", "url", "-o", "tsv"), 0);
    assert_string_equal(out, "https://x\n");
    assert_non_null(strstr(err, "WARNING: "));
    assert_non_null(strstr(err, "chmod 600"));
    free(out);
    free(err);
    free(dir);
    free(cfg);
}

#define SUB_A "7c9e6679-7425-40de-944b-e07fc1f90ae7"
#define SUB_B "11111111-2222-4333-8444-555555555555"

/* The default subscription: login --subscription and account set store it,
 * ACCELNET_SUBSCRIPTION and --subscription win over it, a new login without
 * one forgets it. */
static void test_default_subscription(void **state)
{
    (void)state;
    char *out, *err, *text;
    char *cfg = path_in_tmp("accelnet/config");

    /* Stored lower-cased; account show shows it. */
    assert_int_equal(RUN(&out, &err, "login", "--url", "https://127.0.0.1:8443", "--token", "acn_U",
                         "--subscription", "7C9E6679-7425-40DE-944B-E07FC1F90AE7", "--no-verify",
                         "--query", "subscriptionId", "-o", "tsv"),
                     0);
    assert_string_equal(out, SUB_A "\n");
    free(out);
    free(err);
    text = slurp(cfg);
    assert_non_null(strstr(text, "subscription=" SUB_A "\n"));
    free(text);

    /* account set replaces it. */
    assert_int_equal(RUN(&out, &err, "account", "set", "--subscription", SUB_B, "--no-verify",
                         "--query", "subscriptionId", "-o", "tsv"),
                     0);
    assert_string_equal(out, SUB_B "\n");
    assert_non_null(strstr(err, "Default subscription " SUB_B " saved in "));
    free(out);
    free(err);
    text = slurp(cfg);
    assert_non_null(strstr(text, "subscription=" SUB_B "\n"));
    assert_non_null(strstr(text, "token=acn_U\n")); /* the rest stays */
    free(text);

    /* The environment wins over the file (and account set says so). */
    setenv("ACCELNET_SUBSCRIPTION", SUB_A, 1);
    assert_int_equal(RUN(&out, &err, "account", "show", "--query", "subscriptionId", "-o", "tsv"),
                     0);
    assert_string_equal(out, SUB_A "\n");
    free(out);
    free(err);
    assert_int_equal(
        RUN(&out, &err, "account", "set", "--subscription", SUB_B, "--no-verify", "-o", "none"), 0);
    assert_non_null(strstr(err, "WARNING: ACCELNET_SUBSCRIPTION is set in the environment"));
    free(out);
    free(err);
    unsetenv("ACCELNET_SUBSCRIPTION");

    /* Not GUIDs: usage errors, nothing stored. */
    assert_int_equal(RUN(&out, &err, "account", "set", "--subscription", "contoso", "--no-verify"),
                     2);
    assert_non_null(strstr(err, "ERROR: argument --subscription: 'contoso' is not a GUID"));
    free(out);
    free(err);
    assert_int_equal(RUN(&out, &err, "login", "--url", "https://x", "--token", "t",
                         "--subscription", "contoso", "--no-verify"),
                     2);
    free(out);
    free(err);
    text = slurp(cfg);
    assert_non_null(strstr(text, "subscription=" SUB_B "\n"));
    assert_non_null(strstr(text, "url=https://127.0.0.1:8443\n"));
    free(text);

    /* A new login without --subscription forgets it. */
    assert_int_equal(RUN(&out, &err, "login", "--url", "https://127.0.0.1:8443", "--token", "acn_V",
                         "--no-verify", "-o", "none"),
                     0);
    free(out);
    free(err);
    text = slurp(cfg);
    assert_null(strstr(text, "subscription"));
    free(text);
    assert_int_equal(RUN(&out, &err, "account", "show", "--query", "subscriptionId"), 0);
    assert_string_equal(out, "");
    free(out);
    free(err);
    free(cfg);
}

/* The default resource group: account set stores it (az's defaults.group),
 * the environment and -g win over it, "" and a new login forget it. */
static void test_default_resource_group(void **state)
{
    (void)state;
    char *out, *err, *text;
    char *cfg = path_in_tmp("accelnet/config");
    assert_int_equal(RUN(&out, &err, "login", "--url", "https://127.0.0.1:8443", "--token", "acn_U",
                         "--subscription", SUB_A, "--no-verify", "-o", "none"),
                     0);
    free(out);
    free(err);
    /* Nothing to set: a usage error. */
    assert_int_equal(RUN(&out, &err, "account", "set", "--no-verify"), 2);
    assert_non_null(strstr(err, "give at least one of --subscription, --resource-group"));
    free(out);
    free(err);

    assert_int_equal(RUN(&out, &err, "account", "set", "-g", "rg1", "--no-verify", "--query",
                         "resourceGroup", "-o", "tsv"),
                     0);
    assert_string_equal(out, "rg1\n");
    assert_non_null(strstr(err, "Default resource group 'rg1' saved in "));
    free(out);
    free(err);
    text = slurp(cfg);
    assert_non_null(strstr(text, "resource_group=rg1\n"));
    assert_non_null(strstr(text, "subscription=" SUB_A "\n")); /* the rest stays */
    free(text);
    /* Both at once. */
    assert_int_equal(RUN(&out, &err, "account", "set", "--subscription", SUB_B, "-g", "rg2",
                         "--no-verify", "-o", "none"),
                     0);
    free(out);
    free(err);
    text = slurp(cfg);
    assert_non_null(strstr(text, "resource_group=rg2\n"));
    assert_non_null(strstr(text, "subscription=" SUB_B "\n"));
    free(text);

    /* The environment wins over the file, and account set says so. */
    setenv("ACCELNET_RESOURCE_GROUP", "fromenv", 1);
    assert_int_equal(RUN(&out, &err, "account", "show", "--query", "resourceGroup", "-o", "tsv"),
                     0);
    assert_string_equal(out, "fromenv\n");
    free(out);
    free(err);
    assert_int_equal(RUN(&out, &err, "account", "set", "-g", "rg3", "--no-verify", "--query",
                         "resourceGroup", "-o", "tsv"),
                     0);
    assert_string_equal(out, "fromenv\n");
    assert_non_null(strstr(err, "WARNING: ACCELNET_RESOURCE_GROUP is set in the environment"));
    free(out);
    free(err);
    unsetenv("ACCELNET_RESOURCE_GROUP");

    /* "" forgets it. */
    assert_int_equal(RUN(&out, &err, "account", "set", "-g", "", "--no-verify", "-o", "none"), 0);
    assert_non_null(strstr(err, "Default resource group removed from "));
    free(out);
    free(err);
    text = slurp(cfg);
    assert_null(strstr(text, "resource_group"));
    free(text);
    /* A new login forgets it too: it belonged to the old identity. */
    assert_int_equal(RUN(&out, &err, "account", "set", "-g", "rg4", "--no-verify", "-o", "none"),
                     0);
    free(out);
    free(err);
    assert_int_equal(RUN(&out, &err, "login", "--url", "https://127.0.0.1:8443", "--token", "acn_V",
                         "--subscription", SUB_A, "--no-verify", "--query", "resourceGroup"),
                     0);
    assert_string_equal(out, "");
    free(out);
    free(err);
    text = slurp(cfg);
    assert_null(strstr(text, "resource_group"));
    free(text);
    free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_path),
        cmocka_unit_test(test_parse_and_format),
        cmocka_unit_test(test_set_rejects_what_the_file_cannot_hold),
        cmocka_unit_test_setup_teardown(test_save_and_load, setup_tmp, teardown_tmp),
        cmocka_unit_test(test_pick_precedence),
        cmocka_unit_test_setup_teardown(test_login_logout_account, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_login_rejects_bad_values, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_broken_config_file, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_default_subscription, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_default_resource_group, setup_tmp, teardown_tmp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
