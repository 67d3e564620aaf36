/* args — the command-line parser: words to a command through the table, then
 * flags checked against the command's specs (and the global ones).
 *
 * Rules, close to az's (argparse) so that it feels familiar:
 *   - leading words name groups and then a verb; flags before the verb can
 *     only be global ones (`accelnet --debug admin token list`);
 *   - --name VALUE and --name=VALUE; -o VALUE, -oVALUE and -o=VALUE;
 *   - a value may not look like a long flag (--x) or a short one (-o): that is
 *     "expected a value"; write --name=--x to pass such a value;
 *   - enum values match in any case and are stored as the table spells them;
 *   - a single-valued flag given twice is an error (silently taking the last
 *     one hides typos in scripts);
 *   - -h/--help anywhere asks for the help of the deepest group or command the
 *     words reached, and wins over flag errors (not over unknown words: help
 *     for something that does not exist would be a guess). */
#include "cli/cli.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"

static const char *const output_choices[] = {"json", "table", "tsv", "none", NULL};

const struct cli_flag cli_global_flags[CLI_NGLOBALS + 1] = {
    [CLI_G_OUTPUT] = {.name = "output",
                      .short_name = 'o',
                      .type = CLI_ENUM,
                      .metavar = "FORMAT",
                      .choices = output_choices,
                      .def = "json",
                      .help = "Output format: json (ARM JSON, indented), table (aligned columns; "
                              "lists one row per item), tsv (tab-separated values, no header, "
                              "for scripts) or none."},
    [CLI_G_QUERY] = {.name = "query",
                     .type = CLI_STRING,
                     .metavar = "PATH",
                     .help = "Print only part of the result: a dotted path such as value, "
                             "properties.provisioningState, value[0].id, value[-1] or value[].id "
                             "(one result per item)."},
    [CLI_G_DEBUG] = {.name = "debug",
                     .type = CLI_SWITCH,
                     .help = "Print each HTTP request and response on stderr (the Authorization "
                             "header and tokens are redacted)."},
    [CLI_G_URL] = {.name = "url",
                   .type = CLI_STRING,
                   .metavar = "URL",
                   .help = "The accelnetd endpoint, e.g. https://127.0.0.1:8443. Overrides "
                           "ACCELNET_URL and the config file."},
    [CLI_G_TOKEN] = {.name = "token",
                     .type = CLI_STRING,
                     .metavar = "TOKEN",
                     .help = "The bearer token. Overrides ACCELNET_TOKEN and the config file."},
    [CLI_G_CA_FILE] = {.name = "ca-file",
                       .type = CLI_STRING,
                       .metavar = "FILE",
                       .help = "PEM file with the CA certificate(s) that signed the server's "
                               "certificate. Overrides ACCELNET_CA_FILE and the config file."},
    [CLI_G_TIMEOUT] = {.name = "timeout",
                       .type = CLI_INT,
                       .metavar = "SECONDS",
                       .def = "60",
                       .min = 1,
                       .max = 3600,
                       .help = "Give up on a request after this many seconds."},
    [CLI_G_HELP] = {.name = "help",
                    .short_name = 'h',
                    .type = CLI_SWITCH,
                    .help = "Show this help message and exit."},
    [CLI_G_VERSION] = {.name = "version",
                       .type = CLI_SWITCH,
                       .help = "Print the version and exit."},
    [CLI_NGLOBALS] = {0},
};

static size_t flag_count(const struct cli_flag *flags)
{
    size_t n = 0;
    while (flags && flags[n].name)
        n++;
    return n;
}

size_t cli_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t *row = util_xcalloc(lb + 1, sizeof(*row));
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] == b[j - 1] ? 0 : 1);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    size_t d = row[lb];
    free(row);
    return d;
}

/* Keeps the closest candidate so far in *best (borrowed) if close enough to
 * be a likely typo of word. */
static void suggest_consider(const char *word, const char *cand, const char **best, size_t *best_d)
{
    size_t d = cli_edit_distance(word, cand);
    size_t limit = strlen(word) / 3 + 1;
    if (limit > 3)
        limit = 3;
    if (d <= limit && d < *best_d) {
        *best = cand;
        *best_d = d;
    }
}

const struct cli_group *cli_table_group(const struct cli_table *t, const char *path)
{
    for (size_t i = 0; i < t->ngroups; i++)
        if (strcmp(t->groups[i].path, path) == 0)
            return &t->groups[i];
    return NULL;
}

const struct cli_command *cli_table_command(const struct cli_table *t, const char *group,
                                            const char *verb)
{
    for (size_t i = 0; i < t->ncommands; i++)
        if (strcmp(t->commands[i].group, group) == 0 && strcmp(t->commands[i].verb, verb) == 0)
            return &t->commands[i];
    return NULL;
}

/* "admin token" + "create" → "admin token create"; owned. */
static char *path_join(const char *path, const char *word)
{
    return *path ? util_asprintf("%s %s", path, word) : util_xstrdup(word);
}

/* The last word of a group path ("admin token" → "token"). */
static const char *path_last(const char *path)
{
    const char *sp = strrchr(path, ' ');
    return sp ? sp + 1 : path;
}

/* 1 when child is a direct subgroup of parent. */
static int is_child_group(const char *parent, const char *child)
{
    size_t lp = strlen(parent);
    if (!*child)
        return 0;
    if (lp == 0)
        return strchr(child, ' ') == NULL;
    return strncmp(child, parent, lp) == 0 && child[lp] == ' ' && !strchr(child + lp + 1, ' ');
}

static void set_error(struct cli_parsed *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_error(struct cli_parsed *p, const char *fmt, ...)
{
    if (p->error)
        return; /* the first problem is the one reported */
    va_list ap;
    va_start(ap, fmt);
    p->error = util_vasprintf(fmt, ap);
    va_end(ap);
}

/* An argument that would be read as a flag rather than as a value. */
static int looks_like_flag(const char *a)
{
    if (a[0] != '-')
        return 0;
    if (a[1] == '-')
        return a[2] != '\0';
    return a[1] != '\0' && a[2] == '\0' &&
           ((a[1] >= 'a' && a[1] <= 'z') || (a[1] >= 'A' && a[1] <= 'Z'));
}

/* The index in specs of the flag that argument a names, or -1. *inline_val is
 * the value glued to it (--x=v, -ov), or NULL. */
static int flag_lookup(const struct cli_flag *specs, const char *a, const char **inline_val)
{
    *inline_val = NULL;
    if (!specs)
        return -1;
    if (a[0] == '-' && a[1] == '-') {
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        for (int i = 0; specs[i].name; i++)
            if (strlen(specs[i].name) == len && strncmp(specs[i].name, name, len) == 0) {
                *inline_val = eq ? eq + 1 : NULL;
                return i;
            }
        return -1;
    }
    if (a[0] == '-' && a[1] && a[1] != '-') {
        for (int i = 0; specs[i].name; i++)
            if (specs[i].short_name && specs[i].short_name == a[1]) {
                if (a[2])
                    *inline_val = a[2] == '=' ? a + 3 : a + 2;
                return i;
            }
    }
    return -1;
}

/* Takes the value(s) of flag f named by argv[*i] into v; advances *i past
 * what it used. -1 (error set) when the value is missing or invalid. */
static int flag_take(struct cli_parsed *p, const struct cli_flag *f, struct cli_value *v,
                     const char *inline_val, int argc, char *const *argv, int *i)
{
    if (f->type == CLI_SWITCH) {
        if (inline_val) {
            set_error(p, "argument --%s: does not take a value", f->name);
            return -1;
        }
        v->set = 1;
        v->value = "true";
        return 0;
    }
    if (f->type == CLI_LIST) {
        size_t before = v->nlist;
        if (inline_val) {
            v->list = util_xrealloc(v->list, (v->nlist + 1) * sizeof(*v->list));
            v->list[v->nlist++] = inline_val;
        }
        while (*i + 1 < argc && !looks_like_flag(argv[*i + 1])) {
            v->list = util_xrealloc(v->list, (v->nlist + 1) * sizeof(*v->list));
            v->list[v->nlist++] = argv[++*i];
        }
        if (v->nlist == before) {
            set_error(p, "argument --%s: expected one or more values", f->name);
            return -1;
        }
        v->set = 1;
        v->value = v->list[v->nlist - 1];
        return 0;
    }
    const char *val = inline_val;
    if (!val) {
        if (*i + 1 >= argc || looks_like_flag(argv[*i + 1])) {
            set_error(p, "argument --%s: expected a value", f->name);
            return -1;
        }
        val = argv[++*i];
    }
    if (v->set) {
        set_error(p, "argument --%s: given more than once", f->name);
        return -1;
    }
    if (f->type == CLI_ENUM) {
        const char *canon = NULL;
        for (size_t k = 0; f->choices && f->choices[k]; k++)
            if (strcasecmp(f->choices[k], val) == 0)
                canon = f->choices[k];
        if (!canon) {
            struct buf b = {0};
            for (size_t k = 0; f->choices && f->choices[k]; k++)
                buf_appendf(&b, "%s'%s'", k ? ", " : "", f->choices[k]);
            set_error(p, "argument --%s: invalid choice: '%s' (choose from %s)", f->name, val,
                      b.data ? b.data : "");
            buf_free(&b);
            return -1;
        }
        val = canon;
    } else if (f->type == CLI_INT) {
        long n;
        if (util_parse_long(val, f->min, f->max, &n) != 0) {
            set_error(p, "argument --%s: '%s' is not a whole number from %ld to %ld", f->name, val,
                      f->min, f->max);
            return -1;
        }
    }
    v->set = 1;
    v->value = val;
    return 0;
}

/* "--rol" → "Did you mean '--role'?" among the command's and the global
 * flags; "" when nothing is close. Owned. */
static char *flag_suggestion(const struct cli_command *cmd, const char *a)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    char *word = util_xstrdup(a[0] == '-' && a[1] == '-' ? a + 2 : a);
    char *eq = strchr(word, '=');
    if (eq)
        *eq = '\0';
    for (size_t i = 0; cmd && cmd->flags && cmd->flags[i].name; i++)
        suggest_consider(word, cmd->flags[i].name, &best, &best_d);
    for (size_t i = 0; i < CLI_NGLOBALS; i++)
        suggest_consider(word, cli_global_flags[i].name, &best, &best_d);
    free(word);
    return best ? util_asprintf(" Did you mean '--%s'?", best) : util_xstrdup("");
}

/* The next word after the group path: a subgroup or a verb. 0 when it was
 * one of those; -1 (error set) when it is neither. */
static int take_word(struct cli_parsed *p, const struct cli_table *t, const char *word)
{
    const char *path = p->group->path;
    char *child = path_join(path, word);
    const struct cli_group *g = cli_table_group(t, child);
    free(child);
    if (g) {
        p->group = g;
        return 0;
    }
    const struct cli_command *c = cli_table_command(t, path, word);
    if (c) {
        p->cmd = c;
        p->nvals = flag_count(c->flags);
        p->vals = util_xcalloc(p->nvals ? p->nvals : 1, sizeof(*p->vals));
        return 0;
    }
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < t->ngroups; i++)
        if (is_child_group(path, t->groups[i].path))
            suggest_consider(word, path_last(t->groups[i].path), &best, &best_d);
    for (size_t i = 0; i < t->ncommands; i++)
        if (strcmp(t->commands[i].group, path) == 0)
            suggest_consider(word, t->commands[i].verb, &best, &best_d);
    if (*path)
        set_error(p, "'%s' is not in the 'accelnet %s' command group.%s%s%s", word, path,
                  best ? " Did you mean '" : "", best ? best : "", best ? "'?" : "");
    else
        set_error(p, "'%s' is not an accelnet command or group.%s%s%s", word,
                  best ? " Did you mean '" : "", best ? best : "", best ? "'?" : "");
    return -1;
}

static int is_help_arg(const char *a)
{
    return strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0;
}

enum cli_parse_status cli_parse(struct cli_parsed *p, const struct cli_table *t, int argc,
                                char *const *argv)
{
    memset(p, 0, sizeof(*p));
    p->group = cli_table_group(t, "");
    assert(p->group != NULL); /* every table has a top level */
    int help = 0, bad_word = 0;
    for (int i = 1; i < argc; i++)
        if (is_help_arg(argv[i]))
            help = 1;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] == '-' && a[1] != '\0') {
            const char *inline_val;
            int k = p->cmd ? flag_lookup(p->cmd->flags, a, &inline_val) : -1;
            int rc;
            if (k >= 0) {
                rc = flag_take(p, &p->cmd->flags[k], &p->vals[k], inline_val, argc, argv, &i);
            } else {
                k = flag_lookup(cli_global_flags, a, &inline_val);
                if (k >= 0) {
                    rc = flag_take(p, &cli_global_flags[k], &p->gvals[k], inline_val, argc, argv,
                                   &i);
                } else {
                    char *hint = flag_suggestion(p->cmd, a);
                    if (p->cmd)
                        set_error(p, "unrecognized argument: %s.%s", a, hint);
                    else
                        set_error(p,
                                  "unrecognized argument: %s (flags other than the global "
                                  "ones go after the command).%s",
                                  a, hint);
                    free(hint);
                    rc = -1;
                }
            }
            if (rc != 0 && !help)
                break;
            continue;
        }
        if (p->cmd) {
            set_error(p,
                      "unrecognized argument: '%s' (flag values follow their flag: --name "
                      "VALUE)",
                      a);
            if (!help)
                break;
            continue;
        }
        if (take_word(p, t, a) != 0) {
            bad_word = 1;
            break;
        }
    }

    if (bad_word) {
        p->status = CLI_PARSE_USAGE;
    } else if (help) {
        free(p->error);
        p->error = NULL;
        p->status = CLI_PARSE_HELP;
    } else if (p->error) {
        p->status = CLI_PARSE_USAGE;
    } else if (p->gvals[CLI_G_VERSION].set) {
        p->status = CLI_PARSE_VERSION;
    } else if (!p->cmd) {
        if (argc > 1) {
            if (*p->group->path)
                set_error(p, "'accelnet %s' needs a subgroup or a command (see below).",
                          p->group->path);
            else
                set_error(p, "a command is needed (see below).");
        }
        p->status = CLI_PARSE_USAGE;
    } else {
        struct buf missing = {0};
        for (size_t k = 0; k < p->nvals; k++)
            if ((p->cmd->flags[k].opts & CLI_REQUIRED) && !p->vals[k].set)
                buf_appendf(&missing, "%s--%s", missing.len ? ", " : "", p->cmd->flags[k].name);
        if (missing.len) {
            set_error(p, "the following arguments are required: %s", missing.data);
            p->status = CLI_PARSE_USAGE;
        } else {
            p->status = CLI_PARSE_RUN;
        }
        buf_free(&missing);
    }

    const struct cli_value *gv = p->gvals;
    p->g.output =
        gv[CLI_G_OUTPUT].set ? gv[CLI_G_OUTPUT].value : cli_global_flags[CLI_G_OUTPUT].def;
    p->g.query = gv[CLI_G_QUERY].set ? gv[CLI_G_QUERY].value : NULL;
    p->g.debug = gv[CLI_G_DEBUG].set;
    p->g.url = gv[CLI_G_URL].set ? gv[CLI_G_URL].value : NULL;
    p->g.token = gv[CLI_G_TOKEN].set ? gv[CLI_G_TOKEN].value : NULL;
    p->g.ca_file = gv[CLI_G_CA_FILE].set ? gv[CLI_G_CA_FILE].value : NULL;
    long timeout = 60;
    util_parse_long(gv[CLI_G_TIMEOUT].set ? gv[CLI_G_TIMEOUT].value
                                          : cli_global_flags[CLI_G_TIMEOUT].def,
                    1, 3600, &timeout);
    p->g.timeout = timeout;
    return p->status;
}

void cli_parsed_free(struct cli_parsed *p)
{
    for (size_t k = 0; k < p->nvals; k++)
        free(p->vals[k].list);
    free(p->vals);
    for (size_t k = 0; k < CLI_NGLOBALS; k++)
        free(p->gvals[k].list);
    free(p->error);
    memset(p, 0, sizeof(*p));
}

static int arg_index(const struct cli_parsed *p, const char *name)
{
    for (size_t k = 0; k < p->nvals; k++)
        if (strcmp(p->cmd->flags[k].name, name) == 0)
            return (int)k;
    assert(!"cli_arg: the command has no such flag");
    return -1;
}

const char *cli_arg(const struct cli_parsed *p, const char *name)
{
    int k = arg_index(p, name);
    if (k < 0)
        return NULL;
    return p->vals[k].set ? p->vals[k].value : p->cmd->flags[k].def;
}

int cli_arg_given(const struct cli_parsed *p, const char *name)
{
    int k = arg_index(p, name);
    return k >= 0 && p->vals[k].set;
}

const char *const *cli_arg_list(const struct cli_parsed *p, const char *name, size_t *n)
{
    int k = arg_index(p, name);
    *n = k >= 0 ? p->vals[k].nlist : 0;
    return k >= 0 ? p->vals[k].list : NULL;
}
