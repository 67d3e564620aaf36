/* help — `--help` for the top level, a group or a command, in az's layout:
 *
 *     Command
 *         accelnet admin token create : Create an API token.
 *
 *     Arguments
 *         --role ROLE   [Required] : The token's role.  Allowed values: admin, agent.
 *     ...
 *     Global Arguments
 *     ...
 *     Examples
 *         Create a token for a host agent.
 *             accelnet admin token create --role agent --description "host eu-01"
 *
 * Flag descriptions are wrapped to HELP_WIDTH columns; the free-text help of
 * groups and commands is printed as written (indented), so that tables in it
 * (exit codes) keep their shape. */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#define HELP_WIDTH    100
#define HELP_MAX_LEFT 34

/* Prints text indented, each line as written. */
static void print_block(FILE *f, const char *text, int indent)
{
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len)
            fprintf(f, "%*s%.*s\n", indent, "", (int)len, p);
        else
            fputc('\n', f);
        p += len + (nl ? 1 : 0);
    }
}

/* Prints words of text wrapped so that lines end before HELP_WIDTH; the first
 * line continues the current one (at column col), the others start at indent. */
static void print_wrapped(FILE *f, const char *text, size_t col, size_t indent)
{
    const char *p = text;
    size_t at = col;
    int first = 1;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        size_t len = strcspn(p, " ");
        if (!first && at + 1 + len > HELP_WIDTH) {
            fprintf(f, "\n%*s", (int)indent, "");
            at = indent;
        } else if (!first) {
            fputc(' ', f);
            at++;
        }
        fprintf(f, "%.*s", (int)len, p);
        at += len;
        first = 0;
        p += len;
    }
    fputc('\n', f);
}

/* "--output -o FORMAT" */
static char *flag_left(const struct cli_flag *fl)
{
    struct buf b = {0};
    buf_appendf(&b, "--%s", fl->name);
    if (fl->short_name)
        buf_appendf(&b, " -%c", fl->short_name);
    if (fl->type != CLI_SWITCH)
        buf_appendf(&b, " %s%s", fl->metavar ? fl->metavar : "VALUE",
                    fl->type == CLI_LIST ? "..." : "");
    return b.data;
}

char *cli_flag_describe(const struct cli_flag *fl)
{
    struct buf b = {0};
    buf_appendf(&b, "%s", fl->help ? fl->help : "");
    if (fl->type == CLI_ENUM && fl->choices) {
        buf_appendf(&b, "  Allowed values: ");
        for (size_t k = 0; fl->choices[k]; k++)
            buf_appendf(&b, "%s%s", k ? ", " : "", fl->choices[k]);
        buf_appendf(&b, ".");
    }
    if (fl->def)
        buf_appendf(&b, "  Default: %s.", fl->def);
    return b.data ? b.data : util_xstrdup("");
}

static size_t flag_left_width(const struct cli_flag *fl)
{
    char *l = flag_left(fl);
    size_t w = strlen(l) + ((fl->opts & CLI_REQUIRED) ? strlen(" [Required]") : 0);
    free(l);
    return w;
}

/* 1 when the command has its own flag called name (it then hides the global
 * flag of that name). */
static int command_has_flag(const struct cli_command *cmd, const char *name)
{
    for (size_t k = 0; cmd && cmd->flags && cmd->flags[k].name; k++)
        if (strcmp(cmd->flags[k].name, name) == 0)
            return 1;
    return 0;
}

static void print_flag(FILE *f, const struct cli_flag *fl, size_t width)
{
    char *left = flag_left(fl);
    char *right = cli_flag_describe(fl);
    size_t used = strlen(left);
    fprintf(f, "    %s", left);
    if (fl->opts & CLI_REQUIRED) {
        fputs(" [Required]", f);
        used += strlen(" [Required]");
    }
    if (used > width) {
        /* Too long for the column: the description starts on its own line. */
        fprintf(f, "\n%*s", (int)(4 + width), "");
        used = width;
    }
    fprintf(f, "%*s : ", (int)(width - used), "");
    print_wrapped(f, right, 4 + width + 3, 4 + width + 3);
    free(left);
    free(right);
}

static void print_examples(FILE *f, const struct cli_example *ex)
{
    if (!ex || !ex[0].summary)
        return;
    fputs("\nExamples\n", f);
    for (size_t k = 0; ex[k].summary; k++) {
        fprintf(f, "    %s\n", ex[k].summary);
        fprintf(f, "        %s\n", ex[k].command);
        if (ex[k + 1].summary)
            fputc('\n', f);
    }
}

/* Lists name : summary pairs with the names aligned. */
struct help_item {
    const char *name;
    const char *summary;
};

static void print_items(FILE *f, const char *title, const struct help_item *items, size_t n)
{
    if (!n)
        return;
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (strlen(items[i].name) > w)
            w = strlen(items[i].name);
    fprintf(f, "\n%s:\n", title);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "    %-*s : ", (int)w, items[i].name);
        print_wrapped(f, items[i].summary ? items[i].summary : "", 4 + w + 3, 4 + w + 3);
    }
}

static int item_cmp(const void *a, const void *b)
{
    return strcmp(((const struct help_item *)a)->name, ((const struct help_item *)b)->name);
}

static void print_global_flags(FILE *f, const struct cli_command *cmd, size_t width)
{
    fputs("\nGlobal Arguments\n", f);
    for (size_t k = 0; k < CLI_NGLOBALS; k++)
        if (!command_has_flag(cmd, cli_global_flags[k].name))
            print_flag(f, &cli_global_flags[k], width);
}

static size_t column_width(const struct cli_command *cmd)
{
    size_t w = 0;
    for (size_t k = 0; cmd && cmd->flags && cmd->flags[k].name; k++)
        if (flag_left_width(&cmd->flags[k]) > w)
            w = flag_left_width(&cmd->flags[k]);
    for (size_t k = 0; k < CLI_NGLOBALS; k++)
        if (flag_left_width(&cli_global_flags[k]) > w)
            w = flag_left_width(&cli_global_flags[k]);
    return w > HELP_MAX_LEFT ? HELP_MAX_LEFT : w;
}

static void help_command(FILE *f, const struct cli_command *cmd)
{
    size_t width = column_width(cmd);
    fprintf(f, "\nCommand\n    accelnet %s%s%s : %s\n", cmd->group, *cmd->group ? " " : "",
            cmd->verb, cmd->summary);
    if (cmd->help) {
        fputc('\n', f);
        print_block(f, cmd->help, 4);
    }
    if (cmd->flags && cmd->flags[0].name) {
        fputs("\nArguments\n", f);
        for (size_t k = 0; cmd->flags[k].name; k++)
            print_flag(f, &cmd->flags[k], width);
    }
    print_global_flags(f, cmd, width);
    print_examples(f, cmd->examples);
    fputc('\n', f);
}

static void help_group(FILE *f, const struct cli_table *t, const struct cli_group *g)
{
    size_t n = 0;
    struct help_item *items = util_xcalloc(t->ngroups + t->ncommands + 1, sizeof(*items));

    if (*g->path)
        fprintf(f, "\nGroup\n    accelnet %s : %s\n", g->path, g->summary);
    else
        fprintf(f, "\n%s\n", g->summary);
    if (g->help) {
        fputc('\n', f);
        print_block(f, g->help, *g->path ? 4 : 0);
    }
    for (size_t i = 0; i < t->ngroups; i++) {
        const char *p = t->groups[i].path;
        size_t lp = strlen(g->path);
        if (!*p || strcmp(p, g->path) == 0)
            continue;
        if (lp && (strncmp(p, g->path, lp) != 0 || p[lp] != ' '))
            continue;
        const char *rest = lp ? p + lp + 1 : p;
        if (strchr(rest, ' '))
            continue;
        items[n].name = rest;
        items[n++].summary = t->groups[i].summary;
    }
    qsort(items, n, sizeof(*items), item_cmp);
    print_items(f, "Subgroups", items, n);
    n = 0;
    for (size_t i = 0; i < t->ncommands; i++)
        if (strcmp(t->commands[i].group, g->path) == 0) {
            items[n].name = t->commands[i].verb;
            items[n++].summary = t->commands[i].summary;
        }
    qsort(items, n, sizeof(*items), item_cmp);
    print_items(f, "Commands", items, n);
    free(items);
    if (!*g->path)
        print_global_flags(f, NULL, column_width(NULL));
    print_examples(f, g->examples);
    if (*g->path)
        fprintf(f, "\nFor more specific examples, use: accelnet %s <command> --help\n", g->path);
    fputc('\n', f);
}

void cli_help_print(FILE *f, const struct cli_table *t, const struct cli_group *g,
                    const struct cli_command *cmd)
{
    if (cmd)
        help_command(f, cmd);
    else
        help_group(f, t, g ? g : cli_table_group(t, ""));
}
