/* complete — shell completion from the command table (cli/cli.h,
 * cli_complete): `accelnet __complete WORDS...` is what the bash completion
 * script asks, so that the script never needs to change when commands do.
 *
 * The words before the last are walked as the parser would (groups, then a
 * verb, then flags and their values); the last word is the one being
 * completed. What cannot be known from the table (names of resources, free
 * text) completes to nothing. */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"

/* The index in specs of the flag that word names (--name, --name=value, -x,
 * -xVALUE), or -1; *inline_val is set when the value is glued to it. */
static int find_flag(const struct cli_flag *specs, const char *word, int *inline_val)
{
    *inline_val = 0;
    for (int i = 0; specs && specs[i].name; i++) {
        const struct cli_flag *f = &specs[i];
        if (word[0] == '-' && word[1] == '-') {
            size_t len = strcspn(word + 2, "=");
            if (strlen(f->name) == len && strncmp(f->name, word + 2, len) == 0) {
                *inline_val = word[2 + len] == '=';
                return i;
            }
        } else if (word[0] == '-' && word[1] && f->short_name == word[1]) {
            *inline_val = word[2] != '\0';
            return i;
        }
    }
    return -1;
}

/* A command's flag, else a global one (*global set), else NULL; *index is its
 * index in its array. */
static const struct cli_flag *lookup(const struct cli_command *cmd, const char *word,
                                     int *inline_val, int *global, int *index)
{
    *global = 0;
    *index = cmd ? find_flag(cmd->flags, word, inline_val) : -1;
    if (*index >= 0)
        return &cmd->flags[*index];
    *global = 1;
    *index = find_flag(cli_global_flags, word, inline_val);
    return *index >= 0 ? &cli_global_flags[*index] : NULL;
}

/* 1 when the command has its own flag called name (it hides the global one). */
static int has_own_flag(const struct cli_command *cmd, const char *name)
{
    for (size_t k = 0; cmd && cmd->flags && cmd->flags[k].name; k++)
        if (strcmp(cmd->flags[k].name, name) == 0)
            return 1;
    return 0;
}

/* The candidates, kept to print them sorted and once each. */
struct cands {
    char **v;
    size_t n;
};

static void cand_add(struct cands *c, const char *prefix, const char *s, const char *cur)
{
    char *full = util_asprintf("%s%s", prefix, s);
    if (strncmp(full, cur, strlen(cur)) != 0) {
        free(full);
        return;
    }
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->v[i], full) == 0) {
            free(full);
            return;
        }
    c->v = util_xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
    c->v[c->n++] = full;
}

static int cand_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void cands_print(FILE *f, struct cands *c)
{
    if (c->n > 1)
        qsort(c->v, c->n, sizeof(*c->v), cand_cmp);
    for (size_t i = 0; i < c->n; i++) {
        fprintf(f, "%s\n", c->v[i]);
        free(c->v[i]);
    }
    free(c->v);
    c->v = NULL;
    c->n = 0;
}

/* The values of flag fl that start with cur (after prefix, e.g. "--output="). */
static void values_of(FILE *f, const struct cli_flag *fl, const char *prefix, const char *cur)
{
    struct cands c = {0};
    if (fl->type == CLI_ENUM) {
        /* Choices match in any case, as the parser takes them. */
        size_t lp = strlen(prefix);
        for (size_t k = 0; fl->choices && fl->choices[k]; k++) {
            const char *typed = strlen(cur) >= lp ? cur + lp : "";
            if (strncasecmp(fl->choices[k], typed, strlen(typed)) == 0)
                cand_add(&c, "", fl->choices[k], "");
        }
        for (size_t i = 0; i < c.n; i++) {
            char *full = util_asprintf("%s%s", prefix, c.v[i]);
            free(c.v[i]);
            c.v[i] = full;
        }
    } else if (fl->metavar && strcmp(fl->metavar, "FILE") == 0 && !*prefix) {
        fputs(CLI_COMPLETE_FILES "\n", f);
        return;
    }
    cands_print(f, &c);
}

static void flags_of(struct cands *c, const struct cli_flag *specs, const char *cur,
                     const unsigned char *given)
{
    for (size_t i = 0; specs && specs[i].name; i++)
        if (!given || !given[i] || specs[i].type == CLI_LIST)
            cand_add(c, "--", specs[i].name, cur);
}

void cli_complete(FILE *f, const struct cli_table *t, int n, char *const *words)
{
    const struct cli_group *group = cli_table_group(t, "");
    const struct cli_command *cmd = NULL;
    const struct cli_flag *pending = NULL; /* a flag whose value comes next */
    int in_list = 0;                       /* the words are a list flag's values */
    unsigned char given[128] = {0}, gglobal[CLI_NGLOBALS] = {0};
    const char *cur = n > 0 ? words[n - 1] : "";
    struct cands c = {0};

    if (!group)
        return;
    for (int i = 0; i + 1 < n; i++) {
        const char *w = words[i];
        if (strcmp(w, "=") == 0)
            continue; /* bash's split of --flag=value */
        if (pending) {
            pending = NULL;
            continue;
        }
        if (w[0] == '-' && w[1]) {
            int inl, global, k;
            const struct cli_flag *fl = lookup(cmd, w, &inl, &global, &k);
            in_list = 0;
            if (!fl)
                continue; /* unknown: the parser will say so */
            if (global)
                gglobal[k] = 1;
            else if ((size_t)k < sizeof(given))
                given[k] = 1;
            if (fl->type == CLI_SWITCH || inl)
                continue;
            if (fl->type == CLI_LIST)
                in_list = 1;
            else
                pending = fl;
            continue;
        }
        if (in_list || cmd)
            continue; /* a value, or a stray word the parser will refuse */
        char *child = *group->path ? util_asprintf("%s %s", group->path, w) : util_xstrdup(w);
        const struct cli_group *g = cli_table_group(t, child);
        free(child);
        if (g) {
            group = g;
            continue;
        }
        cmd = cli_table_command(t, group->path, w);
        if (!cmd)
            return; /* not a word of this group: nothing follows it */
    }
    /* "--flag =" or "--flag = val": bash split the value off at '='. */
    if (n >= 3 && strcmp(words[n - 2], "=") == 0) {
        int inl, global, k;
        const struct cli_flag *fl = lookup(cmd, words[n - 3], &inl, &global, &k);
        if (fl && fl->type != CLI_SWITCH)
            values_of(f, fl, "", cur);
        return;
    }
    if (pending) {
        values_of(f, pending, "", cur);
        return;
    }
    if (cur[0] == '-') {
        const char *eq = strchr(cur, '=');
        if (cur[1] == '-' && eq) {
            int inl, global, k;
            const struct cli_flag *fl = lookup(cmd, cur, &inl, &global, &k);
            char *prefix = util_xstrndup(cur, (size_t)(eq - cur) + 1);
            if (fl && fl->type != CLI_SWITCH)
                values_of(f, fl, prefix, cur);
            free(prefix);
            return;
        }
        if (cmd)
            flags_of(&c, cmd->flags, cur, given);
        for (size_t k = 0; k < CLI_NGLOBALS; k++)
            if (!gglobal[k] && !has_own_flag(cmd, cli_global_flags[k].name))
                cand_add(&c, "--", cli_global_flags[k].name, cur);
        cands_print(f, &c);
        return;
    }
    if (in_list)
        return; /* another value of the list: free text */
    if (cmd) {
        /* After a command, the next word is a flag: its own first. */
        if (!*cur) {
            flags_of(&c, cmd->flags, cur, given);
            cands_print(f, &c);
        }
        return;
    }
    size_t lp = strlen(group->path);
    for (size_t i = 0; i < t->ngroups; i++) {
        const char *p = t->groups[i].path;
        if (!*p || strcmp(p, group->path) == 0)
            continue;
        if (lp && (strncmp(p, group->path, lp) != 0 || p[lp] != ' '))
            continue;
        const char *rest = lp ? p + lp + 1 : p;
        if (!strchr(rest, ' '))
            cand_add(&c, "", rest, cur);
    }
    for (size_t i = 0; i < t->ncommands; i++)
        if (strcmp(t->commands[i].group, group->path) == 0)
            cand_add(&c, "", t->commands[i].verb, cur);
    cands_print(f, &c);
}
