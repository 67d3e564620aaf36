/* Unit tests for what is generated from the command table: the man page
 * (cli_man_print, `accelnet __man`) and shell completion (cli_complete,
 * `accelnet __complete`, and the bash script cli/accelnet.bash-completion
 * that asks it). Every command of the table must be in the page, with each
 * of its flags, and complete word by word; the page must be roff that groff
 * reads without a warning (when groff is installed). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

/* --- helpers ------------------------------------------------------------------ */

/* Not inlined: GCC 12 at -O2 takes the open_memstream() buffer for a pointer
 * to the local variable and reports it as dangling in the callers. */
static __attribute__((noinline)) char *man_page(const struct cli_table *t)
{
    char *s = NULL;
    size_t len;
    FILE *f = open_memstream(&s, &len);
    assert_non_null(f);
    cli_man_print(f, t);
    fclose(f);
    return s;
}

/* s with every '-' as roff's "\-" (what the page has for a name); owned. */
static char *roff_name(const char *s)
{
    char *o = malloc(strlen(s) * 2 + 1), *p = o;
    assert_non_null(o);
    for (; *s; s++) {
        if (*s == '-')
            *p++ = '\\';
        *p++ = *s;
    }
    *p = '\0';
    return o;
}

/* The completions of words (the last one is being completed); owned, one
 * per line. */
static char *complete(const char *const *words)
{
    char *s = NULL;
    size_t len;
    int n = 0;
    while (words[n])
        n++;
    FILE *f = open_memstream(&s, &len);
    assert_non_null(f);
    cli_complete(f, &cli_table, n, (char *const *)words);
    fclose(f);
    return s;
}

#define COMPLETE(...) complete((const char *const[]){__VA_ARGS__, NULL})

/* 1 when list (lines) has the line want. */
static int has_line(const char *list, const char *want)
{
    size_t n = strlen(want);
    for (const char *p = list; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len == n && strncmp(p, want, n) == 0)
            return 1;
        p += len + (nl ? 1 : 0);
    }
    return 0;
}

/* The page must hold want; else it is shown. */
#define EXPECT_IN_PAGE(page, want)                                                           \
    do {                                                                                     \
        if (!strstr((page), (want)))                                                         \
            fail_msg("%s:%d: the page lacks\n%s\n--- page:\n%s", __FILE__, __LINE__, (want), \
                     (page));                                                                \
    } while (0)

#define EXPECT_COMPLETION(got, want)                                                            \
    do {                                                                                        \
        if (strcmp((got), (want)) != 0)                                                         \
            fail_msg("%s:%d: completions\n%s--- want:\n%s", __FILE__, __LINE__, (got), (want)); \
    } while (0)

/* --- the man page ----------------------------------------------------------------- */

/* Every group and command has a section; every flag is in its command's. */
static void test_man_has_every_command_and_flag(void **state)
{
    (void)state;
    char *page = man_page(&cli_table);
    assert_non_null(strstr(page, ".TH ACCELNET 1 "));
    assert_non_null(strstr(page, "\n.SH NAME\naccelnet \\- the command line for accelnetd"));
    assert_non_null(strstr(page, "\n.SH SYNOPSIS\n"));
    assert_non_null(strstr(page, "\n.SS Exit codes\n"));
    assert_non_null(strstr(page, "\n.SH GLOBAL OPTIONS\n"));
    for (size_t k = 0; k < CLI_NGLOBALS; k++) {
        char *name = roff_name(cli_global_flags[k].name);
        char want[128];
        snprintf(want, sizeof want, ".TP\n\\fB\\-\\-%s\\fR", name);
        if (!strstr(page, want))
            fail_msg("global flag --%s is not in the page", cli_global_flags[k].name);
        free(name);
    }
    for (size_t i = 0; i < cli_table.ngroups; i++) {
        const struct cli_group *g = &cli_table.groups[i];
        if (!*g->path)
            continue;
        char *path = roff_name(g->path), want[256];
        snprintf(want, sizeof want, "\n.SS accelnet %s\n", path);
        if (!strstr(page, want))
            fail_msg("group '%s' has no section in the page", g->path);
        free(path);
    }
    for (size_t i = 0; i < cli_table.ncommands; i++) {
        const struct cli_command *c = &cli_table.commands[i];
        char *group = roff_name(c->group), *verb = roff_name(c->verb), want[256];
        snprintf(want, sizeof want, "\n.SS accelnet %s%s%s\n", group, *group ? " " : "", verb);
        const char *sec = strstr(page, want);
        if (!sec)
            fail_msg("command '%s %s' has no section in the page", c->group, c->verb);
        if (sec && strstr(sec + strlen(want), want))
            fail_msg("command '%s %s' has two sections", c->group, c->verb);
        const char *end = strstr(sec + strlen(want), "\n.SS ");
        if (!end)
            end = strstr(sec, "\n.SH ");
        assert_non_null(end);
        for (size_t k = 0; c->flags && c->flags[k].name; k++) {
            char *flag = roff_name(c->flags[k].name), tag[128];
            snprintf(tag, sizeof tag, ".TP\n\\fB\\-\\-%s\\fR", flag);
            const char *at = strstr(sec, tag);
            if (!at || at > end)
                fail_msg("'%s %s --%s' is not in the command's section", c->group, c->verb,
                         c->flags[k].name);
            free(flag);
        }
        if (c->examples && c->examples[0].summary && !strstr(sec, "\nExamples:\n"))
            fail_msg("'%s %s': the examples are not in the page", c->group, c->verb);
        free(group);
        free(verb);
    }
    free(page);
}

/* `accelnet __man` through cli_run prints the same page. */
static void test_man_through_cli_run(void **state)
{
    (void)state;
    char *out = NULL, *err = NULL;
    size_t ol, el;
    char *argv[] = {(char *)"accelnet", (char *)"__man", NULL};
    FILE *fo = open_memstream(&out, &ol), *fe = open_memstream(&err, &el);
    assert_int_equal(cli_run(&cli_table, 2, argv, fo, fe), 0);
    fclose(fo);
    fclose(fe);
    char *page = man_page(&cli_table);
    assert_string_equal(out, page);
    assert_string_equal(err, "");
    free(page);
    free(out);
    free(err);
}

/* The help texts become roff: escapes, filled and kept lines, a table of
 * terms as a list, bold `code`, long examples continued. */
static int nop(struct cli_ctx *c)
{
    (void)c;
    return 0;
}

static const struct cli_group roff_groups[] = {
    {.path = "",
     .summary = "accelnet \xe2\x80\x94 a test table.",
     .help = "Usage: accelnet <group> <command>\n"
             "       accelnet --help\n"
             "\n"
             "Codes\n"
             "    0  fine\n"
             "    4  refused: a long description that goes\n"
             "       on here\n"},
    {.path = "grp", .summary = "A group."},
};
static const struct cli_command roff_cmds[] = {
    {
        .group = "grp",
        .verb = "do-it",
        .handler = nop,
        .summary = "Do it.",
        .help = ".starts with a dot, has a \\ and `accelnet grp do-it` in it,\n"
                "and a line that goes on.\n"
                "    kept  as   it is\n"
                "'quoted first",
        .flags =
            (const struct cli_flag[]){
                {.name = "name",
                 .short_name = 'n',
                 .opts = CLI_REQUIRED,
                 .metavar = "NAME",
                 .help = "The name."},
                {.name = "list-of", .type = CLI_LIST, .metavar = "X", .help = "Some."},
                {0},
            },
        .examples =
            (const struct cli_example[]){
                {"A long one.", "accelnet grp do-it --name aaaaaaaaaaaaaaaaaaaa --list-of "
                                "bbbbbbbbbbbbbbbbbbbb 'c c c c c c c c c c c c' dddddddddd"},
                {0},
            },
    },
};

static void test_man_roff_of_help_texts(void **state)
{
    (void)state;
    const struct cli_table t = {roff_groups, 2, roff_cmds, 1};
    char *page = man_page(&t);
    /* The name line without "accelnet — " and the final stop. */
    EXPECT_IN_PAGE(page, "\n.SH NAME\naccelnet \\- a test table\n");
    /* The usage lines are the synopsis': not repeated. */
    assert_null(strstr(page, "Usage:"));
    /* A heading with a table of terms: a compact .TP list, filled. */
    EXPECT_IN_PAGE(page, "\n.SS Codes\n.RS 4\n.PD 0\n.TP 4\n0\nfine\n.TP 4\n4\n"
                         "refused: a long description that goes\non here\n.PD\n.RE\n");
    /* Escapes: a leading dot or quote, a backslash, dashes; `...` in bold. */
    EXPECT_IN_PAGE(page, "\n\\&.starts with a dot, has a \\e and \\fBaccelnet grp "
                         "do\\-it\\fR in it,\nand a line that goes on.\n");
    EXPECT_IN_PAGE(page, "\n.RS 2\n.nf\nkept  as   it is\n.fi\n.RE\n\\&'quoted first\n");
    /* The usage line: required flags, then [optional] ones. */
    EXPECT_IN_PAGE(page, "\n.SS accelnet grp do\\-it\n\\fBaccelnet grp do\\-it\\fR\n"
                         "\\fB\\-\\-name\\fR \\fINAME\\fR\n"
                         "[\\fB\\-\\-list\\-of\\fR \\fIX\\fR ...]\n");
    EXPECT_IN_PAGE(page, ".TP\n\\fB\\-\\-name\\fR, \\fB\\-n\\fR \\fINAME\\fR\n"
                         "Required. The name.\n");
    /* A long example is continued at a space outside quotes, a flag with
     * its value. */
    assert_non_null(strstr(page,
                           ".nf\naccelnet grp do\\-it \\-\\-name aaaaaaaaaaaaaaaaaaaa \\e\n"
                           "    \\-\\-list\\-of bbbbbbbbbbbbbbbbbbbb 'c c c c c c c c c c c c' "
                           "\\e\n    dddddddddd\n.fi\n"));
    EXPECT_IN_PAGE(page, "Subgroups and commands: do\\-it.\n");
    free(page);
}

/* groff reads the page without a single warning (-ww), and the text has the
 * commands. Skipped without groff. */
static void test_man_is_valid_for_groff(void **state)
{
    (void)state;
    if (system("command -v groff >/dev/null 2>&1") != 0) {
        print_message("groff is not installed: not checked\n");
        skip();
    }
    char path[] = "/tmp/test_cli_doc.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    cli_man_print(f, &cli_table);
    fclose(f);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "groff -man -Tutf8 -ww -rLL=78n %s 2>&1 >/dev/null", path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, p);
    buf[n] = '\0';
    int rc = pclose(p);
    if (n || rc != 0)
        fail_msg("groff -man -ww: exit %d, warnings:\n%s", rc, buf);
    snprintf(cmd, sizeof cmd, "groff -man -Tascii -P-cbou %s 2>/dev/null", path);
    p = popen(cmd, "r");
    assert_non_null(p);
    char *text = NULL;
    size_t len;
    FILE *m = open_memstream(&text, &len);
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
        fwrite(buf, 1, n, m);
    fclose(m);
    assert_int_equal(pclose(p), 0);
    unlink(path);
    assert_non_null(strstr(text, "accelnet admin host drain"));
    assert_non_null(strstr(text, "EXIT STATUS") || strstr(text, "Exit codes"));
    free(text);
}

/* --- completion ------------------------------------------------------------------ */

/* Each word of every command completes from a prefix; each flag from "--". */
static void test_every_command_completes(void **state)
{
    (void)state;
    for (size_t i = 0; i < cli_table.ncommands; i++) {
        const struct cli_command *c = &cli_table.commands[i];
        char path[256], *words[16];
        size_t n = 0;
        snprintf(path, sizeof path, "%s%s%s", c->group, *c->group ? " " : "", c->verb);
        for (char *save = NULL, *w = strtok_r(path, " ", &save); w; w = strtok_r(NULL, " ", &save))
            words[n++] = w;
        for (size_t k = 0; k < n; k++) {
            const char *q[18];
            char prefix[64];
            for (size_t j = 0; j < k; j++)
                q[j] = words[j];
            snprintf(prefix, sizeof prefix, "%.2s", words[k]);
            for (int full = 0; full < 2; full++) {
                q[k] = full ? words[k] : prefix;
                q[k + 1] = NULL;
                char *got = complete(q);
                if (!has_line(got, words[k]))
                    fail_msg("'%s %s': '%s' does not complete to '%s':\n%s", c->group, c->verb,
                             q[k], words[k], got);
                free(got);
            }
        }
        for (size_t k = 0; c->flags && c->flags[k].name; k++) {
            const char *q[18];
            char want[64];
            for (size_t j = 0; j < n; j++)
                q[j] = words[j];
            q[n] = "--";
            q[n + 1] = NULL;
            char *got = complete(q);
            snprintf(want, sizeof want, "--%s", c->flags[k].name);
            if (!has_line(got, want))
                fail_msg("'%s %s': '--' does not complete to '%s':\n%s", c->group, c->verb, want,
                         got);
            free(got);
            if (c->flags[k].type != CLI_ENUM)
                continue;
            q[n] = want;
            q[n + 1] = "";
            q[n + 2] = NULL;
            got = complete(q);
            for (size_t v = 0; c->flags[k].choices[v]; v++)
                if (!has_line(got, c->flags[k].choices[v]))
                    fail_msg("'%s %s %s' does not offer '%s':\n%s", c->group, c->verb, want,
                             c->flags[k].choices[v], got);
            free(got);
        }
    }
}

static void test_completion_cases(void **state)
{
    (void)state;
    char *got;
    /* The top level: groups and commands, sorted. */
    got = COMPLETE("");
    assert_true(has_line(got, "admin"));
    assert_true(has_line(got, "login"));
    assert_true(has_line(got, "network"));
    assert_true(has_line(got, "check-eligibility"));
    assert_false(has_line(got, "--help")); /* flags only for a word starting with '-' */
    free(got);
    got = COMPLETE("adm");
    EXPECT_COMPLETION(got, "admin\n");
    free(got);
    got = COMPLETE("admin", "ho");
    EXPECT_COMPLETION(got, "host\n");
    free(got);
    got = COMPLETE("admin", "host", "");
    EXPECT_COMPLETION(
        got, "complete-service\ndelete\ndisable\ndrain\nenable\nevacuate\nlist\nservice\nshow\n"
             "show-service\n");
    free(got);
    /* Global flags before the command, then the group continues. */
    got = COMPLETE("--debug", "admin", "host", "d");
    EXPECT_COMPLETION(got, "delete\ndisable\ndrain\n");
    free(got);
    got = COMPLETE("-");
    assert_true(has_line(got, "--help"));
    assert_true(has_line(got, "--output"));
    free(got);
    /* After a command: its own flags for "", with the globals for "-". */
    got = COMPLETE("admin", "host", "show", "");
    EXPECT_COMPLETION(got, "--name\n");
    free(got);
    got = COMPLETE("admin", "host", "show", "--");
    assert_true(has_line(got, "--name"));
    assert_true(has_line(got, "--query"));
    free(got);
    /* A flag given is not offered again (a list flag is, it may repeat). */
    got = COMPLETE("admin", "host", "show", "-n", "h1", "--n");
    EXPECT_COMPLETION(got, "");
    free(got);
    got = COMPLETE("network", "nic", "create", "--tags", "a=b", "--ta");
    EXPECT_COMPLETION(got, "--tags\n");
    free(got);
    /* login's own --url hides the global one (no duplicate). */
    got = COMPLETE("login", "--u");
    EXPECT_COMPLETION(got, "--url\n");
    free(got);
    /* Values: an enum's choices (any case), file names, nothing for text. */
    got = COMPLETE("group", "list", "-o", "t");
    EXPECT_COMPLETION(got, "table\ntsv\n");
    free(got);
    got = COMPLETE("group", "list", "--output", "T");
    EXPECT_COMPLETION(got, "table\ntsv\n");
    free(got);
    got = COMPLETE("network", "nsg", "rule", "create", "--protocol", "");
    EXPECT_COMPLETION(got, "*\nIcmp\nTcp\nUdp\n");
    free(got);
    got = COMPLETE("group", "list", "--output=ta");
    EXPECT_COMPLETION(got, "--output=table\n");
    free(got);
    got = COMPLETE("group", "list", "--output", "=", "js"); /* bash splits at '=' */
    EXPECT_COMPLETION(got, "json\n");
    free(got);
    got = COMPLETE("login", "--ca-file", "");
    EXPECT_COMPLETION(got, CLI_COMPLETE_FILES "\n");
    free(got);
    got = COMPLETE("admin", "host", "show", "-n", "");
    EXPECT_COMPLETION(got, "");
    free(got);
    /* A list flag's values go on until a flag: nothing to offer but text. */
    got = COMPLETE("network", "vnet", "create", "--address-prefixes", "10.0.0.0/16", "");
    EXPECT_COMPLETION(got, "");
    free(got);
    got = COMPLETE("network", "vnet", "create", "--address-prefixes", "10.0.0.0/16", "--sub");
    EXPECT_COMPLETION(got, "--subnet-name\n--subnet-prefixes\n--subscription\n");
    free(got);
    /* A word that is not in the group: nothing follows it. */
    got = COMPLETE("nope", "");
    EXPECT_COMPLETION(got, "");
    free(got);
    /* Nothing at all: the top level. */
    char *out = NULL;
    size_t len;
    FILE *f = open_memstream(&out, &len);
    cli_complete(f, &cli_table, 0, NULL);
    fclose(f);
    assert_true(has_line(out, "admin"));
    free(out);
}

/* `accelnet __complete` through cli_run: no settings read, nothing sent. */
static void test_complete_through_cli_run(void **state)
{
    (void)state;
    char *out = NULL, *err = NULL;
    size_t ol, el;
    char *argv[] = {(char *)"accelnet", (char *)"__complete", (char *)"admin", (char *)"h", NULL};
    FILE *fo = open_memstream(&out, &ol), *fe = open_memstream(&err, &el);
    assert_int_equal(cli_run(&cli_table, 4, argv, fo, fe), 0);
    fclose(fo);
    fclose(fe);
    assert_string_equal(out, "host\n");
    assert_string_equal(err, "");
    free(out);
    free(err);
}

/* The bash script as bash runs it, with the built accelnet
 * (ACCELNET_TEST_BIN, from tests/run.sh, which runs in the repository).
 * Skipped without bash or the binary. */
static void test_bash_script(void **state)
{
    (void)state;
    const char *bin = getenv("ACCELNET_TEST_BIN");
    char prog[1024];
    if (!bin || system("command -v bash >/dev/null 2>&1") != 0 ||
        access("cli/accelnet.bash-completion", R_OK) != 0) {
        print_message("no bash, ACCELNET_TEST_BIN or cli/accelnet.bash-completion here: not "
                      "checked\n");
        skip();
    }
    snprintf(prog, sizeof prog, "%s/accelnet", bin);
    if (access(prog, X_OK) != 0) {
        print_message("no %s: not checked\n", prog);
        skip();
    }
    static const struct {
        const char *words, *want;
    } cases[] = {
        {"admin ho", "[host]\n"},
        {"admin host d", "[delete]\n[disable]\n[drain]\n"},
        {"network nsg rule create --protocol ''", "[\\*]\n[Icmp]\n[Tcp]\n[Udp]\n"},
        {"group list -o ''", "[json]\n[none]\n[table]\n[tsv]\n"},
        {"login --ca-file cli/accelnet.bash-compl", "[cli/accelnet.bash-completion]\n"},
        {"nope ''", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char cmd[2048];
        snprintf(cmd, sizeof cmd,
                 "bash -c 'source cli/accelnet.bash-completion; COMP_WORDS=(\"$0\" \"$@\"); "
                 "COMP_CWORD=$#; _accelnet; for c in \"${COMPREPLY[@]}\"; do printf \"[%%s]\\n\" "
                 "\"$c\"; done' %s %s 2>&1",
                 prog, cases[i].words);
        FILE *p = popen(cmd, "r");
        assert_non_null(p);
        char buf[4096];
        size_t n = fread(buf, 1, sizeof buf - 1, p);
        buf[n] = '\0';
        assert_int_equal(pclose(p), 0);
        if (strcmp(buf, cases[i].want) != 0)
            fail_msg("bash completion of '%s':\n%s--- want:\n%s", cases[i].words, buf,
                     cases[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_man_has_every_command_and_flag),
        cmocka_unit_test(test_man_through_cli_run),
        cmocka_unit_test(test_man_roff_of_help_texts),
        cmocka_unit_test(test_man_is_valid_for_groff),
        cmocka_unit_test(test_every_command_completes),
        cmocka_unit_test(test_completion_cases),
        cmocka_unit_test(test_complete_through_cli_run),
        cmocka_unit_test(test_bash_script),
    };
    return cmocka_run_group_tests_name("test_cli_doc", tests, NULL, NULL);
}
