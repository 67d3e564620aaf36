/* Unit tests for cli/cli.h: the argument parser (against a small table made
 * for the tests and against the real one), help at every level and the exit
 * codes of usage errors, through cli_run with captured output. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* --- a table for the tests -------------------------------------------------- */

static int ran;
static int dummy(struct cli_ctx *c)
{
    (void)c;
    ran++;
    return 0;
}

static const char *const colors[] = {"red", "Green", NULL};

static const struct cli_group t_groups[] = {
    {.path = "", .summary = "test root"},
    {.path = "net", .summary = "networks"},
    {.path = "net nic", .summary = "network interfaces"},
    {.path = "vm", .summary = "machines"},
};

static const struct cli_command t_cmds[] = {
    {.group = "", .verb = "ping", .handler = dummy, .summary = "ping"},
    {.group = "net nic",
     .verb = "create",
     .handler = dummy,
     .summary = "create a nic",
     .flags =
         (const struct cli_flag[]){
             {.name = "name", .short_name = 'n', .opts = CLI_REQUIRED, .help = "the name"},
             {.name = "color", .type = CLI_ENUM, .choices = colors, .def = "red"},
             {.name = "count", .type = CLI_INT, .min = 1, .max = 8},
             {.name = "no-wait", .type = CLI_SWITCH},
             {.name = "ips", .type = CLI_LIST},
             {0},
         }},
    {.group = "net nic", .verb = "list", .handler = dummy, .summary = "list nics"},
    {.group = "vm", .verb = "start", .handler = dummy, .summary = "start a vm"},
};

static const struct cli_table t_table = {t_groups, 4, t_cmds, 4};

/* Parses a NULL-terminated word list (argv[0] added). */
static enum cli_parse_status parse(struct cli_parsed *p, const struct cli_table *t,
                                   const char *const *words)
{
    char *argv[64];
    int argc = 0;
    argv[argc++] = (char *)"accelnet";
    for (size_t i = 0; words[i]; i++)
        argv[argc++] = (char *)words[i];
    argv[argc] = NULL;
    return cli_parse(p, t, argc, argv);
}

#define PARSE(p, ...) parse((p), &t_table, (const char *const[]){__VA_ARGS__, NULL})

/* Runs cli_run on the real table with captured output; *out / *err owned. */
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
    assert_non_null(fo);
    assert_non_null(fe);
    int rc = cli_run(&cli_table, argc, argv, fo, fe);
    fclose(fo);
    fclose(fe);
    return rc;
}

#define RUN(out, err, ...) run((out), (err), (const char *const[]){__VA_ARGS__, NULL})

/* --- the parser --------------------------------------------------------------- */

static void test_words_resolve_command(void **state)
{
    (void)state;
    struct cli_parsed p;
    assert_int_equal(PARSE(&p, "net", "nic", "create", "--name", "a"), CLI_PARSE_RUN);
    assert_string_equal(p.cmd->verb, "create");
    assert_string_equal(p.group->path, "net nic");
    assert_string_equal(cli_arg(&p, "name"), "a");
    assert_string_equal(cli_arg(&p, "color"), "red"); /* the default */
    assert_false(cli_arg_given(&p, "color"));
    assert_null(cli_arg(&p, "count"));
    cli_parsed_free(&p);

    assert_int_equal(PARSE(&p, "ping"), CLI_PARSE_RUN);
    assert_string_equal(p.cmd->verb, "ping");
    assert_string_equal(p.group->path, "");
    cli_parsed_free(&p);
}

static void test_value_forms(void **state)
{
    (void)state;
    struct cli_parsed p;
    assert_int_equal(PARSE(&p, "net", "nic", "create", "--name=a=b", "--count", "3", "-o", "tsv"),
                     CLI_PARSE_RUN);
    assert_string_equal(cli_arg(&p, "name"), "a=b");
    assert_string_equal(cli_arg(&p, "count"), "3");
    assert_string_equal(p.g.output, "tsv");
    cli_parsed_free(&p);

    assert_int_equal(PARSE(&p, "net", "nic", "create", "-nfoo", "-otable"), CLI_PARSE_RUN);
    assert_string_equal(cli_arg(&p, "name"), "foo");
    assert_string_equal(p.g.output, "table");
    cli_parsed_free(&p);

    assert_int_equal(PARSE(&p, "net", "nic", "create", "-n=x", "-o=none"), CLI_PARSE_RUN);
    assert_string_equal(cli_arg(&p, "name"), "x");
    assert_string_equal(p.g.output, "none");
    cli_parsed_free(&p);

    /* "-" and negative-looking words are values; "--x" is not. */
    assert_int_equal(PARSE(&p, "net", "nic", "create", "--name", "-"), CLI_PARSE_RUN);
    assert_string_equal(cli_arg(&p, "name"), "-");
    cli_parsed_free(&p);
    assert_int_equal(PARSE(&p, "net", "nic", "create", "--name", "-dash-name"), CLI_PARSE_RUN);
    assert_string_equal(cli_arg(&p, "name"), "-dash-name");
    cli_parsed_free(&p);
    assert_int_equal(PARSE(&p, "net", "nic", "create", "--name", "--count", "2"), CLI_PARSE_USAGE);
    assert_non_null(strstr(p.error, "--name: expected a value"));
    cli_parsed_free(&p);
    assert_int_equal(PARSE(&p, "net", "nic", "create", "--name=--count"), CLI_PARSE_RUN);
    assert_string_equal(cli_arg(&p, "name"), "--count");
    cli_parsed_free(&p);
    assert_int_equal(PARSE(&p, "net", "nic", "create", "--name"), CLI_PARSE_USAGE);
    assert_non_null(strstr(p.error, "expected a value"));
    cli_parsed_free(&p);
    /* An empty value is a value. */
    assert_int_equal(PARSE(&p, "net", "nic", "create", "--name", ""), CLI_PARSE_RUN);
    assert_string_equal(cli_arg(&p, "name"), "");
    cli_parsed_free(&p);
}

static void test_enum_int_switch_list(void **state)
{
    (void)state;
    struct cli_parsed p;
    /* Enums match in any case and keep the table's spelling. */
    assert_int_equal(PARSE(&p, "net", "nic", "create", "-n", "a", "--color", "GREEN"),
                     CLI_PARSE_RUN);
    assert_string_equal(cli_arg(&p, "color"), "Green");
    cli_parsed_free(&p);
    assert_int_equal(PARSE(&p, "net", "nic", "create", "-n", "a", "--color", "blue"),
                     CLI_PARSE_USAGE);
    assert_string_equal(p.error,
                        "argument --color: invalid choice: 'blue' (choose from 'red', 'Green')");
    cli_parsed_free(&p);
    assert_int_equal(PARSE(&p, "net", "nic", "create", "-n", "a", "-o", "yaml"), CLI_PARSE_USAGE);
    assert_non_null(strstr(p.error, "--output: invalid choice: 'yaml'"));
    cli_parsed_free(&p);

    assert_int_equal(PARSE(&p, "net", "nic", "create", "-n", "a", "--count", "9"), CLI_PARSE_USAGE);
    assert_non_null(strstr(p.error, "--count: '9' is not a whole number from 1 to 8"));
    cli_parsed_free(&p);
    assert_int_equal(PARSE(&p, "net", "nic", "create", "-n", "a", "--count", "2x"),
                     CLI_PARSE_USAGE);
    cli_parsed_free(&p);
    assert_int_equal(PARSE(&p, "net", "nic", "create", "-n", "a", "--timeout", "0"),
                     CLI_PARSE_USAGE);
    cli_parsed_free(&p);
    assert_int_equal(PARSE(&p, "net", "nic", "create", "-n", "a", "--timeout", "5"), CLI_PARSE_RUN);
    assert_int_equal(p.g.timeout, 5);
    cli_parsed_free(&p);

    assert_int_equal(PARSE(&p, "net", "nic", "create", "-n", "a", "--no-wait"), CLI_PARSE_RUN);
    assert_true(cli_arg_given(&p, "no-wait"));
    cli_parsed_free(&p);
    assert_int_equal(PARSE(&p, "net", "nic", "create", "-n", "a", "--no-wait=yes"),
                     CLI_PARSE_USAGE);
    assert_non_null(strstr(p.error, "--no-wait: does not take a value"));
    cli_parsed_free(&p);

    size_t n;
    assert_int_equal(PARSE(&p, "net", "nic", "create", "--ips", "1.1.1.1", "2.2.2.2", "-n", "a",
                           "--ips=3.3.3.3", "4.4.4.4"),
                     CLI_PARSE_RUN);
    const char *const *ips = cli_arg_list(&p, "ips", &n);
    assert_int_equal(n, 4);
    assert_string_equal(ips[0], "1.1.1.1");
    assert_string_equal(ips[1], "2.2.2.2");
    assert_string_equal(ips[2], "3.3.3.3");
    assert_string_equal(ips[3], "4.4.4.4");
    cli_parsed_free(&p);
    assert_int_equal(PARSE(&p, "net", "nic", "create", "-n", "a", "--ips"), CLI_PARSE_USAGE);
    assert_non_null(strstr(p.error, "--ips: expected one or more values"));
    cli_parsed_free(&p);
    assert_int_equal(PARSE(&p, "net", "nic", "create", "-n", "a"), CLI_PARSE_RUN);
    assert_null(cli_arg_list(&p, "ips", &n));
    assert_int_equal(n, 0);
    cli_parsed_free(&p);
}

static void test_usage_errors(void **state)
{
    (void)state;
    struct cli_parsed p;
    assert_int_equal(PARSE(&p, "net", "nic", "create"), CLI_PARSE_USAGE);
    assert_string_equal(p.error, "the following arguments are required: --name");
    assert_non_null(p.cmd); /* so the command's help is printed */
    cli_parsed_free(&p);

    assert_int_equal(PARSE(&p, "net", "nic", "create", "-n", "a", "-n", "b"), CLI_PARSE_USAGE);
    assert_non_null(strstr(p.error, "--name: given more than once"));
    cli_parsed_free(&p);

    assert_int_equal(PARSE(&p, "net", "nic", "create", "-n", "a", "--colr", "red"),
                     CLI_PARSE_USAGE);
    assert_string_equal(p.error, "unrecognized argument: --colr. Did you mean '--color'?");
    cli_parsed_free(&p);

    assert_int_equal(PARSE(&p, "net", "nic", "create", "-n", "a", "stray"), CLI_PARSE_USAGE);
    assert_non_null(strstr(p.error, "unrecognized argument: 'stray'"));
    cli_parsed_free(&p);

    /* Unknown words, with a suggestion when one is close. */
    assert_int_equal(PARSE(&p, "net", "nc", "create"), CLI_PARSE_USAGE);
    assert_string_equal(p.error, "'nc' is not in the 'accelnet net' command group. Did you mean "
                                 "'nic'?");
    assert_string_equal(p.group->path, "net");
    assert_null(p.cmd);
    cli_parsed_free(&p);
    assert_int_equal(PARSE(&p, "frobnicate"), CLI_PARSE_USAGE);
    assert_string_equal(p.error, "'frobnicate' is not an accelnet command or group.");
    cli_parsed_free(&p);
    assert_int_equal(PARSE(&p, "pnig"), CLI_PARSE_USAGE);
    assert_non_null(strstr(p.error, "Did you mean 'ping'?"));
    cli_parsed_free(&p);

    /* A group without a command. */
    assert_int_equal(PARSE(&p, "net"), CLI_PARSE_USAGE);
    assert_string_equal(p.group->path, "net");
    assert_non_null(strstr(p.error, "'accelnet net' needs a subgroup or a command"));
    cli_parsed_free(&p);
    char *argv0[] = {(char *)"accelnet", NULL};
    assert_int_equal(cli_parse(&p, &t_table, 1, argv0), CLI_PARSE_USAGE);
    assert_null(p.error); /* nothing at all: just the help */
    cli_parsed_free(&p);

    /* Before the command only global flags are known. */
    assert_int_equal(PARSE(&p, "--name", "x", "net", "nic", "create"), CLI_PARSE_USAGE);
    assert_non_null(strstr(p.error, "go after the command"));
    cli_parsed_free(&p);
    assert_int_equal(PARSE(&p, "--debug", "-o", "table", "net", "nic", "create", "-n", "a"),
                     CLI_PARSE_RUN);
    assert_true(p.g.debug);
    assert_string_equal(p.g.output, "table");
    cli_parsed_free(&p);
}

static void test_help_and_version(void **state)
{
    (void)state;
    struct cli_parsed p;
    assert_int_equal(PARSE(&p, "--help"), CLI_PARSE_HELP);
    assert_null(p.cmd);
    assert_string_equal(p.group->path, "");
    cli_parsed_free(&p);
    assert_int_equal(PARSE(&p, "net", "-h"), CLI_PARSE_HELP);
    assert_string_equal(p.group->path, "net");
    cli_parsed_free(&p);
    assert_int_equal(PARSE(&p, "net", "nic", "--help"), CLI_PARSE_HELP);
    assert_string_equal(p.group->path, "net nic");
    cli_parsed_free(&p);
    assert_int_equal(PARSE(&p, "net", "nic", "create", "--help"), CLI_PARSE_HELP);
    assert_string_equal(p.cmd->verb, "create");
    cli_parsed_free(&p);
    /* Help wins over flag errors and missing flags ... */
    assert_int_equal(PARSE(&p, "net", "nic", "create", "--bogus", "--color", "blue", "-h"),
                     CLI_PARSE_HELP);
    assert_null(p.error);
    cli_parsed_free(&p);
    /* ... before or after the words ... */
    assert_int_equal(PARSE(&p, "-h", "net", "nic", "create"), CLI_PARSE_HELP);
    assert_string_equal(p.cmd->verb, "create");
    cli_parsed_free(&p);
    /* ... but not over unknown words. */
    assert_int_equal(PARSE(&p, "net", "nix", "--help"), CLI_PARSE_USAGE);
    cli_parsed_free(&p);

    assert_int_equal(PARSE(&p, "--version"), CLI_PARSE_VERSION);
    cli_parsed_free(&p);
}

static void test_edit_distance(void **state)
{
    (void)state;
    assert_int_equal(cli_edit_distance("", ""), 0);
    assert_int_equal(cli_edit_distance("abc", ""), 3);
    assert_int_equal(cli_edit_distance("token", "tokn"), 1);
    assert_int_equal(cli_edit_distance("kitten", "sitting"), 3);
}

/* --- the real table -------------------------------------------------------------- */

static int kebab(const char *s)
{
    if (!*s || *s == '-')
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
            return 0;
    return s[strlen(s) - 1] != '-';
}

static void test_table_is_consistent(void **state)
{
    (void)state;
    const struct cli_table *t = &cli_table;
    assert_non_null(cli_table_group(t, ""));
    for (size_t i = 0; i < t->ngroups; i++) {
        const struct cli_group *g = &t->groups[i];
        if (!g->summary || !*g->summary)
            fail_msg("group '%s' has no summary", g->path);
        for (size_t j = 0; j < i; j++)
            if (strcmp(g->path, t->groups[j].path) == 0)
                fail_msg("group '%s' is listed twice", g->path);
        /* Its parent exists. */
        if (*g->path) {
            const char *sp = strrchr(g->path, ' ');
            char *parent = sp ? strndup(g->path, (size_t)(sp - g->path)) : strdup("");
            if (!cli_table_group(t, parent))
                fail_msg("group '%s' has no parent group '%s'", g->path, parent);
            free(parent);
        }
    }
    for (size_t i = 0; i < t->ncommands; i++) {
        const struct cli_command *c = &t->commands[i];
        if (!cli_table_group(t, c->group))
            fail_msg("command '%s %s': no group '%s'", c->group, c->verb, c->group);
        if (!c->handler || !c->summary || !*c->summary)
            fail_msg("command '%s %s' needs a handler and a summary", c->group, c->verb);
        if (!c->examples || !c->examples[0].summary)
            fail_msg("command '%s %s' has no example", c->group, c->verb);
        if (!kebab(c->verb))
            fail_msg("command '%s %s': verb is not kebab-case", c->group, c->verb);
        if (cli_table_command(t, c->group, c->verb) != c)
            fail_msg("command '%s %s' is listed twice", c->group, c->verb);
        /* A verb that is also a subgroup could never be reached. */
        char *as_group = *c->group ? NULL : strdup(c->verb);
        if (!as_group) {
            size_t n = strlen(c->group) + strlen(c->verb) + 2;
            as_group = malloc(n);
            snprintf(as_group, n, "%s %s", c->group, c->verb);
        }
        if (cli_table_group(t, as_group))
            fail_msg("'%s' is both a group and a command", as_group);
        free(as_group);
        for (size_t k = 0; c->flags && c->flags[k].name; k++) {
            const struct cli_flag *f = &c->flags[k];
            if (!kebab(f->name) || !f->help || !*f->help)
                fail_msg("'%s %s --%s': name not kebab-case or no help", c->group, c->verb,
                         f->name);
            if (f->type == CLI_ENUM && (!f->choices || !f->choices[0]))
                fail_msg("'%s %s --%s': an enum without choices", c->group, c->verb, f->name);
            for (size_t j = 0; j < k; j++)
                if (strcmp(c->flags[j].name, f->name) == 0 ||
                    (f->short_name && f->short_name == c->flags[j].short_name))
                    fail_msg("'%s %s --%s' is declared twice", c->group, c->verb, f->name);
            for (size_t g = 0; g < CLI_NGLOBALS; g++)
                if (f->short_name && f->short_name == cli_global_flags[g].short_name)
                    fail_msg("'%s %s -%c' hides a global short flag", c->group, c->verb,
                             f->short_name);
        }
    }
}

/* Splits a shell command line of an example into words: spaces separate,
 * '...' and "..." quote (\ escapes inside "..."), and a redirection (<, >, |)
 * ends the command. Returns the word count; words point into buf. */
static int shell_split(const char *line, char *buf, char **words, int max)
{
    int n = 0;
    const char *p = line;
    char *o = buf;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p || *p == '<' || *p == '>' || *p == '|')
            break;
        assert_true(n < max);
        words[n++] = o;
        while (*p && *p != ' ') {
            if (*p == '\'') {
                for (p++; *p && *p != '\''; p++)
                    *o++ = *p;
                assert_int_equal(*p, '\'');
                p++;
            } else if (*p == '"') {
                for (p++; *p && *p != '"'; p++) {
                    if (*p == '\\' && p[1])
                        p++;
                    *o++ = *p;
                }
                assert_int_equal(*p, '"');
                p++;
            } else {
                *o++ = *p++;
            }
        }
        *o++ = '\0';
    }
    words[n] = NULL;
    return n;
}

static void check_example(const struct cli_example *ex, const struct cli_command *want)
{
    char buf[2048], *words[64];
    struct cli_parsed p;
    assert_true(strlen(ex->command) < sizeof(buf));
    int n = shell_split(ex->command, buf, words, 63);
    if (n < 2 || strcmp(words[0], "accelnet") != 0)
        fail_msg("example '%s' does not start with 'accelnet'", ex->command);
    enum cli_parse_status st = cli_parse(&p, &cli_table, n, words);
    if (st != CLI_PARSE_RUN)
        fail_msg("example '%s' does not parse: %s", ex->command, p.error ? p.error : "(help)");
    if (want && p.cmd != want)
        fail_msg("example '%s' runs another command than the one it documents", ex->command);
    cli_parsed_free(&p);
}

static void test_every_example_parses(void **state)
{
    (void)state;
    size_t checked = 0;
    for (size_t i = 0; i < cli_table.ncommands; i++)
        for (size_t k = 0;
             cli_table.commands[i].examples && cli_table.commands[i].examples[k].summary;
             k++, checked++)
            check_example(&cli_table.commands[i].examples[k], &cli_table.commands[i]);
    for (size_t i = 0; i < cli_table.ngroups; i++)
        for (size_t k = 0; cli_table.groups[i].examples && cli_table.groups[i].examples[k].summary;
             k++, checked++)
            check_example(&cli_table.groups[i].examples[k], NULL);
    assert_true(checked >= 10);
}

/* The commands the foundation must have. */
static void test_foundation_commands_exist(void **state)
{
    (void)state;
    static const char *const want[][2] = {
        {"", "login"},
        {"", "logout"},
        {"", "health"},
        {"", "rest"},
        {"account", "show"},
        {"admin token", "create"},
        {"admin token", "list"},
        {"admin token", "show"},
        {"admin token", "revoke"},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (!cli_table_command(&cli_table, want[i][0], want[i][1]))
            fail_msg("no command '%s %s'", want[i][0], want[i][1]);
}

/* The commands of the walkthrough and of every route the server has today
 * (service/routes.c). */
static void test_api_commands_exist(void **state)
{
    (void)state;
    static const char *const want[][2] = {
        {"", "check-eligibility"},
        {"account", "set"},
        {"account", "list-locations"},
        {"feature", "register"},
        {"feature", "unregister"},
        {"feature", "show"},
        {"feature", "list"},
        {"group", "create"},
        {"group", "show"},
        {"group", "list"},
        {"group", "delete"},
        {"vm", "list-sizes"},
        {"vm", "list-skus"},
        {"admin subscription", "create"},
        {"admin subscription", "update"},
        {"admin subscription", "show"},
        {"admin subscription", "list"},
        {"admin subscription", "disable"},
        {"admin subscription", "enable"},
        {"admin subscription token", "create"},
        {"admin subscription token", "list"},
        {"admin subscription token", "revoke"},
        {"admin feature", "list"},
        {"admin feature", "show"},
        {"admin feature", "define"},
        {"admin feature", "list-pending"},
        {"admin feature", "list-registrations"},
        {"admin feature", "show-registration"},
        {"admin feature", "approve"},
        {"admin feature", "reject"},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (!cli_table_command(&cli_table, want[i][0], want[i][1]))
            fail_msg("no command '%s %s'", want[i][0], want[i][1]);
    /* The network commands, az's five verbs on each resource. */
    static const char *const net[] = {"network vnet", "network vnet subnet", "network nsg",
                                      "network nsg rule", "network nic"};
    static const char *const net_verbs[] = {"create", "show", "list", "update", "delete"};
    for (size_t k = 0; k < sizeof(net) / sizeof(net[0]); k++)
        for (size_t v = 0; v < sizeof(net_verbs) / sizeof(net_verbs[0]); v++)
            if (!cli_table_command(&cli_table, net[k], net_verbs[v]))
                fail_msg("no command '%s %s'", net[k], net_verbs[v]);
    /* The operator's view and control of hosts (/admin/hosts). */
    static const char *const host_verbs[] = {"list", "show", "drain", "enable", "disable"};
    for (size_t v = 0; v < sizeof(host_verbs) / sizeof(host_verbs[0]); v++)
        if (!cli_table_command(&cli_table, "admin host", host_verbs[v]))
            fail_msg("no command 'admin host %s'", host_verbs[v]);
    static const char *const kinds[] = {"location", "size", "image"};
    static const char *const verbs[] = {"set", "show", "list", "delete"};
    for (size_t k = 0; k < 3; k++)
        for (size_t v = 0; v < 4; v++) {
            char group[64];
            snprintf(group, sizeof(group), "admin catalog %s", kinds[k]);
            if (!cli_table_command(&cli_table, group, verbs[v]))
                fail_msg("no command '%s %s'", group, verbs[v]);
        }
    /* Subscription-scoped commands take --subscription (with a default); admin
     * ones require it. account set stores it (or a resource group). */
    for (size_t i = 0; i < cli_table.ncommands; i++) {
        const struct cli_command *c = &cli_table.commands[i];
        for (size_t k = 0; c->flags && c->flags[k].name; k++) {
            const struct cli_flag *f = &c->flags[k];
            if (strcmp(f->name, "subscription") != 0)
                continue;
            int admin = strncmp(c->group, "admin", 5) == 0;
            if (admin != ((f->opts & CLI_REQUIRED) != 0))
                fail_msg("'%s %s --subscription' should %sbe required", c->group, c->verb,
                         admin ? "" : "not ");
        }
    }
    /* Every network command works in a resource group: -g, never required (it
     * has a default), next to --subscription. */
    for (size_t i = 0; i < cli_table.ncommands; i++) {
        const struct cli_command *c = &cli_table.commands[i];
        if (strncmp(c->group, "network", 7) != 0)
            continue;
        int has_rg = 0, has_sub = 0;
        for (size_t k = 0; c->flags && c->flags[k].name; k++) {
            const struct cli_flag *f = &c->flags[k];
            if (strcmp(f->name, "resource-group") == 0) {
                has_rg = 1;
                if (f->short_name != 'g' || (f->opts & CLI_REQUIRED))
                    fail_msg("'%s %s --resource-group' should be -g and optional", c->group,
                             c->verb);
            }
            has_sub |= strcmp(f->name, "subscription") == 0;
        }
        if (!has_rg || !has_sub)
            fail_msg("'%s %s' lacks --resource-group or --subscription", c->group, c->verb);
    }
}

/* --- help and usage through cli_run ------------------------------------------------ */

static void test_help_at_every_level(void **state)
{
    (void)state;
    char *out, *err;
    assert_int_equal(RUN(&out, &err, "--help"), 0);
    assert_string_equal(err, "");
    assert_non_null(strstr(out, "Exit codes"));
    assert_non_null(strstr(out, "3  not found (HTTP 404)"));
    assert_non_null(strstr(out, "Subgroups:"));
    assert_non_null(strstr(out, "admin"));
    assert_non_null(strstr(out, "login"));
    assert_non_null(strstr(out, "--output -o FORMAT"));
    assert_non_null(strstr(out, "ACCELNET_TOKEN"));
    free(out);
    free(err);

    assert_int_equal(RUN(&out, &err, "admin", "--help"), 0);
    assert_non_null(strstr(out, "accelnet admin : "));
    assert_non_null(strstr(out, "token"));
    free(out);
    free(err);

    assert_int_equal(RUN(&out, &err, "admin", "token", "-h"), 0);
    assert_non_null(strstr(out, "accelnet admin token : "));
    assert_non_null(strstr(out, "Commands:"));
    assert_non_null(strstr(out, "revoke"));
    assert_non_null(strstr(out, "Examples"));
    free(out);
    free(err);

    assert_int_equal(RUN(&out, &err, "admin", "token", "create", "--help"), 0);
    assert_non_null(strstr(out, "accelnet admin token create : "));
    assert_non_null(strstr(out, "--role ROLE [Required]"));
    assert_non_null(strstr(out, "Allowed values: admin, agent."));
    assert_non_null(strstr(out, "Global Arguments"));
    assert_non_null(strstr(out, "accelnet admin token create --role agent"));
    free(out);
    free(err);

    /* login's own --url hides the global one in its help. */
    assert_int_equal(RUN(&out, &err, "login", "--help"), 0);
    assert_non_null(strstr(out, "--url URL [Required]"));
    assert_null(strstr(out, "Overrides ACCELNET_URL"));
    free(out);
    free(err);

    /* The new groups, down to their commands, with examples. */
    static const char *const paths[][4] = {
        {"feature", NULL},
        {"group", NULL},
        {"vm", NULL},
        {"account", NULL},
        {"admin", "subscription", NULL},
        {"admin", "subscription", "token", NULL},
        {"admin", "feature", NULL},
        {"admin", "catalog", NULL},
        {"admin", "catalog", "image", NULL},
        {"admin", "host", NULL},
        {"network", NULL},
        {"network", "vnet", NULL},
        {"network", "vnet", "subnet", NULL},
        {"network", "nsg", NULL},
        {"network", "nsg", "rule", NULL},
        {"network", "nic", NULL},
    };
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        const char *words[6] = {0};
        size_t n = 0;
        for (; n < 4 && paths[i][n]; n++)
            words[n] = paths[i][n];
        words[n] = "--help";
        assert_int_equal(run(&out, &err, words), 0);
        assert_non_null(strstr(out, "Group\n    accelnet "));
        assert_non_null(strstr(out, "Examples"));
        free(out);
        free(err);
    }
    assert_int_equal(RUN(&out, &err, "check-eligibility", "--help"), 0);
    assert_non_null(strstr(out, "--image URN [Required]"));
    assert_non_null(strstr(out, "Exit code 0\n    when eligible; 4 when not"));
    assert_non_null(strstr(out, "--subscription ID "));
    assert_non_null(strstr(out, "ACCELNET_SUBSCRIPTION"));
    free(out);
    free(err);
    assert_int_equal(RUN(&out, &err, "--help"), 0);
    assert_non_null(strstr(out, "also `check-eligibility` when the answer is \"not eligible\""));
    free(out);
    free(err);

    /* The network commands' help: the defaults, and the create-time-only rule. */
    assert_int_equal(RUN(&out, &err, "network", "--help"), 0);
    assert_non_null(strstr(out, "Subgroups:"));
    assert_non_null(strstr(out, "accelnet network nsg rule create --nsg-name nsg1 -n AllowRDP"));
    assert_non_null(strstr(out, "--accelerated-networking true"));
    free(out);
    free(err);
    assert_int_equal(RUN(&out, &err, "network", "nic", "create", "-h"), 0);
    assert_non_null(strstr(out, "--resource-group -g NAME "));
    assert_non_null(strstr(out, "ACCELNET_RESOURCE_GROUP"));
    assert_non_null(strstr(out, "Default: the\n"));
    assert_non_null(strstr(out, "--accelerated-networking BOOL"));
    assert_non_null(strstr(out, "Allowed values: true, false."));
    free(out);
    free(err);
    assert_int_equal(RUN(&out, &err, "network", "nic", "update", "--help"), 0);
    assert_non_null(strstr(out, "AcceleratedNetworkingCannotBeChangedOnExistingNic"));
    assert_non_null(strstr(out, "If-Match"));
    free(out);
    free(err);
    assert_int_equal(RUN(&out, &err, "network", "nsg", "rule", "create", "--help"), 0);
    assert_non_null(strstr(out, "--priority N [Required]"));
    assert_non_null(strstr(out, "Default: Inbound."));
    assert_non_null(strstr(out, "Default: 80."));
    free(out);
    free(err);

    assert_int_equal(RUN(&out, &err, "--version"), 0);
    assert_non_null(strstr(out, "accelnet 0."));
    free(out);
    free(err);
}

static void test_usage_errors_exit_2_with_help(void **state)
{
    (void)state;
    char *out, *err;
    assert_int_equal(RUN(&out, &err, "admin", "token", "create"), 2);
    assert_string_equal(out, "");
    assert_non_null(strstr(err, "ERROR: the following arguments are required: --role"));
    assert_non_null(strstr(err, "accelnet admin token create : ")); /* the command's help */
    free(out);
    free(err);

    assert_int_equal(RUN(&out, &err, "admin", "tokn", "list"), 2);
    assert_non_null(strstr(err, "ERROR: 'tokn' is not in the 'accelnet admin' command group. "
                                "Did you mean 'token'?"));
    assert_non_null(strstr(err, "accelnet admin : ")); /* the group's help */
    free(out);
    free(err);

    assert_int_equal(RUN(&out, &err, "admin"), 2);
    assert_non_null(strstr(err, "needs a subgroup or a command"));
    free(out);
    free(err);

    char *argv0[] = {(char *)"accelnet", NULL};
    size_t ol, el;
    FILE *fo = open_memstream(&out, &ol), *fe = open_memstream(&err, &el);
    assert_int_equal(cli_run(&cli_table, 1, argv0, fo, fe), 2);
    fclose(fo);
    fclose(fe);
    assert_non_null(strstr(err, "Exit codes"));
    free(out);
    free(err);

    assert_int_equal(RUN(&out, &err, "admin", "token", "show", "--id", "x", "-o", "xml"), 2);
    assert_non_null(strstr(err, "--output: invalid choice: 'xml'"));
    free(out);
    free(err);

    /* Network commands: a priority out of range, a choice not offered. */
    assert_int_equal(RUN(&out, &err, "network", "nsg", "rule", "create", "-g", "rg1", "--nsg-name",
                         "nsg1", "-n", "r", "--priority", "50"),
                     2);
    assert_non_null(strstr(err, "--priority"));
    assert_non_null(strstr(err, "accelnet network nsg rule create : "));
    free(out);
    free(err);
    assert_int_equal(RUN(&out, &err, "network", "nic", "update", "-g", "rg1", "-n", "nic1",
                         "--accelerated-networking", "yes"),
                     2);
    assert_non_null(strstr(err, "invalid choice: 'yes'"));
    free(out);
    free(err);
    assert_int_equal(RUN(&out, &err, "network", "vnet", "subnet", "create", "-g", "rg1", "-n", "s"),
                     2);
    assert_non_null(strstr(err, "the following arguments are required: --vnet-name"));
    free(out);
    free(err);

    /* A bad --query is caught before anything is sent. */
    assert_int_equal(RUN(&out, &err, "account", "show", "--query", "value[x"), 2);
    assert_non_null(strstr(err, "ERROR: argument --query: "));
    assert_non_null(strstr(err, "accelnet account show : "));
    free(out);
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words_resolve_command),
        cmocka_unit_test(test_value_forms),
        cmocka_unit_test(test_enum_int_switch_list),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_help_and_version),
        cmocka_unit_test(test_edit_distance),
        cmocka_unit_test(test_table_is_consistent),
        cmocka_unit_test(test_every_example_parses),
        cmocka_unit_test(test_foundation_commands_exist),
        cmocka_unit_test(test_api_commands_exist),
        cmocka_unit_test(test_help_at_every_level),
        cmocka_unit_test(test_usage_errors_exit_2_with_help),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
