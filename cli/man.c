/* man — accelnet(1) from the command table (cli/cli.h, cli_man_print), so
 * that the manual page says what --help says and never drifts from it.
 *
 * Layout: NAME and SYNOPSIS; DESCRIPTION from the top level's help (its
 * "Usage:" lines are the SYNOPSIS; a short unindented line followed by
 * indented ones is a subsection heading: Settings, Output, Exit codes);
 * GLOBAL OPTIONS; COMMANDS, one subsection per group and per command (usage
 * line, summary, help, flags, examples); EXAMPLES (the top level's);
 * ENVIRONMENT; FILES.
 *
 * The help texts are written for a terminal: hard-wrapped lines, tables kept
 * in shape with indentation and runs of spaces. In the page, unindented lines
 * of a paragraph are filled (man wraps them to the reader's width); indented
 * lines, and lines with a run of two spaces, are kept as they are (.nf),
 * except a table of terms ("0  success", descriptions going on in lines
 * indented to their column), which becomes a .TP list. `x`
 * is set in bold. Everything is escaped for roff: '\' and '-' (so that
 * options and commands copy as typed), a leading '.' or '\'', and non-ASCII
 * characters as \[uXXXX]. Example commands longer than a line are split at
 * spaces outside quotes with a shell continuation (" \"), so that they still
 * run when pasted. Checked with groff -man -ww (tests/unit/test_cli_doc.c). */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "common/version.h"

/* Example commands sit 13 columns in (the section's 7, the examples' 4 and
 * their own 2); this keeps them inside 80 where words allow. */
#define EXAMPLE_WIDTH 66

struct roff {
    FILE *f;
    int bold;   /* inside `...` */
    int nofill; /* in a .nf block: no break points */
};

/* The UTF-8 sequence at s: its code point and length (1 for a bad byte,
 * shown as U+FFFD). */
static unsigned utf8_next(const unsigned char *s, size_t *len)
{
    unsigned c = s[0];
    size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    if (c < 0x80) {
        *len = 1;
        return c;
    }
    unsigned cp = n == 4 ? c & 0x07 : n == 3 ? c & 0x0f : c & 0x1f;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *len = 1;
            return 0xfffd;
        }
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    *len = n == 1 ? 1 : n;
    return n == 1 ? 0xfffd : cp;
}

/* Writes n bytes of s escaped for roff text; at_line_start: s starts a line
 * of input. backticks: `...` toggles bold (help text), else they are kept. */
static void esc(struct roff *r, const char *s, size_t n, int at_line_start, int backticks)
{
    if (at_line_start && n && (s[0] == '.' || s[0] == '\''))
        fputs("\\&", r->f);
    for (size_t i = 0; i < n && s[i];) {
        unsigned char c = (unsigned char)s[i];
        size_t len = 1;
        if (c == '\\')
            fputs("\\e", r->f);
        else if (c == '-')
            fputs("\\-", r->f);
        else if ((c == ':' || c == '/') && !r->nofill && i + 1 < n && s[i + 1] != ' ')
            /* A place where a long URN, id or URL may break (\: prints nothing). */
            fprintf(r->f, "%c\\:", c);
        else if (c == '`' && backticks) {
            fputs(r->bold ? "\\fR" : "\\fB", r->f);
            r->bold = !r->bold;
        } else if (c >= 0x80) {
            unsigned cp = utf8_next((const unsigned char *)s + i, &len);
            fprintf(r->f, "\\[u%04X]", cp);
        } else if (c < 0x20 || c == 0x7f)
            fputc(' ', r->f);
        else
            fputc(c, r->f);
        i += len;
    }
}

static void esc_str(struct roff *r, const char *s, int at_line_start)
{
    esc(r, s, strlen(s), at_line_start, 0);
}

/* Ends a `...` left open at the end of a paragraph. */
static void close_bold(struct roff *r)
{
    if (r->bold) {
        fputs("\\fR\n", r->f);
        r->bold = 0;
    }
}

static size_t indent_of(const char *line, size_t len)
{
    size_t k = 0;
    while (k < len && line[k] == ' ')
        k++;
    return k;
}

/* A line kept as it is: indented, or with a run of two spaces in it. */
static int is_pre(const char *line, size_t len)
{
    size_t k = indent_of(line, len);
    if (k > 0 && k < len)
        return 1;
    for (size_t i = k; i + 1 < len; i++)
        if (line[i] == ' ' && line[i + 1] == ' ')
            return 1;
    return 0;
}

struct line {
    const char *s;
    size_t len;
};

/* The lines of one paragraph: from *p to a blank line or the end; *p moves
 * past it (and the blank lines after it). Returns the count (0 at the end). */
static size_t next_paragraph(const char **p, struct line *out, size_t max)
{
    size_t n = 0;
    while (**p == '\n')
        (*p)++;
    while (**p && n < max) {
        const char *nl = strchr(*p, '\n');
        size_t len = nl ? (size_t)(nl - *p) : strlen(*p);
        if (indent_of(*p, len) == len) /* blank */
            break;
        out[n].s = *p;
        out[n++].len = len;
        *p += len + (nl ? 1 : 0);
    }
    return n;
}

/* The description column of a table line "TERM  text" (a word, two or more
 * spaces, text), or 0 when the line is not one. */
static size_t term_column(const char *s, size_t len)
{
    size_t t = 0;
    while (t < len && s[t] != ' ')
        t++;
    size_t d = t;
    while (d < len && s[d] == ' ')
        d++;
    return t > 0 && d - t >= 2 && d < len ? d : 0;
}

/* lines[i..j) with strip columns removed are a table of two or more terms
 * ("0  success") whose descriptions may go on in lines indented to their
 * column: printed as
 * a .TP list, the descriptions filled. 0 when they are not such a table. */
static int term_table(struct roff *r, const struct line *lines, size_t i, size_t j, size_t strip)
{
    size_t col = 0, width = 0, terms = 0;
    for (size_t k = i; k < j; k++) {
        const char *s = lines[k].s + strip;
        size_t len = lines[k].len - strip, ind = indent_of(s, len);
        if (ind == 0) {
            col = term_column(s, len);
            if (!col)
                return 0;
            terms++;
            if (col > width)
                width = col;
        } else if (!col || ind != col) {
            return 0;
        }
    }
    if (terms < 2)
        return 0; /* one line is not a table */
    fputs(".RS 4\n.PD 0\n", r->f);
    for (size_t k = i; k < j; k++) {
        const char *s = lines[k].s + strip;
        size_t len = lines[k].len - strip, ind = indent_of(s, len);
        if (ind == 0) {
            size_t t = strcspn(s, " ");
            close_bold(r);
            fprintf(r->f, ".TP %zu\n", width + 1);
            esc(r, s, t, 1, 1);
            fputc('\n', r->f);
            ind = term_column(s, len);
        }
        esc(r, s + ind, len - ind, 1, 1);
        fputc('\n', r->f);
    }
    close_bold(r);
    fputs(".PD\n.RE\n", r->f);
    return 1;
}

/* Prints lines[0..n) as a paragraph body: runs of ordinary lines filled,
 * runs of kept lines in an indented no-fill block (their common indentation
 * removed). */
static void body(struct roff *r, const struct line *lines, size_t n)
{
    for (size_t i = 0; i < n;) {
        if (!is_pre(lines[i].s, lines[i].len)) {
            esc(r, lines[i].s, lines[i].len, 1, 1);
            fputc('\n', r->f);
            i++;
            continue;
        }
        size_t j = i, strip = (size_t)-1;
        for (; j < n && is_pre(lines[j].s, lines[j].len); j++) {
            size_t k = indent_of(lines[j].s, lines[j].len);
            if (k < strip)
                strip = k;
        }
        close_bold(r);
        if (term_table(r, lines, i, j, strip)) {
            i = j;
            continue;
        }
        fputs(".RS 2\n.nf\n", r->f);
        r->nofill = 1;
        for (size_t k = i; k < j; k++) {
            /* In no-fill mode leading spaces are kept as they are. */
            esc(r, lines[k].s + strip, lines[k].len - strip, 1, 1);
            fputc('\n', r->f);
        }
        close_bold(r);
        r->nofill = 0;
        fputs(".fi\n.RE\n", r->f);
        i = j;
    }
    close_bold(r);
}

/* A help text: its paragraphs, each after .PP; with headings, a paragraph
 * made of a short unindented line and indented ones is a subsection (.SS)
 * whose text is the indented lines. Paragraphs starting "Usage:" are left to
 * the SYNOPSIS when skip_usage is set. */
static void help_text(struct roff *r, const char *text, int headings, int skip_usage)
{
    struct line lines[128];
    const char *p = text;
    size_t n;
    while ((n = next_paragraph(&p, lines, 128)) > 0) {
        if (skip_usage && strncmp(lines[0].s, "Usage:", 6) == 0)
            continue;
        int heading = headings && n > 1 && indent_of(lines[0].s, lines[0].len) == 0 &&
                      lines[0].len <= 40 && lines[0].s[lines[0].len - 1] != '.';
        for (size_t i = 1; heading && i < n; i++)
            heading = indent_of(lines[i].s, lines[i].len) > 0;
        if (heading) {
            fputs(".SS ", r->f);
            esc(r, lines[0].s, lines[0].len, 0, 0);
            fputc('\n', r->f);
            /* The section's text, its own indentation removed. */
            size_t strip = (size_t)-1;
            for (size_t i = 1; i < n; i++) {
                size_t k = indent_of(lines[i].s, lines[i].len);
                if (k < strip)
                    strip = k;
            }
            for (size_t i = 1; i < n; i++) {
                lines[i].s += strip;
                lines[i].len -= strip;
            }
            body(r, lines + 1, n - 1);
            continue;
        }
        fputs(".PP\n", r->f);
        body(r, lines, n);
    }
}

/* "\fB\-\-name\fR, \fB\-n\fR \fIMETAVAR\fR ..." */
static void flag_tag(struct roff *r, const struct cli_flag *fl, int with_short)
{
    fputs("\\fB", r->f);
    esc_str(r, "--", 0);
    esc_str(r, fl->name, 0);
    fputs("\\fR", r->f);
    if (fl->short_name && with_short) {
        fputs(", \\fB", r->f);
        char s[3] = {'-', fl->short_name, '\0'};
        esc_str(r, s, 0);
        fputs("\\fR", r->f);
    }
    if (fl->type != CLI_SWITCH) {
        fputs(" \\fI", r->f);
        esc_str(r, fl->metavar ? fl->metavar : "VALUE", 0);
        fputs("\\fR", r->f);
        if (fl->type == CLI_LIST)
            fputs(" ...", r->f);
    }
}

static void flag_items(struct roff *r, const struct cli_flag *flags, size_t n)
{
    for (size_t k = 0; k < n && flags[k].name; k++) {
        const struct cli_flag *fl = &flags[k];
        char *d = cli_flag_describe(fl);
        fputs(".TP\n", r->f);
        flag_tag(r, fl, 1);
        fputc('\n', r->f);
        if (fl->opts & CLI_REQUIRED)
            fputs("Required. ", r->f);
        esc(r, d, strlen(d), !(fl->opts & CLI_REQUIRED), 1);
        fputc('\n', r->f);
        close_bold(r);
        free(d);
    }
}

/* The end of the shell word that starts at s (quotes kept together). */
static size_t shell_word(const char *s)
{
    size_t i = 0;
    char q = 0;
    for (; s[i]; i++) {
        if (q) {
            if (s[i] == '\\' && q == '"' && s[i + 1])
                i++;
            else if (s[i] == q)
                q = 0;
        } else if (s[i] == '\'' || s[i] == '"') {
            q = s[i];
        } else if (s[i] == ' ') {
            break;
        }
    }
    return i;
}

/* An example command in no-fill mode, split at spaces (outside quotes) into
 * lines of at most EXAMPLE_WIDTH columns where it can be, each continued with
 * " \" and the next indented by four. */
static void example_command(struct roff *r, const char *cmd)
{
    size_t col = 0;
    const char *p = cmd;
    fputs(".nf\n", r->f);
    r->nofill = 1;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        size_t len = shell_word(p);
        /* A flag and its value stay on one line. */
        if (p[0] == '-' && p[len] == ' ' && p[len + 1] && p[len + 1] != '-')
            len += 1 + shell_word(p + len + 1);
        if (col > 0 && col + 1 + len + 2 > EXAMPLE_WIDTH) {
            fputs(" \\e\n    ", r->f);
            col = 4;
        } else if (col > 0) {
            fputc(' ', r->f);
            col++;
        }
        esc(r, p, len, col == 0, 0);
        col += len;
        p += len;
    }
    r->nofill = 0;
    fputs("\n.fi\n", r->f);
}

static void examples(struct roff *r, const struct cli_example *ex, int own_section)
{
    if (!ex || !ex[0].summary)
        return;
    if (!own_section)
        fputs(".PP\nExamples:\n", r->f);
    fputs(".RS 4\n", r->f);
    for (size_t k = 0; ex[k].summary; k++) {
        fputs(".PP\n", r->f);
        esc(r, ex[k].summary, strlen(ex[k].summary), 1, 1);
        fputc('\n', r->f);
        close_bold(r);
        fputs(".RS 2\n", r->f);
        example_command(r, ex[k].command);
        fputs(".RE\n", r->f);
    }
    fputs(".RE\n", r->f);
}

/* "accelnet admin token create" with escapes, for .SS and usage lines. */
static void command_name(struct roff *r, const char *group, const char *verb)
{
    esc_str(r, "accelnet", 0);
    if (*group) {
        fputc(' ', r->f);
        esc_str(r, group, 0);
    }
    if (verb) {
        fputc(' ', r->f);
        esc_str(r, verb, 0);
    }
}

static void command_section(struct roff *r, const struct cli_command *c)
{
    fputs(".SS ", r->f);
    command_name(r, c->group, c->verb);
    fputs("\n\\fB", r->f);
    command_name(r, c->group, c->verb);
    fputs("\\fR\n", r->f);
    /* The usage line: required flags, then [optional] ones. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t k = 0; c->flags && c->flags[k].name; k++) {
            const struct cli_flag *fl = &c->flags[k];
            if (((fl->opts & CLI_REQUIRED) != 0) != (pass == 0))
                continue;
            fputs(pass ? "[" : "", r->f);
            flag_tag(r, fl, 0);
            fputs(pass ? "]\n" : "\n", r->f);
        }
    fputs(".PP\n", r->f);
    esc_str(r, c->summary, 1);
    fputc('\n', r->f);
    if (c->help)
        help_text(r, c->help, 0, 0);
    if (c->flags && c->flags[0].name) {
        fputs(".PP\nArguments (besides the GLOBAL OPTIONS):\n.RS 4\n", r->f);
        flag_items(r, c->flags, (size_t)-1);
        fputs(".RE\n", r->f);
    }
    examples(r, c->examples, 0);
}

static void group_section(struct roff *r, const struct cli_table *t, const struct cli_group *g)
{
    fputs(".SS ", r->f);
    command_name(r, g->path, NULL);
    fputs("\n", r->f);
    esc_str(r, g->summary, 1);
    fputc('\n', r->f);
    if (g->help)
        help_text(r, g->help, 0, 0);
    /* What it holds. */
    struct buf what = {0};
    for (size_t i = 0; i < t->ngroups; i++) {
        const char *p = t->groups[i].path;
        size_t lp = strlen(g->path);
        if (strncmp(p, g->path, lp) == 0 && p[lp] == ' ' && !strchr(p + lp + 1, ' '))
            buf_appendf(&what, "%s%s", what.len ? ", " : "", p + lp + 1);
    }
    for (size_t i = 0; i < t->ncommands; i++)
        if (strcmp(t->commands[i].group, g->path) == 0)
            buf_appendf(&what, "%s%s", what.len ? ", " : "", t->commands[i].verb);
    if (what.len) {
        fputs(".PP\nSubgroups and commands: ", r->f);
        esc(r, what.data, what.len, 0, 0);
        fputs(".\n", r->f);
    }
    buf_free(&what);
    examples(r, g->examples, 0);
}

static void commands_of(struct roff *r, const struct cli_table *t, const char *group)
{
    for (size_t i = 0; i < t->ncommands; i++)
        if (strcmp(t->commands[i].group, group) == 0)
            command_section(r, &t->commands[i]);
}

void cli_man_print(FILE *f, const struct cli_table *t)
{
    struct roff r = {.f = f};
    const struct cli_group *root = cli_table_group(t, "");
    const char *name = root && root->summary ? root->summary : "";
    static const char dash[] = "accelnet \xe2\x80\x94 "; /* "accelnet — " */
    if (strncmp(name, dash, strlen(dash)) == 0)
        name += strlen(dash);
    size_t nlen = strlen(name);
    if (nlen && name[nlen - 1] == '.')
        nlen--;

    fputs(".\\\" accelnet(1), generated by `accelnet __man` from the command table\n"
          ".\\\" (cli/commands.c): change the table, not this page.\n",
          f);
    fprintf(f, ".TH ACCELNET 1 \"\" \"accelnet %s\" \"User Commands\"\n", ACCELNET_VERSION);
    /* Names, ids and URLs are not words: no hyphenation, no stretched lines. */
    fputs(".nh\n.ad l\n", f);
    fputs(".SH NAME\naccelnet \\- ", f);
    esc(&r, name, nlen, 0, 0);
    fputs("\n.SH SYNOPSIS\n"
          ".B accelnet\n.I group\n.RI [ subgroup ]\n.I command\n.RI [ flags ]\n.br\n"
          ".B accelnet\n.RI [ group \" [\" subgroup \" [\" command ]]]\n.B \\-\\-help\n"
          ".br\n.B accelnet \\-\\-version\n",
          f);
    fputs(".SH DESCRIPTION\n", f);
    if (root && root->help)
        help_text(&r, root->help, 1, 1);

    fputs(".SH GLOBAL OPTIONS\nEvery command takes these; a command's own flag of the same name "
          "takes their place.\n",
          f);
    flag_items(&r, cli_global_flags, CLI_NGLOBALS);

    fputs(".SH COMMANDS\n", f);
    fputs("Commands are grouped as in \\fBaccelnet \\-\\-help\\fR; "
          "\\fBaccelnet\\fR \\fIgroup\\fR \\fB\\-\\-help\\fR and "
          "\\fBaccelnet\\fR \\fIgroup command\\fR \\fB\\-\\-help\\fR print the same text as "
          "below.\n",
          f);
    commands_of(&r, t, "");
    for (size_t i = 0; i < t->ngroups; i++) {
        const struct cli_group *g = &t->groups[i];
        if (!*g->path)
            continue;
        group_section(&r, t, g);
        commands_of(&r, t, g->path);
    }

    if (root && root->examples && root->examples[0].summary) {
        fputs(".SH EXAMPLES\n", f);
        examples(&r, root->examples, 1);
    }
    fputs(".SH ENVIRONMENT\n"
          ".TP\n.B ACCELNET_URL\nThe accelnetd endpoint (\\fB\\-\\-url\\fR wins over it).\n"
          ".TP\n.B ACCELNET_TOKEN\nThe bearer token (\\fB\\-\\-token\\fR wins over it).\n"
          ".TP\n.B ACCELNET_CA_FILE\nThe CA certificates (PEM) for the service's certificate "
          "(\\fB\\-\\-ca\\-file\\fR wins over it).\n"
          ".TP\n.B ACCELNET_SUBSCRIPTION\nThe default subscription (\\fB\\-\\-subscription\\fR "
          "wins over it).\n"
          ".TP\n.B ACCELNET_RESOURCE_GROUP\nThe default resource group (\\fB\\-\\-resource\\-group"
          "\\fR wins over it).\n"
          ".TP\n.B XDG_CONFIG_HOME\nWhere the settings file is (default: \\fI~/.config\\fR).\n"
          ".PP\nEach of them wins over the settings file.\n"
          ".SH FILES\n"
          ".TP\n.I $XDG_CONFIG_HOME/accelnet/config\n"
          "The settings \\fBaccelnet login\\fR and \\fBaccelnet account set\\fR store: "
          "key=value lines (url, token, ca_file, subscription, resource_group), mode 0600.\n",
          f);
}
